/*
 * zset.c - Sorted sets: Redis 7.0's commands over the value of zset_obj.c,
 * and the value type's registration with the keyspace (obj_register_type);
 * its persistence is in zset_persist.c.
 *
 * Every range command is reduced to ranks: a score or lexicographic range
 * becomes [first rank, end rank) through two searches, which then feed one
 * emitter (reply or store) and one deleter. Redis's edge cases fall out of
 * that: an inverted range or an exclusive empty one has end <= first.
 *
 * Representation follows 7.0: a new set is packed (OBJECT ENCODING
 * "listpack") and becomes indexed ("skiplist") when a member longer than
 * zset-max-listpack-value or one member past zset-max-listpack-entries is
 * added; it never goes back, except that a stored result (ZUNIONSTORE,
 * ZRANGESTORE, ...) and a loaded value are packed when they fit.
 *
 * Propagation is what 7.0 sends: writes as they were sent (they replay to
 * the same state), ZMPOP and the blocking pops as ZPOPMIN/ZPOPMAX with the
 * key they popped from (and the count when one was given).
 *
 * Sets are inputs of ZUNION / ZINTER / ZDIFF (and their STORE forms) and
 * ZINTERCARD as 7.0 takes them: every member with score 1 (copied into a
 * temporary sorted set). ZUNION / ZINTER (+STORE) also take Redis 8.8's
 * AGGREGATE COUNT, propagated as sent, as Redis 8.8 does.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/set_obj.h"
#include "cmd/zset_int.h"
#include "server/core.h"

/* ---- the value type --------------------------------------------------------- */

static void zobj_free(void *ptr) {
    zset_free(ptr);
}

static size_t zobj_mem(const void *ptr) {
    return zset_mem_usage(ptr);
}

static uint64_t zobj_items(const void *ptr) {
    return zset_len(ptr);
}

static Obj *zobj_dup(const void *ptr) {
    return obj_new(OBJ_ZSET, zset_dup(ptr));
}

static const char *zobj_encoding(const void *ptr) {
    return zset_is_packed(ptr) ? "listpack" : "skiplist";
}

/* Lazyfree's estimate: a skiplist frees each member; a listpack is one block. */
static uint64_t zobj_free_effort(const void *ptr) {
    return zset_is_packed(ptr) ? 1 : zset_len(ptr);
}

static const ObjTypeOps zset_type = {"zset",     NULL,     zobj_free,     zobj_mem,
                                     zobj_items, zobj_dup, zobj_encoding, zobj_free_effort};

Obj *zset__obj(Zset *z) {
    return obj_new(OBJ_ZSET, z);
}

int zset__fits_packed(size_t n, size_t max_len) {
    return (long long)n <= settings.zset_max_listpack_entries &&
           (long long)max_len <= settings.zset_max_listpack_value;
}

size_t zset__fmt_score(double d, char *buf) {
    if (isinf(d)) {
        strcpy(buf, d > 0 ? "inf" : "-inf");
        return strlen(buf);
    }
    return (size_t)snprintf(buf, 32, "%.17g", d);
}

/* ---- helpers ---------------------------------------------------------------- */

/* Looks key up; -1 after replying WRONGTYPE, else 0 with *out (NULL when
 * missing), a view valid until the key changes. */
static int lookup(Client *c, Slice key, int is_write, Zset **out, Obj **obj) {
    Obj *o = is_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_ZSET) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o ? o->ptr : NULL;
    if (obj) *obj = o;
    return 0;
}

/* A NUL-terminated copy of s in buf (or an allocation when it is long:
 * *heap to free). */
static char *cstr(Slice s, char *buf, size_t cap, char **heap) {
    *heap = NULL;
    char *p = buf;
    if (s.len + 1 > cap) p = *heap = xmalloc(s.len + 1);
    if (s.len) memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    return p;
}

/* Redis's string2d: the whole text is a number (strtod's forms: inf,
 * hexadecimal, exponents), no leading space, not NaN, no overflow. */
int zset__parse_double(Slice s, double *out) {
    char buf[128], *heap;
    if (s.len == 0) return -1;
    char *p = cstr(s, buf, sizeof buf, &heap), *end;
    int ok = 0;
    if (!isspace((unsigned char)p[0])) {
        errno = 0;
        double v = strtod(p, &end);
        ok = (size_t)(end - p) == s.len &&
             !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) && !isnan(v);
        *out = v;
    }
    xfree(heap);
    return ok ? 0 : -1;
}

static int get_score_or_reply(Client *c, Slice s, double *out) {
    if (zset__parse_double(s, out) == 0) return 0;
    reply_error(c, "ERR value is not a valid float");
    return -1;
}

/* Makes z indexed before a member of len bytes is added when the packed
 * form would go past its limits. */
static void before_add(Zset *z, size_t len) {
    if (zset_is_packed(z) && ((long long)zset_len(z) + 1 > settings.zset_max_listpack_entries ||
                              (long long)len > settings.zset_max_listpack_value))
        zset_to_indexed(z);
}

/* Adds member to z (a result being built), keeping 7.0's representation. */
static void add_member(Zset *z, const char *m, size_t len, double score) {
    double old;
    if (!zset_score(z, m, len, &old)) before_add(z, len);
    zset_set(z, m, len, score);
}

/* After elements were removed from key's set z (stored as o): signals and
 * notifies event, deletes the key when empty ("del"). */
static void after_removal(Client *c, Slice key, Obj *o, Zset *z, const char *event) {
    int dbid = db_index(c->db);
    notify_keyspace_event(NOTIFY_ZSET, event, key, dbid);
    if (zset_len(z) == 0) {
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    } else {
        db_resized(c->db, o, zset_len(z));
        db_signal_key(c->db, key);
    }
}

/* Replies count elements from rank start (going down when reverse): members,
 * with their scores when withscores (RESP3: [member, score] pairs). */
static void reply_elements(Client *c, const Zset *z, size_t start, size_t count, int reverse,
                           int withscores) {
    int pairs = withscores && c->resp >= 3;
    reply_array(c, withscores && !pairs ? count * 2 : count);
    ZsetIter it;
    zset_iter_init(&it, z, start, reverse);
    const char *m;
    size_t len;
    double s;
    for (size_t i = 0; i < count && zset_iter_next(&it, &m, &len, &s); i++) {
        if (pairs) reply_array(c, 2);
        reply_bulk(c, m, len);
        if (withscores) reply_double(c, s);
    }
    zset_iter_done(&it);
}

