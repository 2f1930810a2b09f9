/*
 * heavykeeper.h - the HeavyKeeper Top-K behind Redis 8's TOPK.* (RedisBloom's
 * TopK-TYPE). Not the HOTKEYS ranking (src/server/topk.h), a Space-Saving
 * table with exact weights.
 *
 * depth rows of width buckets (fingerprint, count) estimate each item's
 * frequency; a min-heap of k entries holds the current top items. A bucket
 * owned by another fingerprint decays: each unit of increment decrements it
 * with probability decay^count, and an emptied bucket changes owner.
 */
#ifndef STREAMD_TYPES_HEAVYKEEPER_H
#define STREAMD_TYPES_HEAVYKEEPER_H

#include <stddef.h>
#include <stdint.h>

#define HK_DECAY_TABLE 256

typedef struct HkBucket {
    uint32_t fp;
    uint32_t count;
} HkBucket;

typedef struct HkEntry {
    uint32_t fp;
    uint32_t count; /* 0: an unused slot */
    char *item;     /* owned; NULL in an unused slot */
    size_t len;
} HkEntry;

typedef struct HeavyKeeper {
    uint32_t k, width, depth;
    double decay;
    HkBucket *buckets; /* depth rows of width */
    HkEntry *heap;     /* k entries, a min-heap on count */
    double decay_pow[HK_DECAY_TABLE];
} HeavyKeeper;

/* Returns an owned empty structure (k, width, depth >= 1; 0 < decay <= 1);
 * free with hk_free(). */
HeavyKeeper *hk_new(uint32_t k, uint32_t width, uint32_t depth, double decay);
void hk_free(HeavyKeeper *h);
HeavyKeeper *hk_dup(const HeavyKeeper *h);
/* Adds increment to item. Returns the item the addition pushed out of the
 * top k (owned: free with xfree(), length in *expelled_len), or NULL. */
char *hk_add(HeavyKeeper *h, const char *item, size_t len, uint32_t increment,
             size_t *expelled_len);
/* Whether item is in the top k. */
int hk_query(const HeavyKeeper *h, const char *item, size_t len);
/* TOPK.COUNT's estimate for item. */
uint32_t hk_count(const HeavyKeeper *h, const char *item, size_t len);
/* Fills out (k entries) with the used heap entries by count, highest first
 * (views into h, valid until its next change); returns how many. */
size_t hk_list(const HeavyKeeper *h, const HkEntry **out);
/* Sizes of the structure: RedisBloom's figure for MEMORY USAGE. */
size_t hk_mem_bytes(const HeavyKeeper *h);
/* Checks the heap entries after a load: 0, or -1 for a slot with a count
 * or a length but no item. */
int hk_check(const HeavyKeeper *h);
void hk_init_decay(HeavyKeeper *h);
/* The fingerprint an item carries in its buckets and heap entry. */
uint32_t hk_fingerprint(const char *item, size_t len);

#endif
