/*
 * Unit tests for the hash value type (src/types/hashobj.c) against a naive
 * oracle (an array of field -> value, or absent): random sets, updates with
 * values of other lengths (the packed block's tail moves), deletes, through
 * the conversion to a table by count and by length; after every few steps
 * every read (get, foreach, scan, random, dup) must agree with the oracle,
 * and a packed hash must keep insertion order.
 */
#include "base/alloc.h"
#include "types/hashobj.h"
#include <stdlib.h>

#include "test.h"

#define N_FIELDS 300

static char *want[N_FIELDS]; /* value, or NULL when absent */
static size_t want_len[N_FIELDS];
static int order[N_FIELDS]; /* insertion order of present fields */
static int n_order;
static int seen[N_FIELDS];

static Slice field_of(int i, char *buf) {
    /* lengths 1..~12, some binary */
    int n = snprintf(buf, 32, "f%d", i);
    if (i % 7 == 0) buf[n++] = '\0';
    return slice_of(buf, (size_t)n);
}

/* The i of a field_of(i) (its digits only: the bytes after it are not a
 * terminator). */
static int field_index(Slice f) {
    int i = 0;
    for (size_t k = 1; k < f.len && f.p[k] >= '0' && f.p[k] <= '9'; k++)
        i = i * 10 + (f.p[k] - '0');
    return f.len > 1 && f.p[0] == 'f' ? i : -1;
}

static void check_pair(void *priv, Slice f, Slice v) {
    int *bad = priv;
    int i = field_index(f);
    char buf[32];
    Slice want_f = field_of(i, buf);
    if (i < 0 || i >= N_FIELDS || !slice_eq(f, want_f) || !want[i] ||
        !slice_eq(v, slice_of(want[i], want_len[i]))) {
        (*bad)++;
        fprintf(stderr, "bad pair %d: %.*s (%zu) = %zu bytes; want %zu\n", i, (int)f.len, f.p,
                f.len, v.len, (i >= 0 && i < N_FIELDS && want[i]) ? want_len[i] : 0);
    } else
        seen[i]++;
}

typedef struct OrderCheck {
    int at, bad;
} OrderCheck;

static void check_order(void *priv, Slice f, Slice v) {
    OrderCheck *oc = priv;
    (void)v;
    if (oc->at >= n_order || field_index(f) != order[oc->at]) oc->bad++;
    oc->at++;
}

