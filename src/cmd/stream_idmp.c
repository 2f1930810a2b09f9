/*
 * stream_idmp.c - idempotent producers (Redis 8.6): XADD ... IDMPAUTO pid |
 * IDMP pid iid, XCFGSET, XINFO STREAM's idmp fields, and XIDMPRECORD (8.8),
 * on top of the pure state in src/stream/idmp.c.
 *
 * Rules (Redis docs and test suite):
 *   - IDMP / IDMPAUTO may appear anywhere among XADD's options, once; only
 *     with "*"; pid and iid must not be empty. IDMPAUTO's iid is a hash of
 *     the field/value pairs, independent of their order (idmp_auto_iid()).
 *   - A tracked (pid, iid) makes XADD reply the ID it was first added under,
 *     append nothing and trim nothing; iids-duplicates counts it.
 *   - An iid lives until its entry's ms part is duration seconds old, and a
 *     producer keeps at most maxsize iids (the oldest go first).
 *   - XCFGSET needs the stream to exist; a value different from the current
 *     one forgets every iid (the lifetime counters stay); the same values
 *     change nothing.
 *   - XINFO STREAM always reports the six fields, after
 *     recorded-first-entry-id; a stream that never used IDMP shows the
 *     stream-idmp-* configs and zeros.
 *
 * The state (StreamObj.idmp) is created on first use and takes its duration
 * and maxsize from the configs at that moment; afterwards only XCFGSET
 * changes them, so CONFIG SET never reshapes a live stream's window.
 *
 * Propagation. Every record replays to the same state regardless of the
 * clock or the configs at load time. A new message of a stream whose state
 * exists is one record, src/cmd/stream.c's XADD with the concrete ID, the
 * IDMP / IDMPAUTO arguments kept:
 *   XADD key ... IDMP pid iid <id> f v ...
 * which only the AOF loader (CLIENT_FAKE) may send with an explicit ID; it
 * appends and records the pair without looking for a duplicate (whether the
 * original run saw one must not depend on the clock at load time). The
 * first message that creates the state pins the configuration the state
 * took from stream-idmp-duration / -maxsize, which may differ at load time:
 *   XCFGSET key IDMP-DURATION d IDMP-MAXSIZE m ; XADD ... IDMP ...  (the
 *                                          stream existed)
 *   XADD key ... <id> f v ; XCFGSET ... ; XIDMPRECORD key pid iid <id>
 *                                          (the XADD created the stream, so
 *                                          nothing can come before it; the
 *                                          XADD record leaves IDMP out)
 * and a refused duplicate changes only a counter:
 *   XIDMPCOUNTERS key iids-added iids-duplicates   (absolute values)
 * One command's records reach the AOF wrapped in MULTI/EXEC by the core, so
 * an entry is never replayed without its iid (which would let a retry after
 * a crash append twice). An iid's age is its entry ID's ms part, carried by
 * the records themselves; replay purges by the clock, which only drops iids
 * that are expired anyway. IDMPAUTO records are replayed by deriving the iid
 * again: the derivation is fixed (a unit test pins its output). The loader
 * may record iids of entries trimmed or deleted since, and replaces a
 * mapping a client would be refused.
 *
 * An AOF rewrite writes, per stream with state: XCFGSET with both values,
 * XIDMPRECORD for every live iid (each producer oldest first, the order that
 * rebuilds the same rings), then XIDMPCOUNTERS.
 *
 * Rejected: XADD without IDMP plus an XIDMPRECORD for every message (the
 * first version): three more records per message (MULTI, XIDMPRECORD, EXEC)
 * cost an IDMP XADD 450 ns more than a plain one with appendfsync everysec,
 * against 270 ns now (of which about 70 ns writing the IDMP arguments into
 * the AOF buffer). Not propagating duplicates (as a read-only outcome) would
 * lose iids-duplicates on every restart.
 *
 * XIDMPCOUNTERS is streamd's own; XCFGSET and XIDMPRECORD are Redis's, so a
 * rewritten AOF stays loadable by Redis 8.8 except for the counters line.
 * Error texts and the order of the checks are Redis 8.8's (t_stream.c):
 * XADD's IDMP errors start "syntax error, "; XCFGSET looks the key up
 * first; XIDMPRECORD checks the ID, then the names, then the key.
 */
#include "cmd/stream_idmp.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/bytes.h"
#include "server/server.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"

/* ---- the state ------------------------------------------------------------- */

/* A fresh table key for each state: a process-random base (not derivable by
 * clients, so they cannot aim iids at one probe run) plus a counter. */
