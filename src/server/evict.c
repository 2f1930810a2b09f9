/*
 * evict.c - maxmemory eviction: the ten maxmemory-policy values of Redis 8.6,
 * the approximated LRU, LRM and LFU they rank keys by, and the time-boxed loop
 * that runs before a command while memory is over maxmemory.
 *
 * Ranking. As Redis, no policy keeps an exact order: each round samples
 * maxmemory-samples keys per database (random keys; for a volatile-* policy
 * keys with a TTL) into a pool of the 16 best candidates kept across rounds,
 * and evicts the best one that still exists. "Best" is the longest idle
 * (LRU), the longest unchanged (LRM: the same clock, stamped only when a
 * command changes the key), the lowest decayed counter (LFU) or the nearest expiry
 * (volatile-ttl); the random policies take one random key per round, going
 * round the databases.
 *
 * Volatile keys live in the main key table here (a TTL is a field of its
 * entry; there is no second table of keys with TTLs), so a volatile-* round
 * samples random entries when at least an eighth of the keys have a TTL,
 * and otherwise walks the table from a per-database cursor, a bounded number
 * of buckets a round, for keys that have one.
 *
 * What is counted. Memory is the allocator byte count less what Redis does
 * not count for eviction (the AOF buffer and the replicas' output buffers:
 * evicting to make room for them would produce more of them). An evicted key
 * is deleted as DEL deletes (freed in the background under
 * lazyfree-lazy-eviction), announced as an "evicted" keyspace event, and
 * propagated as DEL (UNLINK when lazy) so the AOF and replicas drop it too.
 * A replica does not evict (replica-ignore-maxmemory): its master's
 * deletions are what it applies.
 *
 * Time. One call evicts until memory is under the limit or its time slice
 * (maxmemory-eviction-tenacity: 500 us at the default 10, growing 15 % a
 * step above it, unlimited at 100) is spent; the next command continues,
 * and the command in hand may run while eviction is still making progress,
 * as Redis lets it.
 *
 * The end of the file is the other eviction, of clients (maxmemory-clients).
 */
#include "server/evict.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "server/core.h"
#include "server/lazyfree.h"
#include "server/memreport.h"
#include "server/tracking.h"

#define POOL_SIZE           16
#define VOLATILE_SCAN_STEPS 400

const char *const evict_policy_names[] = {"volatile-lru",
                                          "volatile-lfu",
                                          "volatile-random",
                                          "volatile-ttl",
                                          "volatile-lrm",
                                          "allkeys-lru",
                                          "allkeys-lfu",
                                          "allkeys-random",
                                          "allkeys-lrm",
                                          "noeviction",
                                          NULL};

/* ---- access data ---------------------------------------------------------- */

static uint32_t lfu_minutes(void) {
    return (uint32_t)((now_ms() / 60000) & 0xffff);
}

static uint32_t lfu_elapsed(uint32_t then) {
    uint32_t now = lfu_minutes();
    return now >= then ? now - then : 0xffff - then + now;
}

int evict_objects_unshared(void) {
    int p = settings.maxmemory_policy;
    return settings.maxmemory > 0 &&
           (p == MAXMEM_VOLATILE_LRU || p == MAXMEM_VOLATILE_LFU || p == MAXMEM_VOLATILE_LRM ||
            p == MAXMEM_ALLKEYS_LRU || p == MAXMEM_ALLKEYS_LFU || p == MAXMEM_ALLKEYS_LRM);
}

uint32_t evict_new_stamp(void) {
    return evict_policy_is_lfu() ? lfu_minutes() << 8 | LFU_INIT_VAL : lru_clock_s();
}

uint32_t evict_idle_s(const Obj *o) {
    uint32_t now = lru_clock_s();
    return now >= o->lru_s ? now - o->lru_s : 0;
}

unsigned evict_lfu_freq(const Obj *o) {
    uint32_t when = o->lru_s >> 8 & 0xffff, counter = o->lru_s & 0xff;
    uint32_t periods =
        settings.lfu_decay_time > 0 ? lfu_elapsed(when) / (uint32_t)settings.lfu_decay_time : 0;
    return periods >= counter ? 0 : counter - periods;
}

/* The counter grows with probability 1 / ((counter - LFU_INIT_VAL) *
 * lfu-log-factor + 1): logarithmically, 255 after about a million hits at
 * the default factor 10. */
static unsigned lfu_log_incr(unsigned counter) {
    if (counter == 255) return 255;
    double base = counter > LFU_INIT_VAL ? (double)(counter - LFU_INIT_VAL) : 0.0;
    double p = 1.0 / (base * (double)settings.lfu_log_factor + 1.0);
    if ((double)rand() / RAND_MAX < p) counter++;
    return counter;
}

