/*
 * server.h - the state a command handler works with: the client, its
 * database, blocking, propagation and the server-wide settings.
 *
 * This is the contract between the core (src/server, src/net) and the command
 * families (src/cmd). Handlers read their arguments from c->argv, look keys up
 * through the db_* functions, reply through reply.h and, for every change they
 * make, emit a deterministic propagation record with propagate(). Fields of
 * Client and Server not documented here belong to the core.
 */
#ifndef STREAMD_SERVER_H
#define STREAMD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "server/command.h"
#include "server/object.h"
#include "server/reply.h"

typedef struct Db Db;
typedef struct Client Client;

/* ---- Clients ---------------------------------------------------------- */

enum {
    CLIENT_MULTI = 1u << 0,      /* inside MULTI */
    CLIENT_DIRTY_CAS = 1u << 1,  /* a WATCHed key changed */
    CLIENT_DIRTY_EXEC = 1u << 2, /* a queued command was refused */
    CLIENT_BLOCKED = 1u << 3,    /* waiting in block_on_keys() */
    CLIENT_CLOSE_AFTER_REPLY = 1u << 4,
    CLIENT_CLOSE_ASAP = 1u << 5,
    CLIENT_FAKE = 1u << 6,            /* no socket: the AOF loader */
    CLIENT_EXECUTING_MULTI = 1u << 7, /* running the commands of EXEC */
    CLIENT_AUTHENTICATED = 1u << 8,
    CLIENT_UNIX = 1u << 9,
    CLIENT_NO_EVICT = 1u << 10,
    CLIENT_REPROCESSING = 1u << 11,    /* handler is being re-run for a blocked client */
    CLIENT_MONITOR = 1u << 12,         /* in MONITOR mode (monitor.c) */
    CLIENT_REPLY_OFF = 1u << 13,       /* CLIENT REPLY OFF: replies are dropped */
    CLIENT_REPLY_SKIP = 1u << 14,      /* this command's replies are dropped */
    CLIENT_REPLY_SKIP_NEXT = 1u << 15, /* CLIENT REPLY SKIP: the next command's are */
    CLIENT_POSTPONED = 1u << 16,       /* held by CLIENT PAUSE (pause.c); also BLOCKED */
    CLIENT_NO_TOUCH = 1u << 17,        /* CLIENT NO-TOUCH ON: lookups leave access times */
    CLIENT_PUBSUB = 1u << 18,          /* subscribed to something (pubsub.c) */
    CLIENT_SCRIPT = 1u << 19,          /* the client scripts run commands on (script.c) */
    CLIENT_PROTECTED = 1u << 20,       /* runs a busy script: its input waits (script.c) */
    /* CLIENT TRACKING (tracking.c) */
    CLIENT_TRACKING = 1u << 21,              /* on: t in CLIENT LIST */
    CLIENT_TRACKING_BCAST = 1u << 22,        /* B */
    CLIENT_TRACKING_OPTIN = 1u << 23,        /* keys remembered only after CACHING YES */
    CLIENT_TRACKING_OPTOUT = 1u << 24,       /* keys not remembered after CACHING NO */
    CLIENT_TRACKING_CACHING = 1u << 25,      /* CLIENT CACHING given for this command */
    CLIENT_TRACKING_NOLOOP = 1u << 26,       /* no invalidations of its own changes */
    CLIENT_TRACKING_BROKEN_REDIR = 1u << 27, /* the REDIRECT client went away: R */
    CLIENT_SLAVE = 1u << 28,                 /* a replica after PSYNC/SYNC (repl.c): S */
    CLIENT_MASTER = 1u << 29, /* applies the master's stream (replica.c); also FAKE */
};

struct Client {
    uint64_t id;
    int argc;
    Slice *argv;        /* valid until the handler returns */
    const Command *cmd; /* the command (or subcommand) being run */
    Db *db;
    int resp; /* 2 or 3 */
    uint32_t flags;
    /* core-private state follows in client_int.h */
};

/* ---- Keyspace --------------------------------------------------------- */

/* Lookups return a view of the stored object, valid until the key changes.
 * Expired keys are deleted on the way and reported as missing. */
Obj *db_lookup_read(Db *db, Slice key);
Obj *db_lookup_write(Db *db, Slice key);
/* Adds a key that must not exist; takes ownership of o. */
void db_add(Db *db, Slice key, Obj *o);
/* Adds or replaces; takes ownership of o. Clears the TTL unless keep_ttl.
 * Announces "new" for a key it adds, "overwritten" (and "type_changed" when
 * the type differs) for a value it replaces, as Redis 8.2's setKey does. */
