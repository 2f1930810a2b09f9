/*
 * hash.c - Hashes: Redis 7.0's hash commands, the OBJ_HASH value type's
 * registration with the keyspace (obj_register_type) and its serialization
 * (persist_register_type): RDB/DUMP types 4 (hash table), 9 (zipmap, Redis
 * < 2.6), 13 (ziplist, Redis < 7.0) and 16 (listpack), and the AOF rewrite
 * records.
 *
 * The value itself is src/types/hashobj.c (packed while small, a table
 * beyond, with Redis's hash-max-listpack-entries / -value thresholds, so
 * OBJECT ENCODING answers as 7.0 does).
 *
 * Every handler parses its arguments in the order 7.0 does (so the same bad
 * command gets the same first error), then looks the key up (WRONGTYPE),
 * changes the value, notifies (the event names of 7.0: hset, hdel, hincrby,
 * hincrbyfloat, and del when the last field goes: Redis never keeps an empty
 * hash; each hash event names the fields it changed for Redis 8.8's subkey
 * channels, collected only when one is selected), signals the key (WATCH,
 * tracking) and propagates. Writes propagate
 * as sent, except HINCRBYFLOAT, which propagates as HSET of its result (the
 * replay then does not depend on float formatting), as 7.0 does.
 *
 * DUMP writes what 7.0 writes: a packed hash as a listpack (type 16) whose
 * bytes are those of 7.0's, a table as type 4. Reading treats the payload
 * as hostile: every length and element is checked, duplicate fields and
 * empty hashes are refused ("Bad data format").
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbcodec.h"
#include "server/core.h"
#include "types/hashobj.h"

enum {
    RDB_TYPE_HASH = 4,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_HASH_METADATA = 24,    /* Redis 7.4: a table with field TTLs */
    RDB_TYPE_HASH_LISTPACK_EX = 25, /* Redis 7.4: a listpack of field, value, TTL */
};

/* Redis batches this many pairs per rewritten command (AOF_REWRITE_ITEMS_PER_CMD). */
#define REWRITE_PAIRS 64

static HashLimits limits(void) {
    HashLimits lim;
    lim.max_entries = (uint64_t)settings.hash_max_listpack_entries;
    lim.max_value = (uint64_t)settings.hash_max_listpack_value;
    return lim;
}

/* ---- the value type ------------------------------------------------------ */

static void hash_obj_free(void *ptr) {
    hashobj_free(ptr);
}

static size_t hash_obj_mem(const void *ptr) {
    return hashobj_mem_bytes(ptr);
}

static uint64_t hash_obj_items(const void *ptr) {
    return hashobj_len(ptr);
}

static Obj *hash_obj_dup(const void *ptr) {
    return obj_new(OBJ_HASH, hashobj_dup((HashObj *)ptr));
}

static const char *hash_obj_encoding(const void *ptr) {
    /* Redis 7.4 names a packed hash with field TTLs "listpackex", and keeps
     * the name once its TTLs are gone (see hashobj_is_ex()) */
    if (hashobj_is_packed(ptr)) return hashobj_is_ex(ptr) ? "listpackex" : "listpack";
    return "hashtable";
}

/* Lazyfree's estimate: a table frees each field; a packed hash is one block. */
static uint64_t hash_obj_free_effort(const void *ptr) {
    return hashobj_is_packed(ptr) ? 1 : hashobj_len(ptr);
}

static const ObjTypeOps hash_type = {
    "hash",         "hashtable",  hash_obj_free,     hash_obj_mem,
    hash_obj_items, hash_obj_dup, hash_obj_encoding, hash_obj_free_effort};

/* ---- lookups --------------------------------------------------------------- */

/* ---- field expiry ----------------------------------------------------------- */

/* The largest field TTL a hash may hold (Redis's EB_EXPIRE_TIME_MAX, 2^48 - 1
 * ms): what RDB/DUMP payloads and replayed records are checked against. */
#define FIELD_TTL_MAX ((int64_t)((1LL << 48) - 1))
/* The largest TTL a command may set (Redis's HFE_MAX_ABS_TIME_MSEC: two bits
 * of EB_EXPIRE_TIME_MAX kept back, 2^46 - 1 ms); beyond it "invalid expire
 * time in '<command>' command". */
#define FIELD_TTL_API_MAX (FIELD_TTL_MAX >> 2)

/* What an expired field is to a command now: still there (loading, the
 * master's stream on a replica: the master's HDEL removes it), hidden but
 * kept (a read-only replica's clients, CLIENT PAUSE), or deleted on sight. */
enum { FX_VISIBLE, FX_HIDE, FX_DELETE };

static int field_expiry_mode(void) {
    if (server.loading || core.replica_applying) return FX_VISIBLE;
    if (core.expire_paused) return FX_HIDE;
    if (core.is_replica && settings.replica_read_only) return FX_HIDE;
    return FX_DELETE;
}

typedef struct Due {
    int64_t now;
    Slice *f;      /* owned copies */
    int64_t *when; /* f[i]'s expiry time */
    size_t n, cap;
} Due;

static void collect_due(void *priv, Slice f, int64_t when) {
    Due *d = priv;
    if (when > d->now) return;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->f = xrealloc(d->f, d->cap * sizeof(Slice));
        d->when = xrealloc(d->when, d->cap * sizeof(int64_t));
    }
    d->when[d->n] = when;
    d->f[d->n++] = slice_of(xmemdup(f.p, f.len), f.len);
}

typedef struct DueRef {
    int64_t when;
    Slice f;
} DueRef;

static int due_cmp(const void *pa, const void *pb) {
    const DueRef *a = pa, *b = pb;
    if (a->when != b->when) return a->when < b->when ? -1 : 1;
    size_t n = a->f.len < b->f.len ? a->f.len : b->f.len;
    int c = n ? memcmp(a->f.p, b->f.p, n) : 0;
    if (c) return c;
    return a->f.len < b->f.len ? -1 : a->f.len > b->f.len;
}

/* Orders the due fields by expiry time, the order in which Redis expires
 * and announces them (its TTL index is time-ordered); fields due at the
 * same millisecond by their bytes, so the order never depends on the
 * table's. */
static void due_sort(Due *d) {
    if (d->n < 2) return;
    DueRef *r = xmalloc(d->n * sizeof(DueRef));
    for (size_t i = 0; i < d->n; i++) r[i] = (DueRef){d->when[i], d->f[i]};
    qsort(r, d->n, sizeof(DueRef), due_cmp);
    for (size_t i = 0; i < d->n; i++) {
        d->when[i] = r[i].when;
        d->f[i] = r[i].f;
    }
    xfree(r);
}

static void due_free(Due *d) {
    for (size_t i = 0; i < d->n; i++) xfree((void *)d->f[i].p);
    xfree(d->f);
    xfree(d->when);
}

/* Propagates "name key args..." (a record of the server's own). */
static void propagate_fields(Client *c, int dbid, const char *name, Slice key, const Slice *pre,
                             int npre, const Slice *f, size_t n) {
    Slice *argv = xmalloc((n + 2 + (size_t)npre) * sizeof(Slice));
    int argc = 0;
    argv[argc++] = slice_cstr(name);
    argv[argc++] = key;
    for (int i = 0; i < npre; i++) argv[argc++] = pre[i];
    for (size_t i = 0; i < n; i++) argv[argc++] = f[i];
    if (c)
        propagate(c, argc, argv);
    else
        propagate_db(dbid, argc, argv);
    xfree(argv);
}

/* Deletes the fields of o (the hash at key) whose TTL has passed:
 * propagated as HDEL, notified as one hexpired naming them all, in expiry
 * order (and del when the hash goes). Returns 1 when the key went. */
