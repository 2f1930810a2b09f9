/*
 * rewrite.c - the base file: one pass over every database writing the
 * commands that rebuild each key, in RESP, the way Redis 7 writes a base
 * with aof-use-rdb-preamble no, so either server can load it:
 *
 *     FUNCTION LOAD <code>                         each function library, first
 *     <commands of server-wide state>              persist/globalstate.h (those
 *                                                  registered before the keys)
 *     SELECT <db>                                  once per non-empty db
 *     SET <key> <value>                            a string
 *     XADD <key> <id> <field> <value> ...          a stream: every entry
 *     XADD <key> MAXLEN 0 0-1 x y                  (an empty stream)
 *     XSETID <key> <last-id> ENTRIESADDED <n> MAXDELETEDID <id>
 *     XGROUP CREATE <key> <group> <last-id> ENTRIESREAD <n>
 *     XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n>
 *            JUSTID FORCE                          each pending entry
 *     XGROUP CREATECONSUMER <key> <group> <consumer> (no pending entries)
 *     XNACK <key> <group> FAIL IDS <n> <id> ... RETRYCOUNT <count> FORCE
 *                                                  released (XNACK) entries
 *     XCFGSET <key> IDMP-DURATION <s> IDMP-MAXSIZE <n>   idempotent producers
 *     XIDMPRECORD <key> <pid> <iid> <id>           (src/cmd/stream_idmp.c
 *     XIDMPCOUNTERS <key> <added> <duplicates>      writes these three)
 *     PEXPIREAT <key> <ms>                         a key with a TTL
 *     <commands of server-wide state>              (those registered after them)
 *
 * It runs in the forked child (a frozen copy of the data: nothing changes
 * under the iteration) and, for an empty dataset, in the server at start-up.
 * The output goes through one buffer flushed to the file every 64 KiB and is
 * fdatasync'ed every 32 MiB, so the final fsync never has gigabytes of dirty
 * pages to push at once (Redis's aof-rewrite-incremental-fsync).
 *
 * Values are read only through the keyspace iterator (db_for_each) and the
 * stream and group libraries' iterators and getters: no node bytes here.
 */
#include "persist/rewrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cmd/stream_idmp.h"
#include "cmd/stream_obj.h"
#include "persist/aoffile.h"
#include "persist/dumpvalue.h"
#include "persist/globalstate.h"
#include "server/core.h"
#include "server/script.h"
#include "server/server.h"
#include "stream/group.h"
#include "stream/stream.h"

#define FLUSH_BYTES       (64u << 10)
#define FSYNC_EVERY_BYTES (32u << 20)

static void cat_id(Buf *out, StreamId id) {
    char b[STREAM_ID_MAX_LEN + 1];
    aof_cat_bulk(out, b, stream_id_format(id, b));
}

/* XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> JUSTID FORCE:
 * the pending entry e, owned by consumer, with its delivery time and count. */
static void cat_pending(Buf *out, Slice key, Slice group, Slice consumer, const PelEntry *e) {
    aof_cat_array_header(out, 12);
    aof_cat_bulk(out, "XCLAIM", 6);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, group.p, group.len);
    aof_cat_bulk(out, consumer.p, consumer.len);
    aof_cat_bulk(out, "0", 1);
    cat_id(out, e->id);
    aof_cat_bulk(out, "TIME", 4);
    aof_cat_bulk_ll(out, e->delivery_ms);
    aof_cat_bulk(out, "RETRYCOUNT", 10);
    aof_cat_bulk_ll(out, (long long)e->delivery_count);
    aof_cat_bulk(out, "JUSTID", 6);
    aof_cat_bulk(out, "FORCE", 5);
}

#define NACK_BATCH 64

/* XNACK <key> <group> FAIL IDS <n> <id> ... RETRYCOUNT <count> FORCE: the
 * released entries refs[0..n), which share one delivery count. */
static void cat_released(Buf *out, Slice key, Slice group, const Pel *pel, const PelRef *refs,
                         size_t n) {
    aof_cat_array_header(out, 9 + (long long)n);
    aof_cat_bulk(out, "XNACK", 5);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, group.p, group.len);
    aof_cat_bulk(out, "FAIL", 4);
    aof_cat_bulk(out, "IDS", 3);
    aof_cat_bulk_ll(out, (long long)n);
    for (size_t i = 0; i < n; i++) cat_id(out, pel_id(pel, refs[i]));
    aof_cat_bulk(out, "RETRYCOUNT", 10);
    aof_cat_bulk_ll(out, (long long)pel_delivery_count(pel, refs[0]));
    aof_cat_bulk(out, "FORCE", 5);
}

