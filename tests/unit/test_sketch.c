/*
 * test_sketch.c - the count-min sketch, the HeavyKeeper Top-K and the
 * t-digest behind CMS.*, TOPK.* and TDIGEST.* (src/types/cms.c,
 * heavykeeper.c, tdigest.c): model-based checks against exact counts, and
 * RedisBloom's own test expectations where they pin down the hash.
 */
#include <math.h>

#include "base/alloc.h"
#include "base/murmur.h"
#include "test.h"
#include "types/cms.h"
#include "types/heavykeeper.h"
#include "types/tdigest.h"

static uint64_t incr(Cms *c, const char *s, uint64_t v) {
    uint64_t out = 0;
    CHECK_EQ_INT(cms_incrby(c, s, strlen(s), v, &out), 0);
    return out;
}

static void test_cms_overflow_and_hash(void) {
    /* RedisBloom's test_overflow: in a 5x2 sketch "c" shares both of "b"'s
     * counters, which only its MurmurHash2 placement explains */
    uint64_t big = 2147483647ULL, out;
    Cms *c = cms_new(5, 2);
    CHECK_EQ_INT(incr(c, "a", big), big);
    CHECK_EQ_INT(incr(c, "b", 10), 10);
    CHECK_EQ_INT(incr(c, "c", 7), 17);
    CHECK_EQ_INT(incr(c, "d", 5), 5);
    CHECK_EQ_INT(cms_query(c, "b", 1), 17);
    CHECK_EQ_INT(incr(c, "a", big), 2 * big);
    /* a third time passes 2^32-1: refused, nothing changes */
    uint64_t before = c->count;
    CHECK_EQ_INT(cms_incrby(c, "a", 1, big, &out), -1);
    CHECK_EQ_INT(c->count, before);
    CHECK_EQ_INT(cms_query(c, "a", 1), 2 * big);
    cms_free(c);
}

static void test_cms_model(void) {
    enum { N = 300 };
    uint64_t truth[N] = {0};
    Cms *c = cms_new(2000, 7);
    char key[32];
    uint64_t total = 0;
    for (int i = 0; i < 5000; i++) {
        int k = (int)test_rand_below(N);
        uint64_t v = test_rand_below(50);
        snprintf(key, sizeof key, "item:%d", k);
        uint64_t est = incr(c, key, v);
        truth[k] += v;
        total += v;
        CHECK(est >= truth[k]);
    }
    int exact = 0;
    for (int k = 0; k < N; k++) {
        snprintf(key, sizeof key, "item:%d", k);
        uint64_t q = cms_query(c, key, strlen(key));
        CHECK(q >= truth[k]);
        exact += q == truth[k];
    }
    CHECK(exact > N * 9 / 10);
    CHECK_EQ_INT(c->count, total);
    /* merging twice minus once gives the original back */
    Cms *d = cms_new(2000, 7), *dup = cms_dup(c);
    const Cms *src[2] = {c, dup};
    long long w[2] = {2, -1};
    CHECK_EQ_INT(cms_merge(d, 2, src, w), 0);
    CHECK_EQ_INT(memcmp(d->cells, c->cells, 2000 * 7 * 4), 0);
    CHECK_EQ_INT(d->count, c->count);
    long long w2[2] = {-1, 0};
    CHECK_EQ_INT(cms_merge(d, 2, src, w2), -1); /* negative counters */
    CHECK_EQ_INT(d->count, c->count);
    cms_free(c);
    cms_free(d);
    cms_free(dup);
}

static void test_cms_dims(void) {
    uint64_t w, d;
    CHECK_EQ_INT(cms_dims_from_prob(0.001, 0.01, &w, &d), 0);
    CHECK_EQ_INT(w, 2000);
    CHECK_EQ_INT(d, 7);
    CHECK_EQ_INT(cms_dims_from_prob(0.1, 0.1, &w, &d), 0);
    CHECK_EQ_INT(w, 20);
    CHECK_EQ_INT(d, 4);
    CHECK_EQ_INT(cms_dims_from_prob(0.9, 0.9999999999999999, &w, &d), -1);
    CHECK_EQ_INT(cms_dims_from_prob(0.0000000000000000001, 0.9, &w, &d), -1);
}

