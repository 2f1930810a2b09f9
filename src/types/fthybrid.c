/*
 * fthybrid.c - the fusion of FT.HYBRID's two ranked lists (RRF, LINEAR).
 * See fthybrid.h.
 */
#include "types/fthybrid.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "types/ftvec.h"

double fthybrid_vec_norm(int metric, double dist) {
    switch (metric) {
    case FTVEC_IP:
        return (1.0 + dist) / 2.0;
    case FTVEC_COSINE:
        return (1.0 + (1.0 - dist)) / 2.0;
    default:
        return 1.0 / (1.0 + dist);
    }
}

static int by_id(const void *a, const void *b) {
    FtDocId x = ((const FtHybOut *)a)->id, y = ((const FtHybOut *)b)->id;
    return x < y ? -1 : x > y;
}

static int by_score(const void *a, const void *b) {
    const FtHybOut *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static double contribution(const FtHybCombine *c, int is_vec, uint32_t rank, double score) {
    if (c->method == FTHYB_LINEAR) return (is_vec ? c->beta : c->alpha) * score;
    return 1.0 / (c->constant + (double)rank);
}

size_t fthybrid_fuse(const FtHybIn *text, size_t nt, const FtHybIn *vec, size_t nv,
                     const FtHybCombine *c, FtHybOut **out) {
    *out = NULL;
    if (nt + nv == 0) return 0;
    FtHybOut *v = xcalloc(nt + nv, sizeof(FtHybOut));
    size_t n = 0;
    for (size_t i = 0; i < nt; i++) {
        v[n].id = text[i].id;
        v[n].text_rank = (uint32_t)(i + 1);
        v[n].text_score = text[i].score;
        n++;
    }
    /* The text list sorted by id, to find a vector result's text entry. */
    qsort(v, n, sizeof(FtHybOut), by_id);
    size_t nt_sorted = n;
    for (size_t i = 0; i < nv; i++) {
        FtHybOut key = {.id = vec[i].id};
        FtHybOut *hit = nt_sorted ? bsearch(&key, v, nt_sorted, sizeof(FtHybOut), by_id) : NULL;
        if (!hit) {
            hit = &v[n++];
            hit->id = vec[i].id;
        }
        hit->vec_rank = (uint32_t)(i + 1);
        hit->vec_score = vec[i].score;
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        if (v[i].text_rank) s += contribution(c, 0, v[i].text_rank, v[i].text_score);
        if (v[i].vec_rank) s += contribution(c, 1, v[i].vec_rank, v[i].vec_score);
        v[i].score = s;
    }
    qsort(v, n, sizeof(FtHybOut), by_score);
    *out = v;
    return n;
}
