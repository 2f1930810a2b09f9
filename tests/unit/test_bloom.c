/*
 * Unit tests for the Bloom and Cuckoo filters (src/types/bloom.c, cuckoo.c):
 * RedisBloom's sizing (the BF.INFO / CF.INFO figures of the Redis docs),
 * no false negatives and a false-positive rate within the requested bound,
 * scaling and the non-scaling limit, SCANDUMP header and chunk round trips
 * and refusals, and the Cuckoo filter against a model (a multiset of items:
 * counts never below the model's, deletes of inserted items always succeed,
 * the filter empty after deleting everything), with expansion and compaction.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/murmur.h"
#include "types/bloom.h"
#include "types/cuckoo.h"

#include "test.h"

#define OPTS (BLOOM_OPT_NOROUND | BLOOM_OPT_FORCE64)

static size_t item(char *buf, const char *prefix, uint64_t i) {
    return (size_t)snprintf(buf, 48, "%s:%llu", prefix, (unsigned long long)i);
}

static void test_murmur(void) {
    /* Fixed points of the algorithm: the empty input hashes to the mixed
     * seed; one byte and eight bytes take the tail and the word paths. */
    CHECK(murmur64a("", 0, 0) == 0);
    CHECK(murmur64a("a", 1, 0) != murmur64a("b", 1, 0));
    CHECK(murmur64a("abcdefgh", 8, 0) != murmur64a("abcdefgi", 8, 0));
    CHECK(murmur64a("abcdefghi", 9, 1) != murmur64a("abcdefghi", 9, 2));
    CHECK(murmur2("", 0, 0) == 0);
}

static void test_sizing(void) {
    int err;
    /* BF.ADD's default filter: the docs' BF.INFO shows Size 240, Capacity 100 */
    BloomChain *c = bloom_chain_new(100, 0.01, OPTS, 2, &err);
    CHECK(c != NULL);
    CHECK_EQ_INT(bloom_chain_mem_usage(c), 240);
    CHECK_EQ_INT(bloom_chain_capacity(c), 100);
    CHECK_EQ_INT(c->links[0].bits, 1152);
    CHECK_EQ_INT(c->links[0].hashes, 8);
    CHECK(c->links[0].error == 0.005);
    bloom_chain_free(c);

    c = bloom_chain_new(1000, 0.001, OPTS | BLOOM_OPT_NO_SCALING, 2, &err);
    CHECK(c->links[0].error == 0.001); /* no tightening without scaling */
    CHECK_EQ_INT(c->links[0].hashes, 10);
    bloom_chain_free(c);

    CHECK(bloom_chain_new(0, 0.01, OPTS, 2, &err) == NULL && err == BLOOM_ERR_INVALID);
    CHECK(bloom_chain_new(10, 1.0, OPTS, 2, &err) == NULL && err == BLOOM_ERR_INVALID);
    /* far too big a link is refused, not attempted */
    CHECK(bloom_chain_new(UINT64_C(1) << 40, 1e-300, OPTS, 2, &err) == NULL &&
          err == BLOOM_ERR_NOMEM);
}

static void test_false_positives(void) {
    int err;
    char buf[48];
    BloomChain *c = bloom_chain_new(10000, 0.01, OPTS, 2, &err);
    for (uint64_t i = 0; i < 10000; i++) bloom_chain_add(c, buf, item(buf, "in", i));
    CHECK_EQ_INT(c->n_links, 1);
    int missing = 0;
    for (uint64_t i = 0; i < 10000; i++) missing += !bloom_chain_check(c, buf, item(buf, "in", i));
    CHECK_EQ_INT(missing, 0);
    int fp = 0;
    for (uint64_t i = 0; i < 100000; i++) fp += bloom_chain_check(c, buf, item(buf, "out", i));
    /* the link is sized for 0.5%: the requested 1% is the bound */
    CHECK(fp < 1000);
    CHECK(fp > 0);
    /* items inserted counts the adds that set a bit */
    CHECK(c->size <= 10000 && c->size > 9900);
    bloom_chain_free(c);
}

