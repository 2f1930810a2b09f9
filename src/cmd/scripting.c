/*
 * scripting.c - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the command
 * words; the engine is src/server/script.c.
 *
 * FCALL, FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/HELP
 * (Redis 7 functions) likewise.
 *
 * FUNCTION DUMP/RESTORE carry the libraries' codes in Redis's serialization
 * (each an RDB function record, then the RDB version and a CRC-64), so a
 * payload moves between streamd and Redis 7+ either way.
 *
 * SCRIPT DEBUG YES | SYNC | NO turns the Lua debugger on for the client's
 * next EVAL (src/server/ldb.c).
 */
#include <string.h>

#include "base/alloc.h"
#include "persist/dumpvalue.h"
#include "persist/rdbcodec.h"
#include "server/core.h"
#include "server/ldb.h"
#include "server/script.h"

static void feed_monitors(Client *c) {
    /* before the commands the script runs, as Redis shows an EVAL */
    if (core.monitors.n) monitor_feed(CF(c), c->cmd, c->argc, c->argv);
}

static void cmd_eval(Client *c) {
    feed_monitors(c);
    script_eval_command(c, 0, 0);
}

static void cmd_evalsha(Client *c) {
    feed_monitors(c);
    script_eval_command(c, 1, 0);
}

static void cmd_eval_ro(Client *c) {
    feed_monitors(c);
    script_eval_command(c, 0, 1);
}

static void cmd_evalsha_ro(Client *c) {
    feed_monitors(c);
    script_eval_command(c, 1, 1);
}

static void cmd_script_load(Client *c) {
    script_load_command(c, c->argv[2]);
}

static void cmd_script_exists(Client *c) {
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) reply_int(c, script_exists(c->argv[i]));
}

