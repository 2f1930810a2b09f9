/*
 * repl.c - the master side of Redis replication.
 *
 * A replica (redis-server --replicaof, or anything speaking the protocol)
 * connects as a client and sends PING, REPLCONF listening-port / capa, then
 * PSYNC <replid> <offset> (or the old SYNC). From then on the connection
 * carries the replication stream: exactly the propagation records the AOF
 * gets (dispatch.c's sink), preceded by SELECT whenever the database changes
 * (a "current db" of the stream's own, as the AOF has its own), plus PING
 * every repl-ping-replica-period seconds and REPLCONF GETACK * when WAIT
 * needs fresh acknowledgements. The replica answers with REPLCONF ACK
 * <offset> every second and after each GETACK; nothing is ever replied to it.
 *
 * Offsets. master_repl_offset counts every byte of the stream since the
 * replication ID was made. The backlog is a circular buffer of the last
 * repl-backlog-size bytes; first_byte_offset = master_repl_offset - histlen
 * + 1. It exists only from the first replica's sync until repl-backlog-ttl
 * seconds after the last replica left: until then the records are not
 * copied anywhere and the offset stays still, and the record sink stays the
 * AOF's alone (dispatch.c chooses the sink, so the command path pays nothing
 * for replication while there is no backlog). Creating the backlog from
 * nothing makes a new replication ID, as Redis does: no replica could hold
 * history of an offset nobody recorded.
 *
 * Partial resync. PSYNC <id> <off> continues (+CONTINUE <id>, then the
 * backlog from off) when id is the current ID, or the previous one (replid2)
 * with off <= second_repl_offset, and off lies within the backlog
 * [first_byte_offset, master_repl_offset + 1].
 *
 * Full resync (one child per replica). The parent puts "+FULLRESYNC <id>
 * <offset>" in the replica's output and forks. Disk-based (repl-diskless-
 * sync no, or a replica without capa eof): the child writes an RDB of its
 * snapshot to an unlinked temporary file in dir, then sends the output the
 * parent had pending at the fork (that line), "$<length>\r\n" and the file.
 * Diskless (the default, as in 7.0): the child sends that line and
 * "$EOF:<40 random hex>\r\n", relays the RDB that a grandchild writes into
 * a pipe (blocking writes, which the shared non-blocking socket cannot
 * take), then the same 40 bytes; the replica cannot tell where such a
 * payload ends if stream bytes follow in the same read, so the stream
 * waits for the replica's first REPLCONF ACK, as in Redis. Diskless syncs
 * wait repl-diskless-sync-delay seconds for more replicas to come (or until
 * repl-diskless-sync-max-replicas wait), then all start in one event-loop
 * turn, at one offset, each with its own child (Redis shares one RDB
 * between them: rejected here to keep one child's failure one replica's).
 * The child polls the non-blocking socket rather than changing its flags
 * (shared with the parent). Meanwhile the parent writes nothing to that
 * socket: the stream from the fork on is kept for the replica (counted
 * against the replica output-buffer limit) and becomes its output when the
 * child exits successfully, the replica going online.
 *
 * Chained replication. A replica (replica.c) keeps this file's state too:
 * its master's replication ID and offset become its own, a backlog is made
 * at its full resync (whether or not it has replicas: promoted after a
 * failover, it serves its former siblings' partial resyncs from it), and
 * the bytes of its master's stream are fed, verbatim, to the backlog and to
 * its own replicas as they are applied (repl_feed_master_stream()); the
 * records of the commands it runs are not (update_sink()). It makes no
 * PING or GETACK of its own: its master's pass through. A full resync of
 * its own closes its replicas, and so does a new master ID in a partial
 * one (they reconnect and continue with the new ID). REPLICAOF NO ONE takes
 * a new ID and keeps the old one as replid2 up to offset + 1.
 *
 * FAILOVER (its own section below) hands the master role to a replica:
 * writes held until the replica has acknowledged the whole stream, then
 * this server follows it with "PSYNC <replid> <offset+1> FAILOVER", which
 * makes the replica promote itself and continue us partially. */
#include "server/repl.h"
#include "server/replica.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "persist/aof.h"
#include "persist/dumpvalue.h"
#include "persist/rdb.h"
#include "server/core.h"
#include "server/procenv.h"

/* FAILOVER's states, as INFO replication's master_failover_state names them. */
enum { FO_NONE = 0, FO_WAIT_SYNC, FO_IN_PROGRESS };

/* WAIT_START: a diskless sync waiting for repl-diskless-sync-delay. */
/* SEND_BULK: a TLS replica's RDB file going out through its output buffer. */
enum {
    REPLICA_NONE = 0,
    REPLICA_WAIT_START,
    REPLICA_WAIT_BGSAVE,
    REPLICA_SEND_BULK,
    REPLICA_ONLINE
};

typedef struct ReplicaState {
    int state;
    long long listening_port;
    char ip[46];           /* REPLCONF ip-address; "" for the peer's address */
    int capa_psync2;       /* REPLCONF capa psync2 */
    int capa_streamd;      /* REPLCONF capa streamd: loads streamd's own RDB types */
    int capa_eof;          /* REPLCONF capa eof: takes the diskless $EOF: payload */
    int stream_on_ack;     /* online after a diskless sync: the stream waits for its first ACK */
    int64_t wait_since_ms; /* WAIT_START: when it asked */
    int is_pre_psync;      /* came with SYNC: sends no ACKs, so never times out */
    long long ack_off, aof_off;
    int64_t ack_ms; /* last REPLCONF ACK (or going online) */
    pid_t child;    /* the full sync's child; -1 none */
    uint64_t *sent; /* shared with the child: the payload bytes it sent; NULL none */
    Buf pending;    /* the stream since the child's fork */
    /* a TLS replica's full sync: the child's RDB, an unlinked file the
     * parent sends through the client's output (file_fd -1: none) */
    int file_fd;
    off_t file_off, file_len;
} ReplicaState;

static struct {
    char replid[41], replid2[41];
    long long second_repl_offset;
    /* the backlog: NULL until the first sync */
    char *backlog;
    long long backlog_size, backlog_idx, histlen, backlog_off;
    int cur_db; /* the stream's selected database; -1: SELECT before the next record */
    ClientFull **replicas;
    size_t n_replicas, cap_replicas;
    int64_t no_replicas_since_ms; /* for repl-backlog-ttl */
    int get_acks;
    int is_replica; /* following a master: the stream is the master's (replica.c) */
    long long stat_sync_full, stat_sync_partial_ok, stat_sync_partial_err;
    void (*getack_handler)(Client *c);
    /* FAILOVER (see the section of that name) */
    int fo_state;
    char *fo_host; /* the target; NULL until chosen */
    int fo_port;
    int64_t fo_end_ms; /* TIMEOUT's deadline; 0 none */
    int fo_force;
} repl = {.second_repl_offset = -1, .cur_db = -1};

void repl_random_id(char out[41]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[20] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, rnd, sizeof rnd);
        (void)r;
        close(fd);
    }
    /* mixed with the clock, should /dev/urandom be missing */
    int64_t t = real_us();
    for (int i = 0; i < 8; i++) rnd[i] ^= (unsigned char)(t >> (i * 8));
    for (int i = 0; i < 40; i++) out[i] = hex[(rnd[i / 2] >> ((i % 2) * 4)) & 15];
    out[40] = '\0';
}

