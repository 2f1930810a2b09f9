/*
 * list.c - Lists: Redis 7.0's list commands, the blocking pops, and the
 * value type's registration with the keyspace (obj_register_type) and
 * persistence (persist_register_type).
 *
 * The value is a List (list_obj.c: listpack nodes). Handlers check their
 * arguments in Redis 7.0's order (some parse numbers before looking the key
 * up, some after: the order decides which error a bad call gets), change the
 * list, notify, signal the key and propagate. A list that becomes empty is
 * deleted (Redis never keeps one), with a "del" event after the command's
 * own.
 *
 * Propagation: every write is deterministic as sent, except the blocking
 * commands, which propagate what they did as the non-blocking form: BLPOP as
 * LPOP key, BLMPOP and LMPOP as LPOP/RPOP key count, BLMOVE as LMOVE,
 * BRPOPLPUSH as RPOPLPUSH (as 7.0 does), and Redis 8.10's BLMOVEM as
 * LMOVEM ... EXACTLY <moved> (as 8.10 does; LMOVEM itself goes as sent).
 * BLMOVEM EXACTLY n waits for its source to hold n elements: every change
 * of a key signals it, so its serve function just checks the length.
 *
 * Blocking follows 7.0: the keys are tried in order (WRONGTYPE for the first
 * non-list ends the command); with nothing to pop the client waits
 * (block.c: FIFO per key). When a key it waits on is signalled, the serve
 * function pops only if the key now holds a non-empty list (7.0 leaves the
 * client blocked when the key got another type); a BLMOVE whose destination
 * holds another type gets WRONGTYPE and stops waiting. Inside MULTI (and
 * from scripts) nothing waits: the reply is what a timeout gives.
 * Timeouts are seconds with decimals, read as 7.0 reads them.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/list_obj.h"
#include "net/resp.h"
#include "persist/dumpvalue.h"
#include "server/core.h"

/* ---- helpers ---------------------------------------------------------- */

static List *L(const Obj *o) {
    return o->ptr;
}

/* Lists made from now on take the current settings (as Redis's do). */
static void sync_fill(void) {
    list_set_defaults(settings.list_max_listpack_size, settings.list_compress_depth);
}

/* key's value for reading (write: without counting a miss); -1 after
 * replying WRONGTYPE when it is not a list. */
static int lookup_list(Client *c, Slice key, int write, Obj **out) {
    Obj *o = write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_LIST) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

/* key's list o changed in place: deleted when it became empty (with the
 * "del" event), else moved to its size bin; the key is signalled. Returns 1
 * when deleted. */
static int list_changed(Client *c, Slice key, Obj *o) {
    if (L(o)->count == 0) {
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, db_index(c->db));
        return 1;
    }
    db_resized(c->db, o, L(o)->count);
    db_signal_key(c->db, key);
    return 0;
}

static void reply_elem(Client *c, const ListElem *e) {
    reply_bulk(c, e->p, e->len);
}

static const char *side_name(int where) {
    return where == LIST_HEAD ? "left" : "right";
}

/* LEFT / RIGHT: 0 with *where set, or -1 after a syntax error. */
static int parse_side(Client *c, Slice s, int *where) {
    if (slice_eq_nocase(s, "LEFT")) {
        *where = LIST_HEAD;
    } else if (slice_eq_nocase(s, "RIGHT")) {
        *where = LIST_TAIL;
    } else {
        reply_syntax_error(c);
        return -1;
    }
    return 0;
}

/* A number argument as Redis's getLongFromObjectOrReply: the generic error. */
static int get_long(Client *c, Slice s, long long *v) {
    return get_ll_or_reply(c, s, v);
}

/* An integer in [min, max], else the error msg (also for a non-integer). */
static int get_range(Client *c, Slice s, long long min, long long max, const char *msg,
                     long long *v) {
    if (parse_ll(s, v) != 0 || *v < min || *v > max) {
        reply_error(c, "ERR %s", msg);
        return -1;
    }
    return 0;
}

/* ---- pushes ----------------------------------------------------------- */

/* Pushes argv[first..] to key (created when o is NULL) at where. */
static uint64_t push_args(Client *c, Slice key, Obj *o, int where, int first) {
    sync_fill();
    int created = o == NULL;
    if (created) o = obj_new(OBJ_LIST, list_new());
    for (int i = first; i < c->argc; i++) list_push(L(o), where, c->argv[i].p, c->argv[i].len);
    uint64_t n = L(o)->count;
    if (created) {
        db_add(c->db, key, o);
    } else {
        db_resized(c->db, o, n);
        db_signal_key(c->db, key);
    }
    notify_keyspace_event(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", key,
                          db_index(c->db));
    return n;
}

static void push_generic(Client *c, int where, int only_existing) {
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o && only_existing) {
        reply_int(c, 0);
        return;
    }
    reply_int(c, (long long)push_args(c, c->argv[1], o, where, 2));
    propagate_argv(c);
}

static void cmd_lpush(Client *c) {
    push_generic(c, LIST_HEAD, 0);
}
static void cmd_rpush(Client *c) {
    push_generic(c, LIST_TAIL, 0);
}
static void cmd_lpushx(Client *c) {
    push_generic(c, LIST_HEAD, 1);
}
static void cmd_rpushx(Client *c) {
    push_generic(c, LIST_TAIL, 1);
}

/* ---- pops ------------------------------------------------------------- */

/* Pops up to n elements from where of key's list o and replies them: one
 * bulk (as_array 0, n 1) or an array. Notifies, deletes an emptied list,
 * signals. Returns how many it popped. */
