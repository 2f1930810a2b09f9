/*
 * shutdown.c - SHUTDOWN, SHUTDOWN ABORT and SIGTERM / SIGINT, as Redis 7.0
 * orders a shutdown.
 *
 * A shutdown with replicas first lets them catch up, so that no write a
 * client got a reply for is lost with the master:
 *
 *   request (SHUTDOWN without NOW, or a signal whose shutdown-on-sig* flags
 *   lack "now"), shutdown-timeout > 0, some replica's acknowledged offset
 *   short of master_repl_offset
 *     --> waiting: writes paused as by CLIENT PAUSE WRITE (pause.c),
 *         REPLCONF GETACK sent to the replicas (unless a pause already
 *         holds writes: the GETACK would move the offset a failover waits
 *         for), the SHUTDOWN caller blocked (any later SHUTDOWN caller
 *         joins it, whatever its flags, as in 7.0)
 *     --> every replica acknowledged the offset, or shutdown-timeout
 *         passed: finish.
 *   finish: the lagging replicas are logged, the dataset saved as the
 *   flags and save points say (persistence's hook); success ends the
 *   process (core.shutdown_asap: the loop flushes and exits, the blocked
 *   callers getting no reply); a failed save (without FORCE) cancels.
 *   cancel (a failed save, or SHUTDOWN ABORT): the blocked callers get
 *   "ERR Errors trying to SHUTDOWN. Check logs.", writes resume.
 *
 * Signals: the first SIGTERM or SIGINT starts a shutdown with the flags of
 * shutdown-on-sigterm / -sigint; another SIGTERM changes nothing, another
 * SIGINT (Ctrl+C again) exits at once with status 1 ("You insist"), until
 * a cancel forgets the signal.
 *
 * The blocked callers are polled clients of the blocking core (block.c):
 * each holds the count of cancels at the time it blocked and answers when
 * it changes. CLIENT UNBLOCK leaves them (there is nothing to time out:
 * 7.0 crashed on it). Under a script that is past its time limit only
 * SHUTDOWN NOSAVE gets here, and it cannot wait (the loop serves only the
 * commands a busy script allows): it finishes at once.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "server/core.h"
#include "server/repl.h"
#include "server/shutdown.h"

static struct {
    int flags;                  /* SHUTDOWN_* of the shutdown in progress */
    int64_t deadline_ms;        /* when waiting ends; 0: no shutdown in progress */
    unsigned long long cancels; /* blocked callers answer when it moves */
    int signalled;              /* a SIGTERM / SIGINT asked for this shutdown */
} sd;

int shutdown_in_progress(void) {
    return sd.deadline_ms != 0;
}

static void cancel(void) {
    sd.flags = 0;
    sd.deadline_ms = 0;
    sd.signalled = 0;
    sd.cancels++;
    pause_shutdown_end();
}

static int caller_serve(Client *c, const Slice *key, void *ctx) {
    (void)key;
    if (*(unsigned long long *)ctx == sd.cancels) return 0;
    reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
    return 1;
}

static void block_caller(Client *c) {
    unsigned long long *gen = xmalloc(sizeof *gen);
    *gen = sd.cancels;
    block_on_keys(c, NULL, 0, 0, caller_serve, NULL, gen, xfree);
    block_set_polled(c);
    block_set_no_unblock(c);
}

/* The save and the end: 0 when the server exits now, -1 when it stays up
 * (the shutdown cancelled). */
static int finish(void) {
    repl_log_shutdown_sync();
    if (server_shutdown_save(sd.flags) != 0) {
        log_warning("Errors trying to shut down the server. Check the logs for more "
                    "information.");
        cancel();
        return -1;
    }
    core.shutdown_asap = 1;
    return 0;
}

/* Starts a shutdown with flags (SHUTDOWN_*). c (borrowed; NULL for a
 * signal) is the SHUTDOWN caller: blocked while the shutdown waits for
 * replicas, answered with the error when it fails at once. */
void shutdown_request(Client *c, int flags) {
    if (shutdown_in_progress()) {
        if (c) block_caller(c);
        return;
    }
    sd.flags = flags;
    log_warning("User requested shutdown...");
    if (!(flags & SHUTDOWN_NOW) && settings.shutdown_timeout > 0 && !core.script_busy &&
        !repl_replicas_in_sync()) {
        sd.deadline_ms = now_ms() + settings.shutdown_timeout * 1000;
        if (!core.pause_mode) repl_send_getack();
        pause_shutdown_start();
        log_notice("Waiting for replicas before shutting down.");
        if (c) block_caller(c);
        return;
    }
    if (finish() != 0 && c) reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
}

int shutdown_abort(void) {
    if (shutdown_in_progress()) {
        cancel();
    } else {
        return -1;
    }
    log_notice("Shutdown manually aborted.");
    return 0;
}

/* Called by the loop with the signal received (SIGTERM or SIGINT). */
void shutdown_on_signal(int sig) {
    if (sig == SIGINT && sd.signalled) {
        log_warning("You insist... exiting now.");
        exit(1);
    }
    log_warning("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sd.signalled = 1;
    if (shutdown_in_progress()) return;
    /* shutdown-on-sigint / -sigterm: SHUTDOWN's flags for the signal */
    const char *how = sig == SIGINT ? settings.shutdown_on_sigint : settings.shutdown_on_sigterm;
    int flags = 0;
    if (how && strstr(how, "nosave"))
        flags |= SHUTDOWN_NOSAVE;
    else if (how && strstr(how, "save"))
        flags |= SHUTDOWN_SAVE;
    if (how && strstr(how, "now")) flags |= SHUTDOWN_NOW;
    if (how && strstr(how, "force")) flags |= SHUTDOWN_FORCE;
    shutdown_request(NULL, flags);
}

/* Called by the loop every iteration: a waiting shutdown finishes once the
 * replicas caught up or its time is over. */
void shutdown_check(void) {
    if (!shutdown_in_progress()) return;
    if (now_ms() >= sd.deadline_ms || repl_replicas_in_sync()) finish();
}
