/*
 * dumpvalue.h - a keyspace value to and from a DUMP payload in Redis's
 * serialization format (DUMP / RESTORE). See dumpvalue.c for the layouts and
 * docs/dump-format.md.
 */
#ifndef STREAMD_PERSIST_DUMPVALUE_H
#define STREAMD_PERSIST_DUMPVALUE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "persist/rdbcodec.h"
#include "server/object.h"
#include "stream/stream.h"

/* RDB versions: what DUMP writes for a stream without idempotency or
 * XNACK state (type 21 needs 11: Redis 7.2) and for a string (10: every
 * Redis from 7.0 on reads it), the newest RESTORE reads (15: Redis 8.10;
 * a payload of a type streamd does not know is still refused). */
#define DUMP_RDB_VERSION        11
#define DUMP_RDB_VERSION_STRING 10
#define DUMP_RDB_VERSION_MAX    15

/* Value types of the payload's first byte. */
enum {
    DUMP_TYPE_STRING = 0,
    DUMP_TYPE_MODULE_2 = 7,            /* a module's value: see persist/rdbmodule.h */
    DUMP_TYPE_STREAM_LISTPACKS = 15,   /* Redis 5.0 .. 6.2 */
    DUMP_TYPE_STREAM_LISTPACKS_2 = 19, /* Redis 7.0 */
    DUMP_TYPE_STREAM_LISTPACKS_3 = 21, /* Redis 7.2 and later */
    DUMP_TYPE_STREAM_LISTPACKS_4 = 26, /* Redis 8.6: + idempotent producers (RDB 13) */
    DUMP_TYPE_STREAM_LISTPACKS_5 = 27, /* Redis 8.8: + each group's NACK zone (RDB 14) */
    /* What earlier streamd builds wrote for type 26/27's state: type 21
     * plus a trailer. Still read, no longer written. */
    DUMP_TYPE_STREAMD_STREAM = 208,
};

enum {
    DUMP_OK = 0,
    DUMP_ERR_CHECKSUM = -1, /* too short, too new a version, or a wrong CRC */
    DUMP_ERR_FORMAT = -2,   /* anything else wrong with the bytes */
};

/* Lists, sets, sorted sets and hashes register how they are serialized
 * (from their family's init in src/cmd, beside obj_register_type()); strings
 * and streams are built in. */
typedef struct PersistTypeOps {
    ObjType obj_type;
    /* The RDB type byte o is written as. cap is the newest type the reader
     * takes (INT_MAX: any); o needing a newer one returns one <= cap that
     * loses what cap cannot carry. */
    int (*rdb_type)(const Obj *o, int cap);
    /* o's value, without the type byte, as type (from rdb_type()). */
    void (*rdb_write)(const Obj *o, int type, int64_t now_ms, Buf *out);
    /* Reads a value written as type (one of rdb_types) into an owned
     * object; RDB_OK, or RDB_ERR with nothing left allocated, or RDB_EMPTY
     * (nothing allocated) when the value was read whole and has no element.
     * now_ms dates TTLs inside the value. */
    int (*rdb_read)(RdbReader *r, int type, int64_t now_ms, Obj **out);
    const uint8_t *rdb_types; /* every type byte rdb_read() takes */
    size_t n_rdb_types;
    /* Appends the commands (RESP arrays) that rebuild o under key; between
     * records of a big value it may call flush(fp) (flush may be NULL). */
    void (*aof_rewrite)(Buf *out, Slice key, const Obj *o, int64_t now_ms, void (*flush)(void *),
                        void *fp);
    /* A type Redis keeps in a module: its nine-character module type name
     * (TYPE's reply) and the encoding version it writes, else NULL. Such a
     * type's rdb_type() returns DUMP_TYPE_MODULE_2 and its rdb_types are
     * empty: the module id written before rdb_write()'s fields (and the EOF
     * opcode after them) say which type a value is; rdb_read() gets the
     * value's encoding version as its type and reads the fields only. */
    const char *module_name;
    int module_encver;
} PersistTypeOps;

void persist_register_type(const PersistTypeOps *ops);
const PersistTypeOps *persist_type_ops(ObjType t);
/* NULL for a type byte no registered type (nor string/stream) reads. */
const PersistTypeOps *persist_type_ops_for_rdb(int rdb_type);
/* The registered module type of the value at r (a type 7 value after its
 * type byte; r does not move), or NULL. */
const PersistTypeOps *persist_module_ops_at(const RdbReader *r);
/* The RDB version a type byte needs: 10 (Redis 7.0), 11 (7.2: set listpack,
 * stream type 21, streamd's 208), 12 (7.4: hashes with field TTLs; arrays
 * as streamd writes them), 13 (8.6: stream type 26) or 14 (8.8: stream
 * type 27). */
int dump_type_rdb_version(int type);
/* dump_value_type() no newer than cap (see PersistTypeOps.rdb_type). */
int dump_value_type_capped(const Obj *o, int cap);

void dump_value(const Obj *o, int64_t now_ms, Buf *out);
/* dump_value() as the oldest type and version that carry o whole. */
void dump_value_oldest(const Obj *o, int64_t now_ms, Buf *out);
int dump_check_footer(const uint8_t *p, size_t len);
/* For RDB files (rdb.c): the oldest type that carries o whole (0 for a
 * string; 19, 21, 26 or 27 for a stream), o's value without its type byte
 * written as that type (or a newer stream type), and a value of a type read
 * back. */
int dump_value_type(const Obj *o);
void dump_value_body(const Obj *o, int type, int64_t now_ms, Buf *out);
int dump_read_value(RdbReader *r, int type, const StreamLimits *lim, int64_t now_ms, Obj **out);
int dump_restore_value(const uint8_t *p, size_t len, const StreamLimits *lim, int64_t now_ms,
                       Obj **out);

#endif