static uint64_t pop_reply(Client *c, Slice key, Obj *o, int where, uint64_t n, int as_array) {
    List *l = L(o);
    if (n > l->count) n = l->count;
    if (as_array) reply_array(c, n);
    ListIter it;
    ListElem e;
    list_iter_init(&it, l, where == LIST_HEAD ? 0 : l->count - 1, where == LIST_HEAD);
    for (uint64_t i = 0; i < n && list_iter_next(&it, &e); i++) reply_elem(c, &e);
    list_delete_range(l, where == LIST_HEAD ? 0 : l->count - n, n);
    notify_keyspace_event(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", key, db_index(c->db));
    list_changed(c, key, o);
    return n;
}

/* Propagates LPOP/RPOP key [n]. */
static void propagate_pop(Client *c, Slice key, int where, uint64_t n, int with_count) {
    char num[24];
    Slice argv[3] = {slice_cstr(where == LIST_HEAD ? "LPOP" : "RPOP"), key,
                     slice_of(num, ll_to_str((long long)n, num))};
    propagate(c, with_count ? 3 : 2, argv);
}

static void pop_generic(Client *c, int where) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    long long count = 1;
    int has_count = c->argc == 3;
    if (has_count && get_range(c, c->argv[2], 0, LLONG_MAX,
                               "value is out of range, must be positive", &count) != 0)
        return;
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o) {
        if (has_count)
            reply_null_array(c);
        else
            reply_null(c);
        return;
    }
    if (has_count && count == 0) {
        reply_empty_array(c);
        return;
    }
    pop_reply(c, c->argv[1], o, where, (uint64_t)count, has_count);
    propagate_argv(c);
}

static void cmd_lpop(Client *c) {
    pop_generic(c, LIST_HEAD);
}
static void cmd_rpop(Client *c) {
    pop_generic(c, LIST_TAIL);
}

/* ---- reads ------------------------------------------------------------ */

static void cmd_llen(Client *c) {
    Obj *o;
    if (lookup_list(c, c->argv[1], 0, &o) != 0) return;
    reply_int(c, o ? (long long)L(o)->count : 0);
}

