/*
 * dispatch.c - from a parsed argv to a handler: the central checks, the
 * call, statistics, transactions (MULTI/EXEC/WATCH) and the propagation of
 * the records a call emitted.
 *
 * Check order follows Redis 7 so clients see the same error for the same
 * mistake: unknown command, unknown subcommand, arity, authentication,
 * commands refused inside MULTI, OOM, loading, refused writes; inside MULTI
 * any of these marks the transaction so EXEC answers EXECABORT.
 *
 * Propagation: handlers add records while they run; after the top-level call
 * (or the whole EXEC) the records go to the sink, wrapped in MULTI/EXEC when
 * there is more than one, so replaying them is atomic as the original was.
 * With no sink (no AOF), records are dropped immediately and cost nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/hotkeys.h"
#include "server/replica.h"
#include "server/tracking.h"

typedef struct PropRecord {
    int db;
    size_t off; /* start in core.prop_buf */
} PropRecord;

/* What prop_flush keeps for the next command: room for ordinary commands
 * and transactions. A bigger one (an XREADGROUP claiming thousands of
 * entries makes a record each) grows its own and frees it after, rather
 * than leave up to a megabyte allocated for good (as Redis keeps its AOF
 * buffer only while it is small). */
#define PROP_KEEP_BYTES   (64u << 10)
#define PROP_KEEP_RECORDS 1024

struct WatchedKey {
    int db;
    char *key;
    size_t len;
    int expired_at_watch; /* the key was already logically expired at WATCH */
};

static int key_logically_expired(Db *db, const char *key, size_t len) {
    DictEntry *e = dict_find(db->keys, key, len);
    return e && e->expire_ms >= 0 && e->expire_ms < now_ms();
}

/* A watched key that expired after WATCH counts as changed, even if no
 * lookup has deleted it yet (Redis 7 does the same check at EXEC). */
static int watched_key_expired(ClientFull *c) {
    for (int i = 0; i < c->n_watched; i++) {
        struct WatchedKey *w = &c->watched[i];
        if (!w->expired_at_watch && key_logically_expired(&core.dbs[w->db], w->key, w->len))
            return 1;
    }
    return 0;
}

Slice *argv_copy(int argc, const Slice *argv) {
    size_t bytes = sizeof(Slice) * (size_t)argc;
    for (int i = 0; i < argc; i++) bytes += argv[i].len + 1;
    Slice *v = xmalloc(bytes ? bytes : 1);
    char *p = (char *)(v + argc);
    for (int i = 0; i < argc; i++) {
        if (argv[i].len) memcpy(p, argv[i].p, argv[i].len);
        p[argv[i].len] = '\0';
        v[i].p = p;
        v[i].len = argv[i].len;
        p += argv[i].len + 1;
    }
    return v;
}

/* ---- propagation ------------------------------------------------------ */

/* core.sink is the one function called per record: the AOF's, the
 * replication stream's, or both through fan_out(), so that the command path
 * pays for replication only while a backlog exists. */
static PropagateSink aof_sink_fn, repl_sink_fn;

static void fan_out(int db_index, const char *resp, size_t len) {
    aof_sink_fn(db_index, resp, len);
    repl_sink_fn(db_index, resp, len);
}

static void choose_sink(void) {
    core.sink = aof_sink_fn && repl_sink_fn ? fan_out : aof_sink_fn ? aof_sink_fn : repl_sink_fn;
}

void propagate_set_sink(PropagateSink sink) {
    aof_sink_fn = sink;
    choose_sink();
}

void propagate_set_repl_sink(PropagateSink sink) {
    repl_sink_fn = sink;
    choose_sink();
}

int propagate_is_active(void) {
    return core.sink != NULL && !server.loading;
}

