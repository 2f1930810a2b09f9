/*
 * Unit tests for the stream library (src/stream/stream.c, node.c).
 *
 * The core is a model-based random test: a naive oracle keeps every entry in
 * a plain array together with the node it went into, and replays appends,
 * XDEL-style deletes and trims (MAXLEN/MINID, exact/approximate, with LIMIT)
 * by the rules stream.h states. After every operation the library's metadata
 * must match the oracle, and after many of them full scans in both
 * directions and random ranges must return the same entries. Node
 * boundaries follow max_entries exactly; where max_bytes decides, the oracle
 * asks the library which node an append went to and checks the byte bound
 * instead. Targeted cases cover the ID rules, the value encodings at their
 * edges, the radix-tree count against Redis's figures and an explicit trie,
 * the trim hooks, and memory per entry for the benchmark's entry shape.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/stream.h"
#include "stream/stream_int.h"
#include "test.h"

/* ---- the oracle ----------------------------------------------------------- */

#define MAX_FIELDS 40

typedef struct MEntry {
    StreamId id;
    int is_deleted; /* marked deleted, node still present */
    int is_gone;    /* its node was freed */
    int is_pinned;  /* a trim policy keeps it (an entry not acknowledged yet) */
    int node;
    int n_fields;
    char *fv[2 * MAX_FIELDS];
    size_t len[2 * MAX_FIELDS];
} MEntry;

typedef struct MNode {
    int is_alive;
    size_t first, last;     /* entry indexes */
    uint64_t live, deleted; /* deleted: still stored in the node */
    uint64_t dropped;       /* deleted entries compaction removed */
    StreamId last_id;
} MNode;

typedef struct Model {
    MEntry *e;
    size_t n, cap;
    MNode *nodes;
    size_t n_nodes, nodes_cap;
    uint64_t length, entries_added;
    StreamId last_id, first_id, max_deleted;
    StreamId known_kept; /* the stream's StreamTrim.known_kept, between trims */
} Model;

static void model_free(Model *m) {
    for (size_t i = 0; i < m->n; i++)
        for (int k = 0; k < 2 * m->e[i].n_fields; k++) free(m->e[i].fv[k]);
    free(m->e);
    free(m->nodes);
    memset(m, 0, sizeof(*m));
}

static size_t model_alive_nodes(const Model *m) {
    size_t c = 0;
    for (size_t i = 0; i < m->n_nodes; i++) c += m->nodes[i].is_alive;
    return c;
}

static MNode *model_tail(Model *m) {
    for (size_t i = m->n_nodes; i > 0; i--)
        if (m->nodes[i - 1].is_alive) return &m->nodes[i - 1];
    return NULL;
}

static StreamId model_first_live(const Model *m) {
    for (size_t i = 0; i < m->n; i++)
        if (!m->e[i].is_gone && !m->e[i].is_deleted) return m->e[i].id;
    return stream_id_make(0, 0);
}

static void node_gone(Model *m, MNode *nd) {
    nd->is_alive = 0;
    for (size_t i = nd->first; i <= nd->last; i++) m->e[i].is_gone = 1;
}

static uint64_t compactions;      /* over all sessions: the tests must reach it */
static uint64_t trim_compactions; /* those after a trim with a policy */

/* The compaction rule (stream.c): a node other than the tail that still has
 * live entries and more deleted than live ones drops every deleted entry but
 * its first and last, after an XDEL-style delete of entry k with a live
 * entry before it (model_maybe_compact()), or after a trim that deleted an
 * entry past one its policy kept (model_compact()). */
static void model_compact(Model *m, MNode *nd) {
    if (!nd->is_alive || nd == model_tail(m) || nd->live == 0 || nd->deleted <= nd->live) return;
    uint64_t husks = (uint64_t)m->e[nd->first].is_deleted + (uint64_t)m->e[nd->last].is_deleted;
    if (nd->deleted <= husks) return;
    nd->dropped += nd->deleted - husks;
    nd->deleted = husks;
    compactions++;
}

static void model_maybe_compact(Model *m, MNode *nd, size_t k) {
    size_t j = nd->first;
    while (j < k && (m->e[j].is_deleted || m->e[j].is_gone)) j++;
    if (j == k) return; /* a deleted prefix (gone entries: see model_trim()) */
    model_compact(m, nd);
}

static size_t alloc_base; /* alloc_used_bytes() before the session's stream */

/* ---- random data ---------------------------------------------------------- */

static size_t rand_value(char *buf) {
    switch (test_rand_below(12)) {
    case 0:
        return (size_t)snprintf(buf, 32, "%d", (int)test_rand_below(200) - 40);
    case 1:
        return (size_t)snprintf(buf, 32, "%" PRId64, (int64_t)test_rand());
    case 2:
        return (size_t)snprintf(buf, 32, "%" PRIu64, 1000000 + test_rand_below(100000));
    case 3: {
        static const char *odd[] = {"007",
                                    "-0",
                                    "+5",
                                    "-",
                                    "",
                                    "0",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "9223372036854775808",
                                    "-9223372036854775809",
                                    "12345678901234567890123",
                                    " 1",
                                    "1 ",
                                    "0x10"};
        const char *s = odd[test_rand_below(sizeof odd / sizeof *odd)];
        memcpy(buf, s, strlen(s));
        return strlen(s);
    }
    case 4: {
        size_t lens[] = {63, 64, 4095, 4096, 5000};
        size_t len = lens[test_rand_below(test_rand_below(20) == 0 ? 5 : 2)];
        for (size_t i = 0; i < len; i++) buf[i] = (char)test_rand();
        return len;
    }
    default: {
        size_t len = test_rand_below(16);
        for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + test_rand_below(26));
        if (len && test_rand_below(8) == 0) buf[0] = '\0';
        return len;
    }
    }
}

static const char *common_fields[] = {"order_id", "product", "quantity", "price"};

/* Fills fv with n name/value pairs (pointing into storage). */
static int rand_entry(Slice *fv, char storage[][5100]) {
    int n;
    int same = test_rand_below(4) != 0;
    if (same) {
        n = 4;
        for (int i = 0; i < 4; i++) {
            fv[2 * i] = slice_cstr(common_fields[i]);
            size_t len = rand_value(storage[2 * i + 1]);
            fv[2 * i + 1] = slice_of(storage[2 * i + 1], len);
        }
    } else {
        n = 1 + (int)test_rand_below(test_rand_below(5) == 0 ? MAX_FIELDS : 5);
        for (int i = 0; i < n; i++) {
            size_t flen = test_rand_below(3) ? (size_t)snprintf(storage[2 * i], 16, "f%d", i)
                                             : rand_value(storage[2 * i]);
            if (flen > 5000) flen = 5000;
            fv[2 * i] = slice_of(storage[2 * i], flen);
            size_t vlen = rand_value(storage[2 * i + 1]);
            fv[2 * i + 1] = slice_of(storage[2 * i + 1], vlen);
        }
    }
    return n;
}

static StreamId rand_next_id(StreamId last) {
    StreamId id = last;
    switch (test_rand_below(10)) {
    case 0:
        id.ms += 1 + test_rand_below(1000);
        id.seq = test_rand_below(3);
        break;
    case 1:
        id.seq += 2 + test_rand_below(100000);
        break;
    case 2:
        id.ms += 1 + test_rand_below(5);
        id.seq = test_rand();
        break;
    case 3:
        id.ms += 1;
        break;
    case 4:
        if (test_rand_below(50) == 0) id.ms += test_rand() >> 2;
        id.ms += 1;
        id.seq = UINT64_MAX - test_rand_below(3);
        break;
    default:
        id.seq += 1;
        break;
    }
    if (stream_id_cmp(id, last) <= 0) {
        id = last;
        if (stream_id_incr(&id) != 0) id = last;
    }
    return id;
}

