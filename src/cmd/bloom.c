/*
 * bloom.c - Redis 8's Bloom and Cuckoo filters (RedisBloom's BF.* and CF.*
 * commands, value types "MBbloom--" and "MBbloomCF"), their configs
 * (bf-error-rate ... cf-max-expansions) and the value types' registration
 * with the keyspace. The structures are src/types/bloom.c and cuckoo.c;
 * persistence is src/cmd/bloom_persist.c.
 *
 * RedisBloom's command code is the specification (Redis 7.0 has none of
 * this): each handler checks its arguments in the module's order and answers
 * with its texts, including its quirks -- options found anywhere in argv by
 * exact word (BF.RESERVE's EXPANSION/NONSCALING, CF.RESERVE's BUCKETSIZE
 * ...), BF.INSERT and CF.INSERT recognising an option by its first letters,
 * BF.EXISTS/CF.EXISTS answering 0 for a key of another type, CF.DEL's "Not
 * found" for any key that is not a Cuckoo filter, errors without a code
 * ("Bad capacity", "Filter is full"). RESP3 clients get booleans where the
 * module sends them and maps for BF.INFO/CF.INFO.
 *
 * Keyspace: RedisBloom fires no events of its own; a filter a command
 * creates is announced as "new" like any added key. Every write is
 * deterministic given the filter and propagates verbatim, as the module
 * replicates it (also when nothing changed: BF.ADD of a present item).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cmd/bloom_int.h"
#include "server/core.h"

/* CF.SCANDUMP/BF.SCANDUMP's largest chunk (RedisBloom's MAX_SCANDUMP_SIZE). */
#define SCANDUMP_MAX (16u * 1024 * 1024)

BloomConfig bloom_config = {0.01, 100, 2, 2, 1024, 20, 1, 32, 4, 255};

/* ---- the value types' operations ------------------------------------------ */

static void bf_free(void *ptr) {
    bloom_chain_free(ptr);
}

static size_t bf_mem(const void *ptr) {
    return (size_t)bloom_chain_mem_usage(ptr);
}

static Obj *bf_dup(const void *ptr) {
    return obj_new(OBJ_BLOOM, bloom_chain_dup(ptr));
}

static uint64_t bf_effort(const void *ptr) {
    return 2 + ((const BloomChain *)ptr)->n_links;
}

static void cf_free(void *ptr) {
    cuckoo_free(ptr);
}

static size_t cf_mem(const void *ptr) {
    return (size_t)cuckoo_mem_usage(ptr);
}

static Obj *cf_dup(const void *ptr) {
    return obj_new(OBJ_CUCKOO, cuckoo_dup(ptr));
}

static uint64_t cf_effort(const void *ptr) {
    return 2 + ((const Cuckoo *)ptr)->n_filters;
}

/* OBJECT ENCODING of a module value is "raw" in Redis. */
static const ObjTypeOps bloom_type = {"MBbloom--", "raw",  bf_free, bf_mem,
                                      NULL,        bf_dup, NULL,    bf_effort};
static const ObjTypeOps cuckoo_type = {"MBbloomCF", "raw",  cf_free, cf_mem,
                                       NULL,        cf_dup, NULL,    cf_effort};

/* ---- helpers ------------------------------------------------------------------ */

/* RedisModule_StringToDouble: Redis's string2d (strtod over the whole
 * string; no leading/trailing space, no NaN, no overflow). 0 ok, -1 bad. */