static void clear_replid2(void) {
    memset(repl.replid2, '0', 40);
    repl.replid2[40] = '\0';
    repl.second_repl_offset = -1;
}

/* ---- the stream ---------------------------------------------------------- */

static ReplicaState *state_of(ClientFull *c) {
    if (!c->repl) {
        c->repl = xcalloc(1, sizeof *c->repl);
        c->repl->child = -1;
        c->repl->file_fd = -1;
        buf_init(&c->repl->pending);
    }
    return c->repl;
}

/* Closes a replica whose output and stream kept during its sync are past
 * the replica class of client-output-buffer-limit (hard, or soft for longer
 * than its seconds), as client_obuf_over_limit() judges other clients. */
static void check_limit(ClientFull *c) {
    if (c->is_closing) return;
    const ReplicaState *r = c->repl;
    unsigned long long used = buf_live(&c->obuf) + buf_live(&r->pending);
    const ObufLimit *l = &settings.obuf_limits[OBUF_REPLICA];
    int hard = l->hard && used >= l->hard, soft = l->soft && used >= l->soft;
    if (!soft) {
        c->obuf_soft_since_s = 0;
    } else {
        int64_t now_s = now_ms() / 1000;
        if (c->obuf_soft_since_s == 0) c->obuf_soft_since_s = now_s;
        soft = now_s - c->obuf_soft_since_s > l->soft_seconds;
    }
    if (hard || soft) client_close_obuf_limit(c);
}

static void backlog_append(const char *p, size_t n) {
    long long size = repl.backlog_size;
    if ((long long)n > size) {
        p += (long long)n - size;
        n = (size_t)size;
    }
    while (n > 0) {
        size_t room = (size_t)(size - repl.backlog_idx);
        size_t k = n < room ? n : room;
        memcpy(repl.backlog + repl.backlog_idx, p, k);
        repl.backlog_idx = (repl.backlog_idx + (long long)k) % size;
        repl.histlen += (long long)k;
        p += k;
        n -= k;
    }
    if (repl.histlen > size) repl.histlen = size;
}

/* Appends bytes to the stream: the backlog, then every replica. */
static void feed_raw(const char *p, size_t n) {
    server.master_repl_offset += (long long)n;
    backlog_append(p, n);
    repl.backlog_off = server.master_repl_offset - repl.histlen + 1;
    /* backwards: a replica closed for its limit leaves the list, the ones
     * after it (already fed) moving down */
    for (size_t i = repl.n_replicas; i-- > 0;) {
        ClientFull *c = repl.replicas[i];
        ReplicaState *r = c->repl;
        if (r->state == REPLICA_WAIT_START) continue; /* its sync has not begun */
        if (r->state == REPLICA_ONLINE && !r->stream_on_ack) {
            buf_append(&c->obuf, p, n);
            client_queue_write(c);
        } else {
            buf_append(&r->pending, p, n);
        }
        check_limit(c);
    }
}

static void feed_select(int db) {
    char num[24], head[64];
    int len = snprintf(num, sizeof num, "%d", db);
    int hl = snprintf(head, sizeof head, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", len, num);
    feed_raw(head, (size_t)hl);
    repl.cur_db = db;
}

/* The record sink's replication half (dispatch.c calls it for every record
 * while the backlog exists). */
static void repl_sink(int db_index, const char *resp, size_t len) {
    if (db_index != repl.cur_db) feed_select(db_index);
    feed_raw(resp, len);
}

/* The commands' records feed the stream on a master with a backlog; on a
 * replica the stream is its master's, fed by repl_feed_master_stream(). */
static void update_sink(void) {
    propagate_set_repl_sink(repl.backlog && !repl.is_replica ? repl_sink : NULL);
}

/* An empty backlog starting after the current offset. */
static void backlog_alloc(void) {
    repl.backlog_size = settings.repl_backlog_size;
    repl.backlog = xmalloc((size_t)repl.backlog_size);
    repl.backlog_idx = repl.histlen = 0;
    repl.backlog_off = server.master_repl_offset + 1;
    update_sink();
}

/* A master's first backlog: a new history (see the file comment). */
static void backlog_create(void) {
    repl_random_id(repl.replid);
    clear_replid2();
    backlog_alloc();
}

static void backlog_release(void) {
    xfree(repl.backlog);
    repl.backlog = NULL;
    repl.histlen = 0;
    update_sink();
}

static void backlog_free(void) {
    backlog_release();
    /* replicas connecting later cannot continue a history nobody kept */
    repl_random_id(repl.replid);
    clear_replid2();
}

/* repl-backlog-size: a live backlog keeps its newest bytes. */
int repl_apply_backlog_size(const char **err) {
    (void)err;
    if (!repl.backlog || settings.repl_backlog_size == repl.backlog_size) return 0;
    long long size = settings.repl_backlog_size;
    long long keep = repl.histlen < size ? repl.histlen : size;
    char *nb = xmalloc((size_t)size);
    long long start = (repl.backlog_idx - keep + repl.backlog_size) % repl.backlog_size;
    for (long long i = 0; i < keep; i++) nb[i] = repl.backlog[(start + i) % repl.backlog_size];
    xfree(repl.backlog);
    repl.backlog = nb;
    repl.backlog_size = size;
    repl.histlen = keep;
    repl.backlog_idx = keep % size;
    repl.backlog_off = server.master_repl_offset - repl.histlen + 1;
    return 0;
}

/* Copies the backlog from offset (inside it) to c's output. */
static void add_backlog_from(ClientFull *c, long long offset) {
    long long skip = offset - repl.backlog_off;
    long long len = repl.histlen - skip;
    long long j =
        (repl.backlog_idx - repl.histlen + skip + 2 * repl.backlog_size) % repl.backlog_size;
    while (len > 0) {
        long long k = repl.backlog_size - j < len ? repl.backlog_size - j : len;
        buf_append(&c->obuf, repl.backlog + j, (size_t)k);
        len -= k;
        j = (j + k) % repl.backlog_size;
    }
}

/* ---- replica clients ----------------------------------------------------- */

static void replicas_add(ClientFull *c) {
    if (repl.n_replicas == repl.cap_replicas) {
        repl.cap_replicas = repl.cap_replicas ? repl.cap_replicas * 2 : 4;
        repl.replicas = xrealloc(repl.replicas, repl.cap_replicas * sizeof *repl.replicas);
    }
    repl.replicas[repl.n_replicas++] = c;
    c->pub.flags |= CLIENT_SLAVE | CLIENT_REPLY_OFF;
    if (settings.repl_disable_tcp_nodelay && c->fd >= 0) {
        /* fewer, bigger packets to the replica at the cost of its delay */
        int off = 0;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &off, sizeof off);
    }
}

/* The bytes a finished (or ended) sync child sent go to the statistics. */
static void count_sent(ReplicaState *r) {
    if (!r->sent) return;
    core.stat_net_repl_out += *r->sent;
    munmap(r->sent, sizeof *r->sent);
    r->sent = NULL;
}

