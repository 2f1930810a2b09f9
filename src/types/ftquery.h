/*
 * ftquery.h - the query language of the query engine (FT.SEARCH,
 * FT.AGGREGATE, FT.EXPLAIN): a query string becomes a tree of FtqNode, and
 * the tree prints as FT.EXPLAIN prints it.
 *
 * The language is RediSearch's, dialects 1 to 4: words (intersected),
 * "exact phrases", a|b unions, -negation, ~optional, (grouping), @field:
 * and @f1|f2: restrictions, prefix* *suffix *infix* and w'wild?card'
 * patterns, %fuzzy% (up to %%%three%%%), @num:[min max] with ( for an
 * exclusive bound and -inf/+inf, @num==x @num!=x @num>x ... (dialect 2+),
 * @tag:{a | b*}, @geo:[lon lat radius unit], @shape:[WITHIN $wkt],
 * =>{$weight:..; $slop:..; $inorder:..; $phonetic:..} attributes,
 * $param substitution (dialect 2+), ismissing(@f) / isempty(@f), and
 * the vector clauses "...=>[KNN k @vec $blob AS score]" and
 * "@vec:[VECTOR_RANGE r $blob]=>{$YIELD_DISTANCE_AS: d}".
 *
 * The parser does at parse time what RediSearch does at parse time with the
 * index's schema at hand: stop words are dropped, text field names become
 * field-mask bits (a field that is not TEXT gives mask 0, "@NULL:"),
 * unknown fields are errors in dialects 2-4 ("Unknown field at offset N
 * near f") and are dropped in dialect 1, parameters are substituted, and
 * (unless verbatim) terms are expanded with synonyms and their English
 * stems (UNION { word +stem(expanded) }), which is what FT.EXPLAIN shows
 * and what the index holds (see fttext.h, ftt_stem_term()). Tag values stay
 * as typed; ftq_tag_value() gives the form the index stores.
 *
 * Ownership: ftq_parse() returns an owned tree; every string in it is owned
 * by the tree; ftq_free() frees it all. The tree is plain data: ftcore walks
 * it directly to evaluate the query.
 */
#ifndef STREAMD_TYPES_FTQUERY_H
#define STREAMD_TYPES_FTQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct FtStopwords;

/* A set of TEXT fields, one bit per field (the field's text_bit). */
typedef uint64_t FtqFieldMask;
#define FTQ_FIELDMASK_ALL UINT64_MAX

typedef enum FtqNodeType {
    /* Intersection of the children (implicit AND, "a b c"). is_exact: a
     * quoted "exact phrase" (terms adjacent, in order, not expanded).
     * EXPLAIN: INTERSECT { ... } / EXACT { ... }. */
    FTQ_PHRASE = 1,
    /* Union of the children (a|b). EXPLAIN: UNION { ... }. */
    FTQ_UNION,
    /* Documents not matching the single child (-x). EXPLAIN: NOT{ ... }. */
    FTQ_NOT,
    /* The single child may match (~x): it does not filter, it only adds
     * to the score. EXPLAIN: OPTIONAL{ ... }. */
    FTQ_OPTIONAL,
    /* One term (str/len, unescaped and case-folded for text; numbers as
     * written). In a TAG node's children it is a whole tag value as typed
     * (escapes and case kept, as EXPLAIN shows it; see ftq_tag_value()).
     * is_expanded: added by expansion (a "+stem", the stem itself, a
     * synonym group id); the original term has is_expanded 0. An empty
     * str is the empty string ("" / '' / isempty(), INDEXEMPTY fields). */
    FTQ_TOKEN,
    /* An affix: is_prefix (word*), is_suffix (*word), both (*word*,
     * "infix"). str is the fixed part, unescaped but in the case typed
     * (RediSearch folds it when evaluating: always for TEXT, for TAG
     * unless CASESENSITIVE). EXPLAIN: PREFIX{word*}, SUFFIX{*word},
     * INFIX{*word*}. */
    FTQ_PREFIX,
    /* A w'...' pattern: str holds the pattern with ? and * wildcards
     * (backslash escapes kept). EXPLAIN: WILDCARD{pattern}. */
    FTQ_WILDCARD_PATTERN,
    /* %word% / %%word%% / %%%word%%%: terms within max_dist edits of str.
     * EXPLAIN: FUZZY{word}. */
    FTQ_FUZZY,
    /* A numeric range on field: min..max with min_inclusive/max_inclusive
     * (-inf/+inf as infinities). EXPLAIN: NUMERIC {1.000000 <= @f <=
     * 2.000000}. */
    FTQ_NUMERIC,
    /* Tag values on field: the children (FTQ_TOKEN whole values,
     * FTQ_PREFIX/FTQ_WILDCARD_PATTERN affixes, FTQ_PHRASE of normalized
     * tokens for a value written as several words, "{hello world}") form
     * a union. EXPLAIN: TAG:@f { ... }. */
    FTQ_TAG,
    /* Points of field within radius (in unit "m"/"km"/"mi"/"ft") of
     * (lon, lat). EXPLAIN: GEO f:{lon,lat --> radius unit}. */
    FTQ_GEO,
    /* A GEOSHAPE predicate on field: geo_pred (WITHIN/CONTAINS/INTERSECTS/
     * DISJOINT) against the WKT text in str. EXPLAIN: GEOSHAPE{n wkt}. */
    FTQ_GEOSHAPE,
    /* A vector query on field (see FtqVector). For KNN the only child, if
     * any, is the filter ("the hybrid query"). EXPLAIN: VECTOR {...}. */
    FTQ_VECTOR,
    /* Every document ("*"). EXPLAIN: <WILDCARD>. */
    FTQ_WILDCARD,
    /* Matches nothing (a numeric/geo clause whose field is unusable in
     * dialect 1, a query of stop words only under a field...). EXPLAIN:
     * <empty>. */
    FTQ_NULL,
    /* Documents without field (ismissing(@f)). EXPLAIN: ISMISSING{f}. */
    FTQ_MISSING,
} FtqNodeType;

