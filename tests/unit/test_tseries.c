/*
 * Unit tests for the time series type (src/types/tseries.c, tseries_agg.c)
 * against a naive oracle: a dense array indexed by timestamp over a small
 * window, each slot empty or holding a value. Random in-order appends,
 * out-of-order inserts and upserts under every duplicate policy, and range
 * deletes, on both encodings and chunk sizes from the smallest; after every
 * few steps the count, the last sample, forward and reverse iteration over
 * random ranges, and a dup must agree with the oracle. Values cover the
 * Gorilla encoder's cases: repeats, small changes, wild bit patterns, NaN,
 * huge timestamp gaps. Then the aggregators against direct computation.
 */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "types/tseries.h"

#include "test.h"

#define WIN 3000

static int has[WIN];
static double val[WIN];
static int64_t base_ts;

static double rand_value(void) {
    switch (test_rand_below(6)) {
    case 0:
        return 1.0;
    case 1:
        return (double)test_rand_below(100);
    case 2:
        return (double)test_rand_below(1000) / 7.0;
    case 3: {
        uint64_t u = test_rand();
        double d;
        memcpy(&d, &u, sizeof d);
        return isnan(d) ? 0.5 : d;
    }
    case 4:
        return -1e300 * (double)test_rand_below(3);
    default:
        return NAN;
    }
}

