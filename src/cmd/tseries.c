/*
 * tseries.c - time series: Redis 8's TS.* commands (RedisTimeSeries), the
 * TSDB-TYPE value (a series from src/types/tseries.c plus its labels and
 * compaction rules) and its registration with the keyspace and persistence.
 *
 * RedisTimeSeries' documentation, its error reference page and its source and
 * tests are the specification (7.0 has no time series). Its habits are kept
 * where a client sees them: option keywords are found by scanning the
 * arguments (not parsed in order), and errors come in the module's order
 * (TS.CREATE reads its options before looking at the key, TS.ADD reads the
 * value and timestamp first, TS.RANGE looks the key up first); most errors
 * are "ERR TSDB: ...", a negative RETENTION and a TS.INCRBY going backwards
 * are answered without the ERR. Sample values reply as simple strings of
 * the shortest digits that read back as the value (RESP2) or doubles (RESP3).
 *
 * TS.READ (Redis 8.10) is the one command that blocks: it waits through the
 * server's block_on_keys() like XREAD, every change of its key offering it
 * the key again (see the TS.READ section). TS.QUERYLABELS and MRANGE's
 * EXCLUDEEMPTY reuse the label index's filter and the range readers.
 *
 * Keyspace events are class 'd' (module), named as the module names them:
 * ts.create ts.alter ts.add ts.incrby ts.decrby ts.del ts.createrule
 * ts.deleterule, and ts.add:dest on a compaction's destination.
 *
 * Propagation: writes go to the AOF and replicas as they came, except that
 * a '*' timestamp (TS.ADD, TS.MADD, TS.INCRBY/DECRBY) is replaced by the
 * server time it resolved to, and TS.MADD propagates only the samples it
 * stored. Compactions are not propagated: replaying the source's writes
 * redoes them, the rules' open buckets being part of the value.
 *
 * Persistence: RDB/DUMP write the value as a module value (type 7) named
 * TSDB-TYPE, with streamd's own field layout under encoding version 1023,
 * which RedisTimeSeries refuses cleanly (its versions are far lower):
 * writing its Gorilla chunks bit for bit is not done. The AOF rewrite emits
 * RESTORE key 0 <payload>, as Redis does for a module value, so the rules'
 * open buckets survive.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/acl.h"
#include "server/core.h"
#include "types/tseries.h"

#define TS_ENCVER 1023
/* The module answers a key of another type through its own error helper,
 * which puts ERR in front of Redis's sentence. */
#define TS_WRONGTYPE "ERR WRONGTYPE Operation against a key holding the wrong kind of value"
/* FILTER_BY_TS takes at most this many timestamps (the module's limit). */
#define TS_MAX_FILTER_TS 128

typedef struct TsLabel {
    char *name, *value;
    size_t name_len, value_len;
} TsLabel;

typedef struct TsRule {
    char *dest;
    size_t dest_len;
    int64_t bucket, align;
    int agg;
    int64_t cur_start; /* the open bucket, -1 before the first sample */
    TsAgg ctx;
} TsRule;

typedef struct TsObj {
    TSeries *s;
    TsLabel *labels;
    size_t n_labels;
    char *src; /* the series this one is a compaction of, or NULL */
    size_t src_len;
    TsRule *rules;
    size_t n_rules;
} TsObj;

static TsObj *tso(const Obj *o) {
    return o->ptr;
}

/* ---- the value ------------------------------------------------------------------ */

static void labels_free(TsLabel *l, size_t n) {
    for (size_t i = 0; i < n; i++) {
        xfree(l[i].name);
        xfree(l[i].value);
    }
    xfree(l);
}

static TsObj *tsobj_new(TSeries *s) {
    TsObj *t = xcalloc(1, sizeof *t);
    t->s = s;
    return t;
}

static void tsobj_free(TsObj *t) {
    if (!t) return;
    ts_free(t->s);
    labels_free(t->labels, t->n_labels);
    xfree(t->src);
    for (size_t i = 0; i < t->n_rules; i++) xfree(t->rules[i].dest);
    xfree(t->rules);
    xfree(t);
}

static TsObj *tsobj_dup(const TsObj *t) {
    TsObj *d = tsobj_new(ts_dup(t->s));
    d->n_labels = t->n_labels;
    d->labels = t->n_labels ? xmalloc(t->n_labels * sizeof *d->labels) : NULL;
    for (size_t i = 0; i < t->n_labels; i++) {
        d->labels[i].name = xmemdup(t->labels[i].name, t->labels[i].name_len + 1);
        d->labels[i].value = xmemdup(t->labels[i].value, t->labels[i].value_len + 1);
        d->labels[i].name_len = t->labels[i].name_len;
        d->labels[i].value_len = t->labels[i].value_len;
    }
    if (t->src) {
        d->src = xmemdup(t->src, t->src_len + 1);
        d->src_len = t->src_len;
    }
    d->n_rules = t->n_rules;
    d->rules = t->n_rules ? xmalloc(t->n_rules * sizeof *d->rules) : NULL;
    for (size_t i = 0; i < t->n_rules; i++) {
        d->rules[i] = t->rules[i];
        d->rules[i].dest = xmemdup(t->rules[i].dest, t->rules[i].dest_len + 1);
    }
    return d;
}

static size_t tsobj_mem(const TsObj *t) {
    size_t n = sizeof *t + ts_mem_bytes(t->s) + t->src_len;
    for (size_t i = 0; i < t->n_labels; i++)
        n += sizeof(TsLabel) + t->labels[i].name_len + t->labels[i].value_len + 2;
    for (size_t i = 0; i < t->n_rules; i++) n += sizeof(TsRule) + t->rules[i].dest_len + 1;
    return n;
}

static void ops_free(void *ptr) {
    tsobj_free(ptr);
}

static size_t ops_mem(const void *ptr) {
    return tsobj_mem(ptr);
}

static uint64_t ops_items(const void *ptr) {
    return ((const TsObj *)ptr)->s->n_samples;
}

static Obj *ops_dup(const void *ptr) {
    return obj_new(OBJ_TSERIES, tsobj_dup(ptr));
}

static uint64_t ops_free_effort(const void *ptr) {
    const TsObj *t = ptr;
    return 1 + t->s->n_chunks + t->n_labels * 2;
}

static const ObjTypeOps tseries_type = {
    .name = "TSDB-TYPE",
    .encoding = "raw",
    .free = ops_free,
    .mem_usage = ops_mem,
    .items = ops_items,
    .dup = ops_dup,
    .free_effort = ops_free_effort,
};

/* ---- argument helpers -------------------------------------------------------------- */

/* The first argument at or after `from` equal to word (case-insensitive),
 * or -1: the module scans for its keywords. */
static int find_kw(const Client *c, int from, const char *word) {
    for (int i = from; i < c->argc; i++)
        if (slice_eq_nocase(c->argv[i], word)) return i;
    return -1;
}

static int ts_parse_ll(Slice s, long long *out) {
    return num_parse_ll(s.p, s.len, out);
}

/* A double as the module's number reader takes one (strtod over the whole
 * argument, no NaN). 0 ok. */
static int parse_double(Slice s, double *out) {
    char buf[128];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    if (isspace((unsigned char)buf[0])) return -1;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end != '\0' || isnan(d) || errno == ERANGE) return -1;
    *out = d;
    return 0;
}

/* A sample value: an optional '-', digits, an optional fraction and
 * exponent, or nan / -nan / +nan; finite. 0 ok. */
