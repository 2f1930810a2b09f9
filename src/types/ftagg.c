/*
 * ftagg.c - FT.AGGREGATE's pipeline and cursors, with the semantics of
 * RediSearch (written for streamd from its documentation and tests).
 *
 * Parse (ftagg_plan_parse): the arguments after the query become a list of
 * steps in the order given - LOAD, GROUPBY (with its REDUCEs), SORTBY, APPLY,
 * FILTER, LIMIT - plus the query options (VERBATIM, TIMEOUT, PARAMS,
 * DIALECT, SCORER, ADDSCORES, WITHCURSOR). Expressions are compiled here,
 * so a syntax error fails the command before the query runs.
 *
 * Bind (start of ftagg_run): every step reads and writes named slots of a
 * row ("keys"). Keys live in a lookup: one for the documents, and a fresh
 * one after each GROUPBY, whose rows hold only the group values and the
 * reducers' results. A name a step reads must already be a key: LOADed, or
 * written by an earlier APPLY / reducer; otherwise RediSearch's implicit
 * loading decides - GROUPBY, REDUCE and SORTBY may read any schema attribute
 * of the documents, APPLY and FILTER only SORTABLE ones (given in their
 * sortable form, e.g. lowercased text). The rest fails with RediSearch's
 * errors ("Property `x` not loaded nor in pipeline", "... nor in schema",
 * "No such property `x`").
 *
 * Run: the rows are materialised (every needed field of every document is
 * loaded once, up front), then each step transforms the whole row vector in
 * turn. A result is the last vector, plus the number RediSearch puts first
 * in the reply: the groups of the last GROUPBY; else, when a SORTBY buffered
 * everything, the documents matched; else the documents read until the
 * first row came out (RediSearch streams such pipelines and counts lazily -
 * "FT.AGGREGATE idx *" over 3 documents replies 1 first).
 *
 * Cursors hold a finished result and a read position, so FT.CURSOR READ is
 * a slice of it. The alternative, suspending the pipeline between reads as
 * RediSearch does, would keep index iterators alive across commands and
 * interleave with writes; a snapshot is simpler and its only visible
 * difference is that documents changed between reads are not re-read.
 */
#include "types/ftagg.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"
#include "server/dict.h"

/* ---- plan ---- */

/* Steps. SORTBY and LIMIT of one segment of the pipeline (between
 * GROUPBYs) are one "arrange" step, as in RediSearch: the LIMIT pages the
 * sorted rows wherever it was written, and a SORTBY without a LIMIT keeps
 * MAX rows, 10 by default. */
enum { S_LOAD, S_LOADALL, S_GROUP, S_ARRANGE, S_APPLY, S_FILTER };

enum {
    R_COUNT,
    R_COUNT_DISTINCT,
    R_COUNT_DISTINCTISH,
    R_SUM,
    R_MIN,
    R_MAX,
    R_AVG,
    R_STDDEV,
    R_QUANTILE,
    R_TOLIST,
    R_FIRST_VALUE,
    R_RANDOM_SAMPLE,
    R_COLLECT
};

/* COLLECT's limits, as RediSearch's: FIELDS names, SORTBY properties. */
#define COLLECT_MAX_FIELDS 1025
#define COLLECT_MAX_SORT   8

typedef struct Reducer {
    int kind;
    Slice field;     /* the property read, without '@' (none for COUNT) */
    Slice by;        /* FIRST_VALUE ... BY @by */
    int by_desc;     /* FIRST_VALUE ... BY @by DESC */
    double quantile; /* QUANTILE */
    long long size;  /* RANDOM_SAMPLE */
    char *alias;     /* owned: AS name, or RediSearch's generated one */
    /* COLLECT FIELDS n @f... | FIELDS * [SORTBY n @p [ASC|DESC]...]
     * [LIMIT off num] [DISTINCT] */
    Slice *cfields; /* owned array of views; NULL with cstar */
    size_t n_cfields;
    int cstar;
    Slice *csort; /* owned array of views */
    int *cdesc;
    size_t n_csort;
    int c_has_limit;
    long long coff, cnum;
    int cdistinct;
} Reducer;

typedef struct LoadItem {
    Slice name;  /* what to load ("f", "$.a") */
    Slice alias; /* the key it lands in */
} LoadItem;

typedef struct Step {
    int kind;
    LoadItem *loads; /* S_LOAD */
    size_t n_loads;
    Slice *fields; /* S_GROUP: properties; S_ARRANGE: sort properties */
    int *desc;     /* S_ARRANGE: per property */
    size_t n_fields;
    Reducer *reds; /* S_GROUP */
    size_t n_reds;
    long long max; /* S_ARRANGE: MAX (0: none) */
    FtExpr *expr;  /* S_APPLY, S_FILTER */
    Slice alias;   /* S_APPLY: AS name (the expression's text without it) */
    int has_limit; /* S_ARRANGE: a LIMIT was given */
    long long off; /* S_ARRANGE: LIMIT */
    long long num; /* S_ARRANGE: LIMIT */
} Step;

struct FtAggPlan {
    FtAggQueryOpts opts;
    Step *steps;
    size_t n_steps;
};

/* ---- errors ---- */

static char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msg(const char *fmt, ...) {
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_append_char(&b, '\0');
    return b.p;
}

/* ---- argument cursor ---- */

typedef struct Args {
    const Slice *v;
    size_t n, i;
} Args;

static int args_more(const Args *a) {
    return a->i < a->n;
}

static int is_kw(Slice s, const char *w) {
    return slice_eq_nocase(s, w);
}

/* An integer argument for option `what`: 0, or -1 with *err set in
 * RediSearch's "Bad arguments for X: ..." words. */
static int arg_ll(Args *a, const char *what, long long lo, long long hi, long long *out,
                  char **err) {
    if (!args_more(a)) {
        *err = msg("Bad arguments for %s: Expected an argument, but none provided", what);
        return -1;
    }
    Slice s = a->v[a->i];
    long long v;
    if (num_parse_ll(s.p, s.len, &v) != 0) {
        *err = msg("Bad arguments for %s: Could not convert argument to expected type", what);
        return -1;
    }
    if (v < lo || v > hi) {
        *err = msg("Bad arguments for %s: Value is outside acceptable bounds", what);
        return -1;
    }
    a->i++;
    *out = v;
    return 0;
}

int ftagg_parse_double(Slice s, double *out) {
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof(tmp)) return -1;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    char *end;
    *out = strtod(tmp, &end);
    return *end == '\0' && !isnan(*out) ? 0 : -1;
}

/* The count of a variadic option ("GROUPBY 2 @a @b"): at least lo, and no
 * more than the arguments that follow it. */
static int arg_count(Args *a, const char *what, long long lo, long long *out, char **err) {
    if (arg_ll(a, what, lo, LLONG_MAX, out, err) != 0) return -1;
    if (*out > (long long)(a->n - a->i)) {
        *err = msg("Bad arguments for %s: Expected an argument, but none provided", what);
        return -1;
    }
    return 0;
}

/* A property reference "@name" (or a JSON path "$..."): the name, or -1
 * with RediSearch's prefix error. */
static int arg_prop(Slice s, const char *where, Slice *out, char **err) {
    if (s.len >= 2 && s.p[0] == '@') {
        *out = slice_of(s.p + 1, s.len - 1);
        return 0;
    }
    if (s.len >= 1 && s.p[0] == '$') {
        *out = s;
        return 0;
    }
    *err = msg("Missing prefix: name requires '@' prefix, JSON path require '$' prefix, got: %.*s "
               "in %s",
               (int)s.len, s.p, where);
    return -1;
}

static void step_free(Step *st) {
    xfree(st->loads);
    xfree(st->fields);
    xfree(st->desc);
    for (size_t i = 0; i < st->n_reds; i++) {
        xfree(st->reds[i].alias);
        xfree(st->reds[i].cfields);
        xfree(st->reds[i].csort);
        xfree(st->reds[i].cdesc);
    }
    xfree(st->reds);
    ftexpr_free(st->expr);
}

void ftagg_plan_free(FtAggPlan *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_steps; i++) step_free(&p->steps[i]);
    xfree(p->steps);
    xfree(p);
}

static Step *add_step(FtAggPlan *p, int kind) {
    p->steps = xrealloc(p->steps, (p->n_steps + 1) * sizeof(Step));
    Step *st = &p->steps[p->n_steps++];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    return st;
}

static const struct {
    const char *name;
    int kind;
} reducer_names[] = {
    {"COUNT", R_COUNT},
    {"COUNT_DISTINCT", R_COUNT_DISTINCT},
    {"COUNT_DISTINCTISH", R_COUNT_DISTINCTISH},
    {"SUM", R_SUM},
    {"MIN", R_MIN},
    {"MAX", R_MAX},
    {"AVG", R_AVG},
    {"STDDEV", R_STDDEV},
    {"QUANTILE", R_QUANTILE},
    {"TOLIST", R_TOLIST},
    {"FIRST_VALUE", R_FIRST_VALUE},
    {"RANDOM_SAMPLE", R_RANDOM_SAMPLE},
    {"COLLECT", R_COLLECT},
};

