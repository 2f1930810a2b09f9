/*
 * idmp.c - per-stream idempotency state: producers, their recent iids, the
 * stream ID each iid was added under, eviction by age and by count.
 *
 * Layout.
 *
 *   Idmp
 *    ├─ producers: open-addressing table of Producer*, keyed by pid
 *    └─ Producer
 *        ├─ ring:  Rec[], the producer's iids in insertion order, oldest at
 *        │         the head; capacity doubles up to maxsize
 *        └─ slots: table of ring indexes keyed by iid: buckets of 16 32-bit
 *                  words (one cache line), 15 slots (18 bits of the hash |
 *                  index + 1) and an overflow count
 *   Rec = { stream ID, 32 bits of the hash, its slot's position, iid bytes
 *           inline (<= 39) or pointer + length }: 64 bytes, one cache line
 *
 * Both tables are keyed with a folded-multiply hash under a per-Idmp random
 * key (see key_hash()), so a client choosing iids cannot aim them at one
 * bucket or probe run. The producers table (few entries, looked up once per
 * command at most) uses linear probing with backward-shift deletion. The
 * iid table, on every IDMP XADD's path (a lookup, which also finds the free
 * slot the insert will take, and an eviction), is bucketed: a bucket's slots
 * are compared all at once, so each operation takes a fixed few branches.
 * Its first version used linear probing too; the probe loops' random lengths
 * were mispredicted branches that made eviction the costliest step of an add
 * (see bucket_match() for the bucket format and overflow).
 * Slots keep hash bits, so a lookup reads a record only on a tag match
 * (1 in 2^18 otherwise), and at maxsize 100 the table is 1 KB.
 *
 * Cost. The add of a busy producer (the steady state: full ring, one iid
 * evicted per add) writes the new record over the oldest one (the head is
 * the tail's place in a full ring), frees the old slot where the record says
 * it is, takes a free slot in the new iid's bucket, and allocates nothing for
 * iids of up to 39 bytes. The producer of the previous call is remembered,
 * so a run of messages from one producer hashes only the iid, once: the key
 * (IdmpKey) carries the hash and the producer from the lookup to the add,
 * and the add skips its own lookups when nothing changed since a lookup
 * found no record. A first version with one allocation per iid,
 * pointer-only slots and two lookups per XADD cost twice as much; the
 * in-place replacement, the stored slot position and the multiply hash
 * (instead of SipHash-1-2) took another third off the library's share.
 *
 * Time. An iid's age is the ms part of its stream ID, not a clock reading:
 * IDMP only works with auto-generated IDs, whose ms part is the insertion
 * time (or the stream's last ms when the clock is behind it), and it makes
 * replay deterministic: rebuilding the state from (pid, iid, ID) records
 * gives every iid the age it had. An iid is expired when ms <= now - duration.
 * Order. A producer's ring is in insertion order, as Redis's per-producer
 * list is: capacity eviction drops the oldest insertion, and expiry drops
 * expired iids from the head up to the first one that is not (Redis's cron
 * stops there too). The two orders differ only when an iid is recorded
 * under an older entry than the producer's newest (XIDMPRECORD): such an
 * iid outlives its age while a younger one is ahead of it, and goes first
 * when the producer is full.
 *
 * Expiry is lazy: a lookup ignores an iid in its producer's expired head,
 * an add purges its own producer first and then looks at two more producer
 * slots round-robin (so
 * producers that stopped writing are freed over time without a timer), and
 * idmp_expire() purges everything before XINFO counts. Expired entries may
 * therefore sit in memory until the next write, never longer than the next
 * write plus one pass of the incremental sweep; the logical state (what a
 * lookup or XINFO sees at a given time) never depends on when purging ran.
 *
 * Rejected: one stream-wide time-ordered list (Redis's design) makes active
 * expiry a head pop but capacity eviction a removal from the middle, which a
 * ring cannot do in O(1); a tree per producer gives ordered iteration we do
 * not need at O(log n) per lookup; a single table keyed by (pid, iid) makes
 * XCFGSET's clear and producer removal a scan; a ring sorted by stream ID
 * (cheaper to expire, but an XIDMPRECORD of an older entry made it evict
 * another iid than Redis does). A replaced mapping shifts the ring and
 * rebuilds the producer's table: O(maxsize), on a path that is rare.
 *
 * Invariants (idmp_check() verifies them; the unit tests call it):
 *   - every record in a ring has exactly one slot in that producer's table,
 *     which holds its ring index, and each bucket's overflow count is the
 *     number of slots placed past it from a home at or before it;
 *   - a ring holds at most maxsize entries, and its capacity never exceeds
 *     maxsize;
 *   - no producer with an empty ring stays in the producers table after the
 *     operation that emptied it returns;
 *   - n_iids is the total of the rings' counts.
 *
 * IDMPAUTO hashes the message content to a 16-byte iid; see idmp_auto_iid().
 */
#include "stream/idmp.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/alloc.h"
#include "base/bytes.h"

/* ---- SipHash ------------------------------------------------------------ */

/* SipHash-2-4 (Aumasson, Bernstein) as specified by its authors, incremental,
 * with the 128-bit output: IDMPAUTO's content hash. */
typedef struct Sip {
    uint64_t v0, v1, v2, v3;
    uint64_t tail;  /* pending bytes, little-endian */
    uint64_t total; /* bytes absorbed so far */
    unsigned n_tail;
} Sip;

