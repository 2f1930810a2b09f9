/*
 * set_hash.h - the hash table of a big set: members only, no values.
 *
 * The keyspace's Dict (server/dict.h) carries a value pointer and an expiry
 * in every entry; a set member needs neither, and those 16 bytes move a
 * short member from a 32-byte allocation to a 48-byte one. This table keeps
 * Dict's design (chained buckets, power-of-two tables, incremental
 * rehashing a few buckets per operation, the reverse-binary SCAN cursor
 * that returns every member present for a whole scan at least once, the
 * same seeded hash) with entries of 12 bytes plus the member.
 */
#ifndef STREAMD_CMD_SET_HASH_H
#define STREAMD_CMD_SET_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef struct SetHash SetHash;

/* Returns an owned, empty table; free with set_hash_free(). */
SetHash *set_hash_new(void);
void set_hash_free(SetHash *h);
size_t set_hash_size(const SetHash *h);
/* Buckets of both tables (MEMORY USAGE). */
size_t set_hash_buckets(const SetHash *h);
/* Bytes of the table, its buckets and its entries. O(n). */
size_t set_hash_mem_bytes(const SetHash *h);
int set_hash_has(SetHash *h, Slice m);
/* Adds m; 1 if it was not there, 0 if it was. */
int set_hash_add(SetHash *h, Slice m);
/* Removes m; 1 if it was there. */
int set_hash_remove(SetHash *h, Slice m);
/* A random member (h not empty), roughly uniform as Dict's; a view valid
 * until the member is removed. */
Slice set_hash_random(SetHash *h);
/* Calls fn on every member once, until fn returns non-zero (fn must not
 * change h). Views valid during the call. */
void set_hash_foreach(const SetHash *h, int (*fn)(void *priv, Slice m), void *priv);
/* Visits the buckets at cursor; returns the next cursor (0 when done). */
uint64_t set_hash_scan(SetHash *h, uint64_t cursor, void (*fn)(void *priv, Slice m), void *priv);

#endif