/* COLLECT's arguments (args[0..n)). */
static int parse_collect(const Slice *args, size_t n, Reducer *r, char **err) {
    size_t i = 0;
    int has_fields = 0;
    while (i < n) {
        Slice kw = args[i++];
        if (is_kw(kw, "FIELDS")) {
            if (has_fields) {
                *err = msg("Bad arguments for COLLECT: FIELDS given twice");
                return -1;
            }
            has_fields = 1;
            if (i >= n) {
                *err = msg("Bad arguments for FIELDS: Expected an argument, but none provided");
                return -1;
            }
            if (args[i].len == 1 && args[i].p[0] == '*') {
                r->cstar = 1;
                i++;
                continue;
            }
            long long cnt;
            if (num_parse_ll(args[i].p, args[i].len, &cnt) != 0 || cnt < 1 ||
                cnt > COLLECT_MAX_FIELDS) {
                *err = msg("FIELDS count must be in [1, %d]", COLLECT_MAX_FIELDS);
                return -1;
            }
            i++;
            if ((size_t)cnt > n - i) {
                *err = msg("Bad arguments for FIELDS: Expected an argument, but none provided");
                return -1;
            }
            r->cfields = xcalloc((size_t)cnt, sizeof(Slice));
            for (long long j = 0; j < cnt; j++) {
                if (arg_prop(args[i], "COLLECT", &r->cfields[r->n_cfields], err) != 0) return -1;
                r->n_cfields++;
                i++;
            }
        } else if (is_kw(kw, "SORTBY")) {
            long long cnt;
            if (i >= n || num_parse_ll(args[i].p, args[i].len, &cnt) != 0 || cnt < 1 ||
                (size_t)cnt > n - i - 1) {
                *err = msg("Bad arguments for SORTBY: Expected an argument, but none provided");
                return -1;
            }
            i++;
            xfree(r->csort);
            xfree(r->cdesc);
            r->csort = xcalloc((size_t)cnt, sizeof(Slice));
            r->cdesc = xcalloc((size_t)cnt, sizeof(int));
            r->n_csort = 0;
            for (long long j = 0; j < cnt; j++) {
                Slice s = args[i++];
                if (is_kw(s, "ASC") || is_kw(s, "DESC")) {
                    if (r->n_csort == 0) {
                        *err = msg("Bad arguments for SORTBY: ASC/DESC must follow a property");
                        return -1;
                    }
                    r->cdesc[r->n_csort - 1] = is_kw(s, "DESC");
                    continue;
                }
                if (r->n_csort == COLLECT_MAX_SORT) {
                    *err = msg("SORTBY exceeds maximum of %d fields", COLLECT_MAX_SORT);
                    return -1;
                }
                if (arg_prop(s, "SORTBY", &r->csort[r->n_csort], err) != 0) return -1;
                r->n_csort++;
            }
        } else if (is_kw(kw, "LIMIT")) {
            if (n - i < 2 || num_parse_ll(args[i].p, args[i].len, &r->coff) != 0 ||
                num_parse_ll(args[i + 1].p, args[i + 1].len, &r->cnum) != 0 || r->coff < 0 ||
                r->cnum < 0) {
                *err = msg("Bad arguments for LIMIT: Expected an argument, but none provided");
                return -1;
            }
            i += 2;
            r->c_has_limit = 1;
        } else if (is_kw(kw, "DISTINCT")) {
            r->cdistinct = 1;
        } else {
            *err = msg("Unknown argument for COLLECT: %.*s", (int)kw.len, kw.p);
            return -1;
        }
    }
    if (!has_fields) {
        *err = msg("Bad arguments for COLLECT: FIELDS is required");
        return -1;
    }
    return 0;
}

/* REDUCE name nargs args... [AS alias]; a->i is past REDUCE. */
static int parse_reducer(Args *a, Reducer *r, char **err) {
    if (!args_more(a)) {
        *err = msg("Bad arguments for REDUCE: Expected an argument, but none provided");
        return -1;
    }
    Slice name = a->v[a->i++];
    r->kind = -1;
    for (size_t i = 0; i < sizeof(reducer_names) / sizeof(reducer_names[0]); i++)
        if (slice_eq_nocase(name, reducer_names[i].name)) r->kind = reducer_names[i].kind;
    if (r->kind < 0) {
        *err = msg("No such reducer `%.*s`", (int)name.len, name.p);
        return -1;
    }
    const char *uname = NULL;
    for (size_t i = 0; i < sizeof(reducer_names) / sizeof(reducer_names[0]); i++)
        if (reducer_names[i].kind == r->kind) uname = reducer_names[i].name;
    long long nargs;
    if (arg_count(a, uname, 0, &nargs, err) != 0) return -1;
    const Slice *args = a->v + a->i;
    a->i += (size_t)nargs;
    switch (r->kind) {
    case R_COUNT:
        if (nargs != 0) {
            *err = msg("Count accepts 0 values only");
            return -1;
        }
        break;
    case R_QUANTILE: {
        if (nargs != 2) {
            *err = msg("Bad arguments for QUANTILE: Expected an argument, but none provided");
            return -1;
        }
        if (arg_prop(args[0], "QUANTILE", &r->field, err) != 0) return -1;
        char tmp[64];
        size_t l = args[1].len < 63 ? args[1].len : 63;
        memcpy(tmp, args[1].p, l);
        tmp[l] = '\0';
        char *end;
        double q = strtod(tmp, &end);
        if (l == 0 || *end || !(q >= 0 && q <= 1)) {
            *err = msg("Quantile must be between 0.0 and 1.0");
            return -1;
        }
        r->quantile = q;
        break;
    }
    case R_RANDOM_SAMPLE: {
        if (nargs != 2) {
            *err = msg("Bad arguments for RANDOM_SAMPLE: Expected an argument, but none provided");
            return -1;
        }
        if (arg_prop(args[0], "RANDOM_SAMPLE", &r->field, err) != 0) return -1;
        long long k;
        if (num_parse_ll(args[1].p, args[1].len, &k) != 0 || k < 1 || k > 1000) {
            *err = msg("Sample size must be between 1 and 1000");
            return -1;
        }
        r->size = k;
        break;
    }
    case R_COLLECT:
        if (parse_collect(args, (size_t)nargs, r, err) != 0) return -1;
        break;
    case R_FIRST_VALUE: {
        if (nargs < 1) {
            *err = msg("Bad arguments for FIRST_VALUE: Expected an argument, but none provided");
            return -1;
        }
        if (arg_prop(args[0], "FIRST_VALUE", &r->field, err) != 0) return -1;
        size_t i = 1;
        if (i < (size_t)nargs) {
            if (!is_kw(args[i], "BY")) {
                *err = msg("Unknown argument for FIRST_VALUE: %.*s", (int)args[i].len, args[i].p);
                return -1;
            }
            i++;
            if (i >= (size_t)nargs) {
                *err = msg("Bad arguments for FIRST_VALUE: Expected an argument, but none "
                           "provided");
                return -1;
            }
            if (arg_prop(args[i], "FIRST_VALUE", &r->by, err) != 0) return -1;
            i++;
            if (i < (size_t)nargs) {
                if (is_kw(args[i], "DESC")) {
                    r->by_desc = 1;
                } else if (!is_kw(args[i], "ASC")) {
                    *err =
                        msg("Unknown argument for FIRST_VALUE: %.*s", (int)args[i].len, args[i].p);
                    return -1;
                }
                i++;
            }
            if (i < (size_t)nargs) {
                *err = msg("Unknown argument for FIRST_VALUE: %.*s", (int)args[i].len, args[i].p);
                return -1;
            }
        }
        break;
    }
    default:
        if (nargs != 1) {
            *err = nargs == 0
                       ? msg("Bad arguments for %s: Expected an argument, but none provided", uname)
                       : msg("Bad arguments for %s: Unknown argument", uname);
            return -1;
        }
        if (arg_prop(args[0], uname, &r->field, err) != 0) return -1;
        break;
    }
    if (a->i + 1 < a->n + 1 && args_more(a) && is_kw(a->v[a->i], "AS")) {
        a->i++;
        if (!args_more(a)) {
            *err = msg("Bad arguments for AS: Expected an argument, but none provided");
            return -1;
        }
        Slice al = a->v[a->i++];
        r->alias = xmalloc(al.len + 1);
        memcpy(r->alias, al.p, al.len);
        r->alias[al.len] = '\0';
    } else {
        /* RediSearch's generated name: the reducer and its arguments,
         * lowercased, without '@', joined by commas. */
        Buf b;
        buf_init(&b);
        buf_append_cstr(&b, "__generated_alias");
        for (const char *c = uname; *c; c++) buf_append_char(&b, (char)tolower((unsigned char)*c));
        for (long long i = 0; i < nargs; i++) {
            Slice s = args[i];
            if (i) buf_append_char(&b, ',');
            size_t j = s.len && s.p[0] == '@' ? 1 : 0;
            for (; j < s.len; j++) buf_append_char(&b, (char)tolower((unsigned char)s.p[j]));
        }
        buf_append_char(&b, '\0');
        r->alias = b.p;
    }
    return 0;
}

