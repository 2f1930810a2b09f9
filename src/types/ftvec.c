/*
 * ftvec.c - vector fields of the query engine: FT.CREATE's VECTOR
 * attributes, a FLAT (exact) or HNSW (graph) index per field keyed by
 * document id, KNN and range search with an optional filter.
 *
 * Storage. Vectors live in one array of slots, each a row of dim elements:
 * float for FLOAT32/FLOAT16/BFLOAT16/INT8/UINT8 (converted on the way in,
 * as RediSearch's vector library converts the narrow types element by
 * element before it multiplies), double for FLOAT64. COSINE fields store
 * the vector normalised (rounded back through the field's type for the
 * 16-bit types, as the library stores them), so the distance is 1 - dot.
 * A hash of document id -> slot (open addressing, backward-shift deletion)
 * finds a document's row.
 *
 * FLAT keeps the slots dense: a delete moves the last row into the hole.
 * Searches scan every row.
 *
 * HNSW (Malkov & Yashunin) keeps the graph's links per slot in one block:
 * level 0 holds up to 2*M links, the levels above M, each preceded by its
 * count. Neighbours are chosen with the paper's heuristic (a candidate is
 * kept when it is nearer to the new node than to every neighbour already
 * kept). Links are one-way, as in hnswlib, so a delete cannot find who
 * points at a node; instead a deleted slot becomes a tombstone that
 * searches still walk through but never return, and once tombstones
 * outnumber live vectors the graph is rebuilt from the live ones (O(n log
 * n), amortised over as many deletes). The alternative, reciprocal links
 * repaired on delete (src/types/hnsw.c, vector sets), would need a distance
 * function per metric and type in that library; it normalises every vector
 * for cosine only, so this index has its own small graph.
 *
 * An HNSW index of at most 1024 vectors is scanned rather than walked
 * (exact, and no slower). Filtered KNN on a bigger one: a filter that keeps
 * few documents would make the graph walk visit most of the graph for
 * little; the filter is sampled first and a selective one goes to a scan
 * of the passing documents (RediSearch's "ADHOC_BF"); otherwise the graph
 * is searched with the filter applied to results only ("BATCHES"), and if
 * that yields fewer than k the scan runs after all, so k results come back
 * whenever k documents pass.
 *
 * One search at a time per index (streamd runs commands on one thread):
 * the visited marks are an epoch per slot kept in the index.
 */
#include "types/ftvec.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define NO_SLOT   UINT32_MAX
#define MAX_LEVEL 16

/* ---------------------------------------------------------------- names */

size_t ftvec_type_size(FtVecType t) {
    switch (t) {
    case FTVEC_FLOAT32:
        return 4;
    case FTVEC_FLOAT64:
        return 8;
    case FTVEC_FLOAT16:
    case FTVEC_BFLOAT16:
        return 2;
    case FTVEC_INT8:
    case FTVEC_UINT8:
        return 1;
    }
    return 0;
}

size_t ftvec_blob_len(const FtVecParams *p) {
    return (size_t)p->dim * ftvec_type_size(p->type);
}

const char *ftvec_algo_name(FtVecAlgo a) {
    return a == FTVEC_HNSW ? "HNSW" : "FLAT";
}

const char *ftvec_type_name(FtVecType t) {
    switch (t) {
    case FTVEC_FLOAT32:
        return "FLOAT32";
    case FTVEC_FLOAT64:
        return "FLOAT64";
    case FTVEC_FLOAT16:
        return "FLOAT16";
    case FTVEC_BFLOAT16:
        return "BFLOAT16";
    case FTVEC_INT8:
        return "INT8";
    case FTVEC_UINT8:
        return "UINT8";
    }
    return "";
}

const char *ftvec_metric_name(FtVecMetric m) {
    switch (m) {
    case FTVEC_L2:
        return "L2";
    case FTVEC_IP:
        return "IP";
    case FTVEC_COSINE:
        return "COSINE";
    }
    return "";
}

size_t ftvec_info(const FtVecParams *p, FtVecInfoItem *out) {
    size_t n = 0;
    out[n++] = (FtVecInfoItem){"algorithm", ftvec_algo_name(p->algo), 0};
    out[n++] = (FtVecInfoItem){"data_type", ftvec_type_name(p->type), 0};
    out[n++] = (FtVecInfoItem){"dim", NULL, (long long)p->dim};
    out[n++] = (FtVecInfoItem){"distance_metric", ftvec_metric_name(p->metric), 0};
    if (p->algo == FTVEC_HNSW) {
        out[n++] = (FtVecInfoItem){"M", NULL, (long long)p->m};
        out[n++] = (FtVecInfoItem){"ef_construction", NULL, (long long)p->ef_construction};
    }
    assert(n <= FTVEC_INFO_MAX);
    return n;
}

/* -------------------------------------------------------------- parsing */

/* The argument parser's outcomes and RediSearch's words for them. */
enum { AC_OK = 0, AC_PARSE, AC_NOARG, AC_ELIMIT, AC_ENOENT };

static const char *ac_strerror(int rc) {
    switch (rc) {
    case AC_ELIMIT:
        return "Value is outside acceptable bounds";
    case AC_NOARG:
        return "Expected an argument, but none provided";
    case AC_PARSE:
        return "Could not convert argument to expected type";
    case AC_ENOENT:
        return "Unknown argument";
    }
    return "SUCCESS";
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* an argument echoed back must not break the reply line */
    for (char *c = err; *c; c++)
        if (*c == '\r' || *c == '\n') *c = ' ';
}

/* An unsigned integer in s (decimal, optional '+'); ge1: must be >= 1. */
static int parse_size(Slice s, int ge1, unsigned long long max, unsigned long long *out) {
    char buf[32];
    if (s.len == 0 || s.len >= sizeof(buf)) return AC_PARSE;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end != '\0' || errno == ERANGE) return AC_PARSE;
    if (v < 0 || (ge1 && v < 1) || (unsigned long long)v > max) return AC_ELIMIT;
    *out = (unsigned long long)v;
    return AC_OK;
}

static int parse_double(Slice s, int ge0, double *out) {
    char buf[64];
    if (s.len == 0 || s.len >= sizeof(buf)) return AC_PARSE;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || isnan(v)) return AC_PARSE;
    if (ge0 && v < 0) return AC_ELIMIT;
    *out = v;
    return AC_OK;
}

static int parse_type(Slice s, FtVecType *t) {
    static const FtVecType all[] = {FTVEC_FLOAT32,  FTVEC_FLOAT64, FTVEC_FLOAT16,
                                    FTVEC_BFLOAT16, FTVEC_INT8,    FTVEC_UINT8};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (slice_eq_nocase(s, ftvec_type_name(all[i]))) {
            *t = all[i];
            return AC_OK;
        }
    return AC_ENOENT;
}

