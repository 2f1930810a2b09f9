/*
 * hll.c - the HyperLogLog commands of Redis 7.0: PFADD, PFCOUNT, PFMERGE,
 * PFDEBUG and PFSELFTEST, over string values in the HYLL layout that
 * types/hllstr.c reads and writes.
 *
 * A HyperLogLog is an ordinary string, so GET, SET, DUMP, RDB and the AOF
 * need nothing of their own; what these commands must get right is the
 * bytes they leave behind, which must equal Redis's. A handler copies the
 * value into an HllStr, edits it and copies it back when it changed (a
 * dense value is 12 KiB: the copies cost little next to a round trip and
 * keep hllstr.c free of the keyspace). A value that is not shaped like an
 * HLL gets WRONGTYPE with Redis's HLL wording, one whose sparse code is
 * corrupt gets INVALIDOBJ; any other string bytes a client stored are
 * taken as they are, the cached count included.
 *
 * Propagation follows 7.0, which propagates a command whenever it marked
 * the data dirty: PFADD when a register grew or the key was made, PFMERGE
 * always, PFCOUNT of one key when it wrote a fresh cached count, PFDEBUG
 * GETREG and TODENSE when they turned a sparse value dense. Each replays
 * to the same bytes, so the command itself is the record. PFMERGE
 * notifies "pfadd", as 7.0 does.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "types/hllstr.h"

#define E_NOT_HLL "WRONGTYPE Key is not a valid HyperLogLog string value."
#define E_CORRUPT "INVALIDOBJ Corrupted HLL object detected"

/* The value at key for an HLL command, NULL when there is none; sets
 * *replied after replying WRONGTYPE (another type, or a string that is not
 * an HLL). */
static Obj *hll_lookup(Client *c, Slice key, int for_write, int *replied) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    *replied = 0;
    if (!o) return NULL;
    if (o->type != OBJ_STRING) {
        reply_wrongtype(c);
        *replied = 1;
        return NULL;
    }
    if (!hllstr_is_hll(o->ptr, o->len)) {
        reply_error(c, E_NOT_HLL);
        *replied = 1;
        return NULL;
    }
    return o;
}

/* Copies h back into o, which becomes a plain buffer for OBJECT ENCODING
 * ("raw"), as Redis unshares a value before editing it. */
static void hll_store(Db *db, Obj *o, const HllStr *h) {
    if (h->len > o->len) obj_string_grow(o, h->len);
    memcpy(o->ptr, h->p, h->len);
    o->len = h->len;
    ((char *)o->ptr)[h->len] = '\0';
    o->str_enc = OBJ_STR_RAW;
    db_resized(db, o, o->len);
}

static size_t sparse_max(void) {
    return (size_t)settings.hll_sparse_max_bytes;
}

/* PFADD key [element ...]: 1 when the key was made or a register grew. A
 * corrupt value is reported when an element reaches its bad part, after
 * the elements before it were added (and not propagated), as in 7.0. */
static void cmd_pfadd(Client *c) {
    Slice key = c->argv[1];
    int replied;
    Obj *o = hll_lookup(c, key, 1, &replied);
    if (replied) return;
    HllStr h;
    int updated = 0;
    if (o) {
        hllstr_init_copy(&h, o->ptr, o->len);
    } else {
        hllstr_init_empty(&h);
        updated = 1;
    }
    int corrupt = 0;
    for (int j = 2; j < c->argc && !corrupt; j++) {
        int rc = hllstr_add(&h, c->argv[j].p, c->argv[j].len, sparse_max());
        if (rc == HLLSTR_CORRUPT)
            corrupt = 1;
        else
            updated += rc;
    }
    if (updated && !corrupt) hllstr_cache_invalidate(&h);
    if (!o) {
        o = obj_new_string((const char *)h.p, h.len);
        o->str_enc = OBJ_STR_RAW;
        db_add(c->db, key, o);
    } else if (updated || o->str_enc != OBJ_STR_RAW) {
        hll_store(c->db, o, &h);
    }
    hllstr_free(&h);
    if (corrupt) {
        reply_error(c, E_CORRUPT);
        return;
    }
    if (updated) {
        db_signal_key(c->db, key);
        notify_keyspace_event(NOTIFY_STRING, "pfadd", key, db_index(c->db));
        propagate_argv(c);
    }
    reply_int(c, updated ? 1 : 0);
}