/* ---- checks --------------------------------------------------------------- */

static int check_entry(StreamIter *it, const MEntry *e, size_t n_fields) {
    if ((int)n_fields != e->n_fields) return 0;
    for (int k = 0; k < e->n_fields; k++) {
        Slice f, v;
        stream_iter_field(it, &f, &v);
        if (f.len != e->len[2 * k] || (f.len && memcmp(f.p, e->fv[2 * k], f.len))) return 0;
        if (v.len != e->len[2 * k + 1] || (v.len && memcmp(v.p, e->fv[2 * k + 1], v.len))) return 0;
    }
    return 1;
}

/* Compares a range read (both directions) with the oracle. With skip_fields,
 * every other entry's fields are left unread (the iterator must cope). */
static void check_range(Stream *s, const Model *m, StreamId a, StreamId b, int reverse,
                        int skip_fields) {
    StreamIter it;
    stream_iter_start(&it, s, a, b, reverse);
    size_t i = reverse ? m->n : 0;
    int ok = 1;
    size_t count = 0;
    for (;;) {
        /* next expected */
        const MEntry *want = NULL;
        if (!reverse) {
            while (i < m->n &&
                   (m->e[i].is_gone || m->e[i].is_deleted || stream_id_cmp(m->e[i].id, a) < 0))
                i++;
            if (i < m->n && stream_id_cmp(m->e[i].id, b) <= 0) want = &m->e[i++];
        } else {
            while (i > 0 && (m->e[i - 1].is_gone || m->e[i - 1].is_deleted ||
                             stream_id_cmp(m->e[i - 1].id, b) > 0))
                i--;
            if (i > 0 && stream_id_cmp(m->e[i - 1].id, a) >= 0) want = &m->e[--i];
        }
        StreamId id;
        size_t nf;
        int got = stream_iter_next(&it, &id, &nf);
        if (!want || !got) {
            if (want || got) ok = 0;
            break;
        }
        if (stream_id_cmp(id, want->id) != 0) {
            ok = 0;
            break;
        }
        if (!(skip_fields && count % 2)) {
            if (!check_entry(&it, want, nf)) {
                ok = 0;
                break;
            }
        } else if (count % 4 == 1 && nf > 0) {
            Slice f, v;
            stream_iter_field(&it, &f, &v); /* read one field only */
        }
        count++;
    }
    CHECK(ok);
    if (!ok) {
        char x[48], y[48];
        stream_id_format(a, x);
        stream_id_format(b, y);
        fprintf(stderr, "  range %s..%s reverse=%d failed after %zu entries\n", x, y, reverse,
                count);
    }
}

static void check_meta(Stream *s, const Model *m, const StreamLimits *lim) {
    const char *broken = stream__check(s);
    CHECK(broken == NULL);
    if (broken) fprintf(stderr, "  stream__check: %s\n", broken);
    CHECK_EQ_INT(stream_mem_usage(s), alloc_used_bytes() - alloc_base);
    CHECK_EQ_INT(stream_length(s), m->length);
    CHECK(stream_id_cmp(stream_last_id(s), m->last_id) == 0);
    CHECK(stream_id_cmp(stream_first_id(s), m->first_id) == 0);
    CHECK(stream_id_cmp(stream_max_deleted_id(s), m->max_deleted) == 0);
    CHECK_EQ_INT(stream_entries_added(s), m->entries_added);
    CHECK_EQ_INT(stream_node_count(s), model_alive_nodes(m));
    /* node-level invariants */
    size_t k = 0;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const MNode *nd = &m->nodes[i];
        if (!nd->is_alive) continue;
        const StreamNode *n = stream__node_at(s, k++);
        CHECK(n != NULL);
        if (!n) return;
        CHECK(stream_id_cmp(n->first_id, m->e[nd->first].id) == 0);
        CHECK(stream_id_cmp(n->last_id, nd->last_id) == 0);
        CHECK_EQ_INT(n->n_live, nd->live);
        CHECK_EQ_INT(n->n_deleted, nd->deleted);
        CHECK_EQ_INT(n->n_dropped, nd->dropped);
        if (lim->max_bytes && nd->last > nd->first)
            CHECK(sizeof(StreamNode) + (uint64_t)n->used + n->dropped_bytes <= lim->max_bytes);
        if (lim->max_entries)
            CHECK((uint64_t)n->n_live + n->n_deleted + n->n_dropped <= lim->max_entries);
    }
}

static StreamId rand_bound(const Model *m) {
    if (m->n == 0 || test_rand_below(10) == 0)
        return test_rand_below(2) ? stream_id_make(0, 0) : stream_id_make(UINT64_MAX, UINT64_MAX);
    StreamId id = m->e[test_rand_below(m->n)].id;
    switch (test_rand_below(4)) {
    case 0:
        (void)stream_id_incr(&id);
        break;
    case 1:
        (void)stream_id_decr(&id);
        break;
    default:
        break;
    }
    return id;
}

/* ---- operations ------------------------------------------------------------ */

static void op_append(Stream *s, Model *m, const StreamLimits *lim) {
    static char storage[2 * MAX_FIELDS][5100];
    Slice fv[2 * MAX_FIELDS];
    int nf = rand_entry(fv, storage);
    StreamId id;
    if (test_rand_below(3) == 0) {
        uint64_t now = m->last_id.ms + test_rand_below(3);
        if (test_rand_below(2)) now = m->last_id.ms > 0 ? m->last_id.ms - 1 : 0;
        int rc = stream_next_id(s, STREAM_ID_AUTO, stream_id_make(0, 0), now, &id);
        if (rc != STREAM_OK) return;
    } else {
        StreamId want = rand_next_id(m->last_id);
        if (stream_id_cmp(want, m->last_id) <= 0) return; /* exhausted */
        CHECK(stream_next_id(s, STREAM_ID_EXPLICIT, want, 0, &id) == STREAM_OK);
        CHECK(stream_id_cmp(id, want) == 0);
    }
    size_t nodes_before = stream_node_count(s);
    MNode *tail = model_tail(m);
    CHECK(stream_append(s, id, fv, (size_t)nf, lim) == STREAM_OK);
    const StreamNode *last = stream__node_at(s, stream_node_count(s) - 1);
    int is_new = stream_node_count(s) == nodes_before + 1 && stream_id_cmp(last->first_id, id) == 0;
    uint64_t in_tail = tail ? tail->live + tail->deleted + tail->dropped : 0;
    if (tail && lim->max_entries && in_tail >= lim->max_entries) CHECK(is_new);
    if (tail && !lim->max_bytes && (!lim->max_entries || in_tail < lim->max_entries))
        CHECK(!is_new);
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = realloc(m->e, m->cap * sizeof(MEntry));
    }
    MEntry *e = &m->e[m->n];
    memset(e, 0, sizeof(*e));
    e->id = id;
    e->n_fields = nf;
    for (int k = 0; k < 2 * nf; k++) {
        e->len[k] = fv[k].len;
        e->fv[k] = malloc(fv[k].len + 1);
        memcpy(e->fv[k], fv[k].p, fv[k].len);
    }
    if (is_new || !tail) {
        if (m->n_nodes == m->nodes_cap) {
            m->nodes_cap = m->nodes_cap ? m->nodes_cap * 2 : 16;
            m->nodes = realloc(m->nodes, m->nodes_cap * sizeof(MNode));
        }
        MNode *nd = &m->nodes[m->n_nodes++];
        memset(nd, 0, sizeof(*nd));
        nd->is_alive = 1;
        nd->first = m->n;
        tail = nd;
    }
    e->node = (int)(tail - m->nodes);
    tail->last = m->n;
    tail->live++;
    tail->last_id = id;
    m->n++;
    m->length++;
    m->entries_added++;
    m->last_id = id;
    if (m->length == 1) m->first_id = id;
}

