/*
 * pause.c - CLIENT PAUSE: holding clients' commands until a pause ends.
 *
 * A pause has a mode (WRITE: commands that write or may replicate, and EXEC
 * of a transaction holding one; ALL: every command) and an end time. While
 * it lasts, a command the mode covers is not run: its client is postponed.
 * It is the blocking core's kind of wait with no keys and no deadline
 * (block_on_keys keeps a copy of the command, stops the client's input,
 * shows it in INFO blocked_clients and CLIENT LIST as 'b', and takes it
 * back when the client goes away), marked CLIENT_POSTPONED and queued here
 * in arrival order. When the pause ends (CLIENT UNPAUSE, or the end time
 * seen before the loop sleeps), the postponed commands run from the event
 * loop, never from inside another client's command, in the order they
 * came, each from scratch through dispatch (every check again, a new pause
 * included), followed by the input its client pipelined behind it.
 * Rejected: leaving the held command in the query buffer to be parsed
 * again: a client blocked on keys whose key becomes ready during a pause
 * has no query buffer to return to, and both kinds are held the same way.
 *
 * Blocked clients: a blocked command the pause covers (XREADGROUP, which
 * writes; any in an ALL pause) is not served while paused; when one of its
 * keys becomes ready (or its wake-up time comes) it turns into a postponed
 * client and runs again from scratch when the
 * pause ends, as Redis 7.2+ re-runs such commands (7.0 served them during
 * the pause, writing while writes were paused).
 *
 * Expiry: no key is deleted while paused (neither lazily nor by the cron),
 * so nothing but the held commands changes the data set or the AOF; reads
 * see an expired key as missing. A CLIENT PAUSE inside MULTI pauses expiry
 * from the end of its transaction: the transaction's later writes run
 * during the pause and must find expired keys gone, as they would be
 * before it (db_add() of a key still present would corrupt the keyspace).
 *
 * Three pauses share this machinery, as in Redis 7.0: CLIENT PAUSE's (a
 * mode and an end time), FAILOVER's (WRITE, no end, lifted when the
 * failover completes or aborts) and SHUTDOWN's (WRITE while a shutdown
 * waits for lagging replicas, lifted when it is aborted or fails).
 * core.pause_mode is the strictest of them; CLIENT UNPAUSE ends only CLIENT
 * PAUSE's, so writes stay held while a failover or a shutdown waits for
 * replicas.
 *
 * The cost when no pause is active: dispatch tests core.pause_mode, one
 * predictable branch; everything else here runs only while paused.
 */
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/script.h"

/* The pause ended or changed: the postponed clients are looked at again
 * before the loop sleeps. */
static int release_pending;

/* Whether the current pause holds cmd from c. */
static int covers(const ClientFull *c, const Command *cmd) {
    const Client *pc = &c->pub;
    /* The AOF loader replays accepted writes; a monitor is a replica to
     * Redis, and replicas are never paused. */
    if (pc->flags & (CLIENT_FAKE | CLIENT_MONITOR)) return 0;
    if (core.pause_mode == PAUSE_ALL) return 1;
    if (script_call_may_write(cmd, pc->argc, pc->argv)) return 1;
    if ((pc->flags & CLIENT_MULTI) && strcmp(cmd->name, "exec") == 0) {
        for (int i = 0; i < c->mq_n; i++) {
            const QueuedCommand *q = &c->mq[i];
            if (script_call_may_write(q->cmd, q->argc, q->argv)) return 1;
        }
    }
    return 0;
}

static int never_served(Client *c, const Slice *key, void *ctx) {
    (void)c, (void)key, (void)ctx;
    return 0; /* postponed clients wait on no key: only the pause's end runs them */
}

/* Postpones c with the command in c->argc/argv (borrowed, copied). */
static void postpone(ClientFull *c, const Command *cmd) {
    Client *pc = &c->pub;
    pc->cmd = cmd;
    block_on_keys(pc, NULL, 0, 0, never_served, NULL, NULL, NULL);
    pc->flags |= CLIENT_POSTPONED;
    c->last_cmd = cmdstats_for(cmd)->name; /* CLIENT LIST shows the held command */
    client_list_push(&core.postponed, c);
}

/* Expiry stops once the transaction that paused has ended. */
static void sync_expire(void) {
    if (core.pause_expire_pending && !core.in_exec) {
        core.pause_expire_pending = 0;
        core.expire_paused = 1;
    }
}

/* CLIENT PAUSE's own mode (core.pause_end_ms is its end) and whether a
 * FAILOVER holds writes. */
static int client_mode;
static int failover_held;
static int shutdown_held;

/* core.pause_mode from the two pauses; when none is left, expiry resumes
 * and the postponed clients are looked at again. */
static void update_mode(void) {
    int mode = client_mode;
    if ((failover_held || shutdown_held) && mode < PAUSE_WRITE) mode = PAUSE_WRITE;
    core.pause_mode = mode;
    if (mode == PAUSE_OFF) {
        core.expire_paused = 0;
        core.pause_expire_pending = 0;
    }
    release_pending = 1;
}

static void end_pause(void) {
    client_mode = PAUSE_OFF;
    core.pause_end_ms = 0;
    update_mode();
}

