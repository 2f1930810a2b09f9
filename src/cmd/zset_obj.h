/*
 * zset_obj.h - the sorted set value: members (binary strings) ordered by
 * (score, member bytes), with lookup by member, by rank, by score and by
 * member range. See zset_obj.c for the two representations.
 *
 * Ranks are 0-based in ascending order. Every function that takes a member
 * borrows its bytes; every member handed back is a view valid until the set
 * next changes.
 */
#ifndef STREAMD_ZSET_OBJ_H
#define STREAMD_ZSET_OBJ_H

#include <stddef.h>
#include <stdint.h>

typedef struct Zset Zset;

/* Returns an owned empty set in the packed representation; free with
 * zset_free(). */
Zset *zset_new(void);
void zset_free(Zset *z);
/* Returns an owned deep copy, in the same representation. */
Zset *zset_dup(const Zset *z);
size_t zset_len(const Zset *z);
/* 1 while z is packed (OBJECT ENCODING "listpack"), 0 once indexed ("skiplist"). */
int zset_is_packed(const Zset *z);
/* Switches representation (no-op when already there). */
void zset_to_indexed(Zset *z);
void zset_to_packed(Zset *z);
/* Bytes held by z (MEMORY USAGE). */
size_t zset_mem_usage(const Zset *z);
/* The longest member's length (a linear scan). */
size_t zset_max_member_len(const Zset *z);

/* 1 and *score when member is in z, else 0. */
int zset_score(const Zset *z, const char *m, size_t len, double *score);
/* Sets member's score, adding it when absent: 1 added, 0 it existed. The
 * caller decides representation changes before adding (zset_to_indexed). */
int zset_set(Zset *z, const char *m, size_t len, double score);
/* Removes member: 1 if it was there. */
int zset_del(Zset *z, const char *m, size_t len);
/* member's ascending rank, or -1 when absent. */
long long zset_rank(const Zset *z, const char *m, size_t len);
/* How many elements score below x (strict: 0) or at most x (strict: 1):
 * the first rank of a range starting at x inclusive (0) or exclusive (1). */
size_t zset_rank_by_score(const Zset *z, double x, int or_equal);
/* The same by member bytes, as Redis's lexicographic ranges assume every
 * score is equal: elements whose member is below m (or_equal: at most m). */
size_t zset_rank_by_lex(const Zset *z, const char *m, size_t len, int or_equal);
/* Removes the elements of ranks [start, end). */
void zset_del_range(Zset *z, size_t start, size_t end);

/* A caller-allocated cursor over consecutive ranks, either way. */
typedef struct ZsetIter {
    const Zset *z;
    size_t rank;    /* of the element the next call returns */
    int reverse;    /* walks toward rank 0 */
    void *node;     /* indexed: the next node */
    size_t off;     /* packed forward: byte offset of the next element */
    uint32_t *offs; /* packed reverse: every element's offset (owned) */
} ZsetIter;

/* Starts at rank (which may be zset_len() for an empty walk forward). */
void zset_iter_init(ZsetIter *it, const Zset *z, size_t rank, int reverse);
/* The element at the cursor, moving it on; 0 past either end. */
int zset_iter_next(ZsetIter *it, const char **m, size_t *len, double *score);
void zset_iter_done(ZsetIter *it);

/* A member chosen uniformly at random (z not empty). */
void zset_random(const Zset *z, const char **m, size_t *len, double *score);

/* ZSCAN over an indexed set: visits the members of the buckets at cursor,
 * returns the next cursor (0: done); SCAN's guarantees hold. */
uint64_t zset_scan(const Zset *z, uint64_t cursor,
                   void (*fn)(void *priv, const char *m, size_t len, double score), void *priv);

#endif
