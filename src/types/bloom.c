/*
 * bloom.c - the scalable Bloom filter (see bloom.h), sized, hashed and laid
 * out as RedisBloom does it, so that a filter here answers, reports and
 * serializes like one in Redis 8.
 *
 * Sizing a link for `entries` items at error rate e:
 *   bpe    = -ln(e) / ln(2)^2                     bits per entry
 *   bits   = floor(entries * bpe)                 (BLOOM_OPT_NOROUND, what
 *            BF.RESERVE/BF.ADD create) or the next power of two above it,
 *            the spare bits then counted as extra entries
 *   bytes  = bits rounded up to a multiple of 64 bits, / 8; bits = bytes * 8
 *   hashes = ceil(ln(2) * bpe)
 * A chain's first link gets half the requested error rate (unless it never
 * scales), each new link half the previous one's, and `growth` times the
 * previous capacity: the sum of the links' error rates stays under the
 * requested one.
 *
 * Hashing: two 64-bit hashes per item, a = MurmurHash64A(item, seed
 * 0xc6a4a7935bd1e995) and b = MurmurHash64A(item, seed a); hash function i
 * picks bit (a + i*b) mod bits. (Filters without BLOOM_OPT_FORCE64, only
 * found in old data, use 32-bit MurmurHash2 the same way.) Bits are numbered
 * LSB first within each byte.
 *
 * SCANDUMP header (packed, little-endian), then one record per link:
 *
 *   off size  field                      link record (53 bytes)
 *   0   8     items in the chain         0   8  bytes of the bit array
 *   8   4     number of links            8   8  bits
 *   12  4     options                    16  8  items in the link
 *   16  4     growth                     24  8  error rate (double)
 *                                        32  8  bits per entry (double)
 *                                        40  4  hashes
 *                                        44  8  capacity (entries)
 *                                        52  1  n2
 *
 * The bit arrays then follow as chunks whose iterator is 1 + the byte
 * offset in the concatenation of all links' arrays.
 */
#include "types/bloom.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bytes.h"
#include "base/murmur.h"

#define LN2             0.693147180559945
#define LN2_SQUARED     0.480453013918201
#define TIGHTENING      0.5
#define HDR_BYTES       20
#define LINK_BYTES      53
#define CHAIN_MEM_BYTES 32 /* RedisBloom's sizeof(SBChain) and sizeof(SBLink): BF.INFO Size */
#define LINK_MEM_BYTES  64

typedef struct Hash2 {
    uint64_t a, b;
} Hash2;

static Hash2 hash_item(const BloomChain *c, const void *item, size_t len) {
    Hash2 h;
    if (c->options & BLOOM_OPT_FORCE64) {
        h.a = murmur64a(item, len, UINT64_C(0xc6a4a7935bd1e995));
        h.b = murmur64a(item, len, h.a);
    } else {
        h.a = murmur2(item, len, 0x9747b28c);
        h.b = murmur2(item, len, (uint32_t)h.a);
    }
    return h;
}

static uint64_t link_mod(const BloomLink *l) {
    return l->n2 ? UINT64_C(1) << l->n2 : l->bits;
}

static int link_check(const BloomLink *l, Hash2 h) {
    uint64_t mod = link_mod(l);
    for (uint32_t i = 0; i < l->hashes; i++) {
        uint64_t x = (h.a + (uint64_t)i * h.b) % mod;
        if (!(l->bf[x >> 3] & (1u << (x & 7)))) return 0;
    }
    return 1;
}

/* Sets the item's bits; 1 if any was clear. */
static int link_add(BloomLink *l, Hash2 h) {
    uint64_t mod = link_mod(l);
    int found_unset = 0;
    for (uint32_t i = 0; i < l->hashes; i++) {
        uint64_t x = (h.a + (uint64_t)i * h.b) % mod;
        uint8_t mask = (uint8_t)(1u << (x & 7));
        if (!(l->bf[x >> 3] & mask)) {
            l->bf[x >> 3] |= mask;
            found_unset = 1;
        }
    }
    return found_unset;
}

