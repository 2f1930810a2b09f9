/*
 * notify.c - keyspace notifications (notify-keyspace-events).
 *
 * A command handler announces each change it makes with
 * notify_keyspace_event() (server.h), which tests the class against
 * server.notify_flags inline and calls notify_publish() only when the class
 * is selected. notify_publish() sends the event through Pub/Sub's PUBLISH
 * path on two channels: __keyspace@<db>__:<key> with the event name as the
 * message (when K is set) and __keyevent@<db>__:<event> with the key (when E
 * is set). As in Redis 7.0, the commands the AOF loader replays notify too
 * (a client may subscribe while the data loads).
 *
 * The setting is kept as text in settings.notify_keyspace_events; its apply
 * hook parses the letters into the bits and rewrites the text in the
 * canonical form Redis 7.0's CONFIG GET shows: "A" for all of g$lshzxetd
 * (then n is not shown, though it stays selected), else the class letters
 * in the order g$lshzxetdn; then K, E and m.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

#define NOTIFY_ALL                                                                                 \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |       \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

static const struct {
    char letter;
    int flag;
} letters[] = {
    {'g', NOTIFY_GENERIC},  {'$', NOTIFY_STRING},   {'l', NOTIFY_LIST},    {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},     {'z', NOTIFY_ZSET},     {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},   {'d', NOTIFY_MODULE},   {'n', NOTIFY_NEW},     {'K', NOTIFY_KEYSPACE},
    {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS},
};
#define N_LETTERS (sizeof letters / sizeof letters[0])

/* The bits of a notify-keyspace-events value, or -1 for a letter it does not
 * know (the letters are case-sensitive). */
static int parse_flags(const char *s) {
    int flags = 0;
    for (; *s; s++) {
        if (*s == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        size_t i = 0;
        while (i < N_LETTERS && letters[i].letter != *s) i++;
        if (i == N_LETTERS) return -1;
        flags |= letters[i].flag;
    }
    return flags;
}

static void format_flags(int flags, char *out) {
    size_t n = 0;
    int all = (flags & NOTIFY_ALL) == NOTIFY_ALL;
    if (all) out[n++] = 'A';
    for (size_t i = 0; i < N_LETTERS; i++) {
        int f = letters[i].flag;
        int is_class = (f & (NOTIFY_ALL | NOTIFY_NEW)) != 0;
        if (!(flags & f) || (all && is_class)) continue;
        out[n++] = letters[i].letter;
    }
    out[n] = '\0';
}

int notify_apply_config(const char **err) {
    const char *v = settings.notify_keyspace_events ? settings.notify_keyspace_events : "";
    int flags = parse_flags(v);
    if (flags < 0) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return -1;
    }
    char canon[N_LETTERS + 2];
    format_flags(flags, canon);
    xfree(settings.notify_keyspace_events);
    settings.notify_keyspace_events = xstrdup(canon);
    server.notify_flags = flags;
    return 0;
}

static void publish_on(const char *family, int dbid, Slice suffix, Slice msg) {
    char head[64];
    int hn = snprintf(head, sizeof head, "__%s@%d__:", family, dbid);
    char stack[256];
    size_t len = (size_t)hn + suffix.len;
    char *ch = len <= sizeof stack ? stack : xmalloc(len);
    memcpy(ch, head, (size_t)hn);
    if (suffix.len) memcpy(ch + hn, suffix.p, suffix.len);
    pubsub_publish(slice_of(ch, len), msg);
    if (ch != stack) xfree(ch);
}

/* The class was checked by notify_keyspace_event(); K and E choose the
 * channels. */
void notify_publish(const char *event, Slice key, int dbid) {
    int flags = server.notify_flags;
    Slice ev = slice_cstr(event);
    if (flags & NOTIFY_KEYSPACE) publish_on("keyspace", dbid, key, ev);
    if (flags & NOTIFY_KEYEVENT) publish_on("keyevent", dbid, ev, key);
}
