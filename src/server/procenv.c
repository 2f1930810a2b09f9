/*
 * procenv.c - the process's title, OOM score, THP and allocator thread, and
 * the start-up logo (see procenv.h).
 *
 * The title. ps shows /proc/<pid>/cmdline, which is the memory argv's
 * strings were given in (with the environment's strings right after them).
 * procenv_init() moves the environment elsewhere so the whole run of bytes
 * can hold a title, which is then written there, NUL-padded: the way
 * setproctitle() is done on Linux. The template's variables are Redis's:
 * {title} (the program name as it was run, or in a child what the child
 * does), {listen-addr} (first bind address and port), {server-mode} (empty:
 * no cluster, no sentinel), {port}, {tls-port}, {unixsocket},
 * {config-file}; "{{" and "}}" are literal braces. A template with an
 * unknown variable, an unclosed brace or nothing left once expanded is
 * refused with Redis's message.
 *
 * The OOM score. /proc/self/oom_score_adj is written with the value for the
 * process's class (master, replica, background child) from
 * oom-score-adj-values: as is (absolute) or added to the score the process
 * started with (yes / relative), within -1000..1000. `no` puts back the
 * starting score. The cron notices a change of role.
 */
#include "server/procenv.h"

#include <ctype.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "server/core.h"
#include "server/replica.h"
#include "version.h"

extern char **environ;

static char *title_area; /* argv[0] .. the end of the last env string */
static size_t title_cap;
static char program[256]; /* argv[0] as run */

static void bind_cpus(const char *list);

void procenv_init(int argc, char **argv) {
    if (argc < 1 || !argv[0]) return;
    snprintf(program, sizeof program, "%s", argv[0]);
    char *end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++)
        if (argv[i] == end) end = argv[i] + strlen(argv[i]) + 1;
    size_t n = 0;
    while (environ[n]) n++;
    char **copy = malloc(sizeof(char *) * (n + 1));
    if (!copy) return;
    for (size_t i = 0; i < n; i++) {
        if (environ[i] == end) end = environ[i] + strlen(environ[i]) + 1;
        copy[i] = strdup(environ[i]);
    }
    copy[n] = NULL;
    environ = copy;
    title_area = argv[0];
    title_cap = (size_t)(end - argv[0]);
}

static void put_title(const char *s) {
    if (!title_area || title_cap < 2) return;
    size_t n = strlen(s);
    if (n > title_cap - 1) n = title_cap - 1;
    memcpy(title_area, s, n);
    memset(title_area + n, 0, title_cap - n);
}

static void first_bind(char *out, size_t cap) {
    const char *b = settings.bind ? settings.bind : "";
    while (*b == ' ') b++;
    size_t n = strcspn(b, " ");
    if (n == 0) {
        snprintf(out, cap, "*");
        return;
    }
    snprintf(out, cap, "%.*s", (int)n, b);
}

/* The template expanded for title, or -1 when it is not a valid one. */
static int expand(const char *tpl, const char *title, Buf *out) {
    for (const char *p = tpl; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            buf_append_char(out, '{');
            p += 2;
        } else if (p[0] == '}' && p[1] == '}') {
            buf_append_char(out, '}');
            p += 2;
        } else if (*p == '}') {
            return -1;
        } else if (*p == '{') {
            const char *close = strchr(p + 1, '}');
            if (!close) return -1;
            size_t n = (size_t)(close - p - 1);
            const char *v = p + 1;
#define IS(name) (n == strlen(name) && !memcmp(v, name, n))
            if (IS("title")) {
                buf_append_cstr(out, title);
            } else if (IS("listen-addr")) {
                char addr[128];
                if (settings.port) {
                    first_bind(addr, sizeof addr);
                    buf_printf(out, "%s:%lld", addr, (long long)settings.port);
                } else {
                    buf_printf(out, "unixsocket:%s",
                               settings.unixsocket ? settings.unixsocket : "");
                }
            } else if (IS("server-mode")) {
                /* no cluster, no sentinel: nothing */
            } else if (IS("port")) {
                buf_printf(out, "%lld", (long long)settings.port);
            } else if (IS("tls-port")) {
                buf_printf(out, "%lld", (long long)settings.tls_port);
            } else if (IS("unixsocket")) {
                buf_append_cstr(out, settings.unixsocket ? settings.unixsocket : "");
            } else if (IS("config-file")) {
                buf_append_cstr(out, core.config_file ? core.config_file : "");
            } else {
                return -1;
            }
#undef IS
            p = close + 1;
        } else {
            buf_append_char(out, *p++);
        }
    }
    /* trailing blanks go (an empty {server-mode} at the end) */
    while (out->len > 0 && out->p[out->len - 1] == ' ') out->len--;
    return out->len > 0 ? 0 : -1;
}