static void delete_id(Stream *s, Model *m, StreamId id) {
    int want = 0;
    for (size_t i = 0; i < m->n; i++) {
        MEntry *e = &m->e[i];
        if (stream_id_cmp(e->id, id) != 0 || e->is_gone || e->is_deleted) continue;
        want = 1;
        e->is_deleted = 1;
        MNode *nd = &m->nodes[e->node];
        nd->live--;
        nd->deleted++;
        if (nd->live == 0)
            node_gone(m, nd);
        else
            model_maybe_compact(m, nd, i);
        m->length--;
        if (stream_id_cmp(id, m->max_deleted) > 0) m->max_deleted = id;
        if (m->length == 0)
            m->first_id = stream_id_make(0, 0);
        else if (stream_id_cmp(id, m->first_id) == 0)
            m->first_id = model_first_live(m);
    }
    CHECK_EQ_INT(stream_entry_exists(s, id), want);
    CHECK_EQ_INT(stream_delete(s, id), want);
    CHECK_EQ_INT(stream_entry_exists(s, id), 0);
}

/* XDEL of a random ID, or (live_only) of a random live entry. */
static void op_delete(Stream *s, Model *m, int live_only) {
    StreamId id = rand_bound(m);
    if (live_only && m->length) {
        size_t i = test_rand_below(m->n);
        while (m->e[i].is_gone || m->e[i].is_deleted) i = (i + 1) % m->n;
        id = m->e[i].id;
    }
    delete_id(s, m, id);
}

/* XDEL of every live entry of the tail node: the node before it, perhaps a
 * compacted one, becomes the tail and takes the next appends if it would
 * have room without compaction. */
static void op_delete_tail(Stream *s, Model *m) {
    MNode *nd = model_tail(m);
    if (!nd) return;
    size_t first = nd->first, last = nd->last;
    for (size_t i = first; i <= last; i++)
        if (!m->e[i].is_deleted && !m->e[i].is_gone) delete_id(s, m, m->e[i].id);
}

/* A trim policy over the model, as ACKED's: a pinned entry is kept, and
 * (when stop_after is set) every entry past stop_after stops the trim. */
typedef struct Policy {
    Model *m;
    int has_stop;
    StreamId stop_after;
} Policy;

static uint64_t model_verdicts, stream_verdicts; /* policy trims' questions */

