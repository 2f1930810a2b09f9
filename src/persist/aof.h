/*
 * aof.h - the append-only file, as the core sees it.
 *
 * main.c calls aof_startup() once the listeners are up (it loads the AOF and
 * opens it for appending), aof_shutdown() on the way out; CONFIG SET
 * appendonly lands in aof_set_enabled(); INFO persistence is written by
 * aof_info_persistence(); BGREWRITEAOF (persist_commands) and DEBUG LOADAOF
 * are served here.
 * Everything else (the propagation sink, the before-sleep flush, the cron)
 * is registered by aof_startup() through the hooks of server.h.
 */
#ifndef STREAMD_PERSIST_AOF_H
#define STREAMD_PERSIST_AOF_H

#include "base/buf.h"
#include "server/server.h"

int aof_startup(void);
void aof_shutdown(void);
int aof_set_enabled(int on);
void aof_info_persistence(Buf *out);
void cmd_bgrewriteaof(Client *c);
/* An AOF rewrite child is running (a BGSAVE waits for it). */
int aof_child_active(void);
/* aof-disable-auto-gc turned off: the history files go now. */
void aof_collect_history(void);
/* In a forked child: closes every inherited descriptor but stdio and keep. */
void aof_child_close_fds(int keep);
/* In a forked child: its private dirty memory, what copy-on-write has cost
 * so far (0 when /proc does not tell). */
long long aof_child_private_dirty(void);

#endif
