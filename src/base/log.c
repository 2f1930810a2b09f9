/*
 * log.c - log lines with Redis's layout, so existing log tooling reads them.
 * Logging is synchronous and rare (start-up, errors, persistence events);
 * it is never on the per-command path.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int min_level = LOG_NOTICE;
static FILE *out;

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
    fprintf(f, "%d:M %s %c ", (int)getpid(), ts, marks[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}
