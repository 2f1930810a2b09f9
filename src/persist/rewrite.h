/*
 * rewrite.h - writing a compact AOF base: the commands that rebuild the
 * whole dataset.
 */
#ifndef STREAMD_PERSIST_REWRITE_H
#define STREAMD_PERSIST_REWRITE_H

int aof_rewrite_to_file(const char *path);

#endif
