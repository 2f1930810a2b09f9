/*
 * rdbcodec.c - CRC-64, LZF, RDB lengths and strings, listpacks: the byte
 * formats of a DUMP payload, written from the published descriptions of
 * Redis's RDB and listpack formats and checked against what Redis 7.0's
 * DUMP produces.
 *
 * Lengths (one to nine bytes, big-endian past the first):
 *
 *   00xxxxxx                      6-bit length
 *   01xxxxxx xxxxxxxx             14-bit length
 *   10000000 <4 bytes>            32-bit length
 *   10000001 <8 bytes>            64-bit length
 *   11xxxxxx                      a string encoding follows (strings only):
 *       0 INT8, 1 INT16, 2 INT32 (little-endian, signed): a canonical
 *       decimal integer; 3 LZF: <compressed len> <plain len> <bytes>
 *
 * A listpack ("lp") is one contiguous buffer:
 *
 *   +-------------+-----------+--------+--------+-----+------+
 *   | total bytes | n elems   | elem 1 | elem 2 | ... | 0xFF |
 *   | u32 LE      | u16 LE    |        |        |     |      |
 *   +-------------+-----------+--------+--------+-----+------+
 *
 * n elems is 65535 when the count does not fit (then it must be counted).
 * Each element is <encoding><data><backlen>, backlen being the size of
 * encoding + data in 1..5 bytes of 7 bits, written so it reads from its last
 * byte backwards (the most significant group first, every byte but the first
 * with its top bit set). Encodings:
 *
 *   0xxxxxxx              7-bit unsigned integer
 *   10xxxxxx              string of up to 63 bytes
 *   110xxxxx yyyyyyyy     13-bit signed integer
 *   1110xxxx yyyyyyyy     string of up to 4095 bytes
 *   11110000 <u32 len>    string
 *   11110001/2/3/4        16/24/32/64-bit signed integer, little-endian
 *
 * A string that is the canonical decimal form of an int64 is stored as an
 * integer; a reader gives it back as that decimal string.
 *
 * LZF: a control byte below 32 starts a run of ctrl+1 literal bytes; else the
 * top three bits are a length (7: plus the next byte) and with the low five
 * bits and the next byte an offset back into the output, copying length+2
 * bytes. The compressor here is a plain greedy one with a hash of the next
 * three bytes; its output is valid LZF but not byte-identical to Redis's.
 *
 * Speed matters here: a snapshot passes every byte through the CRC and, with
 * rdbcompression, LZF. The CRC folds 64 bytes at a time with carry-less
 * multiplication where the CPU has it (constants x^n mod P computed at
 * start, the last 16 to 31 bytes through the table); the table (slicing by
 * 8) is the fallback and the reference in the unit tests. Not done for
 * LZF: skipping ahead over incompressible stretches (LZ4's acceleration);
 * in stream nodes matches (names, small values) come every few bytes, so it
 * would change the output without skipping much.
 */
#include "persist/rdbcodec.h"

#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

unsigned long long persist_string_max(void) {
    unsigned long long floor = 512ull << 20, lim = (unsigned long long)settings.proto_max_bulk_len;
    return (lim > floor ? lim : floor) + 64;
}

/* ---- CRC-64 ----------------------------------------------------------------- */

/* The reflected form of the Jones polynomial 0xad93d23594c935a9. */
#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

/* crc_table[0] is the byte-at-a-time table; crc_table[k][x] is the CRC of
 * byte x followed by k zero bytes, so eight bytes fold in one step
 * ("slicing by 8"): snapshots checksum every byte they write. */
static uint64_t crc_table[8][256];
static int crc_table_ready;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC_CLMUL 1
#include <immintrin.h>
/* Folding constants for the carry-less multiply path, and whether the CPU
 * has the instruction (PCLMULQDQ). */
static uint64_t crc_k[4][2];
static int crc_has_clmul;
#endif

/* x^n mod P in the reflected form the CRC register uses (bit i holds the
 * coefficient of x^(63-i)): x^0 is bit 63, and multiplying by x shifts right,
 * reducing by P when x^64 comes out. */
static uint64_t crc_xpow(unsigned n) {
    uint64_t r = 1ULL << 63;
    for (unsigned i = 0; i < n; i++) r = (r >> 1) ^ ((r & 1) ? CRC64_POLY_REFLECTED : 0);
    return r;
}

