/*
 * ldb.c - the Lua debugger: sessions, the line hook, the debugger's commands
 * and how it shows values and replies (see ldb.h).
 *
 * Everything the client sees is Redis's: the wording of every line, the
 * "<redis>", "<reply>", "<value>", "<debug>", "<error>", "<hint>" prefixes,
 * the listing's "->#" markers, a reply shown as a human-readable form of its
 * RESP, strings quoted and escaped, replies and dumps cut at maxlen (256 by
 * default) with the hint given once. One session runs at a time: a SYNC one
 * holds the server, a forked one is alone in its child.
 */
#include "server/ldb.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/num.h"
#include "net/tls.h"
#include "server/core.h"

#define LDB_BREAKPOINTS_MAX 64
#define LDB_MAXLEN_DEFAULT  256
#define LDB_MAX_DEPTH       (LUA_MINSTACK / 2)
#define LDB_CBUF_MAX        (1 << 20)

enum { LDB_FLAG_ON = 1u << 30, LDB_FLAG_SYNC = 1u << 31 };

static struct {
    int active;          /* a session is running */
    int forked;          /* in the child of a forked session */
    int fd;              /* the debugging client's socket */
    struct TlsConn *tls; /* its TLS state, for a client of tls-port */
    int step;            /* stop at the next line */
    int luabp;           /* redis.breakpoint() asked to stop at the next line */
    int bp[LDB_BREAKPOINTS_MAX];
    int bpcount;
    char **lines; /* the script's source, split at newlines */
    int nlines;
    int currentline;
    size_t maxlen;
    int maxlen_hint_sent;
    Buf cbuf;      /* the client's unread command bytes */
    Buf *logs;     /* lines not yet sent */
    size_t n_logs; /* entries in logs */
    size_t cap_logs;
    int64_t clock_us; /* when the script last resumed (the timeout's base) */
} ldb;

/* Children of forked sessions, reaped in the cron and killed at shutdown. */
static pid_t *children;
static size_t n_children, cap_children;

/* ---- client modes --------------------------------------------------------- */

void ldb_set_mode(Client *c, int mode) {
    c->flags &= ~(uint32_t)(LDB_FLAG_ON | LDB_FLAG_SYNC);
    if (mode == 0) return;
    c->flags |= LDB_FLAG_ON | (mode == 2 ? LDB_FLAG_SYNC : 0);
    /* a new mode starts from a clean debugger, as SCRIPT DEBUG does in Redis */
    ldb.step = 1;
    ldb.bpcount = 0;
    ldb.luabp = 0;
    buf_clear(&ldb.cbuf);
    ldb.maxlen = LDB_MAXLEN_DEFAULT;
    ldb.maxlen_hint_sent = 0;
    for (size_t i = 0; i < ldb.n_logs; i++) buf_free(&ldb.logs[i]);
    ldb.n_logs = 0;
}

int ldb_wanted(const Client *c) {
    return (c->flags & LDB_FLAG_ON) != 0;
}

int ldb_active(void) {
    return ldb.active;
}

int ldb_logging(void) {
    return ldb.active && ldb.step;
}

/* ---- the log ---------------------------------------------------------------- */

static Buf *log_new(void) {
    if (ldb.n_logs == ldb.cap_logs) {
        ldb.cap_logs = ldb.cap_logs ? ldb.cap_logs * 2 : 16;
        ldb.logs = xrealloc(ldb.logs, ldb.cap_logs * sizeof *ldb.logs);
    }
    Buf *b = &ldb.logs[ldb.n_logs++];
    buf_init(b);
    return b;
}

static void log_cstr(const char *s) {
    buf_append_cstr(log_new(), s);
}

static void log_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_fmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(log_new(), fmt, ap);
    va_end(ap);
}