static void verify(HashObj *h, int n_present) {
    CHECK_EQ_INT(hashobj_len(h), n_present);
    char buf[32];
    int bad = 0;
    for (int i = 0; i < N_FIELDS; i++) {
        Slice v;
        int found = hashobj_get(h, field_of(i, buf), &v);
        if (found != (want[i] != NULL)) bad++;
        if (found && !slice_eq(v, slice_of(want[i], want_len[i]))) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    memset(seen, 0, sizeof seen);
    bad = 0;
    hashobj_foreach(h, check_pair, &bad);
    int wrong = 0;
    for (int i = 0; i < N_FIELDS; i++) wrong += seen[i] != (want[i] != NULL);
    CHECK_EQ_INT(bad + wrong, 0);
    if (hashobj_is_packed(h)) {
        OrderCheck oc = {0, 0};
        hashobj_foreach(h, check_order, &oc);
        CHECK_EQ_INT(oc.bad, 0);
    }
    /* a full scan sees every pair at least once */
    memset(seen, 0, sizeof seen);
    bad = 0;
    uint64_t cur = 0;
    int rounds = 0;
    do {
        cur = hashobj_scan(h, cur, check_pair, &bad);
    } while (cur && ++rounds < 100000);
    wrong = 0;
    for (int i = 0; i < N_FIELDS; i++) wrong += (seen[i] > 0) != (want[i] != NULL);
    CHECK_EQ_INT(bad + wrong, 0);
    if (n_present > 0) {
        Slice f, v;
        hashobj_random(h, test_rand(), &f, &v);
        memset(seen, 0, sizeof seen);
        bad = 0;
        check_pair(&bad, f, v);
        CHECK_EQ_INT(bad, 0);
    }
    HashObj *d = hashobj_dup(h);
    CHECK_EQ_INT(hashobj_is_packed(d), hashobj_is_packed(h));
    memset(seen, 0, sizeof seen);
    bad = 0;
    hashobj_foreach(d, check_pair, &bad);
    CHECK_EQ_INT(bad, 0);
    CHECK(hashobj_mem_bytes(h) > 0);
    hashobj_free(d);
}

static void remove_order(int i) {
    for (int k = 0; k < n_order; k++) {
        if (order[k] == i) {
            memmove(order + k, order + k + 1, (size_t)(n_order - k - 1) * sizeof(int));
            n_order--;
            return;
        }
    }
}

static void model_test(uint64_t max_entries, uint64_t max_value, int steps) {
    HashLimits lim = {max_entries, max_value};
    HashObj *h = hashobj_new();
    int n = 0, was_table = 0;
    char buf[32], val[400];
    for (int step = 0; step < steps; step++) {
        int i = (int)test_rand_below(step < steps / 2 ? N_FIELDS : N_FIELDS / 3);
        Slice f = field_of(i, buf);
        int op = (int)test_rand_below(step < steps / 2 ? 3 : 5);
        if (op <= 1) {
            /* mostly short values, now and then one past max_value */
            size_t len =
                test_rand_below(10) == 0 ? test_rand_below(sizeof val) : test_rand_below(20);
            for (size_t k = 0; k < len; k++) val[k] = (char)('a' + test_rand_below(26));
            int added = hashobj_set(&h, f, slice_of(val, len), &lim);
            CHECK_EQ_INT(added, want[i] == NULL);
            if (!want[i]) {
                n++;
                order[n_order++] = i;
            }
            free(want[i]);
            want[i] = malloc(len + 1);
            memcpy(want[i], val, len);
            want_len[i] = len;
            if (len > max_value) CHECK(!hashobj_is_packed(h));
        } else {
            int deleted = hashobj_delete(&h, f);
            CHECK_EQ_INT(deleted, want[i] != NULL);
            if (want[i]) {
                n--;
                remove_order(i);
                free(want[i]);
                want[i] = NULL;
            }
        }
        if ((uint64_t)n > max_entries) CHECK(!hashobj_is_packed(h));
        /* a table never goes back */
        if (!hashobj_is_packed(h)) was_table = 1;
        CHECK(!(was_table && hashobj_is_packed(h)));
        if (step % 97 == 0) verify(h, n);
    }
    verify(h, n);
    hashobj_free(h);
    for (int i = 0; i < N_FIELDS; i++) {
        free(want[i]);
        want[i] = NULL;
    }
    n_order = 0;
}

/* Conversion keeps every pair, and a converted hash reads the same. */
static void convert_test(void) {
    HashLimits lim = {1000, 1000};
    HashObj *h = hashobj_new();
    char buf[32];
    for (int i = 0; i < 50; i++) {
        hashobj_set(&h, field_of(i, buf), slice_of(buf, 3), &lim);
        want[i] = malloc(3);
        memcpy(want[i], buf, 3);
        want_len[i] = 3;
        order[n_order++] = i;
    }
    CHECK(hashobj_is_packed(h));
    verify(h, 50);
    hashobj_convert(&h);
    CHECK(!hashobj_is_packed(h));
    verify(h, 50);
    hashobj_free(h);
    for (int i = 0; i < N_FIELDS; i++) {
        free(want[i]);
        want[i] = NULL;
    }
    n_order = 0;
}

/* Empty fields and values, and an empty hash. */
static void empty_test(void) {
    HashLimits lim = {10, 10};
    HashObj *h = hashobj_new();
    CHECK_EQ_INT(hashobj_len(h), 0);
    Slice v;
    CHECK_EQ_INT(hashobj_get(h, slice_of("", 0), &v), 0);
    CHECK_EQ_INT(hashobj_set(&h, slice_of("", 0), slice_of("", 0), &lim), 1);
    CHECK_EQ_INT(hashobj_get(h, slice_of("", 0), &v), 1);
    CHECK_EQ_INT(v.len, 0);
    CHECK_EQ_INT(hashobj_set(&h, slice_of("", 0), slice_of("x", 1), &lim), 0);
    CHECK_EQ_INT(hashobj_delete(&h, slice_of("", 0)), 1);
    CHECK_EQ_INT(hashobj_delete(&h, slice_of("", 0)), 0);
    CHECK_EQ_INT(hashobj_len(h), 0);
    CHECK(hashobj_is_packed(h));
    hashobj_free(h);
}

/* Field TTLs against a model: random sets (which drop a TTL), in-place sets
 * (which keep it), TTL sets and removals, deletes, conversions; checks each
 * field's TTL, the earliest, the count, the wrapper going with the last TTL
 * (same memory as never having had one) and dup. */
#define TTL_FIELDS 40
static void ttl_test(uint64_t max_entries) {
    HashLimits lim = {max_entries, 64};
    HashObj *h = hashobj_new();
    int present[TTL_FIELDS] = {0};
    int64_t ttl[TTL_FIELDS];
    for (int i = 0; i < TTL_FIELDS; i++) ttl[i] = -1;
    char buf[32];
    for (int step = 0; step < 20000; step++) {
        int i = (int)test_rand_below(TTL_FIELDS);
        Slice f = slice_of(buf, (size_t)snprintf(buf, sizeof buf, "field-%d", i));
        int op = (int)test_rand_below(6);
        if (op == 0) {
            hashobj_set(&h, f, slice_of("v", 1), &lim);
            present[i] = 1;
            ttl[i] = -1;
        } else if (op == 1) {
            hashobj_set_keep_ttl(&h, f, slice_of("w", 1), &lim);
            present[i] = 1;
        } else if (op == 2 || op == 3) {
            if (present[i]) {
                ttl[i] = (int64_t)test_rand_below(1000);
                hashobj_set_ttl(&h, f, ttl[i]);
            }
        } else if (op == 4) {
            if (present[i]) {
                hashobj_set_ttl(&h, f, -1);
                ttl[i] = -1;
            }
        } else {
            CHECK_EQ_INT(hashobj_delete(&h, f), present[i]);
            present[i] = 0;
            ttl[i] = -1;
        }
        int64_t min = -1;
        uint64_t n = 0;
        for (int k = 0; k < TTL_FIELDS; k++) {
            if (ttl[k] < 0) continue;
            n++;
            if (min < 0 || ttl[k] < min) min = ttl[k];
        }
        CHECK_EQ_INT(hashobj_ttl_count(h), n);
        CHECK_EQ_INT(hashobj_has_ttls(h), n > 0);
        CHECK_EQ_INT(hashobj_min_ttl(h), min);
        CHECK_EQ_INT(hashobj_get_ttl(h, f), ttl[i]);
        if (step % 997 == 0) {
            HashObj *d = hashobj_dup(h);
            for (int k = 0; k < TTL_FIELDS; k++) {
                Slice g = slice_of(buf, (size_t)snprintf(buf, sizeof buf, "field-%d", k));
                CHECK_EQ_INT(hashobj_get_ttl(d, g), ttl[k]);
            }
            CHECK_EQ_INT(hashobj_mem_bytes(d) > 0, 1);
            hashobj_free(d);
        }
    }
    hashobj_free(h);
    /* No TTL left: a packed hash stays wrapped (Redis's LISTPACK_EX stays),
     * a table goes back to the bytes of one that never had a TTL. */
    HashObj *a = hashobj_new(), *b = hashobj_new();
    hashobj_set(&a, slice_of("f", 1), slice_of("v", 1), &lim);
    hashobj_set(&b, slice_of("f", 1), slice_of("v", 1), &lim);
    hashobj_set_ttl(&b, slice_of("f", 1), 5);
    CHECK(hashobj_mem_bytes(b) > hashobj_mem_bytes(a));
    hashobj_set_ttl(&b, slice_of("f", 1), -1);
    CHECK(hashobj_is_ex(b) && !hashobj_has_ttls(b) && hashobj_is_packed(b));
    CHECK_EQ_INT(hashobj_min_ttl(b), -1);
    CHECK_EQ_INT(hashobj_ex_alive(), 1);
    /* it unwraps once it becomes a table */
    hashobj_convert(&a);
    hashobj_convert(&b);
    CHECK(!hashobj_is_ex(b) && !hashobj_is_packed(b));
    CHECK_EQ_INT(hashobj_mem_bytes(b), hashobj_mem_bytes(a));
    CHECK_EQ_INT(hashobj_ex_alive(), 0);
    /* a table that loses its last TTL unwraps at once */
    hashobj_set_ttl(&b, slice_of("f", 1), 5);
    CHECK(hashobj_is_ex(b));
    hashobj_delete(&b, slice_of("f", 1));
    CHECK(!hashobj_is_ex(b));
    /* hashobj_make_ex wraps a packed hash only */
    HashObj *c = hashobj_new();
    hashobj_set(&c, slice_of("f", 1), slice_of("v", 1), &lim);
    hashobj_make_ex(&c);
    CHECK(hashobj_is_ex(c) && !hashobj_has_ttls(c));
    hashobj_make_ex(&a);
    CHECK(!hashobj_is_ex(a));
    CHECK_EQ_INT(hashobj_ex_alive(), 1);
    hashobj_free(a);
    hashobj_free(b);
    hashobj_free(c);
    CHECK_EQ_INT(hashobj_ex_alive(), 0);
}

int main(void) {
    test_seed("hashobj");
    empty_test();
    convert_test();
    model_test(N_FIELDS * 2, 500, 20000); /* stays packed (no value over 400) */
    model_test(64, 500, 20000);           /* converts by count */
    model_test(N_FIELDS * 2, 100, 20000); /* converts by length */
    model_test(0, 0, 5000);               /* a table from the first field */
    ttl_test(512);                        /* packed */
    ttl_test(8);                          /* converts by count */
    return test_report("hashobj");
}
