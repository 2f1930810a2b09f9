/*
 * aoffile.c - AOF records: format, parse, replay.
 *
 * A record is either a command in RESP multibulk form, exactly what a client
 * sends, or an annotation line Redis may write ("#TS:<unix time>\r\n"), which
 * carries nothing streamd needs and is skipped:
 *
 *     *<argc>\r\n  ( $<len>\r\n <len bytes> \r\n ) x argc
 *     #<text>\n
 *
 * The parser is a pure function over a byte range that answers OK (one whole
 * record, its length), MORE (the bytes end inside a record) or BAD (a byte no
 * writer produces, and where). MORE at the end of a file is a torn tail: the
 * process died inside a write(). BAD anywhere is corruption. Keeping the two
 * apart byte-exactly is the point of this file: a cut at any offset of the
 * last record must read as a torn tail, never as corruption, and flipped
 * bytes must never read as a torn tail when bytes follow them.
 *
 * The replay groups MULTI ... EXEC itself: the commands in between are copied
 * and executed only when EXEC is read, so a file that ends inside a
 * transaction applies none of it and is cut back to just before MULTI. That
 * needs no transaction support from whoever executes the commands.
 *
 * Rejected: fgets/fread-style parsing (it cannot bound line lengths cleanly
 * or tell "ended early" from "bad byte"), and mmap (a file truncated by
 * someone else while mapped kills the process with SIGBUS).
 */
#include "persist/aoffile.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "net/resp.h"
#include "persist/rdbcodec.h"

/* ---- Writing ----------------------------------------------------------- */

static void cat_header(Buf *out, char type, unsigned long long n) {
    char tmp[32];
    size_t i = sizeof tmp;
    tmp[--i] = '\n';
    tmp[--i] = '\r';
    do {
        tmp[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    tmp[--i] = type;
    buf_append(out, tmp + i, sizeof tmp - i);
}

/* Appends "*<n>\r\n" to out (borrowed). */
void aof_cat_array_header(Buf *out, long long n) {
    cat_header(out, '*', (unsigned long long)n);
}

/* Appends one bulk string ("$<len>\r\n<bytes>\r\n"); bytes borrowed. */
void aof_cat_bulk(Buf *out, const char *p, size_t len) {
    buf_reserve(out, len + 32);
    cat_header(out, '$', len);
    buf_append(out, p, len);
    buf_append(out, "\r\n", 2);
}

void aof_cat_bulk_cstr(Buf *out, const char *s) {
    aof_cat_bulk(out, s, strlen(s));
}

/* Appends a number as a bulk string. */
void aof_cat_bulk_ll(Buf *out, long long v) {
    char tmp[24];
    size_t n = ll_to_str(v, tmp);
    aof_cat_bulk(out, tmp, n);
}

/* Appends a whole command; argv borrowed. */
void aof_cat_command(Buf *out, int argc, const Slice *argv) {
    resp_append_command(out, argc, argv);
}

/* Appends "SELECT <db>" as Redis writes it. */
void aof_cat_select(Buf *out, int db_index) {
    aof_cat_array_header(out, 2);
    aof_cat_bulk(out, "SELECT", 6);
    aof_cat_bulk_ll(out, db_index);
}

/* ---- Parsing ----------------------------------------------------------- */

/* Longest "*<n>\r\n" / "$<n>\r\n" line: type, 20 digits, CRLF. */
#define NUM_LINE_MAX 23

/* Parses "<type><digits>\r\n" at buf[*pos]. Returns OK with *val and *pos past
 * the line, MORE, or BAD with *bad_at and *why. */
static int parse_num_line(const char *buf, size_t len, size_t *pos, char type,
                          unsigned long long max, unsigned long long *val, size_t *bad_at,
                          const char **why) {
    size_t i = *pos;
    if (i == len) return AOF_PARSE_MORE;
    if (buf[i] != type) {
        *bad_at = i;
        *why = type == '*' ? "expected '*' at the start of a command"
                           : "expected '$' at the start of an argument";
        return AOF_PARSE_BAD;
    }
    i++;
    unsigned long long v = 0;
    size_t n_digits = 0;
    for (;;) {
        if (i == len) return AOF_PARSE_MORE;
        char ch = buf[i];
        if (ch == '\r') break;
        /* No leading zeros, and a count of zero is refused at its '0': every
         * error is decided by the bytes up to the one it names, so a prefix
         * of a file never reads as torn where the whole file reads as bad. */
        if (n_digits == 1 && v == 0) {
            *bad_at = i;
            *why = "leading zero in a number";
            return AOF_PARSE_BAD;
        }
        if (type == '*' && n_digits == 0 && ch == '0') {
            *bad_at = i;
            *why = "a command needs at least one argument";
            return AOF_PARSE_BAD;
        }
        if (ch < '0' || ch > '9' || n_digits >= NUM_LINE_MAX - 3) {
            *bad_at = i;
            *why = type == '*' ? "bad argument count" : "bad argument length";
            return AOF_PARSE_BAD;
        }
        if (v > (max - (unsigned long long)(ch - '0')) / 10) {
            *bad_at = i;
            *why = type == '*' ? "argument count out of range" : "argument length out of range";
            return AOF_PARSE_BAD;
        }
        v = v * 10 + (unsigned long long)(ch - '0');
        n_digits++;
        i++;
    }
    if (n_digits == 0) {
        *bad_at = i;
        *why = type == '*' ? "bad argument count" : "bad argument length";
        return AOF_PARSE_BAD;
    }
    i++; /* '\r' */
    if (i == len) return AOF_PARSE_MORE;
    if (buf[i] != '\n') {
        *bad_at = i;
        *why = "expected LF after CR";
        return AOF_PARSE_BAD;
    }
    *pos = i + 1;
    *val = v;
    return AOF_PARSE_OK;
}

static void argv_push(AofArgv *a, const char *p, size_t len) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
    }
    a->v[a->n++] = slice_of(p, len);
}

