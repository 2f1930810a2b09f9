/*
 * admin.c - server commands: INFO, COMMAND, DEBUG, SHUTDOWN, FUNCTION, TIME,
 * LASTSAVE.
 *
 * INFO prints the fields clients and monitoring tools read, in Redis's
 * section order and "name:value" layout. redis_version is the Redis release
 * whose stream command surface streamd implements completely;
 * streamd_version is ours. COMMAND answers from the command tables and
 * the metadata table (src/server/command_meta.c builds the INFO entries and
 * DOCS maps; GETKEYS walks the key specs there, as Redis does).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cmd/list_obj.h"
#include "cmd/migrate.h"
#include "cmd/standalone.h"
#include "persist/dumpvalue.h"
#include "server/acl.h"
#include "server/command_meta.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/lazyfree.h"
#include "server/memreport.h"
#include "server/procenv.h"
#include "server/repl.h"
#include "server/replica.h"
#include "server/script.h"
#include "server/shutdown.h"
#include "server/tracking.h"
#include "types/ftindex.h"
#include "version.h"

static InfoHook info_persistence_hook;
static InfoHook info_rdb_hook;

void server_set_info_rdb(InfoHook fn) {
    info_rdb_hook = fn;
}

void server_note_fork(int64_t start_us) {
    core.stat_latest_fork_us = mono_us() - start_us;
    core.stat_forks++;
}

void server_set_info_persistence(InfoHook fn) {
    info_persistence_hook = fn;
}

/* ---- INFO ------------------------------------------------------------- */

static void human_bytes(char *out, size_t n, double v) {
    if (v < 1024)
        snprintf(out, n, "%.0fB", v);
    else if (v < 1024 * 1024)
        snprintf(out, n, "%.2fK", v / 1024);
    else if (v < 1024.0 * 1024 * 1024)
        snprintf(out, n, "%.2fM", v / (1024 * 1024));
    else
        snprintf(out, n, "%.2fG", v / (1024.0 * 1024 * 1024));
}

static void info_server(Buf *b) {
    struct utsname u;
    uname(&u);
    int64_t up = (now_ms() - server.start_time_ms) / 1000;
    buf_printf(b,
               "# Server\r\nredis_version:%s\r\nstreamd_version:%s\r\nredis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
               "arch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
               "atomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\nprocess_id:%d\r\n"
               "process_supervised:%s\r\nrun_id:%s\r\ntcp_port:%lld\r\n"
               "server_time_usec:%lld\r\nuptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n"
               "hz:%lld\r\nconfigured_hz:%lld\r\nlru_clock:%u\r\nexecutable:%s\r\n"
               "config_file:%s\r\nio_threads_active:0\r\n",
               STREAMD_REDIS_VERSION, STREAMD_VERSION, u.sysname, u.release, u.machine,
               (int)(sizeof(void *) * 8),
#ifdef __GNUC__
               __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
               0, 0, 0,
#endif
               (int)core.pid, procenv_supervised(), core.run_id, settings.port, (long long)now_us(),
               (long long)up, (long long)(up / 86400), core.hz > 0 ? core.hz : settings.hz,
               settings.hz, (unsigned)(lru_clock_s() & 0xffffff),
               core.exec_path ? core.exec_path : "", core.config_file ? core.config_file : "");
}

static void info_clients(Buf *b) {
    int watching = 0;
    uint64_t watched_keys = 0;
    size_t max_in = 0, max_out = 0; /* the biggest buffers clients hold now */
    for (ClientFull *c = core.clients; c; c = c->next) {
        watching += c->n_watched > 0;
        if (c->qbuf.cap > max_in) max_in = c->qbuf.cap;
        if (c->obuf.cap > max_out) max_out = c->obuf.cap;
    }
    for (int i = 0; i < core.n_dbs; i++) watched_keys += dict_size(core.dbs[i].watched);
    size_t channels, patterns, shard_channels, pubsub_clients;
    pubsub_server_counts(&channels, &patterns, &shard_channels, &pubsub_clients);
    buf_printf(b,
               "# Clients\r\nconnected_clients:%llu\r\ncluster_connections:0\r\nmaxclients:%lld\r\n"
               "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
               "blocked_clients:%zu\r\ntracking_clients:%llu\r\npubsub_clients:%zu\r\n"
               "watching_clients:%d\r\nclients_in_timeout_table:%zu\r\ntotal_watched_keys:%llu\r\n"
               "total_blocking_keys:%llu\r\ntotal_blocking_keys_on_nokey:%llu\r\n",
               (unsigned long long)(core.n_clients - repl_replica_count()), settings.maxclients,
               max_in, max_out, core.n_blocked, (unsigned long long)core.n_tracking_clients,
               pubsub_clients, watching, block_count_with_timeout(),
               (unsigned long long)watched_keys, (unsigned long long)core.n_blocking_keys,
               (unsigned long long)block_count_keys_on_nokey());
}

/* Every field of Redis 7.0's section, in its order. Fields of what streamd
 * does not have or does not measure (cluster links, active defrag, the
 * replication buffers) show zeros. Later releases add
 * allocator_muzzy (7.2), mem_overhead_db_hashtable_rehashing (7.4) and
 * cluster slot-migration buffers (8.x); they are left out so the section
 * stays 7.0's, the oracle the differential tests hold it to (tools read
 * the fields they know and skip absent ones). */
