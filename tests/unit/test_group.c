/*
 * test_group.c - the pending list and consumer groups against naive oracles.
 *
 * The model test drives a Pel and a plain array of entries with the same
 * random operations (deliveries, acknowledgements, claims between consumers,
 * consumer creation and deletion, delivery counts beyond 32 bits, releases
 * to the XNACK zone and FORCE-made released entries, history re-deliveries
 * that move delivery times, the release sequence running out) and after
 * each step compares lookups and COUNT/IDLE-bounded range scans, group-wide,
 * per consumer and for the released zone. The claim order (pel_idle_seek:
 * released entries in release order, then by delivery time, ties in the
 * order the times were set, the ties running out now and then) is
 * checked against the model now and then, its tree built at a random point
 * of the run. The slab is repacked at random points (every ref changes)
 * and by pel_compact() after deletions, as the group layer does.
 * pel_check() verifies the trees' structure, the refs in every tree and in
 * the side map, and the chunk lists as it goes.
 * Separate tests cover the entries-read and lag rules on hand-made stream
 * facts, name lookups and sorted listings, the memory per entry of the
 * XREADGROUP pattern the benchmark measures, the memory given back
 * after a peak (test_pel_compaction), and that refs held across drops and
 * claims stay valid until group_compact() (test_drop_keeps_refs).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/group.h"
#include "stream/pel.h"
#include "test.h"

/* ---- Oracle ---------------------------------------------------------------- */

typedef struct Model {
    PelEntry *e;
    uint64_t *seq; /* release order of released entries (parallel to e) */
    uint64_t *tie; /* when an owned entry's delivery time was last set */
    size_t n, cap;
    uint64_t next_seq, next_tie;
} Model;

static long model_find(const Model *m, StreamId id) {
    for (size_t i = 0; i < m->n; i++)
        if (stream_id_cmp(m->e[i].id, id) == 0) return (long)i;
    return -1;
}

static void model_add(Model *m, PelEntry e) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = xrealloc(m->e, m->cap * sizeof(PelEntry));
        m->seq = xrealloc(m->seq, m->cap * sizeof(uint64_t));
        m->tie = xrealloc(m->tie, m->cap * sizeof(uint64_t));
    }
    m->seq[m->n] = e.owner == PEL_OWNER_NONE ? m->next_seq++ : 0;
    m->tie[m->n] = m->next_tie++;
    m->e[m->n++] = e;
}

static void model_del(Model *m, size_t i) {
    m->seq[i] = m->seq[m->n - 1];
    m->tie[i] = m->tie[m->n - 1];
    m->e[i] = m->e[--m->n];
}

/* Checks the claim order of pel_idle_seek() against the model: every entry
 * once; released ones first in release order; then owned ones by delivery
 * time, ties in the order their times were set. Returns the number of
 * violations. */
typedef struct IdIndex {
    StreamId id;
    long i;
} IdIndex;

static int id_index_cmp(const void *a, const void *b) {
    return stream_id_cmp(((const IdIndex *)a)->id, ((const IdIndex *)b)->id);
}

static int check_idle_order(Pel *p, const Model *m) {
    int bad = 0;
    /* The model's entries by ID, for lookups in O(log n). */
    IdIndex *ix = xmalloc((m->n + 1) * sizeof(IdIndex));
    for (size_t j = 0; j < m->n; j++) ix[j] = (IdIndex){m->e[j].id, (long)j};
    qsort(ix, m->n, sizeof(IdIndex), id_index_cmp);
    PelIter it;
    pel_idle_seek(&it, p);
    size_t seen = 0;
    PelEntry prev = {0};
    uint64_t prev_seq = 0, prev_tie = 0;
    long prev_i = -1;
    for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
        PelEntry e;
        pel_get(p, r, &e);
        IdIndex key = {e.id, -1};
        const IdIndex *hit = bsearch(&key, ix, m->n, sizeof(IdIndex), id_index_cmp);
        long i = hit ? hit->i : -1;
        if (i < 0 || m->e[i].owner != e.owner) {
            bad++;
            continue;
        }
        seen++;
        int rel = e.owner == PEL_OWNER_NONE;
        if (prev_i >= 0) {
            int prev_rel = prev.owner == PEL_OWNER_NONE;
            if (rel && !prev_rel) bad++;
            if (rel && prev_rel && m->seq[i] <= prev_seq) bad++;
            if (!rel && !prev_rel) {
                if (e.delivery_ms < prev.delivery_ms) bad++;
                if (e.delivery_ms == prev.delivery_ms && m->tie[i] <= prev_tie) bad++;
            }
        }
        prev = e;
        prev_seq = m->seq[i];
        prev_tie = m->tie[i];
        prev_i = i;
    }
    if (seen != m->n) bad++;
    xfree(ix);
    return bad;
}

static int entry_cmp(const void *a, const void *b) {
    return stream_id_cmp(((const PelEntry *)a)->id, ((const PelEntry *)b)->id);
}

/* Entries of owner (PEL_OWNER_ALL: all) with start <= id <= end and
 * delivery_ms <= max_ms, in ID order, at most count; returns how many. */
static size_t model_range(const Model *m, uint32_t owner, StreamId start, StreamId end,
                          int64_t max_ms, size_t count, PelEntry *out) {
    PelEntry *v = xmalloc((m->n + 1) * sizeof(PelEntry));
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        const PelEntry *e = &m->e[i];
        if (owner != PEL_OWNER_ALL && e->owner != owner) continue;
        if (stream_id_cmp(e->id, start) < 0 || stream_id_cmp(e->id, end) > 0) continue;
        if (e->delivery_ms > max_ms) continue;
        v[k++] = *e;
    }
    qsort(v, k, sizeof(PelEntry), entry_cmp);
    if (k > count) k = count;
    memcpy(out, v, k * sizeof(PelEntry));
    xfree(v);
    return k;
}

static size_t pel_range(const Pel *p, uint32_t owner, StreamId start, StreamId end, int64_t max_ms,
                        size_t count, PelEntry *out) {
    PelIter it;
    pel_iter_seek(&it, p, owner, start);
    size_t k = 0;
    PelRef r;
    while (k < count && (r = pel_iter_next(&it)) != PEL_NONE) {
        PelEntry e;
        pel_get(p, r, &e);
        if (stream_id_cmp(e.id, end) > 0) break;
        if (e.delivery_ms > max_ms) continue;
        out[k++] = e;
    }
    return k;
}

static int entries_equal(const PelEntry *a, const PelEntry *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (stream_id_cmp(a[i].id, b[i].id) != 0 || a[i].owner != b[i].owner ||
            a[i].delivery_ms != b[i].delivery_ms || a[i].delivery_count != b[i].delivery_count)
            return 0;
    }
    return 1;
}

