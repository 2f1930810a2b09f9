/*
 * ftstem.h - Snowball stemmers for the query engine's languages other than
 * English (English's Porter2 lives in fttext.c).
 */
#ifndef STREAMD_FTSTEM_H
#define STREAMD_FTSTEM_H

#include <stddef.h>

/* A stemmer: stems the lowercase UTF-8 word w[0..len) and returns the stem
 * owned (xfree()), its length in *out_len. */
typedef char *(*FtStemFn)(const char *w, size_t len, size_t *out_len);

/* The stemmer of a language name (case insensitive: "french", "german",
 * ...), or NULL when the language has none here (english: see fttext.h). */
FtStemFn ftstem_find(const char *language);

#endif
