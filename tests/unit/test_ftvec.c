/*
 * Unit tests for the query engine's vector fields (src/types/ftvec.c):
 * FT.CREATE's VECTOR attribute parsing with RediSearch's error texts; every
 * type's conversion and every metric's distance on known vectors; FLAT
 * against a naive model under random sets and deletes; HNSW's recall
 * against FLAT (L2, IP, COSINE), also after deleting and re-adding; KNN and
 * range with filters, selective or not; query attribute validation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "types/ftvec.h"

#include "test.h"

static int parse_words(const char *line, FtVecParams *p, int *consumed, char *err, size_t errlen) {
    Slice argv[64];
    char buf[1024];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 64; t = strtok(NULL, " "))
        argv[argc++] = slice_cstr(t);
    return ftvec_parse_params(argv, argc, consumed, p, err, errlen);
}

static void expect_error(const char *line, const char *want) {
    FtVecParams p;
    int consumed = -1;
    char err[512] = "";
    int rc = parse_words(line, &p, &consumed, err, sizeof(err));
    CHECK_EQ_INT(rc, -1);
    if (strcmp(err, want) != 0) {
        test_failed++;
        fprintf(stderr, "parse of '%s':\n  got  '%s'\n  want '%s'\n", line, err, want);
    } else {
        test_passed++;
    }
}

static void test_parse(void) {
    FtVecParams p;
    int consumed = 0;
    char err[512];
    CHECK_EQ_INT(parse_words("HNSW 6 TYPE FLOAT32 DIM 4 DISTANCE_METRIC COSINE title TEXT", &p,
                             &consumed, err, sizeof(err)),
                 0);
    CHECK_EQ_INT(consumed, 8);
    CHECK_EQ_INT(p.algo, FTVEC_HNSW);
    CHECK_EQ_INT(p.type, FTVEC_FLOAT32);
    CHECK_EQ_INT(p.dim, 4);
    CHECK_EQ_INT(p.metric, FTVEC_COSINE);
    CHECK_EQ_INT(p.m, 16);
    CHECK_EQ_INT(p.ef_construction, 200);
    CHECK_EQ_INT(p.ef_runtime, 10);
    CHECK(fabs(p.epsilon - 0.01) < 1e-12);
    CHECK_EQ_INT(p.is_index_missing, 0);
    CHECK_EQ_INT(ftvec_blob_len(&p), 16);

    CHECK_EQ_INT(parse_words("flat 10 type float64 dim 3 distance_metric l2 initial_cap 5 "
                             "block_size 7 INDEXMISSING",
                             &p, &consumed, err, sizeof(err)),
                 0);
    CHECK_EQ_INT(consumed, 13);
    CHECK_EQ_INT(p.algo, FTVEC_FLAT);
    CHECK_EQ_INT(p.type, FTVEC_FLOAT64);
    CHECK_EQ_INT(p.metric, FTVEC_L2);
    CHECK_EQ_INT(p.initial_cap, 5);
    CHECK_EQ_INT(p.block_size, 7);
    CHECK_EQ_INT(p.is_index_missing, 1);
    CHECK_EQ_INT(ftvec_blob_len(&p), 24);

    CHECK_EQ_INT(parse_words("HNSW 14 TYPE BFLOAT16 DIM 8 DISTANCE_METRIC IP M 32 EF_CONSTRUCTION "
                             "100 EF_RUNTIME 20 EPSILON 0.5",
                             &p, &consumed, err, sizeof(err)),
                 0);
    CHECK_EQ_INT(p.m, 32);
    CHECK_EQ_INT(p.ef_construction, 100);
    CHECK_EQ_INT(p.ef_runtime, 20);
    CHECK(p.epsilon == 0.5);
    CHECK_EQ_INT(ftvec_blob_len(&p), 16);
    const char *types[] = {"FLOAT16", "INT8", "UINT8"};
    size_t sizes[] = {2, 1, 1};
    for (int i = 0; i < 3; i++) {
        char line[128];
        snprintf(line, sizeof(line), "FLAT 6 TYPE %s DIM 10 DISTANCE_METRIC IP", types[i]);
        CHECK_EQ_INT(parse_words(line, &p, &consumed, err, sizeof(err)), 0);
        CHECK_EQ_INT(ftvec_blob_len(&p), 10 * sizes[i]);
        CHECK(strcmp(ftvec_type_name(p.type), types[i]) == 0);
    }

    expect_error("", "Bad arguments for vector similarity algorithm: Expected an argument, but "
                     "none provided");
    expect_error("FLAT", "Bad arguments for vector similarity number of parameters: Expected an "
                         "argument, but none provided");
    expect_error("FLAT x", "Bad arguments for vector similarity number of parameters: Could not "
                           "convert argument to expected type");
    expect_error("FLAT 6", "Expected 6 parameters but got 0");
    expect_error("HNSW 6 TYPE FLOAT32", "Expected 6 parameters but got 2");
    expect_error("FLAT 1", "Bad number of arguments for vector similarity index: got 1 but "
                           "expected even number as algorithm parameters (should be submitted as "
                           "named arguments)");
    expect_error("HNSW 1", "Bad number of arguments for vector similarity index: got 1 but "
                           "expected even number (as algorithm parameters should be submitted as "
                           "named arguments)");
    expect_error("FLAT 2 SIZE", "Bad arguments for algorithm FLAT: SIZE");
    expect_error("HNSW 2 SIZE", "Bad arguments for algorithm HNSW: SIZE");
    expect_error("FLAT 2 M 16", "Bad arguments for algorithm FLAT: M");
    expect_error("HNSW 2 BLOCK_SIZE 16", "Bad arguments for algorithm HNSW: BLOCK_SIZE");
    expect_error("FLAT 2 TYPE", "Bad arguments for vector similarity FLAT index `TYPE`: Expected "
                                "an argument, but none provided");
    expect_error("HNSW 4 TYPE FLOAT32 DIM", "Bad arguments for vector similarity HNSW index "
                                            "`DIM`: Expected an argument, but none provided");
    expect_error("HNSW 4 DIM 1024 DISTANCE_METRIC IP",
                 "Missing mandatory parameter: cannot create HNSW index without specifying TYPE "
                 "argument");
    expect_error("FLAT 4 TYPE FLOAT32 DISTANCE_METRIC IP",
                 "Missing mandatory parameter: cannot create FLAT index without specifying DIM "
                 "argument");
    expect_error("FLAT 4 TYPE FLOAT32 DIM 1024",
                 "Missing mandatory parameter: cannot create FLAT index without specifying "
                 "DISTANCE_METRIC argument");
    expect_error("HNSW 6 TYPE DOUBLE DIM 1024 DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity HNSW index `TYPE`: Unknown argument");
    expect_error("HNSW 6 TYPE FLOAT DIM 1024 DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity HNSW index `TYPE`: Unknown argument");
    expect_error("HNSW 6 TYPE FLOAT32 DIM str DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity HNSW index `DIM`: Could not convert "
                 "argument to expected type");
    expect_error("HNSW 6 TYPE FLOAT32 DIM 0 DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity HNSW index `DIM`: Value is outside "
                 "acceptable bounds");
    expect_error("HNSW 6 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC REDIS",
                 "Bad arguments for vector similarity HNSW index `DISTANCE_METRIC`: Unknown "
                 "argument");
    expect_error("REDIS 6 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity algorithm: Unknown argument");
    expect_error("SVS-VAMANA 6 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP",
                 "Bad arguments for vector similarity algorithm: Unknown argument");
    expect_error("FLAT 10 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP str BLOCK_SIZE 16",
                 "Bad arguments for vector similarity FLAT index `INITIAL_CAP`: Could not "
                 "convert argument to expected type");
    expect_error("FLAT 10 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 10 BLOCK_SIZE str",
                 "Bad arguments for vector similarity FLAT index `BLOCK_SIZE`: Could not convert "
                 "argument to expected type");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M str "
                 "EF_CONSTRUCTION 200",
                 "Bad arguments for vector similarity HNSW index `M`: Could not convert argument "
                 "to expected type");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M 16 "
                 "EF_CONSTRUCTION str",
                 "Bad arguments for vector similarity HNSW index `EF_CONSTRUCTION`: Could not "
                 "convert argument to expected type");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M 16 "
                 "EF_RUNTIME 14.3",
                 "Bad arguments for vector similarity HNSW index `EF_RUNTIME`: Could not convert "
                 "argument to expected type");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M 16 "
                 "EF_RUNTIME -10",
                 "Bad arguments for vector similarity HNSW index `EF_RUNTIME`: Value is outside "
                 "acceptable bounds");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M 16 "
                 "EPSILON -1",
                 "Bad arguments for vector similarity HNSW index `EPSILON`: Value is outside "
                 "acceptable bounds");
    expect_error("HNSW 12 TYPE FLOAT32 DIM 1024 DISTANCE_METRIC IP INITIAL_CAP 100 M 16 "
                 "EPSILON str",
                 "Bad arguments for vector similarity HNSW index `EPSILON`: Could not convert "
                 "argument to expected type");
    /* the error of a failed parse leaves *out alone */
    FtVecParams keep = p;
    CHECK_EQ_INT(parse_words("FLAT 2 TYPE", &p, &consumed, err, sizeof(err)), -1);
    CHECK(memcmp(&keep, &p, sizeof(p)) == 0);
}

