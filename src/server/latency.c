/*
 * latency.c - per-command latency histograms (latency-tracking: INFO
 * latencystats, LATENCY HISTOGRAM) and the latency monitor
 * (latency-monitor-threshold: LATENCY LATEST, HISTORY, RESET, GRAPH and
 * DOCTOR; see the second half).
 *
 * Every command that runs adds its duration (microseconds, the resolution
 * the call is timed with) to its command's histogram, created on the
 * command's first call and dropped by CONFIG RESETSTAT, as Redis does. A
 * blocked command adds its handler's time when it is released, not the time
 * it waited. EXEC adds the time of the whole transaction, the commands it
 * ran their own.
 *
 * The histogram is log-linear: exact below 128 us, then 64 sub-buckets per
 * power of two (a bucket spans under 1.6 % of its values), up to 2^32 us;
 * 1728 counters, one cache line touched per call. Redis keeps an HDR
 * histogram with two significant digits over nanoseconds (its durations are
 * whole microseconds too) and reports a value as the highest one its HDR
 * bucket holds: streamd reports the same transform of its own bucket's top
 * (hdr_top()), which is Redis's figure exactly below 128 us and within its
 * precision above. LATENCY HISTOGRAM's cumulative counts are taken at Redis's
 * boundaries (1024 ns and doubling) and named as Redis names them.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

#define LAT_SUB     64 /* sub-buckets per power of two above LAT_EXACT */
#define LAT_MAX_LOG 32 /* values are capped below 2^32 us */

static size_t bucket_of(uint64_t v) {
    if (v < LAT_EXACT) return (size_t)v;
    if (v >= (1ULL << LAT_MAX_LOG)) v = (1ULL << LAT_MAX_LOG) - 1;
    int e = 63 - __builtin_clzll(v); /* 7 .. 31 */
    int shift = e - 6;
    return LAT_EXACT + (size_t)(shift - 1) * LAT_SUB + (size_t)((v >> shift) - LAT_SUB);
}

/* The largest value bucket i holds. */
/* The highest value in nanoseconds that an HDR histogram of two significant
 * digits (256 sub-buckets, lowest value 1) keeps in the same bucket as ns. */
static uint64_t hdr_top(uint64_t ns) {
    if (ns == 0) ns = 1;
    int log2 = 63 - __builtin_clzll(ns);
    int magnitude = log2 > 7 ? log2 - 7 : 0;
    uint64_t range = 1ULL << magnitude;
    return (ns & ~(range - 1)) + range - 1;
}

static uint64_t bucket_top(size_t i) {
    if (i < LAT_EXACT) return i;
    size_t k = i - LAT_EXACT;
    int shift = (int)(k / LAT_SUB) + 1;
    uint64_t sub = k % LAT_SUB + LAT_SUB;
    return ((sub + 1) << shift) - 1;
}

void latency_record_slow(CommandStats *st, int64_t us) {
    if (!st->lat) st->lat = xcalloc(1, sizeof *st->lat);
    st->lat->counts[bucket_of(us > 0 ? (uint64_t)us : 0)]++;
    st->lat->total++;
}

void latency_reset(CommandStats *st) {
    xfree(st->lat);
    st->lat = NULL;
}

/* The value at percentile p (0..100) of h, in microseconds. */
static uint64_t value_at(const LatencyHist *h, double p) {
    uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < LAT_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= want) return bucket_top(i);
    }
    return bucket_top(LAT_BUCKETS - 1);
}

/* ---- latency-tracking-info-percentiles -------------------------------- */

static double percentiles[16] = {50, 99, 99.9};
static int n_percentiles = 3;

/* A percentile as Redis names it: %f with the trailing zeros (and point)
 * dropped, so 99.9 is "99.9" and 50 is "50". */
static void percentile_label(char *out, size_t n, double p) {
    int len = snprintf(out, n, "%f", p);
    while (len > 0 && out[len - 1] == '0') out[--len] = '\0';
    if (len > 0 && out[len - 1] == '.') out[--len] = '\0';
}

