/*
 * check.c - streamd-check-aof and streamd-check-rdb, the file checkers.
 *
 * Redis ships redis-check-aof and redis-check-rdb as its server binary under
 * other names; streamd does the same: main() hands over to check_main() when
 * the program's base name is streamd-check-aof or streamd-check-rdb (the
 * Makefile makes both symlinks next to the binary), or when the first
 * argument is --check-aof or --check-rdb.
 *
 * The AOF checker reports message for message what Debian's redis-check-aof
 * (7.0) reports, because users and scripts read that output (the "AOF
 * analyzed: ..." line, the offsets in "0x%16llx: ..." errors, "--fix"'s
 * prompt). So it reads a file the way that tool does, not the way the
 * server's loader (aoffile.c) does:
 *
 *   - a record starts with '*' (a command) or '#' (an annotation line of up
 *     to 1023 bytes); anything else is a "format error" where it starts;
 *   - "*<n>" and "$<len>" lines are read as C strings of at most 127 bytes
 *     and their numbers with strtol(), so "* 1", "*+1" and "*-1" pass, and
 *     what follows the digits must be "\r\n"; a mismatch quotes the two
 *     bytes after the digits as two signed chars ("got: ffffff810d"). When
 *     the digits end the line's bytes, the second quoted byte is one the
 *     redis tool never wrote: what its line buffer held before. For "*"
 *     lines that is the previous "*" line's leftover bytes (its buffer
 *     lives on); for "$" lines Redis's stack is reused in between, and
 *     zeros are what it shows for short lines. Both are reproduced (a
 *     longer line's leftovers are stack garbage in Redis, zeros here);
 *   - a bulk's data is read as one block of len + 2 bytes, so a short file
 *     reports "Expected to read N bytes, got M bytes" (Redis allocates the
 *     block and dies when it cannot; here the data is streamed, any length);
 *   - the line count ("ok_up_to_line") counts every "\r\n" consumed, from 1,
 *     across all files of a manifest; annotations do not count;
 *   - MULTI / EXEC pair up per file; ok_up_to stays at a MULTI until its
 *     EXEC, so --fix cuts a torn transaction whole.
 *
 * One deliberate difference: with --truncate-to-timestamp, a #TS annotation
 * between MULTI and EXEC is not a truncation point (Redis cuts there, in the
 * middle of the transaction, and leaves a file that only loads as torn).
 *
 * A file that starts with "REDIS" (an RDB base, or a pre-7 preamble) has
 * its RDB part checked by the RDB checker first, which walks the file with
 * the server's own parser (rdbfile.c: every value decoded and checked) and
 * prints redis-check-rdb's lines: AUX fields, selected databases, module-aux
 * records, the checksum, the counts. Its error report keeps Redis's shape
 * ("--- RDB ERROR DETECTED ---", the reason, what it was doing, the key);
 * the offsets there are where the bad record starts (Redis reports how far
 * its reader got). RDB versions up to 15 are accepted (Redis 7.0 stops at
 * 10), so files streamd writes for newer Redis versions check too.
 *
 * Failures inside the checkers return the exit code rather than calling
 * exit(), so that every allocation is freed on every path.
 */
#include "persist/check.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cmd/stream_obj.h"
#include "persist/manifest.h"
#include "persist/rdbcodec.h"
#include "persist/rdbfile.h"
#include "server/core.h"
#include "version.h"

#define LINE_MAX_BYTES       128  /* redis-check-aof's "*" / "$" line buffer */
#define ANNOTATION_MAX_BYTES 1024 /* ... and its annotation line buffer */
#define MANIFEST_LINE_BYTES  1025

enum { SINGLE_OK, SINGLE_EMPTY, SINGLE_TRUNCATED, SINGLE_TS_TRUNCATED, SINGLE_FAILED };

/* One run of the AOF checker: what redis-check-aof keeps in globals. */
typedef struct AofCheck {
    int fix;
    long to_timestamp; /* 0: no --truncate-to-timestamp */
    long long line;    /* "\r\n"s consumed, from 1, across files */
    off_t epos;        /* where the last read began: the error's offset */
    char error[1100];
    /* The "*" line buffer keeps its bytes from one line to the next (see
     * the header); one byte more than fgets() may fill, always zero. */
    char argc_line[LINE_MAX_BYTES + 1];
    char chunk[64 << 10]; /* bulk data streams through here */
} AofCheck;

