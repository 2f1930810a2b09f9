/*
 * set_obj.h - the set value (OBJ_SET): an intset while every member is an
 * integer and there are at most set-max-intset-entries of them, a hash
 * table otherwise, as Redis 7.0 keeps sets (see set_obj.c).
 *
 * The first part is the read API other families use (SORT, ZUNIONSTORE and
 * friends take sets): count, membership, iteration. The rest is for the set
 * commands (set.c), persistence and the unit test.
 */
#ifndef STREAMD_CMD_SET_OBJ_H
#define STREAMD_CMD_SET_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "server/object.h"

/* ---- Read API (o->type must be OBJ_SET) ---------------------------------- */

/* Number of members. O(1). */
uint64_t set_card(const Obj *o);
/* 1 when member is in the set, else 0. O(log n) for an intset, O(1)
 * expected for a hash table. */
int set_has(const Obj *o, Slice member);
/* Calls fn once per member, in the set's own order (ascending for an
 * intset), until fn returns non-zero. member is a view valid during the
 * call only. fn must not change the set. */
typedef int (*SetVisitFn)(void *priv, Slice member);
void set_foreach(const Obj *o, SetVisitFn fn, void *priv);

/* ---- Encodings ----------------------------------------------------------- */

/* What OBJECT ENCODING reports (7.0's names). A "hashtable" is packed (one
 * block scanned linearly) while it has at most SET_PACKED_ENTRIES members
 * of at most SET_PACKED_VALUE bytes, a real hash table past that. */
enum { SET_ENC_INTSET = 1, SET_ENC_HASHTABLE = 2 };
#define SET_PACKED_ENTRIES 128
#define SET_PACKED_VALUE   64
/* Room for any member an intset formats (a 64-bit integer in decimal). */
#define SET_NUM_BUF 24

/* The intset, Redis's layout byte for byte (it is what RDB type 11
 * carries), little-endian:
 *
 *   +----------------+--------------+------------------------------+
 *   | encoding u32   | length u32   | length values, each encoding |
 *   | 2, 4 or 8      |              | bytes, strictly ascending    |
 *   +----------------+--------------+------------------------------+
 *
 * The encoding is the width of the widest value; adding a wider value
 * widens every slot. */
#define INTSET_HEADER 8

/* Registers OBJ_SET with the keyspace (once, at start-up). */
void set_obj_register(void);

/* ---- Values for the set commands ------------------------------------------ */

/* The largest set-max-intset-entries honoured (intset lengths are 32-bit). */
#define SET_INTSET_CAP (1u << 30)
/* Returns an owned, empty set object (an intset: the first non-integer
 * member or one member too many converts it, as Redis 7.0 does). A set is
 * never left empty in the keyspace: the commands delete it. */
Obj *set_obj_new(void);
int set_encoding(const Obj *o);
/* 1 when SSCAN answers the set whole in one reply (cursor 0): an intset or
 * a packed set; 0 for a hash table (set_scan). */
int set_answers_whole(const Obj *o);
/* Tests only: other packed limits (value <= 255). */
void set_obj_packed_limits(size_t entries, size_t value);
/* Adds member; 1 if it was not there, 0 if it was. */
int set_add(Obj *o, Slice member);
/* Removes member; 1 if it was there, 0 if not. */
int set_remove(Obj *o, Slice member);
/* A random member (uniform for an intset; a hash table's is only roughly
 * uniform, as Redis's); the set must not be empty. The view is valid until
 * the set changes or buf is reused. */
Slice set_random(const Obj *o, char buf[SET_NUM_BUF]);
/* Every member, as views valid until the set changes (*nums holds the
 * intset's formatted members; free both arrays with xfree). Returns n. */
size_t set_members(const Obj *o, Slice **out, char **nums);
/* Bytes the value takes (MEMORY USAGE), not counting the Obj. */
size_t set_mem_bytes(const Obj *o);

/* SSCAN over a hash table: visits the buckets at cursor, calling fn on each
 * member; returns the next cursor (0 when done). Only for a set that is not
 * set_answers_whole(). */
uint64_t set_scan(Obj *o, uint64_t cursor, void (*fn)(void *priv, Slice member), void *priv);

/* ---- Persistence ----------------------------------------------------------- */

/* The intset's bytes (RDB type 11's string) when o is an intset, else
 * NULL; *len gets their count. */
const uint8_t *set_intset_blob(const Obj *o, size_t *len);
/* An owned set object from RDB type 11's string (borrowed); NULL when the
 * bytes are not a valid, non-empty intset (wrong sizes, an encoding other
 * than 2/4/8, values out of order or repeated, a value wider than its
 * encoding is fine). Longer than set-max-intset-entries: a hash table. */
Obj *set_obj_from_intset_blob(const uint8_t *p, size_t len);

/* ---- Intset internals (exposed for the unit test) ------------------------- */

uint32_t intset_len(const uint8_t *is);
int64_t intset_get(const uint8_t *is, uint32_t i);
/* 1 and *pos the index when v is there; 0 and *pos where it would go. */
int intset_find(const uint8_t *is, int64_t v, uint32_t *pos);

#endif
