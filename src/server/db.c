/*
 * db.c - the databases: keys, expiry, and the signals a change sends.
 *
 * A key's TTL lives in its dict entry (no second table); n_expires counts the
 * keys that have one so INFO keyspace can report it and the active expiry
 * cycle can skip databases without TTLs. Expiry is lazy (a lookup of an
 * expired key deletes it) and active (the cron walks each database with a SCAN
 * cursor for a bounded time). Both propagate a DEL so the AOF replays the same
 * keyspace regardless of timing. Both stop during CLIENT PAUSE (pause.c):
 * an expired key then reads as missing but stays until the pause ends.
 *
 * db_signal_key() is the one place a change is announced: it marks the WATCHes
 * on the key dirty, invalidates it for the clients that cache it (tracking.c)
 * and queues clients blocked on it for service after the current command.
 *
 * INFO keysizes is kept exact as the keyspace changes, so INFO costs
 * O(databases) however many keys there are: each database counts its values
 * per type and size bin (a power of two), and each value remembers the bin it
 * is counted in (Obj.size_bin). A value is counted when it enters a database
 * (db_add, db_set), uncounted when it leaves (delete, expiry, overwrite,
 * flush, db_take), and moved by db_resized() after a change in place (APPEND,
 * XADD, XTRIM, XDEL, ...), which every such handler calls.
 */
#include <limits.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/lazyfree.h"
#include "server/tracking.h"

/* The query engine's hooks (db_set_index_hooks). */
static void (*index_key_hook)(Db *db, Slice key);
static void (*index_flush_hook)(Db *db);
static void (*index_swap_hook)(Db *a, Db *b);

void db_set_index_hooks(void (*key)(Db *db, Slice key), void (*flush)(Db *db),
                        void (*swap)(Db *a, Db *b)) {
    index_key_hook = key;
    index_flush_hook = flush;
    index_swap_hook = swap;
}

void db_init_all(int n) {
    core.dbs = xcalloc((size_t)n, sizeof(Db));
    core.n_dbs = n;
    for (int i = 0; i < n; i++) {
        core.dbs[i].keys = dict_new();
        core.dbs[i].watched = dict_new();
        core.dbs[i].blocking = dict_new();
        core.dbs[i].id = i;
    }
}

int db_index(const Db *db) {
    return db->id;
}

uint64_t db_size(const Db *db) {
    return dict_size(db->keys);
}

/* For the AOF rewrite (src/persist): every key once, rehashing or not. */
typedef struct ForEach {
    DbVisitFn fn;
    void *priv;
} ForEach;

static void for_each_entry(void *priv, DictEntry *e) {
    ForEach *fe = priv;
    fe->fn(fe->priv, slice_of(e->key, e->key_len), e->val, e->expire_ms);
}

void db_for_each(Db *db, DbVisitFn fn, void *priv) {
    ForEach fe = {fn, priv};
    dict_foreach(db->keys, for_each_entry, &fe);
}

static void free_obj(void *o) {
    obj_free(o);
}

/* The keysizes bin of a value of n elements: 0 for none, else 1 + log2(n). */
static inline uint8_t size_bin(uint64_t n) {
    return n ? (uint8_t)(64 - __builtin_clzll(n)) : 0;
}

static const SubExpiryOps *sub_ops;

/* Whether o has TTLs of its own (sub_ops: see db_register_subexpiry). */
static uint8_t has_sub_ttl(const Obj *o) {
    return sub_ops && o->type != OBJ_STRING && sub_ops->next_due(o) >= 0;
}

static void sizes_count(Db *db, Obj *o) {
    o->size_bin = size_bin(obj_items(o));
    db->keysizes[o->type][o->size_bin]++;
    o->sub_ttl = has_sub_ttl(o);
    db->n_subexpiry += o->sub_ttl;
}

static void sizes_uncount(Db *db, const Obj *o) {
    db->keysizes[o->type][o->size_bin]--;
    db->n_subexpiry -= o->sub_ttl;
}

void db_resized(Db *db, Obj *o, uint64_t items) {
    uint8_t sub = has_sub_ttl(o);
    if (sub != o->sub_ttl) {
        db->n_subexpiry = db->n_subexpiry - o->sub_ttl + sub;
        o->sub_ttl = sub;
    }
    uint8_t bin = size_bin(items);
    if (bin == o->size_bin) return;
    db->keysizes[o->type][o->size_bin]--;
    db->keysizes[o->type][bin]++;
    o->size_bin = bin;
}

/* The value goes to the lazyfree thread when lazy and big enough. */
static void delete_entry(Db *db, Slice key, int lazy) {
    DictEntry *e = dict_unlink(db->keys, key.p, key.len);
    if (!e) return;
    if (e->expire_ms >= 0) db->n_expires--;
    sizes_uncount(db, e->val);
    if (lazy)
        lazyfree_obj(e->val);
    else
        obj_free(e->val);
    dict_entry_free(e);
}