void evict_touch(Obj *o) {
    if (evict_policy_is_lrm()) return; /* a read is not a change */
    if (evict_policy_is_lfu())
        o->lru_s = lfu_minutes() << 8 | lfu_log_incr(evict_lfu_freq(o));
    else
        o->lru_s = lru_clock_s();
}

void evict_set_idle_or_freq(Obj *o, long long idle_s, long long freq) {
    if (evict_policy_is_lfu()) {
        if (freq >= 0) o->lru_s = lfu_minutes() << 8 | (uint32_t)freq;
    } else if (idle_s >= 0) {
        uint32_t now_s = lru_clock_s();
        o->lru_s = (unsigned long long)idle_s >= now_s ? 0 : now_s - (uint32_t)idle_s;
    }
}

/* ---- candidates ------------------------------------------------------------- */

typedef struct Candidate {
    uint64_t score; /* higher: evicted first */
    int db;
    size_t len;
    char *key; /* owned */
} Candidate;

static Candidate pool[POOL_SIZE]; /* pool[0 .. pool_n), ascending score */
static int pool_n;
static uint64_t *volatile_cursor; /* per database */
static int next_random_db;
static uint64_t stat_evicted;
static uint64_t stat_evicted_clients; /* INFO evicted_clients */
static int64_t exceeded_since_ms;     /* 0: not over the limit */
static uint64_t exceeded_total_ms;

static int is_volatile_policy(void) {
    return settings.maxmemory_policy <= MAXMEM_VOLATILE_LRM;
}

static uint64_t score_of(const DictEntry *e) {
    const Obj *o = e->val;
    switch (settings.maxmemory_policy) {
    case MAXMEM_VOLATILE_TTL:
        return UINT64_MAX - (uint64_t)e->expire_ms;
    case MAXMEM_VOLATILE_LFU:
    case MAXMEM_ALLKEYS_LFU:
        return 255 - evict_lfu_freq(o);
    default:
        return evict_idle_s(o);
    }
}

static void pool_remove(int k) {
    xfree(pool[k].key);
    memmove(&pool[k], &pool[k + 1], (size_t)(pool_n - k - 1) * sizeof *pool);
    pool_n--;
}

/* Offers a sampled entry to the pool, which keeps the POOL_SIZE best. */
static void pool_offer(int db, const DictEntry *e) {
    for (int j = 0; j < pool_n; j++)
        if (pool[j].db == db && pool[j].len == e->key_len &&
            memcmp(pool[j].key, e->key, e->key_len) == 0)
            return;
    uint64_t score = score_of(e);
    if (pool_n == POOL_SIZE) {
        if (score <= pool[0].score) return;
        pool_remove(0);
    }
    int k = 0;
    while (k < pool_n && pool[k].score < score) k++;
    memmove(&pool[k + 1], &pool[k], (size_t)(pool_n - k) * sizeof *pool);
    pool[k] = (Candidate){score, db, e->key_len, xmemdup(e->key, e->key_len)};
    pool_n++;
}

typedef struct VolatileScan {
    int db;
    int found, want;
} VolatileScan;

static void on_volatile(void *priv, DictEntry *e) {
    VolatileScan *v = priv;
    if (e->expire_ms < 0 || v->found >= v->want) return;
    pool_offer(v->db, e);
    v->found++;
}

static void sample_db(int i) {
    Db *db = &core.dbs[i];
    size_t n = dict_size(db->keys);
    if (n == 0) return;
    int want = (int)settings.maxmemory_samples;
    if (!is_volatile_policy()) {
        for (int k = 0; k < want; k++) pool_offer(i, dict_random(db->keys));
        return;
    }
    if (db->n_expires == 0) return;
    if (db->n_expires * 8 >= n) {
        for (int k = 0, found = 0; k < want * 8 && found < want; k++) {
            DictEntry *e = dict_random(db->keys);
            if (e->expire_ms < 0) continue;
            pool_offer(i, e);
            found++;
        }
        return;
    }
    if (!volatile_cursor) volatile_cursor = xcalloc((size_t)core.n_dbs, sizeof *volatile_cursor);
    VolatileScan v = {i, 0, want};
    int steps = 0;
    do {
        volatile_cursor[i] = dict_scan(db->keys, volatile_cursor[i], on_volatile, &v);
    } while (v.found < want && volatile_cursor[i] != 0 && ++steps < VOLATILE_SCAN_STEPS);
}

static void on_first_ttl(void *priv, DictEntry *e) {
    DictEntry **out = priv;
    if (!*out && e->expire_ms >= 0) *out = e;
}

