/*
 * vset.c - vector sets, Redis 8's module type "vectorset" (VADD VREM VSIM
 * VCARD VDIM VEMB VISMEMBER VGETATTR VSETATTR VINFO VLINKS VRANDMEMBER
 * VRANGE), and the value type's registration with the keyspace and
 * persistence. The graph is src/types/hnsw.c, FILTER is src/types/vexpr.c.
 *
 * A value is the HNSW graph plus a name -> element table (each node's value
 * is its VsetElem: the table entry that holds the name, and the JSON
 * attributes), the optional REDUCE projection matrix and a set id (VINFO
 * vset-uid). The projection is Redis's deterministic one: entry (i, j) of
 * the output x input matrix is +-1/sqrt(input) by the parity of the bits of
 * i & j, so a replica or an AOF replaying VADD ... REDUCE builds the same
 * matrix; the RDB carries it anyway, as Redis's does.
 *
 * Redis 8's vset.c is the specification for replies and errors, in its
 * order of checks: VADD parses the vector and its options before it looks
 * at the key (so WRONGTYPE comes after a syntax error), VSIM looks the key
 * up first. Differences, deliberate: VADD CAS and VSIM's threads do not
 * exist here (streamd runs commands on one thread: CAS is accepted and the
 * insert runs inline, which is what Redis does inside MULTI or Lua, and
 * NOTHREAD is accepted); VADD of an existing element (an update of its
 * vector) is propagated too, where Redis propagates only additions.
 * Keyspace events: the module fires none of its own; creating the key fires
 * the generic "new" as for any key. Element order of VRANGE is byte order,
 * computed by sorting (Redis keeps a radix tree).
 *
 * Persistence: RDB/DUMP type 7 with the module id of "vectorset", encoding
 * version 0, and the module's field sequence (dimension, count, quantization
 * and M, flags, the projection, then per node its name, attributes, stored
 * vector and graph parameters): Redis 8 reads what this writes and the
 * other way round. The AOF rewrite writes RESTORE key 0 <payload>, as the
 * module has no rewrite of its own, which keeps the graph and the
 * quantized vectors exactly.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/core.h"
#include "server/dict.h"
#include "types/hnsw.h"
#include "types/vexpr.h"

#define VSET_MAX_DIM        (1 << 16)
#define VSET_DEFAULT_SEARCH 100
#define VSET_DEFAULT_COUNT  10
#define VSET_ENCVER         0
#define SAVE_HAS_PROJ       1
#define SAVE_HAS_ATTRS      2

typedef struct VsetElem {
    DictEntry *e; /* the name, in the set's table (the entry's val is this) */
    char *attr;   /* NULL when none; never empty */
    size_t attr_len;
    HnswNode *node;
} VsetElem;

typedef struct Vset {
    Hnsw *h;
    Dict *names;
    float *proj; /* dim x proj_in, or NULL */
    uint32_t proj_in;
    uint64_t uid;
    uint64_t n_attrs;
} Vset;

static uint64_t next_uid;

static Vset *vs(const Obj *o) {
    return o->ptr;
}

static Slice elem_name(const VsetElem *el) {
    return slice_of(el->e->key, el->e->key_len);
}

static Vset *vset_new(uint32_t dim, int quant, uint32_t m) {
    Vset *v = xcalloc(1, sizeof *v);
    v->h = hnsw_new(dim, quant, m);
    v->names = dict_new();
    v->uid = next_uid++;
    return v;
}

static void elem_free(void *p) {
    VsetElem *el = p;
    xfree(el->attr);
    xfree(el);
}

static void vset_free(Vset *v) {
    if (!v) return;
    hnsw_free(v->h, elem_free);
    dict_free(v->names, NULL);
    xfree(v->proj);
    xfree(v);
}

/* Sets (or with len 0 removes) an element's attributes. */
static void elem_set_attr(Vset *v, VsetElem *el, const char *p, size_t len) {
    if (el->attr) v->n_attrs--;
    xfree(el->attr);
    el->attr = NULL;
    el->attr_len = 0;
    if (len) {
        el->attr = xmemdup(p, len);
        el->attr_len = len;
        v->n_attrs++;
    }
}

/* Adds a new element (name not present) with vector vec. */
static VsetElem *vset_add(Vset *v, Slice name, const float *vec, uint32_t ef) {
    VsetElem *el = xcalloc(1, sizeof *el);
    el->e = dict_add(v->names, name.p, name.len, el);
    el->node = hnsw_insert(v->h, vec, el, ef);
    return el;
}

static void vset_remove(Vset *v, VsetElem *el) {
    hnsw_delete(v->h, el->node);
    if (el->attr) v->n_attrs--;
    DictEntry *e = dict_unlink(v->names, el->e->key, el->e->key_len);
    dict_entry_free(e);
    elem_free(el);
}

static VsetElem *vset_find(const Vset *v, Slice name) {
    DictEntry *e = dict_find(v->names, name.p, name.len);
    return e ? e->val : NULL;
}

/* The projection matrix Redis uses: row i, column j is +1 or -1 by the
 * parity of popcount(i & j), scaled by 1/sqrt(in). */
