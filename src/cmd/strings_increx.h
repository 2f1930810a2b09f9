/*
 * strings_increx.h - INCREX (Redis 8.8), the bounded counter with an expiry
 * policy; see src/cmd/strings_increx.c. Listed in strings.c's table.
 */
#ifndef STREAMD_STRINGS_INCREX_H
#define STREAMD_STRINGS_INCREX_H

#include "server/core.h"

/* INCREX key [BYINT n | BYFLOAT f] [LBOUND lb] [UBOUND ub] [SATURATE]
 * [EX s | PX ms | EXAT s | PXAT ms | PERSIST] [ENX] */
void cmd_increx(Client *c);

#endif