static int parse_metric(Slice s, FtVecMetric *m) {
    if (slice_eq_nocase(s, "IP"))
        *m = FTVEC_IP;
    else if (slice_eq_nocase(s, "L2"))
        *m = FTVEC_L2;
    else if (slice_eq_nocase(s, "COSINE"))
        *m = FTVEC_COSINE;
    else
        return AC_ENOENT;
    return AC_OK;
}

int ftvec_parse_params(const Slice *argv, int argc, int *consumed, FtVecParams *out, char *err,
                       size_t errlen) {
    FtVecParams p;
    memset(&p, 0, sizeof(p));
    p.m = FTVEC_DEFAULT_M;
    p.ef_construction = FTVEC_DEFAULT_EF_CONSTRUCTION;
    p.ef_runtime = FTVEC_DEFAULT_EF_RUNTIME;
    p.epsilon = FTVEC_DEFAULT_EPSILON;
    p.block_size = FTVEC_DEFAULT_BLOCK_SIZE;
    int i = 0;
    if (argc < 1) {
        seterr(err, errlen, "Bad arguments for vector similarity algorithm: %s",
               ac_strerror(AC_NOARG));
        return -1;
    }
    const char *algo;
    if (slice_eq_nocase(argv[0], "FLAT")) {
        p.algo = FTVEC_FLAT;
        algo = "FLAT";
    } else if (slice_eq_nocase(argv[0], "HNSW")) {
        p.algo = FTVEC_HNSW;
        algo = "HNSW";
    } else {
        /* SVS-VAMANA included: what a RediSearch without it answers */
        seterr(err, errlen, "Bad arguments for vector similarity algorithm: %s",
               ac_strerror(AC_ENOENT));
        return -1;
    }
    i = 1;
    unsigned long long expn;
    int rc = i < argc ? parse_size(argv[i], 0, (unsigned long long)INT32_MAX, &expn) : AC_NOARG;
    if (rc != AC_OK) {
        seterr(err, errlen, "Bad arguments for vector similarity number of parameters: %s",
               ac_strerror(rc));
        return -1;
    }
    i++;
    if (expn % 2) {
        if (p.algo == FTVEC_HNSW)
            seterr(err, errlen,
                   "Bad number of arguments for vector similarity index: got %llu but expected "
                   "even number (as algorithm parameters should be submitted as named arguments)",
                   expn);
        else
            seterr(err, errlen,
                   "Bad number of arguments for vector similarity index: got %llu but expected "
                   "even number as algorithm parameters (should be submitted as named arguments)",
                   expn);
        return -1;
    }
    expn /= 2;
    unsigned long long got = 0;
    int has_type = 0, has_dim = 0, has_metric = 0;
    while (got < expn && i < argc) {
        Slice name = argv[i++];
        Slice val = i < argc ? argv[i] : slice_of("", 0);
        int have_val = i < argc;
        const char *pname = NULL;
        unsigned long long u = 0;
        rc = AC_OK;
        if (slice_eq_nocase(name, "TYPE")) {
            pname = "TYPE";
            rc = have_val ? parse_type(val, &p.type) : AC_NOARG;
            has_type = 1;
        } else if (slice_eq_nocase(name, "DIM")) {
            pname = "DIM";
            rc = have_val ? parse_size(val, 1, FTVEC_MAX_DIM, &u) : AC_NOARG;
            p.dim = (uint32_t)u;
            has_dim = 1;
        } else if (slice_eq_nocase(name, "DISTANCE_METRIC")) {
            pname = "DISTANCE_METRIC";
            rc = have_val ? parse_metric(val, &p.metric) : AC_NOARG;
            has_metric = 1;
        } else if (slice_eq_nocase(name, "INITIAL_CAP")) {
            pname = "INITIAL_CAP";
            rc = have_val ? parse_size(val, 0, (unsigned long long)SIZE_MAX / 2, &u) : AC_NOARG;
            p.initial_cap = (size_t)u;
        } else if (p.algo == FTVEC_FLAT && slice_eq_nocase(name, "BLOCK_SIZE")) {
            pname = "BLOCK_SIZE";
            rc = have_val ? parse_size(val, 1, (unsigned long long)SIZE_MAX / 2, &u) : AC_NOARG;
            p.block_size = (size_t)u;
        } else if (p.algo == FTVEC_HNSW && slice_eq_nocase(name, "M")) {
            pname = "M";
            rc = have_val ? parse_size(val, 1, FTVEC_MAX_M, &u) : AC_NOARG;
            p.m = (uint32_t)u;
        } else if (p.algo == FTVEC_HNSW && slice_eq_nocase(name, "EF_CONSTRUCTION")) {
            pname = "EF_CONSTRUCTION";
            rc = have_val ? parse_size(val, 1, FTVEC_MAX_EF, &u) : AC_NOARG;
            p.ef_construction = (uint32_t)u;
        } else if (p.algo == FTVEC_HNSW && slice_eq_nocase(name, "EF_RUNTIME")) {
            pname = "EF_RUNTIME";
            rc = have_val ? parse_size(val, 1, FTVEC_MAX_EF, &u) : AC_NOARG;
            p.ef_runtime = (uint32_t)u;
        } else if (p.algo == FTVEC_HNSW && slice_eq_nocase(name, "EPSILON")) {
            pname = "EPSILON";
            rc = have_val ? parse_double(val, 1, &p.epsilon) : AC_NOARG;
        } else {
            seterr(err, errlen, "Bad arguments for algorithm %s: %.*s", algo, (int)name.len,
                   name.p);
            return -1;
        }
        if (rc != AC_OK) {
            seterr(err, errlen, "Bad arguments for vector similarity %s index `%s`: %s", algo,
                   pname, ac_strerror(rc));
            return -1;
        }
        i++;
        got++;
    }
    if (got < expn) {
        seterr(err, errlen, "Expected %llu parameters but got %llu", expn * 2, got * 2);
        return -1;
    }
    const char *missing = !has_type     ? "TYPE"
                          : !has_dim    ? "DIM"
                          : !has_metric ? "DISTANCE_METRIC"
                                        : NULL;
    if (missing) {
        seterr(err, errlen,
               "Missing mandatory parameter: cannot create %s index without specifying %s "
               "argument",
               algo, missing);
        return -1;
    }
    if (i < argc && slice_eq_nocase(argv[i], "INDEXMISSING")) {
        p.is_index_missing = 1;
        i++;
    }
    *consumed = i;
    *out = p;
    return 0;
}

/* ---------------------------------------------------------- conversions */

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) {
                man <<= 1;
                exp--;
            }
            man &= 0x3ff;
            bits = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Round to nearest, ties to even; overflow gives infinity. */
