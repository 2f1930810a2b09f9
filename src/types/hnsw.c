/*
 * hnsw.c - the HNSW graph of vector sets (Malkov & Yashunin's Hierarchical
 * Navigable Small World), written for streamd after Redis 8's vector sets'
 * behaviour.
 *
 * Layout: every node has a level drawn at insert (each level with
 * probability 1/4 of the one below, at most HNSW_MAX_LEVEL) and, per level,
 * an array of links: 2*M at level 0, M above. Links are always reciprocal
 * (A links B at level l iff B links A at l). That costs a little work at
 * insert (a full neighbour only takes the new node by dropping its farthest
 * link, and the other end of that link drops it too), and pays at delete: a
 * node's links say exactly who points at it, so a delete is local and
 * relinks the orphaned neighbours among themselves instead of leaving
 * tombstones. The alternative, one-way links and tombstones, would need
 * periodic rebuilds, and Redis's VLINKS shows reciprocal links.
 *
 * Vectors are normalised on insert, so the cosine distance is 1 - dot. The
 * stored form is fp32, int8 scaled by the vector's largest absolute
 * component (its "range": q = round(x * 127 / range)), or one sign bit per
 * component in 64-bit words; the norm is kept beside it so the approximate
 * original vector can be given back. Binary distance is the fraction of
 * differing signs times two. A query is normalised and quantized the same
 * way as the nodes, so a node's distance to its own vector is 0.
 *
 * Searches: greedy descent with one candidate through the upper levels,
 * then a best-first search with ef candidates at level 0 (binary heaps).
 * Filtered searches keep walking through nodes that do not match (they are
 * still the way to those that do) and bound the walk by max_visits.
 *
 * Visited marks are an epoch per node (one search at a time: streamd runs
 * commands on one thread).
 */
#include "types/hnsw.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"

#define LEVEL_P_NUM 1 /* a node goes up one more level with probability 1/4 */
#define LEVEL_P_DEN 4
#define SER_VERSION 1 /* the params layout: with the worst link of each level */

/* links grow on demand up to cap: most nodes never fill theirs, and a
 * value read from a file costs memory in proportion to its links only */
typedef struct Layer {
    HnswNode **links;
    uint32_t n, cap, alloc;
} Layer;

struct HnswNode {
    uint64_t id;
    HnswNode *prev, *next; /* the list of all nodes, newest first */
    void *value;
    void *vec; /* hnsw_vector_bytes() bytes */
    float l2, range;
    uint32_t level;
    uint32_t visited; /* epoch of the last search that reached it */
    Layer layers[];   /* level + 1 */
};

struct Hnsw {
    uint32_t dim, m;
    int quant;
    uint32_t max_level;
    uint32_t epoch;
    uint64_t count, last_id;
    uint64_t rng;
    HnswNode *entry, *head;
};

/* ---- vectors --------------------------------------------------------------- */

size_t hnsw_vector_bytes(const Hnsw *h) {
    switch (h->quant) {
    case HNSW_QUANT_NONE:
        return (size_t)h->dim * sizeof(float);
    case HNSW_QUANT_Q8:
        return h->dim;
    default:
        return ((size_t)h->dim + 63) / 64 * 8;
    }
}

/* Normalises x in place; returns its former norm (1 for a zero vector, which
 * stays as it is). */
static float normalize(float *x, uint32_t dim) {
    float sum = 0;
    for (uint32_t i = 0; i < dim; i++) sum += x[i] * x[i];
    if (sum == 0) return 1;
    float l2 = sqrtf(sum);
    for (uint32_t i = 0; i < dim; i++) x[i] /= l2;
    return l2;
}

