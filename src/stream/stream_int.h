/*
 * stream_int.h - what src/stream/stream.c and src/stream/node.c share: the
 * node layout and the entry codec. Nobody outside src/stream includes this.
 *
 * A node is one allocation: this header followed by `cap` bytes of data, of
 * which `used` are filled. The data is a master section (the field names of
 * the node's first entry, each with an integer reference value) followed by
 * the entries back to back; node.c documents the byte formats.
 *
 * Compaction (stream.c, node_compact()) rebuilds a node that is mostly
 * deleted entries without them, except its first and last entries: those
 * stay, as husks (deleted, no fields) when deleted, so the node's first and
 * last entries keep the IDs first_id (the index key) and last_id, and
 * iteration, trimming and appending read a compacted node like any other.
 * Compaction must not change where appends start new nodes, so a node
 * remembers what it dropped: n_live + n_deleted + n_dropped entries and
 * used + dropped_bytes bytes are what it would hold without compaction.
 *
 * Invariants (asserted where they are relied on; stream__check() tests them):
 *   first_id <= every entry ID <= last_id, entries strictly increasing; the
 *   first entry's ID is first_id and the last entry's is last_id;
 *   n_live + n_deleted == number of entries in data[entries_off, used);
 *   entries_off <= used <= cap, and cap is what the allocation holds;
 *   the first entry starts at entries_off.
 */
#ifndef STREAMD_STREAM_STREAM_INT_H
#define STREAMD_STREAM_STREAM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/id.h"
#include "stream/stream.h"

typedef struct StreamNode {
    StreamId first_id; /* ID of the first entry ever stored here: the index key */
    StreamId last_id;  /* ID of the last entry stored here, deleted or not */
    uint32_t n_live;
    uint32_t n_deleted;     /* deleted entries still stored */
    uint32_t used;          /* bytes of data[] in use */
    uint32_t cap;           /* bytes of data[] the allocation holds (xsize() - header) */
    uint32_t entries_off;   /* where the first entry starts (end of the master section) */
    uint32_t n_dropped;     /* deleted entries compaction removed */
    uint32_t dropped_bytes; /* bytes compaction saved */
    uint8_t data[];
} StreamNode;

/* Largest node, like a Redis listpack: offsets stay far from 32-bit overflow. */
#define STREAM_NODE_MAX_BYTES ((uint64_t)1 << 30)

/* Entry header byte. */
#define ENTRY_DELETED    0x01u
#define ENTRY_SAME       0x02u /* values only: field names are the master's */
#define ENTRY_MODE_SHIFT 2     /* two bits: how the ID delta is stored */
#define ENTRY_NF_SHIFT   4     /* four bits: field count when not ENTRY_SAME (15: varint) */

/* An entry's header, decoded. */
typedef struct EntryHead {
    uint8_t hdr;
    uint64_t d_ms, d_seq; /* ID = previous ID + (d_ms, d_seq), each modulo 2^64 */
    uint32_t n_fields;    /* pairs */
    const uint8_t *body;  /* first field (or value, for same-fields entries) */
} EntryHead;

/* Canonical decimal integers (the text Redis would store as an integer). */
int stream__parse_i64(const char *s, size_t len, int64_t *out);
size_t stream__fmt_i64(int64_t v, char *buf);
size_t stream__i64_text_len(int64_t v);

/* Master section. */
size_t stream__master_size(const StreamField *f, size_t n_fields);
uint8_t *stream__master_put(uint8_t *p, const StreamField *f, size_t n_fields);
int stream__master_match(const StreamNode *n, const StreamField *f, size_t n_fields, int64_t *refs);
const uint8_t *stream__master_begin(const StreamNode *n, uint32_t *n_fields);
const uint8_t *stream__master_next(const uint8_t *p, Slice *field, int64_t *ref);

/* Entries. */
size_t stream__entry_size(const StreamNode *n, int is_same, int is_first, StreamId prev,
                          StreamId id, const StreamField *f, size_t n_fields, const int64_t *refs);
size_t stream__first_entry_size(const StreamField *f, size_t n_fields);
size_t stream__entry_put(StreamNode *n, int is_same, int is_first, StreamId prev, StreamId id,
                         const StreamField *f, size_t n_fields, const int64_t *refs);
size_t stream__entry_write(uint8_t *start, const StreamNode *n, int is_same, int is_first,
                           StreamId prev, StreamId id, const StreamField *f, size_t n_fields,
                           const int64_t *refs);
size_t stream__entry_recode(StreamNode *dst, const StreamNode *src, uint32_t off,
                            const EntryHead *h, int is_first, StreamId prev, StreamId id);
void stream__entry_head(const StreamNode *n, uint32_t off, EntryHead *h);
uint32_t stream__entry_end(const StreamNode *n, uint32_t off, const EntryHead *h);
uint32_t stream__entry_start_before(const StreamNode *n, uint32_t end);
const uint8_t *stream__field_get(const uint8_t *p, Slice *out);
const uint8_t *stream__value_get(const uint8_t *p, int64_t ref, char *ibuf, Slice *out);
const uint8_t *stream__value_get_val(const uint8_t *p, int64_t ref, StreamVal *out);
const uint8_t *stream__value_skip(const uint8_t *p);
const uint8_t *stream__entry_vals(const uint8_t *vp, const uint8_t *mp, int is_same, uint32_t n,
                                  StreamField *f);

/* For tests and debugging: the i-th live node in ID order, or NULL. O(nodes). */
struct Stream;
const StreamNode *stream__node_at(const struct Stream *s, size_t i);
/* For tests: checks every invariant of s; NULL when they hold, else what broke. */
const char *stream__check(const struct Stream *s);

#endif
