/*
 * slice.h - a borrowed view of bytes.
 *
 * A Slice never owns its bytes: whoever made it says how long they live
 * (argv slices live until the command returns). It is the currency between
 * the parser, the command handlers and the libraries, so that no layer has to
 * copy a client's arguments to look at them.
 */
#ifndef STREAMD_SLICE_H
#define STREAMD_SLICE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef struct Slice {
    const char *p;
    size_t len;
} Slice;

static inline Slice slice_of(const char *p, size_t len) {
    Slice s = {p, len};
    return s;
}

static inline Slice slice_cstr(const char *s) {
    return slice_of(s, strlen(s));
}

/* Case-insensitive comparison against a NUL-terminated ASCII word. */
static inline int slice_eq_nocase(Slice s, const char *word) {
    size_t n = strlen(word);
    return s.len == n && strncasecmp(s.p, word, n) == 0;
}

static inline uint32_t slice__load32(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t slice__load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Byte equality. Up to 16 bytes inline, by two overlapping loads from each
 * end (which together cover every byte) rather than a call to memcmp():
 * field names, keys and options are mostly that short, and the call was a
 * good part of matching an XADD's fields against its node's. */
static inline int slice_eq(Slice a, Slice b) {
    size_t n = a.len;
    if (n != b.len) return 0;
    if (n >= 8) {
        if (n > 16) return memcmp(a.p, b.p, n) == 0;
        return slice__load64(a.p) == slice__load64(b.p) &&
               slice__load64(a.p + n - 8) == slice__load64(b.p + n - 8);
    }
    if (n >= 4)
        return slice__load32(a.p) == slice__load32(b.p) &&
               slice__load32(a.p + n - 4) == slice__load32(b.p + n - 4);
    if (n == 0) return 1;
    return a.p[0] == b.p[0] && a.p[n / 2] == b.p[n / 2] && a.p[n - 1] == b.p[n - 1];
}

#endif
