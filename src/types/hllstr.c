/*
 * hllstr.c - HyperLogLog string values, byte for byte as Redis 7.0 writes
 * them, so that GET, DUMP and RDB files of a key agree with Redis's after
 * any sequence of PFADD / PFMERGE / PFCOUNT.
 *
 * Layout (all values little-endian):
 *
 *   +------+-----+--------+------------------+---------------------------+
 *   | HYLL | enc | unused |   card (8 bytes)  | registers                 |
 *   | 4    | 1   | 3      | bit 63: invalid   | dense: 16384 x 6 bits      |
 *   |      |     |        |                   | sparse: opcodes            |
 *   +------+-----+--------+------------------+---------------------------+
 *
 * enc 0 is dense: register i occupies bits 6i..6i+5 of the register bytes,
 * counted from the least significant bit of each byte. enc 1 is sparse, a
 * run-length code of the registers from 0 to 16383:
 *
 *   00xxxxxx            ZERO   xxxxxx+1 registers at 0 (1..64)
 *   01xxxxxx yyyyyyyy   XZERO  the 14-bit xy+1 registers at 0 (1..16384)
 *   1vvvvvxx            VAL    xx+1 registers (1..4) at vvvvv+1 (1..32)
 *
 * card caches the last count PFCOUNT computed; a write sets its top bit,
 * which marks it stale. The sparse code is edited exactly as Redis edits
 * it: the opcode covering a register is replaced by at most five opcodes
 * (zeros or the old value before it, the new VAL, zeros or the old value
 * after it), then up to five opcodes from the one before are scanned to
 * fuse equal neighbouring VALs. The value turns dense when a register would
 * pass 32 or the code would pass hll-sparse-max-bytes. Equal registers in a
 * different code would count the same but make different bytes, which the
 * differential tests compare.
 *
 * Hostile input: a sparse code is corrupt when its opcodes do not cover
 * exactly 16384 registers. Redis reads the byte after a final lone XZERO
 * byte as its string terminator, 0; the buffer here keeps zero bytes past
 * the end so that such a code reads the same and gives the same answer.
 */
#include "types/hllstr.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

#define REG_BYTES   (HLL_REGISTERS * 6 / 8)
#define VAL_MAX     32    /* the largest value a VAL opcode holds */
#define VAL_RUN_MAX 4     /* registers one VAL opcode covers at most */
#define ZERO_MAX    64    /* registers one ZERO opcode covers at most */
#define XZERO_MAX   16384 /* registers one XZERO opcode covers at most */
#define SLACK       8     /* zero bytes kept past the end */

#define IS_ZERO(b)        (((b)&0xc0) == 0)
#define IS_XZERO(b)       (((b)&0xc0) == 0x40)
#define ZERO_LEN(b)       (((b)&0x3f) + 1)
#define XZERO_LEN(b0, b1) (((((b0)&0x3f) << 8) | (b1)) + 1)
#define VAL_VALUE(b)      ((((b) >> 2) & 0x1f) + 1)
#define VAL_LEN(b)        (((b)&0x3) + 1)

static uint8_t val_op(int val, int run) {
    assert(val >= 1 && val <= VAL_MAX && run >= 1 && run <= VAL_RUN_MAX);
    return (uint8_t)(0x80 | ((val - 1) << 2) | (run - 1));
}

/* Writes zeros for run registers (ZERO or XZERO); returns the bytes used. */
static int put_zeros(uint8_t *p, int run) {
    assert(run >= 1 && run <= XZERO_MAX);
    if (run <= ZERO_MAX) {
        p[0] = (uint8_t)(run - 1);
        return 1;
    }
    p[0] = (uint8_t)(0x40 | ((run - 1) >> 8));
    p[1] = (uint8_t)((run - 1) & 0xff);
    return 2;
}

static void reserve(HllStr *h, size_t len) {
    if (len + SLACK <= h->cap) return;
    size_t cap = h->cap * 2 > len + SLACK ? h->cap * 2 : len + SLACK;
    h->p = xrealloc(h->p, cap);
    memset(h->p + h->cap, 0, cap - h->cap);
    h->cap = cap;
}

/* Sets the length, zeroing what lies past it. */
static void set_len(HllStr *h, size_t len) {
    reserve(h, len);
    if (len < h->len) memset(h->p + len, 0, h->len - len);
    h->len = len;
    memset(h->p + len, 0, SLACK);
}

int hllstr_is_hll(const void *p, size_t len) {
    const uint8_t *b = p;
    if (len < HLLSTR_HDR_BYTES || memcmp(b, "HYLL", 4) != 0) return 0;
    if (b[4] > HLLSTR_SPARSE) return 0;
    return b[4] != HLLSTR_DENSE || len == HLLSTR_DENSE_BYTES;
}