static uint64_t next_seed(void) {
    static uint64_t base, n;
    if (base == 0) {
        if (getentropy(&base, sizeof base) != 0 || base == 0)
            base = (uint64_t)now_us() ^ ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&base;
        base |= 1;
    }
    return base + 0x9e3779b97f4a7c15ULL * ++n;
}

/* A new empty state with its own table key (RESTORE). Returns owned; free
 * with idmp_free(). */
Idmp *stream_idmp_state_new(uint32_t duration_s, uint32_t maxsize) {
    return idmp_new(duration_s, maxsize, next_seed());
}

static uint32_t clamp_config(long long v, uint32_t lo, uint32_t hi) {
    return v < (long long)lo ? lo : v > (long long)hi ? hi : (uint32_t)v;
}

void stream_idmp_defaults(uint32_t *duration_s, uint32_t *maxsize) {
    *duration_s = clamp_config(server.stream_idmp_duration, IDMP_DURATION_MIN, IDMP_DURATION_MAX);
    *maxsize = clamp_config(server.stream_idmp_maxsize, IDMP_MAXSIZE_MIN, IDMP_MAXSIZE_MAX);
}

/* A new, empty state with the stream-idmp-* configs. */
static Idmp *state_new(void) {
    uint32_t duration, maxsize;
    stream_idmp_defaults(&duration, &maxsize);
    return idmp_new(duration, maxsize, next_seed());
}

/* so's state, created with state_new() when missing (*created set). */
static inline Idmp *state_of(StreamObj *so, int *created) {
    *created = !so->idmp;
    if (!so->idmp) so->idmp = state_new();
    return so->idmp;
}

/* ---- records ------------------------------------------------------------------ */

static void emit_propagate(void *priv, int argc, const Slice *argv) {
    propagate(priv, argc, argv);
}

/* Records cost formatting (IDs, numbers): none is built when nothing
 * receives them (no AOF). */
static int want_records(void) {
    return propagate_is_active();
}

static Slice fmt_ull(char *buf, size_t size, unsigned long long v) {
    return slice_of(buf, (size_t)snprintf(buf, size, "%llu", v));
}

/* XCFGSET key IDMP-DURATION d IDMP-MAXSIZE m */
static void emit_config(StreamIdmpEmitFn emit, void *priv, Slice key, const Idmp *m) {
    char d[24], s[24];
    Slice argv[6] = {slice_cstr("XCFGSET"),       key,
                     slice_cstr("IDMP-DURATION"), fmt_ull(d, sizeof d, idmp_duration(m)),
                     slice_cstr("IDMP-MAXSIZE"),  fmt_ull(s, sizeof s, idmp_maxsize(m))};
    emit(priv, 6, argv);
}

/* XIDMPRECORD key pid iid id */
static void emit_record(StreamIdmpEmitFn emit, void *priv, Slice key, Slice pid, Slice iid,
                        StreamId id) {
    char b[STREAM_ID_MAX_LEN + 1];
    Slice argv[5] = {slice_cstr("XIDMPRECORD"), key, pid, iid,
                     slice_of(b, stream_id_format(id, b))};
    emit(priv, 5, argv);
}

/* XIDMPCOUNTERS key iids-added iids-duplicates */
static void emit_counters(StreamIdmpEmitFn emit, void *priv, Slice key, const Idmp *m) {
    char a[24], d[24];
    Slice argv[4] = {slice_cstr("XIDMPCOUNTERS"), key, fmt_ull(a, sizeof a, idmp_iids_added(m)),
                     fmt_ull(d, sizeof d, idmp_iids_duplicates(m))};
    emit(priv, 4, argv);
}

/* Emits the records that rebuild so's idempotency state, as of now_ms, to
 * emit (for the AOF rewrite). Borrows everything; nothing when the stream
 * never used IDMP. */
void stream_idmp_rewrite(const StreamObj *so, Slice key, int64_t now_ms, StreamIdmpEmitFn emit,
                         void *priv) {
    const Idmp *m = so->idmp;
    if (!m) return;
    emit_config(emit, priv, key, m);
    IdmpIter it;
    Slice pid, iid;
    StreamId id;
    idmp_iter_start(&it, m, now_ms);
    while (idmp_iter_next(&it, &pid, &iid, &id)) emit_record(emit, priv, key, pid, iid, id);
    emit_counters(emit, priv, key, m);
}

/* ---- XADD -------------------------------------------------------------------- */

int stream_idmp__syntax_error(Client *c, const char *msg) {
    reply_error(c, "%s", msg);
    return -1;
}

/* After the options: IDMP needs "*" (except in the records the AOF loader
 * replays, which carry the concrete ID). Returns 0, or -1 after replying. */