static int expire_if_needed(Db *db, DictEntry *e) {
    if (e->expire_ms < 0 || server.loading) return 0;
    if (e->expire_ms >= now_ms()) return 0; /* expired once past: now > when, as Redis */
    if (core.expire_paused) return 1;       /* CLIENT PAUSE: expired, but kept until it ends */
    /* A read-only replica: the master's DEL removes the key; its own
     * stream sees it, the other clients see it missing (as Redis 7). */
    if (__builtin_expect(core.is_replica, 0) && settings.replica_read_only)
        return !core.replica_applying;
    /* as 7.0: UNLINK when the expired key is freed lazily */
    int lazy = settings.lazyfree_lazy_expire;
    Slice argv[2] = {slice_cstr(lazy ? "UNLINK" : "DEL"), slice_of(e->key, e->key_len)};
    char *keycopy = xmemdup(e->key, e->key_len);
    Slice key = slice_of(keycopy, e->key_len);
    argv[1] = key;
    propagate_db(db->id, 2, argv);
    delete_entry(db, key, lazy);
    if (index_key_hook) index_key_hook(db, key);
    notify_keyspace_event(NOTIFY_EXPIRED, "expired", key, db->id);
    watch_touch(db, key);
    if (__builtin_expect(core.tracking_armed, 0)) tracking_invalidate_key(key, 1);
    block_signal_ready(db, key);
    core.stat_expired++;
    xfree(keycopy);
    return 1;
}

/* An access to o: the LRU time stored here, the call made only under an
 * LFU policy (its counter update is evict.c's) or an LRM one (where an
 * access changes nothing: db_signal_key stamps changes). */
static inline void touch(Obj *o) {
    if (__builtin_expect(evict_policy_is_lfu() || evict_policy_is_lrm(), 0))
        evict_touch(o);
    else
        o->lru_s = lru_clock_s();
}

DictEntry *db_find_entry(Db *db, Slice key) {
    DictEntry *e = dict_find(db->keys, key.p, key.len);
    if (e && expire_if_needed(db, e)) return NULL;
    return e;
}

Obj *db_lookup_read(Db *db, Slice key) {
    DictEntry *e = db_find_entry(db, key);
    if (!e) {
        core.stat_misses++;
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, db->id);
        return NULL;
    }
    core.stat_hits++;
    Obj *o = e->val;
    if (!core.no_touch) touch(o);
    return o;
}

Obj *db_lookup_write(Db *db, Slice key) {
    DictEntry *e = db_find_entry(db, key);
    if (!e) return NULL;
    Obj *o = e->val;
    if (!core.no_touch) touch(o);
    return o;
}

void db_add(Db *db, Slice key, Obj *o) {
    dict_add(db->keys, key.p, key.len, o);
    sizes_count(db, o);
    db_signal_key(db, key);
    notify_keyspace_event(NOTIFY_NEW, "new", key, db->id);
}

/* db_set() and db_replace(): announce says whether replacing a value is
 * announced ("overwritten", and "type_changed" when the type differs). */
/* What set_value() tells the rest of the server. */
enum {
    SET_NEW_EVENT = 1,       /* "new" for an added key */
    SET_OVERWRITE_EVENT = 2, /* "overwritten" / "type_changed" for a replaced value */
    SET_SIGNAL = 4,          /* db_signal_key() */
};

static void set_value(Db *db, Slice key, Obj *o, int keep_ttl, int tell) {
    DictEntry *e = dict_find(db->keys, key.p, key.len);
    sizes_count(db, o);
    if (e) {
        ObjType old_type = ((Obj *)e->val)->type;
        sizes_uncount(db, e->val);
        if (settings.lazyfree_lazy_server_del)
            lazyfree_obj(e->val);
        else
            obj_free(e->val);
        e->val = o;
        if (!keep_ttl && e->expire_ms >= 0) {
            e->expire_ms = -1;
            db->n_expires--;
        }
        if (tell & SET_OVERWRITE_EVENT) notify_overwritten(key, db->id, old_type, o->type);
    } else {
        dict_add(db->keys, key.p, key.len, o);
        if (tell & SET_NEW_EVENT) notify_keyspace_event(NOTIFY_NEW, "new", key, db->id);
    }
    if (tell & SET_SIGNAL) db_signal_key(db, key);
}

void db_set(Db *db, Slice key, Obj *o, int keep_ttl) {
    set_value(db, key, o, keep_ttl, SET_NEW_EVENT | SET_OVERWRITE_EVENT | SET_SIGNAL);
}

void db_replace(Db *db, Slice key, Obj *o, int keep_ttl) {
    set_value(db, key, o, keep_ttl, SET_NEW_EVENT | SET_SIGNAL);
}

