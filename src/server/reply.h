/*
 * reply.h - the reply writer.
 *
 * Handlers describe replies in RESP3 terms; each function writes the form the
 * client's protocol (HELLO 2 or 3) calls for into the client's output buffer.
 * Nothing is written to the socket here: the event loop writes all pending
 * output before it sleeps.
 *
 * Errors: reply_error() takes the whole line after '-', starting with the
 * code ("ERR ...", "WRONGTYPE ...", "NOGROUP ..."); CR and LF are replaced by
 * spaces. It also counts the error for INFO errorstats.
 */
#ifndef STREAMD_REPLY_H
#define STREAMD_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct Client;

void reply_status(struct Client *c, const char *s); /* +s */
/* A HELP reply: the n lines as an array of status replies. */
void reply_help(struct Client *c, const char *const *lines, size_t n);
void reply_ok(struct Client *c); /* +OK */
void reply_error(struct Client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct Client *c, long long v);
void reply_uint(struct Client *c, unsigned long long v); /* :v, the full unsigned range */
void reply_bulk(struct Client *c, const char *p, size_t len);
void reply_bulk_slice(struct Client *c, Slice s);
void reply_bulk_cstr(struct Client *c, const char *s);
void reply_bulk_ll(struct Client *c, long long v); /* a number as a bulk string */
void reply_double(struct Client *c, double d);     /* RESP3 ',' / RESP2 bulk */
/* A double already formatted (a long double as INCRBYFLOAT shows it): RESP3 ',' / RESP2 bulk. */
void reply_double_text(struct Client *c, const char *p, size_t len);
void reply_bool(struct Client *c, int v);                         /* RESP3 '#' / RESP2 :0/:1 */
void reply_verbatim(struct Client *c, const char *p, size_t len); /* RESP3 '=' txt */
/* RESP3 '=' with a 3-letter format (scripts choose it); RESP2: a bulk. */
void reply_verbatim_format(struct Client *c, const char fmt[3], const char *p, size_t len);
/* RESP3 '(' big number given as its decimal text; RESP2: a bulk. */
void reply_big_number(struct Client *c, const char *p, size_t len);
void reply_null(struct Client *c);       /* $-1 / _ */
void reply_null_array(struct Client *c); /* *-1 / _ */
void reply_array(struct Client *c, size_t n);
void reply_map(struct Client *c, size_t n_pairs); /* %n / *2n */
void reply_set(struct Client *c, size_t n);       /* ~n / *n */
void reply_push(struct Client *c, size_t n);      /* >n / *n */
void reply_empty_array(struct Client *c);

/* Deferred lengths: reserve a header now, fill in the count later. */
typedef struct ReplyDeferred {
    size_t offset; /* from the start of the output not yet written */
    int discarded; /* reserved in the buffer of replies nobody reads */
} ReplyDeferred;
ReplyDeferred reply_defer(struct Client *c);
void reply_set_array_len(struct Client *c, ReplyDeferred d, size_t n);
void reply_set_map_len(struct Client *c, ReplyDeferred d, size_t n_pairs);

/* Bytes in the client's output: the difference over a command is what its
 * reply has written so far (a deferred length counts once it is set). */
size_t reply_len(struct Client *c);
/* Drops the replies written for clients that want none (CLIENT REPLY);
 * from the event loop, between commands. */
void reply_discard_release(void);
/* Takes back everything written after reply_len() was len, within the
 * current command (no deferred length may have been set after it). */
void reply_truncate(struct Client *c, size_t len);

/* Common errors with Redis's texts. */
void reply_wrongtype(struct Client *c);
void reply_syntax_error(struct Client *c);
void reply_arity_error(struct Client *c); /* for the command being run */

#endif