/*
 * Parses one record at buf[0..len) (borrowed). Returns AOF_PARSE_OK with
 * *kind, *used (its length) and, for a command, argv filled with views into
 * buf; AOF_PARSE_MORE when buf ends inside the record (nothing else set); or
 * AOF_PARSE_BAD with *bad_at (offset in buf) and *why (static text).
 * The argv array grows with what is really present, never with what a header
 * claims.
 */
int aof_parse_record(const char *buf, size_t len, AofArgv *argv, int *kind, size_t *used,
                     size_t *bad_at, const char **why) {
    argv->n = 0;
    if (len == 0) return AOF_PARSE_MORE;
    if (buf[0] == '#') {
        size_t scan = len < AOF_MAX_ANNOTATION ? len : AOF_MAX_ANNOTATION;
        const char *nl = memchr(buf, '\n', scan);
        if (!nl) {
            if (len < AOF_MAX_ANNOTATION) return AOF_PARSE_MORE;
            *bad_at = AOF_MAX_ANNOTATION - 1; /* the byte that made it too long */
            *why = "annotation line too long";
            return AOF_PARSE_BAD;
        }
        *kind = AOF_RECORD_ANNOTATION;
        *used = (size_t)(nl - buf) + 1;
        return AOF_PARSE_OK;
    }
    size_t pos = 0;
    unsigned long long argc, blen;
    int rc = parse_num_line(buf, len, &pos, '*', AOF_MAX_ARGC, &argc, bad_at, why);
    if (rc != AOF_PARSE_OK) return rc;
    assert(argc > 0);
    for (unsigned long long j = 0; j < argc; j++) {
        rc = parse_num_line(buf, len, &pos, '$', persist_string_max(), &blen, bad_at, why);
        if (rc != AOF_PARSE_OK) return rc;
        if (len - pos < blen) return AOF_PARSE_MORE;
        const char *p = buf + pos;
        pos += blen;
        if (pos == len) return AOF_PARSE_MORE;
        if (buf[pos] != '\r') {
            *bad_at = pos;
            *why = "expected CRLF after an argument";
            return AOF_PARSE_BAD;
        }
        if (pos + 1 == len) return AOF_PARSE_MORE;
        if (buf[pos + 1] != '\n') {
            *bad_at = pos + 1;
            *why = "expected CRLF after an argument";
            return AOF_PARSE_BAD;
        }
        pos += 2;
        argv_push(argv, p, blen);
    }
    *kind = AOF_RECORD_COMMAND;
    *used = pos;
    return AOF_PARSE_OK;
}

