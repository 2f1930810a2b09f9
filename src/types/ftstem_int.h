/*
 * ftstem_int.h - what ftstem.c and ftstem_more.c share.
 */
#ifndef STREAMD_FTSTEM_INT_H
#define STREAMD_FTSTEM_INT_H

#include "types/ftstem.h"

/* The stemmer of ftstem_more.c for a language name (case insensitive), or
 * NULL. */
FtStemFn ftstem__find_more(const char *language);

#endif
