/*
 * sketch.c - Redis 8's count-min sketch, Top-K and t-digest: CMS.*, TOPK.*
 * and TDIGEST.* (RedisBloom's CMSk-TYPE, TopK-TYPE and TDIS-TYPE, built into
 * Redis 8), and the three value types' registration with the keyspace and
 * persistence. The structures are src/types/cms.c, heavykeeper.c and
 * tdigest.c.
 *
 * RedisBloom's command handlers are the specification: each checks in the
 * module's order (CMS.INITBY* and TOPK.RESERVE look at the key before their
 * arguments, CMS.MERGE resolves its destination first, TOPK.LIST checks its
 * keyword before the key), errors carry the module's texts and prefixes
 * ("CMS: ...", "TopK: ...", "ERR T-Digest: ..."), INFO replies use simple
 * strings for their field names (a map in RESP3 for CMS and t-digest, a flat
 * array for Top-K) and doubles go out as Redis replies them.
 *
 * Writes propagate as they came (the module replicates verbatim): every
 * write is a deterministic function of the value, Top-K's decay included
 * (see heavykeeper.c), and t-digest reads merge a copy rather than the
 * stored digest (see merged_view()), so a replica or an AOF replay holds
 * exactly the value the master had. The module sends no keyspace events of its own;
 * creating a key announces "new" and TDIGEST.MERGE's replacement of its
 * destination "overwritten", as Redis does around any module value.
 *
 * Persistence: RDB type 7 with RedisBloom's module ids and encoding version
 * 0 and its field sequences (cms: width, depth, count, the 32-bit counters;
 * topk: k, width, depth, decay, the buckets, the heap entries, the items;
 * t-digest: compressed first, then compression, min, max, cap, node counts,
 * weights and the centroids). The AOF rewrite emits what the module's
 * aof_rewrite (RMUtil_DefaultAofRewrite) emits: RESTORE key 0 <DUMP payload>.
 * Every loaded field is validated: a RESTORE payload is untrusted.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/bytes.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/core.h"
#include "types/cms.h"
#include "types/heavykeeper.h"
#include "types/tdigest.h"

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- argument parsing --------------------------------------------------------- */

/* RedisModule_StringToDouble (string2d): the whole text, no leading blank,
 * not NaN, no overflow to infinity from a finite text. */
static int parse_double(Slice s, double *out) {
    if (s.len == 0 || s.len > 256) return -1;
    char buf[260];
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    if (isspace((unsigned char)buf[0]) || memchr(s.p, '\0', s.len)) return -1;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != s.len) return -1;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return -1;
    if (isnan(v)) return -1;
    *out = v;
    return 0;
}

/* RMUtil_ArgIndex: the first of argv[0..n) equal to word ignoring case. */
static int arg_index(const Slice *argv, int n, const char *word) {
    for (int i = 0; i < n; i++)
        if (slice_eq_nocase(argv[i], word)) return i;
    return -1;
}

/* The value at key if it has type t: 0 and *out (NULL when missing), or -1
 * after WRONGTYPE. */
static int lookup(Client *c, Slice key, ObjType t, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != t) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

/* lookup() that also answers missing_err for a missing key. */
static void *existing(Client *c, Slice key, ObjType t, int for_write, const char *missing_err) {
    Obj *o;
    if (lookup(c, key, t, for_write, &o) != 0) return NULL;
    if (!o) {
        reply_error(c, "%s", missing_err);
        return NULL;
    }
    return o->ptr;
}

static void created(Client *c, Slice key, Obj *o) {
    db_add(c->db, key, o);
    propagate_argv(c);
    reply_ok(c);
}

static void changed(Client *c, Slice key) {
    db_signal_key(c->db, key);
    propagate_argv(c);
}

/* ---- count-min sketch ----------------------------------------------------------- */

#define CMS_MISSING "CMS: key does not exist"

static void cms_ops_free(void *p) {
    cms_free(p);
}
static size_t cms_ops_mem(const void *p) {
    const Cms *s = p;
    /* RedisBloom's CMSMemUsage: a pointer and 8 bytes per counter */
    return 8 + (size_t)(s->width * s->depth) * 8;
}
static Obj *cms_ops_dup(const void *p) {
    return obj_new(OBJ_CMS, cms_dup(p));
}
static const ObjTypeOps cms_type = {.name = "CMSk-TYPE",
                                    .encoding = "raw",
                                    .free = cms_ops_free,
                                    .mem_usage = cms_ops_mem,
                                    .dup = cms_ops_dup};

static void cmd_cms_init(Client *c) {
    Slice key = c->argv[1];
    if (db_lookup_write(c->db, key)) {
        reply_error(c, "CMS: key already exists");
        return;
    }
    uint64_t width, depth;
    if (strcmp(c->cmd->name, "cms.initbydim") == 0) {
        long long w, d;
        if (parse_ll(c->argv[2], &w) != 0 || w < 1) {
            reply_error(c, "CMS: invalid width");
            return;
        }
        if (parse_ll(c->argv[3], &d) != 0 || d < 1) {
            reply_error(c, "CMS: invalid depth");
            return;
        }
        if (w > LLONG_MAX / d) {
            reply_error(c, "CMS: invalid init arguments");
            return;
        }
        width = (uint64_t)w;
        depth = (uint64_t)d;
    } else {
        double err, prob;
        if (parse_double(c->argv[2], &err) != 0 || err <= 0 || err >= 1) {
            reply_error(c, "CMS: invalid overestimation value");
            return;
        }
        if (parse_double(c->argv[3], &prob) != 0 || prob <= 0 || prob >= 1) {
            reply_error(c, "CMS: invalid prob value");
            return;
        }
        if (cms_dims_from_prob(err, prob, &width, &depth) != 0) {
            reply_error(c, "CMS: invalid init arguments");
            return;
        }
    }
    /* streamd's own bound: a sketch it could not allocate is refused */
    if (width > CMS_MAX_CELLS / depth) {
        reply_error(c, "CMS: invalid init arguments");
        return;
    }
    created(c, key, obj_new(OBJ_CMS, cms_new(width, depth)));
}

