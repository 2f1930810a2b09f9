/*
 * command.h - the command table as data.
 *
 * Each family of commands (src/cmd/<family>.c) exports an array of Command,
 * ended by an entry whose name is NULL, and src/server/commands.c lists the
 * arrays. Dispatch checks everything the table states before a handler runs:
 * existence, arity (positive: exact; negative: at least), authentication,
 * MULTI queueing, loading, OOM for CMD_DENYOOM, refused writes. Subcommands
 * (XINFO STREAM, CONFIG GET) are Command arrays of their own; their names in
 * errors are "parent|sub".
 */
#ifndef STREAMD_COMMAND_H
#define STREAMD_COMMAND_H

#include <stdint.h>

struct Client;

typedef void (*CommandProc)(struct Client *c);

enum {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7, /* allowed while loading */
    CMD_STALE = 1u << 8,
    CMD_FAST = 1u << 9,
    CMD_NO_AUTH = 1u << 10,
    CMD_NO_MULTI = 1u << 11, /* refused inside MULTI */
    CMD_ALLOW_BUSY = 1u << 12,
    CMD_SENTINEL = 1u << 13,
    CMD_MOVABLE_KEYS = 1u << 14,
    CMD_MAY_REPLICATE = 1u << 15,
    CMD_SKIP_SLOWLOG = 1u << 16,      /* reported by COMMAND INFO only */
    CMD_NO_ASYNC_LOADING = 1u << 17,  /* reported by COMMAND INFO only */
    CMD_SKIP_MONITOR = 1u << 18,      /* fed to MONITOR by its handler (EVAL: before the script) */
    CMD_NO_MANDATORY_KEYS = 1u << 19, /* reported by COMMAND INFO only */
    CMD_PROTECTED = 1u << 20,         /* run only as enable-debug/module-command allows */
    CMD_SCRIPT_RUNNER = 1u << 21, /* runs a script or function (Redis 8.10): COMMAND INFO only */
    CMD_ASKING = 1u << 22,        /* cluster ASKING applies (RESTORE-ASKING): COMMAND INFO only */
};

typedef struct Command {
    const char *name; /* lower case */
    CommandProc proc; /* NULL for a parent of subcommands */
    int arity;        /* counts the name (and for subcommands, the parent too) */
    uint32_t flags;
    const char *acl;                   /* ACL categories, e.g. "@write @stream @fast" */
    int first_key, last_key, key_step; /* 0,0,0 when no keys; last_key -1 = last arg */
    const struct Command *subcommands; /* NULL-name terminated, or NULL */
} Command;

/* The entry that ends a command table. Documentation, key specifications
 * and tips live in the metadata table (src/server/command_meta.h). */
#define END_OF_COMMANDS                                                                            \
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL }

/* Looks up a command (case-insensitive); NULL if unknown. */
const Command *command_lookup(const char *name, size_t len);

#endif
