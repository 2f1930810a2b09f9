/*
 * tracking.c - client-side caching: which clients read which keys, and the
 * invalidation messages they get when those keys change (CLIENT TRACKING),
 * as Redis 7.0 has it.
 *
 * Default mode. After a read-only command of a tracking client, the keys
 * its key specs name (the positions COMMAND GETKEYS reports) go into one
 * server-wide table, key -> ids of the clients that read it. Databases are
 * not told apart, as in Redis. When a key changes (db_signal_key, expiry)
 * its entry leaves the table and each of those clients still tracking (and
 * not in BCAST mode, and not the changing client under NOLOOP) is sent
 * `invalidate [key]`: a RESP3 push, or, over RESP2, a Pub/Sub message on
 * __redis__:invalidate to the REDIRECT client when that one is subscribed
 * to anything. A client's own invalidations wait until its command (or
 * transaction) has replied. OPTIN remembers only after CLIENT CACHING YES,
 * OPTOUT skips after CLIENT CACHING NO; the flag lasts for one command or
 * the transaction it starts.
 *
 * Entries are dropped lazily, as in Redis: a client that stops tracking or
 * goes away leaves its id in the table until the key changes (the id then
 * finds no tracking client and is skipped). tracking-table-max-keys bounds
 * the table: before each command, keys picked at random are invalidated
 * until it fits again, with an effort that grows while it does not.
 *
 * BCAST mode. Each prefix (the empty one when none is given) has the list
 * of clients that asked for it and the keys with that prefix changed since
 * the event loop last slept, with the client that changed each last. Before
 * the loop sleeps, after the clients unblocked in this iteration were
 * served and before the AOF is written (7.0's order), every prefix with
 * keys sends them, sorted bytewise, in one message to each of its clients;
 * a NOLOOP client is spared the keys it changed itself. Prefixes are kept
 * sorted (7.0 walks them in radix-tree order, which is the same).
 *
 * Flushes send a null instead of keys to every tracking client (BCAST ones
 * too), in the tracking client's protocol, and empty the table.
 *
 * Clients are found by id through a dict of all connections (REDIRECT
 * targets need not track anything). A redirect target that is gone marks
 * the client R (broken_redirect) and, over RESP3, sends it
 * `tracking-redir-broken <id>` instead of each invalidation.
 *
 * Rejected: pointers to clients in the table (ids cannot dangle, and 7.0's
 * lazy cleanup needs no walk of the table when a client leaves); a radix
 * tree (a hash table and a sort at send time give the same order).
 */
#include "server/tracking.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/command_meta.h"
#include "server/core.h"

struct TrackingState {
    uint64_t redirect; /* 0: none */
    Slice *prefixes;   /* BCAST prefixes, owned, sorted bytewise */
    size_t n_prefixes, cap_prefixes;
};

typedef struct IdSet {
    uint64_t *ids;
    uint32_t n, cap;
} IdSet;

typedef struct Prefix {
    char *p;
    size_t len;
    ClientList clients;
    Dict *keys; /* changed keys -> the client that changed each last (compared only) */
} Prefix;

typedef struct Pending {
    ClientFull *target;
    char *key; /* NULL: a flush (a null) */
    size_t len;
} Pending;

static Dict *table; /* key -> IdSet */
static uint64_t total_items;
static Prefix **prefixes; /* sorted bytewise */
static size_t n_prefixes, cap_prefixes;
static Dict *by_id; /* 8-byte id -> ClientFull */
static Pending *pending;
static size_t n_pending, cap_pending;
/* What stands for the client of a script as the changer of a key: 7.0 names
 * the script's own client there, which no connection is (NOLOOP in BCAST
 * mode so does not spare a script's changes). */
static char script_changer;

static const char channel_name[] = "__redis__:invalidate";

static void update_armed(void) {
    core.tracking_armed = (table && dict_size(table) > 0) || n_prefixes > 0;
}