static StreamId random_id(uint64_t space) {
    uint64_t r = test_rand_below(100);
    if (r == 0) return stream_id_make(UINT64_MAX, test_rand_below(4) + UINT64_MAX - 3);
    if (r == 1) return stream_id_make(0, test_rand_below(4));
    if (r == 2) return stream_id_make(test_rand_below(space), 0xfffe + test_rand_below(4));
    if (r == 3) return stream_id_make((1ULL << 47) - 1 + test_rand_below(3), test_rand_below(4));
    return stream_id_make(test_rand_below(space), test_rand_below(4));
}

static uint64_t random_count(void) {
    switch (test_rand_below(10)) {
    case 0:
        return UINT32_MAX - 1 + test_rand_below(3); /* around the escape value */
    case 1:
        return (uint64_t)INT64_MAX - test_rand_below(2);
    default:
        return test_rand_below(20);
    }
}

#define MAX_OWNERS 12

/* pel_clone() (COPY): the copy holds every entry of the model with the
 * same fields, the same orders (ID, owner, release, claim: the ties came
 * along), passes pel_check(), and is its own: emptying it leaves p whole.
 * Returns the number of differences. */
static int check_clone(const Pel *p, const Model *m, const uint32_t *owners, int n_owners) {
    int bad = 0;
    Pel *c = pel_clone(p);
    if (pel_check(c) != 0) bad++;
    if (pel_len(c) != m->n) bad++;
    for (size_t i = 0; i < m->n; i++) {
        PelRef r = pel_find(c, m->e[i].id);
        PelEntry e;
        if (r == PEL_NONE) {
            bad++;
            continue;
        }
        pel_get(c, r, &e);
        if (!entries_equal(&e, &m->e[i], 1)) bad++;
    }
    for (int k = 0; k < n_owners; k++)
        if (pel_owner_len(c, owners[k]) != pel_owner_len(p, owners[k])) bad++;
    PelRef *ra, *rb;
    size_t na = pel_released_list(p, &ra), nb = pel_released_list(c, &rb);
    if (na != nb) bad++;
    for (size_t k = 0; k < na && k < nb; k++)
        if (stream_id_cmp(pel_id(p, ra[k]), pel_id(c, rb[k])) != 0) bad++;
    xfree(ra);
    xfree(rb);
    bad += check_idle_order(c, m);
    uint64_t before = pel_len(p);
    PelRef r;
    while ((r = pel_first(c, PEL_OWNER_ALL)) != PEL_NONE) pel_delete(c, r);
    if (pel_check(c) != 0 || pel_len(p) != before || pel_check(p) != 0) bad++;
    pel_free(c);
    return bad;
}

/* One model run: prefill entries with distinct increasing IDs in
 * [0, space), then n_ops random operations over IDs in that space (small
 * spaces make collisions, large ones deep trees); range_pct of the
 * operations are range queries. */
