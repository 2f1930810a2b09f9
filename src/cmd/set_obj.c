/*
 * set_obj.c - the set value: an intset, a packed list or a hash table.
 *
 * Small sets of integers are an intset, as in Redis 7.0: one block holding
 * the values sorted, each in the width of the widest (2, 4 or 8 bytes),
 * found by binary search; 8 bytes of header and 2 to 8 bytes per member.
 * A set starts as one; adding a member that is not an integer in canonical
 * form (Redis's string2ll rules), or one past set-max-intset-entries, turns
 * it for good into what 7.0 calls a hash table: removals never turn it back
 * (only a reload does), so OBJECT ENCODING answers "intset" or "hashtable"
 * exactly where 7.0 does after the same commands.
 *
 * What 7.0 calls a hash table is two things here. While it has at most
 * SET_PACKED_ENTRIES members of at most SET_PACKED_VALUE bytes (Redis 7.2's
 * listpack thresholds) it is packed: one block of length-prefixed members
 * scanned linearly, a few bytes per member where a hash table entry costs an
 * allocation of 32+ bytes and a bucket (a 3-member set of short strings
 * takes a third of 7.0's memory). Past either limit it becomes a hash table
 * (set_hash.h: one small allocation per member, incremental rehashing, SCAN
 * cursors). OBJECT ENCODING still says "hashtable" for a packed set: 7.0's
 * answer; 7.2's "listpack" would tell a 7.0 client something it never sees.
 * Like 7.2's listpack, a packed set answers SSCAN whole, with cursor 0.
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
#include "cmd/set_hash.h"
#include "server/core.h"

/* Obj.ptr is the representation itself, told apart by its low bits: the
 * intset's block with bit 0 set, the packed block with bit 1 set, or the
 * SetHash (set_hash.h). All are allocations, at least
 * 8-byte aligned, so the bits are free; a header of its own would cost a
 * small set a third of its memory. */
#define TAG_INTSET ((uintptr_t)1)
#define TAG_PACKED ((uintptr_t)2)
#define TAG_MASK   ((uintptr_t)3)

enum { KIND_HASH = 0, KIND_INTSET = 1, KIND_PACKED = 2 };

static int kind_of(const void *ptr) {
    return (int)((uintptr_t)ptr & TAG_MASK);
}

static int ptr_is_intset(const void *ptr) {
    return kind_of(ptr) == KIND_INTSET;
}

static uint8_t *ptr_intset(const void *ptr) {
    assert(kind_of(ptr) == KIND_INTSET);
    return (uint8_t *)((uintptr_t)ptr & ~TAG_MASK);
}

static uint8_t *ptr_packed(const void *ptr) {
    assert(kind_of(ptr) == KIND_PACKED);
    return (uint8_t *)((uintptr_t)ptr & ~TAG_MASK);
}

static SetHash *ptr_hash(const void *ptr) {
    assert(kind_of(ptr) == KIND_HASH);
    return (SetHash *)ptr;
}

static void *tag(uint8_t *block, uintptr_t t) {
    assert(((uintptr_t)block & TAG_MASK) == 0);
    return (void *)((uintptr_t)block | t);
}

static void *tag_intset(uint8_t *is) {
    return tag(is, TAG_INTSET);
}

/* The packed limits: 7.2's set-max-listpack-entries / -value defaults
 * (changed only by the unit test, set_obj_packed_limits()). */
static size_t packed_max_entries = SET_PACKED_ENTRIES;
static size_t packed_max_value = SET_PACKED_VALUE;