static void end_child(ReplicaState *r) {
    if (r->child != -1 && kill(r->child, SIGUSR1) != -1) {
        int st;
        while (waitpid(r->child, &st, 0) == -1 && errno == EINTR) {
        }
    }
    r->child = -1;
    count_sent(r);
}

void repl_client_closing(ClientFull *c) {
    if (!c->repl) return;
    for (size_t i = 0; i < repl.n_replicas; i++) {
        if (repl.replicas[i] == c) {
            /* the others keep their order (Redis's list): INFO's slaveN
             * numbering and FAILOVER's choice of any synced replica
             * follow it */
            memmove(&repl.replicas[i], &repl.replicas[i + 1],
                    (repl.n_replicas - i - 1) * sizeof *repl.replicas);
            repl.n_replicas--;
            log_notice("Connection with replica %s lost.", c->addr);
            if (repl.n_replicas == 0) repl.no_replicas_since_ms = now_ms();
            break;
        }
    }
    end_child(c->repl);
    buf_free(&c->repl->pending);
    if (c->repl->file_fd >= 0) close(c->repl->file_fd);
    c->repl->file_fd = -1;
}

void repl_client_freed(ClientFull *c) {
    if (!c->repl) return;
    repl_client_closing(c);
    xfree(c->repl);
    c->repl = NULL;
}

/* The replica's address as INFO and ROLE show it: REPLCONF ip-address, else
 * the peer's IP. */
static void replica_ip(const ClientFull *c, char *out, size_t n) {
    if (c->repl->ip[0]) {
        snprintf(out, n, "%s", c->repl->ip);
        return;
    }
    const char *a = c->addr;
    const char *colon = strrchr(a, ':');
    size_t len = colon ? (size_t)(colon - a) : strlen(a);
    if (len > 1 && a[0] == '[' && a[len - 1] == ']') a++, len -= 2;
    if (len >= n) len = n - 1;
    memcpy(out, a, len);
    out[len] = '\0';
}

/* ---- full resync ------------------------------------------------------- */

/* In a sync child: the page shared with the parent where it counts the
 * bytes it sent (INFO total_net_repl_output_bytes), or NULL. */
static uint64_t *child_sent;

/* Writes all of p[0..n) to the non-blocking socket fd, waiting up to
 * repl-timeout for room each time it is full. 0, or -1. */
static int child_send(int fd, const char *p, size_t n, int timeout_ms) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            if (child_sent) *child_sent += (uint64_t)w;
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int rc = poll(&pfd, 1, timeout_ms);
            if (rc == 0) return -1;
            if (rc < 0 && errno != EINTR) return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Reads the RDB from the pipe rfd and sends it to sock as a diskless
 * payload: "$EOF:<mark>\r\n", the bytes, the mark. 0, or -1. */
static int send_eof_payload(int sock, int rfd, int timeout_ms) {
    char mark[41], head[64];
    repl_random_id(mark);
    int hl = snprintf(head, sizeof head, "$EOF:%s\r\n", mark);
    if (child_send(sock, head, (size_t)hl, timeout_ms) != 0) return -1;
    static char chunk[64 * 1024];
    for (;;) {
        ssize_t r = read(rfd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        if (child_send(sock, chunk, (size_t)r, timeout_ms) != 0) return -1;
    }
    return child_send(sock, mark, 40, timeout_ms);
}

/* Sends the RDB of fd (a temporary file) as "$<length>\r\n" and its bytes.
 * 0, or -1. */
static int send_bulk_payload(int sock, int fd, int timeout_ms) {
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0) return -1;
    char head[32];
    int hl = snprintf(head, sizeof head, "$%lld\r\n", (long long)st.st_size);
    if (child_send(sock, head, (size_t)hl, timeout_ms) != 0) return -1;
    static char chunk[64 * 1024];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) return 0;
        if (child_send(sock, chunk, (size_t)r, timeout_ms) != 0) return -1;
    }
}

/* In the child: the output pending at the fork (+FULLRESYNC) to the
 * replica, then the RDB of the child's snapshot. Disk-based: the RDB to an
 * unlinked temporary file in dir, then "$<length>" and the file. Diskless:
 * a grandchild writes the RDB into a pipe (blocking writes, which the
 * shared non-blocking socket cannot take) and this process relays it to the
 * socket, EOF-marked. Never returns. (Nothing keeps a disk-based sync's
 * link alive while the RDB is being written: a dataset that takes longer
 * than the replica's repl-timeout to serialize fails its sync.) */
static void child_main(int sock, const char *prefix, size_t prefix_len, int max_type,
                       const RdbReplInfo *rsi, int diskless) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    aof_child_close_fds(sock);
    int timeout_ms = (int)(settings.repl_timeout * 1000);
    /* +FULLRESYNC at once: the replica then waits for the payload */
    if (child_send(sock, prefix, prefix_len, timeout_ms) != 0) _exit(1);
    if (child_sent) *child_sent = 0; /* 7.0 counts the payload, not that line */
    if (diskless) {
        int pfd[2];
        if (pipe(pfd) != 0) _exit(1);
        pid_t writer = fork();
        if (writer == -1) _exit(1);
        if (writer == 0) {
            close(pfd[0]);
            signal(SIGPIPE, SIG_IGN); /* a relay gone: EPIPE ends the write */
            _exit(rdb_write_dataset_repl(pfd[1], max_type, rsi) == 0 ? 0 : 1);
        }
        close(pfd[1]);
        int rc = send_eof_payload(sock, pfd[0], timeout_ms);
        close(pfd[0]);
        int st;
        while (waitpid(writer, &st, 0) == -1 && errno == EINTR) {
        }
        if (rc != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) _exit(1);
        log_notice("Streamed RDB transfer with replica succeeded (socket)");
        _exit(0);
    }
    char name[64];
    snprintf(name, sizeof name, "temp-repl-%ld.rdb", (long)getpid());
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        log_warning("Replication: can't create %s: %s", name, strerror(errno));
        _exit(1);
    }
    unlink(name);
    if (rdb_write_dataset_repl(fd, max_type, rsi) != 0) _exit(1);
    if (send_bulk_payload(sock, fd, timeout_ms) != 0) _exit(1);
    log_notice("Synchronization with replica succeeded");
    _exit(0);
}

/* A TLS replica's full sync. The session's state lives in this process, so
 * the child cannot write to the socket: it writes the RDB to an unlinked
 * file (fd, opened here) and exits; the parent then sends "$<length>" and
 * the file through the client's output buffer (send_files()), then the
 * stream kept since the fork. +FULLRESYNC goes out at once. 0, or -1. */
