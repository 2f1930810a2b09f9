/*
 * rewrite.h - writing a compact AOF base: the commands that rebuild the
 * whole dataset.
 */
#ifndef STREAMD_PERSIST_REWRITE_H
#define STREAMD_PERSIST_REWRITE_H

#include "base/buf.h"
#include "base/slice.h"
#include "server/object.h"

int aof_rewrite_to_file(const char *path);
/* Appends the commands that rebuild one value under key (RESP records). */
void aof_rewrite_value(Buf *out, Slice key, const Obj *o);

#endif
