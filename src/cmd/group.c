/*
 * group.c - consumer group commands: XGROUP, XREADGROUP (with Redis 8.4's
 * CLAIM), XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS / CONSUMERS and
 * the groups part of XINFO STREAM. XNACK is in group_nack.c.
 *
 * Handlers parse in Redis's order (so that the first error a client sees is
 * Redis's first error), then call the group library (stream/group.h) and the
 * stream library, reply, and propagate what changed:
 *
 *   XREADGROUP   XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n>
 *                       FORCE JUSTID LASTID <last-id>  per entry delivered or claimed
 *                XGROUP SETID <key> <group> <last-id> ENTRIESREAD <n>
 *                                                           when last-id moved
 *   XCLAIM,      the same XCLAIM form per entry claimed
 *   XAUTOCLAIM
 *   XCLAIM,      XACK <key> <group> <id> per pending entry dropped because
 *   XAUTOCLAIM   its stream entry is gone (XREADGROUP CLAIM passes over them)
 *   consumers    XGROUP CREATECONSUMER whenever a command creates one
 *   XACK, XGROUP as sent
 *
 * Where Redis leaves state out of its records we do not: reading a
 * consumer's history (XREADGROUP with an ID) bumps delivery counts, and a
 * consumer created by a read that delivered nothing exists; both are
 * propagated so that a replayed AOF has the same groups.
 *
 * Released (XNACK) entries have no consumer: XPENDING and XINFO show them
 * with the empty name, XCLAIM and XAUTOCLAIM take them whatever their
 * min-idle-time, and XREADGROUP CLAIM serves them before any other pending
 * entry, with the idle time now - 0 (their delivery time is 0, as in Redis,
 * whose claim loop compares that with min-idle-time like any other). CLAIM
 * walks the group's idle order (pel_idle_seek) from its front and stops at
 * the first entry not idle enough, so it never scans the PEL.
 *
 * Blocking XREADGROUP waits through block_on_keys(); when woken it resolves
 * its keys and group again like a fresh call (Redis 7.2+ re-runs the
 * command, so a deleted key or destroyed group gets XREADGROUP's NOGROUP
 * error and a retyped key WRONGTYPE; 7.0 had texts of their own), then
 * serves, or waits on. A CLAIM
 * reader also asks for a wake-up (block_set_wakeup) at the time the oldest
 * pending entry becomes idle enough, since no command signals that.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "cmd/group.h"
#include "cmd/stream_obj.h"
#include "cmd/stream_refs.h"
#include "server/server.h"
#include "stream/group.h"
#include "stream/stream.h"

#define ID_BUF              (STREAM_ID_MAX_LEN + 1)
#define STREAM_ID_MAX_VALUE stream_id_make(UINT64_MAX, UINT64_MAX)

/* ---- Small helpers ----------------------------------------------------- */

static Slice id_slice(StreamId id, char *buf) {
    return slice_of(buf, stream_id_format(id, buf));
}

/* A number as text in buf (>= 21 bytes); snprintf costs too much per entry. */
static Slice ll_slice(long long v, char *buf) {
    char tmp[24];
    size_t n = 0, k = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) buf[k++] = '-';
    while (n) buf[k++] = tmp[--n];
    return slice_of(buf, k);
}

/* Length of a name as Redis prints it in an error (a C string: up to NUL). */
static int cstr_len(Slice s) {
    const char *nul = memchr(s.p, '\0', s.len);
    size_t n = nul ? (size_t)(nul - s.p) : s.len;
    return n > 1024 ? 1024 : (int)n;
}

static int is_word(Slice s, const char *w) {
    return slice_eq_nocase(s, w);
}

/* Redis's streamParseStrictIDOrReply: "<ms>" or "<ms>-<seq>", no "-"/"+". */
static int parse_strict_id(Slice s, StreamId *id) {
    return stream_id_parse(s.p, s.len, 0, id, NULL);
}

static void reply_invalid_id(Client *c) {
    reply_error(c, "ERR Invalid stream ID specified as stream command argument");
}

/* A range bound: "(" + strict ID for an exclusive bound, else an ID with "-"
 * and "+" allowed. missing_seq_max fills a missing sequence with the max. */
static int parse_interval_id(Client *c, Slice s, int missing_seq_max, StreamId *id, int *excl) {
    int flags = missing_seq_max ? STREAM_ID_SEQ_MAX : 0;
    *excl = s.len > 1 && s.p[0] == '(';
    int rc = *excl ? stream_id_parse(s.p + 1, s.len - 1, flags, id, NULL)
                   : stream_id_parse(s.p, s.len, flags | STREAM_ID_ALLOW_MINMAX, id, NULL);
    if (rc != 0) {
        reply_invalid_id(c);
        return -1;
    }
    return 0;
}

/* The stream value of a key, or NULL when the key is missing; replies
 * WRONGTYPE and sets *failed when the key holds something else. */
static StreamObj *lookup(Client *c, Slice key, int for_write, int *failed) {
    StreamObj *so = NULL;
    int rc = for_write ? stream_obj_lookup_write(c, key, &so) : stream_obj_lookup_read(c, key, &so);
    *failed = rc != 0;
    return so;
}

static ConsumerGroup *find_group(StreamObj *so, Slice name) {
    return so ? group_set_find(so->groups, name) : NULL;
}

/* The lookup XPENDING, XCLAIM, XAUTOCLAIM and XNACK start with: the key's
 * group, or NULL after replying (WRONGTYPE, or NOGROUP with the text these
 * commands share). *so_out is the stream (NULL when the key is missing). */
ConsumerGroup *group_cmd_find_or_reply(Client *c, Slice key, Slice gname, int for_write,
                                       StreamObj **so_out) {
    int failed;
    StreamObj *so = lookup(c, key, for_write, &failed);
    *so_out = so;
    if (failed) return NULL;
    ConsumerGroup *g = find_group(so, gname);
    if (!g)
        reply_error(c, "NOGROUP No such key '%.*s' or consumer group '%.*s'", cstr_len(key), key.p,
                    cstr_len(gname), gname.p);
    return g;
}

/* Positions it on entry id if the stream has it; returns 1 and its field
 * count in *n_fields, else 0. */
static int seek_entry(const Stream *s, StreamIter *it, StreamId id, size_t *n_fields) {
    StreamId got;
    stream_iter_start(it, s, id, id, 0);
    return stream_iter_next(it, &got, n_fields);
}

/* Replies with entry id in the form XRANGE uses, or returns 0 if it is gone. */
static int reply_entry_by_id(Client *c, const Stream *s, StreamId id) {
    StreamIter it;
    size_t nf;
    if (!seek_entry(s, &it, id, &nf)) return 0;
    stream_reply_entry(c, &it, id, nf);
    return 1;
}

/* Subtraction clamped to the int64 range (client-given times can be extreme). */
static int64_t sub_clamped(int64_t a, long long b) {
    if (b < 0 && a > INT64_MAX + b) return INT64_MAX;
    if (b > 0 && a < INT64_MIN + b) return INT64_MIN;
    return a - b;
}

/* A delivery count one higher, stopping at LLONG_MAX (XNACK FATAL's value)
 * so that replies never turn negative. */
static uint64_t count_plus_one(uint64_t n) {
    return n < (uint64_t)LLONG_MAX ? n + 1 : n;
}

