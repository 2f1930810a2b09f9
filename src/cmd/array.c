/*
 * array.c - Arrays: Redis 8.8's sparse, index-addressed arrays of strings
 * (ARSET ARMSET ARGET ARMGET ARDEL ARDELRANGE ARLEN ARCOUNT ARGETRANGE
 * ARSCAN ARGREP AROP ARINSERT ARRING ARNEXT ARSEEK ARLASTITEMS ARINFO), and the value
 * type's registration with the keyspace and persistence. The structure is
 * src/types/arrayobj.c.
 *
 * Redis 8.8's command documentation and its t_array.c are the specification
 * (7.0 has no arrays): indexes are unsigned 64-bit, 2^64-1 excluded (ARSEEK
 * alone takes it, to put the cursor at its end); every index of a command is
 * validated before anything changes; a missing key reads as an array of
 * holes; an array that loses its last element is deleted. Each handler
 * checks in Redis's order (ARGET and ARMGET look the key up before parsing
 * indexes, ARSET and ARDEL parse first), so the same bad command gets the
 * same error. Keyspace events are class 'a' (in 'A'), named after the
 * command ("arset", "ardel", ...), plus "del" when a delete empties the key.
 *
 * Every write is deterministic given the array (ARINSERT and ARRING depend
 * on the cursor, which the RDB and the AOF rewrite carry), so writes
 * propagate as they came, and only when they changed something.
 *
 * Persistence: RDB/DUMP type 28, Redis 8.8's layout (element count, cursor
 * flag and cursor, then index, tag and value per element); this writes every
 * value as a string (tag 0) and reads the int, float and short-string tags
 * Redis writes too. The AOF rewrite emits ARMSET with 64 pairs per command,
 * then ARSEEK to restore the cursor.
 *
 * ARGREP's RE predicates run on the C library's POSIX extended regular
 * expressions (glibc's), not on TRE as Redis's do: the same syntax for what
 * POSIX defines, errors reported with TRE's texts by error code, back
 * references refused as Redis refuses them, a pattern read up to its first
 * NUL byte (elements are matched whole, NULs included).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bytes.h"
#include "base/num.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "server/core.h"
#include "types/arrayobj.h"

/* ARGETRANGE's and ARLASTITEMS's cap on a reply of positions (Redis's
 * fixed limit: a range of holes costs the client, not the array). */
#define AR_MAX_REPLY_ITEMS 1000000
/* Pairs per ARMSET record of the AOF rewrite. */
#define REWRITE_BATCH 64
/* Redis 8.8's RDB type for an array. */
#define RDB_TYPE_ARRAY 28

static ArrayObj *arr(const Obj *o) {
    return o->ptr;
}

/* ---- the value type's operations ------------------------------------------ */

static void ops_free(void *ptr) {
    arrayobj_free(ptr);
}

static size_t ops_mem(const void *ptr) {
    return arrayobj_mem_bytes(ptr);
}

static uint64_t ops_items(const void *ptr) {
    return arrayobj_count(ptr);
}

static Obj *ops_dup(const void *ptr) {
    return obj_new(OBJ_ARRAY, arrayobj_dup(ptr));
}

static uint64_t ops_free_effort(const void *ptr) {
    return arrayobj_allocs(ptr);
}

static const ObjTypeOps array_type = {"array",   "sliced-array", ops_free, ops_mem,
                                      ops_items, ops_dup,        NULL,     ops_free_effort};

/* ---- helpers ----------------------------------------------------------------- */

/* An index as Redis 8.8 reads one: string2ull over the text up to its first
 * NUL (a canonical integer, else strtoull, which takes leading blanks, a '+'
 * and leading zeros), negative values refused, 2^64-1 only with allow_max.
 * 0 ok, -1 bad. */
static int parse_index(Slice s, uint64_t *out, int allow_max) {
    size_t n = strnlen(s.p, s.len);
    long long ll;
    unsigned long long v;
    if (num_parse_ll(s.p, n, &ll) == 0) {
        if (ll < 0) return -1;
        v = (unsigned long long)ll;
    } else {
        char small[64];
        char *buf = n < sizeof small ? small : xmalloc(n + 1);
        memcpy(buf, s.p, n);
        buf[n] = '\0';
        char *end;
        errno = 0;
        v = strtoull(buf, &end, 10);
        int bad = errno == EINVAL || errno == ERANGE || !(buf[0] != '\0' && *end == '\0');
        if (buf != small) xfree(buf);
        if (bad) return -1;
    }
    if (v == UINT64_MAX && !allow_max) return -1;
    *out = v;
    return 0;
}

static int index_or_reply(Client *c, Slice s, uint64_t *out) {
    if (parse_index(s, out, 0) == 0) return 0;
    reply_error(c, "ERR invalid array index");
    return -1;
}

/* The array at key (NULL if missing); -1 after WRONGTYPE. */
static int lookup(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_ARRAY) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

static void reply_value(Client *c, const ArrayObj *a, uint64_t idx) {
    Slice v;
    if (a && arrayobj_get(a, idx, &v))
        reply_bulk_slice(c, v);
    else
        reply_null(c);
}

/* After a write to o at key: a new object is added (which signals and
 * announces "new"), an existing one accounted and signalled; then the
 * event, and the command goes to the AOF and replicas. */
