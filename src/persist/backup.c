/*
 * backup.c - the BACKUP command family (Redis 8.10): an online backup that a
 * data plane copies while the server runs, made of the AOF's own files.
 *
 * A backup is a BASE and an INCR file of the multi-part AOF plus a manifest
 * naming only those two, hard-linked into <dir>/<backupdirname>. A hard link
 * pins the file: the AOF may later delete its name (a rewrite moves old files
 * to history and unlinks them) and the backup still holds the same bytes.
 * The BASE is immutable once renamed into place; the INCR becomes immutable
 * when SEAL rotates the AOF to a new incremental file, which is why SEAL
 * rotates before it answers.
 *
 *   idle --START--> pending --rewrite forks--> snapshotting
 *   snapshotting --rewrite installs base, link BASE--> incrementing
 *   incrementing --SEAL: fsync INCR, link it, rotate, manifest--> sealed
 *   pending|snapshotting|incrementing --ABORT / failure--> failed
 *   sealed|failed --CLEANUP--> idle
 *
 * START attaches to a rewrite that is already running (its base and the
 * incremental file opened at its fork hold all the data), or schedules one
 * when it cannot fork now (an RDB child, inside MULTI). While a backup is
 * incrementing every rewrite waits (BGREWRITEAOF answers "scheduled"): it
 * would move the INCR the backup will seal to history.
 *
 * The state lives in memory only: after a restart the state is idle and the
 * files pinned so far stay in the directory, which START then refuses as not
 * empty until they are removed (a sealed set is complete and restorable).
 *
 * With appendonly no, START turns the AOF machinery on for the backup only
 * (the appendonly setting stays no): the same rewrite, the same incremental
 * file. SEAL, ABORT or a failure stop it and delete the files it wrote from
 * appenddirname (files it did not write stay); CONFIG SET appendonly yes
 * meanwhile makes it the configured AOF, which then stays on after SEAL.
 *
 * Rejected: copying files (a hard link costs nothing and is atomic; it needs
 * the backup directory on the AOF's file system, which is why backupdirname
 * is a plain name inside dir).
 */
#include "persist/backup.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "persist/manifest.h"
#include "server/core.h"
#include "server/server.h"

typedef enum {
    BK_IDLE,
    BK_PENDING,
    BK_SNAPSHOTTING,
    BK_INCREMENTING,
    BK_SEALED,
    BK_FAILED,
} BackupState;

#define BK_MAX_FILES 3 /* base, incr, manifest */

static struct {
    BackupState state;
    char error[256];
    long long start_time, end_time; /* unix seconds, 0 when none */
    char *dir;                      /* absolute, fixed at START */
    char *base_name;                /* pinned base, a plain file name */
    long long base_seq;
    char *files[BK_MAX_FILES]; /* absolute paths pinned, in pinning order */
    int n_files;
} bk;

static const char *state_name(BackupState s) {
    switch (s) {
    case BK_IDLE:
        return "idle";
    case BK_PENDING:
        return "pending";
    case BK_SNAPSHOTTING:
        return "snapshotting";
    case BK_INCREMENTING:
        return "incrementing";
    case BK_SEALED:
        return "sealed";
    case BK_FAILED:
        return "failed";
    }
    return "idle";
}

static int in_progress(void) {
    return bk.state == BK_PENDING || bk.state == BK_SNAPSHOTTING || bk.state == BK_INCREMENTING;
}

int backup_is_in_progress(void) {
    return in_progress();
}

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Removes every pinned file (the directory stays). */
static void unpin_all(void) {
    for (int i = 0; i < bk.n_files; i++) {
        if (unlink(bk.files[i]) == -1 && errno != ENOENT)
            log_warning("BACKUP: can't remove %s: %s", bk.files[i], strerror(errno));
        xfree(bk.files[i]);
        bk.files[i] = NULL;
    }
    bk.n_files = 0;
}

static void reset_files(void) {
    unpin_all();
    xfree(bk.base_name);
    bk.base_name = NULL;
    xfree(bk.dir);
    bk.dir = NULL;
}

/* CLEANUP: the pinned files go, the state is idle again. */
static void to_idle(void) {
    reset_files();
    bk.state = BK_IDLE;
    bk.error[0] = '\0';
    bk.start_time = 0;
    bk.end_time = 0;
}

static void fail(const char *why) {
    log_warning("BACKUP failed: %s", why);
    unpin_all();
    bk.state = BK_FAILED;
    snprintf(bk.error, sizeof bk.error, "%s", why);
    aof__backup_stop_temp();
}

/* Hard-links <appenddirname>/<name> into the backup directory. 0, or -1
 * with errno. */
