/*
 * stream.c - the stream: node index, metadata, appending, deletion,
 * trimming, iteration and statistics. stream.h explains the design; node.c
 * owns the bytes inside a node.
 *
 * The index: slots[head, tail) is sorted by key (a node's first ID). A slot
 * whose node is NULL is a tombstone left by a node freed in the middle; it
 * keeps its key so binary search stays valid. slots[head] and slots[tail-1]
 * are always live when the stream has nodes, so the head node (trimming) and
 * the tail node (appending) are found in O(1).
 *
 * The skip hint: after trimming or deleting at the front, the head node often
 * begins with a run of deleted entries that every later trim, XDEL and range
 * read would walk again. The stream remembers one position (hint_node,
 * hint_off, hint_prev) with the promise "every entry of hint_node before
 * hint_off is deleted; hint_prev is the ID of the entry just before
 * hint_off". Deleting more entries never breaks the promise and appending
 * cannot touch it; a node being freed or moved clears or moves the hint.
 *
 * Compaction: XDEL-style deletes (stream_delete()) leave dead bytes in a
 * node until its last live entry goes, up to a whole node per node when
 * consumers delete out of order. So stream_delete() rebuilds a node that has
 * more deleted entries than live ones without them (node_compact()), at most
 * an O(node) copy per compaction and amortised O(1) per delete: after a
 * rebuild the node holds at most two deleted entries, so as many deletes as
 * half its live entries come before the next one. Not when the delete only
 * extends a run of deleted entries at the node's start: deletes in ID order
 * (consumers acknowledging and deleting as they go) empty the node soon and
 * free it whole, and compacting it on the way costs CPU for nothing (about
 * 40% more server time for in-order XDEL). Trimming compacts only where a
 * reference policy (ACKED) kept entries and deleted others after them: one
 * unacknowledged entry would otherwise pin a whole node of deleted ones, and
 * with a few stuck entries spread along the stream an ACKED trim freed
 * nothing at all. A plain trim frees whole nodes or eats the head node's
 * entries in order, where the skip hint already hides the deleted run.
 * Iterators and NodePos values must not see a node replaced under them, so
 * compaction happens only between nodes of a trim or at the end of a delete.
 * Never the tail node: appends would soon grow it again.
 * Client-visible results do not change: the first and last entries stay
 * (stream_int.h), so the index keys, first_id, last_id (which approximate
 * MINID trimming and backward iteration start from) and Redis's node
 * boundaries are what they would be without compaction. Rejected: dropping
 * the first and last entries too (a few bytes per node, but last_id would no
 * longer be the last stored entry's ID and backward iteration would need a
 * forward walk to find where to start), and merging sparse neighbours
 * (changes the index keys XINFO reports).
 *
 * The radix-tree node count: Redis keys its rax by the 128-bit big-endian
 * first ID of each node and reports the rax's node count in XINFO STREAM.
 * That count depends only on the set of keys (insertion and deletion in rax
 * keep nodes maximally compressed), so it is recomputed from the sorted keys
 * when asked for and cached until the set of nodes changes.
 */
#include "stream/stream.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/stream_int.h"

#define NO_SLOT SIZE_MAX

typedef struct Slot {
    StreamId key;
    StreamNode *node; /* NULL: tombstone */
} Slot;

struct Stream {
    Slot *slots;
    size_t cap, head, tail; /* slots in use: [head, tail) */
    size_t n_nodes;         /* live slots */
    size_t n_tombs;         /* tombstones in [head, tail) */
    uint64_t length;
    StreamId last_id, first_id, max_deleted_id;
    uint64_t entries_added;
    size_t node_bytes; /* allocated bytes of all nodes */
    size_t rax_nodes;  /* cached radix-tree node count; 0 = stale */
    const StreamNode *hint_node;
    uint32_t hint_off;
    StreamId hint_prev;
};

/* ---- small helpers ------------------------------------------------------- */

static inline StreamId id_fwd(StreamId prev, const EntryHead *h) {
    return stream_id_make(prev.ms + h->d_ms, prev.seq + h->d_seq);
}

static inline StreamId id_back(StreamId cur, const EntryHead *h) {
    return stream_id_make(cur.ms - h->d_ms, cur.seq - h->d_seq);
}

static inline size_t node_alloc_bytes(const StreamNode *n) {
    return xsize(n);
}

/* Bytes of data[] the allocation holds. */
static inline size_t node_data_cap(const StreamNode *n) {
    return n->cap;
}

/* Records what a node's allocation holds: the allocator's usable size, asked
 * once per allocation, not on every append. */
static void node_set_cap(StreamNode *n) {
    size_t usable = node_alloc_bytes(n) - sizeof(StreamNode);
    n->cap = (uint32_t)(usable > UINT32_MAX ? UINT32_MAX : usable);
}

/* ---- lifecycle ----------------------------------------------------------- */

/* Returns an owned, empty stream; free with stream_free(). */
Stream *stream_new(void) {
    Stream *s = xcalloc(1, sizeof(*s));
    return s;
}

/* Returns an owned copy of s: the same nodes byte for byte (deleted entries
 * and compaction state included), so every reply about the copy is the
 * original's; tombstones are left out of the index and the skip hint is
 * not carried over. Borrows s. O(nodes + bytes). */
Stream *stream_clone(const Stream *s) {
    Stream *c = xmemdup(s, sizeof(*s));
    c->hint_node = NULL;
    c->hint_off = 0;
    c->hint_prev = stream_id_make(0, 0);
    c->node_bytes = 0;
    c->slots = s->n_nodes ? xmalloc(s->n_nodes * sizeof(Slot)) : NULL;
    c->cap = s->n_nodes;
    c->head = 0;
    c->tail = 0;
    c->n_tombs = 0;
    for (size_t i = s->head; i < s->tail; i++) {
        const StreamNode *n = s->slots[i].node;
        if (!n) continue;
        StreamNode *copy = xmalloc(sizeof(StreamNode) + n->cap);
        memcpy(copy, n, sizeof(StreamNode) + n->used);
        node_set_cap(copy);
        c->node_bytes += node_alloc_bytes(copy);
        c->slots[c->tail].key = s->slots[i].key;
        c->slots[c->tail].node = copy;
        c->tail++;
    }
    assert(c->tail == s->n_nodes);
    return c;
}

/* Frees s and all its nodes (takes ownership of s). */
void stream_free(Stream *s) {
    if (!s) return;
    for (size_t i = s->head; i < s->tail; i++) xfree(s->slots[i].node);
    xfree(s->slots);
    xfree(s);
}