/* The last entry cut at maxlen (with " ..."), and the hint the first time. */
static void log_trim_last(void) {
    Buf *b = &ldb.logs[ldb.n_logs - 1];
    if (!ldb.maxlen || b->len <= ldb.maxlen) return;
    b->len = ldb.maxlen;
    buf_append_cstr(b, " ...");
    if (!ldb.maxlen_hint_sent) {
        ldb.maxlen_hint_sent = 1;
        log_cstr("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
    }
}

static void write_all(const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = ldb.tls ? tls_conn_write(ldb.tls, p, len) : write(ldb.fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* the next read sees the broken connection */
        p += n;
        len -= (size_t)n;
    }
}

/* Sends the pending lines as one array of status replies; newlines inside a
 * line become spaces. */
static void send_logs(void) {
    Buf out;
    buf_init(&out);
    buf_printf(&out, "*%zu\r\n", ldb.n_logs);
    for (size_t i = 0; i < ldb.n_logs; i++) {
        Buf *b = &ldb.logs[i];
        for (size_t j = 0; j < b->len; j++)
            if (b->p[j] == '\r' || b->p[j] == '\n') b->p[j] = ' ';
        buf_append_char(&out, '+');
        buf_append(&out, b->p, b->len);
        buf_append_cstr(&out, "\r\n");
        buf_free(b);
    }
    ldb.n_logs = 0;
    write_all(out.p, out.len);
    buf_free(&out);
}

/* ---- the source --------------------------------------------------------------- */

static void free_source(void) {
    for (int i = 0; i < ldb.nlines; i++) xfree(ldb.lines[i]);
    xfree(ldb.lines);
    ldb.lines = NULL;
    ldb.nlines = 0;
}

static void split_source(const char *p, size_t len) {
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r')) len--;
    free_source();
    if (len == 0) return;
    int cap = 16;
    ldb.lines = xmalloc(sizeof(char *) * (size_t)cap);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '\n') continue;
        if (ldb.nlines == cap) {
            cap *= 2;
            ldb.lines = xrealloc(ldb.lines, sizeof(char *) * (size_t)cap);
        }
        char *line = xmalloc(i - start + 1);
        memcpy(line, p + start, i - start);
        line[i - start] = '\0';
        ldb.lines[ldb.nlines++] = line;
        start = i + 1;
    }
}

static const char *source_line(int n) {
    if (n < 1 || n > ldb.nlines) return "<out of range source code line>";
    return ldb.lines[n - 1];
}

static int is_breakpoint(int line) {
    for (int i = 0; i < ldb.bpcount; i++)
        if (ldb.bp[i] == line) return 1;
    return 0;
}

static void log_source_line(int n) {
    int bp = is_breakpoint(n), cur = n == ldb.currentline;
    const char *prefix = cur && bp ? "->#" : cur ? "-> " : bp ? "  #" : "   ";
    log_fmt("%s%-3d %s", prefix, n, source_line(n));
}

static void list_source(int around, int context) {
    for (int j = 1; j <= ldb.nlines; j++) {
        if (around != 0 && abs(around - j) > context) continue;
        log_source_line(j);
    }
}

/* ---- values ------------------------------------------------------------------- */

/* Appends a readable form of the value at idx (a negative index) to b. */
static void cat_value(Buf *b, lua_State *l, int idx, int level) {
    if (level++ == LDB_MAX_DEPTH) {
        buf_append_cstr(b, "<max recursion level reached! Nested table?>");
        return;
    }
    int t = lua_type(l, idx);
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(l, idx, &len);
        buf_append_repr(b, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        buf_append_cstr(b, lua_toboolean(l, idx) ? "true" : "false");
        break;
    case LUA_TNUMBER:
        buf_printf(b, "%g", (double)lua_tonumber(l, idx));
        break;
    case LUA_TNIL:
        buf_append_cstr(b, "nil");
        break;
    case LUA_TTABLE: {
        /* both forms are built; the array one is used if every key was
         * 1, 2, 3, ... in the order next() gave them */
        Buf arr, map;
        buf_init(&arr);
        buf_init(&map);
        int expected = 1, is_array = 1;
        if (!lua_checkstack(l, 3)) {
            buf_append_cstr(b, "<max recursion level reached! Nested table?>");
            return;
        }
        lua_pushnil(l);
        while (lua_next(l, idx - 1)) {
            if (is_array &&
                (lua_type(l, -2) != LUA_TNUMBER || lua_tonumber(l, -2) != (lua_Number)expected))
                is_array = 0;
            cat_value(&arr, l, -1, level);
            buf_append_cstr(&arr, "; ");
            buf_append_char(&map, '[');
            cat_value(&map, l, -2, level);
            buf_append_cstr(&map, "]=");
            cat_value(&map, l, -1, level);
            buf_append_cstr(&map, "; ");
            lua_pop(l, 1);
            expected++;
        }
        Buf *pick = is_array ? &arr : &map;
        if (pick->len >= 2) pick->len -= 2;
        buf_append_char(b, '{');
        buf_append(b, pick->p, pick->len);
        buf_append_char(b, '}');
        buf_free(&arr);
        buf_free(&map);
        break;
    }
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
    case LUA_TTHREAD:
    case LUA_TLIGHTUSERDATA: {
        const char *name = t == LUA_TFUNCTION   ? "function"
                           : t == LUA_TUSERDATA ? "userdata"
                           : t == LUA_TTHREAD   ? "thread"
                                                : "light-userdata";
        buf_printf(b, "\"%s@%p\"", name, lua_topointer(l, idx));
        break;
    }
    default:
        buf_append_cstr(b, "\"<unknown-lua-type>\"");
        break;
    }
}

