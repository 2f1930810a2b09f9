/*
 * strings_cas.c - Redis 8.4's string additions for optimistic locking and
 * batch expiry: DIGEST (a value's XXH3-64 as 16 hex digits), DELEX (delete,
 * or delete only if the value or its digest does or does not match) and
 * MSETEX (MSET with NX/XX over all the keys and one shared expiry). SET's
 * IFEQ/IFNE/IFDEQ/IFDNE conditions are in strings.c and use the matcher
 * here (cas_parse / cas_matches).
 *
 * A digest argument is exactly 16 hex digits, either case, compared with
 * the value's digest as text (so leading zeros count), as Redis 8.4.1 and
 * later do. A condition applies to a string only: any other type answers
 * WRONGTYPE, a missing key fails every condition but IFNE/IFDNE (for SET,
 * which then creates it; DELEX has nothing to delete).
 *
 * Propagation uses commands Redis 7 knows, so an AOF stays loadable by it:
 * DELEX as DEL, MSETEX as MSET (no expiry) or one SET ... PXAT/KEEPTTL per
 * key (the dispatcher wraps several records in MULTI/EXEC).
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/xxh3.h"
#include "cmd/strings_cas.h"
#include "server/core.h"

/* ---- conditions --------------------------------------------------------- */

static int is_hex_digest(Slice s) {
    if (s.len != 16) return 0;
    for (size_t i = 0; i < 16; i++) {
        char ch = s.p[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
            return 0;
    }
    return 1;
}

int cas_parse(Client *c, Slice word, Slice arg, CasCond *out) {
    if (slice_eq_nocase(word, "IFEQ"))
        out->kind = CAS_IFEQ;
    else if (slice_eq_nocase(word, "IFNE"))
        out->kind = CAS_IFNE;
    else if (slice_eq_nocase(word, "IFDEQ"))
        out->kind = CAS_IFDEQ;
    else if (slice_eq_nocase(word, "IFDNE"))
        out->kind = CAS_IFDNE;
    else
        return 0;
    if ((out->kind == CAS_IFDEQ || out->kind == CAS_IFDNE) && !is_hex_digest(arg)) {
        reply_error(c, "ERR must be exactly 16 hexadecimal characters");
        return -1;
    }
    out->arg = arg;
    return 1;
}

int cas_matches(const CasCond *cond, const Obj *o) {
    if (!o) return cond->kind == CAS_IFNE || cond->kind == CAS_IFDNE;
    int eq;
    if (cond->kind == CAS_IFEQ || cond->kind == CAS_IFNE) {
        eq = o->len == cond->arg.len && memcmp(o->ptr, cond->arg.p, o->len) == 0;
    } else {
        char hex[17];
        xxh3_hex(o->ptr, o->len, hex);
        eq = strncasecmp(hex, cond->arg.p, 16) == 0;
    }
    return (cond->kind == CAS_IFEQ || cond->kind == CAS_IFDEQ) ? eq : !eq;
}

/* ---- DIGEST key ----------------------------------------------------------- */

static void cmd_digest(Client *c) {
    Obj *o = db_lookup_read(c->db, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return;
    }
    char hex[17];
    xxh3_hex(o->ptr, o->len, hex);
    reply_bulk(c, hex, 16);
}

/* ---- DELEX key [IFEQ v | IFNE v | IFDEQ d | IFDNE d] ------------------------ */

static void cmd_delex(Client *c) {
    CasCond cond;
    int has_cond = 0;
    if (c->argc != 2) {
        if (c->argc != 4) {
            reply_syntax_error(c);
            return;
        }
        int rc = cas_parse(c, c->argv[2], c->argv[3], &cond);
        if (rc < 0) return;
        if (rc == 0) {
            reply_syntax_error(c);
            return;
        }
        has_cond = 1;
    }
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (has_cond) {
        if (o->type != OBJ_STRING) {
            reply_wrongtype(c);
            return;
        }
        if (!cas_matches(&cond, o)) {
            reply_int(c, 0);
            return;
        }
    }
    db_delete(c->db, key);
    notify_keyspace_event(NOTIFY_GENERIC, "del", key, db_index(c->db));
    Slice argv[2] = {slice_cstr("DEL"), key};
    propagate(c, 2, argv);
    reply_int(c, 1);
}

/* ---- MSETEX numkeys key value [key value ...] [NX | XX]
 *             [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] --------------------- */

enum { MX_NX = 1, MX_XX = 2, MX_KEEPTTL = 4 };

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
    int first_opt = 2 + 2 * (int)nk;
    int flags = 0, have_expire = 0;
    int64_t expire_at = -1;
    for (int j = first_opt; j < c->argc; j++) {
        Slice a = c->argv[j];
        if (slice_eq_nocase(a, "NX") && !(flags & (MX_NX | MX_XX))) {
            flags |= MX_NX;
        } else if (slice_eq_nocase(a, "XX") && !(flags & (MX_NX | MX_XX))) {
            flags |= MX_XX;
        } else if (slice_eq_nocase(a, "KEEPTTL") && !have_expire && !(flags & MX_KEEPTTL)) {
            flags |= MX_KEEPTTL;
        } else if ((slice_eq_nocase(a, "EX") || slice_eq_nocase(a, "PX") ||
                    slice_eq_nocase(a, "EXAT") || slice_eq_nocase(a, "PXAT")) &&
                   !have_expire && !(flags & MX_KEEPTTL) && j + 1 < c->argc) {
            long long v;
            if (get_ll_or_reply(c, c->argv[j + 1], &v) != 0) return;
            int is_ms = a.p[0] == 'p' || a.p[0] == 'P';
            int is_at = a.len == 4;
            if (v <= 0 || (!is_ms && v > LLONG_MAX / 1000)) {
                reply_error(c, "ERR invalid expire time in 'msetex' command");
                return;
            }
            long long ms = is_ms ? v : v * 1000;
            if (!is_at) {
                if (ms > LLONG_MAX - now_ms()) {
                    reply_error(c, "ERR invalid expire time in 'msetex' command");
                    return;
                }
                ms += now_ms();
            }
            expire_at = ms;
            have_expire = 1;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (flags & (MX_NX | MX_XX)) {
        for (int i = 2; i < first_opt; i += 2) {
            int exists = db_lookup_write(c->db, c->argv[i]) != NULL;
            if ((flags & MX_NX) ? exists : !exists) {
                reply_int(c, 0);
                return;
            }
        }
    }
    int dbi = db_index(c->db);
    for (int i = 2; i < first_opt; i += 2) {
        Slice key = c->argv[i];
        db_set(c->db, key, client_arg_string(c, i + 1), (flags & MX_KEEPTTL) != 0);
        notify_keyspace_event(NOTIFY_STRING, "set", key, dbi);
        if (have_expire) {
            db_set_expire(c->db, key, expire_at);
            notify_keyspace_event(NOTIFY_GENERIC, "expire", key, dbi);
        }
    }
    if (!have_expire && !(flags & MX_KEEPTTL)) {
        /* MSET k v ...: the same words without numkeys and options */
        Slice *argv = xmalloc((size_t)(first_opt - 1) * sizeof *argv);
        argv[0] = slice_cstr("MSET");
        memcpy(argv + 1, c->argv + 2, (size_t)(first_opt - 2) * sizeof *argv);
        propagate(c, first_opt - 1, argv);
        xfree(argv);
    } else {
        char ms[24];
        size_t n = have_expire ? ll_to_str(expire_at, ms) : 0;
        for (int i = 2; i < first_opt; i += 2) {
            Slice argv[5] = {slice_cstr("SET"), c->argv[i], c->argv[i + 1],
                             have_expire ? slice_cstr("PXAT") : slice_cstr("KEEPTTL"),
                             slice_of(ms, n)};
            propagate(c, have_expire ? 5 : 4, argv);
        }
    }
    reply_int(c, 1);
}

#define W (CMD_WRITE | CMD_DENYOOM)
const Command string_cas_commands[] = {
    {"digest", cmd_digest, 2, CMD_READONLY | CMD_FAST, "@read @string @fast", 1, 1, 1, NULL},
    {"delex", cmd_delex, -2, CMD_WRITE | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    {"msetex", cmd_msetex, -4, W | CMD_MOVABLE_KEYS, "@write @string @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
