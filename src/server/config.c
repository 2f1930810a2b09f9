/*
 * config.c - the configuration table: every option's name, type, storage,
 * default and limits in one array, used by the config file parser, the
 * command line, CONFIG GET/SET/REWRITE and INFO.
 *
 * Values live in the Server struct (what handlers read) or in Settings (what
 * only the core reads). An option may have an apply hook that runs after
 * CONFIG SET and can refuse the change, in which case the old value is
 * restored, as Redis does.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/num.h"
#include "net/resp.h"
#include "persist/aof.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/evict.h"
#include "server/lazyfree.h"
#include "server/procenv.h"
#include "server/repl.h"
#include "types/tseries.h"

/* CT_MEMPCT: a memory value or N% (of maxmemory), stored as bytes or as -N
 * (Redis's percent configs); min is then -(the highest percentage). */
typedef enum { CT_BOOL, CT_INT, CT_MEM, CT_MEMPCT, CT_STR, CT_ENUM } ConfType;

/* CF_APPLY_AT_LOAD: the apply hook also checks the value read from the
 * config file or the command line (it only parses; others wait for the
 * server to be up). */
/* CF_PROTECTED: CONFIG SET only as enable-protected-configs allows (a
 * client that may move the directory may write files anywhere). */
/* CF_HIDDEN: a testing knob CONFIG GET answers only by its exact name, not
 * to a pattern (Redis 7.0 hides the same ones). */
enum { CF_IMMUTABLE = 1, CF_SENSITIVE = 2, CF_APPLY_AT_LOAD = 4, CF_PROTECTED = 8, CF_HIDDEN = 16 };

typedef struct ConfigDef {
    const char *name;
    const char *alias;
    ConfType type;
    void *ptr; /* int*, long long*, char** */
    const char *def;
    long long min, max;
    const char *const *enum_names;
    const int *enum_vals;
    int flags;
    int (*apply)(const char **err);
} ConfigDef;

static const char *const fsync_names[] = {"always", "everysec", "no", NULL};
static const int fsync_vals[] = {2, 1, 0};
static const char *const loglevel_names[] = {"debug",   "verbose", "notice",
                                             "warning", "nothing", NULL};
static const int loglevel_vals[] = {0, 1, 2, 3, 4};
static const char *const protected_names[] = {"no", "yes", "local", NULL};
static const int protected_vals[] = {PROTECTED_NO, PROTECTED_YES, PROTECTED_LOCAL};
static int loglevel_int;
static const char *const supervised_names[] = {"no", "upstart", "systemd", "auto", NULL};
static const char *const facility_names[] = {"user",   "local0", "local1", "local2", "local3",
                                             "local4", "local5", "local6", "local7", NULL};
static const char *const prop_err_names[] = {"ignore", "panic", "panic-on-replicas", NULL};
static const char *const sanitize_names[] = {"no", "yes", "clients", NULL};
static const char *const pubsub_default_names[] = {"allchannels", "resetchannels", NULL};
static const int pubsub_default_vals[] = {1, 0};
static const char *const tls_auth_names[] = {"no", "yes", "optional", NULL};
static const int tls_auth_vals[] = {0, 1, 2};
static const char *const tls_user_names[] = {"off", "CN", NULL};
static const int tls_user_vals[] = {0, 1};

static int apply_aof_auto_gc(const char **err) {
    (void)err;
    if (!settings.aof_disable_auto_gc) aof_collect_history();
    return 0;
}

/* Redis's build without its own jemalloc says the same. */
static int apply_activedefrag(const char **err) {
    if (!settings.activedefrag) return 0;
    *err = "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
           "modified Jemalloc like the one shipped by default with the Redis source distribution";
    return -1;
}

/* shutdown-on-sigint / -sigterm: "default" or any of save, nosave, now,
 * force, kept in that order. */
static int apply_shutdown_flags(char **val, const char **err) {
    static const char *const words[] = {"save", "nosave", "now", "force"};
    int have[4] = {0}, any = 0;
    const char *p = *val ? *val : "";
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t n = strcspn(p, " ");
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (strlen(words[i]) == n && !strncasecmp(p, words[i], n)) k = i;
        if (k < 0 && !(n == 7 && !strncasecmp(p, "default", 7))) {
            *err = "argument(s) must be one of the following: default, save, nosave, now, force";
            return -1;
        } else if (k >= 0) {
            have[k] = 1;
        }
        any = 1;
        p += n;
    }
    if (!any) {
        *err = "argument(s) must be one of the following: default, save, nosave, now, force";
        return -1;
    }
    if (have[0] && have[1]) {
        *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return -1;
    }
    Buf b;
    buf_init(&b);
    for (int i = 0; i < 4; i++)
        if (have[i]) buf_printf(&b, "%s%s", b.len ? " " : "", words[i]);
    if (!b.len) buf_append_cstr(&b, "default");
    buf_append_char(&b, '\0');
    xfree(*val);
    *val = b.p;
    return 0;
}

static int apply_shutdown_on_sigint(const char **err) {
    return apply_shutdown_flags(&settings.shutdown_on_sigint, err);
}

static int apply_shutdown_on_sigterm(const char **err) {
    return apply_shutdown_flags(&settings.shutdown_on_sigterm, err);
}

/* oom-score-adj: yes is relative */
static const char *const oom_adj_names[] = {"no", "yes", "relative", "absolute", NULL};
static const int oom_adj_vals[] = {0, 1, 1, 2};
static const char *const diskless_load_names[] = {"disabled", "on-empty-db", "swapdb", NULL};
static const int diskless_load_vals[] = {REPL_DISKLESS_LOAD_DISABLED, REPL_DISKLESS_LOAD_ON_EMPTY,
                                         REPL_DISKLESS_LOAD_SWAPDB};

static int parse_memory(const char *s, unsigned long long *out);

/* client-output-buffer-limit: <class> <hard> <soft> <soft seconds>, any
 * number of times. Every group is checked before any is applied; classes
 * not named keep their limits; the value is rewritten whole, as CONFIG GET
 * shows it. */
static int apply_obuf_limits(const char **err) {
    char *v = settings.client_obuf_limit ? settings.client_obuf_limit : "";
    /* split at every single space, as Redis's CONFIG SET does: a doubled or
     * trailing space makes an empty word, which the checks below refuse */
    char *copy = xstrdup(v);
    char **tok = xmalloc((strlen(v) + 1) * sizeof(char *));
    int n = 0, rc = -1;
    if (*copy) {
        tok[n++] = copy;
        for (char *p = copy; *p; p++) {
            if (*p != ' ') continue;
            *p = '\0';
            tok[n++] = p + 1;
        }
    }
    ObufLimit lim[OBUF_CLASSES];
    memcpy(lim, settings.obuf_limits, sizeof lim);
    if (n % 4 != 0) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        goto out;
    }
    for (int j = 0; j < n; j += 4) {
        int cls;
        if (!strcasecmp(tok[j], "normal"))
            cls = OBUF_NORMAL;
        else if (!strcasecmp(tok[j], "slave") || !strcasecmp(tok[j], "replica"))
            cls = OBUF_REPLICA;
        else if (!strcasecmp(tok[j], "pubsub"))
            cls = OBUF_PUBSUB;
        else {
            *err = "Invalid client class specified in buffer limit configuration.";
            goto out;
        }
        unsigned long long hard, soft;
        long long secs;
        if (parse_memory(tok[j + 1], &hard) != 0 || parse_memory(tok[j + 2], &soft) != 0 ||
            num_parse_ll(tok[j + 3], strlen(tok[j + 3]), &secs) != 0 || secs < 0) {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            goto out;
        }
        lim[cls] = (ObufLimit){hard, soft, secs};
    }
    memcpy(settings.obuf_limits, lim, sizeof lim);
    Buf b;
    buf_init(&b);
    static const char *const names[OBUF_CLASSES] = {"normal", "slave", "pubsub"};
    for (int k = 0; k < OBUF_CLASSES; k++)
        buf_printf(&b, "%s%s %llu %llu %lld", k ? " " : "", names[k], lim[k].hard, lim[k].soft,
                   lim[k].soft_seconds);
    buf_append_char(&b, '\0');
    xfree(settings.client_obuf_limit);
    settings.client_obuf_limit = xstrdup(b.p);
    buf_free(&b);
    rc = 0;