static double bits_per_entry(double error) {
    double bpe = -(log(error) / LN2_SQUARED);
    return bpe < 0 ? -bpe : bpe;
}

/* Sizes and allocates link l for entries at error under options. */
static int link_init(BloomLink *l, uint64_t entries, double error, uint32_t options) {
    memset(l, 0, sizeof(*l));
    if (entries < 1 || !(error > 0) || error >= 1.0) return BLOOM_ERR_INVALID;
    l->error = error;
    l->entries = entries;
    l->bpe = bits_per_entry(error);
    uint64_t bits;
    if (options & BLOOM_OPT_ENTS_IS_BITS) {
        if (entries > 63) return BLOOM_ERR_INVALID;
        l->n2 = (uint8_t)entries;
        bits = UINT64_C(1) << l->n2;
        l->entries = (uint64_t)((double)bits / l->bpe);
    } else if (options & BLOOM_OPT_NOROUND) {
        double want = (double)entries * l->bpe;
        if (!(want < 18446744073709551616.0)) return BLOOM_ERR_NOMEM;
        bits = (uint64_t)want;
        if (bits == 0) bits = 1;
    } else {
        double want = (double)entries * l->bpe;
        double bn2 = logb(want);
        if (!(bn2 < 63)) return BLOOM_ERR_INVALID;
        l->n2 = (uint8_t)(bn2 + 1);
        bits = UINT64_C(1) << l->n2;
        uint64_t bit_diff = (uint64_t)((double)bits - want);
        l->entries += (uint64_t)((double)bit_diff / l->bpe);
    }
    l->bytes = bits % 64 ? (bits / 64 + 1) * 8 : bits / 8;
    l->bits = l->bytes * 8;
    l->hashes = (uint32_t)ceil(LN2 * l->bpe);
    if (l->bytes > BLOOM_MAX_LINK_BYTES) return BLOOM_ERR_NOMEM;
    l->bf = xcalloc(1, l->bytes);
    return BLOOM_OK;
}

static int chain_add_link(BloomChain *c, uint64_t entries, double error) {
    BloomLink l;
    int rc = link_init(&l, entries, error, c->options);
    if (rc != BLOOM_OK) return rc;
    c->links = xrealloc(c->links, sizeof(*c->links) * (c->n_links + 1));
    c->links[c->n_links++] = l;
    return BLOOM_OK;
}

BloomChain *bloom_chain_new(uint64_t capacity, double error_rate, uint32_t options, uint32_t growth,
                            int *err) {
    if (capacity == 0 || !(error_rate > 0) || error_rate >= 1) {
        *err = BLOOM_ERR_INVALID;
        return NULL;
    }
    BloomChain *c = xcalloc(1, sizeof(*c));
    c->options = options;
    c->growth = growth;
    double tightening = (options & BLOOM_OPT_NO_SCALING) ? 1 : TIGHTENING;
    *err = chain_add_link(c, capacity, error_rate * tightening);
    if (*err != BLOOM_OK) {
        bloom_chain_free(c);
        return NULL;
    }
    return c;
}

void bloom_chain_free(BloomChain *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->n_links; i++) xfree(c->links[i].bf);
    xfree(c->links);
    xfree(c);
}

BloomChain *bloom_chain_dup(const BloomChain *c) {
    BloomChain *d = xmemdup(c, sizeof(*c));
    d->links = xmemdup(c->links, sizeof(*c->links) * c->n_links);
    for (uint32_t i = 0; i < c->n_links; i++)
        d->links[i].bf = xmemdup(c->links[i].bf, c->links[i].bytes);
    return d;
}

int bloom_chain_check(const BloomChain *c, const void *item, size_t len) {
    Hash2 h = hash_item(c, item, len);
    for (uint32_t i = c->n_links; i-- > 0;)
        if (link_check(&c->links[i], h)) return 1;
    return 0;
}