void set_obj_packed_limits(size_t entries, size_t value) {
    assert(value <= 255);
    packed_max_entries = entries;
    packed_max_value = value;
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

/* ---- packed ------------------------------------------------------------

 * +-----------+---------------+-------------------------------------------+
 * | n u32     | used u32      | n members: length u8, then its bytes      |
 * +-----------+---------------+-------------------------------------------+
 *
 * Little-endian, exactly 8 + used bytes, in insertion order (a removal
 * closes the gap). Members are at most packed_max_value (<= 255) bytes. */
#define PACKED_HEADER 8

static uint32_t pk_n(const uint8_t *pk) {
    return rd32(pk);
}

static uint32_t pk_used(const uint8_t *pk) {
    return rd32(pk + 4);
}

static uint8_t *packed_new(void) {
    uint8_t *pk = xmalloc(PACKED_HEADER);
    wr32(pk, 0);
    wr32(pk + 4, 0);
    return pk;
}

/* Offset of member m in pk (from the block's start), or 0 when absent. */
static size_t pk_find(const uint8_t *pk, Slice m) {
    size_t off = PACKED_HEADER, end = PACKED_HEADER + pk_used(pk);
    while (off < end) {
        size_t len = pk[off];
        if (len == m.len && (len == 0 || memcmp(pk + off + 1, m.p, len) == 0)) return off;
        off += 1 + len;
    }
    return 0;
}

static void pk_append(uint8_t **pkp, Slice m) {
    uint8_t *pk = *pkp;
    uint32_t used = pk_used(pk);
    assert(m.len <= 255);
    pk = xrealloc(pk, PACKED_HEADER + used + 1 + m.len);
    pk[PACKED_HEADER + used] = (uint8_t)m.len;
    if (m.len) memcpy(pk + PACKED_HEADER + used + 1, m.p, m.len);
    wr32(pk, pk_n(pk) + 1);
    wr32(pk + 4, used + 1 + (uint32_t)m.len);
    *pkp = pk;
}

static void pk_delete(uint8_t **pkp, size_t off) {
    uint8_t *pk = *pkp;
    size_t len = 1 + (size_t)pk[off], end = PACKED_HEADER + pk_used(pk);
    memmove(pk + off, pk + off + len, end - off - len);
    wr32(pk, pk_n(pk) - 1);
    wr32(pk + 4, pk_used(pk) - (uint32_t)len);
    *pkp = xrealloc(pk, end - len);
}

/* The member at *off (advanced past it). */
static Slice pk_next(const uint8_t *pk, size_t *off) {
    size_t len = pk[*off];
    Slice m = slice_of((const char *)pk + *off + 1, len);
    *off += 1 + len;
    return m;
}

/* ---- the value ----------------------------------------------------------- */

Obj *set_obj_new(void) {
    return obj_new(OBJ_SET, tag_intset(intset_new()));
}

int set_encoding(const Obj *o) {
    return ptr_is_intset(o->ptr) ? SET_ENC_INTSET : SET_ENC_HASHTABLE;
}

int set_answers_whole(const Obj *o) {
    return kind_of(o->ptr) != KIND_HASH;
}

static uint64_t card_of(const void *ptr) {
    switch (kind_of(ptr)) {
    case KIND_INTSET:
        return intset_len(ptr_intset(ptr));
    case KIND_PACKED:
        return pk_n(ptr_packed(ptr));
    default:
        return set_hash_size(ptr_hash(ptr));
    }
}

uint64_t set_card(const Obj *o) {
    return card_of(o->ptr);
}

static size_t max_intset_entries(void) {
    long long m = settings.set_max_intset_entries;
    return m > (long long)SET_INTSET_CAP ? SET_INTSET_CAP : (size_t)m;
}

/* Calls fn on every member of the set at ptr (in its order); views valid
 * during the call. Stops when fn returns non-zero. */
static void each_member(const void *ptr, SetVisitFn fn, void *priv);

static int add_to_hash(void *priv, Slice m) {
    set_hash_add(priv, m);
    return 0;
}

static int add_to_packed(void *priv, Slice m) {
    pk_append(priv, m);
    return 0;
}

static int too_long_for_packed(void *priv, Slice m) {
    if (m.len <= packed_max_value) return 0;
    *(int *)priv = 1;
    return 1;
}

/* Whether the intset at ptr and extra_n more members of at most extra_len
 * bytes fit the packed limits. */
static int fits_packed(const void *ptr, size_t extra_n, size_t extra_len) {
    if (card_of(ptr) + extra_n > packed_max_entries || extra_len > packed_max_value) return 0;
    int too_long = 0;
    each_member(ptr, too_long_for_packed, &too_long);
    return !too_long;
}

/* What 7.0 calls a hash table, holding o's members (an intset or a packed
 * set) with room for extra_n more members of at most extra_len bytes:
 * packed when an intset's members and those fit, else a SetHash. */
static void convert(Obj *o, size_t extra_n, size_t extra_len) {
    int kind = kind_of(o->ptr);
    assert(kind != KIND_HASH);
    void *old = o->ptr;
    if (kind == KIND_INTSET && fits_packed(old, extra_n, extra_len)) {
        uint8_t *pk = packed_new();
        each_member(old, add_to_packed, &pk);
        o->ptr = tag(pk, TAG_PACKED);
    } else {
        SetHash *d = set_hash_new();
        each_member(old, add_to_hash, d);
        o->ptr = d;
    }
    xfree(kind == KIND_INTSET ? ptr_intset(old) : ptr_packed(old));
}

int set_has(const Obj *o, Slice m) {
    switch (kind_of(o->ptr)) {
    case KIND_INTSET: {
        long long v;
        uint32_t pos;
        return num_parse_ll(m.p, m.len, &v) == 0 && intset_find(ptr_intset(o->ptr), v, &pos);
    }
    case KIND_PACKED:
        return m.len <= 255 && pk_find(ptr_packed(o->ptr), m) != 0;
    default:
        return set_hash_has(ptr_hash(o->ptr), m);
    }
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
            if (intset_len(is) > max_intset_entries()) convert(o, 0, 0);
            return 1;
        }
        convert(o, 1, m.len);
    }
    if (kind_of(o->ptr) == KIND_PACKED) {
        uint8_t *pk = ptr_packed(o->ptr);
        if (m.len <= 255 && pk_find(pk, m)) return 0;
        if (pk_n(pk) + 1 <= packed_max_entries && m.len <= packed_max_value) {
            pk_append(&pk, m);
            o->ptr = tag(pk, TAG_PACKED);
            return 1;
        }
        convert(o, 0, 0); /* a packed set always becomes a SetHash */
    }
    return set_hash_add(ptr_hash(o->ptr), m);
}

