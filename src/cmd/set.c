/*
 * set.c - Sets: Redis 7.0's set commands (and 8.10's SUNIONCARD and
 * SDIFFCARD), and the value type's registration
 * with the keyspace (set_obj.c) and persistence (persist_register_type).
 *
 * Handlers follow 7.0 step for step where it shows: which lookups happen
 * before which errors (SINTER type-checks every key even after a missing
 * one; SSCAN reads its options only after the key's type), the reply types
 * in RESP3 (SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count answer a
 * set; SRANDMEMBER with a count an array), the keyspace events and their
 * order, and which writes propagate (only those that changed something).
 *
 * Random picks are not deterministic, so they propagate as what they did:
 * SPOP as SREM of the popped members (batched, at most SPOP_BATCH per
 * record), or as DEL when it took the whole set, as 7.0 does.
 *
 * Persistence: an intset is written as RDB type 11 (its block as it is,
 * which is what 7.0 writes), a hash table as type 2; types 2, 11 and 20
 * (Redis 7.2's listpack set) are read. The AOF rewrite emits SADD with at
 * most 64 members per command, as Redis does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hll.h"
#include "base/num.h"
#include "cmd/set_obj.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "server/core.h"

/* Members per SREM record SPOP propagates (Redis 7.2's batch). */
#define SPOP_BATCH 1024
/* Members per SADD record of the AOF rewrite (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
#define REWRITE_BATCH 64

/* The set at key for reading (NULL if missing); -1 after WRONGTYPE. */
static int lookup_set(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_SET) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

/* After members left o (stored at key): deletes the key when o is empty
 * (o is freed then; returns 1), else accounts the new size and signals. */
static int after_remove(Client *c, Slice key, Obj *o) {
    if (set_card(o) == 0) {
        db_delete(c->db, key);
        return 1;
    }
    db_resized(c->db, o, set_card(o));
    db_signal_key(c->db, key);
    return 0;
}

static void reply_members(Client *c, const Obj *o, int as_set);

static int reply_member_cb(void *priv, Slice m) {
    reply_bulk_slice(priv, m);
    return 0;
}

/* Every member of o (NULL: none), as a RESP3 set or an array. */
static void reply_members(Client *c, const Obj *o, int as_set) {
    size_t n = o ? set_card(o) : 0;
    if (as_set)
        reply_set(c, n);
    else
        reply_array(c, n);
    if (o) set_foreach(o, reply_member_cb, c);
}

/* ---- SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS ------------------------ */

static void cmd_sadd(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_set(c, key, 1, &o) != 0) return;
    int is_new = o == NULL;
    if (is_new) o = set_obj_new();
    long long added = 0;
    for (int i = 2; i < c->argc; i++) added += set_add(o, c->argv[i]);
    if (is_new) {
        db_add(c->db, key, o);
    } else if (added) {
        db_resized(c->db, o, set_card(o));
        db_signal_key(c->db, key);
    }
    if (added) {
        notify_keyspace_event(NOTIFY_SET, "sadd", key, db_index(c->db));
        propagate_argv(c);
    }
    reply_int(c, added);
}

static void cmd_srem(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_set(c, key, 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    long long removed = 0;
    for (int i = 2; i < c->argc; i++) {
        removed += set_remove(o, c->argv[i]);
        if (set_card(o) == 0) break;
    }
    if (removed) {
        int deleted = after_remove(c, key, o);
        notify_keyspace_event(NOTIFY_SET, "srem", key, db_index(c->db));
        if (deleted) notify_keyspace_event(NOTIFY_GENERIC, "del", key, db_index(c->db));
        propagate_argv(c);
    }
    reply_int(c, removed);
}

static void cmd_scard(Client *c) {
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    reply_int(c, o ? (long long)set_card(o) : 0);
}

static void cmd_sismember(Client *c) {
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    reply_int(c, o && set_has(o, c->argv[2]));
}

static void cmd_smismember(Client *c) {
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) reply_int(c, o && set_has(o, c->argv[i]));
}

static void cmd_smembers(Client *c) {
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    reply_members(c, o, 1);
}

/* ---- SPOP SRANDMEMBER ----------------------------------------------------- */

