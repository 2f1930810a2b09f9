/*
 * hashobj.c - the hash value type in two representations.
 *
 * Packed (OBJECT ENCODING "listpack", as Redis names its small form): one
 * allocation holding a 12-byte header and the pairs back to back, each
 * string as its length in LEB128 (7 bits a byte, low group first, high bit
 * = more) followed by its bytes:
 *
 *   +-----+-----+-----+-------+------------------------------------------+
 *   | enc | pad | n   | len   | flen f... vlen v... flen f... vlen v...  |
 *   | u8  | 3   | u32 | u32   | <- len bytes, n pairs, insertion order -> |
 *   +-----+-----+-----+-------+------------------------------------------+
 *
 * Lookups scan it linearly; a change moves the tail and reallocates the
 * block to its exact size. A pair costs its bytes plus one length byte per
 * string below 128 bytes, against Redis's listpack's two (an encoding byte
 * and a back-length byte): less memory for the values most hashes hold.
 * Integers are kept as their text, so every value reads back as the bytes
 * written (Redis's listpack turns canonical integer strings into integers
 * and back, which gives the same bytes).
 *
 * Table ("hashtable"): the keyspace's Dict (src/server/dict.h), the field
 * inline in the entry and the value a separate block in the same
 * length-prefixed form, or, up to 7 bytes, inside the entry's value pointer. The table keeps a
 * running total of its allocations so MEMORY USAGE costs nothing.
 *
 * Conversion follows Redis 7.0: packed -> table when a field or value longer
 * than max_value is set, or the hash has more than max_entries fields, or
 * the block would pass 1 GB (Redis's listpack safety limit); never back
 * (a table that shrinks stays a table, as in Redis).
 *
 * Rejected: storing the pairs as a real listpack, so DUMP could copy the
 * block. Serialisation is rare next to lookups, and the RDB writer builds a
 * byte-identical listpack from the pairs anyway (rdbcodec.c).
 */
#include "types/hashobj.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "server/dict.h"

enum { ENC_PACKED = 1, ENC_TABLE = 2, ENC_EX = 3 };

#define PACKED_MAX_BYTES (1u << 30)

typedef struct Packed {
    uint8_t enc;
    uint8_t pad[3];
    uint32_t n;   /* pairs */
    uint32_t len; /* bytes of data */
    uint8_t data[];
} Packed;

typedef struct Table {
    uint8_t enc;
    Dict *d;
    size_t bytes; /* the entries' and values' allocations */
} Table;

/* A hash with field TTLs (Redis 7.4's field expiration): a small wrapper
 * around the plain hash, so a hash without TTLs costs nothing more. The
 * TTLs are a Dict of the fields that have one (the entry's expire_ms);
 * min caches the earliest (-1: none, MIN_UNKNOWN: to recompute). Around a
 * table the wrapper goes as soon as the last TTL does; around a packed hash
 * it stays (Redis never turns its LISTPACK_EX encoding back into LISTPACK:
 * OBJECT ENCODING still says "listpackex", and DUMP still writes type 25)
 * until the hash becomes a table. */
typedef struct Ex {
    uint8_t enc;
    HashObj *inner;
    Dict *ttl;
    int64_t min;
} Ex;

#define MIN_UNKNOWN (-2)

static _Atomic size_t ex_count; /* wrappers alive (freed on the lazyfree thread too) */

static int enc_of(const HashObj *h) {
    return *(const uint8_t *)h;
}

/* The plain hash under h (h itself when it has no TTLs). */
static HashObj *plain(const HashObj *h) {
    return enc_of(h) == ENC_EX ? ((const Ex *)h)->inner : (HashObj *)h;
}

static HashObj **plain_ref(HashObj **h) {
    return enc_of(*h) == ENC_EX ? &((Ex *)*h)->inner : h;
}

/* ---- lengths -------------------------------------------------------------- */