/* A log line: prefix, then the value on top of the stack (left there). */
static void log_value(lua_State *l, const char *prefix) {
    Buf *b = log_new();
    buf_append_cstr(b, prefix);
    cat_value(b, l, -1, 0);
    log_trim_last();
}

/* ---- replies ------------------------------------------------------------------ */

typedef struct {
    const char *p, *end;
} Rd;

/* The line at r (after the type byte), advancing past its CRLF. */
static Slice rd_line(Rd *r) {
    const char *s = r->p;
    const char *e = memchr(s, '\r', (size_t)(r->end - s));
    if (!e) e = r->end;
    r->p = e + 2 <= r->end ? e + 2 : r->end;
    return slice_of(s, (size_t)(e - s));
}

static long long rd_len(Slice s) {
    long long v = 0;
    if (num_parse_ll(s.p, s.len, &v) != 0) return 0;
    return v;
}

static void human(Buf *o, Rd *r, int depth) {
    if (r->p >= r->end) return;
    const char *start = r->p;
    char type = *r->p++;
    if (depth > 64) {
        r->p = r->end;
        return;
    }
    switch (type) {
    case ':': {
        Slice s = rd_line(r);
        buf_append(o, s.p, s.len);
        break;
    }
    case '$':
    case '=': {
        long long n = rd_len(rd_line(r));
        if (n < 0) {
            buf_append_cstr(o, "NULL");
            break;
        }
        if (n > r->end - r->p) n = r->end - r->p;
        buf_append_repr(o, r->p, (size_t)n);
        r->p += n;
        r->p = r->p + 2 <= r->end ? r->p + 2 : r->end;
        break;
    }
    case '+':
    case '-': {
        Slice s = rd_line(r);
        buf_append_repr(o, start, s.len + 1);
        break;
    }
    case '*':
    case '~':
    case '>': {
        long long n = rd_len(rd_line(r));
        if (type == '*' && n < 0) {
            buf_append_cstr(o, "NULL");
            break;
        }
        buf_append_cstr(o, type == '~' ? "~(" : "[");
        for (long long i = 0; i < n && r->p < r->end; i++) {
            human(o, r, depth + 1);
            if (i != n - 1) buf_append_char(o, ',');
        }
        buf_append_char(o, type == '~' ? ')' : ']');
        break;
    }
    case '%': {
        long long n = rd_len(rd_line(r));
        buf_append_char(o, '{');
        for (long long i = 0; i < n && r->p < r->end; i++) {
            human(o, r, depth + 1);
            buf_append_cstr(o, " => ");
            human(o, r, depth + 1);
            if (i != n - 1) buf_append_char(o, ',');
        }
        buf_append_char(o, '}');
        break;
    }
    case '_':
        rd_line(r);
        buf_append_cstr(o, "(null)");
        break;
    case '#': {
        Slice s = rd_line(r);
        buf_append_cstr(o, s.len && s.p[0] == 't' ? "#true" : "#false");
        break;
    }
    case ',': {
        Slice s = rd_line(r);
        buf_append_cstr(o, "(double) ");
        buf_append(o, s.p, s.len);
        break;
    }
    default: /* big numbers and the like: shown as their text */ {
        Slice s = rd_line(r);
        buf_append(o, s.p, s.len);
        break;
    }
    }
}

