/*
 * Unit tests for the library side of Redis 8.2's reference policies:
 * stream_trim() with policy hooks (src/stream/stream.c) and the group-set
 * queries DELREF and ACKED rely on (src/stream/group.c).
 *
 * Trim model. A naive oracle keeps every entry ever appended with its state
 * (live, deleted but stored, gone with its node) and its own list of nodes,
 * decided by the rules stream.h states: a new node when the tail node stores
 * max_entries entries, a node freed when XDEL takes its last live entry.
 * Random appends, deletes and trims run against both; a trim draws a random
 * policy (none, on_delete only as DELREF, can_delete only, both) whose
 * verdict for an ID is a hash of the ID and a per-trim seed, with an optional
 * ID above which it says STOP, as ACKED does. After every operation the
 * library's length, first ID and every node (bounds, live and deleted
 * counts) must match the oracle; the IDs on_delete reports must be the
 * oracle's, in order; scans in both directions are compared regularly.
 *
 * Group model. Random groups deliver, acknowledge and move their last ID;
 * group_set_all_acked(), group_set_min_last_id() and group_set_delete_refs()
 * are checked against plain arrays of pending IDs. The seed is printed.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/group.h"
#include "stream/stream.h"
#include "stream/stream_int.h"
#include "test.h"

static const StreamId ID_MIN = {0, 0};
static const StreamId ID_MAX = {UINT64_MAX, UINT64_MAX};

/* ---- the trim oracle ---------------------------------------------------- */

enum { LIVE, TOMB, GONE };

typedef struct OEntry {
    StreamId id;
    int state;
    int node;
} OEntry;

typedef struct ONode {
    size_t *idx; /* entries stored here, in ID order */
    size_t n, cap;
    int is_freed;
} ONode;

typedef struct Oracle {
    OEntry *e;
    size_t n, cap;
    ONode *nodes;
    size_t n_nodes, cap_nodes;
    uint64_t length;
    uint64_t max_entries;
} Oracle;

static void oracle_free(Oracle *o) {
    for (size_t i = 0; i < o->n_nodes; i++) free(o->nodes[i].idx);
    free(o->nodes);
    free(o->e);
}

static void node_push(ONode *nd, size_t i) {
    if (nd->n == nd->cap) {
        nd->cap = nd->cap ? 2 * nd->cap : 8;
        nd->idx = realloc(nd->idx, nd->cap * sizeof(size_t));
    }
    nd->idx[nd->n++] = i;
}

static uint64_t node_live(const Oracle *o, const ONode *nd) {
    uint64_t n = 0;
    for (size_t k = 0; k < nd->n; k++) n += o->e[nd->idx[k]].state == LIVE;
    return n;
}

static void node_free(Oracle *o, ONode *nd) {
    nd->is_freed = 1;
    for (size_t k = 0; k < nd->n; k++) o->e[nd->idx[k]].state = GONE;
}

/* The tail node: the last one not freed (or -1). */
static long tail_node(const Oracle *o) {
    for (size_t i = o->n_nodes; i > 0; i--)
        if (!o->nodes[i - 1].is_freed) return (long)(i - 1);
    return -1;
}

static void oracle_append(Oracle *o, StreamId id) {
    long t = tail_node(o);
    if (t < 0 || o->nodes[t].n >= o->max_entries) {
        if (o->n_nodes == o->cap_nodes) {
            o->cap_nodes = o->cap_nodes ? 2 * o->cap_nodes : 16;
            o->nodes = realloc(o->nodes, o->cap_nodes * sizeof(ONode));
        }
        memset(&o->nodes[o->n_nodes], 0, sizeof(ONode));
        t = (long)o->n_nodes++;
    }
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->e = realloc(o->e, o->cap * sizeof(OEntry));
    }
    o->e[o->n] = (OEntry){id, LIVE, (int)t};
    node_push(&o->nodes[t], o->n);
    o->n++;
    o->length++;
}

static int oracle_delete(Oracle *o, StreamId id) {
    for (size_t i = 0; i < o->n; i++) {
        if (stream_id_cmp(o->e[i].id, id) != 0) continue;
        if (o->e[i].state != LIVE) return 0;
        o->e[i].state = TOMB;
        o->length--;
        ONode *nd = &o->nodes[o->e[i].node];
        if (node_live(o, nd) == 0) node_free(o, nd);
        return 1;
    }
    return 0;
}

