/*
 * stream.c - the stream commands without consumer groups: XADD, XRANGE,
 * XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD and XINFO STREAM / HELP, and
 * the OBJ_STREAM value type (stream_obj.h).
 *
 * Each handler parses its arguments in the order Redis 7.4 does (so the same
 * bad command gets the same first error), looks the key up, calls the stream
 * library, replies, and emits a propagation record that replays to the same
 * state: XADD carries the concrete ID, and a "~" trim is rewritten to "=" with
 * the threshold it actually reached (MAXLEN: the length left; MINID: the first
 * stored ID) with LIMIT dropped, because an approximate trim depends on node
 * boundaries that a replay with other node sizes would not reproduce.
 *
 * XREAD follows the 7.4 model of blocking: "$" is resolved when the command
 * first runs, and when a key the client waits on gets an entry (XADD) or
 * becomes a stream (created, renamed in, swapped in), the command is run
 * again with those IDs: a key that now holds another type answers WRONGTYPE
 * (the first such key in the command's order), "+" is resolved anew (the
 * last entry), and the reply has every stream that now has entries (Redis
 * 7.0 answered with the first ready stream only). Other changes, deletion
 * and type change included, keep the reader waiting without a look at the
 * other keys, as Redis does not wake it for them: the reader remembers, per
 * key, which stream value it last saw (StreamObj.serial) and how many
 * entries had been added to it. Not reproduced, as they show only when
 * another of the reader's keys was retyped meanwhile: Redis also re-runs it
 * after XGROUP DESTROY, and does not after XSETID ... ENTRIESADDED (which
 * changes the count).
 *
 * Rejected: sharing argument parsing with XREADGROUP. Its options differ
 * (GROUP, NOACK, ">") and its errors are its own; src/cmd/group.c owns it.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"
#include "cmd/group.h"
#include "cmd/stream_idmp.h"
#include "cmd/stream_obj.h"
#include "cmd/stream_refs.h"
#include "server/server.h"

static const StreamId ID_MIN = {0, 0};
static const StreamId ID_MAX = {UINT64_MAX, UINT64_MAX};

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"

/* ---- the value type ------------------------------------------------------ */

static StreamXinfoGroupsFn xinfo_groups_fn;

static void stream_obj_free(void *ptr) {
    StreamObj *so = ptr;
    stream_free(so->s);
    if (so->groups) group_set_free(so->groups);
    idmp_free(so->idmp);
    xfree(so);
}

static size_t stream_obj_mem(const void *ptr) {
    const StreamObj *so = ptr;
    return xsize(so) + stream_mem_usage(so->s) +
           (so->groups ? group_set_mem_bytes(so->groups) : 0) +
           (so->idmp ? idmp_mem_usage(so->idmp) : 0);
}

static uint64_t stream_obj_items(const void *ptr) {
    return stream_length(((const StreamObj *)ptr)->s);
}

static StreamObj *stream_obj_new(Stream *s);

/* COPY: entries, groups and idempotency state copied whole; a new value
 * (serial) as far as blocked readers are concerned. */
static Obj *stream_obj_dup(const void *ptr) {
    const StreamObj *src = ptr;
    StreamObj *so = stream_obj_new(stream_clone(src->s));
    so->groups = group_set_clone(src->groups);
    so->idmp = src->idmp ? idmp_clone(src->idmp) : NULL;
    so->obj = obj_new(OBJ_STREAM, so);
    return so->obj;
}

/* Lazyfree's estimate, in constant time as Redis's: a node per allocation,
 * and each group with as many pending entries as the first one. */
static uint64_t stream_obj_free_effort(const void *ptr) {
    const StreamObj *so = ptr;
    uint64_t effort = stream_node_count(so->s);
    const ConsumerGroup *g = so->groups ? group_set_any(so->groups) : NULL;
    if (g) effort += group_set_len(so->groups) * (1 + pel_len(group_pel_c(g)));
    return effort;
}

static const ObjTypeOps stream_type = {
    "stream",       "stream", stream_obj_free,       stream_obj_mem, stream_obj_items,
    stream_obj_dup, NULL,     stream_obj_free_effort};

/* Registers OBJ_STREAM (called once at start-up). */
void stream_cmd_init(void) {
    obj_register_type(OBJ_STREAM, &stream_type);
}

/* Sets the writer of XINFO STREAM FULL's per-group details (src/cmd/group.c). */
void stream_obj_set_xinfo_groups(StreamXinfoGroupsFn fn) {
    xinfo_groups_fn = fn;
}

/* A new stream value around s (owned from now on). */
static StreamObj *stream_obj_new(Stream *s) {
    static uint64_t last_serial;
    StreamObj *so = xcalloc(1, sizeof(*so));
    so->s = s;
    so->serial = ++last_serial;
    return so;
}

/* Returns an owned object holding a new stream value built from its parts
 * (RESTORE); takes ownership of s, groups (may be NULL) and idmp (may be
 * NULL). */
Obj *stream_obj_adopt(Stream *s, GroupSet *groups, Idmp *idmp) {
    StreamObj *so = stream_obj_new(s);
    so->groups = groups;
    so->idmp = idmp;
    so->obj = obj_new(OBJ_STREAM, so);
    return so->obj;
}

static int lookup(Client *c, Slice key, int is_write, StreamObj **out) {
    Obj *o = is_write ? db_lookup_write(c->db, key) : db_lookup_read(c->db, key);
    if (o && o->type != OBJ_STREAM) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o ? o->ptr : NULL;
    return 0;
}

/* Looks key up for reading; *out is a view valid until the key changes. */
int stream_obj_lookup_read(Client *c, Slice key, StreamObj **out) {
    return lookup(c, key, 0, out);
}

