/*
 * core.h - what the core's own files share (not for command handlers).
 *
 * The full client record (ClientFull, whose first member is the public
 * Client of server.h), the database record, the event loop state and the
 * statistics that INFO reports. Command families include server.h only;
 * the admin commands (INFO, CLIENT, CONFIG, DEBUG) are part of the core and
 * include this file too.
 */
#ifndef STREAMD_CORE_H
#define STREAMD_CORE_H

#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "net/resp.h"
#include "server/dict.h"
#include "server/server.h"

/* INFO keysizes bins: 0 for an empty value, i for 2^(i-1) .. 2^i - 1 elements. */
#define KEYSIZES_BINS 65

struct Db {
    Dict *keys;
    Dict *watched;  /* key -> ClientList of clients WATCHing it */
    Dict *blocking; /* key -> ClientList of clients blocked on it (FIFO) */
    uint64_t n_expires;
    uint64_t n_subexpiry; /* values with TTLs of their own (a hash's fields): INFO keyspace */
    uint64_t expire_cursor;
    long long avg_ttl; /* ms, estimated by the active expiry's samples (INFO keyspace) */
    int id;
    uint64_t keysizes[OBJ_TYPE_COUNT][KEYSIZES_BINS]; /* values per type and size bin */
};

typedef struct ClientList {
    struct ClientFull **v;
    size_t n, cap;
} ClientList;

typedef struct QueuedCommand {
    int argc;
    Slice *argv; /* one owned block: slices then bytes */
    const Command *cmd;
} QueuedCommand;

typedef struct BlockState {
    Slice *keys; /* owned copies (one block) */
    int n_keys;
    int64_t deadline_ms; /* 0: forever */
    int64_t wake_ms;     /* block_set_wakeup(); 0: none */
    BlockServeFn serve;
    BlockTimeoutFn on_timeout;
    void *ctx;
    void (*free_ctx)(void *);
    int argc;
    Slice *argv; /* owned copy of the blocked command */
    const Command *cmd;
    size_t index;      /* position in the blocked-clients array */
    long long exec_us; /* how long the handler ran when it blocked (slow log) */
    int on_nokey;      /* block_set_unblock_on_nokey() */
    int polled;        /* block_set_polled() */
    int no_unblock;    /* block_set_no_unblock() */
} BlockState;

typedef struct ClientFull {
    Client pub;
    int fd;
    int db_index;
    Buf qbuf;
    Buf obuf;
    size_t qbuf_peak; /* the most input held since the last client_trim_idle_buffers() */
    RespArgv args;
    char *name;
    char *lib_name;
    char *lib_ver;
    char addr[64];
    char laddr[64];
    int64_t ctime_ms;
    int64_t last_ms;
    uint64_t n_commands;
    const char *last_cmd;
    int is_closing;
    int in_pending_write;
    int write_registered;
    struct ClientFull *prev, *next; /* all clients */
    struct ClientFull *pw_next;     /* pending-write list */
    /* MULTI */
    QueuedCommand *mq;
    int mq_n, mq_cap;
    /* WATCH: keys this client watches, as (db, key) copies */
    struct WatchedKey *watched;
    int n_watched, cap_watched;
    BlockState *block;
    struct PubsubState *pubsub; /* pubsub.c; NULL until the first subscription */
    struct AclUser *user;       /* acl.c: who the commands run as (never NULL) */
    long long woff;             /* server.write_offset after this client's last records (WAITAOF) */
    long long repl_woff;        /* server.master_repl_offset after them (WAIT) */
    struct ReplicaState *repl;  /* repl.c: set once it sends REPLCONF or PSYNC */
    int64_t obuf_soft_since_s;  /* when the output went over the soft limit; 0: not over */
    size_t mq_bytes;            /* the MULTI queue's argument blocks (client_mem_usage) */
    size_t mem_bytes;           /* its part of core.clients_mem_bytes (client eviction) */
    /* error reply marker for stats / fake clients */
    int replied_error;
    /* closed once its command has replied (ACL changes of its own user):
     * CLIENT_CLOSE_AFTER_REPLY then, which drops replies from its setting */
    int close_after_command;
    char *last_error; /* fake clients only: copy of the last error */

    struct TrackingState *tracking; /* tracking.c; NULL until CLIENT TRACKING ON */
    struct HimportState *himport;   /* hash_import.c; NULL until HIMPORT PREPARE */
    struct TlsConn *tls;            /* net/tls.c: set for a client of tls-port */
    int tls_pending;                /* in core.n_tls_pending: OpenSSL holds input for it */
    int tls_checked;                /* the handshake's end was seen (tls-auth-clients-user) */
} ClientFull;

