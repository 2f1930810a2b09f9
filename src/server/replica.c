/*
 * replica.c - the replica side of Redis replication.
 *
 * REPLICAOF host port (or the replicaof setting) makes streamd follow a
 * master, Redis 7.0 or another streamd. The link is a non-blocking socket
 * driven from the event loop through a state machine:
 *
 *   CONNECT --connect()--> CONNECTING --writable--> HANDSHAKE
 *     PING; [AUTH [masteruser] masterauth]; REPLCONF listening-port <port>;
 *     REPLCONF capa eof capa psync2 capa streamd; PSYNC <replid> <offset+1> | PSYNC ? -1
 *   HANDSHAKE --+FULLRESYNC <replid> <offset>--> TRANSFER
 *     "$<len>\r\n" and len bytes, or "$EOF:<40-byte mark>\r\n" and bytes up
 *     to the mark (diskless master); blank lines before it are keep-alives.
 *     The payload is kept in memory, the databases and function libraries
 *     are emptied and the payload loaded by the RDB loader (rdb.c), clients
 *     getting -LOADING meanwhile (the link itself is not read then).
 *   HANDSHAKE --+CONTINUE [<new replid>]--> CONNECTED (partial resync)
 *   TRANSFER --loaded--> CONNECTED
 *
 * CONNECTED: the master client (a ClientFull flagged CLIENT_MASTER and
 * CLIENT_FAKE: it replays what the master accepted, so dispatch skips ACL,
 * OOM, LOADING and READONLY for it, and its replies are dropped) runs each
 * command of the stream. This file parses the stream itself rather than
 * handing it to client.c, to count the offset per command (Redis's reploff:
 * it does not move inside MULTI, so a link that drops mid-transaction
 * resumes before its MULTI), to answer REPLCONF GETACK, and to skip the
 * commands of types streamd lacks (logged once per name, counted in INFO)
 * instead of failing them, which inside MULTI would abort the whole
 * transaction. The link's socket is owned here; the master client has no fd
 * of its own (fd=-1 in CLIENT LIST), so the generic client code never
 * writes to or closes it.
 *
 * Every second the replica sends REPLCONF ACK <offset>. A dropped link
 * (EOF, error, repl-timeout of silence, CLIENT KILL TYPE master) keeps the
 * replication id, offset and selected database, and the next connection
 * asks PSYNC <replid> <offset+1>; retries back off from 100 ms to 5 s.
 *
 * The replication ID and offset are repl.c's (repl_ids()): a replica's are
 * its master's, and what it applies goes on, verbatim, to its backlog and
 * its own replicas (chained replication, see repl.c). A master becoming a
 * replica offers its own history (PSYNC <its replid> <offset+1>): when the
 * new master is its former replica, promoted, it continues partially.
 * REPLICAOF NO ONE promotes: the link closes, the data stays, the server
 * takes a new replication id and keeps the old one as replid2 with
 * second_repl_offset = offset + 1, as Redis does, so that its former
 * siblings continue from it.
 *
 * FAILOVER (repl.c): the master handing over follows its target as
 * REPLICAOF would, adding FAILOVER to its PSYNC, and the answer ends the
 * failover (+CONTINUE or +FULLRESYNC) or aborts it (anything else: a
 * master again). On the other side, a PSYNC ... FAILOVER from a client
 * naming this replica's own ID promotes it first (repl.c's cmd_sync calls
 * replica_unset_master()).
 *
 * repl-diskless-load (disabled / on-empty-db / swapdb) is accepted and
 * changes nothing: every payload is received whole into memory (never to a
 * file), while the old data is still served, and only then are the
 * databases emptied and the payload loaded: 7.0's "disabled" without its
 * temporary file (a payload that fails to load leaves the databases empty,
 * as there; swapdb's restoring of the old data is not done).
 *
 * Differences from Redis 7.0: the payload is not kept as dump.rdb; a
 * command of the stream that streamd lacks is skipped (logged once per
 * name, counted in INFO) and still passed on to this server's replicas.
 */
#include "server/replica.h"
#include "server/repl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "net/tls.h"
#include "persist/aof.h"
#include "persist/globalstate.h"
#include "persist/rdb.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/procenv.h"
#include "server/script.h"

enum {
    RS_NONE = 0,   /* a master */
    RS_CONNECT,    /* waiting to (re)connect */
    RS_CONNECTING, /* connect() in progress */
    RS_HANDSHAKE,  /* PING ... PSYNC, reading their replies */
    RS_TRANSFER,   /* receiving the payload of a full resync */
    RS_CONNECTED,  /* applying the stream */
};

/* What the handshake waits for, in order. */
enum { HS_PING, HS_AUTH, HS_PORT, HS_IP, HS_CAPA, HS_PSYNC };

#define EOF_MARK_LEN    40
#define RETRY_MIN_MS    100
#define RETRY_MAX_MS    5000
#define MAX_LINE        (64 * 1024)
#define MAX_SKIP_NAMES  64
#define MAX_ERROR_LOGS  20
#define LINK_READ_BYTES (16 * 1024)

static char link_tag; /* the epoll data.ptr of the link's socket */