static int expire_fields(Db *db, Slice key, Obj *o) {
    HashObj *h = o->ptr;
    int64_t m = hashobj_min_ttl(h);
    Due d = {now_ms(), NULL, NULL, 0, 0};
    if (m < 0 || m > d.now) return 0;
    hashobj_foreach_ttl(h, collect_due, &d);
    if (d.n == 0) {
        due_free(&d);
        return 0;
    }
    if (notify_wants_subkeys(NOTIFY_HASH)) due_sort(&d); /* the order they are named in */
    int dbid = db_index(db);
    propagate_fields(NULL, dbid, "HDEL", key, NULL, 0, d.f, d.n);
    for (size_t i = 0; i < d.n; i++) hashobj_delete(&h, d.f[i]);
    o->ptr = h;
    notify_keyspace_event_subkeys(NOTIFY_HASH, "hexpired", key, dbid, d.f, d.n);
    due_free(&d);
    if (hashobj_len(h) == 0) {
        db_delete(db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
        return 1;
    }
    db_resized(db, o, hashobj_len(h));
    db_signal_key(db, key);
    return 0;
}

/* The value a reader sees while expired fields are hidden but kept: a copy
 * without them, valid until the next call. */
static Obj hidden;

static Obj *hidden_view(Obj *o) {
    if (hidden.ptr) hashobj_free(hidden.ptr);
    hidden.ptr = NULL;
    HashObj *h = o->ptr;
    int64_t m = hashobj_min_ttl(h);
    Due d = {now_ms(), NULL, NULL, 0, 0};
    if (m < 0 || m > d.now) return o;
    HashObj *copy = hashobj_dup(h);
    hashobj_foreach_ttl(copy, collect_due, &d);
    for (size_t i = 0; i < d.n; i++) hashobj_delete(&copy, d.f[i]);
    due_free(&d);
    if (hashobj_len(copy) == 0) {
        hashobj_free(copy);
        return NULL;
    }
    hidden = *o;
    hidden.ptr = copy;
    return &hidden;
}

/* o as a command sees it after lazy field expiry (NULL: nothing left). */
static Obj *visible(Db *db, Slice key, Obj *o, int for_write) {
    if (!o || o->type != OBJ_HASH || !hashobj_has_ttls(o->ptr)) return o;
    switch (field_expiry_mode()) {
    case FX_DELETE:
        return expire_fields(db, key, o) ? NULL : o;
    case FX_HIDE:
        return for_write ? o : hidden_view(o);
    default:
        return o;
    }
}

/* The hash at key for reading: 0 with *out (NULL when missing), or -1 after
 * replying WRONGTYPE. */
static int lookup_read(Client *c, Slice key, Obj **out) {
    Obj *o = db_lookup_read(c->db, key);
    if (o && o->type != OBJ_HASH) {
        reply_wrongtype(c);
        return -1;
    }
    *out = visible(c->db, key, o, 0);
    return 0;
}

static int lookup_write(Client *c, Slice key, Obj **out) {
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_HASH) {
        reply_wrongtype(c);
        return -1;
    }
    *out = visible(c->db, key, o, 1);
    return 0;
}

/* After a write to o (stored under key, or NULL: h is a new hash to add):
 * stores h, files the key under its new size and signals it. */
static void store(Client *c, Slice key, Obj *o, HashObj *h) {
    if (!o) {
        db_add(c->db, key, obj_new(OBJ_HASH, h));
        return;
    }
    o->ptr = h;
    db_resized(c->db, o, hashobj_len(h));
    db_signal_key(c->db, key);
}

/* ---- HSET HMSET HSETNX --------------------------------------------------- */

/* Room for the n fields a command may name in its notification, or NULL
 * when no subkey channel would carry them (the common case: nothing is
 * collected then). Free with xfree(). */
static Slice *subkeys_new(size_t n) {
    return notify_wants_subkeys(NOTIFY_HASH) ? xmalloc(n * sizeof(Slice)) : NULL;
}

/* Notifies event on key naming the fields of the field-value pairs from
 * argv[first] on, each as given (a repeated field is named twice, as in
 * Redis 8.8). */
static void notify_pairs(Client *c, const char *event, Slice key, int first) {
    int dbid = db_index(c->db);
    if (!notify_wants_subkeys(NOTIFY_HASH)) {
        notify_keyspace_event(NOTIFY_HASH, event, key, dbid);
        return;
    }
    size_t n = (size_t)(c->argc - first) / 2;
    Slice *f = xmalloc(n * sizeof(Slice));
    for (size_t i = 0; i < n; i++) f[i] = c->argv[first + 2 * (int)i];
    notify_keyspace_event_subkeys(NOTIFY_HASH, event, key, dbid, f, n);
    xfree(f);
}

static void hset_generic(Client *c, int is_hmset) {
    if (c->argc % 2 != 0) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    HashObj *h = o ? o->ptr : hashobj_new();
    HashLimits lim = limits();
    long long added = 0;
    for (int i = 2; i < c->argc; i += 2) added += hashobj_set(&h, c->argv[i], c->argv[i + 1], &lim);
    store(c, key, o, h);
    notify_pairs(c, "hset", key, 2);
    server.dirty += (c->argc - 2) / 2;
    propagate_argv(c);
    if (is_hmset)
        reply_ok(c);
    else
        reply_int(c, added);
}

static void cmd_hset(Client *c) {
    hset_generic(c, 0);
}

static void cmd_hmset(Client *c) {
    hset_generic(c, 1);
}

static void cmd_hsetnx(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    Slice v;
    if (o && hashobj_get(o->ptr, c->argv[2], &v)) {
        reply_int(c, 0);
        return;
    }
    HashObj *h = o ? o->ptr : hashobj_new();
    HashLimits lim = limits();
    hashobj_set(&h, c->argv[2], c->argv[3], &lim);
    store(c, key, o, h);
    notify_keyspace_event_subkeys(NOTIFY_HASH, "hset", key, db_index(c->db), &c->argv[2], 1);
    server.dirty++;
    propagate_argv(c);
    reply_int(c, 1);
}

/* ---- reads ----------------------------------------------------------------- */

static void cmd_hget(Client *c) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    Slice v;
    if (o && hashobj_get(o->ptr, c->argv[2], &v))
        reply_bulk_slice(c, v);
    else
        reply_null(c);
}

static void cmd_hmget(Client *c) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        Slice v;
        if (o && hashobj_get(o->ptr, c->argv[i], &v))
            reply_bulk_slice(c, v);
        else
            reply_null(c);
    }
}

static void cmd_hlen(Client *c) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    reply_int(c, o ? (long long)hashobj_len(o->ptr) : 0);
}

static void cmd_hstrlen(Client *c) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    Slice v;
    reply_int(c, o && hashobj_get(o->ptr, c->argv[2], &v) ? (long long)v.len : 0);
}

static void cmd_hexists(Client *c) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    Slice v;
    reply_int(c, o && hashobj_get(o->ptr, c->argv[2], &v) ? 1 : 0);
}

enum { GET_KEYS = 1, GET_VALUES = 2 };

typedef struct ReplyCtx {
    Client *c;
    int what;
} ReplyCtx;

static void reply_pair(void *priv, Slice f, Slice v) {
    ReplyCtx *x = priv;
    if (x->what & GET_KEYS) reply_bulk_slice(x->c, f);
    if (x->what & GET_VALUES) reply_bulk_slice(x->c, v);
}

/* HKEYS, HVALS (arrays) and HGETALL (a map). */
static void getall_generic(Client *c, int what) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    size_t n = o ? (size_t)hashobj_len(o->ptr) : 0;
    if (what == (GET_KEYS | GET_VALUES))
        reply_map(c, n);
    else
        reply_array(c, n);
    if (!o) return;
    ReplyCtx x = {c, what};
    hashobj_foreach(o->ptr, reply_pair, &x);
}

static void cmd_hkeys(Client *c) {
    getall_generic(c, GET_KEYS);
}

static void cmd_hvals(Client *c) {
    getall_generic(c, GET_VALUES);
}

static void cmd_hgetall(Client *c) {
    getall_generic(c, GET_KEYS | GET_VALUES);
}

/* ---- HDEL ------------------------------------------------------------------ */

static void cmd_hdel(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    HashObj *h = o->ptr;
    long long deleted = 0;
    int dbid = db_index(c->db);
    Slice *gone = subkeys_new((size_t)(c->argc - 2));
    for (int i = 2; i < c->argc && hashobj_len(h) > 0; i++) {
        if (!hashobj_delete(&h, c->argv[i])) continue;
        if (gone) gone[deleted] = c->argv[i];
        deleted++;
    }
    o->ptr = h;
    if (deleted) {
        notify_keyspace_event_subkeys(NOTIFY_HASH, "hdel", key, dbid, gone,
                                      gone ? (size_t)deleted : 0);
        if (hashobj_len(h) == 0) {
            db_delete(c->db, key);
            notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
        } else {
            db_resized(c->db, o, hashobj_len(h));
            db_signal_key(c->db, key);
        }
        server.dirty += deleted;
        propagate_argv(c);
    }
    xfree(gone);
    reply_int(c, deleted);
}

/* HGETDEL key FIELDS numfields field... (Redis 8.0): each field's value (or
 * null), the fields deleted. Checked in 8.0's order: the key's type, the
 * FIELDS keyword, the count, the count against the arguments. It
 * propagates as HDEL key field... (the fields as given). */
