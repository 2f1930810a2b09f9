/*
 * manifest.h - the AOF manifest: which files make up the append-only file.
 *
 * The append-only file is a directory (appenddirname) holding one base file,
 * zero or more incremental files and a manifest naming them, in Redis 7's
 * multi-part layout, so that either server can load the other's directory.
 * This module is the in-memory manifest, its text form (parse and format) and
 * the one atomic way to replace it on disk. It knows nothing of the server.
 */
#ifndef STREAMD_PERSIST_MANIFEST_H
#define STREAMD_PERSIST_MANIFEST_H

#include <stddef.h>

#include "base/buf.h"

/* File types, as written in the manifest's "type" field. */
enum { AOF_FILE_BASE = 'b', AOF_FILE_HIST = 'h', AOF_FILE_INCR = 'i' };

/* Longest manifest line accepted (newline excluded), as Redis. */
#define AOF_MANIFEST_MAX_LINE 1024

typedef struct AofFileInfo {
    char *name; /* owned; a plain file name inside the AOF directory */
    long long seq;
    char type; /* AOF_FILE_* */
} AofFileInfo;

typedef struct AofManifest {
    AofFileInfo base; /* base.name == NULL: no base file */
    AofFileInfo *history;
    int n_history, cap_history;
    AofFileInfo *incr; /* ascending seq */
    int n_incr, cap_incr;
    long long base_seq; /* seq of the newest base ever named */
    long long incr_seq; /* seq of the newest incremental file ever named */
} AofManifest;

/* Why a manifest did not parse: Redis's message, and the offending line. */
typedef struct AofManifestError {
    const char *msg;
    int line_no; /* 0 when the error is not about one line */
    char line[AOF_MANIFEST_MAX_LINE + 1];
} AofManifestError;

AofManifest *aof_manifest_new(void);
void aof_manifest_free(AofManifest *am);
AofManifest *aof_manifest_dup(const AofManifest *am);
int aof_manifest_parse(const char *text, size_t len, AofManifest **out, AofManifestError *err);
void aof_manifest_format(const AofManifest *am, Buf *out);

/* Naming new files (the AOF's file-name prefix is appendfilename). */
const char *aof_manifest_new_base(AofManifest *am, const char *prefix);
const char *aof_manifest_new_base_rdb(AofManifest *am, const char *prefix);
const char *aof_manifest_new_incr(AofManifest *am, const char *prefix);
const char *aof_manifest_last_incr(AofManifest *am, const char *prefix);
void aof_manifest_incr_to_history(AofManifest *am, int keep_last);
void aof_manifest_clear_history(AofManifest *am);
void aof_manifest_set_base(AofManifest *am, const char *name, long long seq);

/* Disk. */
int aof_manifest_load(const char *dir, const char *prefix, AofManifest **out, char **err);
int aof_manifest_persist(const AofManifest *am, const char *dir, const char *prefix, char **err);
char *aof_path_join(const char *dir, const char *name);
int aof_fsync_dir(const char *dir);

#endif
