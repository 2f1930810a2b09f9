/*
 * server.c - listeners, the event loop, the cron, shutdown.
 *
 * One thread runs everything on the data. Each loop iteration: wait for
 * events (no longer than the next cron tick or blocked-client deadline), run
 * them, then the "before sleep" work in a fixed order: answer timed-out
 * blocked clients, run the persistence hooks (the AOF writes and, for
 * appendfsync always, fsyncs here), and only then write the clients' replies,
 * so no reply leaves before its write is as durable as promised.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "net/tls.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/procenv.h"
#include "server/replica.h"
#include "server/shutdown.h"
#include "server/tracking.h"

Core core;
Server server;
Settings settings;

/* The listening sockets: each bind address on port and on tls-port, and the
 * Unix socket. An event's data points at its slot; a closed slot (fd -1) is
 * reused by the next listener. */
#define MAX_LISTENERS 33
static struct {
    int fd;
    int is_unix;
    int is_tls;
} listeners[MAX_LISTENERS];
static int n_listeners;
static volatile sig_atomic_t got_signal;

/* Hooks are registered at start-up by the modules that need them; a table
 * that is full is a build mistake, not a run-time condition. */
#define ADD_HOOK(table, n, fn)                                                                     \
    do {                                                                                           \
        if ((n) >= (int)(sizeof(table) / sizeof((table)[0]))) {                                    \
            log_warning("too many %s hooks: raise the table size in core.h", #table);              \
            abort();                                                                               \
        }                                                                                          \
        (table)[(n)++] = (fn);                                                                     \
    } while (0)

void server_on_before_sleep(ServerHook fn) {
    ADD_HOOK(core.before_sleep, core.n_before_sleep, fn);
}

void server_on_cron(ServerHook fn) {
    ADD_HOOK(core.cron, core.n_cron, fn);
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Registers the listening socket fd. 0, or -1 (fd closed) when every slot
 * is taken. */
static int add_listener(int fd, int is_unix, int is_tls) {
    int i = 0;
    while (i < n_listeners && listeners[i].fd >= 0) i++;
    if (i == MAX_LISTENERS) {
        close(fd);
        errno = EMFILE;
        return -1;
    }
    if (i == n_listeners) n_listeners++;
    set_nonblock(fd);
    listeners[i].fd = fd;
    listeners[i].is_unix = is_unix;
    listeners[i].is_tls = is_tls;
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.ptr = &listeners[i];
    epoll_ctl(core.epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

/* Closes the TCP listeners of tls-port (is_tls) or of port, except those
 * in slots marked in keep (may be NULL). */
static void close_listeners(int is_tls, const unsigned char *keep) {
    for (int i = 0; i < n_listeners; i++) {
        if (listeners[i].fd < 0 || listeners[i].is_unix || listeners[i].is_tls != is_tls) continue;
        if (keep && keep[i]) continue;
        epoll_ctl(core.epfd, EPOLL_CTL_DEL, listeners[i].fd, NULL);
        close(listeners[i].fd);
        listeners[i].fd = -1;
    }
}

static int listen_tcp(const char *addr, int port) {
    struct addrinfo hints = {0}, *res, *p;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    const char *host = addr;
    if (host[0] == '-') host++; /* "-::1": optional address */
    if (strcmp(host, "*") == 0) host = NULL;
    if (getaddrinfo(host, portstr, &hints, &res) != 0) return -1;
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd < 0) continue;
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
        procenv_socket(fd); /* socket-mark-id */
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, (int)settings.tcp_backlog) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Listens on port on every bind address (is_tls: as tls-port). Returns 0,
 * or -1 after logging when a mandatory address failed or none worked; the
 * listeners opened before a failure stay (the caller exits or closes them). */
static int listen_all(long long port, int is_tls) {
    char *bind = xstrdup(settings.bind ? settings.bind : "127.0.0.1");
    char *save = NULL;
    int n_ok = 0, rc = 0;
    for (char *tok = strtok_r(bind, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int fd = listen_tcp(tok, (int)port);
        if (fd < 0 || add_listener(fd, 0, is_tls) != 0) {
            if (tok[0] == '-') continue;
            log_warning("Warning: Could not create server TCP listening socket %s:%lld: %s", tok,
                        port, strerror(errno));
            rc = -1;
            break;
        }
        n_ok++;
    }
    xfree(bind);
    if (rc == 0 && n_ok == 0) {
        log_warning("Failed listening on port %lld (%s), aborting.", port, is_tls ? "tls" : "tcp");
        rc = -1;
    }
    return rc;
}

/* The TLS configuration of the settings (borrowed strings). */
static TlsConfig tls_config(void) {
    TlsConfig t = {settings.tls_cert_file,
                   settings.tls_key_file,
                   settings.tls_key_file_pass,
                   settings.tls_client_cert_file,
                   settings.tls_client_key_file,
                   settings.tls_client_key_file_pass,
                   settings.tls_ca_cert_file,
                   settings.tls_ca_cert_dir,
                   settings.tls_dh_params_file,
                   settings.tls_protocols,
                   settings.tls_ciphers,
                   settings.tls_ciphersuites,
                   settings.tls_prefer_server_ciphers,
                   settings.tls_session_caching,
                   settings.tls_session_cache_size,
                   settings.tls_session_cache_timeout,
                   settings.tls_auth_clients,
                   settings.tls_replication || settings.tls_cluster};
    return t;
}

static int tls_in_use(void) {
    return settings.tls_port > 0 || settings.tls_replication || settings.tls_cluster;
}

/* tls_configure() on the settings. 0, or -1 with *err as CONFIG SET words
 * it (Redis's text for a refused setting; ours when OpenSSL is missing, a
 * case Redis, linked against it, does not have). */
static int configure_tls(const char **err) {
    TlsConfig t = tls_config();
    int rc = tls_configure(&t);
    if (rc == 0) return 0;
    *err =
        rc == TLS_ERR_NO_LIBRARY
            ? "Unable to update TLS configuration: OpenSSL could not be loaded. Check server logs."
            : "Unable to update TLS configuration. Check server logs.";
    return -1;
}

int server_apply_tls(const char **err) {
    if (!tls_in_use()) return 0;
    return configure_tls(err);
}

/* The ports the listeners are bound to (-1: not yet). */
static long long bound_port = -1, bound_tls_port = -1;

/* Moves the TCP listeners of one kind to port (0: none), as Redis does: the
 * new sockets first, then the old ones closed, so that a port that cannot
 * be bound leaves the old listeners serving. 0, or -1 with *err. */
static int move_listeners(long long port, int is_tls, long long *bound, const char **err) {
    if (port == *bound) return 0; /* the same value again: nothing to move */
    unsigned char old[MAX_LISTENERS] = {0};
    for (int i = 0; i < n_listeners; i++)
        old[i] = listeners[i].fd >= 0 && !listeners[i].is_unix && listeners[i].is_tls == is_tls;
    if (port > 0 && listen_all(port, is_tls) != 0) {
        close_listeners(is_tls, old); /* the new ones that did open */
        *err = "Unable to listen on this port. Check server logs.";
        return -1;
    }
    unsigned char fresh[MAX_LISTENERS] = {0};
    for (int i = 0; i < n_listeners; i++) fresh[i] = !old[i];
    close_listeners(is_tls, fresh);
    *bound = port;
    return 0;
}

int server_apply_tls_port(const char **err) {
    if (settings.tls_port > 0 && !tls_is_configured() && configure_tls(err) != 0) return -1;
    return move_listeners(settings.tls_port, 1, &bound_tls_port, err);
}

int server_apply_port(const char **err) {
    return move_listeners(settings.port, 0, &bound_port, err);
}

void server_init_listeners(void) {
    core.epfd = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < MAX_LISTENERS; i++) listeners[i].fd = -1;
    if (tls_in_use()) {
        TlsConfig t = tls_config();
        if (tls_configure(&t) != 0) {
            log_warning("Failed to configure TLS. Check logs for more info.");
            exit(1);
        }
    }
    if (settings.port > 0 && listen_all(settings.port, 0) != 0) exit(1);
    if (settings.tls_port > 0 && listen_all(settings.tls_port, 1) != 0) exit(1);
    bound_port = settings.port;
    bound_tls_port = settings.tls_port;
    if (settings.unixsocket && *settings.unixsocket) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = {0};
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", settings.unixsocket);
        unlink(settings.unixsocket);
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 511) != 0) {
            log_warning("Failed opening Unix socket: %s", strerror(errno));
            exit(1);
        }
        if (settings.unixsocketperm) chmod(settings.unixsocket, (mode_t)settings.unixsocketperm);
        add_listener(fd, 1, 0);
    }
}