static void info_memory(Buf *b) {
    MemReport m;
    mem_report(&m);
    char used_h[32], rss_h[32], peak_h[32], sys_h[32], max_h[32];
    size_t system = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
    human_bytes(used_h, sizeof used_h, (double)m.used);
    human_bytes(rss_h, sizeof rss_h, (double)m.rss);
    human_bytes(peak_h, sizeof peak_h, (double)m.peak);
    human_bytes(sys_h, sizeof sys_h, (double)system);
    human_bytes(max_h, sizeof max_h, (double)settings.maxmemory);
    buf_printf(b,
               "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
               "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\nused_memory_peak_human:%s\r\n"
               "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%zu\r\n"
               "used_memory_startup:%zu\r\nused_memory_dataset:%zu\r\n"
               "used_memory_dataset_perc:%.2f%%\r\nallocator_allocated:%zu\r\n"
               "allocator_active:%zu\r\nallocator_resident:%zu\r\n"
               "total_system_memory:%zu\r\ntotal_system_memory_human:%s\r\n",
               m.used, used_h, m.rss, rss_h, m.peak, peak_h, (double)mem_peak_perc(&m), m.overhead,
               m.startup, m.dataset, (double)mem_dataset_perc(&m), m.allocated, m.active,
               m.resident, system, sys_h);
    size_t lua_mem = script_lua_memory(), scripts_mem = script_cache_memory();
    size_t fn_vm = function_lua_memory(), fn_mem = function_memory(), vm_total = lua_mem + fn_vm;
    char lua_h[32], scripts_h[32], vm_total_h[32];
    human_bytes(lua_h, sizeof lua_h, (double)lua_mem);
    human_bytes(scripts_h, sizeof scripts_h, (double)(scripts_mem + fn_mem));
    human_bytes(vm_total_h, sizeof vm_total_h, (double)vm_total);
    buf_printf(
        b,
        "used_memory_lua:%zu\r\nused_memory_vm_eval:%zu\r\nused_memory_lua_human:%s\r\n"
        "used_memory_scripts_eval:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
        "number_of_functions:%zu\r\nnumber_of_libraries:%zu\r\nused_memory_vm_functions:%zu\r\n"
        "used_memory_vm_total:%zu\r\nused_memory_vm_total_human:%s\r\n"
        "used_memory_functions:%zu\r\nused_memory_scripts:%zu\r\n"
        "used_memory_scripts_human:%s\r\n",
        lua_mem, lua_mem, lua_h, scripts_mem, script_count(), function_count(),
        function_library_count(), fn_vm, vm_total, vm_total_h, fn_mem, scripts_mem + fn_mem,
        scripts_h);
    buf_printf(b,
               "maxmemory:%lld\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n"
               "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
               "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
               "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%lld\r\n"
               "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n",
               settings.maxmemory, max_h, evict_policy_names[settings.maxmemory_policy],
               (double)mem_ratio(m.active, m.allocated), mem_diff(m.active, m.allocated),
               (double)mem_ratio(m.resident, m.active), mem_diff(m.resident, m.active),
               (double)mem_ratio(m.rss, m.resident), mem_diff(m.rss, m.resident),
               (double)mem_ratio(m.rss, m.used), mem_diff(m.rss, m.used));
    /* mem_not_counted_for_evict: the AOF buffer and the replicas' output
     * buffers, as Redis leaves them out (evict.c) */
    buf_printf(b,
               "mem_not_counted_for_evict:%zu\r\nmem_replication_backlog:0\r\n"
               "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
               "mem_clients_normal:%zu\r\nmem_cluster_links:0\r\nmem_aof_buffer:%zu\r\n"
               "mem_allocator:%s\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:%llu\r\n"
               "lazyfreed_objects:%llu\r\n",
               evict_not_counted_bytes(), m.clients_normal, m.aof_buffer, alloc_name(),
               (unsigned long long)lazyfree_pending_objects(),
               (unsigned long long)lazyfreed_objects());
    mem_report_free(&m);
}

static void info_persistence(Buf *b) {
    buf_printf(b,
               "# Persistence\r\nloading:%d\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
               "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
               "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n",
               server.loading);
    if (info_rdb_hook)
        info_rdb_hook(b);
    else
        buf_printf(b,
                   "rdb_changes_since_last_save:%lld\r\nrdb_bgsave_in_progress:0\r\n"
                   "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:ok\r\n"
                   "rdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\n"
                   "rdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\n"
                   "rdb_last_load_keys_loaded:0\r\n",
                   server.dirty, (long long)core.lastsave);
    if (info_persistence_hook)
        info_persistence_hook(b);
    else
        buf_printf(b,
                   "aof_enabled:%d\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
                   "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
                   "aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\n"
                   "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\n"
                   "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
                   "module_fork_last_cow_size:0\r\nbackup_in_progress:0\r\n",
                   server.appendonly);
}

static void info_stats(Buf *b) {
    size_t channels, patterns, shard_channels, pubsub_clients;
    pubsub_server_counts(&channels, &patterns, &shard_channels, &pubsub_clients);
    Buf trk; /* tracking_total_*, where 7.0 has them: before the error counts */
    buf_init(&trk);
    tracking_info_stats(&trk);
    buf_append_char(&trk, '\0');
    Buf sync; /* sync_full, sync_partial_ok, sync_partial_err (repl.c) */
    buf_init(&sync);
    repl_info_stats(&sync);
    buf_append_char(&sync, '\0');
    buf_printf(
        b,
        "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
        "instantaneous_ops_per_sec:%lld\r\ntotal_net_input_bytes:%llu\r\n"
        "total_net_output_bytes:%llu\r\ntotal_net_repl_input_bytes:%llu\r\n"
        "total_net_repl_output_bytes:%llu\r\ninstantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\ninstantaneous_input_repl_kbps:%.2f\r\n"
        "instantaneous_output_repl_kbps:%.2f\r\nrejected_connections:%llu\r\n"
        "%sexpired_keys:%llu\r\nexpired_stale_perc:%.2f\r\nexpired_time_cap_reached_count:%llu\r\n"
        "expire_cycle_cpu_milliseconds:%llu\r\nevicted_keys:%llu\r\nevicted_clients:%llu\r\n"
        "total_eviction_exceeded_time:%llu\r\ncurrent_eviction_exceeded_time:%llu\r\n"
        "keyspace_hits:%llu\r\n"
        "keyspace_misses:%llu\r\npubsub_channels:%zu\r\npubsub_patterns:%zu\r\n"
        "pubsubshard_channels:%zu\r\n"
        "latest_fork_usec:%lld\r\ntotal_forks:%llu\r\nmigrate_cached_sockets:%zu\r\n"
        "slave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
        "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
        "%sunexpected_error_replies:%llu\r\n"
        "total_error_replies:%llu\r\ndump_payload_sanitizations:%llu\r\n"
        "total_reads_processed:%llu\r\n"
        "total_writes_processed:%llu\r\n"
        "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
        "eventloop_cycles:%llu\r\n"
        "acl_access_denied_auth:%llu\r\nacl_access_denied_cmd:%llu\r\n"
        "acl_access_denied_key:%llu\r\nacl_access_denied_channel:%llu\r\n"
        "acl_access_denied_tls_cert:%llu\r\n",
        (unsigned long long)core.stat_conns, (unsigned long long)core.stat_cmds,
        server_instantaneous(INST_OPS),
        (unsigned long long)(core.stat_net_in + core.stat_net_repl_in),
        (unsigned long long)(core.stat_net_out + core.stat_net_repl_out),
        (unsigned long long)core.stat_net_repl_in, (unsigned long long)core.stat_net_repl_out,
        (double)server_instantaneous(INST_NET_IN) / 1024.0,
        (double)server_instantaneous(INST_NET_OUT) / 1024.0,
        (double)server_instantaneous(INST_NET_REPL_IN) / 1024.0,
        (double)server_instantaneous(INST_NET_REPL_OUT) / 1024.0,
        (unsigned long long)core.stat_rejected_conns, sync.p, (unsigned long long)core.stat_expired,
        core.stat_expired_stale_perc * 100.0, (unsigned long long)core.stat_expire_time_cap,
        (unsigned long long)(core.stat_expire_cycle_us / 1000),
        (unsigned long long)evict_stat_keys(), (unsigned long long)evict_stat_clients(),
        (unsigned long long)evict_exceeded_total_ms(),
        (unsigned long long)evict_exceeded_current_ms(), (unsigned long long)core.stat_hits,
        (unsigned long long)core.stat_misses, channels, patterns, shard_channels,
        (long long)core.stat_latest_fork_us, (unsigned long long)core.stat_forks,
        migrate_cached_sockets(), trk.p, (unsigned long long)core.stat_unexpected_errors,
        (unsigned long long)core.stat_total_error_replies,
        (unsigned long long)core.stat_payload_sanitizations, (unsigned long long)core.stat_reads,
        (unsigned long long)core.stat_writes, (unsigned long long)core.el_iterations,
        acl_denied_count(ACL_DENIED_AUTH), acl_denied_count(ACL_DENIED_CMD),
        acl_denied_count(ACL_DENIED_KEY), acl_denied_count(ACL_DENIED_CHANNEL),
        acl_denied_count(ACL_DENIED_TLS_CERT));
    buf_free(&trk);
    buf_free(&sync);
}