static int parse_value(Slice s, double *out) {
    if ((s.len == 3 && slice_eq_nocase(s, "nan")) ||
        (s.len == 4 && (slice_eq_nocase(s, "-nan") || slice_eq_nocase(s, "+nan")))) {
        *out = NAN;
        return 0;
    }
    size_t i = 0, n = s.len;
    const char *p = s.p;
    if (i < n && p[i] == '-') i++;
    size_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    if (i == d0) return -1;
    if (i < n && p[i] == '.') {
        size_t f0 = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        if (i == f0) return -1;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        size_t e0 = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        if (i == e0) return -1;
    }
    if (i != n) return -1;
    double d;
    if (parse_double(s, &d) != 0 || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

/* A sample timestamp: '*' (the server's clock) or an integer >= 0. Replies
 * and returns -1 on a bad one. */
static int timestamp_or_reply(Client *c, Slice s, int64_t *out) {
    if (s.len == 1 && s.p[0] == '*') {
        *out = now_ms();
        return 0;
    }
    long long ll;
    if (ts_parse_ll(s, &ll) != 0) {
        reply_error(c, "ERR TSDB: invalid timestamp");
        return -1;
    }
    if (ll < 0) {
        reply_error(c, "ERR TSDB: invalid timestamp, must be a nonnegative integer");
        return -1;
    }
    *out = ll;
    return 0;
}

/* One end of a range: '-' / '+' or an integer >= 0. */
static int range_end(Slice s, const char *open, int64_t edge, int64_t *out) {
    if (s.len == 1 && s.p[0] == open[0]) {
        *out = edge;
        return 0;
    }
    long long ll;
    if (ts_parse_ll(s, &ll) != 0 || ll < 0) return -1;
    *out = ll;
    return 0;
}

/* A sample value on the way out: the fewest significant digits that read
 * back as d, laid out as "%.17g" lays a number out (fixed notation for
 * exponents -4 .. 16, else d.ddde+XX), as Redis 8 formats doubles. */
static size_t fmt_value(double d, char *buf, size_t cap) {
    if (isnan(d)) return (size_t)snprintf(buf, cap, "nan");
    if (isinf(d)) return (size_t)snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    char e[40];
    int p = 1;
    for (; p < 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    snprintf(e, sizeof e, "%.*e", p - 1, d);
    /* e: [-]d[.ddd]e[+-]XX */
    char digits[24];
    int nd = 0, neg = e[0] == '-';
    const char *q = e + neg;
    for (; *q && *q != 'e'; q++)
        if (*q != '.') digits[nd++] = *q;
    int x = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    size_t n = 0;
    if (neg) buf[n++] = '-';
    if (x < -4 || x >= 17) {
        buf[n++] = digits[0];
        if (nd > 1) {
            buf[n++] = '.';
            for (int i = 1; i < nd; i++) buf[n++] = digits[i];
        }
        n += (size_t)snprintf(buf + n, cap - n, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x < 0) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = 0; i < -x - 1; i++) buf[n++] = '0';
        for (int i = 0; i < nd; i++) buf[n++] = digits[i];
    } else {
        for (int i = 0; i <= x; i++) buf[n++] = i < nd ? digits[i] : '0';
        if (nd > x + 1) {
            buf[n++] = '.';
            for (int i = x + 1; i < nd; i++) buf[n++] = digits[i];
        }
    }
    buf[n] = '\0';
    return n;
}

static void reply_value(Client *c, double d) {
    char buf[48];
    size_t n = fmt_value(d, buf, sizeof buf);
    if (c->resp >= 3)
        reply_double_text(c, buf, n);
    else
        reply_status(c, buf);
}

static void reply_sample(Client *c, int64_t ts, double v) {
    reply_array(c, 2);
    reply_int(c, ts);
    reply_value(c, v);
}

/* ---- lookups ------------------------------------------------------------------ */

/* The series at key for a command that does not create one: 0 with *out set,
 * or -1 after replying (missing: the module's error, other type: WRONGTYPE). */
static int series_or_reply(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (!o) {
        reply_error(c, "ERR TSDB: the key does not exist");
        return -1;
    }
    if (o->type != OBJ_TSERIES) {
        reply_error(c, TS_WRONGTYPE);
        return -1;
    }
    *out = o;
    return 0;
}

/* ---- create options ------------------------------------------------------------- */

typedef struct CreateOpts {
    int has_retention, has_chunk, has_encoding, has_policy, has_labels, has_ignore;
    int64_t retention;
    uint32_t chunk;
    int encoding, policy;
    int64_t ignore_time;
    double ignore_val;
    int labels_at, n_labels; /* LABELS' first pair and the pairs */
} CreateOpts;

/* Reads the options of TS.CREATE / ALTER / ADD / INCRBY in the module's
 * order (labels, retention, chunk size, encoding, policy, ignore), scanning
 * from argument `from`. 0, or -1 after replying. */
static int create_opts_or_reply(Client *c, int from, CreateOpts *o) {
    memset(o, 0, sizeof *o);
    int at = find_kw(c, from, "LABELS");
    if (at >= 0) {
        o->has_labels = 1;
        o->labels_at = at + 1;
        o->n_labels = (c->argc - at - 1) / 2;
        for (int i = 0; i < o->n_labels; i++) {
            Slice n = c->argv[at + 1 + 2 * i], v = c->argv[at + 2 + 2 * i];
            if (n.len == 0 || v.len == 0 || memchr(v.p, '(', v.len) || memchr(v.p, ')', v.len) ||
                memchr(v.p, ',', v.len)) {
                reply_error(c, "ERR TSDB: Couldn't parse LABELS");
                return -1;
            }
        }
    }
    at = find_kw(c, from, "RETENTION");
    if (at >= 0) {
        long long ll;
        if (at + 1 >= c->argc || ts_parse_ll(c->argv[at + 1], &ll) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse RETENTION");
            return -1;
        }
        if (ll < 0) {
            reply_error(c, "TSDB: Couldn't parse RETENTION");
            return -1;
        }
        o->has_retention = 1;
        o->retention = ll;
    }
    at = find_kw(c, from, "CHUNK_SIZE");
    if (at >= 0) {
        long long ll;
        if (at + 1 >= c->argc || ts_parse_ll(c->argv[at + 1], &ll) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse CHUNK_SIZE");
            return -1;
        }
        if (ll < TS_CHUNK_MIN || ll > TS_CHUNK_MAX || ll % 8 != 0) {
            reply_error(c, "ERR TSDB: CHUNK_SIZE value must be a multiple of 8 in the range "
                           "[48 .. 1048576]");
            return -1;
        }
        o->has_chunk = 1;
        o->chunk = (uint32_t)ll;
    }
    at = find_kw(c, from, "ENCODING");
    if (at >= 0) {
        if (at + 1 >= c->argc) {
            reply_arity_error(c);
            return -1;
        }
        Slice w = c->argv[at + 1];
        if (slice_eq_nocase(w, "compressed")) {
            o->encoding = TS_ENC_COMPRESSED;
        } else if (slice_eq_nocase(w, "uncompressed")) {
            o->encoding = TS_ENC_UNCOMPRESSED;
        } else {
            reply_error(c, "ERR TSDB: unknown ENCODING parameter");
            return -1;
        }
        o->has_encoding = 1;
    } else {
        /* the module's older spellings, still accepted (COMPRESSED wins) */
        if (find_kw(c, from, "UNCOMPRESSED") >= 0) {
            o->has_encoding = 1;
            o->encoding = TS_ENC_UNCOMPRESSED;
        }
        if (find_kw(c, from, "COMPRESSED") >= 0) {
            o->has_encoding = 1;
            o->encoding = TS_ENC_COMPRESSED;
        }
    }
    at = find_kw(c, from, "DUPLICATE_POLICY");
    if (at >= 0) {
        if (at + 1 >= c->argc) {
            reply_error(c, "ERR TSDB: Couldn't parse DUPLICATE_POLICY");
            return -1;
        }
        o->policy = ts_policy_parse(c->argv[at + 1].p, c->argv[at + 1].len);
        if (!o->policy) {
            reply_error(c, "ERR TSDB: Unknown DUPLICATE_POLICY");
            return -1;
        }
        o->has_policy = 1;
    }
    at = find_kw(c, from, "IGNORE");
    if (at >= 0) {
        long long t;
        double v;
        if (at + 2 >= c->argc || ts_parse_ll(c->argv[at + 1], &t) != 0 ||
            parse_double(c->argv[at + 2], &v) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse IGNORE");
            return -1;
        }
        if (t < 0 || v < 0) {
            reply_error(c, "ERR TSDB: IGNORE arguments cannot be negative");
            return -1;
        }
        o->has_ignore = 1;
        o->ignore_time = t;
        o->ignore_val = v;
    }
    return 0;
}

static void set_labels(TsObj *t, const Client *c, const CreateOpts *o) {
    labels_free(t->labels, t->n_labels);
    t->labels = NULL;
    t->n_labels = (size_t)o->n_labels;
    if (!o->n_labels) return;
    t->labels = xcalloc((size_t)o->n_labels, sizeof *t->labels);
    for (int i = 0; i < o->n_labels; i++) {
        Slice n = c->argv[o->labels_at + 2 * i], v = c->argv[o->labels_at + 2 * i + 1];
        TsLabel *l = &t->labels[i];
        l->name = xmalloc(n.len + 1);
        memcpy(l->name, n.p, n.len);
        l->name[n.len] = '\0';
        l->name_len = n.len;
        l->value = xmalloc(v.len + 1);
        memcpy(l->value, v.p, v.len);
        l->value[v.len] = '\0';
        l->value_len = v.len;
    }
}

/* Applies what was named to t (ALTER leaves the rest alone). */
static void apply_opts(TsObj *t, const Client *c, const CreateOpts *o) {
    if (o->has_retention) t->s->retention_ms = o->retention;
    if (o->has_chunk) t->s->chunk_bytes = o->chunk;
    if (o->has_policy) t->s->dup_policy = (uint8_t)o->policy;
    if (o->has_ignore) {
        t->s->ignore_max_time_diff = o->ignore_time;
        t->s->ignore_max_val_diff = o->ignore_val;
    }
    if (o->has_labels) set_labels(t, c, o);
}

/* A new series from the options and the configured defaults. */
static TsObj *series_new(const Client *c, const CreateOpts *o) {
    uint32_t chunk = o->has_chunk ? o->chunk : (uint32_t)settings.ts_chunk_size_bytes;
    int enc = o->has_encoding ? o->encoding : settings.ts_encoding;
    TsObj *t = tsobj_new(ts_new(chunk, enc));
    t->s->retention_ms = settings.ts_retention_policy;
    t->s->ignore_max_time_diff = settings.ts_ignore_max_time_diff;
    t->s->ignore_max_val_diff = settings.ts_ignore_max_val_diff_d;
    apply_opts(t, c, o);
    return t;
}

/* ---- ts-compaction-policy -------------------------------------------------------------- */

static void label_add(TsObj *t, const char *n, size_t nl, const char *v, size_t vl) {
    t->labels = xrealloc(t->labels, (t->n_labels + 1) * sizeof *t->labels);
    TsLabel *l = &t->labels[t->n_labels++];
    l->name = xmalloc(nl + 1);
    memcpy(l->name, n, nl);
    l->name[nl] = '\0';
    l->name_len = nl;
    l->value = xmalloc(vl + 1);
    memcpy(l->value, v, vl);
    l->value[vl] = '\0';
    l->value_len = vl;
}

static void rule_add(TsObj *s, Slice dest, int agg, int64_t bucket, int64_t align) {
    s->rules = xrealloc(s->rules, (s->n_rules + 1) * sizeof *s->rules);
    TsRule *r = &s->rules[s->n_rules++];
    memset(r, 0, sizeof *r);
    r->dest = xmalloc(dest.len + 1);
    memcpy(r->dest, dest.p, dest.len);
    r->dest[dest.len] = '\0';
    r->dest_len = dest.len;
    r->bucket = bucket;
    r->align = align;
    r->agg = agg;
    r->cur_start = -1;
    ts_agg_reset(&r->ctx, agg);
}

/* A series TS.ADD / TS.INCRBY just made gets ts-compaction-policy's rules:
 * for each, a destination <key>_<AGG>_<bucket>[_<alignment>] (unless that
 * key exists) with the rule's retention and the source's labels plus
 * aggregation and time_bucket. */
static void rules_from_policy(Client *c, Slice key, TsObj *t) {
    TsPolicyRule pr[TS_MAX_POLICY_RULES];
    const char *pol = settings.ts_compaction_policy ? settings.ts_compaction_policy : "";
    int n = ts_policy_rules_parse(pol, pr, TS_MAX_POLICY_RULES);
    for (int i = 0; i < n; i++) {
        Buf name;
        buf_init(&name);
        buf_append(&name, key.p, key.len);
        buf_printf(&name, "_%s_%lld", ts_agg_name(pr[i].agg), (long long)pr[i].bucket);
        if (pr[i].align) buf_printf(&name, "_%lld", (long long)pr[i].align);
        Slice dk = slice_of(name.p, name.len);
        if (!db_lookup_write(c->db, dk)) {
            TsObj *d =
                tsobj_new(ts_new((uint32_t)settings.ts_chunk_size_bytes, settings.ts_encoding));
            d->s->retention_ms = pr[i].retention;
            d->s->ignore_max_time_diff = settings.ts_ignore_max_time_diff;
            d->s->ignore_max_val_diff = settings.ts_ignore_max_val_diff_d;
            for (size_t k = 0; k < t->n_labels; k++)
                label_add(d, t->labels[k].name, t->labels[k].name_len, t->labels[k].value,
                          t->labels[k].value_len);
            const char *an = ts_agg_name(pr[i].agg);
            char num[24];
            int nl = snprintf(num, sizeof num, "%lld", (long long)pr[i].bucket);
            label_add(d, "aggregation", 11, an, strlen(an));
            label_add(d, "time_bucket", 11, num, (size_t)nl);
            d->src = xmalloc(key.len + 1);
            memcpy(d->src, key.p, key.len);
            d->src[key.len] = '\0';
            d->src_len = key.len;
            db_add(c->db, dk, obj_new(OBJ_TSERIES, d));
            rule_add(t, dk, pr[i].agg, pr[i].bucket, pr[i].align);
        }
        buf_free(&name);
    }
}

/* ---- writing samples and compactions ---------------------------------------------- */

static void notify(Client *c, const char *event, Slice key) {
    notify_keyspace_event(NOTIFY_MODULE, event, key, db_index(c->db));
}

static int effective_policy(const TsObj *t, int over) {
    if (over) return over;
    if (t->s->dup_policy) return t->s->dup_policy;
    return settings.ts_duplicate_policy;
}

/* Whether series d is a compaction of the series at src_key. */
static int dest_names(const TsObj *d, Slice src_key) {
    return d->src && d->src_len == src_key.len && memcmp(d->src, src_key.p, src_key.len) == 0;
}

/* Finishes rule r's open bucket into its destination (when it still is a
 * series). */
static void rule_flush(Client *c, Slice src_key, TsRule *r) {
    double v;
    if (!ts_agg_final(&r->ctx, &v)) return;
    Slice dk = slice_of(r->dest, r->dest_len);
    Obj *d = db_lookup_write(c->db, dk);
    if (!d || d->type != OBJ_TSERIES || !dest_names(tso(d), src_key)) return;
    int up;
    if (ts_add(tso(d)->s, r->cur_start, v, TS_DP_LAST, 1, &up) == TS_ADDED) {
        db_resized(c->db, d, tso(d)->s->n_samples);
        db_signal_key(c->db, dk);
    }
    notify(c, "ts.add:dest", dk);
}

static void rule_reset(TsRule *r, int64_t start) {
    ts_agg_reset(&r->ctx, r->agg);
    r->cur_start = start;
    r->ctx.bucket_start = start;
    r->ctx.bucket_end = start + r->bucket;
}

/* A sample appended to t's series: feeds every rule. */
static void rules_on_append(Client *c, Slice key, TsObj *t, int64_t ts, double v) {
    for (size_t i = 0; i < t->n_rules; i++) {
        TsRule *r = &t->rules[i];
        int64_t bs = ts_bucket_start(ts, r->bucket, r->align);
        if (r->cur_start < 0) {
            rule_reset(r, bs);
        } else if (bs > r->cur_start) {
            rule_flush(c, key, r);
            rule_reset(r, bs);
        }
        /* NaN samples are stored but aggregate to nothing, except in the
         * counts of NaN samples */
        if (!isnan(v) || ts_agg_takes_nan(r->agg)) ts_agg_add(&r->ctx, ts, v);
    }
}

/* Recomputes rule r's bucket starting at bs from the source's samples: a
 * closed bucket is rewritten in the destination (or its sample deleted
 * when no source sample is left), the open one's state rebuilt. */
static void rule_recompute(Client *c, Slice key, TsObj *t, TsRule *r, int64_t bs) {
    TsAgg a;
    ts_agg_reset(&a, r->agg);
    a.bucket_start = bs;
    a.bucket_end = bs + r->bucket;
    TsIter it;
    TsSample x;
    ts_iter_init(&it, t->s, bs, bs + r->bucket - 1, 0);
    while (ts_iter_next(&it, &x))
        if (!isnan(x.v) || ts_agg_takes_nan(r->agg)) ts_agg_add(&a, x.ts, x.v);
    ts_iter_done(&it);
    if (bs == r->cur_start) {
        r->ctx = a;
        return;
    }
    Slice dk = slice_of(r->dest, r->dest_len);
    Obj *d = db_lookup_write(c->db, dk);
    if (!d || d->type != OBJ_TSERIES || !dest_names(tso(d), key)) return;
    double v;
    int up;
    if (ts_agg_final(&a, &v))
        ts_add(tso(d)->s, bs, v, TS_DP_LAST, 0, &up);
    else
        ts_del_range(tso(d)->s, bs, bs);
    db_resized(c->db, d, tso(d)->s->n_samples);
    db_signal_key(c->db, dk);
    notify(c, "ts.add:dest", dk);
}

/* A sample upserted at ts (not after the newest): recompute the buckets it
 * touches. */
static void rules_on_upsert(Client *c, Slice key, TsObj *t, int64_t ts) {
    for (size_t i = 0; i < t->n_rules; i++) {
        TsRule *r = &t->rules[i];
        if (r->cur_start < 0) continue;
        int64_t bs = ts_bucket_start(ts, r->bucket, r->align);
        if (bs > r->cur_start) continue;
        rule_recompute(c, key, t, r, bs);
    }
}

/* Adds a sample to the series at key (o) with rules; replies nothing.
 * Returns the ts_add() code; *out_ts the timestamp to answer. */
static int series_add(Client *c, Slice key, Obj *o, int64_t ts, double v, int over,
                      int64_t *out_ts) {
    TsObj *t = tso(o);
    int up;
    int rc = ts_add(t->s, ts, v, effective_policy(t, over), 1, &up);
    if (rc == TS_IGNORED) {
        TsSample last;
        ts_last(t->s, &last);
        *out_ts = last.ts;
        return rc;
    }
    if (rc != TS_ADDED) return rc;
    *out_ts = ts;
    if (up)
        rules_on_upsert(c, key, t, ts);
    else
        rules_on_append(c, key, t, ts, v);
    db_resized(c->db, o, t->s->n_samples);
    db_signal_key(c->db, key);
    return rc;
}

static void reply_add_error(Client *c, int rc) {
    if (rc == TS_ERR_OLD)
        reply_error(c, "ERR TSDB: Timestamp is older than retention");
    else
        reply_error(c, "ERR TSDB: Error at upsert, update is not supported when DUPLICATE_POLICY "
                       "is set to BLOCK mode, or either current or new value is NaN and "
                       "DUPLICATE_POLICY is MAX/MIN/SUM");
}

/* Propagates the command with argument i replaced by the timestamp ts. */
static void propagate_with_ts(Client *c, int i, int64_t ts) {
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)ts);
    Slice *argv = xmalloc((size_t)c->argc * sizeof *argv);
    memcpy(argv, c->argv, (size_t)c->argc * sizeof *argv);
    argv[i] = slice_of(num, (size_t)n);
    propagate(c, c->argc, argv);
    xfree(argv);
}