void hllstr_init_empty(HllStr *h) {
    memset(h, 0, sizeof *h);
    set_len(h, HLLSTR_HDR_BYTES + 2);
    memcpy(h->p, "HYLL", 4);
    h->p[4] = HLLSTR_SPARSE;
    put_zeros(h->p + HLLSTR_HDR_BYTES, HLL_REGISTERS);
}

void hllstr_init_copy(HllStr *h, const void *p, size_t len) {
    memset(h, 0, sizeof *h);
    set_len(h, len);
    memcpy(h->p, p, len);
}

void hllstr_free(HllStr *h) {
    xfree(h->p);
    memset(h, 0, sizeof *h);
}

int hllstr_encoding(const HllStr *h) {
    return h->p[4];
}

/* ---- dense registers -------------------------------------------------- */

static int dense_get(const uint8_t *regs, int i) {
    size_t bit = (size_t)i * 6, byte = bit / 8;
    int fb = (int)(bit & 7);
    unsigned v = regs[byte] >> fb;
    if (fb > 2) v |= (unsigned)regs[byte + 1] << (8 - fb);
    return (int)(v & 63);
}

static void dense_put(uint8_t *regs, int i, int val) {
    size_t bit = (size_t)i * 6, byte = bit / 8;
    int fb = (int)(bit & 7);
    regs[byte] = (uint8_t)((regs[byte] & ~(63u << fb)) | ((unsigned)val << fb));
    if (fb > 2)
        regs[byte + 1] =
            (uint8_t)((regs[byte + 1] & ~(63u >> (8 - fb))) | ((unsigned)val >> (8 - fb)));
}

int hllstr_dense_get(const HllStr *h, int reg) {
    assert(h->p[4] == HLLSTR_DENSE && reg >= 0 && reg < HLL_REGISTERS);
    return dense_get(h->p + HLLSTR_HDR_BYTES, reg);
}

static int dense_set(uint8_t *regs, int i, int val) {
    if (dense_get(regs, i) >= val) return 0;
    dense_put(regs, i, val);
    return 1;
}

/* ---- sparse ------------------------------------------------------------ */

/* Decodes sparse code p[0..len) into regs (one byte per register, zeroed by
 * the caller, or max-merged when is_max): 0, or HLLSTR_CORRUPT when the
 * opcodes do not cover exactly HLL_REGISTERS registers. p must have a zero
 * byte readable at p[len]. */
static int sparse_walk(const uint8_t *p, size_t len, uint8_t *regs) {
    size_t i = 0, at = 0;
    while (at < len) {
        uint8_t b = p[at];
        if (IS_ZERO(b)) {
            i += ZERO_LEN(b);
            at++;
        } else if (IS_XZERO(b)) {
            i += XZERO_LEN(b, p[at + 1]);
            at += 2;
        } else {
            size_t run = VAL_LEN(b);
            int val = VAL_VALUE(b);
            if (i + run > HLL_REGISTERS) return HLLSTR_CORRUPT;
            for (size_t k = 0; k < run; k++, i++)
                if (regs[i] < val) regs[i] = (uint8_t)val;
            at++;
        }
    }
    return i == HLL_REGISTERS ? 0 : HLLSTR_CORRUPT;
}

int hllstr_to_dense(HllStr *h) {
    if (h->p[4] == HLLSTR_DENSE) return 0;
    uint8_t *regs = xcalloc(HLL_REGISTERS, 1);
    if (sparse_walk(h->p + HLLSTR_HDR_BYTES, h->len - HLLSTR_HDR_BYTES, regs) != 0) {
        xfree(regs);
        return HLLSTR_CORRUPT;
    }
    set_len(h, HLLSTR_DENSE_BYTES);
    h->p[4] = HLLSTR_DENSE;
    uint8_t *dense = h->p + HLLSTR_HDR_BYTES;
    memset(dense, 0, REG_BYTES);
    for (int i = 0; i < HLL_REGISTERS; i++)
        if (regs[i]) dense_put(dense, i, regs[i]);
    xfree(regs);
    return 1;
}

/* Fuses equal neighbouring VAL opcodes, scanning at most five opcodes from
 * offset from of the code (Redis's window). */