static void cmd_cms_incrby(Client *c) {
    if (c->argc % 2 == 1) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    Cms *s = existing(c, key, OBJ_CMS, 1, CMS_MISSING);
    if (!s) return;
    int n = (c->argc - 2) / 2;
    long long *vals = xmalloc((size_t)n * sizeof *vals);
    for (int i = 0; i < n; i++) {
        if (parse_ll(c->argv[3 + 2 * i], &vals[i]) != 0) {
            reply_error(c, "CMS: Cannot parse number");
            goto done;
        }
        if (vals[i] < 0) {
            reply_error(c, "CMS: Number cannot be negative");
            goto done;
        }
    }
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        Slice item = c->argv[2 + 2 * i];
        uint64_t est;
        if (cms_incrby(s, item.p, item.len, (uint64_t)vals[i], &est) == 0)
            reply_int(c, (long long)est);
        else
            reply_error(c, "CMS: INCRBY overflow");
    }
    changed(c, key);
done:
    xfree(vals);
}

static void cmd_cms_query(Client *c) {
    const Cms *s = existing(c, c->argv[1], OBJ_CMS, 0, CMS_MISSING);
    if (!s) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_int(c, (long long)cms_query(s, c->argv[i].p, c->argv[i].len));
}

static void cmd_cms_merge(Client *c) {
    Slice key = c->argv[1];
    Cms *dst = existing(c, key, OBJ_CMS, 1, CMS_MISSING);
    if (!dst) return;
    long long n;
    if (parse_ll(c->argv[2], &n) != 0) {
        reply_error(c, "CMS: invalid numkeys");
        return;
    }
    if (n <= 0) {
        reply_error(c, "CMS: Number of keys must be positive");
        return;
    }
    const Slice *rest = c->argv + 3;
    int n_rest = c->argc - 3;
    int pos = arg_index(rest, n_rest, "WEIGHTS");
    if (pos < 0) {
        if (n != n_rest) {
            reply_error(c, "CMS: wrong number of keys");
            return;
        }
    } else if (pos != n || n_rest != 1 + 2 * n) {
        reply_error(c, "CMS: wrong number of keys/weights");
        return;
    }
    const Cms **src = xmalloc((size_t)n * sizeof *src);
    long long *w = xmalloc((size_t)n * sizeof *w);
    for (long long i = 0; i < n; i++) {
        w[i] = 1;
        if (pos >= 0 && parse_ll(rest[n + 1 + i], &w[i]) != 0) {
            reply_error(c, "CMS: invalid weight value");
            goto done;
        }
        src[i] = existing(c, rest[i], OBJ_CMS, 0, CMS_MISSING);
        if (!src[i]) goto done;
        if (src[i]->width != dst->width || src[i]->depth != dst->depth) {
            reply_error(c, "CMS: width/depth is not equal");
            goto done;
        }
    }
    if (cms_merge(dst, (size_t)n, (const Cms *const *)src, w) != 0) {
        reply_error(c, "CMS: MERGE overflow");
        goto done;
    }
    changed(c, key);
    reply_ok(c);
done:
    xfree(src);
    xfree(w);
}

static void cmd_cms_info(Client *c) {
    const Cms *s = existing(c, c->argv[1], OBJ_CMS, 0, CMS_MISSING);
    if (!s) return;
    reply_map(c, 3);
    reply_status(c, "width");
    reply_uint(c, s->width);
    reply_status(c, "depth");
    reply_uint(c, s->depth);
    reply_status(c, "count");
    reply_uint(c, s->count);
}

/* ---- Top-K ------------------------------------------------------------------------ */

#define TOPK_MISSING "TopK: key does not exist"
/* The module's literal continues a C string across a line with a backslash,
 * so the reply carries that line's indentation: kept, clients match on it. */
#define TOPK_BAD_INCR                                                                              \
    "TopK: increment must be an integer greater or equal to 0                            and "     \
    "smaller or equal to 100,000"
/* streamd's bound on one Top-K's buckets and heap (bytes). */
#define TOPK_MAX_BYTES (UINT64_C(1) << 32)

static void topk_ops_free(void *p) {
    hk_free(p);
}
static size_t topk_ops_mem(const void *p) {
    return hk_mem_bytes(p);
}
static Obj *topk_ops_dup(const void *p) {
    return obj_new(OBJ_TOPK, hk_dup(p));
}
static const ObjTypeOps topk_type = {.name = "TopK-TYPE",
                                     .encoding = "raw",
                                     .free = topk_ops_free,
                                     .mem_usage = topk_ops_mem,
                                     .dup = topk_ops_dup};

