/*
 * hotkeys.c - the HOTKEYS tracking session (see hotkeys.h).
 *
 * What a command costs and whom it is charged to, as Redis 8.6 does it:
 *
 *   keys      the positions its key specifications find (the COMMAND INFO
 *             metadata, as ACL key checks use them; "not_key" specs are
 *             skipped). A command without keys (PING, EXEC itself, HOTKEYS)
 *             counts nowhere, not even in the all-commands totals.
 *   CPU       the command's own measured duration (the one the slow log and
 *             the latency histograms get), split evenly over its keys; the
 *             microseconds that do not divide evenly go one each to the
 *             keys starting at a rotating position, so the shares add up to
 *             the whole duration and a 40-key MGET does not vanish from the
 *             ranking (Redis later fixed the same truncation this way).
 *   NET       the command's request (its RESP encoding: the bytes a client
 *             sends for it) plus the reply it produced, split the same way.
 *
 * Commands a script runs with redis.call() are not counted apart: the EVAL
 * or FCALL that ran them is charged to the keys it declared. The commands of
 * a MULTI/EXEC are each counted as they run. A command that blocks is
 * charged when it first runs and again each time it is served (block.c),
 * as Redis charges each re-execution: so the entries an XREAD BLOCK
 * delivers count toward its stream.
 *
 * SAMPLE n counts each command's keys in the ranking with probability 1/n
 * (all of a command's keys, or none); the all-commands totals count every
 * command. The DURATION deadline is checked lazily: by the first command or
 * HOTKEYS call after it, which then finds the session stopped with exactly
 * the duration asked for (nothing after the deadline is counted).
 */
#include "server/hotkeys.h"

#include <assert.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/alloc.h"
#include "server/acl.h"
#include "server/command_meta.h"
#include "server/core.h"

typedef struct Session {
    int is_active;
    unsigned metrics;
    int k;
    long long sample_ratio;
    int64_t start_ms;
    int64_t duration_ms; /* asked for while active (0: none); how long it ran once stopped */
    struct timeval ru_user0, ru_sys0;
    int64_t cpu_user_ms, cpu_sys_ms; /* frozen when the session stops */
    uint64_t all_us, all_net;
    TopK *cpu, *net;
    uint64_t rng;
    unsigned spread; /* where the next command's leftover microseconds start */
} Session;

static Session *session;

/* The metadata of a command (key specs), cached by the command's address:
 * looked up by name only the first time a command runs in a session. */
#define META_CACHE 256
static struct {
    const Command *cmd;
    const CommandMeta *meta;
} meta_cache[META_CACHE];

static const CommandMeta *meta_of(const Command *cmd) {
    size_t slot = ((uintptr_t)cmd / sizeof(Command)) % META_CACHE;
    if (meta_cache[slot].cmd != cmd) {
        meta_cache[slot].cmd = cmd;
        meta_cache[slot].meta = command_meta_find(acl_command_fullname(cmd));
    }
    return meta_cache[slot].meta;
}

static int64_t tv_diff_ms(struct timeval a, struct timeval b) {
    return (int64_t)(a.tv_sec - b.tv_sec) * 1000 + ((int64_t)a.tv_usec - b.tv_usec) / 1000;
}

static void cpu_since_start(const Session *s, int64_t *user_ms, int64_t *sys_ms) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user_ms = tv_diff_ms(ru.ru_utime, s->ru_user0);
    *sys_ms = tv_diff_ms(ru.ru_stime, s->ru_sys0);
}

static void session_end(Session *s, int64_t duration_ms) {
    s->is_active = 0;
    s->duration_ms = duration_ms;
    cpu_since_start(s, &s->cpu_user_ms, &s->cpu_sys_ms);
    core.hotkeys_on = 0;
}

/* Ends the active session whose duration has passed at now_unix_ms. */
static int expired(Session *s, int64_t now_unix_ms) {
    if (!s->duration_ms || now_unix_ms < s->start_ms + s->duration_ms) return 0;
    session_end(s, s->duration_ms);
    return 1;
}

int hotkeys_is_active(void) {
    return session && session->is_active && !expired(session, now_ms());
}

static void session_free(Session *s) {
    if (!s) return;
    topk_free(s->cpu);
    topk_free(s->net);
    xfree(s);
}

void hotkeys_start(const HotkeysOptions *o) {
    assert(!hotkeys_is_active());
    assert(o->metrics && o->k >= 1 && o->sample_ratio >= 1);
    session_free(session);
    Session *s = xcalloc(1, sizeof *s);
    s->is_active = 1;
    s->metrics = o->metrics;
    s->k = o->k;
    s->sample_ratio = o->sample_ratio;
    s->duration_ms = o->duration_ms;
    s->start_ms = now_ms();
    /* 32 candidates per reported key: the Space-Saving error stays below
     * 1/32 of the total weight per key, while the table stays small */
    if (o->metrics & HOTKEYS_CPU) s->cpu = topk_new((size_t)o->k * 32);
    if (o->metrics & HOTKEYS_NET) s->net = topk_new((size_t)o->k * 32);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    s->ru_user0 = ru.ru_utime;
    s->ru_sys0 = ru.ru_stime;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uintptr_t)s;
    if (s->rng == 0) s->rng = 1;
    session = s;
    core.hotkeys_on = 1;
}

