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
/* Whether a call of cmd may write (CLIENT PAUSE WRITE holds it): its flags
 * say, except for EVAL/EVALSHA/FCALL and their _RO forms running a script
 * or function that declares its flags: then no-writes decides (a _RO call
 * of a writing function is held, as Redis derives the flags from it). */
int script_call_may_write(const Command *cmd, int argc, const Slice *argv);
/* 1 if a script with this SHA-1 (any letter case) is cached. */
int script_exists(Slice sha);
/* SCRIPT KILL (is_eval) or FUNCTION KILL, run beside a busy script: 0 when
 * it will stop, else -1 with Redis's error in *err (NOTBUSY, UNKILLABLE, or
 * BUSY naming the other KILL). */
int script_kill(const char **err, int is_eval);
/* SCRIPT FLUSH: forgets every script and starts a fresh Lua state. */
void script_flush(void);

/* Functions (FUNCTION, FCALL): libraries by name in their own Lua state. */
void function_load_command(Client *c);   /* FUNCTION LOAD [REPLACE] code */
void function_delete_command(Client *c); /* FUNCTION DELETE library */
void function_flush_command(Client *c);  /* FUNCTION FLUSH [ASYNC|SYNC], arguments checked */
void function_list_command(Client *c);   /* FUNCTION LIST [LIBRARYNAME p] [WITHCODE] */
void function_stats_command(Client *c);  /* FUNCTION STATS */
void function_call_command(Client *c, int readonly_cmd); /* FCALL / FCALL_RO */
/* FUNCTION RESTORE: loads the libraries whose codes are given, all or none,
 * under a policy (Redis's: APPEND refuses a library that exists, REPLACE
 * replaces it, FLUSH drops every library first). 0, or -1 with the error. */
enum { FUNCTION_RESTORE_APPEND = 0, FUNCTION_RESTORE_REPLACE = 1, FUNCTION_RESTORE_FLUSH = 2 };
int function_restore(const Slice *codes, size_t n, int policy, Buf *err);
/* Forgets every library (DEBUG LOADAOF, before the AOF loads them again). */
void function_flush(void);
/* The flags (SFLAG_*-style, private) of a function; -1 if there is none. */
int function_flags(Slice name, int *flags);
/* One FUNCTION LOAD record per library, for the AOF rewrite. */
void function_records(void (*emit)(void *priv, int argc, const Slice *argv), void *priv);
size_t function_count(void);
size_t function_library_count(void);
size_t function_lua_memory(void);
size_t function_memory(void);

/* INFO memory: bytes the Lua state uses, scripts cached and their bytes. */
size_t script_lua_memory(void);
size_t script_count(void);
size_t script_cache_memory(void);
/* The allocations behind the script cache and the function libraries
 * (their tables, records and code; not the Lua states), and the scripts'
 * fake client with its reply buffer (kept up to 64 KiB) and argument array:
 * DEBUG MEMORY-PARTS. */
size_t script_cache_alloc_bytes(void);
size_t script_client_bytes(void);
size_t function_alloc_bytes(void);

#endif
