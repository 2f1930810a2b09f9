/*
 * list_obj.c - the list value: an array of listpack nodes.
 *
 * Layout. A list is an array of pointers to nodes; each node is a listpack,
 * byte for byte the format Redis keeps in its quicklist nodes and writes in
 * RDB type 18 (QUICKLIST_2):
 *
 *   +---------------+----------+-----------------------------+-----+
 *   | total_bytes   | count    | entry entry ... entry       | FF  |
 *   | u32 LE        | u16 LE   |                             |     |
 *   +---------------+----------+-----------------------------+-----+
 *   entry = encoding+data | backlen (1..5 bytes, the size of encoding+data,
 *           7 bits a byte, readable from its last byte backwards)
 *
 * Integers in canonical decimal form are stored as integers (1 to 9 bytes),
 * as Redis does, and formatted back on reading. A node holds up to what
 * list-max-listpack-size allows (default -2: 8 KB of listpack), decided by
 * the same estimate Redis uses, so nodes split where Redis's do for pushes
 * and DUMP payloads of pushed lists match Redis's.
 *
 * Why an array of node pointers and not Redis's doubly linked quicklist: a
 * pointer per node instead of a 32-byte node header plus links, and indexing
 * by node is a plain loop over counts stored in the listpacks themselves.
 * Inserting a node in the middle moves pointers (8 bytes per node: a 1 M
 * element list has a few thousand nodes); the array keeps free slots at the
 * front so pushes at the head stay amortized O(1).
 *
 * Rejected: one listpack per list below a threshold and a different
 * structure above (what Redis 7.2 does): Redis 7.0, the oracle, reports
 * "quicklist" for every list, and one representation means one set of code
 * paths. Interior nodes may be kept compressed (list-compress-depth; see
 * CNode below).
 *
 * Invariants (list_check): no empty node; every node's header agrees with
 * its bytes; count is the sum of the nodes' counts.
 */
#include "cmd/list_obj.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "persist/rdbcodec.h"

#define HDR LP_HEADER_BYTES

/* Redis's quicklist limits: sizes for fill -1..-5, the cap on a node for a
 * positive fill, and the estimate of an entry's overhead. */
static const size_t size_classes[] = {4096, 8192, 16384, 32768, 65536};
#define SIZE_SAFETY_LIMIT      8192
#define SIZE_ESTIMATE_OVERHEAD 8

/* What list_new() gives a new list (list-max-listpack-size,
 * list-compress-depth), clamped as Redis clamps them. */
static int16_t new_fill = -2;
static uint16_t new_depth = 0;

void list_set_defaults(long long fill, long long depth) {
    new_fill = (int16_t)(fill > 32767 ? 32767 : fill < -5 ? -5 : fill);
    new_depth = (uint16_t)(depth > 65535 ? 65535 : depth < 0 ? 0 : depth);
}

/* ---- listpack bytes ------------------------------------------------------ */

static uint32_t lp_total(const uint8_t *lp) {
    return (uint32_t)lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)lp[2] << 16 | (uint32_t)lp[3] << 24;
}