/* Parses the config value (percentiles separated by single spaces, each a
 * number strtod() reads whole, 0..100; "" for none) into the list INFO
 * prints, and rewrites *list the way Redis shows it (50.0 as 50). */
int latency_set_percentiles(char **list, const char **err) {
    double v[16] = {0};
    int n = 0;
    const char *p = *list;
    while (*p) {
        const char *tok_end = strchr(p, ' ');
        if (!tok_end) tok_end = p + strlen(p);
        char *end;
        double d = strtod(p, &end);
        if (tok_end == p || end != tok_end || isnan(d) || n == 16) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            return -1;
        }
        if (d < 0.0 || d > 100.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            return -1;
        }
        v[n++] = d;
        p = *tok_end ? tok_end + 1 : tok_end;
        if (*tok_end && !*p) { /* a trailing space: an empty last token */
            *err = "Invalid latency-tracking-info-percentiles parameters";
            return -1;
        }
    }
    memcpy(percentiles, v, sizeof v);
    n_percentiles = n;
    Buf b;
    buf_init(&b);
    for (int k = 0; k < n; k++) {
        char label[64];
        percentile_label(label, sizeof label, v[k]);
        buf_printf(&b, "%s%s", k ? " " : "", label);
    }
    buf_append_char(&b, '\0');
    xfree(*list);
    *list = xstrdup(b.p);
    buf_free(&b);
    return 0;
}

/* INFO latencystats: one line per command with a histogram. */
void latency_info(Buf *b) {
    buf_append_cstr(b, "# Latencystats\r\n");
    for (size_t i = 0; i < core.n_cmdstats; i++) {
        const CommandStats *st = core.cmdstats[i];
        if (!st->lat || st->lat->total == 0) continue;
        buf_printf(b, "latency_percentiles_usec_%s:", st->name);
        for (int k = 0; k < n_percentiles; k++) {
            char label[64];
            percentile_label(label, sizeof label, percentiles[k]);
            buf_printf(b, "%sp%s=%.3f", k ? "," : "", label,
                       (double)hdr_top(value_at(st->lat, percentiles[k]) * 1000) / 1000.0);
        }
        buf_append(b, "\r\n", 2);
    }
}

/* One command's entry of LATENCY HISTOGRAM: calls, then the cumulative
 * count at each boundary 1024 ns * 2^k (named by its microseconds) where it
 * grew. */
static void reply_histogram(Client *c, const CommandStats *st) {
    const LatencyHist *h = st->lat;
    reply_bulk_cstr(c, st->name);
    reply_map(c, 2);
    reply_bulk_cstr(c, "calls");
    reply_int(c, (long long)h->total);
    reply_bulk_cstr(c, "histogram_usec");
    ReplyDeferred d = reply_defer(c);
    size_t pairs = 0, i = 0;
    uint64_t seen = 0, last = 0;
    for (int k = 0; k < 40 && seen < h->total; k++) {
        uint64_t top_us = (1024ULL << k) / 1000; /* values up to 1024 * 2^k ns */
        for (; i < LAT_BUCKETS && bucket_top(i) <= top_us; i++) seen += h->counts[i];
        if (seen > last) {
            reply_int(c, (long long)(hdr_top(1024ULL << k) / 1000));
            reply_int(c, (long long)seen);
            pairs++;
            last = seen;
        }
    }
    reply_set_map_len(c, d, pairs);
}

static int has_data(const CommandStats *st) {
    return st->lat && st->lat->total > 0;
}

/* LATENCY HISTOGRAM [command ...]: every command with data, or the named
 * ones ("parent|sub", or a parent for all its subcommands with data);
 * unknown names are skipped. */
