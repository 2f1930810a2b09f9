/*
 * strings.c - the plain string type: enough of it for mixed keyspaces,
 * WRONGTYPE checks and generic tools (GET/SET and friends, counters).
 *
 * SET with a relative expiry propagates as SET ... PXAT <absolute ms> so a
 * replay does not extend the key's life. SET's IFEQ/IFNE/IFDEQ/IFDNE
 * conditions (Redis 8.4) are matched by strings_cas.c; a SET they let
 * through propagates without them, like one NX/XX let through.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "cmd/strings_cas.h"
#include "server/core.h"

static int get_string(Client *c, Slice key, Obj **out) {
    Obj *o = db_lookup_read(c->db, key);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

static void cmd_get(Client *c) {
    Obj *o;
    if (get_string(c, c->argv[1], &o) != 0) return;
    if (!o)
        reply_null(c);
    else
        reply_bulk(c, o->ptr, o->len);
}

enum { SET_NX = 1, SET_XX = 2, SET_KEEPTTL = 4, SET_GET = 8 };

static void cmd_set(Client *c) {
    int flags = 0;
    int64_t expire_at = -1;
    int unit_seen = 0;
    char unit_name[5] = "";
    CasCond cond;
    int has_cond = 0;
    for (int j = 3; j < c->argc; j++) {
        Slice a = c->argv[j];
        int has_next = j + 1 < c->argc;
        if (slice_eq_nocase(a, "NX") && !(flags & SET_XX) && !has_cond)
            flags |= SET_NX;
        else if (slice_eq_nocase(a, "XX") && !(flags & SET_NX) && !has_cond)
            flags |= SET_XX;
        else if (has_next && !has_cond && !(flags & (SET_NX | SET_XX)) &&
                 (has_cond = cas_parse(c, a, c->argv[j + 1], &cond)) != 0) {
            if (has_cond < 0) return;
            j++;
        } else if (slice_eq_nocase(a, "GET"))
            flags |= SET_GET;
        else if (slice_eq_nocase(a, "KEEPTTL") && !unit_seen)
            flags |= SET_KEEPTTL;
        else if ((slice_eq_nocase(a, "EX") || slice_eq_nocase(a, "PX") ||
                  slice_eq_nocase(a, "EXAT") || slice_eq_nocase(a, "PXAT")) &&
                 (!unit_seen ||
                  (a.len == strlen(unit_name) && strncasecmp(a.p, unit_name, a.len) == 0)) &&
                 !(flags & SET_KEEPTTL) && has_next) {
            snprintf(unit_name, sizeof unit_name, "%.*s", (int)a.len, a.p);
            long long v;
            if (get_ll_or_reply(c, c->argv[j + 1], &v) != 0) return;
            if (v <= 0) {
                reply_error(c, "ERR invalid expire time in 'set' command");
                return;
            }
            int is_ms = a.p[0] == 'p' || a.p[0] == 'P';
            int is_at = a.len == 4;
            if (!is_ms && v > LLONG_MAX / 1000) {
                reply_error(c, "ERR invalid expire time in 'set' command");
                return;
            }
            long long ms = is_ms ? v : v * 1000;
            if (!is_at) {
                if (ms > LLONG_MAX - now_ms()) {
                    reply_error(c, "ERR invalid expire time in 'set' command");
                    return;
                }
                ms += now_ms();
            }
            expire_at = ms;
            unit_seen = 1;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    Slice key = c->argv[1];
    Obj *old = db_lookup_write(c->db, key);
    if ((flags & SET_GET || has_cond) && old && old->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    int do_set = !((flags & SET_NX) && old) && !((flags & SET_XX) && !old) &&
                 (!has_cond || cas_matches(&cond, old));
    /* GET reads the old value as GET does: a missing one is a key miss */
    if ((flags & SET_GET) && !old)
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, db_index(c->db));
    if (flags & SET_GET) {
        if (old)
            reply_bulk(c, old->ptr, old->len);
        else
            reply_null(c);
    }
    if (!do_set) {
        if (!(flags & SET_GET)) reply_null(c);
        return;
    }
    db_set(c->db, key, client_arg_string(c, 2), (flags & SET_KEEPTTL) != 0);
    notify_keyspace_event(NOTIFY_STRING, "set", key, db_index(c->db));
    if (expire_at >= 0) {
        db_set_expire(c->db, key, expire_at);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db_index(c->db));
    }
    if (!(flags & SET_GET)) reply_ok(c);
    if (expire_at >= 0) {
        char ms[24];
        size_t n = ll_to_str(expire_at, ms);
        Slice argv[5] = {slice_cstr("SET"), key, c->argv[2], slice_cstr("PXAT"), slice_of(ms, n)};
        propagate(c, 5, argv);
    } else {
        Slice argv[4] = {slice_cstr("SET"), key, c->argv[2], slice_cstr("KEEPTTL")};
        propagate(c, (flags & SET_KEEPTTL) ? 4 : 3, argv);
    }
    if (expire_at >= 0 && expire_at <= now_ms()) {
        /* already expired (EXAT/PXAT in the past): the next lookup removes it */
    }
}

