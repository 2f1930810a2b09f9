/*
 * lazyfree.c - the background free thread; see lazyfree.h.
 *
 * One thread, started on first use, takes jobs from a FIFO under a mutex: a
 * value, or a whole key dict. The counters are atomics read by INFO. The
 * thread never calls back into the server: a job is memory to release,
 * nothing else, which is what makes handing it over safe once the main
 * thread has unlinked it (watchers signalled, blocked clients queued,
 * keysizes uncounted).
 *
 * Rejected: freeing in slices from the cron (no thread): a 1M-field hash
 * would still cost the main thread the same total time, spread over ticks,
 * and the value would have to stay consistent across them.
 */
#include "server/lazyfree.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/log.h"
#include "server/procenv.h"

typedef struct Job {
    struct Job *next;
    Obj *obj;   /* a value, or NULL */
    Dict *keys; /* a database's keys, or NULL */
    uint64_t n; /* objects this job counts */
} Job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t has_work = PTHREAD_COND_INITIALIZER;
static Job *head, *tail;
static int started;
static _Atomic uint64_t pending, freed;

static void free_key_value(void *o) {
    obj_free_detached(o);
}

static void free_key_value_here(void *o) {
    obj_free(o);
}

static void run(Job *j) {
    if (j->obj) obj_free_detached(j->obj);
    if (j->keys) dict_free(j->keys, free_key_value);
}

static void *thread_main(void *arg) {
    (void)arg;
    procenv_bio_thread("bio_lazy_free");
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head) pthread_cond_wait(&has_work, &mu);
        Job *j = head;
        head = j->next;
        if (!head) tail = NULL;
        pthread_mutex_unlock(&mu);
        run(j);
        atomic_fetch_sub_explicit(&pending, j->n, memory_order_relaxed);
        atomic_fetch_add_explicit(&freed, j->n, memory_order_relaxed);
        xfree(j);
    }
    return NULL;
}

/* Queues j; runs it here when the thread cannot be started. */
static void submit(Job *j) {
    atomic_fetch_add_explicit(&pending, j->n, memory_order_relaxed);
    pthread_mutex_lock(&mu);
    if (!started) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, thread_main, NULL) == 0) {
            started = 1;
        } else {
            pthread_mutex_unlock(&mu);
            pthread_attr_destroy(&attr);
            log_warning("Can't create the lazyfree thread: freeing in the foreground");
            run(j);
            atomic_fetch_sub_explicit(&pending, j->n, memory_order_relaxed);
            atomic_fetch_add_explicit(&freed, j->n, memory_order_relaxed);
            xfree(j);
            return;
        }
        pthread_attr_destroy(&attr);
    }
    j->next = NULL;
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pthread_cond_signal(&has_work);
    pthread_mutex_unlock(&mu);
}

int lazyfree_obj(Obj *o) {
    if (!o) return 0;
    if (obj_free_effort(o) <= LAZYFREE_THRESHOLD || obj_any_borrowed()) {
        obj_free(o);
        return 0;
    }
    Job *j = xcalloc(1, sizeof *j);
    j->obj = o;
    j->n = 1;
    submit(j);
    return 1;
}

void lazyfree_keys(Dict *keys) {
    if (obj_any_borrowed()) { /* a value may still be a client's buffer */
        dict_free(keys, free_key_value_here);
        return;
    }
    Job *j = xcalloc(1, sizeof *j);
    j->keys = keys;
    j->n = dict_size(keys);
    submit(j);
}

uint64_t lazyfree_pending_objects(void) {
    return atomic_load_explicit(&pending, memory_order_relaxed);
}

uint64_t lazyfreed_objects(void) {
    return atomic_load_explicit(&freed, memory_order_relaxed);
}

void lazyfree_reset_stats(void) {
    atomic_store_explicit(&freed, 0, memory_order_relaxed);
}