static void cmd_topk_reserve(Client *c) {
    if (c->argc != 3 && c->argc != 6) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    if (db_lookup_write(c->db, key)) {
        reply_error(c, "TopK: key already exists");
        return;
    }
    long long k, width = 8, depth = 7;
    double decay = 0.9;
    if (parse_ll(c->argv[2], &k) != 0 || k < 1 || k > UINT32_MAX) {
        reply_error(c, "TopK: invalid k");
        return;
    }
    if (c->argc == 6) {
        if (parse_ll(c->argv[3], &width) != 0 || width < 1 || width > UINT32_MAX) {
            reply_error(c, "TopK: invalid width");
            return;
        }
        if (parse_ll(c->argv[4], &depth) != 0 || depth < 1 || depth > UINT32_MAX) {
            reply_error(c, "TopK: invalid depth");
            return;
        }
        if (parse_double(c->argv[5], &decay) != 0 || decay <= 0 || decay > 1) {
            reply_error(c, "TopK: invalid decay value. must be '<= 1' & '> 0'");
            return;
        }
    }
    if ((uint64_t)width * (uint64_t)depth > TOPK_MAX_BYTES / sizeof(HkBucket) ||
        (uint64_t)k > TOPK_MAX_BYTES / sizeof(HkEntry)) {
        reply_error(c, "ERR Insufficient memory to create topk data structure");
        return;
    }
    created(c, key,
            obj_new(OBJ_TOPK, hk_new((uint32_t)k, (uint32_t)width, (uint32_t)depth, decay)));
}

static void reply_expelled(Client *c, char *expelled, size_t len) {
    if (expelled) {
        reply_bulk(c, expelled, len);
        xfree(expelled);
    } else {
        reply_null(c);
    }
}

static void cmd_topk_add(Client *c) {
    Slice key = c->argv[1];
    HeavyKeeper *h = existing(c, key, OBJ_TOPK, 1, TOPK_MISSING);
    if (!h) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        size_t len = 0;
        char *out = hk_add(h, c->argv[i].p, c->argv[i].len, 1, &len);
        reply_expelled(c, out, len);
    }
    changed(c, key);
}

/* A bad increment answers the module's error in its place and the other
 * items go on (RedisBloom stops there, leaving its reply array short). */
static void cmd_topk_incrby(Client *c) {
    if (c->argc % 2 == 1) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    HeavyKeeper *h = existing(c, key, OBJ_TOPK, 1, TOPK_MISSING);
    if (!h) return;
    int n = (c->argc - 2) / 2;
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        long long v;
        if (parse_ll(c->argv[3 + 2 * i], &v) != 0 || v < 0 || v > 100000) {
            reply_error(c, TOPK_BAD_INCR);
            continue;
        }
        size_t len = 0;
        char *out = hk_add(h, c->argv[2 + 2 * i].p, c->argv[2 + 2 * i].len, (uint32_t)v, &len);
        reply_expelled(c, out, len);
    }
    changed(c, key);
}

static void cmd_topk_query(Client *c) {
    const HeavyKeeper *h = existing(c, c->argv[1], OBJ_TOPK, 0, TOPK_MISSING);
    if (!h) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_int(c, hk_query(h, c->argv[i].p, c->argv[i].len));
}

static void cmd_topk_count(Client *c) {
    const HeavyKeeper *h = existing(c, c->argv[1], OBJ_TOPK, 0, TOPK_MISSING);
    if (!h) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_int(c, hk_count(h, c->argv[i].p, c->argv[i].len));
}

static void cmd_topk_list(Client *c) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    int with_count = 0;
    if (c->argc == 3) {
        /* the module compares the argument's length of "WITHCOUNT": any
         * case-insensitive prefix of it (even an empty one) is taken */
        Slice a = c->argv[2];
        if (a.len <= 9 && strncasecmp(a.p, "WITHCOUNT", a.len) == 0 && !memchr(a.p, '\0', a.len)) {
            with_count = 1;
        } else {
            reply_error(c, "WITHCOUNT keyword expected");
            return;
        }
    }
    const HeavyKeeper *h = existing(c, c->argv[1], OBJ_TOPK, 0, TOPK_MISSING);
    if (!h) return;
    const HkEntry **list = xmalloc((size_t)h->k * sizeof *list);
    size_t n = hk_list(h, list);
    reply_array(c, n * (with_count ? 2 : 1));
    for (size_t i = 0; i < n; i++) {
        reply_bulk(c, list[i]->item, list[i]->len);
        if (with_count) reply_int(c, list[i]->count);
    }
    xfree(list);
}

static void cmd_topk_info(Client *c) {
    const HeavyKeeper *h = existing(c, c->argv[1], OBJ_TOPK, 0, TOPK_MISSING);
    if (!h) return;
    reply_array(c, 8);
    reply_status(c, "k");
    reply_int(c, h->k);
    reply_status(c, "width");
    reply_int(c, h->width);
    reply_status(c, "depth");
    reply_int(c, h->depth);
    reply_status(c, "decay");
    reply_double(c, h->decay);
}

/* ---- t-digest ---------------------------------------------------------------------- */

#define TD_MISSING "ERR T-Digest: key does not exist"

static void td_ops_free(void *p) {
    td_free(p);
}
static size_t td_ops_mem(const void *p) {
    return td_mem_bytes(p);
}
static Obj *td_ops_dup(const void *p) {
    return obj_new(OBJ_TDIGEST, td_dup(p));
}
static const ObjTypeOps tdigest_type = {.name = "TDIS-TYPE",
                                        .encoding = "raw",
                                        .free = td_ops_free,
                                        .mem_usage = td_ops_mem,
                                        .dup = td_ops_dup};

