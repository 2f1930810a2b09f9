/*
 * group.c - consumer groups: names, consumers, last-delivered ID, the
 * entries-read counter and lag, on top of the pending list (pel.c).
 *
 * Groups of a stream and consumers of a group are found by name through an
 * open-addressing hash table (NameTab, linear probing, deletion by backward
 * shift). Listings sort on demand: they are O(n) anyway in Redis (a radix
 * tree walk) and rare next to lookups, so keeping a sorted structure on
 * every insert would cost more than it saves. The hash is seeded from the
 * table's address so colliding names cannot be prepared in advance.
 *
 * A consumer's number is its owner number in the group's Pel; consumers[]
 * is indexed by it and has NULL holes where consumers were deleted (the Pel
 * hands the lowest free number out again).
 *
 * Rejected: a radix tree of names (as Redis) - ordered for free but far more
 * code and memory than the handful of groups and consumers a stream has;
 * sorted arrays - O(n) insertion lets a client make consumer creation
 * quadratic.
 */
#include "stream/group.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* ---- Name hash table ------------------------------------------------------ */

typedef Slice (*NameOf)(const void *item);

typedef struct NameTab {
    void **item; /* NULL = empty slot */
    uint64_t *hash;
    uint32_t cap, n;
    NameOf name_of;
} NameTab;

static uint64_t name_hash(const NameTab *t, Slice s) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)t ^ (s.len * 0xff51afd7ed558ccdULL);
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    for (; i + 8 <= s.len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    uint64_t w = 0;
    for (size_t k = 0; i < s.len; i++, k++) w |= (uint64_t)p[i] << (8 * k);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static void nametab_init(NameTab *t, NameOf name_of) {
    memset(t, 0, sizeof(*t));
    t->name_of = name_of;
}

static void nametab_free(NameTab *t) {
    xfree(t->item);
    xfree(t->hash);
    t->item = NULL;
    t->hash = NULL;
    t->cap = t->n = 0;
}

/* Slot holding name, or the empty slot where it would go. */
static uint32_t nametab_slot(const NameTab *t, Slice name, uint64_t h) {
    uint32_t mask = t->cap - 1, i = (uint32_t)h & mask;
    while (t->item[i]) {
        if (t->hash[i] == h && slice_eq(t->name_of(t->item[i]), name)) return i;
        i = (i + 1) & mask;
    }
    return i;
}

static void *nametab_get(const NameTab *t, Slice name) {
    if (t->n == 0) return NULL;
    uint32_t i = nametab_slot(t, name, name_hash(t, name));
    return t->item[i];
}

static void nametab_grow(NameTab *t) {
    uint32_t old_cap = t->cap;
    void **old_item = t->item;
    uint64_t *old_hash = t->hash;
    t->cap = old_cap ? old_cap * 2 : 4;
    t->item = xcalloc(t->cap, sizeof(void *));
    t->hash = xmalloc(t->cap * sizeof(uint64_t));
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old_item[i]) continue;
        uint32_t j = (uint32_t)old_hash[i] & (t->cap - 1);
        while (t->item[j]) j = (j + 1) & (t->cap - 1);
        t->item[j] = old_item[i];
        t->hash[j] = old_hash[i];
    }
    xfree(old_item);
    xfree(old_hash);
}

/* Adds an item whose name is not in the table. */
static void nametab_add(NameTab *t, void *item) {
    if ((t->n + 1) * 4 > t->cap * 3) nametab_grow(t);
    Slice name = t->name_of(item);
    uint64_t h = name_hash(t, name);
    uint32_t i = nametab_slot(t, name, h);
    assert(t->item[i] == NULL);
    t->item[i] = item;
    t->hash[i] = h;
    t->n++;
}

/* Removes the item with this name; returns it, or NULL. */
static void *nametab_del(NameTab *t, Slice name) {
    if (t->n == 0) return NULL;
    uint32_t mask = t->cap - 1;
    uint32_t i = nametab_slot(t, name, name_hash(t, name));
    void *found = t->item[i];
    if (!found) return NULL;
    t->item[i] = NULL;
    t->n--;
    for (uint32_t j = (i + 1) & mask; t->item[j]; j = (j + 1) & mask) {
        uint32_t home = (uint32_t)t->hash[j] & mask;
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            t->item[i] = t->item[j];
            t->hash[i] = t->hash[j];
            t->item[j] = NULL;
            i = j;
        }
    }
    return found;
}

