/*
 * Unit tests for types/hllstr.c, the HYLL string layout: the empty value's
 * bytes, the cached count, dense register packing at every position, the
 * sparse edits (split, fuse, promotion past a VAL of 32 or past the size
 * limit) against a one-byte-per-register shadow (base/hll.h's Hll), merges,
 * PFDEBUG DECODE's text, and hostile codes: random bytes after a valid
 * header must never read out of bounds (run under ASan) and every reader
 * must agree on whether a code is corrupt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hll.h"
#include "test.h"
#include "types/hllstr.h"

static const uint8_t empty_bytes[18] = {'H', 'Y', 'L', 'L', 1, 0, 0, 0,    0,
                                        0,   0,   0,   0,   0, 0, 0, 0x7f, 0xff};

static char *decode(const HllStr *h) {
    size_t n;
    char *t = hllstr_decode(h->p, h->len, &n);
    CHECK(strlen(t) == n);
    return t;
}

static void check_decode(const HllStr *h, const char *want) {
    char *t = decode(h);
    CHECK(strcmp(t, want) == 0);
    if (strcmp(t, want) != 0) fprintf(stderr, "  decoded %s, want %s\n", t, want);
    xfree(t);
}

/* Every register of h equals the shadow's, read through a dense copy and a merge. */
static int same_registers(const HllStr *h, const Hll *shadow) {
    HllStr d;
    hllstr_init_copy(&d, h->p, h->len);
    if (hllstr_to_dense(&d) == HLLSTR_CORRUPT) {
        hllstr_free(&d);
        return 0;
    }
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    int ok = hllstr_merge_max(max, h->p, h->len) == 0;
    for (int i = 0; i < HLL_REGISTERS && ok; i++)
        ok = hllstr_dense_get(&d, i) == shadow->reg[i] && max[i] == shadow->reg[i];
    free(max);
    hllstr_free(&d);
    return ok;
}

