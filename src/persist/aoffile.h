/*
 * aoffile.h - AOF file contents: formatting records, parsing them back, and
 * replaying a whole file with torn tails told apart from corruption.
 *
 * Pure logic over bytes and file descriptors: no server state. The runtime
 * (aof.c) supplies what a replayed command does through AofLoadHooks, which
 * is also how the unit tests watch a replay.
 */
#ifndef STREAMD_PERSIST_AOFFILE_H
#define STREAMD_PERSIST_AOFFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"

/* Hard limits on what a file may claim (disk input is hostile). An
 * argument may be as long as persist_string_max() (rdbcodec.h) allows, a
 * record twice that and never less than AOF_MAX_RECORD_BYTES. */
#define AOF_MAX_ARGC         (1 << 24)
#define AOF_MAX_RECORD_BYTES (2ull << 30)
#define AOF_MAX_ANNOTATION   1024 /* "#TS:...\r\n" lines Redis may write */

/* ---- Writing ----------------------------------------------------------- */

void aof_cat_command(Buf *out, int argc, const Slice *argv);
void aof_cat_array_header(Buf *out, long long n);
void aof_cat_bulk(Buf *out, const char *p, size_t len);
void aof_cat_bulk_cstr(Buf *out, const char *s);
void aof_cat_bulk_ll(Buf *out, long long v);
void aof_cat_select(Buf *out, int db_index);

/* ---- Parsing one record ------------------------------------------------ */

typedef struct AofArgv {
    Slice *v; /* views into the parsed bytes */
    int n, cap;
} AofArgv;

enum { AOF_PARSE_OK = 0, AOF_PARSE_MORE = 1, AOF_PARSE_BAD = -1 };
enum { AOF_RECORD_COMMAND = 1, AOF_RECORD_ANNOTATION = 2 };

int aof_parse_record(const char *buf, size_t len, AofArgv *argv, int *kind, size_t *used,
                     size_t *bad_at, const char **why);
void aof_argv_free(AofArgv *a);

/* ---- Reading a file record by record ----------------------------------- */

typedef struct AofReader {
    int fd;
    Buf buf;
    uint64_t buf_off; /* file offset of the first live byte of buf */
    size_t pending;   /* bytes of the last record, dropped on the next call */
    int eof;
    AofArgv argv;
    /* set on AOF_READ_BAD / AOF_READ_IOERR */
    uint64_t bad_off;
    const char *why;
    int sys_errno;
} AofReader;

enum {
    AOF_READ_RECORD = 0,
    AOF_READ_EOF = 1,       /* clean end: the file ends after a whole record */
    AOF_READ_TRUNCATED = 2, /* the file ends inside a record */
    AOF_READ_BAD = -1,      /* bytes that no writer produces */
    AOF_READ_IOERR = -2,
};

void aof_reader_init(AofReader *r, int fd);
void aof_reader_free(AofReader *r);
int aof_reader_next(AofReader *r, int *kind, uint64_t *start_off);

/* ---- Replaying a file -------------------------------------------------- */

typedef struct AofLoadHooks {
    /* Runs one command (argv borrowed for the call; offset is where its record
     * starts in the file). 0 to go on, -1 to stop the load. */
    int (*exec)(void *ctx, int argc, const Slice *argv, uint64_t offset);
    /* Called every few thousand commands (may be NULL): serve clients. */
    void (*progress)(void *ctx, uint64_t offset);
    void *ctx;
} AofLoadHooks;

enum {
    AOF_LOAD_OK = 0,
    AOF_LOAD_EMPTY = 1,     /* zero-length file */
    AOF_LOAD_TRUNCATED = 2, /* torn tail: valid_up_to is where to cut */
    AOF_LOAD_BAD = -1,      /* corruption at err_offset */
    AOF_LOAD_IOERR = -2,
    AOF_LOAD_RDB = -3,   /* an RDB-format file (REDIS magic): not loadable here */
    AOF_LOAD_FAILED = -4 /* exec hook stopped the load at err_offset */
};

typedef struct AofLoadResult {
    int status;
    uint64_t valid_up_to; /* end of the last whole command (outside MULTI/EXEC) */
    uint64_t err_offset;
    const char *why; /* static text for BAD / TRUNCATED */
    int sys_errno;
    uint64_t n_commands; /* commands executed */
} AofLoadResult;

int aof_load_fd(int fd, const AofLoadHooks *hooks, AofLoadResult *res);

#endif
