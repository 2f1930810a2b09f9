/*
 * snow.c - a small Snowball machine: the few operations of the Snowball
 * string-processing language that the stemmers of ftstem.c and ftstem_more.c
 * are written in (see snow.h for the model).
 *
 * Design. Snowball's published stemmers are short programs over a string
 * with a cursor; rather than translating each program into hand-made string
 * code, the stemmers call these operations in the order of their
 * definitions, so each stays recognisable next to its description. The
 * string is an array of Unicode code points decoded from the UTF-8 word,
 * which makes a "letter" one array slot in every alphabet (Latin, Greek,
 * Cyrillic, Arabic, Devanagari, ...). A word that is not valid UTF-8, or is
 * longer than 4096 bytes, is returned unchanged.
 *
 * Alternatives rejected: linking Snowball's own libstemmer (an external
 * dependency for a few thousand lines), and a table-driven suffix stripper
 * (the algorithms' conditions between steps do not fit a table).
 *
 * Literals are short (at most 16 code points) and letter groups at most 64
 * letters: both are this file's own constants, never client input.
 */
#include "types/snow.h"

#include <stdint.h>
#include <string.h>

#include "base/alloc.h"

/* Decodes the UTF-8 string s (at most max code points); returns the count
 * or -1 when s is not valid UTF-8. */
static int decode(const char *s, size_t len, uint32_t *out, int max) {
    const unsigned char *u = (const unsigned char *)s;
    int n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = u[i], v;
        int k;
        if (c < 0x80) {
            v = c, k = 1;
        } else if ((c & 0xE0) == 0xC0) {
            v = c & 0x1F, k = 2;
        } else if ((c & 0xF0) == 0xE0) {
            v = c & 0x0F, k = 3;
        } else if ((c & 0xF8) == 0xF0) {
            v = c & 0x07, k = 4;
        } else {
            return -1;
        }
        if (i + (size_t)k > len) return -1;
        for (int j = 1; j < k; j++) {
            if ((u[i + j] & 0xC0) != 0x80) return -1;
            v = (v << 6) | (u[i + j] & 0x3F);
        }
        if (n >= max) return -1;
        out[n++] = v;
        i += (size_t)k;
    }
    return n;
}

/* Decodes a literal of this file (short, valid UTF-8). */
int snow_lit(const char *s, uint32_t *out) {
    return decode(s, strlen(s), out, 16);
}