/* Frees the argv array (not the bytes it views). */
void aof_argv_free(AofArgv *a) {
    xfree(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

/* ---- Reader ------------------------------------------------------------ */

#define READ_CHUNK (256u << 10)

/* Starts reading fd (borrowed; not closed here) from its current offset,
 * which is taken as offset 0. */
void aof_reader_init(AofReader *r, int fd) {
    memset(r, 0, sizeof *r);
    r->fd = fd;
    buf_init(&r->buf);
    /* Offsets count from the file's start even when reading begins later
     * (after an RDB preamble). */
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at > 0) r->buf_off = (uint64_t)at;
}

void aof_reader_free(AofReader *r) {
    buf_free(&r->buf);
    aof_argv_free(&r->argv);
}

/*
 * Reads the next record. Returns AOF_READ_RECORD with *kind, *start_off (the
 * record's file offset) and r->argv (views valid until the next call);
 * AOF_READ_EOF after the last whole record; AOF_READ_TRUNCATED when the file
 * ends inside a record (*start_off is where it starts); AOF_READ_BAD with
 * r->bad_off and r->why; AOF_READ_IOERR with r->sys_errno.
 */
int aof_reader_next(AofReader *r, int *kind, uint64_t *start_off) {
    if (r->pending) {
        buf_consume(&r->buf, r->pending);
        r->buf_off += r->pending;
        r->pending = 0;
    }
    for (;;) {
        size_t used = 0, bad_at = 0;
        const char *why = NULL;
        int rc = aof_parse_record(buf_data(&r->buf), buf_live(&r->buf), &r->argv, kind, &used,
                                  &bad_at, &why);
        *start_off = r->buf_off;
        if (rc == AOF_PARSE_OK) {
            r->pending = used;
            return AOF_READ_RECORD;
        }
        if (rc == AOF_PARSE_BAD) {
            r->bad_off = r->buf_off + bad_at;
            r->why = why;
            return AOF_READ_BAD;
        }
        if (r->eof) return buf_live(&r->buf) == 0 ? AOF_READ_EOF : AOF_READ_TRUNCATED;
        size_t live = buf_live(&r->buf);
        unsigned long long record_max = 2 * persist_string_max();
        if (live >= (record_max > AOF_MAX_RECORD_BYTES ? record_max : AOF_MAX_RECORD_BYTES)) {
            r->bad_off = r->buf_off;
            r->why = "command larger than the maximum record size";
            return AOF_READ_BAD;
        }
        buf_reserve(&r->buf, live > READ_CHUNK ? live : READ_CHUNK);
        ssize_t n = read(r->fd, r->buf.p + r->buf.len, r->buf.cap - r->buf.len);
        if (n < 0) {
            if (errno == EINTR) continue;
            r->sys_errno = errno;
            return AOF_READ_IOERR;
        }
        if (n == 0)
            r->eof = 1;
        else
            r->buf.len += (size_t)n;
    }
}

/* ---- Replay ------------------------------------------------------------ */

/* A command of an open MULTI, copied: one block, slices then bytes. */
typedef struct Queued {
    int argc;
    uint64_t offset;
    Slice *argv;
} Queued;

static Queued queued_copy(int argc, const Slice *argv, uint64_t offset) {
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += argv[i].len;
    Slice *v = xmalloc((size_t)argc * sizeof(Slice) + bytes + 1);
    char *p = (char *)(v + argc);
    for (int i = 0; i < argc; i++) {
        if (argv[i].len) memcpy(p, argv[i].p, argv[i].len);
        v[i] = slice_of(p, argv[i].len);
        p += argv[i].len;
    }
    Queued q = {argc, offset, v};
    return q;
}

typedef struct Tx {
    Queued *v;
    size_t n, cap;
    int open;
    uint64_t multi_off;
} Tx;

static void tx_clear(Tx *tx) {
    for (size_t i = 0; i < tx->n; i++) xfree(tx->v[i].argv);
    tx->n = 0;
    tx->open = 0;
}

static int run(const AofLoadHooks *h, AofLoadResult *res, int argc, const Slice *argv,
               uint64_t off) {
    res->n_commands++;
    if (h->progress && (res->n_commands & 4095) == 0) h->progress(h->ctx, off);
    if (h->exec(h->ctx, argc, argv, off) != 0) {
        res->status = AOF_LOAD_FAILED;
        res->err_offset = off;
        return -1;
    }
    return 0;
}

/*
 * Replays the AOF file open on fd (borrowed, read from its current offset
 * to the end) through hooks. Fills *res; returns res->status. MULTI/EXEC
 * are applied as a unit (see the file comment). A file whose first bytes are
 * "REDIS" is an RDB (a Redis base written with aof-use-rdb-preamble yes) and
 * is refused with AOF_LOAD_RDB before anything runs.
 */
int aof_load_fd(int fd, const AofLoadHooks *hooks, AofLoadResult *res) {
    memset(res, 0, sizeof *res);
    AofReader r;
    aof_reader_init(&r, fd);
    Tx tx = {0};
    int kind;
    uint64_t off;
    int first = 1;
    for (;;) {
        int rc = aof_reader_next(&r, &kind, &off);
        if (first) {
            first = 0;
            if (rc == AOF_READ_EOF) {
                res->status = AOF_LOAD_EMPTY;
                break;
            }
            size_t live = buf_live(&r.buf);
            if (live >= 5 && memcmp(buf_data(&r.buf), "REDIS", 5) == 0) {
                res->status = AOF_LOAD_RDB;
                res->why = "the file is in RDB format";
                break;
            }
        }
        if (rc == AOF_READ_EOF) {
            if (tx.open) {
                res->status = AOF_LOAD_TRUNCATED;
                res->why = "the file ends inside a MULTI/EXEC transaction";
                res->valid_up_to = tx.multi_off;
            } else {
                res->status = AOF_LOAD_OK;
            }
            break;
        }
        if (rc == AOF_READ_TRUNCATED) {
            res->status = AOF_LOAD_TRUNCATED;
            res->why = "the file ends inside a command";
            if (tx.open) res->valid_up_to = tx.multi_off;
            break;
        }
        if (rc == AOF_READ_BAD) {
            res->status = AOF_LOAD_BAD;
            res->err_offset = r.bad_off;
            res->why = r.why;
            break;
        }
        if (rc == AOF_READ_IOERR) {
            res->status = AOF_LOAD_IOERR;
            res->sys_errno = r.sys_errno;
            res->err_offset = off;
            break;
        }
        if (kind == AOF_RECORD_ANNOTATION) {
            if (!tx.open) res->valid_up_to = off + r.pending;
            continue;
        }
        int argc = r.argv.n;
        const Slice *argv = r.argv.v;
        if (slice_eq_nocase(argv[0], "multi")) {
            if (tx.open) {
                res->status = AOF_LOAD_BAD;
                res->err_offset = off;
                res->why = "MULTI inside MULTI";
                break;
            }
            tx.open = 1;
            tx.multi_off = off;
            continue;
        }
        if (slice_eq_nocase(argv[0], "exec")) {
            if (!tx.open) {
                res->status = AOF_LOAD_BAD;
                res->err_offset = off;
                res->why = "EXEC without MULTI";
                break;
            }
            int failed = 0;
            for (size_t i = 0; i < tx.n && !failed; i++)
                failed = run(hooks, res, tx.v[i].argc, tx.v[i].argv, tx.v[i].offset) != 0;
            tx_clear(&tx);
            if (failed) break;
            res->valid_up_to = off + r.pending;
            continue;
        }
        if (tx.open) {
            if (tx.n == tx.cap) {
                tx.cap = tx.cap ? tx.cap * 2 : 16;
                tx.v = xrealloc(tx.v, tx.cap * sizeof *tx.v);
            }
            tx.v[tx.n++] = queued_copy(argc, argv, off);
            continue;
        }
        if (run(hooks, res, argc, argv, off) != 0) break;
        res->valid_up_to = off + r.pending;
    }
    tx_clear(&tx);
    xfree(tx.v);
    aof_reader_free(&r);
    return res->status;
}