/* ---- metadata ------------------------------------------------------------ */

/* Number of live entries. Borrows s. */
uint64_t stream_length(const Stream *s) {
    return s->length;
}

/* The last ID generated or set (XSETID); 0-0 for a new stream. Borrows s. */
StreamId stream_last_id(const Stream *s) {
    return s->last_id;
}

/* The first live entry's ID as Redis records it; 0-0 when empty. Borrows s. */
StreamId stream_first_id(const Stream *s) {
    return s->first_id;
}

/* The largest ID removed by stream_delete() or set by XSETID. Borrows s. */
StreamId stream_max_deleted_id(const Stream *s) {
    return s->max_deleted_id;
}

/* Entries ever appended (or the value set by XSETID). Borrows s. */
uint64_t stream_entries_added(const Stream *s) {
    return s->entries_added;
}

/* The ID of the first entry still stored, live or deleted: the first node's
 * key (what a trim to "MINID = <it>" keeps); 0-0 when there are no nodes.
 * Borrows s. */
StreamId stream_head_id(const Stream *s) {
    return s->n_nodes ? s->slots[s->head].key : stream_id_make(0, 0);
}

/* Sets the last ID (XSETID; the caller validated it). Borrows s. */
void stream_set_last_id(Stream *s, StreamId id) {
    s->last_id = id;
}

/* Sets the entries-added counter (XSETID ENTRIESADDED). Borrows s. */
void stream_set_entries_added(Stream *s, uint64_t n) {
    s->entries_added = n;
}

/* Sets the max deleted ID (XSETID MAXDELETEDID). Borrows s. */
void stream_set_max_deleted_id(Stream *s, StreamId id) {
    s->max_deleted_id = id;
}

/* ---- index --------------------------------------------------------------- */

/* Last slot whose key is <= id (live or tombstone), or NO_SLOT. */
static size_t slot_find(const Stream *s, StreamId id) {
    size_t lo = s->head, hi = s->tail;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(s->slots[mid].key, id) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == s->head ? NO_SLOT : lo - 1;
}

static size_t slot_next_live(const Stream *s, size_t i) {
    for (i++; i < s->tail; i++)
        if (s->slots[i].node) return i;
    return NO_SLOT;
}

static size_t slot_prev_live(const Stream *s, size_t i) {
    while (i > s->head) {
        i--;
        if (s->slots[i].node) return i;
    }
    return NO_SLOT;
}

static void slots_compact(Stream *s) {
    size_t w = 0;
    for (size_t r = s->head; r < s->tail; r++)
        if (s->slots[r].node) s->slots[w++] = s->slots[r];
    assert(w == s->n_nodes);
    s->head = 0;
    s->tail = w;
    s->n_tombs = 0;
}

static void slot_push(Stream *s, StreamNode *n) {
    assert(s->tail == s->head || stream_id_cmp(s->slots[s->tail - 1].key, n->first_id) < 0);
    if (s->tail == s->cap) {
        if (s->head > 0 && s->tail - s->head <= s->cap / 2) {
            memmove(s->slots, s->slots + s->head, (s->tail - s->head) * sizeof(Slot));
            s->tail -= s->head;
            s->head = 0;
        } else {
            s->cap = s->cap ? s->cap * 2 : 4;
            s->slots = xrealloc(s->slots, s->cap * sizeof(Slot));
        }
    }
    s->slots[s->tail].key = n->first_id;
    s->slots[s->tail].node = n;
    s->tail++;
    s->n_nodes++;
    s->node_bytes += node_alloc_bytes(n);
    s->rax_nodes = 0;
}

/* Frees the node of slot i and drops the slot (a tombstone in the middle). */
static void slot_remove(Stream *s, size_t i) {
    StreamNode *n = s->slots[i].node;
    assert(i >= s->head && i < s->tail && n);
    if (s->hint_node == n) s->hint_node = NULL;
    s->node_bytes -= node_alloc_bytes(n);
    xfree(n);
    s->slots[i].node = NULL;
    s->n_nodes--;
    s->n_tombs++;
    s->rax_nodes = 0;
    while (s->head < s->tail && !s->slots[s->head].node) {
        s->head++;
        s->n_tombs--;
    }
    while (s->tail > s->head && !s->slots[s->tail - 1].node) {
        s->tail--;
        s->n_tombs--;
    }
    if (s->head == s->tail) {
        s->head = s->tail = 0;
        assert(s->n_tombs == 0 && s->n_nodes == 0);
    } else if (s->n_tombs > 8 && s->n_tombs > s->n_nodes) {
        slots_compact(s);
    }
}

/* Moves node i to a new allocation of header + data_cap bytes. */
static StreamNode *node_resize(Stream *s, size_t i, size_t data_cap) {
    StreamNode *old = s->slots[i].node;
    s->node_bytes -= node_alloc_bytes(old);
    StreamNode *n = xrealloc(old, sizeof(StreamNode) + data_cap);
    node_set_cap(n);
    s->node_bytes += node_alloc_bytes(n);
    s->slots[i].node = n;
    if (s->hint_node == old) s->hint_node = n;
    return n;
}

/* ---- appending ----------------------------------------------------------- */

/* Computes the ID of a new entry from the stream's last ID: returns STREAM_OK
 * with *out set, or STREAM_ERR_ID_ZERO (explicit 0-0), STREAM_ERR_ID_TOO_SMALL
 * (not above the last ID), STREAM_ERR_EXHAUSTED ("*" after the maximum ID).
 * `requested` is ignored for STREAM_ID_AUTO; for STREAM_ID_AUTO_SEQ only its
 * ms counts. Borrows s. */
int stream_next_id(const Stream *s, StreamIdMode mode, StreamId requested, uint64_t now_ms,
                   StreamId *out) {
    StreamId last = s->last_id;
    switch (mode) {
    case STREAM_ID_AUTO:
        if (now_ms > last.ms) {
            *out = stream_id_make(now_ms, 0);
            return STREAM_OK;
        }
        *out = last;
        return stream_id_incr(out) == 0 ? STREAM_OK : STREAM_ERR_EXHAUSTED;
    case STREAM_ID_AUTO_SEQ:
        if (requested.ms == last.ms) {
            if (last.seq == UINT64_MAX) return STREAM_ERR_ID_TOO_SMALL;
            *out = stream_id_make(last.ms, last.seq + 1);
            return STREAM_OK;
        }
        *out = stream_id_make(requested.ms, 0);
        return stream_id_cmp(*out, last) > 0 ? STREAM_OK : STREAM_ERR_ID_TOO_SMALL;
    case STREAM_ID_EXPLICIT:
        if (stream_id_is_zero(requested)) return STREAM_ERR_ID_ZERO;
        if (stream_id_cmp(requested, last) <= 0) return STREAM_ERR_ID_TOO_SMALL;
        *out = requested;
        return STREAM_OK;
    }
    assert(0 && "bad StreamIdMode");
    return STREAM_ERR_ID_TOO_SMALL;
}

