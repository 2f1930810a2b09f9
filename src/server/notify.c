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
 * Subkey notifications (Redis 8.8): a hash command that names the fields it
 * changed calls notify_keyspace_event_subkeys() instead, which publishes the
 * key-level messages above and then, when at least one field is given, up
 * to four more families, each chosen by its own letter and only for an
 * event whose class is selected too ("STIV" alone publishes nothing):
 *
 *   S  __subkeyspace@<db>__:<key>              <event>|<subkeys>
 *   T  __subkeyevent@<db>__:<event>            <keylen>:<key>|<subkeys>
 *   I  __subkeyspaceitem@<db>__:<key>\n<field>  <event>   (one per field)
 *   V  __subkeyspaceevent@<db>__:<event>|<key> <subkeys>
 *
 * where <subkeys> is <len>:<field> joined by ',' (the length in decimal
 * bytes, so any byte may appear in a field). S and V are skipped for an
 * event name holding '|', I for a key holding '\n': their channel or
 * payload could not be split back. The order is Redis 8.8's: K, E, S, T, I
 * (the fields in the order given), V.
 *
 * The setting is kept as text in settings.notify_keyspace_events; its apply
 * hook parses the letters into the bits and rewrites the text in the
 * canonical form Redis 8.8's CONFIG GET shows: "A" for all of g$lshzxetd
 * (then n, o and c are not shown, though they stay selected), else the class
 * letters in the order g$lshzxetdnoc; then K, E, m, S, T, I and V (channel
 * selectors, which A does not include).
 *
 * Redis 8.2's o and c classes: a command that replaces a key's whole value
 * (db_set(), or RENAME, COPY and RESTORE REPLACE after their own events)
 * announces "overwritten", then "type_changed" when the new value's type
 * differs; a change in place (APPEND, INCR, RPUSH, ...) announces neither.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

#define NOTIFY_ALL                                                                                 \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |       \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE | NOTIFY_ARRAY)
/* Classes A leaves out, and hides like its own when it is shown */
#define NOTIFY_NOT_IN_ALL (NOTIFY_NEW | NOTIFY_OVERWRITTEN | NOTIFY_TYPE_CHANGED)

static const struct {
    char letter;
    int flag;
} letters[] = {
    {'g', NOTIFY_GENERIC},
    {'$', NOTIFY_STRING},
    {'l', NOTIFY_LIST},
    {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},
    {'z', NOTIFY_ZSET},
    {'x', NOTIFY_EXPIRED},
    {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},
    {'a', NOTIFY_ARRAY},
    {'d', NOTIFY_MODULE},
    {'n', NOTIFY_NEW},
    {'o', NOTIFY_OVERWRITTEN},
    {'c', NOTIFY_TYPE_CHANGED},
    {'K', NOTIFY_KEYSPACE},
    {'E', NOTIFY_KEYEVENT},
    {'m', NOTIFY_KEY_MISS},
    {'S', NOTIFY_SUBKEYSPACE},
    {'T', NOTIFY_SUBKEYEVENT},
    {'I', NOTIFY_SUBKEYSPACEITEM},
    {'V', NOTIFY_SUBKEYSPACEEVENT},
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
        int is_class = (f & (NOTIFY_ALL | NOTIFY_NOT_IN_ALL)) != 0;
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

/* Appends <len>:<field> for each field, joined by ','. */
static void append_subkeys(Buf *b, const Slice *sub, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) buf_append_char(b, ',');
        buf_append_ll(b, (long long)sub[i].len);
        buf_append_char(b, ':');
        buf_append(b, sub[i].p, sub[i].len);
    }
}

static Slice buf_slice(const Buf *b) {
    return slice_of(buf_data(b), buf_live(b));
}

/* The class was checked by notify_keyspace_event_subkeys(); the key-level
 * messages go first, then the subkey families the letters select. Borrows
 * event, key and the n fields of sub. */
void notify_publish_subkeys(const char *event, Slice key, int dbid, const Slice *sub, size_t n) {
    notify_publish(event, key, dbid);
    int flags = server.notify_flags;
    if (n == 0 || !(flags & NOTIFY_SUBKEY_ANY)) return;
    Slice ev = slice_cstr(event);
    int has_pipe = memchr(ev.p, '|', ev.len) != NULL;
    Buf ch, msg;
    buf_init(&ch);
    buf_init(&msg);
    char db[24];
    size_t dbn = ll_to_str(dbid, db);
    if ((flags & NOTIFY_SUBKEYSPACE) && !has_pipe) {
        buf_append_cstr(&ch, "__subkeyspace@");
        buf_append(&ch, db, dbn);
        buf_append_cstr(&ch, "__:");
        buf_append(&ch, key.p, key.len);
        buf_append(&msg, ev.p, ev.len);
        buf_append_char(&msg, '|');
        append_subkeys(&msg, sub, n);
        pubsub_publish(buf_slice(&ch), buf_slice(&msg));
    }
    if (flags & NOTIFY_SUBKEYEVENT) {
        buf_clear(&ch);
        buf_clear(&msg);
        buf_append_cstr(&ch, "__subkeyevent@");
        buf_append(&ch, db, dbn);
        buf_append_cstr(&ch, "__:");
        buf_append(&ch, ev.p, ev.len);
        buf_append_ll(&msg, (long long)key.len);
        buf_append_char(&msg, ':');
        buf_append(&msg, key.p, key.len);
        buf_append_char(&msg, '|');
        append_subkeys(&msg, sub, n);
        pubsub_publish(buf_slice(&ch), buf_slice(&msg));
    }
    if ((flags & NOTIFY_SUBKEYSPACEITEM) && !memchr(key.p, '\n', key.len)) {
        for (size_t i = 0; i < n; i++) {
            buf_clear(&ch);
            buf_append_cstr(&ch, "__subkeyspaceitem@");
            buf_append(&ch, db, dbn);
            buf_append_cstr(&ch, "__:");
            buf_append(&ch, key.p, key.len);
            buf_append_char(&ch, '\n');
            buf_append(&ch, sub[i].p, sub[i].len);
            pubsub_publish(buf_slice(&ch), ev);
        }
    }
    if ((flags & NOTIFY_SUBKEYSPACEEVENT) && !has_pipe) {
        buf_clear(&ch);
        buf_clear(&msg);
        buf_append_cstr(&ch, "__subkeyspaceevent@");
        buf_append(&ch, db, dbn);
        buf_append_cstr(&ch, "__:");
        buf_append(&ch, ev.p, ev.len);
        buf_append_char(&ch, '|');
        buf_append(&ch, key.p, key.len);
        append_subkeys(&msg, sub, n);
        pubsub_publish(buf_slice(&ch), buf_slice(&msg));
    }
    buf_free(&ch);
    buf_free(&msg);
}