/* Looks key up for writing; *out is a view valid until the key changes. */
int stream_obj_lookup_write(Client *c, Slice key, StreamObj **out) {
    return lookup(c, key, 1, out);
}

/* Looks up a stream that must exist: NULL after replying WRONGTYPE or
 * "ERR no such key" (XSETID, XINFO, XCFGSET, ...). Returns a view valid until
 * the key changes. */
StreamObj *stream_obj_lookup_existing(Client *c, Slice key, int for_write) {
    StreamObj *so;
    if (lookup(c, key, for_write, &so) != 0) return NULL;
    if (!so) reply_error(c, "ERR no such key");
    return so;
}

/* Adds an empty stream under key (absent); returns a view owned by the db. */
StreamObj *stream_obj_create(Client *c, Slice key) {
    StreamObj *so = stream_obj_new(stream_new());
    so->obj = obj_new(OBJ_STREAM, so);
    db_add(c->db, key, so->obj);
    return so;
}

void stream_obj_resized(Client *c, StreamObj *so) {
    db_resized(c->db, so->obj, stream_length(so->s));
}

/* The configured node limits (negative config values count as no limit). */
StreamLimits stream_obj_limits(void) {
    StreamLimits lim;
    lim.max_entries =
        server.stream_node_max_entries > 0 ? (uint64_t)server.stream_node_max_entries : 0;
    lim.max_bytes = server.stream_node_max_bytes > 0 ? (uint64_t)server.stream_node_max_bytes : 0;
    return lim;
}

/* The stream facts for the group lag rules; borrows so. */
StreamFacts stream_obj_facts(const StreamObj *so) {
    StreamFacts f;
    f.length = stream_length(so->s);
    f.entries_added = stream_entries_added(so->s);
    f.first_id = stream_first_id(so->s);
    f.last_id = stream_last_id(so->s);
    f.max_deleted_id = stream_max_deleted_id(so->s);
    return f;
}

/* ---- replies ------------------------------------------------------------- */

/* Replies id as a bulk string. */
void stream_reply_id(Client *c, StreamId id) {
    char buf[STREAM_ID_MAX_LEN + 1];
    size_t n = stream_id_format(id, buf);
    reply_bulk(c, buf, n);
}

/* Replies the field/value array of the iterator's current entry; borrows it. */
void stream_reply_fields(Client *c, StreamIter *it, size_t n_fields) {
    reply_array(c, 2 * n_fields);
    for (size_t i = 0; i < n_fields; i++) {
        Slice f, v;
        stream_iter_field(it, &f, &v);
        reply_bulk_slice(c, f);
        reply_bulk_slice(c, v);
    }
}

/* Replies the iterator's current entry; borrows it. */
void stream_reply_entry(Client *c, StreamIter *it, StreamId id, size_t n_fields) {
    reply_array(c, 2);
    stream_reply_id(c, id);
    stream_reply_fields(c, it, n_fields);
}

/* Replies the entries of [start, end] (at most count; 0 = all). Borrows s. */
size_t stream_reply_range(Client *c, const Stream *s, StreamId start, StreamId end, uint64_t count,
                          int is_reverse) {
    StreamIter it;
    StreamId id;
    size_t nf, n = 0;
    ReplyDeferred d = reply_defer(c);
    stream_iter_start(&it, s, start, end, is_reverse);
    while ((count == 0 || n < count) && stream_iter_next(&it, &id, &nf)) {
        stream_reply_entry(c, &it, id, nf);
        n++;
    }
    reply_set_array_len(c, d, n);
    return n;
}

/* ---- argument helpers ------------------------------------------------------ */

/* Redis's "strict" ID: no "-" or "+"; "<ms>" means <ms>-0. */
static int parse_strict_id(Client *c, Slice a, StreamId *id) {
    if (stream_id_parse(a.p, a.len, 0, id, NULL) != 0) {
        reply_error(c, ERR_INVALID_ID);
        return -1;
    }
    return 0;
}

static int is_word(Slice a, const char *w) {
    return slice_eq_nocase(a, w);
}

static int is_char(Slice a, char ch) {
    return a.len == 1 && a.p[0] == ch;
}

static Slice format_id(StreamId id, char *buf) {
    return slice_of(buf, stream_id_format(id, buf));
}

/* ---- trimming arguments (XADD and XTRIM) ------------------------------------ */

typedef struct TrimArgs {
    int has_strategy;
    StreamTrim t;
    int strategy_idx;  /* argv index of MAXLEN / MINID */
    int approx_idx;    /* argv index of "~" (approximate only) */
    int threshold_idx; /* argv index of the threshold */
    int is_nomkstream;
    int id_idx;       /* XADD: argv index of the ID */
    int has_id;       /* XADD: an ID (not "*") was given */
    int is_seq_given; /* XADD: "<ms>-<seq>" rather than "<ms>-*" */
    StreamId id;
    RefPolicy policy; /* KEEPREF | DELREF | ACKED (src/cmd/stream_refs.c) */
    int has_policy;
    int is_policy_trim;     /* the trim ran with DELREF / ACKED hooks */
    uint64_t n_trimmed;     /* entries the trim removed */
    StreamId last_removed;  /* with n_trimmed: StreamTrim.last_removed */
    unsigned char *dropped; /* argv indexes left out of the record (LIMIT <n>, ...) */
    /* From here on, parse_trim_args() does not clear the whole of a field:
     * clearing the whole struct took about 50 of a plain XADD's 3,000
     * instructions. */
    XaddIdmp idmp;                   /* XADD: IDMP / IDMPAUTO (src/cmd/stream_idmp.c) */
    unsigned char dropped_small[32]; /* dropped points here when argc fits */
} TrimArgs;

