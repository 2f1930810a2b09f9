/*
 * rdbcodec.h - the byte-level pieces of Redis's serialization format (RDB),
 * as DUMP and RESTORE exchange them: the CRC-64 that seals a payload, LZF
 * compression, the length and string encodings, and the listpack, the
 * packed list a stream's entries travel in.
 *
 * Pure functions over bytes: no server state, no keyspace. Readers treat the
 * input as hostile: every length is checked against what is left, every
 * allocation is bounded by the input's size, and any inconsistency is an
 * error (RDB_ERR), never an assertion. src/persist/dumpvalue.c builds the
 * payloads of whole values from these pieces; docs/dump-format.md draws the
 * layouts.
 */
#ifndef STREAMD_PERSIST_RDBCODEC_H
#define STREAMD_PERSIST_RDBCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* The longest string a file or DUMP payload may hold: what the server can
 * have made, which is up to proto-max-bulk-len (never less than Redis's 512
 * MB, so a file written before the limit was lowered still loads) plus the
 * 8 bytes a BITFIELD write may reach past its last allowed offset. Readers
 * refuse longer claims as corrupt. */
unsigned long long persist_string_max(void);

/* RDB_EMPTY: a value read whole and well formed that holds no element (a
 * list, set, sorted set or hash of none). Redis 7.0 once wrote such keys by
 * mistake and skips them when it loads a file, but RESTORE refuses them;
 * the value readers say so and let the caller choose. */
enum { RDB_OK = 0, RDB_ERR = -1, RDB_EMPTY = -2 };

/* ---- CRC-64 (Jones polynomial, reflected, no final xor) ----------------- */
uint64_t rdb_crc64(uint64_t crc, const void *p, size_t len);
uint64_t rdb_crc64_portable(uint64_t crc, const void *p, size_t len);

/* ---- LZF ---------------------------------------------------------------- */
/* Decompresses in[0..in_len) into exactly out_len bytes; RDB_ERR if the input
 * is malformed or does not decode to exactly out_len bytes. */
int rdb_lzf_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);
/* Compresses into out (out_cap bytes); returns the compressed length, or 0
 * when the result would not fit (out's bytes are then unspecified). */
size_t rdb_lzf_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap);

/* ---- Reading a payload -------------------------------------------------- */

/* A cursor over borrowed bytes. */
typedef struct RdbReader {
    const uint8_t *p;
    size_t len;
    size_t pos;
} RdbReader;

void rdb_reader_init(RdbReader *r, const void *p, size_t len);
int rdb_read_u8(RdbReader *r, uint8_t *out);
int rdb_read_raw(RdbReader *r, size_t n, const uint8_t **out);
int rdb_read_len(RdbReader *r, uint64_t *out);
int rdb_read_ms(RdbReader *r, int64_t *out);
int rdb_read_string(RdbReader *r, size_t max_len, char **out, size_t *out_len);
int rdb_read_string_view(RdbReader *r, size_t max_len, Buf *scratch, const uint8_t **out,
                         size_t *out_len);

/* ---- Writing a payload -------------------------------------------------- */
void rdb_write_len(Buf *b, uint64_t len);
size_t rdb_len_bytes(uint64_t len);
void rdb_write_ms(Buf *b, int64_t ms);
/* Strings longer than 20 bytes are LZF-compressed when that saves at least 4
 * bytes, unless rdb_codec_compress is 0 (rdbcompression no, as Redis applies
 * it to DUMP payloads and RDB files alike). */
extern int rdb_codec_compress;
void rdb_write_string(Buf *b, const void *p, size_t len);

/* ---- Listpacks ---------------------------------------------------------- */

#define LP_HEADER_BYTES 6
#define LP_EOF          0xFF

/* One element: an integer, or a string viewing the listpack's bytes. */
typedef struct LpElem {
    int is_int;
    int64_t v;
    const uint8_t *s;
    size_t len;
} LpElem;

/* Caller-allocated cursor over a borrowed listpack. */
typedef struct LpReader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    uint32_t n_read;
} LpReader;

int lp_validate(const uint8_t *p, size_t len, uint32_t *n_elems);
void lp_reader_init(LpReader *r, const uint8_t *p, size_t len);
int lp_reader_open(LpReader *r, const uint8_t *p, size_t len);
int lp_reader_done(const LpReader *r);
int lp_next_slow(LpReader *r, LpElem *e);

/* The next element: 1 with *e set (string views borrow the listpack), 0 at
 * the terminator, RDB_ERR when malformed. Inline for what a stream's
 * listpacks are nearly all made of: integers and strings of up to 63
 * bytes, each with a one-byte back-length (the terminator stays after it). */