/* Whether a pending entry may be claimed by XCLAIM or XAUTOCLAIM with this
 * min-idle-time: released (XNACK) entries always, others when idle enough. */
static int claimable(const Pel *p, PelRef r, int64_t now, long long minidle) {
    return pel_is_released(p, r) || sub_clamped(now, pel_delivery_ms(p, r)) >= minidle;
}

/* ---- Propagation ------------------------------------------------------- */

/* Whether records are wanted at all: XREADGROUP would otherwise format two
 * records per entry for nothing. */
static int records_wanted(void) {
    return propagate_is_active();
}

/* XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID
 * LASTID <last-id>: recreates one pending entry exactly on replay. */
static void propagate_claim(Client *c, Slice key, Slice group, ConsumerGroup *g, PelRef r) {
    if (!records_wanted()) return;
    const Pel *p = group_pel_c(g);
    char idb[ID_BUF], lastb[ID_BUF], timeb[24], countb[24];
    Slice argv[14] = {
        slice_cstr("XCLAIM"),
        key,
        group,
        group_consumer_name(g, pel_owner(p, r)),
        slice_cstr("0"),
        id_slice(pel_id(p, r), idb),
        slice_cstr("TIME"),
        ll_slice(pel_delivery_ms(p, r), timeb),
        slice_cstr("RETRYCOUNT"),
        ll_slice((long long)pel_delivery_count(p, r), countb),
        slice_cstr("FORCE"),
        slice_cstr("JUSTID"),
        slice_cstr("LASTID"),
        id_slice(group_last_id(g), lastb),
    };
    propagate(c, 14, argv);
}

/* XACK <key> <group> <id>: a pending entry whose stream entry is gone was
 * dropped (owned or released alike). */
static void propagate_drop(Client *c, Slice key, Slice group, ConsumerGroup *g, PelRef r) {
    if (!records_wanted()) return;
    char idb[ID_BUF];
    Slice argv[4] = {slice_cstr("XACK"), key, group, id_slice(pel_id(group_pel_c(g), r), idb)};
    propagate(c, 4, argv);
}

/* XGROUP SETID <key> <group> <last-id> ENTRIESREAD <n>. */
static void propagate_setid(Client *c, Slice key, Slice group, ConsumerGroup *g) {
    if (!records_wanted()) return;
    char idb[ID_BUF], nb[24];
    Slice argv[7] = {
        slice_cstr("XGROUP"),
        slice_cstr("SETID"),
        key,
        group,
        id_slice(group_last_id(g), idb),
        slice_cstr("ENTRIESREAD"),
        ll_slice(group_entries_read(g), nb),
    };
    propagate(c, 7, argv);
}

/* Looks a consumer up, creating it (and propagating the creation) if needed,
 * and marks it seen now. */
static ConsumerId consumer_get(Client *c, Slice key, Slice group, ConsumerGroup *g, Slice name,
                               int64_t now) {
    ConsumerId id = group_consumer_find(g, name);
    if (id == GROUP_NO_CONSUMER) {
        id = group_consumer_create(g, name, now);
        Slice argv[5] = {slice_cstr("XGROUP"), slice_cstr("CREATECONSUMER"), key, group, name};
        propagate(c, 5, argv);
        server.dirty++;
        notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db_index(c->db));
    }
    group_consumer_touch(g, id, now, 0);
    return id;
}

/* ---- XGROUP ------------------------------------------------------------ */