void ldb_log_reply(const char *p, size_t len) {
    Buf *b = log_new();
    buf_append_cstr(b, "<reply> ");
    Rd r = {p, p + len};
    human(b, &r, 0);
    log_trim_last();
}

void ldb_log_command(int argc, const Slice *argv) {
    Buf *b = log_new();
    buf_append_cstr(b, "<redis>");
    for (int j = 0; j < argc; j++) {
        if (j == 10) {
            buf_printf(b, " ... (%d more)", argc - j - 1);
            break;
        }
        buf_append_char(b, ' ');
        buf_append(b, argv[j].p, argv[j].len);
    }
}

void ldb_log_error(const char *prefix, const char *p, size_t len) {
    log_fmt("<error> %s%.*s", prefix, (int)len, p);
}

/* ---- redis.debug and redis.breakpoint ------------------------------------------ */

int ldb_lua_debug(lua_State *l) {
    if (!ldb.active) return 0;
    int argc = lua_gettop(l);
    Buf *b = log_new();
    buf_printf(b, "<debug> line %d: ", ldb.currentline);
    while (argc--) {
        cat_value(b, l, -1 - argc, 0);
        if (argc != 0) buf_append_cstr(b, ", ");
    }
    return 0;
}

int ldb_lua_breakpoint(lua_State *l) {
    if (ldb.active) ldb.luabp = 1;
    lua_pushboolean(l, ldb.active);
    return 1;
}

/* ---- the debugger's commands ---------------------------------------------------- */

/* The next complete command in cbuf, parsed as forgivingly as Redis's
 * debugger does: NULL with *err unset when more bytes are needed. */
static char **parse_command(int *argcp, const char **err) {
    size_t n = buf_live(&ldb.cbuf);
    if (n == 0) return NULL;
    char *copy = xmalloc(n + 1);
    memcpy(copy, buf_data(&ldb.cbuf), n);
    copy[n] = '\0';
    char **argv = NULL;
    int argc = 0;
    char *p = strchr(copy, '*');
    if (!p) goto protoerr;
    char *plen = p + 1;
    p = strstr(p, "\r\n");
    if (!p) goto more;
    *p = '\0';
    p += 2;
    *argcp = atoi(plen);
    if (*argcp <= 0 || *argcp > 1024) goto protoerr;
    argv = xmalloc(sizeof(char *) * (size_t)*argcp);
    while (argc < *argcp) {
        if (*p == '\0') goto more;
        if (*p != '$') goto protoerr;
        plen = p + 1;
        p = strstr(p, "\r\n");
        if (!p) goto more;
        *p = '\0';
        p += 2;
        int slen = atoi(plen);
        if (slen <= 0 || slen > 1024) goto protoerr;
        if ((size_t)(p + slen + 2 - copy) > n) goto more;
        argv[argc] = xmalloc((size_t)slen + 1);
        memcpy(argv[argc], p, (size_t)slen);
        argv[argc][slen] = '\0';
        argc++;
        p += slen;
        if (p[0] != '\r' || p[1] != '\n') goto protoerr;
        p += 2;
    }
    xfree(copy);
    return argv;
protoerr:
    *err = "protocol error";
more:
    for (int i = 0; i < argc; i++) xfree(argv[i]);
    xfree(argv);
    xfree(copy);
    return NULL;
}

static void free_argv(char **argv, int argc) {
    for (int i = 0; i < argc; i++) xfree(argv[i]);
    xfree(argv);
}

static int is_cmd(const char *a, const char *shortname, const char *longname) {
    return !strcasecmp(a, shortname) || !strcasecmp(a, longname);
}

static const char *const help_lines[] = {
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
};

static void cmd_print(lua_State *l, const char *name) {
    lua_Debug ar;
    for (int level = 0; lua_getstack(l, level, &ar); level++) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(l, &ar, i)) != NULL; i++) {
            if (!strcmp(n, name)) {
                log_value(l, "<value> ");
                lua_pop(l, 1);
                return;
            }
            lua_pop(l, 1);
        }
    }
    if (!strcmp(name, "ARGV") || !strcmp(name, "KEYS")) {
        lua_getglobal(l, name);
        log_value(l, "<value> ");
        lua_pop(l, 1);
    } else {
        log_cstr("No such variable.");
    }
}

