/*
 * tracking.h - client-side caching (CLIENT TRACKING), as Redis 7.0 has it.
 *
 * The core calls in at a few points, each behind a test of a counter in
 * core (core.n_tracking_clients, core.tracking_armed) so that a server with
 * no tracking client pays one predictable branch per hook:
 *   - after a read-only command ran (call_command): tracking_remember();
 *   - when a key changed or expired (db.c): tracking_invalidate_key();
 *   - when databases were flushed: tracking_invalidate_all();
 *   - before a command runs (dispatch): tracking_before_command();
 *   - at the end of a command: tracking_after_command();
 *   - before the event loop sleeps: tracking_broadcast();
 *   - when a client is created or freed, or RESETs.
 */
#ifndef STREAMD_TRACKING_H
#define STREAMD_TRACKING_H

#include "base/buf.h"
#include "base/slice.h"
#include "server/command.h"

struct Client;
struct ClientFull;
struct Db;

/* Client lifecycle: registers c by id (REDIRECT targets are looked up so). */
void tracking_client_created(struct ClientFull *c);
/* Turns tracking off for c (freed or RESET) and forgets it by id when freed. */
void tracking_client_freed(struct ClientFull *c);
void tracking_disable(struct ClientFull *c);

/* After cmd (read-only) ran on c: the keys it read are remembered for the
 * tracking client whose command this is (c, the EXEC caller, or the caller
 * of the script that runs it). */
void tracking_remember(struct ClientFull *c, const Command *cmd);
/* key (a view, valid for the call) changed: invalidates it for the clients
 * that read it, and queues it for the BCAST clients of matching prefixes.
 * by_expiry: no client changed it (expiry, or the table's limit). */
void tracking_invalidate_key(Slice key, int by_expiry);
/* Every key is gone (FLUSHDB, FLUSHALL): a null invalidation to every
 * tracking client, and the table is emptied. */
void tracking_invalidate_all(void);
/* Before c's command runs (past the checks that may refuse it): c is the
 * current client, and the table is kept within tracking-table-max-keys. */
void tracking_before_command(struct ClientFull *c);
/* After a command of c (cmd: the command found, or NULL): CLIENT CACHING's
 * flag lasts for one command or the transaction it starts; and, once the
 * top-level command ends, the invalidations meant for its own client follow
 * its reply, and no client is current any more. */
void tracking_after_command(struct ClientFull *c, const Command *cmd);
/* Sends the keys BCAST prefixes collected since the last call. */
void tracking_broadcast(void);

/* CLIENT LIST/INFO: the redir= value. */
long long tracking_redirect_of(const struct ClientFull *c);
/* INFO stats. */
void tracking_info_stats(Buf *out);

/* CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO. */
void tracking_cmd_tracking(struct Client *c);
void tracking_cmd_caching(struct Client *c);
void tracking_cmd_getredir(struct Client *c);
void tracking_cmd_trackinginfo(struct Client *c);

#endif