static void info_replication(Buf *b) {
    if (replica_info(b)) return; /* a replica's section (replica.c) */
    buf_append_cstr(b, "# Replication\r\nrole:master\r\n");
    repl_info_master(b); /* repl.c: connected_slaves to repl_backlog_histlen */
}

static void info_cpu(Buf *b) {
    struct rusage self, ch, main;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &ch);
    getrusage(RUSAGE_THREAD, &main); /* INFO runs on the main thread */
    buf_printf(b,
               "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
               "used_cpu_sys_children:%ld.%06ld\r\nused_cpu_user_children:%ld.%06ld\r\n"
               "used_cpu_sys_main_thread:%ld.%06ld\r\nused_cpu_user_main_thread:%ld.%06ld\r\n",
               (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
               (long)self.ru_utime.tv_usec, (long)ch.ru_stime.tv_sec, (long)ch.ru_stime.tv_usec,
               (long)ch.ru_utime.tv_sec, (long)ch.ru_utime.tv_usec, (long)main.ru_stime.tv_sec,
               (long)main.ru_stime.tv_usec, (long)main.ru_utime.tv_sec,
               (long)main.ru_utime.tv_usec);
}

static void info_commandstats(Buf *b) {
    buf_append_cstr(b, "# Commandstats\r\n");
    for (size_t i = 0; i < core.n_cmdstats; i++) {
        CommandStats *s = core.cmdstats[i];
        if (!s->calls && !s->rejected && !s->failed) continue;
        buf_printf(b,
                   "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                   "failed_calls=%llu\r\n",
                   s->name, (unsigned long long)s->calls, (unsigned long long)s->usec,
                   s->calls ? (double)s->usec / (double)s->calls : 0.0,
                   (unsigned long long)s->rejected, (unsigned long long)s->failed);
    }
}

typedef struct ErrCtx {
    Buf *b;
} ErrCtx;

static void print_errorstat(void *priv, DictEntry *e) {
    ErrCtx *x = priv;
    buf_printf(x->b, "errorstat_%s:count=%llu\r\n", e->key,
               (unsigned long long)*(uint64_t *)e->val);
}

static void info_errorstats(Buf *b) {
    buf_append_cstr(b, "# Errorstats\r\n");
    if (!core.errorstats) return;
    ErrCtx x = {b};
    uint64_t cur = 0;
    do {
        cur = dict_scan(core.errorstats, cur, print_errorstat, &x);
    } while (cur);
}

static void info_keyspace(Buf *b) {
    buf_append_cstr(b, "# Keyspace\r\n");
    for (int i = 0; i < core.n_dbs; i++) {
        Db *db = &core.dbs[i];
        if (db_size(db) == 0) continue;
        /* subexpiry (Redis 7.4): keys whose values have TTLs of their own */
        buf_printf(b, "db%d:keys=%llu,expires=%llu,avg_ttl=%lld,subexpiry=%llu\r\n", i,
                   (unsigned long long)db_size(db), (unsigned long long)db->n_expires,
                   db->n_expires ? db->avg_ttl : 0LL, (unsigned long long)db->n_subexpiry);
    }
}

/* The label of a keysizes bin: "0", then the bin's lowest size, a power of
 * two, with a binary unit from 1024 on ("1K", "512M", "8E"). */
static void keysizes_label(char *out, size_t n, int bin) {
    if (bin == 0) {
        snprintf(out, n, "0");
        return;
    }
    static const char units[] = " KMGTPE";
    int shift = bin - 1;
    snprintf(out, n, "%llu%.*s", 1ULL << (shift % 10), shift >= 10, &units[shift / 10]);
}

/* Per database and type, how many values have how many elements (strings:
 * bytes), in power-of-two bins; a line only for types the database holds. */
