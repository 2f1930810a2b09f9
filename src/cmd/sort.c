/*
 * sort.c - SORT and SORT_RO over lists, sets and sorted sets, as Redis 7.0
 * runs them.
 *
 * The elements are copied out of the value first (one arena, NUL after each,
 * so a number is read with strtod() exactly as Redis reads its strings), then
 * given their weights -- the element itself, or what a BY pattern names (a
 * string key, or a hash field with "->") -- and sorted with a stable merge
 * sort under Redis's comparison: numbers, ties broken by the bytes; ALPHA by
 * strcmp() (Redis's strcoll() under the C locale), or by the bytes when the
 * result is stored. A BY pattern without '*' means "do not sort": the value's
 * own order (a set's is forced into ALPHA order when stored or inside a
 * script, so replicas and the AOF see the same list). GET patterns pick what
 * is returned per element ("#": the element). STORE writes the result as a
 * list, replacing the destination whatever it held, and deletes it when the
 * result is empty.
 *
 * Rejected: sorting slices into the value without copying (a BY lookup may
 * run arbitrary key lookups that expire keys, so the value must not be
 * borrowed across them).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cmd/list_obj.h"
#include "cmd/set_obj.h"
#include "cmd/zset_obj.h"
#include "server/acl.h"
#include "server/core.h"
#include "types/hashobj.h"

typedef struct SortElem {
    size_t off, len; /* the element, in the arena */
    double score;
    int has_cmp;             /* ALPHA with BY: a weight was found */
    size_t cmp_off, cmp_len; /* that weight, in the arena */
} SortElem;

typedef struct SortCtx {
    const char *arena;
    int desc, alpha, by_pattern, store;
} SortCtx;

/* ---- reading the value -------------------------------------------------- */

typedef struct Collect {
    Buf *arena;
    SortElem *v;
    size_t n, cap;
} Collect;

static void collect_one(void *priv, const char *p, size_t len) {
    Collect *x = priv;
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->v = xrealloc(x->v, x->cap * sizeof *x->v);
    }
    SortElem *e = &x->v[x->n++];
    memset(e, 0, sizeof *e);
    e->off = x->arena->len;
    e->len = len;
    buf_append(x->arena, p, len);
    buf_append_char(x->arena, '\0');
}

static int collect_member(void *priv, Slice member) {
    collect_one(priv, member.p, member.len);
    return 0;
}

/* The value's elements in its own order: a list's, a set's iteration order,
 * a sorted set's by score. */
static void sort_collect(Obj *o, Collect *x) {
    if (o->type == OBJ_LIST) {
        ListIter it;
        ListElem e;
        list_iter_init(&it, o->ptr, 0, 1);
        while (list_iter_next(&it, &e)) collect_one(x, e.p, e.len);
    } else if (o->type == OBJ_SET) {
        set_foreach(o, collect_member, x);
    } else {
        ZsetIter it;
        const char *m;
        size_t len;
        double score;
        zset_iter_init(&it, o->ptr, 0, 0);
        while (zset_iter_next(&it, &m, &len, &score)) collect_one(x, m, len);
        zset_iter_done(&it);
    }
}

/* A field past its TTL (not yet removed) is missing, as Redis reads it. */
static int sort_hash_field(Obj *o, Slice field, Slice *out) {
    if (!hashobj_get(o->ptr, field, out)) return 0;
    int64_t when = hashobj_has_ttls(o->ptr) ? hashobj_get_ttl(o->ptr, field) : -1;
    return when < 0 || when > now_ms();
}

static Obj *sort_new_list(const Slice *elems, size_t n) {
    List *l = list_new();
    for (size_t i = 0; i < n; i++) list_push(l, LIST_TAIL, elems[i].p, elems[i].len);
    return obj_new(OBJ_LIST, l);
}

/* ---- patterns ----------------------------------------------------------- */