/* Stores result (owned, may be empty) under dst as 7.0's STORE commands do:
 * packed when it fits, the count replied, event notified; an empty result
 * deletes dst ("del"). Propagates the command when it changed anything. */
static void store_result(Client *c, Slice dst, Zset *result, const char *event) {
    int dbid = db_index(c->db);
    size_t n = zset_len(result);
    if (n == 0) {
        zset_free(result);
        reply_int(c, 0);
        if (db_delete(c->db, dst)) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", dst, dbid);
            propagate_argv(c);
        }
        return;
    }
    if (zset__fits_packed(n, zset_max_member_len(result))) zset_to_packed(result);
    db_set(c->db, dst, zset__obj(result), 0);
    reply_int(c, (long long)n);
    notify_keyspace_event(NOTIFY_ZSET, event, dst, dbid);
    propagate_argv(c);
}

/* ---- ZADD / ZINCRBY ----------------------------------------------------------- */

enum {
    ZA_NX = 1 << 0,
    ZA_XX = 1 << 1,
    ZA_GT = 1 << 2,
    ZA_LT = 1 << 3,
    ZA_CH = 1 << 4,
    ZA_INCR = 1 << 5,
};

/* The outcome of one element of ZADD. */
enum { ZA_NOP = 1, ZA_ADDED = 2, ZA_UPDATED = 4, ZA_NAN = 8 };

static int zadd_one(Zset *z, int flags, double score, Slice m, double *newscore) {
    double cur;
    if (zset_score(z, m.p, m.len, &cur)) {
        if (flags & ZA_NX) return ZA_NOP;
        if (flags & ZA_INCR) {
            score += cur;
            if (isnan(score)) return ZA_NAN;
        }
        if (((flags & ZA_LT) && score >= cur) || ((flags & ZA_GT) && score <= cur)) return ZA_NOP;
        *newscore = score;
        if (score == cur) return 0;
        zset_set(z, m.p, m.len, score);
        return ZA_UPDATED;
    }
    if (flags & ZA_XX) return ZA_NOP;
    before_add(z, m.len);
    zset_set(z, m.p, m.len, score);
    *newscore = score;
    return ZA_ADDED;
}

static void zadd_generic(Client *c, int flags) {
    Slice key = c->argv[1];
    int first = 2;
    for (; first < c->argc; first++) {
        Slice a = c->argv[first];
        if (slice_eq_nocase(a, "nx"))
            flags |= ZA_NX;
        else if (slice_eq_nocase(a, "xx"))
            flags |= ZA_XX;
        else if (slice_eq_nocase(a, "ch"))
            flags |= ZA_CH;
        else if (slice_eq_nocase(a, "incr"))
            flags |= ZA_INCR;
        else if (slice_eq_nocase(a, "gt"))
            flags |= ZA_GT;
        else if (slice_eq_nocase(a, "lt"))
            flags |= ZA_LT;
        else
            break;
    }
    int n_args = c->argc - first;
    if (n_args % 2 || n_args == 0) {
        reply_syntax_error(c);
        return;
    }
    size_t n = (size_t)n_args / 2;
    if ((flags & ZA_NX) && (flags & ZA_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & ZA_GT) && (flags & ZA_NX)) || ((flags & ZA_LT) && (flags & ZA_NX)) ||
        ((flags & ZA_GT) && (flags & ZA_LT))) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & ZA_INCR) && n > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double *scores = xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        if (get_score_or_reply(c, c->argv[first + 2 * i], &scores[i]) != 0) goto done;
    Zset *z;
    Obj *o;
    if (lookup(c, key, 1, &z, &o) != 0) goto done;
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (!z) {
        if (flags & ZA_XX) goto reply;
        z = zset_new();
        o = zset__obj(z);
        db_add(c->db, key, o);
    }
    for (size_t i = 0; i < n; i++) {
        double newscore = scores[i];
        int r = zadd_one(z, flags, scores[i], c->argv[first + 2 * i + 1], &newscore);
        if (r & ZA_NAN) {
            reply_error(c, "ERR resulting score is not a number (NaN)");
            goto changed;
        }
        if (r & ZA_ADDED) added++;
        if (r & ZA_UPDATED) updated++;
        if (!(r & ZA_NOP)) processed++;
        score = newscore;
    }
reply:
    if (flags & ZA_INCR) {
        if (processed)
            reply_double(c, score);
        else
            reply_null(c);
    } else {
        reply_int(c, (flags & ZA_CH) ? added + updated : added);
    }
changed:
    if (z && zset_len(z) == 0) {
        /* only a new key whose elements all failed: 7.0 never keeps it */
        db_delete(c->db, key);
    } else if (added || updated) {
        db_resized(c->db, o, zset_len(z));
        db_signal_key(c->db, key);
        notify_keyspace_event(NOTIFY_ZSET, (flags & ZA_INCR) ? "zincr" : "zadd", key,
                              db_index(c->db));
        propagate_argv(c);
    }
done:
    xfree(scores);
}

static void cmd_zadd(Client *c) {
    zadd_generic(c, 0);
}

void zset__zadd_command(Client *c) {
    zadd_generic(c, 0);
}

static void cmd_zincrby(Client *c) {
    zadd_generic(c, ZA_INCR);
}

/* ---- simple reads and ZREM ---------------------------------------------------- */

static void cmd_zcard(Client *c) {
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    reply_int(c, z ? (long long)zset_len(z) : 0);
}

static void cmd_zscore(Client *c) {
    Zset *z;
    double s;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    if (z && zset_score(z, c->argv[2].p, c->argv[2].len, &s))
        reply_double(c, s);
    else
        reply_null(c);
}

static void cmd_zmscore(Client *c) {
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (z && zset_score(z, c->argv[i].p, c->argv[i].len, &s))
            reply_double(c, s);
        else
            reply_null(c);
    }
}

/* ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE: Redis 7.2, [rank,
 * score] or a null array). */
static void rank_generic(Client *c, int reverse) {
    int withscore = 0;
    if (c->argc > 4) {
        reply_arity_error(c);
        return;
    }
    if (c->argc == 4) {
        if (!slice_eq_nocase(c->argv[3], "withscore")) {
            reply_syntax_error(c);
            return;
        }
        withscore = 1;
    }
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    long long r = z ? zset_rank(z, c->argv[2].p, c->argv[2].len) : -1;
    if (r < 0) {
        if (withscore)
            reply_null_array(c);
        else
            reply_null(c);
        return;
    }
    if (withscore) reply_array(c, 2);
    reply_int(c, reverse ? (long long)zset_len(z) - 1 - r : r);
    if (withscore) {
        double s = 0;
        zset_score(z, c->argv[2].p, c->argv[2].len, &s);
        reply_double(c, s);
    }
}

