/*
 * shutdown.h - SHUTDOWN and SIGTERM / SIGINT: waiting for lagging replicas
 * (shutdown-timeout), SHUTDOWN ABORT. See shutdown.c.
 */
#ifndef STREAMD_SERVER_SHUTDOWN_H
#define STREAMD_SERVER_SHUTDOWN_H

#include "server/server.h"

/* Starts a shutdown with flags (SHUTDOWN_SAVE / NOSAVE / NOW / FORCE); c
 * (borrowed, NULL for a signal) is the SHUTDOWN caller. */
void shutdown_request(Client *c, int flags);
/* SHUTDOWN ABORT: 0 when a shutdown in progress was cancelled, -1 if none. */
int shutdown_abort(void);
/* Whether a shutdown waits for its replicas. */
int shutdown_in_progress(void);
/* The event loop: a SIGTERM / SIGINT received, and the check, every
 * iteration, of a waiting shutdown's end. */
void shutdown_on_signal(int sig);
void shutdown_check(void);

#endif
