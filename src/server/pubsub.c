/*
 * pubsub.c - Pub/Sub: channels, patterns and shard channels, the commands
 * that subscribe and publish, and PUBSUB introspection.
 *
 * The server keeps, per kind of channel (global, shard), a dict from the
 * channel's name to the FIFO list of its subscribers, and a dict from each
 * pattern to its subscribers plus an array of the patterns in the order they
 * first got a subscriber, which PUBLISH walks. A client keeps what it is
 * subscribed to (PubsubState, made on its first subscription): a dict per
 * kind of channel, and its patterns as an array in subscription order (so
 * PUNSUBSCRIBE with no argument answers in that order, as Redis 7.0 does).
 *
 * PUBLISH costs one dict lookup plus one match per distinct pattern plus one
 * message per receiver: O(N + patterns). A channel or pattern whose last
 * subscriber leaves is removed, so PUBSUB CHANNELS shows only live ones.
 *
 * Messages are written to the subscriber's output buffer with the reply
 * functions: a RESP2 array, or a RESP3 push frame, even to a client that
 * asked for no replies (CLIENT REPLY OFF/SKIP), as 7.0 does. The count
 * a (UN)SUBSCRIBE or P(UN)SUBSCRIBE reply carries is the client's channels
 * plus its patterns; S(UN)SUBSCRIBE counts shard channels alone. A client
 * with any subscription is in Pub/Sub mode (flag P): over RESP2 dispatch then
 * allows only the commands pubsub_allowed() names.
 *
 * A subscriber whose pending output goes past client-output-buffer-limit's
 * pubsub class (32 MB, or 8 MB for over 60 s, by default) is closed after the
 * PUBLISH that took it there, and gets nothing more meanwhile, as in Redis.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

enum { KIND_GLOBAL = 0, KIND_SHARD = 1 };

typedef struct Pattern {
    char *pat;
    size_t len;
    ClientList subs;
    size_t index; /* in ps.patterns */
} Pattern;

typedef struct ClientPattern {
    char *pat;
    size_t len;
} ClientPattern;

struct PubsubState {
    Dict *channels[2]; /* channel -> NULL, per kind (lazily made) */
    ClientPattern *pats;
    size_t n_pats, cap_pats;
};

static struct {
    Dict *channels[2]; /* channel -> ClientList of subscribers */
    Dict *pattern_set; /* pattern -> Pattern */
    Pattern **patterns;
    size_t n_patterns, cap_patterns;
    uint64_t n_clients; /* clients in Pub/Sub mode (INFO pubsub_clients) */
} ps;

static const char *const subscribe_word[2] = {"subscribe", "ssubscribe"};
static const char *const unsubscribe_word[2] = {"unsubscribe", "sunsubscribe"};
static const char *const message_word[2] = {"message", "smessage"};

static Dict *server_channels(int kind) {
    if (!ps.channels[kind]) ps.channels[kind] = dict_new();
    return ps.channels[kind];
}

static struct PubsubState *state_of(ClientFull *c) {
    if (!c->pubsub) c->pubsub = xcalloc(1, sizeof *c->pubsub);
    return c->pubsub;
}

static size_t client_channels(const ClientFull *c, int kind) {
    return c->pubsub && c->pubsub->channels[kind] ? dict_size(c->pubsub->channels[kind]) : 0;
}

/* The count a subscription reply carries for kind. */
static size_t subscription_count(const ClientFull *c, int kind) {
    if (kind == KIND_SHARD) return client_channels(c, KIND_SHARD);
    return client_channels(c, KIND_GLOBAL) + (c->pubsub ? c->pubsub->n_pats : 0);
}

static size_t total_subscriptions(const ClientFull *c) {
    return subscription_count(c, KIND_GLOBAL) + subscription_count(c, KIND_SHARD);
}

static void enter_mode(ClientFull *c) {
    if (c->pub.flags & CLIENT_PUBSUB) return;
    c->pub.flags |= CLIENT_PUBSUB;
    ps.n_clients++;
}

