/*
 * Unit tests for the HyperLogLog sketch: its estimates against what Debian's
 * redis-server 7.0 answers to PFADD + PFCOUNT of the same elements (the
 * expected numbers were read from it), the register rule (a register only
 * grows) and order independence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hll.h"
#include "test.h"

static Hll *fresh(void) {
    Hll *h = calloc(1, sizeof *h);
    CHECK(h != NULL);
    return h;
}

/* "e0".."e<n-1>" added in order (or from the end with is_reverse). */
static uint64_t count_named(int n, int is_reverse) {
    Hll *h = fresh();
    char buf[32];
    for (int i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof buf, "e%d", is_reverse ? n - 1 - i : i);
        hll_add(h, buf, (size_t)len);
    }
    uint64_t c = hll_count(h);
    free(h);
    return c;
}

int main(void) {
    /* empty: every register at 0 */
    Hll *h = fresh();
    CHECK(hll_count(h) == 0);
    CHECK(hll_add(h, "x", 1) == 1);
    CHECK(hll_add(h, "x", 1) == 0); /* the same element never grows a register */
    CHECK(hll_count(h) == 1);
    free(h);

    /* redis-server 7.0: PFADD h e0 .. e<n-1>; PFCOUNT h */
    static const struct {
        int n;
        uint64_t want;
    } named[] = {{1, 1}, {100, 100}, {1000, 1008}, {20000, 19901}, {200000, 200859}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        uint64_t got = count_named(named[i].n, 0);
        CHECK(got == named[i].want);
        if (got != named[i].want)
            fprintf(stderr, "  n=%d: got %llu want %llu\n", named[i].n, (unsigned long long)got,
                    (unsigned long long)named[i].want);
        CHECK(count_named(named[i].n, 1) == got); /* order does not matter */
    }

    /* byte strings of every length 0..39 (each tail length of the hash),
     * and the decimal integers -5000..4999 */
    h = fresh();
    unsigned char bytes[40];
    for (int k = 0; k < 40; k++) {
        bytes[k] = (unsigned char)k;
        hll_add(h, bytes, (size_t)k);
    }
    CHECK(hll_count(h) == 40);
    free(h);
    h = fresh();
    char buf[16];
    for (int i = -5000; i < 5000; i++) hll_add(h, buf, (size_t)snprintf(buf, sizeof buf, "%d", i));
    CHECK(hll_count(h) == 10033);
    free(h);
    printf("test_hll: %d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
