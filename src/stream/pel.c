/*
 * pel.c - the pending entries list: a slab of records and B+ trees of refs.
 *
 * Layout (see pel.h for the record format and the memory budget):
 *
 *   Slab: chunks[] of records. A PelRef is (chunk << 10) | slot, so a ref
 *   stays valid while the entry lives, whatever happens to the trees, until
 *   pel_compact() repacks the slab (pel.h, "Compaction"). Each
 *   chunk keeps its own free list (threaded through the count field of free
 *   records, whose owner is OWNER_FREE) and the chunks with room form a
 *   doubly linked list. A chunk whose last record is freed gives its memory
 *   back and its number is reused.
 *
 *   Trees: B+ trees whose leaves hold PelRefs (126 per 512-byte leaf) and
 *   whose inner nodes hold copies of IDs as separators (42 children per
 *   1000-byte node). Leaves compare through the slab; inner nodes never
 *   touch it, so a descent reads one slab record per leaf probe only.
 *   Separator key[i] lies between child[i] and child[i+1]: every ID in
 *   child[i] is below it and every ID in child[i+1] is at or above it. A
 *   deleted ID may stay behind as a separator; that keeps the bound true.
 *
 *   Splits: inserting past the last element of a full node keeps the full
 *   node as it is and starts a new one (appends, the common case, pack
 *   leaves to 100%); other inserts split evenly. Deletions rebalance a node
 *   that falls below a third of its capacity by merging with or borrowing
 *   from a sibling, so a tree is at least a third full in the worst case.
 *
 *   Key kinds: the group, consumer and released-zone trees order refs by
 *   ID; the idle tree (built on demand, see pel.h) by the key idle_key()
 *   makes of a record. The tree code reads keys only through tkey(), so one
 *   implementation serves both; separators are keys of the tree's kind.
 *
 * Rejected: leaf sibling links (16 bytes per leaf, and iterators with a
 * path stack are just as cheap), separators as refs (an inner node probe
 * would read the slab at random), a per-group hash for lookups (4+ bytes
 * more per entry when the tree finds an ID in ~20 comparisons anyway).
 */
#include "stream/pel.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* ---- Records and the slab --------------------------------------------- */

/* 24 bytes, 4-byte aligned. The ID is packed into 63 bits when it fits
 * (ms < 2^47, seq < 2^16: every ID generated from a clock this millennium
 * with fewer than 65536 entries per ms); otherwise idw holds ID_SIDE and the
 * ID is in the side map, as is a count of COUNT_SIDE or more. tie is when an
 * owned record's delivery time was last set, in the Pel's own sequence: it
 * orders records with the same delivery time in the claim order. */
typedef struct PelRec {
    uint32_t idw[2]; /* packed ID, low word first; free records: next free slot */
    uint16_t tm[3];  /* delivery time, 48 bits of ms, low word first */
    uint16_t count;  /* COUNT_SIDE: in the side map */
    uint32_t owner;  /* OWNER_FREE for a free record */
    uint32_t tie;    /* owned: sequence of the last delivery-time update */
} PelRec;

#define ID_SIDE    UINT64_MAX
#define COUNT_SIDE UINT16_MAX

#define CHUNK_SHIFT 10
#define CHUNK_MAX   (1u << CHUNK_SHIFT)
#define CHUNK_MASK  (CHUNK_MAX - 1)
#define CHUNK_MIN   8
#define CHUNK_LIMIT ((1u << (32 - CHUNK_SHIFT)) - 1) /* keeps refs below PEL_NONE */
#define OWNER_FREE  UINT32_MAX
#define NIL         UINT32_MAX

typedef struct Chunk {
    PelRec *rec;   /* NULL when the chunk number is unused */
    uint32_t cap;  /* records allocated */
    uint32_t used; /* records ever handed out (the rest are untouched) */
    uint32_t live;
    uint32_t free_head;  /* slot, or NIL */
    uint32_t prev, next; /* list of chunks with room */
    uint32_t in_list;
} Chunk;

typedef struct Slab {
    Chunk *chunks;
    uint32_t n_chunks, cap_chunks;
    uint32_t n_alive;   /* chunks with memory */
    uint64_t n_slots;   /* records allocated in all chunks (sum of cap) */
    uint32_t room_head; /* first chunk with room, or NIL */
    uint32_t *spare;    /* unused chunk numbers */
    uint32_t n_spare, cap_spare;
} Slab;

/* ---- Trees -------------------------------------------------------------- */

#define LEAF_CAP  126
#define INNER_CAP 42
#define LEAF_MIN  (LEAF_CAP / 3)
#define INNER_MIN (INNER_CAP / 3)

typedef struct NodeHdr {
    uint16_t n; /* leaf: refs; inner: children */
    uint16_t is_leaf;
    uint32_t unused;
} NodeHdr;

typedef struct Leaf {
    NodeHdr h;
    uint32_t ref[LEAF_CAP];
} Leaf;

typedef struct Inner {
    NodeHdr h;
    StreamId key[INNER_CAP - 1];
    NodeHdr *child[INNER_CAP];
} Inner;

/* What a tree orders its refs by. */
enum { TREE_BY_ID = 0, TREE_BY_IDLE = 1 };

typedef struct Tree {
    NodeHdr *root;
    uint64_t count;
    uint32_t height; /* 0 when empty, 1 when the root is a leaf */
    uint16_t alive;  /* owner slots: 1 while the owner exists */
    uint16_t kind;   /* TREE_BY_ID (zeroed trees are), TREE_BY_IDLE */
} Tree;

/* ---- Side map: IDs that do not pack, counts of COUNT_SIDE or more -------- */

typedef struct Side {
    StreamId id;
    uint64_t count;
} Side;

typedef struct SideMap {
    uint32_t *key; /* NIL = empty */
    Side *val;
    uint32_t cap, n;
} SideMap;

struct Pel {
    Slab slab;
    Tree all;
    Tree none; /* owner-less (released) entries, by ID */
    Tree idle; /* every entry in claim order; only while has_idle */
    int has_idle;
    uint64_t next_release; /* release sequence of the next XNACK */
    uint32_t next_tie;     /* tie of the next delivery-time update */
    Tree *owners;
    uint32_t n_owners, cap_owners;
    uint32_t *free_owners;
    uint32_t n_free_owners, cap_free_owners;
    SideMap side;
    size_t node_bytes;
};

/* ---- Slab ------------------------------------------------------------- */

static inline PelRec *rec_at(const Pel *p, PelRef r) {
    assert(r != PEL_NONE);
    assert((r >> CHUNK_SHIFT) < p->slab.n_chunks);
    const Chunk *c = &p->slab.chunks[r >> CHUNK_SHIFT];
    assert(c->rec != NULL && (r & CHUNK_MASK) < c->used);
    return &c->rec[r & CHUNK_MASK];
}

static inline StreamId rec_id(const Pel *p, PelRef r, const PelRec *rec);

static inline StreamId key_of(const Pel *p, uint32_t ref) {
    return rec_id(p, ref, rec_at(p, ref));
}

static StreamId idle_key(PelRef r, const PelRec *rec);

/* The key of ref in a tree of the given kind. */
static inline StreamId tkey(const Pel *p, int kind, uint32_t ref) {
    return kind == TREE_BY_IDLE ? idle_key(ref, rec_at(p, ref)) : key_of(p, ref);
}

static void room_push(Slab *s, uint32_t ci) {
    Chunk *c = &s->chunks[ci];
    assert(!c->in_list);
    c->prev = NIL;
    c->next = s->room_head;
    if (s->room_head != NIL) s->chunks[s->room_head].prev = ci;
    s->room_head = ci;
    c->in_list = 1;
}

static void room_unlink(Slab *s, uint32_t ci) {
    Chunk *c = &s->chunks[ci];
    assert(c->in_list);
    if (c->prev != NIL)
        s->chunks[c->prev].next = c->next;
    else
        s->room_head = c->next;
    if (c->next != NIL) s->chunks[c->next].prev = c->prev;
    c->in_list = 0;
}

static int chunk_has_room(const Chunk *c) {
    return c->free_head != NIL || c->used < CHUNK_MAX;
}

static uint32_t chunk_new(Slab *s) {
    uint32_t ci;
    if (s->n_spare > 0) {
        ci = s->spare[--s->n_spare];
    } else {
        if (s->n_chunks == CHUNK_LIMIT) {
            fprintf(stderr, "pel: more than %u pending entries in one group\n",
                    CHUNK_LIMIT * CHUNK_MAX);
            abort();
        }
        if (s->n_chunks == s->cap_chunks) {
            s->cap_chunks = s->cap_chunks ? s->cap_chunks * 2 : 4;
            s->chunks = xrealloc(s->chunks, s->cap_chunks * sizeof(Chunk));
        }
        ci = s->n_chunks++;
    }
    Chunk *c = &s->chunks[ci];
    /* The first chunk of a small list starts small: most groups hold a few
     * pending entries, and a 32 KiB chunk each would dwarf them. */
    c->cap = s->n_alive == 0 ? CHUNK_MIN : CHUNK_MAX;
    c->rec = xmalloc(c->cap * sizeof(PelRec));
    s->n_slots += c->cap;
    c->used = 0;
    c->live = 0;
    c->free_head = NIL;
    c->in_list = 0;
    s->n_alive++;
    room_push(s, ci);
    return ci;
}