static int pin(const char *name) {
    assert(bk.n_files < BK_MAX_FILES);
    char *src = join(server.appenddirname, name);
    char *dst = join(bk.dir, name);
    int rc = link(src, dst);
    int saved = errno;
    xfree(src);
    if (rc == -1) {
        xfree(dst);
        errno = saved;
        return -1;
    }
    bk.files[bk.n_files++] = dst;
    return 0;
}

/* 0: dir exists (created if missing) and is empty; 1: not empty; -1: error
 * with errno. */
static int dir_ready(const char *dir) {
    if (mkdir(dir, 0755) == -1 && errno != EEXIST) return -1;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n ? 1 : 0;
}

/* ---- Hooks from aof.c ------------------------------------------------- */

void backup__rewrite_started(void) {
    if (bk.state == BK_PENDING) bk.state = BK_SNAPSHOTTING;
}

void backup__snapshot_done(const char *base_name, long long base_seq) {
    if (bk.state != BK_SNAPSHOTTING) return;
    if (pin(base_name) != 0) {
        char why[256];
        snprintf(why, sizeof why, "can't link the base file into the backup directory: %s",
                 strerror(errno));
        fail(why);
        return;
    }
    bk.base_name = xstrdup(base_name);
    bk.base_seq = base_seq;
    bk.state = BK_INCREMENTING;
    log_notice("BACKUP: base %s pinned, accumulating writes until BACKUP SEAL", base_name);
}

void backup__snapshot_failed(void) {
    if (bk.state == BK_SNAPSHOTTING) fail("AOF rewrite failed");
}

void backup__aof_stopped(void) {
    if (in_progress()) fail("appendonly is stopped");
}

int backup__blocks_rewrite(void) {
    return bk.state == BK_INCREMENTING;
}

void backup__cron(void) {
    if (bk.state != BK_SEALED || settings.backup_sealed_ttl <= 0) return;
    if ((long long)time(NULL) - bk.end_time < settings.backup_sealed_ttl) return;
    log_notice("BACKUP: the sealed backup in %s is older than backup-sealed-ttl, removing it",
               bk.dir);
    to_idle();
}

/* ---- Commands --------------------------------------------------------- */

static void cmd_backup_start(Client *c) {
    if (in_progress()) {
        reply_error(c, "ERR A backup is already in progress");
        return;
    }
    if (bk.state == BK_SEALED) {
        reply_error(c, "ERR A sealed backup exists, run BACKUP CLEANUP first");
        return;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
        reply_error(c, "ERR Can't resolve the working directory: %s", strerror(errno));
        return;
    }
    char *dir = join(cwd, settings.backupdirname);
    int ready = dir_ready(dir);
    if (ready != 0) {
        if (ready == 1)
            reply_error(c, "ERR The backup directory %s is not empty", dir);
        else
            reply_error(c, "ERR Can't use the backup directory %s: %s", dir, strerror(errno));
        xfree(dir);
        return;
    }
    if (!aof__is_on() && aof__backup_start_temp() != 0) {
        reply_error(c, "ERR Can't start the temporary AOF of the backup, check the server logs");
        xfree(dir);
        return;
    }
    reset_files();
    bk.dir = dir;
    bk.state = BK_PENDING;
    bk.error[0] = '\0';
    bk.start_time = time(NULL);
    bk.end_time = 0;
    int rc = aof__backup_rewrite(!(c->flags & CLIENT_EXECUTING_MULTI));
    if (rc == -1) {
        fail("can't start an AOF rewrite");
        reply_error(c, "ERR Can't start the AOF rewrite of the backup, check the server logs");
        return;
    }
    /* A rewrite already running is reused: its base holds the data. */
    if (rc == 0 && bk.state == BK_PENDING) bk.state = BK_SNAPSHOTTING;
    reply_ok(c);
}

/* The standalone manifest of the sealed set, written into the backup
 * directory (atomically, fsynced). */
static int write_manifest(const char *incr_name, long long incr_seq) {
    AofManifest *am = aof_manifest_new();
    aof_manifest_set_base(am, bk.base_name, bk.base_seq);
    am->incr = xmalloc(sizeof *am->incr);
    am->cap_incr = 1;
    am->n_incr = 1;
    am->incr[0].name = xstrdup(incr_name);
    am->incr[0].seq = incr_seq;
    am->incr[0].type = AOF_FILE_INCR;
    am->incr_seq = incr_seq;
    char *err = NULL;
    int rc = aof_manifest_persist(am, bk.dir, server.appendfilename, &err);
    aof_manifest_free(am);
    if (rc != 0) {
        log_warning("BACKUP: %s", err);
        xfree(err);
        return -1;
    }
    char name[4096];
    snprintf(name, sizeof name, "%s.manifest", server.appendfilename);
    bk.files[bk.n_files++] = join(bk.dir, name);
    return 0;
}