static int policy_verdict(void *ctx, StreamId id) {
    const Policy *pol = ctx;
    model_verdicts++;
    if (pol->has_stop && stream_id_cmp(id, pol->stop_after) > 0) return STREAM_TRIM_STOP;
    size_t lo = 0, hi = pol->m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(pol->m->e[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    CHECK(lo < pol->m->n && stream_id_cmp(pol->m->e[lo].id, id) == 0);
    if (lo >= pol->m->n) return STREAM_TRIM_STOP;
    return pol->m->e[lo].is_pinned ? STREAM_TRIM_KEEP : STREAM_TRIM_DELETE;
}

/* The same policy, asked by the stream. */
static int stream_policy_verdict(void *ctx, StreamId id) {
    stream_verdicts++;
    model_verdicts--;
    return policy_verdict(ctx, id);
}

/* stream_trim()'s contract, entry by entry (pol: NULL, or the policy the
 * trim was given). */
static uint64_t model_trim(Model *m, const StreamTrim *t, Policy *pol) {
    int is_maxlen = t->strategy == STREAM_TRIM_MAXLEN;
    uint64_t deleted = 0;
    for (size_t ni = 0; ni < m->n_nodes; ni++) {
        MNode *nd = &m->nodes[ni];
        if (!nd->is_alive) continue;
        if (is_maxlen && m->length <= t->maxlen) break;
        if (t->limit && deleted + nd->live > t->limit) break;
        int eligible = is_maxlen ? m->length - nd->live >= t->maxlen
                                 : stream_id_cmp(nd->last_id, t->minid) < 0;
        int whole = eligible;
        /* a node's range of entries may span a freed node's (is_gone) when
         * it became the tail again and took appends */
        for (size_t i = nd->first; whole && pol && i <= nd->last; i++)
            if (!m->e[i].is_deleted && !m->e[i].is_gone &&
                policy_verdict(pol, m->e[i].id) != STREAM_TRIM_DELETE)
                whole = 0;
        if (whole) {
            m->length -= nd->live;
            deleted += nd->live;
            node_gone(m, nd);
            continue;
        }
        if (t->is_approx && !pol) break;
        int is_over = 0, is_kept = 0, is_mixed = 0;
        for (size_t i = nd->first; i <= nd->last; i++) {
            MEntry *e = &m->e[i];
            if (e->is_gone) continue;
            if (is_maxlen ? m->length <= t->maxlen : stream_id_cmp(e->id, t->minid) >= 0) {
                is_over = 1;
                break;
            }
            if (e->is_deleted) continue;
            int verdict = pol ? policy_verdict(pol, e->id) : STREAM_TRIM_DELETE;
            if (verdict == STREAM_TRIM_STOP) {
                is_over = 1;
                break;
            }
            if (verdict == STREAM_TRIM_KEEP) {
                is_kept = 1;
                continue;
            }
            e->is_deleted = 1;
            nd->live--;
            nd->deleted++;
            m->length--;
            deleted++;
            is_mixed |= is_kept;
        }
        if (is_mixed) {
            uint64_t before = compactions;
            model_compact(m, nd);
            trim_compactions += compactions - before;
        }
        if (is_over || !pol) break;
        /* Redis's streamTrim(): past a node only from an eligible one */
        if (!eligible) break;
        if (nd->live == 0) node_gone(m, nd);
    }
    if (deleted) m->first_id = m->length ? model_first_live(m) : stream_id_make(0, 0);
    return deleted;
}

static void op_trim(Stream *s, Model *m) {
    StreamTrim t;
    memset(&t, 0, sizeof(t));
    t.strategy = test_rand_below(2) ? STREAM_TRIM_MAXLEN : STREAM_TRIM_MINID;
    t.is_approx = (int)test_rand_below(2);
    if (t.is_approx && test_rand_below(2)) t.limit = test_rand_below(50);
    if (t.strategy == STREAM_TRIM_MAXLEN) {
        uint64_t len = m->length;
        t.maxlen = len ? len - test_rand_below(len / 3 + 2) : 0;
        if (t.maxlen > len) t.maxlen = 0;
    } else {
        t.minid = rand_bound(m);
    }
    /* half of the trims keep the pinned entries, as ACKED keeps the
     * unacknowledged ones (the model's pins do not change while it trims,
     * so it can answer for both) */
    Policy pol = {m, 0, {0, 0}};
    int has_policy = test_rand_below(2) == 0;
    if (has_policy) {
        if (test_rand_below(4) == 0) {
            /* StreamTrim.known_kept promises KEEP below the bound: a stop
             * (ACKED's smallest last-delivered ID) is never below it (the
             * group layer lowers the bound when that ID comes down) */
            pol.has_stop = 1;
            pol.stop_after = rand_bound(m);
            if (stream_id_cmp(pol.stop_after, m->known_kept) < 0) pol.stop_after = m->known_kept;
        }
        t.can_delete = policy_verdict;
        t.ctx = &pol;
    }
    /* The model trims without the bound (its answer must not depend on
     * it); the stream gets the one its earlier trims left (op_pin lowers
     * it as a group's acknowledgement would). */
    StreamTrim ts = t;
    if (has_policy) {
        ts.can_delete = stream_policy_verdict;
        ts.known_kept = &m->known_kept;
    }
    uint64_t want = model_trim(m, &t, has_policy ? &pol : NULL);
    CHECK_EQ_INT(stream_trim(s, &ts), want);
}

/* Pins or unpins a few random entries (entries delivered, or acknowledged). */
static void op_pin(Model *m) {
    if (m->n == 0) return;
    for (int k = 1 + (int)test_rand_below(4); k > 0; k--) {
        MEntry *e = &m->e[test_rand_below(m->n)];
        e->is_pinned = !e->is_pinned;
        if (!e->is_pinned && stream_id_cmp(e->id, m->known_kept) < 0) m->known_kept = e->id;
    }
}

/* One random session with the given node limits; delete_pct of the
 * operations delete. Above 20% the session is delete-heavy: appends come in
 * bursts too, deletes mostly hit live entries anywhere, whole tail nodes go
 * now and then and trims are rarer, so middle nodes get compacted often. */
static void random_session(uint64_t max_entries, uint64_t max_bytes, int n_ops, int delete_pct) {
    StreamLimits lim = {max_entries, max_bytes};
    alloc_base = alloc_used_bytes();
    Stream *s = stream_new();
    Model m;
    memset(&m, 0, sizeof(m));
    int failed_before = test_failed;
    for (int op = 0; op < n_ops && test_failed == failed_before; op++) {
        uint64_t r = test_rand_below(100);
        int is_heavy = delete_pct > 20;
        if (r < 85 - (uint64_t)delete_pct) {
            int burst = is_heavy && test_rand_below(4) == 0 ? 1 + (int)test_rand_below(30) : 1;
            for (int k = 0; k < burst; k++) op_append(s, &m, &lim);
        } else if (r < 85 && is_heavy && test_rand_below(30) == 0) {
            op_delete_tail(s, &m);
        } else if (r < 85) {
            op_delete(s, &m, is_heavy ? test_rand_below(10) != 0 : (int)test_rand_below(2));
        } else if (r < 92 && (!is_heavy || test_rand_below(3) == 0)) {
            op_trim(s, &m);
        } else if (test_rand_below(2)) {
            op_pin(&m);
        } else {
            StreamId a = rand_bound(&m), b = rand_bound(&m);
            check_range(s, &m, a, b, (int)test_rand_below(2), (int)test_rand_below(2));
        }
        check_meta(s, &m, &lim);
        if (op == n_ops / 2) {
            /* stream_clone() (COPY): the session goes on with the copy and the
             * original is freed, so the copy must hold everything itself
             * (the sanitizer build sees any node still shared) */
            Stream *c = stream_clone(s);
            CHECK(stream_mem_usage(c) <= stream_mem_usage(s)); /* index sized to fit */
            CHECK_EQ_INT(stream_rax_node_count(c), stream_rax_node_count(s));
            stream_free(s);
            s = c;
            check_meta(s, &m, &lim);
        }
        if (op % 97 == 0) {
            StreamId lo = stream_id_make(0, 0), hi = stream_id_make(UINT64_MAX, UINT64_MAX);
            check_range(s, &m, lo, hi, 0, 0);
            check_range(s, &m, lo, hi, 1, 0);
        }
    }
    StreamId lo = stream_id_make(0, 0), hi = stream_id_make(UINT64_MAX, UINT64_MAX);
    check_range(s, &m, lo, hi, 0, 0);
    check_range(s, &m, lo, hi, 1, 1);
    if (test_failed != failed_before)
        fprintf(stderr, "  session max_entries=%" PRIu64 " max_bytes=%" PRIu64 " failed\n",
                max_entries, max_bytes);
    CHECK(stream_mem_usage(s) > 0);
    (void)stream_rax_node_count(s);
    stream_free(s);
    model_free(&m);
}

static void model_tests(void) {
    static const uint64_t entries[] = {0, 1, 2, 3, 5, 10, 100, 1000};
    static const uint64_t bytes[] = {0, 1, 60, 200, 1000, 4096, 65536};
    for (int round = 0; round < 40; round++) {
        uint64_t me = entries[test_rand_below(sizeof entries / sizeof *entries)];
        uint64_t mb = bytes[test_rand_below(sizeof bytes / sizeof *bytes)];
        random_session(me, mb, 600 + (int)test_rand_below(1500), 20);
    }
    /* pure count policy, where the oracle predicts every boundary */
    for (int round = 0; round < 10; round++) random_session(1 + test_rand_below(8), 0, 2000, 20);
    /* delete-heavy: nodes are compacted often, then read, trimmed and
     * appended to (also when a compacted node has become the tail again) */
    uint64_t before = compactions;
    for (int round = 0; round < 24; round++) {
        uint64_t me = round < 16 ? 6 + test_rand_below(40) : entries[test_rand_below(8)];
        uint64_t mb = round % 2 ? 0 : bytes[test_rand_below(sizeof bytes / sizeof *bytes)];
        random_session(me, mb, 1500, 35 + (int)test_rand_below(15));
    }
    CHECK(compactions - before > 20); /* 64-120 seen; exact cases are in test_compaction() */
    CHECK(trim_compactions > 20);
    /* the stream stepped over kept entries the model asked about again */
    CHECK(stream_verdicts < model_verdicts);
    printf("test_stream: policy questions: model %" PRIu64 ", stream %" PRIu64 "\n", model_verdicts,
           stream_verdicts);
    printf("test_stream: %" PRIu64 " node compactions in the model tests, %" PRIu64
           " after trims\n",
           compactions, trim_compactions);
}

/* ---- targeted cases --------------------------------------------------------- */

static void test_ids(void) {
    Stream *s = stream_new();
    StreamId id, z = stream_id_make(0, 0);
    CHECK(stream_next_id(s, STREAM_ID_EXPLICIT, z, 0, &id) == STREAM_ERR_ID_ZERO);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, z, 0, &id) == STREAM_OK && id.ms == 0 &&
          id.seq == 1);
    CHECK(stream_next_id(s, STREAM_ID_AUTO, z, 0, &id) == STREAM_OK && id.ms == 0 && id.seq == 1);
    CHECK(stream_next_id(s, STREAM_ID_AUTO, z, 5, &id) == STREAM_OK && id.ms == 5 && id.seq == 0);
    stream_set_last_id(s, stream_id_make(10, 3));
    CHECK(stream_next_id(s, STREAM_ID_AUTO, z, 7, &id) == STREAM_OK && id.ms == 10 && id.seq == 4);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, stream_id_make(10, 0), 0, &id) == STREAM_OK &&
          id.ms == 10 && id.seq == 4);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, stream_id_make(9, 0), 0, &id) ==
          STREAM_ERR_ID_TOO_SMALL);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, stream_id_make(11, 0), 0, &id) == STREAM_OK &&
          id.ms == 11 && id.seq == 0);
    CHECK(stream_next_id(s, STREAM_ID_EXPLICIT, stream_id_make(10, 3), 0, &id) ==
          STREAM_ERR_ID_TOO_SMALL);
    CHECK(stream_next_id(s, STREAM_ID_EXPLICIT, stream_id_make(10, 4), 0, &id) == STREAM_OK);
    stream_set_last_id(s, stream_id_make(10, UINT64_MAX));
    CHECK(stream_next_id(s, STREAM_ID_AUTO, z, 3, &id) == STREAM_OK && id.ms == 11 && id.seq == 0);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, stream_id_make(10, 0), 0, &id) ==
          STREAM_ERR_ID_TOO_SMALL);
    stream_set_last_id(s, stream_id_make(UINT64_MAX, UINT64_MAX));
    CHECK(stream_next_id(s, STREAM_ID_AUTO, z, 3, &id) == STREAM_ERR_EXHAUSTED);
    CHECK(stream_next_id(s, STREAM_ID_AUTO_SEQ, stream_id_make(UINT64_MAX, 0), 0, &id) ==
          STREAM_ERR_ID_TOO_SMALL);
    stream_free(s);
}