static PelRef slab_alloc(Slab *s) {
    if (s->room_head == NIL) chunk_new(s);
    uint32_t ci = s->room_head;
    Chunk *c = &s->chunks[ci];
    uint32_t slot;
    if (c->free_head != NIL) {
        slot = c->free_head;
        assert(c->rec[slot].owner == OWNER_FREE);
        c->free_head = c->rec[slot].idw[0];
    } else {
        assert(c->used < CHUNK_MAX);
        if (c->used == c->cap) {
            s->n_slots += c->cap;
            c->cap *= 2;
            c->rec = xrealloc(c->rec, c->cap * sizeof(PelRec));
        }
        slot = c->used++;
    }
    c->live++;
    if (!chunk_has_room(c)) room_unlink(s, ci);
    return (ci << CHUNK_SHIFT) | slot;
}

static void slab_release(Slab *s, PelRef r) {
    uint32_t ci = r >> CHUNK_SHIFT, slot = r & CHUNK_MASK;
    Chunk *c = &s->chunks[ci];
    assert(c->live > 0);
    c->rec[slot].owner = OWNER_FREE;
    c->rec[slot].idw[0] = c->free_head;
    c->free_head = slot;
    c->live--;
    if (c->live == 0) {
        if (c->in_list) room_unlink(s, ci);
        xfree(c->rec);
        s->n_slots -= c->cap;
        c->rec = NULL;
        c->cap = c->used = 0;
        c->free_head = NIL;
        s->n_alive--;
        if (s->n_spare == s->cap_spare) {
            s->cap_spare = s->cap_spare ? s->cap_spare * 2 : 4;
            s->spare = xrealloc(s->spare, s->cap_spare * sizeof(uint32_t));
        }
        s->spare[s->n_spare++] = ci;
    } else if (!c->in_list) {
        room_push(s, ci);
    }
}

/* ---- Side map ---------------------------------------------------------- */

static inline uint32_t side_hash(uint32_t k, uint32_t cap) {
    return (uint32_t)((k * 2654435761u) & (cap - 1));
}

static uint32_t side_slot(const SideMap *m, uint32_t k) {
    uint32_t i = side_hash(k, m->cap);
    while (m->key[i] != NIL && m->key[i] != k) i = (i + 1) & (m->cap - 1);
    return i;
}

static Side *side_find(const SideMap *m, uint32_t k) {
    if (m->cap == 0) return NULL;
    uint32_t i = side_slot(m, k);
    return m->key[i] == k ? &m->val[i] : NULL;
}

static Side *side_get(const SideMap *m, uint32_t k) {
    Side *v = side_find(m, k);
    assert(v != NULL);
    return v;
}

/* The entry for k, added (zeroed) if absent. */
static Side *side_put(SideMap *m, uint32_t k) {
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t old_cap = m->cap;
        uint32_t *old_key = m->key;
        Side *old_val = m->val;
        m->cap = old_cap ? old_cap * 2 : 8;
        m->key = xmalloc(m->cap * sizeof(uint32_t));
        m->val = xmalloc(m->cap * sizeof(Side));
        for (uint32_t i = 0; i < m->cap; i++) m->key[i] = NIL;
        for (uint32_t i = 0; i < old_cap; i++) {
            if (old_key[i] == NIL) continue;
            uint32_t j = side_slot(m, old_key[i]);
            m->key[j] = old_key[i];
            m->val[j] = old_val[i];
        }
        xfree(old_key);
        xfree(old_val);
    }
    uint32_t i = side_slot(m, k);
    if (m->key[i] == NIL) {
        m->key[i] = k;
        memset(&m->val[i], 0, sizeof(Side));
        m->n++;
    }
    return &m->val[i];
}

/* Deletes with backward shifting so that probe chains stay unbroken. */
static void side_del(SideMap *m, uint32_t k) {
    uint32_t mask = m->cap - 1;
    uint32_t i = side_slot(m, k);
    assert(m->key[i] == k);
    m->key[i] = NIL;
    m->n--;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->key[j] == NIL) break;
        uint32_t home = side_hash(m->key[j], m->cap);
        /* Move j into the hole at i unless its home lies in (i, j]. */
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            m->key[i] = m->key[j];
            m->val[i] = m->val[j];
            m->key[j] = NIL;
            i = j;
        }
    }
}

/* ---- Record fields -------------------------------------------------------- */

static inline uint64_t rec_idword(const PelRec *rec) {
    return (uint64_t)rec->idw[0] | (uint64_t)rec->idw[1] << 32;
}

static inline int rec_id_is_side(const PelRec *rec) {
    return rec_idword(rec) == ID_SIDE;
}

static inline StreamId rec_id(const Pel *p, PelRef r, const PelRec *rec) {
    uint64_t w = rec_idword(rec);
    if (w == ID_SIDE) return side_get(&p->side, r)->id;
    return stream_id_make(w >> 16, w & 0xffff);
}

/* Sets the ID of a record being filled in (count and side entry not yet). */
static void rec_set_id(Pel *p, PelRef r, PelRec *rec, StreamId id) {
    uint64_t w = ID_SIDE;
    if (id.ms < (1ULL << 47) && id.seq <= 0xffff)
        w = id.ms << 16 | id.seq;
    else
        side_put(&p->side, r)->id = id;
    rec->idw[0] = (uint32_t)w;
    rec->idw[1] = (uint32_t)(w >> 32);
}

static inline int64_t rec_time(const PelRec *rec) {
    return (int64_t)((uint64_t)rec->tm[0] | (uint64_t)rec->tm[1] << 16 |
                     (uint64_t)rec->tm[2] << 32);
}

static inline void rec_set_time(PelRec *rec, int64_t ms) {
    assert(ms >= 0 && ms < PEL_TIME_LIMIT);
    rec->tm[0] = (uint16_t)ms;
    rec->tm[1] = (uint16_t)(ms >> 16);
    rec->tm[2] = (uint16_t)(ms >> 32);
}

/* The key of a record in the idle tree (claim order):
 *
 *   released (owner PEL_OWNER_NONE):  {0, release sequence}
 *   owned:                             {delivery time + 1, tie}
 *
 * The time bits of a released record hold its release sequence (its
 * delivery time is 0 by definition), so the released zone comes first, in
 * release order, and owned records follow from the longest idle on. Among
 * records with the same delivery time the one whose time was set first
 * comes first, as in Redis's time-ordered PEL list, where an updated entry
 * goes after every entry of the same time (pelListInsertSorted). */
static StreamId idle_key(PelRef r, const PelRec *rec) {
    (void)r;
    if (rec->owner == PEL_OWNER_NONE) return stream_id_make(0, (uint64_t)rec_time(rec));
    return stream_id_make((uint64_t)rec_time(rec) + 1, rec->tie);
}

static uint64_t rec_count(const Pel *p, PelRef r, const PelRec *rec) {
    return rec->count == COUNT_SIDE ? side_get(&p->side, r)->count : rec->count;
}

static void rec_set_count(Pel *p, PelRef r, PelRec *rec, uint64_t count) {
    if (count >= COUNT_SIDE) {
        side_put(&p->side, r)->count = count;
        rec->count = COUNT_SIDE;
        return;
    }
    if (rec->count == COUNT_SIDE && !rec_id_is_side(rec)) side_del(&p->side, r);
    rec->count = (uint16_t)count;
}

/* Drops a record's side entry, if it has one (before the record is freed). */
static void rec_drop_side(Pel *p, PelRef r, const PelRec *rec) {
    if (rec->count == COUNT_SIDE || rec_id_is_side(rec)) side_del(&p->side, r);
}

/* ---- B+ tree ------------------------------------------------------------ */

static Leaf *leaf_new(Pel *p) {
    Leaf *l = xmalloc(sizeof(Leaf));
    l->h.n = 0;
    l->h.is_leaf = 1;
    l->h.unused = 0;
    p->node_bytes += sizeof(Leaf);
    return l;
}

static Inner *inner_new(Pel *p) {
    Inner *in = xmalloc(sizeof(Inner));
    in->h.n = 0;
    in->h.is_leaf = 0;
    in->h.unused = 0;
    p->node_bytes += sizeof(Inner);
    return in;
}

static void node_free(Pel *p, NodeHdr *n) {
    p->node_bytes -= n->is_leaf ? sizeof(Leaf) : sizeof(Inner);
    xfree(n);
}

static void node_free_all(Pel *p, NodeHdr *n) {
    if (!n) return;
    if (!n->is_leaf) {
        Inner *in = (Inner *)n;
        for (int i = 0; i < in->h.n; i++) node_free_all(p, in->child[i]);
    }
    node_free(p, n);
}

