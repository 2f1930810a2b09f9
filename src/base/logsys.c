/*
 * logsys.c - the system log side of the server log (syslog-enabled): kept
 * apart from log.c because <syslog.h>'s level macros share the names of
 * log.h's levels.
 */
#include "base/logsys.h"

#include <stddef.h>
#include <syslog.h>

static int opened;

void logsys_open(const char *ident, int facility) {
    static const int facilities[] = {LOG_USER,   LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                     LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
    if (facility < 0 || facility >= (int)(sizeof facilities / sizeof *facilities)) facility = 1;
    openlog(ident && *ident ? ident : "redis", LOG_PID | LOG_NDELAY | LOG_NOWAIT,
            facilities[facility]);
    opened = 1;
}

void logsys_write(int level, const char *msg) {
    /* debug, verbose, notice, warning: as Redis maps them */
    static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    if (!opened) return;
    syslog(prio[level & 3], "%s", msg);
}