static FtVecIndex *make(FtVecAlgo algo, FtVecType type, FtVecMetric metric, uint32_t dim) {
    FtVecParams p;
    memset(&p, 0, sizeof(p));
    p.algo = algo;
    p.type = type;
    p.metric = metric;
    p.dim = dim;
    p.m = FTVEC_DEFAULT_M;
    p.ef_construction = FTVEC_DEFAULT_EF_CONSTRUCTION;
    p.ef_runtime = FTVEC_DEFAULT_EF_RUNTIME;
    p.epsilon = FTVEC_DEFAULT_EPSILON;
    return ftvec_new(&p);
}

static int close_to(double a, double b, double tol) {
    return fabs(a - b) <= tol;
}

static void test_conversions(void) {
    /* FLOAT16: 1, -2, 65504 (the largest), 2^-24 (the smallest subnormal) */
    FtVecIndex *x = make(FTVEC_FLAT, FTVEC_FLOAT16, FTVEC_L2, 4);
    uint16_t h[4] = {0x3C00, 0xC000, 0x7BFF, 0x0001}, zero16[4] = {0};
    CHECK_EQ_INT(ftvec_set(x, 1, h, sizeof(h)), 0);
    uint16_t one[4] = {0x3C00, 0, 0, 0}, two[4] = {0, 0xC000, 0, 0}, big[4] = {0, 0, 0x7BFF, 0};
    uint16_t tiny[4] = {0, 0, 0, 0x0001};
    CHECK_EQ_INT(ftvec_set(x, 2, one, 8), 0);
    CHECK_EQ_INT(ftvec_set(x, 3, two, 8), 0);
    CHECK_EQ_INT(ftvec_set(x, 4, big, 8), 0);
    CHECK_EQ_INT(ftvec_set(x, 5, tiny, 8), 0);
    CHECK(ftvec_distance(x, 2, zero16, 8) == 1.0);
    CHECK(ftvec_distance(x, 3, zero16, 8) == 4.0);
    CHECK(ftvec_distance(x, 4, zero16, 8) == (double)(65504.0f * 65504.0f));
    CHECK(ftvec_distance(x, 5, zero16, 8) == (double)(ldexpf(1, -24) * ldexpf(1, -24)));
    /* numbers are rounded to the nearest half: 0.1 -> 0x2E66 */
    double nums[4] = {0.1, 0, 0, 0};
    CHECK_EQ_INT(ftvec_set_numbers(x, 6, nums, 4), 0);
    float want = 0.0999755859375f;
    CHECK(ftvec_distance(x, 6, zero16, 8) == (double)(want * want));
    CHECK_EQ_INT(ftvec_set(x, 7, h, 7), -1);
    CHECK_EQ_INT(ftvec_set_numbers(x, 7, nums, 3), -1);
    CHECK_EQ_INT(ftvec_has(x, 7), 0);
    ftvec_free(x);

    /* BFLOAT16: 1.0 = 0x3F80, -3.0 = 0xC040; 1/3 rounds to 0x3EAB */
    x = make(FTVEC_FLAT, FTVEC_BFLOAT16, FTVEC_L2, 2);
    uint16_t b[2] = {0x3F80, 0xC040}, zb[2] = {0, 0};
    CHECK_EQ_INT(ftvec_set(x, 1, b, 4), 0);
    CHECK(ftvec_distance(x, 1, zb, 4) == 10.0);
    double third[2] = {1.0 / 3.0, 0};
    CHECK_EQ_INT(ftvec_set_numbers(x, 2, third, 2), 0);
    uint32_t bits = 0x3EAB0000u;
    float bf;
    memcpy(&bf, &bits, 4);
    CHECK(ftvec_distance(x, 2, zb, 4) == (double)(bf * bf));
    ftvec_free(x);

    /* INT8 and UINT8 */
    x = make(FTVEC_FLAT, FTVEC_INT8, FTVEC_L2, 3);
    int8_t i8[3] = {-128, 127, -1}, z8[3] = {0, 0, 0};
    CHECK_EQ_INT(ftvec_set(x, 1, i8, 3), 0);
    CHECK(ftvec_distance(x, 1, z8, 3) == 128.0 * 128 + 127 * 127 + 1);
    double sat[3] = {-500, 500, 2};
    CHECK_EQ_INT(ftvec_set_numbers(x, 2, sat, 3), 0);
    CHECK(ftvec_distance(x, 2, z8, 3) == 128.0 * 128 + 127 * 127 + 4);
    ftvec_free(x);
    x = make(FTVEC_FLAT, FTVEC_UINT8, FTVEC_L2, 2);
    uint8_t u8[2] = {255, 3}, zu[2] = {0, 0};
    CHECK_EQ_INT(ftvec_set(x, 1, u8, 2), 0);
    CHECK(ftvec_distance(x, 1, zu, 2) == 255.0 * 255 + 9);
    ftvec_free(x);

    /* FLOAT64 keeps double precision */
    x = make(FTVEC_FLAT, FTVEC_FLOAT64, FTVEC_L2, 1);
    double d1 = 1.0 + 1e-12, d0 = 1.0;
    CHECK_EQ_INT(ftvec_set(x, 1, &d1, 8), 0);
    double got = ftvec_distance(x, 1, &d0, 8);
    CHECK(got > 0 && got < 1e-23);
    CHECK_EQ_INT(ftvec_set(x, 2, &d1, 4), -1);
    ftvec_free(x);

    /* the query blob's length */
    x = make(FTVEC_HNSW, FTVEC_FLOAT32, FTVEC_L2, 2);
    char err[256];
    CHECK_EQ_INT(ftvec_check_blob(x, 8, err, sizeof(err)), 0);
    CHECK_EQ_INT(ftvec_check_blob(x, 7, err, sizeof(err)), -1);
    CHECK(strcmp(err, "Error parsing vector similarity query: query vector blob size (7) does "
                      "not match index's expected size (8).") == 0);
    ftvec_free(x);
}

