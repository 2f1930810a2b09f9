/*
 * alloc.c - allocation with accounting.
 *
 * The count of bytes in use is kept from the allocator's usable size of each
 * block, so it matches what the allocator really holds for us (jemalloc size
 * classes included) rather than what we asked for. One thread allocates on
 * the data path; the fsync thread does not allocate, so a plain counter is
 * enough, but it is atomic so a background free stays correct.
 */
#include "base/alloc.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

size_t xsize(const void *p) {
    return p ? malloc_usable_size((void *)p) : 0;
}

size_t alloc_used_bytes(void) {
    return atomic_load_explicit(&used_bytes, memory_order_relaxed);
}

const char *alloc_name(void) {
#ifdef STREAMD_JEMALLOC
    return "jemalloc-5.3.0";
#else
    return "libc";
#endif
}
