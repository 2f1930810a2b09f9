/*
 * dump.c - DUMP and RESTORE: a key's value as a payload in Redis's
 * serialization format, and a key made from one (what redis-shake, RIOT and
 * hand-written migration scripts use between servers).
 *
 * The payload codec is src/persist/dumpvalue.c; this file is the commands:
 * options, checks in Redis 7.0's order, the keyspace, propagation and
 * notifications.
 *
 * Propagation: a RESTORE of a payload Redis 7 reads (RDB version 10 or
 * older: every string, 7.0's streams) is propagated as itself, with a
 * relative TTL turned into an absolute one (ABSTTL) so a replay gives the key
 * the same deadline, as Redis does. A newer payload (type 21 streams of
 * streamd and Redis 7.2+, Redis 8.6 / 8.8's types 26 / 27, streamd's former
 * type 208) would make the AOF
 * unloadable by Redis 7, so the key goes out as the commands the AOF rewrite
 * writes for it (DEL first when REPLACE removed a key, PEXPIREAT for a TTL).
 * A RESTORE whose absolute deadline has already passed creates nothing and,
 * when REPLACE removed a key, propagates DEL.
 *
 * IDLETIME sets the key's access time (OBJECT IDLETIME) under an LRU or no
 * eviction policy, FREQ its access counter (OBJECT FREQ) under an LFU one;
 * the other is checked and ignored, as Redis does.
 */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/stream_obj.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/rewrite.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"

static void cmd_dump(Client *c) {
    Obj *o = db_lookup_read(c->db, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    Buf b;
    buf_init(&b);
    dump_value(o, now_ms(), &b);
    reply_bulk(c, b.p, b.len);
    buf_free(&b);
}

/* Propagates the key as the commands that rebuild it. */
static void propagate_as_commands(Client *c, Slice key, const Obj *o, int deleted, long long ttl) {
    if (deleted) {
        Slice argv[2] = {slice_cstr("DEL"), key};
        propagate(c, 2, argv);
    }
    Buf b;
    buf_init(&b);
    aof_rewrite_value(&b, key, o);
    AofArgv av = {0};
    size_t off = 0;
    while (off < b.len) {
        int kind;
        size_t used, bad_at;
        const char *why;
        int rc = aof_parse_record(b.p + off, b.len - off, &av, &kind, &used, &bad_at, &why);
        assert(rc == AOF_PARSE_OK && kind == AOF_RECORD_COMMAND);
        (void)rc;
        propagate(c, av.n, av.v);
        off += used;
    }
    aof_argv_free(&av);
    buf_free(&b);
    if (ttl) {
        char buf[24];
        Slice argv[3] = {slice_cstr("PEXPIREAT"), key, slice_of(buf, ll_to_str(ttl, buf))};
        propagate(c, 3, argv);
    }
}

/* RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
 * [FREQ frequency] */
static void cmd_restore(Client *c) {
    int replace = 0, absttl = 0;
    long long idle = -1, freq = -1, ttl;
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        Slice a = c->argv[j];
        if (slice_eq_nocase(a, "REPLACE")) {
            replace = 1;
        } else if (slice_eq_nocase(a, "ABSTTL")) {
            absttl = 1;
        } else if (slice_eq_nocase(a, "IDLETIME") && more >= 1 && freq == -1) {
            if (get_ll_or_reply(c, c->argv[j + 1], &idle) != 0) return;
            if (idle < 0) {
                reply_error(c, "ERR Invalid IDLETIME value, must be >= 0");
                return;
            }
            j++;
        } else if (slice_eq_nocase(a, "FREQ") && more >= 1 && idle == -1) {
            if (get_ll_or_reply(c, c->argv[j + 1], &freq) != 0) return;
            if (freq < 0 || freq > 255) {
                reply_error(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    Slice key = c->argv[1];
    if (!replace && db_lookup_write(c->db, key)) {
        reply_error(c, "BUSYKEY Target key name already exists.");
        return;
    }
    if (get_ll_or_reply(c, c->argv[2], &ttl) != 0) return;
    if (ttl < 0) {
        reply_error(c, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    Slice payload = c->argv[3];
    StreamLimits lim = stream_obj_limits();
    Obj *o;
    int rc = dump_restore_value((const uint8_t *)payload.p, payload.len, &lim, now_ms(), &o);
    if (rc == DUMP_ERR_CHECKSUM) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    /* INFO dump_payload_sanitizations: the deep checks Redis would run
     * (streamd checks every payload in full whatever the setting) */
    if ((settings.sanitize_dump_payload == 1 ||
         (settings.sanitize_dump_payload == 2 && !(c->flags & (CLIENT_MASTER | CLIENT_FAKE)))) &&
        !acl_user_skips_sanitize(CF(c)->user))
        core.stat_payload_sanitizations++;
    if (rc != DUMP_OK) {
        reply_error(c, "ERR Bad data format");
        return;
    }
    Obj *old = replace ? db_lookup_write(c->db, key) : NULL;
    int old_type = old ? (int)old->type : -1;
    int deleted = old ? db_delete(c->db, key) : 0;
    if (ttl && !absttl) {
        int64_t now = now_ms();
        ttl = ttl > LLONG_MAX - now ? LLONG_MAX : ttl + now;
    }
    if (ttl && ttl <= now_ms() && !server.loading) {
        /* Already expired: nothing is created. */
        obj_free(o);
        if (deleted) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", key, db_index(c->db));
            Slice argv[2] = {slice_cstr("DEL"), key};
            propagate(c, 2, argv);
        }
        reply_ok(c);
        return;
    }
    db_add(c->db, key, o);
    if (ttl) db_set_expire(c->db, key, ttl);
    evict_set_idle_or_freq(o, idle, freq);
    notify_keyspace_event(NOTIFY_GENERIC, "restore", key, db_index(c->db));
    if (deleted) notify_overwritten(key, db_index(c->db), old_type, o->type);
    unsigned version = (unsigned char)payload.p[payload.len - 10] |
                       (unsigned)(unsigned char)payload.p[payload.len - 9] << 8;
    if (version > 10 && propagate_is_active()) {
        propagate_as_commands(c, key, o, deleted, ttl);
    } else if (ttl && !absttl) {
        /* The deadline as an absolute time, for a replay at any later time. */
        Slice *argv = xmalloc(((size_t)c->argc + 1) * sizeof(Slice));
        char buf[24];
        memcpy(argv, c->argv, (size_t)c->argc * sizeof(Slice));
        argv[2] = slice_of(buf, ll_to_str(ttl, buf));
        argv[c->argc] = slice_cstr("ABSTTL");
        propagate(c, c->argc + 1, argv);
        xfree(argv);
    } else {
        propagate_argv(c);
    }
    reply_ok(c);
}

const Command dump_commands[] = {
    {"dump", cmd_dump, 2, CMD_READONLY, "@keyspace @read @slow", 1, 1, 1, NULL},
    {"restore", cmd_restore, -4, CMD_WRITE | CMD_DENYOOM, "@keyspace @write @slow @dangerous", 1, 1,
     1, NULL},
    /* what a cluster's MIGRATE sends; without cluster mode, RESTORE (7.0) */
    {"restore-asking", cmd_restore, -4, CMD_WRITE | CMD_DENYOOM | CMD_ASKING,
     "@keyspace @write @slow @dangerous", 1, 1, 1, NULL},
    END_OF_COMMANDS,
};
