/*
 * backup.h - BACKUP START/SEAL/STATUS/LIST/ABORT/CLEANUP/HELP: online
 * backups pinned by hard links from the multi-part AOF (backup.c).
 *
 * The commands are backup_commands (src/server/commands.c). The AOF runtime
 * (aof.c) tells the backup about its rewrites through the backup__ hooks and
 * asks whether a rewrite must wait (while a backup is waiting for its seal,
 * its incremental file must stay where it is).
 */
#ifndef STREAMD_PERSIST_BACKUP_H
#define STREAMD_PERSIST_BACKUP_H

/* 1 from BACKUP START until the backup is sealed, aborted or failed
 * (pending, snapshotting, incrementing): INFO's backup_in_progress. */
int backup_is_in_progress(void);

/* From aof.c: a rewrite child was forked. */
void backup__rewrite_started(void);
/* From aof.c: a rewrite installed base_name (a view) as the AOF's base. */
void backup__snapshot_done(const char *base_name, long long base_seq);
/* From aof.c: a rewrite ended without a new base. */
void backup__snapshot_failed(void);
/* From aof.c: CONFIG SET appendonly no. */
void backup__aof_stopped(void);
/* From aof.c's cron: a sealed backup older than backup-sealed-ttl goes. */
void backup__cron(void);
/* 1 while rewrites must wait for BACKUP SEAL (or ABORT). */
int backup__blocks_rewrite(void);

/* Provided by aof.c for backup.c. */
int aof__is_on(void);
int aof__is_temporary(void);
int aof__backup_start_temp(void);
void aof__backup_stop_temp(void);
int aof__backup_rewrite(int may_fork);
int aof__backup_sync_incr(char **name, long long *seq, const char **err);
int aof__backup_rotate(void);

#endif
