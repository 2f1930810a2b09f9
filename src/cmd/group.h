/*
 * group.h - what the consumer group commands (src/cmd/group.c) share with
 * the rest of the server: the XINFO subcommands that src/cmd/stream.c lists
 * in its XINFO table, the start-up hook that installs the groups part of
 * XINFO STREAM FULL, and the group lookup the other group commands share.
 */
#ifndef STREAMD_CMD_GROUP_H
#define STREAMD_CMD_GROUP_H

#include "cmd/stream_obj.h"
#include "server/server.h"
#include "stream/group.h"

/* XINFO GROUPS <key> */
void cmd_xinfo_groups(Client *c);
/* XINFO CONSUMERS <key> <group> */
void cmd_xinfo_consumers(Client *c);
/* Installs the XINFO STREAM FULL hook; called once from commands_init(). */
void group_cmd_init(void);
/* The key's group, or NULL after replying WRONGTYPE or NOGROUP (the text of
 * XPENDING, XCLAIM, XAUTOCLAIM and XNACK); *so_out gets the stream. */
ConsumerGroup *group_cmd_find_or_reply(Client *c, Slice key, Slice gname, int for_write,
                                       StreamObj **so_out);

#endif