void propagate_db(int db_index, int argc, const Slice *argv) {
    if (!core.sink || server.loading || core.prop_suppressed) return;
    if (core.n_prop == core.cap_prop) {
        core.cap_prop = core.cap_prop ? core.cap_prop * 2 : 8;
        core.prop = xrealloc(core.prop, core.cap_prop * sizeof(PropRecord));
    }
    PropRecord *r = &core.prop[core.n_prop++];
    r->db = db_index;
    r->off = core.prop_buf.len;
    resp_append_command(&core.prop_buf, argc, argv);
    if (!core.executing) prop_flush(NULL);
}

void propagate(Client *c, int argc, const Slice *argv) {
    propagate_db(c->db->id, argc, argv);
}

void propagate_argv(Client *c) {
    propagate_db(c->db->id, c->argc, c->argv);
}

/* Hands the records of the command just run to the sink, wrapped in
 * MULTI/EXEC when there are several so that a replay applies all or none.
 * server.write_offset counts the bytes handed over; c (NULL when no client's
 * command made them: expiry) keeps the offset its last records ended at, for
 * WAITAOF. */
void prop_flush(ClientFull *c) {
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
    if (core.n_prop == 0) return;
    int wrap = core.n_prop > 1;
    if (core.sink) {
        if (wrap) core.sink(core.prop[0].db, multi, sizeof multi - 1);
        for (size_t i = 0; i < core.n_prop; i++) {
            size_t end = i + 1 < core.n_prop ? core.prop[i + 1].off : core.prop_buf.len;
            core.sink(core.prop[i].db, core.prop_buf.p + core.prop[i].off, end - core.prop[i].off);
        }
        if (wrap) core.sink(core.prop[core.n_prop - 1].db, exec, sizeof exec - 1);
        server.write_offset +=
            (long long)core.prop_buf.len + (wrap ? (long long)(sizeof multi + sizeof exec - 2) : 0);
        if (c) {
            c->woff = server.write_offset;
            c->repl_woff = server.master_repl_offset;
        }
    }
    core.n_prop = 0;
    buf_clear(&core.prop_buf);
    /* do not keep a large buffer after a large command, nor the records of
     * one (an XREADGROUP claiming a million entries makes a million) */
    if (core.prop_buf.cap > PROP_KEEP_BYTES) buf_free(&core.prop_buf);
    if (core.cap_prop > PROP_KEEP_RECORDS) {
        xfree(core.prop);
        core.prop = NULL;
        core.cap_prop = 0;
    }
}

size_t prop_memory(void) {
    return xsize(core.prop_buf.p) + xsize(core.prop);
}

/* ---- statistics ------------------------------------------------------- */

size_t cmdstats_memory(void) {
    size_t n = xsize(core.cmdstats);
    for (size_t i = 0; i < core.n_cmdstats; i++)
        n += xsize(core.cmdstats[i]) + xsize(core.cmdstats[i]->lat);
    return n;
}

static void add_value_size(void *priv, DictEntry *e) {
    *(size_t *)priv += xsize(e->val);
}

size_t errorstats_memory(void) {
    if (!core.errorstats) return 0;
    size_t n = dict_memory(core.errorstats);
    dict_foreach(core.errorstats, add_value_size, &n);
    return n;
}

/* The stats of a command (made on first use, never freed): looked up on every call, so a
 * direct-mapped cache by the command's address answers before the list is searched (which grows
 * with every distinct command clients have used). */
#define CMDSTATS_CACHE 256
static CommandStats *cmdstats_cache[CMDSTATS_CACHE];