/* The policy of one trim. */
typedef struct Policy {
    int has_can, has_on;
    uint64_t seed;
    int keep_pct;
    int has_stop;
    StreamId stop_above;
    StreamId *told; /* what on_delete reported */
    size_t n_told, cap_told;
} Policy;

static int verdict(const Policy *p, StreamId id) {
    if (p->has_stop && stream_id_cmp(id, p->stop_above) > 0) return STREAM_TRIM_STOP;
    uint64_t h = (id.ms * 0x9e3779b97f4a7c15ULL) ^ (id.seq + p->seed);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (int)(h % 100) < p->keep_pct ? STREAM_TRIM_KEEP : STREAM_TRIM_DELETE;
}

static int hook_can(void *ctx, StreamId id) {
    return verdict(ctx, id);
}

static void hook_on(void *ctx, StreamId id) {
    Policy *p = ctx;
    if (p->n_told == p->cap_told) {
        p->cap_told = p->cap_told ? 2 * p->cap_told : 64;
        p->told = realloc(p->told, p->cap_told * sizeof(StreamId));
    }
    p->told[p->n_told++] = id;
}

/* The rules of stream_trim() on the oracle; fills *gone (owned) with the IDs
 * removed, in order. */
static uint64_t oracle_trim(Oracle *o, const StreamTrim *t, const Policy *p, StreamId **gone) {
    int is_maxlen = t->strategy == STREAM_TRIM_MAXLEN;
    int is_policy = p->has_can || p->has_on;
    uint64_t deleted = 0;
    *gone = malloc((o->length + 1) * sizeof(StreamId));
    for (size_t ni = 0; ni < o->n_nodes; ni++) {
        ONode *nd = &o->nodes[ni];
        if (nd->is_freed) continue;
        if (is_maxlen && o->length <= t->maxlen) break;
        uint64_t live = node_live(o, nd);
        if (t->limit && deleted + live > t->limit) break;
        StreamId last = o->e[nd->idx[nd->n - 1]].id;
        int eligible =
            is_maxlen ? o->length - live >= t->maxlen : stream_id_cmp(last, t->minid) < 0;
        int whole = eligible;
        for (size_t k = 0; whole && p->has_can && k < nd->n; k++) {
            OEntry *e = &o->e[nd->idx[k]];
            if (e->state == LIVE && verdict(p, e->id) != STREAM_TRIM_DELETE) whole = 0;
        }
        if (whole) {
            for (size_t k = 0; k < nd->n; k++)
                if (o->e[nd->idx[k]].state == LIVE) (*gone)[deleted++] = o->e[nd->idx[k]].id;
            o->length -= live;
            node_free(o, nd);
            continue;
        }
        if (t->is_approx && !is_policy) break;
        int over = 0;
        for (size_t k = 0; k < nd->n && !over; k++) {
            OEntry *e = &o->e[nd->idx[k]];
            if (is_maxlen ? o->length <= t->maxlen : stream_id_cmp(e->id, t->minid) >= 0) {
                over = 1;
                break;
            }
            if (e->state != LIVE) continue;
            int v = p->has_can ? verdict(p, e->id) : STREAM_TRIM_DELETE;
            if (v == STREAM_TRIM_STOP) {
                over = 1;
            } else if (v == STREAM_TRIM_DELETE) {
                e->state = TOMB;
                o->length--;
                (*gone)[deleted++] = e->id;
            }
        }
        if (over || !is_policy) break;
        /* Redis's streamTrim(): past a node only from an eligible one */
        if (!eligible) break;
        if (node_live(o, nd) == 0) node_free(o, nd);
    }
    return deleted;
}

/* ---- comparing the library with the oracle -------------------------------- */

