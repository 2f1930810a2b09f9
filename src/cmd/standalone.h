/* standalone.h - what standalone.c tells INFO: the built-in modules. */
#ifndef STREAMD_CMD_STANDALONE_H
#define STREAMD_CMD_STANDALONE_H

#include "base/buf.h"

/* INFO's Modules section lines ("module:name=...,ver=...,..."), one per
 * module MODULE LIST names. */
void info_modules_lines(Buf *b);

#endif
