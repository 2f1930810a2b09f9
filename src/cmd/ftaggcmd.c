/*
 * ftaggcmd.c - FT.AGGREGATE and FT.CURSOR READ / DEL / GC: the query
 * engine's aggregations, on the index API (types/ftindex.h) and the
 * pipeline (types/ftagg.h).
 *
 * FT.AGGREGATE idx query [options...]: the options are parsed first (a bad
 * one fails before the query runs), the query gives the matching document
 * ids with their scores, the pipeline runs over them loading fields through
 * the index, and the reply is written here:
 *
 *   RESP2  [total, [name, value, ...], [name, value, ...], ...]
 *   RESP3  {attributes: [], format: STRING, results: [{extra_attributes:
 *          {name: value, ...}, values: []}, ...], total_results: total,
 *          warning: []}
 *
 * Values are bulk strings (numbers formatted as RediSearch formats them),
 * nil for a null, arrays for arrays. With WITHCURSOR the reply is
 * [that, cursor id] holding the first COUNT rows (1000 by default), and the
 * cursor keeps the rest for FT.CURSOR READ; id 0 means everything was sent
 * (a read that returns fewer rows than asked for ends the cursor).
 *
 * FT.PROFILE idx AGGREGATE [LIMITED] QUERY q [options] runs the same way
 * (ftaggcmd_run(), cmd/ftaggcmd.h) and replies [that, profile] (no cursor).
 *
 * Cursors are kept by types/ftagg.c, per index name; idle ones (MAXIDLE,
 * 300000 ms at most and by default) are reaped by a cron hook registered
 * with the first cursor. The index side must call ftagg_cursor_drop_index()
 * when an index is dropped and may report ftagg_cursor_stats() in FT.INFO.
 */
#include <ctype.h>
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
#include "types/ftindex.h"
#include "types/ftindex_int.h"
#include "types/ftquery.h"

/* The rows of one FT.AGGREGATE: the live documents the query matched. */
typedef struct AggSource {
    FtIndex *ix;
    FtResult *rows;
    size_t n;
} AggSource;

static const char *src_key(void *opaque, size_t row, size_t *len) {
    AggSource *s = opaque;
    Slice k = {"", 0};
    ftindex_doc_key(s->ix, s->rows[row].id, &k);
    *len = k.len;
    return k.p;
}

static double src_score(void *opaque, size_t row) {
    AggSource *s = opaque;
    return s->rows[row].score;
}

/* Whether name is a distance the query yields (KNN ... AS name,
 * $YIELD_DISTANCE_AS, __field_score): a value every step may read. */
static int is_yield(AggSource *s, const char *name, size_t len) {
    double d;
    for (size_t i = 0; i < s->n; i++)
        if (ftindex_query_yield(s->ix, slice_of(name, len), s->rows[i].id, &d)) return 1;
    return 0;
}

static int src_field_kind(void *opaque, const char *name, size_t len) {
    AggSource *s = opaque;
    int f = ftindex_field_find(s->ix, slice_of(name, len));
    if (f < 0) return is_yield(s, name, len) ? FTAGG_FIELD_SORTABLE : FTAGG_FIELD_UNKNOWN;
    return s->ix->fields[f].flags & FTF_SORTABLE ? FTAGG_FIELD_SORTABLE : FTAGG_FIELD_SCHEMA;
}

static int src_load(void *opaque, size_t row, const char *name, size_t len, int sortable_form,
                    FtVal *out) {
    AggSource *s = opaque;
    double num = 0;
    if (ftindex_field_find(s->ix, slice_of(name, len)) < 0 &&
        ftindex_query_yield(s->ix, slice_of(name, len), s->rows[row].id, &num)) {
        *out = ftval_num(num);
        return 0;
    }
    return ftaggcmd_doc_field(s->ix, s->rows[row].id, name, len, sortable_form, out);
}

int ftaggcmd_doc_field(FtIndex *ix, FtDocId id, const char *name, size_t len, int sortable_form,
                       FtVal *out) {
    Buf b;
    buf_init(&b);
    double num = 0;
    int kind = ftindex_doc_load(ix, id, slice_of(name, len), &b, &num);
    if (kind == FT_VAL_NONE) {
        buf_free(&b);
        return 1;
    }
    if (kind == FT_VAL_NUM) {
        *out = ftval_num(num);
    } else {
        *out = ftval_str(buf_data(&b), buf_live(&b));
        /* A SORTABLE TEXT or TAG attribute is kept lowercased for sorting
         * (unless UNF), and RediSearch hands that form to the pipeline. */
        int f = sortable_form ? ftindex_field_find(ix, slice_of(name, len)) : -1;
        if (f >= 0 && !(ix->fields[f].flags & FTF_UNF) &&
            (ix->fields[f].type == FT_FIELD_TEXT || ix->fields[f].type == FT_FIELD_TAG))
            for (size_t i = 0; i < out->len; i++)
                out->str[i] = (char)tolower((unsigned char)out->str[i]);
    }
    buf_free(&b);
    return 0;
}

