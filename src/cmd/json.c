/*
 * json.c - the JSON type: Redis 8's JSON.* commands (RedisJSON), the
 * OBJ_JSON value type's registration (TYPE "ReJSON-RL"), and its
 * persistence. The value is a src/types/json.h tree; paths are
 * src/types/jsonpath.h.
 *
 * RedisJSON's source (redis_json/src/commands.rs and friends) is the
 * specification. Two path dialects: a path starting with "$" followed by
 * nothing, "." or "[" is JSONPath and replies per match (an array, nil where
 * a match is of the wrong type); anything else is a legacy path, turned into
 * JSONPath by prefixing "$." ("." alone is the root), and replies with one
 * value (the first match's, or the last changed one's) or an error. The
 * order of checks follows RedisJSON's so the same bad command gets the same
 * error: most commands parse their values before looking the key up, some
 * after (JSON.SET, JSON.ARRINDEX).
 *
 * Writes that change something fire a keyspace event of class 'd' named
 * after the command ("json.set", "json.del", ...) and propagate verbatim, as
 * RedisJSON replicates them (every JSON write is deterministic). Matches of
 * a multi-match write are changed one by one after finding each again from
 * the root (jsonpath_resolve), deeper ones first where a change could move
 * the others, as RedisJSON orders them.
 *
 * Persistence: RDB/DUMP as the module value RedisJSON writes (module type
 * "ReJSON-RL", encoding version 3: one string field holding the document
 * serialized); version 2 (the same string, then an unsigned count and,
 * when set, two strings of old RediSearch data) is read too. The AOF
 * rewrite emits JSON.SET key $ <document>.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/core.h"
#include "types/json.h"
#include "types/jsonpath.h"

#define JSON_TYPE_NAME "ReJSON-RL"
#define JSON_ENCVER    3

static Json *doc(const Obj *o) {
    return o->ptr;
}

/* ---- RedisJSON's memory figure (JSON.DEBUG MEMORY, MEMORY USAGE) ------------ */

/* RedisJSON's formula over its value layout (8-byte values, small integers
 * inline, containers with a two-word header and, for objects, three words a
 * slot), applied to streamd's slot counts. */
static size_t redisjson_mem(const Json *j) {
    size_t n = 8;
    switch (j->type) {
    case JSON_INT:
        if (j->v.i >= -128 && j->v.i <= 383)
            n += 0;
        else if (j->v.i > -8388608 && j->v.i <= 8388607)
            n += 4;
        else
            n += 16;
        break;
    case JSON_UINT:
    case JSON_DOUBLE:
        n += 16;
        break;
    case JSON_STRING:
        n += j->n;
        break;
    case JSON_ARRAY:
        if (j->cap) {
            n += 8 * ((size_t)j->cap + 2);
            for (uint32_t i = 0; i < j->n; i++) n += redisjson_mem(j->v.items[i]);
        }
        break;
    case JSON_OBJECT:
        if (j->cap) {
            n += 8 * ((size_t)j->cap * 3 + 2);
            for (uint32_t i = 0; i < j->n; i++)
                n += j->v.member[i].klen + redisjson_mem(j->v.member[i].val);
        }
        break;
    default:
        break;
    }
    return n;
}

/* ---- the value type --------------------------------------------------------- */

static void ops_free(void *ptr) {
    json_free(ptr);
}

static size_t ops_mem(const void *ptr) {
    return redisjson_mem(ptr);
}

static uint64_t ops_items(const void *ptr) {
    (void)ptr;
    return 1;
}

static Obj *ops_dup(const void *ptr) {
    return obj_new(OBJ_JSON, json_dup(ptr));
}

static uint64_t ops_free_effort(const void *ptr) {
    return json_node_count(ptr);
}

static const ObjTypeOps json_type = {JSON_TYPE_NAME, "raw",   ops_free, ops_mem,
                                     ops_items,      ops_dup, NULL,     ops_free_effort};

/* ---- helpers ------------------------------------------------------------------- */

