/*
 * heavykeeper.c - HeavyKeeper Top-K (see heavykeeper.h).
 *
 * The update rule (an item's own buckets grow by the increment, a contested
 * bucket decays step by step and changes owner when emptied), the heap rule
 * (an item whose estimate reaches the least heap count enters it, expelling
 * that entry), the heap itself (a binary min-heap sifted down from the
 * changed slot, exactly as RedisBloom's, so the same additions leave the
 * same items in the same slots), the fingerprint (MurmurHash2 seed 1919), the
 * per-row hashes (seed = row) and the decay table (decay^n for n < 256,
 * powers of decay^255 beyond) are RedisBloom's as Redis 8 ships it.
 *
 * One deliberate difference: the coin flipped for each decay step. Redis
 * draws it from the C library's rand(), shared with the whole process and
 * seeded at start-up, so which item a collision expels cannot be predicted
 * or replayed. Here the coin is a hash of the structure's own state (the
 * bucket's position, owner and count, the item's fingerprint and the step),
 * so a Top-K is a pure function of the commands applied to it: an AOF
 * replay, a replica, or a reload followed by the same commands reach the
 * same structure. With decay 1 (every step decrements) and wherever no
 * bucket is contested, the results equal Redis 8's exactly.
 */
#include "types/heavykeeper.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/murmur.h"

#define FP_SEED 1919

void hk_init_decay(HeavyKeeper *h) {
    for (uint32_t i = 0; i < HK_DECAY_TABLE; i++) h->decay_pow[i] = pow(h->decay, i);
}

HeavyKeeper *hk_new(uint32_t k, uint32_t width, uint32_t depth, double decay) {
    assert(k >= 1 && width >= 1 && depth >= 1 && decay > 0 && decay <= 1);
    HeavyKeeper *h = xcalloc(1, sizeof *h);
    h->k = k;
    h->width = width;
    h->depth = depth;
    h->decay = decay;
    h->buckets = xcalloc((size_t)width * depth, sizeof *h->buckets);
    h->heap = xcalloc(k, sizeof *h->heap);
    hk_init_decay(h);
    return h;
}

void hk_free(HeavyKeeper *h) {
    if (!h) return;
    for (uint32_t i = 0; i < h->k; i++) xfree(h->heap[i].item);
    xfree(h->heap);
    xfree(h->buckets);
    xfree(h);
}

HeavyKeeper *hk_dup(const HeavyKeeper *h) {
    HeavyKeeper *d = xmalloc(sizeof *d);
    *d = *h;
    d->buckets = xmemdup(h->buckets, (size_t)h->width * h->depth * sizeof *h->buckets);
    d->heap = xmemdup(h->heap, (size_t)h->k * sizeof *h->heap);
    for (uint32_t i = 0; i < h->k; i++)
        if (h->heap[i].item) d->heap[i].item = xmemdup(h->heap[i].item, h->heap[i].len + 1);
    return d;
}

/* Restores the min-heap below start after start's count grew. */
static void sift_down(HkEntry *a, size_t n, size_t start) {
    if (n < 2 || (n - 2) / 2 < start) return;
    size_t child = 2 * start + 1;
    if (child + 1 < n && a[child].count > a[child + 1].count) child++;
    if (a[child].count > a[start].count) return;
    HkEntry top = a[start];
    do {
        a[start] = a[child];
        start = child;
        if ((n - 2) / 2 < child) break;
        child = 2 * child + 1;
        if (child + 1 < n && a[child].count > a[child + 1].count) child++;
    } while (a[child].count < top.count);
    a[start] = top;
}

static HkEntry *find(const HeavyKeeper *h, const char *item, size_t len, uint32_t fp) {
    for (uint32_t i = 0; i < h->k; i++) {
        HkEntry *e = &h->heap[i];
        if (e->item && e->fp == fp && e->len == len && memcmp(e->item, item, len) == 0) return e;
    }
    return NULL;
}

static double decay_chance(const HeavyKeeper *h, uint32_t count) {
    if (count < HK_DECAY_TABLE) return h->decay_pow[count];
    /* decay^count from the table: (decay^255)^(count/255) * decay^(count%255) */
    return pow(h->decay_pow[HK_DECAY_TABLE - 1], (double)(count / (HK_DECAY_TABLE - 1))) *
           h->decay_pow[count % (HK_DECAY_TABLE - 1)];
}

