/*
 * migrate.c - MIGRATE: moves (or with COPY, copies) keys to another server
 * by sending it RESTORE commands, as Redis 7.0 does.
 *
 *   MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *           [AUTH password | AUTH2 username password] [KEYS key [key ...]]
 *
 * One MIGRATE is one pipelined exchange with the target:
 *
 *   [AUTH [username] password]   when AUTH / AUTH2 is given
 *   [SELECT db]                  when the connection is not in db already
 *   RESTORE key ttl payload [REPLACE]      one per key still alive
 *
 * then one reply line per command sent. A key the target acknowledged is
 * deleted here (unless COPY), and the deletions are propagated as one DEL of
 * the acknowledged keys, as 7.0 rewrites the command. The first error the
 * target replied is the client's ("ERR Target instance replied with error:
 * ..."); a failed AUTH or SELECT fails every key.
 *
 * The I/O blocks the event loop, as 7.0's does: connect, write and read
 * each wait at most the command's timeout (ms; <= 0 means 1000) in poll().
 * An event-driven MIGRATE would need the keys frozen while the target
 * answers (a later command could change or delete them before the
 * deletion), which is what 7.0's blocking gives for free; MIGRATE is an
 * administrative command and its users expect that.
 *
 * Connections are cached per "host:port" as typed (at most 64; the least
 * recently used goes when full, where 7.0 drops a random one) with the
 * database last selected on them, and closed after 10 s unused (a cron hook
 * registered at the first connection); INFO shows their number as
 * migrate_cached_sockets. A cached connection the target has closed shows
 * as an error at the first write or read: when nothing was acknowledged yet
 * and the error is not a timeout, the exchange is retried once on a new
 * connection. As in 7.0, a connection is not checked once connect() has
 * had the timeout to complete (a refused one fails at the write), and a
 * reply line is read in pieces of at most 1023 bytes.
 *
 * The payloads are what DUMP would send, except that each value goes as the
 * oldest type that carries it whole (a stream whose consumers' active time
 * is their seen time as 7.0's type 19, sealed as RDB 10): a Redis target
 * takes every value its version can hold. What it cannot (for 7.0: a
 * stream with active times, hash field TTLs, an array; for every Redis: a
 * stream with idempotency records) it refuses, and MIGRATE reports the
 * target's error.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cmd/migrate.h"
#include "persist/dumpvalue.h"
#include "server/core.h"
#include "server/procenv.h"

#define MIGRATE_CACHE_MAX      64
#define MIGRATE_CACHE_TTL_MS   10000
#define MIGRATE_LINE_MAX       1024 /* a reply line longer than this is read in pieces, as 7.0 */
#define MIGRATE_WRITE_CHUNK    (64 * 1024)
#define MIGRATE_TIMEOUT_MAX_MS (1LL << 40) /* about 35 years */

/* A cached connection to a target. rbuf holds what was read past the last
 * reply line consumed. */
typedef struct MigrateConn {
    char *name; /* "host:port" as the client typed them */
    int fd;
    long long last_db; /* the database selected on it; -1: unknown */
    int64_t last_use_ms;
    char rbuf[4096];
    size_t rpos, rlen;
} MigrateConn;

static MigrateConn *conns[MIGRATE_CACHE_MAX];
static size_t n_conns;
static int cron_registered;

size_t migrate_cached_sockets(void) {
    return n_conns;
}

static void conn_drop(size_t i) {
    MigrateConn *mc = conns[i];
    close(mc->fd);
    xfree(mc->name);
    xfree(mc);
    conns[i] = conns[--n_conns];
}

static void cron_close_idle(void) {
    int64_t now = real_us() / 1000;
    for (size_t i = 0; i < n_conns;) {
        if (now - conns[i]->last_use_ms > MIGRATE_CACHE_TTL_MS)
            conn_drop(i);
        else
            i++;
    }
}

static int64_t clock_ms(void) {
    return real_us() / 1000;
}

/* Waits until fd is ready for events or deadline_ms (real clock) passes:
 * 0 ready, -1 with errno (ETIMEDOUT on the deadline). */
static int wait_fd(int fd, short events, int64_t deadline_ms) {
    for (;;) {
        int64_t left = deadline_ms - clock_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (rc > 0) return 0;
        if (rc < 0 && errno != EINTR) return -1;
    }
}