static int rule_alive(Client *c, Slice src_key, const TsRule *r);
static int src_alive(Client *c, Slice key, const TsObj *t);

/* ---- TS.CREATE TS.ALTER ---------------------------------------------------------- */

static void cmd_ts_create(Client *c) {
    CreateOpts o;
    if (create_opts_or_reply(c, 2, &o) != 0) return;
    Slice key = c->argv[1];
    if (db_lookup_write(c->db, key)) {
        reply_error(c, "ERR TSDB: key already exists");
        return;
    }
    db_add(c->db, key, obj_new(OBJ_TSERIES, series_new(c, &o)));
    notify(c, "ts.create", key);
    propagate_argv(c);
    reply_ok(c);
}

static void cmd_ts_alter(Client *c) {
    CreateOpts o;
    if (create_opts_or_reply(c, 2, &o) != 0) return;
    Obj *obj;
    if (series_or_reply(c, c->argv[1], 1, &obj) != 0) return;
    apply_opts(tso(obj), c, &o);
    db_signal_key(c->db, c->argv[1]);
    notify(c, "ts.alter", c->argv[1]);
    propagate_argv(c);
    reply_ok(c);
}

/* ---- TS.ADD TS.MADD TS.INCRBY TS.DECRBY -------------------------------------------- */

/* TS.ADD's work; replies. The module announces "ts.add" afterwards
 * whatever happened, errors included. */
static void add_body(Client *c) {
    Slice key = c->argv[1];
    double v;
    if (parse_value(c->argv[3], &v) != 0) {
        reply_error(c, "ERR TSDB: invalid value");
        return;
    }
    int64_t ts;
    if (timestamp_or_reply(c, c->argv[2], &ts) != 0) return;
    Obj *o = db_lookup_write(c->db, key);
    int over = 0, created = 0;
    if (!o) {
        CreateOpts co;
        if (create_opts_or_reply(c, 4, &co) != 0) return;
        o = obj_new(OBJ_TSERIES, series_new(c, &co));
        db_add(c->db, key, o);
        created = 1;
        rules_from_policy(c, key, tso(o));
    } else if (o->type != OBJ_TSERIES) {
        reply_error(c, "ERR TSDB: the key is not a TSDB key");
        return;
    } else {
        int at = find_kw(c, 4, "ON_DUPLICATE");
        if (at >= 0) {
            if (at + 1 >= c->argc) {
                reply_error(c, "ERR TSDB: Couldn't parse DUPLICATE_POLICY");
                return;
            }
            over = ts_policy_parse(c->argv[at + 1].p, c->argv[at + 1].len);
            if (!over) {
                reply_error(c, "ERR TSDB: Unknown DUPLICATE_POLICY");
                return;
            }
        }
    }
    int64_t out;
    int rc = series_add(c, key, o, ts, v, over, &out);
    /* the record names the resolved timestamp; a new key is recorded even
     * when its first sample was refused */
    if (rc == TS_ADDED || created) propagate_with_ts(c, 2, ts);
    if (rc < 0)
        reply_add_error(c, rc);
    else
        reply_int(c, out);
}

static void cmd_ts_add(Client *c) {
    add_body(c);
    notify(c, "ts.add", c->argv[1]);
}

static void cmd_ts_madd(Client *c) {
    if ((c->argc - 1) % 3 != 0) {
        reply_arity_error(c);
        return;
    }
    int n = (c->argc - 1) / 3;
    Slice *prop = xmalloc((size_t)(1 + 3 * n) * sizeof *prop);
    char(*nums)[24] = xmalloc((size_t)n * sizeof *nums);
    int n_prop = 1;
    prop[0] = c->argv[0];
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        Slice key = c->argv[1 + 3 * i];
        double v;
        if (parse_value(c->argv[3 + 3 * i], &v) != 0) {
            reply_error(c, "ERR TSDB: invalid value");
            continue;
        }
        int64_t ts;
        if (timestamp_or_reply(c, c->argv[2 + 3 * i], &ts) != 0) continue;
        Obj *o = db_lookup_write(c->db, key);
        if (!o || o->type != OBJ_TSERIES) {
            reply_error(c, "ERR TSDB: the key is not a TSDB key");
            continue;
        }
        int64_t out;
        int rc = series_add(c, key, o, ts, v, 0, &out);
        if (rc < 0) {
            reply_add_error(c, rc);
            continue;
        }
        if (rc == TS_ADDED) {
            prop[n_prop++] = key;
            prop[n_prop++] =
                slice_of(nums[i], (size_t)snprintf(nums[i], sizeof nums[i], "%lld", (long long)ts));
            prop[n_prop++] = c->argv[3 + 3 * i];
        }
        reply_int(c, out);
    }
    if (n_prop > 1) propagate(c, n_prop, prop);
    for (int i = 0; i < n; i++) notify(c, "ts.add", c->argv[1 + 3 * i]);
    xfree(nums);
    xfree(prop);
}

static void incr_generic(Client *c, int sign) {
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_TSERIES) {
        reply_error(c, TS_WRONGTYPE);
        return;
    }
    double by;
    if (parse_double(c->argv[2], &by) != 0) {
        reply_error(c, "ERR TSDB: invalid increase/decrease value");
        return;
    }
    int labels_at = find_kw(c, 3, "LABELS");
    int ts_at = find_kw(c, 3, "TIMESTAMP");
    if (labels_at >= 0 && ts_at > labels_at) ts_at = -1;
    int64_t ts = now_ms();
    if (ts_at >= 0) {
        long long ll;
        Slice w = ts_at + 1 < c->argc ? c->argv[ts_at + 1] : slice_of("", 0);
        if (w.len == 1 && w.p[0] == '*') {
            ts = now_ms();
        } else if (ts_parse_ll(w, &ll) != 0 || ll < 0) {
            /* the module takes a negative one as a huge unsigned timestamp */
            reply_error(c, "ERR TSDB: invalid timestamp");
            return;
        } else {
            ts = ll;
        }
    }
    int created = 0;
    if (!o) {
        CreateOpts co;
        if (create_opts_or_reply(c, 3, &co) != 0) return;
        o = obj_new(OBJ_TSERIES, series_new(c, &co));
        db_add(c->db, key, o);
        created = 1;
        rules_from_policy(c, key, tso(o));
    }
    TsSample last;
    int has = ts_last(tso(o)->s, &last);
    int rc = 0;
    int64_t out = ts;
    if (has && last.ts != 0 && ts < last.ts) {
        reply_error(c, "TSDB: timestamp must be equal to or higher than the maximum existing "
                       "timestamp");
        rc = -1;
    } else if (has && isnan(last.v)) {
        reply_error(c, "ERR TSDB: cannot increment/decrement NaN value");
        rc = -1;
    } else {
        double v = (has ? last.v : 0) + sign * by;
        rc = series_add(c, key, o, ts, v, TS_DP_LAST, &out);
        if (rc < 0) reply_add_error(c, rc);
        /* the module announces these in the generic class */
        notify_keyspace_event(NOTIFY_GENERIC, sign > 0 ? "ts.incrby" : "ts.decrby", key,
                              db_index(c->db));
    }
    if (rc == TS_ADDED || created) {
        /* the record names the resolved timestamp, right after the value */
        char num[24];
        Slice *argv = xmalloc((size_t)(c->argc + 2) * sizeof *argv);
        int n = 0;
        argv[n++] = c->argv[0];
        argv[n++] = c->argv[1];
        argv[n++] = c->argv[2];
        argv[n++] = slice_cstr("TIMESTAMP");
        argv[n++] = slice_of(num, (size_t)snprintf(num, sizeof num, "%lld", (long long)ts));
        for (int i = 3; i < c->argc; i++) {
            if (i == ts_at) {
                i++;
                continue;
            }
            argv[n++] = c->argv[i];
        }
        propagate(c, n, argv);
        xfree(argv);
    }
    if (rc >= 0) reply_int(c, out);
}

static void cmd_ts_incrby(Client *c) {
    incr_generic(c, 1);
}

static void cmd_ts_decrby(Client *c) {
    incr_generic(c, -1);
}

/* ---- TS.DEL TS.GET TS.INFO ----------------------------------------------------------- */

static void cmd_ts_del(Client *c) {
    int64_t from, to;
    if (range_end(c->argv[2], "-", 0, &from) != 0) {
        reply_error(c, "ERR TSDB: wrong fromTimestamp");
        return;
    }
    if (range_end(c->argv[3], "+", INT64_MAX, &to) != 0) {
        reply_error(c, "ERR TSDB: wrong toTimestamp");
        return;
    }
    Obj *o;
    if (series_or_reply(c, c->argv[1], 1, &o) != 0) return;
    TsObj *t = tso(o);
    /* the rules' buckets the deleted samples were in, to recompute after */
    int64_t *starts = NULL;
    size_t n_starts = 0, cap = 0;
    if (t->n_rules) {
        TsIter it;
        TsSample x;
        ts_iter_init(&it, t->s, from, to, 0);
        while (ts_iter_next(&it, &x))
            for (size_t i = 0; i < t->n_rules; i++) {
                int64_t bs = ts_bucket_start(x.ts, t->rules[i].bucket, t->rules[i].align);
                if (n_starts && starts[n_starts - 1] == bs) continue;
                if (n_starts == cap) {
                    cap = cap ? cap * 2 : 16;
                    starts = xrealloc(starts, cap * sizeof *starts);
                }
                starts[n_starts++] = bs;
            }
        ts_iter_done(&it);
    }
    uint64_t n = ts_del_range(t->s, from, to);
    if (n) {
        for (size_t k = 0; k < n_starts; k++)
            for (size_t i = 0; i < t->n_rules; i++) {
                TsRule *r = &t->rules[i];
                if (r->cur_start >= 0 && starts[k] <= r->cur_start &&
                    ts_bucket_start(starts[k], r->bucket, r->align) == starts[k])
                    rule_recompute(c, c->argv[1], t, r, starts[k]);
            }
        db_resized(c->db, o, t->s->n_samples);
        db_signal_key(c->db, c->argv[1]);
        notify(c, "ts.del", c->argv[1]);
        propagate_argv(c);
    }
    xfree(starts);
    reply_uint(c, n);
}

/* LATEST on a compaction: the open bucket of the rule that feeds it, as a
 * sample; 0 when there is none. */
static int latest_sample(Client *c, Slice me, const TsObj *t, TsSample *out) {
    if (!t->src) return 0;
    Obj *so = db_lookup_read(c->db, slice_of(t->src, t->src_len));
    if (!so || so->type != OBJ_TSERIES) return 0;
    const TsObj *src = tso(so);
    for (size_t i = 0; i < src->n_rules; i++) {
        const TsRule *r = &src->rules[i];
        if (r->dest_len != me.len || memcmp(r->dest, me.p, me.len) != 0) continue;
        double v;
        if (r->cur_start < 0 || !ts_agg_final(&r->ctx, &v)) return 0;
        out->ts = r->cur_start;
        out->v = v;
        return 1;
    }
    return 0;
}

static void cmd_ts_get(Client *c) {
    int latest = 0;
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    Obj *o;
    if (series_or_reply(c, c->argv[1], 0, &o) != 0) return;
    if (c->argc == 3) {
        if (!slice_eq_nocase(c->argv[2], "latest")) {
            reply_error(c, "ERR TSDB: wrong 3rd argument");
            return;
        }
        latest = 1;
    }
    TsSample x;
    if (latest && latest_sample(c, c->argv[1], tso(o), &x)) {
        reply_sample(c, x.ts, x.v);
        return;
    }
    if (!ts_last(tso(o)->s, &x)) {
        reply_empty_array(c);
        return;
    }
    reply_sample(c, x.ts, x.v);
}

static void reply_labels(Client *c, const TsObj *t) {
    if (c->resp >= 3)
        reply_map(c, t->n_labels);
    else
        reply_array(c, t->n_labels);
    for (size_t i = 0; i < t->n_labels; i++) {
        if (c->resp < 3) reply_array(c, 2);
        reply_bulk(c, t->labels[i].name, t->labels[i].name_len);
        reply_bulk(c, t->labels[i].value, t->labels[i].value_len);
    }
}