static void test_metrics(void) {
    FtVecAlgo algos[2] = {FTVEC_FLAT, FTVEC_HNSW};
    for (int a = 0; a < 2; a++) {
        FtVecIndex *x = make(algos[a], FTVEC_FLOAT32, FTVEC_L2, 3);
        float u[3] = {1, 2, 3}, v[3] = {4, 6, 8};
        ftvec_set(x, 1, u, 12);
        CHECK(ftvec_distance(x, 1, v, 12) == 50.0);
        CHECK(ftvec_distance(x, 9, v, 12) == -1);
        ftvec_free(x);

        x = make(algos[a], FTVEC_FLOAT32, FTVEC_IP, 3);
        float w[3] = {4, 5, 6};
        ftvec_set(x, 1, u, 12);
        CHECK(ftvec_distance(x, 1, w, 12) == -31.0);
        float half[3] = {0.5f, 0, 0}, e1[3] = {1, 0, 0};
        ftvec_set(x, 2, half, 12);
        CHECK(ftvec_distance(x, 2, e1, 12) == 0.5);
        ftvec_free(x);

        FtVecType types[3] = {FTVEC_FLOAT32, FTVEC_FLOAT64, FTVEC_FLOAT16};
        for (int t = 0; t < 3; t++) {
            x = make(algos[a], types[t], FTVEC_COSINE, 2);
            double p1[2] = {1, 0}, p2[2] = {0, 3}, p3[2] = {-2, 0}, p4[2] = {5, 5};
            ftvec_set_numbers(x, 1, p1, 2);
            ftvec_set_numbers(x, 2, p2, 2);
            ftvec_set_numbers(x, 3, p3, 2);
            ftvec_set_numbers(x, 4, p4, 2);
            unsigned char q[16];
            if (types[t] == FTVEC_FLOAT32) {
                float f[2] = {3, 0};
                memcpy(q, f, 8);
            } else if (types[t] == FTVEC_FLOAT64) {
                double f[2] = {3, 0};
                memcpy(q, f, 16);
            } else {
                uint16_t f[2] = {0x4200, 0}; /* 3.0 */
                memcpy(q, f, 4);
            }
            size_t ql = ftvec_blob_len(ftvec_params(x));
            CHECK(close_to(ftvec_distance(x, 1, q, ql), 0.0, 1e-6));
            CHECK(close_to(ftvec_distance(x, 2, q, ql), 1.0, 1e-6));
            CHECK(close_to(ftvec_distance(x, 3, q, ql), 2.0, 1e-6));
            CHECK(close_to(ftvec_distance(x, 4, q, ql), 1.0 - sqrt(0.5), 1e-3));
            FtVecResult *r;
            size_t n = ftvec_knn(x, q, ql, 4, NULL, NULL, NULL, &r);
            CHECK_EQ_INT(n, 4);
            if (n == 4) {
                CHECK_EQ_INT(r[0].id, 1);
                CHECK_EQ_INT(r[1].id, 4);
                CHECK_EQ_INT(r[2].id, 2);
                CHECK_EQ_INT(r[3].id, 3);
            }
            xfree(r);
            ftvec_free(x);
        }
        /* INT8 cosine */
        x = make(algos[a], FTVEC_INT8, FTVEC_COSINE, 2);
        int8_t i1[2] = {10, 0}, i2[2] = {0, -7}, q8[2] = {1, 1};
        ftvec_set(x, 1, i1, 2);
        ftvec_set(x, 2, i2, 2);
        CHECK(close_to(ftvec_distance(x, 1, q8, 2), 1.0 - sqrt(0.5), 1e-6));
        CHECK(close_to(ftvec_distance(x, 2, q8, 2), 1.0 + sqrt(0.5), 1e-6));
        ftvec_free(x);
    }
}

