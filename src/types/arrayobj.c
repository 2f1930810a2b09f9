/*
 * arrayobj.c - the array value type: a sparse array of strings over the
 * index space 0 .. 2^64-2.
 *
 * Layout. The index space is cut into aligned slices of ARRAY_SLICE_SIZE
 * (4096) indexes, as Redis 8.8 cuts it (so ARINFO's slice count agrees). Only
 * slices holding at least one element exist; they sit in a sorted vector of
 * pointers (the directory), found by binary search on the slice id
 * (index >> 12). A slice packs its elements in index order:
 *
 *   off[n]   uint16  offset of element i in the slice (low 12 bits); bit 15
 *                    set: the value lives out of line (see below)
 *   end[n]   uint32  where element i's bytes end in data; element i starts
 *                    at end[i-1] (0 for the first)
 *   data     bytes   the values back to back, no separator
 *
 * so an element costs 6 bytes plus its value, whether the slice is dense or
 * sparse, and a lookup is two binary searches. Values longer than
 * ARRAY_BIG_VALUE are kept in a block of their own and data holds a pointer
 * to it: that bounds a slice's data to 4096 * ARRAY_BIG_VALUE bytes, which
 * keeps end[] at 32 bits, and keeps the memmove of an insert in the middle
 * of a slice small.
 *
 * Alternatives rejected: Redis's tagged words (8 bytes per slot of a dense
 * window plus a heap block per value of 8 bytes or more) cost more for the
 * common short strings and need a dense/sparse switch per slice; a radix tree
 * of single elements costs a node per element. The sorted directory makes a
 * new slice in the middle O(slices) to insert; arrays written mostly in
 * order (ARINSERT, ARRING, ranges) add slices at the end.
 *
 * Invariants: every slice has n >= 1; off[] strictly increasing (low 12
 * bits); end[] non-decreasing, end[n-1] == used; directory sorted by id with
 * no duplicates; count == the sum of every slice's n.
 */
#include "types/arrayobj.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"

#define OFF_MASK 0x0fffu
#define OFF_BIG  0x8000u
/* Values longer than this live in a block of their own. */
#define ARRAY_BIG_VALUE 16384

typedef struct ArSlice {
    uint64_t id;
    uint32_t n, cap;         /* elements, capacity of off[] and end[] */
    uint32_t used, data_cap; /* bytes of data in use, allocated */
    uint32_t *end;           /* one block: end[cap] then off[cap] */
    uint16_t *off;
    char *data;
} ArSlice;

/* An out-of-line value: its length, then its bytes. */
typedef struct BigValue {
    size_t len;
    char bytes[];
} BigValue;

struct ArrayObj {
    uint64_t count;
    uint64_t cursor;
    ArSlice **dir; /* sorted by id */
    size_t n_dir, cap_dir;
};

/* ---- slices ---------------------------------------------------------------- */

static uint32_t el_start(const ArSlice *s, uint32_t i) {
    return i ? s->end[i - 1] : 0;
}

static uint32_t el_off(const ArSlice *s, uint32_t i) {
    return s->off[i] & OFF_MASK;
}

static BigValue *el_big(const ArSlice *s, uint32_t i) {
    BigValue *b;
    memcpy(&b, s->data + el_start(s, i), sizeof b);
    return b;
}

static Slice el_value(const ArSlice *s, uint32_t i) {
    if (s->off[i] & OFF_BIG) {
        BigValue *b = el_big(s, i);
        return slice_of(b->bytes, b->len);
    }
    uint32_t st = el_start(s, i);
    if (s->end[i] == st) return slice_of("", 0); /* data may not exist yet */
    return slice_of(s->data + st, s->end[i] - st);
}