/* STREAM_OK when an entry of these n_fields pairs can be stored, else
 * STREAM_ERR_TOO_BIG (more than 1 GiB of names and values, as Redis). */
int stream_entry_fits(const Slice *fv, size_t n_fields) {
    uint64_t total = 64;
    for (size_t i = 0; i < 2 * n_fields; i++) {
        total += fv[i].len + 5;
        if (total > STREAM_NODE_MAX_BYTES) return STREAM_ERR_TOO_BIG;
    }
    return STREAM_OK;
}

/* Shrinks the tail node to its contents when a new node follows it. */
static void node_seal(Stream *s, size_t i) {
    StreamNode *n = s->slots[i].node;
    if (node_data_cap(n) > n->used) (void)node_resize(s, i, n->used);
}

static void tail_drop_above_last_id(Stream *s);

/* The form a node stores text in: an integer when text is the canonical
 * decimal form of one, else the string (a view of text). */
StreamVal stream_val_of(Slice text) {
    StreamVal v = {0, 0, text};
    if (stream__parse_i64(text.p, text.len, &v.i) == 0) v.is_int = 1;
    return v;
}

/* Pairs converted on the stack up to this many; more take an allocation. */
#define APPEND_STACK_FIELDS 16

/* Appends an entry with ID id (> the last ID, from stream_next_id()) and the
 * n_fields name/value pairs in fv (copied). A new node is started when the
 * tail node holds lim->max_entries entries (live or deleted) or the entry
 * would take it past lim->max_bytes. Returns STREAM_OK or STREAM_ERR_TOO_BIG
 * (nothing changed). Borrows fv and lim. */
int stream_append(Stream *s, StreamId id, const Slice *fv, size_t n_fields,
                  const StreamLimits *lim) {
    StreamField stack[APPEND_STACK_FIELDS];
    memset(stack, 0, sizeof stack[0]); /* n_fields 0 reads nothing; gcc cannot tell */
    StreamField *f = n_fields <= APPEND_STACK_FIELDS ? stack : xmalloc(n_fields * sizeof(*f));
    for (size_t i = 0; i < n_fields; i++) {
        f[i].name = fv[2 * i];
        f[i].val = stream_val_of(fv[2 * i + 1]);
    }
    int rc = stream_append_fields(s, id, f, n_fields, lim);
    if (f != stack) xfree(f);
    return rc;
}

/* Bytes of the text of v. */
static size_t val_text_len(const StreamVal *v) {
    return v->is_int ? stream__i64_text_len(v->i) : v->s.len;
}

/* stream_append() with the values already in node form (a string value must
 * not be the canonical text of an integer: that is an integer). Borrows f
 * and lim. */
int stream_append_fields(Stream *s, StreamId id, const StreamField *f, size_t n_fields,
                         const StreamLimits *lim) {
    assert(stream_id_cmp(id, s->last_id) > 0);
    assert(n_fields <= UINT32_MAX);
    /* As stream_entry_fits() counts; an integer's text (20 bytes at most) is
     * measured only when that bound is not enough. */
    uint64_t bound = 64;
    for (size_t i = 0; i < n_fields; i++)
        bound += f[i].name.len + 10 + (f[i].val.is_int ? 20 : f[i].val.s.len);
    if (bound > STREAM_NODE_MAX_BYTES) {
        uint64_t total = 64;
        for (size_t i = 0; i < n_fields; i++) {
            total += f[i].name.len + 5 + val_text_len(&f[i].val) + 5;
            if (total > STREAM_NODE_MAX_BYTES) return STREAM_ERR_TOO_BIG;
        }
    }
    while (s->n_nodes && stream_id_cmp(s->slots[s->tail - 1].node->last_id, s->last_id) > 0)
        tail_drop_above_last_id(s);
    uint64_t max_bytes = lim->max_bytes == 0 || lim->max_bytes > STREAM_NODE_MAX_BYTES
                             ? STREAM_NODE_MAX_BYTES
                             : lim->max_bytes;
    size_t ti = s->n_nodes ? s->tail - 1 : NO_SLOT;
    StreamNode *n = ti != NO_SLOT ? s->slots[ti].node : NULL;
    size_t esize = 0;
    int is_same = 0;
    int64_t refs_stack[APPEND_STACK_FIELDS];
    int64_t *refs = NULL;
    uint8_t ebuf[512]; /* (bound exceeds every entry's encoded size) */
    int has_ebuf = 0;
    if (n) {
        /* Decided on the node as it would be without compaction. */
        uint64_t entries = (uint64_t)n->n_live + n->n_deleted + n->n_dropped;
        if (lim->max_entries && entries >= lim->max_entries) {
            n = NULL;
        } else {
            /* The master's reference values, read once for the size and
             * the write (on the stack for up to APPEND_STACK_FIELDS). */
            refs = n_fields <= APPEND_STACK_FIELDS ? refs_stack : NULL;
            is_same = stream__master_match(n, f, n_fields, refs);
            if (refs && bound <= sizeof ebuf) {
                /* Small: encoded once, here; copied below if it fits. */
                esize = stream__entry_write(ebuf, n, is_same, 0, n->last_id, id, f, n_fields, refs);
                has_ebuf = 1;
            } else {
                esize = stream__entry_size(n, is_same, 0, n->last_id, id, f, n_fields, refs);
            }
            uint64_t bytes = (uint64_t)n->used + n->dropped_bytes;
            if (sizeof(StreamNode) + bytes + esize > max_bytes) n = NULL;
        }
    }
    if (n) {
        size_t need = (size_t)n->used + esize;
        size_t cap = node_data_cap(n);
        if (need > cap) {
            size_t grown = cap * 2;
            size_t limit = max_bytes > sizeof(StreamNode) ? max_bytes - sizeof(StreamNode) : 0;
            if (grown > limit) grown = limit;
            if (grown < need) grown = need;
            n = node_resize(s, ti, grown);
        }
        size_t w = esize;
        if (has_ebuf)
            memcpy(n->data + n->used, ebuf, esize);
        else
            w = stream__entry_put(n, is_same, 0, n->last_id, id, f, n_fields, refs);
        assert(w == esize);
        n->used += (uint32_t)w;
        n->last_id = id;
        n->n_live++;
    } else {
        if (ti != NO_SLOT) node_seal(s, ti);
        size_t msize = stream__master_size(f, n_fields);
        esize = stream__first_entry_size(f, n_fields);
        n = xmalloc(sizeof(StreamNode) + msize + esize);
        /* a node for a big entry is filled whole right away */
        xprefault(n, sizeof(StreamNode) + msize + esize);
        node_set_cap(n);
        n->first_id = n->last_id = id;
        n->n_live = 1;
        n->n_deleted = 0;
        n->n_dropped = 0;
        n->dropped_bytes = 0;
        uint8_t *end = stream__master_put(n->data, f, n_fields);
        assert((size_t)(end - n->data) == msize);
        n->entries_off = n->used = (uint32_t)msize;
        size_t w = stream__entry_put(n, 1, 1, id, id, f, n_fields, NULL);
        assert(w == esize);
        n->used += (uint32_t)w;
        slot_push(s, n);
    }
    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    return STREAM_OK;
}