CommandStats *cmdstats_for(const Command *cmd) {
    size_t slot = ((uintptr_t)cmd / sizeof(Command)) % CMDSTATS_CACHE;
    CommandStats *hit = cmdstats_cache[slot];
    if (hit && hit->cmd == cmd) return hit;
    for (size_t i = 0; i < core.n_cmdstats; i++) {
        if (core.cmdstats[i]->cmd == cmd) {
            cmdstats_cache[slot] = core.cmdstats[i];
            return core.cmdstats[i];
        }
    }
    core.cmdstats = xrealloc(core.cmdstats, (core.n_cmdstats + 1) * sizeof(CommandStats *));
    CommandStats *s = xcalloc(1, sizeof *s);
    core.cmdstats[core.n_cmdstats++] = s;
    s->cmd = cmd;
    cmdstats_cache[slot] = s;
    const Command *parent = command_parent(cmd);
    if (parent)
        snprintf(s->name, sizeof s->name, "%s|%s", parent->name, cmd->name);
    else
        snprintf(s->name, sizeof s->name, "%s", cmd->name);
    return s;
}

void stats_count_error(const char *line) {
    core.stat_total_error_replies++;
    size_t n = strcspn(line, " ");
    if (n == 0 || n > 64) return;
    if (!core.errorstats) core.errorstats = dict_new();
    DictEntry *e = dict_find(core.errorstats, line, n);
    if (!e) {
        if (dict_size(core.errorstats) >= 128) return;
        e = dict_add(core.errorstats, line, n, xcalloc(1, sizeof(uint64_t)));
    }
    (*(uint64_t *)e->val)++;
}

/* ---- WATCH ------------------------------------------------------------ */

static ClientList *list_for(Dict *d, Slice key, int create) {
    DictEntry *e = dict_find(d, key.p, key.len);
    if (!e) {
        if (!create) return NULL;
        e = dict_add(d, key.p, key.len, xcalloc(1, sizeof(ClientList)));
    }
    return e->val;
}

void watch_key(ClientFull *c, Slice key) {
    for (int i = 0; i < c->n_watched; i++) {
        struct WatchedKey *w = &c->watched[i];
        if (w->db == c->db_index && w->len == key.len && memcmp(w->key, key.p, key.len) == 0)
            return;
    }
    if (c->n_watched == c->cap_watched) {
        c->cap_watched = c->cap_watched ? c->cap_watched * 2 : 4;
        c->watched = xrealloc(c->watched, (size_t)c->cap_watched * sizeof(struct WatchedKey));
    }
    struct WatchedKey *w = &c->watched[c->n_watched++];
    w->db = c->db_index;
    w->key = xmemdup(key.p, key.len);
    w->len = key.len;
    w->expired_at_watch = key_logically_expired(c->pub.db, key.p, key.len);
    client_list_push(list_for(c->pub.db->watched, key, 1), c);
}

void watch_unwatch_all(ClientFull *c) {
    for (int i = 0; i < c->n_watched; i++) {
        struct WatchedKey *w = &c->watched[i];
        Db *db = &core.dbs[w->db];
        Slice key = slice_of(w->key, w->len);
        ClientList *l = list_for(db->watched, key, 0);
        if (l) {
            client_list_remove(l, c);
            if (l->n == 0) {
                DictEntry *e = dict_unlink(db->watched, key.p, key.len);
                xfree(l->v);
                xfree(l);
                dict_entry_free(e);
            }
        }
        xfree(w->key);
    }
    xfree(c->watched);
    c->watched = NULL;
    c->n_watched = c->cap_watched = 0;
}

void watch_touch(Db *db, Slice key) {
    if (dict_size(db->watched) == 0) return;
    ClientList *l = list_for(db->watched, key, 0);
    if (!l) return;
    for (size_t k = 0; k < l->n; k++) l->v[k]->pub.flags |= CLIENT_DIRTY_CAS;
}

typedef struct TouchAll {
    Db *db;
    Db *other;
} TouchAll;

static void touch_if_exists(void *priv, DictEntry *e) {
    TouchAll *t = priv;
    ClientList *l = e->val;
    if (!dict_find(t->db->keys, e->key, e->key_len) &&
        !(t->other && dict_find(t->other->keys, e->key, e->key_len)))
        return;
    for (size_t k = 0; k < l->n; k++) l->v[k]->pub.flags |= CLIENT_DIRTY_CAS;
}

