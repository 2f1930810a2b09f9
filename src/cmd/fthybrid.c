/*
 * fthybrid.c - FT.HYBRID (Redis 8.4): a text query and a vector query over
 * one index, their ranked results fused into one list (types/fthybrid.h),
 * then the FT.AGGREGATE pipeline (types/ftagg.h) over the fused rows.
 *
 *   FT.HYBRID idx SEARCH query [SCORER s] [YIELD_SCORE_AS n]
 *     VSIM @field $param|blob [KNN count K k [EF_RUNTIME ef] [YIELD_SCORE_AS n]]
 *       [RANGE count RADIUS r [EPSILON e] [YIELD_SCORE_AS n]] [YIELD_SCORE_AS n]
 *       [FILTER query]
 *     [COMBINE RRF count [CONSTANT c] [WINDOW w] [YIELD_SCORE_AS n]
 *     | COMBINE LINEAR count ALPHA a BETA b [WINDOW w] [YIELD_SCORE_AS n]]
 *     [the steps and options of FT.AGGREGATE: LOAD, APPLY, FILTER, GROUPBY,
 *      SORTBY, LIMIT, PARAMS, TIMEOUT, DIALECT] [NOSORT]
 *
 * The text side keeps its WINDOW best documents (by the scorer, BM25STD
 * unless SCORER), the vector side its K nearest (KNN, default 10) or those
 * within RADIUS, at most WINDOW (default 20); a LIMIT given without K or
 * WINDOW stands in for them, and under RRF K is at most WINDOW (as
 * RediSearch does). The fused rows go best first; without LOAD each row
 * shows __key and __score; LIMIT defaults to 0 10.
 *
 *   RESP2  [total_results, n, results, [[name, value, ...], ...],
 *           warnings, [...], execution_time, ms]
 *   RESP3  {total_results: n, results: [{name: value, ...}], warnings: [...],
 *           execution_time: ms}
 *
 * total_results counts the rows that reach the final LIMIT (after FILTER
 * and GROUPBY). Queries use DIALECT 2 unless told otherwise.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"
#include "cmd/ftaggcmd.h"
#include "server/core.h"
#include "types/ftagg.h"
#include "types/ftconfig.h"
#include "types/ftexec.h"
#include "types/fthybrid.h"
#include "types/ftindex.h"
#include "types/ftindex_int.h"
#include "types/ftquery.h"
#include "types/ftvec.h"

#define HYB_DIST_NAME "__hybrid_vector_distance"
#define HYB_BLOB_NAME "__hybrid_vector_blob"

typedef struct HybReq {
    Slice query, scorer, text_yield;
    Slice field, vec; /* field without '@'; vec: a parameter name (no '$') or the blob */
    int vec_is_param;
    int is_range;
    long long k;
    int has_k;
    Slice ef, epsilon; /* p == NULL: not given */
    double radius;
    Slice vec_yield, filter;
    FtHybCombine comb;
    long long window;
    int has_window;
    Slice comb_yield;
    size_t tail; /* index in argv of the first argument after the hybrid part */
} HybReq;

static int kw(Slice s, const char *w) {
    return slice_eq_nocase(s, w);
}

/* An unsigned count "n" at argv[*i]: the arguments of a KNN, RANGE or
 * LINEAR clause (a positive even number). */
static int clause_count(Client *c, const Slice *argv, int argc, int *i, long long *n) {
    if (*i >= argc) {
        reply_error(c, "Missing argument count");
        return -1;
    }
    long long v;
    if (num_parse_ll(argv[*i].p, argv[*i].len, &v) != 0 || v < 0 || v > UINT32_MAX) {
        reply_error(c, "Invalid argument count: expected an unsigned integer");
        return -1;
    }
    if (v == 0 || v % 2) {
        reply_error(c,
                    "Invalid argument count: %lld (must be a positive even number for "
                    "key/value pairs)",
                    v);
        return -1;
    }
    (*i)++;
    *n = v;
    return 0;
}

