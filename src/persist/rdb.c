/*
 * rdb.c - Redis-format snapshots at run time.
 *
 * Writing. SAVE writes the dataset (rdbfile.c) to temp-<pid>.rdb in dir,
 * fsyncs it and renames it over dbfilename; BGSAVE, the save points (`save
 * "<seconds> <changes> ..."`, none by default: streamd's durability is the
 * AOF) and BGSAVE SCHEDULE do the same in a forked child, which the cron
 * reaps. One child at a time: a BGSAVE waits for (or refuses beside) an AOF
 * rewrite, and the rewrite waits for a BGSAVE, as in Redis 7.0. The file is
 * RDB 10 with type 19 streams (what Redis 7.0 loads) unless a stream needs
 * more: a consumer whose active time is not its seen time makes it RDB 11
 * with type 21, idempotent-producer state RDB 13 with type 26 (Redis 8.6),
 * XNACKed entries RDB 14 with type 27 (Redis 8.8).
 *
 * Loading. At start-up with appendonly no, dbfilename is loaded when it
 * exists (clients get -LOADING meanwhile); DEBUG RELOAD saves and loads it
 * again; an AOF whose base is an RDB (aof-use-rdb-preamble yes, or a Redis
 * < 7 preamble) loads it through rdb_load_aof_base(). A file that is not an
 * RDB, too new, corrupt, truncated, or holding a type streamd does not store
 * (lists, hashes, sets, sorted sets, modules) stops the server with the
 * reason in the log, as Redis stops on types it does not know.
 *
 * Errors. A failed background save sets rdb_last_bgsave_status:err and, with
 * stop-writes-on-bgsave-error yes and save points set, makes the core refuse
 * writes with Redis's MISCONF error until a save succeeds.
 */
#include "persist/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cmd/stream_obj.h"
#include "persist/aof.h"
#include "persist/dumpvalue.h"
#include "persist/globalstate.h"
#include "persist/rdbcodec.h"
#include "persist/rdbfile.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/procenv.h"
#include "server/script.h"
#include "version.h"

#define MAX_SAVE_PARAMS 64
#define BGSAVE_RETRY_S  5
#define MISCONF_RDB_ERROR                                                                          \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "     \
    "to disk. Commands that may modify the data set are disabled, because this instance is "       \
    "configured to report errors during writes if RDB snapshotting fails "                         \
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "     \
    "RDB error."

typedef struct SaveParam {
    long long seconds, changes;
} SaveParam;

static struct {
    SaveParam params[MAX_SAVE_PARAMS];
    int n_params;
    pid_t child_pid;
    int child_pipe;      /* the child reports its copy-on-write bytes here */
    time_t bgsave_start; /* -1 when none */
    long long last_bgsave_time_sec;
    int last_bgsave_ok;
    time_t last_bgsave_try;
    long long dirty_before_bgsave;
    int bgsave_scheduled;
    long long saves;
    long long last_cow_size;
    long long keys_loaded, keys_expired;
    int payload_stream_db; /* rdb_replica_payload_stream_db() */
} rdb = {.child_pid = -1,
         .child_pipe = -1,
         .bgsave_start = -1,
         .last_bgsave_time_sec = -1,
         .last_bgsave_ok = 1};

int rdb_child_active(void) {
    return rdb.child_pid != -1;
}

/* ---- Writing ----------------------------------------------------------- */

typedef struct Scan {
    uint64_t keys, expires;
    int max_version; /* the newest RDB version a value needs */
    int cap;         /* the newest value type to write */
} Scan;

static void scan_visit(void *priv, Slice key, const Obj *o, int64_t expire_ms) {
    (void)key;
    Scan *s = priv;
    /* no type the reader takes carries it (an array for a Redis 7 replica):
     * left out, as write_visit() leaves it out */
    if (dump_value_type_capped(o, s->cap) > s->cap) return;
    s->keys++;
    if (expire_ms != -1) s->expires++;
    int v = dump_type_rdb_version(dump_value_type_capped(o, s->cap));
    if (v > s->max_version) s->max_version = v;
}