/* Stores unit vector x in h's form into out (hnsw_vector_bytes()). */
static void quantize(const Hnsw *h, const float *x, void *out, float *range) {
    *range = 0;
    if (h->quant == HNSW_QUANT_NONE) {
        memcpy(out, x, (size_t)h->dim * sizeof(float));
    } else if (h->quant == HNSW_QUANT_Q8) {
        int8_t *q = out;
        float max = 0;
        for (uint32_t i = 0; i < h->dim; i++) {
            float a = fabsf(x[i]);
            if (a > max) max = a;
        }
        if (max == 0) {
            memset(q, 0, h->dim);
            return;
        }
        float scale = 127.0f / max;
        for (uint32_t i = 0; i < h->dim; i++) {
            float v = roundf(x[i] * scale);
            /* only a subnormal largest component can push this out */
            q[i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v == v ? v : 0);
        }
        *range = max;
    } else {
        uint64_t *w = out;
        memset(w, 0, hnsw_vector_bytes(h));
        for (uint32_t i = 0; i < h->dim; i++)
            if (x[i] > 0) w[i / 64] |= 1ULL << (i % 64);
    }
}

/* The dot products are blocked in fixed-size inner loops so that the
 * compiler vectorizes them at -O2 (independent accumulators; for floats the
 * summation order is fixed, the same on every host). */
static float dot_f32(const float *x, const float *y, uint32_t dim) {
    float acc[8] = {0};
    uint32_t i = 0;
    for (; i + 8 <= dim; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += x[i + k] * y[i + k];
    float dot = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < dim; i++) dot += x[i] * y[i];
    return dot;
}

static int32_t dot_q8(const int8_t *x, const int8_t *y, uint32_t dim) {
    int32_t acc[16] = {0};
    uint32_t i = 0;
    for (; i + 16 <= dim; i += 16)
        for (int k = 0; k < 16; k++) acc[k] += (int32_t)x[i + k] * (int32_t)y[i + k];
    int32_t dot = 0;
    for (int k = 0; k < 16; k++) dot += acc[k];
    for (; i < dim; i++) dot += (int32_t)x[i] * (int32_t)y[i];
    return dot;
}

static float distance_raw(const Hnsw *h, const void *a, float ra, const void *b, float rb) {
    if (h->quant == HNSW_QUANT_NONE) return 1.0f - dot_f32(a, b, h->dim);
    if (h->quant == HNSW_QUANT_Q8) {
        if (ra == 0 || rb == 0) return 1.0f;
        return 1.0f - (float)dot_q8(a, b, h->dim) * ((ra / 127) * (rb / 127));
    }
    const uint64_t *x = a, *y = b;
    uint32_t diff = 0;
    for (uint32_t i = 0; i < (h->dim + 63) / 64; i++)
        diff += (uint32_t)__builtin_popcountll(x[i] ^ y[i]);
    return (float)diff * 2 / (float)h->dim;
}

float hnsw_node_distance(const Hnsw *h, const HnswNode *a, const HnswNode *b) {
    return distance_raw(h, a->vec, a->range, b->vec, b->range);
}

void hnsw_node_vector(const Hnsw *h, const HnswNode *n, float *out) {
    if (h->quant == HNSW_QUANT_NONE) {
        memcpy(out, n->vec, (size_t)h->dim * sizeof(float));
    } else if (h->quant == HNSW_QUANT_Q8) {
        const int8_t *q = n->vec;
        for (uint32_t i = 0; i < h->dim; i++) out[i] = ((float)q[i] * n->range) / 127;
    } else {
        const uint64_t *w = n->vec;
        for (uint32_t i = 0; i < h->dim; i++) out[i] = (w[i / 64] >> (i % 64)) & 1 ? 1.0f : -1.0f;
        return; /* signs only: the norm would not make it any closer */
    }
    for (uint32_t i = 0; i < h->dim; i++) out[i] *= n->l2;
}

const void *hnsw_node_raw(const HnswNode *n, float *l2, float *range) {
    *l2 = n->l2;
    *range = n->range;
    return n->vec;
}

/* ---- index ------------------------------------------------------------------ */

Hnsw *hnsw_new(uint32_t dim, int quant, uint32_t m) {
    assert(dim > 0 && quant >= HNSW_QUANT_NONE && quant <= HNSW_QUANT_BIN);
    static uint64_t seq;
    Hnsw *h = xcalloc(1, sizeof *h);
    h->dim = dim;
    h->quant = quant;
    h->m = m ? m : HNSW_DEFAULT_M;
    h->rng = ((uint64_t)time(NULL) << 20) ^ (++seq * 0x9E3779B97F4A7C15ULL) ^ (uintptr_t)h;
    if (h->rng == 0) h->rng = 1;
    return h;
}