static int parse_double(Slice s, double *out) {
    if (s.len == 0 || isspace((unsigned char)s.p[0]) || isspace((unsigned char)s.p[s.len - 1]) ||
        memchr(s.p, '\0', s.len))
        return -1;
    char small[64];
    char *buf = s.len < sizeof small ? small : xmalloc(s.len + 1);
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    int bad = end != buf + s.len ||
              (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
              isnan(v);
    if (buf != small) xfree(buf);
    if (bad) return -1;
    *out = v;
    return 0;
}

/* RMUtil_ArgIndex: the first argument (the command name and key included)
 * equal to word ignoring case, or -1. */
static int arg_index(Client *c, const char *word) {
    for (int i = 0; i < c->argc; i++)
        if (slice_eq_nocase(c->argv[i], word)) return i;
    return -1;
}

static char lower_at(Slice s, size_t i) {
    return i < s.len ? (char)tolower((unsigned char)s.p[i]) : '\0';
}

/* RedisModule_WrongArity: the command's name as the client spelled it (the
 * dispatcher's own arity check, from the table, names it in lower case). */
static void wrong_arity(Client *c) {
    Slice n = c->argv[0];
    reply_error(c, "ERR wrong number of arguments for '%.*s' command",
                (int)(n.len > 128 ? 128 : n.len), n.p);
}

enum { ST_OK, ST_EMPTY, ST_MISMATCH };

/* The filter of type t at key, *status ST_OK/ST_EMPTY/ST_MISMATCH. */
static void *lookup(Client *c, Slice key, ObjType t, int for_write, int *status) {
    Obj *o = for_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (!o) {
        *status = ST_EMPTY;
        return NULL;
    }
    if (o->type != t) {
        *status = ST_MISMATCH;
        return NULL;
    }
    *status = ST_OK;
    return o->ptr;
}

/* RedisBloom's statusStrerror(). */
static void reply_status_error(Client *c, int status) {
    if (status == ST_MISMATCH)
        reply_wrongtype(c);
    else if (status == ST_EMPTY)
        reply_error(c, "ERR not found");
    else
        reply_error(c, "ERR item exists");
}

static void reply_flag(Client *c, int v) {
    if (c->resp == 3)
        reply_bool(c, v);
    else
        reply_int(c, v);
}

/* A write command opened key for writing: Redis signals it when the
 * module closes the key, whatever happened. */
static void written(Client *c, Slice key) {
    db_signal_key(c->db, key);
}

/* ---- BF.RESERVE BF.ADD BF.MADD BF.INSERT ------------------------------------------ */

typedef struct BfCreate {
    long long capacity;
    double error_rate;
    long long expansion;
    int nonscaling;
    int autocreate;
    int is_multi;
} BfCreate;

static BloomChain *bf_create(Client *c, Slice key, const BfCreate *o) {
    int err;
    uint32_t opts =
        BLOOM_OPT_FORCE64 | BLOOM_OPT_NOROUND | (o->nonscaling ? BLOOM_OPT_NO_SCALING : 0);
    BloomChain *sb =
        bloom_chain_new((uint64_t)o->capacity, o->error_rate, opts, (uint32_t)o->expansion, &err);
    if (!sb) {
        if (err == BLOOM_ERR_NOMEM)
            reply_error(c, "ERR Insufficient memory to create filter");
        else
            reply_error(c, "ERR could not create filter");
        return NULL;
    }
    db_add(c->db, key, obj_new(OBJ_BLOOM, sb));
    return sb;
}

static void cmd_bf_reserve(Client *c) {
    if (c->argc < 4 || c->argc > 7) {
        wrong_arity(c);
        return;
    }
    const BloomConfig *cfg = &bloom_config;
    BfCreate o = {0};
    if (parse_double(c->argv[2], &o.error_rate) != 0) {
        reply_error(c, "ERR bad error rate");
        return;
    }
    if (!(o.error_rate > 0 && o.error_rate < 1)) {
        reply_error(c, "ERR error rate must be in the range (%f, %f)", 0.0, 1.0);
        return;
    }
    if (parse_ll(c->argv[3], &o.capacity) != 0) {
        reply_error(c, "ERR bad capacity");
        return;
    }
    if (o.capacity < 1 || o.capacity > BLOOM_CFG_MAX_SIZE) {
        reply_error(c, "ERR capacity must be in the range [%d, %lld]", 1, BLOOM_CFG_MAX_SIZE);
        return;
    }
    o.nonscaling = cfg->bf_expansion_factor == 0 || arg_index(c, "NONSCALING") != -1;
    o.expansion = cfg->bf_expansion_factor;
    int ex = arg_index(c, "EXPANSION");
    if (ex + 1 == c->argc) {
        reply_error(c, "ERR no expansion");
        return;
    }
    if (ex != -1) {
        if (parse_ll(c->argv[ex + 1], &o.expansion) != 0) {
            reply_error(c, "ERR bad expansion");
            return;
        }
        if (o.expansion == 0) {
            o.nonscaling = 1;
        } else if (o.nonscaling) {
            reply_error(c, "Nonscaling filters cannot expand");
            return;
        }
        if (o.expansion < 0 || o.expansion > BLOOM_CFG_MAX_EXPANSION) {
            reply_error(c, "ERR expansion must be in the range [%d, %d]", 0,
                        BLOOM_CFG_MAX_EXPANSION);
            return;
        }
    }
    Slice key = c->argv[1];
    int status;
    lookup(c, key, OBJ_BLOOM, 1, &status);
    if (status != ST_EMPTY) {
        reply_status_error(c, status);
        written(c, key);
        return;
    }
    if (bf_create(c, key, &o)) {
        reply_ok(c);
        propagate_argv(c);
    }
    written(c, key);
}

static void bf_insert_common(Client *c, Slice key, int first_item, const BfCreate *o) {
    int status;
    BloomChain *sb = lookup(c, key, OBJ_BLOOM, 1, &status);
    if (status == ST_EMPTY && o->autocreate) {
        sb = bf_create(c, key, o);
        if (!sb) {
            written(c, key);
            return;
        }
    } else if (status != ST_OK) {
        reply_status_error(c, status);
        written(c, key);
        return;
    }
    ReplyDeferred d = {0};
    if (o->is_multi) d = reply_defer(c);
    size_t n = 0;
    int rv = 0;
    for (int i = first_item; i < c->argc && rv != BLOOM_ERR_FULL; i++, n++) {
        rv = bloom_chain_add(sb, c->argv[i].p, c->argv[i].len);
        if (rv == BLOOM_ERR_FULL)
            reply_error(c, "ERR non scaling filter is full");
        else if (rv < 0)
            reply_error(c, "ERR problem inserting into filter");
        else
            reply_flag(c, rv);
    }
    if (o->is_multi) reply_set_array_len(c, d, n);
    propagate_argv(c);
    written(c, key);
}

static BfCreate bf_defaults(void) {
    const BloomConfig *cfg = &bloom_config;
    BfCreate o = {cfg->bf_initial_size,
                  cfg->bf_error_rate,
                  cfg->bf_expansion_factor,
                  cfg->bf_expansion_factor == 0,
                  1,
                  0};
    return o;
}

static void cmd_bf_add(Client *c) {
    BfCreate o = bf_defaults();
    bf_insert_common(c, c->argv[1], 2, &o);
}

static void cmd_bf_madd(Client *c) {
    BfCreate o = bf_defaults();
    o.is_multi = 1;
    bf_insert_common(c, c->argv[1], 2, &o);
}

static void cmd_bf_insert(Client *c) {
    BfCreate o = bf_defaults();
    o.is_multi = 1;
    int items = -1, pos = 2;
    while (pos < c->argc && items < 0) {
        Slice a = c->argv[pos];
        switch (lower_at(a, 0)) {
        case 'i':
            items = ++pos;
            break;
        case 'e':
            if (++pos == c->argc) {
                wrong_arity(c);
                return;
            }
            if (lower_at(a, 1) == 'r') {
                if (parse_double(c->argv[pos++], &o.error_rate) != 0 ||
                    !(o.error_rate > 0 && o.error_rate < 1)) {
                    reply_error(c, "Bad error rate");
                    return;
                }
            } else if (parse_ll(c->argv[pos++], &o.expansion) != 0 || o.expansion < 0 ||
                       o.expansion > BLOOM_CFG_MAX_EXPANSION) {
                reply_error(c, "Bad expansion");
                return;
            }
            break;
        case 'c':
            if (++pos == c->argc) {
                wrong_arity(c);
                return;
            }
            if (parse_ll(c->argv[pos++], &o.capacity) != 0 || o.capacity < 1 ||
                o.capacity > BLOOM_CFG_MAX_SIZE) {
                reply_error(c, "Bad capacity");
                return;
            }
            break;
        case 'n':
            if (lower_at(a, 2) == 'c')
                o.autocreate = 0;
            else
                o.nonscaling = 1;
            pos++;
            break;
        default:
            reply_error(c, "Unknown argument received");
            return;
        }
    }
    if (o.expansion == 0) o.nonscaling = 1;
    if (items < 0 || items == c->argc) {
        wrong_arity(c);
        return;
    }
    bf_insert_common(c, c->argv[1], items, &o);
}

/* ---- BF.EXISTS BF.MEXISTS BF.INFO BF.CARD ------------------------------------------- */

static void bf_check(Client *c, int is_multi) {
    int status;
    const BloomChain *sb = lookup(c, c->argv[1], OBJ_BLOOM, 0, &status);
    if (is_multi) reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++)
        reply_flag(c, sb ? bloom_chain_check(sb, c->argv[i].p, c->argv[i].len) : 0);
}

