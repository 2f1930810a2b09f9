/*
 * murmur.h - Austin Appleby's MurmurHash2 in its 64-bit (MurmurHash64A) and
 * 32-bit forms, reading the input as little-endian words and the tail bytes
 * unsigned, written from the algorithm's description.
 *
 * Results must equal Redis's bit for bit wherever Redis uses them: HyperLogLog
 * registers (base/hll.c: MurmurHash64A), Bloom and Cuckoo filters
 * (types/bloom.c, cuckoo.c: both forms, as RedisBloom hashes), count-min
 * sketch and Top-K cells (types/cms.c, heavykeeper.c: the 32-bit form with the
 * row as seed). Their unit tests pin figures Redis's own tests assert.
 */
#ifndef STREAMD_BASE_MURMUR_H
#define STREAMD_BASE_MURMUR_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"

static inline uint64_t murmur64a(const void *p, size_t len, uint64_t seed) {
    const uint64_t m = UINT64_C(0xc6a4a7935bd1e995);
    const int r = 47;
    const unsigned char *s = p;
    uint64_t h = seed ^ ((uint64_t)len * m);
    size_t n_words = len / 8;
    for (size_t i = 0; i < n_words; i++) {
        uint64_t k = bytes_le64(s + 8 * i);
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t tail = len & 7;
    if (tail) {
        const unsigned char *t = s + 8 * n_words;
        for (size_t i = tail; i-- > 0;) h ^= (uint64_t)t[i] << (8 * i);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

static inline uint32_t murmur2(const void *p, size_t len, uint32_t seed) {
    const uint32_t m = 0x5bd1e995u;
    const unsigned char *s = p;
    uint32_t h = seed ^ (uint32_t)len;
    while (len >= 4) {
        uint32_t k = (uint32_t)bytes_le32(s);
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
        s += 4;
        len -= 4;
    }
    if (len) {
        for (size_t i = len; i-- > 0;) h ^= (uint32_t)s[i] << (8 * i);
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

#endif