/* core.tracking_on gates dispatch's calls in here, which keep
 * core.current_client: with no tracking client and nothing pending no one
 * needs it, and it is dropped so that it never outlives its client. */
static void update_on(void) {
    core.tracking_on = core.n_tracking_clients > 0 || n_pending > 0;
    if (!core.tracking_on) core.current_client = NULL;
}

/* ---- clients by id ---------------------------------------------------- */

void tracking_client_created(ClientFull *c) {
    if (!by_id) by_id = dict_new();
    dict_add(by_id, (const char *)&c->pub.id, sizeof c->pub.id, c);
}

static ClientFull *client_by_id(uint64_t id) {
    DictEntry *e = by_id ? dict_find(by_id, (const char *)&id, sizeof id) : NULL;
    return e ? e->val : NULL;
}

void tracking_client_freed(ClientFull *c) {
    tracking_disable(c);
    if (core.current_client == c) core.current_client = NULL;
    if (c->tracking) {
        for (size_t i = 0; i < c->tracking->n_prefixes; i++)
            xfree((void *)c->tracking->prefixes[i].p);
        xfree(c->tracking->prefixes);
        xfree(c->tracking);
        c->tracking = NULL;
    }
    for (size_t i = 0; i < n_pending; i++)
        if (pending[i].target == c) pending[i].target = NULL;
    DictEntry *e = by_id ? dict_unlink(by_id, (const char *)&c->pub.id, sizeof c->pub.id) : NULL;
    if (e) dict_entry_free(e);
}

/* ---- prefixes --------------------------------------------------------- */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