static inline uint64_t rotl64(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

static inline void store_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline __attribute__((always_inline)) void sip_rounds(Sip *s, int n) {
    for (int i = 0; i < n; i++) {
        s->v0 += s->v1;
        s->v1 = rotl64(s->v1, 13);
        s->v1 ^= s->v0;
        s->v0 = rotl64(s->v0, 32);
        s->v2 += s->v3;
        s->v3 = rotl64(s->v3, 16);
        s->v3 ^= s->v2;
        s->v0 += s->v3;
        s->v3 = rotl64(s->v3, 21);
        s->v3 ^= s->v0;
        s->v2 += s->v1;
        s->v1 = rotl64(s->v1, 17);
        s->v1 ^= s->v2;
        s->v2 = rotl64(s->v2, 32);
    }
}

static inline __attribute__((always_inline)) void sip_compress(Sip *s, uint64_t m, int c) {
    s->v3 ^= m;
    sip_rounds(s, c);
    s->v0 ^= m;
}

static inline __attribute__((always_inline)) void sip_init(Sip *s, const unsigned char key[16]) {
    uint64_t k0 = bytes_le64(key), k1 = bytes_le64(key + 8);
    s->v0 = 0x736f6d6570736575ULL ^ k0;
    s->v1 = 0x646f72616e646f6dULL ^ k1 ^ 0xee; /* the 128-bit output's variant */
    s->v2 = 0x6c7967656e657261ULL ^ k0;
    s->v3 = 0x7465646279746573ULL ^ k1;
    s->tail = 0;
    s->total = 0;
    s->n_tail = 0;
}

static void sip_update(Sip *s, const void *data, size_t len) {
    const unsigned char *p = data;
    s->total += len;
    while (s->n_tail && len) {
        s->tail |= (uint64_t)*p++ << (8 * s->n_tail);
        len--;
        if (++s->n_tail == 8) {
            sip_compress(s, s->tail, 2);
            s->tail = 0;
            s->n_tail = 0;
        }
    }
    for (; len >= 8; p += 8, len -= 8) sip_compress(s, bytes_le64(p), 2);
    while (len--) s->tail |= (uint64_t)*p++ << (8 * s->n_tail++);
}

/* Absorbs the length block and computes the first half of a 128-bit
 * result. */
static uint64_t sip_final_lo(Sip *s) {
    sip_compress(s, s->tail | (s->total << 56), 2);
    s->v2 ^= 0xee;
    sip_rounds(s, 4);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static void sip_final128(Sip *s, unsigned char out[16]) {
    store_le64(out, sip_final_lo(s));
    s->v1 ^= 0xdd;
    sip_rounds(s, 4);
    store_le64(out + 8, s->v0 ^ s->v1 ^ s->v2 ^ s->v3);
}

/* SipHash-2-4 with a 128-bit output into out. Borrows everything. */
void idmp_siphash128(const unsigned char key[16], const void *p, size_t len,
                     unsigned char out[16]) {
    Sip s;
    sip_init(&s, key);
    sip_update(&s, p, len);
    sip_final128(&s, out);
}

/* ---- Types -------------------------------------------------------------- */

#define INLINE_MAX  39   /* iid bytes kept inside the record */
#define OUT_OF_LINE 0xff /* in[INLINE_MAX] of a record whose iid is allocated */

/* One tracked iid in one cache line. iids of up to 39 bytes (UUIDs, counters,
 * IDMPAUTO's 16 bytes) live in the record; longer ones are allocated. */
typedef struct Rec {
    StreamId id;
    uint32_t hash; /* the table hash, packed (see packed_hash()) */
    uint16_t slot; /* where in the producer's iid table its slot is */
    uint16_t unused;
    union {
        unsigned char in[INLINE_MAX + 1]; /* the bytes; the length in in[INLINE_MAX] */
        struct {
            unsigned char *p;
            size_t len;
        } out;
    } u;
} Rec;

_Static_assert(sizeof(Rec) == 64, "a record is one cache line");

typedef struct Producer {
    uint64_t hash;   /* first: read by the producers table */
    Rec *ring;       /* cap records; count of them in use, oldest at head */
    uint32_t *slots; /* iid table: mask + 1 buckets of BUCKET_SLOTS words (see bucket_match) */
    uint32_t cap, head, count;
    uint32_t mask; /* iid table buckets - 1 */
    size_t pid_len;
    unsigned char pid[];
} Producer;

/* Open addressing over producers; slots is NULL while empty. */
typedef struct Table {
    Producer **slots;
    uint32_t mask; /* capacity - 1 */
    uint32_t used;
} Table;

struct Idmp {
    uint32_t duration_s;
    uint32_t maxsize;
    uint64_t iids_added;
    uint64_t iids_duplicates;
    uint64_t n_iids;
    Table producers;
    Producer *last;   /* the producer of the last lookup or add, or NULL */
    uint64_t version; /* moves on every change of the tracked iids */
    uint32_t sweep;   /* next producer slot the incremental sweep visits */
    uint64_t hkey[4]; /* the table hash's key (see key_hash()) */
    size_t mem_bytes;
};

#define BUCKET_SLOTS 16 /* words per iid table bucket: 64 bytes */

/* Bytes of an iid table of nb buckets. */
static inline size_t table_bytes(uint32_t nb) {
    return (size_t)nb * BUCKET_SLOTS * sizeof(uint32_t);
}

#define SLOT_NONE           UINT32_MAX
#define TABLE_MIN_CAP       4u
#define RING_MIN_CAP        4u
#define SWEEP_SLOTS_PER_ADD 2

/* The high and low halves of the 128-bit product of a and b, XOR-ed. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b) {
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The table hash of s: a keyed folded-multiply hash (the construction of
 * wyhash and foldhash). The bytes are read as two words, a and b (for up to
 * 16 bytes: overlapping loads, a one-to-one encoding for each length; longer
 * strings fold each 16-byte block into a running state first), each is
 * XOR-ed with a key word and their 128-bit product folded to 64 bits, then
 * the length and a second fold spread every input bit over both ends of the
 * result (the bucket comes from the low bits, the tag from the high ones).
 * The four key words are random per state, so a client that cannot read
 * them cannot aim iids at one bucket, and the damage if it could is bounded
 * anyway: a producer's table holds at most maxsize iids. It replaced
 * SipHash-1-2, which cost a tenth of an IDMP XADD; a short iid now costs
 * two multiplications. */
static inline __attribute__((always_inline)) uint64_t key_hash(const Idmp *m, Slice s) {
    const unsigned char *p = (const unsigned char *)s.p;
    size_t n = s.len;
    uint64_t a, b, acc = m->hkey[2];
    if (n > 16) {
        size_t i = 0;
        for (; n - i > 16; i += 16)
            acc = fold_mul(bytes_le64(p + i) ^ m->hkey[0], bytes_le64(p + i + 8) ^ acc);
        a = bytes_le64(p + n - 16);
        b = bytes_le64(p + n - 8);
    } else if (n >= 8) {
        a = bytes_le64(p);
        b = bytes_le64(p + n - 8);
    } else if (n >= 4) {
        a = bytes_le32(p);
        b = bytes_le32(p + n - 4);
    } else {
        a = n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
        b = 0;
    }
    uint64_t h = fold_mul(a ^ m->hkey[0], b ^ acc ^ m->hkey[1]);
    return fold_mul(h ^ m->hkey[3], (uint64_t)n ^ 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t duration_ms(const Idmp *m) {
    return (uint64_t)m->duration_s * 1000u;
}

/* The ms part below which an entry is expired at now_ms (0: none is). */
static inline uint64_t expiry_bound(const Idmp *m, int64_t now_ms) {
    uint64_t d = duration_ms(m);
    if (now_ms < 0 || (uint64_t)now_ms < d) return 0;
    return (uint64_t)now_ms - d + 1;
}

static inline int is_expired(const Idmp *m, StreamId id, int64_t now_ms) {
    return id.ms < expiry_bound(m, now_ms);
}

/* ---- Records ------------------------------------------------------------- */

/* n bytes at a and b are equal: slice_eq(), inline up to 16 bytes (pids
 * and iids are short; a call to memcmp() was a tenth of an IDMP XADD's
 * library time: the pid with the last producer's on every add, the iid on a
 * tag match). */
static inline int bytes_eq(const void *a, const void *b, size_t n) {
    return slice_eq(slice_of((const char *)a, n), slice_of((const char *)b, n));
}

static inline int rec_is_out(const Rec *r) {
    return r->u.in[INLINE_MAX] == OUT_OF_LINE;
}

static inline size_t rec_len(const Rec *r) {
    return rec_is_out(r) ? r->u.out.len : r->u.in[INLINE_MAX];
}

static inline const unsigned char *rec_iid(const Rec *r) {
    return rec_is_out(r) ? r->u.out.p : r->u.in;
}

static inline int rec_eq(const Rec *r, uint32_t h, Slice iid) {
    return r->hash == h && rec_len(r) == iid.len && bytes_eq(rec_iid(r), iid.p, iid.len);
}

/* Copies the n <= INLINE_MAX bytes at src to dst, inline: two overlapping
 * moves of a fixed size, as the length allows (a call to memcpy() cost as
 * much as the rest of the copy). */
static inline void copy_short(unsigned char *dst, const unsigned char *src, size_t n) {
    assert(n <= INLINE_MAX);
    if (n >= 16) {
        memcpy(dst, src, 16);
        if (n > 32) memcpy(dst + 16, src + 16, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n) {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

static inline __attribute__((always_inline)) void rec_set(Idmp *m, Rec *r, Slice iid, uint32_t h,
                                                          StreamId id) {
    /* Field by field: a struct copy made gcc spill id through the stack
     * with a 16-byte reload, a store-forwarding stall on every add. */
    r->id.ms = id.ms;
    r->id.seq = id.seq;
    r->hash = h;
    if (iid.len <= INLINE_MAX) {
        copy_short(r->u.in, (const unsigned char *)iid.p, iid.len);
        r->u.in[INLINE_MAX] = (unsigned char)iid.len;
    } else {
        r->u.out.p = xmemdup(iid.p, iid.len);
        r->u.out.len = iid.len;
        r->u.in[INLINE_MAX] = OUT_OF_LINE;
        m->mem_bytes += iid.len;
    }
}

static void rec_release(Idmp *m, Rec *r) {
    if (!rec_is_out(r)) return;
    m->mem_bytes -= r->u.out.len;
    xfree(r->u.out.p);
}

/* ---- A producer's ring and iid table ------------------------------------- */

static inline uint32_t ring_phys(const Producer *p, uint32_t i) {
    assert(i < p->cap);
    uint32_t k = p->head + i;
    return k >= p->cap ? k - p->cap : k;
}

static inline Rec *rec_at(const Producer *p, uint32_t i) {
    assert(i < p->count);
    return &p->ring[ring_phys(p, i)];
}

/* The iid table: buckets of BUCKET_SLOTS 32-bit words, one cache line each.
 * Words 0..BUCKET_SLOTS-2 are slots: 0 when free, else TAG_BITS of the hash
 * (bits the bucket choice does not use) over IDX_BITS holding the ring
 * index + 1. The last word counts the entries that wanted this bucket or an
 * earlier one but were placed past it (the bucket was full when they came):
 * a lookup goes on to the next bucket only while that count is not zero, and
 * a removal decrements the counts it walks over, so there are no tombstones.
 * A bucket is searched by comparing all its slots at once (SSE2 where the
 * compiler has it), so a lookup, an insert and a removal each take a fixed
 * few branches instead of a probe loop whose random length the processor
 * mispredicts: with linear probing those loops were most of an add. */
#define IDX_BITS        14
#define TAG_BITS        (32 - IDX_BITS)
#define BUCKET_ENTRIES  (BUCKET_SLOTS - 1)
#define BUCKET_OVERFLOW (BUCKET_SLOTS - 1)
#define ENTRIES_MASK    ((1u << BUCKET_ENTRIES) - 1)
_Static_assert(IDMP_MAXSIZE_MAX < (1u << IDX_BITS), "a ring index + 1 fits IDX_BITS");

/* The 32 bits of a table hash h that the iid table uses, as records and keys
 * keep them: the top TAG_BITS of h (the tag) over its low IDX_BITS (the
 * bucket choice takes at most IDX_BITS bits, see the assertion after
 * table_buckets()). */
static inline uint32_t packed_hash(uint64_t h) {
    return (uint32_t)(h >> (64 - TAG_BITS)) << IDX_BITS | ((uint32_t)h & ((1u << IDX_BITS) - 1));
}

/* The tag of packed hash h: its TAG_BITS the bucket choice does not use, so
 * a tag match among a bucket's entries is a match of 18 more bits. Never 0
 * (0 becomes 1), so that a tag comparison cannot match a free slot. */
static inline uint32_t slot_tag(uint32_t h) {
    uint32_t t = h >> IDX_BITS;
    return t | (t == 0);
}

static inline uint32_t slot_make(uint32_t h, uint32_t idx) {
    assert(idx + 1 < (1u << IDX_BITS));
    return slot_tag(h) << IDX_BITS | (idx + 1);
}

static inline uint32_t slot_idx(uint32_t s) {
    return (s & ((1u << IDX_BITS) - 1)) - 1;
}

static inline uint32_t *bucket_at(const Producer *p, uint32_t b) {
    return p->slots + (size_t)b * BUCKET_SLOTS;
}

static inline uint32_t home_bucket(const Producer *p, uint32_t h) {
    return h & p->mask;
}

/* Bit i set for each slot i of bucket bk (not its overflow word) whose
 * value, masked with mask, equals want. */
static inline uint32_t bucket_match(const uint32_t *bk, uint32_t mask, uint32_t want) {
#if defined(__SSE2__)
    /* Four compares of four words; the all-ones / all-zeros results are
     * narrowed (saturating packs keep them) to one byte per word, which one
     * movemask turns into the 16 bits. */
    __m128i m = _mm_set1_epi32((int)mask), w = _mm_set1_epi32((int)want);
    const __m128i *v = (const __m128i *)(const void *)bk;
    __m128i e0 = _mm_cmpeq_epi32(_mm_and_si128(_mm_loadu_si128(v), m), w);
    __m128i e1 = _mm_cmpeq_epi32(_mm_and_si128(_mm_loadu_si128(v + 1), m), w);
    __m128i e2 = _mm_cmpeq_epi32(_mm_and_si128(_mm_loadu_si128(v + 2), m), w);
    __m128i e3 = _mm_cmpeq_epi32(_mm_and_si128(_mm_loadu_si128(v + 3), m), w);
    __m128i all = _mm_packs_epi16(_mm_packs_epi32(e0, e1), _mm_packs_epi32(e2, e3));
    return (uint32_t)_mm_movemask_epi8(all) & ENTRIES_MASK;
#else
    uint32_t bits = 0;
    for (int i = 0; i < BUCKET_ENTRIES; i++) bits |= (uint32_t)((bk[i] & mask) == want) << i;
    return bits;
#endif
}

/* bucket_match() of the tag bits with want, and (into *free_bits) of the
 * free slots, from one read of the bucket. */
static inline uint32_t bucket_match_tag_free(const uint32_t *bk, uint32_t want,
                                             uint32_t *free_bits) {
#if defined(__SSE2__)
    __m128i m = _mm_set1_epi32((int)~((1u << IDX_BITS) - 1)), w = _mm_set1_epi32((int)want);
    __m128i z = _mm_setzero_si128();
    const __m128i *v = (const __m128i *)(const void *)bk;
    __m128i v0 = _mm_loadu_si128(v), v1 = _mm_loadu_si128(v + 1);
    __m128i v2 = _mm_loadu_si128(v + 2), v3 = _mm_loadu_si128(v + 3);
    __m128i t = _mm_packs_epi16(_mm_packs_epi32(_mm_cmpeq_epi32(_mm_and_si128(v0, m), w),
                                                _mm_cmpeq_epi32(_mm_and_si128(v1, m), w)),
                                _mm_packs_epi32(_mm_cmpeq_epi32(_mm_and_si128(v2, m), w),
                                                _mm_cmpeq_epi32(_mm_and_si128(v3, m), w)));
    __m128i f = _mm_packs_epi16(_mm_packs_epi32(_mm_cmpeq_epi32(v0, z), _mm_cmpeq_epi32(v1, z)),
                                _mm_packs_epi32(_mm_cmpeq_epi32(v2, z), _mm_cmpeq_epi32(v3, z)));
    *free_bits = (uint32_t)_mm_movemask_epi8(f) & ENTRIES_MASK;
    return (uint32_t)_mm_movemask_epi8(t) & ENTRIES_MASK;
#else
    *free_bits = bucket_match(bk, UINT32_MAX, 0);
    return bucket_match(bk, ~((1u << IDX_BITS) - 1), want);
#endif
}

/* Slot (index into p->slots) of the record for iid, or SLOT_NONE; then
 * *free_at is a free slot of the iid's home bucket (where iid_put() would
 * put it), or SLOT_NONE. */
static inline __attribute__((always_inline)) uint32_t iid_find(const Producer *p, Slice iid,
                                                               uint32_t h, uint32_t *free_at) {
    uint32_t want = slot_tag(h) << IDX_BITS, b = home_bucket(p, h), free_bits;
    const uint32_t *bk = bucket_at(p, b);
    uint32_t bits = bucket_match_tag_free(bk, want, &free_bits);
    *free_at = free_bits ? b * BUCKET_SLOTS + (uint32_t)__builtin_ctz(free_bits) : SLOT_NONE;
    for (;;) {
        for (; bits; bits &= bits - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(bits);
            if (rec_eq(&p->ring[slot_idx(bk[i])], h, iid)) return b * BUCKET_SLOTS + i;
        }
        if (bk[BUCKET_OVERFLOW] == 0) return SLOT_NONE;
        b = (b + 1) & p->mask;
        bk = bucket_at(p, b);
        bits = bucket_match(bk, ~((1u << IDX_BITS) - 1), want);
    }
}

/* Slot (index into p->slots) of the record for iid, or SLOT_NONE. */
static uint32_t iid_lookup(const Producer *p, Slice iid, uint32_t h) {
    uint32_t free_at;
    return iid_find(p, iid, h, &free_at);
}

/* Gives the record at ring index idx (packed hash h) a slot, and the record
 * the slot's position. */
static void iid_put(Producer *p, uint32_t h, uint32_t idx) {
    uint32_t b = home_bucket(p, h);
    for (;;) {
        uint32_t *bk = bucket_at(p, b);
        uint32_t free_bits = bucket_match(bk, UINT32_MAX, 0);
        if (free_bits) {
            uint32_t i = (uint32_t)__builtin_ctz(free_bits);
            bk[i] = slot_make(h, idx);
            p->ring[idx].slot = (uint16_t)(b * BUCKET_SLOTS + i);
            return;
        }
        bk[BUCKET_OVERFLOW]++;
        b = (b + 1) & p->mask;
    }
}

/* iid_put() into slot `at`, free and in h's home bucket (from iid_find()),
 * or when `at` is SLOT_NONE wherever iid_put() finds room. */
static inline void iid_put_at(Producer *p, uint32_t h, uint32_t idx, uint32_t at) {
    if (at == SLOT_NONE) {
        iid_put(p, h, idx);
        return;
    }
    /* (at is free and in h's home bucket: idmp_check() verifies where
     * every slot is; an assertion here was a tenth of a fast add) */
    p->slots[at] = slot_make(h, idx);
    p->ring[idx].slot = (uint16_t)at;
}

/* Frees the slot of the record at ring index idx (the record knows where
 * it is), taking back the overflow counts its insertion added. */
static inline void iid_remove(Producer *p, uint32_t idx) {
    const Rec *r = &p->ring[idx];
    uint32_t at = r->slot, b = home_bucket(p, r->hash);
    p->slots[at] = 0;
    for (uint32_t end = at / BUCKET_SLOTS; b != end; b = (b + 1) & p->mask) {
        uint32_t *bk = bucket_at(p, b);
        assert(bk[BUCKET_OVERFLOW] > 0);
        bk[BUCKET_OVERFLOW]--;
    }
}

/* Refills the iid table from the ring (after records moved in the ring). */
static void iid_rebuild(Producer *p) {
    memset(p->slots, 0, table_bytes(p->mask + 1));
    for (uint32_t i = 0; i < p->count; i++) {
        uint32_t idx = ring_phys(p, i);
        iid_put(p, p->ring[idx].hash, idx);
    }
}

/* Buckets for a ring of cap records: entries fill at most half the slots
 * (at maxsize 100: 16 buckets, 1 KB), so the table is never full and an
 * overflowing bucket is rare. */
static uint32_t table_buckets(uint32_t cap) {
    uint32_t nb = 1;
    while ((uint64_t)nb * BUCKET_ENTRIES < (uint64_t)cap * 2) nb *= 2;
    return nb;
}

/* At the largest maxsize: 2048 buckets, so the bucket choice takes 11 bits
 * (< IDX_BITS, see packed_hash()) and a slot's position fits Rec.slot. */
_Static_assert(IDMP_MAXSIZE_MAX * 2 <= 2048 * BUCKET_ENTRIES, "2048 buckets at most");
_Static_assert(2048 <= (1u << IDX_BITS) && 2048 * BUCKET_SLOTS <= 65536, "see packed_hash()");

/* Grows the ring (doubling, at most maxsize records) and sizes the iid table
 * for it: load <= 3/4 for a full ring. Indexes change, so the table is
 * rebuilt; amortised O(1) per add. */
static void ring_grow(Idmp *m, Producer *p) {
    assert(p->count == p->cap && p->cap < m->maxsize);
    uint32_t cap = p->cap ? p->cap * 2 : RING_MIN_CAP;
    if (cap > m->maxsize) cap = m->maxsize;
    uint32_t nb = table_buckets(cap);
    Rec *ring = xmalloc((size_t)cap * sizeof(Rec));
    for (uint32_t i = 0; i < p->count; i++) ring[i] = *rec_at(p, i);
    m->mem_bytes += ((size_t)cap - p->cap) * sizeof(Rec);
    m->mem_bytes += table_bytes(nb) - (p->slots ? table_bytes(p->mask + 1) : 0);
    xfree(p->ring);
    xfree(p->slots);
    p->ring = ring;
    p->cap = cap;
    p->head = 0;
    p->slots = xmalloc(table_bytes(nb));
    p->mask = nb - 1;
    iid_rebuild(p);
}

/* Drops the oldest record. */
static void pop_head(Idmp *m, Producer *p) {
    assert(p->count > 0);
    m->version++;
    Rec *r = &p->ring[p->head];
    iid_remove(p, p->head);
    rec_release(m, r);
    p->head = p->head + 1 == p->cap ? 0 : p->head + 1;
    p->count--;
    m->n_iids--;
}

/* Drops the record in slot j of the iid table (any position in the ring). */
static void drop_slot(Idmp *m, Producer *p, uint32_t j) {
    uint32_t idx = slot_idx(p->slots[j]);
    if (idx == p->head) {
        pop_head(m, p);
        return;
    }
    uint32_t i = idx >= p->head ? idx - p->head : idx + p->cap - p->head;
    rec_release(m, &p->ring[idx]);
    for (; i + 1 < p->count; i++) p->ring[ring_phys(p, i)] = p->ring[ring_phys(p, i + 1)];
    p->count--;
    m->n_iids--;
    iid_rebuild(p);
}

/* Adds a record at the tail: the newest insertion. O(1). count < cap. */
static void push_tail(Idmp *m, Producer *p, Slice iid, uint32_t h, StreamId id, uint32_t free_at) {
    assert(p->count < p->cap);
    uint32_t idx = ring_phys(p, p->count);
    rec_set(m, &p->ring[idx], iid, h, id);
    iid_put_at(p, h, idx, free_at);
    p->count++;
    m->n_iids++;
}

/* A full producer's add: the oldest insertion goes and the new record takes
 * its place in the ring, which is the tail's place too (count == cap). One
 * step instead of pop_head() and push_tail(), the steady state of a busy
 * producer. */
static inline __attribute__((always_inline)) void
replace_head(Idmp *m, Producer *p, Slice iid, uint32_t h, StreamId id, uint32_t free_at) {
    assert(p->count == p->cap);
    uint32_t idx = p->head;
    Rec *r = &p->ring[idx];
    m->version++;
    iid_remove(p, idx);
    rec_release(m, r);
    rec_set(m, r, iid, h, id);
    iid_put_at(p, h, idx, free_at);
    p->head = idx + 1 == p->cap ? 0 : idx + 1;
}

/* Drops the expired records at the head, up to the first one that is not.
 * Inline: an add calls it twice and almost always finds nothing to drop, a
 * test the call itself cost more than. */
static inline __attribute__((always_inline)) void purge_expired(Idmp *m, Producer *p,
                                                                int64_t now_ms) {
    uint64_t bound = expiry_bound(m, now_ms);
    while (p->count && p->ring[p->head].id.ms < bound) pop_head(m, p);
}

/* Whether the record at ring position i is gone at now_ms: it and every
 * record before it are expired (what purge_expired() would drop). */
static int in_expired_prefix(const Idmp *m, const Producer *p, uint32_t i, int64_t now_ms) {
    for (uint32_t k = 0; k <= i; k++)
        if (!is_expired(m, rec_at(p, k)->id, now_ms)) return 0;
    return 1;
}

/* ---- The producers table ------------------------------------------------- */

static size_t ptable_bytes(const Table *t) {
    return t->slots ? ((size_t)t->mask + 1) * sizeof(Producer *) : 0;
}

static void ptable_resize(Idmp *m, Table *t, uint32_t cap) {
    assert(cap >= TABLE_MIN_CAP && (cap & (cap - 1)) == 0);
    assert((uint64_t)t->used * 4 <= (uint64_t)cap * 3);
    Producer **old = t->slots;
    uint32_t old_cap = old ? t->mask + 1 : 0;
    m->mem_bytes -= ptable_bytes(t);
    t->slots = xcalloc(cap, sizeof(Producer *));
    t->mask = cap - 1;
    m->mem_bytes += ptable_bytes(t);
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old[i]) continue;
        uint32_t j = (uint32_t)old[i]->hash & t->mask;
        while (t->slots[j]) j = (j + 1) & t->mask;
        t->slots[j] = old[i];
    }
    xfree(old);
}

static void ptable_release(Idmp *m, Table *t) {
    m->mem_bytes -= ptable_bytes(t);
    xfree(t->slots);
    t->slots = NULL;
    t->mask = 0;
    t->used = 0;
}

static void ptable_put(Idmp *m, Table *t, Producer *p) {
    uint32_t cap = t->slots ? t->mask + 1 : 0;
    if ((uint64_t)(t->used + 1) * 4 > (uint64_t)cap * 3)
        ptable_resize(m, t, cap ? cap * 2 : TABLE_MIN_CAP);
    uint32_t j = (uint32_t)p->hash & t->mask;
    while (t->slots[j]) j = (j + 1) & t->mask;
    t->slots[j] = p;
    t->used++;
}

/* Removes slot i, shifting back the rest of its run as iid_del() does; the
 * table shrinks when it is mostly empty. */
static void ptable_del_at(Idmp *m, Table *t, uint32_t i) {
    assert(t->slots && i <= t->mask && t->slots[i]);
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->slots[j]) break;
        uint32_t home = (uint32_t)t->slots[j]->hash & t->mask;
        int home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (home_between) continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i] = NULL;
    t->used--;
    uint32_t cap = t->mask + 1;
    if (t->used == 0)
        ptable_release(m, t);
    else if (cap > 16 && (uint64_t)t->used * 8 < cap)
        ptable_resize(m, t, cap / 2);
}

static uint32_t find_producer(const Idmp *m, Slice pid, uint64_t h) {
    const Table *t = &m->producers;
    if (!t->slots) return SLOT_NONE;
    for (uint32_t j = (uint32_t)h & t->mask; t->slots[j]; j = (j + 1) & t->mask) {
        const Producer *p = t->slots[j];
        if (p->hash == h && p->pid_len == pid.len && bytes_eq(p->pid, pid.p, pid.len)) return j;
    }
    return SLOT_NONE;
}

static uint32_t producer_slot(const Idmp *m, const Producer *p) {
    const Table *t = &m->producers;
    uint32_t j = (uint32_t)p->hash & t->mask;
    while (t->slots[j] != p) {
        assert(t->slots[j] != NULL);
        j = (j + 1) & t->mask;
    }
    return j;
}

/* lookup_producer() when k's producer is not the last one: hashes the pid
 * (once per key) and probes the producers table. */
static __attribute__((noinline)) Producer *lookup_producer_slow(Idmp *m, IdmpKey *k) {
    if (!k->has_pid_hash) {
        k->pid_hash = key_hash(m, k->pid);
        k->has_pid_hash = 1;
    }
    uint32_t slot = find_producer(m, k->pid, k->pid_hash);
    if (slot == SLOT_NONE) return NULL;
    return m->last = m->producers.slots[slot];
}

/* k's producer, or NULL. A run of messages from one producer (the common
 * case) finds it with one comparison, inline, without hashing the pid. */
static inline Producer *lookup_producer(Idmp *m, IdmpKey *k) {
    Producer *p = m->last;
    if (p && p->pid_len == k->pid.len && bytes_eq(p->pid, k->pid.p, k->pid.len)) return p;
    return lookup_producer_slow(m, k);
}

static Producer *producer_new(Idmp *m, Slice pid, uint64_t h) {
    Producer *p = xcalloc(1, sizeof(Producer) + pid.len);
    p->hash = h;
    p->pid_len = pid.len;
    memcpy(p->pid, pid.p, pid.len);
    m->mem_bytes += sizeof(Producer) + pid.len;
    ring_grow(m, p);
    ptable_put(m, &m->producers, p);
    m->last = p;
    return p;
}

static void producer_free(Idmp *m, Producer *p) {
    if (m->last == p) m->last = NULL;
    for (uint32_t i = 0; i < p->count; i++) rec_release(m, rec_at(p, i));
    m->n_iids -= p->count;
    m->mem_bytes -=
        (size_t)p->cap * sizeof(Rec) + table_bytes(p->mask + 1) + sizeof(Producer) + p->pid_len;
    xfree(p->ring);
    xfree(p->slots);
    xfree(p);
}

/* Removes the producer in slot i of the producers table and frees it. */
static void producer_remove_at(Idmp *m, uint32_t i) {
    Producer *p = m->producers.slots[i];
    ptable_del_at(m, &m->producers, i);
    producer_free(m, p);
}

/* Purges expired iids of the producers in the next n slots, freeing those
 * left empty: bounded work per add that eventually visits every producer.
 * done (purged by the caller at the same now_ms, or NULL) is skipped: a
 * second purge would find nothing, and with one producer (the common case)
 * the sweep then reads no ring at all. */
static void sweep_step(Idmp *m, const Producer *done, int64_t now_ms, int n) {
    for (int k = 0; k < n && m->producers.slots; k++) {
        uint32_t i = m->sweep & m->producers.mask;
        Producer *p = m->producers.slots[i];
        if (p && p != done) {
            purge_expired(m, p, now_ms);
            if (p->count == 0) {
                /* Slot i now holds the next element of its run, if any:
                 * visit it next time instead of skipping it. */
                producer_remove_at(m, i);
                continue;
            }
        }
        m->sweep = i + 1;
    }
}

/* ---- Public API --------------------------------------------------------- */

/* Returns an owned, empty state with the given configuration; free with
 * idmp_free(). seed keys the table hash (pass a random value). */
Idmp *idmp_new(uint32_t duration_s, uint32_t maxsize, uint64_t seed) {
    assert(duration_s >= IDMP_DURATION_MIN && duration_s <= IDMP_DURATION_MAX);
    assert(maxsize >= IDMP_MAXSIZE_MIN && maxsize <= IDMP_MAXSIZE_MAX);
    Idmp *m = xcalloc(1, sizeof(Idmp));
    m->duration_s = duration_s;
    m->maxsize = maxsize;
    /* splitmix64 spreads the seed over the hash key's four words. */
    uint64_t x = seed;
    for (int w = 0; w < 4; w++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        m->hkey[w] = z ^ (z >> 31);
    }
    m->mem_bytes = sizeof(Idmp);
    return m;
}

/* Returns an owned copy of src: the same hash key, producers, rings, iid
 * tables and counters, so it answers every lookup as src does (COPY of a
 * stream). Borrows src. O(tracked iids + table sizes). */
Idmp *idmp_clone(const Idmp *src) {
    Idmp *m = xmemdup(src, sizeof(Idmp));
    m->last = NULL;
    const Table *t = &src->producers;
    if (!t->slots) return m;
    m->producers.slots = xcalloc((size_t)t->mask + 1, sizeof(Producer *));
    for (uint32_t i = 0; i <= t->mask; i++) {
        const Producer *p = t->slots[i];
        if (!p) continue;
        Producer *np = xmemdup(p, sizeof(Producer) + p->pid_len);
        np->ring = p->cap ? xmemdup(p->ring, (size_t)p->cap * sizeof(Rec)) : NULL;
        np->slots = p->slots ? xmemdup(p->slots, table_bytes(p->mask + 1)) : NULL;
        for (uint32_t k = 0; k < np->count; k++) {
            Rec *r = rec_at(np, k);
            if (rec_is_out(r)) r->u.out.p = xmemdup(r->u.out.p, r->u.out.len);
        }
        m->producers.slots[i] = np;
    }
    return m;
}

/* Frees m and everything it owns; NULL is a no-op. */
void idmp_free(Idmp *m) {
    if (!m) return;
    idmp_clear(m);
    xfree(m);
}

uint32_t idmp_duration(const Idmp *m) {
    return m->duration_s;
}

uint32_t idmp_maxsize(const Idmp *m) {
    return m->maxsize;
}

/* Forgets every producer and iid; the counters and configuration stay. */
void idmp_clear(Idmp *m) {
    Table *t = &m->producers;
    for (uint32_t i = 0; t->slots && i <= t->mask; i++)
        if (t->slots[i]) producer_free(m, t->slots[i]);
    ptable_release(m, t);
    m->sweep = 0;
    m->version++;
    assert(m->n_iids == 0 && m->last == NULL);
}

/* Sets the configuration (XCFGSET). Returns 1 if a value changed, in which
 * case every tracked iid is forgotten (the docs' rule), else 0 and nothing
 * changes. */
int idmp_configure(Idmp *m, uint32_t duration_s, uint32_t maxsize) {
    assert(duration_s >= IDMP_DURATION_MIN && duration_s <= IDMP_DURATION_MAX);
    assert(maxsize >= IDMP_MAXSIZE_MIN && maxsize <= IDMP_MAXSIZE_MAX);
    if (duration_s == m->duration_s && maxsize == m->maxsize) return 0;
    idmp_clear(m);
    m->duration_s = duration_s;
    m->maxsize = maxsize;
    return 1;
}

/* k's iid hash under m's key, computed on k's first use. */
static inline __attribute__((always_inline)) uint32_t key_iid_hash(const Idmp *m, IdmpKey *k) {
    if (!k->has_iid_hash) {
        k->iid_hash = packed_hash(key_hash(m, k->iid));
        k->has_iid_hash = 1;
    }
    return k->iid_hash;
}

/* idmp_find() saw no record of k in producer p (NULL: none) and a free
 * slot free_at in the iid's home bucket (or SLOT_NONE): lets the add that
 * usually follows skip its own lookups and the search for a free slot. */
static inline __attribute__((always_inline)) void note_absent(const Idmp *m, IdmpKey *k,
                                                              const Producer *p, uint32_t free_at) {
    k->producer = (Producer *)p;
    k->free_at = free_at;
    k->absent_at = m->version + 1;
    /* A full producer's add overwrites the head record, which the
     * producer's previous add read (as the record after its head), but
     * which may have been evicted since when other producers added in
     * between: asked for now, it can arrive while the stream appends. (The
     * record after it, which the add reads too, was prefetched as well in
     * a trial: no difference measured, 8 instructions more.) */
    if (p && p->count == m->maxsize) __builtin_prefetch(&p->ring[p->head], 1);
}

static __attribute__((noinline)) int find_general(Idmp *m, IdmpKey *k, int64_t now_ms,
                                                  StreamId *id);

/* Looks k's (pid, iid) up: 1 and *id = the stream ID it was added under if it
 * is tracked and not expired at now_ms, else 0. Changes nothing (a duplicate
 * is counted by the caller with idmp_count_duplicate(), once it has decided
 * to refuse the message; only a lookup cache moves). k must come from
 * idmp_key_init() (and not used with another Idmp). */
int idmp_find(Idmp *m, IdmpKey *k, int64_t now_ms, StreamId *id) {
    /* The usual call, a new iid from the producer of the last call, decided
     * without a call: the iid's home bucket holds no tag of it and nothing
     * overflowed past it. Anything else (another producer, a pid over 16
     * bytes, a tag match, an overflow) goes to find_general(), a tail call.
     * With the general case's calls inline here, the stack frame and the
     * argument spills they needed were a ninth of the lookup. */
    const Producer *p = m->last;
    size_t n = k->pid.len;
    if (p && n <= 16 && p->pid_len == n && bytes_eq(p->pid, k->pid.p, n)) {
        uint32_t h = key_iid_hash(m, k), free_bits;
        uint32_t b = home_bucket(p, h);
        const uint32_t *bk = bucket_at(p, b);
        if (!bucket_match_tag_free(bk, slot_tag(h) << IDX_BITS, &free_bits) &&
            bk[BUCKET_OVERFLOW] == 0) {
            note_absent(m, k, p,
                        free_bits ? b * BUCKET_SLOTS + (uint32_t)__builtin_ctz(free_bits)
                                  : SLOT_NONE);
            return 0;
        }
    }
    return find_general(m, k, now_ms, id);
}

/* idmp_find() in every case. */
static int find_general(Idmp *m, IdmpKey *k, int64_t now_ms, StreamId *id) {
    uint32_t h = key_iid_hash(m, k), free_at = SLOT_NONE;
    const Producer *p = lookup_producer(m, k);
    uint32_t j = p ? iid_find(p, k->iid, h, &free_at) : SLOT_NONE;
    if (j == SLOT_NONE) {
        note_absent(m, k, p, free_at);
        return 0;
    }
    uint32_t idx = slot_idx(p->slots[j]);
    const Rec *r = &p->ring[idx];
    if (is_expired(m, r->id, now_ms) &&
        in_expired_prefix(m, p, idx >= p->head ? idx - p->head : idx + p->cap - p->head, now_ms))
        return 0;
    *id = r->id;
    return 1;
}

/* Records that k's pid added k's iid as the entry id (copies them) as the
 * producer's newest iid, whatever id is. A previous mapping of the same pair
 * is replaced (the AOF loader relies on this when the clock at replay
 * differs). The producer's expired head is purged first; when the producer
 * holds maxsize iids the oldest insertion goes; the new iid is dropped at
 * once only if it is expired and the producer holds nothing older. Counts
 * one added iid. pid and iid must not be empty; *id is borrowed. O(1)
 * expected, O(maxsize) when a mapping is replaced. */
static __attribute__((noinline)) void add_general(Idmp *m, IdmpKey *k, const StreamId *id,
                                                  int64_t now_ms);

void idmp_add(Idmp *m, IdmpKey *k, const StreamId *id, int64_t now_ms) {
    /* The steady state of a busy producer, in one step: the lookup just
     * before with this key (nothing changed since) saw no record, a full
     * producer and a free slot in the iid's home bucket, and neither the
     * oldest iid nor the new one is expired. What add_general() does then,
     * without its tests for the other cases. */
    Producer *p = k->producer;
    if (k->absent_at == m->version + 1 && p && p->count == m->maxsize && k->free_at != SLOT_NONE &&
        k->iid.len <= INLINE_MAX) {
        uint64_t bound = expiry_bound(m, now_ms);
        const uint64_t id_ms = id->ms, id_seq = id->seq;
        const Rec *old = &p->ring[p->head];
        /* The record after the head, the oldest once the head is replaced
         * (the head itself when maxsize is 1): not expired, or a purge
         * would follow (iids recorded out of order). With the iids inline,
         * the steps below call nothing (the sweep is a tail call), and
         * add_general() stays out of line with its frame and spills. */
        const Rec *next = &p->ring[p->head + 1 == p->cap ? 0 : p->head + 1];
        if (old->id.ms >= bound && id_ms >= bound && next->id.ms >= bound && !rec_is_out(old)) {
            m->iids_added++;
            replace_head(m, p, k->iid, k->iid_hash, (StreamId){id_ms, id_seq}, k->free_at);
            if (m->producers.used > 1) sweep_step(m, p, now_ms, SWEEP_SLOTS_PER_ADD);
            return;
        }
    }
    add_general(m, k, id, now_ms);
}

static void add_general(Idmp *m, IdmpKey *k, const StreamId *id, int64_t now_ms) {
    /* (k's hashes are not re-checked here: that would double the cost of an
     * add; idmp_check() verifies every stored hash.) */
    assert(k->pid.len > 0 && k->iid.len > 0);
    /* id by pointer, read as two scalars: passed by value, gcc spilled it to
     * the stack and reloaded it as one 16-byte vector, a store-forwarding
     * stall that cost about a tenth of an add. */
    const uint64_t id_ms = id->ms, id_seq = id->seq;
    /* Nothing changed since idmp_find() saw no record: its producer (or
     * none) stands, and the pair needs no lookup. */
    int is_known_absent = k->absent_at == m->version + 1;
    uint32_t h = key_iid_hash(m, k);
    /* a free slot in the iid's home bucket, still free if nothing was added */
    uint32_t free_at = is_known_absent ? k->free_at : SLOT_NONE;
    Producer *p = is_known_absent ? k->producer : lookup_producer(m, k);
    if (!p) {
        if (!k->has_pid_hash) {
            k->pid_hash = key_hash(m, k->pid);
            k->has_pid_hash = 1;
        }
        p = producer_new(m, k->pid, k->pid_hash);
    }

    m->version++;
    if (!is_known_absent) {
        uint32_t old = iid_lookup(p, k->iid, h);
        if (old != SLOT_NONE) drop_slot(m, p, old);
    }
    purge_expired(m, p, now_ms); /* (frees slots: free_at stays free) */
    m->iids_added++;
    if (p->count == m->maxsize) {
        replace_head(m, p, k->iid, h, (StreamId){id_ms, id_seq}, free_at);
    } else {
        if (p->count == p->cap) {
            ring_grow(m, p); /* a new table */
            free_at = SLOT_NONE;
        }
        push_tail(m, p, k->iid, h, (StreamId){id_ms, id_seq}, free_at);
    }
    purge_expired(m, p, now_ms); /* the new iid, when it is alone and expired */
    if (p->count == 0) {
        producer_remove_at(m, producer_slot(m, p));
        p = NULL;
    }
    /* Alone in the table, p was just purged: nothing for the sweep. */
    if (!p || m->producers.used > 1) sweep_step(m, p, now_ms, SWEEP_SLOTS_PER_ADD);
}

/* Counts one refused duplicate. */
void idmp_count_duplicate(Idmp *m) {
    m->iids_duplicates++;
}

/* Purges every iid expired at now_ms and frees producers left without one,
 * so that the tracked counts are exact. O(producers + expired). */
void idmp_expire(Idmp *m, int64_t now_ms) {
    Table *t = &m->producers;
    uint32_t i = 0;
    while (t->slots && i <= t->mask) {
        Producer *p = t->slots[i];
        if (p) {
            purge_expired(m, p, now_ms);
            if (p->count == 0) {
                /* Backward shift may have moved a later producer into slot
                 * i (or shrunk the table): look at slot i again. */
                producer_remove_at(m, i);
                continue;
            }
        }
        i++;
    }
}

/* Producers with at least one tracked iid (after the last purge). */
uint64_t idmp_pids_tracked(const Idmp *m) {
    return m->producers.used;
}

/* Tracked iids over all producers (after the last purge). */
uint64_t idmp_iids_tracked(const Idmp *m) {
    return m->n_iids;
}

uint64_t idmp_iids_added(const Idmp *m) {
    return m->iids_added;
}

uint64_t idmp_iids_duplicates(const Idmp *m) {
    return m->iids_duplicates;
}

/* Restores the lifetime counters (AOF rewrite records, replayed duplicates). */
void idmp_set_counters(Idmp *m, uint64_t iids_added, uint64_t iids_duplicates) {
    m->iids_added = iids_added;
    m->iids_duplicates = iids_duplicates;
}

/* Bytes allocated for m, everything included. */
size_t idmp_mem_usage(const Idmp *m) {
    return m->mem_bytes;
}

/* Starts a walk over every tracked iid not expired at now_ms: producers in
 * table order, each producer's iids oldest first, which is the order in which
 * idmp_add() calls rebuild the same state. Borrows m, which must not change
 * during the walk. */
void idmp_iter_start(IdmpIter *it, const Idmp *m, int64_t now_ms) {
    it->m = m;
    it->slot = 0;
    it->pos = 0;
    it->now_ms = now_ms;
    it->live = 0;
}

/* Yields the next (pid, iid, id): 1, or 0 at the end. The slices are views
 * valid until m changes. */
int idmp_iter_next(IdmpIter *it, Slice *pid, Slice *iid, StreamId *id) {
    const Table *t = &it->m->producers;
    while (t->slots && it->slot <= t->mask) {
        const Producer *p = t->slots[it->slot];
        while (p && it->pos < p->count) {
            const Rec *r = rec_at(p, it->pos++);
            if (!it->live && is_expired(it->m, r->id, it->now_ms)) continue;
            it->live = 1;
            *pid = slice_of((const char *)p->pid, p->pid_len);
            *iid = slice_of((const char *)rec_iid(r), rec_len(r));
            *id = r->id;
            return 1;
        }
        it->slot++;
        it->pos = 0;
        it->live = 0;
    }
    return 0;
}

/* The hash both tables key s with; for the unit tests. Borrows both. */
uint64_t idmp_table_hash(const Idmp *m, Slice s) {
    return key_hash(m, s);
}

/* The iid table of p: as many used slots as records, each pointing at a
 * live ring index with its record's tag, and every overflow word equal to
 * the number of entries placed past its bucket from a home at or before it.
 * 0 if so. */
static int table_check(const Producer *p) {
    uint32_t nb = p->mask + 1, used = 0;
    uint32_t *overflow = xcalloc(nb, sizeof(uint32_t));
    int bad = 0;
    for (uint32_t b = 0; b < nb && !bad; b++) {
        const uint32_t *bk = bucket_at(p, b);
        for (uint32_t i = 0; i < BUCKET_ENTRIES && !bad; i++) {
            if (!bk[i]) continue;
            used++;
            uint32_t idx = slot_idx(bk[i]);
            uint32_t off = idx >= p->head ? idx - p->head : idx + p->cap - p->head;
            if (idx >= p->cap || off >= p->count || bk[i] != slot_make(p->ring[idx].hash, idx) ||
                p->ring[idx].slot != b * BUCKET_SLOTS + i) {
                bad = 1;
                break;
            }
            for (uint32_t w = home_bucket(p, p->ring[idx].hash); w != b; w = (w + 1) & p->mask)
                overflow[w]++;
        }
    }
    for (uint32_t b = 0; b < nb && !bad; b++)
        if (bucket_at(p, b)[BUCKET_OVERFLOW] != overflow[b]) bad = 1;
    xfree(overflow);
    return bad || used != p->count;
}

/* Returns 0 if the invariants in the file header hold, else the number of
 * the first one broken (1-based, in the header's order). O(size). */
int idmp_check(const Idmp *m) {
    const Table *pt = &m->producers;
    uint64_t n_iids = 0, n_producers = 0;
    for (uint32_t i = 0; pt->slots && i <= pt->mask; i++) {
        const Producer *p = pt->slots[i];
        if (!p) continue;
        n_producers++;
        if (p->count == 0) return 3;
        if (p->count > p->cap || p->cap > m->maxsize) return 2;
        if (p->mask + 1 != table_buckets(p->cap)) return 1;
        if (table_check(p) != 0) return 1;
        for (uint32_t k = 0; k < p->count; k++) {
            const Rec *r = rec_at(p, k);
            Slice iid = slice_of((const char *)rec_iid(r), rec_len(r));
            if (r->hash != packed_hash(key_hash(m, iid))) return 1;
            uint32_t j = iid_lookup(p, iid, r->hash);
            if (j == SLOT_NONE || slot_idx(p->slots[j]) != ring_phys(p, k)) return 1;
        }
        Slice pid = slice_of((const char *)p->pid, p->pid_len);
        if (p->hash != key_hash(m, pid) || find_producer(m, pid, p->hash) != i) return 1;
        n_iids += p->count;
    }
    if (n_producers != pt->used) return 1;
    if (m->last && find_producer(m, slice_of((const char *)m->last->pid, m->last->pid_len),
                                 m->last->hash) == SLOT_NONE)
        return 1;
    if (n_iids != m->n_iids) return 4;
    return 0;
}

/* ---- IDMPAUTO ------------------------------------------------------------ */

/* Fixed keys: the derived iid must be the same in every process and release,
 * since it is persisted and compared with iids derived after a restart. */
static const unsigned char AUTO_PAIR_KEY[16] = "streamd/idmp/pr1";
static const unsigned char AUTO_SET_KEY[16] = "streamd/idmp/st1";

static int cmp16(const void *a, const void *b) {
    return memcmp(a, b, 16);
}

/* Derives the iid of a message from its field/value pairs (fields_values
 * holds 2 * n_pairs slices, borrowed) into out.
 *
 * Each pair is hashed with SipHash-2-4-128 over len(field) | field |
 * len(value) | value (lengths as 8 little-endian bytes, so that ("ab", "c")
 * and ("a", "bc") differ); the pair hashes are sorted, so the order of the
 * pairs does not matter (Redis's rule: the same content gives the same iid),
 * and hashed again with the pair count under a second key. Sorting instead of
 * XOR-ing the pair hashes keeps repeated pairs from cancelling out and keeps
 * the result as collision-resistant as the hash itself. */
void idmp_auto_iid(const Slice *fields_values, size_t n_pairs,
                   unsigned char out[IDMP_AUTO_IID_LEN]) {
    assert(n_pairs > 0);
    unsigned char stack[16][16];
    unsigned char(*h)[16] = n_pairs <= 16 ? stack : xmalloc(n_pairs * 16);
    for (size_t i = 0; i < n_pairs; i++) {
        Sip s;
        unsigned char len[8];
        sip_init(&s, AUTO_PAIR_KEY);
        for (int k = 0; k < 2; k++) {
            Slice x = fields_values[2 * i + (size_t)k];
            store_le64(len, x.len);
            sip_update(&s, len, 8);
            sip_update(&s, x.p, x.len);
        }
        sip_final128(&s, h[i]);
    }
    if (n_pairs > 1) qsort(h, n_pairs, 16, cmp16);
    Sip s;
    unsigned char count[8];
    sip_init(&s, AUTO_SET_KEY);
    store_le64(count, n_pairs);
    sip_update(&s, count, 8);
    sip_update(&s, h, n_pairs * 16);
    sip_final128(&s, out);
    if (h != stack) xfree(h);
}