void db_set(Db *db, Slice key, Obj *o, int keep_ttl);
/* db_set() for a change Redis makes to the value in place (INCR, INCRBYFLOAT)
 * or announces itself (RENAME): replacing a value announces nothing. */
void db_replace(Db *db, Slice key, Obj *o, int keep_ttl);
/* A key read from a snapshot (start-up, DEBUG RELOAD [MERGE], a replica's
 * full sync): added, or replacing a duplicate under MERGE, without keyspace
 * events or signals, as Redis's loader adds keys. Takes ownership of o. */
void db_load_key(Db *db, Slice key, Obj *o);
/* Deletes the key; 1 if it existed. Signals the key (see db_signal_key).
 * The value is freed in the background when lazyfree-lazy-server-del says so
 * and it is big (src/server/lazyfree.h). */
int db_delete(Db *db, Slice key);
/* db_delete() with the choice made by the caller: lazy for UNLINK. */
int db_delete_lazy(Db *db, Slice key, int lazy);
/* A command's delete of key (which exists): freed lazily when lazy says so,
 * the "del" event, and DEL or UNLINK (lazy) propagated, as 7.0 sends it. */
void db_delete_propagated(Client *c, Slice key, int lazy);
/* Deletes an existing key for maxmemory (evict.c): signalled, announced as
 * "evicted" and propagated as DEL, or UNLINK when lazy. */
void db_evict(Db *db, Slice key, int lazy);
/* Removes the key and returns its value (owned by the caller from now on) and
 * its expiry (*expire_ms, -1 when none), or NULL if absent (no expiry check:
 * look the key up first). Signals the key. For RENAME. */
Obj *db_take(Db *db, Slice key, int64_t *expire_ms);
/* o, stored in db, changed size in place (APPEND, XADD, XTRIM, XDEL, ...):
 * moves it to the INFO keysizes bin of its new size, items (what obj_items()
 * gives; the caller has it at hand). Every handler that changes a value's
 * length in place calls this after the change. */
void db_resized(Db *db, Obj *o, uint64_t items);
/* A key's value changed in place: invalidates WATCHes and wakes clients
 * blocked on the key after the current command. Every handler that mutates a
 * key calls this once per mutated key. */
void db_signal_key(Db *db, Slice key);
/* A change Redis does not count as a modification of the key (XSETID, XGROUP
 * DESTROY): wakes the clients blocked on it, as db_signal_key, but leaves the
 * WATCHes on it standing. */
void db_wake_key(Db *db, Slice key);
/* Absolute expiry in Unix ms, -1 when none. */
int64_t db_get_expire(Db *db, Slice key);
int db_index(const Db *db);
uint64_t db_size(const Db *db);
/* Visits every key of db in no particular order with a view of its value and
 * its expiry (absolute Unix ms, -1 when none). The callback must not change
 * the keyspace. For the AOF rewrite, which runs on a frozen copy (fork). */
typedef void (*DbVisitFn)(void *priv, Slice key, const Obj *o, int64_t expire_ms);
void db_for_each(Db *db, DbVisitFn fn, void *priv);

/* The query engine's indexes follow the keyspace through three hooks (one
 * registration, NULL to remove): key runs for every key whose value changes
 * or goes (a write's signal, expiry, eviction, a load), flush when a
 * database is emptied (FLUSHDB, FLUSHALL, a reload), swap after SWAPDB. They
 * must not change the keyspace. */
void db_set_index_hooks(void (*key)(Db *db, Slice key), void (*flush)(Db *db),
                        void (*swap)(Db *a, Db *b));

/* ---- Blocking --------------------------------------------------------- */

/* Called after a command that signalled one of the client's keys, with
 * c->db and c->argv as when the client blocked; key is the signalled key (a
 * view valid for the call), or NULL when the client's wake-up time came
 * (block_set_wakeup). A key is signalled for any change, the commands Redis
 * would not wake the client for included, so a handler that must answer only
 * where Redis does decides from key and what it holds now (XREAD). Returns 1
 * when it replied (the client is unblocked and ctx freed), 0 to keep
 * waiting. */
typedef int (*BlockServeFn)(Client *c, const Slice *key, void *ctx);
/* Called on timeout (NULL: reply a null array, as XREAD does). */
typedef void (*BlockTimeoutFn)(Client *c, void *ctx);