static void set_error(AofCheck *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(AofCheck *k, const char *fmt, ...) {
    /* Formatted, then quoted with "%s": a NUL byte in the message ends it,
     * as in Redis's two-step formatting. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(k->error, sizeof k->error, "0x%16llx: %s", (long long)k->epos, msg);
}

/* p[0..1] must be "\r\n" (p holds at least two bytes). */
static int consume_newline(AofCheck *k, const char *p) {
    if (p[0] != '\r' || p[1] != '\n') {
        set_error(k, "Expected \\r\\n, got: %02x%02x", (int)(signed char)p[0],
                  (int)(signed char)p[1]);
        return 0;
    }
    k->line++;
    return 1;
}

/* Reads a "<prefix><number>\r\n" line into buf (LINE_MAX_BYTES + 1 bytes).
 * 1 with *out set; 0 on a bad line (error set) or at the end of the file
 * (no error: the caller's EOF test reports it). */
static int read_long(AofCheck *k, FILE *fp, char prefix, char *buf, long *out) {
    k->epos = ftello(fp);
    if (!fgets(buf, LINE_MAX_BYTES, fp)) return 0;
    if (buf[0] != prefix) {
        set_error(k, "Expected prefix '%c', got: '%c'", prefix, buf[0]);
        return 0;
    }
    char *end;
    *out = strtol(buf + 1, &end, 10);
    return consume_newline(k, end);
}

/* Reads one "$<len>\r\n<data>\r\n" argument; head gets the data as a C
 * string, cut at 7 bytes (enough to tell MULTI and EXEC apart). */
static int read_string(AofCheck *k, FILE *fp, char head[8]) {
    char buf[LINE_MAX_BYTES + 1];
    memset(buf, 0, sizeof buf);
    long len;
    if (!read_long(k, fp, '$', buf, &len)) return 0;
    if (len < 0 || len > LONG_MAX - 2) {
        set_error(k, "Expected to read string of %ld bytes, which is not in the suitable range",
                  len);
        return 0;
    }
    long want = len + 2, got = 0;
    char tail[2] = {0, 0};
    size_t n_head = 0;
    k->epos = ftello(fp);
    while (got < want) {
        size_t ask =
            (size_t)(want - got) < sizeof k->chunk ? (size_t)(want - got) : sizeof k->chunk;
        size_t r = fread(k->chunk, 1, ask, fp);
        for (size_t i = 0; i < r; i++) {
            long at = got + (long)i;
            if (at < len && n_head < 7) head[n_head++] = k->chunk[i];
            if (at >= len) tail[at - len] = k->chunk[i];
        }
        got += (long)r;
        if (r < ask) break;
    }
    head[n_head] = '\0';
    if (got != want) {
        set_error(k, "Expected to read %ld bytes, got %ld bytes", want, got);
        return 0;
    }
    return consume_newline(k, tail);
}

/* One "*<n>" command; *multi counts the open MULTI. 1 to go on, 0 to stop. */
static int process_resp(AofCheck *k, FILE *fp, const char *path, int *multi) {
    long argc;
    if (!read_long(k, fp, '*', k->argc_line, &argc)) return 0;
    for (long i = 0; i < argc; i++) {
        char head[8];
        if (!read_string(k, fp, head)) return 0;
        if (i != 0) continue;
        if (strcasecmp(head, "multi") == 0) {
            if ((*multi)++) {
                set_error(k, "Unexpected MULTI in AOF %s", path);
                return 0;
            }
        } else if (strcasecmp(head, "exec") == 0) {
            if (--(*multi)) {
                set_error(k, "Unexpected EXEC in AOF %s", path);
                return 0;
            }
        }
    }
    return 1;
}

/* One annotation line. 1 to go on, 0 when the file was cut here at a later
 * #TS (--truncate-to-timestamp), -1 to exit with 1 (printed). */
static int process_annotation(AofCheck *k, FILE *fp, const char *path, int last_file,
                              int in_multi) {
    char buf[ANNOTATION_MAX_BYTES];
    k->epos = ftello(fp);
    if (!fgets(buf, sizeof buf, fp)) {
        printf("Failed to read annotations from AOF %s, aborting...\n", path);
        return -1;
    }
    if (!k->to_timestamp || strncmp(buf, "#TS:", 4) != 0) return 1;
    char *end;
    errno = 0;
    long ts = strtol(buf + 4, &end, 10);
    if (errno != 0 || *end != '\r') {
        printf("Invalid timestamp annotation\n");
        return -1;
    }
    if (ts <= k->to_timestamp || in_multi) return 1;
    if (k->epos == 0) {
        printf("AOF %s has nothing before timestamp %ld, aborting...\n", path, k->to_timestamp);
        return -1;
    }
    if (!last_file) {
        printf("Failed to truncate AOF %s to timestamp %ld to offset %ld because it is not the "
               "last file.\n",
               path, k->to_timestamp, (long)k->epos);
        printf("If you insist, please delete all files after this file according to the manifest "
               "file and delete the corresponding records in manifest file manually. Then re-run "
               "streamd-check-aof.\n");
        return -1;
    }
    if (ftruncate(fileno(fp), k->epos) == -1) {
        printf("Failed to truncate AOF %s to timestamp %ld\n", path, k->to_timestamp);
        return -1;
    }
    return 0;
}

/* ---- RDB ----------------------------------------------------------------- */

typedef struct RdbCheck {
    unsigned long keys, expires, already_expired;
    int64_t now_ms;
} RdbCheck;

static void rdb_note(void *ctx, const RdbNote *n) {
    (void)ctx;
    switch (n->kind) {
    case RDB_NOTE_AUX:
        /* Redis prints the values as C strings: a NUL byte ends them. */
        printf("[offset %zu] AUX FIELD %.*s = '%.*s'\n", n->offset,
               (int)strnlen(n->key.p, n->key.len), n->key.p, (int)strnlen(n->val.p, n->val.len),
               n->val.p);
        break;
    case RDB_NOTE_SELECT:
        printf("[offset %zu] Selecting DB ID %llu\n", n->offset, (unsigned long long)n->db);
        break;
    case RDB_NOTE_MODULE_AUX:
        printf("[offset %zu] MODULE AUX for: %s\n", n->offset, n->module);
        break;
    }
}

static int rdb_key(void *ctx, Slice key, Obj *o, int64_t expire_ms, long long idle_s, int freq) {
    RdbCheck *c = ctx;
    (void)key;
    (void)idle_s;
    (void)freq;
    obj_free(o);
    c->keys++;
    if (expire_ms != -1) {
        c->expires++;
        if (expire_ms < c->now_ms) c->already_expired++;
    }
    return 0;
}

static int rdb_empty(void *ctx, Slice key, int type) {
    RdbCheck *c = ctx;
    (void)key;
    (void)type;
    c->keys++;
    return 0;
}

static void rdb_show_info(const RdbCheck *c) {
    printf("[info] %lu keys read\n", c->keys);
    printf("[info] %lu expires\n", c->expires);
    printf("[info] %lu already expired\n", c->already_expired);
}

/* The value types Redis 7.0 names in its report (its table stops at 18). */
static const char *rdb_type_name(int t) {
    static const char *const names[] = {
        "string",
        "list-linked",
        "set-hashtable",
        "zset-v1",
        "hash-hashtable",
        "zset-v2",
        "module-value",
        "",
        "",
        "hash-zipmap",
        "list-ziplist",
        "set-intset",
        "zset-ziplist",
        "hash-ziplist",
        "quicklist",
        "stream",
        "hash-listpack",
        "zset-listpack",
        "quicklist-v2",
    };
    return t >= 0 && (size_t)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* A value type byte some Redis version writes (8 was never used). */
static int is_object_type(int t) {
    return (t >= 0 && t <= 7) || (t >= 9 && t <= 32);
}

/* Prints Redis's error report for a parse that failed at res->err_at. */
static void rdb_report_error(const uint8_t *p, size_t len, const RdbLoadResult *res, RdbCheck *c) {
    const char *doing = "read-type", *why = res->why;
    size_t at = res->err_at;
    int type = -1;
    char *key = NULL;
    size_t key_len = 0;
    char msg[64];
    if (res->bad_crc) {
        doing = "check-sum";
        why = "RDB CRC error";
        at += 8;
    } else if (at >= len || strcmp(why, "Unexpected EOF or bad data reading RDB file") == 0) {
        why = "Unexpected EOF reading RDB file";
    }
    if (!res->bad_crc && at < len) {
        int op = p[at];
        switch (op) {
        case 0xFF:
            doing = "check-sum";
            break;
        case 0xFD:
        case 0xFC:
            doing = "read-expire";
            break;
        case 0xFE:
        case 0xFB:
            doing = "read-len";
            break;
        case 0xFA:
            doing = "read-aux";
            break;
        case 0xF7:
            doing = "read-module-aux";
            break;
        case 0xF5:
        case 0xF6:
            doing = "read-functions";
            break;
        case 0xF4:
        case 0xF8:
        case 0xF9:
            break;
        default:
            if (!is_object_type(op)) {
                snprintf(msg, sizeof msg, "Invalid object type: %d", op);
                why = msg;
                break;
            }
            type = op;
            RdbReader r;
            rdb_reader_init(&r, p, len);
            r.pos = at + 1;
            if (rdb_read_string(&r, persist_string_max(), &key, &key_len) != RDB_OK) {
                doing = "read-key";
                key = NULL;
            } else {
                doing = "read-object-value";
                c->keys++; /* Redis counts a key once its name is read */
            }
        }
    }
    /* Redis's "current type" starts at 0 and is reset to -1 after each key. */
    if (type == -1 && c->keys == 0) type = 0;
    printf("--- RDB ERROR DETECTED ---\n");
    printf("[offset %zu] %s\n", at, why);
    printf("[additional info] While doing: %s\n", doing);
    if (key) printf("[additional info] Reading key '%.*s'\n", (int)strnlen(key, key_len), key);
    if (type != -1) printf("[additional info] Reading type %d (%s)\n", type, rdb_type_name(type));
    rdb_show_info(c);
    xfree(key);
}

/* The types and module state the parser needs, registered once (the
 * module-aux records, index definitions and dictionaries, are applied to
 * this process's empty server state, which then goes unused). */
static void rdb_check_init(void) {
    static int done;
    if (done) return;
    done = 1;
    db_init_all((int)settings.databases); /* module-aux state names databases */
    commands_init();
}

/* Checks the RDB at p[0..len) (more bytes may follow: an AOF tail), named
 * name in the report. 0 when sane (*used: its length), 1 after reporting. */
static int rdb_check_bytes(const char *name, const uint8_t *p, size_t len, size_t *used) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    RdbCheck c = {0, 0, 0, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000};
    printf("[offset 0] Checking RDB file %s\n", name);
    const char *bad = NULL;
    char msg[64];
    if (len < 9) {
        bad = "Unexpected EOF reading RDB file";
    } else if (memcmp(p, "REDIS", 5) != 0) {
        bad = "Wrong signature trying to load DB from file";
    } else {
        /* the version as Redis reads it: atoi() of the four bytes */
        char digits[5] = {(char)p[5], (char)p[6], (char)p[7], (char)p[8], 0};
        int version = atoi(digits);
        if (version < 1 || version > RDB_VERSION_MAX) {
            snprintf(msg, sizeof msg, "Can't handle RDB format version %d", version);
            bad = msg;
        }
    }
    if (bad) {
        printf("--- RDB ERROR DETECTED ---\n[offset %d] %s\n", len < 9 ? 0 : 9, bad);
        printf("[additional info] While doing: start\n");
        printf("[additional info] Reading type 0 (string)\n");
        rdb_show_info(&c);
        return 1;
    }
    rdb_check_init();
    RdbLoadHooks h = {.ctx = &c, .key = rdb_key, .empty = rdb_empty, .note = rdb_note};
    RdbLoadResult res;
    StreamLimits lim = stream_obj_limits();
    int rc = rdb_parse(p, len, &lim, c.now_ms, &h, &res);
    if (rc != RDBF_OK) {
        rdb_report_error(p, len, &res, &c);
        return 1;
    }
    int has_crc = res.version >= 5;
    uint64_t crc = 0;
    for (int i = 0; has_crc && i < 8; i++) crc |= (uint64_t)p[res.used - 8 + i] << (8 * i);
    if (has_crc && crc == 0)
        printf("[offset %zu] RDB file was saved with checksum disabled: no check performed.\n",
               res.used);
    else if (has_crc)
        printf("[offset %zu] Checksum OK\n", res.used);
    printf("[offset %zu] \\o/ RDB looks OK! \\o/\n", res.used);
    rdb_show_info(&c);
    *used = res.used;
    return 0;
}

static int check_rdb_main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
        printf("streamd-check-rdb %s\n", STREAMD_VERSION);
        return 0;
    }
    uint8_t *p;
    size_t len, used;
    if (rdb_read_file(argv[1], &p, &len) != 0) {
        /* Redis's checker says nothing more here; the reason helps. */
        printf("[offset 0] Checking RDB file %s\n", argv[1]);
        printf("--- RDB ERROR DETECTED ---\n[offset 0] Can't open the file: %s\n", strerror(errno));
        return 1;
    }
    int rc = rdb_check_bytes(argv[1], p, len, &used);
    xfree(p);
    return rc;
}

