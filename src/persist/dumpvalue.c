/*
 * dumpvalue.c - one keyspace value as a DUMP payload in Redis's format, and
 * back (DUMP, RESTORE).
 *
 * A payload is
 *
 *   +------+-------------------+-------------------+---------------------+
 *   | type | value             | RDB version       | CRC-64 of all that  |
 *   | u8   | (below)           | u16 little-endian | precedes, u64 LE    |
 *   +------+-------------------+-------------------+---------------------+
 *
 * A string (type 0) is one RDB string (rdbcodec.h). A stream (types 15, 19,
 * 21, 26, 27; "v2" fields from type 19 on, "v3" from 21, "v4" from 26 (Redis
 * 8.6), "v5" from 27 (Redis 8.8)) is
 *
 *   <n nodes: len>
 *     n x  <master ID: string of 16 bytes, ms and seq big-endian>
 *          <listpack: string>
 *   <length: len> <last ID: len ms, len seq>
 *   v2: <first ID: len, len> <max deleted ID: len, len> <entries added: len>
 *   <n groups: len>
 *     n x  <name: string> <last ID: len, len>
 *          v2: <entries read: len, 2^64-1 for unknown>
 *          <n pending: len>
 *            n x <ID: 16 raw bytes> <delivery time: ms> <delivery count: len>
 *          <n consumers: len>
 *            n x <name: string> <seen time: ms> v3: <active time: ms>
 *                <n pending: len>  n x <ID: 16 raw bytes, one of the group's>
 *          v5: <n NACKed: len>  n x <ID: 16 raw bytes, one of the group's>
 *   v4: <IDMP duration s: len> <IDMP maxsize: len>
 *       <n producers: len>
 *         n x <pid: string> <n iids: len>
 *               n x <iid: string> <ID: len ms, len seq>
 *       <iids added: len> <iids duplicates: len>
 *
 * and each node's listpack holds the node's "master entry" and then its
 * entries, IDs as deltas from the master ID:
 *
 *   count  deleted  n-master-fields  field ...  0
 *   flags  ms-delta  seq-delta  [n-fields field value ...| value ...]  lp-count
 *
 * flags: 1 deleted, 2 same fields as the master entry (values only). lp-count
 * is the number of the entry's elements before it (so the listpack can be
 * walked backwards).
 *
 * A group's NACK zone (v5) is its pending entries released by XNACK, owned
 * by no consumer, in release order (the order claims serve them); they are
 * in the group's pending list with delivery time 0. The v4 part is the
 * idempotency state: a producer's iids oldest first, as its ring holds
 * them; a stream that never used it carries the stream-idmp-* configs and
 * no producer. DUMP writes type 27 for a stream with NACKed entries, 26 for
 * one with idempotency state, else 21 (19 for RDB files and MIGRATE when
 * it carries everything), so Redis 7.2 and later restore what they can.
 *
 * Earlier streamd builds wrote such state as a private type
 * (DUMP_TYPE_STREAMD_STREAM, 208), still read: the type 21 layout followed
 * by, for every group in the same order, <n released: len> and n raw IDs in
 * release order; then <has idempotency state: u8> and, when 1, <duration
 * s: len> <maxsize: len> <iids added: len> <iids duplicates: len> <n
 * records: len> n x <pid: string> <iid: string> <ID: len, len>.
 *
 * RESTORE rebuilds a stream through the stream and group libraries' public
 * calls (stream_append with the payload's IDs, the metadata setters,
 * group_set_create, pel_add, ...), never by adopting the payload's bytes: the
 * payload is untrusted, and the node layout is the library's business.
 * Everything is checked before anything reaches the keyspace; a deleted
 * entry of a node is checked and then skipped. DUMP writes nodes from the
 * stream's iterator, cut as Redis cuts them (stream-node-max-entries /
 * -bytes), so Redis's readers see the node shapes they would make.
 */
#include "persist/dumpvalue.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/stream_idmp.h"
#include "cmd/stream_obj.h"
#include "persist/rdbcodec.h"
#include "persist/rdbmodule.h"
#include "stream/group.h"
#include "stream/idmp.h"
#include "stream/pel.h"

#define FLAG_DELETED    1
#define FLAG_SAMEFIELDS 2

/* ---- writing ------------------------------------------------------------- */

static void put_id_raw(Buf *b, StreamId id) {
    uint8_t x[16];
    for (int i = 0; i < 8; i++) {
        x[i] = (uint8_t)(id.ms >> (56 - 8 * i));
        x[8 + i] = (uint8_t)(id.seq >> (56 - 8 * i));
    }
    buf_append(b, x, sizeof x);
}

static void put_id_lens(Buf *b, StreamId id) {
    rdb_write_len(b, id.ms);
    rdb_write_len(b, id.seq);
}

/* One node in the making: its entries' elements in body (a listpack whose
 * header and terminator are left out at the end), the master fields. Names
 * and string values are views into the stream's nodes, which a save does
 * not change. */
typedef struct NodeOut {
    Buf body;
    LpWriter bw;
    StreamId master;
    uint64_t count;
    uint64_t mbytes; /* the master fields' bytes */
    Slice *mnames;   /* the master fields */
    size_t n_mfields, mnames_cap;
    const void *names_key; /* entries with this names key have the master fields */
    Buf lp;                /* the whole listpack, at flush */
} NodeOut;

/* Writes the node as <master ID> <listpack> to out. The listpack is the
 * master entry (made here, small) and the body; uncompressed it goes
 * straight into out, with one copy of the body. */
static void node_flush(Buf *out, NodeOut *n, size_t *n_nodes) {
    if (n->count == 0) return;
    Buf *lp = &n->lp;
    LpWriter w;
    buf_clear(lp);
    lp_writer_start(&w, lp);
    lp_append_int(&w, (int64_t)n->count);
    lp_append_int(&w, 0); /* deleted */
    lp_append_int(&w, (int64_t)n->n_mfields);
    for (size_t i = 0; i < n->n_mfields; i++) lp_append_str(&w, n->mnames[i].p, n->mnames[i].len);
    lp_append_int(&w, 0); /* the master entry's terminator */
    uint8_t id[17];
    id[0] = 16; /* the length of a plain 16-byte string */
    for (int i = 0; i < 8; i++) {
        id[1 + i] = (uint8_t)(n->master.ms >> (56 - 8 * i));
        id[9 + i] = (uint8_t)(n->master.seq >> (56 - 8 * i));
    }
    buf_append(out, id, sizeof id);
    const char *body = n->body.p + LP_HEADER_BYTES;
    size_t body_len = n->body.len - LP_HEADER_BYTES;
    if (rdb_codec_compress) {
        /* LZF wants the listpack in one piece */
        buf_append(lp, body, body_len);
        w.n += n->bw.n;
        lp_writer_finish(&w);
        rdb_write_string(out, lp->p, lp->len);
    } else {
        size_t total = lp->len + body_len + 1;
        rdb_write_len(out, total);
        LpWriter ow;
        lp_writer_start(&ow, out); /* the header, filled in by finish */
        buf_reserve(out, total);
        memcpy(out->p + out->len, lp->p + LP_HEADER_BYTES, lp->len - LP_HEADER_BYTES);
        memcpy(out->p + out->len + lp->len - LP_HEADER_BYTES, body, body_len);
        out->len += total - LP_HEADER_BYTES - 1;
        ow.n = w.n + n->bw.n;
        lp_writer_finish(&ow);
    }
    (*n_nodes)++;
    n->count = 0;
}

