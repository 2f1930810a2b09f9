/*
 * block.c - clients waiting on keys (XREAD / XREADGROUP BLOCK).
 *
 * A blocked client keeps a copy of its command and its keys, and sits in the
 * per-database list of every key (FIFO). A command that changes a key calls
 * db_signal_key(), which appends the key to the ready list once; after that
 * command, block_serve_ready() offers each ready key to its waiters in the
 * order they blocked, by calling the handler's serve function with the
 * original argv and the ready key. The handler replies and returns 1, or
 * returns 0 to keep waiting. Serving may itself signal keys (XREADGROUP
 * changes its group), so the loop runs until the ready list is empty.
 *
 * Every change signals, whatever it was; the handler is told which key is
 * ready and decides from what the key holds whether Redis would have woken
 * it (Redis 7.2 re-runs a blocked XREAD only for a key that holds a stream
 * and got an entry or was created, XREADGROUP for any change of its keys).
 * Rejected: kinds of signals (entry added, key deleted, type changed)
 * chosen by each mutating command: every command that changes a key would
 * have to pick one, while the handler can tell the cases that matter apart
 * from the value itself (XREAD: which stream, how many entries added).
 *
 * Timeouts: blocked clients are kept in an array; the event loop sleeps no
 * longer than the nearest deadline and then answers the expired ones. The
 * array is scanned linearly: it holds the blocked clients only, and the scan
 * happens once per loop iteration, which was simpler than a heap with
 * removals and cheap at the numbers of blocked clients streams see.
 *
 * Wake-ups: a client may also ask to be served at a time of its choosing
 * (block_set_wakeup), for a condition that time alone makes true: XREADGROUP
 * CLAIM waits for a pending entry to become idle enough, which no command
 * signals. Wake-up times share the deadline scan; a due client's serve
 * function runs as for a ready key, like a command of its own (one clock,
 * its records flushed together), and the keys it signals are served after.
 * Rejected: a timer facility in the event loop for this one use (the
 * blocked-clients array already drives the loop's sleep).
 *
 * Polled clients (block_set_polled) wait for something outside the keyspace
 * that advances on its own: WAITAOF for the AOF's fsyncs, some of which
 * complete in a background thread. Their serve function runs once per loop
 * iteration right after the persistence hooks, so an fsync done there is seen
 * before the iteration's replies leave. The loop wakes at least once per cron
 * tick, which bounds how late a background fsync is noticed.
 * Rejected: a wake-up from the fsync thread (a pipe or eventfd for every
 * fsync, to save at most one cron tick on a wait that is a second long).
 */
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/hotkeys.h"

static ClientList *waiters(Db *db, Slice key, int create) {
    DictEntry *e = dict_find(db->blocking, key.p, key.len);
    if (!e) {
        if (!create) return NULL;
        e = dict_add(db->blocking, key.p, key.len, xcalloc(1, sizeof(ClientList)));
        core.n_blocking_keys++;
    }
    return e->val;
}

int block_refused_in_script(Client *c) {
    if (!(c->flags & CLIENT_SCRIPT)) return 0;
    reply_error(c, "ERR %.*s command is not allowed with BLOCK option from scripts",
                (int)(c->argv[0].len > 64 ? 64 : c->argv[0].len), c->argv[0].p);
    return 1;
}

int parse_block_timeout_ms(Client *c, Slice arg, int64_t *deadline_ms) {
    long long ms;
    if (parse_ll(arg, &ms) != 0) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return -1;
    }
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    int64_t now = now_ms();
    if (ms > INT64_MAX - now) {
        /* Redis 7.2+ refuses a deadline past the clock's range (7.0 let
         * now + ms overflow) */
        reply_error(c, "ERR timeout is out of range");
        return -1;
    }
    *deadline_ms = ms == 0 ? 0 : now + ms;
    return 0;
}

