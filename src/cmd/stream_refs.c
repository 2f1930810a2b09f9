/*
 * stream_refs.c - Redis 8.2's consumer-group reference policies (XDELEX,
 * XACKDEL, and the KEEPREF | DELREF | ACKED hooks of XADD / XTRIM trimming)
 * and Redis 8.10's read caps (XREAD / XREADGROUP MAXCOUNT, MAXSIZE).
 *
 * Policies. An entry is "acknowledged by every group" when each group has
 * delivered it (ID <= last-delivered ID) and holds no pending entry for it
 * (group_set_all_acked()); a stream without groups acknowledges everything,
 * so DELREF and ACKED act as KEEPREF there, as Redis documents for XTRIM.
 *   KEEPREF  deletes; pending entries keep pointing at the deleted ID.
 *   DELREF   deletes and removes the ID from every group's pending list:
 *            O(log n) per group (group_set_delete_refs()), also for an ID
 *            that is no longer in the stream (a dangling reference).
 *   ACKED    deletes only acknowledged entries; the others are answered 2
 *            (XDELEX / XACKDEL) or skipped (trimming; stream_trim() goes on
 *            past them and stops at the first entry above the smallest
 *            last-delivered ID, where nothing can be acknowledged any more).
 * XDELEX and XACKDEL propagate as sent (they replay to the same result on the
 * same state); a trim with a policy is rewritten by src/cmd/stream.c.
 *
 * Read caps (Redis 8.10). MAXCOUNT bounds the entries of the whole reply
 * across all streams: a stream's COUNT is lowered to what is left, and no
 * stream is started once it is used up. MAXSIZE bounds the reply's bytes,
 * counted as Redis counts them: every byte the reply has put in the client's
 * output so far (stream names and per-stream headers included; an array
 * whose length is still open counts once its header is written). As the
 * documentation has it, the first entry always goes out (an oversized one
 * too), and an entry that would take the reply past MAXSIZE is neither sent
 * nor added to a pending list; it ends the reply. A command writes an entry,
 * then asks read_caps_keep(): if the entry took the reply past the cap, its
 * bytes are taken back out of the output before anything is delivered, so
 * the size is the exact reply form (plain, CLAIM form, deleted entry) in
 * either protocol without a second encoder. A stream that ends up with no
 * entry because of the cap is taken back out too. Redis's own code differs
 * in one place: it checks before each entry whether the reply has already
 * reached MAXSIZE, so the entry that crosses the cap goes out; streamd keeps
 * to the documented rule.
 */
#include "cmd/stream_refs.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/group.h"
#include "stream/id.h"

/* ---- Policies ------------------------------------------------------------ */

/* The policy named by arg, or -1. */
int stream_refs_policy(Slice arg) {
    if (slice_eq_nocase(arg, "KEEPREF")) return REF_KEEPREF;
    if (slice_eq_nocase(arg, "DELREF")) return REF_DELREF;
    if (slice_eq_nocase(arg, "ACKED")) return REF_ACKED;
    return -1;
}

static int trim_can_delete_acked(void *ctx, StreamId id) {
    const RefTrimCtx *rc = ctx;
    if (stream_id_cmp(id, rc->max_acked) > 0) return STREAM_TRIM_STOP;
    return group_set_all_acked(rc->groups, id) ? STREAM_TRIM_DELETE : STREAM_TRIM_KEEP;
}

static void trim_on_delete_delref(void *ctx, StreamId id) {
    const RefTrimCtx *rc = ctx;
    (void)group_set_delete_refs(rc->groups, id);
}

/* Points t's hooks at rc for policy p on so's groups; returns 1 if a policy
 * is active. Borrows so and rc (both must outlive the trim). */
int stream_refs_trim_prepare(StreamTrim *t, StreamObj *so, RefPolicy p, RefTrimCtx *rc) {
    t->can_delete = NULL;
    t->on_delete = NULL;
    t->ctx = NULL;
    t->known_kept = NULL;
    if (p == REF_KEEPREF || group_set_len(so->groups) == 0) return 0;
    rc->groups = so->groups;
    t->ctx = rc;
    if (p == REF_DELREF) {
        t->on_delete = trim_on_delete_delref;
    } else {
        assert(p == REF_ACKED);
        int found = group_set_min_last_id(so->groups, &rc->max_acked);
        assert(found);
        (void)found;
        t->can_delete = trim_can_delete_acked;
        t->known_kept = group_set_known_kept(so->groups);
    }
    return 1;
}

/* ---- XDELEX / XACKDEL ------------------------------------------------------ */