typedef struct WriteCtx {
    RdbWriter *w;
    int64_t now;
    int cap;
    int save_idle, save_freq; /* the policy's access data, as Redis 7.0 writes it */
} WriteCtx;

static void write_visit(void *priv, Slice key, const Obj *o, int64_t expire_ms) {
    WriteCtx *x = priv;
    int type = dump_value_type_capped(o, x->cap);
    if (type > x->cap) return; /* see scan_visit() */
    long long idle_s = x->save_idle ? (long long)evict_idle_s(o) : -1;
    int freq = x->save_freq ? (int)evict_lfu_freq(o) : -1;
    rdbw_key(x->w, key, o, type, expire_ms, idle_s, freq, x->now);
    if (settings.rdb_key_save_delay > 0) usleep((useconds_t)settings.rdb_key_save_delay);
}

static void write_function(void *priv, int argc, const Slice *argv) {
    if (argc == 3) rdbw_function(priv, argv[2].p, argv[2].len);
}

int rdb_write_dataset(int fd, int aof_base) {
    return rdb_write_dataset_as(fd, aof_base, INT_MAX);
}

/* max_type: a value that needs a newer type is written as one no newer,
 * losing what it cannot carry (a full resync of a Redis 7.0 replica: type 19). */
static int write_dataset(int fd, int aof_base, int max_type_allowed, const RdbReplInfo *rsi);

int rdb_write_dataset_as(int fd, int aof_base, int max_type_allowed) {
    return write_dataset(fd, aof_base, max_type_allowed, NULL);
}

int rdb_write_dataset_repl(int fd, int max_type, const RdbReplInfo *rsi) {
    return write_dataset(fd, 0, max_type, rsi);
}

static int write_dataset(int fd, int aof_base, int max_type_allowed, const RdbReplInfo *rsi) {
    int n_dbs = server_db_count();
    Scan *scan = xcalloc((size_t)n_dbs, sizeof *scan);
    int version = RDB_VERSION_70;
    for (int i = 0; i < n_dbs; i++) {
        scan[i].cap = max_type_allowed;
        db_for_each(server_db(i), scan_visit, &scan[i]);
        if (scan[i].max_version > version) version = scan[i].max_version;
    }
    RdbWriter w;
    rdbw_init(&w, fd, server.rdbchecksum);
    /* a file (not a replica's socket) is fdatasync'ed as it grows, unless
     * the config for its kind says not to */
    w.autosync = rsi        ? 0
                 : aof_base ? settings.aof_rewrite_incremental_fsync
                            : settings.rdb_save_incremental_fsync;
    rdbw_header(&w, version);
    rdbw_aux(&w, "redis-ver", STREAMD_REDIS_VERSION);
    rdbw_aux_ll(&w, "redis-bits", (long long)(sizeof(void *) * 8));
    rdbw_aux_ll(&w, "ctime", (long long)time(NULL));
    rdbw_aux_ll(&w, "used-mem", (long long)alloc_used_bytes());
    if (rsi) {
        rdbw_aux_ll(&w, "repl-stream-db", rsi->stream_db);
        rdbw_aux(&w, "repl-id", rsi->replid);
        rdbw_aux_ll(&w, "repl-offset", rsi->offset);
    }
    rdbw_aux_ll(&w, "aof-base", aof_base ? 1 : 0);
    function_records(write_function, &w);
    /* a Redis older than modules' aux data would not know the records */
    if (max_type_allowed >= DUMP_TYPE_MODULE_2) rdbw_globals(&w, PERSIST_GLOBAL_BEFORE_KEYS);
    WriteCtx x = {&w, now_ms(), max_type_allowed, evict_policy_is_lru(), evict_policy_is_lfu()};
    for (int i = 0; i < n_dbs && !w.failed; i++) {
        if (scan[i].keys == 0) continue;
        rdbw_select(&w, i, scan[i].keys, scan[i].expires);
        db_for_each(server_db(i), write_visit, &x);
    }
    xfree(scan);
    if (max_type_allowed >= DUMP_TYPE_MODULE_2) rdbw_globals(&w, PERSIST_GLOBAL_AFTER_KEYS);
    int rc = rdbw_finish(&w);
    if (rc != 0) log_warning("Write error saving DB on disk: %s", strerror(w.sys_errno));
    rdbw_free(&w);
    return rc;
}