/* Index of the child of an inner node that may hold id: the number of
 * separators at or below id. */
static int inner_child_for(const Inner *in, StreamId id) {
    int lo = 0, hi = in->h.n - 1; /* separators */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (stream_id_cmp(id, in->key[mid]) < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* First position in a leaf whose ID is >= id. */
static int leaf_lower_bound(const Pel *p, int kind, const Leaf *l, StreamId id) {
    int lo = 0, hi = l->h.n;
    /* Appends and scans from the end are common: check the last ID first. */
    if (hi > 0 && stream_id_cmp(tkey(p, kind, l->ref[hi - 1]), id) < 0) return hi;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (stream_id_cmp(tkey(p, kind, l->ref[mid]), id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void tree_insert(Pel *p, Tree *t, PelRef ref) {
    int kind = t->kind;
    StreamId id = tkey(p, kind, ref);
    if (!t->root) {
        Leaf *l = leaf_new(p);
        l->ref[0] = ref;
        l->h.n = 1;
        t->root = &l->h;
        t->height = 1;
        t->count = 1;
        return;
    }
    Inner *path[PEL_ITER_DEPTH];
    int idx[PEL_ITER_DEPTH];
    NodeHdr *n = t->root;
    for (uint32_t lv = 0; lv + 1 < t->height; lv++) {
        Inner *in = (Inner *)n;
        assert(!in->h.is_leaf);
        path[lv] = in;
        idx[lv] = inner_child_for(in, id);
        n = in->child[idx[lv]];
    }
    Leaf *l = (Leaf *)n;
    assert(l->h.is_leaf);
    int pos = leaf_lower_bound(p, kind, l, id);
    assert(pos == l->h.n || stream_id_cmp(tkey(p, kind, l->ref[pos]), id) != 0);
    t->count++;
    if (l->h.n < LEAF_CAP) {
        memmove(&l->ref[pos + 1], &l->ref[pos], (size_t)(l->h.n - pos) * sizeof(uint32_t));
        l->ref[pos] = ref;
        l->h.n++;
        return;
    }

    /* Split the leaf. */
    Leaf *r = leaf_new(p);
    if (pos == LEAF_CAP) {
        r->ref[0] = ref;
        r->h.n = 1;
    } else {
        uint32_t tmp[LEAF_CAP + 1];
        memcpy(tmp, l->ref, (size_t)pos * sizeof(uint32_t));
        tmp[pos] = ref;
        memcpy(&tmp[pos + 1], &l->ref[pos], (size_t)(LEAF_CAP - pos) * sizeof(uint32_t));
        int left_n = (LEAF_CAP + 1) / 2;
        memcpy(l->ref, tmp, (size_t)left_n * sizeof(uint32_t));
        l->h.n = (uint16_t)left_n;
        memcpy(r->ref, &tmp[left_n], (size_t)(LEAF_CAP + 1 - left_n) * sizeof(uint32_t));
        r->h.n = (uint16_t)(LEAF_CAP + 1 - left_n);
    }
    StreamId sep = tkey(p, kind, r->ref[0]);
    NodeHdr *new_child = &r->h;

    /* Insert the new child into the ancestors, splitting them as needed. */
    for (int lv = (int)t->height - 2; lv >= 0; lv--) {
        Inner *in = path[lv];
        int i = idx[lv]; /* new child goes to i + 1, its separator to i */
        int nc = in->h.n;
        if (nc < INNER_CAP) {
            memmove(&in->key[i + 1], &in->key[i], (size_t)(nc - 1 - i) * sizeof(StreamId));
            memmove(&in->child[i + 2], &in->child[i + 1], (size_t)(nc - 1 - i) * sizeof(NodeHdr *));
            in->key[i] = sep;
            in->child[i + 1] = new_child;
            in->h.n++;
            return;
        }
        Inner *rn = inner_new(p);
        if (i + 1 == nc) {
            /* Appending: keep the node full, move its last child over. */
            StreamId up = in->key[nc - 2];
            rn->child[0] = in->child[nc - 1];
            rn->child[1] = new_child;
            rn->key[0] = sep;
            rn->h.n = 2;
            in->h.n = (uint16_t)(nc - 1);
            sep = up;
        } else {
            StreamId tk[INNER_CAP];
            NodeHdr *tc[INNER_CAP + 1];
            memcpy(tk, in->key, (size_t)i * sizeof(StreamId));
            tk[i] = sep;
            memcpy(&tk[i + 1], &in->key[i], (size_t)(nc - 1 - i) * sizeof(StreamId));
            memcpy(tc, in->child, (size_t)(i + 1) * sizeof(NodeHdr *));
            tc[i + 1] = new_child;
            memcpy(&tc[i + 2], &in->child[i + 1], (size_t)(nc - 1 - i) * sizeof(NodeHdr *));
            int left_c = (INNER_CAP + 1) / 2;
            int right_c = INNER_CAP + 1 - left_c;
            memcpy(in->child, tc, (size_t)left_c * sizeof(NodeHdr *));
            memcpy(in->key, tk, (size_t)(left_c - 1) * sizeof(StreamId));
            in->h.n = (uint16_t)left_c;
            sep = tk[left_c - 1];
            memcpy(rn->child, &tc[left_c], (size_t)right_c * sizeof(NodeHdr *));
            memcpy(rn->key, &tk[left_c], (size_t)(right_c - 1) * sizeof(StreamId));
            rn->h.n = (uint16_t)right_c;
        }
        new_child = &rn->h;
    }

    /* The root split: grow the tree by one level. */
    assert(t->height < PEL_ITER_DEPTH);
    Inner *root = inner_new(p);
    root->child[0] = t->root;
    root->child[1] = new_child;
    root->key[0] = sep;
    root->h.n = 2;
    t->root = &root->h;
    t->height++;
}

/* Rebalances child i of parent (which fell below its minimum) with a
 * sibling. Returns 1 if the two merged (the parent lost a child). */
static int fix_child(Pel *p, int kind, Inner *parent, int i) {
    assert(parent->h.n >= 2);
    int k = i > 0 ? i - 1 : i; /* separator between left and right */
    NodeHdr *ln = parent->child[k], *rn = parent->child[k + 1];
    if (ln->is_leaf) {
        Leaf *l = (Leaf *)ln, *r = (Leaf *)rn;
        int total = l->h.n + r->h.n;
        if (total <= LEAF_CAP) {
            memcpy(&l->ref[l->h.n], r->ref, (size_t)r->h.n * sizeof(uint32_t));
            l->h.n = (uint16_t)total;
            node_free(p, rn);
        } else {
            int want_l = total / 2;
            if (l->h.n < want_l) {
                int mv = want_l - l->h.n;
                memcpy(&l->ref[l->h.n], r->ref, (size_t)mv * sizeof(uint32_t));
                memmove(r->ref, &r->ref[mv], (size_t)(r->h.n - mv) * sizeof(uint32_t));
                l->h.n = (uint16_t)want_l;
                r->h.n = (uint16_t)(total - want_l);
            } else {
                int mv = l->h.n - want_l;
                memmove(&r->ref[mv], r->ref, (size_t)r->h.n * sizeof(uint32_t));
                memcpy(r->ref, &l->ref[want_l], (size_t)mv * sizeof(uint32_t));
                l->h.n = (uint16_t)want_l;
                r->h.n = (uint16_t)(total - want_l);
            }
            parent->key[k] = tkey(p, kind, r->ref[0]);
            return 0;
        }
    } else {
        Inner *l = (Inner *)ln, *r = (Inner *)rn;
        int total = l->h.n + r->h.n;
        if (total <= INNER_CAP) {
            l->key[l->h.n - 1] = parent->key[k];
            memcpy(&l->key[l->h.n], r->key, (size_t)(r->h.n - 1) * sizeof(StreamId));
            memcpy(&l->child[l->h.n], r->child, (size_t)r->h.n * sizeof(NodeHdr *));
            l->h.n = (uint16_t)total;
            node_free(p, rn);
        } else {
            StreamId tk[2 * INNER_CAP];
            NodeHdr *tc[2 * INNER_CAP];
            int nk = 0, ncs = 0;
            for (int j = 0; j < l->h.n - 1; j++) tk[nk++] = l->key[j];
            tk[nk++] = parent->key[k];
            for (int j = 0; j < r->h.n - 1; j++) tk[nk++] = r->key[j];
            for (int j = 0; j < l->h.n; j++) tc[ncs++] = l->child[j];
            for (int j = 0; j < r->h.n; j++) tc[ncs++] = r->child[j];
            assert(ncs == total && nk == total - 1);
            int left_c = total / 2;
            memcpy(l->child, tc, (size_t)left_c * sizeof(NodeHdr *));
            memcpy(l->key, tk, (size_t)(left_c - 1) * sizeof(StreamId));
            l->h.n = (uint16_t)left_c;
            parent->key[k] = tk[left_c - 1];
            memcpy(r->child, &tc[left_c], (size_t)(total - left_c) * sizeof(NodeHdr *));
            memcpy(r->key, &tk[left_c], (size_t)(total - left_c - 1) * sizeof(StreamId));
            r->h.n = (uint16_t)(total - left_c);
            return 0;
        }
    }
    /* Merged: drop separator k and child k + 1 from the parent. */
    int nc = parent->h.n;
    memmove(&parent->key[k], &parent->key[k + 1], (size_t)(nc - 2 - k) * sizeof(StreamId));
    memmove(&parent->child[k + 1], &parent->child[k + 2], (size_t)(nc - 2 - k) * sizeof(NodeHdr *));
    parent->h.n--;
    return 1;
}

/* Removes id from the tree; returns the ref it held, or PEL_NONE. */
static PelRef tree_delete(Pel *p, Tree *t, StreamId id) {
    if (!t->root) return PEL_NONE;
    Inner *path[PEL_ITER_DEPTH];
    int idx[PEL_ITER_DEPTH];
    NodeHdr *n = t->root;
    for (uint32_t lv = 0; lv + 1 < t->height; lv++) {
        Inner *in = (Inner *)n;
        path[lv] = in;
        idx[lv] = inner_child_for(in, id);
        n = in->child[idx[lv]];
    }
    Leaf *l = (Leaf *)n;
    int pos = leaf_lower_bound(p, t->kind, l, id);
    if (pos == l->h.n || stream_id_cmp(tkey(p, t->kind, l->ref[pos]), id) != 0) return PEL_NONE;
    PelRef found = l->ref[pos];
    memmove(&l->ref[pos], &l->ref[pos + 1], (size_t)(l->h.n - pos - 1) * sizeof(uint32_t));
    l->h.n--;
    t->count--;

    NodeHdr *cur = &l->h;
    for (int lv = (int)t->height - 2; lv >= 0; lv--) {
        int min = cur->is_leaf ? LEAF_MIN : INNER_MIN;
        if (cur->n >= min) break;
        if (!fix_child(p, t->kind, path[lv], idx[lv])) break;
        cur = &path[lv]->h;
    }
    /* Shrink from the top. */
    if (t->root->is_leaf) {
        if (t->root->n == 0) {
            node_free(p, t->root);
            t->root = NULL;
            t->height = 0;
        }
    } else if (t->root->n == 1) {
        Inner *old = (Inner *)t->root;
        t->root = old->child[0];
        node_free(p, &old->h);
        t->height--;
    }
    return found;
}

static PelRef tree_find(const Pel *p, const Tree *t, StreamId id) {
    NodeHdr *n = t->root;
    if (!n) return PEL_NONE;
    while (!n->is_leaf) {
        const Inner *in = (const Inner *)n;
        n = in->child[inner_child_for(in, id)];
    }
    const Leaf *l = (const Leaf *)n;
    int pos = leaf_lower_bound(p, t->kind, l, id);
    if (pos < l->h.n && stream_id_cmp(tkey(p, t->kind, l->ref[pos]), id) == 0) return l->ref[pos];
    return PEL_NONE;
}

static PelRef tree_edge(const Tree *t, int last) {
    NodeHdr *n = t->root;
    if (!n) return PEL_NONE;
    while (!n->is_leaf) {
        const Inner *in = (const Inner *)n;
        n = in->child[last ? in->h.n - 1 : 0];
    }
    const Leaf *l = (const Leaf *)n;
    return l->ref[last ? l->h.n - 1 : 0];
}

/* ---- Owners --------------------------------------------------------------- */

static Tree *owner_tree(Pel *p, uint32_t owner) {
    if (owner == PEL_OWNER_ALL) return &p->all;
    if (owner == PEL_OWNER_NONE) return &p->none;
    assert(owner < p->n_owners && p->owners[owner].alive);
    return &p->owners[owner];
}

static const Tree *owner_tree_c(const Pel *p, uint32_t owner) {
    return owner_tree((Pel *)p, owner);
}

/* ---- The idle tree and the released zone ------------------------------- */

/* Removes r from the idle tree, if there is one, before its key changes or
 * the record goes. */
static void idle_unlink(Pel *p, PelRef r, const PelRec *rec) {
    if (!p->has_idle) return;
    PelRef found = tree_delete(p, &p->idle, idle_key(r, rec));
    assert(found == r);
    (void)found;
}

static void idle_link(Pel *p, PelRef r) {
    if (p->has_idle) tree_insert(p, &p->idle, r);
}

typedef struct SeqRef {
    uint64_t seq;
    PelRef ref;
} SeqRef;

static int seqref_cmp(const void *a, const void *b) {
    const SeqRef *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The released records with their sequences, sorted by sequence; returns an
 * owned array of pel_owner_len(p, PEL_OWNER_NONE) elements (NULL if none). */
static SeqRef *released_sorted(const Pel *p) {
    uint64_t n = p->none.count;
    if (n == 0) return NULL;
    SeqRef *v = xmalloc(n * sizeof(SeqRef));
    PelIter it;
    pel_iter_seek(&it, p, PEL_OWNER_NONE, stream_id_make(0, 0));
    uint64_t k = 0;
    for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
        v[k].seq = (uint64_t)rec_time(rec_at(p, r));
        v[k].ref = r;
        k++;
    }
    assert(k == n);
    qsort(v, n, sizeof(SeqRef), seqref_cmp);
    return v;
}

/* The next release sequence. Sequences restart at 0 whenever the zone is
 * empty; a zone that never empties across 2^48 releases is renumbered
 * 0, 1, ... in its order, which keeps every key below PEL_TIME_LIMIT. */
static uint64_t release_seq_next(Pel *p) {
    if (p->none.count == 0) p->next_release = 0;
    if (p->next_release >= (uint64_t)PEL_TIME_LIMIT) {
        SeqRef *v = released_sorted(p);
        for (uint64_t i = 0; i < p->none.count; i++) {
            PelRec *rec = rec_at(p, v[i].ref);
            idle_unlink(p, v[i].ref, rec);
            rec_set_time(rec, (int64_t)i);
            idle_link(p, v[i].ref);
        }
        p->next_release = p->none.count;
        xfree(v);
    }
    return p->next_release++;
}

typedef struct KeyRef {
    StreamId key;
    PelRef ref;
} KeyRef;

static int keyref_cmp(const void *a, const void *b) {
    return stream_id_cmp(((const KeyRef *)a)->key, ((const KeyRef *)b)->key);
}

static int tieref_cmp(const void *a, const void *b) {
    uint64_t x = ((const KeyRef *)a)->key.seq, y = ((const KeyRef *)b)->key.seq;
    return x < y ? -1 : x > y;
}

/* The owned records sorted by (delivery time, tie): an owned array of n. */
static KeyRef *owned_by_time(const Pel *p, uint64_t *n_out) {
    uint64_t n = p->all.count - p->none.count, k = 0;
    KeyRef *v = n ? xmalloc(n * sizeof(KeyRef)) : NULL;
    PelIter it;
    pel_iter_seek(&it, p, PEL_OWNER_ALL, stream_id_make(0, 0));
    for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
        const PelRec *rec = rec_at(p, r);
        if (rec->owner == PEL_OWNER_NONE) continue;
        v[k].key = stream_id_make((uint64_t)rec_time(rec), rec->tie);
        v[k].ref = r;
        k++;
    }
    assert(k == n);
    if (n) qsort(v, n, sizeof(KeyRef), keyref_cmp);
    *n_out = n;
    return v;
}

/* Sets the tie of an owned record whose delivery time was just set, so
 * that it comes after every other record: the record is in the group and
 * owner trees and not in the idle tree. Ties restart at 0 when no other
 * record is owned; when they run out the owned records are renumbered 0,
 * 1, ... in their order (O(n log n), once per 2^32 updates), and the idle
 * tree, whose separators hold old ties, is dropped, to be built again when
 * next asked for. */
static void rec_touch(Pel *p, PelRec *rec) {
    if (p->all.count - p->none.count <= 1) p->next_tie = 0;
    if (p->next_tie != UINT32_MAX) {
        rec->tie = p->next_tie++;
        return;
    }
    uint64_t n;
    rec->tie = UINT32_MAX; /* the last of its time, as it should be */
    KeyRef *v = owned_by_time(p, &n);
    for (uint64_t i = 0; i < n; i++) rec_at(p, v[i].ref)->tie = (uint32_t)i;
    xfree(v);
    p->next_tie = (uint32_t)n;
    if (p->has_idle) {
        node_free_all(p, p->idle.root);
        p->idle.root = NULL;
        p->idle.count = 0;
        p->idle.height = 0;
        p->has_idle = 0;
    }
}

/* Builds the idle tree from every entry: sorted first, so the inserts are
 * appends and the leaves come out full. O(n log n), once per group. */
static void idle_build(Pel *p) {
    assert(!p->has_idle && p->idle.root == NULL);
    p->idle.kind = TREE_BY_IDLE;
    p->has_idle = 1;
    uint64_t n = p->all.count;
    if (n == 0) return;
    KeyRef *v = xmalloc(n * sizeof(KeyRef));
    PelIter it;
    pel_iter_seek(&it, p, PEL_OWNER_ALL, stream_id_make(0, 0));
    uint64_t k = 0;
    for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
        v[k].key = idle_key(r, rec_at(p, r));
        v[k].ref = r;
        k++;
    }
    assert(k == n);
    qsort(v, n, sizeof(KeyRef), keyref_cmp);
    for (uint64_t i = 0; i < n; i++) tree_insert(p, &p->idle, v[i].ref);
    xfree(v);
}

/* Unlinks a live record from every tree and frees it. */
static void rec_remove(Pel *p, PelRef r, PelRec *rec, int in_all) {
    StreamId id = rec_id(p, r, rec);
    PelRef found;
    if (in_all) {
        found = tree_delete(p, &p->all, id);
        assert(found == r);
    }
    found = tree_delete(p, owner_tree(p, rec->owner), id);
    assert(found == r);
    (void)found;
    idle_unlink(p, r, rec);
    rec_drop_side(p, r, rec);
    slab_release(&p->slab, r);
}

/* ---- Compaction --------------------------------------------------------- */

/* pel_compact() repacks once at least half the slab's slots are free and
 * that slack is at least this many records (two chunks). */
#define COMPACT_SLACK (2 * CHUNK_MAX)

/* Where a record of the old slab went: slab_repack() leaves the new ref in
 * the old copy's first ID word. */
static inline PelRef moved_to(const Slab *old, PelRef r) {
    assert((r >> CHUNK_SHIFT) < old->n_chunks);
    const Chunk *c = &old->chunks[r >> CHUNK_SHIFT];
    assert(c->rec != NULL && (r & CHUNK_MASK) < c->used);
    assert(c->rec[r & CHUNK_MASK].owner != OWNER_FREE);
    return c->rec[r & CHUNK_MASK].idw[0];
}

/* Copies the records of a subtree of the group tree, in ID order, to the
 * packed slab ns, where the k-th record's ref is k, and leaves each new ref
 * in the old copy. */
static void node_pack(const Slab *old, const NodeHdr *n, Slab *ns, uint64_t *next) {
    if (!n->is_leaf) {
        const Inner *in = (const Inner *)n;
        for (int i = 0; i < in->h.n; i++) node_pack(old, in->child[i], ns, next);
        return;
    }
    const Leaf *l = (const Leaf *)n;
    for (int i = 0; i < l->h.n; i++) {
        PelRef r = l->ref[i];
        assert((r >> CHUNK_SHIFT) < old->n_chunks);
        PelRec *orec = &old->chunks[r >> CHUNK_SHIFT].rec[r & CHUNK_MASK];
        assert(orec->owner != OWNER_FREE);
        PelRef nr = (PelRef)*next;
        Chunk *c = &ns->chunks[nr >> CHUNK_SHIFT];
        assert((nr & CHUNK_MASK) < c->used);
        c->rec[nr & CHUNK_MASK] = *orec;
        orec->idw[0] = nr;
        (*next)++;
    }
}

/* Appends the refs of a subtree, in order, as they are after the move. */
static void node_collect(const NodeHdr *n, const Slab *old, PelRef *out, uint64_t *k) {
    if (!n->is_leaf) {
        const Inner *in = (const Inner *)n;
        for (int i = 0; i < in->h.n; i++) node_collect(in->child[i], old, out, k);
        return;
    }
    const Leaf *l = (const Leaf *)n;
    for (int i = 0; i < l->h.n; i++) out[(*k)++] = moved_to(old, l->ref[i]);
}

/* Replaces a tree's nodes with a packed tree of the n refs in refs, which
 * are in the tree's order: each level is cut into as few nodes as hold it,
 * of sizes that differ by one at most, so every node is full or nearly
 * (at least half full) and a descent meets no more nodes than it must.
 * Separators are the first keys of the right-hand subtrees. O(n). */
static void tree_build(Pel *p, Tree *t, const PelRef *refs, uint64_t n) {
    node_free_all(p, t->root);
    t->root = NULL;
    t->count = n;
    t->height = 0;
    if (n == 0) return;
    uint64_t m = (n + LEAF_CAP - 1) / LEAF_CAP;
    NodeHdr **level = xmalloc(m * sizeof(NodeHdr *));
    StreamId *first = xmalloc(m * sizeof(StreamId));
    uint64_t at = 0;
    for (uint64_t j = 0; j < m; j++) {
        uint64_t size = n / m + (j < n % m);
        assert(size >= 1 && size <= LEAF_CAP);
        Leaf *l = leaf_new(p);
        memcpy(l->ref, &refs[at], size * sizeof(uint32_t));
        l->h.n = (uint16_t)size;
        level[j] = &l->h;
        first[j] = tkey(p, t->kind, refs[at]);
        at += size;
    }
    t->height = 1;
    /* Upper levels, in place: group j is read from indices >= j. */
    while (m > 1) {
        uint64_t q = (m + INNER_CAP - 1) / INNER_CAP;
        at = 0;
        for (uint64_t j = 0; j < q; j++) {
            uint64_t size = m / q + (j < m % q);
            assert(size >= 2 && size <= INNER_CAP);
            Inner *in = inner_new(p);
            for (uint64_t c = 0; c < size; c++) {
                in->child[c] = level[at + c];
                if (c > 0) in->key[c - 1] = first[at + c];
            }
            in->h.n = (uint16_t)size;
            first[j] = first[at];
            level[j] = &in->h;
            at += size;
        }
        m = q;
        t->height++;
        assert(t->height <= PEL_ITER_DEPTH);
    }
    t->root = level[0];
    xfree(level);
    xfree(first);
}

/* Rebuilds a tree whose refs are those of the old slab. */
static void tree_rebuild(Pel *p, Tree *t, const Slab *old, PelRef *buf) {
    uint64_t k = 0;
    if (t->root) node_collect(t->root, old, buf, &k);
    assert(k == t->count);
    tree_build(p, t, buf, k);
}

/* Rebuilds the side map under the new refs (sized for what it holds). */
static void side_rekey(SideMap *m, const Slab *old) {
    SideMap nm = {NULL, NULL, 0, m->n};
    if (m->n > 0) {
        nm.cap = 8;
        while ((m->n + 1) * 2 > nm.cap) nm.cap *= 2;
        nm.key = xmalloc(nm.cap * sizeof(uint32_t));
        nm.val = xmalloc(nm.cap * sizeof(Side));
        for (uint32_t i = 0; i < nm.cap; i++) nm.key[i] = NIL;
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->key[i] == NIL) continue;
            PelRef k = moved_to(old, m->key[i]);
            uint32_t j = side_slot(&nm, k);
            assert(nm.key[j] == NIL);
            nm.key[j] = k;
            nm.val[j] = m->val[i];
        }
    }
    xfree(m->key);
    xfree(m->val);
    *m = nm;
}

/* Moves every live record into a new, packed slab in ID order (record k of
 * the group order gets ref k; only the last chunk has room, its capacity
 * the power of two that holds its records), rekeys the side map, rebuilds
 * every tree packed under the new refs and frees the old slab. Every ref
 * held outside the Pel is invalid afterwards. O(n) for n live records,
 * plus the old slab's chunk count; the old slab and the new one coexist
 * meanwhile (the new one is at most half the old one's size when
 * pel_compact() calls this). */
/* A slab for live records with refs 0 .. live-1 (their records still to be
 * written): full chunks, the last one's capacity the power of two that holds
 * its records. Returns the number of chunks. */
static uint32_t slab_packed(Slab *ns, uint64_t live) {
    memset(ns, 0, sizeof(*ns));
    ns->room_head = NIL;
    uint32_t k = (uint32_t)((live + CHUNK_MAX - 1) / CHUNK_MAX);
    if (k == 0) return 0;
    ns->chunks = xmalloc(k * sizeof(Chunk));
    ns->n_chunks = ns->cap_chunks = ns->n_alive = k;
    for (uint32_t ci = 0; ci < k; ci++) {
        Chunk *c = &ns->chunks[ci];
        uint32_t n = ci + 1 < k ? CHUNK_MAX : (uint32_t)(live - (uint64_t)ci * CHUNK_MAX);
        uint32_t cap = CHUNK_MIN;
        while (cap < n) cap *= 2;
        c->rec = xmalloc(cap * sizeof(PelRec));
        c->cap = cap;
        c->used = c->live = n;
        c->free_head = NIL;
        c->in_list = 0;
        ns->n_slots += cap;
    }
    if (ns->chunks[k - 1].used < CHUNK_MAX) room_push(ns, k - 1);
    return k;
}

static void slab_repack(Pel *p) {
    Slab old = p->slab;
    uint64_t live = p->all.count;
    Slab ns;
    uint32_t k = slab_packed(&ns, live);
    if (k > 0) {
        uint64_t next = 0;
        node_pack(&old, p->all.root, &ns, &next);
        assert(next == live);
    }
    /* The new refs are in the old copies now: the side map first, as the
     * trees' separators are read through it (IDs that do not pack). */
    side_rekey(&p->side, &old);
    p->slab = ns;
    if (k > 0) {
        PelRef *buf = xmalloc(live * sizeof(PelRef));
        tree_rebuild(p, &p->all, &old, buf);
        tree_rebuild(p, &p->none, &old, buf);
        for (uint32_t i = 0; i < p->n_owners; i++)
            if (p->owners[i].alive) tree_rebuild(p, &p->owners[i], &old, buf);
        if (p->has_idle) tree_rebuild(p, &p->idle, &old, buf);
        xfree(buf);
    }
    for (uint32_t i = 0; i < old.n_chunks; i++) xfree(old.chunks[i].rec);
    xfree(old.chunks);
    xfree(old.spare);
}

/* ---- Public API ----------------------------------------------------------- */

/* Returns an owned, empty pending list; free with pel_free(). */
Pel *pel_new(void) {
    Pel *p = xcalloc(1, sizeof(Pel));
    p->slab.room_head = NIL;
    p->idle.kind = TREE_BY_IDLE;
    return p;
}

/*
 * Returns an owned copy of src with the same entries, owner numbers, free
 * owner numbers, delivery times, counts, release sequences and ties, so
 * every order (ID, owner, release, claim) is the same. Packed as
 * slab_repack() leaves a slab; the idle tree is built when first asked for,
 * as in a new list. Borrows src. O(n) for n entries.
 */
Pel *pel_clone(const Pel *src) {
    Pel *p = pel_new();
    p->next_release = src->next_release;
    p->next_tie = src->next_tie;
    if (src->cap_owners) {
        p->owners = xcalloc(src->cap_owners, sizeof(Tree));
        p->cap_owners = src->cap_owners;
    }
    p->n_owners = src->n_owners;
    for (uint32_t o = 0; o < src->n_owners; o++) p->owners[o].alive = src->owners[o].alive;
    if (src->n_free_owners) {
        p->free_owners = xmemdup(src->free_owners, src->n_free_owners * sizeof(uint32_t));
        p->n_free_owners = p->cap_free_owners = src->n_free_owners;
    }
    uint64_t live = src->all.count;
    if (slab_packed(&p->slab, live) == 0) return p;
    /* records in ID order: record k gets ref k; the side map follows them */
    PelIter it;
    pel_iter_seek(&it, src, PEL_OWNER_ALL, stream_id_make(0, 0));
    uint64_t k = 0;
    PelRef r;
    while ((r = pel_iter_next(&it)) != PEL_NONE) {
        const PelRec *orec = rec_at(src, r);
        *rec_at(p, (PelRef)k) = *orec;
        if (rec_id_is_side(orec) || orec->count == COUNT_SIDE)
            *side_put(&p->side, (uint32_t)k) = *side_get(&src->side, r);
        k++;
    }
    assert(k == live);
    /* trees: the group order is 0 .. live-1; each owner's (and the released
     * zone's) refs, bucketed in that order, are in ID order too */
    uint32_t n_buckets = src->n_owners + 1; /* the last one: released */
    uint64_t *start = xcalloc(n_buckets + 1, sizeof(uint64_t));
    PelRef *refs = xmalloc(live * sizeof(PelRef));
    for (k = 0; k < live; k++) {
        uint32_t o = rec_at(p, (PelRef)k)->owner;
        start[(o == PEL_OWNER_NONE ? src->n_owners : o) + 1]++;
    }
    for (uint32_t b = 0; b < n_buckets; b++) start[b + 1] += start[b];
    uint64_t *fill = xmemdup(start, n_buckets * sizeof(uint64_t));
    for (k = 0; k < live; k++) {
        uint32_t o = rec_at(p, (PelRef)k)->owner;
        refs[fill[o == PEL_OWNER_NONE ? src->n_owners : o]++] = (PelRef)k;
    }
    for (uint32_t o = 0; o < src->n_owners; o++)
        if (start[o + 1] > start[o])
            tree_build(p, &p->owners[o], refs + start[o], start[o + 1] - start[o]);
    tree_build(p, &p->none, refs + start[src->n_owners], live - start[src->n_owners]);
    for (k = 0; k < live; k++) refs[k] = (PelRef)k;
    tree_build(p, &p->all, refs, live);
    xfree(fill);
    xfree(start);
    xfree(refs);
    return p;
}

/* Frees the list and everything in it; p may be NULL. */
void pel_free(Pel *p) {
    if (!p) return;
    node_free_all(p, p->all.root);
    node_free_all(p, p->none.root);
    node_free_all(p, p->idle.root);
    for (uint32_t i = 0; i < p->n_owners; i++) node_free_all(p, p->owners[i].root);
    for (uint32_t i = 0; i < p->slab.n_chunks; i++) xfree(p->slab.chunks[i].rec);
    xfree(p->slab.chunks);
    xfree(p->slab.spare);
    xfree(p->owners);
    xfree(p->free_owners);
    xfree(p->side.key);
    xfree(p->side.val);
    xfree(p);
}

/* Number of pending entries in the group; borrows p. */
uint64_t pel_len(const Pel *p) {
    return p->all.count;
}

/* Bytes held by the list (records, tree nodes, bookkeeping); borrows p. */
size_t pel_mem_bytes(const Pel *p) {
    size_t n = sizeof(Pel) + p->node_bytes;
    for (uint32_t i = 0; i < p->slab.n_chunks; i++) n += p->slab.chunks[i].cap * sizeof(PelRec);
    n += p->slab.cap_chunks * sizeof(Chunk) + p->slab.cap_spare * sizeof(uint32_t);
    n += p->cap_owners * sizeof(Tree) + p->cap_free_owners * sizeof(uint32_t);
    n += p->side.cap * (sizeof(uint32_t) + sizeof(Side));
    return n;
}

/* Makes a new owner (a consumer) with no entries and returns its number,
 * the lowest free one. Borrows p. */
uint32_t pel_owner_new(Pel *p) {
    uint32_t o;
    if (p->n_free_owners > 0) {
        o = p->free_owners[--p->n_free_owners];
    } else {
        if (p->n_owners == p->cap_owners) {
            p->cap_owners = p->cap_owners ? p->cap_owners * 2 : 4;
            p->owners = xrealloc(p->owners, p->cap_owners * sizeof(Tree));
        }
        o = p->n_owners++;
        assert(o < PEL_OWNER_NONE);
    }
    memset(&p->owners[o], 0, sizeof(Tree));
    p->owners[o].alive = 1;
    return o;
}

/* Deletes an owner and every entry it owns, from the group order too
 * (PEL_OWNER_NONE: empties the released zone). Returns how many entries
 * went. O(k log n) for k entries. */
uint64_t pel_owner_delete(Pel *p, uint32_t owner) {
    Tree *t = owner_tree(p, owner);
    assert(owner != PEL_OWNER_ALL);
    uint64_t n = t->count;
    PelIter it;
    pel_iter_seek(&it, p, owner, stream_id_make(0, 0));
    PelRef r;
    while ((r = pel_iter_next(&it)) != PEL_NONE) {
        PelRec *rec = rec_at(p, r);
        PelRef found = tree_delete(p, &p->all, rec_id(p, r, rec));
        assert(found == r);
        (void)found;
        idle_unlink(p, r, rec);
        rec_drop_side(p, r, rec);
        slab_release(&p->slab, r);
    }
    node_free_all(p, t->root);
    t->root = NULL;
    t->count = 0;
    t->height = 0;
    if (owner != PEL_OWNER_NONE) {
        t->alive = 0;
        if (p->n_free_owners == p->cap_free_owners) {
            p->cap_free_owners = p->cap_free_owners ? p->cap_free_owners * 2 : 4;
            p->free_owners = xrealloc(p->free_owners, p->cap_free_owners * sizeof(uint32_t));
        }
        p->free_owners[p->n_free_owners++] = owner;
    }
    return n;
}

/* Number of entries an owner holds (PEL_OWNER_ALL: the whole group,
 * PEL_OWNER_NONE: the released zone). */
uint64_t pel_owner_len(const Pel *p, uint32_t owner) {
    return owner_tree_c(p, owner)->count;
}

/* Adds an entry that must not be pending yet; returns its ref. With owner
 * PEL_OWNER_NONE the entry joins the released zone's tail and delivery_ms
 * must be 0. O(log n). */
PelRef pel_add(Pel *p, StreamId id, uint32_t owner, int64_t delivery_ms, uint64_t count) {
    assert(owner != PEL_OWNER_ALL); /* a duplicate ID trips tree_insert's assert */
    assert(owner != PEL_OWNER_NONE || delivery_ms == 0);
    Tree *ot = owner_tree(p, owner);
    if (owner == PEL_OWNER_NONE) delivery_ms = (int64_t)release_seq_next(p);
    PelRef r = slab_alloc(&p->slab);
    PelRec *rec = rec_at(p, r);
    rec->owner = owner;
    rec->count = 0;
    rec->tie = 0;
    rec_set_id(p, r, rec, id);
    rec_set_time(rec, delivery_ms);
    rec_set_count(p, r, rec, count);
    tree_insert(p, &p->all, r);
    tree_insert(p, ot, r);
    if (owner != PEL_OWNER_NONE) rec_touch(p, rec);
    idle_link(p, r);
    return r;
}

/* The ref of a pending ID, or PEL_NONE. O(log n). */
PelRef pel_find(const Pel *p, StreamId id) {
    return tree_find(p, &p->all, id);
}

/* Copies an entry out (a released entry's delivery time reads 0); borrows p. */
void pel_get(const Pel *p, PelRef r, PelEntry *out) {
    const PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE);
    out->id = rec_id(p, r, rec);
    out->delivery_ms = rec->owner == PEL_OWNER_NONE ? 0 : rec_time(rec);
    out->delivery_count = rec_count(p, r, rec);
    out->owner = rec->owner;
}

