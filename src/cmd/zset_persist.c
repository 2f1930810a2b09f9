/*
 * zset_persist.c - sorted sets in RDB files and DUMP payloads, and in AOF
 * rewrites.
 *
 * Written as Redis 7.0 writes them, so DUMP payloads match byte for byte:
 *   - a packed set as type 17 (ZSET_LISTPACK): one string holding a listpack
 *     of member, score, member, score ... in order, each score as the text
 *     7.0 stores (an integer when the score is one below 2^52, else %.17g,
 *     "inf", "-inf", "-0"), which the listpack writer keeps as an integer
 *     when the text is one;
 *   - an indexed set as type 5 (ZSET_2): the count, then from the greatest
 *     element to the smallest the member (string) and the score (8 bytes,
 *     little-endian IEEE double).
 * Read as well: type 3 (ZSET: scores as length-prefixed text, 253/254/255
 * for nan/inf/-inf) and type 12 (ZSET_ZIPLIST, the pre-7.0 packed form).
 * Every byte is checked: a bad payload (odd element count, NaN or
 * unparsable score, duplicate member, empty set, malformed list) is an
 * error, never an assertion.
 *
 * An AOF rewrite writes ZADD key score member ... with at most 64 elements
 * per command, as Redis batches them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/zset_int.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"

enum {
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_ZSET_LISTPACK = 17,
};

#define AOF_ITEMS_PER_CMD 64

/* The score text 7.0 keeps in a listpack (its d2string). */
static size_t packed_score_text(double d, char *buf) {
    if (d == 0) {
        strcpy(buf, signbit(d) ? "-0" : "0");
        return strlen(buf);
    }
    if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == (double)(long long)d)
        return ll_to_str((long long)d, buf);
    return zset__fmt_score(d, buf);
}

static int zrdb_type(const Obj *o, int cap) {
    (void)cap;
    return zset_is_packed(o->ptr) ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

static void zrdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)now_ms;
    const Zset *z = o->ptr;
    ZsetIter it;
    const char *m;
    size_t len;
    double s;
    if (type == RDB_TYPE_ZSET_LISTPACK) {
        Buf lp;
        buf_init(&lp);
        LpWriter w;
        lp_writer_start(&w, &lp);
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &s)) {
            char buf[40];
            lp_append_str(&w, m, len);
            lp_append_str(&w, buf, packed_score_text(s, buf));
        }
        zset_iter_done(&it);
        lp_writer_finish(&w);
        rdb_write_string(out, lp.p, lp.len);
        buf_free(&lp);
        return;
    }
    size_t n = zset_len(z);
    rdb_write_len(out, n);
    zset_iter_init(&it, z, n ? n - 1 : 0, 1);
    while (zset_iter_next(&it, &m, &len, &s)) {
        rdb_write_string(out, m, len);
        uint8_t le[8];
        uint64_t bits;
        memcpy(&bits, &s, 8);
        for (int i = 0; i < 8; i++) le[i] = (uint8_t)(bits >> (8 * i));
        buf_append(out, le, 8);
    }
    zset_iter_done(&it);
}

/* ---- reading -------------------------------------------------------------------- */

/* A score given as text (listpack, ziplist, type 3): the whole text a
 * number, not NaN. */
static int score_from_text(const uint8_t *p, size_t len, double *out) {
    char buf[128];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v)) return -1;
    *out = v;
    return 0;
}

/* Adds a loaded element; -1 on a duplicate member. */
static int load_add(Zset *z, const char *m, size_t len, double score) {
    double old;
    if (zset_score(z, m, len, &old)) return -1;
    zset_set(z, m, len, score);
    return 0;
}

/* One listpack or ziplist element as bytes (an integer as its text in
 * tmp). */
static void elem_bytes(const LpElem *e, char *tmp, const char **p, size_t *len) {
    if (e->is_int) {
        *len = ll_to_str(e->v, tmp);
        *p = tmp;
    } else {
        *p = (const char *)e->s;
        *len = e->len;
    }
}

/* Fills z from alternating member / score elements produced by next() (1:
 * an element); -1 on anything malformed. n_elems is even and not 0. */
typedef int (*ElemNext)(void *r, LpElem *e);

static int load_pairs(Zset *z, void *r, ElemNext next, uint32_t n_elems) {
    if (n_elems == 0 || n_elems % 2) return -1;
    for (uint32_t i = 0; i < n_elems / 2; i++) {
        LpElem me, se;
        if (next(r, &me) != 1 || next(r, &se) != 1) return -1;
        char mt[24], st[24];
        const char *m, *sp;
        size_t ml, sl;
        elem_bytes(&me, mt, &m, &ml);
        double score;
        if (se.is_int) {
            score = (double)se.v;
        } else {
            elem_bytes(&se, st, &sp, &sl);
            if (score_from_text((const uint8_t *)sp, sl, &score) != 0) return -1;
        }
        if (load_add(z, m, ml, score) != 0) return -1;
    }
    return 0;
}

static int lp_next_cb(void *r, LpElem *e) {
    return lp_next(r, e);
}