static void temp_name(char *out, size_t n, pid_t pid) {
    snprintf(out, n, "temp-%ld.rdb", (long)pid);
}

/* Writes the dataset to dbfilename (through a temp file, fsync, rename). */
static int save_to(const char *filename) {
    char tmp[64];
    temp_name(tmp, sizeof tmp, getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        char cwd[1024];
        log_warning("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                    tmp, getcwd(cwd, sizeof cwd) ? cwd : "unknown", strerror(errno));
        return -1;
    }
    int rc = rdb_write_dataset(fd, 0);
    if (rc == 0 && fsync(fd) == -1) {
        log_warning("Write error saving DB on disk: %s", strerror(errno));
        rc = -1;
    }
    if (close(fd) == -1 && rc == 0) {
        log_warning("Write error saving DB on disk: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, filename) == -1) {
        char cwd[1024];
        log_warning("Error moving temp DB file %s on the final destination %s (in server root "
                    "dir %s): %s",
                    tmp, filename, getcwd(cwd, sizeof cwd) ? cwd : "unknown", strerror(errno));
        rc = -1;
    }
    if (rc != 0) unlink(tmp);
    return rc;
}

/* The core refuses writes while the last background save failed (with
 * save points and stop-writes-on-bgsave-error). */
static void refresh_write_refused(void) {
    if (server.stop_writes_on_bgsave_error && rdb.n_params > 0 && !rdb.last_bgsave_ok)
        server.write_refused = MISCONF_RDB_ERROR;
    else if (server.write_refused && strcmp(server.write_refused, MISCONF_RDB_ERROR) == 0)
        server.write_refused = NULL;
}

/* SAVE, SHUTDOWN, FLUSHALL: in the foreground. 0 or -1. */
static int save_now(void) {
    rdb.saves++; /* attempts, as Redis counts them */
    if (save_to(settings.dbfilename) != 0) return -1;
    log_notice("DB saved on disk");
    server.dirty = 0;
    core.lastsave = time(NULL);
    rdb.last_bgsave_ok = 1;
    refresh_write_refused();
    return 0;
}

static int bgsave_start(void) {
    if (rdb.child_pid != -1 || aof_child_active()) return -1;
    rdb.dirty_before_bgsave = server.dirty;
    rdb.last_bgsave_try = time(NULL);
    rdb.saves++;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) == -1) pipefd[0] = pipefd[1] = -1;
    int64_t fork_start_us = mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        procenv_child("rdb-bgsave");
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        aof_child_close_fds(pipefd[1]);
        int rc = save_to(settings.dbfilename);
        if (rc == 0) {
            log_notice("DB saved on disk");
            long long cow = aof_child_private_dirty();
            if (cow > 0) log_notice("Fork CoW for RDB: current %lld MB", cow / (1024 * 1024));
            if (pipefd[1] != -1) {
                ssize_t w = write(pipefd[1], &cow, sizeof cow);
                (void)w;
            }
        }
        _exit(rc == 0 ? 0 : 1);
    }
    if (pipefd[1] != -1) close(pipefd[1]);
    rdb.child_pipe = pipefd[0];
    if (pid == -1) {
        if (rdb.child_pipe != -1) close(rdb.child_pipe);
        rdb.child_pipe = -1;
        rdb.last_bgsave_ok = 0;
        log_warning("Can't save in background: fork: %s", strerror(errno));
        refresh_write_refused();
        return -1;
    }
    server_note_fork(fork_start_us);
    log_notice("Background saving started by pid %ld", (long)pid);
    rdb.child_pid = pid;
    rdb.bgsave_start = time(NULL);
    rdb.bgsave_scheduled = 0;
    return 0;
}

