/*
 * command_meta.h - the introspection metadata of the commands: what COMMAND
 * INFO reports beyond the dispatch table (tips, key specifications) and all
 * of what COMMAND DOCS reports (summary, since, group, complexity, doc flags,
 * deprecation, history, the argument tree).
 *
 * The data is a table keyed by the full command name ("xadd",
 * "xinfo|stream"), generated into command_meta_data.c by
 * tools/gen_command_meta.py from tools/command_meta.json; see
 * command_meta.c for the rule that decides which Redis release each entry
 * follows. The dispatch facts (arity, flags, first/last/step, ACL
 * categories) stay in the Command tables, the one place dispatch reads them.
 *
 * Invariants: command_meta_table is sorted by name (strcmp order) and holds
 * each name once; every counted array has exactly its count of elements.
 */
#ifndef STREAMD_COMMAND_META_H
#define STREAMD_COMMAND_META_H

#include <stddef.h>

#include "base/slice.h"
#include "server/command.h"

struct Client;

/* Argument flags, in the order COMMAND DOCS lists them. */
enum {
    META_ARG_OPTIONAL = 1u << 0,
    META_ARG_MULTIPLE = 1u << 1,
    META_ARG_MULTIPLE_TOKEN = 1u << 2,
};

typedef struct MetaArg {
    const char *name;
    const char *type;   /* "key", "string", "integer", "oneof", "block", ... */
    int key_spec_index; /* -1: none */
    const char *token;  /* NULL: none; likewise the three below */
    const char *summary;
    const char *since;
    const char *deprecated_since;
    unsigned flags;             /* META_ARG_* */
    const struct MetaArg *args; /* the sub-arguments of a oneof / block */
    size_t nargs;
} MetaArg;

enum { META_BS_INDEX, META_BS_KEYWORD, META_BS_UNKNOWN };
enum { META_FK_RANGE, META_FK_KEYNUM, META_FK_UNKNOWN };

typedef struct MetaKeySpec {
    const char *notes; /* NULL: none */
    const char *flags; /* space-separated, in the order replied: "RW update" */
    int bs_type;       /* META_BS_* */
    int bs_index;      /* INDEX: index; KEYWORD: startfrom */
    const char *bs_keyword;
    int fk_type;          /* META_FK_* */
    int fk_a, fk_b, fk_c; /* RANGE: lastkey keystep limit; KEYNUM: keynumidx firstkey keystep */
} MetaKeySpec;

typedef struct CommandMeta {
    const char *name; /* lower case, "parent|sub" for a subcommand */
    const char *summary;
    const char *since;
    const char *group;
    const char *complexity; /* NULL: none; likewise the three below */
    const char *doc_flags;  /* space-separated: "syscmd", "deprecated" */
    const char *deprecated_since;
    const char *replaced_by;
    const char *const *history; /* version, description, version, ... */
    size_t nhistory;            /* entries (pairs) */
    const char *tips;           /* space-separated; NULL: none */
    const MetaKeySpec *key_specs;
    size_t nkey_specs;
    const MetaArg *args;
    size_t nargs;
    const char *module; /* the Redis 8 module's name ("bf"); NULL: a core command */
} CommandMeta;

extern const CommandMeta command_meta_table[];
extern const size_t command_meta_count;

/* The metadata of a command by full name ("xinfo|stream"), or NULL. */
const CommandMeta *command_meta_find(const char *fullname);

/* The full name of cmd ("parent|sub" when parent is not NULL) into out. */
void command_meta_fullname(char *out, size_t n, const Command *cmd, const Command *parent);

/* Writes the COMMAND INFO entry of cmd (a subcommand when parent is set). */
void command_meta_reply_info(struct Client *c, const Command *cmd, const Command *parent);

/* Writes the COMMAND DOCS map of cmd (without its name). */
void command_meta_reply_docs(struct Client *c, const Command *cmd, const Command *parent);

/* The keys m's key specs find in argv[0..argc) (argv[0] the command name):
 * positions into pos, key-spec flags into kflags (static strings); at most
 * max; returns the count. */
int command_meta_getkeys(const CommandMeta *m, const Command *cmd, int argc, const Slice *argv,
                         int *pos, const char **kflags, int max);

/* Replies key-spec flags ("RW access update") as a set of statuses. */
void command_meta_reply_key_flags(struct Client *c, const char *flags);

#endif
