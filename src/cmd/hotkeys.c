/*
 * hotkeys.c - HOTKEYS START / STOP / GET / RESET / HELP (Redis 8.6): the
 * arguments, errors and reply shapes; the session itself is
 * src/server/hotkeys.c.
 *
 * streamd is never a cluster: SLOTS is refused as Redis refuses it outside
 * cluster mode, and GET reports the one range a standalone server holds,
 * 0-16383, as its selected slots (so the per-slot-selection fields Redis
 * adds only for a SLOTS session never appear). GET answers an array of one
 * map (a cluster client concatenates the arrays of its nodes), or a null
 * when no session was started since the last RESET.
 */
#include <string.h>

#include "base/num.h"
#include "server/core.h"
#include "server/hotkeys.h"

#define HOTKEYS_MAX_METRICS 2
#define HOTKEYS_MAX_K       64
#define HOTKEYS_MAX_SECONDS 1000000
#define CLUSTER_SLOTS       16384

/* Parses argument a as an integer in [min, max]; replies msg (an error
 * without its "ERR ") and returns -1 when it is not one. */
static int range_or_reply(Client *c, Slice a, long long min, long long max, long long *out,
                          const char *msg) {
    if (num_parse_ll(a.p, a.len, out) != 0 || *out < min || *out > max) {
        reply_error(c, "ERR %s", msg);
        return -1;
    }
    return 0;
}