out:
    xfree(tok);
    xfree(copy);
    return rc;
}

/* BACKUP hard-links files into backupdirname, which must therefore be a
 * plain directory name inside dir (on the file system of the AOF). */
static int apply_backupdirname(const char **err) {
    const char *v = settings.backupdirname;
    if (!v || !*v || strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, "..")) {
        *err = "backupdirname can't be a path, just a dirname";
        return -1;
    }
    return 0;
}

static int apply_latency_percentiles(const char **err) {
    return latency_set_percentiles(&settings.latency_tracking_info_percentiles, err);
}

/* Time series (Redis 8's ts-* module configs): a chunk size is a multiple
 * of 8, the value difference of the ignore window a double >= 0. */
static const char *const ts_policy_names[] = {"block", "first", "last", "min", "max", "sum", NULL};
static const int ts_policy_vals[] = {1, 2, 3, 4, 5, 6};
static const char *const ts_encoding_names[] = {"compressed", "uncompressed", NULL};
static const int ts_encoding_vals[] = {0, 1};

static int apply_ts_chunk_size(const char **err) {
    if (settings.ts_chunk_size_bytes % 8 != 0) {
        *err = "argument must be a multiple of 8";
        return -1;
    }
    return 0;
}

static int apply_ts_ignore_val(const char **err) {
    const char *v = settings.ts_ignore_max_val_diff ? settings.ts_ignore_max_val_diff : "";
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || isnan(d) || d < 0 || isinf(d)) {
        *err = "argument couldn't be parsed into a non-negative double";
        return -1;
    }
    settings.ts_ignore_max_val_diff_d = d;
    return 0;
}

static int apply_ts_compaction_policy(const char **err) {
    TsPolicyRule rules[TS_MAX_POLICY_RULES];
    const char *v = settings.ts_compaction_policy ? settings.ts_compaction_policy : "";
    if (ts_policy_rules_parse(v, rules, TS_MAX_POLICY_RULES) < 0) {
        *err = "Invalid compaction policy";
        return -1;
    }
    return 0;
}

/* search-on-timeout: the index is FTCONF_ON_TIMEOUT_* (types/ftconfig.h) */
static const char *const search_on_timeout_names[] = {"return", "fail", NULL};