static void child_gone(void) {
    if (rdb.child_pipe != -1) {
        long long cow = 0;
        if (read(rdb.child_pipe, &cow, sizeof cow) == (ssize_t)sizeof cow) rdb.last_cow_size = cow;
        close(rdb.child_pipe);
        rdb.child_pipe = -1;
    }
    char tmp[64];
    temp_name(tmp, sizeof tmp, rdb.child_pid);
    unlink(tmp);
    rdb.child_pid = -1;
    if (rdb.bgsave_start != -1) rdb.last_bgsave_time_sec = time(NULL) - rdb.bgsave_start;
    rdb.bgsave_start = -1;
}

static void bgsave_done(int exitcode, int bysignal) {
    if (!bysignal && exitcode == 0) {
        log_notice("Background saving terminated with success");
        server.dirty -= rdb.dirty_before_bgsave;
        if (server.dirty < 0) server.dirty = 0;
        core.lastsave = time(NULL);
        rdb.last_bgsave_ok = 1;
    } else if (!bysignal) {
        log_warning("Background saving error");
        rdb.last_bgsave_ok = 0;
    } else {
        log_warning("Background saving terminated by signal %d", bysignal);
        /* SIGUSR1 is how we stop a child ourselves: not an error. */
        if (bysignal != SIGUSR1) rdb.last_bgsave_ok = 0;
    }
    child_gone();
    refresh_write_refused();
}

static void kill_child(void) {
    if (rdb.child_pid == -1) return;
    log_notice("Killing RDB child: %ld", (long)rdb.child_pid);
    if (kill(rdb.child_pid, SIGUSR1) != -1) {
        int st;
        while (waitpid(rdb.child_pid, &st, 0) == -1 && errno == EINTR) {
        }
    }
    child_gone();
}