static char *add(HeavyKeeper *h, const char *s, uint32_t n) {
    size_t len = 0;
    return hk_add(h, s, strlen(s), n, &len);
}

static void test_topk_incrby(void) {
    /* RedisBloom's test_incrby (decay 1: no coin decides anything) */
    HeavyKeeper *h = hk_new(3, 10, 3, 1);
    CHECK(add(h, "bar", 3) == NULL);
    CHECK(add(h, "baz", 6) == NULL);
    CHECK(add(h, "42", 2) == NULL);
    CHECK(add(h, "42", 8) == NULL);
    char *out = add(h, "xyzzy", 4);
    CHECK(out && strcmp(out, "bar") == 0);
    xfree(out);
    CHECK_EQ_INT(hk_count(h, "bar", 3), 3);
    CHECK_EQ_INT(hk_count(h, "baz", 3), 6);
    CHECK_EQ_INT(hk_count(h, "42", 2), 10);
    CHECK_EQ_INT(hk_count(h, "xyzzy", 5), 4);
    CHECK_EQ_INT(hk_count(h, "4", 1), 0);
    CHECK(hk_query(h, "xyzzy", 5) && !hk_query(h, "bar", 3));
    const HkEntry *list[3];
    CHECK_EQ_INT(hk_list(h, list), 3);
    CHECK(strcmp(list[0]->item, "42") == 0 && list[0]->count == 10);
    CHECK_EQ_INT(hk_check(h), 0);
    HeavyKeeper *d = hk_dup(h);
    CHECK_EQ_INT(hk_count(d, "42", 2), 10);
    hk_free(d);
    hk_free(h);
}

static void test_topk_list_with_count(void) {
    /* RedisBloom's test_list_with_count, default dimensions */
    HeavyKeeper *h = hk_new(3, 8, 7, 0.9);
    const char *seq[] = {"foo", "bar", "baz", "42",  "foo", "bar", "baz", "foo",
                         "baz", "42",  "foo", "foo", "bar", "baz", "foo"};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) xfree(add(h, seq[i], 1));
    const HkEntry *list[3];
    CHECK_EQ_INT(hk_list(h, list), 3);
    CHECK(strcmp(list[0]->item, "foo") == 0 && list[0]->count == 6);
    CHECK(strcmp(list[1]->item, "baz") == 0 && list[1]->count == 4);
    CHECK(strcmp(list[2]->item, "bar") == 0 && list[2]->count == 3);
    hk_free(h);
}

static void test_topk_heavy_hitters(void) {
    /* a few heavy items among many light ones are found */
    HeavyKeeper *h = hk_new(10, 1000, 5, 0.9);
    char key[32];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 10; i++) {
            snprintf(key, sizeof key, "heavy%d", i);
            xfree(add(h, key, 1 + (uint32_t)test_rand_below(3)));
        }
        snprintf(key, sizeof key, "light%d", (int)test_rand_below(5000));
        xfree(add(h, key, 1));
    }
    int found = 0;
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "heavy%d", i);
        found += hk_query(h, key, strlen(key));
    }
    CHECK_EQ_INT(found, 10);
    CHECK_EQ_INT(hk_check(h), 0);
    hk_free(h);
}

/* A contested Top-K (3x2 buckets, 12 items, decay 0.7): entries whose
 * buckets decayed take a lower count in place, leaving the heap out of
 * order, which hk_check() must accept (RDB loads and DEBUG RELOAD). The
 * integration test replays the same ten additions through TOPK.INCRBY. */