void block_on_keys(Client *pc, const Slice *keys, int n_keys, int64_t timeout_at_ms,
                   BlockServeFn serve, BlockTimeoutFn on_timeout, void *ctx,
                   void (*free_ctx)(void *ctx)) {
    ClientFull *c = CF(pc);
    if (pc->flags & CLIENT_SCRIPT) {
        /* a script never waits (its commands check this first): answer as
         * if the timeout passed rather than stall the script's client */
        if (on_timeout)
            on_timeout(pc, ctx);
        else
            reply_null_array(pc);
        if (free_ctx) free_ctx(ctx);
        return;
    }
    BlockState *b = xcalloc(1, sizeof *b);
    b->keys = argv_copy(n_keys, keys);
    b->n_keys = n_keys;
    b->deadline_ms = timeout_at_ms;
    b->wake_ms = 0;
    b->serve = serve;
    b->on_timeout = on_timeout;
    b->ctx = ctx;
    b->free_ctx = free_ctx;
    b->argc = pc->argc;
    b->argv = argv_copy(pc->argc, pc->argv);
    b->cmd = pc->cmd;
    c->block = b;
    pc->flags |= CLIENT_BLOCKED;
    for (int i = 0; i < n_keys; i++) {
        ClientList *l = waiters(pc->db, b->keys[i], 1);
        int dup = 0;
        for (size_t k = 0; k < l->n; k++) dup |= l->v[k] == c;
        if (!dup) client_list_push(l, c);
    }
    if (core.n_blocked == core.cap_blocked) {
        core.cap_blocked = core.cap_blocked ? core.cap_blocked * 2 : 16;
        core.blocked = xrealloc(core.blocked, core.cap_blocked * sizeof(ClientFull *));
    }
    b->index = core.n_blocked;
    core.blocked[core.n_blocked++] = c;
}

/* Removes c from every wait list and frees its block state. */
void block_unblock(ClientFull *c, int free_only) {
    BlockState *b = c->block;
    if (!b) return;
    /* it replied (served, timed out, CLIENT UNBLOCK): the slow log takes it
     * now, as Redis logs a blocked command; a client that went away is not */
    if (!free_only && b->cmd) {
        latency_account(cmdstats_for(b->cmd), b->exec_us);
        slowlog_check(c, b->cmd, b->argc, b->argv, b->exec_us);
    }
    if (!free_only) reply_skip_advance(&c->pub); /* its answer was the skipped one */
    if (b->polled) core.n_polled--;
    Db *db = c->pub.db;
    for (int i = 0; i < b->n_keys; i++) {
        ClientList *l = waiters(db, b->keys[i], 0);
        if (!l) continue;
        client_list_remove(l, c);
        if (l->n == 0) {
            DictEntry *e = dict_unlink(db->blocking, b->keys[i].p, b->keys[i].len);
            xfree(l->v);
            xfree(l);
            dict_entry_free(e);
            core.n_blocking_keys--;
        }
    }
    size_t idx = b->index;
    core.blocked[idx] = core.blocked[--core.n_blocked];
    if (idx < core.n_blocked) core.blocked[idx]->block->index = idx;
    if (b->free_ctx) b->free_ctx(b->ctx);
    xfree(b->keys);
    xfree(b->argv);
    xfree(b);
    c->block = NULL;
    c->pub.flags &= ~CLIENT_BLOCKED;
}

void block_signal_ready(Db *db, Slice key) {
    if (dict_size(db->blocking) == 0) return;
    if (!dict_find(db->blocking, key.p, key.len)) return;
    if (db->id >= 64) return;
    if (!core.ready_set[db->id]) core.ready_set[db->id] = dict_new();
    if (dict_find(core.ready_set[db->id], key.p, key.len)) return;
    dict_add(core.ready_set[db->id], key.p, key.len, NULL);
    int id = db->id;
    uint32_t len = (uint32_t)key.len;
    buf_append(&core.ready_keys, &id, sizeof id);
    buf_append(&core.ready_keys, &len, sizeof len);
    buf_append(&core.ready_keys, key.p, key.len);
}

/* Runs serve for one blocked client with its original command in place;
 * key is the ready key (NULL for a wake-up time). */
static int try_serve(ClientFull *c, const Slice *key) {
    if (core.pause_mode && pause_take_blocked(c)) return 0; /* runs after the pause */
    BlockState *b = c->block;
    Client *pc = &c->pub;
    int argc = pc->argc;
    Slice *argv = pc->argv;
    const Command *cmd = pc->cmd;
    pc->argc = b->argc;
    pc->argv = b->argv;
    pc->cmd = b->cmd;
    b->wake_ms = 0;
    pc->flags |= CLIENT_REPROCESSING;
    c->replied_error = 0;
    core.no_touch = (pc->flags & CLIENT_NO_TOUCH) != 0; /* a blocked command is never TOUCH */
    /* HOTKEYS charges each serving as a run of the command (Redis runs it again) */
    size_t out_before = buf_live(&c->obuf);
    int64_t t0 = __builtin_expect(core.hotkeys_on, 0) ? real_us() : 0;
    int done = b->serve(pc, key, b->ctx);
    core.no_touch = 0;
    if (__builtin_expect(core.hotkeys_on, 0) && t0)
        hotkeys_record(c, b->cmd, real_us() - t0, out_before);
    /* an error the blocked command ends with counts as its failure */
    if (done && c->replied_error && b->cmd) cmdstats_for(b->cmd)->failed++;
    pc->flags &= ~CLIENT_REPROCESSING;
    pc->argc = argc;
    pc->argv = argv;
    pc->cmd = cmd;
    return done;
}

