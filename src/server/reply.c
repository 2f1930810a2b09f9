/*
 * reply.c - RESP2/RESP3 reply encoding into the client's output buffer.
 *
 * Every function appends to one contiguous buffer per client; the event loop
 * writes it before sleeping. Deferred lengths reserve no bytes: the header is
 * inserted at the recorded offset when the count is known, which moves the
 * bytes after it once. Replies to a client that is being closed are dropped,
 * as are those to a client flagged to close after its reply (QUIT, CLIENT
 * KILL of itself...): what the flag's own command replied is all it gets,
 * as in Redis, whatever EXEC, pub/sub or MONITOR add after. So are those of a client that asked for
 * none (CLIENT REPLY OFF, or SKIP for the next command): they are written to a shared buffer nobody
 * reads, so that handlers (deferred lengths included) work the same either way.
 */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

/* Where the replies of clients that want none go; emptied by
 * reply_discard_release(). */
static Buf discard;

static Buf *out(Client *c) {
    if (__builtin_expect(
            (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_AFTER_REPLY)) != 0, 0))
        return &discard;
    return &CF(c)->obuf;
}

void reply_discard_release(void) {
    if (discard.cap > 64 * 1024)
        buf_free(&discard);
    else
        buf_clear(&discard);
}

static void add_header(Client *c, char type, long long n) {
    Buf *b = out(c);
    buf_reserve(b, 24);
    b->p[b->len++] = type;
    b->len += ll_to_str(n, b->p + b->len);
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
}

void reply_status(Client *c, const char *s) {
    Buf *b = out(c);
    buf_append_char(b, '+');
    buf_append_cstr(b, s);
    buf_append(b, "\r\n", 2);
}

void reply_help(Client *c, const char *const *lines, size_t n) {
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_status(c, lines[i]);
}

void reply_ok(Client *c) {
    buf_append(out(c), "+OK\r\n", 5);
}

void reply_error(Client *c, const char *fmt, ...) {
    Buf line;
    buf_init(&line);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < line.len; i++)
        if (line.p[i] == '\r' || line.p[i] == '\n') line.p[i] = ' ';
    Buf *b = out(c);
    buf_append_char(b, '-');
    buf_append(b, line.p, line.len);
    buf_append(b, "\r\n", 2);
    buf_append_char(&line, '\0');
    stats_count_error(line.p);
    CF(c)->replied_error = 1;
    if (c->flags & CLIENT_FAKE) {
        core.stat_unexpected_errors++; /* an error while loading the AOF */
        xfree(CF(c)->last_error);
        CF(c)->last_error = xstrdup(line.p);
    }
    buf_free(&line);
}

void reply_int(Client *c, long long v) {
    add_header(c, ':', v);
}

void reply_uint(Client *c, unsigned long long v) {
    if (v <= (unsigned long long)LLONG_MAX) {
        add_header(c, ':', (long long)v);
        return;
    }
    Buf *b = out(c);
    buf_reserve(b, 32);
    b->len += (size_t)snprintf(b->p + b->len, 32, ":%llu\r\n", v);
}

void reply_bulk(Client *c, const char *p, size_t len) {
    add_header(c, '$', (long long)len);
    Buf *b = out(c);
    buf_reserve(b, len + 2);
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
}

void reply_bulk_slice(Client *c, Slice s) {
    reply_bulk(c, s.p, s.len);
}

