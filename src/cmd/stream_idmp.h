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

#include "cmd/stream_obj.h"
#include "stream/idmp.h"

typedef enum XaddIdmpMode { XADD_IDMP_NONE = 0, XADD_IDMP_EXPLICIT, XADD_IDMP_AUTO } XaddIdmpMode;

/* What XADD's IDMP / IDMPAUTO arguments asked for. Zero-initialised means
 * none. Fields are private to stream_idmp.c; the slices borrow c->argv. */
typedef struct XaddIdmp {
    XaddIdmpMode mode;
    int arg_idx, n_args; /* where the option is in argv */
    Slice pid, iid;
    int has_key;
    int records_after; /* stream_idmp_xadd_propagated() has records to emit */
    IdmpKey key;
    unsigned char auto_iid[IDMP_AUTO_IID_LEN];
} XaddIdmp;

/* XINFO STREAM pairs written by stream_idmp_reply_info(). */
#define STREAM_IDMP_INFO_PAIRS 6

int stream_idmp_parse_xadd_arg(Client *c, int i, XaddIdmp *x);
int stream_idmp_check_xadd_id(Client *c, const XaddIdmp *x, int has_id);
int stream_idmp_xadd_dedup(Client *c, Slice key, StreamObj *so, XaddIdmp *x, const Slice *fv,
                           size_t n_pairs);
void stream_idmp_xadd_added(Client *c, Slice key, StreamObj *so, int is_fresh, XaddIdmp *x,
                            const StreamId *id, unsigned char *dropped);
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