static void cmd_bf_exists(Client *c) {
    bf_check(c, 0);
}

static void cmd_bf_mexists(Client *c) {
    bf_check(c, 1);
}

static void bf_info_field(Client *c, const BloomChain *sb, int field) {
    switch (field) {
    case 0:
        reply_uint(c, bloom_chain_capacity(sb));
        break;
    case 1:
        reply_uint(c, bloom_chain_mem_usage(sb));
        break;
    case 2:
        reply_uint(c, sb->n_links);
        break;
    case 3:
        reply_uint(c, sb->size);
        break;
    default:
        if (sb->options & BLOOM_OPT_NO_SCALING)
            reply_null(c);
        else
            reply_uint(c, sb->growth);
    }
}

static void cmd_bf_info(Client *c) {
    static const char *const names[] = {"Capacity", "Size", "Number of filters",
                                        "Number of items inserted", "Expansion rate"};
    static const char *const words[] = {"capacity", "size", "filters", "items", "expansion"};
    if (c->argc != 2 && c->argc != 3) {
        wrong_arity(c);
        return;
    }
    int status;
    const BloomChain *sb = lookup(c, c->argv[1], OBJ_BLOOM, 0, &status);
    if (!sb) {
        reply_status_error(c, status);
        return;
    }
    if (c->argc == 3) {
        for (int f = 0; f < 5; f++) {
            if (!slice_eq_nocase(c->argv[2], words[f])) continue;
            if (c->resp == 3) {
                reply_map(c, 1);
                reply_status(c, names[f]);
            } else {
                reply_array(c, 1);
            }
            bf_info_field(c, sb, f);
            return;
        }
        reply_error(c, "Invalid information value");
        return;
    }
    reply_map(c, 5);
    for (int f = 0; f < 5; f++) {
        reply_status(c, names[f]);
        bf_info_field(c, sb, f);
    }
}