static void xgroup_help(Client *c) {
    static const char *const lines[] = {
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static void reply_subcommand_syntax(Client *c, const char *parent) {
    Slice sub = c->argv[1];
    int n = cstr_len(sub);
    if (n > 128) n = 128;
    reply_error(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                n, sub.p, parent);
}

/* An ENTRIESREAD above the entries the stream ever had counts them all, as in
 * Redis (the lag would otherwise go negative). Not for the AOF loader: the
 * records carry the value in effect, which reading can have taken past
 * entries-added (a group told it had read more than it had, then reading,
 * counts on from there), and a rewrite's XSETID comes before its groups. */
static long long cap_entries_read(const Client *c, const StreamObj *so, long long entries_read) {
    uint64_t added = stream_entries_added(so->s);
    if (entries_read != GROUP_ENTRIES_READ_INVALID && (uint64_t)entries_read > added &&
        !(c->flags & CLIENT_FAKE))
        return (long long)added;
    return entries_read;
}

/* All XGROUP subcommands share one handler, as their option parsing and key
 * checks come first and in the same order for all of them. */
static void cmd_xgroup(Client *c) {
    Slice sub = c->argv[1];
    int is_create = is_word(sub, "create"), is_setid = is_word(sub, "setid");
    int mkstream = 0;
    long long entries_read = GROUP_ENTRIES_READ_INVALID;
    StreamObj *so = NULL;
    ConsumerGroup *g = NULL;
    Slice key = {0}, gname = {0};

    if (c->argc >= 4) {
        for (int i = 5; i < c->argc;) {
            if (is_create && is_word(c->argv[i], "mkstream")) {
                mkstream = 1;
                i++;
            } else if ((is_create || is_setid) && is_word(c->argv[i], "entriesread") &&
                       i + 1 < c->argc) {
                if (get_ll_or_reply(c, c->argv[i + 1], &entries_read) != 0) return;
                if (entries_read < 0 && entries_read != GROUP_ENTRIES_READ_INVALID) {
                    reply_error(c, "ERR value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i += 2;
            } else {
                reply_subcommand_syntax(c, "XGROUP");
                return;
            }
        }
        key = c->argv[2];
        gname = c->argv[3];
        int failed;
        so = lookup(c, key, 1, &failed);
        if (failed) return;
    }

    if (c->argc >= 4 && !mkstream) {
        if (!so) {
            reply_error(c, "ERR The XGROUP subcommand requires the key to exist. Note that for "
                           "CREATE you may want to use the MKSTREAM option to create an empty "
                           "stream automatically.");
            return;
        }
        g = find_group(so, gname);
        if (!g && (is_setid || is_word(sub, "createconsumer") || is_word(sub, "delconsumer"))) {
            reply_error(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        cstr_len(gname), gname.p, cstr_len(key), key.p);
            return;
        }
    }

    if (c->argc == 2 && is_word(sub, "help")) {
        xgroup_help(c);
    } else if (is_create && c->argc >= 5 && c->argc <= 8) {
        StreamId id;
        Slice ida = c->argv[4];
        if (ida.len == 1 && ida.p[0] == '$') {
            id = so ? stream_last_id(so->s) : stream_id_make(0, 0);
        } else if (parse_strict_id(ida, &id) != 0) {
            reply_invalid_id(c);
            return;
        }
        if (!so) {
            so = stream_obj_create(c, key);
            db_signal_key(c->db, key);
        }
        if (!so->groups) so->groups = group_set_new();
        long long asked = entries_read;
        entries_read = cap_entries_read(c, so, entries_read);
        if (!group_set_create(so->groups, gname, id, entries_read)) {
            reply_error(c, "BUSYGROUP Consumer Group name already exists");
            return;
        }
        server.dirty++;
        notify_keyspace_event(NOTIFY_STREAM, "xgroup-create", key, db_index(c->db));
        /* The record names the ID "$" stood for, and the ENTRIESREAD in
         * effect (replay does not cap it again). */
        char idb[ID_BUF], nb[24];
        Slice argv[8];
        int argc = c->argc;
        memcpy(argv, c->argv, sizeof(Slice) * (size_t)argc);
        argv[4] = id_slice(id, idb);
        if (entries_read != asked)
            for (int i = 5; i + 1 < argc; i++)
                if (is_word(argv[i], "entriesread")) argv[++i] = ll_slice(entries_read, nb);
        propagate(c, argc, argv);
        reply_ok(c);
    } else if (is_setid && (c->argc == 5 || c->argc == 7)) {
        StreamId id;
        Slice ida = c->argv[4];
        if (ida.len == 1 && ida.p[0] == '$') {
            id = stream_last_id(so->s);
        } else if (stream_id_parse(ida.p, ida.len, STREAM_ID_ALLOW_MINMAX, &id, NULL) != 0) {
            reply_invalid_id(c);
            return;
        }
        entries_read = cap_entries_read(c, so, entries_read);
        group_set_last_id(g, id, entries_read);
        server.dirty++;
        notify_keyspace_event(NOTIFY_STREAM, "xgroup-setid", key, db_index(c->db));
        /* Replay must not depend on the stream's last ID at that time. */
        char idb[ID_BUF], nb[24];
        Slice argv[7] = {
            slice_cstr("XGROUP"),      slice_cstr("SETID"),       key, gname, id_slice(id, idb),
            slice_cstr("ENTRIESREAD"), ll_slice(entries_read, nb)};
        propagate(c, 7, argv);
        reply_ok(c);
    } else if (is_word(sub, "destroy") && c->argc == 4) {
        if (g) {
            group_set_destroy(so->groups, gname);
            notify_keyspace_event(NOTIFY_STREAM, "xgroup-destroy", key, db_index(c->db));
            propagate_argv(c);
            /* Readers blocked on the group learn that it is gone; as in
             * Redis, a WATCH on the key stands. */
            db_wake_key(c->db, key);
            reply_int(c, 1);
        } else {
            reply_int(c, 0);
        }
    } else if (is_word(sub, "createconsumer") && c->argc == 5) {
        ConsumerId id = group_consumer_create(g, c->argv[4], now_ms());
        if (id != GROUP_NO_CONSUMER) {
            server.dirty++;
            notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db_index(c->db));
            propagate_argv(c);
        }
        reply_int(c, id != GROUP_NO_CONSUMER);
    } else if (is_word(sub, "delconsumer") && c->argc == 5) {
        long long pending = 0;
        ConsumerId id = group_consumer_find(g, c->argv[4]);
        if (id != GROUP_NO_CONSUMER) {
            pending = (long long)group_consumer_delete(g, id);
            server.dirty++;
            notify_keyspace_event(NOTIFY_STREAM, "xgroup-delconsumer", key, db_index(c->db));
            propagate_argv(c);
        }
        reply_int(c, pending);
    } else {
        reply_subcommand_syntax(c, "XGROUP");
    }
}

/* ---- XREADGROUP -------------------------------------------------------- */

typedef struct ReadArgs {
    int has_block;
    int64_t deadline_ms;
    long long count; /* 0: no limit */
    int noack;
    int has_claim;      /* CLAIM min-idle-time */
    long long min_idle; /* its value */
    Slice group, consumer;
    int streams_arg, n_streams;
    ReadCaps caps;   /* MAXCOUNT / MAXSIZE (src/cmd/stream_refs.c) */
    int64_t wake_ms; /* set by xrg_serve: when a pending entry becomes claimable */
} ReadArgs;

/* Parses the options; replies and returns -1 on error. In a blocked client
 * being served again the timeout was parsed already and is skipped. */
static int xrg_parse(Client *c, ReadArgs *a, int is_reprocessing) {
    memset(a, 0, sizeof *a);
    int have_group = 0, rc;
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        Slice o = c->argv[i];
        if (more && (rc = read_caps_parse_arg(c, i, &a->caps)) != 0) {
            if (rc < 0) return -1;
            i++;
        } else if (is_word(o, "block") && more) {
            if (block_refused_in_script(c)) return -1;
            i++;
            a->has_block = 1;
            if (!is_reprocessing && parse_block_timeout_ms(c, c->argv[i], &a->deadline_ms) != 0)
                return -1;
        } else if (is_word(o, "count") && more) {
            i++;
            if (get_ll_or_reply(c, c->argv[i], &a->count) != 0) return -1;
            if (a->count < 0) a->count = 0;
        } else if (is_word(o, "streams") && more) {
            a->streams_arg = i + 1;
            int n = c->argc - a->streams_arg;
            if (n % 2 != 0) {
                reply_error(c, "ERR Unbalanced 'xreadgroup' list of streams: for each stream key "
                               "an ID or '>' must be specified.");
                return -1;
            }
            a->n_streams = n / 2;
            break;
        } else if (is_word(o, "group") && more >= 2) {
            a->group = c->argv[i + 1];
            a->consumer = c->argv[i + 2];
            have_group = 1;
            i += 2;
        } else if (is_word(o, "noack")) {
            a->noack = 1;
        } else if (is_word(o, "claim") && more) {
            /* The last CLAIM wins, as the last COUNT does. */
            i++;
            if (parse_ll(c->argv[i], &a->min_idle) != 0) {
                reply_error(c, "ERR min-idle-time is not an integer or out of range");
                return -1;
            }
            if (a->min_idle < 0) {
                reply_error(c, "ERR min-idle-time must be a positive integer");
                return -1;
            }
            a->has_claim = 1;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (a->streams_arg == 0) {
        reply_syntax_error(c);
        return -1;
    }
    if (!have_group) {
        reply_error(c, "ERR Missing GROUP option for XREADGROUP");
        return -1;
    }
    return read_caps_check(c, &a->caps, a->count);
}

/* One stream of an XREADGROUP call. */
typedef struct ReadTarget {
    Slice key;
    StreamObj *so;
    ConsumerGroup *g;
    StreamId after; /* history: entries after this ID; new: unused */
    int is_new;     /* ">" */
} ReadTarget;

/* Resolves keys, groups and IDs in Redis's order; replies and returns -1 on
 * the first error. */
static int xrg_resolve(Client *c, const ReadArgs *a, ReadTarget *t) {
    for (int i = 0; i < a->n_streams; i++) {
        Slice key = c->argv[a->streams_arg + i];
        Slice ida = c->argv[a->streams_arg + a->n_streams + i];
        int failed;
        StreamObj *so = lookup(c, key, 0, &failed);
        if (failed) return -1;
        ConsumerGroup *g = find_group(so, a->group);
        if (!g) {
            reply_error(c,
                        "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP with "
                        "GROUP option",
                        cstr_len(key), key.p, cstr_len(a->group), a->group.p);
            return -1;
        }
        t[i].key = key;
        t[i].so = so;
        t[i].g = g;
        t[i].is_new = 0;
        if (ida.len == 1 && (ida.p[0] == '$' || ida.p[0] == '+')) {
            reply_error(c,
                        "ERR The %c ID is meaningless in the context of XREADGROUP: you want to "
                        "read the history of this consumer by specifying a proper ID, or use the "
                        "> ID to get new messages. The %c ID would just return an empty result "
                        "set.",
                        ida.p[0], ida.p[0]);
            return -1;
        }
        if (ida.len == 1 && ida.p[0] == '>') {
            t[i].is_new = 1;
            continue;
        }
        if (parse_strict_id(ida, &t[i].after) != 0) {
            reply_invalid_id(c);
            return -1;
        }
        /* The largest ID is how Redis spells ">" internally, so it means ">". */
        if (stream_id_cmp(t[i].after, STREAM_ID_MAX_VALUE) == 0) t[i].is_new = 1;
    }
    return 0;
}

/* Whether the stream has an entry the group has not been given yet: its
 * last live entry lies past the group's last ID (the last generated ID may
 * be deleted, or set ahead by XSETID). */
static int has_new_entries(const ReadTarget *t) {
    /* every entry is at or below the last generated ID: a group there has
     * had everything (the common case of readers waiting for more) */
    if (stream_id_cmp(stream_last_id(t->so->s), group_last_id(t->g)) <= 0) return 0;
    StreamIter it;
    StreamId last;
    size_t nf;
    stream_iter_start(&it, t->so->s, stream_id_make(0, 0), STREAM_ID_MAX_VALUE, 1);
    return stream_iter_next(&it, &last, &nf) && stream_id_cmp(last, group_last_id(t->g)) > 0;
}

/* Replies the entry the iterator stands on as XREADGROUP CLAIM does:
 * [id, [field, value, ...], idle-ms, delivery-count]. */
static void reply_entry_claim_form(Client *c, StreamIter *it, StreamId id, size_t nf,
                                   long long idle, long long count) {
    reply_array(c, 4);
    stream_reply_id(c, id);
    stream_reply_fields(c, it, nf);
    reply_int(c, idle);
    reply_int(c, count);
}

/* Serves up to limit (0: no limit) new entries of one stream to a consumer:
 * moves the group, creates pending entries (unless NOACK), replies with the
 * entries (in the CLAIM form, with 0 and 0, when claim_form). An entry the
 * read caps take back is not delivered and ends it. Returns how many. */
static size_t xrg_serve_new(Client *c, ReadArgs *a, ReadTarget *t, ConsumerId cons, int64_t now,
                            long long limit, int claim_form) {
    ConsumerGroup *g = t->g;
    const Stream *s = t->so->s;
    StreamFacts f = stream_obj_facts(t->so);
    StreamId start = group_last_id(g);
    size_t n = 0;
    int moved = 0;
    if (stream_id_incr(&start) == 0) {
        StreamIter it;
        StreamId id;
        size_t nf;
        stream_iter_start(&it, s, start, STREAM_ID_MAX_VALUE, 0);
        while ((limit == 0 || (long long)n < limit) && read_caps_next_entry(&a->caps) &&
               stream_iter_next(&it, &id, &nf)) {
            size_t at = reply_len(c);
            if (claim_form)
                reply_entry_claim_form(c, &it, id, nf, 0, 0);
            else
                stream_reply_entry(c, &it, id, nf);
            if (!read_caps_keep(&a->caps, c, at)) break;
            moved |= group_note_read(g, id, &f);
            if (!a->noack) {
                PelRef r = group_deliver(g, cons, id, now);
                propagate_claim(c, t->key, a->group, g, r);
            }
            n++;
        }
    }
    if (moved) {
        propagate_setid(c, t->key, a->group, g);
        server.dirty++;
    }
    return n;
}

/* XREADGROUP CLAIM, first half: the pending entries of one stream the
 * consumer may claim now, at most limit (0: no limit), in claim order
 * (released ones first, then the longest idle). Walks the group's idle
 * order from its front and stops at the first entry not idle enough, so it
 * costs O(log n) per entry taken. Pending entries whose stream entry is
 * gone are passed over and stay pending, as in Redis (XCLAIM, XAUTOCLAIM
 * and XACK are what remove them). Sets *wake_ms to when the first entry not
 * idle enough will be (0: no such entry). Returns the number of refs in
 * *out (owned; free with xfree). */
static size_t xrg_claimable(const ReadArgs *a, ReadTarget *t, int64_t now, long long limit,
                            PelRef **out, int64_t *wake_ms) {
    Pel *p = group_pel(t->g);
    PelRef *take = NULL;
    size_t n_take = 0, cap_take = 0;
    PelIter it;
    PelRef r;
    *wake_ms = 0;
    pel_idle_seek(&it, p);
    while ((limit == 0 || (long long)n_take < limit) && (r = pel_iter_next(&it)) != PEL_NONE) {
        /* Unlike XCLAIM's, this test has no exception for released
         * entries: their delivery time is 0, so they are idle enough unless
         * min-idle-time is beyond the clock (Redis's claim loop). */
        if (sub_clamped(now, pel_delivery_ms(p, r)) < a->min_idle) {
            int64_t t0 = pel_delivery_ms(p, r);
            *wake_ms = a->min_idle > INT64_MAX - t0 ? 0 : t0 + a->min_idle;
            break;
        }
        if (!stream_entry_exists(t->so->s, pel_id(p, r))) continue;
        if (n_take == cap_take) {
            cap_take = cap_take ? cap_take * 2 : 16;
            take = xrealloc(take, cap_take * sizeof(PelRef));
        }
        take[n_take++] = r;
    }
    *out = take;
    return n_take;
}

/* The idle time a claimed entry is replied with: now less its delivery
 * time, which is 0 for a released entry (so its idle time is now). */
static long long claim_idle(const PelEntry *e, int64_t now) {
    if (e->owner == PEL_OWNER_NONE) return now;
    long long idle = sub_clamped(now, e->delivery_ms);
    return idle < 0 ? 0 : idle;
}

/* XREADGROUP CLAIM, second half: delivers the entries xrg_claimable() took
 * to the consumer, NOACK or not, each replied as [id, fields, idle-ms,
 * delivery-count] with the idle time and count it had. An entry the read
 * caps take back ends it: that one and the rest stay as they were. Returns
 * how many were delivered. */
static size_t xrg_serve_claimed(Client *c, ReadArgs *a, ReadTarget *t, ConsumerId cons, int64_t now,
                                const PelRef *take, size_t n) {
    ConsumerGroup *g = t->g;
    Pel *p = group_pel(g);
    size_t k;
    for (k = 0; k < n && read_caps_next_entry(&a->caps); k++) {
        PelRef r = take[k];
        PelEntry e;
        pel_get(p, r, &e);
        long long idle = claim_idle(&e, now);
        StreamIter sit;
        size_t nf;
        int found = seek_entry(t->so->s, &sit, e.id, &nf);
        assert(found); /* xrg_claimable() checked it, and nothing deleted it since */
        (void)found;
        size_t at = reply_len(c);
        reply_entry_claim_form(c, &sit, e.id, nf, idle, (long long)e.delivery_count);
        if (!read_caps_keep(&a->caps, c, at)) break;
        group_claim(g, r, cons, now, count_plus_one(e.delivery_count));
        group_consumer_touch(g, cons, now, 1);
        propagate_claim(c, t->key, a->group, g, r);
        server.dirty++;
    }
    return k;
}

/* Serves up to limit (0: no limit) of a consumer's own pending entries
 * after t->after (XREADGROUP with an ID): entries deleted from the stream
 * come back with a nil field list; the others count one more delivery.
 * Returns how many. */
static size_t xrg_serve_history(Client *c, ReadArgs *a, ReadTarget *t, ConsumerId cons, int64_t now,
                                long long limit) {
    ConsumerGroup *g = t->g;
    Pel *p = group_pel(g);
    StreamId start = t->after;
    stream_id_incr(&start); /* cannot fail: the largest ID reads as ">" */
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    PelIter it;
    PelRef r;
    pel_iter_seek(&it, p, cons, start);
    while ((limit == 0 || (long long)n < limit) && read_caps_next_entry(&a->caps) &&
           (r = pel_iter_next(&it)) != PEL_NONE) {
        StreamId id = pel_id(p, r);
        StreamIter sit;
        size_t nf;
        size_t at = reply_len(c);
        int found = seek_entry(t->so->s, &sit, id, &nf);
        if (found) {
            stream_reply_entry(c, &sit, id, nf);
        } else {
            reply_array(c, 2);
            stream_reply_id(c, id);
            reply_null_array(c);
        }
        if (!read_caps_keep(&a->caps, c, at)) break;
        if (found) {
            pel_set_delivery(p, r, now, count_plus_one(pel_delivery_count(p, r)));
            propagate_claim(c, t->key, a->group, g, r);
            server.dirty++;
        }
        n++;
    }
    reply_set_array_len(c, d, n);
    return n;
}

/* Whether stream i can be served now: history always can, ">" when there
 * are new entries. Decided stream by stream, after the ones before it were
 * served, so a key named twice is served once, as in Redis. */
static int can_serve(const ReadTarget *t) {
    return !t->is_new || (stream_length(t->so->s) > 0 && has_new_entries(t));
}

/* Replies to an XREADGROUP with what can be served now; returns the number
 * of streams in the reply (0: nothing was replied). With CLAIM, a ">"
 * stream serves the pending entries it may claim first, then new entries,
 * COUNT bounding the two together; as in Redis, CLAIM no longer applies to
 * the streams after one read from history (an ID other than ">"). The read
 * caps are checked before each stream and after each entry; a stream whose
 * first entry they take back is taken back whole (its entry list's length,
 * set or not, goes with it). a->wake_ms gets the earliest time a pending
 * entry becomes claimable (0: none), for a reader that blocks. */
static size_t xrg_serve(Client *c, ReadArgs *a, ReadTarget *t) {
    int64_t now = now_ms();
    size_t n = 0;
    ReplyDeferred top = {0};
    int claim_on = a->has_claim;
    read_caps_reset(&a->caps, c);
    a->wake_ms = 0;
    for (int i = 0; i < a->n_streams && read_caps_next_stream(&a->caps, c); i++) {
        ConsumerId cons = consumer_get(c, t[i].key, a->group, t[i].g, a->consumer, now);
        long long limit = read_caps_stream_count(&a->caps, a->count);
        int claim = claim_on && t[i].is_new;
        PelRef *take = NULL;
        size_t n_take = 0;
        if (claim) {
            int64_t wake;
            n_take = xrg_claimable(a, &t[i], now, limit, &take, &wake);
            if (wake && (a->wake_ms == 0 || wake < a->wake_ms)) a->wake_ms = wake;
        }
        if (!t[i].is_new) claim_on = 0;
        if (n_take == 0 && !can_serve(&t[i])) {
            xfree(take);
            continue;
        }
        if (n == 0) top = reply_defer(c);
        size_t stream_at = reply_len(c);
        if (c->resp == 2) reply_array(c, 2);
        reply_bulk_slice(c, t[i].key);
        size_t sent;
        if (claim) {
            ReplyDeferred d = reply_defer(c);
            size_t n_claimed = xrg_serve_claimed(c, a, &t[i], cons, now, take, n_take);
            size_t n_new = 0;
            if (n_claimed == n_take && (limit == 0 || (long long)n_claimed < limit))
                n_new = xrg_serve_new(c, a, &t[i], cons, now,
                                      limit ? limit - (long long)n_claimed : 0, 1);
            sent = n_claimed + n_new;
            reply_set_array_len(c, d, sent);
        } else if (t[i].is_new) {
            ReplyDeferred d = reply_defer(c);
            sent = xrg_serve_new(c, a, &t[i], cons, now, limit, 0);
            reply_set_array_len(c, d, sent);
        } else {
            sent = xrg_serve_history(c, a, &t[i], cons, now, limit);
        }
        xfree(take);
        if (sent == 0 && read_caps_is_full(&a->caps)) {
            /* MAXSIZE took back the stream's first entry: no stream either */
            reply_truncate(c, stream_at);
            break;
        }
        n++;
    }
    if (n) {
        if (c->resp == 2)
            reply_set_array_len(c, top, n);
        else
            reply_set_map_len(c, top, n);
    }
    return n;
}

/* A blocked reader's parsed options: filled the first time it is served
 * (the blocked command's argv, which the slices point into, lives as long
 * as the wait), copied on every later wake-up instead of parsing again. With
 * many readers waiting on one stream each entry added wakes all of them. */
typedef struct ParsedRead {
    int is_parsed;
    ReadArgs a;
} ParsedRead;

/* A blocked XREADGROUP woke up: one of its keys changed, or (CLAIM) a
 * pending entry became idle enough. Whatever the key (Redis 7.2 re-runs the
 * reader for any change of any of its keys, deletion and type change
 * included), it is resolved again as a fresh call would be: a key that is
 * gone, or whose group is gone, ends the wait with the NOGROUP error of
 * XREADGROUP, a key of another type with WRONGTYPE, the first such key in
 * the command's order deciding; otherwise it is served if there is anything
 * to serve, or waits on. */
static int xrg_on_ready(Client *c, const Slice *key, void *ctx) {
    (void)key;
    ParsedRead *pr = ctx;
    ReadArgs a;
    if (!pr->is_parsed) {
        if (xrg_parse(c, &pr->a, 1) != 0) return 1; /* cannot happen: it parsed before */
        pr->is_parsed = 1;
    }
    a = pr->a;
    ReadTarget t_stack[4];
    ReadTarget *t = a.n_streams <= 4 ? t_stack : xmalloc(sizeof(ReadTarget) * (size_t)a.n_streams);
    int done = 1;
    if (xrg_resolve(c, &a, t) != 0) goto out;
    done = xrg_serve(c, &a, t) > 0;
    if (!done) block_set_wakeup(c, a.wake_ms);
out:
    if (t != t_stack) xfree(t);
    return done;
}

static void cmd_xreadgroup(Client *c) {
    ReadArgs a;
    if (xrg_parse(c, &a, 0) != 0) return;
    ReadTarget t_stack[4];
    ReadTarget *t = a.n_streams <= 4 ? t_stack : xmalloc(sizeof(ReadTarget) * (size_t)a.n_streams);
    if (xrg_resolve(c, &a, t) != 0) goto out;
    if (xrg_serve(c, &a, t) > 0) goto out;
    if (a.has_block && !(c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI))) {
        block_on_keys(c, &c->argv[a.streams_arg], a.n_streams, a.deadline_ms, xrg_on_ready, NULL,
                      xcalloc(1, sizeof(ParsedRead)), xfree);
        block_set_unblock_on_nokey(c);
        block_set_wakeup(c, a.wake_ms);
        goto out;
    }
    reply_null_array(c);
out:
    if (t != t_stack) xfree(t);
}

/* ---- XACK -------------------------------------------------------------- */

static void cmd_xack(Client *c) {
    int failed;
    StreamObj *so = lookup(c, c->argv[1], 0, &failed);
    if (failed) return;
    ConsumerGroup *g = find_group(so, c->argv[2]);
    if (!g) {
        reply_int(c, 0);
        return;
    }
    int n = c->argc - 3;
    StreamId stack_ids[16];
    StreamId *ids = n <= 16 ? stack_ids : xmalloc(sizeof(StreamId) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (parse_strict_id(c->argv[3 + j], &ids[j]) != 0) {
            reply_invalid_id(c);
            goto out;
        }
    }
    long long acked = 0;
    for (int j = 0; j < n; j++) acked += group_ack(g, ids[j]);
    if (acked) {
        server.dirty += acked;
        propagate_argv(c);
    }
    reply_int(c, acked);
out:
    if (ids != stack_ids) xfree(ids);
}

/* ---- XPENDING ---------------------------------------------------------- */

static void xpending_summary(Client *c, ConsumerGroup *g) {
    const Pel *p = group_pel_c(g);
    reply_array(c, 4);
    reply_int(c, (long long)pel_len(p));
    if (pel_len(p) == 0) {
        reply_null(c);
        reply_null(c);
        reply_null_array(c);
        return;
    }
    stream_reply_id(c, pel_id(p, pel_first(p, PEL_OWNER_ALL)));
    stream_reply_id(c, pel_id(p, pel_last(p, PEL_OWNER_ALL)));
    ConsumerId *ids;
    size_t n = group_consumer_list(g, &ids);
    size_t with = 0;
    for (size_t i = 0; i < n; i++) with += group_consumer_pending(g, ids[i]) > 0;
    reply_array(c, with);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = group_consumer_pending(g, ids[i]);
        if (k == 0) continue;
        reply_array(c, 2);
        reply_bulk_slice(c, group_consumer_name(g, ids[i]));
        reply_bulk_ll(c, (long long)k);
    }
    xfree(ids);
}

static void cmd_xpending(Client *c) {
    int justinfo = c->argc == 3;
    long long count = 0, minidle = 0;
    StreamId start = {0, 0}, end = {0, 0};
    Slice consumer = {0};
    int has_consumer = 0;

    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc >= 6) {
        int at = 3;
        if (is_word(c->argv[3], "idle")) {
            if (get_ll_or_reply(c, c->argv[4], &minidle) != 0) return;
            if (c->argc < 8) {
                reply_syntax_error(c);
                return;
            }
            at += 2;
        }
        if (get_ll_or_reply(c, c->argv[at + 2], &count) != 0) return;
        if (count < 0) count = 0;
        int excl;
        if (parse_interval_id(c, c->argv[at], 0, &start, &excl) != 0) return;
        if (excl && stream_id_incr(&start) != 0) {
            reply_error(c, "ERR invalid start ID for the interval");
            return;
        }
        if (parse_interval_id(c, c->argv[at + 1], 1, &end, &excl) != 0) return;
        if (excl && stream_id_decr(&end) != 0) {
            reply_error(c, "ERR invalid end ID for the interval");
            return;
        }
        if (at + 3 < c->argc) {
            consumer = c->argv[at + 3];
            has_consumer = 1;
        }
    }
    Slice key = c->argv[1], gname = c->argv[2];
    StreamObj *so;
    ConsumerGroup *g = group_cmd_find_or_reply(c, key, gname, 0, &so);
    if (!g) return;
    if (justinfo) {
        xpending_summary(c, g);
        return;
    }
    uint32_t owner = PEL_OWNER_ALL;
    if (has_consumer) {
        owner = group_consumer_find(g, consumer);
        if (owner == GROUP_NO_CONSUMER) {
            reply_empty_array(c);
            return;
        }
    }
    const Pel *p = group_pel_c(g);
    int64_t now = now_ms();
    PelIter it;
    PelRef r;
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    pel_iter_seek(&it, p, owner, start);
    while (count > 0 && (r = pel_iter_next(&it)) != PEL_NONE) {
        PelEntry e;
        pel_get(p, r, &e);
        if (stream_id_cmp(e.id, end) > 0) break;
        int is_released = e.owner == PEL_OWNER_NONE;
        int64_t idle = sub_clamped(now, e.delivery_ms);
        if (minidle && !is_released && idle < minidle) continue;
        count--;
        n++;
        reply_array(c, 4);
        stream_reply_id(c, e.id);
        /* A released (XNACK) entry has no owner and no delivery time. */
        if (is_released) {
            reply_bulk_cstr(c, "");
            reply_int(c, -1);
        } else {
            reply_bulk_slice(c, group_consumer_name(g, e.owner));
            reply_int(c, idle < 0 ? 0 : idle);
        }
        reply_int(c, (long long)e.delivery_count);
    }
    reply_set_array_len(c, d, n);
}

/* ---- XCLAIM ------------------------------------------------------------ */

static void cmd_xclaim(Client *c) {
    Slice key = c->argv[1], gname = c->argv[2];
    StreamObj *so;
    ConsumerGroup *g = group_cmd_find_or_reply(c, key, gname, 0, &so);
    if (!g) return;
    long long minidle, retrycount = -1, deliverytime = -1;
    int force = 0, justid = 0;
    if (parse_ll(c->argv[4], &minidle) != 0) {
        reply_error(c, "ERR Invalid min-idle-time argument for XCLAIM");
        return;
    }
    if (minidle < 0) minidle = 0;

    int n_ids = c->argc - 5;
    StreamId stack_ids[16];
    StreamId *ids = n_ids <= 16 ? stack_ids : xmalloc(sizeof(StreamId) * (size_t)n_ids);
    int j;
    for (j = 5; j < c->argc; j++)
        if (parse_strict_id(c->argv[j], &ids[j - 5]) != 0) break;
    int last_id_arg = j - 1;

    int64_t now = now_ms();
    StreamId last_id = {0, 0};
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        Slice opt = c->argv[j];
        if (is_word(opt, "force")) {
            force = 1;
        } else if (is_word(opt, "justid")) {
            justid = 1;
        } else if (is_word(opt, "idle") && more) {
            j++;
            if (parse_ll(c->argv[j], &deliverytime) != 0) {
                reply_error(c, "ERR Invalid IDLE option argument for XCLAIM");
                goto out;
            }
            deliverytime = sub_clamped(now, deliverytime);
        } else if (is_word(opt, "time") && more) {
            j++;
            if (parse_ll(c->argv[j], &deliverytime) != 0) {
                reply_error(c, "ERR Invalid TIME option argument for XCLAIM");
                goto out;
            }
        } else if (is_word(opt, "retrycount") && more) {
            j++;
            if (parse_ll(c->argv[j], &retrycount) != 0) {
                reply_error(c, "ERR Invalid RETRYCOUNT option argument for XCLAIM");
                goto out;
            }
        } else if (is_word(opt, "lastid") && more) {
            j++;
            if (parse_strict_id(c->argv[j], &last_id) != 0) {
                reply_invalid_id(c);
                goto out;
            }
        } else {
            reply_error(c, "ERR Unrecognized XCLAIM option '%.*s'", cstr_len(opt), opt.p);
            goto out;
        }
    }

    int propagate_last_id = 0;
    if (stream_id_cmp(last_id, group_last_id(g)) > 0) {
        group_set_last_id(g, last_id, group_entries_read(g));
        propagate_last_id = 1;
    }
    if (deliverytime != -1) {
        /* Out-of-range times are "now": a client computing an idle time from a
         * clock slightly ahead of ours should not fail. */
        if (deliverytime < 0 || deliverytime > now) deliverytime = now;
    } else {
        deliverytime = now;
    }

    Slice cname = c->argv[3];
    ConsumerId cons = consumer_get(c, key, gname, g, cname, now);
    Pel *p = group_pel(g);
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    for (int k = 5; k <= last_id_arg; k++) {
        StreamId id = ids[k - 5];
        PelRef r = pel_find(p, id);
        StreamIter sit;
        size_t nf;
        /* While the AOF loads, XCLAIM ... FORCE JUSTID restores a pending
         * entry even when its stream entry was deleted (XDEL keeps such
         * references): the rewrite writes every pending entry in that form,
         * and live XCLAIMs are only recorded for entries that existed. */
        int keep_dangling = server.loading && force && justid;
        if (!seek_entry(so->s, &sit, id, &nf) && !keep_dangling) {
            /* The entry is gone: so goes its pending entry. */
            if (r != PEL_NONE) {
                propagate_drop(c, key, gname, g, r);
                group_drop(g, r);
                server.dirty++;
            }
            continue;
        }
        uint64_t count;
        if (r == PEL_NONE) {
            if (!force) continue;
            count = 1; /* a fresh entry, as if delivered once */
        } else {
            if (minidle && !claimable(p, r, now, minidle)) continue;
            count = pel_delivery_count(p, r);
        }
        if (retrycount >= 0)
            count = (uint64_t)retrycount;
        else if (!justid)
            count = count_plus_one(count);
        if (r == PEL_NONE)
            r = pel_add(p, id, cons, deliverytime, count);
        else
            group_claim(g, r, cons, deliverytime, count);
        if (justid)
            stream_reply_id(c, id);
        else
            stream_reply_entry(c, &sit, id, nf);
        n++;
        group_consumer_touch(g, cons, now, 1);
        propagate_claim(c, key, gname, g, r);
        propagate_last_id = 0;
        server.dirty++;
    }
    if (propagate_last_id) {
        propagate_setid(c, key, gname, g);
        server.dirty++;
    }
    reply_set_array_len(c, d, n);
    group_compact(g); /* after group_drop() of entries gone from the stream */
out:
    if (ids != stack_ids) xfree(ids);
}