static void info_keysizes(Buf *b) {
    static const char *const names[OBJ_TYPE_COUNT] = {
        [OBJ_STRING] = "distrib_strings_sizes", [OBJ_LIST] = "distrib_lists_items",
        [OBJ_SET] = "distrib_sets_items",       [OBJ_ZSET] = "distrib_zsets_items",
        [OBJ_HASH] = "distrib_hashes_items",    [OBJ_STREAM] = "distrib_streams_items",
        [OBJ_ARRAY] = "distrib_arrays_items",
    };
    /* Redis's order of types (arrays, Redis 8.8's, after them), streams
     * (streamd's addition) last; module types have no line, as in Redis */
    static const ObjType order[] = {OBJ_STRING, OBJ_LIST,  OBJ_SET,   OBJ_ZSET,
                                    OBJ_HASH,   OBJ_ARRAY, OBJ_STREAM};
    buf_append_cstr(b, "# Keysizes\r\n");
    for (int i = 0; i < core.n_dbs; i++) {
        const Db *db = &core.dbs[i];
        for (size_t ti = 0; ti < sizeof order / sizeof order[0]; ti++) {
            int t = order[ti];
            int first = 1;
            for (int bin = 0; bin < KEYSIZES_BINS; bin++) {
                uint64_t n = db->keysizes[t][bin];
                if (!n) continue;
                char label[8];
                keysizes_label(label, sizeof label, bin);
                if (first) buf_printf(b, "db%d_%s:", i, names[t]);
                buf_printf(b, "%s%s=%llu", first ? "" : ",", label, (unsigned long long)n);
                first = 0;
            }
            if (!first) buf_append_cstr(b, "\r\n");
        }
    }
}

typedef struct InfoSection {
    const char *name;
    void (*fn)(Buf *b);
    int is_default;
} InfoSection;

static void info_modules(Buf *b) {
    buf_append_cstr(b, "# Modules\r\n");
    info_modules_lines(b);
}
static void info_cluster(Buf *b) {
    buf_append_cstr(b, "# Cluster\r\ncluster_enabled:0\r\n");
}

static const InfoSection sections[] = {
    {"server", info_server, 1},
    {"clients", info_clients, 1},
    {"memory", info_memory, 1},
    {"persistence", info_persistence, 1},
    {"stats", info_stats, 1},
    {"replication", info_replication, 1},
    {"cpu", info_cpu, 1},
    {"modules", info_modules, 1},
    {"commandstats", info_commandstats, 0},
    {"errorstats", info_errorstats, 1},
    {"latencystats", latency_info, 0},
    {"cluster", info_cluster, 1},
    {"keyspace", info_keyspace, 1},
    {"keysizes", info_keysizes, 1},
    {"search", ftindex_info_search, 0}, /* a module's: only by name or EVERYTHING */
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

static void cmd_info(Client *c) {
    int want[N_SECTIONS] = {0};
    int any = 0;
    if (c->argc == 1) {
        for (size_t i = 0; i < N_SECTIONS; i++) want[i] = sections[i].is_default;
        any = 1;
    }
    for (int a = 1; a < c->argc; a++) {
        Slice s = c->argv[a];
        if (slice_eq_nocase(s, "everything")) {
            for (size_t i = 0; i < N_SECTIONS; i++) want[i] = 1;
        } else if (slice_eq_nocase(s, "all")) { /* all but the modules' sections */
            for (size_t i = 0; i < N_SECTIONS; i++) want[i] = sections[i].fn != ftindex_info_search;
        } else if (slice_eq_nocase(s, "default")) {
            for (size_t i = 0; i < N_SECTIONS; i++) want[i] |= sections[i].is_default;
        } else {
            for (size_t i = 0; i < N_SECTIONS; i++)
                if (slice_eq_nocase(s, sections[i].name)) want[i] = 1;
        }
        any = 1;
    }
    (void)any;
    Buf b;
    buf_init(&b);
    int first = 1;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (!want[i]) continue;
        if (!first) buf_append(&b, "\r\n", 2);
        first = 0;
        sections[i].fn(&b);
    }
    reply_verbatim(c, b.p ? b.p : "", b.len);
    buf_free(&b);
}

/* ---- COMMAND ---------------------------------------------------------- */

typedef struct CmdIter {
    Client *c;
    size_t n;
    Slice pattern;
    int mode; /* 0 info, 1 list names, 2 docs */
} CmdIter;

static void each_command(const Command *cmd, void *priv) {
    CmdIter *it = priv;
    if (it->mode == 0)
        command_meta_reply_info(it->c, cmd, NULL);
    else if (it->mode == 1) {
        if (!it->pattern.p ||
            glob_match(it->pattern.p, it->pattern.len, cmd->name, strlen(cmd->name), 1)) {
            reply_bulk_cstr(it->c, cmd->name);
            it->n++;
        }
        for (const Command *s = cmd->subcommands; s && s->name; s++) {
            char full[128];
            snprintf(full, sizeof full, "%s|%s", cmd->name, s->name);
            if (it->pattern.p && !glob_match(it->pattern.p, it->pattern.len, full, strlen(full), 1))
                continue;
            reply_bulk_cstr(it->c, full);
            it->n++;
        }
    } else {
        reply_bulk_cstr(it->c, cmd->name);
        command_meta_reply_docs(it->c, cmd, NULL);
    }
    if (it->mode != 1) it->n++;
}

static void cmd_command(Client *c) {
    reply_array(c, commands_count());
    CmdIter it = {c, 0, {NULL, 0}, 0};
    commands_each(each_command, &it);
}

static void cmd_command_count(Client *c) {
    reply_int(c, (long long)commands_count());
}

static const Command *lookup_full(Slice name, const Command **parent) {
    *parent = NULL;
    const char *bar = memchr(name.p, '|', name.len);
    if (!bar) return command_lookup(name.p, name.len);
    const Command *p = command_lookup(name.p, (size_t)(bar - name.p));
    if (!p || !p->subcommands) return NULL;
    Slice sub = slice_of(bar + 1, name.len - (size_t)(bar - name.p) - 1);
    for (const Command *s = p->subcommands; s->name; s++) {
        if (slice_eq_nocase(sub, s->name)) {
            *parent = p;
            return s;
        }
    }
    return NULL;
}

static void cmd_command_info(Client *c) {
    if (c->argc == 2) {
        cmd_command(c);
        return;
    }
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        const Command *parent;
        const Command *cmd = lookup_full(c->argv[i], &parent);
        if (!cmd)
            reply_null(c);
        else
            command_meta_reply_info(c, cmd, parent);
    }
}

static void cmd_command_docs(Client *c) {
    if (c->argc == 2) {
        reply_map(c, commands_count());
        CmdIter it = {c, 0, {NULL, 0}, 2};
        commands_each(each_command, &it);
        return;
    }
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    for (int i = 2; i < c->argc; i++) {
        const Command *parent;
        const Command *cmd = lookup_full(c->argv[i], &parent);
        if (!cmd) continue;
        char full[128]; /* Redis names the entry by the command's full name, not as asked */
        command_meta_fullname(full, sizeof full, cmd, parent);
        reply_bulk_cstr(c, full);
        command_meta_reply_docs(c, cmd, parent);
        n++;
    }
    reply_set_map_len(c, d, n);
}