static void after_write(Client *c, Slice key, Obj *o, int is_new, const char *event) {
    if (is_new) {
        db_add(c->db, key, o);
    } else {
        db_resized(c->db, o, arrayobj_count(arr(o)));
        db_signal_key(c->db, key);
    }
    notify_keyspace_event(NOTIFY_ARRAY, event, key, db_index(c->db));
    propagate_argv(c);
}

/* After removals from o at key: deletes the key when o is empty. */
static void after_remove(Client *c, Slice key, Obj *o, const char *event) {
    int dbid = db_index(c->db);
    int emptied = arrayobj_count(arr(o)) == 0;
    if (emptied) {
        db_delete(c->db, key);
    } else {
        db_resized(c->db, o, arrayobj_count(arr(o)));
        db_signal_key(c->db, key);
    }
    notify_keyspace_event(NOTIFY_ARRAY, event, key, dbid);
    if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", key, dbid);
    propagate_argv(c);
}

/* ---- ARGET ARMGET ARSET ARMSET ------------------------------------------------ */

static void cmd_arget(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    uint64_t idx;
    if (index_or_reply(c, c->argv[2], &idx) != 0) return;
    reply_value(c, o ? arr(o) : NULL, idx);
}

static void cmd_armget(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    uint64_t idx;
    for (int i = 2; i < c->argc; i++)
        if (index_or_reply(c, c->argv[i], &idx) != 0) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        parse_index(c->argv[i], &idx, 0);
        reply_value(c, o ? arr(o) : NULL, idx);
    }
}

static void cmd_arset(Client *c) {
    Slice key = c->argv[1];
    uint64_t start;
    if (index_or_reply(c, c->argv[2], &start) != 0) return;
    uint64_t n = (uint64_t)(c->argc - 3);
    uint64_t last = start + n - 1;
    if (last < start || last == UINT64_MAX) {
        reply_error(c, "ERR array index overflow");
        return;
    }
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    int is_new = o == NULL;
    if (is_new) o = obj_new(OBJ_ARRAY, arrayobj_new());
    long long added = 0;
    for (uint64_t i = 0; i < n; i++) added += arrayobj_set(arr(o), start + i, c->argv[3 + i]);
    after_write(c, key, o, is_new, "arset");
    reply_int(c, added);
}

static void cmd_armset(Client *c) {
    Slice key = c->argv[1];
    if ((c->argc - 2) % 2 != 0) {
        reply_arity_error(c);
        return;
    }
    uint64_t idx;
    for (int i = 2; i < c->argc; i += 2)
        if (index_or_reply(c, c->argv[i], &idx) != 0) return;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    int is_new = o == NULL;
    if (is_new) o = obj_new(OBJ_ARRAY, arrayobj_new());
    long long added = 0;
    for (int i = 2; i < c->argc; i += 2) {
        parse_index(c->argv[i], &idx, 0);
        added += arrayobj_set(arr(o), idx, c->argv[i + 1]);
    }
    after_write(c, key, o, is_new, "armset");
    reply_int(c, added);
}

/* ---- ARDEL ARDELRANGE ------------------------------------------------------- */

static void cmd_ardel(Client *c) {
    Slice key = c->argv[1];
    uint64_t idx;
    for (int i = 2; i < c->argc; i++)
        if (index_or_reply(c, c->argv[i], &idx) != 0) return;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        parse_index(c->argv[i], &idx, 0);
        deleted += arrayobj_del(arr(o), idx);
    }
    if (deleted) after_remove(c, key, o, "ardel");
    reply_int(c, deleted);
}

static void cmd_ardelrange(Client *c) {
    Slice key = c->argv[1];
    if ((c->argc - 2) % 2 != 0) {
        reply_arity_error(c);
        return;
    }
    uint64_t a, b;
    for (int i = 2; i < c->argc; i += 2) {
        if (index_or_reply(c, c->argv[i], &a) != 0) return;
        if (index_or_reply(c, c->argv[i + 1], &b) != 0) return;
    }
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    uint64_t deleted = 0;
    for (int i = 2; i < c->argc && arrayobj_count(arr(o)); i += 2) {
        parse_index(c->argv[i], &a, 0);
        parse_index(c->argv[i + 1], &b, 0);
        deleted += arrayobj_del_range(arr(o), a < b ? a : b, a < b ? b : a);
    }
    if (deleted) after_remove(c, key, o, "ardelrange");
    reply_uint(c, deleted);
}

/* ---- ARLEN ARCOUNT ARGETRANGE ARSCAN ---------------------------------------- */

static void cmd_arlen(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    reply_uint(c, o ? arrayobj_len(arr(o)) : 0);
}

static void cmd_arcount(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    reply_uint(c, o ? arrayobj_count(arr(o)) : 0);
}

