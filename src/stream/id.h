/*
 * id.h - stream entry IDs.
 *
 * An ID is <ms>-<seq>, two unsigned 64-bit numbers compared as a pair. It is
 * a small value type passed by value everywhere. Parsing covers every form a
 * client may send: "-" and "+" (the smallest and largest IDs), "<ms>" alone
 * (whose missing sequence is filled by the caller's choice: 0 for a range
 * start, UINT64_MAX for a range end), "<ms>-<seq>", and a leading "(" for an
 * exclusive range bound, which the caller asks for explicitly.
 */
#ifndef STREAMD_STREAM_ID_H
#define STREAMD_STREAM_ID_H

#include <stddef.h>
#include <stdint.h>

typedef struct StreamId {
    uint64_t ms;
    uint64_t seq;
} StreamId;

#define STREAM_ID_MAX_LEN 41 /* "18446744073709551615-18446744073709551615" */

static inline int stream_id_cmp(StreamId a, StreamId b) {
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

static inline StreamId stream_id_make(uint64_t ms, uint64_t seq) {
    StreamId id = {ms, seq};
    return id;
}

static inline int stream_id_is_zero(StreamId a) {
    return a.ms == 0 && a.seq == 0;
}

/* Parse flags. */
enum {
    STREAM_ID_ALLOW_MINMAX = 1 << 0, /* accept "-" and "+" */
    STREAM_ID_ALLOW_EXCL = 1 << 1,   /* accept a leading "(" (sets *is_excl) */
    STREAM_ID_SEQ_MAX = 1 << 2,      /* "<ms>" alone means <ms>-UINT64_MAX, else <ms>-0 */
    STREAM_ID_STRICT = 1 << 3,       /* require "<ms>-<seq>" (no missing seq) */
};

int stream_id_parse(const char *s, size_t len, int flags, StreamId *out, int *is_excl);
/* Like stream_id_parse but also accepts "<ms>-*": *seq_given is 0 then. */
int stream_id_parse_seq_auto(const char *s, size_t len, StreamId *out, int *seq_given);
size_t stream_id_format(StreamId id, char *buf); /* buf >= STREAM_ID_MAX_LEN+1 */
size_t stream_fmt_u64(uint64_t v, char *buf);    /* decimal, no NUL; buf >= 20 */
int stream_id_incr(StreamId *id);                /* 0 ok, -1 on overflow past the max ID */
int stream_id_decr(StreamId *id);                /* 0 ok, -1 on underflow below 0-0 */

#endif