static void cmd_hgetdel(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    if (!slice_eq_nocase(c->argv[2], "FIELDS")) {
        reply_error(c, "ERR Mandatory argument FIELDS is missing or not at the right position");
        return;
    }
    long long n;
    if (parse_ll(c->argv[3], &n) != 0 || n < 1) {
        reply_error(c, "ERR Number of fields must be a positive integer");
        return;
    }
    if (n != c->argc - 4) {
        reply_error(c, "ERR The `numfields` parameter must match the number of arguments");
        return;
    }
    reply_array(c, (size_t)n);
    HashObj *h = o ? o->ptr : NULL;
    long long deleted = 0;
    Slice *gone = subkeys_new((size_t)n);
    for (int i = 4; i < c->argc; i++) {
        Slice v;
        if (!h || !hashobj_get(h, c->argv[i], &v)) {
            reply_null(c);
            continue;
        }
        reply_bulk_slice(c, v);
        hashobj_delete(&h, c->argv[i]);
        o->ptr = h;
        if (gone) gone[deleted] = c->argv[i];
        deleted++;
    }
    if (!deleted) {
        xfree(gone);
        return;
    }
    int dbid = db_index(c->db);
    notify_keyspace_event_subkeys(NOTIFY_HASH, "hdel", key, dbid, gone, gone ? (size_t)deleted : 0);
    xfree(gone);
    server.dirty += deleted;
    Slice *argv = xmalloc((size_t)(c->argc - 2) * sizeof(Slice));
    argv[0] = slice_cstr("HDEL");
    argv[1] = key;
    for (int i = 4; i < c->argc; i++) argv[i - 2] = c->argv[i];
    propagate(c, c->argc - 2, argv);
    xfree(argv);
    if (hashobj_len(h) == 0) {
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    } else {
        db_resized(c->db, o, hashobj_len(h));
        db_signal_key(c->db, key);
    }
}

/* ---- HINCRBY HINCRBYFLOAT ----------------------------------------------- */

static void cmd_hincrby(Client *c) {
    long long by;
    if (get_ll_or_reply(c, c->argv[3], &by) != 0) return;
    Slice key = c->argv[1], field = c->argv[2];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    long long v = 0;
    Slice old;
    if (o && hashobj_get(o->ptr, field, &old) && parse_ll(old, &v) != 0) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    char buf[24];
    size_t n = ll_to_str(v, buf);
    HashObj *h = o ? o->ptr : hashobj_new();
    HashLimits lim = limits();
    hashobj_set_keep_ttl(&h, field, slice_of(buf, n), &lim); /* a change in place keeps the TTL */
    store(c, key, o, h);
    notify_keyspace_event_subkeys(NOTIFY_HASH, "hincrby", key, db_index(c->db), &field, 1);
    server.dirty++;
    propagate_argv(c);
    reply_int(c, v);
}

static void cmd_hincrbyfloat(Client *c) {
    long double by, v = 0;
    if (parse_long_double(c->argv[3], &by) != 0) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    if (isinf(by)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    Slice key = c->argv[1], field = c->argv[2];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    Slice old;
    if (o && hashobj_get(o->ptr, field, &old) && parse_long_double(old, &v) != 0) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[5120];
    size_t n = format_long_double(buf, sizeof buf, v);
    HashObj *h = o ? o->ptr : hashobj_new();
    HashLimits lim = limits();
    Slice val = slice_of(buf, n);
    hashobj_set_keep_ttl(&h, field, val, &lim);
    store(c, key, o, h);
    notify_keyspace_event_subkeys(NOTIFY_HASH, "hincrbyfloat", key, db_index(c->db), &field, 1);
    server.dirty++;
    if (hashobj_get_ttl(h, field) >= 0) {
        /* HSET would drop the field's TTL on replay */
        Slice argv[7] = {slice_cstr("HSETEX"),
                         key,
                         slice_cstr("KEEPTTL"),
                         slice_cstr("FIELDS"),
                         slice_cstr("1"),
                         field,
                         val};
        propagate(c, 7, argv);
    } else {
        Slice argv[4] = {slice_cstr("HSET"), key, field, val};
        propagate(c, 4, argv);
    }
    reply_bulk(c, buf, n);
}

/* ---- HRANDFIELD ------------------------------------------------------------ */

static uint64_t rand64(void) {
    return (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();
}

/* One field (and value) of a count reply: RESP3 pairs are arrays of two. */
static void reply_rand(Client *c, Slice f, Slice v, int withvalues) {
    if (withvalues && c->resp > 2) reply_array(c, 2);
    reply_bulk_slice(c, f);
    if (withvalues) reply_bulk_slice(c, v);
}

typedef struct Pairs {
    Slice *f, *v;
    size_t n;
} Pairs;

static void collect_pair(void *priv, Slice f, Slice v) {
    Pairs *p = priv;
    p->f[p->n] = f;
    p->v[p->n] = v;
    p->n++;
}

/* The pairs of h in visiting order, as views (free p->f and p->v). */
static void pairs_of(HashObj *h, Pairs *p) {
    size_t n = (size_t)hashobj_len(h);
    p->f = xmalloc((n ? n : 1) * sizeof(Slice));
    p->v = xmalloc((n ? n : 1) * sizeof(Slice));
    p->n = 0;
    hashobj_foreach(h, collect_pair, p);
}

/* HRANDFIELD key count [WITHVALUES]: a positive count gives distinct
 * fields (all of them when count >= size), a negative one |count| fields
 * that may repeat. */
static void hrandfield_count(Client *c, long long count, int withvalues) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    if (!o || count == 0) {
        reply_empty_array(c);
        return;
    }
    HashObj *h = o->ptr;
    uint64_t size = hashobj_len(h);
    int pairs_flat = withvalues && c->resp == 2;
    Slice f, v;
    if (count < 0 || count == 1) {
        uint64_t n = count < 0 ? (uint64_t)(-count) : 1;
        reply_array(c, (size_t)(pairs_flat ? n * 2 : n));
        for (uint64_t i = 0; i < n; i++) {
            hashobj_random(h, rand64(), &f, &v);
            reply_rand(c, f, v, withvalues);
        }
        return;
    }
    uint64_t want = (uint64_t)count;
    if (want > size) want = size;
    reply_array(c, (size_t)(pairs_flat ? want * 2 : want));
    if (want == size) {
        Pairs p;
        pairs_of(h, &p);
        for (size_t i = 0; i < p.n; i++) reply_rand(c, p.f[i], p.v[i], withvalues);
        xfree(p.f);
        xfree(p.v);
        return;
    }
    if (want * 3 > size || hashobj_is_packed(h)) {
        /* a partial Fisher-Yates shuffle of all the pairs */
        Pairs p;
        pairs_of(h, &p);
        for (size_t i = 0; i < want; i++) {
            size_t j = i + (size_t)(rand64() % (p.n - i));
            Slice tf = p.f[i], tv = p.v[i];
            p.f[i] = p.f[j];
            p.v[i] = p.v[j];
            p.f[j] = tf;
            p.v[j] = tv;
            reply_rand(c, p.f[i], p.v[i], withvalues);
        }
        xfree(p.f);
        xfree(p.v);
        return;
    }
    /* few of many: random picks until enough distinct ones */
    Dict *seen = dict_new();
    while (dict_size(seen) < want) {
        hashobj_random(h, rand64(), &f, &v);
        if (dict_find(seen, f.p, f.len)) continue;
        dict_add(seen, f.p, f.len, NULL);
        reply_rand(c, f, v, withvalues);
    }
    dict_free(seen, NULL);
}

static void cmd_hrandfield(Client *c) {
    if (c->argc >= 3) {
        long long count;
        if (get_ll_or_reply(c, c->argv[2], &count) != 0) return;
        if (count == LLONG_MIN) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 "
                           "and 9223372036854775807");
            return;
        }
        int withvalues = 0;
        if (c->argc > 4 || (c->argc == 4 && !slice_eq_nocase(c->argv[3], "WITHVALUES"))) {
            reply_syntax_error(c);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
                reply_error(c, "ERR value is out of range");
                return;
            }
        }
        /* streamd's own limit: a negative count repeats fields, so its reply
         * grows with the count alone; one that could not fit in
         * proto-max-bulk-len bytes (an element is at least 6: "$0\r\n\r\n")
         * is refused rather than built (7.0 tries, and runs out of memory). */
        if (count < 0 && -count > settings.proto_max_bulk_len / (withvalues ? 12 : 6)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
        hrandfield_count(c, count, withvalues);
        return;
    }
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    Slice f, v;
    hashobj_random(o->ptr, rand64(), &f, &v);
    reply_bulk_slice(c, f);
}

/* ---- HSCAN ------------------------------------------------------------------ */

typedef struct ScanCtx {
    Pairs p;
    size_t cap;
} ScanCtx;