/* 0 and *out, or -1 after the module's error. */
static int compression_or_reply(Client *c, Slice s, long long *out) {
    if (parse_ll(s, out) != 0) {
        reply_error(c, "ERR T-Digest: error parsing compression parameter");
        return -1;
    }
    if (*out <= 0) {
        reply_error(c, "ERR T-Digest: compression parameter needs to be a positive integer");
        return -1;
    }
    return 0;
}

static void cmd_td_create(Client *c) {
    if (c->argc != 2 && c->argc != 4) {
        reply_arity_error(c);
        return;
    }
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (o) {
        if (o->type == OBJ_TDIGEST)
            reply_error(c, "ERR T-Digest: key already exists");
        else
            reply_wrongtype(c);
        return;
    }
    long long compression = 100;
    if (c->argc == 4) {
        if (arg_index(c->argv + 2, 2, "COMPRESSION") < 0) {
            reply_error(c, "ERR T-Digest: wrong keyword");
            return;
        }
        if (compression_or_reply(c, c->argv[3], &compression) != 0) return;
    }
    if (compression > TD_MAX_COMPRESSION) {
        reply_error(c, "ERR T-Digest: allocation failed");
        return;
    }
    created(c, key, obj_new(OBJ_TDIGEST, td_new(compression)));
}

static void cmd_td_reset(Client *c) {
    Slice key = c->argv[1];
    TDigest *t = existing(c, key, OBJ_TDIGEST, 1, TD_MISSING);
    if (!t) return;
    td_reset(t);
    changed(c, key);
    reply_ok(c);
}

static void cmd_td_add(Client *c) {
    Slice key = c->argv[1];
    TDigest *t = existing(c, key, OBJ_TDIGEST, 1, TD_MISSING);
    if (!t) return;
    int n = c->argc - 2;
    double *vals = xmalloc((size_t)n * sizeof *vals);
    for (int i = 0; i < n; i++) {
        if (parse_double(c->argv[2 + i], &vals[i]) != 0) {
            reply_error(c, "ERR T-Digest: error parsing val parameter");
            goto done;
        }
        if (vals[i] < -DBL_MAX || vals[i] > DBL_MAX) {
            reply_error(c, "ERR T-Digest: val parameter needs to be a finite number");
            goto done;
        }
    }
    int failed = 0;
    for (int i = 0; i < n && !failed; i++) failed = td_add(t, vals[i], 1) != 0;
    changed(c, key);
    if (failed)
        reply_error(c, "ERR T-Digest: overflow detected");
    else
        reply_ok(c);
done:
    xfree(vals);
}

static void cmd_td_merge(Client *c) {
    Slice dkey = c->argv[1];
    Obj *dobj;
    if (lookup(c, dkey, OBJ_TDIGEST, 1, &dobj) != 0) return;
    TDigest *start = dobj ? dobj->ptr : NULL;
    long long n;
    if (parse_ll(c->argv[2], &n) != 0) {
        reply_error(c, "ERR T-Digest: error parsing numkeys");
        return;
    }
    if (n <= 0) {
        reply_error(c, "ERR T-Digest: numkeys needs to be a positive integer");
        return;
    }
    if (n > c->argc - 3) {
        reply_arity_error(c);
        return;
    }
    long long compression = start ? (long long)start->compression : 0;
    int use_max = start == NULL, override = 0;
    int first = (int)n + 3;
    if (first < c->argc) {
        const Slice *rest = c->argv + first;
        int n_rest = c->argc - first;
        int cpos = arg_index(rest, n_rest, "COMPRESSION");
        if (cpos >= 0) {
            use_max = 0;
            if (first + cpos + 1 >= c->argc) {
                reply_arity_error(c);
                return;
            }
            if (compression_or_reply(c, rest[cpos + 1], &compression) != 0) return;
        }
        if (arg_index(rest, n_rest, "OVERRIDE") >= 0) {
            override = 1;
            if (cpos < 0) {
                use_max = 1;
                compression = 0;
            }
        }
        if (cpos < 0 && !override) {
            reply_error(c, "ERR T-Digest: wrong keyword");
            return;
        }
    }
    TDigest **from = xmalloc((size_t)n * sizeof *from);
    for (long long i = 0; i < n; i++) {
        Slice skey = c->argv[3 + i];
        if (!slice_eq(skey, dkey)) {
            from[i] = existing(c, skey, OBJ_TDIGEST, 0, TD_MISSING);
            if (!from[i]) goto done;
        } else if (start) {
            from[i] = start;
        } else {
            reply_error(c, TD_MISSING);
            goto done;
        }
        if (use_max && (long long)from[i]->compression > compression)
            compression = (long long)from[i]->compression;
    }
    if (compression < 1 || compression > TD_MAX_COMPRESSION) {
        reply_error(c, "ERR T-Digest: allocation of destination digest failed");
        goto done;
    }
    TDigest *to = td_new(compression);
    int failed = start && !override && td_merge_into(to, start) != 0;
    for (long long i = 0; i < n && !failed; i++) failed = td_merge_into(to, from[i]) != 0;
    if (failed) {
        td_free(to);
        reply_error(c, "ERR T-Digest: overflow detected");
        goto done;
    }
    db_set(c->db, dkey, obj_new(OBJ_TDIGEST, to), 0);
    propagate_argv(c);
    reply_ok(c);
done:
    xfree(from);
}

static void cmd_td_minmax(Client *c) {
    TDigest *t = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING);
    if (!t) return;
    int is_min = strcmp(c->cmd->name, "tdigest.min") == 0;
    reply_double(c, td_size(t) > 0 ? (is_min ? t->min : t->max) : NAN);
}