uint32_t hnsw_dim(const Hnsw *h) {
    return h->dim;
}
int hnsw_quant(const Hnsw *h) {
    return h->quant;
}
uint32_t hnsw_m(const Hnsw *h) {
    return h->m;
}
uint64_t hnsw_count(const Hnsw *h) {
    return h->count;
}
uint32_t hnsw_max_level(const Hnsw *h) {
    return h->max_level;
}
uint64_t hnsw_last_id(const Hnsw *h) {
    return h->last_id;
}
HnswNode *hnsw_first(const Hnsw *h) {
    return h->head;
}
HnswNode *hnsw_next(const HnswNode *n) {
    return n->next;
}
void *hnsw_node_value(const HnswNode *n) {
    return n->value;
}
void hnsw_node_set_value(HnswNode *n, void *value) {
    n->value = value;
}
uint32_t hnsw_node_level(const HnswNode *n) {
    return n->level;
}
HnswNode *const *hnsw_node_links(const HnswNode *n, uint32_t level, uint32_t *count) {
    assert(level <= n->level);
    *count = n->layers[level].n;
    return n->layers[level].links;
}

static uint32_t layer_cap(const Hnsw *h, uint32_t level) {
    return level == 0 ? h->m * 2 : h->m;
}

static HnswNode *node_new(Hnsw *h, uint64_t id, uint32_t level) {
    HnswNode *n = xcalloc(1, sizeof *n + sizeof(Layer) * (level + 1));
    n->id = id;
    n->level = level;
    n->l2 = 1;
    n->vec = xmalloc(hnsw_vector_bytes(h));
    for (uint32_t l = 0; l <= level; l++) {
        n->layers[l].cap = layer_cap(h, l);
        n->layers[l].links = NULL;
        n->layers[l].alloc = 0;
    }
    return n;
}

static void node_free(HnswNode *n) {
    for (uint32_t l = 0; l <= n->level; l++) xfree(n->layers[l].links);
    xfree(n->vec);
    xfree(n);
}

static void list_add(Hnsw *h, HnswNode *n) {
    n->prev = NULL;
    n->next = h->head;
    if (h->head) h->head->prev = n;
    h->head = n;
    h->count++;
}

static void list_remove(Hnsw *h, HnswNode *n) {
    if (n->prev)
        n->prev->next = n->next;
    else
        h->head = n->next;
    if (n->next) n->next->prev = n->prev;
    h->count--;
}

void hnsw_free(Hnsw *h, void (*free_value)(void *)) {
    if (!h) return;
    HnswNode *n = h->head;
    while (n) {
        HnswNode *next = n->next;
        if (free_value) free_value(n->value);
        node_free(n);
        n = next;
    }
    xfree(h);
}

size_t hnsw_mem_bytes(const Hnsw *h) {
    size_t bytes = sizeof *h;
    for (const HnswNode *n = h->head; n; n = n->next) {
        bytes += sizeof *n + sizeof(Layer) * (n->level + 1) + hnsw_vector_bytes(h);
        for (uint32_t l = 0; l <= n->level; l++) bytes += sizeof(HnswNode *) * n->layers[l].alloc;
    }
    return bytes;
}

static uint64_t rng_next(Hnsw *h) {
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 2685821657736338717ULL;
}

static uint32_t random_level(Hnsw *h) {
    uint32_t level = 0;
    while (level < HNSW_MAX_LEVEL && (rng_next(h) >> 11) % LEVEL_P_DEN < LEVEL_P_NUM) level++;
    return level;
}

/* ---- heaps of (distance, node) ------------------------------------------- */

typedef struct Cand {
    float d;
    HnswNode *n;
} Cand;