/* PFCOUNT key [key ...]: one key answers from its cached count, computing
 * and writing it when stale; several are merged into a temporary set of
 * registers and nothing is written. */
static void cmd_pfcount(Client *c) {
    int replied;
    if (c->argc > 2) {
        uint8_t *max = xcalloc(HLL_REGISTERS, 1);
        for (int j = 1; j < c->argc; j++) {
            Obj *o = hll_lookup(c, c->argv[j], 0, &replied);
            if (replied) goto out;
            if (!o) continue;
            if (hllstr_merge_max(max, o->ptr, o->len) != 0) {
                reply_error(c, E_CORRUPT);
                goto out;
            }
        }
        reply_int(c, (long long)hllstr_count_registers(max));
    out:
        xfree(max);
        return;
    }
    Obj *o = hll_lookup(c, c->argv[1], 0, &replied);
    if (replied) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    o->str_enc = OBJ_STR_RAW;
    uint64_t card;
    if (!hllstr_cache_get(o->ptr, &card)) {
        if (hllstr_count(o->ptr, o->len, &card) != 0) {
            reply_error(c, E_CORRUPT);
            return;
        }
        HllStr h;
        hllstr_init_copy(&h, o->ptr, o->len);
        hllstr_cache_set(&h, card);
        hll_store(c->db, o, &h);
        hllstr_free(&h);
        db_signal_key(c->db, c->argv[1]);
        propagate_argv(c);
    }
    reply_int(c, (long long)card);
}

/* PFMERGE destkey [sourcekey ...]: the register-wise maximum of every key
 * named (destkey included) written into destkey, which is made sparse when
 * new and turned dense first when any input is dense. */
static void cmd_pfmerge(Client *c) {
    uint8_t *max = xcalloc(HLL_REGISTERS, 1);
    int use_dense = 0, replied;
    for (int j = 1; j < c->argc; j++) {
        Obj *o = hll_lookup(c, c->argv[j], 0, &replied);
        if (replied) goto out;
        if (!o) continue;
        if (((const uint8_t *)o->ptr)[4] == HLLSTR_DENSE) use_dense = 1;
        if (hllstr_merge_max(max, o->ptr, o->len) != 0) {
            reply_error(c, E_CORRUPT);
            goto out;
        }
    }
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    HllStr h;
    if (o)
        hllstr_init_copy(&h, o->ptr, o->len);
    else
        hllstr_init_empty(&h);
    if (use_dense && hllstr_to_dense(&h) == HLLSTR_CORRUPT) {
        /* not reached: destkey was merged above, so its code is sound */
        hllstr_free(&h);
        reply_error(c, E_CORRUPT);
        goto out;
    }
    for (int i = 0; i < HLL_REGISTERS; i++)
        if (max[i]) hllstr_set(&h, i, max[i], sparse_max());
    hllstr_cache_invalidate(&h);
    if (o) {
        hll_store(c->db, o, &h);
        db_signal_key(c->db, key);
    } else {
        o = obj_new_string((const char *)h.p, h.len);
        o->str_enc = OBJ_STR_RAW;
        db_add(c->db, key, o);
    }
    hllstr_free(&h);
    notify_keyspace_event(NOTIFY_STRING, "pfadd", key, db_index(c->db));
    propagate_argv(c);
    reply_ok(c);
out:
    xfree(max);
}

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. The key is looked up before
 * the subcommand is known, as 7.0 does. */