static int name_cmp(Slice a, Slice b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c != 0) return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* ---- Types ---------------------------------------------------------------- */

typedef struct Consumer {
    int64_t seen_ms;
    int64_t active_ms; /* -1: never delivered to */
    ConsumerId id;
    uint32_t name_len;
    char name[];
} Consumer;

struct ConsumerGroup {
    StreamId last_id;
    int64_t entries_read;
    StreamId min_dropped; /* lowest ID that left the PEL since the set looked */
    Pel *pel;
    Consumer **consumers; /* indexed by ConsumerId; NULL holes */
    uint32_t cap_consumers;
    NameTab by_name;
    size_t name_len;
    char name[];
};

struct GroupSet {
    NameTab by_name;
    StreamId known_kept; /* see group_set_known_kept() */
};

static const StreamId NOTHING_DROPPED = {UINT64_MAX, UINT64_MAX};

/* id left g's pending list: it (and nothing below it) may now be
 * acknowledged by every group. */
static void note_dropped(ConsumerGroup *g, StreamId id) {
    if (stream_id_cmp(id, g->min_dropped) < 0) g->min_dropped = id;
}

static Slice consumer_name_of(const void *item) {
    const Consumer *c = item;
    return slice_of(c->name, c->name_len);
}

static Slice group_name_of(const void *item) {
    const ConsumerGroup *g = item;
    return slice_of(g->name, g->name_len);
}

static void group_free(ConsumerGroup *g) {
    for (uint32_t i = 0; i < g->cap_consumers; i++) xfree(g->consumers[i]);
    xfree(g->consumers);
    nametab_free(&g->by_name);
    pel_free(g->pel);
    xfree(g);
}

/* ---- Group set ------------------------------------------------------------ */

/* Returns an owned, empty set; free with group_set_free(). */
GroupSet *group_set_new(void) {
    GroupSet *gs = xmalloc(sizeof(GroupSet));
    nametab_init(&gs->by_name, group_name_of);
    gs->known_kept = stream_id_make(0, 0);
    return gs;
}

/* Frees the set and every group in it; gs may be NULL. */
void group_set_free(GroupSet *gs) {
    if (!gs) return;
    for (uint32_t i = 0; i < gs->by_name.cap; i++)
        if (gs->by_name.item[i]) group_free(gs->by_name.item[i]);
    nametab_free(&gs->by_name);
    xfree(gs);
}

/* Returns an owned copy of gs (NULL for NULL): every group with its
 * position, counters, consumers (same numbers, names and times) and pending
 * list (pel_clone()). Borrows gs. O(groups + consumers + pending entries). */
GroupSet *group_set_clone(const GroupSet *gs) {
    if (!gs) return NULL;
    GroupSet *out = group_set_new();
    out->known_kept = gs->known_kept;
    for (uint32_t i = 0; i < gs->by_name.cap; i++) {
        const ConsumerGroup *g = gs->by_name.item[i];
        if (!g) continue;
        ConsumerGroup *ng = xmalloc(sizeof(ConsumerGroup) + g->name_len);
        ng->last_id = g->last_id;
        ng->entries_read = g->entries_read;
        ng->min_dropped = g->min_dropped;
        ng->pel = pel_clone(g->pel);
        ng->cap_consumers = g->cap_consumers;
        ng->consumers = g->cap_consumers ? xcalloc(g->cap_consumers, sizeof(Consumer *)) : NULL;
        nametab_init(&ng->by_name, consumer_name_of);
        for (uint32_t c = 0; c < g->cap_consumers; c++) {
            const Consumer *oc = g->consumers[c];
            if (!oc) continue;
            ng->consumers[c] = xmemdup(oc, sizeof(Consumer) + oc->name_len);
            nametab_add(&ng->by_name, ng->consumers[c]);
        }
        ng->name_len = g->name_len;
        if (g->name_len) memcpy(ng->name, g->name, g->name_len);
        nametab_add(&out->by_name, ng);
    }
    return out;
}

/* Number of groups; borrows gs (NULL counts as empty). */
size_t group_set_len(const GroupSet *gs) {
    return gs ? gs->by_name.n : 0;
}

/* The group with this name, or NULL; the group is owned by the set and valid
 * until it is destroyed. O(1). */
