/*
 * tseries.c - the time series value type: samples in timestamp order, cut
 * into chunks of at most chunk_bytes bytes of sample data each.
 *
 * Chunks. A series is a vector of chunk pointers in timestamp order; chunks
 * never overlap and none is empty. A chunk holds its samples in one of two
 * encodings, chosen per series as RedisTimeSeries does (ENCODING):
 *
 *   UNCOMPRESSED  TsSample[n]: 16 bytes a sample, chunk_bytes / 16 of them.
 *   COMPRESSED    a bit stream (most significant bit first) in the Gorilla
 *                 style: the first sample as two raw 64-bit words, then for
 *                 each next one the delta-of-delta of its timestamp and the
 *                 XOR of its value's bits with the previous value's:
 *
 *       timestamp dod  0                      '0'
 *                      [-64, 63]              '10'    + 7 bits
 *                      [-256, 255]            '110'   + 9 bits
 *                      [-2048, 2047]          '1110'  + 12 bits
 *                      32-bit                 '11110' + 32 bits
 *                      otherwise              '11111' + 64 bits
 *       value xor      0                      '0'
 *                      fits the last window   '10' + the window's bits
 *                      otherwise              '11' + 5 bits leading zeros
 *                                             + 6 bits (length - 1) + bits
 *
 *   Samples arriving in order are appended to the last chunk (O(1)); a full
 *   chunk starts a new one. Anything else (an out-of-order insert, an
 *   upsert, a delete) decodes the chunk, edits the array and re-encodes it,
 *   splitting it in halves when it no longer fits, as RedisTimeSeries does.
 *   A chunk's buffer grows by doubling up to chunk_bytes, so a short series
 *   does not hold a whole chunk (RedisTimeSeries allocates it up front).
 *
 * Retention: like RedisTimeSeries, whole chunks older than the window are
 * dropped (ts_trim); samples of the first chunk that fell out of the window
 * stay stored but are skipped by every read (ts_min_valid), so what clients
 * see is exactly the window.
 *
 * Invariants: chunks sorted, non-overlapping, non-empty; in a chunk,
 * timestamps strictly increasing; n_samples == the sum of the chunks' n.
 */
#include "types/tseries.h"

#include <assert.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

struct TsChunk {
    uint8_t enc;
    uint8_t lead, trail; /* compressed: the current XOR window; lead 0xff: none */
    uint32_t n;
    uint32_t alloc; /* bytes allocated for data */
    uint32_t limit; /* bytes data may grow to */
    uint64_t bits;  /* compressed: bits written */
    int64_t first_ts, last_ts;
    int64_t prev_delta;  /* compressed: last timestamp delta */
    uint64_t prev_vbits; /* compressed: last value's bits */
    uint8_t *data;
};

#define NO_WINDOW   0xff
#define FIRST_ALLOC 32

/* ---- bits ------------------------------------------------------------------ */

static void bits_put(uint8_t *d, uint64_t pos, uint64_t v, int nbits) {
    for (int i = nbits - 1; i >= 0; i--, pos++)
        if ((v >> i) & 1) d[pos >> 3] |= (uint8_t)(0x80u >> (pos & 7));
}

static uint64_t bits_get(const uint8_t *d, uint64_t *pos, int nbits) {
    uint64_t v = 0, p = *pos;
    for (int i = 0; i < nbits; i++, p++) v = (v << 1) | ((d[p >> 3] >> (7 - (p & 7))) & 1);
    *pos = p;
    return v;
}

