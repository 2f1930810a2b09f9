/*
 * rdb.h - Redis-format snapshots (dump.rdb) at run time: SAVE, BGSAVE, save
 * points, loading at start-up, DEBUG RELOAD, and the RDB form of an AOF
 * base. See rdb.c and docs/rdb.md.
 */
#ifndef STREAMD_PERSIST_RDB_H
#define STREAMD_PERSIST_RDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Start-up, after aof_startup(): registers the hooks and, with appendonly
 * no, loads dbfilename from dir when it exists. Exits on a file it cannot
 * load. */
void rdb_startup(void);
/* A BGSAVE child is running (the AOF rewrite waits for it, and the other
 * way round). */
int rdb_child_active(void);
/* Writes the whole dataset as an RDB to fd (aof-base aux set when aof_base);
 * 0, or -1 after logging. For the AOF rewrite with aof-use-rdb-preamble. */
int rdb_write_dataset(int fd, int aof_base);
/* The same with every value written as a type no newer than max_type (a
 * DUMP_TYPE_*): what an older Redis loads, losing what it cannot hold. */
int rdb_write_dataset_as(int fd, int aof_base, int max_type);
/* What a full resynchronisation's RDB tells the replica in its aux fields,
 * as Redis writes them: the database its stream has selected
 * (repl-stream-db), the replication ID and offset of the snapshot. */
typedef struct RdbReplInfo {
    int stream_db;
    const char *replid;
    long long offset;
} RdbReplInfo;
/* rdb_write_dataset_as() for a replica's full resync: the aux fields of
 * rsi (borrowed) added. 0, or -1 after logging. */
int rdb_write_dataset_repl(int fd, int max_type, const RdbReplInfo *rsi);
/* Loads the RDB at the start of the AOF file path (a base in RDB format, or a
 * Redis < 7 preamble) into the databases; *used gets its length, where the
 * AOF commands (if any) begin. 0, or -1 after logging why. */
int rdb_load_aof_base(const char *path, const char *name, uint64_t *used);

/* A replica's full resynchronisation: loads the master's RDB payload
 * (borrowed) into the databases, expired keys kept, keys of types streamd
 * does not store skipped (*n_skipped). 0, or -1 after logging. */
int rdb_load_replica_payload(const uint8_t *p, size_t len, long long *n_skipped);
/* The repl-stream-db aux field of the last replica payload loaded: the
 * database the master's stream has selected; -1 when it had none. */
int rdb_replica_payload_stream_db(void);

#endif