ConsumerGroup *group_set_find(const GroupSet *gs, Slice name) {
    return gs ? nametab_get(&gs->by_name, name) : NULL;
}

/* Creates a group (copying name); returns it (owned by the set), or NULL if
 * a group of that name exists. entries_read may be GROUP_ENTRIES_READ_INVALID. */
ConsumerGroup *group_set_create(GroupSet *gs, Slice name, StreamId last_id, int64_t entries_read) {
    assert(entries_read >= 0 || entries_read == GROUP_ENTRIES_READ_INVALID);
    if (nametab_get(&gs->by_name, name)) return NULL;
    ConsumerGroup *g = xmalloc(sizeof(ConsumerGroup) + name.len);
    g->last_id = last_id;
    g->entries_read = entries_read;
    /* entries above last_id are no longer read by every group: an ACKED
     * trim stops there now, where it may have kept and gone on before */
    g->min_dropped = last_id;
    g->pel = pel_new();
    g->consumers = NULL;
    g->cap_consumers = 0;
    nametab_init(&g->by_name, consumer_name_of);
    g->name_len = name.len;
    if (name.len) memcpy(g->name, name.p, name.len);
    nametab_add(&gs->by_name, g);
    return g;
}

/* Destroys the named group with its consumers and pending entries; 1 if it
 * existed. Pointers to it are dangling afterwards. */
int group_set_destroy(GroupSet *gs, Slice name) {
    ConsumerGroup *g = nametab_del(&gs->by_name, name);
    if (!g) return 0;
    group_free(g);
    gs->known_kept = stream_id_make(0, 0); /* its pending entries no longer keep */
    return 1;
}

static int group_ptr_cmp(const void *a, const void *b) {
    const ConsumerGroup *ga = *(ConsumerGroup *const *)a, *gb = *(ConsumerGroup *const *)b;
    return name_cmp(group_name_of(ga), group_name_of(gb));
}

/* Some group of gs (the first in table order), or NULL when it has none: an
 * estimate's sample, in O(groups) at worst and no allocation. */
const ConsumerGroup *group_set_any(const GroupSet *gs) {
    for (uint32_t i = 0; i < gs->by_name.cap; i++)
        if (gs->by_name.item[i]) return gs->by_name.item[i];
    return NULL;
}

/* Sets *out to an owned array (free with xfree) of the groups in name order
 * and returns its length; *out is NULL when there are none. */
size_t group_set_list(const GroupSet *gs, ConsumerGroup ***out) {
    size_t n = group_set_len(gs);
    *out = NULL;
    if (n == 0) return 0;
    ConsumerGroup **v = xmalloc(n * sizeof(*v));
    size_t k = 0;
    for (uint32_t i = 0; i < gs->by_name.cap; i++)
        if (gs->by_name.item[i]) v[k++] = gs->by_name.item[i];
    assert(k == n);
    qsort(v, n, sizeof(*v), group_ptr_cmp);
    *out = v;
    return n;
}

/* Bytes used by the set and everything in it; borrows gs. */
size_t group_set_mem_bytes(const GroupSet *gs) {
    if (!gs) return 0;
    size_t n = sizeof(GroupSet) + gs->by_name.cap * (sizeof(void *) + sizeof(uint64_t));
    for (uint32_t i = 0; i < gs->by_name.cap; i++) {
        const ConsumerGroup *g = gs->by_name.item[i];
        if (!g) continue;
        n += sizeof(ConsumerGroup) + g->name_len + pel_mem_bytes(g->pel);
        n += g->cap_consumers * sizeof(Consumer *);
        n += g->by_name.cap * (sizeof(void *) + sizeof(uint64_t));
        for (uint32_t c = 0; c < g->cap_consumers; c++)
            if (g->consumers[c]) n += sizeof(Consumer) + g->consumers[c]->name_len;
    }
    return n;
}

/* 1 if every group has acknowledged id: delivered it (id <= last_id) and
 * holds no pending entry for it. Vacuously 1 without groups. */
int group_set_all_acked(const GroupSet *gs, StreamId id) {
    if (!gs) return 1;
    for (uint32_t i = 0; i < gs->by_name.cap; i++) {
        const ConsumerGroup *g = gs->by_name.item[i];
        if (g && !group_has_acked(g, id)) return 0;
    }
    return 1;
}

