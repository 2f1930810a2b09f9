/*
 * buf.h - growable byte buffers with a hard maximum.
 *
 * A Buf owns its bytes. Appends grow it geometrically; buf_consume() drops a
 * prefix lazily (an offset moves) and compacts only when the dead prefix is
 * large, so a query buffer that is parsed a command at a time does not
 * memmove on every command.
 */
#ifndef STREAMD_BUF_H
#define STREAMD_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *p;
    size_t len; /* bytes in use, from p */
    size_t cap;
    size_t off; /* consumed prefix: live data is p[off..len) */
} Buf;

void buf_init(Buf *b);
void buf_free(Buf *b);
void buf_reserve(Buf *b, size_t extra);
void buf_reserve_exact(Buf *b, size_t extra);
void buf_compact(Buf *b);
void buf_append(Buf *b, const void *p, size_t n);
void buf_append_cstr(Buf *b, const char *s);
/* The bytes quoted and escaped as Redis quotes a string (MONITOR, manifest). */
void buf_append_repr(Buf *b, const char *p, size_t len);
void buf_append_char(Buf *b, char ch);
void buf_append_ll(Buf *b, long long v);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_consume(Buf *b, size_t n);
void buf_clear(Buf *b);
static inline size_t buf_live(const Buf *b) {
    return b->len - b->off;
}
static inline const char *buf_data(const Buf *b) {
    return b->p + b->off;
}
/* Formats v in decimal into dst (>= 21 bytes); returns the length. */
size_t ll_to_str(long long v, char *dst);

#endif