static float *projection_new(uint32_t in, uint32_t out) {
    float *m = xmalloc(sizeof(float) * in * out);
    float scale = 1.0f / sqrtf((float)in);
    for (uint32_t i = 0; i < out; i++)
        for (uint32_t j = 0; j < in; j++)
            m[(size_t)i * in + j] = (__builtin_popcount(i & j) % 2 == 0 ? 1 : -1) * scale;
    return m;
}

static float *project(const float *vec, const float *m, uint32_t in, uint32_t out) {
    float *r = xmalloc(sizeof(float) * out);
    for (uint32_t i = 0; i < out; i++) {
        float sum = 0;
        for (uint32_t j = 0; j < in; j++) sum += m[(size_t)i * in + j] * vec[j];
        r[i] = sum;
    }
    return r;
}

/* ---- the value type's operations ------------------------------------------ */

static void ops_free(void *ptr) {
    vset_free(ptr);
}

static size_t ops_mem(const void *ptr) {
    const Vset *v = ptr;
    size_t bytes = sizeof *v + hnsw_mem_bytes(v->h) + dict_memory(v->names);
    bytes += hnsw_count(v->h) * sizeof(VsetElem);
    for (HnswNode *n = hnsw_first(v->h); n; n = hnsw_next(n)) {
        const VsetElem *el = hnsw_node_value(n);
        bytes += el->attr_len;
    }
    if (v->proj) bytes += sizeof(float) * v->proj_in * hnsw_dim(v->h);
    return bytes;
}

static uint64_t ops_items(const void *ptr) {
    return hnsw_count(((const Vset *)ptr)->h);
}

static uint64_t ops_free_effort(const void *ptr) {
    return hnsw_count(((const Vset *)ptr)->h) * 3 + 1;
}

static void vset_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out);
static int vset_rdb_read(RdbReader *r, int type, int64_t now_ms, Obj **out);

/* COPY: the value through its own serialization (graph and quantized
 * vectors kept exactly). */
static Obj *ops_dup(const void *ptr) {
    Obj tmp = {.type = OBJ_VSET, .ptr = (void *)ptr};
    Buf b;
    buf_init(&b);
    vset_rdb_write(&tmp, DUMP_TYPE_MODULE_2, 0, &b);
    RdbReader r;
    rdb_reader_init(&r, b.p + b.off, b.len - b.off);
    Obj *copy = NULL;
    int rc = vset_rdb_read(&r, VSET_ENCVER, 0, &copy);
    assert(rc == RDB_OK);
    (void)rc;
    buf_free(&b);
    return copy;
}

static const ObjTypeOps vset_type = {"vectorset", "raw",   ops_free, ops_mem,
                                     ops_items,   ops_dup, NULL,     ops_free_effort};

/* ---- argument parsing ---------------------------------------------------------- */

/* A double as RedisModule_StringToDouble reads one: the whole argument,
 * no leading space, no NaN, no overflow. */
static int parse_double(Slice s, double *out) {
    char buf[128];
    if (s.len == 0 || s.len >= sizeof buf || isspace((unsigned char)s.p[0])) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if ((size_t)(end - buf) != s.len || isnan(d) ||
        (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || d == 0)))
        return -1;
    *out = d;
    return 0;
}

static int is_word(Slice s, const char *w) {
    return s.len == strlen(w) && strncasecmp(s.p, w, s.len) == 0;
}

/* Redis's parseVector: [REDUCE dim] then FP32 blob | VALUES n v1..vn at
 * argv[at]. Returns an owned vector (xfree) or NULL; *consumed counts the
 * arguments read. */
static float *parse_vector(Client *c, int at, uint32_t *dim, uint32_t *reduce, int *consumed) {
    int argc = c->argc, used = 0;
    if (reduce) *reduce = 0;
    if (reduce && argc > at + 2 && is_word(c->argv[at], "REDUCE")) {
        long long rd;
        if (parse_ll(c->argv[at + 1], &rd) != 0 || rd <= 0) return NULL;
        *reduce = rd > VSET_MAX_DIM ? VSET_MAX_DIM + 1 : (uint32_t)rd;
        at += 2;
        used += 2;
    }
    float *vec = NULL;
    Slice fmt = c->argv[at];
    if (is_word(fmt, "FP32")) {
        if (argc < at + 2) return NULL;
        Slice blob = c->argv[at + 1];
        if (blob.len % 4 || blob.len < 4 || blob.len / 4 > VSET_MAX_DIM) return NULL;
        *dim = (uint32_t)(blob.len / 4);
        vec = xmalloc(blob.len);
        /* little-endian on the wire, as Redis's memcpy on the hosts it runs on */
        memcpy(vec, blob.p, blob.len);
        used += 2;
    } else if (is_word(fmt, "VALUES")) {
        long long n;
        if (argc < at + 2) return NULL;
        if (parse_ll(c->argv[at + 1], &n) != 0 || n < 1 || n > VSET_MAX_DIM) return NULL;
        if (argc < at + 2 + n) return NULL;
        *dim = (uint32_t)n;
        vec = xmalloc(sizeof(float) * (size_t)n);
        for (long long j = 0; j < n; j++) {
            double d;
            if (parse_double(c->argv[at + 2 + j], &d) != 0) {
                xfree(vec);
                return NULL;
            }
            vec[j] = (float)d;
        }
        used += (int)n + 2;
    } else {
        return NULL;
    }
    if (reduce && *reduce && *reduce > *dim) {
        xfree(vec);
        return NULL;
    }
    *consumed = used;
    return vec;
}