/* Clients just unblocked may have pipelined commands behind the blocking
 * one; they run from the event loop (block_process_unblocked), never from
 * inside another client's command. */
static uint64_t *unblocked_ids;
static size_t n_unblocked, cap_unblocked;

void block_after_unblock(ClientFull *c) {
    if (n_unblocked == cap_unblocked) {
        cap_unblocked = cap_unblocked ? cap_unblocked * 2 : 16;
        unblocked_ids = xrealloc(unblocked_ids, cap_unblocked * sizeof(uint64_t));
    }
    unblocked_ids[n_unblocked++] = c->pub.id;
}

int block_has_unblocked(void) {
    return n_unblocked > 0;
}

void block_process_unblocked(void) {
    while (n_unblocked > 0) {
        uint64_t *ids = unblocked_ids;
        size_t n = n_unblocked;
        unblocked_ids = NULL;
        n_unblocked = cap_unblocked = 0;
        for (size_t i = 0; i < n; i++) {
            for (ClientFull *c = core.clients; c; c = c->next) {
                if (c->pub.id != ids[i]) continue;
                if (!c->is_closing && !c->block) client_process_input(c);
                break;
            }
        }
        xfree(ids);
    }
}

void block_serve_ready(void) {
    while (buf_live(&core.ready_keys) > 0) {
        Buf list = core.ready_keys;
        buf_init(&core.ready_keys);
        for (int i = 0; i < 64; i++) {
            if (core.ready_set[i]) dict_clear(core.ready_set[i], NULL);
        }
        size_t pos = list.off;
        while (pos < list.len) {
            int id;
            uint32_t len;
            memcpy(&id, list.p + pos, sizeof id);
            memcpy(&len, list.p + pos + sizeof id, sizeof len);
            Slice key = slice_of(list.p + pos + sizeof id + sizeof len, len);
            pos += sizeof id + sizeof len + len;
            Db *db = &core.dbs[id];
            ClientList *l = waiters(db, key, 0);
            if (!l) continue;
            /* snapshot: serving may unblock clients and change the list */
            size_t n = l->n;
            ClientFull **snap = xmemdup(l->v, n * sizeof(ClientFull *));
            for (size_t k = 0; k < n; k++) {
                ClientFull *c = snap[k];
                if (!c->block || c->is_closing) continue;
                if (try_serve(c, &key)) {
                    block_unblock(c, 0);
                    prop_flush(c);
                    block_after_unblock(c);
                    /* that may have been the key's last waiter (a client
                     * that waits on goes on waiting on this key) */
                    if (!waiters(db, key, 0)) break;
                }
            }
            xfree(snap);
        }
        buf_free(&list);
    }
}

void block_set_wakeup(Client *pc, int64_t at_ms) {
    BlockState *b = CF(pc)->block;
    if (b) b->wake_ms = at_ms;
}

/* Serves the blocked clients whose wake-up time has come, then the keys
 * their serving signalled. Runs from the event loop, outside any command. */
static void serve_wakeups(int64_t now) {
    size_t n_due = 0;
    for (size_t i = 0; i < core.n_blocked; i++) {
        int64_t w = core.blocked[i]->block->wake_ms;
        n_due += w && w <= now;
    }
    if (n_due == 0) return;
    ClientFull **due = xmalloc(n_due * sizeof(ClientFull *));
    size_t k = 0;
    for (size_t i = 0; i < core.n_blocked; i++) {
        int64_t w = core.blocked[i]->block->wake_ms;
        if (w && w <= now) due[k++] = core.blocked[i];
    }
    /* As dispatch does for a command: one clock for the whole serve. */
    core.executing = 1;
    core.cmd_time_us = 0;
    core.cmd_time_ms = 0;
    core.cmd_time_us = now_us();
    core.cmd_time_ms = core.cmd_time_us / 1000;
    for (size_t i = 0; i < k; i++) {
        ClientFull *c = due[i];
        /* Serving an earlier one cannot unblock or free this one (keys are
         * served below), but stay defensive about closing clients. */
        if (!c->block || c->is_closing || !c->block->wake_ms) continue;
        if (try_serve(c, NULL)) {
            block_unblock(c, 0);
            prop_flush(c);
            block_after_unblock(c);
        } else {
            prop_flush(c);
        }
    }
    xfree(due);
    block_serve_ready();
    prop_flush(NULL);
    core.executing = 0;
}