static int start_file_sync(ClientFull *c, int max_type, const RdbReplInfo *rsi) {
    ReplicaState *r = c->repl;
    char name[64];
    snprintf(name, sizeof name, "temp-repl-tls-%ld-%llu.rdb", (long)getpid(),
             (unsigned long long)c->pub.id);
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        log_warning("Replication: can't create %s: %s", name, strerror(errno));
        return -1;
    }
    unlink(name);
    int64_t fork_start_us = mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        procenv_child("rdb-to-slaves");
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        aof_child_close_fds(fd);
        _exit(rdb_write_dataset_repl(fd, max_type, rsi) == 0 ? 0 : 1);
    }
    if (pid == -1) {
        log_warning("Can't fork for the replica's full resync: %s", strerror(errno));
        close(fd);
        return -1;
    }
    server_note_fork(fork_start_us);
    log_notice("Starting BGSAVE for SYNC with target: disk, by pid %ld", (long)pid);
    r->child = pid;
    r->state = REPLICA_WAIT_BGSAVE;
    r->stream_on_ack = 0;
    r->file_fd = fd;
    client_queue_write(c); /* +FULLRESYNC */
    return 0;
}

/* The most of a TLS replica's RDB file in its output buffer at a time. */
#define SEND_FILE_AHEAD (4u << 20)

/* Moves the RDB files of TLS replicas into their output buffers as those
 * drain (before each sleep: a writable event wakes the loop), then the
 * stream kept since the fork: the replica goes online. */
static void send_files(void) {
    static char chunk[256 * 1024];
    for (size_t i = 0; i < repl.n_replicas; i++) {
        ClientFull *c = repl.replicas[i];
        ReplicaState *r = c->repl;
        if (r->state != REPLICA_SEND_BULK || c->is_closing) continue;
        while (r->file_off < r->file_len && buf_live(&c->obuf) < SEND_FILE_AHEAD) {
            size_t want = sizeof chunk;
            if ((off_t)want > r->file_len - r->file_off) want = (size_t)(r->file_len - r->file_off);
            ssize_t n = pread(r->file_fd, chunk, want, r->file_off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                log_warning("Full resync of replica %s failed: reading the RDB: %s", c->addr,
                            n < 0 ? strerror(errno) : "short file");
                client_close_async(c);
                break;
            }
            buf_append(&c->obuf, chunk, (size_t)n);
            r->file_off += n;
        }
        if (c->is_closing) continue;
        client_queue_write(c);
        if (r->file_off < r->file_len) continue;
        close(r->file_fd);
        r->file_fd = -1;
        buf_append(&c->obuf, buf_data(&r->pending), buf_live(&r->pending));
        buf_free(&r->pending);
        r->state = REPLICA_ONLINE;
        r->ack_ms = now_ms();
        log_notice("Synchronization with replica %s succeeded", c->addr);
    }
}

/* Forks c's full sync: "+FULLRESYNC <id> <offset>" at the offset of the
 * fork, the RDB after it (diskless when repl-diskless-sync and the replica
 * takes it). The stream from here on waits in c's pending buffer. */
static int start_full_sync(ClientFull *c) {
    ReplicaState *r = c->repl;
    int diskless = settings.repl_diskless_sync && r->capa_eof;
    if (!r->is_pre_psync)
        buf_printf(&c->obuf, "+FULLRESYNC %s %lld\r\n", repl.replid, server.master_repl_offset);
    /* The snapshot's selected database for the stream that follows: a
     * master's stream starts with a SELECT (cur_db -1), a replica's is its
     * master's, verbatim, and goes on in the master client's database. */
    RdbReplInfo rsi = {0, repl.replid, server.master_repl_offset};
    if (repl.is_replica)
        rsi.stream_db = replica_stream_db();
    else
        repl.cur_db = -1;
    /* Redis 7.0 loads streams of type 19 at most: newer state (consumers'
     * active times, idempotent producers, XNACK) stays out unless the replica
     * says it is a streamd */
    int max_type = r->capa_streamd ? INT_MAX : DUMP_TYPE_STREAM_LISTPACKS_2;
    if (c->tls) return start_file_sync(c, max_type, &rsi);
    /* The child counts what it sends in a page it shares with us: it
     * writes to the socket itself, so only it knows (Redis's parent relays
     * the payload and counts it there). */
    void *page =
        mmap(NULL, sizeof *r->sent, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    r->sent = page == MAP_FAILED ? NULL : page;
    if (r->sent) *r->sent = 0;
    int64_t fork_start_us = mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        procenv_child("rdb-to-slaves");
        child_sent = r->sent;
        child_main(c->fd, buf_data(&c->obuf), buf_live(&c->obuf), max_type, &rsi, diskless);
    }
    if (pid == -1) {
        log_warning("Can't fork for the replica's full resync: %s", strerror(errno));
        count_sent(r);
        return -1;
    }
    server_note_fork(fork_start_us);
    log_notice("Starting BGSAVE for SYNC with target: %s, by pid %ld",
               diskless ? "replicas sockets" : "disk", (long)pid);
    r->child = pid;
    r->state = REPLICA_WAIT_BGSAVE;
    r->stream_on_ack = diskless;
    buf_clear(&c->obuf); /* the child sends it */
    return 0;
}

/* Diskless syncs wait repl-diskless-sync-delay seconds from the first
 * request for more replicas (or until repl-diskless-sync-max-replicas are
 * waiting), then all start together. Each still gets its own child: one
 * fork per replica, from the same event-loop turn, so all at one offset. */
static void start_waiting_syncs(int64_t now) {
    size_t n_waiting = 0;
    int64_t oldest = now;
    for (size_t i = 0; i < repl.n_replicas; i++) {
        const ReplicaState *r = repl.replicas[i]->repl;
        if (r->state != REPLICA_WAIT_START) continue;
        n_waiting++;
        if (r->wait_since_ms < oldest) oldest = r->wait_since_ms;
    }
    if (n_waiting == 0) return;
    int due = now - oldest >= settings.repl_diskless_sync_delay * 1000 ||
              (settings.repl_diskless_sync_max_replicas > 0 &&
               (long long)n_waiting >= settings.repl_diskless_sync_max_replicas);
    if (!due) return;
    for (size_t i = repl.n_replicas; i-- > 0;) {
        ClientFull *c = repl.replicas[i];
        if (c->repl->state != REPLICA_WAIT_START || c->is_closing) continue;
        if (start_full_sync(c) != 0) client_close_async(c);
    }
}

static void reap_children(void) {
    for (size_t i = repl.n_replicas; i-- > 0;) {
        ClientFull *c = repl.replicas[i];
        ReplicaState *r = c->repl;
        if (r->child == -1) continue;
        int st;
        pid_t w = waitpid(r->child, &st, WNOHANG);
        if (w == 0 || (w == -1 && errno == EINTR)) continue;
        r->child = -1;
        count_sent(r);
        if (w == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            log_warning("Full resync of replica %s failed", c->addr);
            client_close_async(c);
            continue;
        }
        if (r->file_fd >= 0) { /* a TLS replica: the file goes out from here */
            struct stat fst;
            if (fstat(r->file_fd, &fst) != 0) {
                log_warning("Full resync of replica %s failed: %s", c->addr, strerror(errno));
                client_close_async(c);
                continue;
            }
            log_notice("Background RDB transfer terminated with success");
            r->file_len = fst.st_size;
            r->file_off = 0;
            buf_printf(&c->obuf, "$%lld\r\n", (long long)fst.st_size);
            r->state = REPLICA_SEND_BULK;
            continue;
        }
        r->state = REPLICA_ONLINE;
        r->ack_ms = now_ms();
        if (r->stream_on_ack) {
            /* a diskless payload ends with its mark: the replica cannot
             * tell stream bytes in the same read from the payload, so the
             * stream waits for its first ACK (after loading), as in Redis */
            log_notice("Streamed RDB transfer with replica %s succeeded (socket). Waiting for "
                       "REPLCONF ACK from replica to enable streaming",
                       c->addr);
            continue;
        }
        buf_append(&c->obuf, buf_data(&r->pending), buf_live(&r->pending));
        buf_free(&r->pending);
        client_queue_write(c);
        log_notice("Synchronization with replica %s succeeded", c->addr);
    }
}