/* A non-blocking socket connecting to host:port, or -1 when the name does
 * not resolve or no address takes a connect(). As 7.0 does, the connection
 * is then given up to timeout_ms to complete but not checked: a refused or
 * unfinished one fails at the first write (IOERR ... writing). The port is
 * read as atoi() reads it ("abc" is port 0). */
static int connect_target(Slice host, Slice port, long long timeout_ms) {
    char h[256], p[32];
    if (host.len >= sizeof h) return -1;
    memcpy(h, host.p, host.len);
    h[host.len] = '\0';
    size_t plen = port.len < sizeof p - 1 ? port.len : sizeof p - 1;
    memcpy(p, port.p, plen);
    p[plen] = '\0';
    snprintf(p, sizeof p, "%d", atoi(p));

    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(h, p, &hints, &res) != 0 || !res) return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        procenv_bind_source(fd, ai->ai_family); /* bind-source-addr */
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    (void)wait_fd(fd, POLLOUT, clock_ms() + timeout_ms);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* The cached connection to host:port, or a new one (cached); NULL when the
 * connection failed. */
static MigrateConn *conn_get(Slice host, Slice port, long long timeout_ms) {
    size_t nlen = host.len + 1 + port.len;
    for (size_t i = 0; i < n_conns; i++) {
        MigrateConn *mc = conns[i];
        if (strlen(mc->name) == nlen && memcmp(mc->name, host.p, host.len) == 0 &&
            mc->name[host.len] == ':' && memcmp(mc->name + host.len + 1, port.p, port.len) == 0) {
            mc->last_use_ms = clock_ms();
            return mc;
        }
    }
    if (n_conns == MIGRATE_CACHE_MAX) {
        /* the least recently used goes (7.0 drops a random one) */
        size_t lru = 0;
        for (size_t i = 1; i < n_conns; i++)
            if (conns[i]->last_use_ms < conns[lru]->last_use_ms) lru = i;
        conn_drop(lru);
    }
    int fd = connect_target(host, port, timeout_ms);
    if (fd < 0) return NULL;
    if (!cron_registered) {
        server_on_cron(cron_close_idle);
        cron_registered = 1;
    }
    MigrateConn *mc = xmalloc(sizeof *mc);
    mc->name = xmalloc(nlen + 1);
    memcpy(mc->name, host.p, host.len);
    mc->name[host.len] = ':';
    memcpy(mc->name + host.len + 1, port.p, port.len);
    mc->name[nlen] = '\0';
    mc->fd = fd;
    mc->last_db = -1;
    mc->last_use_ms = clock_ms();
    mc->rpos = mc->rlen = 0;
    conns[n_conns++] = mc;
    return mc;
}

static void conn_close(MigrateConn *mc) {
    for (size_t i = 0; i < n_conns; i++)
        if (conns[i] == mc) {
            conn_drop(i);
            return;
        }
}

/* Writes all of p[0..len) within timeout_ms per chunk: 0, or -1 (errno). */
static int write_all(MigrateConn *mc, const char *p, size_t len, long long timeout_ms) {
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off > MIGRATE_WRITE_CHUNK ? MIGRATE_WRITE_CHUNK : len - off;
        int64_t deadline = clock_ms() + timeout_ms;
        size_t done = 0;
        while (done < chunk) {
            ssize_t n = send(mc->fd, p + off + done, chunk - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
            if (wait_fd(mc->fd, POLLOUT, deadline) != 0) return -1;
        }
        off += chunk;
    }
    return 0;
}

/* Reads one reply line (without CR LF) into out (NUL-terminated, at most
 * MIGRATE_LINE_MAX - 1 bytes: a longer line comes in pieces) within
 * timeout_ms. Returns its length; 0 for an empty line; -1 on error, end of
 * stream (errno 0) or timeout (ETIMEDOUT). */
