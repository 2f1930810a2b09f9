/*
 * rdbfile.h - a whole RDB file (Redis's snapshot format): writing one from
 * values, parsing one into values. See rdbfile.c for the layout and
 * docs/rdb.md.
 *
 * No server state here: the writer appends to a file descriptor, the parser
 * hands every function library and key to hooks, so the unit tests (and the
 * AOF's RDB base) drive both without a running server.
 */
#ifndef STREAMD_PERSIST_RDBFILE_H
#define STREAMD_PERSIST_RDBFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "server/object.h"
#include "stream/stream.h"

/* RDB versions: what Redis 7.0 writes and reads (type 19 streams), what
 * Redis 7.2 writes (type 21), the newest the parser reads (15: Redis 8.10;
 * 13 and 14 bring stream types 26 and 27, 15 hash types streamd refuses). */
#define RDB_VERSION_70  10
#define RDB_VERSION_72  11
#define RDB_VERSION_MAX 15

/* ---- Writing ------------------------------------------------------------ */

typedef struct RdbWriter {
    int fd;
    Buf buf;
    uint64_t crc;
    int checksum; /* 0: the file ends in a zero CRC (rdbchecksum no) */
    int failed;   /* a write failed: errno in sys_errno */
    int sys_errno;
    long long written;    /* bytes handed to write() */
    long long since_sync; /* fdatasync every 32 MiB, as the AOF rewrite */
    int autosync;         /* ... when set (rdbw_init sets it) */
} RdbWriter;

void rdbw_init(RdbWriter *w, int fd, int checksum);
void rdbw_free(RdbWriter *w);
void rdbw_header(RdbWriter *w, int version);
void rdbw_aux(RdbWriter *w, const char *key, const char *val);
void rdbw_aux_ll(RdbWriter *w, const char *key, long long val);
void rdbw_function(RdbWriter *w, const char *code, size_t len);
/* The module-aux records of the server-wide state registered for when
 * (persist/globalstate.h): before the first SELECTDB and after the last key. */
void rdbw_globals(RdbWriter *w, int when);
void rdbw_select(RdbWriter *w, int db, uint64_t keys, uint64_t expires);
/* One key: its expiry (absolute Unix ms, -1 none), its LRU idle seconds or
 * LFU counter (each -1 when not written: Redis writes the one its
 * maxmemory-policy ranks by), type byte, name, value written as type
 * (dump_value_type(o) or newer). */
void rdbw_key(RdbWriter *w, Slice key, const Obj *o, int type, int64_t expire_ms, long long idle_s,
              int freq, int64_t now_ms);
/* EOF opcode and CRC-64, then everything is written (not fsynced). 0, or -1
 * with w->sys_errno. */
int rdbw_finish(RdbWriter *w);

/* ---- Parsing ------------------------------------------------------------ */

struct RdbNote;
typedef struct RdbLoadHooks {
    void *ctx;
    /* Each returns 0 to go on, -1 to stop the load (the hook has logged why
     * and set nothing else). */
    int (*function)(void *ctx, const char *code, size_t len);
    int (*select_db)(void *ctx, uint64_t db);
    /* Takes ownership of o; expire_ms is absolute Unix ms or -1; idle_s
     * (LRU idle seconds) and freq (LFU counter, 0..255) are what the file
     * gave before the key, -1 when it gave none. */
    int (*key)(void *ctx, Slice key, Obj *o, int64_t expire_ms, long long idle_s, int freq);
    void (*progress)(void *ctx, size_t offset); /* may be NULL; every few keys */
    /* May be NULL: a key of a type streamd does not store (list, set,
     * sorted set, hash; type_name "a list", ...) stops the parse with
     * RDBF_UNSUPPORTED. Set: its value is skipped and the hook told
     * (0 goes on). Module values and 7.4's hashes with field TTLs still stop
     * it. */
    int (*foreign)(void *ctx, Slice key, int type, const char *type_name);
    /* May be NULL: a list, set, sorted set or hash holding no element is
     * skipped (as Redis 7.0 skips it) and counted in n_empty; set, the hook
     * is told first (0 goes on). */
    int (*empty)(void *ctx, Slice key, int type);
    /* May be NULL: told of the records redis-check-rdb reports (views valid
     * for the call). */
    void (*note)(void *ctx, const struct RdbNote *n);
} RdbLoadHooks;

/* A record for RdbLoadHooks.note: an AUX field (key, val), a SELECTDB (db)
 * or a module-aux record (module: its name). offset is where Redis's checker
 * stands when it reports it: past the AUX value, past the database number,
 * past the module-aux header (before the module's data). */
enum { RDB_NOTE_AUX = 1, RDB_NOTE_SELECT = 2, RDB_NOTE_MODULE_AUX = 3 };
typedef struct RdbNote {
    int kind;
    size_t offset;
    Slice key, val;
    uint64_t db;
    const char *module;
} RdbNote;

enum {
    RDBF_OK = 0,
    RDBF_BAD = -1,         /* malformed, truncated or a wrong checksum */
    RDBF_UNSUPPORTED = -2, /* a type or opcode streamd cannot hold (lists, modules, ...) */
    RDBF_STOPPED = -3,     /* a hook stopped it */
    RDBF_VERSION = -4,     /* not an RDB, or a version it cannot read */
};

typedef struct RdbLoadResult {
    int version;
    size_t used;        /* bytes of the RDB, its checksum included */
    size_t err_at;      /* offset of the trouble */
    char why[256];      /* set for BAD, UNSUPPORTED, VERSION */
    int aof_base;       /* aux "aof-base" said 1 */
    int repl_stream_db; /* aux "repl-stream-db" (a replica's payload); -1 none */
    long long n_empty;  /* empty collections skipped */
    int bad_crc;        /* BAD because the checksum did not match */
} RdbLoadResult;

/* Parses the RDB at p[0..len) (more bytes may follow it: an AOF preamble).
 * lim shapes the loaded streams' nodes; now_ms dates idempotency records. */
int rdb_parse(const uint8_t *p, size_t len, const StreamLimits *lim, int64_t now_ms,
              const RdbLoadHooks *h, RdbLoadResult *res);

/* Reads a whole file into memory: 0 (*out owned, free with xfree()), -1
 * with errno set. */
int rdb_read_file(const char *path, uint8_t **out, size_t *len);

#endif