/* A random key of database i with a TTL, or NULL. */
static DictEntry *random_volatile(int i) {
    Db *db = &core.dbs[i];
    if (db->n_expires == 0) return NULL;
    for (int k = 0; k < 64; k++) {
        DictEntry *e = dict_random(db->keys);
        if (e->expire_ms >= 0) return e;
    }
    if (!volatile_cursor) volatile_cursor = xcalloc((size_t)core.n_dbs, sizeof *volatile_cursor);
    DictEntry *e = NULL;
    int steps = 0;
    do {
        volatile_cursor[i] = dict_scan(db->keys, volatile_cursor[i], on_first_ttl, &e);
    } while (!e && ++steps < VOLATILE_SCAN_STEPS * 4);
    return e;
}

/* The next key to evict: *db and an owned copy of its name; 0 when there is
 * none. */
static int pick(int *db_out, char **key_out, size_t *len_out) {
    int policy = settings.maxmemory_policy;
    if (policy == MAXMEM_ALLKEYS_RANDOM || policy == MAXMEM_VOLATILE_RANDOM) {
        for (int t = 0; t < core.n_dbs; t++) {
            int i = next_random_db++ % core.n_dbs;
            Db *db = &core.dbs[i];
            if (dict_size(db->keys) == 0) continue;
            DictEntry *e =
                policy == MAXMEM_ALLKEYS_RANDOM ? dict_random(db->keys) : random_volatile(i);
            if (!e) continue;
            *db_out = i;
            *len_out = e->key_len;
            *key_out = xmemdup(e->key, e->key_len);
            return 1;
        }
        return 0;
    }
    for (int i = 0; i < core.n_dbs; i++) sample_db(i);
    /* best first: the pool's end */
    while (pool_n > 0) {
        Candidate *c = &pool[pool_n - 1];
        DictEntry *e = dict_find(core.dbs[c->db].keys, c->key, c->len);
        if (!e || (is_volatile_policy() && e->expire_ms < 0)) {
            pool_remove(pool_n - 1);
            continue;
        }
        *db_out = c->db;
        *key_out = c->key;
        *len_out = c->len;
        pool_n--;
        return 1;
    }
    return 0;
}

/* ---- the loop ------------------------------------------------------------------ */

size_t evict_not_counted_bytes(void) {
    size_t n = mem_aof_buffer_bytes();
    for (ClientFull *c = core.clients; c; c = c->next)
        if (c->pub.flags & CLIENT_SLAVE) n += mem_client_usage(c);
    return n;
}

/* Over maxmemory by how much (0: not over). */
static size_t over_by(void) {
    size_t used = alloc_used_bytes(), max = (size_t)settings.maxmemory;
    if (used <= max) return 0;
    size_t skip = evict_not_counted_bytes();
    used = used > skip ? used - skip : 0;
    return used > max ? used - max : 0;
}

static int64_t time_limit_us(void) {
    long long t = settings.maxmemory_eviction_tenacity;
    if (t <= 10) return 50 * (t > 0 ? t : 1);
    if (t < 100) {
        double us = 500.0;
        for (long long i = 10; i < t; i++) us *= 1.15;
        return (int64_t)us;
    }
    return INT64_MAX;
}

static void note_exceeded(int over) {
    if (over && !exceeded_since_ms) {
        exceeded_since_ms = mono_ms();
    } else if (!over && exceeded_since_ms) {
        exceeded_total_ms += (uint64_t)(mono_ms() - exceeded_since_ms);
        exceeded_since_ms = 0;
    }
}

int evict_perform(void) {
    if (settings.maxmemory <= 0 || server.loading) return 0;
    if (core.is_replica && settings.replica_ignore_maxmemory) return 0;
    if (!over_by()) {
        note_exceeded(0);
        return 0;
    }
    note_exceeded(1);
    if (settings.maxmemory_policy == MAXMEM_NOEVICTION) return -1;
    int64_t start = mono_us(), limit = time_limit_us();
    int lazy = settings.lazyfree_lazy_eviction != 0;
    uint64_t n = 0;
    for (;;) {
        int db;
        char *key;
        size_t len;
        if (!pick(&db, &key, &len)) return -1;
        Slice k = slice_of(key, len);
        int64_t t0 = mono_us();
        db_evict(&core.dbs[db], k, lazy);
        latency_add_sample("eviction-del", (mono_us() - t0) / 1000);
        xfree(key);
        stat_evicted++;
        n++;
        if (!over_by()) break;
        if (n % 16 == 0 && mono_us() - start > limit) break; /* the next command goes on */
    }
    latency_add_sample("eviction-cycle", (mono_us() - start) / 1000);
    if (!over_by()) note_exceeded(0);
    return 0;
}

uint64_t evict_stat_keys(void) {
    return stat_evicted;
}

uint64_t evict_exceeded_total_ms(void) {
    return exceeded_total_ms + evict_exceeded_current_ms();
}

