/*
 * ldb.h - the Lua debugger (SCRIPT DEBUG YES | SYNC | NO), as redis-cli
 * --ldb drives it.
 *
 * A client that said SCRIPT DEBUG YES or SYNC has its next EVAL run as a
 * debugging session: the script stops before its first line and between
 * lines the debugger talks to the client directly on its socket (blocking
 * I/O from inside a Lua hook), reading commands as RESP arrays and writing
 * its output as arrays of status lines. YES forks: the session runs in a
 * child with a copy of the dataset, and the server closes its side of the
 * connection at once; SYNC runs it in the server itself, which serves nobody
 * else meanwhile and keeps what the script changed. Either way the session
 * ends with "<endsession>", the EVAL's reply and the connection closed.
 *
 * script.c calls in at the seams below; everything else is here.
 */
#ifndef STREAMD_LDB_H
#define STREAMD_LDB_H

#include <lua.h>

#include "server/server.h"

/* SCRIPT DEBUG: mode 0 NO, 1 YES (forked), 2 SYNC. */
void ldb_set_mode(Client *c, int mode);
/* The client's next EVAL is to be debugged. */
int ldb_wanted(const Client *c);
/* Starts a session for c's EVAL: 1 when the caller goes on to run it (the
 * forked child, or SYNC), 0 when it must not (the parent of a forked session,
 * which has closed c, or a failed fork, replied). */
int ldb_start(Client *c);
/* Ends the session after the EVAL replied: a forked child writes the reply
 * and exits here; SYNC closes c after its reply. */
void ldb_end(Client *c);
/* A session is running (redis.debug logs, the line hook is installed). */
int ldb_active(void);
/* The line hook scripts run under in a session. */
void ldb_line_hook(lua_State *l, lua_Debug *ar);
/* Logging of redis.call while stepping: the command before it runs, the
 * reply (RESP) after. */
void ldb_log_command(int argc, const Slice *argv);
void ldb_log_reply(const char *p, size_t len);
int ldb_logging(void);
/* An error a redis library call met, while stepping: "<error> " prefix p. */
void ldb_log_error(const char *prefix, const char *p, size_t len);
/* redis.debug(...) and redis.breakpoint() for the EVAL state. */
int ldb_lua_debug(lua_State *l);
int ldb_lua_breakpoint(lua_State *l);
#endif
