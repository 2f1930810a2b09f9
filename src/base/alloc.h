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

#endif