static void sparse_fuse(HllStr *h, size_t from) {
    uint8_t *base = h->p + HLLSTR_HDR_BYTES;
    size_t end = h->len - HLLSTR_HDR_BYTES, at = from;
    int budget = 5;
    while (at < end && budget-- > 0) {
        uint8_t b = base[at];
        if (IS_XZERO(b)) {
            at += 2;
            continue;
        }
        if (IS_ZERO(b)) {
            at++;
            continue;
        }
        if (at + 1 < end && !IS_ZERO(base[at + 1]) && !IS_XZERO(base[at + 1])) {
            uint8_t n = base[at + 1];
            int run = VAL_LEN(b) + VAL_LEN(n);
            if (VAL_VALUE(b) == VAL_VALUE(n) && run <= VAL_RUN_MAX) {
                base[at + 1] = val_op(VAL_VALUE(b), run);
                memmove(base + at, base + at + 1, end - at - 1);
                end--;
                set_len(h, HLLSTR_HDR_BYTES + end);
                continue; /* the fused opcode may fuse with the next one too */
            }
        }
        at++;
    }
}

static int promote_and_set(HllStr *h, int reg, int val) {
    if (hllstr_to_dense(h) == HLLSTR_CORRUPT) return HLLSTR_CORRUPT;
    dense_set(h->p + HLLSTR_HDR_BYTES, reg, val);
    return 1;
}

static int sparse_set(HllStr *h, int reg, int val, size_t sparse_max_bytes) {
    if (val > VAL_MAX) return promote_and_set(h, reg, val);
    uint8_t *base = h->p + HLLSTR_HDR_BYTES;
    size_t end = h->len - HLLSTR_HDR_BYTES, at = 0, prev = 0;
    int has_prev = 0;
    long first = 0, span = 0;
    /* the opcode covering reg */
    while (at < end) {
        uint8_t b = base[at];
        size_t oplen = 1;
        if (IS_ZERO(b)) {
            span = ZERO_LEN(b);
        } else if (!IS_XZERO(b)) {
            span = VAL_LEN(b);
        } else {
            span = XZERO_LEN(b, base[at + 1]);
            oplen = 2;
        }
        if (reg <= first + span - 1) break;
        prev = at;
        has_prev = 1;
        at += oplen;
        first += span;
    }
    if (span == 0 || at >= end) return HLLSTR_CORRUPT;

    uint8_t b = base[at];
    int is_zero = IS_ZERO(b), is_xzero = IS_XZERO(b), is_val = !is_zero && !is_xzero;
    size_t oplen = is_xzero ? 2 : 1;
    size_t next = at + oplen;
    int has_next = next < end;
    if (is_val) {
        if (VAL_VALUE(b) >= val) return 0;
        if (span == 1) {
            base[at] = val_op(val, 1);
            goto updated;
        }
    }
    if (is_zero && span == 1) {
        base[at] = val_op(val, 1);
        goto updated;
    }

    /* The general case: the opcode becomes up to five. */
    uint8_t seq[5];
    int n = 0;
    long last = first + span - 1;
    if (is_val) {
        int old = VAL_VALUE(b);
        if (reg != first) seq[n++] = val_op(old, (int)(reg - first));
        seq[n++] = val_op(val, 1);
        if (reg != last) seq[n++] = val_op(old, (int)(last - reg));
    } else {
        if (reg != first) n += put_zeros(seq + n, (int)(reg - first));
        seq[n++] = val_op(val, 1);
        if (reg != last) n += put_zeros(seq + n, (int)(last - reg));
    }
    long delta = n - (long)oplen;
    if (delta > 0 && h->len + (size_t)delta > sparse_max_bytes) return promote_and_set(h, reg, val);
    size_t new_len = (size_t)((long)h->len + delta);
    /* Room for the sequence even where a lone final XZERO byte makes it
     * reach past the new end (the byte past it is then dropped). */
    reserve(h, h->len + 5);
    base = h->p + HLLSTR_HDR_BYTES;
    if (delta && has_next) memmove(base + next + delta, base + next, end - next);
    memcpy(base + at, seq, (size_t)n);
    set_len(h, new_len);
    base = h->p + HLLSTR_HDR_BYTES;

updated:
    sparse_fuse(h, has_prev ? prev : 0);
    hllstr_cache_invalidate(h); /* Redis's sparse edit does this itself */
    return 1;
}

int hllstr_set(HllStr *h, int reg, int val, size_t sparse_max_bytes) {
    assert(reg >= 0 && reg < HLL_REGISTERS && val >= 1 && val <= 63);
    if (h->p[4] == HLLSTR_DENSE) return dense_set(h->p + HLLSTR_HDR_BYTES, reg, val);
    return sparse_set(h, reg, val, sparse_max_bytes);
}

