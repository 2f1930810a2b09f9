/*
 * bytes.h - short byte runs read as little-endian words.
 *
 * Hashing and comparing short strings (keys, command names, iids) wants their
 * bytes as a word; a copy of a variable number of bytes into a zeroed word
 * is a call to memcpy. These read at most two fixed-size pieces that stay
 * inside the run and combine them: for 4 to 8 bytes two overlapping 4-byte
 * loads (a byte in both is ORed into its own place twice), for 1 to 3 bytes
 * the first, middle and last byte.
 */
#ifndef STREAMD_BYTES_H
#define STREAMD_BYTES_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t bytes_le32(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static inline uint64_t bytes_le64(const unsigned char *p) {
    return bytes_le32(p) | bytes_le32(p + 4) << 32;
}

/* The n <= 8 bytes at s as a little-endian word, zero above them. */
static inline uint64_t bytes_le_upto8(const void *s, size_t n) {
    const unsigned char *p = s;
    assert(n <= 8);
    if (n >= 4) return bytes_le32(p) | bytes_le32(p + n - 4) << (8 * (n - 4));
    if (n == 0) return 0;
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
           (uint64_t)p[n - 1] << (8 * (n - 1));
}

#endif