/* The vector set at key (NULL if missing); -1 after WRONGTYPE. */
static int lookup(Client *c, Slice key, int for_write, Obj **out) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_VSET) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

/* A float-derived double as Redis 8 replies it: the shortest text that
 * reads back as the same double. */
static void reply_dbl(Client *c, double d) {
    char buf[64];
    int n = 0;
    if (isinf(d)) {
        reply_double(c, d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    reply_double_text(c, buf, (size_t)n);
}

static const char *quant_name(int q) {
    return q == HNSW_QUANT_NONE ? "f32" : q == HNSW_QUANT_Q8 ? "int8" : "bin";
}

/* ---- VADD ------------------------------------------------------------------------- */

static void cmd_vadd(Client *c) {
    if (c->argc < 5) {
        reply_arity_error(c);
        return;
    }
    uint32_t dim = 0, reduce = 0;
    int consumed = 0;
    float *vec = parse_vector(c, 2, &dim, &reduce, &consumed);
    if (!vec) {
        reply_error(c, "ERR invalid vector specification");
        return;
    }
    if (c->argc - 2 - consumed < 1) {
        xfree(vec);
        reply_arity_error(c);
        return;
    }
    long long ef = HNSW_DEFAULT_EF, m = HNSW_DEFAULT_M;
    int quant = HNSW_QUANT_Q8, has_attr = 0;
    Slice attr = {0};
    for (int j = 2 + consumed + 1; j < c->argc; j++) {
        Slice opt = c->argv[j];
        if (is_word(opt, "CAS")) {
            /* no threads here: the insert runs inline */
        } else if (is_word(opt, "EF") && j + 1 < c->argc) {
            if (parse_ll(c->argv[j + 1], &ef) != 0 || ef <= 0 || ef > 1000000) {
                xfree(vec);
                reply_error(c, "ERR invalid EF");
                return;
            }
            j++;
        } else if (is_word(opt, "M") && j + 1 < c->argc) {
            if (parse_ll(c->argv[j + 1], &m) != 0 || m < HNSW_MIN_M || m > HNSW_MAX_M) {
                xfree(vec);
                reply_error(c, "ERR invalid M");
                return;
            }
            j++;
        } else if (is_word(opt, "SETATTR") && j + 1 < c->argc) {
            attr = c->argv[++j];
            has_attr = 1;
        } else if (is_word(opt, "NOQUANT")) {
            quant = HNSW_QUANT_NONE;
        } else if (is_word(opt, "BIN")) {
            quant = HNSW_QUANT_BIN;
        } else if (is_word(opt, "Q8")) {
            quant = HNSW_QUANT_Q8;
        } else {
            xfree(vec);
            reply_error(c, "ERR invalid option after element");
            return;
        }
    }
    Slice key = c->argv[1], name = c->argv[2 + consumed];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) {
        xfree(vec);
        return;
    }
    Vset *v;
    int is_new_key = o == NULL;
    if (is_new_key) {
        v = vset_new(reduce ? reduce : dim, quant, (uint32_t)m);
        if (reduce) {
            v->proj = projection_new(dim, reduce);
            v->proj_in = dim;
            float *p = project(vec, v->proj, dim, reduce);
            xfree(vec);
            vec = p;
        }
    } else {
        v = vs(o);
        uint32_t vdim = hnsw_dim(v->h);
        const char *err = NULL;
        if (hnsw_quant(v->h) != quant)
            err = "ERR asked quantization mismatch with existing vector set";
        else if (hnsw_m(v->h) != (uint32_t)m)
            err = "ERR asked M value mismatch with existing vector set";
        if (err) {
            xfree(vec);
            reply_error(c, "%s", err);
            return;
        }
        if ((!v->proj && vdim != dim) || (v->proj && vdim != reduce)) {
            xfree(vec);
            reply_error(c, "ERR Vector dimension mismatch - got %d but set has %d", (int)dim,
                        (int)vdim);
            return;
        }
        if (reduce && !v->proj) {
            xfree(vec);
            reply_error(c, "ERR cannot add projection to existing set without projection");
            return;
        }
        if (reduce && reduce != vdim) {
            xfree(vec);
            reply_error(c, "ERR projection dimension mismatch with existing set");
            return;
        }
        if (v->proj) {
            if (dim != v->proj_in) {
                xfree(vec);
                reply_error(c,
                            "ERR Input dimension mismatch for projection - got %d but projection "
                            "expects %d",
                            (int)dim, (int)v->proj_in);
                return;
            }
            float *p = project(vec, v->proj, v->proj_in, vdim);
            xfree(vec);
            vec = p;
        }
    }
    VsetElem *el = vset_find(v, name);
    int added = el == NULL;
    if (el) {
        /* an update: the vector is replaced (re-inserted), the attributes
         * only when SETATTR was given ("" removes them) */
        hnsw_delete(v->h, el->node);
        el->node = hnsw_insert(v->h, vec, el, (uint32_t)ef);
    } else {
        el = vset_add(v, name, vec, (uint32_t)ef);
    }
    if (has_attr) elem_set_attr(v, el, attr.p, attr.len);
    xfree(vec);
    if (is_new_key) {
        db_add(c->db, key, obj_new(OBJ_VSET, v));
    } else {
        db_resized(c->db, o, hnsw_count(v->h));
        db_signal_key(c->db, key);
    }
    reply_bool(c, added);
    propagate_argv(c);
}

/* ---- VREM VCARD VDIM VISMEMBER -------------------------------------------------------- */

static void cmd_vrem(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    VsetElem *el = o ? vset_find(vs(o), c->argv[2]) : NULL;
    if (!el) {
        reply_bool(c, 0);
        return;
    }
    vset_remove(vs(o), el);
    if (hnsw_count(vs(o)->h) == 0) {
        db_delete(c->db, key);
    } else {
        db_resized(c->db, o, hnsw_count(vs(o)->h));
        db_signal_key(c->db, key);
    }
    reply_bool(c, 1);
    propagate_argv(c);
}

static void cmd_vcard(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    reply_uint(c, o ? hnsw_count(vs(o)->h) : 0);
}

static void cmd_vdim(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_error(c, "ERR key does not exist");
        return;
    }
    reply_uint(c, hnsw_dim(vs(o)->h));
}

