/*
 * strings_cas.c - Redis 8.4's string additions for optimistic locking:
 * DIGEST (a value's XXH3-64 as 16 hex digits) and DELEX (delete, or delete
 * only if the value or its digest does or does not match). SET's
 * IFEQ/IFNE/IFDEQ/IFDNE conditions are in strings.c and use the matcher
 * here (cas_parse / cas_matches); so is 8.4's MSETEX, which shares SET's
 * option parser.
 *
 * A digest argument is exactly 16 hex digits, either case, compared with
 * the value's digest as text (so leading zeros count), as Redis 8.4.1 and
 * later do. A condition applies to a string only: any other type answers
 * WRONGTYPE, a missing key fails every condition but IFNE/IFDNE (for SET,
 * which then creates it; DELEX has nothing to delete).
 *
 * DELEX propagates as DEL, which Redis 7 knows, so an AOF stays loadable
 * by it.
 */
#include <string.h>
#include <strings.h>

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

const Command string_cas_commands[] = {
    {"digest", cmd_digest, 2, CMD_READONLY | CMD_FAST, "@read @string @fast", 1, 1, 1, NULL},
    {"delex", cmd_delex, -2, CMD_WRITE | CMD_FAST, "@write @string @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