/* The ID of a live entry. */
StreamId pel_id(const Pel *p, PelRef r) {
    return key_of(p, r);
}

/* The owner of a live entry (PEL_OWNER_NONE when released). */
uint32_t pel_owner(const Pel *p, PelRef r) {
    return rec_at(p, r)->owner;
}

/* 1 if a live entry is in the released zone (XNACK). */
int pel_is_released(const Pel *p, PelRef r) {
    return rec_at(p, r)->owner == PEL_OWNER_NONE;
}

/* The last delivery time of a live entry (Unix ms; 0 when released). */
int64_t pel_delivery_ms(const Pel *p, PelRef r) {
    const PelRec *rec = rec_at(p, r);
    return rec->owner == PEL_OWNER_NONE ? 0 : rec_time(rec);
}

/* The delivery count of a live entry. */
uint64_t pel_delivery_count(const Pel *p, PelRef r) {
    const PelRec *rec = rec_at(p, r);
    return rec_count(p, r, rec);
}

/* Sets the delivery time and count of a live, owned entry (it goes after
 * the entries of the same time in claim order). O(1), or O(log n) when the
 * idle tree exists. */
void pel_set_delivery(Pel *p, PelRef r, int64_t delivery_ms, uint64_t count) {
    PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE && rec->owner != PEL_OWNER_NONE);
    idle_unlink(p, r, rec);
    rec_set_time(rec, delivery_ms);
    rec_touch(p, rec);
    idle_link(p, r);
    rec_set_count(p, r, rec, count);
}