static void cmd_ts_info(Client *c) {
    int debug = 0;
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    if (c->argc == 3) {
        if (!slice_eq_nocase(c->argv[2], "debug")) {
            reply_syntax_error(c);
            return;
        }
        debug = 1;
    }
    Obj *o;
    if (series_or_reply(c, c->argv[1], 0, &o) != 0) return;
    const TsObj *t = tso(o);
    const TSeries *s = t->s;
    int64_t first;
    uint64_t total = ts_count_valid(s, &first);
    TsSample last = {0, 0};
    ts_last(s, &last);
    reply_map(c, debug ? 16 : 14);
    reply_status(c, "totalSamples");
    reply_uint(c, total);
    reply_status(c, "memoryUsage");
    reply_uint(c, tsobj_mem(t));
    reply_status(c, "firstTimestamp");
    reply_int(c, first);
    reply_status(c, "lastTimestamp");
    reply_int(c, last.ts);
    reply_status(c, "retentionTime");
    reply_int(c, s->retention_ms);
    reply_status(c, "chunkCount");
    reply_uint(c, s->n_chunks);
    reply_status(c, "chunkSize");
    reply_uint(c, s->chunk_bytes);
    reply_status(c, "chunkType");
    reply_status(c, s->encoding == TS_ENC_COMPRESSED ? "compressed" : "uncompressed");
    reply_status(c, "duplicatePolicy");
    if (s->dup_policy)
        reply_status(c, ts_policy_name(s->dup_policy));
    else
        reply_null(c);
    reply_status(c, "labels");
    reply_labels(c, t);
    reply_status(c, "sourceKey");
    if (src_alive(c, c->argv[1], t))
        reply_bulk(c, t->src, t->src_len);
    else
        reply_null(c);
    reply_status(c, "rules");
    size_t n_live = 0;
    for (size_t i = 0; i < t->n_rules; i++) n_live += rule_alive(c, c->argv[1], &t->rules[i]);
    if (c->resp >= 3)
        reply_map(c, n_live);
    else
        reply_array(c, n_live);
    for (size_t i = 0; i < t->n_rules; i++) {
        const TsRule *r = &t->rules[i];
        if (!rule_alive(c, c->argv[1], r)) continue;
        if (c->resp < 3) {
            reply_array(c, 4);
            reply_bulk(c, r->dest, r->dest_len);
        } else {
            reply_bulk(c, r->dest, r->dest_len);
            reply_array(c, 3);
        }
        reply_int(c, r->bucket);
        reply_status(c, ts_agg_name(r->agg));
        reply_int(c, r->align);
    }
    reply_status(c, "ignoreMaxTimeDiff");
    reply_int(c, s->ignore_max_time_diff);
    reply_status(c, "ignoreMaxValDiff");
    reply_double(c, s->ignore_max_val_diff);
    if (!debug) return;
    reply_status(c, "keySelfName");
    reply_bulk_slice(c, c->argv[1]);
    reply_status(c, "Chunks");
    reply_array(c, s->n_chunks);
    for (size_t i = 0; i < s->n_chunks; i++) {
        int64_t f, l;
        uint64_t n;
        size_t bytes;
        ts_chunk_info(s, i, &f, &l, &n, &bytes);
        reply_map(c, 5);
        reply_status(c, "startTimestamp");
        reply_int(c, f);
        reply_status(c, "endTimestamp");
        reply_int(c, l);
        reply_status(c, "samples");
        reply_uint(c, n);
        reply_status(c, "size");
        reply_uint(c, bytes);
        reply_status(c, "bytesPerSample");
        reply_double(c, (double)((float)bytes / (float)n));
    }
}

/* ---- range queries ----------------------------------------------------------------- */

typedef struct RangeArgs {
    TsRangeOpts o;
    int64_t filter_ts[TS_MAX_FILTER_TS];
    int latest;
} RangeArgs;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* An aggregator list ("avg" or "min,max,avg", at most TS_MAX_AGGS). 0, or -1
 * after replying. */
static int agg_list_or_reply(Client *c, Slice w, int *aggs, int *n) {
    *n = 0;
    const char *p = w.p, *end = w.p + w.len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (stop == p) {
            reply_error(c, "ERR TSDB: Empty aggregation type in list");
            return -1;
        }
        if (*n == TS_MAX_AGGS) {
            reply_error(c, "ERR TSDB: Too many aggregation types");
            return -1;
        }
        int a = ts_agg_parse(p, (size_t)(stop - p));
        if (!a) {
            reply_error(c, "ERR TSDB: Unknown aggregation type");
            return -1;
        }
        aggs[(*n)++] = a;
        if (!comma) return 0;
        p = comma + 1;
    }
}

/* The options of TS.RANGE-like commands after the two ends (argv[2], [3]),
 * scanned from argument `from` up to `end` (MRANGE stops at FILTER). 0, or
 * -1 after replying. */
static int range_args_or_reply(Client *c, int ends, int from, int end, RangeArgs *ra, int reverse) {
    memset(ra, 0, sizeof *ra);
    TsRangeOpts *o = &ra->o;
    o->reverse = reverse;
    o->count = -1;
    Slice fs = c->argv[ends], ts = c->argv[ends + 1];
    int open_start = fs.len == 1 && fs.p[0] == '-';
    int open_end = ts.len == 1 && ts.p[0] == '+';
    if (range_end(fs, "-", 0, &o->from) != 0) {
        reply_error(c, "ERR TSDB: wrong fromTimestamp");
        return -1;
    }
    if (range_end(ts, "+", INT64_MAX, &o->to) != 0) {
        reply_error(c, "ERR TSDB: wrong toTimestamp");
        return -1;
    }
    int argc = c->argc;
    c->argc = end; /* scans see only this command's own options */
    int rc = -1;
    ra->latest = find_kw(c, from, "LATEST") >= 0;
    int at = find_kw(c, from, "COUNT");
    if (at >= 0) {
        int agg_at = find_kw(c, from, "AGGREGATION");
        int red_at = find_kw(c, from, "REDUCE");
        if ((agg_at >= 0 && at == agg_at + 1) || (red_at >= 0 && at == red_at + 1))
            at = find_kw(c, at + 1, "COUNT");
    }
    if (at >= 0) {
        long long n;
        if (at + 1 >= c->argc) {
            reply_error(c, "ERR TSDB: COUNT argument is missing");
            goto out;
        }
        if (ts_parse_ll(c->argv[at + 1], &n) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse COUNT");
            goto out;
        }
        if (n < 1) {
            reply_error(c, "ERR TSDB: Invalid COUNT value");
            goto out;
        }
        o->count = n;
    }
    at = find_kw(c, from, "AGGREGATION");
    if (at >= 0) {
        long long bucket;
        if (at + 2 >= c->argc || ts_parse_ll(c->argv[at + 2], &bucket) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse AGGREGATION");
            goto out;
        }
        if (agg_list_or_reply(c, c->argv[at + 1], o->aggs, &o->n_aggs) != 0) goto out;
        if (bucket <= 0) {
            reply_error(c, "ERR TSDB: bucketDuration must be greater than zero");
            goto out;
        }
        o->bucket = bucket;
        int e = find_kw(c, from, "EMPTY");
        if (e >= 0) {
            if (e != at + 3 && e != at + 5) {
                reply_error(c, "ERR TSDB: EMPTY flag should be the 3rd or 5th flag after "
                               "AGGREGATION flag");
                goto out;
            }
            o->empty = 1;
        }
        int b = find_kw(c, from, "BUCKETTIMESTAMP");
        if (b >= 0) {
            if (b != at + 3 && b != at + 4) {
                reply_error(c, "ERR TSDB: BUCKETTIMESTAMP flag should be the 3rd or 4th flag "
                               "after AGGREGATION flag");
                goto out;
            }
            if (b + 1 >= c->argc) {
                c->argc = argc;
                reply_arity_error(c);
                return -1;
            }
            Slice w = c->argv[b + 1];
            if (slice_eq_nocase(w, "start") || (w.len == 1 && w.p[0] == '-')) {
                o->bucket_ts = TS_BT_START;
            } else if (slice_eq_nocase(w, "end") || (w.len == 1 && w.p[0] == '+')) {
                o->bucket_ts = TS_BT_END;
            } else if (slice_eq_nocase(w, "mid") || (w.len == 1 && w.p[0] == '~')) {
                o->bucket_ts = TS_BT_MID;
            } else {
                reply_error(c, "ERR TSDB: unknown BUCKETTIMESTAMP parameter");
                goto out;
            }
        }
    } else {
        if (find_kw(c, from, "EMPTY") >= 0) {
            reply_error(c, "ERR TSDB: EMPTY flag should be the 3rd or 5th flag after AGGREGATION "
                           "flag");
            goto out;
        }
        if (find_kw(c, from, "BUCKETTIMESTAMP") >= 0) {
            reply_error(c, "ERR TSDB: BUCKETTIMESTAMP flag should be the 3rd or 4th flag after "
                           "AGGREGATION flag");
            goto out;
        }
    }
    at = find_kw(c, from, "ALIGN");
    if (at >= 0) {
        if (at + 1 >= c->argc) {
            c->argc = argc;
            reply_arity_error(c);
            return -1;
        }
        Slice w = c->argv[at + 1];
        int start = slice_eq_nocase(w, "start") || (w.len == 1 && w.p[0] == '-');
        int endw = slice_eq_nocase(w, "end") || (w.len == 1 && w.p[0] == '+');
        long long ll = 0;
        if (start) {
            o->align = o->from;
        } else if (endw) {
            o->align = o->to;
        } else if (ts_parse_ll(w, &ll) == 0 && ll >= 0) {
            o->align = ll;
        } else {
            reply_error(c, "ERR TSDB: unknown ALIGN parameter");
            goto out;
        }
        if (!o->n_aggs) {
            reply_error(c, "ERR TSDB: ALIGN parameter can only be used with AGGREGATION");
            goto out;
        }
        if (start && open_start) {
            reply_error(c, "ERR TSDB: start alignment can only be used with explicit start "
                           "timestamp");
            goto out;
        }
        if (endw && open_end) {
            reply_error(c, "ERR TSDB: end alignment can only be used with explicit end timestamp");
            goto out;
        }
    }
    at = find_kw(c, from, "FILTER_BY_TS");
    if (at >= 0) {
        size_t n = 0;
        for (int i = at + 1; i < c->argc && n < TS_MAX_FILTER_TS; i++) {
            long long ll;
            if (ts_parse_ll(c->argv[i], &ll) != 0 || ll < 0) break;
            ra->filter_ts[n++] = ll;
        }
        if (n == 0) {
            reply_error(c, "ERR TSDB: FILTER_BY_TS one or more arguments are missing");
            goto out;
        }
        qsort(ra->filter_ts, n, sizeof ra->filter_ts[0], cmp_i64);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || ra->filter_ts[k - 1] != ra->filter_ts[i])
                ra->filter_ts[k++] = ra->filter_ts[i];
        o->has_filter_ts = 1;
        o->n_filter_ts = k;
    }
    at = find_kw(c, from, "FILTER_BY_VALUE");
    if (at >= 0) {
        if (at + 2 >= c->argc) {
            reply_error(c, "ERR TSDB: FILTER_BY_VALUE one or more arguments are missing");
            goto out;
        }
        if (parse_double(c->argv[at + 1], &o->val_min) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse MIN");
            goto out;
        }
        if (parse_double(c->argv[at + 2], &o->val_max) != 0) {
            reply_error(c, "ERR TSDB: Couldn't parse MAX");
            goto out;
        }
        o->has_val_filter = 1;
    }
    rc = 0;
out:
    c->argc = argc;
    return rc;
}

typedef struct EmitCtx {
    Client *c;
    size_t n;
} EmitCtx;

static int emit_sample(void *priv, int64_t ts, const double *v, int n) {
    EmitCtx *e = priv;
    reply_array(e->c, (size_t)n + 1);
    reply_int(e->c, ts);
    for (int i = 0; i < n; i++) reply_value(e->c, v[i]);
    e->n++;
    return 0;
}

/* Sets ra's LATEST sample for the series t at key (a compaction's open
 * bucket, when newer than its samples). */
static void range_prepare(Client *c, Slice key, const TsObj *t, RangeArgs *ra) {
    ra->o.filter_ts = ra->filter_ts;
    ra->o.has_extra = 0;
    TsSample x, last;
    if (ra->latest && t->src && latest_sample(c, key, t, &x) &&
        (!ts_last(t->s, &last) || x.ts > last.ts)) {
        ra->o.has_extra = 1;
        ra->o.extra = x;
    }
}

#define TOO_WIDE "ERR TSDB: the requested range holds too many empty buckets"

/* 0, or -1 after replying when the read of t would build too many empty
 * buckets (streamd's limit: the module would try, and run out of memory). */
static int range_check_or_reply(Client *c, Slice key, const TsObj *t, RangeArgs *ra) {
    range_prepare(c, key, t, ra);
    if (ts_range_check(t->s, &ra->o) == 0) return 0;
    reply_error(c, TOO_WIDE);
    return -1;
}

/* Replies the samples of t (at key) for ra as an array. */
static void reply_range(Client *c, Slice key, const TsObj *t, RangeArgs *ra) {
    range_prepare(c, key, t, ra);
    ReplyDeferred d = reply_defer(c);
    EmitCtx e = {c, 0};
    ts_range(t->s, &ra->o, emit_sample, &e);
    reply_set_array_len(c, d, e.n);
}

static void range_generic(Client *c, int reverse) {
    Obj *o;
    if (series_or_reply(c, c->argv[1], 0, &o) != 0) return;
    RangeArgs ra;
    if (range_args_or_reply(c, 2, 3, c->argc, &ra, reverse) != 0) return;
    if (range_check_or_reply(c, c->argv[1], tso(o), &ra) != 0) return;
    reply_range(c, c->argv[1], tso(o), &ra);
}

static void cmd_ts_range(Client *c) {
    range_generic(c, 0);
}

static void cmd_ts_revrange(Client *c) {
    range_generic(c, 1);
}

/* ---- TS.READ ------------------------------------------------------------------------ */

/* TS.READ key timestamp [BLOCK ms min_count] [MAX_COUNT max_count] (Redis 8.10):
 * the samples at or after a cursor, oldest first, optionally waiting until
 * min_count of them exist. The cursor is resolved once, when the command
 * arrives ('-' 0, '+' the newest sample, '$' one past it; 0 on a missing or
 * empty series), so a blocked reader keeps it while samples are added.
 *
 * A blocked reader waits through the server's block_on_keys(): every write
 * to the key signals it (TS.ADD, MADD, INCRBY/DECRBY, a compaction's write
 * to its destination, and any other change), and tsread_on_ready() counts
 * again. Like the module, which blocks with REDISMODULE_BLOCK_UNBLOCK_DELETED,
 * it answers an empty array when the series it saw is deleted and WRONGTYPE
 * when the key now holds another type; a key that was missing and still is
 * keeps it waiting (the server may signal it for a FLUSHDB that Redis would
 * not). The timeout and CLIENT UNBLOCK answer what there is. Nothing is
 * consumed: every reader on the key is served on its own. */