static int is_loopback(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
    }
    return 1;
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t n) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
        port = ntohs(s->sin_port);
        snprintf(out, n, "%s:%d", host, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
        port = ntohs(s->sin6_port);
        snprintf(out, n, "[%s]:%d", host, port); /* Redis brackets IPv6 hosts */
    } else {
        snprintf(out, n, "%s:0", settings.unixsocket ? settings.unixsocket : "");
    }
}

/* What a client refused by protected mode is told. */
#define PROTECTED_DENIED_MSG                                                                       \
    "-DENIED Redis is running in protected mode because protected mode is enabled "                \
    "and no password is set for the default user. In this mode connections are only "              \
    "accepted from the loopback interface. If you want to connect from external "                  \
    "computers to Redis you may adopt one of the following solutions: 1) Just "                    \
    "disable protected mode sending the command 'CONFIG SET protected-mode no' from "              \
    "the loopback interface by connecting to Redis from the same host the server is "              \
    "running, however MAKE SURE Redis is not publicly accessible from internet if "                \
    "you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "               \
    "you can just disable the protected mode by editing the Redis configuration "                  \
    "file, and setting the protected mode option to 'no', and then restarting the "                \
    "server. 3) If you started the server manually just for testing, restart it "                  \
    "with the '--protected-mode no' option. 4) Set up an authentication password "                 \
    "for the default user. NOTE: You only need to do one of the above things in "                  \
    "order for the server to start accepting connections from the outside.\r\n"