/* Moves a live, owned entry to another owner. O(log n). */
void pel_set_owner(Pel *p, PelRef r, uint32_t owner) {
    PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE && rec->owner != PEL_OWNER_NONE);
    assert(owner != PEL_OWNER_ALL && owner != PEL_OWNER_NONE);
    if (rec->owner == owner) return;
    Tree *to = owner_tree(p, owner);
    PelRef found = tree_delete(p, owner_tree(p, rec->owner), rec_id(p, r, rec));
    assert(found == r);
    (void)found;
    rec->owner = owner;
    tree_insert(p, to, r);
}

/* Delivers a live entry, owned or released, to owner (a consumer) with a
 * new delivery time and count: what a claim or a re-delivery does.
 * O(log n). */
void pel_update(Pel *p, PelRef r, uint32_t owner, int64_t delivery_ms, uint64_t count) {
    PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE);
    assert(owner != PEL_OWNER_ALL && owner != PEL_OWNER_NONE);
    Tree *to = owner_tree(p, owner);
    idle_unlink(p, r, rec);
    if (rec->owner != owner) {
        PelRef found = tree_delete(p, owner_tree(p, rec->owner), rec_id(p, r, rec));
        assert(found == r);
        (void)found;
        rec->owner = owner;
        tree_insert(p, to, r);
    }
    rec_set_time(rec, delivery_ms);
    rec_touch(p, rec);
    rec_set_count(p, r, rec, count);
    idle_link(p, r);
}

