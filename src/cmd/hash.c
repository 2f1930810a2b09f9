/*
 * hash.c - Hashes: the commands, and the value type's registration with the
 * keyspace (obj_register_type) and persistence (persist_register_type).
 */
#include "server/core.h"

const Command hash_commands[] = {
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void hash_cmd_init(void);
void hash_cmd_init(void) {}