#define XDEL_NO_ID      (-1) /* no such entry (or, XACKDEL, not pending in the group) */
#define XDEL_DELETED    1
#define XDEL_REFERENCED 2 /* ACKED: some group has not read or acknowledged it */

typedef struct DelArgs {
    RefPolicy policy;
    int has_policy;
    int ids_arg; /* argv index of the first ID; 0: no IDS block */
    int n_ids;
    StreamId *ids;
    StreamId ids_stack[16];
} DelArgs;

/* Parses [KEEPREF|DELREF|ACKED] IDS numids id ... from argv[from] on (the
 * IDS block may come first, and a later one replaces an earlier one, as in
 * Redis). The IDs themselves are left to del_args_parse_ids(): Redis checks
 * them only once it knows there is something to delete from. Returns 0, or
 * -1 after replying. */
static int del_args_parse(Client *c, int from, DelArgs *a) {
    memset(a, 0, sizeof *a);
    a->ids = a->ids_stack;
    for (int i = from; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        Slice o = c->argv[i];
        int p;
        if (more && slice_eq_nocase(o, "IDS")) {
            long long n;
            if (parse_ll(c->argv[i + 1], &n) != 0 || n < 1) {
                reply_error(c, "ERR Number of IDs must be a positive integer");
                return -1;
            }
            if (n > more - 1) {
                reply_error(c, "ERR The `numids` parameter must match the number of arguments");
                return -1;
            }
            a->ids_arg = i + 2;
            a->n_ids = (int)n;
            i += 1 + (int)n;
        } else if (!a->has_policy && (p = stream_refs_policy(o)) >= 0) {
            a->policy = (RefPolicy)p;
            a->has_policy = 1;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (!a->ids_arg) {
        reply_error(c, "ERR IDS option is required");
        return -1;
    }
    return 0;
}

/* Parses the IDs of the IDS block into a->ids. Returns 0, or -1 after
 * replying. Free a->ids with del_args_free() either way. */
static int del_args_parse_ids(Client *c, DelArgs *a) {
    if (a->n_ids > (int)(sizeof a->ids_stack / sizeof a->ids_stack[0]))
        a->ids = xmalloc((size_t)a->n_ids * sizeof(StreamId));
    for (int j = 0; j < a->n_ids; j++) {
        Slice s = c->argv[a->ids_arg + j];
        if (stream_id_parse(s.p, s.len, 0, &a->ids[j], NULL) != 0) {
            reply_error(c, "ERR Invalid stream ID specified as stream command argument");
            return -1;
        }
    }
    return 0;
}

static void del_args_free(DelArgs *a) {
    if (a->ids != a->ids_stack) xfree(a->ids);
}

/* The part XDELEX and XACKDEL share once an ID may go: applies the policy to
 * id in so. *refs counts pending references removed. */
static int delete_by_policy(StreamObj *so, RefPolicy p, StreamId id, uint64_t *refs) {
    if (p == REF_ACKED && !group_set_all_acked(so->groups, id)) return XDEL_REFERENCED;
    if (p == REF_DELREF) *refs += group_set_delete_refs(so->groups, id);
    return stream_delete(so->s, id) ? XDEL_DELETED : XDEL_NO_ID;
}

static void reply_all_missing(Client *c, int n) {
    for (int j = 0; j < n; j++) reply_int(c, XDEL_NO_ID);
}

/* Wakes readers and watchers when entries went (and moves the stream's INFO
 * keysizes bin), counts pending references dropped, and propagates the
 * command as sent when anything changed. */
static void del_finish(Client *c, StreamObj *so, long long deleted, uint64_t changes) {
    if (deleted) {
        stream_obj_resized(c, so);
        db_signal_key(c->db, c->argv[1]);
        /* Redis 8.x's XDELEX announces its deletions as XDEL does; XACKDEL
         * deletes as XDELEX does and is announced the same way (its
         * acknowledgements, like XACK's, are not) */
        notify_keyspace_event(NOTIFY_STREAM, "xdel", c->argv[1], db_index(c->db));
    }
    server.dirty += (long long)changes;
    if (deleted || changes) propagate_argv(c);
}

/* XDELEX key [KEEPREF|DELREF|ACKED] IDS numids id [id ...]. Checked in
 * Redis's order: the key's type, the options, then (only when the key
 * exists) the IDs. */
static void cmd_xdelex(Client *c) {
    DelArgs a;
    StreamObj *so;
    if (stream_obj_lookup_write(c, c->argv[1], &so) != 0) return;
    if (del_args_parse(c, 2, &a) != 0) goto out;
    if (!so) {
        reply_array(c, (size_t)a.n_ids);
        reply_all_missing(c, a.n_ids);
        goto out;
    }
    if (del_args_parse_ids(c, &a) != 0) goto out;
    reply_array(c, (size_t)a.n_ids);
    long long deleted = 0;
    uint64_t refs = 0;
    for (int j = 0; j < a.n_ids; j++) {
        int res = delete_by_policy(so, a.policy, a.ids[j], &refs);
        deleted += res == XDEL_DELETED;
        reply_int(c, res);
    }
    del_finish(c, so, deleted, refs);
out:
    del_args_free(&a);
}

/* XACKDEL key group [KEEPREF|DELREF|ACKED] IDS numids id [id ...]: only IDs
 * pending in the group are acknowledged and then deleted by the policy (1,
 * or 2 when ACKED finds references left); the others answer -1 and change
 * nothing. Checked as XDELEX is; the IDs only
 * when the group exists. */
static void cmd_xackdel(Client *c) {
    DelArgs a;
    StreamObj *so;
    if (stream_obj_lookup_write(c, c->argv[1], &so) != 0) return;
    if (del_args_parse(c, 3, &a) != 0) goto out;
    ConsumerGroup *g = so ? group_set_find(so->groups, c->argv[2]) : NULL;
    if (!g) {
        reply_array(c, (size_t)a.n_ids);
        reply_all_missing(c, a.n_ids);
        goto out;
    }
    if (del_args_parse_ids(c, &a) != 0) goto out;
    reply_array(c, (size_t)a.n_ids);
    long long deleted = 0;
    uint64_t changes = 0;
    for (int j = 0; j < a.n_ids; j++) {
        int res = XDEL_NO_ID;
        if (group_ack(g, a.ids[j])) {
            changes++;
            res = delete_by_policy(so, a.policy, a.ids[j], &changes);
            deleted += res == XDEL_DELETED;
            /* Acknowledged: an entry already gone from the stream (KEEPREF
             * left it pending) still counts as deleted, as in Redis. */
            if (res == XDEL_NO_ID) res = XDEL_DELETED;
        }
        reply_int(c, res);
    }
    del_finish(c, so, deleted, changes);
out:
    del_args_free(&a);
}

const Command stream_refs_commands[] = {
    {"xdelex", cmd_xdelex, -5, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    {"xackdel", cmd_xackdel, -6, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};

/* ---- Read caps --------------------------------------------------------------- */

/* Parses MAXCOUNT or MAXSIZE at argv[i]; see stream_refs.h. */
int read_caps_parse_arg(Client *c, int i, ReadCaps *caps) {
    Slice o = c->argv[i];
    int is_count = slice_eq_nocase(o, "MAXCOUNT");
    if (!is_count && !slice_eq_nocase(o, "MAXSIZE")) return 0;
    assert(i + 1 < c->argc);
    long long v;
    if (get_ll_or_reply(c, c->argv[i + 1], &v) != 0) return -1;
    if (v < 1) {
        reply_error(c, "ERR %s must be a positive integer", is_count ? "MAXCOUNT" : "MAXSIZE");
        return -1;
    }
    if (is_count)
        caps->max_count = v;
    else
        caps->max_bytes = v;
    return 1;
}

/* MAXCOUNT below COUNT could never be reached per stream: refused. */
int read_caps_check(Client *c, const ReadCaps *caps, long long count) {
    if (caps->max_count && count > 0 && caps->max_count < count) {
        reply_error(c, "ERR MAXCOUNT must be greater than or equal to COUNT");
        return -1;
    }
    return 0;
}

void read_caps_reset(ReadCaps *caps, Client *c) {
    caps->n_entries = 0;
    caps->is_full = 0;
    caps->base = reply_len(c);
}

int read_caps_next_stream(const ReadCaps *caps, Client *c) {
    if (caps->is_full) return 0;
    if (caps->max_count && caps->n_entries >= caps->max_count) return 0;
    /* a reply at the cap has no room for another entry */
    return !(caps->max_bytes && caps->n_entries > 0 &&
             reply_len(c) - caps->base >= (unsigned long long)caps->max_bytes);
}

long long read_caps_stream_count(const ReadCaps *caps, long long count) {
    if (!caps->max_count) return count;
    long long left = caps->max_count - caps->n_entries;
    return (count == 0 || left < count) ? left : count;
}

int read_caps_keep_slow(ReadCaps *caps, Client *c, size_t before) {
    if (caps->n_entries > 0 && reply_len(c) - caps->base > (unsigned long long)caps->max_bytes) {
        reply_truncate(c, before);
        caps->is_full = 1;
        return 0;
    }
    caps->n_entries++;
    return 1;
}