/* ---- scanning inside a node ---------------------------------------------- */

/* A forward position in a node: the entry at off, prev = the ID before it. */
typedef struct NodePos {
    uint32_t off;
    StreamId prev;
} NodePos;

static NodePos pos_begin(const Stream *s, const StreamNode *n) {
    NodePos p = {n->entries_off, n->first_id};
    if (s->hint_node == n) {
        p.off = s->hint_off;
        p.prev = s->hint_prev;
    }
    return p;
}

static void hint_set(Stream *s, const StreamNode *n, NodePos p) {
    s->hint_node = n;
    s->hint_off = p.off;
    s->hint_prev = p.prev;
}

/* Decodes the entry at p: sets *h and returns its ID. */
static StreamId pos_read(const StreamNode *n, NodePos p, EntryHead *h) {
    stream__entry_head(n, p.off, h);
    return p.off == n->entries_off ? n->first_id : id_fwd(p.prev, h);
}

/* The tail node stores entries above the last ID: deleted ones (every live
 * entry is at or below it), left there by a trim that kept entries before
 * them (ACKED) or by XDEL, after XSETID moved the last ID back under them.
 * An appended entry must follow the node's last stored one, so they go
 * first: the node is cut after its last entry at or below the last ID, or
 * freed when it has none (then the node before it is looked at). For the
 * node size limits they count as compacted away, as the entries a listpack
 * would still hold. */
static void tail_drop_above_last_id(Stream *s) {
    size_t i = s->tail - 1;
    StreamNode *n = s->slots[i].node;
    if (stream_id_cmp(n->first_id, s->last_id) > 0) {
        assert(n->n_live == 0);
        slot_remove(s, i);
        return;
    }
    NodePos p = {n->entries_off, n->first_id};
    uint32_t cut = 0;
    StreamId last = n->first_id;
    while (p.off < n->used) {
        EntryHead h;
        StreamId id = pos_read(n, p, &h);
        if (stream_id_cmp(id, s->last_id) > 0) {
            assert(h.hdr & ENTRY_DELETED);
            n->n_deleted--;
            n->n_dropped++;
        } else {
            last = id;
            cut = stream__entry_end(n, p.off, &h);
        }
        p.off = stream__entry_end(n, p.off, &h);
        p.prev = id;
    }
    assert(cut > n->entries_off);
    n->dropped_bytes += n->used - cut;
    n->used = cut;
    n->last_id = last;
    if (s->hint_node == n && s->hint_off >= cut) s->hint_node = NULL;
}

static void entry_mark_deleted(StreamNode *n, uint32_t off) {
    assert(!(n->data[off] & ENTRY_DELETED));
    n->data[off] |= ENTRY_DELETED;
    n->n_live--;
    n->n_deleted++;
}

/* ID of the first live entry, moving the hint up to it; 0-0 when none. */
static StreamId first_live_id(Stream *s) {
    for (size_t i = s->head; i < s->tail; i++) {
        const StreamNode *n = s->slots[i].node;
        if (!n || n->n_live == 0) continue;
        NodePos p = pos_begin(s, n);
        while (p.off < n->used) {
            EntryHead h;
            StreamId id = pos_read(n, p, &h);
            if (!(h.hdr & ENTRY_DELETED)) {
                hint_set(s, n, p);
                return id;
            }
            p.off = stream__entry_end(n, p.off, &h);
            p.prev = id;
        }
        assert(0 && "node with live entries has none");
    }
    return stream_id_make(0, 0);
}

/* ---- deleting ------------------------------------------------------------ */

/* Deleted entries compaction would remove from n: all but its first and
 * last entries, which stay as husks. O(1) through the back-length. */
static uint32_t node_droppable(const StreamNode *n) {
    uint32_t keep = (n->data[n->entries_off] & ENTRY_DELETED) != 0;
    uint32_t last = stream__entry_start_before(n, n->used);
    if (last != n->entries_off && (n->data[last] & ENTRY_DELETED)) keep++;
    assert(keep <= n->n_deleted);
    return n->n_deleted - keep;
}

/* Rebuilds the node of slot i without its deleted entries (the first and
 * last entries stay, as husks when deleted; stream_int.h), in an allocation
 * of the size it needs. The master section is copied as it is; live
 * entries keep their bodies and get a new ID delta and back-length. The
 * slot's key, first_id and last_id do not change. Nothing may hold a
 * position in the node (an iterator, a NodePos) across the call. */
