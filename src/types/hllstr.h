/*
 * hllstr.h - HyperLogLogs stored as string values in Redis's "HYLL" layout
 * (PFADD, PFCOUNT, PFMERGE, PFDEBUG): the shape check, the sparse and dense
 * encodings, the cached cardinality, merging and counting. The sketch's
 * hash and estimator are base/hll.h's.
 *
 * An HllStr is a growable copy of a value's bytes that the functions below
 * edit; the caller copies it back into the key when something changed.
 * Every byte of it may come from a client (SET can store anything that
 * passes the shape check), so nothing here trusts the sparse opcodes: a
 * corrupt value yields HLLSTR_CORRUPT, never a read out of bounds.
 */
#ifndef STREAMD_HLLSTR_H
#define STREAMD_HLLSTR_H

#include <stddef.h>
#include <stdint.h>

#include "base/hll.h"

#define HLLSTR_HDR_BYTES   16
#define HLLSTR_DENSE_BYTES (HLLSTR_HDR_BYTES + HLL_REGISTERS * 6 / 8)

enum { HLLSTR_DENSE = 0, HLLSTR_SPARSE = 1 };
enum { HLLSTR_CORRUPT = -1 };

typedef struct HllStr {
    uint8_t *p; /* len bytes, then at least 8 zero bytes */
    size_t len, cap;
} HllStr;

/* Whether p[0..len) is shaped like an HLL (magic, known encoding, a dense
 * one of the exact size): what decides WRONGTYPE. */
int hllstr_is_hll(const void *p, size_t len);

/* An empty sparse HLL with a valid cached count of 0 (PFADD/PFMERGE's new key). */
void hllstr_init_empty(HllStr *h);
/* A copy of the bytes p[0..len) (which passed hllstr_is_hll()). */
void hllstr_init_copy(HllStr *h, const void *p, size_t len);
void hllstr_free(HllStr *h);

/* The encoding byte (HLLSTR_DENSE or HLLSTR_SPARSE). */
int hllstr_encoding(const HllStr *h);

/* Adds an element: 1 when a register grew, 0 when not, HLLSTR_CORRUPT. A
 * sparse value turns dense when it would pass sparse_max_bytes. */
int hllstr_add(HllStr *h, const void *ele, size_t len, size_t sparse_max_bytes);

/* Raises register reg to val when it is below: 1, 0 or HLLSTR_CORRUPT. */
int hllstr_set(HllStr *h, int reg, int val, size_t sparse_max_bytes);

/* Turns a sparse value dense (the header, cached count included, kept):
 * 1 when converted, 0 when it was dense, HLLSTR_CORRUPT. */
int hllstr_to_dense(HllStr *h);

/* Register reg of a dense value. */
int hllstr_dense_get(const HllStr *h, int reg);

/* max[i] = MAX(max[i], register i) over the value p[0..len) (shaped as an
 * HLL): 0 or HLLSTR_CORRUPT. */
int hllstr_merge_max(uint8_t max[HLL_REGISTERS], const void *p, size_t len);

/* The estimate of the registers max[0..HLL_REGISTERS). */
uint64_t hllstr_count_registers(const uint8_t max[HLL_REGISTERS]);

/* The estimate of the value p[0..len): 0 or HLLSTR_CORRUPT. */
int hllstr_count(const void *p, size_t len, uint64_t *out);

/* The cached count: 1 and *out when valid, 0 when invalidated. */
int hllstr_cache_get(const void *p, uint64_t *out);
void hllstr_cache_set(HllStr *h, uint64_t card);
void hllstr_cache_invalidate(HllStr *h);

/* PFDEBUG DECODE's text of a sparse value ("z:3 Z:100 v:2,1"); returns
 * owned NUL-terminated text of *out_len bytes, free with xfree(). */
char *hllstr_decode(const void *p, size_t len, size_t *out_len);

#endif
