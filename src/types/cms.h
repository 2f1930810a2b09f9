/*
 * cms.h - a count-min sketch (Redis 8's CMS.* value, RedisBloom's CMSk-TYPE).
 *
 * depth rows of width 32-bit counters; an item adds to one counter per row
 * (MurmurHash2 of the item, seeded with the row number, modulo width) and
 * its estimate is the least of its counters. count is the sum of every
 * increment. Counters never wrap: an increment that would take one past
 * 2^32-1 is refused whole.
 */
#ifndef STREAMD_TYPES_CMS_H
#define STREAMD_TYPES_CMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct Cms {
    uint64_t width;
    uint64_t depth;
    uint64_t count;  /* sum of all increments (CMS.INFO count) */
    uint32_t *cells; /* depth rows of width counters, row-major */
} Cms;

/* The most counters a sketch may have (16 GiB of them): bigger dimensions
 * are refused as invalid rather than tried. */
#define CMS_MAX_CELLS (UINT64_C(1) << 32)

/* Returns an owned zeroed sketch (width, depth >= 1, width * depth <=
 * CMS_MAX_CELLS); free with cms_free(). */
Cms *cms_new(uint64_t width, uint64_t depth);
void cms_free(Cms *c);
/* Returns an owned deep copy. */
Cms *cms_dup(const Cms *c);
/* CMS.INITBYPROB's dimensions for an error and a probability in (0, 1);
 * 0, or -1 when they come out below 1 or too big to represent. */
int cms_dims_from_prob(double error, double prob, uint64_t *width, uint64_t *depth);
/* Adds value to item's counters; 0 and the new estimate in *out, or -1 (the
 * sketch unchanged) when a counter or the total would overflow. */
int cms_incrby(Cms *c, const char *item, size_t len, uint64_t value, uint64_t *out);
uint64_t cms_query(const Cms *c, const char *item, size_t len);
/* dst = sum of weights[i] * src[i] (all of dst's dimensions; dst may be one
 * of the sources); 0, or -1 with dst unchanged when a counter would leave
 * [0, 2^32-1] or the total [0, 2^63-1]. */
int cms_merge(Cms *dst, size_t n, const Cms *const *src, const long long *weights);
/* Bytes the sketch holds. */
size_t cms_mem_bytes(const Cms *c);

#endif