static int parse_groupby(Args *a, Step *st, char **err) {
    long long n;
    if (arg_count(a, "GROUPBY", 0, &n, err) != 0) return -1;
    st->fields = n ? xcalloc((size_t)n, sizeof(Slice)) : NULL;
    for (long long i = 0; i < n; i++) {
        if (arg_prop(a->v[a->i], "GROUPBY", &st->fields[i], err) != 0) return -1;
        a->i++;
        st->n_fields++;
    }
    while (args_more(a) && is_kw(a->v[a->i], "REDUCE")) {
        a->i++;
        st->reds = xrealloc(st->reds, (st->n_reds + 1) * sizeof(Reducer));
        Reducer *r = &st->reds[st->n_reds++];
        memset(r, 0, sizeof(*r));
        if (parse_reducer(a, r, err) != 0) return -1;
    }
    return 0;
}

static int parse_sortby(Args *a, Step *st, char **err) {
    long long n;
    /* SORTBY 0: no sorting (and no default page of 10). */
    if (arg_count(a, "SORTBY", 0, &n, err) != 0) return -1;
    /* the step may have had an empty SORTBY (SORTBY 0) before this one */
    xfree(st->fields);
    xfree(st->desc);
    st->n_fields = 0;
    st->fields = xcalloc(n ? (size_t)n : 1, sizeof(Slice));
    st->desc = xcalloc(n ? (size_t)n : 1, sizeof(int));
    for (long long i = 0; i < n; i++) {
        Slice s = a->v[a->i++];
        if (is_kw(s, "ASC") || is_kw(s, "DESC")) {
            if (st->n_fields == 0) {
                *err = msg("Bad arguments for SORTBY: ASC/DESC must follow a property");
                return -1;
            }
            st->desc[st->n_fields - 1] = is_kw(s, "DESC");
            continue;
        }
        if (arg_prop(s, "SORTBY", &st->fields[st->n_fields], err) != 0) return -1;
        st->n_fields++;
    }
    if (args_more(a) && is_kw(a->v[a->i], "MAX")) {
        a->i++;
        if (arg_ll(a, "MAX", 0, (long long)1 << 40, &st->max, err) != 0) return -1;
    }
    return 0;
}

static int parse_load(Args *a, FtAggPlan *p, char **err) {
    if (args_more(a) && a->v[a->i].len == 1 && a->v[a->i].p[0] == '*') {
        a->i++;
        add_step(p, S_LOADALL);
        return 0;
    }
    long long n;
    if (arg_count(a, "LOAD", 0, &n, err) != 0) return -1;
    Step *st = add_step(p, S_LOAD);
    st->loads = n ? xcalloc((size_t)n, sizeof(LoadItem)) : NULL;
    size_t end = a->i + (size_t)n;
    while (a->i < end) {
        Slice s = a->v[a->i++];
        LoadItem *li = &st->loads[st->n_loads++];
        li->name = (s.len > 1 && s.p[0] == '@') ? slice_of(s.p + 1, s.len - 1) : s;
        li->alias = li->name;
        if (a->i < end && is_kw(a->v[a->i], "AS")) {
            a->i++;
            if (a->i >= end) {
                *err = msg("Bad arguments for LOAD: AS needs a name");
                return -1;
            }
            li->alias = a->v[a->i++];
        }
    }
    return 0;
}

FtAggPlan *ftagg_plan_parse(const Slice *argv, size_t argc, char **err) {
    FtAggPlan *p = xcalloc(1, sizeof(FtAggPlan));
    p->opts.timeout_ms = -1;
    Args a = {argv, argc, 0};
    int has_group = 0;
    long arrange = -1; /* the arrange step of the current segment */
    *err = NULL;
    while (args_more(&a)) {
        Slice kw = a.v[a.i++];
        if (is_kw(kw, "VERBATIM")) {
            p->opts.is_verbatim = 1;
        } else if (is_kw(kw, "WITHCOUNT")) {
            p->opts.with_count = 1;
        } else if (is_kw(kw, "WITHOUTCOUNT")) {
            p->opts.with_count = 0;
        } else if (is_kw(kw, "ADDSCORES")) {
            p->opts.add_scores = 1;
        } else if (is_kw(kw, "LOAD")) {
            if (has_group) {
                *err = msg("LOAD cannot be applied after projectors or reducers");
                goto fail;
            }
            if (parse_load(&a, p, err) != 0) goto fail;
        } else if (is_kw(kw, "TIMEOUT")) {
            if (arg_ll(&a, "TIMEOUT", 0, LLONG_MAX, &p->opts.timeout_ms, err) != 0) goto fail;
        } else if (is_kw(kw, "GROUPBY")) {
            has_group = 1;
            arrange = -1;
            if (parse_groupby(&a, add_step(p, S_GROUP), err) != 0) goto fail;
        } else if (is_kw(kw, "SORTBY")) {
            if (arrange >= 0 && p->steps[arrange].n_fields) {
                *err = msg(
                    "Multiple SORTBY steps are not allowed. Sort multiple fields in a single step");
                goto fail;
            }
            if (arrange < 0) {
                add_step(p, S_ARRANGE);
                arrange = (long)p->n_steps - 1;
            }
            if (parse_sortby(&a, &p->steps[arrange], err) != 0) goto fail;
        } else if (is_kw(kw, "APPLY") || is_kw(kw, "FILTER")) {
            int is_apply = is_kw(kw, "APPLY");
            if (!args_more(&a)) {
                *err = msg("Bad arguments for %s: Expected an argument, but none provided",
                           is_apply ? "APPLY" : "FILTER");
                goto fail;
            }
            Slice text = a.v[a.i++];
            Step *st = add_step(p, is_apply ? S_APPLY : S_FILTER);
            st->expr = ftexpr_parse(text.p, text.len, err);
            if (!st->expr) goto fail;
            st->alias = text;
            if (is_apply && args_more(&a) && is_kw(a.v[a.i], "AS")) {
                a.i++;
                if (!args_more(&a)) {
                    *err = msg("AS needs argument");
                    goto fail;
                }
                st->alias = a.v[a.i++];
            }
        } else if (is_kw(kw, "LIMIT")) {
            if (arrange < 0) {
                add_step(p, S_ARRANGE);
                arrange = (long)p->n_steps - 1;
            }
            Step *st = &p->steps[arrange];
            st->has_limit = 1;
            if (arg_ll(&a, "LIMIT", 0, LLONG_MAX / 4, &st->off, err) != 0) goto fail;
            if (arg_ll(&a, "LIMIT", 0, LLONG_MAX / 4, &st->num, err) != 0) goto fail;
        } else if (is_kw(kw, "WITHCURSOR")) {
            p->opts.with_cursor = 1;
            while (args_more(&a)) {
                if (is_kw(a.v[a.i], "COUNT")) {
                    a.i++;
                    if (arg_ll(&a, "COUNT", 0, LLONG_MAX, &p->opts.cursor_count, err) != 0)
                        goto fail;
                } else if (is_kw(a.v[a.i], "MAXIDLE")) {
                    a.i++;
                    /* redis-py sends milliseconds as a float ("5000.0"). */
                    double ms;
                    if (args_more(&a) && ftagg_parse_double(a.v[a.i], &ms) == 0 && ms >= 0 &&
                        ms < 1e15) {
                        p->opts.cursor_maxidle_ms = (long long)ms;
                        a.i++;
                    } else if (arg_ll(&a, "MAXIDLE", 0, LLONG_MAX, &p->opts.cursor_maxidle_ms,
                                      err) != 0) {
                        goto fail;
                    }
                } else {
                    break;
                }
            }
        } else if (is_kw(kw, "PARAMS")) {
            long long n;
            if (arg_count(&a, "PARAMS", 0, &n, err) != 0) goto fail;
            if (n % 2 != 0 || n == 0) {
                *err = msg("Parameters must be specified in PARAM VALUE pairs");
                goto fail;
            }
            p->opts.params = a.v + a.i;
            p->opts.n_params = (size_t)n / 2;
            a.i += (size_t)n;
        } else if (is_kw(kw, "DIALECT")) {
            long long d;
            if (arg_ll(&a, "DIALECT", 1, 4, &d, err) != 0) {
                xfree(*err);
                *err = msg("DIALECT requires a non negative integer >=1 and <= 4");
                goto fail;
            }
            p->opts.dialect = (int)d;
        } else if (is_kw(kw, "SCORER")) {
            if (!args_more(&a)) {
                *err = msg("Bad arguments for SCORER: Expected an argument, but none provided");
                goto fail;
            }
            p->opts.scorer = a.v[a.i++];
        } else if (is_kw(kw, "LANGUAGE")) {
            if (!args_more(&a)) {
                *err = msg("Bad arguments for LANGUAGE: Expected an argument, but none provided");
                goto fail;
            }
            p->opts.language = a.v[a.i++];
        } else {
            *err = msg("Unknown argument `%.*s` at position %zu for <main>", (int)kw.len, kw.p,
                       a.i - 1);
            goto fail;
        }
    }
    return p;
fail:
    ftagg_plan_free(p);
    return NULL;
}