/* Releases a live entry (XNACK): no owner, count set, and the tail of the
 * released zone, also when it was released already. O(log n). */
void pel_release(Pel *p, PelRef r, uint64_t count) {
    PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE);
    /* First: the sequence may renumber the zone, which relinks its records
     * (r too, when it is in the zone already). */
    uint64_t seq = release_seq_next(p);
    idle_unlink(p, r, rec);
    if (rec->owner != PEL_OWNER_NONE) {
        PelRef found = tree_delete(p, owner_tree(p, rec->owner), rec_id(p, r, rec));
        assert(found == r);
        (void)found;
        rec->owner = PEL_OWNER_NONE;
        tree_insert(p, &p->none, r);
    }
    rec_set_time(rec, (int64_t)seq);
    rec_set_count(p, r, rec, count);
    idle_link(p, r);
}

/* Deletes a live entry (acknowledged, or its stream entry is gone); r is
 * invalid afterwards. O(log n). */
void pel_delete(Pel *p, PelRef r) {
    PelRec *rec = rec_at(p, r);
    assert(rec->owner != OWNER_FREE);
    rec_remove(p, r, rec, 1);
}

/* Deletes the entry of id if it is pending (XACK); returns 1 if it was.
 * One descent of the group tree fewer than pel_find() + pel_delete(). */
