/*
 * tseries_agg.c - the aggregators of the time series type (TS.RANGE
 * AGGREGATION, compaction rules, MRANGE GROUPBY ... REDUCE) and the range
 * query that feeds them.
 *
 * Each aggregator keeps a running state (TsAgg) a sample at a time, with the
 * arithmetic RedisTimeSeries documents and uses, so results agree to the last
 * bit: avg is sum / count, switching to a running mean in long double when
 * the sum would overflow; var.p is (sum2 - 2*sum*sum/n + (sum/n)^2 * n) / n,
 * var.s that times n / (n - 1), std.* their square roots; twa integrates
 * the piecewise-linear curve through the samples with the trapezoid rule,
 * interpolating at the bucket's edges from the neighbouring buckets' samples,
 * and divides by the time covered.
 *
 * NaN samples (Redis 8.6) are counted apart: countNaN and countAll count
 * them, every other aggregator skips them (a bucket of NaN samples only is
 * NaN there, 0 for count), and readers feed them to a bucket only when one
 * of the query's aggregators counts them, so a query without those reports
 * the buckets it reported before NaN samples existed.
 *
 * Aggregated queries always walk forward (buckets are built oldest first);
 * REVRANGE then reports the buckets newest first. Limits: twa interpolates
 * only from samples inside the queried range, and an EMPTY twa bucket is NaN.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "types/tseries.h"

static const struct {
    const char *lower, *upper;
} agg_names[TS_AGG_COUNT_TYPES] = {
    {NULL, NULL},       {"avg", "AVG"},     {"sum", "SUM"},           {"min", "MIN"},
    {"max", "MAX"},     {"range", "RANGE"}, {"count", "COUNT"},       {"first", "FIRST"},
    {"last", "LAST"},   {"std.p", "STD.P"}, {"std.s", "STD.S"},       {"var.p", "VAR.P"},
    {"var.s", "VAR.S"}, {"twa", "TWA"},     {"countnan", "COUNTNAN"}, {"countall", "COUNTALL"},
};

int ts_agg_parse(const char *p, size_t len) {
    for (int i = 1; i < TS_AGG_COUNT_TYPES; i++)
        if (strlen(agg_names[i].lower) == len && strncasecmp(p, agg_names[i].lower, len) == 0)
            return i;
    return 0;
}

const char *ts_agg_name(int type) {
    return type > 0 && type < TS_AGG_COUNT_TYPES ? agg_names[type].upper : "";
}

const char *ts_agg_name_lower(int type) {
    return type > 0 && type < TS_AGG_COUNT_TYPES ? agg_names[type].lower : "";
}

void ts_agg_reset(TsAgg *a, int type) {
    memset(a, 0, sizeof *a);
    a->type = type;
}

int ts_agg_takes_nan(int type) {
    return type == TS_AGG_COUNTNAN || type == TS_AGG_COUNTALL;
}

void ts_agg_add(TsAgg *a, int64_t ts, double v) {
    if (isnan(v)) {
        a->n_nan++;
        return;
    }
    a->count++;
    if (a->count == 1) {
        a->min = a->max = a->first = v;
    } else {
        if (v < a->min) a->min = v;
        if (v > a->max) a->max = v;
    }
    a->last = v;
    switch (a->type) {
    case TS_AGG_AVG:
        if (a->overflow || ((a->sum < 0.0) == (v < 0.0) && fabs(a->sum) > DBL_MAX - fabs(v))) {
            /* running mean: mean(n) = mean(n-1) * (n-1)/n + v/n */
            long double m = a->sum;
            m /= (long double)a->count;
            if (a->overflow) m *= (long double)(a->count - 1);
            m += (long double)v / (long double)a->count;
            a->sum = (double)m;
            a->overflow = 1;
        } else {
            a->sum += v;
        }
        break;
    case TS_AGG_TWA:
        if (a->count == 1) {
            if (a->twa_has_prev) {
                int64_t t1 = a->twa_prev_ts, ta = a->bucket_start;
                double v1 = a->twa_prev_v;
                double vab = v1 + (double)(ta - t1) * (v - v1) / (double)(ts - t1);
                a->twa_res += (vab + v) * (double)(ts - ta) / 2.0;
                a->twa_first_ts = ta;
            } else {
                a->twa_first_ts = ts;
            }
        } else {
            a->twa_res += (a->twa_prev_v + v) * (double)(ts - a->twa_prev_ts) / 2.0;
        }
        a->twa_last_ts = a->twa_prev_ts = ts;
        a->twa_prev_v = v;
        break;
    default:
        a->sum += v;
        a->sum2 += v * v;
        break;
    }
}

