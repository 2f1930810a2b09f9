/*
 * set_obj.c - the set value: two representations, as Redis 7.0 has them.
 *
 * Small sets of integers are an intset: one block holding the values sorted,
 * each in the width of the widest (2, 4 or 8 bytes), found by binary search.
 * It costs 8 bytes of header and 2 to 8 bytes per member, where a hash table
 * costs an entry allocation and a bucket pointer per member. Everything else
 * is a hash table (server/dict.h: one allocation per member holding its
 * bytes, incremental rehashing, SCAN cursors). A set starts as an intset;
 * adding a member that is not an integer in canonical form (Redis's
 * string2ll rules: parse_ll), or one past set-max-intset-entries, converts
 * it for good: removals never convert back (only a reload does), so OBJECT
 * ENCODING answers as 7.0's does after the same commands.
 *
 * Redis 7.2 added a third form, a listpack for small sets of strings. streamd
 * follows 7.0, its oracle, here (OBJECT ENCODING says "hashtable" where 7.0
 * does); RDB type 20 (7.2's listpack set) is read, not written.
 *
 * The intset's block is Redis's layout byte for byte (set_obj.h), so the RDB
 * and DUMP forms of an intset are the block itself.
 */
#include "cmd/set_obj.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"
#include "server/core.h"
#include "server/dict.h"

/* Obj.ptr is the representation itself, told apart by its low bit: the
 * intset's block with bit 0 set, or the Dict (members as keys, values
 * NULL). Both are allocations, at least 8-byte aligned, so the bit is free;
 * a header of its own would cost a small set a third of its memory. */
#define INTSET_TAG ((uintptr_t)1)

static int ptr_is_intset(const void *ptr) {
    return ((uintptr_t)ptr & INTSET_TAG) != 0;
}

static uint8_t *ptr_intset(const void *ptr) {
    assert(ptr_is_intset(ptr));
    return (uint8_t *)((uintptr_t)ptr & ~INTSET_TAG);
}

static Dict *ptr_dict(const void *ptr) {
    assert(!ptr_is_intset(ptr));
    return (Dict *)ptr;
}

static void *tag_intset(uint8_t *is) {
    assert(((uintptr_t)is & INTSET_TAG) == 0);
    return (void *)((uintptr_t)is | INTSET_TAG);
}

/* ---- intset ------------------------------------------------------------ */

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t is_enc(const uint8_t *is) {
    return rd32(is);
}

uint32_t intset_len(const uint8_t *is) {
    return rd32(is + 4);
}

/* Value at slot i read as enc bytes, little-endian, sign-extended. */
static int64_t get_enc(const uint8_t *is, uint32_t i, uint32_t enc) {
    const uint8_t *p = is + INTSET_HEADER + (size_t)i * enc;
    uint64_t u = 0;
    for (uint32_t b = 0; b < enc; b++) u |= (uint64_t)p[b] << (8 * b);
    if (enc < 8 && (u >> (8 * enc - 1)) & 1) u |= ~0ULL << (8 * enc);
    return (int64_t)u;
}

static void set_enc(uint8_t *is, uint32_t i, uint32_t enc, int64_t v) {
    uint8_t *p = is + INTSET_HEADER + (size_t)i * enc;
    uint64_t u = (uint64_t)v;
    for (uint32_t b = 0; b < enc; b++) p[b] = (uint8_t)(u >> (8 * b));
}

int64_t intset_get(const uint8_t *is, uint32_t i) {
    assert(i < intset_len(is));
    return get_enc(is, i, is_enc(is));
}

static uint32_t enc_for(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return 8;
    if (v < INT16_MIN || v > INT16_MAX) return 4;
    return 2;
}