static uint64_t dbits(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bitsd(uint64_t u) {
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Bits the timestamp part of a sample with delta-of-delta dod takes. */
static int dod_bits(int64_t dod) {
    if (dod == 0) return 1;
    if (dod >= -64 && dod <= 63) return 2 + 7;
    if (dod >= -256 && dod <= 255) return 3 + 9;
    if (dod >= -2048 && dod <= 2047) return 4 + 12;
    if (dod >= INT32_MIN && dod <= INT32_MAX) return 5 + 32;
    return 5 + 64;
}

static void dod_write(uint8_t *d, uint64_t *pos, int64_t dod) {
    uint64_t u = (uint64_t)dod;
    if (dod == 0) {
        bits_put(d, *pos, 0, 1);
        *pos += 1;
    } else if (dod >= -64 && dod <= 63) {
        bits_put(d, *pos, 2, 2);
        bits_put(d, *pos + 2, u & 0x7f, 7);
        *pos += 9;
    } else if (dod >= -256 && dod <= 255) {
        bits_put(d, *pos, 6, 3);
        bits_put(d, *pos + 3, u & 0x1ff, 9);
        *pos += 12;
    } else if (dod >= -2048 && dod <= 2047) {
        bits_put(d, *pos, 14, 4);
        bits_put(d, *pos + 4, u & 0xfff, 12);
        *pos += 16;
    } else if (dod >= INT32_MIN && dod <= INT32_MAX) {
        bits_put(d, *pos, 30, 5);
        bits_put(d, *pos + 5, u & 0xffffffffu, 32);
        *pos += 37;
    } else {
        bits_put(d, *pos, 31, 5);
        bits_put(d, *pos + 5, u, 64);
        *pos += 69;
    }
}

static int64_t sign_extend(uint64_t v, int nbits) {
    uint64_t m = 1ull << (nbits - 1);
    return (int64_t)((v ^ m) - m);
}

static int64_t dod_read(const uint8_t *d, uint64_t *pos) {
    int ones = 0;
    while (ones < 5 && bits_get(d, pos, 1)) ones++;
    switch (ones) {
    case 0:
        return 0;
    case 1:
        return sign_extend(bits_get(d, pos, 7), 7);
    case 2:
        return sign_extend(bits_get(d, pos, 9), 9);
    case 3:
        return sign_extend(bits_get(d, pos, 12), 12);
    case 4:
        return sign_extend(bits_get(d, pos, 32), 32);
    default:
        return (int64_t)bits_get(d, pos, 64);
    }
}

/* ---- chunks ------------------------------------------------------------------ */

static TsChunk *chunk_new(int enc, uint32_t limit) {
    TsChunk *c = xcalloc(1, sizeof *c);
    c->enc = (uint8_t)enc;
    c->limit = limit;
    c->lead = NO_WINDOW;
    c->alloc = limit < FIRST_ALLOC ? limit : FIRST_ALLOC;
    c->data = xcalloc(1, c->alloc);
    return c;
}

static void chunk_free(TsChunk *c) {
    if (!c) return;
    xfree(c->data);
    xfree(c);
}

static TsChunk *chunk_dup(const TsChunk *c) {
    TsChunk *d = xmalloc(sizeof *d);
    *d = *c;
    d->data = xmemdup(c->data, c->alloc);
    return d;
}

/* Makes room for need bytes of data; 0, or -1 past the chunk's limit. */
static int chunk_reserve(TsChunk *c, uint64_t need) {
    if (need <= c->alloc) return 0;
    if (need > c->limit) return -1;
    uint64_t a = c->alloc;
    while (a < need) a *= 2;
    if (a > c->limit) a = c->limit;
    c->data = xrealloc(c->data, (size_t)a);
    memset(c->data + c->alloc, 0, (size_t)(a - c->alloc));
    c->alloc = (uint32_t)a;
    return 0;
}

/* Appends a sample newer than the chunk's last; 0, or -1 when it does not fit
 * (the chunk is then unchanged). */
static int chunk_append(TsChunk *c, int64_t ts, double v) {
    assert(c->n == 0 || ts > c->last_ts);
    if (c->enc == TS_ENC_UNCOMPRESSED) {
        if (chunk_reserve(c, (uint64_t)(c->n + 1) * sizeof(TsSample)) != 0) return -1;
        TsSample *s = (TsSample *)(void *)c->data;
        s[c->n].ts = ts;
        s[c->n].v = v;
    } else if (c->n == 0) {
        if (chunk_reserve(c, 16) != 0) return -1;
        bits_put(c->data, 0, (uint64_t)ts, 64);
        bits_put(c->data, 64, dbits(v), 64);
        c->bits = 128;
        c->prev_delta = 0;
        c->prev_vbits = dbits(v);
    } else {
        int64_t delta = ts - c->last_ts;
        int64_t dod = delta - c->prev_delta;
        uint64_t x = dbits(v) ^ c->prev_vbits;
        int vb, lead = 0, trail = 0, reuse = 0;
        if (x == 0) {
            vb = 1;
        } else {
            lead = __builtin_clzll(x);
            trail = __builtin_ctzll(x);
            if (lead > 31) lead = 31;
            reuse = c->lead != NO_WINDOW && lead >= c->lead && trail >= c->trail;
            vb = reuse ? 2 + (64 - c->lead - c->trail) : 2 + 5 + 6 + (64 - lead - trail);
        }
        uint64_t end = c->bits + (uint64_t)dod_bits(dod) + (uint64_t)vb;
        if (chunk_reserve(c, (end + 7) / 8) != 0) return -1;
        uint64_t pos = c->bits;
        dod_write(c->data, &pos, dod);
        if (x == 0) {
            bits_put(c->data, pos, 0, 1);
            pos += 1;
        } else if (reuse) {
            int len = 64 - c->lead - c->trail;
            bits_put(c->data, pos, 2, 2);
            bits_put(c->data, pos + 2, x >> c->trail, len);
            pos += 2 + (uint64_t)len;
        } else {
            int len = 64 - lead - trail;
            bits_put(c->data, pos, 3, 2);
            bits_put(c->data, pos + 2, (uint64_t)lead, 5);
            bits_put(c->data, pos + 7, (uint64_t)(len - 1), 6);
            bits_put(c->data, pos + 13, x >> trail, len);
            pos += 13 + (uint64_t)len;
            c->lead = (uint8_t)lead;
            c->trail = (uint8_t)trail;
        }
        assert(pos == end);
        c->bits = end;
        c->prev_delta = delta;
        c->prev_vbits = dbits(v);
    }
    if (c->n == 0) c->first_ts = ts;
    c->last_ts = ts;
    c->n++;
    return 0;
}

/* Decodes the chunk's samples into out (room for c->n). */
static void chunk_decode(const TsChunk *c, TsSample *out) {
    if (c->enc == TS_ENC_UNCOMPRESSED) {
        memcpy(out, c->data, (size_t)c->n * sizeof(TsSample));
        return;
    }
    if (c->n == 0) return;
    uint64_t pos = 0;
    int64_t ts = (int64_t)bits_get(c->data, &pos, 64);
    uint64_t vb = bits_get(c->data, &pos, 64);
    int64_t delta = 0;
    int lead = 0, trail = 0;
    out[0].ts = ts;
    out[0].v = bitsd(vb);
    for (uint32_t i = 1; i < c->n; i++) {
        delta += dod_read(c->data, &pos);
        ts += delta;
        if (bits_get(c->data, &pos, 1)) {
            if (bits_get(c->data, &pos, 1)) {
                lead = (int)bits_get(c->data, &pos, 5);
                int len = (int)bits_get(c->data, &pos, 6) + 1;
                trail = 64 - lead - len;
            }
            int len = 64 - lead - trail;
            vb ^= bits_get(c->data, &pos, len) << trail;
        }
        out[i].ts = ts;
        out[i].v = bitsd(vb);
    }
}

/* ---- the series' chunk vector ---------------------------------------------------- */

static void chunks_insert(TSeries *s, size_t at, TsChunk *c) {
    if (s->n_chunks == s->cap_chunks) {
        s->cap_chunks = s->cap_chunks ? s->cap_chunks * 2 : 4;
        s->chunks = xrealloc(s->chunks, s->cap_chunks * sizeof *s->chunks);
    }
    memmove(s->chunks + at + 1, s->chunks + at, (s->n_chunks - at) * sizeof *s->chunks);
    s->chunks[at] = c;
    s->n_chunks++;
}

static void chunks_remove(TSeries *s, size_t at) {
    chunk_free(s->chunks[at]);
    memmove(s->chunks + at, s->chunks + at + 1, (s->n_chunks - at - 1) * sizeof *s->chunks);
    s->n_chunks--;
}

/* Encodes samples[0..n) (sorted) as chunks inserted at position at; splits
 * in halves what does not fit one chunk. Returns the chunks made. */
static size_t chunks_build(TSeries *s, size_t at, const TsSample *samples, size_t n) {
    if (n == 0) return 0;
    TsChunk *c = chunk_new(s->encoding, s->chunk_bytes);
    size_t i = 0;
    while (i < n && chunk_append(c, samples[i].ts, samples[i].v) == 0) i++;
    if (i == n) {
        chunks_insert(s, at, c);
        return 1;
    }
    chunk_free(c);
    assert(n > 1);
    size_t half = n / 2;
    size_t k = chunks_build(s, at, samples, half);
    return k + chunks_build(s, at + k, samples + half, n - half);
}

/* The chunk a timestamp belongs in: the last one starting at or before it,
 * or the first. Requires at least one chunk. */
static size_t chunk_for(const TSeries *s, int64_t ts) {
    size_t lo = 0, hi = s->n_chunks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->chunks[mid]->first_ts <= ts)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the series ---------------------------------------------------------------- */

TSeries *ts_new(uint32_t chunk_bytes, int encoding) {
    assert(chunk_bytes >= TS_CHUNK_MIN && chunk_bytes <= TS_CHUNK_MAX);
    TSeries *s = xcalloc(1, sizeof *s);
    s->chunk_bytes = chunk_bytes;
    s->encoding = (uint8_t)encoding;
    return s;
}

void ts_free(TSeries *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_chunks; i++) chunk_free(s->chunks[i]);
    xfree(s->chunks);
    xfree(s);
}

TSeries *ts_dup(const TSeries *s) {
    TSeries *d = xmalloc(sizeof *d);
    *d = *s;
    d->chunks = s->cap_chunks ? xmalloc(s->cap_chunks * sizeof *d->chunks) : NULL;
    for (size_t i = 0; i < s->n_chunks; i++) d->chunks[i] = chunk_dup(s->chunks[i]);
    return d;
}

static const char *const policy_names[] = {NULL, "block", "first", "last", "min", "max", "sum"};

const char *ts_policy_name(int dp) {
    return dp > TS_DP_NONE && dp <= TS_DP_SUM ? policy_names[dp] : NULL;
}

int ts_policy_parse(const char *p, size_t len) {
    for (int i = TS_DP_BLOCK; i <= TS_DP_SUM; i++)
        if (strlen(policy_names[i]) == len && strncasecmp(p, policy_names[i], len) == 0) return i;
    return 0;
}

int ts_last(const TSeries *s, TsSample *out) {
    if (s->n_chunks == 0) return 0;
    const TsChunk *c = s->chunks[s->n_chunks - 1];
    out->ts = c->last_ts;
    if (c->enc == TS_ENC_UNCOMPRESSED)
        out->v = ((const TsSample *)(const void *)c->data)[c->n - 1].v;
    else
        out->v = bitsd(c->prev_vbits);
    return 1;
}

int64_t ts_min_valid(const TSeries *s) {
    TsSample last;
    if (s->retention_ms == 0 || !ts_last(s, &last)) return 0;
    return last.ts > s->retention_ms ? last.ts - s->retention_ms : 0;
}

uint64_t ts_count_valid(const TSeries *s, int64_t *first_ts) {
    int64_t min = ts_min_valid(s);
    uint64_t skipped = 0;
    *first_ts = 0;
    for (size_t i = 0; i < s->n_chunks; i++) {
        const TsChunk *c = s->chunks[i];
        if (c->first_ts >= min) {
            if (*first_ts == 0 && skipped == 0) *first_ts = c->first_ts;
            break;
        }
        TsSample *buf = xmalloc((size_t)c->n * sizeof *buf);
        chunk_decode(c, buf);
        uint32_t j = 0;
        while (j < c->n && buf[j].ts < min) j++;
        skipped += j;
        int found = j < c->n;
        if (found) *first_ts = buf[j].ts;
        xfree(buf);
        if (found) break;
    }
    return s->n_samples - skipped;
}

void ts_append(TSeries *s, int64_t ts, double v) {
    if (s->n_chunks == 0 || chunk_append(s->chunks[s->n_chunks - 1], ts, v) != 0) {
        TsChunk *c = chunk_new(s->encoding, s->chunk_bytes);
        int rc = chunk_append(c, ts, v);
        assert(rc == 0);
        (void)rc;
        chunks_insert(s, s->n_chunks, c);
    }
    s->n_samples++;
}

void ts_append_chunk(TSeries *s, const TsSample *samples, size_t n) {
    chunks_build(s, s->n_chunks, samples, n);
    s->n_samples += n;
}

void ts_trim(TSeries *s) {
    int64_t min = ts_min_valid(s);
    if (min == 0) return;
    size_t k = 0;
    while (k < s->n_chunks && s->chunks[k]->last_ts < min) k++;
    if (k == 0) return;
    for (size_t i = 0; i < k; i++) {
        s->n_samples -= s->chunks[i]->n;
        chunk_free(s->chunks[i]);
    }
    memmove(s->chunks, s->chunks + k, (s->n_chunks - k) * sizeof *s->chunks);
    s->n_chunks -= k;
}

/* Applies policy dp to an existing sample's value; 0, or -1 refused. */
static int apply_policy(int dp, double *old, double v) {
    switch (dp) {
    case TS_DP_FIRST:
        return 0;
    case TS_DP_LAST:
        *old = v;
        return 0;
    case TS_DP_MIN:
        if (isnan(*old) || isnan(v)) return -1;
        if (v < *old) *old = v;
        return 0;
    case TS_DP_MAX:
        if (isnan(*old) || isnan(v)) return -1;
        if (v > *old) *old = v;
        return 0;
    case TS_DP_SUM:
        if (isnan(*old) || isnan(v)) return -1;
        *old += v;
        return 0;
    default:
        return -1;
    }
}

int ts_add(TSeries *s, int64_t ts, double v, int dp, int apply_ignore, int *was_upsert) {
    TsSample last;
    int has = ts_last(s, &last);
    *was_upsert = 0;
    if (has && s->retention_ms && ts < last.ts &&
        (uint64_t)(last.ts - ts) > (uint64_t)s->retention_ms)
        return TS_ERR_OLD;
    if (apply_ignore && has && dp == TS_DP_LAST && ts >= last.ts &&
        (uint64_t)(ts - last.ts) <= (uint64_t)s->ignore_max_time_diff &&
        fabs(v - last.v) <= s->ignore_max_val_diff)
        return TS_IGNORED;
    if (!has || ts > last.ts) {
        ts_append(s, ts, v);
        ts_trim(s);
        return TS_ADDED;
    }
    /* an upsert: edit the chunk it falls in */
    size_t ci = chunk_for(s, ts);
    TsChunk *c = s->chunks[ci];
    TsSample *buf = xmalloc(((size_t)c->n + 1) * sizeof *buf);
    chunk_decode(c, buf);
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (buf[mid].ts < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = c->n;
    if (lo < n && buf[lo].ts == ts) {
        double nv = buf[lo].v;
        if (apply_policy(dp, &nv, v) != 0) {
            xfree(buf);
            return TS_ERR_DUP;
        }
        /* bit-identical: nothing to rewrite */
        if (dbits(nv) == dbits(buf[lo].v)) {
            xfree(buf);
            *was_upsert = 1;
            return TS_ADDED;
        }
        buf[lo].v = nv;
    } else {
        memmove(buf + lo + 1, buf + lo, (n - lo) * sizeof *buf);
        buf[lo].ts = ts;
        buf[lo].v = v;
        n++;
        s->n_samples++;
    }
    chunks_remove(s, ci);
    chunks_build(s, ci, buf, n);
    xfree(buf);
    *was_upsert = 1;
    return TS_ADDED;
}

uint64_t ts_del_range(TSeries *s, int64_t from, int64_t to) {
    uint64_t deleted = 0;
    if (from > to) return 0;
    for (size_t i = s->n_chunks; i-- > 0;) {
        TsChunk *c = s->chunks[i];
        if (c->last_ts < from || c->first_ts > to) continue;
        if (c->first_ts >= from && c->last_ts <= to) {
            deleted += c->n;
            s->n_samples -= c->n;
            chunks_remove(s, i);
            continue;
        }
        TsSample *buf = xmalloc((size_t)c->n * sizeof *buf);
        chunk_decode(c, buf);
        size_t k = 0;
        for (uint32_t j = 0; j < c->n; j++)
            if (buf[j].ts < from || buf[j].ts > to) buf[k++] = buf[j];
        uint64_t gone = c->n - k;
        deleted += gone;
        s->n_samples -= gone;
        chunks_remove(s, i);
        chunks_build(s, i, buf, k);
        xfree(buf);
    }
    return deleted;
}

size_t ts_mem_bytes(const TSeries *s) {
    size_t n = sizeof *s + s->cap_chunks * sizeof *s->chunks;
    for (size_t i = 0; i < s->n_chunks; i++) n += sizeof(TsChunk) + s->chunks[i]->alloc;
    return n;
}

void ts_chunk_info(const TSeries *s, size_t i, int64_t *first, int64_t *last, uint64_t *n,
                   size_t *bytes) {
    assert(i < s->n_chunks);
    const TsChunk *c = s->chunks[i];
    *first = c->first_ts;
    *last = c->last_ts;
    *n = c->n;
    *bytes = c->alloc;
}

void ts_chunk_samples(const TSeries *s, size_t i, TsSample *out) {
    assert(i < s->n_chunks);
    chunk_decode(s->chunks[i], out);
}

/* ---- iteration ----------------------------------------------------------------- */

static void iter_load(TsIter *it) {
    const TsChunk *c = it->s->chunks[it->ci];
    if (it->buf_cap < c->n) {
        it->buf_cap = c->n;
        it->buf = xrealloc(it->buf, it->buf_cap * sizeof *it->buf);
    }
    chunk_decode(c, it->buf);
    it->n = c->n;
    it->pos = it->reverse ? c->n : 0;
}

void ts_iter_init(TsIter *it, const TSeries *s, int64_t from, int64_t to, int reverse) {
    memset(it, 0, sizeof *it);
    it->s = s;
    int64_t min = ts_min_valid(s);
    it->from = from < min ? min : from;
    it->to = to;
    it->reverse = reverse;
    if (s->n_chunks == 0 || it->from > to) {
        it->done = 1;
        return;
    }
    it->ci = chunk_for(s, reverse ? to : it->from);
    iter_load(it);
}

int ts_iter_next(TsIter *it, TsSample *out) {
    while (!it->done) {
        if (!it->reverse) {
            while (it->pos < it->n) {
                TsSample x = it->buf[it->pos++];
                if (x.ts < it->from) continue;
                if (x.ts > it->to) {
                    it->done = 1;
                    return 0;
                }
                *out = x;
                return 1;
            }
            if (++it->ci >= it->s->n_chunks) {
                it->done = 1;
                return 0;
            }
        } else {
            while (it->pos > 0) {
                TsSample x = it->buf[--it->pos];
                if (x.ts > it->to) continue;
                if (x.ts < it->from) {
                    it->done = 1;
                    return 0;
                }
                *out = x;
                return 1;
            }
            if (it->ci == 0) {
                it->done = 1;
                return 0;
            }
            it->ci--;
        }
        iter_load(it);
    }
    return 0;
}

void ts_iter_done(TsIter *it) {
    xfree(it->buf);
    it->buf = NULL;
    it->buf_cap = 0;
}