static void cmd_hotkeys_start(Client *c) {
    if (hotkeys_is_active()) {
        reply_error(c, "ERR hotkey tracking session already in progress");
        return;
    }
    if (c->argc < 4 || !slice_eq_nocase(c->argv[2], "METRICS")) {
        reply_error(c, "ERR METRICS parameter is required");
        return;
    }
    long long n_metrics;
    if (range_or_reply(c, c->argv[3], 1, HOTKEYS_MAX_METRICS, &n_metrics,
                       "METRICS count must be > 0 and <= 2") != 0)
        return;
    /* the next n_metrics words name the metrics; unknown names are
     * accepted and ignored (room for metrics of later versions) */
    HotkeysOptions o = {0, 10, 0, 1};
    int j = 4;
    for (long long seen = 0; seen < n_metrics; seen++, j++) {
        if (j >= c->argc) {
            reply_error(c, "ERR METRICS count does not match number of metric types provided");
            return;
        }
        unsigned bit = slice_eq_nocase(c->argv[j], "CPU")   ? HOTKEYS_CPU
                       : slice_eq_nocase(c->argv[j], "NET") ? HOTKEYS_NET
                                                            : 0;
        if (bit && (o.metrics & bit)) {
            reply_error(c, "ERR METRICS %s defined more than once!",
                        bit == HOTKEYS_CPU ? "CPU" : "NET");
            return;
        }
        o.metrics |= bit;
    }
    if (!o.metrics) {
        reply_error(c, "ERR METRICS no valid metrics passed. Supported: CPU|NET");
        return;
    }
    for (; j < c->argc; j += 2) {
        Slice opt = c->argv[j];
        int has_value = j + 1 < c->argc;
        long long v;
        if (has_value && slice_eq_nocase(opt, "COUNT")) {
            if (range_or_reply(c, c->argv[j + 1], 1, HOTKEYS_MAX_K, &v,
                               "COUNT must be between 1 and 64") != 0)
                return;
            o.k = (int)v;
        } else if (has_value && slice_eq_nocase(opt, "DURATION")) {
            if (range_or_reply(c, c->argv[j + 1], 1, HOTKEYS_MAX_SECONDS, &v,
                               "DURATION must be between 1 and 1000000") != 0)
                return;
            o.duration_ms = v * 1000;
        } else if (has_value && slice_eq_nocase(opt, "SAMPLE")) {
            if (range_or_reply(c, c->argv[j + 1], 1, 2147483647LL, &v,
                               "SAMPLE ratio must be positive") != 0)
                return;
            o.sample_ratio = v;
        } else if (has_value && slice_eq_nocase(opt, "SLOTS")) {
            reply_error(c, "ERR SLOTS parameter cannot be used in non-cluster mode");
            return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    hotkeys_start(&o);
    reply_ok(c);
}

static void cmd_hotkeys_stop(Client *c) {
    if (!hotkeys_stop()) {
        reply_null(c);
        return;
    }
    reply_ok(c);
}

static void cmd_hotkeys_reset(Client *c) {
    if (hotkeys_reset() != 0) {
        reply_error(c, "ERR hotkey tracking session in progress, stop tracking first");
        return;
    }
    reply_ok(c);
}

/* A ranking as a flat array: key, weight, key, weight, ... heaviest first. */
static void reply_ranking(Client *c, const TopK *t, int k) {
    TopKItem items[HOTKEYS_MAX_K];
    size_t n = topk_list(t, items, (size_t)k);
    reply_array(c, 2 * n);
    for (size_t i = 0; i < n; i++) {
        reply_bulk(c, items[i].key, items[i].len);
        reply_int(c, (long long)items[i].weight);
    }
}

static void field_int(Client *c, const char *name, long long v) {
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

static void cmd_hotkeys_get(Client *c) {
    HotkeysReport r;
    if (!hotkeys_report(&r)) {
        reply_null(c);
        return;
    }
    int cpu = (r.metrics & HOTKEYS_CPU) != 0, net = (r.metrics & HOTKEYS_NET) != 0;
    reply_array(c, 1);
    reply_map(c, (size_t)(7 + 3 * cpu + 2 * net));
    field_int(c, "tracking-active", r.is_active);
    field_int(c, "sample-ratio", r.sample_ratio);
    reply_bulk_cstr(c, "selected-slots");
    reply_array(c, 1); /* the whole range: a standalone server holds every slot */
    reply_array(c, 2);
    reply_int(c, 0);
    reply_int(c, CLUSTER_SLOTS - 1);
    field_int(c, "all-commands-all-slots-us", (long long)r.all_commands_us);
    field_int(c, "net-bytes-all-commands-all-slots", (long long)r.all_commands_net_bytes);
    field_int(c, "collection-start-time-unix-ms", r.start_unix_ms);
    field_int(c, "collection-duration-ms", r.duration_ms);
    if (cpu) {
        field_int(c, "total-cpu-time-user-ms", r.cpu_user_ms);
        field_int(c, "total-cpu-time-sys-ms", r.cpu_sys_ms);
    }
    if (net) field_int(c, "total-net-bytes", (long long)r.total_net_bytes);
    if (cpu) {
        reply_bulk_cstr(c, "by-cpu-time-us");
        reply_ranking(c, r.by_cpu_us, r.k);
    }
    if (net) {
        reply_bulk_cstr(c, "by-net-bytes");
        reply_ranking(c, r.by_net_bytes, r.k);
    }
}

static void cmd_hotkeys_help(Client *c) {
    static const char *const lines[] = {
        "HOTKEYS <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "START <METRICS count [CPU] [NET]> [COUNT k] [DURATION duration] [SAMPLE ratio] [SLOTS "
        "count slot...]",
        "    Starts hotkeys tracking with specified metrics.",
        "    * METRICS count [CPU] [NET]",
        "        Specify count of metrics and choose amongst:",
        "        - CPU: Track hotkeys by CPU time percentage",
        "        - NET: Track hotkeys by network bytes percentage",
        "    * COUNT k",
        "        Specifies the value of K for the top-K hotkeys tracking. Default: 10",
        "    * DURATION duration",
        "        Specifies tracking duration in seconds. 0 means tracking will continue until "
        "manually stopped. Default: 0",
        "    * SAMPLE ratio",
        "        Keys are tracked with probability 1/ratio. Default: 1 (tracks every key)",
        "    * SLOTS count slot...",
        "        Specify which slots to track keys from. Only available in cluster mode. Default: "
        "empty (track all slots)",
        "STOP",
        "    Stop hotkeys tracking. Results are still available via GET",
        "GET",
        "    Get results from hotkeys tracking.",
        "RESET",
        "    Reset memory used for hotkeys tracking. Tracking must have been stopped.",
        "    Results will no longer be available after this command.",
        "HELP",
        "    Print this help.",
    };
    reply_help(c, lines, sizeof lines / sizeof lines[0]);
}

static const Command hotkeys_subcommands[] = {
    {"start", cmd_hotkeys_start, -2, CMD_ADMIN | CMD_NOSCRIPT, "@admin @slow @dangerous", 0, 0, 0,
     NULL},
    {"stop", cmd_hotkeys_stop, 2, CMD_ADMIN | CMD_NOSCRIPT, "@admin @slow @dangerous", 0, 0, 0,
     NULL},
    {"get", cmd_hotkeys_get, 2, CMD_ADMIN | CMD_NOSCRIPT, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"reset", cmd_hotkeys_reset, 2, CMD_ADMIN | CMD_NOSCRIPT, "@admin @slow @dangerous", 0, 0, 0,
     NULL},
    {"help", cmd_hotkeys_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command hotkeys_commands[] = {
    {"hotkeys", NULL, -2, 0, "@slow", 0, 0, 0, hotkeys_subcommands},
    END_OF_COMMANDS,
};