/* A read merges pending additions first. The module merges them in place,
 * which makes a digest's later centroids depend on when it was read (reads
 * are not replicated, so a replica or an AOF replay would diverge); here a
 * read merges a copy, so the value stays a function of its writes. The
 * answer is the same; TDIGEST.INFO keeps showing the pending additions.
 * Returns t itself or the merged copy in *tmp (free with td_free). */
static TDigest *merged_view(TDigest *t, TDigest **tmp) {
    *tmp = NULL;
    if (t->unmerged_nodes == 0) return t;
    *tmp = td_dup(t);
    td_compress(*tmp);
    return *tmp;
}

/* RedisBloom's _halfRoundDown: a fraction of exactly .5 rounds towards 0. */
static double half_round_down(double f) {
    double ip;
    double frac = modf(f, &ip);
    if (fabs(frac) <= 0.5) return ip;
    return ip >= 0.0 ? ip + 1.0 : ip - 1.0;
}

static void cmd_td_rank(Client *c) {
    TDigest *stored = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING), *tmp = NULL, *t;
    if (!stored) return;
    int rev = strcmp(c->cmd->name, "tdigest.revrank") == 0;
    int n = c->argc - 2;
    double *vals = xmalloc((size_t)n * sizeof *vals);
    for (int i = 0; i < n; i++) {
        if (parse_double(c->argv[2 + i], &vals[i]) != 0) {
            reply_error(c, "ERR T-Digest: error parsing value");
            xfree(vals);
            return;
        }
    }
    t = merged_view(stored, &tmp);
    double size = (double)td_size(t);
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        double r;
        if (size == 0) {
            r = -2;
        } else if (vals[i] < t->min) {
            r = rev ? size : -1;
        } else if (vals[i] > t->max) {
            r = rev ? -1 : size;
        } else {
            double abs_rank = td_cdf(t, vals[i]) * size;
            double rounded = rev ? round(abs_rank) : half_round_down(abs_rank);
            r = rev ? round(size - rounded) : rounded;
        }
        reply_int(c, (long long)r);
    }
    xfree(vals);
    td_free(tmp);
}

static void cmd_td_byrank(Client *c) {
    TDigest *stored = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING), *tmp = NULL, *t;
    if (!stored) return;
    int rev = strcmp(c->cmd->name, "tdigest.byrevrank") == 0;
    int n = c->argc - 2;
    long long *ranks = xmalloc((size_t)n * sizeof *ranks);
    for (int i = 0; i < n; i++) {
        if (parse_ll(c->argv[2 + i], &ranks[i]) != 0) {
            reply_error(c, "ERR T-Digest: error parsing rank");
            xfree(ranks);
            return;
        }
        if (ranks[i] < 0) {
            reply_error(c, "ERR T-Digest: rank needs to be non negative");
            xfree(ranks);
            return;
        }
    }
    t = merged_view(stored, &tmp);
    double size = (double)td_size(t);
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        double rank = (double)ranks[i], v;
        if (size == 0)
            v = NAN;
        else if (rank == 0)
            v = rev ? t->max : t->min;
        else if (rank >= size)
            v = rev ? -INFINITY : INFINITY;
        else
            v = td_quantile(t, (rev ? size - rank - 1 : rank) / size);
        reply_double(c, v);
    }
    xfree(ranks);
    td_free(tmp);
}

static void cmd_td_quantile(Client *c) {
    TDigest *stored = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING), *tmp = NULL, *t;
    if (!stored) return;
    size_t n = (size_t)c->argc - 2;
    double *qs = xmalloc(n * sizeof *qs), *out = xmalloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (parse_double(c->argv[2 + i], &qs[i]) != 0) {
            reply_error(c, "ERR T-Digest: error parsing quantile");
            goto done;
        }
        if (qs[i] < 0 || qs[i] > 1.0) {
            reply_error(c, "ERR T-Digest: quantile should be in [0,1]");
            goto done;
        }
    }
    t = merged_view(stored, &tmp);
    /* each ascending run in one pass, as the module does */
    for (size_t i = 0; i < n; i++) {
        size_t start = i;
        while (i + 1 < n && qs[i] <= qs[i + 1]) i++;
        td_quantiles(t, qs + start, out + start, i - start + 1);
    }
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_double(c, out[i]);
done:
    xfree(qs);
    xfree(out);
    td_free(tmp);
}

static void cmd_td_cdf(Client *c) {
    TDigest *stored = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING), *tmp = NULL, *t;
    if (!stored) return;
    size_t n = (size_t)c->argc - 2;
    double *vals = xmalloc(n * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        if (parse_double(c->argv[2 + i], &vals[i]) != 0) {
            reply_error(c, "ERR T-Digest: error parsing cdf");
            xfree(vals);
            return;
        }
    }
    t = merged_view(stored, &tmp);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_double(c, td_cdf(t, vals[i]));
    xfree(vals);
    td_free(tmp);
}

static void cmd_td_trimmed_mean(Client *c) {
    TDigest *stored = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING), *tmp = NULL, *t;
    if (!stored) return;
    double lo, hi;
    if (parse_double(c->argv[2], &lo) != 0) {
        reply_error(c, "ERR T-Digest: error parsing low_cut_percentile");
        return;
    }
    if (parse_double(c->argv[3], &hi) != 0) {
        reply_error(c, "ERR T-Digest: error parsing high_cut_percentile");
        return;
    }
    if (lo < 0.0 || lo > 1.0 || hi < 0.0 || hi > 1.0) {
        reply_error(c,
                    "ERR T-Digest: low_cut_percentile and high_cut_percentile should be in [0,1]");
        return;
    }
    if (lo >= hi) {
        reply_error(c, "ERR T-Digest: low_cut_percentile should be lower than high_cut_percentile");
        return;
    }
    t = merged_view(stored, &tmp);
    reply_double(c, td_trimmed_mean(t, lo, hi));
    td_free(tmp);
}

