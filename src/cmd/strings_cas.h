/*
 * strings_cas.h - the value conditions of Redis 8.4 (IFEQ, IFNE, IFDEQ,
 * IFDNE) that SET and DELEX share; see src/cmd/strings_cas.c.
 */
#ifndef STREAMD_STRINGS_CAS_H
#define STREAMD_STRINGS_CAS_H

#include "server/core.h"

typedef enum { CAS_IFEQ, CAS_IFNE, CAS_IFDEQ, CAS_IFDNE } CasKind;

typedef struct CasCond {
    CasKind kind;
    Slice arg; /* the value, or the 16 hex digits of a digest */
} CasCond;

/* Reads the condition word and its argument: 1 and *out filled when word
 * is one of the four, 0 when it is not (nothing replied), -1 when a digest
 * is malformed (the error has been replied). */
int cas_parse(Client *c, Slice word, Slice arg, CasCond *out);

/* Whether the condition holds for o (a string, or NULL for a missing
 * key). */
int cas_matches(const CasCond *cond, const Obj *o);

#endif
