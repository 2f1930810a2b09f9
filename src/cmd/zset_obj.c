/*
 * zset_obj.c - the sorted set's two representations.
 *
 * Small sets (Redis's "listpack" encoding, up to zset-max-listpack-entries
 * members of at most zset-max-listpack-value bytes) are one allocation of
 * packed elements in order, scanned linearly:
 *
 *     +-------+-------------+-------------+--------------+   +----
 *     | kind  | score       | member len  | member bytes | . | next element ...
 *     | (1 B) | (0..8 B)    | (varint)    |              |   |
 *     +-------+-------------+-------------+--------------+   +----
 *
 * kind says how the score is kept: 0 (no bytes), an integer of 1, 2 or 4
 * bytes, a float of 4 bytes when that is exact, else the 8-byte double; so
 * a typical element costs less than in Redis's listpack, where the score is
 * its text.
 *
 * Big ones ("skiplist") are a skip list with spans (rank in O(log n)) whose
 * nodes hold their member's bytes and are also chained into a hash table by
 * member (an intrusive chain: the table is one pointer per bucket, nothing
 * per member), so a member costs one allocation:
 *
 *     +-------+------+-------+-----+-------+----------------------+--------+
 *     | score | back | hnext | len | level | level x (fwd, span)  | member |
 *     +-------+------+-------+-----+-------+----------------------+--------+
 *
 * The table doubles at load factor 1 and halves below 1/8, rehashing whole
 * (pointer moves, no allocation); ZSCAN walks its buckets with SCAN's
 * reverse-binary cursor, whose guarantees hold across those resizes.
 *
 * Order is (score, member bytes as memcmp, shorter first on a common prefix),
 * as Redis orders. A packed set only goes backwards through an offset array
 * built for that walk: small sets make it cheap and it keeps each element
 * free of a back-length.
 *
 * Alternatives rejected: a real listpack (scores as text parsed on every
 * comparison, and an in-place editor to write) and a B-tree (less memory for
 * big sets but much more code for the same complexity).
 */
#include "cmd/zset_obj.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/dict.h"

#define ZSL_MAX_LEVEL 32

typedef struct ZNode {
    double score;
    struct ZNode *back;
    struct ZNode *hnext; /* the next node in its hash bucket */
    uint32_t len;        /* member bytes, after lv[level - 1] */
    uint8_t level;
    struct {
        struct ZNode *fwd;
        size_t span;
    } lv[];
} ZNode;

/* What only an indexed set has (a packed set, the usual small one, pays for
 * none of it). */
typedef struct ZIndex {
    ZNode **buckets;
    uint64_t n_buckets; /* a power of two */
    ZNode *head, *tail;
    int level;
} ZIndex;

struct Zset {
    int is_packed;
    size_t n;
    size_t bytes; /* packed: of u.p */
    union {
        uint8_t *p; /* packed elements */
        ZIndex *ix;
    } u;
};

static const char *node_member(const ZNode *x) {
    return (const char *)&x->lv[x->level];
}

/* ---- order ---------------------------------------------------------------- */

