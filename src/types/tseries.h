/*
 * tseries.h - the time series value type (Redis 8's TSDB-TYPE): samples of
 * (timestamp in ms, double) in timestamp order, kept in chunks, with a
 * retention window, a duplicate policy and an ignore window, and the
 * aggregators of TS.RANGE / compaction rules.
 *
 * A pure data structure (no clients, no replies, no server state); the
 * commands, labels and compaction rules live in src/cmd/tseries.c. See
 * tseries.c for the chunk layout and tseries_agg.c for the aggregators.
 */
#ifndef STREAMD_TSERIES_H
#define STREAMD_TSERIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct TsSample {
    int64_t ts;
    double v;
} TsSample;

enum { TS_ENC_COMPRESSED = 0, TS_ENC_UNCOMPRESSED = 1 };

/* TS_DP_NONE: the series has no policy of its own (the global one applies). */
enum { TS_DP_NONE = 0, TS_DP_BLOCK, TS_DP_FIRST, TS_DP_LAST, TS_DP_MIN, TS_DP_MAX, TS_DP_SUM };

/* Results of ts_add(). */
enum {
    TS_ADDED = 0,    /* appended or upserted */
    TS_IGNORED = 1,  /* inside the ignore window: nothing changed */
    TS_ERR_OLD = -1, /* older than the retention window */
    TS_ERR_DUP = -2, /* a duplicate the policy refuses */
};

/* Chunk sizes a series may have (CHUNK_SIZE, ts-chunk-size-bytes). */
#define TS_CHUNK_MIN 48
#define TS_CHUNK_MAX 1048576

typedef struct TsChunk TsChunk;

typedef struct TSeries {
    int64_t retention_ms; /* 0: keep everything */
    uint32_t chunk_bytes; /* capacity of a chunk's sample data */
    uint8_t encoding;     /* TS_ENC_* */
    uint8_t dup_policy;   /* TS_DP_* */
    int64_t ignore_max_time_diff;
    double ignore_max_val_diff;
    uint64_t n_samples; /* stored, the ones past retention not yet dropped included */
    TsChunk **chunks;   /* in timestamp order, none empty */
    size_t n_chunks, cap_chunks;
} TSeries;

/* Returns an owned empty series; free with ts_free(). */
TSeries *ts_new(uint32_t chunk_bytes, int encoding);
void ts_free(TSeries *s);
/* Returns an owned deep copy. */
TSeries *ts_dup(const TSeries *s);

/* Policy names ("block", ...) and parsing (case-insensitive; 0 unknown). */
const char *ts_policy_name(int dp);
int ts_policy_parse(const char *p, size_t len);

/* The newest sample; 0 when the series is empty. */
int ts_last(const TSeries *s, TsSample *out);
/* The oldest timestamp inside the retention window (0 if none). */
int64_t ts_min_valid(const TSeries *s);
/* Samples inside the retention window and the first of them (TS.INFO). */
uint64_t ts_count_valid(const TSeries *s, int64_t *first_ts);

/* Adds (ts, v) with duplicate policy dp (TS_DP_BLOCK when none applies) and
 * the series' ignore window (apply_ignore: not for a compaction's
 * destination). Appends after the newest sample, upserts otherwise. On
 * TS_ADDED *was_upsert says which, and *old (when upserting onto an existing
 * timestamp) is set; returns TS_ADDED, TS_IGNORED or a TS_ERR_*. */
int ts_add(TSeries *s, int64_t ts, double v, int dp, int apply_ignore, int *was_upsert);
/* Appends after the newest sample unconditionally (loading): ts must be
 * greater than the newest timestamp. */
void ts_append(TSeries *s, int64_t ts, double v);
/* Appends samples[0..n) (sorted, all newer than the newest sample) as
 * chunks of their own (loading: keeps the chunk boundaries a dump had). */
void ts_append_chunk(TSeries *s, const TsSample *samples, size_t n);
/* Drops the chunks wholly before the retention window. */
void ts_trim(TSeries *s);
/* Deletes the samples of [from, to]; returns how many. */
uint64_t ts_del_range(TSeries *s, int64_t from, int64_t to);
/* Bytes allocated for s. */
size_t ts_mem_bytes(const TSeries *s);

/* TS.INFO DEBUG's view of chunk i. */
void ts_chunk_info(const TSeries *s, size_t i, int64_t *first, int64_t *last, uint64_t *n,
                   size_t *bytes);

/* Decodes chunk i's samples (all of them, retention ignored) into out,
 * which has room for its n (see ts_chunk_info). */
void ts_chunk_samples(const TSeries *s, size_t i, TsSample *out);

/* Walks the samples of [from, to] in order (reverse: newest first).
 * Caller-allocated; the series must not change during the walk. */
typedef struct TsIter {
    const TSeries *s;
    int64_t from, to;
    int reverse, done;
    size_t ci;     /* chunk being walked */
    TsSample *buf; /* its samples, decoded */
    size_t buf_cap, n, pos;
} TsIter;

void ts_iter_init(TsIter *it, const TSeries *s, int64_t from, int64_t to, int reverse);
int ts_iter_next(TsIter *it, TsSample *out);
void ts_iter_done(TsIter *it);

