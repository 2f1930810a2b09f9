/*
 * ftvec.h - the vector fields of the query engine (FT.CREATE ... VECTOR):
 * parsing of the field's attributes, the per-field index (FLAT: exact
 * brute force; HNSW: a navigable small-world graph), KNN and range search
 * with an optional document filter, and the figures FT.INFO shows.
 *
 * A vector index maps document ids (FtDocId, owned by ftindex) to one
 * vector each. It knows nothing of keys, hashes or JSON: the caller hands
 * it the field's bytes (a hash field holds the raw little-endian blob,
 * dim * element size bytes) or the numbers of a JSON array.
 *
 * Distances are reported as RediSearch reports them:
 *   L2      the squared euclidean distance, sum((a_i - b_i)^2)
 *   IP      1 - sum(a_i * b_i)
 *   COSINE  1 - cos(a, b) (vectors are normalised when stored)
 * in single precision for every type but FLOAT64 (products in float,
 * summed in double, rounded to float once).
 *
 * Errors are written into a caller's buffer (err, errlen) without the
 * "ERR " prefix or any CR/LF: the text RediSearch puts after its prefix.
 */
#ifndef STREAMD_FTVEC_H
#define STREAMD_FTVEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef uint32_t FtDocId; /* as in ftindex.h (an identical typedef) */

typedef enum { FTVEC_FLAT = 0, FTVEC_HNSW = 1 } FtVecAlgo;

typedef enum {
    FTVEC_FLOAT32 = 0,
    FTVEC_FLOAT64 = 1,
    FTVEC_FLOAT16 = 2,
    FTVEC_BFLOAT16 = 3,
    FTVEC_INT8 = 4,
    FTVEC_UINT8 = 5,
} FtVecType;

typedef enum { FTVEC_L2 = 0, FTVEC_IP = 1, FTVEC_COSINE = 2 } FtVecMetric;

#define FTVEC_DEFAULT_M               16
#define FTVEC_DEFAULT_EF_CONSTRUCTION 200
#define FTVEC_DEFAULT_EF_RUNTIME      10
#define FTVEC_DEFAULT_EPSILON         0.01
#define FTVEC_DEFAULT_BLOCK_SIZE      1024
#define FTVEC_MAX_DIM                 32768 /* our limit: a blob of at most 256 KiB */
#define FTVEC_MAX_M                   512
#define FTVEC_MAX_EF                  100000

/* A vector field's definition: what FT.CREATE said, defaults filled in. */
typedef struct FtVecParams {
    FtVecAlgo algo;
    FtVecType type;
    FtVecMetric metric;
    uint32_t dim;
    size_t initial_cap;                      /* as given (0 when not); informational */
    size_t block_size;                       /* FLAT's BLOCK_SIZE; informational */
    uint32_t m, ef_construction, ef_runtime; /* HNSW */
    double epsilon;                          /* HNSW range queries */
    int is_index_missing;                    /* INDEXMISSING followed */
} FtVecParams;

/* Parses the arguments after VECTOR: "<algo> <count> <name value>...
 * [INDEXMISSING]". argv[0] is the algorithm. On success returns 0, fills
 * out and sets *consumed to the number of arguments used; on error returns
 * -1 with RediSearch's message in err. Borrows argv. */
int ftvec_parse_params(const Slice *argv, int argc, int *consumed, FtVecParams *out, char *err,
                       size_t errlen);

/* Bytes of one element of type t, and of a whole vector (the blob length a
 * hash field and a query blob must have). */
size_t ftvec_type_size(FtVecType t);
size_t ftvec_blob_len(const FtVecParams *p);
/* RediSearch's names: "FLAT"/"HNSW", "FLOAT32"..., "L2"/"IP"/"COSINE". */
const char *ftvec_algo_name(FtVecAlgo a);
const char *ftvec_type_name(FtVecType t);
const char *ftvec_metric_name(FtVecMetric m);

/* FT.INFO's attribute entry for a vector field, after identifier/attribute/
 * type: name/value pairs (str set, or num when str is NULL), in order:
 * algorithm, data_type, dim, distance_metric, and for HNSW M and
 * ef_construction. Returns how many (at most FTVEC_INFO_MAX). */
#define FTVEC_INFO_MAX 8
typedef struct FtVecInfoItem {
    const char *key;
    const char *str; /* static string, or NULL for num */
    long long num;
} FtVecInfoItem;
size_t ftvec_info(const FtVecParams *p, FtVecInfoItem *out);

typedef struct FtVecIndex FtVecIndex;

/* Returns an owned empty index for p (copied); free with ftvec_free(). */
FtVecIndex *ftvec_new(const FtVecParams *p);
void ftvec_free(FtVecIndex *idx);
/* The index's definition: a view valid while idx lives. */
const FtVecParams *ftvec_params(const FtVecIndex *idx);
/* Live vectors (a document with several counts each). */
size_t ftvec_count(const FtVecIndex *idx);
/* About how many bytes idx holds (vectors, graph, maps), for FT.INFO's
 * vector_index_sz_mb and MEMORY figures. */