/* RedisJSON takes its text arguments as UTF-8 strings. */
static int utf8_valid(Slice s) {
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, n = s.len;
    while (i < n) {
        unsigned char c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + k >= n) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int utf8_or_reply(Client *c, Slice s) {
    if (utf8_valid(s)) return 0;
    reply_error(c, "Couldn't parse as UTF-8 string");
    return -1;
}

/* A JSON argument as RedisJSON parses it; NULL after replying the error. */
static Json *parse_or_reply_as(Client *c, Slice s, int bare) {
    if (utf8_or_reply(c, s) != 0) return NULL;
    char err[256];
    Json *j = json_parse(s.p, s.len, JSON_MAX_PARSE_DEPTH, err, sizeof err);
    if (!j) reply_error(c, bare ? "%s" : "ERR %s", err);
    return j;
}

/* A JSON value to store (JSON.SET, MSET, MERGE, ARRAPPEND, ARRINSERT): a
 * parse error is the parser's bare sentence, no ERR, as RedisJSON's
 * manager.from_str() answers and as Redis 8.10's JSON error list has it
 * (its "ERR <json-parse-error>" row names only JSON.ARRINDEX, NUMINCRBY,
 * NUMMULTBY, NUMPOWBY and STRAPPEND). */
static Json *parse_or_reply(Client *c, Slice s) {
    return parse_or_reply_as(c, s, 1);
}

/* A path argument: legacy or JSONPath, and the JSONPath text. */
typedef struct JPath {
    int legacy;
    Slice orig;
    char *text; /* owned, NUL-terminated */
    size_t len;
    JsonPath *jp; /* NULL when it does not compile (err says why) */
    char err[256];
} JPath;

/* A path argument; with allow_proj a projection is accepted (only the value
 * reads, JSON.GET JSON.MGET JSON.RESP, evaluate one). A projection is
 * JSONPath whether or not it starts with '$'. */
static void jpath_init_as(JPath *p, Slice arg, int allow_proj) {
    memset(p, 0, sizeof *p);
    p->orig = arg;
    p->legacy = !(arg.len >= 1 && arg.p[0] == '$' &&
                  (arg.len == 1 || memchr(".[~ ", arg.p[1], 4) != NULL)) &&
                !jsonpath_starts_projection(arg.p, arg.len);
    p->text = xmalloc(arg.len + 3);
    if (!p->legacy) {
        memcpy(p->text, arg.p, arg.len);
        p->len = arg.len;
    } else if (arg.len == 1 && arg.p[0] == '.') {
        p->text[0] = '$';
        p->len = 1;
    } else if (arg.len >= 1 && arg.p[0] == '.') {
        p->text[0] = '$';
        memcpy(p->text + 1, arg.p, arg.len);
        p->len = arg.len + 1;
    } else {
        p->text[0] = '$';
        p->text[1] = '.';
        memcpy(p->text + 2, arg.p, arg.len);
        p->len = arg.len + 2;
    }
    p->text[p->len] = '\0';
    p->jp = allow_proj ? jsonpath_compile_projection(p->text, p->len, p->err, sizeof p->err)
                       : jsonpath_compile(p->text, p->len, p->err, sizeof p->err);
}

static void jpath_init(JPath *p, Slice arg) {
    jpath_init_as(p, arg, 0);
}

static void jpath_default(JPath *p) {
    jpath_init(p, slice_of(".", 1));
}

static void jpath_free(JPath *p) {
    xfree(p->text);
    jsonpath_free(p->jp);
}

static int jpath_is_root(const JPath *p) {
    return p->len == 1 && p->text[0] == '$';
}

/* 0, or -1 after replying the compile error. */
static int jpath_ok_or_reply(Client *c, const JPath *p) {
    if (p->jp) return 0;
    reply_error(c, "ERR %s", p->err);
    return -1;
}

/* The JSON value at key: 0 with *out (NULL if missing), or -1 after WRONGTYPE. */
static int lookup(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_JSON) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

static void reply_no_key(Client *c) {
    reply_error(c, "ERR could not perform this operation on a key that doesn't exist");
}

static void reply_path_missing(Client *c, const JPath *p) {
    reply_error(c, "ERR Path '%s' does not exist", p->text);
}

static void reply_json(Client *c, const Json *j, const JsonFormat *f) {
    Buf b;
    buf_init(&b);
    json_serialize(j, f, &b);
    reply_bulk(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

static void reply_json_list(Client *c, Json *const *v, size_t n) {
    Buf b;
    buf_init(&b);
    json_serialize_list(v, n, NULL, &b);
    reply_bulk(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

/* A double as Redis 8 replies one (shortest round-trip %g form). */
static void reply_json_double(Client *c, double d) {
    char buf[40];
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    reply_double_text(c, buf, (size_t)n);
}

enum { FMT_STRING, FMT_STRINGS, FMT_EXPAND1, FMT_EXPAND };

/* RedisJSON's reply format names (exact, upper case); -1 if unknown. */
static int parse_reply_format(Slice s) {
    static const char *const names[] = {"STRING", "STRINGS", "EXPAND1", "EXPAND"};
    for (int i = 0; i < 4; i++)
        if (s.len == strlen(names[i]) && memcmp(s.p, names[i], s.len) == 0) return i;
    return -1;
}

/* A value in RESP3 as FORMAT EXPAND (whole tree) or EXPAND1 (scalars
 * native, containers serialized) shows it. */
static void reply_resp3_value(Client *c, const Json *j, int fmt, const JsonFormat *f) {
    switch (j->type) {
    case JSON_NULL:
        reply_null(c);
        return;
    case JSON_BOOL:
        reply_bool(c, j->b);
        return;
    case JSON_INT:
        reply_int(c, j->v.i);
        return;
    case JSON_UINT:
    case JSON_DOUBLE:
        reply_json_double(c, json_number_as_double(j));
        return;
    case JSON_STRING:
        reply_bulk(c, j->v.s, j->n);
        return;
    default:
        break;
    }
    if (fmt != FMT_EXPAND) {
        reply_json(c, j, f);
        return;
    }
    if (j->type == JSON_ARRAY) {
        reply_array(c, j->n);
        for (uint32_t i = 0; i < j->n; i++) reply_resp3_value(c, j->v.items[i], fmt, f);
    } else {
        reply_map(c, j->n);
        for (uint32_t i = 0; i < j->n; i++) {
            reply_bulk(c, j->v.member[i].key, j->v.member[i].klen);
            reply_resp3_value(c, j->v.member[i].val, fmt, f);
        }
    }
}

/* Whether v placed steps levels below the root would nest deeper than a
 * document may (RedisJSON refuses such writes: the tree must stay as
 * shallow as a parsed document, which also bounds every recursion over
 * it); replies the error when so. */
static int too_deep(Client *c, size_t steps, const Json *v) {
    if (steps + (size_t)json_depth(v) <= JSON_MAX_PARSE_DEPTH) return 0;
    reply_error(c, "ERR recursion limit exceeded");
    return 1;
}

/* After a change to the value at key (which stays). */
static void changed(Client *c, Slice key, const char *event) {
    db_signal_key(c->db, key);
    notify_keyspace_event(NOTIFY_MODULE, event, key, db_index(c->db));
    propagate_argv(c);
}

/* A new key holding j. */
static void created(Client *c, Slice key, Json *j, const char *event) {
    db_add(c->db, key, obj_new(OBJ_JSON, j));
    notify_keyspace_event(NOTIFY_MODULE, event, key, db_index(c->db));
    propagate_argv(c);
}

/* The matches of p in root. */
static void eval(const JPath *p, Json *root, JsonMatches *ms) {
    jsonmatches_init(ms);
    jsonpath_eval(p->jp, root, ms);
}

/* The values p gives in root (its matches, or a projection's results);
 * free with jsonvalues_free(). */
static void values(const JPath *p, Json *root, JsonValues *vs) {
    memset(vs, 0, sizeof *vs);
    jsonpath_values(p->jp, root, vs);
}

/* Match indexes in the order changes must be made (see
 * jsonmatches_sort_for_update); owned. */
static size_t *update_order(const JsonMatches *ms, const uint8_t *keep) {
    size_t *order = xmalloc(sizeof(size_t) * (ms->n + 1));
    size_t n = 0;
    for (size_t i = 0; i < ms->n; i++)
        if (!keep || keep[i]) order[n++] = i;
    jsonmatches_sort_for_update(ms, order, n);
    return order;
}

/* ---- JSON.SET, JSON.MSET, JSON.MERGE ------------------------------------------------ */

enum { SET_ANY, SET_NX, SET_XX, SET_MERGE };

/* What a JSON.SET / JSON.MERGE / JSON.MSET triplet will write, planned on
 * the value before any write (RedisJSON plans JSON.MSET's triplets in its
 * first pass): the matches to replace (or merge into), or, when the path
 * matches nothing and ends with a member name, the objects to add it to. */
typedef struct SetPlan {
    JsonMatches ms;  /* replace / merge these */
    uint8_t *nested; /* SET: matches inside another match (replaced with it) */
    int add;         /* add name to each of par */
    JsonMatches par;
    const char *name;
    size_t nlen;
} SetPlan;

static void set_plan_free(SetPlan *pl) {
    jsonmatches_free(&pl->ms);
    jsonmatches_free(&pl->par);
    xfree(pl->nested);
}

/* Plans path p of root for mode: 0, or -1 after replying an error (a path
 * that can neither match nor name a new member). */
static int set_plan(Client *c, Json *root, const JPath *p, int mode, SetPlan *pl) {
    memset(pl, 0, sizeof *pl);
    jsonmatches_init(&pl->ms);
    jsonmatches_init(&pl->par);
    if (mode != SET_NX) jsonpath_eval(p->jp, root, &pl->ms);
    if (pl->ms.n > 0) {
        if (mode != SET_MERGE) {
            pl->nested = xmalloc(pl->ms.n);
            jsonmatches_mark_nested(&pl->ms, root, pl->nested);
        }
        return 0;
    }
    if (mode == SET_XX) return 0;
    if (!jsonpath_is_static(p->jp)) {
        reply_error(c, "Err wrong static path");
        return -1;
    }
    if (!jsonpath_last_name(p->jp, &pl->name, &pl->nlen)) {
        /* an index: out of range unless it exists (an NX no-op) */
        JsonMatches full;
        jsonmatches_init(&full);
        jsonpath_eval(p->jp, root, &full);
        size_t n = full.n;
        jsonmatches_free(&full);
        if (n == 0) {
            reply_error(c, "ERR array index out of range");
            return -1;
        }
        return 0;
    }
    pl->add = 1;
    jsonpath_eval_prefix(p->jp, jsonpath_n_segments(p->jp) - 1, root, &pl->par);
    return 0;
}

/* Whether v placed steps levels below the root would nest deeper than a
 * document may (such a write does not happen, as in RedisJSON: the tree
 * stays as shallow as a parsed document, which also bounds every recursion
 * over it). */
static int nests_too_deep(size_t steps, const Json *v) {
    return steps + (size_t)json_depth(v) > JSON_MAX_PARSE_DEPTH;
}

/* Applies a plan with v (borrowed, copied where it goes): 1 when every
 * planned write happened, else 0; *any says whether anything changed. */
static int set_apply(Json *root, SetPlan *pl, const Json *v, int mode, int *any) {
    size_t done = 0, want;
    *any = 0;
    if (!pl->add) {
        want = pl->ms.n;
        for (size_t i = 0; i < pl->ms.n; i++) {
            if (pl->nested && pl->nested[i]) {
                done++; /* replaced along with the match it is inside */
                continue;
            }
            Json *t = jsonpath_resolve(root, &pl->ms, i, NULL, NULL);
            if (!t || nests_too_deep(pl->ms.m[i].n_steps, v)) continue;
            if (mode == SET_MERGE)
                json_merge_patch(t, v);
            else
                json_replace(t, json_dup(v));
            done++;
            *any = 1;
        }
    } else {
        want = pl->par.n;
        for (size_t i = 0; i < pl->par.n; i++) {
            Json *t = jsonpath_resolve(root, &pl->par, i, NULL, NULL);
            if (!t || t->type != JSON_OBJECT || json_object_find(t, pl->name, pl->nlen) >= 0 ||
                nests_too_deep(pl->par.m[i].n_steps + 1, v))
                continue;
            json_object_set(t, pl->name, pl->nlen, json_dup(v));
            done++;
            *any = 1;
        }
    }
    return want > 0 && done == want;
}

/* Whether match i of ms (made in root) is an element of an array holding
 * only numbers. RedisJSON 8 keeps such an array in a compact typed form
 * whose elements JSON.MERGE and JSON.CLEAR cannot change one at a time:
 * they answer "ERR bad object type" (JSON.SET and JSON.NUMINCRBY can). */
static int in_number_array(Json *root, const JsonMatches *ms, size_t i) {
    Json *parent = NULL;
    size_t idx;
    if (!jsonpath_resolve(root, ms, i, &parent, &idx) || !parent || parent->type != JSON_ARRAY)
        return 0;
    for (uint32_t k = 0; k < parent->n; k++)
        if (!json_is_number(parent->v.items[k])) return 0;
    return 1;
}

#define ERR_BAD_OBJECT_TYPE "ERR bad object type"

/* Sets (or merges) v at path p of root: 1 all planned writes made, 0 some
 * or none (*any says whether anything changed), -1 after replying an
 * error. */
static int set_at(Client *c, Json *root, const JPath *p, const Json *v, int mode, int *any) {
    SetPlan pl;
    *any = 0;
    if (set_plan(c, root, p, mode, &pl) != 0) {
        set_plan_free(&pl);
        return -1;
    }
    if (mode == SET_MERGE && !pl.add) {
        for (size_t i = 0; i < pl.ms.n; i++) {
            if (in_number_array(root, &pl.ms, i)) {
                reply_error(c, ERR_BAD_OBJECT_TYPE);
                set_plan_free(&pl);
                return -1;
            }
        }
    }
    int rc = set_apply(root, &pl, v, mode, any);
    set_plan_free(&pl);
    return rc;
}

static void cmd_json_set(Client *c) {
    Slice key = c->argv[1];
    int mode = SET_ANY;
    for (int i = 4; i < c->argc; i++) {
        if (slice_eq_nocase(c->argv[i], "nx") && mode == SET_ANY) {
            mode = SET_NX;
        } else if (slice_eq_nocase(c->argv[i], "xx") && mode == SET_ANY) {
            mode = SET_XX;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    Json *v = NULL;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!(v = parse_or_reply(c, c->argv[3]))) goto done;
    if (!o) {
        if (mode == SET_XX) {
            reply_null(c);
        } else if (jpath_is_root(&p)) {
            created(c, key, v, "json.set");
            v = NULL;
            reply_ok(c);
        } else {
            reply_error(c, "ERR new objects must be created at the root");
        }
        goto done;
    }
    if (jpath_is_root(&p)) {
        if (mode == SET_NX) {
            reply_null(c);
        } else {
            json_replace(doc(o), v);
            v = NULL;
            changed(c, key, "json.set");
            reply_ok(c);
        }
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    int any;
    int rc = set_at(c, doc(o), &p, v, mode, &any);
    if (rc < 0) goto done;
    if (any) changed(c, key, "json.set");
    if (rc)
        reply_ok(c);
    else
        reply_null(c);
done:
    json_free(v);
    jpath_free(&p);
}

static void cmd_json_merge(Client *c) {
    Slice key = c->argv[1];
    if (c->argc > 4) {
        reply_syntax_error(c);
        return;
    }
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    Json *v = NULL;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!(v = parse_or_reply(c, c->argv[3]))) goto done;
    if (!o) {
        if (jpath_is_root(&p)) {
            created(c, key, v, "json.merge");
            v = NULL;
            reply_ok(c);
        } else {
            reply_error(c, "ERR new objects must be created at the root");
        }
        goto done;
    }
    if (jpath_is_root(&p)) {
        json_merge_patch(doc(o), v);
        changed(c, key, "json.merge");
        reply_ok(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    int any;
    if (set_at(c, doc(o), &p, v, SET_MERGE, &any) < 0) goto done;
    if (any) {
        changed(c, key, "json.merge");
        reply_ok(c);
    } else {
        reply_null(c);
    }
done:
    json_free(v);
    jpath_free(&p);
}

static void cmd_json_mset(Client *c) {
    if ((c->argc - 1) % 3 != 0) {
        reply_arity_error(c);
        return;
    }
    int n = (c->argc - 1) / 3;
    /* every triplet is checked and planned before anything is written; a
     * key absent now may only be given a whole document */
    JPath *paths = xcalloc((size_t)n, sizeof(JPath));
    SetPlan *plans = xcalloc((size_t)n, sizeof(SetPlan));
    Json **vals = xcalloc((size_t)n, sizeof(Json *));
    int t, ok = 1;
    for (t = 0; t < n && ok; t++) {
        Slice key = c->argv[1 + 3 * t];
        jsonmatches_init(&plans[t].ms);
        jsonmatches_init(&plans[t].par);
        Obj *o;
        if (lookup(c, key, 1, &o) != 0 || utf8_or_reply(c, c->argv[2 + 3 * t]) != 0) {
            ok = 0;
            break;
        }
        jpath_init(&paths[t], c->argv[2 + 3 * t]);
        if (!jpath_is_root(&paths[t])) {
            if (!o) {
                reply_error(c, "ERR new objects must be created at the root");
                ok = 0;
            } else if (jpath_ok_or_reply(c, &paths[t]) != 0) {
                ok = 0;
            } else {
                set_plan_free(&plans[t]);
                if (set_plan(c, doc(o), &paths[t], SET_ANY, &plans[t]) != 0) ok = 0;
            }
            if (!ok) {
                t++;
                break;
            }
        }
        if (!(vals[t] = parse_or_reply(c, c->argv[3 + 3 * t]))) {
            ok = 0;
            t++;
            break;
        }
    }
    if (ok) {
        int all = 1;
        for (t = 0; t < n; t++) {
            Slice key = c->argv[1 + 3 * t];
            Obj *o = db_lookup_write(c->db, key);
            int any = 0;
            if (!o) {
                db_add(c->db, key, obj_new(OBJ_JSON, vals[t]));
                vals[t] = NULL;
                any = 1;
            } else if (jpath_is_root(&paths[t])) {
                json_replace(doc(o), vals[t]);
                vals[t] = NULL;
                any = 1;
                db_signal_key(c->db, key);
            } else {
                if (!set_apply(doc(o), &plans[t], vals[t], SET_ANY, &any)) all = 0;
                if (any) db_signal_key(c->db, key);
            }
            if (any) notify_keyspace_event(NOTIFY_MODULE, "json.mset", key, db_index(c->db));
        }
        propagate_argv(c);
        if (all)
            reply_ok(c);
        else
            reply_null(c);
    }
    for (t = 0; t < n; t++) {
        jpath_free(&paths[t]);
        set_plan_free(&plans[t]);
        json_free(vals[t]);
    }
    xfree(paths);
    xfree(plans);
    xfree(vals);
}

/* ---- JSON.GET, JSON.MGET, JSON.TYPE, JSON.RESP ------------------------------------ */

static void cmd_json_get(Client *c) {
    Slice key = c->argv[1];
    JsonFormat f = {0};
    int has_fmt = 0, fmt = FMT_STRING;
    Slice *paths = xmalloc(sizeof(Slice) * (size_t)c->argc);
    size_t n_paths = 0;
    for (int i = 2; i < c->argc; i++) {
        Slice a = c->argv[i];
        if (utf8_or_reply(c, a) != 0) goto done;
        int needs = slice_eq_nocase(a, "indent") || slice_eq_nocase(a, "newline") ||
                    slice_eq_nocase(a, "space") || slice_eq_nocase(a, "format");
        if (a.len > 8 || !(needs || slice_eq_nocase(a, "noescape"))) {
            paths[n_paths++] = a;
            continue;
        }
        if (slice_eq_nocase(a, "noescape")) continue;
        if (slice_eq_nocase(a, "format") && c->resp < 3 && n_paths == 0) {
            reply_error(c, "ERR FORMAT argument is not supported on RESP2");
            goto done;
        }
        if (i + 1 >= c->argc) {
            reply_arity_error(c);
            goto done;
        }
        Slice v = c->argv[++i];
        if (utf8_or_reply(c, v) != 0) goto done;
        if (slice_eq_nocase(a, "format")) {
            fmt = parse_reply_format(v);
            if (fmt < 0 || fmt == FMT_STRINGS) {
                reply_error(c, "ERR wrong reply format");
                goto done;
            }
            has_fmt = 1;
        } else if (slice_eq_nocase(a, "indent")) {
            f.indent = v.p;
            f.indent_len = v.len;
        } else if (slice_eq_nocase(a, "newline")) {
            f.newline = v.p;
            f.newline_len = v.len;
        } else {
            f.space = v.p;
            f.space_len = v.len;
        }
    }
    (void)has_fmt;
    Obj *o;
    if (lookup(c, key, 0, &o) != 0) goto done;
    if (!o) {
        reply_null(c);
        goto done;
    }
    const JsonFormat *fp = (f.indent || f.newline || f.space) ? &f : NULL;
    if (n_paths == 0) paths[n_paths++] = slice_of(".", 1);
    JPath *jp = xmalloc(sizeof(JPath) * n_paths);
    int legacy = 1;
    for (size_t i = 0; i < n_paths; i++) {
        jpath_init_as(&jp[i], paths[i], 1);
        legacy &= jp[i].legacy;
    }
    if (c->resp >= 3 && fmt != FMT_STRING) {
        /* an array per path of its matches, each as the format says */
        reply_array(c, n_paths);
        for (size_t i = 0; i < n_paths; i++) {
            if (!jp[i].jp) {
                reply_empty_array(c);
                continue;
            }
            JsonValues vs;
            values(&jp[i], doc(o), &vs);
            reply_array(c, vs.n);
            for (size_t k = 0; k < vs.n; k++) reply_resp3_value(c, vs.v[k], fmt, fp);
            jsonvalues_free(&vs);
        }
    } else if (n_paths > 1) {
        /* an object keyed by each path (first occurrence; a path that does
         * not compile is left out) */
        Buf b;
        buf_init(&b);
        Json *obj = json_new(JSON_OBJECT);
        const char *missing = NULL;
        for (size_t i = 0; i < n_paths && !missing; i++) {
            if (!jp[i].jp) continue;
            JsonValues vs;
            values(&jp[i], doc(o), &vs);
            Json *val;
            if (legacy) {
                if (vs.n == 0) {
                    missing = jp[i].orig.p;
                    jsonvalues_free(&vs);
                    reply_error(c, "ERR Path '%.*s' does not exist", (int)jp[i].orig.len,
                                jp[i].orig.p);
                    break;
                }
                val = json_dup(vs.v[0]);
            } else {
                val = json_new(JSON_ARRAY);
                for (size_t k = 0; k < vs.n; k++) json_array_append(val, json_dup(vs.v[k]));
            }
            jsonvalues_free(&vs);
            if (json_object_find(obj, jp[i].orig.p, jp[i].orig.len) >= 0)
                json_free(val);
            else
                json_object_set(obj, jp[i].orig.p, jp[i].orig.len, val);
        }
        if (!missing) {
            json_serialize(obj, fp, &b);
            reply_bulk(c, buf_data(&b), buf_live(&b));
        }
        json_free(obj);
        buf_free(&b);
    } else if (jpath_ok_or_reply(c, &jp[0]) == 0) {
        JsonValues vs;
        values(&jp[0], doc(o), &vs);
        if (legacy) {
            if (vs.n == 0)
                reply_path_missing(c, &jp[0]);
            else
                reply_json(c, vs.v[0], fp);
        } else {
            Buf b;
            buf_init(&b);
            json_serialize_list(vs.v, vs.n, fp, &b);
            reply_bulk(c, buf_data(&b), buf_live(&b));
            buf_free(&b);
        }
        jsonvalues_free(&vs);
    }
    for (size_t i = 0; i < n_paths; i++) jpath_free(&jp[i]);
    xfree(jp);
done:
    xfree(paths);
}

static void cmd_json_mget(Client *c) {
    Slice patharg = c->argv[c->argc - 1];
    if (utf8_or_reply(c, patharg) != 0) return;
    JPath p;
    jpath_init_as(&p, patharg, 1);
    int n = c->argc - 2;
    reply_array(c, (size_t)n);
    for (int i = 1; i <= n; i++) {
        Obj *o = db_lookup_read(c->db, c->argv[i]);
        if (!o || o->type != OBJ_JSON || !p.jp) {
            reply_null(c);
            continue;
        }
        JsonValues vs;
        values(&p, doc(o), &vs);
        if (p.legacy) {
            if (vs.n == 0)
                reply_null(c);
            else
                reply_json(c, vs.v[0], NULL);
        } else {
            reply_json_list(c, vs.v, vs.n);
        }
        jsonvalues_free(&vs);
    }
    jpath_free(&p);
}

/* The optional path argument at argv[i] (the legacy root when absent);
 * -1 after replying a UTF-8 error. */
static int opt_path_as(Client *c, int i, JPath *p, int allow_proj) {
    if (i < c->argc) {
        if (utf8_or_reply(c, c->argv[i]) != 0) return -1;
        jpath_init_as(p, c->argv[i], allow_proj);
    } else {
        jpath_default(p);
    }
    return 0;
}

static int opt_path(Client *c, int i, JPath *p) {
    return opt_path_as(c, i, p, 0);
}

static void cmd_json_type(Client *c) {
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!p.legacy && o && jpath_ok_or_reply(c, &p) != 0) goto done;
    if (c->resp >= 3) reply_array(c, 1);
    if (!o) {
        reply_null(c);
        goto done;
    }
    JsonMatches ms;
    if (p.legacy) {
        if (!p.jp) {
            reply_null(c);
            goto done;
        }
        eval(&p, doc(o), &ms);
        if (ms.n == 0)
            reply_null(c);
        else
            reply_bulk_cstr(c, json_type_name(ms.m[0].val));
    } else {
        eval(&p, doc(o), &ms);
        reply_array(c, ms.n);
        for (size_t k = 0; k < ms.n; k++) reply_bulk_cstr(c, json_type_name(ms.m[k].val));
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

static void reply_resp_value(Client *c, const Json *j) {
    switch (j->type) {
    case JSON_NULL:
        reply_null(c);
        break;
    case JSON_BOOL:
        reply_status(c, j->b ? "true" : "false");
        break;
    case JSON_INT:
        reply_int(c, j->v.i);
        break;
    case JSON_UINT:
    case JSON_DOUBLE:
        reply_json_double(c, json_number_as_double(j));
        break;
    case JSON_STRING:
        reply_bulk(c, j->v.s, j->n);
        break;
    case JSON_ARRAY:
        reply_array(c, (size_t)j->n + 1);
        reply_status(c, "[");
        for (uint32_t i = 0; i < j->n; i++) reply_resp_value(c, j->v.items[i]);
        break;
    default:
        reply_array(c, (size_t)j->n * 2 + 1);
        reply_status(c, "{");
        for (uint32_t i = 0; i < j->n; i++) {
            reply_bulk(c, j->v.member[i].key, j->v.member[i].klen);
            reply_resp_value(c, j->v.member[i].val);
        }
        break;
    }
}

static void cmd_json_resp(Client *c) {
    JPath p;
    if (opt_path_as(c, 2, &p, 1) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!o) {
        reply_null(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonValues vs;
    values(&p, doc(o), &vs);
    if (p.legacy) {
        if (vs.n == 0)
            reply_path_missing(c, &p);
        else
            reply_resp_value(c, vs.v[0]);
    } else {
        reply_array(c, vs.n);
        for (size_t k = 0; k < vs.n; k++) reply_resp_value(c, vs.v[k]);
    }
    jsonvalues_free(&vs);
done:
    jpath_free(&p);
}

/* ---- JSON.DEL / JSON.FORGET, JSON.CLEAR ------------------------------------------- */

static int cmp_ptr(const void *a, const void *b) {
    const Json *x = *(Json *const *)a, *y = *(Json *const *)b;
    return x < y ? -1 : x > y;
}

static void cmd_json_del(Client *c) {
    Slice key = c->argv[1];
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_int(c, 0);
        goto done;
    }
    long long deleted = 0;
    int drop = 0;
    if (jpath_is_root(&p)) {
        deleted = 1;
        drop = 1;
    } else {
        if (jpath_ok_or_reply(c, &p) != 0) goto done;
        Json *root = doc(o);
        JsonMatches ms;
        eval(&p, root, &ms);
        uint8_t *nested = xmalloc(ms.n + 1);
        jsonmatches_mark_nested(&ms, root, nested);
        for (size_t i = 0; i < ms.n; i++) nested[i] = !nested[i];
        size_t *order = update_order(&ms, nested);
        size_t n = 0, n_touched = 0;
        for (size_t i = 0; i < ms.n; i++) n += nested[i];
        Json **touched = xmalloc(sizeof(Json *) * (n + 1));
        for (size_t k = 0; k < n; k++) {
            Json *parent;
            size_t at;
            Json *t = jsonpath_resolve(root, &ms, order[k], &parent, &at);
            if (!t) continue;
            if (!parent) {
                /* the root itself matched (e.g. "$..*" never does; "$[?...]"
                 * cannot): deleting it deletes the key */
                drop = 1;
            } else {
                /* emptied in place, the slots dropped below once per parent:
                 * later matches' indexes stay valid, and deleting many
                 * members of one container costs one pass over it */
                if (parent->type == JSON_ARRAY) {
                    json_free(parent->v.items[at]);
                    parent->v.items[at] = NULL;
                } else {
                    json_free(parent->v.member[at].val);
                    parent->v.member[at].val = NULL;
                }
                touched[n_touched++] = parent;
            }
            deleted++;
        }
        qsort(touched, n_touched, sizeof *touched, cmp_ptr);
        for (size_t k = 0; k < n_touched; k++)
            if (k == 0 || touched[k] != touched[k - 1]) json_compact(touched[k]);
        xfree(touched);
        xfree(order);
        xfree(nested);
        jsonmatches_free(&ms);
        if (deleted > 0 && (root->type == JSON_ARRAY || root->type == JSON_OBJECT) && root->n == 0)
            drop = 1;
    }
    if (deleted > 0) {
        int dbid = db_index(c->db);
        if (drop)
            db_delete(c->db, key);
        else
            db_signal_key(c->db, key);
        notify_keyspace_event(NOTIFY_MODULE, "json.del", key, dbid);
        propagate_argv(c);
    }
    reply_int(c, deleted);
done:
    jpath_free(&p);
}

static int clearable(const Json *j) {
    switch (j->type) {
    case JSON_ARRAY:
    case JSON_OBJECT:
        return j->n > 0;
    case JSON_INT:
        return j->v.i != 0;
    case JSON_UINT:
        return 1;
    case JSON_DOUBLE:
        return j->v.d != 0;
    default:
        return 0;
    }
}

static void cmd_json_clear(Client *c) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    uint8_t *keep = xmalloc(ms.n + 1);
    for (size_t i = 0; i < ms.n; i++) keep[i] = (uint8_t)clearable(ms.m[i].val);
    for (size_t i = 0; i < ms.n; i++) {
        if (keep[i] && json_is_number(ms.m[i].val) && in_number_array(root, &ms, i)) {
            reply_error(c, ERR_BAD_OBJECT_TYPE);
            xfree(keep);
            jsonmatches_free(&ms);
            goto done;
        }
    }
    size_t *order = update_order(&ms, keep);
    size_t n = 0;
    for (size_t i = 0; i < ms.n; i++) n += keep[i];
    long long cleared = 0;
    for (size_t k = 0; k < n; k++) {
        Json *t = jsonpath_resolve(root, &ms, order[k], NULL, NULL);
        if (!t || !(json_is_number(t) || t->type == JSON_ARRAY || t->type == JSON_OBJECT)) continue;
        json_clear(t);
        cleared++;
    }
    xfree(order);
    xfree(keep);
    jsonmatches_free(&ms);
    if (cleared > 0) changed(c, key, "json.clear");
    reply_int(c, cleared);
done:
    jpath_free(&p);
}

/* ---- JSON.NUMINCRBY, JSON.NUMMULTBY --------------------------------------------------- */

/* v op= by, as RedisJSON computes it: integers stay integers while both are
 * and the result fits, else doubles; -1 if the result is not finite. */
static int num_op(Json *v, const Json *by, int mult) {
    if (v->type == JSON_INT && by->type == JSON_INT) {
        long long r;
        int ovf = mult ? __builtin_mul_overflow(v->v.i, by->v.i, &r)
                       : __builtin_add_overflow(v->v.i, by->v.i, &r);
        if (!ovf) {
            v->v.i = r;
            return 0;
        }
    }
    double a = json_number_as_double(v), b = json_number_as_double(by);
    double r = mult ? a * b : a + b;
    if (!isfinite(r)) return -1;
    v->type = JSON_DOUBLE;
    v->v.d = r;
    return 0;
}

static void reply_number_text(Client *c, const Json *v) {
    Buf b;
    buf_init(&b);
    json_serialize(v, NULL, &b);
    reply_bulk(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

static void num_cmd(Client *c, int mult, const char *event) {
    Slice key = c->argv[1];
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    Json *by = NULL;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    size_t n_num = 0;
    for (size_t i = 0; i < ms.n; i++) n_num += json_is_number(ms.m[i].val);
    if (n_num == 0 && p.legacy && c->resp < 3) {
        reply_error(c, "ERR Path does not exist or does not contains a number");
        jsonmatches_free(&ms);
        goto done;
    }
    if (n_num > 0) {
        if (utf8_or_reply(c, c->argv[3]) != 0) goto free_ms;
        char err[256];
        by = json_parse(c->argv[3].p, c->argv[3].len, JSON_MAX_PARSE_DEPTH, err, sizeof err);
        if (!by) {
            reply_error(c, "ERR %s", err);
            goto free_ms;
        }
        if (!json_is_number(by)) {
            reply_error(c, "bad input number");
            goto free_ms;
        }
    }
    /* results, NULL where the match is not a number; the values are the
     * changed nodes themselves (alive until the next change) */
    Json **res = xcalloc(ms.n + 1, sizeof(Json *));
    Json **copies = xcalloc(ms.n + 1, sizeof(Json *));
    int failed = 0, any = 0;
    for (size_t i = 0; i < ms.n && !failed; i++) {
        if (!json_is_number(ms.m[i].val)) continue;
        Json *t = jsonpath_resolve(root, &ms, i, NULL, NULL);
        if (!t || !json_is_number(t)) continue;
        Json saved = *t;
        if (num_op(t, by, mult) != 0) {
            *t = saved;
            failed = 1;
            break;
        }
        any = 1;
        copies[i] = json_dup(t);
        res[i] = copies[i];
    }
    if (any) changed(c, key, event);
    if (failed) {
        reply_error(c, "result is not a number");
    } else if (c->resp >= 3) {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (!res[i])
                reply_null(c);
            else if (res[i]->type == JSON_INT)
                reply_int(c, res[i]->v.i);
            else
                reply_json_double(c, json_number_as_double(res[i]));
        }
    } else if (p.legacy) {
        Json *last = NULL;
        for (size_t i = 0; i < ms.n; i++)
            if (res[i]) last = res[i];
        reply_number_text(c, last);
    } else {
        reply_json_list(c, res, ms.n);
    }
    for (size_t i = 0; i < ms.n; i++) json_free(copies[i]);
    xfree(copies);
    xfree(res);
free_ms:
    jsonmatches_free(&ms);
done:
    json_free(by);
    jpath_free(&p);
}

static void cmd_json_numincrby(Client *c) {
    num_cmd(c, 0, "json.numincrby");
}

static void cmd_json_nummultby(Client *c) {
    num_cmd(c, 1, "json.nummultby");
}

/* ---- JSON.TOGGLE, JSON.STRAPPEND, JSON.STRLEN ---------------------------------------- */

static void cmd_json_toggle(Client *c) {
    Slice key = c->argv[1];
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    int *res = xmalloc(sizeof(int) * (ms.n + 1));
    int any = 0, last = 0;
    for (size_t i = 0; i < ms.n; i++) {
        res[i] = -1;
        if (ms.m[i].val->type != JSON_BOOL) continue;
        Json *t = jsonpath_resolve(root, &ms, i, NULL, NULL);
        if (!t || t->type != JSON_BOOL) continue;
        t->b = !t->b;
        res[i] = last = t->b;
        any = 1;
    }
    if (p.legacy && !any) {
        reply_error(c, "ERR Path does not exist or not a bool");
    } else {
        if (any) changed(c, key, "json.toggle");
        if (p.legacy) {
            reply_bulk_cstr(c, last ? "true" : "false");
        } else {
            reply_array(c, ms.n);
            for (size_t i = 0; i < ms.n; i++) {
                if (res[i] < 0)
                    reply_null(c);
                else
                    reply_int(c, res[i]);
            }
        }
    }
    xfree(res);
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

static void cmd_json_strappend(Client *c) {
    Slice key = c->argv[1];
    Slice valarg = c->argc > 3 ? c->argv[3] : c->argv[2];
    Json *v = NULL;
    JPath p;
    if (c->argc > 3) {
        if (utf8_or_reply(c, c->argv[2]) != 0) return;
        jpath_init(&p, c->argv[2]);
    } else {
        jpath_default(&p);
    }
    if (utf8_or_reply(c, valarg) != 0) goto done;
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    size_t n_str = 0;
    for (size_t i = 0; i < ms.n; i++) n_str += ms.m[i].val->type == JSON_STRING;
    if (p.legacy && n_str == 0) {
        reply_error(c, "ERR Path does not exist or not a string");
        goto free_ms;
    }
    if (n_str > 0) {
        char err[256];
        v = json_parse(valarg.p, valarg.len, JSON_MAX_PARSE_DEPTH, err, sizeof err);
        if (!v) {
            reply_error(c, "ERR %s", err);
            goto free_ms;
        }
        if (v->type != JSON_STRING) {
            reply_error(c, "WRONGTYPE wrong type of path value - expected string but found %.*s",
                        (int)valarg.len, valarg.p);
            goto free_ms;
        }
    }
    long long *res = xmalloc(sizeof(long long) * (ms.n + 1));
    long long last = 0;
    int any = 0;
    for (size_t i = 0; i < ms.n; i++) {
        res[i] = -1;
        if (ms.m[i].val->type != JSON_STRING) continue;
        Json *t = jsonpath_resolve(root, &ms, i, NULL, NULL);
        if (!t || t->type != JSON_STRING) continue;
        if ((uint64_t)t->n + v->n > JSON_MAX_COUNT) continue;
        t->v.s = xrealloc(t->v.s, (size_t)t->n + v->n + 1);
        memcpy(t->v.s + t->n, v->v.s, v->n);
        t->n += v->n;
        t->v.s[t->n] = '\0';
        res[i] = last = t->n;
        any = 1;
    }
    if (any) changed(c, key, "json.strappend");
    if (p.legacy) {
        reply_int(c, last);
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (res[i] < 0)
                reply_null(c);
            else
                reply_int(c, res[i]);
        }
    }
    xfree(res);
free_ms:
    jsonmatches_free(&ms);
done:
    json_free(v);
    jpath_free(&p);
}

static void cmd_json_strlen(Client *c) {
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!o) {
        if (p.legacy)
            reply_null(c);
        else
            reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_path_missing(c, &p);
        else if (ms.m[0].val->type != JSON_STRING)
            reply_error(c, "WRONGTYPE wrong type of path value - expected string but found %s",
                        json_type_name(ms.m[0].val));
        else
            reply_int(c, ms.m[0].val->n);
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (ms.m[i].val->type == JSON_STRING)
                reply_int(c, ms.m[i].val->n);
            else
                reply_null(c);
        }
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

/* ---- arrays ---------------------------------------------------------------------------- */

/* Parses argv[from..] as JSON values; NULL after replying an error. */
static Json **parse_values(Client *c, int from, int *n_out) {
    int n = c->argc - from;
    Json **v = xcalloc((size_t)n + 1, sizeof(Json *));
    for (int i = 0; i < n; i++) {
        v[i] = parse_or_reply(c, c->argv[from + i]);
        if (!v[i]) {
            for (int k = 0; k < i; k++) json_free(v[k]);
            xfree(v);
            return NULL;
        }
    }
    *n_out = n;
    return v;
}

static void free_values(Json **v, int n) {
    for (int i = 0; i < n; i++) json_free(v[i]);
    xfree(v);
}

static void reply_int_results(Client *c, const long long *res, size_t n) {
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        if (res[i] < 0)
            reply_null(c);
        else
            reply_int(c, res[i]);
    }
}

static void cmd_json_arrappend(Client *c) {
    Slice key = c->argv[1];
    if (c->argc < 4) {
        reply_arity_error(c);
        return;
    }
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    int nv;
    Json **vals = parse_values(c, 3, &nv);
    if (!vals) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    for (size_t i = 0; i < ms.n; i++) {
        if (ms.m[i].val->type != JSON_ARRAY) continue;
        for (int k = 0; k < nv; k++) {
            if (too_deep(c, ms.m[i].n_steps + 1, vals[k])) {
                jsonmatches_free(&ms);
                goto done;
            }
        }
    }
    long long *res = xmalloc(sizeof(long long) * (ms.n + 1));
    long long last = 0;
    int any = 0;
    for (size_t i = 0; i < ms.n; i++) {
        res[i] = -1;
        if (ms.m[i].val->type != JSON_ARRAY) continue;
        Json *t = jsonpath_resolve(root, &ms, i, NULL, NULL);
        if (!t || t->type != JSON_ARRAY || (uint64_t)t->n + (uint64_t)nv > JSON_MAX_COUNT) continue;
        for (int k = 0; k < nv; k++) json_array_append(t, json_dup(vals[k]));
        res[i] = last = t->n;
        any = 1;
    }
    if (p.legacy && !any) {
        reply_error(c, "ERR Path does not exist or not an array");
    } else {
        if (any) changed(c, key, "json.arrappend");
        if (p.legacy)
            reply_int(c, last);
        else
            reply_int_results(c, res, ms.n);
    }
    xfree(res);
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
    free_values(vals, nv);
}

/* An integer argument as redis-module-rs parses one; -1 after replying. */
static int int_arg(Client *c, Slice s, long long *out) {
    if (num_parse_ll(s.p, s.len, out) == 0) return 0;
    reply_error(c, "Couldn't parse as integer");
    return -1;
}

static long long norm_start(long long start, long long len) {
    if (start < 0) return len + start > 0 ? len + start : 0;
    return start < len - 1 ? start : len - 1;
}

/* The first index of v in a within [start, stop) as JSON.ARRINDEX counts. */
static long long arr_index_of(const Json *a, const Json *v, long long start, long long stop) {
    long long len = a->n;
    if (len == 0) return -1;
    long long s = norm_start(start, len), e;
    if (stop == 0)
        e = len;
    else if (stop < 0)
        e = len + stop > 0 ? len + stop : 0;
    else
        e = stop < len ? stop : len;
    for (long long i = s; i < e; i++)
        if (json_equal(a->v.items[i], v)) return i;
    return -1;
}

static void cmd_json_arrindex(Client *c) {
    Slice key = c->argv[1];
    long long start = 0, stop = 0;
    if (c->argc > 6) {
        reply_arity_error(c);
        return;
    }
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    if (c->argc > 4 && int_arg(c, c->argv[4], &start) != 0) return;
    if (c->argc > 5 && int_arg(c, c->argv[5], &stop) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    Json *v = NULL;
    if (lookup(c, key, 0, &o) != 0) goto done;
    if (!(v = parse_or_reply_as(c, c->argv[3], 0))) goto done;
    if (!o) {
        reply_error(c, "ERR Path does not exist");
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_path_missing(c, &p);
        else if (ms.m[0].val->type != JSON_ARRAY)
            reply_error(c, "WRONGTYPE wrong type of path value - expected array but found %s",
                        json_type_name(ms.m[0].val));
        else
            reply_int(c, arr_index_of(ms.m[0].val, v, start, stop));
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (ms.m[i].val->type == JSON_ARRAY)
                reply_int(c, arr_index_of(ms.m[i].val, v, start, stop));
            else
                reply_null(c);
        }
    }
    jsonmatches_free(&ms);
done:
    json_free(v);
    jpath_free(&p);
}

static void cmd_json_arrinsert(Client *c) {
    Slice key = c->argv[1];
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    long long index;
    if (int_arg(c, c->argv[3], &index) != 0) return;
    int nv;
    Json **vals = parse_values(c, 4, &nv);
    if (!vals) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    uint8_t *keep = xmalloc(ms.n + 1);
    size_t n = 0;
    for (size_t i = 0; i < ms.n; i++) n += keep[i] = ms.m[i].val->type == JSON_ARRAY;
    if (p.legacy && n == 0) {
        reply_error(c, "ERR Path does not exist or not an array");
        goto free_keep;
    }
    for (size_t i = 0; i < ms.n; i++) {
        for (int v = 0; keep[i] && v < nv; v++)
            if (too_deep(c, ms.m[i].n_steps + 1, vals[v])) goto free_keep;
    }
    size_t *order = update_order(&ms, keep);
    long long *res = xmalloc(sizeof(long long) * (ms.n + 1));
    for (size_t i = 0; i < ms.n; i++) res[i] = -1;
    long long last = 0;
    int any = 0, bad = 0;
    for (size_t k = 0; k < n; k++) {
        Json *t = jsonpath_resolve(root, &ms, order[k], NULL, NULL);
        if (!t || t->type != JSON_ARRAY) continue;
        long long len = t->n, at = index < 0 ? len + index : index;
        if (at < 0 || at > len) {
            bad = 1;
            break;
        }
        if ((uint64_t)t->n + (uint64_t)nv > JSON_MAX_COUNT) continue;
        for (int v = 0; v < nv; v++)
            json_array_insert(t, (size_t)at + (size_t)v, json_dup(vals[v]));
        res[order[k]] = last = t->n;
        any = 1;
    }
    if (any) changed(c, key, "json.arrinsert");
    if (bad)
        reply_error(c, "ERR index out of bounds");
    else if (p.legacy)
        reply_int(c, last);
    else
        reply_int_results(c, res, ms.n);
    xfree(res);
    xfree(order);
free_keep:
    xfree(keep);
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
    free_values(vals, nv);
}

static void cmd_json_arrlen(Client *c) {
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!o) {
        if (p.legacy)
            reply_null(c);
        else
            reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_error(c, "ERR Path does not exist");
        else if (ms.m[0].val->type != JSON_ARRAY)
            reply_error(c, "ERR Path does not exist or not an array");
        else
            reply_int(c, ms.m[0].val->n);
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (ms.m[i].val->type == JSON_ARRAY)
                reply_int(c, ms.m[i].val->n);
            else
                reply_null(c);
        }
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

static void cmd_json_arrpop(Client *c) {
    Slice key = c->argv[1];
    int fmt = FMT_STRINGS, i = 2;
    if (c->argc > 2 && slice_eq_nocase(c->argv[2], "format") && c->argc > 3) {
        if (utf8_or_reply(c, c->argv[3]) != 0) return;
        fmt = parse_reply_format(c->argv[3]);
        if (fmt < 0 || fmt == FMT_STRING) {
            reply_error(c, "ERR wrong reply format");
            return;
        }
        if (c->resp < 3) {
            reply_error(c, "ERR FORMAT argument is not supported on RESP2");
            return;
        }
        i = 4;
    }
    JPath p;
    long long index = LLONG_MAX;
    if (i < c->argc) {
        if (utf8_or_reply(c, c->argv[i]) != 0) return;
        jpath_init(&p, c->argv[i]);
        index = -1;
        if (i + 1 < c->argc && num_parse_ll(c->argv[i + 1].p, c->argv[i + 1].len, &index) != 0)
            index = -1;
    } else {
        jpath_default(&p);
    }
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (p.legacy && fmt != FMT_STRINGS) {
        reply_error(c, "Legacy paths are supported only with FORMAT STRINGS");
        goto done;
    }
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    uint8_t *keep = xmalloc(ms.n + 1);
    size_t n = 0;
    for (size_t k = 0; k < ms.n; k++) n += keep[k] = ms.m[k].val->type == JSON_ARRAY;
    if (p.legacy && n == 0) {
        reply_error(c, "ERR Path does not exist or not an array");
        xfree(keep);
        jsonmatches_free(&ms);
        goto done;
    }
    size_t *order = update_order(&ms, keep);
    Json **popped = xcalloc(ms.n + 1, sizeof(Json *));
    int any = 0;
    for (size_t k = 0; k < n; k++) {
        Json *t = jsonpath_resolve(root, &ms, order[k], NULL, NULL);
        if (!t || t->type != JSON_ARRAY || t->n == 0) continue;
        long long at = norm_start(index, t->n);
        popped[order[k]] = json_array_remove(t, (size_t)at);
        any = 1;
    }
    if (any || (p.legacy && n > 0)) changed(c, key, "json.arrpop");
    if (p.legacy) {
        Json *last = n ? popped[order[n - 1]] : NULL;
        if (last)
            reply_json(c, last, NULL);
        else
            reply_null(c);
    } else {
        reply_array(c, ms.n);
        for (size_t k = 0; k < ms.n; k++) {
            if (!popped[k])
                reply_null(c);
            else if (fmt == FMT_EXPAND || fmt == FMT_EXPAND1)
                reply_resp3_value(c, popped[k], fmt, NULL);
            else
                reply_json(c, popped[k], NULL);
        }
    }
    for (size_t k = 0; k < ms.n; k++) json_free(popped[k]);
    xfree(popped);
    xfree(order);
    xfree(keep);
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

/* Trims a to [start, stop] as JSON.ARRTRIM does; the new length. */
static long long arr_trim(Json *a, long long start, long long stop) {
    long long len = a->n;
    long long e = stop < 0 ? (len + stop > 0 ? len + stop : 0) : (stop < len - 1 ? stop : len - 1);
    long long s;
    if (start < 0 || start < len)
        s = start < 0 ? (len + start > 0 ? len + start : 0) : (start < len - 1 ? start : len - 1);
    else
        s = e + 1;
    long long keep_from = 0, keep_n = 0;
    if (!(s > e || len == 0)) {
        keep_from = s;
        keep_n = e - s + 1;
    }
    for (long long i = 0; i < len; i++)
        if (i < keep_from || i >= keep_from + keep_n) json_free(a->v.items[i]);
    if (keep_n) memmove(a->v.items, a->v.items + keep_from, sizeof(Json *) * (size_t)keep_n);
    a->n = (uint32_t)keep_n;
    return keep_n;
}

static void cmd_json_arrtrim(Client *c) {
    Slice key = c->argv[1];
    if (utf8_or_reply(c, c->argv[2]) != 0) return;
    long long start, stop;
    if (int_arg(c, c->argv[3], &start) != 0 || int_arg(c, c->argv[4], &stop) != 0) return;
    JPath p;
    jpath_init(&p, c->argv[2]);
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) goto done;
    if (!o) {
        reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    Json *root = doc(o);
    JsonMatches ms;
    eval(&p, root, &ms);
    uint8_t *keep = xmalloc(ms.n + 1);
    size_t n = 0;
    for (size_t k = 0; k < ms.n; k++) n += keep[k] = ms.m[k].val->type == JSON_ARRAY;
    if (p.legacy && n == 0) {
        reply_error(c, "ERR Path does not exist or not an array");
    } else {
        size_t *order = update_order(&ms, keep);
        long long *res = xmalloc(sizeof(long long) * (ms.n + 1));
        for (size_t k = 0; k < ms.n; k++) res[k] = -1;
        long long last = 0;
        int any = 0;
        for (size_t k = 0; k < n; k++) {
            Json *t = jsonpath_resolve(root, &ms, order[k], NULL, NULL);
            if (!t || t->type != JSON_ARRAY) continue;
            res[order[k]] = last = arr_trim(t, start, stop);
            any = 1;
        }
        if (any) changed(c, key, "json.arrtrim");
        if (p.legacy)
            reply_int(c, last);
        else
            reply_int_results(c, res, ms.n);
        xfree(res);
        xfree(order);
    }
    xfree(keep);
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

/* ---- objects ----------------------------------------------------------------------- */

static void reply_keys(Client *c, const Json *obj) {
    reply_array(c, obj->n);
    for (uint32_t i = 0; i < obj->n; i++)
        reply_bulk(c, obj->v.member[i].key, obj->v.member[i].klen);
}

static void cmd_json_objkeys(Client *c) {
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!o) {
        if (p.legacy)
            reply_null(c);
        else
            reply_no_key(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_null(c);
        else if (ms.m[0].val->type != JSON_OBJECT)
            reply_error(c, "ERR Path does not exist or not an object");
        else
            reply_keys(c, ms.m[0].val);
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (ms.m[i].val->type == JSON_OBJECT)
                reply_keys(c, ms.m[i].val);
            else
                reply_null(c);
        }
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

static void cmd_json_objlen(Client *c) {
    JPath p;
    if (opt_path(c, 2, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) goto done;
    if (!o) {
        if (p.legacy)
            reply_null(c);
        else
            reply_error(c, "ERR Path does not exist or not an object");
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_null(c);
        else if (ms.m[0].val->type != JSON_OBJECT)
            reply_error(c, "WRONGTYPE wrong type of path value - expected object but found %s",
                        json_type_name(ms.m[0].val));
        else
            reply_int(c, ms.m[0].val->n);
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) {
            if (ms.m[i].val->type == JSON_OBJECT)
                reply_int(c, ms.m[i].val->n);
            else
                reply_null(c);
        }
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

/* ---- JSON.DEBUG ------------------------------------------------------------------------ */

static void cmd_json_debug(Client *c) {
    Slice sub = c->argv[1];
    if (slice_eq_nocase(sub, "help")) {
        static const char *const lines[] = {
            "MEMORY <key> [path] - reports memory usage",
            "HELP                - this message",
        };
        reply_array(c, 2);
        for (int i = 0; i < 2; i++) reply_bulk_cstr(c, lines[i]);
        return;
    }
    if (!slice_eq_nocase(sub, "memory")) {
        reply_error(c, "ERR unknown subcommand - try `JSON.DEBUG HELP`");
        return;
    }
    if (c->argc < 3) {
        reply_arity_error(c);
        return;
    }
    JPath p;
    if (opt_path(c, 3, &p) != 0) return;
    Obj *o;
    if (lookup(c, c->argv[2], 0, &o) != 0) goto done;
    if (!o) {
        if (p.legacy)
            reply_int(c, 0);
        else
            reply_empty_array(c);
        goto done;
    }
    if (jpath_ok_or_reply(c, &p) != 0) goto done;
    JsonMatches ms;
    eval(&p, doc(o), &ms);
    if (p.legacy) {
        if (ms.n == 0)
            reply_path_missing(c, &p);
        else
            reply_int(c, (long long)redisjson_mem(ms.m[0].val));
    } else {
        reply_array(c, ms.n);
        for (size_t i = 0; i < ms.n; i++) reply_int(c, (long long)redisjson_mem(ms.m[i].val));
    }
    jsonmatches_free(&ms);
done:
    jpath_free(&p);
}

/* ---- persistence ------------------------------------------------------------------------- */

static int json_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

static void json_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    Buf b;
    buf_init(&b);
    json_serialize(doc(o), NULL, &b);
    rdbm_put_string(out, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

static int json_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (encver != 2 && encver != 3) return RDB_ERR;
    Buf scratch;
    buf_init(&scratch);
    const uint8_t *p;
    size_t len;
    int rc = RDB_ERR;
    Json *j = NULL;
    if (rdbm_get_string_view(r, persist_string_max(), &scratch, &p, &len) != RDB_OK) goto done;
    char err[256];
    /* RedisJSON loads without the nesting limit; a bound still keeps a
     * hostile payload from exhausting the stack */
    j = json_parse((const char *)p, len, 10000, err, sizeof err);
    if (!j) goto done;
    if (encver == 2) {
        uint64_t extra;
        if (rdbm_get_uint(r, &extra) != RDB_OK) goto done;
        if (extra > 0) {
            for (int k = 0; k < 2; k++)
                if (rdbm_get_string_view(r, persist_string_max(), &scratch, &p, &len) != RDB_OK)
                    goto done;
        }
    }
    *out = obj_new(OBJ_JSON, j);
    j = NULL;
    rc = RDB_OK;
done:
    json_free(j);
    buf_free(&scratch);
    return rc;
}

static void json_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                             void (*flush)(void *), void *fp) {
    (void)now_ms;
    (void)flush;
    (void)fp;
    Buf b;
    buf_init(&b);
    json_serialize(doc(o), NULL, &b);
    aof_cat_array_header(out, 4);
    aof_cat_bulk(out, "JSON.SET", 8);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, "$", 1);
    aof_cat_bulk(out, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

static const PersistTypeOps json_persist = {
    .obj_type = OBJ_JSON,
    .rdb_type = json_rdb_type,
    .rdb_write = json_rdb_write,
    .rdb_read = json_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = json_aof_rewrite,
    .module_name = JSON_TYPE_NAME,
    .module_encver = JSON_ENCVER,
};

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command json_commands[] = {
    {"json.set", cmd_json_set, -4, W, "@write @json @slow", 1, 1, 1, NULL},
    {"json.get", cmd_json_get, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.del", cmd_json_del, -2, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.forget", cmd_json_del, -2, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.mget", cmd_json_mget, -3, RO, "@read @json @slow", 1, -2, 1, NULL},
    {"json.mset", cmd_json_mset, -4, W, "@write @json @slow", 1, -1, 3, NULL},
    {"json.merge", cmd_json_merge, -4, W, "@write @json @slow", 1, 1, 1, NULL},
    {"json.type", cmd_json_type, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.numincrby", cmd_json_numincrby, 4, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.nummultby", cmd_json_nummultby, 4, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.toggle", cmd_json_toggle, 3, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.strappend", cmd_json_strappend, -3, W, "@write @json @slow", 1, 1, 1, NULL},
    {"json.strlen", cmd_json_strlen, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.arrappend", cmd_json_arrappend, -3, W, "@write @json @slow", 1, 1, 1, NULL},
    {"json.arrindex", cmd_json_arrindex, -4, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.arrinsert", cmd_json_arrinsert, -5, W, "@write @json @slow", 1, 1, 1, NULL},
    {"json.arrlen", cmd_json_arrlen, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.arrpop", cmd_json_arrpop, -2, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.arrtrim", cmd_json_arrtrim, 5, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.objkeys", cmd_json_objkeys, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.objlen", cmd_json_objlen, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.clear", cmd_json_clear, -2, CMD_WRITE, "@write @json @slow", 1, 1, 1, NULL},
    {"json.resp", cmd_json_resp, -2, RO, "@read @json @slow", 1, 1, 1, NULL},
    {"json.debug", cmd_json_debug, -2, RO, "@read @json @slow", 2, 2, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void json_cmd_init(void);
void json_cmd_init(void) {
    obj_register_type(OBJ_JSON, &json_type);
    persist_register_type(&json_persist);
}
