/*
 * lua_cmsgpack.c - the `cmsgpack` library of Redis scripts: MessagePack
 * encoding of Lua values and decoding back. streamd's own code, written to
 * produce the bytes, values and errors redis-server 7.0's library produces.
 *
 *   cmsgpack.pack(v1, ...)            the encodings of each argument, joined
 *   cmsgpack.unpack(s)                every value in s
 *   cmsgpack.unpack_one(s [, off])    next offset, then one value
 *   cmsgpack.unpack_limit(s, n [, off])  next offset, then up to n values
 *
 * Offsets are 0-based byte positions; the next offset is -1 once s is used
 * up. A limit of 0 at offset 0 means no limit, and then (as for unpack) no
 * offset comes back; at another offset it decodes nothing (7.0's rule).
 *
 * Encoding (the smallest form that holds the value, as 7.0 chooses it):
 *
 *   nil c0, false c2, true c3; functions, threads and userdata as nil
 *   number that an int64 holds exactly (so not 2^63, not -0.0's sign):
 *       0..127 fixint, then cc (8), cd (16), ce (32), cf (64) unsigned;
 *       -32..-1 fixint, then d0 (8), d1 (16), d2 (32), d3 (64) signed
 *   other numbers: ca float32 when the float holds it exactly (infinities
 *       included), else cb float64 (NaN included)
 *   string: a0|len below 32, d9 (len 8 bits), da (16), db (32)
 *   table whose keys are exactly the numbers 1..n: array 90|n up to 15,
 *       dc (16), dd (32), elements 1..n in order; any other table: map
 *       80|n, de, df, pairs in lua_next order; tables nested deeper than
 *       16 levels (keys count) are written as nil
 *
 * Decoding takes every type above (uint64 read as a signed 64-bit value, as
 * 7.0 does); bin, ext and c1 are "Bad data format in input.", and input that
 * ends inside a value is "Missing bytes in input.". The first problem raises
 * the error; nothing decoded so far is returned.
 *
 * Memory: pack grows its output in Lua userdata (one stack slot, replaced
 * when it grows), so an error anywhere (a Lua error longjmps) leaves nothing
 * to free; luaL_Buffer does not fit because the table walk keeps keys and
 * values on the stack between additions. Decoding allocates only Lua
 * values. The Lua stack is checked where 7.0 checks it, with its messages,
 * so the limits (about 8000 values, 4000 nested arrays, 4000 arguments to
 * pack) and their errors are the same.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "server/lua_libs.h"

#define MSGPACK_MAX_NESTING 16
#define MSGPACK_MSG_STACK   "too many return values at once; use unpack_one or unpack_limit instead."

/* ---- encoding -------------------------------------------------------------- */

typedef struct PackBuf {
    lua_State *L;
    int slot; /* stack index of the userdata that holds the bytes */
    unsigned char *p;
    size_t len, cap;
} PackBuf;

static void pb_reserve(PackBuf *b, size_t n) {
    if (b->cap - b->len >= n) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) luaL_error(b->L, "MessagePack output too large");
        cap *= 2;
    }
    unsigned char *p = lua_newuserdata(b->L, cap);
    if (b->len > 0) memcpy(p, b->p, b->len);
    lua_replace(b->L, b->slot); /* the old block is garbage now */
    b->p = p;
    b->cap = cap;
}