static void cmd_argetrange(Client *c) {
    uint64_t start, end;
    if (index_or_reply(c, c->argv[2], &start) != 0) return;
    if (index_or_reply(c, c->argv[3], &end) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    int reverse = start > end;
    uint64_t lo = reverse ? end : start, hi = reverse ? start : end;
    uint64_t len = hi - lo + 1; /* hi <= 2^64-2: no wrap */
    if (len > AR_MAX_REPLY_ITEMS) {
        reply_error(c, "ERR range exceeds maximum of %u items", AR_MAX_REPLY_ITEMS);
        return;
    }
    reply_array(c, (size_t)len);
    /* walk the stored elements, holes in between as nulls */
    uint64_t next = reverse ? hi : lo, left = len, idx;
    Slice v;
    if (o) {
        ArrayIter it;
        arrayobj_iter_init(&it, arr(o), lo, hi, reverse);
        while (arrayobj_iter_next(&it, &idx, &v)) {
            for (; next != idx; next += reverse ? (uint64_t)-1 : 1, left--) reply_null(c);
            reply_bulk_slice(c, v);
            next += reverse ? (uint64_t)-1 : 1;
            left--;
        }
    }
    for (; left; left--) reply_null(c);
}

/* LIMIT count of ARSCAN: a positive long long. */
static int limit_or_reply(Client *c, Slice s, uint64_t *out) {
    long long ll;
    if (get_ll_or_reply(c, s, &ll) != 0) return -1;
    if (ll <= 0) {
        reply_error(c, "ERR LIMIT must be positive");
        return -1;
    }
    *out = (uint64_t)ll;
    return 0;
}

static void cmd_arscan(Client *c) {
    uint64_t start, end, limit = UINT64_MAX;
    if (index_or_reply(c, c->argv[2], &start) != 0) return;
    if (index_or_reply(c, c->argv[3], &end) != 0) return;
    if (c->argc == 6) {
        if (!slice_eq_nocase(c->argv[4], "limit")) {
            reply_syntax_error(c);
            return;
        }
        if (limit_or_reply(c, c->argv[5], &limit) != 0) return;
    } else if (c->argc != 4) {
        reply_arity_error(c);
        return;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_array(c, 0);
        return;
    }
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    ArrayIter it;
    uint64_t idx;
    Slice v;
    int reverse = start > end;
    arrayobj_iter_init(&it, arr(o), reverse ? end : start, reverse ? start : end, reverse);
    while (limit && arrayobj_iter_next(&it, &idx, &v)) {
        reply_array(c, 2);
        reply_uint(c, idx);
        reply_bulk_slice(c, v);
        n++;
        limit--;
    }
    reply_set_array_len(c, d, n);
}

/* ---- ARGREP --------------------------------------------------------------------- */

enum { PRED_EXACT = 1, PRED_MATCH, PRED_GLOB, PRED_RE };
#define GREP_MAX_PREDICATES 250
#define GREP_MAX_RE_LEN     2048

typedef struct GrepPred {
    int type;
    Slice pat;
    regex_t re;
    int compiled;
} GrepPred;

typedef struct GrepPlan {
    GrepPred *preds;
    int n;
    int is_and, withvalues, nocase;
    uint64_t limit;
    char *scratch; /* an element NUL-terminated for regexec() */
    size_t scratch_cap;
} GrepPlan;

static void plan_free(GrepPlan *g) {
    for (int i = 0; i < g->n; i++)
        if (g->preds[i].compiled) regfree(&g->preds[i].re);
    xfree(g->preds);
    xfree(g->scratch);
}

/* A bound of ARGREP: "-" (the start), "+" (the last index), or an index;
 * *kind 0 index, 1 start, 2 end. */
static int grep_bound_or_reply(Client *c, Slice s, int *kind, uint64_t *idx) {
    *idx = 0;
    if (s.len == 1 && (s.p[0] == '-' || s.p[0] == '+')) {
        *kind = s.p[0] == '-' ? 1 : 2;
        return 0;
    }
    *kind = 0;
    return index_or_reply(c, s, idx);
}

static int pred_type(Slice s) {
    static const char *const words[] = {"exact", "match", "glob", "re"};
    for (int i = 0; i < 4; i++)
        if (slice_eq_nocase(s, words[i])) return i + 1;
    return 0;
}

/* Whether an extended regular expression refers back to a group (\1..\9
 * outside a bracket expression). */
static int has_backref(Slice p) {
    for (size_t i = 0; i < p.len; i++) {
        if (p.p[i] == '[') {
            /* skip the bracket expression: a leading ']' (after an optional
             * '^') is a member; [: :], [. .] and [= =] nest */
            size_t j = i + 1;
            if (j < p.len && p.p[j] == '^') j++;
            if (j < p.len && p.p[j] == ']') j++;
            while (j < p.len && p.p[j] != ']') {
                if (p.p[j] == '[' && j + 1 < p.len &&
                    (p.p[j + 1] == ':' || p.p[j + 1] == '.' || p.p[j + 1] == '=')) {
                    char close = p.p[j + 1];
                    j += 2;
                    while (j + 1 < p.len && !(p.p[j] == close && p.p[j + 1] == ']')) j++;
                    j += 2;
                    continue;
                }
                j++;
            }
            i = j;
        } else if (p.p[i] == '\\' && i + 1 < p.len) {
            if (p.p[i + 1] >= '1' && p.p[i + 1] <= '9') return 1;
            i++;
        }
    }
    return 0;
}

/* TRE's texts (Redis's regular expression library) for the POSIX error
 * codes, so that an error reads as Redis's does where the two libraries
 * refuse a pattern for the same reason. */
static const char *regex_error_text(int code) {
    switch (code) {
    case REG_ECOLLATE:
        return "Unknown collating element";
    case REG_ECTYPE:
        return "Unknown character class name";
    case REG_EESCAPE:
        return "Trailing backslash";
    case REG_ESUBREG:
        return "Invalid back reference";
    case REG_EBRACK:
        return "Missing ']'";
    case REG_EPAREN:
        return "Missing ')'";
    case REG_EBRACE:
        return "Missing '}'";
    case REG_BADBR:
        return "Invalid contents of {}";
    case REG_ERANGE:
        return "Invalid character range";
    case REG_ESPACE:
        return "Out of memory";
    case REG_BADRPT:
        return "Invalid use of repetition operators";
    default:
        return "Invalid regexp";
    }
}

/* Parses the predicates and options (mixed in any order; a repeated option
 * counts last), then compiles the RE predicates with NOCASE known. 0, or -1
 * after replying (g is to be freed either way). */
static int grep_plan_or_reply(Client *c, GrepPlan *g) {
    memset(g, 0, sizeof *g);
    g->limit = UINT64_MAX;
    g->preds = xcalloc((size_t)(c->argc - 4), sizeof *g->preds);
    for (int a = 4; a < c->argc;) {
        Slice t = c->argv[a];
        int type = pred_type(t);
        if (type) {
            if (a + 1 >= c->argc) {
                reply_syntax_error(c);
                return -1;
            }
            if (g->n >= GREP_MAX_PREDICATES) {
                reply_error(c, "ERR too many predicates, maximum is %d", GREP_MAX_PREDICATES);
                return -1;
            }
            GrepPred *p = &g->preds[g->n++];
            p->type = type;
            p->pat = c->argv[a + 1];
            if (type == PRED_RE && p->pat.len > GREP_MAX_RE_LEN) {
                reply_error(c, "ERR regular expression is too long, maximum is %d bytes",
                            GREP_MAX_RE_LEN);
                return -1;
            }
            a += 2;
        } else if (slice_eq_nocase(t, "limit")) {
            if (a + 1 >= c->argc) {
                reply_syntax_error(c);
                return -1;
            }
            if (limit_or_reply(c, c->argv[a + 1], &g->limit) != 0) return -1;
            a += 2;
        } else if (slice_eq_nocase(t, "withvalues")) {
            g->withvalues = 1;
            a++;
        } else if (slice_eq_nocase(t, "nocase")) {
            g->nocase = 1;
            a++;
        } else if (slice_eq_nocase(t, "and") || slice_eq_nocase(t, "or")) {
            g->is_and = slice_eq_nocase(t, "and");
            a++;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (g->n == 0) {
        reply_syntax_error(c);
        return -1;
    }
    for (int i = 0; i < g->n; i++) {
        GrepPred *p = &g->preds[i];
        if (p->type != PRED_RE) continue;
        if (p->pat.len == 0) {
            reply_error(c, "ERR regular expression is empty");
            return -1;
        }
        char *pat = xmalloc(p->pat.len + 1);
        memcpy(pat, p->pat.p, p->pat.len);
        pat[p->pat.len] = '\0';
        int rc = regcomp(&p->re, pat, REG_EXTENDED | REG_NOSUB | (g->nocase ? REG_ICASE : 0));
        xfree(pat);
        if (rc != 0) {
            reply_error(c, "ERR invalid regular expression: %s", regex_error_text(rc));
            return -1;
        }
        p->compiled = 1;
        if (has_backref(p->pat)) {
            reply_error(c, "ERR regular expression backreferences are not supported");
            return -1;
        }
    }
    return 0;
}

static int lower_ascii(int ch) {
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static int bytes_equal(const char *a, const char *b, size_t n, int nocase) {
    if (!nocase) return n == 0 || memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (lower_ascii((unsigned char)a[i]) != lower_ascii((unsigned char)b[i])) return 0;
    return 1;
}

static int pred_matches(GrepPlan *g, const GrepPred *p, Slice v) {
    int nocase = g->nocase;
    switch (p->type) {
    case PRED_EXACT:
        return v.len == p->pat.len && bytes_equal(v.p, p->pat.p, v.len, nocase);
    case PRED_MATCH:
        if (p->pat.len == 0) return 1;
        for (size_t i = 0; i + p->pat.len <= v.len; i++)
            if (bytes_equal(v.p + i, p->pat.p, p->pat.len, nocase)) return 1;
        return 0;
    case PRED_GLOB:
        return glob_match(p->pat.p, p->pat.len, v.p, v.len, nocase);
    default: {
        /* the element's bytes, NULs included (REG_STARTEND), in a
         * NUL-terminated copy: regexec() may still look for the terminator */
        if (v.len + 1 > g->scratch_cap) {
            g->scratch_cap = v.len + 1 > 64 ? v.len + 1 : 64;
            xfree(g->scratch);
            g->scratch = xmalloc(g->scratch_cap);
        }
        if (v.len) memcpy(g->scratch, v.p, v.len);
        g->scratch[v.len] = '\0';
        regmatch_t m = {0, (regoff_t)v.len};
        return regexec(&p->re, g->scratch, 1, &m, REG_STARTEND) == 0;
    }
    }
}

static int grep_matches(GrepPlan *g, Slice v) {
    for (int i = 0; i < g->n; i++) {
        int m = pred_matches(g, &g->preds[i], v);
        if (g->is_and && !m) return 0;
        if (!g->is_and && m) return 1;
    }
    return g->is_and;
}

static void cmd_argrep(Client *c) {
    int k1, k2;
    uint64_t b1, b2;
    if (grep_bound_or_reply(c, c->argv[2], &k1, &b1) != 0) return;
    if (grep_bound_or_reply(c, c->argv[3], &k2, &b2) != 0) return;
    GrepPlan g;
    if (grep_plan_or_reply(c, &g) != 0) {
        plan_free(&g);
        return;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) {
        plan_free(&g);
        return;
    }
    if (!o) {
        plan_free(&g);
        reply_array(c, 0);
        return;
    }
    const ArrayObj *a = arr(o);
    uint64_t last = arrayobj_len(a) - 1;
    uint64_t start = k1 == 1 ? 0 : k1 == 2 ? last : b1;
    uint64_t end = k2 == 1 ? 0 : k2 == 2 ? last : b2;
    int reverse = start > end;
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    uint64_t left = g.limit, idx;
    ArrayIter it;
    Slice v;
    arrayobj_iter_init(&it, a, reverse ? end : start, reverse ? start : end, reverse);
    while (left && arrayobj_iter_next(&it, &idx, &v)) {
        if (!grep_matches(&g, v)) continue;
        if (g.withvalues) reply_array(c, 2);
        reply_uint(c, idx);
        if (g.withvalues) reply_bulk_slice(c, v);
        n++;
        left--;
    }
    reply_set_array_len(c, d, n);
    plan_free(&g);
}

/* ---- AROP -------------------------------------------------------------------- */

enum { OP_SUM = 1, OP_MIN, OP_MAX, OP_AND, OP_OR, OP_XOR, OP_MATCH, OP_USED };

typedef struct OpAcc {
    int op;
    Slice match;
    long double sum, minmax;
    int64_t bits;
    long long hits;
    int has_num, has_int;
} OpAcc;

/* One element into the aggregate: SUM/MIN/MAX take what reads as a number
 * (an integer, else a long double as Redis's string2ld reads one) and skip
 * the rest; AND/OR/XOR take integers, and floats truncated toward zero when
 * they fit in 64 bits. */
static void op_add(OpAcc *acc, Slice v) {
    if (acc->op == OP_USED) {
        acc->hits++;
        return;
    }
    if (acc->op == OP_MATCH) {
        acc->hits += slice_eq(v, acc->match);
        return;
    }
    long double num;
    long long ival = 0;
    int is_int = 0;
    if (num_parse_ll(v.p, v.len, &ival) == 0) {
        num = (long double)ival;
        is_int = 1;
    } else if (parse_long_double(v, &num) != 0) {
        return;
    }
    if (acc->op == OP_AND || acc->op == OP_OR || acc->op == OP_XOR) {
        if (!is_int) {
            if (isnan(num) || num < (long double)INT64_MIN || num > (long double)INT64_MAX) return;
            ival = (long long)num;
        }
        if (!acc->has_int) {
            acc->bits = ival;
            acc->has_int = 1;
        } else if (acc->op == OP_AND) {
            acc->bits &= ival;
        } else if (acc->op == OP_OR) {
            acc->bits |= ival;
        } else {
            acc->bits ^= ival;
        }
        return;
    }
    if (!acc->has_num) {
        acc->sum = acc->minmax = num;
        acc->has_num = 1;
    } else if (acc->op == OP_SUM) {
        acc->sum += num;
    } else if (acc->op == OP_MIN ? num < acc->minmax : num > acc->minmax) {
        acc->minmax = num;
    }
}

static void cmd_arop(Client *c) {
    static const char *const names[] = {"sum", "min", "max", "and", "or", "xor", "match", "used"};
    uint64_t start, end;
    if (index_or_reply(c, c->argv[2], &start) != 0) return;
    if (index_or_reply(c, c->argv[3], &end) != 0) return;
    int op = 0;
    for (int i = 0; i < 8 && !op; i++)
        if (slice_eq_nocase(c->argv[4], names[i])) op = i + 1;
    if (!op) {
        reply_error(c, "ERR unknown operation");
        return;
    }
    if (op == OP_MATCH && c->argc != 6) {
        reply_error(c, "ERR MATCH requires a value argument");
        return;
    }
    if (op != OP_MATCH && c->argc != 5) {
        reply_arity_error(c);
        return;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        if (op == OP_MATCH || op == OP_USED)
            reply_int(c, 0);
        else
            reply_null(c);
        return;
    }
    OpAcc acc = {.op = op};
    if (op == OP_MATCH) acc.match = c->argv[5];
    ArrayIter it;
    Slice v;
    arrayobj_iter_init(&it, arr(o), start < end ? start : end, start < end ? end : start, 0);
    while (arrayobj_iter_next(&it, NULL, &v)) op_add(&acc, v);
    if (op == OP_MATCH || op == OP_USED) {
        reply_int(c, acc.hits);
    } else if (op == OP_AND || op == OP_OR || op == OP_XOR) {
        if (acc.has_int)
            reply_int(c, acc.bits);
        else
            reply_null(c);
    } else if (!acc.has_num) {
        reply_null(c);
    } else {
        /* as Redis's ld2string in its "auto" mode */
        long double r = op == OP_SUM ? acc.sum : acc.minmax;
        char buf[128];
        int len;
        if (isinf(r))
            len = snprintf(buf, sizeof buf, "%s", r > 0 ? "inf" : "-inf");
        else
            len = snprintf(buf, sizeof buf, "%.17Lg", r);
        reply_bulk(c, buf, (size_t)len);
    }
}

/* ---- ARINSERT ARRING ARNEXT ARSEEK ARLASTITEMS ------------------------------ */

static void cmd_arinsert(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    uint64_t n = (uint64_t)(c->argc - 2), first = 0;
    if (o) {
        uint64_t cur = arrayobj_cursor(arr(o));
        if (cur != ARRAY_CURSOR_NONE) {
            if (cur >= UINT64_MAX - 1) {
                reply_error(c, "ERR insert index overflow");
                return;
            }
            first = cur + 1;
        }
    }
    uint64_t last = first + n - 1;
    if (last < first || last == UINT64_MAX) {
        reply_error(c, "ERR insert index overflow");
        return;
    }
    int is_new = o == NULL;
    if (is_new) o = obj_new(OBJ_ARRAY, arrayobj_new());
    for (uint64_t i = 0; i < n; i++) arrayobj_set(arr(o), first + i, c->argv[2 + i]);
    arrayobj_set_cursor(arr(o), last);
    after_write(c, key, o, is_new, "arinsert");
    reply_uint(c, last);
}

/* The slot the next ARINSERT / ARRING writes, before ARRING's modulo. */
static uint64_t next_slot(const ArrayObj *a) {
    uint64_t cur = arrayobj_cursor(a);
    return cur == ARRAY_CURSOR_NONE ? 0 : cur + 1;
}

/* A copy of a holding the newest contiguous run of positions a ring of the
 * old logical span keeps (at most keep, walking back from the cursor with
 * wrap-around and stopping at the first hole), replayed oldest first from
 * index 0 with the cursor on the newest. */
static ArrayObj *ring_rebuild(const ArrayObj *a, uint64_t span, uint64_t keep) {
    ArrayObj *b = arrayobj_new();
    uint64_t cur = arrayobj_cursor(a);
    uint64_t src = cur == ARRAY_CURSOR_NONE ? span - 1 : cur % span;
    uint64_t kept = 0;
    Slice v;
    while (kept < keep && arrayobj_get(a, src, &v)) {
        kept++;
        src = src == 0 ? span - 1 : src - 1;
    }
    src = src + 1 == span ? 0 : src + 1;
    for (uint64_t i = 0; i < kept; i++) {
        arrayobj_get(a, src, &v);
        arrayobj_set(b, i, v);
        src = src + 1 == span ? 0 : src + 1;
    }
    if (kept) arrayobj_set_cursor(b, kept - 1);
    return b;
}

static void cmd_arring(Client *c) {
    Slice key = c->argv[1];
    long long size;
    if (parse_ll(c->argv[2], &size) != 0) {
        reply_error(c, "ERR invalid size");
        return;
    }
    if (size <= 0) {
        reply_error(c, "ERR size must be positive");
        return;
    }
    uint64_t ring = (uint64_t)size;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    int is_new = o == NULL;
    if (is_new) o = obj_new(OBJ_ARRAY, arrayobj_new());
    /* A new size changes the ring's shape: rebuild once when it shrinks
     * below the span in use, or grows after the ring had wrapped (the next
     * write would otherwise land on old low slots instead of the new room). */
    ArrayObj *a = arr(o);
    uint64_t span = arrayobj_len(a), keep = 0;
    if (span && ring < span)
        keep = ring;
    else if (span && ring > span && arrayobj_cursor(a) != ARRAY_CURSOR_NONE && next_slot(a) < span)
        keep = span;
    if (keep) {
        o->ptr = ring_rebuild(a, span, keep);
        arrayobj_free(a);
        a = o->ptr;
    }
    uint64_t slot = 0;
    for (int i = 3; i < c->argc; i++) {
        slot = next_slot(a);
        if (slot >= ring) slot %= ring;
        arrayobj_set(a, slot, c->argv[i]);
        arrayobj_set_cursor(a, slot);
    }
    after_write(c, key, o, is_new, "arring");
    reply_uint(c, slot);
}

static void cmd_arnext(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    uint64_t cur = o ? arrayobj_cursor(arr(o)) : ARRAY_CURSOR_NONE;
    if (cur == ARRAY_CURSOR_NONE)
        reply_int(c, 0);
    else if (cur == UINT64_MAX - 1)
        reply_null(c); /* the index space is used up */
    else
        reply_uint(c, cur + 1);
}

static void cmd_arseek(Client *c) {
    Slice key = c->argv[1];
    uint64_t idx;
    if (parse_index(c->argv[2], &idx, 1) != 0) {
        reply_error(c, "ERR invalid array index");
        return;
    }
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    arrayobj_set_cursor(arr(o), idx == 0 ? ARRAY_CURSOR_NONE : idx - 1);
    db_signal_key(c->db, key);
    notify_keyspace_event(NOTIFY_ARRAY, "arseek", key, db_index(c->db));
    propagate_argv(c);
    reply_int(c, 1);
}

static void cmd_arlastitems(Client *c) {
    long long count;
    if (parse_ll(c->argv[2], &count) != 0) {
        reply_error(c, "ERR invalid COUNT");
        return;
    }
    if (count <= 0) {
        reply_array(c, 0);
        return;
    }
    int rev = 0;
    if (c->argc == 4) {
        if (!slice_eq_nocase(c->argv[3], "rev")) {
            reply_syntax_error(c);
            return;
        }
        rev = 1;
    } else if (c->argc != 3) {
        reply_arity_error(c);
        return;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_array(c, 0);
        return;
    }
    const ArrayObj *a = arr(o);
    uint64_t len = arrayobj_len(a);
    uint64_t n = (uint64_t)count > len ? len : (uint64_t)count;
    /* positions, not elements: a walk over holes is capped like ARGETRANGE,
     * unless the array really holds that many elements */
    if (n > arrayobj_count(a) && n > AR_MAX_REPLY_ITEMS) {
        reply_error(c, "ERR count exceeds maximum of %u items", AR_MAX_REPLY_ITEMS);
        return;
    }
    uint64_t cur = arrayobj_cursor(a);
    uint64_t anchor = cur == ARRAY_CURSOR_NONE || cur >= len ? len - 1 : cur;
    /* the oldest position first unless REV: start n-1 steps back */
    uint64_t back = (n - 1) % len;
    uint64_t pos = rev ? anchor : (anchor >= back ? anchor - back : len - (back - anchor));
    reply_array(c, (size_t)n);
    for (uint64_t i = 0; i < n; i++) {
        reply_value(c, a, pos);
        if (rev)
            pos = pos == 0 ? len - 1 : pos - 1;
        else
            pos = pos + 1 == len ? 0 : pos + 1;
    }
}

/* ---- ARINFO -------------------------------------------------------------------- */

static void cmd_arinfo(Client *c) {
    int full = 0;
    if (c->argc > 2) {
        if (c->argc == 3 && slice_eq_nocase(c->argv[2], "full")) {
            full = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    const ArrayObj *a = arr(o);
    ArrayStats st;
    arrayobj_stats(a, &st);
    uint64_t cur = arrayobj_cursor(a);
    reply_map(c, full ? 12 : 7);
    reply_bulk_cstr(c, "count");
    reply_uint(c, arrayobj_count(a));
    reply_bulk_cstr(c, "len");
    reply_uint(c, arrayobj_len(a));
    reply_bulk_cstr(c, "next-insert-index");
    reply_uint(c, cur == ARRAY_CURSOR_NONE || cur == UINT64_MAX - 1 ? 0 : cur + 1);
    reply_bulk_cstr(c, "slices");
    reply_uint(c, st.n_slices);
    reply_bulk_cstr(c, "directory-size");
    reply_uint(c, st.dir_cap);
    reply_bulk_cstr(c, "super-dir-entries");
    reply_int(c, 0);
    reply_bulk_cstr(c, "slice-size");
    reply_int(c, ARRAY_SLICE_SIZE);
    if (!full) return;
    reply_bulk_cstr(c, "dense-slices");
    reply_uint(c, st.n_dense);
    reply_bulk_cstr(c, "sparse-slices");
    reply_uint(c, st.n_sparse);
    reply_bulk_cstr(c, "avg-dense-size");
    reply_double(c, st.n_dense ? (double)st.dense_span_total / (double)st.n_dense : 0);
    reply_bulk_cstr(c, "avg-dense-fill");
    reply_double(c, st.dense_span_total ? (double)st.dense_count_total / (double)st.dense_span_total
                                        : 0);
    reply_bulk_cstr(c, "avg-sparse-size");
    reply_double(c, st.n_sparse ? (double)st.sparse_cap_total / (double)st.n_sparse : 0);
}

/* ---- persistence ---------------------------------------------------------------- */

enum { TAG_SDS = 0, TAG_INT = 1, TAG_FLOAT = 2, TAG_SMALLSTR = 3 };

static const uint8_t array_rdb_types[] = {RDB_TYPE_ARRAY};

static int array_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return RDB_TYPE_ARRAY;
}

static void array_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const ArrayObj *a = arr(o);
    uint64_t cur = arrayobj_cursor(a);
    rdb_write_len(out, arrayobj_count(a));
    rdb_write_len(out, cur != ARRAY_CURSOR_NONE);
    if (cur != ARRAY_CURSOR_NONE) rdb_write_len(out, cur);
    ArrayIter it;
    uint64_t idx;
    Slice v;
    arrayobj_iter_init(&it, a, 0, ARRAY_INDEX_MAX, 0);
    while (arrayobj_iter_next(&it, &idx, &v)) {
        rdb_write_len(out, idx);
        rdb_write_len(out, TAG_SDS);
        rdb_write_string(out, v.p, v.len);
    }
}

/* A double as Redis 8.8 shows an array's float element: the shortest text
 * that reads back as d, with ".0" added to an integral finite value. */
static size_t format_float(double d, char *buf, size_t cap) {
    int len = 0;
    if (isnan(d)) {
        len = snprintf(buf, cap, "nan");
    } else if (isinf(d)) {
        len = snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    } else if (d == 0) {
        len = snprintf(buf, cap, "%s", signbit(d) ? "-0" : "0");
    } else if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(long long)d) {
        len = snprintf(buf, cap, "%lld", (long long)d);
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            len = snprintf(buf, cap, "%.*g", prec, d);
            if (strtod(buf, NULL) == d) break;
        }
    }
    if (isfinite(d) && !memchr(buf, '.', (size_t)len) && !memchr(buf, 'e', (size_t)len))
        len += snprintf(buf + len, cap - (size_t)len, ".0");
    return (size_t)len;
}

static int array_rdb_read(RdbReader *r, int type, int64_t now_ms, Obj **out) {
    (void)type;
    (void)now_ms;
    *out = NULL;
    uint64_t n, has_cursor, cursor = ARRAY_CURSOR_NONE;
    if (rdb_read_len(r, &n) != RDB_OK || rdb_read_len(r, &has_cursor) != RDB_OK) return RDB_ERR;
    if (has_cursor > 1) return RDB_ERR;
    if (has_cursor && rdb_read_len(r, &cursor) != RDB_OK) return RDB_ERR;
    /* each element takes at least three bytes: no claim past the input */
    if (n > (r->len - r->pos) / 3) return RDB_ERR;
    if (n == 0) return RDB_EMPTY;
    ArrayObj *a = arrayobj_new();
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t idx, tag;
        if (rdb_read_len(r, &idx) != RDB_OK || rdb_read_len(r, &tag) != RDB_OK) goto err;
        if (idx > ARRAY_INDEX_MAX || (i && idx <= prev)) goto err;
        prev = idx;
        char num[64];
        if (tag == TAG_INT || tag == TAG_FLOAT) {
            const uint8_t *p;
            if (rdb_read_raw(r, 8, &p) != RDB_OK) goto err;
            uint64_t bits = bytes_le64(p);
            size_t len;
            if (tag == TAG_INT) {
                len = ll_to_str((long long)bits, num);
            } else {
                double d;
                memcpy(&d, &bits, sizeof d);
                len = format_float(d, num, sizeof num);
            }
            arrayobj_set(a, idx, slice_of(num, len));
        } else if (tag == TAG_SDS || tag == TAG_SMALLSTR) {
            char *s;
            size_t len;
            if (rdb_read_string(r, persist_string_max(), &s, &len) != RDB_OK) goto err;
            arrayobj_set(a, idx, slice_of(s, len));
            xfree(s);
        } else {
            goto err;
        }
    }
    arrayobj_set_cursor(a, cursor);
    *out = obj_new(OBJ_ARRAY, a);
    return RDB_OK;
err:
    arrayobj_free(a);
    return RDB_ERR;
}

/* ARMSET key i1 v1 .. i64 v64 until every element is written, then ARSEEK
 * to put the cursor back (ARSEEK n sets it to n-1; 2^64-1 is its end). */
static void array_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                              void (*flush)(void *), void *fp) {
    (void)now_ms;
    const ArrayObj *a = arr(o);
    uint64_t left = arrayobj_count(a), idx;
    ArrayIter it;
    Slice v;
    char num[24];
    arrayobj_iter_init(&it, a, 0, ARRAY_INDEX_MAX, 0);
    while (left) {
        uint64_t k = left < REWRITE_BATCH ? left : REWRITE_BATCH;
        aof_cat_array_header(out, (long long)(2 + 2 * k));
        aof_cat_bulk(out, "ARMSET", 6);
        aof_cat_bulk(out, key.p, key.len);
        for (uint64_t j = 0; j < k; j++) {
            arrayobj_iter_next(&it, &idx, &v);
            aof_cat_bulk(out, num,
                         (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)idx));
            aof_cat_bulk(out, v.p, v.len);
        }
        left -= k;
        if (flush) flush(fp);
    }
    uint64_t cur = arrayobj_cursor(a);
    if (cur != ARRAY_CURSOR_NONE) {
        aof_cat_array_header(out, 3);
        aof_cat_bulk(out, "ARSEEK", 6);
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk(out, num,
                     (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)cur + 1));
    }
}