/* ---- AOF ------------------------------------------------------------------ */

/* The RDB at the start of the open file fp (path): checked, and fp left
 * where the AOF tail starts. 0, or -1 to exit with 1 (printed). */
static int check_preamble(const char *name, const char *path, FILE *fp) {
    uint8_t *p;
    size_t len, used = 0;
    if (rdb_read_file(path, &p, &len) != 0) {
        printf("Cannot read file %s: %s, aborting...\n", path, strerror(errno));
        return -1;
    }
    int rc = rdb_check_bytes(name, p, len, &used);
    xfree(p);
    if (rc != 0) {
        printf("RDB preamble of AOF file is not sane, aborting.\n");
        return -1;
    }
    printf("RDB preamble is OK, proceeding with AOF tail...\n");
    if (fseeko(fp, (off_t)used, SEEK_SET) == -1) {
        printf("Failed to fseek in AOF %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

/* Asks on stdin; 1 when the answer starts with y or Y. */
static int confirm(void) {
    char ans[2];
    printf("Continue? [y/N]: ");
    fflush(stdout);
    return fgets(ans, sizeof ans, stdin) != NULL && (ans[0] == 'y' || ans[0] == 'Y');
}

/* Checks one file of the AOF (name as reported, path to open). SINGLE_*;
 * SINGLE_FAILED means exit with 1 (printed). */
static int check_single(AofCheck *k, const char *name, const char *path, int last_file,
                        int preamble) {
    FILE *fp = fopen(path, "r+");
    if (!fp) {
        printf("Cannot open file %s: %s, aborting...\n", path, strerror(errno));
        return SINGLE_FAILED;
    }
    int ret = SINGLE_FAILED;
    struct stat st;
    if (fstat(fileno(fp), &st) == -1) {
        printf("Cannot stat file: %s, aborting...\n", name);
        goto out;
    }
    off_t size = st.st_size, pos = 0;
    if (size == 0) {
        ret = SINGLE_EMPTY;
        goto out;
    }
    if (preamble && check_preamble(name, path, fp) != 0) goto out;
    int multi = 0;
    for (;;) {
        if (!multi) pos = ftello(fp);
        int c = getc(fp);
        if (c == EOF) {
            if (feof(fp)) break;
            printf("Failed to read from AOF %s, aborting...\n", name);
            goto out;
        }
        /* Stepping back with a seek (not ungetc(), after which glibc's
         * ftello() asks the kernel every time) keeps ftello() cheap. */
        if (fseeko(fp, -1, SEEK_CUR) == -1) {
            printf("Failed to fseek in AOF %s: %s", name, strerror(errno));
            goto out;
        }
        if (c == '#') {
            int r = process_annotation(k, fp, path, last_file, multi);
            if (r < 0) goto out;
            if (r == 0) {
                ret = SINGLE_TS_TRUNCATED;
                goto out;
            }
        } else if (c == '*') {
            if (!process_resp(k, fp, path, &multi)) break;
        } else {
            printf("AOF %s format error\n", name);
            break;
        }
    }
    if (feof(fp) && multi && !k->error[0])
        set_error(k, "Reached EOF before reading EXEC for MULTI");
    if (k->error[0]) printf("%s\n", k->error);
    off_t diff = size - pos;
    if (diff == 0 && k->to_timestamp) {
        printf("Truncate nothing in AOF %s to timestamp %ld\n", name, k->to_timestamp);
        ret = SINGLE_OK;
        goto out;
    }
    printf("AOF analyzed: filename=%s, size=%lld, ok_up_to=%lld, ok_up_to_line=%lld, diff=%lld\n",
           name, (long long)size, (long long)pos, k->line, (long long)diff);
    if (diff <= 0) {
        ret = SINGLE_OK;
        goto out;
    }
    if (!k->fix) {
        printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name);
        goto out;
    }
    if (!last_file) {
        printf("Failed to truncate AOF %s because it is not the last file\n", name);
        goto out;
    }
    printf("This will shrink the AOF %s from %lld bytes, with %lld bytes, to %lld bytes\n", name,
           (long long)size, (long long)diff, (long long)pos);
    if (!confirm()) {
        printf("Aborting...\n");
        goto out;
    }
    if (ftruncate(fileno(fp), pos) == -1) {
        printf("Failed to truncate AOF %s\n", name);
        goto out;
    }
    ret = SINGLE_TRUNCATED;
out:
    fclose(fp);
    return ret;
}

/* Prints what check_single()'s result means for the file (kind "BASE AOF",
 * "INCR AOF" or "AOF"); 0, or -1 to exit with 1. */
static int report_single(const AofCheck *k, int ret, const char *kind, const char *name) {
    switch (ret) {
    case SINGLE_OK:
        printf("%s %s is valid\n", kind, name);
        return 0;
    case SINGLE_EMPTY:
        printf("%s %s is empty\n", kind, name);
        return 0;
    case SINGLE_TS_TRUNCATED:
        printf("Successfully truncated AOF %s to timestamp %ld\n", name, k->to_timestamp);
        return 0;
    case SINGLE_TRUNCATED:
        printf("Successfully truncated AOF %s\n", name);
        return 0;
    default:
        return -1;
    }
}

/* -1 (printed) when the file cannot be opened; else whether it starts with
 * an RDB header. */
static int file_is_rdb(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char sig[5];
    struct stat st;
    int is_rdb = fstat(fileno(fp), &st) == 0 && st.st_size >= 8 &&
                 fread(sig, sizeof sig, 1, fp) == 1 && memcmp(sig, "REDIS", 5) == 0;
    fclose(fp);
    return is_rdb;
}

/* Whether the file reads as a manifest: a line, not a comment, starting
 * with "file". -1 (printed) when it cannot be read. */
static int file_is_manifest(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char buf[MANIFEST_LINE_BYTES];
    int is_manifest = 0;
    while (fgets(buf, sizeof buf, fp))
        if (buf[0] != '#' && memcmp(buf, "file", 4) == 0) is_manifest = 1;
    int failed = ferror(fp);
    fclose(fp);
    if (failed) {
        printf("Cannot read file: %s\n", path);
        return -1;
    }
    return is_manifest;
}

/* Reads and parses the manifest at path; NULL after logging Redis's fatal
 * manifest lines. */
static AofManifest *load_manifest(const char *path) {
    uint8_t *text;
    size_t len;
    if (rdb_read_file(path, &text, &len) != 0) {
        log_warning("Fatal error: can't open the AOF manifest file %s for reading: %s", path,
                    strerror(errno));
        return NULL;
    }
    AofManifest *am = NULL;
    AofManifestError err;
    int rc = aof_manifest_parse((const char *)text, len, &am, &err);
    xfree(text);
    if (rc == 0) return am;
    log_warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
    if (err.line_no && strcmp(err.msg, "The AOF manifest file contains too long line") != 0) {
        log_warning("Reading the manifest file, at line %d\n", err.line_no);
        log_warning(">>> '%s'\n", err.line);
    }
    log_warning("%s\n", err.msg);
    return NULL;
}

static int check_multi_part(AofCheck *k, const char *dir, const char *manifest_path) {
    printf("Start checking Multi Part AOF\n");
    AofManifest *am = load_manifest(manifest_path);
    if (!am) return 1;
    int total = (am->base.name ? 1 : 0) + am->n_incr, n = 0, rc = 1;
    if (am->base.name) {
        char *path = aof_path_join(dir, am->base.name);
        int preamble = file_is_rdb(path), ret = SINGLE_FAILED;
        if (preamble >= 0) {
            printf("Start to check BASE AOF (%s format).\n", preamble ? "RDB" : "RESP");
            ret = check_single(k, am->base.name, path, ++n == total, preamble);
        }
        xfree(path);
        if (report_single(k, ret, "BASE AOF", am->base.name) != 0) goto out;
    }
    if (am->n_incr) printf("Start to check INCR files.\n");
    for (int i = 0; i < am->n_incr; i++) {
        const char *name = am->incr[i].name;
        char *path = aof_path_join(dir, name);
        int ret = check_single(k, name, path, ++n == total, 0);
        xfree(path);
        if (report_single(k, ret, "INCR AOF", name) != 0) goto out;
    }
    printf("All AOF files and manifest are valid\n");
    rc = 0;
out:
    aof_manifest_free(am);
    return rc;
}

static int check_aof_main(int argc, char **argv) {
    const char *file;
    AofCheck *k = xcalloc(1, sizeof *k);
    k->line = 1;
    int rc = 1;
    if (argc == 2) {
        file = argv[1];
    } else if (argc == 3 && !strcmp(argv[1], "--fix")) {
        file = argv[2];
        k->fix = 1;
    } else if (argc == 4 && !strcmp(argv[1], "--truncate-to-timestamp")) {
        char *end;
        errno = 0;
        k->to_timestamp = strtol(argv[2], &end, 10);
        if (errno != 0 || *end != '\0') {
            printf("Invalid timestamp, aborting...\n");
            goto out;
        }
        file = argv[3];
    } else {
        printf("Usage: %s [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n",
               argv[0]);
        goto out;
    }
    int is_manifest = file_is_manifest(file);
    if (is_manifest < 0) goto out;
    if (is_manifest) {
        char *copy = xstrdup(file);
        rc = check_multi_part(k, dirname(copy), file);
        xfree(copy);
        goto out;
    }
    int preamble = file_is_rdb(file);
    if (preamble < 0) goto out;
    printf("Start checking Old-Style AOF\n");
    rc = report_single(k, check_single(k, file, file, 1, preamble), "AOF", file) == 0 ? 0 : 1;
out:
    xfree(k);
    return rc;
}

/* ---- Dispatch ------------------------------------------------------------- */

static int name_is(const char *argv0, const char *tool) {
    const char *base = strrchr(argv0, '/');
    return strstr(base ? base + 1 : argv0, tool) != NULL;
}

int check_wanted(int argc, char **argv) {
    if (name_is(argv[0], "streamd-check-aof")) return CHECK_AOF;
    if (name_is(argv[0], "streamd-check-rdb")) return CHECK_RDB;
    if (argc >= 2 && !strcmp(argv[1], "--check-aof")) return CHECK_AOF;
    if (argc >= 2 && !strcmp(argv[1], "--check-rdb")) return CHECK_RDB;
    return 0;
}

int check_main(int argc, char **argv) {
    int tool = check_wanted(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "--check-aof") || !strcmp(argv[1], "--check-rdb"))) {
        /* "streamd --check-aof x" is "streamd-check-aof x". */
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    log_set_role('C');
    config_init_defaults();
    int rc = tool == CHECK_RDB ? check_rdb_main(argc, argv) : check_aof_main(argc, argv);
    fflush(stdout);
    return rc;
}
