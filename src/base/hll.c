/*
 * hll.c - the HyperLogLog sketch of hll.h.
 *
 * An element is hashed to 64 bits; the low HLL_P bits pick a register and
 * the run of zero bits above them, counted from the least significant end
 * plus one, is the register's candidate value (a register keeps the largest
 * candidate it saw). A sentinel bit at position HLL_Q of the shifted hash
 * caps a run at HLL_Q + 1, as Redis's sketch does.
 *
 * The estimate is Ertl's: it needs only the histogram of register values.
 * The registers still at 0 enter through sigma(), those at the cap through
 * tau(), the others as a sum halved once per value level; the result is
 * alpha_inf * m^2 / z rounded to the nearest integer. Both helper series
 * are summed until the double stops changing, which makes the result a
 * pure function of the histogram: the same registers give Redis's number
 * to the unit, whatever order the elements came in.
 *
 * Alternatives rejected: Redis's sparse and dense 6-bit packings save
 * memory for a sketch that lives in a key; SUNIONCARD's sketch lives for
 * one command, so a byte per register is simpler and as fast.
 */
#include "base/hll.h"

#include <math.h>
#include <string.h>

#include "base/murmur.h"

#define HLL_Q         (64 - HLL_P) /* bits left for the run, sentinel included */
#define HLL_SEED      0xadc83b19ULL
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */

void hll_hash(const void *p, size_t len, int *reg, int *val) {
    uint64_t hash = murmur64a(p, len, HLL_SEED);
    uint64_t run = (hash >> HLL_P) | (1ULL << HLL_Q);
    *reg = (int)(hash & (HLL_REGISTERS - 1));
    *val = __builtin_ctzll(run) + 1;
}

int hll_add(Hll *h, const void *p, size_t len) {
    int idx, val;
    hll_hash(p, len, &idx, &val);
    if (val <= h->reg[idx]) return 0;
    h->reg[idx] = (uint8_t)val;
    return 1;
}

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the share x of empty
 * registers; infinite when every register is empty. */
static double sigma(double x) {
    if (x == 1.0) return INFINITY;
    double weight = 1.0, sum = x, before;
    do {
        x *= x;
        before = sum;
        sum += x * weight;
        weight += weight;
    } while (before != sum);
    return sum;
}

/* tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for the share
 * x of registers below the cap. */
static double tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double weight = 1.0, sum = 1.0 - x, before;
    do {
        x = sqrt(x);
        before = sum;
        weight *= 0.5;
        sum -= pow(1.0 - x, 2) * weight;
    } while (before != sum);
    return sum / 3.0;
}

/* Registers above the cap (a corrupt dense string's 52..63) count nowhere.
 * When no register is in 0..51 the divisor is 0 and the estimate infinite:
 * Redis converts that with llroundl() and a cast to uint64_t, which on the
 * x86-64 it ships on gives 2^63; the same figure is returned here on every
 * platform (PFCOUNT then replies it as a negative integer). */
uint64_t hll_estimate(const uint64_t hist[HLL_HIST_LEN]) {
    const double m = HLL_REGISTERS;
    double z = m * tau((m - (double)hist[HLL_Q + 1]) / m);
    for (int v = HLL_Q; v >= 1; v--) {
        z += (double)hist[v];
        z *= 0.5;
    }
    z += m * sigma((double)hist[0] / m);
    double e = HLL_ALPHA_INF * m * m / z;
    if (!isfinite(e) || e >= 9223372036854775807.0) return UINT64_C(1) << 63;
    return (uint64_t)llround(e);
}

uint64_t hll_count(const Hll *h) {
    uint64_t hist[HLL_HIST_LEN];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < HLL_REGISTERS; i++) hist[h->reg[i] & (HLL_HIST_LEN - 1)]++;
    return hll_estimate(hist);
}