/* Leaves Pub/Sub mode once nothing is left subscribed. */
static void maybe_leave_mode(ClientFull *c) {
    if (!(c->pub.flags & CLIENT_PUBSUB) || total_subscriptions(c) > 0) return;
    c->pub.flags &= ~CLIENT_PUBSUB;
    ps.n_clients--;
}

/* Pub/Sub frames (confirmations and messages) reach even a client that
 * turned its replies off (CLIENT REPLY OFF or SKIP), as in 7.0: the flags
 * are lifted while one is written. */
static uint32_t frames_begin(ClientFull *c) {
    uint32_t off = c->pub.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP);
    c->pub.flags &= ~off;
    return off;
}

static void frames_end(ClientFull *c, uint32_t off) {
    c->pub.flags |= off;
}

/* [word, name or null, count] as a RESP2 array or a RESP3 push. */
static void reply_confirm(ClientFull *c, const char *word, const char *name, size_t len,
                          size_t count) {
    Client *pc = &c->pub;
    uint32_t off = frames_begin(c);
    reply_push(pc, 3);
    reply_bulk_cstr(pc, word);
    if (name)
        reply_bulk(pc, name, len);
    else
        reply_null(pc);
    reply_int(pc, (long long)count);
    frames_end(c, off);
}

/* ---- channels --------------------------------------------------------- */

static void subscribe_channel(ClientFull *c, Slice ch, int kind) {
    struct PubsubState *st = state_of(c);
    if (!st->channels[kind]) st->channels[kind] = dict_new();
    if (!dict_find(st->channels[kind], ch.p, ch.len)) {
        dict_add(st->channels[kind], ch.p, ch.len, NULL);
        Dict *d = server_channels(kind);
        DictEntry *e = dict_find(d, ch.p, ch.len);
        if (!e) e = dict_add(d, ch.p, ch.len, xcalloc(1, sizeof(ClientList)));
        client_list_push(e->val, c);
    }
    reply_confirm(c, subscribe_word[kind], ch.p, ch.len, subscription_count(c, kind));
}

/* Removes c from channel ch; replies when notify. 1 if it was subscribed. */
static int unsubscribe_channel(ClientFull *c, Slice ch, int kind, int notify) {
    int was = 0;
    Dict *mine = c->pubsub ? c->pubsub->channels[kind] : NULL;
    DictEntry *own = mine ? dict_unlink(mine, ch.p, ch.len) : NULL;
    if (own) {
        was = 1;
        Dict *d = server_channels(kind);
        DictEntry *e = dict_find(d, ch.p, ch.len);
        ClientList *l = e->val;
        client_list_remove(l, c);
        if (l->n == 0) {
            DictEntry *gone = dict_unlink(d, ch.p, ch.len);
            xfree(l->v);
            xfree(l);
            dict_entry_free(gone);
        }
    }
    if (notify) reply_confirm(c, unsubscribe_word[kind], ch.p, ch.len, subscription_count(c, kind));
    if (own) dict_entry_free(own); /* ch may be a view of its key */
    return was;
}

typedef struct Names {
    Slice *v;
    size_t n;
} Names;

static void collect_name(void *priv, DictEntry *e) {
    Names *names = priv;
    names->v[names->n++] = slice_of(e->key, e->key_len);
}

/* Unsubscribes c from every channel of kind; with notify, one reply per
 * channel, or a single [word, null, count] when there was none. */