static void cmd_lrange(Client *c) {
    long long start, end;
    if (get_long(c, c->argv[2], &start) != 0 || get_long(c, c->argv[3], &end) != 0) return;
    Obj *o;
    if (lookup_list(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    long long len = (long long)L(o)->count;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        reply_empty_array(c);
        return;
    }
    if (end >= len) end = len - 1;
    uint64_t n = (uint64_t)(end - start + 1);
    reply_array(c, n);
    ListIter it;
    ListElem e;
    list_iter_init(&it, L(o), (uint64_t)start, 1);
    for (uint64_t i = 0; i < n && list_iter_next(&it, &e); i++) reply_elem(c, &e);
}

/* idx (Redis's: negative from the tail) as a position, or -1 outside. */
static long long position(const List *l, long long idx) {
    long long len = (long long)l->count;
    if (idx < 0) idx += len;
    return idx < 0 || idx >= len ? -1 : idx;
}

static void cmd_lindex(Client *c) {
    Obj *o;
    if (lookup_list(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    long long idx;
    if (get_long(c, c->argv[2], &idx) != 0) return;
    long long pos = position(L(o), idx);
    ListElem e;
    if (pos < 0 || list_get(L(o), (uint64_t)pos, &e) != 0) {
        reply_null(c);
        return;
    }
    reply_elem(c, &e);
}

static void cmd_lpos(Client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        Slice opt = c->argv[j];
        int more = c->argc - 1 - j;
        if (slice_eq_nocase(opt, "RANK") && more) {
            if (get_long(c, c->argv[++j], &rank) != 0) return;
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 "
                               "from the second ... or use negative to start from the end of "
                               "the list");
                return;
            }
        } else if (slice_eq_nocase(opt, "COUNT") && more) {
            if (get_range(c, c->argv[++j], 0, LLONG_MAX, "COUNT can't be negative", &count) != 0)
                return;
        } else if (slice_eq_nocase(opt, "MAXLEN") && more) {
            if (get_range(c, c->argv[++j], 0, LLONG_MAX, "MAXLEN can't be negative", &maxlen) != 0)
                return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    /* A negative rank counts from the tail. 7.0 negates it as a C long:
     * LLONG_MIN stays negative, so every match qualifies (done here without
     * the overflow, in unsigned arithmetic). */
    int to_tail = 1;
    if (rank < 0) {
        to_tail = 0;
        rank = (long long)(0 - (unsigned long long)rank);
    }
    Obj *o;
    if (lookup_list(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        if (count != -1)
            reply_empty_array(c);
        else
            reply_null(c);
        return;
    }
    List *l = L(o);
    Slice ele = c->argv[2];
    ReplyDeferred d = {0};
    if (count != -1) d = reply_defer(c);
    ListIter it;
    ListElem e;
    list_iter_init(&it, l, to_tail ? 0 : l->count - 1, to_tail);
    long long index = 0, matches = 0, found = -1, n_found = 0;
    while ((maxlen == 0 || index < maxlen) && list_iter_next(&it, &e)) {
        if (list_elem_eq(&e, ele.p, ele.len)) {
            matches++;
            if (matches >= rank) {
                long long at = to_tail ? index : (long long)l->count - index - 1;
                if (count == -1) {
                    found = at;
                    break;
                }
                reply_int(c, at);
                n_found++;
                long long past =
                    (long long)((unsigned long long)matches - (unsigned long long)rank + 1);
                if (count && past >= count) break;
            }
        }
        index++;
    }
    if (count != -1) {
        reply_set_array_len(c, d, (size_t)n_found);
    } else if (found >= 0) {
        reply_int(c, found);
    } else {
        reply_null(c);
    }
}

/* ---- in-place writes --------------------------------------------------- */

static void cmd_lset(Client *c) {
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    long long idx;
    if (get_long(c, c->argv[2], &idx) != 0) return;
    long long pos = position(L(o), idx);
    if (pos < 0) {
        reply_error(c, "ERR index out of range");
        return;
    }
    sync_fill();
    list_replace(L(o), (uint64_t)pos, c->argv[3].p, c->argv[3].len);
    reply_ok(c);
    db_signal_key(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_LIST, "lset", c->argv[1], db_index(c->db));
    propagate_argv(c);
}

static void cmd_linsert(Client *c) {
    int after;
    if (slice_eq_nocase(c->argv[2], "AFTER")) {
        after = 1;
    } else if (slice_eq_nocase(c->argv[2], "BEFORE")) {
        after = 0;
    } else {
        reply_syntax_error(c);
        return;
    }
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    List *l = L(o);
    Slice pivot = c->argv[3];
    ListIter it;
    ListElem e;
    uint64_t idx = 0;
    int found = 0;
    list_iter_init(&it, l, 0, 1);
    while (list_iter_next(&it, &e)) {
        if (list_elem_eq(&e, pivot.p, pivot.len)) {
            found = 1;
            break;
        }
        idx++;
    }
    if (!found) {
        reply_int(c, -1);
        return;
    }
    sync_fill();
    list_insert(l, idx + (uint64_t)after, c->argv[4].p, c->argv[4].len);
    db_resized(c->db, o, l->count);
    db_signal_key(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_LIST, "linsert", c->argv[1], db_index(c->db));
    reply_int(c, (long long)l->count);
    propagate_argv(c);
}

static void cmd_lrem(Client *c) {
    long long count;
    if (get_long(c, c->argv[2], &count) != 0) return;
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    uint64_t max = count < 0 ? 0 - (unsigned long long)count : (uint64_t)count;
    uint64_t removed = list_remove_value(L(o), c->argv[3].p, c->argv[3].len, max, count >= 0);
    if (removed) {
        notify_keyspace_event(NOTIFY_LIST, "lrem", c->argv[1], db_index(c->db));
        list_changed(c, c->argv[1], o);
        propagate_argv(c);
    }
    reply_int(c, (long long)removed);
}

static void cmd_ltrim(Client *c) {
    long long start, end;
    if (get_long(c, c->argv[2], &start) != 0 || get_long(c, c->argv[3], &end) != 0) return;
    Obj *o;
    if (lookup_list(c, c->argv[1], 1, &o) != 0) return;
    if (!o) {
        reply_ok(c);
        return;
    }
    List *l = L(o);
    long long len = (long long)l->count, ltrim, rtrim;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        ltrim = len; /* everything goes */
        rtrim = 0;
    } else {
        if (end >= len) end = len - 1;
        ltrim = start;
        rtrim = len - end - 1;
    }
    list_delete_range(l, 0, (uint64_t)ltrim);
    list_delete_range(l, l->count - (uint64_t)rtrim, (uint64_t)rtrim);
    notify_keyspace_event(NOTIFY_LIST, "ltrim", c->argv[1], db_index(c->db));
    list_changed(c, c->argv[1], o);
    reply_ok(c);
    if (ltrim + rtrim) propagate_argv(c);
}

/* ---- moves ------------------------------------------------------------- */

/* Moves one element from where_from of src's list sobj (not empty) to
 * where_to of dst (dobj: its list, or NULL to create it) and replies it.
 * Events as 7.0: the push on dst, the pop on src, then src's deletion. */
static void move_one(Client *c, Slice src, Obj *sobj, Slice dst, Obj *dobj, int from, int to) {
    List *sl = L(sobj);
    ListElem e;
    list_get(sl, from == LIST_HEAD ? 0 : sl->count - 1, &e);
    char small[64];
    char *val = e.len <= sizeof small ? small : xmalloc(e.len);
    size_t len = e.len;
    if (len) memcpy(val, e.p, len);
    list_delete_range(sl, from == LIST_HEAD ? 0 : sl->count - 1, 1);
    sync_fill();
    if (dobj) {
        list_push(L(dobj), to, val, len);
        db_resized(c->db, dobj, L(dobj)->count);
        db_signal_key(c->db, dst);
    } else {
        dobj = obj_new(OBJ_LIST, list_new());
        list_push(L(dobj), to, val, len);
        db_add(c->db, dst, dobj);
    }
    notify_keyspace_event(NOTIFY_LIST, to == LIST_HEAD ? "lpush" : "rpush", dst, db_index(c->db));
    reply_bulk(c, val, len);
    if (val != small) xfree(val);
    notify_keyspace_event(NOTIFY_LIST, from == LIST_HEAD ? "lpop" : "rpop", src, db_index(c->db));
    list_changed(c, src, sobj);
}

/* LMOVE/RPOPLPUSH with the sides given: 1 when it moved, 0 when the source
 * was missing (nothing replied), -1 after replying an error. */
static int lmove_generic(Client *c, int from, int to, int null_if_missing) {
    Obj *sobj, *dobj;
    if (lookup_list(c, c->argv[1], 1, &sobj) != 0) return -1;
    if (!sobj) {
        if (null_if_missing) reply_null(c);
        return 0;
    }
    if (lookup_list(c, c->argv[2], 1, &dobj) != 0) return -1;
    move_one(c, c->argv[1], sobj, c->argv[2], dobj, from, to);
    return 1;
}

static void propagate_lmove(Client *c, int from, int to, int as_rpoplpush) {
    Slice argv[5] = {slice_cstr(as_rpoplpush ? "RPOPLPUSH" : "LMOVE"), c->argv[1], c->argv[2],
                     slice_cstr(side_name(from)), slice_cstr(side_name(to))};
    propagate(c, as_rpoplpush ? 3 : 5, argv);
}

static void cmd_lmove(Client *c) {
    int from, to;
    if (parse_side(c, c->argv[3], &from) != 0 || parse_side(c, c->argv[4], &to) != 0) return;
    if (lmove_generic(c, from, to, 1) == 1) propagate_argv(c);
}

static void cmd_rpoplpush(Client *c) {
    if (lmove_generic(c, LIST_TAIL, LIST_HEAD, 1) == 1) propagate_argv(c);
}

/* ---- LMOVEM / BLMOVEM (Redis 8.10) ---------------------------------------- */

/* The arguments of LMOVEM src dst LEFT|RIGHT LEFT|RIGHT [COUNT n | EXACTLY n
 * OBO|BULK] (BLMOVEM: the timeout before the block). Without the block one
 * element moves. */
typedef struct MovemArgs {
    int from, to;
    long long count; /* how many at most (COUNT) or exactly (EXACTLY) */
    int is_exactly;  /* EXACTLY: fewer than count moves nothing */
    int is_bulk;     /* BULK: the block keeps its source order; OBO: pushed as popped */
} MovemArgs;

/* Parses the how-many block at argv[at..] (or its absence); 0, or -1 after
 * the error reply. */
static int parse_movem_block(Client *c, int at, MovemArgs *a) {
    a->count = 1;
    a->is_exactly = 0;
    a->is_bulk = 0;
    if (c->argc == at) return 0;
    if (c->argc != at + 3) {
        reply_syntax_error(c);
        return -1;
    }
    if (slice_eq_nocase(c->argv[at], "EXACTLY")) {
        a->is_exactly = 1;
    } else if (!slice_eq_nocase(c->argv[at], "COUNT")) {
        reply_syntax_error(c);
        return -1;
    }
    if (get_range(c, c->argv[at + 1], 1, LLONG_MAX, "count should be greater than 0", &a->count) !=
        0)
        return -1;
    if (slice_eq_nocase(c->argv[at + 2], "BULK")) {
        a->is_bulk = 1;
    } else if (!slice_eq_nocase(c->argv[at + 2], "OBO")) {
        reply_syntax_error(c);
        return -1;
    }
    return 0;
}

/* Moves n elements (sobj holds at least n) from a->from of src to a->to of
 * dst (dobj: its list, or NULL to create it; the same object when src is
 * dst) and replies them as they now sit in dst, left to right. OBO pushes
 * each as it is popped (a block moved to the same side comes out reversed);
 * BULK keeps the block's source order. Events as LMOVE's: the push on dst,
 * the pop on src, then src's deletion when it emptied. */
static void movem(Client *c, Slice src, Obj *sobj, Slice dst, Obj *dobj, const MovemArgs *a,
                  uint64_t n) {
    List *sl = L(sobj);
    int from = a->from, to = a->to;
    /* copy the elements out in pop order: views die with the deletion */
    size_t *lens = xmalloc(n * sizeof *lens), total = 0;
    ListIter it;
    ListElem e;
    list_iter_init(&it, sl, from == LIST_HEAD ? 0 : sl->count - 1, from == LIST_HEAD);
    for (uint64_t i = 0; i < n && list_iter_next(&it, &e); i++) total += (lens[i] = e.len);
    char *bytes = xmalloc(total ? total : 1), *w = bytes;
    list_iter_init(&it, sl, from == LIST_HEAD ? 0 : sl->count - 1, from == LIST_HEAD);
    for (uint64_t i = 0; i < n && list_iter_next(&it, &e); i++) {
        if (e.len) memcpy(w, e.p, e.len);
        w += e.len;
    }
    size_t *offs = xmalloc(n * sizeof *offs);
    for (uint64_t i = 0, off = 0; i < n; off += lens[i], i++) offs[i] = off;
    list_delete_range(sl, from == LIST_HEAD ? 0 : sl->count - n, n);

    /* push order, as indexes into the pop order: BULK pushes the block so
     * that it keeps its source order (reversed pops when from and to are
     * the same side would reverse it) */
    int reverse = a->is_bulk && from == to;
    sync_fill();
    int created = dobj == NULL;
    if (created) dobj = obj_new(OBJ_LIST, list_new());
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = reverse ? n - 1 - k : k;
        list_push(L(dobj), to, bytes + offs[i], lens[i]);
    }
    if (created) {
        db_add(c->db, dst, dobj);
    } else {
        db_resized(c->db, dobj, L(dobj)->count);
        db_signal_key(c->db, dst);
    }
    notify_keyspace_event(NOTIFY_LIST, to == LIST_HEAD ? "lpush" : "rpush", dst, db_index(c->db));
    /* in dst, left to right: the push order at the tail, reversed at the head */
    reply_array(c, n);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t pk = to == LIST_TAIL ? k : n - 1 - k;
        uint64_t i = reverse ? n - 1 - pk : pk;
        reply_bulk(c, bytes + offs[i], lens[i]);
    }
    xfree(offs);
    xfree(bytes);
    xfree(lens);
    notify_keyspace_event(NOTIFY_LIST, from == LIST_HEAD ? "lpop" : "rpop", src, db_index(c->db));
    list_changed(c, src, sobj);
}