static void check_shape(Stream *s, const Oracle *o, int full_scan) {
    const char *broken = stream__check(s);
    CHECK(broken == NULL);
    if (broken) fprintf(stderr, "  stream__check: %s\n", broken);
    CHECK_EQ_INT(stream_length(s), o->length);
    size_t k = 0;
    StreamId first = ID_MIN;
    int has_first = 0;
    for (size_t ni = 0; ni < o->n_nodes; ni++) {
        const ONode *nd = &o->nodes[ni];
        if (nd->is_freed) continue;
        const StreamNode *ln = stream__node_at(s, k++);
        CHECK(ln != NULL);
        if (!ln) return;
        uint64_t live = node_live(o, nd);
        CHECK(stream_id_cmp(ln->first_id, o->e[nd->idx[0]].id) == 0);
        CHECK(stream_id_cmp(ln->last_id, o->e[nd->idx[nd->n - 1]].id) == 0);
        CHECK_EQ_INT(ln->n_live, live);
        CHECK_EQ_INT((uint64_t)ln->n_deleted + ln->n_dropped, nd->n - live);
        for (size_t j = 0; !has_first && j < nd->n; j++) {
            if (o->e[nd->idx[j]].state != LIVE) continue;
            first = o->e[nd->idx[j]].id;
            has_first = 1;
        }
    }
    CHECK(stream__node_at(s, k) == NULL);
    CHECK_EQ_INT(stream_node_count(s), k);
    CHECK(stream_id_cmp(stream_first_id(s), first) == 0);
    if (!full_scan) return;
    /* live entries in ID order, both directions */
    StreamId *want = malloc((o->length + 1) * sizeof(StreamId));
    size_t n = 0;
    for (size_t i = 0; i < o->n; i++)
        if (o->e[i].state == LIVE) want[n++] = o->e[i].id;
    for (int rev = 0; rev < 2; rev++) {
        StreamIter it;
        StreamId id;
        size_t nf, got = 0;
        int ok = 1;
        stream_iter_start(&it, s, ID_MIN, ID_MAX, rev);
        while (stream_iter_next(&it, &id, &nf)) {
            size_t at = rev ? n - 1 - got : got;
            if (got >= n || stream_id_cmp(id, want[at]) != 0) ok = 0;
            got++;
        }
        CHECK(ok);
        CHECK_EQ_INT(got, n);
    }
    free(want);
}

static StreamId random_present_id(const Oracle *o) {
    if (o->n == 0) return stream_id_make(1, 0);
    const OEntry *e = &o->e[test_rand_below(o->n)];
    StreamId id = e->id;
    if (test_rand_below(4) == 0) id.seq++;
    return id;
}

static void op_trim(Stream *s, Oracle *o) {
    StreamTrim t;
    Policy p;
    memset(&t, 0, sizeof t);
    memset(&p, 0, sizeof p);
    t.strategy = test_rand_below(2) ? STREAM_TRIM_MAXLEN : STREAM_TRIM_MINID;
    t.is_approx = (int)test_rand_below(2);
    if (t.is_approx && test_rand_below(2)) t.limit = 1 + test_rand_below(40);
    if (t.strategy == STREAM_TRIM_MAXLEN)
        t.maxlen = o->length ? test_rand_below(o->length + 2) : 0;
    else
        t.minid = random_present_id(o);
    int kind = (int)test_rand_below(4); /* none, on_delete, can_delete, both */
    p.has_on = kind & 1;
    p.has_can = (kind & 2) != 0;
    p.seed = test_rand();
    p.keep_pct = (int)test_rand_below(4) * 25;
    p.has_stop = p.has_can && test_rand_below(3) == 0;
    p.stop_above = random_present_id(o);
    t.can_delete = p.has_can ? hook_can : NULL;
    t.on_delete = p.has_on ? hook_on : NULL;
    t.ctx = &p;
    StreamId *gone;
    StreamId last = stream_id_make(0, 0);
    t.last_removed = &last;
    uint64_t want = oracle_trim(o, &t, &p, &gone);
    uint64_t got = stream_trim(s, &t);
    CHECK_EQ_INT(got, want);
    if (got && got == want) {
        /* last_removed: at or past the last ID removed, and no live entry
         * between them, so MINID = its successor would remove the same */
        CHECK(stream_id_cmp(last, gone[want - 1]) >= 0);
        for (size_t i = 0; i < o->n; i++)
            if (stream_id_cmp(o->e[i].id, gone[want - 1]) > 0 &&
                stream_id_cmp(o->e[i].id, last) <= 0)
                CHECK(o->e[i].state != LIVE);
    }
    if (p.has_on) {
        CHECK_EQ_INT(p.n_told, want);
        int same = p.n_told == want;
        for (size_t i = 0; same && i < want; i++) same = stream_id_cmp(p.told[i], gone[i]) == 0;
        CHECK(same);
    }
    free(gone);
    free(p.told);
}

