/*
 * ftaggcmd.h - FT.AGGREGATE's run, shared with FT.PROFILE AGGREGATE
 * (src/cmd/search.c).
 */
#ifndef STREAMD_CMD_FTAGGCMD_H
#define STREAMD_CMD_FTAGGCMD_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "server/server.h"
#include "types/ftexpr.h"
#include "types/ftindex.h"
#include "types/ftquery.h"

/* Runs FT.AGGREGATE name query args... and replies. profile: FT.PROFILE's
 * [result, profile] (a cursor is not opened then: the caller refuses
 * WITHCURSOR). */
void ftaggcmd_run(Client *c, Slice name, Slice query, const Slice *args, size_t n_args,
                  int profile);

/* The map both FT.PROFILE forms end with: total, parsing and iteration,
 * result processing times (ms, from mono_us() readings t0 at the start and
 * t1 after the query ran) and the query as FT.EXPLAIN prints it (root NULL:
 * empty). */
void ftcmd_reply_profile(Client *c, const FtqNode *root, const FtqSchema *schema, int64_t t0,
                         int64_t t1);

/* A document's field as the aggregation pipeline reads it: a number, or
 * text (lowercased when sortable_form and the field is a SORTABLE TEXT or
 * TAG without UNF, the form RediSearch sorts by); 1 when it has none. */
int ftaggcmd_doc_field(FtIndex *ix, FtDocId id, const char *name, size_t len, int sortable_form,
                       FtVal *out);
/* A pipeline value as FT.AGGREGATE replies it (COLLECT's maps as maps in
 * RESP3, flat arrays in RESP2). */
void ftaggcmd_reply_val(Client *c, const FtVal *v);
/* Every field of the document, for LOAD *. */
void ftaggcmd_doc_all(FtIndex *ix, FtDocId id,
                      void (*emit)(void *ctx, const char *name, size_t len, FtVal *v), void *ctx);

#endif