typedef struct LoadAllCtx {
    void (*emit)(void *ctx, const char *name, size_t len, FtVal *v);
    void *ctx;
} LoadAllCtx;

static void visit_field(void *priv, Slice name, Slice value) {
    LoadAllCtx *lc = priv;
    FtVal v = ftval_str(value.p, value.len);
    lc->emit(lc->ctx, name.p, name.len, &v);
}

void ftaggcmd_doc_all(FtIndex *ix, FtDocId id,
                      void (*emit)(void *ctx, const char *name, size_t len, FtVal *v), void *ctx) {
    LoadAllCtx lc = {emit, ctx};
    ftindex_doc_foreach(ix, id, visit_field, &lc);
}

static void src_load_all(void *opaque, size_t row,
                         void (*emit)(void *ctx, const char *name, size_t len, FtVal *v),
                         void *ctx) {
    AggSource *s = opaque;
    ftaggcmd_doc_all(s->ix, s->rows[row].id, emit, ctx);
}

/* ---- replies ---- */

void ftaggcmd_reply_val(Client *c, const FtVal *v) {
    char nb[32];
    switch (v ? v->type : FTV_NULL) {
    case FTV_STR:
        reply_bulk(c, v->str, v->len);
        break;
    case FTV_NUM:
        reply_bulk(c, nb, ftval_fmt_num(v->num, nb));
        break;
    case FTV_ARR:
        reply_array(c, v->len);
        for (size_t i = 0; i < v->len; i++) ftaggcmd_reply_val(c, &v->arr[i]);
        break;
    case FTV_MAP: /* COLLECT's elements: a map in RESP3, a flat array in RESP2 */
        if (c->resp >= 3)
            reply_map(c, v->len / 2);
        else
            reply_array(c, v->len);
        for (size_t i = 0; i < v->len; i++) ftaggcmd_reply_val(c, &v->arr[i]);
        break;
    default:
        reply_null(c);
        break;
    }
}

/* Rows [from, to) of r, with total first, in the client's protocol. */
static void reply_chunk(Client *c, const FtAggResult *r, size_t from, size_t to, size_t total,
                        int timed_out) {
    if (c->resp >= 3) {
        reply_map(c, 5);
        reply_bulk_cstr(c, "attributes");
        reply_array(c, 0);
        reply_bulk_cstr(c, "format");
        reply_bulk_cstr(c, "STRING");
        reply_bulk_cstr(c, "results");
        reply_array(c, to - from);
        for (size_t i = from; i < to; i++) {
            size_t nf = ftagg_result_nfields(r, i);
            reply_map(c, 2);
            reply_bulk_cstr(c, "extra_attributes");
            reply_map(c, nf);
            for (size_t f = 0; f < nf; f++) {
                const char *name;
                size_t nl;
                const FtVal *v;
                ftagg_result_field(r, i, f, &name, &nl, &v);
                reply_bulk(c, name, nl);
                ftaggcmd_reply_val(c, v);
            }
            reply_bulk_cstr(c, "values");
            reply_array(c, 0);
        }
        reply_bulk_cstr(c, "total_results");
        reply_int(c, (long long)total);
        reply_bulk_cstr(c, "warning");
        if (timed_out) {
            reply_array(c, 1);
            reply_bulk_cstr(c, "Timeout limit was reached");
        } else {
            reply_array(c, 0);
        }
        return;
    }
    reply_array(c, 1 + (to - from));
    reply_int(c, (long long)total);
    for (size_t i = from; i < to; i++) {
        size_t nf = ftagg_result_nfields(r, i);
        reply_array(c, 2 * nf);
        for (size_t f = 0; f < nf; f++) {
            const char *name;
            size_t nl;
            const FtVal *v;
            ftagg_result_field(r, i, f, &name, &nl, &v);
            reply_bulk(c, name, nl);
            ftaggcmd_reply_val(c, v);
        }
    }
}