static void trim_session(uint64_t max_entries, int n_ops) {
    StreamLimits lim = {max_entries, 0};
    Stream *s = stream_new();
    Oracle o;
    memset(&o, 0, sizeof o);
    o.max_entries = max_entries;
    StreamId last = stream_id_make(1000, 0);
    Slice fv[4] = {slice_cstr("field"), slice_cstr("v"), slice_cstr("n"), slice_cstr("12345")};
    for (int op = 0; op < n_ops; op++) {
        uint64_t r = test_rand_below(100);
        if (r < 55) {
            last.ms += test_rand_below(3);
            last.seq = last.seq + 1 + test_rand_below(2);
            size_t nf = 1 + test_rand_below(2);
            CHECK(stream_append(s, last, fv, nf, &lim) == STREAM_OK);
            oracle_append(&o, last);
        } else if (r < 80) {
            StreamId id = random_present_id(&o);
            CHECK_EQ_INT(stream_delete(s, id), oracle_delete(&o, id));
        } else {
            op_trim(s, &o);
        }
        check_shape(s, &o, op % 16 == 0 || r >= 80);
    }
    stream_free(s);
    oracle_free(&o);
}

static void trim_model_tests(void) {
    static const uint64_t sizes[] = {1, 2, 3, 5, 8, 13};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int round = 0; round < 6; round++) trim_session(sizes[i], 700);
}

/* ---- targeted trim cases -------------------------------------------------- */

typedef struct KeepSet {
    StreamId keep[8];
    int n;
    StreamId stop_above;
} KeepSet;

static int keepset_can(void *ctx, StreamId id) {
    KeepSet *k = ctx;
    if (stream_id_cmp(id, k->stop_above) > 0) return STREAM_TRIM_STOP;
    for (int i = 0; i < k->n; i++)
        if (stream_id_cmp(id, k->keep[i]) == 0) return STREAM_TRIM_KEEP;
    return STREAM_TRIM_DELETE;
}

static void test_acked_like_trim(void) {
    /* 250 entries in nodes of 100: "~ 10" goes past the nodes it cannot drop
     * whole, skips kept entries and stops above the bound, as Redis 8.6 */
    StreamLimits lim = {100, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    Stream *s = stream_new();
    for (uint64_t i = 1; i <= 250; i++)
        CHECK(stream_append(s, stream_id_make(i, 1), fv, 1, &lim) == STREAM_OK);
    KeepSet k = {{stream_id_make(1, 1), stream_id_make(130, 1)}, 2, stream_id_make(150, 1)};
    StreamTrim t = {STREAM_TRIM_MAXLEN, 10, {0, 0}, 1, 0, keepset_can, NULL, &k, NULL, NULL};
    CHECK_EQ_INT(stream_trim(s, &t), 148); /* 2..129, 131..150 */
    CHECK(stream_id_cmp(stream_first_id(s), stream_id_make(1, 1)) == 0);
    CHECK_EQ_INT(stream_length(s), 102);
    CHECK_EQ_INT(stream_node_count(s), 3);
    /* once 1-1 may go, the first node is freed by the walk */
    k.n = 1;
    k.keep[0] = stream_id_make(130, 1);
    CHECK_EQ_INT(stream_trim(s, &t), 1);
    CHECK_EQ_INT(stream_node_count(s), 2);
    CHECK(stream_id_cmp(stream_first_id(s), stream_id_make(130, 1)) == 0);
    /* a LIMIT stops it at a node boundary */
    k.n = 0;
    k.stop_above = ID_MAX;
    t.limit = 50;
    CHECK_EQ_INT(stream_trim(s, &t), 0); /* the next node has 51 live entries */
    t.limit = 51;
    CHECK_EQ_INT(stream_trim(s, &t), 51);
    t.limit = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 40);
    CHECK_EQ_INT(stream_length(s), 10);
    stream_free(s);
}

/* ---- the group set queries ------------------------------------------------ */

#define N_GROUPS 4
#define MAX_IDS  64

typedef struct OGroup {
    StreamId last_id;
    int pending[MAX_IDS]; /* by ID index: id i is (i+1)-0 */
} OGroup;

