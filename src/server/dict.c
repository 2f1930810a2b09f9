/*
 * dict.c - hash table with incremental rehashing.
 *
 * Two tables: t[0] is the main one; while rehashing, t[1] is the new one and
 * rehash_idx is the next bucket of t[0] to move. Lookups look in both; adds
 * go to t[1] while rehashing. The table grows at load factor 1 and shrinks
 * below 1/8 (not under 4 buckets).
 *
 * The hash is a seeded 64-bit multiply-xorshift over 8-byte words, seeded at
 * start-up from the clock and pid so clients cannot aim collisions at it.
 */
#include "server/dict.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/bytes.h"

typedef struct Table {
    DictEntry **b;
    uint64_t size; /* power of two, or 0 */
    uint64_t used;
} Table;

struct Dict {
    Table t[2];
    int64_t rehash_idx; /* -1: not rehashing */
};

static uint64_t seed;

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The last r (< 8) bytes of key[0..len) as a little-endian word, zero
 * above them: the value a copy of those bytes into a zeroed word gives, by
 * at most two fixed-size loads instead of a variable-length copy (a call on
 * every key lookup). Past the first word, one load of the key's last eight
 * bytes, shifted; below eight bytes, two overlapping loads. */
static inline uint64_t tail_word(const char *key, size_t len, size_t r) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (r == 0) return 0;
    if (len >= 8) {
        uint64_t w;
        memcpy(&w, key + len - 8, 8);
        return w >> (8 * (8 - r));
    }
    return bytes_le_upto8(key, r);
#else
    uint64_t w = 0;
    memcpy(&w, key + len - r, r);
    return w;
#endif
}

uint64_t dict_hash(const char *key, size_t len) {
    if (seed == 0) seed = mix((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32)) | 1;
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
    }
    return mix(h ^ tail_word(key, len, len - i) ^ (uint64_t)(len - i) << 56);
}

Dict *dict_new(void) {
    Dict *d = xcalloc(1, sizeof *d);
    d->rehash_idx = -1;
    return d;
}

static void table_clear(Table *t, void (*free_val)(void *)) {
    for (uint64_t i = 0; i < t->size; i++) {
        DictEntry *e = t->b[i];
        while (e) {
            DictEntry *next = e->next;
            if (free_val) free_val(e->val);
            xfree(e);
            e = next;
        }
    }
    xfree(t->b);
    memset(t, 0, sizeof *t);
}

void dict_clear(Dict *d, void (*free_val)(void *)) {
    table_clear(&d->t[0], free_val);
    table_clear(&d->t[1], free_val);
    d->rehash_idx = -1;
}

void dict_free(Dict *d, void (*free_val)(void *)) {
    if (!d) return;
    dict_clear(d, free_val);
    xfree(d);
}

size_t dict_size(const Dict *d) {
    return d->t[0].used + d->t[1].used;
}

size_t dict_memory(const Dict *d) {
    if (!d) return 0;
    size_t n = xsize(d);
    for (int i = 0; i < 2; i++) {
        n += xsize(d->t[i].b);
        for (uint64_t j = 0; j < d->t[i].size; j++)
            for (const DictEntry *e = d->t[i].b[j]; e; e = e->next) n += xsize(e);
    }
    return n;
}

size_t dict_buckets(const Dict *d) {
    return d->t[0].size + d->t[1].size;
}

static int rehashing(const Dict *d) {
    return d->rehash_idx >= 0;
}

int dict_rehash_steps(Dict *d, int n) {
    if (!rehashing(d)) return 0;
    int empty_visits = n * 10;
    while (n-- > 0 && d->t[0].used > 0) {
        while (d->t[0].b[d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0) return 1;
        }
        DictEntry *e = d->t[0].b[d->rehash_idx];
        while (e) {
            DictEntry *next = e->next;
            uint64_t h = dict_hash(e->key, e->key_len) & (d->t[1].size - 1);
            e->next = d->t[1].b[h];
            d->t[1].b[h] = e;
            d->t[0].used--;
            d->t[1].used++;
            e = next;
        }
        d->t[0].b[d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (d->t[0].used == 0) {
        xfree(d->t[0].b);
        d->t[0] = d->t[1];
        memset(&d->t[1], 0, sizeof d->t[1]);
        d->rehash_idx = -1;
        return 0;
    }
    return 1;
}

static void start_resize(Dict *d, uint64_t size) {
    assert(!rehashing(d));
    uint64_t real = 4;
    while (real < size) real <<= 1;
    if (real == d->t[0].size) return;
    Table nt = {xcalloc(real, sizeof(DictEntry *)), real, 0};
    if (d->t[0].size == 0) {
        d->t[0] = nt;
        return;
    }
    d->t[1] = nt;
    d->rehash_idx = 0;
}

static void maybe_resize(Dict *d) {
    if (rehashing(d)) return;
    if (d->t[0].size == 0) {
        start_resize(d, 4);
    } else if (d->t[0].used >= d->t[0].size) {
        start_resize(d, d->t[0].used * 2);
    } else if (d->t[0].size > 4 && d->t[0].used * 8 < d->t[0].size) {
        start_resize(d, d->t[0].used * 2);
    }
}

DictEntry *dict_find(Dict *d, const char *key, size_t len) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash_steps(d, 1);
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->t[t].size == 0) continue;
        for (DictEntry *e = d->t[t].b[h & (d->t[t].size - 1)]; e; e = e->next) {
            if (e->key_len == len && memcmp(e->key, key, len) == 0) return e;
        }
        if (!rehashing(d)) break;
    }
    return NULL;
}