#define LL_MAX LLONG_MAX
static ConfigDef configs[] = {
    {"bind", NULL, CT_STR, &settings.bind, "127.0.0.1 -::1", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"port", NULL, CT_INT, &settings.port, "6379", 0, 65535, NULL, NULL, 0, server_apply_port},
    {"unixsocket", NULL, CT_STR, &settings.unixsocket, "", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"unixsocketperm", NULL, CT_INT, &settings.unixsocketperm, "0", 0, 0777, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"tcp-backlog", NULL, CT_INT, &settings.tcp_backlog, "511", 0, INT_MAX, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"tcp-keepalive", NULL, CT_INT, &settings.tcp_keepalive, "300", 0, INT_MAX, NULL, NULL, 0,
     NULL},
    {"timeout", NULL, CT_INT, &settings.timeout, "0", 0, INT_MAX, NULL, NULL, 0, NULL},
    {"maxclients", NULL, CT_INT, &settings.maxclients, "10000", 1, INT_MAX, NULL, NULL, 0, NULL},
    {"databases", NULL, CT_INT, &settings.databases, "16", 1, 64, NULL, NULL, CF_IMMUTABLE, NULL},
    {"requirepass", NULL, CT_STR, &settings.requirepass, "", 0, 0, NULL, NULL, CF_SENSITIVE,
     acl_apply_requirepass},
    {"protected-mode", NULL, CT_BOOL, &settings.protected_mode, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"enable-module-command", NULL, CT_ENUM, &settings.enable_module_command, "no", 0, 0,
     protected_names, protected_vals, CF_IMMUTABLE, NULL},
    {"enable-debug-command", NULL, CT_ENUM, &settings.enable_debug_command, "no", 0, 0,
     protected_names, protected_vals, CF_IMMUTABLE, NULL},
    {"enable-protected-configs", NULL, CT_ENUM, &settings.enable_protected_configs, "no", 0, 0,
     protected_names, protected_vals, CF_IMMUTABLE, NULL},
    {"proto-max-bulk-len", NULL, CT_MEM, &settings.proto_max_bulk_len, "536870912", 1048576, LL_MAX,
     NULL, NULL, 0, NULL},
    {"client-query-buffer-limit", NULL, CT_MEM, &settings.client_query_buffer_limit, "1073741824",
     1048576, LL_MAX, NULL, NULL, 0, NULL},
    {"maxmemory", NULL, CT_MEM, &settings.maxmemory, "0", 0, LL_MAX, NULL, NULL, 0, NULL},
    {"maxmemory-clients", NULL, CT_MEMPCT, &settings.maxmemory_clients, "0", -100, LL_MAX, NULL,
     NULL, 0, NULL},
    {"maxmemory-policy", NULL, CT_ENUM, &settings.maxmemory_policy, "noeviction", 0, 0,
     evict_policy_names, NULL, 0, NULL},
    {"maxmemory-samples", NULL, CT_INT, &settings.maxmemory_samples, "5", 1, INT_MAX, NULL, NULL, 0,
     NULL},
    {"maxmemory-eviction-tenacity", NULL, CT_INT, &settings.maxmemory_eviction_tenacity, "10", 0,
     100, NULL, NULL, 0, NULL},
    {"lfu-log-factor", NULL, CT_INT, &settings.lfu_log_factor, "10", 0, INT_MAX, NULL, NULL, 0,
     NULL},
    {"lfu-decay-time", NULL, CT_INT, &settings.lfu_decay_time, "1", 0, INT_MAX, NULL, NULL, 0,
     NULL},
    {"replica-ignore-maxmemory", "slave-ignore-maxmemory", CT_BOOL,
     &settings.replica_ignore_maxmemory, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"hz", NULL, CT_INT, &settings.hz, "10", 0, INT_MAX, NULL, NULL, 0, NULL},
    {"busy-poll-us", NULL, CT_INT, &settings.busy_poll_us, "50", 0, 10000, NULL, NULL, 0, NULL},
    {"loglevel", NULL, CT_ENUM, &loglevel_int, "notice", 0, 0, loglevel_names, loglevel_vals, 0,
     NULL},
    {"logfile", NULL, CT_STR, &settings.logfile, "", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"daemonize", NULL, CT_BOOL, &settings.daemonize, "no", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"pidfile", NULL, CT_STR, &settings.pidfile, "", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"dir", NULL, CT_STR, &server.dir, "./", 0, 0, NULL, NULL, CF_PROTECTED, NULL},
    {"appendonly", NULL, CT_BOOL, &server.appendonly, "no", 0, 0, NULL, NULL, 0, NULL},
    {"appendfsync", NULL, CT_ENUM, &server.appendfsync, "everysec", 0, 0, fsync_names, fsync_vals,
     0, NULL},
    {"appendfilename", NULL, CT_STR, &server.appendfilename, "appendonly.aof", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"appenddirname", NULL, CT_STR, &server.appenddirname, "appendonlydir", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"backupdirname", NULL, CT_STR, &settings.backupdirname, "backupdir", 0, 0, NULL, NULL,
     CF_APPLY_AT_LOAD, apply_backupdirname},
    {"backup-sealed-ttl", NULL, CT_INT, &settings.backup_sealed_ttl, "0", 0, INT_MAX, NULL, NULL, 0,
     NULL},
    {"auto-aof-rewrite-percentage", NULL, CT_INT, &server.auto_aof_rewrite_percentage, "100", 0,
     INT_MAX, NULL, NULL, 0, NULL},
    {"auto-aof-rewrite-min-size", NULL, CT_MEM, &server.auto_aof_rewrite_min_size, "67108864", 0,
     LL_MAX, NULL, NULL, 0, NULL},
    {"aof-load-truncated", NULL, CT_BOOL, &server.aof_load_truncated, "yes", 0, 0, NULL, NULL, 0,
     NULL},
    {"aof-use-rdb-preamble", NULL, CT_BOOL, &server.aof_use_rdb_preamble, "no", 0, 0, NULL, NULL, 0,
     NULL},
    {"list-max-listpack-size", "list-max-ziplist-size", CT_INT, &settings.list_max_listpack_size,
     "-2", INT_MIN, INT_MAX, NULL, NULL, 0, NULL},
    {"list-compress-depth", NULL, CT_INT, &settings.list_compress_depth, "0", 0, INT_MAX, NULL,
     NULL, 0, NULL},
    {"stream-node-max-bytes", NULL, CT_MEM, &server.stream_node_max_bytes, "4096", 0, LL_MAX, NULL,
     NULL, 0, NULL},
    {"stream-node-max-entries", NULL, CT_INT, &server.stream_node_max_entries, "100", 0, LL_MAX,
     NULL, NULL, 0, NULL},
    /* Redis 8's Bloom/Cuckoo configs: text, checked by src/cmd/bloom.c's hooks */
    {"bf-error-rate", NULL, CT_STR, &settings.bf_error_rate, "0.01", 0, 0, NULL, NULL, 0, NULL},
    {"bf-initial-size", NULL, CT_STR, &settings.bf_initial_size, "100", 0, 0, NULL, NULL, 0, NULL},
    {"bf-expansion-factor", NULL, CT_STR, &settings.bf_expansion_factor, "2", 0, 0, NULL, NULL, 0,
     NULL},
    {"cf-bucket-size", NULL, CT_STR, &settings.cf_bucket_size, "2", 0, 0, NULL, NULL, 0, NULL},
    {"cf-initial-size", NULL, CT_STR, &settings.cf_initial_size, "1024", 0, 0, NULL, NULL, 0, NULL},
    {"cf-max-iterations", NULL, CT_STR, &settings.cf_max_iterations, "20", 0, 0, NULL, NULL, 0,
     NULL},
    {"cf-expansion-factor", NULL, CT_STR, &settings.cf_expansion_factor, "1", 0, 0, NULL, NULL, 0,
     NULL},
    {"cf-max-expansions", NULL, CT_STR, &settings.cf_max_expansions, "32", 0, 0, NULL, NULL, 0,
     NULL},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", CT_INT,
     &settings.zset_max_listpack_entries, "128", 0, LL_MAX, NULL, NULL, 0, NULL},
    {"zset-max-listpack-value", "zset-max-ziplist-value", CT_MEM, &settings.zset_max_listpack_value,
     "64", 0, LL_MAX, NULL, NULL, 0, NULL},
    {"stream-idmp-duration", NULL, CT_INT, &server.stream_idmp_duration, "100", 1, 86400, NULL,
     NULL, 0, NULL},
    {"stream-idmp-maxsize", NULL, CT_INT, &server.stream_idmp_maxsize, "100", 1, 10000, NULL, NULL,
     0, NULL},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", CT_INT,
     &settings.hash_max_listpack_entries, "512", 0, LONG_MAX, NULL, NULL, 0, NULL},
    {"hash-max-listpack-value", "hash-max-ziplist-value", CT_MEM, &settings.hash_max_listpack_value,
     "64", 0, LONG_MAX, NULL, NULL, 0, NULL},
    {"set-max-intset-entries", NULL, CT_INT, &settings.set_max_intset_entries, "512", 0, LONG_MAX,
     NULL, NULL, 0, NULL},
    {"hll-sparse-max-bytes", NULL, CT_MEM, &settings.hll_sparse_max_bytes, "3000", 0, LONG_MAX,
     NULL, NULL, 0, NULL},
    {"ts-retention-policy", NULL, CT_INT, &settings.ts_retention_policy, "0", 0, LL_MAX, NULL, NULL,
     0, NULL},
    {"ts-chunk-size-bytes", NULL, CT_INT, &settings.ts_chunk_size_bytes, "4096", 48, 1048576, NULL,
     NULL, CF_APPLY_AT_LOAD, apply_ts_chunk_size},
    {"ts-duplicate-policy", NULL, CT_ENUM, &settings.ts_duplicate_policy, "block", 0, 0,
     ts_policy_names, ts_policy_vals, 0, NULL},
    {"ts-encoding", NULL, CT_ENUM, &settings.ts_encoding, "compressed", 0, 0, ts_encoding_names,
     ts_encoding_vals, 0, NULL},
    {"ts-ignore-max-time-diff", NULL, CT_INT, &settings.ts_ignore_max_time_diff, "0", 0, LL_MAX,
     NULL, NULL, 0, NULL},
    {"ts-ignore-max-val-diff", NULL, CT_STR, &settings.ts_ignore_max_val_diff, "0", 0, 0, NULL,
     NULL, CF_APPLY_AT_LOAD, apply_ts_ignore_val},
    {"ts-compaction-policy", NULL, CT_STR, &settings.ts_compaction_policy, "", 0, 0, NULL, NULL,
     CF_APPLY_AT_LOAD, apply_ts_compaction_policy},
    /* the query engine (Redis 8's search-* module configs; types/ftconfig.h) */
    {"search-default-dialect", NULL, CT_INT, &settings.search.default_dialect, "1", 1, 4, NULL,
     NULL, 0, NULL},
    {"search-timeout", NULL, CT_INT, &settings.search.timeout, "500", 1, LL_MAX, NULL, NULL, 0,
     NULL},
    {"search-min-prefix", NULL, CT_INT, &settings.search.min_prefix, "2", 1, LL_MAX, NULL, NULL, 0,
     NULL},
    {"search-max-prefix-expansions", NULL, CT_INT, &settings.search.max_prefix_expansions, "200", 1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-max-search-results", NULL, CT_INT, &settings.search.max_search_results, "1000000", 0,
     1LL << 31, NULL, NULL, 0, NULL},
    {"search-max-aggregate-results", NULL, CT_INT, &settings.search.max_aggregate_results,
     "2147483648", 0, 1LL << 31, NULL, NULL, 0, NULL},
    {"search-cursor-max-idle", NULL, CT_INT, &settings.search.cursor_max_idle, "300000", 1, LL_MAX,
     NULL, NULL, 0, NULL},
    {"search-index-cursor-limit", NULL, CT_INT, &settings.search.index_cursor_limit, "128", 0,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-max-doctablesize", NULL, CT_INT, &settings.search.max_doctablesize, "1000000", 1,
     100000000, NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-min-stem-len", NULL, CT_INT, &settings.search.min_stem_len, "4", 2, UINT32_MAX, NULL,
     NULL, 0, NULL},
    {"search-min-phonetic-term-len", NULL, CT_INT, &settings.search.min_phonetic_term_len, "3", 1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-union-iterator-heap", NULL, CT_INT, &settings.search.union_iterator_heap, "20", 1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-gc-scan-size", NULL, CT_INT, &settings.search.gc_scan_size, "100", 1, LL_MAX, NULL,
     NULL, 0, NULL},
    {"search-fork-gc-run-interval", NULL, CT_INT, &settings.search.fork_gc_run_interval, "30", 1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-fork-gc-clean-threshold", NULL, CT_INT, &settings.search.fork_gc_clean_threshold,
     "100", 1, LL_MAX, NULL, NULL, 0, NULL},
    {"search-fork-gc-retry-interval", NULL, CT_INT, &settings.search.fork_gc_retry_interval, "5", 1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"search-fork-gc-sleep-before-exit", NULL, CT_INT, &settings.search.fork_gc_sleep_before_exit,
     "0", 0, LL_MAX, NULL, NULL, 0, NULL},
    {"search-workers", NULL, CT_INT, &settings.search.workers, "0", 0, 16, NULL, NULL, 0, NULL},
    {"search-min-operation-workers", NULL, CT_INT, &settings.search.min_operation_workers, "4", 1,
     16, NULL, NULL, 0, NULL},
    {"search-tiered-hnsw-buffer-limit", NULL, CT_INT, &settings.search.tiered_hnsw_buffer_limit,
     "1024", 0, LL_MAX, NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-workers-priority-bias-threshold", NULL, CT_INT,
     &settings.search.workers_priority_bias_threshold, "1", 0, LL_MAX, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"search-multi-text-slop", NULL, CT_INT, &settings.search.multi_text_slop, "100", 1, UINT32_MAX,
     NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-vss-max-resize", NULL, CT_INT, &settings.search.vss_max_resize, "0", 0, UINT32_MAX,
     NULL, NULL, 0, NULL},
    {"search-bg-index-sleep-gap", NULL, CT_INT, &settings.search.bg_index_sleep_gap, "100", 1,
     UINT32_MAX, NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-_numeric-ranges-parents", NULL, CT_INT, &settings.search.numeric_ranges_parents, "0",
     0, 2, NULL, NULL, 0, NULL},
    {"search-on-timeout", NULL, CT_ENUM, &settings.search.on_timeout, "fail", 0, 0,
     search_on_timeout_names, NULL, 0, NULL},
    {"search-no-gc", NULL, CT_BOOL, &settings.search.no_gc, "no", 0, 0, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"search-no-mem-pools", NULL, CT_BOOL, &settings.search.no_mem_pools, "no", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"search-partial-indexed-docs", NULL, CT_BOOL, &settings.search.partial_indexed_docs, "no", 0,
     0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-raw-docid-encoding", NULL, CT_BOOL, &settings.search.raw_docid_encoding, "no", 0, 0,
     NULL, NULL, CF_IMMUTABLE, NULL},
    {"search-_numeric-compress", NULL, CT_BOOL, &settings.search.numeric_compress, "no", 0, 0, NULL,
     NULL, 0, NULL},
    {"search-_free-resource-on-thread", NULL, CT_BOOL, &settings.search.free_resource_on_thread,
     "yes", 0, 0, NULL, NULL, 0, NULL},
    {"search-_print-profile-clock", NULL, CT_BOOL, &settings.search.print_profile_clock, "yes", 0,
     0, NULL, NULL, 0, NULL},
    {"search-_prioritize-intersect-union-children", NULL, CT_BOOL,
     &settings.search.prioritize_intersect_union_children, "no", 0, 0, NULL, NULL, 0, NULL},
    {"search-ext-load", NULL, CT_STR, &settings.search.ext_load, "", 0, 0, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"search-friso-ini", NULL, CT_STR, &settings.search.friso_ini, "", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"save", NULL, CT_STR, &settings.save, "", 0, 0, NULL, NULL, 0, NULL},
    {"rdb-key-save-delay", NULL, CT_INT, &settings.rdb_key_save_delay, "0", INT_MIN, INT_MAX, NULL,
     NULL, CF_HIDDEN, NULL},
    {"rdbcompression", NULL, CT_BOOL, &server.rdbcompression, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"rdbchecksum", NULL, CT_BOOL, &server.rdbchecksum, "yes", 0, 0, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"stop-writes-on-bgsave-error", NULL, CT_BOOL, &server.stop_writes_on_bgsave_error, "yes", 0, 0,
     NULL, NULL, 0, NULL},
    {"dbfilename", NULL, CT_STR, &settings.dbfilename, "dump.rdb", 0, 0, NULL, NULL, CF_PROTECTED,
     NULL},
    {"slowlog-log-slower-than", NULL, CT_INT, &settings.slowlog_log_slower_than, "10000", -1,
     LL_MAX, NULL, NULL, 0, NULL},
    {"slowlog-max-len", NULL, CT_INT, &settings.slowlog_max_len, "128", 0, LONG_MAX, NULL, NULL, 0,
     NULL},
    /* Redis 8.8: 2 keeps the name and the "... (N more arguments)" slot */
    {"slowlog-entry-max-argc", NULL, CT_INT, &settings.slowlog_entry_max_argc, "32", 2, INT_MAX,
     NULL, NULL, 0, NULL},
    {"slowlog-entry-max-string-len", NULL, CT_INT, &settings.slowlog_entry_max_string_len, "128", 1,
     LONG_MAX, NULL, NULL, 0, NULL},
    {"latency-monitor-threshold", NULL, CT_INT, &settings.latency_monitor_threshold, "0", 0, LL_MAX,
     NULL, NULL, 0, NULL},
    {"tracking-table-max-keys", NULL, CT_INT, &settings.tracking_table_max_keys, "1000000", 0,
     LONG_MAX, NULL, NULL, 0, NULL},
    {"latency-tracking", NULL, CT_BOOL, &settings.latency_tracking, "yes", 0, 0, NULL, NULL, 0,
     NULL},
    {"latency-tracking-info-percentiles", NULL, CT_STR, &settings.latency_tracking_info_percentiles,
     "50 99 99.9", 0, 0, NULL, NULL, CF_APPLY_AT_LOAD, apply_latency_percentiles},
    {"busy-reply-threshold", "lua-time-limit", CT_INT, &settings.lua_time_limit, "5000", 0,
     LONG_MAX, NULL, NULL, 0, NULL},
    {"activerehashing", NULL, CT_BOOL, &settings.activerehashing, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"set-proc-title", NULL, CT_BOOL, &settings.set_proc_title, "yes", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"proc-title-template", NULL, CT_STR, &settings.proc_title_template,
     "{title} {listen-addr} {server-mode}", 0, 0, NULL, NULL, CF_APPLY_AT_LOAD,
     procenv_apply_title},
    {"oom-score-adj", NULL, CT_ENUM, &settings.oom_score_adj, "no", 0, 0, oom_adj_names,
     oom_adj_vals, 0, procenv_apply_oom},
    {"oom-score-adj-values", NULL, CT_STR, &settings.oom_score_adj_values, "0 200 800", 0, 0, NULL,
     NULL, CF_APPLY_AT_LOAD, procenv_apply_oom},
    {"disable-thp", NULL, CT_BOOL, &settings.disable_thp, "yes", 0, 0, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"jemalloc-bg-thread", NULL, CT_BOOL, &settings.jemalloc_bg_thread, "yes", 0, 0, NULL, NULL, 0,
     procenv_apply_jemalloc_bg_thread},
    {"supervised", NULL, CT_ENUM, &settings.supervised, "no", 0, 0, supervised_names, NULL,
     CF_IMMUTABLE, NULL},
    {"syslog-enabled", NULL, CT_BOOL, &settings.syslog_enabled, "no", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"syslog-ident", NULL, CT_STR, &settings.syslog_ident, "redis", 0, 0, NULL, NULL, CF_IMMUTABLE,
     NULL},
    {"syslog-facility", NULL, CT_ENUM, &settings.syslog_facility, "local0", 0, 0, facility_names,
     NULL, CF_IMMUTABLE, NULL},
    {"always-show-logo", NULL, CT_BOOL, &settings.always_show_logo, "no", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"dynamic-hz", NULL, CT_BOOL, &settings.dynamic_hz, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"rdb-del-sync-files", NULL, CT_BOOL, &settings.rdb_del_sync_files, "no", 0, 0, NULL, NULL, 0,
     NULL},
    {"repl-disable-tcp-nodelay", NULL, CT_BOOL, &settings.repl_disable_tcp_nodelay, "no", 0, 0,
     NULL, NULL, 0, NULL},
    {"no-appendfsync-on-rewrite", NULL, CT_BOOL, &settings.no_appendfsync_on_rewrite, "no", 0, 0,
     NULL, NULL, 0, NULL},
    {"aof-timestamp-enabled", NULL, CT_BOOL, &settings.aof_timestamp_enabled, "no", 0, 0, NULL,
     NULL, 0, NULL},
    {"aof-rewrite-incremental-fsync", NULL, CT_BOOL, &settings.aof_rewrite_incremental_fsync, "yes",
     0, 0, NULL, NULL, 0, NULL},
    {"aof-disable-auto-gc", NULL, CT_BOOL, &settings.aof_disable_auto_gc, "no", 0, 0, NULL, NULL, 0,
     apply_aof_auto_gc},
    {"propagation-error-behavior", NULL, CT_ENUM, &settings.propagation_error_behavior, "ignore", 0,
     0, prop_err_names, NULL, 0, NULL},
    {"sanitize-dump-payload", NULL, CT_ENUM, &settings.sanitize_dump_payload, "no", 0, 0,
     sanitize_names, NULL, 0, NULL},
    {"acl-pubsub-default", NULL, CT_ENUM, &settings.acl_pubsub_default, "resetchannels", 0, 0,
     pubsub_default_names, pubsub_default_vals, 0, NULL},
    {"active-expire-effort", NULL, CT_INT, &settings.active_expire_effort, "1", 1, 10, NULL, NULL,
     0, NULL},
    {"shutdown-on-sigint", NULL, CT_STR, &settings.shutdown_on_sigint, "default", 0, 0, NULL, NULL,
     CF_APPLY_AT_LOAD, apply_shutdown_on_sigint},
    {"shutdown-on-sigterm", NULL, CT_STR, &settings.shutdown_on_sigterm, "default", 0, 0, NULL,
     NULL, CF_APPLY_AT_LOAD, apply_shutdown_on_sigterm},
    {"shutdown-timeout", NULL, CT_INT, &settings.shutdown_timeout, "10", 0, INT_MAX, NULL, NULL, 0,
     NULL},
    {"crash-log-enabled", NULL, CT_BOOL, &settings.crash_log_enabled, "yes", 0, 0, NULL, NULL, 0,
     procenv_apply_crash_log},
    {"crash-memcheck-enabled", NULL, CT_BOOL, &settings.crash_memcheck_enabled, "yes", 0, 0, NULL,
     NULL, 0, NULL},
    {"activedefrag", NULL, CT_BOOL, &settings.activedefrag, "no", 0, 0, NULL, NULL, 0,
     apply_activedefrag},
    {"active-defrag-ignore-bytes", NULL, CT_MEM, &settings.active_defrag_ignore_bytes, "104857600",
     1, LL_MAX, NULL, NULL, 0, NULL},
    {"active-defrag-threshold-lower", NULL, CT_INT, &settings.active_defrag_threshold_lower, "10",
     0, 1000, NULL, NULL, 0, NULL},
    {"active-defrag-threshold-upper", NULL, CT_INT, &settings.active_defrag_threshold_upper, "100",
     0, 1000, NULL, NULL, 0, NULL},
    {"active-defrag-cycle-min", NULL, CT_INT, &settings.active_defrag_cycle_min, "1", 1, 99, NULL,
     NULL, 0, NULL},
    {"active-defrag-cycle-max", NULL, CT_INT, &settings.active_defrag_cycle_max, "25", 1, 99, NULL,
     NULL, 0, NULL},
    {"active-defrag-max-scan-fields", NULL, CT_INT, &settings.active_defrag_max_scan_fields, "1000",
     1, LL_MAX, NULL, NULL, 0, NULL},
    {"rdb-save-incremental-fsync", NULL, CT_BOOL, &settings.rdb_save_incremental_fsync, "yes", 0, 0,
     NULL, NULL, 0, NULL},
    {"lazyfree-lazy-user-del", NULL, CT_BOOL, &settings.lazyfree_lazy_user_del, "no", 0, 0, NULL,
     NULL, 0, NULL},
    {"lazyfree-lazy-server-del", NULL, CT_BOOL, &settings.lazyfree_lazy_server_del, "no", 0, 0,
     NULL, NULL, 0, NULL},
    {"lazyfree-lazy-expire", NULL, CT_BOOL, &settings.lazyfree_lazy_expire, "no", 0, 0, NULL, NULL,
     0, NULL},
    {"lazyfree-lazy-user-flush", NULL, CT_BOOL, &settings.lazyfree_lazy_user_flush, "no", 0, 0,
     NULL, NULL, 0, NULL},
    {"lazyfree-lazy-eviction", NULL, CT_BOOL, &settings.lazyfree_lazy_eviction, "no", 0, 0, NULL,
     NULL, 0, NULL},
    {"replica-lazy-flush", "slave-lazy-flush", CT_BOOL, &settings.replica_lazy_flush, "no", 0, 0,
     NULL, NULL, 0, NULL},
    {"client-output-buffer-limit", NULL, CT_STR, &settings.client_obuf_limit,
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0, 0, NULL, NULL,
     CF_APPLY_AT_LOAD, apply_obuf_limits},
    {"notify-keyspace-events", NULL, CT_STR, &settings.notify_keyspace_events, "", 0, 0, NULL, NULL,
     CF_APPLY_AT_LOAD, notify_apply_config},
    {"aclfile", NULL, CT_STR, &settings.aclfile, "", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"acllog-max-len", NULL, CT_INT, &settings.acllog_max_len, "128", 0, LL_MAX, NULL, NULL, 0,
     NULL},
    {"repl-backlog-size", NULL, CT_MEM, &settings.repl_backlog_size, "1048576", 16384, LL_MAX, NULL,
     NULL, 0, repl_apply_backlog_size},
    {"repl-backlog-ttl", NULL, CT_INT, &settings.repl_backlog_ttl, "3600", 0, INT_MAX, NULL, NULL,
     0, NULL},
    {"repl-diskless-sync", NULL, CT_BOOL, &settings.repl_diskless_sync, "yes", 0, 0, NULL, NULL, 0,
     NULL},
    {"repl-diskless-sync-delay", NULL, CT_INT, &settings.repl_diskless_sync_delay, "5", 0, INT_MAX,
     NULL, NULL, 0, NULL},
    {"repl-diskless-sync-max-replicas", NULL, CT_INT, &settings.repl_diskless_sync_max_replicas,
     "0", 0, INT_MAX, NULL, NULL, 0, NULL},
    {"repl-diskless-load", NULL, CT_ENUM, &settings.repl_diskless_load, "disabled", 0, 0,
     diskless_load_names, diskless_load_vals, 0, NULL},
    {"repl-ping-replica-period", "repl-ping-slave-period", CT_INT, &settings.repl_ping_period, "10",
     1, INT_MAX, NULL, NULL, 0, NULL},
    {"repl-timeout", NULL, CT_INT, &settings.repl_timeout, "60", 1, INT_MAX, NULL, NULL, 0, NULL},
    {"min-replicas-to-write", "min-slaves-to-write", CT_INT, &settings.min_replicas_to_write, "0",
     0, INT_MAX, NULL, NULL, 0, repl_apply_min_replicas},
    {"min-replicas-max-lag", "min-slaves-max-lag", CT_INT, &settings.min_replicas_max_lag, "10", 0,
     INT_MAX, NULL, NULL, 0, repl_apply_min_replicas},
    {"io-threads", NULL, CT_INT, &settings.io_threads, "1", 1, 128, NULL, NULL, CF_IMMUTABLE, NULL},
    {"io-threads-do-reads", NULL, CT_BOOL, &settings.io_threads_do_reads, "no", 0, 0, NULL, NULL,
     CF_IMMUTABLE, NULL},
    {"ignore-warnings", NULL, CT_STR, &settings.ignore_warnings, "", 0, 0, NULL, NULL, 0, NULL},
    {"server_cpulist", NULL, CT_STR, &settings.server_cpulist, "", 0, 0, NULL, NULL,
     CF_IMMUTABLE | CF_APPLY_AT_LOAD, procenv_check_cpulists},
    {"bio_cpulist", NULL, CT_STR, &settings.bio_cpulist, "", 0, 0, NULL, NULL,
     CF_IMMUTABLE | CF_APPLY_AT_LOAD, procenv_check_cpulists},
    {"aof_rewrite_cpulist", NULL, CT_STR, &settings.aof_rewrite_cpulist, "", 0, 0, NULL, NULL,
     CF_IMMUTABLE | CF_APPLY_AT_LOAD, procenv_check_cpulists},
    {"bgsave_cpulist", NULL, CT_STR, &settings.bgsave_cpulist, "", 0, 0, NULL, NULL,
     CF_IMMUTABLE | CF_APPLY_AT_LOAD, procenv_check_cpulists},
    {"socket-mark-id", NULL, CT_INT, &settings.socket_mark_id, "0", 0, UINT32_MAX, NULL, NULL,
     CF_IMMUTABLE, NULL},
    /* TLS (net/tls.c, server.c): a change rebuilds the context while TLS is
     * in use; tls-port opens or closes its listeners */
    {"tls-port", NULL, CT_INT, &settings.tls_port, "0", 0, 65535, NULL, NULL, 0,
     server_apply_tls_port},
    {"tls-cert-file", NULL, CT_STR, &settings.tls_cert_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-key-file", NULL, CT_STR, &settings.tls_key_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-key-file-pass", NULL, CT_STR, &settings.tls_key_file_pass, "", 0, 0, NULL, NULL,
     CF_SENSITIVE, server_apply_tls},
    {"tls-client-cert-file", NULL, CT_STR, &settings.tls_client_cert_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-client-key-file", NULL, CT_STR, &settings.tls_client_key_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-client-key-file-pass", NULL, CT_STR, &settings.tls_client_key_file_pass, "", 0, 0, NULL,
     NULL, CF_SENSITIVE, server_apply_tls},
    {"tls-dh-params-file", NULL, CT_STR, &settings.tls_dh_params_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-ca-cert-file", NULL, CT_STR, &settings.tls_ca_cert_file, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-ca-cert-dir", NULL, CT_STR, &settings.tls_ca_cert_dir, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-protocols", NULL, CT_STR, &settings.tls_protocols, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-ciphers", NULL, CT_STR, &settings.tls_ciphers, "", 0, 0, NULL, NULL, 0, server_apply_tls},
    {"tls-ciphersuites", NULL, CT_STR, &settings.tls_ciphersuites, "", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-auth-clients", NULL, CT_ENUM, &settings.tls_auth_clients, "yes", 0, 0, tls_auth_names,
     tls_auth_vals, 0, server_apply_tls},
    {"tls-auth-clients-user", NULL, CT_ENUM, &settings.tls_auth_clients_user, "off", 0, 0,
     tls_user_names, tls_user_vals, 0, NULL},
    {"tls-prefer-server-ciphers", NULL, CT_BOOL, &settings.tls_prefer_server_ciphers, "no", 0, 0,
     NULL, NULL, 0, server_apply_tls},
    {"tls-session-caching", NULL, CT_BOOL, &settings.tls_session_caching, "yes", 0, 0, NULL, NULL,
     0, server_apply_tls},
    {"tls-session-cache-size", NULL, CT_INT, &settings.tls_session_cache_size, "20480", 0, INT_MAX,
     NULL, NULL, 0, server_apply_tls},
    {"tls-session-cache-timeout", NULL, CT_INT, &settings.tls_session_cache_timeout, "300", 0,
     INT_MAX, NULL, NULL, 0, server_apply_tls},
    {"tls-replication", NULL, CT_BOOL, &settings.tls_replication, "no", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    {"tls-cluster", NULL, CT_BOOL, &settings.tls_cluster, "no", 0, 0, NULL, NULL, 0,
     server_apply_tls},
    /* the replica side (replica.c) */
    {"replicaof", "slaveof", CT_STR, &settings.replicaof, "", 0, 0, NULL, NULL, CF_IMMUTABLE, NULL},
    {"masterauth", NULL, CT_STR, &settings.masterauth, "", 0, 0, NULL, NULL, CF_SENSITIVE, NULL},
    {"masteruser", NULL, CT_STR, &settings.masteruser, "", 0, 0, NULL, NULL, 0, NULL},
    {"replica-read-only", "slave-read-only", CT_BOOL, &settings.replica_read_only, "yes", 0, 0,
     NULL, NULL, 0, NULL},
    {"replica-serve-stale-data", "slave-serve-stale-data", CT_BOOL,
     &settings.replica_serve_stale_data, "yes", 0, 0, NULL, NULL, 0, NULL},
    {"replica-announced", NULL, CT_BOOL, &settings.replica_announced, "yes", 0, 0, NULL, NULL, 0,
     NULL},
    {"replica-priority", "slave-priority", CT_INT, &settings.replica_priority, "100", 0, INT_MAX,
     NULL, NULL, 0, NULL},
    {"replica-announce-ip", "slave-announce-ip", CT_STR, &settings.replica_announce_ip, "", 0, 0,
     NULL, NULL, 0, NULL},
    {"bind-source-addr", NULL, CT_STR, &settings.bind_source_addr, "", 0, 0, NULL, NULL, 0, NULL},
    {"replica-ignore-disk-write-errors", NULL, CT_BOOL, &settings.replica_ignore_disk_write_errors,
     "no", 0, 0, NULL, NULL, 0, NULL},
    {"replica-announce-port", "slave-announce-port", CT_INT, &settings.replica_announce_port, "0",
     0, 65535, NULL, NULL, 0, NULL},
};
#define N_CONFIGS (sizeof configs / sizeof configs[0])