/* The index of prefix p in the sorted array, or where it would go (*found 0). */
static size_t prefix_index(const char *p, size_t len, int *found) {
    size_t lo = 0, hi = n_prefixes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = bytes_cmp(prefixes[mid]->p, prefixes[mid]->len, p, len);
        if (r == 0) {
            *found = 1;
            return mid;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static void client_add_prefix(ClientFull *c, Slice p) {
    struct TrackingState *t = c->tracking;
    size_t at = 0;
    while (at < t->n_prefixes && bytes_cmp(t->prefixes[at].p, t->prefixes[at].len, p.p, p.len) < 0)
        at++;
    if (at < t->n_prefixes && slice_eq(t->prefixes[at], p)) return;
    if (t->n_prefixes == t->cap_prefixes) {
        t->cap_prefixes = t->cap_prefixes ? t->cap_prefixes * 2 : 4;
        t->prefixes = xrealloc(t->prefixes, t->cap_prefixes * sizeof(Slice));
    }
    memmove(&t->prefixes[at + 1], &t->prefixes[at], (t->n_prefixes - at) * sizeof(Slice));
    t->prefixes[at] = slice_of(xmemdup(p.p, p.len), p.len);
    t->n_prefixes++;
}

/* Subscribes c to the keys changed under prefix p (no-op when it is). */
static void bcast_add(ClientFull *c, Slice p) {
    int found;
    size_t at = prefix_index(p.p, p.len, &found);
    if (!found) {
        Prefix *x = xcalloc(1, sizeof *x);
        x->p = xmemdup(p.p, p.len);
        x->len = p.len;
        x->keys = dict_new();
        if (n_prefixes == cap_prefixes) {
            cap_prefixes = cap_prefixes ? cap_prefixes * 2 : 8;
            prefixes = xrealloc(prefixes, cap_prefixes * sizeof(Prefix *));
        }
        memmove(&prefixes[at + 1], &prefixes[at], (n_prefixes - at) * sizeof(Prefix *));
        prefixes[at] = x;
        n_prefixes++;
    }
    Prefix *x = prefixes[at];
    for (size_t i = 0; i < x->clients.n; i++)
        if (x->clients.v[i] == c) return;
    client_list_push(&x->clients, c);
    client_add_prefix(c, p);
    update_armed();
}

static void bcast_remove(ClientFull *c, Slice p) {
    int found;
    size_t at = prefix_index(p.p, p.len, &found);
    if (!found) return;
    Prefix *x = prefixes[at];
    client_list_remove(&x->clients, c);
    if (x->clients.n > 0) return;
    xfree(x->clients.v);
    dict_free(x->keys, NULL);
    xfree(x->p);
    xfree(x);
    memmove(&prefixes[at], &prefixes[at + 1], (n_prefixes - at - 1) * sizeof(Prefix *));
    n_prefixes--;
    update_armed();
}

/* ---- enabling and disabling ------------------------------------------ */

#define TRACKING_MODE_FLAGS                                                                        \
    (CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST | CLIENT_TRACKING_OPTIN |                \
     CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_NOLOOP)

void tracking_disable(ClientFull *c) {
    Client *pc = &c->pub;
    if ((pc->flags & CLIENT_TRACKING_BCAST) && c->tracking) {
        struct TrackingState *t = c->tracking;
        for (size_t i = 0; i < t->n_prefixes; i++) {
            bcast_remove(c, t->prefixes[i]);
            xfree((void *)t->prefixes[i].p);
        }
        t->n_prefixes = 0;
    }
    if (pc->flags & CLIENT_TRACKING) {
        core.n_tracking_clients--;
        pc->flags &= ~(CLIENT_TRACKING | CLIENT_TRACKING_CACHING | TRACKING_MODE_FLAGS);
        update_on();
    }
}

static void enable(ClientFull *c, uint64_t redirect, uint32_t options, const Slice *pfx,
                   size_t n_pfx) {
    Client *pc = &c->pub;
    if (!(pc->flags & CLIENT_TRACKING)) core.n_tracking_clients++;
    update_on();
    core.current_client = c; /* (dispatch keeps it only while tracking_on was set) */
    pc->flags |= CLIENT_TRACKING;
    pc->flags &= ~TRACKING_MODE_FLAGS;
    if (!c->tracking) c->tracking = xcalloc(1, sizeof *c->tracking);
    c->tracking->redirect = redirect;
    if (options & CLIENT_TRACKING_BCAST) {
        pc->flags |= CLIENT_TRACKING_BCAST;
        if (n_pfx == 0) bcast_add(c, slice_of("", 0));
        for (size_t i = 0; i < n_pfx; i++) bcast_add(c, pfx[i]);
    }
    pc->flags |=
        options & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_NOLOOP);
    if (!table) table = dict_new();
}

long long tracking_redirect_of(const ClientFull *c) {
    if (!(c->pub.flags & CLIENT_TRACKING)) return -1;
    return (long long)c->tracking->redirect;
}

/* ---- sending ---------------------------------------------------------- */

/* Invalidations reach a client that turned its replies off (7.0's
 * CLIENT_PUSHING): the flags are lifted while one is written. */
static uint32_t push_begin(ClientFull *c) {
    uint32_t off = c->pub.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP);
    c->pub.flags &= ~off;
    return off;
}

static void push_end(ClientFull *c, uint32_t off) {
    c->pub.flags |= off;
    client_queue_write(c);
}

/* Sends c's invalidation of key (proto 0), or the RESP bytes in key as the
 * payload (proto 1: a BCAST array, a flush's null), where c's messages go. */
static void send_invalidation(ClientFull *c, const char *key, size_t len, int proto) {
    ClientFull *to = c;
    int redirected = 0;
    if (c->tracking && c->tracking->redirect) {
        ClientFull *r = client_by_id(c->tracking->redirect);
        if (!r) {
            c->pub.flags |= CLIENT_TRACKING_BROKEN_REDIR;
            if (c->pub.resp > 2) {
                uint32_t off = push_begin(c);
                reply_push(&c->pub, 2);
                reply_bulk_cstr(&c->pub, "tracking-redir-broken");
                reply_int(&c->pub, (long long)c->tracking->redirect);
                push_end(c, off);
            }
            return;
        }
        to = r;
        redirected = 1;
    }
    Client *pt = &to->pub;
    if (pt->resp <= 2 && !(redirected && (pt->flags & CLIENT_PUBSUB))) return;
    if (pt->flags & CLIENT_CLOSE_AFTER_REPLY) return; /* it gets nothing more */
    uint32_t off = push_begin(to);
    if (pt->resp > 2) {
        reply_push(pt, 2);
        reply_bulk_cstr(pt, "invalidate");
    } else {
        reply_array(pt, 3);
        reply_bulk_cstr(pt, "message");
        reply_bulk(pt, channel_name, sizeof channel_name - 1);
    }
    if (proto) {
        buf_append(&to->obuf, key, len);
    } else {
        reply_array(pt, 1);
        reply_bulk(pt, key, len);
    }
    push_end(to, off);
}

