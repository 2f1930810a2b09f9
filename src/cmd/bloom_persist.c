/*
 * bloom_persist.c - RDB/DUMP and AOF rewrite of Bloom and Cuckoo filters,
 * laid out as RedisBloom saves them so that a real Redis 8 loads what this
 * writes and the other way round.
 *
 * RDB: a module value (type 7, see persist/rdbmodule.h) with the module
 * names "MBbloom--" and "MBbloomCF", written at encoding version 4 (the one
 * every Redis 8 loads; version 5 only appends a hash configuration that is
 * all zero for the hashing used here). Fields, in order:
 *
 *   Bloom:  uint items, uint links, uint options, uint growth; per link:
 *           uint capacity, double error, uint hashes, double bits-per-entry,
 *           uint bits, uint n2, string bit array, uint items in the link
 *           (options from version 2, growth from 4, bits and n2 from 1;
 *           version 5 adds uint hash version, uint seed at the end)
 *   Cuckoo: uint sub-filters, uint buckets, uint items, uint deletes,
 *           uint bucket size, uint max iterations, uint expansion; per
 *           sub-filter: uint buckets, string slots (deletes and the three
 *           parameters from version 4, the configs' values before; the hash
 *           configuration as above from 5)
 *
 * Versions 0..5 are read, every field checked as RedisBloom's loader checks
 * it (a RESTORE payload is untrusted): a value that fails answers "Bad data
 * format", never a filter that could index outside its arrays.
 *
 * AOF rewrite: what RedisBloom's aof_rewrite emits, BF.LOADCHUNK /
 * CF.LOADCHUNK of the SCANDUMP header, then of every chunk of at most 16 MB.
 */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/bloom_int.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rdbmodule.h"
#include "server/core.h"

#define ENCVER_WRITE  4
#define ENCVER_MAX    5
#define CHUNK_MAX     (16u * 1024 * 1024)
#define BF_MIN_OPTS   2
#define BF_MIN_GROWTH 4
#define CF_MIN_PARAMS 4
#define HASH_CFG_ENC  5

/* ---- Bloom ---------------------------------------------------------------------- */

static int bf_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

static void bf_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const BloomChain *c = o->ptr;
    rdbm_put_uint(out, c->size);
    rdbm_put_uint(out, c->n_links);
    rdbm_put_uint(out, c->options);
    rdbm_put_uint(out, c->growth);
    for (uint32_t i = 0; i < c->n_links; i++) {
        const BloomLink *l = &c->links[i];
        rdbm_put_uint(out, l->entries);
        rdbm_put_double(out, l->error);
        rdbm_put_uint(out, l->hashes);
        rdbm_put_double(out, l->bpe);
        rdbm_put_uint(out, l->bits);
        rdbm_put_uint(out, l->n2);
        rdbm_put_string(out, l->bf, l->bytes);
        rdbm_put_uint(out, l->size);
    }
}

/* The hash configuration of version 5: only the legacy one (zero) loads. */
static int read_hash_config(RdbReader *r, int encver) {
    if (encver < HASH_CFG_ENC) return RDB_OK;
    uint64_t version, seed;
    if (rdbm_get_uint(r, &version) != RDB_OK || rdbm_get_uint(r, &seed) != RDB_OK) return RDB_ERR;
    return version == 0 && seed == 0 ? RDB_OK : RDB_ERR;
}

static int bf_read_link(RdbReader *r, int encver, BloomLink *l) {
    uint64_t hashes, v;
    if (rdbm_get_uint(r, &l->entries) != RDB_OK || rdbm_get_double(r, &l->error) != RDB_OK ||
        rdbm_get_uint(r, &hashes) != RDB_OK || rdbm_get_double(r, &l->bpe) != RDB_OK)
        return RDB_ERR;
    if (hashes > UINT32_MAX || !isfinite(l->error) || !isfinite(l->bpe) || !(l->error > 0) ||
        l->error >= 1.0 || !(l->bpe > 0))
        return RDB_ERR;
    l->hashes = (uint32_t)hashes;
    if (encver == 0) {
        double bits = (double)l->entries * l->bpe;
        if (!isfinite(bits) || !(bits > 0) || bits >= 18446744073709551616.0) return RDB_ERR;
        l->bits = (uint64_t)bits;
    } else {
        if (rdbm_get_uint(r, &l->bits) != RDB_OK || rdbm_get_uint(r, &v) != RDB_OK || v > 63)
            return RDB_ERR;
        l->n2 = (uint8_t)v;
    }
    char *bf;
    size_t len;
    if (rdbm_get_string(r, BLOOM_MAX_LINK_BYTES, &bf, &len) != RDB_OK) return RDB_ERR;
    l->bf = (uint8_t *)bf;
    l->bytes = len;
    if (len == 0) return RDB_ERR;
    if (encver == 0 ? (double)len < ceil((double)l->bits / 8.0) : l->bits != (uint64_t)len * 8)
        return RDB_ERR;
    if (bloom_link_validate(l) != 0) return RDB_ERR;
    if (rdbm_get_uint(r, &l->size) != RDB_OK || l->size > l->entries) return RDB_ERR;
    return RDB_OK;
}