static int same(double a, double b) {
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void check_against(const TSeries *s) {
    uint64_t n = 0;
    int last = -1;
    for (int i = 0; i < WIN; i++)
        if (has[i]) n++, last = i;
    CHECK_EQ_INT(s->n_samples, n);
    TsSample x;
    if (last < 0) {
        CHECK(!ts_last(s, &x));
        return;
    }
    CHECK(ts_last(s, &x) && x.ts == base_ts + last && same(x.v, val[last]));
    for (int r = 0; r < 3; r++) {
        int a = (int)test_rand_below(WIN), b = (int)test_rand_below(WIN);
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        for (int rev = 0; rev < 2; rev++) {
            TsIter it;
            ts_iter_init(&it, s, base_ts + a, base_ts + b, rev);
            int i = rev ? b : a, ok = 1;
            while (ts_iter_next(&it, &x)) {
                while (i >= a && i <= b && !has[i]) i += rev ? -1 : 1;
                if (i < a || i > b || x.ts != base_ts + i || !same(x.v, val[i])) {
                    ok = 0;
                    break;
                }
                i += rev ? -1 : 1;
            }
            for (; ok && i >= a && i <= b; i += rev ? -1 : 1)
                if (has[i]) ok = 0;
            CHECK(ok);
            ts_iter_done(&it);
        }
    }
}

static void model_run(int enc, uint32_t chunk_bytes) {
    memset(has, 0, sizeof has);
    base_ts = (int64_t)test_rand_below(1ull << 40);
    TSeries *s = ts_new(chunk_bytes, enc);
    int hi = -1;
    for (int step = 0; step < 4000; step++) {
        int op = (int)test_rand_below(10);
        if (op < 6 && hi < WIN - 1) {
            int ts = hi + 1 + (int)test_rand_below(3);
            if (ts >= WIN) ts = WIN - 1;
            if (test_rand_below(50) == 0 && hi + 400 < WIN) ts = hi + 400; /* a gap */
            double v = rand_value();
            int up;
            CHECK_EQ_INT(ts_add(s, base_ts + ts, v, TS_DP_BLOCK, 0, &up), TS_ADDED);
            has[ts] = 1;
            val[ts] = v;
            hi = ts;
        } else if (op < 9 && hi > 0) {
            int ts = (int)test_rand_below((uint64_t)hi + 1);
            double v = rand_value();
            int dp = 1 + (int)test_rand_below(6), up;
            int rc = ts_add(s, base_ts + ts, v, dp, 0, &up);
            if (!has[ts]) {
                CHECK_EQ_INT(rc, TS_ADDED);
                has[ts] = 1;
                val[ts] = v;
            } else {
                double old = val[ts], want = old;
                int refuse = 0;
                switch (dp) {
                case TS_DP_BLOCK:
                    refuse = 1;
                    break;
                case TS_DP_LAST:
                    want = v;
                    break;
                case TS_DP_MIN:
                case TS_DP_MAX:
                case TS_DP_SUM:
                    if (isnan(old) || isnan(v))
                        refuse = 1;
                    else if (dp == TS_DP_MIN)
                        want = v < old ? v : old;
                    else if (dp == TS_DP_MAX)
                        want = v > old ? v : old;
                    else
                        want = old + v;
                    break;
                default:
                    break;
                }
                CHECK_EQ_INT(rc, refuse ? TS_ERR_DUP : TS_ADDED);
                if (!refuse) val[ts] = want;
            }
        } else {
            int a = (int)test_rand_below(WIN), len = (int)test_rand_below(50);
            uint64_t want = 0;
            for (int i = a; i <= a + len && i < WIN; i++)
                if (has[i]) want++, has[i] = 0;
            CHECK_EQ_INT(ts_del_range(s, base_ts + a, base_ts + a + len), want);
            hi = -1;
            for (int i = 0; i < WIN; i++)
                if (has[i]) hi = i;
        }
        if (step % 97 == 0) check_against(s);
    }
    check_against(s);
    TSeries *d = ts_dup(s);
    check_against(d);
    ts_free(d);
    ts_free(s);
}

static void test_retention(void) {
    TSeries *s = ts_new(64, TS_ENC_COMPRESSED);
    s->retention_ms = 100;
    int up;
    for (int i = 0; i < 1000; i++) CHECK_EQ_INT(ts_add(s, i, i, TS_DP_BLOCK, 0, &up), TS_ADDED);
    int64_t first;
    CHECK_EQ_INT(ts_count_valid(s, &first), 101);
    CHECK_EQ_INT(first, 899);
    CHECK(s->n_samples < 200); /* whole old chunks went */
    CHECK_EQ_INT(ts_add(s, 898, 1, TS_DP_LAST, 0, &up), TS_ERR_OLD);
    CHECK_EQ_INT(ts_add(s, 899, 1, TS_DP_LAST, 0, &up), TS_ADDED);
    TsIter it;
    TsSample x;
    ts_iter_init(&it, s, 0, 2000, 0);
    CHECK(ts_iter_next(&it, &x) && x.ts == 899 && x.v == 1);
    ts_iter_done(&it);
    ts_free(s);
}

static void test_ignore(void) {
    TSeries *s = ts_new(4096, TS_ENC_UNCOMPRESSED);
    s->ignore_max_time_diff = 5;
    s->ignore_max_val_diff = 3;
    int up;
    CHECK_EQ_INT(ts_add(s, 1000, 100, TS_DP_LAST, 1, &up), TS_ADDED);
    CHECK_EQ_INT(ts_add(s, 1005, 102, TS_DP_LAST, 1, &up), TS_IGNORED);
    CHECK_EQ_INT(ts_add(s, 1006, 102, TS_DP_LAST, 1, &up), TS_ADDED);
    CHECK_EQ_INT(ts_add(s, 1007, 110, TS_DP_LAST, 1, &up), TS_ADDED);
    CHECK_EQ_INT(ts_add(s, 1008, 110, TS_DP_BLOCK, 1, &up), TS_ADDED);
    CHECK_EQ_INT(s->n_samples, 4);
    ts_free(s);
}

typedef struct Got {
    int n;
    int64_t ts[64];
    double v[64];
} Got;

static int collect(void *priv, int64_t ts, const double *vals, int n) {
    Got *g = priv;
    double v = vals[n - 1];
    if (g->n < 64) {
        g->ts[g->n] = ts;
        g->v[g->n] = v;
    }
    g->n++;
    return 0;
}

static void test_aggregation(void) {
    TSeries *s = ts_new(4096, TS_ENC_COMPRESSED);
    int up;
    /* buckets of 10: [0..9] 1 2 3, [10..19] 10, [30..39] 5 7 */
    ts_add(s, 1, 1, 0, 0, &up);
    ts_add(s, 5, 2, 0, 0, &up);
    ts_add(s, 9, 3, 0, 0, &up);
    ts_add(s, 12, 10, 0, 0, &up);
    ts_add(s, 31, 5, 0, 0, &up);
    ts_add(s, 35, 7, 0, 0, &up);
    TsRangeOpts o;
    memset(&o, 0, sizeof o);
    o.from = 0;
    o.to = 100;
    o.count = -1;
    o.bucket = 10;
    Got g;
    static const struct {
        int agg;
        double b0, b1, b3;
    } cases[] = {
        {TS_AGG_AVG, 2, 10, 6},   {TS_AGG_SUM, 6, 10, 12}, {TS_AGG_MIN, 1, 10, 5},
        {TS_AGG_MAX, 3, 10, 7},   {TS_AGG_RANGE, 2, 0, 2}, {TS_AGG_COUNT, 3, 1, 2},
        {TS_AGG_FIRST, 1, 10, 5}, {TS_AGG_LAST, 3, 10, 7}, {TS_AGG_VAR_S, 1, 0, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.aggs[0] = cases[i].agg;
        o.n_aggs = 1;
        o.empty = 0;
        memset(&g, 0, sizeof g);
        ts_range(s, &o, collect, &g);
        CHECK_EQ_INT(g.n, 3);
        CHECK(g.ts[0] == 0 && g.ts[1] == 10 && g.ts[2] == 30);
        CHECK(g.v[0] == cases[i].b0 && g.v[1] == cases[i].b1 && g.v[2] == cases[i].b3);
        o.empty = 1;
        memset(&g, 0, sizeof g);
        ts_range(s, &o, collect, &g);
        CHECK_EQ_INT(g.n, 4);
        CHECK(g.ts[2] == 20);
    }
    /* EMPTY: sum and count 0, last carries, others NaN */
    o.aggs[0] = TS_AGG_LAST;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.v[2] == 10);
    o.aggs[0] = TS_AGG_MAX;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(isnan(g.v[2]));
    /* reverse, COUNT, bucket timestamps, alignment */
    o.empty = 0;
    o.aggs[0] = TS_AGG_SUM;
    o.reverse = 1;
    o.count = 2;
    o.bucket_ts = TS_BT_END;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.n == 2 && g.ts[0] == 40 && g.v[0] == 12 && g.ts[1] == 20 && g.v[1] == 10);
    o.reverse = 0;
    o.count = -1;
    o.bucket_ts = TS_BT_START;
    o.align = 5;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    /* buckets [0..4] 1, [5..14] 2 3 10, [25..34] 5, [35..44] 7 */
    CHECK(g.n == 4 && g.ts[0] == 0 && g.v[1] == 15 && g.ts[1] == 5 && g.ts[3] == 35);
    /* twa over a line is the line's midpoint */
    TSeries *l = ts_new(4096, TS_ENC_COMPRESSED);
    for (int i = 0; i <= 20; i += 2) ts_add(l, i, i, 0, 0, &up);
    memset(&o, 0, sizeof o);
    o.from = 0;
    o.to = 100;
    o.count = -1;
    o.bucket = 100;
    o.aggs[0] = TS_AGG_TWA;
    o.n_aggs = 1;
    memset(&g, 0, sizeof g);
    ts_range(l, &o, collect, &g);
    CHECK(g.n == 1 && g.v[0] == 10);
    ts_free(l);
    CHECK_EQ_INT(ts_bucket_start(7, 10, 0), 0);
    CHECK_EQ_INT(ts_bucket_start(17, 10, 5), 15);
    CHECK_EQ_INT(ts_bucket_start(3, 10, 5), 0);
    CHECK_EQ_INT(ts_agg_parse("STD.p", 5), TS_AGG_STD_P);
    CHECK_EQ_INT(ts_agg_parse("nope", 4), 0);
    CHECK_EQ_INT(ts_policy_parse("Last", 4), TS_DP_LAST);
    ts_free(s);
}