static void test_topk_heap_order(void) {
    HeavyKeeper *h = hk_new(5, 3, 2, 0.7);
    unsigned s = 1;
    int out_of_order = 0;
    for (int i = 0; i < 10; i++) {
        s = s * 1103515245u + 12345u;
        char key[16];
        int n = snprintf(key, sizeof key, "k%u", (s >> 16) % 12);
        size_t len;
        xfree(hk_add(h, key, (size_t)n, 1 + (s >> 8) % 3, &len));
        CHECK_EQ_INT(hk_check(h), 0);
    }
    for (uint32_t j = 1; j < h->k; j++)
        out_of_order |= h->heap[(j - 1) / 2].count > h->heap[j].count;
    CHECK(out_of_order);
    hk_free(h);
}

static int near(double a, double b) {
    return fabs(a - b) < 1e-12 || (isinf(a) && a == b);
}

static TDigest *docs_digest(void) {
    TDigest *t = td_new(100);
    double v[] = {1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) CHECK_EQ_INT(td_add(t, v[i], 1), 0);
    return t;
}

static void test_tdigest_docs(void) {
    /* the TDIGEST.QUANTILE and TDIGEST.CDF pages' examples */
    TDigest *t = docs_digest();
    double qs[] = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};
    double want_q[] = {1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5};
    double out[11];
    td_quantiles(t, qs, out, 11);
    for (int i = 0; i < 11; i++) CHECK(near(out[i], want_q[i]));
    double want_c[] = {0,
                       0.033333333333333333,
                       0.13333333333333333,
                       0.29999999999999999,
                       0.53333333333333333,
                       0.83333333333333337,
                       1};
    for (int i = 0; i < 7; i++) CHECK(near(td_cdf(t, i), want_c[i]));
    CHECK_EQ_INT(t->merged_nodes, 15); /* too few to merge any */
    CHECK_EQ_INT(td_size(t), 15);
    TDigest *e = td_new(50);
    CHECK(isnan(td_quantile(e, 0.5)) && isnan(td_cdf(e, 1)));
    CHECK_EQ_INT(td_merge_into(e, t), 0);
    CHECK_EQ_INT(td_size(e), 15);
    CHECK(near(td_quantile(e, 0.5), 4));
    td_free(e);
    td_free(t);
    t = td_new(100);
    for (int i = 1; i <= 10; i++) td_add(t, i, 1);
    CHECK(near(td_trimmed_mean(t, 0.1, 0.6), 4));
    CHECK(near(td_trimmed_mean(t, 0.3, 0.9), 6.5));
    CHECK(near(td_trimmed_mean(t, 0, 1), 5.5));
    td_free(t);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_tdigest_model(void) {
    enum { N = 20000 };
    double *v = xmalloc(N * sizeof *v);
    TDigest *t = td_new(100);
    for (int i = 0; i < N; i++) {
        v[i] = (double)test_rand_below(1000000) / 1000.0;
        CHECK_EQ_INT(td_add(t, v[i], 1), 0);
        CHECK(t->merged_nodes + t->unmerged_nodes <= t->cap);
    }
    qsort(v, N, sizeof *v, cmp_double);
    CHECK(near(t->min, v[0]) && near(t->max, v[N - 1]));
    for (double q = 0.01; q < 1; q += 0.07) {
        double est = td_quantile(t, q), exact = v[(int)(q * N)];
        CHECK(fabs(est - exact) < 1000 * 0.01); /* within 1% of the range */
    }
    CHECK(t->merged_nodes < 300);
    CHECK_EQ_INT(td_size(t), N);
    TDigest *d = td_dup(t);
    td_reset(d);
    CHECK_EQ_INT(td_size(d), 0);
    td_free(d);
    td_free(t);
    xfree(v);
}

int main(void) {
    test_seed("test_sketch");
    CHECK_EQ_INT(murmur2("", 0, 0), 0);
    test_cms_overflow_and_hash();
    test_cms_model();
    test_cms_dims();
    test_topk_incrby();
    test_topk_list_with_count();
    test_topk_heavy_hitters();
    test_topk_heap_order();
    test_tdigest_docs();
    test_tdigest_model();
    return test_report("test_sketch");
}