/* Text bytes of a value (what Redis counts against stream-node-max-bytes). */
static size_t val_text_len(const StreamVal *v) {
    if (!v->is_int) return v->s.len;
    uint64_t m = v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i;
    size_t n = v->i < 0 ? 2 : 1;
    for (; m >= 10000; m /= 10000) n += 4;
    return n + (m >= 10) + (m >= 100) + (m >= 1000);
}

/* Serializes the live entries of s as nodes to out; returns how many. The
 * values go from node form (StreamVal) to listpack elements without text in
 * between; an entry's elements are written at a pointer into room reserved
 * once. */
static size_t put_nodes(Buf *out, const Stream *s, const StreamLimits *lim) {
    size_t n_nodes = 0;
    NodeOut n;
    memset(&n, 0, sizeof n);
    buf_init(&n.body);
    buf_init(&n.lp);
    StreamIter it;
    StreamId id;
    size_t n_fields;
    StreamField *f = NULL;
    size_t f_cap = 0;
    stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX), 0);
    while (stream_iter_next(&it, &id, &n_fields)) {
        if (n_fields > f_cap) {
            f_cap = n_fields;
            f = xrealloc(f, f_cap * sizeof(StreamField));
        }
        size_t bytes = 0, room = 5 * LP_INT_MAX_BYTES; /* flags, IDs, count, lp-count */
        const void *names_key = stream_iter_fields_val(&it, f);
        for (size_t i = 0; i < n_fields; i++) {
            size_t vlen = val_text_len(&f[i].val);
            bytes += f[i].name.len + vlen;
            room += lp_str_max_bytes(f[i].name.len) + lp_str_max_bytes(vlen);
        }
        if (n.count > 0) {
            uint64_t lp_bytes = n.body.len + n.mbytes + 16;
            int full = (lim->max_entries && n.count >= lim->max_entries) ||
                       (lim->max_bytes && lp_bytes + bytes >= lim->max_bytes);
            if (full) node_flush(out, &n, &n_nodes);
        }
        int is_same = 0;
        if (n.count == 0) {
            buf_clear(&n.body);
            lp_writer_start(&n.bw, &n.body);
            n.master = id;
            if (n_fields > n.mnames_cap) {
                n.mnames_cap = n_fields;
                n.mnames = xrealloc(n.mnames, n.mnames_cap * sizeof(Slice));
            }
            n.n_mfields = n_fields;
            n.mbytes = 0;
            for (size_t i = 0; i < n_fields; i++) {
                n.mnames[i] = f[i].name;
                n.mbytes += f[i].name.len;
            }
            n.names_key = names_key;
            is_same = 1;
        } else if (names_key && names_key == n.names_key) {
            is_same = 1; /* the names compared equal for an earlier entry */
        } else if (n_fields == n.n_mfields) {
            is_same = 1;
            for (size_t i = 0; is_same && i < n_fields; i++)
                is_same = slice_eq(f[i].name, n.mnames[i]);
            if (is_same && names_key) n.names_key = names_key;
        }
        buf_reserve(&n.body, room);
        uint8_t *start = (uint8_t *)n.body.p + n.body.len, *p = start;
        p = lp_put_int(p, is_same ? FLAG_SAMEFIELDS : 0);
        p = lp_put_int(p, (int64_t)(id.ms - n.master.ms));
        p = lp_put_int(p, (int64_t)(id.seq - n.master.seq));
        if (!is_same) p = lp_put_int(p, (int64_t)n_fields);
        for (size_t i = 0; i < n_fields; i++) {
            /* a name that is an integer's text is one in a listpack; a
             * string value never is (the node would hold an integer) */
            if (!is_same) p = lp_put_text(p, f[i].name.p, f[i].name.len);
            const StreamVal *v = &f[i].val;
            p = v->is_int ? lp_put_int(p, v->i) : lp_put_str(p, v->s.p, v->s.len);
        }
        p = lp_put_int(p, is_same ? (int64_t)n_fields + 3 : 2 * (int64_t)n_fields + 4);
        n.body.len += (size_t)(p - start);
        n.bw.n += (uint32_t)((is_same ? 1 : 2) * n_fields + (is_same ? 4 : 5));
        n.count++;
    }
    node_flush(out, &n, &n_nodes);
    xfree(f);
    xfree(n.mnames);
    buf_free(&n.body);
    buf_free(&n.lp);
    return n_nodes;
}

/* The released (XNACKed) entries of a group's pending list, release order. */
static void put_released(Buf *out, const Pel *pel) {
    PelRef *rel = NULL;
    size_t n_rel = pel_released_list(pel, &rel);
    rdb_write_len(out, n_rel);
    for (size_t k = 0; k < n_rel; k++) put_id_raw(out, pel_id(pel, rel[k]));
    xfree(rel);
}

/* Consumer groups in the layout of type (19, 21, 26 or 27); released
 * entries (owned by no consumer) are in no consumer's list, and in the
 * group's NACK zone for type 27. */
static void put_groups(Buf *out, const GroupSet *gs, int type) {
    int v3 = type != DUMP_TYPE_STREAM_LISTPACKS_2;
    ConsumerGroup **groups = NULL;
    size_t n = gs ? group_set_list(gs, &groups) : 0;
    rdb_write_len(out, n);
    for (size_t i = 0; i < n; i++) {
        ConsumerGroup *g = groups[i];
        Slice name = group_name(g);
        rdb_write_string(out, name.p, name.len);
        put_id_lens(out, group_last_id(g));
        rdb_write_len(out, (uint64_t)group_entries_read(g)); /* -1: 2^64-1 */
        const Pel *pel = group_pel_c(g);
        rdb_write_len(out, pel_len(pel));
        PelIter it;
        pel_iter_seek(&it, pel, PEL_OWNER_ALL, stream_id_make(0, 0));
        for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
            PelEntry e;
            pel_get(pel, r, &e);
            put_id_raw(out, e.id);
            rdb_write_ms(out, e.owner == PEL_OWNER_NONE ? 0 : e.delivery_ms);
            rdb_write_len(out, e.delivery_count);
        }
        ConsumerId *ids = NULL;
        size_t n_c = group_consumer_list(g, &ids);
        rdb_write_len(out, n_c);
        for (size_t k = 0; k < n_c; k++) {
            Slice cname = group_consumer_name(g, ids[k]);
            rdb_write_string(out, cname.p, cname.len);
            rdb_write_ms(out, group_consumer_seen_ms(g, ids[k]));
            if (v3) rdb_write_ms(out, group_consumer_active_ms(g, ids[k]));
            rdb_write_len(out, pel_owner_len(pel, ids[k]));
            pel_iter_seek(&it, pel, ids[k], stream_id_make(0, 0));
            for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it))
                put_id_raw(out, pel_id(pel, r));
        }
        xfree(ids);
        if (type == DUMP_TYPE_STREAM_LISTPACKS_5) put_released(out, pel);
    }
    xfree(groups);
}