typedef struct TsReadCtx {
    int64_t cursor;
    int past_end;        /* '$' on a series whose newest timestamp is INT64_MAX */
    long long min_count; /* 0 without BLOCK */
    long long max_count; /* -1: no MAX_COUNT */
    int had_series;      /* the key held a series when last looked at */
    size_t key_len;      /* the key (the timeout runs without the command's argv) */
    char key[];
} TsReadCtx;

/* Redis's own sentence, without the ERR the module's other replies carry */
#define TSREAD_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define TSREAD_DENIED                                                                              \
    "TSDB: blocking TS.READ (with BLOCK) is not allowed inside MULTI, EVAL, or a deny-blocking "   \
    "context"

/* How many samples of s qualify for r, counting no further than limit. */
static long long tsread_count(const TSeries *s, const TsReadCtx *r, long long limit) {
    if (r->past_end) return 0;
    TsIter it;
    TsSample x;
    long long n = 0;
    ts_iter_init(&it, s, r->cursor, INT64_MAX, 0);
    while (n < limit && ts_iter_next(&it, &x)) n++;
    ts_iter_done(&it);
    return n;
}

/* Replies the qualifying samples of s (NULL: none), at most max_count. */
static void tsread_reply(Client *c, const TSeries *s, const TsReadCtx *r) {
    if (!s || r->past_end) {
        reply_empty_array(c);
        return;
    }
    ReplyDeferred d = reply_defer(c);
    TsIter it;
    TsSample x;
    long long n = 0;
    ts_iter_init(&it, s, r->cursor, INT64_MAX, 0);
    while ((r->max_count < 0 || n < r->max_count) && ts_iter_next(&it, &x)) {
        reply_sample(c, x.ts, x.v);
        n++;
    }
    ts_iter_done(&it);
    reply_set_array_len(c, d, (size_t)n);
}

/* The timeout, CLIENT UNBLOCK: what there is now. */
static void tsread_on_timeout(Client *c, void *ctx) {
    TsReadCtx *r = ctx;
    Obj *o = db_lookup_read(c->db, slice_of(r->key, r->key_len));
    if (o && o->type != OBJ_TSERIES) {
        reply_error(c, TSREAD_WRONGTYPE);
        return;
    }
    tsread_reply(c, o ? tso(o)->s : NULL, r);
}

static int tsread_on_ready(Client *c, const Slice *key, void *ctx) {
    (void)key;
    TsReadCtx *r = ctx;
    Obj *o = db_lookup_read(c->db, slice_of(r->key, r->key_len));
    if (!o) {
        if (!r->had_series) return 0;
        reply_empty_array(c); /* deleted while waited on */
        return 1;
    }
    if (o->type != OBJ_TSERIES) {
        reply_error(c, TSREAD_WRONGTYPE);
        return 1;
    }
    r->had_series = 1;
    if (tsread_count(tso(o)->s, r, r->min_count) < r->min_count) return 0;
    tsread_reply(c, tso(o)->s, r);
    return 1;
}

/* A non-negative integer argument of TS.READ: 0 ok. */
static int tsread_ll(Slice s, long long *out) {
    return ts_parse_ll(s, out) == 0 && *out >= 0 ? 0 : -1;
}

static void cmd_ts_read(Client *c) {
    int block_at = 0, max_at = 0;
    /* the options, each at most once and whole: anything else is an arity error */
    for (int i = 3; i < c->argc;) {
        if (slice_eq_nocase(c->argv[i], "BLOCK") && !block_at && i + 2 < c->argc) {
            block_at = i;
            i += 3;
        } else if (slice_eq_nocase(c->argv[i], "MAX_COUNT") && !max_at && i + 1 < c->argc) {
            max_at = i;
            i += 2;
        } else {
            reply_arity_error(c);
            return;
        }
    }
    TsReadCtx r = {.max_count = -1};
    long long ms = 0;
    if (block_at) {
        if (tsread_ll(c->argv[block_at + 1], &ms) != 0 ||
            ts_parse_ll(c->argv[block_at + 2], &r.min_count) != 0) {
            reply_error(c, "TSDB: BLOCK milliseconds must be a non-negative integer");
            return;
        }
        if (r.min_count <= 0) {
            reply_error(c, "TSDB: BLOCK min_count must be a positive integer");
            return;
        }
    }
    if (max_at) {
        if (ts_parse_ll(c->argv[max_at + 1], &r.max_count) != 0 || r.max_count <= 0) {
            reply_error(c, "TSDB: MAX_COUNT must be a positive integer");
            return;
        }
        if (block_at && r.min_count > r.max_count) {
            reply_error(c, "TSDB: BLOCK min_count must be <= MAX_COUNT");
            return;
        }
    }
    Slice ts = c->argv[2];
    int sentinel = ts.len == 1 && (ts.p[0] == '-' || ts.p[0] == '+' || ts.p[0] == '$');
    long long lit = 0;
    if (!sentinel && tsread_ll(ts, &lit) != 0) {
        reply_error(c, "TSDB: invalid timestamp");
        return;
    }
    Obj *o = db_lookup_read(c->db, c->argv[1]);
    if (o && o->type != OBJ_TSERIES) {
        reply_error(c, TSREAD_WRONGTYPE);
        return;
    }
    const TSeries *s = o ? tso(o)->s : NULL;
    r.had_series = s != NULL;
    r.cursor = lit;
    TsSample last;
    if (sentinel && ts.p[0] != '-' && s && ts_last(s, &last)) {
        if (ts.p[0] == '+')
            r.cursor = last.ts;
        else if (last.ts == INT64_MAX)
            r.past_end = 1;
        else
            r.cursor = last.ts + 1;
    }
    if (!block_at || (s && tsread_count(s, &r, r.min_count) >= r.min_count)) {
        tsread_reply(c, s, &r);
        return;
    }
    /* Redis refuses the wait only where it would have to happen: a reader
     * with enough samples is answered above even inside MULTI or a script */
    if (c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI | CLIENT_SCRIPT | CLIENT_FAKE)) {
        reply_error(c, TSREAD_DENIED);
        return;
    }
    int64_t now = now_ms();
    int64_t deadline = ms == 0 ? 0 : (ms > INT64_MAX - now ? INT64_MAX : now + ms);
    TsReadCtx *w = xmalloc(sizeof *w + c->argv[1].len + 1);
    *w = r;
    w->key_len = c->argv[1].len;
    memcpy(w->key, c->argv[1].p, w->key_len);
    block_on_keys(c, &c->argv[1], 1, deadline, tsread_on_ready, tsread_on_timeout, w, xfree);
    block_set_unblock_on_nokey(c);
}

/* ---- compaction rules ------------------------------------------------------------- */

static int key_eq(const char *p, size_t len, Slice k) {
    return p && len == k.len && memcmp(p, k.p, len) == 0;
}

/* The series at key if it is one (no reply either way). */
static TsObj *series_at(Client *c, Slice key) {
    Obj *o = db_lookup_read(c->db, key);
    return o && o->type == OBJ_TSERIES ? tso(o) : NULL;
}

/* Whether rule r of the series at src_key still feeds a series that names
 * src_key as its source (a deleted or replaced destination ends the rule, as
 * RedisTimeSeries drops the rule when the key goes). */
static int rule_alive(Client *c, Slice src_key, const TsRule *r) {
    TsObj *d = series_at(c, slice_of(r->dest, r->dest_len));
    return d && key_eq(d->src, d->src_len, src_key);
}

/* Whether t (at key) is the destination of a live rule of its source. */
static int src_alive(Client *c, Slice key, const TsObj *t) {
    if (!t->src) return 0;
    TsObj *s = series_at(c, slice_of(t->src, t->src_len));
    if (!s) return 0;
    for (size_t i = 0; i < s->n_rules; i++)
        if (key_eq(s->rules[i].dest, s->rules[i].dest_len, key)) return 1;
    return 0;
}

/* Drops t's rules whose destination is gone and its source link when the
 * source is gone (lazily, before t is shown or a rule is added). */
static void links_prune(Client *c, Slice key, TsObj *t) {
    size_t k = 0;
    for (size_t i = 0; i < t->n_rules; i++) {
        if (rule_alive(c, key, &t->rules[i]))
            t->rules[k++] = t->rules[i];
        else
            xfree(t->rules[i].dest);
    }
    t->n_rules = k;
    if (t->src && !src_alive(c, key, t)) {
        xfree(t->src);
        t->src = NULL;
        t->src_len = 0;
    }
}

static void cmd_ts_createrule(Client *c) {
    if (c->argc != 6 && c->argc != 7) {
        reply_arity_error(c);
        return;
    }
    if (!slice_eq_nocase(c->argv[3], "aggregation")) {
        reply_arity_error(c);
        return;
    }
    int aggs[TS_MAX_AGGS], n_aggs;
    if (agg_list_or_reply(c, c->argv[4], aggs, &n_aggs) != 0) return;
    int agg = aggs[0];
    long long bucket, align = 0;
    if (ts_parse_ll(c->argv[5], &bucket) != 0) {
        reply_error(c, "ERR TSDB: Couldn't parse AGGREGATION");
        return;
    }
    if (bucket <= 0) {
        reply_error(c, "ERR TSDB: bucketDuration must be greater than zero");
        return;
    }
    if (n_aggs != 1) {
        reply_error(c, "ERR TSDB: CREATERULE requires exactly one aggregation type");
        return;
    }
    if (c->argc == 7 && (ts_parse_ll(c->argv[6], &align) != 0 || align < 0)) {
        reply_error(c, "ERR TSDB: Couldn't parse alignTimestamp");
        return;
    }
    Slice sk = c->argv[1], dk = c->argv[2];
    if (slice_eq(sk, dk)) {
        reply_error(c, "ERR TSDB: the source key and destination key should be different");
        return;
    }
    Obj *so, *dobj;
    if (series_or_reply(c, sk, 1, &so) != 0) return;
    TsObj *s = tso(so);
    links_prune(c, sk, s);
    if (s->src) {
        reply_error(c, "ERR TSDB: the source key already has a source rule");
        return;
    }
    if (series_or_reply(c, dk, 1, &dobj) != 0) return;
    TsObj *d = tso(dobj);
    links_prune(c, dk, d);
    if (d->n_rules) {
        reply_error(c, "ERR TSDB: the destination key already has a dst rule");
        return;
    }
    if (d->src) {
        reply_error(c, "ERR TSDB: the destination key already has a src rule");
        return;
    }
    d->src = xmalloc(sk.len + 1);
    memcpy(d->src, sk.p, sk.len);
    d->src[sk.len] = '\0';
    d->src_len = sk.len;
    rule_add(s, dk, agg, bucket, align);
    db_signal_key(c->db, sk);
    db_signal_key(c->db, dk);
    notify(c, "ts.createrule:src", sk);
    notify(c, "ts.createrule:dest", dk);
    propagate_argv(c);
    reply_ok(c);
}

static void cmd_ts_deleterule(Client *c) {
    Slice sk = c->argv[1], dk = c->argv[2];
    Obj *so, *dobj;
    if (series_or_reply(c, sk, 1, &so) != 0) return;
    TsObj *s = tso(so);
    links_prune(c, sk, s);
    size_t i = 0;
    while (i < s->n_rules && !key_eq(s->rules[i].dest, s->rules[i].dest_len, dk)) i++;
    if (i == s->n_rules) {
        reply_error(c, "ERR TSDB: compaction rule does not exist");
        return;
    }
    xfree(s->rules[i].dest);
    memmove(s->rules + i, s->rules + i + 1, (s->n_rules - i - 1) * sizeof *s->rules);
    s->n_rules--;
    if (series_or_reply(c, dk, 1, &dobj) != 0) return;
    TsObj *d = tso(dobj);
    xfree(d->src);
    d->src = NULL;
    d->src_len = 0;
    db_signal_key(c->db, sk);
    db_signal_key(c->db, dk);
    notify(c, "ts.deleterule:src", sk);
    notify(c, "ts.deleterule:dest", dk);
    propagate_argv(c);
    reply_ok(c);
}

/* ---- the label index: QUERYINDEX MGET MRANGE MREVRANGE --------------------------------- */

enum { PRED_EQ, PRED_NEQ, PRED_LIST, PRED_NLIST, PRED_HAS, PRED_HASNOT };

typedef struct Pred {
    int type;
    Slice label;
    Slice *values; /* views into the argument */
    size_t n_values;
} Pred;

typedef struct Filter {
    Pred *preds;
    size_t n;
} Filter;

static void filter_free(Filter *f) {
    for (size_t i = 0; i < f->n; i++) xfree(f->preds[i].values);
    xfree(f->preds);
    f->preds = NULL;
    f->n = 0;
}

/* One filter expression: label=value, label!=value, label=, label!=,
 * label=(v1,v2,...), label!=(v1,...). 0 ok. */
static int pred_parse(Slice s, Pred *p) {
    memset(p, 0, sizeof *p);
    const char *eq = memchr(s.p, '=', s.len);
    if (!eq) return -1;
    size_t llen = (size_t)(eq - s.p);
    int neg = llen > 0 && s.p[llen - 1] == '!';
    if (neg) llen--;
    if (llen == 0) return -1;
    p->label = slice_of(s.p, llen);
    Slice v = slice_of(eq + 1, s.len - (size_t)(eq + 1 - s.p));
    if (v.len == 0) {
        p->type = neg ? PRED_HAS : PRED_HASNOT;
        return 0;
    }
    if (v.p[0] == '(') {
        if (v.len < 2 || v.p[v.len - 1] != ')') return -1;
        p->type = neg ? PRED_NLIST : PRED_LIST;
        const char *q = v.p + 1, *end = v.p + v.len - 1;
        size_t cap = 4;
        p->values = xmalloc(cap * sizeof *p->values);
        for (;;) {
            const char *comma = memchr(q, ',', (size_t)(end - q));
            const char *stop = comma ? comma : end;
            if (p->n_values == cap) p->values = xrealloc(p->values, (cap *= 2) * sizeof *p->values);
            p->values[p->n_values++] = slice_of(q, (size_t)(stop - q));
            if (!comma) break;
            q = comma + 1;
        }
        return 0;
    }
    p->type = neg ? PRED_NEQ : PRED_EQ;
    p->values = xmalloc(sizeof *p->values);
    p->values[0] = v;
    p->n_values = 1;
    return 0;
}