void latency_histogram_reply(Client *c, int argc, const Slice *names) {
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    if (argc == 0) {
        for (size_t i = 0; i < core.n_cmdstats; i++) {
            if (!has_data(core.cmdstats[i])) continue;
            reply_histogram(c, core.cmdstats[i]);
            n++;
        }
        reply_set_map_len(c, d, n);
        return;
    }
    for (int a = 0; a < argc; a++) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(names[a].len < 127 ? names[a].len : 127),
                 names[a].p);
        str_lower(name);
        size_t plen = strlen(name);
        for (size_t i = 0; i < core.n_cmdstats; i++) {
            const CommandStats *st = core.cmdstats[i];
            if (!has_data(st)) continue;
            /* the command itself, or one of its subcommands */
            if (strcmp(st->name, name) == 0 || (strncmp(st->name, name, plen) == 0 &&
                                                st->name[plen] == '|' && !strchr(name, '|'))) {
                reply_histogram(c, st);
                n++;
            }
        }
    }
    reply_set_map_len(c, d, n);
}

/* ---- The latency monitor (latency-monitor-threshold) --------------------
 *
 * Redis's event log: a command that runs for at least the threshold (ms; 0
 * turns the monitor off) adds a sample to the event "command", or
 * "fast-command" for one flagged fast; so do the server's own slow steps
 * that Redis watches and streamd has: "expire-cycle" (a pass of the active
 * expiry), "fork", "aof-write" (with "aof-write-alone",
 * "aof-write-active-child" or "aof-write-pending-fsync" saying what else
 * was going on), "aof-fsync-always" and "aof-rename". Each event keeps its last 160 samples,
 * one per second (a second's largest), and its all-time maximum, which
 * LATENCY LATEST, HISTORY and RESET read. */

#define LAT_EVENTS  16
#define LAT_SAMPLES 160

typedef struct LatencySample {
    int64_t time_s;
    uint32_t ms;
} LatencySample;

typedef struct LatencyEvent {
    const char *name; /* NULL: free slot */
    LatencySample samples[LAT_SAMPLES];
    int next, n;
    uint32_t max;
} LatencyEvent;

static LatencyEvent events[LAT_EVENTS];

/* The event of that exact name (HISTORY and GRAPH match case, as Redis's
 * do; RESET does not). */
static LatencyEvent *event_find(Slice name) {
    for (int i = 0; i < LAT_EVENTS; i++) {
        const char *n = events[i].name;
        if (n && strlen(n) == name.len && memcmp(n, name.p, name.len) == 0) return &events[i];
    }
    return NULL;
}

static const LatencySample *event_sample(const LatencyEvent *e, int k) {
    return &e->samples[(e->next + LAT_SAMPLES - e->n + k) % LAT_SAMPLES];
}

static void event_add(const char *name, uint32_t ms) {
    LatencyEvent *e = event_find(slice_cstr(name));
    if (!e) {
        for (int i = 0; i < LAT_EVENTS && !e; i++)
            if (!events[i].name) e = &events[i];
        if (!e) return;
        memset(e, 0, sizeof *e);
        e->name = name;
    }
    if (ms > e->max) e->max = ms;
    int64_t now = real_us() / 1000000;
    if (e->n > 0) {
        LatencySample *prev = &e->samples[(e->next + LAT_SAMPLES - 1) % LAT_SAMPLES];
        if (prev->time_s == now) {
            if (ms > prev->ms) prev->ms = ms;
            return;
        }
    }
    e->samples[e->next] = (LatencySample){now, ms};
    e->next = (e->next + 1) % LAT_SAMPLES;
    if (e->n < LAT_SAMPLES) e->n++;
}

