/*
 * stream_idmp.h - idempotent producers for the stream commands (Redis 8.6):
 * the XADD options IDMP / IDMPAUTO, the XINFO STREAM fields, XCFGSET, and
 * the records that persist the state. src/cmd/stream.c calls the XADD and
 * XINFO hooks; the AOF rewrite calls stream_idmp_rewrite(). See
 * stream_idmp.c for the rules and the propagation design.
 */
#ifndef STREAMD_CMD_STREAM_IDMP_H
#define STREAMD_CMD_STREAM_IDMP_H

#include <stdint.h>

#include "base/bytes.h"
#include "cmd/stream_obj.h"
#include "stream/idmp.h"

typedef enum XaddIdmpMode { XADD_IDMP_NONE = 0, XADD_IDMP_EXPLICIT, XADD_IDMP_AUTO } XaddIdmpMode;

/* What XADD's IDMP / IDMPAUTO arguments asked for: none after
 * stream_idmp_xadd_init(). Fields are private to this module; the slices
 * borrow c->argv. */
typedef struct XaddIdmp {
    XaddIdmpMode mode;
    int has_key;
    int records_after;   /* stream_idmp_xadd_propagated() has records to emit */
    int arg_idx, n_args; /* with mode: where the option is in argv */
    Slice pid, iid;      /* with mode */
    IdmpKey key;         /* with has_key */
    unsigned char auto_iid[IDMP_AUTO_IID_LEN];
} XaddIdmp;

/* x asks for nothing yet; the rest of it is set by the calls that use it.
 * (Not a memset of the struct: it is on the path of every XADD.) */
static inline void stream_idmp_xadd_init(XaddIdmp *x) {
    x->mode = XADD_IDMP_NONE;
    x->has_key = 0;
    x->records_after = 0;
}

/* XINFO STREAM pairs written by stream_idmp_reply_info(). */
#define STREAM_IDMP_INFO_PAIRS 6

/* The four bytes at p, as the lowercase letters w0..w3, in any case. A word
 * at a time: this runs for every IDMP XADD, where a byte loop (and before it
 * strncasecmp(), a call and a locale lookup) was a tenth of the option
 * parsing. Only the case bit is ignored, which is exact for letters. */
static inline int stream_idmp__is_4_letters(const char *p, const char w[4]) {
    return (bytes_le32((const unsigned char *)p) | 0x20202020u) ==
           bytes_le32((const unsigned char *)w);
}

/* stream_idmp_parse_xadd_arg()'s errors: replies msg, returns -1. */
int stream_idmp__syntax_error(Client *c, const char *msg);

/* Parses IDMP pid iid / IDMPAUTO pid at argv[i]. Returns how many arguments
 * it took, 0 when argv[i] is neither option (or lacks its arguments: it is
 * then read as the ID, as Redis does), or -1 after replying an error.
 * Inline: XADD's argument loop runs it on every argument before the ID. */
static inline int stream_idmp_parse_xadd_arg(Client *c, int i, XaddIdmp *x) {
    Slice o = c->argv[i];
    int more = c->argc - 1 - i;
    int is_auto;
    if ((o.len != 4 && o.len != 8) || !stream_idmp__is_4_letters(o.p, "idmp")) return 0;
    if (o.len == 4 && more >= 2)
        is_auto = 0;
    else if (o.len == 8 && stream_idmp__is_4_letters(o.p + 4, "auto") && more >= 1)
        is_auto = 1;
    else
        return 0;
    if (x->mode != XADD_IDMP_NONE)
        return stream_idmp__syntax_error(
            c, "ERR syntax error, IDMP/IDMPAUTO specified multiple times");
    x->arg_idx = i;
    x->pid = c->argv[i + 1];
    if (x->pid.len == 0)
        return stream_idmp__syntax_error(
            c, is_auto ? "ERR syntax error, IDMPAUTO requires a non-empty producer ID"
                       : "ERR syntax error, IDMP requires a non-empty producer ID");
    if (is_auto) {
        x->mode = XADD_IDMP_AUTO;
        return x->n_args = 2;
    }
    x->iid = c->argv[i + 2];
    if (x->iid.len == 0)
        return stream_idmp__syntax_error(
            c, "ERR syntax error, IDMP requires a non-empty idempotent ID");
    x->mode = XADD_IDMP_EXPLICIT;
    return x->n_args = 3;
}

