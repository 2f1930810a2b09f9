/*
 * aof.c - the append-only file at run time: append, fsync policy, rewrite,
 * load, and the state INFO persistence reports.
 *
 * Write path. Every mutation's record reaches aof_sink() (registered with
 * propagate_set_sink() only while the AOF is on) and is appended, as RESP,
 * to an in-memory buffer, preceded by SELECT when the database changes. Once
 * per event-loop iteration, before any reply is written, flush() writes the
 * whole buffer with one write():
 *   always   - fdatasync() right there: one fsync covers every client of the
 *              iteration (group commit), and no reply leaves before it;
 *   everysec - a background fsync is queued at most once a second
 *              (bgjob.c); while the previous one still runs, the write is
 *              postponed up to 2 s, as Redis does, then forced (counted in
 *              aof_delayed_fsync);
 *   no       - the kernel decides.
 * A failed or short write keeps the unwritten bytes buffered, turns
 * aof_last_write_status to err and makes the core refuse writes with
 * "-MISCONF Errors writing to the AOF file: <strerror>" until a later flush
 * succeeds; with `always` the process exits instead, because the replies and
 * the data of that iteration could not be made durable (Redis does the same).
 *
 * Files. Redis 7's multi-part layout (manifest.c): a base file, incremental
 * files, a manifest. A rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET
 * appendonly yes) first opens a new incremental file and records it in the
 * manifest, then fork()s; the child writes a compact base from its snapshot
 * of the data (rewrite.c) into a temp file; the parent keeps appending to the
 * new incremental file. On the child's success the parent renames the temp
 * file to the new base name, moves the older incremental files to history,
 * persists the manifest (atomic replace) and deletes the history files in the
 * background. On failure nothing changes: the manifest still lists the old
 * base and every incremental file, which together hold all the data.
 * Turning the AOF on at run time (state WAIT_REWRITE) appends to a temp
 * incremental file that only becomes part of the manifest with the new base.
 *
 * Loading. Base then incremental files replay through a fake client while
 * server.loading is set (the core answers -LOADING to data commands of real
 * clients and serves them between batches). Only the last file may end in a
 * torn command; with aof-load-truncated it is cut back to the last whole
 * command (or before an unfinished MULTI) and loading goes on. Anything else
 * refuses to start, naming the file, the offset and the problem. A base in
 * RDB format (Redis with aof-use-rdb-preamble yes) is refused with advice.
 * A single-file appendonly.aof of Redis < 7 is moved into the directory and
 * becomes the base, as Redis 7 upgrades it.
 *
 * Rejected: a write per command (no group commit), fsync in a thread for
 * `always` (replies would have to wait for a thread handshake anyway), and
 * a rewrite buffer piped from parent to child (Redis < 7's design: twice the
 * memory for writes during a rewrite; the incremental file replaces it).
 */
#include "persist/aof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "persist/aoffile.h"
#include "persist/backup.h"
#include "persist/bgjob.h"
#include "persist/globalstate.h"
#include "persist/manifest.h"
#include "persist/rdb.h"
#include "persist/rewrite.h"
#include "server/core.h"
#include "server/procenv.h"
#include "server/script.h"

enum { AOF_OFF = 0, AOF_ON = 1, AOF_WAIT_REWRITE = 2 };
enum { FSYNC_NO = 0, FSYNC_EVERYSEC = 1, FSYNC_ALWAYS = 2 };

#define WRITE_ERROR_LOG_RATE_S    30
#define REWRITE_LIMIT_THRESHOLD   3 /* consecutive failures before auto rewrites back off */
#define REWRITE_LIMIT_MAX_MINUTES 60
#define BUF_KEEP_BYTES            (4u << 20) /* a flushed buffer larger than this is freed */

typedef struct Aof {
    int initialized;
    int state;
    AofManifest *manifest;
    int fd; /* incremental file being appended to, -1 when none */
    int selected_db;
    Buf buf;
    long long current_size;      /* base + incremental files, as written */
    long long last_incr_size;    /* bytes written to fd's file */
    long long rewrite_base_size; /* current_size right after the last rewrite */
    long long fsync_offset;      /* current_size at the last fsync (or its request) */
    int64_t last_fsync_ms;       /* monotonic */
    long long last_ts;           /* the last "#TS:" annotation written (aof-timestamp-enabled) */
    int64_t flush_postponed_ms;  /* monotonic; 0 when no write is postponed */
    long long delayed_fsync;
    /* WAITAOF: positions in server.write_offset (see note_synced) */
    long long written_offset; /* reached by the last complete write of buf */
    long long synced_offset;  /* reached by a completed fsync, here or in the background */
    long long fork_offset;    /* at the fork of the rewrite that turns the AOF on */
    int last_write_ok;
    int last_write_errno;
    int64_t last_write_error_log_s;
    char misconf[160];
    /* rewrite */
    pid_t child_pid;
    int child_pipe;
    time_t rewrite_time_start; /* -1 when none */
    time_t rewrite_time_last;  /* -1 before the first */
    int rewrite_scheduled;
    int rewrite_rdb; /* the running rewrite writes an RDB base */
    int temporary;   /* on only for a BACKUP of an appendonly-no server */
    int lastbgrewrite_ok;
    long long rewrites;
    long long rewrites_consecutive_failures;
    long long last_cow_size;
    int limit_delay_minutes;
    time_t limit_next_time;
    /* loading */
    int64_t loading_start_s;
    long long loading_total_bytes;
    long long loading_loaded_bytes;
} Aof;

static Aof aof;

static const char *aof_dir(void) {
    return server.appenddirname;
}

static void init_state(void) {
    if (aof.initialized) return;
    memset(&aof, 0, sizeof aof);
    aof.initialized = 1;
    aof.fd = -1;
    aof.selected_db = -1;
    aof.child_pid = -1;
    aof.child_pipe = -1;
    aof.rewrite_time_start = -1;
    aof.rewrite_time_last = -1;
    aof.last_write_ok = 1;
    aof.lastbgrewrite_ok = 1;
    buf_init(&aof.buf);
    aof.manifest = aof_manifest_new();
}

/* ---- Helpers ----------------------------------------------------------- */

static char *file_path(const char *name) {
    return aof_path_join(aof_dir(), name);
}

static long long file_size(const char *name, int *missing) {
    char *path = file_path(name);
    struct stat st;
    long long size = 0;
    if (missing) *missing = 0;
    if (stat(path, &st) == 0) {
        size = (long long)st.st_size;
    } else {
        if (missing) *missing = 1;
        log_warning("Unable to obtain the AOF file %s length. stat: %s", name, strerror(errno));
    }
    xfree(path);
    return size;
}

static int dir_create_if_missing(const char *dir) {
    if (mkdir(dir, 0755) == -1 && errno != EEXIST) return -1;
    return 0;
}

static int path_is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int path_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

static void temp_incr_name(char *out, size_t n) {
    snprintf(out, n, "temp-%s.incr", server.appendfilename);
}

static void temp_base_name(char *out, size_t n, pid_t pid) {
    snprintf(out, n, "temp-rewriteaof-bg-%d.aof", (int)pid);
}