/* ---- aggregation (tseries_agg.c) ----------------------------------------- */

enum {
    TS_AGG_NONE = 0,
    TS_AGG_AVG,
    TS_AGG_SUM,
    TS_AGG_MIN,
    TS_AGG_MAX,
    TS_AGG_RANGE,
    TS_AGG_COUNT,
    TS_AGG_FIRST,
    TS_AGG_LAST,
    TS_AGG_STD_P,
    TS_AGG_STD_S,
    TS_AGG_VAR_P,
    TS_AGG_VAR_S,
    TS_AGG_TWA,
    TS_AGG_COUNTNAN, /* Redis 8.6: the NaN samples */
    TS_AGG_COUNTALL, /* Redis 8.6: every sample, NaN or not */
    TS_AGG_COUNT_TYPES
};

/* The running state of one bucket. */
typedef struct TsAgg {
    int type;
    uint64_t count; /* the samples that are numbers: every aggregator but the
                     * two below ignores NaN samples */
    uint64_t n_nan; /* the NaN ones (countNaN, countAll) */
    double sum, sum2, min, max, first, last;
    int overflow; /* avg: sum overflowed; sum holds the running mean */
    /* twa */
    double twa_res;
    int64_t twa_prev_ts, twa_first_ts, twa_last_ts, bucket_start, bucket_end;
    double twa_prev_v;
    int twa_has_prev; /* a sample before the bucket is known */
} TsAgg;

/* "avg", "std.p", ... (case-insensitive) to TS_AGG_*, 0 unknown. */
int ts_agg_parse(const char *p, size_t len);
/* Upper-case name ("AVG", "STD.P") as TS.INFO and rule keys show it. */
const char *ts_agg_name(int type);
/* Lower-case name, as MRANGE's RESP3 "aggregators" shows it. */
const char *ts_agg_name_lower(int type);
void ts_agg_reset(TsAgg *a, int type);
void ts_agg_add(TsAgg *a, int64_t ts, double v);
/* Whether aggregator type counts NaN samples (countNaN, countAll): the
 * readers and compaction rules feed NaN samples only to those. */
int ts_agg_takes_nan(int type);
/* The bucket's value; 0 when it has none (no samples). A bucket of NaN
 * samples only is NaN, except for the counts. */
int ts_agg_final(const TsAgg *a, double *out);
/* The value EMPTY reports for a bucket with no samples, given the last value
 * seen before it (has_last 0: none). */
double ts_agg_empty_value(int type, int has_last, double last);

/* One rule of ts-compaction-policy, "agg:bucket:retention[:alignment]" with
 * durations as a number and a unit (m ms, s, M minutes, h, d; none: ms). */
typedef struct TsPolicyRule {
    int agg;
    int64_t bucket, retention, align;
} TsPolicyRule;
#define TS_MAX_POLICY_RULES 32
/* Parses a ';'-separated policy (empty: none) into out; the rule count, or
 * -1 when it is malformed. */
int ts_policy_rules_parse(const char *p, TsPolicyRule *out, int max);

/* The start of the bucket of ts for buckets of `bucket` ms aligned to align
 * (never below 0). */
int64_t ts_bucket_start(int64_t ts, int64_t bucket, int64_t align);

/* A range query (TS.RANGE / TS.REVRANGE / MRANGE): the samples of [from, to]
 * that pass the filters, raw or aggregated into buckets by up to
 * TS_MAX_AGGS aggregators at once (one value each per bucket), oldest first
 * unless reverse, at most count of them (-1: all). EMPTY reports the empty
 * buckets between samples of the whole series that pass the filters (the
 * range does not limit that search): a window inside a gap is filled. */
#define TS_MAX_AGGS 16
enum { TS_BT_START = 0, TS_BT_END, TS_BT_MID };
typedef struct TsRangeOpts {
    int64_t from, to;
    int reverse;
    const int64_t *filter_ts; /* FILTER_BY_TS: sorted ascending, no duplicates */
    size_t n_filter_ts;
    int has_filter_ts;
    int has_val_filter;
    double val_min, val_max;
    long long count;
    int aggs[TS_MAX_AGGS]; /* TS_AGG_* */
    int n_aggs;            /* 0: raw samples */
    int64_t bucket, align;
    int bucket_ts; /* TS_BT_* */
    int empty;
    int has_extra; /* LATEST: one more sample, newer than every stored one */
    TsSample extra;
} TsRangeOpts;

/* Most empty buckets EMPTY may build for one read (a reverse read keeps
 * every row until the end): a wider fill is refused by ts_range_check(). */
#define TS_MAX_FILL_BUCKETS 1000000
/* 0, or -1 when the read would build more than TS_MAX_FILL_BUCKETS rows of
 * empty buckets. Call before ts_range(). */
int ts_range_check(const TSeries *s, const TsRangeOpts *o);

/* Receives each result: a timestamp and n values (1 for raw samples);
 * returns 0 to go on. */
typedef int (*TsEmitFn)(void *priv, int64_t ts, const double *v, int n);
void ts_range(const TSeries *s, const TsRangeOpts *o, TsEmitFn emit, void *priv);

#endif