/* LMOVEM's work once parsed: how many it moved (replied), 0 when the
 * source was missing or (EXACTLY) too short (nothing replied), -1 after
 * WRONGTYPE. As LMOVE, a missing source does not look at the destination. */
static long long lmovem_generic(Client *c, const MovemArgs *a) {
    Obj *sobj, *dobj;
    if (lookup_list(c, c->argv[1], 1, &sobj) != 0) return -1;
    if (!sobj) return 0;
    if (lookup_list(c, c->argv[2], 1, &dobj) != 0) return -1;
    uint64_t len = L(sobj)->count;
    if (a->is_exactly && (uint64_t)a->count > len) return 0;
    uint64_t n = (uint64_t)a->count < len ? (uint64_t)a->count : len;
    movem(c, c->argv[1], sobj, c->argv[2], dobj, a, n);
    return (long long)n;
}

static void cmd_lmovem(Client *c) {
    MovemArgs a;
    if (parse_side(c, c->argv[3], &a.from) != 0 || parse_side(c, c->argv[4], &a.to) != 0) return;
    if (parse_movem_block(c, 5, &a) != 0) return;
    long long n = lmovem_generic(c, &a);
    if (n == 0) reply_null_array(c);
    if (n > 0) propagate_argv(c);
}

/* ---- LMPOP and the blocking pops ---------------------------------------- */

