/*
 * set_hash.c - a hash table of set members (see set_hash.h for why it is
 * not the keyspace's Dict).
 *
 * Two tables: t[0] the main one; while rehashing, t[1] the new one and
 * rehash_idx the next bucket of t[0] to move. Lookups look in both, adds go
 * to t[1] while rehashing, each operation moves a bucket. The table grows at
 * load factor 1 and shrinks below 1/8 (never under 4 buckets). The hash is
 * the keyspace's (dict_hash: seeded at start-up, so clients cannot aim
 * collisions at it).
 *
 * An entry is one allocation: the chain pointer, the member's length and
 * its bytes (no terminating NUL: members are binary and always carried with
 * their length).
 */
#include "cmd/set_hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/dict.h"

typedef struct SetEntry {
    struct SetEntry *next;
    uint32_t len;
    char m[];
} SetEntry;

typedef struct Table {
    SetEntry **b;
    uint64_t size; /* power of two, or 0 */
    uint64_t used;
} Table;

struct SetHash {
    Table t[2];
    int64_t rehash_idx; /* -1: not rehashing */
};

static int rehashing(const SetHash *h) {
    return h->rehash_idx >= 0;
}

static int entry_is(const SetEntry *e, Slice m) {
    return e->len == m.len && (m.len == 0 || memcmp(e->m, m.p, m.len) == 0);
}

static uint64_t hash_of(const char *p, size_t len) {
    return dict_hash(len ? p : "", len);
}

SetHash *set_hash_new(void) {
    SetHash *h = xcalloc(1, sizeof *h);
    h->rehash_idx = -1;
    return h;
}

static void table_clear(Table *t) {
    for (uint64_t i = 0; i < t->size; i++) {
        SetEntry *e = t->b[i];
        while (e) {
            SetEntry *next = e->next;
            xfree(e);
            e = next;
        }
    }
    xfree(t->b);
    memset(t, 0, sizeof *t);
}

void set_hash_free(SetHash *h) {
    if (!h) return;
    table_clear(&h->t[0]);
    table_clear(&h->t[1]);
    xfree(h);
}

size_t set_hash_size(const SetHash *h) {
    return h->t[0].used + h->t[1].used;
}

size_t set_hash_buckets(const SetHash *h) {
    return h->t[0].size + h->t[1].size;
}

/* Moves up to n buckets of an ongoing rehash (visiting at most 10 n empty
 * ones). */
static void rehash_steps(SetHash *h, int n) {
    if (!rehashing(h)) return;
    int empty_visits = n * 10;
    while (n-- > 0 && h->t[0].used > 0) {
        while (h->t[0].b[h->rehash_idx] == NULL) {
            h->rehash_idx++;
            if (--empty_visits == 0) return;
        }
        SetEntry *e = h->t[0].b[h->rehash_idx];
        while (e) {
            SetEntry *next = e->next;
            uint64_t i = hash_of(e->m, e->len) & (h->t[1].size - 1);
            e->next = h->t[1].b[i];
            h->t[1].b[i] = e;
            h->t[0].used--;
            h->t[1].used++;
            e = next;
        }
        h->t[0].b[h->rehash_idx] = NULL;
        h->rehash_idx++;
    }
    if (h->t[0].used == 0) {
        xfree(h->t[0].b);
        h->t[0] = h->t[1];
        memset(&h->t[1], 0, sizeof h->t[1]);
        h->rehash_idx = -1;
    }
}

static void start_resize(SetHash *h, uint64_t want) {
    assert(!rehashing(h));
    uint64_t real = 4;
    while (real < want) real <<= 1;
    if (real == h->t[0].size) return;
    Table nt = {xcalloc(real, sizeof(SetEntry *)), real, 0};
    if (h->t[0].size == 0) {
        h->t[0] = nt;
        return;
    }
    h->t[1] = nt;
    h->rehash_idx = 0;
}

static void maybe_resize(SetHash *h) {
    if (rehashing(h)) return;
    if (h->t[0].size == 0)
        start_resize(h, 4);
    else if (h->t[0].used >= h->t[0].size)
        start_resize(h, h->t[0].used * 2);
    else if (h->t[0].size > 4 && h->t[0].used * 8 < h->t[0].size)
        start_resize(h, h->t[0].used * 2);
}

/* The link pointing at m's entry (in either table), or NULL. */
static SetEntry **find_link(SetHash *h, Slice m, int *table) {
    if (set_hash_size(h) == 0) return NULL;
    uint64_t hv = hash_of(m.p, m.len);
    for (int t = 0; t < 2; t++) {
        if (h->t[t].size == 0) continue;
        SetEntry **pp = &h->t[t].b[hv & (h->t[t].size - 1)];
        for (; *pp; pp = &(*pp)->next) {
            if (entry_is(*pp, m)) {
                *table = t;
                return pp;
            }
        }
        if (!rehashing(h)) break;
    }
    return NULL;
}

