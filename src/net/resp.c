/*
 * resp.c - RESP request parsing (multibulk and inline).
 *
 * The parser keeps no hidden state: everything it knows is its input and its
 * outputs, so it is trivially fuzzable. By default it reads a command from
 * its first byte on every call; headers are short and bulk payloads are
 * skipped by length. But a command with many arguments arriving in many
 * reads would cost a parse of all its arguments per read (quadratic, and a
 * client sending the last bytes one at a time made the server spend ~0.5 ms
 * per byte behind 200k arguments, ~40x redis 7.0), so an incomplete
 * multibulk command also leaves where it stopped in the RespArgv (resume_pos,
 * the arguments before it kept), and a caller that promises the bytes before
 * that point are unchanged (RespLimits.resume) gets the parse continued from
 * there, with the result a fresh parse would give (tests/unit/test_resp.c
 * compares the two on every random input, the buffer moving in between).
 * What the caller cannot see from the status alone it gets as an output: when
 * the parse stops inside a bulk payload, the payload's length and where it
 * ends (RespArgv.partial_bulk_len/end), so a reader can size its buffer for a
 * big argument once instead of growing it as the bytes trickle in.
 *
 * Limits follow Redis: a header line or an inline request longer than
 * max_inline_len without a newline is an error; an argument count above
 * max_multibulk_len (10 before authentication) or a bulk longer than
 * max_bulk_len (16 KiB before authentication) is an error. As Redis checks a
 * bulk's length once, when its header arrives, a caller may say how far an
 * earlier call already accepted the headers (RespLimits.checked_end): those
 * lengths are not checked against the limits again, which may have changed.
 *
 * Multibulk headers have two parsers. The fast one reads "$" then digits,
 * accumulating the value in the same loop, and stops at the first non-digit;
 * it accepts only the common case: 1-18 canonical digits (no sign, no
 * leading zero), then '\r' and at least one more byte in the buffer, a value
 * every limit allows (the "*" count gets the same with 1-9 digits). Anything
 * else - a sign, "-1", leading zeros, 19+ digits, a missing '\r' or '\n', a
 * byte that is not '$', a value over a limit, a max_inline_len under 19 -
 * goes to the careful parser, which runs the original rules in their
 * original order (header length, then incompleteness, then '$', then the
 * number via num_parse_ll, then limits) and so gives the exact status and
 * error text. The fast path only ever answers where the careful one would
 * answer the same; tests/unit/test_resp.c and the fuzz target check that
 * against the old parser (tests/fuzz/resp_ref.h) on every prefix of random
 * and mutated inputs. Why: under pipelined load the per-argument memchr,
 * the out-of-line number parse and argv_push call were most of the parse
 * cost, and every extra argument of a command (e.g. XADD's IDMP) paid it.
 * The argument array is reserved once per command from the count, but at
 * most RESP_ARGV_RESERVE_MAX slots: a count is only a claim until the
 * arguments arrive. Rejected: a SIMD scan for '\r' (headers are 2-4 bytes,
 * the setup costs more than the loop) and trusting the count for the whole
 * allocation (a hostile "*1000000000" would reserve gigabytes).
 */
#include "net/resp.h"

#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"

void resp_argv_init(RespArgv *a) {
    a->v = NULL;
    a->n = a->cap = 0;
    a->partial_bulk_len = a->partial_bulk_end = 0;
    a->resume_pos = 0;
    a->resume_n = 0;
    a->resume_count = 0;
    a->resume_base = 0;
    buf_init(&a->scratch);
}

void resp_argv_free(RespArgv *a) {
    xfree(a->v);
    buf_free(&a->scratch);
    resp_argv_init(a);
}

#if defined(__GNUC__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define NOINLINE  __attribute__((noinline))
#else
#define LIKELY(x) (x)
#define NOINLINE
#endif

/* The most argument slots reserved up front from a multibulk count: a count
 * is only a claim until the arguments arrive, so a larger one grows by
 * doubling as they do. */
#define RESP_ARGV_RESERVE_MAX 1024

static NOINLINE void argv_grow(RespArgv *a, int want) {
    int cap = a->cap ? a->cap * 2 : 8;
    if (cap < want) cap = want;
    a->v = xrealloc(a->v, sizeof(Slice) * (size_t)cap);
    a->cap = cap;
}

/* Room for want slots in a->v (want bounded by the caller). */
static inline void argv_reserve(RespArgv *a, int want) {
    if (a->cap < want) argv_grow(a, want);
}