static void accept_one(int lfd, int is_unix, int is_tls) {
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        core.stat_conns++;
        if (core.n_clients >= (uint64_t)settings.maxclients) {
            /* (over TLS the handshake has not happened: Redis closes
             * without a word, and so do we) */
            const char *msg = "-ERR max number of clients reached\r\n";
            if (!is_tls) {
                ssize_t w = write(fd, msg, strlen(msg));
                (void)w;
            }
            close(fd);
            core.stat_rejected_conns++;
            continue;
        }
        TlsConn *tls = NULL;
        if (is_tls && !(tls = tls_conn_accept(fd, settings.tls_auth_clients))) {
            log_warning("Error accepting a client connection: cannot create the TLS state");
            close(fd);
            continue;
        }
        int is_denied =
            !is_unix && settings.protected_mode && !acl_auth_required() && !is_loopback(&ss);
        if (is_denied && !tls) {
            const char *msg = PROTECTED_DENIED_MSG;
            ssize_t w = write(fd, msg, strlen(msg));
            (void)w;
            close(fd);
            core.stat_rejected_conns++;
            continue;
        }
        if (!is_unix) {
            int yes = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
            if (settings.tcp_keepalive > 0) {
                setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
                int idle = (int)settings.tcp_keepalive;
                int intvl = idle / 3 ? idle / 3 : 1;
                int cnt = 3;
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
            }
        }
        ClientFull *c = client_create(fd, is_unix);
        c->tls = tls;
        format_addr(&ss, c->addr, sizeof c->addr);
        struct sockaddr_storage ls;
        socklen_t ll = sizeof ls;
        if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
            format_addr(&ls, c->laddr, sizeof c->laddr);
        struct epoll_event ev = {0};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(core.epfd, EPOLL_CTL_ADD, fd, &ev);
        if (is_denied) { /* a TLS client: the refusal goes out once the handshake is done */
            buf_append(&c->obuf, PROTECTED_DENIED_MSG, strlen(PROTECTED_DENIED_MSG));
            c->pub.flags |= CLIENT_CLOSE_AFTER_REPLY;
            core.stat_rejected_conns++;
            client_queue_write(c);
        }
    }
}

static void on_signal(int sig) {
    got_signal = sig;
}

/* Instantaneous metrics: every 100 ms the rate since the previous sample
 * goes into a ring of 16, and INFO prints the ring's mean (Redis's
 * trackInstantaneousMetric()). */
#define INST_SAMPLES 16
static struct {
    int64_t last_ms, last_value;
    long long samples[INST_SAMPLES];
    int idx;
} inst[INST_COUNT];

static void inst_track(int metric, int64_t value, int64_t now_ms_) {
    if (inst[metric].last_ms > 0) {
        int64_t dt = now_ms_ - inst[metric].last_ms;
        int64_t dv = value - inst[metric].last_value;
        inst[metric].samples[inst[metric].idx] = dt > 0 ? (long long)(dv * 1000 / dt) : 0;
        inst[metric].idx = (inst[metric].idx + 1) % INST_SAMPLES;
    }
    inst[metric].last_ms = now_ms_;
    inst[metric].last_value = value;
}

long long server_instantaneous(int metric) {
    long long sum = 0;
    for (int i = 0; i < INST_SAMPLES; i++) sum += inst[metric].samples[i];
    return sum / INST_SAMPLES;
}

/* The cron's rate: hz, doubled (up to 500) while there are more than 200
 * clients per tick under dynamic-hz, as Redis scales it. */
