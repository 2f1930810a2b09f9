/*
 * script.c - Lua scripting: EVAL, EVALSHA, their _RO forms and SCRIPT, and
 * Redis 7 functions (FUNCTION, FCALL, FCALL_RO).
 *
 * One Lua 5.1 state runs every script; functions have a second one, set up
 * the same way but for the EVAL-only calls (see "functions" at the end). Its globals are read-only
 * to scripts: a script's chunk runs with a proxy table as its environment that reads through to the
 * real globals, refuses new or changed globals ("Attempt to modify a readonly table") and refuses
 * reads of globals that do not exist; the library tables scripts see (redis, string, math, ...) are
 * such proxies too, so no script can leave anything behind for the next one. The globals are those
 * Redis 7 gives scripts: the base functions minus file access and print, coroutine, string, table,
 * math, cjson, bit, struct, cmsgpack and redis. Binary chunks are never loaded.
 *
 * The cache maps the SHA-1 of a body to the body and its compiled function
 * (kept in a registry table). Scripts that EVAL brought in are evictable:
 * beyond SCRIPT_EVAL_MAX of them the least recently used goes (Redis 7.4+),
 * so clients that build a new body every call do not grow the server
 * forever; SCRIPT LOAD's stay until SCRIPT FLUSH.
 *
 * redis.call runs a command on the script client, a client without a socket
 * whose replies are parsed back into Lua values. It goes through
 * call_command(), so the command is counted, logged, fed to MONITOR and
 * propagated exactly as if a client had sent it; the records of one script
 * reach the AOF wrapped in MULTI/EXEC by the dispatch of the EVAL around
 * them (Redis 7's effects replication). Time stands still during a script:
 * every command it runs sees the EVAL's time.
 *
 * Errors: a failing command or error() becomes a table {err=...}; the
 * message handler adds where it happened, and the caller gets
 * "<err> script: <sha>, on <source>:<line>." as Redis 7 words it.
 *
 * A script (or function) running longer than busy-reply-threshold lets the
 * event loop serve the other clients between its VM steps (count_hook):
 * they get -BUSY except for the few commands Redis allows beside a script
 * (SCRIPT/FUNCTION KILL, SHUTDOWN NOSAVE, ...), while the caller's input
 * waits in its socket.
 *
 * Known difference: Debian's Lua hashes strings of 32 bytes or more by
 * sampling where Redis's bundled Lua hashes every byte, so pairs() over a
 * table with such keys (cjson.encode, cmsgpack.pack of maps) may list them
 * in another order than Redis.
 */
#include "server/script.h"

#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/num.h"
#include "base/sha1.h"
#include "lua-bitop.h"
#include "lua-cjson.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/ldb.h"
#include "server/lua_libs.h"
#include "server/memreport.h"
#include "server/replica.h"
#include "version.h"

#define SCRIPT_EVAL_MAX 500

enum {
    SFLAG_SHEBANG = 1 << 0, /* declared its flags: checked before it runs */
    SFLAG_NO_WRITES = 1 << 1,
    SFLAG_ALLOW_OOM = 1 << 2,
    SFLAG_ALLOW_STALE = 1 << 3,
    SFLAG_NO_CLUSTER = 1 << 4,
    SFLAG_CROSS_SLOT = 1 << 5,
};

typedef struct Script {
    char sha[41];
    char *body;
    size_t len;
    int flags;
    int evictable;              /* EVAL brought it in, SCRIPT LOAD did not */
    struct Script *prev, *next; /* LRU of the evictable ones, newest first */
} Script;

/* What the running script may do and how it talks (one script at a time). */
typedef struct Run {
    int active;
    int readonly; /* *_RO or no-writes */
    int flags;
    int resp; /* redis.setresp */
    const char *sha;
    Client *caller;
    int64_t start_us; /* real clock: time stands still for the commands */
    int wrote;        /* ran a write command: SCRIPT KILL refuses then */
    int kill;         /* SCRIPT KILL or SHUTDOWN NOSAVE asked it to stop */
    int is_function;  /* FCALL: FUNCTION KILL stops it, not SCRIPT KILL */
} Run;

#define HOOK_EVERY 100000 /* VM instructions between checks of the running time */

static lua_State *L;
static Dict *scripts; /* sha -> Script */
static Script *lru_head, *lru_tail;
static size_t n_evictable;
static size_t cache_bytes;
static Client *lua_client;
static Run run;

/* Functions (FUNCTION LOAD, FCALL): their own Lua state, libraries by name
 * and functions by name (each function belongs to one library). */
typedef struct Function {
    char *name;
    char *desc; /* NULL: none */
    int flags;  /* SFLAG_* */
    int ref;    /* the callback, in FL's registry */
    struct Library *lib;
} Function;

typedef struct Library {
    char *name;
    char *code;
    size_t len;
    Function **fns;
    size_t n, cap;
} Library;

static lua_State *FL;
static Dict *libraries; /* name -> Library */
static Dict *functions; /* name -> Function */
static size_t functions_bytes;
static int fn_loading;      /* a library's code is running: register_function works */
static Library *fn_pending; /* what it registered so far */
static int64_t fn_load_start_us;
static uint64_t rand48_state = 0x1234ABCD330Eull; /* drand48's state before any seeding */

enum { REPL_NONE = 0, REPL_AOF = 1, REPL_REPLICA = 2, REPL_ALL = 3 };

/* ---- math.random: the rand48 generator, one sequence for the server's
 * life (as Redis 7: scripts replicate their effects, not themselves) */

static void rand48_seed(int32_t seed) {
    rand48_state = ((uint64_t)(uint32_t)seed << 16 | 0x330Eu) & 0xFFFFFFFFFFFFull;
}

static int32_t rand48_next(void) {
    rand48_state = (0x5DEECE66Dull * rand48_state + 0xB) & 0xFFFFFFFFFFFFull;
    return (int32_t)(rand48_state >> 17);
}

static int l_math_random(lua_State *l) {
    double r = (double)(rand48_next() % 2147483647) / 2147483647.0;
    switch (lua_gettop(l)) {
    case 0:
        lua_pushnumber(l, r);
        break;
    case 1: {
        int u = luaL_checkint(l, 1);
        luaL_argcheck(l, 1 <= u, 1, "interval is empty");
        lua_pushnumber(l, floor(r * u) + 1);
        break;
    }
    case 2: {
        int lo = luaL_checkint(l, 1), up = luaL_checkint(l, 2);
        luaL_argcheck(l, lo <= up, 2, "interval is empty");
        lua_pushnumber(l, floor(r * (up - lo + 1)) + lo);
        break;
    }
    default:
        return luaL_error(l, "wrong number of arguments");
    }
    return 1;
}

static int l_math_randomseed(lua_State *l) {
    rand48_seed((int32_t)luaL_checkint(l, 1));
    return 0;
}

/* ---- errors --------------------------------------------------------------- */

/* Pushes {err=msg}. */
static void push_error_table(lua_State *l, const char *msg, size_t len) {
    lua_newtable(l);
    lua_pushliteral(l, "err");
    lua_pushlstring(l, msg, len);
    lua_rawset(l, -3);
}

/* The errors of the redis library's own functions: {err="ERR msg"} raised,
 * with no position prefix (the message handler adds where). */
static int raise_err(lua_State *l, const char *msg) {
    if (ldb_logging()) ldb_log_error("", msg, strlen(msg));
    lua_pushliteral(l, "ERR ");
    lua_pushstring(l, msg);
    lua_concat(l, 2);
    size_t n;
    const char *m = lua_tolstring(l, -1, &n);
    push_error_table(l, m, n);
    return lua_error(l);
}

/* ... and the ones returned as a value (status_reply, error_reply). */
static int return_err(lua_State *l, const char *msg) {
    if (ldb_logging()) ldb_log_error("", msg, strlen(msg));
    lua_pushliteral(l, "ERR ");
    lua_pushstring(l, msg);
    lua_concat(l, 2);
    size_t n;
    const char *m = lua_tolstring(l, -1, &n);
    push_error_table(l, m, n);
    return 1;
}

/* redis.call raises the error, redis.pcall returns it. */
static int fail(lua_State *l, int raise, const char *msg) {
    if (ldb_logging()) {
        /* the debugger shows it as Redis words it: without ERR, or as a reply */
        if (!strncmp(msg, "ERR ", 4))
            ldb_log_error("", msg + 4, strlen(msg) - 4);
        else
            ldb_log_error("-", msg, strlen(msg));
    }
    push_error_table(l, msg, strlen(msg));
    if (raise) return lua_error(l);
    return 1;
}

/* The message handler: turns what was raised into {err=..., source=...,
 * line=...}, the place being the Lua function that raised it (the caller of
 * error() or redis.call, not those C functions). */
static int error_handler(lua_State *l) {
    lua_Debug ar;
    int have = 0;
    if (lua_getstack(l, 1, &ar)) {
        lua_getinfo(l, "Sl", &ar);
        have = 1;
        if (strcmp(ar.what, "C") == 0) have = lua_getstack(l, 2, &ar) && lua_getinfo(l, "Sl", &ar);
    }
    if (!lua_istable(l, 1)) {
        const char *s;
        if (lua_isnil(l, 1)) {
            s = "nil";
        } else if (lua_isstring(l, 1)) {
            s = lua_tostring(l, 1);
        } else if (lua_isboolean(l, 1)) {
            s = lua_toboolean(l, 1) ? "true" : "false";
        } else {
            s = lua_typename(l, lua_type(l, 1));
        }
        lua_pushfstring(l, "ERR %s", s);
        lua_newtable(l);
        lua_pushliteral(l, "err");
        lua_pushvalue(l, -3);
        lua_rawset(l, -3);
        lua_replace(l, 1);
        lua_settop(l, 1);
    }
    if (have) {
        lua_pushliteral(l, "source");
        lua_pushstring(l, ar.source);
        lua_rawset(l, 1);
        lua_pushliteral(l, "line");
        lua_pushinteger(l, ar.currentline);
        lua_rawset(l, 1);
    }
    lua_settop(l, 1);
    return 1;
}

/* ---- replies to Lua values ----------------------------------------------- */

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static int read_line(Cursor *cur, const char **s, size_t *n) {
    const char *e = memchr(cur->p, '\r', (size_t)(cur->end - cur->p));
    if (!e || e + 1 >= cur->end) return -1;
    *s = cur->p;
    *n = (size_t)(e - cur->p);
    cur->p = e + 2;
    return 0;
}

static long long line_ll(const char *s, size_t n) {
    long long v = 0;
    if (num_parse_ll(s, n, &v) != 0) v = strtoll(s, NULL, 10);
    return v;
}

