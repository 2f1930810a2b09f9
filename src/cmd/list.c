/*
 * list.c - Lists: the commands, and the value type's registration with the
 * keyspace (obj_register_type) and persistence (persist_register_type).
 */
#include "server/core.h"

const Command list_commands[] = {
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void list_cmd_init(void);
void list_cmd_init(void) {}