/* The attributes that may be set with =>{$phonetic: ...}. */
typedef enum FtqPhonetic {
    FTQ_PHONETIC_DEFAULT = 0, /* as the field says */
    FTQ_PHONETIC_ENABLED,
    FTQ_PHONETIC_DISABLED,
} FtqPhonetic;

/* Numbered as RediSearch's EXPLAIN prints them (GEOSHAPE{2 ...} for
 * WITHIN, {1 ...} for CONTAINS). */
typedef enum FtqGeoPred {
    FTQ_GEO_INTERSECTS = 0,
    FTQ_GEO_CONTAINS = 1,
    FTQ_GEO_WITHIN = 2,
    FTQ_GEO_DISJOINT = 3,
} FtqGeoPred;

typedef enum FtqVectorKind {
    FTQ_VEC_KNN = 1,
    FTQ_VEC_RANGE,
} FtqVectorKind;

/* An attribute of a vector clause: "EF_RUNTIME 10" in the KNN brackets or
 * "$EPSILON: 0.5" in =>{...} (name without $, as written; value with any
 * $param substituted). */
typedef struct FtqVecAttr {
    char *name;
    char *value;
    size_t value_len;
} FtqVecAttr;

typedef struct FtqVector {
    FtqVectorKind kind;
    uint64_t k;    /* KNN: number of neighbours */
    double radius; /* RANGE: the distance radius */
    char *blob;    /* the query vector's bytes (from PARAMS) */
    size_t blob_len;
    char *blob_param;  /* the parameter's name, without '$' */
    char *score_field; /* "AS name" / $YIELD_DISTANCE_AS; for KNN "__<field>_score"
                          when not given; NULL for RANGE when not given */
    int has_explicit_score_field;
    FtqVecAttr *attrs; /* EF_RUNTIME, EPSILON, HYBRID_POLICY, BATCH_SIZE, ... */
    size_t n_attrs;
} FtqVector;

typedef struct FtqNode FtqNode;
struct FtqNode {
    FtqNodeType type;
    FtqNode **children;
    size_t n_children;
    size_t children_cap; /* allocated slots (private to ftquery.c) */

    /* Query-node options (all node types). field_mask: the TEXT fields
     * this node and its subtree are limited to (FTQ_FIELDMASK_ALL: any;
     * 0: a field that is not a TEXT field, EXPLAIN's "@NULL:"). */
    FtqFieldMask field_mask;
    double weight;        /* $weight, default 1 */
    int slop;             /* $slop, -1 when not set */
    int inorder;          /* $inorder */
    int has_inorder;      /* $inorder was given */
    FtqPhonetic phonetic; /* $phonetic */
    int is_verbatim;      /* not to be expanded (exact phrase, numbers, ...) */

    /* FTQ_TOKEN / FTQ_PREFIX / FTQ_WILDCARD_PATTERN / FTQ_FUZZY /
     * FTQ_GEOSHAPE: the text (NUL-terminated, len excludes the NUL). */
    char *str;
    size_t len;
    int is_expanded; /* FTQ_TOKEN */
    int is_prefix;   /* FTQ_PREFIX: ends with '*' */
    int is_suffix;   /* FTQ_PREFIX: starts with '*' */
    int max_dist;    /* FTQ_FUZZY: 1..3 */
    int is_exact;    /* FTQ_PHRASE */

    /* FTQ_NUMERIC / FTQ_TAG / FTQ_GEO / FTQ_GEOSHAPE / FTQ_VECTOR /
     * FTQ_MISSING: the field's name as the schema spells it (borrowed
     * from nothing: owned by the node). */
    char *field;