static uint16_t float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return sign;
        man |= 0x800000;
        int shift = 14 - e;
        uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (man >> 13), rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* may carry into the exponent */
    return (uint16_t)(sign | h);
}

static float bf16_to_float(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static uint16_t float_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffff)) return (uint16_t)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

/* ---------------------------------------------------------------- index */

typedef struct Heap {
    double *d;
    uint32_t *s;
    size_t n, cap;
    int max; /* 1: the largest on top */
} Heap;

struct FtVecIndex {
    FtVecParams p;
    int is_f64;     /* rows of double, else of float */
    size_t row;     /* bytes of a row */
    size_t ext_len; /* bytes of an external blob */

    uint32_t n_slots, cap_slots; /* slots in use (live + tombstones), allocated */
    uint32_t n_live;             /* live slots (vectors) */
    uint32_t n_docs, n_multi;    /* documents, those with more than one vector */
    unsigned char *vecs;         /* cap_slots rows */
    FtDocId *docs;               /* the document of each slot */
    uint32_t *next;              /* the document's next slot, or NO_SLOT */
    unsigned char *dead;         /* HNSW tombstones */

    /* document id -> its first slot */
    FtDocId *hkeys;
    uint32_t *hvals; /* NO_SLOT: empty */
    size_t hcap, hused;

    /* HNSW */
    uint32_t **links;
    unsigned char *levels;
    uint32_t entry, max_level;
    uint32_t m0;
    uint64_t rng;
    uint32_t *visited, epoch;

    Heap h1, h2, h3; /* scratch for searches */
    void *qbuf;      /* the query as a row */
};

static size_t hslot(const FtVecIndex *x, FtDocId id) {
    return ((uint64_t)id * 0x9E3779B97F4A7C15ull >> 20) & (x->hcap - 1);
}

static uint32_t map_get(const FtVecIndex *x, FtDocId id) {
    if (!x->hcap) return NO_SLOT;
    for (size_t i = hslot(x, id);; i = (i + 1) & (x->hcap - 1)) {
        if (x->hvals[i] == NO_SLOT) return NO_SLOT;
        if (x->hkeys[i] == id) return x->hvals[i];
    }
}

static void map_put(FtVecIndex *x, FtDocId id, uint32_t slot);

static void map_grow(FtVecIndex *x) {
    size_t oldcap = x->hcap;
    FtDocId *ok = x->hkeys;
    uint32_t *ov = x->hvals;
    x->hcap = oldcap ? oldcap * 2 : 64;
    x->hkeys = xmalloc(x->hcap * sizeof(FtDocId));
    x->hvals = xmalloc(x->hcap * sizeof(uint32_t));
    for (size_t i = 0; i < x->hcap; i++) x->hvals[i] = NO_SLOT;
    x->hused = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (ov[i] != NO_SLOT) map_put(x, ok[i], ov[i]);
    xfree(ok);
    xfree(ov);
}

/* Inserts or overwrites. */
static void map_put(FtVecIndex *x, FtDocId id, uint32_t slot) {
    if ((x->hused + 1) * 4 > x->hcap * 3) map_grow(x);
    size_t i = hslot(x, id);
    while (x->hvals[i] != NO_SLOT && x->hkeys[i] != id) i = (i + 1) & (x->hcap - 1);
    if (x->hvals[i] == NO_SLOT) x->hused++;
    x->hkeys[i] = id;
    x->hvals[i] = slot;
}

/* Removes id (present or not), shifting back the entries after it so that
 * no probe sequence is broken. */
static void map_del(FtVecIndex *x, FtDocId id) {
    if (!x->hcap) return;
    size_t mask = x->hcap - 1, i = hslot(x, id);
    while (x->hvals[i] != NO_SLOT && x->hkeys[i] != id) i = (i + 1) & mask;
    if (x->hvals[i] == NO_SLOT) return;
    x->hvals[i] = NO_SLOT;
    x->hused--;
    for (size_t j = (i + 1) & mask; x->hvals[j] != NO_SLOT; j = (j + 1) & mask) {
        size_t home = hslot(x, x->hkeys[j]);
        /* j's entry may move to the hole i when i lies on its probe path */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            x->hkeys[i] = x->hkeys[j];
            x->hvals[i] = x->hvals[j];
            x->hvals[j] = NO_SLOT;
            i = j;
        }
    }
}

static void *row_at(const FtVecIndex *x, uint32_t slot) {
    return x->vecs + (size_t)slot * x->row;
}

/* Distance between two rows of the index's kind. */
static double row_dist(const FtVecIndex *x, const void *a, const void *b) {
    uint32_t dim = x->p.dim;
    if (x->is_f64) {
        const double *u = a, *v = b;
        double s = 0;
        if (x->p.metric == FTVEC_L2) {
            for (uint32_t i = 0; i < dim; i++) {
                double t = u[i] - v[i];
                s += t * t;
            }
            return s;
        }
        for (uint32_t i = 0; i < dim; i++) s += u[i] * v[i];
        return 1.0 - s;
    }
    /* single-precision terms summed in double and rounded once: the
     * result does not depend on the order of the sum (RediSearch's SIMD
     * kernels add in lane order, a plain loop in index order) */
    const float *u = a, *v = b;
    double s = 0;
    if (x->p.metric == FTVEC_L2) {
        for (uint32_t i = 0; i < dim; i++) {
            float t = u[i] - v[i];
            s += (double)(t * t);
        }
        return (double)(float)s;
    }
    for (uint32_t i = 0; i < dim; i++) s += (double)(u[i] * v[i]);
    return (double)(1.0f - (float)s);
}

/* The same for walking the graph, where only the order matters: eight
 * float lanes (GCC/Clang vector extensions, SSE without any -m flag), no
 * rounding promise, several times faster. The distances a search returns
 * are recomputed with row_dist(). */
typedef float V8 __attribute__((vector_size(32)));

static double walk_dist(const FtVecIndex *x, const void *a, const void *b) {
    if (x->is_f64) return row_dist(x, a, b);
    uint32_t dim = x->p.dim, i = 0;
    const float *u = a, *v = b;
    V8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
    float tail = 0;
    if (x->p.metric == FTVEC_L2) {
        for (; i + 8 <= dim; i += 8) {
            V8 p, q;
            memcpy(&p, u + i, sizeof(p));
            memcpy(&q, v + i, sizeof(q));
            V8 t = p - q;
            acc += t * t;
        }
        for (; i < dim; i++) {
            float t = u[i] - v[i];
            tail += t * t;
        }
    } else {
        for (; i + 8 <= dim; i += 8) {
            V8 p, q;
            memcpy(&p, u + i, sizeof(p));
            memcpy(&q, v + i, sizeof(q));
            acc += p * q;
        }
        for (; i < dim; i++) tail += u[i] * v[i];
    }
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    s += tail;
    return x->p.metric == FTVEC_L2 ? (double)s : (double)(1.0f - s);
}