static int set_title(const char *title) {
    Buf b;
    buf_init(&b);
    int rc = expand(settings.proc_title_template ? settings.proc_title_template : "", title, &b);
    if (rc == 0) {
        buf_append_char(&b, '\0');
        put_title(b.p);
    }
    buf_free(&b);
    return rc;
}

int procenv_apply_title(const char **err) {
    Buf b;
    buf_init(&b);
    int rc = expand(settings.proc_title_template ? settings.proc_title_template : "", program, &b);
    buf_free(&b);
    if (rc != 0) {
        *err = "template format is invalid or contains unknown variables";
        return -1;
    }
    if (settings.set_proc_title && core.pid) set_title(program);
    return 0;
}

/* ---- OOM score ---------------------------------------------------------------- */

enum { OOM_MASTER, OOM_REPLICA, OOM_BGCHILD };
enum { OOM_NO, OOM_RELATIVE, OOM_ABSOLUTE };

static int base_score;
static int base_known;
static int applied_class = -1;

static int read_score(int *v) {
    FILE *f = fopen("/proc/self/oom_score_adj", "r");
    if (!f) return -1;
    int ok = fscanf(f, "%d", v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

static int write_score(int v) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd < 0) return -1;
    char s[16];
    int n = snprintf(s, sizeof s, "%d", v);
    int ok = write(fd, s, (size_t)n) == n;
    close(fd);
    return ok ? 0 : -1;
}

/* The three values, or -1 when the text is not three numbers in range. */
static int parse_values(const char *s, int v[3], const char **err) {
    int n = 0;
    const char *p = s ? s : "";
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ') p++;
        if (n == 3) {
            n++;
            break;
        }
        char tmp[32];
        size_t len = (size_t)(p - w);
        if (len >= sizeof tmp) len = sizeof tmp - 1;
        memcpy(tmp, w, len);
        tmp[len] = '\0';
        char *end;
        errno = 0;
        long x = strtol(tmp, &end, 10);
        if (*end || end == tmp || errno || x < -2000 || x > 2000) {
            *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            return -1;
        }
        v[n++] = (int)x;
    }
    if (n != 3) {
        *err = "wrong number of arguments";
        return -1;
    }
    return 0;
}

static int apply_class(int cls) {
    if (!base_known) {
        if (read_score(&base_score) != 0) return 0; /* no /proc: nothing to do */
        base_known = 1;
    }
    int v;
    if (settings.oom_score_adj == OOM_NO) {
        v = base_score;
    } else {
        int vals[3];
        const char *e;
        if (parse_values(settings.oom_score_adj_values, vals, &e) != 0) return -1;
        v = vals[cls] + (settings.oom_score_adj == OOM_RELATIVE ? base_score : 0);
        if (v < -1000) v = -1000;
        if (v > 1000) v = 1000;
    }
    if (write_score(v) != 0) {
        log_warning("Unable to write oom_score_adj: %s", strerror(errno));
        return -1;
    }
    applied_class = cls;
    return 0;
}

static int current_class(void) {
    return replica_is_active() ? OOM_REPLICA : OOM_MASTER;
}

int procenv_apply_oom(const char **err) {
    int vals[3];
    if (parse_values(settings.oom_score_adj_values, vals, err) != 0) return -1;
    if (!core.pid) return 0; /* start-up applies it once the server is up */
    if (apply_class(current_class()) != 0) {
        *err = "Failed to set current oom_score_adj. Check server logs.";
        return -1;
    }
    return 0;
}

