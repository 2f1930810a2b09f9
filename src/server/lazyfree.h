/*
 * lazyfree.h - freeing big values on a background thread (UNLINK, FLUSHALL
 * ASYNC and the lazyfree-lazy-* configs).
 *
 * The keyspace unlinks a value on the main thread as usual; only the release
 * of its memory moves to the thread, and only when that is worth a hand-over:
 * a value whose free effort (about one per allocation: table entries, list
 * nodes, stream nodes and pending entries) is above LAZYFREE_THRESHOLD. Small
 * values, and every string, are freed at once. The counts behind INFO's
 * lazyfree_pending_objects and lazyfreed_objects follow Redis: one per value,
 * one per key of a flushed database.
 *
 * What runs on the thread is each type's free function and xfree(); a type's
 * free must therefore touch nothing but the value's own memory (the
 * allocator's byte count is atomic).
 */
#ifndef STREAMD_LAZYFREE_H
#define STREAMD_LAZYFREE_H

#include <stdint.h>

#include "server/dict.h"
#include "server/object.h"

/* Redis's threshold: below it a hand-over costs more than the free. */
#define LAZYFREE_THRESHOLD 64

/* Frees o (owned, out of every keyspace) now or on the thread, by its effort.
 * Returns 1 when it went to the thread. */
int lazyfree_obj(Obj *o);
/* Frees a database's key dict (owned; values are Obj) on the thread, n_keys
 * counted as freed objects; at once when a value still borrows a client's
 * buffer. */
void lazyfree_keys(Dict *keys);

uint64_t lazyfree_pending_objects(void);
uint64_t lazyfreed_objects(void);
/* CONFIG RESETSTAT */
void lazyfree_reset_stats(void);

#endif
