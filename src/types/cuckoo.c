/*
 * cuckoo.c - the Cuckoo filter (see cuckoo.h), placing fingerprints exactly
 * as RedisBloom does.
 *
 * An item's 64-bit hash h (MurmurHash64A, seed 0) gives its fingerprint
 * fp = h % 255 + 1 (never 0, which marks an empty slot) and two candidate
 * buckets: i1 = h and i2 = h ^ (fp * 0x5bd1e995), each taken modulo the
 * sub-filter's bucket count (a power of two, so i1 and i2 map to each other
 * in every sub-filter, whatever its size). An insert takes the first free
 * slot of i1 then i2, newest sub-filter first; failing that it evicts in the
 * newest sub-filter (slot 0 of i1's bucket, then the next slot of each
 * bucket it moves to) for at most max_iterations moves, rolls the moves back
 * when they found no room, and adds a sub-filter `expansion` times bigger
 * than the previous one (none when expansion is 0: the filter is full).
 *
 * Deletes clear one matching slot, newest sub-filter first; once deletes
 * exceed a tenth of the items (and there is more than one sub-filter) the
 * filter is compacted: fingerprints move down into older sub-filters and an
 * emptied newest sub-filter is freed.
 *
 * CF.SCANDUMP header (RedisBloom's packed struct, little-endian, 46 bytes):
 *   off 0  u64 items       off 24 u64 sub-filters    off 36 u16 max iterations
 *   off 8  u64 buckets     off 32 u16 bucket size    off 38 u16 expansion
 *   off 16 u64 deletes                               off 40 8 bytes, zero
 * (the last is a pointer field of RedisBloom's struct, written as zero). The
 * sub-filters' slot arrays follow as chunks whose position is 1 + the byte
 * offset in their concatenation.
 */
#include "types/cuckoo.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/murmur.h"
#include "types/bloom.h"

#define ALT_MULT             UINT64_C(0x5bd1e995)
#define FILTER_MEM_BYTES     40 /* RedisBloom's sizeof(CuckooFilter), sizeof(SubCF) */
#define SUB_MEM_BYTES        16
#define COMPACT_DELETE_RATIO 0.10

uint64_t cuckoo_hash(const void *item, size_t len) {
    return murmur64a(item, len, 0);
}

static uint64_t next_pow2(uint64_t n) {
    n--;
    n |= n >> 1;
    n |= n >> 2;
    n |= n >> 4;
    n |= n >> 8;
    n |= n >> 16;
    n |= n >> 32;
    return n + 1;
}

static int is_pow2(uint64_t n) {
    return n && !(n & (n - 1));
}

typedef struct Lookup {
    uint64_t h1, h2;
    uint8_t fp;
} Lookup;

static uint64_t alt_index(uint8_t fp, uint64_t index) {
    return index ^ ((uint64_t)fp * ALT_MULT);
}

static Lookup lookup_of(uint64_t hash) {
    Lookup l;
    l.fp = (uint8_t)(hash % 255 + 1);
    l.h1 = hash;
    l.h2 = alt_index(l.fp, hash);
    return l;
}

/* Offset of the bucket for hash (RedisBloom computes it in 32 bits). */
static uint64_t bucket_at(const Cuckoo *cf, const CuckooSub *s, uint64_t hash) {
    return (uint32_t)((hash % s->n_buckets) * cf->bucket_size);
}

static uint8_t *bucket_free_slot(uint8_t *bucket, uint16_t bucket_size) {
    for (uint16_t i = 0; i < bucket_size; i++)
        if (bucket[i] == 0) return &bucket[i];
    return NULL;
}

static uint8_t *sub_free_slot(const Cuckoo *cf, CuckooSub *s, const Lookup *l) {
    uint8_t *slot = bucket_free_slot(s->data + bucket_at(cf, s, l->h1), cf->bucket_size);
    if (!slot) slot = bucket_free_slot(s->data + bucket_at(cf, s, l->h2), cf->bucket_size);
    return slot;
}

