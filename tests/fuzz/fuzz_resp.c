/*
 * libFuzzer target for the RESP request parser.
 *
 * Parses the input as a client's byte stream, then checks the parser's
 * central promise: feeding the same bytes in two pieces (cut at a point taken
 * from the input) yields the same commands and the same final status as one
 * shot. It also walks the input command by command with the reference parser
 * (resp_ref.h, the version before the multibulk fast path) and requires
 * resp_parse() to agree at every step and at the cut, under the wide limits
 * and under tight unauthenticated ones (the 10-argument and 16 KiB rules, a
 * short header limit), and a parse resumed after the cut (RespLimits.resume)
 * to agree with a fresh one.
 * Build and run: make fuzz && ./build-fuzz/fuzz_resp -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/resp.h"
#include "resp_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static RespLimits lim = {1 << 20, 1 << 16, 1 << 12, 1, 0, 0};
static RespLimits lim_tight = {20000, 12, 24, 0, 0, 0};

/* Both parsers on buf[0..len) must agree; aborts otherwise. */
static void diff_at(const char *buf, size_t len, const RespLimits *l, RespArgv *a, RespArgv *r) {
    size_t used_a, used_r;
    const char *err_a, *err_r;
    int rc_a = resp_parse(buf, len, l, a, &used_a, &err_a);
    int rc_r = ref_parse(buf, len, l, r, &used_r, &err_r);
    if (!resp_ref_same(buf, rc_a, used_a, err_a, a, rc_r, used_r, err_r, r)) abort();
}

/* The prefix buf[0..cut) first, then the whole of a moved copy resuming
 * where the prefix left off (RespLimits.resume): the same result as a fresh
 * parse of the whole; aborts otherwise. */
static void resume_at(const char *buf, size_t len, size_t cut, const RespLimits *l) {
    RespArgv s, f;
    resp_argv_init(&s);
    resp_argv_init(&f);
    size_t used_s, used_f;
    const char *err_s, *err_f;
    if (resp_parse(buf, cut, l, &s, &used_s, &err_s) == RESP_INCOMPLETE) {
        char *copy = malloc(len ? len : 1);
        if (len) memcpy(copy, buf, len);
        RespLimits lr = *l;
        lr.resume = 1;
        int rc_s = resp_parse(copy, len, &lr, &s, &used_s, &err_s);
        int rc_f = resp_parse(copy, len, l, &f, &used_f, &err_f);
        if (!resp_ref_same(copy, rc_s, used_s, err_s, &s, rc_f, used_f, err_f, &f)) abort();
        free(copy);
    }
    resp_argv_free(&s);
    resp_argv_free(&f);
}

/* Walks buf command by command (the oracle finds each start) comparing both
 * parsers there and on the prefix that ends at cut, and a parse resumed
 * after that prefix with a fresh one. */
static void diff_walk(const char *buf, size_t len, size_t cut, const RespLimits *l) {
    RespArgv a, r;
    resp_argv_init(&a);
    resp_argv_init(&r);
    size_t pos = 0;
    for (;;) {
        diff_at(buf + pos, len - pos, l, &a, &r);
        if (cut >= pos) {
            diff_at(buf + pos, cut - pos, l, &a, &r);
            resume_at(buf + pos, len - pos, cut - pos, l);
        }
        size_t used;
        const char *err;
        if (ref_parse(buf + pos, len - pos, l, &r, &used, &err) != RESP_OK) break;
        pos += used;
    }
    resp_argv_free(&a);
    resp_argv_free(&r);
}

/* Hashes every command parsed from buf[0..len); returns the final status. */
static int run(const char *buf, size_t len, uint64_t *h, size_t *n_cmds) {
    RespArgv a;
    resp_argv_init(&a);
    size_t pos = 0;
    int rc;
    *h = 1469598103934665603ULL;
    *n_cmds = 0;
    for (;;) {
        size_t used;
        const char *err;
        rc = resp_parse(buf + pos, len - pos, &lim, &a, &used, &err);
        if (rc != RESP_OK) break;
        if (used == 0) abort(); /* progress is guaranteed */
        for (int i = 0; i < a.n; i++) {
            for (size_t k = 0; k < a.v[i].len; k++)
                *h = (*h ^ (uint8_t)a.v[i].p[k]) * 1099511628211ULL;
            *h = (*h ^ 0xff) * 1099511628211ULL;
        }
        (*n_cmds)++;
        pos += used;
    }
    resp_argv_free(&a);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t cut = data[0] % size;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    uint64_t h_whole, h_prefix;
    size_t n_whole, n_prefix;
    int rc_whole = run(buf, len, &h_whole, &n_whole);
    int rc_prefix = run(buf, cut < len ? cut : len, &h_prefix, &n_prefix);
    if (n_prefix > n_whole) abort();
    if (rc_prefix == RESP_ERROR && rc_whole != RESP_ERROR) abort();
    (void)h_prefix;
    diff_walk(buf, len, cut < len ? cut : len, &lim);
    diff_walk(buf, len, cut < len ? cut : len, &lim_tight);
    return 0;
}
