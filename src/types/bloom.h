/*
 * bloom.h - the scalable Bloom filter behind BF.* (Redis 8's "MBbloom--"
 * type, RedisBloom's SBChain): a chain of plain Bloom filters ("links"),
 * each sized for a number of entries at an error rate, a new and bigger link
 * added when the newest is full.
 *
 * A pure data structure: no clients, no replies, no server state. The
 * sizing, the hashing and the serialized layouts follow RedisBloom exactly
 * (see bloom.c), so BF.INFO figures, false positives, BF.SCANDUMP chunks and
 * RDB fields match a real Redis 8.
 *
 * Views returned by bloom_chain_chunk() borrow the chain: valid until the
 * next change of it.
 */
#ifndef STREAMD_BLOOM_H
#define STREAMD_BLOOM_H

#include <stddef.h>
#include <stdint.h>

/* Chain options (RedisBloom's numbering: they are saved in RDB files and
 * SCANDUMP headers). */
#define BLOOM_OPT_NOROUND      1 /* bits sized exactly, not rounded to a power of two */
#define BLOOM_OPT_ENTS_IS_BITS 2 /* capacity given as log2 of the bits */
#define BLOOM_OPT_FORCE64      4 /* 64-bit MurmurHash64A double hashing */
#define BLOOM_OPT_NO_SCALING   8 /* full is full: no new link */
#define BLOOM_OPT_ALL          15

/* A sub-filter allocation above this many bytes is refused ("Insufficient
 * memory") rather than attempted: Redis's try-allocation fails softly where
 * streamd's allocator would abort. */
#define BLOOM_MAX_LINK_BYTES (UINT64_C(4) << 30)
/* ... and a SCANDUMP header asking for more than this in all is refused. */
#define BLOOM_MAX_HEADER_BYTES (UINT64_C(16) << 30)

typedef struct BloomLink {
    uint64_t entries; /* capacity of this link */
    double error;     /* its error rate */
    double bpe;       /* bits per entry, from error */
    uint32_t hashes;  /* hash functions */
    uint8_t n2;       /* log2 of the bits when a power of two, else 0 */
    uint64_t bytes;   /* size of bf */
    uint64_t bits;    /* bytes * 8 */
    uint64_t size;    /* items added to this link */
    uint8_t *bf;      /* the bit array, owned */
} BloomLink;

typedef struct BloomChain {
    BloomLink *links; /* oldest first */
    uint32_t n_links;
    uint32_t options; /* BLOOM_OPT_* */
    uint32_t growth;  /* capacity factor of the next link (EXPANSION) */
    uint64_t size;    /* items added, all links */
} BloomChain;

enum {
    BLOOM_OK = 0,
    BLOOM_ERR_INVALID = -1, /* sizes out of range */
    BLOOM_ERR_NOMEM = -2,   /* a link too big to allocate */
    BLOOM_ERR_FULL = -3,    /* a non-scaling chain is full */
};

/* Returns an owned chain with one empty link for capacity items at
 * error_rate (tightened by half unless non-scaling); NULL with *err set
 * (BLOOM_ERR_INVALID, BLOOM_ERR_NOMEM). Free with bloom_chain_free(). */
BloomChain *bloom_chain_new(uint64_t capacity, double error_rate, uint32_t options, uint32_t growth,
                            int *err);
void bloom_chain_free(BloomChain *c);
/* Returns an owned deep copy of c. */
BloomChain *bloom_chain_dup(const BloomChain *c);
/* 1 if item was new (bits set), 0 if it was (probably) there, or
 * BLOOM_ERR_FULL / BLOOM_ERR_NOMEM (nothing changed). */
int bloom_chain_add(BloomChain *c, const void *item, size_t len);
/* 1 if item is (probably) in c, 0 if surely not. */
int bloom_chain_check(const BloomChain *c, const void *item, size_t len);
/* Sum of the links' capacities (BF.INFO Capacity). */
uint64_t bloom_chain_capacity(const BloomChain *c);
/* RedisBloom's own size figure (BF.INFO Size, MEMORY USAGE). */
uint64_t bloom_chain_mem_usage(const BloomChain *c);

/* SCANDUMP header: RedisBloom's packed little-endian layout (bloom.c).
 * Returns owned bytes (xfree), *len set. */
uint8_t *bloom_chain_header(const BloomChain *c, size_t *len);
/* A chain (all bits zero) from a header; NULL if the header is malformed or
 * inconsistent, or a link too big (*err BLOOM_ERR_NOMEM). */
BloomChain *bloom_chain_from_header(const uint8_t *p, size_t len, int *err);
/* The chunk of bits at SCANDUMP iterator *iter (>= 1), at most max bytes,
 * never crossing a link: returns a view and advances *iter past it, or
 * returns NULL with *iter = 0 at the end. */
const uint8_t *bloom_chain_chunk(const BloomChain *c, long long *iter, size_t *len, size_t max);
/* LOADCHUNK: copies len bytes that SCANDUMP returned with iterator iter (the
 * position after them). 0, or -1 with *errmsg the reply text. */
int bloom_chain_load_chunk(BloomChain *c, long long iter, const uint8_t *p, size_t len,
                           const char **errmsg);
/* Whether a link read back (RDB) is consistent: 0 if so. */
int bloom_link_validate(const BloomLink *l);
/* Whether a chain read back is consistent (options, item sums): 0 if so. */
int bloom_chain_validate(const BloomChain *c);

#endif
