/*
 * script.h - Lua scripting (EVAL and SCRIPT): one Lua 5.1 state, the script
 * cache keyed by the SHA-1 of each body, and the `redis` library scripts
 * call commands through. The handlers (src/cmd/scripting.c) parse nothing
 * but the command words; everything else is here.
 */
#ifndef STREAMD_SCRIPT_H
#define STREAMD_SCRIPT_H

#include <stddef.h>

#include "server/server.h"

/* Creates the Lua state and the script client (start-up). */
void script_init(void);
/* EVAL / EVALSHA / EVAL_RO / EVALSHA_RO with c->argv as sent. */
void script_eval_command(Client *c, int by_sha, int readonly_cmd);
/* SCRIPT LOAD body: replies the SHA-1 or the compile error. */
void script_load_command(Client *c, Slice body);
/* Whether a call of cmd may write, as far as the script says: 0 for an
 * EVAL/EVALSHA whose script declares no-writes in its shebang (CLIENT PAUSE
 * WRITE lets it run), 1 for everything else. */
int script_call_may_write(const Command *cmd, int argc, const Slice *argv);
/* 1 if a script with this SHA-1 (any letter case) is cached. */
int script_exists(Slice sha);
/* SCRIPT KILL (run beside a busy script): 0 when the script will stop,
 * else -1 with Redis's NOTBUSY or UNKILLABLE error in *err. */
int script_kill(const char **err);
/* SCRIPT FLUSH: forgets every script and starts a fresh Lua state. */
void script_flush(void);

/* INFO memory: bytes the Lua state uses, scripts cached and their bytes. */
size_t script_lua_memory(void);
size_t script_count(void);
size_t script_cache_memory(void);

#endif