/* DELREF: removes id from the pending list of every group; returns how many
 * groups held it. May compact the pending lists (group_compact()).
 * O(groups * log n) amortized. */
uint64_t group_set_delete_refs(GroupSet *gs, StreamId id) {
    if (!gs) return 0;
    uint64_t n = 0;
    for (uint32_t i = 0; i < gs->by_name.cap; i++) {
        ConsumerGroup *g = gs->by_name.item[i];
        if (g && pel_delete_id(g->pel, id)) {
            note_dropped(g, id);
            n++;
            group_compact(g);
        }
    }
    return n;
}

/* The bound an ACKED trim carries from one call to the next
 * (StreamTrim.known_kept): every entry below it was found unacknowledged
 * by some group. Below the smallest last-delivered ID (the only place an
 * ACKED trim keeps an entry and goes on) that means pending in some group,
 * and only leaving a pending list ends that: acknowledgement, a consumer's
 * deletion, DELREF, or the group's destruction. Those lower the bound
 * (each group notes its lowest dropped ID, folded in here), and so does a
 * smallest last-delivered ID coming down (a group created, or set back by
 * XGROUP SETID): above it the trim now stops instead of keeping and going
 * on, so what a walk past it learned no longer holds. Returns a pointer
 * into gs, for the trim to read and update. O(groups). */
StreamId *group_set_known_kept(GroupSet *gs) {
    for (uint32_t i = 0; i < gs->by_name.cap; i++) {
        ConsumerGroup *g = gs->by_name.item[i];
        if (!g) continue;
        if (stream_id_cmp(g->min_dropped, gs->known_kept) < 0) gs->known_kept = g->min_dropped;
        g->min_dropped = NOTHING_DROPPED;
    }
    return &gs->known_kept;
}

/* The stream's last ID moved back to last_id (XSETID after its top entries
 * were deleted): entries appended from now on may sit below the bound an
 * earlier trim walked to, so it comes down to last_id. O(1). */
void group_set_last_id_lowered(GroupSet *gs, StreamId last_id) {
    if (stream_id_cmp(last_id, gs->known_kept) < 0) gs->known_kept = last_id;
}

/* The smallest last-delivered ID of all groups into *out: entries above it
 * are not acknowledged by every group (ACKED can stop looking there).
 * Returns 0 without groups. O(groups). */
int group_set_min_last_id(const GroupSet *gs, StreamId *out) {
    int found = 0;
    for (uint32_t i = 0; gs && i < gs->by_name.cap; i++) {
        const ConsumerGroup *g = gs->by_name.item[i];
        if (!g) continue;
        if (!found || stream_id_cmp(g->last_id, *out) < 0) *out = g->last_id;
        found = 1;
    }
    return found;
}

/* ---- Group state and lag -------------------------------------------------- */

/* A view of the group's name, valid while the group lives. */
Slice group_name(const ConsumerGroup *g) {
    return slice_of(g->name, g->name_len);
}

/* The last-delivered ID. */
StreamId group_last_id(const ConsumerGroup *g) {
    return g->last_id;
}

/* The entries-read counter, or GROUP_ENTRIES_READ_INVALID. */
int64_t group_entries_read(const ConsumerGroup *g) {
    return g->entries_read;
}

/* XGROUP SETID and the LASTID of XCLAIM: sets both values as given. */
void group_set_last_id(ConsumerGroup *g, StreamId last_id, int64_t entries_read) {
    assert(entries_read >= 0 || entries_read == GROUP_ENTRIES_READ_INVALID);
    /* moved back: as a new group, an ACKED trim stops above it now */
    if (stream_id_cmp(last_id, g->last_id) < 0) note_dropped(g, last_id);
    g->last_id = last_id;
    g->entries_read = entries_read;
}

/* Whether the largest deleted ID lies in [start, +inf). */
static int tombstone_at_or_after(const StreamFacts *f, StreamId start) {
    if (f->length == 0 || stream_id_is_zero(f->max_deleted_id)) return 0;
    return stream_id_cmp(start, f->max_deleted_id) <= 0;
}

/* The logical read counter of id - how many entries were ever added up to
 * and including it - when the stream's facts determine it, else
 * GROUP_ENTRIES_READ_INVALID. Known: in a never-used stream (0); at or
 * below the last ID of an emptied stream; at the last ID; at or before the
 * first entry when no deletion lies at or after the first entry. Unknown:
 * below the largest deleted ID, between entries, or in the future. */