/* A binary heap: the nearest on top (is_max 0) or the farthest (is_max 1). */
typedef struct Heap {
    Cand *a;
    uint32_t n, cap;
    int is_max;
} Heap;

static void heap_init(Heap *q, int is_max) {
    q->a = NULL;
    q->n = q->cap = 0;
    q->is_max = is_max;
}

static int above(const Heap *q, float x, float y) {
    return q->is_max ? x > y : x < y;
}

static void heap_push(Heap *q, float d, HnswNode *n) {
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        q->a = xrealloc(q->a, sizeof(Cand) * q->cap);
    }
    uint32_t i = q->n++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!above(q, d, q->a[p].d)) break;
        q->a[i] = q->a[p];
        i = p;
    }
    q->a[i].d = d;
    q->a[i].n = n;
}

static Cand heap_pop(Heap *q) {
    assert(q->n > 0);
    Cand top = q->a[0], last = q->a[--q->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && above(q, q->a[c + 1].d, q->a[c].d)) c++;
        if (!above(q, q->a[c].d, last.d)) break;
        q->a[i] = q->a[c];
        i = c;
    }
    if (q->n) q->a[i] = last;
    return top;
}

static int cand_cmp(const void *x, const void *y) {
    const Cand *a = x, *b = y;
    if (a->d < b->d) return -1;
    if (a->d > b->d) return 1;
    return a->n->id < b->n->id ? -1 : a->n->id > b->n->id;
}

/* ---- search ----------------------------------------------------------------- */

typedef struct Query {
    void *vec;
    float range;
} Query;

static float qdist(const Hnsw *h, const Query *q, const HnswNode *n) {
    return distance_raw(h, q->vec, q->range, n->vec, n->range);
}

/* Best-first search at level from entry; returns the results (nearest
 * first) in an owned array, their number in *count. */
static Cand *search_layer(Hnsw *h, const Query *q, HnswNode *entry, uint32_t ef, uint32_t level,
                          HnswFilter filter, void *priv, uint32_t max_visits, uint32_t *count) {
    Heap cands, res;
    heap_init(&cands, 0);
    heap_init(&res, 1);
    h->epoch++;
    if (h->epoch == 0) {
        for (HnswNode *n = h->head; n; n = n->next) n->visited = 0;
        h->epoch = 1;
    }
    uint32_t visits = 1;
    float d = qdist(h, q, entry);
    entry->visited = h->epoch;
    heap_push(&cands, d, entry);
    if (!filter || filter(entry->value, priv)) heap_push(&res, d, entry);
    while (cands.n > 0) {
        if (filter && max_visits && visits >= max_visits) break;
        Cand c = heap_pop(&cands);
        if (res.n >= ef && c.d > res.a[0].d) break;
        Layer *ly = &c.n->layers[level];
        for (uint32_t i = 0; i < ly->n; i++) {
            HnswNode *nb = ly->links[i];
            if (nb->visited == h->epoch) continue;
            nb->visited = h->epoch;
            visits++;
            float nd = qdist(h, q, nb);
            float worst = res.n ? res.a[0].d : INFINITY;
            if (!filter) {
                if (res.n < ef || nd < worst) {
                    heap_push(&cands, nd, nb);
                    heap_push(&res, nd, nb);
                    if (res.n > ef) heap_pop(&res);
                }
            } else {
                /* non-matching nodes still lead somewhere */
                if (cands.n < ef || nd < worst) heap_push(&cands, nd, nb);
                if ((res.n < ef || nd < worst) && filter(nb->value, priv)) {
                    heap_push(&res, nd, nb);
                    if (res.n > ef) heap_pop(&res);
                }
            }
        }
    }
    xfree(cands.a);
    if (res.n) qsort(res.a, res.n, sizeof(Cand), cand_cmp);
    *count = res.n;
    return res.a;
}

/* Greedy walk at level towards q from entry: the nearest node it finds. */
static HnswNode *greedy(const Hnsw *h, const Query *q, HnswNode *entry, uint32_t level) {
    float best = qdist(h, q, entry);
    for (int moved = 1; moved;) {
        moved = 0;
        Layer *ly = &entry->layers[level];
        for (uint32_t i = 0; i < ly->n; i++) {
            float d = qdist(h, q, ly->links[i]);
            if (d < best) {
                best = d;
                entry = ly->links[i];
                moved = 1;
            }
        }
    }
    return entry;
}

