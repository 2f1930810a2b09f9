/*
 * ftindex.h - the query engine's indexes (FT.CREATE ... FT.SEARCH): what
 * the other parts of the engine (FT.AGGREGATE's pipeline, the vector
 * indexes) need from an index.
 *
 * An index covers the hashes (or JSON documents) of one database whose keys
 * start with one of its prefixes. Each indexed key is a document with a
 * document id (FtDocId): ids are handed out in increasing order and never
 * reused, and a document that changes gets a new id (its old id becomes
 * dead), so a list of ids taken from a query stays meaningful: an id whose
 * document went away simply no longer resolves (ftindex_doc_key() fails).
 *
 * Handles (FtIndex *) are owned by the registry in ftindex.c; a handle is
 * valid until the index is dropped, i.e. for the length of one command. Do
 * not keep one across commands: look the index up again by name.
 */
#ifndef STREAMD_FTINDEX_H
#define STREAMD_FTINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"

typedef uint32_t FtDocId; /* 0 is never a document */

typedef struct FtIndex FtIndex;

/* The index named name (or an alias of it), NULL when there is none.
 * Pending keyspace changes are applied to it first, so what it answers is
 * up to date with the keyspace. */
FtIndex *ftindex_lookup(Slice name);
/* The name the index was created with (a view valid while it exists). */
Slice ftindex_name(const FtIndex *ix);
/* The database index (0..) whose keys the index covers. */
int ftindex_db(const FtIndex *ix);
/* Whether it indexes JSON documents (ON JSON) rather than hashes. */
int ftindex_is_json(const FtIndex *ix);

/* The key of document id: 1 with *key a view valid until the next change
 * of the index (the next write command), 0 when the id is dead. */
int ftindex_doc_key(const FtIndex *ix, FtDocId id, Slice *key);
/* The score given to the document (SCORE / SCORE_FIELD; 1.0 by default). */
double ftindex_doc_score(const FtIndex *ix, FtDocId id);

/* Schema attributes, in schema order. */
size_t ftindex_n_fields(const FtIndex *ix);
/* The attribute name (AS name, else the identifier) and the identifier (the
 * hash field or JSON path) of field i: views valid while the index exists. */
Slice ftindex_field_name(const FtIndex *ix, size_t i);
Slice ftindex_field_path(const FtIndex *ix, size_t i);
/* Field i's type: one of FT_FIELD_*. */
int ftindex_field_type(const FtIndex *ix, size_t i);
/* Whether field i is SORTABLE, and whether its sort form is the value as
 * given (UNF; always for NUMERIC, JSON and CASESENSITIVE tags) rather than
 * lower-cased. */
int ftindex_field_is_sortable(const FtIndex *ix, size_t i);
int ftindex_field_is_unf(const FtIndex *ix, size_t i);
/* The field whose attribute name (or identifier) is name, -1 when none. */
int ftindex_field_find(const FtIndex *ix, Slice name);
enum {
    FT_FIELD_TEXT = 0,
    FT_FIELD_TAG,
    FT_FIELD_NUMERIC,
    FT_FIELD_GEO,
    FT_FIELD_GEOSHAPE,
    FT_FIELD_VECTOR,
};

/* What a load gives. */
enum { FT_VAL_NONE = 0, FT_VAL_STR = 1, FT_VAL_NUM = 2 };

/* Loads the value called name of document id from the keyspace as it is
 * now: name is an attribute name of the schema (its identifier is read), a
 * hash field name, or (for JSON) a JSON path ("$.a.b"). Appends the value's
 * text to out (a JSON string unquoted, a JSON number, array or object as
 * JSON text; hash values as stored) and returns FT_VAL_STR, or FT_VAL_NUM
 * with *num set as well when the value is a NUMERIC attribute or a JSON
 * number; FT_VAL_NONE (out unchanged) when the document or the value is
 * missing. */
int ftindex_doc_load(FtIndex *ix, FtDocId id, Slice name, Buf *out, double *num);

/* Visits every field of a hash document (LOAD *, RETURN of everything), or
 * for JSON the whole document once, named "$", as JSON text. The views are
 * valid during the call only. Returns 0, or -1 when the id is dead. */
typedef void (*FtFieldVisitFn)(void *priv, Slice name, Slice value);
int ftindex_doc_foreach(FtIndex *ix, FtDocId id, FtFieldVisitFn fn, void *priv);

/* A KNN / VECTOR_RANGE clause's distance for a document of the last
 * ftindex_query() on ix, under the name the query yields it as (AS d,
 * $YIELD_DISTANCE_AS, or __<field>_score): 1 with *dist, 0 when the query
 * yields no such name or the document has no distance. */
int ftindex_query_yield(const FtIndex *ix, Slice name, FtDocId id, double *dist);

/* Running a query. The options that FT.SEARCH and FT.AGGREGATE share. */
typedef struct FtQueryArgs {
    Slice query;         /* the query text */
    int dialect;         /* 1..4; 0: the server's default */
    int verbatim;        /* VERBATIM: no stemming */
    int nostopwords;     /* NOSTOPWORDS */
    const char *scorer;  /* NULL: the default (BM25STD); else a SCORER name */
    const Slice *params; /* PARAMS: n_params name/value pairs, names then values alternating */
    size_t n_params;
    double timeout_ms; /* 0: none; negative: search-timeout (ftexec.h) */
    Slice language;    /* LANGUAGE (a valid name) for stemming; len 0: the index's */
} FtQueryArgs;

typedef struct FtResult {
    FtDocId id;
    double score;
} FtResult;

typedef struct FtResults {
    FtResult *v; /* owned; in document id order unless the query sorts (KNN: by distance) */
    size_t n, cap;
} FtResults;

/* Runs args->query against ix: every matching live document with its score.
 * Returns 0, or -1 with a RediSearch error text (without the "-") in *err,
 * a static or thread-local string valid until the next call. Free out with
 * ftresults_free(). */
int ftindex_query(FtIndex *ix, const FtQueryArgs *args, FtResults *out, const char **err);
void ftresults_free(FtResults *r);

/* Terms of the index's dictionary (FT.SPELLCHECK): calls fn on every term
 * with the number of live documents holding it (an upper bound: dead ones
 * are swept lazily). */
typedef void (*FtTermVisitFn)(void *priv, Slice term, uint64_t n_docs);
void ftindex_foreach_term(FtIndex *ix, FtTermVisitFn fn, void *priv);
/* The same, for the terms some live document holds in one of the TEXT
 * fields of mask (a query's field mask; UINT64_MAX: any field); n_docs
 * still counts all of the term's documents. */
void ftindex_foreach_term_in(FtIndex *ix, uint64_t mask, FtTermVisitFn fn, void *priv);

/* INFO's "search" sections (Redis 8's INFO SEARCH / INFO EVERYTHING), in
 * "# search_<section>" / "search_<field>:<value>" lines, appended to out. */
void ftindex_info_search(Buf *out);

#endif