/* The key/value pairs of KNN or RANGE (count n) from argv[*i]. */
static int parse_vec_clause(Client *c, const Slice *argv, int argc, int *i, HybReq *r) {
    const char *what = r->is_range ? "RANGE" : "KNN";
    long long n;
    if (clause_count(c, argv, argc, i, &n) != 0) return -1;
    int has_radius = 0;
    for (long long done = 0; done < n; done += 2) {
        if (*i >= argc) {
            reply_error(c, "Expected arguments %lld, but %lld %s provided", n, done,
                        done == 1 ? "was" : "were");
            return -1;
        }
        Slice name = argv[(*i)++];
        const char *canon = NULL;
        if (!r->is_range && kw(name, "K"))
            canon = "K";
        else if (!r->is_range && kw(name, "EF_RUNTIME"))
            canon = "EF_RUNTIME";
        else if (r->is_range && kw(name, "RADIUS"))
            canon = "RADIUS";
        else if (r->is_range && kw(name, "EPSILON"))
            canon = "EPSILON";
        else if (kw(name, "YIELD_SCORE_AS"))
            canon = "YIELD_SCORE_AS";
        if (!canon) {
            reply_error(c, "Unknown argument `%.*s` in %s", (int)name.len, name.p, what);
            return -1;
        }
        int dup = (!strcmp(canon, "K") && r->has_k) || (!strcmp(canon, "EF_RUNTIME") && r->ef.p) ||
                  (!strcmp(canon, "RADIUS") && has_radius) ||
                  (!strcmp(canon, "EPSILON") && r->epsilon.p) ||
                  (!strcmp(canon, "YIELD_SCORE_AS") && r->vec_yield.p);
        if (dup) {
            reply_error(c, "Duplicate %s argument", canon);
            return -1;
        }
        if (*i >= argc) {
            reply_error(c, "Missing argument value for %s", canon);
            return -1;
        }
        Slice val = argv[(*i)++];
        if (!strcmp(canon, "K")) {
            if (num_parse_ll(val.p, val.len, &r->k) != 0 || r->k < 1) {
                reply_error(c, "Invalid K value");
                return -1;
            }
            r->has_k = 1;
        } else if (!strcmp(canon, "EF_RUNTIME")) {
            r->ef = val;
        } else if (!strcmp(canon, "RADIUS")) {
            if (ftagg_parse_double(val, &r->radius) != 0) {
                reply_error(c, "Invalid RADIUS value");
                return -1;
            }
            has_radius = 1;
        } else if (!strcmp(canon, "EPSILON")) {
            r->epsilon = val;
        } else {
            r->vec_yield = val;
        }
    }
    if (!r->is_range && !r->has_k) {
        reply_error(c, "Missing required argument K");
        return -1;
    }
    if (r->is_range && !has_radius) {
        reply_error(c, "Missing required argument RADIUS");
        return -1;
    }
    return 0;
}