#define CF(c) ((ClientFull *)(c))

/* A command's latency histogram (latency.c): exact below LAT_EXACT us, then
 * 64 buckets per power of two up to 2^32 us. */
#define LAT_EXACT   128
#define LAT_BUCKETS (LAT_EXACT + 25 * 64)
typedef struct LatencyHist {
    uint64_t total;
    uint64_t counts[LAT_BUCKETS];
} LatencyHist;

typedef struct CommandStats {
    const Command *cmd;
    char name[64];
    uint64_t calls, usec, rejected, failed;
    LatencyHist *lat; /* latency.c; NULL until the first call */
} CommandStats;

typedef struct Core {
    int epfd;
    int listen_fds[8];
    int n_listen;
    int unix_fd;
    Db *dbs;
    int n_dbs;
    ClientFull *clients;
    uint64_t n_clients;
    uint64_t next_client_id;
    ClientFull *pending_write;
    ClientFull **to_free;
    size_t n_to_free, cap_to_free;
    /* blocking */
    ClientFull **blocked;
    size_t n_blocked, cap_blocked;
    size_t n_polled; /* blocked clients with BlockState.polled */
    uint64_t n_blocking_keys;
    ClientList monitors; /* MONITOR clients, in the order they came (monitor.c) */
    Buf ready_keys;      /* list of (db, keylen, key) records */
    int n_tls_pending;   /* TLS clients with decrypted input no event announces */
    Dict *ready_set[64]; /* per-db dedupe of ready keys (lazily created) */
    /* propagation */
    Buf prop_buf;            /* this command's records, as RESP */
    struct PropRecord *prop; /* where each record starts in prop_buf */
    size_t n_prop, cap_prop;
    int in_exec;
    int prop_suppressed; /* a script's redis.set_repl() without REPL_AOF */
    int script_busy;     /* 1: a script, 2: a function ran past busy-reply-threshold (-BUSY) */
    PropagateSink sink;
    /* hooks */
    ServerHook before_sleep[8];
    int n_before_sleep;
    ServerHook cron[8];
    ServerHook shutdown_hooks[4];
    int n_shutdown_hooks;
    int n_cron;
    /* time */
    int64_t cmd_time_ms;
    int64_t cmd_time_us;
    int64_t call_start_us; /* when the running call started (real clock) */
    int executing;
    /* The client whose command (or transaction, or script) runs, NULL
     * between commands; kept only while core.tracking_on (tracking.c: NOLOOP,
     * and a client's own invalidations follow its reply). */
    ClientFull *current_client;
    /* Client eviction (evict.c): the limit maxmemory-clients comes to, 0 when
     * it is off, and the memory of the normal and pubsub clients as last
     * accounted (client_mem_refresh), which only runs while it is on. */
    size_t client_evict_limit;
    size_t clients_mem_bytes;
    uint64_t n_tracking_clients; /* with CLIENT TRACKING on (INFO tracking_clients) */
    int tracking_on;       /* a client tracks, or invalidations wait: dispatch calls tracking.c */
    int tracking_armed;    /* tracked keys or BCAST prefixes exist: changes matter */
    int hotkeys_on;        /* a HOTKEYS session collects: call_command() feeds hotkeys.c */
    int no_touch;          /* the running command's lookups leave access times (CLIENT NO-TOUCH) */
    int active_expire_off; /* DEBUG SET-ACTIVE-EXPIRE 0: the cron expires nothing */
    int shutdown_asap;
    int shutdown_exit_code;
    /* stats */
    uint64_t stat_conns, stat_cmds, stat_rejected_conns, stat_expired, stat_hits, stat_misses;
    uint64_t stat_net_in, stat_net_out, stat_errors, stat_unexpected_errors;
    /* the replication stream's bytes; INFO's totals are stat_net_* plus these */
    uint64_t stat_net_repl_in, stat_net_repl_out;
    uint64_t stat_total_error_replies;
    uint64_t stat_reads, stat_writes; /* read() / write() calls on client sockets */
    uint64_t stat_forks;
    int64_t stat_latest_fork_us;         /* INFO latest_fork_usec */
    uint64_t stat_expire_cycle_us;       /* time the active expiry took, in total */
    uint64_t stat_expire_time_cap;       /* cycles that stopped at their time budget */
    double stat_expired_stale_perc;      /* expired share of the TTL keys seen, averaged */
    uint64_t stat_payload_sanitizations; /* RESTORE payloads checked under sanitize-dump-payload */
    int64_t lastsave;
    CommandStats **cmdstats; /* each allocated alone: clients keep pointers to names */
    size_t n_cmdstats;
    Dict *errorstats; /* error code -> count (boxed uint64) */
    uint64_t el_iterations;
    int64_t poll_window_us; /* busy polling's current window (server.c) */
    int tcp_port_bound;
    long long hz; /* the cron's rate: hz, raised under dynamic-hz for many clients */
    pid_t pid;
    char run_id[41];
    const char *config_file;
    char *exec_path;
    /* CLIENT PAUSE (pause.c) */
    int pause_mode;           /* PAUSE_OFF, PAUSE_WRITE or PAUSE_ALL */
    int64_t pause_end_ms;     /* Unix ms */
    int expire_paused;        /* no key is deleted by expiry (db.c) */
    int pause_expire_pending; /* paused inside EXEC: expiry pauses after it */
    ClientList postponed;     /* held clients, in arrival order */
    /* replica.c */
    int is_replica;       /* following a master (REPLICAOF host port) */
    int replica_applying; /* the master client's command runs: keys do not expire */
} Core;

