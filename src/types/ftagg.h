/*
 * ftagg.h - the FT.AGGREGATE pipeline (LOAD, GROUPBY/REDUCE, SORTBY, APPLY,
 * FILTER, LIMIT) over rows that an index hands it, and the cursors of
 * WITHCURSOR / FT.CURSOR. Independent of the index: a row is a document key,
 * a score and a callback that loads a field. See ftagg.c.
 */
#ifndef STREAMD_TYPES_FTAGG_H
#define STREAMD_TYPES_FTAGG_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "types/ftexpr.h"

/* The rows matched by the query, as the index gives them to the pipeline.
 * The pipeline calls these only during ftagg_run(). */
enum { FTAGG_FIELD_UNKNOWN = 0, FTAGG_FIELD_SCHEMA = 1, FTAGG_FIELD_SORTABLE = 2 };

typedef struct FtAggSource {
    size_t n_rows;
    void *opaque;
    /* The key of a row (borrowed; valid during ftagg_run). */
    const char *(*key)(void *opaque, size_t row, size_t *len);
    /* The query's score of a row. */
    double (*score)(void *opaque, size_t row);
    /* What name is to the index: FTAGG_FIELD_UNKNOWN, FTAGG_FIELD_SCHEMA
     * (an attribute of the schema) or FTAGG_FIELD_SORTABLE (a SORTABLE
     * one). A pipeline step may read a schema attribute it did not LOAD
     * (GROUPBY, REDUCE, SORTBY; APPLY and FILTER only SORTABLE ones, as in
     * RediSearch); anything else not loaded fails with RediSearch's "not
     * loaded" errors. "__key" and "__score" are handled by the pipeline. */
    int (*field_kind)(void *opaque, const char *name, size_t len);
    /* Loads attribute or field name of a row into *out (owned by the
     * caller): 0 loaded, 1 the document has no value for it. sortable_form
     * asks for the value as the index keeps it for sorting (RediSearch
     * lowercases SORTABLE TEXT unless UNF); otherwise the document's own
     * value. NUMERIC attributes should come back as FTV_NUM, the rest as
     * strings. For a JSON index name may be a JSON path ("$.a.b"). */
    int (*load)(void *opaque, size_t row, const char *name, size_t len, int sortable_form,
                FtVal *out);
    /* LOAD *: every field of the document, emit() once per field (emit
     * takes ownership of *v). NULL if the index cannot list fields. */
    void (*load_all)(void *opaque, size_t row,
                     void (*emit)(void *ctx, const char *name, size_t len, FtVal *v), void *ctx);
    /* The query's deadline (CLOCK_MONOTONIC microseconds, as mono_us()),
     * 0 for none: past it the pipeline stops loading rows and runs on those
     * it has (the result says it timed out), or with timeout_fail fails
     * with "Timeout limit was reached" (search-on-timeout). */
    int64_t deadline_us;
    int timeout_fail;
} FtAggSource;

/* The options of FT.AGGREGATE that concern the query rather than the
 * pipeline; the index uses them to run the query. Views into the argv given
 * to ftagg_plan_parse (valid as long as that argv). */
typedef struct FtAggQueryOpts {
    int is_verbatim;
    int dialect;          /* 0: not given */
    long long timeout_ms; /* -1: not given */
    int add_scores;       /* ADDSCORES: each row gets __score */
    int with_count;       /* WITHCOUNT: the first number is exact */
    Slice scorer;         /* SCORER name; p == NULL: not given */
    Slice language;       /* LANGUAGE (unchecked); p == NULL: not given */
    const Slice *params;  /* PARAMS: n_params name/value pairs */
    size_t n_params;
    int with_cursor;             /* WITHCURSOR */
    long long cursor_count;      /* COUNT (0: the default) */
    long long cursor_maxidle_ms; /* MAXIDLE (0: the default) */
} FtAggQueryOpts;

typedef struct FtAggPlan FtAggPlan;
typedef struct FtAggResult FtAggResult;

/* Parses the arguments of FT.AGGREGATE after the query (argv borrowed and
 * kept by the plan). Returns an owned plan (ftagg_plan_free), or NULL with
 * *err an owned message in RediSearch's words. */
FtAggPlan *ftagg_plan_parse(const Slice *argv, size_t argc, char **err);
const FtAggQueryOpts *ftagg_plan_opts(const FtAggPlan *p);
void ftagg_plan_free(FtAggPlan *p);
/* A whole-argument decimal number (strtod rules, NaN refused); 0, or -1. */
int ftagg_parse_double(Slice s, double *out);

/* Runs the pipeline over src; returns an owned result (ftagg_result_free),
 * or NULL with *err an owned message. */
FtAggResult *ftagg_run(const FtAggPlan *p, const FtAggSource *src, char **err);
/* The number FT.AGGREGATE's reply starts with (RediSearch's total: the
 * matched documents, or the groups after a GROUPBY). */
size_t ftagg_result_total(const FtAggResult *r);
/* The number a read of rows [from, ...) reports (a cursor's later reads:
 * RediSearch counts per read). */
size_t ftagg_result_chunk_total(const FtAggResult *r, size_t from);
/* Rows in the result (after LIMIT / SORTBY MAX). */
size_t ftagg_result_rows(const FtAggResult *r);
/* Whether the run stopped at the source's deadline (partial rows). */
int ftagg_result_timed_out(const FtAggResult *r);
/* The fields of a row, in reply order: count, then name/value views valid
 * until the result is freed. */
size_t ftagg_result_nfields(const FtAggResult *r, size_t row);
void ftagg_result_field(const FtAggResult *r, size_t row, size_t i, const char **name,
                        size_t *name_len, const FtVal **val);
void ftagg_result_free(FtAggResult *r);

/* Cursors (WITHCURSOR, FT.CURSOR). A cursor owns a result and a read
 * position; it belongs to an index (by name) and expires after MAXIDLE ms
 * without a read. */
typedef struct FtAggCursor {
    uint64_t id;
    FtAggResult *res; /* owned by the cursor table */
    size_t pos;       /* next row to return */
    size_t count;     /* rows per read */
    long long maxidle_ms;
    long long last_ms;
} FtAggCursor;

/* Stores res (ownership taken) as a new cursor of index; returns it, or NULL
 * when the index already has its maximum of cursors (res freed then). */
FtAggCursor *ftagg_cursor_open(const char *index, size_t len, FtAggResult *res, size_t count,
                               long long maxidle_ms, long long now_ms);
/* Finds a live cursor of index (borrowed; valid until it is deleted), or
 * NULL. */
FtAggCursor *ftagg_cursor_find(const char *index, size_t len, uint64_t id);
/* Deletes a cursor; 0, or -1 when there is none with that id. */
int ftagg_cursor_del(const char *index, size_t len, uint64_t id);
/* Drops every cursor of index (FT.DROPINDEX). */
void ftagg_cursor_drop_index(const char *index, size_t len);
/* Deletes the cursors idle for longer than their MAXIDLE (server cron);
 * returns how many. */
size_t ftagg_cursor_expire(long long now_ms);
/* FT.INFO's cursor_stats: global_idle, global_total, index_capacity,
 * index_total. */
typedef struct FtAggCursorStats {
    long long global_idle, global_total, index_capacity, index_total;
} FtAggCursorStats;
void ftagg_cursor_stats(const char *index, size_t len, FtAggCursorStats *out);

#endif