/* The option called name (any case) by its name or its alias; *is_alias
 * (may be NULL) says which. */
static ConfigDef *find_config_as(const char *name, size_t len, int *is_alias) {
    for (size_t i = 0; i < N_CONFIGS; i++) {
        const char *names[2] = {configs[i].name, configs[i].alias};
        for (int k = 0; k < 2; k++) {
            if (names[k] && strlen(names[k]) == len && strncasecmp(names[k], name, len) == 0) {
                if (is_alias) *is_alias = k;
                return &configs[i];
            }
        }
    }
    return NULL;
}

static ConfigDef *find_config(const char *name, size_t len) {
    return find_config_as(name, len, NULL);
}

int config_register_apply(const char *name, int (*apply)(const char **err)) {
    ConfigDef *d = find_config(name, strlen(name));
    if (!d) return -1;
    d->apply = apply;
    return 0;
}

/* A memory value as Redis's memtoull reads it: decimal digits (none is 0),
 * then nothing or a unit (b, k, kb, m, mb, g, gb, any case). Digits past the
 * 64-bit range read as ULLONG_MAX and the product wraps, as in Redis 7.0
 * (the bounds check then refuses what lands past them). */
static int parse_memory(const char *s, unsigned long long *out) {
    const char *u = s;
    while (*u >= '0' && *u <= '9') u++;
    unsigned long long mul;
    if (!*u || !strcasecmp(u, "b"))
        mul = 1;
    else if (!strcasecmp(u, "k"))
        mul = 1000;
    else if (!strcasecmp(u, "kb"))
        mul = 1024;
    else if (!strcasecmp(u, "m"))
        mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb"))
        mul = 1024 * 1024;
    else if (!strcasecmp(u, "g"))
        mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb"))
        mul = 1024ULL * 1024 * 1024;
    else
        return -1;
    if (u - s >= 128) return -1;
    unsigned long long v = 0;
    for (const char *p = s; p < u; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) {
            v = ULLONG_MAX;
            break;
        }
        v = v * 10 + d;
    }
    *out = v * mul;
    return 0;
}

