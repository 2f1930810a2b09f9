/*
 * sha256.h - SHA-256 (FIPS 180-4) of a byte string, as ACL passwords need
 * it: a user's passwords are kept, shown (ACL GETUSER, ACL LIST) and saved
 * (ACL SAVE) only as the hex digest, never as the clear text.
 */
#ifndef STREAMD_SHA256_H
#define STREAMD_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The 32-byte digest of p[0..len). */
void sha256_digest(const void *p, size_t len, uint8_t out[32]);

/* The digest of p[0..len) as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *p, size_t len, char out[65]);

#endif