static size_t vsize(size_t v) {
    size_t n = 1;
    while (v >= 128) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t vput(uint8_t *p, size_t v) {
    size_t n = 0;
    while (v >= 128) {
        p[n++] = (uint8_t)(v | 128);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static size_t vget(const uint8_t *p, size_t *v) {
    size_t n = 0, out = 0;
    int shift = 0;
    for (;;) {
        uint8_t b = p[n++];
        out |= (size_t)(b & 127) << shift;
        if (!(b & 128)) break;
        shift += 7;
    }
    *v = out;
    return n;
}

/* A string stored as length + bytes, at p: its view; *next is after it. */
static Slice str_at(const uint8_t *p, const uint8_t **next) {
    size_t len;
    p += vget(p, &len);
    *next = p + len;
    return slice_of((const char *)p, len);
}

static size_t str_size(Slice s) {
    return vsize(s.len) + s.len;
}

static uint8_t *str_put(uint8_t *p, Slice s) {
    p += vput(p, s.len);
    if (s.len) memcpy(p, s.p, s.len);
    return p + s.len;
}

/* ---- table values --------------------------------------------------------- */

/* A value of up to 7 bytes lives in the entry's val pointer itself (saving
 * a block of 8 to 16 bytes per field of a table of counters and flags): the
 * slot's first byte is 1 | len << 1, the value's bytes follow. No block is
 * odd, so the low bit tells the two apart (the first byte is the low one on
 * the little-endian machines streamd builds for). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "inline values need little-endian");
#define INLINE_MAX (sizeof(void *) - 1)

static int val_is_inline(const void *v) {
    return ((uintptr_t)v & 1) != 0;
}

static void val_set(void **slot, Slice v) {
    if (v.len <= INLINE_MAX) {
        uint8_t b[sizeof(void *)] = {0};
        b[0] = (uint8_t)(1 | v.len << 1);
        if (v.len) memcpy(b + 1, v.p, v.len);
        memcpy(slot, b, sizeof b);
        return;
    }
    uint8_t *b = xmalloc(str_size(v));
    str_put(b, v);
    *slot = b;
}

/* A view of the value in *slot, valid while the entry holds it. */
static Slice val_view(void *const *slot) {
    if (val_is_inline(*slot)) {
        const uint8_t *b = (const uint8_t *)slot;
        return slice_of((const char *)b + 1, b[0] >> 1);
    }
    const uint8_t *next;
    return str_at(*slot, &next);
}

static size_t val_bytes(const void *v) {
    return val_is_inline(v) ? 0 : xsize(v);
}

static void val_free(void *v) {
    if (!val_is_inline(v)) xfree(v);
}

/* ---- life ----------------------------------------------------------------- */

HashObj *hashobj_new(void) {
    Packed *p = xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->enc = ENC_PACKED;
    return (HashObj *)p;
}

void hashobj_free(HashObj *h) {
    if (!h) return;
    if (enc_of(h) == ENC_EX) {
        Ex *x = (Ex *)h;
        hashobj_free(x->inner);
        dict_free(x->ttl, NULL);
        xfree(x);
        ex_count--;
        return;
    }
    if (enc_of(h) == ENC_TABLE) dict_free(((Table *)h)->d, val_free);
    xfree(h);
}

uint64_t hashobj_len(const HashObj *h) {
    h = plain(h);
    if (enc_of(h) == ENC_PACKED) return ((const Packed *)h)->n;
    return dict_size(((const Table *)h)->d);
}

int hashobj_is_packed(const HashObj *h) {
    h = plain(h);
    return enc_of(h) == ENC_PACKED;
}

static size_t ttl_bytes(const Dict *d);

size_t hashobj_mem_bytes(const HashObj *h) {
    if (enc_of(h) == ENC_EX) {
        const Ex *x = (const Ex *)h;
        return xsize(x) + ttl_bytes(x->ttl) + hashobj_mem_bytes(x->inner);
    }
    if (enc_of(h) == ENC_PACKED) return xsize(h);
    const Table *t = (const Table *)h;
    return xsize(t) + xsize(t->d) + dict_buckets(t->d) * sizeof(void *) + t->bytes;
}

/* ---- packed --------------------------------------------------------------- */

/* The offset of field's pair in p's data, or -1; *vstart and *end: where its
 * value starts and the pair ends. */
static long packed_find(const Packed *p, Slice field, size_t *vstart, size_t *end) {
    const uint8_t *at = p->data, *next;
    for (uint32_t i = 0; i < p->n; i++) {
        const uint8_t *pair = at;
        Slice f = str_at(at, &next);
        const uint8_t *v = next;
        str_at(v, &next);
        if (slice_eq(f, field)) {
            *vstart = (size_t)(v - p->data);
            *end = (size_t)(next - p->data);
            return (long)(pair - p->data);
        }
        at = next;
    }
    return -1;
}

/* Replaces data[from..to) with room for n bytes; returns p (moved). */
static Packed *packed_splice(Packed *p, size_t from, size_t to, size_t n) {
    size_t old = p->len, tail = old - to, len = old - (to - from) + n;
    if (len > old) p = xrealloc(p, sizeof *p + len);
    memmove(p->data + from + n, p->data + to, tail);
    if (len < old) p = xrealloc(p, sizeof *p + len);
    p->len = (uint32_t)len;
    return p;
}

/* ---- table ---------------------------------------------------------------- */

static Table *table_new(void) {
    Table *t = xmalloc(sizeof *t);
    t->enc = ENC_TABLE;
    t->d = dict_new();
    t->bytes = 0;
    return t;
}

static int table_set(Table *t, Slice field, Slice value) {
    DictEntry *e = dict_find(t->d, field.p, field.len);
    if (e) {
        t->bytes -= val_bytes(e->val);
        val_free(e->val);
        val_set(&e->val, value);
        t->bytes += val_bytes(e->val);
        return 0;
    }
    e = dict_add(t->d, field.p, field.len, NULL);
    val_set(&e->val, value);
    t->bytes += xsize(e) + val_bytes(e->val);
    return 1;
}

static void plain_convert(HashObj **h);
static void ex_tidy(HashObj **h);

void hashobj_convert(HashObj **h) {
    plain_convert(plain_ref(h));
    ex_tidy(h);
}

static void plain_convert(HashObj **h) {
    if (enc_of(*h) != ENC_PACKED) return;
    Packed *p = (Packed *)*h;
    Table *t = table_new();
    const uint8_t *at = p->data;
    for (uint32_t i = 0; i < p->n; i++) {
        Slice f = str_at(at, &at);
        Slice v = str_at(at, &at);
        int added = table_set(t, f, v);
        assert(added);
        (void)added;
    }
    xfree(p);
    *h = (HashObj *)t;
}

/* ---- access --------------------------------------------------------------- */

int hashobj_get(HashObj *h, Slice field, Slice *value) {
    h = plain(h);
    if (enc_of(h) == ENC_PACKED) {
        Packed *p = (Packed *)h;
        size_t vs, end;
        if (packed_find(p, field, &vs, &end) < 0) return 0;
        const uint8_t *next;
        *value = str_at(p->data + vs, &next);
        return 1;
    }
    DictEntry *e = dict_find(((Table *)h)->d, field.p, field.len);
    if (!e) return 0;
    *value = val_view(&e->val);
    return 1;
}

static int plain_set(HashObj **h, Slice field, Slice value, const HashLimits *lim);
static void ttl_drop(HashObj **h, Slice field);

int hashobj_set(HashObj **h, Slice field, Slice value, const HashLimits *lim) {
    if (enc_of(*h) == ENC_EX) {
        int added = plain_set(plain_ref(h), field, value, lim);
        if (!added) ttl_drop(h, field);
        ex_tidy(h); /* it may have become a table */
        return added;
    }
    return plain_set(h, field, value, lim);
}

int hashobj_set_keep_ttl(HashObj **h, Slice field, Slice value, const HashLimits *lim) {
    int added = plain_set(plain_ref(h), field, value, lim);
    ex_tidy(h);
    return added;
}

static int plain_set(HashObj **h, Slice field, Slice value, const HashLimits *lim) {
    if (enc_of(*h) == ENC_PACKED &&
        (field.len > lim->max_value || value.len > lim->max_value ||
         ((Packed *)*h)->len + str_size(field) + str_size(value) > PACKED_MAX_BYTES))
        plain_convert(h);
    if (enc_of(*h) == ENC_TABLE) return table_set((Table *)*h, field, value);
    Packed *p = (Packed *)*h;
    size_t vs, end;
    int added;
    if (packed_find(p, field, &vs, &end) >= 0) {
        p = packed_splice(p, vs, end, str_size(value));
        str_put(p->data + vs, value);
        added = 0;
    } else {
        size_t at = p->len;
        p = packed_splice(p, at, at, str_size(field) + str_size(value));
        str_put(str_put(p->data + at, field), value);
        p->n++;
        added = 1;
    }
    *h = (HashObj *)p;
    if (p->n > lim->max_entries) plain_convert(h);
    return added;
}

static int plain_delete(HashObj **h, Slice field);

int hashobj_delete(HashObj **h, Slice field) {
    if (enc_of(*h) == ENC_EX) {
        int rc = plain_delete(plain_ref(h), field);
        if (rc) ttl_drop(h, field);
        return rc;
    }
    return plain_delete(h, field);
}

static int plain_delete(HashObj **h, Slice field) {
    if (enc_of(*h) == ENC_PACKED) {
        Packed *p = (Packed *)*h;
        size_t vs, end;
        long at = packed_find(p, field, &vs, &end);
        if (at < 0) return 0;
        p = packed_splice(p, (size_t)at, end, 0);
        p->n--;
        *h = (HashObj *)p;
        return 1;
    }
    Table *t = (Table *)*h;
    DictEntry *e = dict_unlink(t->d, field.p, field.len);
    if (!e) return 0;
    t->bytes -= xsize(e) + val_bytes(e->val);
    val_free(e->val);
    dict_entry_free(e);
    return 1;
}

/* ---- visits --------------------------------------------------------------- */

typedef struct Visit {
    HashVisitFn fn;
    void *priv;
} Visit;

static void visit_entry(void *priv, DictEntry *e) {
    Visit *v = priv;
    v->fn(v->priv, slice_of(e->key, e->key_len), val_view(&e->val));
}

static void packed_foreach(const Packed *p, HashVisitFn fn, void *priv) {
    const uint8_t *at = p->data;
    for (uint32_t i = 0; i < p->n; i++) {
        Slice f = str_at(at, &at);
        Slice v = str_at(at, &at);
        fn(priv, f, v);
    }
}

void hashobj_foreach(HashObj *h, HashVisitFn fn, void *priv) {
    h = plain(h);
    if (enc_of(h) == ENC_PACKED) {
        packed_foreach((const Packed *)h, fn, priv);
        return;
    }
    Visit v = {fn, priv};
    dict_foreach(((Table *)h)->d, visit_entry, &v);
}

uint64_t hashobj_scan(HashObj *h, uint64_t cursor, HashVisitFn fn, void *priv) {
    h = plain(h);
    if (enc_of(h) == ENC_PACKED) {
        packed_foreach((const Packed *)h, fn, priv);
        return 0;
    }
    Visit v = {fn, priv};
    return dict_scan(((Table *)h)->d, cursor, visit_entry, &v);
}

void hashobj_random(HashObj *h, uint64_t r, Slice *field, Slice *value) {
    h = plain(h);
    assert(hashobj_len(h) > 0);
    if (enc_of(h) == ENC_PACKED) {
        const Packed *p = (const Packed *)h;
        uint64_t k = r % p->n;
        const uint8_t *at = p->data;
        for (uint64_t i = 0; i < k; i++) {
            str_at(at, &at);
            str_at(at, &at);
        }
        *field = str_at(at, &at);
        *value = str_at(at, &at);
        return;
    }
    DictEntry *e = dict_random(((Table *)h)->d);
    *field = slice_of(e->key, e->key_len);
    *value = val_view(&e->val);
}

/* ---- copy ----------------------------------------------------------------- */

static void copy_pair(void *priv, Slice f, Slice v) {
    table_set(priv, f, v);
}

static HashObj *plain_dup(HashObj *h);

static void copy_ttl(void *priv, DictEntry *e) {
    dict_add(priv, e->key, e->key_len, NULL)->expire_ms = e->expire_ms;
}

HashObj *hashobj_dup(HashObj *h) {
    if (enc_of(h) == ENC_EX) {
        const Ex *x = (const Ex *)h;
        Ex *y = xmalloc(sizeof *y);
        *y = *x;
        y->inner = plain_dup(x->inner);
        y->ttl = dict_new();
        dict_foreach(x->ttl, copy_ttl, y->ttl);
        ex_count++;
        return (HashObj *)y;
    }
    return plain_dup(h);
}

static HashObj *plain_dup(HashObj *h) {
    if (enc_of(h) == ENC_PACKED) {
        const Packed *p = (const Packed *)h;
        return xmemdup(p, sizeof *p + p->len);
    }
    Table *t = table_new();
    hashobj_foreach(h, copy_pair, t);
    return (HashObj *)t;
}

/* ---- field TTLs ----------------------------------------------------------- */

static void add_entry_bytes(void *priv, DictEntry *e) {
    *(size_t *)priv += xsize(e);
}

static size_t ttl_bytes(const Dict *d) {
    size_t n = xsize(d) + dict_buckets(d) * sizeof(void *);
    dict_foreach((Dict *)d, add_entry_bytes, &n);
    return n;
}

/* Drops the wrapper of a hash whose last TTL went. */
static void ex_unwrap(HashObj **h) {
    Ex *x = (Ex *)*h;
    *h = x->inner;
    dict_free(x->ttl, NULL);
    xfree(x);
    ex_count--;
}

/* Drops the wrapper of *h (which may be anything) if it holds no TTL and
 * wraps a table (see Ex). */
static void ex_tidy(HashObj **h) {
    if (enc_of(*h) != ENC_EX) return;
    Ex *x = (Ex *)*h;
    if (dict_size(x->ttl) == 0 && enc_of(x->inner) != ENC_PACKED) ex_unwrap(h);
}

static void ttl_drop(HashObj **h, Slice field) {
    Ex *x = (Ex *)*h;
    DictEntry *e = dict_unlink(x->ttl, field.p, field.len);
    if (!e) return;
    if (e->expire_ms == x->min) x->min = MIN_UNKNOWN;
    dict_entry_free(e);
    ex_tidy(h);
}

int64_t hashobj_get_ttl(HashObj *h, Slice field) {
    if (enc_of(h) != ENC_EX) return -1;
    DictEntry *e = dict_find(((Ex *)h)->ttl, field.p, field.len);
    return e ? e->expire_ms : -1;
}

/* Puts *h under a TTL wrapper with no TTLs yet. */
static void wrap_ex(HashObj **h) {
    Ex *x = xmalloc(sizeof *x);
    x->enc = ENC_EX;
    x->inner = *h;
    x->ttl = dict_new();
    x->min = -1;
    *h = (HashObj *)x;
    ex_count++;
}

void hashobj_set_ttl(HashObj **h, Slice field, int64_t when_ms) {
    if (when_ms < 0) {
        if (enc_of(*h) == ENC_EX) ttl_drop(h, field);
        return;
    }
    if (enc_of(*h) != ENC_EX) wrap_ex(h);
    Ex *x = (Ex *)*h;
    DictEntry *e = dict_find(x->ttl, field.p, field.len);
    if (!e) e = dict_add(x->ttl, field.p, field.len, NULL);
    if (e->expire_ms == x->min && when_ms > x->min) x->min = MIN_UNKNOWN;
    e->expire_ms = when_ms;
    if (x->min != MIN_UNKNOWN && (x->min < 0 || when_ms < x->min)) x->min = when_ms;
}

int hashobj_has_ttls(const HashObj *h) {
    return enc_of(h) == ENC_EX && dict_size(((const Ex *)h)->ttl) > 0;
}

int hashobj_is_ex(const HashObj *h) {
    return enc_of(h) == ENC_EX;
}

void hashobj_make_ex(HashObj **h) {
    if (enc_of(*h) == ENC_EX || enc_of(*h) != ENC_PACKED) return;
    wrap_ex(h);
}

uint64_t hashobj_ttl_count(const HashObj *h) {
    return enc_of(h) == ENC_EX ? dict_size(((const Ex *)h)->ttl) : 0;
}

static void min_of(void *priv, DictEntry *e) {
    int64_t *m = priv;
    if (*m < 0 || e->expire_ms < *m) *m = e->expire_ms;
}

int64_t hashobj_min_ttl(HashObj *h) {
    if (enc_of(h) != ENC_EX) return -1;
    Ex *x = (Ex *)h;
    if (x->min == MIN_UNKNOWN) {
        x->min = -1;
        dict_foreach(x->ttl, min_of, &x->min);
    }
    return x->min;
}

typedef struct TtlVisit {
    HashTtlFn fn;
    void *priv;
} TtlVisit;

static void visit_ttl(void *priv, DictEntry *e) {
    TtlVisit *v = priv;
    v->fn(v->priv, slice_of(e->key, e->key_len), e->expire_ms);
}

void hashobj_foreach_ttl(HashObj *h, HashTtlFn fn, void *priv) {
    if (enc_of(h) != ENC_EX) return;
    TtlVisit v = {fn, priv};
    dict_foreach(((Ex *)h)->ttl, visit_ttl, &v);
}

size_t hashobj_ex_alive(void) {
    return ex_count;
}
