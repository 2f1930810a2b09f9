/*
 * xxh3.c - XXH3-64 (seed 0, default secret) in plain portable C.
 *
 * The input length picks the path: 0, 1-3, 4-8 and 9-16 bytes are mixed
 * with a few multiplications; 17-128 and 129-240 bytes fold 16-byte pairs
 * against the secret (mix16); longer inputs run the eight-lane accumulator
 * over 64-byte stripes, scrambling it after each block of 16 stripes, and
 * merge the lanes at the end. Every path ends in an avalanche. Speed matters
 * little here (a digest is asked for one value at a time), so there is no
 * vector code: the accumulator loop is left to the compiler.
 */
#include "base/xxh3.h"

#include <string.h>

#define P32_1 0x9E3779B1u
#define P32_2 0x85EBCA77u
#define P32_3 0xC2B2AE3Du
#define P64_1 0x9E3779B185EBCA87ull
#define P64_2 0xC2B2AE3D27D4EB4Full
#define P64_3 0x165667B19E3779F9ull
#define P64_4 0x85EBCA77C2B2AE63ull
#define P64_5 0x27D4EB2F165667C5ull
#define PMX_1 0x165667919E3779F9ull
#define PMX_2 0x9FB21C651E98DF25ull

#define SECRET_SIZE       192
#define STRIPE            64
#define STRIPES_PER_BLOCK ((SECRET_SIZE - STRIPE) / 8)
#define BLOCK             (STRIPE * STRIPES_PER_BLOCK)

/* The specification's default secret. */
static const uint8_t secret[SECRET_SIZE] = {
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

static uint64_t rd64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static uint64_t bswap64(uint64_t x) {
    return __builtin_bswap64(x);
}

/* The 128-bit product of a and b, its two halves xored together. */
static uint64_t mul_fold(uint64_t a, uint64_t b) {
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static uint64_t avalanche(uint64_t h) {
    h ^= h >> 37;
    h *= PMX_1;
    return h ^ (h >> 32);
}

static uint64_t avalanche64(uint64_t h) {
    h ^= h >> 33;
    h *= P64_2;
    h ^= h >> 29;
    h *= P64_3;
    return h ^ (h >> 32);
}

static uint64_t mix16(const uint8_t *in, const uint8_t *sec) {
    return mul_fold(rd64(in) ^ rd64(sec), rd64(in + 8) ^ rd64(sec + 8));
}

static uint64_t len_1to3(const uint8_t *in, size_t len) {
    uint32_t combined = (uint32_t)in[0] << 16 | (uint32_t)in[len >> 1] << 24 |
                        (uint32_t)in[len - 1] | (uint32_t)len << 8;
    uint64_t flip = (uint64_t)(rd32(secret) ^ rd32(secret + 4));
    return avalanche64((uint64_t)combined ^ flip);
}

static uint64_t len_4to8(const uint8_t *in, size_t len) {
    uint64_t flip = rd64(secret + 8) ^ rd64(secret + 16);
    uint64_t v = ((uint64_t)rd32(in) << 32 | rd32(in + len - 4)) ^ flip;
    v ^= rotl(v, 49) ^ rotl(v, 24);
    v *= PMX_2;
    v ^= (v >> 35) + len;
    v *= PMX_2;
    return v ^ (v >> 28);
}

static uint64_t len_9to16(const uint8_t *in, size_t len) {
    uint64_t lo = rd64(in) ^ (rd64(secret + 24) ^ rd64(secret + 32));
    uint64_t hi = rd64(in + len - 8) ^ (rd64(secret + 40) ^ rd64(secret + 48));
    uint64_t acc = len + bswap64(lo) + hi + mul_fold(lo, hi);
    return avalanche(acc);
}

static uint64_t len_17to128(const uint8_t *in, size_t len) {
    uint64_t acc = len * P64_1;
    if (len > 32) {
        if (len > 64) {
            if (len > 96) {
                acc += mix16(in + 48, secret + 96);
                acc += mix16(in + len - 64, secret + 112);
            }
            acc += mix16(in + 32, secret + 64);
            acc += mix16(in + len - 48, secret + 80);
        }
        acc += mix16(in + 16, secret + 32);
        acc += mix16(in + len - 32, secret + 48);
    }
    acc += mix16(in, secret);
    acc += mix16(in + len - 16, secret + 16);
    return avalanche(acc);
}

static uint64_t len_129to240(const uint8_t *in, size_t len) {
    uint64_t acc = len * P64_1;
    size_t rounds = len / 16;
    for (size_t i = 0; i < 8; i++) acc += mix16(in + 16 * i, secret + 16 * i);
    acc = avalanche(acc);
    for (size_t i = 8; i < rounds; i++) acc += mix16(in + 16 * i, secret + 16 * (i - 8) + 3);
    acc += mix16(in + len - 16, secret + 136 - 17);
    return avalanche(acc);
}

static void stripe(uint64_t acc[8], const uint8_t *in, const uint8_t *sec) {
    for (int i = 0; i < 8; i++) {
        uint64_t v = rd64(in + 8 * i);
        uint64_t k = v ^ rd64(sec + 8 * i);
        acc[i ^ 1] += v;
        acc[i] += (k & 0xffffffffu) * (k >> 32);
    }
}

static void scramble(uint64_t acc[8], const uint8_t *sec) {
    for (int i = 0; i < 8; i++) {
        uint64_t a = acc[i];
        a ^= a >> 47;
        a ^= rd64(sec + 8 * i);
        acc[i] = a * P32_1;
    }
}

static uint64_t len_long(const uint8_t *in, size_t len) {
    uint64_t acc[8] = {P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1};
    size_t blocks = (len - 1) / BLOCK;
    for (size_t b = 0; b < blocks; b++) {
        for (size_t s = 0; s < STRIPES_PER_BLOCK; s++)
            stripe(acc, in + b * BLOCK + s * STRIPE, secret + s * 8);
        scramble(acc, secret + SECRET_SIZE - STRIPE);
    }
    size_t stripes = ((len - 1) - BLOCK * blocks) / STRIPE;
    for (size_t s = 0; s < stripes; s++)
        stripe(acc, in + blocks * BLOCK + s * STRIPE, secret + s * 8);
    stripe(acc, in + len - STRIPE, secret + SECRET_SIZE - STRIPE - 7);
    uint64_t h = len * P64_1;
    for (int i = 0; i < 4; i++)
        h += mul_fold(acc[2 * i] ^ rd64(secret + 11 + 16 * i),
                      acc[2 * i + 1] ^ rd64(secret + 11 + 16 * i + 8));
    return avalanche(h);
}

uint64_t xxh3_64(const void *p, size_t len) {
    const uint8_t *in = p;
    if (len <= 16) {
        if (len > 8) return len_9to16(in, len);
        if (len >= 4) return len_4to8(in, len);
        if (len) return len_1to3(in, len);
        return avalanche64(rd64(secret + 56) ^ rd64(secret + 64));
    }
    if (len <= 128) return len_17to128(in, len);
    if (len <= 240) return len_129to240(in, len);
    return len_long(in, len);
}

void xxh3_hex(const void *p, size_t len, char out[17]) {
    static const char digits[] = "0123456789abcdef";
    uint64_t h = xxh3_64(p, len);
    for (int i = 15; i >= 0; i--, h >>= 4) out[i] = digits[h & 15];
    out[16] = '\0';
}