const FtAggQueryOpts *ftagg_plan_opts(const FtAggPlan *p) {
    return &p->opts;
}

/* ---- lookups and rows ---- */

/* Where a document row gets a key's value: computed by a step, LOADed (the
 * document's own value), read implicitly (a SORTABLE attribute in its
 * sortable form, or another schema attribute as stored), the key name, the
 * score. */
enum { K_COMPUTED, K_LOAD, K_IMPLICIT, K_IMPLICIT_SORTABLE, K_DOCKEY, K_SCORE };

typedef struct Lookup {
    char **names; /* owned, NUL-terminated */
    size_t *lens;
    int *src;    /* K_*: where a document row gets the value */
    Slice *from; /* K_LOAD / K_IMPLICIT: the name given to the loader */
    size_t n;
} Lookup;

static long lk_find(const Lookup *lk, const char *name, size_t len) {
    for (size_t i = 0; i < lk->n; i++)
        if (lk->lens[i] == len && memcmp(lk->names[i], name, len) == 0) return (long)i;
    return -1;
}

static size_t lk_add(Lookup *lk, const char *name, size_t len, int src, Slice from) {
    long at = lk_find(lk, name, len);
    if (at >= 0) return (size_t)at;
    lk->names = xrealloc(lk->names, (lk->n + 1) * sizeof(char *));
    lk->lens = xrealloc(lk->lens, (lk->n + 1) * sizeof(size_t));
    lk->src = xrealloc(lk->src, (lk->n + 1) * sizeof(int));
    lk->from = xrealloc(lk->from, (lk->n + 1) * sizeof(Slice));
    lk->names[lk->n] = xmalloc(len + 1);
    memcpy(lk->names[lk->n], name, len);
    lk->names[lk->n][len] = '\0';
    lk->lens[lk->n] = len;
    lk->src[lk->n] = src;
    lk->from[lk->n] = from;
    return lk->n++;
}

static void lk_free(Lookup *lk) {
    for (size_t i = 0; i < lk->n; i++) xfree(lk->names[i]);
    xfree(lk->names);
    xfree(lk->lens);
    xfree(lk->src);
    xfree(lk->from);
    memset(lk, 0, sizeof(*lk));
}

typedef struct Row {
    FtVal *v;
    unsigned char *has;
    size_t n;   /* slots allocated */
    size_t src; /* the document it came from (first one, for groups) */
} Row;

static void row_set(Row *r, size_t key, FtVal *val) {
    if (key >= r->n) {
        size_t n = key + 4;
        r->v = xrealloc(r->v, n * sizeof(FtVal));
        r->has = xrealloc(r->has, n);
        for (size_t i = r->n; i < n; i++) {
            r->v[i] = ftval_null();
            r->has[i] = 0;
        }
        r->n = n;
    }
    ftval_free(&r->v[key]);
    r->v[key] = *val;
    r->has[key] = 1;
    *val = ftval_null();
}

static const FtVal *row_get(const Row *r, size_t key) {
    return key < r->n && r->has[key] ? &r->v[key] : NULL;
}

static void row_free(Row *r) {
    for (size_t i = 0; i < r->n; i++) ftval_free(&r->v[i]);
    xfree(r->v);
    xfree(r->has);
    memset(r, 0, sizeof(*r));
}

typedef struct RowVec {
    Row *rows;
    size_t n, cap;
} RowVec;

static Row *rv_push(RowVec *rv) {
    if (rv->n == rv->cap) {
        rv->cap = rv->cap ? rv->cap * 2 : 64;
        rv->rows = xrealloc(rv->rows, rv->cap * sizeof(Row));
    }
    Row *r = &rv->rows[rv->n++];
    memset(r, 0, sizeof(*r));
    return r;
}

static void rv_free(RowVec *rv) {
    for (size_t i = 0; i < rv->n; i++) row_free(&rv->rows[i]);
    xfree(rv->rows);
    memset(rv, 0, sizeof(*rv));
}

/* ---- result ---- */

struct FtAggResult {
    char **names; /* the last lookup's key names */
    size_t *lens;
    size_t n_names;
    RowVec rows;
    size_t total;
    int is_blocking; /* a GROUPBY or SORTBY buffered the rows */
    int timed_out;   /* loading stopped at the deadline */
    size_t n_source; /* documents the query matched */
};

size_t ftagg_result_total(const FtAggResult *r) {
    return r->total;
}

size_t ftagg_result_chunk_total(const FtAggResult *r, size_t from) {
    if (from == 0) return r->total;
    if (r->is_blocking) return 0;
    /* Streamed: the documents read since the previous read stopped, until
     * this read's first row. */
    size_t prev = r->rows.rows[from - 1].src;
    size_t next = from < r->rows.n ? r->rows.rows[from].src : r->n_source - 1;
    return next >= prev ? next - prev : 0;
}

size_t ftagg_result_rows(const FtAggResult *r) {
    return r->rows.n;
}

size_t ftagg_result_nfields(const FtAggResult *r, size_t row) {
    const Row *rw = &r->rows.rows[row];
    size_t n = 0;
    for (size_t i = 0; i < rw->n && i < r->n_names; i++) n += rw->has[i];
    return n;
}

void ftagg_result_field(const FtAggResult *r, size_t row, size_t i, const char **name,
                        size_t *name_len, const FtVal **val) {
    const Row *rw = &r->rows.rows[row];
    for (size_t k = 0; k < rw->n && k < r->n_names; k++) {
        if (!rw->has[k]) continue;
        if (i-- == 0) {
            *name = r->names[k];
            *name_len = r->lens[k];
            *val = &rw->v[k];
            return;
        }
    }
    *name = "";
    *name_len = 0;
    *val = NULL;
}

void ftagg_result_free(FtAggResult *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_names; i++) xfree(r->names[i]);
    xfree(r->names);
    xfree(r->lens);
    rv_free(&r->rows);
    xfree(r);
}

/* ---- binding ---- */

/* Per step, the keys it reads and writes, in the lookup of its phase. */
typedef struct Bound {
    size_t *in;        /* S_GROUP: group keys; S_ARRANGE: sort keys */
    size_t *red_in;    /* S_GROUP: each reducer's input key */
    size_t *red_by;    /* S_GROUP: FIRST_VALUE BY key */
    size_t **red_cols; /* S_GROUP: COLLECT's FIELDS keys, per reducer */
    size_t **red_sort; /* S_GROUP: COLLECT's SORTBY keys, per reducer */
    size_t *red_out;   /* S_GROUP: each reducer's output key (next lookup) */
    size_t *grp_out;   /* S_GROUP: group keys in the next lookup */
    size_t out;        /* S_APPLY: the key written */
    int phase;         /* the lookup it reads */
} Bound;

typedef struct Run {
    const FtAggPlan *plan;
    const FtAggSource *src;
    Lookup *lks; /* one per phase */
    size_t n_lks;
    Bound *bound;
    int load_all; /* LOAD * before the first GROUPBY */
    char *err;
} Run;

enum { USE_GROUP, USE_SORT, USE_EXPR };

/* The key a step reads name through, creating an implicit one if the
 * documents may provide it; -1 with run->err set otherwise. */
static long bind_read(Run *run, int phase, Slice name, int use) {
    Lookup *lk = &run->lks[phase];
    long k = lk_find(lk, name.p, name.len);
    if (k >= 0) return k;
    if (phase == 0) {
        if (slice_eq_nocase(name, "__key") && name.len == 5 && memcmp(name.p, "__key", 5) == 0)
            return (long)lk_add(lk, name.p, name.len, K_DOCKEY, name);
        int kind = run->src->field_kind ? run->src->field_kind(run->src->opaque, name.p, name.len)
                                        : FTAGG_FIELD_UNKNOWN;
        if (kind == FTAGG_FIELD_SORTABLE)
            return (long)lk_add(lk, name.p, name.len, K_IMPLICIT_SORTABLE, name);
        if (kind == FTAGG_FIELD_SCHEMA && use != USE_EXPR)
            return (long)lk_add(lk, name.p, name.len, K_IMPLICIT, name);
        if (use == USE_EXPR && run->load_all)
            return (long)lk_add(lk, name.p, name.len, K_LOAD, name);
    }
    if (use == USE_SORT)
        run->err = msg("Property `%.*s` not loaded nor in schema", (int)name.len, name.p);
    else if (use == USE_EXPR)
        run->err = msg("Property `%.*s` not loaded nor in pipeline", (int)name.len, name.p);
    else
        run->err = msg("No such property `%.*s`", (int)name.len, name.p);
    return -1;
}

typedef struct FieldCheck {
    Run *run;
    int phase;
    int failed;
} FieldCheck;

static void check_field(void *opaque, const char *name, size_t len) {
    FieldCheck *fc = opaque;
    if (fc->failed) return;
    if (bind_read(fc->run, fc->phase, slice_of(name, len), USE_EXPR) < 0) fc->failed = 1;
}