static void cmd_print_all(lua_State *l) {
    lua_Debug ar;
    int vars = 0;
    if (lua_getstack(l, 0, &ar)) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(l, &ar, i)) != NULL; i++) {
            if (!strstr(n, "(*temporary)")) {
                char prefix[256];
                snprintf(prefix, sizeof prefix, "<value> %s = ", n);
                log_value(l, prefix);
                vars++;
            }
            lua_pop(l, 1);
        }
    }
    if (vars == 0) log_cstr("No local variables in the current context.");
}

static void del_breakpoint_at(int j) {
    memmove(ldb.bp + j, ldb.bp + j + 1, sizeof(int) * (size_t)(ldb.bpcount - j - 1));
    ldb.bpcount--;
}

static void cmd_break(char **argv, int argc) {
    if (argc == 1) {
        if (ldb.bpcount == 0) {
            log_cstr("No breakpoints set. Use 'b <line>' to add one.");
            return;
        }
        log_fmt("%d breakpoints set:", ldb.bpcount);
        for (int j = 0; j < ldb.bpcount; j++) log_source_line(ldb.bp[j]);
        return;
    }
    for (int j = 1; j < argc; j++) {
        long long line;
        if (num_parse_ll(argv[j], strlen(argv[j]), &line) != 0 || line > INT32_MAX ||
            line < -INT32_MAX) {
            log_fmt("Invalid argument:'%s'", argv[j]);
        } else if (line == 0) {
            ldb.bpcount = 0;
            log_cstr("All breakpoints removed.");
        } else if (line > 0) {
            if (ldb.bpcount == LDB_BREAKPOINTS_MAX) {
                log_cstr("Too many breakpoints set.");
            } else if (line <= ldb.nlines && !is_breakpoint((int)line)) {
                ldb.bp[ldb.bpcount++] = (int)line;
                list_source((int)line, 1);
            } else {
                /* a line already set is refused like one out of range */
                log_cstr("Wrong line number.");
            }
        } else {
            int found = -1;
            for (int k = 0; k < ldb.bpcount; k++)
                if (ldb.bp[k] == (int)-line) found = k;
            if (found >= 0) {
                del_breakpoint_at(found);
                log_cstr("Breakpoint removed.");
            } else {
                log_cstr("No breakpoint in the specified line.");
            }
        }
    }
}

/* The message of the error on top of the stack (a string, or the err field
 * of the tables redis.call raises). */
static const char *error_text(lua_State *l) {
    if (lua_istable(l, -1)) {
        lua_getfield(l, -1, "err");
        const char *s = lua_tostring(l, -1);
        lua_pop(l, 1);
        return s ? s : "(null)";
    }
    const char *s = lua_tostring(l, -1);
    return s ? s : "(null)";
}

static void cmd_eval(lua_State *l, char **argv, int argc) {
    Buf code, expr;
    buf_init(&code);
    buf_init(&expr);
    for (int j = 1; j < argc; j++) {
        if (j > 1) buf_append_char(&code, ' ');
        buf_append_cstr(&code, argv[j]);
    }
    buf_append_cstr(&expr, "return ");
    buf_append(&expr, code.p, code.len);
    int rc = luaL_loadbuffer(l, expr.p ? expr.p : "", expr.len, "@ldb_eval");
    if (rc) {
        lua_pop(l, 1);
        rc = luaL_loadbuffer(l, code.p ? code.p : "", code.len, "@ldb_eval");
    }
    buf_free(&code);
    buf_free(&expr);
    if (rc) {
        log_fmt("<error> %s", error_text(l));
        lua_pop(l, 1);
        return;
    }
    /* the fragment sees what the script sees */
    lua_getfield(l, LUA_REGISTRYINDEX, "streamd_env");
    lua_setfenv(l, -2);
    if (lua_pcall(l, 0, 1, 0)) {
        log_fmt("<error> %s", error_text(l));
        lua_pop(l, 1);
        return;
    }
    log_value(l, "<retval> ");
    lua_pop(l, 1);
}