/* ---- XAUTOCLAIM -------------------------------------------------------- */

static void cmd_xautoclaim(Client *c) {
    Slice key = c->argv[1], gname = c->argv[2];
    long long minidle, count = 100;
    const long long attempts_factor = 10;
    int justid = 0;
    if (parse_ll(c->argv[4], &minidle) != 0) {
        reply_error(c, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        return;
    }
    if (minidle < 0) minidle = 0;
    StreamId start;
    int excl;
    if (parse_interval_id(c, c->argv[5], 0, &start, &excl) != 0) return;
    if (excl && stream_id_incr(&start) != 0) {
        reply_error(c, "ERR invalid start ID for the interval");
        return;
    }
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (is_word(c->argv[j], "count") && more) {
            const long long max_count = LONG_MAX / (long long)sizeof(StreamId);
            if (parse_ll(c->argv[j + 1], &count) != 0 || count < 1 || count > max_count) {
                reply_error(c, "ERR COUNT must be > 0");
                return;
            }
            j++;
        } else if (is_word(c->argv[j], "justid")) {
            justid = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    StreamObj *so;
    ConsumerGroup *g = group_cmd_find_or_reply(c, key, gname, 0, &so);
    if (!g) return;
    /* Redis allocates room for COUNT deleted IDs up front and refuses a COUNT
     * no machine could hold; the list here grows as needed, but the refusal
     * is kept so that clients see the same answer. */
    if ((unsigned long long)count > (1ULL << 35) / sizeof(StreamId)) {
        reply_error(c, "ERR Insufficient memory, failed allocating transient memory, COUNT too "
                       "high.");
        return;
    }

    int64_t now = now_ms();
    ConsumerId cons = consumer_get(c, key, gname, g, c->argv[3], now);
    Pel *p = group_pel(g);

    /* Pass 1 decides, pass 2 acts: the reply starts with the cursor, which
     * is known only once the scan has stopped. Refs stay valid across the
     * deletions of pass 2: group_drop() never moves records; group_compact()
     * at the end may. */
    long long attempts = count * attempts_factor;
    PelRef *claim = NULL, *gone = NULL;
    size_t n_claim = 0, n_gone = 0, cap_claim = 0, cap_gone = 0;
    PelIter it;
    PelRef r;
    pel_iter_seek(&it, p, PEL_OWNER_ALL, start);
    while (attempts-- && count && (r = pel_iter_next(&it)) != PEL_NONE) {
        if (!stream_entry_exists(so->s, pel_id(p, r))) {
            if (n_gone == cap_gone) {
                cap_gone = cap_gone ? cap_gone * 2 : 8;
                gone = xrealloc(gone, cap_gone * sizeof(PelRef));
            }
            gone[n_gone++] = r;
            count--;
            continue;
        }
        if (minidle && !claimable(p, r, now, minidle)) continue;
        if (n_claim == cap_claim) {
            cap_claim = cap_claim ? cap_claim * 2 : 16;
            claim = xrealloc(claim, cap_claim * sizeof(PelRef));
        }
        claim[n_claim++] = r;
        count--;
    }
    r = pel_iter_next(&it);
    StreamId cursor = r == PEL_NONE ? stream_id_make(0, 0) : pel_id(p, r);

    reply_array(c, 3);
    stream_reply_id(c, cursor);
    reply_array(c, n_claim);
    for (size_t i = 0; i < n_claim; i++) {
        r = claim[i];
        StreamId id = pel_id(p, r);
        uint64_t was = pel_delivery_count(p, r);
        group_claim(g, r, cons, now, justid ? was : count_plus_one(was));
        if (justid)
            stream_reply_id(c, id);
        else
            reply_entry_by_id(c, so->s, id);
        group_consumer_touch(g, cons, now, 1);
        propagate_claim(c, key, gname, g, r);
        server.dirty++;
    }
    reply_array(c, n_gone);
    for (size_t i = 0; i < n_gone; i++) {
        r = gone[i];
        stream_reply_id(c, pel_id(p, r));
        propagate_drop(c, key, gname, g, r);
        group_drop(g, r);
        server.dirty++;
    }
    xfree(claim);
    xfree(gone);
    group_compact(g); /* the refs are dropped: records may move now */
}

/* ---- XINFO GROUPS / CONSUMERS and the XINFO STREAM hooks --------------- */

static void reply_lag(Client *c, const ConsumerGroup *g, const StreamFacts *f) {
    int64_t lag;
    if (group_lag(g, f, &lag))
        reply_int(c, lag);
    else
        reply_null(c);
}

static void reply_entries_read(Client *c, const ConsumerGroup *g) {
    if (group_entries_read(g) != GROUP_ENTRIES_READ_INVALID)
        reply_int(c, group_entries_read(g));
    else
        reply_null(c);
}

void cmd_xinfo_groups(Client *c) {
    StreamObj *so = stream_obj_lookup_existing(c, c->argv[2], 0);
    if (!so) return;
    StreamFacts f = stream_obj_facts(so);
    ConsumerGroup **gs;
    size_t n = group_set_list(so->groups, &gs);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        ConsumerGroup *g = gs[i];
        reply_map(c, 6);
        reply_bulk_cstr(c, "name");
        reply_bulk_slice(c, group_name(g));
        reply_bulk_cstr(c, "consumers");
        reply_int(c, (long long)group_consumer_count(g));
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)pel_len(group_pel_c(g)));
        reply_bulk_cstr(c, "last-delivered-id");
        stream_reply_id(c, group_last_id(g));
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c, "lag");
        reply_lag(c, g, &f);
    }
    xfree(gs);
}