/* What pattern names for element subst: 1 and *out (bytes valid until the
 * next key lookup) when found, 0 for nil. "#" is the element itself; a
 * pattern without '*' names nothing; "...->field" after the '*' reads a hash
 * field; otherwise the string value of the key. */
static int lookup_pattern(Db *db, Slice pat, Slice subst, Buf *scratch, Slice *out) {
    if (pat.len == 1 && pat.p[0] == '#') {
        *out = subst;
        return 1;
    }
    const char *star = memchr(pat.p, '*', pat.len);
    if (!star) return 0;
    size_t prefix = (size_t)(star - pat.p);
    Slice field = {NULL, 0};
    size_t key_tail_end = pat.len;
    for (const char *f = star + 1; f + 1 < pat.p + pat.len; f++) {
        if (f[0] == '-' && f[1] == '>') {
            if (f + 2 < pat.p + pat.len) {
                field = slice_of(f + 2, (size_t)(pat.p + pat.len - (f + 2)));
                key_tail_end = (size_t)(f - pat.p);
            }
            break;
        }
    }
    buf_clear(scratch);
    buf_append(scratch, pat.p, prefix);
    buf_append(scratch, subst.p, subst.len);
    buf_append(scratch, star + 1, key_tail_end - prefix - 1);
    Slice key = slice_of(scratch->p ? scratch->p : "", scratch->len);
    Obj *o = db_lookup_read(db, key);
    if (!o) return 0;
    if (field.p) {
        if (o->type != OBJ_HASH) return 0;
        return sort_hash_field(o, field, out);
    }
    if (o->type != OBJ_STRING) return 0;
    *out = slice_of(o->ptr, o->len);
    return 1;
}

/* ---- comparing and sorting ---------------------------------------------- */

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl) {
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return al < bl ? -1 : al > bl;
}

static int elem_cmp(const SortCtx *x, const SortElem *a, const SortElem *b) {
    const char *ar = x->arena;
    int c;
    if (!x->alpha) {
        if (a->score > b->score)
            c = 1;
        else if (a->score < b->score)
            c = -1;
        else
            c = bytes_cmp(ar + a->off, a->len, ar + b->off, b->len);
    } else if (x->by_pattern) {
        if (!a->has_cmp || !b->has_cmp)
            c = a->has_cmp == b->has_cmp ? 0 : (a->has_cmp ? 1 : -1);
        else if (x->store)
            c = bytes_cmp(ar + a->cmp_off, a->cmp_len, ar + b->cmp_off, b->cmp_len);
        else
            c = strcmp(ar + a->cmp_off, ar + b->cmp_off);
    } else if (x->store) {
        c = bytes_cmp(ar + a->off, a->len, ar + b->off, b->len);
    } else {
        c = strcmp(ar + a->off, ar + b->off);
    }
    return x->desc ? -c : c;
}

/* A stable merge sort (glibc's qsort() merges too, so ties keep the order
 * they came in, as in Redis on glibc). */