void latency_monitor_add(const Command *cmd, int64_t us) {
    long long ms = us / 1000;
    if (settings.latency_monitor_threshold <= 0 || ms < settings.latency_monitor_threshold) return;
    event_add(cmd->flags & CMD_FAST ? "fast-command" : "command",
              ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

void latency_add_sample(const char *event, int64_t ms) {
    if (settings.latency_monitor_threshold <= 0 || ms < settings.latency_monitor_threshold) return;
    event_add(event, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

/* LATENCY LATEST: [event, time of the last sample, its latency, max]. */
void latency_latest_reply(Client *c) {
    size_t n = 0;
    for (int i = 0; i < LAT_EVENTS; i++) n += events[i].name != NULL;
    reply_array(c, n);
    for (int i = 0; i < LAT_EVENTS; i++) {
        const LatencyEvent *e = &events[i];
        if (!e->name) continue;
        const LatencySample *last = &e->samples[(e->next + LAT_SAMPLES - 1) % LAT_SAMPLES];
        reply_array(c, 4);
        reply_bulk_cstr(c, e->name);
        reply_int(c, last->time_s);
        reply_int(c, last->ms);
        reply_int(c, e->max);
    }
}

/* LATENCY HISTORY event: its samples, oldest first, as [time, latency]. */
void latency_history_reply(Client *c, Slice name) {
    const LatencyEvent *e = event_find(name);
    if (!e) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, (size_t)e->n);
    for (int k = 0; k < e->n; k++) {
        const LatencySample *s = event_sample(e, k);
        reply_array(c, 2);
        reply_int(c, s->time_s);
        reply_int(c, s->ms);
    }
}

/* LATENCY RESET [event ...]: forgets the named events (all when none are
 * named); replies how many there were. */
void latency_reset_reply(Client *c, int argc, const Slice *names) {
    long long n = 0;
    for (int i = 0; i < LAT_EVENTS; i++) {
        LatencyEvent *e = &events[i];
        if (!e->name) continue;
        int hit = argc == 0;
        for (int a = 0; a < argc && !hit; a++) hit = slice_eq_nocase(names[a], e->name);
        if (hit) {
            e->name = NULL;
            n++;
        }
    }
    reply_int(c, n);
}

/* ---- LATENCY GRAPH ------------------------------------------------------
 *
 * The samples as Redis draws them: a header (the samples' high and low, the
 * all-time high), a rule of 80 dashes, then the samples left to right,
 * oldest first, 80 to a band (bands separated by a blank line). Each
 * sample is a column four rows high: its height is its place between the
 * low and the high in 12 steps, drawn bottom up with '|' for the full rows
 * and one of "_o#" on top. Under a blank row, the column's label says how
 * long ago the sample was taken ("12s", "3m", "5h", "2d"), written
 * downwards one character a row. The step is computed as Redis's: the
 * product truncated to an integer before the division. */

#define GRAPH_COLS 80
#define GRAPH_ROWS 4

static void graph_band(Buf *out, const uint32_t *ms, char (*labels)[24], int n, uint32_t lo,
                       uint32_t hi) {
    static const char fill[] = "_o#";
    double range = hi - lo ? (double)(hi - lo) : 1.0;
    int steps = 3 * GRAPH_ROWS;
    for (int row = 0; row < GRAPH_ROWS; row++) {
        for (int j = 0; j < n; j++) {
            int step = (int)((double)(int)((double)(ms[j] - lo) * steps) / range);
            if (step >= steps) step = steps - 1;
            int idx = step - (GRAPH_ROWS - 1 - row) * 3;
            buf_append_char(out, idx < 0 ? ' ' : idx < 3 ? fill[idx] : '|');
        }
        buf_append_char(out, '\n');
    }
    for (int j = 0; j < n; j++) buf_append_char(out, ' ');
    buf_append_char(out, '\n');
    for (size_t row = 0;; row++) {
        int any = 0;
        for (int j = 0; j < n; j++) any |= strlen(labels[j]) > row;
        if (!any) break;
        for (int j = 0; j < n; j++)
            buf_append_char(out, strlen(labels[j]) > row ? labels[j][row] : ' ');
        buf_append_char(out, '\n');
    }
}

void latency_graph_text(Buf *out, const char *event, const int64_t *times_s, const uint32_t *ms,
                        int n, uint32_t all_time_max, int64_t now_s) {
    uint32_t lo = 0, hi = 0;
    for (int j = 0; j < n; j++) {
        if (j == 0 || ms[j] < lo) lo = ms[j];
        if (j == 0 || ms[j] > hi) hi = ms[j];
    }
    buf_printf(out, "%s - high %lu ms, low %lu ms (all time high %lu ms)\n", event,
               (unsigned long)hi, (unsigned long)lo, (unsigned long)all_time_max);
    for (int j = 0; j < GRAPH_COLS; j++) buf_append_char(out, '-');
    buf_append_char(out, '\n');
    char(*labels)[24] = xmalloc((size_t)(n ? n : 1) * sizeof *labels);
    for (int j = 0; j < n; j++) {
        long long ago = now_s - times_s[j];
        if (ago < 60)
            snprintf(labels[j], sizeof labels[j], "%llds", ago);
        else if (ago < 3600)
            snprintf(labels[j], sizeof labels[j], "%lldm", ago / 60);
        else if (ago < 86400)
            snprintf(labels[j], sizeof labels[j], "%lldh", ago / 3600);
        else
            snprintf(labels[j], sizeof labels[j], "%lldd", ago / 86400);
    }
    for (int j = 0; j < n; j += GRAPH_COLS) {
        if (j) buf_append_char(out, '\n');
        graph_band(out, ms + j, labels + j, n - j < GRAPH_COLS ? n - j : GRAPH_COLS, lo, hi);
    }
    xfree(labels);
}

/* LATENCY GRAPH event */
void latency_graph_reply(Client *c, Slice name) {
    const LatencyEvent *e = event_find(name);
    if (!e) {
        reply_error(c, "ERR No samples available for event '%.*s'", (int)name.len, name.p);
        return;
    }
    int64_t times[LAT_SAMPLES];
    uint32_t ms[LAT_SAMPLES];
    for (int k = 0; k < e->n; k++) {
        times[k] = event_sample(e, k)->time_s;
        ms[k] = event_sample(e, k)->ms;
    }
    Buf b;
    buf_init(&b);
    latency_graph_text(&b, e->name, times, ms, e->n, e->max, real_us() / 1000000);
    reply_verbatim(c, b.p, b.len);
    buf_free(&b);
}

/* ---- LATENCY DOCTOR -----------------------------------------------------
 *
 * A report in the spirit of Redis's: per event, how many spikes, their
 * mean and mean absolute deviation, how often they came and the worst ever;
 * then advice chosen by which events occurred and how the server is set
 * up. The wording is streamd's own. */

typedef struct EventSummary {
    double avg_ms, mad_ms, period_s;
    int n;
} EventSummary;

static EventSummary summarize(const LatencyEvent *e) {
    EventSummary s = {0, 0, 0, e->n};
    if (e->n == 0) return s;
    double sum = 0;
    for (int k = 0; k < e->n; k++) sum += event_sample(e, k)->ms;
    s.avg_ms = sum / e->n;
    double dev = 0;
    for (int k = 0; k < e->n; k++) dev += fabs(event_sample(e, k)->ms - s.avg_ms);
    s.mad_ms = dev / e->n;
    if (e->n > 1)
        s.period_s =
            (double)(event_sample(e, e->n - 1)->time_s - event_sample(e, 0)->time_s) / (e->n - 1);
    return s;
}

static int thp_always(void) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f) return 0;
    char line[128] = "";
    int always = fgets(line, sizeof line, f) && strstr(line, "[always]");
    fclose(f);
    return always;
}

static int has_event(const char *prefix) {
    for (int i = 0; i < LAT_EVENTS; i++)
        if (events[i].name && strncmp(events[i].name, prefix, strlen(prefix)) == 0) return 1;
    return 0;
}

void latency_doctor_reply(Client *c) {
    Buf b;
    buf_init(&b);
    int n_events = 0;
    for (int i = 0; i < LAT_EVENTS; i++) n_events += events[i].name != NULL;
    if (settings.latency_monitor_threshold <= 0 && n_events == 0) {
        buf_printf(&b, "The latency monitor is off (latency-monitor-threshold is 0), so there is "
                       "nothing to report. Turn it on with \"CONFIG SET "
                       "latency-monitor-threshold <milliseconds>\" and ask again once the "
                       "server has been under its usual load.\n");
    } else if (n_events == 0) {
        buf_printf(&b,
                   "No event has taken %lld ms or more since the latency monitor started "
                   "(or was last reset). Nothing to worry about.\n",
                   settings.latency_monitor_threshold);
    } else {
        buf_printf(&b, "Latency report: %d kind%s of event reached the latency monitor's threshold",
                   n_events, n_events == 1 ? "" : "s");
        if (settings.latency_monitor_threshold > 0)
            buf_printf(&b, " of %lld ms.\n\n", settings.latency_monitor_threshold);
        else
            buf_printf(&b, " (the monitor has been turned off since).\n\n");
        int k = 0;
        for (int i = 0; i < LAT_EVENTS; i++) {
            const LatencyEvent *e = &events[i];
            if (!e->name) continue;
            EventSummary s = summarize(e);
            buf_printf(&b, "%d. %s: %d sample%s, %.0f ms on average (mean deviation %.0f ms)", ++k,
                       e->name, s.n, s.n == 1 ? "" : "s", s.avg_ms, s.mad_ms);
            if (s.n > 1) buf_printf(&b, ", one every %.2f s", s.period_s);
            buf_printf(&b, "; the highest ever was %u ms.\n", e->max);
        }
        buf_printf(&b, "\nWhat could help:\n\n");
        int advice = 0;
        long long slow_us = settings.slowlog_log_slower_than;
        /* (the threshold may be any long long: its us are capped, not overflowed) */
        long long threshold_us = settings.latency_monitor_threshold > LLONG_MAX / 1000
                                     ? LLONG_MAX
                                     : settings.latency_monitor_threshold * 1000;
        if (has_event("command") || has_event("fast-command")) {
            if (settings.latency_monitor_threshold > 0 && (slow_us < 0 || slow_us > threshold_us)) {
                buf_printf(&b,
                           "- The slow log records fewer commands than the latency monitor "
                           "reports: \"CONFIG SET slowlog-log-slower-than %lld\" makes it "
                           "keep every one of them.\n",
                           threshold_us);
                advice++;
            }
            buf_printf(&b, "- SLOWLOG GET names the slow commands and their arguments. Commands "
                           "over many entries (XRANGE or XREVRANGE without COUNT, XREAD of "
                           "long histories, XTRIM or DEL of big streams) take time in "
                           "proportion: read in pages with COUNT, trim a little at a time "
                           "(MAXLEN ~ or LIMIT), delete big keys with UNLINK.\n");
            advice++;
        }
        if (has_event("fast-command")) {
            buf_printf(&b, "- Commands that should take constant or logarithmic time were slow: "
                           "the host may be short of CPU (other processes, a noisy neighbour, "
                           "a throttled virtual machine) or the process may be swapping; "
                           "compare INFO memory's used_memory_rss with the RAM available.\n");
            advice++;
        }
        if (has_event("expire")) {
            buf_printf(&b, "- Expiry took time: many keys expiring in the same second, or large "
                           "values expiring, cost the cycle that deletes them. Spread the "
                           "expiry times out (add some jitter to the TTLs).\n");
            advice++;
        }
        if (has_event("aof")) {
            buf_printf(&b, "- Writing or syncing the append-only file was slow: the disk is "
                           "slow or shared. appendfsync everysec instead of always trades at "
                           "most a second of writes for much less waiting; "
                           "no-appendfsync-on-rewrite yes avoids syncs competing with a "
                           "rewrite.\n");
            advice++;
        }
        if (has_event("fork")) {
            buf_printf(&b, "- fork() took time, in proportion to the memory the server uses: "
                           "rewrite the AOF less often (auto-aof-rewrite-percentage) or keep "
                           "the dataset smaller. Some virtual machines fork slowly.\n");
            advice++;
        }
        if (thp_always()) {
            buf_printf(&b, "- Transparent huge pages are enabled ('always'): after a fork, "
                           "writes copy whole 2 MB pages, which shows as latency. Set "
                           "/sys/kernel/mm/transparent_hugepage/enabled to madvise or "
                           "never.\n");
            advice++;
        }
        if (!advice) buf_printf(&b, "- Nothing specific: see LATENCY HISTORY and GRAPH.\n");
    }
    reply_verbatim(c, b.p, b.len);
    buf_free(&b);
}