static void cmd_vismember(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    reply_bool(c, o && vset_find(vs(o), c->argv[2]) != NULL);
}

/* ---- VEMB VGETATTR VSETATTR ------------------------------------------------------------ */

static void cmd_vemb(Client *c) {
    int raw = 0;
    for (int j = 3; j < c->argc; j++) {
        if (!is_word(c->argv[j], "RAW")) {
            reply_error(c, "ERR invalid option");
            return;
        }
        raw = 1;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    VsetElem *el = o ? vset_find(vs(o), c->argv[2]) : NULL;
    if (!el) {
        reply_null(c);
        return;
    }
    Hnsw *h = vs(o)->h;
    if (raw) {
        int q8 = hnsw_quant(h) == HNSW_QUANT_Q8;
        float l2, range;
        const void *bytes = hnsw_node_raw(el->node, &l2, &range);
        reply_array(c, 3 + (size_t)q8);
        reply_status(c, quant_name(hnsw_quant(h)));
        reply_bulk(c, bytes, hnsw_vector_bytes(h));
        reply_dbl(c, l2);
        if (q8) reply_dbl(c, range);
        return;
    }
    uint32_t dim = hnsw_dim(h);
    float *vec = xmalloc(sizeof(float) * dim);
    hnsw_node_vector(h, el->node, vec);
    reply_array(c, dim);
    for (uint32_t i = 0; i < dim; i++) reply_dbl(c, vec[i]);
    xfree(vec);
}

static void cmd_vgetattr(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    VsetElem *el = o ? vset_find(vs(o), c->argv[2]) : NULL;
    if (!el || !el->attr)
        reply_null(c);
    else
        reply_bulk(c, el->attr, el->attr_len);
}

static void cmd_vsetattr(Client *c) {
    Slice key = c->argv[1];
    Obj *o;
    if (lookup(c, key, 1, &o) != 0) return;
    VsetElem *el = o ? vset_find(vs(o), c->argv[2]) : NULL;
    if (!el) {
        reply_bool(c, 0);
        return;
    }
    elem_set_attr(vs(o), el, c->argv[3].p, c->argv[3].len);
    db_signal_key(c->db, key);
    reply_bool(c, 1);
    propagate_argv(c);
}

/* ---- VSIM ------------------------------------------------------------------------------------ */

static int filter_elem(void *value, void *priv) {
    const VsetElem *el = value;
    if (!el->attr) return 0;
    return vexpr_match(priv, el->attr, el->attr_len);
}

static void cmd_vsim(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    Vset *v = vs(o);
    Hnsw *h = v->h;
    uint32_t vdim = hnsw_dim(h), dim = 0;
    float *vec = NULL;
    int vector_args;
    if (is_word(c->argv[2], "ELE")) {
        VsetElem *el = vset_find(v, c->argv[3]);
        if (!el) {
            reply_error(c, "ERR element not found in set");
            return;
        }
        vec = xmalloc(sizeof(float) * vdim);
        hnsw_node_vector(h, el->node, vec);
        dim = vdim;
        vector_args = 2;
    } else {
        vec = parse_vector(c, 2, &dim, NULL, &vector_args);
        if (!vec) {
            reply_error(c, "ERR invalid vector specification");
            return;
        }
        if (v->proj && dim != vdim) {
            if (dim != v->proj_in) {
                xfree(vec);
                reply_error(c,
                            "ERR Input dimension mismatch for projection - got %d but projection "
                            "expects %d",
                            (int)dim, (int)v->proj_in);
                return;
            }
            float *p = project(vec, v->proj, v->proj_in, vdim);
            xfree(vec);
            vec = p;
            dim = vdim;
        }
    }
    if (dim != vdim) {
        xfree(vec);
        reply_error(c, "ERR Vector dimension mismatch - got %d but set has %d", (int)dim,
                    (int)vdim);
        return;
    }
    int withscores = 0, withattribs = 0, truth = 0;
    long long count = VSET_DEFAULT_COUNT, ef = 0, filter_ef = 0;
    double epsilon = 2.0;
    VExpr *filter = NULL;
    const char *err = NULL;
    for (int j = 2 + vector_args; j < c->argc && !err;) {
        Slice opt = c->argv[j];
        int has_arg = j + 1 < c->argc;
        if (is_word(opt, "WITHSCORES")) {
            withscores = 1;
            j++;
        } else if (is_word(opt, "WITHATTRIBS")) {
            withattribs = 1;
            j++;
        } else if (is_word(opt, "TRUTH")) {
            truth = 1;
            j++;
        } else if (is_word(opt, "NOTHREAD")) {
            j++;
        } else if (is_word(opt, "COUNT") && has_arg) {
            if (parse_ll(c->argv[j + 1], &count) != 0 || count <= 0) err = "ERR invalid COUNT";
            j += 2;
        } else if (is_word(opt, "EPSILON") && has_arg) {
            if (parse_double(c->argv[j + 1], &epsilon) != 0 || epsilon <= 0)
                err = "ERR invalid EPSILON";
            j += 2;
        } else if (is_word(opt, "EF") && has_arg) {
            if (parse_ll(c->argv[j + 1], &ef) != 0 || ef <= 0 || ef > 1000000)
                err = "ERR invalid EF";
            j += 2;
        } else if (is_word(opt, "FILTER-EF") && has_arg) {
            if (parse_ll(c->argv[j + 1], &filter_ef) != 0 || filter_ef <= 0)
                err = "ERR invalid FILTER-EF";
            j += 2;
        } else if (is_word(opt, "FILTER") && has_arg) {
            Slice src = c->argv[j + 1];
            size_t errpos;
            vexpr_free(filter);
            filter = vexpr_compile(src.p, src.len, &errpos);
            if (!filter) {
                size_t n = strnlen(src.p, src.len);
                if (errpos >= n) errpos = 0;
                xfree(vec);
                reply_error(c, "ERR syntax error in FILTER expression near: %.*s",
                            (int)(n - errpos), src.p + errpos);
                return;
            }
            j += 2;
        } else {
            err = "ERR syntax error in VSIM command";
        }
    }
    if (err) {
        xfree(vec);
        vexpr_free(filter);
        reply_error(c, "%s", err);
        return;
    }
    if (filter_ef == 0) filter_ef = count > LLONG_MAX / 100 ? LLONG_MAX : count * 100;
    if (ef == 0) ef = VSET_DEFAULT_SEARCH;
    if (count > ef) ef = count;
    if ((uint64_t)ef > hnsw_count(h)) ef = (long long)hnsw_count(h);
    HnswNode **found = xmalloc(sizeof(HnswNode *) * (size_t)(ef ? ef : 1));
    float *dist = xmalloc(sizeof(float) * (size_t)(ef ? ef : 1));
    uint32_t n =
        hnsw_search(h, vec, (uint32_t)ef, (uint32_t)ef, filter ? filter_elem : NULL, filter,
                    filter_ef > UINT32_MAX ? UINT32_MAX : (uint32_t)filter_ef, truth, found, dist);
    int resp3 = c->resp >= 3, as_map = resp3 && (withscores || withattribs);
    float eps = (float)epsilon;
    size_t shown = 0;
    while (shown < n && shown < (uint64_t)count && !(dist[shown] / 2 > eps)) shown++;
    if (as_map)
        reply_map(c, shown);
    else
        reply_array(c, shown * (size_t)(1 + withscores + withattribs));
    for (size_t i = 0; i < shown; i++) {
        const VsetElem *el = hnsw_node_value(found[i]);
        reply_bulk_slice(c, elem_name(el));
        if (resp3 && withscores && withattribs) reply_array(c, 2);
        if (withscores) reply_dbl(c, 1.0 - dist[i] / 2.0);
        if (withattribs) {
            if (el->attr)
                reply_bulk(c, el->attr, el->attr_len);
            else
                reply_null(c);
        }
    }
    xfree(found);
    xfree(dist);
    xfree(vec);
    vexpr_free(filter);
}

/* ---- VLINKS VINFO ---------------------------------------------------------------------------- */

static void cmd_vlinks(Client *c) {
    if (c->argc > 4) {
        reply_arity_error(c);
        return;
    }
    int withscores = 0;
    if (c->argc == 4) {
        if (!is_word(c->argv[3], "WITHSCORES")) {
            reply_arity_error(c);
            return;
        }
        withscores = 1;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    VsetElem *el = o ? vset_find(vs(o), c->argv[2]) : NULL;
    if (!el) {
        reply_null(c);
        return;
    }
    Hnsw *h = vs(o)->h;
    uint32_t level = hnsw_node_level(el->node);
    reply_array(c, level + 1);
    for (uint32_t l = level + 1; l-- > 0;) {
        uint32_t k;
        HnswNode *const *links = hnsw_node_links(el->node, l, &k);
        if (withscores)
            reply_map(c, k);
        else
            reply_array(c, k);
        for (uint32_t i = 0; i < k; i++) {
            reply_bulk_slice(c, elem_name(hnsw_node_value(links[i])));
            if (withscores) {
                float d = hnsw_node_distance(h, el->node, links[i]);
                float sim = (float)(1.0 - d / 2.0);
                reply_dbl(c, sim);
            }
        }
    }
}

static void cmd_vinfo(Client *c) {
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_null_array(c);
        return;
    }
    Vset *v = vs(o);
    reply_map(c, 9);
    reply_status(c, "quant-type");
    reply_status(c, quant_name(hnsw_quant(v->h)));
    reply_status(c, "hnsw-m");
    reply_uint(c, hnsw_m(v->h));
    reply_status(c, "vector-dim");
    reply_uint(c, hnsw_dim(v->h));
    reply_status(c, "projection-input-dim");
    reply_uint(c, v->proj_in);
    reply_status(c, "size");
    reply_uint(c, hnsw_count(v->h));
    reply_status(c, "max-level");
    reply_uint(c, hnsw_max_level(v->h));
    reply_status(c, "attributes-count");
    reply_uint(c, v->n_attrs);
    reply_status(c, "vset-uid");
    reply_uint(c, v->uid);
    reply_status(c, "hnsw-max-node-uid");
    reply_uint(c, hnsw_last_id(v->h));
}

/* ---- VRANDMEMBER VRANGE -----------------------------------------------------------------------
 */

static VsetElem *random_elem(Vset *v) {
    return dict_random(v->names)->val;
}

static void cmd_vrandmember(Client *c) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    long long count = 1;
    int with_count = c->argc == 3;
    if (with_count) {
        if (parse_ll(c->argv[2], &count) != 0) {
            reply_error(c, "ERR COUNT value is not an integer");
            return;
        }
        if (count == 0) {
            reply_empty_array(c);
            return;
        }
        /* streamd's own limit, as HRANDFIELD's: a negative count repeats
         * elements, so its reply grows with the count alone; one that could
         * not fit in proto-max-bulk-len bytes is refused rather than built */
        if (count < 0 && (count == LLONG_MIN || -count > settings.proto_max_bulk_len / 6)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        if (with_count)
            reply_empty_array(c);
        else
            reply_null(c);
        return;
    }
    Vset *v = vs(o);
    uint64_t size = hnsw_count(v->h);
    if (!with_count) {
        reply_bulk_slice(c, elem_name(random_elem(v)));
        return;
    }
    if (count < 0) {
        unsigned long long k =
            count == LLONG_MIN ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)-count;
        reply_array(c, k);
        for (unsigned long long i = 0; i < k; i++) reply_bulk_slice(c, elem_name(random_elem(v)));
        return;
    }
    uint64_t k = (uint64_t)count > size ? size : (uint64_t)count;
    reply_array(c, k);
    if ((double)k <= (double)size * 0.2) {
        /* few: random picks, repeats skipped */
        Dict *seen = dict_new();
        for (uint64_t got = 0; got < k;) {
            VsetElem *el = random_elem(v);
            if (dict_find(seen, el->e->key, el->e->key_len)) continue;
            dict_add(seen, el->e->key, el->e->key_len, NULL);
            reply_bulk_slice(c, elem_name(el));
            got++;
        }
        dict_free(seen, NULL);
    } else {
        /* many: a run of the node list from a random place */
        HnswNode *n = random_elem(v)->node;
        for (uint64_t got = 0; got < k; got++) {
            if (!n) n = hnsw_first(v->h);
            reply_bulk_slice(c, elem_name(hnsw_node_value(n)));
            n = hnsw_next(n);
        }
    }
}

