/*
 * log.h - the server log: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message",
 * the shape of Redis's log lines, to stdout or the `logfile`.
 */
#ifndef STREAMD_LOG_H
#define STREAMD_LOG_H

enum { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

void log_set_level(int level);
int log_set_file(const char *path); /* "" = stdout; 0 ok, -1 error */
/* The descriptor lines go to (the crash report writes there directly). */
int log_fd(void);
/* The role letter of each line: M master, S replica, C child (as Redis). */
void log_set_role(char r);
/* Lines go to syslog too (facility: 0 user, 1..8 local0..local7). */
void log_enable_syslog(const char *ident, int facility);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)

#endif
