/*
 * sketch_hash.h - the 32-bit MurmurHash2 that Redis 8's count-min sketch and
 * Top-K index their counters with.
 *
 * RedisBloom hashes an item once per row with the row number as the seed
 * (Top-K also takes a fingerprint with seed 1919), so the cell an item lands
 * in, and hence every count, depends on this exact function: it is Austin
 * Appleby's MurmurHash2 (multiplier 0x5bd1e995, shift 24), reading the input
 * as little-endian 32-bit words and the tail bytes unsigned. Written here from
 * the algorithm's description; the bloom helpers keep a hash of their own.
 */
#ifndef STREAMD_SKETCH_HASH_H
#define STREAMD_SKETCH_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t sketch_murmur2(const void *key, size_t len, uint32_t seed) {
    const uint32_t m = 0x5bd1e995u;
    const unsigned char *p = key;
    uint32_t h = seed ^ (uint32_t)len;
    while (len >= 4) {
        uint32_t k =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
        p += 4;
        len -= 4;
    }
    switch (len) {
    case 3:
        h ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        h ^= (uint32_t)p[0];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

#endif
