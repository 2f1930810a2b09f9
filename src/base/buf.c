/*
 * buf.c - growable byte buffers.
 *
 * Growth doubles up to 1 MiB and then grows by half, so a large reply does
 * not reserve twice its size and is not copied O(n^2) bytes as it grows.
 * buf_reserve_exact() is for a reader that knows how much is coming: it
 * grows to exactly the announced size. Callers enforce their own maxima
 * (query buffer limit, bulk length) before appending; the buffer only grows (a client's idle one is
 * freed whole: client_trim_idle_buffers()).
 */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"

void buf_init(Buf *b) {
    b->p = NULL;
    b->len = b->cap = b->off = 0;
}

void buf_free(Buf *b) {
    xfree(b->p);
    buf_init(b);
}

/* Moves the live bytes to the start of the block (drops a consumed prefix
 * now). Borrows b. */
void buf_compact(Buf *b) {
    if (b->off == 0) return;
    memmove(b->p, b->p + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
}

void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    if (b->off > 0 && b->off >= b->len / 2) {
        buf_compact(b);
        if (b->len + extra <= b->cap) return;
    }
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    /* Geometric past 1 MB too (by half): growing by a fixed step made a reply
     * of n MB copy O(n^2) MB as it grew. */
    while (cap < need) cap += cap < (1u << 20) ? cap : cap / 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

/* Room for extra more bytes after the live data, growing to exactly that and
 * not geometrically: for a reader that knows how much is coming (a big
 * argument of a known length), so the buffer is sized once and nothing is
 * reserved past the end of what will arrive. A consumed prefix is dropped
 * when the bytes do not fit after it: the live bytes are copied once, into
 * the new block when the buffer must grow (realloc would copy the dead
 * prefix too). Borrows b. */
void buf_reserve_exact(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t live = b->len - b->off;
    if (b->off > 0) {
        if (live + extra <= b->cap) {
            buf_compact(b);
            return;
        }
        char *p = xmalloc(live + extra);
        if (live) memcpy(p, b->p + b->off, live);
        xfree(b->p);
        b->p = p;
        b->cap = live + extra;
        b->off = 0;
        b->len = live;
        return;
    }
    b->p = xrealloc(b->p, b->len + extra);
    b->cap = b->len + extra;
}

void buf_append(Buf *b, const void *p, size_t n) {
    if (n == 0) return;
    buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void buf_append_cstr(Buf *b, const char *s) {
    buf_append(b, s, strlen(s));
}

void buf_append_char(Buf *b, char ch) {
    buf_reserve(b, 1);
    b->p[b->len++] = ch;
}

size_t ll_to_str(long long v, char *dst) {
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t i = 0;
    if (v < 0) dst[i++] = '-';
    i += num_fmt_u64(u, dst + i);
    dst[i] = '\0';
    return i;
}

void buf_append_ll(Buf *b, long long v) {
    buf_reserve(b, 24);
    b->len += ll_to_str(v, b->p + b->len);
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap) {
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n <= 0) return;
    buf_reserve(b, (size_t)n + 1);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_consume(Buf *b, size_t n) {
    b->off += n;
    if (b->off >= b->len) {
        b->off = b->len = 0;
    }
}

void buf_clear(Buf *b) {
    b->len = b->off = 0;
}

/* Appends the len bytes at p in double quotes, escaped as Redis quotes a
 * string (sdscatrepr: \\ \" \n \r \t \a \b, other bytes outside
 * 0x20-0x7e as \xhh): MONITOR lines, AOF manifest names. */
void buf_append_repr(Buf *b, const char *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, len * 4 + 2);
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        char esc = 0;
        switch (ch) {
        case '\\':
            esc = '\\';
            break;
        case '"':
            esc = '"';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        case '\a':
            esc = 'a';
            break;
        case '\b':
            esc = 'b';
            break;
        default:
            break;
        }
        if (esc) {
            *o++ = '\\';
            *o++ = esc;
        } else if (ch >= 0x20 && ch <= 0x7e) {
            *o++ = (char)ch;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}