static void test_pel_model(size_t n_ops, uint64_t space, size_t prefill, int range_pct) {
    Pel *p = pel_new();
    Model m = {0};
    uint32_t owners[MAX_OWNERS];
    int n_owners = 0;
    for (int i = 0; i < 3; i++) owners[n_owners++] = pel_owner_new(p);
    size_t cap = n_ops + prefill;
    PelEntry *a = xmalloc(cap * sizeof(PelEntry)), *b = xmalloc(cap * sizeof(PelEntry));
    int bad_range = 0, bad_find = 0, bad_idle = 0, bad_clone = 0;
    int n_compact = 0;
    for (size_t i = 0; i < prefill; i++) {
        PelEntry e = {stream_id_make(space / prefill * i, test_rand_below(4)),
                      (int64_t)test_rand_below(1000), random_count(),
                      owners[test_rand_below((uint64_t)n_owners)]};
        pel_add(p, e.id, e.owner, e.delivery_ms, e.delivery_count);
        model_add(&m, e);
    }
    CHECK_EQ_INT(pel_check(p), 0);

    for (size_t op = 0; op < n_ops; op++) {
        uint64_t what;
        /* Now and then every record moves (in ID order, so nearly every ref
         * changes): each tree, the side map and the chunk lists must follow. */
        if (test_rand_below(64) == 0) {
            pel__repack(p);
            if (pel_check(p) != 0) {
                CHECK(!"pel_check failed after a repack");
                break;
            }
        }
        if ((int)test_rand_below(100) < range_pct)
            what = 99;
        else
            what = test_rand_below(98);
        if (what < 40) { /* deliver */
            StreamId id = random_id(space);
            uint32_t o = owners[test_rand_below((uint64_t)n_owners)];
            int64_t t = (int64_t)test_rand_below(1000);
            uint64_t cnt = random_count();
            if (model_find(&m, id) < 0) {
                PelRef r = pel_add(p, id, o, t, cnt);
                PelEntry e = {id, t, cnt, o};
                model_add(&m, e);
                if (pel_id(p, r).ms != id.ms || pel_delivery_count(p, r) != cnt) bad_find++;
            }
        } else if (what < 60) { /* ack (half of them for IDs that exist) */
            StreamId id =
                (m.n && test_rand_below(2)) ? m.e[test_rand_below(m.n)].id : random_id(space);
            long i = model_find(&m, id);
            PelRef r = pel_find(p, id);
            if ((i < 0) != (r == PEL_NONE)) bad_find++;
            if (test_rand_below(2)) {
                if (r != PEL_NONE) pel_delete(p, r);
            } else if (pel_delete_id(p, id) != (r != PEL_NONE)) {
                bad_find++;
            }
            if (i >= 0) model_del(&m, (size_t)i);
            n_compact += pel_compact(p); /* as group_ack() does */
        } else if (what < 80) {          /* claim to another owner */
            if (m.n == 0) continue;
            size_t i = test_rand_below(m.n);
            uint32_t o = owners[test_rand_below((uint64_t)n_owners)];
            PelRef r = pel_find(p, m.e[i].id);
            if (r == PEL_NONE) {
                bad_find++;
                continue;
            }
            int64_t t = (int64_t)test_rand_below(1000);
            uint64_t cnt = test_rand_below(2) ? m.e[i].delivery_count + 1 : random_count();
            if (m.e[i].owner == PEL_OWNER_NONE || test_rand_below(2)) {
                pel_update(p, r, o, t, cnt);
            } else {
                pel_set_owner(p, r, o);
                pel_set_delivery(p, r, t, cnt);
            }
            m.e[i].owner = o;
            m.e[i].delivery_ms = t;
            m.e[i].delivery_count = cnt;
            m.tie[i] = m.next_tie++;
            /* Now and then, the ties are about to run out: the owned
             * entries are renumbered on the next update, keeping their order. */
            if (test_rand_below(64) == 0) pel__set_next_tie(p, UINT32_MAX - 1);
        } else if (what < 83) { /* new consumer */
            if (n_owners < MAX_OWNERS) owners[n_owners++] = pel_owner_new(p);
        } else if (what < 85) { /* delete a consumer with its entries */
            if (n_owners <= 1 || test_rand_below(10) != 0) continue;
            int k = (int)test_rand_below((uint64_t)n_owners);
            uint32_t o = owners[k];
            uint64_t expect = 0;
            for (size_t i = 0; i < m.n;) {
                if (m.e[i].owner == o) {
                    model_del(&m, i);
                    expect++;
                } else {
                    i++;
                }
            }
            uint64_t got = pel_owner_delete(p, o);
            CHECK_EQ_INT(got, expect);
            n_compact += pel_compact(p);
            owners[k] = owners[--n_owners];
        } else if (what < 93) { /* release (XNACK) a pending entry, or a new one (FORCE) */
            uint64_t cnt = random_count();
            if (m.n && test_rand_below(4) != 0) {
                size_t i = test_rand_below(m.n);
                PelRef r = pel_find(p, m.e[i].id);
                if (r == PEL_NONE) {
                    bad_find++;
                    continue;
                }
                pel_release(p, r, cnt);
                m.e[i].owner = PEL_OWNER_NONE;
                m.e[i].delivery_ms = 0;
                m.e[i].delivery_count = cnt;
                m.seq[i] = m.next_seq++;
            } else {
                StreamId id = random_id(space);
                if (model_find(&m, id) >= 0) continue;
                PelRef r = pel_add(p, id, PEL_OWNER_NONE, 0, cnt);
                PelEntry e = {id, 0, cnt, PEL_OWNER_NONE};
                model_add(&m, e);
                if (!pel_is_released(p, r) || pel_delivery_ms(p, r) != 0) bad_find++;
            }
            /* Now and then, the sequence is about to run out: the zone is
             * renumbered on the next release, keeping its order. */
            if (test_rand_below(64) == 0) pel__set_next_release(p, (uint64_t)PEL_TIME_LIMIT - 1);
        } else if (what < 96) { /* claim order, built lazily at a random point */
            if (test_rand_below(pel_has_idle(p) ? 2 : 20) == 0) bad_idle += check_idle_order(p, &m);
        } else if (what < 98) { /* re-deliver from history: the time moves */
            if (m.n == 0) continue;
            size_t i = test_rand_below(m.n);
            if (m.e[i].owner == PEL_OWNER_NONE) continue;
            PelRef r = pel_find(p, m.e[i].id);
            int64_t t = (int64_t)test_rand_below(1000);
            pel_set_delivery(p, r, t, m.e[i].delivery_count + 1);
            m.e[i].delivery_ms = t;
            m.e[i].delivery_count++;
            m.tie[i] = m.next_tie++;
        } else { /* range queries */
            uint32_t o = test_rand_below(3) == 0   ? PEL_OWNER_ALL
                         : test_rand_below(4) == 0 ? PEL_OWNER_NONE
                                                   : owners[test_rand_below((uint64_t)n_owners)];
            StreamId s = random_id(space), e = random_id(space);
            if (test_rand_below(4) == 0) e = stream_id_make(UINT64_MAX, UINT64_MAX);
            if (test_rand_below(4) == 0) s = stream_id_make(0, 0);
            int64_t max_ms = test_rand_below(3) == 0 ? (int64_t)test_rand_below(1000) : INT64_MAX;
            size_t count = 1 + test_rand_below(test_rand_below(2) ? 10 : 1500);
            size_t na = model_range(&m, o, s, e, max_ms, count, a);
            size_t nb = pel_range(p, o, s, e, max_ms, count, b);
            if (na != nb || !entries_equal(a, b, na)) bad_range++;
            /* first / last per owner */
            size_t all = model_range(&m, o, stream_id_make(0, 0),
                                     stream_id_make(UINT64_MAX, UINT64_MAX), INT64_MAX, cap, a);
            PelRef f = pel_first(p, o), l = pel_last(p, o);
            if (all == 0) {
                if (f != PEL_NONE || l != PEL_NONE) bad_range++;
            } else if (f == PEL_NONE || l == PEL_NONE ||
                       stream_id_cmp(pel_id(p, f), a[0].id) != 0 ||
                       stream_id_cmp(pel_id(p, l), a[all - 1].id) != 0) {
                bad_range++;
            }
            if (pel_owner_len(p, o) != all) bad_range++;
        }
        if (op % 512 == 0 && pel_check(p) != 0) {
            CHECK(!"pel_check failed");
            break;
        }
        if (op % 2999 == 0) bad_clone += check_clone(p, &m, owners, n_owners);
        if (pel_len(p) != m.n) {
            CHECK_EQ_INT(pel_len(p), m.n);
            break;
        }
    }
    CHECK_EQ_INT(bad_range, 0);
    CHECK_EQ_INT(bad_find, 0);
    CHECK_EQ_INT(pel_check(p), 0);
    CHECK_EQ_INT(check_clone(p, &m, owners, n_owners), 0);
    CHECK_EQ_INT(bad_clone, 0);
    CHECK_EQ_INT(check_idle_order(p, &m), 0);
    CHECK_EQ_INT(bad_idle, 0);
    /* The release order is also what pel_released_list() gives. */
    PelRef *rel;
    size_t n_rel = pel_released_list(p, &rel);
    CHECK_EQ_INT(n_rel, pel_owner_len(p, PEL_OWNER_NONE));
    int bad_rel = 0;
    long prev_i = -1;
    for (size_t k = 0; k < n_rel; k++) {
        long i = model_find(&m, pel_id(p, rel[k]));
        if (i < 0 || m.e[i].owner != PEL_OWNER_NONE) {
            bad_rel++;
            continue;
        }
        if (prev_i >= 0 && m.seq[prev_i] >= m.seq[i]) bad_rel++;
        prev_i = i;
    }
    xfree(rel);
    CHECK_EQ_INT(bad_rel, 0);
    /* Every remaining entry reads back exactly. */
    int bad = 0;
    for (size_t i = 0; i < m.n; i++) {
        PelRef r = pel_find(p, m.e[i].id);
        PelEntry e;
        if (r == PEL_NONE) {
            bad++;
            continue;
        }
        pel_get(p, r, &e);
        if (!entries_equal(&e, &m.e[i], 1)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* Drain in random order down to empty, checking structure on the way. */
    while (m.n) {
        size_t i = test_rand_below(m.n);
        PelRef r = pel_find(p, m.e[i].id);
        CHECK(r != PEL_NONE);
        if (r == PEL_NONE) break;
        pel_delete(p, r);
        model_del(&m, i);
        n_compact += pel_compact(p);
        if (m.n % 997 == 0) CHECK_EQ_INT(pel_check(p), 0);
    }
    /* A big prefill drained at random is what the slack rule repacks. */
    if (prefill >= 8 * 1024) CHECK(n_compact > 0);
    CHECK_EQ_INT(pel_len(p), 0);
    CHECK(pel_first(p, PEL_OWNER_ALL) == PEL_NONE);
    CHECK_EQ_INT(pel_check(p), 0);
    xfree(a);
    xfree(b);
    xfree(m.e);
    xfree(m.seq);
    xfree(m.tie);
    pel_free(p);
}

/* The IDs of a walk from it, at most n; returns how many. */
static size_t walk_ids(PelIter *it, const Pel *p, StreamId *out, size_t n) {
    size_t k = 0;
    for (PelRef r = pel_iter_next(it); r != PEL_NONE && k < n; r = pel_iter_next(it))
        out[k++] = pel_id(p, r);
    return k;
}

/* Whether got[0..n_got) is want[0..n_want) without the IDs not kept. */
static int is_kept_subsequence(const StreamId *want, size_t n_want, const StreamId *got,
                               size_t n_got, const char *keep) {
    size_t k = 0;
    for (size_t i = 0; i < n_want; i++) {
        if (!keep[i]) continue;
        if (k == n_got || stream_id_cmp(want[i], got[k]) != 0) return 0;
        k++;
    }
    return k == n_got;
}

/* The peak the slab used to keep: 100,000 entries delivered to three
 * consumers (some released, some with IDs and counts in the side map, the
 * idle tree built), then 99% acknowledged in random order with
 * pel_compact() after each, as group_ack() does. The slab must come back to
 * about what the survivors need while every order (group, consumer, claim)
 * and every field stays as it was; then a steady deliver/ack cycle must not
 * repack at all (the slack rule's hysteresis). */
static void test_pel_compaction(void) {
    Pel *p = pel_new();
    uint32_t o[3];
    for (int i = 0; i < 3; i++) o[i] = pel_owner_new(p);
    size_t empty = pel_mem_bytes(p);
    const size_t n = 100000;
    PelEntry *e = xmalloc(n * sizeof(PelEntry));
    for (size_t i = 0; i < n; i++) {
        StreamId id = i % 997 == 0 ? stream_id_make((1ULL << 47) + i, 0) /* side map */
                                   : stream_id_make(1700000000000ULL + i, i % 3);
        uint64_t count = i % 499 == 0 ? (1ULL << 40) + i : 1 + i % 3;
        e[i] = (PelEntry){id, (int64_t)(1000 + i % 5000), count, o[i % 3]};
        pel_add(p, id, e[i].owner, e[i].delivery_ms, count);
    }
    for (size_t i = 5; i < n; i += 101) {
        pel_release(p, pel_find(p, e[i].id), 7);
        e[i].owner = PEL_OWNER_NONE;
        e[i].delivery_ms = 0;
        e[i].delivery_count = 7;
    }
    /* The claim order before, as IDs (group and owner orders are ID order,
     * checked as such below). */
    StreamId *idle = xmalloc(n * sizeof(StreamId)), *got = xmalloc(n * sizeof(StreamId));
    PelIter it;
    pel_idle_seek(&it, p);
    CHECK_EQ_INT(walk_ids(&it, p, idle, n), n);
    size_t peak = pel_mem_bytes(p);

    char *keep = xcalloc(n, 1);
    char *keep_idle = xcalloc(n, 1);
    for (size_t k = 0; k < n / 100; k++) keep[test_rand_below(n)] = 1;
    size_t *order = xmalloc(n * sizeof(size_t));
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = test_rand_below(i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    int n_compact = 0, bad = 0;
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (keep[i]) {
            kept++;
            continue;
        }
        bad += !pel_delete_id(p, e[i].id);
        n_compact += pel_compact(p);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(pel_len(p), kept);
    CHECK_EQ_INT(pel_check(p), 0);
    /* Repacked each time half the slab was free: about log2(100) times. */
    CHECK(n_compact >= 3 && n_compact <= 12);
    size_t after = pel_mem_bytes(p);
    printf("pel: %zu bytes at the peak (100000 pending), %zu after acking 99%% (%zu left, "
           "%.1f bytes each over an empty list), %d repacks\n",
           peak, after, kept, (double)(after - empty) / (double)kept, n_compact);
    /* 24-byte records in a chunk of a power of two, 4-byte refs in packed
     * trees (group, owner, idle), small trees' nodes; without the repack
     * it was ~4.6 KB each. */
    CHECK(after - empty <= 60 * kept);

    /* Every field, and every order, is what it was. */
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        PelRef r = pel_find(p, e[i].id);
        PelEntry x;
        if (r == PEL_NONE) {
            bad++;
            continue;
        }
        pel_get(p, r, &x);
        bad += !entries_equal(&x, &e[i], 1);
    }
    CHECK_EQ_INT(bad, 0);
    for (size_t i = 0; i < n; i++) {
        PelRef r = pel_find(p, idle[i]);
        keep_idle[i] = r != PEL_NONE;
    }
    pel_idle_seek(&it, p);
    size_t n_got = walk_ids(&it, p, got, n);
    CHECK(is_kept_subsequence(idle, n, got, n_got, keep_idle));
    uint64_t by_owner = 0;
    for (int k = 0; k < 5; k++) {
        uint32_t owner = k < 3 ? o[k] : k == 3 ? PEL_OWNER_NONE : PEL_OWNER_ALL;
        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += keep[i] && (owner == PEL_OWNER_ALL || e[i].owner == owner);
        pel_iter_seek(&it, p, owner, stream_id_make(0, 0));
        size_t m = walk_ids(&it, p, got, n);
        CHECK_EQ_INT(m, want);
        CHECK_EQ_INT(pel_owner_len(p, owner), want);
        for (size_t j = 1; j < m; j++) bad += stream_id_cmp(got[j - 1], got[j]) >= 0;
        if (owner == PEL_OWNER_ALL) continue;
        for (size_t j = 0; j < m; j++) bad += pel_owner(p, pel_find(p, got[j])) != owner;
        by_owner += m;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(by_owner, kept);

    /* A steady cycle on top: deliver one, acknowledge one of the 100 oldest
     * of a 1000-entry window. The window's chunks come and go whole; the
     * survivors stay where they are. */
    int cycle_compact = 0;
    StreamId *win = xmalloc(1000 * sizeof(StreamId));
    size_t n_win = 0;
    for (uint64_t i = 0; i < 200000; i++) {
        StreamId id = stream_id_make(1800000000000ULL + i, 0);
        pel_add(p, id, o[i % 3], 5000, 1);
        win[n_win++] = id;
        if (n_win < 1000) continue;
        size_t j = test_rand_below(100);
        bad += !pel_delete_id(p, win[j]);
        memmove(&win[j], &win[j + 1], (n_win - j - 1) * sizeof(StreamId));
        n_win--;
        cycle_compact += pel_compact(p);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(cycle_compact, 0);
    CHECK_EQ_INT(pel_len(p), kept + n_win);
    CHECK_EQ_INT(pel_check(p), 0);
    xfree(win);
    xfree(order);
    xfree(keep);
    xfree(keep_idle);
    xfree(idle);
    xfree(got);
    xfree(e);
    pel_free(p);
}

/* Large sequential trees: 4 consumers take turns reading 200,000 entries as
 * XREADGROUP does; checks the structure, the per-consumer split, and the
 * memory per pending entry: 24-byte records and two 4-byte refs, the
 * budget of pel.h; inner nodes and chunk slack may add up to 2 bytes. */
static void test_pel_sequential_memory(void) {
    Pel *p = pel_new();
    uint32_t o[4];
    for (int i = 0; i < 4; i++) o[i] = pel_owner_new(p);
    const uint64_t n = 200000;
    for (uint64_t i = 0; i < n; i++) {
        StreamId id = stream_id_make(1700000000000ULL + i / 3, i % 3);
        pel_add(p, id, o[(i / 100) % 4], 1700000000000LL, 1);
    }
    CHECK_EQ_INT(pel_len(p), n);
    CHECK_EQ_INT(pel_owner_len(p, o[0]) + pel_owner_len(p, o[1]) + pel_owner_len(p, o[2]) +
                     pel_owner_len(p, o[3]),
                 n);
    CHECK_EQ_INT(pel_check(p), 0);
    double per_entry = (double)pel_mem_bytes(p) / (double)n;
    printf("pel: %.2f bytes per pending entry (sequential, 4 consumers)\n", per_entry);
    CHECK(per_entry <= 34.0);
    /* The idle tree (XREADGROUP CLAIM) adds one more 4-byte ref per entry. */
    PelIter idle_it;
    pel_idle_seek(&idle_it, p);
    double with_idle = (double)pel_mem_bytes(p) / (double)n;
    printf("pel: %.2f bytes per pending entry with the idle tree\n", with_idle);
    CHECK(with_idle <= per_entry + 4.5);
    CHECK_EQ_INT(pel_check(p), 0);
    /* Acknowledge in delivery order, as consumers do; memory follows. */
    PelIter it;
    for (uint64_t i = 0; i < n - 1000; i++) {
        StreamId id = stream_id_make(1700000000000ULL + i / 3, i % 3);
        PelRef r = pel_find(p, id);
        if (r == PEL_NONE) {
            CHECK(!"sequential entry missing");
            break;
        }
        pel_delete(p, r);
    }
    CHECK_EQ_INT(pel_len(p), 1000);
    CHECK_EQ_INT(pel_check(p), 0);
    CHECK(pel_mem_bytes(p) < 1000 * 100);
    pel_iter_seek(&it, p, PEL_OWNER_ALL, stream_id_make(0, 0));
    uint64_t seen = 0;
    while (pel_iter_next(&it) != PEL_NONE) seen++;
    CHECK_EQ_INT(seen, 1000);
    CHECK_EQ_INT(pel_owner_delete(p, o[1]) + pel_owner_delete(p, o[2]), 500);
    CHECK_EQ_INT(pel_len(p), 500);
    CHECK_EQ_INT(pel_check(p), 0);
    pel_free(p);
}

/* ---- Groups: lag and entries-read ------------------------------------------ */

static StreamFacts facts(uint64_t length, uint64_t added, StreamId first, StreamId last,
                         StreamId max_del) {
    StreamFacts f = {length, added, first, last, max_del};
    return f;
}

#define ID(a, b) stream_id_make(a, b)

static void test_lag_rules(void) {
    GroupSet *gs = group_set_new();
    int64_t lag;

    /* A never-used stream: lag 0, counter 0. */
    StreamFacts f = facts(0, 0, ID(0, 0), ID(0, 0), ID(0, 0));
    ConsumerGroup *g = group_set_create(gs, slice_cstr("g"), ID(0, 0), GROUP_ENTRIES_READ_INVALID);
    CHECK(g != NULL);
    CHECK(group_set_create(gs, slice_cstr("g"), ID(0, 0), 0) == NULL);
    CHECK_EQ_INT(group_lag(g, &f, &lag), 1);
    CHECK_EQ_INT(lag, 0);
    CHECK_EQ_INT(group_entries_read_at(&f, ID(5, 0)), 0);

    /* Entries 1-1..5-1 added, nothing deleted; group at 0: lag is the length. */
    f = facts(5, 5, ID(1, 1), ID(5, 1), ID(0, 0));
    CHECK_EQ_INT(group_lag(g, &f, &lag), 1);
    CHECK_EQ_INT(lag, 5);
    /* Reading 1-1 (counter invalid, re-derived: first entry -> 1), then 2-1. */
    CHECK_EQ_INT(group_note_read(g, ID(1, 1), &f), 1);
    CHECK_EQ_INT(group_entries_read(g), 1);
    CHECK_EQ_INT(group_note_read(g, ID(2, 1), &f), 1);
    CHECK_EQ_INT(group_entries_read(g), 2);
    CHECK_EQ_INT(group_note_read(g, ID(2, 1), &f), 0); /* not past last_id */
    CHECK_EQ_INT(group_lag(g, &f, &lag), 1);
    CHECK_EQ_INT(lag, 3);

    /* XDEL of 4-1 (after last_id): lag unknown until the group passes it. */
    f = facts(4, 5, ID(1, 1), ID(5, 1), ID(4, 1));
    CHECK_EQ_INT(group_lag(g, &f, &lag), 0);
    CHECK_EQ_INT(group_note_read(g, ID(3, 1), &f), 1);
    CHECK_EQ_INT(group_entries_read(g), GROUP_ENTRIES_READ_INVALID); /* 3-1 < max deleted */
    CHECK_EQ_INT(group_lag(g, &f, &lag), 0);
    CHECK_EQ_INT(group_note_read(g, ID(5, 1), &f), 1);
    CHECK_EQ_INT(group_entries_read(g), 5); /* the last entry: entries_added */
    CHECK_EQ_INT(group_lag(g, &f, &lag), 1);
    CHECK_EQ_INT(lag, 0);

    /* XDEL before last_id does not disturb a valid counter. */
    ConsumerGroup *h = group_set_create(gs, slice_cstr("h"), ID(0, 0), GROUP_ENTRIES_READ_INVALID);
    f = facts(5, 5, ID(1, 1), ID(5, 1), ID(0, 0));
    group_note_read(h, ID(1, 1), &f);
    group_note_read(h, ID(2, 1), &f);
    group_note_read(h, ID(3, 1), &f);
    CHECK_EQ_INT(group_entries_read(h), 3);
    f = facts(4, 5, ID(1, 1), ID(5, 1), ID(2, 1));
    CHECK_EQ_INT(group_lag(h, &f, &lag), 1);
    CHECK_EQ_INT(lag, 2);
    group_note_read(h, ID(4, 1), &f);
    CHECK_EQ_INT(group_entries_read(h), 4);

    /* Trimmed past the group (last_id before the first entry, no tombstone
     * after it): lag is the length. */
    f = facts(2, 5, ID(4, 1), ID(5, 1), ID(0, 0));
    ConsumerGroup *k = group_set_create(gs, slice_cstr("k"), ID(1, 1), 1);
    CHECK_EQ_INT(group_lag(k, &f, &lag), 1);
    CHECK_EQ_INT(lag, 2);
    /* Reading from there re-derives the counter: first entry = added - len + 1. */
    group_note_read(k, ID(4, 1), &f);
    CHECK_EQ_INT(group_entries_read(k), 4);

    /* Estimates. */
    f = facts(3, 10, ID(8, 0), ID(10, 0), ID(0, 0));
    CHECK_EQ_INT(group_entries_read_at(&f, ID(10, 0)), 10);
    CHECK_EQ_INT(group_entries_read_at(&f, ID(8, 0)), 8);
    CHECK_EQ_INT(group_entries_read_at(&f, ID(7, 0)), 7);
    CHECK_EQ_INT(group_entries_read_at(&f, ID(9, 0)), GROUP_ENTRIES_READ_INVALID);
    CHECK_EQ_INT(group_entries_read_at(&f, ID(11, 0)), GROUP_ENTRIES_READ_INVALID);
    f = facts(0, 10, ID(0, 0), ID(10, 0), ID(10, 0)); /* emptied by XDEL */
    CHECK_EQ_INT(group_entries_read_at(&f, ID(3, 0)), 10);
    CHECK_EQ_INT(group_lag(k, &f, &lag), 1);
    CHECK_EQ_INT(lag, 0);

    /* SETID with ENTRIESREAD, and has_acked. */
    group_set_last_id(k, ID(9, 0), 9);
    CHECK_EQ_INT(group_entries_read(k), 9);
    CHECK(stream_id_cmp(group_last_id(k), ID(9, 0)) == 0);
    ConsumerId c = group_consumer_create(k, slice_cstr("alice"), 100);
    group_deliver(k, c, ID(8, 0), 100);
    CHECK_EQ_INT(group_has_acked(k, ID(8, 0)), 0);
    CHECK_EQ_INT(group_has_acked(k, ID(7, 0)), 1);
    CHECK_EQ_INT(group_has_acked(k, ID(10, 0)), 0);
    CHECK_EQ_INT(group_set_all_acked(gs, ID(7, 0)), 0); /* g and h stopped before 7-0 */
    CHECK_EQ_INT(group_ack(k, ID(8, 0)), 1);
    CHECK_EQ_INT(group_ack(k, ID(8, 0)), 0);
    CHECK_EQ_INT(group_has_acked(k, ID(8, 0)), 1);

    CHECK_EQ_INT(group_set_destroy(gs, slice_cstr("k")), 1);
    CHECK_EQ_INT(group_set_destroy(gs, slice_cstr("k")), 0);
    CHECK_EQ_INT(group_set_len(gs), 2);
    group_set_free(gs);
}

/* ---- Groups: consumers, names, listings -------------------------------------- */

static int slice_lt(Slice a, Slice b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c < 0 || (c == 0 && a.len < b.len);
}

static void test_consumers(void) {
    GroupSet *gs = group_set_new();
    ConsumerGroup *g = group_set_create(gs, slice_cstr("orders"), ID(0, 0), 0);
    enum { N = 300 };
    char names[N][16];
    ConsumerId ids[N];
    int alive[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "c%x", (unsigned)test_rand_below(1u << 20) * N + i);
        ids[i] = group_consumer_create(g, slice_cstr(names[i]), i);
        alive[i] = 1;
    }
    CHECK_EQ_INT(group_consumer_count(g), N);
    CHECK(group_consumer_create(g, slice_cstr(names[7]), 0) == GROUP_NO_CONSUMER);
    /* Binary names with NUL bytes and the empty name are names too. */
    ConsumerId bin = group_consumer_create(g, slice_of("a\0b", 3), 5);
    ConsumerId empty = group_consumer_create(g, slice_of("", 0), 5);
    CHECK(bin != GROUP_NO_CONSUMER && empty != GROUP_NO_CONSUMER);
    CHECK(group_consumer_find(g, slice_of("a\0b", 3)) == bin);
    CHECK(group_consumer_find(g, slice_of("a", 1)) == GROUP_NO_CONSUMER);
    CHECK(group_consumer_find(g, slice_of("", 0)) == empty);

    /* Deliveries, then delete half the consumers (their entries go too). */
    uint64_t seq = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i % 5; j++) group_deliver(g, ids[i], ID(1000, seq++), 42);
    CHECK_EQ_INT(pel_len(group_pel(g)), seq);
    CHECK_EQ_INT(group_consumer_active_ms(g, ids[1]), 42);
    CHECK_EQ_INT(group_consumer_active_ms(g, ids[0]), -1);
    uint64_t dropped = 0;
    for (int i = 0; i < N; i += 2) {
        dropped += group_consumer_delete(g, ids[i]);
        alive[i] = 0;
    }
    CHECK_EQ_INT(pel_len(group_pel(g)) + dropped, seq);
    CHECK_EQ_INT(pel_check(group_pel(g)), 0);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        ConsumerId f = group_consumer_find(g, slice_cstr(names[i]));
        if (alive[i] ? f != ids[i] : f != GROUP_NO_CONSUMER) bad++;
        if (alive[i] && group_consumer_pending(g, ids[i]) != (uint64_t)(i % 5)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* A new consumer reuses a freed number and starts empty. */
    ConsumerId fresh = group_consumer_create(g, slice_cstr("fresh"), 9);
    CHECK_EQ_INT(group_consumer_pending(g, fresh), 0);
    CHECK_EQ_INT(group_consumer_seen_ms(g, fresh), 9);
    group_consumer_touch(g, fresh, 11, 0);
    CHECK_EQ_INT(group_consumer_seen_ms(g, fresh), 11);
    CHECK_EQ_INT(group_consumer_active_ms(g, fresh), -1);
    group_consumer_touch(g, fresh, 12, 1);
    CHECK_EQ_INT(group_consumer_active_ms(g, fresh), 12);

    /* Re-delivery of a pending ID to another consumer resets its count. */
    PelRef r = group_deliver(g, fresh, ID(1000, 1), 50);
    CHECK_EQ_INT(pel_owner(group_pel(g), r), fresh);
    CHECK_EQ_INT(pel_delivery_count(group_pel(g), r), 1);
    group_claim(g, r, bin, 60, 7);
    CHECK_EQ_INT(pel_owner(group_pel(g), r), bin);
    CHECK_EQ_INT(pel_delivery_ms(group_pel(g), r), 60);
    CHECK_EQ_INT(pel_delivery_count(group_pel(g), r), 7);

    /* Listing: sorted by bytes, shorter first on a common prefix. */
    ConsumerId *list;
    size_t n = group_consumer_list(g, &list);
    CHECK_EQ_INT(n, group_consumer_count(g));
    bad = 0;
    for (size_t i = 1; i < n; i++)
        if (!slice_lt(group_consumer_name(g, list[i - 1]), group_consumer_name(g, list[i]))) bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK(n > 0 && group_consumer_name(g, list[0]).len == 0);
    xfree(list);

    /* Groups listing. */
    group_set_create(gs, slice_cstr("b"), ID(0, 0), 0);
    group_set_create(gs, slice_cstr("ab"), ID(0, 0), 0);
    group_set_create(gs, slice_cstr("a"), ID(0, 0), 0);
    ConsumerGroup **gl;
    size_t ng = group_set_list(gs, &gl);
    CHECK_EQ_INT(ng, 4);
    if (ng == 4) {
        CHECK(slice_eq(group_name(gl[0]), slice_cstr("a")));
        CHECK(slice_eq(group_name(gl[1]), slice_cstr("ab")));
        CHECK(slice_eq(group_name(gl[2]), slice_cstr("b")));
        CHECK(slice_eq(group_name(gl[3]), slice_cstr("orders")));
    }
    xfree(gl);
    CHECK(group_set_find(gs, slice_cstr("ab")) != NULL);
    CHECK(group_set_find(gs, slice_cstr("abc")) == NULL);
    CHECK(group_set_mem_bytes(gs) > 0);

    /* group_set_clone() (COPY): every group; every consumer with its number,
     * name, times and pending entries; a set of its own. */
    group_set_last_id(g, ID(999, 1), 17);
    GroupSet *cs = group_set_clone(gs);
    CHECK_EQ_INT(group_set_len(cs), group_set_len(gs));
    CHECK(group_set_mem_bytes(cs) <= group_set_mem_bytes(gs)); /* packed, tables sized anew */
    ConsumerGroup *cg = group_set_find(cs, slice_cstr("orders"));
    CHECK(cg != NULL && cg != g);
    if (cg) {
        CHECK(stream_id_cmp(group_last_id(cg), ID(999, 1)) == 0);
        CHECK_EQ_INT(group_entries_read(cg), 17);
        CHECK_EQ_INT(group_consumer_count(cg), group_consumer_count(g));
        CHECK_EQ_INT(pel_check(group_pel(cg)), 0);
        CHECK_EQ_INT(pel_len(group_pel(cg)), pel_len(group_pel(g)));
        bad = 0;
        ConsumerId *cl;
        size_t ncl = group_consumer_list(g, &cl);
        for (size_t i = 0; i < ncl; i++) {
            Slice nm = group_consumer_name(g, cl[i]);
            ConsumerId f = group_consumer_find(cg, nm);
            if (f != cl[i] || group_consumer_pending(cg, f) != group_consumer_pending(g, cl[i]) ||
                group_consumer_seen_ms(cg, f) != group_consumer_seen_ms(g, cl[i]) ||
                group_consumer_active_ms(cg, f) != group_consumer_active_ms(g, cl[i]))
                bad++;
        }
        xfree(cl);
        CHECK_EQ_INT(bad, 0);
        /* the numbers freed in the original are free in the copy too */
        ConsumerId late_c = group_consumer_create(cg, slice_cstr("late"), 1);
        ConsumerId late_g = group_consumer_create(g, slice_cstr("late"), 1);
        CHECK_EQ_INT(late_c, late_g);
        group_consumer_delete(g, late_g);
        /* what happens to the copy stays there */
        group_ack(cg, ID(1000, 1));
        CHECK(group_set_destroy(cs, slice_cstr("orders")));
        CHECK(group_set_find(gs, slice_cstr("orders")) == g);
        CHECK(pel_find(group_pel(g), ID(1000, 1)) != PEL_NONE);
        CHECK_EQ_INT(pel_check(group_pel(g)), 0);
    }
    group_set_free(cs);
    CHECK(group_set_clone(NULL) == NULL);
    /* Many groups: create, find, destroy in random order. */
    for (int i = 0; i < 200; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "grp%d", i);
        CHECK(group_set_create(gs, slice_cstr(nm), ID(0, 0), 0) != NULL);
    }
    bad = 0;
    for (int i = 199; i >= 0; i -= 3) {
        char nm[16];
        snprintf(nm, sizeof(nm), "grp%d", i);
        if (!group_set_destroy(gs, slice_cstr(nm))) bad++;
    }
    for (int i = 0; i < 200; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "grp%d", i);
        int should = (199 - i) % 3 != 0;
        if ((group_set_find(gs, slice_cstr(nm)) != NULL) != should) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    group_set_free(gs);
    group_set_free(NULL);
    CHECK_EQ_INT(group_set_len(NULL), 0);
}

/* The ACKED trim bound: whatever takes an entry out of a pending list
 * lowers it to that entry's ID; nothing else does. */
static void test_known_kept(void) {
    GroupSet *gs = group_set_new();
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(0, 0)) == 0);
    ConsumerGroup *g = group_set_create(gs, slice_cstr("g"), ID(0, 0), 0);
    ConsumerGroup *h = group_set_create(gs, slice_cstr("h"), ID(0, 0), 0);
    ConsumerId a = group_consumer_create(g, slice_cstr("a"), 1);
    ConsumerId b = group_consumer_create(g, slice_cstr("b"), 1);
    ConsumerId x = group_consumer_create(h, slice_cstr("x"), 1);
    for (uint64_t i = 1; i <= 50; i++) {
        (void)group_deliver(g, i % 2 ? a : b, ID(i, 0), 1);
        (void)group_deliver(h, x, ID(i, 0), 1);
    }
    StreamId *kept = group_set_known_kept(gs);
    *kept = ID(100, 0);
    /* deliveries, claims and releases keep entries pending: no change */
    (void)group_deliver(g, a, ID(60, 0), 2);
    group_claim(g, pel_find(group_pel(g), ID(7, 0)), b, 3, 2);
    group_release(g, pel_find(group_pel(g), ID(9, 0)), 1);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(100, 0)) == 0);
    /* an acknowledgement of something not pending changes nothing */
    CHECK_EQ_INT(group_ack(g, ID(70, 0)), 0);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(100, 0)) == 0);
    CHECK_EQ_INT(group_ack(g, ID(40, 0)), 1);
    CHECK_EQ_INT(group_ack(h, ID(45, 0)), 1);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(40, 0)) == 0);
    /* folded once: a later ack above the bound leaves it */
    CHECK_EQ_INT(group_ack(h, ID(46, 0)), 1);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(40, 0)) == 0);
    /* a consumer's deletion: its lowest pending entry (b holds 2, 4, ...
     * but 40, and 7, claimed) */
    CHECK_EQ_INT(group_consumer_delete(g, b), 25);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(2, 0)) == 0);
    /* DELREF and a dropped pending entry */
    *kept = ID(100, 0);
    CHECK_EQ_INT(group_set_delete_refs(gs, ID(33, 0)), 2);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(33, 0)) == 0);
    group_drop(h, pel_find(group_pel(h), ID(20, 0)));
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(20, 0)) == 0);
    /* a group's destruction forgets everything */
    *kept = ID(100, 0);
    CHECK_EQ_INT(group_set_destroy(gs, slice_cstr("h")), 1);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(0, 0)) == 0);
    /* the smallest last-delivered ID coming down: a new group, a group set
     * back (a group set forward changes nothing) */
    *kept = ID(100, 0);
    ConsumerGroup *k = group_set_create(gs, slice_cstr("k"), ID(80, 0), 0);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(80, 0)) == 0);
    *kept = ID(100, 0);
    group_set_last_id(k, ID(90, 0), 0);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(100, 0)) == 0);
    group_set_last_id(k, ID(50, 0), 0);
    CHECK(stream_id_cmp(*group_set_known_kept(gs), ID(50, 0)) == 0);
    (void)a;
    group_set_free(gs);
}