    /* FTQ_NUMERIC */
    double min, max;
    int min_inclusive, max_inclusive;

    /* FTQ_GEO */
    double lon, lat, radius;
    char *unit; /* "m", "km", "mi" or "ft" */

    /* FTQ_GEOSHAPE */
    FtqGeoPred geo_pred;

    /* FTQ_VECTOR */
    FtqVector vec;
};

/* What the parser needs to know about a field of the index's schema. */
typedef enum FtqFieldType {
    FTQ_FIELD_TEXT = 1 << 0,
    FTQ_FIELD_TAG = 1 << 1,
    FTQ_FIELD_NUMERIC = 1 << 2,
    FTQ_FIELD_GEO = 1 << 3,
    FTQ_FIELD_GEOSHAPE = 1 << 4,
    FTQ_FIELD_VECTOR = 1 << 5,
} FtqFieldType;

typedef struct FtqFieldInfo {
    const char *name; /* as the schema spells it (the AS name); borrowed */
    size_t name_len;
    unsigned types;        /* FtqFieldType bits */
    FtqFieldMask text_bit; /* TEXT: its bit in field masks; 0 otherwise */
    int is_nostem;         /* TEXT NOSTEM */
    int is_phonetic;       /* TEXT PHONETIC */
    char tag_separator;    /* TAG SEPARATOR (default ',') */
    int tag_casesensitive; /* TAG CASESENSITIVE */
    int index_empty;       /* INDEXEMPTY */
    int index_missing;     /* INDEXMISSING */
} FtqFieldInfo;

/* The index's schema as the parser sees it. field() looks a field up by
 * its name (the query's spelling, case-sensitive, after unescaping); it
 * returns 1 and fills *out, or 0 for an unknown field. name_by_bit()
 * returns the name of the TEXT field with that bit, or NULL (for
 * EXPLAIN's "@title|body:" prefixes). */
typedef struct FtqSchema {
    void *ctx;
    int (*field)(void *ctx, const char *name, size_t len, FtqFieldInfo *out);
    const char *(*name_by_bit)(void *ctx, FtqFieldMask bit);
} FtqSchema;

/* One PARAMS name/value pair (borrowed). */
typedef struct FtqParam {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} FtqParam;

typedef struct FtqOptions {
    int dialect; /* 1..4 (0 means 1) */
    const FtqParam *params;
    size_t n_params;
    const FtqSchema *schema;             /* NULL: no fields known */
    const struct FtStopwords *stopwords; /* NULL: the default English list */
    const char *language;                /* stemming language; NULL = "english" */
    int is_verbatim;                     /* VERBATIM: no stem expansion */
    int min_stem_len; /* query terms shorter are not expanded; 0: none, as RediSearch */
    /* Synonym groups (FT.SYNUPDATE) of a lowercase term: returns the group
     * ids ("~0", ...), borrowed until ftq_parse() returns, and their count
     * in *n; NULL/0 for none. NULL callback: no synonym expansion. */
    const char *const *(*synonyms)(void *ctx, const char *term, size_t len, size_t *n);
    void *synonyms_ctx;
} FtqOptions;

/* A parse error: RediSearch's message (without "ERR "/"SEARCH_..."
 * prefix), e.g. "Syntax error at offset 3 near foo". */
typedef struct FtqError {
    char msg[512];
} FtqError;

/* Parses q[0..len) per opt; returns the owned tree (ftq_free()), or NULL
 * with err->msg set. An empty query (or one of stop words only) is a single
 * FTQ_NULL node. */
FtqNode *ftq_parse(const char *q, size_t len, const FtqOptions *opt, FtqError *err);
void ftq_free(FtqNode *n);

/* Appends FT.EXPLAIN's text for the tree to out (the schema is used for
 * text field names in "@f:" prefixes; may be NULL). */
void ftq_explain(const FtqNode *n, const FtqSchema *schema, Buf *out);
/* FT.EXPLAINCLI's reply: the same text split into lines. Returns an owned
 * array of *n_lines owned NUL-terminated lines; free with
 * ftq_explain_lines_free(). */
char **ftq_explain_lines(const FtqNode *n, const FtqSchema *schema, size_t *n_lines);
void ftq_explain_lines_free(char **lines, size_t n_lines);

/* The tag value a TAG node's child stands for, as the index stores it:
 * escapes removed, lowercased unless case_sensitive, a multi-word child
 * (FTQ_PHRASE) joined with single spaces. Returns owned bytes (xfree()), or
 * NULL for an affix/pattern child (whose str is matched as is, after the
 * same unescaping and case folding by the caller). */
char *ftq_tag_value(const FtqNode *child, int case_sensitive, size_t *out_len);

/* The number of nodes of type t in the tree (for tests and checks such as
 * "KNN only at the top"). */
size_t ftq_count(const FtqNode *n, FtqNodeType t);

#endif