static void cmd_redis(lua_State *l, char **argv, int argc) {
    if (!lua_checkstack(l, argc + 1)) {
        ldb_log_reply("max lua stack reached", strlen("max lua stack reached"));
        return;
    }
    lua_getglobal(l, "redis");
    lua_getfield(l, -1, "call");
    for (int j = 1; j < argc; j++) lua_pushstring(l, argv[j]);
    ldb.step = 1; /* so the call logs itself and its reply */
    lua_pcall(l, argc - 1, 1, 0);
    ldb.step = 0;
    lua_pop(l, 2);
}

static void cmd_trace(lua_State *l) {
    lua_Debug ar;
    int level = 0;
    while (lua_getstack(l, level, &ar)) {
        lua_getinfo(l, "Snl", &ar);
        if (strstr(ar.short_src, "user_script")) {
            log_fmt("%s %s:", level == 0 ? "In" : "From", ar.name ? ar.name : "top level");
            log_source_line(ar.currentline);
        }
        level++;
    }
    if (level == 0) log_cstr("<error> Can't retrieve Lua stack.");
}

static void cmd_maxlen(char **argv, int argc) {
    if (argc == 2) {
        int v = atoi(argv[1]);
        ldb.maxlen_hint_sent = 1;
        if (v != 0 && v <= 60) v = 60;
        ldb.maxlen = (size_t)(v < 0 ? 60 : v);
    }
    if (ldb.maxlen)
        log_fmt("<value> replies are truncated at %d bytes.", (int)ldb.maxlen);
    else
        log_cstr("<value> replies are unlimited.");
}

/* Reads and runs debugger commands until one resumes the script: 0, or -1
 * when the client went away (the script then runs on without stopping). */
static int repl(lua_State *l) {
    for (;;) {
        char **argv;
        int argc = 0;
        const char *err = NULL;
        while ((argv = parse_command(&argc, &err)) == NULL) {
            if (err) {
                buf_clear(&ldb.cbuf);
                lua_pushstring(l, err);
                lua_error(l);
            }
            char rb[1024];
            ssize_t n =
                ldb.tls ? tls_conn_read(ldb.tls, rb, sizeof rb) : read(ldb.fd, rb, sizeof rb);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ldb.step = 0;
                ldb.bpcount = 0;
                return -1;
            }
            buf_append(&ldb.cbuf, rb, (size_t)n);
            if (buf_live(&ldb.cbuf) > LDB_CBUF_MAX) {
                buf_clear(&ldb.cbuf);
                lua_pushstring(l, "max client buffer reached");
                lua_error(l);
            }
        }
        buf_clear(&ldb.cbuf);
        const char *a = argv[0];
        int resume = 0;
        if (is_cmd(a, "h", "help")) {
            for (size_t i = 0; i < sizeof help_lines / sizeof *help_lines; i++)
                log_cstr(help_lines[i]);
        } else if (is_cmd(a, "s", "step") || is_cmd(a, "n", "next")) {
            ldb.step = 1;
            resume = 1;
        } else if (is_cmd(a, "c", "continue")) {
            resume = 1;
        } else if (is_cmd(a, "t", "trace")) {
            cmd_trace(l);
        } else if (is_cmd(a, "m", "maxlen")) {
            cmd_maxlen(argv, argc);
        } else if (is_cmd(a, "b", "break")) {
            cmd_break(argv, argc);
        } else if (is_cmd(a, "e", "eval")) {
            cmd_eval(l, argv, argc);
        } else if (is_cmd(a, "a", "abort")) {
            free_argv(argv, argc);
            lua_pushstring(l, "script aborted for user request");
            lua_error(l);
        } else if (argc > 1 && is_cmd(a, "r", "redis")) {
            cmd_redis(l, argv, argc);
        } else if (is_cmd(a, "p", "print")) {
            if (argc == 2)
                cmd_print(l, argv[1]);
            else
                cmd_print_all(l);
        } else if (is_cmd(a, "l", "list")) {
            int around = ldb.currentline, ctx = 5;
            if (argc > 1) {
                int num = atoi(argv[1]);
                if (num > 0) around = num;
            }
            if (argc > 2) ctx = atoi(argv[2]);
            list_source(around, ctx);
        } else if (is_cmd(a, "w", "whole")) {
            list_source(1, 1000000);
        } else {
            log_cstr("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
        }
        free_argv(argv, argc);
        if (resume) return 0;
        send_logs();
    }
}