static void send_null(ClientFull *c) {
    if (c->pub.resp > 2)
        send_invalidation(c, "_\r\n", 3, 1);
    else
        send_invalidation(c, "$-1\r\n", 5, 1);
}

static void pending_add(ClientFull *target, const char *key, size_t len) {
    if (n_pending == cap_pending) {
        cap_pending = cap_pending ? cap_pending * 2 : 8;
        pending = xrealloc(pending, cap_pending * sizeof *pending);
    }
    Pending *p = &pending[n_pending++];
    p->target = target;
    p->key = key ? xmemdup(key, len) : NULL;
    p->len = len;
    update_on();
}

static void flush_pending(void) {
    /* (sending never adds to the list) */
    for (size_t i = 0; i < n_pending; i++) {
        Pending *p = &pending[i];
        if (p->target && !p->target->is_closing) {
            if (p->key)
                send_invalidation(p->target, p->key, p->len, 0);
            else
                send_null(p->target);
        }
        xfree(p->key);
    }
    n_pending = 0;
    update_on();
    if (cap_pending > 64) {
        xfree(pending);
        pending = NULL;
        cap_pending = 0;
    }
}

/* ---- remembering ------------------------------------------------------ */

/* The metadata (key specs) of a command: looked up by name once, then
 * answered from a small cache keyed by the command's address. */
static const CommandMeta *meta_of(const Command *cmd) {
    enum { SLOTS = 64 };
    static const Command *keys[SLOTS];
    static const CommandMeta *vals[SLOTS];
    size_t slot = ((uintptr_t)cmd / sizeof(Command)) % SLOTS;
    if (keys[slot] == cmd) return vals[slot];
    char name[128];
    command_meta_fullname(name, sizeof name, cmd, command_parent(cmd));
    keys[slot] = cmd;
    vals[slot] = command_meta_find(name);
    return vals[slot];
}

static void remember_key(uint64_t id, Slice key) {
    DictEntry *e = dict_find(table, key.p, key.len);
    if (!e) e = dict_add(table, key.p, key.len, xcalloc(1, sizeof(IdSet)));
    IdSet *s = e->val;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->ids[i] == id) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 2;
        s->ids = xrealloc(s->ids, s->cap * sizeof(uint64_t));
    }
    s->ids[s->n++] = id;
    total_items++;
}

void tracking_remember(ClientFull *c, const Command *cmd) {
    ClientFull *t = core.current_client;
    if (!t) return;
    uint32_t f = t->pub.flags;
    if (!(f & CLIENT_TRACKING) || (f & CLIENT_TRACKING_BCAST)) return;
    /* (7.0 remembers the keys EVAL_RO and FCALL_RO declare too, besides
     * those the commands of the script read; later releases do not) */
    if (cmd->flags & CMD_PUBSUB) return;
    int optin = (f & CLIENT_TRACKING_OPTIN) != 0, optout = (f & CLIENT_TRACKING_OPTOUT) != 0;
    int caching = (f & CLIENT_TRACKING_CACHING) != 0;
    if ((optin && !caching) || (optout && caching)) return;
    const CommandMeta *m = meta_of(cmd);
    if (!m || m->nkey_specs == 0) return;
    Client *pc = &c->pub;
    size_t max = (size_t)pc->argc * m->nkey_specs;
    int pos_small[32];
    const char *fl_small[32];
    int *pos = max <= 32 ? pos_small : xmalloc(max * sizeof *pos);
    const char **fl = max <= 32 ? fl_small : xmalloc(max * sizeof *fl);
    int nk = command_meta_getkeys(m, cmd, pc->argc, pc->argv, pos, fl, (int)max);
    for (int i = 0; i < nk; i++) remember_key(t->pub.id, pc->argv[pos[i]]);
    if (pos != pos_small) xfree(pos);
    if (fl != fl_small) xfree(fl);
    update_armed();
}

