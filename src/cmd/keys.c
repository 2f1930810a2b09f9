/*
 * keys.c - the generic keyspace commands: DEL, EXISTS, TYPE, KEYS, SCAN,
 * RENAME, the EXPIRE family, OBJECT, DBSIZE, FLUSHDB/ALL, SWAPDB, RANDOMKEY
 * (MEMORY's subcommands are in memory.c).
 *
 * Expiry changes propagate as absolute PEXPIREAT (or DEL when the time has
 * already passed), so the AOF replays the same deadline whenever it is read.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "persist/globalstate.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/tracking.h"

/* DEL frees big values in the background when lazyfree-lazy-user-del is
 * on; UNLINK always does. */
static void del_generic(Client *c, int lazy) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        if (!db_delete_lazy(c->db, c->argv[i], lazy)) continue;
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[i], db_index(c->db));
        n++;
    }
    if (n) propagate_argv(c);
    reply_int(c, n);
}

static void cmd_del(Client *c) {
    del_generic(c, settings.lazyfree_lazy_user_del);
}

static void cmd_unlink(Client *c) {
    del_generic(c, 1);
}

static void cmd_exists(Client *c) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++) n += db_lookup_read(c->db, c->argv[i]) != NULL;
    reply_int(c, n);
}

static const char *type_name(const Obj *o) {
    if (!o) return "none";
    if (o->type == OBJ_STRING) return "string";
    const ObjTypeOps *ops = obj_type_ops(o->type);
    return ops ? ops->name : "unknown";
}

static void cmd_type(Client *c) {
    DictEntry *e = db_find_entry(c->db, c->argv[1]);
    if (!e) notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", c->argv[1], db_index(c->db));
    reply_status(c, type_name(e ? e->val : NULL));
}

typedef struct KeyCollect {
    Client *c;
    Slice pattern;
    int match_all;
    const char *type;
    size_t n;
    Slice *keys;
    size_t cap;
    int64_t now;
} KeyCollect;

static void collect_key(void *priv, DictEntry *e) {
    KeyCollect *k = priv;
    if (e->expire_ms >= 0 && e->expire_ms < k->now) return;
    if (!k->match_all && !glob_match(k->pattern.p, k->pattern.len, e->key, e->key_len, 0)) return;
    if (k->type && strcasecmp(k->type, type_name(e->val)) != 0) return;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 16;
        k->keys = xrealloc(k->keys, k->cap * sizeof(Slice));
    }
    k->keys[k->n++] = slice_of(xmemdup(e->key, e->key_len), e->key_len);
}

static void reply_keys(Client *c, KeyCollect *k) {
    reply_array(c, k->n);
    for (size_t i = 0; i < k->n; i++) {
        reply_bulk_slice(c, k->keys[i]);
        xfree((void *)k->keys[i].p);
    }
    xfree(k->keys);
}

static void cmd_keys(Client *c) {
    KeyCollect k = {c, c->argv[1], 0, NULL, 0, NULL, 0, now_ms()};
    k.match_all = c->argv[1].len == 1 && c->argv[1].p[0] == '*';
    dict_foreach(c->db->keys, collect_key, &k);
    reply_keys(c, &k);
}