void cmd_xinfo_consumers(Client *c) {
    Slice key = c->argv[2], gname = c->argv[3];
    StreamObj *so = stream_obj_lookup_existing(c, key, 0);
    if (!so) return;
    ConsumerGroup *g = find_group(so, gname);
    if (!g) {
        reply_error(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'", cstr_len(gname),
                    gname.p, cstr_len(key), key.p);
        return;
    }
    int64_t now = now_ms();
    ConsumerId *ids;
    size_t n = group_consumer_list(g, &ids);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        int64_t seen = group_consumer_seen_ms(g, ids[i]);
        int64_t active = group_consumer_active_ms(g, ids[i]);
        int64_t idle = sub_clamped(now, seen);
        reply_map(c, 4);
        reply_bulk_cstr(c, "name");
        reply_bulk_slice(c, group_consumer_name(g, ids[i]));
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)group_consumer_pending(g, ids[i]));
        reply_bulk_cstr(c, "idle");
        reply_int(c, idle < 0 ? 0 : idle);
        reply_bulk_cstr(c, "inactive");
        reply_int(c, active == -1 ? -1 : sub_clamped(now, active));
    }
    xfree(ids);
}

/* The "groups" value of XINFO STREAM FULL: every group with its pending
 * entries and consumers, each list bounded by count (0: unbounded).
 * Borrows so; writes to c. Installed with stream_obj_set_xinfo_groups(). */