static void test_integers(void) {
    int64_t v;
    CHECK(stream__parse_i64("0", 1, &v) == 0 && v == 0);
    CHECK(stream__parse_i64("-0", 2, &v) == -1);
    CHECK(stream__parse_i64("00", 2, &v) == -1);
    CHECK(stream__parse_i64("-", 1, &v) == -1);
    CHECK(stream__parse_i64("+1", 2, &v) == -1);
    CHECK(stream__parse_i64("-01", 3, &v) == -1);
    CHECK(stream__parse_i64("9223372036854775807", 19, &v) == 0 && v == INT64_MAX);
    CHECK(stream__parse_i64("9223372036854775808", 19, &v) == -1);
    CHECK(stream__parse_i64("-9223372036854775808", 20, &v) == 0 && v == INT64_MIN);
    CHECK(stream__parse_i64("-9223372036854775809", 20, &v) == -1);
    CHECK(stream__parse_i64("1234567890123456789", 19, &v) == 0 && v == 1234567890123456789LL);
    CHECK(stream__parse_i64("123456789012345678x", 19, &v) == -1);
    CHECK(stream__parse_i64("18446744073709551615", 20, &v) == -1);
    CHECK(stream__parse_i64("18446744073709551616", 20, &v) == -1);
    CHECK(stream__parse_i64("99999999999999999999", 20, &v) == -1);
    CHECK(stream__parse_i64("1844674407370955161x", 20, &v) == -1);
    CHECK(stream__parse_i64("-000000000000000001", 19, &v) == -1);
    CHECK(stream__parse_i64("18446744073709551616", 20, &v) == -1);
    char buf[24];
    CHECK(stream__fmt_i64(INT64_MIN, buf) == 20 && memcmp(buf, "-9223372036854775808", 20) == 0);
    CHECK(stream__fmt_i64(0, buf) == 1 && buf[0] == '0');
    int fmt_ok = 1;
    for (int i = 0; i < 20000; i++) {
        uint64_t u = i < 1000 ? (uint64_t)i : test_rand() >> test_rand_below(64);
        if (i == 1000) u = UINT64_MAX;
        char want[32];
        int wn = snprintf(want, sizeof want, "%" PRIu64, u);
        size_t n = stream_fmt_u64(u, buf);
        if (n != (size_t)wn || memcmp(buf, want, n) != 0) fmt_ok = 0;
        int64_t sv = (int64_t)u;
        wn = snprintf(want, sizeof want, "%" PRId64, sv);
        n = stream__fmt_i64(sv, buf);
        if (n != (size_t)wn || memcmp(buf, want, n) != 0) fmt_ok = 0;
    }
    /* Each side of every power of ten (the digit count changes there). */
    for (uint64_t p10 = 1, k = 0; k < 20; k++, p10 *= 10) {
        for (int d = -1; d <= 1; d++) {
            uint64_t u = p10 + (uint64_t)(int64_t)d;
            char want[32];
            int wn = snprintf(want, sizeof want, "%" PRIu64, u);
            size_t n = stream_fmt_u64(u, buf);
            if (n != (size_t)wn || memcmp(buf, want, n) != 0) fmt_ok = 0;
        }
    }
    CHECK(fmt_ok);

    /* Extreme values against extreme references, in one node. */
    static const char *vals[] = {"9223372036854775807",
                                 "-9223372036854775808",
                                 "0",
                                 "-1",
                                 "127",
                                 "-17",
                                 "111",
                                 "-16",
                                 "112",
                                 "255",
                                 "256",
                                 "65536",
                                 "-65537",
                                 "4294967296",
                                 "1000042"};
    size_t nv = sizeof vals / sizeof *vals;
    StreamLimits lim = {0, 0};
    Stream *s = stream_new();
    for (size_t i = 0; i < nv; i++) {
        for (size_t j = 0; j < nv; j++) {
            /* first entry of a node sets the reference, the second uses it */
            Slice fv[2] = {slice_cstr("f"), slice_cstr(vals[i])};
            StreamId id;
            CHECK(stream_next_id(s, STREAM_ID_AUTO, stream_id_make(0, 0), 0, &id) == STREAM_OK);
            StreamLimits one = {1, 0};
            CHECK(stream_append(s, id, fv, 1, &one) == STREAM_OK);
            fv[1] = slice_cstr(vals[j]);
            CHECK(stream_next_id(s, STREAM_ID_AUTO, stream_id_make(0, 0), 0, &id) == STREAM_OK);
            CHECK(stream_append(s, id, fv, 1, &lim) == STREAM_OK);
        }
    }
    StreamIter it;
    stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX), 0);
    StreamId id;
    size_t nf, k = 0;
    int ok = 1;
    while (stream_iter_next(&it, &id, &nf)) {
        Slice f, val;
        stream_iter_field(&it, &f, &val);
        const char *want = (k % 2 == 0) ? vals[(k / 2) / nv] : vals[(k / 2) % nv];
        if (val.len != strlen(want) || memcmp(val.p, want, val.len) != 0) ok = 0;
        k++;
    }
    CHECK(ok);
    CHECK_EQ_INT(k, 2 * nv * nv);
    stream_free(s);
}

/* An explicit byte trie, counted the way rax lays it out: the root, every
 * child of a branching node, and every node that branches or ends a key. */
typedef struct TNode {
    int child[256];
    int n_children;
} TNode;

static size_t trie_count(const StreamId *keys, size_t n) {
    if (n == 0) return 1;
    size_t cap = n * 16 + 1;
    TNode *t = calloc(cap, sizeof(TNode));
    int used = 1;
    for (size_t i = 0; i < n; i++) {
        int cur = 0;
        for (unsigned d = 0; d < 16; d++) {
            unsigned b = d < 8 ? (unsigned)(keys[i].ms >> (56 - 8 * d)) & 0xff
                               : (unsigned)(keys[i].seq >> (56 - 8 * (d - 8))) & 0xff;
            if (!t[cur].child[b]) {
                t[cur].child[b] = used++;
                t[cur].n_children++;
            }
            cur = t[cur].child[b];
        }
    }
    size_t count = 1; /* root */
    for (int i = 0; i < used; i++)
        for (int b = 0; b < 256; b++) {
            int c = t[i].child[b];
            if (!c) continue;
            if (t[i].n_children >= 2 || t[c].n_children != 1) count++;
        }
    free(t);
    return count;
}