/* twa: the curve from the bucket's last sample to the next bucket's first,
 * cut at the bucket's end. */
static void twa_next(TsAgg *a, int64_t ts, double v) {
    int64_t t1 = a->twa_prev_ts, tb = a->bucket_end;
    double v1 = a->twa_prev_v;
    double vab = v1 + (double)(tb - t1) * (v - v1) / (double)(ts - t1);
    a->twa_res += (vab + v1) * (double)(tb - t1) / 2.0;
    a->twa_last_ts = tb;
}

static double variance(double sum, double sum2, double n) {
    return (sum2 - 2 * sum * sum / n + pow(sum / n, 2) * n) / n;
}

int ts_agg_final(const TsAgg *a, double *out) {
    if (a->count == 0 && a->n_nan == 0) return 0;
    double n = (double)a->count;
    switch (a->type) {
    case TS_AGG_COUNTNAN:
        *out = (double)a->n_nan;
        return 1;
    case TS_AGG_COUNTALL:
        *out = (double)(a->count + a->n_nan);
        return 1;
    case TS_AGG_COUNT:
        *out = n;
        return 1;
    default:
        break;
    }
    if (a->count == 0) {
        *out = NAN;
        return 1;
    }
    switch (a->type) {
    case TS_AGG_AVG:
        *out = a->overflow ? a->sum : a->sum / n;
        break;
    case TS_AGG_SUM:
        *out = a->sum;
        break;
    case TS_AGG_MIN:
        *out = a->min;
        break;
    case TS_AGG_MAX:
        *out = a->max;
        break;
    case TS_AGG_RANGE:
        *out = a->max - a->min;
        break;
    case TS_AGG_FIRST:
        *out = a->first;
        break;
    case TS_AGG_LAST:
        *out = a->last;
        break;
    case TS_AGG_VAR_P:
        *out = variance(a->sum, a->sum2, n);
        break;
    case TS_AGG_VAR_S:
        *out = a->count == 1 ? 0 : variance(a->sum, a->sum2, n) * n / (n - 1);
        break;
    case TS_AGG_STD_P:
        *out = sqrt(variance(a->sum, a->sum2, n));
        break;
    case TS_AGG_STD_S:
        *out = a->count == 1 ? 0 : sqrt(variance(a->sum, a->sum2, n) * n / (n - 1));
        break;
    case TS_AGG_TWA:
        if (a->twa_last_ts == a->twa_first_ts)
            *out = a->twa_prev_v;
        else
            *out = a->twa_res / (double)llabs(a->twa_last_ts - a->twa_first_ts);
        break;
    default:
        return 0;
    }
    return 1;
}

double ts_agg_empty_value(int type, int has_last, double last) {
    switch (type) {
    case TS_AGG_SUM:
    case TS_AGG_COUNT:
    case TS_AGG_COUNTNAN:
    case TS_AGG_COUNTALL:
        return 0;
    case TS_AGG_LAST:
        return has_last ? last : NAN;
    default:
        return NAN;
    }
}

int64_t ts_bucket_start(int64_t ts, int64_t bucket, int64_t align) {
    int64_t diff = ts - align;
    int64_t start = ts - ((diff % bucket) + bucket) % bucket;
    return start < 0 ? 0 : start;
}

/* ---- ts-compaction-policy ------------------------------------------------------ */

