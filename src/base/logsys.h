/*
 * logsys.h - the server log copied to syslog (syslog-enabled, syslog-ident,
 * syslog-facility).
 */
#ifndef STREAMD_LOGSYS_H
#define STREAMD_LOGSYS_H

/* facility: 0 user, 1..8 local0..local7 */
void logsys_open(const char *ident, int facility);
/* level: log.h's LOG_DEBUG .. LOG_WARNING */
void logsys_write(int level, const char *msg);

#endif