/* A change of role: the log's role letter and the OOM class follow. */
static void role_cron(void) {
    log_set_role(replica_is_active() ? 'S' : 'M');
    if (settings.oom_score_adj != OOM_NO && applied_class != current_class())
        apply_class(current_class());
}

/* ---- the rest --------------------------------------------------------------------- */

int procenv_apply_jemalloc_bg_thread(const char **err) {
    (void)err;
    alloc_background_thread(settings.jemalloc_bg_thread);
    return 0;
}

void procenv_child(const char *what) {
    log_set_role('C');
    bind_cpus(!strcmp(what, "aof-rewrite") ? settings.aof_rewrite_cpulist
                                           : settings.bgsave_cpulist);
    char t[64];
    snprintf(t, sizeof t, "streamd-%s", what);
    if (settings.set_proc_title) set_title(t);
    if (settings.oom_score_adj != OOM_NO) apply_class(OOM_BGCHILD);
}

static void show_logo(void) {
    char addr[128];
    first_bind(addr, sizeof addr);
    log_notice("\n"
               "      _                                _\n"
               "  ___| |_ _ __ ___  __ _ _ __ ___   __| |   streamd %s (redis_version %s)\n"
               " / __| __| '__/ _ \\/ _` | '_ ` _ \\ / _` |   %d bits, malloc %s\n"
               " \\__ \\ |_| | |  __/ (_| | | | | | | (_| |   listening on %s:%lld, pid %d\n"
               " |___/\\__|_|  \\___|\\__,_|_| |_| |_|\\__,_|   the Redis stream server\n",
               STREAMD_VERSION, STREAMD_REDIS_VERSION, (int)(sizeof(void *) * 8), alloc_name(),
               addr, (long long)settings.port, (int)getpid());
}

void procenv_startup(void) {
    if (settings.disable_thp) {
        /* Redis warns about THP and latency; it asks the kernel not to use
         * huge pages for this process */
        if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
            log_notice("Can't disable transparent huge pages: %s", strerror(errno));
    }
    alloc_background_thread(settings.jemalloc_bg_thread);
    bind_cpus(settings.server_cpulist);
    if (settings.always_show_logo ||
        (isatty(STDOUT_FILENO) && (!settings.logfile || !*settings.logfile)))
        show_logo();
    if (settings.set_proc_title) set_title(program);
    if (settings.oom_score_adj != OOM_NO) apply_class(current_class());
    const char *err;
    procenv_apply_crash_log(&err);
    server_on_cron(role_cron);
}

/* ---- CPU affinity and socket marks ------------------------------------------------ */

/* Redis's cpulist: comma-separated CPUs or ranges a-b, a range with a
 * stride a-b:s. 0 and the set, or -1. */
static int parse_cpulist(const char *s, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = s ? s : "";
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b, step = 1;
        if (end == p || a < 0) return -1;
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a) return -1;
            p = end;
            if (*p == ':') {
                step = strtol(p + 1, &end, 10);
                if (end == p + 1 || step < 1) return -1;
                p = end;
            }
        }
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
        for (long c = a; c <= b && c < CPU_SETSIZE; c += step) CPU_SET((int)c, set);
    }
    return 0;
}

int procenv_check_cpulists(const char **err) {
    const char *lists[] = {settings.server_cpulist, settings.bio_cpulist,
                           settings.aof_rewrite_cpulist, settings.bgsave_cpulist};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        cpu_set_t set;
        if (parse_cpulist(lists[i], &set) != 0) {
            *err = "Invalid cpulist";
            return -1;
        }
    }
    return 0;
}

/* Binds the calling thread to list's CPUs (nothing for an empty list). */
static void bind_cpus(const char *list) {
    if (!list || !*list) return;
    cpu_set_t set;
    if (parse_cpulist(list, &set) != 0) return;
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        log_warning("Can't bind to the CPUs %s", list);
}