/* Sets a value from text. Returns 0 or -1 with *err (static text). */
static int config_set_value(ConfigDef *d, const char *val, const char **err) {
    static char errbuf[256];
    switch (d->type) {
    case CT_BOOL:
        if (!strcasecmp(val, "yes"))
            *(int *)d->ptr = 1;
        else if (!strcasecmp(val, "no"))
            *(int *)d->ptr = 0;
        else {
            *err = "argument must be 'yes' or 'no'";
            return -1;
        }
        return 0;
    case CT_INT:
    case CT_MEM:
    case CT_MEMPCT: {
        long long v;
        unsigned long long m = 0;
        if (d->type == CT_INT && d->ptr == &settings.unixsocketperm) {
            char *end;
            errno = 0;
            v = strtoll(val, &end, 8);
            if (!*val || *end || errno) {
                *err = "argument couldn't be parsed into an integer";
                return -1;
            }
        } else if (d->type == CT_INT) {
            /* string2ll's rules: no blanks, no '+', no leading zeros */
            if (num_parse_ll(val, strlen(val), &v) != 0) {
                *err = "argument couldn't be parsed into an integer";
                return -1;
            }
        } else if (d->type == CT_MEMPCT) {
            /* As Redis 7.0: a memory value first, its 64 bits taken as
             * signed (so one past LLONG_MAX reads as a percentage), then
             * N% with string2ll's rules and N >= 0. */
            size_t len = strlen(val);
            if (parse_memory(val, &m) == 0) {
                v = (long long)m;
            } else if (len > 1 && val[len - 1] == '%' && num_parse_ll(val, len - 1, &v) == 0 &&
                       v >= 0) {
                v = -v;
            } else {
                *err = "argument must be a memory or percent value";
                return -1;
            }
            if (v < d->min) {
                snprintf(errbuf, sizeof errbuf, "percentage argument must be less or equal to %lld",
                         -d->min);
                *err = errbuf;
                return -1;
            }
        } else if (parse_memory(val, &m) != 0) {
            *err = "argument must be a memory value";
            return -1;
        } else {
            v = m > (unsigned long long)LLONG_MAX ? -1 : (long long)m;
        }
        if (v < d->min || v > d->max) {
            snprintf(errbuf, sizeof errbuf, "argument must be between %lld and %lld inclusive",
                     d->min, d->max);
            *err = errbuf;
            return -1;
        }
        *(long long *)d->ptr = v;
        return 0;
    }
    case CT_STR: {
        char **p = d->ptr;
        xfree(*p);
        *p = xstrdup(val);
        return 0;
    }
    case CT_ENUM:
        for (int i = 0; d->enum_names[i]; i++) {
            if (!strcasecmp(val, d->enum_names[i])) {
                *(int *)d->ptr = d->enum_vals ? d->enum_vals[i] : i;
                return 0;
            }
        }
        {
            size_t n = (size_t)snprintf(errbuf, sizeof errbuf,
                                        "argument(s) must be one of the following: ");
            for (int i = 0; d->enum_names[i]; i++)
                n += (size_t)snprintf(errbuf + n, sizeof errbuf - n, "%s%s", i ? ", " : "",
                                      d->enum_names[i]);
            *err = errbuf;
        }
        return -1;
    }
    return -1;
}