static void cmd_zrank(Client *c) {
    rank_generic(c, 0);
}

static void cmd_zrevrank(Client *c) {
    rank_generic(c, 1);
}

static void cmd_zrem(Client *c) {
    Slice key = c->argv[1];
    Zset *z;
    Obj *o;
    if (lookup(c, key, 1, &z, &o) != 0) return;
    long long deleted = 0;
    for (int i = 2; z && i < c->argc; i++) {
        deleted += zset_del(z, c->argv[i].p, c->argv[i].len);
        if (zset_len(z) == 0) break;
    }
    reply_int(c, deleted);
    if (!deleted) return;
    after_removal(c, key, o, z, "zrem");
    propagate_argv(c);
}

/* ---- ranges ------------------------------------------------------------------- */

typedef enum { RT_AUTO, RT_RANK, RT_SCORE, RT_LEX } RangeType;

typedef struct ScoreRange {
    double min, max;
    int minex, maxex;
} ScoreRange;

typedef struct LexBound {
    int kind; /* -1: "-", 1: "+", 0: a member */
    int ex;
    Slice m;
} LexBound;

/* zslParseRange: "(" makes a bound exclusive; the rest is whatever strtod
 * reads up to the terminating NUL (so "" is 0), NaN refused. */
static int parse_score_bound(Slice s, double *v, int *ex) {
    char buf[128], *heap, *end;
    char *p = cstr(s, buf, sizeof buf, &heap), *q = p;
    *ex = 0;
    if (q[0] == '(') {
        *ex = 1;
        q++;
    }
    *v = strtod(q, &end);
    int ok = *end == '\0' && !isnan(*v);
    xfree(heap);
    return ok ? 0 : -1;
}

static int parse_score_range(Slice min, Slice max, ScoreRange *r) {
    if (parse_score_bound(min, &r->min, &r->minex) != 0) return -1;
    if (parse_score_bound(max, &r->max, &r->maxex) != 0) return -1;
    return 0;
}

static int parse_lex_bound(Slice s, LexBound *b) {
    if (s.len == 0) return -1;
    switch (s.p[0]) {
    case '+':
    case '-':
        if (s.len > 1 && s.p[1] != '\0') return -1;
        b->kind = s.p[0] == '+' ? 1 : -1;
        b->ex = 1;
        return 0;
    case '(':
    case '[':
        b->kind = 0;
        b->ex = s.p[0] == '(';
        b->m = slice_of(s.p + 1, s.len - 1);
        return 0;
    default:
        return -1;
    }
}

static int parse_lex_range(Slice min, Slice max, LexBound *lo, LexBound *hi) {
    if (parse_lex_bound(min, lo) != 0 || parse_lex_bound(max, hi) != 0) return -1;
    return 0;
}

/* The ranks [*from, *to) a score range covers. */
static void score_ranks(const Zset *z, const ScoreRange *r, size_t *from, size_t *to) {
    *from = zset_rank_by_score(z, r->min, r->minex);
    *to = zset_rank_by_score(z, r->max, !r->maxex);
    if (*to < *from) *to = *from;
}

static size_t lex_rank(const Zset *z, const LexBound *b, int is_max) {
    if (b->kind) return b->kind > 0 ? zset_len(z) : 0;
    /* a min counts what sorts before it; a max what sorts at or before it */
    int or_equal = is_max ? !b->ex : b->ex;
    return zset_rank_by_lex(z, b->m.p, b->m.len, or_equal);
}

static void lex_ranks(const Zset *z, const LexBound *lo, const LexBound *hi, size_t *from,
                      size_t *to) {
    *from = lex_rank(z, lo, 0);
    *to = lex_rank(z, hi, 1);
    if (*to < *from) *to = *from;
}

/* A rank range (ZRANGE start stop, negative from the end) over n elements
 * as its first rank and count; 0 when empty. */
static int index_ranks(long long n, long long start, long long end, size_t *from, size_t *count) {
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) return 0;
    if (end >= n) end = n - 1;
    *from = (size_t)start;
    *count = (size_t)(end - start + 1);
    return 1;
}

/* The walk a score or lex range with LIMIT means: the in-range ranks
 * [from, to), offset skipped from the walking end, at most limit (< 0: all). */
static void limit_walk(size_t from, size_t to, int reverse, long long offset, long long limit,
                       size_t *start, size_t *count) {
    size_t n = to - from;
    if (offset < 0 || (size_t)offset >= n) {
        *count = 0;
        *start = 0;
        return;
    }
    n -= (size_t)offset;
    if (limit >= 0 && (size_t)limit < n) n = (size_t)limit;
    *count = n;
    *start = reverse ? to - 1 - (size_t)offset : from + (size_t)offset;
}

/* Z[REV]RANGE[BYSCORE|BYLEX] and ZRANGESTORE, as 7.0's one handler: the key
 * at argv[first], its min and max after it, then options. dst non-NULL:
 * ZRANGESTORE into *dst. dir: -1 chosen by REV, else 0 forward / 1 reverse. */
