/*
 * memory.c - MEMORY: USAGE of a key, STATS (the figures of INFO memory as a
 * map, per database too), DOCTOR (a short diagnosis in prose),
 * MALLOC-STATS (the allocator's own report) and PURGE (dirty pages back to
 * the system). STATS and DOCTOR read src/server/memreport.c, as INFO does,
 * so the three agree.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/memreport.h"
#include "server/script.h"

static void cmd_memory_usage(Client *c) {
    if (c->argc != 3 && c->argc != 5) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc == 5) {
        long long samples;
        if (!slice_eq_nocase(c->argv[3], "SAMPLES")) {
            reply_syntax_error(c);
            return;
        }
        if (get_ll_or_reply(c, c->argv[4], &samples) != 0) return;
        if (samples < 0) {
            reply_syntax_error(c);
            return;
        }
    }
    DictEntry *e = db_find_entry(c->db, c->argv[2]);
    if (!e) {
        reply_null(c);
        return;
    }
    reply_int(c, (long long)(obj_mem_usage(e->val) + xsize(e)));
}

static void pair_int(Client *c, const char *name, long long v) {
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

static void pair_float(Client *c, const char *name, float v) {
    reply_bulk_cstr(c, name);
    reply_double(c, (double)v);
}

/* 7.0's map, keys in its order. 7.4 dropped overhead.hashtable.slot-to-keys
 * and added allocator.muzzy and the overhead.db.hashtable.* / rehashing
 * entries; streamd keeps 7.0's set (see info_memory in admin.c). */
static void cmd_memory_stats(Client *c) {
    MemReport m;
    mem_report(&m);
    reply_map(c, 27 + (size_t)m.n_db);
    pair_int(c, "peak.allocated", (long long)m.peak);
    pair_int(c, "total.allocated", (long long)m.used);
    pair_int(c, "startup.allocated", (long long)m.startup);
    pair_int(c, "replication.backlog", 0);
    pair_int(c, "clients.slaves", 0);
    pair_int(c, "clients.normal", (long long)m.clients_normal);
    pair_int(c, "cluster.links", 0);
    pair_int(c, "aof.buffer", (long long)m.aof_buffer);
    pair_int(c, "lua.caches", (long long)script_cache_memory());
    pair_int(c, "functions.caches", (long long)function_memory());
    for (int i = 0; i < m.n_db; i++) {
        char name[32];
        snprintf(name, sizeof name, "db.%d", m.db[i].id);
        reply_bulk_cstr(c, name);
        reply_map(c, 3);
        pair_int(c, "overhead.hashtable.main", (long long)m.db[i].main);
        pair_int(c, "overhead.hashtable.expires", (long long)m.db[i].expires);
        pair_int(c, "overhead.hashtable.slot-to-keys", 0);
    }
    size_t net = m.used > m.startup ? m.used - m.startup : 1;
    pair_int(c, "overhead.total", (long long)m.overhead);
    pair_int(c, "keys.count", (long long)m.keys);
    pair_int(c, "keys.bytes-per-key", m.keys ? (long long)(net / m.keys) : 0);
    pair_int(c, "dataset.bytes", (long long)m.dataset);
    pair_float(c, "dataset.percentage", mem_dataset_perc(&m));
    pair_float(c, "peak.percentage", mem_peak_perc(&m));
    pair_int(c, "allocator.allocated", (long long)m.allocated);
    pair_int(c, "allocator.active", (long long)m.active);
    pair_int(c, "allocator.resident", (long long)m.resident);
    pair_float(c, "allocator-fragmentation.ratio", mem_ratio(m.active, m.allocated));
    pair_int(c, "allocator-fragmentation.bytes", mem_diff(m.active, m.allocated));
    pair_float(c, "allocator-rss.ratio", mem_ratio(m.resident, m.active));
    pair_int(c, "allocator-rss.bytes", mem_diff(m.resident, m.active));
    pair_float(c, "rss-overhead.ratio", mem_ratio(m.rss, m.resident));
    pair_int(c, "rss-overhead.bytes", mem_diff(m.rss, m.resident));
    pair_float(c, "fragmentation", mem_ratio(m.rss, m.used));
    pair_int(c, "fragmentation.bytes", mem_diff(m.rss, m.used));
    mem_report_free(&m);
}

#define MB (1024.0 * 1024.0)

/* Below this much in use the ratios say more about the process's fixed
 * costs (libraries, stacks, the allocator's arenas) than about the data. */
#define DOCTOR_MIN_USED (5u << 20)
/* A ratio is worth a remark only past its threshold and this many bytes. */
#define DOCTOR_MIN_WASTE (10u << 20)