static void test_scaling(void) {
    int err;
    char buf[48];
    BloomChain *c = bloom_chain_new(100, 0.01, OPTS, 2, &err);
    for (uint64_t i = 0; i < 1400; i++) bloom_chain_add(c, buf, item(buf, "s", i));
    CHECK_EQ_INT(c->n_links, 4);
    CHECK_EQ_INT(bloom_chain_capacity(c), 100 + 200 + 400 + 800);
    CHECK(c->links[1].error == 0.0025);
    CHECK(c->links[3].error == 0.000625);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < c->n_links; i++) sum += c->links[i].size;
    CHECK(sum == c->size);
    int missing = 0;
    for (uint64_t i = 0; i < 1400; i++) missing += !bloom_chain_check(c, buf, item(buf, "s", i));
    CHECK_EQ_INT(missing, 0);
    bloom_chain_free(c);

    /* non-scaling: full after capacity new items, nothing changes after */
    c = bloom_chain_new(50, 0.01, OPTS | BLOOM_OPT_NO_SCALING, 2, &err);
    int full = 0;
    uint64_t i = 0;
    while (!full && i < 1000) {
        int rc = bloom_chain_add(c, buf, item(buf, "n", i++));
        if (rc == BLOOM_ERR_FULL) full = 1;
    }
    CHECK(full);
    CHECK_EQ_INT(c->size, 50);
    CHECK_EQ_INT(c->n_links, 1);
    bloom_chain_free(c);

    /* growth 0 (only from loaded data) cannot scale */
    c = bloom_chain_new(2, 0.01, OPTS, 0, &err);
    int rc = 0;
    for (i = 0; i < 10 && rc >= 0; i++) rc = bloom_chain_add(c, buf, item(buf, "g", i));
    CHECK_EQ_INT(rc, BLOOM_ERR_NOMEM);
    bloom_chain_free(c);
}

static void test_bloom_dump(void) {
    int err;
    char buf[48];
    BloomChain *c = bloom_chain_new(100, 0.01, OPTS, 3, &err);
    for (uint64_t i = 0; i < 500; i++) bloom_chain_add(c, buf, item(buf, "d", i));
    size_t hlen;
    uint8_t *hdr = bloom_chain_header(c, &hlen);
    CHECK_EQ_INT(hlen, 20 + 53 * c->n_links);
    BloomChain *d = bloom_chain_from_header(hdr, hlen, &err);
    CHECK(d != NULL);
    long long iter = 1;
    size_t len;
    const uint8_t *chunk;
    int n_chunks = 0;
    const char *msg;
    while ((chunk = bloom_chain_chunk(c, &iter, &len, 100)) != NULL) {
        CHECK(bloom_chain_load_chunk(d, iter, chunk, len, &msg) == 0);
        n_chunks++;
    }
    CHECK_EQ_INT(iter, 0);
    CHECK(n_chunks > (int)c->n_links);
    CHECK_EQ_INT(d->size, c->size);
    CHECK_EQ_INT(bloom_chain_capacity(d), bloom_chain_capacity(c));
    for (uint32_t i = 0; i < c->n_links; i++)
        CHECK(memcmp(c->links[i].bf, d->links[i].bf, c->links[i].bytes) == 0);
    BloomChain *e = bloom_chain_dup(d);
    CHECK(bloom_chain_check(e, buf, item(buf, "d", 7)));
    bloom_chain_free(e);

    /* refusals */
    CHECK(bloom_chain_load_chunk(d, 0, (const uint8_t *)"x", 1, &msg) != 0 &&
          strcmp(msg, "ERR received bad data") == 0);
    CHECK(bloom_chain_load_chunk(d, 1 << 30, (const uint8_t *)"x", 1, &msg) != 0 &&
          strcmp(msg, "ERR invalid offset - no link found") == 0);
    uint8_t big[300] = {0};
    long long at = (long long)c->links[0].bytes + 1;
    CHECK(bloom_chain_load_chunk(d, at, big, sizeof(big), &msg) != 0);
    CHECK(bloom_chain_from_header(hdr, hlen - 1, &err) == NULL);
    uint8_t *bad = xmemdup(hdr, hlen);
    bad[20 + 40] ^= 1; /* hashes no longer match bpe */
    CHECK(bloom_chain_from_header(bad, hlen, &err) == NULL);
    memcpy(bad, hdr, hlen);
    bad[0] ^= 1; /* item count no longer the links' sum */
    CHECK(bloom_chain_from_header(bad, hlen, &err) == NULL);
    memcpy(bad, hdr, hlen);
    bad[12] |= 0x10; /* unknown option */
    CHECK(bloom_chain_from_header(bad, hlen, &err) == NULL);
    xfree(bad);

    /* a header asking for more memory than allowed is refused before any
     * allocation: five links of 4 GB each, otherwise consistent */
    BloomChain *one = bloom_chain_new(10, 0.01, OPTS, 2, &err);
    size_t one_len;
    uint8_t *one_hdr = bloom_chain_header(one, &one_len);
    uint8_t *huge = xcalloc(1, 20 + 53 * 5);
    memcpy(huge, one_hdr, 20);
    huge[0] = 0; /* no items */
    huge[8] = 5; /* links */
    for (int i = 0; i < 5; i++) {
        uint8_t *q = huge + 20 + 53 * i;
        memcpy(q, one_hdr + 20, 53);
        uint64_t bytes = UINT64_C(4) << 30, bits = bytes * 8;
        for (int b = 0; b < 8; b++) q[b] = (uint8_t)(bytes >> (8 * b));
        for (int b = 0; b < 8; b++) q[8 + b] = (uint8_t)(bits >> (8 * b));
        memset(q + 16, 0, 8);
    }
    CHECK(bloom_chain_from_header(huge, 20 + 53 * 5, &err) == NULL && err == BLOOM_ERR_NOMEM);
    xfree(huge);
    xfree(one_hdr);
    bloom_chain_free(one);
    xfree(hdr);
    bloom_chain_free(d);
    bloom_chain_free(c);
}