static void crc_table_init(void) {
    for (int i = 0; i < 256; i++) {
        uint64_t c = (uint64_t)i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc_table[0][i] = c;
    }
    for (int i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^ crc_table[0][crc_table[k - 1][i] & 0xff];
#ifdef CRC_CLMUL
    /* Folding a 16-byte block X forward over d bits of what follows: X's
     * first 8 bytes times x^(d+63), its last 8 times x^(d-1) (the -1: the
     * product of two reflected 64-bit values comes out one bit short of the
     * 128-bit reflected form). Rows: d = 128, 256, 384, 512. */
    for (unsigned i = 0; i < 4; i++) {
        unsigned d = 128 * (i + 1);
        crc_k[i][0] = crc_xpow(d + 63);
        crc_k[i][1] = crc_xpow(d - 1);
    }
    __builtin_cpu_init();
    crc_has_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
    crc_table_ready = 1;
}

/* The table-driven CRC (slicing by 8). */
static uint64_t crc64_sw(uint64_t crc, const uint8_t *b, size_t len) {
    while (len >= 8) {
        uint64_t x = 0;
        for (int i = 7; i >= 0; i--) x = x << 8 | b[i];
        crc ^= x;
        crc = crc_table[7][crc & 0xff] ^ crc_table[6][(crc >> 8) & 0xff] ^
              crc_table[5][(crc >> 16) & 0xff] ^ crc_table[4][(crc >> 24) & 0xff] ^
              crc_table[3][(crc >> 32) & 0xff] ^ crc_table[2][(crc >> 40) & 0xff] ^
              crc_table[1][(crc >> 48) & 0xff] ^ crc_table[0][crc >> 56];
        b += 8;
        len -= 8;
    }
    for (size_t i = 0; i < len; i++) crc = crc_table[0][(uint8_t)(crc ^ b[i])] ^ (crc >> 8);
    return crc;
}

#ifdef CRC_CLMUL
/* 16-byte block x carried forward over the distance of constants k. */
__attribute__((target("pclmul,sse4.1"))) static inline __m128i crc_fold(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* The CRC over len >= 64 bytes by carry-less multiplication (the CRC is
 * linear: the register XORed into the first 8 bytes starts it; four 16-byte
 * lanes are carried forward 64 bytes at a time, then onto each other, then
 * 16 bytes at a time; the last block and the tail go through the table). */
__attribute__((target("pclmul,sse4.1"))) static uint64_t crc64_clmul(uint64_t crc, const uint8_t *p,
                                                                     size_t len) {
    __m128i k128 = _mm_set_epi64x((long long)crc_k[0][1], (long long)crc_k[0][0]);
    __m128i k256 = _mm_set_epi64x((long long)crc_k[1][1], (long long)crc_k[1][0]);
    __m128i k384 = _mm_set_epi64x((long long)crc_k[2][1], (long long)crc_k[2][0]);
    __m128i k512 = _mm_set_epi64x((long long)crc_k[3][1], (long long)crc_k[3][0]);
    __m128i x0 = _mm_loadu_si128((const __m128i *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    x0 = _mm_xor_si128(x0, _mm_cvtsi64_si128((long long)crc));
    p += 64;
    len -= 64;
    while (len >= 64) {
        x0 = _mm_xor_si128(crc_fold(x0, k512), _mm_loadu_si128((const __m128i *)p));
        x1 = _mm_xor_si128(crc_fold(x1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = _mm_xor_si128(crc_fold(x2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = _mm_xor_si128(crc_fold(x3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        len -= 64;
    }
    __m128i x = _mm_xor_si128(_mm_xor_si128(crc_fold(x0, k384), crc_fold(x1, k256)),
                              _mm_xor_si128(crc_fold(x2, k128), x3));
    while (len >= 16) {
        x = _mm_xor_si128(crc_fold(x, k128), _mm_loadu_si128((const __m128i *)p));
        p += 16;
        len -= 16;
    }
    uint8_t last[32];
    _mm_storeu_si128((__m128i *)last, x);
    memcpy(last + 16, p, len);
    return crc64_sw(0, last, 16 + len);
}
#endif

/* Continues crc over p[0..len); start with 0. Borrows p. */
uint64_t rdb_crc64(uint64_t crc, const void *p, size_t len) {
    if (!crc_table_ready) crc_table_init();
#ifdef CRC_CLMUL
    if (crc_has_clmul && len >= 64) return crc64_clmul(crc, p, len);
#endif
    return crc64_sw(crc, p, len);
}

/* The table-driven CRC alone, whatever the CPU has; for tests. */
uint64_t rdb_crc64_portable(uint64_t crc, const void *p, size_t len) {
    if (!crc_table_ready) crc_table_init();
    return crc64_sw(crc, p, len);
}

/* ---- LZF --------------------------------------------------------------------- */

#define LZF_MAX_OFF  8192
#define LZF_MAX_REF  264 /* 7 + 255 + 2 */
#define LZF_MAX_LIT  32
#define LZF_HASH_LOG 14

/* Copies 16 bytes (a fixed size: one vector move, no call). */
static inline void copy16(uint8_t *dst, const uint8_t *src) {
    memcpy(dst, src, 16);
}

/* Returns RDB_OK only when the input decodes to exactly out_len bytes.
 * Away from the ends of both buffers, copies go 16 bytes at a time and may
 * run past the bytes they produce (later ones overwrite the excess); near
 * the ends, and for references closer than 16 bytes, exactly. */
int rdb_lzf_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    size_t ip = 0, op = 0;
    while (ip < in_len) {
        unsigned ctrl = in[ip++];
        if (ctrl < 32) {
            size_t n = ctrl + 1;
            if (n > in_len - ip || n > out_len - op) return RDB_ERR;
            if (in_len - ip >= 32 && out_len - op >= 32) {
                copy16(out + op, in + ip);
                copy16(out + op + 16, in + ip + 16);
            } else {
                memcpy(out + op, in + ip, n);
            }
            ip += n;
            op += n;
            continue;
        }
        size_t n = ctrl >> 5;
        if (n == 7) {
            if (ip >= in_len) return RDB_ERR;
            n += in[ip++];
        }
        if (ip >= in_len) return RDB_ERR;
        size_t back = (((size_t)ctrl & 0x1f) << 8) + in[ip++] + 1;
        n += 2;
        if (back > op || n > out_len - op) return RDB_ERR;
        if (back >= 16 && out_len - op >= n + 16) {
            /* Each 16-byte step reads only bytes already final. */
            for (size_t k = 0; k < n; k += 16) copy16(out + op + k, out + op - back + k);
        } else if (back >= n) {
            memcpy(out + op, out + op - back, n);
        } else {
            /* Byte by byte: the reference overlaps what it produces. */
            for (size_t i = 0; i < n; i++) out[op + i] = out[op - back + i];
        }
        op += n;
    }
    return op == out_len ? RDB_OK : RDB_ERR;
}

/* The three bytes at p as one number (their order is this machine's: the
 * number is only hashed and compared). */
static inline uint32_t lzf_load3(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* lzf_load3() where a fourth byte may be read (one load). */
static inline uint32_t lzf_load3_fast(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, p, 4);
    return v & 0xffffff;
#else
    return lzf_load3(p);
#endif
}

static inline uint32_t lzf_hash(uint32_t v) {
    return (v * 2654435761u) >> (32 - LZF_HASH_LOG);
}

/* Bytes equal at a and b from n on, up to max (two bytes apart at least 8
 * bytes, or overlapping: both only read). */
static inline size_t lzf_match_len(const uint8_t *a, const uint8_t *b, size_t n, size_t max) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (n + 8 <= max) {
        uint64_t x, y;
        memcpy(&x, a + n, 8);
        memcpy(&y, b + n, 8);
        if (x != y) return n + (size_t)__builtin_ctzll(x ^ y) / 8;
        n += 8;
    }
#endif
    while (n < max && a[n] == b[n]) n++;
    return n;
}

/* Writes lit[0..n) as literal runs; 0 when out has no room. in_end: the end
 * of the input lit is in (a run copies 32 bytes when both sides have them:
 * the excess is overwritten by what follows). */
static inline int lzf_put_literals(const uint8_t *lit, size_t n, const uint8_t *in_end,
                                   uint8_t *out, size_t out_cap, size_t *op) {
    while (n > 0) {
        size_t run = n > LZF_MAX_LIT ? LZF_MAX_LIT : n;
        if (run + 1 > out_cap - *op) return 0;
        out[(*op)++] = (uint8_t)(run - 1);
        if (out_cap - *op >= 32 && (size_t)(in_end - lit) >= 32) {
            copy16(out + *op, lit);
            copy16(out + *op + 16, lit + 16);
        } else {
            memcpy(out + *op, lit, run);
        }
        *op += run;
        lit += run;
        n -= run;
    }
    return 1;
}

/* Greedy LZF: at each position, the last position with the same three-byte
 * hash is tried as a reference. Returns the compressed length, 0 when it
 * does not fit in out_cap (or the input is 2 GB or more: left plain).
 * Borrows both buffers. The hash table of positions is kept between calls
 * (one per thread): an entry belongs to the current call when it is above
 * the call's epoch, so no call clears (or allocates) the table, and the
 * output depends on the input alone; an epoch that would overflow clears it
 * once. Snapshots compress thousands of node listpacks in a row. */
static __thread uint32_t lzf_table[(size_t)1 << LZF_HASH_LOG];
static __thread uint32_t lzf_epoch;

size_t rdb_lzf_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap) {
    if (in_len >= (size_t)1 << 31) return 0;
    if (lzf_epoch > UINT32_MAX - 1 - (uint32_t)in_len) {
        memset(lzf_table, 0, sizeof lzf_table);
        lzf_epoch = 0;
    }
    uint32_t *table = lzf_table;
    const uint32_t epoch = lzf_epoch;
    lzf_epoch += (uint32_t)in_len + 1;
    size_t ip = 0, lit_start = 0, op = 0;
    while (ip + 2 < in_len) {
        uint32_t v = ip + 3 < in_len ? lzf_load3_fast(in + ip) : lzf_load3(in + ip);
        uint32_t h = lzf_hash(v);
        uint32_t slot = table[h];
        table[h] = epoch + (uint32_t)ip + 1; /* epoch or below: empty for this call */
        if (slot <= epoch) {
            ip++;
            continue;
        }
        size_t cand = (size_t)(slot - epoch - 1);
        size_t back = ip - cand;
        if (back > LZF_MAX_OFF || lzf_load3_fast(in + cand) != v) {
            ip++;
            continue;
        }
        size_t max = in_len - ip;
        if (max > LZF_MAX_REF) max = LZF_MAX_REF;
        size_t n = lzf_match_len(in + cand, in + ip, 3, max);
        if (!lzf_put_literals(in + lit_start, ip - lit_start, in + in_len, out, out_cap, &op))
            goto full;
        size_t len = n - 2, off = back - 1;
        if (len < 7) {
            if (2 > out_cap - op) goto full;
            out[op++] = (uint8_t)((len << 5) | (off >> 8));
        } else {
            if (3 > out_cap - op) goto full;
            out[op++] = (uint8_t)((7 << 5) | (off >> 8));
            out[op++] = (uint8_t)(len - 7);
        }
        out[op++] = (uint8_t)(off & 0xff);
        ip += n;
        lit_start = ip;
    }
    if (!lzf_put_literals(in + lit_start, in_len - lit_start, in + in_len, out, out_cap, &op))
        goto full;
    return op;
full:
    return 0;
}

/* ---- Reading ------------------------------------------------------------------- */

/* Starts a cursor at the first of p's len bytes (borrowed). */
void rdb_reader_init(RdbReader *r, const void *p, size_t len) {
    r->p = p;
    r->len = len;
    r->pos = 0;
}

int rdb_read_raw(RdbReader *r, size_t n, const uint8_t **out) {
    if (n > r->len - r->pos) return RDB_ERR;
    *out = r->p + r->pos;
    r->pos += n;
    return RDB_OK;
}

int rdb_read_u8(RdbReader *r, uint8_t *out) {
    const uint8_t *b;
    if (rdb_read_raw(r, 1, &b) != RDB_OK) return RDB_ERR;
    *out = b[0];
    return RDB_OK;
}

static uint64_t get_be(const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | b[i];
    return v;
}

static uint64_t get_le(const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Reads a length, or the string encoding that stands in its place (*enc >= 0). */
static int read_len_or_enc(RdbReader *r, uint64_t *out, int *enc) {
    uint8_t b;
    const uint8_t *x;
    *enc = -1;
    if (rdb_read_u8(r, &b) != RDB_OK) return RDB_ERR;
    switch (b >> 6) {
    case 0:
        *out = b & 0x3f;
        return RDB_OK;
    case 1:
        if (rdb_read_raw(r, 1, &x) != RDB_OK) return RDB_ERR;
        *out = (uint64_t)(b & 0x3f) << 8 | x[0];
        return RDB_OK;
    case 2:
        if (b == 0x80) {
            if (rdb_read_raw(r, 4, &x) != RDB_OK) return RDB_ERR;
            *out = get_be(x, 4);
            return RDB_OK;
        }
        if (b == 0x81) {
            if (rdb_read_raw(r, 8, &x) != RDB_OK) return RDB_ERR;
            *out = get_be(x, 8);
            return RDB_OK;
        }
        return RDB_ERR;
    default:
        *enc = b & 0x3f;
        *out = 0;
        return RDB_OK;
    }
}

/* A plain length (no string encoding allowed). */
int rdb_read_len(RdbReader *r, uint64_t *out) {
    int enc;
    if (read_len_or_enc(r, out, &enc) != RDB_OK || enc >= 0) return RDB_ERR;
    return RDB_OK;
}

/* A time in milliseconds: 8 bytes little-endian. */
int rdb_read_ms(RdbReader *r, int64_t *out) {
    const uint8_t *x;
    if (rdb_read_raw(r, 8, &x) != RDB_OK) return RDB_ERR;
    *out = (int64_t)get_le(x, 8);
    return RDB_OK;
}

/* Longest plain output of one LZF input byte (a 3-byte reference makes 264). */
#define LZF_MAX_RATIO 88

/* A string's encoding as stored, read by read_string_parts(): an integer
 * (its digits in text), LZF bytes to decode to plain bytes, or the bytes. */
typedef struct StringParts {
    int kind; /* STR_INT, STR_LZF or STR_PLAIN */
    char digits[24];
    const uint8_t *bytes; /* LZF input or the plain bytes, viewing r */
    size_t len;           /* the digits', the compressed or the plain length */
    size_t plain;         /* STR_LZF: the decoded length */
} StringParts;

enum { STR_INT, STR_LZF, STR_PLAIN };

/* Reads a string's header and bytes, checked against max_len (the length
 * of the string it stands for). Borrows r; p views r's bytes. */
static int read_string_parts(RdbReader *r, size_t max_len, StringParts *p) {
    uint64_t len;
    int enc;
    if (read_len_or_enc(r, &len, &enc) != RDB_OK) return RDB_ERR;
    if (enc >= 0 && enc <= 2) {
        int n = 1 << enc;
        const uint8_t *x;
        if (rdb_read_raw(r, (size_t)n, &x) != RDB_OK) return RDB_ERR;
        uint64_t u = get_le(x, n);
        int64_t v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
        p->kind = STR_INT;
        p->len = ll_to_str(v, p->digits);
        return p->len > max_len ? RDB_ERR : RDB_OK;
    }
    if (enc == 3) {
        uint64_t clen, plain;
        if (rdb_read_len(r, &clen) != RDB_OK || rdb_read_len(r, &plain) != RDB_OK) return RDB_ERR;
        if (clen > r->len - r->pos || plain > max_len || plain == 0 || plain / LZF_MAX_RATIO > clen)
            return RDB_ERR;
        p->kind = STR_LZF;
        p->len = (size_t)clen;
        p->plain = (size_t)plain;
        return rdb_read_raw(r, (size_t)clen, &p->bytes);
    }
    if (enc >= 0) return RDB_ERR;
    if (len > max_len || len > r->len - r->pos) return RDB_ERR;
    p->kind = STR_PLAIN;
    p->len = (size_t)len;
    return rdb_read_raw(r, (size_t)len, &p->bytes);
}

/* Reads a string in any encoding: *out views r's bytes when the string is
 * stored plain, else the decoded bytes, which replace scratch's contents
 * (valid until scratch changes). At most max_len bytes (more is an error).
 * Borrows r and scratch. */
int rdb_read_string_view(RdbReader *r, size_t max_len, Buf *scratch, const uint8_t **out,
                         size_t *out_len) {
    StringParts p;
    *out = NULL;
    if (read_string_parts(r, max_len, &p) != RDB_OK) return RDB_ERR;
    if (p.kind == STR_PLAIN) {
        *out = p.bytes;
        *out_len = p.len;
        return RDB_OK;
    }
    buf_clear(scratch);
    if (p.kind == STR_INT) {
        buf_append(scratch, p.digits, p.len);
        *out_len = p.len;
    } else {
        buf_reserve(scratch, p.plain + 1);
        if (rdb_lzf_decompress(p.bytes, p.len, (uint8_t *)scratch->p, p.plain) != RDB_OK)
            return RDB_ERR;
        scratch->len = p.plain;
        *out_len = p.plain;
    }
    *out = (const uint8_t *)scratch->p;
    return RDB_OK;
}

/* Reads a string in any encoding into *out: owned, NUL-terminated, free
 * with xfree(); at most max_len bytes (more is an error). */
int rdb_read_string(RdbReader *r, size_t max_len, char **out, size_t *out_len) {
    StringParts p;
    *out = NULL;
    if (read_string_parts(r, max_len, &p) != RDB_OK) return RDB_ERR;
    size_t n = p.kind == STR_LZF ? p.plain : p.len;
    char *s = xmalloc(n + 1);
    if (p.kind == STR_LZF) {
        if (rdb_lzf_decompress(p.bytes, p.len, (uint8_t *)s, n) != RDB_OK) {
            xfree(s);
            return RDB_ERR;
        }
    } else if (n) {
        memcpy(s, p.kind == STR_INT ? (const uint8_t *)p.digits : p.bytes, n);
    }
    s[n] = '\0';
    *out = s;
    *out_len = n;
    return RDB_OK;
}

/* ---- Writing --------------------------------------------------------------------- */

static void put_le(Buf *b, uint64_t v, int n) {
    uint8_t x[8];
    for (int i = 0; i < n; i++, v >>= 8) x[i] = (uint8_t)v;
    buf_append(b, x, (size_t)n);
}

/* Writes the shortest length encoding of len at out (9 bytes of room);
 * returns its size. */
static size_t len_encode(uint8_t *out, uint64_t len) {
    if (len < 64) {
        out[0] = (uint8_t)len;
        return 1;
    }
    if (len < 16384) {
        out[0] = (uint8_t)(0x40 | (len >> 8));
        out[1] = (uint8_t)(len & 0xff);
        return 2;
    }
    int n = len <= UINT32_MAX ? 4 : 8;
    out[0] = n == 4 ? 0x80 : 0x81;
    for (int i = 0; i < n; i++) out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return (size_t)n + 1;
}

/* Bytes of the shortest length encoding of len. */
size_t rdb_len_bytes(uint64_t len) {
    return len < 64 ? 1 : len < 16384 ? 2 : len <= UINT32_MAX ? 5 : 9;
}

/* The shortest length encoding of len, as Redis writes it. */
void rdb_write_len(Buf *b, uint64_t len) {
    uint8_t x[9];
    buf_append(b, x, len_encode(x, len));
}

void rdb_write_ms(Buf *b, int64_t ms) {
    put_le(b, (uint64_t)ms, 8);
}

/* Redis compresses strings longer than this when that saves 4+ bytes. */
#define RDB_COMPRESS_MIN 21

/* A string as Redis writes it: an integer encoding for a canonical decimal
 * int32 of at most 11 characters, LZF when that saves space, else raw.
 * p must not point into b. */
int rdb_codec_compress = 1;

void rdb_write_string(Buf *b, const void *p, size_t len) {
    int64_t v;
    if (len <= 11 && lp_string_is_int(p, len, &v) && v >= INT32_MIN && v <= INT32_MAX) {
        if (v >= INT8_MIN && v <= INT8_MAX) {
            buf_append_char(b, (char)0xC0);
            put_le(b, (uint64_t)v, 1);
        } else if (v >= INT16_MIN && v <= INT16_MAX) {
            buf_append_char(b, (char)0xC1);
            put_le(b, (uint64_t)v, 2);
        } else {
            buf_append_char(b, (char)0xC2);
            put_le(b, (uint64_t)v, 4);
        }
        return;
    }
    if (rdb_codec_compress && len >= RDB_COMPRESS_MIN) {
        /* Compressed straight into b after room for the longest header,
         * then moved back to the real header's end: no buffer per string
         * (a snapshot compresses one per stream node). */
        enum { HDR_MAX = 1 + 9 + 9 };
        buf_reserve(b, HDR_MAX + len - 4);
        uint8_t *at = (uint8_t *)b->p + b->len;
        size_t n = rdb_lzf_compress(p, len, at + HDR_MAX, len - 4);
        if (n > 0) {
            uint8_t hdr[HDR_MAX];
            size_t h = 0;
            hdr[h++] = 0xC3;
            h += len_encode(hdr + h, n);
            h += len_encode(hdr + h, len);
            memmove(at + h, at + HDR_MAX, n);
            memcpy(at, hdr, h);
            b->len += h + n;
            return;
        }
    }
    rdb_write_len(b, len);
    buf_append(b, p, len);
}

/* ---- Listpacks ---------------------------------------------------------------------- */

/* The canonical decimal form of an int64: no sign on 0, no leading zeros,
 * no '+', within range. */
int lp_string_is_int(const char *s, size_t len, int64_t *v) {
    if (len == 0 || len > 20) return 0;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1) return 0;
    }
    if (s[i] == '0') {
        if (len == 1) {
            *v = 0;
            return 1;
        }
        return 0;
    }
    uint64_t u = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (u > (UINT64_MAX - d) / 10) return 0;
        u = u * 10 + d;
    }
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1) return 0;
        *v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > INT64_MAX) return 0;
        *v = (int64_t)u;
    }
    return 1;
}

static size_t backlen_size(size_t l) {
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

static void backlen_encode(size_t l, uint8_t *out) {
    size_t n = backlen_size(l);
    /* Most significant 7-bit group first; every byte but the first flagged. */
    for (size_t i = 0; i < n; i++) {
        size_t shift = 7 * (n - 1 - i);
        out[i] = (uint8_t)((l >> shift) & 127) | (i > 0 ? 128 : 0);
    }
}

/* Decodes the element at p (avail bytes to the end of the buffer): its value
 * and the size of its encoding + data. */
static int elem_decode(const uint8_t *p, size_t avail, LpElem *e, size_t *size) {
    uint8_t b = p[0];
    size_t hdr, len;
    e->is_int = 1;
    e->s = NULL;
    e->len = 0;
    if ((b & 0x80) == 0) {
        e->v = b & 0x7f;
        *size = 1;
        return RDB_OK;
    }
    if ((b & 0xC0) == 0x80) {
        hdr = 1;
        len = b & 0x3f;
        goto string;
    }
    if ((b & 0xE0) == 0xC0) {
        if (avail < 2) return RDB_ERR;
        uint64_t u = (uint64_t)(b & 0x1f) << 8 | p[1];
        e->v = u >= (1u << 12) ? (int64_t)u - (1 << 13) : (int64_t)u;
        *size = 2;
        return RDB_OK;
    }
    if ((b & 0xF0) == 0xE0) {
        if (avail < 2) return RDB_ERR;
        hdr = 2;
        len = (size_t)(b & 0x0f) << 8 | p[1];
        goto string;
    }
    switch (b) {
    case 0xF0:
        if (avail < 5) return RDB_ERR;
        hdr = 5;
        len = (size_t)get_le(p + 1, 4);
        goto string;
    case 0xF1:
    case 0xF2:
    case 0xF3:
    case 0xF4: {
        int n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
        if (avail < (size_t)n + 1) return RDB_ERR;
        uint64_t u = get_le(p + 1, n);
        if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
        e->v = (int64_t)u;
        *size = (size_t)n + 1;
        return RDB_OK;
    }
    default:
        return RDB_ERR;
    }
string:
    if (len > avail - hdr) return RDB_ERR;
    e->is_int = 0;
    e->s = p + hdr;
    e->len = len;
    *size = hdr + len;
    return RDB_OK;
}

/* Starts a reader over a listpack that lp_validate() accepted. */
void lp_reader_init(LpReader *r, const uint8_t *p, size_t len) {
    r->p = p;
    r->len = len;
    r->pos = LP_HEADER_BYTES;
    r->n_read = 0;
}

/* Starts a reader over an unchecked listpack after checking its header (the
 * total size, the terminator as the last byte); lp_next() checks each
 * element as it comes and lp_reader_done() the end. */
int lp_reader_open(LpReader *r, const uint8_t *p, size_t len) {
    if (len < LP_HEADER_BYTES + 1 || get_le(p, 4) != len || p[len - 1] != LP_EOF) return RDB_ERR;
    lp_reader_init(r, p, len);
    return RDB_OK;
}

/* After lp_next() returned 0: RDB_OK when the terminator is the last byte
 * and the header's count (unless 65535) is the number of elements read. */
int lp_reader_done(const LpReader *r) {
    uint32_t declared = (uint32_t)get_le(r->p + 4, 2);
    if (r->pos != r->len - 1) return RDB_ERR;
    if (declared != 65535 && declared != r->n_read) return RDB_ERR;
    return RDB_OK;
}

/* lp_next() past its inline cases. */
int lp_next_slow(LpReader *r, LpElem *e) {
    if (r->pos >= r->len) return RDB_ERR;
    if (r->p[r->pos] == LP_EOF) return 0;
    size_t avail = r->len - r->pos - 1; /* the EOF byte stays */
    size_t size;
    if (avail == 0 || elem_decode(r->p + r->pos, avail, e, &size) != RDB_OK) return RDB_ERR;
    size_t bl = backlen_size(size);
    if (bl > avail - size) return RDB_ERR;
    const uint8_t *got = r->p + r->pos + size;
    if (bl == 1) {
        if (*got != size) return RDB_ERR;
    } else {
        uint8_t want[5];
        backlen_encode(size, want);
        if (memcmp(want, got, bl) != 0) return RDB_ERR;
    }
    r->pos += size + bl;
    r->n_read++;
    return 1;
}

/* Checks a whole listpack: header, every element, the terminator as the
 * last byte, the element count. Sets *n_elems. */
int lp_validate(const uint8_t *p, size_t len, uint32_t *n_elems) {
    LpReader r;
    LpElem e;
    int rc;
    if (lp_reader_open(&r, p, len) != RDB_OK) return RDB_ERR;
    while ((rc = lp_next(&r, &e)) == 1) {
    }
    if (rc != 0 || lp_reader_done(&r) != RDB_OK) return RDB_ERR;
    *n_elems = r.n_read;
    return RDB_OK;
}

/* Starts a listpack at the end of b. */
void lp_writer_start(LpWriter *w, Buf *b) {
    static const uint8_t header[LP_HEADER_BYTES] = {0};
    w->b = b;
    w->start = b->len;
    w->n = 0;
    buf_append(b, header, sizeof header);
}

/* Writes s[0..len) as a string element (never as an integer: for text the
 * caller knows is not an integer's canonical form) at p, which has
 * lp_str_max_bytes(len) of room; returns the byte after it. */
uint8_t *lp_put_str(uint8_t *p, const void *s, size_t len) {
    uint8_t *start = p;
    if (len < 64) {
        *p++ = (uint8_t)(0x80 | len);
    } else if (len < 4096) {
        *p++ = (uint8_t)(0xE0 | (len >> 8));
        *p++ = (uint8_t)(len & 0xff);
    } else {
        *p++ = 0xF0;
        for (int i = 0; i < 4; i++) *p++ = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (len) memcpy(p, s, len); /* an empty string may have no bytes at all (s NULL) */
    p += len;
    size_t size = (size_t)(p - start);
    if (size <= 127) {
        *p++ = (uint8_t)size;
    } else {
        backlen_encode(size, p);
        p += backlen_size(size);
    }
    return p;
}

/* A string element; a canonical integer string is stored as the integer. */
uint8_t *lp_put_text(uint8_t *p, const void *s, size_t len) {
    int64_t v;
    if (len && len <= 20 && lp_string_is_int(s, len, &v)) return lp_put_int(p, v);
    return lp_put_str(p, s, len);
}

/* The smallest integer encoding of v, as Redis picks it. */
void lp_append_int(LpWriter *w, int64_t v) {
    Buf *b = w->b;
    buf_reserve(b, LP_INT_MAX_BYTES);
    uint8_t *at = (uint8_t *)b->p + b->len;
    b->len += (size_t)(lp_put_int(at, v) - at);
    w->n++;
}

/* A string element; a canonical integer string is stored as the integer. */
void lp_append_str(LpWriter *w, const void *p, size_t len) {
    Buf *b = w->b;
    buf_reserve(b, lp_str_max_bytes(len));
    uint8_t *at = (uint8_t *)b->p + b->len;
    b->len += (size_t)(lp_put_text(at, p, len) - at);
    w->n++;
}

/* Bytes the listpack would have if finished now. */
size_t lp_writer_bytes(const LpWriter *w) {
    return w->b->len - w->start + 1;
}

/* Writes the terminator and the header. */
void lp_writer_finish(LpWriter *w) {
    buf_append_char(w->b, (char)LP_EOF);
    uint64_t total = w->b->len - w->start;
    uint8_t *h = (uint8_t *)w->b->p + w->start;
    for (int i = 0; i < 4; i++) h[i] = (uint8_t)(total >> (8 * i));
    uint32_t n = w->n < 65535 ? w->n : 65535;
    h[4] = (uint8_t)(n & 0xff);
    h[5] = (uint8_t)(n >> 8);
}

/* ---- Ziplists -------------------------------------------------------------- */

static uint64_t zl_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The entry at p[pos..end) (end: the terminator): *e, its previous-entry
 * length in *prev and the next entry's offset in *next. */
static int zl_entry(const uint8_t *p, size_t end, size_t pos, LpElem *e, size_t *prev,
                    size_t *next) {
    size_t at = pos;
    if (at >= end) return RDB_ERR;
    if (p[at] < 254) {
        *prev = p[at];
        at += 1;
    } else if (p[at] == 254) {
        if (end - at < 5) return RDB_ERR;
        *prev = (size_t)zl_le(p + at + 1, 4);
        at += 5;
    } else {
        return RDB_ERR;
    }
    if (at >= end) return RDB_ERR;
    uint8_t b = p[at];
    size_t slen, hdr;
    memset(e, 0, sizeof *e);
    switch (b >> 6) {
    case 0:
        slen = b & 0x3f;
        hdr = 1;
        goto string;
    case 1:
        if (end - at < 2) return RDB_ERR;
        slen = (size_t)(b & 0x3f) << 8 | p[at + 1];
        hdr = 2;
        goto string;
    case 2:
        if (b != 0x80 || end - at < 5) return RDB_ERR;
        slen =
            (size_t)p[at + 1] << 24 | (size_t)p[at + 2] << 16 | (size_t)p[at + 3] << 8 | p[at + 4];
        hdr = 5;
        goto string;
    default:
        break;
    }
    e->is_int = 1;
    int n;
    switch (b) {
    case 0xC0:
        n = 2;
        break;
    case 0xD0:
        n = 4;
        break;
    case 0xE0:
        n = 8;
        break;
    case 0xF0:
        n = 3;
        break;
    case 0xFE:
        n = 1;
        break;
    default:
        if (b >= 0xF1 && b <= 0xFD) {
            e->v = (int64_t)(b & 0x0f) - 1;
            *next = at + 1;
            return RDB_OK;
        }
        return RDB_ERR;
    }
    if (end - at - 1 < (size_t)n) return RDB_ERR;
    uint64_t u = zl_le(p + at + 1, n);
    if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n); /* sign */
    e->v = (int64_t)u;
    *next = at + 1 + (size_t)n;
    return RDB_OK;
string:
    if (end - at - hdr < slen) return RDB_ERR;
    e->s = p + at + hdr;
    e->len = slen;
    *next = at + hdr + slen;
    return RDB_OK;
}

int zl_validate(const uint8_t *p, size_t len, uint32_t *n_elems) {
    if (len < 11 || zl_le(p, 4) != len || p[len - 1] != 0xFF) return RDB_ERR;
    size_t end = len - 1, pos = 10, size = 0, tail = 10;
    uint64_t n = 0;
    LpElem e;
    while (pos < end) {
        size_t prev, next;
        if (zl_entry(p, end, pos, &e, &prev, &next) != RDB_OK || prev != size) return RDB_ERR;
        size = next - pos;
        tail = pos;
        pos = next;
        if (++n > UINT32_MAX) return RDB_ERR;
    }
    uint64_t declared = zl_le(p + 8, 2);
    if (zl_le(p + 4, 4) != tail || (declared != 65535 && declared != n)) return RDB_ERR;
    *n_elems = (uint32_t)n;
    return RDB_OK;
}

void zl_reader_init(ZlReader *r, const uint8_t *p, size_t len) {
    r->p = p;
    r->len = len;
    r->pos = 10;
}

int zl_next(ZlReader *r, LpElem *e) {
    if (r->len < 11 || r->pos > r->len - 1) return RDB_ERR;
    if (r->pos == r->len - 1) return 0;
    size_t prev, next;
    if (zl_entry(r->p, r->len - 1, r->pos, e, &prev, &next) != RDB_OK) return RDB_ERR;
    r->pos = next;
    return 1;
}
