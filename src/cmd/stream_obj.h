/*
 * stream_obj.h - the stream value stored in the keyspace (OBJ_STREAM).
 *
 * SHARED between two command families:
 *   src/cmd/stream.c  the entries: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM,
 *                     XSETID, XREAD, XINFO STREAM / HELP. It defines everything
 *                     declared here, registers the type and frees the value.
 *   src/cmd/group.c   the consumer groups: XGROUP, XREADGROUP, XACK, XCLAIM,
 *                     XAUTOCLAIM, XPENDING, XINFO GROUPS / CONSUMERS. It owns
 *                     the `groups` member and fills XINFO STREAM FULL's
 *                     "groups" through stream_obj_set_xinfo_groups().
 *   src/cmd/stream_idmp.c  idempotent producers (XADD IDMP/IDMPAUTO, XCFGSET):
 *                     owns the `idmp` member; stream.c calls its XADD and
 *                     XINFO STREAM hooks (cmd/stream_idmp.h).
 * Whoever adds a member says in its comment which file owns it, and frees it
 * in stream_obj_free() (src/cmd/stream.c).
 *
 * Why a wrapper rather than storing the Stream itself: the stream library
 * (src/stream) keeps entries and knows nothing of groups, and the group
 * library keeps groups and knows nothing of nodes; the keyspace value is the
 * one place where both meet.
 */
#ifndef STREAMD_CMD_STREAM_OBJ_H
#define STREAMD_CMD_STREAM_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"
#include "stream/group.h"
#include "stream/idmp.h"
#include "stream/stream.h"

typedef struct StreamObj {
    Stream *s;        /* the entries; owned; src/cmd/stream.c */
    GroupSet *groups; /* consumer groups; owned; NULL until the first group; src/cmd/group.c */
    Idmp *idmp;       /* idempotency state; owned; NULL until first used; src/cmd/stream_idmp.c */
    uint64_t serial;  /* unique among the stream values made so far, never 0 (tells a
                         recreated stream from the old one); src/cmd/stream.c */
    Obj *obj;         /* the keyspace value holding this stream (INFO keysizes) */
} StreamObj;

/* Registers the OBJ_STREAM type; called once from commands_init(). */
void stream_cmd_init(void);

/* Lookups: 0 with *out set (NULL when the key does not exist), or -1 after
 * replying WRONGTYPE when the key holds another type. */
int stream_obj_lookup_read(Client *c, Slice key, StreamObj **out);
int stream_obj_lookup_write(Client *c, Slice key, StreamObj **out);
/* A stream that must exist, or NULL after replying (WRONGTYPE / no such key). */
StreamObj *stream_obj_lookup_existing(Client *c, Slice key, int for_write);
/* Adds an empty stream under key, which must not exist; returns a view. */
StreamObj *stream_obj_create(Client *c, Slice key);
/* An owned keyspace object around a stream built elsewhere (RESTORE); takes
 * ownership of every part. */
Obj *stream_obj_adopt(Stream *s, GroupSet *groups, Idmp *idmp);
/* After entries were added or removed: keeps INFO keysizes exact (see
 * db_resized). */
void stream_obj_resized(Client *c, StreamObj *so);

/* Node limits from CONFIG (stream-node-max-entries / -bytes). */
StreamLimits stream_obj_limits(void);
/* What the group lag rules need to know about the stream. */
StreamFacts stream_obj_facts(const StreamObj *so);

/* Replies an ID as a bulk string "<ms>-<seq>". */
void stream_reply_id(Client *c, StreamId id);
/* Replies the field/value array of the iterator's current entry. */
void stream_reply_fields(Client *c, StreamIter *it, size_t n_fields);
/* Replies the entry the iterator stands on as [id, [field, value, ...]]. */
void stream_reply_entry(Client *c, StreamIter *it, StreamId id, size_t n_fields);
/* Replies up to count entries (0: all) of [start, end] as an array; returns
 * how many were sent. */
size_t stream_reply_range(Client *c, const Stream *s, StreamId start, StreamId end, uint64_t count,
                          int is_reverse);

/* XINFO STREAM ... FULL: writes the "groups" value (one array element per
 * group) for a stream whose groups set is not empty. */
typedef void (*StreamXinfoGroupsFn)(Client *c, StreamObj *so, long long count);
void stream_obj_set_xinfo_groups(StreamXinfoGroupsFn fn);

#endif
