/*
 * Unit tests for the array value type (src/types/arrayobj.c) against a naive
 * oracle: a fixed pool of candidate indexes (a dense run across slice
 * boundaries, scattered ones, the top of the index space), each either empty
 * or holding a value. Random sets (values of every length, some past the
 * out-of-line threshold), replacements, deletes and range deletes; after
 * every few steps count, len, every get, and forward and reverse iteration
 * over random ranges must agree with the oracle, and so must a dup.
 */
#include "base/alloc.h"
#include "types/arrayobj.h"
#include <stdlib.h>

#include "test.h"

#define N_POOL 700

static uint64_t pool[N_POOL]; /* sorted, distinct */
static char *want[N_POOL];    /* value, or NULL for a hole */
static size_t want_len[N_POOL];

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void make_pool(void) {
    size_t n = 0;
    for (uint64_t i = 4000; i < 4300; i++) pool[n++] = i; /* crosses 4096 */
    pool[n++] = 0;
    pool[n++] = 1;
    pool[n++] = ARRAY_INDEX_MAX;
    pool[n++] = ARRAY_INDEX_MAX - 1;
    pool[n++] = (uint64_t)1 << 40;
    while (n < N_POOL) {
        uint64_t v =
            test_rand_below(4) == 0 ? test_rand() % ARRAY_INDEX_MAX : test_rand_below(200000);
        int dup = 0;
        for (size_t i = 0; i < n; i++) dup |= pool[i] == v;
        if (!dup) pool[n++] = v;
    }
    qsort(pool, N_POOL, sizeof pool[0], cmp_u64);
}

static size_t rand_len(void) {
    switch (test_rand_below(6)) {
    case 0:
        return 0;
    case 1:
        return 16384 + 1 + test_rand_below(3000); /* out of line */
    case 2:
        return test_rand_below(200);
    default:
        return test_rand_below(12);
    }
}

static void set_one(ArrayObj *a, size_t i) {
    size_t len = rand_len();
    char *v = xmalloc(len + 1);
    for (size_t k = 0; k < len; k++) v[k] = (char)('a' + (i + k) % 26);
    if (len) v[0] = (char)i;
    int added = arrayobj_set(a, pool[i], slice_of(v, len));
    CHECK_EQ_INT(added, want[i] == NULL);
    xfree(want[i]);
    want[i] = v;
    want_len[i] = len;
}