static void xinfo_full_groups(Client *c, StreamObj *so, long long count) {
    StreamFacts f = stream_obj_facts(so);
    ConsumerGroup **gs;
    size_t n = group_set_list(so->groups, &gs);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        ConsumerGroup *g = gs[i];
        const Pel *p = group_pel_c(g);
        reply_map(c, 8);
        reply_bulk_cstr(c, "name");
        reply_bulk_slice(c, group_name(g));
        reply_bulk_cstr(c, "last-delivered-id");
        stream_reply_id(c, group_last_id(g));
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c, "lag");
        reply_lag(c, g, &f);
        reply_bulk_cstr(c, "pel-count");
        reply_int(c, (long long)pel_len(p));
        reply_bulk_cstr(c, "nacked-count");
        reply_int(c, (long long)group_nacked_count(g));
        reply_bulk_cstr(c, "pending");
        uint64_t k = pel_len(p);
        if (count > 0 && (uint64_t)count < k) k = (uint64_t)count;
        reply_array(c, k);
        PelIter it;
        PelRef r;
        pel_iter_seek(&it, p, PEL_OWNER_ALL, stream_id_make(0, 0));
        for (uint64_t m = 0; m < k && (r = pel_iter_next(&it)) != PEL_NONE; m++) {
            PelEntry e;
            pel_get(p, r, &e);
            reply_array(c, 4);
            stream_reply_id(c, e.id);
            if (e.owner == PEL_OWNER_NONE)
                reply_bulk_cstr(c, "");
            else
                reply_bulk_slice(c, group_consumer_name(g, e.owner));
            reply_int(c, e.delivery_ms);
            reply_int(c, (long long)e.delivery_count);
        }
        reply_bulk_cstr(c, "consumers");
        ConsumerId *ids;
        size_t nc = group_consumer_list(g, &ids);
        reply_array(c, nc);
        for (size_t ci = 0; ci < nc; ci++) {
            ConsumerId cid = ids[ci];
            reply_map(c, 5);
            reply_bulk_cstr(c, "name");
            reply_bulk_slice(c, group_consumer_name(g, cid));
            reply_bulk_cstr(c, "seen-time");
            reply_int(c, group_consumer_seen_ms(g, cid));
            reply_bulk_cstr(c, "active-time");
            reply_int(c, group_consumer_active_ms(g, cid));
            reply_bulk_cstr(c, "pel-count");
            reply_int(c, (long long)group_consumer_pending(g, cid));
            reply_bulk_cstr(c, "pending");
            uint64_t kc = group_consumer_pending(g, cid);
            if (count > 0 && (uint64_t)count < kc) kc = (uint64_t)count;
            reply_array(c, kc);
            pel_iter_seek(&it, p, cid, stream_id_make(0, 0));
            for (uint64_t m = 0; m < kc && (r = pel_iter_next(&it)) != PEL_NONE; m++) {
                PelEntry e;
                pel_get(p, r, &e);
                reply_array(c, 3);
                stream_reply_id(c, e.id);
                reply_int(c, e.delivery_ms);
                reply_int(c, (long long)e.delivery_count);
            }
        }
        xfree(ids);
    }
    xfree(gs);
}

