/*
 * alloc.h - the one allocation wrapper.
 *
 * Every allocation of the server goes through these functions so that the
 * bytes in use are known (INFO memory, maxmemory, MEMORY USAGE). Release
 * builds link jemalloc; sanitizer builds use the libc allocator so ASan can
 * see every block. Allocation failure logs the size and aborts: callers never
 * check for NULL.
 */
#ifndef STREAMD_ALLOC_H
#define STREAMD_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
void xfree(void *p);
char *xstrdup(const char *s);
void *xmemdup(const void *p, size_t n);
/* Makes a big block about to be filled whole resident in one system call. */
void xprefault(void *p, size_t n);
/* Usable size of a block from xmalloc(); 0 for NULL. */
size_t xsize(const void *p);
/* Bytes currently allocated through this wrapper. */
size_t alloc_used_bytes(void);
/* Name of the allocator behind the wrapper ("jemalloc-5.3.0" or "libc"). */
const char *alloc_name(void);
/* What the allocator itself holds (jemalloc's stats.allocated, stats.active
 * and stats.resident, freshly sampled): 0, or -1 with all three 0 when the
 * allocator does not tell (libc). */
int alloc_allocator_info(size_t *allocated, size_t *active, size_t *resident);
/* Hands the allocator's statistics report to fn piece by piece: 0, or -1
 * (fn not called) when the allocator has none. */
int alloc_stats_print(void (*fn)(void *opaque, const char *text), void *opaque);
/* Returns the allocator's unused dirty pages to the system (every jemalloc
 * arena); 0, or -1 if the allocator refused. Nothing to do with libc: 0. */
int alloc_purge(void);
/* jemalloc's background purging thread on or off (jemalloc-bg-thread);
 * 0, or -1 when the allocator refused. Nothing to do without jemalloc. */
int alloc_background_thread(int on);

#endif