static struct {
    int state;
    char *host;
    int port;
    int fd;
    TlsConn *tls;         /* tls-replication: the link's TLS state, NULL on plain TCP */
    int is_tls_handshake; /* CONNECTING: TCP is up, the TLS handshake is running */
    int epoll_events;     /* registered events, 0 when not registered */
    Buf in;               /* handshake replies, then the payload's header */
    int hs_expect[8];
    int hs_n, hs_at;
    /* replication identity: the ID is repl.c's (repl_ids()) */
    int has_ids;           /* repl_ids() name a position in some master's history */
    long long offset;      /* bytes of the stream applied (Redis's reploff) */
    long long read_offset; /* bytes of the stream read (read_reploff) */
    Buf unfed;             /* applied inside MULTI, not yet fed down (repl.c) */
    char full_replid[41];  /* +FULLRESYNC's, until the payload is loaded */
    long long full_offset;
    /* the payload */
    Buf payload;
    long long payload_len; /* -1: EOF-marked */
    char eof_mark[EOF_MARK_LEN];
    int has_header;
    int64_t transfer_start_ms;
    /* the master client */
    ClientFull *mc;
    int db_index; /* the master's SELECT, kept across reconnections */
    /* times (Unix ms) */
    int64_t last_io_ms;
    int64_t down_since_ms; /* 0: never up */
    int64_t next_try_ms;
    int64_t last_ack_ms;
    int retry_ms;
    /* commands of the stream streamd cannot apply */
    struct {
        char name[32];
        uint64_t n;
    } skipped[MAX_SKIP_NAMES];
    int n_skipped_names;
    uint64_t n_skipped, n_failed;
    uint64_t n_skipped_keys; /* keys of other types in the last full resync's payload */
} rs = {.fd = -1, .retry_ms = RETRY_MIN_MS};

/* ---- identity ------------------------------------------------------------ */

int replica_link_is_up(void) {
    return rs.state == RS_CONNECTED;
}

int replica_stream_db(void) {
    return rs.mc ? rs.mc->db_index : rs.db_index;
}

int replica_is_active(void) {
    return rs.state != RS_NONE;
}

/* Keys on a replica expire only by the master's DEL (db.c). */
static void update_expiry_mode(void) {
    core.is_replica = rs.state != RS_NONE;
}

/* ---- the link -------------------------------------------------------------- */

static void link_watch(int events) {
    if (rs.fd < 0 || rs.epoll_events == events) return;
    struct epoll_event ev = {0};
    ev.events = (uint32_t)events;
    ev.data.ptr = &link_tag;
    int op = rs.epoll_events == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    epoll_ctl(core.epfd, op, rs.fd, &ev);
    rs.epoll_events = events;
}

/* Closes the link (and the master client) and schedules a reconnection. */
static void link_close(const char *why) {
    if (why) log_warning("Connection with master lost (%s).", why);
    if (rs.mc) {
        ClientFull *m = rs.mc;
        rs.db_index = m->db_index;
        rs.mc = NULL; /* before the close: replica_client_closing() ignores it */
        client_close_async(m);
    }
    if (rs.fd >= 0) {
        link_watch(0);
        tls_conn_free(rs.tls);
        rs.tls = NULL;
        rs.is_tls_handshake = 0;
        close(rs.fd);
        rs.fd = -1;
    }
    rs.epoll_events = 0;
    if (rs.state == RS_CONNECTED) {
        rs.down_since_ms = now_ms();
        rs.retry_ms = RETRY_MIN_MS;
    }
    rs.read_offset = rs.offset; /* what was read but not applied is gone */
    buf_free(&rs.unfed);
    buf_free(&rs.in);
    buf_free(&rs.payload);
    rs.has_header = 0;
    if (rs.state != RS_NONE) {
        rs.state = RS_CONNECT;
        rs.next_try_ms = now_ms() + rs.retry_ms;
        rs.retry_ms = rs.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : rs.retry_ms * 2;
    }
}

void replica_client_closing(ClientFull *c) {
    if (c != rs.mc) return;
    rs.db_index = c->db_index;
    rs.mc = NULL;
    link_close("the master client was closed");
}

/* Waits up to ms for the link's socket to be readable (POLLIN) or writable
 * (POLLOUT). 1 when it is. */