/* Adds a sub-filter expansion^n_filters times the first one's size. */
static int grow(Cuckoo *cf) {
    if (cf->n_filters == UINT16_MAX) return -1;
    double growth = pow(cf->expansion, cf->n_filters);
    if (!(growth <= (double)(CUCKOO_MAX_BUCKETS / cf->n_buckets))) return -1;
    uint64_t n_buckets = cf->n_buckets * (uint64_t)growth;
    if (n_buckets == 0 || n_buckets > CUCKOO_MAX_SUB_BYTES / cf->bucket_size) return -1;
    cf->filters = xrealloc(cf->filters, sizeof(*cf->filters) * (cf->n_filters + 1));
    CuckooSub *s = &cf->filters[cf->n_filters];
    s->n_buckets = n_buckets;
    s->data = xcalloc(n_buckets, cf->bucket_size);
    cf->n_filters++;
    return 0;
}

Cuckoo *cuckoo_new(uint64_t capacity, uint16_t bucket_size, uint16_t max_iterations,
                   uint16_t expansion) {
    Cuckoo *cf = xcalloc(1, sizeof(*cf));
    cf->expansion = (uint16_t)next_pow2(expansion);
    cf->bucket_size = bucket_size;
    cf->max_iterations = max_iterations;
    cf->n_buckets = next_pow2(capacity / bucket_size);
    if (cf->n_buckets == 0) cf->n_buckets = 1;
    if (grow(cf) != 0) {
        cuckoo_free(cf);
        return NULL;
    }
    return cf;
}

void cuckoo_free(Cuckoo *cf) {
    if (!cf) return;
    for (uint16_t i = 0; i < cf->n_filters; i++) xfree(cf->filters[i].data);
    xfree(cf->filters);
    xfree(cf);
}

Cuckoo *cuckoo_dup(const Cuckoo *cf) {
    Cuckoo *d = xmemdup(cf, sizeof(*cf));
    d->filters = cf->n_filters ? xmemdup(cf->filters, sizeof(*cf->filters) * cf->n_filters) : NULL;
    for (uint16_t i = 0; i < cf->n_filters; i++)
        d->filters[i].data =
            xmemdup(cf->filters[i].data, cf->filters[i].n_buckets * cf->bucket_size);
    return d;
}

static uint64_t bucket_count(const uint8_t *bucket, uint16_t bucket_size, uint8_t fp) {
    uint64_t n = 0;
    for (uint16_t i = 0; i < bucket_size; i++) n += bucket[i] == fp;
    return n;
}

static int check_fp(const Cuckoo *cf, const Lookup *l) {
    for (uint16_t i = 0; i < cf->n_filters; i++) {
        const CuckooSub *s = &cf->filters[i];
        if (bucket_count(s->data + bucket_at(cf, s, l->h1), cf->bucket_size, l->fp) ||
            bucket_count(s->data + bucket_at(cf, s, l->h2), cf->bucket_size, l->fp))
            return 1;
    }
    return 0;
}

int cuckoo_check(const Cuckoo *cf, uint64_t hash) {
    Lookup l = lookup_of(hash);
    return check_fp(cf, &l);
}

uint64_t cuckoo_count(const Cuckoo *cf, uint64_t hash) {
    Lookup l = lookup_of(hash);
    uint64_t n = 0;
    for (uint16_t i = 0; i < cf->n_filters; i++) {
        const CuckooSub *s = &cf->filters[i];
        n += bucket_count(s->data + bucket_at(cf, s, l.h1), cf->bucket_size, l.fp);
        n += bucket_count(s->data + bucket_at(cf, s, l.h2), cf->bucket_size, l.fp);
    }
    return n;
}

static int bucket_delete(uint8_t *bucket, uint16_t bucket_size, uint8_t fp) {
    for (uint16_t i = 0; i < bucket_size; i++) {
        if (bucket[i] == fp) {
            bucket[i] = 0;
            return 1;
        }
    }
    return 0;
}

int cuckoo_delete(Cuckoo *cf, uint64_t hash) {
    Lookup l = lookup_of(hash);
    for (uint16_t i = cf->n_filters; i-- > 0;) {
        CuckooSub *s = &cf->filters[i];
        if (bucket_delete(s->data + bucket_at(cf, s, l.h1), cf->bucket_size, l.fp) ||
            bucket_delete(s->data + bucket_at(cf, s, l.h2), cf->bucket_size, l.fp)) {
            cf->n_items--;
            cf->n_deletes++;
            if (cf->n_filters > 1 &&
                (double)cf->n_deletes > (double)cf->n_items * COMPACT_DELETE_RATIO)
                cuckoo_compact(cf, 0);
            return 1;
        }
    }
    return 0;
}

