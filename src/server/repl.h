/*
 * repl.h - the master side of Redis replication: the replication ID and
 * offset, the backlog, the replica clients and the commands they send
 * (REPLCONF, PSYNC, SYNC). See repl.c and docs/replication.md.
 */
#ifndef STREAMD_SERVER_REPL_H
#define STREAMD_SERVER_REPL_H

#include "base/buf.h"
#include "server/server.h"

struct ClientFull;

/* Start-up: a random replication ID, the hooks (cron, before-sleep) and the
 * config hooks. No backlog until the first replica asks to sync. */
void repl_init(void);

/* The apply hook of repl-backlog-size: a live backlog keeps its newest
 * bytes. */
int repl_apply_backlog_size(const char **err);

/* The apply hook of min-replicas-to-write and min-replicas-max-lag. */
int repl_apply_min_replicas(const char **err);

/* INFO replication from "connected_slaves" to the end (the caller writes
 * the header and the role lines). Borrows out. */
void repl_info_master(Buf *out);
/* INFO stats: sync_full, sync_partial_ok and sync_partial_err, as
 * "name:value\r\n" lines. */
void repl_info_stats(Buf *out);
/* ROLE as a master: ["master", offset, [[ip, port, offset], ...]]. */
void repl_role_master(Client *c);

/* Replicas connected (INFO clients leaves them out of connected_clients). */
uint64_t repl_replica_count(void);
/* Bytes of the replication backlog (0 until a replica first syncs). */
size_t repl_backlog_memory(void);
/* The replication offset at the end of c's last propagated write (WAIT). */
long long repl_client_offset(const Client *c);
/* Online replicas whose acknowledged offset (fack: AOF offset) reached
 * offset. */
long long repl_count_acks(long long offset);
long long repl_count_aof_acks(long long offset);
/* Asks every replica for an acknowledgement (REPLCONF GETACK) before the
 * loop sleeps; for WAIT and WAITAOF. */
void repl_request_acks(void);

/* SHUTDOWN (shutdown.c): whether every replica acknowledged the whole
 * stream (true with none); REPLCONF GETACK * to them all now, for a
 * shutdown that starts waiting (none on a replica, none without a backlog);
 * and the log lines of the lagging replicas and of how many are in sync. */
int repl_replicas_in_sync(void);
void repl_send_getack(void);
void repl_log_shutdown_sync(void);

/* client.c: c, flagged CLIENT_SLAVE or having sent REPLCONF, is closing
 * (stops feeding it, ends its sync child) or being freed. */
void repl_client_closing(struct ClientFull *c);
void repl_client_freed(struct ClientFull *c);

/* REPLCONF GETACK received from this server's own master: the replica side
 * registers the function that answers it (none on a master). */
void repl_set_getack_handler(void (*fn)(Client *c));

/* 40 random hex digits and a NUL: a new replication ID. */
void repl_random_id(char out[41]);

/* The replication identity: ID, previous ID valid up to second_offset,
 * and the offset (master_repl_offset). Views valid until the next change of
 * role or resynchronisation. */
void repl_ids(const char **replid, const char **replid2, long long *offset,
              long long *second_offset);

/* The replica side (replica.c) drives the rest. REPLICAOF host port: the
 * records of commands stop feeding the stream (a replica's stream is its
 * master's); the replicas stay, to continue when they can. */
void repl_become_replica(void);
/* A full resync loaded: replid (40 hex digits, borrowed) at offset is the
 * history from now on; a new empty backlog; the replicas are closed. */
void repl_new_master_history(const char *replid, long long offset);
/* A partial resync accepted: new_replid (or NULL) the master's ID, the old
 * one kept as replid2 when it changed (the replicas then closed). */
void repl_master_continued(const char *new_replid);
/* p[0..n), applied from the master's stream, fed verbatim to the backlog
 * and this server's replicas (chained replication). */
void repl_feed_master_stream(const char *p, size_t n);
/* REPLICAOF NO ONE: a new ID, the old one as replid2 up to offset + 1, the
 * replicas closed so that they continue with the new ID. */
void repl_promoted(void);
/* Closes this server's replicas (a full resync starts loading). */
void repl_drop_replicas(void);

/* FAILOVER (repl.c): master_failover_state's value ("no-failover",
 * "waiting-for-sync", "failover-in-progress"); whether a failover is under
 * way; whether this server, its replica now, awaits the target's answer to
 * PSYNC ... FAILOVER (replica.c sends that word then). */
const char *repl_failover_state_name(void);
int repl_failover_active(void);
int repl_failover_in_progress(void);
/* The target answered +CONTINUE or +FULLRESYNC: the failover is over and
 * the held writes are released. */
void repl_failover_done(void);
/* Ends a failover under way (why is logged); one in progress makes this
 * server a master again (a new replication ID). */
void repl_failover_abort(const char *why);

#endif