static void node_compact(Stream *s, size_t i) {
    StreamNode *old = s->slots[i].node;
    StreamNode *n = NULL;
    size_t size = old->entries_off;
    uint32_t husks = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            /* Each dropped entry takes at least two bytes and widens the next
             * kept entry's ID delta by far less in practice; should the new
             * deltas ever outweigh it, the node stays as it is. */
            if (size >= old->used) return;
            n = xmalloc(sizeof(StreamNode) + size);
            *n = *old;
            node_set_cap(n);
            memcpy(n->data, old->data, old->entries_off);
            n->used = old->entries_off;
        }
        NodePos p = {old->entries_off, old->first_id};
        StreamId prev = old->first_id;
        while (p.off < old->used) {
            EntryHead h;
            StreamId id = pos_read(old, p, &h);
            uint32_t end = stream__entry_end(old, p.off, &h);
            int is_first = p.off == old->entries_off;
            if (!(h.hdr & ENTRY_DELETED) || is_first || end == old->used) {
                size_t w = stream__entry_recode(n, old, p.off, &h, is_first, prev, id);
                if (pass == 0) {
                    size += w;
                    husks += (h.hdr & ENTRY_DELETED) != 0;
                } else {
                    n->used += (uint32_t)w;
                }
                prev = id;
            }
            p.off = end;
            p.prev = id;
        }
        assert(stream_id_cmp(prev, old->last_id) == 0);
    }
    assert(n->used == size);
    n->n_deleted = husks;
    n->n_dropped = old->n_dropped + (old->n_deleted - husks);
    n->dropped_bytes = old->dropped_bytes + (old->used - n->used);
    s->node_bytes -= node_alloc_bytes(old);
    s->node_bytes += node_alloc_bytes(n);
    s->slots[i].node = n;
    if (s->hint_node == old) s->hint_node = NULL;
    xfree(old);
}

/* Compacts the node of slot i if it has live entries, more deleted entries
 * than live ones, something to drop, and is not the tail node (appends go
 * there, and would soon add to it again). The caller has ruled out a node
 * whose deleted entries are a prefix being eaten in ID order. */
static void node_maybe_compact(Stream *s, size_t i) {
    const StreamNode *n = s->slots[i].node;
    if (n->n_live > 0 && n->n_deleted > n->n_live && i != s->tail - 1 && node_droppable(n) > 0)
        node_compact(s, i);
}

/* Deletes the entry with this ID: returns 1 if it was live, else 0. A node
 * left without live entries is freed; one left with more deleted entries than
 * live ones is compacted (node_maybe_compact()), unless every entry before
 * this one is deleted too (deletes in ID order empty the node soon, and free
 * it whole). Maintains length, the first ID and the max deleted ID as XDEL
 * does. Borrows s. */
int stream_delete(Stream *s, StreamId id) {
    size_t i = slot_find(s, id);
    if (i == NO_SLOT) return 0;
    StreamNode *n = s->slots[i].node;
    if (!n || stream_id_cmp(id, n->last_id) > 0) return 0;
    NodePos p = pos_begin(s, n); /* every entry before it is deleted */
    int is_prefix = 1;
    while (p.off < n->used) {
        EntryHead h;
        StreamId cur = pos_read(n, p, &h);
        int c = stream_id_cmp(cur, id);
        if (c > 0) return 0;
        if (c == 0) {
            if (h.hdr & ENTRY_DELETED) return 0;
            entry_mark_deleted(n, p.off);
            s->length--;
            if (stream_id_cmp(id, s->max_deleted_id) > 0) s->max_deleted_id = id;
            if (n->n_live == 0)
                slot_remove(s, i);
            else if (!is_prefix)
                node_maybe_compact(s, i);
            if (s->length == 0)
                s->first_id = stream_id_make(0, 0);
            else if (stream_id_cmp(id, s->first_id) == 0)
                s->first_id = first_live_id(s);
            return 1;
        }
        if (!(h.hdr & ENTRY_DELETED)) is_prefix = 0;
        p.off = stream__entry_end(n, p.off, &h);
        p.prev = cur;
    }
    return 0;
}

/* ---- trimming ------------------------------------------------------------ */

/* Walks the live entries of n: returns 0 at the first one `test` (if any)
 * does not let go (STREAM_TRIM_KEEP or STREAM_TRIM_STOP), else calls `notify`
 * (if any) on each and returns 1. */
static int node_each_live(const StreamNode *n, int (*test)(void *, StreamId),
                          void (*notify)(void *, StreamId), void *ctx) {
    NodePos p = {n->entries_off, n->first_id};
    while (p.off < n->used) {
        EntryHead h;
        StreamId id = pos_read(n, p, &h);
        if (!(h.hdr & ENTRY_DELETED)) {
            if (test && test(ctx, id) != STREAM_TRIM_DELETE) return 0;
            if (notify) notify(ctx, id);
        }
        p.off = stream__entry_end(n, p.off, &h);
        p.prev = id;
    }
    return 1;
}

/* The live slot whose key is `key` (a node's first ID), found again after a
 * slot_remove() that may have compacted the index. */
static size_t slot_of_key(const Stream *s, StreamId key) {
    size_t i = slot_find(s, key);
    assert(i != NO_SLOT && s->slots[i].node && stream_id_cmp(s->slots[i].key, key) == 0);
    return i;
}

/* Frees the node of slot i and returns the slot of the next live node (or
 * NO_SLOT), valid after the index moved. */
static size_t slot_remove_next(Stream *s, size_t i) {
    size_t next = slot_next_live(s, i);
    StreamId next_key = next != NO_SLOT ? s->slots[next].key : stream_id_make(0, 0);
    slot_remove(s, i);
    return next != NO_SLOT ? slot_of_key(s, next_key) : NO_SLOT;
}

/* Trims entry by entry inside the node of slot i: returns 1 when the trim is
 * over (threshold reached, or the policy said STREAM_TRIM_STOP), 0 when the
 * node ran out first. The hint follows while every entry passed is deleted.
 * *removed is set to each ID removed (the last one wins).
 * *is_mixed is set when an entry was deleted after one the policy kept. */
static int trim_in_node(Stream *s, size_t i, const StreamTrim *t, uint64_t *deleted, int *is_mixed,
                        StreamId *stop, StreamId *removed) {
    int is_maxlen = t->strategy == STREAM_TRIM_MAXLEN;
    StreamNode *n = s->slots[i].node;
    NodePos p = pos_begin(s, n);
    int is_prefix = 1;
    *is_mixed = 0;
    while (p.off < n->used) {
        EntryHead h;
        StreamId id = pos_read(n, p, &h);
        *stop = id;
        if (is_maxlen ? s->length <= t->maxlen : stream_id_cmp(id, t->minid) >= 0) return 1;
        if (!(h.hdr & ENTRY_DELETED)) {
            int verdict = t->can_delete ? t->can_delete(t->ctx, id) : STREAM_TRIM_DELETE;
            assert(verdict == STREAM_TRIM_DELETE || verdict == STREAM_TRIM_KEEP ||
                   verdict == STREAM_TRIM_STOP);
            if (verdict == STREAM_TRIM_STOP) return 1;
            if (verdict == STREAM_TRIM_DELETE) {
                entry_mark_deleted(n, p.off);
                assert(s->length > 0);
                s->length--;
                (*deleted)++;
                *removed = id;
                *is_mixed |= !is_prefix;
                if (t->on_delete) t->on_delete(t->ctx, id);
            } else {
                is_prefix = 0;
            }
        }
        p.off = stream__entry_end(n, p.off, &h);
        p.prev = id;
        if (is_prefix) hint_set(s, n, p);
    }
    return 0;
}