static int bind_plan(Run *run) {
    const FtAggPlan *p = run->plan;
    run->lks = xcalloc(1, sizeof(Lookup));
    run->n_lks = 1;
    run->bound = xcalloc(p->n_steps ? p->n_steps : 1, sizeof(Bound));
    int phase = 0;
    if (p->opts.add_scores) lk_add(&run->lks[0], "__score", 7, K_SCORE, slice_cstr("__score"));
    for (size_t s = 0; s < p->n_steps; s++) {
        const Step *st = &p->steps[s];
        Bound *b = &run->bound[s];
        b->phase = phase;
        switch (st->kind) {
        case S_LOADALL:
            run->load_all = 1;
            break;
        case S_LOAD:
            for (size_t i = 0; i < st->n_loads; i++) {
                const LoadItem *li = &st->loads[i];
                int src =
                    li->name.len == 5 && memcmp(li->name.p, "__key", 5) == 0 ? K_DOCKEY : K_LOAD;
                long k = lk_find(&run->lks[0], li->alias.p, li->alias.len);
                if (k >= 0) {
                    run->lks[0].src[k] = src;
                    run->lks[0].from[k] = li->name;
                } else {
                    lk_add(&run->lks[0], li->alias.p, li->alias.len, src, li->name);
                }
            }
            break;
        case S_APPLY:
        case S_FILTER: {
            FieldCheck fc = {run, phase, 0};
            ftexpr_fields(st->expr, check_field, &fc);
            if (fc.failed) return -1;
            if (st->kind == S_APPLY) {
                Lookup *lk = &run->lks[phase];
                long k = lk_find(lk, st->alias.p, st->alias.len);
                b->out = k >= 0 ? (size_t)k
                                : lk_add(lk, st->alias.p, st->alias.len, K_COMPUTED, st->alias);
            }
            break;
        }
        case S_ARRANGE:
            b->in = xcalloc(st->n_fields ? st->n_fields : 1, sizeof(size_t));
            for (size_t i = 0; i < st->n_fields; i++) {
                long k = bind_read(run, phase, st->fields[i], USE_SORT);
                if (k < 0) return -1;
                b->in[i] = (size_t)k;
            }
            break;
        case S_GROUP: {
            size_t nf = st->n_fields ? st->n_fields : 1, nr = st->n_reds ? st->n_reds : 1;
            b->in = xcalloc(nf, sizeof(size_t));
            b->grp_out = xcalloc(nf, sizeof(size_t));
            b->red_in = xcalloc(nr, sizeof(size_t));
            b->red_by = xcalloc(nr, sizeof(size_t));
            b->red_cols = xcalloc(nr, sizeof(size_t *));
            b->red_sort = xcalloc(nr, sizeof(size_t *));
            b->red_out = xcalloc(nr, sizeof(size_t));
            for (size_t i = 0; i < st->n_fields; i++) {
                long k = bind_read(run, phase, st->fields[i], USE_GROUP);
                if (k < 0) return -1;
                b->in[i] = (size_t)k;
            }
            for (size_t i = 0; i < st->n_reds; i++) {
                const Reducer *r = &st->reds[i];
                if (r->kind == R_COUNT) continue;
                if (r->kind == R_COLLECT) {
                    b->red_cols[i] = xcalloc(r->n_cfields ? r->n_cfields : 1, sizeof(size_t));
                    b->red_sort[i] = xcalloc(r->n_csort ? r->n_csort : 1, sizeof(size_t));
                    for (size_t j = 0; j < r->n_cfields; j++) {
                        long k = bind_read(run, phase, r->cfields[j], USE_GROUP);
                        if (k < 0) return -1;
                        b->red_cols[i][j] = (size_t)k;
                    }
                    for (size_t j = 0; j < r->n_csort; j++) {
                        long k = bind_read(run, phase, r->csort[j], USE_GROUP);
                        if (k < 0) return -1;
                        b->red_sort[i][j] = (size_t)k;
                    }
                    continue;
                }
                long k = bind_read(run, phase, r->field, USE_GROUP);
                if (k < 0) return -1;
                b->red_in[i] = (size_t)k;
                if (r->by.p) {
                    k = bind_read(run, phase, r->by, USE_GROUP);
                    if (k < 0) return -1;
                    b->red_by[i] = (size_t)k;
                } else {
                    b->red_by[i] = (size_t)-1;
                }
            }
            run->lks = xrealloc(run->lks, (run->n_lks + 1) * sizeof(Lookup));
            memset(&run->lks[run->n_lks], 0, sizeof(Lookup));
            run->n_lks++;
            phase++;
            Lookup *nl = &run->lks[phase];
            for (size_t i = 0; i < st->n_fields; i++)
                b->grp_out[i] =
                    lk_add(nl, st->fields[i].p, st->fields[i].len, K_COMPUTED, st->fields[i]);
            for (size_t i = 0; i < st->n_reds; i++)
                b->red_out[i] = lk_add(nl, st->reds[i].alias, strlen(st->reds[i].alias), K_COMPUTED,
                                       slice_cstr(st->reds[i].alias));
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

/* ---- loading ---- */

typedef struct EmitCtx {
    Run *run;
    Row *row;
} EmitCtx;

static void emit_field(void *ctx, const char *name, size_t len, FtVal *v) {
    EmitCtx *ec = ctx;
    Lookup *lk = &ec->run->lks[0];
    long k = lk_find(lk, name, len);
    if (k < 0) {
        k = (long)lk_add(lk, name, len, K_LOAD, slice_of(NULL, 0));
    } else if (lk->src[k] != K_LOAD && lk->src[k] != K_IMPLICIT &&
               lk->src[k] != K_IMPLICIT_SORTABLE) {
        ftval_free(v);
        return;
    }
    row_set(ec->row, (size_t)k, v);
}

static void load_row(Run *run, size_t i, Row *row) {
    const FtAggSource *src = run->src;
    Lookup *lk = &run->lks[0];
    row->src = i;
    if (run->load_all && src->load_all) {
        EmitCtx ec = {run, row};
        src->load_all(src->opaque, i, emit_field, &ec);
    }
    size_t n = lk->n;
    for (size_t k = 0; k < n; k++) {
        FtVal v = ftval_null();
        switch (lk->src[k]) {
        case K_DOCKEY: {
            size_t len = 0;
            const char *p = src->key(src->opaque, i, &len);
            v = ftval_str(p, len);
            row_set(row, k, &v);
            break;
        }
        case K_SCORE:
            v = ftval_num(src->score ? src->score(src->opaque, i) : 0);
            row_set(row, k, &v);
            break;
        case K_LOAD:
        case K_IMPLICIT:
        case K_IMPLICIT_SORTABLE:
            if (!lk->from[k].p || row_get(row, k)) break; /* LOAD * gave it */
            if (src->load(src->opaque, i, lk->from[k].p, lk->from[k].len,
                          lk->src[k] == K_IMPLICIT_SORTABLE, &v) == 0)
                row_set(row, k, &v);
            else
                ftval_free(&v);
            break;
        default:
            break;
        }
    }
}

/* ---- expression steps ---- */

typedef struct ExprRow {
    Lookup *lk;
    Row *row;
} ExprRow;

static int expr_lookup(void *opaque, const char *name, size_t len, FtVal *out) {
    ExprRow *er = opaque;
    long k = lk_find(er->lk, name, len);
    if (k < 0) return 1;
    const FtVal *v = row_get(er->row, (size_t)k);
    if (!v) return 1;
    ftval_copy(out, v);
    return 0;
}

static int run_apply(Run *run, const Step *st, const Bound *b, RowVec *rows) {
    for (size_t i = 0; i < rows->n; i++) {
        ExprRow er = {&run->lks[b->phase], &rows->rows[i]};
        FtVal v;
        if (ftexpr_eval(st->expr, expr_lookup, &er, &v, &run->err) != 0) return -1;
        row_set(&rows->rows[i], b->out, &v);
    }
    return 0;
}

static int run_filter(Run *run, const Step *st, const Bound *b, RowVec *rows) {
    size_t kept = 0;
    for (size_t i = 0; i < rows->n; i++) {
        ExprRow er = {&run->lks[b->phase], &rows->rows[i]};
        FtVal v;
        if (ftexpr_eval(st->expr, expr_lookup, &er, &v, &run->err) != 0) return -1;
        int keep = ftval_truthy(&v);
        ftval_free(&v);
        if (keep) {
            rows->rows[kept++] = rows->rows[i];
        } else {
            row_free(&rows->rows[i]);
        }
    }
    rows->n = kept;
    return 0;
}

/* ---- sorting ---- */

static int val_cmp(const FtVal *a, const FtVal *b) {
    if (a->type == FTV_NUM && b->type == FTV_NUM) return a->num < b->num ? -1 : a->num > b->num;
    if (a->type == FTV_STR && b->type == FTV_STR) {
        size_t m = a->len < b->len ? a->len : b->len;
        int r = memcmp(a->str, b->str, m);
        if (r) return r < 0 ? -1 : 1;
        return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
    }
    if (a->type == FTV_NULL || b->type == FTV_NULL)
        return a->type == b->type ? 0 : (a->type == FTV_NULL ? -1 : 1);
    if (a->type == FTV_NUM || b->type == FTV_NUM) {
        double x, y;
        if (ftval_to_num(a, &x) == 0 && ftval_to_num(b, &y) == 0) return x < y ? -1 : x > y;
        return a->type == FTV_NUM ? -1 : 1;
    }
    return 0;
}

typedef struct SortCtx {
    const size_t *keys;
    const int *desc;
    size_t n;
} SortCtx;

static int row_cmp(const SortCtx *sc, const Row *a, const Row *b) {
    for (size_t i = 0; i < sc->n; i++) {
        const FtVal *x = row_get(a, sc->keys[i]), *y = row_get(b, sc->keys[i]);
        /* Rows without the value sort after the rows with it, either way. */
        if (!x || !y) {
            if (x == y) continue;
            return x ? -1 : 1;
        }
        int c = val_cmp(x, y);
        if (c) return sc->desc[i] ? -c : c;
    }
    return a->src < b->src ? -1 : a->src > b->src;
}

/* A stable merge sort (the order of equal rows stays the documents'). */
static void merge_sort(const SortCtx *sc, Row *v, Row *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(sc, v, tmp, h);
    merge_sort(sc, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = row_cmp(sc, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(Row));
}

static void truncate_rows(RowVec *rows, size_t off, size_t num) {
    if (off > rows->n) off = rows->n;
    size_t end = num > rows->n - off ? rows->n : off + num;
    for (size_t i = 0; i < off; i++) row_free(&rows->rows[i]);
    for (size_t i = end; i < rows->n; i++) row_free(&rows->rows[i]);
    if (end > off && off > 0) memmove(rows->rows, rows->rows + off, (end - off) * sizeof(Row));
    rows->n = end - off;
}

/* Sorts and pages; returns the rows there were before the paging. */
static size_t run_arrange(const Step *st, const Bound *b, RowVec *rows) {
    if (st->n_fields) {
        SortCtx sc = {b->in, st->desc, st->n_fields};
        Row *tmp = xmalloc((rows->n ? rows->n : 1) * sizeof(Row));
        merge_sort(&sc, rows->rows, tmp, rows->n);
        xfree(tmp);
    }
    size_t before = rows->n;
    if (st->has_limit)
        truncate_rows(rows, (size_t)st->off, (size_t)st->num);
    else if (st->n_fields)
        truncate_rows(rows, 0, st->max > 0 ? (size_t)st->max : 10);
    return before;
}

/* ---- grouping ---- */

/* A value serialised so that equal values (by type and bytes) give equal
 * strings: the key of a group, or of a distinct value. */
static void val_key(Buf *b, const FtVal *v) {
    char nb[32];
    switch (v ? v->type : FTV_NULL) {
    case FTV_NUM:
        buf_append_char(b, 'n');
        buf_append(b, nb, ftval_fmt_num(v->num, nb));
        break;
    case FTV_STR:
        buf_append_char(b, 's');
        buf_append_ll(b, (long long)v->len);
        buf_append_char(b, ':');
        buf_append(b, v->str, v->len);
        break;
    case FTV_ARR:
    case FTV_MAP:
        buf_append_char(b, v->type == FTV_ARR ? 'a' : 'm');
        buf_append_ll(b, (long long)v->len);
        buf_append_char(b, ':');
        for (size_t i = 0; i < v->len; i++) val_key(b, &v->arr[i]);
        break;
    default:
        buf_append_char(b, '0');
        break;
    }
}

typedef struct RState {
    size_t count;
    double sum, mean, m2, min, max;
    FtVal first, first_by;
    int has_first;
    FtVal *list; /* TOLIST / RANDOM_SAMPLE / QUANTILE (numbers) */
    size_t n_list, cap_list;
    Dict *seen;          /* COUNT_DISTINCT(ISH), TOLIST, COLLECT DISTINCT */
    uint64_t seen_total; /* RANDOM_SAMPLE: values offered */
    struct CItem *items; /* COLLECT */
    size_t n_items, cap_items;
} RState;

/* One element COLLECT gathered: the projected fields (an FTV_MAP) and the
 * values it sorts by (null: the row had none). */
typedef struct CItem {
    FtVal map;
    FtVal *sortv;
    size_t seq; /* arrival order: ties keep it */
} CItem;

typedef struct Group {
    FtVal *keys; /* the group's values */
    RState *st;
} Group;

static void list_push(RState *s, FtVal *v) {
    if (s->n_list == s->cap_list) {
        s->cap_list = s->cap_list ? s->cap_list * 2 : 8;
        s->list = xrealloc(s->list, s->cap_list * sizeof(FtVal));
    }
    s->list[s->n_list++] = *v;
    *v = ftval_null();
}

static uint64_t sample_rng = 0x9E3779B97F4A7C15ULL;
static uint64_t sample_next(void) {
    sample_rng ^= sample_rng >> 12;
    sample_rng ^= sample_rng << 25;
    sample_rng ^= sample_rng >> 27;
    return sample_rng * 2685821657736338717ULL;
}

/* Whether v is new to s->seen (adding it). */
static int seen_add(RState *s, const FtVal *v) {
    if (!s->seen) s->seen = dict_new();
    Buf b;
    buf_init(&b);
    val_key(&b, v);
    int fresh = 0;
    if (!dict_find(s->seen, b.p, b.len)) {
        dict_add(s->seen, b.p, b.len, NULL);
        fresh = 1;
    }
    buf_free(&b);
    return fresh;
}

static void reduce_add(const Reducer *r, RState *s, const Row *row, size_t in, size_t by) {
    if (r->kind == R_COUNT) {
        s->count++;
        return;
    }
    const FtVal *v = row_get(row, in);
    double d;
    switch (r->kind) {
    case R_COUNT_DISTINCT:
    case R_COUNT_DISTINCTISH:
        if (v && seen_add(s, v)) s->count++;
        break;
    case R_SUM:
    case R_AVG:
        if (v && ftval_to_num(v, &d) == 0) {
            s->sum += d;
            s->count++;
        }
        break;
    case R_MIN:
        if (v && ftval_to_num(v, &d) == 0 && (s->count++ == 0 || d < s->min)) s->min = d;
        break;
    case R_MAX:
        if (v && ftval_to_num(v, &d) == 0 && (s->count++ == 0 || d > s->max)) s->max = d;
        break;
    case R_STDDEV:
        if (v && ftval_to_num(v, &d) == 0) {
            /* Welford's running mean and sum of squared deviations. */
            s->count++;
            double delta = d - s->mean;
            s->mean += delta / (double)s->count;
            s->m2 += delta * (d - s->mean);
        }
        break;
    case R_QUANTILE:
        if (v && ftval_to_num(v, &d) == 0) {
            FtVal nv = ftval_num(d);
            list_push(s, &nv);
        }
        break;
    case R_TOLIST:
        if (!v) break;
        if (v->type == FTV_ARR) {
            for (size_t i = 0; i < v->len; i++)
                if (seen_add(s, &v->arr[i])) {
                    FtVal c;
                    ftval_copy(&c, &v->arr[i]);
                    list_push(s, &c);
                }
        } else if (seen_add(s, v)) {
            FtVal c;
            ftval_copy(&c, v);
            list_push(s, &c);
        }
        break;
    case R_FIRST_VALUE: {
        if (by == (size_t)-1) {
            if (!s->has_first) {
                s->has_first = 1;
                if (v) ftval_copy(&s->first, v);
            }
            break;
        }
        const FtVal *bv = row_get(row, by);
        if (!bv && s->has_first) break;
        int better = !s->has_first;
        if (!better && bv) {
            if (s->first_by.type == FTV_NULL && !s->has_first) {
                better = 1;
            } else {
                int c = val_cmp(bv, &s->first_by);
                better = r->by_desc ? c > 0 : c < 0;
                if (s->first_by.type == FTV_NULL) better = 1;
            }
        }
        if (better) {
            ftval_free(&s->first);
            ftval_free(&s->first_by);
            if (v) ftval_copy(&s->first, v);
            if (bv) ftval_copy(&s->first_by, bv);
            s->has_first = 1;
        }
        break;
    }
    case R_RANDOM_SAMPLE: {
        if (!v) break;
        FtVal c;
        ftval_copy(&c, v);
        s->seen_total++;
        if (s->n_list < (size_t)r->size) {
            list_push(s, &c);
        } else {
            /* Reservoir sampling: keep each value with probability k/n. */
            uint64_t j = sample_next() % s->seen_total;
            if (j < (uint64_t)r->size) {
                ftval_free(&s->list[j]);
                s->list[j] = c;
            } else {
                ftval_free(&c);
            }
        }
        break;
    }
    default:
        break;
    }
}

static int dbl_cmp(const void *a, const void *b) {
    double x = ((const FtVal *)a)->num, y = ((const FtVal *)b)->num;
    return x < y ? -1 : x > y;
}

static FtVal reduce_finish(const Reducer *r, RState *s) {
    FtVal out = ftval_null();
    switch (r->kind) {
    case R_COUNT:
    case R_COUNT_DISTINCT:
    case R_COUNT_DISTINCTISH:
        return ftval_num((double)s->count);
    case R_SUM:
        return ftval_num(s->count ? s->sum : NAN);
    case R_AVG:
        return ftval_num(s->count ? s->sum / (double)s->count : NAN);
    case R_MIN:
        return ftval_num(s->count ? s->min : INFINITY);
    case R_MAX:
        return ftval_num(s->count ? s->max : -INFINITY);
    case R_STDDEV:
        return ftval_num(s->count > 1 ? sqrt(s->m2 / (double)(s->count - 1)) : 0);
    case R_QUANTILE: {
        if (!s->n_list) return ftval_num(NAN);
        qsort(s->list, s->n_list, sizeof(FtVal), dbl_cmp);
        /* Nearest rank. */
        double pos = ceil(r->quantile * (double)s->n_list);
        size_t idx = pos < 1 ? 0 : (size_t)pos - 1;
        if (idx >= s->n_list) idx = s->n_list - 1;
        return ftval_num(s->list[idx].num);
    }
    case R_TOLIST:
    case R_RANDOM_SAMPLE:
        out.type = FTV_ARR;
        out.arr = s->list;
        out.len = s->n_list;
        s->list = NULL;
        s->n_list = s->cap_list = 0;
        return out;
    case R_FIRST_VALUE:
        out = s->first;
        s->first = ftval_null();
        return out;
    default:
        return out;
    }
}

static void citems_free(RState *s, size_t n_sort) {
    for (size_t i = 0; i < s->n_items; i++) {
        ftval_free(&s->items[i].map);
        for (size_t j = 0; j < n_sort; j++) ftval_free(&s->items[i].sortv[j]);
        xfree(s->items[i].sortv);
    }
    xfree(s->items);
    s->items = NULL;
    s->n_items = s->cap_items = 0;
}

static void rstate_free(RState *s) {
    for (size_t i = 0; i < s->n_list; i++) ftval_free(&s->list[i]);
    xfree(s->list);
    ftval_free(&s->first);
    ftval_free(&s->first_by);
    if (s->seen) dict_free(s->seen, NULL);
}

/* COLLECT: projects row onto the FIELDS (all the keys the row has with
 * FIELDS *) and keeps it with its sort values (DISTINCT: unless an equal
 * projection was kept before). */
static void collect_add(const Run *run, const Reducer *r, RState *s, const Row *row,
                        const size_t *cols, const size_t *sortk, int phase) {
    const Lookup *lk = &run->lks[phase];
    size_t nf = r->cstar ? lk->n : r->n_cfields;
    FtVal map = ftval_null();
    map.type = FTV_MAP;
    map.arr = xcalloc(nf ? 2 * nf : 1, sizeof(FtVal));
    for (size_t j = 0; j < nf; j++) {
        size_t k = r->cstar ? j : cols[j];
        const FtVal *v = row_get(row, k);
        if (!v) continue;
        map.arr[map.len++] = ftval_str(lk->names[k], lk->lens[k]);
        ftval_copy(&map.arr[map.len++], v);
    }
    if (r->cdistinct && !seen_add(s, &map)) {
        ftval_free(&map);
        return;
    }
    if (s->n_items == s->cap_items) {
        s->cap_items = s->cap_items ? s->cap_items * 2 : 8;
        s->items = xrealloc(s->items, s->cap_items * sizeof(CItem));
    }
    CItem *it = &s->items[s->n_items];
    it->map = map;
    it->seq = s->n_items++;
    it->sortv = xcalloc(r->n_csort ? r->n_csort : 1, sizeof(FtVal));
    for (size_t j = 0; j < r->n_csort; j++) {
        const FtVal *v = row_get(row, sortk[j]);
        it->sortv[j] = ftval_null();
        if (v) ftval_copy(&it->sortv[j], v);
    }
}

static const Reducer *collect_sort_red;

static int val_cmp(const FtVal *a, const FtVal *b);

/* SORTBY's order: by each property in turn (a missing value after the
 * present ones either way), then arrival. */
static int citem_cmp(const void *pa, const void *pb) {
    const CItem *a = pa, *b = pb;
    const Reducer *r = collect_sort_red;
    for (size_t j = 0; j < r->n_csort; j++) {
        const FtVal *x = &a->sortv[j], *y = &b->sortv[j];
        int xm = x->type == FTV_NULL, ym = y->type == FTV_NULL;
        if (xm || ym) {
            if (xm == ym) continue;
            return xm ? 1 : -1;
        }
        int c = val_cmp(x, y);
        if (c) return r->cdesc[j] ? -c : c;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static FtVal collect_finish(const Reducer *r, RState *s) {
    if (r->n_csort && s->n_items > 1) {
        collect_sort_red = r;
        qsort(s->items, s->n_items, sizeof(CItem), citem_cmp);
        collect_sort_red = NULL;
    }
    size_t from = 0, to = s->n_items;
    if (r->c_has_limit) {
        from = (unsigned long long)r->coff < to ? (size_t)r->coff : to;
        if ((unsigned long long)r->cnum < to - from) to = from + (size_t)r->cnum;
    }
    FtVal out = ftval_null();
    out.type = FTV_ARR;
    out.arr = to > from ? xcalloc(to - from, sizeof(FtVal)) : NULL;
    for (size_t i = from; i < to; i++) {
        out.arr[out.len++] = s->items[i].map;
        s->items[i].map = ftval_null();
    }
    citems_free(s, r->n_csort);
    return out;
}

/* Every combination of the group values of a row: an array value
 * contributes each of its elements (an empty one: null). */
typedef struct Combo {
    const FtVal **vals;
    size_t n;
} Combo;

static const FtVal null_val = {FTV_NULL, 0, NULL, 0, NULL};

static const FtVal *combo_pick(const FtVal *v, size_t idx) {
    if (!v) return &null_val;
    if (v->type != FTV_ARR) return v;
    if (v->len == 0) return &null_val;
    return &v->arr[idx];
}

static size_t combo_width(const FtVal *v) {
    return v && v->type == FTV_ARR && v->len ? v->len : 1;
}

/* A row's group values may be arrays, and the row joins one group per
 * combination of their elements; past this many combinations in one row
 * the GROUPBY fails instead of running for ever. */
#define MAX_GROUP_COMBOS 65536

static int run_group(Run *run, const Step *st, const Bound *b, RowVec *rows) {
    for (size_t r = 0; r < rows->n; r++) {
        size_t combos = 1;
        for (size_t f = 0; f < st->n_fields; f++) {
            combos *= combo_width(row_get(&rows->rows[r], b->in[f]));
            if (combos > MAX_GROUP_COMBOS) {
                run->err = msg("GROUPBY: a row has more than %d combinations of array values",
                               MAX_GROUP_COMBOS);
                return -1;
            }
        }
    }
    Dict *map = dict_new();
    Group *groups = NULL;
    size_t n_groups = 0, cap = 0;
    size_t nf = st->n_fields;
    const FtVal **pick = xcalloc(nf ? nf : 1, sizeof(FtVal *));
    size_t *idx = xcalloc(nf ? nf : 1, sizeof(size_t));
    size_t *first_src = NULL;
    Buf key;
    buf_init(&key);
    for (size_t r = 0; r < rows->n; r++) {
        const Row *row = &rows->rows[r];
        memset(idx, 0, (nf ? nf : 1) * sizeof(size_t));
        for (;;) {
            buf_clear(&key);
            buf_append_char(&key, 'g'); /* never empty, even for GROUPBY 0 */
            for (size_t f = 0; f < nf; f++) {
                pick[f] = combo_pick(row_get(row, b->in[f]), idx[f]);
                val_key(&key, pick[f]);
                buf_append_char(&key, '|');
            }
            DictEntry *de = dict_find(map, buf_data(&key), buf_live(&key));
            size_t g;
            if (de) {
                g = (size_t)(uintptr_t)de->val;
            } else {
                if (n_groups == cap) {
                    cap = cap ? cap * 2 : 16;
                    groups = xrealloc(groups, cap * sizeof(Group));
                    first_src = xrealloc(first_src, cap * sizeof(size_t));
                }
                g = n_groups++;
                groups[g].keys = xcalloc(nf ? nf : 1, sizeof(FtVal));
                for (size_t f = 0; f < nf; f++) ftval_copy(&groups[g].keys[f], pick[f]);
                groups[g].st = xcalloc(st->n_reds ? st->n_reds : 1, sizeof(RState));
                first_src[g] = row->src;
                dict_add(map, buf_data(&key), buf_live(&key), (void *)(uintptr_t)g);
            }
            for (size_t i = 0; i < st->n_reds; i++) {
                if (st->reds[i].kind == R_COLLECT)
                    collect_add(run, &st->reds[i], &groups[g].st[i], row, b->red_cols[i],
                                b->red_sort[i], b->phase);
                else
                    reduce_add(&st->reds[i], &groups[g].st[i], row, b->red_in[i], b->red_by[i]);
            }
            /* Next combination (odometer over the array values). */
            size_t f = 0;
            for (; f < nf; f++) {
                if (++idx[f] < combo_width(row_get(row, b->in[f]))) break;
                idx[f] = 0;
            }
            if (f == nf) break;
        }
    }
    buf_free(&key);
    dict_free(map, NULL);
    rv_free(rows);
    for (size_t g = 0; g < n_groups; g++) {
        Row *out = rv_push(rows);
        out->src = first_src[g];
        for (size_t f = 0; f < nf; f++) row_set(out, b->grp_out[f], &groups[g].keys[f]);
        for (size_t i = 0; i < st->n_reds; i++) {
            FtVal v = st->reds[i].kind == R_COLLECT ? collect_finish(&st->reds[i], &groups[g].st[i])
                                                    : reduce_finish(&st->reds[i], &groups[g].st[i]);
            row_set(out, b->red_out[i], &v);
            rstate_free(&groups[g].st[i]);
        }
        xfree(groups[g].keys);
        xfree(groups[g].st);
    }
    xfree(groups);
    xfree(first_src);
    xfree(pick);
    xfree(idx);
    return 0;
}

/* ---- run ---- */

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ftagg_result_timed_out(const FtAggResult *r) {
    return r->timed_out;
}

FtAggResult *ftagg_run(const FtAggPlan *p, const FtAggSource *src, char **err) {
    Run run;
    memset(&run, 0, sizeof(run));
    run.plan = p;
    run.src = src;
    RowVec rows = {0};
    FtAggResult *res = NULL;
    if (bind_plan(&run) != 0) goto done;

    int timed_out = 0;
    for (size_t i = 0; i < src->n_rows; i++) {
        /* The clock every 64 rows. */
        if (src->deadline_us && (i & 63) == 0 && now_us() >= src->deadline_us) {
            if (src->timeout_fail) {
                run.err = msg("Timeout limit was reached");
                goto done;
            }
            timed_out = 1;
            break;
        }
        load_row(&run, i, rv_push(&rows));
    }

    int grouped = 0, sorted = 0, counted_valid = 0;
    size_t counted = 0;
    size_t n_groups = 0;
    for (size_t s = 0; s < p->n_steps; s++) {
        const Step *st = &p->steps[s];
        const Bound *b = &run.bound[s];
        switch (st->kind) {
        case S_APPLY:
            if (run_apply(&run, st, b, &rows) != 0) goto done;
            break;
        case S_FILTER:
            if (run_filter(&run, st, b, &rows) != 0) goto done;
            break;
        case S_ARRANGE:
            counted = run_arrange(st, b, &rows);
            counted_valid = 1;
            if (st->n_fields) sorted = 1;
            break;
        case S_GROUP:
            if (run_group(&run, st, b, &rows) != 0) goto done;
            counted_valid = 0;
            grouped = 1;
            n_groups = rows.n;
            break;
        default:
            break;
        }
    }

    res = xcalloc(1, sizeof(FtAggResult));
    Lookup *last = &run.lks[run.n_lks - 1];
    res->n_names = last->n;
    res->names = last->names;
    res->lens = last->lens;
    last->names = NULL;
    last->lens = NULL;
    last->n = 0;
    res->rows = rows;
    rows.rows = NULL;
    rows.n = rows.cap = 0;
    res->n_source = src->n_rows;
    res->is_blocking = grouped || sorted;
    res->timed_out = timed_out;
    if (p->opts.with_count)
        res->total = counted_valid ? counted : res->rows.n; /* WITHCOUNT: exact */
    else if (grouped)
        res->total = n_groups;
    else if (sorted)
        res->total = src->n_rows;
    else
        res->total = res->rows.n ? res->rows.rows[0].src + 1 : src->n_rows;

done:
    rv_free(&rows);
    for (size_t i = 0; i < run.n_lks; i++) lk_free(&run.lks[i]);
    xfree(run.lks);
    if (run.bound) {
        for (size_t s = 0; s < p->n_steps; s++) {
            Bound *b = &run.bound[s];
            xfree(b->in);
            xfree(b->red_in);
            xfree(b->red_by);
            for (size_t r = 0; b->red_cols && r < run.plan->steps[s].n_reds; r++) {
                xfree(b->red_cols[r]);
                xfree(b->red_sort[r]);
            }
            xfree(b->red_cols);
            xfree(b->red_sort);
            xfree(b->red_out);
            xfree(b->grp_out);
        }
        xfree(run.bound);
    }
    if (!res) *err = run.err ? run.err : msg("Could not run the aggregation");
    return res;
}

/* ---- cursors ---- */

#define CURSORS_PER_INDEX         128
#define CURSOR_DEFAULT_MAXIDLE_MS 300000

typedef struct CursorSlot {
    FtAggCursor c;
    char *index;
    size_t index_len;
} CursorSlot;

/* The cursors of every index. Few (128 per index at most) and short-lived,
 * so a flat array searched linearly is enough. */
static CursorSlot *cursors;
static size_t n_cursors, cap_cursors;
static uint64_t cursor_seq;

static size_t index_count(const char *index, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < n_cursors; i++)
        if (cursors[i].index_len == len && memcmp(cursors[i].index, index, len) == 0) n++;
    return n;
}

static long cursor_at(const char *index, size_t len, uint64_t id) {
    for (size_t i = 0; i < n_cursors; i++)
        if (cursors[i].c.id == id && cursors[i].index_len == len &&
            memcmp(cursors[i].index, index, len) == 0)
            return (long)i;
    return -1;
}

static void cursor_remove(size_t i) {
    ftagg_result_free(cursors[i].c.res);
    xfree(cursors[i].index);
    cursors[i] = cursors[--n_cursors];
}

FtAggCursor *ftagg_cursor_open(const char *index, size_t len, FtAggResult *res, size_t count,
                               long long maxidle_ms, long long now_ms) {
    if (index_count(index, len) >= CURSORS_PER_INDEX) {
        ftagg_result_free(res);
        return NULL;
    }
    if (n_cursors == cap_cursors) {
        cap_cursors = cap_cursors ? cap_cursors * 2 : 16;
        cursors = xrealloc(cursors, cap_cursors * sizeof(CursorSlot));
    }
    CursorSlot *s = &cursors[n_cursors++];
    memset(s, 0, sizeof(*s));
    /* Ids look random, as RediSearch's do, and are never 0 (the id of "no
     * cursor") nor reused while the server runs. */
    uint64_t id;
    do {
        cursor_seq++;
        uint64_t x = cursor_seq * 0x9E3779B97F4A7C15ULL + (uint64_t)now_ms;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9ULL;
        x ^= x >> 29;
        id = x & 0x3FFFFFFFFFFFFFFFULL;
    } while (id == 0 || cursor_at(index, len, id) >= 0);
    s->c.id = id;
    s->c.res = res;
    s->c.pos = 0;
    s->c.count = count ? count : 1000;
    if (maxidle_ms <= 0 || maxidle_ms > CURSOR_DEFAULT_MAXIDLE_MS)
        maxidle_ms = CURSOR_DEFAULT_MAXIDLE_MS;
    s->c.maxidle_ms = maxidle_ms;
    s->c.last_ms = now_ms;
    s->index = xmemdup(index, len);
    s->index_len = len;
    return &s->c;
}

FtAggCursor *ftagg_cursor_find(const char *index, size_t len, uint64_t id) {
    long i = cursor_at(index, len, id);
    return i >= 0 ? &cursors[i].c : NULL;
}

int ftagg_cursor_del(const char *index, size_t len, uint64_t id) {
    long i = cursor_at(index, len, id);
    if (i < 0) return -1;
    cursor_remove((size_t)i);
    return 0;
}

void ftagg_cursor_drop_index(const char *index, size_t len) {
    for (size_t i = 0; i < n_cursors;) {
        if (cursors[i].index_len == len && memcmp(cursors[i].index, index, len) == 0)
            cursor_remove(i);
        else
            i++;
    }
    if (n_cursors == 0) {
        xfree(cursors);
        cursors = NULL;
        cap_cursors = 0;
    }
}

size_t ftagg_cursor_expire(long long now_ms) {
    size_t n = 0;
    for (size_t i = 0; i < n_cursors;) {
        if (now_ms - cursors[i].c.last_ms > cursors[i].c.maxidle_ms) {
            cursor_remove(i);
            n++;
        } else {
            i++;
        }
    }
    if (n_cursors == 0 && cursors) {
        xfree(cursors);
        cursors = NULL;
        cap_cursors = 0;
    }
    return n;
}

void ftagg_cursor_stats(const char *index, size_t len, FtAggCursorStats *out) {
    /* Between reads every cursor is idle: none is being read while a
     * command runs. */
    out->global_idle = (long long)n_cursors;
    out->global_total = (long long)n_cursors;
    out->index_capacity = CURSORS_PER_INDEX;
    out->index_total = (long long)index_count(index, len);
}