static int wait_link(short events, int ms) {
    struct pollfd pfd = {.fd = rs.fd, .events = events};
    int r;
    do {
        r = poll(&pfd, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
}

/* A write to a TLS link. OpenSSL holds a record it could not send whole and
 * must be called again with the same bytes, so a full socket is waited for
 * (briefly: what the replica sends is small) rather than reported. */
static ssize_t tls_send(const char *p, size_t n) {
    for (int tries = 0; tries < 100; tries++) {
        ssize_t w = tls_conn_write(rs.tls, p, n);
        if (w >= 0 || errno != EAGAIN) return w;
        if (!wait_link(tls_conn_write_wants_read(rs.tls) ? POLLIN : POLLOUT, 10)) continue;
    }
    errno = EIO;
    return -1;
}

/* Writes p[0..n) to the link: 0, -1 on an error or a partial write (the
 * link's stream is then broken), -2 when the socket took nothing (full:
 * what was to be sent can be dropped whole). */
static int send_all(const char *p, size_t n) {
    size_t total = n;
    while (n) {
        ssize_t w = rs.tls ? tls_send(p, n) : write(rs.fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && n == total) return -2;
        if (w <= 0) return -1;
        core.stat_net_out += (uint64_t)w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sends one command (NULL-terminated words) on the link; as send_all(). */
static int send_command(const char *const *words) {
    Slice argv[8];
    int argc = 0;
    while (words[argc] && argc < 8) {
        argv[argc] = slice_cstr(words[argc]);
        argc++;
    }
    Buf b;
    buf_init(&b);
    resp_append_command(&b, argc, argv);
    int rc = send_all(b.p, b.len);
    buf_free(&b);
    return rc;
}

static void start_connect(void) {
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", rs.port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    log_notice("Connecting to MASTER %s:%d", rs.host, rs.port);
    if (getaddrinfo(rs.host, portstr, &hints, &res) != 0 || !res) {
        log_warning("Unable to connect to MASTER: can't resolve %s", rs.host);
        link_close(NULL);
        return;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        link_close(NULL);
        return;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
    procenv_socket(fd);
    procenv_bind_source(fd, res->ai_family); /* a failed bind: the system picks */
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    rs.fd = fd;
    rs.epoll_events = 0;
    if (rc != 0 && errno != EINPROGRESS) {
        log_warning("Unable to connect to MASTER: %s", strerror(errno));
        link_close(NULL);
        return;
    }
    rs.state = RS_CONNECTING;
    rs.last_io_ms = now_ms();
    link_watch(EPOLLOUT);
}

static void tls_handshake_step(void);
static void begin_handshake(void);

/* The connection is up: the TLS handshake (tls-replication), then PING
 * first; the rest follows its reply. */
static void on_connected(void) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(rs.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        log_warning("Error condition on socket for SYNC: %s", strerror(err ? err : errno));
        link_close(NULL);
        return;
    }
    if (settings.tls_replication) {
        rs.tls = tls_conn_connect(rs.fd);
        if (!rs.tls) {
            log_warning("Unable to connect to MASTER: TLS is not configured");
            link_close(NULL);
            return;
        }
        rs.is_tls_handshake = 1;
        tls_handshake_step();
        return;
    }
    begin_handshake();
}

/* The TLS handshake with the master, one step per socket event. */
static void tls_handshake_step(void) {
    int rc = tls_conn_handshake(rs.tls);
    if (rc < 0) {
        log_warning("Error condition on socket for SYNC: %s", tls_conn_error(rs.tls));
        link_close(NULL);
        return;
    }
    if (rc == 0) {
        link_watch(tls_conn_read_wants_write(rs.tls) ? EPOLLOUT : EPOLLIN);
        return;
    }
    rs.is_tls_handshake = 0;
    begin_handshake();
}

/* The replication handshake, PING first; the rest follows its reply. */
static void begin_handshake(void) {
    log_notice("MASTER <-> REPLICA sync started");
    link_watch(EPOLLIN);
    rs.state = RS_HANDSHAKE;
    buf_clear(&rs.in);
    rs.hs_n = rs.hs_at = 0;
    static const char *const ping[] = {"PING", NULL};
    if (send_command(ping) != 0) {
        link_close("write error");
        return;
    }
    rs.hs_expect[rs.hs_n++] = HS_PING;
}

/* After PING's reply: AUTH, REPLCONF and REPLCONF, pipelined. */
static int send_rest_of_handshake(void) {
    rs.hs_n = rs.hs_at = 0;
    if (settings.masterauth && *settings.masterauth) {
        const char *auth[] = {"AUTH", settings.masterauth, NULL, NULL};
        if (settings.masteruser && *settings.masteruser) {
            auth[1] = settings.masteruser;
            auth[2] = settings.masterauth;
        }
        if (send_command(auth) != 0) return -1;
        rs.hs_expect[rs.hs_n++] = HS_AUTH;
    }
    char port[24];
    snprintf(port, sizeof port, "%lld",
             settings.replica_announce_port ? settings.replica_announce_port : settings.port);
    const char *lp[] = {"REPLCONF", "listening-port", port, NULL};
    /* replica-announce-ip: the address the master is to show for us */
    const char *ip[] = {"REPLCONF", "ip-address", settings.replica_announce_ip, NULL};
    int announce_ip = settings.replica_announce_ip && *settings.replica_announce_ip;
    /* capa streamd: a streamd master sends its full RDB (stream types 21/26/27
     * with idempotency and XNACK state); Redis ignores capabilities it does not
     * know */
    const char *capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2", "capa", "streamd", NULL};
    if (send_command(lp) != 0 || (announce_ip && send_command(ip) != 0) || send_command(capa) != 0)
        return -1;
    rs.hs_expect[rs.hs_n++] = HS_PORT;
    if (announce_ip) rs.hs_expect[rs.hs_n++] = HS_IP;
    rs.hs_expect[rs.hs_n++] = HS_CAPA;
    return 0;
}

/* After the replies to REPLCONF (a master refuses PSYNC while it still has
 * replies to send). */
static int send_psync(void) {
    char off[24];
    const char *psync[] = {"PSYNC", "?", "-1", NULL, NULL};
    if (rs.has_ids) {
        const char *id, *id2;
        long long cur, off2;
        repl_ids(&id, &id2, &cur, &off2);
        snprintf(off, sizeof off, "%lld", rs.offset + 1);
        psync[1] = id;
        psync[2] = off;
        log_notice("Trying a partial resynchronization (request %s:%s).", id, off);
    } else {
        log_notice("Partial resynchronization not possible (no cached master)");
    }
    /* FAILOVER: the target takes our role when the ID is its own */
    if (repl_failover_in_progress()) psync[3] = "FAILOVER";
    if (send_command(psync) != 0) {
        repl_failover_abort("Write error to failover target");
        return -1;
    }
    rs.hs_expect[rs.hs_n++] = HS_PSYNC;
    return 0;
}

static void create_master_client(void);
static void process_stream(void);
static void transfer_progress(void);
static void send_ack(void);

/* Handles one reply line of the handshake; -1 drops the link. */
static int handshake_line(const char *line) {
    int what = rs.hs_expect[rs.hs_at++];
    switch (what) {
    case HS_PING:
        if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) != 0 &&
            strncmp(line, "-NOPERM", 7) != 0 &&
            strncmp(line, "-ERR operation not permitted", 28) != 0) {
            log_warning("Error reply to PING from master: '%s'", line);
            return -1;
        }
        log_notice("Master replied to PING, replication can continue...");
        return send_rest_of_handshake();
    case HS_AUTH:
        if (line[0] == '-') {
            log_warning("Unable to AUTH to MASTER: %s", line);
            return -1;
        }
        return 0;
    case HS_PORT:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF listening-port: %s",
                       line);
        return 0;
    case HS_IP:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF ip-address: %s", line);
        return 0;
    case HS_CAPA:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF capa: %s", line);
        return send_psync();
    default:
        break;
    }
    /* PSYNC; the failover this server is handing over ends with its
     * answer: done when the target takes us as a replica, else aborted
     * (this server a master again) */
    if (repl_failover_in_progress()) {
        if (strncmp(line, "+FULLRESYNC", 11) == 0 || strncmp(line, "+CONTINUE", 9) == 0) {
            repl_failover_done();
        } else {
            repl_failover_abort("Failover target rejected psync request");
            return -1;
        }
    }
    if (strncmp(line, "+FULLRESYNC", 11) == 0) {
        const char *p = line + 11;
        while (*p == ' ') p++;
        const char *sp = strchr(p, ' ');
        if (!sp || sp - p != 40) {
            log_warning("Master replied with wrong +FULLRESYNC syntax.");
            return -1;
        }
        memcpy(rs.full_replid, p, 40);
        rs.full_replid[40] = '\0';
        rs.full_offset = strtoll(sp + 1, NULL, 10);
        log_notice("Full resync from master: %s:%lld", rs.full_replid, rs.full_offset);
        rs.state = RS_TRANSFER;
        rs.has_header = 0;
        rs.transfer_start_ms = now_ms();
        buf_clear(&rs.payload);
        return 0;
    }
    if (strncmp(line, "+CONTINUE", 9) == 0) {
        const char *p = line + 9;
        while (*p == ' ') p++;
        repl_master_continued(strlen(p) == 40 ? p : NULL);
        log_notice("Successful partial resynchronization with master.");
        log_notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        rs.read_offset = rs.offset;
        create_master_client();
        return 0;
    }
    if (strncmp(line, "-NOMASTERLINK", 13) == 0 || strncmp(line, "-LOADING", 8) == 0) {
        log_notice("Master is currently unable to PSYNC but should be in the future: %s", line);
        return -1;
    }
    log_warning("Unexpected reply to PSYNC from master: %s", line);
    return -1;
}

/* Pops one line (without its CR LF) from rs.in into out; 0 none yet. */
static int pop_line(char *out, size_t cap) {
    const char *p = buf_data(&rs.in);
    size_t n = buf_live(&rs.in);
    const char *nl = memchr(p, '\n', n);
    if (!nl) return 0;
    size_t len = (size_t)(nl - p);
    size_t keep = len && p[len - 1] == '\r' ? len - 1 : len;
    if (keep >= cap) keep = cap - 1;
    memcpy(out, p, keep);
    out[keep] = '\0';
    buf_consume(&rs.in, len + 1);
    return 1;
}

/* Loads the received payload and starts applying the stream. */
static void load_payload(void) {
    log_notice("MASTER <-> REPLICA sync: received %zu bytes of payload", buf_live(&rs.payload));
    link_watch(0); /* nothing is read from the link while the clients are served */
    /* The AOF stops while the data is replaced, and starts again with a
     * rewrite of the loaded data, as Redis does: the old file plus the
     * stream would not be this dataset. */
    repl_drop_replicas(); /* they would continue a history being replaced */
    int aof_on = server.appendonly;
    if (aof_on) aof_set_enabled(0);
    log_notice("MASTER <-> REPLICA sync: Flushing old data");
    server_flush_all_dbs_lazy(settings.replica_lazy_flush);
    function_flush();
    persist_globals_reset();
    log_notice("MASTER <-> REPLICA sync: Loading DB in memory");
    int fd = rs.fd;
    long long n_foreign = 0;
    int rc = rdb_load_replica_payload((const uint8_t *)buf_data(&rs.payload), buf_live(&rs.payload),
                                      &n_foreign);
    rs.n_skipped_keys = (uint64_t)n_foreign;
    buf_free(&rs.payload);
    if (aof_on && aof_set_enabled(1) != 0)
        log_warning("Failed enabling the AOF after successful master synchronization!");
    if (rs.fd != fd || rs.state != RS_TRANSFER) return; /* REPLICAOF meanwhile (not reachable) */
    if (rc != 0) {
        log_warning("Failed trying to load the MASTER synchronization DB from socket");
        rs.has_ids = 0; /* the data is no position in any history now */
        link_close(NULL);
        return;
    }
    repl_new_master_history(rs.full_replid, rs.full_offset);
    rs.offset = rs.read_offset = rs.full_offset;
    rs.has_ids = 1;
    /* a master's stream starts with a SELECT; a replica's (chained) goes on
     * in the database its RDB names */
    int db = rdb_replica_payload_stream_db();
    rs.db_index = db >= 0 && db < core.n_dbs ? db : 0;
    server.dirty++;
    create_master_client();
}

static void create_master_client(void) {
    ClientFull *c = client_create(-1, 0);
    c->pub.flags |= CLIENT_MASTER | CLIENT_FAKE | CLIENT_AUTHENTICATED;
    c->user = acl_superuser();
    snprintf(c->addr, sizeof c->addr, "%s:%d", rs.host, rs.port);
    struct sockaddr_storage ls;
    socklen_t ll = sizeof ls;
    char host[INET6_ADDRSTRLEN] = "";
    if (getsockname(rs.fd, (struct sockaddr *)&ls, &ll) == 0) {
        if (ls.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ls;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            snprintf(c->laddr, sizeof c->laddr, "%s:%d", host, ntohs(a->sin_port));
        } else if (ls.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ls;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            snprintf(c->laddr, sizeof c->laddr, "[%s]:%d", host, ntohs(a->sin6_port));
        }
    }
    client_set_db(c, rs.db_index < core.n_dbs ? rs.db_index : 0);
    rs.mc = c;
    rs.state = RS_CONNECTED;
    rs.retry_ms = RETRY_MIN_MS;
    rs.last_io_ms = rs.last_ack_ms = now_ms();
    /* what arrived after the payload or the +CONTINUE is the stream */
    if (buf_live(&rs.in)) {
        buf_append(&c->qbuf, buf_data(&rs.in), buf_live(&rs.in));
        rs.read_offset += (long long)buf_live(&rs.in);
    }
    buf_free(&rs.in);
    link_watch(EPOLLIN);
    log_notice("MASTER <-> REPLICA sync: link up, replication offset %lld", rs.offset);
    send_ack(); /* a diskless master starts the stream on the first ACK */
    process_stream();
}

/* ---- the payload ----------------------------------------------------------- */

static void transfer_progress(void) {
    if (!rs.has_header) {
        char line[256];
        for (;;) {
            if (!pop_line(line, sizeof line)) {
                if (buf_live(&rs.in) > MAX_LINE) link_close("bad payload header");
                return;
            }
            if (line[0] == '\0') continue; /* the master's keep-alive while it prepares */
            break;
        }
        if (line[0] == '-') {
            log_warning("MASTER aborted replication with an error: %s", line);
            link_close(NULL);
            return;
        }
        if (line[0] != '$') {
            log_warning("Bad protocol from MASTER, the first byte is not '$' (we received "
                        "'%.64s'), are you sure the host and port are right?",
                        line);
            link_close(NULL);
            return;
        }
        if (strncmp(line + 1, "EOF:", 4) == 0 && strlen(line + 5) == EOF_MARK_LEN) {
            memcpy(rs.eof_mark, line + 5, EOF_MARK_LEN);
            rs.payload_len = -1;
            log_notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to "
                       "disk");
        } else {
            char *end;
            rs.payload_len = strtoll(line + 1, &end, 10);
            if (*end || rs.payload_len < 0) {
                link_close("bad payload length");
                return;
            }
            log_notice("MASTER <-> REPLICA sync: receiving %lld bytes from master to disk",
                       rs.payload_len);
            /* the length is a claim until the bytes come: the buffer grows
             * as they arrive (on_readable), from at most 1 MB reserved now */
            buf_reserve(&rs.payload, rs.payload_len < (1 << 20) ? (size_t)rs.payload_len : 1 << 20);
        }
        rs.has_header = 1;
    }
    /* move what was read into the payload */
    size_t n = buf_live(&rs.in), before = buf_live(&rs.payload);
    if (rs.payload_len >= 0) {
        size_t want = (size_t)rs.payload_len - before;
        if (n > want) n = want;
    }
    if (n) {
        buf_append(&rs.payload, buf_data(&rs.in), n);
        buf_consume(&rs.in, n);
    }
    if (rs.payload_len >= 0) {
        if (buf_live(&rs.payload) == (size_t)rs.payload_len) load_payload();
        return;
    }
    /* the mark may end anywhere in what just arrived (the stream may follow
     * it in the same read): what lies after it goes back to rs.in */
    size_t have = buf_live(&rs.payload);
    if (have < EOF_MARK_LEN) return; /* (an empty buffer has no data pointer) */
    size_t from = before > EOF_MARK_LEN ? before - EOF_MARK_LEN : 0;
    const char *base = buf_data(&rs.payload);
    const char *m = memmem(base + from, have - from, rs.eof_mark, EOF_MARK_LEN);
    if (!m) return;
    size_t end = (size_t)(m - base);
    if (end + EOF_MARK_LEN < have) {
        Buf rest;
        buf_init(&rest);
        buf_append(&rest, m + EOF_MARK_LEN, have - end - EOF_MARK_LEN);
        buf_append(&rest, buf_data(&rs.in), buf_live(&rs.in));
        buf_free(&rs.in);
        rs.in = rest;
    }
    rs.payload.len = rs.payload.off + end;
    load_payload();
}