/* Whether cmd's ACL categories include want ("@stream"). */
static int in_acl_category(const Command *cmd, const char *want) {
    if (!cmd->acl) return 0;
    char cats[256], key[84];
    snprintf(cats, sizeof cats, "%s ", cmd->acl);
    snprintf(key, sizeof key, "%s ", want);
    return strstr(cats, key) != NULL;
}

extern const Command *const *command_families(size_t *n);

/* Whether the command named full ("json.set", "parent|sub") belongs to the
 * Redis 8 module called name (any case, as Redis looks modules up). */
static int in_module(const char *full, Slice name) {
    const CommandMeta *m = command_meta_find(full);
    return m && m->module && strlen(m->module) == name.len &&
           strncasecmp(m->module, name.p, name.len) == 0;
}

/* COMMAND LIST FILTERBY MODULE name: the commands (and subcommands) of that
 * module; none for a name no module has. */
static void command_list_module(Client *c, Slice name) {
    ReplyDeferred d = reply_defer(c);
    size_t n = 0, nf;
    const Command *const *fam = command_families(&nf);
    for (size_t f = 0; f < nf; f++) {
        for (const Command *cmd = fam[f]; cmd->name; cmd++) {
            if (in_module(cmd->name, name)) {
                reply_bulk_cstr(c, cmd->name);
                n++;
            }
            for (const Command *sub = cmd->subcommands; sub && sub->name; sub++) {
                char full[128];
                snprintf(full, sizeof full, "%s|%s", cmd->name, sub->name);
                if (!in_module(full, name)) continue;
                reply_bulk_cstr(c, full);
                n++;
            }
        }
    }
    reply_set_array_len(c, d, n);
}

static void cmd_command_list(Client *c) {
    CmdIter it = {c, 0, {NULL, 0}, 1};
    if (c->argc == 5 && slice_eq_nocase(c->argv[2], "FILTERBY") &&
        slice_eq_nocase(c->argv[3], "PATTERN")) {
        it.pattern = c->argv[4];
    } else if (c->argc == 5 && slice_eq_nocase(c->argv[2], "FILTERBY") &&
               (slice_eq_nocase(c->argv[3], "MODULE") || slice_eq_nocase(c->argv[3], "ACLCAT"))) {
        if (slice_eq_nocase(c->argv[3], "MODULE")) {
            command_list_module(c, c->argv[4]);
            return;
        }
        it.pattern = c->argv[4];
        it.mode = 1;
        /* ACLCAT: match the category word against each command's list */
        ReplyDeferred d = reply_defer(c);
        size_t n = 0;
        char want[80];
        snprintf(want, sizeof want, "@%.*s", (int)(it.pattern.len > 70 ? 70 : it.pattern.len),
                 it.pattern.p);
        size_t nf;
        const Command *const *fam = command_families(&nf);
        for (size_t f = 0; f < nf; f++) {
            for (const Command *cmd = fam[f]; cmd->name; cmd++) {
                if (in_acl_category(cmd, want)) {
                    reply_bulk_cstr(c, cmd->name);
                    n++;
                }
                /* subcommands count as commands of their own, as in Redis */
                for (const Command *sub = cmd->subcommands; sub && sub->name; sub++) {
                    if (!in_acl_category(sub, want)) continue;
                    char full[128];
                    snprintf(full, sizeof full, "%s|%s", cmd->name, sub->name);
                    reply_bulk_cstr(c, full);
                    n++;
                }
            }
        }
        reply_set_array_len(c, d, n);
        return;
    } else if (c->argc != 2) {
        reply_syntax_error(c);
        return;
    }
    ReplyDeferred d = reply_defer(c);
    commands_each(each_command, &it);
    reply_set_array_len(c, d, it.n);
}

/* COMMAND GETKEYS / GETKEYSANDFLAGS <command> [args...]: the keys the
 * command's key specs find, in Redis's order of checks and texts. */
static void command_getkeys(Client *c, int with_flags) {
    int argc = c->argc - 2;
    Slice *argv = c->argv + 2;
    const Command *parent = NULL;
    const Command *cmd = command_lookup(argv[0].p, argv[0].len);
    if (cmd && cmd->subcommands && argc > 1) {
        parent = cmd;
        cmd = NULL;
        for (const Command *s = parent->subcommands; s->name; s++)
            if (slice_eq_nocase(argv[1], s->name)) cmd = s;
    }
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    char name[128];
    command_meta_fullname(name, sizeof name, cmd, parent);
    const CommandMeta *m = command_meta_find(name);
    /* specs that name no key (SSUBSCRIBE's shard channels) do not count */
    int has_keys = 0;
    for (size_t j = 0; m && j < m->nkey_specs; j++)
        has_keys |= strstr(m->key_specs[j].flags, "not_key") == NULL;
    if (!has_keys) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && argc != cmd->arity) || argc < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    /* Each key spec finds at most one key per argument. */
    size_t max = (size_t)argc * m->nkey_specs;
    int *pos = xmalloc(max * sizeof *pos);
    const char **kflags = xmalloc(max * sizeof *kflags);
    int n = command_meta_getkeys(m, cmd, argc, argv, pos, kflags, (int)max);
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        reply_error(c, "ERR Invalid arguments specified for command");
    } else {
        reply_array(c, (size_t)n);
        for (int i = 0; i < n; i++) {
            if (with_flags) reply_array(c, 2);
            reply_bulk_slice(c, argv[pos[i]]);
            if (with_flags) command_meta_reply_key_flags(c, kflags[i]);
        }
    }
    xfree(pos);
    xfree(kflags);
}

static void cmd_command_getkeys(Client *c) {
    command_getkeys(c, 0);
}

static void cmd_command_getkeysandflags(Client *c) {
    command_getkeys(c, 1);
}

