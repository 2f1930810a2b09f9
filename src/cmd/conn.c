/*
 * conn.c - connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH,
 * SELECT, and the CLIENT family.
 *
 * These touch the connection's own state (protocol, name, database,
 * authentication) and are part of the core, so they include core.h.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "cmd/standalone.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/replica.h"
#include "server/tracking.h"
#include "version.h"

static void cmd_ping(Client *c) {
    if (c->argc > 2) {
        reply_arity_error(c);
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        /* in Pub/Sub mode a RESP2 client can only take arrays */
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        reply_bulk_slice(c, c->argc == 2 ? c->argv[1] : slice_of("", 0));
    } else if (c->argc == 2) {
        reply_bulk_slice(c, c->argv[1]);
    } else {
        reply_status(c, "PONG");
    }
}

static void cmd_echo(Client *c) {
    reply_bulk_slice(c, c->argv[1]);
}

static void cmd_quit(Client *c) {
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void cmd_auth(Client *c) {
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    Slice user = c->argc == 3 ? c->argv[1] : slice_cstr("default");
    Slice pass = c->argv[c->argc - 1];
    if (c->argc == 2 && !acl_auth_required()) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the "
                       "default user. Are you sure your configuration is correct?");
        return;
    }
    if (acl_authenticate(CF(c), user, pass) != 0) {
        reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    reply_ok(c);
}

static int valid_client_name(Slice name) {
    for (size_t i = 0; i < name.len; i++)
        if (name.p[i] < '!' || name.p[i] > '~') return 0;
    return 1;
}

static void set_name(ClientFull *cf, Slice name) {
    xfree(cf->name);
    cf->name = name.len ? xmemdup(name.p, name.len + 1) : NULL;
    if (cf->name) cf->name[name.len] = '\0';
}

static void cmd_hello(Client *c) {
    ClientFull *cf = CF(c);
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (parse_ll(c->argv[1], &ver) != 0) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        next = 2;
        if (ver < 2 || ver > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    Slice setname = {NULL, 0};
    int has_setname = 0;
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (slice_eq_nocase(c->argv[j], "AUTH") && more >= 2) {
            if (acl_authenticate(cf, c->argv[j + 1], c->argv[j + 2]) != 0) {
                reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (slice_eq_nocase(c->argv[j], "SETNAME") && more >= 1) {
            setname = c->argv[j + 1];
            has_setname = 1;
            if (!valid_client_name(setname)) {
                reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
                               "characters.");
                return;
            }
            j++;
        } else {
            char buf[140];
            snprintf(buf, sizeof buf, "%.*s", (int)(c->argv[j].len > 128 ? 128 : c->argv[j].len),
                     c->argv[j].p);
            reply_error(c, "ERR Syntax error in HELLO option '%s'", buf);
            return;
        }
    }
    if (!(c->flags & CLIENT_AUTHENTICATED) && acl_auth_required()) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the same "
                       "time");
        return;
    }
    if (has_setname) set_name(cf, setname);
    if (ver) c->resp = (int)ver;
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, STREAMD_REDIS_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, replica_is_active() ? "replica" : "master");
    reply_bulk_cstr(c, "modules");
    reply_builtin_modules(c);
}

static void cmd_select(Client *c) {
    int id;
    if (get_db_index_or_reply(c, c->argv[1], &id) != 0) return;
    client_set_db(CF(c), id);
    reply_ok(c);
}

static void cmd_reset(Client *c) {
    ClientFull *cf = CF(c);
    multi_discard(cf);
    watch_unwatch_all(cf);
    monitor_remove(cf);
    pubsub_forget(cf);
    tracking_disable(cf);
    himport_discard_all(cf);
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
    client_set_db(cf, 0);
    c->resp = 2;
    set_name(cf, slice_of(NULL, 0));
    c->flags &= ~(CLIENT_NO_EVICT | CLIENT_NO_TOUCH);
    cf->user = acl_default_user();
    if (acl_auth_required())
        c->flags &= ~CLIENT_AUTHENTICATED;
    else
        c->flags |= CLIENT_AUTHENTICATED;
    reply_status(c, "RESET");
}

/* ---- CLIENT ----------------------------------------------------------- */

static void cmd_client_id(Client *c) {
    reply_int(c, (long long)c->id);
}