static int bf_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (encver > ENCVER_MAX) return RDB_ERR;
    uint64_t size, n, opts = 0, growth = 2;
    if (rdbm_get_uint(r, &size) != RDB_OK || rdbm_get_uint(r, &n) != RDB_OK) return RDB_ERR;
    /* each link takes at least eight fields of two bytes: no claim past the input */
    if (n == 0 || n > UINT32_MAX || n > (r->len - r->pos) / 16) return RDB_ERR;
    if (encver >= BF_MIN_OPTS && (rdbm_get_uint(r, &opts) != RDB_OK || opts > UINT32_MAX))
        return RDB_ERR;
    if (encver >= BF_MIN_GROWTH && (rdbm_get_uint(r, &growth) != RDB_OK || growth > UINT32_MAX))
        return RDB_ERR;
    if ((opts & ~(uint64_t)BLOOM_OPT_ALL) || (!(opts & BLOOM_OPT_NO_SCALING) && growth == 0))
        return RDB_ERR;
    BloomChain *c = xcalloc(1, sizeof(*c));
    c->size = size;
    c->options = (uint32_t)opts;
    c->growth = (uint32_t)growth;
    c->links = xcalloc(n, sizeof(*c->links));
    for (uint64_t i = 0; i < n; i++) {
        int rc = bf_read_link(r, encver, &c->links[i]);
        c->n_links++; /* its bit array, if read, is freed with the chain */
        if (rc != RDB_OK) goto err;
    }
    if (bloom_chain_validate(c) != 0) goto err;
    const BloomLink *last = &c->links[c->n_links - 1];
    if (!(c->options & BLOOM_OPT_NO_SCALING) && last->entries > UINT64_MAX / c->growth) goto err;
    if (read_hash_config(r, encver) != RDB_OK) goto err;
    *out = obj_new(OBJ_BLOOM, c);
    return RDB_OK;
err:
    bloom_chain_free(c);
    return RDB_ERR;
}

static void bf_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms, void (*flush)(void *),
                           void *fp) {
    (void)now_ms;
    const BloomChain *c = o->ptr;
    size_t len;
    uint8_t *hdr = bloom_chain_header(c, &len);
    aof_cat_array_header(out, 4);
    aof_cat_bulk_cstr(out, "BF.LOADCHUNK");
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk_ll(out, 1);
    aof_cat_bulk(out, (const char *)hdr, len);
    xfree(hdr);
    long long iter = 1;
    const uint8_t *chunk;
    while ((chunk = bloom_chain_chunk(c, &iter, &len, CHUNK_MAX)) != NULL) {
        aof_cat_array_header(out, 4);
        aof_cat_bulk_cstr(out, "BF.LOADCHUNK");
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk_ll(out, iter);
        aof_cat_bulk(out, (const char *)chunk, len);
        if (flush) flush(fp);
    }
}

/* ---- Cuckoo --------------------------------------------------------------------- */

static void cf_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const Cuckoo *cf = o->ptr;
    rdbm_put_uint(out, cf->n_filters);
    rdbm_put_uint(out, cf->n_buckets);
    rdbm_put_uint(out, cf->n_items);
    rdbm_put_uint(out, cf->n_deletes);
    rdbm_put_uint(out, cf->bucket_size);
    rdbm_put_uint(out, cf->max_iterations);
    rdbm_put_uint(out, cf->expansion);
    for (uint16_t i = 0; i < cf->n_filters; i++) {
        rdbm_put_uint(out, cf->filters[i].n_buckets);
        rdbm_put_string(out, cf->filters[i].data, cf->filters[i].n_buckets * cf->bucket_size);
    }
}

