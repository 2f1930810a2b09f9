/*
 * strings_increx.c - INCREX (Redis 8.8): a counter with bounds and an
 * expiry policy in one command, the window counter of a rate limiter.
 *
 *   INCREX key [BYINT n | BYFLOAT f] [LBOUND lb] [UBOUND ub] [SATURATE]
 *              [EX s | PX ms | EXAT s | PXAT ms | PERSIST] [ENX]
 *
 * The options come in any order, each at most once (a repeated one is a
 * syntax error, unlike SET's). Without BYFLOAT the counter is a 64-bit
 * integer (BYINT, default increment 1) and the bounds must be integers; with
 * BYFLOAT it is a long double, as INCRBYFLOAT computes, and the bounds are
 * floats. A missing key counts as 0.
 *
 * The result is checked against [LBOUND, UBOUND] (the type's limits when a
 * bound is absent; an integer overflow or a float infinity is past them).
 * Out of range, the command changes nothing, not even the TTL, and replies
 * [current value, 0]; with SATURATE the result is clamped to the bound it
 * passed and stored, unless the increment that makes cannot be replied (an
 * integer overflow, or infinity when a float bound is infinite): an error. The reply is always [new
 * value, increment applied]: integers in integer mode, RESP2 bulk strings / RESP3 doubles in float
 * mode.
 *
 * Expiry: EX/PX/EXAT/PXAT set it (ENX: only when the key has none, so a
 * window's first hit starts it and later hits leave it), PERSIST clears it,
 * none of them keeps it. An absolute time already past deletes the key.
 *
 * Propagation is what it did, so a replay (AOF, replica, Redis 7) gives the
 * same text and the same deadline: SET key <result> KEEPTTL, SET key
 * <result> PXAT <ms> when it set an expiry, SET key <result> after PERSIST,
 * DEL key (UNLINK under lazyfree-lazy-expire, as 8.8) when the expiry had
 * passed. A refused increment propagates
 * nothing. Keyspace events: incrby (integer mode) or incrbyfloat, then
 * expire or persist when the TTL changed; del alone for a past expiry.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "cmd/strings_increx.h"

enum {
    IX_BYINT = 1 << 0,
    IX_BYFLOAT = 1 << 1,
    IX_LBOUND = 1 << 2,
    IX_UBOUND = 1 << 3,
    IX_SATURATE = 1 << 4,
    IX_EX = 1 << 5,
    IX_PX = 1 << 6,
    IX_EXAT = 1 << 7,
    IX_PXAT = 1 << 8,
    IX_PERSIST = 1 << 9,
    IX_ENX = 1 << 10,
};
#define IX_EXPIRY (IX_EX | IX_PX | IX_EXAT | IX_PXAT)

/* The parsed arguments. */
typedef struct Increx {
    int flags;
    long long by_ll, lb_ll, ub_ll;
    long double by_ld, lb_ld, ub_ld;
    int64_t expire_at; /* absolute Unix ms when IX_EXPIRY */
} Increx;

/* The options, which each take a value or not, and exclude what. */
static const struct {
    const char *name;
    int flag;
    int has_value;
    int excludes;
} options[] = {
    {"BYINT", IX_BYINT, 1, IX_BYFLOAT},
    {"BYFLOAT", IX_BYFLOAT, 1, IX_BYINT},
    {"LBOUND", IX_LBOUND, 1, 0},
    {"UBOUND", IX_UBOUND, 1, 0},
    {"SATURATE", IX_SATURATE, 0, 0},
    {"EX", IX_EX, 1, IX_EXPIRY | IX_PERSIST},
    {"PX", IX_PX, 1, IX_EXPIRY | IX_PERSIST},
    {"EXAT", IX_EXAT, 1, IX_EXPIRY | IX_PERSIST},
    {"PXAT", IX_PXAT, 1, IX_EXPIRY | IX_PERSIST},
    {"PERSIST", IX_PERSIST, 0, IX_EXPIRY | IX_ENX},
    {"ENX", IX_ENX, 0, IX_PERSIST},
};

/* A bound's value in the counter's type (a float bound may be infinite, as
 * in Redis: only a saturated result that lands on it is refused); 0, or -1
 * after the error reply. */
