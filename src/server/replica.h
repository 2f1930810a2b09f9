/*
 * replica.h - the replica side of Redis replication: REPLICAOF, the link to
 * a master (handshake, full and partial resynchronisation), the master
 * client that applies the replication stream, and what a replica reports
 * (INFO replication, ROLE). See replica.c.
 */
#ifndef STREAMD_REPLICA_H
#define STREAMD_REPLICA_H

#include <stdint.h>

#include "base/buf.h"
#include "server/command.h"
#include "server/server.h"

struct ClientFull;

/* Start-up, after the data is loaded: registers the hooks and, when the
 * replicaof setting names a master, starts following it. */
void replica_startup(void);
/* 1 while streamd follows a master (REPLICAOF host port). */
int replica_is_active(void);
/* The error a normal client's command gets on a replica (READONLY,
 * MASTERDOWN), or NULL when it may run. Borrows cmd. */
const char *replica_refusal(const Client *c, const Command *cmd);
/* 1 when c's writes are refused: a read-only replica, c not the master
 * client nor the AOF loader. Borrows c. */
int replica_refuses_writes(const Client *c);
/* 1 when c is refused data while the link is down: a replica with
 * replica-serve-stale-data no, its link not up, c not the master client.
 * Borrows c. */
int replica_is_stale(const Client *c);
#define REPLICA_MASTERDOWN_ERROR                                                                   \
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
/* Appends INFO replication's section for a replica and returns 1; 0 (and
 * nothing appended) when streamd is a master. */
int replica_info(Buf *out);
/* Replies ROLE for a replica and returns 1; 0 when streamd is a master. */
int replica_role_reply(Client *c);
/* 1 while the link to the master is up (the stream is applied). */
int replica_link_is_up(void);
/* The database the master's stream has selected (a sub-replica's RDB
 * carries it as repl-stream-db). */
int replica_stream_db(void);
/* client.c: the master client c is being closed (CLIENT KILL, an error):
 * the link drops and streamd reconnects. */
void replica_client_closing(struct ClientFull *c);
/* server.c's event loop: whether ptr is the master link's epoll tag. */
int replica_owns_event(const void *ptr);
void replica_on_event(uint32_t events);

/* FAILOVER (repl.c): follows host:port, the target, as REPLICAOF would;
 * the PSYNC then carries FAILOVER. Borrows host. */
void replica_failover_to(const char *host, int port);
/* REPLICAOF NO ONE's promotion, when following a master (a PSYNC FAILOVER
 * from it, or an aborted failover). */
void replica_unset_master(void);

extern const Command replica_commands[];

#endif