int pel_delete_id(Pel *p, StreamId id) {
    PelRef r = tree_delete(p, &p->all, id);
    if (r == PEL_NONE) return 0;
    rec_remove(p, r, rec_at(p, r), 0);
    return 1;
}

/* The entry with the smallest ID of an owner (PEL_OWNER_ALL: of the group),
 * or PEL_NONE. O(log n). */
PelRef pel_first(const Pel *p, uint32_t owner) {
    return tree_edge(owner_tree_c(p, owner), 0);
}

/* The entry with the largest ID, or PEL_NONE. O(log n). */
PelRef pel_last(const Pel *p, uint32_t owner) {
    return tree_edge(owner_tree_c(p, owner), 1);
}

static void tree_seek(PelIter *it, const Pel *p, const Tree *t, StreamId start) {
    it->pel = p;
    it->height = (int)t->height;
    if (!t->root) return;
    NodeHdr *n = t->root;
    for (int lv = 0; lv + 1 < it->height; lv++) {
        const Inner *in = (const Inner *)n;
        int i = inner_child_for(in, start);
        it->node[lv] = n;
        it->pos[lv] = (uint16_t)i;
        n = in->child[i];
    }
    it->node[it->height - 1] = n;
    it->pos[it->height - 1] = (uint16_t)leaf_lower_bound(p, t->kind, (const Leaf *)n, start);
}

/* Positions it before the first entry of owner (PEL_OWNER_ALL: the group)
 * whose ID is >= start. The iterator borrows p. O(log n). */
void pel_iter_seek(PelIter *it, const Pel *p, uint32_t owner, StreamId start) {
    tree_seek(it, p, owner_tree_c(p, owner), start);
}

/* Positions it before the first entry in claim order: the released zone in
 * release order, then owned entries from the longest idle (oldest delivery
 * time) on, ties in the order their times were set. The idle tree is built
 * on the first call (O(n log n)) and kept up to date from then on, so a
 * group that never claims this way pays nothing for it. Borrows p. O(log n) after that. */
void pel_idle_seek(PelIter *it, Pel *p) {
    if (!p->has_idle) idle_build(p);
    tree_seek(it, p, &p->idle, stream_id_make(0, 0));
}

/* 1 once pel_idle_seek() has built the idle tree. */
int pel_has_idle(const Pel *p) {
    return p->has_idle;
}

/* Sets *out to an owned array (free with xfree) of the released entries in
 * release order and returns its length; *out is NULL when there are none.
 * O(k log k) for k released entries. */
size_t pel_released_list(const Pel *p, PelRef **out) {
    size_t n = (size_t)p->none.count;
    *out = NULL;
    if (n == 0) return 0;
    SeqRef *v = released_sorted(p);
    PelRef *refs = xmalloc(n * sizeof(PelRef));
    for (size_t i = 0; i < n; i++) refs[i] = v[i].ref;
    xfree(v);
    *out = refs;
    return n;
}

/* Gives back the slab memory a peak left behind: once at least half of
 * the allocated record slots are free (and at least two chunks' worth),
 * moves the live records into a packed slab. Every PelRef and PelIter the
 * caller holds is invalid afterwards, so it is called where none is held
 * (see pel.h). Returns 1 if it repacked. O(1) when it does not; a repack
 * costs O(n) for n live records, paid for by the more than n records freed
 * since the slab was last that full. */
int pel_compact(Pel *p) {
    uint64_t live = p->all.count;
    assert(p->slab.n_slots >= live);
    uint64_t slack = p->slab.n_slots - live;
#ifdef PEL_COMPACT_EAGER
    /* Builds for the command fuzzer: repack at every call with a free slot
     * (nearly every call), so that every freeing command moves records. */
    if (slack == 0) return 0;
#else
    if (slack < COMPACT_SLACK || slack < live) return 0;
#endif
    slab_repack(p);
    return 1;
}