/* Eviction in sub-filter s: see the file comment. */
static int kick_insert(Cuckoo *cf, CuckooSub *s, const Lookup *l) {
    uint16_t bs = cf->bucket_size;
    uint64_t n = s->n_buckets;
    uint8_t fp = l->fp;
    uint32_t victim = 0;
    uint64_t ii = l->h1 % n;
    for (uint32_t k = 0; k < cf->max_iterations; k++) {
        uint8_t *b = &s->data[ii * bs + victim];
        uint8_t t = *b;
        *b = fp;
        fp = t;
        ii = alt_index(fp, ii) % n;
        uint8_t *empty = bucket_free_slot(&s->data[ii * bs], bs);
        if (empty) {
            *empty = fp;
            return 1;
        }
        victim = (victim + 1) % bs;
    }
    for (uint32_t k = 0; k < cf->max_iterations; k++) {
        victim = (victim + bs - 1) % bs;
        ii = alt_index(fp, ii) % n;
        uint8_t *b = &s->data[ii * bs + victim];
        uint8_t t = *b;
        *b = fp;
        fp = t;
    }
    return 0;
}

static CuckooInsert insert_fp(Cuckoo *cf, const Lookup *l) {
    for (;;) {
        for (uint16_t i = cf->n_filters; i-- > 0;) {
            uint8_t *slot = sub_free_slot(cf, &cf->filters[i], l);
            if (slot) {
                *slot = l->fp;
                cf->n_items++;
                return CUCKOO_INSERTED;
            }
        }
        if (kick_insert(cf, &cf->filters[cf->n_filters - 1], l)) {
            cf->n_items++;
            return CUCKOO_INSERTED;
        }
        if (cf->expansion == 0) return CUCKOO_NOSPACE;
        if (grow(cf) != 0) return CUCKOO_NOMEM;
    }
}

CuckooInsert cuckoo_insert(Cuckoo *cf, uint64_t hash, int unique) {
    Lookup l = lookup_of(hash);
    if (unique && check_fp(cf, &l)) return CUCKOO_EXISTS;
    return insert_fp(cf, &l);
}

/* Moves what it can of sub-filter ix into older ones: 0 if it emptied it
 * (and freed it when newest), -1 if some fingerprint found no room. */
static int compact_one(Cuckoo *cf, uint16_t ix) {
    CuckooSub *s = &cf->filters[ix];
    int rv = 0;
    for (uint64_t b = 0; b < s->n_buckets; b++) {
        for (uint16_t slot = 0; slot < cf->bucket_size; slot++) {
            uint8_t *p = &s->data[b * cf->bucket_size + slot];
            if (*p == 0) continue;
            Lookup l = {.fp = *p, .h1 = b, .h2 = alt_index(*p, b)};
            int moved = 0;
            for (uint16_t i = 0; i < ix && !moved; i++) {
                uint8_t *to = sub_free_slot(cf, &cf->filters[i], &l);
                if (to) {
                    *to = l.fp;
                    *p = 0;
                    moved = 1;
                }
            }
            if (!moved) rv = -1;
        }
    }
    if (rv == 0 && ix == cf->n_filters - 1) {
        xfree(s->data);
        s->data = NULL;
        cf->n_filters--;
    }
    return rv;
}

void cuckoo_compact(Cuckoo *cf, int cont) {
    for (uint16_t ix = cf->n_filters; ix > 1; ix--)
        if (compact_one(cf, ix - 1) != 0 && !cont) break;
    cf->n_deletes = 0;
}

uint64_t cuckoo_mem_usage(const Cuckoo *cf) {
    uint64_t n = FILTER_MEM_BYTES + (uint64_t)SUB_MEM_BYTES * cf->n_filters;
    for (uint16_t i = 0; i < cf->n_filters; i++) n += cf->filters[i].n_buckets * cf->bucket_size;
    return n;
}

