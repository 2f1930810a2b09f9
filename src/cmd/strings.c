/*
 * strings.c - the plain string type: Redis 7.0's string commands (the bitmap
 * ones are in bits.c).
 *
 * A value is a length-counted byte array (object.h); Redis's int / embstr /
 * raw representations are only remembered (Obj.str_enc) for OBJECT
 * ENCODING: a client's value reads as "int" when it is one, a computed one
 * (INCRBYFLOAT) never does, one edited in place (APPEND, SETRANGE) is "raw".
 *
 * Every write propagates what it did, never what it was asked: a relative
 * expiry becomes an absolute one (SET ... PXAT, PEXPIREAT), INCRBYFLOAT its
 * result (SET ... KEEPTTL), GETEX the expiry change or the deletion, so a
 * replay neither extends a key's life nor depends on float formatting.
 * SET's IFEQ/IFNE/IFDEQ/IFDNE conditions (Redis 8.4) are matched by
 * strings_cas.c; a SET they let through propagates without them, like one
 * NX/XX let through. Redis 8.8's INCREX is in strings_increx.c.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "cmd/strings_cas.h"
#include "cmd/strings_increx.h"
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

/* The options SET and GETEX share, as Redis 7.0 reads them: each may follow
 * only the ones it does not contradict (EX twice is fine, the last wins; EX
 * then PX is a syntax error), and the expiry's value is read only after all
 * the options were accepted. */
enum {
    OPT_NX = 1 << 0,
    OPT_XX = 1 << 1,
    OPT_GET = 1 << 2,
    OPT_KEEPTTL = 1 << 3,
    OPT_PERSIST = 1 << 4,
    OPT_EX = 1 << 5,
    OPT_PX = 1 << 6,
    OPT_EXAT = 1 << 7,
    OPT_PXAT = 1 << 8,
    OPT_COND = 1 << 9, /* IFEQ/IFNE/IFDEQ/IFDNE (Redis 8.4) */
};
#define OPT_EXPIRY (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

/* Whose options parse_string_options() reads: SET's (NX, XX, GET, KEEPTTL
 * and 8.4's value conditions), GETEX's (PERSIST) or MSETEX's (NX, XX,
 * KEEPTTL); all take EX/PX/EXAT/PXAT. Redis 8.4 parses MSETEX's options
 * with SET's parser, so they follow the same rules. */
enum { OPTS_SET, OPTS_GETEX, OPTS_MSETEX };

/* Parses argv[first..] as kind's options; 8.4's value conditions (SET only)
 * are read into *cond and exclude NX, XX and each other. *expire_arg is the
 * last expiry value given, if any. 0, or -1 after replying a syntax error
 * (or a malformed digest's). */