/* Formats the current value into out. */
static void config_format(const ConfigDef *d, Buf *out) {
    switch (d->type) {
    case CT_BOOL:
        buf_append_cstr(out, *(int *)d->ptr ? "yes" : "no");
        break;
    case CT_INT:
    case CT_MEM:
        buf_append_ll(out, *(long long *)d->ptr);
        break;
    case CT_MEMPCT: {
        long long v = *(long long *)d->ptr;
        if (v < 0) {
            buf_append_ll(out, -v);
            buf_append_char(out, '%');
        } else {
            buf_append_ll(out, v);
        }
        break;
    }
    case CT_STR: {
        char *v = *(char **)d->ptr;
        buf_append_cstr(out, v ? v : "");
        break;
    }
    case CT_ENUM:
        for (int i = 0; d->enum_names[i]; i++) {
            int v = d->enum_vals ? d->enum_vals[i] : i;
            if (v == *(int *)d->ptr) {
                buf_append_cstr(out, d->enum_names[i]);
                break;
            }
        }
        break;
    }
}

void config_init_defaults(void) {
    for (size_t i = 0; i < N_CONFIGS; i++) {
        const char *err;
        if (config_set_value(&configs[i], configs[i].def, &err) != 0) {
            fprintf(stderr, "bad default for %s\n", configs[i].name);
            abort();
        }
    }
    const char *err;
    apply_obuf_limits(&err); /* the limits themselves, from the default value */
}