/* ---- Command table ----------------------------------------------------- */

/* Hooks the groups into XINFO STREAM FULL; called once from commands_init(). */
void group_cmd_init(void) {
    stream_obj_set_xinfo_groups(xinfo_full_groups);
}

#define GW (CMD_WRITE)
static const Command xgroup_subcommands[] = {
    {"create", cmd_xgroup, -5, GW | CMD_DENYOOM, "@write @stream @slow", 2, 2, 1, NULL},
    {"setid", cmd_xgroup, -5, GW, "@write @stream @slow", 2, 2, 1, NULL},
    {"destroy", cmd_xgroup, 4, GW, "@write @stream @slow", 2, 2, 1, NULL},
    {"createconsumer", cmd_xgroup, 5, GW | CMD_DENYOOM, "@write @stream @slow", 2, 2, 1, NULL},
    {"delconsumer", cmd_xgroup, 5, GW, "@write @stream @slow", 2, 2, 1, NULL},
    {"help", cmd_xgroup, 2, CMD_LOADING | CMD_STALE, "@stream @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command group_commands[] = {
    {"xgroup", NULL, -2, 0, "@slow", 0, 0, 0, xgroup_subcommands},
    {"xreadgroup", cmd_xreadgroup, -7, GW | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     "@write @stream @slow @blocking", 0, 0, 0, NULL},
    {"xack", cmd_xack, -4, GW | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    {"xpending", cmd_xpending, -3, CMD_READONLY, "@read @stream @slow", 1, 1, 1, NULL},
    {"xclaim", cmd_xclaim, -6, GW | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    {"xautoclaim", cmd_xautoclaim, -6, GW | CMD_FAST, "@write @stream @fast", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