/* Blocks c on keys (borrowed; copied) until serve succeeds, the timeout
 * (absolute Unix ms; 0 = forever) passes, or CLIENT UNBLOCK. Takes ownership
 * of ctx, freed with free_ctx. Must not be called inside MULTI: handlers check
 * c->flags & CLIENT_MULTI and answer as if the timeout passed. */
void block_on_keys(Client *c, const Slice *keys, int n_keys, int64_t timeout_at_ms,
                   BlockServeFn serve, BlockTimeoutFn on_timeout, void *ctx,
                   void (*free_ctx)(void *ctx));

/* Also runs the serve function of the blocked client c at at_ms (absolute
 * Unix ms) as if one of its keys were ready; 0 cancels. For waits that time
 * alone can end (XREADGROUP CLAIM: a pending entry becomes idle enough).
 * Every run of the serve function clears the wake-up first, so the serve
 * function sets the next one when it keeps waiting. Call it right after
 * block_on_keys() or from the serve function. */
void block_set_wakeup(Client *c, int64_t at_ms);

/* Marks the client just blocked as waiting for a condition no key signals
 * (WAITAOF: the AOF's fsync progress): its serve function (key NULL) runs
 * once per event-loop iteration, after the persistence hooks, until it
 * answers. */
void block_set_polled(Client *c);

/* Marks the client just blocked as one CLIENT UNBLOCK leaves blocked (a
 * SHUTDOWN waiting for replicas: nothing to time out). */
void block_set_no_unblock(Client *c);

/* Marks the client just blocked as one that must be told when a key it waits
 * on is deleted (XREADGROUP): counted in INFO total_blocking_keys_on_nokey. */
void block_set_unblock_on_nokey(Client *c);

/* Parses a BLOCK/timeout argument in ms into an absolute deadline (0 forever).
 * Replies the Redis error and returns -1 on bad input. */
int parse_block_timeout_ms(Client *c, Slice arg, int64_t *deadline_ms);
/* A script may not block: XREAD/XREADGROUP refuse BLOCK from one, naming
 * the command as it was typed (Redis's error). 1 when it replied so. */
int block_refused_in_script(Client *c);

/* ---- Propagation ------------------------------------------------------ */

/* Emits a record (a command that reproduces the change) for the AOF, in the
 * client's database. argv is borrowed and copied. Inside MULTI/EXEC the
 * records are wrapped in MULTI/EXEC. */
void propagate(Client *c, int argc, const Slice *argv);
/* Propagates the command exactly as the client sent it. */
void propagate_argv(Client *c);
/* A record outside any client (expiry): db index given. */
void propagate_db(int db_index, int argc, const Slice *argv);

/* Whether records go anywhere (a sink is installed and the data is not being
 * loaded): handlers whose records are costly to build may skip them. */
int propagate_is_active(void);

/* The sink that receives every record (the AOF): one command as RESP bytes
 * (borrowed, valid during the call) for the database db_index. MULTI and EXEC
 * arrive as records of their own around a wrapped group. */
typedef void (*PropagateSink)(int db_index, const char *resp, size_t len);
void propagate_set_sink(PropagateSink sink);
/* The replication stream's sink (repl.c, while its backlog exists): records
 * go to both sinks; NULL removes it. */
void propagate_set_repl_sink(PropagateSink sink);

/* ---- Helpers for handlers -------------------------------------------- */

/* Strict integer parsing as Redis's string2ll: returns 0 ok, -1 bad. */
int parse_ll(Slice s, long long *out);
int parse_ull(Slice s, unsigned long long *out);
/* Replies "ERR value is not an integer or out of range" on failure. */
int get_ll_or_reply(Client *c, Slice s, long long *out);
/* A number as Redis's string2ld reads one (INCRBYFLOAT, HINCRBYFLOAT): 0 ok,
 * -1 bad. See util.c. */
int parse_long_double(Slice s, long double *out);
/* A SCAN/HSCAN/SSCAN/ZSCAN cursor as 7.0 reads one (strtoul: a sign, "-1"
 * wrapping around, and "" as 0 are taken): 0 ok, -1 bad. */
int parse_scan_cursor(Slice s, uint64_t *out);
/* How many table buckets an HSCAN/SSCAN/ZSCAN of COUNT count (>= 1) may
 * visit looking for elements, as Redis bounds it: ten per element asked,
 * capped at LLONG_MAX (COUNT takes any long long). */
long long scan_bucket_budget(long long count);
/* v (finite) as Redis shows a float it computed ("%.17Lf", trailing zeros
 * and point dropped, "-0" as "0"); the length written into buf. */
