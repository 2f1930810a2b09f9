/*
 * num.c - strict decimal parsing (see num.h). Overflow is detected before
 * it happens, digit by digit, so no value wraps.
 */
#include "base/num.h"

#include <limits.h>
#include <string.h>

int num_parse_ull(const char *p, size_t len, unsigned long long *out) {
    if (len == 0 || len > 20) return -1;
    if (len > 1 && p[0] == '0') return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int num_parse_ll(const char *p, size_t len, long long *out) {
    if (len == 0) return -1;
    int neg = p[0] == '-';
    unsigned long long v;
    if (neg && (len == 1 || p[1] == '0')) return -1; /* "-" and "-0..." */
    if (num_parse_ull(p + neg, len - (size_t)neg, &v) != 0) return -1;
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return -1;
        *out = (long long)(0 - v);
    } else {
        if (v > LLONG_MAX) return -1;
        *out = (long long)v;
    }
    return 0;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The number of decimal digits of v: an estimate from its bit length
 * (bits * log10(2), as 1233 / 4096) that is the count or one less,
 * corrected by one comparison. */
static inline size_t dec_digits(unsigned long long v) {
    static const unsigned long long pow10[20] = {
        1ULL,
        10ULL,
        100ULL,
        1000ULL,
        10000ULL,
        100000ULL,
        1000000ULL,
        10000000ULL,
        100000000ULL,
        1000000000ULL,
        10000000000ULL,
        100000000000ULL,
        1000000000000ULL,
        10000000000000ULL,
        100000000000000ULL,
        1000000000000000ULL,
        10000000000000000ULL,
        100000000000000000ULL,
        1000000000000000000ULL,
        10000000000000000000ULL,
    };
    v |= 1; /* 0 has one digit; no power of ten is odd, so no count moves */
    unsigned bits = 64 - (unsigned)__builtin_clzll(v);
    unsigned t = (bits * 1233) >> 12;
    return t + (v >= pow10[t]);
}

/* Two digits per division, written in place from the end once the length is
 * known: no reversal and no copy. Reply headers, integer replies and stream
 * IDs are formatted here, so it is on every reply's path. */
size_t num_fmt_u64(unsigned long long v, char *dst) {
    size_t n = dec_digits(v);
    char *p = dst + n;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + i, 2);
    }
    if (v < 10) {
        *--p = (char)('0' + v);
    } else {
        p -= 2;
        memcpy(p, digit_pairs + v * 2, 2);
    }
    return n;
}
