/*
 * client.c - a connection's life: accept, read, parse, dispatch, reply,
 * close.
 *
 * Reads append to the query buffer; every whole command in it runs at once
 * (pipelining), and the replies accumulate in the output buffer, which the
 * event loop writes before it sleeps: one write per client per iteration
 * however many commands it pipelined. A client that cannot take all its
 * output gets a writable event until it can.
 *
 * A big argument (32 KB or more) is read into a query buffer grown once to
 * the argument's end, as soon as the parser has seen its length; a string
 * value then takes that buffer over instead of copying it (the way Redis
 * reads a big bulk into the object it becomes). Rejected: a separate buffer
 * per big argument, which the stateless parser (resp.h) could not see.
 *
 * Client eviction (maxmemory-clients, evict.c) sees each client's memory as
 * client_mem_refresh() last accounted it: after a read (before its commands
 * run, so a client over the limit is evicted before its command runs, as
 * Redis 7.0 checks before each command), after its commands, after a write
 * to it (output other clients' commands gave it shows then: a subscriber
 * that does not read) and once a second from the cron. Not per command or
 * per reply: the hot path pays one test of a global while eviction is off,
 * and a few additions per read or write while it is on.
 *
 * A protocol error replies once, drops the rest of the input and closes after
 * the reply, as Redis does. Clients are closed asynchronously: marked,
 * unlinked from the loop, and freed after the current event, so a handler
 * never sees a freed client.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "net/tls.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/repl.h"
#include "server/replica.h"
#include "server/tracking.h"

/* Arguments at least this long are read into a buffer sized for them
 * (reserve_for_read); shorter ones arrive in the ordinary 16 KB reads. */
#define CLIENT_BIG_ARG (32 * 1024)
/* The most a big argument may reserve beyond the bytes that have arrived:
 * its length is only a claim until the bytes come ("$536870912" and then
 * silence must not cost 512 MB). Past this the buffer grows as the bytes
 * arrive, to twice what has arrived each time it is full. */
#define CLIENT_BIG_ARG_AHEAD (1024 * 1024)
#define CLIENT_READ_LEN      (16 * 1024)

int protected_allows(int setting, const Client *c) {
    if (setting == PROTECTED_YES) return 1;
    if (setting == PROTECTED_NO) return 0;
    const ClientFull *f = (const ClientFull *)c;
    return (c->flags & CLIENT_UNIX) || strncmp(f->addr, "127.0.0.1:", 10) == 0 ||
           strncmp(f->addr, "[::1]:", 6) == 0;
}

ClientFull *client_create(int fd, int is_unix) {
    ClientFull *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->pub.id = ++core.next_client_id;
    c->pub.resp = 2;
    c->pub.db = &core.dbs[0];
    c->db_index = 0;
    if (is_unix) c->pub.flags |= CLIENT_UNIX;
    c->user = acl_default_user();
    if (!acl_auth_required()) c->pub.flags |= CLIENT_AUTHENTICATED;
    buf_init(&c->qbuf);
    buf_init(&c->obuf);
    resp_argv_init(&c->args);
    c->ctime_ms = c->last_ms = now_ms();
    c->last_cmd = "NULL";
    c->next = core.clients;
    if (core.clients) core.clients->prev = c;
    core.clients = c;
    core.n_clients++;
    tracking_client_created(c);
    client_mem_track(c);
    return c;
}

Client *client_new_fake(void) {
    ClientFull *c = xcalloc(1, sizeof *c);
    c->fd = -1;
    c->pub.id = ++core.next_client_id;
    c->pub.resp = 2;
    c->pub.db = &core.dbs[0];
    c->pub.flags = CLIENT_FAKE | CLIENT_AUTHENTICATED;
    c->user = acl_superuser();
    buf_init(&c->qbuf);
    buf_init(&c->obuf);
    resp_argv_init(&c->args);
    c->last_cmd = "NULL";
    return &c->pub;
}

/* Takes c's memory out of the clients' total (it is closing). */
static void mem_forget(ClientFull *c) {
    core.clients_mem_bytes -= c->mem_bytes;
    c->mem_bytes = 0;
}

