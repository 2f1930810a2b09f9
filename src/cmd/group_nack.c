/*
 * group_nack.c - XNACK (Redis 8.8): a consumer hands pending entries back
 * to its group without acknowledging them.
 *
 *   XNACK key group SILENT|FAIL|FATAL IDS numids id [id ...] [RETRYCOUNT n] [FORCE]
 *
 * Each ID that is pending leaves its consumer for the tail of the group's
 * released zone (stream/pel.h): no owner, no delivery time, claimable at
 * once by XCLAIM, XAUTOCLAIM and XREADGROUP CLAIM whatever their
 * min-idle-time, and served by XREADGROUP CLAIM before any other pending
 * entry, in release order. The mode sets the delivery count: SILENT takes
 * one off (not below 0), FAIL keeps it, FATAL sets LLONG_MAX; RETRYCOUNT
 * sets it outright. FORCE also releases IDs that are not pending, when the
 * stream still has the entry (count 0, or RETRYCOUNT, or LLONG_MAX for
 * FATAL). The reply counts the IDs released, a repeated ID each time.
 *
 * Checks follow Redis 8.8's order and texts: the key and group first
 * (WRONGTYPE, NOGROUP), then the mode word, then options and the IDS block
 * in any order (RETRYCOUNT and FORCE may stand before or after it; a later
 * IDS block replaces an earlier one; anything else, including a second mode
 * word or a surplus ID, is an unrecognized option), then the IDs.
 *
 * The record: the counts each ID ended with are written out, so replay
 * needs neither the mode nor the counts before:
 *
 *   XNACK key group FAIL IDS k id ... RETRYCOUNT n FORCE
 *
 * one per run of consecutive IDs that ended with the same count, in the
 * command's order (which is the release order). FORCE makes the record
 * stand alone; on replay every ID is pending at that point anyway, exactly
 * as it was here. Rejected: one record per ID (an XNACK of a batch, the
 * common case, ends with one count).
 *
 * A release makes entries claimable at once, so blocked readers of the key
 * are woken: a blocked XREADGROUP CLAIM reader is served right after the
 * command. As in Redis, neither a keyspace event nor a WATCH invalidation.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/group.h"
#include "cmd/stream_obj.h"
#include "server/server.h"
#include "stream/group.h"
#include "stream/stream.h"

typedef enum { NACK_SILENT, NACK_FAIL, NACK_FATAL } NackMode;

#define ID_BUF (STREAM_ID_MAX_LEN + 1)

/* Length of a name as Redis prints it in an error (a C string: up to NUL). */
static int cstr_len(Slice s) {
    const char *nul = memchr(s.p, '\0', s.len);
    size_t n = nul ? (size_t)(nul - s.p) : s.len;
    return n > 1024 ? 1024 : (int)n;
}

/* The count an entry that had `had` ends with. */
static uint64_t nack_count(NackMode mode, uint64_t had, long long retrycount) {
    if (retrycount >= 0) return (uint64_t)retrycount;
    switch (mode) {
    case NACK_SILENT:
        return had > 0 ? had - 1 : 0;
    case NACK_FATAL:
        return (uint64_t)LLONG_MAX;
    case NACK_FAIL:
        break;
    }
    return had;
}

/* XNACK key group FAIL IDS k ids[0..k) RETRYCOUNT count FORCE. */
static void propagate_run(Client *c, Slice key, Slice group, const StreamId *ids, size_t k,
                          uint64_t count) {
    size_t argc = 9 + k;
    Slice stack_argv[16 + 9];
    char stack_idb[16][ID_BUF];
    Slice *argv = k <= 16 ? stack_argv : xmalloc(argc * sizeof(Slice));
    char(*idb)[ID_BUF] = k <= 16 ? stack_idb : xmalloc(k * sizeof *idb);
    char kb[24], cb[24];
    size_t a = 0;
    argv[a++] = slice_cstr("XNACK");
    argv[a++] = key;
    argv[a++] = group;
    argv[a++] = slice_cstr("FAIL");
    argv[a++] = slice_cstr("IDS");
    argv[a++] = slice_of(kb, (size_t)snprintf(kb, sizeof kb, "%zu", k));
    for (size_t i = 0; i < k; i++) argv[a++] = slice_of(idb[i], stream_id_format(ids[i], idb[i]));
    argv[a++] = slice_cstr("RETRYCOUNT");
    argv[a++] = slice_of(cb, (size_t)snprintf(cb, sizeof cb, "%llu", (unsigned long long)count));
    argv[a++] = slice_cstr("FORCE");
    propagate(c, (int)argc, argv);
    if (argv != stack_argv) xfree(argv);
    if (idb != stack_idb) xfree(idb);
}

