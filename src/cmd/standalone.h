/* standalone.h - what standalone.c tells INFO: the built-in modules. */
#ifndef STREAMD_CMD_STANDALONE_H
#define STREAMD_CMD_STANDALONE_H

#include "base/buf.h"
#include "server/core.h"

/* MODULE LIST's reply (HELLO's "modules" too). */
void reply_builtin_modules(Client *c);

/* INFO's Modules section lines ("module:name=...,ver=...,..."), one per
 * module MODULE LIST names. */
void info_modules_lines(Buf *b);

#endif