int bloom_chain_add(BloomChain *c, const void *item, size_t len) {
    Hash2 h = hash_item(c, item, len);
    for (uint32_t i = c->n_links; i-- > 0;)
        if (link_check(&c->links[i], h)) return 0;
    BloomLink *cur = &c->links[c->n_links - 1];
    if (cur->size >= cur->entries) {
        if (c->options & BLOOM_OPT_NO_SCALING) return BLOOM_ERR_FULL;
        if (c->growth == 0 || cur->entries > UINT64_MAX / c->growth || c->n_links == UINT32_MAX)
            return BLOOM_ERR_NOMEM;
        int rc = chain_add_link(c, cur->entries * c->growth, cur->error * TIGHTENING);
        if (rc != BLOOM_OK) return BLOOM_ERR_NOMEM;
        cur = &c->links[c->n_links - 1];
    }
    if (!link_add(cur, h)) return 0;
    cur->size++;
    c->size++;
    return 1;
}

uint64_t bloom_chain_capacity(const BloomChain *c) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < c->n_links; i++) n += c->links[i].entries;
    return n;
}

uint64_t bloom_chain_mem_usage(const BloomChain *c) {
    uint64_t n = CHAIN_MEM_BYTES + (uint64_t)LINK_MEM_BYTES * c->n_links;
    for (uint32_t i = 0; i < c->n_links; i++) n += c->links[i].bytes;
    return n;
}

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t double_bits(double d) {
    uint64_t v;
    memcpy(&v, &d, 8);
    return v;
}

static double bits_double(uint64_t v) {
    double d;
    memcpy(&d, &v, 8);
    return d;
}

uint8_t *bloom_chain_header(const BloomChain *c, size_t *len) {
    *len = HDR_BYTES + (size_t)LINK_BYTES * c->n_links;
    uint8_t *p = xcalloc(1, *len);
    put_le(p, c->size, 8);
    put_le(p + 8, c->n_links, 4);
    put_le(p + 12, c->options, 4);
    put_le(p + 16, c->growth, 4);
    for (uint32_t i = 0; i < c->n_links; i++) {
        const BloomLink *l = &c->links[i];
        uint8_t *q = p + HDR_BYTES + (size_t)LINK_BYTES * i;
        put_le(q, l->bytes, 8);
        put_le(q + 8, l->bits, 8);
        put_le(q + 16, l->size, 8);
        put_le(q + 24, double_bits(l->error), 8);
        put_le(q + 32, double_bits(l->bpe), 8);
        put_le(q + 40, l->hashes, 4);
        put_le(q + 44, l->entries, 8);
        q[52] = l->n2;
    }
    return p;
}

int bloom_link_validate(const BloomLink *l) {
    if (!isfinite(l->error) || !(l->error > 0) || l->error >= 1.0) return -1;
    /* bpe bounds keep ceil() below in int range; a real bpe is at most
     * -ln(DBL_TRUE_MIN)/ln(2)^2, about 1551. */
    if (!isfinite(l->bpe) || !(l->bpe > 0) || l->bpe > 4096) return -1;
    if (l->n2 > 63 || (l->n2 != 0 && l->bits < (UINT64_C(1) << l->n2))) return -1;
    if (l->bits == 0 || l->bytes > UINT64_MAX / 8 || l->bits != l->bytes * 8) return -1;
    if (l->hashes != (uint32_t)(int)ceil(LN2 * l->bpe)) return -1;
    return 0;
}

int bloom_chain_validate(const BloomChain *c) {
    if (c->options & ~(uint32_t)BLOOM_OPT_ALL) return -1;
    uint64_t total = 0;
    for (uint32_t i = 0; i < c->n_links; i++) {
        if (c->links[i].size > UINT64_MAX - total) return -1;
        total += c->links[i].size;
    }
    return total == c->size ? 0 : -1;
}

