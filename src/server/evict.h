/*
 * evict.h - maxmemory eviction (maxmemory-policy) and the access data it
 * reads: an object's LRU time or, under an LFU policy, its LFU counter.
 *
 * As in Redis, Obj.lru_s holds one or the other, chosen by the policy in
 * force when the object was made or last touched: seconds of the LRU clock,
 * or 16 bits of minutes over an 8-bit logarithmic access counter. Switching
 * policy at run time reads the old field the new way until keys are touched
 * again, which OBJECT FREQ / IDLETIME's errors warn about.
 */
#ifndef STREAMD_EVICT_H
#define STREAMD_EVICT_H

#include <stddef.h>
#include <stdint.h>

#include "server/core.h"
#include "server/object.h"

/* maxmemory-policy, in the order of config.c's names */
enum {
    MAXMEM_VOLATILE_LRU,
    MAXMEM_VOLATILE_LFU,
    MAXMEM_VOLATILE_RANDOM,
    MAXMEM_VOLATILE_TTL,
    MAXMEM_VOLATILE_LRM, /* Redis 8.6: least recently modified */
    MAXMEM_ALLKEYS_LRU,
    MAXMEM_ALLKEYS_LFU,
    MAXMEM_ALLKEYS_RANDOM,
    MAXMEM_ALLKEYS_LRM,
    MAXMEM_NOEVICTION,
};

/* Their names, indexed by MAXMEM_*, NULL-terminated (CONFIG, INFO). */
extern const char *const evict_policy_names[];

#define LFU_INIT_VAL 5

/* Inline: every key lookup asks (db.c). */
static inline int evict_policy_is_lfu(void) {
    return settings.maxmemory_policy == MAXMEM_ALLKEYS_LFU ||
           settings.maxmemory_policy == MAXMEM_VOLATILE_LFU;
}
/* An LRM policy (Redis 8.6): Obj.lru_s is the time of the last change,
 * not of the last access; reads leave it. */
static inline int evict_policy_is_lrm(void) {
    return settings.maxmemory_policy == MAXMEM_ALLKEYS_LRM ||
           settings.maxmemory_policy == MAXMEM_VOLATILE_LRM;
}
/* An LRU or LRM policy: an idle time is kept, written as an RDB IDLE opcode. */
static inline int evict_policy_is_lru(void) {
    return settings.maxmemory_policy == MAXMEM_ALLKEYS_LRU ||
           settings.maxmemory_policy == MAXMEM_VOLATILE_LRU || evict_policy_is_lrm();
}
/* Whether objects made now would not be shared by Redis (a maxmemory LRU or
 * LFU policy: the access data is per object). */
int evict_objects_unshared(void);
/* Obj.lru_s for a new object. */
uint32_t evict_new_stamp(void);
/* A read or write access to o (not under CLIENT NO-TOUCH). */
void evict_touch(Obj *o);
/* OBJECT IDLETIME: seconds since o's last access, its Obj.lru_s read as an
 * LRU time. */
uint32_t evict_idle_s(const Obj *o);
/* OBJECT FREQ: the counter after its decay. */
unsigned evict_lfu_freq(const Obj *o);
/* RESTORE / RDB: IDLETIME seconds (under an LRU policy) or FREQ (LFU);
 * a negative value is not given. */
void evict_set_idle_or_freq(Obj *o, long long idle_s, long long freq);

/* Before a command, with maxmemory set: evicts keys until memory is under
 * it or the time slice is spent. Returns 0 when memory is under maxmemory or
 * eviction is making progress, -1 when it is over and nothing can be evicted
 * (noeviction, or no candidate left): commands that may grow memory are then
 * refused with -OOM. */
int evict_perform(void);
/* INFO stats: evicted_keys, total/current_eviction_exceeded_time (ms). */
uint64_t evict_stat_keys(void);
/* Bytes the limit does not count: the AOF buffer, the replicas' output. */
size_t evict_not_counted_bytes(void);
uint64_t evict_exceeded_total_ms(void);
uint64_t evict_exceeded_current_ms(void);
void evict_reset_stats(void);

/* Client eviction (maxmemory-clients). After any configuration change:
 * the limit again from maxmemory-clients and maxmemory, the clients'
 * memory accounted afresh when it turns on. */
void evict_clients_configure(void);
/* Whether the clients' memory is at the limit (never while it is off). */
static inline int evict_clients_over(void) {
    return core.client_evict_limit != 0 && core.clients_mem_bytes >= core.client_evict_limit;
}
void evict_clients_slow(void);
/* At a point where clients may be closed (after a read, after the writes):
 * closes the biggest evictable clients until the memory is under the limit,
 * each logged and counted. Does nothing while a command is in hand. */
static inline void evict_clients(void) {
    if (__builtin_expect(evict_clients_over(), 0)) evict_clients_slow();
}
/* Once a second: evict_clients(), even when the last pass found nothing
 * more it could evict. */
void evict_clients_cron(void);
/* A client's eligibility changed (CLIENT NO-EVICT): the next pass looks
 * again. */
void evict_clients_reconsider(void);
/* INFO stats: evicted_clients. */
uint64_t evict_stat_clients(void);

#endif