/* The filter expressions argv[from .. to): 0, or -1 after replying. */
static int filter_or_reply(Client *c, int from, int to, Filter *f) {
    f->n = 0;
    f->preds = xcalloc((size_t)(to - from) + 1, sizeof *f->preds);
    int matchers = 0;
    for (int i = from; i < to; i++) {
        if (pred_parse(c->argv[i], &f->preds[f->n]) != 0) {
            filter_free(f);
            reply_error(c, "ERR TSDB: failed parsing labels");
            return -1;
        }
        int t = f->preds[f->n++].type;
        matchers += t == PRED_EQ || t == PRED_LIST;
    }
    if (!matchers) {
        filter_free(f);
        reply_error(c, "ERR TSDB: please provide at least one matcher");
        return -1;
    }
    return 0;
}

static const TsLabel *label_of(const TsObj *t, Slice name) {
    for (size_t i = 0; i < t->n_labels; i++)
        if (key_eq(t->labels[i].name, t->labels[i].name_len, name)) return &t->labels[i];
    return NULL;
}

static int filter_match(const Filter *f, const TsObj *t) {
    for (size_t i = 0; i < f->n; i++) {
        const Pred *p = &f->preds[i];
        const TsLabel *l = label_of(t, p->label);
        int in = 0;
        if (l)
            for (size_t k = 0; k < p->n_values && !in; k++)
                in = key_eq(l->value, l->value_len, p->values[k]);
        switch (p->type) {
        case PRED_EQ:
        case PRED_LIST:
            if (!in) return 0;
            break;
        case PRED_NEQ:
        case PRED_NLIST:
            if (in) return 0;
            break;
        case PRED_HAS:
            if (!l) return 0;
            break;
        default: /* PRED_HASNOT */
            if (l) return 0;
            break;
        }
    }
    return 1;
}

typedef struct KeyList {
    const Filter *f;
    int64_t now;
    Slice *keys;      /* owned copies of the bytes */
    const Obj **objs; /* the series, in the same order */
    size_t n, cap;
} KeyList;

static void collect_key(void *priv, Slice key, const Obj *o, int64_t expire_ms) {
    KeyList *kl = priv;
    if (o->type != OBJ_TSERIES || (expire_ms >= 0 && expire_ms < kl->now)) return;
    if (kl->f && !filter_match(kl->f, tso(o))) return;
    if (kl->n == kl->cap) {
        kl->cap = kl->cap ? kl->cap * 2 : 16;
        kl->keys = xrealloc(kl->keys, kl->cap * sizeof *kl->keys);
        kl->objs = xrealloc(kl->objs, kl->cap * sizeof *kl->objs);
    }
    kl->objs[kl->n] = o;
    kl->keys[kl->n++] = slice_of(xmemdup(key.p, key.len ? key.len : 1), key.len);
}

static int cmp_slice(const void *a, const void *b) {
    const Slice *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->p, y->p, n);
    return d ? d : (x->len > y->len) - (x->len < y->len);
}

typedef struct KeyRef {
    Slice key;
    const Obj *o;
} KeyRef;

static int cmp_keyref(const void *a, const void *b) {
    return cmp_slice(&((const KeyRef *)a)->key, &((const KeyRef *)b)->key);
}

/* The keys of the series matching f, in byte order (as the module's index
 * answers). Free with keylist_free(). */
static void query_index(Client *c, const Filter *f, KeyList *kl) {
    memset(kl, 0, sizeof *kl);
    kl->f = f;
    kl->now = now_ms();
    db_for_each(c->db, collect_key, kl);
    if (kl->n < 2) return;
    KeyRef *refs = xmalloc(kl->n * sizeof *refs);
    for (size_t i = 0; i < kl->n; i++) refs[i] = (KeyRef){kl->keys[i], kl->objs[i]};
    qsort(refs, kl->n, sizeof *refs, cmp_keyref);
    for (size_t i = 0; i < kl->n; i++) {
        kl->keys[i] = refs[i].key;
        kl->objs[i] = refs[i].o;
    }
    xfree(refs);
}

static void keylist_free(KeyList *kl) {
    for (size_t i = 0; i < kl->n; i++) xfree((void *)kl->keys[i].p);
    xfree(kl->keys);
    xfree(kl->objs);
}

static void cmd_ts_queryindex(Client *c) {
    Filter f;
    if (filter_or_reply(c, 1, c->argc, &f) != 0) return;
    KeyList kl;
    query_index(c, &f, &kl);
    reply_set(c, kl.n);
    for (size_t i = 0; i < kl.n; i++) reply_bulk_slice(c, kl.keys[i]);
    keylist_free(&kl);
    filter_free(&f);
}

/* TS.QUERYLABELS <LABELS | VALUES label> [FILTER filterExpr...] (Redis 8.10):
 * the distinct label names, or the distinct values of one label, of the
 * series the filter matches (every series without FILTER). As the module
 * does, series the user may not read are left out rather than refused; the
 * order is not defined, streamd answers in byte order. */
static void cmd_ts_querylabels(Client *c) {
    int values = slice_eq_nocase(c->argv[1], "VALUES");
    if (!values && !slice_eq_nocase(c->argv[1], "LABELS")) {
        reply_error(c, "ERR TSDB: unknown subtype, must be one of LABELS|VALUES");
        return;
    }
    int at = 2;
    Slice want = {0};
    if (values) {
        if (c->argc < 3) {
            reply_arity_error(c);
            return;
        }
        want = c->argv[at++];
    }
    Filter f = {0};
    int has_filter = 0;
    if (at < c->argc) {
        if (!slice_eq_nocase(c->argv[at], "FILTER")) {
            reply_error(c, "ERR TSDB: unknown argument, expected FILTER");
            return;
        }
        if (at + 1 >= c->argc) {
            reply_error(c, "ERR TSDB: FILTER given with no filter expressions");
            return;
        }
        if (filter_or_reply(c, at + 1, c->argc, &f) != 0) return;
        has_filter = 1;
    }
    KeyList kl;
    query_index(c, has_filter ? &f : NULL, &kl);
    size_t n = 0, cap = 16;
    Slice *out = xmalloc(cap * sizeof *out);
    for (size_t i = 0; i < kl.n; i++) {
        if (!acl_key_readable(CF(c)->user, kl.keys[i])) continue;
        const TsObj *t = tso(kl.objs[i]);
        for (size_t k = 0; k < t->n_labels; k++) {
            const TsLabel *l = &t->labels[k];
            if (values && !key_eq(l->name, l->name_len, want)) continue;
            if (n == cap) out = xrealloc(out, (cap *= 2) * sizeof *out);
            out[n++] = values ? slice_of(l->value, l->value_len) : slice_of(l->name, l->name_len);
        }
    }
    if (n > 1) qsort(out, n, sizeof *out, cmp_slice);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || cmp_slice(&out[m - 1], &out[i]) != 0) out[m++] = out[i];
    reply_set(c, m);
    for (size_t i = 0; i < m; i++) reply_bulk_slice(c, out[i]);
    xfree(out);
    keylist_free(&kl);
    if (has_filter) filter_free(&f);
}

/* WITHLABELS / SELECTED_LABELS of MGET and MRANGE, scanned in argv[from ..
 * to). 0, or -1 after replying. */
typedef struct LabelSel {
    int with;
    int sel_at, n_sel; /* SELECTED_LABELS' names: argv[sel_at ..] */
} LabelSel;

/* The words that end SELECTED_LABELS' list (the module's query tokens). */
static int query_token(Slice w) {
    static const char *const words[] = {
        "FILTER",          "COUNT",           "AGGREGATION", "ALIGN",   "FILTER_BY_TS",
        "FILTER_BY_VALUE", "WITHLABELS",      "LATEST",      "GROUPBY", "REDUCE",
        "EMPTY",           "BUCKETTIMESTAMP", "EXCLUDEEMPTY"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (slice_eq_nocase(w, words[i])) return 1;
    return 0;
}

#define TS_MAX_SELECTED_LABELS 50

static int label_sel_or_reply(Client *c, int from, int to, LabelSel *ls) {
    memset(ls, 0, sizeof *ls);
    ls->with = find_kw(c, from, "WITHLABELS") >= 0;
    int at = find_kw(c, from, "SELECTED_LABELS");
    if (at >= 0 && ls->with) {
        reply_error(c, "ERR TSDB: cannot accept WITHLABELS and SELECT_LABELS together");
        return -1;
    }
    if (at < 0) return 0;
    ls->sel_at = at + 1;
    for (int k = at + 1; k < to && !query_token(c->argv[k]); k++) {
        if (ls->n_sel >= TS_MAX_SELECTED_LABELS) {
            reply_error(c, "ERR TSDB: reached max size for SELECT_LABELS");
            return -1;
        }
        ls->n_sel++;
    }
    if (ls->n_sel == 0) {
        reply_error(c, "ERR TSDB: SELECT_LABELS should have at least 1 parameter");
        return -1;
    }
    return 0;
}

static void reply_label_sel(Client *c, const TsObj *t, const LabelSel *ls) {
    if (ls->with) {
        reply_labels(c, t);
        return;
    }
    if (c->resp >= 3)
        reply_map(c, (size_t)ls->n_sel);
    else
        reply_array(c, (size_t)ls->n_sel);
    for (int i = 0; i < ls->n_sel; i++) {
        Slice name = c->argv[ls->sel_at + i];
        const TsLabel *l = label_of(t, name);
        if (c->resp < 3) reply_array(c, 2);
        reply_bulk_slice(c, name);
        if (l)
            reply_bulk(c, l->value, l->value_len);
        else
            reply_null(c);
    }
}

static void cmd_ts_mget(Client *c) {
    int fat = find_kw(c, 1, "FILTER");
    if (fat < 0) {
        reply_arity_error(c);
        return;
    }
    LabelSel ls;
    if (label_sel_or_reply(c, 1, c->argc, &ls) != 0) return;
    int latest = find_kw(c, 1, "LATEST");
    latest = latest >= 0 && latest < fat;
    Filter f;
    if (filter_or_reply(c, fat + 1, c->argc, &f) != 0) return;
    KeyList kl;
    query_index(c, &f, &kl);
    if (c->resp >= 3)
        reply_map(c, kl.n);
    else
        reply_array(c, kl.n);
    for (size_t i = 0; i < kl.n; i++) {
        const TsObj *t = tso(kl.objs[i]);
        if (c->resp < 3) {
            reply_array(c, 3);
            reply_bulk_slice(c, kl.keys[i]);
        } else {
            reply_bulk_slice(c, kl.keys[i]);
            reply_array(c, 2);
        }
        reply_label_sel(c, t, &ls);
        TsSample x;
        int got = latest && latest_sample(c, kl.keys[i], t, &x);
        if (got || ts_last(t->s, &x))
            reply_sample(c, x.ts, x.v);
        else
            reply_empty_array(c);
    }
    keylist_free(&kl);
    filter_free(&f);
}

/* MRANGE's GROUPBY ... REDUCE: one group of series sharing a label value. */
typedef struct Group {
    Slice value;
    size_t first, n; /* its keys: kl.keys[idx[first .. first+n)] */
} Group;

typedef struct Merge {
    TsSample *s;
    size_t n, cap;
} Merge;

static int collect_sample(void *priv, int64_t ts, const double *vals, int n) {
    Merge *m = priv;
    double v = vals[0];
    (void)n;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->s = xrealloc(m->s, m->cap * sizeof *m->s);
    }
    m->s[m->n].ts = ts;
    m->s[m->n++].v = v;
    return 0;
}