void tracking_after_command(ClientFull *c, const Command *cmd) {
    /* 7.0 keeps CACHING's flag through a transaction and past any CLIENT
     * subcommand (they share one handler there), and clears it after
     * anything else, a refused or unknown command included; a blocked
     * command keeps it until it answers */
    if ((c->pub.flags & CLIENT_TRACKING_CACHING) && !c->block && !(c->pub.flags & CLIENT_MULTI)) {
        const Command *parent = cmd ? command_parent(cmd) : NULL;
        if (!parent || strcmp(parent->name, "client") != 0)
            c->pub.flags &= ~CLIENT_TRACKING_CACHING;
    }
    /* nested in a busy script: the script's caller answers later, and is
     * the current client again */
    if (core.script_busy) {
        core.current_client = script_caller_client();
        return;
    }
    if (n_pending) flush_pending();
    core.current_client = NULL;
}

/* ---- invalidating ----------------------------------------------------- */

static void bcast_note(Slice key, void *changer) {
    for (size_t i = 0; i < n_prefixes; i++) {
        Prefix *x = prefixes[i];
        if (x->len > key.len || (x->len && memcmp(x->p, key.p, x->len) != 0)) continue;
        DictEntry *e = dict_find(x->keys, key.p, key.len);
        if (e)
            e->val = changer;
        else
            dict_add(x->keys, key.p, key.len, changer);
    }
}

/* 7.0's invalidation of one key: current is the client whose command runs
 * (NULL between commands); changer who changed the key (for BCAST NOLOOP). */
static void invalidate(Slice key, int bcast, void *changer, ClientFull *current, int executing) {
    if (bcast && n_prefixes) bcast_note(key, changer);
    DictEntry *e = table ? dict_unlink(table, key.p, key.len) : NULL;
    if (!e) return;
    IdSet *s = e->val;
    for (uint32_t i = 0; i < s->n; i++) {
        ClientFull *t = client_by_id(s->ids[i]);
        if (!t || !(t->pub.flags & CLIENT_TRACKING) || (t->pub.flags & CLIENT_TRACKING_BCAST))
            continue;
        if ((t->pub.flags & CLIENT_TRACKING_NOLOOP) && t == current) continue;
        if (t == current && executing)
            pending_add(t, e->key, e->key_len);
        else
            send_invalidation(t, e->key, e->key_len, 0);
    }
    total_items -= s->n;
    xfree(s->ids);
    xfree(s);
    dict_entry_free(e);
    update_armed();
}

void tracking_invalidate_key(Slice key, int by_expiry) {
    ClientFull *cur = core.current_client;
    void *changer = NULL;
    if (!by_expiry) changer = script_caller_client() ? (void *)&script_changer : (void *)cur;
    invalidate(key, 1, changer, cur, cur != NULL);
}

static void free_idset(void *v) {
    IdSet *s = v;
    xfree(s->ids);
    xfree(s);
}

void tracking_invalidate_all(void) {
    if (core.n_tracking_clients) {
        /* oldest connection first, as 7.0 walks its clients */
        ClientFull *last = core.clients;
        while (last && last->next) last = last->next;
        for (ClientFull *c = last; c; c = c->prev) {
            if (!(c->pub.flags & CLIENT_TRACKING)) continue;
            if (c == core.current_client)
                pending_add(c, NULL, 0);
            else
                send_null(c);
        }
    }
    if (table) dict_clear(table, free_idset);
    total_items = 0;
    update_armed();
}