static int cmp_member(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* <0, 0, >0 as (s1, m1) sorts before, with, after (s2, m2). */
static int cmp_elem(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2) {
    if (s1 < s2) return -1;
    if (s1 > s2) return 1;
    return cmp_member(m1, l1, m2, l2);
}

/* ---- packed --------------------------------------------------------------- */

static size_t varint_len(size_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(uint8_t *p, size_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

enum { SK_ZERO, SK_I8, SK_I16, SK_I32, SK_F32, SK_F64 };

/* How score is packed: its kind and byte count. */
static int score_kind(double d, size_t *n) {
    if (d == 0) {
        *n = 0;
        return SK_ZERO;
    }
    if (d >= INT32_MIN && d <= INT32_MAX && d == (double)(int32_t)d) {
        int32_t v = (int32_t)d;
        *n = v >= INT8_MIN && v <= INT8_MAX ? 1 : v >= INT16_MIN && v <= INT16_MAX ? 2 : 4;
        return *n == 1 ? SK_I8 : *n == 2 ? SK_I16 : SK_I32;
    }
    if ((isinf(d) || fabs(d) <= FLT_MAX) && (double)(float)d == d) {
        *n = 4;
        return SK_F32;
    }
    *n = 8;
    return SK_F64;
}

static size_t score_put(uint8_t *p, double d) {
    size_t n;
    int kind = score_kind(d, &n);
    p[0] = (uint8_t)kind;
    if (kind == SK_F32) {
        float f = (float)d;
        memcpy(p + 1, &f, 4);
    } else if (kind == SK_F64) {
        memcpy(p + 1, &d, 8);
    } else if (kind != SK_ZERO) {
        int32_t v = (int32_t)d;
        for (size_t i = 0; i < n; i++) p[1 + i] = (uint8_t)((uint32_t)v >> (8 * i));
    }
    return 1 + n;
}

static size_t score_bytes(double d) {
    size_t n;
    score_kind(d, &n);
    return 1 + n;
}

/* Decodes the element at off (which is inside the buffer: written by us). */
static size_t packed_get(const Zset *z, size_t off, const char **m, size_t *len, double *score) {
    const uint8_t *p = z->u.p + off;
    int kind = *p++;
    if (kind == SK_F32) {
        float f;
        memcpy(&f, p, 4);
        *score = f;
        p += 4;
    } else if (kind == SK_F64) {
        memcpy(score, p, 8);
        p += 8;
    } else if (kind == SK_ZERO) {
        *score = 0;
    } else {
        size_t n = kind == SK_I8 ? 1 : kind == SK_I16 ? 2 : 4;
        uint32_t u = 0;
        for (size_t i = 0; i < n; i++) u |= (uint32_t)p[i] << (8 * i);
        int shift = 32 - 8 * (int)n;
        *score = (double)((int32_t)(u << shift) >> shift);
        p += n;
    }
    size_t v = 0;
    int shift = 0;
    while (*p & 0x80) {
        v |= (size_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    v |= (size_t)*p++ << shift;
    *m = (const char *)p;
    *len = v;
    return (size_t)(p - z->u.p) + v; /* the next element's offset */
}

/* The offset of member m (and its rank), or (size_t)-1. */
static size_t packed_find(const Zset *z, const char *m, size_t len, size_t *rank) {
    size_t off = 0;
    for (size_t i = 0; i < z->n; i++) {
        const char *em;
        size_t el;
        double s;
        size_t next = packed_get(z, off, &em, &el, &s);
        if (el == len && (len == 0 || memcmp(em, m, len) == 0)) {
            if (rank) *rank = i;
            return off;
        }
        off = next;
    }
    return (size_t)-1;
}

static void packed_remove_at(Zset *z, size_t off) {
    const char *m;
    size_t len;
    double s;
    size_t next = packed_get(z, off, &m, &len, &s);
    memmove(z->u.p + off, z->u.p + next, z->bytes - next);
    z->bytes -= next - off;
    z->n--;
}

static void packed_insert(Zset *z, const char *m, size_t len, double score) {
    /* Redis's listpack keeps -0 as the integer 0: so does SK_ZERO */
    size_t off = 0;
    for (size_t i = 0; i < z->n; i++) {
        const char *em;
        size_t el;
        double s;
        size_t next = packed_get(z, off, &em, &el, &s);
        if (cmp_elem(score, m, len, s, em, el) < 0) break;
        off = next;
    }
    size_t need = score_bytes(score) + varint_len(len) + len;
    z->u.p = xrealloc(z->u.p, z->bytes + need);
    memmove(z->u.p + off + need, z->u.p + off, z->bytes - off);
    uint8_t *q = z->u.p + off;
    q += score_put(q, score);
    q += varint_put(q, len);
    if (len) memcpy(q, m, len);
    z->bytes += need;
    z->n++;
}

/* ---- hash of members ----------------------------------------------------- */

static uint64_t bucket_of(const Zset *z, const char *m, size_t len) {
    return dict_hash(m, len) & (z->u.ix->n_buckets - 1);
}

static ZNode *hash_find(const Zset *z, const char *m, size_t len) {
    for (ZNode *x = z->u.ix->buckets[bucket_of(z, m, len)]; x; x = x->hnext)
        if (x->len == len && (len == 0 || memcmp(node_member(x), m, len) == 0)) return x;
    return NULL;
}

static void hash_resize(Zset *z, uint64_t size) {
    ZNode **old = z->u.ix->buckets;
    uint64_t old_n = z->u.ix->n_buckets;
    z->u.ix->buckets = xcalloc(size, sizeof(ZNode *));
    z->u.ix->n_buckets = size;
    for (uint64_t i = 0; i < old_n; i++) {
        ZNode *x = old[i];
        while (x) {
            ZNode *next = x->hnext;
            uint64_t b = bucket_of(z, node_member(x), x->len);
            x->hnext = z->u.ix->buckets[b];
            z->u.ix->buckets[b] = x;
            x = next;
        }
    }
    xfree(old);
}

/* Links x (counted in z->n already) into its bucket, growing first. */
static void hash_add(Zset *z, ZNode *x) {
    if (z->n > z->u.ix->n_buckets) hash_resize(z, z->u.ix->n_buckets * 2);
    uint64_t b = bucket_of(z, node_member(x), x->len);
    x->hnext = z->u.ix->buckets[b];
    z->u.ix->buckets[b] = x;
}

/* Unlinks x (no longer counted in z->n), shrinking after. */
static void hash_remove(Zset *z, ZNode *x) {
    ZNode **pp = &z->u.ix->buckets[bucket_of(z, node_member(x), x->len)];
    while (*pp != x) pp = &(*pp)->hnext;
    *pp = x->hnext;
    if (z->u.ix->n_buckets > 4 && z->n < z->u.ix->n_buckets / 8)
        hash_resize(z, z->u.ix->n_buckets / 2);
}

/* ---- skip list ------------------------------------------------------------ */

static int random_level(void) {
    int level = 1;
    while (level < ZSL_MAX_LEVEL && (rand() & 0xffff) < 0xffff / 4) level++;
    return level;
}

static ZNode *node_new(int level, double score, const char *m, size_t len) {
    ZNode *x = xcalloc(1, sizeof(ZNode) + (size_t)level * sizeof(x->lv[0]) + len);
    x->score = score;
    x->level = (uint8_t)level;
    x->len = (uint32_t)len;
    if (len) memcpy((char *)&x->lv[level], m, len);
    return x;
}

static int node_cmp(const ZNode *x, double score, const char *m, size_t len) {
    return cmp_elem(x->score, node_member(x), x->len, score, m, len);
}

static void zsl_init(Zset *z) {
    z->u.ix = xcalloc(1, sizeof(ZIndex));
    z->u.ix->head = node_new(ZSL_MAX_LEVEL, 0, NULL, 0);
    z->u.ix->tail = NULL;
    z->u.ix->level = 1;
    z->n = 0;
    z->u.ix->n_buckets = 4;
    z->u.ix->buckets = xcalloc(z->u.ix->n_buckets, sizeof(ZNode *));
}

/* Links node x into the order (not into the hash). */
static void zsl_insert(Zset *z, ZNode *x) {
    ZNode *update[ZSL_MAX_LEVEL];
    size_t rank[ZSL_MAX_LEVEL];
    ZNode *y = z->u.ix->head;
    const char *m = node_member(x);
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        rank[i] = i == z->u.ix->level - 1 ? 0 : rank[i + 1];
        while (y->lv[i].fwd && node_cmp(y->lv[i].fwd, x->score, m, x->len) < 0) {
            rank[i] += y->lv[i].span;
            y = y->lv[i].fwd;
        }
        update[i] = y;
    }
    int level = x->level;
    if (level > z->u.ix->level) {
        for (int i = z->u.ix->level; i < level; i++) {
            rank[i] = 0;
            update[i] = z->u.ix->head;
            update[i]->lv[i].span = z->n;
        }
        z->u.ix->level = level;
    }
    for (int i = 0; i < level; i++) {
        x->lv[i].fwd = update[i]->lv[i].fwd;
        update[i]->lv[i].fwd = x;
        x->lv[i].span = update[i]->lv[i].span - (rank[0] - rank[i]);
        update[i]->lv[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < z->u.ix->level; i++) update[i]->lv[i].span++;
    x->back = update[0] == z->u.ix->head ? NULL : update[0];
    if (x->lv[0].fwd)
        x->lv[0].fwd->back = x;
    else
        z->u.ix->tail = x;
    z->n++;
}

static void zsl_unlink(Zset *z, ZNode *x, ZNode **update) {
    for (int i = 0; i < z->u.ix->level; i++) {
        if (update[i]->lv[i].fwd == x) {
            update[i]->lv[i].span += x->lv[i].span - 1;
            update[i]->lv[i].fwd = x->lv[i].fwd;
        } else {
            update[i]->lv[i].span--;
        }
    }
    if (x->lv[0].fwd)
        x->lv[0].fwd->back = x->back;
    else
        z->u.ix->tail = x->back;
    while (z->u.ix->level > 1 && z->u.ix->head->lv[z->u.ix->level - 1].fwd == NULL)
        z->u.ix->level--;
    z->n--;
}

/* Unlinks node x from the order (found through its score and member). */
static void zsl_delete(Zset *z, ZNode *x) {
    ZNode *update[ZSL_MAX_LEVEL];
    ZNode *y = z->u.ix->head;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (y->lv[i].fwd && node_cmp(y->lv[i].fwd, x->score, node_member(x), x->len) < 0)
            y = y->lv[i].fwd;
        update[i] = y;
    }
    assert(update[0]->lv[0].fwd == x);
    zsl_unlink(z, x, update);
}

/* The node at 1-based rank (1..n). */
static ZNode *zsl_at(const Zset *z, size_t rank) {
    ZNode *x = z->u.ix->head;
    size_t traversed = 0;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && traversed + x->lv[i].span <= rank) {
            traversed += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (traversed == rank) return x;
    }
    return NULL;
}

static void zsl_free_all(Zset *z) {
    ZNode *x = z->u.ix->head->lv[0].fwd;
    while (x) {
        ZNode *next = x->lv[0].fwd;
        xfree(x);
        x = next;
    }
    xfree(z->u.ix->head);
    xfree(z->u.ix->buckets);
    xfree(z->u.ix);
    z->u.ix = NULL;
}

/* Adds a member known to be absent. */
static void zsl_add(Zset *z, const char *m, size_t len, double score) {
    ZNode *x = node_new(random_level(), score, m, len);
    zsl_insert(z, x);
    hash_add(z, x);
}

/* ---- public --------------------------------------------------------------- */

Zset *zset_new(void) {
    Zset *z = xcalloc(1, sizeof *z);
    z->is_packed = 1;
    return z;
}

void zset_free(Zset *z) {
    if (!z) return;
    if (z->is_packed)
        xfree(z->u.p);
    else
        zsl_free_all(z);
    xfree(z);
}

size_t zset_len(const Zset *z) {
    return z->n;
}

int zset_is_packed(const Zset *z) {
    return z->is_packed;
}

void zset_to_indexed(Zset *z) {
    if (!z->is_packed) return;
    uint8_t *p = z->u.p;
    size_t n = z->n, off = 0;
    Zset old = *z;
    zsl_init(z);
    z->is_packed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *m;
        size_t len;
        double s;
        off = packed_get(&old, off, &m, &len, &s);
        zsl_add(z, m, len, s);
    }
    xfree(p);
    z->bytes = 0;
}

void zset_to_packed(Zset *z) {
    if (z->is_packed) return;
    size_t total = 0;
    for (ZNode *x = z->u.ix->head->lv[0].fwd; x; x = x->lv[0].fwd)
        total += score_bytes(x->score) + varint_len(x->len) + x->len;
    uint8_t *p = xmalloc(total ? total : 1), *q = p;
    for (ZNode *x = z->u.ix->head->lv[0].fwd; x; x = x->lv[0].fwd) {
        q += score_put(q, x->score); /* -0 comes back as 0, as packed_insert() */
        q += varint_put(q, x->len);
        if (x->len) memcpy(q, node_member(x), x->len);
        q += x->len;
    }
    size_t n = z->n;
    zsl_free_all(z);
    z->is_packed = 1;
    z->u.p = p;
    z->bytes = total;
    z->n = n;
}

Zset *zset_dup(const Zset *z) {
    Zset *d = zset_new();
    if (z->is_packed) {
        d->u.p = xmalloc(z->bytes ? z->bytes : 1);
        memcpy(d->u.p, z->u.p, z->bytes);
        d->bytes = z->bytes;
        d->n = z->n;
        return d;
    }
    d->is_packed = 0;
    zsl_init(d);
    for (ZNode *x = z->u.ix->tail; x; x = x->back) zsl_add(d, node_member(x), x->len, x->score);
    return d;
}

size_t zset_mem_usage(const Zset *z) {
    size_t total = xsize(z);
    if (z->is_packed) return total + xsize(z->u.p);
    total += xsize(z->u.ix) + xsize(z->u.ix->buckets) + xsize(z->u.ix->head);
    for (ZNode *x = z->u.ix->head->lv[0].fwd; x; x = x->lv[0].fwd) total += xsize(x);
    return total;
}

size_t zset_max_member_len(const Zset *z) {
    size_t max = 0;
    ZsetIter it;
    const char *m;
    size_t len;
    double s;
    zset_iter_init(&it, z, 0, 0);
    while (zset_iter_next(&it, &m, &len, &s))
        if (len > max) max = len;
    zset_iter_done(&it);
    return max;
}

int zset_score(const Zset *z, const char *m, size_t len, double *score) {
    if (z->is_packed) {
        size_t off = packed_find(z, m, len, NULL);
        if (off == (size_t)-1) return 0;
        const char *em;
        size_t el;
        packed_get(z, off, &em, &el, score);
        return 1;
    }
    ZNode *x = hash_find(z, m, len);
    if (!x) return 0;
    *score = x->score;
    return 1;
}

int zset_set(Zset *z, const char *m, size_t len, double score) {
    if (z->is_packed) {
        size_t off = packed_find(z, m, len, NULL);
        int added = off == (size_t)-1;
        if (!added) packed_remove_at(z, off);
        packed_insert(z, m, len, score);
        return added;
    }
    ZNode *x = hash_find(z, m, len);
    if (!x) {
        zsl_add(z, m, len, score);
        return 1;
    }
    if (x->score == score && !signbit(x->score) == !signbit(score)) return 0; /* -0 is kept */
    /* Stays in place when the new score keeps it between its neighbours. */
    ZNode *next = x->lv[0].fwd;
    if ((!x->back ||
         cmp_elem(x->back->score, node_member(x->back), x->back->len, score, m, len) < 0) &&
        (!next || cmp_elem(next->score, node_member(next), next->len, score, m, len) > 0)) {
        x->score = score;
        return 0;
    }
    zsl_delete(z, x);
    x->score = score;
    zsl_insert(z, x); /* the same node: its hash bucket stays */
    return 0;
}

int zset_del(Zset *z, const char *m, size_t len) {
    if (z->is_packed) {
        size_t off = packed_find(z, m, len, NULL);
        if (off == (size_t)-1) return 0;
        packed_remove_at(z, off);
        return 1;
    }
    ZNode *x = hash_find(z, m, len);
    if (!x) return 0;
    zsl_delete(z, x);
    hash_remove(z, x);
    xfree(x);
    return 1;
}

long long zset_rank(const Zset *z, const char *m, size_t len) {
    if (z->is_packed) {
        size_t rank;
        if (packed_find(z, m, len, &rank) == (size_t)-1) return -1;
        return (long long)rank;
    }
    ZNode *t = hash_find(z, m, len), *x = z->u.ix->head;
    if (!t) return -1;
    size_t rank = 0;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && node_cmp(x->lv[i].fwd, t->score, m, len) <= 0) {
            rank += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (x == t) return (long long)rank - 1;
    }
    return -1;
}

size_t zset_rank_by_score(const Zset *z, double v, int or_equal) {
    if (z->is_packed) {
        size_t off = 0, i = 0;
        for (; i < z->n; i++) {
            const char *m;
            size_t len;
            double s;
            off = packed_get(z, off, &m, &len, &s);
            if (or_equal ? s > v : s >= v) break;
        }
        return i;
    }
    ZNode *x = z->u.ix->head;
    size_t rank = 0;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && (or_equal ? x->lv[i].fwd->score <= v : x->lv[i].fwd->score < v)) {
            rank += x->lv[i].span;
            x = x->lv[i].fwd;
        }
    }
    return rank;
}

