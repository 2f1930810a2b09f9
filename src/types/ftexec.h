/*
 * ftexec.h - running a parsed query against an index (ftexec.c), for
 * FT.SEARCH, FT.EXPLAIN and FT.PROFILE (src/cmd/search.c) and
 * ftindex_query(). Internal to the query engine.
 */
#ifndef STREAMD_FTEXEC_H
#define STREAMD_FTEXEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "types/ftindex.h"
#include "types/ftquery.h"

/* FILTER field min max (field: index in the schema). */
typedef struct FtNumFilter {
    int field;
    double min, max;
    int min_inc, max_inc;
} FtNumFilter;

/* GEOFILTER field lon lat radius unit. */
typedef struct FtGeoFilter {
    int field;
    double lon, lat, radius_m;
} FtGeoFilter;

typedef struct FtExecOpts {
    const FtQueryArgs *args;
    FtqFieldMask infields; /* INFIELDS: the TEXT fields terms may match (ALL: any) */
    const Slice *inkeys;   /* INKEYS */
    size_t n_inkeys;
    int has_inkeys;
    int slop;    /* SLOP, -1 when not given */
    int inorder; /* INORDER */
    const FtNumFilter *filters;
    size_t n_filters;
    const FtGeoFilter *geo;
    size_t n_geo;
    Slice payload; /* PAYLOAD (the HAMMING scorer) */
} FtExecOpts;

/* Values a query yields per document: a vector clause's distances. */
typedef struct FtYield {
    char *name;
    FtDocId *ids;
    double *vals;
    size_t n;
} FtYield;

typedef struct FtExecOut {
    FtResults res; /* by document id */
    FtYield *yields;
    size_t n_yields;
    int knn_sorted; /* a KNN clause: results go by distance unless SORTBY */
    int timed_out;  /* the deadline passed (search-on-timeout RETURN): res is partial */
} FtExecOut;

/* Parses args->query with ix's schema (filled into *schema, which must live
 * as long as the tree is printed). Returns an owned tree (ftq_free), or NULL
 * with the parser's message in *err (valid until the next call). */
FtqNode *ftexec_parse(FtIndex *ix, const FtQueryArgs *args, FtqSchema *schema, const char **err);
void ftexec_schema(FtIndex *ix, FtqSchema *out);
/* Evaluates root: 0 with *out filled (free with ftexec_out_free), or -1
 * with *err (static). */
int ftexec_run(FtIndex *ix, const FtqNode *root, const FtExecOpts *opt, FtExecOut *out,
               const char **err);
void ftexec_out_free(FtExecOut *o);
/* Whether the last ftexec_run() (or ftindex_query()) stopped at its
 * deadline and returned partial results (search-on-timeout RETURN; under
 * FAIL it fails with "Timeout limit was reached"). The deadline is
 * args->timeout_ms from the start of the run, or search-timeout when
 * timeout_ms is negative; 0 is none. */
int ftexec_last_timed_out(void);
/* Yield y's value for document id: 1 with *v, 0 when it has none. */
int ftexec_yield(const FtExecOut *o, size_t y, FtDocId id, double *v);
/* Whether name is a scorer (SCORER). */
int ftexec_scorer_ok(const char *name);
/* Great-circle distance in meters (Redis's GEO formula). */
double ftexec_geo_dist_m(double lon1, double lat1, double lon2, double lat2);

#endif