uint64_t evict_exceeded_current_ms(void) {
    return exceeded_since_ms ? (uint64_t)(mono_ms() - exceeded_since_ms) : 0;
}

void evict_reset_stats(void) {
    stat_evicted = 0;
    stat_evicted_clients = 0;
    exceeded_total_ms = 0;
}

/* ---- client eviction (maxmemory-clients) ----------------------------------
 *
 * When the memory of the normal and pubsub clients together (NO-EVICT ones
 * included, as Redis 7.0 sums them) reaches the limit, the biggest clients
 * that may be evicted are closed, biggest first, until it is under it again.
 * Never evicted: NO-EVICT clients, replicas, the master's link (none of them
 * is counted), the caller of a running script.
 *
 * The total is kept up to date by client.c (client_mem_refresh) at reads,
 * writes and once a second, so the test before sleeping and after each read
 * is one comparison. Redis keeps clients in buckets by powers of two of their
 * memory so as to find the biggest without a scan; here a pass that has to
 * evict sorts the candidates instead, O(n log n) but only when the limit is
 * reached, which ends with a disconnection. The one case where a pass can
 * come round again and again is when what cannot be evicted holds the total
 * over the limit: a pass that found too little remembers the total, and the
 * next passes wait until it grows past that (a candidate may have grown) or
 * until the once-a-second cron, or until NO-EVICT is turned off somewhere. */

static size_t clients_stuck_at; /* the total after a pass that could not get under; 0: none */

/* Bytes maxmemory-clients allows now, 0 for no limit: N% of maxmemory
 * (none while maxmemory is 0), and never under 128 KB, as Redis, so that a
 * mistaken tiny value does not cut every connection. */
static size_t client_limit_bytes(void) {
    long long v = settings.maxmemory_clients;
    unsigned long long bytes;
    if (v < 0 && settings.maxmemory > 0)
        bytes = (unsigned long long)((double)settings.maxmemory * (double)-v / 100);
    else if (v > 0)
        bytes = (unsigned long long)v;
    else
        return 0;
    if (bytes < 128 * 1024) bytes = 128 * 1024;
    return bytes > SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

void evict_clients_configure(void) {
    size_t limit = client_limit_bytes();
    int was_on = core.client_evict_limit != 0;
    core.client_evict_limit = limit;
    clients_stuck_at = 0;
    if (was_on == (limit != 0)) return;
    /* Turned on: account every client from scratch. Off: forget. */
    core.clients_mem_bytes = 0;
    for (ClientFull *c = core.clients; c; c = c->next) {
        c->mem_bytes = 0;
        if (limit) client_mem_refresh(c);
    }
}

void evict_clients_reconsider(void) {
    clients_stuck_at = 0;
}

/* Counted (mem_bytes is 0 otherwise), and neither exempt nor, since its
 * memory was last counted, turned replica or master link. */
static int may_evict(const ClientFull *c) {
    return c->mem_bytes > 0 && !c->is_closing &&
           !(c->pub.flags & (CLIENT_NO_EVICT | CLIENT_PROTECTED | CLIENT_SLAVE | CLIENT_MASTER));
}

static int by_mem_desc(const void *a, const void *b) {
    size_t x = (*(ClientFull *const *)a)->mem_bytes, y = (*(ClientFull *const *)b)->mem_bytes;
    return x < y ? 1 : x > y ? -1 : 0;
}

void evict_clients_slow(void) {
    /* Not while a command (a script, EXEC) is in hand and other clients are
     * served beside it: the one that runs may not go from under itself. */
    if (core.executing) return;
    if (clients_stuck_at && core.clients_mem_bytes <= clients_stuck_at) return;
    size_t n = 0;
    for (ClientFull *c = core.clients; c; c = c->next) n += may_evict(c);
    ClientFull **v = xmalloc((n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (ClientFull *c = core.clients; c && k < n; c = c->next)
        if (may_evict(c)) v[k++] = c;
    qsort(v, k, sizeof *v, by_mem_desc);
    Buf info;
    buf_init(&info);
    for (size_t i = 0; i < k && evict_clients_over(); i++) {
        buf_clear(&info);
        client_info_line(v[i], &info);
        buf_append_char(&info, '\0');
        log_notice("Evicting client: %s", info.p);
        client_close_async(v[i]); /* takes its memory out of the total */
        stat_evicted_clients++;
    }
    buf_free(&info);
    xfree(v);
    clients_stuck_at = evict_clients_over() ? core.clients_mem_bytes : 0;
}

void evict_clients_cron(void) {
    clients_stuck_at = 0;
    evict_clients();
}

uint64_t evict_stat_clients(void) {
    return stat_evicted_clients;
}