/* q from a raw vector: normalised and quantized into an owned buffer. */
static void query_init(const Hnsw *h, const float *vec, Query *q, float *l2) {
    float *tmp = xmalloc(sizeof(float) * h->dim);
    memcpy(tmp, vec, sizeof(float) * h->dim);
    float norm = normalize(tmp, h->dim);
    /* an infinite component (an FP32 blob may hold one) normalises to NaN */
    for (uint32_t i = 0; i < h->dim; i++)
        if (!isfinite(tmp[i])) tmp[i] = 0;
    if (l2) *l2 = norm;
    q->vec = xmalloc(hnsw_vector_bytes(h));
    quantize(h, tmp, q->vec, &q->range);
    xfree(tmp);
}

uint32_t hnsw_search(Hnsw *h, const float *query, uint32_t k, uint32_t ef, HnswFilter filter,
                     void *priv, uint32_t max_visits, int exact, HnswNode **out, float *dist) {
    if (h->count == 0 || k == 0) return 0;
    Query q;
    query_init(h, query, &q, NULL);
    uint32_t found = 0;
    if (exact) {
        Heap res;
        heap_init(&res, 1);
        for (HnswNode *n = h->head; n; n = n->next) {
            if (filter && !filter(n->value, priv)) continue;
            float d = qdist(h, &q, n);
            if (res.n < k || d < res.a[0].d) {
                heap_push(&res, d, n);
                if (res.n > k) heap_pop(&res);
            }
        }
        if (res.n) qsort(res.a, res.n, sizeof(Cand), cand_cmp);
        for (; found < res.n; found++) {
            out[found] = res.a[found].n;
            dist[found] = res.a[found].d;
        }
        xfree(res.a);
    } else {
        if (ef < k) ef = k;
        HnswNode *ep = h->entry;
        for (uint32_t l = h->max_level; l > 0; l--) ep = greedy(h, &q, ep, l);
        uint32_t n;
        Cand *res = search_layer(h, &q, ep, ef, 0, filter, priv, max_visits, &n);
        for (; found < n && found < k; found++) {
            out[found] = res[found].n;
            dist[found] = res[found].d;
        }
        xfree(res);
    }
    xfree(q.vec);
    return found;
}

/* ---- links ------------------------------------------------------------------ */

static int has_link(const HnswNode *a, const HnswNode *b, uint32_t l) {
    const Layer *ly = &a->layers[l];
    for (uint32_t i = 0; i < ly->n; i++)
        if (ly->links[i] == b) return 1;
    return 0;
}

static void drop_one(HnswNode *a, const HnswNode *b, uint32_t l) {
    Layer *ly = &a->layers[l];
    for (uint32_t i = 0; i < ly->n; i++) {
        if (ly->links[i] == b) {
            ly->links[i] = ly->links[--ly->n];
            return;
        }
    }
}

static void unlink_pair(HnswNode *a, HnswNode *b, uint32_t l) {
    drop_one(a, b, l);
    drop_one(b, a, l);
}

static void layer_push(Layer *ly, HnswNode *x) {
    assert(ly->n < ly->cap);
    if (ly->n == ly->alloc) {
        uint32_t want = ly->alloc ? ly->alloc * 2 : 4;
        ly->alloc = want < ly->cap ? want : ly->cap;
        ly->links = xrealloc(ly->links, sizeof(HnswNode *) * ly->alloc);
    }
    ly->links[ly->n++] = x;
}

static void link_pair(HnswNode *a, HnswNode *b, uint32_t l) {
    layer_push(&a->layers[l], b);
    layer_push(&b->layers[l], a);
}