static void test_rax_count(void) {
    StreamLimits one = {1, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    Stream *s = stream_new();
    CHECK_EQ_INT(stream_rax_node_count(s), 1);
    CHECK(stream_append(s, stream_id_make(1, 0), fv, 1, &one) == STREAM_OK);
    CHECK_EQ_INT(stream_rax_node_count(s), 2);
    CHECK(stream_append(s, stream_id_make(4, 0), fv, 1, &one) == STREAM_OK);
    CHECK_EQ_INT(stream_rax_node_count(s), 6); /* redis-server 7.0 says so */
    CHECK(stream_append(s, stream_id_make(7, 0), fv, 1, &one) == STREAM_OK);
    CHECK_EQ_INT(stream_rax_node_count(s), 8);
    CHECK(stream_delete(s, stream_id_make(4, 0)) == 1);
    CHECK_EQ_INT(stream_rax_node_count(s), 6);
    stream_free(s);

    for (int round = 0; round < 200; round++) {
        s = stream_new();
        size_t n = test_rand_below(round < 100 ? 8 : 200);
        StreamId *keys = malloc((n + 1) * sizeof(StreamId));
        StreamId id = stream_id_make(test_rand_below(3) ? test_rand_below(1000) : test_rand(), 0);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            id = rand_next_id(id);
            if (k && stream_id_cmp(id, keys[k - 1]) <= 0) break;
            keys[k++] = id;
            CHECK(stream_append(s, id, fv, 1, &one) == STREAM_OK);
        }
        /* delete a few nodes from anywhere */
        size_t w = 0;
        for (size_t i = 0; i < k; i++) {
            if (test_rand_below(4) == 0)
                CHECK(stream_delete(s, keys[i]) == 1);
            else
                keys[w++] = keys[i];
        }
        CHECK_EQ_INT(stream_rax_node_count(s), trie_count(keys, w));
        free(keys);
        stream_free(s);
    }
}

typedef struct HookCtx {
    StreamId barrier; /* entries >= barrier may not be deleted */
    uint64_t notified;
    StreamId last_notified;
    int order_ok;
} HookCtx;

static int hook_can(void *ctx, StreamId id) {
    HookCtx *h = ctx;
    return stream_id_cmp(id, h->barrier) < 0;
}

static void hook_on(void *ctx, StreamId id) {
    HookCtx *h = ctx;
    if (h->notified && stream_id_cmp(id, h->last_notified) <= 0) h->order_ok = 0;
    h->last_notified = id;
    h->notified++;
}

static void test_trim_hooks(void) {
    StreamLimits lim = {10, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    for (int approx = 0; approx < 2; approx++) {
        Stream *s = stream_new();
        for (uint64_t i = 1; i <= 100; i++)
            CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
        CHECK(stream_delete(s, stream_id_make(3, 0)) == 1);
        HookCtx h = {stream_id_make(35, 0), 0, {0, 0}, 1};
        StreamTrim t = {STREAM_TRIM_MAXLEN, 0,       {0, 0}, approx, 0,
                        hook_can,           hook_on, &h,     NULL,   NULL};
        uint64_t n = stream_trim(s, &t);
        /* nodes 1-10, 11-20, 21-30 go whole; with a policy "~" goes on into
         * node 31-40 like "=": 31..34 go, 35.. are kept (skipped) */
        CHECK_EQ_INT(n, 33);
        CHECK_EQ_INT(h.notified, n);
        CHECK(h.order_ok);
        CHECK(stream_id_cmp(stream_first_id(s), stream_id_make(35, 0)) == 0);
        CHECK_EQ_INT(stream_length(s), 99 - n);
        stream_free(s);
    }
}

/* A consumer that never acknowledges: one stuck entry (ms % 10 == 1) per
 * node of 10, the rest acknowledged. */
typedef struct StuckCtx {
    uint64_t asked;
    uint64_t freed_ms; /* acknowledged after all (0: none) */
} StuckCtx;

static int stuck_can(void *ctx, StreamId id) {
    StuckCtx *k = ctx;
    k->asked++;
    return id.ms % 10 == 1 && id.ms != k->freed_ms ? STREAM_TRIM_KEEP : STREAM_TRIM_DELETE;
}

static void test_trim_known_kept(void) {
    StreamLimits lim = {10, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    Stream *s = stream_new();
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
    StuckCtx k = {0, 0};
    StreamId kept = stream_id_make(0, 0);
    StreamTrim t = {STREAM_TRIM_MAXLEN, 0, {0, 0}, 0, 0, stuck_can, NULL, &k, &kept, NULL};
    /* the first trim asks about every entry (and again about each first
     * entry of a node, deciding whether it goes whole) */
    CHECK_EQ_INT(stream_trim(s, &t), 900);
    CHECK_EQ_INT(stream_length(s), 100);
    CHECK_EQ_INT(k.asked, 1100);
    CHECK(stream_id_cmp(kept, stream_id_make(1000, 1)) == 0);
    /* a trim that ends early keeps the bound it was given */
    StreamTrim early = t;
    early.maxlen = 100;
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &early), 0);
    CHECK_EQ_INT(k.asked, 0);
    CHECK(stream_id_cmp(kept, stream_id_make(1000, 1)) == 0);
    /* appends, then trims: only the new entries are asked about */
    for (uint64_t i = 1001; i <= 1010; i++)
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 9); /* 1001 is stuck too */
    CHECK_EQ_INT(k.asked, 11);
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 0);
    CHECK_EQ_INT(k.asked, 0);
    /* 501 is acknowledged: the bound comes down to it, the trim asks from
     * there on (twice per node: whole? then entry by entry) and deletes it */
    k.freed_ms = 501;
    kept = stream_id_make(501, 0);
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 1);
    CHECK_EQ_INT(k.asked, 1 + 49 * 2 + 2);
    CHECK_EQ_INT(stream_length(s), 100);
    /* without the bound, every stuck entry is asked about each time */
    kept = stream_id_make(0, 0);
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 0);
    CHECK_EQ_INT(k.asked, 2 * 100);
    /* MINID ends inside the stepped-over nodes; a MAXLEN already met asks
     * nothing */
    t.strategy = STREAM_TRIM_MINID;
    t.minid = stream_id_make(300, 0);
    k.asked = 0;
    CHECK_EQ_INT(stream_trim(s, &t), 0);
    CHECK_EQ_INT(k.asked, 0);
    CHECK(stream_id_cmp(kept, stream_id_make(1010, 1)) == 0); /* not lowered to 291 */
    t.strategy = STREAM_TRIM_MAXLEN;
    t.maxlen = 100;
    CHECK_EQ_INT(stream_trim(s, &t), 0);
    CHECK_EQ_INT(k.asked, 0);
    stream_free(s);
}

static size_t count_entries(const Stream *s, int reverse);

/* XSETID may move the last ID back under deleted entries still stored in
 * the last node (left by a trim, or by XDEL once MAXDELETEDID was lowered);
 * an append then drops them first. */
static void test_append_under_deleted_tail(void) {
    StreamLimits lim = {10, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    Stream *s = stream_new();
    for (uint64_t i = 1; i <= 5; i++)
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
    CHECK(stream_delete(s, stream_id_make(5, 0)) == 1);
    CHECK(stream_delete(s, stream_id_make(4, 0)) == 1);
    stream_set_last_id(s, stream_id_make(3, 0));
    for (uint64_t q = 1; q <= 7; q++)
        CHECK(stream_append(s, stream_id_make(3, q), fv, 1, &lim) == STREAM_OK);
    CHECK(stream__check(s) == NULL);
    CHECK_EQ_INT(stream_length(s), 10);
    /* the two dropped entries still count toward the node's 10 (a listpack
     * would hold them): 3-6 starts the second node */
    CHECK_EQ_INT(stream_node_count(s), 2);
    CHECK_EQ_INT(count_entries(s, 0), 10);
    CHECK_EQ_INT(count_entries(s, 1), 10);
    StreamIter it;
    StreamId id, want[] = {{1, 0}, {2, 0}, {3, 0}, {3, 1}, {3, 2}};
    size_t nf;
    stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(3, 2), 0);
    for (size_t k = 0; k < 5; k++) {
        CHECK(stream_iter_next(&it, &id, &nf));
        CHECK(stream_id_cmp(id, want[k]) == 0);
    }
    CHECK(!stream_iter_next(&it, &id, &nf));
    stream_free(s);

    /* the whole last node is above the new last ID (its entries all deleted,
     * the node kept by an exact trim), and part of the one before it */
    StreamLimits three = {3, 0};
    s = stream_new();
    for (uint64_t i = 1; i <= 6; i++)
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &three) == STREAM_OK);
    CHECK(stream_delete(s, stream_id_make(3, 0)) == 1);
    CHECK(stream_delete(s, stream_id_make(6, 0)) == 1);
    StreamTrim t = {STREAM_TRIM_MINID, 0, stream_id_make(6, 0), 0, 0, NULL, NULL, NULL, NULL, NULL};
    CHECK_EQ_INT(stream_trim(s, &t), 4);
    CHECK_EQ_INT(stream_node_count(s), 1);
    stream_set_last_id(s, stream_id_make(0, 2));
    CHECK(stream_append(s, stream_id_make(0, 3), fv, 1, &three) == STREAM_OK);
    CHECK(stream__check(s) == NULL);
    CHECK_EQ_INT(stream_node_count(s), 1);
    CHECK_EQ_INT(count_entries(s, 1), 1);
    stream_free(s);
}