/* The first non-empty list of keys[0..n): pops up to count (array reply
 * [key, [elements]] when as_mpop, else [key, element]). 1 when served, 0
 * when every key was missing, -1 after WRONGTYPE. */
static int pop_first(Client *c, const Slice *keys, int n, int where, long long count, int as_mpop) {
    for (int i = 0; i < n; i++) {
        Obj *o;
        if (lookup_list(c, keys[i], 1, &o) != 0) return -1;
        if (!o || L(o)->count == 0) continue;
        reply_array(c, 2);
        reply_bulk_slice(c, keys[i]);
        uint64_t got = pop_reply(c, keys[i], o, where, as_mpop ? (uint64_t)count : 1, as_mpop);
        propagate_pop(c, keys[i], where, got, as_mpop);
        return 1;
    }
    return 0;
}

/* The arguments of LMPOP (numkeys at argv[1]) and BLMPOP (at argv[2]). */
typedef struct MpopArgs {
    int first_key, n_keys, where;
    long long count;
} MpopArgs;

static int parse_mpop(Client *c, int numkeys_idx, MpopArgs *a) {
    long long numkeys;
    if (get_range(c, c->argv[numkeys_idx], 1, LLONG_MAX, "numkeys should be greater than 0",
                  &numkeys) != 0)
        return -1;
    if (numkeys >= c->argc - numkeys_idx - 1) {
        reply_syntax_error(c);
        return -1;
    }
    int where_idx = numkeys_idx + (int)numkeys + 1;
    if (parse_side(c, c->argv[where_idx], &a->where) != 0) return -1;
    a->count = -1;
    for (int j = where_idx + 1; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (a->count == -1 && slice_eq_nocase(c->argv[j], "COUNT") && more) {
            if (get_range(c, c->argv[++j], 1, LLONG_MAX, "count should be greater than 0",
                          &a->count) != 0)
                return -1;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (a->count == -1) a->count = 1;
    a->first_key = numkeys_idx + 1;
    a->n_keys = (int)numkeys;
    return 0;
}

static void cmd_lmpop(Client *c) {
    MpopArgs a;
    if (parse_mpop(c, 1, &a) != 0) return;
    if (pop_first(c, c->argv + a.first_key, a.n_keys, a.where, a.count, 1) == 0)
        reply_null_array(c);
}

/* A blocking command's timeout in seconds (decimals allowed), read as 7.0
 * reads it: a long double times 1000 truncated to a long long (a value
 * past its range comes out as the most negative one, so "inf" and "1e100"
 * are "negative"); 0 after truncation waits forever. */
static int parse_timeout_s(Client *c, Slice arg, int64_t *deadline_ms) {
    char buf[128];
    long double v;
    char *end;
    if (arg.len == 0 || arg.len >= sizeof buf) goto bad;
    memcpy(buf, arg.p, arg.len);
    buf[arg.len] = '\0';
    errno = 0;
    v = strtold(buf, &end);
    if (buf[0] == ' ' || (buf[0] >= '\t' && buf[0] <= '\r') || *end != '\0' || errno == EINVAL ||
        isnan(v) || (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)))
        goto bad;
    long double ms = v * 1000.0L;
    long long t;
    if (ms >= 9223372036854775808.0L || ms < -9223372036854775808.0L)
        t = LLONG_MIN;
    else
        t = (long long)ms;
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    int64_t now = now_ms();
    if (t > INT64_MAX - now) {
        reply_error(c, "ERR timeout is out of range");
        return -1;
    }
    *deadline_ms = t == 0 ? 0 : now + t;
    return 0;
bad:
    reply_error(c, "ERR timeout is not a float or out of range");
    return -1;
}

/* What a blocked pop waits to do. */
typedef struct BpopCtx {
    int kind; /* BPOP_*: the reply and record it makes */
    int from, to;
    long long count;
    int first_key, n_keys;
    MovemArgs movem; /* BPOP_MOVEM */
} BpopCtx;

enum { BPOP_POP, BPOP_MPOP, BPOP_MOVE, BPOP_RPOPLPUSH, BPOP_MOVEM };

/* A served BLMOVEM propagates as the LMOVEM that does what it did:
 * LMOVEM src dst <from> <to> EXACTLY <n> OBO|BULK, as Redis 8.10 does. */
static void propagate_blmovem(Client *c, const MovemArgs *a, long long n) {
    char num[24];
    Slice argv[8] = {slice_cstr("LMOVEM"),
                     c->argv[1],
                     c->argv[2],
                     c->argv[3],
                     c->argv[4],
                     slice_cstr("EXACTLY"),
                     slice_of(num, ll_to_str(n, num)),
                     slice_cstr(a->is_bulk ? "BULK" : "OBO")};
    propagate(c, 8, argv);
}

static int is_multi(const Client *c) {
    return (c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI)) != 0;
}