/* COMBINE RRF|LINEAR count args...; *i is past COMBINE. */
static int parse_combine(Client *c, const Slice *argv, int argc, int *i, HybReq *r) {
    int linear = 0;
    if (*i < argc && kw(argv[*i], "LINEAR")) {
        linear = 1;
        (*i)++;
    } else if (*i < argc && kw(argv[*i], "RRF")) {
        (*i)++;
    }
    r->comb.method = linear ? FTHYB_LINEAR : FTHYB_RRF;
    const char *what = linear ? "LINEAR" : "RRF";
    long long n;
    if (clause_count(c, argv, argc, i, &n) != 0) return -1;
    int has_alpha = 0, has_beta = 0, has_const = 0;
    for (long long done = 0; done < n; done += 2) {
        if (*i >= argc) {
            reply_error(c, "Expected arguments %lld, but %lld %s provided", n, done,
                        done == 1 ? "was" : "were");
            return -1;
        }
        Slice name = argv[(*i)++];
        const char *canon = NULL;
        if (linear && kw(name, "ALPHA"))
            canon = "ALPHA";
        else if (linear && kw(name, "BETA"))
            canon = "BETA";
        else if (!linear && kw(name, "CONSTANT"))
            canon = "CONSTANT";
        else if (kw(name, "WINDOW"))
            canon = "WINDOW";
        else if (kw(name, "YIELD_SCORE_AS"))
            canon = "YIELD_SCORE_AS";
        if (!canon) {
            reply_error(c, "Unknown argument `%.*s` in %s", (int)name.len, name.p, what);
            return -1;
        }
        int dup = (!strcmp(canon, "ALPHA") && has_alpha) || (!strcmp(canon, "BETA") && has_beta) ||
                  (!strcmp(canon, "CONSTANT") && has_const) ||
                  (!strcmp(canon, "WINDOW") && r->has_window) ||
                  (!strcmp(canon, "YIELD_SCORE_AS") && r->comb_yield.p);
        if (dup) {
            reply_error(c, "Duplicate %s argument", canon);
            return -1;
        }
        if (*i >= argc) {
            reply_error(c, "Missing argument value for %s", canon);
            return -1;
        }
        Slice val = argv[(*i)++];
        double d;
        if (!strcmp(canon, "ALPHA") || !strcmp(canon, "BETA")) {
            if (ftagg_parse_double(val, &d) != 0) {
                reply_error(c, "Invalid %s value", canon);
                return -1;
            }
            if (canon[0] == 'A') {
                r->comb.alpha = d;
                has_alpha = 1;
            } else {
                r->comb.beta = d;
                has_beta = 1;
            }
        } else if (!strcmp(canon, "CONSTANT")) {
            if (ftagg_parse_double(val, &d) != 0 || !(d > 0)) {
                reply_error(c, "Invalid CONSTANT value in RRF");
                return -1;
            }
            r->comb.constant = d;
            has_const = 1;
        } else if (!strcmp(canon, "WINDOW")) {
            long long w;
            if (num_parse_ll(val.p, val.len, &w) != 0 || w <= 0) {
                reply_error(c, "Invalid WINDOW value in %s", what);
                return -1;
            }
            r->window = w;
            r->has_window = 1;
        } else {
            r->comb_yield = val;
        }
    }
    if (linear && !(has_alpha && has_beta)) {
        reply_error(c, "Missing value for %s",
                    !has_alpha && !has_beta ? "ALPHA, BETA"
                    : !has_alpha            ? "ALPHA"
                                            : "BETA");
        return -1;
    }
    return 0;
}

/* The hybrid part of argv (from SEARCH on); 0 with r->tail set, or -1
 * after replying the error. */
static int parse_hybrid(Client *c, const Slice *argv, int argc, HybReq *r) {
    memset(r, 0, sizeof(*r));
    r->k = FTHYB_DEFAULT_K;
    r->window = FTHYB_DEFAULT_WINDOW;
    r->comb.method = FTHYB_RRF;
    r->comb.constant = FTHYB_DEFAULT_CONSTANT;
    int i = 0;
    if (i >= argc || !kw(argv[i], "SEARCH")) {
        reply_error(c, "SEARCH argument is required");
        return -1;
    }
    i++;
    if (i >= argc) {
        reply_error(c, "No query string provided for SEARCH");
        return -1;
    }
    r->query = argv[i++];
    while (i < argc && !kw(argv[i], "VSIM")) {
        if (kw(argv[i], "SCORER") || kw(argv[i], "YIELD_SCORE_AS")) {
            int scorer = kw(argv[i], "SCORER");
            if (i + 1 >= argc) {
                reply_error(c, "Bad arguments for %s: Expected an argument, but none provided",
                            scorer ? "SCORER" : "YIELD_SCORE_AS");
                return -1;
            }
            if (scorer)
                r->scorer = argv[i + 1];
            else
                r->text_yield = argv[i + 1];
            i += 2;
            continue;
        }
        reply_error(c, "Unknown argument `%.*s` in SEARCH", (int)argv[i].len, argv[i].p);
        return -1;
    }
    if (i >= argc) {
        reply_error(c, "VSIM argument is required");
        return -1;
    }
    i++;
    if (i >= argc) {
        reply_error(c, "Missing vector field name");
        return -1;
    }
    if (argv[i].len == 0 || argv[i].p[0] != '@') {
        reply_error(c, "Missing @ prefix for vector field name");
        return -1;
    }
    r->field = slice_of(argv[i].p + 1, argv[i].len - 1);
    i++;
    if (i >= argc) {
        reply_error(c, "Missing vector argument");
        return -1;
    }
    r->vec = argv[i++];
    if (r->vec.len > 0 && r->vec.p[0] == '$') {
        r->vec = slice_of(r->vec.p + 1, r->vec.len - 1);
        r->vec_is_param = 1;
    }
    if (i < argc && (kw(argv[i], "KNN") || kw(argv[i], "RANGE"))) {
        r->is_range = kw(argv[i], "RANGE");
        i++;
        if (parse_vec_clause(c, argv, argc, &i, r) != 0) return -1;
    }
    /* YIELD_SCORE_AS and FILTER, in either order. */
    for (;;) {
        if (i + 1 < argc && kw(argv[i], "YIELD_SCORE_AS")) {
            if (r->vec_yield.p) {
                reply_error(c, "Duplicate YIELD_SCORE_AS argument");
                return -1;
            }
            r->vec_yield = argv[i + 1];
            i += 2;
        } else if (i < argc && kw(argv[i], "FILTER") && !r->filter.p) {
            if (i + 1 >= argc) {
                reply_error(c, "Missing argument value for FILTER");
                return -1;
            }
            r->filter = argv[i + 1];
            i += 2;
        } else {
            break;
        }
    }
    if (i < argc && kw(argv[i], "COMBINE")) {
        i++;
        if (parse_combine(c, argv, argc, &i, r) != 0) return -1;
    }
    r->tail = (size_t)i;
    return 0;
}