static void pause_expiry(int in_exec) {
    if (core.expire_paused) return;
    if (in_exec)
        core.pause_expire_pending = 1;
    else
        core.expire_paused = 1;
}

/* Starts or extends the pause: the stricter mode and the later end win
 * while a pause lasts (Redis: a WRITE pause does not weaken an ALL pause
 * still running, an earlier end does not shorten it). end_ms is absolute
 * Unix ms. in_exec: called inside EXEC (expiry pauses after it). */
void pause_start(int mode, int64_t end_ms, int in_exec) {
    if (client_mode && core.pause_end_ms <= now_ms()) end_pause();
    if (mode > client_mode) client_mode = mode;
    if (end_ms > core.pause_end_ms) core.pause_end_ms = end_ms;
    if (mode > core.pause_mode) core.pause_mode = mode;
    pause_expiry(in_exec);
}

/* CLIENT UNPAUSE: the postponed clients run before the loop next sleeps
 * (those a failover still holds stay). */
void pause_stop(void) {
    if (client_mode) end_pause();
}

/* FAILOVER: writes are held until pause_failover_end(). in_exec as for
 * pause_start(). */
void pause_failover_start(int in_exec) {
    failover_held = 1;
    if (core.pause_mode < PAUSE_WRITE) core.pause_mode = PAUSE_WRITE;
    pause_expiry(in_exec);
}

void pause_failover_end(void) {
    if (!failover_held) return;
    failover_held = 0;
    update_mode();
}

/* SHUTDOWN waiting for its replicas: writes are held until
 * pause_shutdown_end(). */
void pause_shutdown_start(void) {
    shutdown_held = 1;
    if (core.pause_mode < PAUSE_WRITE) core.pause_mode = PAUSE_WRITE;
    pause_expiry(0);
}

void pause_shutdown_end(void) {
    if (!shutdown_held) return;
    shutdown_held = 0;
    update_mode();
}

/* Called by dispatch (only while paused) for a command that passed every
 * check: 1 if the pause holds it (c is postponed), 0 to run it. */
int pause_hold(ClientFull *c, const Command *cmd) {
    sync_expire();
    if (!covers(c, cmd)) return 0;
    postpone(c, cmd);
    return 1;
}

/* Called by the blocking core (only while paused) before it serves the
 * blocked client c: 1 if the pause covers c's command, which is then
 * postponed to run again from scratch when the pause ends. */
int pause_take_blocked(ClientFull *c) {
    sync_expire();
    BlockState *b = c->block;
    /* A polled wait (WAITAOF) is answered by the AOF, not re-run: Redis
     * answers it during a pause as its fsyncs complete. */
    if (b->polled || !b->cmd || !covers(c, b->cmd)) return 0;
    Client *pc = &c->pub;
    int argc = pc->argc;
    Slice *argv = pc->argv;
    const Command *cmd = pc->cmd;
    int held_argc = b->argc;
    Slice *held = b->argv;
    const Command *held_cmd = b->cmd;
    b->argv = NULL;
    block_unblock(c, 1); /* nothing answered: no statistics, no reply skip used */
    pc->argc = held_argc;
    pc->argv = held;
    postpone(c, held_cmd);
    xfree(held);
    pc->argc = argc;
    pc->argv = argv;
    pc->cmd = cmd;
    return 1;
}

/* The client goes away: it is no longer postponed. */
void pause_forget(ClientFull *c) {
    client_list_remove(&core.postponed, c);
    c->pub.flags &= ~CLIENT_POSTPONED;
}

/* Runs the command c was postponed with, then the input behind it. */
static void run_held(ClientFull *c) {
    Client *pc = &c->pub;
    BlockState *b = c->block;
    int argc = b->argc;
    Slice *argv = b->argv;
    b->argv = NULL;
    block_unblock(c, 1);
    pc->flags &= ~CLIENT_POSTPONED;
    pc->argc = argc;
    pc->argv = argv;
    core.call_start_us = real_us();
    dispatch_command(c);
    pc->argc = 0;
    pc->argv = NULL;
    xfree(argv);
    client_process_input(c); /* the pipelined rest, and queues the replies */
}

/* Before the loop sleeps: ends a pause whose time has come and runs the
 * commands it held, in the order they arrived. A command run here may
 * start a new pause: the clients after it are held again if it covers
 * them (their order kept). */
void pause_before_sleep(void) {
    if (core.pause_mode) {
        sync_expire();
        if (client_mode && core.pause_end_ms <= now_ms()) end_pause();
    }
    if (!release_pending) return;
    release_pending = 0;
    ClientList held = core.postponed;
    memset(&core.postponed, 0, sizeof core.postponed);
    for (size_t i = 0; i < held.n; i++) {
        ClientFull *c = held.v[i];
        if (c->is_closing) {
            c->pub.flags &= ~CLIENT_POSTPONED; /* freed with its block state */
            continue;
        }
        if (core.pause_mode && covers(c, c->block->cmd)) {
            client_list_push(&core.postponed, c);
            continue;
        }
        run_held(c);
    }
    xfree(held.v);
}

/* When the loop must wake up to end the pause (0: no pause). */
int64_t pause_deadline(void) {
    return client_mode ? core.pause_end_ms : 0;
}
