/*
 * ftphonetic.h - phonetic codes for TEXT fields with PHONETIC dm:xx: the
 * Double Metaphone algorithm (Lawrence Philips, 2000), primary and
 * alternate codes of at most four characters, as the query engine indexes
 * them next to the words ("<" + code) and expands query terms to them.
 */
#ifndef STREAMD_TYPES_FTPHONETIC_H
#define STREAMD_TYPES_FTPHONETIC_H

#include <stddef.h>

/* The longest code, in characters (RediSearch's implementation cuts there). */
#define FTPH_CODE_MAX 4
/* The first byte of a phonetic term in the index (never a word's: '<' is a
 * separator of the tokenizer). */
#define FTPH_TERM_PREFIX '<'

/* Writes word's Double Metaphone codes (letters A-Z and '0' for "th"),
 * each NUL-terminated in FTPH_CODE_MAX + 1 bytes; either may be empty
 * (a word without letters). Case is ignored; bytes other than ASCII
 * letters carry no sound. */
void ftph_double_metaphone(const char *word, size_t len, char primary[FTPH_CODE_MAX + 1],
                           char alternate[FTPH_CODE_MAX + 1]);

/* The phonetic terms of word as indexed and queried: "<" + primary, and
 * "<" + alternate when it differs and is not empty. Writes them to out[0..1]
 * (each FTPH_CODE_MAX + 2 bytes) and returns how many (0 when the primary
 * code is empty). */
int ftph_terms(const char *word, size_t len, char out[2][FTPH_CODE_MAX + 2]);

#endif