/* Propagates SREM key members[0..n) in records of at most SPOP_BATCH. */
static void propagate_srem(Client *c, Slice key, const Slice *members, size_t n) {
    Slice *argv = xmalloc((2 + (n < SPOP_BATCH ? n : SPOP_BATCH)) * sizeof *argv);
    argv[0] = slice_cstr("SREM");
    argv[1] = key;
    for (size_t i = 0; i < n; i += SPOP_BATCH) {
        size_t k = n - i < SPOP_BATCH ? n - i : SPOP_BATCH;
        memcpy(argv + 2, members + i, k * sizeof *argv);
        propagate(c, (int)(2 + k), argv);
    }
    xfree(argv);
}

/* Owned copies of views (one block): the members a pop is about to free. */
static Slice *copy_slices(const Slice *v, size_t n, char **block) {
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += v[i].len;
    Slice *out = xmalloc((n ? n : 1) * sizeof *out);
    char *p = *block = xmalloc(bytes ? bytes : 1);
    for (size_t i = 0; i < n; i++) {
        if (v[i].len) memcpy(p, v[i].p, v[i].len);
        out[i] = slice_of(p, v[i].len);
        p += v[i].len;
    }
    return out;
}

/* Moves count randomly chosen members (count < n) to the front of v, by a
 * partial Fisher-Yates shuffle. */
