/*
 * ftconfig.c - FT.CONFIG GET / SET / HELP: the query engine's settings under
 * RediSearch's own option names (TIMEOUT, MINPREFIX, ...), deprecated since
 * Redis 8 in favour of CONFIG GET / SET search-*, which reach the same
 * values (settings.search, see types/ftconfig.h).
 *
 * Replies as RediSearch gives them: GET and HELP answer an array with one
 * entry per matching option ("*" for all, names in any case, nothing for an
 * unknown name), values as strings ("true"/"false" for flags, nil for an
 * empty path, "unlimited" for a result limit at 2^31); SET answers +OK, the
 * simple string EXCESSARGS after a value with more arguments behind it, or
 * an error (an option that cannot change at runtime, a value of the wrong
 * kind or out of bounds). An action other than GET, SET and HELP answers
 * the simple string "No such configuration action". Nothing is propagated:
 * it is configuration, as CONFIG SET.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/core.h"
#include "server/server.h"

#define UNLIMITED_RESULTS (1LL << 31)

typedef enum {
    K_LL,      /* a long long in [min, max] */
    K_RESULTS, /* a result limit: -1 or >= 2^31 is "unlimited" */
    K_BOOL,    /* an int shown as true/false */
    K_STR,     /* a path, nil when empty */
    K_TIMEOUT, /* ON_TIMEOUT: return / fail */
    K_CONST,   /* a fixed text (GC_POLICY) */
} Kind;

typedef struct FtOption {
    const char *name;
    const char *help;
    Kind kind;
    void *ptr;
    long long min, max;
    int is_immutable;
    const char *range_error; /* NULL: "Value is outside acceptable bounds" */
} FtOption;