/* Converts an external blob (ext_len bytes) or n numbers into a row
 * (normalised for COSINE). */
static void to_row(const FtVecIndex *x, const void *blob, const double *nums, void *row) {
    uint32_t dim = x->p.dim;
    const unsigned char *b = blob;
    if (x->is_f64) {
        double *r = row;
        if (nums)
            memcpy(r, nums, dim * sizeof(double));
        else
            memcpy(r, b, dim * sizeof(double));
        if (x->p.metric == FTVEC_COSINE) {
            double s = 0;
            for (uint32_t i = 0; i < dim; i++) s += r[i] * r[i];
            double norm = sqrt(s);
            if (norm > 0)
                for (uint32_t i = 0; i < dim; i++) r[i] /= norm;
        }
        return;
    }
    float *r = row;
    for (uint32_t i = 0; i < dim; i++) {
        float v = 0;
        if (nums) {
            double d = nums[i];
            switch (x->p.type) {
            case FTVEC_INT8:
                d = d < -128 ? -128 : d > 127 ? 127 : (double)(int)d;
                break;
            case FTVEC_UINT8:
                d = d < 0 ? 0 : d > 255 ? 255 : (double)(int)d;
                break;
            default:
                break;
            }
            v = (float)d;
            if (x->p.type == FTVEC_FLOAT16)
                v = half_to_float(float_to_half(v));
            else if (x->p.type == FTVEC_BFLOAT16)
                v = bf16_to_float(float_to_bf16(v));
        } else {
            uint16_t h;
            switch (x->p.type) {
            case FTVEC_FLOAT32:
                memcpy(&v, b + 4 * i, 4);
                break;
            case FTVEC_FLOAT16:
                memcpy(&h, b + 2 * i, 2);
                v = half_to_float(h);
                break;
            case FTVEC_BFLOAT16:
                memcpy(&h, b + 2 * i, 2);
                v = bf16_to_float(h);
                break;
            case FTVEC_INT8:
                v = (float)(int8_t)b[i];
                break;
            case FTVEC_UINT8:
                v = (float)b[i];
                break;
            default:
                break;
            }
        }
        r[i] = v;
    }
    if (x->p.metric == FTVEC_COSINE) {
        double s = 0;
        for (uint32_t i = 0; i < dim; i++) s += (double)r[i] * r[i];
        float norm = (float)sqrt(s);
        if (norm > 0) {
            for (uint32_t i = 0; i < dim; i++) {
                float v = r[i] / norm;
                if (x->p.type == FTVEC_FLOAT16)
                    v = half_to_float(float_to_half(v));
                else if (x->p.type == FTVEC_BFLOAT16)
                    v = bf16_to_float(float_to_bf16(v));
                r[i] = v;
            }
        }
    }
}

FtVecIndex *ftvec_new(const FtVecParams *p) {
    assert(p->dim >= 1 && p->dim <= FTVEC_MAX_DIM);
    FtVecIndex *x = xcalloc(1, sizeof(*x));
    x->p = *p;
    if (x->p.m < 1) x->p.m = FTVEC_DEFAULT_M;
    if (x->p.ef_construction < 1) x->p.ef_construction = FTVEC_DEFAULT_EF_CONSTRUCTION;
    if (x->p.ef_runtime < 1) x->p.ef_runtime = FTVEC_DEFAULT_EF_RUNTIME;
    x->is_f64 = p->type == FTVEC_FLOAT64;
    x->row = (size_t)p->dim * (x->is_f64 ? 8 : 4);
    x->ext_len = ftvec_blob_len(p);
    x->m0 = 2 * x->p.m;
    x->entry = NO_SLOT;
    x->rng = 0x2545F4914F6CDD1Dull;
    x->h1.max = 0;
    x->h2.max = 1;
    x->h3.max = 0;
    x->qbuf = xmalloc(x->row);
    return x;
}

static void heap_free(Heap *h) {
    xfree(h->d);
    xfree(h->s);
}

void ftvec_free(FtVecIndex *x) {
    if (!x) return;
    if (x->links)
        for (uint32_t i = 0; i < x->n_slots; i++) xfree(x->links[i]);
    xfree(x->links);
    xfree(x->levels);
    xfree(x->vecs);
    xfree(x->docs);
    xfree(x->next);
    xfree(x->dead);
    xfree(x->hkeys);
    xfree(x->hvals);
    xfree(x->visited);
    heap_free(&x->h1);
    heap_free(&x->h2);
    heap_free(&x->h3);
    xfree(x->qbuf);
    xfree(x);
}

const FtVecParams *ftvec_params(const FtVecIndex *x) {
    return &x->p;
}

size_t ftvec_count(const FtVecIndex *x) {
    return x->n_live;
}

size_t ftvec_mem_bytes(const FtVecIndex *x) {
    size_t n = sizeof(*x) + x->row;
    n += (size_t)x->cap_slots * (x->row + sizeof(FtDocId) + sizeof(uint32_t) + 1);
    n += x->hcap * (sizeof(FtDocId) + sizeof(uint32_t));
    if (x->links) {
        n += (size_t)x->cap_slots * (sizeof(uint32_t *) + 1 + sizeof(uint32_t));
        for (uint32_t i = 0; i < x->n_slots; i++) n += xsize(x->links[i]);
    }
    n += (x->h1.cap + x->h2.cap + x->h3.cap) * (sizeof(double) + sizeof(uint32_t));
    return n;
}

int ftvec_has(const FtVecIndex *x, FtDocId id) {
    return map_get(x, id) != NO_SLOT;
}

/* ----------------------------------------------------------------- heap */

static void heap_push(Heap *h, double d, uint32_t s) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->d = xrealloc(h->d, h->cap * sizeof(double));
        h->s = xrealloc(h->s, h->cap * sizeof(uint32_t));
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        int up = h->max ? d > h->d[parent] : d < h->d[parent];
        if (!up) break;
        h->d[i] = h->d[parent];
        h->s[i] = h->s[parent];
        i = parent;
    }
    h->d[i] = d;
    h->s[i] = s;
}

static void heap_pop(Heap *h) {
    assert(h->n > 0);
    double d = h->d[--h->n];
    uint32_t s = h->s[h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && (h->max ? h->d[c + 1] > h->d[c] : h->d[c + 1] < h->d[c])) c++;
        int down = h->max ? h->d[c] > d : h->d[c] < d;
        if (!down) break;
        h->d[i] = h->d[c];
        h->s[i] = h->s[c];
        i = c;
    }
    if (h->n) {
        h->d[i] = d;
        h->s[i] = s;
    }
}