size_t format_long_double(char *buf, size_t cap, long double v);
/* A database index as SELECT, MOVE and COPY read it: 0 with *out set, or -1
 * after replying Redis's error (not an integer, not an int, no such db). */
int get_db_index_or_reply(Client *c, Slice s, int *out);
int64_t now_ms(void); /* Unix time in ms (cached per command while executing) */
int64_t now_us(void);
int64_t mono_ms(void); /* monotonic clock */
int64_t mono_us(void);

/* ---- Server-wide state ----------------------------------------------- */

typedef struct Server {
    /* stream settings (CONFIG SET changes them at run time) */
    long long stream_node_max_entries;
    long long stream_node_max_bytes;
    long long stream_idmp_duration;
    long long stream_idmp_maxsize;
    /* persistence settings, owned by src/persist */
    int appendonly;
    int appendfsync; /* 0 no, 1 everysec, 2 always */
    char *dir;
    char *appendfilename;
    char *appenddirname;
    long long auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    int aof_load_truncated;
    int aof_use_rdb_preamble;
    int rdbcompression;
    int rdbchecksum;
    int stop_writes_on_bgsave_error;
    /* state */
    int loading;               /* 1 while the data is being loaded */
    const char *write_refused; /* non-NULL: writes get this error (MISCONF) */
    long long dirty;           /* changes since start */
    int64_t start_time_ms;
    /* Bytes of propagation records handed to the sink since start: the
     * position of a write in the AOF stream, which never goes back (not even
     * across rewrites). A client's last write ends at some write_offset. */
    long long write_offset;
    /* Owned by src/persist: every write up to this offset is fsynced to the
     * AOF; -1 while the AOF is off or still being created (WAITAOF). */
    long long aof_fsynced_offset;
    /* Owned by repl.c: bytes of the replication stream (records, SELECTs,
     * pings) since the replication ID was made (INFO master_repl_offset). */
    long long master_repl_offset;
    /* notify-keyspace-events as NOTIFY_* bits (0: off, the default) */
    int notify_flags;
} Server;

extern Server server;

/* ---- Keyspace notifications (notify.c) -------------------------------- */

/* The classes of events notify-keyspace-events selects (its letters), the
 * two channel families (K: __keyspace@<db>__:<key>, E:
 * __keyevent@<db>__:<event>) and Redis 8.8's four subkey families (S T I V,
 * see notify.c). */
enum {
    NOTIFY_KEYSPACE = 1 << 0,          /* K */
    NOTIFY_KEYEVENT = 1 << 1,          /* E */
    NOTIFY_GENERIC = 1 << 2,           /* g */
    NOTIFY_STRING = 1 << 3,            /* $ */
    NOTIFY_LIST = 1 << 4,              /* l */
    NOTIFY_SET = 1 << 5,               /* s */
    NOTIFY_HASH = 1 << 6,              /* h */
    NOTIFY_ZSET = 1 << 7,              /* z */
    NOTIFY_EXPIRED = 1 << 8,           /* x */
    NOTIFY_EVICTED = 1 << 9,           /* e */
    NOTIFY_STREAM = 1 << 10,           /* t */
    NOTIFY_KEY_MISS = 1 << 11,         /* m */
    NOTIFY_MODULE = 1 << 12,           /* d */
    NOTIFY_NEW = 1 << 13,              /* n */
    NOTIFY_SUBKEYSPACE = 1 << 14,      /* S */
    NOTIFY_SUBKEYEVENT = 1 << 15,      /* T */
    NOTIFY_SUBKEYSPACEITEM = 1 << 16,  /* I */
    NOTIFY_SUBKEYSPACEEVENT = 1 << 17, /* V */
    NOTIFY_OVERWRITTEN = 1 << 18,      /* o */
    NOTIFY_TYPE_CHANGED = 1 << 19,     /* c */
    NOTIFY_ARRAY = 1 << 20,            /* a (Redis 8.8's arrays) */
    NOTIFY_SUBKEY_ANY =
        NOTIFY_SUBKEYSPACE | NOTIFY_SUBKEYEVENT | NOTIFY_SUBKEYSPACEITEM | NOTIFY_SUBKEYSPACEEVENT,
};

void notify_publish(const char *event, Slice key, int dbid);
/* Announces event on key of database dbid to the subscribers of its keyspace
 * and keyevent channels, when notify-keyspace-events selects type. Costs one
 * predictable branch while notifications are off. */
static inline void notify_keyspace_event(int type, const char *event, Slice key, int dbid) {
    if (__builtin_expect((server.notify_flags & type) != 0, 0)) notify_publish(event, key, dbid);
}

