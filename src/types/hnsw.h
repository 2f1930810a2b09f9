/*
 * hnsw.h - a Hierarchical Navigable Small World graph over unit vectors: the
 * index behind vector sets (src/cmd/vset.c). See hnsw.c for the design.
 *
 * Vectors are normalised on insert (so the distance is the cosine distance,
 * 1 - dot, from 0 for the same direction to 2 for opposite ones) and kept
 * in one of three forms: fp32 (HNSW_QUANT_NONE), int8 with a per-vector
 * range (HNSW_QUANT_Q8) or sign bits (HNSW_QUANT_BIN). Each node carries an
 * opaque value pointer owned by the caller.
 */
#ifndef STREAMD_TYPES_HNSW_H
#define STREAMD_TYPES_HNSW_H

#include <stddef.h>
#include <stdint.h>

/* The numbers Redis's vector sets store in their RDB configuration word. */
enum { HNSW_QUANT_NONE = 0, HNSW_QUANT_Q8 = 1, HNSW_QUANT_BIN = 2 };

#define HNSW_DEFAULT_M  16
#define HNSW_MIN_M      4
#define HNSW_MAX_M      4096
#define HNSW_MAX_LEVEL  16
#define HNSW_DEFAULT_EF 200

typedef struct Hnsw Hnsw;
typedef struct HnswNode HnswNode;

/* Returns an owned empty index; free with hnsw_free(). */
Hnsw *hnsw_new(uint32_t dim, int quant, uint32_t m);
/* Frees h and its nodes; free_value (may be NULL) gets each node's value. */
void hnsw_free(Hnsw *h, void (*free_value)(void *));

uint32_t hnsw_dim(const Hnsw *h);
int hnsw_quant(const Hnsw *h);
uint32_t hnsw_m(const Hnsw *h);
uint64_t hnsw_count(const Hnsw *h);
uint32_t hnsw_max_level(const Hnsw *h);
uint64_t hnsw_last_id(const Hnsw *h);
/* Bytes of a node's stored vector. */
size_t hnsw_vector_bytes(const Hnsw *h);
/* About how many bytes h holds (nodes, vectors, links). O(n). */
size_t hnsw_mem_bytes(const Hnsw *h);

/* Inserts vec (dim floats, borrowed) with value; ef is the candidate list
 * size of the construction search (0: HNSW_DEFAULT_EF). Returns the node. */
HnswNode *hnsw_insert(Hnsw *h, const float *vec, void *value, uint32_t ef);
/* Removes node n (its value is the caller's) and relinks its neighbours. */
void hnsw_delete(Hnsw *h, HnswNode *n);

/* Node filter for searches: nonzero keeps the node. */
typedef int (*HnswFilter)(void *value, void *priv);

/* The up to k nodes nearest to query (dim floats, borrowed; normalised
 * here), nearest first, into out[] and their distances into dist[] (both
 * k long); returns how many. ef is the search's candidate list size (at
 * least k is used). With a filter only matching nodes are returned and the
 * search stops after max_visits nodes (0: no bound). exact: a linear scan
 * instead of the graph (the ground truth). */
uint32_t hnsw_search(Hnsw *h, const float *query, uint32_t k, uint32_t ef, HnswFilter filter,
                     void *priv, uint32_t max_visits, int exact, HnswNode **out, float *dist);

/* Nodes in list order (newest first), for iteration and persistence. */
HnswNode *hnsw_first(const Hnsw *h);
HnswNode *hnsw_next(const HnswNode *n);

void *hnsw_node_value(const HnswNode *n);
void hnsw_node_set_value(HnswNode *n, void *value);
uint32_t hnsw_node_level(const HnswNode *n);
/* The node's links at level (<= its level): a view valid until h changes. */
HnswNode *const *hnsw_node_links(const HnswNode *n, uint32_t level, uint32_t *count);
/* The approximate original vector (de-quantized, de-normalised) into out. */
void hnsw_node_vector(const Hnsw *h, const HnswNode *n, float *out);
/* The stored form: a view of hnsw_vector_bytes() bytes, the norm before
 * normalisation and the Q8 range. */
const void *hnsw_node_raw(const HnswNode *n, float *l2, float *range);
float hnsw_node_distance(const Hnsw *h, const HnswNode *a, const HnswNode *b);

/* Serialization in the layout of Redis's vector sets: per node its stored
 * vector and an array of integers (id, level and format version, per level
 * the link count, the link capacity, the linked ids and the worst link, then
 * the norm and range). Returns an owned array (xfree) and its length. */
uint64_t *hnsw_node_params(const Hnsw *h, const HnswNode *n, uint32_t *count);
/* Adds a node read back (vector: hnsw_vector_bytes() bytes, borrowed);
 * NULL when the params are malformed. Links are resolved by
 * hnsw_load_finish(), which must follow the last node. */
HnswNode *hnsw_load_node(Hnsw *h, const void *vector, const uint64_t *params, uint32_t count,
                         void *value);
/* 0 when every link resolves to a node of high enough level, no link
 * repeats or points to itself, every link has its back link and ids are
 * unique; -1 otherwise (h is then only fit for hnsw_free()). */
int hnsw_load_finish(Hnsw *h);

#endif