/* A duration: digits and an optional unit; -1 when malformed. */
static int64_t policy_duration(const char *p, size_t len) {
    size_t i = 0;
    int64_t v = 0;
    while (i < len && p[i] >= '0' && p[i] <= '9') {
        if (v > (INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (p[i++] - '0');
    }
    if (i == 0) return -1;
    int64_t mul = 1;
    if (i + 1 == len) {
        switch (p[i]) {
        case 'm':
            mul = 1;
            break;
        case 's':
            mul = 1000;
            break;
        case 'M':
            mul = 60 * 1000;
            break;
        case 'h':
            mul = 3600 * 1000;
            break;
        case 'd':
            mul = 24 * 3600 * 1000;
            break;
        default:
            return -1;
        }
    } else if (i != len) {
        return -1;
    }
    if (v > INT64_MAX / mul) return -1;
    return v * mul;
}

int ts_policy_rules_parse(const char *p, TsPolicyRule *out, int max) {
    int n = 0;
    size_t len = strlen(p);
    if (len == 0) return 0;
    const char *end = p + len;
    while (p <= end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        const char *part[4];
        size_t plen[4];
        int k = 0;
        const char *q = p;
        while (k < 4) {
            const char *colon = memchr(q, ':', (size_t)(stop - q));
            const char *e = colon ? colon : stop;
            part[k] = q;
            plen[k++] = (size_t)(e - q);
            if (!colon) break;
            q = colon + 1;
            if (k == 4) return -1; /* a fifth field */
        }
        if (k < 3 || n == max) return -1;
        TsPolicyRule *r = &out[n++];
        r->agg = ts_agg_parse(part[0], plen[0]);
        r->bucket = policy_duration(part[1], plen[1]);
        r->retention = policy_duration(part[2], plen[2]);
        r->align = k == 4 ? policy_duration(part[3], plen[3]) : 0;
        if (!r->agg || r->bucket <= 0 || r->retention < 0 || r->align < 0) return -1;
        if (!semi) break;
        p = semi + 1;
    }
    return n;
}

/* ---- range queries ----------------------------------------------------------- */

static int pass_filters(const TsRangeOpts *o, const TsSample *x) {
    if (o->has_val_filter && !(x->v >= o->val_min && x->v <= o->val_max)) return 0;
    if (o->has_filter_ts) {
        size_t lo = 0, hi = o->n_filter_ts;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (o->filter_ts[mid] < x->ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == o->n_filter_ts || o->filter_ts[lo] != x->ts) return 0;
    }
    return 1;
}

/* A sample aggregators take: in the range, through the filters, and a
 * number unless nan_ok (an aggregator counts NaN samples: the others skip
 * them, but the buckets they are in are reported). NaN samples are stored
 * and read back raw. */
static int agg_input(const TsRangeOpts *o, const TsSample *x, int nan_ok) {
    return x->ts >= o->from && x->ts <= o->to && (nan_ok || !isnan(x->v)) && pass_filters(o, x);
}

typedef struct Row {
    int64_t ts;
    double v[TS_MAX_AGGS];
} Row;

typedef struct Out {
    const TsRangeOpts *o;
    TsEmitFn emit;
    void *priv;
    long long left;
    int stop;
    Row *keep; /* reverse: rows kept to be sent newest first */
    size_t n_keep, cap_keep;
} Out;

static void out_put(Out *w, int64_t ts, const double *v) {
    if (w->stop) return;
    int n = w->o->n_aggs;
    if (w->o->reverse) {
        if (w->n_keep == w->cap_keep) {
            w->cap_keep = w->cap_keep ? w->cap_keep * 2 : 64;
            w->keep = xrealloc(w->keep, w->cap_keep * sizeof *w->keep);
        }
        w->keep[w->n_keep].ts = ts;
        memcpy(w->keep[w->n_keep++].v, v, (size_t)n * sizeof *v);
        return;
    }
    if (w->left == 0 || w->emit(w->priv, ts, v, n) != 0) {
        w->stop = 1;
        return;
    }
    if (--w->left == 0) w->stop = 1;
}

static int64_t report_ts(const TsRangeOpts *o, int64_t start) {
    switch (o->bucket_ts) {
    case TS_BT_END:
        return start + o->bucket;
    case TS_BT_MID:
        return start + o->bucket / 2;
    default:
        return start;
    }
}

/* The first (reverse: last) sample of the whole series, LATEST's included,
 * that aggregators would take if the range allowed it: where EMPTY's fill
 * may start (end). 0 when there is none. */
static int edge_sample(const TSeries *s, const TsRangeOpts *o, int last, int64_t bound,
                       TsSample *out) {
    if (last && o->has_extra && o->extra.ts <= bound && !isnan(o->extra.v) &&
        pass_filters(o, &o->extra)) {
        *out = o->extra;
        return 1;
    }
    TsIter it;
    TsSample x;
    int found = 0;
    ts_iter_init(&it, s, last ? 0 : bound, last ? bound : INT64_MAX, last);
    while (!found && ts_iter_next(&it, &x))
        if (!isnan(x.v) && pass_filters(o, &x)) {
            *out = x;
            found = 1;
        }
    ts_iter_done(&it);
    if (!found && !last && o->has_extra && o->extra.ts >= bound && !isnan(o->extra.v) &&
        pass_filters(o, &o->extra)) {
        *out = o->extra;
        found = 1;
    }
    return found;
}

static void emit_empty(Out *w, int64_t bs, int has_last, double last_v) {
    double v[TS_MAX_AGGS];
    for (int k = 0; k < w->o->n_aggs; k++)
        v[k] = ts_agg_empty_value(w->o->aggs[k], has_last, last_v);
    out_put(w, report_ts(w->o, bs), v);
}

/* EMPTY's fill: the buckets between the series' first and last samples that
 * pass the filters, clipped to the range. 0 when there is none. */
static int fill_span(const TSeries *s, const TsRangeOpts *o, int64_t *lo_b, int64_t *hi_b) {
    TsSample lo, hi;
    if (!edge_sample(s, o, 0, 0, &lo) || !edge_sample(s, o, 1, INT64_MAX, &hi)) return 0;
    int64_t f = lo.ts > o->from ? lo.ts : o->from;
    int64_t t = hi.ts < o->to ? hi.ts : o->to;
    if (f > t) return 0;
    *lo_b = ts_bucket_start(f, o->bucket, o->align);
    *hi_b = ts_bucket_start(t, o->bucket, o->align);
    return 1;
}

int ts_range_check(const TSeries *s, const TsRangeOpts *o) {
    int64_t lo, hi;
    if (!o->empty || !o->n_aggs || !fill_span(s, o, &lo, &hi)) return 0;
    uint64_t buckets = (uint64_t)(hi - lo) / (uint64_t)o->bucket + 1;
    if (buckets <= TS_MAX_FILL_BUCKETS) return 0;
    /* a forward read that stops early builds only what it sends */
    if (!o->reverse && o->count >= 0 && o->count <= TS_MAX_FILL_BUCKETS) return 0;
    return -1;
}

static void range_agg(const TSeries *s, const TsRangeOpts *o, Out *w) {
    TsIter it;
    TsSample x;
    TsAgg a[TS_MAX_AGGS];
    int n = o->n_aggs, open = 0, has_last = 0, nan_ok = 0;
    for (int k = 0; k < n; k++) nan_ok |= ts_agg_takes_nan(o->aggs[k]);
    int64_t cur = 0, next = 0, fill_hi = -1;
    double last_v = 0;
    if (o->empty) {
        /* 'last' carries the value from before the range */
        TsSample before;
        if (!fill_span(s, o, &next, &fill_hi)) {
            next = 0;
            fill_hi = -1;
        }
        if (o->from > 0 && edge_sample(s, o, 1, o->from - 1, &before)) {
            has_last = 1;
            last_v = before.v;
        }
    }
    ts_iter_init(&it, s, o->from, o->to, 0);
    int extra_left = o->has_extra;
    for (;;) {
        int got = ts_iter_next(&it, &x);
        if (!got && extra_left) {
            x = o->extra;
            extra_left = 0;
            got = 1;
        }
        if (!got || w->stop) break;
        if (!agg_input(o, &x, nan_ok)) continue;
        int64_t bs = ts_bucket_start(x.ts, o->bucket, o->align);
        if (open && bs != cur) {
            double v[TS_MAX_AGGS];
            for (int k = 0; k < n; k++) {
                if (a[k].type == TS_AGG_TWA && a[k].count && !isnan(x.v))
                    twa_next(&a[k], x.ts, x.v);
                ts_agg_final(&a[k], &v[k]);
            }
            out_put(w, report_ts(o, cur), v);
            next = cur + o->bucket;
            if (a[0].count) { /* EMPTY's 'last' carries a number */
                has_last = 1;
                last_v = a[0].last;
            }
            for (int k = 0; k < n; k++) {
                int64_t pts = a[k].twa_prev_ts;
                double pv = a[k].twa_prev_v;
                ts_agg_reset(&a[k], o->aggs[k]);
                a[k].twa_has_prev = 1;
                a[k].twa_prev_ts = pts;
                a[k].twa_prev_v = pv;
            }
        } else if (!open) {
            for (int k = 0; k < n; k++) ts_agg_reset(&a[k], o->aggs[k]);
        }
        if (!open || bs != cur) {
            if (o->empty)
                for (; next < bs && !w->stop; next += o->bucket)
                    emit_empty(w, next, has_last, last_v);
            for (int k = 0; k < n; k++) {
                a[k].bucket_start = bs;
                a[k].bucket_end = bs + o->bucket;
            }
        }
        open = 1;
        cur = bs;
        for (int k = 0; k < n; k++) ts_agg_add(&a[k], x.ts, x.v);
    }
    if (open && !w->stop) {
        double v[TS_MAX_AGGS];
        for (int k = 0; k < n; k++) ts_agg_final(&a[k], &v[k]);
        out_put(w, report_ts(o, cur), v);
        next = cur + o->bucket;
        if (a[0].count) {
            has_last = 1;
            last_v = a[0].last;
        }
    }
    if (o->empty)
        for (; next <= fill_hi && !w->stop; next += o->bucket)
            emit_empty(w, next, has_last, last_v);
    ts_iter_done(&it);
}

static void range_raw(const TSeries *s, const TsRangeOpts *o, Out *w) {
    TsIter it;
    TsSample x;
    int extra_left = o->has_extra;
    if (o->reverse && extra_left) {
        extra_left = 0;
        if (o->extra.ts >= o->from && o->extra.ts <= o->to && pass_filters(o, &o->extra)) {
            if (w->left == 0 || w->emit(w->priv, o->extra.ts, &o->extra.v, 1) != 0) return;
            w->left--;
        }
    }
    ts_iter_init(&it, s, o->from, o->to, o->reverse);
    while (w->left != 0) {
        int got = ts_iter_next(&it, &x);
        if (!got && extra_left) {
            x = o->extra;
            extra_left = 0;
            got = 1;
            if (x.ts < o->from || x.ts > o->to) break;
        }
        if (!got) break;
        if (!pass_filters(o, &x)) continue;
        if (w->emit(w->priv, x.ts, &x.v, 1) != 0) break;
        w->left--;
    }
    ts_iter_done(&it);
}

void ts_range(const TSeries *s, const TsRangeOpts *o, TsEmitFn emit, void *priv) {
    Out w = {o, emit, priv, o->count < 0 ? LLONG_MAX : o->count, 0, NULL, 0, 0};
    if (o->n_aggs == 0) {
        range_raw(s, o, &w);
        return;
    }
    range_agg(s, o, &w);
    if (o->reverse) {
        long long left = o->count < 0 ? LLONG_MAX : o->count;
        for (size_t i = w.n_keep; i-- > 0 && left > 0; left--)
            if (emit(priv, w.keep[i].ts, w.keep[i].v, o->n_aggs) != 0) break;
        xfree(w.keep);
    }
}