/* Announces that the value of key was replaced by one of type new_type
 * ("overwritten"), and "type_changed" when old_type differs (Redis 8.2's o
 * and c classes). */
static inline void notify_overwritten(Slice key, int dbid, int old_type, int new_type) {
    notify_keyspace_event(NOTIFY_OVERWRITTEN, "overwritten", key, dbid);
    if (old_type != new_type) notify_keyspace_event(NOTIFY_TYPE_CHANGED, "type_changed", key, dbid);
}

void notify_publish_subkeys(const char *event, Slice key, int dbid, const Slice *sub, size_t n);
/* notify_keyspace_event() for an event that changed the n subkeys (hash
 * fields) sub of key: also publishes them on the subkey channels the
 * setting selects (Redis 8.8). Borrows sub. */
static inline void notify_keyspace_event_subkeys(int type, const char *event, Slice key, int dbid,
                                                 const Slice *sub, size_t n) {
    if (__builtin_expect((server.notify_flags & type) != 0, 0))
        notify_publish_subkeys(event, key, dbid, sub, n);
}
/* Whether an event of class type would reach a subkey channel: lets a
 * caller skip collecting the fields. */
static inline int notify_wants_subkeys(int type) {
    return (server.notify_flags & type) && (server.notify_flags & NOTIFY_SUBKEY_ANY);
}

/* The latency monitor's events other than commands (Redis's names:
 * "expire-cycle", "fork", "aof-write", ...): adds a sample of ms to the
 * event (a static string) when the monitor is on and ms reaches its
 * threshold. */
void latency_add_sample(const char *event, int64_t ms);

/* Counts a fork of the server (INFO stats total_forks). */
void server_note_fork(int64_t start_us); /* a fork made (started at mono_us() start_us) */

/* Hooks the persistence module registers. */
typedef void (*ServerHook)(void);
void server_on_before_sleep(ServerHook fn); /* before replies are written */
void server_on_cron(ServerHook fn);         /* every 100 ms */
void server_on_shutdown(ServerHook fn);     /* SHUTDOWN, SIGTERM: before replies are written */
/* Registers a function run after CONFIG SET changes the named option (and
 * at start-up is not called). It returns 0, or -1 with *err set to a static
 * text to refuse the change (the old value is restored). */
int config_register_apply(const char *name, int (*apply)(const char **err));
/* INFO persistence: the persistence module appends its "aof_*" lines. */
typedef void (*InfoHook)(Buf *out);
void server_set_info_persistence(InfoHook fn);
/* INFO persistence: the snapshot module writes the "rdb_*" lines. */
void server_set_info_rdb(InfoHook fn);
/* SHUTDOWN (its SAVE / NOSAVE / FORCE) and SIGTERM ask fn before the server
 * stops: fn saves a snapshot when it should and returns 0, or -1 when that
 * failed and the server must stay up. */
enum { SHUTDOWN_SAVE = 1, SHUTDOWN_NOSAVE = 2, SHUTDOWN_FORCE = 4, SHUTDOWN_NOW = 8 };
void server_set_shutdown_save(int (*fn)(int flags));
int server_shutdown_save(int flags);
/* Called by FLUSHALL after the databases are emptied (a snapshot of the
 * empty dataset replaces the old one when save points are set). */
void server_set_flushall_hook(void (*fn)(void));
void server_after_flushall(void);
/* INFO memory / MEMORY STATS: fn tells the bytes the persistence module's
 * in-memory AOF buffer holds (allocated, not just filled). */
void server_set_aof_buffer_size(size_t (*fn)(void));
/* DEBUG <name> ...: registers a DEBUG subcommand (e.g. LOADAOF). */
void debug_register(const char *name, CommandProc fn);
/* Runs a command through dispatch on a fake client (AOF loading). */
Client *client_new_fake(void);
void client_free_fake(Client *c);
/* Executes argv (borrowed) as command on the fake client; returns 0, or -1
 * if the command was unknown or replied with an error (*err set to a view of
 * the error text, valid until the next call). */
int server_exec_fake(Client *c, int argc, const Slice *argv, const char **err);
/* Empties every database (FLUSHALL without propagation). */
void server_flush_all_dbs(void);
/* The same, the keys freed by the lazyfree thread when lazy (ASYNC). */
void server_flush_all_dbs_lazy(int lazy);
/* While the AOF loads at start-up: accept clients and answer their commands
 * (-LOADING for those that need the data), then return. */
void server_serve_while_loading(void);
int server_db_count(void);
Db *server_db(int index);

#endif