void db_load_key(Db *db, Slice key, Obj *o) {
    set_value(db, key, o, 0, 0);
    if (index_key_hook) index_key_hook(db, key);
}

Obj *db_take(Db *db, Slice key, int64_t *expire_ms) {
    DictEntry *e = dict_unlink(db->keys, key.p, key.len);
    if (!e) return NULL;
    Obj *o = e->val;
    *expire_ms = e->expire_ms;
    if (e->expire_ms >= 0) db->n_expires--;
    sizes_uncount(db, o);
    dict_entry_free(e);
    db_signal_key(db, key);
    return o;
}

int db_delete_lazy(Db *db, Slice key, int lazy) {
    DictEntry *e = db_find_entry(db, key);
    if (!e) return 0;
    delete_entry(db, key, lazy);
    db_signal_key(db, key);
    return 1;
}

void db_delete_propagated(Client *c, Slice key, int lazy) {
    db_delete_lazy(c->db, key, lazy);
    notify_keyspace_event(NOTIFY_GENERIC, "del", key, db_index(c->db));
    Slice argv[2] = {slice_cstr(lazy ? "UNLINK" : "DEL"), key};
    propagate(c, 2, argv);
}

void db_evict(Db *db, Slice key, int lazy) {
    Slice argv[2] = {slice_cstr(lazy ? "UNLINK" : "DEL"), key};
    delete_entry(db, key, lazy);
    db_signal_key(db, key);
    notify_keyspace_event(NOTIFY_EVICTED, "evicted", key, db->id);
    propagate_db(db->id, 2, argv);
}

int db_delete(Db *db, Slice key) {
    return db_delete_lazy(db, key, settings.lazyfree_lazy_server_del);
}

void db_signal_key(Db *db, Slice key) {
    if (__builtin_expect(evict_policy_is_lrm(), 0)) {
        /* least recently modified: the clock moves when the value changes */
        DictEntry *e = dict_find(db->keys, key.p, key.len);
        if (e) ((Obj *)e->val)->lru_s = lru_clock_s();
    }
    if (index_key_hook) index_key_hook(db, key);
    watch_touch(db, key);
    /* client-side caching: one predictable test while nothing is tracked */
    if (__builtin_expect(core.tracking_armed, 0)) tracking_invalidate_key(key, 0);
    block_signal_ready(db, key);
    server.dirty++;
}

void db_wake_key(Db *db, Slice key) {
    block_signal_ready(db, key);
    server.dirty++;
}

int64_t db_get_expire(Db *db, Slice key) {
    DictEntry *e = db_find_entry(db, key);
    return e ? e->expire_ms : -1;
}

int db_set_expire(Db *db, Slice key, int64_t when_ms) {
    DictEntry *e = dict_find(db->keys, key.p, key.len);
    if (!e) return 0;
    if (e->expire_ms < 0) db->n_expires++;
    e->expire_ms = when_ms;
    return 1;
}

int db_remove_expire(Db *db, Slice key) {
    DictEntry *e = dict_find(db->keys, key.p, key.len);
    if (!e || e->expire_ms < 0) return 0;
    e->expire_ms = -1;
    db->n_expires--;
    return 1;
}

void db_flush_lazy(Db *db, int lazy) {
    if (index_flush_hook) index_flush_hook(db);
    if (lazy && dict_size(db->keys) > 0) {
        lazyfree_keys(db->keys);
        db->keys = dict_new();
    } else {
        dict_clear(db->keys, free_obj);
    }
    db->n_expires = 0;
    db->n_subexpiry = 0;
    db->expire_cursor = 0;
    db->avg_ttl = 0;
    memset(db->keysizes, 0, sizeof db->keysizes);
}

void db_swap(Db *a, Db *b) {
    Dict *k = a->keys;
    a->keys = b->keys;
    b->keys = k;
    uint64_t n = a->n_expires;
    a->n_expires = b->n_expires;
    b->n_expires = n;
    n = a->n_subexpiry;
    a->n_subexpiry = b->n_subexpiry;
    b->n_subexpiry = n;
    long long avg = a->avg_ttl;
    a->avg_ttl = b->avg_ttl;
    b->avg_ttl = avg;
    a->expire_cursor = b->expire_cursor = 0;
    uint64_t sizes[OBJ_TYPE_COUNT][KEYSIZES_BINS];
    memcpy(sizes, a->keysizes, sizeof sizes);
    memcpy(a->keysizes, b->keysizes, sizeof sizes);
    memcpy(b->keysizes, sizes, sizeof sizes);
    if (index_swap_hook) index_swap_hook(a, b);
}

/* Sub-key expiry (a hash's field TTLs, src/cmd/hash.c): the type registers
 * how to tell a value with TTLs of its own that are due, and how to expire
 * them; the cycle below visits such values with the keys. */