/* group_drop() and group_claim() never move records, so a command may hold
 * the refs it collected across any number of them (XAUTOCLAIM claims one
 * list, then drops another; XCLAIM drops and claims as it goes), and
 * group_compact() gives the memory back once the refs are dropped. A
 * repack in between would leave the held refs naming other entries, or
 * slots past the packed slab. */
static void test_drop_keeps_refs(void) {
    GroupSet *gs = group_set_new();
    ConsumerGroup *g = group_set_create(gs, slice_cstr("g"), ID(0, 0), 0);
    ConsumerId a = group_consumer_create(g, slice_cstr("a"), 1);
    ConsumerId b = group_consumer_create(g, slice_cstr("b"), 1);
    const uint64_t n = 6000;
    PelRef *refs = xmalloc(n * sizeof(PelRef));
    for (uint64_t i = 0; i < n; i++) refs[i] = group_deliver(g, a, ID(i + 1, 0), 10);
    Pel *p = group_pel(g);
    /* Every 50th survives, claimed by b; the rest are dropped. Each chunk
     * keeps a few survivors, so no chunk empties: the slab stays whole
     * until group_compact(). */
    int bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        bad += stream_id_cmp(pel_id(p, refs[i]), ID(i + 1, 0)) != 0;
        if (i % 50 == 0)
            group_claim(g, refs[i], b, 20, 3);
        else
            group_drop(g, refs[i]);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(pel_len(p), n / 50);
    for (uint64_t i = 0; i < n; i += 50) {
        PelEntry e;
        pel_get(p, refs[i], &e);
        bad += stream_id_cmp(e.id, ID(i + 1, 0)) != 0 || e.owner != b || e.delivery_count != 3 ||
               e.delivery_ms != 20;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(pel_check(p), 0);
    size_t before = pel_mem_bytes(p);
    group_compact(g);
    size_t after = pel_mem_bytes(p);
    CHECK(after * 4 < before);
    CHECK_EQ_INT(pel_check(p), 0);
    CHECK_EQ_INT(group_consumer_pending(g, a), 0);
    CHECK_EQ_INT(group_consumer_pending(g, b), n / 50);
    PelIter it;
    pel_iter_seek(&it, p, b, ID(0, 0));
    for (uint64_t i = 0; i < n; i += 50) {
        PelRef r = pel_iter_next(&it);
        bad += r == PEL_NONE || stream_id_cmp(pel_id(p, r), ID(i + 1, 0)) != 0;
    }
    CHECK(pel_iter_next(&it) == PEL_NONE);
    CHECK_EQ_INT(bad, 0);
    xfree(refs);
    group_set_free(gs);
}

/* group_set_any(): NULL for an empty set, else one of its groups, whichever
 * were created and destroyed before. */
static void test_set_any(void) {
    GroupSet *gs = group_set_new();
    CHECK(group_set_any(gs) == NULL);
    char name[16];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "g%d", i);
        group_set_create(gs, slice_cstr(name), ID(0, 0), 0);
    }
    for (int i = 0; i < 40; i++) {
        const ConsumerGroup *g = group_set_any(gs);
        CHECK(g != NULL);
        int found = 0;
        for (int k = 0; k < 40; k++) {
            snprintf(name, sizeof name, "g%d", k);
            if (group_set_find(gs, slice_cstr(name)) == g) found = 1;
        }
        CHECK(found);
        snprintf(name, sizeof name, "g%d", (i * 7) % 40);
        CHECK_EQ_INT(group_set_destroy(gs, slice_cstr(name)), 1);
    }
    CHECK_EQ_INT(group_set_len(gs), 0);
    CHECK(group_set_any(gs) == NULL);
    group_set_free(gs);
}

int main(void) {
    test_seed("test_group");
    test_set_any();
    test_pel_model(20000, 50, 0, 15);        /* dense: many collisions */
    test_pel_model(30000, 100000, 0, 15);    /* sparse */
    test_pel_model(8000, 1000000, 30000, 2); /* three-level trees */
    test_pel_sequential_memory();
    test_pel_compaction();
    test_lag_rules();
    test_consumers();
    test_known_kept();
    test_drop_keeps_refs();
    return test_report("test_group");
}
