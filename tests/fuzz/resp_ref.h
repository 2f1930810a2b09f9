/*
 * resp_ref.h - the reference oracle for the RESP request parser, shared by
 * tests/unit/test_resp.c and the fuzz target fuzz_resp.c.
 *
 * ref_parse() is resp_parse() as it was before the multibulk fast path: the
 * straightforward version (memchr for every header line, a full integer parse
 * of every length, then the limit checks in order), kept with the same
 * behaviour on every input. It has its own copy of the integer parser so a
 * change to src/base/num.c cannot move both sides at once; inline requests go
 * through the shared resp_split_args(), which the fast path did not touch.
 * resp_ref_same() compares one call of each parser: status, bytes consumed,
 * error text, the awaited bulk reported on RESP_INCOMPLETE, and every argument (the same view into
 * the input for multibulk arguments, the same bytes for inline ones, which live in each RespArgv's
 * own scratch buffer). Header-only and static: test code, not linked into
 * streamd.
 */
#ifndef STREAMD_RESP_REF_H
#define STREAMD_RESP_REF_H

#include <limits.h>
#include <string.h>

#include "base/alloc.h"
#include "net/resp.h"

static int ref_parse_ull(const char *p, size_t len, unsigned long long *out) {
    if (len == 0 || len > 20) return -1;
    if (len > 1 && p[0] == '0') return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int ref_parse_ll(const char *p, size_t len, long long *out) {
    if (len == 0) return -1;
    int neg = p[0] == '-';
    unsigned long long v;
    if (neg && (len == 1 || p[1] == '0')) return -1;
    if (ref_parse_ull(p + neg, len - (size_t)neg, &v) != 0) return -1;
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return -1;
        *out = (long long)(0 - v);
    } else {
        if (v > LLONG_MAX) return -1;
        *out = (long long)v;
    }
    return 0;
}

static void ref_push(RespArgv *a, const char *p, size_t len) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = xrealloc(a->v, sizeof(Slice) * (size_t)a->cap);
    }
    a->v[a->n].p = p;
    a->v[a->n].len = len;
    a->n++;
}

static int ref_parse_inline(const char *buf, size_t len, const RespLimits *l, RespArgv *a,
                            size_t *consumed, const char **err) {
    const char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len > l->max_inline_len) {
            *err = "Protocol error: too big inline request";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t line_len = (size_t)(nl - buf);
    if (line_len > l->max_inline_len) {
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

static int ref_parse(const char *buf, size_t len, const RespLimits *l, RespArgv *a,
                     size_t *consumed, const char **err) {
    static char dollar_msg[40];
    a->n = 0;
    a->partial_bulk_len = a->partial_bulk_end = 0;
    *consumed = 0;
    *err = NULL;
    if (len == 0) return RESP_INCOMPLETE;
    if (buf[0] != '*') return ref_parse_inline(buf, len, l, a, consumed, err);

    const char *cr = memchr(buf, '\r', len);
    if (!cr) {
        if (len > l->max_inline_len) {
            *err = "Protocol error: too big mbulk count string";
            return RESP_ERROR;
        }
        return RESP_INCOMPLETE;
    }
    size_t pos = (size_t)(cr - buf);
    if (pos > l->max_inline_len) {
        *err = "Protocol error: too big mbulk count string";
        return RESP_ERROR;
    }
    if (pos + 1 >= len) return RESP_INCOMPLETE;
    long long count;
    if (ref_parse_ll(buf + 1, pos - 1, &count) != 0 || count > 2147483647LL ||
        (count > 0 && count > l->max_multibulk_len)) {
        *err = "Protocol error: invalid multibulk length";
        return RESP_ERROR;
    }
    if (count > 10 && !l->is_authenticated) {
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
            if (len - pos > l->max_inline_len) {
                *err = "Protocol error: too big bulk count string";
                a->n = 0;
                return RESP_ERROR;
            }
            goto incomplete;
        }
        size_t hlen = (size_t)(hcr - hdr);
        if (hlen > l->max_inline_len) {
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
        int recheck = pos >= l->checked_end;
        if (ref_parse_ll(hdr + 1, hlen - 1, &blen) != 0 || blen < 0 ||
            (blen > l->max_bulk_len && recheck)) {
            *err = "Protocol error: invalid bulk length";
            a->n = 0;
            return RESP_ERROR;
        }
        if (blen > 16384 && !l->is_authenticated && recheck) {
            *err = "Protocol error: unauthenticated bulk length";
            a->n = 0;
            return RESP_ERROR;
        }
        pos += hlen + 2;
        if ((unsigned long long)(len - pos) < (unsigned long long)blen + 2) {
            a->partial_bulk_len = (size_t)blen;
            a->partial_bulk_end = pos + (size_t)blen + 2;
            goto incomplete;
        }
        ref_push(a, buf + pos, (size_t)blen);
        pos += (size_t)blen + 2;
    }
    *consumed = pos;
    return RESP_OK;
incomplete:
    a->n = 0;
    return RESP_INCOMPLETE;
}

/* 1 when the two results of parsing buf agree in everything the caller sees. */
static int resp_ref_same(const char *buf, int rc_a, size_t used_a, const char *err_a,
                         const RespArgv *a, int rc_r, size_t used_r, const char *err_r,
                         const RespArgv *r) {
    if (rc_a != rc_r || used_a != used_r || a->n != r->n) return 0;
    if (a->partial_bulk_len != r->partial_bulk_len || a->partial_bulk_end != r->partial_bulk_end)
        return 0;
    if ((err_a == NULL) != (err_r == NULL)) return 0;
    if (err_a && strcmp(err_a, err_r) != 0) return 0;
    if (rc_a != RESP_OK) return 1;
    for (int i = 0; i < a->n; i++) {
        if (a->v[i].len != r->v[i].len) return 0;
        if (buf[0] == '*' ? a->v[i].p != r->v[i].p : memcmp(a->v[i].p, r->v[i].p, a->v[i].len) != 0)
            return 0;
    }
    return 1;
}

#endif