static void pb_add(PackBuf *b, const void *p, size_t n) {
    pb_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* A type byte followed by v's low n bytes, most significant first. */
static void pb_add_be(PackBuf *b, unsigned char type, uint64_t v, int n) {
    unsigned char tmp[9];
    tmp[0] = type;
    for (int i = 0; i < n; i++) tmp[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    pb_add(b, tmp, (size_t)n + 1);
}

/* A header for a string, array or map of len items: the fix form (up to
 * fix_max, type fix_base|len) or the 8-bit (if t8, else skipped), 16-bit or
 * 32-bit form. */
static void pb_add_header(PackBuf *b, size_t len, unsigned char fix_base, size_t fix_max,
                          unsigned char t8, unsigned char t16, unsigned char t32) {
    if (len <= fix_max) {
        unsigned char c = (unsigned char)(fix_base | len);
        pb_add(b, &c, 1);
    } else if (t8 && len <= 0xff) {
        pb_add_be(b, t8, len, 1);
    } else if (len <= 0xffff) {
        pb_add_be(b, t16, len, 2);
    } else {
        pb_add_be(b, t32, len, 4); /* a Lua string or table never reaches 2^32 here */
    }
}

static void pack_integer(PackBuf *b, int64_t v) {
    if (v >= 0) {
        uint64_t u = (uint64_t)v;
        if (u <= 127) {
            unsigned char c = (unsigned char)u;
            pb_add(b, &c, 1);
        } else if (u <= 0xff) {
            pb_add_be(b, 0xcc, u, 1);
        } else if (u <= 0xffff) {
            pb_add_be(b, 0xcd, u, 2);
        } else if (u <= 0xffffffffu) {
            pb_add_be(b, 0xce, u, 4);
        } else {
            pb_add_be(b, 0xcf, u, 8);
        }
    } else {
        uint64_t u = (uint64_t)v; /* two's complement: the low bytes are the encoding */
        if (v >= -32) {
            unsigned char c = (unsigned char)u;
            pb_add(b, &c, 1);
        } else if (v >= -128) {
            pb_add_be(b, 0xd0, u, 1);
        } else if (v >= -32768) {
            pb_add_be(b, 0xd1, u, 2);
        } else if (v >= -2147483648LL) {
            pb_add_be(b, 0xd2, u, 4);
        } else {
            pb_add_be(b, 0xd3, u, 8);
        }
    }
}

static void pack_number(PackBuf *b, lua_Number n) {
    /* An integer when an int64 holds it exactly; the range test is the one
     * x86-64's conversion implies (2^63 does not come back as itself). */
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
        pack_integer(b, (int64_t)n);
        return;
    }
    float f = (float)n; /* out of range gives an infinity (IEC 60559, Annex F) */
    if ((lua_Number)f == n) {
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        pb_add_be(b, 0xca, u, 4);
    } else {
        uint64_t u;
        memcpy(&u, &n, sizeof u);
        pb_add_be(b, 0xcb, u, 8);
    }
}

/* The n of a table whose keys are exactly the numbers 1..n, or -1. */
static long long array_length(lua_State *L, int idx) {
    lua_Number max = 0;
    long long count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1); /* the value */
        lua_Number k;
        if (lua_type(L, -1) != LUA_TNUMBER || (k = lua_tonumber(L, -1)) < 1 || floor(k) != k) {
            lua_pop(L, 1);
            return -1;
        }
        if (k > max) max = k;
        count++;
    }
    return (lua_Number)count == max ? count : -1;
}

static void pack_value(lua_State *L, PackBuf *b, int idx, int level);

static void pack_table(lua_State *L, PackBuf *b, int idx, int level) {
    luaL_checkstack(L, 3, "MessagePack pack: table too deep");
    long long n = array_length(L, idx);
    if (n >= 0) {
        pb_add_header(b, (size_t)n, 0x90, 15, 0, 0xdc, 0xdd);
        for (long long i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (int)i);
            pack_value(L, b, lua_gettop(L), level + 1);
            lua_pop(L, 1);
        }
        return;
    }
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        pairs++;
    }
    pb_add_header(b, pairs, 0x80, 15, 0, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int top = lua_gettop(L);
        pack_value(L, b, top - 1, level + 1); /* the key: never converted in place */
        pack_value(L, b, top, level + 1);
        lua_pop(L, 1);
    }
}

static void pack_value(lua_State *L, PackBuf *b, int idx, int level) {
    static const unsigned char nil = 0xc0, no = 0xc2, yes = 0xc3;
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        pb_add(b, lua_toboolean(L, idx) ? &yes : &no, 1);
        break;
    case LUA_TNUMBER:
        pack_number(b, lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        pb_add_header(b, len, 0xa0, 31, 0xd9, 0xda, 0xdb);
        pb_add(b, s, len);
        break;
    }
    case LUA_TTABLE:
        if (level <= MSGPACK_MAX_NESTING)
            pack_table(L, b, idx, level);
        else
            pb_add(b, &nil, 1); /* too deep */
        break;
    default:
        pb_add(b, &nil, 1);
    }
}

