/*
 * slowlog.c - the slow log: the most recent commands that took at least
 * slowlog-log-slower-than microseconds (SLOWLOG GET / LEN / RESET).
 *
 * An entry is what Redis keeps: a unique id, the Unix time it was logged,
 * the duration, the arguments (at most slowlog-entry-max-argc, 32 by
 * default: a longer command keeps one fewer and "... (N more arguments)";
 * an argument over slowlog-entry-max-string-len bytes, 128 by default,
 * keeps that many and "... (N more bytes)"; both limits are Redis 8.8's
 * configs and apply to entries logged after a change; credentials as
 * "(redacted)", as MONITOR shows them),
 * the client's address and name, and (Redis 8.10, the seventh field of SLOWLOG
 * GET's entries) how many arguments the command had before any were cut.
 * Clients that read 7.0's six fields by position are unaffected, as with
 * 8.10. A command is logged once it has run; one
 * that blocked, when it is unblocked (served, timed out or CLIENT UNBLOCKed),
 * with the time its handler ran, not the time it waited. EXEC (flagged
 * CMD_SKIP_SLOWLOG) is not logged, the commands it ran are; neither is what
 * the AOF loader replays. A negative threshold turns logging off; at most
 * slowlog-max-len entries are kept, the oldest going first (lowering the
 * length takes effect at the next entry, as in Redis).
 *
 * The entries live in a ring of pointers that grows by doubling, so dropping
 * the oldest is O(1) whatever the configured length; it shrinks back when the
 * entries fill under a quarter of it (a length lowered, SLOWLOG RESET), so a
 * log that was once long does not keep its ring.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

typedef struct SlowEntry {
    uint64_t id;
    int64_t time_s;
    long long duration_us;
    int argc;      /* arguments kept */
    int orig_argc; /* arguments the command had, name included */
    Slice *argv;   /* one owned block (argv_copy) */
    char *addr;
    char *name;
} SlowEntry;

static SlowEntry **ring; /* cap slots; n entries from head, oldest first */
static size_t cap, head, n;
static uint64_t next_id;

static SlowEntry *entry_at(size_t i) { /* i = 0: oldest */
    return ring[(head + i) % cap];
}

static void entry_free(SlowEntry *e) {
    xfree(e->argv);
    xfree(e->addr);
    xfree(e->name);
    xfree(e);
}

static void drop_oldest(void) {
    entry_free(ring[head]);
    ring[head] = NULL;
    head = (head + 1) % cap;
    n--;
}

/* Moves the entries to a ring of ncap slots (>= n), oldest first; 0 frees
 * the ring. */
static void ring_resize(size_t ncap) {
    SlowEntry **r = ncap ? xcalloc(ncap, sizeof *r) : NULL;
    for (size_t i = 0; i < n; i++) r[i] = entry_at(i);
    xfree(ring);
    ring = r;
    cap = ncap;
    head = 0;
}

static void ring_shrink(void) {
    if (n == 0)
        ring_resize(0);
    else if (cap > 16 && n < cap / 4)
        ring_resize(cap / 2);
}

static void push(SlowEntry *e) {
    if (n == cap) ring_resize(cap ? cap * 2 : 16);
    ring[(head + n) % cap] = e;
    n++;
}

void slowlog_push(ClientFull *c, const Command *cmd, int argc, const Slice *argv,
                  long long duration_us) {
    long long max_argc = settings.slowlog_entry_max_argc;
    size_t max_len = (size_t)settings.slowlog_entry_max_string_len;
    int kept = argc > max_argc ? (int)max_argc : argc;
    Slice *small = xmalloc((size_t)kept * sizeof *small);
    Buf text; /* the rewritten arguments, back to back */
    buf_init(&text);
    size_t *offs = xmalloc((size_t)kept * sizeof *offs);
    for (int i = 0; i < kept; i++) {
        offs[i] = text.len;
        if (kept < argc && i == kept - 1) {
            buf_printf(&text, "... (%d more arguments)", argc - kept + 1);
        } else if (command_arg_redacted(cmd, argc, argv, i)) {
            buf_append_cstr(&text, "(redacted)");
        } else if (argv[i].len > max_len) {
            buf_append(&text, argv[i].p, max_len);
            buf_printf(&text, "... (%zu more bytes)", argv[i].len - max_len);
        } else {
            buf_append(&text, argv[i].p, argv[i].len);
        }
    }
    for (int i = 0; i < kept; i++) {
        size_t end = i + 1 < kept ? offs[i + 1] : text.len;
        small[i] = slice_of(text.p + offs[i], end - offs[i]);
    }
    SlowEntry *e = xcalloc(1, sizeof *e);
    e->id = next_id++;
    e->time_s = real_us() / 1000000;
    e->duration_us = duration_us;
    e->argc = kept;
    e->orig_argc = argc;
    e->argv = argv_copy(kept, small);
    xfree(small);
    xfree(offs);
    /* the script client has no address: Redis logs ?:0 for it */
    e->addr = xstrdup((c->pub.flags & CLIENT_SCRIPT) ? "?:0" : c->addr);
    e->name = xstrdup(c->name ? c->name : "");
    buf_free(&text);
    push(e);
    while (n > (size_t)settings.slowlog_max_len) drop_oldest();
    ring_shrink();
}

size_t slowlog_memory(void) {
    size_t bytes = xsize(ring);
    for (size_t i = 0; i < n; i++) {
        const SlowEntry *e = entry_at(i);
        bytes += xsize(e) + xsize(e->argv) + xsize(e->addr) + xsize(e->name);
    }
    return bytes;
}

size_t slowlog_len(void) {
    return n;
}

void slowlog_reset(void) {
    while (n > 0) drop_oldest();
    ring_shrink();
}

/* Replies with the newest count entries (all when count is -1), newest
 * first, each as [id, time, duration, [args], address, name, argc]. */
void slowlog_reply(Client *c, long long count) {
    size_t k = count < 0 || (unsigned long long)count > n ? n : (size_t)count;
    reply_array(c, k);
    for (size_t j = 0; j < k; j++) {
        const SlowEntry *e = entry_at(n - 1 - j);
        reply_array(c, 7);
        reply_int(c, (long long)e->id);
        reply_int(c, (long long)e->time_s);
        reply_int(c, e->duration_us);
        reply_array(c, (size_t)e->argc);
        for (int i = 0; i < e->argc; i++) reply_bulk_slice(c, e->argv[i]);
        reply_bulk_cstr(c, e->addr);
        reply_bulk_cstr(c, e->name);
        reply_int(c, e->orig_argc);
    }
}
