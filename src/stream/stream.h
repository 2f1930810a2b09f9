/*
 * stream.h - the stream: an append-only log of field/value entries keyed by
 * monotonic IDs, with range reads in both directions, deletion and trimming.
 *
 * Design. A stream is an ordered index of packed nodes. Each node holds up to
 * `max_entries` entries and at most `max_bytes` bytes (StreamLimits, passed on
 * every append because CONFIG SET changes them at run time); inside a node the
 * IDs are delta-encoded, field names are stored once in a master section and
 * omitted by entries that repeat them, integers are stored in binary, and
 * deletion flips a flag bit (src/stream/node.c draws the byte layout); a node
 * other than the last that XDEL (or an ACKED trim, around the entries it
 * keeps) leaves with more deleted entries than live ones is compacted:
 * rebuilt without them, invisibly to readers, trimming and node boundaries
 * (stream_int.h).
 * The index is a sorted array of (first ID, node) slots with a moving head:
 * appending a node and dropping the head node are amortised O(1), lookup by ID
 * is a binary search, and the neighbours of a slot are its array neighbours.
 * A node freed from the middle (XDEL of its last live entry) leaves a
 * tombstone slot that keeps its key so the array stays sorted; tombstones are
 * squeezed out once they outnumber live nodes, and the first and last slots
 * are always live. Rejected: a B-tree or radix tree (Redis's rax) buys O(log n)
 * middle removal, which only XDEL of a whole node needs, at the price of a
 * pointer chase per level on every lookup and append; a plain array with a
 * memmove per middle removal was O(n) in a case a client can drive.
 *
 * Semantics follow Redis 7.x: node boundaries (a new node when live + deleted
 * entries reach max_entries, compaction notwithstanding), approximate trimming that removes whole
 * nodes only, exact trimming that marks entries inside the first node it cannot drop whole, the
 * metadata XINFO reports (length, last ID, first ID, max deleted ID, entries added), and the
 * radix-tree node count Redis's rax would have. Trimming with a reference policy
 * (StreamTrim.can_delete / on_delete) follows Redis 8.6: entries the policy keeps are skipped, not
 * a barrier, except that a MAXLEN trim ends after a node it could not have removed whole by count.
 *
 * Invariants: every entry ID is > the previous one and <= last_id; length is
 * the number of live entries; IDs given to stream_append() were validated by
 * stream_next_id() (asserted). Nothing here allocates per entry (but
 * stream_append() of more than 16 pairs, for their StreamField form).
 *
 * Ownership: a Stream owns its nodes. Slices handed to stream_append() are
 * copied. Slices yielded by iterators are views valid until the next iterator
 * call or any mutation of the stream, whichever comes first.
 */
#ifndef STREAMD_STREAM_STREAM_H
#define STREAMD_STREAM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/id.h"

typedef struct Stream Stream;
struct StreamNode;

/* Node size limits: 0 means no limit (bytes are then capped at 1 GiB). */
typedef struct StreamLimits {
    uint64_t max_entries;
    uint64_t max_bytes;
} StreamLimits;

enum {
    STREAM_OK = 0,
    STREAM_ERR_ID_TOO_SMALL = -1, /* the ID is <= the stream's last ID */
    STREAM_ERR_ID_ZERO = -2,      /* an explicit 0-0 */
    STREAM_ERR_EXHAUSTED = -3,    /* last ID is the maximum: no ID can follow */
    STREAM_ERR_TOO_BIG = -4,      /* the entry's elements exceed what a node can hold */
};

/* How stream_next_id() makes the ID of a new entry. */
typedef enum StreamIdMode {
    STREAM_ID_AUTO,     /* "*": from the clock and the last ID */
    STREAM_ID_AUTO_SEQ, /* "<ms>-*": given ms, generated sequence */
    STREAM_ID_EXPLICIT, /* "<ms>-<seq>" */
} StreamIdMode;

Stream *stream_new(void);
Stream *stream_clone(const Stream *s);
void stream_free(Stream *s);

/* ---- Metadata ----------------------------------------------------------- */
uint64_t stream_length(const Stream *s);
StreamId stream_last_id(const Stream *s);        /* last generated ID */
StreamId stream_first_id(const Stream *s);       /* first live entry; 0-0 when empty */
StreamId stream_max_deleted_id(const Stream *s); /* largest ID ever deleted by XDEL */
uint64_t stream_entries_added(const Stream *s);  /* entries ever appended */
StreamId stream_head_id(const Stream *s);        /* first stored entry, live or deleted */
void stream_set_last_id(Stream *s, StreamId id);
void stream_set_entries_added(Stream *s, uint64_t n);
void stream_set_max_deleted_id(Stream *s, StreamId id);

/* ---- Appending ---------------------------------------------------------- */
int stream_next_id(const Stream *s, StreamIdMode mode, StreamId requested, uint64_t now_ms,
                   StreamId *out);