/* The coin for one decay step, in [0, 1): a hash of the state it decides. */
static double coin(size_t pos, uint32_t owner, uint32_t count, uint32_t fp, uint32_t step) {
    uint32_t words[5] = {(uint32_t)pos, owner, count, fp, step};
    uint32_t a = murmur2(words, sizeof words, 0x9e3779b9u);
    uint32_t b = murmur2(words, sizeof words, a);
    uint64_t bits = ((uint64_t)a << 32 | b) >> 11;
    return (double)bits / 9007199254740992.0;
}

char *hk_add(HeavyKeeper *h, const char *item, size_t len, uint32_t increment,
             size_t *expelled_len) {
    uint32_t fp = murmur2(item, len, FP_SEED);
    uint32_t max_count = 0;
    uint32_t heap_min = h->heap[0].count;
    for (uint32_t r = 0; r < h->depth; r++) {
        size_t pos = (size_t)r * h->width + murmur2(item, len, r) % h->width;
        HkBucket *b = &h->buckets[pos];
        if (b->count == 0) {
            b->fp = fp;
            b->count = increment;
        } else if (b->fp == fp) {
            b->count += increment;
        } else {
            for (uint32_t left = increment; left > 0; left--) {
                if (coin(pos, b->fp, b->count, fp, left) < decay_chance(h, b->count)) {
                    b->count--;
                    if (b->count == 0) {
                        b->fp = fp;
                        b->count = left;
                        break;
                    }
                }
            }
            if (b->fp != fp) continue;
        }
        if (b->count > max_count) max_count = b->count;
    }
    if (max_count < heap_min) return NULL;
    HkEntry *in_heap = find(h, item, len, fp);
    if (in_heap) {
        in_heap->count = max_count; /* not the larger of the two: it may have decayed */
        sift_down(h->heap, h->k, (size_t)(in_heap - h->heap));
        return NULL;
    }
    /* an equal count takes the least one's place too */
    char *expelled = h->heap[0].item;
    *expelled_len = h->heap[0].len;
    h->heap[0].count = max_count;
    h->heap[0].fp = fp;
    h->heap[0].item = xmalloc(len + 1);
    memcpy(h->heap[0].item, item, len);
    h->heap[0].item[len] = '\0';
    h->heap[0].len = len;
    sift_down(h->heap, h->k, 0);
    return expelled;
}

uint32_t hk_fingerprint(const char *item, size_t len) {
    return murmur2(item, len, FP_SEED);
}

int hk_query(const HeavyKeeper *h, const char *item, size_t len) {
    return find(h, item, len, murmur2(item, len, FP_SEED)) != NULL;
}

uint32_t hk_count(const HeavyKeeper *h, const char *item, size_t len) {
    uint32_t fp = murmur2(item, len, FP_SEED);
    uint32_t heap_min = h->heap[0].count;
    const HkEntry *in_heap = find(h, item, len, fp);
    uint32_t res = 0;
    for (uint32_t r = 0; r < h->depth; r++) {
        const HkBucket *b = &h->buckets[(size_t)r * h->width + murmur2(item, len, r) % h->width];
        if (b->fp == fp && (in_heap == NULL || b->count >= heap_min) && b->count > res)
            res = b->count;
    }
    return res;
}

size_t hk_list(const HeavyKeeper *h, const HkEntry **out) {
    size_t n = 0;
    for (uint32_t i = 0; i < h->k; i++)
        if (h->heap[i].count > 0) out[n++] = &h->heap[i];
    /* insertion sort, stable: equal counts keep their heap order */
    for (size_t i = 1; i < n; i++) {
        const HkEntry *e = out[i];
        size_t j = i;
        while (j > 0 && out[j - 1]->count < e->count) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = e;
    }
    return n;
}

size_t hk_mem_bytes(const HeavyKeeper *h) {
    /* RedisBloom's TopKMemUsage: its struct (with the 256-entry table), the
     * buckets and 24-byte heap entries */
    return 2088 + (size_t)h->width * h->depth * sizeof(HkBucket) + (size_t)h->k * 24;
}

int hk_check(const HeavyKeeper *h) {
    for (uint32_t i = 0; i < h->k; i++) {
        const HkEntry *e = &h->heap[i];
        if (!e->item && (e->count != 0 || e->len != 0)) return -1;
        /* no heap-order check: an entry whose buckets decayed gets its lower
         * count back in place (sifted down only), as RedisBloom leaves it */
    }
    return 0;
}