static const PersistTypeOps array_persist = {
    .obj_type = OBJ_ARRAY,
    .rdb_type = array_rdb_type,
    .rdb_write = array_rdb_write,
    .rdb_read = array_rdb_read,
    .rdb_types = array_rdb_types,
    .n_rdb_types = sizeof array_rdb_types,
    .aof_rewrite = array_aof_rewrite,
};

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command array_commands[] = {
    {"arset", cmd_arset, -4, W | CMD_FAST, "@write @array @fast", 1, 1, 1, NULL},
    {"armset", cmd_armset, -4, W | CMD_FAST, "@write @array @fast", 1, 1, 1, NULL},
    {"arget", cmd_arget, 3, RO | CMD_FAST, "@read @array @fast", 1, 1, 1, NULL},
    {"armget", cmd_armget, -3, RO | CMD_FAST, "@read @array @fast", 1, 1, 1, NULL},
    {"ardel", cmd_ardel, -3, CMD_WRITE | CMD_FAST, "@write @array @fast", 1, 1, 1, NULL},
    {"ardelrange", cmd_ardelrange, -4, CMD_WRITE, "@write @array @slow", 1, 1, 1, NULL},
    {"arlen", cmd_arlen, 2, RO | CMD_FAST, "@read @array @fast", 1, 1, 1, NULL},
    {"arcount", cmd_arcount, 2, RO | CMD_FAST, "@read @array @fast", 1, 1, 1, NULL},
    {"argetrange", cmd_argetrange, 4, RO, "@read @array @slow", 1, 1, 1, NULL},
    {"arscan", cmd_arscan, -4, RO, "@read @array @slow", 1, 1, 1, NULL},
    {"arop", cmd_arop, -5, RO, "@read @array @slow", 1, 1, 1, NULL},
    {"argrep", cmd_argrep, -6, RO, "@read @array @slow", 1, 1, 1, NULL},
    {"arinsert", cmd_arinsert, -3, W | CMD_FAST, "@write @array @fast", 1, 1, 1, NULL},
    {"arring", cmd_arring, -4, W, "@write @array @slow", 1, 1, 1, NULL},
    {"arnext", cmd_arnext, 2, RO | CMD_FAST, "@read @array @fast", 1, 1, 1, NULL},
    {"arseek", cmd_arseek, 3, CMD_WRITE | CMD_FAST, "@write @array @fast", 1, 1, 1, NULL},
    {"arlastitems", cmd_arlastitems, -3, RO, "@read @array @slow", 1, 1, 1, NULL},
    {"arinfo", cmd_arinfo, -2, RO, "@read @array @slow", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void array_cmd_init(void);
void array_cmd_init(void) {
    obj_register_type(OBJ_ARRAY, &array_type);
    persist_register_type(&array_persist);
}