/* The farthest link of a at level l (a has at least one). */
static uint32_t worst_link(const Hnsw *h, const HnswNode *a, uint32_t l, float *d) {
    const Layer *ly = &a->layers[l];
    uint32_t w = 0;
    float wd = -1;
    for (uint32_t i = 0; i < ly->n; i++) {
        float x = hnsw_node_distance(h, a, ly->links[i]);
        if (x > wd) {
            wd = x;
            w = i;
        }
    }
    *d = wd;
    return w;
}

/* Links a and b at level l (a has room): if b is full, b drops its farthest
 * link when a is nearer than it (or when force is set). 1 if linked. */
static int try_link(const Hnsw *h, HnswNode *a, HnswNode *b, float d, uint32_t l, int force) {
    if (a == b || has_link(a, b, l)) return 0;
    if (b->layers[l].n < b->layers[l].cap) {
        link_pair(a, b, l);
        return 1;
    }
    float wd;
    uint32_t w = worst_link(h, b, l, &wd);
    if (!force && d >= wd) return 0;
    unlink_pair(b, b->layers[l].links[w], l);
    link_pair(a, b, l);
    return 1;
}

/* Links node n at level l to the best of cands (nearest first): first the
 * diverse ones (nearer to n than to any neighbour already chosen), then the
 * nearest of the rest while n has room. */
static void connect(Hnsw *h, HnswNode *n, const Cand *cands, uint32_t nc, uint32_t l) {
    uint32_t cap = n->layers[l].cap;
    char *skipped = xcalloc(nc ? nc : 1, 1);
    for (uint32_t i = 0; i < nc && n->layers[l].n < cap; i++) {
        HnswNode *c = cands[i].n;
        if (c == n) continue;
        int diverse = 1;
        Layer *ly = &n->layers[l];
        for (uint32_t j = 0; j < ly->n && diverse; j++)
            if (hnsw_node_distance(h, c, ly->links[j]) < cands[i].d) diverse = 0;
        if (!diverse || !try_link(h, n, c, cands[i].d, l, 0)) skipped[i] = 1;
    }
    for (uint32_t i = 0; i < nc && n->layers[l].n < cap; i++)
        if (skipped[i] && cands[i].n != n) try_link(h, n, cands[i].n, cands[i].d, l, 0);
    /* never leave a node unreachable at a level where others exist */
    if (n->layers[l].n == 0)
        for (uint32_t i = 0; i < nc && n->layers[l].n == 0; i++)
            if (cands[i].n != n) try_link(h, n, cands[i].n, cands[i].d, l, 1);
    xfree(skipped);
}

/* ---- insert and delete ------------------------------------------------------ */

HnswNode *hnsw_insert(Hnsw *h, const float *vec, void *value, uint32_t ef) {
    if (ef == 0) ef = HNSW_DEFAULT_EF;
    uint32_t level = random_level(h);
    HnswNode *n = node_new(h, ++h->last_id, level);
    n->value = value;
    Query q;
    query_init(h, vec, &q, &n->l2);
    memcpy(n->vec, q.vec, hnsw_vector_bytes(h));
    n->range = q.range;
    if (!h->entry) {
        list_add(h, n);
        h->entry = n;
        h->max_level = level;
        xfree(q.vec);
        return n;
    }
    HnswNode *ep = h->entry;
    for (uint32_t l = h->max_level; l > level; l--) ep = greedy(h, &q, ep, l);
    for (uint32_t l = level < h->max_level ? level : h->max_level;; l--) {
        uint32_t nc;
        Cand *cands = search_layer(h, &q, ep, ef, l, NULL, NULL, 0, &nc);
        connect(h, n, cands, nc, l);
        if (nc) ep = cands[0].n;
        xfree(cands);
        if (l == 0) break;
    }
    list_add(h, n);
    if (level > h->max_level) {
        h->max_level = level;
        h->entry = n;
    }
    xfree(q.vec);
    return n;
}

/* After d left level l: its former neighbours (nb[0..k)) each lost a link;
 * each takes the nearest other orphan it can link to, and one left without
 * any link at l searches the graph for a place. */