static void cmd_bf_card(Client *c) {
    int status;
    const BloomChain *sb = lookup(c, c->argv[1], OBJ_BLOOM, 0, &status);
    if (status == ST_MISMATCH)
        reply_wrongtype(c);
    else
        reply_uint(c, sb ? sb->size : 0);
}

/* ---- BF.SCANDUMP BF.LOADCHUNK --------------------------------------------------------- */

static void cmd_bf_scandump(Client *c) {
    int status;
    const BloomChain *sb = lookup(c, c->argv[1], OBJ_BLOOM, 0, &status);
    if (!sb) {
        reply_status_error(c, status);
        return;
    }
    long long iter;
    if (parse_ll(c->argv[2], &iter) != 0) {
        reply_error(c, "Second argument must be numeric");
        return;
    }
    reply_array(c, 2);
    if (iter == 0) {
        size_t len;
        uint8_t *hdr = bloom_chain_header(sb, &len);
        reply_int(c, 1);
        reply_bulk(c, (const char *)hdr, len);
        xfree(hdr);
        return;
    }
    size_t len = 0;
    const uint8_t *p = bloom_chain_chunk(sb, &iter, &len, SCANDUMP_MAX);
    reply_int(c, iter);
    reply_bulk(c, p ? (const char *)p : "", len);
}

static void cmd_bf_loadchunk(Client *c) {
    long long iter;
    if (parse_ll(c->argv[2], &iter) != 0) {
        reply_error(c, "ERR Second argument must be numeric");
        return;
    }
    Slice key = c->argv[1], data = c->argv[3];
    int status;
    BloomChain *sb = lookup(c, key, OBJ_BLOOM, 1, &status);
    if (status == ST_EMPTY && iter == 1) {
        int err;
        sb = bloom_chain_from_header((const uint8_t *)data.p, data.len, &err);
        if (!sb) {
            reply_error(c, "ERR received bad data");
        } else {
            db_add(c->db, key, obj_new(OBJ_BLOOM, sb));
            propagate_argv(c);
            reply_ok(c);
        }
        written(c, key);
        return;
    }
    if (status != ST_OK) {
        reply_status_error(c, status);
        written(c, key);
        return;
    }
    const char *msg;
    if (bloom_chain_load_chunk(sb, iter, (const uint8_t *)data.p, data.len, &msg) != 0) {
        reply_error(c, "%s", msg);
    } else {
        propagate_argv(c);
        reply_ok(c);
    }
    written(c, key);
}

/* ---- CF.RESERVE CF.ADD CF.ADDNX CF.INSERT CF.INSERTNX --------------------------------- */

/* CF.RESERVE's option at argv[at+1]: 0, or -1 after the reply. */
static int cf_option(Client *c, const char *name, long long min, long long max, long long *out) {
    int at = arg_index(c, name);
    if (at == -1) return 0;
    if (at + 1 >= c->argc || parse_ll(c->argv[at + 1], out) != 0) {
        reply_error(c, "Couldn't parse %s", name);
        return -1;
    }
    if (*out < min || *out > max) {
        reply_error(c, "%s: value must be in the range [%lld, %lld]", name, min, max);
        return -1;
    }
    return 0;
}

static Cuckoo *cf_create(Client *c, Slice key, long long capacity, long long bucket_size,
                         long long max_iterations, long long expansion) {
    if (capacity < bucket_size * 2) {
        reply_error(c, "ERR Could not create filter");
        return NULL;
    }
    Cuckoo *cf = cuckoo_new((uint64_t)capacity, (uint16_t)bucket_size, (uint16_t)max_iterations,
                            (uint16_t)expansion);
    if (!cf) {
        reply_error(c, "ERR Insufficient memory to create filter");
        return NULL;
    }
    db_add(c->db, key, obj_new(OBJ_CUCKOO, cf));
    return cf;
}