static const FtOption options[] = {
    {"EXTLOAD", "Load extension scoring/expansion module", K_STR, &settings.search.ext_load, 0, 0,
     1, NULL},
    {"NOGC", "Disable garbage collection (for this process)", K_BOOL, &settings.search.no_gc, 0, 0,
     1, NULL},
    {"MINPREFIX", "Set the minimum prefix for expansions (`*`)", K_LL, &settings.search.min_prefix,
     1, LLONG_MAX, 0, NULL},
    {"MINSTEMLEN", "Set the minimum word length to stem (default 4)", K_LL,
     &settings.search.min_stem_len, 2, UINT32_MAX, 0, "Minimum stem length cannot be lower than 2"},
    {"FORKGC_SLEEP_BEFORE_EXIT",
     "set the amount of seconds for the fork GC to sleep before exists, should always be set to 0 "
     "(other then on tests).",
     K_LL, &settings.search.fork_gc_sleep_before_exit, 0, LLONG_MAX, 0, NULL},
    {"MAXDOCTABLESIZE", "Maximum runtime document table size (for this process)", K_LL,
     &settings.search.max_doctablesize, 1, 100000000, 1, NULL},
    {"MAXSEARCHRESULTS", "Maximum number of results from ft.search command", K_RESULTS,
     &settings.search.max_search_results, 0, UNLIMITED_RESULTS, 0, NULL},
    {"MAXAGGREGATERESULTS", "Maximum number of results from ft.aggregate command", K_RESULTS,
     &settings.search.max_aggregate_results, 0, UNLIMITED_RESULTS, 0, NULL},
    {"MAXEXPANSIONS", "Maximum prefix expansions to be used in a query", K_LL,
     &settings.search.max_prefix_expansions, 1, LLONG_MAX, 0, NULL},
    {"MAXPREFIXEXPANSIONS", "Maximum prefix expansions to be used in a query", K_LL,
     &settings.search.max_prefix_expansions, 1, LLONG_MAX, 0, NULL},
    {"TIMEOUT", "Query (search) timeout", K_LL, &settings.search.timeout, 0, LLONG_MAX, 0, NULL},
    {"WORKERS",
     "Number of worker threads to use for query processing and background tasks. Default is 0. "
     "This configuration also affects the number of connections per shard. See CONN_PER_SHARD.",
     K_LL, &settings.search.workers, 0, 16, 0, "Number of worker threads cannot exceed 16"},
    {"MIN_OPERATION_WORKERS",
     "Number of worker threads to use for background tasks when the server is in an operation "
     "event. Default is 4",
     K_LL, &settings.search.min_operation_workers, 1, 16, 0,
     "Number of worker threads cannot exceed 16"},
    {"TIERED_HNSW_BUFFER_LIMIT",
     "Use for setting the buffer limit threshold for vector similarity tiered HNSW index, so "
     "that if we are using WORKERS for indexing, and the number of vectors waiting in the buffer "
     "to be indexed exceeds this limit, we insert new vectors directly into HNSW",
     K_LL, &settings.search.tiered_hnsw_buffer_limit, 0, LLONG_MAX, 1, NULL},
    {"WORKERS_PRIORITY_BIAS_THRESHOLD",
     "The number of high priority tasks to be executed at any given time by the worker thread "
     "pool, before executing low priority tasks. After this number of high priority tasks are "
     "being executed, the worker thread pool will execute high and low priority tasks "
     "alternately.",
     K_LL, &settings.search.workers_priority_bias_threshold, 0, LLONG_MAX, 1, NULL},
    {"FRISOINI", "Path to Chinese dictionary configuration file (for Chinese tokenization)", K_STR,
     &settings.search.friso_ini, 0, 0, 1, NULL},
    {"ON_TIMEOUT", "Action to perform when search timeout is exceeded (choose RETURN or FAIL)",
     K_TIMEOUT, &settings.search.on_timeout, 0, 0, 0, NULL},
    {"GCSCANSIZE", "Scan this many documents at a time during every GC iteration", K_LL,
     &settings.search.gc_scan_size, 1, LLONG_MAX, 0, NULL},
    {"MIN_PHONETIC_TERM_LEN", "Minimum length of term to be considered for phonetic matching", K_LL,
     &settings.search.min_phonetic_term_len, 1, LLONG_MAX, 0, NULL},
    {"GC_POLICY", "gc policy to use (DEFAULT/LEGACY)", K_CONST, "fork", 0, 0, 1, NULL},
    {"FORK_GC_RUN_INTERVAL",
     "interval (in seconds) in which to run the fork gc (relevant only when fork gc is used)", K_LL,
     &settings.search.fork_gc_run_interval, 1, LLONG_MAX, 0, NULL},
    {"FORK_GC_CLEAN_THRESHOLD",
     "the fork gc will only start to clean when the number of not cleaned document will exceed "
     "this threshold",
     K_LL, &settings.search.fork_gc_clean_threshold, 1, LLONG_MAX, 0, NULL},
    {"FORK_GC_RETRY_INTERVAL",
     "interval (in seconds) in which to retry running the forkgc after failure.", K_LL,
     &settings.search.fork_gc_retry_interval, 1, LLONG_MAX, 0, NULL},
    {"UNION_ITERATOR_HEAP",
     "minimum number of iterators in a union from which the iterator willswitch to heap based "
     "implementation.",
     K_LL, &settings.search.union_iterator_heap, 1, LLONG_MAX, 0, NULL},
    {"CURSOR_MAX_IDLE",
     "max idle time allowed to be set for cursor, setting it height might cause high memory "
     "consumption.",
     K_LL, &settings.search.cursor_max_idle, 1, LLONG_MAX, 0, NULL},
    {"INDEX_CURSOR_LIMIT",
     "Max number of cursors for a given index that can be opened inside of a shard. Default is "
     "128",
     K_LL, &settings.search.index_cursor_limit, 0, LLONG_MAX, 0, NULL},
    {"NO_MEM_POOLS", "Set RediSearch to run without memory pools", K_BOOL,
     &settings.search.no_mem_pools, 0, 0, 1, NULL},
    {"PARTIAL_INDEXED_DOCS",
     "Enable commands filter which optimize indexing on partial hash "
     "updates",
     K_BOOL, &settings.search.partial_indexed_docs, 0, 0, 1, NULL},
    {"_NUMERIC_COMPRESS", "Enable legacy compression of double to float.", K_BOOL,
     &settings.search.numeric_compress, 0, 0, 0, NULL},
    {"_FREE_RESOURCE_ON_THREAD",
     "Determine whether some index resources are free on a second "
     "thread.",
     K_BOOL, &settings.search.free_resource_on_thread, 0, 0, 0, NULL},
    {"_PRINT_PROFILE_CLOCK", "Disable print of time for ft.profile. For testing only.", K_BOOL,
     &settings.search.print_profile_clock, 0, 0, 0, NULL},
    {"RAW_DOCID_ENCODING", "Disable compression for DocID inverted index. Boost CPU performance.",
     K_BOOL, &settings.search.raw_docid_encoding, 0, 0, 1, NULL},
    {"_NUMERIC_RANGES_PARENTS",
     "Keep numeric ranges in numeric tree parent nodes of leafs for `x` generations.", K_LL,
     &settings.search.numeric_ranges_parents, 0, 2, 0,
     "Max depth for range cannot be higher than max depth for balance"},
    {"DEFAULT_DIALECT",
     "Set RediSearch default dialect version through the lifetime of the server.", K_LL,
     &settings.search.default_dialect, 1, 4, 0, NULL},
    {"VSS_MAX_RESIZE", "Set RediSearch vector indexes max resize (in bytes).", K_LL,
     &settings.search.vss_max_resize, 0, UINT32_MAX, 0, NULL},
    {"MULTI_TEXT_SLOP",
     "Set RediSearch delta used to increase positional offsets between array slots for multi "
     "text values.Can control the level of separation between phrases in different array slots "
     "(related to the SLOP parameter of ft.search command)",
     K_LL, &settings.search.multi_text_slop, 1, UINT32_MAX, 1, NULL},
    {"BG_INDEX_SLEEP_GAP",
     "The number of iterations to run while performing background indexing before we call "
     "usleep(1) (sleep for 1 micro-second) and make sure that we allow redis process other "
     "commands.",
     K_LL, &settings.search.bg_index_sleep_gap, 1, UINT32_MAX, 1, NULL},
    {"_PRIORITIZE_INTERSECT_UNION_CHILDREN",
     "Intersection iterator orders the children iterators by their relative estimated number of "
     "results in ascending order, so that if we see first iterators with a lower count of "
     "results we will skip a larger number of results, which translates into faster iteration. "
     "If this flag is set, we use this optimization in a way where union iterators are being "
     "factorize by the number of their own children, so that we sort by the number of children "
     "times the overall estimated number of results instead.",
     K_BOOL, &settings.search.prioritize_intersect_union_children, 0, 0, 0, NULL},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static void reply_value(Client *c, const FtOption *o) {
    char b[32];
    switch (o->kind) {
    case K_LL:
        snprintf(b, sizeof b, "%lld", *(long long *)o->ptr);
        reply_bulk_cstr(c, b);
        break;
    case K_RESULTS: {
        long long v = *(long long *)o->ptr;
        if (v >= UNLIMITED_RESULTS) {
            reply_bulk_cstr(c, "unlimited");
        } else {
            snprintf(b, sizeof b, "%lld", v);
            reply_bulk_cstr(c, b);
        }
        break;
    }
    case K_BOOL:
        reply_bulk_cstr(c, *(int *)o->ptr ? "true" : "false");
        break;
    case K_STR: {
        const char *s = *(char **)o->ptr;
        if (s && *s)
            reply_bulk_cstr(c, s);
        else
            reply_null(c);
        break;
    }
    case K_TIMEOUT:
        reply_bulk_cstr(c, *(int *)o->ptr ? "fail" : "return");
        break;
    case K_CONST:
        reply_bulk_cstr(c, o->ptr);
        break;
    }
}

/* GET (is_help 0) and HELP: the options name matches ("*": all). */
static void dump(Client *c, Slice name, int is_help) {
    int all = name.len == 1 && name.p[0] == '*';
    size_t n = 0;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (all || (strlen(options[i].name) == name.len &&
                    strncasecmp(options[i].name, name.p, name.len) == 0))
            n++;
    reply_array(c, n);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const FtOption *o = &options[i];
        if (!all && !(strlen(o->name) == name.len && strncasecmp(o->name, name.p, name.len) == 0))
            continue;
        reply_array(c, is_help ? 5 : 2);
        reply_bulk_cstr(c, o->name);
        if (is_help) {
            reply_bulk_cstr(c, "Description");
            reply_bulk_cstr(c, o->help);
            reply_bulk_cstr(c, "Value");
        }
        reply_value(c, o);
    }
}

