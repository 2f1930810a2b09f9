/*
 * snow.h - a small Snowball machine for the stemmers (ftstem.c,
 * ftstem_more.c).
 *
 * The model is Snowball's: a string p[0..l) of code points and a cursor c.
 * Backward mode works right to left: c starts at the end, a match moves it
 * left, lb is the left limit (a region's start inside "setlimit"), and
 * [bra, ket) is the slice a replacement acts on. pv, p1 and p2 are the
 * regions a stemmer marks (RV, R1, R2). Literals and letter groups are
 * UTF-8 strings of the stemmers' own source.
 */
#ifndef STREAMD_SNOW_H
#define STREAMD_SNOW_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t *p;
    int l, cap;
    int c, lb, bra, ket;
    int pv, p1, p2;
} Snow;

/* One string of a Snowball "among": g is the group of the definition it
 * belongs to (what the caller switches on), never 0. */
typedef struct {
    const char *s;
    int g;
} SnowAm;

/* A stemmer's program: runs over z, which holds the decoded word. */
typedef void (*SnowAlgo)(Snow *z);

/* Runs f over the UTF-8 word w[0..len); returns the result owned (xfree()),
 * its length in *out_len (a word that is not UTF-8 comes back unchanged). */
char *snow_run(SnowAlgo f, const char *w, size_t len, size_t *out_len);

/* Decodes the literal s into out (at most 16 code points); returns the count. */
int snow_lit(const char *s, uint32_t *out);
/* Whether code point c is one of the letters of the UTF-8 string g. */
int snow_in_g(uint32_t c, const char *g);
/* Replaces [a, b) with the literal s; the cursor follows as in Snowball. */
void snow_replace(Snow *z, int a, int b, const char *s);
/* Replaces each letter of from by the one at the same place in to. */
void snow_map_letters(Snow *z, const char *from, const char *to);
/* "<- s" and "delete": replaces the slice [bra, ket). */
void snow_slice_from(Snow *z, const char *s);
void snow_slice_del(Snow *z);

/* Backward mode. The literal s before the cursor (moves over it). */
int snow_eq_b(Snow *z, const char *s);
/* The letter before the cursor is (in) or is not (out) in g (moves over it). */
int snow_in_b(Snow *z, const char *g);
int snow_out_b(Snow *z, const char *g);
/* "substring among": the longest of a[0..n) ending at the cursor; its group or 0. */
int snow_among_b(Snow *z, const SnowAm *a, size_t n);
/* "[substring] among": the same, setting the slice to the match. */
int snow_slice_among(Snow *z, const SnowAm *a, size_t n);
/* The same with the left limit at p (0 when the cursor is before p). */
int snow_slice_among_from(Snow *z, int p, const SnowAm *a, size_t n);
/* "[ 's' ]": the literal s as the slice. */
int snow_slice_eq(Snow *z, const char *s);
/* "setlimit tomark at for f": runs f with lb at at (0 when c < at). */
int snow_with_limit(Snow *z, int at, int (*f)(Snow *));
/* The cursor is inside R1 / R2. */
int snow_r1(const Snow *z);
int snow_r2(const Snow *z);

/* Forward mode. "gopast g" (in = 1) or "gopast non-g" (in = 0) from i: the
 * position after the first such letter, or -1. */
int snow_gopast(const Snow *z, int i, const char *g, int in);
/* RV (z->pv) as the Romance languages and Basque mark it (v: the vowels). */
void snow_mark_rv(Snow *z, const char *v);
/* R1 and R2 as most algorithms mark them (v: the vowels). */
void snow_mark_r1r2(Snow *z, const char *v);

#define SNOW_AMONG(z, a)       snow_among_b((z), (a), sizeof(a) / sizeof((a)[0]))
#define SNOW_SLICE_AMONG(z, a) snow_slice_among((z), (a), sizeof(a) / sizeof((a)[0]))

#endif
