/*
 * memreport.c - the memory report behind INFO memory and MEMORY STATS.
 *
 * The peak is sampled by the cron (every 100 ms) and by every report, not
 * after each command as Redis does: a spike shorter than a cron tick that
 * nobody asked about in between is missed, and the hot path stays as it
 * was. The keyspace overhead is computed from the tables' sizes (counting
 * each entry's allocation would walk every key); an entry's header is the
 * overhead part of it, its key bytes are data, as Redis counts its keys.
 */
#include "server/memreport.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/hotkeys.h"
#include "server/repl.h"
#include "server/script.h"

static size_t startup_bytes;
static size_t peak_bytes;
static size_t (*aof_buffer_fn)(void);

void server_set_aof_buffer_size(size_t (*fn)(void)) {
    aof_buffer_fn = fn;
}

size_t mem_aof_buffer_bytes(void) {
    return aof_buffer_fn ? aof_buffer_fn() : 0;
}

static void track_peak(size_t used) {
    if (used > peak_bytes) peak_bytes = used;
}

static void peak_cron(void) {
    track_peak(alloc_used_bytes());
}

void mem_note_startup(void) {
    startup_bytes = alloc_used_bytes();
    track_peak(startup_bytes);
    server_on_cron(peak_cron);
}

static size_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    return (size_t)rss * (size_t)(page > 0 ? page : 4096);
}

size_t mem_client_usage(const ClientFull *c) {
    size_t n = xsize(c) + xsize(c->qbuf.p) + xsize(c->obuf.p) + xsize(c->args.v) +
               xsize(c->args.scratch.p) + xsize(c->name) + xsize(c->lib_name) + xsize(c->lib_ver) +
               xsize(c->mq) + xsize(c->watched);
    for (int i = 0; i < c->mq_n; i++) n += xsize(c->mq[i].argv);
    if (c->block) n += xsize(c->block) + xsize(c->block->keys) + xsize(c->block->argv);
    return n;
}

void mem_report(MemReport *m) {
    memset(m, 0, sizeof *m);
    for (ClientFull *c = core.clients; c; c = c->next) m->clients_normal += mem_client_usage(c);
    m->aof_buffer = aof_buffer_fn ? aof_buffer_fn() : 0;
    m->overhead = startup_bytes + m->clients_normal + m->aof_buffer;
    for (int i = 0; i < core.n_dbs; i++) {
        Dict *d = core.dbs[i].keys;
        size_t keys = dict_size(d);
        if (!keys) continue;
        if (!m->db) m->db = xmalloc(sizeof *m->db * (size_t)core.n_dbs);
        MemDbOverhead *o = &m->db[m->n_db++];
        o->id = i;
        o->main = keys * sizeof(DictEntry) + dict_buckets(d) * sizeof(DictEntry *);
        o->expires = 0;
        m->overhead += o->main + o->expires;
        m->keys += keys;
    }
    /* Sampled last and together, so the ratios compare like with like. */
    m->used = alloc_used_bytes();
    m->rss = rss_bytes();
    track_peak(m->used);
    m->peak = peak_bytes;
    m->startup = startup_bytes;
    m->dataset = m->used > m->overhead ? m->used - m->overhead : 0;
    m->jemalloc = alloc_allocator_info(&m->allocated, &m->active, &m->resident) == 0;
    if (!m->resident) m->resident = m->rss;
    if (!m->active) m->active = m->resident;
    if (!m->allocated) m->allocated = m->used;
}

void mem_parts(MemParts *p) {
    memset(p, 0, sizeof *p);
    for (ClientFull *c = core.clients; c; c = c->next) {
        p->n_clients++;
        p->clients += mem_client_usage(c);
    }
    p->propagation = prop_memory();
    p->aof_buffer = mem_aof_buffer_bytes();
    p->repl_backlog = repl_backlog_memory();
    p->cmdstats = cmdstats_memory();
    p->errorstats = errorstats_memory();
    p->slowlog = slowlog_memory();
    p->scripts = script_cache_alloc_bytes() + script_client_bytes();
    p->functions = function_alloc_bytes();
    p->hotkeys = hotkeys_memory();
    for (int i = 0; i < core.n_dbs; i++)
        p->keyspace += dict_memory(core.dbs[i].keys) + dict_memory(core.dbs[i].watched) +
                       dict_memory(core.dbs[i].blocking);
    p->startup = startup_bytes;
    p->used = alloc_used_bytes();
    size_t parts = p->clients + p->propagation + p->aof_buffer + p->repl_backlog + p->cmdstats +
                   p->errorstats + p->slowlog + p->scripts + p->functions + p->hotkeys +
                   p->keyspace;
    p->other = (long long)p->used - (long long)p->startup - (long long)parts;
}

void mem_report_free(MemReport *m) {
    xfree(m->db);
    m->db = NULL;
    m->n_db = 0;
}

float mem_peak_perc(const MemReport *m) {
    return m->peak ? (float)m->used * 100 / (float)m->peak : 0;
}

float mem_dataset_perc(const MemReport *m) {
    size_t net = m->used > m->startup ? m->used - m->startup : 1;
    return (float)m->dataset * 100 / (float)net;
}