static void cmd_xnack(Client *c) {
    Slice key = c->argv[1], gname = c->argv[2], mode_arg = c->argv[3];
    StreamObj *so;
    ConsumerGroup *g = group_cmd_find_or_reply(c, key, gname, 1, &so);
    if (!g) return;
    NackMode mode;
    if (slice_eq_nocase(mode_arg, "silent")) {
        mode = NACK_SILENT;
    } else if (slice_eq_nocase(mode_arg, "fail")) {
        mode = NACK_FAIL;
    } else if (slice_eq_nocase(mode_arg, "fatal")) {
        mode = NACK_FATAL;
    } else {
        reply_error(c, "ERR mode must be SILENT, FAIL, or FATAL");
        return;
    }

    long long retrycount = -1;
    int force = 0, ids_arg = 0;
    long long numids = 0;
    for (int i = 4; i < c->argc; i++) {
        Slice o = c->argv[i];
        int more = c->argc - i - 1;
        if (slice_eq_nocase(o, "ids") && more) {
            /* A later IDS block replaces an earlier one, as in Redis. */
            if (parse_ll(c->argv[i + 1], &numids) != 0 || numids <= 0 || numids > INT_MAX) {
                reply_error(c, "ERR numids must be a positive integer");
                return;
            }
            if (numids > more - 1) {
                reply_error(c, "ERR number of IDs doesn't match numids");
                return;
            }
            ids_arg = i + 2;
            i += 1 + (int)numids;
        } else if (slice_eq_nocase(o, "force")) {
            force = 1;
        } else if (slice_eq_nocase(o, "retrycount") && more) {
            i++;
            if (get_ll_or_reply(c, c->argv[i], &retrycount) != 0) return;
            if (retrycount < 0) {
                reply_error(c, "ERR Invalid RETRYCOUNT value, must be >= 0");
                return;
            }
        } else {
            reply_error(c, "ERR Unrecognized XNACK option '%.*s'", cstr_len(o), o.p);
            return;
        }
    }
    if (ids_arg == 0) {
        reply_error(c, "ERR syntax error, expected IDS keyword");
        return;
    }

    StreamId stack_ids[16];
    StreamId *ids = numids <= 16 ? stack_ids : xmalloc(sizeof(StreamId) * (size_t)numids);
    for (long long k = 0; k < numids; k++) {
        Slice a = c->argv[ids_arg + k];
        if (stream_id_parse(a.p, a.len, 0, &ids[k], NULL) != 0) {
            reply_error(c, "ERR Invalid stream ID specified as stream command argument");
            goto out;
        }
    }

    /* Released IDs and their counts, in order, for the records. */
    Pel *p = group_pel(g);
    uint64_t stack_counts[16];
    uint64_t *counts = numids <= 16 ? stack_counts : xmalloc(sizeof(uint64_t) * (size_t)numids);
    size_t n = 0;
    for (long long k = 0; k < numids; k++) {
        PelRef r = pel_find(p, ids[k]);
        uint64_t count;
        if (r != PEL_NONE) {
            count = nack_count(mode, pel_delivery_count(p, r), retrycount);
            group_release(g, r, count);
        } else if (force && (server.loading || stream_entry_exists(so->s, ids[k]))) {
            /* While the AOF loads, FORCE also restores a released entry
             * whose stream entry was deleted: the rewrite writes released
             * entries in this form, and live records only name entries that
             * existed. */
            count = nack_count(mode, 0, retrycount);
            group_release_new(g, ids[k], count);
        } else {
            continue;
        }
        ids[n] = ids[k]; /* k >= n: compacting in place is safe */
        counts[n++] = count;
    }
    if (n > 0) {
        server.dirty += (long long)n;
        /* Wakes blocked CLAIM readers; as in Redis, a WATCH on the key
         * stands (only the PEL changed, as with XACK and XCLAIM). */
        db_wake_key(c->db, key);
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && counts[j] == counts[i]) j++;
            propagate_run(c, key, gname, &ids[i], j - i, counts[i]);
            i = j;
        }
    }
    reply_int(c, (long long)n);
    if (counts != stack_counts) xfree(counts);
out:
    if (ids != stack_ids) xfree(ids);
}

const Command nack_commands[] = {
    {"xnack", cmd_xnack, -7, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
