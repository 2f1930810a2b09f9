/*
 * cuckoo.h - the Cuckoo filter behind CF.* (Redis 8's "MBbloomCF" type,
 * RedisBloom's CuckooFilter): 8-bit fingerprints in buckets of bucket_size
 * slots, two candidate buckets per item, eviction on collision, and new,
 * bigger sub-filters when an item cannot be placed.
 *
 * A pure data structure: no clients, no replies, no server state. Bucket
 * choice, fingerprints, eviction order, expansion and compaction follow
 * RedisBloom exactly (see cuckoo.c) so that counts, false positives and
 * CF.SCANDUMP chunks match a real Redis 8.
 */
#ifndef STREAMD_CUCKOO_H
#define STREAMD_CUCKOO_H

#include <stddef.h>
#include <stdint.h>

/* Sub-filter allocations above this are refused (see BLOOM_MAX_LINK_BYTES). */
#define CUCKOO_MAX_SUB_BYTES (UINT64_C(4) << 30)
/* ... and a SCANDUMP header asking for more than this in all is refused. */
#define CUCKOO_MAX_HEADER_BYTES (UINT64_C(16) << 30)
/* RedisBloom keeps a sub-filter's bucket count in 56 bits. */
#define CUCKOO_MAX_BUCKETS ((UINT64_C(1) << 56) - 1)
/* CF.SCANDUMP header: RedisBloom's packed struct, 46 bytes. */
#define CUCKOO_HEADER_BYTES 46

typedef struct CuckooSub {
    uint64_t n_buckets;
    uint8_t *data; /* n_buckets * bucket_size fingerprints, 0 = empty; owned */
} CuckooSub;

typedef struct Cuckoo {
    uint64_t n_buckets; /* of the first sub-filter */
    uint64_t n_items;
    uint64_t n_deletes;
    uint16_t n_filters;
    uint16_t bucket_size;
    uint16_t max_iterations;
    uint16_t expansion; /* a power of two, or 0: never grows */
    CuckooSub *filters;
} Cuckoo;

typedef enum {
    CUCKOO_INSERTED = 1,
    CUCKOO_EXISTS = 0,
    CUCKOO_NOSPACE = -1,
    CUCKOO_NOMEM = -2,
} CuckooInsert;

/* Ranges a filter read back must respect (the cf-* configs). */
typedef struct CuckooLimits {
    uint64_t max_bucket_size, max_filters, max_iterations, max_expansion;
} CuckooLimits;

/* The item's 64-bit hash (MurmurHash64A, seed 0). */
uint64_t cuckoo_hash(const void *item, size_t len);
/* Returns an owned filter with one empty sub-filter, or NULL if too big.
 * capacity >= 2 * bucket_size >= 2. Free with cuckoo_free(). */
Cuckoo *cuckoo_new(uint64_t capacity, uint16_t bucket_size, uint16_t max_iterations,
                   uint16_t expansion);
void cuckoo_free(Cuckoo *cf);
Cuckoo *cuckoo_dup(const Cuckoo *cf);
/* Adds a fingerprint (unique: not if one is already there). */
CuckooInsert cuckoo_insert(Cuckoo *cf, uint64_t hash, int unique);
int cuckoo_check(const Cuckoo *cf, uint64_t hash);
uint64_t cuckoo_count(const Cuckoo *cf, uint64_t hash);
/* Removes one copy of the fingerprint: 1, or 0 if none. */
int cuckoo_delete(Cuckoo *cf, uint64_t hash);
/* Moves fingerprints into older sub-filters, freeing emptied newest ones
 * (cont: go on past a sub-filter that cannot be emptied). */
void cuckoo_compact(Cuckoo *cf, int cont);
/* RedisBloom's size figure (CF.INFO Size, MEMORY USAGE). */
uint64_t cuckoo_mem_usage(const Cuckoo *cf);
/* 0 if cf's parameters are within lim and consistent. */
int cuckoo_validate(const Cuckoo *cf, const CuckooLimits *lim);

/* SCANDUMP header into out[CUCKOO_HEADER_BYTES]. */
void cuckoo_header(const Cuckoo *cf, uint8_t *out);
/* A filter (all slots empty) from a header; NULL if malformed. */
Cuckoo *cuckoo_from_header(const uint8_t *p, size_t len, const CuckooLimits *lim);
/* The chunk at *pos (>= 1), at most max bytes: a view (valid until the next
 * change), *pos advanced; NULL at the end. */
const uint8_t *cuckoo_chunk(const Cuckoo *cf, long long *pos, size_t *len, size_t max);
/* LOADCHUNK: 0, or -1 if the chunk does not fit. */
int cuckoo_load_chunk(Cuckoo *cf, long long pos, const uint8_t *p, size_t len);

#endif