static void cmd_command_help(Client *c) {
    static const char *lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

/* COMMAND with no subcommand is handled by the container itself. */
static void cmd_command_container(Client *c) {
    cmd_command(c);
}

/* ---- DEBUG ------------------------------------------------------------ */

#define MAX_DEBUG 16
static struct {
    const char *name;
    CommandProc fn;
} debug_subs[MAX_DEBUG];
static int n_debug_subs;

void debug_register(const char *name, CommandProc fn) {
    if (n_debug_subs < MAX_DEBUG) {
        debug_subs[n_debug_subs].name = name;
        debug_subs[n_debug_subs].fn = fn;
        n_debug_subs++;
    }
}

/*
 * DEBUG OBJECT key: one status line in Redis 7.0's layout,
 *
 *   Value at:<address> refcount:<n> encoding:<OBJECT ENCODING>
 *   serializedlength:<bytes> lru:<clock> lru_seconds_idle:<OBJECT IDLETIME>
 *
 * (one line, fields separated by single spaces) and, for a list, its node
 * shape: ql_nodes, ql_avg_node (elements per node, two decimals),
 * ql_listpack_max (its list-max-listpack-size), ql_compressed (1 when
 * list-compress-depth is set) and ql_uncompressed_size (bytes of all nodes'
 * listpacks). serializedlength is the length of the value as an RDB file
 * holds it (after its type byte; what DUMP writes minus type and footer for
 * the same type), so it is computed by serializing the value: O(N), as in
 * Redis. lru is the access time in seconds on Redis's 24-bit clock. The key
 * is looked up as 7.0 does, without touching its access time and without
 * expiring it: a key past its TTL that no lookup has removed yet is shown.
 */
static void debug_object(Client *c) {
    DictEntry *e = dict_find(c->db->keys, c->argv[2].p, c->argv[2].len);
    if (!e) {
        reply_error(c, "ERR no such key");
        return;
    }
    const Obj *o = e->val;
    Buf ser;
    buf_init(&ser);
    dump_value_body(o, dump_value_type(o), now_ms(), &ser);
    size_t ser_len = buf_live(&ser);
    buf_free(&ser);
    uint32_t now = lru_clock_s();
    Buf line;
    buf_init(&line);
    buf_printf(&line,
               "Value at:%p refcount:%lld encoding:%s serializedlength:%zu lru:%u "
               "lru_seconds_idle:%u",
               (const void *)o, obj_refcount(o), obj_encoding(o), ser_len,
               (unsigned)(o->lru_s & 0xFFFFFF), now >= o->lru_s ? now - o->lru_s : 0);
    if (o->type == OBJ_LIST) {
        const List *l = o->ptr;
        uint64_t raw_bytes = 0;
        for (uint32_t i = 0; i < l->n_nodes; i++) {
            size_t len;
            list_node(l, i, &len);
            raw_bytes += len;
        }
        buf_printf(&line,
                   " ql_nodes:%u ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
                   "ql_uncompressed_size:%llu",
                   (unsigned)l->n_nodes, l->n_nodes ? (double)l->count / l->n_nodes : 0.0,
                   (int)l->fill, l->depth != 0, (unsigned long long)raw_bytes);
    }
    buf_append_char(&line, '\0');
    reply_status(c, buf_data(&line));
    buf_free(&line);
}

/* DEBUG MEMORY-PARTS: streamd's own. A map of what the server holds
 * besides values (memreport.h's MemParts), in bytes: what an emptied server
 * may keep, and "other", what none of the parts explains. */
static void debug_memory_parts(Client *c) {
    MemParts p;
    mem_parts(&p);
    const struct {
        const char *name;
        long long v;
    } f[] = {
        {"used", (long long)p.used},
        {"startup", (long long)p.startup},
        {"clients.count", (long long)p.n_clients},
        {"clients", (long long)p.clients},
        {"propagation", (long long)p.propagation},
        {"aof.buffer", (long long)p.aof_buffer},
        {"replication.backlog", (long long)p.repl_backlog},
        {"cmdstats", (long long)p.cmdstats},
        {"errorstats", (long long)p.errorstats},
        {"slowlog", (long long)p.slowlog},
        {"scripts", (long long)p.scripts},
        {"functions", (long long)p.functions},
        {"hotkeys", (long long)p.hotkeys},
        {"keyspace.tables", (long long)p.keyspace},
        {"other", p.other},
    };
    reply_map(c, sizeof f / sizeof f[0]);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        reply_bulk_cstr(c, f[i].name);
        reply_int(c, f[i].v);
    }
}

static void cmd_debug(Client *c) {
    Slice sub = c->argv[1];
    if (slice_eq_nocase(sub, "OBJECT") && c->argc == 3) {
        debug_object(c);
    } else if (slice_eq_nocase(sub, "SLEEP") && c->argc == 3) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(c->argv[2].len > 60 ? 60 : c->argv[2].len),
                 c->argv[2].p);
        double secs = strtod(tmp, NULL);
        if (secs > 0) {
            struct timespec ts = {(time_t)secs, (long)((secs - floor(secs)) * 1e9)};
            nanosleep(&ts, NULL);
        }
        reply_ok(c);
    } else if (slice_eq_nocase(sub, "MEMORY-PARTS") && c->argc == 2) {
        debug_memory_parts(c);
    } else if (slice_eq_nocase(sub, "LOG") && c->argc == 3) {
        log_warning("DEBUG LOG: %.*s", (int)c->argv[2].len, c->argv[2].p);
        reply_ok(c);
    } else if (slice_eq_nocase(sub, "SET-ACTIVE-EXPIRE") && c->argc == 3) {
        /* 0 stops the cron's expiry (keys then expire only when looked up);
         * read as atoi() reads, as Redis does */
        char num[32];
        snprintf(num, sizeof num, "%.*s", (int)(c->argv[2].len < 31 ? c->argv[2].len : 31),
                 c->argv[2].p);
        core.active_expire_off = atoi(num) == 0;
        reply_ok(c);
    } else if (slice_eq_nocase(sub, "SEGFAULT") && c->argc == 2) {
        /* a real crash, for the crash report and supervisors (Redis's too) */
        log_warning("DEBUG SEGFAULT: crashing on request");
        raise(SIGSEGV);
    } else if (slice_eq_nocase(sub, "PANIC") && c->argc == 2) {
        log_warning("DEBUG PANIC called at Unix time %lld", (long long)time(NULL));
        abort();
    } else if (slice_eq_nocase(sub, "HELP") && c->argc == 2) {
        static const char *lines[] = {
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOG <message>",
            "    Write <message> to the server log.",
            "MEMORY-PARTS",
            "    Show what the server holds besides values, part by part, in bytes.",
            "OBJECT <key>",
            "    Show how the value at <key> is held: encoding, serialized size, access time.",
            "PANIC",
            "    Abort the server (a crash report in the log).",
            "SEGFAULT",
            "    Crash the server with a segmentation fault (a crash report in the log).",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "HELP",
            "    Prints this help.",
        };
        reply_array(c, sizeof lines / sizeof lines[0] + (size_t)n_debug_subs);
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) reply_status(c, lines[i]);
        for (int i = 0; i < n_debug_subs; i++) reply_status(c, debug_subs[i].name);
    } else {
        for (int i = 0; i < n_debug_subs; i++) {
            if (slice_eq_nocase(sub, debug_subs[i].name)) {
                debug_subs[i].fn(c);
                return;
            }
        }
        char b[140];
        snprintf(b, sizeof b, "%.*s", (int)(sub.len > 128 ? 128 : sub.len), sub.p);
        reply_error(
            c, "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", b);
    }
}