/* Writes everything, retrying short writes and EINTR. Returns the bytes
 * written; fewer than n means an error (errno set). */
static ssize_t write_fully(int fd, const char *p, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

/* The core refuses writes while the AOF cannot be written or synced. */
static void refresh_write_refused(void) {
    int e = 0;
    if (aof.state != AOF_OFF) {
        if (!aof.last_write_ok)
            e = aof.last_write_errno ? aof.last_write_errno : EIO;
        else
            e = aof_bg_fsync_errno();
    }
    if (e) {
        snprintf(aof.misconf, sizeof aof.misconf, "MISCONF Errors writing to the AOF file: %s",
                 strerror(e));
        server.write_refused = aof.misconf;
    } else if (server.write_refused == aof.misconf) {
        server.write_refused = NULL;
    }
}

/* ---- Write path -------------------------------------------------------- */

static void aof_sink(int db_index, const char *resp, size_t len) {
    if (aof.state == AOF_OFF) return;
    /* Turning on: records before the fork are in the child's snapshot. */
    if (aof.state == AOF_WAIT_REWRITE && aof.child_pid == -1) return;
    if (settings.aof_timestamp_enabled) {
        /* "#TS:<unix time>" before the first record of each second: the
         * annotation redis-check-aof --truncate-to-timestamp cuts at */
        long long now_s = core.cmd_time_ms ? core.cmd_time_ms / 1000 : (long long)time(NULL);
        if (now_s > aof.last_ts) {
            buf_printf(&aof.buf, "#TS:%lld\r\n", now_s);
            aof.last_ts = now_s;
        }
    }
    if (db_index != aof.selected_db) {
        aof_cat_select(&aof.buf, db_index);
        aof.selected_db = db_index;
    }
    buf_append(&aof.buf, resp, len);
}

/*
 * WAITAOF's "local" acknowledgement. server.write_offset positions every
 * record in the stream the AOF receives; an fsync that completes makes every
 * write up to the offset the file had reached when it was asked for
 * durable. The offset is published in server.aof_fsynced_offset only while
 * the AOF is on: while it is being turned on (WAIT_REWRITE), nothing is
 * durable in an AOF that would be loaded until the new base exists, which
 * then holds every write up to the fork. Turning the AOF off publishes -1.
 * Offsets only grow, across rewrites and on/off cycles alike: an fsync of a
 * file a failed attempt later dropped may have counted writes that then only
 * the next base holds, and that base's fork is later still.
 */
static void note_synced(long long offset) {
    if (offset > aof.synced_offset) aof.synced_offset = offset;
    if (aof.state == AOF_ON && aof.synced_offset > server.aof_fsynced_offset)
        server.aof_fsynced_offset = aof.synced_offset;
}

static void fsync_always_or_exit(void) {
    int64_t start_us = mono_us();
    int rc = fdatasync(aof.fd);
    latency_add_sample("aof-fsync-always", (mono_us() - start_us) / 1000);
    if (rc == -1) {
        log_warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. "
                    "Exiting...",
                    strerror(errno));
        exit(1);
    }
    aof.fsync_offset = aof.current_size;
    aof.last_fsync_ms = mono_ms();
    note_synced(aof.written_offset);
}

/*
 * Writes the buffer to the incremental file and fsyncs per policy. force:
 * write even while a background fsync is running (rewrite start, shutdown,
 * turning the AOF off).
 */
static void flush(int force) {
    if (aof.fd == -1) return;
    int64_t now = mono_ms();
    int everysec = server.appendfsync == FSYNC_EVERYSEC;
    int sync_in_progress = 0;
    if (buf_live(&aof.buf) == 0) {
        /* Nothing new, but everysec still owes an fsync for older writes, and
         * so does always for writes made under another policy. */
        if (everysec && aof.fsync_offset != aof.current_size && now - aof.last_fsync_ms >= 1000 &&
            !aof_bg_fsync_pending())
            goto try_fsync;
        if (server.appendfsync == FSYNC_ALWAYS && aof.fsync_offset != aof.current_size)
            goto try_fsync;
        return;
    }
    if (everysec) sync_in_progress = aof_bg_fsync_pending() > 0;
    if (everysec && !force && sync_in_progress) {
        if (aof.flush_postponed_ms == 0) {
            aof.flush_postponed_ms = now;
            return;
        }
        if (now - aof.flush_postponed_ms < 2000) return;
        aof.delayed_fsync++;
        log_notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF "
                   "buffer without waiting for fsync to complete, this may slow down streamd.");
    }
    aof.flush_postponed_ms = 0;

    size_t len = buf_live(&aof.buf);
    int64_t start_us = mono_us();
    ssize_t n = write_fully(aof.fd, buf_data(&aof.buf), len);
    int64_t write_ms = (mono_us() - start_us) / 1000;
    /* Redis's events: every write, and the same time under what it waited on */
    latency_add_sample(sync_in_progress    ? "aof-write-pending-fsync"
                       : aof.child_pid > 0 ? "aof-write-active-child"
                                           : "aof-write-alone",
                       write_ms);
    latency_add_sample("aof-write", write_ms);
    if (n != (ssize_t)len) {
        time_t t = time(NULL);
        int can_log = t - aof.last_write_error_log_s > WRITE_ERROR_LOG_RATE_S;
        if (can_log) aof.last_write_error_log_s = t;
        if (n == -1) {
            if (can_log) log_warning("Error writing to the AOF file: %s", strerror(errno));
            aof.last_write_errno = errno;
        } else {
            if (can_log)
                log_warning("Short write while writing to the AOF file: (nwritten=%lld, "
                            "expected=%lld)",
                            (long long)n, (long long)len);
            /* Undo the partial command so the file stays loadable. */
            if (ftruncate(aof.fd, aof.last_incr_size) == -1) {
                if (can_log)
                    log_warning("Could not remove short write from the append-only file. streamd "
                                "may refuse to load the AOF the next time it starts. "
                                "ftruncate: %s",
                                strerror(errno));
            } else {
                n = -1;
            }
            aof.last_write_errno = ENOSPC;
        }
        if (server.appendfsync == FSYNC_ALWAYS) {
            log_warning("Can't recover from AOF write error when the AOF fsync policy is "
                        "'always'. Exiting...");
            exit(1);
        }
        aof.last_write_ok = 0;
        if (n > 0) {
            aof.current_size += n;
            aof.last_incr_size += n;
            buf_consume(&aof.buf, (size_t)n);
        }
        refresh_write_refused();
        return;
    }
    if (!aof.last_write_ok) {
        log_warning("AOF write error looks solved, streamd can write again.");
        aof.last_write_ok = 1;
    }
    aof.current_size += n;
    aof.last_incr_size += n;
    aof.written_offset = server.write_offset;
    if (aof.buf.cap > BUF_KEEP_BYTES)
        buf_free(&aof.buf);
    else
        buf_clear(&aof.buf);

