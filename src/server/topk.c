/*
 * topk.c - the bounded top-K of topk.h: a Space-Saving table.
 *
 * Three arrays, all sized once at creation:
 *
 *   entries[capacity]   key copy, hash, weight, error, position in the heap
 *   heap[capacity]      entry indices, a binary min-heap by weight: the root
 *                       is the key a newcomer replaces
 *   slots[2^n >= 2*cap] open-addressing index (linear probing) from a key to
 *                       its entry (index + 1; 0 = empty), deletions by
 *                       backward shift so no tombstones accumulate
 *
 * An add is one probe sequence and one sift of the heap: O(log capacity).
 * Weights only grow, so an entry only ever moves down the min-heap.
 *
 * Rejected: Redis's probabilistic HeavyKeeper (its counts decay at random,
 * so a test cannot know the answer), and an exact unbounded hash (memory
 * grows with the distinct keys of the workload). Keys are client data: the
 * index uses the keyspace's seeded hash so chosen keys cannot pile onto one
 * probe run.
 */
#include "server/topk.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "server/dict.h"

typedef struct TopKEntry {
    char *key;
    size_t len;
    uint64_t hash;
    uint64_t weight;
    uint64_t error;
    uint32_t heap_pos;
} TopKEntry;

struct TopK {
    size_t capacity, n;
    size_t mask; /* slots - 1 */
    uint64_t total;
    TopKEntry *entries;
    uint32_t *heap;
    uint32_t *slots;
};

TopK *topk_new(size_t capacity) {
    assert(capacity >= 1 && capacity < (1u << 30));
    TopK *t = xcalloc(1, sizeof *t);
    size_t nslots = 4;
    while (nslots < capacity * 2) nslots *= 2;
    t->capacity = capacity;
    t->mask = nslots - 1;
    t->entries = xcalloc(capacity, sizeof *t->entries);
    t->heap = xcalloc(capacity, sizeof *t->heap);
    t->slots = xcalloc(nslots, sizeof *t->slots);
    return t;
}

void topk_free(TopK *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) xfree(t->entries[i].key);
    xfree(t->entries);
    xfree(t->heap);
    xfree(t->slots);
    xfree(t);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const TopK *t, const char *key, size_t len, uint64_t h) {
    size_t s = (size_t)h & t->mask;
    for (;;) {
        uint32_t v = t->slots[s];
        if (v == 0) return s;
        const TopKEntry *e = &t->entries[v - 1];
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) return s;
        s = (s + 1) & t->mask;
    }
}

/* Empties slot s, moving back the entries of its probe run that could not
 * otherwise be found (backward-shift deletion). */
static void slot_delete(TopK *t, size_t s) {
    size_t hole = s;
    size_t j = s;
    for (;;) {
        j = (j + 1) & t->mask;
        uint32_t v = t->slots[j];
        if (v == 0) break;
        size_t home = (size_t)t->entries[v - 1].hash & t->mask;
        /* the entry at j may fill the hole if its home is not in (hole, j] */
        int movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            t->slots[hole] = v;
            hole = j;
        }
    }
    t->slots[hole] = 0;
}

static int heavier(const TopK *t, uint32_t a, uint32_t b) {
    return t->entries[a].weight > t->entries[b].weight;
}

static void heap_set(TopK *t, size_t pos, uint32_t idx) {
    t->heap[pos] = idx;
    t->entries[idx].heap_pos = (uint32_t)pos;
}

static void sift_up(TopK *t, size_t pos) {
    uint32_t idx = t->heap[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (!heavier(t, t->heap[parent], idx)) break;
        heap_set(t, pos, t->heap[parent]);
        pos = parent;
    }
    heap_set(t, pos, idx);
}

static void sift_down(TopK *t, size_t pos) {
    uint32_t idx = t->heap[pos];
    for (;;) {
        size_t l = 2 * pos + 1, least = pos;
        uint32_t least_idx = idx;
        if (l < t->n && heavier(t, least_idx, t->heap[l])) least = l, least_idx = t->heap[l];
        if (l + 1 < t->n && heavier(t, least_idx, t->heap[l + 1]))
            least = l + 1, least_idx = t->heap[l + 1];
        if (least == pos) break;
        heap_set(t, pos, least_idx);
        pos = least;
    }
    heap_set(t, pos, idx);
}

void topk_add(TopK *t, const char *key, size_t len, uint64_t w) {
    if (w == 0) return;
    t->total += w;
    uint64_t h = dict_hash(key, len);
    size_t s = slot_of(t, key, len, h);
    if (t->slots[s]) {
        TopKEntry *e = &t->entries[t->slots[s] - 1];
        e->weight += w;
        sift_down(t, e->heap_pos);
        return;
    }
    if (t->n < t->capacity) {
        uint32_t idx = (uint32_t)t->n++;
        TopKEntry *e = &t->entries[idx];
        e->key = xmemdup(key, len);
        e->len = len;
        e->hash = h;
        e->weight = w;
        e->error = 0;
        t->slots[s] = idx + 1;
        t->heap[idx] = idx;
        sift_up(t, idx);
        return;
    }
    /* full: the lightest key gives its place, and its weight, to the newcomer */
    uint32_t idx = t->heap[0];
    TopKEntry *e = &t->entries[idx];
    slot_delete(t, slot_of(t, e->key, e->len, e->hash));
    xfree(e->key);
    e->key = xmemdup(key, len);
    e->len = len;
    e->hash = h;
    e->error = e->weight;
    e->weight += w;
    t->slots[slot_of(t, key, len, h)] = idx + 1;
    sift_down(t, 0);
}

/* Orders items heaviest first, then by key bytes (shorter first on a tie of
 * the common prefix). */
static int item_before(const TopKItem *a, const TopKItem *b) {
    if (a->weight != b->weight) return a->weight > b->weight;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    return c != 0 ? c < 0 : a->len < b->len;
}

size_t topk_list(const TopK *t, TopKItem *out, size_t k) {
    /* k is small (HOTKEYS allows 64): keep the best k by insertion */
    size_t n = 0;
    for (size_t i = 0; i < t->n && k > 0; i++) {
        const TopKEntry *e = &t->entries[i];
        TopKItem it = {e->key, e->len, e->weight, e->error};
        if (n == k && !item_before(&it, &out[n - 1])) continue;
        size_t j = n < k ? n++ : n - 1;
        while (j > 0 && item_before(&it, &out[j - 1])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = it;
    }
    return n;
}

uint64_t topk_total(const TopK *t) {
    return t->total;
}

size_t topk_size(const TopK *t) {
    return t->n;
}

size_t topk_memory(const TopK *t) {
    size_t bytes = sizeof *t + t->capacity * (sizeof *t->entries + sizeof *t->heap) +
                   (t->mask + 1) * sizeof *t->slots;
    for (size_t i = 0; i < t->n; i++) bytes += t->entries[i].len;
    return bytes;
}