static void cmd_td_info(Client *c) {
    const TDigest *t = existing(c, c->argv[1], OBJ_TDIGEST, 0, TD_MISSING);
    if (!t) return;
    reply_map(c, 9);
    reply_status(c, "Compression");
    reply_int(c, (long long)t->compression);
    reply_status(c, "Capacity");
    reply_int(c, t->cap);
    reply_status(c, "Merged nodes");
    reply_int(c, t->merged_nodes);
    reply_status(c, "Unmerged nodes");
    reply_int(c, t->unmerged_nodes);
    reply_status(c, "Merged weight");
    reply_int(c, t->merged_weight);
    reply_status(c, "Unmerged weight");
    reply_int(c, t->unmerged_weight);
    reply_status(c, "Observations");
    reply_int(c, t->merged_weight + t->unmerged_weight);
    reply_status(c, "Total compressions");
    reply_int(c, t->total_compressions);
    reply_status(c, "Memory usage");
    reply_int(c, (long long)td_mem_bytes(t));
}

/* ---- persistence ---------------------------------------------------------------------- */

static int module_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

/* RESTORE key 0 <payload>, as RMUtil_DefaultAofRewrite emits it. */
static void restore_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                            void (*flush)(void *), void *fp) {
    Buf payload;
    buf_init(&payload);
    dump_value(o, now_ms, &payload);
    aof_cat_array_header(out, 4);
    aof_cat_bulk(out, "RESTORE", 7);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, "0", 1);
    aof_cat_bulk(out, buf_data(&payload), buf_live(&payload));
    buf_free(&payload);
    if (flush) flush(fp);
}

static void cms_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const Cms *s = o->ptr;
    size_t n = (size_t)(s->width * s->depth);
    rdbm_put_uint(out, s->width);
    rdbm_put_uint(out, s->depth);
    rdbm_put_uint(out, s->count);
    uint8_t *bytes = xmalloc(n * 4 + 1);
    for (size_t i = 0; i < n; i++) put_le32(bytes + 4 * i, s->cells[i]);
    rdbm_put_string(out, bytes, n * 4);
    xfree(bytes);
}

/* A counter array arrives LZF-compressed when it compresses, and LZF
 * expands at most about 88 times (a 3-byte back reference copies up to 264
 * bytes): a claimed size beyond this many times the bytes left is a lie. */
#define LZF_MAX_RATIO 100

static int cms_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    uint64_t width, depth, count;
    if (encver != 0) return RDB_ERR;
    if (rdbm_get_uint(r, &width) != RDB_OK || rdbm_get_uint(r, &depth) != RDB_OK ||
        rdbm_get_uint(r, &count) != RDB_OK)
        return RDB_ERR;
    if (width < 1 || depth < 1 || width > CMS_MAX_CELLS / depth || count > (uint64_t)INT64_MAX)
        return RDB_ERR;
    size_t n = (size_t)(width * depth);
    if (n * 4 > (r->len - r->pos) * LZF_MAX_RATIO) return RDB_ERR; /* no claim past the input */
    Buf scratch;
    buf_init(&scratch);
    const uint8_t *p;
    size_t len;
    int rc = rdbm_get_string_view(r, n * 4, &scratch, &p, &len);
    if (rc != RDB_OK || len != n * 4) {
        buf_free(&scratch);
        return RDB_ERR;
    }
    Cms *s = cms_new(width, depth);
    s->count = count;
    for (size_t i = 0; i < n; i++) s->cells[i] = (uint32_t)bytes_le32(p + 4 * i);
    buf_free(&scratch);
    *out = obj_new(OBJ_CMS, s);
    return RDB_OK;
}

/* RedisBloom writes its heap as raw 24-byte structs: fp, item length, the
 * item pointer (meaningless on disk: written as zeros here), count and four
 * bytes of padding; then each item NUL-terminated ("" for an empty slot). */
#define HEAP_REC 24

static void topk_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const HeavyKeeper *h = o->ptr;
    size_t nb = (size_t)h->width * h->depth;
    rdbm_put_uint(out, h->k);
    rdbm_put_uint(out, h->width);
    rdbm_put_uint(out, h->depth);
    rdbm_put_double(out, h->decay);
    uint8_t *bytes = xmalloc(nb * 8 + 1);
    for (size_t i = 0; i < nb; i++) {
        put_le32(bytes + 8 * i, h->buckets[i].fp);
        put_le32(bytes + 8 * i + 4, h->buckets[i].count);
    }
    rdbm_put_string(out, bytes, nb * 8);
    xfree(bytes);
    bytes = xcalloc((size_t)h->k, HEAP_REC);
    for (uint32_t i = 0; i < h->k; i++) {
        uint8_t *e = bytes + (size_t)i * HEAP_REC;
        put_le32(e, h->heap[i].fp);
        put_le32(e + 4, (uint32_t)h->heap[i].len);
        put_le32(e + 16, h->heap[i].count);
    }
    rdbm_put_string(out, bytes, (size_t)h->k * HEAP_REC);
    xfree(bytes);
    for (uint32_t i = 0; i < h->k; i++) {
        if (h->heap[i].item)
            rdbm_put_string(out, h->heap[i].item, h->heap[i].len + 1);
        else
            rdbm_put_string(out, "", 1);
    }
}