/* ---- commands ------------------------------------------------------------ */

static int try_partial(ClientFull *c, Slice id, Slice off_arg) {
    long long off;
    if (parse_ll(off_arg, &off) != 0) return -1;
    int same = id.len == 40 && memcmp(id.p, repl.replid, 40) == 0;
    int prev =
        id.len == 40 && memcmp(id.p, repl.replid2, 40) == 0 && off <= repl.second_repl_offset;
    if (!same && !prev) {
        if (!(id.len == 1 && id.p[0] == '?'))
            log_notice("Partial resynchronization not accepted: Replication ID mismatch "
                       "(Replica asked for '%.*s', my replication IDs are '%s' and '%s')",
                       (int)(id.len > 40 ? 40 : id.len), id.p, repl.replid, repl.replid2);
        return -1;
    }
    if (!repl.backlog || off < repl.backlog_off || off > repl.backlog_off + repl.histlen) {
        log_notice("Unable to partial resync with replica %s for lack of backlog", c->addr);
        return -1;
    }
    ReplicaState *r = c->repl;
    r->state = REPLICA_ONLINE;
    r->ack_ms = now_ms();
    if (r->capa_psync2)
        buf_printf(&c->obuf, "+CONTINUE %s\r\n", repl.replid);
    else
        buf_append_cstr(&c->obuf, "+CONTINUE\r\n");
    add_backlog_from(c, off);
    replicas_add(c);
    client_queue_write(c);
    log_notice("Partial resynchronization request from %s accepted. Sending %lld bytes of "
               "backlog starting from offset %lld.",
               c->addr, repl.backlog_off + repl.histlen - off, off);
    return 0;
}

/* PSYNC replid offset / SYNC: partial resync when the history allows, else
 * a full one (see the file comment). Ignored from a client that already is
 * a replica, as Redis does. */