void block_check_timeouts(void) {
    if (core.n_blocked == 0) return;
    int64_t now = now_ms();
    serve_wakeups(now);
    for (size_t i = 0; i < core.n_blocked;) {
        ClientFull *c = core.blocked[i];
        BlockState *b = c->block;
        if (b->deadline_ms && b->deadline_ms <= now) {
            if (b->on_timeout)
                b->on_timeout(&c->pub, b->ctx);
            else
                reply_null_array(&c->pub);
            block_unblock(c, 0);
            block_after_unblock(c);
            continue; /* slot i now holds another client */
        }
        i++;
    }
}

int64_t block_nearest_deadline(void) {
    int64_t best = 0;
    for (size_t i = 0; i < core.n_blocked; i++) {
        int64_t d = core.blocked[i]->block->deadline_ms;
        if (d && (best == 0 || d < best)) best = d;
        d = core.blocked[i]->block->wake_ms;
        if (d && (best == 0 || d < best)) best = d;
    }
    return best;
}

/* Blocked clients that have a timeout (INFO's clients_in_timeout_table:
 * Redis keeps only those in its table, not clients blocked forever). */
size_t block_count_with_timeout(void) {
    size_t n = 0;
    for (size_t i = 0; i < core.n_blocked; i++) n += core.blocked[i]->block->deadline_ms != 0;
    return n;
}

typedef struct TouchCtx {
    Db *db;
    Slice *keys;
    size_t n, cap;
} TouchCtx;

static void collect_blocking_key(void *priv, DictEntry *e) {
    TouchCtx *t = priv;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->keys = xrealloc(t->keys, t->cap * sizeof(Slice));
    }
    t->keys[t->n++] = slice_of(e->key, e->key_len);
}

/* Every key clients wait on in db is ready (FLUSHDB, SWAPDB): their handlers
 * look again and answer as the new contents say. */
void block_touch_db(Db *db) {
    if (dict_size(db->blocking) == 0) return;
    TouchCtx t = {db, NULL, 0, 0};
    uint64_t cur = 0;
    do {
        cur = dict_scan(db->blocking, cur, collect_blocking_key, &t);
    } while (cur);
    for (size_t i = 0; i < t.n; i++) block_signal_ready(db, t.keys[i]);
    xfree(t.keys);
}

void block_set_polled(Client *c) {
    BlockState *b = CF(c)->block;
    if (b && !b->polled) {
        b->polled = 1;
        core.n_polled++;
    }
}

void block_set_no_unblock(Client *c) {
    BlockState *b = CF(c)->block;
    if (b) b->no_unblock = 1;
}

/* Offers every polled client its condition once. Runs after the persistence
 * hooks of the loop iteration (a WAITAOF sees the fsync just done) and before
 * replies are written; the commands pipelined behind a released client run at
 * the start of the next iteration, which then does not sleep. */
void block_poll(void) {
    if (core.n_polled == 0) return;
    for (size_t i = 0; i < core.n_blocked;) {
        ClientFull *c = core.blocked[i];
        if (c->block->polled && !c->is_closing && try_serve(c, NULL)) {
            block_unblock(c, 0);
            block_after_unblock(c);
            continue; /* slot i now holds another client */
        }
        i++;
    }
}

void block_set_unblock_on_nokey(Client *c) {
    if (CF(c)->block) CF(c)->block->on_nokey = 1;
}

typedef struct NokeyCount {
    uint64_t n;
} NokeyCount;

static void count_nokey(void *priv, DictEntry *e) {
    NokeyCount *nc = priv;
    ClientList *l = e->val;
    for (size_t k = 0; k < l->n; k++) {
        if (l->v[k]->block && l->v[k]->block->on_nokey) {
            nc->n++;
            return;
        }
    }
}

/* Keys with at least one waiter that is unblocked by the key's deletion. */
uint64_t block_count_keys_on_nokey(void) {
    NokeyCount nc = {0};
    for (int i = 0; i < core.n_dbs; i++) dict_foreach(core.dbs[i].blocking, count_nokey, &nc);
    return nc.n;
}