enum { PAUSE_OFF = 0, PAUSE_WRITE = 1, PAUSE_ALL = 2 }; /* stricter is greater */

extern Core core;

#define SCRIPT_BUSY_ERROR                                                                          \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define SCRIPT_BUSY_FUNCTION_ERROR                                                                 \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
/* The -BUSY answer while a script (core.script_busy 1) or a function (2) runs. */
#define SCRIPT_BUSY_REPLY() (core.script_busy == 2 ? SCRIPT_BUSY_FUNCTION_ERROR : SCRIPT_BUSY_ERROR)

/* Serves the other clients while a script runs past busy-reply-threshold:
 * reads and answers (dispatch refuses what may not run beside a script),
 * writes replies. Frees nothing: the script's caller stays valid. */
void server_serve_while_busy(void);

/* client-output-buffer-limit, per class of client (Redis's normal, replica
 * and pubsub; streamd has no replicas): 0 bytes means no limit. */
enum { OBUF_NORMAL = 0, OBUF_REPLICA = 1, OBUF_PUBSUB = 2, OBUF_CLASSES = 3 };
typedef struct ObufLimit {
    unsigned long long hard, soft;
    long long soft_seconds;
} ObufLimit;

/* enable-module-command: who may run protected commands */
enum { PROTECTED_NO = 0, PROTECTED_YES = 1, PROTECTED_LOCAL = 2 };
/* repl-diskless-load: how a replica takes a full resync's payload (replica.c). */
enum {
    REPL_DISKLESS_LOAD_DISABLED = 0,
    REPL_DISKLESS_LOAD_ON_EMPTY = 1,
    REPL_DISKLESS_LOAD_SWAPDB = 2
};

