/*
 * rdbfile.c - a whole RDB file, Redis's snapshot format:
 *
 *   "REDIS" <version: 4 ASCII digits>
 *   AUX (0xFA) <key: string> <value: string>        redis-ver, ctime, ...
 *   FUNCTION2 (0xF5) <library code: string>         each function library
 *   SELECTDB (0xFE) <db: len>                        each non-empty database
 *   RESIZEDB (0xFB) <keys: len> <keys with a TTL: len>
 *     [EXPIRETIME_MS (0xFC) <Unix ms: u64 LE>]       per key
 *     [IDLE (0xF8) <LRU idle seconds: len>]          under an LRU policy
 *     [FREQ (0xF9) <LFU counter: u8>]                under an LFU policy
 *     <type: u8> <key: string> <value>               value as in a DUMP payload
 *   EOF (0xFF) <CRC-64 of all before: u64 LE>        (0 when not computed)
 *
 * Strings, lengths and values are rdbcodec.c's and dumpvalue.c's, the same
 * bytes DUMP uses. A key's idle time or LFU counter goes to the key hook
 * with it. The parser also reads what older and newer Redis versions write
 * around the keys (seconds expiry 0xFD, 7.4's slot info 0xF4) and skips
 * it; module-aux records (0xF7) of the state registered in globalstate.h
 * are read back through it. A key of a type streamd cannot hold, module data
 * (0xF7) nobody registered, module values (types 6 and 7) of no registered
 * type and pre-release functions (0xF6) stop it with RDBF_UNSUPPORTED and a
 * message naming them. A list, set, sorted set or hash of no element (older
 * Redis versions could save one) is skipped, as Redis 7.0 skips it, and
 * counted. Disk input is hostile: every length is checked against what is
 * left (rdbcodec.h), and the CRC is checked when the file has one, before
 * the parse reports OK.
 */
#include "persist/rdbfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "persist/dumpvalue.h"
#include "persist/globalstate.h"
#include "persist/rdbcodec.h"
#include "persist/rdbmodule.h"

enum {
    OP_SLOT_INFO = 0xF4,
    OP_FUNCTION2 = 0xF5,
    OP_FUNCTION_PRE_GA = 0xF6,
    OP_MODULE_AUX = 0xF7,
    OP_IDLE = 0xF8,
    OP_FREQ = 0xF9,
    OP_AUX = 0xFA,
    OP_RESIZEDB = 0xFB,
    OP_EXPIRETIME_MS = 0xFC,
    OP_EXPIRETIME = 0xFD,
    OP_SELECTDB = 0xFE,
    OP_EOF = 0xFF,
};

#define FLUSH_BYTES       (64u << 10)
#define FSYNC_EVERY_BYTES (32u << 20)

/* ---- writing ------------------------------------------------------------- */

void rdbw_init(RdbWriter *w, int fd, int checksum) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->checksum = checksum;
    w->autosync = 1;
    buf_init(&w->buf);
}

void rdbw_free(RdbWriter *w) {
    buf_free(&w->buf);
}

static void flush_out(RdbWriter *w) {
    if (w->failed || buf_live(&w->buf) == 0) {
        buf_clear(&w->buf);
        return;
    }
    const char *p = buf_data(&w->buf);
    size_t n = buf_live(&w->buf);
    if (w->checksum) w->crc = rdb_crc64(w->crc, p, n);
    while (n) {
        ssize_t r = write(w->fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            w->failed = 1;
            w->sys_errno = errno;
            break;
        }
        p += r;
        n -= (size_t)r;
        w->written += r;
        w->since_sync += r;
    }
    buf_clear(&w->buf);
    if (!w->failed && w->autosync && w->since_sync >= FSYNC_EVERY_BYTES) {
        fdatasync(w->fd);
        w->since_sync = 0;
    }
}

static void maybe_flush(RdbWriter *w) {
    if (buf_live(&w->buf) >= FLUSH_BYTES) flush_out(w);
}