static void merge_sort(const SortCtx *x, SortElem *v, SortElem *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(x, v, tmp, h);
    merge_sort(x, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = elem_cmp(x, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* ---- the command ---------------------------------------------------------- */

static int all_keys(Client *c) {
    return acl_has_unrestricted_keys(CF(c)->user, c->cmd, c->argc, c->argv);
}

static void sort_generic(Client *c, int readonly) {
    int desc = 0, alpha = 0, dontsort = 0;
    long long limit_start = 0, limit_count = -1;
    Slice *by = NULL, *store = NULL;
    int n_get = 0;
    Slice *gets = xmalloc((size_t)c->argc * sizeof *gets);
    int full_keys = -1; /* unknown until a pattern needs it */
    for (int j = 2; j < c->argc; j++) {
        Slice a = c->argv[j];
        int left = c->argc - j - 1;
        if (slice_eq_nocase(a, "ASC")) {
            desc = 0;
        } else if (slice_eq_nocase(a, "DESC")) {
            desc = 1;
        } else if (slice_eq_nocase(a, "ALPHA")) {
            alpha = 1;
        } else if (slice_eq_nocase(a, "LIMIT") && left >= 2) {
            if (get_ll_or_reply(c, c->argv[j + 1], &limit_start) != 0 ||
                get_ll_or_reply(c, c->argv[j + 2], &limit_count) != 0)
                goto out;
            j += 2;
        } else if (!readonly && slice_eq_nocase(a, "STORE") && left >= 1) {
            store = &c->argv[++j];
        } else if (slice_eq_nocase(a, "BY") && left >= 1) {
            by = &c->argv[++j];
            if (!memchr(by->p, '*', by->len)) {
                dontsort = 1;
            } else {
                if (full_keys < 0) full_keys = all_keys(c);
                if (!full_keys) {
                    reply_error(c, "ERR BY option of SORT denied due to insufficient ACL "
                                   "permissions.");
                    goto out;
                }
            }
        } else if (slice_eq_nocase(a, "GET") && left >= 1) {
            if (full_keys < 0) full_keys = all_keys(c);
            if (!full_keys) {
                reply_error(c, "ERR GET option of SORT denied due to insufficient ACL "
                               "permissions.");
                goto out;
            }
            gets[n_get++] = c->argv[++j];
        } else {
            reply_syntax_error(c);
            goto out;
        }
    }
    Obj *o = db_lookup_read(c->db, c->argv[1]);
    if (o && o->type != OBJ_LIST && o->type != OBJ_SET && o->type != OBJ_ZSET) {
        reply_wrongtype(c);
        goto out;
    }
    int in_script = (c->flags & CLIENT_SCRIPT) != 0;
    /* Redis turns a packed sorted set into its indexed form for SORT (OBJECT
     * ENCODING says "skiplist" afterwards) */
    if (o && o->type == OBJ_ZSET && zset_is_packed(o->ptr)) zset_to_indexed(o->ptr);
    if (dontsort && o && o->type == OBJ_SET && (store || in_script)) {
        /* a set's own order is the server's: sorted, replicas agree */
        dontsort = 0;
        alpha = 1;
        by = NULL;
    }
    Buf arena, scratch;
    buf_init(&arena);
    buf_init(&scratch);
    Collect col = {&arena, NULL, 0, 0};
    if (o) sort_collect(o, &col);
    /* the sorted set: its order is the one kept; a list's, as stored */
    long long n = (long long)col.n;
    long long start = limit_start < 0 ? 0 : (limit_start > n ? n : limit_start);
    long long count = limit_count < -1 ? -1 : (limit_count > n ? n : limit_count);
    long long end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n) end = n - 1;
    int conversion_error = 0;
    SortCtx x = {NULL, desc, alpha, by != NULL, store != NULL};
    if (dontsort) {
        /* lists and sorted sets in their order, reversed by DESC; a set in its
         * iteration order, DESC ignored (as Redis) */
        if (desc && o && o->type != OBJ_SET)
            for (size_t i = 0, k = col.n ? col.n - 1 : 0; i < k; i++, k--) {
                SortElem t = col.v[i];
                col.v[i] = col.v[k];
                col.v[k] = t;
            }
    } else {
        for (size_t i = 0; i < col.n; i++) {
            SortElem *e = &col.v[i];
            Slice w = slice_of(arena.p + e->off, e->len);
            if (by) {
                if (!lookup_pattern(c->db, *by, w, &scratch, &w)) continue;
            }
            if (alpha) {
                if (by) {
                    e->has_cmp = 1;
                    e->cmp_off = arena.len;
                    e->cmp_len = w.len;
                    /* w may point into the arena: copy through scratch */
                    buf_clear(&scratch);
                    buf_append(&scratch, w.p, w.len);
                    buf_append(&arena, scratch.p ? scratch.p : "", w.len);
                    buf_append_char(&arena, '\0');
                }
            } else {
                /* strtod() over the bytes up to the first NUL, as Redis reads
                 * its strings: trailing bytes after a NUL are not seen */
                buf_clear(&scratch);
                buf_append(&scratch, w.p, w.len);
                buf_append_char(&scratch, '\0');
                char *end_p;
                errno = 0;
                e->score = strtod(scratch.p, &end_p);
                if (*end_p != '\0' || errno == ERANGE || isnan(e->score)) conversion_error = 1;
            }
        }
        x.arena = arena.p;
        SortElem *tmp = xmalloc((col.n ? col.n : 1) * sizeof *tmp);
        merge_sort(&x, col.v, tmp, col.n);
        xfree(tmp);
    }
    long long out_len = end - start + 1;
    if (n_get) out_len *= n_get;
    if (conversion_error) {
        reply_error(c, "ERR One or more scores can't be converted into double");
    } else if (!store) {
        reply_array(c, (size_t)out_len);
        for (long long i = start; i <= end; i++) {
            Slice elem = slice_of(arena.p + col.v[i].off, col.v[i].len);
            if (!n_get) reply_bulk(c, elem.p, elem.len);
            for (int g = 0; g < n_get; g++) {
                Slice v;
                if (lookup_pattern(c->db, gets[g], elem, &scratch, &v))
                    reply_bulk(c, v.p, v.len);
                else
                    reply_null(c);
            }
        }
    } else {
        /* the list's elements, in the arena after the sorted ones */
        size_t n_out = out_len > 0 ? (size_t)out_len : 0;
        size_t *offs = xmalloc((n_out ? n_out : 1) * sizeof *offs);
        size_t *lens = xmalloc((n_out ? n_out : 1) * sizeof *lens);
        size_t k = 0;
        for (long long i = start; i <= end; i++) {
            if (!n_get) {
                offs[k] = col.v[i].off;
                lens[k++] = col.v[i].len;
            }
            for (int g = 0; g < n_get; g++) {
                /* the arena grows below: the element is found anew each time */
                Slice elem = slice_of(arena.p + col.v[i].off, col.v[i].len);
                Slice v;
                int found = lookup_pattern(c->db, gets[g], elem, &scratch, &v);
                buf_clear(&scratch);
                if (found) buf_append(&scratch, v.p, v.len);
                offs[k] = arena.len;
                lens[k++] = found ? v.len : 0;
                buf_append(&arena, scratch.p ? scratch.p : "", found ? v.len : 0);
            }
        }
        Slice *elems = xmalloc((n_out ? n_out : 1) * sizeof *elems);
        for (size_t i = 0; i < n_out; i++) elems[i] = slice_of(arena.p + offs[i], lens[i]);
        int dbid = db_index(c->db);
        if (n_out) {
            db_set(c->db, *store, sort_new_list(elems, n_out), 0);
            notify_keyspace_event(NOTIFY_LIST, "sortstore", *store, dbid);
            propagate_argv(c);
        } else if (db_delete(c->db, *store)) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", *store, dbid);
            propagate_argv(c);
        }
        xfree(elems);
        xfree(offs);
        xfree(lens);
        reply_int(c, out_len);
    }
    xfree(col.v);
    buf_free(&arena);
    buf_free(&scratch);
out:
    xfree(gets);
}

static void cmd_sort(Client *c) {
    sort_generic(c, 0);
}

static void cmd_sort_ro(Client *c) {
    sort_generic(c, 1);
}

const Command sort_commands[] = {
    {"sort", cmd_sort, -2, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     "@write @set @sortedset @list @slow @dangerous", 1, 1, 1, NULL},
    {"sort_ro", cmd_sort_ro, -2, CMD_READONLY | CMD_MOVABLE_KEYS,
     "@read @set @sortedset @list @slow @dangerous", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
