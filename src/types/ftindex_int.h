/*
 * ftindex_int.h - what the query engine's own files share (ftindex.c: the
 * registry, schemas and the indexing of documents; ftexec.c: running a
 * query; src/cmd/search.c: the FT.* commands). Not for other families: they
 * use ftindex.h.
 *
 * Layout of one index:
 *
 *   FtIndex
 *     fields[]        the schema, in order (attribute, identifier, type, options)
 *     docs[id]        FtDoc* by document id (NULL: dead); ids only grow
 *     keys            Dict key -> FtDoc (live documents)
 *     terms           Dict term -> FtTerm (postings of TEXT fields, in id order)
 *     tags[f]         per TAG field: Dict value -> FtIdList (ids in order)
 *
 * Postings and tag lists are append-only: a changed document is removed
 * (its FtDoc freed, docs[id] = NULL) and added again under a new id, so
 * every list stays sorted by id and intersections are merges. Dead entries
 * stay in the lists until a sweep (ftindex__sweep) drops them, when they
 * outnumber the live documents. NUMERIC and GEO values live in the FtDoc and
 * are filtered by a scan of the live documents.
 */
#ifndef STREAMD_FTINDEX_INT_H
#define STREAMD_FTINDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "server/dict.h"
#include "types/ftindex.h"

struct JsonPath;

enum {
    FTF_SORTABLE = 1u << 0,
    FTF_UNF = 1u << 1,
    FTF_NOINDEX = 1u << 2,
    FTF_NOSTEM = 1u << 3,
    FTF_PHONETIC = 1u << 4,
    FTF_SUFFIXTRIE = 1u << 5,
    FTF_INDEXEMPTY = 1u << 6,
    FTF_INDEXMISSING = 1u << 7,
    FTF_CASESENSITIVE = 1u << 8,
    FTF_GEOFLAT = 1u << 9, /* GEOSHAPE FLAT (else SPHERICAL) */
};

typedef struct FtField {
    char *name; /* attribute (AS), owned */
    size_t name_len;
    char *path; /* identifier: hash field or JSON path, owned */
    size_t path_len;
    struct JsonPath *jp; /* ON JSON: the compiled identifier */
    int type;            /* FT_FIELD_* */
    unsigned flags;      /* FTF_* */
    double weight;       /* TEXT */
    char sep;            /* TAG */
    char phonetic[8];    /* TEXT PHONETIC matcher, "" when none */
    int text_id;         /* TEXT: bit in the field masks, -1 otherwise */
    int slot;            /* TAG: index in FtIndex.tags; others -1 */
    void *vec;           /* VECTOR: the vector index (ftvec), NULL until wired */
    char **vec_args;     /* VECTOR: the attributes as given (FT.INFO), owned */
    int n_vec_args;
} FtField;

/* A document's value of one attribute. */
typedef struct FtDocVal {
    uint32_t n;   /* values (a JSON array may give several); 0: missing */
    double *nums; /* NUMERIC: n; GEO: 2n (lon, lat) */
    char **strs;  /* TAG: n normalised values; TEXT: 1 (the text, for SORTBY) */
    uint32_t *lens;
    uint8_t empty; /* the value was present but empty (INDEXEMPTY) */
} FtDocVal;

typedef struct FtDoc {
    FtDocId id;
    char *key; /* owned */
    uint32_t key_len;
    uint32_t len; /* tokens indexed (BM25's document length) */
    uint32_t max_freq;
    uint32_t n_terms; /* postings written for it (FT.INFO num_records) */
    double score;
    char *payload; /* owned, NULL when none */
    size_t payload_len;
    FtDocVal *vals; /* one per field */
} FtDoc;

typedef struct FtPosting {
    FtDocId id;
    uint32_t freq;
    uint64_t mask;    /* TEXT fields (text_id bits) the term appears in */
    uint32_t pos_off; /* into FtTerm.pos */
    uint32_t n_pos;
} FtPosting;

typedef struct FtTerm {
    FtPosting *v;
    size_t n, cap;
    uint32_t *pos;
    size_t n_pos, cap_pos;
} FtTerm;

typedef struct FtIdList {
    FtDocId *v;
    size_t n, cap;
} FtIdList;

/* One command's arguments in one owned block (argv, then the bytes). */
typedef struct FtCmd {
    int argc;
    Slice *argv;
} FtCmd;

#define FT_PATH_CACHE 8

struct FtIndex {
    char *name;
    size_t name_len;
    int db;
    int on_json;
    char **prefixes;
    size_t *prefix_lens;
    int n_prefixes;
    char *filter; /* FILTER expression text, NULL when none */
    struct FtExpr *filter_expr;
    char *language;
    char *language_field;
    /* ON JSON: language_field compiled once at FT.CREATE (NULL when it is
     * not a valid JSONPath: every document gets the default language) */
    struct JsonPath *language_jp;
    /* ON JSON: JSONPaths that RETURN / LOAD name outside the schema,
     * compiled on first use instead of once per document and field; a few
     * are kept, replaced in turn. A name that does not compile is kept too
     * (jp NULL: no document has a value there). */
    struct {
        char *name; /* NULL: a free entry */
        size_t len;
        struct JsonPath *jp;
    } path_cache[FT_PATH_CACHE];
    unsigned path_cache_next;
    double default_score;
    char *score_field;
    char *payload_field;
    int nooffsets, nohl, nofields, nofreqs, maxtextfields, skipinitialscan;
    long long temporary_s; /* TEMPORARY seconds, 0 when not temporary */
    int64_t last_use_ms;
    int has_custom_stopwords;
    char **stopwords;
    size_t n_stopwords;
    struct FtStopwords *sw; /* fttext's list for the parser; NULL: the default */