int stream_idmp_check_xadd_id(Client *c, const XaddIdmp *x, int has_id) {
    if (x->mode != XADD_IDMP_NONE && has_id && !(c->flags & CLIENT_FAKE)) {
        reply_error(c, "ERR syntax error, IDMP/IDMPAUTO can be used only with auto-generated IDs");
        return -1;
    }
    return 0;
}

/* stream_idmp_xadd_dedup() for IDMPAUTO: derives the iid from the n_pairs
 * field/value pairs at fv (borrowed; they must live as long as x). */
void stream_idmp__auto_iid(XaddIdmp *x, const Slice *fv, size_t n_pairs) {
    idmp_auto_iid(fv, n_pairs, x->auto_iid);
    x->iid = slice_of((const char *)x->auto_iid, IDMP_AUTO_IID_LEN);
}

/* stream_idmp_xadd_dedup() for a duplicate: replies its original ID id,
 * counts it and propagates the counters. */
void stream_idmp__refuse_duplicate(Client *c, Slice key, Idmp *m, StreamId id) {
    idmp_count_duplicate(m);
    stream_reply_id(c, id);
    if (want_records()) emit_counters(emit_propagate, c, key, m);
}

/* stream_idmp_xadd_added() for a stream without a state yet: creates it from
 * the configs and pins its configuration, with an XCFGSET record right now
 * if the stream existed, else (nothing may precede the record that creates
 * the stream) by marking the IDMP arguments in dropped (argc bytes, 1 = left
 * out of the XADD record) and leaving the records to
 * stream_idmp_xadd_propagated(). */
Idmp *stream_idmp__new_state(Client *c, Slice key, StreamObj *so, int is_fresh, XaddIdmp *x,
                             unsigned char *dropped) {
    Idmp *m = so->idmp = state_new();
    if (!want_records()) return m;
    if (is_fresh) {
        memset(dropped + x->arg_idx, 1, (size_t)x->n_args);
        x->records_after = 1;
    } else {
        emit_config(emit_propagate, c, key, m);
    }
    return m;
}

/* After XADD propagated its record, when x->records_after: the records
 * stream_idmp_xadd_added() left for later (state created with the stream). */
void stream_idmp_xadd_propagated(Client *c, Slice key, StreamObj *so, XaddIdmp *x, StreamId id) {
    assert(x->records_after);
    emit_config(emit_propagate, c, key, so->idmp);
    emit_record(emit_propagate, c, key, x->pid, x->iid, id);
}

/* ---- XINFO STREAM ---------------------------------------------------------- */

/* Writes the STREAM_IDMP_INFO_PAIRS pairs of so (expired iids are purged
 * first, so the counts are those of this moment). */
void stream_idmp_reply_info(Client *c, StreamObj *so) {
    Idmp *m = so->idmp;
    if (m) idmp_expire(m, now_ms());
    reply_bulk_cstr(c, "idmp-duration");
    reply_int(c, m ? (long long)idmp_duration(m) : server.stream_idmp_duration);
    reply_bulk_cstr(c, "idmp-maxsize");
    reply_int(c, m ? (long long)idmp_maxsize(m) : server.stream_idmp_maxsize);
    reply_bulk_cstr(c, "pids-tracked");
    reply_int(c, m ? (long long)idmp_pids_tracked(m) : 0);
    reply_bulk_cstr(c, "iids-tracked");
    reply_int(c, m ? (long long)idmp_iids_tracked(m) : 0);
    reply_bulk_cstr(c, "iids-added");
    reply_int(c, m ? (long long)idmp_iids_added(m) : 0);
    reply_bulk_cstr(c, "iids-duplicates");
    reply_int(c, m ? (long long)idmp_iids_duplicates(m) : 0);
}

/* ---- XCFGSET ----------------------------------------------------------------- */

/* XCFGSET key [IDMP-DURATION seconds] [IDMP-MAXSIZE n]. Checked in Redis
 * 8.6's order: the key (no such key / WRONGTYPE), then each option as it
 * comes (neither may be given twice), then that one was given at all. */