static void cron_hook(void) {
    if (rdb.child_pid != -1) {
        int st;
        pid_t r = waitpid(rdb.child_pid, &st, WNOHANG);
        if (r == rdb.child_pid) {
            bgsave_done(WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        } else if (r == -1 && errno == ECHILD) {
            log_warning("The RDB child %ld vanished", (long)rdb.child_pid);
            rdb.last_bgsave_ok = 0;
            child_gone();
        }
    }
    if (rdb.child_pid != -1 || aof_child_active()) return;
    time_t now = time(NULL);
    int may_retry = now - rdb.last_bgsave_try > BGSAVE_RETRY_S || rdb.last_bgsave_ok;
    for (int i = 0; i < rdb.n_params && may_retry; i++) {
        SaveParam *sp = &rdb.params[i];
        if (server.dirty >= sp->changes && now - core.lastsave > sp->seconds) {
            log_notice("%lld changes in %lld seconds. Saving...", sp->changes, sp->seconds);
            bgsave_start();
            return;
        }
    }
    if (rdb.bgsave_scheduled && may_retry) bgsave_start();
}

static void before_sleep_hook(void) {
    refresh_write_refused();
}

/* ---- Loading ----------------------------------------------------------- */

typedef struct LoadCtx {
    const char *file;
    Db *db;
    int keep_expired; /* an AOF base: keys expire after the load, as Redis */
    int merge;        /* DEBUG RELOAD MERGE: a loaded key replaces one there */
    int serve;
    int skip_foreign;        /* a replica's payload: keys of other types are skipped */
    long long n_foreign;     /* how many */
    unsigned foreign_logged; /* bit per RDB type already logged */
    long long n_empty;       /* empty collections skipped (the first few logged) */
    int repl_stream_db;      /* the payload's aux repl-stream-db; -1 none */
} LoadCtx;

static int load_function(void *ctx, const char *code, size_t len) {
    LoadCtx *l = ctx;
    Buf err;
    buf_init(&err);
    Slice s = slice_of(code, len);
    int rc = function_restore(&s, 1, FUNCTION_RESTORE_APPEND, &err);
    if (rc != 0)
        log_warning("Failed loading library from %s: %.*s", l->file, (int)buf_live(&err),
                    buf_data(&err));
    buf_free(&err);
    return rc;
}

static int load_select(void *ctx, uint64_t id) {
    LoadCtx *l = ctx;
    if (id >= (uint64_t)server_db_count()) {
        log_warning("FATAL: Data file was created with a Redis server configured to handle more "
                    "than %d databases. Exiting",
                    server_db_count());
        return -1;
    }
    l->db = server_db((int)id);
    return 0;
}

/* idle_s or freq, when the file gave them, date o's last access as
 * RESTORE's IDLETIME / FREQ do (the one the policy in force uses). */
static int load_key(void *ctx, Slice key, Obj *o, int64_t expire_ms, long long idle_s, int freq) {
    LoadCtx *l = ctx;
    if (!l->db) l->db = server_db(0);
    if (expire_ms != -1 && !l->keep_expired && expire_ms < now_ms()) {
        obj_free(o);
        rdb.keys_expired++;
        return 0;
    }
    if (dict_find(l->db->keys, key.p, key.len)) {
        if (!l->merge) {
            log_warning("RDB has duplicated key '%.*s' in DB %d",
                        (int)(key.len > 128 ? 128 : key.len), key.p, db_index(l->db));
            obj_free(o);
            return -1;
        }
    }
    evict_set_idle_or_freq(o, idle_s, freq);
    db_load_key(l->db, key, o);
    if (expire_ms != -1) db_set_expire(l->db, key, expire_ms);
    rdb.keys_loaded++;
    return 0;
}

static int load_foreign(void *ctx, Slice key, int type, const char *type_name) {
    LoadCtx *l = ctx;
    l->n_foreign++;
    if (type < 32 && !(l->foreign_logged & (1u << type))) {
        l->foreign_logged |= 1u << type;
        log_warning("Skipping key '%.*s' from %s: it is %s (RDB type %d), a type streamd does not "
                    "store; such keys are missing here (logged once per type)",
                    (int)(key.len > 128 ? 128 : key.len), key.p, l->file, type_name, type);
    }
    return 0;
}

/* An empty list, set, sorted set or hash: skipped, as Redis 7.0 skips it
 * (older versions could save one), with its key logged for the first ten. */
static int load_empty(void *ctx, Slice key, int type) {
    LoadCtx *l = ctx;
    (void)type;
    if (l->n_empty++ < 10)
        log_warning("rdbLoadObject skipping empty key: %.*s", (int)(key.len > 128 ? 128 : key.len),
                    key.p);
    return 0;
}

static void load_progress(void *ctx, size_t offset) {
    LoadCtx *l = ctx;
    (void)offset;
    if (l->serve) server_serve_while_loading();
}

/* Reads the whole file into memory. 0, 1 when it does not exist, -1. */
static int read_file(const char *path, uint8_t **out, size_t *len) {
    if (rdb_read_file(path, out, len) == 0) return 0;
    if (errno == ENOENT) return 1;
    log_warning("Fatal error: can't open the RDB file %s for reading: %s", path, strerror(errno));
    return -1;
}

/* Parses p into the databases; 0, or -1 after logging why. */
static int load_bytes(const uint8_t *p, size_t len, LoadCtx *l, size_t *used) {
    RdbLoadHooks h = {l,          load_function, load_select,
                      load_key,   load_progress, l->skip_foreign ? load_foreign : NULL,
                      load_empty, NULL};
    RdbLoadResult res;
    StreamLimits lim = stream_obj_limits();
    int rc = rdb_parse(p, len, &lim, now_ms(), &h, &res);
    if (used) *used = res.used;
    l->repl_stream_db = res.repl_stream_db;
    switch (rc) {
    case RDBF_OK:
        return 0;
    case RDBF_VERSION:
        log_warning("%s (file %s)", res.why, l->file);
        break;
    case RDBF_UNSUPPORTED:
        log_warning("Can't load the RDB file %s: %s (at offset %zu).", l->file, res.why,
                    res.err_at);
        break;
    case RDBF_BAD:
        log_warning("Internal error in RDB reading offset %zu, function at rdb.c -> %s (file "
                    "%s). The file is corrupt or truncated.",
                    res.err_at, res.why, l->file);
        break;
    default:
        log_warning("Loading the RDB file %s stopped at offset %zu (see above).", l->file,
                    res.err_at);
        break;
    }
    return -1;
}

/* Loads dbfilename. 0 (also when there is none: *found 0), or -1. */
static int load_dbfile(int serve, int merge, int *found) {
    uint8_t *p;
    size_t len;
    int64_t start = mono_ms();
    *found = 0;
    int rc = read_file(settings.dbfilename, &p, &len);
    if (rc == 1) return 0;
    if (rc < 0) return -1;
    *found = 1;
    rdb.keys_loaded = rdb.keys_expired = 0;
    LoadCtx l = {settings.dbfilename, NULL, 0, merge, serve, 0, 0, 0, 0, -1};
    server.loading = 1;
    rc = load_bytes(p, len, &l, NULL);
    server.loading = 0;
    xfree(p);
    if (rc == 0) {
        if (l.n_empty)
            log_warning("Done loading RDB, keys loaded: %lld, keys expired: %lld, empty keys "
                        "skipped: %lld.",
                        rdb.keys_loaded, rdb.keys_expired, l.n_empty);
        else
            log_notice("Done loading RDB, keys loaded: %lld, keys expired: %lld.", rdb.keys_loaded,
                       rdb.keys_expired);
        log_notice("DB loaded from disk: %.3f seconds", (double)(mono_ms() - start) / 1000.0);
    }
    return rc;
}

int rdb_load_aof_base(const char *path, const char *name, uint64_t *used) {
    uint8_t *p;
    size_t len;
    if (read_file(path, &p, &len) != 0) {
        log_warning("Can't read the append only file %s", name);
        return -1;
    }
    LoadCtx l = {name, NULL, 1, 0, 1, 0, 0, 0, 0, -1};
    size_t u = 0;
    int rc = load_bytes(p, len, &l, &u);
    xfree(p);
    if (rc == 0) {
        log_notice("Reading RDB base file on AOF loading...");
        *used = u;
    }
    return rc;
}

/* A replica's full resynchronisation: the master's payload p[0..len)
 * (borrowed) into the emptied databases. Keys already expired stay (the
 * master's DELs remove them, as on a Redis replica); keys of types streamd
 * does not store are skipped, logged once per type and counted in
 * *n_skipped; clients get -LOADING meanwhile. 0, or -1 after logging why. */
int rdb_load_replica_payload(const uint8_t *p, size_t len, long long *n_skipped) {
    int64_t start = mono_ms();
    rdb.keys_loaded = rdb.keys_expired = 0;
    LoadCtx l = {"the MASTER payload", NULL, 1, 0, 1, 1, 0, 0, 0, -1};
    server.loading = 1;
    int rc = load_bytes(p, len, &l, NULL);
    server.loading = 0;
    *n_skipped = l.n_foreign;
    rdb.payload_stream_db = rc == 0 ? l.repl_stream_db : -1;
    if (rc == 0)
        log_notice("MASTER <-> REPLICA sync: Finished with success, keys loaded: %lld (%.3f "
                   "seconds)",
                   rdb.keys_loaded, (double)(mono_ms() - start) / 1000.0);
    return rc;
}

int rdb_replica_payload_stream_db(void) {
    return rdb.payload_stream_db;
}

/* ---- Commands ---------------------------------------------------------- */

static void cmd_save(Client *c) {
    if (rdb.child_pid != -1) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    if (save_now() == 0)
        reply_ok(c);
    else
        reply_error(c, "ERR");
}

static void cmd_bgsave(Client *c) {
    int schedule = 0;
    if (c->argc > 1) {
        if (c->argc == 2 && slice_eq_nocase(c->argv[1], "SCHEDULE")) {
            schedule = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (rdb.child_pid != -1) {
        reply_error(c, "ERR Background save already in progress");
    } else if (aof_child_active() || (c->flags & CLIENT_EXECUTING_MULTI)) {
        if (schedule || (c->flags & CLIENT_EXECUTING_MULTI)) {
            rdb.bgsave_scheduled = 1;
            reply_status(c, "Background saving scheduled");
        } else {
            reply_error(c, "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                           "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if (bgsave_start() == 0) {
        reply_status(c, "Background saving started");
    } else {
        reply_error(c, "ERR");
    }
}

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] */
static void cmd_debug_reload(Client *c) {
    int merge = 0, noflush = 0, nosave = 0;
    for (int i = 2; i < c->argc; i++) {
        if (slice_eq_nocase(c->argv[i], "MERGE")) {
            merge = 1;
        } else if (slice_eq_nocase(c->argv[i], "NOFLUSH")) {
            noflush = 1;
        } else if (slice_eq_nocase(c->argv[i], "NOSAVE")) {
            nosave = 1;
        } else {
            reply_error(c, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE flags.");
            return;
        }
    }
    if (!nosave) {
        kill_child();
        if (save_now() != 0) {
            reply_error(c, "ERR");
            return;
        }
    }
    if (!noflush) {
        server_flush_all_dbs();
        function_flush();
        persist_globals_reset();
    }
    int found;
    if (load_dbfile(0, merge, &found) != 0) {
        /* The data is gone: as Redis, stop rather than serve an empty set. */
        log_warning("Fatal error loading the DB in DEBUG RELOAD. Exiting.");
        exit(1);
    }
    if (!found) {
        reply_error(c, "ERR Error trying to load the RDB dump, check server logs.");
        return;
    }
    log_notice("DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

const Command rdb_commands[] = {
    {"save", cmd_save, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"bgsave", cmd_bgsave, -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* ---- Hooks of the core ------------------------------------------------- */

/* SHUTDOWN and SIGTERM: stop a BGSAVE, then save when asked or when save
 * points are set. 0 to go on with the shutdown, -1 to stay up. */
static int shutdown_save(int flags) {
    kill_child();
    /* Never a partial dataset over the file being loaded. */
    if (server.loading) return 0;
    int save = (flags & SHUTDOWN_SAVE) || (rdb.n_params > 0 && !(flags & SHUTDOWN_NOSAVE));
    if (!save) return 0;
    log_notice("Saving the final RDB snapshot before exiting.");
    if (save_now() == 0) return 0;
    if (flags & SHUTDOWN_FORCE) {
        log_warning("Error trying to save the DB, but FORCE: exiting anyway.");
        return 0;
    }
    log_warning("Error trying to save the DB, can't exit.");
    return -1;
}

/* FLUSHALL: the empty dataset replaces the snapshot when save points are
 * set (Redis 7.0). */
static void after_flushall(void) {
    kill_child();
    if (rdb.n_params > 0) save_now();
}

static void info_rdb(Buf *b) {
    time_t now = time(NULL);
    buf_printf(b,
               "rdb_changes_since_last_save:%lld\r\nrdb_bgsave_in_progress:%d\r\n"
               "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
               "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
               "rdb_saves:%lld\r\nrdb_last_cow_size:%lld\r\nrdb_last_load_keys_expired:%lld\r\n"
               "rdb_last_load_keys_loaded:%lld\r\n",
               server.dirty, rdb.child_pid != -1, (long long)core.lastsave,
               rdb.last_bgsave_ok ? "ok" : "err", rdb.last_bgsave_time_sec,
               rdb.bgsave_start == -1 ? -1LL : (long long)(now - rdb.bgsave_start), rdb.saves,
               rdb.last_cow_size, rdb.keys_expired, rdb.keys_loaded);
}

/* Parses `save` ("" or pairs of seconds >= 1 and changes >= 0, split at
 * every single space as Redis 7.0 splits it, each word read as strtoll
 * reads it) into rdb.params and writes it back in canonical form. */
static int apply_save(const char **err) {
    const char *s = settings.save ? settings.save : "";
    SaveParam p[MAX_SAVE_PARAMS];
    long long v[2 * MAX_SAVE_PARAMS];
    int nv = 0;
    if (*s) {
        const char *q = s;
        for (;;) {
            const char *end = strchr(q, ' ');
            size_t n = end ? (size_t)(end - q) : strlen(q);
            char word[64];
            if (nv == 2 * MAX_SAVE_PARAMS || n >= sizeof word) {
                *err = "Invalid save parameters";
                return -1;
            }
            memcpy(word, q, n);
            word[n] = '\0';
            char *eptr;
            long long x = strtoll(word, &eptr, 10);
            if (*eptr != '\0' || (nv % 2 == 0 && x < 1) || (nv % 2 == 1 && x < 0)) {
                *err = "Invalid save parameters";
                return -1;
            }
            v[nv++] = x;
            if (!end) break;
            q = end + 1;
        }
    }
    if (nv % 2 != 0) {
        *err = "Invalid save parameters";
        return -1;
    }
    int n = 0;
    for (int i = 0; i < nv; i += 2) p[n++] = (SaveParam){v[i], v[i + 1]};
    memcpy(rdb.params, p, sizeof p[0] * (size_t)n);
    rdb.n_params = n;
    Buf b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%lld %lld", i ? " " : "", p[i].seconds, p[i].changes);
    buf_append_char(&b, '\0');
    xfree(settings.save);
    settings.save = xstrdup(buf_data(&b));
    buf_free(&b);
    refresh_write_refused();
    return 0;
}

static int apply_dbfilename(const char **err) {
    if (!settings.dbfilename || !*settings.dbfilename || strchr(settings.dbfilename, '/')) {
        *err = "dbfilename can't be a path, just a filename";
        return -1;
    }
    return 0;
}

static int apply_rdbcompression(const char **err) {
    (void)err;
    rdb_codec_compress = server.rdbcompression;
    return 0;
}

static int apply_stop_writes(const char **err) {
    (void)err;
    refresh_write_refused();
    return 0;
}

void rdb_startup(void) {
    const char *err = NULL;
    if (apply_save(&err) != 0 || apply_dbfilename(&err) != 0) {
        log_warning("Fatal config error: %s", err);
        exit(1);
    }
    apply_rdbcompression(&err);
    config_register_apply("save", apply_save);
    config_register_apply("dbfilename", apply_dbfilename);
    config_register_apply("rdbcompression", apply_rdbcompression);
    config_register_apply("stop-writes-on-bgsave-error", apply_stop_writes);
    server_on_cron(cron_hook);
    server_on_before_sleep(before_sleep_hook);
    server_set_info_rdb(info_rdb);
    server_set_shutdown_save(shutdown_save);
    server_set_flushall_hook(after_flushall);
    debug_register("RELOAD", cmd_debug_reload);
    if (server.appendonly) return;
    int found;
    if (load_dbfile(1, 0, &found) != 0) {
        log_warning("Fatal error loading the DB, check server logs. Exiting.");
        exit(1);
    }
    server.dirty = 0;
}