    FtField *fields;
    size_t n_fields;
    int n_text; /* TEXT fields with an id */
    int n_tags;

    /* The commands that recreate the definition (FT.CREATE, then each
     * FT.ALTER and FT.SYNUPDATE), as given: the AOF rewrite and the RDB
     * write them again. */
    struct FtCmd *defs;
    size_t n_defs;
    /* Synonym groups (FT.SYNUPDATE): term -> the group ids it is in. */
    Dict *syn;
    char **syn_groups; /* group ids in the order they were made (FT.SYNDUMP) */
    size_t n_syn_groups;

    FtDoc **docs; /* by id; NULL: dead */
    size_t docs_cap;
    FtDocId next_id;
    Dict *keys; /* key -> FtDoc* */
    Dict *terms;
    Dict **tags; /* per TAG slot */
    uint64_t n_docs;
    uint64_t n_dead; /* dead entries left in the lists since the last sweep */
    uint64_t n_records, n_failures;
    uint64_t type_failures[FT_FIELD_VECTOR + 1]; /* failures by the failing field's type */
    uint64_t total_len;                          /* sum of the live documents' lengths */
    uint64_t n_uses;
    uint64_t dialect_uses[5]; /* queries per DIALECT (1..4) */
    char last_error[160];     /* the last indexing failure, "" when none */
    char *last_error_key;
    size_t last_error_key_len;
    uint64_t gc_cycles, gc_collected; /* sweeps, and dead entries they dropped */
    int64_t gc_total_us, gc_last_us;

    /* The yields (vector distances) of the last ftindex_query(). */
    struct FtYield *q_yields;
    size_t n_q_yields;

    /* The scan of the keys that existed at FT.CREATE / FT.ALTER. */
    int scanning;
    uint64_t scan_cursor;
    uint64_t scan_seen;
};

/* Registry (ftindex.c) */
FtIndex *ftindex__find(Slice name); /* by name or alias, without syncing */
/* Applies pending keyspace changes to every index. */
void ftindex_sync(void);
/* Creates an index from FT.CREATE's arguments after the name (argv[0] is the
 * name). 0, or -1 with the RediSearch error in *err (static). db: the
 * database. On success the index exists and its initial scan started. */
int ftindex_create(int db, int argc, const Slice *argv, const char **err);
/* FT.ALTER idx [SKIPINITIALSCAN] SCHEMA ADD ...: argv from the name. */
int ftindex_alter(int argc, const Slice *argv, const char **err);
void ftindex_drop(FtIndex *ix, int delete_docs);
int ftindex_alias_add(Slice alias, FtIndex *ix, const char **err);
int ftindex_alias_del(Slice alias, const char **err);
FtIndex **ftindex_all(size_t *n);
size_t ftindex_aliases_of(const FtIndex *ix, Slice *out, size_t cap);
/* FT.SYNUPDATE: adds terms (already lower-cased) to group gid. */
/* rescan: index the documents again (unless FT.SYNUPDATE's SKIPINITIALSCAN). */
void ftindex_syn_update(FtIndex *ix, Slice gid, const Slice *terms, size_t n, int rescan);
/* Calls fn with "~<group id>" (the term a synonym group is indexed under)
 * for every group word is in; the view is valid during the call only. */
void ftindex__syn_terms(const FtIndex *ix, const char *word, size_t len,
                        void (*fn)(void *priv, const char *term, size_t len), void *priv);
/* A document by id, NULL when dead. */
FtDoc *ftindex__doc(const FtIndex *ix, FtDocId id);
/* Whether d's key is still there and not expired (a result shows only
 * such documents: an expired key may wait for its deletion). */
int ftindex__doc_alive(const FtIndex *ix, const FtDoc *d);
/* Sweeps dead ids from the lists when they are many. */
void ftindex__sweep(FtIndex *ix, int force);
/* Whether word is a stop word of the index. */
int ftindex__is_stopword(const FtIndex *ix, const char *w, size_t len);
/* A token of a document: a lower-cased view valid during the call. */
typedef void (*FtTokenFn)(void *priv, const char *tok, size_t len, uint32_t pos);
/* The registered commands' state for persistence. */
void ftindex__persist_init(void);
/* The commands that recreate every index (definition, aliases, synonyms). */
typedef void (*FtEmitFn)(void *priv, int argc, const Slice *argv);
void ftindex_emit_all(FtEmitFn emit, void *priv);
void ftindex_drop_all(void);
/* Whether LANGUAGE names a language the engine knows. */
int ftindex__language_ok(Slice lang);
/* Parses a VECTOR field's attributes (argv from the algorithm on): the
 * arguments used, or -1 with *err. */
int ftindex__vector_parse(FtField *f, int argc, const Slice *argv, const char **err);
/* Validates an index's FILTER expression: 0, or -1 with *err. */
int ftindex__filter_check(FtIndex *ix, const char **err);
/* Frees the yields kept from the last ftindex_query(). */
void ftindex__yields_free(FtIndex *ix);
/* An empty stop-word list (NOSTOPWORDS). */
struct FtStopwords *ftindex__no_stopwords(void);
void ftindex__add_def(FtIndex *ix, int argc, const Slice *argv);
/* Registers the keyspace hooks (once, at start-up). */
void ftindex_init(void);

#endif