static void scan_pair(void *priv, Slice f, Slice v) {
    ScanCtx *x = priv;
    if (x->p.n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->p.f = xrealloc(x->p.f, x->cap * sizeof(Slice));
        x->p.v = xrealloc(x->p.v, x->cap * sizeof(Slice));
    }
    collect_pair(&x->p, f, v);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]: the cursor is
 * read first, then a missing key answers an empty scan whatever the
 * options, then the options are checked (NOVALUES is Redis 7.4's). */
static void cmd_hscan(Client *c) {
    uint64_t cursor;
    if (parse_scan_cursor(c->argv[2], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    if (!o) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_empty_array(c);
        return;
    }
    long long count = 10;
    Slice pattern = {NULL, 0};
    int use_pattern = 0, novalues = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (slice_eq_nocase(c->argv[j], "COUNT") && more >= 1) {
            if (get_ll_or_reply(c, c->argv[j + 1], &count) != 0) return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
            j++;
        } else if (slice_eq_nocase(c->argv[j], "MATCH") && more >= 1) {
            pattern = c->argv[j + 1];
            use_pattern = !(pattern.len == 1 && pattern.p[0] == '*');
            j++;
        } else if (slice_eq_nocase(c->argv[j], "NOVALUES")) {
            novalues = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    HashObj *h = o->ptr;
    ScanCtx x = {{NULL, NULL, 0}, 0};
    uint64_t cur = cursor;
    long long max_iterations = scan_bucket_budget(count);
    size_t per = novalues ? 1 : 2;
    do {
        cur = hashobj_scan(h, cur, scan_pair, &x);
    } while (cur && max_iterations-- > 0 && x.p.n * per < (unsigned long long)count);
    size_t n = 0;
    for (size_t i = 0; i < x.p.n; i++) {
        if (use_pattern && !glob_match(pattern.p, pattern.len, x.p.f[i].p, x.p.f[i].len, 0))
            continue;
        x.p.f[n] = x.p.f[i];
        x.p.v[n] = x.p.v[i];
        n++;
    }
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cur);
    reply_array(c, n * per);
    for (size_t i = 0; i < n; i++) {
        reply_bulk_slice(c, x.p.f[i]);
        if (!novalues) reply_bulk_slice(c, x.p.v[i]);
    }
    xfree(x.p.f);
    xfree(x.p.v);
}

/* ---- field expiration (Redis 7.4) and HGETEX HSETEX (Redis 8.0) ----------- */

/* HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST (as in Redis 7.4 to 8.x):
 * argv[at] must be FIELDS and argv[at + 1] a positive count n with exactly
 * n * per arguments after it. Returns n, or -1 after replying the error. */
static long long parse_fields(Client *c, int at, int per) {
    if (at >= c->argc || !slice_eq_nocase(c->argv[at], "FIELDS")) {
        reply_error(c, "ERR Mandatory argument FIELDS is missing or not at the right position");
        return -1;
    }
    long long n;
    if (at + 1 >= c->argc || parse_ll(c->argv[at + 1], &n) != 0 || n < 1) {
        reply_error(c, "ERR Number of fields must be a positive integer");
        return -1;
    }
    if (n > (c->argc - at - 2) / per || n * per != c->argc - at - 2) {
        reply_error(c, "ERR The `numfields` parameter must match the number of arguments");
        return -1;
    }
    return n;
}

/* Length of an argument as Redis prints it with %s (up to a NUL byte). */
static int cstr_len(Slice s) {
    const char *nul = memchr(s.p, '\0', s.len);
    size_t n = nul ? (size_t)(nul - s.p) : s.len;
    return n > 1024 ? 1024 : (int)n;
}

static void reply_unknown_argument(Client *c, Slice a) {
    reply_error(c, "ERR unknown argument: %.*s", cstr_len(a), a.p);
}

static void reply_invalid_expire(Client *c) {
    char name[32];
    snprintf(name, sizeof name, "%s", c->cmd->name);
    reply_error(c, "ERR invalid expire time in '%s' command", name);
}

/* A time argument as an absolute Unix ms: unit_ms 1000 for seconds, is_abs
 * for the *AT forms. Checked as Redis's parseExpireTime(): an integer, not
 * negative, and (with now added for the relative forms) at most
 * FIELD_TTL_API_MAX. 0, or -1 after replying. */
static int parse_field_time(Client *c, Slice arg, int64_t unit_ms, int is_abs, int64_t *out) {
    long long when;
    if (get_ll_or_reply(c, arg, &when) != 0) return -1;
    if (when < 0) {
        reply_error(c, "ERR invalid expire time, must be >= 0");
        return -1;
    }
    if (when > FIELD_TTL_API_MAX / unit_ms) {
        reply_invalid_expire(c);
        return -1;
    }
    when *= unit_ms;
    int64_t base = is_abs ? 0 : now_ms();
    if (when > FIELD_TTL_API_MAX - base) {
        reply_invalid_expire(c);
        return -1;
    }
    *out = when + base;
    return 0;
}

/* The count after a FIELDS keyword of HEXPIRE..HSETEX: 1 to INT_MAX, else
 * -1 (the caller replies its own text). */
static long long fields_count(Slice arg) {
    long long n;
    if (parse_ll(arg, &n) != 0 || n < 1 || n > INT_MAX) return -1;
    return n;
}

enum { COND_NX = 1, COND_XX = 2, COND_GT = 4, COND_LT = 8 };

/* HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time, then FIELDS numfields
 * field... and at most one of NX XX GT LT, in any order (Redis 8.2 on; a
 * condition word may repeat). Checked as Redis does: the time, then each
 * argument as it comes, then that FIELDS was given, then the conditions.
 * Returns 0 with *first (the first field's index), *n and *cond, or -1 after
 * replying. */
static int parse_hexpire_args(Client *c, int64_t unit_ms, int is_abs, int64_t *when, int *cond,
                              int *first, long long *n) {
    static const char *const words[] = {"NX", "XX", "GT", "LT"};
    *cond = 0;
    *first = 0;
    if (parse_field_time(c, c->argv[2], unit_ms, is_abs, when) != 0) return -1;
    for (int i = 3; i < c->argc; i++) {
        Slice a = c->argv[i];
        if (slice_eq_nocase(a, "FIELDS")) {
            if (*first) {
                reply_error(c, "ERR FIELDS keyword specified multiple times");
                return -1;
            }
            if (i >= c->argc - 2) {
                reply_error(c, "ERR FIELDS requires at least numfields and one field argument");
                return -1;
            }
            if ((*n = fields_count(c->argv[i + 1])) < 0) {
                reply_error(c, "ERR Parameter `numFields` should be greater than 0");
                return -1;
            }
            if (*n > c->argc - (i + 2)) {
                reply_error(c, "ERR wrong number of arguments");
                return -1;
            }
            *first = i + 2;
            i = *first + (int)*n - 1;
            continue;
        }
        int k = 0;
        while (k < 4 && !slice_eq_nocase(a, words[k])) k++;
        if (k == 4) {
            reply_unknown_argument(c, a);
            return -1;
        }
        *cond |= 1 << k;
    }
    if (!*first) {
        reply_error(c, "ERR missing FIELDS argument");
        return -1;
    }
    if (*cond & (*cond - 1)) {
        reply_error(c, "ERR Multiple condition flags specified");
        return -1;
    }
    return 0;
}

/* A field whose new TTL has already passed is deleted rather than set
 * (not while loading, nor on a replica, where the master's HDEL does it). */
static int ttl_passed(int64_t when) {
    return when <= now_ms() && !server.loading && !core.is_replica;
}

/* After fields of o (at key) were deleted or given TTLs by a command:
 * propagates HDEL of the deleted and HPEXPIREAT of the set ones, notifies
 * (hdel, then set_event, each naming its fields), deletes an emptied hash
 * or files the changed one. */
static void finish_ttl_change(Client *c, Slice key, Obj *o, HashObj *h, const Slice *deleted,
                              size_t ndel, const Slice *set, size_t nset, int64_t when,
                              const char *set_event) {
    int dbid = db_index(c->db);
    o->ptr = h;
    if (ndel) {
        propagate_fields(c, dbid, "HDEL", key, NULL, 0, deleted, ndel);
        notify_keyspace_event_subkeys(NOTIFY_HASH, "hdel", key, dbid, deleted, ndel);
    }
    if (nset) {
        char tb[24], nb[24];
        Slice pre[3] = {slice_of(tb, ll_to_str(when, tb)), slice_cstr("FIELDS"),
                        slice_of(nb, ll_to_str((long long)nset, nb))};
        propagate_fields(c, dbid, "HPEXPIREAT", key, pre, 3, set, nset);
        notify_keyspace_event_subkeys(NOTIFY_HASH, set_event, key, dbid, set, nset);
    }
    if (!ndel && !nset) return;
    server.dirty += (long long)(ndel + nset);
    if (hashobj_len(h) == 0) {
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    } else {
        db_resized(c->db, o, hashobj_len(h));
        db_signal_key(c->db, key);
    }
}

/* HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time [NX|XX|GT|LT]
 * FIELDS numfields field... (see parse_hexpire_args()): per field -2 (no
 * such field), 0 (condition not met), 1 (set), 2 (deleted: the time has
 * passed). */
static void hexpire_generic(Client *c, int64_t unit_ms, int is_abs) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    int64_t when;
    int cond, first;
    long long n;
    if (parse_hexpire_args(c, unit_ms, is_abs, &when, &cond, &first, &n) != 0) return;
    reply_array(c, (size_t)n);
    if (!o) {
        for (long long i = 0; i < n; i++) reply_int(c, -2);
        return;
    }
    HashObj *h = o->ptr;
    Slice *deleted = xmalloc((size_t)n * sizeof(Slice)), *set = xmalloc((size_t)n * sizeof(Slice));
    size_t ndel = 0, nset = 0;
    for (int i = first; i < first + n; i++) {
        Slice f = c->argv[i], v;
        if (!hashobj_get(h, f, &v)) {
            reply_int(c, -2);
            continue;
        }
        int64_t cur = hashobj_get_ttl(h, f);
        if ((cond == COND_NX && cur >= 0) || (cond == COND_XX && cur < 0) ||
            (cond == COND_GT && (cur < 0 || when <= cur)) ||
            (cond == COND_LT && cur >= 0 && when >= cur)) {
            reply_int(c, 0);
            continue;
        }
        if (ttl_passed(when)) {
            hashobj_delete(&h, f);
            deleted[ndel++] = f;
            reply_int(c, 2);
            continue;
        }
        hashobj_set_ttl(&h, f, when);
        set[nset++] = f;
        reply_int(c, 1);
    }
    finish_ttl_change(c, key, o, h, deleted, ndel, set, nset, when, "hexpire");
    xfree(deleted);
    xfree(set);
}

static void cmd_hexpire(Client *c) {
    hexpire_generic(c, 1000, 0);
}

static void cmd_hpexpire(Client *c) {
    hexpire_generic(c, 1, 0);
}

static void cmd_hexpireat(Client *c) {
    hexpire_generic(c, 1000, 1);
}

static void cmd_hpexpireat(Client *c) {
    hexpire_generic(c, 1, 1);
}

/* HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME key FIELDS numfields field...:
 * per field -2 (no such field), -1 (no TTL), or the TTL / expiry time in
 * the command's unit (seconds rounded up). */
static void httl_generic(Client *c, int ms, int absolute) {
    Obj *o;
    if (lookup_read(c, c->argv[1], &o) != 0) return;
    long long n = parse_fields(c, 2, 1);
    if (n < 0) return;
    reply_array(c, (size_t)n);
    int64_t base = absolute ? 0 : now_ms();
    for (int i = 4; i < c->argc; i++) {
        Slice v;
        if (!o || !hashobj_get(o->ptr, c->argv[i], &v)) {
            reply_int(c, -2);
            continue;
        }
        int64_t when = hashobj_get_ttl(o->ptr, c->argv[i]);
        if (when < 0) {
            reply_int(c, -1);
            continue;
        }
        int64_t left = when - base;
        if (left < 0) left = 0;
        reply_int(c, ms ? left : (left + 999) / 1000);
    }
}

static void cmd_httl(Client *c) {
    httl_generic(c, 0, 0);
}

static void cmd_hpttl(Client *c) {
    httl_generic(c, 1, 0);
}

static void cmd_hexpiretime(Client *c) {
    httl_generic(c, 0, 1);
}

static void cmd_hpexpiretime(Client *c) {
    httl_generic(c, 1, 1);
}

/* HPERSIST key FIELDS numfields field...: per field -2 (no such field), -1
 * (no TTL), 1 (TTL removed). Propagated as sent when a TTL went. */
static void cmd_hpersist(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    long long n = parse_fields(c, 2, 1);
    if (n < 0) return;
    reply_array(c, (size_t)n);
    if (!o) {
        for (long long i = 0; i < n; i++) reply_int(c, -2);
        return;
    }
    HashObj *h = o->ptr;
    long long removed = 0;
    Slice *done = subkeys_new((size_t)n);
    for (int i = 4; i < c->argc; i++) {
        Slice v;
        if (!hashobj_get(h, c->argv[i], &v)) {
            reply_int(c, -2);
        } else if (hashobj_get_ttl(h, c->argv[i]) < 0) {
            reply_int(c, -1);
        } else {
            hashobj_set_ttl(&h, c->argv[i], -1);
            if (done) done[removed] = c->argv[i];
            removed++;
            reply_int(c, 1);
        }
    }
    o->ptr = h;
    if (removed)
        notify_keyspace_event_subkeys(NOTIFY_HASH, "hpersist", key, db_index(c->db), done,
                                      done ? (size_t)removed : 0);
    xfree(done);
    if (!removed) return;
    server.dirty += removed;
    db_resized(c->db, o, hashobj_len(h));
    db_signal_key(c->db, key);
    propagate_argv(c);
}

enum {
    XF_EX = 1 << 0,
    XF_PX = 1 << 1,
    XF_EXAT = 1 << 2,
    XF_PXAT = 1 << 3,
    XF_PERSIST = 1 << 4, /* HGETEX only */
    XF_KEEPTTL = 1 << 5, /* HSETEX only */
    XF_FXX = 1 << 6,     /* HSETEX only */
    XF_FNX = 1 << 7,     /* HSETEX only */
    XF_TIME = XF_EX | XF_PX | XF_EXAT | XF_PXAT,
};

/* The arguments of HGETEX (is_set 0) or HSETEX (is_set 1) from argv[2] on:
 * FIELDS numfields field... (field value... for HSETEX) and the options, in
 * any order (Redis 8.2 on). Checked as Redis's parseHashFieldExpireArgs()
 * does, each argument as it comes, then that FIELDS was given. Returns 0 with
 * *flags (XF_*), *when (absolute ms, with an XF_TIME flag), *first (the first
 * field's index) and *n, or -1 after replying. */
static int parse_fieldex_args(Client *c, int is_set, int *flags, int64_t *when, int *first,
                              long long *n) {
    static const struct {
        const char *word;
        int flag;
        int64_t unit_ms;
        int is_abs;
    } times[] = {{"EX", XF_EX, 1000, 0},
                 {"PX", XF_PX, 1, 0},
                 {"EXAT", XF_EXAT, 1000, 1},
                 {"PXAT", XF_PXAT, 1, 1}};
    const char *only_one =
        is_set ? "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
               : "ERR Only one of EX, PX, EXAT, PXAT or PERSIST arguments can be specified";
    int per = is_set ? 2 : 1;
    *flags = 0;
    *first = 0;
    for (int i = 2; i < c->argc; i++) {
        Slice a = c->argv[i];
        if (slice_eq_nocase(a, "FIELDS")) {
            if (*first) {
                reply_error(c, "ERR FIELDS keyword specified multiple times");
                return -1;
            }
            if (i + 1 >= c->argc) {
                reply_arity_error(c);
                return -1;
            }
            if ((*n = fields_count(c->argv[i + 1])) < 0) {
                reply_error(c, "ERR invalid number of fields");
                return -1;
            }
            if (i + 2 + *n * per > c->argc) {
                reply_error(c, "ERR wrong number of arguments");
                return -1;
            }
            *first = i + 2;
            i = *first + (int)(*n * per) - 1;
            continue;
        }
        size_t t = 0;
        while (t < sizeof times / sizeof times[0] && !slice_eq_nocase(a, times[t].word)) t++;
        if (t < sizeof times / sizeof times[0]) {
            if (*flags & (XF_TIME | XF_KEEPTTL | XF_PERSIST)) {
                reply_error(c, "%s", only_one);
                return -1;
            }
            if (i >= c->argc - 1) {
                reply_error(c, "ERR missing expire time");
                return -1;
            }
            *flags |= times[t].flag;
            i++;
            if (parse_field_time(c, c->argv[i], times[t].unit_ms, times[t].is_abs, when) != 0)
                return -1;
        } else if (!is_set && slice_eq_nocase(a, "PERSIST")) {
            if (*flags & (XF_TIME | XF_PERSIST)) {
                reply_error(c, "%s", only_one);
                return -1;
            }
            *flags |= XF_PERSIST;
        } else if (is_set && slice_eq_nocase(a, "KEEPTTL")) {
            if (*flags & (XF_TIME | XF_KEEPTTL)) {
                reply_error(c, "%s", only_one);
                return -1;
            }
            *flags |= XF_KEEPTTL;
        } else if (is_set && (slice_eq_nocase(a, "FXX") || slice_eq_nocase(a, "FNX"))) {
            if (*flags & (XF_FXX | XF_FNX)) {
                reply_error(c, "ERR Only one of FXX or FNX arguments can be specified");
                return -1;
            }
            *flags |= (a.p[1] == 'X' || a.p[1] == 'x') ? XF_FXX : XF_FNX;
        } else {
            reply_unknown_argument(c, a);
            return -1;
        }
    }
    if (!*first) {
        reply_error(c, "ERR missing FIELDS argument");
        return -1;
    }
    return 0;
}

/* HGETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST] FIELDS numfields
 * field... (the option and FIELDS in any order, see parse_fieldex_args()):
 * the values (nulls for missing fields), then the fields' TTLs set, removed,
 * or the fields deleted when the time has passed. Propagated as HPEXPIREAT /
 * HPERSIST / HDEL of the fields that changed. */
static void cmd_hgetex(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    int flags, first;
    int64_t when = 0;
    long long n;
    if (parse_fieldex_args(c, 0, &flags, &when, &first, &n) != 0) return;
    int persist = (flags & XF_PERSIST) != 0, has_time = (flags & XF_TIME) != 0;
    int end = first + (int)n;
    reply_array(c, (size_t)n);
    HashObj *h = o ? o->ptr : NULL;
    for (int i = first; i < end; i++) {
        Slice v;
        if (h && hashobj_get(h, c->argv[i], &v))
            reply_bulk_slice(c, v);
        else
            reply_null(c);
    }
    if (!h || (!has_time && !persist)) return;
    Slice *changed = xmalloc((size_t)n * sizeof(Slice));
    size_t nch = 0;
    int del = has_time && ttl_passed(when);
    for (int i = first; i < end; i++) {
        Slice f = c->argv[i], v;
        if (!hashobj_get(h, f, &v)) continue;
        if (persist) {
            if (hashobj_get_ttl(h, f) < 0) continue;
            hashobj_set_ttl(&h, f, -1);
        } else if (del) {
            hashobj_delete(&h, f);
        } else {
            hashobj_set_ttl(&h, f, when);
        }
        changed[nch++] = f;
    }
    if (persist) {
        o->ptr = h;
        if (nch) {
            char nb[24];
            Slice pre[2] = {slice_cstr("FIELDS"), slice_of(nb, ll_to_str((long long)nch, nb))};
            propagate_fields(c, db_index(c->db), "HPERSIST", key, pre, 2, changed, nch);
            notify_keyspace_event_subkeys(NOTIFY_HASH, "hpersist", key, db_index(c->db), changed,
                                          nch);
            server.dirty += (long long)nch;
            db_resized(c->db, o, hashobj_len(h));
            db_signal_key(c->db, key);
        }
    } else if (del) {
        finish_ttl_change(c, key, o, h, changed, nch, NULL, 0, when, "hexpire");
    } else {
        finish_ttl_change(c, key, o, h, NULL, 0, changed, nch, when, "hexpire");
    }
    xfree(changed);
}

/* HSETEX key [FNX | FXX] [EX s | PX ms | EXAT t | PXAT t | KEEPTTL] FIELDS
 * numfields field value... (in any order, see parse_fieldex_args()): 1 when
 * the fields were set, 0 when FNX (some field exists) or FXX (some field is
 * missing) stopped it. The fields lose
 * their TTLs unless KEEPTTL, and get the one given. Propagated as HSET
 * (with KEEPTTL: HSETEX KEEPTTL) then HPEXPIREAT, or HDEL when the time has
 * passed. */
static void cmd_hsetex(Client *c) {
    Slice key = c->argv[1];
    int flags, first;
    int64_t when = 0;
    long long n;
    if (parse_fieldex_args(c, 1, &flags, &when, &first, &n) != 0) return;
    int fnx = (flags & XF_FNX) != 0, fxx = (flags & XF_FXX) != 0;
    int keepttl = (flags & XF_KEEPTTL) != 0, has_time = (flags & XF_TIME) != 0;
    int end = first + (int)(2 * n);
    Obj *o;
    if (lookup_write(c, key, &o) != 0) return;
    if (fnx || fxx) {
        for (int i = first; i < end; i += 2) {
            Slice v;
            int exists = o && hashobj_get(o->ptr, c->argv[i], &v);
            if ((fnx && exists) || (fxx && !exists)) {
                reply_int(c, 0);
                return;
            }
        }
    }
    HashObj *h = o ? o->ptr : hashobj_new();
    HashLimits lim = limits();
    for (int i = first; i < end; i += 2) {
        if (keepttl)
            hashobj_set_keep_ttl(&h, c->argv[i], c->argv[i + 1], &lim);
        else
            hashobj_set(&h, c->argv[i], c->argv[i + 1], &lim);
    }
    if (!o) {
        db_add(c->db, key, obj_new(OBJ_HASH, h));
        o = db_lookup_write(c->db, key);
    } else {
        o->ptr = h;
    }
    notify_pairs(c, "hset", key, first);
    server.dirty += n;
    Slice *argv = xmalloc((size_t)(2 * n + 5) * sizeof(Slice));
    int argc = 0;
    argv[argc++] = slice_cstr(keepttl ? "HSETEX" : "HSET");
    argv[argc++] = key;
    char nb[24];
    if (keepttl) {
        argv[argc++] = slice_cstr("KEEPTTL");
        argv[argc++] = slice_cstr("FIELDS");
        argv[argc++] = slice_of(nb, ll_to_str(n, nb));
    }
    for (int i = first; i < end; i++) argv[argc++] = c->argv[i];
    propagate(c, argc, argv);
    Slice *fields = argv; /* reused: the fields only */
    size_t nf = 0;
    if (has_time) {
        int del = ttl_passed(when);
        for (int i = first; i < end; i += 2) {
            /* Every field given is named, a repeated one twice: Redis 8.8
             * sets and expires the pairs one by one, so its repeat is set
             * again and deleted again (and HDEL twice). */
            if (del)
                hashobj_delete(&h, c->argv[i]);
            else
                hashobj_set_ttl(&h, c->argv[i], when);
            fields[nf++] = c->argv[i];
        }
        if (del)
            finish_ttl_change(c, key, o, h, fields, nf, NULL, 0, when, "hexpire");
        else
            finish_ttl_change(c, key, o, h, NULL, 0, fields, nf, when, "hexpire");
    } else {
        db_resized(c->db, o, hashobj_len(h));
        db_signal_key(c->db, key);
    }
    xfree(argv);
    reply_int(c, 1);
}

/* ---- persistence ------------------------------------------------------------ */

/* A hash with field TTLs is written as 7.4 writes it (25 packed, 24 a
 * table, RDB 12); a packed one that had TTLs ("listpackex") is type 25 even
 * with none left, as Redis writes its LISTPACK_EX encoding. For a reader
 * that only takes older types (a 7.0 replica) the TTLs are left out. */
static int hash_rdb_type(const Obj *o, int cap) {
    int packed = hashobj_is_packed(o->ptr);
    if (packed && hashobj_is_ex(o->ptr) && cap >= RDB_TYPE_HASH_LISTPACK_EX)
        return RDB_TYPE_HASH_LISTPACK_EX;
    if (hashobj_has_ttls(o->ptr) && cap >= RDB_TYPE_HASH_METADATA) return RDB_TYPE_HASH_METADATA;
    int t = packed ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    return t > cap ? RDB_TYPE_HASH : t;
}

typedef struct WriteCtx {
    Buf *out;
    LpWriter lp;
    HashObj *h;
    int64_t min;
} WriteCtx;

/* Type 25's listpack: field, value, TTL (0: none). */
static void write_lpex_triple(void *priv, Slice f, Slice v) {
    WriteCtx *w = priv;
    int64_t t = hashobj_get_ttl(w->h, f);
    lp_append_str(&w->lp, f.p, f.len);
    lp_append_str(&w->lp, v.p, v.len);
    lp_append_int(&w->lp, t < 0 ? 0 : t);
}

/* Type 24's entries: TTL as 1 + its distance from the hash's earliest (0:
 * none), field, value. */
static void write_meta_triple(void *priv, Slice f, Slice v) {
    WriteCtx *w = priv;
    int64_t t = hashobj_get_ttl(w->h, f);
    rdb_write_len(w->out, t < 0 ? 0 : (uint64_t)(t - w->min) + 1);
    rdb_write_string(w->out, f.p, f.len);
    rdb_write_string(w->out, v.p, v.len);
}

static void write_lp_pair(void *priv, Slice f, Slice v) {
    WriteCtx *w = priv;
    lp_append_str(&w->lp, f.p, f.len);
    lp_append_str(&w->lp, v.p, v.len);
}

static void write_pair(void *priv, Slice f, Slice v) {
    WriteCtx *w = priv;
    rdb_write_string(w->out, f.p, f.len);
    rdb_write_string(w->out, v.p, v.len);
}

static void hash_rdb_write(const Obj *o, int type, int64_t now, Buf *out) {
    HashObj *h = o->ptr;
    WriteCtx w;
    w.out = out;
    w.h = h;
    w.min = hashobj_min_ttl(h);
    if (type == RDB_TYPE_HASH_LISTPACK_EX) {
        rdb_write_ms(out, w.min < 0 ? 0 : w.min); /* 0: no TTL left, as Redis writes it */
        Buf lp;
        buf_init(&lp);
        lp_writer_start(&w.lp, &lp);
        hashobj_foreach(h, write_lpex_triple, &w);
        lp_writer_finish(&w.lp);
        rdb_write_string(out, buf_data(&lp), buf_live(&lp));
        buf_free(&lp);
        return;
    }
    if (type == RDB_TYPE_HASH_METADATA) {
        rdb_write_ms(out, w.min);
        rdb_write_len(out, hashobj_len(h));
        hashobj_foreach(h, write_meta_triple, &w);
        return;
    }
    if (type == RDB_TYPE_HASH_LISTPACK) {
        Buf lp;
        buf_init(&lp);
        lp_writer_start(&w.lp, &lp);
        hashobj_foreach(h, write_lp_pair, &w);
        lp_writer_finish(&w.lp);
        rdb_write_string(out, buf_data(&lp), buf_live(&lp));
        buf_free(&lp);
        return;
    }
    rdb_write_len(out, hashobj_len(h));
    hashobj_foreach(h, write_pair, &w);
}

/* Adds a pair read from a payload; RDB_ERR on a duplicate field. */
static int load_pair(HashObj **h, Slice f, Slice v, const HashLimits *lim) {
    return hashobj_set(h, f, v, lim) == 1 ? RDB_OK : RDB_ERR;
}

static int read_table(RdbReader *r, HashObj **h, const HashLimits *lim) {
    uint64_t n;
    if (rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    for (uint64_t i = 0; i < n; i++) {
        char *f, *v;
        size_t fl, vl;
        if (rdb_read_string(r, persist_string_max(), &f, &fl) != RDB_OK) return RDB_ERR;
        if (rdb_read_string(r, persist_string_max(), &v, &vl) != RDB_OK) {
            xfree(f);
            return RDB_ERR;
        }
        int rc = load_pair(h, slice_of(f, fl), slice_of(v, vl), lim);
        xfree(f);
        xfree(v);
        if (rc != RDB_OK) return RDB_ERR;
    }
    return RDB_OK;
}

/* Type 24: the earliest TTL, the count, then (1 + TTL - earliest, or 0;
 * field; value) each. */
static int read_metadata(RdbReader *r, HashObj **h, const HashLimits *lim) {
    int64_t min;
    uint64_t n;
    if (rdb_read_ms(r, &min) != RDB_OK || rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rel;
        char *f, *v;
        size_t fl, vl;
        if (rdb_read_len(r, &rel) != RDB_OK) return RDB_ERR;
        if (rel && (min < 0 || min > FIELD_TTL_MAX || rel - 1 > (uint64_t)(FIELD_TTL_MAX - min)))
            return RDB_ERR;
        if (rdb_read_string(r, persist_string_max(), &f, &fl) != RDB_OK) return RDB_ERR;
        if (rdb_read_string(r, persist_string_max(), &v, &vl) != RDB_OK) {
            xfree(f);
            return RDB_ERR;
        }
        int rc = load_pair(h, slice_of(f, fl), slice_of(v, vl), lim);
        if (rc == RDB_OK && rel) hashobj_set_ttl(h, slice_of(f, fl), min + (int64_t)(rel - 1));
        xfree(f);
        xfree(v);
        if (rc != RDB_OK) return RDB_ERR;
    }
    return RDB_OK;
}

/* An element of a listpack or ziplist as bytes (an integer as its text in
 * buf, 21 bytes). */
static Slice elem_text(const LpElem *e, char *buf) {
    if (!e->is_int) return slice_of((const char *)e->s, e->len);
    return slice_of(buf, ll_to_str(e->v, buf));
}

/* Type 25's listpack: field, value, TTL (an integer, 0: none) triples. */
static int read_listpack_ex(const uint8_t *p, size_t len, HashObj **h, const HashLimits *lim) {
    uint32_t n;
    if (lp_validate(p, len, &n) != RDB_OK || n % 3 != 0) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    LpReader r;
    LpElem ef, ev, et;
    lp_reader_init(&r, p, len);
    for (uint32_t i = 0; i < n; i += 3) {
        char fb[24], vb[24];
        if (lp_next(&r, &ef) != 1 || lp_next(&r, &ev) != 1 || lp_next(&r, &et) != 1) return RDB_ERR;
        if (!et.is_int || et.v < 0 || et.v > FIELD_TTL_MAX) return RDB_ERR;
        Slice f = elem_text(&ef, fb);
        if (load_pair(h, f, elem_text(&ev, vb), lim) != RDB_OK) return RDB_ERR;
        if (et.v) hashobj_set_ttl(h, f, et.v);
    }
    return RDB_OK;
}

static int read_listpack(const uint8_t *p, size_t len, HashObj **h, const HashLimits *lim) {
    uint32_t n;
    if (lp_validate(p, len, &n) != RDB_OK || n % 2 != 0) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    LpReader r;
    LpElem ef, ev;
    lp_reader_init(&r, p, len);
    for (uint32_t i = 0; i < n; i += 2) {
        char fb[24], vb[24];
        if (lp_next(&r, &ef) != 1 || lp_next(&r, &ev) != 1) return RDB_ERR;
        if (load_pair(h, elem_text(&ef, fb), elem_text(&ev, vb), lim) != RDB_OK) return RDB_ERR;
    }
    return RDB_OK;
}

static uint64_t get_le(const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* A ziplist (RDB type 13, Redis before 7.0) of field, value pairs. */
static int read_ziplist(const uint8_t *p, size_t len, HashObj **h, const HashLimits *lim) {
    uint32_t n;
    if (zl_validate(p, len, &n) != RDB_OK || n % 2 != 0) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    ZlReader r;
    LpElem e[2];
    char buf[2][24];
    zl_reader_init(&r, p, len);
    while (zl_next(&r, &e[0]) == 1) {
        if (zl_next(&r, &e[1]) != 1 ||
            load_pair(h, elem_text(&e[0], buf[0]), elem_text(&e[1], buf[1]), lim) != RDB_OK)
            return RDB_ERR;
    }
    return RDB_OK;
}

/*
 * Zipmaps (RDB type 9, written by Redis before 2.6):
 *
 *   <count: 1 byte, 254 = unknown> (<flen> field <vlen> <free: 1 byte> value
 *   <free bytes>)... <0xFF>
 *   a length: 1 byte below 254, or 254 + u32 LE
 */
static int zm_len(const uint8_t *p, size_t end, size_t *pos, size_t *out) {
    if (*pos >= end) return RDB_ERR;
    uint8_t b = p[*pos];
    if (b < 254) {
        *out = b;
        *pos += 1;
        return RDB_OK;
    }
    if (b == 255 || end - *pos < 5) return RDB_ERR;
    *out = (size_t)get_le(p + *pos + 1, 4);
    *pos += 5;
    return RDB_OK;
}

static int read_zipmap(const uint8_t *p, size_t len, HashObj **h, const HashLimits *lim) {
    if (len < 2 || p[len - 1] != 0xFF) return RDB_ERR;
    size_t end = len - 1, pos = 1, flen, vlen, n = 0;
    while (pos < end) {
        if (zm_len(p, end, &pos, &flen) != RDB_OK || end - pos < flen) return RDB_ERR;
        Slice f = slice_of((const char *)p + pos, flen);
        pos += flen;
        if (zm_len(p, end, &pos, &vlen) != RDB_OK || pos >= end) return RDB_ERR;
        size_t free_bytes = p[pos++];
        if (end - pos < vlen || end - pos - vlen < free_bytes) return RDB_ERR;
        Slice v = slice_of((const char *)p + pos, vlen);
        pos += vlen + free_bytes;
        if (load_pair(h, f, v, lim) != RDB_OK) return RDB_ERR;
        n++;
    }
    /* A zipmap of no field is corrupt to Redis 7.0, not empty. */
    if (n == 0 || (p[0] < 254 && p[0] != n)) return RDB_ERR;
    return RDB_OK;
}

static int hash_rdb_read(RdbReader *r, int type, int64_t now, Obj **out) {
    HashObj *h = hashobj_new();
    HashLimits lim = limits();
    /* 7.0 keeps a loaded listpack (or ziplist) packed whatever the length
     * of its strings; only more fields than hash-max-listpack-entries make
     * it a table. A type 4 hash is loaded by both thresholds. */
    if (type == RDB_TYPE_HASH_ZIPLIST || type == RDB_TYPE_HASH_LISTPACK ||
        type == RDB_TYPE_HASH_LISTPACK_EX)
        lim.max_value = UINT64_MAX;
    int rc;
    if (type == RDB_TYPE_HASH) {
        rc = read_table(r, &h, &lim);
    } else if (type == RDB_TYPE_HASH_METADATA) {
        rc = read_metadata(r, &h, &lim);
    } else if (type == RDB_TYPE_HASH_LISTPACK_EX) {
        int64_t min;
        char *blob;
        size_t len;
        if (rdb_read_ms(r, &min) != RDB_OK ||
            rdb_read_string(r, persist_string_max(), &blob, &len) != RDB_OK) {
            hashobj_free(h);
            return RDB_ERR;
        }
        rc = read_listpack_ex((const uint8_t *)blob, len, &h, &lim);
        xfree(blob);
        /* Redis loads it as LISTPACK_EX whether or not a TTL is left */
        if (rc == RDB_OK) hashobj_make_ex(&h);
    } else {
        char *blob;
        size_t len;
        if (rdb_read_string(r, persist_string_max(), &blob, &len) != RDB_OK) {
            hashobj_free(h);
            return RDB_ERR;
        }
        if (type == RDB_TYPE_HASH_LISTPACK)
            rc = read_listpack((const uint8_t *)blob, len, &h, &lim);
        else if (type == RDB_TYPE_HASH_ZIPMAP)
            rc = read_zipmap((const uint8_t *)blob, len, &h, &lim);
        else
            rc = read_ziplist((const uint8_t *)blob, len, &h, &lim);
        xfree(blob);
    }
    if (rc != RDB_OK) {
        hashobj_free(h);
        return rc; /* RDB_EMPTY: read whole, a file skips the key */
    }
    *out = obj_new(OBJ_HASH, h);
    return RDB_OK;
}

typedef struct RewriteCtx {
    Buf *out;
    Slice key;
    uint64_t left; /* pairs not yet written */
    uint64_t in_cmd;
    void (*flush)(void *);
    void *fp;
} RewriteCtx;

static void rewrite_pair(void *priv, Slice f, Slice v) {
    RewriteCtx *x = priv;
    if (x->in_cmd == 0) {
        uint64_t n = x->left < REWRITE_PAIRS ? x->left : REWRITE_PAIRS;
        aof_cat_array_header(x->out, (long long)(2 + 2 * n));
        aof_cat_bulk(x->out, "HMSET", 5);
        aof_cat_bulk(x->out, x->key.p, x->key.len);
    }
    aof_cat_bulk(x->out, f.p, f.len);
    aof_cat_bulk(x->out, v.p, v.len);
    x->left--;
    if (++x->in_cmd == REWRITE_PAIRS) {
        x->in_cmd = 0;
        if (x->flush) x->flush(x->fp);
    }
}

static void rewrite_ttl(void *priv, Slice f, int64_t when) {
    RewriteCtx *x = priv;
    char tb[24];
    aof_cat_array_header(x->out, 6);
    aof_cat_bulk(x->out, "HPEXPIREAT", 10);
    aof_cat_bulk(x->out, x->key.p, x->key.len);
    aof_cat_bulk(x->out, tb, ll_to_str(when, tb));
    aof_cat_bulk(x->out, "FIELDS", 6);
    aof_cat_bulk(x->out, "1", 1);
    aof_cat_bulk(x->out, f.p, f.len);
    if (++x->in_cmd == REWRITE_PAIRS) {
        x->in_cmd = 0;
        if (x->flush) x->flush(x->fp);
    }
}

/* HMSET records of up to 64 pairs each, as Redis 7.0 rewrites a hash, then
 * an HPEXPIREAT record per field with a TTL. */
static void hash_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now, void (*flush)(void *),
                             void *fp) {
    HashObj *h = o->ptr;
    RewriteCtx x = {out, key, hashobj_len(h), 0, flush, fp};
    hashobj_foreach(h, rewrite_pair, &x);
    x.in_cmd = 0;
    hashobj_foreach_ttl(h, rewrite_ttl, &x);
}

static const uint8_t hash_rdb_types[] = {RDB_TYPE_HASH,          RDB_TYPE_HASH_ZIPMAP,
                                         RDB_TYPE_HASH_ZIPLIST,  RDB_TYPE_HASH_LISTPACK,
                                         RDB_TYPE_HASH_METADATA, RDB_TYPE_HASH_LISTPACK_EX};

static const PersistTypeOps hash_persist = {
    .obj_type = OBJ_HASH,
    .rdb_type = hash_rdb_type,
    .rdb_write = hash_rdb_write,
    .rdb_read = hash_rdb_read,
    .rdb_types = hash_rdb_types,
    .n_rdb_types = sizeof hash_rdb_types,
    .aof_rewrite = hash_aof_rewrite,
};

/* ---- the table ------------------------------------------------------------ */

#define HW  (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define HRF (CMD_READONLY | CMD_FAST)
const Command hash_commands[] = {
    {"hset", cmd_hset, -4, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hmset", cmd_hmset, -4, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hsetnx", cmd_hsetnx, 4, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hget", cmd_hget, 3, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hmget", cmd_hmget, -3, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hdel", cmd_hdel, -3, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hlen", cmd_hlen, 2, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hstrlen", cmd_hstrlen, 3, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hexists", cmd_hexists, 3, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hkeys", cmd_hkeys, 2, CMD_READONLY, "@read @hash @slow", 1, 1, 1, NULL},
    {"hvals", cmd_hvals, 2, CMD_READONLY, "@read @hash @slow", 1, 1, 1, NULL},
    {"hgetall", cmd_hgetall, 2, CMD_READONLY, "@read @hash @slow", 1, 1, 1, NULL},
    {"hgetdel", cmd_hgetdel, -5, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hincrby", cmd_hincrby, 4, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hincrbyfloat", cmd_hincrbyfloat, 4, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hrandfield", cmd_hrandfield, -2, CMD_READONLY, "@read @hash @slow", 1, 1, 1, NULL},
    {"hscan", cmd_hscan, -3, CMD_READONLY, "@read @hash @slow", 1, 1, 1, NULL},
    {"hexpire", cmd_hexpire, -6, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hpexpire", cmd_hpexpire, -6, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hexpireat", cmd_hexpireat, -6, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hpexpireat", cmd_hpexpireat, -6, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"httl", cmd_httl, -5, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hpttl", cmd_hpttl, -5, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hexpiretime", cmd_hexpiretime, -5, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hpexpiretime", cmd_hpexpiretime, -5, HRF, "@read @hash @fast", 1, 1, 1, NULL},
    {"hpersist", cmd_hpersist, -5, CMD_WRITE | CMD_FAST, "@write @hash @fast", 1, 1, 1, NULL},
    {"hgetex", cmd_hgetex, -5, HW, "@write @hash @fast", 1, 1, 1, NULL},
    {"hsetex", cmd_hsetex, -6, HW, "@write @hash @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* ---- active field expiry (db.c's cycle) ------------------------------------ */

static int64_t sub_next_due(const Obj *o) {
    if (o->type != OBJ_HASH) return -1;
    return hashobj_min_ttl(o->ptr);
}

static void sub_expire(Db *db, Slice key, Obj *o) {
    if (o->type == OBJ_HASH) expire_fields(db, key, o);
}

static int sub_any(void) {
    return hashobj_ex_alive() > 0;
}

static const SubExpiryOps hash_sub_expiry = {sub_next_due, sub_expire, sub_any};

/* Registers the value type (called once at start-up, before any load). */
void hash_cmd_init(void);
void hash_cmd_init(void) {
    obj_register_type(OBJ_HASH, &hash_type);
    persist_register_type(&hash_persist);
    db_register_subexpiry(&hash_sub_expiry);
}