static void cmd_pfdebug(Client *c) {
    Slice sub = c->argv[1], key = c->argv[2];
    Obj *o = db_lookup_write(c->db, key);
    if (!o) {
        reply_error(c, "ERR The specified key does not exist");
        return;
    }
    int replied;
    o = hll_lookup(c, key, 1, &replied);
    if (replied) return;
    o->str_enc = OBJ_STR_RAW;
    int is_sparse = ((const uint8_t *)o->ptr)[4] == HLLSTR_SPARSE;
    int is_getreg = slice_eq_nocase(sub, "getreg");
    if (is_getreg || slice_eq_nocase(sub, "todense")) {
        HllStr h;
        hllstr_init_copy(&h, o->ptr, o->len);
        if (is_sparse) {
            if (hllstr_to_dense(&h) == HLLSTR_CORRUPT) {
                hllstr_free(&h);
                reply_error(c, E_CORRUPT);
                return;
            }
            hll_store(c->db, o, &h);
            server.dirty++; /* a change, though 7.0 does not signal the key */
            propagate_argv(c);
        }
        if (is_getreg) {
            reply_array(c, HLL_REGISTERS);
            for (int i = 0; i < HLL_REGISTERS; i++) reply_int(c, hllstr_dense_get(&h, i));
        } else {
            reply_int(c, is_sparse);
        }
        hllstr_free(&h);
    } else if (slice_eq_nocase(sub, "decode")) {
        if (!is_sparse) {
            reply_error(c, "ERR HLL encoding is not sparse");
            return;
        }
        size_t n;
        char *text = hllstr_decode(o->ptr, o->len, &n);
        reply_bulk(c, text, n);
        xfree(text);
    } else if (slice_eq_nocase(sub, "encoding")) {
        reply_status(c, is_sparse ? "sparse" : "dense");
    } else {
        reply_error(c, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)sub.len, sub.p);
    }
}

/* PFSELFTEST: checks the dense register packing with every value in every
 * register position, then feeds the same elements to a sparse and a dense
 * HLL, which must count alike and within the sketch's error bound. */
static void cmd_pfselftest(Client *c) {
    HllStr dense, sparse;
    hllstr_init_empty(&dense);
    hllstr_to_dense(&dense);
    int ok = 1;
    for (int round = 0; round < 64 && ok; round++) {
        for (int i = 0; i < HLL_REGISTERS; i++) hllstr_set(&dense, i, 1 + (i * 7 + round) % 63, 0);
        for (int i = 0; i < HLL_REGISTERS && ok; i++)
            if (hllstr_dense_get(&dense, i) < 1 + (i * 7 + round) % 63) ok = 0;
        hllstr_free(&dense);
        hllstr_init_empty(&dense);
        hllstr_to_dense(&dense);
    }
    if (!ok) {
        hllstr_free(&dense);
        reply_error(c, "TESTFAILED Register error");
        return;
    }
    hllstr_init_empty(&sparse);
    char buf[32];
    const double bound = 5 * 1.04 / 128.0; /* five standard errors, m = 2^14 */
    for (int n = 1; n <= 10000 && ok == 1; n++) {
        int len = snprintf(buf, sizeof buf, "selftest:%d", n);
        hllstr_add(&dense, buf, (size_t)len, 0);
        hllstr_add(&sparse, buf, (size_t)len, 1 << 20);
        if (n % 250 != 0 && n > 100) continue;
        uint64_t a = 0, b = 0;
        if (hllstr_count(dense.p, dense.len, &a) != 0 ||
            hllstr_count(sparse.p, sparse.len, &b) != 0 || a != b) {
            reply_error(c, "TESTFAILED dense/sparse disagree");
            ok = -1;
            break;
        }
        double err = (double)a - n;
        if (err < 0) err = -err;
        if (err > n * bound + 1) {
            reply_error(c, "TESTFAILED too big error. card:%llu abserr:%f", (unsigned long long)a,
                        err);
            ok = -1;
        }
    }
    hllstr_free(&dense);
    hllstr_free(&sparse);
    if (ok == 1) reply_ok(c);
}

#define W (CMD_WRITE | CMD_DENYOOM)
const Command hll_commands[] = {
    {"pfadd", cmd_pfadd, -2, W | CMD_FAST, "@write @hyperloglog @fast", 1, 1, 1, NULL},
    {"pfcount", cmd_pfcount, -2, CMD_READONLY, "@read @hyperloglog @slow", 1, -1, 1, NULL},
    {"pfmerge", cmd_pfmerge, -2, W, "@write @hyperloglog @slow", 1, -1, 1, NULL},
    {"pfdebug", cmd_pfdebug, 3, W | CMD_ADMIN, "@write @hyperloglog @admin @slow @dangerous", 2, 2,
     1, NULL},
    {"pfselftest", cmd_pfselftest, 1, CMD_ADMIN, "@hyperloglog @admin @slow @dangerous", 0, 0, 0,
     NULL},
    END_OF_COMMANDS,
};