void reply_bulk_cstr(Client *c, const char *s) {
    if (!s) {
        reply_null(c);
        return;
    }
    reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(Client *c, long long v) {
    char tmp[24];
    size_t n = ll_to_str(v, tmp);
    reply_bulk(c, tmp, n);
}

void reply_double(Client *c, double d) {
    char tmp[64];
    int n;
    if (isinf(d)) {
        n = snprintf(tmp, sizeof tmp, "%s", d > 0 ? "inf" : "-inf");
    } else {
        n = snprintf(tmp, sizeof tmp, "%.17g", d);
    }
    if (c->resp >= 3) {
        Buf *b = out(c);
        buf_append_char(b, ',');
        buf_append(b, tmp, (size_t)n);
        buf_append(b, "\r\n", 2);
    } else {
        reply_bulk(c, tmp, (size_t)n);
    }
}

void reply_double_text(Client *c, const char *p, size_t len) {
    if (c->resp >= 3) {
        Buf *b = out(c);
        buf_append_char(b, ',');
        buf_append(b, p, len);
        buf_append(b, "\r\n", 2);
    } else {
        reply_bulk(c, p, len);
    }
}

void reply_bool(Client *c, int v) {
    if (c->resp >= 3)
        buf_append(out(c), v ? "#t\r\n" : "#f\r\n", 4);
    else
        reply_int(c, v ? 1 : 0);
}

void reply_verbatim(Client *c, const char *p, size_t len) {
    reply_verbatim_format(c, "txt", p, len);
}

void reply_verbatim_format(Client *c, const char fmt[3], const char *p, size_t len) {
    if (c->resp < 3) {
        reply_bulk(c, p, len);
        return;
    }
    add_header(c, '=', (long long)len + 4);
    Buf *b = out(c);
    buf_append(b, fmt, 3);
    buf_append_char(b, ':');
    buf_append(b, p, len);
    buf_append(b, "\r\n", 2);
}

void reply_big_number(Client *c, const char *p, size_t len) {
    if (c->resp < 3) {
        reply_bulk(c, p, len);
        return;
    }
    Buf *b = out(c);
    buf_append_char(b, '(');
    buf_append(b, p, len);
    buf_append(b, "\r\n", 2);
}

void reply_null(Client *c) {
    if (c->resp >= 3)
        buf_append(out(c), "_\r\n", 3);
    else
        buf_append(out(c), "$-1\r\n", 5);
}

void reply_null_array(Client *c) {
    if (c->resp >= 3)
        buf_append(out(c), "_\r\n", 3);
    else
        buf_append(out(c), "*-1\r\n", 5);
}

void reply_array(Client *c, size_t n) {
    add_header(c, '*', (long long)n);
}

void reply_map(Client *c, size_t n_pairs) {
    if (c->resp >= 3)
        add_header(c, '%', (long long)n_pairs);
    else
        add_header(c, '*', (long long)n_pairs * 2);
}

void reply_set(Client *c, size_t n) {
    add_header(c, c->resp >= 3 ? '~' : '*', (long long)n);
}

void reply_push(Client *c, size_t n) {
    add_header(c, c->resp >= 3 ? '>' : '*', (long long)n);
}

void reply_empty_array(Client *c) {
    buf_append(out(c), "*0\r\n", 4);
}

/* Marks (reply_len, deferred headers) count from the start of the unwritten
 * output, not from the buffer's start: an append that compacts the buffer
 * (buf_reserve drops the prefix already written to the socket) moves the
 * bytes but not their distance from that start. Nothing is written to the
 * socket while a command runs, so that start stays put until it ends. */
size_t reply_len(Client *c) {
    return buf_live(out(c));
}

void reply_truncate(Client *c, size_t len) {
    Buf *b = out(c);
    assert(len <= buf_live(b));
    b->len = b->off + len;
}

ReplyDeferred reply_defer(Client *c) {
    Buf *b = out(c);
    ReplyDeferred d = {buf_live(b), b == &discard};
    return d;
}

static void set_deferred(Client *c, ReplyDeferred d, char type, long long n) {
    char hdr[32];
    hdr[0] = type;
    size_t hl = 1 + ll_to_str(n, hdr + 1);
    hdr[hl++] = '\r';
    hdr[hl++] = '\n';
    /* where the reply began: a command may flag its client to close after
     * it (CLIENT KILL in EXEC) between the reservation and this */
    Buf *b = d.discarded ? &discard : &CF(c)->obuf;
    buf_reserve(b, hl);
    size_t at = b->off + d.offset; /* after buf_reserve, which may compact */
    assert(at <= b->len);
    memmove(b->p + at + hl, b->p + at, b->len - at);
    memcpy(b->p + at, hdr, hl);
    b->len += hl;
}

void reply_set_array_len(Client *c, ReplyDeferred d, size_t n) {
    set_deferred(c, d, '*', (long long)n);
}

void reply_set_map_len(Client *c, ReplyDeferred d, size_t n_pairs) {
    if (c->resp >= 3)
        set_deferred(c, d, '%', (long long)n_pairs);
    else
        set_deferred(c, d, '*', (long long)n_pairs * 2);
}

void reply_wrongtype(Client *c) {
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_syntax_error(Client *c) {
    reply_error(c, "ERR syntax error");
}

void reply_arity_error(Client *c) {
    char name[128];
    const Command *cmd = c->cmd;
    if (cmd && c->argc >= 2 && cmd != command_lookup(c->argv[0].p, c->argv[0].len)) {
        snprintf(name, sizeof name, "%.*s|%s", (int)(c->argv[0].len > 60 ? 60 : c->argv[0].len),
                 c->argv[0].p, cmd->name);
        str_lower(name);
    } else if (cmd) {
        snprintf(name, sizeof name, "%s", cmd->name);
    } else {
        snprintf(name, sizeof name, "%.*s", (int)(c->argv[0].len > 100 ? 100 : c->argv[0].len),
                 c->argv[0].p);
    }
    reply_error(c, "ERR wrong number of arguments for '%s' command", name);
}
