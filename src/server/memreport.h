/*
 * memreport.h - where the server's memory goes: the figures of INFO memory,
 * MEMORY STATS and MEMORY DOCTOR, taken in one pass so they agree.
 *
 * "Overhead" is what the server spends besides the data: used_memory right
 * after start-up (before the AOF loads and any client connects), the
 * clients' structures and buffers, the AOF's in-memory buffer and the
 * keyspace hash tables' own structures (bucket arrays and entry headers;
 * the key bytes and values are data): the parts MEMORY STATS lists, whose
 * sum is overhead.total, as in Redis. Like Redis, the statistics made as
 * commands run (per-command stats and latency histograms, ~14 KB each on a
 * command's first call, the slow log, the latency monitor, error counts)
 * and the WATCH / blocking registries are not counted: they show in the
 * dataset. The dataset is used_memory minus the
 * overhead. Everything is computed when asked: nothing here runs per
 * command.
 */
#ifndef STREAMD_MEMREPORT_H
#define STREAMD_MEMREPORT_H

#include <stddef.h>

struct ClientFull;

typedef struct MemDbOverhead {
    int id;
    size_t main;    /* the keys table: buckets + entry headers */
    size_t expires; /* 0: a TTL lives in the key's entry, there is no second table */
} MemDbOverhead;

typedef struct MemReport {
    size_t used;    /* bytes allocated through base/alloc (used_memory) */
    size_t peak;    /* the most used seen (cron samples and reports) */
    size_t startup; /* used right after start-up */
    size_t rss;     /* the process's resident set */
    size_t clients_normal;
    size_t aof_buffer;
    size_t overhead; /* startup + clients + AOF buffer + keyspace tables */
    size_t dataset;  /* used - overhead (0 if the overhead is larger) */
    size_t keys;
    /* the allocator's view; with libc as Redis shows it: allocated = used,
     * active = resident = rss */
    size_t allocated, active, resident;
    int jemalloc; /* the allocator figures are jemalloc's own */
    int n_db;     /* databases holding keys */
    MemDbOverhead *db;
} MemReport;

/* What the server holds besides values, part by part (DEBUG MEMORY-PARTS):
 * what an emptied server may still legitimately hold, and what is left
 * unexplained. Each part is its blocks' usable sizes. */
typedef struct MemParts {
    size_t used, startup;
    size_t n_clients, clients; /* every connection's record and buffers */
    size_t propagation;        /* the record buffer and index kept between commands */
    size_t aof_buffer;
    size_t repl_backlog;
    size_t cmdstats;   /* per-command statistics and latency histograms */
    size_t errorstats; /* error counts by code */
    size_t slowlog;
    size_t scripts;   /* the EVAL script cache, the scripts' client and its buffers */
    size_t functions; /* function libraries */
    size_t hotkeys;   /* a HOTKEYS session's tables, until HOTKEYS RESET */
    size_t keyspace;  /* every database's key, WATCH and blocking tables (entries, not values) */
    long long other;  /* used - startup - the parts above */
} MemParts;

/* main.c: the start-up allocation is taken now; starts the peak sampling. */
void mem_note_startup(void);
/* Fills m (free it with mem_report_free). */
void mem_report(MemReport *m);
void mem_report_free(MemReport *m);
void mem_parts(MemParts *p);
/* used * 100 / peak, dataset * 100 / (used - startup), as Redis computes
 * them (floats). */
float mem_peak_perc(const MemReport *m);
float mem_dataset_perc(const MemReport *m);
/* a / b as Redis prints its memory ratios (0 when b is 0), and a - b. */
static inline float mem_ratio(size_t a, size_t b) {
    return b ? (float)a / (float)b : 0;
}
static inline long long mem_diff(size_t a, size_t b) {
    return (long long)a - (long long)b;
}
/* What one client holds: its record, buffers, parsed arguments, MULTI
 * queue, WATCH list and blocking state. */
size_t mem_client_usage(const struct ClientFull *c);
/* The AOF's pending buffer (what maxmemory eviction does not count). */
size_t mem_aof_buffer_bytes(void);

#endif