/* Size check an append would make, so a caller can refuse before mutating. */
int stream_entry_fits(const Slice *fv, size_t n_fields);

/* A field value as a node holds it: an integer (is_int: the value whose
 * canonical decimal text -- no '+', no leading zero, no "-0" -- is the
 * field's value) or a string that is not such a text (s). The persistence
 * code reads and writes values in this form, not as text, so that integers
 * go between nodes and Redis's listpacks without being printed and parsed. */
typedef struct StreamVal {
    int is_int;
    int64_t i;
    Slice s;
} StreamVal;

/* A name/value pair for stream_append_fields(). */
typedef struct StreamField {
    Slice name;
    StreamVal val;
} StreamField;

StreamVal stream_val_of(Slice text);
int stream_append_fields(Stream *s, StreamId id, const StreamField *f, size_t n_fields,
                         const StreamLimits *lim);
int stream_append(Stream *s, StreamId id, const Slice *fv, size_t n_fields,
                  const StreamLimits *lim);

/* ---- Deleting and trimming ---------------------------------------------- */
int stream_delete(Stream *s, StreamId id);

typedef enum StreamTrimStrategy { STREAM_TRIM_MAXLEN, STREAM_TRIM_MINID } StreamTrimStrategy;

typedef struct StreamTrim {
    StreamTrimStrategy strategy;
    uint64_t maxlen; /* STREAM_TRIM_MAXLEN: entries to keep */
    StreamId minid;  /* STREAM_TRIM_MINID: entries below it go */
    int is_approx;   /* remove whole nodes only */
    uint64_t limit;  /* approximate mode: most entries removed (0: no limit) */
    /* Optional reference policy (Redis 8.2's DELREF / ACKED), see
     * stream_trim(). can_delete (NULL: every entry may go) answers for one
     * live entry: STREAM_TRIM_DELETE, STREAM_TRIM_KEEP (the entry stays and
     * the trim goes on past it) or STREAM_TRIM_STOP (it and every later entry
     * stay). on_delete is told of every entry removed, in ID order. */
    int (*can_delete)(void *ctx, StreamId id);
    void (*on_delete)(void *ctx, StreamId id);
    void *ctx;
    /* Optional, with can_delete: a bound remembered between trims. On entry
     * every live entry with an ID below *known_kept is one can_delete would
     * keep (STREAM_TRIM_KEEP), so nodes holding only such entries are
     * stepped over without asking; 0-0 claims nothing. On return it is the
     * bound this trim established. Whoever changes what can_delete answers
     * must lower it to the lowest ID that may have become deletable. */
    StreamId *known_kept;
    /* Optional output: the largest ID the trim removed (a whole node counts
     * as its last ID); left alone when it removed nothing. Removals are a
     * prefix, in ID order, of what the policy lets go, so "MINID = <its
     * successor>" with the same policy replays the trim exactly. */
    StreamId *last_removed;
} StreamTrim;

enum { STREAM_TRIM_STOP = -1, STREAM_TRIM_KEEP = 0, STREAM_TRIM_DELETE = 1 };

uint64_t stream_trim(Stream *s, const StreamTrim *t);

/* ---- Iteration ---------------------------------------------------------- */

/* Caller-allocated; the fields are private to stream.c. */
typedef struct StreamIter {
    const Stream *s;
    StreamId start, end;
    int is_reverse;
    int is_done;
    size_t slot;                   /* index slot of node */
    const struct StreamNode *node; /* NULL before the first node is entered */
    uint32_t off;                  /* forward: next entry; reverse: end of next entry */
    StreamId id;                   /* forward: previous entry's ID; reverse: next entry's */
    uint32_t master_n;             /* fields in node's master section */
    uint32_t master_off;           /* offset of the first master field */
    /* the entry being read */
    const uint8_t *vp; /* next field or value */
    const uint8_t *mp; /* next master field (same-fields entries) */
    uint32_t fields_left;
    int is_same;
    uint32_t entry_off; /* offset of the current entry's header */
    char ibuf[24];      /* an integer value rendered as text */
} StreamIter;

void stream_iter_start(StreamIter *it, const Stream *s, StreamId start, StreamId end,
                       int is_reverse);
int stream_iter_next(StreamIter *it, StreamId *id, size_t *n_fields);
void stream_iter_field(StreamIter *it, Slice *field, Slice *value);
void stream_iter_field_val(StreamIter *it, Slice *field, StreamVal *value);
const void *stream_iter_fields_val(StreamIter *it, StreamField *f);
int stream_entry_exists(const Stream *s, StreamId id); /* a live entry has this ID */

/* ---- Statistics --------------------------------------------------------- */
size_t stream_node_count(const Stream *s);
size_t stream_rax_node_count(Stream *s);
size_t stream_mem_usage(const Stream *s);

#endif
