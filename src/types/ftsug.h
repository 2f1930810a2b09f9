/*
 * ftsug.h - an auto-complete suggestion dictionary (FT.SUGADD / FT.SUGGET's
 * key type): strings with a score and an optional payload, searched by
 * prefix, exactly or within one edit, case-insensitively, ranked as
 * RediSearch ranks completions. See ftsug.c for the design.
 *
 * No server state: the command family (src/cmd/ftsug.c) owns the keys.
 */
#ifndef STREAMD_TYPES_FTSUG_H
#define STREAMD_TYPES_FTSUG_H

#include <stddef.h>
#include <stdint.h>

typedef struct SugTrie SugTrie;

/* RediSearch's limits: a string of more than SUG_MAX_BYTES bytes, or of
 * SUG_MAX_CHARS characters or more, or of none, is not stored; a query of
 * SUG_QUERY_MAX_BYTES bytes or more, or of more than SUG_QUERY_MAX_CHARS
 * characters, is refused. */
#define SUG_MAX_BYTES       510
#define SUG_MAX_CHARS       255
#define SUG_QUERY_MAX_BYTES 200
#define SUG_QUERY_MAX_CHARS 100

/* One stored suggestion, as the iterators and searches show it: views
 * valid until the next change of the trie. */
typedef struct SugEntryView {
    const char *str;
    size_t len;
    float score;         /* the stored score, or the ranked one in a search result */
    const char *payload; /* NULL when none */
    size_t payload_len;
} SugEntryView;

/* Returns an owned, empty trie; free with sug_free(). */
SugTrie *sug_new(void);
void sug_free(SugTrie *t);
/* Returns an owned deep copy (same order of insertion). */
SugTrie *sug_dup(const SugTrie *t);
size_t sug_len(const SugTrie *t);
/* Bytes the trie holds (MEMORY USAGE). */
size_t sug_mem_bytes(const SugTrie *t);

/* Adds s (borrowed) with score, or updates it: its score replaced, or
 * increased by score when incr; a payload (borrowed) of one byte or more
 * replaces the stored one, none keeps it. Returns 1 when s was new, 0 when
 * it was updated or is not storable (see the limits above). */
int sug_add(SugTrie *t, const char *s, size_t len, double score, int incr, const char *payload,
            size_t payload_len);
/* Whether s is within the limits above (sug_add() stores it). */
int sug_storable(const char *s, size_t len);
/* Removes s; 1 when it was there. */
int sug_del(SugTrie *t, const char *s, size_t len);

/* Calls fn on every entry in insertion order (the order files keep). */
void sug_foreach(const SugTrie *t, void (*fn)(void *priv, const SugEntryView *e), void *priv);

/* The case-folded code points of s into out (room for max): their count,
 * or max + 1 when there are more (the suggestions' folding, which
 * FT.SPELLCHECK shares). */
size_t sug_fold_text(const char *s, size_t len, uint32_t *out, size_t max);
/* Characters of a query after case folding; SUG_QUERY_MAX_CHARS + 1 at most. */
size_t sug_query_chars(const char *q, size_t len);

/*
 * The best num completions of the query q (borrowed): entries whose folded
 * text starts with the folded query, or (max_dist 1) with a string within
 * one edit of it, ranked by RediSearch's score (see ftsug.c), best first,
 * ties in insertion order; with trim, those under a tenth of a better
 * score are dropped. Writes up to num views to out (caller-allocated) and
 * returns the count.
 */
size_t sug_search(const SugTrie *t, const char *q, size_t len, int max_dist, size_t num, int trim,
                  SugEntryView *out);

#endif
