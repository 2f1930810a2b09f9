/*
 * pel.h - the pending entries list (PEL) of one consumer group.
 *
 * A pending entry is a stream ID that was delivered to a consumer and not yet
 * acknowledged, with the time of its last delivery, how often it was delivered
 * and who owns it. The group needs the entries in ID order (XPENDING,
 * XAUTOCLAIM, XACK) and each consumer needs its own entries in ID order
 * (XREADGROUP with an explicit ID, XPENDING ... consumer, DELCONSUMER).
 *
 * Design (memory first: Redis spends ~88 bytes per pending entry, we aim
 * for less than half):
 *
 *   slab of fixed 24-byte records, addressed by a stable 32-bit PelRef
 *   +--------------------+----------------+---------+---------+---------+
 *   | id, packed         | delivery time  | count   | owner   | tie     |
 *   | ms:47 bits seq:16  | ms, 48 bits    | 16 bits | 32 bits | 32 bits |
 *   | 8 bytes            | 6 bytes        | 2 bytes | 4 bytes | 4 bytes |
 *   +--------------------+----------------+---------+---------+---------+
 *
 *   group order:    B+ tree of PelRefs, ordered by the records' IDs
 *   consumer order: one B+ tree of PelRefs per owner, ordered the same way
 *
 * A ref costs 4 bytes in each tree and leaves are packed (appends split
 * 100/0), so an entry costs 24 + 4 + 4 bytes plus a fraction of a byte of
 * inner nodes. What does not fit a record goes to a side hash keyed by
 * PelRef: IDs with ms >= 2^47 or seq >= 2^16 (never made by XADD's clock,
 * but a client may choose them) and delivery counts >= 65535 (RETRYCOUNT
 * can set any value up to LLONG_MAX). Delivery times are Unix ms in
 * [0, 2^48): Redis clamps them to [0, now]. The records live in chunks of
 * 1024 (the first chunk starts small and doubles); a chunk whose records
 * are all freed is released, and the slab is repacked after a peak (below).
 *
 * Compaction. Freed records are reused, but a chunk goes only when all its
 * records do: after a peak (100k entries delivered, 99% acknowledged, the
 * rest spread over the IDs) every chunk kept a few live records and the
 * slab stayed at its peak, ~24 KB per surviving chunk. pel_compact()
 * repacks once at least half the allocated slots are free and at least two
 * chunks' worth (2048 slots) are: every live record is copied, in ID order,
 * into a new slab whose chunks are full but the last (its capacity the
 * power of two that holds its records), so record k of the group order
 * gets ref k; each moved record leaves its new ref in its old copy, the
 * side map is rekeyed from that, and every tree (group, owners, released
 * zone, idle) is rebuilt packed from its refs in order by one walk, with
 * no key comparisons (separators are keys, which did not change; the idle
 * key holds no ref). After 99% of 100k are acknowledged an entry costs
 * ~40 bytes again (~46 with the idle tree: records, packed trees, the last
 * chunk's rounding).
 *   Cost: O(n) for n live records (~35 ns each, 35 ms at 1M, in one go;
 *   the old and new slabs coexist meanwhile). A repack at n live follows
 *   at least n frees since the slab was last full, so it is O(1) amortized
 *   per freed record; the two-chunk floor keeps a steady read/ack cycle
 *   from ever repacking (a FIFO window spans its chunks plus at most two
 *   partly used ones), and the check costs two loads when not due.
 *   When: refs change, so never inside a pel_* call that a caller may make
 *   while holding refs or an iterator (XAUTOCLAIM deletes from a list of
 *   refs it collected; pel_owner_delete walks an iterator). The caller says
 *   when: the group layer calls it after its ID-based frees (group_ack,
 *   DELREF, DELCONSUMER; nobody holds refs across those), and XCLAIM and
 *   XAUTOCLAIM, which free by ref, call group_compact() once done with
 *   their refs. Up to the floor's two chunks of free slots may stay.
 *   Rejected: relocating records one by one from sparse chunks into free
 *   slots of dense ones (each move finds the record by key in three or
 *   four trees, O(log n) each, the side map is keyed by a ref that is half
 *   changed meanwhile, and the trees stay as sparse as the deletions left
 *   them: a third to two thirds full); compacting inside pel_delete() (see
 *   "When"); doing it in bounded steps (a plan that must survive the
 *   commands between steps, and with no timer to drive it, steps stop when
 *   the frees stop, leaving the memory held); an indirection table from
 *   ref to slot (4 bytes more per entry, always, for what happens after
 *   peaks); repacking whenever half the slots are free, with no floor (a
 *   read/ack window over 1000 entries would repack every ~1000 acks).
 *
 * Rejected: a node per entry with pointers (what Redis does; 3 allocations
 * per entry), one array sorted by ID (O(n) insert and delete), and trees that
 * store whole records (records would move on splits, so consumers could not
 * point at them).
 *
 * Redis 8.x:
 *   - XNACK releases entries: owner PEL_OWNER_NONE, a zone of its own that
 *     claims serve first, in release order (FIFO; a re-released entry goes
 *     to the tail). A released entry's delivery time is 0 by definition, so
 *     its 48 time bits hold its release sequence instead; the zone's own
 *     tree stays in ID order like every owner's (nacked-count, XPENDING),
 *     and the release order is kept by the idle tree below, or recovered by
 *     sorting on the sequence (pel_released_list, for the AOF rewrite).
 *     FATAL's LLONG_MAX count fits the side map.
 *   - XREADGROUP CLAIM needs "idle at least T, longest idle first": a third
 *     tree of the same kind keyed by (0, release sequence) for released
 *     entries and (delivery time + 1, tie) for owned ones, so a claim walks
 *     from its front and stops at the first entry not idle enough:
 *     O(log n) per entry claimed, never a scan of the PEL. It costs 4 bytes
 *     per entry and one more tree update per delivery and acknowledgement,
 *     so it is built for a group the first time it is asked for
 *     (pel_idle_seek, O(n log n) once) and kept from then on: the plain
 *     XREADGROUP + XACK cycle of a group that never claims pays nothing.
 *     Rejected: keeping it for every group (the cycle gets a third tree
 *     update per entry), a time-ordered list as Redis keeps (16 bytes of
 *     links per entry, and XCLAIM TIME can put an entry anywhere in it).
 *     Entries with the same delivery time come in the order their times
 *     were set, as in Redis's list, where an entry whose time is set goes
 *     after every entry of that time (a claim after a read in the same ms,
 *     XCLAIM TIME of several IDs): the tie is a per-Pel sequence taken at
 *     every delivery-time update, kept in the record because the idle tree
 *     is built late and needs the order of what happened before. It costs
 *     the 4 bytes per entry of the record's last field. Rejected: ties by
 *     ID (free, but not Redis's order), the tie in the idle tree only (the
 *     history before the tree is built is lost, and a record could not be
 *     found in the tree without a scan of its delivery ms).
 *   - XDEL/XACKDEL DELREF: pel_delete_id() in every group; ACKED: "acked by
 *     this group" is an ID at or below last-delivered and not pending
 *     (group_has_acked(), group_set_all_acked()).
 *
 * Invariants: every live record is in the group tree, in exactly the tree
 * of its owner and, once built, in the idle tree; trees hold no duplicate
 * keys; released records have distinct sequences below the next one, owned
 * records distinct ties below the next one; free records are in no tree;
 * a PelRef stays valid while its entry lives, until pel_compact() repacks.
 */
