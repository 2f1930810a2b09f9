/*
 * fthl.h - FT.SEARCH's HIGHLIGHT and SUMMARIZE over one field's text.
 *
 * The caller (the search command) collects the terms a result matched
 * (fthl_terms_from_query() takes them from the parsed query: terms, their
 * stem expansions, affixes) and asks for one field at a time. The text is
 * cut into terms with the indexer's tokenizer (fttext.h); matching terms
 * are grouped into fragments as RediSearch's fragmenter groups them (a
 * match more than 8 terms after the previous one starts a new fragment),
 * then either the whole text is returned with matches wrapped in the tags
 * (HIGHLIGHT alone), or the best fragments with some context around them,
 * in text order, each followed by the separator (SUMMARIZE).
 */
#ifndef STREAMD_TYPES_FTHL_H
#define STREAMD_TYPES_FTHL_H

#include <stddef.h>

#include "base/buf.h"
#include "types/ftquery.h"

struct FtStopwords;

typedef struct FthlTerms FthlTerms;

/* Returns an empty owned term set; free with fthl_terms_free(). */
FthlTerms *fthl_terms_new(void);
void fthl_terms_free(FthlTerms *t);
/* Adds a lowercase term (or a "+stem" form) with its score (fragments are
 * ranked by the sum of the scores of the distinct terms they hold). */
void fthl_terms_add(FthlTerms *t, const char *term, size_t len, double score);
/* Adds an affix: a text term matches if it starts with (is_prefix), ends
 * with (is_suffix) or contains (both) the lowercase fixed part. */
void fthl_terms_add_affix(FthlTerms *t, const char *fixed, size_t len, int is_prefix,
                          int is_suffix);
/* Adds the terms of a parsed query that apply to the TEXT field with bit
 * field_bit (0: any field): tokens and their expansions, affixes; terms
 * under a NOT are skipped. Borrows root. */
void fthl_terms_from_query(FthlTerms *t, const FtqNode *root, FtqFieldMask field_bit);
size_t fthl_terms_count(const FthlTerms *t);

typedef struct FthlOptions {
    const char *open_tag; /* HIGHLIGHT's tags; NULL for SUMMARIZE without HIGHLIGHT */
    const char *close_tag;
    int summarize;                       /* SUMMARIZE given */
    size_t frags;                        /* FRAGS (default 3) */
    size_t frag_len;                     /* LEN, context words (default 20) */
    const char *separator;               /* SEPARATOR (default "... ") */
    const struct FtStopwords *stopwords; /* the index's list; NULL: default */
    int min_stem_len;                    /* the index's stemming minimum; 0: 4 */
} FthlOptions;

#define FTHL_DEFAULT_FRAGS     3
#define FTHL_DEFAULT_LEN       20
#define FTHL_DEFAULT_SEPARATOR "... "
#define FTHL_DEFAULT_OPEN      "<b>"
#define FTHL_DEFAULT_CLOSE     "</b>"

/* Renders text[0..len) (borrowed) per opt into out. Returns 1 when out
 * holds the field's new value, 0 when the field is to be returned as it is
 * (HIGHLIGHT only, and nothing matched). */
int fthl_render(const char *text, size_t len, const FthlTerms *terms, const FthlOptions *opt,
                Buf *out);

#endif