/* NaN samples: countNaN and countAll count them, the others skip them, and
 * a read feeds them to buckets only when one of its aggregators counts them. */
static void test_nan_counts(void) {
    TSeries *s = ts_new(4096, TS_ENC_COMPRESSED);
    int up;
    /* buckets of 10: [0..9] 1 NaN 3, [10..19] NaN NaN, [20..29] 4 */
    ts_add(s, 1, 1, 0, 0, &up);
    ts_add(s, 2, NAN, 0, 0, &up);
    ts_add(s, 3, 3, 0, 0, &up);
    ts_add(s, 11, NAN, 0, 0, &up);
    ts_add(s, 12, NAN, 0, 0, &up);
    ts_add(s, 21, 4, 0, 0, &up);
    TsRangeOpts o;
    memset(&o, 0, sizeof o);
    o.to = 100;
    o.count = -1;
    o.bucket = 10;
    o.aggs[0] = TS_AGG_AVG;
    o.n_aggs = 1;
    Got g;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.n == 2 && g.ts[0] == 0 && g.v[0] == 2 && g.ts[1] == 20 && g.v[1] == 4);
    o.aggs[0] = TS_AGG_COUNTNAN;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.n == 3 && g.v[0] == 1 && g.ts[1] == 10 && g.v[1] == 2 && g.v[2] == 0);
    o.aggs[0] = TS_AGG_COUNTALL;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.n == 3 && g.v[0] == 3 && g.v[1] == 2 && g.v[2] == 1);
    /* EMPTY buckets count 0 */
    o.bucket = 5;
    o.empty = 1;
    memset(&g, 0, sizeof g);
    ts_range(s, &o, collect, &g);
    CHECK(g.n == 5 && g.ts[1] == 5 && g.v[1] == 0 && g.ts[2] == 10 && g.v[2] == 2);
    /* the running state: a bucket of NaN samples only */
    TsAgg a;
    double v;
    ts_agg_reset(&a, TS_AGG_MAX);
    CHECK(!ts_agg_final(&a, &v));
    ts_agg_add(&a, 1, NAN);
    CHECK(ts_agg_final(&a, &v) && isnan(v));
    ts_agg_add(&a, 2, -5);
    CHECK(ts_agg_final(&a, &v) && v == -5);
    ts_agg_reset(&a, TS_AGG_COUNT);
    ts_agg_add(&a, 1, NAN);
    CHECK(ts_agg_final(&a, &v) && v == 0);
    CHECK(ts_agg_takes_nan(TS_AGG_COUNTNAN) && ts_agg_takes_nan(TS_AGG_COUNTALL) &&
          !ts_agg_takes_nan(TS_AGG_COUNT));
    CHECK_EQ_INT(ts_agg_parse("countNaN", 8), TS_AGG_COUNTNAN);
    CHECK_EQ_INT(ts_agg_parse("COUNTALL", 8), TS_AGG_COUNTALL);
    CHECK(strcmp(ts_agg_name(TS_AGG_COUNTNAN), "COUNTNAN") == 0);
    ts_free(s);
}

int main(void) {
    test_seed("test_tseries");
    for (int r = 0; r < 6; r++) {
        model_run(TS_ENC_COMPRESSED, r < 3 ? 48 : 4096);
        model_run(TS_ENC_UNCOMPRESSED, r < 3 ? 48 : 256);
    }
    test_retention();
    test_ignore();
    test_aggregation();
    test_nan_counts();
    return test_report("test_tseries");
}
