/*
 * scripting.c - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the command
 * words; the engine is src/server/script.c.
 *
 * FCALL, FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/HELP
 * (Redis 7 functions) likewise.
 *
 * Not offered, so answered as unknown subcommands: SCRIPT DEBUG (the Lua
 * debugger), FUNCTION DUMP and FUNCTION RESTORE.
 */
#include <string.h>

#include "server/core.h"
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
    {"help", cmd_function_help, 2, CMD_LOADING | CMD_STALE, "@slow @scripting", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

#define EVAL_FLAGS                                                                                 \
    (CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS)

static const Command script_subcommands[] = {
    {"load", cmd_script_load, 3, CMD_NOSCRIPT | CMD_STALE, "@slow @scripting", 0, 0, 0, NULL},
    {"exists", cmd_script_exists, -3, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"flush", cmd_script_flush, -2, CMD_NOSCRIPT, "@slow @scripting", 0, 0, 0, NULL},
    {"kill", cmd_script_kill, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, "@slow @scripting", 0, 0, 0, NULL},
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
