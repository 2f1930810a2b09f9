/*
 * dict.h - the keyspace hash table: binary-safe keys stored inline in their
 * entry, chained buckets, power-of-two tables and incremental rehashing.
 *
 * Each key costs one allocation (entry header + key bytes). Growing or
 * shrinking moves a few buckets per operation (and per cron tick) from the old
 * table to the new one, so no single command pays for a full rehash. SCAN uses
 * a reverse-binary cursor, which guarantees that every key present for the
 * whole scan is returned at least once even across resizes.
 */
#ifndef STREAMD_DICT_H
#define STREAMD_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct DictEntry {
    struct DictEntry *next;
    void *val;
    int64_t expire_ms; /* absolute Unix ms, -1 when none */
    uint32_t key_len;
    char key[]; /* key_len bytes + NUL */
} DictEntry;

typedef struct Dict Dict;

Dict *dict_new(void);
/* Frees the table and every entry; free_val (may be NULL) frees values. */
void dict_free(Dict *d, void (*free_val)(void *));
void dict_clear(Dict *d, void (*free_val)(void *));
size_t dict_size(const Dict *d);
/* Bytes of d's own allocations: its header, bucket arrays and entries (keys
 * included, values not). O(buckets). */
size_t dict_memory(const Dict *d);
/* Returns a view of the entry, valid until the key is deleted. */
DictEntry *dict_find(Dict *d, const char *key, size_t len);
/* Adds a key that must not exist; returns its entry (owned by the dict). */
DictEntry *dict_add(Dict *d, const char *key, size_t len, void *val);
/* Unlinks the key and returns its entry (caller frees it with dict_entry_free
 * after dealing with the value), or NULL when missing. */
DictEntry *dict_unlink(Dict *d, const char *key, size_t len);
void dict_entry_free(DictEntry *e);
/* A random entry (NULL when empty); not uniformly random, as Redis's. */
DictEntry *dict_random(Dict *d);
/* Visits the buckets at cursor; returns the next cursor (0 when done). */
uint64_t dict_scan(Dict *d, uint64_t cursor, void (*fn)(void *priv, DictEntry *e), void *priv);
/* Calls fn on every entry once, in bucket order (fn must not add or remove
 * keys). Cheaper than a full dict_scan when nothing changes meanwhile. */
void dict_foreach(Dict *d, void (*fn)(void *priv, DictEntry *e), void *priv);
/* Moves up to n buckets of an ongoing rehash; 1 if more remain. */
int dict_rehash_steps(Dict *d, int n);
/* Bucket count (for MEMORY / DEBUG). */
size_t dict_buckets(const Dict *d);
void dict_swap(Dict *a, Dict *b);
uint64_t dict_hash(const char *key, size_t len);

#endif