/* Trims from the head by MAXLEN or MINID. Returns the number of entries
 * removed. Maintains the first ID; the max deleted ID is left alone (Redis
 * only moves it on XDEL). Borrows s and t.
 *
 * Without a policy this is Redis 7's trim: whole nodes while the threshold
 * allows (and, when approximate, while `limit` allows), then, when exact, the
 * entries of the first node that cannot go whole (that node stays, even if
 * it is left without live entries).
 *
 * With a policy (can_delete or on_delete set), as Redis 8.6 trims with DELREF
 * or ACKED: a node goes whole only if the policy lets every live entry in it
 * go; otherwise its entries are visited one by one, the kept ones skipped,
 * and the trim goes on into the following nodes until the threshold is
 * reached, the policy says stop, or (approximate) `limit` would be passed at
 * a node boundary. "~" therefore only differs from "=" by that limit. Nodes
 * left without live entries are freed. As in Redis's streamTrim(), a MAXLEN
 * trim goes past a node only if the node could have gone whole by count
 * (length - its live entries >= MAXLEN): after one that could not, it ends
 * even when entries the policy kept leave the stream above MAXLEN (only
 * ACKED keeps entries; MINID ends inside such a node anyway).
 *
 * known_kept (see StreamTrim) lets a policy trim step over the nodes whose
 * live entries all lie below the bound: walking them would ask can_delete
 * about each and keep it, so only the checks made at a node's start remain
 * (the threshold, the limit, MINID ending inside the node). A stuck entry
 * (a consumer that never acknowledges) then costs a trim one node step,
 * not a policy lookup per group on every later trim. */
uint64_t stream_trim(Stream *s, const StreamTrim *t) {
    int is_maxlen = t->strategy == STREAM_TRIM_MAXLEN;
    assert(is_maxlen || t->strategy == STREAM_TRIM_MINID);
    assert(t->limit == 0 || t->is_approx);
    int is_policy = t->can_delete != NULL || t->on_delete != NULL;
    int has_kept = t->known_kept != NULL && t->can_delete != NULL;
    StreamId kept = has_kept ? *t->known_kept : stream_id_make(0, 0);
    StreamId bound = kept;                   /* every live entry below it is kept, so far */
    StreamId removed = stream_id_make(0, 0); /* the largest ID removed */
    uint64_t deleted = 0;
    size_t i = s->n_nodes ? s->head : NO_SLOT;
    while (i != NO_SLOT) {
        StreamNode *n = s->slots[i].node;
        assert(n);
        bound = n->first_id;
        if (is_maxlen && s->length <= t->maxlen) break;
        uint64_t entries = n->n_live;
        if (t->limit && deleted + entries > t->limit) break;
        assert(s->length >= entries);
        /* Redis's node_eligible_for_remove: the node could go whole as far
         * as the threshold goes (MINID: it ends below it). */
        int is_eligible =
            is_maxlen ? s->length - entries >= t->maxlen : stream_id_cmp(n->last_id, t->minid) < 0;
        if (entries && stream_id_cmp(n->last_id, kept) < 0) {
            /* Every live entry here is kept: the trim goes on to the next
             * node if this one was eligible, else it ends here (MINID at an
             * entry, live or deleted, at or past it; MAXLEN as after
             * visiting the node). */
            if (!is_eligible) break;
            i = slot_next_live(s, i);
            continue;
        }
        int is_whole = is_eligible;
        if (is_whole && t->can_delete && !node_each_live(n, t->can_delete, NULL, t->ctx))
            is_whole = 0;
        if (is_whole) {
            if (t->on_delete) (void)node_each_live(n, NULL, t->on_delete, t->ctx);
            s->length -= entries;
            deleted += entries;
            removed = n->last_id;
            i = slot_remove_next(s, i);
            continue;
        }
        if (t->is_approx && !is_policy) break;
        int is_mixed;
        StreamId stop = n->first_id;
        int is_over = trim_in_node(s, i, t, &deleted, &is_mixed, &stop, &removed);
        /* Entries a policy kept pin their node; with the deleted ones
         * around them gone, a stuck entry costs its own bytes, not its
         * node's (the node is visited again on every later trim, too). */
        if (is_mixed) node_maybe_compact(s, i);
        if (is_over || !is_policy) {
            bound = stop;
            break;
        }
        /* The node ran out with entries kept: as in Redis, on to the next
         * only from an eligible node. Every live entry below this node's
         * first ID was found kept (bound stays there). */
        if (!is_eligible) break;
        i = s->slots[i].node->n_live == 0 ? slot_remove_next(s, i) : slot_next_live(s, i);
    }
    if (i == NO_SLOT) {
        /* Walked to the end: the next entry appended is the first unknown. */
        StreamId next = s->last_id;
        bound = stream_id_incr(&next) == 0 ? next : s->last_id;
    }
    /* both bounds hold now: the one given (nothing below it came up for a
     * verdict) and the one this walk established */
    if (has_kept) *t->known_kept = stream_id_cmp(bound, kept) > 0 ? bound : kept;
    if (deleted) s->first_id = s->length ? first_live_id(s) : stream_id_make(0, 0);
    if (deleted && t->last_removed) *t->last_removed = removed;
    return deleted;
}

/* ---- iteration ----------------------------------------------------------- */

static void iter_enter(StreamIter *it, size_t i) {
    const Stream *s = it->s;
    const StreamNode *n = s->slots[i].node;
    assert(n);
    it->slot = i;
    it->node = n;
    it->master_off = (uint32_t)(stream__master_begin(n, &it->master_n) - n->data);
    if (it->is_reverse) {
        it->off = n->used;
        it->id = n->last_id;
    } else if (s->hint_node == n) {
        it->off = s->hint_off;
        it->id = s->hint_prev;
    } else {
        it->off = n->entries_off;
        it->id = n->first_id;
    }
}

/* Starts an iteration over the live entries with start <= ID <= end, in ID
 * order or (is_reverse) backwards. The iterator borrows s and is valid until
 * s is modified. */