/* A key of a blocked pop was signalled: 7.0 serves the client only when the
 * key now holds a non-empty list. */
static int bpop_on_ready(Client *c, const Slice *key, void *ctx) {
    BpopCtx *b = ctx;
    if (!key) return 0;
    Obj *o = db_lookup_write(c->db, *key);
    if (!o || o->type != OBJ_LIST || L(o)->count == 0) return 0;
    if (b->kind == BPOP_MOVEM) {
        /* EXACTLY waits for the source to be long enough (any growth of
         * it signals the key), keeping its place in the queue meanwhile */
        if (b->movem.is_exactly && L(o)->count < (uint64_t)b->movem.count) return 0;
        long long n = lmovem_generic(c, &b->movem);
        if (n > 0) propagate_blmovem(c, &b->movem, n);
        return 1;
    }
    if (b->kind == BPOP_MOVE || b->kind == BPOP_RPOPLPUSH) {
        Obj *dobj = db_lookup_write(c->db, c->argv[2]);
        if (dobj && dobj->type != OBJ_LIST) {
            reply_wrongtype(c);
            return 1;
        }
        move_one(c, *key, o, c->argv[2], dobj, b->from, b->to);
        propagate_lmove(c, b->from, b->to, b->kind == BPOP_RPOPLPUSH);
        return 1;
    }
    int mpop = b->kind == BPOP_MPOP;
    reply_array(c, 2);
    reply_bulk_slice(c, *key);
    uint64_t got = pop_reply(c, *key, o, b->from, mpop ? (uint64_t)b->count : 1, mpop);
    propagate_pop(c, *key, b->from, got, mpop);
    return 1;
}

static void bpop_block(Client *c, const Slice *keys, int n_keys, int64_t deadline, BpopCtx *b) {
    BpopCtx *x = xmemdup(b, sizeof *b);
    block_on_keys(c, keys, n_keys, deadline, bpop_on_ready, NULL, x, xfree);
}

static void bpop_generic(Client *c, int where) {
    int64_t deadline;
    if (parse_timeout_s(c, c->argv[c->argc - 1], &deadline) != 0) return;
    int n = c->argc - 2;
    if (pop_first(c, c->argv + 1, n, where, 1, 0) != 0) return;
    if (is_multi(c)) {
        reply_null_array(c);
        return;
    }
    BpopCtx b = {BPOP_POP, where, 0, 1, 1, n, {0, 0, 0, 0, 0}};
    bpop_block(c, c->argv + 1, n, deadline, &b);
}

static void cmd_blpop(Client *c) {
    bpop_generic(c, LIST_HEAD);
}
static void cmd_brpop(Client *c) {
    bpop_generic(c, LIST_TAIL);
}

static void cmd_blmpop(Client *c) {
    MpopArgs a;
    if (parse_mpop(c, 2, &a) != 0) return;
    int64_t deadline;
    if (parse_timeout_s(c, c->argv[1], &deadline) != 0) return;
    if (pop_first(c, c->argv + a.first_key, a.n_keys, a.where, a.count, 1) != 0) return;
    if (is_multi(c)) {
        reply_null_array(c);
        return;
    }
    BpopCtx b = {BPOP_MPOP, a.where, 0, a.count, a.first_key, a.n_keys, {0, 0, 0, 0, 0}};
    bpop_block(c, c->argv + a.first_key, a.n_keys, deadline, &b);
}

static void blmove_generic(Client *c, int from, int to, int64_t deadline, int is_rpoplpush) {
    int rc = lmove_generic(c, from, to, 0);
    if (rc == 1) propagate_lmove(c, from, to, is_rpoplpush);
    if (rc != 0) return;
    if (is_multi(c) || (c->flags & CLIENT_SCRIPT)) {
        reply_null(c);
        return;
    }
    BpopCtx b = {is_rpoplpush ? BPOP_RPOPLPUSH : BPOP_MOVE, from, to, 1, 1, 1, {0, 0, 0, 0, 0}};
    bpop_block(c, c->argv + 1, 1, deadline, &b);
}

static void cmd_blmove(Client *c) {
    int from, to;
    if (parse_side(c, c->argv[3], &from) != 0 || parse_side(c, c->argv[4], &to) != 0) return;
    int64_t deadline;
    if (parse_timeout_s(c, c->argv[5], &deadline) != 0) return;
    blmove_generic(c, from, to, deadline, 0);
}

static void cmd_brpoplpush(Client *c) {
    int64_t deadline;
    if (parse_timeout_s(c, c->argv[3], &deadline) != 0) return;
    blmove_generic(c, LIST_TAIL, LIST_HEAD, deadline, 1);
}

/* BLMOVEM src dst LEFT|RIGHT LEFT|RIGHT timeout [COUNT n | EXACTLY n
 * OBO|BULK]: LMOVEM, or wait until the source exists (COUNT) or holds at
 * least n elements (EXACTLY). Inside MULTI or a script it does not wait. */