static void cmd_client_setname(Client *c) {
    if (!valid_client_name(c->argv[2])) {
        reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    set_name(CF(c), c->argv[2]);
    reply_ok(c);
}

static void cmd_client_getname(Client *c) {
    reply_bulk_cstr(c, CF(c)->name);
}

/* CLIENT LIST / KILL TYPE: 0 any, 1 normal, 2 replica (repl.c's replica
 * clients), 3 pubsub, 4 master (the master client of replica.c). A monitor
 * is a normal client, as Redis shows it. */
static int type_matches(const ClientFull *o, int type) {
    int is_pubsub = (o->pub.flags & CLIENT_PUBSUB) != 0;
    int is_replica = (o->pub.flags & CLIENT_SLAVE) != 0;
    int is_master = (o->pub.flags & CLIENT_MASTER) != 0;
    if (is_replica) return type == 0 || type == 2;
    return type == 0 || (type == 1 && !is_pubsub && !is_master) || (type == 3 && is_pubsub) ||
           (type == 4 && is_master);
}

static void cmd_client_list(Client *c) {
    Buf out;
    buf_init(&out);
    int type_filter = 0;
    unsigned long long *ids = NULL;
    int n_ids = 0;
    for (int j = 2; j < c->argc; j++) {
        if (slice_eq_nocase(c->argv[j], "TYPE") && j + 1 < c->argc) {
            Slice t = c->argv[++j];
            if (slice_eq_nocase(t, "normal"))
                type_filter = 1;
            else if (slice_eq_nocase(t, "master"))
                type_filter = 4;
            else if (slice_eq_nocase(t, "replica") || slice_eq_nocase(t, "slave"))
                type_filter = 2;
            else if (slice_eq_nocase(t, "pubsub"))
                type_filter = 3;
            else {
                char b[140];
                snprintf(b, sizeof b, "%.*s", (int)(t.len > 128 ? 128 : t.len), t.p);
                reply_error(c, "ERR Unknown client type '%s'", b);
                goto out;
            }
        } else if (slice_eq_nocase(c->argv[j], "ID") && j + 1 < c->argc) {
            ids = xcalloc((size_t)(c->argc - j), sizeof *ids);
            for (j++; j < c->argc; j++) {
                long long v;
                if (parse_ll(c->argv[j], &v) != 0 || v <= 0) {
                    reply_error(c, "ERR Invalid client ID");
                    goto out;
                }
                ids[n_ids++] = (unsigned long long)v;
            }
        } else {
            reply_syntax_error(c);
            goto out;
        }
    }
    for (ClientFull *o = core.clients; o; o = o->next) {
        if (o->is_closing) continue;
        if (!type_matches(o, type_filter)) continue;
        if (n_ids) {
            int found = 0;
            for (int k = 0; k < n_ids; k++) found |= ids[k] == o->pub.id;
            if (!found) continue;
        }
        client_info_line(o, &out);
        buf_append_char(&out, '\n');
    }
    reply_verbatim(c, out.p ? out.p : "", out.len);
out:
    xfree(ids);
    buf_free(&out);
}

static void cmd_client_info(Client *c) {
    Buf out;
    buf_init(&out);
    client_info_line(CF(c), &out);
    buf_append_char(&out, '\n');
    reply_verbatim(c, out.p, out.len);
    buf_free(&out);
}

static void cmd_client_kill(Client *c) {
    ClientFull *self = CF(c);
    if (c->argc == 3) { /* old form: CLIENT KILL addr:port */
        for (ClientFull *o = core.clients; o; o = o->next) {
            if (o->is_closing) continue;
            if (slice_eq(c->argv[2], slice_cstr(o->addr))) {
                if (o != self) client_close_async(o);
                reply_ok(c);
                /* after the reply, which the flag would drop */
                if (o == self) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
                return;
            }
        }
        reply_error(c, "ERR No such client");
        return;
    }
    if ((c->argc - 2) % 2 != 0) {
        reply_syntax_error(c);
        return;
    }
    long long id = 0, maxage = 0;
    Slice addr = {NULL, 0}, laddr = {NULL, 0}, user = {NULL, 0};
    int type = 0, skipme = 1;
    for (int j = 2; j < c->argc; j += 2) {
        Slice k = c->argv[j], v = c->argv[j + 1];
        if (slice_eq_nocase(k, "ID")) {
            if (parse_ll(v, &id) != 0 || id <= 0) {
                reply_error(c, "ERR client-id should be greater than 0");
                return;
            }
        } else if (slice_eq_nocase(k, "TYPE")) {
            if (slice_eq_nocase(v, "normal"))
                type = 1;
            else if (slice_eq_nocase(v, "master"))
                type = 4;
            else if (slice_eq_nocase(v, "replica") || slice_eq_nocase(v, "slave"))
                type = 2;
            else if (slice_eq_nocase(v, "pubsub"))
                type = 3;
            else {
                char b[140];
                snprintf(b, sizeof b, "%.*s", (int)(v.len > 128 ? 128 : v.len), v.p);
                reply_error(c, "ERR Unknown client type '%s'", b);
                return;
            }
        } else if (slice_eq_nocase(k, "ADDR")) {
            addr = v;
        } else if (slice_eq_nocase(k, "LADDR")) {
            laddr = v;
        } else if (slice_eq_nocase(k, "USER")) {
            user = v;
            if (!acl_find_user(v)) {
                char b[140];
                snprintf(b, sizeof b, "%.*s", (int)(v.len > 128 ? 128 : v.len), v.p);
                reply_error(c, "ERR No such user '%s'", b);
                return;
            }
        } else if (slice_eq_nocase(k, "SKIPME")) {
            if (slice_eq_nocase(v, "yes"))
                skipme = 1;
            else if (slice_eq_nocase(v, "no"))
                skipme = 0;
            else {
                reply_syntax_error(c);
                return;
            }
        } else if (slice_eq_nocase(k, "MAXAGE")) {
            if (parse_ll(v, &maxage) != 0 || maxage < 0) {
                reply_syntax_error(c);
                return;
            }
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    const AclUser *kill_user = user.p ? acl_find_user(user) : NULL;
    long long killed = 0;
    int close_self = 0;
    int64_t now = now_ms();
    for (ClientFull *o = core.clients; o; o = o->next) {
        if (o->is_closing) continue;
        if (id && o->pub.id != (uint64_t)id) continue;
        if (!type_matches(o, type)) continue;
        if (addr.p && !slice_eq(addr, slice_cstr(o->addr))) continue;
        if (laddr.p && !slice_eq(laddr, slice_cstr(o->laddr))) continue;
        if (kill_user && o->user != kill_user) continue;
        if (maxage && (now - o->ctime_ms) / 1000 < maxage) continue;
        if (skipme && o == self) continue;
        if (o == self)
            close_self = 1;
        else
            client_close_async(o);
        killed++;
    }
    reply_int(c, killed);
    if (close_self) c->flags |= CLIENT_CLOSE_AFTER_REPLY; /* after the reply, as Redis */
}

static void cmd_client_setinfo(Client *c) {
    ClientFull *cf = CF(c);
    Slice attr = c->argv[2], val = c->argv[3];
    for (size_t i = 0; i < val.len; i++) {
        if (val.p[i] < '!' || val.p[i] > '~') {
            char b[64];
            snprintf(b, sizeof b, "%.*s", (int)(attr.len > 32 ? 32 : attr.len), attr.p);
            reply_error(c, "ERR %s cannot contain spaces, newlines or special characters.", b);
            return;
        }
    }
    char **dst;
    if (slice_eq_nocase(attr, "lib-name"))
        dst = &cf->lib_name;
    else if (slice_eq_nocase(attr, "lib-ver"))
        dst = &cf->lib_ver;
    else {
        char b[140];
        snprintf(b, sizeof b, "%.*s", (int)(attr.len > 128 ? 128 : attr.len), attr.p);
        reply_error(c, "ERR Unrecognized option '%s'", b);
        return;
    }
    xfree(*dst);
    *dst = NULL;
    if (val.len) {
        *dst = xmemdup(val.p, val.len + 1);
        (*dst)[val.len] = '\0';
    }
    reply_ok(c);
}

static void cmd_client_unblock(Client *c) {
    long long id;
    if (get_ll_or_reply(c, c->argv[2], &id) != 0) return;
    int as_error = 0;
    if (c->argc == 4) {
        if (slice_eq_nocase(c->argv[3], "TIMEOUT"))
            as_error = 0;
        else if (slice_eq_nocase(c->argv[3], "ERROR"))
            as_error = 1;
        else {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    } else if (c->argc > 4) {
        reply_syntax_error(c);
        return;
    }
    for (ClientFull *o = core.clients; o; o = o->next) {
        /* a client held by CLIENT PAUSE is not blocked for this (Redis 7.2+
         * answers 0; 7.0 crashed) */
        if (o->pub.id != (uint64_t)id || !o->block || o->is_closing ||
            (o->pub.flags & CLIENT_POSTPONED) || o->block->no_unblock)
            continue;
        if (as_error) {
            reply_error(&o->pub, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        } else if (o->block->on_timeout) {
            o->block->on_timeout(&o->pub, o->block->ctx);
        } else {
            reply_null_array(&o->pub);
        }
        block_unblock(o, 0);
        block_after_unblock(o); /* its reply and pipelined input go out from the loop */
        reply_int(c, 1);
        return;
    }
    reply_int(c, 0);
}

/* CLIENT PAUSE timeout [WRITE|ALL]: holds the commands of every client
 * (WRITE: those that write) for timeout ms or until CLIENT UNPAUSE; see
 * src/server/pause.c. The mode is checked before the timeout, as Redis
 * does. */
static void cmd_client_pause(Client *c) {
    if (c->argc > 4) {
        reply_error(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                    "CLIENT HELP.",
                    (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    int mode = PAUSE_ALL;
    if (c->argc == 4) {
        if (slice_eq_nocase(c->argv[3], "WRITE")) {
            mode = PAUSE_WRITE;
        } else if (!slice_eq_nocase(c->argv[3], "ALL")) {
            reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    int64_t end;
    if (parse_block_timeout_ms(c, c->argv[2], &end) != 0) return;
    if (end == 0) end = now_ms(); /* 0 ms: a pause already over */
    pause_start(mode, end, (c->flags & CLIENT_EXECUTING_MULTI) != 0);
    reply_ok(c);
}

static void cmd_client_unpause(Client *c) {
    pause_stop();
    reply_ok(c);
}

/* CLIENT NO-EVICT / NO-TOUCH ON|OFF: sets or clears the client's flag. */
static void client_flag_on_off(Client *c, uint32_t flag) {
    if (slice_eq_nocase(c->argv[2], "on"))
        c->flags |= flag;
    else if (slice_eq_nocase(c->argv[2], "off"))
        c->flags &= ~flag;
    else {
        reply_syntax_error(c);
        return;
    }
    reply_ok(c);
}

static void cmd_client_noevict(Client *c) {
    client_flag_on_off(c, CLIENT_NO_EVICT);
    evict_clients_reconsider(); /* OFF: evictable from the next pass, after this reply */
}

/* Redis 7.2: the client's commands leave the keys' access times (OBJECT
 * IDLETIME) as they are, TOUCH excepted. */
static void cmd_client_notouch(Client *c) {
    client_flag_on_off(c, CLIENT_NO_TOUCH);
}

static void cmd_client_help(Client *c) {
    static const char *lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

#define CLI_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
/* CLIENT REPLY ON|OFF|SKIP: OFF drops every reply until ON, SKIP the next
 * command's (ignored while OFF); ON answers OK. dispatch.c moves SKIP along
 * (reply_skip_advance), reply.c drops the replies. */
static void cmd_client_reply(Client *c) {
    Slice mode = c->argv[2];
    if (slice_eq_nocase(mode, "ON")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        reply_ok(c);
    } else if (slice_eq_nocase(mode, "OFF")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (slice_eq_nocase(mode, "SKIP")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_syntax_error(c);
    }
}

static const Command client_subcommands[] = {
    {"id", cmd_client_id, 2, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"setname", cmd_client_setname, 3, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"getname", cmd_client_getname, 2, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"list", cmd_client_list, -2, CMD_ADMIN | CLI_FLAGS, "@admin @slow @dangerous @connection", 0,
     0, 0, NULL},
    {"info", cmd_client_info, 2, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"kill", cmd_client_kill, -3, CMD_ADMIN | CLI_FLAGS, "@admin @slow @dangerous @connection", 0,
     0, 0, NULL},
    {"setinfo", cmd_client_setinfo, 4, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"unblock", cmd_client_unblock, -3, CMD_ADMIN | CLI_FLAGS,
     "@admin @slow @dangerous @connection", 0, 0, 0, NULL},
    {"pause", cmd_client_pause, -3, CMD_ADMIN | CLI_FLAGS, "@admin @slow @dangerous @connection", 0,
     0, 0, NULL},
    {"unpause", cmd_client_unpause, 2, CMD_ADMIN | CLI_FLAGS, "@admin @slow @dangerous @connection",
     0, 0, 0, NULL},
    {"no-evict", cmd_client_noevict, 3, CMD_ADMIN | CLI_FLAGS,
     "@admin @slow @dangerous @connection", 0, 0, 0, NULL},
    {"no-touch", cmd_client_notouch, 3, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"reply", cmd_client_reply, 3, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"tracking", tracking_cmd_tracking, -3, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"caching", tracking_cmd_caching, 3, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"getredir", tracking_cmd_getredir, 2, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"trackinginfo", tracking_cmd_trackinginfo, 2, CLI_FLAGS, "@slow @connection", 0, 0, 0, NULL},
    {"help", cmd_client_help, 2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command conn_commands[] = {
    {"ping", cmd_ping, -1, CMD_FAST, "@fast @connection", 0, 0, 0, NULL},
    {"echo", cmd_echo, 2, CMD_LOADING | CMD_STALE | CMD_FAST, "@fast @connection", 0, 0, 0, NULL},
    {"quit", cmd_quit, -1,
     CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH,
     "@fast @connection", 0, 0, 0, NULL},
    {"reset", cmd_reset, 1,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY,
     "@fast @connection", 0, 0, 0, NULL},
    {"hello", cmd_hello, -1,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY,
     "@fast @connection", 0, 0, 0, NULL},
    {"auth", cmd_auth, -2,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY,
     "@fast @connection", 0, 0, 0, NULL},
    {"select", cmd_select, 2, CMD_LOADING | CMD_STALE | CMD_FAST, "@fast @connection", 0, 0, 0,
     NULL},
    {"client", NULL, -2, 0, "@slow", 0, 0, 0, client_subcommands},
    END_OF_COMMANDS,
};