/* Marks dirty the watchers of db's keys that exist in db or in other (may be
 * NULL): a flush changes only keys that existed, a swap those in either db.
 * Call before the flush or swap. */
void watch_touch_all(Db *db, Db *other) {
    TouchAll t = {db, other};
    dict_foreach(db->watched, touch_if_exists, &t);
}

/* ---- MULTI ------------------------------------------------------------ */

void multi_discard(ClientFull *c) {
    for (int i = 0; i < c->mq_n; i++) xfree(c->mq[i].argv);
    xfree(c->mq);
    c->mq = NULL;
    c->mq_n = c->mq_cap = 0;
    c->mq_bytes = 0;
    c->pub.flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
    watch_unwatch_all(c);
}

static void multi_queue(ClientFull *c, const Command *cmd) {
    if (c->mq_n == c->mq_cap) {
        c->mq_cap = c->mq_cap ? c->mq_cap * 2 : 8;
        c->mq = xrealloc(c->mq, (size_t)c->mq_cap * sizeof(QueuedCommand));
    }
    QueuedCommand *q = &c->mq[c->mq_n++];
    q->argc = c->pub.argc;
    q->argv = argv_copy(c->pub.argc, c->pub.argv);
    q->cmd = cmd;
    c->mq_bytes += (size_t)q->argc * sizeof(Slice);
    for (int i = 0; i < q->argc; i++) c->mq_bytes += q->argv[i].len + 1;
    reply_status(&c->pub, "QUEUED");
}

static void flag_transaction(ClientFull *c) {
    if (c->pub.flags & CLIENT_MULTI) c->pub.flags |= CLIENT_DIRTY_EXEC;
}

