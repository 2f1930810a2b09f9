/*
 * commands.c - the list of command families and the lookup table.
 *
 * Each family exports a NULL-terminated Command array; a new family adds one
 * line to `families` (and, if it has one, its init function to
 * commands_init). Lookup lower-cases the name into a stack buffer and finds
 * it in a hash table built once at start-up.
 */
#include <ctype.h>
#include <string.h>

#include "base/alloc.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/script.h"

extern const Command conn_commands[];
extern const Command keys_commands[];
extern const Command string_commands[];
extern const Command string_cas_commands[];
extern const Command bit_commands[];
extern const Command multi_commands[];
extern const Command admin_commands[];
extern const Command config_commands[];
extern const Command persist_commands[];
extern const Command backup_commands[];
extern const Command rdb_commands[];
extern const Command stream_commands[];
extern const Command group_commands[];
extern const Command stream_idmp_commands[];
extern const Command stream_refs_commands[];
extern const Command nack_commands[];
extern const Command pubsub_commands[];
extern const Command scripting_commands[];
extern const Command dump_commands[];
extern const Command standalone_commands[];
extern const Command acl_commands[];
extern const Command hotkeys_commands[];
extern const Command repl_commands[];
extern const Command replica_commands[];
extern const Command list_commands[];
extern const Command set_commands[];
extern const Command zset_commands[];
extern const Command hash_commands[];
extern const Command sort_commands[];
extern const Command array_commands[];
void stream_cmd_init(void);
void list_cmd_init(void);
void set_cmd_init(void);
void zset_cmd_init(void);
void hash_cmd_init(void);
void array_cmd_init(void);
void group_cmd_init(void);

static const Command *const families[] = {
    conn_commands,   keys_commands,        string_commands,      multi_commands,
    admin_commands,  config_commands,      persist_commands,     stream_commands,
    group_commands,  stream_idmp_commands, stream_refs_commands, nack_commands,
    pubsub_commands, scripting_commands,   dump_commands,        standalone_commands,
    acl_commands,    string_cas_commands,  bit_commands,         hotkeys_commands,
    rdb_commands,    repl_commands,        replica_commands,     list_commands,
    set_commands,    zset_commands,        hash_commands,        sort_commands,
    backup_commands, array_commands,
};

static Dict *table;

const Command *command_lookup(const char *name, size_t len) {
    char low[64];
    if (len == 0 || len >= sizeof low) return NULL;
    for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)name[i]);
    DictEntry *e = dict_find(table, low, len);
    return e ? e->val : NULL;
}

/* Calls fn for every top-level command. */
void commands_each(void (*fn)(const Command *cmd, void *priv), void *priv) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++) fn(c, priv);
}

size_t commands_count(void) {
    return dict_size(table);
}

void commands_init(void) {
    script_init();
    stream_cmd_init();
    group_cmd_init();
    list_cmd_init();
    set_cmd_init();
    zset_cmd_init();
    hash_cmd_init();
    array_cmd_init();
    table = dict_new();
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++)
            dict_add(table, c->name, strlen(c->name), (void *)c);
    acl_init();
}

/* The container command of a subcommand, or NULL for a top-level command. */
const Command *command_parent(const Command *cmd) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++)
            for (const Command *s = c->subcommands; s && s->name; s++)
                if (s == cmd) return c;
    return NULL;
}

const Command *const *command_families(size_t *n);
const Command *const *command_families(size_t *n) {
    *n = sizeof families / sizeof families[0];
    return families;
}