static int topk_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    uint64_t k, width, depth;
    double decay;
    if (encver != 0) return RDB_ERR;
    if (rdbm_get_uint(r, &k) != RDB_OK || rdbm_get_uint(r, &width) != RDB_OK ||
        rdbm_get_uint(r, &depth) != RDB_OK || rdbm_get_double(r, &decay) != RDB_OK)
        return RDB_ERR;
    if (k < 1 || k > UINT32_MAX || width < 1 || width > UINT32_MAX || depth < 1 ||
        depth > UINT32_MAX || !(decay > 0 && decay <= 1))
        return RDB_ERR;
    size_t avail = r->len - r->pos;
    if (width * depth > avail * LZF_MAX_RATIO / 8 || k > avail * LZF_MAX_RATIO / HEAP_REC)
        return RDB_ERR;
    size_t nb = (size_t)(width * depth);
    HeavyKeeper *h = hk_new((uint32_t)k, (uint32_t)width, (uint32_t)depth, decay);
    Buf scratch;
    buf_init(&scratch);
    const uint8_t *p;
    size_t len;
    if (rdbm_get_string_view(r, nb * 8, &scratch, &p, &len) != RDB_OK || len != nb * 8) goto err;
    for (size_t i = 0; i < nb; i++) {
        h->buckets[i].fp = (uint32_t)bytes_le32(p + 8 * i);
        h->buckets[i].count = (uint32_t)bytes_le32(p + 8 * i + 4);
    }
    if (rdbm_get_string_view(r, (size_t)k * HEAP_REC, &scratch, &p, &len) != RDB_OK ||
        len != (size_t)k * HEAP_REC)
        goto err;
    for (uint32_t i = 0; i < k; i++) {
        const uint8_t *e = p + (size_t)i * HEAP_REC;
        h->heap[i].fp = (uint32_t)bytes_le32(e);
        h->heap[i].len = (size_t)bytes_le32(e + 4);
        h->heap[i].count = (uint32_t)bytes_le32(e + 16);
    }
    for (uint32_t i = 0; i < k; i++) {
        HkEntry *e = &h->heap[i];
        char *item;
        size_t ilen;
        if (rdbm_get_string(r, persist_string_max(), &item, &ilen) != RDB_OK) goto err;
        if (ilen < 1 || item[ilen - 1] != '\0') {
            xfree(item);
            goto err;
        }
        if (ilen == 1 && e->count == 0) { /* an unused slot */
            xfree(item);
            if (e->len != 0) goto err;
            continue;
        }
        /* the item and its NUL; Redis saves an item only up to its first NUL */
        int whole = ilen - 1 == e->len;
        if (!whole && (ilen - 1 > e->len || strlen(item) != ilen - 1)) {
            xfree(item);
            goto err;
        }
        e->len = ilen - 1;
        e->item = item;
        if (whole && e->fp != hk_fingerprint(item, e->len)) goto err;
    }
    if (hk_check(h) != 0) goto err;
    buf_free(&scratch);
    *out = obj_new(OBJ_TOPK, h);
    return RDB_OK;
err:
    buf_free(&scratch);
    hk_free(h);
    return RDB_ERR;
}

static void td_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    /* the module compresses before it saves; a copy keeps o as it is */
    TDigest *t = td_dup(o->ptr);
    td_compress(t);
    rdbm_put_double(out, t->compression);
    rdbm_put_double(out, t->min);
    rdbm_put_double(out, t->max);
    rdbm_put_sint(out, t->cap);
    rdbm_put_sint(out, t->merged_nodes);
    rdbm_put_sint(out, t->unmerged_nodes);
    rdbm_put_sint(out, t->total_compressions);
    rdbm_put_double(out, (double)t->merged_weight);
    rdbm_put_double(out, (double)t->unmerged_weight);
    for (int i = 0; i < t->merged_nodes; i++) rdbm_put_double(out, t->mean[i]);
    for (int i = 0; i < t->merged_nodes; i++) rdbm_put_double(out, (double)t->weight[i]);
    td_free(t);
}

static int td_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    double compression, min, max, mw, uw;
    int64_t cap, merged, unmerged, total;
    if (encver != 0) return RDB_ERR;
    if (rdbm_get_double(r, &compression) != RDB_OK || rdbm_get_double(r, &min) != RDB_OK ||
        rdbm_get_double(r, &max) != RDB_OK || rdbm_get_sint(r, &cap) != RDB_OK ||
        rdbm_get_sint(r, &merged) != RDB_OK || rdbm_get_sint(r, &unmerged) != RDB_OK ||
        rdbm_get_sint(r, &total) != RDB_OK || rdbm_get_double(r, &mw) != RDB_OK ||
        rdbm_get_double(r, &uw) != RDB_OK)
        return RDB_ERR;
    if (!(compression >= 1 && compression <= TD_MAX_COMPRESSION) ||
        compression != floor(compression))
        return RDB_ERR;
    if (cap != 6 * (int64_t)compression + 10 || merged < 0 || merged > cap || unmerged != 0 ||
        total < 0 || uw != 0 || !(mw >= 0 && mw < 9.2e18) || mw != floor(mw))
        return RDB_ERR;
    /* each centroid takes two 9-byte fields: no claim past the input */
    if ((uint64_t)merged > (r->len - r->pos) / 18) return RDB_ERR;
    TDigest *t = td_new((long long)compression);
    t->total_compressions = total;
    long long sum = 0;
    for (int64_t i = 0; i < merged; i++) {
        /* not checked for order: an incremental mean may pass its neighbour
         * by a rounding step, and nothing here relies on the order */
        if (rdbm_get_double(r, &t->mean[i]) != RDB_OK || !isfinite(t->mean[i])) goto err;
    }
    for (int64_t i = 0; i < merged; i++) {
        double w;
        if (rdbm_get_double(r, &w) != RDB_OK || !(w >= 1 && w < 9.2e18) || w != floor(w)) goto err;
        t->weight[i] = (long long)w;
        if (__builtin_add_overflow(sum, t->weight[i], &sum)) goto err;
    }
    if (sum != (long long)mw) goto err;
    if (merged > 0) {
        if (!isfinite(min) || !isfinite(max) || min > max) goto err;
        t->min = min;
        t->max = max;
    }
    t->merged_nodes = (int)merged;
    t->merged_weight = sum;
    *out = obj_new(OBJ_TDIGEST, t);
    return RDB_OK;