typedef struct RangeOp {
    int incl, is_min, is_max;
    Slice ele;
} RangeOp;

static int parse_range_op(Slice s, RangeOp *op) {
    memset(op, 0, sizeof *op);
    if (s.len == 0) return -1;
    if (s.len == 1 && s.p[0] == '-') {
        op->is_min = 1;
        return 0;
    }
    if (s.len == 1 && s.p[0] == '+') {
        op->is_max = 1;
        return 0;
    }
    if (s.p[0] != '[' && s.p[0] != '(') return -1;
    if (s.len < 2) return -1;
    op->incl = s.p[0] == '[';
    op->ele = slice_of(s.p + 1, s.len - 1);
    return 0;
}

static int bytes_cmp(Slice a, Slice b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int r = memcmp(a.p, b.p, n);
    if (r) return r;
    return a.len < b.len ? -1 : a.len > b.len;
}

static int elem_ptr_cmp(const void *x, const void *y) {
    return bytes_cmp(elem_name(*(VsetElem *const *)x), elem_name(*(VsetElem *const *)y));
}

static void cmd_vrange(Client *c) {
    if (c->argc > 5) {
        reply_arity_error(c);
        return;
    }
    long long count = -1;
    if (c->argc == 5 && parse_ll(c->argv[4], &count) != 0) {
        reply_error(c, "ERR invalid COUNT value");
        return;
    }
    RangeOp start, end;
    if (parse_range_op(c->argv[2], &start) != 0) {
        reply_error(c, "ERR invalid start range format");
        return;
    }
    if (parse_range_op(c->argv[3], &end) != 0) {
        reply_error(c, "ERR invalid end range format");
        return;
    }
    if (start.is_max || end.is_min) {
        reply_error(c, "ERR '-' can only be used as first argument, '+' only as second");
        return;
    }
    Obj *o;
    if (lookup(c, c->argv[1], 0, &o) != 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    Vset *v = vs(o);
    size_t n = 0, total = (size_t)hnsw_count(v->h);
    VsetElem **all = xmalloc(sizeof(VsetElem *) * (total ? total : 1));
    for (HnswNode *x = hnsw_first(v->h); x; x = hnsw_next(x)) {
        VsetElem *el = hnsw_node_value(x);
        if (!start.is_min) {
            int r = bytes_cmp(elem_name(el), start.ele);
            if (r < 0 || (r == 0 && !start.incl)) continue;
        }
        if (!end.is_max) {
            int r = bytes_cmp(elem_name(el), end.ele);
            if (r > 0 || (r == 0 && !end.incl)) continue;
        }
        all[n++] = el;
    }
    qsort(all, n, sizeof *all, elem_ptr_cmp);
    if (count >= 0 && (unsigned long long)count < n) n = (size_t)count;
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_bulk_slice(c, elem_name(all[i]));
    xfree(all);
}

/* ---- persistence ------------------------------------------------------------------------------
 */

static int vset_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

static void vset_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const Vset *v = vs(o);
    const Hnsw *h = v->h;
    rdbm_put_uint(out, hnsw_dim(h));
    rdbm_put_uint(out, hnsw_count(h));
    rdbm_put_uint(out, (uint64_t)(hnsw_quant(h) & 0xff) | ((uint64_t)(hnsw_m(h) & 0xffff) << 8));
    rdbm_put_uint(out, (v->proj ? SAVE_HAS_PROJ : 0) | (v->n_attrs ? SAVE_HAS_ATTRS : 0));
    if (v->proj) {
        rdbm_put_uint(out, v->proj_in);
        rdbm_put_string(out, v->proj, sizeof(float) * v->proj_in * hnsw_dim(h));
    }
    for (HnswNode *n = hnsw_first(h); n; n = hnsw_next(n)) {
        const VsetElem *el = hnsw_node_value(n);
        rdbm_put_string(out, el->e->key, el->e->key_len);
        if (v->n_attrs) rdbm_put_string(out, el->attr ? el->attr : "", el->attr_len);
        float l2, range;
        rdbm_put_string(out, hnsw_node_raw(n, &l2, &range), hnsw_vector_bytes(h));
        uint32_t k;
        uint64_t *params = hnsw_node_params(h, n, &k);
        rdbm_put_uint(out, k);
        for (uint32_t i = 0; i < k; i++) rdbm_put_uint(out, params[i]);
        xfree(params);
    }
}

