/*
 * set.c - Sets: the commands, and the value type's registration with the
 * keyspace (obj_register_type) and persistence (persist_register_type).
 */
#include "server/core.h"

const Command set_commands[] = {
    END_OF_COMMANDS,
};

/* Registers the value type (called once at start-up, before any load). */
void set_cmd_init(void);
void set_cmd_init(void) {}
