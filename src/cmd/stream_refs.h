/*
 * stream_refs.h - Redis 8.2's consumer-group reference policies and Redis
 * 8.10's read caps, shared by the stream commands (src/cmd/stream.c) and the
 * group commands (src/cmd/group.c). src/cmd/stream_refs.c has the design.
 *
 * Reference policies (KEEPREF | DELREF | ACKED) decide what deleting an entry
 * does to the consumer groups' pending lists: XADD and XTRIM take one for
 * their trim (stream_refs_trim_prepare()), XDELEX and XACKDEL are defined in
 * stream_refs.c.
 *
 * Read caps (MAXCOUNT n, MAXSIZE bytes) bound the whole reply of one XREAD or
 * XREADGROUP across all its streams. A command parses them with
 * read_caps_parse_arg() and read_caps_check(), starts every attempt to serve
 * with read_caps_reset(), and asks read_caps_admit() before sending each
 * entry: an entry that is refused is neither sent nor delivered, and nothing
 * after it is sent either (read_caps_is_full()).
 */
#ifndef STREAMD_CMD_STREAM_REFS_H
#define STREAMD_CMD_STREAM_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "cmd/stream_obj.h"
#include "server/server.h"
#include "stream/stream.h"

/* ---- Reference policies ------------------------------------------------ */

typedef enum RefPolicy {
    REF_KEEPREF = 0, /* the default: pending entries keep their references */
    REF_DELREF,      /* deleting an entry removes it from every pending list */
    REF_ACKED,       /* only entries every group has read and acknowledged go */
} RefPolicy;

/* What stream_refs_trim_prepare() points the trim hooks at; caller-owned,
 * must outlive the stream_trim() call. */
typedef struct RefTrimCtx {
    GroupSet *groups;
    StreamId max_acked; /* ACKED: the smallest last-delivered ID of all groups */
} RefTrimCtx;

/* The policy named by arg (case-insensitive), or -1 if arg names none. */
int stream_refs_policy(Slice arg);
/* Installs the hooks for policy p into t; returns 1 if a policy is active
 * (DELREF or ACKED on a stream with groups), 0 when the trim is KEEPREF's. */
int stream_refs_trim_prepare(StreamTrim *t, StreamObj *so, RefPolicy p, RefTrimCtx *rc);

/* ---- Read caps (XREAD / XREADGROUP MAXCOUNT, MAXSIZE) ------------------ */

typedef struct ReadCaps {
    long long max_count; /* MAXCOUNT; 0: none */
    long long max_bytes; /* MAXSIZE; 0: none */
    long long n_entries; /* admitted in this attempt */
    long long n_bytes;
    int is_full; /* a cap was reached: nothing more is sent */
} ReadCaps;

/* Parses MAXCOUNT / MAXSIZE at c->argv[i] (its value at i + 1, which must
 * exist): returns 1 when consumed, 0 when argv[i] is neither, -1 after
 * replying an error. */
int read_caps_parse_arg(Client *c, int i, ReadCaps *caps);
/* After all options are parsed: MAXCOUNT may not be below COUNT (count <= 0
 * means no COUNT). Returns 0, or -1 after replying. */
int read_caps_check(Client *c, const ReadCaps *caps, long long count);
/* Clears the counters before an attempt to serve. */
void read_caps_reset(ReadCaps *caps);
/* Whether the entry it stands on (id, n_fields pairs) may be sent; counts it
 * if so. The first entry of a reply always may. Borrows it, not advanced. */
int read_caps_admit_slow(ReadCaps *caps, const StreamIter *it, StreamId id, size_t n_fields);
/* The same for an entry of `bytes` reply bytes known by other means. */
int read_caps_admit_bytes(ReadCaps *caps, size_t bytes);
/* Whether the entry would be admitted, counting nothing. */
int read_caps_fits(const ReadCaps *caps, const StreamIter *it, StreamId id, size_t n_fields);
/* Reply bytes of [id, nil], the form of a pending entry deleted from the stream. */
size_t read_caps_deleted_entry_bytes(StreamId id, int resp);

static inline int read_caps_is_set(const ReadCaps *caps) {
    return caps->max_count != 0 || caps->max_bytes != 0;
}

static inline int read_caps_is_full(const ReadCaps *caps) {
    return caps->is_full;
}

static inline int read_caps_admit(ReadCaps *caps, const StreamIter *it, StreamId id,
                                  size_t n_fields) {
    return read_caps_is_set(caps) ? read_caps_admit_slow(caps, it, id, n_fields) : 1;
}

#endif
