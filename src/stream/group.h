/*
 * group.h - consumer groups of a stream: the set of groups, each group's
 * last-delivered ID and entries-read counter, its consumers and its pending
 * entries list (stream/pel.h).
 *
 * The library knows nothing of the stream's nodes: the few stream facts the
 * lag rules need are passed in as a StreamFacts value. Commands decide what
 * to read from the stream and tell the group what was delivered.
 *
 * Consumers are named by the client and numbered here: a ConsumerId is the
 * consumer's owner number in the group's Pel, so pel_* calls take it as is.
 * Names are looked up through a hash table; listings (XINFO, XPENDING) come
 * sorted by name in byte order, shorter names first on a common prefix, as
 * Redis lists them.
 *
 * Pending entries move when a pending list is compacted (stream/pel.h):
 * group_ack(), group_consumer_delete() and group_set_delete_refs() may do
 * it, so a PelRef or PelIter must not be held across them; code that frees
 * entries by ref (group_drop(), which never compacts) calls group_compact()
 * once its refs are dropped.
 *
 * entries-read and lag follow Redis 7.4 and its later fixes (XINFO GROUPS):
 *   - entries_read is the logical position of last_id among all entries ever
 *     added, or GROUP_ENTRIES_READ_INVALID when unknown (after XGROUP CREATE
 *     or SETID with an arbitrary ID, or reads across a deletion);
 *   - lag = entries_added - entries_read while that is trustworthy, else an
 *     estimate from the stream's first/last IDs, else unknown (nil): the
 *     largest deleted ID lies after last_id and the group has not caught up.
 */
#ifndef STREAMD_STREAM_GROUP_H
#define STREAMD_STREAM_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/id.h"
#include "stream/pel.h"

typedef struct ConsumerGroup ConsumerGroup;
typedef struct GroupSet GroupSet;
typedef uint32_t ConsumerId;

#define GROUP_NO_CONSUMER          UINT32_MAX
#define GROUP_ENTRIES_READ_INVALID (-1LL)

/* What the lag rules need to know about the stream. first_id is the ID of
 * the first live entry (0-0 when empty); max_deleted_id is 0-0 when nothing
 * was ever deleted by XDEL. */
typedef struct StreamFacts {
    uint64_t length;
    uint64_t entries_added;
    StreamId first_id;
    StreamId last_id;
    StreamId max_deleted_id;
} StreamFacts;

/* ---- The set of groups of one stream ------------------------------------ */

GroupSet *group_set_new(void);
GroupSet *group_set_clone(const GroupSet *gs);
void group_set_free(GroupSet *gs);
size_t group_set_len(const GroupSet *gs);
ConsumerGroup *group_set_find(const GroupSet *gs, Slice name);
ConsumerGroup *group_set_create(GroupSet *gs, Slice name, StreamId last_id, int64_t entries_read);
int group_set_destroy(GroupSet *gs, Slice name);
size_t group_set_list(const GroupSet *gs, ConsumerGroup ***out);
const ConsumerGroup *group_set_any(const GroupSet *gs);
size_t group_set_mem_bytes(const GroupSet *gs);
int group_set_all_acked(const GroupSet *gs, StreamId id);
uint64_t group_set_delete_refs(GroupSet *gs, StreamId id);
StreamId *group_set_known_kept(GroupSet *gs);
void group_set_last_id_lowered(GroupSet *gs, StreamId last_id);
int group_set_min_last_id(const GroupSet *gs, StreamId *out);

/* ---- One group ---------------------------------------------------------- */

Slice group_name(const ConsumerGroup *g);
StreamId group_last_id(const ConsumerGroup *g);
int64_t group_entries_read(const ConsumerGroup *g);
void group_set_last_id(ConsumerGroup *g, StreamId last_id, int64_t entries_read);
int group_note_read(ConsumerGroup *g, StreamId id, const StreamFacts *f);
int group_lag(const ConsumerGroup *g, const StreamFacts *f, int64_t *lag);
int64_t group_entries_read_at(const StreamFacts *f, StreamId id);
int group_has_acked(const ConsumerGroup *g, StreamId id);
Pel *group_pel(ConsumerGroup *g);
const Pel *group_pel_c(const ConsumerGroup *g);

PelRef group_deliver(ConsumerGroup *g, ConsumerId c, StreamId id, int64_t now_ms);
int group_ack(ConsumerGroup *g, StreamId id);
void group_drop(ConsumerGroup *g, PelRef r);
void group_compact(ConsumerGroup *g);
void group_claim(ConsumerGroup *g, PelRef r, ConsumerId c, int64_t delivery_ms, uint64_t count);
void group_release(ConsumerGroup *g, PelRef r, uint64_t count);
PelRef group_release_new(ConsumerGroup *g, StreamId id, uint64_t count);
uint64_t group_nacked_count(const ConsumerGroup *g);

/* ---- Consumers ---------------------------------------------------------- */

size_t group_consumer_count(const ConsumerGroup *g);
ConsumerId group_consumer_find(const ConsumerGroup *g, Slice name);
ConsumerId group_consumer_create(ConsumerGroup *g, Slice name, int64_t now_ms);
uint64_t group_consumer_delete(ConsumerGroup *g, ConsumerId c);
Slice group_consumer_name(const ConsumerGroup *g, ConsumerId c);
int64_t group_consumer_seen_ms(const ConsumerGroup *g, ConsumerId c);
int64_t group_consumer_active_ms(const ConsumerGroup *g, ConsumerId c);
void group_consumer_touch(ConsumerGroup *g, ConsumerId c, int64_t now_ms, int is_active);
void group_consumer_set_times(ConsumerGroup *g, ConsumerId c, int64_t seen_ms, int64_t active_ms);
uint64_t group_consumer_pending(const ConsumerGroup *g, ConsumerId c);
size_t group_consumer_list(const ConsumerGroup *g, ConsumerId **out);

#endif