/* Tests only: repacks the slab now, whatever its fill (as pel_compact()
 * does when it is due). */
void pel__repack(Pel *p) {
    slab_repack(p);
}

/* Tests only: raises the next tie to tie (to reach the renumbering without
 * 2^32 updates); never lowers it. */
void pel__set_next_tie(Pel *p, uint32_t tie) {
    if (tie > p->next_tie) p->next_tie = tie;
}

/* Tests only: raises the next release sequence to seq (to reach the
 * renumbering without 2^48 releases); never lowers it. */
void pel__set_next_release(Pel *p, uint64_t seq) {
    assert(seq <= (uint64_t)PEL_TIME_LIMIT);
    if (seq > p->next_release) p->next_release = seq;
}

/* The next entry in tree order, or PEL_NONE at the end. O(1) amortized. */
PelRef pel_iter_next(PelIter *it) {
    if (it->height == 0) return PEL_NONE;
    int leaf_lv = it->height - 1;
    const Leaf *l = it->node[leaf_lv];
    if (it->pos[leaf_lv] < l->h.n) return l->ref[it->pos[leaf_lv]++];
    /* Climb to the first ancestor with a next child, then go down its left edge. */
    int lv = leaf_lv - 1;
    while (lv >= 0 && it->pos[lv] + 1 >= ((const NodeHdr *)it->node[lv])->n) lv--;
    if (lv < 0) {
        it->height = 0;
        return PEL_NONE;
    }
    it->pos[lv]++;
    NodeHdr *n = ((const Inner *)it->node[lv])->child[it->pos[lv]];
    for (lv++; lv < leaf_lv; lv++) {
        it->node[lv] = n;
        it->pos[lv] = 0;
        n = ((const Inner *)n)->child[0];
    }
    it->node[leaf_lv] = n;
    it->pos[leaf_lv] = 0;
    l = (const Leaf *)n;
    assert(l->h.n > 0);
    return l->ref[it->pos[leaf_lv]++];
}

/* ---- Consistency check ---------------------------------------------------- */

/* Checks one subtree: order, bounds, fill and depth. Returns the number of
 * refs, or -1 on a violation. lo/hi bound the keys (NULL: unbounded). */
static long long check_node(const Pel *p, int kind, const NodeHdr *n, int depth, int height,
                            const StreamId *lo, const StreamId *hi, uint32_t owner) {
    if (n->is_leaf) {
        const Leaf *l = (const Leaf *)n;
        if (depth != height - 1 || l->h.n == 0 || l->h.n > LEAF_CAP) return -1;
        for (int i = 0; i < l->h.n; i++) {
            const PelRec *rec = rec_at(p, l->ref[i]);
            if (rec->owner == OWNER_FREE) return -1;
            StreamId id = tkey(p, kind, l->ref[i]);
            if (owner != PEL_OWNER_ALL && rec->owner != owner) return -1;
            if (lo && stream_id_cmp(id, *lo) < 0) return -1;
            if (hi && stream_id_cmp(id, *hi) >= 0) return -1;
            if (i > 0 && stream_id_cmp(tkey(p, kind, l->ref[i - 1]), id) >= 0) return -1;
        }
        return l->h.n;
    }
    const Inner *in = (const Inner *)n;
    if (depth >= height - 1 || in->h.n < 2 || in->h.n > INNER_CAP) return -1;
    long long total = 0;
    for (int i = 0; i < in->h.n; i++) {
        if (i > 0 && i < in->h.n - 1 && stream_id_cmp(in->key[i - 1], in->key[i]) >= 0) return -1;
        const StreamId *clo = i == 0 ? lo : &in->key[i - 1];
        const StreamId *chi = i == in->h.n - 1 ? hi : &in->key[i];
        long long c = check_node(p, kind, in->child[i], depth + 1, height, clo, chi, owner);
        if (c < 0) return -1;
        total += c;
    }
    return total;
}

static int check_tree(const Pel *p, const Tree *t, uint32_t owner) {
    if (!t->root) return t->count == 0 && t->height == 0 ? 0 : -1;
    long long n = check_node(p, t->kind, t->root, 0, (int)t->height, NULL, NULL, owner);
    return n == (long long)t->count ? 0 : -1;
}

/* Returns 0 when every invariant holds, -1 otherwise; borrows p. O(n log n). */
int pel_check(const Pel *p) {
    if (check_tree(p, &p->all, PEL_OWNER_ALL) != 0) return -1;
    if (check_tree(p, &p->none, PEL_OWNER_NONE) != 0) return -1;
    if (p->idle.kind != TREE_BY_IDLE) return -1;
    if (p->has_idle) {
        if (check_tree(p, &p->idle, PEL_OWNER_ALL) != 0) return -1;
        if (p->idle.count != p->all.count) return -1;
    } else if (p->idle.root) {
        return -1;
    }
    uint64_t owned = p->none.count;
    for (uint32_t i = 0; i < p->n_owners; i++) {
        if (!p->owners[i].alive) {
            if (p->owners[i].root) return -1;
            continue;
        }
        if (p->owners[i].kind != TREE_BY_ID) return -1;
        if (check_tree(p, &p->owners[i], i) != 0) return -1;
        owned += p->owners[i].count;
    }
    if (owned != p->all.count) return -1;
    /* Released entries have distinct sequences below the next one. */
    SeqRef *v = released_sorted(p);
    for (uint64_t i = 0; i < p->none.count; i++) {
        if (v[i].seq >= p->next_release || (i > 0 && v[i].seq == v[i - 1].seq)) {
            xfree(v);
            return -1;
        }
    }
    xfree(v);
    /* Owned records have distinct ties below the next one. */
    uint64_t n_owned;
    KeyRef *w = owned_by_time(p, &n_owned);
    if (n_owned) qsort(w, n_owned, sizeof(KeyRef), tieref_cmp);
    for (uint64_t i = 0; i < n_owned; i++) {
        uint32_t tie = (uint32_t)w[i].key.seq;
        if (tie >= p->next_tie || (i > 0 && tie == (uint32_t)w[i - 1].key.seq)) {
            xfree(w);
            return -1;
        }
    }
    xfree(w);
    /* Every live record is in the group tree, its owner's tree and the idle
     * tree (when there is one). */
    uint64_t live = 0, side = 0, slots = 0;
    uint32_t alive = 0;
    for (uint32_t ci = 0; ci < p->slab.n_chunks; ci++) {
        const Chunk *c = &p->slab.chunks[ci];
        uint32_t chunk_live = 0;
        for (uint32_t s = 0; s < c->used; s++) {
            const PelRec *rec = &c->rec[s];
            if (rec->owner == OWNER_FREE) continue;
            PelRef r = (ci << CHUNK_SHIFT) | s;
            chunk_live++;
            StreamId id = rec_id(p, r, rec);
            if (tree_find(p, &p->all, id) != r) return -1;
            if (tree_find(p, owner_tree_c(p, rec->owner), id) != r) return -1;
            if (p->has_idle && tree_find(p, &p->idle, idle_key(r, rec)) != r) return -1;
            if (rec->count == COUNT_SIDE || rec_id_is_side(rec)) {
                const Side *sd = side_find(&p->side, r);
                if (!sd) return -1;
                if (rec->count == COUNT_SIDE && sd->count < COUNT_SIDE) return -1;
                if (rec_id_is_side(rec) && (sd->id.ms < (1ULL << 47) && sd->id.seq <= 0xffff))
                    return -1;
                side++;
            }
        }
        if (chunk_live != c->live) return -1;
        live += chunk_live;
        if (c->rec) {
            alive++;
            slots += c->cap;
            if (c->live == 0 || c->used > c->cap || c->cap > CHUNK_MAX) return -1;
            if (c->in_list != (uint32_t)chunk_has_room(c)) return -1;
            uint32_t n_free = 0;
            for (uint32_t f = c->free_head; f != NIL; f = c->rec[f].idw[0]) {
                if (f >= c->used || c->rec[f].owner != OWNER_FREE || ++n_free > c->used) return -1;
            }
            if (n_free != c->used - c->live) return -1;
        } else if (c->in_list || c->live) {
            return -1;
        }
    }
    if (alive != p->slab.n_alive || slots != p->slab.n_slots) return -1;
    uint32_t listed = 0;
    for (uint32_t ci = p->slab.room_head; ci != NIL; ci = p->slab.chunks[ci].next) {
        if (ci >= p->slab.n_chunks || !p->slab.chunks[ci].in_list || ++listed > alive) return -1;
    }
    for (uint32_t ci = 0; ci < p->slab.n_chunks; ci++) listed -= p->slab.chunks[ci].in_list;
    if (listed != 0) return -1;
    if (live != p->all.count || side != p->side.n) return -1;
    return 0;
}