static void tracking_limit_table(ClientFull *current) {
    static unsigned runs_over;
    long long max = settings.tracking_table_max_keys;
    if (!table || max == 0 || !core.n_tracking_clients) return;
    if (dict_size(table) <= (size_t)max) {
        runs_over = 0;
        return;
    }
    /* the effort grows with every command that finds the table still over */
    int effort = 100 * (int)(runs_over + 1);
    while (effort-- > 0) {
        DictEntry *e = dict_random(table);
        if (!e) break;
        char *key = xmemdup(e->key, e->key_len);
        invalidate(slice_of(key, e->key_len), 0, NULL, current, 0);
        xfree(key);
        if (dict_size(table) <= (size_t)max) {
            runs_over = 0;
            return;
        }
    }
    runs_over++;
}

void tracking_before_command(ClientFull *c) {
    core.current_client = c;
    tracking_limit_table(c);
}

/* ---- BCAST ------------------------------------------------------------ */

static int entry_cmp(const void *a, const void *b) {
    const DictEntry *x = *(const DictEntry *const *)a, *y = *(const DictEntry *const *)b;
    return bytes_cmp(x->key, x->key_len, y->key, y->key_len);
}

typedef struct Collect {
    DictEntry **v;
    size_t n;
} Collect;

static void collect(void *priv, DictEntry *e) {
    Collect *c = priv;
    c->v[c->n++] = e;
}

/* The RESP array of the keys in v, leaving out those skip changed last
 * (NULL: none left out); 0 when none is left. */
static size_t build_keys(Buf *out, DictEntry **v, size_t n, const ClientFull *skip) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += !skip || v[i]->val != skip;
    if (count == 0) return 0;
    buf_printf(out, "*%zu\r\n", count);
    for (size_t i = 0; i < n; i++) {
        if (skip && v[i]->val == skip) continue;
        buf_printf(out, "$%u\r\n", v[i]->key_len);
        buf_append(out, v[i]->key, v[i]->key_len);
        buf_append(out, "\r\n", 2);
    }
    return count;
}

void tracking_broadcast(void) {
    if (!n_prefixes || !core.n_tracking_clients) return;
    Buf all, own;
    buf_init(&all);
    buf_init(&own);
    for (size_t i = 0; i < n_prefixes; i++) {
        Prefix *x = prefixes[i];
        size_t n = dict_size(x->keys);
        if (n == 0) continue;
        Collect col = {xmalloc(n * sizeof(DictEntry *)), 0};
        dict_foreach(x->keys, collect, &col);
        qsort(col.v, col.n, sizeof(DictEntry *), entry_cmp);
        buf_clear(&all);
        build_keys(&all, col.v, col.n, NULL);
        for (size_t k = 0; k < x->clients.n; k++) {
            ClientFull *c = x->clients.v[k];
            if (c->pub.flags & CLIENT_TRACKING_NOLOOP) {
                buf_clear(&own);
                if (build_keys(&own, col.v, col.n, c)) send_invalidation(c, own.p, own.len, 1);
            } else {
                send_invalidation(c, all.p, all.len, 1);
            }
        }
        xfree(col.v);
        dict_clear(x->keys, NULL);
    }
    buf_free(&all);
    buf_free(&own);
}

/* ---- INFO ------------------------------------------------------------- */

void tracking_info_stats(Buf *out) {
    buf_printf(out,
               "tracking_total_keys:%zu\r\ntracking_total_items:%llu\r\n"
               "tracking_total_prefixes:%zu\r\n",
               table ? dict_size(table) : 0, (unsigned long long)total_items, n_prefixes);
}

/* ---- commands --------------------------------------------------------- */

/* Whether two prefixes would both cover some key: one starts the other. */
static int prefixes_overlap(Slice a, Slice b) {
    size_t n = a.len < b.len ? a.len : b.len;
    return n == 0 || memcmp(a.p, b.p, n) == 0;
}

