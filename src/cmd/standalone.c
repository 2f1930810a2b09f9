/*
 * standalone.c - the commands of what streamd is not: a cluster node or a
 * server with modules. Clients and tools probe for both (CLUSTER INFO,
 * READONLY, MODULE LIST) and expect the answers a standalone Redis without
 * modules gives, not an unknown-command error.
 *
 * CLUSTER: every subcommand Redis 7.0 has, with its arity and flags, so
 * that a wrong argument count or an unknown subcommand answers as Redis;
 * each then answers that cluster support is disabled, as Redis does when
 * cluster-enabled is no (even CLUSTER HELP). READONLY, READWRITE and
 * ASKING answer the same.
 *
 * MODULE: LIST names the modules Redis 8 ships and streamd builds in (their
 * types and commands are streamd's own code), with the version Redis 8
 * reports for them, because clients decide from it what the server can do
 * (redis-om, RedisVL and LangChain look for "search" and "ReJSON"); INFO's
 * Modules section lists the same. LOAD, LOADEX and UNLOAD are protected
 * commands (enable-module-command, checked by dispatch as Redis does); when
 * they are allowed, loading fails (streamd has no module API) with Redis's
 * error for a failed load and a log line saying why; unloading a built-in
 * module is refused as Redis refuses a module that exports data types, any
 * other name finds no module.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "cmd/standalone.h"
#include "server/core.h"
#include "version.h"

static void cmd_cluster_disabled(Client *c) {
    reply_error(c, "ERR This instance has cluster support disabled");
}

#define CL_ADMIN  (CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING)
#define CL_ADMIN2 (CMD_ADMIN | CMD_STALE)
#define CL_ACL_A  "@admin @slow @dangerous"

/* In Redis 7.0's order (COMMAND INFO lists them so). */
static const Command cluster_subcommands[] = {
    {"saveconfig", cmd_cluster_disabled, 2, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"replicate", cmd_cluster_disabled, 3, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"getkeysinslot", cmd_cluster_disabled, 4, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"links", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"forget", cmd_cluster_disabled, 3, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"failover", cmd_cluster_disabled, -2, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"delslots", cmd_cluster_disabled, -3, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"setslot", cmd_cluster_disabled, -4, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"delslotsrange", cmd_cluster_disabled, -4, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"nodes", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"shards", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"addslots", cmd_cluster_disabled, -3, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"count-failure-reports", cmd_cluster_disabled, 3, CL_ADMIN2, CL_ACL_A, 0, 0, 0, NULL},
    {"replicas", cmd_cluster_disabled, 3, CL_ADMIN2, CL_ACL_A, 0, 0, 0, NULL},
    {"addslotsrange", cmd_cluster_disabled, -4, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"slots", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"info", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"myid", cmd_cluster_disabled, 2, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"reset", cmd_cluster_disabled, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, CL_ACL_A, 0, 0, 0,
     NULL},
    {"flushslots", cmd_cluster_disabled, 2, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"countkeysinslot", cmd_cluster_disabled, 3, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"slaves", cmd_cluster_disabled, 3, CL_ADMIN2, CL_ACL_A, 0, 0, 0, NULL},
    {"set-config-epoch", cmd_cluster_disabled, 3, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"help", cmd_cluster_disabled, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"bumpepoch", cmd_cluster_disabled, 2, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    {"keyslot", cmd_cluster_disabled, 3, CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"meet", cmd_cluster_disabled, -4, CL_ADMIN, CL_ACL_A, 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* ---- MODULE -------------------------------------------------------------- */

/* The modules Redis 8 loads at start-up whose types and commands streamd
 * has. ver 0 stands for the release streamd reports as redis_version,
 * encoded as the modules encode theirs (8.10.0 -> 81000); vector sets are
 * built into Redis itself and say version 1. */
static const struct {
    const char *name;
    int ver;
} builtin_modules[] = {
    {"vectorset", 1}, {"timeseries", 0}, {"search", 0}, {"ReJSON", 0}, {"bf", 0},
};
#define N_BUILTIN_MODULES (sizeof builtin_modules / sizeof builtin_modules[0])

static long long module_version(int i) {
    if (builtin_modules[i].ver) return builtin_modules[i].ver;
    const char *v = STREAMD_REDIS_VERSION;
    char *end;
    long major = strtol(v, &end, 10);
    long minor = *end == '.' ? strtol(end + 1, &end, 10) : 0;
    long patch = *end == '.' ? strtol(end + 1, &end, 10) : 0;
    return (long long)major * 10000 + minor * 100 + patch;
}

void reply_builtin_modules(Client *c) {
    reply_array(c, N_BUILTIN_MODULES);
    for (size_t i = 0; i < N_BUILTIN_MODULES; i++) {
        reply_map(c, 4);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, builtin_modules[i].name);
        reply_bulk_cstr(c, "ver");
        reply_int(c, module_version((int)i));
        reply_bulk_cstr(c, "path");
        reply_bulk_cstr(c, "");
        reply_bulk_cstr(c, "args");
        reply_array(c, 0);
    }
}

static void cmd_module_list(Client *c) {
    reply_builtin_modules(c);
}

void info_modules_lines(Buf *b) {
    for (size_t i = 0; i < N_BUILTIN_MODULES; i++)
        buf_printf(b, "module:name=%s,ver=%lld,api=1,filters=0,usedby=[],using=[],options=[]\r\n",
                   builtin_modules[i].name, module_version((int)i));
}

static void cmd_module_load(Client *c) {
    log_warning("Module %.*s failed to load: streamd does not load Redis modules",
                (int)c->argv[2].len, c->argv[2].p);
    reply_error(c, "ERR Error loading the extension. Please check the server logs.");
}

static void cmd_module_unload(Client *c) {
    for (size_t i = 0; i < N_BUILTIN_MODULES; i++) {
        if (strlen(builtin_modules[i].name) == c->argv[2].len &&
            memcmp(builtin_modules[i].name, c->argv[2].p, c->argv[2].len) == 0) {
            reply_error(c, "ERR Error unloading module: the module exports one or more "
                           "module-side data types, can't unload");
            return;
        }
    }
    reply_error(c, "ERR Error unloading module: no such module with that name");
}

static void cmd_module_help(Client *c) {
    static const char *const lines[] = {
        "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        ("    Load a module library from <path>, while passing it module configurations and "
         "optional arguments."),
        "UNLOAD <name>",
        "    Unload a module.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

#define MOD_CHANGE (CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED)

static const Command module_subcommands[] = {
    {"list", cmd_module_list, 2, CMD_ADMIN | CMD_NOSCRIPT, CL_ACL_A, 0, 0, 0, NULL},
    {"loadex", cmd_module_load, -3, MOD_CHANGE, CL_ACL_A, 0, 0, 0, NULL},
    {"unload", cmd_module_unload, 3, MOD_CHANGE, CL_ACL_A, 0, 0, 0, NULL},
    {"help", cmd_module_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"load", cmd_module_load, -3, MOD_CHANGE, CL_ACL_A, 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command standalone_commands[] = {
    {"cluster", NULL, -2, 0, "@slow", 0, 0, 0, cluster_subcommands},
    {"readonly", cmd_cluster_disabled, 1, CMD_LOADING | CMD_STALE | CMD_FAST, "@fast @connection",
     0, 0, 0, NULL},
    {"readwrite", cmd_cluster_disabled, 1, CMD_LOADING | CMD_STALE | CMD_FAST, "@fast @connection",
     0, 0, 0, NULL},
    {"asking", cmd_cluster_disabled, 1, CMD_FAST, "@fast @connection", 0, 0, 0, NULL},
    {"module", NULL, -2, 0, "@slow", 0, 0, 0, module_subcommands},
    END_OF_COMMANDS,
};