static void cmd_scan(Client *c) {
    uint64_t cursor;
    if (parse_scan_cursor(c->argv[1], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    long long count = 10;
    KeyCollect k = {c, {NULL, 0}, 1, NULL, 0, NULL, 0, now_ms()};
    char typebuf[32];
    for (int j = 2; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (slice_eq_nocase(c->argv[j], "COUNT") && more >= 1) {
            if (get_ll_or_reply(c, c->argv[j + 1], &count) != 0) return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
            j++;
        } else if (slice_eq_nocase(c->argv[j], "MATCH") && more >= 1) {
            k.pattern = c->argv[j + 1];
            k.match_all = k.pattern.len == 1 && k.pattern.p[0] == '*';
            j++;
        } else if (slice_eq_nocase(c->argv[j], "TYPE") && more >= 1) {
            Slice t = c->argv[j + 1];
            snprintf(typebuf, sizeof typebuf, "%.*s", (int)(t.len > 30 ? 30 : t.len), t.p);
            k.type = typebuf;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    uint64_t cur = cursor;
    long long visits = 0;
    do {
        cur = dict_scan(c->db->keys, cur, collect_key, &k);
        visits++;
    } while (cur && visits < count);
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cur);
    reply_keys(c, &k);
}

static void cmd_randomkey(Client *c) {
    DictEntry *e = NULL;
    for (int tries = 0; tries < 100; tries++) {
        e = dict_random(c->db->keys);
        if (!e) break;
        if (e->expire_ms >= 0 && e->expire_ms < now_ms()) {
            if (db_size(c->db) == 1) { /* only expired keys would loop */
                db_find_entry(c->db, slice_of(e->key, e->key_len));
                break;
            }
            continue;
        }
        reply_bulk(c, e->key, e->key_len);
        return;
    }
    /* While CLIENT PAUSE keeps expired keys, a database of keys that all
     * have a TTL may hold only expired ones: Redis 7.2+ then answers the
     * last one sampled rather than looking for ever (7.0 hung). */
    if (e && core.expire_paused && c->db->n_expires == db_size(c->db)) {
        reply_bulk(c, e->key, e->key_len);
        return;
    }
    reply_null(c);
}

static void do_rename(Client *c, int nx) {
    Slice src = c->argv[1], dst = c->argv[2];
    DictEntry *e = db_find_entry(c->db, src);
    if (!e) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (slice_eq(src, dst)) {
        if (nx)
            reply_int(c, 0);
        else
            reply_ok(c);
        return;
    }
    if (nx && db_find_entry(c->db, dst)) {
        reply_int(c, 0);
        return;
    }
    int64_t expire;
    DictEntry *old = db_find_entry(c->db, dst);
    int old_type = old ? (int)((Obj *)old->val)->type : -1; /* -1: dst was free */
    Obj *o = db_take(c->db, src, &expire);
    int dbid = db_index(c->db);
    db_replace(c->db, dst, o, 0);
    if (expire >= 0) db_set_expire(c->db, dst, expire);
    /* Redis deletes an existing destination and adds the key anew, and says
     * it was overwritten after its own events */
    if (old_type >= 0) notify_keyspace_event(NOTIFY_NEW, "new", dst, dbid);
    notify_keyspace_event(NOTIFY_GENERIC, "rename_from", src, dbid);
    notify_keyspace_event(NOTIFY_GENERIC, "rename_to", dst, dbid);
    if (old_type >= 0) notify_overwritten(dst, dbid, old_type, o->type);
    propagate_argv(c);
    if (nx)
        reply_int(c, 1);
    else
        reply_ok(c);
}

/* MOVE key db: the key, its value and its TTL go to another database of the
 * same server, unless it is missing here or present there (0 then). */
static void cmd_move(Client *c) {
    int id;
    if (get_db_index_or_reply(c, c->argv[2], &id) != 0) return;
    Db *dst = &core.dbs[id];
    if (dst == c->db) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    Slice key = c->argv[1];
    if (!db_lookup_write(c->db, key) || db_lookup_write(dst, key)) {
        reply_int(c, 0);
        return;
    }
    int64_t expire;
    Obj *o = db_take(c->db, key, &expire);
    db_add(dst, key, o);
    if (expire >= 0) db_set_expire(dst, key, expire);
    notify_keyspace_event(NOTIFY_GENERIC, "move_from", key, db_index(c->db));
    notify_keyspace_event(NOTIFY_GENERIC, "move_to", key, db_index(dst));
    propagate_argv(c);
    reply_int(c, 1);
}

/* COPY source destination [DB index] [REPLACE]: a deep copy of the value
 * (a stream with its groups, pending entries, consumers and idempotency
 * state) and its TTL under another name or in another database. 0 when the
 * source is missing or the destination exists without REPLACE. */
static void cmd_copy(Client *c) {
    Db *dst = c->db;
    int replace = 0;
    for (int j = 3; j < c->argc; j++) {
        if (slice_eq_nocase(c->argv[j], "REPLACE")) {
            replace = 1;
        } else if (slice_eq_nocase(c->argv[j], "DB") && j + 1 < c->argc) {
            int id;
            if (get_db_index_or_reply(c, c->argv[j + 1], &id) != 0) return;
            dst = &core.dbs[id];
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    Slice key = c->argv[1], newkey = c->argv[2];
    if (dst == c->db && slice_eq(key, newkey)) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    Obj *o = db_lookup_read(c->db, key);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    int64_t expire = db_get_expire(c->db, key);
    Obj *old = db_lookup_write(dst, newkey);
    int old_type = old ? (int)old->type : -1;
    if (old) {
        if (!replace) {
            reply_int(c, 0);
            return;
        }
        db_delete(dst, newkey);
    }
    db_add(dst, newkey, obj_dup(o));
    if (expire >= 0) db_set_expire(dst, newkey, expire);
    notify_keyspace_event(NOTIFY_GENERIC, "copy_to", newkey, db_index(dst));
    if (old) notify_overwritten(newkey, db_index(dst), old_type, o->type);
    propagate_argv(c);
    reply_int(c, 1);
}

static void cmd_rename(Client *c) {
    do_rename(c, 0);
}

static void cmd_renamenx(Client *c) {
    do_rename(c, 1);
}

enum { EX_NX = 1, EX_XX = 2, EX_GT = 4, EX_LT = 8 };

/* EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: unit_ms 1 or 1000, is_abs. */
static void expire_generic(Client *c, long long unit_ms, int is_abs) {
    long long when;
    int flags = 0;
    for (int j = 3; j < c->argc; j++) {
        Slice a = c->argv[j];
        if (slice_eq_nocase(a, "NX"))
            flags |= EX_NX;
        else if (slice_eq_nocase(a, "XX"))
            flags |= EX_XX;
        else if (slice_eq_nocase(a, "GT"))
            flags |= EX_GT;
        else if (slice_eq_nocase(a, "LT"))
            flags |= EX_LT;
        else {
            char b[140];
            snprintf(b, sizeof b, "%.*s", (int)(a.len > 128 ? 128 : a.len), a.p);
            reply_error(c, "ERR Unsupported option %s", b);
            return;
        }
    }
    if ((flags & EX_NX) && (flags & (EX_XX | EX_GT | EX_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & EX_GT) && (flags & EX_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    /* The time is read after the options, as Redis does: "EXPIRE k NX 5"
     * is an unsupported option, not a bad integer. */
    if (get_ll_or_reply(c, c->argv[2], &when) != 0) return;
    if (unit_ms == 1000 && (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000)) goto invalid;
    when *= unit_ms;
    if (!is_abs) {
        int64_t now = now_ms();
        if (when > LLONG_MAX - now) goto invalid;
        when += now;
    }
    DictEntry *e = db_find_entry(c->db, c->argv[1]);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    int64_t cur = e->expire_ms;
    if ((flags & EX_NX) && cur >= 0) goto not_set;
    if ((flags & EX_XX) && cur < 0) goto not_set;
    if ((flags & EX_GT) && (cur < 0 || when <= cur)) goto not_set;
    if ((flags & EX_LT) && cur >= 0 && when >= cur) goto not_set;
    if (when <= now_ms() && !server.loading) {
        /* as 7.0: an expiry already past deletes as lazyfree-lazy-expire says */
        db_delete_propagated(c, c->argv[1], settings.lazyfree_lazy_expire);
        reply_int(c, 1);
        return;
    }
    db_set_expire(c->db, c->argv[1], when);
    db_signal_key(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_GENERIC, "expire", c->argv[1], db_index(c->db));
    char buf[24];
    size_t n = ll_to_str(when, buf);
    Slice argv[3] = {slice_cstr("PEXPIREAT"), c->argv[1], slice_of(buf, n)};
    propagate(c, 3, argv);
    reply_int(c, 1);
    return;
not_set:
    reply_int(c, 0);
    return;
invalid : {
    char name[32];
    snprintf(name, sizeof name, "%s", c->cmd->name);
    reply_error(c, "ERR invalid expire time in '%s' command", name);
}
}

static void cmd_expire(Client *c) {
    expire_generic(c, 1000, 0);
}
static void cmd_pexpire(Client *c) {
    expire_generic(c, 1, 0);
}
static void cmd_expireat(Client *c) {
    expire_generic(c, 1000, 1);
}
static void cmd_pexpireat(Client *c) {
    expire_generic(c, 1, 1);
}

static void ttl_generic(Client *c, int ms, int absolute) {
    DictEntry *e = db_find_entry(c->db, c->argv[1]);
    if (!e) {
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", c->argv[1], db_index(c->db));
        reply_int(c, -2);
        return;
    }
    if (e->expire_ms < 0) {
        reply_int(c, -1);
        return;
    }
    if (absolute) {
        /* seconds rounded to the nearest, as TTL's (without adding 500 first,
         * which overflows for the farthest expiry times) */
        reply_int(c, ms ? e->expire_ms : e->expire_ms / 1000 + (e->expire_ms % 1000 >= 500));
        return;
    }
    long long left = e->expire_ms - now_ms();
    if (left < 0) left = 0;
    reply_int(c, ms ? left : (left + 500) / 1000);
}

static void cmd_ttl(Client *c) {
    ttl_generic(c, 0, 0);
}
static void cmd_pttl(Client *c) {
    ttl_generic(c, 1, 0);
}
static void cmd_expiretime(Client *c) {
    ttl_generic(c, 0, 1);
}
static void cmd_pexpiretime(Client *c) {
    ttl_generic(c, 1, 1);
}

static void cmd_persist(Client *c) {
    if (!db_find_entry(c->db, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    if (db_remove_expire(c->db, c->argv[1])) {
        db_signal_key(c->db, c->argv[1]);
        notify_keyspace_event(NOTIFY_GENERIC, "persist", c->argv[1], db_index(c->db));
        propagate_argv(c);
        reply_int(c, 1);
    } else {
        reply_int(c, 0);
    }
}

static void cmd_object_encoding(Client *c) {
    DictEntry *e = db_find_entry(c->db, c->argv[2]);
    if (!e) {
        reply_null(c);
        return;
    }
    reply_bulk_cstr(c, obj_encoding(e->val));
}

static void cmd_object_idletime(Client *c) {
    DictEntry *e = db_find_entry(c->db, c->argv[2]);
    if (!e) {
        reply_null(c);
        return;
    }
    if (evict_policy_is_lfu()) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    reply_int(c, evict_idle_s(e->val));
}

static void cmd_object_refcount(Client *c) {
    DictEntry *e = db_find_entry(c->db, c->argv[2]);
    if (!e) {
        reply_null(c);
        return;
    }
    reply_int(c, obj_refcount(e->val));
}

static void cmd_object_freq(Client *c) {
    DictEntry *e = db_find_entry(c->db, c->argv[2]);
    if (!e) {
        reply_null(c);
        return;
    }
    if (!evict_policy_is_lfu()) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_int(c, evict_lfu_freq(e->val));
}

static void cmd_object_help(Client *c) {
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static void cmd_dbsize(Client *c) {
    reply_int(c, (long long)db_size(c->db));
}

/* FLUSHDB / FLUSHALL [ASYNC | SYNC]: 1 to free in the background, 0 now,
 * -1 after replying a syntax error. */
static int flush_mode(Client *c) {
    if (c->argc == 1) return settings.lazyfree_lazy_user_flush != 0;
    if (c->argc == 2 && slice_eq_nocase(c->argv[1], "ASYNC")) return 1;
    if (c->argc == 2 && slice_eq_nocase(c->argv[1], "SYNC")) return 0;
    reply_syntax_error(c);
    return -1;
}

static void cmd_flushdb(Client *c) {
    int lazy = flush_mode(c);
    if (lazy < 0) return;
    watch_touch_all(c->db, NULL);
    block_touch_db(c->db);
    db_flush_lazy(c->db, lazy);
    /* the query engine's state lives with database 0 (RediSearch's onFlush) */
    if (db_index(c->db) == 0) persist_globals_reset();
    tracking_invalidate_all(); /* the cache is not per database: all of it goes */
    server.dirty++;
    propagate_argv(c);
    reply_ok(c);
}

static void cmd_flushall(Client *c) {
    int lazy = flush_mode(c);
    if (lazy < 0) return;
    for (int i = 0; i < core.n_dbs; i++) block_touch_db(&core.dbs[i]);
    server_flush_all_dbs_lazy(lazy);
    persist_globals_reset(); /* the query engine's dictionaries and indexes go too */
    server_after_flushall();
    server.dirty++;
    propagate_argv(c);
    reply_ok(c);
}

static void cmd_swapdb(Client *c) {
    long long a, b;
    /* An index is read as an int: past its range it is invalid, not out of
     * range. */
    if (parse_ll(c->argv[1], &a) != 0 || a < INT_MIN || a > INT_MAX) {
        reply_error(c, "ERR invalid first DB index");
        return;
    }
    if (parse_ll(c->argv[2], &b) != 0 || b < INT_MIN || b > INT_MAX) {
        reply_error(c, "ERR invalid second DB index");
        return;
    }
    if (a < 0 || a >= core.n_dbs || b < 0 || b >= core.n_dbs) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    if (a != b) {
        watch_touch_all(&core.dbs[a], &core.dbs[b]);
        watch_touch_all(&core.dbs[b], &core.dbs[a]);
        db_swap(&core.dbs[a], &core.dbs[b]);
        block_touch_db(&core.dbs[a]);
        block_touch_db(&core.dbs[b]);
        server.dirty++;
    }
    propagate_argv(c);
    reply_ok(c);
}

static const Command object_subcommands[] = {
    {"encoding", cmd_object_encoding, 3, CMD_READONLY, "@keyspace @read @slow", 2, 2, 1, NULL},
    {"idletime", cmd_object_idletime, 3, CMD_READONLY, "@keyspace @read @slow", 2, 2, 1, NULL},
    {"refcount", cmd_object_refcount, 3, CMD_READONLY, "@keyspace @read @slow", 2, 2, 1, NULL},
    {"freq", cmd_object_freq, 3, CMD_READONLY, "@keyspace @read @slow", 2, 2, 1, NULL},
    {"help", cmd_object_help, 2, CMD_LOADING | CMD_STALE, "@keyspace @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* memory.c */
extern const Command memory_subcommands[];

#define KW (CMD_WRITE)
#define KR (CMD_READONLY)
const Command keys_commands[] = {
    {"del", cmd_del, -2, KW, "@keyspace @write @slow", 1, -1, 1, NULL},
    {"unlink", cmd_unlink, -2, KW | CMD_FAST, "@keyspace @write @fast", 1, -1, 1, NULL},
    {"exists", cmd_exists, -2, KR | CMD_FAST, "@keyspace @read @fast", 1, -1, 1, NULL},
    {"type", cmd_type, 2, KR | CMD_FAST, "@keyspace @read @fast", 1, 1, 1, NULL},
    {"keys", cmd_keys, 2, KR, "@keyspace @read @slow @dangerous", 0, 0, 0, NULL},
    {"scan", cmd_scan, -2, KR, "@keyspace @read @slow", 0, 0, 0, NULL},
    {"randomkey", cmd_randomkey, 1, KR, "@keyspace @read @slow", 0, 0, 0, NULL},
    {"rename", cmd_rename, 3, KW, "@keyspace @write @slow", 1, 2, 1, NULL},
    {"move", cmd_move, 3, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"copy", cmd_copy, -3, KW | CMD_DENYOOM, "@keyspace @write @slow", 1, 2, 1, NULL},
    /* TOUCH counts as EXISTS does; the lookup sets each key's access time */
    {"touch", cmd_exists, -2, KR | CMD_FAST, "@keyspace @read @fast", 1, -1, 1, NULL},
    {"renamenx", cmd_renamenx, 3, KW | CMD_FAST, "@keyspace @write @fast", 1, 2, 1, NULL},
    {"expire", cmd_expire, -3, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"pexpire", cmd_pexpire, -3, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"expireat", cmd_expireat, -3, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"pexpireat", cmd_pexpireat, -3, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"ttl", cmd_ttl, 2, KR | CMD_FAST, "@keyspace @read @fast", 1, 1, 1, NULL},
    {"pttl", cmd_pttl, 2, KR | CMD_FAST, "@keyspace @read @fast", 1, 1, 1, NULL},
    {"expiretime", cmd_expiretime, 2, KR | CMD_FAST, "@keyspace @read @fast", 1, 1, 1, NULL},
    {"pexpiretime", cmd_pexpiretime, 2, KR | CMD_FAST, "@keyspace @read @fast", 1, 1, 1, NULL},
    {"persist", cmd_persist, 2, KW | CMD_FAST, "@keyspace @write @fast", 1, 1, 1, NULL},
    {"object", NULL, -2, 0, "@slow", 0, 0, 0, object_subcommands},
    {"memory", NULL, -2, 0, "@slow", 0, 0, 0, memory_subcommands},
    {"dbsize", cmd_dbsize, 1, KR | CMD_FAST, "@keyspace @read @fast", 0, 0, 0, NULL},
    {"flushdb", cmd_flushdb, -1, KW, "@keyspace @write @slow @dangerous", 0, 0, 0, NULL},
    {"flushall", cmd_flushall, -1, KW, "@keyspace @write @slow @dangerous", 0, 0, 0, NULL},
    {"swapdb", cmd_swapdb, 3, KW | CMD_FAST, "@keyspace @write @fast @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