/* ---- the stream ------------------------------------------------------------ */

static void send_ack(void) {
    if (rs.state != RS_CONNECTED || rs.fd < 0) return;
    char off[24];
    snprintf(off, sizeof off, "%lld", rs.offset);
    const char *ack[] = {"REPLCONF", "ACK", off, NULL};
    /* one dropped while the socket is full matters not: the next second
     * sends another */
    if (send_command(ack) == -1) link_close("write error");
    rs.last_ack_ms = now_ms();
}

static void note_skipped(Slice name) {
    rs.n_skipped++;
    char low[32];
    size_t n = name.len < sizeof low - 1 ? name.len : sizeof low - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = name.p[i];
        low[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    low[n] = '\0';
    for (int i = 0; i < rs.n_skipped_names; i++) {
        if (strcmp(rs.skipped[i].name, low) == 0) {
            rs.skipped[i].n++;
            return;
        }
    }
    log_warning("Replication stream: '%s' is a command streamd does not have (a type it does "
                "not store): skipped, and every later one too; such keys are missing here",
                low);
    if (rs.n_skipped_names < MAX_SKIP_NAMES) {
        memcpy(rs.skipped[rs.n_skipped_names].name, low, n + 1);
        rs.skipped[rs.n_skipped_names].n = 1;
        rs.n_skipped_names++;
    }
}

/* Runs every whole command in the master client's query buffer. */
static void process_stream(void) {
    ClientFull *c = rs.mc;
    if (!c) return;
    Client *pc = &c->pub;
    RespLimits lim = {settings.proto_max_bulk_len, 1024LL * 1024 * 1024, 64 * 1024, 1, 0, 0};
    core.call_start_us = real_us();
    while (rs.mc == c && !c->is_closing && buf_live(&c->qbuf) > 0) {
        size_t used;
        const char *err;
        lim.checked_end = c->args.partial_bulk_end;
        int rc = resp_parse(buf_data(&c->qbuf), buf_live(&c->qbuf), &lim, &c->args, &used, &err);
        if (rc == RESP_INCOMPLETE) break;
        if (rc == RESP_ERROR) {
            log_warning("Protocol error (%s) in the replication stream", err);
            link_close(NULL);
            return;
        }
        int argc = c->args.n;
        Slice *argv = c->args.v;
        if (argc > 0) {
            if (argc >= 2 && slice_eq_nocase(argv[0], "replconf")) {
                /* GETACK: the offset before this command, as Redis answers */
                if (slice_eq_nocase(argv[1], "getack")) send_ack();
            } else if (!command_lookup(argv[0].p, argv[0].len)) {
                note_skipped(argv[0]);
            } else {
                if (server.write_refused && !strncmp(server.write_refused, "MISCONF", 7)) {
                    /* the AOF (or a snapshot) cannot be written: Redis's
                     * replica stops rather than apply what it cannot keep,
                     * unless replica-ignore-disk-write-errors */
                    const Command *wc = command_lookup(argv[0].p, argv[0].len);
                    if (wc && (wc->flags & CMD_WRITE)) {
                        if (!settings.replica_ignore_disk_write_errors) {
                            log_warning("Replica was unable to write command to disk.");
                            abort();
                        }
                        static int64_t last_log_ms;
                        if (now_ms() - last_log_ms > 10000) {
                            last_log_ms = now_ms();
                            log_warning("Replica is applying a command even though it is unable "
                                        "to write to disk.");
                        }
                    }
                }
                pc->argc = argc;
                pc->argv = argv;
                xfree(c->last_error);
                c->last_error = NULL;
                core.replica_applying = 1;
                dispatch_command(c);
                core.replica_applying = 0;
                pc->argc = 0;
                pc->argv = NULL;
                buf_clear(&c->obuf);
                if (c->last_error && settings.propagation_error_behavior != 0) {
                    /* propagation-error-behavior panic / panic-on-replicas */
                    log_warning("== CRITICAL == This replica panicked sending an error to its "
                                "master after processing the command '%.*s': '%s'",
                                (int)(argv[0].len > 64 ? 64 : argv[0].len), argv[0].p,
                                c->last_error);
                    abort();
                }
                if (c->last_error) {
                    rs.n_failed++;
                    if (rs.n_failed <= MAX_ERROR_LOGS)
                        log_warning("== CRITICAL == This replica got an error applying a command "
                                    "from its master: '%s'",
                                    c->last_error);
                }
            }
        }
        if (rs.mc != c || c->is_closing) return;
        /* what is applied goes down the chain verbatim (backlog and this
         * server's replicas) as the offset moves: a transaction at its EXEC */
        buf_append(&rs.unfed, buf_data(&c->qbuf), used);
        buf_consume(&c->qbuf, used);
        if (!(pc->flags & CLIENT_MULTI)) {
            rs.offset = rs.read_offset - (long long)buf_live(&c->qbuf);
            repl_feed_master_stream(buf_data(&rs.unfed), buf_live(&rs.unfed));
            buf_clear(&rs.unfed);
        }
    }
    if (rs.unfed.cap > (1u << 20) && buf_live(&rs.unfed) == 0) buf_free(&rs.unfed);
    /* a dropped query buffer that a big argument grew */
    if (buf_live(&c->qbuf) == 0 && c->qbuf.cap > (1u << 20)) buf_free(&c->qbuf);
}

static void on_readable(void) {
    Buf *b = rs.state == RS_CONNECTED && rs.mc ? &rs.mc->qbuf : &rs.in;
    size_t want = LINK_READ_BYTES;
    if (rs.state == RS_TRANSFER && rs.has_header && rs.payload_len >= 0) {
        /* the payload straight into its buffer */
        size_t left = (size_t)rs.payload_len - buf_live(&rs.payload);
        if (left > 0 && buf_live(&rs.in) == 0) {
            b = &rs.payload;
            want = left < (1u << 20) ? left : (1u << 20);
        }
    }
    buf_reserve(b, want);
    ssize_t n =
        rs.tls ? tls_conn_read(rs.tls, b->p + b->len, want) : read(rs.fd, b->p + b->len, want);
    core.stat_reads++;
    if (n == 0) {
        link_close("EOF");
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            /* (a key update that could not go out: wait for room, then the
             * next readable event reads again) */
            if (rs.tls && tls_conn_read_wants_write(rs.tls)) wait_link(POLLOUT, 100);
            return;
        }
        link_close(rs.tls ? tls_conn_error(rs.tls) : strerror(errno));
        return;
    }
    b->len += (size_t)n;
    /* the master's stream and payload are replication input (INFO
     * total_net_repl_input_bytes); the handshake's replies count nowhere,
     * as 7.0 reads them outside its client */
    if (rs.state != RS_HANDSHAKE) core.stat_net_repl_in += (uint64_t)n;
    rs.last_io_ms = now_ms();
    switch (rs.state) {
    case RS_HANDSHAKE: {
        char line[1024];
        while (rs.state == RS_HANDSHAKE && rs.hs_at < rs.hs_n && pop_line(line, sizeof line)) {
            if (line[0] == '\0') continue;
            if (handshake_line(line) != 0) {
                link_close(NULL);
                return;
            }
        }
        /* what came behind the last reply in the same read is the payload
         * (or the stream) */
        if (rs.state != RS_HANDSHAKE) core.stat_net_repl_in += buf_live(&rs.in);
        if (rs.state == RS_TRANSFER) transfer_progress();
        if (rs.state == RS_HANDSHAKE && buf_live(&rs.in) > MAX_LINE) link_close("reply too long");
        break;
    }
    case RS_TRANSFER:
        if (b == &rs.payload) {
            if (buf_live(&rs.payload) == (size_t)rs.payload_len) load_payload();
        } else {
            transfer_progress();
        }
        break;
    case RS_CONNECTED:
        rs.read_offset += n;
        rs.mc->last_ms = rs.last_io_ms;
        process_stream();
        break;
    default:
        break;
    }
}