static size_t encode(const uint32_t *p, int n, char *out) {
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = p[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else if (c < 0x800) {
            out[k++] = (char)(0xC0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[k++] = (char)(0xE0 | (c >> 12));
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[k++] = (char)(0xF0 | (c >> 18));
            out[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return k;
}

/* Whether code point c is one of the letters of the UTF-8 string g. */
int snow_in_g(uint32_t c, const char *g) {
    uint32_t t[64];
    int n = decode(g, strlen(g), t, 64);
    for (int i = 0; i < n; i++)
        if (t[i] == c) return 1;
    return 0;
}

/* Replaces [a, b) with the literal s; the cursor and the slice follow as in
 * Snowball (a cursor past the slice moves with the text after it). */
void snow_replace(Snow *z, int a, int b, const char *s) {
    uint32_t t[16];
    int n = snow_lit(s, t);
    int adj = n - (b - a);
    if (z->l + adj > z->cap) {
        z->cap = z->l + adj + 16;
        z->p = xrealloc(z->p, (size_t)z->cap * sizeof(uint32_t));
    }
    memmove(z->p + b + adj, z->p + b, (size_t)(z->l - b) * sizeof(uint32_t));
    memcpy(z->p + a, t, (size_t)n * sizeof(uint32_t));
    z->l += adj;
    if (z->c >= b)
        z->c += adj;
    else if (z->c > a)
        z->c = a;
}

void snow_slice_from(Snow *z, const char *s) {
    uint32_t t[16];
    snow_replace(z, z->bra, z->ket, s);
    z->ket = z->bra + snow_lit(s, t);
}

void snow_slice_del(Snow *z) {
    snow_slice_from(z, "");
}

/* ---- backward mode ---- */

/* The literal s just before the cursor (not left of lb): moves over it. */
int snow_eq_b(Snow *z, const char *s) {
    uint32_t t[16];
    int n = snow_lit(s, t);
    if (z->c - z->lb < n) return 0;
    for (int i = 0; i < n; i++)
        if (z->p[z->c - n + i] != t[i]) return 0;
    z->c -= n;
    return 1;
}

/* The letter before the cursor is (in_b) or is not (out_b) in g. */
int snow_in_b(Snow *z, const char *g) {
    if (z->c <= z->lb || !snow_in_g(z->p[z->c - 1], g)) return 0;
    z->c--;
    return 1;
}

int snow_out_b(Snow *z, const char *g) {
    if (z->c <= z->lb || snow_in_g(z->p[z->c - 1], g)) return 0;
    z->c--;
    return 1;
}

/* Snowball's "substring ... among": the longest of the n suffixes that ends
 * at the cursor (and starts at lb or after); moves the cursor to its start
 * and returns its group, or returns 0. */
int snow_among_b(Snow *z, const SnowAm *a, size_t n) {
    int best = -1, best_len = -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t t[16];
        int k = snow_lit(a[i].s, t);
        if (k <= best_len || z->c - z->lb < k) continue;
        int ok = 1;
        for (int j = 0; j < k && ok; j++) ok = z->p[z->c - k + j] == t[j];
        if (ok) best = (int)i, best_len = k;
    }
    if (best < 0) return 0;
    z->c -= best_len;
    return a[best].g;
}

/* "[substring] among": ket at the cursor, the match, bra at its start. */
int snow_slice_among(Snow *z, const SnowAm *a, size_t n) {
    z->ket = z->c;
    int g = snow_among_b(z, a, n);
    z->bra = z->c;
    return g;
}

/* "[ 's' ]": the literal s as the slice. */
int snow_slice_eq(Snow *z, const char *s) {
    z->ket = z->c;
    if (!snow_eq_b(z, s)) return 0;
    z->bra = z->c;
    return 1;
}

/* ---- forward mode ---- */

/* Snowball's "gopast g" (in = 1) and "gopast non-g" (in = 0) from i: the
 * position after the first letter that is (not) in g, or -1. */
int snow_gopast(const Snow *z, int i, const char *g, int in) {
    for (; i < z->l; i++)
        if (snow_in_g(z->p[i], g) == in) return i + 1;
    return -1;
}

/* p1 and p2 as most algorithms mark them: after the first non-vowel that
 * follows a vowel, from the start and then from p1. */
void snow_mark_r1r2(Snow *z, const char *v) {
    z->p1 = z->p2 = z->l;
    int i = snow_gopast(z, 0, v, 1);
    if (i < 0 || (i = snow_gopast(z, i, v, 0)) < 0) return;
    z->p1 = i;
    if ((i = snow_gopast(z, i, v, 1)) < 0 || (i = snow_gopast(z, i, v, 0)) < 0) return;
    z->p2 = i;
}

int snow_r1(const Snow *z) {
    return z->p1 <= z->c;
}
int snow_r2(const Snow *z) {
    return z->p2 <= z->c;
}

/* Runs f with lb at pV (Snowball's "setlimit tomark pV for"). */
int snow_with_limit(Snow *z, int at, int (*f)(Snow *)) {
    if (z->c < at) return 0;
    int lb = z->lb;
    z->lb = at;
    int r = f(z);
    z->lb = lb;
    return r;
}

char *snow_run(SnowAlgo f, const char *w, size_t len, size_t *out_len) {
    Snow z;
    memset(&z, 0, sizeof z);
    z.cap = (int)len + 16;
    z.p = xmalloc((size_t)z.cap * sizeof(uint32_t));
    int n = len <= 4096 ? decode(w, len, z.p, (int)len) : -1;
    char *out;
    if (n < 0) {
        out = xmalloc(len + 1);
        memcpy(out, w, len);
        *out_len = len;
    } else {
        z.l = n;
        f(&z);
        out = xmalloc((size_t)z.l * 4 + 1);
        *out_len = encode(z.p, z.l, out);
    }
    out[*out_len] = '\0';
    xfree(z.p);
    return out;
}

/* Replaces each letter of from (code points) by the one at the same place
 * in to (at most 16 letters). */
void snow_map_letters(Snow *z, const char *from, const char *to) {
    uint32_t f[32], t[32];
    int n = snow_lit(from, f);
    snow_lit(to, t);
    for (int i = 0; i < z->l; i++)
        for (int j = 0; j < n; j++)
            if (z->p[i] == f[j]) z->p[i] = t[j];
}

/* The RV region of the Romance languages: after the third letter when the
 * second is a consonant followed by a vowel later... see the definitions:
 * if the first two letters are vowels or consonant+consonant, after the
 * next letter of the other kind; for a consonant then a vowel, after the
 * third letter. */
void snow_mark_rv(Snow *z, const char *v) {
    z->pv = z->l;
    if (z->l < 2) return;
    int v0 = snow_in_g(z->p[0], v), v1 = snow_in_g(z->p[1], v), i;
    if (v0 && !v1)
        i = snow_gopast(z, 2, v, 1); /* v non-v gopast v */
    else if (v0 && v1)
        i = snow_gopast(z, 2, v, 0); /* v v gopast non-v */
    else if (!v0 && !v1)
        i = snow_gopast(z, 2, v, 1); /* non-v non-v gopast v */
    else
        i = z->l >= 3 ? 3 : -1; /* non-v v next */
    if (i >= 0) z->pv = i;
}

/* The substring search of "setlimit tomark p for ([substring]) among":
 * the suffix must start at p or after; the action runs without the limit. */
int snow_slice_among_from(Snow *z, int p, const SnowAm *a, size_t n) {
    if (z->c < p) return 0;
    int lb = z->lb;
    z->lb = p;
    int g = snow_slice_among(z, a, n);
    z->lb = lb;
    return g;
}