/* A whole decimal integer (RediSearch's argument cursor reads it so). */
static int parse_int(Slice s, long long *out) {
    char b[64];
    if (s.len == 0 || s.len >= sizeof b) return -1;
    memcpy(b, s.p, s.len);
    b[s.len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(b, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

static void set(Client *c) {
    Slice name = c->argv[2];
    const FtOption *o = NULL;
    for (size_t i = 0; i < N_OPTIONS && !o; i++)
        if (strlen(options[i].name) == name.len &&
            strncasecmp(options[i].name, name.p, name.len) == 0)
            o = &options[i];
    if (!o) {
        reply_error(c, "Unknown option `%.*s`", (int)(name.len > 128 ? 128 : name.len), name.p);
        return;
    }
    if (o->is_immutable) {
        reply_error(c, "Not modifiable at runtime");
        return;
    }
    if (c->argc < 4) {
        reply_error(c, "Expected an argument, but none provided");
        return;
    }
    Slice v = c->argv[3];
    long long n;
    switch (o->kind) {
    case K_LL:
    case K_RESULTS:
        if (parse_int(v, &n) != 0) {
            reply_error(c, "Could not convert argument to expected type");
            return;
        }
        if (o->kind == K_RESULTS && (n == -1 || n > o->max)) n = o->max;
        if (n < o->min || n > o->max) {
            reply_error(c, "%s",
                        o->range_error ? o->range_error : "Value is outside acceptable bounds");
            return;
        }
        *(long long *)o->ptr = n;
        break;
    case K_BOOL:
        if (slice_eq_nocase(v, "true") || slice_eq_nocase(v, "1")) {
            *(int *)o->ptr = 1;
        } else if (slice_eq_nocase(v, "false") || slice_eq_nocase(v, "0")) {
            *(int *)o->ptr = 0;
        } else {
            reply_error(c, "Could not convert argument to expected type");
            return;
        }
        break;
    case K_TIMEOUT:
        if (slice_eq_nocase(v, "return")) {
            *(int *)o->ptr = 0;
        } else if (slice_eq_nocase(v, "fail")) {
            *(int *)o->ptr = 1;
        } else {
            reply_error(c, "Invalid ON_TIMEOUT value");
            return;
        }
        break;
    default: /* K_STR and K_CONST are immutable */
        reply_error(c, "Not modifiable at runtime");
        return;
    }
    reply_status(c, c->argc > 4 ? "EXCESSARGS" : "OK");
}

static void cmd_ft_config(Client *c) {
    Slice action = c->argv[1];
    if (slice_eq_nocase(action, "GET"))
        dump(c, c->argv[2], 0);
    else if (slice_eq_nocase(action, "HELP"))
        dump(c, c->argv[2], 1);
    else if (slice_eq_nocase(action, "SET"))
        set(c);
    else
        reply_status(c, "No such configuration action");
}

const Command ftconfig_commands[] = {
    {"ft.config", cmd_ft_config, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     "@admin @search @slow @dangerous", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