static void cmd_blmovem(Client *c) {
    MovemArgs a;
    if (parse_side(c, c->argv[3], &a.from) != 0 || parse_side(c, c->argv[4], &a.to) != 0) return;
    int64_t deadline;
    if (parse_timeout_s(c, c->argv[5], &deadline) != 0) return;
    if (parse_movem_block(c, 6, &a) != 0) return;
    long long n = lmovem_generic(c, &a);
    if (n > 0) propagate_blmovem(c, &a, n);
    if (n != 0) return;
    if (is_multi(c) || (c->flags & CLIENT_SCRIPT)) {
        reply_null_array(c);
        return;
    }
    BpopCtx b = {BPOP_MOVEM, a.from, a.to, a.count, 1, 1, a};
    bpop_block(c, c->argv + 1, 1, deadline, &b);
}

/* ---- the value type ------------------------------------------------------ */

static void list_obj_free(void *p) {
    list_free(p);
}

static size_t list_obj_mem(const void *p) {
    return list_mem_bytes(p);
}

static uint64_t list_obj_items(const void *p) {
    return ((const List *)p)->count;
}

static Obj *list_obj_dup(const void *p) {
    return obj_new(OBJ_LIST, list_dup(p));
}

/* Lazyfree's estimate: one allocation per node, as Redis counts a quicklist. */
static uint64_t list_obj_free_effort(const void *p) {
    return ((const List *)p)->n_nodes;
}

static const ObjTypeOps list_type_ops = {
    "list",         "quicklist",  list_obj_free, list_obj_mem,
    list_obj_items, list_obj_dup, NULL,          list_obj_free_effort,
};

/* ---- persistence ------------------------------------------------------------ */

/* RDB value types of lists. */
enum {
    RDB_LIST = 1,             /* length, then each element as a string */
    RDB_LIST_ZIPLIST = 10,    /* one ziplist (Redis before 3.2) */
    RDB_LIST_QUICKLIST = 14,  /* nodes, each a ziplist (3.2 .. 6.2) */
    RDB_LIST_QUICKLIST2 = 18, /* nodes, each a container kind and a listpack or one element */
};
#define QL_PLAIN  1
#define QL_PACKED 2

static const uint8_t list_rdb_types[] = {RDB_LIST, RDB_LIST_ZIPLIST, RDB_LIST_QUICKLIST,
                                         RDB_LIST_QUICKLIST2};

static int list_rdb_type(const Obj *o, int cap) {
    return RDB_LIST_QUICKLIST2;
}

/*
 * Type 18 as 7.0 writes it:
 *   len(number of nodes)
 *   per node: len(container: 2 packed) string(the node's listpack)
 */
static void list_rdb_write(const Obj *o, int type, int64_t now, Buf *out) {
    const List *l = L(o);
    rdb_write_len(out, l->n_nodes);
    for (uint32_t i = 0; i < l->n_nodes; i++) {
        size_t len;
        const uint8_t *lp = list_node(l, i, &len);
        rdb_write_len(out, QL_PACKED);
        rdb_write_string(out, lp, len);
    }
}

/* Appends every element of a ziplist (the pre-7.0 packed list, RDB types
 * 10 and 14) to l; RDB_ERR if malformed (zl_validate). */
static int ziplist_append(List *l, const uint8_t *z, size_t len) {
    uint32_t n;
    if (zl_validate(z, len, &n) != RDB_OK) return RDB_ERR;
    ZlReader r;
    LpElem e;
    zl_reader_init(&r, z, len);
    while (zl_next(&r, &e) == 1) {
        if (e.is_int) {
            char num[24];
            list_push(l, LIST_TAIL, num, ll_to_str(e.v, num));
        } else {
            list_push(l, LIST_TAIL, (const char *)e.s, e.len);
        }
    }
    return RDB_OK;
}

/* Appends a listpack's elements one by one (a node too big for a node's
 * count field, or from a kind of node this list does not adopt). */
static void listpack_append_each(List *l, const uint8_t *lp, size_t len) {
    LpReader r;
    LpElem e;
    lp_reader_init(&r, lp, len);
    while (lp_next(&r, &e) == 1) {
        if (e.is_int) {
            char num[24];
            list_push(l, LIST_TAIL, num, ll_to_str(e.v, num));
        } else {
            list_push(l, LIST_TAIL, (const char *)e.s, e.len);
        }
    }
}

static int list_rdb_read(RdbReader *r, int type, int64_t now, Obj **out) {
    sync_fill();
    List *l = list_new();
    uint64_t n;
    char *s = NULL;
    size_t slen;
    unsigned long long max = persist_string_max();
    if (type == RDB_LIST_ZIPLIST) {
        if (rdb_read_string(r, max, &s, &slen) != RDB_OK) goto err;
        if (ziplist_append(l, (const uint8_t *)s, slen) != RDB_OK) goto err;
        xfree(s);
        s = NULL;
    } else {
        if (rdb_read_len(r, &n) != RDB_OK) goto err;
        for (uint64_t i = 0; i < n; i++) {
            if (r->pos >= r->len) goto err; /* each item takes a byte at least */
            uint64_t container = QL_PACKED;
            if (type == RDB_LIST_QUICKLIST2 && (rdb_read_len(r, &container) != RDB_OK ||
                                                (container != QL_PLAIN && container != QL_PACKED)))
                goto err;
            if (rdb_read_string(r, max, &s, &slen) != RDB_OK) goto err;
            if (type == RDB_LIST || container == QL_PLAIN) {
                list_push(l, LIST_TAIL, s, slen);
            } else if (type == RDB_LIST_QUICKLIST) {
                if (ziplist_append(l, (const uint8_t *)s, slen) != RDB_OK) goto err;
            } else {
                uint32_t n_elems;
                if (lp_validate((const uint8_t *)s, slen, &n_elems) != RDB_OK) goto err;
                if (n_elems == 0) {
                    /* 7.0 skips an empty node */
                } else if (n_elems < 65535 && slen <= UINT32_MAX) {
                    list_append_node(l, (uint8_t *)s, n_elems);
                    s = NULL; /* adopted */
                } else {
                    listpack_append_each(l, (const uint8_t *)s, slen);
                }
            }
            xfree(s);
            s = NULL;
        }
    }
    if (l->count == 0) {
        list_free(l);
        return RDB_EMPTY; /* read whole: a file skips the key, RESTORE refuses it */
    }
    *out = obj_new(OBJ_LIST, l);
    return RDB_OK;
err:
    xfree(s);
    list_free(l);
    return RDB_ERR;
}

