/*
 * util.c - small helpers the handlers share: strict integer parsing with
 * Redis's rules (no spaces, no leading '+', no leading zeros except "0"),
 * glob matching for KEYS / SCAN MATCH / CONFIG GET, and the clocks (the Unix
 * time is cached while a command runs, so every key a command touches sees the
 * same "now", as Redis does).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/num.h"
#include "server/core.h"

int parse_ll(Slice s, long long *out) {
    return num_parse_ll(s.p, s.len, out);
}

int parse_ull(Slice s, unsigned long long *out) {
    return num_parse_ull(s.p, s.len, out);
}

int get_ll_or_reply(Client *c, Slice s, long long *out) {
    if (parse_ll(s, out) != 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return -1;
    }
    return 0;
}

int get_db_index_or_reply(Client *c, Slice s, int *out) {
    long long id;
    if (get_ll_or_reply(c, s, &id) != 0) return -1;
    if (id < INT_MIN || id > INT_MAX) { /* Redis reads an index as an int first */
        reply_error(c, "ERR value is out of range, value must between -2147483648 and "
                       "2147483647");
        return -1;
    }
    if (id < 0 || id >= core.n_dbs) {
        reply_error(c, "ERR DB index is out of range");
        return -1;
    }
    *out = (int)id;
    return 0;
}

int64_t real_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_ms(void) {
    if (core.executing && core.cmd_time_ms) return core.cmd_time_ms;
    return real_us() / 1000;
}

int64_t now_us(void) {
    if (core.executing && core.cmd_time_us) return core.cmd_time_us;
    return real_us();
}

int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint32_t lru_clock_s(void) {
    return (uint32_t)(now_ms() / 1000);
}

void str_lower(char *s) {
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

/* Glob matching with *, ?, [...] (ranges, ^ negation) and \ escapes. */
int glob_match(const char *pat, size_t plen, const char *s, size_t slen, int nocase) {
    while (plen > 0) {
        switch (pat[0]) {
        case '*':
            while (plen > 1 && pat[1] == '*') {
                pat++;
                plen--;
            }
            if (plen == 1) return 1;
            for (size_t i = 0; i <= slen; i++)
                if (glob_match(pat + 1, plen - 1, s + i, slen - i, nocase)) return 1;
            return 0;
        case '?':
            if (slen == 0) return 0;
            s++;
            slen--;
            break;
        case '[': {
            if (slen == 0) return 0;
            pat++;
            plen--;
            int neg = plen > 0 && pat[0] == '^';
            if (neg) {
                pat++;
                plen--;
            }
            int match = 0;
            while (plen > 0 && pat[0] != ']') {
                if (pat[0] == '\\' && plen >= 2) {
                    pat++;
                    plen--;
                    if (pat[0] == s[0]) match = 1;
                } else if (plen >= 3 && pat[1] == '-') {
                    int a = (unsigned char)pat[0], b = (unsigned char)pat[2];
                    int ch = (unsigned char)s[0];
                    if (a > b) {
                        int t = a;
                        a = b;
                        b = t;
                    }
                    if (nocase) {
                        a = tolower(a);
                        b = tolower(b);
                        ch = tolower(ch);
                    }
                    if (ch >= a && ch <= b) match = 1;
                    pat += 2;
                    plen -= 2;
                } else {
                    if (nocase ? tolower((unsigned char)pat[0]) == tolower((unsigned char)s[0])
                               : pat[0] == s[0])
                        match = 1;
                }
                pat++;
                plen--;
            }
            if (plen == 0) { /* unterminated: Redis treats the end as ']' */
                pat--;
                plen++;
            }
            if (neg) match = !match;
            if (!match) return 0;
            s++;
            slen--;
            break;
        }
        case '\\':
            if (plen >= 2) {
                pat++;
                plen--;
            }
            /* fall through */
        default:
            if (slen == 0) return 0;
            if (nocase ? tolower((unsigned char)pat[0]) != tolower((unsigned char)s[0])
                       : pat[0] != s[0])
                return 0;
            s++;
            slen--;
            break;
        }
        pat++;
        plen--;
        if (slen == 0) {
            while (plen > 0 && pat[0] == '*') {
                pat++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

/* A number as Redis's string2ld reads one: strtold over the whole text (at
 * most 5119 bytes), no leading space, no NaN, no overflow to infinity (an
 * "inf" typed as such is fine) or underflow to zero. 0 ok, -1 bad. */
int parse_long_double(Slice s, long double *out) {
    char buf[5120];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    if (isspace((unsigned char)buf[0])) return -1;
    errno = 0;
    char *end;
    long double v = strtold(buf, &end);
    if (*end != '\0' || (size_t)(end - buf) != s.len) return -1;
    if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO)) return -1;
    if (errno == EINVAL || isnan(v)) return -1;
    *out = v;
    return 0;
}

/* v (finite) as Redis shows a float it computed: 17 digits after the point,
 * trailing zeros and a bare point dropped, "-0" as "0". Returns the length
 * written into buf. */
size_t format_long_double(char *buf, size_t cap, long double v) {
    int n = snprintf(buf, cap, "%.17Lf", v);
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    if (memchr(buf, '.', len)) {
        while (len > 0 && buf[len - 1] == '0') len--;
        if (len > 0 && buf[len - 1] == '.') len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}

long long scan_bucket_budget(long long count) {
    return count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
}

/* A cursor as 7.0 reads one (strtoul over the whole text): optional sign
 * ("-1" wraps around), digits, nothing else; no leading space; the empty
 * text is 0. 0 ok, -1 bad. */
int parse_scan_cursor(Slice s, uint64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (s.len > 0 && (s.p[0] == '+' || s.p[0] == '-')) {
        neg = s.p[0] == '-';
        i = 1;
    }
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < s.len; i++, digits++) {
        if (s.p[i] < '0' || s.p[i] > '9') return -1;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (s.len > 0 && digits == 0) return -1; /* a sign alone is not a number */
    *out = neg ? (uint64_t)0 - v : v;
    return 0;
}
