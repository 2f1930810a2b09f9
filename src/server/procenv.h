/*
 * procenv.h - how the server process presents itself to the system, as
 * Redis's configs of the same names ask: its title in ps (set-proc-title,
 * proc-title-template), its OOM-killer score (oom-score-adj,
 * oom-score-adj-values), transparent huge pages (disable-thp), jemalloc's
 * background purging thread (jemalloc-bg-thread) and the start-up logo
 * (always-show-logo).
 */
#ifndef STREAMD_PROCENV_H
#define STREAMD_PROCENV_H

/* Before anything else in main: keeps argv's memory for the title. */
void procenv_init(int argc, char **argv);
/* Once the configuration is read (before listening). */
void procenv_startup(void);
/* In a forked child (what: "rdb-bgsave", "aof-rewrite", "rdb-to-slaves"):
 * its own title and the background-child OOM score. */
void procenv_child(const char *what);

/* Ready to accept connections: tells the supervisor (supervised). */
void procenv_ready(void);
/* INFO's process_supervised: no, upstart or systemd. */
const char *procenv_supervised(void);

/* CONFIG SET apply hooks (0, or -1 with Redis's error in *err). */
int procenv_apply_title(const char **err);
int procenv_apply_oom(const char **err);
int procenv_apply_jemalloc_bg_thread(const char **err);
/* The *_cpulist configs parse ("0,2,4-7,8-15:2"). */
int procenv_check_cpulists(const char **err);
/* A background thread starting (bio_cpulist; name for ps -T). */
void procenv_bio_thread(const char *name);
/* A listening socket: socket-mark-id. */
void procenv_socket(int fd);
/* An outgoing connection's socket of family af: bound to bind-source-addr
 * when it is set (and of that family). 0, or -1 when the bind failed. */
int procenv_bind_source(int fd, int af);
/* crash-log-enabled: a stack trace in the log when the process crashes. */
int procenv_apply_crash_log(const char **err);

#endif