static void cmd_cf_reserve(Client *c) {
    if (c->argc < 3 || c->argc % 2 == 0) {
        wrong_arity(c);
        return;
    }
    const BloomConfig *cfg = &bloom_config;
    long long capacity, max_iterations = cfg->cf_max_iterations, bucket_size = cfg->cf_bucket_size,
                        expansion = cfg->cf_expansion_factor;
    if (parse_ll(c->argv[2], &capacity) != 0) {
        reply_error(c, "Bad capacity");
        return;
    }
    if (cf_option(c, "MAXITERATIONS", 1, BLOOM_CFG_MAX_ITERATIONS, &max_iterations) != 0 ||
        cf_option(c, "BUCKETSIZE", 1, cfg->cf_bucket_size_max, &bucket_size) != 0 ||
        cf_option(c, "EXPANSION", 0, BLOOM_CFG_MAX_EXPANSION, &expansion) != 0)
        return;
    if (bucket_size * 2 > capacity || capacity > BLOOM_CFG_MAX_SIZE) {
        reply_error(c, "Capacity must be in the range [2 * BUCKETSIZE, %lld]", BLOOM_CFG_MAX_SIZE);
        return;
    }
    Slice key = c->argv[1];
    int status;
    lookup(c, key, OBJ_CUCKOO, 1, &status);
    if (status != ST_EMPTY) {
        reply_status_error(c, status);
    } else if (cf_create(c, key, capacity, bucket_size, max_iterations, expansion)) {
        propagate_argv(c);
        reply_ok(c);
    }
    written(c, key);
}

typedef struct CfInsert {
    int is_nx, autocreate, is_multi;
    long long capacity;
} CfInsert;

static void cf_insert_common(Client *c, Slice key, int first, int n_items, const CfInsert *o) {
    const BloomConfig *cfg = &bloom_config;
    int status;
    Cuckoo *cf = lookup(c, key, OBJ_CUCKOO, 1, &status);
    int created = 0;
    if (status == ST_EMPTY && o->autocreate) {
        cf = cf_create(c, key, o->capacity, cfg->cf_bucket_size, cfg->cf_max_iterations,
                       cfg->cf_expansion_factor);
        if (!cf) {
            written(c, key);
            return;
        }
        created = 1;
    } else if (status != ST_OK) {
        reply_status_error(c, status);
        written(c, key);
        return;
    }
    if (cf->n_filters >= cfg->cf_max_expansions) {
        if (created) propagate_argv(c);
        reply_error(c, "Maximum expansions reached");
        written(c, key);
        return;
    }
    /* booleans in RESP3, except CF.INSERTNX's 1/0/-1 */
    int as_bool = c->resp == 3 && (!o->is_nx || !o->is_multi);
    if (o->is_multi) reply_array(c, (size_t)n_items);
    for (int i = first; i < first + n_items; i++) {
        uint64_t h = cuckoo_hash(c->argv[i].p, c->argv[i].len);
        CuckooInsert rc = cuckoo_insert(cf, h, o->is_nx);
        if (rc == CUCKOO_INSERTED || rc == CUCKOO_EXISTS) {
            if (as_bool)
                reply_bool(c, rc == CUCKOO_INSERTED);
            else
                reply_int(c, rc == CUCKOO_INSERTED);
        } else if (!o->is_multi) {
            if (created) propagate_argv(c);
            reply_error(c, rc == CUCKOO_NOSPACE ? "Filter is full" : "ERR Insufficient memory");
            written(c, key);
            return;
        } else if (as_bool) {
            reply_bool(c, 0);
        } else {
            reply_int(c, -1);
        }
    }
    propagate_argv(c);
    written(c, key);
}

static int name_ends_x(Client *c) {
    Slice n = c->argv[0];
    return lower_at(n, n.len - 1) == 'x';
}

static void cmd_cf_add(Client *c) {
    CfInsert o = {name_ends_x(c), 1, 0, bloom_config.cf_initial_size};
    cf_insert_common(c, c->argv[1], 2, 1, &o);
}