int intset_find(const uint8_t *is, int64_t v, uint32_t *pos) {
    uint32_t lo = 0, hi = intset_len(is), enc = is_enc(is);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t x = get_enc(is, mid, enc);
        if (x == v) {
            *pos = mid;
            return 1;
        }
        if (x < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

static uint8_t *intset_new(void) {
    uint8_t *is = xmalloc(INTSET_HEADER);
    wr32(is, 2);
    wr32(is + 4, 0);
    return is;
}

/* Adds v (not present) to *isp, widening the encoding when v needs it. */
static void intset_insert(uint8_t **isp, int64_t v) {
    uint8_t *is = *isp;
    uint32_t len = intset_len(is), enc = is_enc(is), need = enc_for(v), pos;
    if (need > enc) {
        /* A wider value is smaller or larger than every other one: widen
         * each slot from the back, leaving room at the end v belongs to. */
        is = xrealloc(is, INTSET_HEADER + (size_t)(len + 1) * need);
        int at_front = v < 0;
        for (uint32_t i = len; i-- > 0;)
            set_enc(is, i + (uint32_t)at_front, need, get_enc(is, i, enc));
        set_enc(is, at_front ? 0 : len, need, v);
        wr32(is, need);
    } else {
        int found = intset_find(is, v, &pos);
        assert(!found);
        (void)found;
        is = xrealloc(is, INTSET_HEADER + (size_t)(len + 1) * enc);
        uint8_t *at = is + INTSET_HEADER + (size_t)pos * enc;
        memmove(at + enc, at, (size_t)(len - pos) * enc);
        set_enc(is, pos, enc, v);
    }
    wr32(is + 4, len + 1);
    *isp = is;
}

static void intset_delete(uint8_t **isp, uint32_t pos) {
    uint8_t *is = *isp;
    uint32_t len = intset_len(is), enc = is_enc(is);
    uint8_t *at = is + INTSET_HEADER + (size_t)pos * enc;
    memmove(at, at + enc, (size_t)(len - pos - 1) * enc);
    wr32(is + 4, len - 1);
    *isp = xrealloc(is, INTSET_HEADER + (size_t)(len - 1) * enc);
}

static size_t intset_bytes(const uint8_t *is) {
    return INTSET_HEADER + (size_t)intset_len(is) * is_enc(is);
}

/* ---- the value ----------------------------------------------------------- */

Obj *set_obj_new(void) {
    return obj_new(OBJ_SET, tag_intset(intset_new()));
}

int set_encoding(const Obj *o) {
    return ptr_is_intset(o->ptr) ? SET_ENC_INTSET : SET_ENC_HASHTABLE;
}

static uint64_t card_of(const void *ptr) {
    return ptr_is_intset(ptr) ? intset_len(ptr_intset(ptr)) : dict_size(ptr_dict(ptr));
}

uint64_t set_card(const Obj *o) {
    return card_of(o->ptr);
}

static size_t max_intset_entries(void) {
    long long m = settings.set_max_intset_entries;
    return m > (long long)SET_INTSET_CAP ? SET_INTSET_CAP : (size_t)m;
}

/* The intset becomes a hash table holding the same members. */
static void convert(Obj *o) {
    uint8_t *is = ptr_intset(o->ptr);
    Dict *d = dict_new();
    uint32_t n = intset_len(is);
    for (uint32_t i = 0; i < n; i++) {
        char buf[SET_NUM_BUF];
        size_t len = ll_to_str(intset_get(is, i), buf);
        dict_add(d, buf, len, NULL);
    }
    xfree(is);
    o->ptr = d;
}

int set_has(const Obj *o, Slice m) {
    if (!ptr_is_intset(o->ptr)) return dict_find(ptr_dict(o->ptr), m.p, m.len) != NULL;
    long long v;
    uint32_t pos;
    return num_parse_ll(m.p, m.len, &v) == 0 && intset_find(ptr_intset(o->ptr), v, &pos);
}

int set_add(Obj *o, Slice m) {
    if (ptr_is_intset(o->ptr)) {
        long long v;
        uint32_t pos;
        if (num_parse_ll(m.p, m.len, &v) == 0) {
            uint8_t *is = ptr_intset(o->ptr);
            if (intset_find(is, v, &pos)) return 0;
            intset_insert(&is, v);
            o->ptr = tag_intset(is);
            if (intset_len(is) > max_intset_entries()) convert(o);
            return 1;
        }
        convert(o);
    }
    Dict *d = ptr_dict(o->ptr);
    if (dict_find(d, m.p, m.len)) return 0;
    dict_add(d, m.p, m.len, NULL);
    return 1;
}

int set_remove(Obj *o, Slice m) {
    if (ptr_is_intset(o->ptr)) {
        long long v;
        uint32_t pos;
        uint8_t *is = ptr_intset(o->ptr);
        if (num_parse_ll(m.p, m.len, &v) != 0 || !intset_find(is, v, &pos)) return 0;
        intset_delete(&is, pos);
        o->ptr = tag_intset(is);
        return 1;
    }
    DictEntry *e = dict_unlink(ptr_dict(o->ptr), m.p, m.len);
    if (!e) return 0;
    dict_entry_free(e);
    return 1;
}

/* A random number below n (n > 0), from the C library's generator as
 * dict_random draws from. */
static uint64_t rand_below(uint64_t n) {
    uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
    r = r << 31 ^ (uint64_t)rand();
    return r % n;
}

Slice set_random(const Obj *o, char buf[SET_NUM_BUF]) {
    assert(set_card(o) > 0);
    if (ptr_is_intset(o->ptr)) {
        const uint8_t *is = ptr_intset(o->ptr);
        int64_t v = intset_get(is, (uint32_t)rand_below(intset_len(is)));
        return slice_of(buf, ll_to_str(v, buf));
    }
    DictEntry *e = dict_random(ptr_dict(o->ptr));
    return slice_of(e->key, e->key_len);
}

typedef struct Visit {
    SetVisitFn fn;
    void *priv;
    int stopped;
} Visit;

static void visit_entry(void *priv, DictEntry *e) {
    Visit *v = priv;
    if (!v->stopped) v->stopped = v->fn(v->priv, slice_of(e->key, e->key_len));
}

void set_foreach(const Obj *o, SetVisitFn fn, void *priv) {
    if (ptr_is_intset(o->ptr)) {
        const uint8_t *is = ptr_intset(o->ptr);
        uint32_t n = intset_len(is);
        for (uint32_t i = 0; i < n; i++) {
            char buf[SET_NUM_BUF];
            if (fn(priv, slice_of(buf, ll_to_str(intset_get(is, i), buf)))) return;
        }
        return;
    }
    Visit v = {fn, priv, 0};
    dict_foreach(ptr_dict(o->ptr), visit_entry, &v);
}

typedef struct Collect {
    Slice *v;
    size_t n;
} Collect;

static void collect_entry(void *priv, DictEntry *e) {
    Collect *c = priv;
    c->v[c->n++] = slice_of(e->key, e->key_len);
}

size_t set_members(const Obj *o, Slice **out, char **nums) {
    size_t n = set_card(o);
    Collect c = {xmalloc((n ? n : 1) * sizeof(Slice)), 0};
    *nums = NULL;
    if (ptr_is_intset(o->ptr)) {
        const uint8_t *is = ptr_intset(o->ptr);
        *nums = xmalloc((n ? n : 1) * SET_NUM_BUF);
        for (uint32_t i = 0; i < n; i++) {
            char *b = *nums + (size_t)i * SET_NUM_BUF;
            c.v[c.n++] = slice_of(b, ll_to_str(intset_get(is, i), b));
        }
    } else {
        dict_foreach(ptr_dict(o->ptr), collect_entry, &c);
    }
    assert(c.n == n);
    *out = c.v;
    return n;
}

typedef struct ScanCb {
    void (*fn)(void *priv, Slice member);
    void *priv;
} ScanCb;

static void scan_entry(void *priv, DictEntry *e) {
    ScanCb *cb = priv;
    cb->fn(cb->priv, slice_of(e->key, e->key_len));
}

uint64_t set_scan(Obj *o, uint64_t cursor, void (*fn)(void *priv, Slice member), void *priv) {
    ScanCb cb = {fn, priv};
    return dict_scan(ptr_dict(o->ptr), cursor, scan_entry, &cb);
}

static void add_entry_size(void *priv, DictEntry *e) {
    *(size_t *)priv += xsize(e);
}

static size_t mem_of(const void *ptr) {
    if (ptr_is_intset(ptr)) return xsize(ptr_intset(ptr));
    Dict *d = ptr_dict(ptr);
    size_t n = xsize(d) + dict_buckets(d) * sizeof(DictEntry *);
    dict_foreach(d, add_entry_size, &n);
    return n;
}

size_t set_mem_bytes(const Obj *o) {
    return mem_of(o->ptr);
}

const uint8_t *set_intset_blob(const Obj *o, size_t *len) {
    if (!ptr_is_intset(o->ptr)) return NULL;
    *len = intset_bytes(ptr_intset(o->ptr));
    return ptr_intset(o->ptr);
}

Obj *set_obj_from_intset_blob(const uint8_t *p, size_t len) {
    if (len < INTSET_HEADER) return NULL;
    uint32_t enc = rd32(p), n = rd32(p + 4);
    if (enc != 2 && enc != 4 && enc != 8) return NULL;
    if (n == 0 || (len - INTSET_HEADER) / enc != n || (len - INTSET_HEADER) % enc != 0) return NULL;
    for (uint32_t i = 1; i < n; i++)
        if (get_enc(p, i - 1, enc) >= get_enc(p, i, enc)) return NULL;
    Obj *o = obj_new(OBJ_SET, tag_intset(xmemdup(p, len)));
    if (n > max_intset_entries()) convert(o);
    return o;
}

/* ---- the value type's operations (obj_register_type) -------------------- */

static void ops_free(void *ptr) {
    if (ptr_is_intset(ptr))
        xfree(ptr_intset(ptr));
    else
        dict_free(ptr_dict(ptr), NULL);
}

static void dup_entry(void *priv, DictEntry *e) {
    dict_add(priv, e->key, e->key_len, NULL);
}

/* COPY: the same members in the same encoding. */
static Obj *ops_dup(const void *ptr) {
    if (ptr_is_intset(ptr)) {
        const uint8_t *is = ptr_intset(ptr);
        return obj_new(OBJ_SET, tag_intset(xmemdup(is, intset_bytes(is))));
    }
    Dict *d = dict_new();
    dict_foreach(ptr_dict(ptr), dup_entry, d);
    return obj_new(OBJ_SET, d);
}

static const char *ops_encoding(const void *ptr) {
    return ptr_is_intset(ptr) ? "intset" : "hashtable";
}

static const ObjTypeOps set_type = {"set",   "hashtable", ops_free,    mem_of,
                                    card_of, ops_dup,     ops_encoding};

void set_obj_register(void) {
    obj_register_type(OBJ_SET, &set_type);
}