/* Type 26's idempotency part: the state's configuration (the configs for a
 * stream without state), every producer with its live iids oldest first,
 * the counters. */
static void put_idmp(Buf *out, const StreamObj *so, int64_t now_ms) {
    const Idmp *m = so->idmp;
    uint32_t duration, maxsize;
    if (m) {
        duration = idmp_duration(m);
        maxsize = idmp_maxsize(m);
    } else {
        stream_idmp_defaults(&duration, &maxsize);
    }
    rdb_write_len(out, duration);
    rdb_write_len(out, maxsize);
    if (!m) {
        rdb_write_len(out, 0); /* producers */
        rdb_write_len(out, 0); /* iids added */
        rdb_write_len(out, 0); /* iids duplicates */
        return;
    }
    /* The iterator yields each producer's iids together; their counts come
     * first in the layout, so one pass counts and a second writes. */
    uint64_t *counts = NULL;
    size_t n_prod = 0, cap = 0;
    IdmpIter it;
    Slice pid, iid, prev = {NULL, 0};
    StreamId id;
    idmp_iter_start(&it, m, now_ms);
    while (idmp_iter_next(&it, &pid, &iid, &id)) {
        if (n_prod == 0 || !slice_eq(pid, prev)) {
            if (n_prod == cap) {
                cap = cap ? 2 * cap : 8;
                counts = xrealloc(counts, cap * sizeof *counts);
            }
            counts[n_prod++] = 0;
            prev = pid;
        }
        counts[n_prod - 1]++;
    }
    rdb_write_len(out, n_prod);
    size_t k = 0;
    int first = 1;
    idmp_iter_start(&it, m, now_ms);
    while (idmp_iter_next(&it, &pid, &iid, &id)) {
        if (first || !slice_eq(pid, prev)) {
            if (!first) k++;
            first = 0;
            prev = pid;
            rdb_write_string(out, pid.p, pid.len);
            rdb_write_len(out, counts[k]);
        }
        rdb_write_string(out, iid.p, iid.len);
        put_id_lens(out, id);
    }
    xfree(counts);
    rdb_write_len(out, idmp_iids_added(m));
    rdb_write_len(out, idmp_iids_duplicates(m));
}

/* Whether a group of so has released (XNACKed) entries: type 27. */
static int has_nacked(const StreamObj *so) {
    if (!so->groups) return 0;
    ConsumerGroup **groups = NULL;
    size_t n = group_set_list(so->groups, &groups);
    int yes = 0;
    for (size_t i = 0; i < n && !yes; i++) yes = group_nacked_count(groups[i]) > 0;
    xfree(groups);
    return yes;
}

/* Whether every consumer's active time is its seen time: what type 19
 * (no active time; readers take the seen time for it) carries exactly. */
static int active_is_seen(const StreamObj *so) {
    if (!so->groups) return 1;
    ConsumerGroup **groups = NULL;
    size_t n = group_set_list(so->groups, &groups);
    int yes = 1;
    for (size_t i = 0; i < n && yes; i++) {
        ConsumerId *ids = NULL;
        size_t n_c = group_consumer_list(groups[i], &ids);
        for (size_t k = 0; k < n_c && yes; k++)
            yes = group_consumer_seen_ms(groups[i], ids[k]) ==
                  group_consumer_active_ms(groups[i], ids[k]);
        xfree(ids);
    }
    xfree(groups);
    return yes;
}

/* The newest stream type so needs: 27 with NACKed entries, 26 with
 * idempotency state, else 21. */
static int stream_type_needed(const StreamObj *so) {
    if (has_nacked(so)) return DUMP_TYPE_STREAM_LISTPACKS_5;
    if (so->idmp) return DUMP_TYPE_STREAM_LISTPACKS_4;
    return DUMP_TYPE_STREAM_LISTPACKS_3;
}

/* type: 19, 21, 26 or 27 (the caller chose one that carries the stream, or
 * one that loses what the reader cannot hold). */
static void put_stream(Buf *out, const StreamObj *so, int type, int64_t now_ms) {
    const Stream *s = so->s;
    /* The node count comes first but is known last: the nodes go after room
     * for the length encoding of a guess (these nodes are cut by entries as
     * the stream's own are, mostly), and move when the count's encoding
     * turns out longer or shorter (no second copy of a value that may be the
     * size of the dataset). The buffer grows once, to about what the
     * listpacks take, rather than by halves with a copy each time. */
    StreamLimits lim = stream_obj_limits();
    uint64_t guess = stream_node_count(s);
    if (lim.max_entries && stream_length(s) / lim.max_entries > guess)
        guess = stream_length(s) / lim.max_entries;
    buf_reserve(out, 2 * stream_mem_usage(s) + 64);
    size_t at = out->len, room = rdb_len_bytes(guess);
    static const char zeros[9] = {0};
    buf_append(out, zeros, room);
    size_t n_nodes = put_nodes(out, s, &lim);
    size_t need = rdb_len_bytes(n_nodes);
    if (need != room) {
        buf_reserve(out, need);
        memmove(out->p + at + need, out->p + at + room, out->len - at - room);
        out->len = out->len - room + need;
    }
    size_t end = out->len;
    out->len = at;
    rdb_write_len(out, n_nodes);
    out->len = end;
    rdb_write_len(out, stream_length(s));
    put_id_lens(out, stream_last_id(s));
    put_id_lens(out, stream_first_id(s));
    put_id_lens(out, stream_max_deleted_id(s));
    rdb_write_len(out, stream_entries_added(s));
    put_groups(out, so->groups, type);
    if (type >= DUMP_TYPE_STREAM_LISTPACKS_4) put_idmp(out, so, now_ms);
}

/* ---- the registry of other value types ------------------------------------ */

static const PersistTypeOps *type_ops[OBJ_TYPE_COUNT];

void persist_register_type(const PersistTypeOps *ops) {
    type_ops[ops->obj_type] = ops;
}

const PersistTypeOps *persist_type_ops(ObjType t) {
    return type_ops[t];
}