/* RediSearch's own figures (tests/pytests/test_vecsim.py): FLOAT32 DIM 2
 * L2 over the 8-byte blobs "aaaaaaaa" etc., printed with %.12g. */
static void test_redisearch_figures(void) {
    FtVecAlgo algos[2] = {FTVEC_FLAT, FTVEC_HNSW};
    for (int a = 0; a < 2; a++) {
        FtVecIndex *x = make(algos[a], FTVEC_FLOAT32, FTVEC_L2, 2);
        ftvec_set(x, 2, "aaaabaaa", 8);
        ftvec_set(x, 3, "aaaaabaa", 8);
        ftvec_set(x, 4, "aaaaaaba", 8);
        ftvec_set(x, 1, "aaaaaaaa", 8);
        char buf[64];
        FtVecResult *r;
        size_t n = ftvec_knn(x, "aaaaaaaa", 8, 2, NULL, NULL, NULL, &r);
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
            CHECK_EQ_INT(r[0].id, 1);
            snprintf(buf, sizeof(buf), "%.12g", r[0].dist);
            CHECK(strcmp(buf, "0") == 0);
            CHECK_EQ_INT(r[1].id, 2);
            snprintf(buf, sizeof(buf), "%.12g", r[1].dist);
            CHECK(strcmp(buf, "3.09485009821e+26") == 0);
        }
        xfree(r);
        n = ftvec_knn(x, "aaaaabaa", 8, 4, NULL, NULL, NULL, &r);
        const char *want[4] = {"0", "2.01242627636e+31", "2.02824096037e+31", "1.31886368448e+36"};
        FtDocId ids[4] = {3, 2, 1, 4};
        CHECK_EQ_INT(n, 4);
        for (size_t i = 0; i < n && i < 4; i++) {
            CHECK_EQ_INT(r[i].id, ids[i]);
            snprintf(buf, sizeof(buf), "%.12g", r[i].dist);
            CHECK(strcmp(buf, want[i]) == 0);
        }
        xfree(r);
        ftvec_free(x);
    }
}

static void rand_vec(float *v, uint32_t dim) {
    for (uint32_t i = 0; i < dim; i++)
        v[i] = (float)((double)test_rand_below(2000001) / 1000000.0 - 1.0);
}

/* The squared distance as documented: float terms, one rounding to float. */
static double model_l2(const float *a, const float *b, int dim) {
    double s = 0;
    for (int d = 0; d < dim; d++) {
        float t = a[d] - b[d];
        s += (double)(t * t);
    }
    return (double)(float)s;
}

/* The model's distance from q to document i: its nearest vector's. */
static double model_doc(const float (*vecs)[4], int count, const float *q) {
    double best = INFINITY;
    for (int j = 0; j < count; j++) {
        double d = model_l2(vecs[j], q, 4);
        if (d < best) best = d;
    }
    return best;
}

/* FLAT (exact) and HNSW (small: exact through the scan) against a plain
 * array, under random sets of one or several vectors, updates and deletes;
 * KNN and range answers are checked document by document. */
