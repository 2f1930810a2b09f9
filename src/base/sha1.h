/*
 * sha1.h - SHA-1 (FIPS 180-4) of a byte string, as scripting needs it: a
 * script's name is the hex digest of its body (EVALSHA, SCRIPT LOAD,
 * redis.sha1hex).
 */
#ifndef STREAMD_SHA1_H
#define STREAMD_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* The digest of p[0..len) as 40 lower-case hex digits and a NUL. */
void sha1_hex(const void *p, size_t len, char out[41]);

/* The 20-byte digest of p[0..len). */
void sha1_digest(const void *p, size_t len, uint8_t out[20]);

#endif