BloomChain *bloom_chain_from_header(const uint8_t *p, size_t len, int *err) {
    *err = BLOOM_ERR_INVALID;
    if (len < HDR_BYTES) return NULL;
    uint64_t n = get_le(p + 8, 4);
    if (n == 0) return NULL;
    size_t want = HDR_BYTES + (size_t)LINK_BYTES * n;
    if (len == want + 16) {
        /* RedisBloom's optional hash configuration: only the legacy
         * mapping (all zero), the one this server hashes with, loads. */
        for (size_t i = want; i < len; i++)
            if (p[i]) return NULL;
    } else if (len != want) {
        return NULL;
    }
    BloomChain *c = xcalloc(1, sizeof(*c));
    c->size = get_le(p, 8);
    c->options = (uint32_t)get_le(p + 12, 4);
    c->growth = (uint32_t)get_le(p + 16, 4);
    c->links = xcalloc(n, sizeof(*c->links));
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *q = p + HDR_BYTES + LINK_BYTES * i;
        BloomLink *l = &c->links[i];
        l->bytes = get_le(q, 8);
        l->bits = get_le(q + 8, 8);
        l->size = get_le(q + 16, 8);
        l->error = bits_double(get_le(q + 24, 8));
        l->bpe = bits_double(get_le(q + 32, 8));
        l->hashes = (uint32_t)get_le(q + 40, 4);
        l->entries = get_le(q + 44, 8);
        l->n2 = q[52];
        if (bloom_link_validate(l) != 0) goto bad;
        total += l->bytes;
        if (l->bytes > BLOOM_MAX_LINK_BYTES || total > BLOOM_MAX_HEADER_BYTES) {
            *err = BLOOM_ERR_NOMEM;
            goto bad;
        }
        c->n_links++;
    }
    if (bloom_chain_validate(c) != 0) goto bad;
    /* the bit arrays only once the whole header is known to be sound */
    for (uint32_t i = 0; i < c->n_links; i++) c->links[i].bf = xcalloc(1, c->links[i].bytes);
    *err = BLOOM_OK;
    return c;
bad:
    bloom_chain_free(c);
    return NULL;
}

/* The link holding byte iter-1 of the concatenated arrays, *offset into it. */
static BloomLink *link_at(const BloomChain *c, long long iter, uint64_t *offset) {
    if (iter < 1) return NULL;
    uint64_t pos = (uint64_t)iter - 1, seek = 0;
    for (uint32_t i = 0; i < c->n_links; i++) {
        if (seek + c->links[i].bytes > pos) {
            *offset = pos - seek;
            return &c->links[i];
        }
        seek += c->links[i].bytes;
    }
    return NULL;
}

const uint8_t *bloom_chain_chunk(const BloomChain *c, long long *iter, size_t *len, size_t max) {
    uint64_t offset = 0;
    BloomLink *l = link_at(c, *iter, &offset);
    if (!l) {
        *iter = 0;
        *len = 0;
        return NULL;
    }
    uint64_t remaining = l->bytes - offset;
    *len = remaining < max ? (size_t)remaining : max;
    *iter += (long long)*len;
    return l->bf + offset;
}

int bloom_chain_load_chunk(BloomChain *c, long long iter, const uint8_t *p, size_t len,
                           const char **errmsg) {
    if (iter <= 0 || (uint64_t)iter < len) {
        *errmsg = "ERR received bad data";
        return -1;
    }
    uint64_t offset = 0;
    BloomLink *l = link_at(c, iter - (long long)len, &offset);
    if (!l) {
        *errmsg = "ERR invalid offset - no link found";
        return -1;
    }
    if (len > l->bytes - offset) {
        *errmsg = "ERR invalid chunk - Too big for current filter";
        return -1;
    }
    if (len) memcpy(l->bf + offset, p, len);
    return 0;
}