static int set_by_name(const char *name, const char *val, char **err) {
    ConfigDef *d = find_config(name, strlen(name));
    const char *e;
    if (!d) {
        if (err) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "Bad directive or wrong number of arguments: '%s'", name);
            buf_append_char(&b, '\0');
            *err = b.p;
        }
        return -1;
    }
    if (config_set_value(d, val, &e) != 0 ||
        ((d->flags & CF_APPLY_AT_LOAD) && d->apply && d->apply(&e) != 0)) {
        if (err) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "'%s %s' - %s", name, val, e);
            buf_append_char(&b, '\0');
            *err = b.p;
        }
        return -1;
    }
    return 0;
}

int config_load_file(const char *path, char **err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        Buf b;
        buf_init(&b);
        buf_printf(&b, "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        buf_append_char(&b, '\0');
        *err = b.p;
        return -1;
    }
    char line[4096];
    int lineno = 0;
    int save_lines = 0;
    RespArgv a;
    resp_argv_init(&a);
    RespLimits lim = {LLONG_MAX, LLONG_MAX, sizeof line, 1, 0, 0};
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '#' || *p == '\0') continue;
        size_t len = strlen(p);
        if (p[len - 1] != '\n') p[len++] = '\n';
        size_t used;
        const char *perr;
        if (resp_parse(p, len, &lim, &a, &used, &perr) != RESP_OK || a.n == 0) continue;
        if (slice_eq_nocase(a.v[0], "user")) {
            /* users are made once the commands exist (acl.c) */
            char *e = NULL;
            if (acl_config_user(a.n, a.v, &e) != 0) {
                Buf b;
                buf_init(&b);
                buf_printf(&b, "*** FATAL CONFIG FILE ERROR *** line %d: %s", lineno, e);
                buf_append_char(&b, '\0');
                xfree(e);
                *err = b.p;
                rc = -1;
                break;
            }
            continue;
        }
        Buf name, val;
        buf_init(&name);
        buf_init(&val);
        buf_append(&name, a.v[0].p, a.v[0].len);
        buf_append_char(&name, '\0');
        for (int i = 1; i < a.n; i++) {
            if (i > 1) buf_append_char(&val, ' ');
            buf_append(&val, a.v[i].p, a.v[i].len);
        }
        buf_append_char(&val, '\0');
        /* Redis's config files list save points one pair per line: each
         * `save` line after the first adds to it ("" empties it). */
        if (!strcasecmp(name.p, "save")) {
            if (save_lines++ && *val.p && settings.save && *settings.save) {
                Buf all;
                buf_init(&all);
                buf_printf(&all, "%s %s", settings.save, val.p);
                buf_append_char(&all, '\0');
                buf_free(&val);
                val = all;
            }
        }
        char *e = NULL;
        if (set_by_name(name.p, val.p, &e) != 0) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "*** FATAL CONFIG FILE ERROR *** line %d: %s", lineno, e);
            buf_append_char(&b, '\0');
            xfree(e);
            *err = b.p;
            rc = -1;
        }
        buf_free(&name);
        buf_free(&val);
        if (rc) break;
    }
    resp_argv_free(&a);
    fclose(f);
    return rc;
}

int config_set_from_args(int argc, char **argv, char **err) {
    for (int i = 0; i < argc;) {
        if (strncmp(argv[i], "--", 2) != 0) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "Invalid argument '%s'", argv[i]);
            buf_append_char(&b, '\0');
            *err = b.p;
            return -1;
        }
        const char *name = argv[i] + 2;
        Buf val;
        buf_init(&val);
        int j = i + 1;
        for (; j < argc && strncmp(argv[j], "--", 2) != 0; j++) {
            if (j > i + 1) buf_append_char(&val, ' ');
            buf_append_cstr(&val, argv[j]);
        }
        buf_append_char(&val, '\0');
        int rc = set_by_name(name, val.p, err);
        buf_free(&val);
        if (rc) return -1;
        i = j;
    }
    return 0;
}

int config_apply_all(void) {
    /* Any hz is taken and kept within 1..500, as Redis does. */
    if (settings.hz < 1) settings.hz = 1;
    if (settings.hz > 500) settings.hz = 500;
    log_set_level(loglevel_int);
    if (settings.logfile && *settings.logfile) log_set_file(settings.logfile);
    static int syslog_on;
    if (settings.syslog_enabled && !syslog_on) {
        log_enable_syslog(settings.syslog_ident, settings.syslog_facility);
        syslog_on = 1;
    }
    evict_clients_configure(); /* maxmemory-clients, or maxmemory under a percentage */
    return 0;
}

/* ---- CONFIG command --------------------------------------------------- */

/* CONFIG GET pattern|name ...: as Redis 7.0, every name and every alias
 * is an entry of its own. A pattern gives each name or alias it matches
 * (except hidden options); an exact name gives the option under the name
 * as the client spelled it. A name already answered (in any case) is not
 * answered again, so an option and its alias may both appear, each once. */