static void unsubscribe_all_channels(ClientFull *c, int kind, int notify) {
    Dict *mine = c->pubsub ? c->pubsub->channels[kind] : NULL;
    size_t n = mine ? dict_size(mine) : 0;
    if (n > 0) {
        /* copies: each unsubscription frees the key its name lives in */
        Names names = {xmalloc(n * sizeof(Slice)), 0};
        dict_foreach(mine, collect_name, &names);
        for (size_t i = 0; i < names.n; i++)
            names.v[i] = slice_of(xmemdup(names.v[i].p, names.v[i].len), names.v[i].len);
        for (size_t i = 0; i < names.n; i++) {
            unsubscribe_channel(c, names.v[i], kind, notify);
            xfree((char *)names.v[i].p);
        }
        xfree(names.v);
    } else if (notify) {
        reply_confirm(c, unsubscribe_word[kind], NULL, 0, subscription_count(c, kind));
    }
}

/* ---- patterns --------------------------------------------------------- */

static void subscribe_pattern(ClientFull *c, Slice pat) {
    struct PubsubState *st = state_of(c);
    int found = 0;
    for (size_t i = 0; i < st->n_pats && !found; i++)
        found = st->pats[i].len == pat.len && memcmp(st->pats[i].pat, pat.p, pat.len) == 0;
    if (!found) {
        if (st->n_pats == st->cap_pats) {
            st->cap_pats = st->cap_pats ? st->cap_pats * 2 : 4;
            st->pats = xrealloc(st->pats, st->cap_pats * sizeof(ClientPattern));
        }
        st->pats[st->n_pats++] = (ClientPattern){xmemdup(pat.p, pat.len), pat.len};
        if (!ps.pattern_set) ps.pattern_set = dict_new();
        DictEntry *e = dict_find(ps.pattern_set, pat.p, pat.len);
        if (!e) {
            Pattern *p = xcalloc(1, sizeof *p);
            p->pat = xmemdup(pat.p, pat.len);
            p->len = pat.len;
            if (ps.n_patterns == ps.cap_patterns) {
                ps.cap_patterns = ps.cap_patterns ? ps.cap_patterns * 2 : 8;
                ps.patterns = xrealloc(ps.patterns, ps.cap_patterns * sizeof(Pattern *));
            }
            p->index = ps.n_patterns;
            ps.patterns[ps.n_patterns++] = p;
            e = dict_add(ps.pattern_set, pat.p, pat.len, p);
        }
        client_list_push(&((Pattern *)e->val)->subs, c);
    }
    reply_confirm(c, "psubscribe", pat.p, pat.len, subscription_count(c, KIND_GLOBAL));
}

static void drop_pattern(Pattern *p) {
    DictEntry *e = dict_unlink(ps.pattern_set, p->pat, p->len);
    dict_entry_free(e);
    /* keep the order of the others: PUBLISH delivers in it */
    memmove(&ps.patterns[p->index], &ps.patterns[p->index + 1],
            (ps.n_patterns - p->index - 1) * sizeof(Pattern *));
    ps.n_patterns--;
    for (size_t i = p->index; i < ps.n_patterns; i++) ps.patterns[i]->index = i;
    xfree(p->subs.v);
    xfree(p->pat);
    xfree(p);
}

static int unsubscribe_pattern(ClientFull *c, Slice pat, int notify) {
    struct PubsubState *st = c->pubsub;
    char *owned = NULL;
    for (size_t i = 0; st && i < st->n_pats; i++) {
        if (st->pats[i].len != pat.len || memcmp(st->pats[i].pat, pat.p, pat.len) != 0) continue;
        owned = st->pats[i].pat;
        memmove(&st->pats[i], &st->pats[i + 1], (st->n_pats - i - 1) * sizeof(ClientPattern));
        st->n_pats--;
        DictEntry *e = dict_find(ps.pattern_set, pat.p, pat.len);
        Pattern *p = e->val;
        client_list_remove(&p->subs, c);
        if (p->subs.n == 0) drop_pattern(p);
        break;
    }
    if (notify)
        reply_confirm(c, "punsubscribe", pat.p, pat.len, subscription_count(c, KIND_GLOBAL));
    xfree(owned); /* pat may be a view of it */
    return owned != NULL;
}