DictEntry *dict_add(Dict *d, const char *key, size_t len, void *val) {
    if (rehashing(d)) dict_rehash_steps(d, 1);
    maybe_resize(d);
    assert(len <= UINT32_MAX);
    DictEntry *e = xmalloc(sizeof *e + len + 1);
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->key_len = (uint32_t)len;
    e->val = val;
    e->expire_ms = -1;
    Table *t = rehashing(d) ? &d->t[1] : &d->t[0];
    uint64_t h = dict_hash(key, len) & (t->size - 1);
    e->next = t->b[h];
    t->b[h] = e;
    t->used++;
    return e;
}

DictEntry *dict_unlink(Dict *d, const char *key, size_t len) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash_steps(d, 1);
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->t[t].size == 0) continue;
        DictEntry **pp = &d->t[t].b[h & (d->t[t].size - 1)];
        for (DictEntry *e = *pp; e; pp = &e->next, e = e->next) {
            if (e->key_len == len && memcmp(e->key, key, len) == 0) {
                *pp = e->next;
                d->t[t].used--;
                maybe_resize(d);
                return e;
            }
        }
        if (!rehashing(d)) break;
    }
    return NULL;
}

void dict_entry_free(DictEntry *e) {
    xfree(e);
}

DictEntry *dict_random(Dict *d) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash_steps(d, 1);
    DictEntry *e = NULL;
    uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
    while (!e) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        if (rehashing(d)) {
            uint64_t total = d->t[0].size + d->t[1].size;
            uint64_t i = (uint64_t)d->rehash_idx + (r >> 11) % (total - (uint64_t)d->rehash_idx);
            e = i >= d->t[0].size ? d->t[1].b[i - d->t[0].size] : d->t[0].b[i];
        } else {
            e = d->t[0].b[(r >> 11) & (d->t[0].size - 1)];
        }
    }
    uint64_t n = 0;
    for (DictEntry *x = e; x; x = x->next) n++;
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t k = (r >> 11) % n;
    while (k--) e = e->next;
    return e;
}

/* The 64 bits of v in reverse order: swap neighbouring bits, then pairs,
 * then nibbles, and let a byte swap do the rest. SCAN and KEYS call this
 * twice per bucket, so a bit-by-bit loop cost more than visiting the keys. */
static uint64_t rev(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

static void visit_bucket(Table *t, uint64_t idx, void (*fn)(void *, DictEntry *), void *priv) {
    DictEntry *e = t->b[idx & (t->size - 1)];
    while (e) {
        DictEntry *next = e->next;
        fn(priv, e);
        e = next;
    }
}

uint64_t dict_scan(Dict *d, uint64_t v, void (*fn)(void *priv, DictEntry *e), void *priv) {
    if (dict_size(d) == 0) return 0;
    if (!rehashing(d)) {
        uint64_t m0 = d->t[0].size - 1;
        visit_bucket(&d->t[0], v, fn, priv);
        v |= ~m0;
        v = rev(v);
        v++;
        v = rev(v);
        return v;
    }
    Table *small = &d->t[0], *large = &d->t[1];
    if (small->size > large->size) {
        small = &d->t[1];
        large = &d->t[0];
    }
    uint64_t m0 = small->size - 1, m1 = large->size - 1;
    /* buckets of t[0] below rehash_idx are empty, so visiting them is harmless */
    visit_bucket(small, v, fn, priv);
    do {
        visit_bucket(large, v, fn, priv);
        v |= ~m1;
        v = rev(v);
        v++;
        v = rev(v);
    } while (v & (m0 ^ m1));
    return v;
}

void dict_foreach(Dict *d, void (*fn)(void *priv, DictEntry *e), void *priv) {
    enum { AHEAD = 8 };
    for (int t = 0; t < 2; t++) {
        Table *tb = &d->t[t];
        for (uint64_t i = 0; i < tb->size; i++) {
            /* The entries are scattered: ask for one a few buckets ahead so
             * that the misses overlap instead of coming one after another. */
            if (i + AHEAD < tb->size && tb->b[i + AHEAD]) __builtin_prefetch(tb->b[i + AHEAD]);
            visit_bucket(tb, i, fn, priv);
        }
    }
}

void dict_swap(Dict *a, Dict *b) {
    Dict tmp = *a;
    *a = *b;
    *b = tmp;
}