static void cmd_sync(Client *pc) {
    ClientFull *c = CF(pc);
    if (pc->flags & CLIENT_SLAVE) return;
    /* PSYNC <replid> <offset> FAILOVER: our master hands its role over to
     * us (its FAILOVER command) and becomes our replica with this very
     * request, which then continues partially from our replid2 */
    if (pc->argc > 3 && pc->cmd->name[0] == 'p' && slice_eq_nocase(pc->argv[3], "failover")) {
        log_warning("Failover request received for replid %.*s.",
                    (int)(pc->argv[1].len > 64 ? 64 : pc->argv[1].len), pc->argv[1].p);
        if (!repl.is_replica) {
            reply_error(pc, "ERR PSYNC FAILOVER can't be sent to a master.");
            return;
        }
        if (!(pc->argv[1].len == 40 && strncasecmp(pc->argv[1].p, repl.replid, 40) == 0)) {
            reply_error(pc, "ERR PSYNC FAILOVER replid must match my replid.");
            return;
        }
        replica_unset_master();
        log_notice("MASTER MODE enabled (failover request from '%s')", c->addr);
    }
    if (repl.fo_state != FO_NONE) {
        reply_error(pc, "NOMASTERLINK Can't SYNC while failing over");
        return;
    }
    /* a replica serves its own replicas from its master's stream, only
     * while that flows (Redis's error) */
    if (repl.is_replica && !replica_link_is_up()) {
        reply_error(pc, "NOMASTERLINK Can't SYNC while not connected with my master");
        return;
    }
    if (buf_live(&c->obuf) > 0) {
        reply_error(pc, "ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    int is_psync = pc->cmd->name[0] == 'p';
    log_notice("Replica %s asks for synchronization", c->addr);
    state_of(c);
    if (is_psync) {
        if (try_partial(c, pc->argv[1], pc->argv[2]) == 0) {
            repl.stat_sync_partial_ok++;
            return;
        }
        if (!(pc->argv[1].len == 1 && pc->argv[1].p[0] == '?')) repl.stat_sync_partial_err++;
    }
    repl.stat_sync_full++;
    if (!is_psync) c->repl->is_pre_psync = 1;
    if (!repl.backlog) backlog_create(); /* a replica's exists since its sync */
    log_notice("Full resync requested by replica %s", c->addr);
    replicas_add(c);
    if (settings.repl_diskless_sync && c->repl->capa_eof && settings.repl_diskless_sync_delay > 0) {
        c->repl->state = REPLICA_WAIT_START;
        c->repl->wait_since_ms = now_ms();
        log_notice("Delay next BGSAVE for diskless SYNC");
        return;
    }
    if (start_full_sync(c) != 0) client_close_async(c);
}

/* REPLCONF option value ...: what a replica tells about itself, and its
 * acknowledgements (ACK, answered with nothing). */
static void cmd_replconf(Client *pc) {
    ClientFull *c = CF(pc);
    if (pc->argc % 2 == 0) {
        reply_syntax_error(pc);
        return;
    }
    for (int j = 1; j < pc->argc; j += 2) {
        Slice opt = pc->argv[j], val = pc->argv[j + 1];
        if (slice_eq_nocase(opt, "listening-port")) {
            long long port;
            if (get_ll_or_reply(pc, val, &port) != 0) return;
            state_of(c)->listening_port = port;
        } else if (slice_eq_nocase(opt, "ip-address")) {
            if (val.len >= sizeof c->repl->ip) {
                reply_error(pc,
                            "ERR REPLCONF ip-address provided by replica instance is too "
                            "long: %zu bytes",
                            val.len);
                return;
            }
            ReplicaState *r = state_of(c);
            memcpy(r->ip, val.p, val.len);
            r->ip[val.len] = '\0';
        } else if (slice_eq_nocase(opt, "capa")) {
            if (slice_eq_nocase(val, "psync2")) state_of(c)->capa_psync2 = 1;
            if (slice_eq_nocase(val, "streamd")) state_of(c)->capa_streamd = 1;
            if (slice_eq_nocase(val, "eof")) state_of(c)->capa_eof = 1;
        } else if (slice_eq_nocase(opt, "ack")) {
            if (!(pc->flags & CLIENT_SLAVE)) return;
            long long off;
            if (parse_ll(val, &off) != 0) return;
            ReplicaState *r = c->repl;
            if (off > r->ack_off) r->ack_off = off;
            /* a replica that loaded its payload: its child has surely
             * ended, and it goes online now rather than at the next cron
             * tick (Redis checks its children here too) */
            if (r->state == REPLICA_WAIT_BGSAVE && r->child != -1) reap_children();
            long long aoff;
            if (j + 3 < pc->argc && slice_eq_nocase(pc->argv[j + 2], "fack") &&
                parse_ll(pc->argv[j + 3], &aoff) == 0 && aoff > r->aof_off)
                r->aof_off = aoff;
            r->ack_ms = now_ms();
            if (r->stream_on_ack && r->state == REPLICA_ONLINE) {
                r->stream_on_ack = 0;
                buf_append(&c->obuf, buf_data(&r->pending), buf_live(&r->pending));
                buf_free(&r->pending);
                client_queue_write(c);
                log_notice("Synchronization with replica %s succeeded", c->addr);
            }
            return;
        } else if (slice_eq_nocase(opt, "getack")) {
            if (repl.getack_handler) repl.getack_handler(pc);
            return;
        } else if (slice_eq_nocase(opt, "rdb-only")) {
            long long v;
            if (get_ll_or_reply(pc, val, &v) != 0) return;
            if (v != 0 && v != 1) {
                reply_error(pc, "ERR value is out of range, must be 0 or 1");
                return;
            }
        } else {
            reply_error(pc, "ERR Unrecognized REPLCONF option: %.*s",
                        (int)(opt.len > 128 ? 128 : opt.len), opt.p);
            return;
        }
    }
    reply_ok(pc);
}

void repl_set_getack_handler(void (*fn)(Client *c)) {
    repl.getack_handler = fn;
}

/* ---- WAIT, INFO, ROLE ---------------------------------------------------- */

size_t repl_backlog_memory(void) {
    return xsize(repl.backlog);
}

uint64_t repl_replica_count(void) {
    return repl.n_replicas;
}

long long repl_client_offset(const Client *c) {
    return CF(c)->repl_woff;
}

long long repl_count_acks(long long offset) {
    long long n = 0;
    for (size_t i = 0; i < repl.n_replicas; i++) {
        const ReplicaState *r = repl.replicas[i]->repl;
        if (r->state == REPLICA_ONLINE && r->ack_off >= offset) n++;
    }
    return n;
}

long long repl_count_aof_acks(long long offset) {
    long long n = 0;
    for (size_t i = 0; i < repl.n_replicas; i++) {
        const ReplicaState *r = repl.replicas[i]->repl;
        if (r->state == REPLICA_ONLINE && r->aof_off >= offset) n++;
    }
    return n;
}

void repl_request_acks(void) {
    repl.get_acks = 1;
}

int repl_replicas_in_sync(void) {
    for (size_t i = 0; i < repl.n_replicas; i++)
        if (repl.replicas[i]->repl->ack_off != server.master_repl_offset) return 0;
    return 1;
}

static void send_getack(void) {
    static const char getack[] = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
    feed_raw(getack, sizeof getack - 1);
}

void repl_send_getack(void) {
    if (repl.n_replicas == 0 || !repl.backlog || repl.is_replica) return;
    send_getack();
}

static const char *replica_state_name(const ReplicaState *r) {
    switch (r->state) {
    case REPLICA_WAIT_START:
    case REPLICA_WAIT_BGSAVE:
        return "wait_bgsave";
    case REPLICA_ONLINE:
        return "online";
    default:
        return "";
    }
}

/* Redis 7.0's lines as a shutdown goes on: each replica behind the offset,
 * by how much, and the count of those in sync. */
void repl_log_shutdown_sync(void) {
    if (repl.n_replicas == 0) return;
    size_t lagging = 0;
    int64_t now = now_ms();
    for (size_t i = 0; i < repl.n_replicas; i++) {
        ClientFull *c = repl.replicas[i];
        const ReplicaState *r = c->repl;
        if (r->ack_off == server.master_repl_offset) continue;
        lagging++;
        char ip[64];
        replica_ip(c, ip, sizeof ip);
        long long lag = r->state == REPLICA_ONLINE ? (now - r->ack_ms) / 1000 : 0;
        log_warning("Lagging replica %s:%lld reported offset %lld behind master, lag=%lld, "
                    "state=%s.",
                    ip, r->listening_port, server.master_repl_offset - r->ack_off, lag,
                    replica_state_name(r));
    }
    log_notice("%zu of %zu replicas are in sync when shutting down.", repl.n_replicas - lagging,
               repl.n_replicas);
}

void repl_info_master(Buf *b) {
    buf_printf(b, "connected_slaves:%zu\r\n", repl.n_replicas);
    int64_t now = now_ms();
    for (size_t i = 0; i < repl.n_replicas; i++) {
        ClientFull *c = repl.replicas[i];
        const ReplicaState *r = c->repl;
        char ip[64];
        replica_ip(c, ip, sizeof ip);
        buf_printf(b, "slave%zu:ip=%s,port=%lld,state=%s,offset=%lld,lag=%lld\r\n", i, ip,
                   r->listening_port,
                   r->state == REPLICA_ONLINE      ? "online"
                   : r->state == REPLICA_SEND_BULK ? "send_bulk"
                                                   : "wait_bgsave",
                   r->ack_off, (long long)((now - r->ack_ms) / 1000));
    }
    buf_printf(b,
               "master_failover_state:%s\r\nmaster_replid:%s\r\nmaster_replid2:%s\r\n"
               "master_repl_offset:%lld\r\nsecond_repl_offset:%lld\r\n"
               "repl_backlog_active:%d\r\nrepl_backlog_size:%lld\r\n"
               "repl_backlog_first_byte_offset:%lld\r\nrepl_backlog_histlen:%lld\r\n",
               repl_failover_state_name(), repl.replid, repl.replid2, server.master_repl_offset,
               repl.second_repl_offset, repl.backlog != NULL, settings.repl_backlog_size,
               repl.backlog ? repl.backlog_off : 0, repl.backlog ? repl.histlen : 0);
}

void repl_info_stats(Buf *b) {
    buf_printf(b, "sync_full:%lld\r\nsync_partial_ok:%lld\r\nsync_partial_err:%lld\r\n",
               repl.stat_sync_full, repl.stat_sync_partial_ok, repl.stat_sync_partial_err);
}

void repl_role_master(Client *c) {
    reply_array(c, 3);
    reply_bulk(c, "master", 6);
    reply_int(c, server.master_repl_offset);
    size_t n = 0;
    for (size_t i = 0; i < repl.n_replicas; i++)
        if (repl.replicas[i]->repl->state == REPLICA_ONLINE) n++;
    reply_array(c, n);
    for (size_t i = 0; i < repl.n_replicas; i++) {
        ClientFull *rc = repl.replicas[i];
        if (rc->repl->state != REPLICA_ONLINE) continue;
        char ip[64];
        replica_ip(rc, ip, sizeof ip);
        reply_array(c, 3);
        reply_bulk_cstr(c, ip);
        reply_bulk_ll(c, rc->repl->listening_port);
        reply_bulk_ll(c, rc->repl->ack_off);
    }
}

/* ---- FAILOVER ------------------------------------------------------------ */

/*
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], Redis 6.2's
 * coordinated failover, as 7.0 does it:
 *
 *   no-failover --FAILOVER--> waiting-for-sync: writes paused (pause.c),
 *     no PING (with a TIMEOUT) nor GETACK, so master_repl_offset stays
 *     put; every cron tick looks for the target (or, without TO, any
 *     replica) whose REPLCONF ACK reached that offset.
 *   waiting-for-sync --synced, or TIMEOUT with FORCE--> failover-in-progress:
 *     this server becomes the target's replica (replica.c) offering its
 *     own history with "PSYNC <replid> <offset+1> FAILOVER"; the target,
 *     seeing its own replid, promotes itself and continues us partially.
 *   failover-in-progress --+CONTINUE / +FULLRESYNC--> no-failover, writes
 *     released (they get -READONLY now); any other answer (or a write
 *     error) aborts: back to master, with a new replication ID.
 *   TIMEOUT without FORCE, or FAILOVER ABORT: back to no-failover.
 *
 * The other replicas stay connected to this server; they learn the new
 * replication ID when it continues with the new master (they are then
 * closed and continue partially, as replicas of a replica).
 */

const char *repl_failover_state_name(void) {
    switch (repl.fo_state) {
    case FO_WAIT_SYNC:
        return "waiting-for-sync";
    case FO_IN_PROGRESS:
        return "failover-in-progress";
    default:
        return "no-failover";
    }
}

int repl_failover_active(void) {
    return repl.fo_state != FO_NONE;
}

int repl_failover_in_progress(void) {
    return repl.fo_state == FO_IN_PROGRESS;
}

static void failover_clear(void) {
    repl.fo_state = FO_NONE;
    repl.fo_end_ms = 0;
    repl.fo_force = 0;
    xfree(repl.fo_host);
    repl.fo_host = NULL;
    repl.fo_port = 0;
    pause_failover_end();
}

void repl_failover_done(void) {
    failover_clear();
}

void repl_failover_abort(const char *why) {
    if (repl.fo_state == FO_NONE) return;
    if (repl.fo_host)
        log_notice("FAILOVER to %s:%d aborted: %s", repl.fo_host, repl.fo_port, why);
    else
        log_notice("FAILOVER to any replica aborted: %s", why);
    if (repl.fo_state == FO_IN_PROGRESS) replica_unset_master();
    failover_clear();
}

/* The replica at host:port (the address it announced, else its peer's
 * IP, compared without case; its REPLCONF listening-port), or NULL. */
static ClientFull *find_replica(const char *host, long long port) {
    for (size_t i = 0; i < repl.n_replicas; i++) {
        ClientFull *c = repl.replicas[i];
        char ip[64];
        replica_ip(c, ip, sizeof ip);
        if (strcasecmp(host, ip) == 0 && c->repl->listening_port == port) return c;
    }
    return NULL;
}

static void failover_start_in_progress(void) {
    repl.fo_state = FO_IN_PROGRESS;
    char *host = xstrdup(repl.fo_host); /* following it may not free ours */
    replica_failover_to(host, repl.fo_port);
    xfree(host);
}

/* The cron's look at a waiting failover (every tick: 1000/hz ms). */
static void failover_update(int64_t now) {
    if (repl.fo_state != FO_WAIT_SYNC) return;
    if (repl.fo_end_ms && repl.fo_end_ms <= now) {
        if (repl.fo_force) {
            log_notice("FAILOVER to %s:%d time out exceeded, failing over.", repl.fo_host,
                       repl.fo_port);
            failover_start_in_progress();
        } else {
            repl_failover_abort("Replica never caught up before timeout");
        }
        return;
    }
    ClientFull *target = NULL;
    if (repl.fo_host) {
        target = find_replica(repl.fo_host, repl.fo_port);
    } else {
        for (size_t i = 0; i < repl.n_replicas; i++) {
            ClientFull *c = repl.replicas[i];
            if (c->repl->ack_off != server.master_repl_offset) continue;
            char ip[64];
            replica_ip(c, ip, sizeof ip);
            repl.fo_host = xstrdup(ip);
            repl.fo_port = (int)c->repl->listening_port;
            target = c;
            break;
        }
    }
    if (!target || target->repl->ack_off != server.master_repl_offset) return;
    log_notice("Failover target %s:%d is synced, failing over.", repl.fo_host, repl.fo_port);
    failover_start_in_progress();
}

static void cmd_failover(Client *c) {
    if (c->argc == 2 && slice_eq_nocase(c->argv[1], "abort")) {
        if (repl.fo_state == FO_NONE) {
            reply_error(c, "ERR No failover in progress.");
            return;
        }
        repl_failover_abort("Failover manually aborted");
        reply_ok(c);
        return;
    }
    long long timeout_ms = 0, port = 0;
    int force = 0;
    const Slice *host = NULL;
    /* as Redis: each option once (a repeated TIMEOUT or TO, or ABORT
     * among others, is a syntax error), values checked as they come */
    for (int j = 1; j < c->argc; j++) {
        if (slice_eq_nocase(c->argv[j], "timeout") && j + 1 < c->argc && timeout_ms == 0) {
            if (get_ll_or_reply(c, c->argv[j + 1], &timeout_ms) != 0) return;
            if (timeout_ms <= 0) {
                reply_error(c, "ERR FAILOVER timeout must be greater than 0");
                return;
            }
            j++;
        } else if (slice_eq_nocase(c->argv[j], "to") && j + 2 < c->argc && !host) {
            if (get_ll_or_reply(c, c->argv[j + 2], &port) != 0) return;
            host = &c->argv[j + 1];
            j += 2;
        } else if (slice_eq_nocase(c->argv[j], "force") && !force) {
            force = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (repl.fo_state != FO_NONE) {
        reply_error(c, "ERR FAILOVER already in progress.");
        return;
    }
    if (repl.is_replica) {
        reply_error(c, "ERR FAILOVER is not valid when server is a replica.");
        return;
    }
    if (repl.n_replicas == 0) {
        reply_error(c, "ERR FAILOVER requires connected replicas.");
        return;
    }
    if (force && (!timeout_ms || !host)) {
        reply_error(c, "ERR FAILOVER with force option requires both a timeout and target HOST "
                       "and IP.");
        return;
    }
    if (host) {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(host->len > 255 ? 255 : host->len), host->p);
        ClientFull *r = memchr(host->p, '\0', host->len) ? NULL : find_replica(name, port);
        if (!r) {
            reply_error(c, "ERR FAILOVER target HOST and PORT is not a replica.");
            return;
        }
        if (r->repl->state != REPLICA_ONLINE) {
            reply_error(c, "ERR FAILOVER target replica is not online.");
            return;
        }
        repl.fo_host = xstrdup(name);
        repl.fo_port = (int)port;
        log_notice("FAILOVER requested to %s:%lld.", name, port);
    } else {
        log_notice("FAILOVER requested to any replica.");
    }
    if (timeout_ms) repl.fo_end_ms = now_ms() + timeout_ms;
    repl.fo_force = force;
    repl.fo_state = FO_WAIT_SYNC;
    pause_failover_start((c->flags & CLIENT_EXECUTING_MULTI) != 0);
    reply_ok(c);
}

/* ---- timers -------------------------------------------------------------- */

static void cron_hook(void) {
    reap_children();
    int64_t now = now_ms();
    start_waiting_syncs(now);
    static int64_t last_ping, last_newline;
    /* a replica passes its master's PINGs on; it makes none */
    failover_update(now);
    /* no PING while a failover with a TIMEOUT waits: the replica must
     * reach an offset that stays put (Redis 7.0 sends them otherwise) */
    if (repl.n_replicas > 0 && !repl.is_replica && !(repl.fo_state && repl.fo_end_ms) &&
        now - last_ping >= settings.repl_ping_period * 1000) {
        static const char ping[] = "*1\r\n$4\r\nPING\r\n";
        last_ping = now;
        if (repl.backlog) feed_raw(ping, sizeof ping - 1);
    }
    /* replicas waiting for their diskless sync to start get a newline a
     * second, which they take for a keep-alive */
    int newline = now - last_newline >= 1000;
    if (newline) last_newline = now;
    for (size_t i = repl.n_replicas; i-- > 0;) {
        ClientFull *c = repl.replicas[i];
        if (newline && c->repl->state == REPLICA_WAIT_START) {
            buf_append(&c->obuf, "\n", 1);
            client_queue_write(c);
        }
        if (c->repl->state == REPLICA_ONLINE && !c->repl->is_pre_psync &&
            now - c->repl->ack_ms > settings.repl_timeout * 1000) {
            log_warning("Disconnecting timedout replica: %s", c->addr);
            client_close_async(c); /* repl_client_closing() removes it from the list */
        }
    }
    if (repl.backlog && !repl.is_replica && repl.n_replicas == 0 && settings.repl_backlog_ttl > 0 &&
        now - repl.no_replicas_since_ms > settings.repl_backlog_ttl * 1000) {
        log_notice("Replication backlog freed after %lld seconds without connected replicas.",
                   settings.repl_backlog_ttl);
        backlog_free();
    }
}

/* min-replicas-to-write / min-replicas-max-lag: writes are refused while
 * fewer replicas than asked are online with an ACK at most max-lag seconds
 * old. Through server.write_refused, which a disk error (MISCONF) takes
 * first, as Redis checks that first. */
static const char noreplicas_error[] = "NOREPLICAS Not enough good replicas to write.";

static void refresh_min_replicas(void) {
    int refuse = 0;
    /* a replica's own replicas do not gate its (local) writes, as in Redis */
    if (!repl.is_replica && settings.min_replicas_to_write > 0 &&
        settings.min_replicas_max_lag > 0) {
        int64_t now_s = now_ms() / 1000;
        long long good = 0;
        for (size_t i = 0; i < repl.n_replicas; i++) {
            const ReplicaState *r = repl.replicas[i]->repl;
            if (r->state == REPLICA_ONLINE &&
                now_s - r->ack_ms / 1000 <= settings.min_replicas_max_lag)
                good++;
        }
        refuse = good < settings.min_replicas_to_write;
    }
    if (refuse && !server.write_refused)
        server.write_refused = noreplicas_error;
    else if (!refuse && server.write_refused == noreplicas_error)
        server.write_refused = NULL;
}

static void before_sleep_hook(void) {
    refresh_min_replicas();
    send_files();
    /* a GETACK would move the offset the failover waits for: it goes out
     * after the failover, as Redis sends none while paused */
    if (!repl.get_acks || repl.fo_state != FO_NONE) return;
    repl.get_acks = 0;
    if (repl.n_replicas == 0 || !repl.backlog || repl.is_replica) return;
    send_getack();
}

/* The apply hook of min-replicas-*: the next command sees the change. */
int repl_apply_min_replicas(const char **err) {
    (void)err;
    refresh_min_replicas();
    return 0;
}

/* ---- this server as a replica (replica.c) ------------------------------- */

void repl_ids(const char **replid, const char **replid2, long long *offset,
              long long *second_offset) {
    *replid = repl.replid;
    *replid2 = repl.replid2;
    *offset = server.master_repl_offset;
    *second_offset = repl.second_repl_offset;
}

void repl_become_replica(void) {
    repl.is_replica = 1;
    update_sink();
    refresh_min_replicas();
}

/* Closes this server's replicas: they reconnect and learn the new
 * replication ID (a partial resync when the history allows). */
static void drop_replicas(void) {
    /* from the end: each close takes its replica out of the list */
    for (size_t i = repl.n_replicas; i-- > 0;) client_close_async(repl.replicas[i]);
}

void repl_drop_replicas(void) {
    drop_replicas();
}

void repl_new_master_history(const char *replid, long long offset) {
    assert(repl.is_replica);
    drop_replicas();
    if (repl.backlog) backlog_release();
    memcpy(repl.replid, replid, 40);
    repl.replid[40] = '\0';
    clear_replid2();
    server.master_repl_offset = offset;
    /* kept with or without replicas of its own: a replica promoted after a
     * failover serves its former siblings' partial resyncs from it */
    backlog_alloc();
}

void repl_master_continued(const char *new_replid) {
    assert(repl.is_replica);
    if (new_replid && strcmp(new_replid, repl.replid) != 0) {
        /* the master's history got a new ID (a failover): the old one
         * stays valid up to here, and our replicas must learn the new one */
        memcpy(repl.replid2, repl.replid, sizeof repl.replid2);
        repl.second_repl_offset = server.master_repl_offset + 1;
        memcpy(repl.replid, new_replid, 40);
        repl.replid[40] = '\0';
        drop_replicas();
        log_notice("Master replication ID changed to %s", repl.replid);
    }
    if (!repl.backlog) backlog_alloc();
}

void repl_feed_master_stream(const char *p, size_t n) {
    assert(repl.is_replica && repl.backlog);
    feed_raw(p, n);
}

void repl_promoted(void) {
    repl.is_replica = 0;
    memcpy(repl.replid2, repl.replid, sizeof repl.replid2);
    repl.second_repl_offset = server.master_repl_offset + 1;
    repl_random_id(repl.replid);
    log_notice("Setting secondary replication ID to %s, valid up to offset: %lld. New "
               "replication ID is %s",
               repl.replid2, repl.second_repl_offset, repl.replid);
    /* the replicas learn the new ID by reconnecting (partially) */
    drop_replicas();
    repl.cur_db = -1;                     /* the stream goes on with a SELECT */
    repl.no_replicas_since_ms = now_ms(); /* repl-backlog-ttl counts from here */
    update_sink();
    refresh_min_replicas();
}

/* SHUTDOWN / SIGTERM: no sync child outlives the server. */
static void shutdown_hook(void) {
    for (size_t i = 0; i < repl.n_replicas; i++) end_child(repl.replicas[i]->repl);
    xfree(repl.fo_host); /* a failover under way ends with the process */
    repl.fo_host = NULL;
}

void repl_init(void) {
    repl_random_id(repl.replid);
    clear_replid2();
    server_on_shutdown(shutdown_hook);
    server_on_cron(cron_hook);
    server_on_before_sleep(before_sleep_hook);
}

const Command repl_commands[] = {
    {"replconf", cmd_replconf, -1,
     CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY, "@admin @slow @dangerous",
     0, 0, 0, NULL},
    {"psync", cmd_sync, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"failover", cmd_failover, -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, "@admin @slow @dangerous",
     0, 0, 0, NULL},
    {"sync", cmd_sync, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_NO_ASYNC_LOADING,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