void rdbw_header(RdbWriter *w, int version) {
    buf_printf(&w->buf, "REDIS%04d", version);
}

void rdbw_aux(RdbWriter *w, const char *key, const char *val) {
    buf_append_char(&w->buf, (char)OP_AUX);
    rdb_write_string(&w->buf, key, strlen(key));
    rdb_write_string(&w->buf, val, strlen(val));
}

void rdbw_aux_ll(RdbWriter *w, const char *key, long long val) {
    char b[32];
    snprintf(b, sizeof b, "%lld", val);
    rdbw_aux(w, key, b);
}

void rdbw_function(RdbWriter *w, const char *code, size_t len) {
    buf_append_char(&w->buf, (char)OP_FUNCTION2);
    rdb_write_string(&w->buf, code, len);
    maybe_flush(w);
}

void rdbw_globals(RdbWriter *w, int when) {
    persist_globals_rdb_write(when, &w->buf);
    maybe_flush(w);
}

void rdbw_select(RdbWriter *w, int db, uint64_t keys, uint64_t expires) {
    buf_append_char(&w->buf, (char)OP_SELECTDB);
    rdb_write_len(&w->buf, (uint64_t)db);
    buf_append_char(&w->buf, (char)OP_RESIZEDB);
    rdb_write_len(&w->buf, keys);
    rdb_write_len(&w->buf, expires);
}

void rdbw_key(RdbWriter *w, Slice key, const Obj *o, int type, int64_t expire_ms, long long idle_s,
              int freq, int64_t now_ms) {
    if (w->failed) return;
    if (expire_ms != -1) {
        uint8_t x[9];
        x[0] = OP_EXPIRETIME_MS;
        for (int i = 0; i < 8; i++) x[1 + i] = (uint8_t)((uint64_t)expire_ms >> (8 * i));
        buf_append(&w->buf, x, sizeof x);
    }
    if (idle_s >= 0) {
        buf_append_char(&w->buf, (char)OP_IDLE);
        rdb_write_len(&w->buf, (uint64_t)idle_s);
    }
    if (freq >= 0) {
        assert(freq <= 255);
        uint8_t x[2] = {OP_FREQ, (uint8_t)freq};
        buf_append(&w->buf, x, sizeof x);
    }
    buf_append_char(&w->buf, (char)type);
    rdb_write_string(&w->buf, key.p, key.len);
    dump_value_body(o, type, now_ms, &w->buf);
    maybe_flush(w);
}

int rdbw_finish(RdbWriter *w) {
    buf_append_char(&w->buf, (char)OP_EOF);
    flush_out(w);
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(w->checksum ? w->crc >> (8 * i) : 0);
    int checksum = w->checksum;
    w->checksum = 0; /* the CRC is not part of itself */
    buf_append(&w->buf, x, sizeof x);
    flush_out(w);
    w->checksum = checksum;
    return w->failed ? -1 : 0;
}

/* ---- parsing ------------------------------------------------------------- */

static int fail(RdbLoadResult *res, int rc, size_t at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->why, sizeof res->why, fmt, ap);
    va_end(ap);
    res->err_at = at;
    return rc;
}

/* What a value type Redis writes holds, for the refusal's message. */
static const char *type_name(int t) {
    switch (t) {
    case 1:
    case 10:
    case 14:
    case 18:
        return "a list";
    case 2:
    case 11:
    case 20:
        return "a set";
    case 3:
    case 5:
    case 12:
    case 17:
        return "a sorted set";
    case 4:
    case 9:
    case 13:
    case 16:
    case 22:
    case 23:
    case 24:
    case 25:
    case 29: /* Redis 8.10's hash templates */
    case 30:
    case 31:
    case 32:
        return "a hash";
    case 6:
    case 7:
        return "a module value";
    default:
        return "an unknown type";
    }
}