int set_remove(Obj *o, Slice m) {
    switch (kind_of(o->ptr)) {
    case KIND_INTSET: {
        long long v;
        uint32_t pos;
        uint8_t *is = ptr_intset(o->ptr);
        if (num_parse_ll(m.p, m.len, &v) != 0 || !intset_find(is, v, &pos)) return 0;
        intset_delete(&is, pos);
        o->ptr = tag_intset(is);
        return 1;
    }
    case KIND_PACKED: {
        uint8_t *pk = ptr_packed(o->ptr);
        size_t off = m.len <= 255 ? pk_find(pk, m) : 0;
        if (!off) return 0;
        pk_delete(&pk, off);
        o->ptr = tag(pk, TAG_PACKED);
        return 1;
    }
    default:
        return set_hash_remove(ptr_hash(o->ptr), m);
    }
}

/* A random number below n (n > 0), from the C library's generator as
 * the hash tables draw from. */
static uint64_t rand_below(uint64_t n) {
    uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
    r = r << 31 ^ (uint64_t)rand();
    return r % n;
}

Slice set_random(const Obj *o, char buf[SET_NUM_BUF]) {
    assert(set_card(o) > 0);
    switch (kind_of(o->ptr)) {
    case KIND_INTSET: {
        const uint8_t *is = ptr_intset(o->ptr);
        int64_t v = intset_get(is, (uint32_t)rand_below(intset_len(is)));
        return slice_of(buf, ll_to_str(v, buf));
    }
    case KIND_PACKED: {
        const uint8_t *pk = ptr_packed(o->ptr);
        uint64_t k = rand_below(pk_n(pk));
        size_t off = PACKED_HEADER;
        Slice m = pk_next(pk, &off);
        while (k--) m = pk_next(pk, &off);
        return m;
    }
    default:
        return set_hash_random(ptr_hash(o->ptr));
    }
}