/* 7.0's checks of new prefixes against the client's and each other; 1 when
 * they may be added, else 0 after the error. (7.0 goes on to enable
 * tracking and answer OK after the error when the overlap is between two
 * new prefixes past the first, two replies to one command; streamd stops
 * at the error.) */
static int prefixes_ok(ClientFull *c, const Slice *p, size_t n) {
    struct TrackingState *t = c->tracking;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; t && k < t->n_prefixes; k++) {
            if (!prefixes_overlap(t->prefixes[k], p[i])) continue;
            reply_error(&c->pub,
                        "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. Prefixes for "
                        "a single client must not overlap.",
                        (int)p[i].len, p[i].p, (int)t->prefixes[k].len, t->prefixes[k].p);
            return 0;
        }
        for (size_t j = i + 1; j < n; j++) {
            if (!prefixes_overlap(p[i], p[j])) continue;
            reply_error(&c->pub,
                        "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. "
                        "Prefixes for a single client must not overlap.",
                        (int)p[i].len, p[i].p, (int)p[j].len, p[j].p);
            return 0;
        }
    }
    return 1;
}

/* CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN]
 * [OPTOUT] [NOLOOP]: the options are read first (a REDIRECT to a client
 * that does not exist is refused then, even for OFF), then ON checks them
 * against each other and the client's current mode, in 7.0's order. */
void tracking_cmd_tracking(Client *pc) {
    ClientFull *c = CF(pc);
    long long redirect = 0;
    uint32_t options = 0;
    Slice *pfx = xmalloc((size_t)pc->argc * sizeof(Slice));
    size_t n_pfx = 0;
    for (int j = 3; j < pc->argc; j++) {
        Slice a = pc->argv[j];
        int more = pc->argc - 1 - j;
        if (slice_eq_nocase(a, "redirect") && more) {
            j++;
            if (redirect != 0) {
                reply_error(pc, "ERR A client can only redirect to a single other client");
                goto out;
            }
            if (get_ll_or_reply(pc, pc->argv[j], &redirect) != 0) goto out;
            if (redirect <= 0 || !client_by_id((uint64_t)redirect)) {
                reply_error(pc, "ERR The client ID you want redirect to does not exist");
                goto out;
            }
        } else if (slice_eq_nocase(a, "bcast")) {
            options |= CLIENT_TRACKING_BCAST;
        } else if (slice_eq_nocase(a, "optin")) {
            options |= CLIENT_TRACKING_OPTIN;
        } else if (slice_eq_nocase(a, "optout")) {
            options |= CLIENT_TRACKING_OPTOUT;
        } else if (slice_eq_nocase(a, "noloop")) {
            options |= CLIENT_TRACKING_NOLOOP;
        } else if (slice_eq_nocase(a, "prefix") && more) {
            pfx[n_pfx++] = pc->argv[++j];
        } else {
            reply_syntax_error(pc);
            goto out;
        }
    }
    Slice mode = pc->argv[2];
    if (slice_eq_nocase(mode, "on")) {
        uint32_t f = pc->flags;
        if (!(options & CLIENT_TRACKING_BCAST) && n_pfx) {
            reply_error(pc, "ERR PREFIX option requires BCAST mode to be enabled");
            goto out;
        }
        if ((f & CLIENT_TRACKING) &&
            !(f & CLIENT_TRACKING_BCAST) != !(options & CLIENT_TRACKING_BCAST)) {
            reply_error(pc, "ERR You can't switch BCAST mode on/off before disabling tracking for "
                            "this client, and then re-enabling it with a different mode.");
            goto out;
        }
        if ((options & CLIENT_TRACKING_BCAST) &&
            (options & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT))) {
            reply_error(pc, "ERR OPTIN and OPTOUT are not compatible with BCAST");
            goto out;
        }
        if ((options & CLIENT_TRACKING_OPTIN) && (options & CLIENT_TRACKING_OPTOUT)) {
            reply_error(pc, "ERR You can't specify both OPTIN mode and OPTOUT mode");
            goto out;
        }
        if (((options & CLIENT_TRACKING_OPTIN) && (f & CLIENT_TRACKING_OPTOUT)) ||
            ((options & CLIENT_TRACKING_OPTOUT) && (f & CLIENT_TRACKING_OPTIN))) {
            reply_error(pc, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                            "this client, and then re-enabling it with a different mode.");
            goto out;
        }
        if ((options & CLIENT_TRACKING_BCAST) && !prefixes_ok(c, pfx, n_pfx)) goto out;
        enable(c, (uint64_t)redirect, options, pfx, n_pfx);
    } else if (slice_eq_nocase(mode, "off")) {
        tracking_disable(c);
    } else {
        reply_syntax_error(pc);
        goto out;
    }
    reply_ok(pc);