static void cmd_cf_insert(Client *c) {
    CfInsert o = {name_ends_x(c), 1, 1, bloom_config.cf_initial_size};
    int pos = 2, items = -1;
    while (pos < c->argc && items < 0) {
        switch (lower_at(c->argv[pos], 0)) {
        case 'c':
            if (++pos == c->argc) {
                wrong_arity(c);
                return;
            }
            if (parse_ll(c->argv[pos++], &o.capacity) != 0) {
                reply_error(c, "Bad capacity");
                return;
            }
            if (o.capacity < bloom_config.cf_initial_size_min || o.capacity > BLOOM_CFG_MAX_SIZE) {
                reply_error(c, "Capacity must be in the range [cf-bucket-size * 2, %lld]",
                            BLOOM_CFG_MAX_SIZE);
                return;
            }
            break;
        case 'i':
            items = ++pos;
            break;
        case 'n':
            o.autocreate = 0;
            pos++;
            break;
        default:
            reply_error(c, "Unknown argument received");
            return;
        }
    }
    if (items < 0 || items == c->argc) {
        wrong_arity(c);
        return;
    }
    cf_insert_common(c, c->argv[1], items, c->argc - items, &o);
}

/* ---- CF.EXISTS CF.MEXISTS CF.COUNT CF.DEL CF.INFO ---------------------------------------- */

static void cf_check(Client *c, int is_multi, int is_count) {
    int status;
    const Cuckoo *cf = lookup(c, c->argv[1], OBJ_CUCKOO, 0, &status);
    if (is_multi) reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        uint64_t n = 0;
        if (cf) {
            uint64_t h = cuckoo_hash(c->argv[i].p, c->argv[i].len);
            n = is_count ? cuckoo_count(cf, h) : (uint64_t)cuckoo_check(cf, h);
        }
        if (is_count)
            reply_uint(c, n);
        else
            reply_flag(c, n != 0);
    }
}

static void cmd_cf_exists(Client *c) {
    cf_check(c, 0, 0);
}

static void cmd_cf_mexists(Client *c) {
    cf_check(c, 1, 0);
}

static void cmd_cf_count(Client *c) {
    cf_check(c, 0, 1);
}

static void cmd_cf_del(Client *c) {
    Slice key = c->argv[1];
    int status;
    Cuckoo *cf = lookup(c, key, OBJ_CUCKOO, 1, &status);
    if (!cf) {
        reply_error(c, "Not found");
        written(c, key);
        return;
    }
    propagate_argv(c);
    reply_flag(c, cuckoo_delete(cf, cuckoo_hash(c->argv[2].p, c->argv[2].len)));
    written(c, key);
}

static void cmd_cf_info(Client *c) {
    int status;
    const Cuckoo *cf = lookup(c, c->argv[1], OBJ_CUCKOO, 0, &status);
    if (!cf) {
        reply_status_error(c, status);
        return;
    }
    reply_map(c, 8);
    reply_status(c, "Size");
    reply_uint(c, cuckoo_mem_usage(cf));
    reply_status(c, "Number of buckets");
    reply_uint(c, cf->n_buckets);
    reply_status(c, "Number of filters");
    reply_uint(c, cf->n_filters);
    reply_status(c, "Number of items inserted");
    reply_uint(c, cf->n_items);
    reply_status(c, "Number of items deleted");
    reply_uint(c, cf->n_deletes);
    reply_status(c, "Bucket size");
    reply_uint(c, cf->bucket_size);
    reply_status(c, "Expansion rate");
    reply_uint(c, cf->expansion);
    reply_status(c, "Max iterations");
    reply_uint(c, cf->max_iterations);
}

/* ---- CF.SCANDUMP CF.LOADCHUNK ----------------------------------------------------------- */

static void cmd_cf_scandump(Client *c) {
    long long pos;
    if (parse_ll(c->argv[2], &pos) != 0 || pos < 0) {
        reply_error(c, "Invalid position");
        return;
    }
    int status;
    const Cuckoo *cf = lookup(c, c->argv[1], OBJ_CUCKOO, 0, &status);
    if (!cf) {
        reply_status_error(c, status);
        return;
    }
    reply_array(c, 2);
    if (!cf->n_items) {
        reply_int(c, 0);
        reply_null(c);
        return;
    }
    if (pos == 0) {
        uint8_t hdr[CUCKOO_HEADER_BYTES];
        cuckoo_header(cf, hdr);
        reply_int(c, 1);
        reply_bulk(c, (const char *)hdr, sizeof hdr);
        return;
    }
    size_t len = 0;
    const uint8_t *p = cuckoo_chunk(cf, &pos, &len, SCANDUMP_MAX);
    if (!p) {
        reply_int(c, 0);
        reply_null(c);
    } else {
        reply_int(c, pos);
        reply_bulk(c, (const char *)p, len);
    }
}