static inline void argv_push(RespArgv *a, const char *p, size_t len) {
    if (a->n == a->cap) argv_grow(a, a->n + 1);
    a->v[a->n].p = p;
    a->v[a->n].len = len;
    a->n++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits a line into arguments with Redis's quoting rules (inline commands,
 * redis.conf and AOF manifest lines share them): a->v[0..a->n) become views
 * into p or a->scratch, valid until a changes. Returns 0, or -1 on unbalanced
 * quotes or a closing quote not followed by a space. Offsets are collected
 * first because scratch may move while it grows. */
int resp_split_args(const char *p, size_t len, RespArgv *a) {
    size_t *offs = NULL, *lens = NULL, n = 0, cap = 0, i = 0;
    a->n = 0;
    int rc = 0;
    buf_clear(&a->scratch);
    /* Redis splits the line as a C string: a NUL byte ends it. */
    const char *nul = memchr(p, '\0', len);
    if (nul) len = (size_t)(nul - p);
    for (;;) {
        while (i < len && is_space(p[i])) i++;
        if (i >= len) break;
        size_t start = a->scratch.len;
        int inq = 0, insq = 0;
        for (;;) {
            if (inq) {
                if (i >= len) goto unbalanced;
                if (p[i] == '\\' && i + 3 < len && p[i + 1] == 'x' && hexval(p[i + 2]) >= 0 &&
                    hexval(p[i + 3]) >= 0) {
                    buf_append_char(&a->scratch, (char)(hexval(p[i + 2]) * 16 + hexval(p[i + 3])));
                    i += 4;
                } else if (p[i] == '\\' && i + 1 < len) {
                    char c;
                    switch (p[i + 1]) {
                    case 'n':
                        c = '\n';
                        break;
                    case 'r':
                        c = '\r';
                        break;
                    case 't':
                        c = '\t';
                        break;
                    case 'b':
                        c = '\b';
                        break;
                    case 'a':
                        c = '\a';
                        break;
                    default:
                        c = p[i + 1];
                        break;
                    }
                    buf_append_char(&a->scratch, c);
                    i += 2;
                } else if (p[i] == '"') {
                    /* a closing quote must be followed by a space or the end */
                    if (i + 1 < len && !is_space(p[i + 1])) goto unbalanced;
                    i++;
                    break;
                } else {
                    buf_append_char(&a->scratch, p[i++]);
                }
            } else if (insq) {
                if (i >= len) goto unbalanced;
                if (p[i] == '\\' && i + 1 < len && p[i + 1] == '\'') {
                    buf_append_char(&a->scratch, '\'');
                    i += 2;
                } else if (p[i] == '\'') {
                    if (i + 1 < len && !is_space(p[i + 1])) goto unbalanced;
                    i++;
                    break;
                } else {
                    buf_append_char(&a->scratch, p[i++]);
                }
            } else {
                if (i >= len || is_space(p[i]) || p[i] == '\0') break;
                if (p[i] == '"')
                    inq = 1;
                else if (p[i] == '\'')
                    insq = 1;
                else
                    buf_append_char(&a->scratch, p[i]);
                i++;
            }
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            offs = xrealloc(offs, cap * sizeof *offs);
            lens = xrealloc(lens, cap * sizeof *lens);
        }
        offs[n] = start;
        lens[n] = a->scratch.len - start;
        n++;
    }
    for (size_t k = 0; k < n; k++) argv_push(a, a->scratch.p + offs[k], lens[k]);
    goto out;
unbalanced:
    rc = -1;
out:
    xfree(offs);
    xfree(lens);
    return rc;
}

static int parse_inline(const char *buf, size_t len, const RespLimits *lim, RespArgv *a,
                        size_t *consumed, const char **err) {
    const char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len > lim->max_inline_len) {
            *err = "Protocol error: too big inline request";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t line_len = (size_t)(nl - buf);
    if (line_len > lim->max_inline_len) {
        *err = "Protocol error: too big inline request";
        return RESP_ERROR;
    }
    if (line_len > 0 && buf[line_len - 1] == '\r') line_len--;
    if (resp_split_args(buf, line_len, a) != 0) {
        a->n = 0;
        *err = "Protocol error: unbalanced quotes in request";
        return RESP_ERROR;
    }
    *consumed = (size_t)(nl - buf) + 1;
    return RESP_OK;
}

/* The careful multibulk count header: every rule and error of the protocol.
 * On RESP_OK, *count is the argument count and *pos the offset after the
 * header line. */