/* ---- the rows the pipeline reads ---- */

typedef struct HybSource {
    FtIndex *ix;
    FtHybOut *rows;
    size_t n;
    Slice text_yield, vec_yield, comb_yield;
} HybSource;

static int name_is(Slice a, const char *p, size_t len) {
    return a.p && a.len == len && memcmp(a.p, p, len) == 0;
}

/* A value the hybrid query yields for row (1 with *v), or 0. */
static int hyb_yield(const HybSource *s, size_t row, const char *name, size_t len, double *v,
                     int *known) {
    const FtHybOut *o = &s->rows[row];
    *known = 1;
    if ((len == 7 && memcmp(name, "__score", 7) == 0) || name_is(s->comb_yield, name, len)) {
        *v = o->score;
        return 1;
    }
    if (name_is(s->text_yield, name, len)) {
        *v = o->text_score;
        return o->text_rank != 0;
    }
    if (name_is(s->vec_yield, name, len)) {
        *v = o->vec_score;
        return o->vec_rank != 0;
    }
    *known = 0;
    return 0;
}

static const char *hs_key(void *opaque, size_t row, size_t *len) {
    HybSource *s = opaque;
    Slice k = {"", 0};
    ftindex_doc_key(s->ix, s->rows[row].id, &k);
    *len = k.len;
    return k.p;
}

static double hs_score(void *opaque, size_t row) {
    HybSource *s = opaque;
    return s->rows[row].score;
}

static int hs_field_kind(void *opaque, const char *name, size_t len) {
    HybSource *s = opaque;
    if ((len == 7 && memcmp(name, "__score", 7) == 0) || name_is(s->comb_yield, name, len) ||
        name_is(s->text_yield, name, len) || name_is(s->vec_yield, name, len))
        return FTAGG_FIELD_SORTABLE;
    int f = ftindex_field_find(s->ix, slice_of(name, len));
    if (f < 0) return FTAGG_FIELD_UNKNOWN;
    return s->ix->fields[f].flags & FTF_SORTABLE ? FTAGG_FIELD_SORTABLE : FTAGG_FIELD_SCHEMA;
}

static int hs_load(void *opaque, size_t row, const char *name, size_t len, int sortable_form,
                   FtVal *out) {
    HybSource *s = opaque;
    double num = 0;
    int known;
    if (hyb_yield(s, row, name, len, &num, &known)) {
        *out = ftval_num(num);
        return 0;
    }
    if (known) return 1;
    return ftaggcmd_doc_field(s->ix, s->rows[row].id, name, len, sortable_form, out);
}

static void hs_load_all(void *opaque, size_t row,
                        void (*emit)(void *ctx, const char *name, size_t len, FtVal *v),
                        void *ctx) {
    HybSource *s = opaque;
    ftaggcmd_doc_all(s->ix, s->rows[row].id, emit, ctx);
}

/* ---- running the two queries ---- */