static void relink(Hnsw *h, HnswNode **nb, uint32_t k, uint32_t l) {
    Cand *c = xmalloc(sizeof(Cand) * (k ? k : 1));
    for (uint32_t i = 0; i < k; i++) {
        HnswNode *x = nb[i];
        uint32_t nc = 0;
        for (uint32_t j = 0; j < k; j++) {
            if (j == i) continue;
            c[nc].n = nb[j];
            c[nc].d = hnsw_node_distance(h, x, nb[j]);
            nc++;
        }
        qsort(c, nc, sizeof(Cand), cand_cmp);
        for (uint32_t j = 0; j < nc && x->layers[l].n < x->layers[l].cap; j++)
            if (try_link(h, x, c[j].n, c[j].d, l, 0)) break;
        if (x->layers[l].n == 0 && h->entry && h->entry != x && h->max_level >= l) {
            Query q = {x->vec, x->range};
            HnswNode *ep = h->entry;
            for (uint32_t ll = h->max_level; ll > l; ll--) ep = greedy(h, &q, ep, ll);
            uint32_t n;
            Cand *res = search_layer(h, &q, ep, HNSW_DEFAULT_EF, l, NULL, NULL, 0, &n);
            connect(h, x, res, n, l);
            xfree(res);
        }
    }
    xfree(c);
}

void hnsw_delete(Hnsw *h, HnswNode *d) {
    list_remove(h, d);
    if (h->entry == d) {
        /* the new entry: the highest node reachable from d, else any */
        HnswNode *best = NULL;
        for (uint32_t l = d->level + 1; l-- > 0 && !best;) {
            Layer *ly = &d->layers[l];
            for (uint32_t i = 0; i < ly->n; i++)
                if (!best || ly->links[i]->level > best->level) best = ly->links[i];
        }
        if (!best || best->level < d->level)
            for (HnswNode *n = h->head; n; n = n->next)
                if (!best || n->level > best->level) best = n;
        h->entry = best;
        h->max_level = best ? best->level : 0;
    }
    for (uint32_t l = 0; l <= d->level; l++) {
        Layer *ly = &d->layers[l];
        uint32_t k = ly->n;
        HnswNode **nb = xmalloc(sizeof(HnswNode *) * (k ? k : 1));
        if (k) memcpy(nb, ly->links, sizeof(HnswNode *) * k);
        for (uint32_t i = 0; i < k; i++) drop_one(nb[i], d, l);
        ly->n = 0;
        if (h->entry) relink(h, nb, k, l);
        xfree(nb);
    }
    node_free(d);
}

/* ---- serialization ---------------------------------------------------------- */

uint64_t *hnsw_node_params(const Hnsw *h, const HnswNode *n, uint32_t *count) {
    uint32_t total = 3;
    for (uint32_t l = 0; l <= n->level; l++) total += 3 + n->layers[l].n;
    uint64_t *p = xmalloc(sizeof(uint64_t) * total);
    uint32_t i = 0;
    p[i++] = n->id;
    p[i++] = (uint64_t)(n->level & 0xff) | ((uint64_t)SER_VERSION << 24);
    for (uint32_t l = 0; l <= n->level; l++) {
        const Layer *ly = &n->layers[l];
        p[i++] = ly->n;
        p[i++] = ly->cap;
        for (uint32_t j = 0; j < ly->n; j++) p[i++] = ly->links[j]->id;
        float wd = 0;
        uint32_t w = ly->n ? worst_link(h, n, l, &wd) : 0;
        uint32_t bits;
        memcpy(&bits, &wd, sizeof bits);
        p[i++] = ((uint64_t)bits << 32) | w;
    }
    uint32_t l2b, rb;
    memcpy(&l2b, &n->l2, sizeof l2b);
    memcpy(&rb, &n->range, sizeof rb);
    p[i++] = ((uint64_t)rb << 32) | l2b;
    assert(i == total);
    *count = total;
    return p;
}