int64_t group_entries_read_at(const StreamFacts *f, StreamId id) {
    if (f->entries_added == 0) return 0;
    /* XSETID ENTRIESADDED can bring the counter to 2^63 - 1 and XADD past
     * it; a read counter that large cannot be stored (0 .. 2^63 - 1), so
     * it is unknown. */
    if (f->entries_added > INT64_MAX) return GROUP_ENTRIES_READ_INVALID;
    if (f->length == 0 && stream_id_cmp(id, f->last_id) <= 0) return (int64_t)f->entries_added;
    if (!stream_id_is_zero(id) && stream_id_cmp(id, f->max_deleted_id) < 0)
        return GROUP_ENTRIES_READ_INVALID;
    int cmp_last = stream_id_cmp(id, f->last_id);
    if (cmp_last == 0) return (int64_t)f->entries_added;
    if (cmp_last > 0) return GROUP_ENTRIES_READ_INVALID;
    if (stream_id_is_zero(f->max_deleted_id) || stream_id_cmp(f->max_deleted_id, f->first_id) < 0) {
        int cmp_first = stream_id_cmp(id, f->first_id);
        if (cmp_first < 0) return (int64_t)(f->entries_added - f->length);
        if (cmp_first == 0) return (int64_t)(f->entries_added - f->length + 1);
    }
    return GROUP_ENTRIES_READ_INVALID;
}

/* XREADGROUP delivered entry id for the first time (id > last_id, else
 * nothing happens and 0 is returned): moves last_id to it and keeps
 * entries_read counting while no deletion can have skipped an entry (and
 * the counter is below its maximum), otherwise re-derives it from the
 * stream's facts. Returns 1 when the
 * group moved. */
int group_note_read(ConsumerGroup *g, StreamId id, const StreamFacts *f) {
    if (stream_id_cmp(id, g->last_id) <= 0) return 0;
    if (g->entries_read != GROUP_ENTRIES_READ_INVALID && g->entries_read < INT64_MAX &&
        stream_id_cmp(g->last_id, f->first_id) >= 0 && !tombstone_at_or_after(f, g->last_id)) {
        g->entries_read++;
    } else if (f->entries_added) {
        g->entries_read = group_entries_read_at(f, id);
    }
    g->last_id = id;
    return 1;
}

/* The group's lag (entries not yet delivered) into *lag; returns 1, or 0
 * when it cannot be known (Redis replies nil then). */
int group_lag(const ConsumerGroup *g, const StreamFacts *f, int64_t *lag) {
    if (f->entries_added == 0 || f->length == 0) {
        *lag = 0;
        return 1;
    }
    if (stream_id_cmp(g->last_id, f->first_id) < 0 &&
        stream_id_cmp(f->max_deleted_id, f->first_id) < 0) {
        *lag = (int64_t)f->length;
        return 1;
    }
    if (g->entries_read != GROUP_ENTRIES_READ_INVALID && !tombstone_at_or_after(f, g->last_id)) {
        /* Modulo 2^64 (what Redis's signed arithmetic gives in practice):
         * entries_added may exceed 2^63 - 1 after XSETID ENTRIESADDED. */
        *lag = (int64_t)(f->entries_added - (uint64_t)g->entries_read);
        return 1;
    }
    int64_t read = group_entries_read_at(f, g->last_id);
    if (read == GROUP_ENTRIES_READ_INVALID) return 0;
    *lag = (int64_t)(f->entries_added - (uint64_t)read);
    return 1;
}

/* 1 if the group has delivered id and it is no longer pending. */
int group_has_acked(const ConsumerGroup *g, StreamId id) {
    return stream_id_cmp(id, g->last_id) <= 0 && pel_find(g->pel, id) == PEL_NONE;
}

/* The group's pending list, owned by the group. */
Pel *group_pel(ConsumerGroup *g) {
    return g->pel;
}

/* The same, read-only. */
const Pel *group_pel_c(const ConsumerGroup *g) {
    return g->pel;
}

/* ---- Consumers -------------------------------------------------------------- */

static Consumer *consumer_at(const ConsumerGroup *g, ConsumerId c) {
    assert(c < g->cap_consumers && g->consumers[c] != NULL);
    return g->consumers[c];
}