#ifndef STREAMD_STREAM_PEL_H
#define STREAMD_STREAM_PEL_H

#include <stddef.h>
#include <stdint.h>

#include "stream/id.h"

typedef struct Pel Pel;
typedef uint32_t PelRef;

#define PEL_NONE       UINT32_MAX       /* no entry */
#define PEL_OWNER_ALL  UINT32_MAX       /* iterate the group order */
#define PEL_OWNER_NONE (UINT32_MAX - 1) /* owner-less (released) entry */
#define PEL_ITER_DEPTH 16

/* A copy of one pending entry. */
typedef struct PelEntry {
    StreamId id;
    int64_t delivery_ms;
    uint64_t delivery_count;
    uint32_t owner;
} PelEntry;

/* Caller-allocated iterator; invalidated by any insert or delete in the tree
 * it walks (changing times or counts is fine) and by pel_compact(). */
typedef struct PelIter {
    const Pel *pel;
    int height; /* 0 when exhausted */
    void *node[PEL_ITER_DEPTH];
    uint16_t pos[PEL_ITER_DEPTH];
} PelIter;

/* delivery_ms arguments must lie in [0, PEL_TIME_LIMIT). */
#define PEL_TIME_LIMIT (1LL << 48)

Pel *pel_new(void);
Pel *pel_clone(const Pel *src);
void pel_free(Pel *p);
uint64_t pel_len(const Pel *p);
size_t pel_mem_bytes(const Pel *p);

uint32_t pel_owner_new(Pel *p);
uint64_t pel_owner_delete(Pel *p, uint32_t owner);
uint64_t pel_owner_len(const Pel *p, uint32_t owner);

PelRef pel_add(Pel *p, StreamId id, uint32_t owner, int64_t delivery_ms, uint64_t count);
PelRef pel_find(const Pel *p, StreamId id);
void pel_get(const Pel *p, PelRef r, PelEntry *out);
StreamId pel_id(const Pel *p, PelRef r);
uint32_t pel_owner(const Pel *p, PelRef r);
int pel_is_released(const Pel *p, PelRef r);
int64_t pel_delivery_ms(const Pel *p, PelRef r);
uint64_t pel_delivery_count(const Pel *p, PelRef r);
void pel_set_delivery(Pel *p, PelRef r, int64_t delivery_ms, uint64_t count);
void pel_set_owner(Pel *p, PelRef r, uint32_t owner);
void pel_update(Pel *p, PelRef r, uint32_t owner, int64_t delivery_ms, uint64_t count);
void pel_release(Pel *p, PelRef r, uint64_t count);
void pel_delete(Pel *p, PelRef r);
int pel_delete_id(Pel *p, StreamId id);

PelRef pel_first(const Pel *p, uint32_t owner);
PelRef pel_last(const Pel *p, uint32_t owner);
void pel_iter_seek(PelIter *it, const Pel *p, uint32_t owner, StreamId start);
PelRef pel_iter_next(PelIter *it);

/* Claim order: released entries (release order), then by idle time. */
void pel_idle_seek(PelIter *it, Pel *p);
int pel_has_idle(const Pel *p);
size_t pel_released_list(const Pel *p, PelRef **out);

/* Repacks the slab when a peak left it mostly free; invalidates refs and
 * iterators (see "Compaction" above). */
int pel_compact(Pel *p);

/* Checks every invariant (tests and debugging); 0 when consistent. */
int pel_check(const Pel *p);
/* Tests only: raises the next release sequence, the next tie. */
void pel__set_next_release(Pel *p, uint64_t seq);
void pel__set_next_tie(Pel *p, uint32_t tie);
/* Tests only: repacks the slab now, as pel_compact() does when due. */
void pel__repack(Pel *p);

#endif
