/*
 * hll.h - a HyperLogLog sketch with the parameters, hash and estimator of
 * Redis's PFADD/PFCOUNT (2^14 six-bit registers, MurmurHash64A seeded
 * 0xadc83b19, Ertl's improved raw estimator), so that an estimate equals
 * the one Redis gives for the same elements. SUNIONCARD APPROX (Redis 8.10)
 * counts with it. Written from the published algorithms (Flajolet et al.
 * 2007; Ertl, "New cardinality estimation algorithms for HyperLogLog
 * sketches", 2017; Appleby's MurmurHash2-64A).
 */
#ifndef STREAMD_HLL_H
#define STREAMD_HLL_H

#include <stddef.h>
#include <stdint.h>

#define HLL_P         14
#define HLL_REGISTERS (1 << HLL_P)

/* The registers, one byte each (a register never exceeds 51): the caller
 * allocates it (16 KiB) and zeroes it for an empty sketch. */
typedef struct Hll {
    uint8_t reg[HLL_REGISTERS];
} Hll;

/* Entries of a register histogram: a 6-bit register holds 0..63, though
 * an element never makes one past HLL_P's cap of 51 (a corrupt HLL string
 * can hold the rest, which the estimator then ignores, as Redis's does). */
#define HLL_HIST_LEN 64

/* The register element p[0..len) falls in (*reg) and the value it offers
 * that register (1..51). */
void hll_hash(const void *p, size_t len, int *reg, int *val);

/* Adds the element p[0..len); 1 when a register grew. */
int hll_add(Hll *h, const void *p, size_t len);

/* The estimated number of distinct elements added. */
uint64_t hll_count(const Hll *h);

/* The estimate for a register histogram (hist[v]: how many registers hold
 * v); borrows hist. */
uint64_t hll_estimate(const uint64_t hist[HLL_HIST_LEN]);

#endif