static inline int lp_next(LpReader *r, LpElem *e) {
    size_t left = r->len - r->pos; /* pos <= len always */
    if (left >= 3) {
        const uint8_t *p = r->p + r->pos;
        uint8_t b = p[0];
        if (b < 0x80) {
            if (p[1] != 1) return RDB_ERR;
            e->is_int = 1;
            e->v = b;
            e->s = NULL;
            e->len = 0;
            r->pos += 2;
            r->n_read++;
            return 1;
        }
        if ((b & 0xE0) == 0xC0) { /* 13-bit signed integer */
            if (left < 4 || p[2] != 2) return RDB_ERR;
            int64_t u = (int64_t)(b & 0x1f) << 8 | p[1];
            e->is_int = 1;
            e->v = u >= 4096 ? u - 8192 : u;
            e->s = NULL;
            e->len = 0;
            r->pos += 3;
            r->n_read++;
            return 1;
        }
        if (b >= 0xF1 && b <= 0xF4) { /* 16, 24, 32, 64-bit signed integer */
            unsigned nb = b == 0xF4 ? 8 : b - 0xEF;
            if (left < nb + 3 || p[nb + 1] != nb + 1) return RDB_ERR;
            uint64_t u = 0;
            for (unsigned i = 0; i < nb; i++) u |= (uint64_t)p[1 + i] << (8 * i);
            if (nb < 8 && (u >> (8 * nb - 1)) & 1) u |= ~(uint64_t)0 << (8 * nb);
            e->is_int = 1;
            e->v = (int64_t)u;
            e->s = NULL;
            e->len = 0;
            r->pos += nb + 2;
            r->n_read++;
            return 1;
        }
        if ((b & 0xC0) == 0x80) {
            size_t size = 1 + (size_t)(b & 0x3f);
            if (size + 2 > left || p[size] != size) return RDB_ERR;
            e->is_int = 0;
            e->v = 0;
            e->s = p + 1;
            e->len = size - 1;
            r->pos += size + 1;
            r->n_read++;
            return 1;
        }
    }
    return lp_next_slow(r, e);
}
/* True when s is an integer's canonical decimal form (stored as an integer). */
int lp_string_is_int(const char *s, size_t len, int64_t *v);

/* ---- Ziplists (read only: Redis before 7.0 wrote them) ----------------------
 *
 *   <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>... <0xFF>
 *   entry: <prevlen: 1 byte < 254, or 0xFE + u32 LE> <encoding> <data>
 *   encoding: 00llllll / 01llllll llllllll (BE) / 10000000 + u32 BE: a
 *   string of that length; C0 int16, D0 int32, E0 int64, F0 int24, FE int8
 *   (LE); F1..FD the integers 0..12.
 */
typedef struct ZlReader {
    const uint8_t *p;
    size_t len;
    size_t pos;
} ZlReader;

/* Walks the whole ziplist: sizes, every prevlen, the tail offset and the
 * count (unless 65535); RDB_OK with the elements in *n_elems. */
int zl_validate(const uint8_t *p, size_t len, uint32_t *n_elems);
/* For a ziplist zl_validate() accepted. */
void zl_reader_init(ZlReader *r, const uint8_t *p, size_t len);
/* 1 with the next element (strings view the ziplist), 0 at the end,
 * RDB_ERR on malformed bytes. */
int zl_next(ZlReader *r, LpElem *e);

/* Appends a listpack to a Buf. */
typedef struct LpWriter {
    Buf *b;
    size_t start;
    uint32_t n;
} LpWriter;

/* Writing elements at a pointer, into room the caller reserved: the most an
 * integer takes, and a string of len bytes. */
#define LP_INT_MAX_BYTES 10
static inline size_t lp_str_max_bytes(size_t len) {
    return len + 10;
}
/* Writes integer v as an element (the smallest encoding, as Redis picks it,
 * and its back-length) at p, which has LP_INT_MAX_BYTES of room; returns
 * the byte after it. */
static inline uint8_t *lp_put_int(uint8_t *p, int64_t v) {
    uint64_t u = (uint64_t)v;
    if (v >= 0 && v <= 127) {
        p[0] = (uint8_t)v;
        p[1] = 1;
        return p + 2;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t t = u & 0x1fff;
        p[0] = (uint8_t)(0xC0 | (t >> 8));
        p[1] = (uint8_t)(t & 0xff);
        p[2] = 2;
        return p + 3;
    }
    int k = v >= INT16_MIN && v <= INT16_MAX   ? 2
            : v >= -8388608 && v <= 8388607    ? 3
            : v >= INT32_MIN && v <= INT32_MAX ? 4
                                               : 8;
    p[0] = k == 2 ? 0xF1 : k == 3 ? 0xF2 : k == 4 ? 0xF3 : 0xF4;
    for (int i = 0; i < k; i++) p[1 + i] = (uint8_t)(u >> (8 * i));
    p[1 + k] = (uint8_t)(k + 1);
    return p + k + 2;
}

uint8_t *lp_put_str(uint8_t *p, const void *s, size_t len);
uint8_t *lp_put_text(uint8_t *p, const void *s, size_t len);

void lp_writer_start(LpWriter *w, Buf *b);
void lp_append_int(LpWriter *w, int64_t v);
void lp_append_str(LpWriter *w, const void *p, size_t len);
size_t lp_writer_bytes(const LpWriter *w);
void lp_writer_finish(LpWriter *w);

#endif