static void cmd_cf_loadchunk(Client *c) {
    Slice key = c->argv[1], blob = c->argv[3];
    int status;
    Cuckoo *cf = lookup(c, key, OBJ_CUCKOO, 1, &status);
    long long pos;
    if (parse_ll(c->argv[2], &pos) != 0 || pos == 0) {
        reply_error(c, "Invalid position");
        written(c, key);
        return;
    }
    if (pos == 1) {
        if (status != ST_EMPTY) {
            reply_status_error(c, status);
        } else if (blob.len != CUCKOO_HEADER_BYTES && blob.len != CUCKOO_HEADER_BYTES + 16) {
            reply_error(c, "Invalid header");
        } else {
            CuckooLimits lim;
            bloom_cuckoo_limits(&lim);
            cf = cuckoo_from_header((const uint8_t *)blob.p, blob.len, &lim);
            if (!cf) {
                reply_error(c, "Couldn't create filter!");
            } else {
                db_add(c->db, key, obj_new(OBJ_CUCKOO, cf));
                propagate_argv(c);
                reply_ok(c);
            }
        }
        written(c, key);
        return;
    }
    if (status != ST_OK) {
        reply_status_error(c, status);
    } else if (cuckoo_load_chunk(cf, pos, (const uint8_t *)blob.p, blob.len) != 0) {
        reply_error(c, "Couldn't load chunk!");
    } else {
        propagate_argv(c);
        reply_ok(c);
    }
    written(c, key);
}

/* ---- configs ------------------------------------------------------------------------ */

/* cf-max-expansions bounds what adds may grow a filter to, but one CF.INSERT
 * can grow it past that, and the config may be lowered later: a filter read
 * back is held only to the 16-bit count RedisBloom keeps (Redis checks the
 * config there, and would refuse to load such a filter at all). */
void bloom_cuckoo_limits(CuckooLimits *lim) {
    lim->max_bucket_size = BLOOM_CFG_MAX_BUCKET;
    lim->max_filters = UINT16_MAX;
    lim->max_iterations = BLOOM_CFG_MAX_ITERATIONS;
    lim->max_expansion = BLOOM_CFG_MAX_EXPANSION;
}

/* A module config's text to a number in [min, max], RedisBloom's errors. */
static int config_int(const char *name, const char *s, long long min, long long max, long long *out,
                      const char **err) {
    static char msg[160];
    long long v;
    if (parse_ll(slice_cstr(s), &v) != 0) {
        snprintf(msg, sizeof msg, "Invalid value for `%s`", name);
        *err = msg;
        return -1;
    }
    if (v < min || v > max) {
        snprintf(msg, sizeof msg, "Value for `%s` must be in the range [%lld, %lld]", name, min,
                 max);
        *err = msg;
        return -1;
    }
    *out = v;
    return 0;
}

static int apply_bf_error_rate(const char **err) {
    static char msg[160];
    double v;
    if (parse_double(slice_cstr(settings.bf_error_rate), &v) != 0) {
        snprintf(msg, sizeof msg, "Invalid value for `%s`", "bf-error-rate");
        *err = msg;
        return -1;
    }
    if (!(v > 0 && v < 1)) {
        snprintf(msg, sizeof msg, "Value for `%s` must be in the range (%f, %f)", "bf-error-rate",
                 0.0, 1.0);
        *err = msg;
        return -1;
    }
    bloom_config.bf_error_rate = v;
    return 0;
}

static int apply_bf_initial_size(const char **err) {
    return config_int("bf-initial-size", settings.bf_initial_size, 1, BLOOM_CFG_MAX_SIZE,
                      &bloom_config.bf_initial_size, err);
}

static int apply_bf_expansion_factor(const char **err) {
    return config_int("bf-expansion-factor", settings.bf_expansion_factor, 0,
                      BLOOM_CFG_MAX_EXPANSION, &bloom_config.bf_expansion_factor, err);
}

/* cf-bucket-size and cf-initial-size bound each other: a bucket holds at
 * most half the initial size, the initial size is at least two buckets. */
static int apply_cf_bucket_size(const char **err) {
    if (config_int("cf-bucket-size", settings.cf_bucket_size, 1, bloom_config.cf_bucket_size_max,
                   &bloom_config.cf_bucket_size, err) != 0)
        return -1;
    bloom_config.cf_initial_size_min = bloom_config.cf_bucket_size * 2;
    return 0;
}

static int apply_cf_initial_size(const char **err) {
    if (config_int("cf-initial-size", settings.cf_initial_size, bloom_config.cf_initial_size_min,
                   BLOOM_CFG_MAX_SIZE, &bloom_config.cf_initial_size, err) != 0)
        return -1;
    long long half = bloom_config.cf_initial_size / 2;
    bloom_config.cf_bucket_size_max = half < BLOOM_CFG_MAX_BUCKET ? half : BLOOM_CFG_MAX_BUCKET;
    return 0;
}