/* First position whose offset is >= o (n when none). */
static uint32_t lower_bound(const ArSlice *s, uint32_t o) {
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (el_off(s, mid) < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static ArSlice *slice_new(uint64_t id) {
    ArSlice *s = xcalloc(1, sizeof *s);
    s->id = id;
    return s;
}

static void slice_free(ArSlice *s) {
    for (uint32_t i = 0; i < s->n; i++)
        if (s->off[i] & OFF_BIG) xfree(el_big(s, i));
    xfree(s->end);
    xfree(s->data);
    xfree(s);
}

/* Reallocates off[]/end[] for cap elements (cap >= n). */
static void slice_resize_index(ArSlice *s, uint32_t cap) {
    assert(cap >= s->n);
    uint32_t *blk = xmalloc((size_t)cap * (sizeof(uint32_t) + sizeof(uint16_t)));
    uint16_t *off = (uint16_t *)(blk + cap);
    if (s->n) {
        memcpy(blk, s->end, s->n * sizeof(uint32_t));
        memcpy(off, s->off, s->n * sizeof(uint16_t));
    }
    xfree(s->end);
    s->end = blk;
    s->off = off;
    s->cap = cap;
}

static void slice_resize_data(ArSlice *s, uint32_t cap) {
    assert(cap >= s->used);
    s->data = xrealloc(s->data, cap ? cap : 1);
    s->data_cap = cap;
}

/* Makes room for one more element and extra more data bytes. */
static void slice_reserve(ArSlice *s, uint32_t extra) {
    if (s->n == s->cap) {
        /* from one: a slice of a scattered array often holds one element */
        uint32_t c = s->cap ? s->cap * 2 : 1;
        if (c > ARRAY_SLICE_SIZE) c = ARRAY_SLICE_SIZE;
        slice_resize_index(s, c);
    }
    if (s->used + extra > s->data_cap) {
        uint64_t want = (uint64_t)s->used + extra;
        uint64_t c = (uint64_t)s->data_cap + s->data_cap / 2;
        if (c < want) c = want;
        slice_resize_data(s, (uint32_t)c);
    }
}

/* Gives memory back after removals. */
static void slice_shrink(ArSlice *s) {
    if (s->cap > 8 && s->n < s->cap / 4) slice_resize_index(s, s->n * 2);
    if (s->data_cap > 64 && s->used < s->data_cap / 4) slice_resize_data(s, s->used * 2);
}

/* The bytes element data holds for v: v itself, or a pointer to a copy. */
static uint32_t stored_len(Slice v) {
    return v.len > ARRAY_BIG_VALUE ? (uint32_t)sizeof(BigValue *) : (uint32_t)v.len;
}

static void write_value(ArSlice *s, uint32_t i, uint32_t at, Slice v) {
    if (v.len > ARRAY_BIG_VALUE) {
        BigValue *b = xmalloc(sizeof *b + v.len);
        b->len = v.len;
        memcpy(b->bytes, v.p, v.len);
        memcpy(s->data + at, &b, sizeof b);
        s->off[i] |= OFF_BIG;
    } else {
        if (v.len) memcpy(s->data + at, v.p, v.len);
        s->off[i] &= (uint16_t)~OFF_BIG;
    }
}

/* Opens (delta > 0) or closes (delta < 0) a gap in data at byte at, and
 * moves the ends of elements from..n-1 with it. */
static void shift_data(ArSlice *s, uint32_t at, int64_t delta, uint32_t from) {
    uint32_t tail = s->used - at;
    if (delta > 0) {
        memmove(s->data + at + delta, s->data + at, tail);
    } else if (delta < 0) {
        memmove(s->data + at, s->data + at - delta, tail + delta);
    }
    s->used = (uint32_t)((int64_t)s->used + delta);
    for (uint32_t j = from; j < s->n; j++) s->end[j] = (uint32_t)((int64_t)s->end[j] + delta);
}

/* Sets offset o of s to v; 1 when it was empty. */
static int slice_set(ArSlice *s, uint32_t o, Slice v) {
    uint32_t pos = lower_bound(s, o);
    uint32_t len = stored_len(v);
    if (pos < s->n && el_off(s, pos) == o) {
        uint32_t st = el_start(s, pos);
        uint32_t old = s->end[pos] - st;
        if (s->off[pos] & OFF_BIG) xfree(el_big(s, pos));
        if (len > old) slice_reserve(s, len - old);
        /* grow: open the gap after the old bytes; shrink: drop the bytes
         * past the new end. The ends from pos on (its own too) move. */
        shift_data(s, len > old ? s->end[pos] : st + len, (int64_t)len - old, pos);
        write_value(s, pos, st, v);
        return 0;
    }
    slice_reserve(s, len);
    uint32_t st = el_start(s, pos);
    memmove(s->end + pos + 1, s->end + pos, (s->n - pos) * sizeof(uint32_t));
    memmove(s->off + pos + 1, s->off + pos, (s->n - pos) * sizeof(uint16_t));
    s->n++;
    s->end[pos] = st;
    s->off[pos] = (uint16_t)o;
    shift_data(s, st, len, pos);
    write_value(s, pos, st, v);
    return 1;
}

/* Removes positions [p, q) of s. */
static void slice_remove(ArSlice *s, uint32_t p, uint32_t q) {
    assert(p < q && q <= s->n);
    for (uint32_t i = p; i < q; i++)
        if (s->off[i] & OFF_BIG) xfree(el_big(s, i));
    uint32_t st = el_start(s, p);
    uint32_t bytes = s->end[q - 1] - st;
    uint32_t k = q - p;
    memmove(s->end + p, s->end + q, (s->n - q) * sizeof(uint32_t));
    memmove(s->off + p, s->off + q, (s->n - q) * sizeof(uint16_t));
    s->n -= k;
    shift_data(s, st, -(int64_t)bytes, p);
    slice_shrink(s);
}

static ArSlice *slice_dup(const ArSlice *s) {
    ArSlice *d = slice_new(s->id);
    slice_resize_index(d, s->n);
    slice_resize_data(d, s->used);
    memcpy(d->end, s->end, s->n * sizeof(uint32_t));
    memcpy(d->off, s->off, s->n * sizeof(uint16_t));
    if (s->used) memcpy(d->data, s->data, s->used);
    d->n = s->n;
    d->used = s->used;
    for (uint32_t i = 0; i < d->n; i++) {
        if (!(d->off[i] & OFF_BIG)) continue;
        BigValue *b = el_big(s, i);
        BigValue *c = xmemdup(b, sizeof *b + b->len);
        memcpy(d->data + el_start(d, i), &c, sizeof c);
    }
    return d;
}

/* ---- the directory --------------------------------------------------------- */

/* First directory position whose slice id is >= id (n_dir when none). */
static size_t dir_lower_bound(const ArrayObj *a, uint64_t id) {
    size_t lo = 0, hi = a->n_dir;
    if (hi && a->dir[hi - 1]->id < id) return hi; /* appends: the common case */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->dir[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static ArSlice *dir_find(const ArrayObj *a, uint64_t id, size_t *at) {
    size_t p = dir_lower_bound(a, id);
    if (at) *at = p;
    return p < a->n_dir && a->dir[p]->id == id ? a->dir[p] : NULL;
}

static void dir_insert(ArrayObj *a, size_t at, ArSlice *s) {
    if (a->n_dir == a->cap_dir) {
        a->cap_dir = a->cap_dir ? a->cap_dir * 2 : 1;
        a->dir = xrealloc(a->dir, a->cap_dir * sizeof *a->dir);
    }
    memmove(a->dir + at + 1, a->dir + at, (a->n_dir - at) * sizeof *a->dir);
    a->dir[at] = s;
    a->n_dir++;
}

/* Removes directory entries [p, q) (their slices are already freed). */
static void dir_remove(ArrayObj *a, size_t p, size_t q) {
    memmove(a->dir + p, a->dir + q, (a->n_dir - q) * sizeof *a->dir);
    a->n_dir -= q - p;
    if (a->n_dir == 0) {
        xfree(a->dir);
        a->dir = NULL;
        a->cap_dir = 0;
    } else if (a->cap_dir > 8 && a->n_dir < a->cap_dir / 4) {
        a->cap_dir = a->n_dir * 2;
        a->dir = xrealloc(a->dir, a->cap_dir * sizeof *a->dir);
    }
}

/* ---- the array ------------------------------------------------------------- */

ArrayObj *arrayobj_new(void) {
    ArrayObj *a = xcalloc(1, sizeof *a);
    a->cursor = ARRAY_CURSOR_NONE;
    return a;
}

void arrayobj_free(ArrayObj *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n_dir; i++) slice_free(a->dir[i]);
    xfree(a->dir);
    xfree(a);
}

ArrayObj *arrayobj_dup(const ArrayObj *a) {
    ArrayObj *d = arrayobj_new();
    d->count = a->count;
    d->cursor = a->cursor;
    if (a->n_dir) {
        d->cap_dir = a->n_dir;
        d->dir = xmalloc(d->cap_dir * sizeof *d->dir);
        for (size_t i = 0; i < a->n_dir; i++) d->dir[i] = slice_dup(a->dir[i]);
        d->n_dir = a->n_dir;
    }
    return d;
}

uint64_t arrayobj_count(const ArrayObj *a) {
    return a->count;
}

uint64_t arrayobj_len(const ArrayObj *a) {
    if (!a->n_dir) return 0;
    const ArSlice *s = a->dir[a->n_dir - 1];
    return (s->id << ARRAY_SLICE_BITS) + el_off(s, s->n - 1) + 1;
}

uint64_t arrayobj_cursor(const ArrayObj *a) {
    return a->cursor;
}

void arrayobj_set_cursor(ArrayObj *a, uint64_t cursor) {
    a->cursor = cursor;
}

int arrayobj_get(const ArrayObj *a, uint64_t idx, Slice *v) {
    const ArSlice *s = dir_find(a, idx >> ARRAY_SLICE_BITS, NULL);
    if (!s) return 0;
    uint32_t o = (uint32_t)(idx & OFF_MASK);
    uint32_t pos = lower_bound(s, o);
    if (pos == s->n || el_off(s, pos) != o) return 0;
    *v = el_value(s, pos);
    return 1;
}

int arrayobj_set(ArrayObj *a, uint64_t idx, Slice v) {
    assert(idx <= ARRAY_INDEX_MAX);
    size_t at;
    uint64_t id = idx >> ARRAY_SLICE_BITS;
    ArSlice *s = dir_find(a, id, &at);
    if (!s) {
        s = slice_new(id);
        dir_insert(a, at, s);
    }
    int added = slice_set(s, (uint32_t)(idx & OFF_MASK), v);
    a->count += (uint64_t)added;
    return added;
}

int arrayobj_del(ArrayObj *a, uint64_t idx) {
    size_t at;
    ArSlice *s = dir_find(a, idx >> ARRAY_SLICE_BITS, &at);
    if (!s) return 0;
    uint32_t o = (uint32_t)(idx & OFF_MASK);
    uint32_t pos = lower_bound(s, o);
    if (pos == s->n || el_off(s, pos) != o) return 0;
    a->count--;
    if (s->n == 1) {
        slice_free(s);
        dir_remove(a, at, at + 1);
        return 1;
    }
    slice_remove(s, pos, pos + 1);
    return 1;
}

uint64_t arrayobj_del_range(ArrayObj *a, uint64_t lo, uint64_t hi) {
    assert(lo <= hi);
    uint64_t lo_id = lo >> ARRAY_SLICE_BITS, hi_id = hi >> ARRAY_SLICE_BITS;
    size_t first = dir_lower_bound(a, lo_id);
    size_t i = first, drop_from = SIZE_MAX, drop_to = SIZE_MAX;
    uint64_t removed = 0;
    /* slices wholly inside the range are freed, then cut out of the
     * directory in one move; the partial ones (first, last) shrink */
    while (i < a->n_dir && a->dir[i]->id <= hi_id) {
        ArSlice *s = a->dir[i];
        uint32_t p = s->id == lo_id ? lower_bound(s, (uint32_t)(lo & OFF_MASK)) : 0;
        uint32_t q = s->id == hi_id ? lower_bound(s, (uint32_t)(hi & OFF_MASK) + 1) : s->n;
        if (p < q) {
            removed += q - p;
            if (p == 0 && q == s->n) {
                slice_free(s);
                a->dir[i] = NULL;
                if (drop_from == SIZE_MAX) drop_from = i;
                drop_to = i + 1;
            } else {
                slice_remove(s, p, q);
            }
        }
        i++;
    }
    if (drop_from != SIZE_MAX) {
        /* the freed slices are contiguous: only the first and the last slice
         * of the range can survive */
        dir_remove(a, drop_from, drop_to);
    }
    a->count -= removed;
    return removed;
}

size_t arrayobj_mem_bytes(const ArrayObj *a) {
    size_t n = xsize(a) + xsize(a->dir);
    for (size_t i = 0; i < a->n_dir; i++) {
        const ArSlice *s = a->dir[i];
        n += xsize(s) + xsize(s->end) + xsize(s->data);
        for (uint32_t j = 0; j < s->n; j++)
            if (s->off[j] & OFF_BIG) n += xsize(el_big(s, j));
    }
    return n;
}

uint64_t arrayobj_allocs(const ArrayObj *a) {
    return 1 + a->n_dir * 3;
}

void arrayobj_stats(const ArrayObj *a, ArrayStats *st) {
    memset(st, 0, sizeof *st);
    st->n_slices = a->n_dir;
    st->dir_cap = a->cap_dir;
    for (size_t i = 0; i < a->n_dir; i++) {
        const ArSlice *s = a->dir[i];
        uint64_t span = el_off(s, s->n - 1) - el_off(s, 0) + 1;
        /* "dense": at least half of the slots between the first and the
         * last element hold one */
        if (s->n * 2 >= span) {
            st->n_dense++;
            st->dense_span_total += span;
            st->dense_count_total += s->n;
        } else {
            st->n_sparse++;
            st->sparse_cap_total += s->cap;
        }
    }
}

/* ---- iteration ------------------------------------------------------------- */

void arrayobj_iter_init(ArrayIter *it, const ArrayObj *a, uint64_t lo, uint64_t hi, int reverse) {
    assert(lo <= hi);
    memset(it, 0, sizeof *it);
    it->a = a;
    it->lo = lo;
    it->hi = hi;
    it->reverse = reverse;
    if (!reverse) {
        uint64_t id = lo >> ARRAY_SLICE_BITS;
        it->si = dir_lower_bound(a, id);
        if (it->si == a->n_dir) {
            it->done = 1;
            return;
        }
        const ArSlice *s = a->dir[it->si];
        it->pos = s->id == id ? lower_bound(s, (uint32_t)(lo & OFF_MASK)) : 0;
    } else {
        uint64_t id = hi >> ARRAY_SLICE_BITS;
        size_t p = dir_lower_bound(a, id);
        if (p < a->n_dir && a->dir[p]->id == id) {
            const ArSlice *s = a->dir[p];
            it->si = p;
            it->pos = (int64_t)lower_bound(s, (uint32_t)(hi & OFF_MASK) + 1) - 1;
        } else if (p == 0) {
            it->done = 1;
            return;
        } else {
            it->si = p - 1;
            it->pos = (int64_t)a->dir[p - 1]->n - 1;
        }
    }
    it->started = 1;
}

int arrayobj_iter_next(ArrayIter *it, uint64_t *idx, Slice *v) {
    const ArrayObj *a = it->a;
    while (!it->done) {
        const ArSlice *s = a->dir[it->si];
        if (!it->reverse) {
            if (it->pos >= (int64_t)s->n) {
                if (++it->si == a->n_dir) break;
                it->pos = 0;
                continue;
            }
        } else if (it->pos < 0) {
            if (it->si == 0) break;
            it->si--;
            it->pos = (int64_t)a->dir[it->si]->n - 1;
            continue;
        }
        uint32_t i = (uint32_t)it->pos;
        uint64_t at = (s->id << ARRAY_SLICE_BITS) | el_off(s, i);
        if (it->reverse ? at < it->lo : at > it->hi) break;
        it->pos += it->reverse ? -1 : 1;
        if (idx) *idx = at;
        if (v) *v = el_value(s, i);
        return 1;
    }
    it->done = 1;
    return 0;
}