/* One read of a cursor: [chunk, id], the id 0 when this read ended it. */
static void cursor_read(Client *c, Slice index, FtAggCursor *cur, size_t count) {
    size_t n = ftagg_result_rows(cur->res);
    size_t from = cur->pos, to = from + count;
    if (to > n || to < from) to = n;
    uint64_t id = cur->id;
    int done = to - from < count;
    reply_array(c, 2);
    reply_chunk(c, cur->res, from, to, ftagg_result_chunk_total(cur->res, from),
                from == 0 && ftagg_result_timed_out(cur->res));
    cur->pos = to;
    cur->last_ms = now_ms();
    if (done) {
        ftagg_cursor_del(index.p, index.len, id);
        reply_int(c, 0);
    } else {
        reply_int(c, (long long)id);
    }
}

static int cron_registered;

static void cursor_cron(void) {
    ftagg_cursor_expire(now_ms());
}

/* ---- FT.AGGREGATE ---- */

/* The profile FT.PROFILE adds after the result: the times spent and the
 * query as FT.EXPLAIN prints it (root NULL: an empty query text). */
void ftcmd_reply_profile(Client *c, const FtqNode *root, const FtqSchema *schema, int64_t t0,
                         int64_t t1) {
    int64_t t2 = mono_us();
    reply_map(c, 4);
    reply_bulk_cstr(c, "Total profile time");
    reply_double(c, (double)(t2 - t0) / 1000.0);
    reply_bulk_cstr(c, "Parsing and iteration time");
    reply_double(c, (double)(t1 - t0) / 1000.0);
    reply_bulk_cstr(c, "Result processing time");
    reply_double(c, (double)(t2 - t1) / 1000.0);
    reply_bulk_cstr(c, "Query");
    Buf b;
    buf_init(&b);
    if (root) ftq_explain(root, schema, &b);
    reply_bulk(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

static void reply_profile(Client *c, FtIndex *ix, const FtQueryArgs *qa, int64_t t0, int64_t t1) {
    const char *err;
    FtqSchema schema;
    FtqNode *root = ftexec_parse(ix, qa, &schema, &err);
    ftcmd_reply_profile(c, root, &schema, t0, t1);
    ftq_free(root);
}

void ftaggcmd_run(Client *c, Slice name, Slice query, const Slice *args, size_t n_args,
                  int profile) {
    char *err = NULL;
    int64_t t0 = mono_us();
    FtAggPlan *plan = ftagg_plan_parse(args, n_args, &err);
    if (!plan) {
        reply_error(c, "%s", err);
        xfree(err);
        return;
    }
    FtIndex *ix = ftindex_lookup(name);
    if (!ix) {
        reply_error(c, "%.*s: no such index", (int)name.len, name.p);
        ftagg_plan_free(plan);
        return;
    }
    const FtAggQueryOpts *o = ftagg_plan_opts(plan);
    if (o->language.p && !ftindex__language_ok(o->language)) {
        reply_error(c, "No such language %.*s", (int)o->language.len, o->language.p);
        ftagg_plan_free(plan);
        return;
    }
    char *scorer = NULL;
    if (o->scorer.p) {
        scorer = xmalloc(o->scorer.len + 1);
        memcpy(scorer, o->scorer.p, o->scorer.len);
        scorer[o->scorer.len] = '\0';
    }
    FtQueryArgs qa;
    memset(&qa, 0, sizeof(qa));
    qa.query = query;
    qa.dialect = o->dialect;
    qa.verbatim = o->is_verbatim;
    qa.language = o->language;
    qa.scorer = scorer;
    qa.params = o->params;
    qa.n_params = o->n_params * 2; /* ftindex counts the name and value slices */
    /* TIMEOUT, else search-timeout: for the query and the pipeline both. */
    qa.timeout_ms = o->timeout_ms >= 0 ? (double)o->timeout_ms : -1;
    long long tmo = o->timeout_ms >= 0 ? o->timeout_ms : ftconfig_timeout_ms();
    FtResults res;
    memset(&res, 0, sizeof(res));
    const char *qerr = NULL;
    if (ftindex_query(ix, &qa, &res, &qerr) != 0) {
        reply_error(c, "%s", qerr ? qerr : "Syntax error");
        xfree(scorer);
        ftagg_plan_free(plan);
        return;
    }
    /* The live documents only (a dead id has no key). */
    size_t live = 0;
    for (size_t i = 0; i < res.n; i++) {
        Slice k;
        if (ftindex_doc_key(ix, res.v[i].id, &k)) res.v[live++] = res.v[i];
    }
    AggSource as = {ix, res.v, live};
    FtAggSource src;
    memset(&src, 0, sizeof(src));
    src.n_rows = live;
    src.opaque = &as;
    src.key = src_key;
    src.score = src_score;
    src.field_kind = src_field_kind;
    src.load = src_load;
    src.load_all = src_load_all;
    src.deadline_us = tmo > 0 ? t0 + tmo * 1000 : 0;
    src.timeout_fail = ftconfig_on_timeout() == FTCONF_ON_TIMEOUT_FAIL;
    int query_timed_out = ftexec_last_timed_out();
    int64_t t1 = mono_us();
    FtAggResult *r = ftagg_run(plan, &src, &err);
    ftresults_free(&res);
    if (!r) {
        reply_error(c, "%s", err);
        xfree(err);
        xfree(scorer);
        ftagg_plan_free(plan);
        return;
    }
    if (!o->with_cursor || profile) {
        if (profile) reply_array(c, 2);
        reply_chunk(c, r, 0, ftagg_result_rows(r), ftagg_result_total(r),
                    query_timed_out || ftagg_result_timed_out(r));
        if (profile) reply_profile(c, ix, &qa, t0, t1);
        ftagg_result_free(r);
        xfree(scorer);
        ftagg_plan_free(plan);
        return;
    }
    xfree(scorer);
    Slice canon = ftindex_name(ix);
    size_t count = o->cursor_count > 0 ? (size_t)o->cursor_count : 1000;
    FtAggCursor *cur =
        ftagg_cursor_open(canon.p, canon.len, r, count, o->cursor_maxidle_ms, now_ms());
    ftagg_plan_free(plan);
    if (!cur) {
        reply_error(c, "Too many cursors allocated for index");
        return;
    }
    if (!cron_registered) {
        server_on_cron(cursor_cron);
        cron_registered = 1;
    }
    cursor_read(c, canon, cur, count);
}

static void cmd_ft_aggregate(Client *c) {
    ftaggcmd_run(c, c->argv[1], c->argv[2], c->argv + 3, (size_t)c->argc - 3, 0);
}

/* ---- FT.CURSOR ---- */

/* The index name cursors are filed under (its canonical name when the
 * index exists: an alias finds them too). */
static Slice cursor_index(Slice given) {
    FtIndex *ix = ftindex_lookup(given);
    return ix ? ftindex_name(ix) : given;
}

static int parse_cursor_id(Client *c, Slice s, uint64_t *id) {
    unsigned long long v;
    if (num_parse_ull(s.p, s.len, &v) != 0) {
        reply_error(c, "Bad cursor ID");
        return -1;
    }
    *id = v;
    return 0;
}

static void cmd_ft_cursor_read(Client *c) {
    Slice index = cursor_index(c->argv[2]);
    uint64_t id;
    if (parse_cursor_id(c, c->argv[3], &id) != 0) return;
    long long count = 0;
    for (int i = 4; i < c->argc; i++) {
        if (slice_eq_nocase(c->argv[i], "COUNT") && i + 1 < c->argc) {
            if (num_parse_ll(c->argv[i + 1].p, c->argv[i + 1].len, &count) != 0 || count < 0) {
                reply_error(c, "Bad value for COUNT");
                return;
            }
            i++;
        } else if (slice_eq_nocase(c->argv[i], "MAXIDLE") && i + 1 < c->argc) {
            i++; /* accepted (redis-py sends it); the idle time stays the cursor's */
        } else {
            reply_error(c, "Unknown argument `%.*s`", (int)c->argv[i].len, c->argv[i].p);
            return;
        }
    }
    FtAggCursor *cur = ftagg_cursor_find(index.p, index.len, id);
    if (!cur) {
        reply_error(c, "Cursor not found, id: %llu", (unsigned long long)id);
        return;
    }
    cursor_read(c, index, cur, count > 0 ? (size_t)count : cur->count);
}

static void cmd_ft_cursor_del(Client *c) {
    Slice index = cursor_index(c->argv[2]);
    uint64_t id;
    if (parse_cursor_id(c, c->argv[3], &id) != 0) return;
    if (ftagg_cursor_del(index.p, index.len, id) != 0) {
        reply_error(c, "Cursor does not exist");
        return;
    }
    reply_ok(c);
}

static void cmd_ft_cursor_gc(Client *c) {
    reply_int(c, (long long)ftagg_cursor_expire(now_ms()));
}

static const Command ft_cursor_subcommands[] = {
    {"read", cmd_ft_cursor_read, -4, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    {"del", cmd_ft_cursor_del, 4, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    {"gc", cmd_ft_cursor_gc, -3, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command ftagg_commands[] = {
    {"ft.aggregate", cmd_ft_aggregate, -3, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.cursor", NULL, -2, 0, "@search @slow", 0, 0, 0, ft_cursor_subcommands},
    END_OF_COMMANDS,
};