static int cmp_sample_ts(const void *a, const void *b) {
    const TsSample *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

typedef struct GroupSort {
    Slice value;
    size_t key;
} GroupSort;

static int cmp_group(const void *a, const void *b) {
    const GroupSort *x = a, *y = b;
    int d = cmp_slice(&x->value, &y->value);
    return d ? d : (x->key > y->key) - (x->key < y->key);
}

static void reply_mrange_meta(Client *c, const RangeArgs *ra) {
    reply_map(c, 1);
    reply_bulk_cstr(c, "aggregators");
    reply_array(c, (size_t)ra->o.n_aggs);
    for (int i = 0; i < ra->o.n_aggs; i++) reply_bulk_cstr(c, ts_agg_name_lower(ra->o.aggs[i]));
}

/* Counts one result and stops the read (EXCLUDEEMPTY's test). */
static int stop_at_first(void *priv, int64_t ts, const double *v, int n) {
    (void)ts, (void)v, (void)n;
    ++*(size_t *)priv;
    return 1;
}

static void mrange_generic(Client *c, int reverse) {
    int fat = find_kw(c, 3, "FILTER");
    RangeArgs ra;
    if (range_args_or_reply(c, 1, 3, fat >= 0 ? fat : c->argc, &ra, reverse) != 0) return;
    if (fat < 0) {
        reply_error(c, "ERR TSDB: missing FILTER argument");
        return;
    }
    LabelSel ls;
    if (label_sel_or_reply(c, 3, c->argc, &ls) != 0) return;
    int gat = find_kw(c, 3, "GROUPBY");
    if (gat >= 0 && gat < fat) {
        reply_error(c, "ERR TSDB: GROUPBY should always come after filter");
        return;
    }
    /* EXCLUDEEMPTY (Redis 8.10): leave out the series that report no sample */
    int exclude_empty = find_kw(c, 3, "EXCLUDEEMPTY");
    exclude_empty = exclude_empty >= 0 && exclude_empty < fat;
    if (exclude_empty && gat >= 0) {
        reply_error(c, "ERR TSDB: EXCLUDEEMPTY is not allowed with GROUPBY");
        return;
    }
    int fend = gat >= 0 ? gat : c->argc;
    if (fend - fat - 1 <= 0) {
        reply_error(c, "ERR TSDB: missing labels for filter argument");
        return;
    }
    int red = 0;
    Slice glabel = {0};
    if (gat >= 0) {
        int rat = find_kw(c, 3, "REDUCE");
        if (gat + 1 >= c->argc || rat < 0 || c->argc - gat != 4) {
            reply_arity_error(c);
            return;
        }
        red = ts_agg_parse(c->argv[rat + 1].p, c->argv[rat + 1].len);
        if (!red || red == TS_AGG_FIRST || red == TS_AGG_LAST || red == TS_AGG_TWA) {
            reply_error(c, "ERR TSDB: Invalid reducer type");
            return;
        }
        if (ra.o.n_aggs > 1) {
            reply_error(c, "ERR TSDB: GROUPBY is not supported with multiple aggregation types");
            return;
        }
        glabel = c->argv[gat + 1];
    }
    Filter f;
    if (filter_or_reply(c, fat + 1, fend, &f) != 0) return;
    KeyList kl;
    query_index(c, &f, &kl);
    ra.o.filter_ts = ra.filter_ts;
    RangeArgs check = ra;
    if (red) {
        check.o.reverse = 0;
        check.o.count = -1;
    }
    for (size_t i = 0; i < kl.n; i++)
        if (range_check_or_reply(c, kl.keys[i], tso(kl.objs[i]), &check) != 0) {
            keylist_free(&kl);
            filter_free(&f);
            return;
        }
    if (!red) {
        size_t n_out = kl.n;
        char *skip = NULL;
        if (exclude_empty) {
            skip = xcalloc(kl.n + 1, 1);
            for (size_t i = 0; i < kl.n; i++) {
                range_prepare(c, kl.keys[i], tso(kl.objs[i]), &ra);
                size_t got = 0;
                ts_range(tso(kl.objs[i])->s, &ra.o, stop_at_first, &got);
                skip[i] = got == 0;
                n_out -= got == 0;
            }
        }
        if (c->resp >= 3)
            reply_map(c, n_out);
        else
            reply_array(c, n_out);
        for (size_t i = 0; i < kl.n; i++) {
            if (skip && skip[i]) continue;
            const TsObj *t = tso(kl.objs[i]);
            if (c->resp < 3) {
                reply_array(c, 3);
                reply_bulk_slice(c, kl.keys[i]);
            } else {
                reply_bulk_slice(c, kl.keys[i]);
                reply_array(c, 3);
            }
            reply_label_sel(c, t, &ls);
            if (c->resp >= 3) reply_mrange_meta(c, &ra);
            reply_range(c, kl.keys[i], t, &ra);
        }
        xfree(skip);
        keylist_free(&kl);
        filter_free(&f);
        return;
    }
    /* GROUPBY: the series with the label, grouped by its value */
    GroupSort *gs = xmalloc((kl.n + 1) * sizeof *gs);
    size_t ng = 0;
    for (size_t i = 0; i < kl.n; i++) {
        const TsLabel *l = label_of(tso(kl.objs[i]), glabel);
        if (!l) continue;
        gs[ng].value = slice_of(l->value, l->value_len);
        gs[ng++].key = i;
    }
    qsort(gs, ng, sizeof *gs, cmp_group);
    size_t n_groups = 0;
    for (size_t i = 0; i < ng; i++)
        if (i == 0 || cmp_slice(&gs[i].value, &gs[i - 1].value) != 0) n_groups++;
    if (c->resp >= 3)
        reply_map(c, n_groups);
    else
        reply_array(c, n_groups);
    RangeArgs per = ra;
    per.o.reverse = 0;
    per.o.count = -1;
    per.o.filter_ts = per.filter_ts;
    for (size_t i = 0; i < ng;) {
        size_t j = i;
        while (j < ng && cmp_slice(&gs[j].value, &gs[i].value) == 0) j++;
        /* every member's (aggregated) samples, merged by timestamp */
        Merge m = {0};
        Buf sources;
        buf_init(&sources);
        for (size_t k = i; k < j; k++) {
            Slice key = kl.keys[gs[k].key];
            const TsObj *t = tso(kl.objs[gs[k].key]);
            per.o.has_extra = 0;
            TsSample x, last;
            if (per.latest && t->src && latest_sample(c, key, t, &x) &&
                (!ts_last(t->s, &last) || x.ts > last.ts)) {
                per.o.has_extra = 1;
                per.o.extra = x;
            }
            ts_range(t->s, &per.o, collect_sample, &m);
            if (k > i) buf_append_char(&sources, ',');
            buf_append(&sources, key.p, key.len);
        }
        if (m.n) qsort(m.s, m.n, sizeof *m.s, cmp_sample_ts);
        size_t nout = 0;
        for (size_t a = 0; a < m.n;) {
            size_t b = a;
            TsAgg agg;
            ts_agg_reset(&agg, red);
            while (b < m.n && m.s[b].ts == m.s[a].ts) {
                ts_agg_add(&agg, m.s[b].ts, m.s[b].v);
                b++;
            }
            double v = 0;
            ts_agg_final(&agg, &v);
            m.s[nout].ts = m.s[a].ts;
            m.s[nout++].v = v;
            a = b;
        }
        Buf name;
        buf_init(&name);
        buf_append(&name, glabel.p, glabel.len);
        buf_append_char(&name, '=');
        buf_append(&name, gs[i].value.p, gs[i].value.len);
        const char *rname = ts_agg_name_lower(red);
        if (c->resp < 3) {
            reply_array(c, 3);
            reply_bulk(c, name.p, name.len);
        } else {
            reply_bulk(c, name.p, name.len);
            reply_array(c, 4);
        }
        if (ls.with || ls.sel_at) {
            size_t nl = c->resp >= 3 ? 1 : 3;
            if (c->resp >= 3)
                reply_map(c, nl);
            else
                reply_array(c, nl);
            if (c->resp < 3) reply_array(c, 2);
            reply_bulk_slice(c, glabel);
            reply_bulk_slice(c, gs[i].value);
            if (c->resp < 3) {
                reply_array(c, 2);
                reply_bulk_cstr(c, "__reducer__");
                reply_bulk_cstr(c, rname);
                reply_array(c, 2);
                reply_bulk_cstr(c, "__source__");
                reply_bulk(c, sources.p, sources.len);
            }
        } else if (c->resp >= 3) {
            reply_map(c, 0);
        } else {
            reply_array(c, 0);
        }
        if (c->resp >= 3) {
            reply_map(c, 1);
            reply_bulk_cstr(c, "reducers");
            reply_array(c, 1);
            reply_bulk_cstr(c, rname);
            reply_map(c, 1);
            reply_bulk_cstr(c, "sources");
            reply_array(c, j - i);
            for (size_t k = i; k < j; k++) reply_bulk_slice(c, kl.keys[gs[k].key]);
        }
        size_t left = ra.o.count < 0 ? nout : (size_t)ra.o.count < nout ? (size_t)ra.o.count : nout;
        reply_array(c, left);
        for (size_t k = 0; k < left; k++) {
            size_t at = reverse ? nout - 1 - k : k;
            reply_sample(c, m.s[at].ts, m.s[at].v);
        }
        buf_free(&name);
        buf_free(&sources);
        xfree(m.s);
        i = j;
    }
    xfree(gs);
    keylist_free(&kl);
    filter_free(&f);
}

static void cmd_ts_mrange(Client *c) {
    mrange_generic(c, 0);
}

static void cmd_ts_mrevrange(Client *c) {
    mrange_generic(c, 1);
}

/* ---- TS.NRANGE TS.NREVRANGE ----------------------------------------------------------- */

/* TS.NRANGE numkeys key [key ...] from to [options]: the keys' samples side by
 * side, one row per timestamp, [ts, [value per key]] with NaN where a key
 * has none; AGGREGATION takes one aggregator per key (space-separated). */
static void nrange_generic(Client *c, int reverse) {
    long long nk;
    if (ts_parse_ll(c->argv[1], &nk) != 0 || nk <= 0) {
        reply_error(c, "ERR TSDB: numkeys must be a positive integer");
        return;
    }
    if (nk > (long long)c->argc - 4) {
        reply_arity_error(c);
        return;
    }
    int n = (int)nk, start = 2 + n;
    /* the per-key aggregators become one comma list for the shared parser */
    Slice *argv = c->argv;
    int argc = c->argc;
    Slice *spliced = NULL;
    Buf joined;
    buf_init(&joined);
    int agg_at = find_kw(c, start, "AGGREGATION");
    if (n > 1 && agg_at >= 0) {
        int first = agg_at + 1;
        for (int i = 0; i < n; i++) {
            long long ll;
            Slice w = first + i < argc ? argv[first + i] : slice_of("", 0);
            if (first + i >= argc || !ts_agg_parse(w.p, w.len)) {
                if (first + i >= argc || ts_parse_ll(w, &ll) == 0)
                    reply_error(c, "ERR TSDB: the number of aggregators must be equal to numkeys");
                else
                    reply_error(c, "ERR TSDB: Unknown aggregation type");
                buf_free(&joined);
                return;
            }
            if (i) buf_append_char(&joined, ',');
            buf_append(&joined, w.p, w.len);
        }
        if (first + n < argc && ts_agg_parse(argv[first + n].p, argv[first + n].len)) {
            reply_error(c, "ERR TSDB: the number of aggregators must be equal to numkeys");
            buf_free(&joined);
            return;
        }
        spliced = xmalloc((size_t)argc * sizeof *spliced);
        memcpy(spliced, argv, (size_t)first * sizeof *spliced);
        spliced[first] = slice_of(joined.p, joined.len);
        memcpy(spliced + first + 1, argv + first + n, (size_t)(argc - first - n) * sizeof *spliced);
        c->argv = spliced;
        c->argc = argc - (n - 1);
    }
    RangeArgs ra;
    int rc = range_args_or_reply(c, start, start + 2, c->argc, &ra, reverse);
    c->argv = argv;
    c->argc = argc;
    xfree(spliced);
    buf_free(&joined);
    if (rc != 0) return;
    if (ra.o.n_aggs != 0 && ra.o.n_aggs != n) {
        reply_error(c, "ERR TSDB: the number of aggregators must be equal to numkeys");
        return;
    }
    const TsObj **ts = xmalloc((size_t)n * sizeof *ts);
    for (int i = 0; i < n; i++) {
        Obj *o;
        if (series_or_reply(c, argv[2 + i], 0, &o) != 0) {
            xfree(ts);
            return;
        }
        ts[i] = tso(o);
    }
    /* each key's results (in the reply's order), then a merge by timestamp */
    Merge *m = xcalloc((size_t)n, sizeof *m);
    int aggs[TS_MAX_AGGS];
    memcpy(aggs, ra.o.aggs, sizeof aggs);
    ra.o.filter_ts = ra.filter_ts;
    long long count = ra.o.count;
    for (int i = 0; i < n; i++) {
        RangeArgs per = ra;
        per.o.filter_ts = per.filter_ts;
        per.o.count = -1;
        if (ra.o.n_aggs) {
            per.o.n_aggs = 1;
            per.o.aggs[0] = aggs[i];
        }
        if (range_check_or_reply(c, argv[2 + i], ts[i], &per) != 0) {
            for (int k = 0; k <= i; k++) xfree(m[k].s);
            xfree(m);
            xfree(ts);
            return;
        }
        ts_range(ts[i]->s, &per.o, collect_sample, &m[i]);
    }
    size_t *pos = xcalloc((size_t)n, sizeof *pos);
    ReplyDeferred d = reply_defer(c);
    size_t rows = 0;
    for (;;) {
        if (count >= 0 && (long long)rows >= count) break;
        int found = 0;
        int64_t target = 0;
        for (int i = 0; i < n; i++) {
            if (pos[i] >= m[i].n) continue;
            int64_t t = m[i].s[pos[i]].ts;
            if (!found || (reverse ? t > target : t < target)) target = t;
            found = 1;
        }
        if (!found) break;
        reply_array(c, 2);
        reply_int(c, target);
        reply_array(c, (size_t)n);
        for (int i = 0; i < n; i++) {
            if (pos[i] < m[i].n && m[i].s[pos[i]].ts == target)
                reply_value(c, m[i].s[pos[i]++].v);
            else
                reply_value(c, NAN);
        }
        rows++;
    }
    reply_set_array_len(c, d, rows);
    for (int i = 0; i < n; i++) xfree(m[i].s);
    xfree(m);
    xfree(pos);
    xfree(ts);
}

static void cmd_ts_nrange(Client *c) {
    nrange_generic(c, 0);
}

static void cmd_ts_nrevrange(Client *c) {
    nrange_generic(c, 1);
}

/* ---- persistence -------------------------------------------------------------------- */

/* Field layout (all rdbmodule fields), streamd's own:
 *   uint retention, uint chunk_bytes, uint encoding, uint dup_policy,
 *   uint ignore_time, double ignore_val,
 *   uint has_src [string src],
 *   uint n_labels, (string name, string value) * n,
 *   uint n_rules, per rule: string dest, uint bucket, uint align, uint agg,
 *     sint cur_start, uint count, double sum sum2 min max first last,
 *     uint overflow, double twa_res, sint twa_prev_ts twa_first_ts
 *     twa_last_ts bucket_start bucket_end, double twa_prev_v, uint has_prev,
 *   uint n_chunks, per chunk: string of n samples (8-byte LE timestamp,
 *     8-byte LE double), timestamps increasing over the whole series. */
static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int ts_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

static void ts_rdb_write(const Obj *o, int type, int64_t now, Buf *out) {
    (void)type;
    (void)now;
    const TsObj *t = tso(o);
    const TSeries *s = t->s;
    rdbm_put_uint(out, (uint64_t)s->retention_ms);
    rdbm_put_uint(out, s->chunk_bytes);
    rdbm_put_uint(out, s->encoding);
    rdbm_put_uint(out, s->dup_policy);
    rdbm_put_uint(out, (uint64_t)s->ignore_max_time_diff);
    rdbm_put_double(out, s->ignore_max_val_diff);
    rdbm_put_uint(out, t->src != NULL);
    if (t->src) rdbm_put_string(out, t->src, t->src_len);
    rdbm_put_uint(out, t->n_labels);
    for (size_t i = 0; i < t->n_labels; i++) {
        rdbm_put_string(out, t->labels[i].name, t->labels[i].name_len);
        rdbm_put_string(out, t->labels[i].value, t->labels[i].value_len);
    }
    rdbm_put_uint(out, t->n_rules);
    for (size_t i = 0; i < t->n_rules; i++) {
        const TsRule *r = &t->rules[i];
        const TsAgg *a = &r->ctx;
        rdbm_put_string(out, r->dest, r->dest_len);
        rdbm_put_uint(out, (uint64_t)r->bucket);
        rdbm_put_uint(out, (uint64_t)r->align);
        rdbm_put_uint(out, (uint64_t)r->agg);
        rdbm_put_sint(out, r->cur_start);
        rdbm_put_uint(out, a->count);
        rdbm_put_double(out, a->sum);
        rdbm_put_double(out, a->sum2);
        rdbm_put_double(out, a->min);
        rdbm_put_double(out, a->max);
        rdbm_put_double(out, a->first);
        rdbm_put_double(out, a->last);
        rdbm_put_uint(out, (uint64_t)a->overflow);
        rdbm_put_double(out, a->twa_res);
        rdbm_put_sint(out, a->twa_prev_ts);
        rdbm_put_sint(out, a->twa_first_ts);
        rdbm_put_sint(out, a->twa_last_ts);
        rdbm_put_sint(out, a->bucket_start);
        rdbm_put_sint(out, a->bucket_end);
        rdbm_put_double(out, a->twa_prev_v);
        rdbm_put_uint(out, (uint64_t)a->twa_has_prev);
        /* the NaN count only where it counts: older layouts stay readable */
        if (ts_agg_takes_nan(r->agg)) rdbm_put_uint(out, a->n_nan);
    }
    rdbm_put_uint(out, s->n_chunks);
    Buf chunk;
    buf_init(&chunk);
    for (size_t i = 0; i < s->n_chunks; i++) {
        int64_t f, l;
        uint64_t n;
        size_t bytes;
        ts_chunk_info(s, i, &f, &l, &n, &bytes);
        chunk.len = 0;
        TsSample *xs = xmalloc((size_t)n * sizeof *xs);
        ts_chunk_samples(s, i, xs);
        uint8_t rec[16];
        for (uint64_t k = 0; k < n; k++) {
            put_le64(rec, (uint64_t)xs[k].ts);
            uint64_t vb;
            memcpy(&vb, &xs[k].v, sizeof vb);
            put_le64(rec + 8, vb);
            buf_append(&chunk, (const char *)rec, 16);
        }
        xfree(xs);
        rdbm_put_string(out, chunk.p, chunk.len);
    }
    buf_free(&chunk);
}

static int get_count(RdbReader *r, uint64_t max, uint64_t *out) {
    if (rdbm_get_uint(r, out) != RDB_OK || *out > max) return RDB_ERR;
    return RDB_OK;
}

static int ts_rdb_read(RdbReader *r, int type, int64_t now, Obj **out) {
    (void)now;
    *out = NULL;
    if (type != TS_ENCVER) return RDB_ERR;
    uint64_t retention, chunk, enc, dp, itime, u;
    double ival;
    if (rdbm_get_uint(r, &retention) != RDB_OK || retention > INT64_MAX ||
        rdbm_get_uint(r, &chunk) != RDB_OK || chunk < TS_CHUNK_MIN || chunk > TS_CHUNK_MAX ||
        chunk % 8 != 0 || rdbm_get_uint(r, &enc) != RDB_OK || enc > 1 ||
        rdbm_get_uint(r, &dp) != RDB_OK || dp > TS_DP_SUM || rdbm_get_uint(r, &itime) != RDB_OK ||
        itime > INT64_MAX || rdbm_get_double(r, &ival) != RDB_OK || !(ival >= 0))
        return RDB_ERR;
    TsObj *t = tsobj_new(ts_new((uint32_t)chunk, (int)enc));
    TSeries *s = t->s;
    s->retention_ms = (int64_t)retention;
    s->dup_policy = (uint8_t)dp;
    s->ignore_max_time_diff = (int64_t)itime;
    s->ignore_max_val_diff = ival;
    size_t left = r->len - r->pos;
    size_t max_str = persist_string_max();
    if (rdbm_get_uint(r, &u) != RDB_OK || u > 1) goto err;
    if (u && rdbm_get_string(r, max_str, &t->src, &t->src_len) != RDB_OK) goto err;
    if (get_count(r, left / 2, &u) != RDB_OK) goto err;
    t->labels = u ? xcalloc((size_t)u, sizeof *t->labels) : NULL;
    for (uint64_t i = 0; i < u; i++) {
        TsLabel *l = &t->labels[i];
        t->n_labels++;
        if (rdbm_get_string(r, max_str, &l->name, &l->name_len) != RDB_OK ||
            rdbm_get_string(r, max_str, &l->value, &l->value_len) != RDB_OK)
            goto err;
    }
    if (get_count(r, left / 16, &u) != RDB_OK) goto err;
    t->rules = u ? xcalloc((size_t)u, sizeof *t->rules) : NULL;
    for (uint64_t i = 0; i < u; i++) {
        TsRule *ru = &t->rules[i];
        TsAgg *a = &ru->ctx;
        uint64_t bucket, align, agg, count, ovf, hp;
        t->n_rules++;
        if (rdbm_get_string(r, max_str, &ru->dest, &ru->dest_len) != RDB_OK ||
            rdbm_get_uint(r, &bucket) != RDB_OK || bucket == 0 || bucket > INT64_MAX ||
            rdbm_get_uint(r, &align) != RDB_OK || align > INT64_MAX ||
            rdbm_get_uint(r, &agg) != RDB_OK || agg == 0 || agg >= TS_AGG_COUNT_TYPES ||
            rdbm_get_sint(r, &ru->cur_start) != RDB_OK || ru->cur_start < -1 ||
            rdbm_get_uint(r, &count) != RDB_OK || rdbm_get_double(r, &a->sum) != RDB_OK ||
            rdbm_get_double(r, &a->sum2) != RDB_OK || rdbm_get_double(r, &a->min) != RDB_OK ||
            rdbm_get_double(r, &a->max) != RDB_OK || rdbm_get_double(r, &a->first) != RDB_OK ||
            rdbm_get_double(r, &a->last) != RDB_OK || rdbm_get_uint(r, &ovf) != RDB_OK || ovf > 1 ||
            rdbm_get_double(r, &a->twa_res) != RDB_OK ||
            rdbm_get_sint(r, &a->twa_prev_ts) != RDB_OK ||
            rdbm_get_sint(r, &a->twa_first_ts) != RDB_OK ||
            rdbm_get_sint(r, &a->twa_last_ts) != RDB_OK ||
            rdbm_get_sint(r, &a->bucket_start) != RDB_OK ||
            rdbm_get_sint(r, &a->bucket_end) != RDB_OK ||
            rdbm_get_double(r, &a->twa_prev_v) != RDB_OK || rdbm_get_uint(r, &hp) != RDB_OK ||
            hp > 1)
            goto err;
        ru->bucket = (int64_t)bucket;
        ru->align = (int64_t)align;
        ru->agg = (int)agg;
        a->type = (int)agg;
        a->count = count;
        a->overflow = (int)ovf;
        a->twa_has_prev = (int)hp;
        if (ts_agg_takes_nan(ru->agg) && rdbm_get_uint(r, &a->n_nan) != RDB_OK) goto err;
    }
    if (get_count(r, r->len - r->pos, &u) != RDB_OK) goto err;
    int64_t prev = -1;
    Buf scratch;
    buf_init(&scratch);
    for (uint64_t i = 0; i < u; i++) {
        const uint8_t *p;
        size_t len;
        if (rdbm_get_string_view(r, SIZE_MAX, &scratch, &p, &len) != RDB_OK || len == 0 ||
            len % 16 != 0) {
            buf_free(&scratch);
            goto err;
        }
        size_t n = len / 16;
        TsSample *xs = xmalloc(n * sizeof *xs);
        for (size_t k = 0; k < n; k++) {
            uint64_t ts = get_le64(p + 16 * k), vb = get_le64(p + 16 * k + 8);
            if (ts > INT64_MAX || (int64_t)ts <= prev) {
                xfree(xs);
                buf_free(&scratch);
                goto err;
            }
            xs[k].ts = (int64_t)ts;
            memcpy(&xs[k].v, &vb, sizeof xs[k].v);
            prev = (int64_t)ts;
        }
        ts_append_chunk(s, xs, n);
        xfree(xs);
    }
    buf_free(&scratch);
    *out = obj_new(OBJ_TSERIES, t);
    return RDB_OK;
err:
    tsobj_free(t);
    return RDB_ERR;
}

/* RESTORE key 0 <payload>: what Redis writes for a module value. */
static void ts_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now, void (*flush)(void *),
                           void *fp) {
    Buf payload;
    buf_init(&payload);
    dump_value(o, now, &payload);
    aof_cat_array_header(out, 4);
    aof_cat_bulk(out, "RESTORE", 7);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, "0", 1);
    aof_cat_bulk(out, payload.p, payload.len);
    buf_free(&payload);
    if (flush) flush(fp);
}