size_t ftvec_mem_bytes(const FtVecIndex *idx);

/* Sets document id's vector from a blob (borrowed) of ftvec_blob_len()
 * bytes, replacing any it had. Returns 0, or -1 when len is wrong (the
 * index is then unchanged: the caller counts an indexing failure and
 * removes the document, as RediSearch does). */
int ftvec_set(FtVecIndex *idx, FtDocId id, const void *blob, size_t len);
/* The same from the numbers of a JSON array (n must be dim; each value is
 * converted to the field's type, saturating for INT8/UINT8); -1 otherwise. */
int ftvec_set_numbers(FtVecIndex *idx, FtDocId id, const double *vals, size_t n);
/* Several vectors for one document (a JSON path matching several arrays,
 * RediSearch's multi-value vector fields): n_vectors * dim numbers in vals,
 * replacing what id had. A search returns the document once, at the
 * distance of its nearest vector. -1 when n_vectors is 0 or above
 * FTVEC_MAX_MULTI or a number is not finite (index unchanged). */
#define FTVEC_MAX_MULTI 65536
int ftvec_set_multi(FtVecIndex *idx, FtDocId id, const double *vals, size_t n_vectors);
/* Removes id's vectors: 1 when it had any, 0 otherwise. */
int ftvec_del(FtVecIndex *idx, FtDocId id);
/* Whether id has a vector. */
int ftvec_has(const FtVecIndex *idx, FtDocId id);

/* 0 when a query blob of len bytes fits the index, else -1 with
 * "Error parsing vector similarity query: query vector blob size (7) does
 * not match index's expected size (8)." in err. */
int ftvec_check_blob(const FtVecIndex *idx, size_t len, char *err, size_t errlen);

/* Query attributes ([KNN ... EF_RUNTIME 5], =>{$EPSILON: 0.1}, ...). */
typedef enum {
    FTVEC_QUERY_KNN = 1,    /* KNN over everything: *=>[KNN ...] */
    FTVEC_QUERY_HYBRID = 2, /* KNN with a filter: @x:y=>[KNN ...] */
    FTVEC_QUERY_RANGE = 3,  /* VECTOR_RANGE */
} FtVecQueryKind;

typedef enum {
    FTVEC_POLICY_AUTO = 0,
    FTVEC_POLICY_ADHOC_BF = 1,
    FTVEC_POLICY_BATCHES = 2,
} FtVecPolicy;

typedef struct FtVecQueryOpts {
    uint32_t ef_runtime; /* 0: the index's EF_RUNTIME */
    double epsilon;      /* 0: the index's EPSILON */
    FtVecPolicy policy;
    size_t batch_size; /* 0: automatic */
} FtVecQueryOpts;

/* Validates n attribute names/values (borrowed; names without '$') for a
 * query of kind against idx, as RediSearch's vector library does, and fills
 * out. Returns 0, or -1 with "Error parsing vector similarity parameters:
 * <reason>" in err. */
int ftvec_query_opts(const FtVecIndex *idx, FtVecQueryKind kind, const Slice *names,
                     const Slice *values, int n, FtVecQueryOpts *out, char *err, size_t errlen);

/* Filter for searches: nonzero keeps document id. */
typedef int (*FtVecFilter)(FtDocId id, void *priv);

typedef struct FtVecResult {
    FtDocId id;
    double dist;
} FtVecResult;

/* The up to k vectors nearest to the query blob (len must pass
 * ftvec_check_blob()), nearest first (ties by id), among the documents the
 * filter keeps (all when filter is NULL). opts may be NULL. FLAT is exact,
 * so is HNSW up to 1024 vectors (a scan); above, HNSW searches its graph
 * with ef = max(ef_runtime, k) and, with a filter,
 * still returns k results whenever k documents pass (it switches to a
 * brute-force scan of the passing documents when the filter is selective
 * or the graph search came up short). Returns the count and an owned array
 * in *out (xfree; NULL when 0). */
size_t ftvec_knn(FtVecIndex *idx, const void *blob, size_t len, size_t k,
                 const FtVecQueryOpts *opts, FtVecFilter filter, void *priv, FtVecResult **out);

/* Every vector within distance radius of the query blob (dist <= radius),
 * among the documents the filter keeps, nearest first. FLAT and HNSW up to
 * 1024 vectors scan; a bigger HNSW walks the graph from the nearest node,
 * expanding nodes within radius * (1 + epsilon) or among the nearest seen.
 * Returns the count and an owned array in *out (xfree; NULL when 0). */
size_t ftvec_range(FtVecIndex *idx, const void *blob, size_t len, double radius,
                   const FtVecQueryOpts *opts, FtVecFilter filter, void *priv, FtVecResult **out);

/* The distance between id's vector and the query blob; -1 when id has
 * none. */
double ftvec_distance(const FtVecIndex *idx, FtDocId id, const void *blob, size_t len);

#endif