void db_register_subexpiry(const SubExpiryOps *ops) {
    sub_ops = ops;
}

typedef struct ExpireScan {
    Db *db;
    Slice *keys;
    size_t n, cap;
    Slice *subs; /* keys whose values have due sub-key TTLs */
    size_t nsub, capsub;
    int check_subs;
    int64_t now;
    /* the TTLs seen that have not passed: summed as a double, since two TTLs
     * near the 64-bit limit (PEXPIREAT 9223372036854775000) overflow a long long */
    double ttl_sum;
    long long ttl_n;
} ExpireScan;

static void collect_sub(ExpireScan *s, DictEntry *e) {
    int64_t next = sub_ops->next_due(e->val);
    if (next < 0 || next > s->now) return;
    if (s->nsub == s->capsub) {
        s->capsub = s->capsub ? s->capsub * 2 : 16;
        s->subs = xrealloc(s->subs, s->capsub * sizeof(Slice));
    }
    s->subs[s->nsub++] = slice_of(xmemdup(e->key, e->key_len), e->key_len);
}

static void collect_expired(void *priv, DictEntry *e) {
    ExpireScan *s = priv;
    if (s->check_subs && (e->expire_ms < 0 || e->expire_ms >= s->now)) collect_sub(s, e);
    if (e->expire_ms < 0) return;
    if (e->expire_ms >= s->now) {
        s->ttl_sum += (double)(e->expire_ms - s->now);
        s->ttl_n++;
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->keys = xrealloc(s->keys, s->cap * sizeof(Slice));
    }
    s->keys[s->n++] = slice_of(xmemdup(e->key, e->key_len), e->key_len);
}

/* One active expiry pass: walks each database with TTLs for about budget_us. */
void db_active_expire(int64_t budget_us) {
    if (server.loading || core.expire_paused || core.is_replica) return;
    int64_t start = now_us();
    long long seen = 0, expired = 0; /* keys with a TTL looked at, and the due ones */
    for (int i = 0; i < core.n_dbs; i++) {
        Db *db = &core.dbs[i];
        int subs = sub_ops && sub_ops->any();
        if (db->n_expires == 0) {
            db->avg_ttl = 0;
            if (!subs) continue;
        }
        ExpireScan s = {db, NULL, 0, 0, NULL, 0, 0, subs, now_ms(), 0, 0};
        int steps = 0;
        do {
            db->expire_cursor = dict_scan(db->keys, db->expire_cursor, collect_expired, &s);
            steps++;
        } while (db->expire_cursor != 0 && steps < 200 + 50 * (settings.active_expire_effort - 1));
        seen += s.ttl_n + (long long)s.n;
        expired += (long long)s.n;
        for (size_t k = 0; k < s.n; k++) {
            DictEntry *e = dict_find(db->keys, s.keys[k].p, s.keys[k].len);
            if (e) expire_if_needed(db, e);
            xfree((void *)s.keys[k].p);
        }
        xfree(s.keys);
        for (size_t k = 0; k < s.nsub; k++) {
            DictEntry *e = dict_find(db->keys, s.subs[k].p, s.subs[k].len);
            if (e) sub_ops->expire(db, s.subs[k], e->val);
            xfree((void *)s.subs[k].p);
        }
        xfree(s.subs);
        if (s.ttl_n > 0) {
            /* Redis's estimate: each pass's mean moves it by a fiftieth */
            double mean = s.ttl_sum / (double)s.ttl_n;
            long long avg = mean >= 9223372036854775807.0 ? LLONG_MAX : (long long)mean;
            db->avg_ttl = db->avg_ttl ? db->avg_ttl / 50 * 49 + avg / 50 : avg;
        }
        if (now_us() - start > budget_us) {
            core.stat_expire_time_cap++;
            break;
        }
    }
    /* INFO: the time it takes, and Redis's running estimate of how much of
     * what has a TTL is already due (5% from each cycle) */
    core.stat_expire_cycle_us += (uint64_t)(now_us() - start);
    if (seen > 0)
        core.stat_expired_stale_perc =
            core.stat_expired_stale_perc * 0.95 + ((double)expired / (double)seen) * 0.05;
}

void db_flush(Db *db) {
    db_flush_lazy(db, 0);
}

void server_flush_all_dbs_lazy(int lazy) {
    for (int i = 0; i < core.n_dbs; i++) {
        watch_touch_all(&core.dbs[i], NULL);
        db_flush_lazy(&core.dbs[i], lazy);
    }
    tracking_invalidate_all();
}

void server_flush_all_dbs(void) {
    server_flush_all_dbs_lazy(0);
}

int server_db_count(void) {
    return core.n_dbs;
}

Db *server_db(int index) {
    return &core.dbs[index];
}