static const PersistTypeOps tseries_persist = {
    .obj_type = OBJ_TSERIES,
    .rdb_type = ts_rdb_type,
    .rdb_write = ts_rdb_write,
    .rdb_read = ts_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = ts_aof_rewrite,
    .module_name = "TSDB-TYPE",
    .module_encver = TS_ENCVER,
};

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command tseries_commands[] = {
    {"ts.create", cmd_ts_create, -2, W | CMD_FAST, "@write @timeseries @fast", 1, 1, 1, NULL},
    {"ts.alter", cmd_ts_alter, -2, W | CMD_FAST, "@write @timeseries @fast", 1, 1, 1, NULL},
    {"ts.add", cmd_ts_add, -4, W | CMD_FAST, "@write @timeseries @fast", 1, 1, 1, NULL},
    {"ts.madd", cmd_ts_madd, -4, W, "@write @timeseries @slow", 1, -1, 3, NULL},
    {"ts.incrby", cmd_ts_incrby, -3, W | CMD_FAST, "@write @timeseries @fast", 1, 1, 1, NULL},
    {"ts.decrby", cmd_ts_decrby, -3, W | CMD_FAST, "@write @timeseries @fast", 1, 1, 1, NULL},
    {"ts.del", cmd_ts_del, 4, CMD_WRITE, "@write @timeseries @slow", 1, 1, 1, NULL},
    {"ts.get", cmd_ts_get, -2, RO | CMD_FAST, "@read @timeseries @fast", 1, 1, 1, NULL},
    {"ts.info", cmd_ts_info, -2, RO, "@read @timeseries @slow", 1, 1, 1, NULL},
    {"ts.range", cmd_ts_range, -4, RO, "@read @timeseries @slow", 1, 1, 1, NULL},
    {"ts.revrange", cmd_ts_revrange, -4, RO, "@read @timeseries @slow", 1, 1, 1, NULL},
    {"ts.read", cmd_ts_read, -3, RO, "@read @timeseries @slow", 1, 1, 1, NULL},
    {"ts.createrule", cmd_ts_createrule, -6, CMD_WRITE, "@write @timeseries @slow", 1, 2, 1, NULL},
    {"ts.deleterule", cmd_ts_deleterule, 3, CMD_WRITE, "@write @timeseries @slow", 1, 2, 1, NULL},
    {"ts.queryindex", cmd_ts_queryindex, -2, RO, "@read @timeseries @slow", 0, 0, 0, NULL},
    {"ts.querylabels", cmd_ts_querylabels, -2, RO, "@read @timeseries @slow", 0, 0, 0, NULL},
    {"ts.mget", cmd_ts_mget, -3, RO, "@read @timeseries @slow", 0, 0, 0, NULL},
    {"ts.mrange", cmd_ts_mrange, -4, RO, "@read @timeseries @slow", 0, 0, 0, NULL},
    {"ts.mrevrange", cmd_ts_mrevrange, -4, RO, "@read @timeseries @slow", 0, 0, 0, NULL},
    {"ts.nrange", cmd_ts_nrange, -5, RO | CMD_MOVABLE_KEYS, "@read @timeseries @slow", 0, 0, 0,
     NULL},
    {"ts.nrevrange", cmd_ts_nrevrange, -5, RO | CMD_MOVABLE_KEYS, "@read @timeseries @slow", 0, 0,
     0, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void tseries_cmd_init(void);
void tseries_cmd_init(void) {
    obj_register_type(OBJ_TSERIES, &tseries_type);
    persist_register_type(&tseries_persist);
}