static void unsubscribe_all_patterns(ClientFull *c, int notify) {
    if (c->pubsub && c->pubsub->n_pats > 0) {
        while (c->pubsub->n_pats > 0) {
            ClientPattern first = c->pubsub->pats[0];
            unsubscribe_pattern(c, slice_of(first.pat, first.len), notify);
        }
    } else if (notify) {
        reply_confirm(c, "punsubscribe", NULL, 0, subscription_count(c, KIND_GLOBAL));
    }
}

/* ---- what the core calls ---------------------------------------------- */

/* Drops every subscription of c, silently (RESET, close). */
void pubsub_forget(ClientFull *c) {
    if (!c->pubsub) return;
    unsubscribe_all_channels(c, KIND_GLOBAL, 0);
    unsubscribe_all_channels(c, KIND_SHARD, 0);
    unsubscribe_all_patterns(c, 0);
    maybe_leave_mode(c);
    for (int k = 0; k < 2; k++)
        if (c->pubsub->channels[k]) dict_free(c->pubsub->channels[k], NULL);
    xfree(c->pubsub->pats);
    xfree(c->pubsub);
    c->pubsub = NULL;
}

/* Whether a RESP2 client in Pub/Sub mode may run cmd. */
typedef struct EachSub {
    PubsubVisitFn fn;
    void *priv;
    int stop;
} EachSub;

static void visit_channel(void *priv, DictEntry *e) {
    EachSub *v = priv;
    if (!v->stop && !v->fn(v->priv, slice_of(e->key, e->key_len), 0)) v->stop = 1;
}

/* Calls fn for each of c's channels, shard channels (is_pattern 0) and
 * patterns (1) until it returns 0; returns 0 then, else 1. */
int pubsub_client_each(ClientFull *c, PubsubVisitFn fn, void *priv) {
    if (!c->pubsub) return 1;
    EachSub v = {fn, priv, 0};
    for (int k = 0; k < 2 && !v.stop; k++)
        if (c->pubsub->channels[k]) dict_foreach(c->pubsub->channels[k], visit_channel, &v);
    for (size_t i = 0; i < c->pubsub->n_pats && !v.stop; i++)
        if (!fn(priv, slice_of(c->pubsub->pats[i].pat, c->pubsub->pats[i].len), 1)) v.stop = 1;
    return !v.stop;
}

int pubsub_allowed(const Command *cmd) {
    static const char *const ok[] = {"subscribe",    "unsubscribe", "psubscribe",
                                     "punsubscribe", "ssubscribe",  "sunsubscribe",
                                     "ping",         "quit",        "reset"};
    if (command_parent(cmd)) return 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(cmd->name, ok[i]) == 0) return 1;
    return 0;
}

void pubsub_client_counts(const ClientFull *c, size_t *sub, size_t *psub, size_t *ssub) {
    *sub = client_channels(c, KIND_GLOBAL);
    *psub = c->pubsub ? c->pubsub->n_pats : 0;
    *ssub = client_channels(c, KIND_SHARD);
}

void pubsub_server_counts(size_t *channels, size_t *patterns, size_t *shard_channels,
                          size_t *clients) {
    *channels = ps.channels[KIND_GLOBAL] ? dict_size(ps.channels[KIND_GLOBAL]) : 0;
    *patterns = ps.n_patterns;
    *shard_channels = ps.channels[KIND_SHARD] ? dict_size(ps.channels[KIND_SHARD]) : 0;
    *clients = (size_t)ps.n_clients;
}

/* ---- commands --------------------------------------------------------- */

static void cmd_subscribe(Client *c) {
    for (int j = 1; j < c->argc; j++) subscribe_channel(CF(c), c->argv[j], KIND_GLOBAL);
    enter_mode(CF(c));
}