static void cmd_setnx(Client *c) {
    if (db_lookup_write(c->db, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    db_set(c->db, c->argv[1], client_arg_string(c, 2), 0);
    notify_keyspace_event(NOTIFY_STRING, "set", c->argv[1], db_index(c->db));
    propagate_argv(c);
    reply_int(c, 1);
}

static void cmd_getdel(Client *c) {
    Obj *o;
    if (get_string(c, c->argv[1], &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    reply_bulk(c, o->ptr, o->len);
    db_delete(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], db_index(c->db));
    Slice argv[2] = {slice_cstr("DEL"), c->argv[1]};
    propagate(c, 2, argv);
}

static void cmd_mget(Client *c) {
    reply_array(c, (size_t)(c->argc - 1));
    for (int i = 1; i < c->argc; i++) {
        Obj *o = db_lookup_read(c->db, c->argv[i]);
        if (!o || o->type != OBJ_STRING)
            reply_null(c);
        else
            reply_bulk(c, o->ptr, o->len);
    }
}

static void cmd_mset(Client *c) {
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    for (int i = 1; i < c->argc; i += 2) {
        db_set(c->db, c->argv[i], client_arg_string(c, i + 1), 0);
        notify_keyspace_event(NOTIFY_STRING, "set", c->argv[i], db_index(c->db));
    }
    propagate_argv(c);
    reply_ok(c);
}

static void incr_by(Client *c, long long by) {
    Obj *o = db_lookup_write(c->db, c->argv[1]);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    long long v = 0;
    if (o && parse_ll(slice_of(o->ptr, o->len), &v) != 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    char buf[24];
    size_t n = ll_to_str(v, buf);
    db_set(c->db, c->argv[1], obj_new_string(buf, n), 1);
    notify_keyspace_event(NOTIFY_STRING, "incrby", c->argv[1], db_index(c->db));
    propagate_argv(c);
    reply_int(c, v);
}

static void cmd_incr(Client *c) {
    incr_by(c, 1);
}

static void cmd_decr(Client *c) {
    incr_by(c, -1);
}

static void cmd_incrby(Client *c) {
    long long by;
    if (get_ll_or_reply(c, c->argv[2], &by) != 0) return;
    incr_by(c, by);
}

static void cmd_decrby(Client *c) {
    long long by;
    if (get_ll_or_reply(c, c->argv[2], &by) != 0) return;
    if (by == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_by(c, -by);
}

static void cmd_append(Client *c) {
    Obj *o = db_lookup_write(c->db, c->argv[1]);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    Slice add = c->argv[2];
    if (!o) {
        db_add(c->db, c->argv[1], obj_new_string(add.p, add.len));
        reply_int(c, (long long)add.len);
    } else {
        if (o->len + add.len > (size_t)settings.proto_max_bulk_len) {
            reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
            return;
        }
        obj_string_append(o, add.p, add.len);
        o->is_raw = 1;
        db_resized(c->db, o, o->len);
        db_signal_key(c->db, c->argv[1]);
        reply_int(c, (long long)o->len);
    }
    notify_keyspace_event(NOTIFY_STRING, "append", c->argv[1], db_index(c->db));
    propagate_argv(c);
}

static void cmd_strlen(Client *c) {
    Obj *o;
    if (get_string(c, c->argv[1], &o) != 0) return;
    reply_int(c, o ? (long long)o->len : 0);
}

#define W (CMD_WRITE | CMD_DENYOOM)
const Command string_commands[] = {
    {"get", cmd_get, 2, CMD_READONLY | CMD_FAST, "@read @string @fast", 1, 1, 1, NULL},
    {"set", cmd_set, -3, W, "@write @string @slow", 1, 1, 1, NULL},
    {"setnx", cmd_setnx, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"getdel", cmd_getdel, 2, CMD_WRITE | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"mget", cmd_mget, -2, CMD_READONLY | CMD_FAST, "@read @string @fast", 1, -1, 1, NULL},
    {"mset", cmd_mset, -3, W, "@write @string @slow", 1, -1, 2, NULL},
    {"incr", cmd_incr, 2, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"decr", cmd_decr, 2, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"incrby", cmd_incrby, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"decrby", cmd_decrby, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"append", cmd_append, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"strlen", cmd_strlen, 2, CMD_READONLY | CMD_FAST, "@read @string @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