static int by_score_desc(const void *a, const void *b) {
    const FtResult *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_dist_asc(const void *a, const void *b) {
    const FtHybIn *x = a, *y = b;
    if (x->score < y->score) return -1;
    if (x->score > y->score) return 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The vector query as query text: the KNN or range clause over the FILTER
 * query, yielding the distance as HYB_DIST_NAME. */
static void vector_query_text(const HybReq *r, Slice blob_name, long long k, Buf *q) {
    char nb[64];
    if (r->is_range) {
        buf_append_cstr(q, "@");
        buf_append(q, r->field.p, r->field.len);
        snprintf(nb, sizeof nb, ":[VECTOR_RANGE %.17g $", r->radius);
        buf_append_cstr(q, nb);
        buf_append(q, blob_name.p, blob_name.len);
        buf_append_cstr(q, "]=>{$YIELD_DISTANCE_AS: " HYB_DIST_NAME);
        if (r->epsilon.p) {
            buf_append_cstr(q, "; $EPSILON: ");
            buf_append(q, r->epsilon.p, r->epsilon.len);
        }
        buf_append_cstr(q, "}");
        if (r->filter.p) {
            buf_append_cstr(q, " (");
            buf_append(q, r->filter.p, r->filter.len);
            buf_append_cstr(q, ")");
        }
        return;
    }
    if (r->filter.p) {
        buf_append_cstr(q, "(");
        buf_append(q, r->filter.p, r->filter.len);
        buf_append_cstr(q, ")");
    } else {
        buf_append_cstr(q, "*");
    }
    snprintf(nb, sizeof nb, "=>[KNN %lld @", k);
    buf_append_cstr(q, nb);
    buf_append(q, r->field.p, r->field.len);
    buf_append_cstr(q, " $");
    buf_append(q, blob_name.p, blob_name.len);
    if (r->ef.p) {
        buf_append_cstr(q, " EF_RUNTIME ");
        buf_append(q, r->ef.p, r->ef.len);
    }
    buf_append_cstr(q, " AS " HYB_DIST_NAME "]");
}

/* The LIMIT of the tail (the last one given): 1 with *num, else 0. */
static int tail_limit(const Slice *argv, size_t argc, long long *num) {
    int found = 0;
    for (size_t i = 0; i + 2 < argc; i++) {
        long long off, n;
        if (kw(argv[i], "LIMIT") && num_parse_ll(argv[i + 1].p, argv[i + 1].len, &off) == 0 &&
            num_parse_ll(argv[i + 2].p, argv[i + 2].len, &n) == 0) {
            *num = n;
            found = 1;
        }
    }
    return found;
}

static void reply_result(Client *c, const FtAggResult *res, size_t total, int timed_out,
                         int64_t t0) {
    size_t n = ftagg_result_rows(res);
    if (c->resp >= 3)
        reply_map(c, 4);
    else
        reply_array(c, 8);
    reply_bulk_cstr(c, "total_results");
    reply_int(c, (long long)total);
    reply_bulk_cstr(c, "results");
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        size_t nf = ftagg_result_nfields(res, i);
        if (c->resp >= 3)
            reply_map(c, nf);
        else
            reply_array(c, 2 * nf);
        for (size_t f = 0; f < nf; f++) {
            const char *name;
            size_t nl;
            const FtVal *v;
            ftagg_result_field(res, i, f, &name, &nl, &v);
            reply_bulk(c, name, nl);
            ftaggcmd_reply_val(c, v);
        }
    }
    reply_bulk_cstr(c, "warnings");
    if (timed_out) {
        reply_array(c, 1);
        reply_bulk_cstr(c, "Timeout limit was reached");
    } else {
        reply_array(c, 0);
    }
    reply_bulk_cstr(c, "execution_time");
    reply_double(c, (double)(mono_us() - t0) / 1000.0);
}

static void cmd_ft_hybrid(Client *c) {
    int64_t t0 = mono_us();
    Slice name = c->argv[1];
    const Slice *argv = c->argv + 2;
    int argc = c->argc - 2;
    FtIndex *ix = ftindex_lookup(name);
    if (!ix) {
        reply_error(c, "No such index %.*s", (int)name.len, name.p);
        return;
    }
    HybReq r;
    if (parse_hybrid(c, argv, argc, &r) != 0) return;

    /* The tail: the pipeline, with the implicit parts RediSearch adds (the
     * exact count, LOAD of __key and __score, LIMIT 0 10). NOSORT keeps the
     * fused order, which is the default anyway. */
    const Slice *tail = argv + r.tail;
    size_t n_tail = (size_t)argc - r.tail;
    Slice *targs = xcalloc(n_tail + 8, sizeof(Slice));
    size_t nt = 0;
    int has_load = 0, has_limit;
    for (size_t i = 0; i < n_tail; i++)
        if (kw(tail[i], "LOAD")) has_load = 1;
    long long limit_num = 0;
    has_limit = tail_limit(tail, n_tail, &limit_num);
    targs[nt++] = slice_cstr("WITHCOUNT");
    if (!has_load) {
        targs[nt++] = slice_cstr("LOAD");
        targs[nt++] = slice_cstr("2");
        targs[nt++] = slice_cstr("@__key");
        targs[nt++] = slice_cstr("@__score");
    }
    for (size_t i = 0; i < n_tail; i++) {
        if (kw(tail[i], "NOSORT")) continue;
        if (kw(tail[i], "WITHCOUNT") || kw(tail[i], "WITHOUTCOUNT") || kw(tail[i], "ADDSCORES") ||
            kw(tail[i], "VERBATIM") || kw(tail[i], "WITHCURSOR")) {
            reply_error(c, "Unknown argument `%.*s`", (int)tail[i].len, tail[i].p);
            xfree(targs);
            return;
        }
        targs[nt++] = tail[i];
    }
    if (!has_limit) {
        targs[nt++] = slice_cstr("LIMIT");
        targs[nt++] = slice_cstr("0");
        targs[nt++] = slice_cstr("10");
    }
    char *err = NULL;
    FtAggPlan *plan = ftagg_plan_parse(targs, nt, &err);
    if (!plan) {
        reply_error(c, "%s", err);
        xfree(err);
        xfree(targs);
        return;
    }
    const FtAggQueryOpts *o = ftagg_plan_opts(plan);

    /* Sizes: LIMIT stands in for K and WINDOW not given; K <= WINDOW. */
    long long k = r.k, window = r.window;
    if (has_limit && limit_num > 0) {
        if (!r.has_k) k = limit_num;
        if (!r.has_window) window = limit_num;
    }
    if (r.comb.method == FTHYB_RRF && k > window) k = window;

    /* The vector field. */
    int vf = ftindex_field_find(ix, r.field);
    FtVecIndex *vi = NULL;
    if (vf >= 0 && ix->fields[vf].type == FT_FIELD_VECTOR) vi = ix->fields[vf].vec;

    /* PARAMS, plus the blob when given in place. */
    size_t np = o->n_params * 2;
    Slice *params = xcalloc(np + 2, sizeof(Slice));
    if (np) memcpy(params, o->params, np * sizeof(Slice));
    Slice blob_name = r.vec;
    if (!r.vec_is_param) {
        params[np++] = slice_cstr(HYB_BLOB_NAME);
        params[np++] = r.vec;
        blob_name = slice_cstr(HYB_BLOB_NAME);
    }
    char *scorer = NULL;
    if (r.scorer.p) {
        scorer = xmalloc(r.scorer.len + 1);
        memcpy(scorer, r.scorer.p, r.scorer.len);
        scorer[r.scorer.len] = '\0';
    }
    int dialect = o->dialect ? o->dialect : 2;
    long long timeout = o->timeout_ms >= 0 ? o->timeout_ms : ftconfig_timeout_ms();
    int timed_out = 0;

    FtQueryArgs qa;
    memset(&qa, 0, sizeof(qa));
    qa.query = r.query;
    qa.dialect = dialect;
    qa.scorer = scorer;
    qa.params = params;
    qa.n_params = np;
    qa.timeout_ms = (double)timeout; /* 0: none */
    FtResults tres;
    memset(&tres, 0, sizeof(tres));
    const char *qerr = NULL;
    FtHybIn *tin = NULL, *vin = NULL;
    size_t ntin = 0, nvin = 0;
    FtHybOut *fused = NULL;
    FtAggResult *res = NULL;
    Buf vq;
    buf_init(&vq);
    if (ftindex_query(ix, &qa, &tres, &qerr) != 0) {
        reply_error(c, "%s", qerr ? qerr : "Syntax error");
        goto done;
    }
    timed_out |= ftexec_last_timed_out();
    /* The live documents, best first, the WINDOW best. */
    {
        size_t live = 0;
        for (size_t i = 0; i < tres.n; i++) {
            Slice key;
            if (ftindex_doc_key(ix, tres.v[i].id, &key)) tres.v[live++] = tres.v[i];
        }
        qsort(tres.v, live, sizeof(FtResult), by_score_desc);
        ntin = live < (size_t)window ? live : (size_t)window;
        tin = xcalloc(ntin ? ntin : 1, sizeof(FtHybIn));
        for (size_t i = 0; i < ntin; i++) {
            tin[i].id = tres.v[i].id;
            tin[i].score = tres.v[i].score;
        }
    }

    /* The vector side. */
    vector_query_text(&r, blob_name, k, &vq);
    FtQueryArgs va = qa;
    va.query = slice_of(buf_data(&vq), buf_live(&vq));
    va.scorer = NULL;
    if (va.dialect < 2) va.dialect = 2;
    {
        FtqSchema schema;
        FtqNode *root = ftexec_parse(ix, &va, &schema, &qerr);
        if (!root) {
            reply_error(c, "%s", qerr ? qerr : "Syntax error");
            goto done;
        }
        FtExecOpts eopt;
        memset(&eopt, 0, sizeof eopt);
        eopt.args = &va;
        eopt.infields = FTQ_FIELDMASK_ALL;
        eopt.slop = -1;
        FtExecOut eo;
        memset(&eo, 0, sizeof eo);
        int rc = ftexec_run(ix, root, &eopt, &eo, &qerr);
        ftq_free(root);
        if (rc != 0) {
            ftexec_out_free(&eo);
            reply_error(c, "%s", qerr ? qerr : "Syntax error");
            goto done;
        }
        timed_out |= eo.timed_out;
        int metric = vi ? (int)ftvec_params(vi)->metric : FTVEC_L2;
        const FtYield *y = NULL;
        for (size_t i = 0; i < eo.n_yields; i++)
            if (!strcmp(eo.yields[i].name, HYB_DIST_NAME)) y = &eo.yields[i];
        vin = xcalloc(y && y->n ? y->n : 1, sizeof(FtHybIn));
        if (y) {
            /* The matched live documents with their distances (the
             * results are in id order). */
            for (size_t i = 0; i < y->n; i++) {
                Slice key;
                size_t lo = 0, hi = eo.res.n;
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (eo.res.v[mid].id < y->ids[i])
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                int matched = lo < eo.res.n && eo.res.v[lo].id == y->ids[i];
                if (!matched || !ftindex_doc_key(ix, y->ids[i], &key)) continue;
                vin[nvin].id = y->ids[i];
                vin[nvin].score = y->vals[i];
                nvin++;
            }
            qsort(vin, nvin, sizeof(FtHybIn), by_dist_asc);
            size_t cap = r.is_range ? (size_t)window : (size_t)k;
            if (nvin > cap) nvin = cap;
            for (size_t i = 0; i < nvin; i++)
                vin[i].score = fthybrid_vec_norm(metric, vin[i].score);
        }
        ftexec_out_free(&eo);
    }

    size_t nf = fthybrid_fuse(tin, ntin, vin, nvin, &r.comb, &fused);
    HybSource hs = {ix, fused, nf, r.text_yield, r.vec_yield, r.comb_yield};
    FtAggSource src;
    memset(&src, 0, sizeof(src));
    src.n_rows = nf;
    src.opaque = &hs;
    src.key = hs_key;
    src.score = hs_score;
    src.field_kind = hs_field_kind;
    src.load = hs_load;
    src.load_all = hs_load_all;
    src.deadline_us = timeout > 0 ? t0 + timeout * 1000 : 0;
    src.timeout_fail = ftconfig_on_timeout() == FTCONF_ON_TIMEOUT_FAIL;
    res = ftagg_run(plan, &src, &err);
    if (!res) {
        reply_error(c, "%s", err);
        xfree(err);
        goto done;
    }
    reply_result(c, res, ftagg_result_total(res), timed_out || ftagg_result_timed_out(res), t0);

done:
    ftagg_result_free(res);
    xfree(fused);
    xfree(tin);
    xfree(vin);
    buf_free(&vq);
    ftresults_free(&tres);
    xfree(scorer);
    xfree(params);
    ftagg_plan_free(plan);
    xfree(targs);
}

const Command fthybrid_commands[] = {
    {"ft.hybrid", cmd_ft_hybrid, -2, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