/* settings not needed by handlers */
typedef struct Settings {
    char *bind;
    long long port;
    char *unixsocket;
    long long unixsocketperm;
    long long tcp_backlog;
    long long tcp_keepalive;
    long long timeout;
    long long maxclients;
    long long databases;
    char *requirepass;
    int protected_mode;
    int enable_module_command;    /* PROTECTED_NO / _YES / _LOCAL */
    int enable_debug_command;     /* the same, for DEBUG */
    int enable_protected_configs; /* the same, for CONFIG SET of dir and dbfilename */
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    long long maxmemory;
    int maxmemory_policy; /* MAXMEM_* (evict.h) */
    long long maxmemory_samples;
    long long maxmemory_clients; /* bytes, or -N for N% of maxmemory; 0: no client eviction */
    long long maxmemory_eviction_tenacity;
    long long lfu_log_factor;
    long long lfu_decay_time;
    int replica_ignore_maxmemory;
    long long hz;
    long long busy_poll_us; /* the longest busy poll before sleeping; 0: never */
    char *loglevel;
    char *logfile;
    int daemonize;
    char *pidfile;
    long long lua_time_limit;
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long slowlog_entry_max_argc;       /* arguments an entry keeps (8.8) */
    long long slowlog_entry_max_string_len; /* bytes an argument keeps (8.8) */
    int latency_tracking;
    long long latency_monitor_threshold;
    char *latency_tracking_info_percentiles;
    int activerehashing;
    /* the process (procenv.c) */
    int set_proc_title;
    char *proc_title_template;
    int oom_score_adj; /* 0 no, 1 relative (yes), 2 absolute */
    char *oom_score_adj_values;
    int disable_thp;
    int jemalloc_bg_thread;
    int always_show_logo;
    int supervised; /* 0 no, 1 upstart, 2 systemd, 3 auto */
    int syslog_enabled;
    char *syslog_ident;
    int syslog_facility; /* 0 user, 1..8 local0..local7 */
    int dynamic_hz;      /* the cron runs faster with many clients (core.hz) */
    /* persistence and replication details */
    int rdb_del_sync_files;
    int repl_disable_tcp_nodelay;
    int no_appendfsync_on_rewrite;
    int aof_timestamp_enabled;
    int aof_rewrite_incremental_fsync;
    int rdb_save_incremental_fsync;
    int aof_disable_auto_gc;        /* keep a rewrite's history files */
    int propagation_error_behavior; /* 0 ignore, 1 panic, 2 panic-on-replicas */
    int sanitize_dump_payload;      /* 0 no, 1 yes, 2 clients: streamd always checks */
    int acl_pubsub_default;         /* 1: new users and selectors get allchannels */
    long long active_expire_effort; /* 1..10 */
    char *shutdown_on_sigint;       /* "default" or flags: save nosave now force */
    char *shutdown_on_sigterm;
    long long shutdown_timeout; /* seconds SHUTDOWN waits for lagging replicas; 0 none */
    char *server_cpulist, *bio_cpulist, *aof_rewrite_cpulist, *bgsave_cpulist;
    long long socket_mark_id;
    char *replica_announce_ip;            /* REPLCONF ip-address to the master ("" none) */
    char *bind_source_addr;               /* outgoing connections' source (replication, MIGRATE) */
    int replica_ignore_disk_write_errors; /* apply the master's writes though the AOF fails */
    int io_threads_do_reads;
    char *ignore_warnings;
    int crash_log_enabled;
    int crash_memcheck_enabled;
    int activedefrag; /* refused: stock jemalloc, as Redis without its own */
    /* TLS (net/tls.c): the listener on tls_port, and the context's files
     * and choices ("" for an unset string) */
    long long tls_port;
    char *tls_cert_file, *tls_key_file, *tls_key_file_pass;
    char *tls_client_cert_file, *tls_client_key_file, *tls_client_key_file_pass;
    char *tls_ca_cert_file, *tls_ca_cert_dir, *tls_dh_params_file;
    char *tls_protocols, *tls_ciphers, *tls_ciphersuites;
    int tls_auth_clients;      /* TLS_AUTH_* */
    int tls_auth_clients_user; /* 1: log a client in as its certificate's CN (8.6) */
    int tls_replication, tls_cluster, tls_prefer_server_ciphers, tls_session_caching;
    long long tls_session_cache_size, tls_session_cache_timeout;
    long long active_defrag_ignore_bytes, active_defrag_threshold_lower;
    long long active_defrag_threshold_upper, active_defrag_cycle_min, active_defrag_cycle_max;
    long long active_defrag_max_scan_fields;
    int lazyfree_lazy_user_del;   /* DEL as UNLINK */
    int lazyfree_lazy_server_del; /* implicit deletes: overwrites, RENAME's target */
    int lazyfree_lazy_expire;     /* expired keys */
    int lazyfree_lazy_user_flush; /* FLUSHALL / FLUSHDB without SYNC or ASYNC */
    int lazyfree_lazy_eviction;   /* keys evicted for maxmemory */
    int replica_lazy_flush;       /* a replica's flush before a full sync */
    char *save;
    char *dbfilename;
    long long rdb_key_save_delay; /* microseconds per key written to an RDB (tests) */
    char *backupdirname;          /* BACKUP's directory, a plain name inside dir */
    long long backup_sealed_ttl;  /* seconds a sealed backup is kept; 0: until CLEANUP */
    long long list_max_listpack_size;
    long long hash_max_listpack_entries; /* hash.c: packed up to this many fields */
    long long hash_max_listpack_value;   /* ... and fields and values this long */
    long long set_max_intset_entries;    /* set-max-intset-entries (set_obj.c) */
    long long hll_sparse_max_bytes;      /* hll-sparse-max-bytes (hll.c) */
    long long zset_max_listpack_entries; /* sorted sets: the packed encoding's limits */
    long long zset_max_listpack_value;
    long long list_compress_depth;
    /* time series defaults (tseries.c): ts-retention-policy, ts-chunk-size-bytes, ... */
    long long ts_retention_policy;
    long long ts_chunk_size_bytes;
    int ts_duplicate_policy; /* TS_DP_* */
    int ts_encoding;         /* TS_ENC_* */
    long long ts_ignore_max_time_diff;
    char *ts_ignore_max_val_diff; /* as set; parsed into ts_ignore_max_val_diff_d */
    double ts_ignore_max_val_diff_d;
    char *ts_compaction_policy; /* rules given to series TS.ADD / TS.INCRBY make */
    /* the query engine's search-* configs (CONFIG and FT.CONFIG; read through
     * types/ftconfig.h) */
    struct {
        long long default_dialect, timeout, min_prefix, max_prefix_expansions;
        long long max_search_results, max_aggregate_results, cursor_max_idle;
        long long index_cursor_limit, max_doctablesize, min_stem_len, min_phonetic_term_len;
        long long union_iterator_heap, gc_scan_size, fork_gc_run_interval;
        long long fork_gc_clean_threshold, fork_gc_retry_interval, fork_gc_sleep_before_exit;
        long long workers, min_operation_workers, tiered_hnsw_buffer_limit;
        long long workers_priority_bias_threshold, multi_text_slop, vss_max_resize;
        long long bg_index_sleep_gap, numeric_ranges_parents;
        int on_timeout; /* FTCONF_ON_TIMEOUT_* */
        int no_gc, no_mem_pools, partial_indexed_docs, raw_docid_encoding, numeric_compress;
        int free_resource_on_thread, print_profile_clock, prioritize_intersect_union_children;
        char *ext_load, *friso_ini;
    } search;
    int io_threads;
    char *client_obuf_limit; /* client-output-buffer-limit, normalised by its apply hook */
    ObufLimit obuf_limits[OBUF_CLASSES];
    char *notify_keyspace_events; /* canonical text; server.notify_flags holds the bits */
    char *aclfile;                /* acl.c: ACL LOAD / ACL SAVE's file; "" for none */
    long long acllog_max_len;
    long long tracking_table_max_keys;
    /* replication, master side (repl.c) */
    long long repl_backlog_size;
    int repl_diskless_sync;                    /* full syncs stream the RDB ($EOF:) */
    long long repl_diskless_sync_delay;        /* seconds to wait for more replicas */
    long long repl_diskless_sync_max_replicas; /* start at once with this many; 0 none */
    int repl_diskless_load;                    /* REPL_DISKLESS_LOAD_* (replica.c) */
    long long repl_backlog_ttl;
    long long repl_ping_period; /* repl-ping-replica-period, seconds */
    long long repl_timeout;     /* seconds */
    long long min_replicas_to_write;
    long long min_replicas_max_lag; /* seconds */
    /* replica.c */
    char *replicaof; /* "host port", "" for none */
    char *masterauth;
    char *masteruser;
    int replica_read_only;
    int replica_serve_stale_data;
    int replica_announced;
    long long replica_priority;
    long long replica_announce_port;
    /* Bloom and Cuckoo filters: the configs' text (src/cmd/bloom.c checks
     * and parses them) */
    char *bf_error_rate, *bf_initial_size, *bf_expansion_factor;
    char *cf_bucket_size, *cf_initial_size, *cf_max_iterations, *cf_expansion_factor,
        *cf_max_expansions;
} Settings;