static int cf_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    *out = NULL;
    if (encver > ENCVER_MAX) return RDB_ERR;
    uint64_t n_filters, n_buckets, n_items, n_deletes = 0;
    uint64_t bucket_size = (uint64_t)bloom_config.cf_bucket_size;
    uint64_t max_iter = (uint64_t)bloom_config.cf_max_iterations;
    uint64_t expansion = (uint64_t)bloom_config.cf_expansion_factor;
    if (rdbm_get_uint(r, &n_filters) != RDB_OK || rdbm_get_uint(r, &n_buckets) != RDB_OK ||
        rdbm_get_uint(r, &n_items) != RDB_OK)
        return RDB_ERR;
    if (n_filters == 0 || n_filters > UINT16_MAX || n_buckets == 0 ||
        n_buckets > CUCKOO_MAX_BUCKETS)
        return RDB_ERR;
    if (encver >= CF_MIN_PARAMS) {
        if (rdbm_get_uint(r, &n_deletes) != RDB_OK || rdbm_get_uint(r, &bucket_size) != RDB_OK ||
            rdbm_get_uint(r, &max_iter) != RDB_OK || rdbm_get_uint(r, &expansion) != RDB_OK)
            return RDB_ERR;
        if (bucket_size > UINT16_MAX || max_iter > UINT16_MAX || expansion > UINT16_MAX)
            return RDB_ERR;
    }
    Cuckoo *cf = xcalloc(1, sizeof(*cf));
    cf->n_buckets = n_buckets;
    cf->n_items = n_items;
    cf->n_deletes = n_deletes;
    cf->n_filters = (uint16_t)n_filters;
    cf->bucket_size = (uint16_t)bucket_size;
    cf->max_iterations = (uint16_t)max_iter;
    cf->expansion = (uint16_t)expansion;
    CuckooLimits lim;
    bloom_cuckoo_limits(&lim);
    if (cuckoo_validate(cf, &lim) != 0) {
        cf->n_filters = 0;
        goto err;
    }
    cf->filters = xcalloc(n_filters, sizeof(*cf->filters));
    for (uint64_t i = 0; i < n_filters; i++) {
        CuckooSub *s = &cf->filters[i];
        uint64_t sub_buckets = n_buckets;
        if (encver >= CF_MIN_PARAMS) {
            if (rdbm_get_uint(r, &sub_buckets) != RDB_OK) goto err;
            if (sub_buckets == 0 || sub_buckets > CUCKOO_MAX_BUCKETS ||
                (sub_buckets & (sub_buckets - 1)))
                goto err;
        }
        char *data;
        size_t len;
        if (rdbm_get_string(r, CUCKOO_MAX_SUB_BYTES, &data, &len) != RDB_OK) goto err;
        s->data = (uint8_t *)data;
        s->n_buckets = sub_buckets;
        if (sub_buckets > SIZE_MAX / bucket_size || len != sub_buckets * bucket_size) goto err;
    }
    if (read_hash_config(r, encver) != RDB_OK) goto err;
    *out = obj_new(OBJ_CUCKOO, cf);
    return RDB_OK;
err:
    cuckoo_free(cf);
    return RDB_ERR;
}

static void cf_aof_rewrite(Buf *out, Slice key, const Obj *o, int64_t now_ms, void (*flush)(void *),
                           void *fp) {
    (void)now_ms;
    const Cuckoo *cf = o->ptr;
    uint8_t hdr[CUCKOO_HEADER_BYTES];
    cuckoo_header(cf, hdr);
    aof_cat_array_header(out, 4);
    aof_cat_bulk_cstr(out, "CF.LOADCHUNK");
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk_ll(out, 1);
    aof_cat_bulk(out, (const char *)hdr, sizeof hdr);
    long long pos = 1;
    size_t len;
    const uint8_t *chunk;
    while ((chunk = cuckoo_chunk(cf, &pos, &len, CHUNK_MAX)) != NULL) {
        aof_cat_array_header(out, 4);
        aof_cat_bulk_cstr(out, "CF.LOADCHUNK");
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk_ll(out, pos);
        aof_cat_bulk(out, (const char *)chunk, len);
        if (flush) flush(fp);
    }
}

static const PersistTypeOps bloom_persist = {
    .obj_type = OBJ_BLOOM,
    .rdb_type = bf_rdb_type,
    .rdb_write = bf_rdb_write,
    .rdb_read = bf_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = bf_aof_rewrite,
    .module_name = "MBbloom--",
    .module_encver = ENCVER_WRITE,
};

static const PersistTypeOps cuckoo_persist = {
    .obj_type = OBJ_CUCKOO,
    .rdb_type = bf_rdb_type,
    .rdb_write = cf_rdb_write,
    .rdb_read = cf_rdb_read,
    .rdb_types = NULL,
    .n_rdb_types = 0,
    .aof_rewrite = cf_aof_rewrite,
    .module_name = "MBbloomCF",
    .module_encver = ENCVER_WRITE,
};

void bloom_persist_init(void) {
    persist_register_type(&bloom_persist);
    persist_register_type(&cuckoo_persist);
}