out:
    xfree(pfx);
}

/* CLIENT CACHING YES|NO: the next command (or transaction) is remembered
 * (OPTIN) or not (OPTOUT) against the mode's default. */
void tracking_cmd_caching(Client *pc) {
    if (!(pc->flags & CLIENT_TRACKING)) {
        reply_error(pc, "ERR CLIENT CACHING can be called only when the client is in tracking "
                        "mode with OPTIN or OPTOUT mode enabled");
        return;
    }
    Slice opt = pc->argv[2];
    if (slice_eq_nocase(opt, "yes")) {
        if (!(pc->flags & CLIENT_TRACKING_OPTIN)) {
            reply_error(pc, "ERR CLIENT CACHING YES is only valid when tracking is enabled in "
                            "OPTIN mode.");
            return;
        }
    } else if (slice_eq_nocase(opt, "no")) {
        if (!(pc->flags & CLIENT_TRACKING_OPTOUT)) {
            reply_error(pc, "ERR CLIENT CACHING NO is only valid when tracking is enabled in "
                            "OPTOUT mode.");
            return;
        }
    } else {
        reply_syntax_error(pc);
        return;
    }
    pc->flags |= CLIENT_TRACKING_CACHING;
    reply_ok(pc);
}

void tracking_cmd_getredir(Client *pc) {
    reply_int(pc, tracking_redirect_of(CF(pc)));
}

void tracking_cmd_trackinginfo(Client *pc) {
    ClientFull *c = CF(pc);
    uint32_t f = pc->flags;
    static const struct {
        uint32_t flag, needs;
        const char *name;
    } names[] = {
        {CLIENT_TRACKING_BCAST, 0, "bcast"},
        {CLIENT_TRACKING_OPTIN, 0, "optin"},
        {CLIENT_TRACKING_CACHING, CLIENT_TRACKING_OPTIN, "caching-yes"},
        {CLIENT_TRACKING_OPTOUT, 0, "optout"},
        {CLIENT_TRACKING_CACHING, CLIENT_TRACKING_OPTOUT, "caching-no"},
        {CLIENT_TRACKING_NOLOOP, 0, "noloop"},
        {CLIENT_TRACKING_BROKEN_REDIR, 0, "broken_redirect"},
    };
    const char *shown[8];
    size_t n = 0;
    shown[n++] = (f & CLIENT_TRACKING) ? "on" : "off";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((f & names[i].flag) && (!names[i].needs || (f & names[i].needs)))
            shown[n++] = names[i].name;
    reply_map(pc, 3);
    reply_bulk_cstr(pc, "flags");
    reply_set(pc, n);
    for (size_t i = 0; i < n; i++) reply_bulk_cstr(pc, shown[i]);
    reply_bulk_cstr(pc, "redirect");
    reply_int(pc, tracking_redirect_of(c));
    reply_bulk_cstr(pc, "prefixes");
    size_t np = c->tracking ? c->tracking->n_prefixes : 0;
    reply_array(pc, np);
    for (size_t i = 0; i < np; i++) reply_bulk_slice(pc, c->tracking->prefixes[i]);
}