static void test_minid_quirk(void) {
    /* Like Redis: an exact MINID trim inside a node whose last entry was
     * deleted leaves that node in place with no live entries. */
    StreamLimits lim = {3, 0};
    Slice fv[2] = {slice_cstr("f"), slice_cstr("v")};
    Stream *s = stream_new();
    for (uint64_t i = 1; i <= 6; i++)
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
    CHECK(stream_delete(s, stream_id_make(3, 0)) == 1);
    StreamTrim t = {STREAM_TRIM_MINID, 0, stream_id_make(3, 0), 0, 0, NULL, NULL, NULL, NULL, NULL};
    CHECK_EQ_INT(stream_trim(s, &t), 2);
    CHECK_EQ_INT(stream_node_count(s), 2);
    CHECK_EQ_INT(stream_rax_node_count(s), 6);
    CHECK_EQ_INT(stream_length(s), 3);
    CHECK(stream_id_cmp(stream_first_id(s), stream_id_make(4, 0)) == 0);
    CHECK(stream_id_cmp(stream_max_deleted_id(s), stream_id_make(3, 0)) == 0);
    StreamIter it;
    StreamId id;
    size_t nf;
    stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX), 1);
    int n = 0;
    while (stream_iter_next(&it, &id, &nf)) n++;
    CHECK_EQ_INT(n, 3);
    /* a MAXLEN trim then removes the empty node whole */
    t.strategy = STREAM_TRIM_MAXLEN;
    t.maxlen = 3;
    CHECK_EQ_INT(stream_trim(s, &t), 0);
    t.maxlen = 2;
    CHECK_EQ_INT(stream_trim(s, &t), 1);
    CHECK_EQ_INT(stream_node_count(s), 1);
    stream_free(s);
}

static size_t count_entries(const Stream *s, int reverse) {
    StreamIter it;
    StreamId id;
    size_t nf, n = 0;
    stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX),
                      reverse);
    while (stream_iter_next(&it, &id, &nf)) n++;
    return n;
}

static void test_compaction(void) {
    /* Count limit: a compacted node that becomes the tail again is as full
     * as it would be without compaction. */
    StreamLimits lim = {10, 0};
    char val[40];
    Stream *s = stream_new();
    for (uint64_t i = 1; i <= 20; i++) {
        snprintf(val, sizeof val, "value-%" PRIu64 "-padding-padding", i);
        Slice fv[2] = {slice_cstr("f"), slice_cstr(val)};
        CHECK(stream_append(s, stream_id_make(i, 0), fv, 1, &lim) == STREAM_OK);
    }
    size_t mem = stream_mem_usage(s), rax = stream_rax_node_count(s);
    for (uint64_t i = 1; i <= 5; i++) CHECK(stream_delete(s, stream_id_make(i, 0)) == 1);
    CHECK_EQ_INT(stream__node_at(s, 0)->n_dropped, 0); /* 5 of 10: not yet */
    CHECK(stream_delete(s, stream_id_make(6, 0)) == 1);
    CHECK_EQ_INT(stream__node_at(s, 0)->n_dropped, 0); /* 6 of 10, all in front: no */
    CHECK(stream_delete(s, stream_id_make(8, 0)) == 1);
    const StreamNode *a = stream__node_at(s, 0);
    /* 1 stays as a husk, 2-6 and 8 go; 10 is live so it is no husk */
    CHECK_EQ_INT(a->n_dropped, 6);
    CHECK_EQ_INT(a->n_deleted, 1);
    CHECK_EQ_INT(a->n_live, 3);
    CHECK(stream_mem_usage(s) < mem);
    CHECK_EQ_INT(stream_rax_node_count(s), rax);
    CHECK(stream_id_cmp(stream_head_id(s), stream_id_make(1, 0)) == 0);
    CHECK(stream_id_cmp(stream_first_id(s), stream_id_make(7, 0)) == 0);
    CHECK(stream__check(s) == NULL);
    CHECK_EQ_INT(count_entries(s, 0), 13);
    CHECK_EQ_INT(count_entries(s, 1), 13);
    /* the tail node is never compacted */
    for (uint64_t i = 11; i <= 18; i++) CHECK(stream_delete(s, stream_id_make(i, 0)) == 1);
    CHECK_EQ_INT(stream__node_at(s, 1)->n_dropped, 0);
    CHECK(stream_delete(s, stream_id_make(19, 0)) == 1);
    CHECK(stream_delete(s, stream_id_make(20, 0)) == 1);
    CHECK_EQ_INT(stream_node_count(s), 1);
    Slice fv[2] = {slice_cstr("f"), slice_cstr("x")};
    CHECK(stream_append(s, stream_id_make(21, 0), fv, 1, &lim) == STREAM_OK);
    CHECK_EQ_INT(stream_node_count(s), 2);
    CHECK(stream__check(s) == NULL);
    stream_free(s);

    /* Byte limit: the same with nodes that end where the bytes run out. */
    StreamLimits blim = {0, 1000};
    char big[101];
    memset(big, 'b', 100);
    big[100] = '\0';
    s = stream_new();
    uint64_t k = 0;
    while (stream_node_count(s) < 2) {
        Slice bf[2] = {slice_cstr("f"), slice_cstr(big)};
        CHECK(stream_append(s, stream_id_make(++k, 0), bf, 1, &blim) == STREAM_OK);
    }
    CHECK(k >= 5);
    for (uint64_t i = 2; i < k - 1; i++) CHECK(stream_delete(s, stream_id_make(i, 0)) == 1);
    CHECK(stream__node_at(s, 0)->n_dropped > 0);
    CHECK(stream_delete(s, stream_id_make(k, 0)) == 1);
    CHECK_EQ_INT(stream_node_count(s), 1);
    Slice bf[2] = {slice_cstr("f"), slice_cstr(big)};
    CHECK(stream_append(s, stream_id_make(k + 1, 0), bf, 1, &blim) == STREAM_OK);
    CHECK_EQ_INT(stream_node_count(s), 2);
    /* a small entry still fits, as it would without compaction */
    CHECK(stream_delete(s, stream_id_make(k + 1, 0)) == 1);
    Slice sf[2] = {slice_cstr("f"), slice_cstr("s")};
    CHECK(stream_append(s, stream_id_make(k + 2, 0), sf, 1, &blim) == STREAM_OK);
    CHECK_EQ_INT(stream_node_count(s), 1);
    CHECK(stream__check(s) == NULL);
    CHECK_EQ_INT(count_entries(s, 1), 3);
    stream_free(s);
}

static void test_too_big(void) {
    Slice fv[2] = {slice_of("f", 1), slice_of(NULL, (size_t)1 << 30)};
    CHECK(stream_entry_fits(fv, 1) == STREAM_ERR_TOO_BIG);
    fv[1].len = 1000;
    CHECK(stream_entry_fits(fv, 1) == STREAM_OK);
}