HnswNode *hnsw_load_node(Hnsw *h, const void *vector, const uint64_t *params, uint32_t count,
                         void *value) {
    if (count < 3) return NULL;
    uint64_t id = params[0];
    uint32_t level = (uint32_t)(params[1] & 0xff);
    uint32_t version = (uint32_t)((params[1] >> 24) & 0xff);
    if (id == 0 || level > HNSW_MAX_LEVEL || version > SER_VERSION) return NULL;
    if ((params[1] & ~(uint64_t)0xff0000ffULL) != 0) return NULL;
    uint32_t with_worst = version > 0;
    /* links hold ids until hnsw_load_finish() */
    HnswNode *n = node_new(h, id, level);
    uint32_t i = 2;
    for (uint32_t l = 0; l <= level; l++) {
        if (i + 2 > count) goto bad;
        uint64_t nl = params[i++], cap = params[i++];
        if (nl > cap || cap > (uint64_t)HNSW_MAX_M * 4 || nl > count - i) goto bad;
        if (cap > n->layers[l].cap) n->layers[l].cap = (uint32_t)cap;
        if (nl) {
            n->layers[l].links = xmalloc(sizeof(HnswNode *) * nl);
            n->layers[l].alloc = (uint32_t)nl;
        }
        for (uint64_t j = 0; j < nl; j++)
            n->layers[l].links[j] = (HnswNode *)(uintptr_t)params[i++];
        n->layers[l].n = (uint32_t)nl;
        if (with_worst) {
            if (i >= count) goto bad;
            uint32_t w = (uint32_t)(params[i++] & 0xffffffff);
            if (nl > 0 && w >= nl) goto bad;
        }
    }
    if (i + 1 != count) goto bad;
    uint32_t l2b = (uint32_t)(params[i] & 0xffffffff), rb = (uint32_t)(params[i] >> 32);
    memcpy(&n->l2, &l2b, sizeof l2b);
    memcpy(&n->range, &rb, sizeof rb);
    memcpy(n->vec, vector, hnsw_vector_bytes(h));
    n->value = value;
    if (id > h->last_id) h->last_id = id;
    list_add(h, n);
    if (!h->entry || level > h->max_level) {
        h->entry = n;
        h->max_level = level;
    }
    return n;
bad:
    for (uint32_t l = 0; l <= level; l++) n->layers[l].n = 0;
    node_free(n);
    return NULL;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

int hnsw_load_finish(Hnsw *h) {
    uint64_t size = 1;
    while (size < h->count * 2 + 2) size <<= 1;
    HnswNode **table = xcalloc(size, sizeof(HnswNode *));
    int rc = -1;
    for (HnswNode *n = h->head; n; n = n->next) {
        uint64_t b = mix64(n->id) & (size - 1);
        while (table[b]) {
            if (table[b]->id == n->id) goto out; /* duplicate id */
            b = (b + 1) & (size - 1);
        }
        table[b] = n;
    }
    for (HnswNode *n = h->head; n; n = n->next) {
        for (uint32_t l = 0; l <= n->level; l++) {
            Layer *ly = &n->layers[l];
            for (uint32_t j = 0; j < ly->n; j++) {
                uint64_t id = (uint64_t)(uintptr_t)ly->links[j];
                uint64_t b = mix64(id) & (size - 1);
                while (table[b] && table[b]->id != id) b = (b + 1) & (size - 1);
                HnswNode *t = table[b];
                if (!t || t == n || t->level < l) {
                    /* leave the rest as ids no more: the free path only frees */
                    for (uint32_t k = j; k < ly->n; k++) ly->links[k] = NULL;
                    goto out;
                }
                ly->links[j] = t;
            }
        }
    }
    /* now every link is a node: no repeats, each with its back link */
    for (HnswNode *n = h->head; n; n = n->next) {
        for (uint32_t l = 0; l <= n->level; l++) {
            Layer *ly = &n->layers[l];
            for (uint32_t j = 0; j < ly->n; j++) {
                for (uint32_t k = j + 1; k < ly->n; k++)
                    if (ly->links[k] == ly->links[j]) goto out;
                if (!has_link(ly->links[j], n, l)) goto out;
            }
        }
    }
    rc = 0;
out:
    xfree(table);
    return rc;
}