static int parse_string_options(Client *c, int first, int kind, int *flags, Slice **expire_arg,
                                CasCond *cond) {
    static const struct {
        const char *name;
        int flag;
    } units[] = {{"EX", OPT_EX}, {"PX", OPT_PX}, {"EXAT", OPT_EXAT}, {"PXAT", OPT_PXAT}};
    *flags = 0;
    *expire_arg = NULL;
    for (int j = first; j < c->argc; j++) {
        Slice a = c->argv[j];
        int f = *flags, ok = 0, rc;
        int is_set = kind == OPTS_SET, is_getex = kind == OPTS_GETEX;
        if (!is_getex && slice_eq_nocase(a, "NX") && !(f & (OPT_XX | OPT_COND))) {
            *flags |= OPT_NX;
            ok = 1;
        } else if (!is_getex && slice_eq_nocase(a, "XX") && !(f & (OPT_NX | OPT_COND))) {
            *flags |= OPT_XX;
            ok = 1;
        } else if (is_set && !(f & (OPT_NX | OPT_XX | OPT_COND)) && j + 1 < c->argc &&
                   (rc = cas_parse(c, a, c->argv[j + 1], cond)) != 0) {
            if (rc < 0) return -1;
            *flags |= OPT_COND;
            j++;
            ok = 1;
        } else if (is_set && slice_eq_nocase(a, "GET")) {
            *flags |= OPT_GET;
            ok = 1;
        } else if (!is_getex && slice_eq_nocase(a, "KEEPTTL") && !(f & OPT_EXPIRY)) {
            *flags |= OPT_KEEPTTL;
            ok = 1;
        } else if (is_getex && slice_eq_nocase(a, "PERSIST") && !(f & OPT_EXPIRY)) {
            *flags |= OPT_PERSIST;
            ok = 1;
        } else {
            for (size_t u = 0; u < sizeof units / sizeof units[0] && !ok; u++) {
                int other = OPT_EXPIRY & ~units[u].flag;
                if (slice_eq_nocase(a, units[u].name) &&
                    !(f & (OPT_KEEPTTL | OPT_PERSIST | other)) && j + 1 < c->argc) {
                    *flags |= units[u].flag;
                    *expire_arg = &c->argv[++j];
                    ok = 1;
                }
            }
        }
        if (!ok) {
            reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* The absolute expiry (Unix ms) an EX/PX/EXAT/PXAT value (or SETEX's
 * seconds, PSETEX's ms) means; 0, or -1 after replying Redis's error, which
 * names the command. */
static int expire_at_or_reply(Client *c, Slice arg, int flags, const char *cmd, int64_t *out) {
    long long v;
    if (get_ll_or_reply(c, arg, &v) != 0) return -1;
    int in_seconds = (flags & (OPT_EX | OPT_EXAT)) != 0;
    if (v <= 0 || (in_seconds && v > LLONG_MAX / 1000)) goto invalid;
    long long ms = in_seconds ? v * 1000 : v;
    if (flags & (OPT_EX | OPT_PX)) {
        if (ms > LLONG_MAX - now_ms()) goto invalid;
        ms += now_ms();
    }
    *out = ms;
    return 0;
invalid:
    reply_error(c, "ERR invalid expire time in '%s' command", cmd);
    return -1;
}

/* SET, SETEX and PSETEX: sets key to argv[value_i] under flags, with the
 * expiry expire_arg (NULL for none) read as flags says. A relative expiry
 * propagates as SET key value PXAT <ms>, as 7.0 does. */
static void set_generic(Client *c, int flags, int value_i, Slice *expire_arg, const char *cmd,
                        const CasCond *cond) {
    int64_t expire_at = -1;
    if (expire_arg && expire_at_or_reply(c, *expire_arg, flags, cmd, &expire_at) != 0) return;
    Slice key = c->argv[1];
    Obj *old = db_lookup_write(c->db, key);
    if ((flags & (OPT_GET | OPT_COND)) && old && old->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    int do_set = !((flags & OPT_NX) && old) && !((flags & OPT_XX) && !old) &&
                 (!(flags & OPT_COND) || cas_matches(cond, old));
    /* GET reads the old value as GET does: a missing one is a key miss */
    if ((flags & OPT_GET) && !old)
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, db_index(c->db));
    if (flags & OPT_GET) {
        if (old)
            reply_bulk(c, old->ptr, old->len);
        else
            reply_null(c);
    }
    if (!do_set) {
        if (!(flags & OPT_GET)) reply_null(c);
        return;
    }
    Slice value = c->argv[value_i];
    db_set(c->db, key, client_arg_string(c, value_i), (flags & OPT_KEEPTTL) != 0);
    notify_keyspace_event(NOTIFY_STRING, "set", key, db_index(c->db));
    if (expire_at >= 0) {
        db_set_expire(c->db, key, expire_at);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db_index(c->db));
    }
    if (!(flags & OPT_GET)) reply_ok(c);
    if (expire_at >= 0) {
        char ms[24];
        size_t n = ll_to_str(expire_at, ms);
        Slice argv[5] = {slice_cstr("SET"), key, value, slice_cstr("PXAT"), slice_of(ms, n)};
        propagate(c, 5, argv);
    } else {
        Slice argv[4] = {slice_cstr("SET"), key, value, slice_cstr("KEEPTTL")};
        propagate(c, (flags & OPT_KEEPTTL) ? 4 : 3, argv);
    }
}

static void cmd_set(Client *c) {
    int flags;
    Slice *expire_arg;
    CasCond cond;
    if (parse_string_options(c, 3, OPTS_SET, &flags, &expire_arg, &cond) != 0) return;
    set_generic(c, flags, 2, expire_arg, "set", &cond);
}

static void cmd_setex(Client *c) {
    set_generic(c, OPT_EX, 3, &c->argv[2], "setex", NULL);
}

static void cmd_psetex(Client *c) {
    set_generic(c, OPT_PX, 3, &c->argv[2], "psetex", NULL);
}

/* GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: the value, then the
 * new expiry. The change propagates as what it did: PEXPIREAT, PERSIST, or
 * DEL (UNLINK under lazyfree-lazy-expire) when an absolute time already
 * passed. */
static void cmd_getex(Client *c) {
    int flags;
    Slice *expire_arg;
    if (parse_string_options(c, 2, OPTS_GETEX, &flags, &expire_arg, NULL) != 0) return;
    Slice key = c->argv[1];
    Obj *o;
    if (get_string(c, key, &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    int64_t expire_at = -1;
    if (expire_arg && expire_at_or_reply(c, *expire_arg, flags, "getex", &expire_at) != 0) return;
    reply_bulk(c, o->ptr, o->len);
    int dbid = db_index(c->db);
    if ((flags & (OPT_EXAT | OPT_PXAT)) && expire_at <= now_ms() && !server.loading) {
        db_delete_propagated(c, key, settings.lazyfree_lazy_expire); /* as 7.0 */
    } else if (expire_arg) {
        db_set_expire(c->db, key, expire_at);
        db_signal_key(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", key, dbid);
        char ms[24];
        size_t n = ll_to_str(expire_at, ms);
        Slice argv[3] = {slice_cstr("PEXPIREAT"), key, slice_of(ms, n)};
        propagate(c, 3, argv);
    } else if ((flags & OPT_PERSIST) && db_remove_expire(c->db, key)) {
        db_signal_key(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "persist", key, dbid);
        Slice argv[2] = {slice_cstr("PERSIST"), key};
        propagate(c, 2, argv);
    }
}

/* GETSET key value: GET, then SET without options (the TTL goes). */
static void cmd_getset(Client *c) {
    Obj *o;
    if (get_string(c, c->argv[1], &o) != 0) return;
    if (o)
        reply_bulk(c, o->ptr, o->len);
    else
        reply_null(c);
    db_set(c->db, c->argv[1], client_arg_string(c, 2), 0);
    notify_keyspace_event(NOTIFY_STRING, "set", c->argv[1], db_index(c->db));
    Slice argv[3] = {slice_cstr("SET"), c->argv[1], c->argv[2]};
    propagate(c, 3, argv);
}

/* GETRANGE (and its old name SUBSTR) key start end, inclusive, negative
 * indexes from the end, as 7.0 clamps them: an end before the string's
 * start still selects its first byte. */
static void cmd_getrange(Client *c) {
    long long start, end;
    if (get_ll_or_reply(c, c->argv[2], &start) != 0) return;
    if (get_ll_or_reply(c, c->argv[3], &end) != 0) return;
    Obj *o;
    if (get_string(c, c->argv[1], &o) != 0) return;
    long long len = o ? (long long)o->len : 0;
    if (!o || (start < 0 && end < 0 && start > end)) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, (const char *)o->ptr + start, (size_t)(end - start + 1));
}

/* Whether a string of offset + add bytes is over proto-max-bulk-len (the
 * sum checked without overflow). The AOF loader replays what was accepted. */
static int too_long(Client *c, unsigned long long offset, unsigned long long add) {
    if (server.loading) return 0;
    unsigned long long max = (unsigned long long)settings.proto_max_bulk_len;
    if (offset > max || add > max - offset) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return 1;
    }
    return 0;
}

/* SETRANGE key offset value: overwrites from offset, zero-padding a gap;
 * replies the new length. An empty value changes nothing (not even a
 * missing key). The value is left "raw", as Redis's in-place edit leaves
 * it. */
static void cmd_setrange(Client *c) {
    long long offset;
    if (get_ll_or_reply(c, c->argv[2], &offset) != 0) return;
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    Slice key = c->argv[1], value = c->argv[3];
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    if (value.len == 0) {
        reply_int(c, o ? (long long)o->len : 0);
        return;
    }
    if (too_long(c, (unsigned long long)offset, value.len)) return;
    size_t need = (size_t)offset + value.len;
    if (!o) {
        o = obj_new_string("", 0);
        o->str_enc = OBJ_STR_RAW;
        memcpy(obj_string_grow(o, need) + offset, value.p, value.len);
        db_add(c->db, key, o);
    } else {
        memcpy(obj_string_grow(o, need) + offset, value.p, value.len);
        o->str_enc = OBJ_STR_RAW;
        db_resized(c->db, o, o->len);
        db_signal_key(c->db, key);
    }
    notify_keyspace_event(NOTIFY_STRING, "setrange", key, db_index(c->db));
    propagate_argv(c);
    reply_int(c, (long long)o->len);
}

/* INCRBYFLOAT key increment: in long double, as Redis computes it. It
 * propagates as SET key <result> KEEPTTL, so a replay gives the same text
 * whatever the replaying machine's float formatting. */
static void cmd_incrbyfloat(Client *c) {
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    long double v = 0, by;
    if ((o && parse_long_double(slice_of(o->ptr, o->len), &v) != 0) ||
        parse_long_double(c->argv[2], &by) != 0) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[5120];
    size_t n = format_long_double(buf, sizeof buf, v);
    Obj *nv = obj_new_string(buf, n);
    nv->str_enc = OBJ_STR_PLAIN;
    db_replace(c->db, key, nv, 1);
    notify_keyspace_event(NOTIFY_STRING, "incrbyfloat", key, db_index(c->db));
    reply_bulk(c, buf, n);
    Slice argv[4] = {slice_cstr("SET"), key, slice_of(buf, n), slice_cstr("KEEPTTL")};
    propagate(c, 4, argv);
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
    /* as 7.0: a user's delete, so lazyfree-lazy-user-del decides */
    db_delete_propagated(c, c->argv[1], settings.lazyfree_lazy_user_del);
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

/* MSETNX key value [key value ...]: all of them, or none if any key
 * exists. */
static void cmd_msetnx(Client *c) {
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    for (int i = 1; i < c->argc; i += 2) {
        if (db_lookup_write(c->db, c->argv[i])) {
            reply_int(c, 0);
            return;
        }
    }
    for (int i = 1; i < c->argc; i += 2) {
        db_set(c->db, c->argv[i], client_arg_string(c, i + 1), 0);
        notify_keyspace_event(NOTIFY_STRING, "set", c->argv[i], db_index(c->db));
    }
    propagate_argv(c);
    reply_int(c, 1);
}

/* MSETEX numkeys key value [key value ...] [NX | XX]
 *        [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] (Redis 8.4): MSET with
 * NX/XX over all the keys (all set or none) and one expiry for them all;
 * replies 1 or 0. Propagates as MSET (no expiry) or, per key, SET ... PXAT
 * or SET ... KEEPTTL: commands Redis 7 replays (the dispatcher wraps
 * several records in MULTI/EXEC). */
static void cmd_msetex(Client *c) {
    long long nk;
    if (get_ll_or_reply(c, c->argv[1], &nk) != 0) return;
    if (nk < 1 || nk > INT_MAX / 2) {
        reply_error(c, "ERR invalid numkeys value");
        return;
    }
    if (2 + 2 * nk > c->argc) {
        reply_error(c, "ERR wrong number of key-value pairs");
        return;
    }
    int first_opt = 2 + 2 * (int)nk, flags;
    Slice *expire_arg;
    int64_t expire_at = -1;
    if (parse_string_options(c, first_opt, OPTS_MSETEX, &flags, &expire_arg, NULL) != 0) return;
    if (expire_arg && expire_at_or_reply(c, *expire_arg, flags, "msetex", &expire_at) != 0) return;
    if (flags & (OPT_NX | OPT_XX)) {
        for (int i = 2; i < first_opt; i += 2) {
            int exists = db_lookup_write(c->db, c->argv[i]) != NULL;
            if ((flags & OPT_NX) ? exists : !exists) {
                reply_int(c, 0);
                return;
            }
        }
    }
    int dbi = db_index(c->db), keep_ttl = (flags & OPT_KEEPTTL) != 0;
    for (int i = 2; i < first_opt; i += 2) {
        Slice key = c->argv[i];
        db_set(c->db, key, client_arg_string(c, i + 1), keep_ttl);
        notify_keyspace_event(NOTIFY_STRING, "set", key, dbi);
        if (expire_at >= 0) {
            db_set_expire(c->db, key, expire_at);
            notify_keyspace_event(NOTIFY_GENERIC, "expire", key, dbi);
        }
    }
    if (expire_at < 0 && !keep_ttl) {
        /* MSET k v ...: the same words without numkeys and options */
        Slice *argv = xmalloc((size_t)(first_opt - 1) * sizeof *argv);
        argv[0] = slice_cstr("MSET");
        memcpy(argv + 1, c->argv + 2, (size_t)(first_opt - 2) * sizeof *argv);
        propagate(c, first_opt - 1, argv);
        xfree(argv);
    } else {
        char ms[24];
        size_t n = expire_at >= 0 ? ll_to_str(expire_at, ms) : 0;
        for (int i = 2; i < first_opt; i += 2) {
            Slice argv[5] = {slice_cstr("SET"), c->argv[i], c->argv[i + 1],
                             expire_at >= 0 ? slice_cstr("PXAT") : slice_cstr("KEEPTTL"),
                             slice_of(ms, n)};
            propagate(c, expire_at >= 0 ? 5 : 4, argv);
        }
    }
    reply_int(c, 1);
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
    db_replace(c->db, c->argv[1], obj_new_string(buf, n), 1);
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
        o->str_enc = OBJ_STR_RAW;
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

/* The range of one match LCS IDX reports: a[a0..a1] equals b[b0..b1]. */
static void reply_lcs_match(Client *c, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1,
                            int with_len) {
    reply_array(c, with_len ? 3 : 2);
    reply_array(c, 2);
    reply_int(c, a0);
    reply_int(c, a1);
    reply_array(c, 2);
    reply_int(c, b0);
    reply_int(c, b1);
    if (with_len) reply_int(c, (long long)(a1 - a0 + 1));
}

/* LCS a b [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common
 * subsequence by the textbook dynamic programme, a table of
 * (len(a)+1) x (len(b)+1) counters, refused past proto-max-bulk-len bytes as
 * 7.0 refuses it. The walk back from the table's corner prefers to step
 * back in b when both ways keep the length, as Redis's does, so that the
 * subsequence and its IDX ranges (last first) are Redis's. Missing keys are
 * empty strings. */
static void cmd_lcs(Client *c) {
    Obj *oa = db_lookup_read(c->db, c->argv[1]);
    Obj *ob = db_lookup_read(c->db, c->argv[2]);
    if ((oa && oa->type != OBJ_STRING) || (ob && ob->type != OBJ_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    int get_len = 0, get_idx = 0, with_len = 0;
    long long min_len = 0;
    for (int j = 3; j < c->argc; j++) {
        Slice opt = c->argv[j];
        if (slice_eq_nocase(opt, "IDX")) {
            get_idx = 1;
        } else if (slice_eq_nocase(opt, "LEN")) {
            get_len = 1;
        } else if (slice_eq_nocase(opt, "WITHMATCHLEN")) {
            with_len = 1;
        } else if (slice_eq_nocase(opt, "MINMATCHLEN") && j + 1 < c->argc) {
            if (get_ll_or_reply(c, c->argv[++j], &min_len) != 0) return;
            if (min_len < 0) min_len = 0;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (get_idx && get_len) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    const unsigned char *a = oa ? oa->ptr : (const unsigned char *)"";
    const unsigned char *b = ob ? ob->ptr : (const unsigned char *)"";
    size_t alen_sz = oa ? oa->len : 0, blen_sz = ob ? ob->len : 0;
    if (alen_sz >= UINT32_MAX - 1 || blen_sz >= UINT32_MAX - 1) {
        reply_error(c, "ERR String too long for LCS");
        return;
    }
    uint32_t alen = (uint32_t)alen_sz, blen = (uint32_t)blen_sz;
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    if (cells > (unsigned long long)settings.proto_max_bulk_len / sizeof(uint32_t)) {
        reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
                       "proto-max-bulk-len");
        return;
    }
    uint32_t *dp = xmalloc((size_t)cells * sizeof *dp);
#define LCS_AT(i, j) dp[(size_t)(i) * (blen + 1) + (j)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                LCS_AT(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                LCS_AT(i, j) = LCS_AT(i - 1, j - 1) + 1;
            else
                LCS_AT(i, j) =
                    LCS_AT(i - 1, j) > LCS_AT(i, j - 1) ? LCS_AT(i - 1, j) : LCS_AT(i, j - 1);
        }
    }
    uint32_t total = LCS_AT(alen, blen);
    if (get_len) {
        reply_int(c, total);
        xfree(dp);
        return;
    }
    char *seq = xmalloc((size_t)total + 1);
    ReplyDeferred matches = {0};
    size_t n_matches = 0;
    if (get_idx) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "matches");
        matches = reply_defer(c);
    }
    /* The current run of matches, a[a0..a1] = b[b0..b1]; open when has_run. */
    int has_run = 0;
    uint32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0, k = total, i = alen, j = blen;
    while (i > 0 && j > 0) {
        int close_run = 0;
        if (a[i - 1] == b[j - 1]) {
            seq[--k] = (char)a[i - 1];
            if (!has_run) {
                a0 = a1 = i - 1;
                b0 = b1 = j - 1;
                has_run = 1;
            } else { /* the walk is diagonal: the run grows backwards */
                a0--;
                b0--;
            }
            if (a0 == 0 || b0 == 0) close_run = 1;
            i--;
            j--;
        } else {
            if (LCS_AT(i - 1, j) > LCS_AT(i, j - 1))
                i--;
            else
                j--;
            close_run = has_run;
        }
        if (close_run) {
            if (get_idx && (a1 - a0 + 1) >= (unsigned long long)min_len) {
                reply_lcs_match(c, a0, a1, b0, b1, with_len);
                n_matches++;
            }
            has_run = 0;
        }
    }
#undef LCS_AT
    if (get_idx) {
        reply_set_array_len(c, matches, n_matches);
        reply_bulk_cstr(c, "len");
        reply_int(c, total);
    } else {
        reply_bulk(c, seq, total);
    }
    xfree(seq);
    xfree(dp);
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
    {"setex", cmd_setex, 4, W, "@write @string @slow", 1, 1, 1, NULL},
    {"psetex", cmd_psetex, 4, W, "@write @string @slow", 1, 1, 1, NULL},
    {"getex", cmd_getex, -2, CMD_WRITE | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"getset", cmd_getset, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"getrange", cmd_getrange, 4, CMD_READONLY, "@read @string @slow", 1, 1, 1, NULL},
    {"substr", cmd_getrange, 4, CMD_READONLY, "@read @string @slow", 1, 1, 1, NULL},
    {"setrange", cmd_setrange, 4, W, "@write @string @slow", 1, 1, 1, NULL},
    {"incrbyfloat", cmd_incrbyfloat, 3, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"increx", cmd_increx, -2, W | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"msetnx", cmd_msetnx, -3, W, "@write @string @slow", 1, -1, 2, NULL},
    {"msetex", cmd_msetex, -4, W | CMD_MOVABLE_KEYS, "@write @string @slow", 0, 0, 0, NULL},
    {"lcs", cmd_lcs, -3, CMD_READONLY, "@read @string @slow", 1, 2, 1, NULL},
    END_OF_COMMANDS,
};