static void cmd_script_flush(Client *c) {
    if (c->argc > 3 || (c->argc == 3 && !slice_eq_nocase(c->argv[2], "sync") &&
                        !slice_eq_nocase(c->argv[2], "async"))) {
        reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    script_flush();
    reply_ok(c);
}

static void cmd_script_kill(Client *c) {
    const char *err;
    if (script_kill(&err, 1) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    reply_ok(c);
}

static void cmd_script_help(Client *c) {
    static const char *const lines[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static void cmd_script_debug(Client *c) {
    if (buf_live(&CF(c)->obuf) > 0) {
        reply_error(c, "ERR SCRIPT DEBUG must be called outside a pipeline");
        return;
    }
    Slice m = c->argv[2];
    int mode = slice_eq_nocase(m, "no")     ? 0
               : slice_eq_nocase(m, "yes")  ? 1
               : slice_eq_nocase(m, "sync") ? 2
                                            : -1;
    if (mode < 0) {
        reply_error(c, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
        return;
    }
    ldb_set_mode(c, mode);
    reply_ok(c);
}

static void cmd_fcall(Client *c) {
    feed_monitors(c);
    function_call_command(c, 0);
}

static void cmd_fcall_ro(Client *c) {
    feed_monitors(c);
    function_call_command(c, 1);
}

static void cmd_function_load(Client *c) {
    function_load_command(c);
}

static void cmd_function_delete(Client *c) {
    function_delete_command(c);
}

static void cmd_function_flush(Client *c) {
    if (c->argc > 3) {
        reply_error(
            c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try FUNCTION HELP.",
            (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    if (c->argc == 3 && !slice_eq_nocase(c->argv[2], "async") &&
        !slice_eq_nocase(c->argv[2], "sync")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    function_flush_command(c);
}

static void cmd_function_list(Client *c) {
    function_list_command(c);
}

static void cmd_function_stats(Client *c) {
    function_stats_command(c);
}

static void cmd_function_kill(Client *c) {
    const char *err;
    if (script_kill(&err, 0) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    reply_ok(c);
}

#define RDB_OPCODE_FUNCTION2 245
/* The RDB version a FUNCTION DUMP payload carries: the function record has
 * not changed since Redis 7.0, whose RESTORE then accepts it too. */
#define FUNCTION_DUMP_RDB_VERSION 10

static void dump_library(void *priv, int argc, const Slice *argv) {
    Buf *b = priv;
    (void)argc;
    buf_append_char(b, (char)RDB_OPCODE_FUNCTION2);
    rdb_write_string(b, argv[2].p, argv[2].len); /* FUNCTION LOAD <code> */
}

static void cmd_function_dump(Client *c) {
    Buf b;
    buf_init(&b);
    function_records(dump_library, &b);
    uint8_t footer[10];
    footer[0] = FUNCTION_DUMP_RDB_VERSION & 0xff;
    footer[1] = FUNCTION_DUMP_RDB_VERSION >> 8;
    buf_append(&b, (const char *)footer, 2);
    uint64_t crc = rdb_crc64(0, b.p + b.off, buf_live(&b));
    for (int i = 0; i < 8; i++) footer[2 + i] = (uint8_t)(crc >> (8 * i));
    buf_append(&b, (const char *)footer + 2, 8);
    reply_bulk(c, b.p + b.off, buf_live(&b));
    buf_free(&b);
}

/* Propagates a restore as what it did: FUNCTION FLUSH (FLUSH policy) and a
 * FUNCTION LOAD REPLACE per library, so any AOF reader replays it. */
static void propagate_restore(Client *c, const Slice *codes, size_t n, int policy) {
    if (policy == FUNCTION_RESTORE_FLUSH) {
        Slice f[2] = {slice_of("FUNCTION", 8), slice_of("FLUSH", 5)};
        propagate(c, 2, f);
    }
    for (size_t i = 0; i < n; i++) {
        Slice l[4] = {slice_of("FUNCTION", 8), slice_of("LOAD", 4), slice_of("REPLACE", 7),
                      codes[i]};
        propagate(c, 4, l);
    }
}

static void cmd_function_restore(Client *c) {
    if (c->argc > 4) {
        reply_error(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                    "FUNCTION HELP.",
                    (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    int policy = FUNCTION_RESTORE_APPEND;
    if (c->argc == 4) {
        if (slice_eq_nocase(c->argv[3], "flush"))
            policy = FUNCTION_RESTORE_FLUSH;
        else if (slice_eq_nocase(c->argv[3], "replace"))
            policy = FUNCTION_RESTORE_REPLACE;
        else if (!slice_eq_nocase(c->argv[3], "append")) {
            reply_error(c, "ERR Wrong restore policy given, value should be either FLUSH, "
                           "APPEND or REPLACE.");
            return;
        }
    }
    Slice pl = c->argv[2];
    const uint8_t *p = (const uint8_t *)pl.p;
    if (pl.len < 10) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    size_t body = pl.len - 10;
    unsigned version = (unsigned)p[body] | (unsigned)p[body + 1] << 8;
    uint64_t crc = 0;
    for (int i = 0; i < 8; i++) crc |= (uint64_t)p[body + 2 + i] << (8 * i);
    if (version > DUMP_RDB_VERSION_MAX || rdb_crc64(0, p, body + 2) != crc) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    RdbReader r;
    rdb_reader_init(&r, p, body);
    Slice *codes = NULL;
    char **owned = NULL;
    size_t n = 0, cap = 0;
    const char *err = NULL;
    while (r.pos < r.len) {
        uint8_t op;
        char *code;
        size_t len;
        if (rdb_read_u8(&r, &op) != RDB_OK || op != RDB_OPCODE_FUNCTION2) {
            err = "ERR given type is not a function";
            break;
        }
        if (rdb_read_string(&r, body, &code, &len) != RDB_OK) {
            err = "ERR Failed loading library payload";
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            codes = xrealloc(codes, cap * sizeof *codes);
            owned = xrealloc(owned, cap * sizeof *owned);
        }
        owned[n] = code;
        codes[n] = slice_of(code, len);
        n++;
    }
    if (err) {
        reply_error(c, "%s", err);
    } else {
        Buf e;
        buf_init(&e);
        if (function_restore(codes, n, policy, &e) == 0) {
            reply_ok(c);
            propagate_restore(c, codes, n, policy);
        } else {
            buf_append_char(&e, '\0');
            reply_error(c, "%s", e.p);
        }
        buf_free(&e);
    }
    for (size_t i = 0; i < n; i++) xfree(owned[i]);
    xfree(owned);
    xfree(codes);
}

static void cmd_function_help(Client *c) {
    static const char *const lines[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        ("    It also possible to get only function that matches a pattern using LIBRARYNAME "
         "argument."),
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        ("    Return a serialized payload representing the current libraries, can be restored "
         "using FUNCTION RESTORE command"),
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        ("    Restore the libraries represented by the given payload, it is possible to give a "
         "restore policy to"),
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        ("    * APPEND: appends the restored libraries to the existing libraries. On collision, "
         "abort."),
        ("    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
         "replace the old"),
        ("      libraries with the new libraries (notice that even on this option there is a "
         "chance of failure"),
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static const Command function_subcommands[] = {
    {"load", cmd_function_load, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
     "@write @slow @scripting", 0, 0, 0, NULL},
    {"delete", cmd_function_delete, 3, CMD_WRITE | CMD_NOSCRIPT, "@write @slow @scripting", 0, 0, 0,
     NULL},
    {"flush", cmd_function_flush, -2, CMD_WRITE | CMD_NOSCRIPT, "@write @slow @scripting", 0, 0, 0,
     NULL},
    {"list", cmd_function_list, -2, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"stats", cmd_function_stats, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, "@slow @scripting", 0, 0, 0,
     NULL},
    {"kill", cmd_function_kill, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, "@slow @scripting", 0, 0, 0,
     NULL},
    {"dump", cmd_function_dump, 2, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"restore", cmd_function_restore, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
     "@write @slow @scripting", 0, 0, 0, NULL},
    {"help", cmd_function_help, 2, CMD_LOADING | CMD_STALE, "@slow @scripting", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

#define EVAL_FLAGS                                                                                 \
    (CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |      \
     CMD_SCRIPT_RUNNER)

static const Command script_subcommands[] = {
    {"load", cmd_script_load, 3, CMD_NOSCRIPT | CMD_STALE, "@slow @scripting", 0, 0, 0, NULL},
    {"exists", cmd_script_exists, -3, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"flush", cmd_script_flush, -2, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"kill", cmd_script_kill, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, "@slow @scripting", 0, 0, 0, NULL},
    {"debug", cmd_script_debug, 3, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"help", cmd_script_help, 2, CMD_LOADING | CMD_STALE, "@slow @scripting", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command scripting_commands[] = {
    {"eval", cmd_eval, -3, EVAL_FLAGS | CMD_MAY_REPLICATE, "@slow @scripting", 0, 0, 0, NULL},
    {"evalsha", cmd_evalsha, -3, EVAL_FLAGS | CMD_MAY_REPLICATE, "@slow @scripting", 0, 0, 0, NULL},
    {"eval_ro", cmd_eval_ro, -3, EVAL_FLAGS | CMD_READONLY, "@slow @scripting", 0, 0, 0, NULL},
    {"evalsha_ro", cmd_evalsha_ro, -3, EVAL_FLAGS | CMD_READONLY, "@slow @scripting", 0, 0, 0,
     NULL},
    {"script", NULL, -2, 0, "@slow", 0, 0, 0, script_subcommands},
    {"fcall", cmd_fcall, -3, EVAL_FLAGS | CMD_MAY_REPLICATE, "@slow @scripting", 0, 0, 0, NULL},
    {"fcall_ro", cmd_fcall_ro, -3, EVAL_FLAGS | CMD_READONLY, "@slow @scripting", 0, 0, 0, NULL},
    {"function", NULL, -2, 0, "@slow", 0, 0, 0, function_subcommands},
    END_OF_COMMANDS,
};
