/*
 * rewrite.h - writing a compact AOF base: the commands that rebuild the
 * whole dataset.
 */
#ifndef STREAMD_PERSIST_REWRITE_H
#define STREAMD_PERSIST_REWRITE_H

#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "server/object.h"

int aof_rewrite_to_file(const char *path);
void aof_rewrite_key(Buf *out, Slice key, const Obj *o, int64_t expire_ms);

#endif
