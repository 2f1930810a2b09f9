/*
 * ftdict.h - the query engine's named term dictionaries (FT.DICTADD,
 * FT.DICTDEL, FT.DICTDUMP), as FT.SPELLCHECK's TERMS INCLUDE / EXCLUDE read
 * them. Server-wide state, not keys; persisted through
 * persist/globalstate.h.
 */
#ifndef STREAMD_CMD_FTDICT_H
#define STREAMD_CMD_FTDICT_H

#include <stddef.h>

#include "base/slice.h"

/* Whether the dictionary exists (has at least one term). */
int ftdict_exists(Slice name);
/* Whether term is in the dictionary (exact bytes; 0 when it does not exist). */
int ftdict_has(Slice name, Slice term);
/* Calls fn on every term of the dictionary in byte order (nothing when it
 * does not exist); the views are valid during the call. Returns the count. */
size_t ftdict_foreach(Slice name, void (*fn)(void *priv, Slice term), void *priv);

#endif
