/*
 * lua_libs.h - the two libraries Redis 7.0 gives scripts that Debian does not
 * package for Lua 5.1: struct (binary packing of C-like records) and cmsgpack
 * (MessagePack). Both are streamd's own code, written from the libraries'
 * documented behaviour and from what redis-server 7.0 does: the same results,
 * the same bytes and the same error texts a script can see.
 *
 * Each opener registers its global table (luaL_register, as a Lua 5.1 C
 * module does) and leaves it on the stack. The scripting engine calls them
 * when it creates a Lua state, next to cjson and bit.
 */
#ifndef STREAMD_LUA_LIBS_H
#define STREAMD_LUA_LIBS_H

#include <lua.h>

/* Registers the global table `struct` (pack, unpack, size); returns 1. */
int luaopen_struct(lua_State *L);

/* Registers the global table `cmsgpack` (pack, unpack, unpack_one,
 * unpack_limit); returns 1. */
int luaopen_cmsgpack(lua_State *L);

#endif
