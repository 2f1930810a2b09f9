/*
 * resp.c - RESP request parsing (multibulk and inline).
 *
 * The parser re-reads the headers from the start of the buffer on every call
 * instead of saving a partial state. Headers are short and bulk payloads are
 * skipped by length, so a pipeline of small commands costs one pass and a
 * large bulk arriving in many reads costs one header parse per read. The
 * benefit is a function with no hidden state that is trivially fuzzable.
 *
 * Limits follow Redis: a header line or an inline request longer than
 * max_inline_len without a newline is an error; an argument count above
 * max_multibulk_len (10 before authentication) or a bulk longer than
 * max_bulk_len (16 KiB before authentication) is an error.
 */
#include "net/resp.h"

#include <string.h>

#include "base/alloc.h"
#include "base/num.h"

void resp_argv_init(RespArgv *a) {
    a->v = NULL;
    a->n = a->cap = 0;
    buf_init(&a->scratch);
}

void resp_argv_free(RespArgv *a) {
    xfree(a->v);
    buf_free(&a->scratch);
    resp_argv_init(a);
}

static void argv_push(RespArgv *a, const char *p, size_t len) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = xrealloc(a->v, sizeof(Slice) * (size_t)a->cap);
    }
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

int resp_parse(const char *buf, size_t len, const RespLimits *lim, RespArgv *a, size_t *consumed,
               const char **err) {
    static char dollar_msg[40];
    a->n = 0;
    *consumed = 0;
    *err = NULL;
    if (len == 0) return RESP_INCOMPLETE;
    if (buf[0] != '*') return parse_inline(buf, len, lim, a, consumed, err);

    const char *cr = memchr(buf, '\r', len);
    if (!cr) {
        if (len > lim->max_inline_len) {
            *err = "Protocol error: too big mbulk count string";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t pos = (size_t)(cr - buf);
    if (pos > lim->max_inline_len) {
        *err = "Protocol error: too big mbulk count string";
        return RESP_ERROR;
    }
    if (pos + 1 >= len) return RESP_INCOMPLETE; /* the '\n' has not arrived */
    long long count;
    if (num_parse_ll(buf + 1, pos - 1, &count) != 0 || count > 2147483647LL ||
        (count > 0 && count > lim->max_multibulk_len)) {
        *err = "Protocol error: invalid multibulk length";
        return RESP_ERROR;
    }
    if (count > 10 && !lim->is_authenticated) {
        *err = "Protocol error: unauthenticated multibulk length";
        return RESP_ERROR;
    }
    pos += 2;
    if (count <= 0) {
        *consumed = pos;
        return RESP_OK;
    }
    for (long long k = 0; k < count; k++) {
        if (pos >= len) goto incomplete;
        const char *hdr = buf + pos;
        const char *hcr = memchr(hdr, '\r', len - pos);
        if (!hcr) {
            if (len - pos > lim->max_inline_len) {
                *err = "Protocol error: too big bulk count string";
                a->n = 0;
                return RESP_ERROR;
            }
            goto incomplete;
        }
        size_t hlen = (size_t)(hcr - hdr);
        if (hlen > lim->max_inline_len) {
            *err = "Protocol error: too big bulk count string";
            a->n = 0;
            return RESP_ERROR;
        }
        if (pos + hlen + 1 >= len) goto incomplete;
        if (hdr[0] != '$') {
            memcpy(dollar_msg, "Protocol error: expected '$', got ' '", 38);
            dollar_msg[35] = hdr[0];
            *err = dollar_msg;
            a->n = 0;
            return RESP_ERROR;
        }
        long long blen;
        if (num_parse_ll(hdr + 1, hlen - 1, &blen) != 0 || blen < 0 || blen > lim->max_bulk_len) {
            *err = "Protocol error: invalid bulk length";
            a->n = 0;
            return RESP_ERROR;
        }
        if (blen > 16384 && !lim->is_authenticated) {
            *err = "Protocol error: unauthenticated bulk length";
            a->n = 0;
            return RESP_ERROR;
        }
        pos += hlen + 2;
        if ((unsigned long long)(len - pos) < (unsigned long long)blen + 2) goto incomplete;
        argv_push(a, buf + pos, (size_t)blen);
        pos += (size_t)blen + 2; /* like Redis, the two bytes after a bulk are not checked */
    }
    *consumed = pos;
    return RESP_OK;
incomplete:
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