static void cmd_ssubscribe(Client *c) {
    /* 7.0 refuses it where a client must get one reply per command (EXEC),
     * while SUBSCRIBE and PSUBSCRIBE are let through there */
    if (c->flags & CLIENT_EXECUTING_MULTI) {
        reply_error(c, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    for (int j = 1; j < c->argc; j++) subscribe_channel(CF(c), c->argv[j], KIND_SHARD);
    enter_mode(CF(c));
}

static void cmd_psubscribe(Client *c) {
    for (int j = 1; j < c->argc; j++) subscribe_pattern(CF(c), c->argv[j]);
    enter_mode(CF(c));
}

static void unsubscribe_cmd(Client *c, int kind) {
    if (c->argc == 1)
        unsubscribe_all_channels(CF(c), kind, 1);
    else
        for (int j = 1; j < c->argc; j++) unsubscribe_channel(CF(c), c->argv[j], kind, 1);
    maybe_leave_mode(CF(c));
}

static void cmd_unsubscribe(Client *c) {
    unsubscribe_cmd(c, KIND_GLOBAL);
}

static void cmd_sunsubscribe(Client *c) {
    unsubscribe_cmd(c, KIND_SHARD);
}

static void cmd_punsubscribe(Client *c) {
    if (c->argc == 1)
        unsubscribe_all_patterns(CF(c), 1);
    else
        for (int j = 1; j < c->argc; j++) unsubscribe_pattern(CF(c), c->argv[j], 1);
    maybe_leave_mode(CF(c));
}

/* Subscribers whose output went past client-output-buffer-limit while a
 * message was published: closed once it has gone to everyone (closing one
 * changes the lists being walked). */
static ClientList over_limit;

static void send_message(ClientFull *s, const char *word, const Slice *pat, Slice ch, Slice msg) {
    if (s->pub.flags & CLIENT_CLOSE_ASAP) return; /* over its limit: gets no more */
    Client *ps_c = &s->pub;
    uint32_t off = frames_begin(s);
    reply_push(ps_c, pat ? 4 : 3);
    reply_bulk_cstr(ps_c, word);
    if (pat) reply_bulk_slice(ps_c, *pat);
    reply_bulk_slice(ps_c, ch);
    reply_bulk_slice(ps_c, msg);
    frames_end(s, off);
    client_queue_write(s);
    if (buf_live(&s->obuf) > CLIENT_OBUF_STATIC && client_obuf_over_limit(s)) {
        s->pub.flags |= CLIENT_CLOSE_ASAP;
        client_list_push(&over_limit, s);
    }
}

static void close_over_limit(void) {
    for (size_t i = 0; i < over_limit.n; i++) client_close_obuf_limit(over_limit.v[i]);
    over_limit.n = 0;
    if (over_limit.cap > 64) {
        xfree(over_limit.v);
        over_limit = (ClientList){0};
    }
}

static long long publish(Slice ch, Slice msg, int kind) {
    long long receivers = 0;
    DictEntry *e = ps.channels[kind] ? dict_find(ps.channels[kind], ch.p, ch.len) : NULL;
    if (e) {
        ClientList *l = e->val;
        for (size_t i = 0; i < l->n; i++) send_message(l->v[i], message_word[kind], NULL, ch, msg);
        receivers += (long long)l->n;
    }
    /* shard channels ignore patterns */
    for (size_t i = 0; kind == KIND_GLOBAL && i < ps.n_patterns; i++) {
        Pattern *p = ps.patterns[i];
        if (!glob_match(p->pat, p->len, ch.p, ch.len, 0)) continue;
        Slice pat = slice_of(p->pat, p->len);
        for (size_t k = 0; k < p->subs.n; k++)
            send_message(p->subs.v[k], "pmessage", &pat, ch, msg);
        receivers += (long long)p->subs.n;
    }
    if (over_limit.n) close_over_limit();
    return receivers;
}

long long pubsub_publish(Slice ch, Slice msg) {
    return publish(ch, msg, KIND_GLOBAL);
}

static void cmd_publish(Client *c) {
    reply_int(c, publish(c->argv[1], c->argv[2], KIND_GLOBAL));
}

static void cmd_spublish(Client *c) {
    reply_int(c, publish(c->argv[1], c->argv[2], KIND_SHARD));
}

typedef struct ChannelList {
    Client *c;
    Slice pattern; /* p NULL: every channel */
    size_t n;
} ChannelList;

static void list_channel(void *priv, DictEntry *e) {
    ChannelList *l = priv;
    if (l->pattern.p && !glob_match(l->pattern.p, l->pattern.len, e->key, e->key_len, 0)) return;
    reply_bulk(l->c, e->key, e->key_len);
    l->n++;
}

static void channels_reply(Client *c, int kind) {
    if (c->argc > 3) {
        reply_error(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                    "PUBSUB HELP.",
                    (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    ChannelList l = {c, c->argc == 3 ? c->argv[2] : slice_of(NULL, 0), 0};
    ReplyDeferred d = reply_defer(c);
    if (ps.channels[kind]) dict_foreach(ps.channels[kind], list_channel, &l);
    reply_set_array_len(c, d, l.n);
}

static void numsub_reply(Client *c, int kind) {
    reply_array(c, (size_t)(c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        DictEntry *e =
            ps.channels[kind] ? dict_find(ps.channels[kind], c->argv[j].p, c->argv[j].len) : NULL;
        reply_bulk_slice(c, c->argv[j]);
        reply_int(c, e ? (long long)((ClientList *)e->val)->n : 0);
    }
}

static void cmd_pubsub_channels(Client *c) {
    channels_reply(c, KIND_GLOBAL);
}

static void cmd_pubsub_shardchannels(Client *c) {
    channels_reply(c, KIND_SHARD);
}

static void cmd_pubsub_numsub(Client *c) {
    numsub_reply(c, KIND_GLOBAL);
}

static void cmd_pubsub_shardnumsub(Client *c) {
    numsub_reply(c, KIND_SHARD);
}

static void cmd_pubsub_numpat(Client *c) {
    reply_int(c, (long long)ps.n_patterns);
}

static void cmd_pubsub_help(Client *c) {
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        ("    Return the currently active shard level channels matching a <pattern> (default: "
         "'*')."),
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

#define PS_FLAGS  (CMD_PUBSUB | CMD_LOADING | CMD_STALE)
#define SUB_FLAGS (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const Command pubsub_subcommands[] = {
    {"numsub", cmd_pubsub_numsub, -2, PS_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"channels", cmd_pubsub_channels, -2, PS_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"numpat", cmd_pubsub_numpat, 2, PS_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"help", cmd_pubsub_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"shardchannels", cmd_pubsub_shardchannels, -2, PS_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"shardnumsub", cmd_pubsub_shardnumsub, -2, PS_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command pubsub_commands[] = {
    {"subscribe", cmd_subscribe, -2, SUB_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"unsubscribe", cmd_unsubscribe, -1, SUB_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"psubscribe", cmd_psubscribe, -2, SUB_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"punsubscribe", cmd_punsubscribe, -1, SUB_FLAGS, "@pubsub @slow", 0, 0, 0, NULL},
    {"ssubscribe", cmd_ssubscribe, -2, SUB_FLAGS, "@pubsub @slow", 1, -1, 1, NULL},
    {"sunsubscribe", cmd_sunsubscribe, -1, SUB_FLAGS, "@pubsub @slow", 1, -1, 1, NULL},
    /* may-replicate, as in 7.0 (which does not show it): CLIENT PAUSE WRITE
     * holds them, a monitor may not publish */
    {"publish", cmd_publish, 3, PS_FLAGS | CMD_FAST | CMD_MAY_REPLICATE, "@pubsub @fast", 0, 0, 0,
     NULL},
    {"spublish", cmd_spublish, 3, PS_FLAGS | CMD_FAST | CMD_MAY_REPLICATE, "@pubsub @fast", 1, 1, 1,
     NULL},
    {"pubsub", NULL, -2, 0, "@slow", 0, 0, 0, pubsub_subcommands},
    END_OF_COMMANDS,
};