extern Settings settings;

/* client.c */
ClientFull *client_create(int fd, int is_unix);
/* Whether an enable-*-command / enable-protected-configs setting lets c
 * through: yes, no, or local (a Unix socket or a loopback address). */
int protected_allows(int setting, const Client *c);
void client_close_async(ClientFull *c);
void client_free_now(ClientFull *c);
void clients_free_pending(void);
void client_write_pending(void);
/* Frees the big empty buffers of clients idle for a second; from the cron. */
void client_trim_idle_buffers(int64_t now_ms);
void client_process_input(ClientFull *c);
void client_on_readable(ClientFull *c);
void client_on_writable(ClientFull *c);
/* A TLS client's socket events: a read or a write may wait for the other
 * direction's event (client.c). */
void client_on_tls_event(ClientFull *c, uint32_t events);
/* Reads the input OpenSSL holds for TLS clients (core.n_tls_pending > 0). */
void client_serve_tls_pending(void);
void commands_init(void);
const char *client_type_name(const ClientFull *c);
void client_info_line(ClientFull *c, Buf *out);
void client_set_db(ClientFull *c, int index);
int client_reset_state(ClientFull *c);

/* hash_import.c: frees c's HIMPORT fieldsets (returns how many), and the
 * bytes they hold (CLIENT LIST tot-mem). */