try_fsync:
    /* no-appendfsync-on-rewrite: no fsync while a child writes a snapshot
     * (its disk traffic would stall ours); the writes still go out */
    if (settings.no_appendfsync_on_rewrite && (aof.child_pid > 0 || rdb_child_active())) {
        refresh_write_refused();
        return;
    }
    if (server.appendfsync == FSYNC_ALWAYS) {
        fsync_always_or_exit();
    } else if (everysec && now - aof.last_fsync_ms >= 1000) {
        if (!sync_in_progress) {
            aof_bg_fsync(aof.fd, aof.written_offset);
            aof.fsync_offset = aof.current_size;
        }
        aof.last_fsync_ms = now;
    }
    refresh_write_refused();
}

/* ---- Manifest and files ------------------------------------------------ */

static int persist_manifest(const AofManifest *am) {
    char *err = NULL;
    if (aof_manifest_persist(am, aof_dir(), server.appendfilename, &err) != 0) {
        log_warning("%s", err);
        xfree(err);
        return -1;
    }
    return 0;
}

static void set_manifest(AofManifest *am) {
    aof_manifest_free(aof.manifest);
    aof.manifest = am;
}

/* Deletes the history files in the background and drops them from the
 * manifest. A failure here only leaves stray files behind. */
static void delete_history(void) {
    /* aof-disable-auto-gc: they stay, listed as history, until it is no */
    if (!aof.manifest || aof.manifest->n_history == 0 || settings.aof_disable_auto_gc) return;
    for (int i = 0; i < aof.manifest->n_history; i++) {
        const char *name = aof.manifest->history[i].name;
        log_notice("Removing the history file %s in the background", name);
        char *path = file_path(name);
        aof_bg_unlink(path);
        xfree(path);
    }
    aof_manifest_clear_history(aof.manifest);
    persist_manifest(aof.manifest);
}

void aof_collect_history(void) {
    if (aof.state == AOF_ON && aof.child_pid == -1) delete_history();
}

/*
 * Opens the incremental file appends go to from now on: a new one recorded
 * in the manifest (AOF on), or the temp one of a run-time enable. The old fd
 * is fsynced and closed in the background. 0, or -1 with nothing changed.
 */
static int open_new_incr(void) {
    if (aof.state == AOF_OFF) return 0;
    AofManifest *tmp = NULL;
    char name_buf[4096];
    const char *name;
    if (aof.state == AOF_WAIT_REWRITE) {
        temp_incr_name(name_buf, sizeof name_buf);
        name = name_buf;
    } else {
        tmp = aof_manifest_dup(aof.manifest);
        name = aof_manifest_new_incr(tmp, server.appendfilename);
    }
    char *path = file_path(name);
    int fd = open(path, O_WRONLY | O_APPEND | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    xfree(path);
    if (fd == -1) {
        log_warning("Can't open the append-only file %s: %s", name, strerror(errno));
        aof_manifest_free(tmp);
        return -1;
    }
    if (tmp && persist_manifest(tmp) != 0) {
        close(fd);
        aof_manifest_free(tmp);
        return -1;
    }
    log_notice("Creating AOF incr file %s on background rewrite", name);
    if (aof.fd != -1) {
        aof_bg_close(aof.fd, 1, aof.written_offset);
        aof.fsync_offset = aof.current_size;
        aof.last_fsync_ms = mono_ms();
    }
    aof.fd = fd;
    aof.last_incr_size = 0;
    if (tmp) set_manifest(tmp);
    return 0;
}

/* ---- Rewrite ----------------------------------------------------------- */

/* In the child: drop every inherited descriptor but stdio and keep, so the
 * listening sockets die with the parent even while the child still runs. */
void aof_child_close_fds(int keep) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    int fds[1024];
    int n = 0, dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 1024) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        if (fd > 2 && fd != keep && fd != dfd) fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++) close(fds[i]);
}

long long aof_child_private_dirty(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return 0;
    char line[256];
    long long total = 0, kb;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Private_Dirty: %lld kB", &kb) == 1) total += kb * 1024;
    fclose(f);
    return total;
}

/* A new base at path: commands, or with aof-use-rdb-preamble an RDB. */
static int write_base(const char *path, int as_rdb) {
    if (!as_rdb) return aof_rewrite_to_file(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        log_warning("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s",
                    strerror(errno));
        return -1;
    }
    int rc = rdb_write_dataset(fd, 1);
    if (rc == 0 && fsync(fd) == -1) {
        log_warning("Write error writing append only file on disk: %s", strerror(errno));
        rc = -1;
    }
    if (close(fd) == -1 && rc == 0) rc = -1;
    if (rc != 0) unlink(path);
    return rc;
}

static void child_main(int report_fd) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    aof_child_close_fds(report_fd);
    char name[128];
    temp_base_name(name, sizeof name, getpid());
    char *path = file_path(name);
    int rc = write_base(path, aof.rewrite_rdb);
    xfree(path);
    if (rc != 0) _exit(1);
    log_notice("Successfully created the temporary AOF base file %s", name);
    long long cow = aof_child_private_dirty();
    if (cow > 0) log_notice("Fork CoW for AOF rewrite: current %lld MB", cow / (1024 * 1024));
    ssize_t w = write(report_fd, &cow, sizeof cow);
    (void)w;
    _exit(0);
}

static int rewrite_start(void) {
    if (aof.child_pid != -1 || rdb_child_active()) return -1;
    if (dir_create_if_missing(aof_dir()) == -1) {
        log_warning("Can't open or create append-only dir %s: %s", aof_dir(), strerror(errno));
        aof.lastbgrewrite_ok = 0;
        return -1;
    }
    /* The new incremental file starts with a SELECT. */
    aof.selected_db = -1;
    flush(1);
    if (open_new_incr() != 0) {
        aof.lastbgrewrite_ok = 0;
        return -1;
    }
    aof.rewrites++;
    aof.rewrite_rdb = server.aof_use_rdb_preamble;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) == -1) {
        log_warning("Can't rewrite append only file in background: pipe: %s", strerror(errno));
        aof.lastbgrewrite_ok = 0;
        return -1;
    }
    int64_t fork_start_us = mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        procenv_child("aof-rewrite");
        close(pipefd[0]);
        child_main(pipefd[1]);
    }
    latency_add_sample("fork", (mono_us() - fork_start_us) / 1000);
    close(pipefd[1]);
    if (pid == -1) {
        close(pipefd[0]);
        aof.lastbgrewrite_ok = 0;
        log_warning("Can't rewrite append only file in background: fork: %s", strerror(errno));
        return -1;
    }
    server_note_fork(fork_start_us);
    log_notice("Background append only file rewriting started by pid %ld", (long)pid);
    aof.child_pid = pid;
    aof.child_pipe = pipefd[0];
    aof.fork_offset = server.write_offset;
    aof.rewrite_scheduled = 0;
    aof.rewrite_time_start = time(NULL);
    backup__rewrite_started();
    return 0;
}

static void remove_temp_files(pid_t child) {
    char name[128];
    temp_base_name(name, sizeof name, child);
    char *path = file_path(name);
    aof_bg_unlink(path);
    xfree(path);
}

static void rewrite_finished(pid_t child) {
    if (aof.child_pipe != -1) {
        long long cow = 0;
        if (read(aof.child_pipe, &cow, sizeof cow) == (ssize_t)sizeof cow) aof.last_cow_size = cow;
        close(aof.child_pipe);
        aof.child_pipe = -1;
    }
    remove_temp_files(child);
    aof.child_pid = -1;
    if (aof.rewrite_time_start != -1) aof.rewrite_time_last = time(NULL) - aof.rewrite_time_start;
    aof.rewrite_time_start = -1;
}