static void cmd_config_get(Client *c) {
    Buf vals;
    buf_init(&vals);
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    unsigned char(*seen)[2] = xcalloc(N_CONFIGS, sizeof *seen); /* [option][is alias] */
    for (int a = 2; a < c->argc; a++) {
        Slice pat = c->argv[a];
        if (!memchr(pat.p, '*', pat.len) && !memchr(pat.p, '?', pat.len) &&
            !memchr(pat.p, '[', pat.len)) {
            int k;
            ConfigDef *def = find_config_as(pat.p, pat.len, &k);
            if (def && !seen[def - configs][k]) {
                seen[def - configs][k] = 1;
                buf_clear(&vals);
                config_format(def, &vals);
                reply_bulk_slice(c, pat);
                reply_bulk(c, vals.p ? vals.p : "", vals.len);
                n++;
            }
            continue;
        }
        for (size_t i = 0; i < N_CONFIGS; i++) {
            if (configs[i].flags & CF_HIDDEN) continue;
            const char *names[2] = {configs[i].name, configs[i].alias};
            for (int k = 0; k < 2; k++) {
                if (!names[k] || seen[i][k]) continue;
                if (!glob_match(pat.p, pat.len, names[k], strlen(names[k]), 1)) continue;
                seen[i][k] = 1;
                buf_clear(&vals);
                config_format(&configs[i], &vals);
                reply_bulk_cstr(c, names[k]);
                reply_bulk(c, vals.p ? vals.p : "", vals.len);
                n++;
            }
        }
    }
    xfree(seen);
    reply_set_map_len(c, d, n);
    buf_free(&vals);
}

static void cmd_config_set(Client *c) {
    if ((c->argc - 2) % 2 != 0) {
        reply_syntax_error(c);
        return;
    }
    int n = (c->argc - 2) / 2;
    ConfigDef **defs = xcalloc((size_t)n, sizeof *defs);
    Buf *old = xcalloc((size_t)n, sizeof(Buf));
    const char *err = NULL;
    int bad = -1, i;
    char namebuf[128];
    for (i = 0; i < n; i++) {
        Slice nm = c->argv[2 + 2 * i];
        defs[i] = find_config(nm.p, nm.len);
        if (!defs[i]) {
            snprintf(namebuf, sizeof namebuf, "%.*s", (int)(nm.len > 100 ? 100 : nm.len), nm.p);
            reply_error(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                        namebuf);
            goto out;
        }
        if (defs[i]->flags & CF_IMMUTABLE) {
            err = "can't set immutable config";
            bad = i;
            goto fail;
        }
        if ((defs[i]->flags & CF_PROTECTED) &&
            !protected_allows(settings.enable_protected_configs, c)) {
            err = "can't set protected config";
            bad = i;
            goto fail;
        }
        for (int k = 0; k < i; k++) {
            if (defs[k] == defs[i]) {
                err = "duplicate parameter";
                bad = i;
                goto fail;
            }
        }
    }
    for (i = 0; i < n; i++) {
        buf_init(&old[i]);
        config_format(defs[i], &old[i]);
        buf_append_char(&old[i], '\0');
    }
    for (i = 0; i < n; i++) {
        Slice v = c->argv[3 + 2 * i];
        char *val = xmemdup(v.p, v.len + 1);
        val[v.len] = '\0';
        int rc = config_set_value(defs[i], val, &err);
        xfree(val);
        if (rc != 0) {
            bad = i;
            break;
        }
    }
    if (bad < 0) {
        for (i = 0; i < n; i++) {
            if (defs[i]->apply && defs[i]->apply(&err) != 0) {
                bad = i;
                break;
            }
        }
    }
    if (bad >= 0) {
        const char *e2;
        for (i = 0; i < n; i++) {
            config_set_value(defs[i], old[i].p, &e2);
            /* a parse-only hook rebuilds what it derived from the value
             * (the latency percentiles), now from the restored one */
            if ((defs[i]->flags & CF_APPLY_AT_LOAD) && defs[i]->apply) defs[i]->apply(&e2);
        }
        goto fail;
    }
    config_apply_all();
    reply_ok(c);
    goto out;
fail:
    snprintf(namebuf, sizeof namebuf, "%s", defs[bad]->name);
    reply_error(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", namebuf, err);
out:
    for (i = 0; i < n; i++) buf_free(&old[i]);
    xfree(old);
    xfree(defs);
}

static void cmd_config_resetstat(Client *c) {
    for (size_t i = 0; i < core.n_cmdstats; i++) {
        core.cmdstats[i]->calls = core.cmdstats[i]->usec = 0;
        core.cmdstats[i]->rejected = core.cmdstats[i]->failed = 0;
        latency_reset(core.cmdstats[i]);
    }
    if (core.errorstats) dict_clear(core.errorstats, xfree);
    core.stat_conns = core.stat_cmds = core.stat_rejected_conns = core.stat_expired = 0;
    acl_reset_denied_counts();
    core.stat_hits = core.stat_misses = core.stat_net_in = core.stat_net_out = 0;
    core.stat_net_repl_in = core.stat_net_repl_out = 0;
    core.stat_total_error_replies = 0;
    lazyfree_reset_stats();
    evict_reset_stats();
    reply_ok(c);
}

static int is_default(const ConfigDef *d) {
    Buf v;
    buf_init(&v);
    config_format(d, &v);
    buf_append_char(&v, '\0');
    int same = strcmp(v.p, d->def) == 0;
    buf_free(&v);
    return same;
}

static void append_config_line(Buf *out, const ConfigDef *d) {
    buf_append_cstr(out, d->name);
    buf_append_char(out, ' ');
    Buf v;
    buf_init(&v);
    config_format(d, &v);
    if (v.len == 0 || memchr(v.p, ' ', v.len) != NULL) {
        buf_append_char(out, '"');
        buf_append(out, v.p, v.len);
        buf_append_char(out, '"');
    } else {
        buf_append(out, v.p, v.len);
    }
    buf_append_char(out, '\n');
    buf_free(&v);
}

static void cmd_config_rewrite(Client *c) {
    if (!core.config_file) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    FILE *f = fopen(core.config_file, "r");
    Buf out;
    buf_init(&out);
    char *written = xcalloc(N_CONFIGS, 1);
    int has_aclfile = settings.aclfile && *settings.aclfile;
    int n_user_lines = 0;
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        size_t nlen = strcspn(p, " \t\r\n");
        /* users as they are now take the places of the user lines, in name
         * order (the rest go at the end), unless an ACL file keeps them */
        if (nlen == 4 && strncasecmp(p, "user", 4) == 0 && !has_aclfile) {
            if (acl_config_user_line(n_user_lines, &out)) n_user_lines++;
            continue;
        }
        ConfigDef *d = (*p && *p != '#') ? find_config(p, nlen) : NULL;
        if (!d) {
            buf_append_cstr(&out, line);
            continue;
        }
        size_t idx = (size_t)(d - configs);
        if (written[idx]) continue;
        written[idx] = 1;
        append_config_line(&out, d);
    }
    if (f) fclose(f);
    for (size_t i = 0; i < N_CONFIGS; i++) {
        if (written[i] || is_default(&configs[i])) continue;
        append_config_line(&out, &configs[i]);
    }
    xfree(written);
    while (!has_aclfile && acl_config_user_line(n_user_lines, &out)) n_user_lines++;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-rewrite", core.config_file);
    FILE *w = fopen(tmp, "w");
    if (!w || fwrite(out.p ? out.p : "", 1, out.len, w) != out.len || fflush(w) != 0 ||
        fclose(w) != 0 || rename(tmp, core.config_file) != 0) {
        reply_error(c, "ERR Rewriting config file: %s", strerror(errno));
    } else {
        reply_ok(c);
    }
    buf_free(&out);
}

static void cmd_config_help(Client *c) {
    static const char *lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static const Command config_subcommands[] = {
    {"get", cmd_config_get, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"set", cmd_config_set, -4, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"resetstat", cmd_config_resetstat, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"rewrite", cmd_config_rewrite, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"help", cmd_config_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command config_commands[] = {
    {"config", NULL, -2, 0, "@slow", 0, 0, 0, config_subcommands},
    END_OF_COMMANDS,
};