/* Pushes the Lua value of the reply at cur (as Redis 7 converts them). */
static void reply_to_lua(lua_State *l, Cursor *cur, int resp) {
    const char *s;
    size_t n;
    luaL_checkstack(l, 4, "reached lua stack limit");
    if (cur->p >= cur->end) {
        lua_pushboolean(l, 0);
        return;
    }
    char type = *cur->p++;
    if (read_line(cur, &s, &n) != 0) {
        lua_pushboolean(l, 0);
        return;
    }
    switch (type) {
    case '+':
        lua_newtable(l);
        lua_pushliteral(l, "ok");
        lua_pushlstring(l, s, n);
        lua_rawset(l, -3);
        return;
    case '-':
        if (ldb_logging()) ldb_log_error("-", s, n);
        push_error_table(l, s, n);
        return;
    case ':':
        lua_pushnumber(l, (lua_Number)line_ll(s, n));
        return;
    case '$':
    case '=': {
        long long len = line_ll(s, n);
        if (len < 0) {
            lua_pushboolean(l, 0);
            return;
        }
        const char *body = cur->p;
        cur->p += len + 2;
        if (type == '$') {
            lua_pushlstring(l, body, (size_t)len);
        } else {
            lua_newtable(l);
            lua_pushliteral(l, "verbatim_string");
            lua_newtable(l);
            lua_pushliteral(l, "format");
            lua_pushlstring(l, body, len >= 3 ? 3 : (size_t)len);
            lua_rawset(l, -3);
            lua_pushliteral(l, "string");
            lua_pushlstring(l, len >= 4 ? body + 4 : body, len >= 4 ? (size_t)len - 4 : 0);
            lua_rawset(l, -3);
            lua_rawset(l, -3);
        }
        return;
    }
    case '*':
    case '~':
    case '>': {
        long long cnt = line_ll(s, n);
        if (cnt < 0) {
            lua_pushboolean(l, 0);
            return;
        }
        if (type == '~') {
            lua_newtable(l);
            lua_pushliteral(l, "set");
            lua_newtable(l);
            for (long long i = 0; i < cnt; i++) {
                reply_to_lua(l, cur, resp);
                lua_pushboolean(l, 1);
                lua_rawset(l, -3);
            }
            lua_rawset(l, -3);
            return;
        }
        lua_newtable(l);
        for (long long i = 0; i < cnt; i++) {
            reply_to_lua(l, cur, resp);
            lua_rawseti(l, -2, (int)i + 1);
        }
        return;
    }
    case '%': {
        long long cnt = line_ll(s, n);
        lua_newtable(l);
        lua_pushliteral(l, "map");
        lua_newtable(l);
        for (long long i = 0; i < cnt; i++) {
            reply_to_lua(l, cur, resp);
            reply_to_lua(l, cur, resp);
            if (lua_isnil(l, -2)) {
                lua_pop(l, 2);
                continue;
            }
            lua_rawset(l, -3);
        }
        lua_rawset(l, -3);
        return;
    }
    case '_':
        lua_pushnil(l);
        return;
    case '#':
        lua_pushboolean(l, n > 0 && s[0] == 't');
        return;
    case ',': {
        char tmp[64];
        size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
        memcpy(tmp, s, k);
        tmp[k] = '\0';
        lua_newtable(l);
        lua_pushliteral(l, "double");
        lua_pushnumber(l, strtod(tmp, NULL));
        lua_rawset(l, -3);
        return;
    }
    case '(':
        lua_newtable(l);
        lua_pushliteral(l, "big_number");
        lua_pushlstring(l, s, n);
        lua_rawset(l, -3);
        return;
    case '|': {
        long long cnt = line_ll(s, n);
        for (long long i = 0; i < cnt * 2; i++) {
            reply_to_lua(l, cur, resp);
            lua_pop(l, 1);
        }
        reply_to_lua(l, cur, resp);
        return;
    }
    default:
        lua_pushboolean(l, 0);
        return;
    }
}

/* ---- Lua values to replies ----------------------------------------------- */

/* The string field name of the table at idx, or NULL. Raw access only: no
 * metamethod may run outside a protected call. */
static const char *raw_string_field(lua_State *l, int idx, const char *name, size_t *len) {
    lua_pushstring(l, name);
    lua_rawget(l, idx);
    if (lua_type(l, -1) != LUA_TSTRING) {
        lua_pop(l, 1);
        return NULL;
    }
    const char *s = lua_tolstring(l, -1, len);
    lua_pop(l, 1); /* the table still holds the string */
    return s;
}

static void status_sanitized(Client *c, const char *s, size_t len) {
    char *copy = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) copy[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    copy[len] = '\0';
    reply_status(c, copy);
    xfree(copy);
}

/* The number of keys of the table at idx (raw: no metamethod runs). */
static size_t table_count(lua_State *l, int idx) {
    size_t n = 0;
    lua_pushnil(l);
    while (lua_next(l, idx)) {
        n++;
        lua_pop(l, 1);
    }
    return n;
}

/* Replies the value on top of the stack and pops it. */
static void lua_to_reply(Client *c, lua_State *l) {
    if (!lua_checkstack(l, 4)) {
        lua_pop(l, 1);
        reply_error(c, "ERR reached lua stack limit");
        return;
    }
    int top = lua_gettop(l);
    switch (lua_type(l, top)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(l, top, &len);
        reply_bulk(c, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (run.resp == 2) {
            if (lua_toboolean(l, top))
                reply_int(c, 1);
            else
                reply_null(c);
        } else {
            reply_bool(c, lua_toboolean(l, top));
        }
        break;
    case LUA_TNUMBER:
        reply_int(c, (long long)lua_tonumber(l, top));
        break;
    case LUA_TTABLE: {
        size_t len;
        const char *s;
        if ((s = raw_string_field(l, top, "err", &len))) {
            reply_error(c, "%.*s", (int)len, s);
            break;
        }
        if ((s = raw_string_field(l, top, "ok", &len))) {
            status_sanitized(c, s, len);
            break;
        }
        lua_pushliteral(l, "double");
        lua_rawget(l, top);
        if (lua_type(l, -1) == LUA_TNUMBER) {
            reply_double(c, lua_tonumber(l, -1));
            lua_pop(l, 1);
            break;
        }
        lua_pop(l, 1);
        if ((s = raw_string_field(l, top, "big_number", &len))) {
            char *copy = xmemdup(s, len);
            for (size_t i = 0; i < len; i++)
                if (copy[i] == '\r' || copy[i] == '\n') copy[i] = ' ';
            reply_big_number(c, copy, len);
            xfree(copy);
            break;
        }
        lua_pushliteral(l, "map");
        lua_rawget(l, top);
        if (lua_type(l, -1) == LUA_TTABLE) {
            int m = lua_gettop(l);
            reply_map(c, table_count(l, m));
            lua_pushnil(l);
            while (lua_next(l, m)) {
                lua_pushvalue(l, -2);
                lua_to_reply(c, l); /* the key (a copy: lua_next needs it intact) */
                lua_to_reply(c, l); /* the value */
            }
            lua_pop(l, 1);
            break;
        }
        lua_pop(l, 1);
        lua_pushliteral(l, "set");
        lua_rawget(l, top);
        if (lua_type(l, -1) == LUA_TTABLE) {
            int m = lua_gettop(l);
            reply_set(c, table_count(l, m));
            lua_pushnil(l);
            while (lua_next(l, m)) {
                lua_pop(l, 1);
                lua_pushvalue(l, -1);
                lua_to_reply(c, l);
            }
            lua_pop(l, 1);
            break;
        }
        lua_pop(l, 1);
        lua_pushliteral(l, "verbatim_string");
        lua_rawget(l, top);
        if (lua_type(l, -1) == LUA_TTABLE) {
            int v = lua_gettop(l);
            size_t flen = 0, slen = 0;
            const char *fmt = raw_string_field(l, v, "format", &flen);
            const char *str = raw_string_field(l, v, "string", &slen);
            if (fmt && str && flen == 3) {
                reply_verbatim_format(c, fmt, str, slen);
                lua_pop(l, 1);
                break;
            }
        }
        lua_pop(l, 1);
        /* an array: elements 1, 2, ... up to the first nil */
        ReplyDeferred d = reply_defer(c);
        size_t count = 0;
        for (int j = 1;; j++) {
            lua_rawgeti(l, top, j);
            if (lua_isnil(l, -1)) {
                lua_pop(l, 1);
                break;
            }
            lua_to_reply(c, l);
            count++;
        }
        reply_set_array_len(c, d, count);
        break;
    }
    default:
        reply_null(c);
        break;
    }
    lua_settop(l, top - 1);
}

/* ---- the redis library ----------------------------------------------------- */

static Slice *call_argv;
static int call_argv_cap;

/* The checks Redis makes before a script's command runs; NULL if it may. */
static const char *script_command_refusal(const Command *cmd, int argc, const Slice *argv) {
    if (cmd->flags & CMD_NOSCRIPT) return "ERR This Redis command is not allowed from script";
    /* the script's commands run as the user of the client that called it */
    ClientFull *sc = CF(lua_client);
    if (__builtin_expect(!sc->user->is_unrestricted, 0)) {
        int pos = 0;
        int rc = acl_check_command(sc->user, cmd, argc, argv, &pos);
        if (rc != ACL_OK) {
            Slice object = rc == ACL_DENIED_CMD ? slice_cstr(acl_command_fullname(cmd)) : argv[pos];
            acl_log_add(sc, rc, ACL_CTX_LUA, object, slice_of(sc->user->name, sc->user->name_len));
            if (rc == ACL_DENIED_CMD)
                return "ERR The user executing the script can't run this command or subcommand";
            if (rc == ACL_DENIED_KEY)
                return "ERR The user executing the script can't access at least one of the keys "
                       "mentioned in the command arguments";
            return "ERR The user executing the script can't publish to the channel mentioned in "
                   "the command";
        }
    }
    if (run.readonly && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))
        return "ERR Write commands are not allowed from read-only scripts.";
    if ((cmd->flags & CMD_WRITE) && server.write_refused) return server.write_refused;
    if ((cmd->flags & CMD_WRITE) && replica_refuses_writes((const Client *)script_caller_client()))
        return "READONLY You can't write against a read only replica.";
    if (settings.maxmemory > 0 && (cmd->flags & CMD_DENYOOM) && !(run.flags & SFLAG_ALLOW_OOM) &&
        alloc_used_bytes() > (size_t)settings.maxmemory)
        return "OOM command not allowed when used memory > 'maxmemory'.";
    return NULL;
}

/* The command (or subcommand) argv names; a container named alone is
 * returned as is (the arity check refuses it), an unknown subcommand is
 * NULL unless the container runs by itself. */
static const Command *lookup_with_sub(int argc, const Slice *argv) {
    const Command *cmd = command_lookup(argv[0].p, argv[0].len);
    if (!cmd || !cmd->subcommands || argc < 2) return cmd;
    for (const Command *s = cmd->subcommands; s->name; s++)
        if (slice_eq_nocase(argv[1], s->name)) return s;
    return cmd->proc ? cmd : NULL;
}

static int redis_generic_call(lua_State *l, int raise) {
    int argc = lua_gettop(l);
    if (!run.active) return raise_err(l, "redis.call() can only be called inside a script");
    if (argc == 0)
        return fail(l, raise, "ERR Please specify at least one argument for this redis lib call");
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(l, i);
        if (t == LUA_TNUMBER) {
            char num[64];
            int n = snprintf(num, sizeof num, "%.17g", lua_tonumber(l, i));
            lua_pushlstring(l, num, (size_t)n);
            lua_replace(l, i);
        } else if (t != LUA_TSTRING) {
            return fail(l, raise,
                        "ERR Lua redis lib command arguments must be strings or integers");
        }
    }
    if (argc > call_argv_cap) {
        call_argv_cap = argc < 16 ? 16 : argc;
        call_argv = xrealloc(call_argv, (size_t)call_argv_cap * sizeof(Slice));
    }
    for (int i = 0; i < argc; i++) {
        size_t len;
        const char *s = lua_tolstring(l, i + 1, &len);
        call_argv[i] = slice_of(s, len);
    }
    if (ldb_logging()) ldb_log_command(argc, call_argv);
    const Command *cmd = lookup_with_sub(argc, call_argv);
    if (!cmd || (!cmd->proc && !cmd->subcommands))
        return fail(l, raise, "ERR Unknown Redis command called from script");
    /* refusals count as rejected calls of the command, as from a client */
    if ((cmd->subcommands && !cmd->proc) || (cmd->arity > 0 && argc != cmd->arity) ||
        argc < -cmd->arity) {
        cmdstats_for(cmd)->rejected++;
        return fail(l, raise, "ERR Wrong number of args calling Redis command from script");
    }
    const char *refusal = script_command_refusal(cmd, argc, call_argv);
    if (refusal) {
        cmdstats_for(cmd)->rejected++;
        return fail(l, raise, refusal);
    }
    if (cmd->flags & CMD_WRITE) run.wrote = 1;

    ClientFull *sc = CF(lua_client);
    buf_clear(&sc->obuf);
    lua_client->argc = argc;
    lua_client->argv = call_argv;
    lua_client->resp = run.resp;
    int64_t saved_start = core.call_start_us;
    core.call_start_us = real_us();
    call_command(sc, cmd);
    core.call_start_us = saved_start;
    lua_client->argc = 0;
    lua_client->argv = NULL;
    Cursor cur = {sc->obuf.p + sc->obuf.off, sc->obuf.p + sc->obuf.len};
    int is_error = cur.p < cur.end && *cur.p == '-';
    reply_to_lua(l, &cur, run.resp);
    if (ldb_logging()) ldb_log_reply(sc->obuf.p + sc->obuf.off, buf_live(&sc->obuf));
    buf_clear(&sc->obuf);
    if (sc->obuf.cap > 64 * 1024) buf_free(&sc->obuf);
    if (is_error && raise) return lua_error(l);
    return 1;
}

