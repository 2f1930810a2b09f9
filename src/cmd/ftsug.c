/*
 * ftsug.c - FT.SUGADD, FT.SUGGET, FT.SUGDEL, FT.SUGLEN: auto-complete
 * suggestion dictionaries, the query engine's one key type (OBJ_SUGTRIE,
 * the trie of src/types/ftsug.h).
 *
 * Replies and errors as RediSearch's suggest.c gives them: SUGADD answers
 * the dictionary's size (a string it cannot store, empty or too long, adds
 * nothing - and, unlike RediSearch, creates no empty key), SUGGET an array
 * of strings, each followed by its ranked score (WITHSCORES) and payload
 * or nil (WITHPAYLOADS), MAX 5 by default; a key of another type is
 * WRONGTYPE both ways. A dictionary emptied by SUGDEL is deleted.
 *
 * Persistence: TYPE and the RDB module id say "trietype0", RediSearch's
 * name, encoding version 2, with its fields: so either server reads the
 * other's files and DUMP payloads:
 *
 *   uint    number of entries
 *   per entry (insertion order):
 *     string  the text and a NUL byte
 *     double  the score
 *     string  the payload and a NUL byte (a lone NUL: none)   [encver >= 1]
 *     uint    0 (a document count RediSearch keeps for tries of terms) [>= 2]
 *
 * The AOF rewrite writes FT.SUGADD key text score [PAYLOAD p] per entry, in
 * insertion order (the order ties keep), the score printed so that it
 * reads back as the same float.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/server.h"
#include "types/ftsug.h"

#define SUG_ENCVER      2
#define SUG_DEFAULT_MAX 5

/* ---- the type ------------------------------------------------------------- */

static SugTrie *trie(const Obj *o) {
    return o->ptr;
}

static void ops_free(void *ptr) {
    sug_free(ptr);
}

static size_t ops_mem(const void *ptr) {
    return sug_mem_bytes(ptr);
}

static uint64_t ops_items(const void *ptr) {
    return sug_len(ptr);
}

static Obj *ops_dup(const void *ptr) {
    return obj_new(OBJ_SUGTRIE, sug_dup(ptr));
}

static uint64_t ops_free_effort(const void *ptr) {
    return sug_len(ptr) * 2 + 1;
}

static const ObjTypeOps sug_type = {"trietype0", "raw",   ops_free, ops_mem,
                                    ops_items,   ops_dup, NULL,     ops_free_effort};

static int sug_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

/* A string with the NUL RediSearch writes after it. */
static void put_cstring(Buf *out, const char *p, size_t len) {
    char *z = xmalloc(len + 1);
    if (len) memcpy(z, p, len);
    z[len] = '\0';
    rdbm_put_string(out, z, len + 1);
    xfree(z);
}

static void write_entry(void *priv, const SugEntryView *e) {
    Buf *out = priv;
    put_cstring(out, e->str, e->len);
    rdbm_put_double(out, (double)e->score);
    put_cstring(out, e->payload, e->payload_len);
    rdbm_put_uint(out, 0);
}

static void sug_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    rdbm_put_uint(out, sug_len(trie(o)));
    sug_foreach(trie(o), write_entry, out);
}

/* A string written with its NUL: the bytes before it. */
static int get_cstring(RdbReader *r, char **s, size_t *len) {
    if (rdbm_get_string(r, persist_string_max(), s, len) != RDB_OK) return RDB_ERR;
    if (*len > 0 && (*s)[*len - 1] == '\0') (*len)--;
    return RDB_OK;
}

static int sug_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (encver < 0 || encver > SUG_ENCVER) return RDB_ERR;
    uint64_t n;
    if (rdbm_get_uint(r, &n) != RDB_OK) return RDB_ERR;
    SugTrie *t = sug_new();
    for (uint64_t i = 0; i < n; i++) {
        char *s = NULL, *payload = NULL;
        size_t len, payload_len = 0;
        double score;
        uint64_t n_docs;
        if (get_cstring(r, &s, &len) != RDB_OK || rdbm_get_double(r, &score) != RDB_OK ||
            (encver >= 1 && get_cstring(r, &payload, &payload_len) != RDB_OK) ||
            (encver >= 2 && rdbm_get_uint(r, &n_docs) != RDB_OK)) {
            xfree(s);
            xfree(payload);
            sug_free(t);
            return RDB_ERR;
        }
        sug_add(t, s, len, score, 0, payload, payload_len);
        xfree(s);
        xfree(payload);
    }
    if (sug_len(t) == 0) {
        sug_free(t);
        return RDB_EMPTY;
    }
    *out = obj_new(OBJ_SUGTRIE, t);
    return RDB_OK;
}

