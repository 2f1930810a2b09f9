/*
 * idmp.h - the idempotency state of one stream (XADD IDMP / IDMPAUTO).
 *
 * A producer (pid) tags each message with an idempotent id (iid); the state
 * remembers, per producer, its most recent iids and the stream ID each one was
 * added under, so that a retried XADD gets the original ID back instead of a
 * second entry. A producer's iids are kept in insertion order; an iid is
 * forgotten when it and every iid its producer recorded before it are older
 * than the stream's duration (an entry's ms part + duration seconds <= now),
 * or when its producer records more than maxsize iids after it. Lifetime
 * counters (iids added, duplicates refused) feed XINFO STREAM.
 *
 * The library is pure: no server state, no clock of its own. Every call that
 * depends on time takes now_ms, and an iid's age comes from its stream ID, so
 * replaying the same calls with the same IDs rebuilds the same state whatever
 * the clock says at replay time. See idmp.c for the layout and the reasons.
 *
 * Ownership: an Idmp owns copies of every pid and iid given to it. Slices
 * returned by the iterator are views valid until the next mutation of the
 * Idmp.
 */
#ifndef STREAMD_STREAM_IDMP_H
#define STREAMD_STREAM_IDMP_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/id.h"

/* The ranges XCFGSET and the stream-idmp-* configs accept. */
#define IDMP_DURATION_MIN 1
#define IDMP_DURATION_MAX 86400
#define IDMP_MAXSIZE_MIN  1
#define IDMP_MAXSIZE_MAX  10000

/* Bytes of an iid derived from message content (IDMPAUTO). */
#define IDMP_AUTO_IID_LEN 16

typedef struct Idmp Idmp;

Idmp *idmp_new(uint32_t duration_s, uint32_t maxsize, uint64_t seed);
Idmp *idmp_clone(const Idmp *src);
void idmp_free(Idmp *m);

/* ---- Configuration ------------------------------------------------------ */
uint32_t idmp_duration(const Idmp *m);
uint32_t idmp_maxsize(const Idmp *m);
int idmp_configure(Idmp *m, uint32_t duration_s, uint32_t maxsize);
void idmp_clear(Idmp *m);

/* ---- Tracking ----------------------------------------------------------- */
/* A (pid, iid) pair with its hashes, computed at most once per command (the
 * pid's only when the producer is not the one used last), under the key of
 * the first Idmp it is used with: use a key with one Idmp only. The slices
 * are borrowed. Fields are private. */
typedef struct IdmpKey {
    Slice pid, iid;
    uint64_t pid_hash;
    uint32_t iid_hash;
    uint32_t free_at; /* with absent_at: a free slot for the iid, or UINT32_MAX */
    int has_pid_hash, has_iid_hash;
    void *producer;     /* with absent_at: the producer idmp_find() found, or NULL */
    uint64_t absent_at; /* Idmp version at which idmp_find() saw no record, + 1 */
} IdmpKey;

static inline void idmp_key_init(IdmpKey *k, Slice pid, Slice iid) {
    k->pid = pid;
    k->iid = iid;
    k->has_pid_hash = 0;
    k->has_iid_hash = 0;
    k->absent_at = 0;
}
int idmp_find(Idmp *m, IdmpKey *k, int64_t now_ms, StreamId *id);
void idmp_add(Idmp *m, IdmpKey *k, const StreamId *id, int64_t now_ms);
void idmp_count_duplicate(Idmp *m);

/* ---- Counters and XINFO ------------------------------------------------- */
void idmp_expire(Idmp *m, int64_t now_ms);
uint64_t idmp_pids_tracked(const Idmp *m);
uint64_t idmp_iids_tracked(const Idmp *m);
uint64_t idmp_iids_added(const Idmp *m);
uint64_t idmp_iids_duplicates(const Idmp *m);
void idmp_set_counters(Idmp *m, uint64_t iids_added, uint64_t iids_duplicates);
size_t idmp_mem_usage(const Idmp *m);

/* ---- Dump (AOF rewrite) --------------------------------------------------- */
/* Caller-allocated; fields are private. */
typedef struct IdmpIter {
    const Idmp *m;
    uint32_t slot;  /* producer table slot */
    uint32_t pos;   /* position in that producer's list */
    int64_t now_ms; /* a producer's expired head at this time is skipped */
    int live;       /* past that head in the current producer */
} IdmpIter;

void idmp_iter_start(IdmpIter *it, const Idmp *m, int64_t now_ms);
int idmp_iter_next(IdmpIter *it, Slice *pid, Slice *iid, StreamId *id);

/* ---- IDMPAUTO ------------------------------------------------------------ */
void idmp_auto_iid(const Slice *fields_values, size_t n_pairs,
                   unsigned char out[IDMP_AUTO_IID_LEN]);

/* ---- Hashing (exposed for the unit tests) ------------------------------- */
void idmp_siphash128(const unsigned char key[16], const void *p, size_t len, unsigned char out[16]);
/* The table hash of s under m's key (tests aim iids at one table bucket). */
uint64_t idmp_table_hash(const Idmp *m, Slice s);
/* Walks the whole structure: 0 if every invariant holds, else nonzero. */
int idmp_check(const Idmp *m);

#endif
