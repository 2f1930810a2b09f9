/*
 * num.c - strict decimal parsing (see num.h). Overflow is detected before
 * it happens, digit by digit, so no value wraps.
 */
#include "base/num.h"

#include <limits.h>

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