static void check_all(const ArrayObj *a) {
    uint64_t count = 0, len = 0;
    int bad = 0;
    for (size_t i = 0; i < N_POOL; i++) {
        Slice v;
        int got = arrayobj_get(a, pool[i], &v);
        if (got != (want[i] != NULL)) bad++;
        if (got && want[i] && (v.len != want_len[i] || (v.len && memcmp(v.p, want[i], v.len))))
            bad++;
        if (want[i]) {
            count++;
            len = pool[i] + 1;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(arrayobj_count(a), count);
    CHECK(arrayobj_len(a) == len);
    /* holes next to pool entries read as holes */
    Slice v;
    CHECK(!arrayobj_get(a, 3999, &v) || want[0] != NULL);
    for (int r = 0; r < 4; r++) {
        size_t x = test_rand_below(N_POOL), y = test_rand_below(N_POOL);
        if (x > y) {
            size_t t = x;
            x = y;
            y = t;
        }
        uint64_t lo = pool[x], hi = pool[y];
        if (test_rand_below(2) && lo < hi) lo++;
        int reverse = (int)test_rand_below(2);
        ArrayIter it;
        arrayobj_iter_init(&it, a, lo, hi, reverse);
        size_t k = reverse ? y + 1 : x;
        uint64_t idx;
        int ibad = 0;
        while (arrayobj_iter_next(&it, &idx, &v)) {
            /* the next present pool entry in range, in walk order */
            if (!reverse) {
                while (k <= y && (!want[k] || pool[k] < lo)) k++;
                if (k > y || pool[k] != idx || v.len != want_len[k]) ibad++;
                k++;
            } else {
                while (k > x && (!want[k - 1] || pool[k - 1] < lo)) k--;
                if (k == x || pool[k - 1] != idx || v.len != want_len[k - 1]) ibad++;
                if (k > x) k--;
            }
            if (ibad) break;
        }
        if (!reverse) {
            while (k <= y && (!want[k] || pool[k] < lo)) k++;
            if (k <= y) ibad++;
        } else {
            while (k > x && (!want[k - 1] || pool[k - 1] < lo)) k--;
            if (k > x) ibad++;
        }
        CHECK_EQ_INT(ibad, 0);
    }
}

static void test_random(void) {
    ArrayObj *a = arrayobj_new();
    CHECK(arrayobj_cursor(a) == ARRAY_CURSOR_NONE);
    for (int step = 0; step < 20000; step++) {
        size_t i = test_rand_below(N_POOL);
        uint64_t r = test_rand_below(100);
        if (r < 60) {
            set_one(a, i);
        } else if (r < 90) {
            int d = arrayobj_del(a, pool[i]);
            CHECK_EQ_INT(d, want[i] != NULL);
            xfree(want[i]);
            want[i] = NULL;
        } else if (r < 92) {
            size_t j = i + test_rand_below(40);
            if (j >= N_POOL) j = N_POOL - 1;
            uint64_t expect = 0;
            for (size_t k = i; k <= j; k++) {
                expect += want[k] != NULL;
                xfree(want[k]);
                want[k] = NULL;
            }
            CHECK(arrayobj_del_range(a, pool[i], pool[j]) == expect);
        }
        if (step % 500 == 0) {
            check_all(a);
            ArrayObj *d = arrayobj_dup(a);
            arrayobj_free(a);
            a = d;
            check_all(a);
            CHECK(arrayobj_mem_bytes(a) > 0);
        }
    }
    check_all(a);
    uint64_t before = arrayobj_count(a);
    CHECK(arrayobj_del_range(a, 0, ARRAY_INDEX_MAX) == before);
    CHECK_EQ_INT(arrayobj_count(a), 0);
    CHECK(arrayobj_len(a) == 0);
    for (size_t i = 0; i < N_POOL; i++) {
        xfree(want[i]);
        want[i] = NULL;
    }
    arrayobj_free(a);
}

static void test_basics(void) {
    ArrayObj *a = arrayobj_new();
    CHECK_EQ_INT(arrayobj_set(a, 5, slice_cstr("x")), 1);
    CHECK_EQ_INT(arrayobj_set(a, 5, slice_cstr("longer value")), 0);
    CHECK_EQ_INT(arrayobj_set(a, 5, slice_cstr("")), 0);
    CHECK_EQ_INT(arrayobj_set(a, 2, slice_cstr("two")), 1);
    Slice v;
    CHECK(arrayobj_get(a, 5, &v) && v.len == 0);
    CHECK(arrayobj_get(a, 2, &v) && v.len == 3 && memcmp(v.p, "two", 3) == 0);
    CHECK(!arrayobj_get(a, 3, &v));
    CHECK(arrayobj_len(a) == 6);
    CHECK_EQ_INT(arrayobj_count(a), 2);
    arrayobj_set_cursor(a, 7);
    ArrayObj *d = arrayobj_dup(a);
    CHECK(arrayobj_cursor(d) == 7);
    ArrayStats st;
    arrayobj_stats(d, &st);
    CHECK(st.n_slices == 1);
    CHECK(arrayobj_del_range(d, 3, ARRAY_INDEX_MAX) == 1);
    CHECK(arrayobj_len(d) == 3);
    CHECK(arrayobj_count(a) == 2);
    arrayobj_free(d);
    /* the very top of the index space */
    CHECK_EQ_INT(arrayobj_set(a, ARRAY_INDEX_MAX, slice_cstr("top")), 1);
    CHECK(arrayobj_len(a) == UINT64_MAX);
    ArrayIter it;
    uint64_t idx;
    arrayobj_iter_init(&it, a, 0, ARRAY_INDEX_MAX, 1);
    CHECK(arrayobj_iter_next(&it, &idx, &v) && idx == ARRAY_INDEX_MAX);
    CHECK(arrayobj_iter_next(&it, &idx, &v) && idx == 5);
    CHECK(arrayobj_iter_next(&it, &idx, &v) && idx == 2);
    CHECK(!arrayobj_iter_next(&it, &idx, &v));
    arrayobj_iter_init(&it, a, 6, 1000, 0);
    CHECK(!arrayobj_iter_next(&it, &idx, &v));
    arrayobj_free(a);
}

int main(void) {
    test_seed("test_array");
    make_pool();
    test_basics();
    test_random();
    return test_report("test_array");
}