static void rewrite_failed(void) {
    aof.lastbgrewrite_ok = 0;
    aof.rewrites_consecutive_failures++;
}

/* The child exited: install its base, or keep everything as it was. */
static void rewrite_done(pid_t child, int exitcode, int bysignal) {
    int installed = 0;
    if (!bysignal && exitcode == 0) {
        log_notice("Background AOF rewrite terminated with success");
        char tmp_name[128];
        temp_base_name(tmp_name, sizeof tmp_name, child);
        char *tmp_path = file_path(tmp_name);
        AofManifest *am = aof_manifest_dup(aof.manifest);
        const char *base_name = aof.rewrite_rdb
                                    ? aof_manifest_new_base_rdb(am, server.appendfilename)
                                    : aof_manifest_new_base(am, server.appendfilename);
        char *base_path = file_path(base_name);
        char *incr_path = NULL;
        int64_t rename_start_us = mono_us();
        int renamed = rename(tmp_path, base_path);
        latency_add_sample("aof-rename", (mono_us() - rename_start_us) / 1000);
        if (renamed == -1) {
            log_warning("Error trying to rename the temporary AOF base file %s into %s: %s",
                        tmp_name, base_name, strerror(errno));
            goto fail;
        }
        log_notice("Successfully renamed the temporary AOF base file %s into %s", tmp_name,
                   base_name);
        if (aof.state == AOF_WAIT_REWRITE) {
            char temp_incr[4096];
            temp_incr_name(temp_incr, sizeof temp_incr);
            char *temp_incr_path = file_path(temp_incr);
            const char *incr_name = aof_manifest_new_incr(am, server.appendfilename);
            incr_path = file_path(incr_name);
            int rc = rename(temp_incr_path, incr_path);
            if (rc == -1) {
                log_warning("Error trying to rename the temporary AOF incr file %s into %s: %s",
                            temp_incr, incr_name, strerror(errno));
                xfree(temp_incr_path);
                xfree(incr_path);
                incr_path = NULL;
                unlink(base_path);
                goto fail;
            }
            log_notice("Successfully renamed the temporary AOF incr file %s into %s", temp_incr,
                       incr_name);
            xfree(temp_incr_path);
        }
        aof_manifest_incr_to_history(am, aof.fd != -1);
        if (persist_manifest(am) != 0) {
            unlink(base_path);
            if (incr_path) {
                /* Back to the temp name, so the next attempt finds it. */
                char temp_incr[4096];
                temp_incr_name(temp_incr, sizeof temp_incr);
                char *temp_incr_path = file_path(temp_incr);
                if (rename(incr_path, temp_incr_path) == -1) unlink(incr_path);
                xfree(temp_incr_path);
            }
            goto fail;
        }
        set_manifest(am);
        am = NULL;
        if (aof.fd != -1) {
            /* What the incremental file holds beyond its last fsync is still
             * owed one (everysec), whatever the sizes are counted from now. */
            long long unsynced = aof.current_size - aof.fsync_offset;
            if (unsynced < 0) unsynced = 0;
            if (unsynced > aof.last_incr_size) unsynced = aof.last_incr_size;
            aof.selected_db = -1;
            aof.current_size = file_size(base_name, NULL) + aof.last_incr_size;
            aof.rewrite_base_size = aof.current_size;
            aof.fsync_offset = aof.current_size - unsynced;
        }
        delete_history();
        aof.lastbgrewrite_ok = 1;
        aof.rewrites_consecutive_failures = 0;
        log_notice("Background AOF rewrite finished successfully");
        installed = 1;
        if (aof.state == AOF_WAIT_REWRITE) {
            aof.state = AOF_ON;
            note_synced(aof.fork_offset);
        }
        xfree(tmp_path);
        xfree(base_path);
        xfree(incr_path);
        goto cleanup;
    fail:
        aof_manifest_free(am);
        xfree(tmp_path);
        xfree(base_path);
        xfree(incr_path);
        rewrite_failed();
    } else if (!bysignal) {
        rewrite_failed();
        log_warning("Background AOF rewrite terminated with error");
    } else {
        /* SIGUSR1 is how we stop a child ourselves: not a failure. */
        if (bysignal != SIGUSR1) rewrite_failed();
        log_warning("Background AOF rewrite terminated by signal %d", bysignal);
    }
cleanup:
    rewrite_finished(child);
    if (installed)
        backup__snapshot_done(aof.manifest->base.name, aof.manifest->base.seq);
    else
        backup__snapshot_failed();
    if (aof.state == AOF_WAIT_REWRITE) {
        /* Still not on: drop what the failed attempt accumulated and retry. */
        buf_clear(&aof.buf);
        if (aof.fd != -1) {
            aof_bg_close(aof.fd, 0, 0);
            aof.fd = -1;
        }
        char temp_incr[4096];
        temp_incr_name(temp_incr, sizeof temp_incr);
        char *p = file_path(temp_incr);
        aof_bg_unlink(p);
        xfree(p);
        aof.rewrite_scheduled = 1;
    }
}

static void kill_child(void) {
    if (aof.child_pid == -1) return;
    log_notice("Killing running AOF rewrite child: %ld", (long)aof.child_pid);
    pid_t child = aof.child_pid;
    if (kill(child, SIGUSR1) != -1) {
        int st;
        while (waitpid(child, &st, 0) == -1 && errno == EINTR) {
        }
    }
    rewrite_finished(child);
}

/* Auto rewrites back off after repeated failures: 1, 2, 4 ... 60 minutes. */
static int rewrite_limited(void) {
    if (aof.rewrites_consecutive_failures < REWRITE_LIMIT_THRESHOLD) {
        aof.limit_delay_minutes = 0;
        aof.limit_next_time = 0;
        return 0;
    }
    time_t now = time(NULL);
    if (aof.limit_next_time != 0) {
        if (now < aof.limit_next_time) return 1;
        aof.limit_next_time = 0;
        return 0;
    }
    aof.limit_delay_minutes = aof.limit_delay_minutes ? aof.limit_delay_minutes * 2 : 1;
    if (aof.limit_delay_minutes > REWRITE_LIMIT_MAX_MINUTES)
        aof.limit_delay_minutes = REWRITE_LIMIT_MAX_MINUTES;
    aof.limit_next_time = now + aof.limit_delay_minutes * 60;
    log_warning("Background AOF rewrite has repeatedly failed and triggered the limit, will retry "
                "in %d minutes",
                aof.limit_delay_minutes);
    return 1;
}

/* ---- Hooks ------------------------------------------------------------- */