/* ---- SHUTDOWN, FUNCTION, TIME, LASTSAVE ------------------------------- */

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the shutdown, its wait for
 * lagging replicas and its abort are shutdown.c's. As in 7.0, ABORT takes
 * no other flag and an unknown word is a syntax error as soon as it comes. */
static void cmd_shutdown(Client *c) {
    int flags = 0, is_abort = 0;
    for (int i = 1; i < c->argc; i++) {
        Slice a = c->argv[i];
        if (slice_eq_nocase(a, "NOSAVE")) {
            flags |= SHUTDOWN_NOSAVE;
        } else if (slice_eq_nocase(a, "SAVE")) {
            flags |= SHUTDOWN_SAVE;
        } else if (slice_eq_nocase(a, "NOW")) {
            flags |= SHUTDOWN_NOW;
        } else if (slice_eq_nocase(a, "FORCE")) {
            flags |= SHUTDOWN_FORCE;
        } else if (slice_eq_nocase(a, "ABORT")) {
            is_abort = 1;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if ((is_abort && flags) || ((flags & SHUTDOWN_SAVE) && (flags & SHUTDOWN_NOSAVE))) {
        reply_syntax_error(c);
        return;
    }
    if (is_abort) {
        if (shutdown_abort() == 0)
            reply_ok(c);
        else
            reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    if (core.script_busy && !(flags & SHUTDOWN_NOSAVE)) {
        /* only NOSAVE stops the server under a running script */
        reply_error(c, "%s", SCRIPT_BUSY_REPLY());
        return;
    }
    shutdown_request(c, flags);
}

static void cmd_time(Client *c) {
    int64_t us = now_us();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

static void cmd_lastsave(Client *c) {
    reply_int(c, core.lastsave);
}

static const Command command_subcommands[] = {
    {"count", cmd_command_count, 2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    {"info", cmd_command_info, -2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    {"docs", cmd_command_docs, -2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    {"list", cmd_command_list, -2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    {"getkeys", cmd_command_getkeys, -4, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0,
     NULL},
    {"getkeysandflags", cmd_command_getkeysandflags, -4, CMD_LOADING | CMD_STALE,
     "@slow @connection", 0, 0, 0, NULL},
    {"help", cmd_command_help, 2, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* ---- SLOWLOG (src/server/slowlog.c keeps the entries) ------------------- */

static void cmd_slowlog_get(Client *c) {
    if (c->argc > 3) {
        reply_error(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                    "SLOWLOG HELP.",
                    (int)c->argv[1].len, c->argv[1].p);
        return;
    }
    long long count = 10;
    if (c->argc == 3 && (parse_ll(c->argv[2], &count) != 0 || count < -1)) {
        reply_error(c, "ERR count should be greater than or equal to -1");
        return;
    }
    slowlog_reply(c, count);
}

static void cmd_slowlog_len(Client *c) {
    reply_int(c, (long long)slowlog_len());
}

static void cmd_slowlog_reset(Client *c) {
    slowlog_reset();
    reply_ok(c);
}

static void cmd_slowlog_help(Client *c) {
    static const char *const lines[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static const Command slowlog_subcommands[] = {
    {"get", cmd_slowlog_get, -2, CMD_ADMIN | CMD_LOADING | CMD_STALE, "@admin @slow @dangerous", 0,
     0, 0, NULL},
    {"len", cmd_slowlog_len, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, "@admin @slow @dangerous", 0,
     0, 0, NULL},
    {"reset", cmd_slowlog_reset, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, "@admin @slow @dangerous",
     0, 0, 0, NULL},
    {"help", cmd_slowlog_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* ---- LATENCY (src/server/latency.c) --------------------------------------- */

static void cmd_latency_histogram(Client *c) {
    latency_histogram_reply(c, c->argc - 2, c->argv + 2);
}

static void cmd_latency_latest(Client *c) {
    latency_latest_reply(c);
}

static void cmd_latency_history(Client *c) {
    latency_history_reply(c, c->argv[2]);
}

static void cmd_latency_reset(Client *c) {
    latency_reset_reply(c, c->argc - 2, c->argv + 2);
}

static void cmd_latency_graph(Client *c) {
    latency_graph_reply(c, c->argv[2]);
}

static void cmd_latency_doctor(Client *c) {
    latency_doctor_reply(c);
}

static void cmd_latency_help(Client *c) {
    static const char *const lines[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        ("    Return a cumulative distribution of latencies in the format of a histogram for the "
         "specified command names."),
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static const Command latency_subcommands[] = {
    {"histogram", cmd_latency_histogram, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"latest", cmd_latency_latest, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"history", cmd_latency_history, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"reset", cmd_latency_reset, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"graph", cmd_latency_graph, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"doctor", cmd_latency_doctor, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"help", cmd_latency_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

/* ---- WAIT -------------------------------------------------------------- */

typedef struct WaitRepl {
    long long offset, numreplicas;
} WaitRepl;

/* Polled once per loop iteration, after the replicas' acknowledgements of
 * the iteration were read. */
static int wait_serve(Client *c, const Slice *key, void *ctx) {
    (void)key;
    WaitRepl *w = ctx;
    long long n = repl_count_acks(w->offset);
    if (n < w->numreplicas) return 0;
    reply_int(c, n);
    return 1;
}

static void wait_timed_out(Client *c, void *ctx) {
    reply_int(c, repl_count_acks(((WaitRepl *)ctx)->offset));
}

/* WAIT numreplicas timeout: the number of replicas that acknowledged every
 * write of this client so far (its offset in the replication stream), at
 * once when enough have (or inside EXEC or a script, which must not block),
 * else when enough do or the timeout passes (0: never). Blocking first asks
 * the replicas for an acknowledgement (REPLCONF GETACK), as Redis does. */
static void cmd_wait(Client *c) {
    long long numreplicas;
    int64_t deadline;
    /* a replica's writes are its own (its replicas get its master's stream) */
    if (replica_is_active()) {
        reply_error(c, "ERR WAIT cannot be used with replica instances. Please also note that "
                       "since Redis 4.0 if a replica is configured to be writable (which is not "
                       "the default) writes to replicas are just local and are not propagated.");
        return;
    }
    if (get_ll_or_reply(c, c->argv[1], &numreplicas) != 0) return;
    if (parse_block_timeout_ms(c, c->argv[2], &deadline) != 0) return;
    long long offset = repl_client_offset(c);
    long long acked = repl_count_acks(offset);
    if (acked >= numreplicas || (c->flags & (CLIENT_EXECUTING_MULTI | CLIENT_SCRIPT))) {
        reply_int(c, acked);
        return;
    }
    WaitRepl *w = xmalloc(sizeof *w);
    w->offset = offset;
    w->numreplicas = numreplicas;
    block_on_keys(c, NULL, 0, deadline, wait_serve, wait_timed_out, w, xfree);
    block_set_polled(c);
    repl_request_acks();
}

/* ---- WAITAOF ----------------------------------------------------------- */

typedef struct WaitAof {
    long long woff;      /* the waiting client's last write */
    long long repl_woff; /* the same in the replication stream */
    long long numlocal, numreplicas;
} WaitAof;

static void reply_waitaof(Client *c, long long woff, long long repl_woff) {
    reply_array(c, 2);
    reply_int(c, server.aof_fsynced_offset >= woff); /* the local AOF */
    reply_int(c, repl_count_aof_acks(repl_woff));    /* replicas' (REPLCONF ACK .. FACK) */
}

static const char waitaof_no_aof[] =
    "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.";

/* Polled after every loop iteration's AOF flush; turning the AOF off ends a
 * local wait with the error it would have got at once. */
static int waitaof_serve(Client *c, const Slice *key, void *ctx) {
    (void)key;
    WaitAof *w = ctx;
    if (w->numlocal && !server.appendonly) {
        reply_error(c, waitaof_no_aof);
        return 1;
    }
    if ((!w->numlocal || server.aof_fsynced_offset >= w->woff) &&
        repl_count_aof_acks(w->repl_woff) >= w->numreplicas) {
        reply_waitaof(c, w->woff, w->repl_woff);
        return 1;
    }
    return 0;
}

static void waitaof_timed_out(Client *c, void *ctx) {
    reply_waitaof(c, ((WaitAof *)ctx)->woff, ((WaitAof *)ctx)->repl_woff);
}

/* WAITAOF numlocal numreplicas timeout: waits until this client's writes so
 * far are fsynced to the local AOF (numlocal 1) and to numreplicas replicas'
 * (never: there are none), or the timeout. Replies [local 0/1, replicas]
 * either way; inside EXEC it answers at once. */
static void cmd_waitaof(Client *c) {
    long long numlocal, numreplicas;
    int64_t deadline;
    if (get_ll_or_reply(c, c->argv[1], &numlocal) != 0) return;
    if (numlocal < 0 || numlocal > 1) {
        reply_error(c, "ERR value is out of range, value must between 0 and 1");
        return;
    }
    if (get_ll_or_reply(c, c->argv[2], &numreplicas) != 0) return;
    if (numreplicas < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    if (parse_block_timeout_ms(c, c->argv[3], &deadline) != 0) return;
    if (numlocal && !server.appendonly) {
        reply_error(c, waitaof_no_aof);
        return;
    }
    long long woff = CF(c)->woff, repl_woff = repl_client_offset(c);
    int acked = server.aof_fsynced_offset >= woff;
    if ((acked >= numlocal && repl_count_aof_acks(repl_woff) >= numreplicas) ||
        (c->flags & (CLIENT_EXECUTING_MULTI | CLIENT_SCRIPT))) {
        reply_waitaof(c, woff, repl_woff);
        return;
    }
    WaitAof *w = xmalloc(sizeof *w);
    w->woff = woff;
    w->repl_woff = repl_woff;
    w->numlocal = numlocal;
    w->numreplicas = numreplicas;
    block_on_keys(c, NULL, 0, deadline, waitaof_serve, waitaof_timed_out, w, xfree);
    block_set_polled(c);
    if (numreplicas > 0) repl_request_acks();
}

/* ROLE: as a master, its offset and online replicas (repl.c). */
static void cmd_role(Client *c) {
    if (replica_role_reply(c)) return; /* a replica (replica.c) */
    repl_role_master(c);
}

/* MONITOR: from now on the client gets a line for every command run (see
 * src/server/monitor.c). Refused inside EXEC, whose client must get one
 * reply per command; a client already monitoring gets no reply at all, as
 * from Redis. */
static void cmd_monitor(Client *c) {
    if (c->flags & CLIENT_EXECUTING_MULTI) {
        reply_error(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR) return;
    monitor_add(CF(c));
    reply_ok(c);
}

const Command admin_commands[] = {
    {"info", cmd_info, -1, CMD_LOADING | CMD_STALE, "@slow @dangerous", 0, 0, 0, NULL},
    {"command", cmd_command_container, -1, CMD_LOADING | CMD_STALE, "@slow @connection", 0, 0, 0,
     command_subcommands},
    {"debug", cmd_debug, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PROTECTED,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"shutdown", cmd_shutdown, -1,
     CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_ALLOW_BUSY,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"time", cmd_time, 1, CMD_LOADING | CMD_STALE | CMD_FAST, "@fast", 0, 0, 0, NULL},
    {"lastsave", cmd_lastsave, 1, CMD_LOADING | CMD_STALE | CMD_FAST, "@admin @fast @dangerous", 0,
     0, 0, NULL},
    {"slowlog", NULL, -2, 0, "@slow", 0, 0, 0, slowlog_subcommands},
    {"wait", cmd_wait, 3, CMD_NOSCRIPT, "@slow @connection", 0, 0, 0, NULL},
    {"waitaof", cmd_waitaof, 4, CMD_BLOCKING, "@slow @blocking @connection", 0, 0, 0, NULL},
    {"latency", NULL, -2, 0, "@slow", 0, 0, 0, latency_subcommands},
    {"role", cmd_role, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST,
     "@admin @fast @dangerous", 0, 0, 0, NULL},
    {"monitor", cmd_monitor, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