static int parse_count_slow(const char *buf, size_t len, const RespLimits *lim, long long *count,
                            size_t *pos, const char **err) {
    const char *cr = memchr(buf, '\r', len);
    if (!cr) {
        if (len > lim->max_inline_len) {
            *err = "Protocol error: too big mbulk count string";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t at = (size_t)(cr - buf);
    if (at > lim->max_inline_len) {
        *err = "Protocol error: too big mbulk count string";
        return RESP_ERROR;
    }
    if (at + 1 >= len) return RESP_INCOMPLETE; /* the '\n' has not arrived */
    if (num_parse_ll(buf + 1, at - 1, count) != 0 || *count > 2147483647LL ||
        (*count > 0 && *count > lim->max_multibulk_len)) {
        *err = "Protocol error: invalid multibulk length";
        return RESP_ERROR;
    }
    if (*count > 10 && !lim->is_authenticated) {
        *err = "Protocol error: unauthenticated multibulk length";
        return RESP_ERROR;
    }
    *pos = at + 2;
    return RESP_OK;
}

/* The careful bulk header at buf[*pos]: every rule and error of the protocol.
 * On RESP_OK, *blen is the payload length and *pos has moved past the header
 * line (the payload itself may still be missing). */
static int parse_bulk_slow(const char *buf, size_t len, const RespLimits *lim, size_t *pos,
                           long long *blen, const char **err) {
    static char dollar_msg[40];
    if (*pos >= len) return RESP_INCOMPLETE;
    const char *hdr = buf + *pos;
    const char *hcr = memchr(hdr, '\r', len - *pos);
    if (!hcr) {
        if (len - *pos > lim->max_inline_len) {
            *err = "Protocol error: too big bulk count string";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t hlen = (size_t)(hcr - hdr);
    if (hlen > lim->max_inline_len) {
        *err = "Protocol error: too big bulk count string";
        return RESP_ERROR;
    }
    if (*pos + hlen + 1 >= len) return RESP_INCOMPLETE; /* the '\n' has not arrived */
    if (hdr[0] != '$') {
        memcpy(dollar_msg, "Protocol error: expected '$', got ' '", 38);
        dollar_msg[35] = hdr[0];
        *err = dollar_msg;
        return RESP_ERROR;
    }
    int recheck = *pos >= lim->checked_end; /* not accepted by an earlier call */
    if (num_parse_ll(hdr + 1, hlen - 1, blen) != 0 || *blen < 0 ||
        (*blen > lim->max_bulk_len && recheck)) {
        *err = "Protocol error: invalid bulk length";
        return RESP_ERROR;
    }
    if (*blen > 16384 && !lim->is_authenticated && recheck) {
        *err = "Protocol error: unauthenticated bulk length";
        return RESP_ERROR;
    }
    *pos += hlen + 2;
    return RESP_OK;
}

int resp_parse(const char *buf, size_t len, const RespLimits *lim, RespArgv *a, size_t *consumed,
               const char **err) {
    size_t resume_pos = lim->resume ? a->resume_pos : 0;
    a->n = 0;
    a->partial_bulk_len = a->partial_bulk_end = 0;
    a->resume_pos = 0;
    *consumed = 0;
    *err = NULL;
    if (len == 0) return RESP_INCOMPLETE;
    if (buf[0] != '*') return parse_inline(buf, len, lim, a, consumed, err);

    const char *end = buf + len;
    long long count, k = 0;
    size_t pos;
    if (resume_pos > 0 && resume_pos <= len) {
        /* The arguments before resume_pos were parsed by the last call; the
         * bytes are the same, perhaps elsewhere: move their views along. */
        count = a->resume_count;
        pos = resume_pos;
        k = a->n = a->resume_n;
        if (a->resume_base != (uintptr_t)buf) {
            uintptr_t from = a->resume_base, to = (uintptr_t)buf;
            for (int i = 0; i < a->n; i++)
                a->v[i].p = (const char *)((uintptr_t)a->v[i].p - from + to);
        }
        goto args;
    }
    /* Fast count header: "*" 1-9 canonical digits "\r" and one more byte,
     * within every limit. Anything else goes to the careful parser. */
    {
        const char *d = buf + 1, *q = d;
        size_t avail = len - 1;
        const char *stop = d + (avail < 9 ? avail : 9);
        unsigned v = 0;
        while (q < stop && (unsigned char)(*q - '0') < 10) v = v * 10 + (unsigned)(*q++ - '0');
        if (LIKELY(q > d && (*d != '0' || q == d + 1) && q + 1 < end && *q == '\r' &&
                   (size_t)(q - buf) <= lim->max_inline_len &&
                   (v == 0 || (long long)v <= lim->max_multibulk_len) &&
                   (v <= 10 || lim->is_authenticated))) {
            count = v;
            pos = (size_t)(q - buf) + 2;
        } else {
            int rc = parse_count_slow(buf, len, lim, &count, &pos, err);
            if (rc != RESP_OK) return rc;
        }
    }
    if (count <= 0) {
        *consumed = pos;
        return RESP_OK;
    }
    argv_reserve(a, count < RESP_ARGV_RESERVE_MAX ? (int)count : RESP_ARGV_RESERVE_MAX);

args:;
    /* What the fast bulk header accepts: at most 18 digits (no overflow, and
     * a header of at most 19 bytes, so within max_inline_len when that is at
     * least 19) and a length every limit allows. */
    long long fast_max = lim->max_bulk_len;
    if (!lim->is_authenticated && fast_max > 16384) fast_max = 16384;
    if (lim->max_inline_len < 19) fast_max = -1;
    /* The commonest arguments, "$" one or two digits "\r\n" and a payload
     * that has arrived whole, in a tight loop over the reserved slots: no
     * digit loop, no capacity check, the count and position in registers.
     * Anything else (more digits, a partial payload, a bad byte, the slots
     * used up) leaves it for the loop below, which starts over on that
     * argument. A fifth header byte must be there (the one after '\r'), as
     * in the general fast path. */
    if (LIKELY(fast_max >= 99 && a->v)) {
        const char *p = buf + pos;
        Slice *out = a->v + a->n;
        long long stop = count < a->cap ? count : a->cap;
        while (k < stop && end - p >= 5 && p[0] == '$') {
            unsigned d1 = (unsigned char)p[1] - (unsigned)'0';
            const char *s;
            size_t v;
            if (d1 >= 10) break;
            if (p[2] == '\r') {
                v = d1;
                s = p + 4;
            } else {
                unsigned d2 = (unsigned char)p[2] - (unsigned)'0';
                if (d2 >= 10 || d1 == 0 || p[3] != '\r') break;
                v = d1 * 10 + d2;
                s = p + 5;
            }
            if ((size_t)(end - s) < v + 2) break;
            out->p = s;
            out->len = v;
            out++;
            k++;
            p = s + v + 2; /* the two bytes after a bulk are not checked */
        }
        a->n = (int)(out - a->v);
        pos = (size_t)(p - buf);
    }
    size_t hdr = pos; /* where the argument being parsed starts */
    for (; k < count; k++) {
        hdr = pos;
        const char *p = buf + pos;
        if (LIKELY(p < end && *p == '$')) {
            const char *d = p + 1, *q = d;
            size_t avail = (size_t)(end - d);
            const char *stop = d + (avail < 18 ? avail : 18);
            unsigned long long v = 0;
            while (q < stop && (unsigned char)(*q - '0') < 10) v = v * 10 + (unsigned)(*q++ - '0');
            if (LIKELY(q > d && (*d != '0' || q == d + 1) && q + 1 < end && *q == '\r' &&
                       (long long)v <= fast_max)) {
                size_t start = (size_t)(q - buf) + 2;
                if ((unsigned long long)(len - start) < v + 2) {
                    a->partial_bulk_len = (size_t)v;
                    a->partial_bulk_end = start + (size_t)v + 2;
                    goto incomplete;
                }
                argv_push(a, buf + start, (size_t)v);
                pos = start + (size_t)v + 2; /* the two bytes after a bulk are not checked */
                continue;
            }
        }
        long long blen;
        int rc = parse_bulk_slow(buf, len, lim, &pos, &blen, err);
        if (rc == RESP_INCOMPLETE) goto incomplete;
        if (rc == RESP_ERROR) {
            a->n = 0;
            return RESP_ERROR;
        }
        if ((unsigned long long)(len - pos) < (unsigned long long)blen + 2) {
            a->partial_bulk_len = (size_t)blen;
            a->partial_bulk_end = pos + (size_t)blen + 2;
            goto incomplete;
        }
        argv_push(a, buf + pos, (size_t)blen);
        pos += (size_t)blen + 2; /* like Redis, the two bytes after a bulk are not checked */
    }
    *consumed = pos;
    return RESP_OK;
incomplete:
    a->resume_pos = hdr;
    a->resume_n = a->n;
    a->resume_count = count;
    a->resume_base = (uintptr_t)buf;
    a->n = 0;
    return RESP_INCOMPLETE;
}

static size_t put_header(char *dst, char type, size_t n) {
    dst[0] = type;
    size_t len = 1 + ll_to_str((long long)n, dst + 1);
    dst[len++] = '\r';
    dst[len++] = '\n';
    return len;
}

void resp_append_command(Buf *out, int argc, const Slice *argv) {
    size_t need = 24;
    for (int i = 0; i < argc; i++) need += argv[i].len + 26;
    buf_reserve(out, need);
    char *p = out->p + out->len;
    p += put_header(p, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        p += put_header(p, '$', argv[i].len);
        if (argv[i].len) memcpy(p, argv[i].p, argv[i].len);
        p += argv[i].len;
        *p++ = '\r';
        *p++ = '\n';
    }
    out->len = (size_t)(p - out->p);
}
