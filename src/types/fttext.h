/*
 * fttext.h - text as the query engine sees it: documents cut into terms
 * (the tokenizer), terms case-folded, stop words, and the English stemmer.
 *
 * The tokenizer does what RediSearch does at index time: separators are
 * whitespace and the punctuation  ,./(){}[]:;~!@#$%^&*-=+|'`"<>?  (a
 * backslash before a separator makes it part of the term), spaces/tabs and
 * control characters inside a term are dropped, an unescaped backslash is
 * dropped, the rest is lowercased (ASCII and the common UTF-8 scripts:
 * Latin-1, Latin Extended-A, Greek, Cyrillic), and a term is cut to its
 * first 128 bytes. Stop words are skipped and do not take a position.
 *
 * The stemmer is Snowball's English (Porter2) stemmer. RediSearch indexes,
 * next to a term whose stem differs, the stem with a '+' in front
 * ("running" -> "running" and "+run"), and a query term is expanded to
 * itself, "+stem" and the stem when it differs; ftt_stem_term() gives that
 * representation so the indexer and the query parser agree.
 */
#ifndef STREAMD_TYPES_FTTEXT_H
#define STREAMD_TYPES_FTTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The longest term kept, in bytes (longer ones are cut). */
#define FTT_MAX_TERM_BYTES 128
/* Terms shorter than this are not stemmed (RediSearch's default). */
#define FTT_DEFAULT_MIN_STEM_LEN 4

/* ---- stop words ---- */

typedef struct FtStopwords FtStopwords;

/* The default English list (RediSearch's 33 words), in its order. */
const char *const *ftt_default_stopwords(size_t *n);
/* Returns an owned list of n words (each words[i] of lens[i] bytes,
 * borrowed; stored lowercased); free with ftt_stopwords_free(). n == 0
 * gives an empty list (STOPWORDS 0). */
FtStopwords *ftt_stopwords_new(const char *const *words, const size_t *lens, size_t n);
void ftt_stopwords_free(FtStopwords *sw);
/* Whether w[0..len) (already lowercased) is in sw; sw NULL means the
 * default list. */
int ftt_is_stopword(const FtStopwords *sw, const char *w, size_t len);
/* The words of sw (NULL: the default list) in the order given; the array
 * is borrowed from sw. */
const char *const *ftt_stopwords_words(const FtStopwords *sw, size_t *n);

/* ---- case folding and escapes ---- */

/* Appends to dst (capacity cap) the lowercase form of s[0..len) (UTF-8;
 * invalid bytes kept); returns the length it needs (may exceed cap; then
 * dst holds a prefix). */
size_t ftt_lower(const char *s, size_t len, char *dst, size_t cap);
/* Returns an owned NUL-terminated lowercased copy (xfree()). */
char *ftt_lower_dup(const char *s, size_t len, size_t *out_len);
/* Removes in place each backslash that precedes punctuation or
 * whitespace; returns the new length. */
size_t ftt_unescape(char *s, size_t len);

/* ---- the tokenizer ---- */

typedef struct FttToken {
    const char *term; /* normalized term, valid until the next ftt_next() */
    size_t term_len;
    const char *raw; /* the term's bytes in the text (borrowed from the text) */
    size_t raw_len;
    size_t raw_off;    /* offset of raw in the text */
    uint32_t position; /* 1-based position among the kept terms */
} FttToken;

typedef struct FttTokenizer {
    const char *text;
    size_t len, pos;
    uint32_t position;
    const FtStopwords *stopwords; /* NULL: default list */
    int skip_stopwords;
    char buf[FTT_MAX_TERM_BYTES * 3 + 8];
} FttTokenizer;

/* Starts tokenizing text[0..len) (borrowed until done). stopwords NULL
 * means the default list; skip_stopwords 0 keeps them. */
void ftt_tokenizer_init(FttTokenizer *t, const char *text, size_t len, const FtStopwords *stopwords,
                        int skip_stopwords);
/* Fills *tok with the next term; returns 0 at the end. */
int ftt_next(FttTokenizer *t, FttToken *tok);

/* ---- the stemmer ---- */

/* Stems the lowercase word w[0..len) with Snowball English (Porter2):
 * writes the stem to out (capacity cap, NUL-terminated if room) and
 * returns its length (always <= len for English, so cap = len + 1 is
 * enough). Words that are not plain ASCII letters are returned as is. */
size_t ftt_stem(const char *w, size_t len, char *out, size_t cap);
/* The "+stem" form RediSearch indexes next to term w (lowercase) when the
 * stem differs from w and w has at least min_len bytes (0 means 4):
 * returns an owned NUL-terminated "+stem" (xfree()) and its length in
 * *out_len, or NULL when nothing is to be added. */
char *ftt_stem_term(const char *w, size_t len, int min_len, size_t *out_len);
/* Whether a language name (case insensitive; NULL is english) has a
 * stemmer: english and the Snowball languages of ftstem.h; the others
 * (chinese, ...) are indexed and searched unstemmed. */
int ftt_language_has_stemmer(const char *language);
/* The stem of the lowercase word w[0..len) in language (NULL: english):
 * returns it owned (xfree()), its length in *out_len, or NULL when the
 * language has no stemmer. */
char *ftt_stem_lang(const char *language, const char *w, size_t len, size_t *out_len);
/* ftt_stem_term() with the stemmer of language (NULL: english); NULL too
 * when the language has no stemmer. */
char *ftt_stem_term_lang(const char *language, const char *w, size_t len, int min_len,
                         size_t *out_len);

/* ---- matching helpers for the query side ---- */

/* The Levenshtein distance between a[0..alen) and b[0..blen) counted in
 * UTF-8 code points, or max + 1 if it exceeds max (fuzzy %terms% allow up
 * to 3). */
size_t ftt_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t max);
/* Whether s[0..slen) matches the w'...' pattern p[0..plen): '*' any run,
 * '?' one byte, a backslash makes the next byte literal. */
int ftt_wildcard_match(const char *p, size_t plen, const char *s, size_t slen);

/* A TAG field value cut at sep the way RediSearch indexes it: each piece
 * without surrounding whitespace, lowercased unless case_sensitive; empty
 * pieces are skipped unless keep_empty (INDEXEMPTY). Returns an owned array
 * of *n owned NUL-terminated values (lengths in *lens, owned); free with
 * ftt_tags_free(). */
char **ftt_tags_split(const char *s, size_t len, char sep, int case_sensitive, int keep_empty,
                      size_t **lens, size_t *n);
void ftt_tags_free(char **tags, size_t *lens, size_t n);

#endif