static void cmd_memory_doctor(Client *c) {
    MemReport m;
    mem_report(&m);
    Buf b;
    buf_init(&b);
    if (m.used < DOCTOR_MIN_USED) {
        buf_printf(&b,
                   "streamd uses %.2f MB, too little for a diagnosis: with so small a heap "
                   "the figures mostly show the process's fixed costs. Ask again once it "
                   "holds some data.\n",
                   (double)m.used / MB);
        goto done;
    }
    int issues = 0;
    if ((double)m.peak > (double)m.used * 1.5) {
        buf_printf(&b,
                   "* Past peak: usage once reached %.2f MB and is %.2f MB now. Pages the "
                   "allocator got for the peak may still be resident, which makes the RSS and "
                   "the fragmentation ratio look worse than the data needs.\n",
                   (double)m.peak / MB, (double)m.used / MB);
        issues++;
    }
    if (mem_ratio(m.rss, m.used) > 1.4f && mem_diff(m.rss, m.used) > (long long)DOCTOR_MIN_WASTE) {
        buf_printf(&b,
                   "* High fragmentation: the process has %.2f MB resident for %.2f MB in use "
                   "(ratio %.2f).\n",
                   (double)m.rss / MB, (double)m.used / MB, (double)mem_ratio(m.rss, m.used));
        issues++;
    }
    if (m.jemalloc && mem_ratio(m.active, m.allocated) > 1.1f &&
        mem_diff(m.active, m.allocated) > (long long)DOCTOR_MIN_WASTE) {
        buf_printf(&b,
                   "* Allocator fragmentation: jemalloc's active pages hold %.2f MB for %.2f MB "
                   "allocated; half-empty pages of small blocks cause this after many deletes.\n",
                   (double)m.active / MB, (double)m.allocated / MB);
        issues++;
    }
    if (m.jemalloc && mem_ratio(m.resident, m.active) > 1.1f &&
        mem_diff(m.resident, m.active) > (long long)DOCTOR_MIN_WASTE) {
        buf_printf(&b,
                   "* Unreturned pages: jemalloc keeps %.2f MB resident for %.2f MB of active "
                   "pages. MEMORY PURGE hands the unused ones back to the system now.\n",
                   (double)m.resident / MB, (double)m.active / MB);
        issues++;
    }
    uint64_t n = core.n_clients;
    if (n && m.clients_normal / n > 200 * 1024) {
        buf_printf(&b,
                   "* Big client buffers: the %llu client%s connected hold%s %.2f KB each on "
                   "average in query and output buffers. Slow readers of big replies, or "
                   "pipelines sent faster than they are answered, do this; CLIENT LIST shows "
                   "who (qbuf, omem).\n",
                   (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "s" : "",
                   (double)m.clients_normal / (double)n / 1024);
        issues++;
    }
    if (!issues) {
        buf_printf(&b, "No memory problems found: %.2f MB in use, fragmentation ratio %.2f.\n",
                   (double)m.used / MB, (double)mem_ratio(m.rss, m.used));
    } else {
        char head[96];
        int len = snprintf(head, sizeof head, "Found %d memory issue%s:\n", issues,
                           issues == 1 ? "" : "s");
        Buf all;
        buf_init(&all);
        buf_append(&all, head, (size_t)len);
        buf_append(&all, b.p, b.len);
        buf_free(&b);
        b = all;
    }
done:
    reply_verbatim(c, b.p, b.len);
    buf_free(&b);
    mem_report_free(&m);
}

static void stats_append(void *opaque, const char *text) {
    buf_append_cstr(opaque, text);
}

static void cmd_memory_malloc_stats(Client *c) {
    Buf b;
    buf_init(&b);
    if (alloc_stats_print(stats_append, &b) == 0)
        reply_verbatim(c, b.p ? b.p : "", b.len);
    else
        reply_bulk_cstr(c, "Stats not supported for the current allocator");
    buf_free(&b);
}

static void cmd_memory_purge(Client *c) {
    if (alloc_purge() == 0)
        reply_ok(c);
    else
        reply_error(c, "ERR Error purging dirty pages");
}

static void cmd_memory_help(Client *c) {
    static const char *const lines[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

const Command memory_subcommands[] = {
    {"usage", cmd_memory_usage, -3, CMD_READONLY, "@read @slow", 2, 2, 1, NULL},
    {"stats", cmd_memory_stats, 2, 0, "@slow", 0, 0, 0, NULL},
    {"doctor", cmd_memory_doctor, 2, 0, "@slow", 0, 0, 0, NULL},
    {"malloc-stats", cmd_memory_malloc_stats, 2, 0, "@slow", 0, 0, 0, NULL},
    {"purge", cmd_memory_purge, 2, 0, "@slow", 0, 0, 0, NULL},
    {"help", cmd_memory_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
