/*
 * fthybrid.h - the fusion arithmetic of FT.HYBRID (Redis 8.4): two ranked
 * lists of documents (the text query's, best score first, and the vector
 * query's, nearest first) become one list with a combined score.
 *
 *   RRF     score = sum over the lists a document is in of
 *           1 / (constant + rank), ranks counted from 1
 *   LINEAR  score = alpha * text score + beta * vector score, a list the
 *           document is not in adding 0
 *
 * The vector side's score is the distance turned into a similarity in
 * [0, 1] the way RediSearch normalises it for hybrid queries (see
 * fthybrid_vec_norm). The fused list goes best score first, ties by
 * document id. Independent of the index; see src/cmd/fthybrid.c.
 */
#ifndef STREAMD_TYPES_FTHYBRID_H
#define STREAMD_TYPES_FTHYBRID_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t FtDocId; /* as in ftindex.h (an identical typedef) */

#define FTHYB_DEFAULT_CONSTANT 60.0
#define FTHYB_DEFAULT_WINDOW   20
#define FTHYB_DEFAULT_K        10
#define FTHYB_DEFAULT_LIMIT    10

enum { FTHYB_RRF = 0, FTHYB_LINEAR = 1 };

typedef struct FtHybCombine {
    int method;      /* FTHYB_RRF or FTHYB_LINEAR */
    double constant; /* RRF */
    double alpha;    /* LINEAR: the text score's weight */
    double beta;     /* LINEAR: the vector score's weight */
} FtHybCombine;

/* One entry of a ranked input list. */
typedef struct FtHybIn {
    FtDocId id;
    double score; /* text: the scorer's score; vector: the normalised similarity */
} FtHybIn;

/* One fused document. */
typedef struct FtHybOut {
    FtDocId id;
    double score;       /* the combined score */
    uint32_t text_rank; /* 1-based; 0: not in the text list */
    uint32_t vec_rank;  /* 1-based; 0: not in the vector list */
    double text_score;  /* valid when text_rank */
    double vec_score;   /* valid when vec_rank */
} FtHybOut;

/* A vector distance as a similarity in [0, 1]: L2 1 / (1 + d), IP
 * (1 + d) / 2, COSINE (2 - d) / 2 (metric: ftvec's FTVEC_L2/IP/COSINE). */
double fthybrid_vec_norm(int metric, double dist);

/* Fuses the ranked lists text[0..nt) and vec[0..nv) (each best first, ids
 * unique within a list). Returns the count and an owned array in *out
 * (xfree; NULL when 0), best combined score first, ties by id. */
size_t fthybrid_fuse(const FtHybIn *text, size_t nt, const FtHybIn *vec, size_t nv,
                     const FtHybCombine *c, FtHybOut **out);

#endif
