/*
 * group.h - what the consumer group commands (src/cmd/group.c) share with
 * the rest of the server: the XINFO subcommands that src/cmd/stream.c lists
 * in its XINFO table, and the start-up hook that installs the groups part
 * of XINFO STREAM FULL.
 */
#ifndef STREAMD_CMD_GROUP_H
#define STREAMD_CMD_GROUP_H

#include "server/server.h"

/* XINFO GROUPS <key> */
void cmd_xinfo_groups(Client *c);
/* XINFO CONSUMERS <key> <group> */
void cmd_xinfo_consumers(Client *c);
/* Installs the XINFO STREAM FULL hook; called once from commands_init(). */
void group_cmd_init(void);

#endif