static void test_memory(void) {
    /* The benchmark's entry shape, IDs as a fast importer gets them. */
    static const char *products[] = {"widget-blue", "gadget", "sprocket-large", "bolt",
                                     "nut-m8",      "washer", "gear-12t",       "spring",
                                     "cable-2m",    "lamp",   "switch-3way",    "relay",
                                     "fuse-10a",    "motor",  "sensor-ir",      "valve"};
    StreamLimits lim = {100, 4096};
    size_t before = alloc_used_bytes();
    Stream *s = stream_new();
    const uint64_t n = 200000;
    StreamId id = stream_id_make(1700000000000ULL, 0);
    for (uint64_t i = 0; i < n; i++) {
        char oid[24], qty[8], price[16];
        int lo = snprintf(oid, sizeof oid, "%" PRIu64, 1000000 + i);
        int lq = snprintf(qty, sizeof qty, "%d", (int)(1 + test_rand_below(20)));
        int lp = snprintf(price, sizeof price, "%d", (int)(99 + test_rand_below(50000)));
        const char *prod = products[test_rand_below(16)];
        Slice fv[8] = {slice_cstr("order_id"), slice_of(oid, (size_t)lo),
                       slice_cstr("product"),  slice_cstr(prod),
                       slice_cstr("quantity"), slice_of(qty, (size_t)lq),
                       slice_cstr("price"),    slice_of(price, (size_t)lp)};
        if (test_rand_below(400) == 0)
            id.ms++, id.seq = 0;
        else
            id.seq++;
        CHECK(stream_append(s, id, fv, 4, &lim) == STREAM_OK);
    }
    double per = (double)(alloc_used_bytes() - before) / (double)n;
    printf("test_stream: %.1f bytes per benchmark-shaped entry (allocator view), %zu nodes\n", per,
           stream_node_count(s));
    CHECK(per < 24.0);
    CHECK_EQ_INT(stream_mem_usage(s), alloc_used_bytes() - before);
    stream_free(s);
}

/* A random value text: integers at the encodings' edges, texts that look
 * like integers but are not canonical, plain strings of every length form. */
static size_t random_value(char *buf) {
    static const char *odd[] = {"-0",
                                "007",
                                "+1",
                                "",
                                "-",
                                "1e3",
                                "18446744073709551616",
                                "-9223372036854775809",
                                " 1",
                                "9223372036854775807",
                                "-9223372036854775808"};
    switch (test_rand_below(4)) {
    case 0: {
        int64_t v = (int64_t)(test_rand() >> test_rand_below(64));
        if (test_rand_below(2)) v = -v;
        return (size_t)snprintf(buf, 32, "%" PRId64, v);
    }
    case 1: {
        const char *o = odd[test_rand_below(sizeof odd / sizeof *odd)];
        memcpy(buf, o, strlen(o));
        return strlen(o);
    }
    case 2:
        return (size_t)snprintf(buf, 32, "%d", (int)test_rand_below(300) - 150);
    default: {
        size_t n = test_rand_below(8) == 0 ? 64 + test_rand_below(5000) : test_rand_below(40);
        for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + test_rand_below(26));
        return n;
    }
    }
}

/* stream_append_fields() with stream_val_of() values builds the very nodes
 * stream_append() builds from the text, and stream_iter_field_val() reads
 * back what stream_iter_field() prints. */
static void test_typed_values(void) {
    char txt[22];
    for (int i = 0; i < 2000; i++) {
        int64_t v = (int64_t)(test_rand() >> test_rand_below(64));
        if (i & 1) v = -v;
        if (i == 0) v = INT64_MIN;
        CHECK_EQ_INT(stream__i64_text_len(v), snprintf(txt, sizeof txt, "%" PRId64, v));
    }
    for (int round = 0; round < 40; round++) {
        StreamLimits lim = {test_rand_below(3) ? 1 + test_rand_below(120) : 0,
                            test_rand_below(2) ? 64 + test_rand_below(8000) : 0};
        Stream *a = stream_new(), *b = stream_new();
        size_t n_entries = 1 + test_rand_below(600);
        char *store = xmalloc(20 * 2 * 5100); /* 20 pairs of the longest texts */
        int ok = 1;
        for (size_t e = 0; e < n_entries; e++) {
            size_t nf = 1 + test_rand_below(test_rand_below(4) ? 4 : 20);
            Slice fv[2 * 20];
            StreamField f[20];
            size_t off = 0;
            int same = test_rand_below(4) != 0;
            for (size_t i = 0; i < nf; i++) {
                char *name = store + off;
                size_t nl = same ? (size_t)snprintf(name, 16, "f%zu", i) : random_value(name);
                off += nl;
                char *val = store + off;
                size_t vl = random_value(val);
                off += vl;
                fv[2 * i] = slice_of(name, nl);
                fv[2 * i + 1] = slice_of(val, vl);
                f[i].name = fv[2 * i];
                f[i].val = stream_val_of(fv[2 * i + 1]);
            }
            StreamId id;
            CHECK(stream_next_id(a, STREAM_ID_AUTO, stream_id_make(0, 0), 1000 + e / 3, &id) ==
                  STREAM_OK);
            if (stream_append(a, id, fv, nf, &lim) != STREAM_OK) ok = 0;
            if (stream_append_fields(b, id, f, nf, &lim) != STREAM_OK) ok = 0;
        }
        CHECK(ok);
        CHECK_EQ_INT(stream_node_count(a), stream_node_count(b));
        int same_bytes = 1;
        for (size_t i = 0; i < stream_node_count(a); i++) {
            const StreamNode *na = stream__node_at(a, i), *nb = stream__node_at(b, i);
            if (na->used != nb->used || memcmp(na->data, nb->data, na->used) != 0 ||
                stream_id_cmp(na->first_id, nb->first_id) != 0)
                same_bytes = 0;
        }
        CHECK(same_bytes);
        StreamIter it;
        StreamId id;
        size_t nf, k = 0;
        int same_text = 1;
        stream_iter_start(&it, b, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX), 0);
        while (stream_iter_next(&it, &id, &nf)) {
            StreamIter it2;
            StreamId id2;
            size_t nf2;
            stream_iter_start(&it2, a, id, id, 0);
            if (!stream_iter_next(&it2, &id2, &nf2) || nf2 != nf) same_text = 0;
            for (size_t i = 0; i < nf && same_text; i++) {
                Slice fa, va, fb;
                StreamVal vb;
                stream_iter_field(&it2, &fa, &va);
                stream_iter_field_val(&it, &fb, &vb);
                if (!slice_eq(fa, fb)) same_text = 0;
                if (vb.is_int) {
                    size_t n = stream__fmt_i64(vb.i, txt);
                    if (!slice_eq(va, slice_of(txt, n))) same_text = 0;
                } else {
                    int64_t x;
                    if (!slice_eq(va, vb.s) || stream__parse_i64(vb.s.p, vb.s.len, &x) == 0)
                        same_text = 0;
                }
            }
            k++;
        }
        CHECK(same_text);
        CHECK_EQ_INT(k, n_entries);
        xfree(store);
        stream_free(a);
        stream_free(b);
    }
}

int main(void) {
    test_seed("test_stream");
    test_ids();
    test_integers();
    test_typed_values();
    test_rax_count();
    test_trim_hooks();
    test_minid_quirk();
    test_compaction();
    test_trim_known_kept();
    test_append_under_deleted_tail();
    test_too_big();
    test_memory();
    model_tests();
    return test_report("test_stream");
}