static long long effective_hz(void) {
    long long hz = settings.hz > 0 ? settings.hz : 10;
    if (settings.dynamic_hz) {
        while ((long long)core.n_clients / hz > 200) {
            hz *= 2;
            if (hz > 500) {
                hz = 500;
                break;
            }
        }
    }
    return hz;
}

static void cron(void) {
    static int64_t last_cron;
    int64_t now = mono_ms();
    core.hz = effective_hz();
    int64_t period = 1000 / core.hz;
    if (now - last_cron < period) return;
    last_cron = now;
    static int64_t last_inst;
    if (now - last_inst >= 100) {
        last_inst = now;
        inst_track(INST_OPS, (int64_t)core.stat_cmds, now);
        /* 7.0: the totals include the replication stream's share */
        inst_track(INST_NET_IN, (int64_t)(core.stat_net_in + core.stat_net_repl_in), now);
        inst_track(INST_NET_OUT, (int64_t)(core.stat_net_out + core.stat_net_repl_out), now);
        inst_track(INST_NET_REPL_IN, (int64_t)core.stat_net_repl_in, now);
        inst_track(INST_NET_REPL_OUT, (int64_t)core.stat_net_repl_out, now);
    }
    if (!core.active_expire_off) {
        int64_t start_us = mono_us();
        /* active-expire-effort 1..10: a bigger share of each tick, as Redis
         * spends 25% plus 2% per step above 1 */
        db_active_expire(1000 * (25 + 2 * (settings.active_expire_effort - 1)) / 25);
        latency_add_sample("expire-cycle", (mono_us() - start_us) / 1000);
    }
    /* Memory over maxmemory with no command coming (CONFIG SET maxmemory
     * lowered it, a big value arrived): eviction goes on from here, as
     * Redis's eviction timer does. */
    if (settings.maxmemory > 0) evict_perform();
    /* Keys the expiry deleted may have clients blocked on them (a blocked
     * XREADGROUP answers NOGROUP then): serve them now, as after a command. */
    if (buf_live(&core.ready_keys) > 0) {
        core.executing = 1;
        core.cmd_time_us = real_us();
        core.cmd_time_ms = core.cmd_time_us / 1000;
        block_serve_ready();
        prop_flush(NULL);
        core.executing = 0;
    }
    for (int i = 0; i < core.n_dbs; i++) dict_rehash_steps(core.dbs[i].keys, 100);
    if (settings.timeout > 0) {
        int64_t wall = now_ms();
        for (ClientFull *c = core.clients; c; c = c->next) {
            /* (the master's link has repl-timeout instead; a monitor is a
             * replica to Redis, which does not time replicas out; nor does
             * it time out subscribers, who only listen) */
            if (c->block || (c->pub.flags & (CLIENT_MULTI | CLIENT_SLAVE | CLIENT_MASTER |
                                             CLIENT_MONITOR | CLIENT_PUBSUB)))
                continue;
            if (wall - c->last_ms > settings.timeout * 1000) client_close_async(c);
        }
    }
    static int64_t last_trim;
    if (now - last_trim >= 1000) {
        last_trim = now;
        client_trim_idle_buffers(now_ms());
    }
    for (int i = 0; i < core.n_cron; i++) core.cron[i]();
}

static int (*shutdown_save_hook)(int flags);
static void (*flushall_hook)(void);

void server_set_shutdown_save(int (*fn)(int flags)) {
    shutdown_save_hook = fn;
}

int server_shutdown_save(int flags) {
    return shutdown_save_hook ? shutdown_save_hook(flags) : 0;
}

void server_set_flushall_hook(void (*fn)(void)) {
    flushall_hook = fn;
}

void server_after_flushall(void) {
    if (flushall_hook) flushall_hook();
}

void server_on_shutdown(ServerHook fn) {
    ADD_HOOK(core.shutdown_hooks, core.n_shutdown_hooks, fn);
}

void server_prepare_shutdown(void) {
    /* Persistence writes and fsyncs what it holds before any reply leaves. */
    for (int i = 0; i < core.n_shutdown_hooks; i++) core.shutdown_hooks[i]();
}

static int64_t next_timeout_ms(void) {
    int64_t timeout = 1000 / (core.hz > 0 ? core.hz : 10);
    int64_t d = block_nearest_deadline(), pause_end = pause_deadline();
    if (pause_end && (!d || pause_end < d)) d = pause_end;
    if (d) {
        int64_t left = d - now_ms();
        if (left < 0) left = 0;
        if (left < timeout) timeout = left;
    }
    if (core.pending_write || buf_live(&core.ready_keys) > 0 || block_has_unblocked() ||
        core.n_tls_pending > 0)
        timeout = 0;
    return timeout;
}