size_t himport_discard_all(ClientFull *c);
size_t himport_client_mem(const ClientFull *c);
/* A string object with argument i's bytes: a big one takes over the query
 * buffer it arrived in once the command ends, others are copied. */
Obj *client_arg_string(Client *c, int i);
/* What c holds, as client eviction and CLIENT LIST's tot-mem count it. */
size_t client_mem_usage(const ClientFull *c);
/* Accounts c's memory again in core.clients_mem_bytes (client eviction). */
void client_mem_refresh(ClientFull *c);
/* client_mem_refresh() while client eviction is on; one test otherwise. */
static inline void client_mem_track(ClientFull *c) {
    if (__builtin_expect(core.client_evict_limit != 0, 0)) client_mem_refresh(c);
}

/* commands.c */
const Command *command_parent(const Command *cmd);
void commands_each(void (*fn)(const Command *cmd, void *priv), void *priv);
size_t commands_count(void);

/* Puts c on the list of clients written before the loop sleeps. */
void client_queue_write(ClientFull *c);
/* Output past this is what client-output-buffer-limit counts (Redis counts
 * what exceeds its 16 KB per-client reply buffer). */
#define CLIENT_OBUF_STATIC (16 * 1024)
/* 1 when c's pending output is past its class's client-output-buffer-limit
 * (hard, or soft for longer than its seconds), as Redis checks it. */
int client_obuf_over_limit(ClientFull *c);
/* Closes c for overcoming its output buffer limit (logged as Redis does). */
void client_close_obuf_limit(ClientFull *c);

/* monitor.c (core.monitors.n is how many there are) */
void monitor_add(ClientFull *c);
void monitor_remove(ClientFull *c);
/* Shows the command that just ran (argv as the client sent it) to the
 * monitors, unless it is administrative or replayed by the AOF loader. */