void procenv_bio_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
    bind_cpus(settings.bio_cpulist);
}

void procenv_socket(int fd) {
    if (!settings.socket_mark_id) return;
    unsigned mark = (unsigned)settings.socket_mark_id;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        log_warning("Failed to set socket mark id %u: %s", mark, strerror(errno));
}

int procenv_bind_source(int fd, int af) {
    const char *a = settings.bind_source_addr;
    if (!a || !*a) return 0;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = af;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    if (getaddrinfo(a, NULL, &hints, &res) != 0 || !res) {
        log_warning("bind-source-addr %s: not an address of this family", a);
        return -1;
    }
    int rc = bind(fd, res->ai_addr, res->ai_addrlen);
    if (rc != 0) log_warning("Can't bind to bind-source-addr %s: %s", a, strerror(errno));
    freeaddrinfo(res);
    return rc == 0 ? 0 : -1;
}

/* ---- the crash report ------------------------------------------------------------- */

/* The sanitizers report crashes themselves, better: no handler of ours there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRASH_HANDLER 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define CRASH_HANDLER 0
#endif
#endif
#ifndef CRASH_HANDLER
#define CRASH_HANDLER 1
#endif

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static void put(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* Only what is safe enough in a crash: no allocation, no stdio. */
static void on_crash(int sig, siginfo_t *info, void *uctx) {
    (void)uctx;
    int fd = log_fd();
    char line[160];
    snprintf(line, sizeof line,
             "\n\n=== STREAMD BUG REPORT START: Cut & paste starting from here ===\n"
             "%d:M streamd %s crashed by signal: %d, si_code: %d, address: %p\n",
             (int)getpid(), STREAMD_VERSION, sig, info ? info->si_code : 0,
             info ? info->si_addr : NULL);
    put(fd, line);
    put(fd, "\n------ STACK TRACE ------\n");
    void *frames[64];
    int n = backtrace(frames, 64);
    backtrace_symbols_fd(frames, n, fd);
    put(fd, "\n=== STREAMD BUG REPORT END. Make sure to include from START to END. ===\n\n");
    /* the default action now: a core dump where the system keeps them */
    signal(sig, SIG_DFL);
    raise(sig);
}

int procenv_apply_crash_log(const char **err) {
    (void)err;
    if (!CRASH_HANDLER) return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (settings.crash_log_enabled) {
        sa.sa_sigaction = on_crash;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
    } else {
        sa.sa_handler = SIG_DFL;
    }
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++)
        sigaction(crash_signals[i], &sa, NULL);
    return 0;
}

/* ---- supervision ---------------------------------------------------------------- */

static const char *supervised_by = "no";

/* systemd's readiness protocol: a datagram to $NOTIFY_SOCKET. */
static int notify_systemd(const char *msg) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path));
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    ssize_t n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
    close(fd);
    return n < 0 ? -1 : 0;
}

void procenv_ready(void) {
    int mode = settings.supervised; /* 0 no, 1 upstart, 2 systemd, 3 auto */
    if (mode == 3) mode = getenv("UPSTART_JOB") ? 1 : getenv("NOTIFY_SOCKET") ? 2 : 0;
    if (mode == 1) {
        if (!getenv("UPSTART_JOB")) {
            log_warning("upstart supervision requested, but UPSTART_JOB not found!");
            return;
        }
        log_notice("supervised by upstart, will stop to signal readiness.");
        raise(SIGSTOP);
        unsetenv("UPSTART_JOB");
        supervised_by = "upstart";
    } else if (mode == 2) {
        if (notify_systemd("STATUS=Ready to accept connections\nREADY=1\n") != 0) {
            log_warning("systemd supervision requested or auto-detected, but NOTIFY_SOCKET "
                        "environment variable not found!");
            return;
        }
        log_notice("supervised by systemd. Please make sure you set appropriate values for "
                   "TimeoutStartSec and TimeoutStopSec in your service unit.");
        supervised_by = "systemd";
    }
}

const char *procenv_supervised(void) {
    return supervised_by;
}