/* Number of consumers. */
size_t group_consumer_count(const ConsumerGroup *g) {
    return g->by_name.n;
}

/* The consumer with this name, or GROUP_NO_CONSUMER. O(1). */
ConsumerId group_consumer_find(const ConsumerGroup *g, Slice name) {
    const Consumer *c = nametab_get(&g->by_name, name);
    return c ? c->id : GROUP_NO_CONSUMER;
}

/* Creates a consumer (copying name), seen now and never active; returns its
 * id, or GROUP_NO_CONSUMER if the name exists. */
ConsumerId group_consumer_create(ConsumerGroup *g, Slice name, int64_t now_ms) {
    if (nametab_get(&g->by_name, name)) return GROUP_NO_CONSUMER;
    assert(name.len <= UINT32_MAX);
    ConsumerId id = pel_owner_new(g->pel);
    if (id >= g->cap_consumers) {
        uint32_t cap = g->cap_consumers ? g->cap_consumers : 4;
        while (cap <= id) cap *= 2;
        g->consumers = xrealloc(g->consumers, cap * sizeof(Consumer *));
        memset(&g->consumers[g->cap_consumers], 0, (cap - g->cap_consumers) * sizeof(Consumer *));
        g->cap_consumers = cap;
    }
    assert(g->consumers[id] == NULL);
    Consumer *c = xmalloc(sizeof(Consumer) + name.len);
    c->seen_ms = now_ms;
    c->active_ms = -1;
    c->id = id;
    c->name_len = (uint32_t)name.len;
    if (name.len) memcpy(c->name, name.p, name.len);
    g->consumers[id] = c;
    nametab_add(&g->by_name, c);
    return id;
}

/* Deletes a consumer and its pending entries; returns how many entries it
 * had. The id may be reused by the next group_consumer_create(). May
 * compact the pending list (group_compact()). */
uint64_t group_consumer_delete(ConsumerGroup *g, ConsumerId id) {
    Consumer *c = consumer_at(g, id);
    PelRef first = pel_first(g->pel, id);
    if (first != PEL_NONE) note_dropped(g, pel_id(g->pel, first));
    uint64_t n = pel_owner_delete(g->pel, id);
    if (n) group_compact(g);
    void *del = nametab_del(&g->by_name, consumer_name_of(c));
    assert(del == c);
    (void)del;
    g->consumers[id] = NULL;
    xfree(c);
    return n;
}

/* A view of the consumer's name, valid while the consumer lives. */
Slice group_consumer_name(const ConsumerGroup *g, ConsumerId c) {
    return consumer_name_of(consumer_at(g, c));
}

/* When the consumer last tried anything (XREADGROUP, XCLAIM, XAUTOCLAIM). */
int64_t group_consumer_seen_ms(const ConsumerGroup *g, ConsumerId c) {
    return consumer_at(g, c)->seen_ms;
}

/* When the consumer last got entries, or -1 if never. */
int64_t group_consumer_active_ms(const ConsumerGroup *g, ConsumerId c) {
    return consumer_at(g, c)->active_ms;
}

/* Records an attempt (seen) and, if is_active, a successful one. */
void group_consumer_touch(ConsumerGroup *g, ConsumerId c, int64_t now_ms, int is_active) {
    Consumer *k = consumer_at(g, c);
    k->seen_ms = now_ms;
    if (is_active) k->active_ms = now_ms;
}

/* Sets both times of a consumer as a restored value had them (RESTORE):
 * active_ms -1 for a consumer that never read. */
void group_consumer_set_times(ConsumerGroup *g, ConsumerId c, int64_t seen_ms, int64_t active_ms) {
    Consumer *k = consumer_at(g, c);
    k->seen_ms = seen_ms;
    k->active_ms = active_ms;
}

/* Number of entries pending for the consumer. */
uint64_t group_consumer_pending(const ConsumerGroup *g, ConsumerId c) {
    (void)consumer_at(g, c);
    return pel_owner_len(g->pel, c);
}

static int consumer_ptr_cmp(const void *a, const void *b) {
    const Consumer *ca = *(Consumer *const *)a, *cb = *(Consumer *const *)b;
    return name_cmp(consumer_name_of(ca), consumer_name_of(cb));
}