static void each_member(const void *ptr, SetVisitFn fn, void *priv) {
    switch (kind_of(ptr)) {
    case KIND_INTSET: {
        const uint8_t *is = ptr_intset(ptr);
        uint32_t n = intset_len(is);
        for (uint32_t i = 0; i < n; i++) {
            char buf[SET_NUM_BUF];
            if (fn(priv, slice_of(buf, ll_to_str(intset_get(is, i), buf)))) return;
        }
        return;
    }
    case KIND_PACKED: {
        const uint8_t *pk = ptr_packed(ptr);
        size_t off = PACKED_HEADER, end = PACKED_HEADER + pk_used(pk);
        while (off < end)
            if (fn(priv, pk_next(pk, &off))) return;
        return;
    }
    default:
        set_hash_foreach(ptr_hash(ptr), fn, priv);
    }
}

void set_foreach(const Obj *o, SetVisitFn fn, void *priv) {
    each_member(o->ptr, fn, priv);
}

typedef struct Collect {
    Slice *v;
    size_t n;
} Collect;

static int collect_member(void *priv, Slice m) {
    Collect *c = priv;
    c->v[c->n++] = m;
    return 0;
}

size_t set_members(const Obj *o, Slice **out, char **nums) {
    size_t n = set_card(o);
    Collect c = {xmalloc((n ? n : 1) * sizeof(Slice)), 0};
    *nums = NULL;
    if (ptr_is_intset(o->ptr)) {
        /* formatted members need a home that outlives the walk */
        const uint8_t *is = ptr_intset(o->ptr);
        *nums = xmalloc((n ? n : 1) * SET_NUM_BUF);
        for (uint32_t i = 0; i < n; i++) {
            char *b = *nums + (size_t)i * SET_NUM_BUF;
            c.v[c.n++] = slice_of(b, ll_to_str(intset_get(is, i), b));
        }
    } else {
        each_member(o->ptr, collect_member, &c);
    }
    assert(c.n == n);
    *out = c.v;
    return n;
}

uint64_t set_scan(Obj *o, uint64_t cursor, void (*fn)(void *priv, Slice member), void *priv) {
    return set_hash_scan(ptr_hash(o->ptr), cursor, fn, priv);
}

static size_t mem_of(const void *ptr) {
    switch (kind_of(ptr)) {
    case KIND_INTSET:
        return xsize(ptr_intset(ptr));
    case KIND_PACKED:
        return xsize(ptr_packed(ptr));
    default:
        return set_hash_mem_bytes(ptr_hash(ptr));
    }
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
    if (n > max_intset_entries()) convert(o, 0, 0);
    return o;
}

/* ---- the value type's operations (obj_register_type) -------------------- */

static void ops_free(void *ptr) {
    switch (kind_of(ptr)) {
    case KIND_INTSET:
        xfree(ptr_intset(ptr));
        break;
    case KIND_PACKED:
        xfree(ptr_packed(ptr));
        break;
    default:
        set_hash_free(ptr_hash(ptr));
    }
}

/* COPY: the same members in the same representation. */
static Obj *ops_dup(const void *ptr) {
    switch (kind_of(ptr)) {
    case KIND_INTSET: {
        const uint8_t *is = ptr_intset(ptr);
        return obj_new(OBJ_SET, tag_intset(xmemdup(is, intset_bytes(is))));
    }
    case KIND_PACKED: {
        const uint8_t *pk = ptr_packed(ptr);
        return obj_new(OBJ_SET, tag(xmemdup(pk, PACKED_HEADER + pk_used(pk)), TAG_PACKED));
    }
    default: {
        SetHash *d = set_hash_new();
        each_member(ptr, add_to_hash, d);
        return obj_new(OBJ_SET, d);
    }
    }
}

static const char *ops_encoding(const void *ptr) {
    return ptr_is_intset(ptr) ? "intset" : "hashtable";
}

/* Lazyfree's estimate: a member per allocation, as Redis counts the
 * "hashtable" encoding, which the packed string form also reports; an intset
 * is one block. */
static uint64_t ops_free_effort(const void *ptr) {
    return kind_of(ptr) == KIND_INTSET ? 1 : card_of(ptr);
}

static const ObjTypeOps set_type = {"set",   "hashtable", ops_free,     mem_of,
                                    card_of, ops_dup,     ops_encoding, ops_free_effort};

void set_obj_register(void) {
    obj_register_type(OBJ_SET, &set_type);
}