static void cmd_xcfgset(Client *c) {
    Slice key = c->argv[1];
    StreamObj *so = stream_obj_lookup_existing(c, key, 1);
    if (!so) return;
    long long duration = 0, maxsize = 0;
    for (int i = 2; i < c->argc; i += 2) {
        int is_duration = slice_eq_nocase(c->argv[i], "IDMP-DURATION");
        int is_maxsize = slice_eq_nocase(c->argv[i], "IDMP-MAXSIZE");
        if ((!is_duration && !is_maxsize) || i + 1 >= c->argc) {
            reply_syntax_error(c);
            return;
        }
        if (is_duration ? duration != 0 : maxsize != 0) {
            reply_error(c, "ERR %s specified multiple times",
                        is_duration ? "IDMP-DURATION" : "IDMP-MAXSIZE");
            return;
        }
        long long v;
        if (get_ll_or_reply(c, c->argv[i + 1], &v) != 0) return;
        if (is_duration) {
            if (v < IDMP_DURATION_MIN || v > IDMP_DURATION_MAX) {
                reply_error(c, "ERR IDMP-DURATION must be between %d and %d seconds",
                            IDMP_DURATION_MIN, IDMP_DURATION_MAX);
                return;
            }
            duration = v;
        } else {
            if (v < IDMP_MAXSIZE_MIN || v > IDMP_MAXSIZE_MAX) {
                reply_error(c, "ERR IDMP-MAXSIZE must be between %d and %d entries",
                            IDMP_MAXSIZE_MIN, IDMP_MAXSIZE_MAX);
                return;
            }
            maxsize = v;
        }
    }
    if (duration == 0 && maxsize == 0) {
        reply_error(c, "ERR At least one parameter must be specified");
        return;
    }
    int created;
    Idmp *m = state_of(so, &created);
    int changed = idmp_configure(m, duration ? (uint32_t)duration : idmp_duration(m),
                                 maxsize ? (uint32_t)maxsize : idmp_maxsize(m));
    reply_ok(c);
    if (changed || created) {
        /* As in Redis 8.6+, no keyspace event, and a WATCH on the key (or a
         * client-side cache of it) stands: only the dirty counter moves. */
        server.dirty++;
        /* Both values, so that the replay does not depend on the configs at
         * load time. */
        emit_config(emit_propagate, c, key, m);
    }
}

/* ---- XIDMPRECORD, XIDMPCOUNTERS ------------------------------------------------ */

/* XIDMPRECORD key pid iid stream-id: maps (pid, iid) to an existing entry.
 * Checked in Redis's order: the ID, the names, the key, the entry.
 * Idempotent for the same mapping; a different one is refused, except when
 * the AOF loader replays (its clock may still see an iid the original run
 * had let expire). */
static void cmd_xidmprecord(Client *c) {
    Slice key = c->argv[1], pid = c->argv[2], iid = c->argv[3];
    StreamId id;
    if (stream_id_parse(c->argv[4].p, c->argv[4].len, 0, &id, NULL) != 0) {
        reply_error(c, ERR_INVALID_ID);
        return;
    }
    if (pid.len == 0 || iid.len == 0) {
        reply_error(c, pid.len == 0 ? "ERR producer ID must be non-empty"
                                    : "ERR idempotent ID must be non-empty");
        return;
    }
    StreamObj *so = stream_obj_lookup_existing(c, key, 1);
    if (!so) return;
    int is_replay = (c->flags & CLIENT_FAKE) != 0;
    if (!is_replay && !stream_entry_exists(so->s, id)) {
        reply_error(c, "ERR No such message in stream");
        return;
    }
    int created;
    Idmp *m = state_of(so, &created);
    IdmpKey k;
    idmp_key_init(&k, pid, iid);
    StreamId old;
    if (idmp_find(m, &k, now_ms(), &old)) {
        if (stream_id_cmp(old, id) == 0) {
            reply_ok(c);
            return;
        }
        if (!is_replay) {
            reply_error(c, "ERR IID already exists for this producer with a different stream ID");
            return;
        }
    }
    idmp_add(m, &k, &id, now_ms());
    reply_ok(c);
    server.dirty++; /* as in Redis, no event, and a WATCH on the key stands */
    if (created) emit_config(emit_propagate, c, key, m);
    propagate_argv(c);
}

/* XIDMPCOUNTERS key iids-added iids-duplicates: streamd's record restoring
 * the lifetime counters (AOF). */
static void cmd_xidmpcounters(Client *c) {
    unsigned long long added, duplicates;
    if (parse_ull(c->argv[2], &added) != 0 || parse_ull(c->argv[3], &duplicates) != 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    Slice key = c->argv[1];
    StreamObj *so = stream_obj_lookup_existing(c, key, 1);
    if (!so) return;
    int created;
    Idmp *m = state_of(so, &created);
    idmp_set_counters(m, added, duplicates);
    reply_ok(c);
    db_signal_key(c->db, key);
    if (created) emit_config(emit_propagate, c, key, m);
    propagate_argv(c);
}

const Command stream_idmp_commands[] = {
    {"xcfgset", cmd_xcfgset, -2, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    {"xidmprecord", cmd_xidmprecord, 5, CMD_WRITE | CMD_DENYOOM | CMD_FAST, "@write @stream @fast",
     1, 1, 1, NULL},
    {"xidmpcounters", cmd_xidmpcounters, 4, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1,
     NULL},
    END_OF_COMMANDS,
};