static void test_model(FtVecAlgo algo) {
    enum { DIM = 4, IDS = 300, OPS = 3000, MAXV = 3 };
    FtVecIndex *x = make(algo, FTVEC_FLOAT32, FTVEC_L2, DIM);
    static float model[IDS][MAXV][DIM];
    static int count[IDS];
    memset(count, 0, sizeof(count));
    int bad = 0;
    for (int op = 0; op < OPS; op++) {
        FtDocId id = (FtDocId)test_rand_below(IDS) + 1;
        int *c = &count[id - 1];
        uint64_t what = test_rand_below(6);
        if (what < 2) {
            int had = ftvec_del(x, id);
            if (had != (*c > 0)) bad++;
            *c = 0;
        } else if (what < 5) {
            rand_vec(model[id - 1][0], DIM);
            ftvec_set(x, id, model[id - 1][0], sizeof(model[0][0]));
            *c = 1;
        } else {
            int n = 1 + (int)test_rand_below(MAXV);
            double nums[MAXV * DIM];
            for (int j = 0; j < n; j++) {
                rand_vec(model[id - 1][j], DIM);
                for (int d = 0; d < DIM; d++) nums[j * DIM + d] = model[id - 1][j][d];
            }
            if (ftvec_set_multi(x, id, nums, (size_t)n) != 0) bad++;
            *c = n;
        }
        if (op % 50 != 0) continue;
        float q[DIM];
        rand_vec(q, DIM);
        size_t live = 0, vectors = 0;
        for (int i = 0; i < IDS; i++) {
            live += count[i] > 0;
            vectors += (size_t)count[i];
        }
        if (ftvec_count(x) != vectors) bad++;
        FtVecResult *r;
        size_t n = ftvec_knn(x, q, sizeof(q), 5, NULL, NULL, NULL, &r);
        if (n != (live < 5 ? live : 5)) bad++;
        for (size_t j = 0; j < n; j++) {
            FtDocId rid = r[j].id;
            if (!count[rid - 1]) {
                bad++;
                continue;
            }
            if (model_doc(model[rid - 1], count[rid - 1], q) != r[j].dist) bad++;
            if (j > 0 && (r[j].dist < r[j - 1].dist || r[j].id == r[j - 1].id)) bad++;
        }
        /* nothing outside the result is nearer than its last */
        if (n) {
            size_t nearer = 0;
            for (int i = 0; i < IDS; i++)
                if (count[i] && model_doc(model[i], count[i], q) < r[n - 1].dist) nearer++;
            if (nearer > n - 1) bad++;
        }
        xfree(r);
        /* range: exactly the documents with a vector within 0.5 */
        n = ftvec_range(x, q, sizeof(q), 0.5, NULL, NULL, NULL, &r);
        size_t want = 0;
        for (int i = 0; i < IDS; i++)
            if (count[i] && model_doc(model[i], count[i], q) <= 0.5) want++;
        if (n != want) bad++;
        for (size_t j = 0; j < n; j++) {
            if (!count[r[j].id - 1] || r[j].dist > 0.5) bad++;
            if (j > 0 && r[j].id == r[j - 1].id) bad++;
        }
        xfree(r);
        /* the distance of one document */
        FtDocId probe = (FtDocId)test_rand_below(IDS) + 1;
        double d = ftvec_distance(x, probe, q, sizeof(q));
        if (count[probe - 1] ? d != model_doc(model[probe - 1], count[probe - 1], q) : d != -1)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    double nums[2 * DIM] = {0};
    CHECK_EQ_INT(ftvec_set_multi(x, 1, nums, 0), -1);
    nums[3] = NAN;
    CHECK_EQ_INT(ftvec_set_multi(x, 1, nums, 2), -1);
    ftvec_free(x);
}

/* HNSW with multi-value documents above the scan threshold: the graph
 * search must still return distinct documents at their nearest vector's
 * distance, as FLAT does. */
static void test_hnsw_multi(void) {
    enum { DIM = 8, N = 1500 };
    FtVecIndex *h = make(FTVEC_HNSW, FTVEC_FLOAT32, FTVEC_L2, DIM);
    FtVecIndex *f = make(FTVEC_FLAT, FTVEC_FLOAT32, FTVEC_L2, DIM);
    double nums[3 * DIM];
    for (FtDocId id = 1; id <= N; id++) {
        size_t n = 1 + (size_t)test_rand_below(3);
        for (size_t i = 0; i < n * DIM; i++)
            nums[i] = (double)test_rand_below(2000001) / 1000000.0 - 1.0;
        ftvec_set_multi(h, id, nums, n);
        ftvec_set_multi(f, id, nums, n);
    }
    int bad = 0, hits = 0, total = 0;
    for (int qi = 0; qi < 30; qi++) {
        float q[DIM];
        rand_vec(q, DIM);
        FtVecResult *a, *b;
        FtVecQueryOpts o = {.ef_runtime = 100};
        size_t na = ftvec_knn(h, q, sizeof(q), 10, &o, NULL, NULL, &a);
        size_t nb = ftvec_knn(f, q, sizeof(q), 10, NULL, NULL, NULL, &b);
        if (na != 10 || nb != 10) bad++;
        for (size_t i = 0; i < na; i++) {
            if (ftvec_distance(f, a[i].id, q, sizeof(q)) != a[i].dist) bad++;
            for (size_t j = 0; j < i; j++)
                if (a[j].id == a[i].id) bad++;
        }
        for (size_t i = 0; i < nb; i++) {
            total++;
            for (size_t j = 0; j < na; j++)
                if (a[j].id == b[i].id) {
                    hits++;
                    break;
                }
        }
        xfree(a);
        xfree(b);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(hits * 10 >= total * 9);
    /* the graph's range search: distinct documents, exact distances, most
     * of the exact answer */
    for (int qi = 0; qi < 10; qi++) {
        float q[DIM];
        rand_vec(q, DIM);
        FtVecResult *a, *b;
        size_t na = ftvec_range(h, q, sizeof(q), 1.5, NULL, NULL, NULL, &a);
        size_t nb = ftvec_range(f, q, sizeof(q), 1.5, NULL, NULL, NULL, &b);
        CHECK(na <= nb);
        CHECK(na * 10 >= nb * 9);
        for (size_t i = 0; i < na; i++) {
            CHECK(a[i].dist <= 1.5);
            CHECK(ftvec_distance(f, a[i].id, q, sizeof(q)) == a[i].dist);
            if (i) CHECK(a[i].id != a[i - 1].id);
        }
        xfree(a);
        xfree(b);
    }
    /* delete most documents: tombstones, then a rebuild keeps the chains */
    for (FtDocId id = 1; id <= N; id++)
        if (id % 4) {
            CHECK_EQ_INT(ftvec_del(h, id), 1);
            ftvec_del(f, id);
        }
    CHECK_EQ_INT(ftvec_count(h), ftvec_count(f));
    float q[DIM] = {0};
    FtVecResult *a, *b;
    size_t na = ftvec_range(h, q, sizeof(q), 1.0, NULL, NULL, NULL, &a);
    size_t nb = ftvec_range(f, q, sizeof(q), 1.0, NULL, NULL, NULL, &b);
    CHECK_EQ_INT(na, nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        CHECK_EQ_INT(a[i].id, b[i].id);
        CHECK(a[i].dist == b[i].dist);
    }
    xfree(a);
    xfree(b);
    ftvec_free(h);
    ftvec_free(f);
}

typedef struct {
    int mod;
} ModFilter;

static int keep_mod(FtDocId id, void *priv) {
    ModFilter *f = priv;
    return id % (FtDocId)f->mod == 0;
}

static uint32_t recall_ef = 100;

static double recall_vs_flat(FtVecIndex *h, FtVecIndex *f, uint32_t dim, int queries, size_t k,
                             FtVecFilter filt, void *priv, int *short_results) {
    int hits = 0, total = 0;
    float q[64];
    for (int i = 0; i < queries; i++) {
        rand_vec(q, dim);
        FtVecResult *a, *b;
        FtVecQueryOpts o = {.ef_runtime = recall_ef};
        size_t na = ftvec_knn(h, q, dim * 4, k, &o, filt, priv, &a);
        size_t nb = ftvec_knn(f, q, dim * 4, k, NULL, filt, priv, &b);
        if (na != nb) (*short_results)++;
        for (size_t x = 0; x < nb; x++) {
            total++;
            for (size_t y = 0; y < na; y++)
                if (a[y].id == b[x].id) {
                    hits++;
                    break;
                }
        }
        xfree(a);
        xfree(b);
    }
    return total ? (double)hits / total : 1.0;
}

static void test_hnsw_recall(void) {
    enum { DIM = 16, N = 3000 };
    FtVecMetric metrics[3] = {FTVEC_L2, FTVEC_IP, FTVEC_COSINE};
    for (int m = 0; m < 3; m++) {
        FtVecIndex *h = make(FTVEC_HNSW, FTVEC_FLOAT32, metrics[m], DIM);
        FtVecIndex *f = make(FTVEC_FLAT, FTVEC_FLOAT32, metrics[m], DIM);
        float v[DIM];
        for (FtDocId id = 1; id <= N; id++) {
            rand_vec(v, DIM);
            ftvec_set(h, id, v, sizeof(v));
            ftvec_set(f, id, v, sizeof(v));
        }
        CHECK_EQ_INT(ftvec_count(h), N);
        int shortn = 0;
        double r = recall_vs_flat(h, f, DIM, 50, 10, NULL, NULL, &shortn);
        printf("ftvec: HNSW %s recall@10 %.3f\n", ftvec_metric_name(metrics[m]), r);
        CHECK(r >= 0.9);
        CHECK_EQ_INT(shortn, 0);
        recall_ef = 10; /* the default EF_RUNTIME: the graph is searched, not scanned */
        r = recall_vs_flat(h, f, DIM, 50, 10, NULL, NULL, &shortn);
        recall_ef = 100;
        printf("ftvec: HNSW %s recall@10 with ef 10: %.3f\n", ftvec_metric_name(metrics[m]), r);
        CHECK(r >= 0.6);
        CHECK_EQ_INT(shortn, 0);

        /* filters: half of the documents pass (graph walk), one in 500
         * (brute force); every result passes and k come back */
        ModFilter half = {2}, rare = {500};
        r = recall_vs_flat(h, f, DIM, 30, 10, keep_mod, &half, &shortn);
        CHECK(r >= 0.9);
        r = recall_vs_flat(h, f, DIM, 10, 10, keep_mod, &rare, &shortn);
        CHECK(r == 1.0);
        CHECK_EQ_INT(shortn, 0);
        float q[DIM];
        rand_vec(q, DIM);
        FtVecResult *res;
        size_t n = ftvec_knn(h, q, sizeof(q), 10, NULL, keep_mod, &rare, &res);
        CHECK_EQ_INT(n, N / 500);
        for (size_t i = 0; i < n; i++) CHECK(res[i].id % 500 == 0);
        xfree(res);
        FtVecQueryOpts batches = {.policy = FTVEC_POLICY_BATCHES};
        n = ftvec_knn(h, q, sizeof(q), 10, &batches, keep_mod, &rare, &res);
        CHECK_EQ_INT(n, N / 500);
        xfree(res);

        /* delete two thirds (the graph is rebuilt on the way), re-add some
         * with new vectors */
        for (FtDocId id = 1; id <= N; id++)
            if (id % 3) {
                CHECK_EQ_INT(ftvec_del(h, id), 1);
                ftvec_del(f, id);
            }
        CHECK_EQ_INT(ftvec_del(h, 1), 0);
        CHECK_EQ_INT(ftvec_count(h), N / 3);
        for (FtDocId id = 1; id <= 300; id++) {
            rand_vec(v, DIM);
            ftvec_set(h, id, v, sizeof(v));
            ftvec_set(f, id, v, sizeof(v));
        }
        CHECK_EQ_INT(ftvec_count(h), ftvec_count(f));
        r = recall_vs_flat(h, f, DIM, 50, 10, NULL, NULL, &shortn);
        printf("ftvec: HNSW %s recall@10 after deletes %.3f\n", ftvec_metric_name(metrics[m]), r);
        CHECK(r >= 0.9);
        CHECK_EQ_INT(shortn, 0);
        /* a re-added document is found by its new vector (under IP a
         * vector is not its own nearest: compare with the exact answer) */
        rand_vec(v, DIM);
        ftvec_set(h, 7, v, sizeof(v));
        ftvec_set(f, 7, v, sizeof(v));
        FtVecQueryOpts wide = {.ef_runtime = 100};
        FtVecResult *want;
        n = ftvec_knn(h, v, sizeof(v), 1, &wide, NULL, NULL, &res);
        size_t nw = ftvec_knn(f, v, sizeof(v), 1, NULL, NULL, NULL, &want);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(nw, 1);
        if (n && nw) {
            CHECK_EQ_INT(res[0].id, want[0].id);
            if (metrics[m] != FTVEC_IP) CHECK_EQ_INT(res[0].id, 7);
        }
        xfree(res);
        xfree(want);

        /* range: HNSW's graph range against the exact scan */
        FtVecResult *ra, *rb;
        rand_vec(q, DIM);
        n = ftvec_knn(f, q, sizeof(q), 30, NULL, NULL, NULL, &rb);
        double radius = n ? rb[n - 1].dist : 0;
        xfree(rb);
        size_t na = ftvec_range(h, q, sizeof(q), radius, NULL, NULL, NULL, &ra);
        size_t nb = ftvec_range(f, q, sizeof(q), radius, NULL, NULL, NULL, &rb);
        CHECK(nb >= 30);
        CHECK(na <= nb);
        CHECK(na * 10 >= nb * 9);
        for (size_t i = 0; i < na; i++) CHECK(ra[i].dist <= radius);
        for (size_t i = 1; i < na; i++) CHECK(ra[i].dist >= ra[i - 1].dist);
        xfree(ra);
        xfree(rb);
        ModFilter three = {3};
        na = ftvec_range(h, q, sizeof(q), radius, NULL, keep_mod, &three, &ra);
        for (size_t i = 0; i < na; i++) CHECK(ra[i].id % 3 == 0);
        xfree(ra);

        /* delete everything, then start again */
        for (FtDocId id = 1; id <= N; id++) ftvec_del(h, id);
        CHECK_EQ_INT(ftvec_count(h), 0);
        n = ftvec_knn(h, q, sizeof(q), 10, NULL, NULL, NULL, &res);
        CHECK_EQ_INT(n, 0);
        CHECK(res == NULL);
        ftvec_set(h, 5, q, sizeof(q));
        n = ftvec_knn(h, q, sizeof(q), 10, NULL, NULL, NULL, &res);
        CHECK_EQ_INT(n, 1);
        xfree(res);
        CHECK(ftvec_mem_bytes(h) > 0);
        ftvec_free(h);
        ftvec_free(f);
    }
}

static void test_small_filters(void) {
    FtVecIndex *x = make(FTVEC_HNSW, FTVEC_FLOAT32, FTVEC_L2, 1);
    for (FtDocId id = 1; id <= 50; id++) {
        float v = (float)id;
        ftvec_set(x, id, &v, 4);
    }
    float q = 0;
    FtVecResult *r;
    ModFilter f = {10};
    size_t n = ftvec_knn(x, &q, 4, 3, NULL, keep_mod, &f, &r);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(r[0].id, 10);
        CHECK(r[0].dist == 100.0);
        CHECK_EQ_INT(r[1].id, 20);
        CHECK_EQ_INT(r[2].id, 30);
    }
    xfree(r);
    n = ftvec_knn(x, &q, 4, 100, NULL, NULL, NULL, &r);
    CHECK_EQ_INT(n, 50);
    xfree(r);
    n = ftvec_range(x, &q, 4, 9.0, NULL, NULL, NULL, &r);
    CHECK_EQ_INT(n, 3);
    xfree(r);
    n = ftvec_range(x, &q, 4, 0.5, NULL, NULL, NULL, &r);
    CHECK_EQ_INT(n, 0);
    CHECK(r == NULL);
    n = ftvec_knn(x, &q, 3, 3, NULL, NULL, NULL, &r);
    CHECK_EQ_INT(n, 0);
    ftvec_free(x);
}

static void expect_opts(FtVecIndex *x, FtVecQueryKind kind, const char *names, const char *values,
                        const char *want) {
    Slice n[8], v[8];
    char nb[256], vb[256];
    int c = 0;
    snprintf(nb, sizeof(nb), "%s", names);
    snprintf(vb, sizeof(vb), "%s", values);
    for (char *t = strtok(nb, " "); t; t = strtok(NULL, " ")) n[c++] = slice_cstr(t);
    c = 0;
    for (char *t = strtok(vb, " "); t; t = strtok(NULL, " ")) v[c++] = slice_cstr(t);
    FtVecQueryOpts o;
    char err[256] = "";
    int rc = ftvec_query_opts(x, kind, n, v, c, &o, err, sizeof(err));
    if (!want) {
        CHECK_EQ_INT(rc, 0);
        return;
    }
    char full[300];
    snprintf(full, sizeof(full), "Error parsing vector similarity parameters: %s", want);
    if (rc == -1 && strcmp(err, full) == 0) {
        test_passed++;
    } else {
        test_failed++;
        fprintf(stderr, "query opts '%s'='%s': got %d '%s', want '%s'\n", names, values, rc, err,
                full);
    }
}

static void test_query_opts(void) {
    FtVecIndex *h = make(FTVEC_HNSW, FTVEC_FLOAT32, FTVEC_L2, 2);
    FtVecIndex *f = make(FTVEC_FLAT, FTVEC_FLOAT32, FTVEC_L2, 2);
    expect_opts(h, FTVEC_QUERY_KNN, "EF_RUNTIME", "5", NULL);
    expect_opts(h, FTVEC_QUERY_KNN, "EF_RUNTIME", "-42", "Invalid value was given");
    expect_opts(h, FTVEC_QUERY_KNN, "EF_RUNTIME", "2.71828", "Invalid value was given");
    expect_opts(h, FTVEC_QUERY_KNN, "EF_RUNTIME EF_RUNTIME", "5 6",
                "Parameter was specified twice");
    expect_opts(h, FTVEC_QUERY_KNN, "EF_FUNTIME", "30", "Invalid option");
    expect_opts(f, FTVEC_QUERY_KNN, "EF_RUNTIME", "30", "Invalid option");
    expect_opts(h, FTVEC_QUERY_KNN, "BATCH_SIZE", "100",
                "hybrid query attributes were sent for a non-hybrid query");
    expect_opts(h, FTVEC_QUERY_KNN, "HYBRID_POLICY", "ADHOC_BF",
                "hybrid query attributes were sent for a non-hybrid query");
    expect_opts(h, FTVEC_QUERY_HYBRID, "BATCH_SIZE", "0", "Invalid value was given");
    expect_opts(h, FTVEC_QUERY_HYBRID, "BATCH_SIZE", "34_not_a_number", "Invalid value was given");
    expect_opts(h, FTVEC_QUERY_HYBRID, "BATCH_SIZE BATCH_SIZE", "8 0",
                "Parameter was specified twice");
    expect_opts(h, FTVEC_QUERY_HYBRID, "HYBRID_POLICY", "bad_policy",
                "invalid hybrid policy was given");
    expect_opts(h, FTVEC_QUERY_HYBRID, "HYBRID_POLICY BATCH_SIZE", "ADHOC_BF 100",
                "'batch size' is irrelevant for 'ADHOC_BF' policy");
    expect_opts(h, FTVEC_QUERY_HYBRID, "HYBRID_POLICY EF_RUNTIME", "ADHOC_BF 100",
                "'EF_RUNTIME' is irrelevant for 'ADHOC_BF' policy");
    expect_opts(f, FTVEC_QUERY_HYBRID, "HYBRID_POLICY BATCH_SIZE", "batches 100", NULL);
    expect_opts(h, FTVEC_QUERY_KNN, "EPSILON", "2.71828",
                "range query attributes were sent for a non-range query");
    expect_opts(h, FTVEC_QUERY_RANGE, "EPSILON", "0.5", NULL);
    expect_opts(h, FTVEC_QUERY_RANGE, "EPSILON", "-1", "Invalid value was given");
    expect_opts(h, FTVEC_QUERY_RANGE, "EF_RUNTIME", "10", "Invalid option");
    expect_opts(f, FTVEC_QUERY_RANGE, "EPSILON", "0.5", "Invalid option");
    Slice n[2] = {slice_cstr("EF_RUNTIME"), slice_cstr("HYBRID_POLICY")};
    Slice v[2] = {slice_cstr("77"), slice_cstr("Batches")};
    FtVecQueryOpts o;
    CHECK_EQ_INT(ftvec_query_opts(h, FTVEC_QUERY_HYBRID, n, v, 2, &o, NULL, 0), 0);
    CHECK_EQ_INT(o.ef_runtime, 77);
    CHECK_EQ_INT(o.policy, FTVEC_POLICY_BATCHES);

    FtVecInfoItem it[FTVEC_INFO_MAX];
    size_t k = ftvec_info(ftvec_params(h), it);
    CHECK_EQ_INT(k, 6);
    CHECK(strcmp(it[0].key, "algorithm") == 0 && strcmp(it[0].str, "HNSW") == 0);
    CHECK(strcmp(it[1].key, "data_type") == 0 && strcmp(it[1].str, "FLOAT32") == 0);
    CHECK(strcmp(it[2].key, "dim") == 0 && it[2].str == NULL && it[2].num == 2);
    CHECK(strcmp(it[3].key, "distance_metric") == 0 && strcmp(it[3].str, "L2") == 0);
    CHECK(strcmp(it[4].key, "M") == 0 && it[4].num == 16);
    CHECK(strcmp(it[5].key, "ef_construction") == 0 && it[5].num == 200);
    CHECK_EQ_INT(ftvec_info(ftvec_params(f), it), 4);
    ftvec_free(h);
    ftvec_free(f);
}

int main(void) {
    test_seed("test_ftvec");
    test_parse();
    test_conversions();
    test_metrics();
    test_redisearch_figures();
    test_model(FTVEC_FLAT);
    test_model(FTVEC_HNSW);
    test_hnsw_multi();
    test_hnsw_recall();
    test_small_filters();
    test_query_opts();
    return test_report("test_ftvec");
}
