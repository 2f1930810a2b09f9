/*
 * Unit tests for the bounded top-K behind HOTKEYS (src/server/topk.c),
 * against a naive oracle (an array of every key's true weight):
 *
 *   - while no more distinct keys than the capacity were seen, every weight
 *     is exact and the ranking is the oracle's sorted order;
 *   - past that (evictions), the Space-Saving guarantees hold: the table
 *     never grows past its capacity, each key appears once, the weights
 *     held add up to the total added, a key's weight
 *     minus its error <= its true weight <= its weight, every key heavier
 *     than total / capacity is held, and the total is the sum of all adds;
 *   - a worked example of the eviction rule, zero weights, binary keys.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/topk.h"
#include "test.h"

#define N_KEYS 300

static uint64_t truth[N_KEYS];

static size_t key_of(int i, char *buf) {
    /* binary keys: a NUL inside, and lengths that differ */
    int n = snprintf(buf, 32, "k%c%d", '\0', i);
    return (size_t)n;
}

static int key_index(const char *key, size_t len) {
    char buf[32];
    for (int i = 0; i < N_KEYS; i++)
        if (key_of(i, buf) == len && memcmp(buf, key, len) == 0) return i;
    return -1;
}

static void check_sorted(const TopKItem *it, size_t n) {
    for (size_t i = 1; i < n; i++) {
        int ok = it[i - 1].weight > it[i].weight ||
                 (it[i - 1].weight == it[i].weight &&
                  memcmp(it[i - 1].key, it[i].key,
                         it[i - 1].len < it[i].len ? it[i - 1].len : it[i].len) <= 0);
        CHECK(ok);
    }
}

/* Few distinct keys: exact weights, the oracle's order. */
static void exact_test(void) {
    memset(truth, 0, sizeof truth);
    const int distinct = 40;
    TopK *t = topk_new(64);
    uint64_t total = 0;
    char k[32];
    for (int step = 0; step < 20000; step++) {
        int i = (int)test_rand_below(distinct);
        uint64_t w = test_rand_below(5) == 0 ? 0 : 1 + test_rand_below(1000);
        size_t kl = key_of(i, k);
        topk_add(t, k, kl, w);
        truth[i] += w;
        total += w;
    }
    CHECK_EQ_INT(topk_total(t), total);
    TopKItem items[64];
    size_t n = topk_list(t, items, 64);
    size_t nonzero = 0;
    for (int i = 0; i < distinct; i++) nonzero += truth[i] != 0;
    CHECK_EQ_INT(n, nonzero);
    check_sorted(items, n);
    for (size_t j = 0; j < n; j++) {
        int i = key_index(items[j].key, items[j].len);
        CHECK(i >= 0);
        if (i < 0) continue;
        CHECK_EQ_INT(items[j].weight, truth[i]);
        CHECK_EQ_INT(items[j].error, 0);
    }
    /* the top 5 are the oracle's top 5 */
    TopKItem top[5];
    CHECK_EQ_INT(topk_list(t, top, 5), 5);
    for (int j = 0; j < 5; j++) {
        size_t heavier = 0;
        int i = key_index(top[j].key, top[j].len);
        for (int x = 0; x < distinct; x++) heavier += truth[x] > truth[i];
        CHECK(heavier <= (size_t)j);
    }
    topk_free(t);
}

/* What holds after any sequence of adds: each key held once (the index
 * finds every key after the deletions evictions make), and the weights
 * held add up to the total, since a newcomer inherits what it evicts. */
static void check_invariants(const TopK *t, uint64_t total) {
    TopKItem items[64];
    size_t n = topk_list(t, items, 64);
    CHECK_EQ_INT(n, topk_size(t));
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += items[i].weight;
        for (size_t j = 0; j < i; j++)
            CHECK(!(items[i].len == items[j].len &&
                    memcmp(items[i].key, items[j].key, items[i].len) == 0));
    }
    CHECK_EQ_INT(sum, total);
}

/* Many distinct keys, skewed: the Space-Saving guarantees. */
static void bounded_test(void) {
    memset(truth, 0, sizeof truth);
    const size_t cap = 32;
    TopK *t = topk_new(cap);
    uint64_t total = 0;
    char k[32];
    for (int step = 0; step < 50000; step++) {
        /* a fifth of the traffic on 5 hot keys, the rest spread over all */
        int i = test_rand_below(5) == 0 ? (int)test_rand_below(5) : (int)test_rand_below(N_KEYS);
        uint64_t w = 1 + test_rand_below(100);
        size_t kl = key_of(i, k);
        topk_add(t, k, kl, w);
        truth[i] += w;
        total += w;
        CHECK(topk_size(t) <= cap);
        if (step % 1000 == 0) check_invariants(t, total);
    }
    CHECK_EQ_INT(topk_total(t), total);
    TopKItem items[32];
    size_t n = topk_list(t, items, cap);
    CHECK_EQ_INT(n, cap);
    check_sorted(items, n);
    int held[N_KEYS] = {0};
    for (size_t j = 0; j < n; j++) {
        int i = key_index(items[j].key, items[j].len);
        CHECK(i >= 0);
        if (i < 0) continue;
        held[i]++;
        CHECK(items[j].weight - items[j].error <= truth[i]);
        CHECK(truth[i] <= items[j].weight);
    }
    for (int i = 0; i < N_KEYS; i++) {
        CHECK(held[i] <= 1);
        if (truth[i] > total / cap) CHECK(held[i] == 1);
    }
    for (int i = 0; i < 5; i++) CHECK(held[i] == 1); /* the hot keys */
    topk_free(t);
}

/* The rule, by hand: the lightest key gives way and its weight is
 * inherited as the newcomer's error. */
static void eviction_example(void) {
    TopK *t = topk_new(2);
    topk_add(t, "a", 1, 10);
    topk_add(t, "b", 1, 3);
    topk_add(t, "z", 1, 0); /* ignored */
    CHECK_EQ_INT(topk_size(t), 2);
    topk_add(t, "c", 1, 1); /* replaces b (3): c = 4, error 3 */
    TopKItem it[3];
    size_t n = topk_list(t, it, 3);
    CHECK_EQ_INT(n, 2);
    CHECK(it[0].len == 1 && it[0].key[0] == 'a' && it[0].weight == 10 && it[0].error == 0);
    CHECK(it[1].len == 1 && it[1].key[0] == 'c' && it[1].weight == 4 && it[1].error == 3);
    topk_add(t, "c", 1, 7); /* c = 11: now first */
    n = topk_list(t, it, 1);
    CHECK(n == 1 && it[0].key[0] == 'c' && it[0].weight == 11);
    topk_add(t, "b", 1, 1); /* replaces a (10): b = 11, ties with c, sorts first */
    n = topk_list(t, it, 2);
    CHECK(n == 2 && it[0].key[0] == 'b' && it[0].weight == 11 && it[1].key[0] == 'c');
    CHECK_EQ_INT(topk_total(t), 22);
    CHECK(topk_memory(t) > 0);
    topk_free(t);
    TopK *e = topk_new(1);
    CHECK_EQ_INT(topk_list(e, it, 3), 0);
    topk_add(e, "", 0, 5); /* the empty key is a key */
    CHECK_EQ_INT(topk_list(e, it, 3), 1);
    CHECK(it[0].len == 0 && it[0].weight == 5);
    topk_free(e);
}

int main(void) {
    test_seed("test_hotkeys");
    eviction_example();
    exact_test();
    bounded_test();
    return test_report("test_hotkeys");
}
