/*
 * num.h - strict decimal parsing shared by the protocol parser and the
 * command handlers: Redis's string2ll rules (no spaces, no '+', no leading
 * zeros except "0" itself, no "-0", the full signed 64-bit range) - and
 * the formatting every reply header and integer reply goes through.
 */
#ifndef STREAMD_NUM_H
#define STREAMD_NUM_H

#include <stddef.h>

/* 0 and *out set, or -1 when p[0..len) is not a canonical integer. */
int num_parse_ll(const char *p, size_t len, long long *out);
/* The same for unsigned values (no sign allowed). */
int num_parse_ull(const char *p, size_t len, unsigned long long *out);

/* Writes v in decimal (no sign, no NUL) into dst, which has room for 20
 * bytes; returns the length. */
size_t num_fmt_u64(unsigned long long v, char *dst);

#endif