/* One group: XGROUP CREATE with its last ID and entries-read, then per
 * consumer (name order) its pending entries (ID order) or, when it has
 * none, XGROUP CREATECONSUMER, then the released entries in release order
 * (replaying the XNACKs in that order rebuilds the order), in batches of
 * consecutive entries with one delivery count. */
static void cat_group(Buf *out, Slice key, ConsumerGroup *g) {
    Slice name = group_name(g);
    aof_cat_array_header(out, 7);
    aof_cat_bulk(out, "XGROUP", 6);
    aof_cat_bulk(out, "CREATE", 6);
    aof_cat_bulk(out, key.p, key.len);
    aof_cat_bulk(out, name.p, name.len);
    cat_id(out, group_last_id(g));
    aof_cat_bulk(out, "ENTRIESREAD", 11);
    aof_cat_bulk_ll(out, group_entries_read(g));
    ConsumerId *ids = NULL;
    size_t n = group_consumer_list(g, &ids);
    const Pel *pel = group_pel_c(g);
    for (size_t i = 0; i < n; i++) {
        Slice cname = group_consumer_name(g, ids[i]);
        if (group_consumer_pending(g, ids[i]) == 0) {
            aof_cat_array_header(out, 5);
            aof_cat_bulk(out, "XGROUP", 6);
            aof_cat_bulk(out, "CREATECONSUMER", 14);
            aof_cat_bulk(out, key.p, key.len);
            aof_cat_bulk(out, name.p, name.len);
            aof_cat_bulk(out, cname.p, cname.len);
            continue;
        }
        PelIter it;
        pel_iter_seek(&it, pel, ids[i], stream_id_make(0, 0));
        for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
            PelEntry e;
            pel_get(pel, r, &e);
            cat_pending(out, key, name, cname, &e);
        }
    }
    xfree(ids);
    PelRef *rel = NULL;
    size_t n_rel = pel_released_list(pel, &rel);
    for (size_t i = 0; i < n_rel;) {
        uint64_t count = pel_delivery_count(pel, rel[i]);
        size_t j = i + 1;
        while (j < n_rel && j - i < NACK_BATCH && pel_delivery_count(pel, rel[j]) == count) j++;
        cat_released(out, key, name, pel, &rel[i], j - i);
        i = j;
    }
    xfree(rel);
}

static void cat_record(void *out, int argc, const Slice *argv) {
    aof_cat_command(out, argc, argv);
}

/* A stream: every entry, its metadata, its groups, its idempotency state. */
static void cat_stream(Buf *out, Slice key, const StreamObj *so, void (*flush)(void *), void *fp) {
    const Stream *s = so->s;
    if (stream_length(s) > 0) {
        StreamIter it;
        StreamId id;
        size_t n_fields;
        stream_iter_start(&it, s, stream_id_make(0, 0), stream_id_make(UINT64_MAX, UINT64_MAX), 0);
        while (stream_iter_next(&it, &id, &n_fields)) {
            aof_cat_array_header(out, 3 + 2 * (long long)n_fields);
            aof_cat_bulk(out, "XADD", 4);
            aof_cat_bulk(out, key.p, key.len);
            cat_id(out, id);
            for (size_t i = 0; i < n_fields; i++) {
                Slice f, v;
                stream_iter_field(&it, &f, &v);
                aof_cat_bulk(out, f.p, f.len);
                aof_cat_bulk(out, v.p, v.len);
            }
            if (flush) flush(fp);
        }
    } else {
        /* An empty stream exists: create it with an entry trimmed away at
         * once (Redis's way), XSETID below restores the real metadata. */
        static const char *empty[] = {"XADD", NULL, "MAXLEN", "0", "0-1", "x", "y"};
        aof_cat_array_header(out, 7);
        for (int i = 0; i < 7; i++) {
            if (i == 1)
                aof_cat_bulk(out, key.p, key.len);
            else
                aof_cat_bulk_cstr(out, empty[i]);
        }
    }
    aof_cat_array_header(out, 7);
    aof_cat_bulk(out, "XSETID", 6);
    aof_cat_bulk(out, key.p, key.len);
    cat_id(out, stream_last_id(s));
    aof_cat_bulk(out, "ENTRIESADDED", 12);
    /* unsigned: XADD may have counted past LLONG_MAX (the loader takes it) */
    char added[24];
    int n_added =
        snprintf(added, sizeof added, "%llu", (unsigned long long)stream_entries_added(s));
    aof_cat_bulk(out, added, (size_t)n_added);
    aof_cat_bulk(out, "MAXDELETEDID", 12);
    cat_id(out, stream_max_deleted_id(s));
    if (so->groups) {
        ConsumerGroup **groups = NULL;
        size_t n = group_set_list(so->groups, &groups);
        for (size_t i = 0; i < n; i++) {
            cat_group(out, key, groups[i]);
            if (flush) flush(fp);
        }
        xfree(groups);
    }
    stream_idmp_rewrite(so, key, now_ms(), cat_record, out);
}