/* ----------------------------------------------------------------- HNSW */

static uint32_t *lk(const FtVecIndex *x, uint32_t slot, uint32_t level) {
    uint32_t *b = x->links[slot];
    if (level == 0) return b;
    return b + (1 + x->m0) + (size_t)(level - 1) * (1 + x->p.m);
}

static uint32_t random_level(FtVecIndex *x) {
    x->rng ^= x->rng >> 12;
    x->rng ^= x->rng << 25;
    x->rng ^= x->rng >> 27;
    uint64_t r = x->rng * 2685821657736338717ull;
    double u = ((double)(r >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
    double ml = 1.0 / log((double)(x->p.m > 1 ? x->p.m : 2));
    double l = -log(u) * ml;
    return l >= MAX_LEVEL ? MAX_LEVEL : (uint32_t)l;
}

static void new_epoch(FtVecIndex *x) {
    if (++x->epoch == 0) {
        memset(x->visited, 0, (size_t)x->cap_slots * sizeof(uint32_t));
        x->epoch = 1;
    }
}

/* Greedy walk at one level from *cur towards q. */
static void greedy(FtVecIndex *x, const void *q, uint32_t *cur, double *curd, uint32_t level) {
    int moved = 1;
    while (moved) {
        moved = 0;
        uint32_t *l = lk(x, *cur, level);
        for (uint32_t i = 1; i <= l[0]; i++) {
            double d = walk_dist(x, q, row_at(x, l[i]));
            if (d < *curd) {
                *curd = d;
                *cur = l[i];
                moved = 1;
            }
        }
    }
}

/* Best-first search at level from ep; leaves the up to ef nearest accepted
 * slots in x->h2 (a max-heap). accept(slot) decides what may be a result;
 * every slot is walked through. */
typedef int (*Accept)(FtVecIndex *x, uint32_t slot, void *ctx);

static void search_layer(FtVecIndex *x, const void *q, uint32_t ep, double epd, size_t ef,
                         uint32_t level, Accept accept, void *ctx) {
    Heap *cand = &x->h1, *res = &x->h2;
    cand->n = res->n = 0;
    new_epoch(x);
    x->visited[ep] = x->epoch;
    heap_push(cand, epd, ep);
    if (!accept || accept(x, ep, ctx)) heap_push(res, epd, ep);
    while (cand->n) {
        double cd = cand->d[0];
        uint32_t c = cand->s[0];
        if (res->n >= ef && cd > res->d[0]) break;
        heap_pop(cand);
        uint32_t *l = lk(x, c, level);
        for (uint32_t i = 1; i <= l[0]; i++) {
            uint32_t nb = l[i];
            if (x->visited[nb] == x->epoch) continue;
            x->visited[nb] = x->epoch;
            double d = walk_dist(x, q, row_at(x, nb));
            if (res->n < ef || d < res->d[0]) {
                heap_push(cand, d, nb);
                if (!accept || accept(x, nb, ctx)) {
                    heap_push(res, d, nb);
                    if (res->n > ef) heap_pop(res);
                }
            }
        }
    }
}

typedef struct Cand {
    double d;
    uint32_t s;
} Cand;

static int cand_cmp(const void *a, const void *b) {
    const Cand *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* The paper's neighbour heuristic: keeps, nearest first, each candidate
 * nearer to the base than to any kept one; at most max. Sorts c in place;
 * returns how many were kept (moved to the front). */
static uint32_t select_neighbors(FtVecIndex *x, Cand *c, uint32_t n, uint32_t max) {
    qsort(c, n, sizeof(Cand), cand_cmp);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n && kept < max; i++) {
        int good = 1;
        for (uint32_t j = 0; j < kept; j++)
            if (walk_dist(x, row_at(x, c[i].s), row_at(x, c[j].s)) < c[i].d) {
                good = 0;
                break;
            }
        if (good) c[kept++] = c[i];
    }
    return kept;
}

static int accept_live(FtVecIndex *x, uint32_t slot, void *ctx) {
    (void)ctx;
    return !x->dead[slot];
}

/* Links slot (already holding its row and level) into the graph. */
static void hnsw_link(FtVecIndex *x, uint32_t slot) {
    uint32_t level = x->levels[slot];
    size_t words = (1 + x->m0) + (size_t)level * (1 + x->p.m);
    x->links[slot] = xcalloc(words, sizeof(uint32_t));
    if (x->entry == NO_SLOT) {
        x->entry = slot;
        x->max_level = level;
        return;
    }
    const void *q = row_at(x, slot);
    uint32_t cur = x->entry;
    double curd = walk_dist(x, q, row_at(x, cur));
    for (uint32_t l = x->max_level; l > level; l--) greedy(x, q, &cur, &curd, l);
    uint32_t top = level < x->max_level ? level : x->max_level;
    Cand *c = xmalloc(((size_t)x->p.ef_construction + x->m0 + 2) * sizeof(Cand));
    for (uint32_t l = top + 1; l-- > 0;) {
        search_layer(x, q, cur, curd, x->p.ef_construction, l, accept_live, NULL);
        uint32_t n = 0;
        while (x->h2.n) {
            c[n].d = x->h2.d[0];
            c[n].s = x->h2.s[0];
            n++;
            heap_pop(&x->h2);
        }
        if (n == 0) { /* nothing live nearby: keep descending from cur */
            continue;
        }
        uint32_t cap = l == 0 ? x->m0 : x->p.m;
        /* the nearest is the entry of the next level */
        uint32_t kept = select_neighbors(x, c, n, x->p.m);
        cur = c[0].s;
        curd = c[0].d;
        uint32_t *mine = lk(x, slot, l);
        mine[0] = kept;
        for (uint32_t i = 0; i < kept; i++) mine[i + 1] = c[i].s;
        for (uint32_t i = 0; i < kept; i++) {
            uint32_t nb = mine[i + 1];
            uint32_t *theirs = lk(x, nb, l);
            if (theirs[0] < cap) {
                theirs[++theirs[0]] = slot;
                continue;
            }
            /* full: choose again among its links and the new node */
            Cand *t = xmalloc(((size_t)cap + 1) * sizeof(Cand));
            const void *nv = row_at(x, nb);
            for (uint32_t j = 0; j < theirs[0]; j++) {
                t[j].s = theirs[j + 1];
                t[j].d = walk_dist(x, nv, row_at(x, t[j].s));
            }
            t[cap].s = slot;
            t[cap].d = walk_dist(x, nv, q);
            uint32_t k = select_neighbors(x, t, cap + 1, cap);
            theirs[0] = k;
            for (uint32_t j = 0; j < k; j++) theirs[j + 1] = t[j].s;
            xfree(t);
        }
    }
    xfree(c);
    if (level > x->max_level) {
        x->max_level = level;
        x->entry = slot;
    }
}

static void grow_slots(FtVecIndex *x) {
    if (x->n_slots < x->cap_slots) return;
    uint32_t cap = x->cap_slots ? x->cap_slots * 2 : 16;
    x->vecs = xrealloc(x->vecs, (size_t)cap * x->row);
    x->docs = xrealloc(x->docs, (size_t)cap * sizeof(FtDocId));
    x->next = xrealloc(x->next, (size_t)cap * sizeof(uint32_t));
    x->dead = xrealloc(x->dead, cap);
    if (x->p.algo == FTVEC_HNSW) {
        x->links = xrealloc(x->links, (size_t)cap * sizeof(uint32_t *));
        x->levels = xrealloc(x->levels, cap);
        x->visited = xrealloc(x->visited, (size_t)cap * sizeof(uint32_t));
        memset(x->visited + x->cap_slots, 0, (size_t)(cap - x->cap_slots) * sizeof(uint32_t));
    }
    x->cap_slots = cap;
}

/* Rebuilds the graph from the live slots (dropping tombstones). Live slots
 * move down in order, so a slot is only ever written after it was read. */
static void hnsw_rebuild(FtVecIndex *x) {
    uint32_t *remap = xmalloc((size_t)x->n_slots * sizeof(uint32_t));
    uint32_t n = 0;
    for (uint32_t i = 0; i < x->n_slots; i++) remap[i] = x->dead[i] ? NO_SLOT : n++;
    for (uint32_t i = 0; i < x->n_slots; i++) {
        xfree(x->links[i]);
        x->links[i] = NULL;
        uint32_t to = remap[i];
        if (to == NO_SLOT) continue;
        if (map_get(x, x->docs[i]) == i) map_put(x, x->docs[i], to);
        if (to != i) {
            memcpy(row_at(x, to), row_at(x, i), x->row);
            x->docs[to] = x->docs[i];
            x->levels[to] = x->levels[i];
        }
        x->next[to] = x->next[i] == NO_SLOT ? NO_SLOT : remap[x->next[i]];
        x->dead[to] = 0;
    }
    xfree(remap);
    x->n_slots = n;
    x->entry = NO_SLOT;
    x->max_level = 0;
    memset(x->visited, 0, (size_t)x->cap_slots * sizeof(uint32_t));
    x->epoch = 0;
    for (uint32_t i = 0; i < n; i++) hnsw_link(x, i);
}

/* FLAT: fills the hole at slot with the last slot (of another document),
 * repointing whoever referred to it. */
static void flat_fill(FtVecIndex *x, uint32_t slot) {
    uint32_t last = --x->n_slots;
    if (slot == last) return;
    memcpy(row_at(x, slot), row_at(x, last), x->row);
    FtDocId d = x->docs[last];
    x->docs[slot] = d;
    x->next[slot] = x->next[last];
    uint32_t h = map_get(x, d);
    assert(h != NO_SLOT);
    if (h == last) {
        map_put(x, d, slot);
        return;
    }
    while (x->next[h] != last) {
        h = x->next[h];
        assert(h != NO_SLOT);
    }
    x->next[h] = slot;
}

static int cmp_slot_desc(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Removes every vector of document id; 0 when it had none. */
static int drop_doc(FtVecIndex *x, FtDocId id) {
    uint32_t head = map_get(x, id);
    if (head == NO_SLOT) return 0;
    uint32_t one[1], *slots = one, n = 0;
    for (uint32_t s = head; s != NO_SLOT; s = x->next[s]) n++;
    if (n > 1) slots = xmalloc((size_t)n * sizeof(uint32_t));
    n = 0;
    for (uint32_t s = head; s != NO_SLOT; s = x->next[s]) slots[n++] = s;
    map_del(x, id);
    x->n_docs--;
    if (n > 1) x->n_multi--;
    x->n_live -= n;
    if (x->p.algo == FTVEC_FLAT) {
        /* highest first: the last slot is never one still to be dropped */
        if (n > 1) qsort(slots, n, sizeof(uint32_t), cmp_slot_desc);
        for (uint32_t i = 0; i < n; i++) flat_fill(x, slots[i]);
    } else {
        for (uint32_t i = 0; i < n; i++) x->dead[slots[i]] = 1;
        uint32_t n_dead = x->n_slots - x->n_live;
        if (x->n_live == 0) { /* empty: start over */
            for (uint32_t i = 0; i < x->n_slots; i++) {
                xfree(x->links[i]);
                x->links[i] = NULL;
            }
            x->n_slots = 0;
            x->entry = NO_SLOT;
            x->max_level = 0;
        } else if (n_dead >= 64 && n_dead > x->n_live) {
            hnsw_rebuild(x);
        }
    }
    if (slots != one) xfree(slots);
    return 1;
}

/* Replaces id's vectors with count new ones, from blob (one) or nums
 * (count * dim). */
static int set_rows(FtVecIndex *x, FtDocId id, const void *blob, const double *nums, size_t count) {
    assert(count >= 1);
    drop_doc(x, id);
    uint32_t prev = NO_SLOT;
    for (size_t j = 0; j < count; j++) {
        grow_slots(x);
        uint32_t slot = x->n_slots++;
        to_row(x, blob, nums ? nums + j * x->p.dim : NULL, row_at(x, slot));
        x->docs[slot] = id;
        x->next[slot] = NO_SLOT;
        x->dead[slot] = 0;
        if (prev == NO_SLOT)
            map_put(x, id, slot);
        else
            x->next[prev] = slot;
        prev = slot;
        x->n_live++;
        if (x->p.algo == FTVEC_HNSW) {
            x->levels[slot] = (unsigned char)random_level(x);
            hnsw_link(x, slot);
        }
    }
    x->n_docs++;
    if (count > 1) x->n_multi++;
    return 0;
}

int ftvec_set(FtVecIndex *x, FtDocId id, const void *blob, size_t len) {
    if (len != x->ext_len) return -1;
    return set_rows(x, id, blob, NULL, 1);
}

int ftvec_set_numbers(FtVecIndex *x, FtDocId id, const double *vals, size_t n) {
    if (n != x->p.dim) return -1;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(vals[i])) return -1;
    return set_rows(x, id, NULL, vals, 1);
}

int ftvec_set_multi(FtVecIndex *x, FtDocId id, const double *vals, size_t n_vectors) {
    if (n_vectors == 0 || n_vectors > FTVEC_MAX_MULTI) return -1;
    for (size_t i = 0; i < n_vectors * x->p.dim; i++)
        if (!isfinite(vals[i])) return -1;
    return set_rows(x, id, NULL, vals, n_vectors);
}

int ftvec_del(FtVecIndex *x, FtDocId id) {
    return drop_doc(x, id);
}

/* The distance from the query row to document doc's nearest vector, its
 * first slot being head. */
static double doc_dist(const FtVecIndex *x, uint32_t head) {
    double best = row_dist(x, x->qbuf, row_at(x, head));
    for (uint32_t s = x->next[head]; s != NO_SLOT; s = x->next[s]) {
        double d = row_dist(x, x->qbuf, row_at(x, s));
        if (d < best) best = d;
    }
    return best;
}

int ftvec_check_blob(const FtVecIndex *x, size_t len, char *err, size_t errlen) {
    if (len == x->ext_len) return 0;
    seterr(err, errlen,
           "Error parsing vector similarity query: query vector blob size (%zu) does not match "
           "index's expected size (%zu).",
           len, x->ext_len);
    return -1;
}

double ftvec_distance(const FtVecIndex *x, FtDocId id, const void *blob, size_t len) {
    uint32_t slot = map_get(x, id);
    if (slot == NO_SLOT || len != x->ext_len) return -1;
    to_row(x, blob, NULL, x->qbuf);
    return doc_dist(x, slot);
}

/* ------------------------------------------------------- query options */

static int positive_int(Slice s, unsigned long long max, unsigned long long *out) {
    return parse_size(s, 1, max, out) == AC_OK ? 0 : -1;
}

int ftvec_query_opts(const FtVecIndex *x, FtVecQueryKind kind, const Slice *names,
                     const Slice *values, int n, FtVecQueryOpts *out, char *err, size_t errlen) {
    FtVecQueryOpts o;
    memset(&o, 0, sizeof(o));
    const char *why = NULL;
    int hnsw = x->p.algo == FTVEC_HNSW;
    for (int i = 0; i < n && !why; i++) {
        unsigned long long u;
        if (slice_eq_nocase(names[i], "EF_RUNTIME")) {
            if (!hnsw || kind == FTVEC_QUERY_RANGE)
                why = "Invalid option";
            else if (o.ef_runtime)
                why = "Parameter was specified twice";
            else if (positive_int(values[i], FTVEC_MAX_EF, &u))
                why = "Invalid value was given";
            else
                o.ef_runtime = (uint32_t)u;
        } else if (slice_eq_nocase(names[i], "EPSILON")) {
            double d = 0;
            if (!hnsw)
                why = "Invalid option";
            else if (kind != FTVEC_QUERY_RANGE)
                why = "range query attributes were sent for a non-range query";
            else if (o.epsilon != 0)
                why = "Parameter was specified twice";
            else if (parse_double(values[i], 1, &d) != AC_OK || d <= 0)
                why = "Invalid value was given";
            else
                o.epsilon = d;
        } else if (slice_eq_nocase(names[i], "BATCH_SIZE")) {
            if (kind != FTVEC_QUERY_HYBRID)
                why = "hybrid query attributes were sent for a non-hybrid query";
            else if (o.batch_size)
                why = "Parameter was specified twice";
            else if (positive_int(values[i], (unsigned long long)INT64_MAX, &u))
                why = "Invalid value was given";
            else
                o.batch_size = (size_t)u;
        } else if (slice_eq_nocase(names[i], "HYBRID_POLICY")) {
            if (kind != FTVEC_QUERY_HYBRID)
                why = "hybrid query attributes were sent for a non-hybrid query";
            else if (o.policy != FTVEC_POLICY_AUTO)
                why = "Parameter was specified twice";
            else if (slice_eq_nocase(values[i], "BATCHES"))
                o.policy = FTVEC_POLICY_BATCHES;
            else if (slice_eq_nocase(values[i], "ADHOC_BF"))
                o.policy = FTVEC_POLICY_ADHOC_BF;
            else
                why = "invalid hybrid policy was given";
        } else {
            why = "Invalid option";
        }
    }
    if (!why && o.policy == FTVEC_POLICY_ADHOC_BF && o.batch_size)
        why = "'batch size' is irrelevant for 'ADHOC_BF' policy";
    if (!why && o.policy == FTVEC_POLICY_ADHOC_BF && hnsw && o.ef_runtime)
        why = "'EF_RUNTIME' is irrelevant for 'ADHOC_BF' policy";
    if (why) {
        seterr(err, errlen, "Error parsing vector similarity parameters: %s", why);
        return -1;
    }
    *out = o;
    return 0;
}

/* --------------------------------------------------------------- search */

static int res_cmp(const void *a, const void *b) {
    const FtVecResult *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct FilterCtx {
    FtVecFilter fn;
    void *priv;
} FilterCtx;

static int accept_filtered(FtVecIndex *x, uint32_t slot, void *ctx) {
    FilterCtx *f = ctx;
    if (x->dead[slot]) return 0;
    return !f->fn || f->fn(x->docs[slot], f->priv);
}

/* Keeps the first (nearest) result of each document of r (sorted by
 * distance); returns the new count. */
static size_t dedup(FtVecResult *r, size_t n) {
    if (n < 2) return n;
    /* a document's entries all carry the same distance (its nearest
     * vector's), so they sit together once sorted by distance and id */
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (r[i].id != r[w - 1].id || r[i].dist != r[w - 1].dist) r[w++] = r[i];
    return w;
}

/* Exact: the k nearest live slots passing the filter (every one when k is
 * 0 and radius is given: range mode). */
static size_t brute(FtVecIndex *x, size_t k, int range, double radius, FilterCtx *f,
                    FtVecResult **out) {
    Heap *h = &x->h3;
    h->n = 0;
    h->max = 1;
    FtVecResult *all = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t s = 0; s < x->n_slots; s++) {
        if (!accept_filtered(x, s, f)) continue;
        /* a document with several vectors: once, from its first slot */
        if (x->n_multi && map_get(x, x->docs[s]) != s) continue;
        double d = x->n_multi ? doc_dist(x, s) : row_dist(x, x->qbuf, row_at(x, s));
        if (range) {
            if (d > radius) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                all = xrealloc(all, cap * sizeof(FtVecResult));
            }
            all[n++] = (FtVecResult){x->docs[s], d};
            continue;
        }
        if (h->n < k) {
            heap_push(h, d, s);
        } else if (d < h->d[0] || (d == h->d[0] && x->docs[s] < x->docs[h->s[0]])) {
            heap_pop(h);
            heap_push(h, d, s);
        }
    }
    if (!range) {
        n = h->n;
        all = n ? xmalloc(n * sizeof(FtVecResult)) : NULL;
        for (size_t i = 0; i < n; i++) all[i] = (FtVecResult){x->docs[h->s[i]], h->d[i]};
    }
    if (n > 1) qsort(all, n, sizeof(FtVecResult), res_cmp);
    if (x->n_multi) n = dedup(all, n);
    *out = all;
    return n;
}

/* Descends from the entry point to level 0's starting slot. */
static uint32_t descend(FtVecIndex *x, double *d) {
    uint32_t cur = x->entry;
    *d = walk_dist(x, x->qbuf, row_at(x, cur));
    for (uint32_t l = x->max_level; l > 0; l--) greedy(x, x->qbuf, &cur, d, l);
    return cur;
}

/* Share of a sample of live slots the filter keeps, in [0, 1]. */
static double filter_share(FtVecIndex *x, FilterCtx *f) {
    uint32_t tried = 0, kept = 0;
    uint32_t step = x->n_slots / 64 + 1;
    for (uint32_t s = (uint32_t)(x->rng % step); s < x->n_slots && tried < 64; s += step) {
        if (x->dead[s]) continue;
        tried++;
        kept += f->fn(x->docs[s], f->priv) != 0;
    }
    return tried ? (double)kept / tried : 1.0;
}

size_t ftvec_knn(FtVecIndex *x, const void *blob, size_t len, size_t k, const FtVecQueryOpts *opts,
                 FtVecFilter filter, void *priv, FtVecResult **out) {
    *out = NULL;
    if (len != x->ext_len || k == 0 || x->n_live == 0) return 0;
    to_row(x, blob, NULL, x->qbuf);
    FilterCtx f = {filter, priv};
    if (k > x->n_docs) k = x->n_docs;
    /* a small index is scanned: exact, and no slower than the walk */
    if (x->p.algo == FTVEC_FLAT || x->n_live <= 1024) return brute(x, k, 0, 0, &f, out);
    FtVecPolicy policy = opts ? opts->policy : FTVEC_POLICY_AUTO;
    if (filter && policy == FTVEC_POLICY_ADHOC_BF) return brute(x, k, 0, 0, &f, out);
    if (filter && policy == FTVEC_POLICY_AUTO) {
        /* a selective filter, or a graph not much bigger than what the walk
         * would visit anyway: scan the passing documents */
        double share = filter_share(x, &f);
        if (share * (double)x->n_live < 20.0 * (double)k || share < 0.05)
            return brute(x, k, 0, 0, &f, out);
    }
    size_t ef = opts && opts->ef_runtime ? opts->ef_runtime : x->p.ef_runtime;
    if (ef < k) ef = k;
    double d;
    uint32_t ep = descend(x, &d);
    search_layer(x, x->qbuf, ep, d, ef, 0, accept_filtered, &f);
    Heap *res = &x->h2;
    if (!x->n_multi) {
        if (res->n < k && (filter || res->n < x->n_live))
            return brute(x, k, 0, 0, &f, out); /* the walk came up short */
        while (res->n > k) heap_pop(res);
    }
    size_t n = res->n;
    FtVecResult *r = n ? xmalloc(n * sizeof(FtVecResult)) : NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = res->s[i];
        r[i] = (FtVecResult){x->docs[s], 0};
        r[i].dist =
            x->n_multi ? doc_dist(x, map_get(x, x->docs[s])) : row_dist(x, x->qbuf, row_at(x, s));
    }
    if (n > 1) qsort(r, n, sizeof(FtVecResult), res_cmp);
    if (x->n_multi) {
        n = dedup(r, n);
        if (n < k && (filter || n < x->n_docs)) {
            xfree(r);
            return brute(x, k, 0, 0, &f, out);
        }
        if (n > k) n = k;
    }
    *out = r;
    return n;
}

