/*
 * ftspell.h - FT.SPELLCHECK's own part: its options (DISTANCE, TERMS
 * INCLUDE | EXCLUDE dict, FULLSCOREINFO) and its reply (suggestions from
 * the index's terms and the term dictionaries, ranked as RediSearch ranks
 * them). The command itself belongs to the index side (src/cmd/search.c):
 * it looks the index up, parses the query (and DIALECT / PARAMS) and hands
 * the query's terms here, in the order of the query.
 *
 *   FtSpellArgs a;
 *   if (ftspell_parse(c, &a) != 0) return;           (replied the error)
 *   ... index lookup, query parse, terms[] ...
 *   FtSpellIndex ix = {ctx, visit_terms, n_docs};
 *   ftspell_reply(c, &a, terms, n_terms, &ix);
 *   ftspell_args_free(&a);
 */
#ifndef STREAMD_CMD_FTSPELL_H
#define STREAMD_CMD_FTSPELL_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "server/server.h"

#define FTSPELL_MAX_DISTANCE 4

typedef struct FtSpellArgs {
    long long distance; /* 1..FTSPELL_MAX_DISTANCE, default 1 */
    Slice *include;     /* dictionary names (views into the client's argv) */
    size_t n_include;
    Slice *exclude;
    size_t n_exclude;
    int full_score_info; /* FULLSCOREINFO (RediSearch's coordinator flag) */
} FtSpellArgs;

/* Reads DISTANCE, TERMS and FULLSCOREINFO from anywhere in c->argv (as
 * RediSearch looks for them); other words are the caller's. 0, or -1 after
 * replying RediSearch's error. Free a with ftspell_args_free() either way. */
int ftspell_parse(Client *c, FtSpellArgs *a);
void ftspell_args_free(FtSpellArgs *a);

typedef void (*FtSpellTermFn)(void *priv, Slice term, uint64_t n_docs);

/* The index, as spell checking sees it. */
typedef struct FtSpellIndex {
    void *ctx;
    /* Calls fn on every term of the index's dictionary with the number of
     * documents holding it (the views valid during the call only). */
    void (*foreach_term)(void *ctx, FtSpellTermFn fn, void *priv);
    uint64_t n_docs; /* documents in the index */
    /* Optional: the query terms' field masks (parallel to the terms; NULL
     * or UINT64_MAX: any field) and a foreach_term counting only documents
     * holding the term in those fields ("@body:name" is checked against
     * the terms of body). */
    const uint64_t *term_masks;
    void (*foreach_term_in)(void *ctx, uint64_t mask, FtSpellTermFn fn, void *priv);
} FtSpellIndex;

/* Replies FT.SPELLCHECK for the query's terms (borrowed, in query order):
 * "Dict does not exist: <name>" when a TERMS dictionary is missing; else,
 * per term that is neither in the index nor in an EXCLUDE dictionary, the
 * index's terms and the INCLUDE dictionaries' terms within `distance` edits,
 * scored by their share of the index's documents, best first. RESP2:
 * [["TERM", term, [[score, suggestion], ...]], ...]; RESP3:
 * {"results": {term: [{suggestion: score}, ...], ...}}. */
void ftspell_reply(Client *c, const FtSpellArgs *a, const Slice *terms, size_t n_terms,
                   const FtSpellIndex *ix);

#endif