err:
    td_free(t);
    return RDB_ERR;
}

static const PersistTypeOps cms_persist = {.obj_type = OBJ_CMS,
                                           .rdb_type = module_rdb_type,
                                           .rdb_write = cms_rdb_write,
                                           .rdb_read = cms_rdb_read,
                                           .aof_rewrite = restore_rewrite,
                                           .module_name = "CMSk-TYPE",
                                           .module_encver = 0};
static const PersistTypeOps topk_persist = {.obj_type = OBJ_TOPK,
                                            .rdb_type = module_rdb_type,
                                            .rdb_write = topk_rdb_write,
                                            .rdb_read = topk_rdb_read,
                                            .aof_rewrite = restore_rewrite,
                                            .module_name = "TopK-TYPE",
                                            .module_encver = 0};
static const PersistTypeOps tdigest_persist = {.obj_type = OBJ_TDIGEST,
                                               .rdb_type = module_rdb_type,
                                               .rdb_write = td_rdb_write,
                                               .rdb_read = td_rdb_read,
                                               .aof_rewrite = restore_rewrite,
                                               .module_name = "TDIS-TYPE",
                                               .module_encver = 0};

/* ---- the command table ------------------------------------------------------------------ */

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command sketch_commands[] = {
    {"cms.initbydim", cmd_cms_init, 4, W | CMD_FAST, "@write @fast @cms", 1, 1, 1, NULL},
    {"cms.initbyprob", cmd_cms_init, 4, W | CMD_FAST, "@write @fast @cms", 1, 1, 1, NULL},
    {"cms.incrby", cmd_cms_incrby, -4, W, "@write @cms", 1, 1, 1, NULL},
    {"cms.query", cmd_cms_query, -3, RO, "@read @cms", 1, 1, 1, NULL},
    {"cms.merge", cmd_cms_merge, -4, W | CMD_MOVABLE_KEYS, "@write @cms", 1, 1, 1, NULL},
    {"cms.info", cmd_cms_info, 2, RO | CMD_FAST, "@read @fast @cms", 1, 1, 1, NULL},
    {"topk.reserve", cmd_topk_reserve, -3, W | CMD_FAST, "@write @fast @topk", 1, 1, 1, NULL},
    {"topk.add", cmd_topk_add, -3, W, "@write @topk", 1, 1, 1, NULL},
    {"topk.incrby", cmd_topk_incrby, -4, W, "@write @topk", 1, 1, 1, NULL},
    {"topk.query", cmd_topk_query, -3, RO, "@read @topk", 1, 1, 1, NULL},
    {"topk.count", cmd_topk_count, -3, RO, "@read @topk", 1, 1, 1, NULL},
    {"topk.list", cmd_topk_list, -2, RO, "@read @topk", 1, 1, 1, NULL},
    {"topk.info", cmd_topk_info, 2, RO, "@read @topk", 1, 1, 1, NULL},
    {"tdigest.create", cmd_td_create, -2, W | CMD_FAST, "@write @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.add", cmd_td_add, -3, W, "@write @tdigest", 1, 1, 1, NULL},
    {"tdigest.reset", cmd_td_reset, 2, W | CMD_FAST, "@write @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.merge", cmd_td_merge, -4, W | CMD_MOVABLE_KEYS, "@write @tdigest", 1, 1, 1, NULL},
    {"tdigest.min", cmd_td_minmax, 2, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.max", cmd_td_minmax, 2, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.quantile", cmd_td_quantile, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.cdf", cmd_td_cdf, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.rank", cmd_td_rank, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.revrank", cmd_td_rank, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.byrank", cmd_td_byrank, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.byrevrank", cmd_td_byrank, -3, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    {"tdigest.trimmed_mean", cmd_td_trimmed_mean, 4, RO, "@read @tdigest", 1, 1, 1, NULL},
    {"tdigest.info", cmd_td_info, 2, RO | CMD_FAST, "@read @fast @tdigest", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the three value types (called once at start-up, before any load). */
void sketch_cmd_init(void);
void sketch_cmd_init(void) {
    obj_register_type(OBJ_CMS, &cms_type);
    obj_register_type(OBJ_TOPK, &topk_type);
    obj_register_type(OBJ_TDIGEST, &tdigest_type);
    persist_register_type(&cms_persist);
    persist_register_type(&topk_persist);
    persist_register_type(&tdigest_persist);
}