static void cmd_exec_run(ClientFull *c) {
    Client *pc = &c->pub;
    if (!(pc->flags & CLIENT_MULTI)) {
        reply_error(pc, "ERR EXEC without MULTI");
        return;
    }
    if (pc->flags & CLIENT_DIRTY_EXEC) {
        reply_error(pc, "EXECABORT Transaction discarded because of previous errors.");
        multi_discard(c);
        return;
    }
    if ((pc->flags & CLIENT_DIRTY_CAS) || watched_key_expired(c)) {
        reply_null_array(pc);
        multi_discard(c);
        return;
    }
    /* Refuse the whole transaction if it writes while writes are refused. */
    if (server.write_refused) {
        for (int i = 0; i < c->mq_n; i++) {
            if (c->mq[i].cmd->flags & CMD_WRITE) {
                reply_error(pc, "EXECABORT Transaction discarded because of: %s",
                            server.write_refused);
                multi_discard(c);
                return;
            }
        }
    }
    watch_unwatch_all(c);
    int orig_argc = pc->argc;
    Slice *orig_argv = pc->argv;
    const Command *orig_cmd = pc->cmd;
    reply_array(pc, (size_t)c->mq_n);
    pc->flags |= CLIENT_EXECUTING_MULTI;
    core.in_exec = 1;
    QueuedCommand *mq = c->mq;
    int n = c->mq_n;
    c->mq = NULL;
    c->mq_n = c->mq_cap = 0;
    c->mq_bytes = 0;
    pc->flags &= ~CLIENT_MULTI;
    for (int i = 0; i < n; i++) {
        pc->argc = mq[i].argc;
        pc->argv = mq[i].argv;
        /* ACLs are checked again (they may have changed since the command
         * was queued), as OOM is, as Redis does */
        int pos = 0, rc = ACL_OK;
        if (__builtin_expect(!c->user->is_unrestricted, 0))
            rc = acl_check_command(c->user, mq[i].cmd, pc->argc, pc->argv, &pos);
        if (rc != ACL_OK) {
            const char *why = rc == ACL_DENIED_CMD   ? "no permission to execute the command or "
                                                       "subcommand"
                              : rc == ACL_DENIED_KEY ? "no permission to touch the specified keys"
                                                     : "no permission to access one of the "
                                                       "channels used as arguments";
            Slice object =
                rc == ACL_DENIED_CMD ? slice_cstr(acl_command_fullname(mq[i].cmd)) : pc->argv[pos];
            acl_log_add(c, rc, ACL_CTX_MULTI, object, slice_of(c->user->name, c->user->name_len));
            reply_error(pc,
                        "NOPERM ACLs rules changed between the moment the transaction was "
                        "accumulated and the EXEC call. This command is no longer allowed for the "
                        "following reason: %s",
                        why);
            continue;
        }
        call_command(c, mq[i].cmd);
    }
    for (int i = 0; i < n; i++) xfree(mq[i].argv);
    xfree(mq);
    pc->flags &= ~(CLIENT_EXECUTING_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
    core.in_exec = 0;
    pc->argc = orig_argc;
    pc->argv = orig_argv;
    pc->cmd = orig_cmd;
}

/* ---- the call --------------------------------------------------------- */

void call_command(ClientFull *c, const Command *cmd) {
    Client *pc = &c->pub;
    pc->cmd = cmd;
    c->replied_error = 0;
    CommandStats *st = cmdstats_for(cmd);
    c->last_cmd = st->name;
    /* The duration takes one clock read: the call starts when the previous
     * one (or the dispatch) ended. */
    int64_t start = core.call_start_us;
    /* CLIENT NO-TOUCH: access times stay, except for TOUCH, which is asked
     * to set them */
    core.no_touch = (pc->flags & CLIENT_NO_TOUCH) && strcmp(cmd->name, "touch") != 0;
    size_t out_before = buf_live(&c->obuf); /* HOTKEYS: the reply's size */
    cmd->proc(pc);
    core.no_touch = 0;
    if (__builtin_expect(c->close_after_command, 0)) {
        c->close_after_command = 0;
        pc->flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
    /* client-side caching: one predictable test while no client tracks */
    if (__builtin_expect(core.n_tracking_clients != 0, 0) && (cmd->flags & CMD_READONLY))
        tracking_remember(c, cmd);
    int64_t end = real_us();
    int64_t dur = end - start;
    core.call_start_us = end;
    st->calls++;
    st->usec += (uint64_t)(dur > 0 ? dur : 0);
    if (c->replied_error) st->failed++;
    if (__builtin_expect(core.hotkeys_on, 0)) hotkeys_record(c, cmd, dur, out_before);
    core.stat_cmds++;
    c->n_commands++;
    if (core.monitors.n && !(cmd->flags & CMD_SKIP_MONITOR))
        monitor_feed(c, cmd, pc->argc, pc->argv);
    if (c->block) {
        c->block->exec_us = dur > 0 ? dur : 0; /* counted when it is unblocked */
    } else {
        latency_account(st, dur);
        slowlog_check(c, cmd, pc->argc, pc->argv, dur > 0 ? dur : 0);
    }
}

static const Command *find_sub(const Command *parent, Slice name) {
    for (const Command *s = parent->subcommands; s && s->name; s++)
        if (slice_eq_nocase(name, s->name)) return s;
    return NULL;
}

/* Whether cmd is EXEC, on every command's path: the first letter settles
 * it for all the others, without a call to strcmp(). */
static inline int is_exec(const Command *cmd) {
    return cmd->name[0] == 'e' && strcmp(cmd->name, "exec") == 0;
}

static void reject(ClientFull *c, const Command *cmd, const char *fmt, const char *a,
                   const char *b) {
    if (cmd && is_exec(cmd)) {
        /* a refused EXEC aborts the transaction it would have run (Redis
         * answers EXECABORT even outside MULTI) */
        Buf msg;
        buf_init(&msg);
        buf_printf(&msg, fmt, a, b);
        buf_append_char(&msg, '\0');
        const char *text = msg.p;
        if (strncmp(text, "ERR ", 4) == 0) text += 4;
        reply_error(&c->pub, "EXECABORT Transaction discarded because of: %s", text);
        buf_free(&msg);
        multi_discard(c);
        cmdstats_for(cmd)->rejected++;
        /* the monitors saw MULTI: they see the EXEC that ends it */
        if (core.monitors.n) monitor_feed(c, cmd, c->pub.argc, c->pub.argv);
        return;
    }
    reply_error(&c->pub, fmt, a, b);
    flag_transaction(c);
    if (cmd) cmdstats_for(cmd)->rejected++;
}

/* Checks c's user may run cmd with its arguments; if not, logs and refuses
 * it (1). */
static int acl_refuse(ClientFull *c, const Command *cmd) {
    Client *pc = &c->pub;
    int pos = 0;
    int rc = acl_check_command(c->user, cmd, pc->argc, pc->argv, &pos);
    if (rc == ACL_OK) return 0;
    Slice object = rc == ACL_DENIED_CMD ? slice_cstr(acl_command_fullname(cmd)) : pc->argv[pos];
    /* the log's client info names the refused command, as Redis's does */
    c->last_cmd = cmdstats_for(cmd)->name;
    acl_log_add(c, rc, (pc->flags & CLIENT_MULTI) ? ACL_CTX_MULTI : ACL_CTX_TOPLEVEL, object,
                slice_of(c->user->name, c->user->name_len));
    Buf msg;
    buf_init(&msg);
    acl_denied_message(&msg, rc, c->user, cmd, object, 0);
    buf_append_char(&msg, '\0');
    reject(c, cmd, "NOPERM %s%s", msg.p, "");
    buf_free(&msg);
    return 1;
}

/* What may still be sent in MULTI over maxmemory. */
static int ends_transaction(const Command *cmd) {
    return strcmp(cmd->name, "exec") == 0 || strcmp(cmd->name, "discard") == 0 ||
           strcmp(cmd->name, "quit") == 0 || strcmp(cmd->name, "reset") == 0;
}

static int is_multi_control(const Command *cmd) {
    return strcmp(cmd->name, "exec") == 0 || strcmp(cmd->name, "discard") == 0 ||
           strcmp(cmd->name, "multi") == 0 || strcmp(cmd->name, "watch") == 0 ||
           strcmp(cmd->name, "quit") == 0 || strcmp(cmd->name, "reset") == 0;
}

/* Runs the command in c->pub.argv with every central check first. */
void dispatch_command(ClientFull *c) {
    Client *pc = &c->pub;
    char namebuf[160];
    core.executing = 1;
    /* The clock was read when this batch of input started or when the
     * previous command ended (call_command), so a pipelined command costs
     * one clock read, not two. */
    core.cmd_time_us = core.call_start_us ? core.call_start_us : real_us();
    core.cmd_time_ms = core.cmd_time_us / 1000;
    core.call_start_us = core.cmd_time_us;
    c->last_ms = core.cmd_time_ms;

    const Command *cmd = command_lookup(pc->argv[0].p, pc->argv[0].len);
    if (!cmd) {
        Buf args;
        buf_init(&args);
        for (int i = 1; i < pc->argc && args.len < 128; i++) {
            int room = 128 - (int)args.len;
            buf_printf(&args, "'%.*s' ",
                       (int)(pc->argv[i].len < (size_t)room ? pc->argv[i].len : (size_t)room),
                       pc->argv[i].p);
        }
        buf_append_char(&args, '\0');
        snprintf(namebuf, sizeof namebuf, "%.*s",
                 (int)(pc->argv[0].len > 128 ? 128 : pc->argv[0].len), pc->argv[0].p);
        reject(c, NULL, "ERR unknown command '%s', with args beginning with: %s", namebuf, args.p);
        buf_free(&args);
        goto done;
    }
    /* A subcommand is never MULTI's own EXEC, DISCARD, ... (HIMPORT DISCARD) */
    int is_sub = 0;
    if (cmd->subcommands && !(pc->argc == 1 && cmd->proc)) {
        if (pc->argc == 1) {
            reject(c, cmd, "ERR wrong number of arguments for '%s' command%s", cmd->name, "");
            goto done;
        }
        const Command *sub = find_sub(cmd, pc->argv[1]);
        if (!sub) {
            char up[64];
            snprintf(up, sizeof up, "%s", cmd->name);
            for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
            snprintf(namebuf, sizeof namebuf, "%.*s",
                     (int)(pc->argv[1].len > 128 ? 128 : pc->argv[1].len), pc->argv[1].p);
            /* not counted as a rejected call of the container (Redis) */
            reject(c, NULL, "ERR unknown subcommand '%s'. Try %s HELP.", namebuf, up);
            goto done;
        }
        cmd = sub;
        is_sub = 1;
    }
    if ((cmd->arity > 0 && pc->argc != cmd->arity) || (pc->argc < -cmd->arity)) {
        pc->cmd = cmd;
        if (is_exec(cmd)) {
            reject(c, cmd, "ERR wrong number of arguments for '%s' command%s", "exec", "");
            goto done;
        }
        reply_arity_error(pc);
        flag_transaction(c);
        cmdstats_for(cmd)->rejected++;
        goto done;
    }
    if (__builtin_expect((cmd->flags & CMD_PROTECTED) != 0, 0)) {
        /* DEBUG, or a subcommand of MODULE: the setting is named after it */
        int is_debug = cmd->name[0] == 'd';
        if (!protected_allows(
                is_debug ? settings.enable_debug_command : settings.enable_module_command, pc)) {
            reject(c, cmd,
                   "ERR %s command not allowed. If the enable-%s-command option is set to "
                   "\"local\", you can run it from a local connection, otherwise you need to "
                   "set this option in the configuration file, and then restart the server.",
                   is_debug ? "DEBUG" : "MODULE", is_debug ? "debug" : "module");
            goto done;
        }
    }
    if (!(pc->flags & CLIENT_AUTHENTICATED) && !(cmd->flags & CMD_NO_AUTH) && acl_auth_required()) {
        reject(c, cmd, "NOAUTH Authentication required.%s%s", "", "");
        goto done;
    }
    if ((pc->flags & CLIENT_MULTI) && (cmd->flags & CMD_NO_MULTI)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction%s%s", "", "");
        goto done;
    }
    /* ACL: one predictable test for a user that may do everything */
    if (__builtin_expect(!c->user->is_unrestricted, 0) && acl_refuse(c, cmd)) goto done;
    /* The AOF loader's fake client replays what was already accepted: no
     * OOM, LOADING or refused-write checks for it (as Redis's AOF client). */
    int is_fake = (pc->flags & CLIENT_FAKE) != 0;
    /* Over maxmemory keys are evicted first (evict.c, by maxmemory-policy;
     * not while a busy script runs: this dispatch is then nested in it).
     * When that cannot bring memory under the limit a transaction queues
     * nothing (its queue would grow without bound) but may still be ended,
     * and commands that may grow memory are refused, as Redis does. */
    if (!is_fake && settings.maxmemory > 0 && !core.script_busy && evict_perform() != 0 &&
        ((cmd->flags & CMD_DENYOOM) ||
         ((pc->flags & CLIENT_MULTI) && (is_sub || !ends_transaction(cmd))))) {
        reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.%s%s", "", "");
        goto done;
    }
    /* client-side caching: c becomes the current client, and the tracking
     * table is kept within its limit before each command, as 7.0 does (one
     * predictable test while no client tracks) */
    if (__builtin_expect(core.tracking_on, 0)) tracking_before_command(c);
    if (server.loading && !is_fake && !(cmd->flags & CMD_LOADING)) {
        reject(c, cmd, "LOADING Redis is loading the dataset in memory%s%s", "", "");
        goto done;
    }
    /* A script past busy-reply-threshold is running (this dispatch is nested
     * in it, script.c): only what may run beside it does. */
    if (__builtin_expect(core.script_busy, 0) && !(cmd->flags & CMD_ALLOW_BUSY)) {
        reject(c, cmd, "%s%s", SCRIPT_BUSY_REPLY(), "");
        goto done;
    }
    /* PING too for a disk error (MISCONF), as Redis 7.0: a health check that
     * sees it; not for too few replicas (NOREPLICAS, repl.c), which 7.0
     * refuses when a write is queued in MULTI too. */
    if (server.write_refused && !is_fake &&
        ((cmd->flags & CMD_WRITE) ||
         (server.write_refused[0] == 'M' && strcmp(cmd->name, "ping") == 0)) &&
        (!(pc->flags & CLIENT_MULTI) || server.write_refused[0] == 'N')) {
        reject(c, cmd, "%s%s", server.write_refused, "");
        goto done;
    }
    /* A replica: READONLY, MASTERDOWN (replica.c) */
    if (__builtin_expect(core.is_replica, 0)) {
        const char *why = replica_refusal(pc, cmd);
        if (why) {
            reject(c, cmd, "%s%s", why, "");
            goto done;
        }
    }
    /* Over RESP2 a subscribed client reads only Pub/Sub frames: the commands
     * it may send are those that keep to them. */
    if (__builtin_expect((pc->flags & CLIENT_PUBSUB) != 0, 0) && pc->resp == 2 &&
        !pubsub_allowed(cmd)) {
        reject(c, cmd,
               "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
               "RESET are allowed in this context%s",
               cmdstats_for(cmd)->name, "");
        goto done;
    }
    /* A monitor is a replica to Redis, and replicas may not use the
     * keyspace (queued commands included). */
    if ((pc->flags & (CLIENT_MONITOR | CLIENT_SLAVE)) &&
        (cmd->flags & (CMD_READONLY | CMD_WRITE | CMD_MAY_REPLICATE))) {
        reject(c, cmd, "ERR Replica can't interact with the keyspace%s%s", "", "");
        goto done;
    }
    /* CLIENT PAUSE holds what its mode covers, queued commands included
     * (pause.c): one predictable test per command while no pause is active. */
    if (core.pause_mode && pause_hold(c, cmd)) goto done;
    if ((pc->flags & CLIENT_MULTI) && (is_sub || !is_multi_control(cmd))) {
        multi_queue(c, cmd);
        goto done;
    }
    if (is_exec(cmd)) {
        pc->cmd = cmd;
        int64_t t0 = core.call_start_us;
        cmd_exec_run(c);
        int64_t t1 = real_us(), dur = t1 > t0 ? t1 - t0 : 0;
        core.call_start_us = t1;
        CommandStats *st = cmdstats_for(cmd);
        st->calls++;
        st->usec += (uint64_t)dur;
        latency_account(st, dur);
        core.stat_cmds++;
        /* after the commands it ran, as Redis shows a transaction */
        if (core.monitors.n) monitor_feed(c, cmd, pc->argc, pc->argv);
    } else {
        call_command(c, cmd);
    }
done:
    if (!c->block) reply_skip_advance(pc); /* a blocked command answers later */
    /* client-side caching: CLIENT CACHING's flag, and the invalidations that
     * waited for this reply (one predictable test while no client tracks) */
    if (__builtin_expect(core.tracking_on, 0)) tracking_after_command(c, cmd);
    /* nested in a busy script: its records, clock and wake-ups are the
     * running EVAL's, handled when that ends */
    if (__builtin_expect(core.script_busy, 0)) return;
    prop_flush(c);
    block_serve_ready();
    core.executing = 0;
}