int stream_idmp_check_xadd_id(Client *c, const XaddIdmp *x, int has_id);
/* The out-of-line parts of the two hooks below. */
void stream_idmp__auto_iid(XaddIdmp *x, const Slice *fv, size_t n_pairs);
void stream_idmp__refuse_duplicate(Client *c, Slice key, Idmp *m, StreamId id);
Idmp *stream_idmp__new_state(Client *c, Slice key, StreamObj *so, int is_fresh, XaddIdmp *x,
                             unsigned char *dropped);

/* Before XADD makes an ID (so may be NULL: no key yet), at time now. For
 * IDMPAUTO, derives the iid from the n_pairs field/value pairs at fv
 * (borrowed; they must live as long as x). Returns 1 when (pid, iid) is
 * tracked: the original ID has been replied, the duplicate counted and
 * propagated, and XADD must stop; else 0. Inline, as the next hook: on
 * every idempotent producer's XADD, where a call level was measurable. */
static inline int stream_idmp_xadd_dedup(Client *c, Slice key, StreamObj *so, XaddIdmp *x,
                                         const Slice *fv, size_t n_pairs, int64_t now) {
    if (x->mode == XADD_IDMP_AUTO) stream_idmp__auto_iid(x, fv, n_pairs);
    /* A replayed record is a message the original run added. */
    if (!so || !so->idmp || (c->flags & CLIENT_FAKE)) return 0;
    idmp_key_init(&x->key, x->pid, x->iid);
    x->has_key = 1;
    StreamId id;
    if (!idmp_find(so->idmp, &x->key, now, &id)) return 0;
    stream_idmp__refuse_duplicate(c, key, so->idmp, id);
    return 1;
}

/* After XADD appended the entry *id (borrowed) to so (is_fresh: the XADD
 * created the stream), before it propagates its record: tracks the iid,
 * creating the state when the stream has none (see
 * stream_idmp__new_state()). */
static inline void stream_idmp_xadd_added(Client *c, Slice key, StreamObj *so, int is_fresh,
                                          XaddIdmp *x, const StreamId *id, unsigned char *dropped,
                                          int64_t now) {
    Idmp *m = so->idmp ? so->idmp : stream_idmp__new_state(c, key, so, is_fresh, x, dropped);
    if (!x->has_key) idmp_key_init(&x->key, x->pid, x->iid);
    idmp_add(m, &x->key, id, now);
}
void stream_idmp_xadd_propagated(Client *c, Slice key, StreamObj *so, XaddIdmp *x, StreamId id);
void stream_idmp_reply_info(Client *c, StreamObj *so);

/* A new, empty idempotency state (RESTORE builds one from a payload). */
Idmp *stream_idmp_state_new(uint32_t duration_s, uint32_t maxsize);
/* The duration and maxsize a stream's state takes when it is created now
 * (the stream-idmp-* configs, clamped to XCFGSET's ranges): what a stream
 * without state has (XINFO STREAM, RDB types 26 and 27). */
void stream_idmp_defaults(uint32_t *duration_s, uint32_t *maxsize);

/* The AOF rewrite: emits the records that rebuild so's idempotency state
 * (nothing when the stream never used it). */
typedef void (*StreamIdmpEmitFn)(void *priv, int argc, const Slice *argv);
void stream_idmp_rewrite(const StreamObj *so, Slice key, int64_t now_ms, StreamIdmpEmitFn emit,
                         void *priv);

#endif