static StreamId nth_id(int i) {
    return stream_id_make((uint64_t)i + 1, 0);
}

static void group_model_session(void) {
    GroupSet *gs = group_set_new();
    ConsumerGroup *g[N_GROUPS];
    OGroup og[N_GROUPS];
    char name[16];
    int n_groups = 1 + (int)test_rand_below(N_GROUPS);
    memset(og, 0, sizeof og);
    for (int i = 0; i < n_groups; i++) {
        snprintf(name, sizeof name, "g%d", i);
        g[i] = group_set_create(gs, slice_cstr(name), ID_MIN, GROUP_ENTRIES_READ_INVALID);
        CHECK(g[i] != NULL);
        ConsumerId c = group_consumer_create(g[i], slice_cstr("c"), 0);
        CHECK_EQ_INT(c, 0);
    }
    for (int op = 0; op < 400; op++) {
        int gi = (int)test_rand_below((uint64_t)n_groups);
        int id = (int)test_rand_below(MAX_IDS);
        switch (test_rand_below(5)) {
        case 0: /* XREADGROUP ">": the next entries become pending */
            for (int k = 0; k < 3; k++) {
                StreamId next = og[gi].last_id;
                next.ms++;
                next.seq = 0;
                if (next.ms > MAX_IDS) break;
                group_set_last_id(g[gi], next, GROUP_ENTRIES_READ_INVALID);
                (void)group_deliver(g[gi], 0, next, 1);
                og[gi].last_id = next;
                og[gi].pending[next.ms - 1] = 1;
            }
            break;
        case 1:
            CHECK_EQ_INT(group_ack(g[gi], nth_id(id)), og[gi].pending[id]);
            og[gi].pending[id] = 0;
            break;
        case 2: { /* move the group anywhere (XGROUP SETID) */
            StreamId to = stream_id_make(test_rand_below(MAX_IDS + 1), 0);
            group_set_last_id(g[gi], to, GROUP_ENTRIES_READ_INVALID);
            og[gi].last_id = to;
            break;
        }
        case 3: {
            uint64_t want = 0;
            for (int k = 0; k < n_groups; k++) {
                want += (uint64_t)og[k].pending[id];
                og[k].pending[id] = 0;
            }
            CHECK_EQ_INT(group_set_delete_refs(gs, nth_id(id)), want);
            break;
        }
        default: /* a delivery that creates a pending entry */
            if (!og[gi].pending[id]) {
                (void)group_deliver(g[gi], 0, nth_id(id), 1);
                og[gi].pending[id] = 1;
            }
            break;
        }
        for (int i = 0; i < MAX_IDS; i++) {
            int want = 1;
            for (int k = 0; k < n_groups; k++)
                if (og[k].pending[i] || stream_id_cmp(nth_id(i), og[k].last_id) > 0) want = 0;
            CHECK_EQ_INT(group_set_all_acked(gs, nth_id(i)), want);
        }
        StreamId min, want_min = og[0].last_id;
        for (int k = 1; k < n_groups; k++)
            if (stream_id_cmp(og[k].last_id, want_min) < 0) want_min = og[k].last_id;
        CHECK_EQ_INT(group_set_min_last_id(gs, &min), 1);
        CHECK(stream_id_cmp(min, want_min) == 0);
        for (int k = 0; k < n_groups; k++) CHECK_EQ_INT(pel_check(group_pel_c(g[k])), 0);
    }
    group_set_free(gs);
}

static void test_group_queries_empty(void) {
    StreamId min;
    CHECK_EQ_INT(group_set_min_last_id(NULL, &min), 0);
    CHECK_EQ_INT(group_set_delete_refs(NULL, nth_id(1)), 0);
    CHECK_EQ_INT(group_set_all_acked(NULL, nth_id(1)), 1);
    GroupSet *gs = group_set_new();
    CHECK_EQ_INT(group_set_min_last_id(gs, &min), 0);
    CHECK_EQ_INT(group_set_all_acked(gs, nth_id(5)), 1);
    group_set_free(gs);
}

int main(void) {
    test_seed("test_refs");
    test_acked_like_trim();
    test_group_queries_empty();
    trim_model_tests();
    for (int i = 0; i < 40; i++) group_model_session();
    return test_report("test_refs");
}
