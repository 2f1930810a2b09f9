/*
 * multi.c - MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * Queueing and EXEC itself live in dispatch.c, where the central checks
 * decide what gets queued; these handlers are the commands' entry points.
 */
#include "server/core.h"

static void cmd_multi(Client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void cmd_discard(Client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(CF(c));
    reply_ok(c);
}

/* EXEC runs from dispatch.c (cmd_exec_run); this entry only exists so the
 * table describes the command. */
static void cmd_exec(Client *c) {
    reply_error(c, "ERR EXEC without MULTI");
}

static void cmd_watch(Client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++) watch_key(CF(c), c->argv[i]);
    reply_ok(c);
}

static void cmd_unwatch(Client *c) {
    watch_unwatch_all(CF(c));
    c->flags &= ~CLIENT_DIRTY_CAS;
    reply_ok(c);
}

#define TX_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY)
const Command multi_commands[] = {
    {"multi", cmd_multi, 1, TX_FLAGS, "@fast @transaction", 0, 0, 0, NULL},
    {"exec", cmd_exec, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG,
     "@slow @transaction", 0, 0, 0, NULL},
    {"discard", cmd_discard, 1, TX_FLAGS, "@fast @transaction", 0, 0, 0, NULL},
    {"watch", cmd_watch, -2, TX_FLAGS, "@fast @transaction", 1, -1, 1, NULL},
    {"unwatch", cmd_unwatch, 1, TX_FLAGS, "@fast @transaction", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