void stream_iter_start(StreamIter *it, const Stream *s, StreamId start, StreamId end,
                       int is_reverse) {
    memset(it, 0, sizeof(*it));
    it->s = s;
    it->start = start;
    it->end = end;
    it->is_reverse = is_reverse;
    it->entry_off = UINT32_MAX;
    if (s->n_nodes == 0 || stream_id_cmp(start, end) > 0) {
        it->is_done = 1;
        return;
    }
    size_t i;
    if (!is_reverse) {
        i = slot_find(s, start);
        if (i == NO_SLOT)
            i = s->head;
        else if (!s->slots[i].node)
            i = slot_next_live(s, i);
    } else {
        i = slot_find(s, end);
        if (i != NO_SLOT && !s->slots[i].node) i = slot_prev_live(s, i);
    }
    if (i == NO_SLOT) {
        it->is_done = 1;
        return;
    }
    iter_enter(it, i);
}

static void iter_yield(StreamIter *it, uint32_t off, const EntryHead *h) {
    it->entry_off = off;
    it->vp = h->body;
    it->is_same = (h->hdr & ENTRY_SAME) != 0;
    it->mp = it->node->data + it->master_off;
    it->fields_left = h->n_fields;
}

/* 1 if s holds a live (not deleted) entry with ID id, else 0. Borrows s. */
int stream_entry_exists(const Stream *s, StreamId id) {
    StreamIter it;
    StreamId got;
    size_t n_fields;
    stream_iter_start(&it, s, id, id, 0);
    return stream_iter_next(&it, &got, &n_fields);
}

/* Moves to the next live entry in range: returns 1 and sets *id and
 * *n_fields (pairs, read them with stream_iter_field()), or 0 at the end. */
int stream_iter_next(StreamIter *it, StreamId *id, size_t *n_fields) {
    if (it->is_done) return 0;
    if (!it->is_reverse) {
        if (it->entry_off != UINT32_MAX) {
            /* Step over what the caller did not read of the current entry. */
            EntryHead h;
            stream__entry_head(it->node, it->entry_off, &h);
            it->off = stream__entry_end(it->node, it->entry_off, &h);
            it->entry_off = UINT32_MAX;
        }
        for (;;) {
            const StreamNode *n = it->node;
            if (it->off >= n->used) {
                size_t i = slot_next_live(it->s, it->slot);
                if (i == NO_SLOT) break;
                iter_enter(it, i);
                continue;
            }
            EntryHead h;
            stream__entry_head(n, it->off, &h);
            StreamId cur = it->off == n->entries_off ? n->first_id : id_fwd(it->id, &h);
            it->id = cur;
            if (stream_id_cmp(cur, it->end) > 0) break;
            if ((h.hdr & ENTRY_DELETED) || stream_id_cmp(cur, it->start) < 0) {
                it->off = stream__entry_end(n, it->off, &h);
                continue;
            }
            iter_yield(it, it->off, &h);
            *id = cur;
            *n_fields = h.n_fields;
            return 1;
        }
    } else {
        for (;;) {
            const StreamNode *n = it->node;
            if (it->off <= n->entries_off) {
                size_t i = slot_prev_live(it->s, it->slot);
                if (i == NO_SLOT) break;
                iter_enter(it, i);
                continue;
            }
            uint32_t st = stream__entry_start_before(n, it->off);
            EntryHead h;
            stream__entry_head(n, st, &h);
            StreamId cur = it->id;
            if (st != n->entries_off) it->id = id_back(cur, &h);
            it->off = st;
            if (stream_id_cmp(cur, it->start) < 0) break;
            if ((h.hdr & ENTRY_DELETED) || stream_id_cmp(cur, it->end) > 0) continue;
            iter_yield(it, st, &h);
            *id = cur;
            *n_fields = h.n_fields;
            return 1;
        }
    }
    it->is_done = 1;
    return 0;
}

/* The current entry is fully read, going forward: its end (and so the next
 * entry) is known from where its values stopped, without a second walk over
 * its length-prefixed bytes. */
static void iter_entry_read(StreamIter *it) {
    size_t len = (size_t)(it->vp - (it->node->data + it->entry_off));
    size_t nb = 1;
    for (size_t v = len; v >= 0x80; v >>= 7) nb++;
    it->off = it->entry_off + (uint32_t)(len + nb);
    it->entry_off = UINT32_MAX;
}

/* Reads the next field/value pair of the current entry; both are views valid
 * until the next iterator call or a change to the stream. */
void stream_iter_field(StreamIter *it, Slice *field, Slice *value) {
    assert(it->fields_left > 0 && it->entry_off != UINT32_MAX);
    if (it->is_same) {
        int64_t ref;
        it->mp = stream__master_next(it->mp, field, &ref);
        it->vp = stream__value_get(it->vp, ref, it->ibuf, value);
    } else {
        it->vp = stream__field_get(it->vp, field);
        it->vp = stream__value_get(it->vp, 0, it->ibuf, value);
    }
    it->fields_left--;
    if (it->fields_left == 0 && !it->is_reverse) iter_entry_read(it);
}

/* Reads the rest of the current entry's pairs (all of them unless some were
 * read one by one) into f, as stream_iter_field_val() would one at a time.
 * Returns a key for the entry's field names when they are its node's master
 * fields (equal keys: equal names, while the stream is unchanged), else
 * NULL. */
const void *stream_iter_fields_val(StreamIter *it, StreamField *f) {
    assert(it->entry_off != UINT32_MAX);
    uint32_t n = it->fields_left;
    int is_whole = n > 0 && it->mp == it->node->data + it->master_off;
    it->vp = stream__entry_vals(it->vp, it->mp, it->is_same, n, f);
    it->fields_left = 0;
    if (!it->is_reverse) iter_entry_read(it);
    return it->is_same && is_whole ? (const void *)(it->node->data + it->master_off) : NULL;
}

/* stream_iter_field() with the value as the node holds it: an integer is not
 * printed. The name and a string value view the node: valid until the
 * stream changes. */
void stream_iter_field_val(StreamIter *it, Slice *field, StreamVal *value) {
    assert(it->fields_left > 0 && it->entry_off != UINT32_MAX);
    if (it->is_same) {
        int64_t ref;
        it->mp = stream__master_next(it->mp, field, &ref);
        it->vp = stream__value_get_val(it->vp, ref, value);
    } else {
        it->vp = stream__field_get(it->vp, field);
        it->vp = stream__value_get_val(it->vp, 0, value);
    }
    it->fields_left--;
    if (it->fields_left == 0 && !it->is_reverse) iter_entry_read(it);
}