/* The shortest text that reads back as the same float. */
static int format_score(char *buf, size_t cap, float f) {
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, (double)f);
        if ((float)strtod(buf, NULL) == f) break;
    }
    return n;
}

typedef struct Rewrite {
    Buf *out;
    Slice key;
} Rewrite;

static void rewrite_entry(void *priv, const SugEntryView *e) {
    Rewrite *w = priv;
    char score[64];
    /* a NaN (INCR of inf by -inf) has no text FT.SUGADD reads: made the
     * same way again */
    int n = isnan(e->score) ? snprintf(score, sizeof score, "inf")
                            : format_score(score, sizeof score, e->score);
    Slice argv[6] = {slice_cstr("FT.SUGADD"),  w->key,
                     slice_of(e->str, e->len), slice_of(score, (size_t)n),
                     slice_cstr("PAYLOAD"),    slice_of(e->payload, e->payload_len)};
    aof_cat_command(w->out, e->payload ? 6 : 4, argv);
    if (isnan(e->score)) {
        Slice incr[5] = {argv[0], argv[1], argv[2], slice_cstr("-inf"), slice_cstr("INCR")};
        aof_cat_command(w->out, 5, incr);
    }
}

static void sug_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                            void (*flush)(void *), void *fp) {
    (void)now_ms;
    (void)flush;
    (void)fp;
    Rewrite w = {out, key};
    sug_foreach(trie(o), rewrite_entry, &w);
}

static const PersistTypeOps sug_persist = {
    .obj_type = OBJ_SUGTRIE,
    .rdb_type = sug_rdb_type,
    .rdb_write = sug_rdb_write,
    .rdb_read = sug_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = sug_aof_rewrite,
    .module_name = "trietype0",
    .module_encver = SUG_ENCVER,
};

/* ---- commands --------------------------------------------------------------- */

/* 0 with *out the key's trie or NULL; -1 after WRONGTYPE. */
static int lookup(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_SUGTRIE) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

/* A double as RedisModule_StringToDouble reads one: the whole argument, no
 * NaN. */
static int parse_score(Slice s, double *out) {
    char buf[128];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || isnan(d) || (errno == ERANGE && !isinf(d) && d != 0)) return -1;
    *out = d;
    return 0;
}

/* FT.SUGADD key string score [INCR] [PAYLOAD payload] */
static void cmd_ft_sugadd(Client *c) {
    if (c->argc > 7) {
        reply_arity_error(c);
        return;
    }
    int incr = 0;
    Slice payload = {NULL, 0};
    for (int i = 4; i < c->argc; i++) {
        if (slice_eq_nocase(c->argv[i], "INCR")) {
            incr = 1;
        } else if (slice_eq_nocase(c->argv[i], "PAYLOAD")) {
            if (i + 1 >= c->argc) {
                reply_error(c, "Invalid payload: Expected an argument, but none provided");
                return;
            }
            payload = c->argv[++i];
        } else {
            reply_error(c, "Unknown argument `%.*s`",
                        (int)(c->argv[i].len > 128 ? 128 : c->argv[i].len), c->argv[i].p);
            return;
        }
    }
    Slice key = c->argv[1];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    double score;
    if (parse_score(c->argv[3], &score) != 0) {
        reply_error(c, "ERR invalid score");
        return;
    }
    if (!sug_storable(c->argv[2].p, c->argv[2].len)) {
        /* nothing to store, nothing changes (RediSearch would leave an empty key) */
        reply_int(c, o ? (long long)sug_len(trie(o)) : 0);
        return;
    }
    SugTrie *t = o ? trie(o) : sug_new();
    int added = sug_add(t, c->argv[2].p, c->argv[2].len, score, incr, payload.p, payload.len);
    reply_int(c, (long long)sug_len(t));
    if (!o) {
        db_add(c->db, key, obj_new(OBJ_SUGTRIE, t));
    } else {
        if (added) db_resized(c->db, o, sug_len(t));
        db_signal_key(c->db, key);
    }
    propagate_argv(c);
}