static void trim_args_free(TrimArgs *a) {
    if (a->dropped != a->dropped_small) xfree(a->dropped);
}

/* Parses [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT n]]
 * [KEEPREF|DELREF|ACKED] (in any order) from argv[2]
 * on, for XADD (is_xadd: stops at the ID) or XTRIM. Returns 0 or -1 after
 * replying. Fills a->dropped (free it with trim_args_free) on success and failure. */
static int parse_trim_args(Client *c, TrimArgs *a, int is_xadd) {
    memset(a, 0, offsetof(TrimArgs, idmp));
    stream_idmp_xadd_init(&a->idmp);
    /* no allocation per XADD: the flags live in the struct for usual argc */
    if (c->argc <= (int)sizeof a->dropped_small) {
        memset(a->dropped_small, 0, sizeof a->dropped_small);
        a->dropped = a->dropped_small;
    } else {
        a->dropped = xcalloc((size_t)c->argc, 1);
    }
    long long limit = 0;
    int is_limit_given = 0, n_idmp, policy;
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        Slice o = c->argv[i];
        if (is_xadd && is_char(o, '*')) {
            break;
        } else if (is_xadd && (n_idmp = stream_idmp_parse_xadd_arg(c, i, &a->idmp)) != 0) {
            /* (first: the option of every idempotent producer's XADD) */
            if (n_idmp < 0) return -1;
            i += n_idmp - 1;
        } else if ((is_word(o, "MAXLEN") || is_word(o, "MINID")) && more) {
            int is_maxlen = o.p[1] == 'a' || o.p[1] == 'A';
            if (a->has_strategy) {
                reply_error(c, "ERR syntax error, MAXLEN and MINID options at the same time are "
                               "not compatible");
                return -1;
            }
            a->t.is_approx = 0;
            a->approx_idx = 0;
            a->strategy_idx = i;
            Slice next = c->argv[i + 1];
            if (more >= 2 && is_char(next, '~')) {
                a->t.is_approx = 1;
                a->approx_idx = ++i;
            } else if (more >= 2 && is_char(next, '=')) {
                i++;
            }
            if (is_maxlen) {
                long long maxlen;
                if (get_ll_or_reply(c, c->argv[i + 1], &maxlen) != 0) return -1;
                if (maxlen < 0) {
                    reply_error(c, "ERR The MAXLEN argument must be >= 0.");
                    return -1;
                }
                a->t.strategy = STREAM_TRIM_MAXLEN;
                a->t.maxlen = (uint64_t)maxlen;
            } else {
                if (parse_strict_id(c, c->argv[i + 1], &a->t.minid) != 0) return -1;
                a->t.strategy = STREAM_TRIM_MINID;
            }
            a->threshold_idx = ++i;
            a->has_strategy = 1;
        } else if (is_word(o, "LIMIT") && more) {
            if (get_ll_or_reply(c, c->argv[i + 1], &limit) != 0) return -1;
            if (limit < 0) {
                reply_error(c, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            is_limit_given = 1;
            a->dropped[i] = a->dropped[i + 1] = 1;
            i++;
        } else if (is_xadd && is_word(o, "NOMKSTREAM")) {
            a->is_nomkstream = 1;
        } else if (!a->has_policy && (policy = stream_refs_policy(o)) >= 0) {
            /* A second policy word falls through: XADD reads it as the ID. */
            a->policy = (RefPolicy)policy;
            a->has_policy = 1;
        } else if (is_xadd) {
            if (stream_id_parse_seq_auto(o.p, o.len, &a->id, &a->is_seq_given) != 0) {
                reply_error(c, ERR_INVALID_ID);
                return -1;
            }
            a->has_id = 1;
            break;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    a->id_idx = i;
    if (is_xadd && stream_idmp_check_xadd_id(c, &a->idmp, a->has_id) != 0) return -1;
    if (limit && !a->has_strategy) {
        reply_error(c, "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                       "strategy");
        return -1;
    }
    if (!is_xadd && !a->has_strategy) {
        reply_error(c, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (c->flags & CLIENT_FAKE) {
        /* Replaying a record (ours or Redis's): its threshold is already the
         * exact effect, whatever LIMIT says. */
        a->t.limit = 0;
    } else if (is_limit_given) {
        if (!a->t.is_approx) {
            reply_error(c, "ERR syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
        a->t.limit = (uint64_t)limit;
    } else if (a->t.is_approx) {
        /* Redis multiplies in a long long and lets a huge node size wrap
         * (to <= 0, then 10000); the same value, computed without signed
         * overflow (the conversion back wraps, as GCC and Clang define it). */
        long long d = (long long)(100ULL * (unsigned long long)server.stream_node_max_entries);
        if (d <= 0) d = 10000;
        if (d > 1000000) d = 1000000;
        a->t.limit = (uint64_t)d;
    }
    return 0;
}

/* Runs the trim of a (XADD, XTRIM) on so with its reference policy. */
static uint64_t trim_by_args(TrimArgs *a, StreamObj *so) {
    RefTrimCtx rc;
    a->is_policy_trim = stream_refs_trim_prepare(&a->t, so, a->policy, &rc);
    a->t.last_removed = &a->last_removed;
    a->n_trimmed = stream_trim(so->s, &a->t);
    return a->n_trimmed;
}

/* Propagates argv with: the ID at id_idx replaced (XADD, when id_text is set),
 * an approximate trim rewritten to "=" with the threshold reached (the length
 * left for MAXLEN, the first entry's ID for MINID, as Redis writes them),
 * and LIMIT (and whatever else a->dropped marks) left out.
 *
 * A trim with a DELREF / ACKED policy, approximate or not, is written as
 * "MINID [=] <the ID after the last entry it removed>" (0-0 when it removed
 * none) with the same policy: it removed, in ID order, the entries the
 * policy let go up to that one, whatever its strategy, and only that form
 * replays it exactly. Redis writes MAXLEN = <length left> (a replay stops
 * at the first node the policy keeps entries of that could not go whole by
 * that count) or the trim as sent (a replay depends on the node layout). */
static void propagate_rewritten(Client *c, const TrimArgs *a, const StreamObj *so,
                                const Slice *id_text) {
    if (!propagate_is_active()) return; /* nothing receives records */
    Slice small[32];
    Slice *argv = c->argc <= 32 ? small : xmalloc((size_t)c->argc * sizeof(Slice));
    char thr[STREAM_ID_MAX_LEN + 1];
    int is_approx = a->has_strategy && a->t.is_approx;
    int is_maxlen = a->t.strategy == STREAM_TRIM_MAXLEN;
    int as_upto = a->has_strategy && a->is_policy_trim; /* MINID [=] upto */
    StreamId upto = stream_id_make(0, 0);
    if (as_upto && a->n_trimmed > 0) {
        upto = a->last_removed;
        /* no successor of the largest ID: then the length left, as Redis
         * writes it (wrong only for a trim stopped early by kept entries) */
        if (stream_id_incr(&upto) != 0) {
            as_upto = 0;
            is_maxlen = 1;
        }
    }
    int n = 0;
    for (int i = 0; i < c->argc; i++) {
        if (a->dropped[i]) continue;
        Slice v = c->argv[i];
        if (a->has_strategy && a->is_policy_trim && i == a->strategy_idx) {
            v = slice_cstr(as_upto ? "MINID" : "MAXLEN");
        } else if (is_approx && i == a->approx_idx) {
            v = slice_cstr("=");
        } else if (as_upto && i == a->threshold_idx) {
            v = format_id(upto, thr);
        } else if (is_approx && i == a->threshold_idx) {
            if (is_maxlen) {
                int len =
                    snprintf(thr, sizeof thr, "%llu", (unsigned long long)stream_length(so->s));
                v = slice_of(thr, (size_t)len);
            } else {
                StreamId first = stream_node_count(so->s) ? stream_head_id(so->s) : ID_MAX;
                v = format_id(first, thr);
            }
        } else if (id_text && i == a->id_idx) {
            v = *id_text;
        }
        argv[n++] = v;
    }
    propagate(c, n, argv);
    if (argv != small) xfree(argv);
}

/* ---- XADD ------------------------------------------------------------------ */

static void cmd_xadd(Client *c) {
    TrimArgs a;
    if (parse_trim_args(c, &a, 1) != 0) goto done;
    int field_pos = a.id_idx + 1;
    int n_args = c->argc - field_pos;
    if (n_args < 2 || n_args % 2 == 1) {
        reply_arity_error(c);
        goto done;
    }
    if (a.has_id && a.is_seq_given && stream_id_is_zero(a.id)) {
        reply_error(c, "ERR The ID specified in XADD must be greater than 0-0");
        goto done;
    }
    Slice key = c->argv[1];
    StreamObj *so;
    if (stream_obj_lookup_write(c, key, &so) != 0) goto done;
    if (!so && a.is_nomkstream) {
        reply_null(c);
        goto done;
    }
    int64_t now = now_ms();
    if (a.idmp.mode &&
        stream_idmp_xadd_dedup(c, key, so, &a.idmp, c->argv + field_pos, (size_t)n_args / 2, now))
        goto done; /* a duplicate: replied with the original ID */
    StreamObj *fresh = NULL;
    if (!so) so = fresh = stream_obj_new(stream_new());
    Stream *s = so->s;
    StreamId last = stream_last_id(s);
    if (last.ms == UINT64_MAX && last.seq == UINT64_MAX) {
        reply_error(c, "ERR The stream has exhausted the last possible ID, unable to add more "
                       "items");
        goto fail;
    }
    StreamIdMode mode = !a.has_id        ? STREAM_ID_AUTO
                        : a.is_seq_given ? STREAM_ID_EXPLICIT
                                         : STREAM_ID_AUTO_SEQ;
    StreamId id;
    int rc = stream_next_id(s, mode, a.id, (uint64_t)now, &id);
    if (rc == STREAM_OK) {
        StreamLimits lim = stream_obj_limits();
        rc = stream_append(s, id, c->argv + field_pos, (size_t)n_args / 2, &lim);
    }
    if (rc != STREAM_OK) {
        if (rc == STREAM_ERR_TOO_BIG)
            reply_error(c, "ERR Elements are too large to be stored");
        else if (rc == STREAM_ERR_EXHAUSTED)
            reply_error(c, "ERR The stream has exhausted the last possible ID, unable to add "
                           "more items");
        else
            reply_error(c, "ERR The ID specified in XADD is equal or smaller than the target "
                           "stream top item");
        goto fail;
    }
    char idbuf[STREAM_ID_MAX_LEN + 1];
    Slice id_text = format_id(id, idbuf);
    reply_bulk_slice(c, id_text);
    if (fresh) {
        fresh->obj = obj_new(OBJ_STREAM, fresh);
        db_add(c->db, key, fresh->obj); /* signals the key */
    } else {
        db_signal_key(c->db, key);
    }
    notify_keyspace_event(NOTIFY_STREAM, "xadd", key, db_index(c->db));
    if (a.has_strategy && trim_by_args(&a, so) > 0)
        notify_keyspace_event(NOTIFY_STREAM, "xtrim", key, db_index(c->db));
    stream_obj_resized(c, so);
    /* The iid is tracked around the XADD record: stream_idmp.c may emit a
     * record before it, leave IDMP out of it (a.dropped) and add records. */
    if (a.idmp.mode)
        stream_idmp_xadd_added(c, key, so, fresh != NULL, &a.idmp, &id, a.dropped, now);
    propagate_rewritten(c, &a, so, &id_text);
    if (a.idmp.records_after) stream_idmp_xadd_propagated(c, key, so, &a.idmp, id);
    goto done;
fail:
    if (fresh) stream_obj_free(fresh);
done:
    trim_args_free(&a);
}

/* ---- XTRIM ----------------------------------------------------------------- */

static void cmd_xtrim(Client *c) {
    TrimArgs a;
    StreamObj *so;
    if (parse_trim_args(c, &a, 0) != 0) goto done;
    if (stream_obj_lookup_write(c, c->argv[1], &so) != 0) goto done;
    if (!so) {
        reply_int(c, 0);
        goto done;
    }
    uint64_t n = trim_by_args(&a, so);
    if (n) {
        stream_obj_resized(c, so);
        db_signal_key(c->db, c->argv[1]);
        notify_keyspace_event(NOTIFY_STREAM, "xtrim", c->argv[1], db_index(c->db));
        propagate_rewritten(c, &a, so, NULL);
    }
    reply_int(c, (long long)n);
done:
    trim_args_free(&a);
}

/* ---- XLEN, XDEL, XSETID ----------------------------------------------------- */

static void cmd_xlen(Client *c) {
    StreamObj *so;
    if (stream_obj_lookup_read(c, c->argv[1], &so) != 0) return;
    reply_int(c, so ? (long long)stream_length(so->s) : 0);
}

static void cmd_xdel(Client *c) {
    StreamObj *so;
    if (stream_obj_lookup_write(c, c->argv[1], &so) != 0) return;
    if (!so) {
        reply_int(c, 0);
        return;
    }
    int n = c->argc - 2;
    StreamId *ids = xmalloc((size_t)n * sizeof(StreamId));
    for (int j = 0; j < n; j++) {
        if (parse_strict_id(c, c->argv[2 + j], &ids[j]) != 0) {
            xfree(ids);
            return;
        }
    }
    long long deleted = 0;
    for (int j = 0; j < n; j++) deleted += stream_delete(so->s, ids[j]);
    xfree(ids);
    if (deleted) {
        stream_obj_resized(c, so);
        db_signal_key(c->db, c->argv[1]);
        notify_keyspace_event(NOTIFY_STREAM, "xdel", c->argv[1], db_index(c->db));
        propagate_argv(c);
    }
    reply_int(c, deleted);
}

/* A lowered entries-added lowers the groups' entries-read above it to it, as
 * Redis does (a group cannot have read more entries than were added; the lag
 * would go negative). */
static void cap_groups_entries_read(StreamObj *so, uint64_t added) {
    if (!so->groups) return;
    ConsumerGroup **gs;
    size_t n = group_set_list(so->groups, &gs);
    for (size_t i = 0; i < n; i++) {
        int64_t er = group_entries_read(gs[i]);
        if (er != GROUP_ENTRIES_READ_INVALID && (uint64_t)er > added)
            group_set_last_id(gs[i], group_last_id(gs[i]), (int64_t)added);
    }
    xfree(gs);
}

static void cmd_xsetid(Client *c) {
    StreamId id, max_deleted = ID_MIN;
    long long entries_added = -1;
    unsigned long long big_added = 0; /* the AOF's value past LLONG_MAX, see below */
    if (parse_strict_id(c, c->argv[2], &id) != 0) return;
    for (int i = 3; i < c->argc;) {
        int more = c->argc - 1 - i;
        if (is_word(c->argv[i], "ENTRIESADDED") && more) {
            /* XADD counts entries-added on past LLONG_MAX as Redis does (its
             * replies then show it negative); a rewrite writes such a value
             * as the unsigned number it is, which only the AOF loader
             * takes, so a reload keeps it (clients keep Redis's limit). */
            Slice v = c->argv[i + 1];
            if ((c->flags & CLIENT_FAKE) && num_parse_ull(v.p, v.len, &big_added) == 0 &&
                big_added > (unsigned long long)LLONG_MAX) {
                i += 2;
                continue;
            }
            big_added = 0;
            if (get_ll_or_reply(c, v, &entries_added) != 0) return;
            if (entries_added < 0) {
                reply_error(c, "ERR entries_added must be positive");
                return;
            }
            i += 2;
        } else if (is_word(c->argv[i], "MAXDELETEDID") && more) {
            if (parse_strict_id(c, c->argv[i + 1], &max_deleted) != 0) return;
            if (stream_id_cmp(id, max_deleted) < 0) {
                reply_error(c, "ERR The ID specified in XSETID is smaller than the provided "
                               "max_deleted_entry_id");
                return;
            }
            i += 2;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    StreamObj *so = stream_obj_lookup_existing(c, c->argv[1], 1);
    if (!so) return;
    Stream *s = so->s;
    /* Checked with or without MAXDELETEDID (Redis 7.2+): the new value
     * replaces the current one only once every check passed. */
    if (stream_id_cmp(id, stream_max_deleted_id(s)) < 0) {
        reply_error(c, "ERR The ID specified in XSETID is smaller than current "
                       "max_deleted_entry_id");
        return;
    }
    if (stream_length(s) > 0) {
        StreamIter it;
        StreamId top;
        size_t nf;
        stream_iter_start(&it, s, ID_MIN, ID_MAX, 1);
        int found = stream_iter_next(&it, &top, &nf);
        if (found && stream_id_cmp(id, top) < 0) {
            reply_error(c, "ERR The ID specified in XSETID is smaller than the target stream top "
                           "item");
            return;
        }
        if (entries_added != -1 && stream_length(s) > (uint64_t)entries_added) {
            reply_error(c, "ERR The entries_added specified in XSETID is smaller than the target "
                           "stream length");
            return;
        }
    }
    if (so->groups && stream_id_cmp(id, stream_last_id(s)) < 0)
        group_set_last_id_lowered(so->groups, id); /* ACKED trims' bound */
    stream_set_last_id(s, id);
    if (big_added) {
        stream_set_entries_added(s, big_added);
    } else if (entries_added != -1) {
        uint64_t before = stream_entries_added(s);
        stream_set_entries_added(s, (uint64_t)entries_added);
        if ((uint64_t)entries_added < before) cap_groups_entries_read(so, (uint64_t)entries_added);
    }
    if (!stream_id_is_zero(max_deleted)) stream_set_max_deleted_id(s, max_deleted);
    /* As in Redis, XSETID leaves a WATCH on the key standing. */
    db_wake_key(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_STREAM, "xsetid", c->argv[1], db_index(c->db));
    propagate_argv(c);
    reply_ok(c);
}

/* ---- XRANGE / XREVRANGE ---------------------------------------------------- */

static void range_command(Client *c, int is_reverse) {
    Slice start_arg = c->argv[is_reverse ? 3 : 2], end_arg = c->argv[is_reverse ? 2 : 3];
    StreamId start, end;
    int is_excl;
    int flags = STREAM_ID_ALLOW_MINMAX | STREAM_ID_ALLOW_EXCL;
    if (stream_id_parse(start_arg.p, start_arg.len, flags, &start, &is_excl) != 0) {
        reply_error(c, ERR_INVALID_ID);
        return;
    }
    if (is_excl && stream_id_incr(&start) != 0) {
        reply_error(c, "ERR invalid start ID for the interval");
        return;
    }
    if (stream_id_parse(end_arg.p, end_arg.len, flags | STREAM_ID_SEQ_MAX, &end, &is_excl) != 0) {
        reply_error(c, ERR_INVALID_ID);
        return;
    }
    if (is_excl && stream_id_decr(&end) != 0) {
        reply_error(c, "ERR invalid end ID for the interval");
        return;
    }
    long long count = -1;
    for (int j = 4; j < c->argc; j++) {
        if (is_word(c->argv[j], "COUNT") && j + 1 < c->argc) {
            if (get_ll_or_reply(c, c->argv[j + 1], &count) != 0) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    StreamObj *so;
    if (stream_obj_lookup_read(c, c->argv[1], &so) != 0) return;
    if (!so) {
        reply_empty_array(c);
        return;
    }
    if (count == 0) {
        reply_null_array(c);
        return;
    }
    stream_reply_range(c, so->s, start, end, count < 0 ? 0 : (uint64_t)count, is_reverse);
}

static void cmd_xrange(Client *c) {
    range_command(c, 0);
}

static void cmd_xrevrange(Client *c) {
    range_command(c, 1);
}

/* ---- XREAD ------------------------------------------------------------------ */

/* One key of an XREAD, and what the reader last saw there. */
typedef struct XreadKey {
    StreamId id;     /* entries above this one are served */
    uint64_t serial; /* the stream value seen (StreamObj.serial); 0: none */
    uint64_t added;  /* its entries-added count then */
} XreadKey;

typedef struct XreadCtx {
    int streams_arg; /* argv index of the first key */
    int n_keys;
    long long count; /* 0: no limit */
    ReadCaps caps;   /* MAXCOUNT / MAXSIZE over the whole reply */
    XreadKey keys[]; /* in the command's order */
} XreadCtx;

/* Replies with every stream that has entries above its ID, within the read
 * caps; returns how many streams were served (nothing is written when none). */
static int xread_serve(Client *c, XreadCtx *x) {
    int served = 0;
    ReplyDeferred d = {0};
    read_caps_reset(&x->caps, c);
    for (int i = 0; i < x->n_keys && read_caps_next_stream(&x->caps, c); i++) {
        Slice key = c->argv[x->streams_arg + i];
        Obj *o = db_lookup_read(c->db, key);
        if (!o || o->type != OBJ_STREAM) continue;
        StreamObj *so = o->ptr;
        if (stream_length(so->s) == 0) continue;
        StreamIter it;
        StreamId top;
        size_t nf;
        stream_iter_start(&it, so->s, ID_MIN, ID_MAX, 1);
        if (!stream_iter_next(&it, &top, &nf) || stream_id_cmp(top, x->keys[i].id) <= 0) continue;
        StreamId start = x->keys[i].id, id;
        (void)stream_id_incr(&start); /* cannot overflow: top is above it */
        if (served == 0) d = reply_defer(c);
        size_t stream_at = reply_len(c);
        if (c->resp == 2) reply_array(c, 2);
        reply_bulk_slice(c, key);
        ReplyDeferred de = reply_defer(c);
        long long limit = read_caps_stream_count(&x->caps, x->count), n = 0;
        stream_iter_start(&it, so->s, start, ID_MAX, 0);
        while ((limit == 0 || n < limit) && read_caps_next_entry(&x->caps) &&
               stream_iter_next(&it, &id, &nf)) {
            size_t at = reply_len(c);
            stream_reply_entry(c, &it, id, nf);
            if (!read_caps_keep(&x->caps, c, at)) break;
            n++;
        }
        if (n == 0) {
            /* MAXSIZE refused the stream's first entry: no stream either */
            reply_truncate(c, stream_at);
            break;
        }
        reply_set_array_len(c, de, (size_t)n);
        served++;
    }
    if (served) {
        if (c->resp == 2)
            reply_set_array_len(c, d, (size_t)served);
        else
            reply_set_map_len(c, d, (size_t)served);
    }
    return served;
}

/* The ID "+" stands for: just below the stream's last live entry, so that
 * entry is read; 0-0 for a missing or empty stream. Borrows so. */
static StreamId plus_id(const StreamObj *so) {
    StreamId id = ID_MIN;
    if (so && stream_length(so->s) > 0) {
        StreamIter it;
        size_t nf;
        stream_iter_start(&it, so->s, ID_MIN, ID_MAX, 1);
        if (stream_iter_next(&it, &id, &nf)) (void)stream_id_decr(&id);
    }
    return id;
}

/* Records the stream value k's key holds now (so: NULL for none). */
static void xread_note(XreadKey *k, const StreamObj *so) {
    k->serial = so ? so->serial : 0;
    k->added = so ? stream_entries_added(so->s) : 0;
}

/* Whether Redis would run a reader waiting on key again for the change just
 * signalled: the key holds a stream that got an entry or that the reader has
 * not seen (a deleted key, another type, or a trim does not count). Notes
 * what every occurrence of key in the command holds now. */
static int xread_key_woke(Client *c, XreadCtx *x, Slice key) {
    Obj *o = db_lookup_read(c->db, key);
    const StreamObj *so = o && o->type == OBJ_STREAM ? o->ptr : NULL;
    int woke = 0;
    for (int i = 0; i < x->n_keys; i++) {
        if (!slice_eq(c->argv[x->streams_arg + i], key)) continue;
        XreadKey *k = &x->keys[i];
        woke |= so && (so->serial != k->serial || stream_entries_added(so->s) != k->added);
        xread_note(k, so);
    }
    return woke;
}

/* A key of a blocked XREAD was signalled. When Redis would run the command
 * again, it is run again from its resolved IDs: every key is looked up in
 * order (WRONGTYPE for the first that holds another type ends the wait), "+"
 * is resolved anew (the reader gets the stream's last entry, not everything
 * added meanwhile), and the streams with entries are served. "$" keeps the ID
 * it was resolved to when the command first ran. */
static int xread_on_ready(Client *c, const Slice *key, void *ctx) {
    XreadCtx *x = ctx;
    if (key && !xread_key_woke(c, x, *key)) return 0;
    for (int i = 0; i < x->n_keys; i++) {
        StreamObj *so;
        if (stream_obj_lookup_read(c, c->argv[x->streams_arg + i], &so) != 0) return 1;
        xread_note(&x->keys[i], so);
        if (is_char(c->argv[x->streams_arg + x->n_keys + i], '+')) x->keys[i].id = plus_id(so);
    }
    return xread_serve(c, x) > 0;
}

static void cmd_xread(Client *c) {
    long long count = 0;
    int64_t deadline = -1; /* -1: no BLOCK */
    int streams_arg = 0, n_keys = 0, rc;
    ReadCaps caps = {0};
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        Slice o = c->argv[i];
        if (more && (rc = read_caps_parse_arg(c, i, &caps)) != 0) {
            if (rc < 0) return;
            i++;
        } else if (is_word(o, "BLOCK") && more) {
            if (block_refused_in_script(c)) return;
            i++;
            if (parse_block_timeout_ms(c, c->argv[i], &deadline) != 0) return;
        } else if (is_word(o, "COUNT") && more) {
            i++;
            if (get_ll_or_reply(c, c->argv[i], &count) != 0) return;
            if (count < 0) count = 0;
        } else if (is_word(o, "STREAMS") && more) {
            streams_arg = i + 1;
            int rest = c->argc - streams_arg;
            if (rest % 2 != 0) {
                reply_error(c, "ERR Unbalanced 'xread' list of streams: for each stream key an "
                               "ID, '+', or '$' must be specified.");
                return;
            }
            n_keys = rest / 2;
            break;
        } else if (is_word(o, "NOACK")) {
            reply_error(c, "ERR The NOACK option is only supported by XREADGROUP. You called "
                           "XREAD instead.");
            return;
        } else if (is_word(o, "GROUP") && more >= 2) {
            reply_error(c, "ERR The GROUP option is only supported by XREADGROUP. You called "
                           "XREAD instead.");
            return;
        } else if (is_word(o, "CLAIM") && more) {
            /* Redis 8.4's tests pin only the opening words of this text; the
             * rest follows the NOACK and GROUP refusals above. */
            reply_error(c, "ERR The CLAIM option is only supported by XREADGROUP. You called "
                           "XREAD instead.");
            return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (streams_arg == 0) {
        reply_syntax_error(c);
        return;
    }
    if (read_caps_check(c, &caps, count) != 0) return;
    XreadCtx *x = xmalloc(sizeof(*x) + (size_t)n_keys * sizeof(XreadKey));
    x->streams_arg = streams_arg;
    x->n_keys = n_keys;
    x->count = count;
    x->caps = caps;
    for (int i = 0; i < n_keys; i++) {
        Slice key = c->argv[streams_arg + i], arg = c->argv[streams_arg + n_keys + i];
        StreamObj *so;
        if (stream_obj_lookup_read(c, key, &so) != 0) goto fail;
        xread_note(&x->keys[i], so);
        if (is_char(arg, '$')) {
            x->keys[i].id = so ? stream_last_id(so->s) : ID_MIN;
        } else if (is_char(arg, '+')) {
            x->keys[i].id = plus_id(so); /* 7.4: the last entry */
        } else if (is_char(arg, '>')) {
            reply_error(c, "ERR The > ID can be specified only when calling XREADGROUP using the "
                           "GROUP <group> <consumer> option.");
            goto fail;
        } else if (parse_strict_id(c, arg, &x->keys[i].id) != 0) {
            goto fail;
        }
    }
    if (xread_serve(c, x) > 0) goto fail; /* served: nothing to keep */
    if (deadline < 0 || (c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI))) {
        reply_null_array(c);
        goto fail;
    }
    block_on_keys(c, c->argv + streams_arg, n_keys, deadline, xread_on_ready, NULL, x, xfree);
    return;
fail:
    xfree(x);
}

/* ---- XINFO STREAM / HELP --------------------------------------------------- */

static void reply_edge_entry(Client *c, const Stream *s, int is_last) {
    StreamIter it;
    StreamId id;
    size_t nf;
    stream_iter_start(&it, s, ID_MIN, ID_MAX, is_last);
    if (stream_iter_next(&it, &id, &nf))
        stream_reply_entry(c, &it, id, nf);
    else
        reply_null(c);
}

static void cmd_xinfo_stream(Client *c) {
    StreamObj *so = stream_obj_lookup_existing(c, c->argv[2], 0);
    if (!so) return;
    int is_full = 0;
    long long count = 10;
    if (c->argc > 3) {
        int ok = is_word(c->argv[3], "FULL") &&
                 (c->argc == 4 || (c->argc == 6 && is_word(c->argv[4], "COUNT")));
        if (!ok) {
            reply_error(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                        "XINFO HELP.",
                        (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
            return;
        }
        is_full = 1;
        if (c->argc == 6) {
            if (get_ll_or_reply(c, c->argv[5], &count) != 0) return;
            if (count < 0) count = 10;
        }
    }
    Stream *s = so->s;
    size_t n_groups = so->groups ? group_set_len(so->groups) : 0;
    reply_map(c, (is_full ? 9 : 10) + STREAM_IDMP_INFO_PAIRS);
    reply_bulk_cstr(c, "length");
    reply_int(c, (long long)stream_length(s));
    reply_bulk_cstr(c, "radix-tree-keys");
    reply_int(c, (long long)stream_node_count(s));
    reply_bulk_cstr(c, "radix-tree-nodes");
    reply_int(c, (long long)stream_rax_node_count(s));
    reply_bulk_cstr(c, "last-generated-id");
    stream_reply_id(c, stream_last_id(s));
    reply_bulk_cstr(c, "max-deleted-entry-id");
    stream_reply_id(c, stream_max_deleted_id(s));
    reply_bulk_cstr(c, "entries-added");
    reply_int(c, (long long)stream_entries_added(s));
    reply_bulk_cstr(c, "recorded-first-entry-id");
    stream_reply_id(c, stream_first_id(s));
    stream_idmp_reply_info(c, so);
    if (!is_full) {
        reply_bulk_cstr(c, "groups");
        reply_int(c, (long long)n_groups);
        reply_bulk_cstr(c, "first-entry");
        reply_edge_entry(c, s, 0);
        reply_bulk_cstr(c, "last-entry");
        reply_edge_entry(c, s, 1);
        return;
    }
    reply_bulk_cstr(c, "entries");
    stream_reply_range(c, s, ID_MIN, ID_MAX, (uint64_t)count, 0);
    reply_bulk_cstr(c, "groups");
    if (n_groups == 0 || !xinfo_groups_fn)
        reply_array(c, 0);
    else
        xinfo_groups_fn(c, so, count);
}

static void cmd_xinfo_help(Client *c) {
    static const char *lines[] = {
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

/* ---- the command table ------------------------------------------------------ */

/* XINFO's subcommands. src/cmd/group.c adds its "groups" and "consumers"
 * entries here (their handlers are declared in its own header). */
static const Command xinfo_subcommands[] = {
    {"stream", cmd_xinfo_stream, -3, CMD_READONLY, "@read @stream @slow", 2, 2, 1, NULL},
    {"groups", cmd_xinfo_groups, 3, CMD_READONLY, "@read @stream @slow", 2, 2, 1, NULL},
    {"consumers", cmd_xinfo_consumers, 4, CMD_READONLY, "@read @stream @slow", 2, 2, 1, NULL},
    {"help", cmd_xinfo_help, 2, CMD_LOADING | CMD_STALE, "@stream @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command stream_commands[] = {
    {"xadd", cmd_xadd, -5, CMD_WRITE | CMD_DENYOOM | CMD_FAST, "@write @stream @fast", 1, 1, 1,
     NULL},
    {"xrange", cmd_xrange, -4, CMD_READONLY, "@read @stream @slow", 1, 1, 1, NULL},
    {"xrevrange", cmd_xrevrange, -4, CMD_READONLY, "@read @stream @slow", 1, 1, 1, NULL},
    {"xlen", cmd_xlen, 2, CMD_READONLY | CMD_FAST, "@read @stream @fast", 1, 1, 1, NULL},
    {"xdel", cmd_xdel, -3, CMD_WRITE | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    {"xtrim", cmd_xtrim, -4, CMD_WRITE, "@write @stream @slow", 1, 1, 1, NULL},
    {"xsetid", cmd_xsetid, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, "@write @stream @fast", 1, 1, 1,
     NULL},
    {"xread", cmd_xread, -4, CMD_READONLY | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     "@read @stream @slow @blocking", 0, 0, 0, NULL},
    {"xinfo", NULL, -2, 0, "@slow", 0, 0, 0, xinfo_subcommands},
    END_OF_COMMANDS,
};
