/*
 * bgjob.c - one background thread running file-system jobs in FIFO order.
 *
 * The event loop hands over a job (fsync an fd, fsync-and-close an fd,
 * unlink a path) under a mutex and goes on; the thread runs jobs one at a
 * time. FIFO order matters: an fsync queued after a close of an older file
 * never overtakes it, and a rewrite's switch never deletes a file whose
 * close is still queued before it.
 *
 * What the event loop reads without the lock: the number of queued or
 * running fsync jobs (so `appendfsync everysec` can see that the previous
 * second's fsync has not finished and postpone, as Redis does), the errno
 * of the last failed fsync (0 after a success), which turns into -MISCONF
 * refusals, and the write offset the last successful fsync covered (each
 * fsync job carries the offset the file held when it was queued; WAITAOF
 * waits on it). All three are atomics written by the thread.
 *
 * The thread never allocates; it frees the job records the loop allocated
 * (the allocator's accounting is atomic for that reason).
 *
 * Rejected: a thread per job (unbounded), and fsync from the event loop for
 * everysec (one slow disk flush would stall every client for its duration,
 * which is what everysec exists to avoid).
 */
#include "persist/bgjob.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "server/procenv.h"

enum { JOB_FSYNC, JOB_CLOSE, JOB_UNLINK };

typedef struct Job {
    struct Job *next;
    int kind;
    int fd;
    int fsync_first;
    long long offset; /* write offset covered once the fsync succeeds */
    char path[];      /* JOB_UNLINK */
} Job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t has_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static Job *head, *tail;
static int running; /* a job is being run (under mu) */
static int started;
static _Atomic int fsync_pending;
static _Atomic int fsync_errno;
static _Atomic long long synced_offset;

/* Jobs run in the order they were queued with non-decreasing offsets, but
 * stay monotonic whatever the caller passes. */
static void publish_synced(long long offset) {
    if (offset > atomic_load(&synced_offset)) atomic_store(&synced_offset, offset);
}

static void *worker(void *arg) {
    (void)arg;
    procenv_bio_thread("bio_aof");
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head) pthread_cond_wait(&has_work, &mu);
        Job *j = head;
        head = j->next;
        if (!head) tail = NULL;
        running = 1;
        pthread_mutex_unlock(&mu);

        if (j->kind == JOB_FSYNC) {
            int rc = fdatasync(j->fd);
            if (rc == -1 && errno != EBADF && errno != EINVAL) {
                int e = errno;
                atomic_store(&fsync_errno, e);
                log_warning("Fail to fsync the AOF file: %s", strerror(e));
            } else {
                atomic_store(&fsync_errno, 0);
                if (rc == 0) publish_synced(j->offset);
            }
            atomic_fetch_sub(&fsync_pending, 1);
        } else if (j->kind == JOB_CLOSE) {
            if (j->fsync_first && fdatasync(j->fd) == 0) publish_synced(j->offset);
            close(j->fd);
        } else {
            if (unlink(j->path) == -1 && errno != ENOENT)
                log_warning("Can't remove %s: %s", j->path, strerror(errno));
        }
        xfree(j);

        pthread_mutex_lock(&mu);
        running = 0;
        if (!head) pthread_cond_broadcast(&idle);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

/* Starts the thread once; later calls do nothing. Aborts if the thread cannot
 * be created (the AOF could not keep its fsync promise without it). */
void aof_bg_start(void) {
    if (started) return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_warning("Fatal: can't create the AOF background thread: %s", strerror(rc));
        _exit(1);
    }
    started = 1;
}

static void submit(Job *j) {
    aof_bg_start();
    j->next = NULL;
    pthread_mutex_lock(&mu);
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pthread_cond_signal(&has_work);
    pthread_mutex_unlock(&mu);
}

/* Queues an fdatasync of fd (borrowed: the caller keeps it open until the job
 * ran, which closing through aof_bg_close() guarantees); offset: the write
 * offset everything written to fd so far reaches. */
void aof_bg_fsync(int fd, long long offset) {
    Job *j = xcalloc(1, sizeof *j);
    j->kind = JOB_FSYNC;
    j->fd = fd;
    j->offset = offset;
    atomic_fetch_add(&fsync_pending, 1);
    submit(j);
}

/* Queues closing fd (ownership moves to the thread), after an fdatasync when
 * fsync_first (offset as for aof_bg_fsync). */
void aof_bg_close(int fd, int fsync_first, long long offset) {
    Job *j = xcalloc(1, sizeof *j);
    j->kind = JOB_CLOSE;
    j->fd = fd;
    j->fsync_first = fsync_first;
    j->offset = offset;
    submit(j);
}

/* Queues unlinking path (borrowed; copied). */
void aof_bg_unlink(const char *path) {
    size_t n = strlen(path);
    Job *j = xcalloc(1, sizeof *j + n + 1);
    j->kind = JOB_UNLINK;
    memcpy(j->path, path, n + 1);
    submit(j);
}

/* Number of fsync jobs queued or running. */
int aof_bg_fsync_pending(void) {
    return atomic_load(&fsync_pending);
}

/* The highest write offset a background fsync has made durable (0 before
 * the first). */
long long aof_bg_synced_offset(void) {
    return atomic_load(&synced_offset);
}

/* errno of the last background fsync if it failed, 0 if it succeeded. */
int aof_bg_fsync_errno(void) {
    return atomic_load(&fsync_errno);
}

/* Forgets a background fsync failure (the AOF was reopened). */
void aof_bg_clear_fsync_error(void) {
    atomic_store(&fsync_errno, 0);
}

/* Waits until every queued job has run (shutdown, tests). */
void aof_bg_drain(void) {
    if (!started) return;
    pthread_mutex_lock(&mu);
    while (head || running) pthread_cond_wait(&idle, &mu);
    pthread_mutex_unlock(&mu);
}