const PersistTypeOps *persist_type_ops_for_rdb(int rdb_type) {
    for (int t = 0; t < OBJ_TYPE_COUNT; t++) {
        const PersistTypeOps *ops = type_ops[t];
        if (!ops) continue;
        for (size_t i = 0; i < ops->n_rdb_types; i++)
            if (ops->rdb_types[i] == rdb_type) return ops;
    }
    return NULL;
}

/* The registered type of a module type name, or NULL. */
static const PersistTypeOps *module_ops_named(const char *name) {
    for (int t = 0; t < OBJ_TYPE_COUNT; t++) {
        const PersistTypeOps *ops = type_ops[t];
        if (ops && ops->module_name && strcmp(ops->module_name, name) == 0) return ops;
    }
    return NULL;
}

const PersistTypeOps *persist_module_ops_at(const RdbReader *r) {
    RdbReader peek = *r;
    uint64_t id;
    if (rdb_read_len(&peek, &id) != RDB_OK) return NULL;
    char name[10];
    int encver;
    rdbm_id_split(id, name, &encver);
    return module_ops_named(name);
}

/* A module value after its type byte: the id, the type's fields, EOF. */
static int read_module_value(RdbReader *r, int64_t now_ms, Obj **out) {
    uint64_t id, eof;
    if (rdb_read_len(r, &id) != RDB_OK) return RDB_ERR;
    char name[10];
    int encver;
    rdbm_id_split(id, name, &encver);
    const PersistTypeOps *ops = module_ops_named(name);
    if (!ops) return RDB_ERR;
    int rc = ops->rdb_read(r, encver, now_ms, out);
    if (rc != RDB_OK) return rc;
    if (rdb_read_len(r, &eof) != RDB_OK || eof != RDBM_EOF) {
        obj_free(*out);
        *out = NULL;
        return RDB_ERR;
    }
    return RDB_OK;
}

int dump_type_rdb_version(int type) {
    if (type == DUMP_TYPE_STREAM_LISTPACKS_4) return 13;
    if (type == DUMP_TYPE_STREAM_LISTPACKS_5) return 14;
    if ((type >= 22 && type <= 25) || type == 28) return 12; /* 28: Redis 8.8's array */
    if (type == 20 || type == DUMP_TYPE_STREAM_LISTPACKS_3 || type == DUMP_TYPE_STREAMD_STREAM)
        return 11;
    return 10;
}

/* The oldest value type that carries o whole: a string's 0; for a stream 19
 * (Redis 7.0) when every consumer's active time is its seen time, else 21,
 * or 26 / 27 when it has idempotency / XNACK state (stream_type_needed());
 * another type's own. */
int dump_value_type(const Obj *o) {
    return dump_value_type_capped(o, INT_MAX);
}

int dump_value_type_capped(const Obj *o, int cap) {
    if (o->type == OBJ_STRING) return DUMP_TYPE_STRING;
    if (o->type != OBJ_STREAM) return type_ops[o->type]->rdb_type(o, cap);
    const StreamObj *so = o->ptr;
    int t = stream_type_needed(so);
    if (t == DUMP_TYPE_STREAM_LISTPACKS_3 && active_is_seen(so)) t = DUMP_TYPE_STREAM_LISTPACKS_2;
    /* the newest stream type the reader takes, losing what it cannot hold */
    static const int older[] = {DUMP_TYPE_STREAM_LISTPACKS_4, DUMP_TYPE_STREAM_LISTPACKS_3,
                                DUMP_TYPE_STREAM_LISTPACKS_2};
    for (size_t i = 0; i < sizeof older / sizeof older[0] && t > cap; i++)
        if (older[i] < t) t = older[i];
    return t;
}

/* Appends o's value (not its type byte) as type (dump_value_type(o), or
 * for a stream a newer one). */
void dump_value_body(const Obj *o, int type, int64_t now_ms, Buf *out) {
    if (o->type == OBJ_STRING) {
        rdb_write_string(out, o->ptr, o->len);
    } else if (o->type == OBJ_STREAM) {
        put_stream(out, o->ptr, type, now_ms);
    } else {
        const PersistTypeOps *ops = type_ops[o->type];
        if (ops->module_name)
            rdb_write_len(out, rdbm_module_id(ops->module_name, ops->module_encver));
        ops->rdb_write(o, type, now_ms, out);
        if (ops->module_name) rdb_write_len(out, RDBM_EOF);
    }
}

static void seal(const Obj *o, int type, unsigned version, int64_t now_ms, Buf *out, size_t start);

/* Appends the whole payload for o (type, value, version, CRC) to out.
 * Borrows o; now_ms decides which idempotency records are still live. */
void dump_value(const Obj *o, int64_t now_ms, Buf *out) {
    size_t start = out->len;
    unsigned version = DUMP_RDB_VERSION;
    int type = DUMP_TYPE_STRING;
    if (o->type == OBJ_STRING) {
        version = DUMP_RDB_VERSION_STRING;
    } else if (o->type == OBJ_STREAM) {
        type = stream_type_needed(o->ptr);
        version = (unsigned)dump_type_rdb_version(type);
    } else {
        type = dump_value_type(o);
        version = (unsigned)dump_type_rdb_version(type);
    }
    seal(o, type, version, now_ms, out, start);
}

/* Appends the payload for o as the oldest type that carries it whole, sealed
 * with the oldest RDB version that has the type (for MIGRATE: a Redis 7.0
 * target reads every value 7.0 can hold). Borrows o. */
void dump_value_oldest(const Obj *o, int64_t now_ms, Buf *out) {
    int type = dump_value_type(o);
    seal(o, type, (unsigned)dump_type_rdb_version(type), now_ms, out, out->len);
}

/* The payload of o as type: type byte, value, version, CRC from start. */
static void seal(const Obj *o, int type, unsigned version, int64_t now_ms, Buf *out, size_t start) {
    buf_append_char(out, (char)type);
    dump_value_body(o, type, now_ms, out);
    uint8_t footer[10];
    footer[0] = (uint8_t)(version & 0xff);
    footer[1] = (uint8_t)(version >> 8);
    buf_append(out, footer, 2);
    uint64_t crc = rdb_crc64(0, out->p + start, out->len - start);
    for (int i = 0; i < 8; i++) footer[2 + i] = (uint8_t)(crc >> (8 * i));
    buf_append(out, footer + 2, 8);
}

/* ---- reading ------------------------------------------------------------- */

/* Checks the footer: at least version and CRC, a version this reader knows,
 * the CRC of everything before it. */