/* RPUSH key e1 .. e64, batch after batch, as Redis's AOF rewrite writes.
 * The elements are copied: a view into a compressed node ends when the
 * iterator reaches the next one. */
static void list_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now, void (*flush)(void *),
                             void *fp) {
    const List *l = L(o);
    enum { BATCH = 64 };
    Slice argv[2 + BATCH];
    size_t lens[BATCH];
    Buf vals;
    buf_init(&vals);
    ListIter it;
    ListElem e;
    list_iter_init(&it, l, 0, 1);
    uint64_t left = l->count;
    argv[0] = slice_cstr("RPUSH");
    argv[1] = key;
    while (left > 0) {
        int n = left > BATCH ? BATCH : (int)left;
        buf_clear(&vals);
        for (int i = 0; i < n; i++) {
            list_iter_next(&it, &e);
            buf_append(&vals, e.p, e.len);
            lens[i] = e.len;
        }
        size_t at = vals.off;
        for (int i = 0; i < n; i++) {
            argv[2 + i] = slice_of(vals.p + at, lens[i]);
            at += lens[i];
        }
        resp_append_command(out, 2 + n, argv);
        left -= (uint64_t)n;
        if (flush) flush(fp);
    }
    buf_free(&vals);
}

static const PersistTypeOps list_persist_ops = {
    .obj_type = OBJ_LIST,
    .rdb_type = list_rdb_type,
    .rdb_write = list_rdb_write,
    .rdb_read = list_rdb_read,
    .rdb_types = list_rdb_types,
    .n_rdb_types = sizeof list_rdb_types,
    .aof_rewrite = list_aof_rewrite,
};

/* ---- the command table ------------------------------------------------------ */

#define W  (CMD_WRITE | CMD_DENYOOM)
#define WF (CMD_WRITE | CMD_FAST)
#define R  (CMD_READONLY)

const Command list_commands[] = {
    {"lpush", cmd_lpush, -3, W | CMD_FAST, "@write @list @fast", 1, 1, 1, NULL},
    {"rpush", cmd_rpush, -3, W | CMD_FAST, "@write @list @fast", 1, 1, 1, NULL},
    {"lpushx", cmd_lpushx, -3, W | CMD_FAST, "@write @list @fast", 1, 1, 1, NULL},
    {"rpushx", cmd_rpushx, -3, W | CMD_FAST, "@write @list @fast", 1, 1, 1, NULL},
    {"lpop", cmd_lpop, -2, WF, "@write @list @fast", 1, 1, 1, NULL},
    {"rpop", cmd_rpop, -2, WF, "@write @list @fast", 1, 1, 1, NULL},
    {"llen", cmd_llen, 2, R | CMD_FAST, "@read @list @fast", 1, 1, 1, NULL},
    {"lrange", cmd_lrange, 4, R, "@read @list @slow", 1, 1, 1, NULL},
    {"lindex", cmd_lindex, 3, R, "@read @list @slow", 1, 1, 1, NULL},
    {"lpos", cmd_lpos, -3, R, "@read @list @slow", 1, 1, 1, NULL},
    {"lset", cmd_lset, 4, W, "@write @list @slow", 1, 1, 1, NULL},
    {"linsert", cmd_linsert, 5, W, "@write @list @slow", 1, 1, 1, NULL},
    {"lrem", cmd_lrem, 4, CMD_WRITE, "@write @list @slow", 1, 1, 1, NULL},
    {"ltrim", cmd_ltrim, 4, CMD_WRITE, "@write @list @slow", 1, 1, 1, NULL},
    {"lmove", cmd_lmove, 5, W, "@write @list @slow", 1, 2, 1, NULL},
    {"rpoplpush", cmd_rpoplpush, 3, W, "@write @list @slow", 1, 2, 1, NULL},
    {"lmpop", cmd_lmpop, -4, CMD_WRITE | CMD_MOVABLE_KEYS, "@write @list @slow", 0, 0, 0, NULL},
    {"blpop", cmd_blpop, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     "@write @list @slow @blocking", 1, -2, 1, NULL},
    {"brpop", cmd_brpop, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     "@write @list @slow @blocking", 1, -2, 1, NULL},
    {"blmove", cmd_blmove, 6, W | CMD_NOSCRIPT | CMD_BLOCKING, "@write @list @slow @blocking", 1, 2,
     1, NULL},
    {"brpoplpush", cmd_brpoplpush, 4, W | CMD_NOSCRIPT | CMD_BLOCKING,
     "@write @list @slow @blocking", 1, 2, 1, NULL},
    {"blmpop", cmd_blmpop, -5, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     "@write @list @slow @blocking", 0, 0, 0, NULL},
    {"lmovem", cmd_lmovem, -5, W, "@write @list @slow", 1, 2, 1, NULL},
    {"blmovem", cmd_blmovem, -6, W | CMD_BLOCKING, "@write @list @slow @blocking", 1, 2, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void list_cmd_init(void);
void list_cmd_init(void) {
    obj_register_type(OBJ_LIST, &list_type_ops);
    persist_register_type(&list_persist_ops);
}