/* FT.SUGDEL key string */
static void cmd_ft_sugdel(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    if (!o || !sug_del(trie(o), c->argv[2].p, c->argv[2].len)) {
        reply_int(c, 0);
        return;
    }
    reply_int(c, 1);
    if (sug_len(trie(o)) == 0) {
        db_delete(c->db, key);
    } else {
        db_resized(c->db, o, sug_len(trie(o)));
        db_signal_key(c->db, key);
    }
    propagate_argv(c);
}

/* FT.SUGLEN key */
static void cmd_ft_suglen(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    reply_int(c, o ? (long long)sug_len(trie(o)) : 0);
}

/* MAX's value as RediSearch's argument cursor reads an unsigned >= 1; the
 * error's text, or NULL. */
static const char *parse_max(Slice s, unsigned long *out) {
    char buf[64];
    if (s.len == 0 || s.len >= sizeof buf) return "Could not convert argument to expected type";
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno == EINVAL) return "Could not convert argument to expected type";
    if (errno == ERANGE || v < 1 || v > UINT32_MAX) return "Value is outside acceptable bounds";
    *out = (unsigned long)v;
    return NULL;
}

/* FT.SUGGET key prefix [FUZZY] [WITHSCORES] [WITHPAYLOADS] [MAX num] [TRIM] [OPTIMIZE] */
static void cmd_ft_sugget(Client *c) {
    if (c->argc > 10) {
        reply_arity_error(c);
        return;
    }
    Slice q = c->argv[2];
    if (q.len >= SUG_QUERY_MAX_BYTES) {
        reply_error(c, "SEARCH_SUGGEST_QUERY_TOO_LONG Invalid query length");
        return;
    }
    int fuzzy = 0, with_scores = 0, with_payloads = 0, trim = 0;
    unsigned long max = SUG_DEFAULT_MAX;
    for (int i = 3; i < c->argc; i++) {
        Slice a = c->argv[i];
        if (slice_eq_nocase(a, "FUZZY")) {
            fuzzy = 1;
        } else if (slice_eq_nocase(a, "WITHSCORES")) {
            with_scores = 1;
        } else if (slice_eq_nocase(a, "WITHPAYLOADS")) {
            with_payloads = 1;
        } else if (slice_eq_nocase(a, "TRIM")) {
            trim = 1;
        } else if (slice_eq_nocase(a, "OPTIMIZE")) {
            /* RediSearch takes it and does nothing with it */
        } else if (slice_eq_nocase(a, "MAX")) {
            const char *why = i + 1 < c->argc ? parse_max(c->argv[i + 1], &max)
                                              : "Expected an argument, but none provided";
            if (why) {
                reply_error(c, "MAX: %s", why);
                return;
            }
            i++;
        } else {
            reply_error(c, "Unrecognized argument: %.*s", (int)(a.len > 128 ? 128 : a.len), a.p);
            return;
        }
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    if (sug_query_chars(q.p, q.len) > SUG_QUERY_MAX_CHARS) {
        reply_error(c, "SEARCH_SUGGEST_INVALID_QUERY Invalid query");
        return;
    }
    size_t cap = max < sug_len(trie(o)) ? max : sug_len(trie(o));
    SugEntryView *res = xmalloc((cap ? cap : 1) * sizeof *res);
    size_t n = sug_search(trie(o), q.p, q.len, fuzzy, cap, trim, res);
    reply_array(c, n * (size_t)(1 + with_scores + with_payloads));
    for (size_t i = 0; i < n; i++) {
        reply_bulk(c, res[i].str, res[i].len);
        if (with_scores) reply_double(c, (double)res[i].score);
        if (with_payloads) {
            if (res[i].payload)
                reply_bulk(c, res[i].payload, res[i].payload_len);
            else
                reply_null(c);
        }
    }
    xfree(res);
}

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command ftsug_commands[] = {
    {"ft.sugadd", cmd_ft_sugadd, -4, W, "@write @search @slow", 1, 1, 1, NULL},
    {"ft.sugget", cmd_ft_sugget, -3, RO, "@read @search @slow", 1, 1, 1, NULL},
    {"ft.sugdel", cmd_ft_sugdel, 3, CMD_WRITE, "@write @search @slow", 1, 1, 1, NULL},
    {"ft.suglen", cmd_ft_suglen, 2, RO, "@read @search @slow", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void ftsug_cmd_init(void);
void ftsug_cmd_init(void) {
    obj_register_type(OBJ_SUGTRIE, &sug_type);
    persist_register_type(&sug_persist);
}
