/*
 * check.h - streamd-check-aof and streamd-check-rdb: the streamd binary run
 * under another name (or with --check-aof / --check-rdb) checks an
 * append-only file or an RDB file and reports as redis-check-aof and
 * redis-check-rdb do. See check.c.
 */
#ifndef STREAMD_PERSIST_CHECK_H
#define STREAMD_PERSIST_CHECK_H

/* Which checker argv asks for: CHECK_AOF or CHECK_RDB by the program's
 * name or by its first argument, else 0. */
enum { CHECK_AOF = 1, CHECK_RDB = 2 };
int check_wanted(int argc, char **argv);

/* Runs the checker check_wanted() chose; returns the process's exit code. */
int check_main(int argc, char **argv);

#endif
