/*
 * tdigest.h - the merging t-digest behind Redis 8's TDIGEST.* (RedisBloom's
 * TDIS-TYPE, built on its t-digest-c library).
 *
 * cap = 6 * compression + 10 centroid slots: merged centroids sorted by mean
 * at the front, then unmerged single additions. When the slots fill up (or a
 * query needs them merged) everything is sorted and neighbours are merged
 * while their combined weight stays within the scale function's bound
 * q(1-q) * 2 pi W log W / compression.
 */
#ifndef STREAMD_TYPES_TDIGEST_H
#define STREAMD_TYPES_TDIGEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct TDigest {
    double compression;
    double min, max; /* DBL_MAX and -DBL_MAX while empty */
    int cap;
    int merged_nodes;
    int unmerged_nodes;
    long long total_compressions;
    long long merged_weight;
    long long unmerged_weight;
    double *mean;      /* cap slots */
    long long *weight; /* cap slots */
} TDigest;

/* The largest compression accepted: its cap stays below 2^24 centroids
 * (256 MiB of them). */
#define TD_MAX_COMPRESSION 2796200

/* Returns an owned empty digest (1 <= compression <= TD_MAX_COMPRESSION);
 * free with td_free(). */
TDigest *td_new(long long compression);
void td_free(TDigest *t);
TDigest *td_dup(const TDigest *t);
void td_reset(TDigest *t);
/* Adds a finite value with a weight; 0, or -1 (nothing changed) on a weight
 * overflow. */
int td_add(TDigest *t, double value, long long weight);
/* Merges the unmerged additions; 0, or -1 on overflow (nothing changed). */
int td_compress(TDigest *t);
/* Adds every centroid of from (compressing both first); 0 or -1. */
int td_merge_into(TDigest *into, TDigest *from);
long long td_size(const TDigest *t);
double td_cdf(TDigest *t, double value);
double td_quantile(TDigest *t, double q);
/* n quantiles in ascending order. */
void td_quantiles(TDigest *t, const double *qs, double *out, size_t n);
double td_trimmed_mean(TDigest *t, double low, double high);
/* RedisBloom's "Memory usage": 8 + 2 * cap * 8. */
size_t td_mem_bytes(const TDigest *t);

#endif