static void client_release(ClientFull *c) {
    mem_forget(c);
    if (c->repl) repl_client_freed(c);
    if (c->pub.flags & CLIENT_POSTPONED) pause_forget(c);
    if (c->block) block_unblock(c, 1);
    monitor_remove(c);
    pubsub_forget(c);
    multi_discard(c);
    watch_unwatch_all(c);
    tracking_client_freed(c);
    himport_discard_all(c);
    buf_free(&c->qbuf);
    buf_free(&c->obuf);
    resp_argv_free(&c->args);
    xfree(c->name);
    xfree(c->lib_name);
    xfree(c->lib_ver);
    xfree(c->last_error);
    xfree(c);
}

void client_free_fake(Client *pc) {
    client_release(CF(pc));
}

int server_exec_fake(Client *pc, int argc, const Slice *argv, const char **err) {
    ClientFull *c = CF(pc);
    *err = NULL;
    pc->argc = argc;
    pc->argv = (Slice *)argv;
    xfree(c->last_error);
    c->last_error = NULL;
    core.call_start_us = real_us();
    dispatch_command(c);
    buf_clear(&c->obuf);
    pc->db = &core.dbs[c->db_index];
    if (c->last_error) {
        *err = c->last_error;
        return -1;
    }
    return 0;
}

void client_set_db(ClientFull *c, int index) {
    c->db_index = index;
    c->pub.db = &core.dbs[index];
}

void client_close_async(ClientFull *c) {
    if (c->is_closing) return;
    c->is_closing = 1;
    if (c->repl) repl_client_closing(c);
    if (c->pub.flags & CLIENT_MASTER) replica_client_closing(c); /* the link drops too */
    monitor_remove(c);
    pubsub_forget(c); /* publishers no longer count it */
    core.n_clients--; /* a closing client no longer holds a maxclients slot */
    mem_forget(c);    /* nor counts for client eviction */
    if (c->fd >= 0) {
        epoll_ctl(core.epfd, EPOLL_CTL_DEL, c->fd, NULL);
    }
    if (core.n_to_free == core.cap_to_free) {
        core.cap_to_free = core.cap_to_free ? core.cap_to_free * 2 : 16;
        core.to_free = xrealloc(core.to_free, core.cap_to_free * sizeof(ClientFull *));
    }
    core.to_free[core.n_to_free++] = c;
}

void client_free_now(ClientFull *c) {
    if (c->prev)
        c->prev->next = c->next;
    else
        core.clients = c->next;
    if (c->next) c->next->prev = c->prev;
    /* drop from the pending-write list */
    for (ClientFull **pp = &core.pending_write; *pp; pp = &(*pp)->pw_next) {
        if (*pp == c) {
            *pp = c->pw_next;
            break;
        }
    }
    if (c->tls_pending) core.n_tls_pending--;
    tls_conn_free(c->tls);
    c->tls = NULL;
    if (c->fd >= 0) close(c->fd);
    client_release(c);
}

void clients_free_pending(void) {
    for (size_t i = 0; i < core.n_to_free; i++) client_free_now(core.to_free[i]);
    core.n_to_free = 0;
}

void client_queue_write(ClientFull *c) {
    if (c->in_pending_write || c->fd < 0) return;
    c->in_pending_write = 1;
    c->pw_next = core.pending_write;
    core.pending_write = c;
}