static int parse_bound(Client *c, Slice arg, int is_float, const char *name, long long *ll,
                       long double *ld) {
    if (is_float) {
        if (parse_long_double(arg, ld) != 0) {
            reply_error(c, "ERR %s is not a valid float", name);
            return -1;
        }
    } else if (parse_ll(arg, ll) != 0) {
        reply_error(c, "ERR %s is not an integer or out of range", name);
        return -1;
    }
    return 0;
}

/* Reads argv[2..] into *a: first the words (syntax errors), then the
 * values now that the counter's type is known. 0, or -1 after the error
 * reply. */
static int parse_increx(Client *c, Increx *a) {
    Slice vals[16] = {{0}}; /* by flag bit */
    memset(a, 0, sizeof *a);
    a->by_ll = 1;
    a->by_ld = 1;
    for (int j = 2; j < c->argc; j++) {
        size_t o = 0, n = sizeof options / sizeof options[0];
        while (o < n && !slice_eq_nocase(c->argv[j], options[o].name)) o++;
        if (o == n || (a->flags & (options[o].flag | options[o].excludes)) ||
            (options[o].has_value && j + 1 >= c->argc)) {
            reply_syntax_error(c);
            return -1;
        }
        a->flags |= options[o].flag;
        if (options[o].has_value) vals[__builtin_ctz((unsigned)options[o].flag)] = c->argv[++j];
    }
#define VAL(f) vals[__builtin_ctz((unsigned)(f))]
    if ((a->flags & IX_ENX) && !(a->flags & IX_EXPIRY)) {
        reply_error(c, "ERR ENX flag requires an expiration");
        return -1;
    }
    int is_float = (a->flags & IX_BYFLOAT) != 0;
    if (a->flags & IX_BYINT) {
        if (parse_ll(VAL(IX_BYINT), &a->by_ll) != 0) {
            reply_error(c, "ERR Increment is not an integer or out of range");
            return -1;
        }
    } else if (is_float) {
        if (parse_long_double(VAL(IX_BYFLOAT), &a->by_ld) != 0) {
            reply_error(c, "ERR Increment is not a valid float");
            return -1;
        }
        if (isinf(a->by_ld)) {
            reply_error(c, "ERR BYFLOAT increment cannot be Infinity");
            return -1;
        }
    }
    a->lb_ll = LLONG_MIN;
    a->ub_ll = LLONG_MAX;
    a->lb_ld = -LDBL_MAX;
    a->ub_ld = LDBL_MAX;
    if ((a->flags & IX_LBOUND) &&
        parse_bound(c, VAL(IX_LBOUND), is_float, "LBOUND", &a->lb_ll, &a->lb_ld) != 0)
        return -1;
    if ((a->flags & IX_UBOUND) &&
        parse_bound(c, VAL(IX_UBOUND), is_float, "UBOUND", &a->ub_ll, &a->ub_ld) != 0)
        return -1;
    if (is_float ? a->lb_ld > a->ub_ld : a->lb_ll > a->ub_ll) {
        reply_error(c, "ERR LBOUND can't be greater than UBOUND");
        return -1;
    }
    if (a->flags & IX_EXPIRY) {
        int unit = a->flags & IX_EXPIRY;
        long long v;
        if (get_ll_or_reply(c, VAL(unit), &v) != 0) return -1;
        int in_seconds = (unit & (IX_EX | IX_EXAT)) != 0;
        if (v <= 0 || (in_seconds && v > LLONG_MAX / 1000)) goto invalid;
        long long ms = in_seconds ? v * 1000 : v;
        if (unit & (IX_EX | IX_PX)) {
            if (ms > LLONG_MAX - now_ms()) goto invalid;
            ms += now_ms();
        }
        a->expire_at = ms;
    }
#undef VAL
    return 0;
invalid:
    reply_error(c, "ERR invalid expire time in 'increx' command");
    return -1;
}

/* Integer mode: *next from cur under a; 1 stored, 0 refused, -1 after the
 * error reply (a saturated result too far from cur for the applied
 * increment to fit). */
static int step_ll(Client *c, const Increx *a, long long cur, long long *next, long long *applied) {
    long long by = a->by_ll, v;
    int is_sat = (a->flags & IX_SATURATE) != 0;
    if (__builtin_add_overflow(cur, by, &v)) {
        if (!is_sat) return 0;
        v = by > 0 ? LLONG_MAX : LLONG_MIN;
    }
    if (v < a->lb_ll || v > a->ub_ll) {
        if (!is_sat) return 0;
        v = v < a->lb_ll ? a->lb_ll : a->ub_ll;
    }
    if (__builtin_sub_overflow(v, cur, applied)) {
        reply_error(c, "ERR applied increment would overflow");
        return -1;
    }
    *next = v;
    return 1;
}