static void zrange_generic(Client *c, int first, const Slice *dst, RangeType rt, int dir) {
    Slice key = c->argv[first];
    int min_i = first + 1, max_i = first + 2, withscores = 0;
    long long offset = 0, limit = -1;
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        Slice a = c->argv[j];
        if (!dst && slice_eq_nocase(a, "withscores")) {
            withscores = 1;
        } else if (slice_eq_nocase(a, "limit") && left >= 2) {
            if (get_ll_or_reply(c, c->argv[j + 1], &offset) != 0 ||
                get_ll_or_reply(c, c->argv[j + 2], &limit) != 0)
                return;
            j += 2;
        } else if (dir < 0 && slice_eq_nocase(a, "rev")) {
            dir = 1;
        } else if (rt == RT_AUTO && slice_eq_nocase(a, "bylex")) {
            rt = RT_LEX;
        } else if (rt == RT_AUTO && slice_eq_nocase(a, "byscore")) {
            rt = RT_SCORE;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (dir < 0) dir = 0;
    if (rt == RT_AUTO) rt = RT_RANK;
    if (limit != -1 && rt == RT_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either "
                       "BYSCORE or BYLEX");
        return;
    }
    if (withscores && rt == RT_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    if (dir == 1 && rt != RT_RANK) {
        int t = min_i;
        min_i = max_i;
        max_i = t;
    }
    long long istart = 0, iend = 0;
    ScoreRange sr;
    LexBound lo, hi;
    if (rt == RT_RANK) {
        if (get_ll_or_reply(c, c->argv[min_i], &istart) != 0 ||
            get_ll_or_reply(c, c->argv[max_i], &iend) != 0)
            return;
    } else if (rt == RT_SCORE) {
        if (parse_score_range(c->argv[min_i], c->argv[max_i], &sr) != 0) {
            reply_error(c, "ERR min or max is not a float");
            return;
        }
    } else if (parse_lex_range(c->argv[min_i], c->argv[max_i], &lo, &hi) != 0) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    Zset *z;
    if (lookup(c, key, 0, &z, NULL) != 0) return;
    size_t start = 0, count = 0;
    if (z) {
        if (rt == RT_RANK) {
            size_t from;
            if (index_ranks((long long)zset_len(z), istart, iend, &from, &count))
                start = dir ? zset_len(z) - 1 - from : from;
        } else {
            size_t from, to;
            if (rt == RT_SCORE)
                score_ranks(z, &sr, &from, &to);
            else
                lex_ranks(z, &lo, &hi, &from, &to);
            limit_walk(from, to, dir, offset, limit, &start, &count);
        }
    }
    if (!dst) {
        if (!z)
            reply_empty_array(c);
        else
            reply_elements(c, z, start, count, dir, withscores);
        return;
    }
    Zset *result = zset_new();
    if (count) {
        if (count > (size_t)settings.zset_max_listpack_entries) zset_to_indexed(result);
        ZsetIter it;
        zset_iter_init(&it, z, start, dir);
        const char *m;
        size_t len;
        double s;
        for (size_t i = 0; i < count && zset_iter_next(&it, &m, &len, &s); i++)
            add_member(result, m, len, s);
        zset_iter_done(&it);
    }
    store_result(c, *dst, result, "zrangestore");
}

static void cmd_zrange(Client *c) {
    zrange_generic(c, 1, NULL, RT_AUTO, -1);
}

static void cmd_zrevrange(Client *c) {
    zrange_generic(c, 1, NULL, RT_RANK, 1);
}

static void cmd_zrangebyscore(Client *c) {
    zrange_generic(c, 1, NULL, RT_SCORE, 0);
}

static void cmd_zrevrangebyscore(Client *c) {
    zrange_generic(c, 1, NULL, RT_SCORE, 1);
}

static void cmd_zrangebylex(Client *c) {
    zrange_generic(c, 1, NULL, RT_LEX, 0);
}

static void cmd_zrevrangebylex(Client *c) {
    zrange_generic(c, 1, NULL, RT_LEX, 1);
}

static void cmd_zrangestore(Client *c) {
    zrange_generic(c, 2, &c->argv[1], RT_AUTO, -1);
}

static void cmd_zcount(Client *c) {
    ScoreRange sr;
    if (parse_score_range(c->argv[2], c->argv[3], &sr) != 0) {
        reply_error(c, "ERR min or max is not a float");
        return;
    }
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    size_t from = 0, to = 0;
    if (z) score_ranks(z, &sr, &from, &to);
    reply_int(c, (long long)(to - from));
}

static void cmd_zlexcount(Client *c) {
    LexBound lo, hi;
    if (parse_lex_range(c->argv[2], c->argv[3], &lo, &hi) != 0) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    size_t from = 0, to = 0;
    if (z) lex_ranks(z, &lo, &hi, &from, &to);
    reply_int(c, (long long)(to - from));
}

static void zremrange_generic(Client *c, RangeType rt) {
    static const char *const events[] = {NULL, "zremrangebyrank", "zremrangebyscore",
                                         "zremrangebylex"};
    Slice key = c->argv[1];
    long long istart = 0, iend = 0;
    ScoreRange sr;
    LexBound lo, hi;
    if (rt == RT_RANK) {
        if (get_ll_or_reply(c, c->argv[2], &istart) != 0 ||
            get_ll_or_reply(c, c->argv[3], &iend) != 0)
            return;
    } else if (rt == RT_SCORE) {
        if (parse_score_range(c->argv[2], c->argv[3], &sr) != 0) {
            reply_error(c, "ERR min or max is not a float");
            return;
        }
    } else if (parse_lex_range(c->argv[2], c->argv[3], &lo, &hi) != 0) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    Zset *z;
    Obj *o;
    if (lookup(c, key, 1, &z, &o) != 0) return;
    if (!z) {
        reply_int(c, 0);
        return;
    }
    size_t from = 0, to = 0;
    if (rt == RT_RANK) {
        size_t count;
        if (index_ranks((long long)zset_len(z), istart, iend, &from, &count)) to = from + count;
    } else if (rt == RT_SCORE) {
        score_ranks(z, &sr, &from, &to);
    } else {
        lex_ranks(z, &lo, &hi, &from, &to);
    }
    reply_int(c, (long long)(to - from));
    if (to == from) return;
    zset_del_range(z, from, to);
    after_removal(c, key, o, z, events[rt]);
    propagate_argv(c);
}

static void cmd_zremrangebyrank(Client *c) {
    zremrange_generic(c, RT_RANK);
}

static void cmd_zremrangebyscore(Client *c) {
    zremrange_generic(c, RT_SCORE);
}

static void cmd_zremrangebylex(Client *c) {
    zremrange_generic(c, RT_LEX);
}

/* ---- pops ----------------------------------------------------------------------- */

enum { POP_MIN = 0, POP_MAX = 1 };

/* How a pop replies: ZPOPMIN/MAX flat (RESP3 with a count: pairs),
 * BZPOPMIN/MAX [key, member, score], Z/BZMPOP [key, [[member, score], ...]]. */
enum { PR_FLAT, PR_PAIRS, PR_KEYED, PR_MPOP };

/* Pops up to count (>= 1) elements from key's non-empty set z and replies
 * in shape; notifies, deletes an emptied key, signals. Propagation is the
 * caller's. */
static void pop_from(Client *c, Slice key, Obj *o, Zset *z, int where, long long count, int shape) {
    size_t n = zset_len(z);
    size_t k = (size_t)count < n ? (size_t)count : n;
    if (shape == PR_FLAT)
        reply_array(c, k * 2);
    else if (shape == PR_PAIRS)
        reply_array(c, k);
    else if (shape == PR_KEYED)
        reply_array(c, k * 2 + 1);
    else
        reply_array(c, 2);
    if (shape == PR_KEYED || shape == PR_MPOP) reply_bulk_slice(c, key);
    if (shape == PR_MPOP) reply_array(c, k);
    size_t start = where == POP_MIN ? 0 : n - 1;
    ZsetIter it;
    zset_iter_init(&it, z, start, where == POP_MAX);
    const char *m;
    size_t len;
    double s;
    for (size_t i = 0; i < k && zset_iter_next(&it, &m, &len, &s); i++) {
        if (shape == PR_PAIRS || shape == PR_MPOP) reply_array(c, 2);
        reply_bulk(c, m, len);
        reply_double(c, s);
    }
    zset_iter_done(&it);
    if (where == POP_MIN)
        zset_del_range(z, 0, k);
    else
        zset_del_range(z, n - k, n);
    int dbid = db_index(c->db);
    notify_keyspace_event(NOTIFY_ZSET, where == POP_MIN ? "zpopmin" : "zpopmax", key, dbid);
    if (zset_len(z) == 0) {
        db_delete(c->db, key);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    } else {
        db_resized(c->db, o, zset_len(z));
        db_signal_key(c->db, key);
    }
}

/* Propagates a pop as ZPOPMIN/ZPOPMAX key [count]. */
static void propagate_pop(Client *c, Slice key, int where, long long count) {
    char buf[24];
    Slice argv[3] = {slice_cstr(where == POP_MIN ? "ZPOPMIN" : "ZPOPMAX"), key,
                     slice_of(buf, ll_to_str(count, buf))};
    propagate(c, count < 0 ? 2 : 3, argv);
}

static void zpop_command(Client *c, int where) {
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = -1;
    if (c->argc == 3) {
        if (parse_ll(c->argv[2], &count) != 0 || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    Zset *z;
    Obj *o;
    if (lookup(c, c->argv[1], 1, &z, &o) != 0) return;
    if (!z || count == 0) {
        reply_empty_array(c);
        return;
    }
    pop_from(c, c->argv[1], o, z, where, count < 0 ? 1 : count,
             c->resp >= 3 && count != -1 ? PR_PAIRS : PR_FLAT);
    propagate_argv(c);
}

static void cmd_zpopmin(Client *c) {
    zpop_command(c, POP_MIN);
}

static void cmd_zpopmax(Client *c) {
    zpop_command(c, POP_MAX);
}

/* A number in [1, LONG_MAX] or the error msg (7.0 answers it for a
 * non-number too). */
static int get_positive_or_reply(Client *c, Slice s, const char *msg, long long *out) {
    if (parse_ll(s, out) != 0 || *out < 1) {
        reply_error(c, "ERR %s", msg);
        return -1;
    }
    return 0;
}

/* The parsed tail of ZMPOP / BZMPOP: numkeys keys MIN|MAX [COUNT n]. */
typedef struct MpopArgs {
    int keys_at, n_keys, where;
    long long count; /* -1: none given */
} MpopArgs;

static int parse_mpop(Client *c, int numkeys_at, MpopArgs *a) {
    long long nk;
    if (get_positive_or_reply(c, c->argv[numkeys_at], "numkeys should be greater than 0", &nk) != 0)
        return -1;
    if (nk >= c->argc - numkeys_at) {
        reply_syntax_error(c);
        return -1;
    }
    int where_at = numkeys_at + (int)nk + 1;
    if (where_at >= c->argc) {
        reply_syntax_error(c);
        return -1;
    }
    Slice w = c->argv[where_at];
    if (slice_eq_nocase(w, "min")) {
        a->where = POP_MIN;
    } else if (slice_eq_nocase(w, "max")) {
        a->where = POP_MAX;
    } else {
        reply_syntax_error(c);
        return -1;
    }
    a->count = -1;
    for (int j = where_at + 1; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (a->count == -1 && slice_eq_nocase(c->argv[j], "count") && more) {
            j++;
            if (get_positive_or_reply(c, c->argv[j], "count should be greater than 0", &a->count) !=
                0)
                return -1;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    a->keys_at = numkeys_at + 1;
    a->n_keys = (int)nk;
    return 0;
}

/* The first key of keys that holds a non-empty set: 1 with it, 0 when none,
 * -1 after replying WRONGTYPE (7.0 stops at the first key of another type). */
static int first_nonempty(Client *c, const Slice *keys, int n, Slice *key, Obj **o, Zset **z) {
    for (int i = 0; i < n; i++) {
        if (lookup(c, keys[i], 1, z, o) != 0) return -1;
        if (*z && zset_len(*z) > 0) {
            *key = keys[i];
            return 1;
        }
    }
    return 0;
}

static void cmd_zmpop(Client *c) {
    MpopArgs a;
    if (parse_mpop(c, 1, &a) != 0) return;
    Slice key;
    Obj *o;
    Zset *z;
    int rc = first_nonempty(c, c->argv + a.keys_at, a.n_keys, &key, &o, &z);
    if (rc < 0) return;
    if (rc == 0) {
        reply_null_array(c);
        return;
    }
    long long count = a.count < 0 ? 1 : a.count;
    pop_from(c, key, o, z, a.where, count, PR_MPOP);
    propagate_pop(c, key, a.where, count);
}

/* 7.0's seconds timeout (a float): an absolute deadline in ms, 0 forever. */
static int parse_timeout_seconds(Client *c, Slice s, int64_t *deadline_ms) {
    char buf[128], *heap, *end;
    char *p = cstr(s, buf, sizeof buf, &heap);
    int ok = s.len > 0 && !isspace((unsigned char)p[0]);
    long double v = 0;
    if (ok) {
        errno = 0;
        v = strtold(p, &end);
        ok = (size_t)(end - p) == s.len && errno != ERANGE && !isnan(v);
    }
    xfree(heap);
    if (!ok) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    /* 7.0 converts to a 64-bit integer of ms: what does not fit comes out
     * as the most negative one on x86-64, hence "negative" */
    long double ms = v * 1000.0L;
    if (isinf(ms) || ms >= 9.2e18L || ms <= -9.2e18L || (long long)ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    long long t = (long long)ms;
    int64_t now = now_ms();
    *deadline_ms = t == 0 ? 0 : (t > INT64_MAX / 2 - now ? INT64_MAX / 2 : now + t);
    return 0;
}

/* What a blocked BZPOPMIN/BZPOPMAX/BZMPOP waits to do. */
typedef struct BzCtx {
    int where;
    long long count; /* -1: BZPOPMIN/MAX (no count) */
    int shape;
} BzCtx;

/* A key of a blocked pop was signalled: serve it when it now holds a
 * non-empty sorted set (7.0 leaves the client waiting otherwise, another
 * type included). */
static int bz_on_ready(Client *c, const Slice *key, void *ctx) {
    BzCtx *b = ctx;
    if (!key) return 0;
    Obj *o = db_lookup_write(c->db, *key);
    if (!o || o->type != OBJ_ZSET || zset_len(o->ptr) == 0) return 0;
    long long count = b->count < 0 ? 1 : b->count;
    pop_from(c, *key, o, o->ptr, b->where, count, b->shape);
    propagate_pop(c, *key, b->where, b->count < 0 ? -1 : count);
    return 1;
}

static void bz_block_or_reply(Client *c, const Slice *keys, int n, int64_t deadline, int where,
                              long long count, int shape) {
    Slice key;
    Obj *o;
    Zset *z;
    int rc = first_nonempty(c, keys, n, &key, &o, &z);
    if (rc < 0) return;
    if (rc > 0) {
        pop_from(c, key, o, z, where, count < 0 ? 1 : count, shape);
        propagate_pop(c, key, where, count);
        return;
    }
    if (c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI | CLIENT_SCRIPT)) {
        reply_null_array(c);
        return;
    }
    BzCtx *b = xmalloc(sizeof *b);
    b->where = where;
    b->count = count;
    b->shape = shape;
    block_on_keys(c, keys, n, deadline, bz_on_ready, NULL, b, xfree);
}

static void bzpop_command(Client *c, int where) {
    int64_t deadline;
    if (parse_timeout_seconds(c, c->argv[c->argc - 1], &deadline) != 0) return;
    bz_block_or_reply(c, c->argv + 1, c->argc - 2, deadline, where, -1, PR_KEYED);
}

static void cmd_bzpopmin(Client *c) {
    bzpop_command(c, POP_MIN);
}

static void cmd_bzpopmax(Client *c) {
    bzpop_command(c, POP_MAX);
}

static void cmd_bzmpop(Client *c) {
    int64_t deadline;
    if (parse_timeout_seconds(c, c->argv[1], &deadline) != 0) return;
    MpopArgs a;
    if (parse_mpop(c, 2, &a) != 0) return;
    bz_block_or_reply(c, c->argv + a.keys_at, a.n_keys, deadline, a.where,
                      a.count < 0 ? 1 : a.count, PR_MPOP);
}

/* ---- ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD -------------------------------- */

enum { OP_UNION, OP_INTER, OP_DIFF };
/* AGG_COUNT (8.8): an input's contribution is its weight, whatever the
 * member's score, summed as SUM sums: how many inputs hold the member, or
 * with WEIGHTS the sum of the weights of those that do. */
enum { AGG_SUM, AGG_MIN, AGG_MAX, AGG_COUNT };

typedef struct SetSrc {
    const Zset *z; /* NULL: a missing key (empty) */
    double weight;
    Zset *owned; /* a set input, read as a sorted set of scores 1 (freed after) */
} SetSrc;

static int add_set_member(void *priv, Slice member) {
    zset_set(priv, member.p, member.len, 1.0);
    return 0;
}

static double aggregate(int agg, double target, double v) {
    if (agg == AGG_SUM || agg == AGG_COUNT) {
        double r = target + v;
        return isnan(r) ? 0 : r; /* inf + -inf */
    }
    if (agg == AGG_MIN) return v < target ? v : target;
    return v > target ? v : target;
}

static size_t src_len(const SetSrc *s) {
    return s->z ? zset_len(s->z) : 0;
}

static double weighted(int agg, double w, double s) {
    if (agg == AGG_COUNT) return w;
    double v = w * s;
    return isnan(v) ? 0 : v; /* 0 * inf */
}

/* Computes op over src (n >= 1) into an owned indexed set. For ZINTERCARD
 * (limit >= 0: stop there; 0 is no limit) only *card is wanted. */
static Zset *setop(SetSrc *src, int n, int op, int agg, long long limit, size_t *card) {
    Zset *out = zset_new();
    zset_to_indexed(out);
    if (op != OP_DIFF) {
        /* smallest first: fewer lookups for an intersection (stable) */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && src_len(&src[j]) < src_len(&src[j - 1]); j--) {
                SetSrc t = src[j];
                src[j] = src[j - 1];
                src[j - 1] = t;
            }
    }
    size_t found = 0;
    ZsetIter it;
    const char *m;
    size_t len;
    double s;
    if (op == OP_UNION) {
        for (int i = 0; i < n; i++) {
            if (!src[i].z) continue;
            zset_iter_init(&it, src[i].z, 0, 0);
            while (zset_iter_next(&it, &m, &len, &s)) {
                double v = weighted(agg, src[i].weight, s), cur;
                if (zset_score(out, m, len, &cur)) v = aggregate(agg, cur, v);
                zset_set(out, m, len, v);
            }
            zset_iter_done(&it);
        }
    } else if (op == OP_INTER) {
        if (src[0].z) {
            zset_iter_init(&it, src[0].z, 0, 0);
            while (zset_iter_next(&it, &m, &len, &s)) {
                double v = weighted(agg, src[0].weight, s), other;
                int j = 1;
                for (; j < n; j++) {
                    if (!src[j].z || !zset_score(src[j].z, m, len, &other)) break;
                    /* 7.0 turns only the first set's NaN (0 * inf) into 0;
                     * a later one reaches the aggregate (SUM: 0) */
                    v = aggregate(agg, v, agg == AGG_COUNT ? src[j].weight : src[j].weight * other);
                }
                if (j < n) continue;
                if (card) {
                    found++;
                    if (limit > 0 && found >= (size_t)limit) break;
                    continue;
                }
                zset_set(out, m, len, v);
            }
            zset_iter_done(&it);
        }
    } else if (src[0].z) {
        zset_iter_init(&it, src[0].z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &s)) {
            double other;
            int j = 1;
            for (; j < n; j++)
                if (src[j].z && zset_score(src[j].z, m, len, &other)) break;
            if (j == n) zset_set(out, m, len, s);
        }
        zset_iter_done(&it);
    }
    if (card) *card = found;
    return out;
}

/* ZUNION/ZINTER/ZDIFF numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX|COUNT]
 * [WITHSCORES], their STORE forms (dst), and ZINTERCARD (is_card). */
static void setop_command(Client *c, const Slice *dst, int numkeys_at, int op, int is_card) {
    long long n;
    if (get_ll_or_reply(c, c->argv[numkeys_at], &n) != 0) return;
    if (n < 1) {
        reply_error(c, "ERR at least 1 input key is needed for '%s' command", c->cmd->name);
        return;
    }
    if (n > c->argc - (numkeys_at + 1)) {
        reply_syntax_error(c);
        return;
    }
    SetSrc *src = xcalloc((size_t)n, sizeof *src);
    int j = numkeys_at + 1;
    for (int i = 0; i < n; i++, j++) {
        src[i].weight = 1.0;
        Obj *o = dst ? db_lookup_write(c->db, c->argv[j]) : db_lookup_read(c->db, c->argv[j]);
        if (o && o->type == OBJ_SET) {
            /* a set counts as a sorted set whose scores are all 1 */
            src[i].owned = zset_new();
            set_foreach(o, add_set_member, src[i].owned);
            src[i].z = src[i].owned;
            continue;
        }
        if (o && o->type != OBJ_ZSET) {
            reply_wrongtype(c);
            goto done;
        }
        src[i].z = o ? o->ptr : NULL;
    }
    int agg = AGG_SUM, withscores = 0;
    long long limit = 0;
    while (j < c->argc) {
        int left = c->argc - j;
        Slice a = c->argv[j];
        if (op != OP_DIFF && !is_card && left >= n + 1 && slice_eq_nocase(a, "weights")) {
            j++;
            for (int i = 0; i < n; i++, j++) {
                if (zset__parse_double(c->argv[j], &src[i].weight) != 0) {
                    reply_error(c, "ERR weight value is not a float");
                    goto done;
                }
            }
        } else if (op != OP_DIFF && !is_card && left >= 2 && slice_eq_nocase(a, "aggregate")) {
            Slice v = c->argv[j + 1];
            if (slice_eq_nocase(v, "sum")) {
                agg = AGG_SUM;
            } else if (slice_eq_nocase(v, "min")) {
                agg = AGG_MIN;
            } else if (slice_eq_nocase(v, "max")) {
                agg = AGG_MAX;
            } else if (slice_eq_nocase(v, "count")) {
                agg = AGG_COUNT;
            } else {
                reply_syntax_error(c);
                goto done;
            }
            j += 2;
        } else if (!dst && !is_card && slice_eq_nocase(a, "withscores")) {
            withscores = 1;
            j++;
        } else if (is_card && left >= 2 && slice_eq_nocase(a, "limit")) {
            if (parse_ll(c->argv[j + 1], &limit) != 0 || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                goto done;
            }
            j += 2;
        } else {
            reply_syntax_error(c);
            goto done;
        }
    }
    size_t card = 0;
    Zset *out = setop(src, (int)n, op, agg, limit, is_card ? &card : NULL);
    if (is_card) {
        zset_free(out);
        reply_int(c, (long long)card);
    } else if (dst) {
        static const char *const events[] = {"zunionstore", "zinterstore", "zdiffstore"};
        store_result(c, *dst, out, events[op]);
    } else {
        reply_elements(c, out, 0, zset_len(out), 0, withscores);
        zset_free(out);
    }
done:
    for (long long i = 0; i < n; i++) zset_free(src[i].owned);
    xfree(src);
}

static void cmd_zunionstore(Client *c) {
    setop_command(c, &c->argv[1], 2, OP_UNION, 0);
}

static void cmd_zinterstore(Client *c) {
    setop_command(c, &c->argv[1], 2, OP_INTER, 0);
}

static void cmd_zdiffstore(Client *c) {
    setop_command(c, &c->argv[1], 2, OP_DIFF, 0);
}

static void cmd_zunion(Client *c) {
    setop_command(c, NULL, 1, OP_UNION, 0);
}

static void cmd_zinter(Client *c) {
    setop_command(c, NULL, 1, OP_INTER, 0);
}

static void cmd_zdiff(Client *c) {
    setop_command(c, NULL, 1, OP_DIFF, 0);
}

static void cmd_zintercard(Client *c) {
    setop_command(c, NULL, 1, OP_INTER, 1);
}

/* ---- ZRANDMEMBER ------------------------------------------------------------------ */

static void reply_one(Client *c, const char *m, size_t len, double s, int withscores) {
    if (withscores && c->resp >= 3) reply_array(c, 2);
    reply_bulk(c, m, len);
    if (withscores) reply_double(c, s);
}

static void cmd_zrandmember(Client *c) {
    long long l = 0;
    int withscores = 0;
    if (c->argc >= 3) {
        if (get_ll_or_reply(c, c->argv[2], &l) != 0) return;
        if (l < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !slice_eq_nocase(c->argv[3], "withscores"))) {
            reply_syntax_error(c);
            return;
        }
        if (c->argc == 4) {
            withscores = 1;
            if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
                reply_error(c, "ERR value is out of range");
                return;
            }
        }
    }
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    const char *m;
    size_t len;
    double s;
    if (c->argc < 3) {
        if (!z) {
            reply_null(c);
            return;
        }
        zset_random(z, &m, &len, &s);
        reply_bulk(c, m, len);
        return;
    }
    if (!z || l == 0) {
        reply_empty_array(c);
        return;
    }
    size_t size = zset_len(z);
    if (l < -(1LL << 32)) {
        /* 7.0 would try to send more than 2^32 draws (tens of GB) and never
         * come back: refused instead */
        reply_error(c, "ERR value is out of range");
        return;
    }
    if (l < 0 || l == 1) {
        /* repetitions allowed: each draw independent */
        unsigned long long count = l < 0 ? (unsigned long long)-l : 1;
        reply_array(c, withscores && c->resp < 3 ? count * 2 : count);
        for (unsigned long long i = 0; i < count; i++) {
            zset_random(z, &m, &len, &s);
            reply_one(c, m, len, s, withscores);
        }
        return;
    }
    if ((size_t)l >= size) {
        /* the whole set, from the greatest element down as 7.0 walks it */
        reply_elements(c, z, size - 1, size, 1, withscores);
        return;
    }
    /* distinct members: a partial Fisher-Yates over the ranks */
    size_t count = (size_t)l;
    size_t *ranks = xmalloc(size * sizeof *ranks);
    for (size_t i = 0; i < size; i++) ranks[i] = i;
    for (size_t i = 0; i < count; i++) {
        uint64_t r = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
        size_t k = i + (size_t)(r % (size - i));
        size_t t = ranks[i];
        ranks[i] = ranks[k];
        ranks[k] = t;
    }
    reply_array(c, withscores && c->resp < 3 ? count * 2 : count);
    for (size_t i = 0; i < count; i++) {
        ZsetIter it;
        zset_iter_init(&it, z, ranks[i], 0);
        zset_iter_next(&it, &m, &len, &s);
        zset_iter_done(&it);
        reply_one(c, m, len, s, withscores);
    }
    xfree(ranks);
}

/* ---- ZSCAN -------------------------------------------------------------------------- */

typedef struct ScanOut {
    Slice pattern;
    int match_all;
    Buf items; /* (len, member, len, score text) records */
    size_t n;
} ScanOut;

static void scan_add(void *priv, const char *m, size_t len, double score) {
    ScanOut *s = priv;
    if (!s->match_all && !glob_match(s->pattern.p, s->pattern.len, m, len, 0)) return;
    char buf[32];
    size_t sl = zset__fmt_score(score, buf);
    buf_append(&s->items, &len, sizeof len);
    buf_append(&s->items, m, len);
    buf_append(&s->items, &sl, sizeof sl);
    buf_append(&s->items, buf, sl);
    s->n++;
}

static void cmd_zscan(Client *c) {
    uint64_t cursor;
    if (parse_scan_cursor(c->argv[2], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    long long count = 10;
    ScanOut s = {{NULL, 0}, 1, {0}, 0};
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (slice_eq_nocase(c->argv[j], "count") && more >= 1) {
            if (get_ll_or_reply(c, c->argv[j + 1], &count) != 0) return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
            j++;
        } else if (slice_eq_nocase(c->argv[j], "match") && more >= 1) {
            s.pattern = c->argv[j + 1];
            s.match_all = s.pattern.len == 1 && s.pattern.p[0] == '*';
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    Zset *z;
    if (lookup(c, c->argv[1], 0, &z, NULL) != 0) return;
    uint64_t next = 0;
    if (z && zset_is_packed(z)) {
        ZsetIter it;
        const char *m;
        size_t len;
        double sc;
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &sc)) scan_add(&s, m, len, sc);
        zset_iter_done(&it);
    } else if (z) {
        long long budget = scan_bucket_budget(count);
        next = cursor;
        do {
            next = zset_scan(z, next, scan_add, &s);
        } while (next && budget-- && (long long)s.n < count);
    }
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)next);
    reply_array(c, s.n * 2);
    size_t off = 0;
    while (off < s.items.len) {
        size_t len;
        memcpy(&len, s.items.p + off, sizeof len);
        off += sizeof len;
        reply_bulk(c, s.items.p + off, len);
        off += len;
        memcpy(&len, s.items.p + off, sizeof len);
        off += sizeof len;
        reply_bulk(c, s.items.p + off, len);
        off += len;
    }
    buf_free(&s.items);
}