int dump_check_footer(const uint8_t *p, size_t len) {
    if (len < 10) return DUMP_ERR_CHECKSUM;
    const uint8_t *f = p + len - 10;
    unsigned version = (unsigned)f[0] | (unsigned)f[1] << 8;
    if (version > DUMP_RDB_VERSION_MAX) return DUMP_ERR_CHECKSUM;
    uint64_t crc = 0;
    for (int i = 7; i >= 0; i--) crc = crc << 8 | f[2 + i];
    if (rdb_crc64(0, p, len - 8) != crc) return DUMP_ERR_CHECKSUM;
    return DUMP_OK;
}

static int read_id_lens(RdbReader *r, StreamId *id) {
    if (rdb_read_len(r, &id->ms) != RDB_OK || rdb_read_len(r, &id->seq) != RDB_OK) return RDB_ERR;
    return RDB_OK;
}

static StreamId id_from_raw(const uint8_t *x) {
    StreamId id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.ms = id.ms << 8 | x[i];
        id.seq = id.seq << 8 | x[8 + i];
    }
    return id;
}

static int read_id_raw(RdbReader *r, StreamId *id) {
    const uint8_t *x;
    if (rdb_read_raw(r, 16, &x) != RDB_OK) return RDB_ERR;
    *id = id_from_raw(x);
    return RDB_OK;
}

/* An element that must be an integer. */
static int lp_int(LpReader *lr, int64_t *v) {
    LpElem e;
    if (lp_next(lr, &e) != 1 || !e.is_int) return RDB_ERR;
    *v = e.v;
    return RDB_OK;
}

/* A string element; an integer comes back as its decimal form, appended to
 * scratch (cap bytes, *used so far). A rendered integer is at most twice the
 * bytes its element takes in the listpack (encoding + backlen: 2 bytes for
 * "127", 10 for a 20-digit one), so 2 x the listpack's size always fits. */
static int lp_str(LpReader *lr, Slice *out, char *scratch, size_t cap, size_t *used) {
    LpElem e;
    if (lp_next(lr, &e) != 1) return RDB_ERR;
    if (e.is_int) {
        char buf[24];
        size_t n = ll_to_str(e.v, buf);
        if (n > cap - *used) return RDB_ERR; /* cannot happen: see above */
        memcpy(scratch + *used, buf, n);
        *out = slice_of(scratch + *used, n);
        *used += n;
    } else {
        *out = slice_of(e.len ? (const char *)e.s : "", e.len);
    }
    return RDB_OK;
}

/* A value element: in node form (stream.h's StreamVal). An integer stays
 * one; a string stays one unless it is an integer's canonical text, which
 * Redis never writes as a string but a node must hold as the integer. */
static int lp_val(LpReader *lr, StreamVal *v) {
    LpElem e;
    if (lp_next(lr, &e) != 1) return RDB_ERR;
    if (e.is_int) {
        v->is_int = 1;
        v->i = e.v;
    } else {
        *v = stream_val_of(slice_of(e.len ? (const char *)e.s : "", e.len));
    }
    return RDB_OK;
}

/* What the node walk tracks across nodes. */
typedef struct LoadState {
    Stream *s;
    const StreamLimits *lim;
    StreamId last_seen; /* the greatest entry ID so far, live or deleted */
    int has_seen;
    StreamId last_live; /* the greatest live entry ID so far */
    int has_live;
    uint64_t n_live;
    StreamField *f;
    size_t f_cap;
    Slice *mf; /* the master fields of the node being read */
    size_t mf_cap;
    char *scratch;
    size_t scratch_cap;
    Buf lp; /* a node's listpack when it had to be decoded (LZF) */
} LoadState;

static void ensure_fields(LoadState *ls, uint64_t n_fields) {
    if (n_fields > ls->f_cap) {
        ls->f_cap = (size_t)n_fields;
        ls->f = xrealloc(ls->f, ls->f_cap * sizeof(StreamField));
    }
}

/* Room for every integer of a listpack of lp_len bytes rendered as text. */
static size_t scratch_bytes(size_t lp_len) {
    return 2 * lp_len + 24;
}

/* One node: its master ID and listpack, checked as it is read (one pass:
 * an error anywhere fails the whole stream, which is then freed), live
 * entries appended to the stream with their values as the listpack holds
 * them (integers are not printed and parsed again). */
static int load_node(LoadState *ls, StreamId master, const uint8_t *lp, size_t lp_len) {
    if (ls->has_seen && stream_id_cmp(master, ls->last_seen) <= 0) return RDB_ERR;
    LpReader lr;
    if (lp_reader_open(&lr, lp, lp_len) != RDB_OK) return RDB_ERR;
    int64_t count, deleted, n_master;
    if (lp_int(&lr, &count) || lp_int(&lr, &deleted) || lp_int(&lr, &n_master)) return RDB_ERR;
    /* Every element takes at least two bytes: no count can exceed half the
     * node (a field and its value: a quarter). */
    if (count < 0 || deleted < 0 || n_master <= 0 || (uint64_t)n_master > lp_len / 2 ||
        (uint64_t)count > lp_len || (uint64_t)deleted > lp_len || count + deleted == 0)
        return RDB_ERR;
    /* Field names: views into lp; integers rendered in scratch, whose part
     * before mused holds the master fields' for the whole node. */
    size_t scap = scratch_bytes(lp_len);
    if (ls->scratch_cap < scap) {
        ls->scratch_cap = scap;
        ls->scratch = xrealloc(ls->scratch, scap);
    }
    if ((size_t)n_master > ls->mf_cap) {
        ls->mf_cap = (size_t)n_master;
        ls->mf = xrealloc(ls->mf, ls->mf_cap * sizeof(Slice));
    }
    Slice *mf = ls->mf;
    size_t mused = 0;
    int64_t v;
    for (int64_t i = 0; i < n_master; i++)
        if (lp_str(&lr, &mf[i], ls->scratch, scap, &mused) != RDB_OK) return RDB_ERR;
    if (lp_int(&lr, &v) != RDB_OK || v != 0) return RDB_ERR;
    int64_t seen_live = 0, seen_deleted = 0;
    for (;;) {
        LpElem e;
        int more = lp_next(&lr, &e);
        if (more < 0) return RDB_ERR;
        if (more == 0) break;
        if (!e.is_int || (e.v & ~(int64_t)(FLAG_DELETED | FLAG_SAMEFIELDS)) != 0) return RDB_ERR;
        int64_t flags = e.v, dms, dseq;
        if (lp_int(&lr, &dms) || lp_int(&lr, &dseq)) return RDB_ERR;
        StreamId id = {master.ms + (uint64_t)dms, master.seq + (uint64_t)dseq};
        if (stream_id_cmp(id, master) < 0 || stream_id_is_zero(id)) return RDB_ERR;
        if (ls->has_seen && stream_id_cmp(id, ls->last_seen) <= 0) return RDB_ERR;
        int64_t n_fields = n_master;
        if (!(flags & FLAG_SAMEFIELDS)) {
            if (lp_int(&lr, &n_fields) || n_fields <= 0 || (uint64_t)n_fields > lp_len / 4)
                return RDB_ERR;
        }
        ensure_fields(ls, (uint64_t)n_fields);
        StreamField *f = ls->f;
        size_t used = mused;
        for (int64_t i = 0; i < n_fields; i++) {
            if (flags & FLAG_SAMEFIELDS) {
                f[i].name = mf[i];
            } else if (lp_str(&lr, &f[i].name, ls->scratch, scap, &used) != RDB_OK) {
                return RDB_ERR;
            }
            if (lp_val(&lr, &f[i].val) != RDB_OK) return RDB_ERR;
        }
        int64_t lp_count;
        int64_t want = (flags & FLAG_SAMEFIELDS) ? n_fields + 3 : 2 * n_fields + 4;
        if (lp_int(&lr, &lp_count) || lp_count != want) return RDB_ERR;
        ls->last_seen = id;
        ls->has_seen = 1;
        if (flags & FLAG_DELETED) {
            seen_deleted++;
            continue;
        }
        seen_live++;
        if (stream_append_fields(ls->s, id, f, (size_t)n_fields, ls->lim) != STREAM_OK)
            return RDB_ERR;
        ls->n_live++;
        ls->last_live = id;
        ls->has_live = 1;
    }
    if (lp_reader_done(&lr) != RDB_OK) return RDB_ERR;
    if (seen_live != count || seen_deleted != deleted) return RDB_ERR;
    return RDB_OK;
}