void monitor_feed(ClientFull *c, const Command *cmd, int argc, const Slice *argv);
/* pubsub.c */
void pubsub_forget(ClientFull *c); /* drops every subscription, silently */
int pubsub_allowed(const Command *cmd);
typedef int (*PubsubVisitFn)(void *priv, Slice channel, int is_pattern);
int pubsub_client_each(ClientFull *c, PubsubVisitFn fn, void *priv);
void pubsub_client_counts(const ClientFull *c, size_t *sub, size_t *psub, size_t *ssub);
/* PUBLISH ch msg from inside the server (keyspace notifications): the
 * number of receivers. */
long long pubsub_publish(Slice ch, Slice msg);
void pubsub_server_counts(size_t *channels, size_t *patterns, size_t *shard_channels,
                          size_t *clients);

/* Argument i is a credential (AUTH, HELLO AUTH): shown as "(redacted)". */
int command_arg_redacted(const Command *cmd, int argc, const Slice *argv, int i);

/* After a command has answered (run, refused, or released from a block):
 * CLIENT REPLY SKIP's effect moves from the command that asked to the next,
 * and from that one to none, as Redis does when it resets a client. */
static inline void reply_skip_advance(Client *pc) {
    if (pc->flags & (CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT)) {
        uint32_t next = pc->flags & CLIENT_REPLY_SKIP_NEXT;
        pc->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        if (next) pc->flags |= CLIENT_REPLY_SKIP;
    }
}

/* latency.c */
void latency_record_slow(CommandStats *st, int64_t us);
/* Adds a call of us microseconds to st's histogram (made on first use). */
static inline void latency_record(CommandStats *st, int64_t us) {
    LatencyHist *h = st->lat;
    if (h && us >= 0 && us < LAT_EXACT) {
        h->counts[us]++;
        h->total++;
    } else {
        latency_record_slow(st, us);
    }
}
void latency_reset(CommandStats *st);
int latency_set_percentiles(char **list, const char **err);
void latency_info(Buf *b);
void latency_histogram_reply(Client *c, int argc, const Slice *names);
void latency_monitor_add(const Command *cmd, int64_t us);
void latency_latest_reply(Client *c);
void latency_history_reply(Client *c, Slice name);
void latency_reset_reply(Client *c, int argc, const Slice *names);
void latency_graph_reply(Client *c, Slice name);
void latency_doctor_reply(Client *c);
/* Appends LATENCY GRAPH's text for n samples (times_s and ms, oldest first),
 * the event's all-time maximum and the time now, to out. Borrows all. */
void latency_graph_text(Buf *out, const char *event, const int64_t *times_s, const uint32_t *ms,
                        int n, uint32_t all_time_max, int64_t now_s);
/* Everything a command that ran for us microseconds adds to the latency
 * statistics: its histogram, and a latency-monitor sample if slow enough. */
static inline void latency_account(CommandStats *st, int64_t us) {
    if (settings.latency_tracking) latency_record(st, us);
    if (settings.latency_monitor_threshold) latency_monitor_add(st->cmd, us);
}

/* slowlog.c */
void slowlog_push(ClientFull *c, const Command *cmd, int argc, const Slice *argv,
                  long long duration_us);
size_t slowlog_len(void);
/* Bytes the slow log holds (its ring and entries). */
size_t slowlog_memory(void);
void slowlog_reset(void);
void slowlog_reply(Client *c, long long count);
/* Logs the command that ran for duration_us if the slow log wants it. */
static inline void slowlog_check(ClientFull *c, const Command *cmd, int argc, const Slice *argv,
                                 long long duration_us) {
    long long min = settings.slowlog_log_slower_than;
    if (min >= 0 && duration_us >= min && !(cmd->flags & CMD_SKIP_SLOWLOG) &&
        !(c->pub.flags & CLIENT_FAKE))
        slowlog_push(c, cmd, argc, argv, duration_us);
}

/* client.c: FIFO lists of clients (WATCH and blocking registries) */
void client_list_push(ClientList *l, ClientFull *c);
void client_list_remove(ClientList *l, ClientFull *c);