static void start_scheduled_rewrite(void) {
    if (aof.rewrite_scheduled && aof.child_pid == -1 && !rdb_child_active() &&
        !backup__blocks_rewrite() && !rewrite_limited()) {
        if (rewrite_start() != 0 && aof.state == AOF_WAIT_REWRITE) {
            /* Could not even start: the AOF stays off, as CONFIG SET would
             * have reported in Redis. */
            log_warning("streamd needs to enable the AOF but can't trigger a background AOF "
                        "rewrite operation. Check the above logs for more info about the error.");
            aof.state = AOF_OFF;
            aof.rewrite_scheduled = 0;
            server.appendonly = 0;
            aof.temporary = 0;
            propagate_set_sink(NULL);
            backup__aof_stopped();
        }
    }
}

static void before_sleep_hook(void) {
    start_scheduled_rewrite();
    if (aof.state != AOF_OFF) {
        flush(0);
        note_synced(aof_bg_synced_offset());
    }
    refresh_write_refused();
}

static void cron_hook(void) {
    backup__cron();
    if (aof.child_pid != -1) {
        int st;
        pid_t r = waitpid(aof.child_pid, &st, WNOHANG);
        if (r == aof.child_pid) {
            int exitcode = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            int bysignal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
            rewrite_done(r, exitcode, bysignal);
        } else if (r == -1 && errno == ECHILD) {
            log_warning("The AOF rewrite child %ld vanished", (long)aof.child_pid);
            rewrite_failed();
            rewrite_finished(aof.child_pid);
        }
    }
    start_scheduled_rewrite();
    if (aof.state == AOF_ON && aof.child_pid == -1 && !rdb_child_active() &&
        !backup__blocks_rewrite() && server.auto_aof_rewrite_percentage &&
        aof.current_size > server.auto_aof_rewrite_min_size) {
        long long base = aof.rewrite_base_size ? aof.rewrite_base_size : 1;
        long long growth = aof.current_size * 100 / base - 100;
        if (growth >= server.auto_aof_rewrite_percentage && !rewrite_limited()) {
            log_notice("Starting automatic rewriting of AOF on %lld%% growth", growth);
            rewrite_start();
        }
    }
    if (aof.state != AOF_OFF && (aof.flush_postponed_ms || !aof.last_write_ok)) flush(0);
    refresh_write_refused();
}

/* ---- Loading ----------------------------------------------------------- */

typedef struct LoadCtx {
    Client *fake;
    const char *file;
    long long done_bytes; /* bytes of the files loaded before this one */
    uint64_t n_errors;
    int serve_clients;
} LoadCtx;

static int load_exec(void *ctx, int argc, const Slice *argv, uint64_t offset) {
    LoadCtx *l = ctx;
    const char *err = NULL;
    if (server_exec_fake(l->fake, argc, argv, &err) == 0) return 0;
    int name_len = (int)(argv[0].len > 64 ? 64 : argv[0].len);
    if (err && strncmp(err, "ERR unknown command", 19) == 0) {
        log_warning("Unknown command '%.*s' reading the append only file %s at offset %llu",
                    name_len, argv[0].p, l->file, (unsigned long long)offset);
        return -1;
    }
    if (settings.propagation_error_behavior == 1) {
        /* propagation-error-behavior panic: the AOF's errors too */
        log_warning("== CRITICAL == This master panicked sending an error to its AOF after "
                    "processing the command '%.*s' at offset %llu of %s: '%s'",
                    name_len, argv[0].p, (unsigned long long)offset, l->file, err ? err : "?");
        abort();
    }
    /* Redis ignores errors of replayed commands (by default); so do we, loudly. */
    if (++l->n_errors <= 10)
        log_warning("Command '%.*s' at offset %llu of the append only file %s failed while "
                    "loading: %s",
                    name_len, argv[0].p, (unsigned long long)offset, l->file, err ? err : "?");
    return 0;
}

static void load_progress(void *ctx, uint64_t offset) {
    LoadCtx *l = ctx;
    aof.loading_loaded_bytes = l->done_bytes + (long long)offset;
    if (l->serve_clients) server_serve_while_loading();
}

enum { LOAD_OK = 0, LOAD_NOTHING = 1, LOAD_FATAL = -1 };

/* Loads one file; returns LOAD_OK (also for an empty or repaired file) or
 * LOAD_FATAL after logging why. *size gets the file's final size. */
