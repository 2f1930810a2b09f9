/*
 * ftstem_int.h - what ftstem.c and ftstem_more.c share.
 */
#ifndef STREAMD_FTSTEM_INT_H
#define STREAMD_FTSTEM_INT_H

#include "types/ftstem.h"
#include "types/snow.h"

/* A language's stemmer in a dispatch table. */
typedef struct {
    const char *name;
    FtStemFn fn;
} FtStemEntry;

/* The entry of t[0..n) named language (case insensitive), or NULL. */
FtStemFn ftstem__lookup(const FtStemEntry *t, size_t n, const char *language);

/* The stemmer of ftstem_more.c for a language name (case insensitive), or
 * NULL. */
FtStemFn ftstem__find_more(const char *language);

/* Defines stem_<name>(), the FtStemFn that runs the SnowAlgo name(). */
#define FTSTEM_DEFINE(name)                                                                        \
    static char *stem_##name(const char *w, size_t len, size_t *out_len) {                         \
        return snow_run(name, w, len, out_len);                                                    \
    }

#endif