/* cmsgpack.pack(v1, ...) -> string */
static int mp_pack(lua_State *L) {
    int n_args = lua_gettop(L);
    if (n_args == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, n_args))
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    PackBuf b = {L, n_args + 1, NULL, 0, 0};
    lua_pushnil(L); /* b.slot */
    for (int i = 1; i <= n_args; i++) pack_value(L, &b, i, 1);
    lua_pushlstring(L, (const char *)b.p, b.len);
    return 1;
}

/* ---- decoding -------------------------------------------------------------- */

typedef struct Cursor {
    const unsigned char *p;
    size_t len, pos;
} Cursor;

/* The next n bytes, consumed; raises when the input ends before them. */
static const unsigned char *take(lua_State *L, Cursor *c, size_t n) {
    if (c->len - c->pos < n) luaL_error(L, "Missing bytes in input.");
    const unsigned char *p = c->p + c->pos;
    c->pos += n;
    return p;
}

static uint64_t take_be(lua_State *L, Cursor *c, int n) {
    const unsigned char *p = take(L, c, (size_t)n);
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static void push_signed(lua_State *L, uint64_t v, int bytes) {
    if (bytes < 8) {
        uint64_t sign = UINT64_C(1) << (bytes * 8 - 1);
        v = (v ^ sign) - sign;
    }
    int64_t s;
    memcpy(&s, &v, sizeof s);
    lua_pushnumber(L, (lua_Number)s);
}

static void decode_value(lua_State *L, Cursor *c);

static void decode_string(lua_State *L, Cursor *c, size_t len) {
    const unsigned char *p = take(L, c, len);
    lua_pushlstring(L, (const char *)p, len);
}

static void decode_array(lua_State *L, Cursor *c, size_t n) {
    luaL_checkstack(L, 2, "in function mp_decode_to_lua_array");
    lua_newtable(L);
    for (size_t i = 1; i <= n; i++) {
        lua_pushnumber(L, (lua_Number)i);
        decode_value(L, c);
        lua_settable(L, -3);
    }
}

static void decode_map(lua_State *L, Cursor *c, size_t n) {
    lua_newtable(L);
    for (size_t i = 0; i < n; i++) {
        decode_value(L, c); /* key */
        decode_value(L, c);
        lua_settable(L, -3); /* raises on a nil or NaN key, as 7.0 does */
    }
}

/* Decodes one value at the cursor and pushes it. */
static void decode_value(lua_State *L, Cursor *c) {
    luaL_checkstack(L, 1, MSGPACK_MSG_STACK);
    unsigned char t = *take(L, c, 1);
    if (t <= 0x7f) {
        lua_pushnumber(L, (lua_Number)t);
    } else if (t >= 0xe0) {
        lua_pushnumber(L, (lua_Number)((int)t - 256));
    } else if (t <= 0x8f) {
        decode_map(L, c, t & 0x0f);
    } else if (t <= 0x9f) {
        decode_array(L, c, t & 0x0f);
    } else if (t <= 0xbf) {
        decode_string(L, c, t & 0x1f);
    } else {
        switch (t) {
        case 0xc0:
            lua_pushnil(L);
            break;
        case 0xc2:
            lua_pushboolean(L, 0);
            break;
        case 0xc3:
            lua_pushboolean(L, 1);
            break;
        case 0xca: {
            uint32_t u = (uint32_t)take_be(L, c, 4);
            float f;
            memcpy(&f, &u, sizeof f);
            lua_pushnumber(L, (lua_Number)f);
            break;
        }
        case 0xcb: {
            uint64_t u = take_be(L, c, 8);
            double d;
            memcpy(&d, &u, sizeof d);
            lua_pushnumber(L, (lua_Number)d);
            break;
        }
        case 0xcc:
            lua_pushnumber(L, (lua_Number)take_be(L, c, 1));
            break;
        case 0xcd:
            lua_pushnumber(L, (lua_Number)take_be(L, c, 2));
            break;
        case 0xce:
            lua_pushnumber(L, (lua_Number)take_be(L, c, 4));
            break;
        case 0xcf: /* read as signed: 2^64-1 is -1, as in 7.0 */
            push_signed(L, take_be(L, c, 8), 8);
            break;
        case 0xd0:
            push_signed(L, take_be(L, c, 1), 1);
            break;
        case 0xd1:
            push_signed(L, take_be(L, c, 2), 2);
            break;
        case 0xd2:
            push_signed(L, take_be(L, c, 4), 4);
            break;
        case 0xd3:
            push_signed(L, take_be(L, c, 8), 8);
            break;
        case 0xd9:
            decode_string(L, c, (size_t)take_be(L, c, 1));
            break;
        case 0xda:
            decode_string(L, c, (size_t)take_be(L, c, 2));
            break;
        case 0xdb:
            decode_string(L, c, (size_t)take_be(L, c, 4));
            break;
        case 0xdc:
            decode_array(L, c, (size_t)take_be(L, c, 2));
            break;
        case 0xdd:
            decode_array(L, c, (size_t)take_be(L, c, 4));
            break;
        case 0xde:
            decode_map(L, c, (size_t)take_be(L, c, 2));
            break;
        case 0xdf:
            decode_map(L, c, (size_t)take_be(L, c, 4));
            break;
        default: /* c1, bin, ext, fixext */
            luaL_error(L, "Bad data format in input.");
        }
    }
}

/* The low 32 bits as an int: what 7.0 prints of its 64-bit offsets. */
static int low_int(long long v) {
    uint32_t u = (uint32_t)(unsigned long long)v;
    int32_t s;
    memcpy(&s, &u, sizeof s);
    return s;
}

/* Decodes up to limit values (0: all) of the string at index 1 from byte
 * offset; with a limit, the next offset (-1 at the end) comes first. */
static int unpack_values(lua_State *L, long long limit, long long offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (offset < 0 || limit < 0)
        luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                   low_int(offset), low_int((long long)len));
    if ((unsigned long long)offset > len)
        luaL_error(L, "Start offset %d greater than input length %d.", low_int(offset),
                   low_int((long long)len));
    lua_settop(L, 1); /* the input stays referenced; results go above it */
    /* 7.0 decodes everything only when neither a limit nor an offset is
     * given: unpack_limit(s, 0, off) with off > 0 decodes nothing and
     * returns the offset. */
    int is_all = limit == 0 && offset == 0;
    Cursor c = {(const unsigned char *)s, len, (size_t)offset};
    long long n = 0;
    while (c.pos < c.len && (is_all || n < limit)) {
        decode_value(L, &c);
        n++;
    }
    if (is_all) return (int)n;
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushnumber(L, c.pos < c.len ? (lua_Number)c.pos : -1);
    lua_insert(L, 2);
    return (int)n + 1;
}