static void set_write_interest(ClientFull *c, int on) {
    /* a TLS read that waits for the socket to take a handshake message */
    if (__builtin_expect(c->tls != NULL, 0) && tls_conn_read_wants_write(c->tls)) on = 1;
    if (c->write_registered == on || c->is_closing) return;
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
    ev.data.ptr = c;
    epoll_ctl(core.epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->write_registered = on;
}

/* An empty query or output buffer that a big argument or reply grew past
 * this goes back to the allocator once its client has been idle for a
 * second (client_trim_idle_buffers), so an idle connection holds at most this
 * much whatever it once sent or got. Not at once: a client that pipelines
 * big replies would grow the buffer again for every batch. A query buffer
 * also goes when the input it held in the last second peaked under half
 * its size, idle or not, as Redis resizes one: a client that sent one big
 * argument and then only small commands does not keep its size for ever. */
#define CLIENT_BUF_KEEP (256 * 1024)

static void release_big(Buf *b) {
    if (buf_live(b) == 0 && b->cap > CLIENT_BUF_KEEP) buf_free(b);
}

void client_trim_idle_buffers(int64_t now) {
    for (ClientFull *c = core.clients; c; c = c->next) {
        if (c->is_closing) continue;
        int idle = now - c->last_ms >= 1000;
        if (idle || c->qbuf_peak < c->qbuf.cap / 2) release_big(&c->qbuf);
        if (idle) release_big(&c->obuf);
        c->qbuf_peak = buf_live(&c->qbuf);
        client_mem_track(c); /* what no read or write showed (SUBSCRIBE, WATCH, trimming) */
    }
    evict_clients_cron();
}

/* TLS output (net/tls.c): -1 with EAGAIN when the socket is full, or when
 * OpenSSL waits to read first, in which case the next readable event
 * retries (client_on_tls_event) and a writable one would only spin. */
static ssize_t tls_write(ClientFull *c, const void *p, size_t n) {
    ssize_t w = tls_conn_write(c->tls, p, n);
    if (w < 0 && errno != EAGAIN)
        log_verbose("Error writing to client: %s", tls_conn_error(c->tls));
    return w;
}

/* Writes as much output as the socket takes; 0 ok, -1 the client closed. */
static int client_flush(ClientFull *c) {
    while (buf_live(&c->obuf) > 0) {
        ssize_t n = __builtin_expect(c->tls != NULL, 0)
                        ? tls_write(c, buf_data(&c->obuf), buf_live(&c->obuf))
                        : write(c->fd, buf_data(&c->obuf), buf_live(&c->obuf));
        core.stat_writes++;
        if (n > 0) {
            /* the stream to a replica is replication output (7.0) */
            if (c->pub.flags & CLIENT_SLAVE)
                core.stat_net_repl_out += (uint64_t)n;
            else
                core.stat_net_out += (uint64_t)n;
            buf_consume(&c->obuf, (size_t)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_write_interest(c, !(c->tls && tls_conn_write_wants_read(c->tls)));
            return 0;
        } else {
            client_close_async(c);
            return -1;
        }
    }
    buf_clear(&c->obuf);
    set_write_interest(c, 0);
    if (c->pub.flags & CLIENT_CLOSE_AFTER_REPLY) client_close_async(c);
    return 0;
}

/* client_flush, then c's memory accounted: what the socket did not take
 * stays in its output buffer. */
static int flush_and_track(ClientFull *c) {
    int rc = client_flush(c);
    if (rc == 0) client_mem_track(c);
    return rc;
}

void client_write_pending(void) {
    ClientFull *c = core.pending_write;
    core.pending_write = NULL;
    while (c) {
        ClientFull *next = c->pw_next;
        c->in_pending_write = 0;
        c->pw_next = NULL;
        if (!c->is_closing) flush_and_track(c);
        c = next;
    }
    evict_clients(); /* after the writes, as Redis: what they sent is no longer held */
}

void client_on_writable(ClientFull *c) {
    flush_and_track(c);
}

/* The most bytes before a big argument (the command's header and its other
 * arguments, and any consumed input still in the buffer) for a string value
 * to take the query buffer over: they stay allocated with the value. */
#define CLIENT_ADOPT_MAX_PREFIX 1024
/* The most input after a big argument for a string value to take the query
 * buffer over: that input is copied to a new buffer (give_qbuf_to), so with
 * no bound a buffer full of pipelined big SETs (input that piled up while
 * the client was blocked, or read into a buffer left big) would be copied
 * once per value, quadratic in the buffer's size. One ordinary read's worth
 * is what a buffer sized for the argument (reserve_for_read) may hold past
 * it. */
#define CLIENT_ADOPT_MAX_SUFFIX CLIENT_READ_LEN

/* Returns an owned string object with argument i's bytes. A big argument
 * that lies in this client's query buffer near its start, with little input
 * after it, is not copied: the object borrows the buffer, and when the
 * command has run the buffer becomes the object's (give_qbuf_to), the way
 * Redis turns a big bulk's buffer into the value. Everything else (small values, a queued MULTI
 * command's or a fake client's arguments, a second big value of the same command) is copied.
 * Borrows c. */
Obj *client_arg_string(Client *pc, int i) {
    ClientFull *c = CF(pc);
    Slice a = pc->argv[i];
    uintptr_t at = (uintptr_t)a.p, start = (uintptr_t)c->qbuf.p;
    if (a.len >= CLIENT_BIG_ARG && c->fd >= 0 && start && at >= start + c->qbuf.off &&
        at - start <= CLIENT_ADOPT_MAX_PREFIX && at - start + a.len + 2 <= c->qbuf.len &&
        c->qbuf.len - (at - start + a.len + 2) <= CLIENT_ADOPT_MAX_SUFFIX) {
        Obj *o = obj_new_string_borrowed(c->qbuf.p, at - start, a.len);
        if (o) return o;
    }
    return obj_new_string(a.p, a.len);
}

/* After a command whose value borrowed the query buffer: the buffer, cut
 * down to the end of the value, now belongs to o, and the input after the
 * command (used bytes from the live start) moves to a new buffer. */
static void give_qbuf_to(ClientFull *c, Obj *o, size_t used) {
    Buf *q = &c->qbuf;
    size_t rest = q->off + used;
    Buf fresh;
    buf_init(&fresh);
    if (q->len > rest) buf_append(&fresh, q->p + rest, q->len - rest);
    char *block = xrealloc(q->p, (size_t)o->ptr_off + o->len + 1);
    o->ptr = block + o->ptr_off;
    *q = fresh;
}

/* After a command: closes c if its output went past its limit (one
 * predictable test while the output is small). */
static inline int obuf_past_limit(ClientFull *c) {
    if (__builtin_expect(buf_live(&c->obuf) <= CLIENT_OBUF_STATIC, 1)) return 0;
    if (!client_obuf_over_limit(c)) return 0;
    client_close_obuf_limit(c);
    return 1;
}

void client_process_input(ClientFull *c) {
    Client *pc = &c->pub;
    RespLimits lim = {settings.proto_max_bulk_len,
                      1024LL * 1024 * 1024,
                      64 * 1024,
                      (pc->flags & CLIENT_AUTHENTICATED) != 0,
                      0,
                      1};
    core.call_start_us = real_us(); /* the clock for this batch's first command */
    while (buf_live(&c->qbuf) > 0 && !c->block && !c->is_closing &&
           !(pc->flags & CLIENT_CLOSE_AFTER_REPLY)) {
        size_t used;
        const char *err;
        /* The last parse stopped inside a bulk payload of the command at the
         * buffer's start (it is 0 after a whole command or an error). Until
         * the payload is complete a parse would stop there again, and the
         * headers before its end have been accepted: a limit lowered since
         * does not reject them (resp.h, checked_end). Otherwise the parse
         * goes on where the last one stopped (lim.resume: the bytes before
         * that point are still the same, only more were appended or the
         * buffer moved), so a command arriving in many reads costs a parse
         * of each argument once, not of all of them per read. */
        size_t awaited = c->args.partial_bulk_end;
        if (awaited > buf_live(&c->qbuf)) break;
        if (obuf_past_limit(c)) return; /* the replies so far took it past its limit */
        lim.checked_end = awaited;
        lim.is_authenticated = (pc->flags & CLIENT_AUTHENTICATED) != 0;
        int rc = resp_parse(buf_data(&c->qbuf), buf_live(&c->qbuf), &lim, &c->args, &used, &err);
        if (rc == RESP_INCOMPLETE) break;
        if (rc == RESP_ERROR) {
            reply_error(pc, "ERR %s", err);
            log_verbose("Protocol error (%s) from client: id=%llu", err,
                        (unsigned long long)pc->id);
            pc->flags |= CLIENT_CLOSE_AFTER_REPLY;
            buf_clear(&c->qbuf);
            break;
        }
        if (c->args.n > 0) {
            pc->argc = c->args.n;
            pc->argv = c->args.v;
            dispatch_command(c);
            pc->argc = 0;
            pc->argv = NULL;
            Obj *o = obj_borrowed_take();
            if (o) {
                give_qbuf_to(c, o, used);
                continue;
            }
        }
        buf_consume(&c->qbuf, used);
    }
    if (obuf_past_limit(c)) return;
    /* (also when a client that wants no replies QUITs: the flush closes it) */
    if (buf_live(&c->obuf) > 0 || (pc->flags & CLIENT_CLOSE_AFTER_REPLY)) client_queue_write(c);
}

/* Room for the next read. Ordinarily 16 KB more, the buffer growing
 * geometrically. While the parser waits for the payload of a big argument
 * whose length it has read, the buffer is instead grown once to end exactly
 * where that argument does: it is not copied at every doubling on the way to
 * its size, the reads that follow take the rest in large pieces, and a
 * consumed prefix is dropped in the same step rather than moved later. A
 * claim beyond CLIENT_BIG_ARG_AHEAD is reserved in steps as it arrives. */
static void reserve_for_read(ClientFull *c) {
    Buf *q = &c->qbuf;
    size_t live = buf_live(q), end = c->args.partial_bulk_end;
    if (c->args.partial_bulk_len < CLIENT_BIG_ARG || end <= live) {
        buf_reserve(q, CLIENT_READ_LEN);
        return;
    }
    /* The command to the front of the buffer while that is cheap, so that a
     * string value can take the buffer over (client_arg_string). */
    if (q->off > 0 && live <= CLIENT_READ_LEN) buf_compact(q);
    size_t rest = end - live, room = q->cap - q->len;
    if (room >= rest) return;
    size_t ahead = live > CLIENT_BIG_ARG_AHEAD ? live : CLIENT_BIG_ARG_AHEAD;
    if (rest <= ahead) {
        buf_reserve_exact(q, rest);
    } else if (room < CLIENT_READ_LEN) {
        buf_reserve_exact(q, ahead);
    }
}

/* How much one read takes: what Redis 7.0 reads, the rest of an awaited big
 * argument or else 16 KB, however much room a buffer left big by an earlier
 * argument has. The query buffer limit is checked after each read, before
 * the input is parsed, so a bigger read would close a client Redis keeps (a
 * pipeline of small commands after a big argument, under a 1 MB limit). */
static size_t read_len(const ClientFull *c) {
    size_t room = c->qbuf.cap - c->qbuf.len, want = CLIENT_READ_LEN;
    size_t live = buf_live(&c->qbuf), end = c->args.partial_bulk_end;
    if (c->args.partial_bulk_len >= CLIENT_BIG_ARG && end > live && end - live > want)
        want = end - live;
    return room < want ? room : want;
}

/* Marks whether OpenSSL holds decrypted input of c that no socket event will
 * announce (client_serve_tls_pending() reads it). */
static void set_tls_pending(ClientFull *c, int on) {
    if (c->tls_pending == on) return;
    c->tls_pending = on;
    core.n_tls_pending += on ? 1 : -1;
}

/* TLS input (net/tls.c): as read(2). A handshake that fails is logged as
 * Redis logs it; a read that must wait for the socket to take a handshake
 * message asks for the writable event. */
static ssize_t tls_read(ClientFull *c, void *p, size_t n) {
    ssize_t r = tls_conn_read(c->tls, p, n);
    if (r < 0 && errno == EAGAIN) {
        if (tls_conn_read_wants_write(c->tls)) set_write_interest(c, 1);
    } else if (r < 0) {
        if (!tls_conn_established(c->tls))
            log_warning("Error accepting a client connection: %s", tls_conn_error(c->tls));
        else
            log_verbose("Reading from client: %s", tls_conn_error(c->tls));
    }
    set_tls_pending(c, r > 0 && tls_conn_pending(c->tls) > 0);
    if (!c->tls_checked && tls_conn_established(c->tls)) {
        c->tls_checked = 1;
        char cn[256];
        int cn_len = settings.tls_auth_clients_user ? tls_conn_peer_cn(c->tls, cn, sizeof cn) : -1;
        if (cn_len > 0) acl_authenticate_cert(c, slice_of(cn, (size_t)cn_len));
    }
    return r;
}

void client_on_tls_event(ClientFull *c, uint32_t events) {
    int readable = (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
    int writable = (events & EPOLLOUT) != 0;
    int was_read_waiting = tls_conn_read_wants_write(c->tls);
    int was_write_waiting = tls_conn_write_wants_read(c->tls);
    if (readable || (writable && was_read_waiting)) client_on_readable(c);
    if (!c->is_closing && (writable || (readable && was_write_waiting))) client_on_writable(c);
}

void client_serve_tls_pending(void) {
    for (ClientFull *c = core.clients; c && core.n_tls_pending > 0; c = c->next)
        if (c->tls_pending && !c->is_closing) client_on_readable(c);
}

void client_on_readable(ClientFull *c) {
    /* the client whose script is running: its arguments live in its query
     * buffer, which must not move; what it sends waits in the socket */
    if (__builtin_expect((c->pub.flags & CLIENT_PROTECTED) != 0, 0)) return;
    reserve_for_read(c);
    ssize_t n = __builtin_expect(c->tls != NULL, 0)
                    ? tls_read(c, c->qbuf.p + c->qbuf.len, read_len(c))
                    : read(c->fd, c->qbuf.p + c->qbuf.len, read_len(c));
    core.stat_reads++;
    if (n == 0) {
        client_close_async(c);
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        client_close_async(c);
        return;
    }
    c->qbuf.len += (size_t)n;
    if (buf_live(&c->qbuf) > c->qbuf_peak) c->qbuf_peak = buf_live(&c->qbuf);
    core.stat_net_in += (uint64_t)n;
    c->last_ms = now_ms();
    /* What counts against the limit is the input not parsed yet: the whole
     * arguments of an incomplete command (before c->args.resume_pos) are
     * left out, as Redis 7.0 has turned them into arguments and dropped them
     * from its query buffer. A command may so be longer than the limit, if
     * no argument is (MSET of two 700 KB values under a 1 MB limit). */
    if (settings.client_query_buffer_limit > 0 &&
        buf_live(&c->qbuf) - c->args.resume_pos > (size_t)settings.client_query_buffer_limit) {
        log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
                    "(qbuf initial bytes: \"%.32s\")",
                    (unsigned long long)c->pub.id, c->addr, buf_data(&c->qbuf));
        client_close_async(c);
        return;
    }
    if (__builtin_expect(core.client_evict_limit != 0, 0)) {
        client_mem_refresh(c);
        evict_clients(); /* c too, before its commands run, if it is the biggest */
        if (c->is_closing) return;
    }
    if (c->block) return; /* input waits until the client is unblocked */
    client_process_input(c);
    client_mem_track(c);
}

const char *client_type_name(const ClientFull *c) {
    if (c->pub.flags & CLIENT_SLAVE) return "slave";
    if (c->pub.flags & CLIENT_MASTER) return "master";
    return (c->pub.flags & CLIENT_PUBSUB) ? "pubsub" : "normal";
}

static void append_flags(ClientFull *c, Buf *out) {
    size_t before = out->len;
    if (c->pub.flags & CLIENT_SLAVE) buf_append_char(out, 'S');
    if (c->pub.flags & CLIENT_MASTER) buf_append_char(out, 'M');
    if (c->pub.flags & CLIENT_MONITOR) buf_append_char(out, 'O');
    if (c->pub.flags & CLIENT_PUBSUB) buf_append_char(out, 'P');
    if (c->pub.flags & CLIENT_MULTI) buf_append_char(out, 'x');
    if (c->pub.flags & CLIENT_BLOCKED) buf_append_char(out, 'b');
    if (c->pub.flags & CLIENT_TRACKING) buf_append_char(out, 't');
    if (c->pub.flags & CLIENT_TRACKING_BROKEN_REDIR) buf_append_char(out, 'R');
    if (c->pub.flags & CLIENT_TRACKING_BCAST) buf_append_char(out, 'B');
    if (c->pub.flags & CLIENT_DIRTY_CAS) buf_append_char(out, 'd');
    if (c->pub.flags & CLIENT_CLOSE_AFTER_REPLY) buf_append_char(out, 'c');
    if (c->pub.flags & CLIENT_UNIX) buf_append_char(out, 'U');
    if (c->pub.flags & CLIENT_NO_EVICT) buf_append_char(out, 'e');
    if (c->pub.flags & CLIENT_NO_TOUCH) buf_append_char(out, 'T');
    if (out->len == before) buf_append_char(out, 'N');
}

void client_info_line(ClientFull *c, Buf *out) {
    int64_t now = now_ms();
    buf_printf(out, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=",
               (unsigned long long)c->pub.id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
               (long long)((now - c->ctime_ms) / 1000), (long long)((now - c->last_ms) / 1000));
    append_flags(c, out);
    size_t qbuf = buf_live(&c->qbuf);
    size_t omem = c->obuf.cap, tot_mem = client_mem_usage(c);
    size_t sub, psub, ssub;
    pubsub_client_counts(c, &sub, &psub, &ssub);
    buf_printf(out,
               " db=%d sub=%zu psub=%zu ssub=%zu multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
               "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=r%s "
               "cmd=%s user=%.*s redir=%lld resp=%d lib-name=%s lib-ver=%s",
               c->db_index, sub, psub, ssub, (c->pub.flags & CLIENT_MULTI) ? c->mq_n : -1, qbuf,
               c->qbuf.cap - c->qbuf.len, (size_t)0, c->qbuf.cap, qbuf, buf_live(&c->obuf), omem,
               tot_mem, c->write_registered ? "w" : "", c->last_cmd, (int)c->user->name_len,
               c->user->name, tracking_redirect_of(c), c->pub.resp, c->lib_name ? c->lib_name : "",
               c->lib_ver ? c->lib_ver : "");
}

/* Rough per-entry costs of a client's subscriptions and watched keys: the
 * table entry, and for a watched key its record; the names themselves are
 * shared or small. */
#define CLIENT_SUB_BYTES   48
#define CLIENT_WATCH_BYTES 64

/* Everything c's connection holds that grows with what it sends or is sent:
 * the record, both buffers (allocated size), the argument vector, queued
 * MULTI commands, the command it is blocked in, subscriptions and watched
 * keys. No allocation is asked its size; O(1) but for a blocked command's
 * arguments. Borrows c. */
size_t client_mem_usage(const ClientFull *c) {
    size_t sub, psub, ssub;
    pubsub_client_counts(c, &sub, &psub, &ssub);
    size_t n = sizeof *c + c->qbuf.cap + c->obuf.cap + (size_t)c->args.cap * sizeof(Slice) +
               c->args.scratch.cap + (size_t)c->mq_cap * sizeof(QueuedCommand) + c->mq_bytes +
               (sub + psub + ssub) * CLIENT_SUB_BYTES + (size_t)c->n_watched * CLIENT_WATCH_BYTES +
               himport_client_mem(c);
    if (c->block) {
        n += sizeof *c->block;
        for (int i = 0; i < c->block->argc; i++) n += sizeof(Slice) + c->block->argv[i].len;
        for (int i = 0; i < c->block->n_keys; i++) n += sizeof(Slice) + c->block->keys[i].len;
    }
    return n;
}

/* The clients whose memory counts against maxmemory-clients, as Redis's
 * normal and pubsub classes: not replicas, not the master's link, not fake
 * clients (scripts, the AOF loader), not one that is closing. */
static int mem_counted(const ClientFull *c) {
    return c->fd >= 0 && !c->is_closing && !(c->pub.flags & (CLIENT_SLAVE | CLIENT_MASTER));
}

void client_mem_refresh(ClientFull *c) {
    size_t now = mem_counted(c) ? client_mem_usage(c) : 0;
    core.clients_mem_bytes = core.clients_mem_bytes - c->mem_bytes + now;
    c->mem_bytes = now;
}

/* Redis's class for the limits: a subscriber is pubsub, a monitor normal. */
int client_obuf_over_limit(ClientFull *c) {
    size_t live = buf_live(&c->obuf);
    unsigned long long used = live > CLIENT_OBUF_STATIC ? live - CLIENT_OBUF_STATIC : 0;
    const ObufLimit *l = &settings.obuf_limits[(c->pub.flags & CLIENT_SLAVE)    ? OBUF_REPLICA
                                               : (c->pub.flags & CLIENT_PUBSUB) ? OBUF_PUBSUB
                                                                                : OBUF_NORMAL];
    int hard = l->hard && used >= l->hard, soft = l->soft && used >= l->soft;
    if (!soft) {
        c->obuf_soft_since_s = 0;
    } else {
        int64_t now_s = now_ms() / 1000;
        if (c->obuf_soft_since_s == 0) {
            c->obuf_soft_since_s = now_s; /* over it from now on: not yet for long */
            soft = 0;
        } else if (now_s - c->obuf_soft_since_s <= l->soft_seconds) {
            soft = 0;
        }
    }
    return hard || soft;
}

void client_close_obuf_limit(ClientFull *c) {
    if (c->is_closing) return;
    Buf info;
    buf_init(&info);
    client_info_line(c, &info);
    buf_append_char(&info, '\0');
    log_warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                info.p);
    buf_free(&info);
    client_close_async(c);
}

void client_list_push(ClientList *l, ClientFull *c) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = xrealloc(l->v, l->cap * sizeof(ClientFull *));
    }
    l->v[l->n++] = c;
}

/* Removes the first occurrence of c, keeping the order of the others. */
void client_list_remove(ClientList *l, ClientFull *c) {
    for (size_t k = 0; k < l->n; k++) {
        if (l->v[k] == c) {
            memmove(&l->v[k], &l->v[k + 1], (l->n - k - 1) * sizeof(ClientFull *));
            l->n--;
            return;
        }
    }
}