static int load_file(LoadCtx *l, const char *name, int is_last, const char *kind, long long *size) {
    char *path = file_path(name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int ret = LOAD_FATAL;
    *size = 0;
    if (fd == -1) {
        if (errno == ENOENT)
            log_warning("The append only file %s (listed in the manifest) doesn't exist: %s", name,
                        strerror(errno));
        else
            log_warning("Fatal error: can't open the append only file %s for reading: %s", name,
                        strerror(errno));
        goto done;
    }
    int64_t start = mono_ms();
    l->file = name;
    AofLoadHooks hooks = {load_exec, load_progress, l};
    AofLoadResult res;
    aof_load_fd(fd, &hooks, &res);
    if (res.status == AOF_LOAD_RDB) {
        /* An RDB base (aof-use-rdb-preamble yes) or a Redis < 7 file with an
         * RDB preamble: load the RDB, then any commands after it. */
        uint64_t used = 0;
        if (rdb_load_aof_base(path, name, &used) != 0) goto done;
        if (lseek(fd, (off_t)used, SEEK_SET) == (off_t)-1) goto done;
        aof_load_fd(fd, &hooks, &res);
        if (res.status == AOF_LOAD_RDB) {
            res.status = AOF_LOAD_BAD;
            res.why = "a second RDB inside the file";
            res.err_offset = used;
        }
    }
    struct stat st;
    if (fstat(fd, &st) == 0) *size = (long long)st.st_size;
    switch (res.status) {
    case AOF_LOAD_OK:
    case AOF_LOAD_EMPTY:
        ret = LOAD_OK;
        break;
    case AOF_LOAD_TRUNCATED:
        if (!is_last) {
            log_warning("The append only file %s ends inside a command at offset %llu, but it "
                        "is not the last file of the AOF: this is corruption, not a crash "
                        "during a write. Make a backup of the AOF directory, then use "
                        "streamd-check-aof --fix <filename.manifest>.",
                        name, (unsigned long long)res.valid_up_to);
            break;
        }
        if (!server.aof_load_truncated) {
            log_warning("Unexpected end of file reading the append only file %s (%s, last whole "
                        "command ends at offset %llu). You can: 1) Make a backup of your AOF "
                        "file, then use streamd-check-aof --fix <filename.manifest>. 2) "
                        "Alternatively you can set the 'aof-load-truncated' configuration option "
                        "to yes and restart the server.",
                        name, res.why, (unsigned long long)res.valid_up_to);
            break;
        }
        log_warning("!!! Warning: short read while loading the AOF file %s (%s) !!!", name,
                    res.why);
        log_warning("!!! Truncating the AOF %s at offset %llu !!!", name,
                    (unsigned long long)res.valid_up_to);
        if (truncate(path, (off_t)res.valid_up_to) == -1) {
            log_warning("Error truncating the AOF file %s: %s", name, strerror(errno));
            break;
        }
        *size = (long long)res.valid_up_to;
        log_warning("AOF %s loaded anyway because aof-load-truncated is enabled", name);
        ret = LOAD_OK;
        break;
    case AOF_LOAD_BAD:
        log_warning("Bad file format reading the append only file %s at offset %llu: %s. Make a "
                    "backup of your AOF file, then use streamd-check-aof --fix "
                    "<filename.manifest>",
                    name, (unsigned long long)res.err_offset, res.why);
        break;
    case AOF_LOAD_IOERR:
        log_warning("Unrecoverable error reading the append only file %s at offset %llu: %s", name,
                    (unsigned long long)res.err_offset, strerror(res.sys_errno));
        break;
    case AOF_LOAD_FAILED:
        log_warning("Loading the append only file %s stopped at offset %llu (see above).", name,
                    (unsigned long long)res.err_offset);
        break;
    }
    if (ret == LOAD_OK)
        log_notice("DB loaded from %s file %s: %.3f seconds", kind, name,
                   (double)(mono_ms() - start) / 1000.0);
    l->done_bytes += *size;
done:
    if (fd != -1) close(fd);
    xfree(path);
    return ret;
}

/* Redis < 7 kept a single appendonly.aof in `dir`: make it the base of a
 * manifest in the AOF directory, as Redis 7 does (crash-safe: every step can
 * be redone on the next start). */
static int upgrade_old_aof(AofManifest *am) {
    const char *old = server.appendfilename;
    if (!path_exists(old) || path_is_dir(old)) return 0;
    int need = !path_is_dir(aof_dir()) || (!am->base.name && am->n_incr == 0);
    if (!need && am->base.name && am->n_incr == 0 && strcmp(am->base.name, old) == 0) {
        char *p = file_path(old);
        need = !path_exists(p);
        xfree(p);
    }
    if (!need) return 0;
    if (dir_create_if_missing(aof_dir()) == -1) {
        log_warning("Can't open or create append-only dir %s: %s", aof_dir(), strerror(errno));
        return -1;
    }
    aof_manifest_set_base(am, old, 1);
    if (persist_manifest(am) != 0) return -1;
    char *dst = file_path(old);
    int rc = rename(old, dst);
    xfree(dst);
    if (rc == -1) {
        log_warning("Error trying to move the old AOF file %s into dir %s: %s", old, aof_dir(),
                    strerror(errno));
        return -1;
    }
    log_notice("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", old,
               aof_dir());
    return 0;
}

/* Reads the manifest from disk into aof.manifest. LOAD_FATAL on errors. */
static int read_manifest(void) {
    AofManifest *am = NULL;
    char *err = NULL;
    int rc =
        path_is_dir(aof_dir()) ? aof_manifest_load(aof_dir(), server.appendfilename, &am, &err) : 1;
    if (rc < 0) {
        log_warning("%s", err);
        xfree(err);
        return LOAD_FATAL;
    }
    set_manifest(am ? am : aof_manifest_new());
    return LOAD_OK;
}

/* Replays every file of aof.manifest. LOAD_NOTHING when there is no data. */
static int load_all(int serve_clients) {
    AofManifest *am = aof.manifest;
    int total = (am->base.name ? 1 : 0) + am->n_incr;
    if (total == 0) return LOAD_NOTHING;
    long long total_size = 0;
    int missing = 0;
    if (am->base.name) total_size += file_size(am->base.name, &missing);
    for (int i = 0; i < am->n_incr && !missing; i++)
        total_size += file_size(am->incr[i].name, &missing);
    if (missing) {
        log_warning("A file listed in the AOF manifest is missing: refusing to start with part "
                    "of the data.");
        return LOAD_FATAL;
    }
    if (total_size == 0) return LOAD_NOTHING;

    server.loading = 1;
    aof.loading_start_s = time(NULL);
    aof.loading_total_bytes = total_size;
    aof.loading_loaded_bytes = 0;
    LoadCtx l = {client_new_fake(), NULL, 0, 0, serve_clients};
    int ret = LOAD_OK, n = 0;
    long long size = 0, base_size = 0;
    if (am->base.name) {
        ret = load_file(&l, am->base.name, ++n == total, "base", &size);
        base_size = size;
    }
    long long loaded = base_size;
    for (int i = 0; i < am->n_incr && ret == LOAD_OK; i++) {
        ret = load_file(&l, am->incr[i].name, ++n == total, "incr", &size);
        loaded += size;
    }
    client_free_fake(l.fake);
    server.loading = 0;
    if (ret != LOAD_OK) return LOAD_FATAL;
    if (l.n_errors)
        log_warning("%llu commands of the AOF failed while loading (the first ones are logged "
                    "above)",
                    (unsigned long long)l.n_errors);
    aof.current_size = loaded;
    aof.rewrite_base_size = base_size;
    aof.fsync_offset = aof.current_size;
    return LOAD_OK;
}

/* With the AOF on at start-up: make sure there is a base, open the last
 * incremental file for appending and persist the manifest. */
static int open_on_startup(void) {
    if (dir_create_if_missing(aof_dir()) == -1) {
        log_warning("Can't open or create append-only dir %s: %s", aof_dir(), strerror(errno));
        return -1;
    }
    int had_incr = aof.manifest->n_incr > 0;
    if (!aof.manifest->base.name && !had_incr) {
        const char *base = server.aof_use_rdb_preamble
                               ? aof_manifest_new_base_rdb(aof.manifest, server.appendfilename)
                               : aof_manifest_new_base(aof.manifest, server.appendfilename);
        char *path = file_path(base);
        int rc = write_base(path, server.aof_use_rdb_preamble);
        xfree(path);
        if (rc != 0) return -1;
        log_notice("Creating AOF base file %s on server start", base);
    }
    const char *name = aof_manifest_last_incr(aof.manifest, server.appendfilename);
    char *path = file_path(name);
    aof.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    xfree(path);
    if (aof.fd == -1) {
        log_warning("Can't open the append-only file %s: %s", name, strerror(errno));
        return -1;
    }
    if (persist_manifest(aof.manifest) != 0) return -1;
    aof.last_incr_size = file_size(name, NULL);
    if (!aof.current_size) {
        aof.current_size = aof.last_incr_size;
        if (aof.manifest->base.name) aof.current_size += file_size(aof.manifest->base.name, NULL);
        aof.rewrite_base_size = aof.current_size;
    }
    aof.fsync_offset = aof.current_size;
    log_notice("%s AOF incr file %s on server start", had_incr ? "Opening" : "Creating", name);
    return 0;
}

static int apply_appendonly(const char **err) {
    if (server.loading) {
        *err = "Can't turn AOF on or off while the dataset is loading.";
        return -1;
    }
    if (aof_set_enabled(server.appendonly) != 0) {
        *err = "Unable to turn on AOF. Check server logs.";
        return -1;
    }
    return 0;
}

static void cmd_debug_loadaof(Client *c);

/* What the buffer of records not yet written holds, kept capacity included
 * (INFO memory's mem_aof_buffer). */
static size_t aof_buffer_size(void) {
    return xsize(aof.buf.p);
}

/* ---- Public ------------------------------------------------------------ */

/*
 * Start-up (after the listeners, before the event loop): registers the hooks
 * and, with appendonly yes, loads the AOF and opens it for appending. Exits
 * the process on anything that would lose or misread data. Returns 0.
 */
int aof_startup(void) {
    init_state();
    server_on_before_sleep(before_sleep_hook);
    server_on_cron(cron_hook);
    server_on_shutdown(aof_shutdown);
    server_set_info_persistence(aof_info_persistence);
    server_set_aof_buffer_size(aof_buffer_size);
    debug_register("LOADAOF", cmd_debug_loadaof);
    config_register_apply("appendonly", apply_appendonly);
    /* A file-size limit must fail the write (EFBIG), not kill the server. */
    signal(SIGXFSZ, SIG_IGN);
    /* Read even with the AOF off (as Redis): turning it on later continues
     * the file sequence instead of reusing names. */
    if (read_manifest() != LOAD_OK) exit(1);
    if (!server.appendonly) return 0;
    aof_bg_start();
    if (upgrade_old_aof(aof.manifest) != 0 || load_all(1) == LOAD_FATAL) {
        log_warning("Fatal error loading the DB, check server logs. Exiting.");
        exit(1);
    }
    if (open_on_startup() != 0) exit(1);
    /* History files a crash left behind (between the manifest switch and
     * their deletion) go now. */
    delete_history();
    aof.state = AOF_ON;
    aof.last_fsync_ms = mono_ms();
    server.aof_fsynced_offset = 0; /* what was loaded is on disk */
    propagate_set_sink(aof_sink);
    return 0;
}

/* Shutdown: stop a rewrite, write and fsync what is buffered. */
void aof_shutdown(void) {
    if (!aof.initialized) return;
    if (aof.child_pid != -1) {
        kill_child();
        if (aof.state == AOF_WAIT_REWRITE) {
            char temp_incr[4096];
            temp_incr_name(temp_incr, sizeof temp_incr);
            char *p = file_path(temp_incr);
            unlink(p);
            xfree(p);
        }
    }
    if (aof.state != AOF_OFF && aof.fd != -1) {
        log_notice("Calling fsync() on the AOF file.");
        flush(1);
        if (fdatasync(aof.fd) == -1) log_warning("Fail to fsync the AOF file: %s", strerror(errno));
    }
    aof_bg_drain();
}

/*
 * CONFIG SET appendonly: on starts an AOF from the current data (a rewrite,
 * begun before this iteration's replies are written); off closes it. Returns
 * 0, or -1 when the AOF cannot be turned on.
 */
static void stop_aof(void);

int aof_set_enabled(int on) {
    init_state();
    /* A backup's temporary AOF becomes the configured one when asked for,
     * and stays on for the backup when the configured one is turned off. */
    if (on) aof.temporary = 0;
    if (!on && aof.temporary) return 0;
    if (on && aof.state == AOF_OFF) {
        if (dir_create_if_missing(aof_dir()) == -1) {
            log_warning("Can't open or create append-only dir %s: %s", aof_dir(), strerror(errno));
            return -1;
        }
        if (aof.child_pid != -1) {
            log_warning("AOF was enabled but there is already an AOF rewriting in background. "
                        "Stopping background AOF and starting a rewrite now.");
            kill_child();
        }
        aof_bg_start();
        aof.state = AOF_WAIT_REWRITE;
        aof.rewrite_scheduled = 1;
        aof.last_fsync_ms = mono_ms();
        if (aof_bg_fsync_errno()) {
            log_warning("AOF reopen, just ignore the AOF fsync error in bio job");
            aof_bg_clear_fsync_error();
        }
        if (!aof.last_write_ok) {
            log_warning("AOF reopen, just ignore the last error.");
            aof.last_write_ok = 1;
        }
        propagate_set_sink(aof_sink);
    } else if (!on && aof.state != AOF_OFF) {
        backup__aof_stopped();
        stop_aof();
    }
    refresh_write_refused();
    return 0;
}

/* Closes the AOF (fsynced) and stops a rewrite. */
static void stop_aof(void) {
    flush(1);
    if (aof.fd != -1) {
        if (fdatasync(aof.fd) == -1)
            log_warning("Fail to fsync the AOF file: %s", strerror(errno));
        else
            aof.fsync_offset = aof.current_size;
        close(aof.fd);
    }
    int was_waiting = aof.state == AOF_WAIT_REWRITE;
    aof.fd = -1;
    aof.selected_db = -1;
    aof.state = AOF_OFF;
    aof.rewrite_scheduled = 0;
    aof.last_incr_size = 0;
    kill_child();
    if (was_waiting) {
        char temp_incr[4096];
        temp_incr_name(temp_incr, sizeof temp_incr);
        char *p = file_path(temp_incr);
        aof_bg_unlink(p);
        xfree(p);
    }
    buf_free(&aof.buf);
    propagate_set_sink(NULL);
    server.aof_fsynced_offset = -1;
}

/* ---- BACKUP (backup.c) ------------------------------------------------- */

int aof__is_on(void) {
    init_state();
    return aof.state != AOF_OFF;
}

int aof__is_temporary(void) {
    return aof.temporary;
}

/* Turns the AOF on for a backup of an appendonly-no server, leaving the
 * appendonly setting as it is. 0, or -1 when it cannot. */
int aof__backup_start_temp(void) {
    init_state();
    if (aof.state != AOF_OFF) return 0;
    if (aof_set_enabled(1) != 0) return -1;
    aof.temporary = 1;
    return 0;
}

/*
 * Stops a backup's temporary AOF and deletes the files it wrote (the backup
 * keeps its hard links), the manifest included; the sequence numbers go on.
 * A BGREWRITEAOF that waited for the backup stays scheduled.
 */
void aof__backup_stop_temp(void) {
    if (!aof.temporary) return;
    aof.temporary = 0;
    int was_on = aof.state == AOF_ON;
    /* Once on, only a BGREWRITEAOF that waited for the seal schedules one. */
    int scheduled = was_on && aof.rewrite_scheduled;
    stop_aof();
    aof.rewrite_scheduled = scheduled;
    refresh_write_refused();
    if (!was_on) return; /* the base never got installed: the temp files are gone */
    AofManifest *am = aof.manifest;
    if (am->base.name) {
        char *p = file_path(am->base.name);
        aof_bg_unlink(p);
        xfree(p);
    }
    for (int i = 0; i < am->n_history; i++) {
        char *p = file_path(am->history[i].name);
        aof_bg_unlink(p);
        xfree(p);
    }
    for (int i = 0; i < am->n_incr; i++) {
        char *p = file_path(am->incr[i].name);
        aof_bg_unlink(p);
        xfree(p);
    }
    char name[4096];
    snprintf(name, sizeof name, "%s.manifest", server.appendfilename);
    char *p = file_path(name);
    if (unlink(p) == -1 && errno != ENOENT)
        log_warning("Can't remove the temporary AOF manifest: %s", strerror(errno));
    xfree(p);
    AofManifest *fresh = aof_manifest_new();
    fresh->base_seq = am->base_seq;
    fresh->incr_seq = am->incr_seq;
    set_manifest(fresh);
    aof.current_size = 0;
    aof.rewrite_base_size = 0;
}

/*
 * Makes sure a rewrite will produce a new base for a backup: one running
 * already is reused (0), one that cannot fork now (inside MULTI, may_fork 0;
 * an RDB child; already scheduled) is scheduled (1), else one starts now (0,
 * or -1 when it could not).
 */
int aof__backup_rewrite(int may_fork) {
    init_state();
    if (aof.child_pid != -1) return 0;
    if (!may_fork || rdb_child_active() || aof.state == AOF_WAIT_REWRITE) {
        aof.rewrite_scheduled = 1;
        aof.rewrites_consecutive_failures = 0;
        return 1;
    }
    return rewrite_start() == 0 ? 0 : -1;
}

/*
 * Writes and fsyncs everything the current incremental file is owed, then
 * fills *out with its name (owned copy; free with xfree) and seq. 0, or -1
 * with *err (static text).
 */
int aof__backup_sync_incr(char **name, long long *seq, const char **err) {
    init_state();
    if (aof.state != AOF_ON || aof.fd == -1 || aof.manifest->n_incr == 0) {
        *err = "the AOF has no incremental file to seal";
        return -1;
    }
    flush(1);
    if (buf_live(&aof.buf) != 0 || !aof.last_write_ok) {
        *err = "errors writing to the AOF file";
        return -1;
    }
    if (fdatasync(aof.fd) == -1) {
        log_warning("Fail to fsync the AOF file: %s", strerror(errno));
        *err = "can't fsync the AOF file";
        return -1;
    }
    aof.fsync_offset = aof.current_size;
    aof.last_fsync_ms = mono_ms();
    note_synced(aof.written_offset);
    const AofFileInfo *fi = &aof.manifest->incr[aof.manifest->n_incr - 1];
    *name = xstrdup(fi->name);
    *seq = fi->seq;
    return 0;
}

/* Sends later writes to a new incremental file (the sealed one stays as it
 * is). 0, or -1 with nothing changed. */
int aof__backup_rotate(void) {
    if (aof.state != AOF_ON) return -1;
    if (open_new_incr() != 0) return -1;
    aof.selected_db = -1;
    return 0;
}

int aof_child_active(void) {
    return aof.child_pid != -1;
}

/* BGREWRITEAOF */
void cmd_bgrewriteaof(Client *c) {
    init_state();
    if (aof.child_pid != -1) {
        reply_error(c, "ERR Background append only file rewriting already in progress");
    } else if ((c->flags & CLIENT_EXECUTING_MULTI) || rdb_child_active() ||
               backup__blocks_rewrite()) {
        /* Forking mid-transaction would put half of it in the base and all of
         * it in the incremental file. A backup waiting for its seal needs its
         * incremental file to stay in the manifest: the rewrite waits. */
        aof.rewrite_scheduled = 1;
        aof.rewrites_consecutive_failures = 0;
        reply_status(c, "Background append only file rewriting scheduled");
    } else if (rewrite_start() == 0) {
        reply_status(c, "Background append only file rewriting started");
    } else {
        reply_error(c, "ERR Can't execute an AOF background rewriting. Please check the server "
                       "logs for more information.");
    }
}

/*
 * DEBUG LOADAOF: write what is buffered, empty every database and load the
 * AOF again. On a load failure the data is gone, so, as Redis, the process
 * exits.
 */
static void debug_loadaof(void) {
    if (aof.state != AOF_OFF) flush(1);
    server_flush_all_dbs();
    function_flush(); /* the AOF loads the libraries again, as Redis empties them too */
    persist_globals_reset();
    if (read_manifest() != LOAD_OK) exit(1);
    delete_history();
    if (load_all(0) == LOAD_FATAL) {
        log_warning("Fatal error loading the AOF in DEBUG LOADAOF. Exiting.");
        exit(1);
    }
    server.dirty = 0;
    log_notice("Append Only File loaded by DEBUG LOADAOF");
}

/* Appends INFO persistence's AOF and loading fields, Redis 7's names and
 * order (the core writes the fields before them). */
void aof_info_persistence(Buf *out) {
    init_state();
    int64_t now_s = time(NULL);
    buf_printf(out, "aof_enabled:%d\r\n", aof.state != AOF_OFF);
    buf_printf(out, "aof_rewrite_in_progress:%d\r\n", aof.child_pid != -1);
    buf_printf(out, "aof_rewrite_scheduled:%d\r\n", aof.rewrite_scheduled);
    buf_printf(out, "aof_last_rewrite_time_sec:%lld\r\n", (long long)aof.rewrite_time_last);
    buf_printf(out, "aof_current_rewrite_time_sec:%lld\r\n",
               aof.rewrite_time_start == -1 ? -1LL : (long long)(now_s - aof.rewrite_time_start));
    buf_printf(out, "aof_last_bgrewrite_status:%s\r\n", aof.lastbgrewrite_ok ? "ok" : "err");
    buf_printf(out, "aof_rewrites:%lld\r\n", aof.rewrites);
    buf_printf(out, "aof_rewrites_consecutive_failures:%lld\r\n",
               aof.rewrites_consecutive_failures);
    buf_printf(out, "aof_last_write_status:%s\r\n",
               aof.last_write_ok && !aof_bg_fsync_errno() ? "ok" : "err");
    buf_printf(out, "aof_last_cow_size:%lld\r\n", aof.last_cow_size);
    buf_printf(out, "module_fork_in_progress:0\r\n"
                    "module_fork_last_cow_size:0\r\n");
    /* Redis 8.10: BACKUP STATUS in one boolean, for monitoring */
    buf_printf(out, "backup_in_progress:%d\r\n", backup_is_in_progress());
    if (aof.state != AOF_OFF) {
        buf_printf(out, "aof_current_size:%lld\r\n", aof.current_size);
        buf_printf(out, "aof_base_size:%lld\r\n", aof.rewrite_base_size);
        buf_printf(out, "aof_pending_rewrite:%d\r\n", aof.rewrite_scheduled);
        buf_printf(out, "aof_buffer_length:%zu\r\n", buf_live(&aof.buf));
        buf_printf(out, "aof_pending_bio_fsync:%d\r\n", aof_bg_fsync_pending());
        buf_printf(out, "aof_delayed_fsync:%lld\r\n", aof.delayed_fsync);
    }
    if (server.loading) {
        long long total = aof.loading_total_bytes, done = aof.loading_loaded_bytes;
        double perc = total ? (double)done * 100.0 / (double)total : 0.0;
        long long elapsed = now_s - aof.loading_start_s;
        long long eta = done && elapsed ? (total - done) * elapsed / done : 1;
        buf_printf(out, "loading_start_time:%lld\r\n", (long long)aof.loading_start_s);
        buf_printf(out, "loading_total_bytes:%lld\r\n", total);
        buf_printf(out, "loading_rdb_used_mem:0\r\n");
        buf_printf(out, "loading_loaded_bytes:%lld\r\n", done);
        buf_printf(out, "loading_loaded_perc:%.2f\r\n", perc);
        buf_printf(out, "loading_eta_seconds:%lld\r\n", eta);
    }
}

/* DEBUG LOADAOF */
static void cmd_debug_loadaof(Client *c) {
    if (server.loading) {
        reply_error(c, "ERR Can't reload the AOF while it is loading");
        return;
    }
    debug_loadaof();
    reply_ok(c);
}

const Command persist_commands[] = {
    {"bgrewriteaof", cmd_bgrewriteaof, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
