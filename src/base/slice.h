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

static inline int slice_eq(Slice a, Slice b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#endif