/* ---- statistics ---------------------------------------------------------- */

/* Number of nodes (Redis's radix-tree-keys). Borrows s. */
size_t stream_node_count(const Stream *s) {
    return s->n_nodes;
}

static unsigned key_byte(StreamId id, unsigned i) {
    return i < 8 ? (unsigned)(id.ms >> (56 - 8 * i)) & 0xffu
                 : (unsigned)(id.seq >> (56 - 8 * (i - 8))) & 0xffu;
}

static unsigned key_lcp(StreamId a, StreamId b) {
    if (a.ms != b.ms) return (unsigned)__builtin_clzll(a.ms ^ b.ms) / 8;
    if (a.seq != b.seq) return 8 + (unsigned)__builtin_clzll(a.seq ^ b.seq) / 8;
    return 16;
}

/* Rax nodes under the trie node at `depth` shared by keys[lo, hi); `starts`:
 * whether that trie node begins a rax node of its own (the root, or a child of
 * a branching node). A chain of single-child trie nodes is one compressed rax
 * node; branching nodes and leaves are nodes of their own. */
static size_t rax_count(const StreamId *keys, size_t lo, size_t hi, unsigned depth, int starts) {
    if (hi - lo == 1) return depth == 16 ? 1 : (size_t)starts + 1;
    unsigned l = key_lcp(keys[lo], keys[hi - 1]);
    assert(l < 16 && l >= depth);
    size_t total = l > depth ? (size_t)starts + 1 : 1;
    size_t i = lo;
    while (i < hi) {
        unsigned b = key_byte(keys[i], l);
        size_t j = i + 1;
        while (j < hi && key_byte(keys[j], l) == b) j++;
        total += rax_count(keys, i, j, l + 1, 1);
        i = j;
    }
    return total;
}

/* The node count Redis's radix tree would have for these nodes (XINFO
 * radix-tree-nodes). O(nodes) after a change to the set of nodes, O(1) when
 * cached. Borrows s (the cache is updated). */
size_t stream_rax_node_count(Stream *s) {
    if (s->rax_nodes) return s->rax_nodes;
    if (s->n_nodes == 0) {
        s->rax_nodes = 1;
        return 1;
    }
    StreamId *keys = xmalloc(s->n_nodes * sizeof(StreamId));
    size_t k = 0;
    for (size_t i = s->head; i < s->tail; i++)
        if (s->slots[i].node) keys[k++] = s->slots[i].key;
    assert(k == s->n_nodes);
    s->rax_nodes = rax_count(keys, 0, k, 0, 1);
    xfree(keys);
    return s->rax_nodes;
}

/* Bytes allocated for s: the struct, the index and the nodes. Borrows s. */
size_t stream_mem_usage(const Stream *s) {
    return xsize(s) + xsize(s->slots) + s->node_bytes;
}

/* Returns a view of the i-th live node (NULL past the end); for tests. */
const StreamNode *stream__node_at(const Stream *s, size_t i) {
    for (size_t k = s->head; k < s->tail; k++) {
        if (!s->slots[k].node) continue;
        if (i == 0) return s->slots[k].node;
        i--;
    }
    return NULL;
}

/* Checks the invariants of every node, the index and the accounting (for
 * tests; O(size of s)). Returns NULL when they hold, else what broke. */
const char *stream__check(const Stream *s) {
    size_t nodes = 0, tombs = 0, bytes = 0;
    uint64_t length = 0;
    int hint_found = s->hint_node == NULL;
    for (size_t i = s->head; i < s->tail; i++) {
        const StreamNode *n = s->slots[i].node;
        if (!n) {
            tombs++;
            continue;
        }
        nodes++;
        bytes += node_alloc_bytes(n);
        length += n->n_live;
        if (i > s->head && stream_id_cmp(s->slots[i - 1].key, s->slots[i].key) >= 0)
            return "index keys not increasing";
        if (stream_id_cmp(s->slots[i].key, n->first_id) != 0) return "key != first_id";
        if (n->entries_off > n->used || n->used > n->cap) return "offsets";
        if (n->cap > node_alloc_bytes(n) - sizeof(StreamNode)) return "cap";
        if (n->used == n->entries_off) return "node without entries";
        if (s->hint_node == n) hint_found = 1;
        uint32_t live = 0, deleted = 0;
        int hint_ok = s->hint_node != n, prefix_deleted = 1;
        NodePos p = {n->entries_off, n->first_id};
        StreamId last = n->first_id;
        while (p.off < n->used) {
            if (s->hint_node == n && p.off == s->hint_off) {
                if (!prefix_deleted) return "hint past a live entry";
                if (p.off != n->entries_off && stream_id_cmp(p.prev, s->hint_prev) != 0)
                    return "hint_prev";
                hint_ok = 1;
            }
            EntryHead h;
            StreamId id = pos_read(n, p, &h);
            if (p.off != n->entries_off && stream_id_cmp(id, p.prev) <= 0)
                return "entry IDs not increasing";
            uint32_t end = stream__entry_end(n, p.off, &h);
            if (stream__entry_start_before(n, end) != p.off) return "back-length";
            if (h.hdr & ENTRY_DELETED) {
                deleted++;
            } else {
                live++;
                prefix_deleted = 0;
            }
            last = id;
            p.off = end;
            p.prev = id;
        }
        if (s->hint_node == n && s->hint_off == n->used) {
            if (!prefix_deleted || stream_id_cmp(p.prev, s->hint_prev) != 0) return "hint at end";
            hint_ok = 1;
        }
        if (!hint_ok) return "hint not at an entry";
        if (p.off != n->used) return "entries overrun used";
        if (stream_id_cmp(last, n->last_id) != 0) return "last entry's ID != last_id";
        if (live != n->n_live || deleted != n->n_deleted) return "entry counts";
        if ((n->n_dropped == 0) != (n->dropped_bytes == 0)) return "dropped entries and bytes";
    }
    if (nodes != s->n_nodes || tombs != s->n_tombs) return "node or tombstone count";
    if (s->n_nodes && (!s->slots[s->head].node || !s->slots[s->tail - 1].node))
        return "head or tail slot is a tombstone";
    if (bytes != s->node_bytes) return "node_bytes";
    if (length != s->length) return "length";
    if (!hint_found) return "hint names a node not in the index";
    return NULL;
}