static ssize_t read_line(MigrateConn *mc, char *out, long long timeout_ms) {
    int64_t deadline = clock_ms() + timeout_ms;
    size_t n = 0;
    while (n < MIGRATE_LINE_MAX - 1) {
        if (mc->rpos == mc->rlen) {
            ssize_t r = recv(mc->fd, mc->rbuf, sizeof mc->rbuf, 0);
            if (r == 0) {
                errno = 0;
                return -1;
            }
            if (r < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
                if (wait_fd(mc->fd, POLLIN, deadline) != 0) return -1;
                continue;
            }
            mc->rpos = 0;
            mc->rlen = (size_t)r;
        }
        char ch = mc->rbuf[mc->rpos++];
        if (ch == '\n') {
            if (n && out[n - 1] == '\r') n--;
            out[n] = '\0';
            return (ssize_t)n;
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    return (ssize_t)n;
}

static void put_bulk(Buf *b, const char *p, size_t len) {
    buf_printf(b, "$%zu\r\n", len);
    buf_append(b, p, len);
    buf_append(b, "\r\n", 2);
}

static void put_bulk_ll(Buf *b, long long v) {
    char s[24];
    put_bulk(b, s, (size_t)ll_to_str(v, s));
}

/* The parsed command. */
typedef struct MigrateArgs {
    int copy, replace;
    Slice *username, *password; /* NULL: not given */
    int first_key, n_keys;
    long long timeout_ms, db;
} MigrateArgs;

/* Options in 7.0's order of checks; replies and returns -1 on an error. */
static int parse_args(Client *c, MigrateArgs *a) {
    memset(a, 0, sizeof *a);
    a->first_key = 3;
    a->n_keys = 1;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        Slice o = c->argv[j];
        if (slice_eq_nocase(o, "COPY")) {
            a->copy = 1;
        } else if (slice_eq_nocase(o, "REPLACE")) {
            a->replace = 1;
        } else if (slice_eq_nocase(o, "AUTH") && more >= 1) {
            a->username = NULL;
            a->password = &c->argv[++j];
        } else if (slice_eq_nocase(o, "AUTH2") && more >= 2) {
            a->username = &c->argv[++j];
            a->password = &c->argv[++j];
        } else if (slice_eq_nocase(o, "KEYS")) {
            if (c->argv[3].len != 0) {
                reply_error(c, "ERR When using MIGRATE KEYS option, the key argument must be set "
                               "to the empty string");
                return -1;
            }
            a->first_key = j + 1;
            a->n_keys = c->argc - j - 1;
            break;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (get_ll_or_reply(c, c->argv[5], &a->timeout_ms) != 0 ||
        get_ll_or_reply(c, c->argv[4], &a->db) != 0)
        return -1;
    if (a->timeout_ms <= 0) a->timeout_ms = 1000;
    /* deadlines are now + timeout: keep the sum far from overflowing */
    if (a->timeout_ms > MIGRATE_TIMEOUT_MAX_MS) a->timeout_ms = MIGRATE_TIMEOUT_MAX_MS;
    return 0;
}

/* Appends one RESP command of n words to b. */
static void put_cmd_header(Buf *b, int n, const char *name) {
    buf_printf(b, "*%d\r\n", n);
    put_bulk(b, name, strlen(name));
}

/* MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *         [AUTH password | AUTH2 username password] [KEYS key [key ...]] */
static void cmd_migrate(Client *c) {
    MigrateArgs a;
    if (parse_args(c, &a) != 0) return;

    /* The keys that exist now; their values are serialized before any I/O. */
    Slice *keys = xmalloc((size_t)a.n_keys * sizeof *keys);
    Obj **objs = xmalloc((size_t)a.n_keys * sizeof *objs);
    int n = 0;
    for (int j = 0; j < a.n_keys; j++) {
        Slice k = c->argv[a.first_key + j];
        if ((objs[n] = db_lookup_read(c->db, k)) != NULL) keys[n++] = k;
    }
    if (n == 0) {
        xfree(objs);
        xfree(keys);
        reply_status(c, "NOKEY");
        return;
    }
    Slice host = c->argv[1], port = c->argv[2];
    long long tmo = a.timeout_ms;
    int may_retry = 1;
    Slice *acked = xmalloc(((size_t)n + 1) * sizeof *acked);
    char line[MIGRATE_LINE_MAX], auth_line[MIGRATE_LINE_MAX], select_line[MIGRATE_LINE_MAX];
    Buf cmd;
    buf_init(&cmd);

    for (;;) {
        int write_error = 0;
        MigrateConn *mc = conn_get(host, port, tmo);
        if (!mc) {
            reply_error(c, "IOERR error or timeout connecting to the client");
            break;
        }
        buf_clear(&cmd);
        if (a.password) {
            put_cmd_header(&cmd, a.username ? 3 : 2, "AUTH");
            if (a.username) put_bulk(&cmd, a.username->p, a.username->len);
            put_bulk(&cmd, a.password->p, a.password->len);
        }
        int do_select = mc->last_db != a.db;
        if (do_select) {
            put_cmd_header(&cmd, 2, "SELECT");
            put_bulk_ll(&cmd, a.db);
        }
        /* A key whose deadline has passed since the lookup is skipped. */
        int n_sent = 0;
        int64_t now = now_ms();
        Buf payload;
        buf_init(&payload);
        for (int j = 0; j < n; j++) {
            Obj *o = objs[j];
            int64_t at = db_get_expire(c->db, keys[j]);
            long long ttl = 0;
            if (at >= 0) {
                ttl = at - now;
                if (ttl < 0) continue;
                if (ttl < 1) ttl = 1;
            }
            objs[n_sent] = o;
            keys[n_sent++] = keys[j];
            put_cmd_header(&cmd, a.replace ? 5 : 4, "RESTORE");
            put_bulk(&cmd, keys[j].p, keys[j].len);
            put_bulk_ll(&cmd, ttl);
            buf_clear(&payload);
            dump_value_oldest(o, now, &payload);
            put_bulk(&cmd, payload.p, payload.len);
            if (a.replace) put_bulk(&cmd, "REPLACE", 7);
        }
        buf_free(&payload);
        n = n_sent;

        errno = 0;
        if (write_all(mc, cmd.p, cmd.len, tmo) != 0) {
            write_error = 1;
            goto socket_err;
        }
        if (a.password && read_line(mc, auth_line, tmo) <= 0) goto socket_err;
        if (do_select && read_line(mc, select_line, tmo) <= 0) goto socket_err;

        int target_error = 0, socket_error = 0, n_acked = 0, j;
        for (j = 0; j < n; j++) {
            if (read_line(mc, line, tmo) <= 0) {
                socket_error = 1;
                break;
            }
            const char *err = NULL;
            if (a.password && auth_line[0] == '-')
                err = auth_line;
            else if (do_select && select_line[0] == '-')
                err = select_line;
            else if (line[0] == '-')
                err = line;
            if (err) {
                if (!target_error) {
                    mc->last_db = -1;
                    target_error = 1;
                    reply_error(c, "ERR Target instance replied with error: %s", err + 1);
                }
            } else if (!a.copy) {
                if (db_delete(c->db, keys[j]))
                    notify_keyspace_event(NOTIFY_GENERIC, "del", keys[j], db_index(c->db));
                acked[1 + n_acked++] = keys[j];
            }
        }
        /* Nothing acknowledged and not a timeout: the cached connection may
         * have been closed by the target; try once more on a new one. */
        if (!target_error && socket_error && j == 0 && may_retry && errno != ETIMEDOUT)
            goto socket_err;
        if (socket_error) conn_close(mc);
        if (n_acked) {
            acked[0] = slice_cstr("DEL");
            propagate(c, n_acked + 1, acked);
        }
        if (!target_error && socket_error) {
            reply_error(c, "IOERR error or timeout reading to target instance");
            break;
        }
        if (!target_error) {
            mc->last_db = a.db;
            reply_ok(c);
        }
        break;

    socket_err:
        conn_close(mc);
        if (errno != ETIMEDOUT && may_retry) {
            may_retry = 0;
            continue;
        }
        reply_error(c, "IOERR error or timeout %s to target instance",
                    write_error ? "writing" : "reading");
        break;
    }
    buf_free(&cmd);
    xfree(acked);
    xfree(objs);
    xfree(keys);
}

const Command migrate_commands[] = {
    {"migrate", cmd_migrate, -6, CMD_WRITE | CMD_MOVABLE_KEYS, "@keyspace @write @slow @dangerous",
     3, 3, 1, NULL},
    END_OF_COMMANDS,
};
