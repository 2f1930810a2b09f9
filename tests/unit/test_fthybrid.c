/*
 * Unit tests for FT.HYBRID's fusion (src/types/fthybrid.c): RRF sums
 * 1 / (constant + rank) over the lists a document is in, LINEAR weighs the
 * text score by alpha and the vector similarity by beta, ties go by id, and
 * the distance-to-similarity normalisation of each metric.
 */
#include <math.h>

#include "base/alloc.h"
#include "types/fthybrid.h"
#include "types/ftvec.h"

#include "test.h"

static int near(double a, double b) {
    return fabs(a - b) < 1e-12;
}

static void test_rrf(void) {
    FtHybIn text[] = {{5, 3.0}, {2, 2.0}, {9, 1.0}};
    FtHybIn vec[] = {{2, 0.9}, {7, 0.8}};
    FtHybCombine c = {FTHYB_RRF, 60.0, 0, 0};
    FtHybOut *o;
    size_t n = fthybrid_fuse(text, 3, vec, 2, &c, &o);
    CHECK_EQ_INT(n, 4);
    /* doc 2: text rank 2, vector rank 1 */
    CHECK_EQ_INT(o[0].id, 2);
    CHECK(near(o[0].score, 1.0 / 62 + 1.0 / 61));
    CHECK_EQ_INT(o[0].text_rank, 2);
    CHECK_EQ_INT(o[0].vec_rank, 1);
    CHECK_EQ_INT(o[1].id, 5);
    CHECK(near(o[1].score, 1.0 / 61));
    CHECK_EQ_INT(o[1].vec_rank, 0);
    /* doc 7 (vector rank 2) and doc 9 (text rank 3): 1/62 and 1/63 */
    CHECK_EQ_INT(o[2].id, 7);
    CHECK(near(o[2].score, 1.0 / 62));
    CHECK_EQ_INT(o[3].id, 9);
    CHECK(near(o[3].score, 1.0 / 63));
    xfree(o);
}

static void test_rrf_ties(void) {
    /* constant 1: text rank 1 and vector rank 1 both score 0.5; the lower id first */
    FtHybIn text[] = {{8, 1.0}};
    FtHybIn vec[] = {{3, 0.5}, {4, 0.4}};
    FtHybCombine c = {FTHYB_RRF, 1.0, 0, 0};
    FtHybOut *o;
    size_t n = fthybrid_fuse(text, 1, vec, 2, &c, &o);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(o[0].id, 3);
    CHECK(near(o[0].score, 0.5));
    CHECK_EQ_INT(o[1].id, 8);
    CHECK(near(o[1].score, 0.5));
    CHECK_EQ_INT(o[2].id, 4);
    CHECK(near(o[2].score, 1.0 / 3));
    xfree(o);
}

static void test_linear(void) {
    FtHybIn text[] = {{1, 0.8}, {2, 0.2}};
    FtHybIn vec[] = {{2, 1.0}, {3, 0.5}};
    FtHybCombine c = {FTHYB_LINEAR, 0, 0.7, 0.3};
    FtHybOut *o;
    size_t n = fthybrid_fuse(text, 2, vec, 2, &c, &o);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(o[0].id, 1);
    CHECK(near(o[0].score, 0.56));
    CHECK_EQ_INT(o[1].id, 2);
    CHECK(near(o[1].score, 0.7 * 0.2 + 0.3 * 1.0));
    CHECK_EQ_INT(o[2].id, 3);
    CHECK(near(o[2].score, 0.15));
    CHECK(near(o[1].text_score, 0.2) && near(o[1].vec_score, 1.0));
    xfree(o);
}

static void test_empty(void) {
    FtHybCombine c = {FTHYB_RRF, 60.0, 0, 0};
    FtHybOut *o = (FtHybOut *)1;
    CHECK_EQ_INT(fthybrid_fuse(NULL, 0, NULL, 0, &c, &o), 0);
    CHECK(o == NULL);
    FtHybIn vec[] = {{4, 0.25}};
    CHECK_EQ_INT(fthybrid_fuse(NULL, 0, vec, 1, &c, &o), 1);
    CHECK(near(o[0].score, 1.0 / 61) && o[0].text_rank == 0);
    xfree(o);
}

static void test_norm(void) {
    CHECK(near(fthybrid_vec_norm(FTVEC_L2, 0), 1.0));
    CHECK(near(fthybrid_vec_norm(FTVEC_L2, 3), 0.25));
    CHECK(near(fthybrid_vec_norm(FTVEC_COSINE, 0), 1.0));
    CHECK(near(fthybrid_vec_norm(FTVEC_COSINE, 1), 0.5));
    CHECK(near(fthybrid_vec_norm(FTVEC_COSINE, 2), 0.0));
    CHECK(near(fthybrid_vec_norm(FTVEC_IP, 0), 0.5));
    CHECK(near(fthybrid_vec_norm(FTVEC_IP, 1), 1.0));
}

static void test_many(void) {
    /* Lists with a large overlap: every id once, scores non-increasing. */
    enum { N = 500 };
    FtHybIn *t = xcalloc(N, sizeof(FtHybIn)), *v = xcalloc(N, sizeof(FtHybIn));
    for (int i = 0; i < N; i++) {
        t[i].id = (FtDocId)(i * 2 + 1);
        t[i].score = N - i;
        v[i].id = (FtDocId)(i * 3 + 1);
        v[i].score = 1.0 / (1 + i);
    }
    FtHybCombine c = {FTHYB_RRF, 60.0, 0, 0};
    FtHybOut *o;
    size_t n = fthybrid_fuse(t, N, v, N, &c, &o);
    /* ids 6k+1 are in both lists: k < 500/3 */
    size_t both = 0;
    for (int i = 0; i < N; i++)
        if ((i * 3) % 2 == 0 && (i * 3) / 2 < N) both++;
    CHECK_EQ_INT(n, 2 * N - both);
    int sorted = 1;
    for (size_t i = 1; i < n; i++)
        if (o[i].score > o[i - 1].score || (o[i].score == o[i - 1].score && o[i].id < o[i - 1].id))
            sorted = 0;
    CHECK(sorted);
    CHECK_EQ_INT(o[0].id, 1); /* rank 1 in both */
    CHECK(near(o[0].score, 2.0 / 61));
    xfree(o);
    xfree(t);
    xfree(v);
}

int main(void) {
    test_rrf();
    test_rrf_ties();
    test_linear();
    test_empty();
    test_norm();
    test_many();
    return test_report("test_fthybrid");
}