int set_hash_has(SetHash *h, Slice m) {
    rehash_steps(h, 1);
    int t;
    return find_link(h, m, &t) != NULL;
}

int set_hash_add(SetHash *h, Slice m) {
    rehash_steps(h, 1);
    int t;
    if (find_link(h, m, &t)) return 0;
    maybe_resize(h);
    assert(m.len <= UINT32_MAX);
    SetEntry *e = xmalloc(sizeof *e + m.len);
    if (m.len) memcpy(e->m, m.p, m.len);
    e->len = (uint32_t)m.len;
    Table *tb = rehashing(h) ? &h->t[1] : &h->t[0];
    uint64_t i = hash_of(m.p, m.len) & (tb->size - 1);
    e->next = tb->b[i];
    tb->b[i] = e;
    tb->used++;
    return 1;
}

int set_hash_remove(SetHash *h, Slice m) {
    rehash_steps(h, 1);
    int t;
    SetEntry **pp = find_link(h, m, &t);
    if (!pp) return 0;
    SetEntry *e = *pp;
    *pp = e->next;
    h->t[t].used--;
    xfree(e);
    maybe_resize(h);
    return 1;
}

Slice set_hash_random(SetHash *h) {
    assert(set_hash_size(h) > 0);
    rehash_steps(h, 1);
    SetEntry *e = NULL;
    uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
    while (!e) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        if (rehashing(h)) {
            /* buckets of t[0] below rehash_idx are empty: draw past them */
            uint64_t total = h->t[0].size + h->t[1].size;
            uint64_t i = (uint64_t)h->rehash_idx + (r >> 11) % (total - (uint64_t)h->rehash_idx);
            e = i >= h->t[0].size ? h->t[1].b[i - h->t[0].size] : h->t[0].b[i];
        } else {
            e = h->t[0].b[(r >> 11) & (h->t[0].size - 1)];
        }
    }
    uint64_t n = 0;
    for (SetEntry *x = e; x; x = x->next) n++;
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;
    for (uint64_t k = (r >> 11) % n; k > 0; k--) e = e->next;
    return slice_of(e->m, e->len);
}

void set_hash_foreach(const SetHash *h, int (*fn)(void *priv, Slice m), void *priv) {
    for (int t = 0; t < 2; t++) {
        const Table *tb = &h->t[t];
        for (uint64_t i = 0; i < tb->size; i++)
            for (const SetEntry *e = tb->b[i]; e; e = e->next)
                if (fn(priv, slice_of(e->m, e->len))) return;
    }
}

static void add_entry_bytes(size_t *n, const Table *tb) {
    for (uint64_t i = 0; i < tb->size; i++)
        for (const SetEntry *e = tb->b[i]; e; e = e->next) *n += xsize(e);
}

size_t set_hash_mem_bytes(const SetHash *h) {
    size_t n = xsize(h) + set_hash_buckets(h) * sizeof(SetEntry *);
    add_entry_bytes(&n, &h->t[0]);
    add_entry_bytes(&n, &h->t[1]);
    return n;
}

/* The 64 bits of v in reverse order. */
static uint64_t rev(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

static void visit_bucket(const Table *t, uint64_t idx, void (*fn)(void *, Slice), void *priv) {
    const SetEntry *e = t->b[idx & (t->size - 1)];
    while (e) {
        const SetEntry *next = e->next;
        fn(priv, slice_of(e->m, e->len));
        e = next;
    }
}

/* SCAN's cursor: the bucket index with its bits reversed, incremented from
 * the top, so that a table that doubled or halved since the last call
 * still visits every bucket whose members were there before; while
 * rehashing, the small table's bucket and every bucket of the large one it
 * expands to. */
uint64_t set_hash_scan(SetHash *h, uint64_t v, void (*fn)(void *priv, Slice m), void *priv) {
    if (set_hash_size(h) == 0) return 0;
    if (!rehashing(h)) {
        uint64_t m0 = h->t[0].size - 1;
        visit_bucket(&h->t[0], v, fn, priv);
        v |= ~m0;
        v = rev(v);
        v++;
        return rev(v);
    }
    const Table *small = &h->t[0], *large = &h->t[1];
    if (small->size > large->size) {
        small = &h->t[1];
        large = &h->t[0];
    }
    uint64_t m0 = small->size - 1, m1 = large->size - 1;
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
