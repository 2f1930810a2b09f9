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
 * with read_caps_reset(), asks read_caps_next_stream() before each stream
 * (and bounds it by read_caps_stream_count()) and read_caps_next_entry()
 * before each entry, writes the entry and then asks read_caps_keep(), which
 * takes it back out of the reply if it passed MAXSIZE: only a kept entry may
 * be delivered.
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
    long long n_entries; /* entries kept in this attempt's reply so far */
    size_t base;         /* reply_len() when the attempt began */
    int is_full;         /* an entry was refused: the reply ends */
} ReadCaps;

/* Parses MAXCOUNT / MAXSIZE at c->argv[i] (its value at i + 1, which must
 * exist). Returns 1 if argv[i] is one of them (caps updated), 0 if not,
 * -1 after replying with an error. */
int read_caps_parse_arg(Client *c, int i, ReadCaps *caps);
/* After all options are parsed: MAXCOUNT may not be below COUNT (count <= 0
 * means no COUNT). Returns 0, or -1 after replying. */
int read_caps_check(Client *c, const ReadCaps *caps, long long count);
/* Starts an attempt to serve: nothing sent yet, the reply begins now. */
void read_caps_reset(ReadCaps *caps, Client *c);
/* Whether another stream may be served: not after a refused entry, nor once
 * MAXCOUNT entries were kept, nor once the reply holds an entry and has
 * reached MAXSIZE bytes. */
int read_caps_next_stream(const ReadCaps *caps, Client *c);
/* The COUNT of the next stream (0: none): count, lowered to what MAXCOUNT
 * leaves. */
long long read_caps_stream_count(const ReadCaps *caps, long long count);
/* read_caps_keep() with MAXSIZE given. */
int read_caps_keep_slow(ReadCaps *caps, Client *c, size_t before);

/* After writing an entry that began at reply_len() == before: keeps it
 * (returns 1, counted) unless it is not the reply's first and took the
 * reply past MAXSIZE, in which case its bytes are taken back out and the
 * reply is full (returns 0: deliver nothing, send nothing more). */
static inline int read_caps_keep(ReadCaps *caps, Client *c, size_t before) {
    if (caps->max_bytes == 0) { /* the common read: no MAXSIZE to measure */
        caps->n_entries++;
        return 1;
    }
    return read_caps_keep_slow(caps, c, before);
}

/* Whether another entry may be tried: not after a refused one. */
static inline int read_caps_next_entry(const ReadCaps *caps) {
    return !caps->is_full;
}

/* Whether a refused entry ended the reply. */
static inline int read_caps_is_full(const ReadCaps *caps) {
    return caps->is_full;
}

#endif