/* cmsgpack.unpack(s) -> values... */
static int mp_unpack(lua_State *L) {
    return unpack_values(L, 0, 0);
}

/* cmsgpack.unpack_one(s [, offset]) -> next offset, value */
static int mp_unpack_one(lua_State *L) {
    long long offset = (long long)luaL_optinteger(L, 2, 0);
    return unpack_values(L, 1, offset);
}

/* cmsgpack.unpack_limit(s, limit [, offset]) -> next offset, values... */
static int mp_unpack_limit(lua_State *L) {
    long long limit = (long long)luaL_checkinteger(L, 2);
    long long offset = (long long)luaL_optinteger(L, 3, 0);
    return unpack_values(L, limit, offset);
}

static const luaL_Reg cmsgpack_functions[] = {
    {"pack", mp_pack},
    {"unpack", mp_unpack},
    {"unpack_one", mp_unpack_one},
    {"unpack_limit", mp_unpack_limit},
    {NULL, NULL},
};

/* Registers the global `cmsgpack` table; returns it on the stack. */
int luaopen_cmsgpack(lua_State *L) {
    luaL_register(L, "cmsgpack", cmsgpack_functions);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0"); /* the version whose behaviour this follows */
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    lua_pushliteral(L, "streamd's implementation, compatible with lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_COPYRIGHT");
    return 1;
}
