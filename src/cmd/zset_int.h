/*
 * zset_int.h - what the sorted set's command file (zset.c) and its
 * persistence (zset_persist.c) share, and what GEO (geo.c) borrows.
 */
#ifndef STREAMD_ZSET_INT_H
#define STREAMD_ZSET_INT_H

#include <stddef.h>

#include "cmd/zset_obj.h"
#include "server/object.h"
#include "server/server.h"

/* Returns an owned OBJ_ZSET object around z (ownership of z moves in). */
Obj *zset__obj(Zset *z);
/* Whether a set of n members, the longest max_len bytes, stays packed
 * under zset-max-listpack-entries / -value. */
int zset__fits_packed(size_t n, size_t max_len);
/* Registers the RDB / DUMP / AOF rewrite codecs (zset_persist.c). */
void zset__persist_init(void);
/* The score's text as Redis 7.0 writes it (%.17g, "inf", "-inf"); buf holds
 * at least 32 bytes. Returns the length. */
size_t zset__fmt_score(double d, char *buf);
/* Redis's string2d (a score, a GEO coordinate): 0 with *out, -1 bad. */
int zset__parse_double(Slice s, double *out);
/* Runs ZADD over c->argv (GEOADD hands it the ZADD it rewrote itself to, as
 * Redis 7.0 does): replies, notifies "zadd" and propagates c->argv. */
void zset__zadd_command(Client *c);

#endif