/* Sets *out to an owned array (free with xfree) of the consumers' ids in
 * name order and returns its length; *out is NULL when there are none. */
size_t group_consumer_list(const ConsumerGroup *g, ConsumerId **out) {
    size_t n = g->by_name.n;
    *out = NULL;
    if (n == 0) return 0;
    Consumer **v = xmalloc(n * sizeof(*v));
    size_t k = 0;
    for (uint32_t i = 0; i < g->cap_consumers; i++)
        if (g->consumers[i]) v[k++] = g->consumers[i];
    assert(k == n);
    qsort(v, n, sizeof(*v), consumer_ptr_cmp);
    ConsumerId *ids = xmalloc(n * sizeof(ConsumerId));
    for (size_t i = 0; i < n; i++) ids[i] = v[i]->id;
    xfree(v);
    *out = ids;
    return n;
}

/* ---- Pending operations with Redis's semantics -------------------------- */

/* XREADGROUP delivered id to consumer c for the first time (">"): a fresh
 * pending entry (count 1, time now), or, when the group's last ID was moved
 * back and id is still pending, that entry handed to c with its count reset
 * to 1. Marks c active. Returns the entry. O(log n). */
PelRef group_deliver(ConsumerGroup *g, ConsumerId c, StreamId id, int64_t now_ms) {
    Consumer *k = consumer_at(g, c);
    k->active_ms = now_ms;
    /* New entries come in ID order, past every pending one: no search then. */
    PelRef last = pel_last(g->pel, PEL_OWNER_ALL);
    if (last == PEL_NONE || stream_id_cmp(id, pel_id(g->pel, last)) > 0)
        return pel_add(g->pel, id, c, now_ms, 1);
    PelRef r = pel_find(g->pel, id);
    if (r == PEL_NONE) return pel_add(g->pel, id, c, now_ms, 1);
    pel_update(g->pel, r, c, now_ms, 1);
    return r;
}

/* XACK of one ID: 1 if it was pending (and is now gone). May compact the
 * pending list (group_compact()). O(log n) amortized. */
int group_ack(ConsumerGroup *g, StreamId id) {
    if (!pel_delete_id(g->pel, id)) return 0;
    note_dropped(g, id);
    group_compact(g);
    return 1;
}

/* Removes a pending entry whatever its state (XCLAIM / XAUTOCLAIM finding
 * its stream entry gone). Never compacts: its callers hold lists of refs;
 * they call group_compact() when done with them. O(log n). */
void group_drop(ConsumerGroup *g, PelRef r) {
    note_dropped(g, pel_id(g->pel, r));
    pel_delete(g->pel, r);
}

/* Gives the pending list's spare memory back once most of it is spare
 * (pel_compact()): pending entries move, so no PelRef or PelIter of the
 * group may be held across this call, nor across the calls that make it
 * (group_ack(), group_consumer_delete(), group_set_delete_refs()). Commands
 * that free entries by ref (group_drop()) call it when done with their
 * refs. O(1) unless due; amortized O(1) per entry freed. */
void group_compact(ConsumerGroup *g) {
    (void)pel_compact(g->pel);
}

/* XCLAIM / XAUTOCLAIM / XREADGROUP CLAIM of a pending entry, owned or
 * released, by consumer c with the new delivery time and count. O(log n). */
void group_claim(ConsumerGroup *g, PelRef r, ConsumerId c, int64_t delivery_ms, uint64_t count) {
    (void)consumer_at(g, c);
    pel_update(g->pel, r, c, delivery_ms, count);
}

/* XNACK of a pending entry: it leaves its consumer for the tail of the
 * group's released zone with the given delivery count. O(log n). */
void group_release(ConsumerGroup *g, PelRef r, uint64_t count) {
    pel_release(g->pel, r, count);
}

/* XNACK ... FORCE of an ID that is not pending: a new released entry at
 * the zone's tail. Returns it. O(log n). */
PelRef group_release_new(ConsumerGroup *g, StreamId id, uint64_t count) {
    assert(pel_find(g->pel, id) == PEL_NONE);
    return pel_add(g->pel, id, PEL_OWNER_NONE, 0, count);
}

/* Number of released (NACKed) entries: XINFO STREAM FULL nacked-count. */
uint64_t group_nacked_count(const ConsumerGroup *g) {
    return pel_owner_len(g->pel, PEL_OWNER_NONE);
}