size_t zset_rank_by_lex(const Zset *z, const char *m, size_t len, int or_equal) {
    if (z->is_packed) {
        size_t off = 0, i = 0;
        for (; i < z->n; i++) {
            const char *em;
            size_t el;
            double s;
            off = packed_get(z, off, &em, &el, &s);
            int c = cmp_member(em, el, m, len);
            if (or_equal ? c > 0 : c >= 0) break;
        }
        return i;
    }
    ZNode *x = z->u.ix->head;
    size_t rank = 0;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd) {
            int c = cmp_member(node_member(x->lv[i].fwd), x->lv[i].fwd->len, m, len);
            if (or_equal ? c > 0 : c >= 0) break;
            rank += x->lv[i].span;
            x = x->lv[i].fwd;
        }
    }
    return rank;
}

void zset_del_range(Zset *z, size_t start, size_t end) {
    if (end > z->n) end = z->n;
    if (start >= end) return;
    size_t count = end - start;
    if (z->is_packed) {
        size_t off = 0, from = 0;
        for (size_t i = 0; i < end; i++) {
            if (i == start) from = off;
            const char *m;
            size_t len;
            double s;
            off = packed_get(z, off, &m, &len, &s);
        }
        memmove(z->u.p + from, z->u.p + off, z->bytes - off);
        z->bytes -= off - from;
        z->n -= count;
        return;
    }
    ZNode *update[ZSL_MAX_LEVEL];
    ZNode *x = z->u.ix->head;
    size_t traversed = 0;
    for (int i = z->u.ix->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && traversed + x->lv[i].span <= start) {
            traversed += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        update[i] = x;
    }
    x = x->lv[0].fwd;
    while (x && count--) {
        ZNode *next = x->lv[0].fwd;
        zsl_unlink(z, x, update);
        hash_remove(z, x);
        xfree(x);
        x = next;
    }
}

