/*
 * migrate.h - MIGRATE's connection cache, as INFO reports it (migrate.c).
 */
#ifndef STREAMD_CMD_MIGRATE_H
#define STREAMD_CMD_MIGRATE_H

#include <stddef.h>

/* The number of cached connections to MIGRATE targets (INFO stats). */
size_t migrate_cached_sockets(void);

#endif
