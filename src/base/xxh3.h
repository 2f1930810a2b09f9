/*
 * xxh3.h - XXH3, the 64-bit variant with seed 0 and the default secret, as
 * Redis 8.4 uses it for a string's digest (DIGEST, SET/DELEX IFDEQ and
 * IFDNE). Written from the algorithm's published specification.
 */
#ifndef STREAMD_XXH3_H
#define STREAMD_XXH3_H

#include <stddef.h>
#include <stdint.h>

/* The hash of p[0..len). */
uint64_t xxh3_64(const void *p, size_t len);

/* The hash as Redis's DIGEST shows it: 16 lower-case hex digits, leading
 * zeros kept, and a NUL. */
void xxh3_hex(const void *p, size_t len, char out[17]);

#endif