static int vset_rdb_read(RdbReader *r, int type, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (type != VSET_ENCVER) return RDB_ERR;
    uint64_t dim, count, config, flags;
    if (rdbm_get_uint(r, &dim) != RDB_OK || rdbm_get_uint(r, &count) != RDB_OK ||
        rdbm_get_uint(r, &config) != RDB_OK)
        return RDB_ERR;
    uint64_t quant = config & 0xff, m = (config >> 8) & 0xffff;
    if (dim == 0 || dim > VSET_MAX_DIM || quant > HNSW_QUANT_BIN) return RDB_ERR;
    if (m == 0) m = HNSW_DEFAULT_M; /* files from before M was configurable */
    if (m < HNSW_MIN_M || m > HNSW_MAX_M) return RDB_ERR;
    /* every element takes several bytes: no claim past the input */
    if (count > r->len - r->pos) return RDB_ERR;
    Vset *v = vset_new((uint32_t)dim, (int)quant, (uint32_t)m);
    Buf scratch;
    buf_init(&scratch);
    if (rdbm_get_uint(r, &flags) != RDB_OK || (flags & ~(uint64_t)3)) goto bad;
    if (flags & SAVE_HAS_PROJ) {
        uint64_t in;
        if (rdbm_get_uint(r, &in) != RDB_OK || in == 0 || in > VSET_MAX_DIM || dim > in) goto bad;
        size_t bytes = sizeof(float) * (size_t)in * (size_t)dim;
        char *p;
        size_t len;
        /* LZF expands at most ~100 times: no allocation the input cannot back */
        if (bytes / 128 > r->len - r->pos) goto bad;
        if (rdbm_get_string(r, bytes, &p, &len) != RDB_OK) goto bad;
        if (len != bytes) {
            xfree(p);
            goto bad;
        }
        v->proj = xmalloc(bytes);
        memcpy(v->proj, p, bytes);
        xfree(p);
        v->proj_in = (uint32_t)in;
    }
    size_t vbytes = hnsw_vector_bytes(v->h);
    for (uint64_t i = 0; i < count; i++) {
        char *name = NULL, *attr = NULL;
        size_t name_len, attr_len = 0;
        const uint8_t *vec;
        size_t vec_len;
        uint64_t k;
        if (rdbm_get_string(r, persist_string_max(), &name, &name_len) != RDB_OK) goto bad;
        if ((flags & SAVE_HAS_ATTRS) &&
            rdbm_get_string(r, persist_string_max(), &attr, &attr_len) != RDB_OK) {
            xfree(name);
            goto bad;
        }
        int ok = rdbm_get_string_view(r, vbytes, &scratch, &vec, &vec_len) == RDB_OK &&
                 vec_len == vbytes && rdbm_get_uint(r, &k) == RDB_OK && k <= r->len - r->pos &&
                 k <= UINT32_MAX && !dict_find(v->names, name, name_len);
        uint64_t *params = NULL;
        if (ok) {
            /* the vector view may live in scratch: keep a copy while reading on */
            uint8_t *vcopy = xmemdup(vec, vec_len);
            params = xmalloc(sizeof(uint64_t) * (k ? k : 1));
            for (uint64_t j = 0; j < k && ok; j++) ok = rdbm_get_uint(r, &params[j]) == RDB_OK;
            if (ok) {
                VsetElem *el = xcalloc(1, sizeof *el);
                el->node = hnsw_load_node(v->h, vcopy, params, (uint32_t)k, el);
                if (!el->node) {
                    xfree(el);
                    ok = 0;
                } else {
                    el->e = dict_add(v->names, name, name_len, el);
                    if (attr_len) {
                        el->attr = attr;
                        el->attr_len = attr_len;
                        attr = NULL;
                        v->n_attrs++;
                    }
                }
            }
            xfree(vcopy);
        }
        xfree(params);
        xfree(name);
        xfree(attr);
        if (!ok) goto bad;
    }
    if (hnsw_load_finish(v->h) != 0) goto bad;
    buf_free(&scratch);
    if (count == 0) {
        vset_free(v);
        return RDB_EMPTY;
    }
    *out = obj_new(OBJ_VSET, v);
    return RDB_OK;
bad:
    buf_free(&scratch);
    vset_free(v);
    return RDB_ERR;
}

