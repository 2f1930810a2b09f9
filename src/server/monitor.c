/*
 * monitor.c - MONITOR: clients that receive a line for every command the
 * server runs.
 *
 * A line is a status reply, as Redis sends it:
 *
 *   +<unix seconds>.<microseconds> [<db> <client address>] "ARG" "ARG" ...
 *
 * with each argument quoted and escaped (\n, \r, \t, \a, \b, \" and \\,
 * other bytes outside 0x20-0x7e as \xhh). A command is shown once it has run,
 * with the database it left its client in (SELECT shows the new one), and
 * only if it ran: commands refused before their handler (unknown, wrong
 * arity, NOAUTH, queued inside MULTI) are not shown, commands that failed
 * inside it are. Queued commands are shown when EXEC runs them, before the
 * EXEC line; a blocked command when it blocks, not again when served.
 * Administrative commands (CONFIG, DEBUG, CLIENT LIST, MONITOR itself, ...)
 * are never shown, nor what the AOF loader replays; AUTH's arguments and
 * HELLO's AUTH credentials are shown as "(redacted)".
 *
 * The line is formatted once per command and appended to every monitor's
 * output buffer. A monitor cannot touch the keyspace (Redis answers "Replica
 * can't interact with the keyspace"; dispatch checks that) and leaves the
 * mode with RESET or by disconnecting. With no monitor the cost is one test
 * per command.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

void monitor_add(ClientFull *c) {
    if (c->pub.flags & CLIENT_MONITOR) return;
    c->pub.flags |= CLIENT_MONITOR;
    client_list_push(&core.monitors, c);
}

/* Leaves MONITOR mode (RESET, close); a no-op for other clients. */
void monitor_remove(ClientFull *c) {
    if (!(c->pub.flags & CLIENT_MONITOR)) return;
    c->pub.flags &= ~CLIENT_MONITOR;
    client_list_remove(&core.monitors, c);
}

/* Whether argument i of argv is a credential that neither MONITOR nor the
 * slow log may show: every argument of AUTH, and the two after each AUTH
 * option of HELLO (parsed as HELLO parses its options, so a SETNAME value
 * named "AUTH" is not taken for one). */
int command_arg_redacted(const Command *cmd, int argc, const Slice *argv, int i) {
    if (i == 0) return 0;
    if (strcmp(cmd->name, "auth") == 0) return 1;
    /* ACL SETUSER: the user's name and every rule (passwords among them) */
    if (strcmp(cmd->name, "setuser") == 0) return i >= 2;
    if (strcmp(cmd->name, "migrate") == 0) {
        /* the words after AUTH and AUTH2, parsed as MIGRATE parses them */
        for (int j = 6; j < argc && j < i; j++) {
            int more = argc - 1 - j;
            if (slice_eq_nocase(argv[j], "AUTH") && more >= 1) {
                if (i == j + 1) return 1;
                j += 1;
            } else if (slice_eq_nocase(argv[j], "AUTH2") && more >= 2) {
                if (i == j + 1 || i == j + 2) return 1;
                j += 2;
            } else if (slice_eq_nocase(argv[j], "KEYS")) {
                break;
            }
        }
        return 0;
    }
    if (strcmp(cmd->name, "hello") != 0) return 0;
    for (int j = 2; j < argc && j < i; j++) {
        int more = argc - 1 - j;
        if (slice_eq_nocase(argv[j], "AUTH") && more >= 2) {
            if (i == j + 1 || i == j + 2) return 1;
            j += 2;
        } else if (slice_eq_nocase(argv[j], "SETNAME") && more >= 1) {
            j++;
        } else {
            break;
        }
    }
    return 0;
}

void monitor_feed(ClientFull *c, const Command *cmd, int argc, const Slice *argv) {
    /* the AOF loader's commands are not shown; the master's stream is, as
     * Redis shows a replica's monitors what its master sends */
    if (core.monitors.n == 0 || (c->pub.flags & (CLIENT_FAKE | CLIENT_MASTER)) == CLIENT_FAKE ||
        (cmd->flags & CMD_ADMIN))
        return;
    int64_t us = real_us();
    Buf line;
    buf_init(&line);
    buf_printf(&line, "+%lld.%06lld [%d ", (long long)(us / 1000000), (long long)(us % 1000000),
               c->db_index);
    if (c->pub.flags & CLIENT_UNIX)
        buf_printf(&line, "unix:%s] ", settings.unixsocket ? settings.unixsocket : "");
    else
        buf_printf(&line, "%s] ", c->addr);
    for (int i = 0; i < argc; i++) {
        if (i > 0) buf_append_char(&line, ' ');
        if (command_arg_redacted(cmd, argc, argv, i))
            buf_append_cstr(&line, "\"(redacted)\"");
        else
            buf_append_repr(&line, argv[i].p, argv[i].len);
    }
    buf_append(&line, "\r\n", 2);
    for (size_t k = 0; k < core.monitors.n; k++) {
        ClientFull *m = core.monitors.v[k];
        if (m->is_closing ||
            (m->pub.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_AFTER_REPLY)))
            continue;
        buf_append(&m->obuf, line.p, line.len);
        client_queue_write(m);
    }
    buf_free(&line);
}