void zset_iter_init(ZsetIter *it, const Zset *z, size_t rank, int reverse) {
    memset(it, 0, sizeof *it);
    it->z = z;
    it->rank = rank;
    it->reverse = reverse;
    if (rank >= z->n) {
        it->rank = z->n; /* nothing either way */
        return;
    }
    if (!z->is_packed) {
        it->node = zsl_at(z, rank + 1);
        return;
    }
    if (!reverse) {
        size_t off = 0;
        for (size_t i = 0; i < rank; i++) {
            const char *m;
            size_t len;
            double s;
            off = packed_get(z, off, &m, &len, &s);
        }
        it->off = off;
        return;
    }
    it->offs = xmalloc((rank + 1) * sizeof(uint32_t));
    size_t off = 0;
    for (size_t i = 0; i <= rank; i++) {
        const char *m;
        size_t len;
        double s;
        it->offs[i] = (uint32_t)off;
        off = packed_get(z, off, &m, &len, &s);
    }
}

int zset_iter_next(ZsetIter *it, const char **m, size_t *len, double *score) {
    const Zset *z = it->z;
    if (it->rank >= z->n) return 0; /* also the wrap of rank 0 going back */
    if (!z->is_packed) {
        ZNode *x = it->node;
        if (!x) return 0;
        *m = node_member(x);
        *len = x->len;
        *score = x->score;
        it->node = it->reverse ? x->back : x->lv[0].fwd;
    } else if (!it->reverse) {
        it->off = packed_get(z, it->off, m, len, score);
    } else {
        packed_get(z, it->offs[it->rank], m, len, score);
    }
    if (it->reverse)
        it->rank = it->rank == 0 ? z->n : it->rank - 1;
    else
        it->rank++;
    return 1;
}

void zset_iter_done(ZsetIter *it) {
    xfree(it->offs);
    it->offs = NULL;
}

void zset_random(const Zset *z, const char **m, size_t *len, double *score) {
    assert(z->n > 0);
    uint64_t r = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
    size_t rank = (size_t)(r % z->n);
    if (z->is_packed) {
        ZsetIter it;
        zset_iter_init(&it, z, rank, 0);
        zset_iter_next(&it, m, len, score);
        return;
    }
    ZNode *x = zsl_at(z, rank + 1);
    *m = node_member(x);
    *len = x->len;
    *score = x->score;
}

/* The 64 bits of v in reverse order. */
static uint64_t rev64(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

uint64_t zset_scan(const Zset *z, uint64_t cursor,
                   void (*fn)(void *priv, const char *m, size_t len, double score), void *priv) {
    assert(!z->is_packed);
    uint64_t mask = z->u.ix->n_buckets - 1;
    for (ZNode *x = z->u.ix->buckets[cursor & mask]; x; x = x->hnext)
        fn(priv, node_member(x), x->len, x->score);
    /* the next bucket in reverse-binary order, as SCAN counts */
    cursor |= ~mask;
    return rev64(rev64(cursor) + 1);
}
