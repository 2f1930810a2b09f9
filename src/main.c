/*
 * main.c - start-up: configuration, databases, command table, listeners,
 * data loading, then the event loop until shutdown.
 *
 * Usage, as redis-server: streamd [/path/to/streamd.conf] [--option value ...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "persist/aof.h"
#include "persist/check.h"
#include "persist/rdb.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/memreport.h"
#include "server/procenv.h"
#include "server/repl.h"
#include "server/replica.h"
#include "version.h"

static void usage(void) {
    fprintf(stderr, "Usage: ./streamd [/path/to/streamd.conf] [options] [-]\n"
                    "       ./streamd -v or --version\n"
                    "       ./streamd -h or --help\n\n"
                    "Examples:\n"
                    "       ./streamd (run the server with default conf)\n"
                    "       ./streamd /etc/streamd/6379.conf\n"
                    "       ./streamd --port 7777\n"
                    "       ./streamd /etc/mystreamd.conf --loglevel verbose\n");
    exit(1);
}

/* daemonize yes: the server goes on in a child of its own session, detached
 * from the terminal, with its standard streams on /dev/null (logs go to the
 * logfile, or nowhere), as redis-server does; the parent exits at once. */
static void daemonize(void) {
    pid_t pid = fork();
    if (pid == -1) {
        fprintf(stderr, "Can't fork to go into the background: %s\n", strerror(errno));
        exit(1);
    }
    if (pid > 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

int main(int argc, char **argv) {
    /* streamd-check-aof / streamd-check-rdb: the same binary, as Redis. */
    if (check_wanted(argc, argv)) return check_main(argc, argv);
    procenv_init(argc, argv); /* before anything reads the environment's strings */
    config_init_defaults();
    int arg = 1;
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("streamd v=%s (Redis-compatible, redis_version=%s) malloc=%s\n", STREAMD_VERSION,
                   STREAMD_REDIS_VERSION, alloc_name());
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
        if (strncmp(argv[1], "--", 2) != 0) {
            char *err = NULL;
            core.config_file = realpath(argv[1], NULL);
            if (!core.config_file) core.config_file = xstrdup(argv[1]);
            if (config_load_file(argv[1], &err) != 0) {
                fprintf(stderr, "\n%s\n", err);
                xfree(err);
                return 1;
            }
            arg = 2;
        }
    }
    char *err = NULL;
    if (config_set_from_args(argc - arg, argv + arg, &err) != 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (streamd %s) ***\n%s\n", STREAMD_VERSION,
                err);
        xfree(err);
        return 1;
    }
    config_apply_all();
    if (settings.daemonize) {
        daemonize();
        /* a daemon always leaves its pid somewhere (Redis: /var/run/redis.pid) */
        if (!settings.pidfile || !*settings.pidfile) {
            xfree(settings.pidfile);
            settings.pidfile = xstrdup("/var/run/streamd.pid");
        }
    }
    if (server.dir && *server.dir && chdir(server.dir) != 0) {
        mkdir(server.dir, 0755);
        if (chdir(server.dir) != 0) {
            log_warning("Can't chdir to '%s'", server.dir);
            return 1;
        }
    }
    core.pid = getpid();
    static const char hex[] = "0123456789abcdef";
    int rfd = open("/dev/urandom", O_RDONLY);
    unsigned char rnd[20] = {0};
    if (rfd >= 0) {
        ssize_t r = read(rfd, rnd, sizeof rnd);
        (void)r;
        close(rfd);
    }
    for (int i = 0; i < 40; i++) core.run_id[i] = hex[(rnd[i / 2] >> ((i % 2) * 4)) & 15];
    server.start_time_ms = now_ms();
    server.aof_fsynced_offset = -1; /* until the AOF says otherwise */
    core.lastsave = now_ms() / 1000;
    db_init_all((int)settings.databases);
    commands_init();
    repl_init();
    if (acl_load_at_startup(&err) != 0) {
        log_warning("%s", err);
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    log_notice("streamd %s (redis_version %s) starting, pid=%d", STREAMD_VERSION,
               STREAMD_REDIS_VERSION, (int)core.pid);
    procenv_startup();
    server_init_listeners();
    if (settings.pidfile && *settings.pidfile) {
        /* Written aside and renamed into place, so that whoever waits for
         * the file never reads it empty or half written. */
        char tmp[4096];
        int n = snprintf(tmp, sizeof tmp, "%s.tmp-%d", settings.pidfile, (int)core.pid);
        FILE *f = n > 0 && (size_t)n < sizeof tmp ? fopen(tmp, "w") : NULL;
        if (f) {
            int ok = fprintf(f, "%d\n", (int)core.pid) > 0;
            ok = fclose(f) == 0 && ok;
            if (!ok || rename(tmp, settings.pidfile) != 0) unlink(tmp);
        }
    }
    mem_note_startup(); /* INFO memory's used_memory_startup: before data and clients */
    /* Loads the AOF (serving -LOADING meanwhile) and opens it for appending. */
    aof_startup();
    /* With appendonly no: loads dbfilename (RDB) when it exists. */
    rdb_startup();
    replica_startup(); /* after the data: a full resync replaces it */
    log_notice("Ready to accept connections tcp");
    procenv_ready();
    server_loop();
    return core.shutdown_exit_code;
}