static void rewrite_value(Buf *out, Slice key, const Obj *o, void (*flush)(void *), void *fp) {
    if (o->type == OBJ_STRING) {
        aof_cat_array_header(out, 3);
        aof_cat_bulk(out, "SET", 3);
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk(out, o->ptr, o->len);
    } else if (o->type == OBJ_STREAM) {
        cat_stream(out, key, o->ptr, flush, fp);
    } else {
        persist_type_ops(o->type)->aof_rewrite(out, key, o, now_ms(), flush, fp);
    }
}

/* The records that rebuild o under key, appended to out (RESTORE propagates
 * them for a payload Redis 7 could not load). Borrows everything. */
void aof_rewrite_value(Buf *out, Slice key, const Obj *o) {
    rewrite_value(out, key, o, NULL, NULL);
}

typedef struct Writer {
    int fd;
    Buf buf;
    long long written;
    long long since_sync;
    int failed;
} Writer;

static void writer_flush(Writer *w) {
    if (w->failed || buf_live(&w->buf) == 0) return;
    const char *p = buf_data(&w->buf);
    size_t n = buf_live(&w->buf);
    while (n) {
        ssize_t r = write(w->fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            log_warning("Write error writing append only file on disk: %s", strerror(errno));
            w->failed = 1;
            return;
        }
        p += r;
        n -= (size_t)r;
        w->written += r;
        w->since_sync += r;
    }
    buf_clear(&w->buf);
    if (settings.aof_rewrite_incremental_fsync && w->since_sync >= FSYNC_EVERY_BYTES) {
        fdatasync(w->fd);
        w->since_sync = 0;
    }
}

static void maybe_flush(void *priv) {
    Writer *w = priv;
    if (buf_live(&w->buf) >= FLUSH_BYTES) writer_flush(w);
}

static void visit(void *priv, Slice key, const Obj *o, int64_t expire_ms) {
    Writer *w = priv;
    if (w->failed) return;
    rewrite_value(&w->buf, key, o, maybe_flush, w);
    if (expire_ms != -1) {
        aof_cat_array_header(&w->buf, 3);
        aof_cat_bulk(&w->buf, "PEXPIREAT", 9);
        aof_cat_bulk(&w->buf, key.p, key.len);
        aof_cat_bulk_ll(&w->buf, expire_ms);
    }
    maybe_flush(w);
}

/*
 * Writes the whole dataset to path (borrowed; created or truncated), fsyncs
 * and closes it. Returns 0, or -1 after logging the error (the partial file
 * is removed).
 */
int aof_rewrite_to_file(const char *path) {
    Writer w = {0};
    buf_init(&w.buf);
    w.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w.fd == -1) {
        log_warning("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s",
                    strerror(errno));
        buf_free(&w.buf);
        return -1;
    }
    /* aof-timestamp-enabled: the file opens with the time, as Redis's does */
    if (settings.aof_timestamp_enabled) buf_printf(&w.buf, "#TS:%lld\r\n", (long long)time(NULL));
    function_records(cat_record, &w.buf);
    persist_globals_aof_rewrite(PERSIST_GLOBAL_BEFORE_KEYS, cat_record, &w.buf);
    int selected = 0;
    for (int i = 0; i < server_db_count() && !w.failed; i++) {
        Db *db = server_db(i);
        if (db_size(db) == 0) continue;
        aof_cat_select(&w.buf, i);
        selected = i;
        db_for_each(db, visit, &w);
    }
    if (!w.failed) {
        /* the state's commands run in database 0, as the query engine's do */
        Buf after;
        buf_init(&after);
        persist_globals_aof_rewrite(PERSIST_GLOBAL_AFTER_KEYS, cat_record, &after);
        if (buf_live(&after) && selected != 0) aof_cat_select(&w.buf, 0);
        buf_append(&w.buf, buf_data(&after), buf_live(&after));
        buf_free(&after);
    }
    writer_flush(&w);
    int ok = !w.failed;
    if (ok && fsync(w.fd) == -1) {
        log_warning("Write error writing append only file on disk: %s", strerror(errno));
        ok = 0;
    }
    if (close(w.fd) == -1 && ok) {
        log_warning("Write error writing append only file on disk: %s", strerror(errno));
        ok = 0;
    }
    if (!ok) unlink(path);
    buf_free(&w.buf);
    return ok ? 0 : -1;
}
