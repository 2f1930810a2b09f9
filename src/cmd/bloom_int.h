/*
 * bloom_int.h - what src/cmd/bloom.c (the BF.* and CF.* commands and the
 * configs) and src/cmd/bloom_persist.c (RDB, DUMP and AOF rewrite of the
 * two filter types) share.
 */
#ifndef STREAMD_BLOOM_INT_H
#define STREAMD_BLOOM_INT_H

#include "types/bloom.h"
#include "types/cuckoo.h"

/* RedisBloom's fixed bounds of its configs and command arguments. */
#define BLOOM_CFG_MAX_SIZE       (1LL << 30) /* bf-initial-size, cf-initial-size, capacities */
#define BLOOM_CFG_MAX_EXPANSION  32768       /* bf/cf-expansion-factor, EXPANSION */
#define BLOOM_CFG_MAX_ITERATIONS 65535       /* cf-max-iterations, MAXITERATIONS */
#define BLOOM_CFG_MAX_BUCKET     255         /* cf-bucket-size, BUCKETSIZE */

/* The configs as numbers (src/server/config.c keeps their text). */
typedef struct BloomConfig {
    double bf_error_rate;
    long long bf_initial_size;
    long long bf_expansion_factor;
    long long cf_bucket_size;
    long long cf_initial_size;
    long long cf_max_iterations;
    long long cf_expansion_factor;
    long long cf_max_expansions;
    long long cf_initial_size_min; /* 2 * cf-bucket-size */
    long long cf_bucket_size_max;  /* min(cf-initial-size / 2, 255) */
} BloomConfig;

extern BloomConfig bloom_config;

/* The bounds a Cuckoo filter read back must respect (the current configs). */
void bloom_cuckoo_limits(CuckooLimits *lim);
/* Registers both types' RDB/DUMP and AOF rewrite (bloom_persist.c). */
void bloom_persist_init(void);

#endif
