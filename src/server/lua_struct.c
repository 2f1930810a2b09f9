/*
 * lua_struct.c - the `struct` library of Redis scripts: struct.pack(fmt, ...)
 * builds a binary string from values, struct.unpack(fmt, s [, pos]) reads
 * them back (then the position after the last byte read), struct.size(fmt)
 * is the length of a fixed-size format. streamd's own code, written to give
 * what redis-server 7.0's bundled library gives, errors included.
 *
 * The format is a sequence of one-letter options; spaces are ignored.
 *
 *   <  >        little / big endian from here on (little is the default)
 *   ![n]        align from here on to at most n bytes (a power of two;
 *               without n: the platform's, 8); the default is 1 (packed)
 *   x           one zero byte (pack) / skip one byte (unpack)
 *   b B         signed / unsigned char        h H   short (2)
 *   l L         long (8)                      T     size_t (8)
 *   i[n] I[n]   int of n bytes (default 4, at most 32)
 *   f d         float (4) / double (8), in the chosen byte order
 *   s           zero-terminated string
 *   c[n]        n bytes (default 1); c0: pack takes the whole string,
 *               unpack the length read by the option before it
 *
 * Integers travel through 64 bits: pack converts the Lua number as x86-64
 * code converts a double (through a signed conversion when negative, an
 * unsigned one otherwise, 0x8000000000000000 for what does not fit) and
 * writes its low bytes, zeros past the eighth; unpack takes the last eight
 * bytes read and sign-extends shorter signed integers. An item of size k is
 * aligned to min(k, n) with the mask arithmetic of a power of two, which is
 * what 7.0 does for odd sizes too (an i3 after one byte starts at 3).
 *
 * The quirks a script can observe are kept on purpose: pack pushes a nil
 * between its arguments and its luaL_Buffer, so a missing argument is "got
 * nil" (the mark) or "got no value"; "string too short" names the argument
 * after the string; unpack checks for room for two more results before each
 * option ("too many results"); size() ignores letters it does not know.
 * Every size from the format is checked against INT_MAX while it is read and
 * every read against the data's length, in an order that cannot overflow.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "server/lua_libs.h"

#define STRUCT_MAX_INT_SIZE 32

typedef struct Layout {
    int is_little;
    size_t max_align;
} Layout;

struct align_probe {
    char c;
    double d;
};
#define STRUCT_NATIVE_ALIGN offsetof(struct align_probe, d)

static int is_digit(int c) {
    return c >= '0' && c <= '9';
}

static int is_alnum(int c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The number at *fmt (advancing past it), or dflt when there is none. */
static int read_number(lua_State *L, const char **fmt, int dflt) {
    if (!is_digit(**fmt)) return dflt;
    int v = 0;
    do {
        int d = *(*fmt)++ - '0';
        if (v > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
        v = v * 10 + d;
    } while (is_digit(**fmt));
    return v;
}

/* The size in bytes of option opt, reading its number if it takes one; 0
 * for the options without a size of their own ('s', controls, unknown). */
static size_t option_size(lua_State *L, int opt, const char **fmt) {
    switch (opt) {
    case 'b':
    case 'B':
        return sizeof(char);
    case 'h':
    case 'H':
        return sizeof(short);
    case 'l':
    case 'L':
        return sizeof(long);
    case 'T':
        return sizeof(size_t);
    case 'f':
        return sizeof(float);
    case 'd':
        return sizeof(double);
    case 'x':
        return 1;
    case 'c':
        return (size_t)read_number(L, fmt, 1);
    case 'i':
    case 'I': {
        int n = read_number(L, fmt, (int)sizeof(int));
        if (n > STRUCT_MAX_INT_SIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", n, STRUCT_MAX_INT_SIZE);
        return (size_t)n;
    }
    default:
        return 0;
    }
}

/* Padding that brings pos to the alignment of an item of this size. */
static size_t padding(size_t pos, const Layout *lay, int opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > lay->max_align) size = lay->max_align;
    return (size - (pos & (size - 1))) & (size - 1);
}

/* The options that change the layout; anything else is an error. */
static void control_option(lua_State *L, int opt, const char **fmt, Layout *lay) {
    switch (opt) {
    case ' ':
        return;
    case '>':
        lay->is_little = 0;
        return;
    case '<':
        lay->is_little = 1;
        return;
    case '!': {
        int a = read_number(L, fmt, (int)STRUCT_NATIVE_ALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        lay->max_align = (size_t)a;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

/* x86-64's double to int64 conversion: 0x8000000000000000 (INT64_MIN) for
 * NaN and whatever is out of range, truncation otherwise. */
static int64_t conv_i64(double x) {
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return (int64_t)x;
    return INT64_MIN;
}

/* x86-64's double to uint64 conversion as gcc emits it: values from 2^63 up
 * go through x - 2^63 and get the top bit flipped back. */
static uint64_t conv_u64(double x) {
    if (!(x >= 9223372036854775808.0)) return (uint64_t)conv_i64(x);
    return (uint64_t)conv_i64(x - 9223372036854775808.0) ^ (UINT64_C(1) << 63);
}

static void put_bytes(luaL_Buffer *b, const unsigned char *p, size_t n, int reverse) {
    for (size_t i = 0; i < n; i++) luaL_addchar(b, (char)p[reverse ? n - 1 - i : i]);
}

static int native_is_little(void) {
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

static void put_integer(lua_State *L, luaL_Buffer *b, int arg, const Layout *lay, size_t size) {
    lua_Number n = luaL_checknumber(L, arg);
    uint64_t v = n < 0 ? (uint64_t)conv_i64(n) : conv_u64(n);
    unsigned char bytes[STRUCT_MAX_INT_SIZE]; /* least significant first */
    for (size_t i = 0; i < size; i++) bytes[i] = i < 8 ? (unsigned char)(v >> (8 * i)) : 0;
    put_bytes(b, bytes, size, !lay->is_little);
}

static void push_integer(lua_State *L, const unsigned char *p, const Layout *lay, size_t size,
                         int is_signed) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) v = (v << 8) | p[lay->is_little ? size - 1 - i : i];
    if (is_signed) {
        if (size > 0 && size < 8) {
            uint64_t sign = UINT64_C(1) << (size * 8 - 1);
            v = (v ^ sign) - sign;
        }
        int64_t s;
        memcpy(&s, &v, sizeof s);
        lua_pushnumber(L, (lua_Number)s);
    } else {
        lua_pushnumber(L, (lua_Number)v);
    }
}

/* struct.pack(fmt, ...) -> string */
static int struct_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    Layout lay = {native_is_little(), 1};
    int arg = 1;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* keeps the buffer's pieces apart from the arguments */
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = option_size(L, opt, &fmt);
        size_t pad = padding(total, &lay, opt, size);
        total += pad;
        while (pad-- > 0) luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I':
            put_integer(L, &b, ++arg, &lay, size);
            break;
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            /* out of float's range gives an infinity (IEC 60559, Annex F) */
            float f = (float)luaL_checknumber(L, ++arg);
            unsigned char bytes[sizeof f];
            memcpy(bytes, &f, sizeof f);
            put_bytes(&b, bytes, sizeof f, lay.is_little != native_is_little());
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, ++arg);
            unsigned char bytes[sizeof d];
            memcpy(bytes, &d, sizeof d);
            put_bytes(&b, bytes, sizeof d, lay.is_little != native_is_little());
            break;
        }
        case 'c':
        case 's': {
            size_t len;
            const char *s = luaL_checklstring(L, ++arg, &len);
            if (size == 0) size = len;
            luaL_argcheck(L, len >= size, arg + 1, "string too short");
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default:
            control_option(L, opt, &fmt, &lay);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

/* struct.unpack(fmt, data [, pos]) -> values..., next position */
static int struct_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t data_len;
    const char *data = luaL_checklstring(L, 2, &data_len);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1);
    Layout lay = {native_is_little(), 1};
    int n_results = 0;
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    while (*fmt) {
        luaL_checkstack(L, 2, "too many results");
        int opt = *fmt++;
        size_t size = option_size(L, opt, &fmt);
        pos += padding(pos, &lay, opt, size);
        luaL_argcheck(L, size <= data_len && pos <= data_len - size, 2, "data string too short");
        const unsigned char *p = (const unsigned char *)data + pos;
        switch (opt) {
        case 'b':
        case 'h':
        case 'l':
        case 'i':
            push_integer(L, p, &lay, size, 1);
            n_results++;
            break;
        case 'B':
        case 'H':
        case 'L':
        case 'T':
        case 'I':
            push_integer(L, p, &lay, size, 0);
            n_results++;
            break;
        case 'x':
            break;
        case 'f':
        case 'd': {
            unsigned char bytes[sizeof(double)];
            int reverse = lay.is_little != native_is_little();
            for (size_t i = 0; i < size; i++) bytes[i] = p[reverse ? size - 1 - i : i];
            if (opt == 'f') {
                float f;
                memcpy(&f, bytes, sizeof f);
                lua_pushnumber(L, (lua_Number)f);
            } else {
                double d;
                memcpy(&d, bytes, sizeof d);
                lua_pushnumber(L, (lua_Number)d);
            }
            n_results++;
            break;
        }
        case 'c':
            if (size == 0) { /* the length is the value read just before */
                if (n_results == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                size = (size_t)conv_u64(lua_tonumber(L, -1));
                lua_pop(L, 1);
                n_results--;
                luaL_argcheck(L, size <= data_len && pos <= data_len - size, 2,
                              "data string too short");
            }
            lua_pushlstring(L, (const char *)p, size);
            n_results++;
            break;
        case 's': {
            const char *end = memchr(p, '\0', data_len - pos);
            if (end == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(end - (const char *)p) + 1;
            lua_pushlstring(L, (const char *)p, size - 1);
            n_results++;
            break;
        }
        default:
            control_option(L, opt, &fmt, &lay);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)(pos + 1));
    return n_results + 1;
}

/* struct.size(fmt) -> the byte length of a format without 's' or 'c0' */
static int struct_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    Layout lay = {native_is_little(), 1};
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = option_size(L, opt, &fmt);
        pos += padding(pos, &lay, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!is_alnum(opt)) control_option(L, opt, &fmt, &lay);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

static const luaL_Reg struct_functions[] = {
    {"pack", struct_pack},
    {"unpack", struct_unpack},
    {"size", struct_size},
    {NULL, NULL},
};

/* Registers the global `struct` table; returns it on the stack. */
int luaopen_struct(lua_State *L) {
    luaL_register(L, "struct", struct_functions);
    return 1;
}