static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int zl_next_cb(void *r, LpElem *e) {
    return zl_next(r, e);
}

static int zrdb_read(RdbReader *r, int type, int64_t now_ms, Obj **out) {
    (void)now_ms;
    Zset *z = zset_new();
    int packed_input = type == RDB_TYPE_ZSET_LISTPACK || type == RDB_TYPE_ZSET_ZIPLIST;
    if (packed_input) {
        char *blob = NULL;
        size_t blen;
        if (rdb_read_string(r, persist_string_max(), &blob, &blen) != RDB_OK) goto fail;
        uint32_t n;
        int rc;
        zset_to_indexed(z); /* loading may be big: decide the form after */
        if (type == RDB_TYPE_ZSET_LISTPACK) {
            LpReader lr;
            rc = lp_validate((const uint8_t *)blob, blen, &n) == RDB_OK ? 0 : -1;
            if (rc == 0 && n > 0) {
                lp_reader_init(&lr, (const uint8_t *)blob, blen);
                rc = load_pairs(z, &lr, lp_next_cb, n);
            }
        } else {
            ZlReader zr;
            rc = zl_validate((const uint8_t *)blob, blen, &n) == RDB_OK ? 0 : -1;
            if (rc == 0 && n > 0) {
                zl_reader_init(&zr, (const uint8_t *)blob, blen);
                rc = load_pairs(z, &zr, zl_next_cb, n);
            }
        }
        xfree(blob);
        if (rc != 0) goto fail;
        if (n == 0) goto empty;
        /* 7.0 keeps a loaded listpack unless it has too many members */
        if (zset__fits_packed(zset_len(z), 0)) zset_to_packed(z);
    } else {
        uint64_t n;
        if (rdb_read_len(r, &n) != RDB_OK || n > r->len - r->pos) goto fail;
        if (n == 0) goto empty;
        zset_to_indexed(z);
        size_t max_len = 0;
        for (uint64_t i = 0; i < n; i++) {
            char *m;
            size_t ml;
            double score;
            if (rdb_read_string(r, persist_string_max(), &m, &ml) != RDB_OK) goto fail;
            int bad = 0;
            if (type == RDB_TYPE_ZSET_2) {
                const uint8_t *raw;
                if (rdb_read_raw(r, 8, &raw) != RDB_OK) {
                    bad = 1;
                } else {
                    uint64_t bits = get_le(raw, 8);
                    memcpy(&score, &bits, 8);
                    bad = isnan(score);
                }
            } else {
                uint8_t l;
                const uint8_t *raw;
                if (rdb_read_u8(r, &l) != RDB_OK || l == 253) {
                    bad = 1;
                } else if (l == 254 || l == 255) {
                    score = l == 254 ? INFINITY : -INFINITY;
                } else {
                    bad =
                        rdb_read_raw(r, l, &raw) != RDB_OK || score_from_text(raw, l, &score) != 0;
                }
            }
            if (!bad) bad = load_add(z, m, ml, score) != 0;
            if (ml > max_len) max_len = ml;
            xfree(m);
            if (bad) goto fail;
        }
        if (zset__fits_packed(zset_len(z), max_len)) zset_to_packed(z);
    }
    *out = zset__obj(z);
    return RDB_OK;
empty: /* read whole: a file skips the key, RESTORE refuses it */
    zset_free(z);
    return RDB_EMPTY;
fail:
    zset_free(z);
    return RDB_ERR;
}

/* ---- AOF rewrite ---------------------------------------------------------------- */

static void zaof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms, void (*flush)(void *),
                         void *fp) {
    (void)now_ms;
    const Zset *z = o->ptr;
    size_t left = zset_len(z);
    ZsetIter it;
    const char *m;
    size_t len;
    double s;
    zset_iter_init(&it, z, 0, 0);
    while (left) {
        size_t batch = left < AOF_ITEMS_PER_CMD ? left : AOF_ITEMS_PER_CMD;
        aof_cat_array_header(out, 2 + 2 * (long long)batch);
        aof_cat_bulk(out, "ZADD", 4);
        aof_cat_bulk(out, key.p, key.len);
        for (size_t i = 0; i < batch && zset_iter_next(&it, &m, &len, &s); i++) {
            char buf[32];
            aof_cat_bulk(out, buf, zset__fmt_score(s, buf));
            aof_cat_bulk(out, m, len);
        }
        left -= batch;
        if (flush) flush(fp);
    }
    zset_iter_done(&it);
}

static const uint8_t zset_rdb_types[] = {RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST,
                                         RDB_TYPE_ZSET_LISTPACK};

static const PersistTypeOps zset_persist = {
    .obj_type = OBJ_ZSET,
    .rdb_type = zrdb_type,
    .rdb_write = zrdb_write,
    .rdb_read = zrdb_read,
    .rdb_types = zset_rdb_types,
    .n_rdb_types = sizeof zset_rdb_types / sizeof zset_rdb_types[0],
    .aof_rewrite = zaof_rewrite,
};

void zset__persist_init(void) {
    persist_register_type(&zset_persist);
}