static int apply_cf_max_iterations(const char **err) {
    return config_int("cf-max-iterations", settings.cf_max_iterations, 1, BLOOM_CFG_MAX_ITERATIONS,
                      &bloom_config.cf_max_iterations, err);
}

static int apply_cf_expansion_factor(const char **err) {
    return config_int("cf-expansion-factor", settings.cf_expansion_factor, 0,
                      BLOOM_CFG_MAX_EXPANSION, &bloom_config.cf_expansion_factor, err);
}

static int apply_cf_max_expansions(const char **err) {
    return config_int("cf-max-expansions", settings.cf_max_expansions, 1, 65536,
                      &bloom_config.cf_max_expansions, err);
}

static const struct {
    const char *name;
    int (*apply)(const char **err);
} config_hooks[] = {
    {"bf-error-rate", apply_bf_error_rate},
    {"bf-initial-size", apply_bf_initial_size},
    {"bf-expansion-factor", apply_bf_expansion_factor},
    {"cf-bucket-size", apply_cf_bucket_size},
    {"cf-initial-size", apply_cf_initial_size},
    {"cf-max-iterations", apply_cf_max_iterations},
    {"cf-expansion-factor", apply_cf_expansion_factor},
    {"cf-max-expansions", apply_cf_max_expansions},
};

/* ---- the command table ------------------------------------------------------------- */

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO (CMD_READONLY | CMD_FAST)
const Command bloom_commands[] = {
    {"bf.reserve", cmd_bf_reserve, -4, W, "@write @fast @bloom", 1, 1, 1, NULL},
    {"bf.add", cmd_bf_add, 3, W, "@write @slow @bloom", 1, 1, 1, NULL},
    {"bf.madd", cmd_bf_madd, -3, W, "@write @slow @bloom", 1, 1, 1, NULL},
    {"bf.insert", cmd_bf_insert, -4, W, "@write @slow @bloom", 1, 1, 1, NULL},
    {"bf.exists", cmd_bf_exists, 3, RO, "@read @fast @bloom", 1, 1, 1, NULL},
    {"bf.mexists", cmd_bf_mexists, -3, RO, "@read @fast @bloom", 1, 1, 1, NULL},
    {"bf.info", cmd_bf_info, -2, RO, "@read @fast @bloom", 1, 1, 1, NULL},
    {"bf.card", cmd_bf_card, 2, RO, "@read @fast @bloom", 1, 1, 1, NULL},
    {"bf.scandump", cmd_bf_scandump, 3, RO, "@read @fast @bloom", 1, 1, 1, NULL},
    {"bf.loadchunk", cmd_bf_loadchunk, 4, W, "@write @slow @bloom", 1, 1, 1, NULL},
    {"cf.reserve", cmd_cf_reserve, -3, W, "@write @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.add", cmd_cf_add, 3, W, "@write @slow @cuckoo", 1, 1, 1, NULL},
    {"cf.addnx", cmd_cf_add, 3, W, "@write @slow @cuckoo", 1, 1, 1, NULL},
    {"cf.insert", cmd_cf_insert, -4, W, "@write @slow @cuckoo", 1, 1, 1, NULL},
    {"cf.insertnx", cmd_cf_insert, -4, W, "@write @slow @cuckoo", 1, 1, 1, NULL},
    {"cf.exists", cmd_cf_exists, 3, RO, "@read @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.mexists", cmd_cf_mexists, -3, RO, "@read @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.count", cmd_cf_count, 3, RO, "@read @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.del", cmd_cf_del, 3, CMD_WRITE | CMD_FAST, "@write @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.info", cmd_cf_info, 2, RO, "@read @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.scandump", cmd_cf_scandump, 3, RO, "@read @fast @cuckoo", 1, 1, 1, NULL},
    {"cf.loadchunk", cmd_cf_loadchunk, 4, W, "@write @slow @cuckoo", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* Registers the value types and the config hooks (once, at start-up, before
 * any load). A bad value from the config file stops the server, as Redis
 * refuses to load the module with it. */
void bloom_cmd_init(void);
void bloom_cmd_init(void) {
    obj_register_type(OBJ_BLOOM, &bloom_type);
    obj_register_type(OBJ_CUCKOO, &cuckoo_type);
    bloom_persist_init();
    /* cf-bucket-size is checked against the default cf-initial-size bound
     * first, then cf-initial-size against the configured bucket size */
    for (size_t i = 0; i < sizeof config_hooks / sizeof config_hooks[0]; i++) {
        const char *err = NULL;
        config_register_apply(config_hooks[i].name, config_hooks[i].apply);
        if (config_hooks[i].apply(&err) != 0) {
            log_warning("Bad configuration: %s", err);
            exit(1);
        }
    }
}