static void cmd_backup_seal(Client *c) {
    if (bk.state != BK_INCREMENTING) {
        reply_error(c, "ERR No backup ready to seal (must be in the incrementing state)");
        return;
    }
    char *incr = NULL;
    long long seq = 0;
    const char *why = NULL;
    if (aof__backup_sync_incr(&incr, &seq, &why) != 0) {
        reply_error(c, "ERR Can't seal the backup: %s", why);
        return;
    }
    if (pin(incr) != 0) {
        reply_error(c, "ERR Can't link the AOF incr file into the backup directory: %s",
                    strerror(errno));
        xfree(incr);
        return;
    }
    /* Until the rotation, the linked file is the one the AOF appends to. A
     * temporary AOF (appendonly no) stops instead. */
    if (aof__is_temporary()) {
        aof__backup_stop_temp();
    } else if (aof__backup_rotate() != 0) {
        bk.n_files--;
        unlink(bk.files[bk.n_files]);
        xfree(bk.files[bk.n_files]);
        bk.files[bk.n_files] = NULL;
        reply_error(c, "ERR Can't rotate the AOF, check the server logs");
        xfree(incr);
        return;
    }
    int rc = write_manifest(incr, seq);
    xfree(incr);
    if (rc != 0) {
        fail("can't write the backup manifest");
        reply_error(c, "ERR Can't write the backup manifest, check the server logs");
        return;
    }
    bk.state = BK_SEALED;
    bk.end_time = time(NULL);
    log_notice("BACKUP sealed in %s", bk.dir);
    reply_ok(c);
}

static void cmd_backup_status(Client *c) {
    reply_map(c, 4);
    reply_bulk_cstr(c, "state");
    reply_bulk_cstr(c, state_name(bk.state));
    reply_bulk_cstr(c, "error");
    reply_bulk_cstr(c, bk.error);
    reply_bulk_cstr(c, "start_time");
    reply_int(c, bk.start_time);
    reply_bulk_cstr(c, "end_time");
    reply_int(c, bk.end_time);
}

static void cmd_backup_list(Client *c) {
    reply_array(c, (size_t)bk.n_files);
    for (int i = 0; i < bk.n_files; i++) reply_bulk_cstr(c, bk.files[i]);
}

static void cmd_backup_abort(Client *c) {
    if (!in_progress()) {
        reply_error(c, "ERR No backup in progress");
        return;
    }
    fail("aborted by user");
    reply_ok(c);
}

static void cmd_backup_cleanup(Client *c) {
    if (in_progress()) {
        reply_error(c, "ERR A backup is in progress, use BACKUP ABORT first");
        return;
    }
    to_idle();
    reply_ok(c);
}

static void cmd_backup_help(Client *c) {
    static const char *const lines[] = {
        "BACKUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "START",
        "    Start a backup into 'backupdirname': an AOF rewrite makes a new base,",
        "    which is hard-linked into the backup directory (must be empty).",
        "SEAL",
        "    Fsync and link the AOF incr file and write the backup's manifest; later",
        "    writes go to a new incr file.",
        "STATUS",
        "    Report the state, the error, the start and the seal time.",
        "LIST",
        "    Return the absolute paths of the files pinned so far.",
        "ABORT",
        "    Cancel a backup that is not sealed and remove its files.",
        "CLEANUP",
        "    Remove the files of a sealed or failed backup and return to idle.",
        "HELP",
        "    Print this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

#define BK_FLAGS (CMD_ADMIN | CMD_NOSCRIPT)
#define BK_ACL   "@admin @slow @dangerous"

static const Command backup_subcommands[] = {
    {"start", cmd_backup_start, 2, BK_FLAGS, BK_ACL, 0, 0, 0, NULL},
    {"seal", cmd_backup_seal, 2, BK_FLAGS, BK_ACL, 0, 0, 0, NULL},
    {"status", cmd_backup_status, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, BK_ACL, 0, 0, 0, NULL},
    {"list", cmd_backup_list, 2, CMD_ADMIN | CMD_STALE, BK_ACL, 0, 0, 0, NULL},
    {"abort", cmd_backup_abort, 2, BK_FLAGS, BK_ACL, 0, 0, 0, NULL},
    {"cleanup", cmd_backup_cleanup, 2, BK_FLAGS, BK_ACL, 0, 0, 0, NULL},
    {"help", cmd_backup_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command backup_commands[] = {
    {"backup", NULL, -2, 0, "@slow", 0, 0, 0, backup_subcommands},
    END_OF_COMMANDS,
};