/* Busy polling. Waking a sleeping thread takes long on a virtual machine
 * (the idle vCPU has left to the hypervisor), so before it sleeps the loop
 * asks epoll again for up to a window of busy-poll-us microseconds, when that
 * has been paying off. The window adapts as Linux's haltpoll does for a
 * guest's idle CPU: an event that came within busy-poll-us of going to sleep
 * would have been caught by a longer window, so it doubles; a sleep longer
 * than busy-poll-us was waited for in vain, so it halves, and drops to 0
 * below POLL_WINDOW_MIN_US. An idle server so stops polling within a few
 * cron ticks; a busy one polls between bursts. */
#define POLL_WINDOW_MIN_US 10

static int wait_events(struct epoll_event *evs, int max_events, int timeout_ms) {
    int64_t max_us = settings.busy_poll_us;
    if (timeout_ms == 0 || max_us <= 0) return epoll_wait(core.epfd, evs, max_events, timeout_ms);
    if (max_us > (int64_t)timeout_ms * 1000) max_us = (int64_t)timeout_ms * 1000;
    int64_t window = core.poll_window_us < max_us ? core.poll_window_us : max_us;
    int64_t t0 = mono_us(), t = t0;
    if (window > 0) {
        do {
            int n = epoll_wait(core.epfd, evs, max_events, 0);
            if (n != 0) return n;
            t = mono_us();
        } while (t - t0 < window);
    }
    int n = epoll_wait(core.epfd, evs, max_events, timeout_ms);
    int64_t slept = mono_us() - t;
    if (n > 0 && window + slept <= max_us) {
        window = window ? window * 2 : POLL_WINDOW_MIN_US;
        core.poll_window_us = window < max_us ? window : max_us;
    } else if (n == 0 || slept > max_us) {
        core.poll_window_us = window / 2 >= POLL_WINDOW_MIN_US ? window / 2 : 0;
    }
    return n;
}

/* Waits up to timeout_ms for events and handles them: accepts, reads and
 * runs commands, writes. */
static void process_events(int timeout_ms) {
    struct epoll_event evs[256];
    int n = wait_events(evs, 256, timeout_ms);
    core.el_iterations++;
    for (int i = 0; i < n; i++) {
        void *ptr = evs[i].data.ptr;
        if (ptr >= (void *)&listeners[0] && ptr < (void *)&listeners[MAX_LISTENERS]) {
            int idx = (int)(((char *)ptr - (char *)&listeners[0]) / sizeof listeners[0]);
            accept_one(listeners[idx].fd, listeners[idx].is_unix, listeners[idx].is_tls);
            continue;
        }
        if (replica_owns_event(ptr)) { /* the link to our master */
            replica_on_event(evs[i].events);
            continue;
        }
        ClientFull *c = ptr;
        if (c->is_closing) continue;
        if (__builtin_expect(c->tls != NULL, 0)) {
            client_on_tls_event(c, evs[i].events);
            continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) client_on_readable(c);
        if (!c->is_closing && (evs[i].events & EPOLLOUT)) client_on_writable(c);
    }
    if (__builtin_expect(core.n_tls_pending > 0, 0)) client_serve_tls_pending();
}

/* Called by the AOF loader between batches of replayed commands: clients
 * connect and get their answers (-LOADING for data commands) meanwhile. */
void server_serve_while_loading(void) {
    process_events(0);
    client_write_pending();
    clients_free_pending();
}

void server_serve_while_busy(void) {
    process_events(0);
    client_write_pending();
}

static void before_sleep(void) {
    pause_before_sleep();
    block_check_timeouts();
    block_process_unblocked();
    tracking_broadcast(); /* BCAST invalidations: before the AOF is written, as 7.0 */
    for (int i = 0; i < core.n_before_sleep; i++) core.before_sleep[i]();
    block_poll();
    client_write_pending();
    clients_free_pending();
    reply_discard_release();
}

void server_loop(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        before_sleep();
        if (got_signal) {
            int sig = got_signal;
            got_signal = 0;
            shutdown_on_signal(sig);
        }
        shutdown_check();
        if (core.shutdown_asap) {
            server_prepare_shutdown();
            for (int i = 0; i < core.n_before_sleep; i++) core.before_sleep[i]();
            break;
        }
        process_events((int)next_timeout_ms());
        cron();
    }
    client_write_pending();
    if (settings.unixsocket && *settings.unixsocket) unlink(settings.unixsocket);
    if (settings.pidfile && *settings.pidfile) unlink(settings.pidfile);
    log_warning("streamd is now ready to exit, bye bye...");
}
