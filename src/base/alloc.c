/*
 * alloc.c - allocation with accounting.
 *
 * The count of bytes in use is kept from the allocator's usable size of each
 * block, so it matches what the allocator really holds for us (jemalloc size
 * classes included) rather than what we asked for. One thread allocates on
 * the data path; the fsync thread does not allocate, so a plain counter is
 * enough, but it is atomic so a background free stays correct.
 *
 * xprefault() is for a place that fills a big fresh block at once (a stream
 * node holding one big entry): one system call makes its pages resident
 * instead of a trap per 4 KB page. Not for string values: SET usually
 * overwrites, gets a recycled block, and the residency check alone cost it
 * ~5% at 100 KB. Rejected: transparent huge
 * pages for the whole heap (jemalloc thp:always halved the CPU time of 1 MB
 * XADDs too, but makes small heaps' RSS coarse, copies 2 MB per page written
 * after an AOF rewrite's fork, and may compact memory in a page fault: the
 * latency spikes Redis disables THP for).
 */
#include "base/alloc.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef STREAMD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

static _Atomic size_t used_bytes;

static void oom(size_t n) {
    fprintf(stderr, "streamd: out of memory allocating %zu bytes\n", n);
    fflush(stderr);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    atomic_fetch_add_explicit(&used_bytes, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *xcalloc(size_t count, size_t n) {
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p) oom(count * n);
    atomic_fetch_add_explicit(&used_bytes, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *xrealloc(void *p, size_t n) {
    size_t old = p ? malloc_usable_size(p) : 0;
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    atomic_fetch_add_explicit(&used_bytes, malloc_usable_size(q), memory_order_relaxed);
    atomic_fetch_sub_explicit(&used_bytes, old, memory_order_relaxed);
    return q;
}

void xfree(void *p) {
    if (!p) return;
    atomic_fetch_sub_explicit(&used_bytes, malloc_usable_size(p), memory_order_relaxed);
    free(p);
}

char *xstrdup(const char *s) {
    return xmemdup(s, strlen(s) + 1);
}

void *xmemdup(const void *p, size_t n) {
    void *q = xmalloc(n);
    if (n) memcpy(q, p, n);
    return q;
}

/* Backs the pages of a block the caller is about to fill completely in one
 * call per run of absent pages, rather than one page fault per page as the
 * copy reaches them: for a fresh 1 MB block that is 256 traps, most of the
 * cost of storing a big value (XADD of 1 MB values spent ~70% of its time in
 * page faults; populating first cut its CPU time by a third). Pages already
 * resident (a block the allocator recycled) are skipped: populating them
 * anyway costs ~65 us per MB, mincore() ~4 us. Blocks under 64 KB are not
 * worth the system calls; where the kernel lacks MADV_POPULATE_WRITE (before
 * Linux 5.14) this does nothing. Never for memory that may stay unwritten:
 * it would become resident. Borrows p. */
void xprefault(void *p, size_t n) {
#ifdef MADV_POPULATE_WRITE
    static uintptr_t page;
    unsigned char vec[1024];
    if (n < 64 * 1024) return;
    if (!page) {
        long sz = sysconf(_SC_PAGESIZE);
        page = sz > 0 ? (uintptr_t)sz : 4096;
    }
    uintptr_t at = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + n) & ~(page - 1);
    while (at < end) {
        size_t pages = (size_t)((end - at) / page);
        if (pages > sizeof vec) pages = sizeof vec;
        if (mincore((void *)at, pages * page, vec) != 0) return;
        for (size_t i = 0; i < pages;) {
            size_t j = i;
            while (j < pages && !(vec[j] & 1)) j++;
            if (j > i) (void)madvise((void *)(at + i * page), (j - i) * page, MADV_POPULATE_WRITE);
            i = j + 1; /* vec[j] is resident, or j == pages */
        }
        at += pages * page;
    }
#else
    (void)p;
    (void)n;
#endif
}

size_t xsize(const void *p) {
    return p ? malloc_usable_size((void *)p) : 0;
}

size_t alloc_used_bytes(void) {
    return atomic_load_explicit(&used_bytes, memory_order_relaxed);
}

#ifdef STREAMD_JEMALLOC
static size_t je_stat(const char *name) {
    size_t v = 0, len = sizeof v;
    return mallctl(name, &v, &len, NULL, 0) == 0 ? v : 0;
}
#endif

int alloc_allocator_info(size_t *allocated, size_t *active, size_t *resident) {
    *allocated = *active = *resident = 0;
#ifdef STREAMD_JEMALLOC
    /* jemalloc's statistics are a snapshot taken when the epoch advances. */
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) return -1;
    *allocated = je_stat("stats.allocated");
    *active = je_stat("stats.active");
    *resident = je_stat("stats.resident");
    return 0;
#else
    return -1;
#endif
}

#ifdef STREAMD_JEMALLOC
typedef struct StatsSink {
    void (*fn)(void *opaque, const char *text);
    void *opaque;
} StatsSink;

static void stats_write(void *opaque, const char *text) {
    StatsSink *s = opaque;
    s->fn(s->opaque, text);
}
#endif

int alloc_stats_print(void (*fn)(void *opaque, const char *text), void *opaque) {
#ifdef STREAMD_JEMALLOC
    StatsSink s = {fn, opaque};
    malloc_stats_print(stats_write, &s, NULL);
    return 0;
#else
    (void)fn;
    (void)opaque;
    return -1;
#endif
}

int alloc_purge(void) {
#ifdef STREAMD_JEMALLOC
    char name[64];
    snprintf(name, sizeof name, "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    return mallctl(name, NULL, NULL, NULL, 0) == 0 ? 0 : -1;
#else
    return 0;
#endif
}

int alloc_background_thread(int on) {
#ifdef STREAMD_JEMALLOC
    bool v = on != 0;
    return mallctl("background_thread", NULL, NULL, &v, sizeof v) == 0 ? 0 : -1;
#else
    (void)on;
    return 0;
#endif
}

const char *alloc_name(void) {
#ifdef STREAMD_JEMALLOC
    return "jemalloc-5.3.0";
#else
    return "libc";
#endif
}
