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

/* client.c: c, flagged CLIENT_SLAVE or having sent REPLCONF, is closing
 * (stops feeding it, ends its sync child) or being freed. */
void repl_client_closing(struct ClientFull *c);
void repl_client_freed(struct ClientFull *c);

/* REPLCONF GETACK received from this server's own master: the replica side
 * registers the function that answers it (none on a master). */
void repl_set_getack_handler(void (*fn)(Client *c));

/* 40 random hex digits and a NUL: a new replication ID. */
void repl_random_id(char out[41]);

/* REPLICAOF NO ONE (replica.c): the promoted replica's replication ID,
 * previous ID valid up to second_offset, and offset become the master's. */
void repl_adopt_ids(const char *replid, const char *replid2, long long offset,
                    long long second_offset);

/* REPLICAOF host port: this server's replicas are closed (no chaining). */
void repl_drop_replicas(void);

#endif