static int l_redis_call(lua_State *l) {
    return redis_generic_call(l, 1);
}

static int l_redis_pcall(lua_State *l) {
    return redis_generic_call(l, 0);
}

static int l_redis_sha1hex(lua_State *l) {
    if (lua_gettop(l) != 1) return raise_err(l, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(l, 1, &len);
    char hex[41];
    sha1_hex(s ? s : "", s ? len : 0, hex);
    lua_pushstring(l, hex);
    return 1;
}

static int l_redis_error_reply(lua_State *l) {
    if (lua_gettop(l) != 1 || lua_type(l, 1) != LUA_TSTRING)
        return return_err(l, "wrong number or type of arguments");
    size_t len;
    const char *s = lua_tolstring(l, 1, &len);
    /* "-CODE message" or "CODE message" keep their code; a text with no
     * space is a message that gets ERR; a trailing CR/LF goes */
    if (len > 0 && s[0] == '-') {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n')) len--;
    if (memchr(s, ' ', len)) {
        push_error_table(l, s, len);
    } else {
        lua_pushliteral(l, "ERR ");
        lua_pushlstring(l, s, len);
        lua_concat(l, 2);
        size_t n;
        const char *m = lua_tolstring(l, -1, &n);
        push_error_table(l, m, n);
    }
    return 1;
}

static int l_redis_status_reply(lua_State *l) {
    if (lua_gettop(l) != 1 || lua_type(l, 1) != LUA_TSTRING)
        return return_err(l, "wrong number or type of arguments");
    lua_newtable(l);
    lua_pushliteral(l, "ok");
    lua_pushvalue(l, 1);
    lua_rawset(l, -3);
    return 1;
}

static int l_redis_log(lua_State *l) {
    int argc = lua_gettop(l);
    if (argc < 2) return raise_err(l, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(l, 1)) return raise_err(l, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(l, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) return raise_err(l, "Invalid debug level.");
    Buf msg;
    buf_init(&msg);
    for (int i = 2; i <= argc; i++) {
        size_t len;
        const char *s = lua_tolstring(l, i, &len);
        if (!s) continue;
        if (i > 2) buf_append_char(&msg, ' ');
        buf_append(&msg, s, len);
    }
    buf_append_char(&msg, '\0');
    log_msg(level, "%s", msg.p);
    buf_free(&msg);
    return 0;
}

static int l_redis_setresp(lua_State *l) {
    if (lua_gettop(l) != 1) return raise_err(l, "redis.setresp() requires one argument.");
    int v = (int)lua_tonumber(l, 1);
    if (v != 2 && v != 3) return raise_err(l, "RESP version must be 2 or 3.");
    run.resp = v;
    return 0;
}

static int l_redis_set_repl(lua_State *l) {
    if (lua_gettop(l) != 1) return raise_err(l, "redis.set_repl() requires two arguments.");
    int v = (int)lua_tonumber(l, 1);
    if ((v & ~REPL_ALL) != 0)
        return raise_err(l, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                            "REPL_NONE.");
    core.prop_suppressed = !(v & REPL_AOF);
    return 0;
}

static int l_redis_true(lua_State *l) {
    lua_pushboolean(l, 1);
    return 1;
}

static int l_redis_acl_check_cmd(lua_State *l) {
    int argc = lua_gettop(l);
    if (argc == 0)
        return raise_err(l, "Please specify at least one argument for this redis lib call");
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(l, i);
        if (t == LUA_TNUMBER) {
            char num[64];
            int n = snprintf(num, sizeof num, "%.17g", lua_tonumber(l, i));
            lua_pushlstring(l, num, (size_t)n);
            lua_replace(l, i);
        } else if (t != LUA_TSTRING) {
            return raise_err(l, "Lua redis lib command arguments must be strings or integers");
        }
    }
    Slice *argv = xmalloc((size_t)argc * sizeof *argv);
    for (int i = 0; i < argc; i++) {
        size_t len;
        const char *s = lua_tolstring(l, i + 1, &len);
        argv[i] = slice_of(s, len);
    }
    const Command *cmd = lookup_with_sub(argc, argv);
    if (!cmd) {
        xfree(argv);
        return raise_err(l, "Invalid command passed to redis.acl_check_cmd()");
    }
    int pos = 0;
    int ok = acl_check_command(CF(lua_client)->user, cmd, argc, argv, &pos) == ACL_OK;
    xfree(argv);
    lua_pushboolean(l, ok);
    return 1;
}

/* ---- long scripts ------------------------------------------------------------ */

static void count_hook(lua_State *l, lua_Debug *ar);

static void raise_killed(lua_State *l) {
    /* from now on every instruction fails, so no pcall() in the script can
     * catch the error and carry on */
    lua_sethook(l, count_hook, LUA_MASKCOUNT, 1);
    push_error_table(l, "ERR Script killed by user with SCRIPT KILL...",
                     strlen("ERR Script killed by user with SCRIPT KILL..."));
    lua_error(l);
}

/* Every HOOK_EVERY instructions: once the script has run longer than
 * busy-reply-threshold, the other clients are served between its steps (they
 * get -BUSY for all but SCRIPT KILL, SHUTDOWN NOSAVE and a few connection
 * commands) and the script stops if one of those asks. */
static void count_hook(lua_State *l, lua_Debug *ar) {
    (void)ar;
    if (run.kill) raise_killed(l);
    int64_t now = real_us();
    if (!core.script_busy) {
        if (now - run.start_us < settings.lua_time_limit * 1000) return;
        core.script_busy = run.is_function ? 2 : 1;
        run.caller->flags |= CLIENT_PROTECTED;
        log_warning("Slow script detected: still in execution after %lld milliseconds. You can "
                    "try killing the script using the SCRIPT KILL command. Script name is: %s.",
                    (long long)((now - run.start_us) / 1000), run.sha);
    }
    /* what a nested dispatch changes belongs to the running EVAL */
    int64_t t_ms = core.cmd_time_ms, t_us = core.cmd_time_us, start = core.call_start_us;
    server_serve_while_busy();
    core.cmd_time_ms = t_ms;
    core.cmd_time_us = t_us;
    core.call_start_us = start;
    core.executing = 1;
    if (core.shutdown_asap) {
        /* SHUTDOWN NOSAVE: the server stops without the half-run script's
         * writes reaching the AOF */
        core.n_prop = 0;
        buf_clear(&core.prop_buf);
        core.prop_suppressed = 1;
        run.kill = 1;
    }
    if (run.kill) {
        log_warning("Lua script killed by user with SCRIPT KILL.");
        raise_killed(l);
    }
}

int script_kill(const char **err, int is_eval) {
    if (!run.active || !core.script_busy) {
        *err = "NOTBUSY No scripts in execution right now.";
        return -1;
    }
    if (run.wrote) {
        *err = "UNKILLABLE Sorry the script already executed write commands against the dataset. "
               "You can either wait the script termination or kill the server in a hard way "
               "using the SHUTDOWN NOSAVE command.";
        return -1;
    }
    if (is_eval == run.is_function) {
        *err = run.is_function ? SCRIPT_BUSY_FUNCTION_ERROR : SCRIPT_BUSY_ERROR;
        return -1;
    }
    run.kill = 1;
    return 0;
}

/* ---- loading chunks ------------------------------------------------------- */

/* The name Lua shows for a chunk called name: "=x" shows x, "@file" file,
 * any other text [string "its first line..."]. */
static void chunk_display_name(const char *name, Buf *out) {
    if (name[0] == '=' || name[0] == '@') {
        buf_append_cstr(out, name + 1);
        return;
    }
    size_t n = strlen(name);
    size_t line = strcspn(name, "\r\n");
    size_t room = 60 - sizeof(" [string \"...\"] ");
    buf_append_cstr(out, "[string \"");
    if (line < n || line > room) {
        buf_append(out, name, line > room ? room : line);
        buf_append_cstr(out, "...");
    } else {
        buf_append(out, name, line);
    }
    buf_append_cstr(out, "\"]");
}

/* Pushes the proxy of the globals (the environment scripts run in). */
static void push_script_env(lua_State *l) {
    lua_getfield(l, LUA_REGISTRYINDEX, "streamd_env");
}

/* What loadstring and load return for the text s: the function, running in
 * the scripts' globals, or nil and the error. A binary chunk is refused as
 * the text parser refuses its first byte. */
static int load_text(lua_State *l, const char *s, size_t len, const char *name) {
    if (len > 0 && s[0] == LUA_SIGNATURE[0]) {
        Buf msg;
        buf_init(&msg);
        chunk_display_name(name, &msg);
        buf_append_cstr(&msg, ":1: unexpected symbol near 'char(27)'");
        lua_pushnil(l);
        lua_pushlstring(l, msg.p, msg.len);
        buf_free(&msg);
        return 2;
    }
    if (luaL_loadbuffer(l, s, len, name) != 0) {
        lua_pushnil(l);
        lua_insert(l, -2);
        return 2;
    }
    push_script_env(l);
    lua_setfenv(l, -2);
    return 1;
}

/* loadstring(s [, name]) for scripts. */
static int l_loadstring(lua_State *l) {
    size_t len;
    const char *s = luaL_checklstring(l, 1, &len);
    return load_text(l, s, len, luaL_optstring(l, 2, s));
}

/* load(f [, name]): the pieces f returns, joined, then as loadstring. */
static int l_load(lua_State *l) {
    luaL_checktype(l, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(l, 2, "=(load)");
    luaL_Buffer b;
    luaL_buffinit(l, &b);
    for (;;) {
        lua_pushvalue(l, 1);
        lua_call(l, 0, 1);
        if (lua_isnil(l, -1)) {
            lua_pop(l, 1);
            break;
        }
        if (!lua_isstring(l, -1)) return luaL_error(l, "reader function must return a string");
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(l, -1, &len);
    return load_text(l, s, len, name);
}

/* ---- read-only tables ------------------------------------------------------ */

static int ro_newindex(lua_State *l) {
    return luaL_error(l, "Attempt to modify a readonly table");
}

/* Reads of globals: a missing one is an error, as in Redis. Upvalues: the
 * globals and, for function libraries, their load-time table (redis with
 * register_function, log, LOG_* and the version), the only globals while a
 * library loads. */
static int globals_index(lua_State *l) {
    int from = lua_upvalueindex(1);
    if (fn_loading && !lua_isnone(l, lua_upvalueindex(2))) from = lua_upvalueindex(2);
    lua_pushvalue(l, 2);
    lua_rawget(l, from);
    if (lua_isnil(l, -1)) {
        const char *k = lua_tostring(l, 2);
        return luaL_error(l, "Script attempted to access nonexistent global variable '%s'",
                          k ? k : "?");
    }
    return 1;
}

/* Pops the __index value on top and pushes a read-only proxy whose reads go
 * through it, remembered as standing for the table at idx (an absolute
 * index): rawset refuses it, pairs/next/rawget see the table behind it. */
static void push_proxy_of(lua_State *l, int idx) {
    lua_newtable(l); /* proxy */
    lua_newtable(l); /* its metatable */
    lua_pushvalue(l, -3);
    lua_setfield(l, -2, "__index");
    lua_pushcfunction(l, ro_newindex);
    lua_setfield(l, -2, "__newindex");
    lua_pushboolean(l, 0);
    lua_setfield(l, -2, "__metatable");
    lua_setmetatable(l, -2);
    /* remember proxy -> real table (rawset and pairs look through it) */
    lua_getfield(l, LUA_REGISTRYINDEX, "streamd_proxies");
    lua_pushvalue(l, -2);
    lua_pushvalue(l, idx);
    lua_rawset(l, -3);
    lua_pop(l, 1);
    lua_remove(l, -2); /* the __index value */
}

/* Pushes a read-only proxy of the table at idx; strict: reading a missing
 * key is an error (the globals). */
static void push_readonly_proxy(lua_State *l, int idx, int strict) {
    idx = idx < 0 ? lua_gettop(l) + idx + 1 : idx;
    lua_pushvalue(l, idx);
    if (strict) lua_pushcclosure(l, globals_index, 1);
    push_proxy_of(l, idx);
}

static int is_proxy(lua_State *l, int idx) {
    lua_getfield(l, LUA_REGISTRYINDEX, "streamd_proxies");
    lua_pushvalue(l, idx);
    lua_rawget(l, -2);
    int yes = !lua_isnil(l, -1);
    lua_pop(l, 2);
    return yes;
}

/* The error rawset and setmetatable raise on a read-only table: no
 * position, as Redis words it. */
static int readonly_error(lua_State *l) {
    lua_pushliteral(l, "Attempt to modify a readonly table");
    return lua_error(l);
}

static int l_rawset(lua_State *l) {
    luaL_checktype(l, 1, LUA_TTABLE);
    luaL_checkany(l, 2);
    luaL_checkany(l, 3);
    if (is_proxy(l, 1)) return readonly_error(l);
    lua_settop(l, 3);
    lua_rawset(l, 1);
    return 1;
}

/* next/pairs over a proxy see the table behind it. */
static void unproxy(lua_State *l, int idx) {
    lua_getfield(l, LUA_REGISTRYINDEX, "streamd_proxies");
    lua_pushvalue(l, idx);
    lua_rawget(l, -2);
    if (!lua_isnil(l, -1))
        lua_replace(l, idx);
    else
        lua_pop(l, 1);
    lua_pop(l, 1);
}

/* pcall(f, ...): as Lua's, except that an error table (what redis.call
 * raises) is caught as its err string, as Redis gives it to scripts. */
static int l_pcall(lua_State *l) {
    luaL_checkany(l, 1);
    int argc = lua_gettop(l);
    if (lua_pcall(l, argc - 1, LUA_MULTRET, 0) == 0) {
        lua_pushboolean(l, 1);
        lua_insert(l, 1);
        return lua_gettop(l);
    }
    if (lua_istable(l, -1)) {
        lua_pushliteral(l, "err");
        lua_rawget(l, -2);
        if (lua_isstring(l, -1))
            lua_replace(l, -2);
        else
            lua_pop(l, 1);
    }
    lua_pushboolean(l, 0);
    lua_insert(l, -2);
    return 2;
}

/* getmetatable over a read-only table shows what Redis shows: a (read-only)
 * table for the globals, nothing for the libraries. */
static int l_getmetatable(lua_State *l) {
    luaL_checkany(l, 1);
    if (lua_istable(l, 1) && is_proxy(l, 1)) {
        lua_getfield(l, LUA_REGISTRYINDEX, "streamd_env");
        int is_env = lua_rawequal(l, 1, -1);
        lua_pop(l, 1);
        if (is_env) {
            lua_getfield(l, LUA_REGISTRYINDEX, "streamd_env_meta");
            return 1;
        }
        lua_pushnil(l);
        return 1;
    }
    if (lua_type(l, 1) == LUA_TSTRING) {
        /* the strings' metatable is shared by every script: read-only */
        lua_getfield(l, LUA_REGISTRYINDEX, "streamd_strmeta");
        return 1;
    }
    if (!lua_getmetatable(l, 1)) {
        lua_pushnil(l);
        return 1;
    }
    luaL_getmetafield(l, 1, "__metatable"); /* if set, it is what is shown */
    return 1;
}

/* rawget on a read-only table reads the table behind it. */
static int l_rawget(lua_State *l) {
    luaL_checktype(l, 1, LUA_TTABLE);
    luaL_checkany(l, 2);
    unproxy(l, 1);
    lua_settop(l, 2);
    lua_rawget(l, 1);
    return 1;
}

static int l_setmetatable(lua_State *l) {
    int t = lua_type(l, 2);
    luaL_checktype(l, 1, LUA_TTABLE);
    luaL_argcheck(l, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (is_proxy(l, 1)) return readonly_error(l);
    if (luaL_getmetafield(l, 1, "__metatable"))
        return luaL_error(l, "cannot change a protected metatable");
    lua_settop(l, 2);
    lua_setmetatable(l, 1);
    return 1;
}

static int l_next(lua_State *l) {
    luaL_checktype(l, 1, LUA_TTABLE);
    unproxy(l, 1);
    lua_settop(l, 2);
    if (lua_next(l, 1)) return 2;
    lua_pushnil(l);
    return 1;
}

static int l_pairs(lua_State *l) {
    luaL_checktype(l, 1, LUA_TTABLE);
    unproxy(l, 1);
    lua_pushcfunction(l, l_next);
    lua_pushvalue(l, 1);
    lua_pushnil(l);
    return 3;
}

/* ---- the Lua state ---------------------------------------------------------- */

static void *lua_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

static int lua_panic_fn(lua_State *l) {
    log_warning("Lua panic: %s", lua_tostring(l, -1));
    abort();
}

/* Opens a library and makes the table it returns the global name (some,
 * like Debian's cjson, register no global themselves). */
static void open_lib(lua_State *l, const char *name, lua_CFunction fn) {
    lua_pushcfunction(l, fn);
    lua_pushstring(l, name);
    lua_call(l, 1, 1);
    if (name[0] && lua_istable(l, -1))
        lua_setglobal(l, name);
    else
        lua_pop(l, 1);
}

static void set_fn(lua_State *l, const char *name, lua_CFunction fn) {
    lua_pushcfunction(l, fn);
    lua_setfield(l, -2, name);
}

static void set_int(lua_State *l, const char *name, int v) {
    lua_pushinteger(l, v);
    lua_setfield(l, -2, name);
}

static const char *const allowed_globals[] = {
    "_G",
    "_VERSION",
    "__redis__err__handler",
    "assert",
    "bit",
    "cjson",
    "cmsgpack",
    "collectgarbage",
    "coroutine",
    "error",
    "gcinfo",
    "getmetatable",
    "ipairs",
    "load",
    "loadstring",
    "math",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawset",
    "redis",
    "select",
    "setmetatable",
    "string",
    "struct",
    "table",
    "tonumber",
    "tostring",
    "type",
    "unpack",
    "xpcall",
    NULL,
};

static int is_allowed(const char *name) {
    for (int i = 0; allowed_globals[i]; i++)
        if (strcmp(allowed_globals[i], name) == 0) return 1;
    return 0;
}

static void set_version(lua_State *l) {
    lua_pushstring(l, STREAMD_REDIS_VERSION);
    lua_setfield(l, -2, "REDIS_VERSION");
    int maj = 0, min = 0, pat = 0;
    sscanf(STREAMD_REDIS_VERSION, "%d.%d.%d", &maj, &min, &pat);
    set_int(l, "REDIS_VERSION_NUM", (maj << 16) | (min << 8) | pat);
}

static int l_register_function(lua_State *l);

/* Pushes the environment of function libraries for the globals at idx. */
static void push_function_env(lua_State *l, int idx) {
    idx = idx < 0 ? lua_gettop(l) + idx + 1 : idx;
    /* the load-time redis table, strict as the globals are */
    lua_newtable(l);
    set_fn(l, "register_function", l_register_function);
    set_fn(l, "log", l_redis_log);
    set_int(l, "LOG_DEBUG", LOG_DEBUG);
    set_int(l, "LOG_VERBOSE", LOG_VERBOSE);
    set_int(l, "LOG_NOTICE", LOG_NOTICE);
    set_int(l, "LOG_WARNING", LOG_WARNING);
    set_version(l);
    push_readonly_proxy(l, -1, 1);
    lua_newtable(l); /* the load-time globals */
    lua_pushvalue(l, -2);
    lua_setfield(l, -2, "redis");
    int load_globals = lua_gettop(l);
    lua_pushvalue(l, idx);
    lua_pushvalue(l, load_globals);
    lua_pushcclosure(l, globals_index, 2);
    push_proxy_of(l, idx);   /* the environment */
    lua_replace(l, idx + 1); /* leave only the environment above idx */
    lua_settop(l, idx + 1);
}

/* A Lua state with the globals scripts get. for_functions: the state FCALL
 * runs functions in, whose redis library has no EVAL-only calls and whose
 * libraries load in a narrower environment (see globals_index). */
static lua_State *new_state(int for_functions) {
    lua_State *S = lua_newstate(lua_alloc_fn, NULL);
    if (!S) {
        log_warning("cannot create the Lua state");
        abort();
    }
    lua_atpanic(S, lua_panic_fn);
    open_lib(S, "", luaopen_base);
    open_lib(S, LUA_TABLIBNAME, luaopen_table);
    open_lib(S, LUA_STRLIBNAME, luaopen_string);
    open_lib(S, LUA_MATHLIBNAME, luaopen_math);
    open_lib(S, "cjson", luaopen_cjson);
    open_lib(S, "bit", luaopen_bit);
    open_lib(S, "struct", luaopen_struct);
    open_lib(S, "cmsgpack", luaopen_cmsgpack);
    lua_newtable(S);
    lua_setfield(S, LUA_REGISTRYINDEX, "streamd_proxies");
    lua_newtable(S);
    lua_setfield(S, LUA_REGISTRYINDEX, "streamd_fns");

    /* math.random and math.randomseed: deterministic */
    lua_getglobal(S, "math");
    set_fn(S, "random", l_math_random);
    set_fn(S, "randomseed", l_math_randomseed);
    lua_pop(S, 1);

    /* the redis library */
    lua_newtable(S);
    set_fn(S, "call", l_redis_call);
    set_fn(S, "pcall", l_redis_pcall);
    set_fn(S, "sha1hex", l_redis_sha1hex);
    set_fn(S, "error_reply", l_redis_error_reply);
    set_fn(S, "status_reply", l_redis_status_reply);
    set_fn(S, "log", l_redis_log);
    set_fn(S, "setresp", l_redis_setresp);
    set_fn(S, "set_repl", l_redis_set_repl);
    if (!for_functions) {
        set_fn(S, "replicate_commands", l_redis_true);
        set_fn(S, "breakpoint", ldb_lua_breakpoint);
        set_fn(S, "debug", ldb_lua_debug);
    }
    set_fn(S, "acl_check_cmd", l_redis_acl_check_cmd);
    set_int(S, "LOG_DEBUG", LOG_DEBUG);
    set_int(S, "LOG_VERBOSE", LOG_VERBOSE);
    set_int(S, "LOG_NOTICE", LOG_NOTICE);
    set_int(S, "LOG_WARNING", LOG_WARNING);
    set_int(S, "REPL_NONE", REPL_NONE);
    set_int(S, "REPL_AOF", REPL_AOF);
    set_int(S, "REPL_SLAVE", REPL_REPLICA);
    set_int(S, "REPL_REPLICA", REPL_REPLICA);
    set_int(S, "REPL_ALL", REPL_ALL);
    set_version(S);
    lua_setglobal(S, "redis");

    lua_pushcfunction(S, l_loadstring);
    lua_setglobal(S, "loadstring");
    lua_pushcfunction(S, l_load);
    lua_setglobal(S, "load");
    lua_pushcfunction(S, l_rawset);
    lua_setglobal(S, "rawset");
    lua_pushcfunction(S, l_setmetatable);
    lua_setglobal(S, "setmetatable");
    lua_pushcfunction(S, l_getmetatable);
    lua_setglobal(S, "getmetatable");
    lua_pushcfunction(S, l_rawget);
    lua_setglobal(S, "rawget");
    lua_pushliteral(S, "");
    lua_getmetatable(S, -1);
    push_readonly_proxy(S, -1, 0);
    lua_setfield(S, LUA_REGISTRYINDEX, "streamd_strmeta");
    lua_pop(S, 2);
    lua_pushcfunction(S, l_pcall);
    lua_setglobal(S, "pcall");
    if (!for_functions) {
        lua_pushcfunction(S, error_handler);
        lua_setglobal(S, "__redis__err__handler");
    }
    lua_pushcfunction(S, l_next);
    lua_setglobal(S, "next");
    lua_pushcfunction(S, l_pairs);
    lua_setglobal(S, "pairs");

    /* keep only the globals scripts are given */
    for (;;) {
        int removed = 0;
        lua_pushnil(S);
        while (lua_next(S, LUA_GLOBALSINDEX)) {
            lua_pop(S, 1);
            if (lua_type(S, -1) == LUA_TSTRING && !is_allowed(lua_tostring(S, -1))) {
                lua_pushvalue(S, -1);
                lua_pushnil(S);
                lua_rawset(S, LUA_GLOBALSINDEX);
                lua_pop(S, 1);
                removed = 1;
                break; /* restart: a table must not change under lua_next */
            }
        }
        if (!removed) break;
    }
    /* library tables become read-only proxies in the globals */
    static const char *const libs[] = {"redis", "string", "table",  "math",     "coroutine",
                                       "cjson", "bit",    "struct", "cmsgpack", NULL};
    for (int i = 0; libs[i]; i++) {
        lua_getglobal(S, libs[i]);
        if (lua_istable(S, -1)) {
            push_readonly_proxy(S, -1, 0);
            lua_setglobal(S, libs[i]);
        }
        lua_pop(S, 1);
    }
    /* the globals' proxy: the environment of every script (of every
     * function library: its run-time view, see globals_index) */
    lua_pushvalue(S, LUA_GLOBALSINDEX);
    if (for_functions)
        push_function_env(S, -1);
    else
        push_readonly_proxy(S, -1, 1);
    lua_pushvalue(S, -1);
    lua_setfield(S, LUA_REGISTRYINDEX, "streamd_env");
    lua_getmetatable(S, -1);
    push_readonly_proxy(S, -1, 0);
    lua_setfield(S, LUA_REGISTRYINDEX, "streamd_env_meta");
    lua_pop(S, 1);
    lua_setglobal(S, "_G");
    lua_pop(S, 1);
    return S;
}

/* ---- the cache ------------------------------------------------------------- */

static void lru_unlink(Script *s) {
    if (s->prev)
        s->prev->next = s->next;
    else
        lru_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        lru_tail = s->prev;
    s->prev = s->next = NULL;
}

static void lru_push_front(Script *s) {
    s->prev = NULL;
    s->next = lru_head;
    if (lru_head) lru_head->prev = s;
    lru_head = s;
    if (!lru_tail) lru_tail = s;
}

static void script_free(void *p) {
    Script *s = p;
    xfree(s->body);
    xfree(s);
}

static void forget_function(const char *sha) {
    lua_getfield(L, LUA_REGISTRYINDEX, "streamd_fns");
    lua_pushnil(L);
    lua_setfield(L, -2, sha);
    lua_pop(L, 1);
}

static void evict_if_full(void) {
    while (n_evictable > SCRIPT_EVAL_MAX && lru_tail) {
        Script *s = lru_tail;
        lru_unlink(s);
        n_evictable--;
        forget_function(s->sha);
        cache_bytes -= s->len + sizeof *s;
        DictEntry *e = dict_unlink(scripts, s->sha, 40);
        script_free(s);
        dict_entry_free(e);
    }
}

static Script *find_script(const char *sha) {
    DictEntry *e = dict_find(scripts, sha, 40);
    return e ? e->val : NULL;
}

/* Parses a "#!lua [flags=a,b]" first line. Returns 0 and sets *flags and
 * *skip (bytes up to the end of that line, kept so line numbers stay), or
 * -1 with the error in err. */
static int parse_shebang(const char *body, size_t len, int *flags, Buf *err) {
    *flags = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!') return 0;
    const char *nl = memchr(body, '\n', len);
    if (!nl) {
        buf_printf(err, "ERR Invalid script shebang");
        return -1;
    }
    size_t line = (size_t)(nl - body);
    char *copy = xmalloc(line + 1);
    memcpy(copy, body, line);
    copy[line] = '\0';
    char *words[64];
    int n = 0;
    for (char *p = copy, *save = NULL; n < 64 && (p = strtok_r(p, " \t\r", &save)); p = NULL)
        words[n++] = p;
    if (n == 0 || strcmp(words[0], "#!lua") != 0) {
        buf_printf(err, "ERR Unexpected engine in script shebang: %s", n ? words[0] : "#!");
        xfree(copy);
        return -1;
    }
    *flags = SFLAG_SHEBANG;
    for (int i = 1; i < n; i++) {
        if (strncmp(words[i], "flags=", 6) != 0) {
            buf_printf(err, "ERR Unknown lua shebang option: %s", words[i]);
            xfree(copy);
            return -1;
        }
        char *list = words[i] + 6;
        for (char *p = list, *save = NULL; (p = strtok_r(p, ",", &save)); p = NULL) {
            if (strcmp(p, "no-writes") == 0)
                *flags |= SFLAG_NO_WRITES;
            else if (strcmp(p, "allow-oom") == 0)
                *flags |= SFLAG_ALLOW_OOM;
            else if (strcmp(p, "allow-stale") == 0)
                *flags |= SFLAG_ALLOW_STALE;
            else if (strcmp(p, "no-cluster") == 0)
                *flags |= SFLAG_NO_CLUSTER;
            else if (strcmp(p, "allow-cross-slot-keys") == 0)
                *flags |= SFLAG_CROSS_SLOT;
            else {
                buf_printf(err, "ERR Unexpected flag in script shebang: %s", p);
                xfree(copy);
                return -1;
            }
        }
    }
    xfree(copy);
    return 0;
}

/* Compiles body and caches it under sha; NULL with the error in err. */
static Script *add_script(const char *sha, const char *body, size_t len, int evictable, Buf *err) {
    int flags;
    if (parse_shebang(body, len, &flags, err) != 0) return NULL;
    size_t skip = 0;
    if (flags & SFLAG_SHEBANG) {
        /* the shebang line is blanked, so line numbers stay as written */
        const char *nl = memchr(body, '\n', len);
        skip = nl ? (size_t)(nl - body) : len;
    }
    int rc;
    if (len > 0 && body[0] == LUA_SIGNATURE[0]) {
        buf_printf(err, "ERR Error compiling script (new function): user_script:1: unexpected "
                        "symbol near 'char(27)'");
        return NULL;
    }
    if (skip) {
        char *copy = xmemdup(body, len);
        memset(copy, ' ', skip);
        rc = luaL_loadbuffer(L, copy, len, "@user_script");
        xfree(copy);
    } else {
        rc = luaL_loadbuffer(L, body, len, "@user_script");
    }
    if (rc != 0) {
        buf_printf(err, "ERR Error compiling script (new function): %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return NULL;
    }
    push_script_env(L);
    lua_setfenv(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, "streamd_fns");
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, sha);
    lua_pop(L, 2);
    Script *s = xcalloc(1, sizeof *s);
    memcpy(s->sha, sha, 41);
    s->body = xmemdup(body, len);
    s->len = len;
    s->flags = flags;
    s->evictable = evictable;
    dict_add(scripts, s->sha, 40, s);
    cache_bytes += len + sizeof *s;
    if (evictable) {
        lru_push_front(s);
        n_evictable++;
        evict_if_full();
    }
    return s;
}

/* The Lua state exists from start-up and right after SCRIPT FLUSH, as in
 * Redis (INFO shows its memory); the script client from the first script. */
static void ensure_init(void) {
    if (!L) {
        scripts = dict_new();
        L = new_state(0);
    }
    if (!FL) {
        libraries = dict_new();
        functions = dict_new();
        FL = new_state(1);
    }
    if (!lua_client) {
        uint64_t next_id = core.next_client_id;
        lua_client = client_new_fake();
        core.next_client_id = next_id; /* clients' IDs are not shifted by it */
        lua_client->id = 0;
        lua_client->flags = CLIENT_SCRIPT | CLIENT_AUTHENTICATED;
        snprintf(CF(lua_client)->addr, sizeof CF(lua_client)->addr, "lua");
    }
}

void script_init(void) {
    ensure_init();
}

/* ---- commands --------------------------------------------------------------- */

static void lower_sha(Slice s, char out[41]) {
    for (int i = 0; i < 40; i++) {
        char ch = s.p[i];
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    out[40] = '\0';
}

int script_call_may_write(const Command *cmd, int argc, const Slice *argv) {
    const uint32_t writes = CMD_WRITE | CMD_MAY_REPLICATE;
    int by_cmd = (cmd->flags & writes) != 0;
    if (argc < 2 || (cmd->name[0] != 'e' && cmd->name[0] != 'f')) return by_cmd;
    const char *n = cmd->name;
    int flags = 0;
    if (strcmp(n, "fcall") == 0 || strcmp(n, "fcall_ro") == 0) {
        if (function_flags(argv[1], &flags) != 0) return by_cmd;
    } else if (strcmp(n, "eval") == 0 || strcmp(n, "eval_ro") == 0) {
        Buf err;
        buf_init(&err);
        int rc = parse_shebang(argv[1].p, argv[1].len, &flags, &err);
        buf_free(&err);
        if (rc != 0) return by_cmd;
    } else if (strcmp(n, "evalsha") == 0 || strcmp(n, "evalsha_ro") == 0) {
        if (!scripts || argv[1].len != 40) return by_cmd;
        char key[41];
        lower_sha(argv[1], key);
        Script *s = find_script(key);
        if (!s) return by_cmd;
        flags = s->flags;
    } else {
        return by_cmd;
    }
    /* what a script or function declares decides, whichever command runs
     * it; one that declares nothing is what its command says */
    if (!(flags & SFLAG_SHEBANG)) return by_cmd;
    return !(flags & SFLAG_NO_WRITES);
}

int script_exists(Slice sha) {
    if (!scripts || sha.len != 40) return 0;
    char key[41];
    lower_sha(sha, key);
    return find_script(key) != NULL;
}

void script_load_command(Client *c, Slice body) {
    ensure_init();
    char sha[41];
    sha1_hex(body.p, body.len, sha);
    Script *s = find_script(sha);
    if (s) {
        if (s->evictable) { /* loaded on purpose now: no longer evictable */
            lru_unlink(s);
            n_evictable--;
            s->evictable = 0;
        }
    } else {
        Buf err;
        buf_init(&err);
        s = add_script(sha, body.p, body.len, 0, &err);
        if (!s) {
            buf_append_char(&err, '\0');
            reply_error(c, "%s", err.p);
            buf_free(&err);
            return;
        }
        buf_free(&err);
    }
    reply_bulk(c, sha, 40);
}

void script_flush(void) {
    if (!L) return;
    lua_close(L);
    L = NULL;
    dict_free(scripts, script_free);
    scripts = NULL;
    lru_head = lru_tail = NULL;
    n_evictable = 0;
    cache_bytes = 0;
    client_free_fake(lua_client);
    lua_client = NULL;
    ensure_init();
}

/* Sets KEYS or ARGV to a table of n strings. */
static void set_array_global(const char *name, const Slice *v, long long n) {
    lua_createtable(L, (int)n, 0);
    for (long long i = 0; i < n; i++) {
        lua_pushlstring(L, v[i].p, v[i].len);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}

static void reply_script_error(Client *c, lua_State *l, const char *sha) {
    /* the handler made a table, except for errors it never saw (memory) */
    if (!lua_istable(l, -1)) {
        const char *m = lua_tostring(l, -1);
        reply_error(c, "ERR Error running script (call to f_%s): %s", sha, m ? m : "?");
        lua_pop(l, 1);
        return;
    }
    int t = lua_gettop(l);
    size_t len = 0;
    const char *msg = raw_string_field(l, t, "err", &len);
    const char *src = raw_string_field(l, t, "source", NULL);
    lua_pushliteral(l, "line");
    lua_rawget(l, t);
    int has_line = lua_type(l, -1) == LUA_TNUMBER;
    long long line = has_line ? (long long)lua_tonumber(l, -1) : 0;
    lua_pop(l, 1);
    if (!msg) {
        msg = "ERR unknown error";
        len = strlen(msg);
    }
    if (src && has_line)
        reply_error(c, "%.*s script: %s, on %s:%lld.", (int)len, msg, sha, src, line);
    else
        reply_error(c, "%.*s script: %s", (int)len, msg, sha);
    lua_pop(l, 1);
}

static void run_and_reply(Client *c, lua_State *l, int nargs, const char *name, int flags,
                          int readonly_cmd, int is_function);

/* The checks of a script's or function's declared flags before it runs;
 * 0 when it may, else -1 after replying the refusal. */
static int check_declared_flags(Client *c, int flags, int readonly_cmd) {
    if (!(flags & SFLAG_ALLOW_STALE) && replica_is_stale(c)) {
        reply_error(c, "%s", REPLICA_MASTERDOWN_ERROR);
        return -1;
    }
    if (!(flags & SFLAG_NO_WRITES) && replica_refuses_writes(c)) {
        reply_error(c, "READONLY You can't write against a read only replica.");
        return -1;
    }
    if (readonly_cmd && !(flags & SFLAG_NO_WRITES)) {
        reply_error(c, "ERR Can not execute a script with write flag using *_ro command.");
        return -1;
    }
    if (!(flags & SFLAG_NO_WRITES) && server.write_refused) {
        reply_error(c, "%s", server.write_refused);
        return -1;
    }
    if (!(flags & (SFLAG_NO_WRITES | SFLAG_ALLOW_OOM)) && settings.maxmemory > 0 &&
        alloc_used_bytes() > (size_t)settings.maxmemory) {
        reply_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
        return -1;
    }
    return 0;
}

static void eval_run(Client *c, int by_sha, int readonly_cmd);

void script_eval_command(Client *c, int by_sha, int readonly_cmd) {
    if (!ldb_wanted(c)) {
        eval_run(c, by_sha, readonly_cmd);
        return;
    }
    if (by_sha) {
        if (c->argv[1].len != 40)
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
        else
            reply_error(c, "ERR Please use EVAL instead of EVALSHA for debugging");
        return;
    }
    if (ldb_start(c)) {
        eval_run(c, 0, readonly_cmd);
        ldb_end(c);
    } else {
        ldb_set_mode(c, 0);
    }
}

static void eval_run(Client *c, int by_sha, int readonly_cmd) {
    long long numkeys;
    if (num_parse_ll(c->argv[2].p, c->argv[2].len, &numkeys) != 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    if (numkeys > c->argc - 3) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return;
    }
    ensure_init();
    char sha[41];
    Script *s;
    if (by_sha) {
        if (c->argv[1].len != 40) {
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
        lower_sha(c->argv[1], sha);
        s = find_script(sha);
        if (!s) {
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
    } else {
        sha1_hex(c->argv[1].p, c->argv[1].len, sha);
        s = find_script(sha);
        if (!s) {
            Buf err;
            buf_init(&err);
            s = add_script(sha, c->argv[1].p, c->argv[1].len, 1, &err);
            if (!s) {
                buf_append_char(&err, '\0');
                reply_error(c, "%s", err.p);
                buf_free(&err);
                return;
            }
            buf_free(&err);
        }
    }
    if (s->evictable && s != lru_head) {
        lru_unlink(s);
        lru_push_front(s);
    }
    /* scripts that declared their flags are checked before they run */
    if ((s->flags & SFLAG_SHEBANG) && check_declared_flags(c, s->flags, readonly_cmd) != 0) return;
    /* one without: a replica cut from its master runs none (7.0) */
    if (!(s->flags & SFLAG_SHEBANG) && replica_is_stale(c)) {
        reply_error(c, "%s", REPLICA_MASTERDOWN_ERROR);
        return;
    }

    set_array_global("KEYS", c->argv + 3, numkeys);
    set_array_global("ARGV", c->argv + 3 + numkeys, c->argc - 3 - numkeys);
    lua_pushcfunction(L, error_handler);
    lua_getfield(L, LUA_REGISTRYINDEX, "streamd_fns");
    lua_getfield(L, -1, s->sha);
    lua_remove(L, -2);
    run_and_reply(c, L, 0, s->sha, s->flags, readonly_cmd, 0);
}

/* Runs the function below nargs arguments on top of l's stack (the message
 * handler under it) for c, then replies what it returned or raised. name:
 * the SHA-1 or the function's name (in errors and logs). */
static void run_and_reply(Client *c, lua_State *l, int nargs, const char *name, int flags,
                          int readonly_cmd, int is_function) {
    int eh = lua_gettop(l) - nargs - 1;
    run.active = 1;
    run.readonly = readonly_cmd || (flags & SFLAG_NO_WRITES);
    run.flags = flags;
    run.resp = 2;
    run.sha = name;
    run.caller = c;
    run.start_us = real_us();
    run.wrote = 0;
    run.kill = 0;
    run.is_function = is_function;
    int debugging = ldb_active() && !is_function;
    if (debugging)
        lua_sethook(l, ldb_line_hook, LUA_MASKLINE | LUA_MASKCOUNT, 100000);
    else
        lua_sethook(l, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    core.prop_suppressed = 0;
    ClientFull *sc = CF(lua_client);
    client_set_db(sc, db_index(c->db));
    /* the caller's CLIENT NO-TOUCH holds for the commands its script runs */
    lua_client->flags = CLIENT_SCRIPT | CLIENT_AUTHENTICATED | (c->flags & CLIENT_NO_TOUCH);
    sc->user = CF(c)->user;

    int rc = lua_pcall(l, nargs, 1, eh);
    run.active = 0;
    if (debugging) lua_sethook(l, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    himport_discard_all(sc); /* each EVAL / FCALL starts without fieldsets, as in Redis */
    if (core.script_busy) {
        core.script_busy = 0;
        c->flags &= ~CLIENT_PROTECTED;
        log_warning("Slow script finished in %lld milliseconds.",
                    (long long)((real_us() - run.start_us) / 1000));
    }
    core.prop_suppressed = 0;
    if (rc != 0)
        reply_script_error(c, l, name);
    else
        lua_to_reply(c, l);
    lua_settop(l, eh - 1);
    /* a collection step every 50 scripts keeps the heap in check without a
     * step's cost on every call */
    static int gc_count;
    if (++gc_count >= 50) {
        gc_count = 0;
        lua_gc(l, LUA_GCSTEP, 50);
    }
    run.caller = NULL;
}

size_t script_lua_memory(void) {
    if (!L) return 0;
    return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
}

size_t script_count(void) {
    return scripts ? dict_size(scripts) : 0;
}

size_t script_cache_memory(void) {
    return cache_bytes;
}

static void add_script_size(void *priv, DictEntry *e) {
    const Script *s = e->val;
    *(size_t *)priv += xsize(s) + xsize(s->body);
}

size_t script_client_bytes(void) {
    return (lua_client ? mem_client_usage(CF(lua_client)) : 0) + xsize(call_argv);
}

size_t script_cache_alloc_bytes(void) {
    if (!scripts) return 0;
    size_t n = dict_memory(scripts);
    dict_foreach(scripts, add_script_size, &n);
    return n;
}

/* ---- functions ------------------------------------------------------------- */

static const struct {
    int flag;
    const char *name;
} fn_flag_names[] = {
    {SFLAG_NO_WRITES, "no-writes"},
    {SFLAG_ALLOW_OOM, "allow-oom"},
    {SFLAG_ALLOW_STALE, "allow-stale"},
    {SFLAG_NO_CLUSTER, "no-cluster"},
    {SFLAG_CROSS_SLOT, "allow-cross-slot-keys"},
};

#define FN_NAME_ERROR                                                                              \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least "     \
    "one character long"

static int valid_name(const char *p, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

static void function_free(Function *f) {
    if (FL) luaL_unref(FL, LUA_REGISTRYINDEX, f->ref);
    xfree(f->name);
    xfree(f->desc);
    xfree(f);
}

static void library_free(Library *lib) {
    for (size_t i = 0; i < lib->n; i++) function_free(lib->fns[i]);
    xfree(lib->fns);
    xfree(lib->name);
    xfree(lib->code);
    xfree(lib);
}

static size_t library_bytes(const Library *lib) {
    size_t n = sizeof *lib + lib->len + strlen(lib->name) + lib->cap * sizeof(Function *);
    for (size_t i = 0; i < lib->n; i++)
        n += sizeof(Function) + strlen(lib->fns[i]->name) +
             (lib->fns[i]->desc ? strlen(lib->fns[i]->desc) : 0);
    return n;
}

static int flag_by_name(const char *s, size_t len) {
    for (size_t i = 0; i < sizeof fn_flag_names / sizeof fn_flag_names[0]; i++)
        if (strlen(fn_flag_names[i].name) == len && strncasecmp(fn_flag_names[i].name, s, len) == 0)
            return fn_flag_names[i].flag;
    return 0;
}

/* redis.register_function(name, callback) or
 * redis.register_function{function_name=, callback=, flags=, description=}:
 * only while a library loads (the load-time environment has it). */
static int l_register_function(lua_State *l) {
    if (!fn_loading || !fn_pending)
        return raise_err(l, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(l);
    int flags = 0, cb = 0, name_idx = 0, desc_idx = 0;
    if (argc == 1) {
        if (!lua_istable(l, 1))
            return raise_err(l, "calling redis.register_function with a single argument is only "
                                "applicable to Lua table (representing named arguments).");
        lua_pushnil(l);
        while (lua_next(l, 1)) {
            const char *k = lua_type(l, -2) == LUA_TSTRING ? lua_tostring(l, -2) : "";
            int v = lua_gettop(l);
            if (strcmp(k, "function_name") == 0) {
                if (!lua_isstring(l, v))
                    return raise_err(l, "function_name argument given to "
                                        "redis.register_function must be a string");
                name_idx = v;
            } else if (strcmp(k, "callback") == 0) {
                if (!lua_isfunction(l, v))
                    return raise_err(l, "callback argument given to redis.register_function "
                                        "must be a function");
                cb = v;
            } else if (strcmp(k, "flags") == 0) {
                if (!lua_istable(l, v))
                    return raise_err(l, "flags argument to redis.register_function must be a "
                                        "table representing function flags");
                for (int j = 1;; j++) {
                    lua_rawgeti(l, v, j);
                    if (lua_isnil(l, -1)) {
                        lua_pop(l, 1);
                        break;
                    }
                    size_t fl;
                    const char *fs =
                        lua_type(l, -1) == LUA_TSTRING ? lua_tolstring(l, -1, &fl) : NULL;
                    int bit = fs ? flag_by_name(fs, fl) : 0;
                    lua_pop(l, 1);
                    if (!bit) return raise_err(l, "unknown flag given");
                    flags |= bit;
                }
            } else if (strcmp(k, "description") == 0) {
                if (!lua_isstring(l, v))
                    return raise_err(l, "description argument given to "
                                        "redis.register_function must be a string");
                desc_idx = v;
            } else {
                return raise_err(l, "unknown argument given to redis.register_function");
            }
            /* keep the value on the stack (its index is remembered); push
             * the key again for lua_next */
            lua_pushvalue(l, -2);
        }
        if (!name_idx)
            return raise_err(l, "redis.register_function must get a function name argument");
        if (!cb) return raise_err(l, "redis.register_function must get a callback argument");
    } else if (argc == 2) {
        if (!lua_isstring(l, 1))
            return raise_err(l, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(l, 2))
            return raise_err(l, "second argument to redis.register_function must be a function");
        name_idx = 1;
        cb = 2;
    } else {
        return raise_err(l, "wrong number of arguments to redis.register_function");
    }
    size_t nlen;
    const char *name = lua_tolstring(l, name_idx, &nlen);
    if (!valid_name(name, nlen)) return raise_err(l, FN_NAME_ERROR);
    for (size_t i = 0; i < fn_pending->n; i++)
        if (strcmp(fn_pending->fns[i]->name, name) == 0)
            return raise_err(l, "Function already exists in the library");
    if (fn_pending->n == fn_pending->cap) {
        fn_pending->cap = fn_pending->cap ? fn_pending->cap * 2 : 4;
        fn_pending->fns = xrealloc(fn_pending->fns, fn_pending->cap * sizeof(Function *));
    }
    Function *f = xcalloc(1, sizeof *f);
    f->name = xmemdup(name, nlen + 1);
    f->desc = desc_idx ? xstrdup(lua_tostring(l, desc_idx)) : NULL;
    f->flags = flags | SFLAG_SHEBANG;
    f->lib = fn_pending;
    lua_pushvalue(l, cb);
    f->ref = luaL_ref(l, LUA_REGISTRYINDEX);
    fn_pending->fns[fn_pending->n++] = f;
    return 0;
}

/* A library that loads for longer than this is stopped. */
#define FN_LOAD_TIMEOUT_US 500000

static void load_hook(lua_State *l, lua_Debug *ar) {
    (void)ar;
    if (real_us() - fn_load_start_us > FN_LOAD_TIMEOUT_US) {
        lua_sethook(l, load_hook, LUA_MASKCOUNT, 1);
        push_error_table(l, "ERR FUNCTION LOAD timeout", strlen("ERR FUNCTION LOAD timeout"));
        lua_error(l);
    }
}

/* Splits a line into words as Redis splits a library's metadata line:
 * blanks separate words, "..." (with \n \r \t \b \a \xHH and \<char>
 * escapes) and '...' (with \') quote them; a quote must close and be
 * followed by a blank or the end. Returns the number of words (their bytes
 * one NUL-terminated string each in out, at most max), or -1. */
static int split_words(const char *p, char **out, int max) {
    int n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == '\v' || *p == '\f') p++;
        if (!*p) return n;
        if (n == max) goto fail;
        Buf w;
        buf_init(&w);
        int inq = 0, insq = 0, done = 0;
        while (!done) {
            if (inq) {
                if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
                    isxdigit((unsigned char)p[3])) {
                    char hex[3] = {p[2], p[3], 0};
                    buf_append_char(&w, (char)strtol(hex, NULL, 16));
                    p += 3;
                } else if (p[0] == '\\' && p[1]) {
                    p++;
                    char ch = *p == 'n'   ? '\n'
                              : *p == 'r' ? '\r'
                              : *p == 't' ? '\t'
                              : *p == 'b' ? '\b'
                              : *p == 'a' ? '\a'
                                          : *p;
                    buf_append_char(&w, ch);
                } else if (*p == '"') {
                    if (p[1] && !isspace((unsigned char)p[1])) goto fail_word;
                    done = 1;
                } else if (!*p) {
                    goto fail_word;
                } else {
                    buf_append_char(&w, *p);
                }
            } else if (insq) {
                if (p[0] == '\\' && p[1] == '\'') {
                    p++;
                    buf_append_char(&w, '\'');
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) goto fail_word;
                    done = 1;
                } else if (!*p) {
                    goto fail_word;
                } else {
                    buf_append_char(&w, *p);
                }
            } else {
                switch (*p) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0':
                    done = 1;
                    break;
                case '"':
                    inq = 1;
                    break;
                case '\'':
                    insq = 1;
                    break;
                default:
                    buf_append_char(&w, *p);
                }
            }
            if (*p) p++;
        }
        buf_append_char(&w, '\0');
        out[n++] = xstrdup(w.p);
        buf_free(&w);
        continue;
    fail_word:
        buf_free(&w);
        goto fail;
    }
fail:
    for (int i = 0; i < n; i++) xfree(out[i]);
    return -1;
}

/* Parses the "#!lua name=<library>" first line; the name (owned) or NULL
 * with Redis's error in err. */
static char *parse_library_meta(const char *code, size_t len, Buf *err) {
    if (len < 2 || code[0] != '#' || code[1] != '!') {
        buf_printf(err, "ERR Missing library metadata");
        return NULL;
    }
    const char *nl = memchr(code, '\n', len);
    if (!nl) {
        buf_printf(err, "ERR Invalid library metadata");
        return NULL;
    }
    size_t line = (size_t)(nl - code);
    if (memchr(code, '\0', line)) {
        buf_printf(err, "ERR Invalid library metadata");
        return NULL;
    }
    char *copy = xmalloc(line + 1);
    memcpy(copy, code, line);
    copy[line] = '\0';
    char *words[64];
    int n = split_words(copy, words, 64);
    xfree(copy);
    if (n <= 0) {
        buf_printf(err, "ERR Invalid library metadata");
        return NULL;
    }
    char *name = NULL;
    const char *engine = strlen(words[0]) >= 2 ? words[0] + 2 : "";
    for (int i = 1; i < n; i++) {
        if (strncasecmp(words[i], "name=", 5) == 0) {
            if (name) {
                buf_printf(err, "ERR Invalid metadata value, name argument was given multiple "
                                "times");
                goto fail;
            }
            name = xstrdup(words[i] + 5);
        } else {
            buf_printf(err, "ERR Invalid metadata value given: %s", words[i]);
            goto fail;
        }
    }
    if (!name) {
        buf_printf(err, "ERR Library name was not given");
        goto fail;
    }
    if (!valid_name(name, strlen(name))) {
        buf_printf(err, "ERR " FN_NAME_ERROR);
        goto fail;
    }
    if (strcasecmp(engine, "lua") != 0) {
        buf_printf(err, "ERR Engine '%s' not found", engine);
        goto fail;
    }
    for (int i = 0; i < n; i++) xfree(words[i]);
    return name;
fail:
    xfree(name);
    for (int i = 0; i < n; i++) xfree(words[i]);
    return NULL;
}

static void reply_buf_error(Client *c, Buf *err) {
    buf_append_char(err, '\0');
    reply_error(c, "%s", err->p);
    buf_free(err);
}

/* Function names are case-insensitive (FCALL echo finds Echo): the table
 * is keyed by the lower-cased name. */
static DictEntry *function_entry(const char *name, size_t len, int unlink) {
    char stack[128];
    char *low = len < sizeof stack ? stack : xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        low[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    DictEntry *e = unlink ? dict_unlink(functions, low, len) : dict_find(functions, low, len);
    if (low != stack) xfree(low);
    return e;
}

/* Adds f under its lower-cased name; a library may hold names that differ
 * only in case (Redis accepts them): the first one FCALL finds stays. */
static void function_add(Function *f) {
    size_t len = strlen(f->name);
    char *low = xmemdup(f->name, len + 1);
    for (size_t i = 0; i < len; i++)
        if (low[i] >= 'A' && low[i] <= 'Z') low[i] = (char)(low[i] + 32);
    if (!dict_find(functions, low, len)) dict_add(functions, low, len, f);
    xfree(low);
}

static void library_unregister(Library *lib) {
    for (size_t i = 0; i < lib->n; i++) {
        DictEntry *e = function_entry(lib->fns[i]->name, strlen(lib->fns[i]->name), 1);
        if (e) dict_entry_free(e);
    }
    functions_bytes -= library_bytes(lib);
    DictEntry *e = dict_unlink(libraries, lib->name, strlen(lib->name));
    if (e) dict_entry_free(e);
}

/* Builds the library in code: metadata, compile (the metadata line blanked,
 * so line numbers stay), load (what it registers); not yet installed. NULL
 * with Redis's error in err. A library of that name may exist only if
 * replace (Redis's error otherwise). */
static Library *library_build(const char *code, size_t len, int replace, Buf *err) {
    char *name = parse_library_meta(code, len, err);
    if (!name) return NULL;
    if (!replace && dict_find(libraries, name, strlen(name))) {
        buf_printf(err, "ERR Library '%s' already exists", name);
        xfree(name);
        return NULL;
    }
    const char *nl = memchr(code, '\n', len);
    char *copy = xmemdup(code, len);
    memset(copy, ' ', (size_t)(nl - code));
    lua_pushcfunction(FL, error_handler);
    int eh = lua_gettop(FL);
    int rc = luaL_loadbuffer(FL, copy, len, "@user_function");
    xfree(copy);
    if (rc != 0) {
        buf_printf(err, "ERR Error compiling function: %s", lua_tostring(FL, -1));
        lua_settop(FL, eh - 1);
        xfree(name);
        return NULL;
    }
    push_script_env(FL);
    lua_setfenv(FL, -2);
    Library *lib = xcalloc(1, sizeof *lib);
    lib->name = name;
    lib->code = xmemdup(code, len);
    lib->len = len;
    fn_pending = lib;
    fn_loading = 1;
    fn_load_start_us = real_us();
    lua_sethook(FL, load_hook, LUA_MASKCOUNT, HOOK_EVERY);
    rc = lua_pcall(FL, 0, 0, eh);
    lua_sethook(FL, NULL, 0, 0);
    fn_loading = 0;
    fn_pending = NULL;
    if (rc != 0) {
        size_t n = 0;
        const char *m = lua_istable(FL, -1) ? raw_string_field(FL, lua_gettop(FL), "err", &n)
                                            : lua_tolstring(FL, -1, &n);
        buf_printf(err, "ERR Error registering functions: %.*s", (int)n, m ? m : "");
        lua_settop(FL, eh - 1);
        library_free(lib);
        return NULL;
    }
    lua_settop(FL, eh - 1);
    if (lib->n == 0) {
        library_free(lib);
        buf_printf(err, "ERR No functions registered");
        return NULL;
    }
    return lib;
}

/* A function of lib whose name another library than old (the one lib
 * replaces, or NULL) already has: 0, or -1 with Redis's error. */
static int library_check_names(const Library *lib, const Library *old, Buf *err) {
    for (size_t i = 0; i < lib->n; i++) {
        DictEntry *e = function_entry(lib->fns[i]->name, strlen(lib->fns[i]->name), 0);
        if (e && ((Function *)e->val)->lib != old) {
            buf_printf(err, "ERR Function %s already exists", lib->fns[i]->name);
            return -1;
        }
    }
    return 0;
}

/* Installs lib in place of the library of its name, if any. */
static void library_install(Library *lib) {
    DictEntry *e = dict_find(libraries, lib->name, strlen(lib->name));
    if (e) {
        Library *old = e->val;
        library_unregister(old);
        library_free(old);
    }
    dict_add(libraries, lib->name, strlen(lib->name), lib);
    for (size_t i = 0; i < lib->n; i++) function_add(lib->fns[i]);
    functions_bytes += library_bytes(lib);
}

void function_load_command(Client *c) {
    int replace = 0;
    for (int i = 2; i < c->argc - 1; i++) {
        if (slice_eq_nocase(c->argv[i], "replace")) {
            replace = 1;
            continue;
        }
        reply_error(c, "ERR Unknown option given: %.*s",
                    (int)(c->argv[i].len > 128 ? 128 : c->argv[i].len), c->argv[i].p);
        return;
    }
    ensure_init();
    Slice code = c->argv[c->argc - 1];
    Buf err;
    buf_init(&err);
    Library *lib = library_build(code.p, code.len, replace, &err);
    if (!lib) {
        reply_buf_error(c, &err);
        return;
    }
    DictEntry *old_e = dict_find(libraries, lib->name, strlen(lib->name));
    if (library_check_names(lib, old_e ? old_e->val : NULL, &err) != 0) {
        library_free(lib);
        reply_buf_error(c, &err);
        return;
    }
    buf_free(&err);
    library_install(lib);
    reply_bulk(c, lib->name, strlen(lib->name));
    propagate_argv(c);
}

void function_delete_command(Client *c) {
    ensure_init();
    DictEntry *e = dict_find(libraries, c->argv[2].p, c->argv[2].len);
    if (!e) {
        reply_error(c, "ERR Library not found");
        return;
    }
    Library *lib = e->val;
    library_unregister(lib);
    library_free(lib);
    reply_ok(c);
    propagate_argv(c);
}

static void free_library_val(void *p) {
    library_free(p);
}

/* Forgets every library and starts the functions' Lua state afresh. */
void function_flush(void) {
    if (!FL) return;
    dict_clear(functions, NULL);
    dict_clear(libraries, free_library_val);
    functions_bytes = 0;
    lua_close(FL);
    FL = new_state(1);
}

int function_restore(const Slice *codes, size_t n, int policy, Buf *err) {
    ensure_init();
    Library **built = xcalloc(n ? n : 1, sizeof *built);
    size_t nb = 0;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        /* what the payload holds must load and not collide with itself */
        Library *lib = library_build(codes[i].p, codes[i].len, 1, err);
        if (!lib) goto out;
        built[nb++] = lib;
        for (size_t j = 0; j + 1 < nb; j++) {
            if (strcmp(built[j]->name, lib->name) == 0) {
                buf_printf(err, "ERR Library '%s' already exists", lib->name);
                goto out;
            }
            for (size_t a = 0; a < lib->n; a++)
                for (size_t b = 0; b < built[j]->n; b++)
                    if (strcasecmp(lib->fns[a]->name, built[j]->fns[b]->name) == 0) {
                        buf_printf(err, "ERR Function %s already exists", lib->fns[a]->name);
                        goto out;
                    }
        }
    }
    if (policy != FUNCTION_RESTORE_FLUSH) {
        for (size_t i = 0; i < nb; i++) {
            DictEntry *e = dict_find(libraries, built[i]->name, strlen(built[i]->name));
            if (e && policy == FUNCTION_RESTORE_APPEND) {
                buf_printf(err, "ERR Library %s already exists", built[i]->name);
                goto out;
            }
            if (library_check_names(built[i], e ? e->val : NULL, err) != 0) goto out;
        }
    } else {
        /* the libraries go, their Lua state stays (it holds the new ones) */
        dict_clear(functions, NULL);
        dict_clear(libraries, free_library_val);
        functions_bytes = 0;
    }
    for (size_t i = 0; i < nb; i++) library_install(built[i]);
    nb = 0;
    rc = 0;
out:
    for (size_t i = 0; i < nb; i++) library_free(built[i]);
    xfree(built);
    return rc;
}

void function_flush_command(Client *c) {
    ensure_init();
    function_flush();
    reply_ok(c);
    propagate_argv(c);
}

typedef struct ListCtx {
    Client *c;
    Slice pattern;
    int has_pattern, with_code;
    size_t n;
    Library **libs;
} ListCtx;

static void collect_library(void *priv, DictEntry *e) {
    ListCtx *x = priv;
    Library *lib = e->val;
    if (x->has_pattern &&
        !glob_match(x->pattern.p, x->pattern.len, lib->name, strlen(lib->name), 1))
        return;
    x->libs[x->n++] = lib;
}

void function_list_command(Client *c) {
    ListCtx x = {c, {NULL, 0}, 0, 0, 0, NULL};
    for (int i = 2; i < c->argc; i++) {
        if (!x.with_code && slice_eq_nocase(c->argv[i], "withcode")) {
            x.with_code = 1;
            continue;
        }
        if (!x.has_pattern && slice_eq_nocase(c->argv[i], "libraryname")) {
            if (i + 1 >= c->argc) {
                reply_error(c, "ERR library name argument was not given");
                return;
            }
            x.has_pattern = 1;
            x.pattern = c->argv[++i];
            continue;
        }
        reply_error(c, "ERR Unknown argument %.*s",
                    (int)(c->argv[i].len > 128 ? 128 : c->argv[i].len), c->argv[i].p);
        return;
    }
    ensure_init();
    x.libs = xmalloc((dict_size(libraries) + 1) * sizeof(Library *));
    dict_foreach(libraries, collect_library, &x);
    reply_array(c, x.n);
    for (size_t i = 0; i < x.n; i++) {
        Library *lib = x.libs[i];
        reply_map(c, x.with_code ? 4 : 3);
        reply_bulk_cstr(c, "library_name");
        reply_bulk_cstr(c, lib->name);
        reply_bulk_cstr(c, "engine");
        reply_bulk_cstr(c, "LUA");
        reply_bulk_cstr(c, "functions");
        reply_array(c, lib->n);
        for (size_t j = 0; j < lib->n; j++) {
            Function *f = lib->fns[j];
            reply_map(c, 3);
            reply_bulk_cstr(c, "name");
            reply_bulk_cstr(c, f->name);
            reply_bulk_cstr(c, "description");
            reply_bulk_cstr(c, f->desc); /* NULL: a null */
            reply_bulk_cstr(c, "flags");
            size_t nf = 0;
            for (size_t k = 0; k < sizeof fn_flag_names / sizeof fn_flag_names[0]; k++)
                nf += (f->flags & fn_flag_names[k].flag) != 0;
            reply_set(c, nf);
            for (size_t k = 0; k < sizeof fn_flag_names / sizeof fn_flag_names[0]; k++)
                if (f->flags & fn_flag_names[k].flag) reply_status(c, fn_flag_names[k].name);
        }
        if (x.with_code) {
            reply_bulk_cstr(c, "library_code");
            reply_bulk(c, lib->code, lib->len);
        }
    }
    xfree(x.libs);
}

void function_stats_command(Client *c) {
    if (run.active && !run.is_function && core.script_busy) {
        reply_error(c, "%s", SCRIPT_BUSY_ERROR); /* a script, not a function, is running */
        return;
    }
    ensure_init();
    reply_map(c, 2);
    reply_bulk_cstr(c, "running_script");
    if (run.active && run.is_function) {
        reply_map(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, run.sha);
        reply_bulk_cstr(c, "command");
        Client *caller = run.caller;
        reply_array(c, (size_t)caller->argc);
        for (int i = 0; i < caller->argc; i++) reply_bulk_slice(c, caller->argv[i]);
        reply_bulk_cstr(c, "duration_ms");
        reply_int(c, (real_us() - run.start_us) / 1000);
    } else {
        reply_null(c);
    }
    reply_bulk_cstr(c, "engines");
    reply_map(c, 1);
    reply_bulk_cstr(c, "LUA");
    reply_map(c, 2);
    reply_bulk_cstr(c, "libraries_count");
    reply_int(c, (long long)dict_size(libraries));
    reply_bulk_cstr(c, "functions_count");
    reply_int(c, (long long)dict_size(functions));
}

void function_call_command(Client *c, int readonly_cmd) {
    ensure_init();
    DictEntry *e = function_entry(c->argv[1].p, c->argv[1].len, 0);
    if (!e) {
        reply_error(c, "ERR Function not found");
        return;
    }
    Function *f = e->val;
    long long numkeys;
    if (num_parse_ll(c->argv[2].p, c->argv[2].len, &numkeys) != 0) {
        reply_error(c, "ERR Bad number of keys provided");
        return;
    }
    if (numkeys > c->argc - 3) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return;
    }
    if (check_declared_flags(c, f->flags, readonly_cmd) != 0) return;
    lua_pushcfunction(FL, error_handler);
    lua_rawgeti(FL, LUA_REGISTRYINDEX, f->ref);
    const Slice *v = c->argv + 3;
    lua_createtable(FL, (int)numkeys, 0);
    for (long long i = 0; i < numkeys; i++) {
        lua_pushlstring(FL, v[i].p, v[i].len);
        lua_rawseti(FL, -2, (int)i + 1);
    }
    long long nargs = c->argc - 3 - numkeys;
    lua_createtable(FL, (int)nargs, 0);
    for (long long i = 0; i < nargs; i++) {
        lua_pushlstring(FL, v[numkeys + i].p, v[numkeys + i].len);
        lua_rawseti(FL, -2, (int)i + 1);
    }
    run_and_reply(c, FL, 2, f->name, f->flags, readonly_cmd, 1);
}

int function_flags(Slice name, int *flags) {
    if (!functions) return -1;
    DictEntry *e = function_entry(name.p, name.len, 0);
    if (!e) return -1;
    *flags = ((Function *)e->val)->flags;
    return 0;
}

size_t function_count(void) {
    return functions ? dict_size(functions) : 0;
}

size_t function_library_count(void) {
    return libraries ? dict_size(libraries) : 0;
}

size_t function_lua_memory(void) {
    if (!FL) return 0;
    return (size_t)lua_gc(FL, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(FL, LUA_GCCOUNTB, 0);
}

size_t function_memory(void) {
    return functions_bytes;
}

static void add_library_size(void *priv, DictEntry *e) {
    const Library *lib = e->val;
    size_t n = xsize(lib) + xsize(lib->name) + xsize(lib->code) + xsize(lib->fns);
    for (size_t i = 0; i < lib->n; i++)
        n += xsize(lib->fns[i]) + xsize(lib->fns[i]->name) + xsize(lib->fns[i]->desc);
    *(size_t *)priv += n;
}

size_t function_alloc_bytes(void) {
    if (!libraries) return 0;
    size_t n = dict_memory(libraries) + dict_memory(functions);
    dict_foreach(libraries, add_library_size, &n);
    return n;
}

typedef struct EmitCtx {
    void (*emit)(void *priv, int argc, const Slice *argv);
    void *priv;
} EmitCtx;

static void emit_library(void *priv, DictEntry *e) {
    EmitCtx *x = priv;
    Library *lib = e->val;
    Slice argv[3] = {slice_of("FUNCTION", 8), slice_of("LOAD", 4), slice_of(lib->code, lib->len)};
    x->emit(x->priv, 3, argv);
}

void function_records(void (*emit)(void *priv, int argc, const Slice *argv), void *priv) {
    if (!libraries) return;
    EmitCtx x = {emit, priv};
    dict_foreach(libraries, emit_library, &x);
}

/* The client whose script or function is running, or NULL (ACL LOG shows
 * the caller for a refusal inside a script). */
ClientFull *script_caller_client(void) {
    return run.active && run.caller ? CF(run.caller) : NULL;
}