static void test_empty_and_cache(void) {
    HllStr h;
    hllstr_init_empty(&h);
    CHECK(h.len == sizeof empty_bytes && memcmp(h.p, empty_bytes, h.len) == 0);
    CHECK(hllstr_is_hll(h.p, h.len));
    CHECK(hllstr_encoding(&h) == HLLSTR_SPARSE);
    uint64_t v = 99;
    CHECK(hllstr_cache_get(h.p, &v) == 1 && v == 0);
    CHECK(hllstr_count(h.p, h.len, &v) == 0 && v == 0);
    hllstr_cache_invalidate(&h);
    CHECK(hllstr_cache_get(h.p, &v) == 0);
    hllstr_cache_set(&h, 0x0102030405060708ULL);
    CHECK(hllstr_cache_get(h.p, &v) == 1 && v == 0x0102030405060708ULL);
    CHECK(h.p[8] == 0x08 && h.p[15] == 0x01);
    check_decode(&h, "Z:16384");
    hllstr_free(&h);

    /* the shape check */
    CHECK(!hllstr_is_hll("HYLL", 4));
    CHECK(!hllstr_is_hll("HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
    CHECK(!hllstr_is_hll("HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
    CHECK(!hllstr_is_hll("HYLL\x00\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18)); /* dense, short */
    CHECK(hllstr_is_hll("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0", 16));          /* no opcodes */
}

static void test_dense_packing(void) {
    HllStr h;
    hllstr_init_empty(&h);
    CHECK(hllstr_to_dense(&h) == 1);
    CHECK(hllstr_to_dense(&h) == 0);
    CHECK(h.len == HLLSTR_DENSE_BYTES && hllstr_encoding(&h) == HLLSTR_DENSE);
    for (int i = 0; i < HLL_REGISTERS; i++) CHECK(hllstr_set(&h, i, 1 + i % 63, 0) == 1);
    int ok = 1;
    for (int i = 0; i < HLL_REGISTERS; i++) ok &= hllstr_dense_get(&h, i) == 1 + i % 63;
    CHECK(ok);
    CHECK(hllstr_set(&h, 5, 1, 0) == 0); /* never lowers */
    /* neighbours are untouched when one register is rewritten */
    CHECK(hllstr_set(&h, 16383, 63, 0) == 1);
    CHECK(hllstr_dense_get(&h, 16382) == 1 + 16382 % 63 && hllstr_dense_get(&h, 16383) == 63);
    hllstr_free(&h);
}

static void test_sparse_edits(void) {
    HllStr h;
    hllstr_init_empty(&h);
    CHECK(hllstr_set(&h, 100, 3, 3000) == 1);
    check_decode(&h, "Z:100 v:3,1 Z:16283");
    CHECK(hllstr_set(&h, 100, 2, 3000) == 0);
    CHECK(hllstr_set(&h, 0, 2, 3000) == 1);
    check_decode(&h, "v:2,1 Z:99 v:3,1 Z:16283");
    CHECK(hllstr_set(&h, 1, 2, 3000) == 1); /* fuses with the VAL before it */
    check_decode(&h, "v:2,2 Z:98 v:3,1 Z:16283");
    CHECK(hllstr_set(&h, 101, 3, 3000) == 1);
    check_decode(&h, "v:2,2 Z:98 v:3,2 Z:16282");
    CHECK(hllstr_set(&h, 102, 3, 3000) == 1);
    CHECK(hllstr_set(&h, 103, 3, 3000) == 1);
    CHECK(hllstr_set(&h, 104, 3, 3000) == 1); /* a VAL holds at most four */
    check_decode(&h, "v:2,2 Z:98 v:3,4 v:3,1 Z:16279");
    CHECK(hllstr_set(&h, 102, 9, 3000) == 1); /* splits a VAL run; the window fuses the tail */
    check_decode(&h, "v:2,2 Z:98 v:3,2 v:9,1 v:3,2 Z:16279");
    CHECK(hllstr_set(&h, 16383, 32, 3000) == 1);
    check_decode(&h, "v:2,2 Z:98 v:3,2 v:9,1 v:3,2 Z:16278 v:32,1");
    CHECK(hllstr_set(&h, 3, 1, 3000) == 1); /* a short zero run: ZERO opcodes */
    check_decode(&h, "v:2,2 z:1 v:1,1 Z:96 v:3,2 v:9,1 v:3,2 Z:16278 v:32,1");
    CHECK(hllstr_encoding(&h) == HLLSTR_SPARSE);
    uint64_t v;
    CHECK(hllstr_cache_get(h.p, &v) == 0); /* an edit marks the cache stale */
    /* a register past 32 turns it dense, registers kept */
    CHECK(hllstr_set(&h, 7, 33, 3000) == 1);
    CHECK(hllstr_encoding(&h) == HLLSTR_DENSE && h.len == HLLSTR_DENSE_BYTES);
    CHECK(hllstr_dense_get(&h, 7) == 33 && hllstr_dense_get(&h, 102) == 9);
    CHECK(hllstr_dense_get(&h, 16383) == 32 && hllstr_dense_get(&h, 8) == 0);
    hllstr_free(&h);

    /* the size limit: a growing edit past it turns the value dense */
    hllstr_init_empty(&h);
    CHECK(hllstr_set(&h, 500, 1, 20) == 1); /* 18 + 3 > 20 */
    CHECK(hllstr_encoding(&h) == HLLSTR_DENSE && hllstr_dense_get(&h, 500) == 1);
    hllstr_free(&h);
    hllstr_init_empty(&h);
    CHECK(hllstr_set(&h, 0, 1, 19) == 1); /* 18 + 1 = 19: stays sparse */
    check_decode(&h, "v:1,1 Z:16383");
    hllstr_free(&h);
}

/* Random elements into a sparse value (large limit), a sparse value at the
 * default limit and the shadow sketch: same registers, same counts. */
static void test_against_shadow(void) {
    Hll *shadow = calloc(1, sizeof *shadow);
    HllStr big, dflt;
    hllstr_init_empty(&big);
    hllstr_init_empty(&dflt);
    char buf[32];
    int ok = 1, turned_at = -1;
    for (int n = 0; n < 40000; n++) {
        int len = snprintf(buf, sizeof buf, "u%llu", (unsigned long long)test_rand());
        int grew = hll_add(shadow, buf, (size_t)len);
        int a = hllstr_add(&big, buf, (size_t)len, 1 << 20);
        int b = hllstr_add(&dflt, buf, (size_t)len, 3000);
        ok &= a == grew && b == grew;
        if (turned_at < 0 && hllstr_encoding(&dflt) == HLLSTR_DENSE) turned_at = n;
        if (n % 4000 == 0 || n == 39999) {
            uint64_t ca, cb;
            CHECK(same_registers(&big, shadow));
            CHECK(same_registers(&dflt, shadow));
            CHECK(hllstr_count(big.p, big.len, &ca) == 0 && ca == hll_count(shadow));
            CHECK(hllstr_count(dflt.p, dflt.len, &cb) == 0 && cb == ca);
            uint8_t *max = calloc(HLL_REGISTERS, 1);
            CHECK(hllstr_merge_max(max, big.p, big.len) == 0);
            CHECK(hllstr_count_registers(max) == ca);
            free(max);
        }
    }
    CHECK(ok);
    CHECK(hllstr_encoding(&big) == HLLSTR_SPARSE && big.len > 3000);
    CHECK(turned_at > 0 && turned_at < 40000 && dflt.len == HLLSTR_DENSE_BYTES);
    hllstr_free(&big);
    hllstr_free(&dflt);
    free(shadow);
}

/* Random codes behind a valid sparse header: every reader agrees, nothing
 * reads past the bytes (ASan), edits of a sound code keep it sound. */
static void test_hostile_codes(void) {
    int n_sound = 0, n_corrupt = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)test_rand_below(round % 10 == 0 ? 4000 : 300);
        uint8_t *v = malloc(HLLSTR_HDR_BYTES + n + 1);
        memcpy(v, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", HLLSTR_HDR_BYTES);
        /* mostly plausible opcodes, sometimes pure noise */
        int noise = round % 3 == 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t b = (uint8_t)test_rand();
            if (!noise && (b & 0xc0) == 0x40) b = (uint8_t)(0x40 | (b & 0x07));
            v[HLLSTR_HDR_BYTES + i] = b;
        }
        size_t len = HLLSTR_HDR_BYTES + n;
        /* exactly 16384 registers now and then: append an XZERO filler */
        if (round % 4 == 1) {
            uint64_t regs = 0;
            size_t at = 0, cut = 0;
            const uint8_t *code = v + HLLSTR_HDR_BYTES;
            while (at < n && regs < 16384) {
                uint8_t b = code[at];
                uint64_t run = (b & 0xc0) == 0      ? (uint64_t)(b & 0x3f) + 1
                               : (b & 0xc0) == 0x40 ? 0
                                                    : (uint64_t)(b & 3) + 1;
                if ((b & 0xc0) == 0x40) {
                    if (at + 1 >= n) break;
                    run = ((uint64_t)(b & 0x3f) << 8 | code[at + 1]) + 1;
                }
                if (regs + run > 16384) break;
                regs += run;
                at += (b & 0xc0) == 0x40 ? 2 : 1;
                cut = at;
            }
            v = realloc(v, HLLSTR_HDR_BYTES + cut + 3);
            len = HLLSTR_HDR_BYTES + cut;
            if (regs < 16384) {
                uint64_t rest = 16384 - regs - 1;
                v[len++] = (uint8_t)(0x40 | (rest >> 8));
                v[len++] = (uint8_t)(rest & 0xff);
            }
        }
        CHECK(hllstr_is_hll(v, len));
        uint64_t card;
        int counted = hllstr_count(v, len, &card) == 0;
        uint8_t *max = calloc(HLL_REGISTERS, 1);
        int merged = hllstr_merge_max(max, v, len) == 0;
        HllStr d;
        hllstr_init_copy(&d, v, len);
        int densed = hllstr_to_dense(&d) == 1;
        CHECK(counted == merged && merged == densed);
        if (counted) {
            n_sound++;
            CHECK(hllstr_count_registers(max) == card);
            uint64_t dc;
            CHECK(hllstr_count(d.p, d.len, &dc) == 0 && dc == card);
        } else {
            n_corrupt++;
        }
        size_t tn;
        xfree(hllstr_decode(v, len, &tn));
        /* edits: never out of bounds; a sound code stays sound and agrees
         * with the dense copy edited the same way */
        HllStr e;
        hllstr_init_copy(&e, v, len);
        int corrupt_seen = 0;
        for (int k = 0; k < 20; k++) {
            int reg = (int)test_rand_below(HLL_REGISTERS), val = 1 + (int)test_rand_below(40);
            int rc = hllstr_set(&e, reg, val, 1 + test_rand_below(5000));
            if (rc == HLLSTR_CORRUPT) {
                corrupt_seen = 1;
                break;
            }
            if (densed) hllstr_set(&d, reg, val, 0);
        }
        if (counted && round % 4 == 1) { /* ends on a whole opcode */
            CHECK(!corrupt_seen);
            uint64_t a, b;
            CHECK(hllstr_count(e.p, e.len, &a) == 0);
            CHECK(hllstr_count(d.p, d.len, &b) == 0 && a == b);
        }
        hllstr_free(&e);
        hllstr_free(&d);
        free(max);
        free(v);
    }
    CHECK(n_sound > 100 && n_corrupt > 100);
}

/* Dense values with registers past 51 (only a client's SET makes them):
 * counted without fault; all at 63, the infinite estimate is 2^63. */
static void test_dense_extremes(void) {
    uint8_t *v = malloc(HLLSTR_DENSE_BYTES);
    memcpy(v, "HYLL\0\0\0\0\0\0\0\0\0\0\0\x80", HLLSTR_HDR_BYTES);
    memset(v + HLLSTR_HDR_BYTES, 0xff, HLLSTR_DENSE_BYTES - HLLSTR_HDR_BYTES);
    uint64_t c;
    CHECK(hllstr_count(v, HLLSTR_DENSE_BYTES, &c) == 0 && c == (UINT64_C(1) << 63));
    memset(v + HLLSTR_HDR_BYTES, 0, HLLSTR_DENSE_BYTES - HLLSTR_HDR_BYTES);
    CHECK(hllstr_count(v, HLLSTR_DENSE_BYTES, &c) == 0 && c == 0);
    free(v);
}

int main(void) {
    test_seed("test_hllstr");
    test_empty_and_cache();
    test_dense_packing();
    test_sparse_edits();
    test_against_shadow();
    test_hostile_codes();
    test_dense_extremes();
    return test_report("test_hllstr");
}