static uint32_t lp_num(const uint8_t *lp) {
    return (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
}

static void lp_set_header(uint8_t *lp, uint32_t total, uint32_t n) {
    assert(n < 65535);
    for (int i = 0; i < 4; i++) lp[i] = (uint8_t)(total >> (8 * i));
    lp[4] = (uint8_t)n;
    lp[5] = (uint8_t)(n >> 8);
}

static size_t backlen_size(size_t l) {
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Size of the encoding + data of the entry at p (bytes this list wrote, or a
 * listpack lp_validate() accepted). */
static size_t enc_size(const uint8_t *p) {
    uint8_t b = p[0];
    if ((b & 0x80) == 0) return 1;
    if ((b & 0xC0) == 0x80) return 1 + (size_t)(b & 0x3f);
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2 + ((size_t)(b & 0x0f) << 8 | p[1]);
    switch (b) {
    case 0xF0:
        return 5 + (size_t)get_u32(p + 1);
    case 0xF1:
        return 3;
    case 0xF2:
        return 4;
    case 0xF3:
        return 5;
    default:
        assert(b == 0xF4);
        return 9;
    }
}

static size_t entry_size(const uint8_t *p) {
    size_t n = enc_size(p);
    return n + backlen_size(n);
}

/* Offset of the entry before the one at off (off may be the EOF byte). */
static size_t entry_prev(const uint8_t *lp, size_t off) {
    assert(off > HDR);
    size_t v = 0, shift = 0;
    const uint8_t *q = lp + off;
    uint8_t b;
    do {
        b = *--q;
        v |= (size_t)(b & 127) << shift;
        shift += 7;
    } while (b & 128);
    size_t prev = (size_t)(q - lp) - v;
    assert(prev >= HDR);
    return prev;
}

static void entry_decode(const uint8_t *p, ListElem *e) {
    uint8_t b = p[0];
    int64_t v;
    if ((b & 0x80) == 0) {
        v = b;
    } else if ((b & 0xC0) == 0x80) {
        e->p = (const char *)p + 1;
        e->len = b & 0x3f;
        return;
    } else if ((b & 0xE0) == 0xC0) {
        uint64_t u = (uint64_t)(b & 0x1f) << 8 | p[1];
        v = u >= (1u << 12) ? (int64_t)u - (1 << 13) : (int64_t)u;
    } else if ((b & 0xF0) == 0xE0) {
        e->p = (const char *)p + 2;
        e->len = (size_t)(b & 0x0f) << 8 | p[1];
        return;
    } else if (b == 0xF0) {
        e->p = (const char *)p + 5;
        e->len = get_u32(p + 1);
        return;
    } else {
        int n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
        uint64_t u = 0;
        for (int i = 0; i < n; i++) u |= (uint64_t)p[1 + i] << (8 * i);
        if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n);
        v = (int64_t)u;
    }
    e->len = ll_to_str(v, e->num);
    e->p = e->num;
}

/* The encoded entry for p[0..len), in a buffer reused by the next call
 * (and given back by scratch_trim() after a big one). */
static Buf scratch;

#define SCRATCH_KEEP_BYTES 65536

static void scratch_trim(void) {
    if (scratch.cap > SCRATCH_KEEP_BYTES) buf_free(&scratch);
}

static const uint8_t *entry_encode(const char *p, size_t len, size_t *size) {
    LpWriter w;
    scratch.len = 0;
    scratch.off = 0;
    lp_writer_start(&w, &scratch);
    lp_append_str(&w, p, len);
    *size = scratch.len - HDR;
    return (const uint8_t *)scratch.p + HDR;
}

/* Offset of the k-th entry (k == count: the EOF byte). */
static size_t entry_offset(const uint8_t *lp, uint32_t k) {
    uint32_t n = lp_num(lp);
    assert(k <= n);
    size_t off;
    if (k <= n / 2) {
        off = HDR;
        for (uint32_t i = 0; i < k; i++) off += entry_size(lp + off);
    } else {
        off = lp_total(lp) - 1;
        for (uint32_t i = n; i > k; i--) off = entry_prev(lp, off);
    }
    return off;
}

/* Whether a node of lp_bytes may take an element of len bytes (Redis's
 * estimate: the raw length plus 8, against the size class, or the count
 * under a positive fill). */
static int node_allows(const List *l, const uint8_t *lp, size_t len) {
    int fill = l->fill;
    if (len >= (1u << 30)) return 0;
    size_t new_sz = lp_total(lp) + len + SIZE_ESTIMATE_OVERHEAD;
    if (fill < 0) {
        size_t cls = (size_t)(-fill) - 1;
        if (cls >= sizeof size_classes / sizeof size_classes[0])
            cls = sizeof size_classes / sizeof size_classes[0] - 1;
        return new_sz <= size_classes[cls];
    }
    if (new_sz > SIZE_SAFETY_LIMIT) return 0;
    return (int)lp_num(lp) < (fill == 0 ? 1 : fill);
}

/* ---- nodes ---------------------------------------------------------------- */

static uint8_t *node_at(const List *l, uint32_t i) {
    return l->nodes[l->head + i];
}

/*
 * Compressed nodes (list-compress-depth > 0): a node more than depth nodes
 * from both ends is kept LZF-compressed when that saves 8 bytes or more, as
 * Redis keeps them. Its slot then holds a tagged pointer (low bit set: no
 * allocation is odd) to:
 *
 *   +-------------+-------------+---------+----------------------+
 *   | raw_len u32 | c_len u32   | n u16   | LZF bytes (c_len)    |
 *   +-------------+-------------+---------+----------------------+
 *
 * Writers open a node (decompressed in place) and close it after (compressed
 * again if it lies inside); readers decompress into one shared buffer
 * (node_view), so a view of a compressed node lasts until the next read of
 * another compressed node. settle() ends every change: the depth nodes at
 * each end raw, the next ones compressed.
 */
typedef struct CNode {
    uint32_t raw_len, c_len;
    uint16_t n;
    uint8_t data[];
} CNode;

static Buf view_buf; /* node_view()'s decompressed node */

#define MIN_COMPRESS_BYTES   48
#define MIN_COMPRESS_IMPROVE 8

static int is_compressed(const uint8_t *p) {
    return ((uintptr_t)p & 1) != 0;
}

static CNode *cnode(const uint8_t *p) {
    return (CNode *)((uintptr_t)p & ~(uintptr_t)1);
}

static uint32_t node_count(const uint8_t *p) {
    return is_compressed(p) ? cnode(p)->n : lp_num(p);
}

static void node_free(uint8_t *p) {
    xfree(is_compressed(p) ? (void *)cnode(p) : (void *)p);
}

static uint8_t *decompress(const CNode *c) {
    uint8_t *lp = xmalloc(c->raw_len);
    int rc = rdb_lzf_decompress(c->data, c->c_len, lp, c->raw_len);
    assert(rc == RDB_OK);
    (void)rc;
    return lp;
}

/* Node i, raw from now on (the caller changes it, then closes it). */
static uint8_t *node_open(List *l, uint32_t i) {
    uint8_t **slot = &l->nodes[l->head + i];
    if (is_compressed(*slot)) {
        CNode *c = cnode(*slot);
        *slot = decompress(c);
        xfree(c);
    }
    return *slot;
}

/* Node i compressed if it lies inside the depth and compression pays. */
static void node_close(List *l, uint32_t i) {
    if (l->depth == 0 || i >= l->n_nodes || i < l->depth || i >= l->n_nodes - l->depth) return;
    uint8_t **slot = &l->nodes[l->head + i];
    uint8_t *lp = *slot;
    if (is_compressed(lp)) return;
    size_t raw = lp_total(lp);
    if (raw < MIN_COMPRESS_BYTES) return;
    CNode *c = xmalloc(sizeof(CNode) + raw - MIN_COMPRESS_IMPROVE);
    size_t n = rdb_lzf_compress(lp, raw, c->data, raw - MIN_COMPRESS_IMPROVE);
    if (n == 0) {
        xfree(c);
        return;
    }
    c = xrealloc(c, sizeof(CNode) + n);
    c->raw_len = (uint32_t)raw;
    c->c_len = (uint32_t)n;
    c->n = (uint16_t)lp_num(lp);
    xfree(lp);
    *slot = (uint8_t *)((uintptr_t)c | 1);
}

/* The depth nodes at each end raw, the first ones inside compressed. */
static void settle(List *l) {
    uint32_t d = l->depth, n = l->n_nodes;
    scratch_trim();
    if (view_buf.cap > SCRATCH_KEEP_BYTES) buf_free(&view_buf); /* views end with a change */
    if (d == 0) return;
    for (uint32_t i = 0; i < d && i < n; i++) {
        node_open(l, i);
        node_open(l, n - 1 - i);
    }
    if (n > 2 * d) {
        node_close(l, d);
        node_close(l, n - 1 - d);
    }
}

/* Node i's listpack for reading: a view valid until the list changes or
 * another compressed node is read. */

static const uint8_t *node_view(const List *l, uint32_t i) {
    const uint8_t *p = node_at(l, i);
    if (!is_compressed(p)) return p;
    const CNode *c = cnode(p);
    view_buf.len = view_buf.off = 0;
    buf_reserve(&view_buf, c->raw_len);
    int rc = rdb_lzf_decompress(c->data, c->c_len, (uint8_t *)view_buf.p, c->raw_len);
    assert(rc == RDB_OK);
    (void)rc;
    return (const uint8_t *)view_buf.p;
}

static uint8_t *node_new(void) {
    uint8_t *lp = xmalloc(HDR + 1);
    lp_set_header(lp, HDR + 1, 0);
    lp[HDR] = LP_EOF;
    return lp;
}

/* In node i: replaces del_n entries (del_bytes) at off with ins_n entries
 * (ins_bytes of ins). Returns the node (it may move). */
static uint8_t *node_splice(List *l, uint32_t i, size_t off, size_t del_bytes, uint32_t del_n,
                            const uint8_t *ins, size_t ins_bytes, uint32_t ins_n) {
    uint8_t **slot = &l->nodes[l->head + i];
    uint8_t *lp = *slot;
    assert(!is_compressed(lp));
    size_t total = lp_total(lp);
    uint32_t n = lp_num(lp);
    assert(off + del_bytes < total && del_n <= n);
    size_t new_total = total - del_bytes + ins_bytes;
    if (new_total > total) lp = xrealloc(lp, new_total);
    memmove(lp + off + ins_bytes, lp + off + del_bytes, total - off - del_bytes);
    if (ins_bytes) memcpy(lp + off, ins, ins_bytes);
    if (new_total < total) lp = xrealloc(lp, new_total);
    lp_set_header(lp, (uint32_t)new_total, n - del_n + ins_n);
    *slot = lp;
    l->count = l->count - del_n + ins_n;
    return lp;
}

/* Moves the live nodes to an array of cap slots, front of them free. */
static void nodes_relayout(List *l, uint32_t cap, uint32_t front) {
    assert(front + l->n_nodes <= cap);
    uint8_t **nodes = xmalloc((size_t)cap * sizeof *nodes);
    if (l->n_nodes) memcpy(nodes + front, l->nodes + l->head, (size_t)l->n_nodes * sizeof *nodes);
    xfree(l->nodes);
    l->nodes = nodes;
    l->head = front;
    l->cap = cap;
}

/* Puts lp at node index pos (0 .. n_nodes). */
static void nodes_insert(List *l, uint32_t pos, uint8_t *lp) {
    assert(pos <= l->n_nodes);
    if (l->n_nodes == 0 && l->cap == 0) {
        /* most lists fit one node: one slot, no room kept (MEMORY USAGE) */
        nodes_relayout(l, 1, 0);
        l->nodes[0] = lp;
        l->n_nodes = 1;
        return;
    }
    if (pos == 0) {
        if (l->head == 0) {
            /* no room in front: make some, half of what is free */
            uint32_t cap = l->cap;
            if (l->n_nodes + 1 > cap / 2) cap = 2 * (l->n_nodes + 2);
            nodes_relayout(l, cap, (cap - l->n_nodes) / 2); /* at least 1 */
        }
        l->nodes[--l->head] = lp;
        l->n_nodes++;
        return;
    }
    if (l->head + l->n_nodes == l->cap)
        nodes_relayout(l, l->cap < 4 ? 4 : l->cap * 2, l->n_nodes > 0 ? l->head : 0);
    uint8_t **base = l->nodes + l->head;
    memmove(base + pos + 1, base + pos, (size_t)(l->n_nodes - pos) * sizeof *base);
    base[pos] = lp;
    l->n_nodes++;
}

static void nodes_remove(List *l, uint32_t pos) {
    assert(pos < l->n_nodes);
    uint8_t **base = l->nodes + l->head;
    node_free(base[pos]);
    if (pos == 0) {
        l->head++;
    } else {
        memmove(base + pos, base + pos + 1, (size_t)(l->n_nodes - pos - 1) * sizeof *base);
    }
    l->n_nodes--;
    if (l->n_nodes == 0) l->head = 0;
}

/* The node holding position idx (< count) and the position inside it. */
static void locate(const List *l, uint64_t idx, uint32_t *node, uint32_t *k) {
    assert(idx < l->count);
    if (idx < l->count / 2) {
        uint32_t i = 0;
        for (;;) {
            uint32_t n = node_count(node_at(l, i));
            if (idx < n) break;
            idx -= n;
            i++;
        }
        *node = i;
        *k = (uint32_t)idx;
    } else {
        uint64_t from_end = l->count - 1 - idx;
        uint32_t i = l->n_nodes - 1;
        for (;;) {
            uint32_t n = node_count(node_at(l, i));
            if (from_end < n) break;
            from_end -= n;
            i--;
        }
        *node = i;
        *k = node_count(node_at(l, i)) - 1 - (uint32_t)from_end;
    }
}

/* ---- the list ------------------------------------------------------------- */

List *list_new(void) {
    List *l = xcalloc(1, sizeof(List));
    l->fill = new_fill;
    l->depth = new_depth;
    return l;
}

void list_free(List *l) {
    if (!l) return;
    for (uint32_t i = 0; i < l->n_nodes; i++) node_free(node_at(l, i));
    xfree(l->nodes);
    xfree(l);
}

List *list_dup(const List *l) {
    List *d = list_new();
    d->fill = l->fill;
    d->depth = l->depth;
    d->cap = l->n_nodes;
    d->nodes = d->cap ? xmalloc((size_t)d->cap * sizeof *d->nodes) : NULL;
    for (uint32_t i = 0; i < l->n_nodes; i++) {
        const uint8_t *p = node_at(l, i);
        if (is_compressed(p)) {
            const CNode *c = cnode(p);
            d->nodes[i] = (uint8_t *)((uintptr_t)xmemdup(c, sizeof(CNode) + c->c_len) | 1);
        } else {
            d->nodes[i] = xmemdup(p, lp_total(p));
        }
    }
    d->n_nodes = l->n_nodes;
    d->count = l->count;
    return d;
}

size_t list_mem_bytes(const List *l) {
    size_t n = xsize(l) + xsize(l->nodes);
    for (uint32_t i = 0; i < l->n_nodes; i++) {
        const uint8_t *p = node_at(l, i);
        n += xsize(is_compressed(p) ? (const void *)cnode(p) : (const void *)p);
    }
    return n;
}

void list_push(List *l, int where, const char *p, size_t len) {
    size_t esz;
    const uint8_t *enc = entry_encode(p, len, &esz);
    if (where == LIST_HEAD) {
        if (l->n_nodes == 0 || !node_allows(l, node_open(l, 0), len))
            nodes_insert(l, 0, node_new());
        node_splice(l, 0, HDR, 0, 0, enc, esz, 1);
    } else {
        if (l->n_nodes == 0 || !node_allows(l, node_open(l, l->n_nodes - 1), len))
            nodes_insert(l, l->n_nodes, node_new());
        uint32_t last = l->n_nodes - 1;
        node_splice(l, last, lp_total(node_at(l, last)) - 1, 0, 0, enc, esz, 1);
    }
    settle(l);
}

/* Moves the entries of node i (open) from entry k on into a new node after
 * it. */
static void node_split(List *l, uint32_t i, uint32_t k) {
    uint8_t *lp = node_at(l, i);
    uint32_t n = lp_num(lp);
    assert(k > 0 && k < n);
    size_t off = entry_offset(lp, k);
    size_t tail = lp_total(lp) - 1 - off;
    uint8_t *b = xmalloc(HDR + tail + 1);
    memcpy(b + HDR, lp + off, tail);
    b[HDR + tail] = LP_EOF;
    lp_set_header(b, (uint32_t)(HDR + tail + 1), n - k);
    node_splice(l, i, off, tail, n - k, NULL, 0, 0);
    l->count += n - k; /* the entries moved, they did not go */
    nodes_insert(l, i + 1, b);
}

void list_insert(List *l, uint64_t idx, const char *p, size_t len) {
    assert(idx <= l->count);
    if (idx == 0 || idx == l->count) {
        list_push(l, idx == 0 ? LIST_HEAD : LIST_TAIL, p, len);
        return;
    }
    uint32_t i, k;
    locate(l, idx, &i, &k);
    size_t esz;
    const uint8_t *enc = entry_encode(p, len, &esz);
    uint8_t *lp = node_open(l, i);
    if (node_allows(l, lp, len)) {
        node_splice(l, i, entry_offset(lp, k), 0, 0, enc, esz, 1);
    } else if (k == 0 && i > 0 && node_allows(l, node_open(l, i - 1), len)) {
        uint8_t *prev = node_at(l, i - 1);
        node_splice(l, i - 1, lp_total(prev) - 1, 0, 0, enc, esz, 1);
        node_close(l, i - 1);
    } else if (k == 0) {
        if (i > 0) node_close(l, i - 1);
        nodes_insert(l, i, node_new());
        node_splice(l, i, HDR, 0, 0, enc, esz, 1);
        node_close(l, i + 1);
    } else {
        /* full, and the new element goes inside: split there, then it ends
         * the first half or starts the second, or gets a node of its own */
        node_split(l, i, k);
        if (node_allows(l, node_at(l, i), len)) {
            node_splice(l, i, lp_total(node_at(l, i)) - 1, 0, 0, enc, esz, 1);
        } else if (node_allows(l, node_at(l, i + 1), len)) {
            node_splice(l, i + 1, HDR, 0, 0, enc, esz, 1);
        } else {
            nodes_insert(l, i + 1, node_new());
            node_splice(l, i + 1, HDR, 0, 0, enc, esz, 1);
            node_close(l, i + 2);
        }
        node_close(l, i + 1);
    }
    node_close(l, i);
    settle(l);
}

int list_get(const List *l, uint64_t idx, ListElem *e) {
    if (idx >= l->count) return -1;
    uint32_t i, k;
    locate(l, idx, &i, &k);
    const uint8_t *lp = node_view(l, i);
    entry_decode(lp + entry_offset(lp, k), e);
    return 0;
}

void list_replace(List *l, uint64_t idx, const char *p, size_t len) {
    uint32_t i, k;
    locate(l, idx, &i, &k);
    uint8_t *lp = node_open(l, i);
    size_t off = entry_offset(lp, k);
    size_t old = entry_size(lp + off);
    size_t esz;
    const uint8_t *enc = entry_encode(p, len, &esz);
    node_splice(l, i, off, old, 1, enc, esz, 1);
    node_close(l, i);
    settle(l);
}

void list_delete_range(List *l, uint64_t start, uint64_t n) {
    assert(start + n <= l->count);
    if (n == 0) return;
    uint32_t i, k;
    locate(l, start, &i, &k);
    while (n > 0) {
        uint32_t cnt = node_count(node_at(l, i));
        uint32_t take = (uint64_t)(cnt - k) < n ? cnt - k : (uint32_t)n;
        if (take == cnt) {
            l->count -= cnt;
            nodes_remove(l, i);
        } else {
            uint8_t *lp = node_open(l, i);
            size_t off = entry_offset(lp, k);
            size_t end = off;
            for (uint32_t j = 0; j < take; j++) end += entry_size(lp + end);
            node_splice(l, i, off, end - off, take, NULL, 0, 0);
            node_close(l, i);
            i++;
        }
        n -= take;
        k = 0;
    }
    settle(l);
}

uint64_t list_remove_value(List *l, const char *p, size_t len, uint64_t max, int to_tail) {
    uint64_t removed = 0;
    ListElem e;
    if (to_tail) {
        for (uint32_t i = 0; i < l->n_nodes && (max == 0 || removed < max);) {
            size_t off = HDR;
            uint8_t *lp = node_open(l, i);
            while (lp[off] != LP_EOF && (max == 0 || removed < max)) {
                entry_decode(lp + off, &e);
                size_t sz = entry_size(lp + off);
                if (list_elem_eq(&e, p, len)) {
                    lp = node_splice(l, i, off, sz, 1, NULL, 0, 0);
                    removed++;
                } else {
                    off += sz;
                }
            }
            if (lp_num(lp) == 0) {
                nodes_remove(l, i);
            } else {
                node_close(l, i);
                i++;
            }
        }
    } else {
        for (uint32_t i = l->n_nodes; i-- > 0 && (max == 0 || removed < max);) {
            uint8_t *lp = node_open(l, i);
            size_t off = lp_total(lp) - 1;
            while (off > HDR && (max == 0 || removed < max)) {
                size_t prev = entry_prev(lp, off);
                entry_decode(lp + prev, &e);
                if (list_elem_eq(&e, p, len)) {
                    lp = node_splice(l, i, prev, off - prev, 1, NULL, 0, 0);
                    removed++;
                }
                off = prev;
            }
            if (lp_num(lp) == 0)
                nodes_remove(l, i);
            else
                node_close(l, i);
        }
    }
    settle(l);
    return removed;
}

void list_iter_init(ListIter *it, const List *l, uint64_t idx, int to_tail) {
    it->l = l;
    it->to_tail = to_tail;
    it->lp = NULL;
    if (idx >= l->count) {
        it->left = 0;
        it->node = 0;
        it->off = 0;
        return;
    }
    uint32_t i, k;
    locate(l, idx, &i, &k);
    it->node = i;
    it->lp = node_view(l, i);
    it->off = entry_offset(it->lp, k);
    it->left = to_tail ? l->count - idx : idx + 1;
}

int list_iter_next(ListIter *it, ListElem *e) {
    if (it->left == 0) return 0;
    /* Moving to the next node happens here, not after the last element of
     * the previous one: its view must last until this call. */
    if (it->to_tail) {
        if (it->lp[it->off] == LP_EOF) {
            it->node++;
            it->lp = node_view(it->l, it->node);
            it->off = HDR;
        }
        entry_decode(it->lp + it->off, e);
        it->off += entry_size(it->lp + it->off);
    } else {
        if (it->off == 0) { /* before the node's first entry */
            it->node--;
            it->lp = node_view(it->l, it->node);
            it->off = entry_prev(it->lp, lp_total(it->lp) - 1);
        }
        entry_decode(it->lp + it->off, e);
        it->off = it->off == HDR ? 0 : entry_prev(it->lp, it->off);
    }
    it->left--;
    return 1;
}

const uint8_t *list_node(const List *l, uint32_t i, size_t *len) {
    assert(i < l->n_nodes);
    const uint8_t *lp = node_view(l, i);
    *len = lp_total(lp);
    return lp;
}

void list_append_node(List *l, uint8_t *lp, uint32_t n_elems) {
    assert(n_elems > 0 && n_elems < 65535);
    lp[4] = (uint8_t)n_elems; /* a validated count, now exact (65535 meant "unknown") */
    lp[5] = (uint8_t)(n_elems >> 8);
    nodes_insert(l, l->n_nodes, lp);
    l->count += n_elems;
    if (l->n_nodes > 1) node_close(l, l->n_nodes - 2);
    settle(l);
}

int list_check(const List *l) {
    uint64_t total = 0;
    if (l->head + l->n_nodes > l->cap && l->n_nodes) return -1;
    for (uint32_t i = 0; i < l->n_nodes; i++) {
        const uint8_t *p = node_at(l, i);
        int inside = l->depth && i >= l->depth && i < l->n_nodes - l->depth;
        if (is_compressed(p) && !inside) return -1; /* ends stay raw */
        const uint8_t *lp = node_view(l, i);
        uint32_t n;
        if (lp_validate(lp, lp_total(lp), &n) != RDB_OK) return -1;
        if (n == 0 || n != lp_num(lp) || n != node_count(p)) return -1;
        total += n;
    }
    return total == l->count ? 0 : -1;
}

int list_n_compressed(const List *l) {
    int n = 0;
    for (uint32_t i = 0; i < l->n_nodes; i++) n += is_compressed(node_at(l, i));
    return n;
}
