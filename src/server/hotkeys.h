/*
 * hotkeys.h - HOTKEYS tracking sessions: which keys the commands spend their
 * time and network bytes on, ranked (Redis 8.6's HOTKEYS command; the
 * handlers are in src/cmd/hotkeys.c).
 *
 * One session at most: started, then stopped (by HOTKEYS STOP or when its
 * duration has passed) with its results kept until HOTKEYS RESET. While a
 * session collects, core.hotkeys_on is 1 and call_command() hands every
 * command to hotkeys_record() (block.c, every serving of a blocked one);
 * otherwise that test is all a command pays.
 */
#ifndef STREAMD_HOTKEYS_H
#define STREAMD_HOTKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "server/command.h"
#include "server/topk.h"

struct ClientFull;

enum { HOTKEYS_CPU = 1u << 0, HOTKEYS_NET = 1u << 1 };

/* HOTKEYS START's choices, validated by the caller. */
typedef struct HotkeysOptions {
    unsigned metrics;       /* HOTKEYS_CPU | HOTKEYS_NET, at least one */
    int k;                  /* keys reported per metric, 1..64 */
    int64_t duration_ms;    /* 0: until stopped */
    long long sample_ratio; /* a command's keys count with probability 1/ratio */
} HotkeysOptions;

/* What HOTKEYS GET reports; the rankings are views valid until the next
 * hotkeys_* call. */
typedef struct HotkeysReport {
    int is_active;
    unsigned metrics;
    int k;
    long long sample_ratio;
    uint64_t all_commands_us;        /* every command with keys, sampled or not */
    uint64_t all_commands_net_bytes; /* likewise */
    int64_t start_unix_ms;
    int64_t duration_ms;
    int64_t cpu_user_ms, cpu_sys_ms; /* the process's CPU time during the session */
    uint64_t total_net_bytes;        /* the bytes attributed to sampled keys */
    const TopK *by_cpu_us;           /* NULL unless HOTKEYS_CPU */
    const TopK *by_net_bytes;        /* NULL unless HOTKEYS_NET */
} HotkeysReport;

/* Whether a session is collecting (ends it first if its duration passed). */
int hotkeys_is_active(void);
/* Starts a session (none may be active), dropping the results of a stopped
 * one. Borrows o. */
void hotkeys_start(const HotkeysOptions *o);
/* Stops the active session, keeping its results; 0 when none was active. */
int hotkeys_stop(void);
/* Drops a stopped session's results; -1 while one is active. */
int hotkeys_reset(void);
/* Bytes the session (running or stopped, until RESET) holds: about, as
 * topk_memory() counts its tables. */
size_t hotkeys_memory(void);
/* Fills r from the current or last session; 0 when there is none. */
int hotkeys_report(HotkeysReport *r);
/* Accounts the command c just ran (dur_us long; c's output held out_before
 * bytes before it) to its keys. Call only while core.hotkeys_on. */
void hotkeys_record(struct ClientFull *c, const Command *cmd, int64_t dur_us, size_t out_before);

#endif