static void shuffle_front(Slice *v, size_t n, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
        size_t j = i + (size_t)((r << 31 ^ (uint64_t)rand()) % (n - i));
        Slice t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* SPOP key count: count distinct random members, removed. A small count
 * picks and removes one at a time; a large one shuffles a list of all the
 * members. The whole set goes as DEL. */
static void spop_count(Client *c) {
    Slice key = c->argv[1];
    long long count;
    if (parse_ll(c->argv[2], &count) != 0 || count < 0 || count > LONG_MAX) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    Obj *o;
    if (lookup_set(c, key, 1, &o) != 0) return;
    if (!o || count == 0) {
        reply_set(c, 0);
        return;
    }
    int dbid = db_index(c->db);
    uint64_t size = set_card(o);
    notify_keyspace_event(NOTIFY_SET, "spop", key, dbid);
    if ((uint64_t)count >= size) {
        reply_members(c, o, 1);
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
        Slice argv[2] = {slice_cstr("DEL"), key};
        propagate(c, 2, argv);
        return;
    }
    size_t n = (size_t)count;
    Slice *picked;
    char *block;
    if ((uint64_t)count * 5 <= size) {
        /* few: pick one, copy it, remove it, again */
        picked = xmalloc(n * sizeof *picked);
        Buf bytes;
        buf_init(&bytes);
        size_t *offs = xmalloc(n * sizeof *offs);
        for (size_t i = 0; i < n; i++) {
            char buf[SET_NUM_BUF];
            Slice m = set_random(o, buf);
            offs[i] = bytes.len;
            buf_append(&bytes, m.p, m.len);
            picked[i].len = m.len;
            Slice copy = slice_of(bytes.p + offs[i], m.len);
            set_remove(o, copy);
        }
        block = xmalloc(bytes.len ? bytes.len : 1);
        if (bytes.len) memcpy(block, bytes.p, bytes.len);
        for (size_t i = 0; i < n; i++) picked[i].p = block + offs[i];
        xfree(offs);
        buf_free(&bytes);
    } else {
        Slice *all;
        char *nums;
        size_t total = set_members(o, &all, &nums);
        shuffle_front(all, total, n);
        picked = copy_slices(all, n, &block);
        xfree(all);
        xfree(nums);
        for (size_t i = 0; i < n; i++) set_remove(o, picked[i]);
    }
    reply_set(c, n);
    for (size_t i = 0; i < n; i++) reply_bulk_slice(c, picked[i]);
    after_remove(c, key, o);
    propagate_srem(c, key, picked, n);
    xfree(picked);
    xfree(block);
}

static void cmd_spop(Client *c) {
    if (c->argc == 3) {
        spop_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    Slice key = c->argv[1];
    Obj *o;
    if (lookup_set(c, key, 1, &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    char buf[SET_NUM_BUF];
    Slice m = set_random(o, buf);
    char *copy = xmemdup(m.len ? m.p : "", m.len ? m.len : 1);
    Slice member = slice_of(copy, m.len);
    set_remove(o, member);
    int dbid = db_index(c->db);
    notify_keyspace_event(NOTIFY_SET, "spop", key, dbid);
    reply_bulk_slice(c, member);
    Slice argv[3] = {slice_cstr("SREM"), key, member};
    propagate(c, 3, argv);
    if (after_remove(c, key, o)) notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    xfree(copy);
}

/* SRANDMEMBER key count: a negative count allows repeats (-count picks);
 * a positive one gives distinct members, all of them when count reaches
 * the size. */
static void srandmember_count(Client *c) {
    long long count;
    if (get_ll_or_reply(c, c->argv[2], &count) != 0) return;
    if (count == LLONG_MIN) {
        reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                       "9223372036854775807");
        return;
    }
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    if (!o || count == 0) {
        reply_empty_array(c);
        return;
    }
    uint64_t size = set_card(o);
    char buf[SET_NUM_BUF];
    if (count < 0) {
        unsigned long long n = (unsigned long long)-count;
        reply_array(c, (size_t)n);
        for (unsigned long long i = 0; i < n; i++) reply_bulk_slice(c, set_random(o, buf));
        return;
    }
    if ((uint64_t)count >= size) {
        reply_members(c, o, 0);
        return;
    }
    size_t n = (size_t)count;
    reply_array(c, n);
    if ((uint64_t)count * 3 > size) {
        Slice *all;
        char *nums;
        size_t total = set_members(o, &all, &nums);
        shuffle_front(all, total, n);
        for (size_t i = 0; i < n; i++) reply_bulk_slice(c, all[i]);
        xfree(all);
        xfree(nums);
        return;
    }
    /* few of many: draw until count distinct ones came up */
    Dict *seen = dict_new();
    while (dict_size(seen) < n) {
        Slice m = set_random(o, buf);
        if (dict_find(seen, m.p, m.len)) continue;
        dict_add(seen, m.p, m.len, NULL);
        reply_bulk_slice(c, m);
    }
    dict_free(seen, NULL);
}

static void cmd_srandmember(Client *c) {
    if (c->argc == 3) {
        srandmember_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    char buf[SET_NUM_BUF];
    reply_bulk_slice(c, set_random(o, buf));
}

/* ---- SMOVE ------------------------------------------------------------------ */

static void cmd_smove(Client *c) {
    Slice src_key = c->argv[1], dst_key = c->argv[2], member = c->argv[3];
    Obj *src = db_lookup_write(c->db, src_key);
    Obj *dst = db_lookup_write(c->db, dst_key);
    if (!src) {
        reply_int(c, 0);
        return;
    }
    if (src->type != OBJ_SET || (dst && dst->type != OBJ_SET)) {
        reply_wrongtype(c);
        return;
    }
    if (src == dst) {
        reply_int(c, set_has(src, member));
        return;
    }
    if (!set_remove(src, member)) {
        reply_int(c, 0);
        return;
    }
    int dbid = db_index(c->db);
    notify_keyspace_event(NOTIFY_SET, "srem", src_key, dbid);
    if (after_remove(c, src_key, src)) notify_keyspace_event(NOTIFY_GENERIC, "del", src_key, dbid);
    if (!dst) {
        dst = set_obj_new();
        set_add(dst, member);
        db_add(c->db, dst_key, dst);
        notify_keyspace_event(NOTIFY_SET, "sadd", dst_key, dbid);
    } else if (set_add(dst, member)) {
        db_resized(c->db, dst, set_card(dst));
        db_signal_key(c->db, dst_key);
        notify_keyspace_event(NOTIFY_SET, "sadd", dst_key, dbid);
    }
    propagate_argv(c);
    reply_int(c, 1);
}

/* ---- SINTER SINTERSTORE SINTERCARD -------------------------------------- */

typedef struct SetRef {
    Obj *o;
    uint64_t card;
    int index;
} SetRef;

static int by_card(const void *a, const void *b) {
    const SetRef *x = a, *y = b;
    if (x->card != y->card) return x->card < y->card ? -1 : 1;
    return x->index - y->index;
}

/* Looks up keys[0..n) as sets into refs (NULL for a missing key); the
 * number of missing ones, or -1 after WRONGTYPE. Reads, even for the
 * STORE variants (a missing source is a keymiss there too, as in 7.0). */
static int lookup_sets(Client *c, const Slice *keys, int n, SetRef *refs) {
    int missing = 0;
    for (int i = 0; i < n; i++) {
        Obj *o;
        if (lookup_set(c, keys[i], 0, &o) != 0) return -1;
        refs[i].o = o;
        refs[i].card = o ? set_card(o) : 0;
        refs[i].index = i;
        missing += o == NULL;
    }
    return missing;
}

/* What an intersection does with each member of its result. */
typedef struct InterWalk {
    SetRef *refs;
    int n;
    Obj *dst;     /* SINTERSTORE: the result being built */
    Slice *out;   /* SINTER: the members, views into the smallest set */
    size_t n_out; /* members found */
    size_t limit; /* SINTERCARD: stop after this many (0: no limit) */
} InterWalk;

static int inter_visit(void *priv, Slice m) {
    InterWalk *w = priv;
    for (int j = 1; j < w->n; j++) {
        /* the same set twice holds every member of itself */
        if (w->refs[j].o != w->refs[0].o && !set_has(w->refs[j].o, m)) return 0;
    }
    if (w->dst)
        set_add(w->dst, m);
    else if (w->out)
        w->out[w->n_out] = m;
    w->n_out++;
    return w->limit && w->n_out >= w->limit;
}

/* The result of a store command: stored under dst when not empty (the old
 * value and TTL go), else dst deleted. Propagates when something changed. */
static void store_result(Client *c, Slice dst, Obj *result, const char *event) {
    int dbid = db_index(c->db);
    uint64_t n = set_card(result);
    if (n > 0) {
        db_set(c->db, dst, result, 0);
        notify_keyspace_event(NOTIFY_SET, event, dst, dbid);
        propagate_argv(c);
    } else {
        obj_free(result);
        if (db_delete(c->db, dst)) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", dst, dbid);
            propagate_argv(c);
        }
    }
    reply_int(c, (long long)n);
}

/* SINTER keys / SINTERSTORE dst keys / SINTERCARD (card_only, limit): walks
 * the smallest set and keeps the members every other set has. */
static void sinter_generic(Client *c, const Slice *keys, int n, const Slice *dst, int card_only,
                           size_t limit) {
    SetRef *refs = xmalloc((size_t)n * sizeof *refs);
    int missing = lookup_sets(c, keys, n, refs);
    if (missing < 0) goto out;
    if (missing > 0) {
        if (card_only) {
            reply_int(c, 0);
        } else if (dst) {
            reply_int(c, 0);
            if (db_delete(c->db, *dst)) {
                notify_keyspace_event(NOTIFY_GENERIC, "del", *dst, db_index(c->db));
                propagate_argv(c);
            }
        } else {
            reply_set(c, 0);
        }
        goto out;
    }
    qsort(refs, (size_t)n, sizeof *refs, by_card);
    InterWalk w = {refs, n, NULL, NULL, 0, card_only ? limit : 0};
    if (dst)
        w.dst = set_obj_new();
    else if (!card_only)
        w.out = xmalloc((size_t)(refs[0].card ? refs[0].card : 1) * sizeof(Slice));
    char *nums = NULL;
    if (w.out && set_answers_whole(refs[0].o)) {
        /* an intset's members are formatted on the fly: keep them */
        Slice *all;
        size_t total = set_members(refs[0].o, &all, &nums);
        for (size_t i = 0; i < total; i++) inter_visit(&w, all[i]);
        xfree(all);
    } else {
        set_foreach(refs[0].o, inter_visit, &w);
    }
    if (card_only) {
        reply_int(c, (long long)w.n_out);
    } else if (dst) {
        store_result(c, *dst, w.dst, "sinterstore");
    } else {
        reply_set(c, w.n_out);
        for (size_t i = 0; i < w.n_out; i++) reply_bulk_slice(c, w.out[i]);
    }
    xfree(w.out);
    xfree(nums);
out:
    xfree(refs);
}

static void cmd_sinter(Client *c) {
    sinter_generic(c, c->argv + 1, c->argc - 1, NULL, 0, 0);
}

static void cmd_sinterstore(Client *c) {
    sinter_generic(c, c->argv + 2, c->argc - 2, &c->argv[1], 0, 0);
}

/* The arguments of SINTERCARD, SUNIONCARD and SDIFFCARD: numkeys key [key
 * ...] [LIMIT limit], and for SUNIONCARD (is_approx not NULL) 8.10's APPROX
 * too. Checked in SINTERCARD's order and with its texts; 0, or -1 after the
 * error reply. */
static int parse_card_args(Client *c, int *is_approx, int *numkeys_out, size_t *limit_out) {
    long long numkeys, limit = 0;
    if (parse_ll(c->argv[1], &numkeys) != 0 || numkeys < 1 || numkeys > LONG_MAX) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return -1;
    }
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return -1;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (slice_eq_nocase(c->argv[j], "LIMIT") && j + 1 < c->argc) {
            if (parse_ll(c->argv[j + 1], &limit) != 0 || limit < 0 || limit > LONG_MAX) {
                reply_error(c, "ERR LIMIT can't be negative");
                return -1;
            }
            j++;
        } else if (is_approx && slice_eq_nocase(c->argv[j], "APPROX")) {
            *is_approx = 1;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    *numkeys_out = (int)numkeys;
    *limit_out = (size_t)limit;
    return 0;
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void cmd_sintercard(Client *c) {
    int numkeys;
    size_t limit;
    if (parse_card_args(c, NULL, &numkeys, &limit) != 0) return;
    sinter_generic(c, c->argv + 2, numkeys, NULL, 1, limit);
}

/* ---- SUNION SDIFF (+STORE) ------------------------------------------------ */

typedef struct Gather {
    Obj *result;
    SetRef *refs; /* SDIFF: the sets to subtract are refs[1..n) */
    int n;
} Gather;

static int union_visit(void *priv, Slice m) {
    set_add(((Gather *)priv)->result, m);
    return 0;
}

static int diff_visit(void *priv, Slice m) {
    Gather *g = priv;
    for (int j = 1; j < g->n; j++)
        if (g->refs[j].o && (g->refs[j].o == g->refs[0].o || set_has(g->refs[j].o, m))) return 0;
    set_add(g->result, m);
    return 0;
}

/* SUNION / SDIFF keys, stored under dst when given. The result is built as
 * a new set (an intset while it can be, as 7.0 builds it), so an integer
 * result comes out in ascending order as 7.0's does. */
static void sunion_diff_generic(Client *c, const Slice *keys, int n, const Slice *dst,
                                int is_diff) {
    SetRef *refs = xmalloc((size_t)n * sizeof *refs);
    if (lookup_sets(c, keys, n, refs) < 0) {
        xfree(refs);
        return;
    }
    Gather g = {set_obj_new(), refs, n};
    if (is_diff) {
        if (refs[0].o) set_foreach(refs[0].o, diff_visit, &g);
    } else {
        for (int i = 0; i < n; i++)
            if (refs[i].o) set_foreach(refs[i].o, union_visit, &g);
    }
    if (dst) {
        store_result(c, *dst, g.result, is_diff ? "sdiffstore" : "sunionstore");
    } else {
        reply_members(c, g.result, 1);
        obj_free(g.result);
    }
    xfree(refs);
}

static void cmd_sunion(Client *c) {
    sunion_diff_generic(c, c->argv + 1, c->argc - 1, NULL, 0);
}

static void cmd_sunionstore(Client *c) {
    sunion_diff_generic(c, c->argv + 2, c->argc - 2, &c->argv[1], 0);
}

static void cmd_sdiff(Client *c) {
    sunion_diff_generic(c, c->argv + 1, c->argc - 1, NULL, 1);
}

static void cmd_sdiffstore(Client *c) {
    sunion_diff_generic(c, c->argv + 2, c->argc - 2, &c->argv[1], 1);
}

/* What SUNIONCARD and SDIFFCARD count with. */
typedef struct CardWalk {
    Obj *seen;    /* SUNIONCARD: the distinct members met so far */
    Hll *sketch;  /* SUNIONCARD APPROX: the members met so far */
    SetRef *refs; /* SDIFFCARD: the sets to subtract are refs[1..n) */
    int n;
    uint64_t count;
    uint64_t limit; /* stop once count reaches it (0: no limit) */
} CardWalk;

static int union_card_visit(void *priv, Slice m) {
    CardWalk *w = priv;
    if (set_add(w->seen, m)) w->count++;
    return w->limit && w->count >= w->limit;
}

static int approx_card_visit(void *priv, Slice m) {
    hll_add(((CardWalk *)priv)->sketch, m.p, m.len);
    return 0;
}

static int diff_card_visit(void *priv, Slice m) {
    CardWalk *w = priv;
    for (int j = 1; j < w->n; j++)
        if (w->refs[j].o && (w->refs[j].o == w->refs[0].o || set_has(w->refs[j].o, m))) return 0;
    w->count++;
    return w->limit && w->count >= w->limit;
}

/* SUNIONCARD / SDIFFCARD (8.10): the size of what SUNION / SDIFF would
 * answer, without building it for SDIFFCARD; LIMIT stops the walk once the
 * count reaches it, as SINTERCARD's does. Every key is type-checked first,
 * as SUNION and SDIFF do. SUNIONCARD APPROX is Redis's estimate: every
 * member (integers as their decimal text) goes into a HyperLogLog sketch
 * like PFADD's and the reply is what PFCOUNT would say of it, capped at
 * LIMIT (Redis may stop adding early once the estimate passes LIMIT; the
 * estimate only grows as members are added, so the capped reply is the
 * same). */
static void card_generic(Client *c, int is_diff) {
    int numkeys, is_approx = 0;
    size_t limit;
    if (parse_card_args(c, is_diff ? NULL : &is_approx, &numkeys, &limit) != 0) return;
    SetRef *refs = xmalloc((size_t)numkeys * sizeof *refs);
    if (lookup_sets(c, c->argv + 2, numkeys, refs) < 0) {
        xfree(refs);
        return;
    }
    CardWalk w = {NULL, NULL, refs, numkeys, 0, limit};
    if (is_approx) {
        w.sketch = xcalloc(1, sizeof *w.sketch);
        for (int i = 0; i < numkeys; i++)
            if (refs[i].o) set_foreach(refs[i].o, approx_card_visit, &w);
        w.count = hll_count(w.sketch);
        if (limit && w.count > limit) w.count = limit;
        xfree(w.sketch);
    } else if (is_diff) {
        if (refs[0].o) set_foreach(refs[0].o, diff_card_visit, &w);
    } else if (numkeys == 1) {
        w.count = refs[0].card;
        if (limit && w.count > limit) w.count = limit;
    } else {
        w.seen = set_obj_new();
        for (int i = 0; i < numkeys && !(limit && w.count >= limit); i++)
            if (refs[i].o) set_foreach(refs[i].o, union_card_visit, &w);
        obj_free(w.seen);
    }
    reply_int(c, (long long)w.count);
    xfree(refs);
}

/* SUNIONCARD numkeys key [key ...] [APPROX] [LIMIT limit] */
static void cmd_sunioncard(Client *c) {
    card_generic(c, 0);
}

/* SDIFFCARD numkeys key [key ...] [LIMIT limit] */
static void cmd_sdiffcard(Client *c) {
    card_generic(c, 1);
}

/* ---- SSCAN ------------------------------------------------------------------ */

typedef struct ScanOut {
    Slice *v;
    size_t n, cap;
} ScanOut;

static void scan_collect(void *priv, Slice m) {
    ScanOut *s = priv;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = m;
}

/* SSCAN key cursor [MATCH pattern] [COUNT count]: an intset or a packed
 * set whole in one reply (cursor 0), a hash table bucket by bucket with
 * SCAN's guarantees (up to count * 10 buckets per call, as 7.0). */
static void cmd_sscan(Client *c) {
    uint64_t cursor;
    if (parse_scan_cursor(c->argv[2], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    Obj *o;
    if (lookup_set(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_empty_array(c);
        return;
    }
    long long count = 10;
    Slice pattern = {NULL, 0};
    int match_all = 1;
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
            match_all = pattern.len == 1 && pattern.p[0] == '*';
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    ScanOut s = {NULL, 0, 0};
    char *nums = NULL;
    uint64_t next = 0;
    if (set_answers_whole(o)) {
        s.n = s.cap = set_members(o, &s.v, &nums);
    } else {
        long long budget = scan_bucket_budget(count);
        next = cursor;
        do {
            next = set_scan(o, next, scan_collect, &s);
        } while (next && budget-- && s.n < (size_t)count);
    }
    size_t kept = 0;
    for (size_t i = 0; i < s.n; i++)
        if (match_all || glob_match(pattern.p, pattern.len, s.v[i].p, s.v[i].len, 0))
            s.v[kept++] = s.v[i];
    char cur[24];
    int cur_len = snprintf(cur, sizeof cur, "%llu", (unsigned long long)next);
    reply_array(c, 2);
    reply_bulk(c, cur, (size_t)cur_len);
    reply_array(c, kept);
    for (size_t i = 0; i < kept; i++) reply_bulk_slice(c, s.v[i]);
    xfree(s.v);
    xfree(nums);
}

/* ---- persistence -------------------------------------------------------- */

enum { RDB_TYPE_SET = 2, RDB_TYPE_SET_INTSET = 11, RDB_TYPE_SET_LISTPACK = 20 };

static const uint8_t set_rdb_types[] = {RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK};

static int set_rdb_type(const Obj *o, int cap) {
    return set_encoding(o) == SET_ENC_INTSET && cap >= RDB_TYPE_SET_INTSET ? RDB_TYPE_SET_INTSET
                                                                           : RDB_TYPE_SET;
}

static int write_member(void *priv, Slice m) {
    rdb_write_string(priv, m.p, m.len);
    return 0;
}

static void set_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)now_ms;
    if (type == RDB_TYPE_SET_INTSET) {
        size_t len;
        const uint8_t *blob = set_intset_blob(o, &len);
        rdb_write_string(out, blob, len);
        return;
    }
    rdb_write_len(out, set_card(o));
    set_foreach(o, write_member, out);
}

/* Adds one member read from a file; RDB_ERR for a repeated one (Redis
 * refuses those too: a set holding one twice would break SCARD). */
static int load_member(Obj *o, Slice m) {
    return set_add(o, m) ? RDB_OK : RDB_ERR;
}

static int set_rdb_read(RdbReader *r, int type, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (type == RDB_TYPE_SET) {
        uint64_t n;
        if (rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
        if (n == 0) return RDB_EMPTY;
        /* each member takes at least a byte: no claim past the input */
        if (n > r->len - r->pos) return RDB_ERR;
        Obj *o = set_obj_new();
        for (uint64_t i = 0; i < n; i++) {
            char *s;
            size_t len;
            if (rdb_read_string(r, persist_string_max(), &s, &len) != RDB_OK) {
                obj_free(o);
                return RDB_ERR;
            }
            int rc = load_member(o, slice_of(s, len));
            xfree(s);
            if (rc != RDB_OK) {
                obj_free(o);
                return RDB_ERR;
            }
        }
        *out = o;
        return RDB_OK;
    }
    char *blob;
    size_t len;
    if (rdb_read_string(r, persist_string_max(), &blob, &len) != RDB_OK) return RDB_ERR;
    int rc = RDB_ERR;
    if (type == RDB_TYPE_SET_INTSET) {
        /* An intset of no member is corrupt to Redis 7.0, not empty. */
        *out = set_obj_from_intset_blob((const uint8_t *)blob, len);
        rc = *out ? RDB_OK : RDB_ERR;
    } else {
        uint32_t n;
        int valid = lp_validate((const uint8_t *)blob, len, &n) == RDB_OK;
        if (valid && n == 0) {
            rc = RDB_EMPTY; /* as Redis 7.2 reads one */
        } else if (valid) {
            Obj *o = set_obj_new();
            LpReader lr;
            LpElem e;
            lp_reader_init(&lr, (const uint8_t *)blob, len);
            rc = RDB_OK;
            for (uint32_t i = 0; i < n && rc == RDB_OK; i++) {
                if (lp_next(&lr, &e) != 1) {
                    rc = RDB_ERR;
                    break;
                }
                char num[SET_NUM_BUF];
                Slice m = e.is_int ? slice_of(num, ll_to_str(e.v, num))
                                   : slice_of((const char *)e.s, e.len);
                rc = load_member(o, m);
            }
            if (rc == RDB_OK)
                *out = o;
            else
                obj_free(o);
        }
    }
    xfree(blob);
    return rc;
}

/* SADD key m1 .. m64, again until every member is written. */
static void set_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                            void (*flush)(void *), void *fp) {
    (void)now_ms;
    Slice *all;
    char *nums;
    size_t n = set_members(o, &all, &nums);
    for (size_t i = 0; i < n; i += REWRITE_BATCH) {
        size_t k = n - i < REWRITE_BATCH ? n - i : REWRITE_BATCH;
        aof_cat_array_header(out, (long long)(2 + k));
        aof_cat_bulk(out, "SADD", 4);
        aof_cat_bulk(out, key.p, key.len);
        for (size_t j = 0; j < k; j++) aof_cat_bulk(out, all[i + j].p, all[i + j].len);
        if (flush) flush(fp);
    }
    xfree(all);
    xfree(nums);
}

static const PersistTypeOps set_persist = {
    .obj_type = OBJ_SET,
    .rdb_type = set_rdb_type,
    .rdb_write = set_rdb_write,
    .rdb_read = set_rdb_read,
    .rdb_types = set_rdb_types,
    .n_rdb_types = sizeof set_rdb_types,
    .aof_rewrite = set_aof_rewrite,
};

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command set_commands[] = {
    {"sadd", cmd_sadd, -3, W | CMD_FAST, "@write @set @fast", 1, 1, 1, NULL},
    {"srem", cmd_srem, -3, CMD_WRITE | CMD_FAST, "@write @set @fast", 1, 1, 1, NULL},
    {"smembers", cmd_smembers, 2, RO, "@read @set @slow", 1, 1, 1, NULL},
    {"sismember", cmd_sismember, 3, RO | CMD_FAST, "@read @set @fast", 1, 1, 1, NULL},
    {"smismember", cmd_smismember, -3, RO | CMD_FAST, "@read @set @fast", 1, 1, 1, NULL},
    {"scard", cmd_scard, 2, RO | CMD_FAST, "@read @set @fast", 1, 1, 1, NULL},
    {"spop", cmd_spop, -2, CMD_WRITE | CMD_FAST, "@write @set @fast", 1, 1, 1, NULL},
    {"srandmember", cmd_srandmember, -2, RO, "@read @set @slow", 1, 1, 1, NULL},
    {"smove", cmd_smove, 4, CMD_WRITE | CMD_FAST, "@write @set @fast", 1, 2, 1, NULL},
    {"sinter", cmd_sinter, -2, RO, "@read @set @slow", 1, -1, 1, NULL},
    {"sinterstore", cmd_sinterstore, -3, W, "@write @set @slow", 1, -1, 1, NULL},
    {"sintercard", cmd_sintercard, -3, RO | CMD_MOVABLE_KEYS, "@read @set @slow", 0, 0, 0, NULL},
    {"sunion", cmd_sunion, -2, RO, "@read @set @slow", 1, -1, 1, NULL},
    {"sunionstore", cmd_sunionstore, -3, W, "@write @set @slow", 1, -1, 1, NULL},
    {"sdiff", cmd_sdiff, -2, RO, "@read @set @slow", 1, -1, 1, NULL},
    {"sdiffstore", cmd_sdiffstore, -3, W, "@write @set @slow", 1, -1, 1, NULL},
    {"sunioncard", cmd_sunioncard, -3, RO | CMD_MOVABLE_KEYS, "@read @set @slow", 0, 0, 0, NULL},
    {"sdiffcard", cmd_sdiffcard, -3, RO | CMD_MOVABLE_KEYS, "@read @set @slow", 0, 0, 0, NULL},
    {"sscan", cmd_sscan, -3, RO, "@read @set @slow", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void set_cmd_init(void);
void set_cmd_init(void) {
    set_obj_register();
    persist_register_type(&set_persist);
}
