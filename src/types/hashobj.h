/*
 * hashobj.h - the hash value type: a map of binary-safe fields to
 * binary-safe values, packed in one block while small, a hash table beyond.
 *
 * A pure data structure (no clients, no replies, no server state): the
 * command handlers (src/cmd/hash.c) pass the thresholds in. See hashobj.c
 * for the layouts and the conversion rules.
 *
 * Views (Slice) returned by lookups and visits borrow the hash: they are
 * valid until the next change of it.
 */
#ifndef STREAMD_HASHOBJ_H
#define STREAMD_HASHOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef struct HashObj HashObj;

/* When a packed hash becomes a table (Redis's hash-max-listpack-entries and
 * hash-max-listpack-value): more fields than max_entries, or a field or
 * value longer than max_value bytes. */
typedef struct HashLimits {
    uint64_t max_entries;
    uint64_t max_value;
} HashLimits;

typedef void (*HashVisitFn)(void *priv, Slice field, Slice value);
typedef void (*HashTtlFn)(void *priv, Slice field, int64_t when_ms);

/* Returns an owned empty packed hash; free with hashobj_free(). */
HashObj *hashobj_new(void);
void hashobj_free(HashObj *h);
/* Returns an owned deep copy of h, in the same representation. */
HashObj *hashobj_dup(HashObj *h);
uint64_t hashobj_len(const HashObj *h);
int hashobj_is_packed(const HashObj *h);
/* Bytes allocated for h (MEMORY USAGE). */
size_t hashobj_mem_bytes(const HashObj *h);
/* 1 with *value a view of field's value, 0 when absent. */
int hashobj_get(HashObj *h, Slice field, Slice *value);
/* Sets field to value (copies both); converts *h to a table first when
 * either is longer than lim->max_value, and after when it holds more than
 * lim->max_entries. *h may move. Returns 1 when field is new, 0 when it
 * replaced a value. */
int hashobj_set(HashObj **h, Slice field, Slice value, const HashLimits *lim);
/* hashobj_set() that keeps field's TTL (HINCRBY: a change in place, not a
 * new value); hashobj_set() drops it, as HSET does. */
int hashobj_set_keep_ttl(HashObj **h, Slice field, Slice value, const HashLimits *lim);
/* Removes field (and its TTL); 1 when it was there. *h may move. */
int hashobj_delete(HashObj **h, Slice field);
/* Turns a packed hash into a table (no-op for a table). *h moves. */
void hashobj_convert(HashObj **h);
/* Calls fn on every pair: a packed hash in insertion order, a table in
 * bucket order. fn must not change h. */
void hashobj_foreach(HashObj *h, HashVisitFn fn, void *priv);
/* One step of a SCAN-style cursor (reverse-binary over the table's buckets,
 * so that every pair present for the whole scan is visited at least once);
 * returns the next cursor, 0 when done. A packed hash is visited whole in
 * one step. fn must not change h. */
uint64_t hashobj_scan(HashObj *h, uint64_t cursor, HashVisitFn fn, void *priv);
/* A random pair of a non-empty hash, r being a random number. */
void hashobj_random(HashObj *h, uint64_t r, Slice *field, Slice *value);

/* Field TTLs (Redis 7.4): absolute Unix ms. A hash with none is stored as
 * before; the first TTL wraps it (*h moves). Removing the last unwraps a
 * table, not a packed hash: that one stays "ex" (Redis's LISTPACK_EX) until
 * it becomes a table. */
/* field's TTL, -1 when none (or no such field). */
int64_t hashobj_get_ttl(HashObj *h, Slice field);
/* Sets the TTL of field (which must exist), or removes it when when_ms < 0. */
void hashobj_set_ttl(HashObj **h, Slice field, int64_t when_ms);
int hashobj_has_ttls(const HashObj *h);
/* Whether h is wrapped for TTLs (it may hold none: a packed hash that had
 * some), i.e. a packed h is Redis's "listpackex". */
int hashobj_is_ex(const HashObj *h);
/* Wraps a packed *h without TTLs (an RDB type 25 payload that holds none);
 * no-op for a table or a wrapped hash. *h may move. */
void hashobj_make_ex(HashObj **h);
uint64_t hashobj_ttl_count(const HashObj *h);
/* The earliest field TTL, -1 when none. */
int64_t hashobj_min_ttl(HashObj *h);
/* Calls fn on every field with a TTL (any order); fn must not change h. */
void hashobj_foreach_ttl(HashObj *h, HashTtlFn fn, void *priv);
/* Hashes with field TTLs alive in the process (the active expiry skips its
 * walk while there are none). */
size_t hashobj_ex_alive(void);

#endif
