/*
 * globalstate.h - persisting server-wide state that is not a key.
 *
 * Some of Redis 8's modules keep state outside the keyspace: the query
 * engine's spell-check dictionaries (FT.DICTADD) and its index definitions
 * (FT.CREATE). A family that owns such state registers it here once, at
 * start-up, with four callbacks, and the AOF rewrite, RDB snapshots (SAVE,
 * BGSAVE, an RDB-preamble AOF base, a replica's full sync) and the loaders
 * carry it along:
 *
 *   aof_rewrite  emits the commands that recreate the whole state (RESP
 *                records: emit(priv, argc, argv), as function_records()).
 *                The rewrite writes them before the first key when `when`
 *                is PERSIST_GLOBAL_BEFORE_KEYS, after the last one otherwise.
 *   rdb_write    appends the state's fields (rdbmodule.h's rdbm_put_*) to a
 *                module-aux record; returns 0 to write nothing (no state).
 *   rdb_read     reads them back (rdbm_get_*); RDB_OK, or RDB_ERR for bad
 *                input (the load then fails with "bad data": disk input is
 *                hostile, never assert on it). It may be called with state
 *                already there (DEBUG RELOAD MERGE): it adds to it.
 *   reset        drops all of the state: on FLUSHALL (RediSearch drops its
 *                dictionaries and indexes with the data), and before DEBUG
 *                RELOAD, DEBUG LOADAOF and a replica's full sync load their
 *                data again.
 *
 * In an RDB file the state is one module-aux record (opcode 0xF7), the
 * layout Redis gives a module's aux_save() data, so Redis and tools that
 * walk RDB files can step over it:
 *
 *   0xF7 <module id: RDB length>          rdbm_module_id(module_name, encver)
 *        <2: RDB length> <when: RDB length>   1 before the keys, 2 after
 *        <the fields rdb_write appended>      opcode-tagged, rdbmodule.h
 *        <0: RDB length>                      the module EOF opcode
 *
 * Registering under the module type name the real module uses for the same
 * state (RediSearch's "scdtype00" for dictionaries) is only right when the
 * fields are byte-for-byte what that module writes; otherwise pick a name of
 * streamd's own. A file with a module-aux record of a name nobody
 * registered still refuses to load, as Redis refuses one of a module it has
 * not loaded.
 */
#ifndef STREAMD_PERSIST_GLOBALSTATE_H
#define STREAMD_PERSIST_GLOBALSTATE_H

#include "base/buf.h"
#include "base/slice.h"
#include "persist/rdbcodec.h"

enum {
    PERSIST_GLOBAL_BEFORE_KEYS = 1, /* Redis's REDISMODULE_AUX_BEFORE_RDB */
    PERSIST_GLOBAL_AFTER_KEYS = 2,  /* REDISMODULE_AUX_AFTER_RDB */
};

typedef void (*PersistEmitFn)(void *priv, int argc, const Slice *argv);

typedef struct PersistGlobalOps {
    const char *module_name; /* nine characters of rdbm_module_id()'s alphabet */
    int encver;              /* 0..1023, written in the module id */
    int when;                /* PERSIST_GLOBAL_BEFORE_KEYS or _AFTER_KEYS */
    void (*aof_rewrite)(PersistEmitFn emit, void *priv);
    int (*rdb_write)(Buf *out);
    /* encver: the one the file's module id carries (may be older). */
    int (*rdb_read)(RdbReader *r, int encver);
    void (*reset)(void);
} PersistGlobalOps;

/* Registers ops (borrowed: static storage); at most 8 registrations. */
void persist_register_global(const PersistGlobalOps *ops);

/* For the writers and loaders (rewrite.c, rdb.c, rdbfile.c): */
/* Emits every registered state's commands whose `when` is when. */
void persist_globals_aof_rewrite(int when, PersistEmitFn emit, void *priv);
/* Appends the module-aux records (opcode included) of every registered state
 * whose `when` is when and that has state to write. */
void persist_globals_rdb_write(int when, Buf *out);
/* Reads one module-aux record after its 0xF7 opcode: RDB_OK; RDB_ERR for bad
 * data; 1 when no state is registered under the record's module name
 * (name, ten bytes, gets it for the message). */
int persist_globals_rdb_read(RdbReader *r, char name[10]);
/* Calls every registered reset(). */
void persist_globals_reset(void);

#endif