/* ---- table ----------------------------------------------------------------------------- */

#define W_FAST  (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define R_FAST  (CMD_READONLY | CMD_FAST)
#define AW_FAST "@write @sortedset @fast"
#define AR_FAST "@read @sortedset @fast"
#define AW_SLOW "@write @sortedset @slow"
#define AR_SLOW "@read @sortedset @slow"

const Command zset_commands[] = {
    {"zadd", cmd_zadd, -4, W_FAST, AW_FAST, 1, 1, 1, NULL},
    {"zincrby", cmd_zincrby, 4, W_FAST, AW_FAST, 1, 1, 1, NULL},
    {"zrem", cmd_zrem, -3, CMD_WRITE | CMD_FAST, AW_FAST, 1, 1, 1, NULL},
    {"zcard", cmd_zcard, 2, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zscore", cmd_zscore, 3, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zmscore", cmd_zmscore, -3, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zrank", cmd_zrank, -3, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zrevrank", cmd_zrevrank, -3, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zcount", cmd_zcount, 4, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zlexcount", cmd_zlexcount, 4, R_FAST, AR_FAST, 1, 1, 1, NULL},
    {"zrange", cmd_zrange, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zrangestore", cmd_zrangestore, -5, CMD_WRITE | CMD_DENYOOM, AW_SLOW, 1, 2, 1, NULL},
    {"zrevrange", cmd_zrevrange, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zrangebyscore", cmd_zrangebyscore, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zrevrangebyscore", cmd_zrevrangebyscore, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zrangebylex", cmd_zrangebylex, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zrevrangebylex", cmd_zrevrangebylex, -4, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zremrangebyrank", cmd_zremrangebyrank, 4, CMD_WRITE, AW_SLOW, 1, 1, 1, NULL},
    {"zremrangebyscore", cmd_zremrangebyscore, 4, CMD_WRITE, AW_SLOW, 1, 1, 1, NULL},
    {"zremrangebylex", cmd_zremrangebylex, 4, CMD_WRITE, AW_SLOW, 1, 1, 1, NULL},
    {"zpopmin", cmd_zpopmin, -2, CMD_WRITE | CMD_FAST, AW_FAST, 1, 1, 1, NULL},
    {"zpopmax", cmd_zpopmax, -2, CMD_WRITE | CMD_FAST, AW_FAST, 1, 1, 1, NULL},
    {"zmpop", cmd_zmpop, -4, CMD_WRITE | CMD_MOVABLE_KEYS, AW_SLOW, 0, 0, 0, NULL},
    {"bzpopmin", cmd_bzpopmin, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_FAST | CMD_BLOCKING,
     "@write @sortedset @fast @blocking", 1, -2, 1, NULL},
    {"bzpopmax", cmd_bzpopmax, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_FAST | CMD_BLOCKING,
     "@write @sortedset @fast @blocking", 1, -2, 1, NULL},
    {"bzmpop", cmd_bzmpop, -5, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     "@write @sortedset @slow @blocking", 0, 0, 0, NULL},
    {"zunionstore", cmd_zunionstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, AW_SLOW, 1, 1,
     1, NULL},
    {"zinterstore", cmd_zinterstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, AW_SLOW, 1, 1,
     1, NULL},
    {"zdiffstore", cmd_zdiffstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, AW_SLOW, 1, 1, 1,
     NULL},
    {"zunion", cmd_zunion, -3, CMD_READONLY | CMD_MOVABLE_KEYS, AR_SLOW, 0, 0, 0, NULL},
    {"zinter", cmd_zinter, -3, CMD_READONLY | CMD_MOVABLE_KEYS, AR_SLOW, 0, 0, 0, NULL},
    {"zdiff", cmd_zdiff, -3, CMD_READONLY | CMD_MOVABLE_KEYS, AR_SLOW, 0, 0, 0, NULL},
    {"zintercard", cmd_zintercard, -3, CMD_READONLY | CMD_MOVABLE_KEYS, AR_SLOW, 0, 0, 0, NULL},
    {"zrandmember", cmd_zrandmember, -2, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    {"zscan", cmd_zscan, -3, CMD_READONLY, AR_SLOW, 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void zset_cmd_init(void);
void zset_cmd_init(void) {
    obj_register_type(OBJ_ZSET, &zset_type);
    zset__persist_init();
}
