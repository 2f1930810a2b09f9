/*
 * rewrite.c - the base file: one pass over every database writing the
 * commands that rebuild each key, in RESP, the way Redis 7 writes a base
 * with aof-use-rdb-preamble no, so either server can load it:
 *
 *     SELECT <db>                                  once per non-empty db
 *     SET <key> <value>                            a string
 *     XADD <key> <id> <field> <value> ...          a stream: every entry
 *     XADD <key> MAXLEN 0 0-1 x y                  (an empty stream)
 *     XSETID <key> <last-id> ENTRIESADDED <n> MAXDELETEDID <id>
 *     XGROUP CREATE <key> <group> <last-id> ENTRIESREAD <n>
 *     XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n>
 *            JUSTID FORCE                          each pending entry
 *     XGROUP CREATECONSUMER <key> <group> <consumer> (no pending entries)
 *     PEXPIREAT <key> <ms>                         a key with a TTL
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
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "persist/aoffile.h"
#include "server/server.h"

#define FLUSH_BYTES       (64u << 10)
#define FSYNC_EVERY_BYTES (32u << 20)

/* Appends the commands that rebuild one key (borrowed) to out. */
void aof_rewrite_key(Buf *out, Slice key, const Obj *o, int64_t expire_ms) {
    if (o->type == OBJ_STRING) {
        aof_cat_array_header(out, 3);
        aof_cat_bulk(out, "SET", 3);
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk(out, o->ptr, o->len);
    }
    if (expire_ms != -1) {
        aof_cat_array_header(out, 3);
        aof_cat_bulk(out, "PEXPIREAT", 9);
        aof_cat_bulk(out, key.p, key.len);
        aof_cat_bulk_ll(out, expire_ms);
    }
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
    if (w->since_sync >= FSYNC_EVERY_BYTES) {
        fdatasync(w->fd);
        w->since_sync = 0;
    }
}

static void visit(void *priv, Slice key, const Obj *o, int64_t expire_ms) {
    Writer *w = priv;
    if (w->failed) return;
    aof_rewrite_key(&w->buf, key, o, expire_ms);
    if (buf_live(&w->buf) >= FLUSH_BYTES) writer_flush(w);
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
    for (int i = 0; i < server_db_count() && !w.failed; i++) {
        Db *db = server_db(i);
        if (db_size(db) == 0) continue;
        aof_cat_select(&w.buf, i);
        db_for_each(db, visit, &w);
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
