/*
 * bgjob.h - the persistence background thread: the slow file-system calls
 * the event loop must not wait for (fsync every second, closing a file after
 * its final fsync, deleting old AOF files).
 */
#ifndef STREAMD_PERSIST_BGJOB_H
#define STREAMD_PERSIST_BGJOB_H

void aof_bg_start(void);
void aof_bg_fsync(int fd, long long offset);
void aof_bg_close(int fd, int fsync_first, long long offset);
void aof_bg_unlink(const char *path);
int aof_bg_fsync_pending(void);
long long aof_bg_synced_offset(void);
int aof_bg_fsync_errno(void);
void aof_bg_clear_fsync_error(void);
void aof_bg_drain(void);

#endif