size_t ftvec_range(FtVecIndex *x, const void *blob, size_t len, double radius,
                   const FtVecQueryOpts *opts, FtVecFilter filter, void *priv, FtVecResult **out) {
    *out = NULL;
    if (len != x->ext_len || x->n_live == 0 || isnan(radius)) return 0;
    to_row(x, blob, NULL, x->qbuf);
    FilterCtx f = {filter, priv};
    if (x->p.algo == FTVEC_FLAT || x->n_live <= 1024) return brute(x, 0, 1, radius, &f, out);
    double eps = opts && opts->epsilon > 0 ? opts->epsilon : x->p.epsilon;
    double d;
    uint32_t ep = descend(x, &d);
    /* best-first walk at level 0 that expands a node while it lies within
     * radius widened by epsilon or among the ef nearest seen so far (a KNN
     * beam): the ball alone can be split into parts the graph only joins
     * through nodes outside it */
    size_t ef = x->p.ef_runtime > 2 * x->m0 ? x->p.ef_runtime : 2 * x->m0;
    double ball = radius + fabs(radius) * eps;
    Heap *cand = &x->h1, *beam = &x->h2;
    cand->n = beam->n = 0;
    new_epoch(x);
    x->visited[ep] = x->epoch;
    heap_push(cand, d, ep);
    heap_push(beam, d, ep);
    FtVecResult *all = NULL;
    size_t n = 0, cap = 0;
    double exact =
        x->n_multi ? doc_dist(x, map_get(x, x->docs[ep])) : row_dist(x, x->qbuf, row_at(x, ep));
    if (exact <= radius && accept_filtered(x, ep, &f)) {
        cap = 16;
        all = xmalloc(cap * sizeof(FtVecResult));
        all[n++] = (FtVecResult){x->docs[ep], exact};
    }
    while (cand->n) {
        double bound = beam->n < ef ? INFINITY : (beam->d[0] > ball ? beam->d[0] : ball);
        uint32_t c = cand->s[0];
        if (cand->d[0] > bound) break;
        heap_pop(cand);
        uint32_t *l = lk(x, c, 0);
        for (uint32_t i = 1; i <= l[0]; i++) {
            uint32_t nb = l[i];
            if (x->visited[nb] == x->epoch) continue;
            x->visited[nb] = x->epoch;
            double nd = walk_dist(x, x->qbuf, row_at(x, nb));
            bound = beam->n < ef ? INFINITY : (beam->d[0] > ball ? beam->d[0] : ball);
            if (nd > bound) continue;
            heap_push(cand, nd, nb);
            heap_push(beam, nd, nb);
            if (beam->n > ef) heap_pop(beam);
            if (!accept_filtered(x, nb, &f)) continue;
            exact = x->n_multi ? doc_dist(x, map_get(x, x->docs[nb]))
                               : row_dist(x, x->qbuf, row_at(x, nb));
            if (exact <= radius) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    all = xrealloc(all, cap * sizeof(FtVecResult));
                }
                all[n++] = (FtVecResult){x->docs[nb], exact};
            }
        }
    }
    if (n > 1) qsort(all, n, sizeof(FtVecResult), res_cmp);
    if (x->n_multi) n = dedup(all, n);
    *out = all;
    return n;
}