int cuckoo_validate(const Cuckoo *cf, const CuckooLimits *lim) {
    if (cf->bucket_size < 1 || cf->bucket_size > lim->max_bucket_size) return -1;
    if (cf->n_filters < 1 || cf->n_filters > lim->max_filters) return -1;
    if (cf->max_iterations < 1 || cf->max_iterations > lim->max_iterations) return -1;
    if (cf->expansion > lim->max_expansion) return -1;
    if (cf->expansion == 0 && cf->n_filters > 1) return -1;
    if (cf->n_buckets == 0 || cf->n_buckets > CUCKOO_MAX_BUCKETS || !is_pow2(cf->n_buckets))
        return -1;
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void cuckoo_header(const Cuckoo *cf, uint8_t *out) {
    memset(out, 0, CUCKOO_HEADER_BYTES);
    put_le(out, cf->n_items, 8);
    put_le(out + 8, cf->n_buckets, 8);
    put_le(out + 16, cf->n_deletes, 8);
    put_le(out + 24, cf->n_filters, 8);
    put_le(out + 32, cf->bucket_size, 2);
    put_le(out + 34, cf->max_iterations, 2);
    put_le(out + 36, cf->expansion, 2);
}

Cuckoo *cuckoo_from_header(const uint8_t *p, size_t len, const CuckooLimits *lim) {
    if (len == CUCKOO_HEADER_BYTES + 16) {
        /* optional hash configuration: only the legacy (zero) one loads */
        for (size_t i = CUCKOO_HEADER_BYTES; i < len; i++)
            if (p[i]) return NULL;
    } else if (len != CUCKOO_HEADER_BYTES) {
        return NULL;
    }
    Cuckoo *cf = xcalloc(1, sizeof(*cf));
    cf->n_items = get_le(p, 8);
    cf->n_buckets = get_le(p + 8, 8);
    cf->n_deletes = get_le(p + 16, 8);
    uint16_t n_filters = (uint16_t)get_le(p + 24, 8); /* RedisBloom keeps 16 bits */
    cf->bucket_size = (uint16_t)get_le(p + 32, 2);
    cf->max_iterations = (uint16_t)get_le(p + 34, 2);
    cf->expansion = (uint16_t)get_le(p + 36, 2);
    cf->n_filters = n_filters;
    if (cuckoo_validate(cf, lim) != 0) {
        cf->n_filters = 0;
        goto bad;
    }
    cf->n_filters = 0;
    cf->filters = xcalloc(n_filters, sizeof(*cf->filters));
    uint64_t total = 0;
    for (uint16_t i = 0; i < n_filters; i++) {
        double growth = pow(cf->expansion, i);
        if (!(growth <= (double)(CUCKOO_MAX_BUCKETS / cf->n_buckets))) goto bad;
        uint64_t n_buckets = cf->n_buckets * (uint64_t)growth;
        if (n_buckets == 0 || n_buckets > CUCKOO_MAX_SUB_BYTES / cf->bucket_size) goto bad;
        total += n_buckets * cf->bucket_size;
        if (total > CUCKOO_MAX_HEADER_BYTES) goto bad;
        cf->filters[i].n_buckets = n_buckets;
        cf->n_filters++;
    }
    /* the slot arrays only once every size is known to be acceptable */
    for (uint16_t i = 0; i < n_filters; i++)
        cf->filters[i].data = xcalloc(cf->filters[i].n_buckets, cf->bucket_size);
    return cf;
bad:
    cuckoo_free(cf);
    return NULL;
}

const uint8_t *cuckoo_chunk(const Cuckoo *cf, long long *pos, size_t *len, size_t max) {
    uint64_t offset = (uint64_t)(*pos - 1), size = 0;
    uint16_t i = 0;
    for (; i < cf->n_filters; i++) {
        size = cf->filters[i].n_buckets * cf->bucket_size;
        if (offset < size) break;
        offset -= size;
    }
    if (i == cf->n_filters) return NULL;
    const CuckooSub *s = &cf->filters[i];
    if (size <= max) {
        /* RedisBloom hands a sub-filter that fits whole from its start */
        *len = (size_t)size;
        *pos += (long long)size;
        return s->data;
    }
    uint64_t remaining = size - offset;
    *len = remaining > max ? max : (size_t)remaining;
    *pos += (long long)*len;
    return s->data + offset;
}

int cuckoo_load_chunk(Cuckoo *cf, long long pos, const uint8_t *p, size_t len) {
    if (len == 0 || pos <= 0 || (uint64_t)(pos - 1) < len) return -1;
    uint64_t offset = (uint64_t)pos - len - 1, size = 0;
    CuckooSub *s = NULL;
    for (uint16_t i = 0; i < cf->n_filters; i++) {
        s = &cf->filters[i];
        size = s->n_buckets * cf->bucket_size;
        if (offset < size) break;
        offset -= size;
    }
    if (!s || offset > size || size - offset < len) return -1;
    memcpy(s->data + offset, p, len);
    return 0;
}