void ldb_line_hook(lua_State *l, lua_Debug *ar) {
    lua_getstack(l, 0, ar);
    lua_getinfo(l, "Sl", ar);
    ldb.currentline = ar->currentline;
    int bp = is_breakpoint(ldb.currentline) || ldb.luabp;
    int timeout = 0;
    if (!strstr(ar->short_src, "user_script")) return;
    if (ar->event == LUA_HOOKCOUNT && ldb.step == 0 && bp == 0) {
        long long limit = settings.lua_time_limit ? settings.lua_time_limit : 5000;
        if ((real_us() - ldb.clock_us) / 1000 < limit) return;
        timeout = 1;
        ldb.step = 1;
    }
    if (!ldb.step && !bp) return;
    const char *reason = "step over";
    if (bp)
        reason = ldb.luabp ? "redis.breakpoint() called" : "break point";
    else if (timeout)
        reason = "timeout reached, infinite loop?";
    ldb.step = 0;
    ldb.luabp = 0;
    log_fmt("* Stopped at %d, stop reason = %s", ldb.currentline, reason);
    log_source_line(ldb.currentline);
    send_logs();
    if (repl(l) != 0 && timeout) {
        lua_pushstring(l, "timeout during Lua debugging with client closing connection");
        lua_error(l);
    }
    ldb.clock_us = real_us();
}

/* ---- sessions ------------------------------------------------------------------- */

static void reap_children(void) {
    for (size_t i = 0; i < n_children;) {
        int st;
        pid_t r = waitpid(children[i], &st, WNOHANG);
        if (r == children[i] || (r == -1 && errno == ECHILD)) {
            children[i] = children[--n_children];
            continue;
        }
        i++;
    }
}

static void kill_children(void) {
    for (size_t i = 0; i < n_children; i++) {
        log_warning("Killing debugging session %ld", (long)children[i]);
        kill(children[i], SIGKILL);
    }
    n_children = 0;
}

static void set_blocking(int fd, int on) {
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1) return;
    fcntl(fd, F_SETFL, on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
    struct timeval tv = {on ? 5 : 0, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int ldb_start(Client *c) {
    static int hooked;
    if (!hooked) {
        hooked = 1;
        server_on_cron(reap_children);
        server_on_shutdown(kill_children);
    }
    ldb.forked = !(c->flags & LDB_FLAG_SYNC);
    if (ldb.forked) {
        int64_t fork_start_us = mono_us();
        pid_t pid = fork();
        if (pid == -1) {
            reply_error(c, "ERR Fork() failed: can't run EVAL in debugging mode: %s",
                        strerror(errno));
            return 0;
        }
        if (pid > 0) {
            if (n_children == cap_children) {
                cap_children = cap_children ? cap_children * 2 : 4;
                children = xrealloc(children, cap_children * sizeof *children);
            }
            children[n_children++] = pid;
            server_note_fork(fork_start_us);
            if (CF(c)->tls) tls_conn_no_shutdown(CF(c)->tls); /* the child's now */
            client_close_async(CF(c));
            return 0;
        }
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        log_warning("Redis forked for debugging eval");
    } else {
        log_warning("Redis synchronous debugging eval session started");
    }
    ldb.fd = CF(c)->fd;
    ldb.tls = CF(c)->tls; /* blocking reads and writes through OpenSSL as well */
    set_blocking(ldb.fd, 1);
    ldb.active = 1;
    ldb.clock_us = real_us();
    split_source(c->argv[1].p, c->argv[1].len);
    return 1;
}

void ldb_end(Client *c) {
    log_cstr("<endsession>");
    send_logs();
    ClientFull *cf = CF(c);
    if (ldb.forked) {
        /* the EVAL's reply, then the child is done */
        write_all(buf_data(&cf->obuf), buf_live(&cf->obuf));
        log_warning("Lua debugging session child exiting");
        _exit(0);
    }
    log_warning("Redis synchronous debugging eval session ended");
    set_blocking(ldb.fd, 0);
    ldb.tls = NULL;
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    c->flags &= ~(uint32_t)(LDB_FLAG_ON | LDB_FLAG_SYNC);
    free_source();
    ldb.active = 0;
}
