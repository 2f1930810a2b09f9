/*
 * Unit tests for the keyspace hash table against a naive oracle (an array of
 * keys): random adds and deletes through growth, shrink and rehash; SCAN
 * returns every key present for the whole scan at least once.
 */
#include "base/alloc.h"
#include "server/dict.h"
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define N_KEYS 4000

static char present[N_KEYS];

static void key_of(int i, char *buf, size_t *len) {
    *len = (size_t)snprintf(buf, 32, "key:%d", i);
}

static int seen[N_KEYS];

static void mark(void *priv, DictEntry *e) {
    (void)priv;
    int i = atoi(e->key + 4);
    seen[i]++;
}

static void model_test(void) {
    Dict *d = dict_new();
    size_t count = 0;
    char k[32];
    size_t kl;
    for (int step = 0; step < 60000; step++) {
        int i = (int)test_rand_below(N_KEYS);
        key_of(i, k, &kl);
        int op = (int)test_rand_below(step < 30000 ? 3 : 5); /* second half shrinks */
        if (op == 0) {
            if (!present[i]) {
                dict_add(d, k, kl, (void *)(intptr_t)(i + 1));
                present[i] = 1;
                count++;
            }
        } else if (op >= 2) {
            DictEntry *e = dict_unlink(d, k, kl);
            CHECK((e != NULL) == present[i]);
            if (e) {
                CHECK((intptr_t)e->val == i + 1);
                dict_entry_free(e);
                present[i] = 0;
                count--;
            }
        } else {
            DictEntry *e = dict_find(d, k, kl);
            CHECK((e != NULL) == present[i]);
        }
        if (step % 5000 == 0) {
            CHECK_EQ_INT(dict_size(d), count);
            memset(seen, 0, sizeof seen);
            uint64_t cur = 0;
            int rounds = 0;
            do {
                cur = dict_scan(d, cur, mark, NULL);
                /* keep rehashing while scanning */
                dict_rehash_steps(d, 1);
                rounds++;
            } while (cur && rounds < 1000000);
            int missing = 0;
            for (int j = 0; j < N_KEYS; j++) missing += present[j] && !seen[j];
            CHECK_EQ_INT(missing, 0);
            /* dict_foreach (KEYS): every key exactly once, rehashing or not */
            memset(seen, 0, sizeof seen);
            dict_foreach(d, mark, NULL);
            int wrong = 0;
            for (int j = 0; j < N_KEYS; j++) wrong += seen[j] != present[j];
            CHECK_EQ_INT(wrong, 0);
        }
    }
    CHECK_EQ_INT(dict_size(d), count);
    dict_free(d, NULL);
}

/* Bit reversal the slow, obvious way: the oracle for the scan cursor. */
static uint64_t naive_rev(uint64_t v) {
    uint64_t r = 0;
    for (int i = 0; i < 64; i++, v >>= 1) r = (r << 1) | (v & 1);
    return r;
}

/* On a table that is not rehashing, a full scan steps through the cursors
 * in reverse-binary order (the order SCAN's guarantee rests on), one bucket
 * per call, and sees every key exactly once. */
static void scan_cursor_order_test(void) {
    static const int sizes[] = {1, 3, 4, 5, 100, 1000, 3000};
    char k[32];
    size_t kl;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        Dict *d = dict_new();
        for (int i = 0; i < sizes[si]; i++) {
            key_of(i, k, &kl);
            dict_add(d, k, kl, NULL);
        }
        while (dict_rehash_steps(d, 100)) {
        }
        uint64_t mask = dict_buckets(d) - 1;
        memset(seen, 0, sizeof seen);
        uint64_t cur = 0, calls = 0;
        do {
            uint64_t next = dict_scan(d, cur, mark, NULL);
            CHECK_EQ_INT(next, naive_rev(naive_rev(cur | ~mask) + 1));
            cur = next;
            calls++;
        } while (cur && calls <= mask + 1);
        CHECK_EQ_INT(calls, mask + 1);
        for (int i = 0; i < sizes[si]; i++) CHECK_EQ_INT(seen[i], 1);
        dict_free(d, NULL);
    }
}

/* dict_foreach while a resize is half done: keys in both tables. */
static void foreach_mid_rehash_test(void) {
    Dict *d = dict_new();
    char k[32];
    size_t kl;
    int n = 0, rehashing_seen = 0;
    for (int i = 0; i < 3000; i++) {
        key_of(i, k, &kl);
        dict_add(d, k, kl, NULL);
        n++;
        if (i % 97 == 0) {
            /* two tables' buckets add up to no power of two */
            rehashing_seen += (dict_buckets(d) & (dict_buckets(d) - 1)) != 0;
            memset(seen, 0, sizeof seen);
            dict_foreach(d, mark, NULL);
            int wrong = 0;
            for (int j = 0; j < N_KEYS; j++) wrong += seen[j] != (j < n);
            CHECK_EQ_INT(wrong, 0);
        }
    }
    CHECK(rehashing_seen > 0);
    dict_free(d, NULL);
}

/* The hash reads exactly the key's bytes: every byte changes it (a tail
 * read that dropped or misplaced bytes would collide), and the bytes after
 * the key do not. Keys of every length up to five words, at every offset. */
static void hash_reads_every_byte_test(void) {
    char buf[64], other[64];
    int ok = 1;
    for (size_t len = 1; len <= 40; len++) {
        for (size_t off = 0; off < 8; off++) {
            for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)test_rand();
            memcpy(other, buf, sizeof buf);
            uint64_t h = dict_hash(buf + off, len);
            for (size_t i = off + len; i < sizeof other; i++) other[i] ^= (char)0x5a;
            for (size_t i = 0; i < off; i++) other[i] ^= (char)0x5a;
            if (dict_hash(other + off, len) != h) ok = 0;
            memcpy(other, buf, sizeof buf);
            for (size_t j = 0; j < len; j++) {
                other[off + j] ^= (char)(1 + test_rand_below(255));
                if (dict_hash(other + off, len) == h) ok = 0;
                other[off + j] = buf[off + j];
            }
            /* a zero byte at the end is still a byte */
            if (len < sizeof buf - off) {
                memcpy(other, buf, sizeof buf);
                other[off + len - 1] = 0;
                if (dict_hash(other + off, len) == dict_hash(other + off, len - 1)) ok = 0;
            }
        }
    }
    CHECK(ok);
}

int main(void) {
    test_seed("test_dict");
    foreach_mid_rehash_test();
    scan_cursor_order_test();
    model_test();
    hash_reads_every_byte_test();
    return test_report("test_dict");
}