static int is_stored_type(int t) {
    return t == DUMP_TYPE_STRING || t == DUMP_TYPE_STREAM_LISTPACKS ||
           t == DUMP_TYPE_STREAM_LISTPACKS_2 || t == DUMP_TYPE_STREAM_LISTPACKS_3 ||
           t == DUMP_TYPE_STREAM_LISTPACKS_4 || t == DUMP_TYPE_STREAM_LISTPACKS_5 ||
           t == DUMP_TYPE_STREAMD_STREAM || persist_type_ops_for_rdb(t) != NULL;
}

static int skip_string(RdbReader *r) {
    char *s;
    size_t n;
    if (rdb_read_string(r, persist_string_max(), &s, &n) != RDB_OK) return RDB_ERR;
    xfree(s);
    return RDB_OK;
}

/* Steps over the value of a type streamd does not store (for
 * RdbLoadHooks.foreign): the encodings Redis 2.x to 7.2 write for lists,
 * sets, sorted sets and hashes. RDB_ERR for what it cannot step over (7.4's
 * hashes with field TTLs, modules) or malformed input. */
static int skip_value(RdbReader *r, int type) {
    uint64_t n, i, kind;
    const uint8_t *x;
    uint8_t dl;
    switch (type) {
    case 9: /* zipmap, ziplists, intset, listpacks: one blob */
    case 10:
    case 11:
    case 12:
    case 13:
    case 16:
    case 17:
    case 20:
        return skip_string(r);
    case 1: /* list, set: n strings */
    case 2:
    case 14: /* quicklist: n ziplists */
    case 4:  /* hash: n field/value pairs */
        if (rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
        if (type == 4) {
            if (n > UINT64_MAX / 2) return RDB_ERR;
            n *= 2;
        }
        for (i = 0; i < n; i++)
            if (skip_string(r) != RDB_OK) return RDB_ERR;
        return RDB_OK;
    case 3: /* zset: member, score as a length-prefixed decimal (253-255 special) */
    case 5: /* zset 2: member, score as 8 raw bytes */
        if (rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
        for (i = 0; i < n; i++) {
            if (skip_string(r) != RDB_OK) return RDB_ERR;
            if (type == 5) {
                if (rdb_read_raw(r, 8, &x) != RDB_OK) return RDB_ERR;
            } else {
                if (rdb_read_u8(r, &dl) != RDB_OK) return RDB_ERR;
                if (dl < 253 && rdb_read_raw(r, dl, &x) != RDB_OK) return RDB_ERR;
            }
        }
        return RDB_OK;
    case 18: /* quicklist 2: n (container kind, blob) */
        if (rdb_read_len(r, &n) != RDB_OK) return RDB_ERR;
        for (i = 0; i < n; i++)
            if (rdb_read_len(r, &kind) != RDB_OK || skip_string(r) != RDB_OK) return RDB_ERR;
        return RDB_OK;
    default:
        return RDB_ERR;
    }
}

/* Tells h->note of the module-aux record at r (not moved): its module's name
 * and where its header ends, when the header reads. */
static void note_module_aux(const RdbLoadHooks *h, const RdbReader *r) {
    RdbReader peek = *r;
    uint64_t id, when_op, when;
    if (rdb_read_len(&peek, &id) != RDB_OK || rdb_read_len(&peek, &when_op) != RDB_OK ||
        rdb_read_len(&peek, &when) != RDB_OK)
        return;
    char name[10];
    int encver;
    rdbm_id_split(id, name, &encver);
    RdbNote n = {.kind = RDB_NOTE_MODULE_AUX, .offset = peek.pos, .module = name};
    h->note(h->ctx, &n);
}

static uint64_t le(const uint8_t *x, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | x[i];
    return v;
}

int rdb_parse(const uint8_t *p, size_t len, const StreamLimits *lim, int64_t now_ms,
              const RdbLoadHooks *h, RdbLoadResult *res) {
    memset(res, 0, sizeof *res);
    res->repl_stream_db = -1;
    if (len < 9 || memcmp(p, "REDIS", 5) != 0)
        return fail(res, RDBF_VERSION, 0, "Wrong signature trying to load DB from file");
    int version = 0;
    for (int i = 5; i < 9; i++) {
        if (p[i] < '0' || p[i] > '9')
            return fail(res, RDBF_VERSION, 5, "Wrong signature trying to load DB from file");
        version = version * 10 + (p[i] - '0');
    }
    res->version = version;
    if (version < 1 || version > RDB_VERSION_MAX)
        return fail(res, RDBF_VERSION, 5, "Can't handle RDB format version %d", version);
    RdbReader r;
    rdb_reader_init(&r, p, len);
    r.pos = 9;
    int64_t expire = -1;
    long long idle = -1; /* the next key's IDLE and FREQ, -1: none */
    int freq = -1;
    uint64_t n_keys = 0;
    for (;;) {
        size_t at = r.pos;
        uint8_t op;
        const uint8_t *x;
        uint64_t a, b, c;
        if (rdb_read_u8(&r, &op) != RDB_OK)
            return fail(res, RDBF_BAD, at, "Unexpected EOF reading RDB file");
        switch (op) {
        case OP_EOF:
            if (version >= 5) {
                size_t crc_at = r.pos;
                if (rdb_read_raw(&r, 8, &x) != RDB_OK)
                    return fail(res, RDBF_BAD, crc_at, "Unexpected EOF reading RDB file");
                uint64_t want = le(x, 8);
                if (want != 0 && rdb_crc64(0, p, crc_at) != want) {
                    res->bad_crc = 1;
                    return fail(res, RDBF_BAD, crc_at, "Wrong RDB checksum");
                }
            }
            res->used = r.pos;
            return RDBF_OK;
        case OP_SELECTDB:
            if (rdb_read_len(&r, &a) != RDB_OK) break;
            if (h->note) {
                RdbNote n = {.kind = RDB_NOTE_SELECT, .offset = r.pos, .db = a};
                h->note(h->ctx, &n);
            }
            if (h->select_db && h->select_db(h->ctx, a) != 0) return RDBF_STOPPED;
            continue;
        case OP_RESIZEDB:
            if (rdb_read_len(&r, &a) != RDB_OK || rdb_read_len(&r, &b) != RDB_OK) break;
            continue;
        case OP_EXPIRETIME_MS:
            if (rdb_read_raw(&r, 8, &x) != RDB_OK) break;
            expire = (int64_t)le(x, 8);
            continue;
        case OP_EXPIRETIME:
            if (rdb_read_raw(&r, 4, &x) != RDB_OK) break;
            expire = (int64_t)le(x, 4) * 1000;
            continue;
        case OP_AUX: {
            char *k = NULL, *v = NULL;
            size_t kl, vl;
            if (rdb_read_string(&r, persist_string_max(), &k, &kl) != RDB_OK ||
                rdb_read_string(&r, persist_string_max(), &v, &vl) != RDB_OK) {
                xfree(k);
                break;
            }
            if (kl == 8 && memcmp(k, "aof-base", 8) == 0 && vl == 1 && v[0] == '1')
                res->aof_base = 1;
            if (kl == 14 && memcmp(k, "repl-stream-db", 14) == 0 && vl > 0 && vl < 10) {
                long long db = 0;
                size_t i = 0;
                while (i < vl && v[i] >= '0' && v[i] <= '9') db = db * 10 + (v[i++] - '0');
                if (i == vl) res->repl_stream_db = (int)db;
            }
            if (h->note) {
                RdbNote n = {.kind = RDB_NOTE_AUX,
                             .offset = r.pos,
                             .key = slice_of(k, kl),
                             .val = slice_of(v, vl)};
                h->note(h->ctx, &n);
            }
            xfree(k);
            xfree(v);
            continue;
        }
        case OP_FREQ:
            if (rdb_read_raw(&r, 1, &x) != RDB_OK) break;
            freq = x[0];
            continue;
        case OP_IDLE:
            if (rdb_read_len(&r, &a) != RDB_OK) break;
            idle = a > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)a;
            continue;
        case OP_SLOT_INFO:
            if (rdb_read_len(&r, &a) || rdb_read_len(&r, &b) || rdb_read_len(&r, &c)) break;
            continue;
        case OP_MODULE_AUX: {
            char name[10];
            if (h->note) note_module_aux(h, &r);
            int rc = persist_globals_rdb_read(&r, name);
            if (rc == 1)
                return fail(res, RDBF_UNSUPPORTED, at,
                            "The RDB file contains AUX module data I can't load: no matching "
                            "module '%s'",
                            name);
            if (rc != RDB_OK)
                return fail(res, RDBF_BAD, at,
                            "The RDB file contains module AUX data for the module type '%s', "
                            "that streamd is not able to load",
                            name[0] ? name : "?");
            continue;
        }
        case OP_FUNCTION_PRE_GA:
            return fail(res, RDBF_UNSUPPORTED, at, "Pre-release function format not supported");
        case OP_FUNCTION2: {
            char *code;
            size_t cl;
            if (rdb_read_string(&r, persist_string_max(), &code, &cl) != RDB_OK) break;
            int rc = h->function ? h->function(h->ctx, code, cl) : 0;
            xfree(code);
            if (rc != 0) return RDBF_STOPPED;
            continue;
        }
        default: {
            char *key;
            size_t kl;
            if (rdb_read_string(&r, persist_string_max(), &key, &kl) != RDB_OK) break;
            int stored = is_stored_type(op) ||
                         (op == DUMP_TYPE_MODULE_2 && persist_module_ops_at(&r) != NULL);
            if (!stored && h->foreign && op != 6 && op != 7 && op < 22) {
                if (skip_value(&r, op) != RDB_OK) {
                    int rc = fail(res, RDBF_BAD, at, "Bad value of key '%.*s' (RDB type %d)",
                                  (int)(kl > 128 ? 128 : kl), key, op);
                    xfree(key);
                    return rc;
                }
                int rc = h->foreign(h->ctx, slice_of(key, kl), op, type_name(op));
                xfree(key);
                expire = idle = freq = -1;
                if (rc != 0) return RDBF_STOPPED;
                continue;
            }
            if (!stored) {
                int rc = fail(res, RDBF_UNSUPPORTED, at,
                              "Key '%.*s' is %s (RDB type %d), which streamd does not store",
                              (int)(kl > 128 ? 128 : kl), key, type_name(op), op);
                xfree(key);
                return rc;
            }
            Obj *o;
            int vr = dump_read_value(&r, op, lim, now_ms, &o);
            if (vr == RDB_EMPTY) {
                res->n_empty++;
                int rc = h->empty ? h->empty(h->ctx, slice_of(key, kl), op) : 0;
                xfree(key);
                expire = idle = freq = -1;
                if (rc != 0) return RDBF_STOPPED;
                continue;
            }
            if (vr != RDB_OK) {
                int rc = fail(res, RDBF_BAD, at, "Bad value of key '%.*s' (RDB type %d)",
                              (int)(kl > 128 ? 128 : kl), key, op);
                xfree(key);
                return rc;
            }
            int rc = h->key ? h->key(h->ctx, slice_of(key, kl), o, expire, idle, freq)
                            : (obj_free(o), 0);
            xfree(key);
            expire = idle = freq = -1;
            if (rc != 0) return RDBF_STOPPED;
            if (h->progress && (++n_keys & 1023) == 0) h->progress(h->ctx, r.pos);
            continue;
        }
        }
        return fail(res, RDBF_BAD, at, "Unexpected EOF or bad data reading RDB file");
    }
}

/* Reads the file at path (borrowed) whole: 0 with *out owned (free with
 * xfree()) and *len its length, or -1 with errno set (ENOENT: no such file).
 * For RDB files and AOF bases, which are parsed from memory. */
int rdb_read_file(const char *path, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) return -1;
    struct stat st;
    if (fstat(fd, &st) == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    size_t cap = (size_t)st.st_size, n = 0;
    uint8_t *p = xmalloc(cap ? cap : 1);
    while (n < cap) {
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            xfree(p);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *out = p;
    *len = n;
    return 0;
}