/* RESTORE key 0 <payload>: the module has no rewrite of its own, and the
 * payload keeps the graph and the stored vectors exactly. */
static void vset_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms,
                             void (*flush)(void *), void *fp) {
    (void)flush;
    (void)fp;
    Buf payload;
    buf_init(&payload);
    dump_value(o, now_ms, &payload);
    aof_cat_array_header(out, 4);
    aof_cat_bulk(out, "RESTORE", 7);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, "0", 1);
    aof_cat_bulk(out, payload.p + payload.off, payload.len - payload.off);
    buf_free(&payload);
}

static const PersistTypeOps vset_persist = {
    .obj_type = OBJ_VSET,
    .rdb_type = vset_rdb_type,
    .rdb_write = vset_rdb_write,
    .rdb_read = vset_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = vset_aof_rewrite,
    .module_name = "vectorset",
    .module_encver = VSET_ENCVER,
};

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY
const Command vset_commands[] = {
    {"vadd", cmd_vadd, -5, W, "@write @vectorset @slow", 1, 1, 1, NULL},
    {"vrem", cmd_vrem, 3, CMD_WRITE, "@write @vectorset @slow", 1, 1, 1, NULL},
    {"vsim", cmd_vsim, -4, RO, "@read @vectorset @slow", 1, 1, 1, NULL},
    {"vdim", cmd_vdim, 2, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vcard", cmd_vcard, 2, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vemb", cmd_vemb, -3, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vlinks", cmd_vlinks, -3, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vinfo", cmd_vinfo, 2, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vsetattr", cmd_vsetattr, 4, CMD_WRITE | CMD_FAST, "@write @vectorset @fast", 1, 1, 1, NULL},
    {"vgetattr", cmd_vgetattr, 3, RO | CMD_FAST, "@read @vectorset @fast", 1, 1, 1, NULL},
    {"vrandmember", cmd_vrandmember, -2, RO, "@read @vectorset @slow", 1, 1, 1, NULL},
    {"vismember", cmd_vismember, 3, RO, "@read @vectorset @slow", 1, 1, 1, NULL},
    {"vrange", cmd_vrange, -4, RO, "@read @vectorset @slow", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void vset_cmd_init(void);
void vset_cmd_init(void) {
    obj_register_type(OBJ_VSET, &vset_type);
    persist_register_type(&vset_persist);
}