int replica_owns_event(const void *ptr) {
    return ptr == &link_tag;
}

void replica_on_event(uint32_t events) {
    if (rs.fd < 0) return;
    if (rs.state == RS_CONNECTING) {
        if (rs.is_tls_handshake)
            tls_handshake_step();
        else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            on_connected();
        return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    on_readable();
    /* input OpenSSL decrypted ahead: no socket event announces it (the
     * link is not read while a payload loads: rs.state leaves TRANSFER
     * only when it is done) */
    for (int k = 0; k < 64 && rs.fd >= 0 && rs.tls && tls_conn_pending(rs.tls) > 0; k++)
        on_readable();
}

static void cron(void) {
    int64_t now = now_ms();
    switch (rs.state) {
    case RS_CONNECT:
        if (now >= rs.next_try_ms) start_connect();
        break;
    case RS_CONNECTING:
    case RS_HANDSHAKE:
    case RS_TRANSFER:
    case RS_CONNECTED:
        if (now - rs.last_io_ms > settings.repl_timeout * 1000) {
            log_warning("Timeout connecting to / receiving from the MASTER...");
            link_close(NULL);
            break;
        }
        if (rs.state == RS_CONNECTED && now - rs.last_ack_ms >= 1000) send_ack();
        break;
    default:
        break;
    }
}

/* ---- REPLICAOF ------------------------------------------------------------- */

static void set_replicaof_setting(void) {
    xfree(settings.replicaof);
    if (rs.state == RS_NONE) {
        settings.replicaof = xstrdup("");
    } else {
        char b[300];
        snprintf(b, sizeof b, "%s %d", rs.host, rs.port);
        settings.replicaof = xstrdup(b);
    }
}

/* A master becoming a replica: its blocked clients (not those held by
 * CLIENT PAUSE, whose commands have not started) get 7.0's error and are
 * closed after it, as what they wait for may never come. */
static void unblock_all_blocked(void) {
    size_t n = core.n_blocked;
    ClientFull **v = xmalloc((n ? n : 1) * sizeof *v);
    if (n) memcpy(v, core.blocked, n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        ClientFull *o = v[i];
        if (!o->block || (o->pub.flags & CLIENT_POSTPONED)) continue;
        reply_error(&o->pub, "UNBLOCKED force unblock from blocking operation, instance state "
                             "changed (master -> replica?)");
        block_unblock(o, 0);
        block_after_unblock(o);
        o->pub.flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
    xfree(v);
}

/* is_startup: the replicaof setting at start-up (no history of our own to
 * continue: PSYNC ? -1, as Redis without a cached master). */
static void follow(const char *host, int port, int is_startup) {
    link_close(NULL);
    if (rs.state == RS_NONE) {
        unblock_all_blocked();
        /* A master becoming a replica keeps its data until a full resync
         * replaces it, and offers its own history (ID and offset) to the
         * new master: if that was its replica, promoted, it continues. Its
         * own replicas stay, as in Redis 7.0: they learn of the new master's
         * history when this server resynchronises. */
        const char *id, *id2;
        long long off, off2;
        repl_ids(&id, &id2, &off, &off2);
        rs.has_ids = !is_startup;
        rs.offset = rs.read_offset = off;
        rs.down_since_ms = 0;
        repl_become_replica();
    }
    xfree(rs.host);
    rs.host = xstrdup(host);
    rs.port = port;
    rs.state = RS_CONNECT;
    rs.next_try_ms = 0;
    rs.retry_ms = RETRY_MIN_MS;
    rs.db_index = 0;
    set_replicaof_setting();
    update_expiry_mode();
}

static void promote(void) {
    link_close(NULL);
    rs.state = RS_NONE;
    repl_promoted(); /* a new ID, the old one as replid2 (repl.c) */
    xfree(rs.host);
    rs.host = NULL;
    rs.port = 0;
    set_replicaof_setting();
    update_expiry_mode();
    log_notice("MASTER MODE enabled");
}

void replica_failover_to(const char *host, int port) {
    follow(host, port, 0);
    log_notice("Connecting to MASTER %s:%d (failover)", host, port);
}

void replica_unset_master(void) {
    if (rs.state != RS_NONE) promote();
}

static void cmd_replicaof(Client *c) {
    if (repl_failover_active()) {
        reply_error(c, "ERR REPLICAOF not allowed while failing over.");
        return;
    }
    if (slice_eq_nocase(c->argv[1], "no") && slice_eq_nocase(c->argv[2], "one")) {
        if (rs.state != RS_NONE) promote();
        reply_ok(c);
        return;
    }
    long long port;
    if (parse_ll(c->argv[2], &port) != 0 || port < 0 || port > 65535) {
        reply_error(c, "ERR Invalid master port");
        return;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(c->argv[1].len > 255 ? 255 : c->argv[1].len),
             c->argv[1].p);
    if (rs.state != RS_NONE && strcasecmp(rs.host, host) == 0 && rs.port == port) {
        log_notice("REPLICAOF would result into synchronization with the master we are already "
                   "connected with. No operation performed.");
        reply_status(c, "OK Already connected to specified master");
        return;
    }
    follow(host, (int)port, 0);
    log_notice("REPLICAOF %s:%d enabled (user request from 'id=%llu addr=%s')", host, (int)port,
               (unsigned long long)c->id, CF(c)->addr);
    reply_ok(c);
}

/* ---- what a replica reports ---------------------------------------------- */

static const char *state_name(void) {
    switch (rs.state) {
    case RS_CONNECT:
        return "connect";
    case RS_CONNECTING:
        return "connecting";
    case RS_HANDSHAKE:
        return "handshake";
    case RS_TRANSFER:
        return "sync";
    case RS_CONNECTED:
        return "connected";
    default:
        return "none";
    }
}

int replica_info(Buf *b) {
    if (rs.state == RS_NONE) return 0;
    int64_t now = now_ms();
    int up = rs.state == RS_CONNECTED;
    buf_printf(b,
               "# Replication\r\nrole:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\n"
               "master_link_status:%s\r\nmaster_last_io_seconds_ago:%d\r\n"
               "master_sync_in_progress:%d\r\nslave_read_repl_offset:%lld\r\n"
               "slave_repl_offset:%lld\r\n",
               rs.host, rs.port, up ? "up" : "down",
               rs.mc ? (int)((now - rs.last_io_ms) / 1000) : -1, rs.state == RS_TRANSFER,
               rs.has_ids ? rs.read_offset : 0, rs.has_ids ? rs.offset : 0);
    if (rs.state == RS_TRANSFER) {
        /* as 7.0 reports them: -1 bytes before the payload's header, 0 for
         * an EOF-marked payload, and the percentage as the plain quotient
         * (-0.00 before the header) */
        long long total = !rs.has_header ? -1 : rs.payload_len >= 0 ? rs.payload_len : 0;
        long long got = (long long)buf_live(&rs.payload);
        double perc = (double)got / (double)total * 100;
        buf_printf(b,
                   "master_sync_total_bytes:%lld\r\nmaster_sync_read_bytes:%lld\r\n"
                   "master_sync_left_bytes:%lld\r\nmaster_sync_perc:%.2f\r\n"
                   "master_sync_last_io_seconds_ago:%d\r\n",
                   total, got, total - got, perc, (int)((now - rs.last_io_ms) / 1000));
    }
    if (!up)
        buf_printf(b, "master_link_down_since_seconds:%lld\r\n",
                   rs.down_since_ms ? (long long)((now - rs.down_since_ms) / 1000) : -1LL);
    buf_printf(b, "slave_priority:%lld\r\nslave_read_only:%d\r\nreplica_announced:%d\r\n",
               settings.replica_priority, settings.replica_read_only, settings.replica_announced);
    repl_info_master(b); /* connected_slaves to the backlog, as a master's */
    /* streamd's own: what the stream held that streamd could not apply */
    buf_printf(b,
               "replica_skipped_keys:%llu\r\nreplica_skipped_commands:%llu\r\n"
               "replica_failed_commands:%llu\r\n",
               (unsigned long long)rs.n_skipped_keys, (unsigned long long)rs.n_skipped,
               (unsigned long long)rs.n_failed);
    if (rs.n_skipped_names) {
        buf_append_cstr(b, "replica_skipped_by_name:");
        for (int i = 0; i < rs.n_skipped_names; i++)
            buf_printf(b, "%s%s=%llu", i ? "," : "", rs.skipped[i].name,
                       (unsigned long long)rs.skipped[i].n);
        buf_append(b, "\r\n", 2);
    }
    return 1;
}

int replica_role_reply(Client *c) {
    if (rs.state == RS_NONE) return 0;
    reply_array(c, 5);
    reply_bulk_cstr(c, "slave");
    reply_bulk_cstr(c, rs.host);
    reply_int(c, rs.port);
    reply_bulk_cstr(c, state_name());
    reply_int(c, rs.mc ? rs.offset : -1);
    return 1;
}

int replica_refuses_writes(const Client *c) {
    return rs.state != RS_NONE && settings.replica_read_only && c &&
           !(c->flags & (CLIENT_FAKE | CLIENT_MASTER));
}

int replica_is_stale(const Client *c) {
    return rs.state != RS_NONE && rs.state != RS_CONNECTED && !settings.replica_serve_stale_data &&
           c && !(c->flags & (CLIENT_FAKE | CLIENT_MASTER));
}

const char *replica_refusal(const Client *c, const Command *cmd) {
    if (rs.state == RS_NONE || (c->flags & (CLIENT_FAKE | CLIENT_MASTER))) return NULL;
    if (settings.replica_read_only && (cmd->flags & CMD_WRITE))
        return "READONLY You can't write against a read only replica.";
    if (!(cmd->flags & CMD_STALE) && replica_is_stale(c)) return REPLICA_MASTERDOWN_ERROR;
    return NULL;
}

/* ---- start-up -------------------------------------------------------------- */

void replica_startup(void) {
    server_on_cron(cron);
    const char *v = settings.replicaof;
    if (!v || !*v) return;
    char host[256];
    int port;
    if (sscanf(v, "%255s %d", host, &port) != 2 || port < 0 || port > 65535) {
        log_warning("Invalid replicaof setting '%s': not following a master", v);
        return;
    }
    follow(host, port, 1);
}

const Command replica_commands[] = {
    {"replicaof", cmd_replicaof, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"slaveof", cmd_replicaof, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
