/*
 * ftaggcmd.h - FT.AGGREGATE's run, shared with FT.PROFILE AGGREGATE
 * (src/cmd/search.c).
 */
#ifndef STREAMD_CMD_FTAGGCMD_H
#define STREAMD_CMD_FTAGGCMD_H

#include <stddef.h>

#include "base/slice.h"
#include "server/server.h"

/* Runs FT.AGGREGATE name query args... and replies. profile: FT.PROFILE's
 * [result, profile] (a cursor is not opened then: the caller refuses
 * WITHCURSOR). */
void ftaggcmd_run(Client *c, Slice name, Slice query, const Slice *args, size_t n_args,
                  int profile);

#endif