int hllstr_add(HllStr *h, const void *ele, size_t len, size_t sparse_max_bytes) {
    int reg, val;
    hll_hash(ele, len, &reg, &val);
    return hllstr_set(h, reg, val, sparse_max_bytes);
}

/* ---- merging and counting ----------------------------------------------- */

int hllstr_merge_max(uint8_t max[HLL_REGISTERS], const void *p, size_t len) {
    const uint8_t *b = p;
    assert(hllstr_is_hll(p, len));
    if (b[4] == HLLSTR_DENSE) {
        for (int i = 0; i < HLL_REGISTERS; i++) {
            int v = dense_get(b + HLLSTR_HDR_BYTES, i);
            if (v > max[i]) max[i] = (uint8_t)v;
        }
        return 0;
    }
    /* sparse_walk reads one byte past a lone final XZERO byte: copy. */
    HllStr tmp;
    hllstr_init_copy(&tmp, p, len);
    int rc = sparse_walk(tmp.p + HLLSTR_HDR_BYTES, len - HLLSTR_HDR_BYTES, max);
    hllstr_free(&tmp);
    return rc;
}

uint64_t hllstr_count_registers(const uint8_t max[HLL_REGISTERS]) {
    uint64_t hist[HLL_HIST_LEN];
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < HLL_REGISTERS; i++) hist[max[i] & (HLL_HIST_LEN - 1)]++;
    return hll_estimate(hist);
}

int hllstr_count(const void *p, size_t len, uint64_t *out) {
    const uint8_t *b = p;
    assert(hllstr_is_hll(p, len));
    uint64_t hist[HLL_HIST_LEN];
    memset(hist, 0, sizeof hist);
    if (b[4] == HLLSTR_DENSE) {
        for (int i = 0; i < HLL_REGISTERS; i++) hist[dense_get(b + HLLSTR_HDR_BYTES, i)]++;
        *out = hll_estimate(hist);
        return 0;
    }
    /* Unlike a merge, the histogram of a sparse code does not stop at a VAL
     * past the last register: only the total decides. */
    const uint8_t *code = b + HLLSTR_HDR_BYTES;
    size_t n = len - HLLSTR_HDR_BYTES, at = 0;
    uint64_t i = 0;
    while (at < n) {
        uint8_t op = code[at];
        if (IS_ZERO(op)) {
            hist[0] += ZERO_LEN(op);
            i += ZERO_LEN(op);
            at++;
        } else if (IS_XZERO(op)) {
            int run = XZERO_LEN(op, at + 1 < n ? code[at + 1] : 0);
            hist[0] += (uint64_t)run;
            i += (uint64_t)run;
            at += 2;
        } else {
            hist[VAL_VALUE(op)] += VAL_LEN(op);
            i += VAL_LEN(op);
            at++;
        }
    }
    if (i != HLL_REGISTERS) return HLLSTR_CORRUPT;
    *out = hll_estimate(hist);
    return 0;
}

int hllstr_cache_get(const void *p, uint64_t *out) {
    const uint8_t *card = (const uint8_t *)p + 8;
    if (card[7] & 0x80) return 0;
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = (v << 8) | card[k];
    *out = v;
    return 1;
}

void hllstr_cache_set(HllStr *h, uint64_t card) {
    for (int k = 0; k < 8; k++) h->p[8 + k] = (uint8_t)(card >> (8 * k));
}

void hllstr_cache_invalidate(HllStr *h) {
    h->p[15] |= 0x80;
}

char *hllstr_decode(const void *p, size_t len, size_t *out_len) {
    const uint8_t *code = (const uint8_t *)p + HLLSTR_HDR_BYTES;
    size_t n = len - HLLSTR_HDR_BYTES, at = 0, used = 0;
    /* at most "v:32,4 " (7 bytes) per opcode byte, and "Z:16129 " (8) for
     * a lone final XZERO byte */
    char *text = xmalloc(n * 7 + 16);
    while (at < n) {
        uint8_t op = code[at];
        if (IS_ZERO(op)) {
            used += (size_t)sprintf(text + used, "z:%d ", ZERO_LEN(op));
            at++;
        } else if (IS_XZERO(op)) {
            int run = XZERO_LEN(op, at + 1 < n ? code[at + 1] : 0);
            used += (size_t)sprintf(text + used, "Z:%d ", run);
            at += 2;
        } else {
            used += (size_t)sprintf(text + used, "v:%d,%d ", VAL_VALUE(op), VAL_LEN(op));
            at++;
        }
    }
    if (used > 0) used--; /* the last space */
    text[used] = '\0';
    *out_len = used;
    return text;
}
