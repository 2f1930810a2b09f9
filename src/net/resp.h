/*
 * resp.h - the request parser: a pure function over a byte buffer.
 *
 * resp_parse() looks at the bytes a client has sent so far and either finds
 * one whole command at their start (multibulk "*N\r\n$len\r\n..." or an
 * inline line), says more bytes are needed, or names the protocol error with
 * Redis's exact text. It keeps no hidden state between calls: a caller that
 * gets RESP_INCOMPLETE calls again with the same prefix plus new bytes, so
 * any split of an input yields the same commands as the whole input at once
 * (tests/unit/test_resp.c checks every split); where the last call stopped
 * is an output in the RespArgv, which the next call may resume from when
 * the caller says so (RespLimits.resume). The argument slices point into
 * the caller's buffer, except inline arguments, which are unescaped into the
 * parser's scratch buffer.
 */
#ifndef STREAMD_RESP_H
#define STREAMD_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"

enum { RESP_OK = 0, RESP_INCOMPLETE = 1, RESP_ERROR = -1 };

typedef struct RespLimits {
    long long max_bulk_len;      /* proto-max-bulk-len */
    long long max_multibulk_len; /* largest accepted argument count */
    size_t max_inline_len;       /* longest header / inline line (64 KiB in Redis) */
    int is_authenticated;        /* unauthenticated: tighter limits, as Redis */
    /* Bulk headers that start before this offset were accepted by an earlier
     * call on a prefix of the same command: their lengths are not checked
     * against the two limits above again. Redis checks a header once, when
     * it arrives, so a limit lowered (CONFIG SET proto-max-bulk-len) while a
     * big bulk is arriving does not reject it. 0: check every header. */
    size_t checked_end;
    /* The caller's promise that buf starts with the same bytes as in the
     * previous call on this RespArgv, at least up to where that call left
     * off (it may have moved, and more bytes may follow): a multibulk
     * command that call found incomplete is parsed on from its resume point
     * instead of from the start (see RespArgv.resume_pos). */
    int resume;
} RespLimits;

typedef struct RespArgv {
    Slice *v;
    int n;
    int cap;
    Buf scratch; /* unescaped inline arguments */
    /* Set by every resp_parse(): when it returned RESP_INCOMPLETE inside a
     * bulk payload whose header it has read, that payload's length and the
     * offset in the buffer just past its trailing CRLF (so a reader can size
     * its buffer for the rest of the argument at once); 0 and 0 otherwise. */
    size_t partial_bulk_len;
    size_t partial_bulk_end;
    /* Set by every resp_parse(): after RESP_INCOMPLETE in a multibulk
     * command whose count header has been read, the offset of the first
     * argument header not parsed whole (with its payload), else 0. v[0 ..
     * resume_n) keep the arguments before it, views into resume_base; a
     * call with RespLimits.resume starts from there, so a command arriving
     * in many reads is not parsed from its start at every read (quadratic
     * in its argument count, and a way to burn the server's CPU by sending
     * a command's last bytes one at a time). */
    size_t resume_pos;
    int resume_n;
    long long resume_count;
    uintptr_t resume_base; /* the buffer's address then (it may be gone) */
} RespArgv;

void resp_argv_init(RespArgv *a);
void resp_argv_free(RespArgv *a);

/* Appends argv as a RESP array of bulk strings ("*N\r\n$len\r\n...\r\n"):
 * the form of requests, of AOF records and of propagation records. */
void resp_append_command(Buf *out, int argc, const Slice *argv);

/* Splits one line into arguments with Redis's quoting rules ('...', "..."
 * with \n \r \t \b \a \xHH escapes); a NUL byte ends the line. Resets a;
 * the views live in p or a->scratch. Returns 0, or -1 on unbalanced quotes. */
int resp_split_args(const char *p, size_t len, RespArgv *a);

/* Parses one command from buf[0..len). On RESP_OK, *consumed is the bytes it
 * used and a->v[0..a->n) are views into buf or a->scratch, valid until buf or
 * a change; a->n may be 0 (an empty line, "*0"): nothing to run. On
 * RESP_ERROR, *err is a static string with Redis's text (without "-ERR ").
 * *consumed is 0 unless RESP_OK. On RESP_INCOMPLETE in a bulk payload,
 * a->partial_bulk_len/end say which bulk is awaited (see RespArgv). With
 * lim->resume, the result is the one a fresh parse with the same limits
 * gives (given the promise), only cheaper; the headers it does not read
 * again are not checked against changed limits (as with checked_end). */
int resp_parse(const char *buf, size_t len, const RespLimits *lim, RespArgv *a, size_t *consumed,
               const char **err);

#endif