/* One pending entry of a group being read. */
typedef struct PendIn {
    StreamId id;
    int64_t delivery_ms;
    uint64_t count;
    uint32_t owner;     /* index into the consumers read, or UINT32_MAX */
    uint64_t rel_order; /* private type: position in the release order */
} PendIn;

#define NO_OWNER     UINT32_MAX
#define OWNER_NACKED (UINT32_MAX - 1)

static PendIn *pend_find(PendIn *v, size_t n, StreamId id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = stream_id_cmp(v[mid].id, id);
        if (c == 0) return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A group being read: its pending entries until the consumers are known. */
typedef struct GroupIn {
    ConsumerGroup *g;
    PendIn *pend;
    size_t n_pend;
    ConsumerId *cids; /* consumer index -> ConsumerId */
    size_t n_consumers;
} GroupIn;

static void group_in_free(GroupIn *gi) {
    xfree(gi->pend);
    xfree(gi->cids);
}

/* The remaining bytes bound any count read from them: every item is at
 * least one byte. */
static int count_ok(const RdbReader *r, uint64_t n, size_t min_item_bytes) {
    return n <= (r->len - r->pos) / min_item_bytes;
}

/* A group's released (XNACKed) entries, in release order: type 27's NACK
 * zone, or the group's part of type 208's trailer. Each must be pending and
 * owned by no consumer. */
static int load_released(RdbReader *r, GroupIn *gi) {
    uint64_t n;
    if (rdb_read_len(r, &n) != RDB_OK || !count_ok(r, n, 16)) return RDB_ERR;
    for (uint64_t j = 0; j < n; j++) {
        StreamId id;
        if (read_id_raw(r, &id) != RDB_OK) return RDB_ERR;
        PendIn *p = pend_find(gi->pend, gi->n_pend, id);
        if (!p || p->owner != NO_OWNER) return RDB_ERR;
        p->owner = OWNER_NACKED;
        p->rel_order = j;
    }
    return RDB_OK;
}

static int load_group(RdbReader *r, int type, GroupSet *gs, const StreamFacts *facts, GroupIn *gi) {
    char *name;
    size_t name_len;
    StreamId last;
    memset(gi, 0, sizeof *gi);
    if (rdb_read_string(r, persist_string_max(), &name, &name_len) != RDB_OK) return RDB_ERR;
    int rc = RDB_ERR;
    if (read_id_lens(r, &last) != RDB_OK) goto out;
    int64_t entries_read;
    if (type >= DUMP_TYPE_STREAM_LISTPACKS_2) {
        uint64_t er;
        if (rdb_read_len(r, &er) != RDB_OK) goto out;
        if (er == UINT64_MAX)
            entries_read = GROUP_ENTRIES_READ_INVALID;
        else if (er > INT64_MAX)
            goto out;
        else
            entries_read = (int64_t)er;
    } else {
        entries_read = group_entries_read_at(facts, last);
    }
    if (group_set_find(gs, slice_of(name, name_len))) goto out; /* a duplicate */
    gi->g = group_set_create(gs, slice_of(name, name_len), last, entries_read);
    if (!gi->g) goto out;
    uint64_t n;
    if (rdb_read_len(r, &n) != RDB_OK || !count_ok(r, n, 25)) goto out;
    gi->pend = xmalloc((size_t)n * sizeof(PendIn) + 1);
    for (uint64_t i = 0; i < n; i++) {
        PendIn *p = &gi->pend[i];
        if (read_id_raw(r, &p->id) || rdb_read_ms(r, &p->delivery_ms) || rdb_read_len(r, &p->count))
            goto out;
        /* Pending IDs were entries once: above 0-0, ascending without
         * duplicates. (Not necessarily at most the last ID: Redis 7.0's
         * XSETID may set it below a deleted, still pending entry.) */
        if (stream_id_is_zero(p->id)) goto out;
        if (i > 0 && stream_id_cmp(p->id, gi->pend[i - 1].id) <= 0) goto out;
        if (p->delivery_ms < 0 || p->delivery_ms >= PEL_TIME_LIMIT || p->count > INT64_MAX)
            goto out;
        p->owner = NO_OWNER;
        gi->n_pend = (size_t)i + 1;
    }
    if (rdb_read_len(r, &n) != RDB_OK || !count_ok(r, n, 10)) goto out;
    gi->cids = xmalloc((size_t)n * sizeof(ConsumerId) + 1);
    for (uint64_t k = 0; k < n; k++) {
        char *cname;
        size_t cname_len;
        int64_t seen, active = -1;
        if (rdb_read_string(r, persist_string_max(), &cname, &cname_len) != RDB_OK) goto out;
        ConsumerId cid = group_consumer_create(gi->g, slice_of(cname, cname_len), 0);
        xfree(cname);
        if (cid == GROUP_NO_CONSUMER) goto out; /* a duplicate name */
        gi->cids[k] = cid;
        gi->n_consumers = (size_t)k + 1;
        if (rdb_read_ms(r, &seen) != RDB_OK) goto out;
        if (type >= DUMP_TYPE_STREAM_LISTPACKS_3) {
            if (rdb_read_ms(r, &active) != RDB_OK) goto out;
        } else {
            active = seen; /* what Redis 7.2 assumes for older payloads */
        }
        group_consumer_set_times(gi->g, cid, seen, active);
        uint64_t n_own;
        if (rdb_read_len(r, &n_own) != RDB_OK || !count_ok(r, n_own, 16)) goto out;
        for (uint64_t j = 0; j < n_own; j++) {
            StreamId id;
            if (read_id_raw(r, &id) != RDB_OK) goto out;
            PendIn *p = pend_find(gi->pend, gi->n_pend, id);
            if (!p || p->owner != NO_OWNER) goto out; /* not pending, or owned twice */
            p->owner = (uint32_t)k;
        }
    }
    if (type == DUMP_TYPE_STREAM_LISTPACKS_5 && load_released(r, gi) != RDB_OK) goto out;
    rc = RDB_OK;
out:
    xfree(name);
    return rc;
}

static int rel_order_cmp(const void *a, const void *b) {
    const PendIn *x = *(PendIn *const *)a, *y = *(PendIn *const *)b;
    return x->rel_order < y->rel_order ? -1 : x->rel_order > y->rel_order;
}

/* Fills the group's pending list once every owner is known. */
static int group_fill(GroupIn *gi) {
    Pel *pel = group_pel(gi->g);
    size_t n_rel = 0;
    for (size_t i = 0; i < gi->n_pend; i++) {
        PendIn *p = &gi->pend[i];
        if (p->owner == NO_OWNER) return RDB_ERR; /* pending for nobody */
        if (p->owner == OWNER_NACKED) {
            n_rel++;
            continue;
        }
        pel_add(pel, p->id, gi->cids[p->owner], p->delivery_ms, p->count);
    }
    if (n_rel) {
        PendIn **rel = xmalloc(n_rel * sizeof(*rel));
        size_t k = 0;
        for (size_t i = 0; i < gi->n_pend; i++)
            if (gi->pend[i].owner == OWNER_NACKED) rel[k++] = &gi->pend[i];
        qsort(rel, n_rel, sizeof(*rel), rel_order_cmp);
        for (size_t i = 0; i < n_rel; i++) group_release_new(gi->g, rel[i]->id, rel[i]->count);
        xfree(rel);
    }
    return RDB_OK;
}

static int load_idmp(RdbReader *r, Idmp **out, int64_t now_ms) {
    uint8_t has;
    *out = NULL;
    if (rdb_read_u8(r, &has) != RDB_OK || has > 1) return RDB_ERR;
    if (!has) return RDB_OK;
    uint64_t duration, maxsize, added, dups, n;
    if (rdb_read_len(r, &duration) || rdb_read_len(r, &maxsize) || rdb_read_len(r, &added) ||
        rdb_read_len(r, &dups) || rdb_read_len(r, &n))
        return RDB_ERR;
    if (duration < IDMP_DURATION_MIN || duration > IDMP_DURATION_MAX ||
        maxsize < IDMP_MAXSIZE_MIN || maxsize > IDMP_MAXSIZE_MAX || !count_ok(r, n, 4))
        return RDB_ERR;
    Idmp *m = stream_idmp_state_new((uint32_t)duration, (uint32_t)maxsize);
    for (uint64_t i = 0; i < n; i++) {
        char *pid = NULL, *iid = NULL;
        size_t pid_len, iid_len;
        StreamId id;
        int ok = rdb_read_string(r, persist_string_max(), &pid, &pid_len) == RDB_OK &&
                 rdb_read_string(r, persist_string_max(), &iid, &iid_len) == RDB_OK &&
                 read_id_lens(r, &id) == RDB_OK && pid_len > 0 && iid_len > 0;
        if (ok) {
            IdmpKey k;
            idmp_key_init(&k, slice_of(pid, pid_len), slice_of(iid, iid_len));
            idmp_add(m, &k, &id, now_ms);
        }
        xfree(pid);
        xfree(iid);
        if (!ok) {
            idmp_free(m);
            return RDB_ERR;
        }
    }
    idmp_set_counters(m, added, dups);
    *out = m;
    return RDB_OK;
}

static int slice_cmp_qsort(const void *a, const void *b) {
    const Slice *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Types 26 and 27's idempotency part (see the top). The state is made only
 * when it says more than a stream without one (no state: the configs and
 * zero counters). A producer or an iid named twice, an empty name, or a
 * duration / maxsize XCFGSET refuses is an error. */
static int load_idmp_v4(RdbReader *r, Idmp **out, int64_t now_ms) {
    *out = NULL;
    uint64_t duration, maxsize, n_prod;
    if (rdb_read_len(r, &duration) || rdb_read_len(r, &maxsize) || rdb_read_len(r, &n_prod))
        return RDB_ERR;
    if (duration < IDMP_DURATION_MIN || duration > IDMP_DURATION_MAX ||
        maxsize < IDMP_MAXSIZE_MIN || maxsize > IDMP_MAXSIZE_MAX || !count_ok(r, n_prod, 2))
        return RDB_ERR;
    Idmp *m = stream_idmp_state_new((uint32_t)duration, (uint32_t)maxsize);
    Slice *pids = xmalloc((size_t)n_prod * sizeof(Slice) + 1);
    size_t n_pids = 0;
    int rc = RDB_ERR;
    for (uint64_t i = 0; i < n_prod; i++) {
        char *pid;
        size_t pid_len;
        uint64_t n_iids;
        if (rdb_read_string(r, persist_string_max(), &pid, &pid_len) != RDB_OK) goto out;
        pids[n_pids++] = slice_of(pid, pid_len);
        if (pid_len == 0 || rdb_read_len(r, &n_iids) != RDB_OK || !count_ok(r, n_iids, 3)) goto out;
        for (uint64_t j = 0; j < n_iids; j++) {
            char *iid = NULL;
            size_t iid_len;
            StreamId id, old;
            if (rdb_read_string(r, persist_string_max(), &iid, &iid_len) != RDB_OK) goto out;
            int ok = iid_len > 0 && read_id_lens(r, &id) == RDB_OK;
            if (ok) {
                IdmpKey k;
                idmp_key_init(&k, slice_of(pid, pid_len), slice_of(iid, iid_len));
                /* a second mapping of a live iid (an expired one is gone) */
                ok = !idmp_find(m, &k, now_ms, &old);
                if (ok) idmp_add(m, &k, &id, now_ms);
            }
            xfree(iid);
            if (!ok) goto out;
        }
    }
    qsort(pids, n_pids, sizeof(Slice), slice_cmp_qsort);
    for (size_t i = 1; i < n_pids; i++)
        if (slice_eq(pids[i - 1], pids[i])) goto out;
    uint64_t added, dups;
    if (rdb_read_len(r, &added) || rdb_read_len(r, &dups)) goto out;
    idmp_set_counters(m, added, dups);
    uint32_t def_duration, def_maxsize;
    stream_idmp_defaults(&def_duration, &def_maxsize);
    if (n_prod == 0 && added == 0 && dups == 0 && duration == def_duration &&
        maxsize == def_maxsize) {
        idmp_free(m); /* the same as no state */
        m = NULL;
    }
    *out = m;
    m = NULL;
    rc = RDB_OK;
out:
    for (size_t i = 0; i < n_pids; i++) xfree((char *)pids[i].p);
    xfree(pids);
    idmp_free(m);
    return rc;
}

static int load_stream(RdbReader *r, int type, const StreamLimits *lim, int64_t now_ms, Obj **out) {
    LoadState ls;
    memset(&ls, 0, sizeof ls);
    buf_init(&ls.lp);
    ls.s = stream_new();
    ls.lim = lim;
    GroupSet *gs = NULL;
    GroupIn *gins = NULL;
    size_t n_gins = 0;
    Idmp *idmp = NULL;
    int rc = RDB_ERR;
    uint64_t n_nodes;
    if (rdb_read_len(r, &n_nodes) != RDB_OK || !count_ok(r, n_nodes, 2)) goto out;
    for (uint64_t i = 0; i < n_nodes; i++) {
        const uint8_t *key, *lp;
        size_t key_len, lp_len;
        if (rdb_read_string_view(r, 16, &ls.lp, &key, &key_len) != RDB_OK || key_len != 16)
            goto out;
        StreamId master = id_from_raw(key);
        if (rdb_read_string_view(r, UINT32_MAX, &ls.lp, &lp, &lp_len) != RDB_OK) goto out;
        if (load_node(&ls, master, lp, lp_len) != RDB_OK) goto out;
    }
    uint64_t length;
    StreamId last_id, first_id, max_deleted = {0, 0};
    uint64_t entries_added;
    if (rdb_read_len(r, &length) || read_id_lens(r, &last_id)) goto out;
    if (length != ls.n_live) goto out;
    /* Deleted entries may lie past the last ID (Redis 7.0's XSETID), live
     * ones may not. */
    if (ls.has_live && stream_id_cmp(last_id, ls.last_live) < 0) goto out;
    if (type >= DUMP_TYPE_STREAM_LISTPACKS_2) {
        if (read_id_lens(r, &first_id) || read_id_lens(r, &max_deleted) ||
            rdb_read_len(r, &entries_added))
            goto out;
        if (entries_added < length) goto out;
    } else {
        entries_added = length;
    }
    stream_set_last_id(ls.s, last_id);
    stream_set_entries_added(ls.s, entries_added);
    stream_set_max_deleted_id(ls.s, max_deleted);
    StreamFacts facts = {stream_length(ls.s), entries_added, stream_first_id(ls.s), last_id,
                         max_deleted};
    uint64_t n_groups;
    if (rdb_read_len(r, &n_groups) != RDB_OK || !count_ok(r, n_groups, 4)) goto out;
    if (n_groups) {
        gs = group_set_new();
        gins = xcalloc((size_t)n_groups, sizeof(GroupIn));
    }
    for (uint64_t i = 0; i < n_groups; i++) {
        n_gins = (size_t)i + 1;
        if (load_group(r, type, gs, &facts, &gins[i]) != RDB_OK) goto out;
    }
    if (type == DUMP_TYPE_STREAMD_STREAM) {
        for (size_t i = 0; i < n_gins; i++)
            if (load_released(r, &gins[i]) != RDB_OK) goto out;
        if (load_idmp(r, &idmp, now_ms) != RDB_OK) goto out;
    } else if (type >= DUMP_TYPE_STREAM_LISTPACKS_4) {
        if (load_idmp_v4(r, &idmp, now_ms) != RDB_OK) goto out;
    }
    for (size_t i = 0; i < n_gins; i++)
        if (group_fill(&gins[i]) != RDB_OK) goto out;
    rc = RDB_OK;
out:
    for (size_t i = 0; i < n_gins; i++) group_in_free(&gins[i]);
    xfree(gins);
    xfree(ls.f);
    xfree(ls.mf);
    xfree(ls.scratch);
    buf_free(&ls.lp);
    if (rc == RDB_OK) {
        *out = stream_obj_adopt(ls.s, gs, idmp);
    } else {
        stream_free(ls.s);
        if (gs) group_set_free(gs);
        idmp_free(idmp);
    }
    return rc;
}

/* Reads a value of the given type (its byte already read) at r into an
 * owned object (*out). RDB_ERR for a type streamd does not store or a bad
 * value, RDB_EMPTY for a collection of no element (read whole: r is past
 * it); nothing is left allocated then. */
int dump_read_value(RdbReader *r, int type, const StreamLimits *lim, int64_t now_ms, Obj **out) {
    *out = NULL;
    switch (type) {
    case DUMP_TYPE_STRING: {
        char *s;
        size_t n;
        if (rdb_read_string(r, persist_string_max(), &s, &n) != RDB_OK) return RDB_ERR;
        *out = obj_new_string(s, n);
        xfree(s);
        return RDB_OK;
    }
    case DUMP_TYPE_STREAM_LISTPACKS:
    case DUMP_TYPE_STREAM_LISTPACKS_2:
    case DUMP_TYPE_STREAM_LISTPACKS_3:
    case DUMP_TYPE_STREAM_LISTPACKS_4:
    case DUMP_TYPE_STREAM_LISTPACKS_5:
    case DUMP_TYPE_STREAMD_STREAM:
        return load_stream(r, type, lim, now_ms, out);
    case DUMP_TYPE_MODULE_2:
        return read_module_value(r, now_ms, out);
    default: {
        const PersistTypeOps *ops = persist_type_ops_for_rdb(type);
        return ops ? ops->rdb_read(r, type, now_ms, out) : RDB_ERR;
    }
    }
}

/* Parses a whole payload into an owned object (*out; free with obj_free()).
 * Returns DUMP_OK, DUMP_ERR_CHECKSUM (footer) or DUMP_ERR_FORMAT (value);
 * nothing is left allocated on error. lim cuts the restored stream's nodes;
 * now_ms dates idempotency records. */
int dump_restore_value(const uint8_t *p, size_t len, const StreamLimits *lim, int64_t now_ms,
                       Obj **out) {
    *out = NULL;
    int rc = dump_check_footer(p, len);
    if (rc != DUMP_OK) return rc;
    RdbReader r;
    rdb_reader_init(&r, p, len - 10);
    uint8_t type;
    if (rdb_read_u8(&r, &type) != RDB_OK) return DUMP_ERR_FORMAT;
    /* An empty collection too: RESTORE refuses it, as Redis 7.0 does. */
    if (dump_read_value(&r, type, lim, now_ms, out) != RDB_OK) return DUMP_ERR_FORMAT;
    if (r.pos != r.len) {
        /* Bytes left between the value and the footer. */
        obj_free(*out);
        *out = NULL;
        return DUMP_ERR_FORMAT;
    }
    return DUMP_OK;
}
