/*
 * topk.h - a bounded top-K of weighted keys (HOTKEYS' ranking structure).
 *
 * The table holds at most `capacity` keys. Weights added to a key already in
 * it are exact. A new key arriving when the table is full replaces the key of
 * least weight and starts from that weight plus its own (the Space-Saving
 * rule): so the table never grows, every key whose true weight exceeds
 * total / capacity is guaranteed to be present, and a key's reported weight
 * overestimates its true weight by at most the weight it inherited (kept as
 * its error). While fewer distinct keys than `capacity` were seen, every
 * weight is exact.
 */
#ifndef STREAMD_TOPK_H
#define STREAMD_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct TopK TopK;

/* One ranked key: a view of the table's copy, valid until the next
 * topk_add() or topk_free(). */
typedef struct TopKItem {
    const char *key;
    size_t len;
    uint64_t weight; /* estimated total weight */
    uint64_t error;  /* at most this much of weight may belong to evicted keys */
} TopKItem;

/* Returns an owned empty table of at most capacity (>= 1) keys; free with
 * topk_free(). */
TopK *topk_new(size_t capacity);
void topk_free(TopK *t);
/* Adds weight w (0 is ignored) to key (borrowed; copied when it enters). */
void topk_add(TopK *t, const char *key, size_t len, uint64_t w);
/* The k heaviest keys into out (room for k), heaviest first, equal weights
 * by key bytes; returns how many (at most k, at most the keys held). */
size_t topk_list(const TopK *t, TopKItem *out, size_t k);
/* Sum of every weight ever added. */
uint64_t topk_total(const TopK *t);
/* Keys held now. */
size_t topk_size(const TopK *t);
/* Bytes the table uses (keys included). */
size_t topk_memory(const TopK *t);

#endif