static const CuckooLimits lim = {255, 32, 65535, 32768};

static void test_cuckoo_model(void) {
    enum { N = 3000 };
    static uint8_t want[N];
    char buf[48];
    memset(want, 0, sizeof(want));
    Cuckoo *cf = cuckoo_new(1024, 2, 20, 1);
    CHECK_EQ_INT(cuckoo_mem_usage(cf), 1080); /* the docs' CF.INFO Size */
    CHECK_EQ_INT(cf->n_buckets, 512);
    uint64_t n = 0;
    for (int step = 0; step < 20000; step++) {
        uint64_t i = test_rand_below(N);
        uint64_t h = cuckoo_hash(buf, item(buf, "c", i));
        int op = (int)test_rand_below(3);
        if (op == 0 || (op == 1 && want[i] < 3)) {
            CuckooInsert rc = cuckoo_insert(cf, h, 0);
            CHECK(rc == CUCKOO_INSERTED);
            if (rc == CUCKOO_INSERTED) want[i]++, n++;
        } else if (want[i]) {
            CHECK_EQ_INT(cuckoo_delete(cf, h), 1);
            want[i]--, n--;
        }
        if (step % 997 == 0) {
            int bad = 0;
            for (uint64_t j = 0; j < N; j++) {
                uint64_t hj = cuckoo_hash(buf, item(buf, "c", j));
                if (cuckoo_count(cf, hj) < want[j] || (want[j] && !cuckoo_check(cf, hj))) bad++;
            }
            CHECK_EQ_INT(bad, 0);
            CHECK_EQ_INT(cf->n_items, n);
        }
    }
    CHECK(cf->n_filters > 1);
    for (uint64_t j = 0; j < N; j++) {
        uint64_t hj = cuckoo_hash(buf, item(buf, "c", j));
        while (want[j]) {
            CHECK_EQ_INT(cuckoo_delete(cf, hj), 1);
            want[j]--;
        }
    }
    CHECK_EQ_INT(cf->n_items, 0);
    uint64_t left = 0;
    for (uint16_t f = 0; f < cf->n_filters; f++)
        for (uint64_t b = 0; b < cf->filters[f].n_buckets * cf->bucket_size; b++)
            left += cf->filters[f].data[b] != 0;
    CHECK_EQ_INT(left, 0);
    cuckoo_compact(cf, 1);
    CHECK_EQ_INT(cf->n_filters, 1);
    cuckoo_free(cf);
}