int hotkeys_stop(void) {
    if (!hotkeys_is_active()) return 0;
    session_end(session, now_ms() - session->start_ms);
    return 1;
}

size_t hotkeys_memory(void) {
    if (!session) return 0;
    return xsize(session) + (session->cpu ? topk_memory(session->cpu) : 0) +
           (session->net ? topk_memory(session->net) : 0);
}

int hotkeys_reset(void) {
    if (hotkeys_is_active()) return -1;
    session_free(session);
    session = NULL;
    return 0;
}

int hotkeys_report(HotkeysReport *r) {
    int active = hotkeys_is_active();
    Session *s = session;
    if (!s) return 0;
    memset(r, 0, sizeof *r);
    r->is_active = active;
    r->metrics = s->metrics;
    r->k = s->k;
    r->sample_ratio = s->sample_ratio;
    r->all_commands_us = s->all_us;
    r->all_commands_net_bytes = s->all_net;
    r->start_unix_ms = s->start_ms;
    if (active) {
        r->duration_ms = now_ms() - s->start_ms;
        cpu_since_start(s, &r->cpu_user_ms, &r->cpu_sys_ms);
    } else {
        r->duration_ms = s->duration_ms;
        r->cpu_user_ms = s->cpu_user_ms;
        r->cpu_sys_ms = s->cpu_sys_ms;
    }
    r->by_cpu_us = s->cpu;
    r->by_net_bytes = s->net;
    r->total_net_bytes = s->net ? topk_total(s->net) : 0;
    return 1;
}

/* ---- accounting a command ------------------------------------------- */

static size_t digits(uint64_t v) {
    size_t n = 1;
    while (v >= 10) v /= 10, n++;
    return n;
}

/* The size of argv sent as a RESP array of bulk strings. */
static uint64_t request_bytes(int argc, const Slice *argv) {
    uint64_t n = 3 + digits((uint64_t)argc);
    for (int i = 0; i < argc; i++) n += 5 + digits(argv[i].len) + argv[i].len;
    return n;
}

static uint64_t next_rand(Session *s) {
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 2685821657736338717ULL;
}

/* Adds total split over the n keys at pos (the leftover units one each from
 * key `first` on) to t. */
static void charge(TopK *t, const Slice *argv, const int *pos, int n, uint64_t total,
                   unsigned first) {
    uint64_t share = total / (uint64_t)n, left = total % (uint64_t)n;
    for (int i = 0; i < n; i++) {
        uint64_t rank = ((unsigned)i + (unsigned)n - first % (unsigned)n) % (unsigned)n;
        topk_add(t, argv[pos[i]].p, argv[pos[i]].len, share + (rank < left ? 1 : 0));
    }
}

void hotkeys_record(ClientFull *c, const Command *cmd, int64_t dur_us, size_t out_before) {
    Session *s = session;
    Client *pc = &c->pub;
    /* a script's redis.call(): charged as part of the EVAL that ran it */
    if (!s || !s->is_active || (pc->flags & CLIENT_SCRIPT)) return;
    if (expired(s, now_ms())) return;
    const CommandMeta *m = meta_of(cmd);
    if (!m || m->nkey_specs == 0) return;
    size_t max = (size_t)pc->argc * m->nkey_specs;
    int pos_small[16];
    const char *fl_small[16];
    int *pos = max <= 16 ? pos_small : xmalloc(max * sizeof *pos);
    const char **fl = max <= 16 ? fl_small : xmalloc(max * sizeof *fl);
    int found = command_meta_getkeys(m, cmd, pc->argc, pc->argv, pos, fl, (int)max);
    int n = 0;
    for (int i = 0; i < found; i++)
        if (!strstr(fl[i], "not_key")) pos[n++] = pos[i];
    if (n > 0) {
        size_t out_now = buf_live(&c->obuf);
        uint64_t cpu = dur_us > 0 ? (uint64_t)dur_us : 0;
        uint64_t net =
            request_bytes(pc->argc, pc->argv) + (out_now > out_before ? out_now - out_before : 0);
        s->all_us += cpu;
        s->all_net += net;
        if (s->sample_ratio == 1 || next_rand(s) % (uint64_t)s->sample_ratio == 0) {
            unsigned first = s->spread++;
            if (s->cpu) charge(s->cpu, pc->argv, pos, n, cpu, first);
            if (s->net) charge(s->net, pc->argv, pos, n, net, first);
        }
    }
    if (pos != pos_small) xfree(pos);
    if (fl != fl_small) xfree(fl);
}
