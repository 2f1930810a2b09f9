/*
 * cms.c - the count-min sketch behind CMS.* (see cms.h).
 *
 * Layout and arithmetic follow RedisBloom so that counts, dimensions and the
 * RDB payload (width, depth, count, then the counters as little-endian
 * 32-bit words) equal Redis 8's. Where RedisBloom once let a counter wrap,
 * this refuses the increment (its later releases do the same: "CMS: INCRBY
 * overflow" with nothing changed); merges check every weighted sum first
 * and change nothing when one falls outside a counter's range.
 */
#include "types/cms.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/murmur.h"

Cms *cms_new(uint64_t width, uint64_t depth) {
    assert(width >= 1 && depth >= 1 && width <= CMS_MAX_CELLS / depth);
    Cms *c = xmalloc(sizeof *c);
    c->width = width;
    c->depth = depth;
    c->count = 0;
    c->cells = xcalloc((size_t)(width * depth), sizeof *c->cells);
    return c;
}

void cms_free(Cms *c) {
    if (!c) return;
    xfree(c->cells);
    xfree(c);
}

Cms *cms_dup(const Cms *c) {
    Cms *d = xmalloc(sizeof *d);
    *d = *c;
    d->cells = xmemdup(c->cells, (size_t)(c->width * c->depth) * sizeof *c->cells);
    return d;
}

int cms_dims_from_prob(double error, double prob, uint64_t *width, uint64_t *depth) {
    assert(error > 0 && error < 1 && prob > 0 && prob < 1);
    /* RedisBloom: width = ceil(2 / error), depth = ceil(log10(prob) /
     * log10(0.5)) computed in single precision (a prob that rounds to 1.0f
     * gives depth 0, refused). */
    double w = ceil(2 / error);
    float num = log10f((float)prob), den = log10f(0.5f);
    double d = ceil((double)(num / den));
    if (!(w >= 1) || !(d >= 1) || w >= 9.2e18 || d >= 9.2e18) return -1;
    *width = (uint64_t)w;
    *depth = (uint64_t)d;
    if (*width > UINT64_MAX / *depth || *width * *depth > (uint64_t)INT64_MAX) return -1;
    return 0;
}

static size_t cell_of(const Cms *c, const char *item, size_t len, uint64_t row) {
    uint32_t h = murmur2(item, len, (uint32_t)row);
    return (size_t)(row * c->width + h % c->width);
}

int cms_incrby(Cms *c, const char *item, size_t len, uint64_t value, uint64_t *out) {
    if (value > (uint64_t)INT64_MAX - c->count) return -1;
    for (uint64_t r = 0; r < c->depth; r++)
        if (value > UINT32_MAX - c->cells[cell_of(c, item, len, r)]) return -1;
    uint64_t min = UINT64_MAX;
    for (uint64_t r = 0; r < c->depth; r++) {
        uint32_t *cell = &c->cells[cell_of(c, item, len, r)];
        /* two rows never share a cell, so each adds exactly once */
        *cell += (uint32_t)value;
        if (*cell < min) min = *cell;
    }
    c->count += value;
    *out = min;
    return 0;
}

uint64_t cms_query(const Cms *c, const char *item, size_t len) {
    uint64_t min = UINT64_MAX;
    for (uint64_t r = 0; r < c->depth; r++) {
        uint32_t v = c->cells[cell_of(c, item, len, r)];
        if (v < min) min = v;
    }
    return min;
}

int cms_merge(Cms *dst, size_t n, const Cms *const *src, const long long *weights) {
    size_t cells = (size_t)(dst->width * dst->depth);
    for (size_t i = 0; i < n; i++)
        assert(src[i]->width == dst->width && src[i]->depth == dst->depth);
    long long total = 0;
    for (size_t i = 0; i < n; i++) {
        long long mul;
        if (src[i]->count > (uint64_t)INT64_MAX ||
            __builtin_mul_overflow((long long)src[i]->count, weights[i], &mul) ||
            __builtin_add_overflow(total, mul, &total))
            return -1;
    }
    if (total < 0) return -1;
    uint32_t *next = xmalloc(cells * sizeof *next);
    for (size_t j = 0; j < cells; j++) {
        long long sum = 0, mul;
        for (size_t i = 0; i < n; i++) {
            if (__builtin_mul_overflow((long long)src[i]->cells[j], weights[i], &mul) ||
                __builtin_add_overflow(sum, mul, &sum)) {
                xfree(next);
                return -1;
            }
        }
        if (sum < 0 || sum > (long long)UINT32_MAX) {
            xfree(next);
            return -1;
        }
        next[j] = (uint32_t)sum;
    }
    xfree(dst->cells);
    dst->cells = next;
    dst->count = (uint64_t)total;
    return 0;
}

size_t cms_mem_bytes(const Cms *c) {
    return sizeof *c + (size_t)(c->width * c->depth) * sizeof *c->cells;
}