static void test_cuckoo_full(void) {
    char buf[48];
    /* no expansion: the filter reports full, nothing half-inserted */
    Cuckoo *cf = cuckoo_new(64, 2, 20, 0);
    CHECK_EQ_INT(cf->expansion, 0);
    uint64_t i = 0;
    CuckooInsert rc = CUCKOO_INSERTED;
    while (rc == CUCKOO_INSERTED && i < 1000)
        rc = cuckoo_insert(cf, cuckoo_hash(buf, item(buf, "f", i++)), 0);
    CHECK(rc == CUCKOO_NOSPACE);
    CHECK_EQ_INT(cf->n_items, i - 1);
    int missing = 0;
    for (uint64_t j = 0; j + 1 < i; j++)
        missing += !cuckoo_check(cf, cuckoo_hash(buf, item(buf, "f", j)));
    CHECK_EQ_INT(missing, 0);
    cuckoo_free(cf);

    /* expansion 3 rounds up to 4; unique inserts refuse a present item */
    cf = cuckoo_new(64, 4, 20, 3);
    CHECK_EQ_INT(cf->expansion, 4);
    for (i = 0; i < 300; i++) cuckoo_insert(cf, cuckoo_hash(buf, item(buf, "e", i)), 0);
    CHECK(cf->n_filters >= 2);
    CHECK_EQ_INT(cf->filters[1].n_buckets, cf->n_buckets * 4);
    CHECK(cuckoo_insert(cf, cuckoo_hash(buf, item(buf, "e", 5)), 1) == CUCKOO_EXISTS);
    CHECK_EQ_INT(cuckoo_count(cf, cuckoo_hash(buf, item(buf, "e", 5))) >= 1, 1);

    /* header + chunks rebuild the same filter */
    uint8_t hdr[CUCKOO_HEADER_BYTES];
    cuckoo_header(cf, hdr);
    Cuckoo *d = cuckoo_from_header(hdr, sizeof(hdr), &lim);
    CHECK(d != NULL);
    long long pos = 1;
    size_t len;
    const uint8_t *chunk;
    while ((chunk = cuckoo_chunk(cf, &pos, &len, 50)) != NULL)
        CHECK(cuckoo_load_chunk(d, pos, chunk, len) == 0);
    CHECK_EQ_INT(d->n_filters, cf->n_filters);
    CHECK_EQ_INT(d->n_items, cf->n_items);
    for (uint16_t f = 0; f < cf->n_filters; f++)
        CHECK(memcmp(d->filters[f].data, cf->filters[f].data,
                     cf->filters[f].n_buckets * cf->bucket_size) == 0);
    Cuckoo *e = cuckoo_dup(d);
    CHECK_EQ_INT(cuckoo_mem_usage(e), cuckoo_mem_usage(cf));
    cuckoo_free(e);
    CHECK(cuckoo_load_chunk(d, 1, (const uint8_t *)"x", 1) != 0);
    CHECK(cuckoo_load_chunk(d, 1 << 30, (const uint8_t *)"x", 1) != 0);
    CHECK(cuckoo_load_chunk(d, 5, (const uint8_t *)"", 0) != 0);
    cuckoo_free(d);

    uint8_t bad[CUCKOO_HEADER_BYTES];
    memcpy(bad, hdr, sizeof(bad));
    bad[8] = 3; /* buckets not a power of two */
    CHECK(cuckoo_from_header(bad, sizeof(bad), &lim) == NULL);
    memcpy(bad, hdr, sizeof(bad));
    bad[32] = 0; /* bucket size 0 */
    CHECK(cuckoo_from_header(bad, sizeof(bad), &lim) == NULL);
    CHECK(cuckoo_from_header(hdr, sizeof(hdr) - 1, &lim) == NULL);
    cuckoo_free(cf);
}

int main(void) {
    test_seed("test_bloom");
    test_murmur();
    test_sizing();
    test_false_positives();
    test_scaling();
    test_bloom_dump();
    test_cuckoo_model();
    test_cuckoo_full();
    return test_report("test_bloom");
}