/* Float mode: as step_ll in long double; 1 stored, 0 refused, -1 after
 * the error reply (a saturated result infinitely far from cur: an infinite
 * bound, or bounds at opposite ends of the range). */
static int step_ld(Client *c, const Increx *a, long double cur, long double *next,
                   long double *applied) {
    long double v = cur + a->by_ld;
    int is_sat = (a->flags & IX_SATURATE) != 0;
    if (isinf(v)) {
        if (!is_sat) return 0;
        v = v > 0 ? LDBL_MAX : -LDBL_MAX;
    }
    if (v < a->lb_ld || v > a->ub_ld) {
        if (!is_sat) return 0;
        v = v < a->lb_ld ? a->lb_ld : a->ub_ld;
    }
    if (isinf(v - cur)) {
        reply_error(c, "ERR applied increment would be Infinity");
        return -1;
    }
    *next = v;
    *applied = v - cur;
    return 1;
}

/* A float-mode number as INCRBYFLOAT shows it: RESP2 bulk, RESP3 double. */
static void reply_ld(Client *c, long double v) {
    char buf[5120];
    size_t n = format_long_double(buf, sizeof buf, v);
    reply_double_text(c, buf, n);
}

void cmd_increx(Client *c) {
    Increx a;
    if (parse_increx(c, &a) != 0) return;
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    int is_float = (a.flags & IX_BYFLOAT) != 0;
    char buf[5120];
    size_t n;
    int stored;
    if (is_float) {
        long double cur = 0, next, applied;
        if (o && parse_long_double(slice_of(o->ptr, o->len), &cur) != 0) {
            reply_error(c, "ERR value is not a valid float");
            return;
        }
        if (isinf(cur)) {
            reply_error(c, "ERR value cannot be Infinity");
            return;
        }
        stored = step_ld(c, &a, cur, &next, &applied);
        if (stored < 0) return;
        reply_array(c, 2);
        reply_ld(c, stored ? next : cur);
        reply_ld(c, stored ? applied : 0);
        if (!stored) return;
        n = format_long_double(buf, sizeof buf, next);
    } else {
        long long cur = 0, next, applied;
        if (o && parse_ll(slice_of(o->ptr, o->len), &cur) != 0) {
            reply_error(c, "ERR value is not an integer or out of range");
            return;
        }
        stored = step_ll(c, &a, cur, &next, &applied);
        if (stored < 0) return;
        reply_array(c, 2);
        reply_int(c, stored ? next : cur);
        reply_int(c, stored ? applied : 0);
        if (!stored) return;
        n = ll_to_str(next, buf);
    }

    int dbid = db_index(c->db);
    int had_ttl = o && db_get_expire(c->db, key) >= 0;
    /* ENX leaves a key's TTL alone, even a past expiry given with it */
    int set_ttl = (a.flags & IX_EXPIRY) && !((a.flags & IX_ENX) && had_ttl);
    if (set_ttl && (a.flags & (IX_EXAT | IX_PXAT)) && a.expire_at <= now_ms() && !server.loading) {
        if (o) {
            db_delete_propagated(c, key, settings.lazyfree_lazy_expire);
        }
        return;
    }
    Obj *nv = obj_new_string(buf, n);
    if (is_float) nv->str_enc = OBJ_STR_PLAIN;
    int is_persist = (a.flags & IX_PERSIST) != 0;
    db_replace(c->db, key, nv, !is_persist);
    notify_keyspace_event(NOTIFY_STRING, is_float ? "incrbyfloat" : "incrby", key, dbid);
    if (set_ttl) {
        db_set_expire(c->db, key, a.expire_at);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", key, dbid);
        char ms[24];
        size_t m = ll_to_str(a.expire_at, ms);
        Slice argv[5] = {slice_cstr("SET"), key, slice_of(buf, n), slice_cstr("PXAT"),
                         slice_of(ms, m)};
        propagate(c, 5, argv);
        return;
    }
    if (is_persist && had_ttl) notify_keyspace_event(NOTIFY_GENERIC, "persist", key, dbid);
    Slice argv[4] = {slice_cstr("SET"), key, slice_of(buf, n), slice_cstr("KEEPTTL")};
    propagate(c, is_persist ? 3 : 4, argv);
}