/* dispatch.c */
void dispatch_command(ClientFull *c);
void call_command(ClientFull *c, const Command *cmd);
void prop_flush(ClientFull *c);
CommandStats *cmdstats_for(const Command *cmd);
void stats_count_error(const char *line);
/* Bytes of the propagation buffer and record index kept between commands. */
size_t prop_memory(void);
/* Bytes of the per-command statistics (latency histograms included) and of
 * the error counts. */
size_t cmdstats_memory(void);
size_t errorstats_memory(void);
Slice *argv_copy(int argc, const Slice *argv);
void multi_discard(ClientFull *c);
void watch_unwatch_all(ClientFull *c);
void watch_key(ClientFull *c, Slice key);
void watch_touch(Db *db, Slice key);
void watch_touch_all(Db *db, Db *other); /* FLUSHDB, SWAPDB */

/* block.c */
void block_unblock(ClientFull *c, int free_only);
void block_serve_ready(void);
void block_check_timeouts(void);
int64_t block_nearest_deadline(void);
void block_signal_ready(Db *db, Slice key);
void block_process_unblocked(void);
void block_after_unblock(ClientFull *c);
int block_has_unblocked(void);
void block_poll(void);
void block_touch_db(Db *db);
uint64_t block_count_keys_on_nokey(void);
size_t block_count_with_timeout(void);

/* pause.c */
void pause_start(int mode, int64_t end_ms, int in_exec);
void pause_stop(void);
void pause_failover_start(int in_exec);
void pause_failover_end(void);
void pause_shutdown_start(void);
void pause_shutdown_end(void);
int pause_hold(ClientFull *c, const Command *cmd);
int pause_take_blocked(ClientFull *c);
void pause_forget(ClientFull *c);
void pause_before_sleep(void);
int64_t pause_deadline(void);

/* db.c */
void db_init_all(int n);
void db_flush(Db *db);
void db_flush_lazy(Db *db, int lazy); /* lazy: keys freed by the lazyfree thread */
void db_active_expire(int64_t budget_us);
/* A type whose values carry TTLs of their own (a hash's fields): next_due is
 * the earliest (-1: none), expire deletes the due ones of o (at key, in db);
 * any says whether such values may exist at all. */
typedef struct SubExpiryOps {
    int64_t (*next_due)(const Obj *o);
    void (*expire)(Db *db, Slice key, Obj *o);
    int (*any)(void);
} SubExpiryOps;
void db_register_subexpiry(const SubExpiryOps *ops);
int db_set_expire(Db *db, Slice key, int64_t when_ms);
int db_remove_expire(Db *db, Slice key);
DictEntry *db_find_entry(Db *db, Slice key); /* expires lazily */
void db_swap(Db *a, Db *b);

/* script.c: the client whose script runs, or NULL */
ClientFull *script_caller_client(void);

/* util.c */
int glob_match(const char *pat, size_t plen, const char *s, size_t slen, int nocase);
void str_lower(char *s);
uint32_t lru_clock_s(void);
int64_t real_us(void); /* the clock itself, never the per-command cache */

/* notify.c: the apply hook of notify-keyspace-events */
int notify_apply_config(const char **err);

/* config.c */
int config_load_file(const char *path, char **err);
int config_set_from_args(int argc, char **argv, char **err);
int config_apply_all(void);
void config_init_defaults(void);

/* server.c */
/* The instantaneous rates INFO prints (per second, averaged over the last
 * 1.6 s, sampled every 100 ms as Redis does). */
enum { INST_OPS, INST_NET_IN, INST_NET_OUT, INST_NET_REPL_IN, INST_NET_REPL_OUT, INST_COUNT };
long long server_instantaneous(int metric);
void server_init_listeners(void);
/* CONFIG SET hooks of the tls-* options (server.c): rebuild the TLS context
 * while TLS is in use; open or close the tls-port listeners. 0, or -1 with
 * *err. */
int server_apply_tls(const char **err);
int server_apply_tls_port(const char **err);
/* CONFIG SET port: the plain listeners move (0: none). */
int server_apply_port(const char **err);
void server_loop(void);
void server_prepare_shutdown(void);

#endif
