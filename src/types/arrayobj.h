/*
 * arrayobj.h - the array value type (Redis 8.8's Array): a sparse map from
 * indexes 0 .. 2^64-2 to binary-safe strings, with a count of the stored
 * elements, a logical length (highest index + 1) and the insert cursor that
 * ARINSERT / ARRING / ARSEEK move.
 *
 * A pure data structure (no clients, no replies, no server state); the
 * commands live in src/cmd/array.c. See arrayobj.c for the layout.
 *
 * Views (Slice) returned by lookups and iterators borrow the array: they are
 * valid until the next change of it.
 */
#ifndef STREAMD_ARRAYOBJ_H
#define STREAMD_ARRAYOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef struct ArrayObj ArrayObj;

/* Indexes per slice (a slice is the unit of allocation: the elements of
 * indexes [id * ARRAY_SLICE_SIZE, (id + 1) * ARRAY_SLICE_SIZE)). */
#define ARRAY_SLICE_BITS 12
#define ARRAY_SLICE_SIZE (1u << ARRAY_SLICE_BITS)
/* The highest index an element may have (2^64 - 1 is reserved). */
#define ARRAY_INDEX_MAX (UINT64_MAX - 1)
/* The insert cursor before any insert (and after ARSEEK 0). */
#define ARRAY_CURSOR_NONE UINT64_MAX

/* ARINFO FULL's figures, computed over every slice. */
typedef struct ArrayStats {
    uint64_t n_slices;
    uint64_t dir_cap; /* slots allocated in the slice index */
    uint64_t n_dense, n_sparse;
    uint64_t dense_span_total, dense_count_total, sparse_cap_total;
} ArrayStats;

/* Returns an owned empty array; free with arrayobj_free(). */
ArrayObj *arrayobj_new(void);
void arrayobj_free(ArrayObj *a);
/* Returns an owned deep copy of a (cursor included). */
ArrayObj *arrayobj_dup(const ArrayObj *a);
/* Elements stored (ARCOUNT). */
uint64_t arrayobj_count(const ArrayObj *a);
/* Highest stored index + 1, 0 when empty (ARLEN). */
uint64_t arrayobj_len(const ArrayObj *a);
/* The insert cursor: the index of the last insert, or ARRAY_CURSOR_NONE. */
uint64_t arrayobj_cursor(const ArrayObj *a);
void arrayobj_set_cursor(ArrayObj *a, uint64_t cursor);
/* 1 with *v a view of the element at idx, 0 for a hole. */
int arrayobj_get(const ArrayObj *a, uint64_t idx, Slice *v);
/* Stores a copy of v at idx (<= ARRAY_INDEX_MAX); 1 when the slot was empty,
 * 0 when a value was replaced. */
int arrayobj_set(ArrayObj *a, uint64_t idx, Slice v);
/* Removes the element at idx; 1 when there was one. */
int arrayobj_del(ArrayObj *a, uint64_t idx);
/* Removes every element of [lo, hi] (lo <= hi); returns how many. Work is
 * bounded by the elements removed and the slices touched, not by the span. */
uint64_t arrayobj_del_range(ArrayObj *a, uint64_t lo, uint64_t hi);
/* Bytes allocated for a (MEMORY USAGE). */
size_t arrayobj_mem_bytes(const ArrayObj *a);
/* Allocations a free releases (lazyfree's threshold). */
uint64_t arrayobj_allocs(const ArrayObj *a);
void arrayobj_stats(const ArrayObj *a, ArrayStats *st);

/* Visits the stored elements of [lo, hi] in index order (reverse: from hi
 * down). Caller-allocated; the array must not change during the walk. */
typedef struct ArrayIter {
    const ArrayObj *a;
    uint64_t lo, hi;
    int reverse;
    int done;
    size_t si;   /* the slice being walked */
    int64_t pos; /* the next element in it */
    int started; /* si/pos hold a position */
} ArrayIter;

void arrayobj_iter_init(ArrayIter *it, const ArrayObj *a, uint64_t lo, uint64_t hi, int reverse);
/* 1 with the next element's index and value, 0 at the end. */
int arrayobj_iter_next(ArrayIter *it, uint64_t *idx, Slice *v);

#endif
