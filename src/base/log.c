/*
 * log.c - log lines with Redis's layout, so existing log tooling reads them.
 * Logging is synchronous and rare (start-up, errors, persistence events);
 * it is never on the per-command path.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/logsys.h"

static int min_level = LOG_NOTICE;
static FILE *out;
static char role = 'M';
static int to_syslog;

int log_fd(void) {
    return fileno(out ? out : stdout);
}

void log_set_role(char r) {
    role = r;
}

void log_enable_syslog(const char *ident, int facility) {
    logsys_open(ident, facility);
    to_syslog = 1;
}

void log_set_level(int level) {
    min_level = level;
}

int log_set_file(const char *path) {
    if (!path || !*path) {
        out = NULL;
        return 0;
    }
    FILE *f = fopen(path, "a");
    if (!f) return -1;
    out = f;
    return 0;
}

void log_msg(int level, const char *fmt, ...) {
    if (level < min_level) return;
    FILE *f = out ? out : stdout;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    localtime_r(&t, &tm);
    char ts[64];
    size_t n = strftime(ts, sizeof ts, "%d %b %Y %H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03d", (int)(tv.tv_usec / 1000));
    static const char marks[] = ".-*#";
    char small[1024], *msg = small;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    if (len >= (int)sizeof small && (msg = malloc((size_t)len + 1)) != NULL)
        vsnprintf(msg, (size_t)len + 1, fmt, again);
    if (!msg) msg = small; /* cut short rather than lost */
    va_end(again);
    va_end(ap);
    fprintf(f, "%d:%c %s %c %s\n", (int)getpid(), role, ts, marks[level & 3], msg);
    fflush(f);
    if (to_syslog) logsys_write(level, msg);
    if (msg != small) free(msg);
}
