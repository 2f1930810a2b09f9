/*
 * search.c - the query engine's index commands (Redis 8's bundled
 * RediSearch, module "search"): FT.CREATE, FT.ALTER, FT.DROPINDEX, FT.INFO,
 * FT._LIST, FT.ALIASADD/ALIASUPDATE/ALIASDEL/ALIASLIST, FT.TAGVALS, FT.SYNUPDATE,
 * FT.SYNDUMP, FT.EXPLAIN, FT.EXPLAINCLI, FT.SEARCH, FT.PROFILE and
 * FT.SPELLCHECK (its options and reply in cmd/ftspell.c).
 *
 * The indexes live in src/types/ftindex.c (registry, schema, keeping up with
 * the keyspace) and queries run in src/types/ftexec.c; this file parses the
 * commands' arguments, shapes the replies (RESP2 arrays, RESP3 maps as
 * RediSearch sends them) and propagates the definitions. Index definitions
 * are not keys: FT.CREATE, FT.ALTER, FT.DROPINDEX, FT.ALIAS* and
 * FT.SYNUPDATE are propagated as given (FT.DROPINDEX DD also deletes the
 * documents, which propagates their DELs), and the AOF rewrite and RDB
 * snapshots carry the definitions (ftindex_emit_all()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "cmd/ftaggcmd.h"
#include "cmd/ftspell.h"
#include "persist/globalstate.h"
#include "persist/rdbmodule.h"
#include "server/core.h"
#include "types/ftagg.h"
#include "types/ftconfig.h"
#include "types/ftexec.h"
#include "types/ftindex_int.h"
#include "types/ftquery.h"
#include "types/fttext.h"
#include "types/ftvec.h"

static int word(Slice s, const char *w) {
    return slice_eq_nocase(s, w);
}

static void reply_no_index(Client *c, Slice name) {
    reply_error(c, "%.*s: no such index", (int)name.len, name.p);
}

static void reply_unknown_index(Client *c) {
    reply_error(c, "Unknown index name");
}

/* ---- FT.CREATE / FT.ALTER / FT.DROPINDEX / FT._LIST ---------------------- */

static void cmd_ft_create(Client *c) {
    const char *err = NULL;
    ftindex_sync();
    if (ftindex_create(db_index(c->db), c->argc - 1, c->argv + 1, &err) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

static void cmd_ft_alter(Client *c) {
    const char *err = NULL;
    ftindex_sync();
    if (ftindex_alter(c->argc - 1, c->argv + 1, &err) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

/* FT.DROPINDEX idx [DD] and FT.DROP idx [KEEPDOCS] (RediSearch 1.x's drop,
 * still registered: older clients' dropindex() send it): opt is the one
 * option; the documents go with the index when it is given and
 * opt_keeps_docs is 0, or when it is not and opt_keeps_docs is 1. */
static void drop_index(Client *c, const char *opt, int opt_keeps_docs) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    int given = 0;
    if (c->argc == 3) {
        if (!word(c->argv[2], opt)) {
            reply_error(c, "Unknown argument `%.*s`", (int)c->argv[2].len, c->argv[2].p);
            return;
        }
        given = 1;
    }
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_unknown_index(c);
        return;
    }
    /* The DELs of the documents reach the AOF on their own, after the drop. */
    propagate_argv(c);
    ftindex_drop(ix, given != opt_keeps_docs);
    server.dirty++;
    reply_ok(c);
}

static void cmd_ft_dropindex(Client *c) {
    drop_index(c, "DD", 0);
}

static void cmd_ft_drop(Client *c) {
    drop_index(c, "KEEPDOCS", 1);
}

static void cmd_ft_list(Client *c) {
    size_t n;
    FtIndex **all = ftindex_all(&n);
    reply_set(c, n);
    for (size_t i = 0; i < n; i++) reply_bulk(c, all[i]->name, all[i]->name_len);
}

/* ---- aliases -------------------------------------------------------------- */

static void cmd_ft_aliasadd(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[2]);
    if (!ix) {
        reply_error(c, "Unknown index name (or name is an alias itself)");
        return;
    }
    if (ftindex__find(c->argv[1])) {
        reply_error(c, "Alias already exists");
        return;
    }
    const char *err;
    if (ftindex_alias_add(c->argv[1], ix, &err) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

static void cmd_ft_aliasupdate(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[2]);
    if (!ix) {
        reply_error(c, "Unknown index name (or name is an alias itself)");
        return;
    }
    const char *err;
    FtIndex *cur = ftindex__find(c->argv[1]);
    if (cur && slice_eq(ftindex_name(cur), c->argv[1])) {
        reply_error(c, "Alias already exists");
        return;
    }
    if (cur) ftindex_alias_del(c->argv[1], &err);
    if (ftindex_alias_add(c->argv[1], ix, &err) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

static void cmd_ft_aliasdel(Client *c) {
    ftindex_sync();
    FtIndex *ix = ftindex__find(c->argv[1]);
    if (!ix || slice_eq(ftindex_name(ix), c->argv[1])) {
        reply_error(c, "Alias does not exist");
        return;
    }
    const char *err;
    if (ftindex_alias_del(c->argv[1], &err) != 0) {
        reply_error(c, "%s", err);
        return;
    }
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

/* FT.ALIASLIST index (Redis 8.10): the index's aliases, in the order they
 * were added. */
static void cmd_ft_aliaslist(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    size_t n = ftindex_aliases_of(ix, NULL, 0);
    Slice *v = xmalloc((n ? n : 1) * sizeof *v);
    ftindex_aliases_of(ix, v, n);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_bulk_slice(c, v[i]);
    xfree(v);
}

/* ---- FT.TAGVALS ---------------------------------------------------------- */

typedef struct TagVals {
    FtIndex *ix;
    Slice *v;
    size_t n, cap;
} TagVals;

static void tagvals_visit(void *priv, DictEntry *e) {
    TagVals *t = priv;
    FtIdList *l = e->val;
    int live = 0;
    for (size_t i = 0; i < l->n && !live; i++)
        if (ftindex__doc(t->ix, l->v[i])) live = 1;
    if (!live) return;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = xrealloc(t->v, t->cap * sizeof(Slice));
    }
    t->v[t->n++] = slice_of(e->key, e->key_len);
}

static int slice_cmp(const void *a, const void *b) {
    const Slice *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static void cmd_ft_tagvals(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    int fi = -1;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (slice_eq(slice_of(ix->fields[i].name, ix->fields[i].name_len), c->argv[2])) fi = (int)i;
    if (fi < 0) {
        reply_error(c, "No such field `%.*s`", (int)c->argv[2].len, c->argv[2].p);
        return;
    }
    if (ix->fields[fi].type != FT_FIELD_TAG) {
        reply_error(c, "Field `%.*s` is not a TAG field", (int)c->argv[2].len, c->argv[2].p);
        return;
    }
    TagVals t = {ix, NULL, 0, 0};
    dict_foreach(ix->tags[ix->fields[fi].slot], tagvals_visit, &t);
    if (t.n) qsort(t.v, t.n, sizeof(Slice), slice_cmp);
    reply_set(c, t.n);
    for (size_t i = 0; i < t.n; i++) reply_bulk_slice(c, t.v[i]);
    xfree(t.v);
}

/* ---- synonyms ----------------------------------------------------------- */

static void cmd_ft_synupdate(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_unknown_index(c);
        return;
    }
    int i = 3;
    if (i < c->argc && word(c->argv[i], "SKIPINITIALSCAN")) i++;
    if (i >= c->argc) {
        reply_arity_error(c);
        return;
    }
    ftindex_syn_update(ix, c->argv[2], c->argv + i, (size_t)(c->argc - i), i == 3);
    ftindex__add_def(ix, c->argc, c->argv);
    propagate_argv(c);
    server.dirty++;
    reply_ok(c);
}

typedef struct SynDump {
    Client *c;
    size_t n;
} SynDump;

static void syndump_visit(void *priv, DictEntry *e) {
    SynDump *s = priv;
    Buf *b = e->val;
    reply_bulk(s->c, e->key, e->key_len);
    size_t n = 0;
    const char *p = buf_data(b), *end = p + buf_live(b);
    for (const char *q = p; q < end; q += strlen(q) + 1) n++;
    reply_array(s->c, n);
    for (const char *q = p; q < end; q += strlen(q) + 1) reply_bulk_cstr(s->c, q);
    s->n++;
}

static void cmd_ft_syndump(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_unknown_index(c);
        return;
    }
    size_t n = ix->syn ? dict_size(ix->syn) : 0;
    reply_map(c, n);
    if (!n) return;
    SynDump s = {c, 0};
    dict_foreach(ix->syn, syndump_visit, &s);
}

/* ---- FT.INFO ------------------------------------------------------------- */

static void reply_kv_str(Client *c, const char *k, const char *v) {
    reply_bulk_cstr(c, k);
    reply_bulk_cstr(c, v);
}

static void reply_kv_int(Client *c, const char *k, long long v) {
    reply_bulk_cstr(c, k);
    reply_int(c, v);
}

static void reply_kv_double(Client *c, const char *k, double v) {
    reply_bulk_cstr(c, k);
    reply_double(c, v);
}

static void reply_weight(Client *c, double w) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%g", w);
    reply_bulk(c, buf, (size_t)n);
}

static void info_field(Client *c, const FtIndex *ix, const FtField *f) {
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    reply_bulk_cstr(c, "identifier");
    reply_bulk(c, f->path, f->path_len);
    reply_bulk_cstr(c, "attribute");
    reply_bulk(c, f->name, f->name_len);
    reply_bulk_cstr(c, "type");
    static const char *const names[] = {"TEXT", "TAG", "NUMERIC", "GEO", "GEOSHAPE", "VECTOR"};
    reply_bulk_cstr(c, names[f->type]);
    n += 6;
    if (f->type == FT_FIELD_TEXT) {
        reply_bulk_cstr(c, "WEIGHT");
        reply_weight(c, f->weight);
        n += 2;
        if (f->flags & FTF_NOSTEM) reply_bulk_cstr(c, "NOSTEM"), n++;
        if (f->flags & FTF_PHONETIC) {
            reply_bulk_cstr(c, "PHONETIC");
            reply_bulk_cstr(c, f->phonetic);
            n += 2;
        }
    }
    if (f->type == FT_FIELD_TAG) {
        char sep[2] = {f->sep, 0};
        reply_bulk_cstr(c, "SEPARATOR");
        reply_bulk_cstr(c, sep);
        n += 2;
        if (f->flags & FTF_CASESENSITIVE) reply_bulk_cstr(c, "CASESENSITIVE"), n++;
    }
    if (f->type == FT_FIELD_GEOSHAPE) {
        reply_bulk_cstr(c, "coord_system");
        reply_bulk_cstr(c, (f->flags & FTF_GEOFLAT) ? "FLAT" : "SPHERICAL");
        n += 2;
    }
    if (f->type == FT_FIELD_VECTOR && f->vec) {
        FtVecInfoItem items[FTVEC_INFO_MAX];
        size_t k = ftvec_info(ftvec_params(f->vec), items);
        for (size_t i = 0; i < k; i++) {
            reply_bulk_cstr(c, items[i].key);
            if (items[i].str)
                reply_bulk_cstr(c, items[i].str);
            else
                reply_int(c, items[i].num);
            n += 2;
        }
    }
    if (f->flags & FTF_SUFFIXTRIE) reply_bulk_cstr(c, "WITHSUFFIXTRIE"), n++;
    if (f->flags & FTF_INDEXEMPTY) reply_bulk_cstr(c, "INDEXEMPTY"), n++;
    if (f->flags & FTF_INDEXMISSING) reply_bulk_cstr(c, "INDEXMISSING"), n++;
    if (f->flags & FTF_SORTABLE) {
        reply_bulk_cstr(c, "SORTABLE");
        n++;
        if ((f->flags & FTF_UNF) && f->type != FT_FIELD_NUMERIC && !ix->on_json)
            reply_bulk_cstr(c, "UNF"), n++;
    }
    if (f->flags & FTF_NOINDEX) reply_bulk_cstr(c, "NOINDEX"), n++;
    reply_set_array_len(c, d, n);
}

static void cmd_ft_info(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_unknown_index(c);
        return;
    }
    ReplyDeferred top = reply_defer(c);
    size_t pairs = 0;
    reply_kv_str(c, "index_name", ix->name);
    pairs++;
    reply_bulk_cstr(c, "index_options");
    {
        size_t n = 0;
        ReplyDeferred d = reply_defer(c);
        if (ix->nooffsets) reply_bulk_cstr(c, "NOOFFSETS"), n++;
        if (ix->nohl && !ix->nooffsets) reply_bulk_cstr(c, "NOHL"), n++;
        if (ix->nofields) reply_bulk_cstr(c, "NOFIELDS"), n++;
        if (ix->nofreqs) reply_bulk_cstr(c, "NOFREQS"), n++;
        if (ix->maxtextfields) reply_bulk_cstr(c, "MAXTEXTFIELDS"), n++;
        if (ix->skipinitialscan) reply_bulk_cstr(c, "SKIPINITIALSCAN"), n++;
        reply_set_array_len(c, d, n);
    }
    pairs++;
    reply_bulk_cstr(c, "index_definition");
    {
        size_t n = 0;
        ReplyDeferred d = reply_defer(c);
        reply_kv_str(c, "key_type", ix->on_json ? "JSON" : "HASH");
        n++;
        reply_bulk_cstr(c, "prefixes");
        reply_array(c, (size_t)ix->n_prefixes);
        for (int i = 0; i < ix->n_prefixes; i++) reply_bulk(c, ix->prefixes[i], ix->prefix_lens[i]);
        n++;
        if (ix->filter) reply_kv_str(c, "filter", ix->filter), n++;
        if (ix->language) reply_kv_str(c, "default_language", ix->language), n++;
        if (ix->language_field) reply_kv_str(c, "language_field", ix->language_field), n++;
        reply_bulk_cstr(c, "default_score");
        reply_weight(c, ix->default_score);
        n++;
        if (ix->score_field) reply_kv_str(c, "score_field", ix->score_field), n++;
        if (ix->payload_field) reply_kv_str(c, "payload_field", ix->payload_field), n++;
        reply_kv_str(c, "indexes_all", "false");
        n++;
        reply_set_map_len(c, d, n);
    }
    pairs++;
    reply_bulk_cstr(c, "attributes");
    reply_array(c, ix->n_fields);
    for (size_t i = 0; i < ix->n_fields; i++) info_field(c, ix, &ix->fields[i]);
    pairs++;
    reply_kv_int(c, "num_docs", (long long)ix->n_docs);
    reply_kv_int(c, "max_doc_id", (long long)ix->next_id);
    reply_kv_int(c, "num_terms", (long long)dict_size(ix->terms));
    reply_kv_int(c, "num_records", (long long)ix->n_records);
    pairs += 4;
    double mb = 1024.0 * 1024.0;
    size_t vec_bytes = 0;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].vec) vec_bytes += ftvec_mem_bytes(ix->fields[i].vec);
    reply_kv_double(c, "inverted_sz_mb", (double)dict_memory(ix->terms) / mb);
    reply_kv_double(c, "vector_index_sz_mb", (double)vec_bytes / mb);
    reply_kv_int(c, "total_inverted_index_blocks", (long long)dict_size(ix->terms));
    reply_kv_double(c, "offset_vectors_sz_mb", 0);
    reply_kv_double(c, "doc_table_size_mb", (double)(ix->docs_cap * sizeof(void *)) / mb);
    reply_kv_double(c, "sortable_values_size_mb", 0);
    reply_kv_double(c, "key_table_size_mb", (double)dict_memory(ix->keys) / mb);
    reply_kv_double(c, "records_per_doc_avg",
                    ix->n_docs ? (double)ix->n_records / (double)ix->n_docs : 0);
    pairs += 8;
    reply_kv_int(c, "hash_indexing_failures", (long long)ix->n_failures);
    reply_kv_int(c, "indexing", ix->scanning ? 1 : 0);
    double pct = 1.0;
    if (ix->scanning) {
        uint64_t total = dict_size(core.dbs[ix->db].keys);
        pct = total ? (double)ix->scan_seen / (double)total : 1.0;
        if (pct > 1) pct = 1;
    }
    reply_kv_double(c, "percent_indexed", pct);
    reply_kv_int(c, "number_of_uses", (long long)ix->n_uses);
    reply_kv_int(c, "cleaning", 0);
    pairs += 5;
    reply_bulk_cstr(c, "gc_stats");
    reply_map(c, 5);
    reply_kv_int(c, "bytes_collected", 0);
    reply_kv_int(c, "entries_collected", (long long)ix->gc_collected);
    reply_kv_int(c, "total_cycles", (long long)ix->gc_cycles);
    reply_kv_double(c, "total_ms_run", (double)ix->gc_total_us / 1000.0);
    reply_kv_double(c, "last_run_time_ms", (double)ix->gc_last_us / 1000.0);
    pairs++;
    reply_bulk_cstr(c, "cursor_stats");
    {
        FtAggCursorStats cs;
        ftagg_cursor_stats(ix->name, ix->name_len, &cs);
        reply_map(c, 4);
        reply_kv_int(c, "global_idle", cs.global_idle);
        reply_kv_int(c, "global_total", cs.global_total);
        reply_kv_int(c, "index_capacity", cs.index_capacity);
        reply_kv_int(c, "index_total", cs.index_total);
    }
    pairs++;
    reply_bulk_cstr(c, "dialect_stats");
    reply_map(c, 4);
    for (int d = 1; d <= 4; d++) {
        char name[32];
        snprintf(name, sizeof name, "dialect_%d", d);
        reply_kv_int(c, name, (long long)ix->dialect_uses[d]);
    }
    pairs++;
    reply_bulk_cstr(c, "Index Errors");
    reply_map(c, 3);
    reply_kv_int(c, "indexing failures", (long long)ix->n_failures);
    reply_kv_str(c, "last indexing error", ix->last_error[0] ? ix->last_error : "N/A");
    reply_bulk_cstr(c, "last indexing error key");
    if (ix->last_error_key)
        reply_bulk(c, ix->last_error_key, ix->last_error_key_len);
    else
        reply_bulk_cstr(c, "N/A");
    pairs++;
    reply_bulk_cstr(c, "stopwords_list");
    {
        size_t n;
        const char *const *w = ftt_stopwords_words(ix->sw, &n);
        reply_array(c, n);
        for (size_t i = 0; i < n; i++) reply_bulk_cstr(c, w[i]);
    }
    pairs++;
    reply_set_map_len(c, top, pairs);
}

/* ---- FT.EXPLAIN / FT.EXPLAINCLI ------------------------------------------ */

/* DIALECT n: 0 with *out, or -1 after replying the error. */
static int parse_dialect(Client *c, Slice s, int *out) {
    long long v;
    if (parse_ll(s, &v) != 0 || v < 1 || v > 4) {
        reply_error(c, "DIALECT requires a non negative integer >=1 and <= 4");
        return -1;
    }
    *out = (int)v;
    return 0;
}

static void explain(Client *c, int cli) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    FtQueryArgs a;
    memset(&a, 0, sizeof a);
    a.query = c->argv[2];
    for (int i = 3; i < c->argc; i++) {
        if (word(c->argv[i], "DIALECT") && i + 1 < c->argc) {
            if (parse_dialect(c, c->argv[i + 1], &a.dialect) != 0) return;
            i++;
        } else if (word(c->argv[i], "PARAMS") && i + 1 < c->argc) {
            long long n;
            if (parse_ll(c->argv[i + 1], &n) != 0 || n < 0 || n % 2 || n > c->argc - i - 2) {
                reply_error(c, "Bad arguments for PARAMS: Value is outside acceptable bounds");
                return;
            }
            a.params = c->argv + i + 2;
            a.n_params = (size_t)n;
            i += 1 + (int)n;
        } else if (word(c->argv[i], "VERBATIM")) {
            a.verbatim = 1;
        } else {
            reply_error(c, "Unknown argument `%.*s`", (int)c->argv[i].len, c->argv[i].p);
            return;
        }
    }
    const char *err;
    FtqSchema schema;
    FtqNode *root = ftexec_parse(ix, &a, &schema, &err);
    if (!root) {
        reply_error(c, "%s", err);
        return;
    }
    if (cli) {
        size_t n;
        char **lines = ftq_explain_lines(root, &schema, &n);
        reply_array(c, n);
        for (size_t i = 0; i < n; i++) reply_bulk_cstr(c, lines[i]);
        ftq_explain_lines_free(lines, n);
    } else {
        Buf b;
        buf_init(&b);
        ftq_explain(root, &schema, &b);
        reply_bulk(c, buf_data(&b), buf_live(&b));
        buf_free(&b);
    }
    ftq_free(root);
}

static void cmd_ft_explain(Client *c) {
    explain(c, 0);
}

static void cmd_ft_explaincli(Client *c) {
    explain(c, 1);
}

/* ---- FT.SPELLCHECK ---------------------------------------------------------- */

typedef struct SpellTerms {
    Slice *v;
    uint64_t *masks;
    size_t n, cap;
} SpellTerms;

/* The query's plain terms in query order, as RediSearch's spell check walks
 * its tree: every token node wherever it stands (under NOT, OPTIONAL,
 * phrases, fields); prefixes, fuzzy terms, tags and numbers are not terms.
 * The query is parsed VERBATIM, so no stem / synonym expansion is there. */
static void spell_collect(const FtqNode *n, SpellTerms *t) {
    if (n->type == FTQ_TAG) return;
    if (n->type == FTQ_TOKEN) {
        if (n->len == 0 || n->is_expanded) return;
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 8;
            t->v = xrealloc(t->v, t->cap * sizeof *t->v);
            t->masks = xrealloc(t->masks, t->cap * sizeof *t->masks);
        }
        t->masks[t->n] = n->field_mask;
        t->v[t->n++] = slice_of(n->str, n->len);
        return;
    }
    for (size_t i = 0; i < n->n_children; i++) spell_collect(n->children[i], t);
}

static void spell_terms_of_index(void *ctx, FtSpellTermFn fn, void *priv) {
    ftindex_foreach_term(ctx, fn, priv);
}

static void spell_terms_in(void *ctx, uint64_t mask, FtSpellTermFn fn, void *priv) {
    ftindex_foreach_term_in(ctx, mask, fn, priv);
}

static void cmd_ft_spellcheck(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    FtSpellArgs sa;
    if (ftspell_parse(c, &sa) != 0) {
        ftspell_args_free(&sa);
        return;
    }
    FtQueryArgs a;
    memset(&a, 0, sizeof a);
    a.query = c->argv[2];
    a.verbatim = 1;
    for (int i = 3; i < c->argc; i++) {
        if (word(c->argv[i], "DIALECT") && i + 1 < c->argc) {
            if (parse_dialect(c, c->argv[i + 1], &a.dialect) != 0) {
                ftspell_args_free(&sa);
                return;
            }
            i++;
        } else if (word(c->argv[i], "PARAMS") && i + 1 < c->argc) {
            long long n;
            if (parse_ll(c->argv[i + 1], &n) != 0 || n < 0 || n % 2 || n > c->argc - i - 2) {
                reply_error(c, "Bad arguments for PARAMS: Value is outside acceptable bounds");
                ftspell_args_free(&sa);
                return;
            }
            a.params = c->argv + i + 2;
            a.n_params = (size_t)n;
            i += 1 + (int)n;
        }
    }
    const char *err;
    FtqSchema schema;
    FtqNode *root = ftexec_parse(ix, &a, &schema, &err);
    if (!root) {
        reply_error(c, "%s", err);
        ftspell_args_free(&sa);
        return;
    }
    SpellTerms t = {0};
    spell_collect(root, &t);
    FtSpellIndex si = {ix, spell_terms_of_index, ix->n_docs, t.masks, spell_terms_in};
    ftspell_reply(c, &sa, t.v, t.n, &si);
    xfree(t.v);
    xfree(t.masks);
    ftq_free(root);
    ftspell_args_free(&sa);
}

/* ---- FT.SEARCH -------------------------------------------------------------- */

typedef struct RetField {
    Slice name; /* as asked (attribute, hash field or JSON path) */
    Slice as;   /* the name in the reply */
} RetField;

typedef struct SearchReq {
    FtQueryArgs q;
    FtExecOpts x;
    int nocontent, withscores, withpayloads, withsortkeys, explainscore;
    RetField *ret;
    size_t n_ret;
    int has_return;
    Slice sortby;
    int has_sortby, sort_desc, withcount;
    long long offset, limit;
    FtNumFilter *filters;
    size_t n_filters;
    FtGeoFilter *geo;
    size_t n_geo;
    char scorer[32];
    Slice *inkeys;
    size_t n_inkeys;
    /* SUMMARIZE / HIGHLIGHT */
    int highlight, summarize;
    const Slice *hl_fields, *sum_fields; /* NULL: every TEXT field returned */
    size_t n_hl_fields, n_sum_fields;
    Slice hl_open, hl_close, sum_sep;
    int frags, frag_len;
    /* the query's terms, for them (owned NUL-separated) */
    Buf terms;
    Buf prefixes;
    char lang[32]; /* the stemming language: LANGUAGE or the index's; "": english */
} SearchReq;

static void req_free(SearchReq *r) {
    buf_free(&r->terms);
    buf_free(&r->prefixes);
    xfree(r->ret);
    xfree(r->filters);
    xfree(r->geo);
}

/* Parses a number argument of FILTER (with "(" for exclusive, -inf/+inf). */
static int parse_bound(Slice s, double *v, int *inclusive) {
    *inclusive = 1;
    if (s.len && s.p[0] == '(') {
        *inclusive = 0;
        s = slice_of(s.p + 1, s.len - 1);
    }
    char buf[64];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    if (strcasecmp(buf, "-inf") == 0) {
        *v = -INFINITY;
        return 0;
    }
    if (strcasecmp(buf, "+inf") == 0 || strcasecmp(buf, "inf") == 0) {
        *v = INFINITY;
        return 0;
    }
    char *end;
    *v = strtod(buf, &end);
    return *end == 0 && !isnan(*v) ? 0 : -1;
}

static int field_of_type(FtIndex *ix, Slice name, int type) {
    for (size_t i = 0; i < ix->n_fields; i++)
        if (slice_eq(slice_of(ix->fields[i].name, ix->fields[i].name_len), name) &&
            ix->fields[i].type == type)
            return (int)i;
    return -1;
}

/* Parses FT.SEARCH's options from argv[3]; 0, or -1 after replying. */
static int parse_search(Client *c, FtIndex *ix, SearchReq *r, int first) {
    memset(r, 0, sizeof *r);
    r->q.timeout_ms = -1; /* search-timeout unless TIMEOUT */
    buf_init(&r->terms);
    buf_init(&r->prefixes);
    r->q.query = c->argv[first - 1];
    r->x.infields = FTQ_FIELDMASK_ALL;
    r->x.slop = -1;
    r->limit = 10;
    if (ix->language) snprintf(r->lang, sizeof r->lang, "%s", ix->language);
    int argc = c->argc;
    const Slice *argv = c->argv;
    for (int i = first; i < argc; i++) {
        Slice a = argv[i];
        int left = argc - i - 1;
        if (word(a, "NOCONTENT")) {
            r->nocontent = 1;
        } else if (word(a, "VERBATIM")) {
            r->q.verbatim = 1;
        } else if (word(a, "NOSTOPWORDS")) {
            r->q.nostopwords = 1;
        } else if (word(a, "WITHSCORES")) {
            r->withscores = 1;
        } else if (word(a, "WITHPAYLOADS")) {
            r->withpayloads = 1;
        } else if (word(a, "WITHSORTKEYS")) {
            r->withsortkeys = 1;
        } else if (word(a, "EXPLAINSCORE")) {
            r->explainscore = 1;
        } else if (word(a, "INORDER")) {
            r->x.inorder = 1;
        } else if (word(a, "WITHCOUNT") || word(a, "WITHOUTCOUNT")) {
            r->withcount = word(a, "WITHCOUNT");
        } else if (word(a, "FILTER")) {
            if (left < 3) {
                reply_error(c, "Bad arguments for FILTER: Expected an argument");
                return -1;
            }
            int fi = field_of_type(ix, argv[i + 1], FT_FIELD_NUMERIC);
            if (fi < 0) {
                reply_error(c, "Unknown field `%.*s`", (int)argv[i + 1].len, argv[i + 1].p);
                return -1;
            }
            FtNumFilter f;
            f.field = fi;
            if (parse_bound(argv[i + 2], &f.min, &f.min_inc) != 0 ||
                parse_bound(argv[i + 3], &f.max, &f.max_inc) != 0) {
                reply_error(c, "Bad upper range: %.*s", (int)argv[i + 3].len, argv[i + 3].p);
                return -1;
            }
            r->filters = xrealloc(r->filters, (r->n_filters + 1) * sizeof f);
            r->filters[r->n_filters++] = f;
            i += 3;
        } else if (word(a, "GEOFILTER")) {
            if (left < 5) {
                reply_error(c, "Bad arguments for GEOFILTER: Expected an argument");
                return -1;
            }
            int fi = field_of_type(ix, argv[i + 1], FT_FIELD_GEO);
            if (fi < 0) {
                reply_error(c, "Unknown field `%.*s`", (int)argv[i + 1].len, argv[i + 1].p);
                return -1;
            }
            FtGeoFilter g;
            int inc;
            double rad;
            g.field = fi;
            if (parse_bound(argv[i + 2], &g.lon, &inc) != 0 ||
                parse_bound(argv[i + 3], &g.lat, &inc) != 0 ||
                parse_bound(argv[i + 4], &rad, &inc) != 0) {
                reply_error(c, "Bad arguments for GEOFILTER: Could not convert argument to "
                               "expected type");
                return -1;
            }
            Slice u = argv[i + 5];
            double m = word(u, "m")    ? 1
                       : word(u, "km") ? 1000
                       : word(u, "mi") ? 1609.34
                       : word(u, "ft") ? 0.3048
                                       : -1;
            if (m < 0) {
                reply_error(c, "Invalid GeoFilter unit");
                return -1;
            }
            g.radius_m = rad * m;
            r->geo = xrealloc(r->geo, (r->n_geo + 1) * sizeof g);
            r->geo[r->n_geo++] = g;
            i += 5;
        } else if (word(a, "INKEYS") || word(a, "INFIELDS") || word(a, "RETURN")) {
            long long n;
            if (left < 1 || parse_ll(argv[i + 1], &n) != 0 || n < 0) {
                reply_error(c, "Bad arguments for %.*s: Value is outside acceptable bounds",
                            (int)a.len, a.p);
                return -1;
            }
            if (n > left - 1) {
                reply_error(c,
                            "Bad arguments for %.*s: Not enough arguments were provided based on "
                            "argument count",
                            (int)a.len, a.p);
                return -1;
            }
            const Slice *list = argv + i + 2;
            if (word(a, "INKEYS")) {
                r->x.inkeys = list;
                r->x.n_inkeys = (size_t)n;
                r->x.has_inkeys = 1;
            } else if (word(a, "INFIELDS")) {
                FtqFieldMask m = 0;
                for (long long k = 0; k < n; k++) {
                    int fi = field_of_type(ix, list[k], FT_FIELD_TEXT);
                    if (fi >= 0 && ix->fields[fi].text_id >= 0 && ix->fields[fi].text_id < 64)
                        m |= 1ull << ix->fields[fi].text_id;
                }
                r->x.infields = m;
            } else {
                r->has_return = 1;
                r->n_ret = 0;
                r->ret = xrealloc(r->ret, (size_t)(n ? n : 1) * sizeof(RetField));
                for (long long k = 0; k < n; k++) {
                    RetField f = {list[k], list[k]};
                    if (k + 2 < n && word(list[k + 1], "AS")) {
                        f.as = list[k + 2];
                        if (word(f.as, "AS")) {
                            reply_error(c, "Alias for RETURN cannot be `AS`");
                            return -1;
                        }
                        k += 2;
                    } else if (k + 1 < n && word(list[k + 1], "AS")) {
                        reply_error(c, "RETURN path AS name - must be accompanied with NAME");
                        return -1;
                    }
                    r->ret[r->n_ret++] = f;
                }
            }
            i += 1 + (int)n;
        } else if (word(a, "SLOP")) {
            long long n;
            if (left < 1 || parse_ll(argv[i + 1], &n) != 0 || n < 0) {
                reply_error(c, "Bad arguments for SLOP: Value is outside acceptable bounds");
                return -1;
            }
            r->x.slop = n > 1000000000 ? 1000000000 : (int)n;
            i++;
        } else if (word(a, "TIMEOUT")) {
            long long n;
            if (left < 1) {
                reply_error(c, "Need argument for TIMEOUT");
                return -1;
            }
            if (parse_ll(argv[i + 1], &n) != 0 || n < 0) {
                reply_error(c, "TIMEOUT requires a non negative integer");
                return -1;
            }
            r->q.timeout_ms = (double)n;
            i++;
        } else if (word(a, "LANGUAGE")) {
            if (left < 1) {
                reply_error(c, "Bad arguments for LANGUAGE: Expected an argument");
                return -1;
            }
            if (!ftindex__language_ok(argv[i + 1])) {
                reply_error(c, "No such language %.*s", (int)argv[i + 1].len, argv[i + 1].p);
                return -1;
            }
            r->q.language = argv[i + 1];
            snprintf(r->lang, sizeof r->lang, "%.*s", (int)argv[i + 1].len, argv[i + 1].p);
            i++;
        } else if (word(a, "EXPANDER")) {
            if (left < 1) {
                reply_error(c, "Bad arguments for EXPANDER: Expected an argument");
                return -1;
            }
            i++;
        } else if (word(a, "SCORER")) {
            if (left < 1) {
                reply_error(c, "Bad arguments for SCORER: Expected an argument");
                return -1;
            }
            Slice s = argv[i + 1];
            if (s.len >= sizeof r->scorer) s.len = sizeof r->scorer - 1;
            memcpy(r->scorer, s.p, s.len);
            r->scorer[s.len] = 0;
            if (!ftexec_scorer_ok(r->scorer)) {
                reply_error(c, "Scoring function `%s` not found", r->scorer);
                return -1;
            }
            r->q.scorer = r->scorer;
            i++;
        } else if (word(a, "PAYLOAD")) {
            if (left < 1) {
                reply_error(c, "Bad arguments for PAYLOAD: Expected an argument");
                return -1;
            }
            r->x.payload = argv[i + 1];
            i++;
        } else if (word(a, "SORTBY")) {
            if (left < 1) {
                reply_error(c, "Bad SORTBY arguments");
                return -1;
            }
            if (r->has_sortby) {
                reply_error(c, "Multiple SORTBY steps are not allowed");
                return -1;
            }
            r->sortby = argv[i + 1];
            if (r->sortby.len && r->sortby.p[0] == '@')
                r->sortby = slice_of(r->sortby.p + 1, r->sortby.len - 1);
            r->has_sortby = 1;
            i++;
            if (i + 1 < argc && (word(argv[i + 1], "ASC") || word(argv[i + 1], "DESC"))) {
                r->sort_desc = word(argv[i + 1], "DESC");
                i++;
            }
        } else if (word(a, "LIMIT")) {
            long long off, num;
            if (left < 2) {
                reply_error(c, "LIMIT requires two arguments");
                return -1;
            }
            if (parse_ll(argv[i + 1], &off) != 0 || parse_ll(argv[i + 2], &num) != 0 || off < 0 ||
                num < 0) {
                reply_error(c, "LIMIT needs two numeric arguments");
                return -1;
            }
            long long max = ftconfig_max_search_results();
            if (num == 0 && off != 0) {
                reply_error(c, "The `offset` of the LIMIT must be 0 when `num` is 0");
                return -1;
            }
            if (num > max) {
                reply_error(c, "LIMIT exceeds maximum of %lld", max);
                return -1;
            }
            if (off > max) {
                reply_error(c, "OFFSET exceeds maximum of %lld", max);
                return -1;
            }
            r->offset = off;
            r->limit = num;
            i += 2;
        } else if (word(a, "PARAMS")) {
            long long n;
            if (left < 1 || parse_ll(argv[i + 1], &n) != 0 || n < 0) {
                reply_error(c, "Bad arguments for PARAMS: Value is outside acceptable bounds");
                return -1;
            }
            if (n % 2 || n > left - 1) {
                reply_error(c, n % 2 ? "Parameters must be specified in PARAM VALUE pairs"
                                     : "Bad arguments for PARAMS: Not enough arguments were "
                                       "provided based on argument count");
                return -1;
            }
            r->q.params = argv + i + 2;
            r->q.n_params = (size_t)n;
            i += 1 + (int)n;
        } else if (word(a, "DIALECT")) {
            if (left < 1) {
                reply_error(c, "Need an argument for DIALECT");
                return -1;
            }
            if (parse_dialect(c, argv[i + 1], &r->q.dialect) != 0) return -1;
            i++;
        } else if (word(a, "HIGHLIGHT") || word(a, "SUMMARIZE")) {
            int hl = word(a, "HIGHLIGHT");
            if (hl) {
                r->highlight = 1;
                r->hl_open = slice_cstr("<b>");
                r->hl_close = slice_cstr("</b>");
            } else {
                r->summarize = 1;
                r->frags = 3;
                r->frag_len = 20;
                r->sum_sep = slice_cstr("... ");
            }
            while (i + 1 < argc) {
                Slice o = argv[i + 1];
                if (word(o, "FIELDS")) {
                    long long n;
                    if (i + 2 >= argc || parse_ll(argv[i + 2], &n) != 0 || n < 0 ||
                        n > argc - i - 3) {
                        reply_error(c, "Bad arguments for FIELDS: Expected an argument");
                        return -1;
                    }
                    if (hl) {
                        r->hl_fields = argv + i + 3;
                        r->n_hl_fields = (size_t)n;
                    } else {
                        r->sum_fields = argv + i + 3;
                        r->n_sum_fields = (size_t)n;
                    }
                    i += 2 + (int)n;
                } else if (hl && word(o, "TAGS")) {
                    if (i + 3 >= argc) {
                        reply_error(c, "Bad arguments for TAGS: Expected an argument");
                        return -1;
                    }
                    r->hl_open = argv[i + 2];
                    r->hl_close = argv[i + 3];
                    i += 3;
                } else if (!hl && (word(o, "FRAGS") || word(o, "LEN"))) {
                    long long n;
                    if (i + 2 >= argc || parse_ll(argv[i + 2], &n) != 0 || n < 0) {
                        reply_error(c, "Bad arguments for %.*s: Expected an argument", (int)o.len,
                                    o.p);
                        return -1;
                    }
                    if (word(o, "FRAGS"))
                        r->frags = n > 1000 ? 1000 : (int)n;
                    else
                        r->frag_len = n > 100000 ? 100000 : (int)n;
                    i += 2;
                } else if (!hl && word(o, "SEPARATOR")) {
                    if (i + 2 >= argc) {
                        reply_error(c, "Bad arguments for SEPARATOR: Expected an argument");
                        return -1;
                    }
                    r->sum_sep = argv[i + 2];
                    i += 2;
                } else {
                    break;
                }
            }
        } else {
            reply_error(c, "Unknown argument `%.*s` at position %d for <main>", (int)a.len, a.p,
                        i - (first - 1));
            return -1;
        }
    }
    if (r->explainscore && !r->withscores) {
        reply_error(c, "EXPLAINSCORE must be accompanied with WITHSCORES");
        return -1;
    }
    r->x.filters = r->filters;
    r->x.n_filters = r->n_filters;
    r->x.geo = r->geo;
    r->x.n_geo = r->n_geo;
    r->x.args = &r->q;
    if (r->has_return && r->n_ret == 0) r->nocontent = 1;
    return 0;
}

/* Sorting the results. */
typedef struct SortKey {
    FtResult r;
    int has; /* a value to sort by */
    int is_num;
    double num;
    char *str; /* owned */
    size_t len;
} SortKey;

static int g_sort_desc;

static int cmp_score(const void *a, const void *b) {
    const SortKey *x = a, *y = b;
    if (x->r.score != y->r.score) return x->r.score > y->r.score ? -1 : 1;
    return x->r.id < y->r.id ? -1 : x->r.id > y->r.id;
}

static int cmp_dist(const void *a, const void *b) {
    const SortKey *x = a, *y = b;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return x->r.id < y->r.id ? -1 : x->r.id > y->r.id;
}

static int cmp_field(const void *a, const void *b) {
    const SortKey *x = a, *y = b;
    if (x->has != y->has) return x->has ? -1 : 1; /* missing values last */
    int c = 0;
    if (x->has) {
        if (x->is_num && y->is_num) {
            c = x->num < y->num ? -1 : x->num > y->num;
        } else {
            size_t n = x->len < y->len ? x->len : y->len;
            c = memcmp(x->str, y->str, n);
            if (!c) c = x->len < y->len ? -1 : x->len > y->len;
        }
        if (g_sort_desc) c = -c;
    }
    if (c) return c;
    return x->r.id < y->r.id ? -1 : x->r.id > y->r.id;
}

/* The yield (vector distance) called name, -1 when none. */
static int yield_index(const FtExecOut *o, Slice name) {
    for (size_t i = 0; i < o->n_yields; i++)
        if (strlen(o->yields[i].name) == name.len &&
            memcmp(o->yields[i].name, name.p, name.len) == 0)
            return (int)i;
    return -1;
}

static void format_num(double d, char *buf, size_t cap, int *len) {
    if (isinf(d))
        *len = snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    else
        *len = snprintf(buf, cap, "%.12g", d);
}

/* The sort value of a document for SORTBY. */
static void sort_value(FtIndex *ix, const FtExecOut *eo, Slice name, SortKey *k) {
    int y = yield_index(eo, name);
    if (y >= 0) {
        double v;
        if (ftexec_yield(eo, (size_t)y, k->r.id, &v)) {
            k->has = 1;
            k->is_num = 1;
            k->num = v;
        }
        return;
    }
    int fi = ftindex_field_find(ix, name);
    FtDoc *d = ftindex__doc(ix, k->r.id);
    if (fi < 0 || !d) return;
    const FtField *f = &ix->fields[fi];
    FtDocVal *v = &d->vals[fi];
    if (v->n == 0) return;
    if (f->type == FT_FIELD_NUMERIC && v->nums) {
        k->has = 1;
        k->is_num = 1;
        k->num = v->nums[0];
        return;
    }
    if (v->strs) {
        k->has = 1;
        size_t len;
        if (f->flags & FTF_UNF) {
            k->str = xmemdup(v->strs[0], v->lens[0] + 1);
            len = v->lens[0];
        } else {
            k->str = ftt_lower_dup(v->strs[0], v->lens[0], &len);
        }
        k->len = len;
        return;
    }
    if (f->type == FT_FIELD_GEO && v->nums) {
        char buf[64];
        int n = snprintf(buf, sizeof buf, "%.17g,%.17g", v->nums[0], v->nums[1]);
        k->has = 1;
        k->str = xmemdup(buf, (size_t)n + 1);
        k->len = (size_t)n;
    }
}

typedef struct FieldOut {
    Buf names;  /* (len, bytes) records */
    Buf values; /* (len, bytes) records */
    size_t n;
} FieldOut;

static void fo_add(FieldOut *fo, Slice name, Slice value) {
    uint32_t n = (uint32_t)name.len, v = (uint32_t)value.len;
    buf_append(&fo->names, &n, 4);
    buf_append(&fo->names, name.p, name.len);
    buf_append(&fo->values, &v, 4);
    buf_append(&fo->values, value.p, value.len);
    fo->n++;
}

static void fo_visit(void *priv, Slice name, Slice value) {
    fo_add(priv, name, value);
}

static void fo_reply(Client *c, FieldOut *fo) {
    const char *pn = buf_data(&fo->names), *pv = buf_data(&fo->values);
    if (c->resp >= 3)
        reply_map(c, fo->n);
    else
        reply_array(c, fo->n * 2);
    for (size_t i = 0; i < fo->n; i++) {
        uint32_t n, v;
        memcpy(&n, pn, 4);
        memcpy(&v, pv, 4);
        reply_bulk(c, pn + 4, n);
        reply_bulk(c, pv + 4, v);
        pn += 4 + n;
        pv += 4 + v;
    }
}

/* The fields returned for a document. */
static void doc_fields(FtIndex *ix, const FtExecOut *eo, const SearchReq *r, FtDocId id,
                       FieldOut *fo) {
    if (!r->has_return) {
        for (size_t y = 0; y < eo->n_yields; y++) {
            double v;
            if (!ftexec_yield(eo, y, id, &v)) continue;
            char buf[64];
            int n;
            format_num(v, buf, sizeof buf, &n);
            fo_add(fo, slice_cstr(eo->yields[y].name), slice_of(buf, (size_t)n));
        }
        ftindex_doc_foreach(ix, id, fo_visit, fo);
        return;
    }
    Buf val;
    buf_init(&val);
    for (size_t i = 0; i < r->n_ret; i++) {
        int y = yield_index(eo, r->ret[i].name);
        if (y >= 0) {
            double v;
            if (!ftexec_yield(eo, (size_t)y, id, &v)) continue;
            char buf[64];
            int n;
            format_num(v, buf, sizeof buf, &n);
            fo_add(fo, r->ret[i].as, slice_of(buf, (size_t)n));
            continue;
        }
        buf_clear(&val);
        double num;
        if (ftindex_doc_load(ix, id, r->ret[i].name, &val, &num) == FT_VAL_NONE) continue;
        fo_add(fo, r->ret[i].as, slice_of(buf_data(&val), buf_live(&val)));
    }
    buf_free(&val);
}

/* ---- HIGHLIGHT / SUMMARIZE ---------------------------------------------- */

static void collect_terms(const FtqNode *n, SearchReq *r) {
    if (n->type == FTQ_NOT) return;
    if (n->type == FTQ_TOKEN && n->str && n->len) {
        buf_append(&r->terms, n->str, n->len);
        buf_append_char(&r->terms, 0);
    } else if (n->type == FTQ_PREFIX && n->is_prefix && !n->is_suffix && n->str) {
        buf_append(&r->prefixes, n->str, n->len);
        buf_append_char(&r->prefixes, 0);
    }
    if (n->type == FTQ_TAG || n->type == FTQ_VECTOR) return;
    for (size_t i = 0; i < n->n_children; i++) collect_terms(n->children[i], r);
}

static int in_list(const Buf *b, const char *t, size_t len, int prefix) {
    const char *p = buf_data(b), *end = p + buf_live(b);
    while (p < end) {
        size_t l = strlen(p);
        if (prefix ? (len >= l && memcmp(t, p, l) == 0) : (l == len && memcmp(t, p, l) == 0))
            return 1;
        p += l + 1;
    }
    return 0;
}

/* Whether a document's token (normalized) matches a term of the query: the
 * term itself, its "+stem" form, or a prefix. */
static int token_hit(const SearchReq *r, const char *t, size_t len) {
    if (in_list(&r->terms, t, len, 0) || in_list(&r->prefixes, t, len, 1)) return 1;
    size_t sl;
    char *stem = ftt_stem_term_lang(r->lang[0] ? r->lang : NULL, t, len, 0, &sl);
    int hit = stem && in_list(&r->terms, stem, sl, 0);
    xfree(stem);
    return hit;
}

static int listed(const Slice *list, size_t n, Slice name) {
    if (!list) return 1;
    for (size_t i = 0; i < n; i++)
        if (slice_eq(list[i], name)) return 1;
    return 0;
}

typedef struct Tok {
    size_t off, len;
    int hit;
} Tok;

/* Appends text[from, to) with the hits in it between the tags. */
static void put_span(const SearchReq *r, Slice text, const Tok *t, size_t nt, size_t from,
                     size_t to, Buf *out) {
    size_t at = from;
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].hit || t[i].off < from || t[i].off + t[i].len > to) continue;
        buf_append(out, text.p + at, t[i].off - at);
        buf_append(out, r->hl_open.p, r->hl_open.len);
        buf_append(out, text.p + t[i].off, t[i].len);
        buf_append(out, r->hl_close.p, r->hl_close.len);
        at = t[i].off + t[i].len;
    }
    buf_append(out, text.p + at, to - at);
}

/* The value of a TEXT field as HIGHLIGHT / SUMMARIZE make it. */
static void decorate(const SearchReq *r, Slice text, int hl, int sum, Buf *out) {
    FttTokenizer tz;
    FttToken tk;
    Tok *t = NULL;
    size_t nt = 0, cap = 0;
    ftt_tokenizer_init(&tz, text.p, text.len, NULL, 0);
    while (ftt_next(&tz, &tk)) {
        if (nt == cap) {
            cap = cap ? cap * 2 : 32;
            t = xrealloc(t, cap * sizeof(Tok));
        }
        t[nt].off = tk.raw_off;
        t[nt].len = tk.raw_len;
        t[nt].hit = token_hit(r, tk.term, tk.term_len);
        nt++;
    }
    const SearchReq *hr = r;
    SearchReq plain;
    if (!hl) {
        plain = *r;
        plain.hl_open = plain.hl_close = slice_of("", 0);
        hr = &plain;
    }
    if (!sum) {
        put_span(hr, text, t, nt, 0, text.len, out);
        xfree(t);
        return;
    }
    /* Fragments of frag_len tokens around the hits, in document order. */
    int made = 0;
    size_t next_free = 0;
    for (size_t i = 0; i < nt && made < r->frags; i++) {
        if (!t[i].hit || i < next_free) continue;
        size_t half = (size_t)r->frag_len / 2;
        size_t a = i > half ? i - half : 0;
        if (a < next_free) a = next_free;
        size_t b = a + (size_t)(r->frag_len ? r->frag_len : 1);
        if (b > nt) b = nt;
        put_span(hr, text, t, nt, t[a].off, t[b - 1].off + t[b - 1].len, out);
        buf_append(out, r->sum_sep.p, r->sum_sep.len);
        next_free = b;
        made++;
    }
    if (!made && nt) {
        size_t b = (size_t)(r->frag_len ? r->frag_len : 1);
        if (b > nt) b = nt;
        put_span(hr, text, t, nt, t[0].off, t[b - 1].off + t[b - 1].len, out);
        buf_append(out, r->sum_sep.p, r->sum_sep.len);
    }
    xfree(t);
}

/* Rewrites the TEXT fields of fo as HIGHLIGHT / SUMMARIZE ask. */
static void decorate_fields(FtIndex *ix, const SearchReq *r, FieldOut *fo) {
    FieldOut nf;
    memset(&nf, 0, sizeof nf);
    buf_init(&nf.names);
    buf_init(&nf.values);
    Buf tmp;
    buf_init(&tmp);
    const char *pn = buf_data(&fo->names), *pv = buf_data(&fo->values);
    for (size_t i = 0; i < fo->n; i++) {
        uint32_t n, v;
        memcpy(&n, pn, 4);
        memcpy(&v, pv, 4);
        Slice name = slice_of(pn + 4, n), val = slice_of(pv + 4, v);
        pn += 4 + n;
        pv += 4 + v;
        int fi = ftindex_field_find(ix, name);
        int is_text = fi >= 0 && ix->fields[fi].type == FT_FIELD_TEXT;
        int hl = is_text && r->highlight && listed(r->hl_fields, r->n_hl_fields, name);
        int sum = is_text && r->summarize && listed(r->sum_fields, r->n_sum_fields, name);
        if (!hl && !sum) {
            fo_add(&nf, name, val);
            continue;
        }
        buf_clear(&tmp);
        decorate(r, val, hl, sum, &tmp);
        fo_add(&nf, name, slice_of(buf_data(&tmp), buf_live(&tmp)));
    }
    buf_free(&tmp);
    buf_free(&fo->names);
    buf_free(&fo->values);
    *fo = nf;
}

static void reply_score(Client *c, double score) {
    if (c->resp >= 3) {
        reply_double(c, score);
        return;
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", score);
    reply_bulk(c, buf, (size_t)n);
}

static void reply_sortkey(Client *c, const SortKey *k) {
    if (!k || !k->has) {
        reply_null(c);
        return;
    }
    Buf b;
    buf_init(&b);
    if (k->is_num) {
        char buf[64];
        int n;
        format_num(k->num, buf, sizeof buf, &n);
        buf_append_char(&b, '#');
        buf_append(&b, buf, (size_t)n);
    } else {
        buf_append_char(&b, '$');
        buf_append(&b, k->str, k->len);
    }
    reply_bulk(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

/* Runs the search of c (FT.SEARCH or FT.PROFILE's); replies. */
static void run_search(Client *c, FtIndex *ix, SearchReq *r, int profile) {
    const char *err;
    FtqSchema schema;
    int64_t t0 = mono_us();
    FtqNode *root = ftexec_parse(ix, &r->q, &schema, &err);
    if (!root) {
        reply_error(c, "%s", err);
        return;
    }
    FtExecOut eo;
    memset(&eo, 0, sizeof eo);
    if (ftexec_run(ix, root, &r->x, &eo, &err) != 0) {
        ftq_free(root);
        ftexec_out_free(&eo);
        reply_error(c, "%s", err);
        return;
    }
    ix->n_uses++;
    {
        int d = r->q.dialect ? r->q.dialect : ftconfig_default_dialect();
        if (d >= 1 && d <= 4) ix->dialect_uses[d]++;
    }
    if (r->highlight || r->summarize) collect_terms(root, r);
    size_t n = eo.res.n;
    SortKey *keys = xcalloc(n ? n : 1, sizeof(SortKey));
    for (size_t i = 0; i < n; i++) keys[i].r = eo.res.v[i];
    if (r->has_sortby) {
        if (yield_index(&eo, r->sortby) < 0 && ftindex_field_find(ix, r->sortby) < 0) {
            xfree(keys);
            ftq_free(root);
            ftexec_out_free(&eo);
            reply_error(c, "Property `%.*s` not loaded nor in schema", (int)r->sortby.len,
                        r->sortby.p);
            return;
        }
        for (size_t i = 0; i < n; i++) sort_value(ix, &eo, r->sortby, &keys[i]);
        g_sort_desc = r->sort_desc;
        qsort(keys, n, sizeof(SortKey), cmp_field);
    } else if (eo.knn_sorted && eo.n_yields > 0) {
        for (size_t i = 0; i < n; i++) {
            double v = INFINITY;
            ftexec_yield(&eo, 0, keys[i].r.id, &v);
            keys[i].num = v;
        }
        qsort(keys, n, sizeof(SortKey), cmp_dist);
    } else {
        qsort(keys, n, sizeof(SortKey), cmp_score);
    }
    size_t from = (size_t)r->offset < n ? (size_t)r->offset : n;
    size_t to = from + (size_t)r->limit;
    if (to > n) to = n;
    size_t shown = to - from;
    int64_t t1 = mono_us();
    if (profile) reply_array(c, 2);
    if (c->resp >= 3) {
        reply_map(c, 5);
        reply_bulk_cstr(c, "attributes");
        reply_empty_array(c);
        reply_bulk_cstr(c, "format");
        reply_bulk_cstr(c, "STRING");
        reply_bulk_cstr(c, "results");
        reply_array(c, shown);
        for (size_t i = from; i < to; i++) {
            FtDoc *d = ftindex__doc(ix, keys[i].r.id);
            size_t pairs = 2 + (r->withscores ? 1 : 0) + (r->withpayloads ? 1 : 0) +
                           (r->withsortkeys ? 1 : 0) + (r->nocontent ? 0 : 1);
            reply_map(c, pairs);
            reply_bulk_cstr(c, "id");
            reply_bulk(c, d ? d->key : "", d ? d->key_len : 0);
            if (r->withscores) {
                reply_bulk_cstr(c, "score");
                reply_score(c, keys[i].r.score);
            }
            if (r->withpayloads) {
                reply_bulk_cstr(c, "payload");
                if (d && d->payload)
                    reply_bulk(c, d->payload, d->payload_len);
                else
                    reply_null(c);
            }
            if (r->withsortkeys) {
                reply_bulk_cstr(c, "sortkey");
                reply_sortkey(c, r->has_sortby ? &keys[i] : NULL);
            }
            if (!r->nocontent) {
                FieldOut fo;
                memset(&fo, 0, sizeof fo);
                buf_init(&fo.names);
                buf_init(&fo.values);
                doc_fields(ix, &eo, r, keys[i].r.id, &fo);
                if (r->highlight || r->summarize) decorate_fields(ix, r, &fo);
                reply_bulk_cstr(c, "extra_attributes");
                fo_reply(c, &fo);
                buf_free(&fo.names);
                buf_free(&fo.values);
            }
            reply_bulk_cstr(c, "values");
            reply_empty_array(c);
        }
        reply_bulk_cstr(c, "total_results");
        reply_int(c, (long long)n);
        reply_bulk_cstr(c, "warning");
        if (eo.timed_out) {
            reply_array(c, 1);
            reply_bulk_cstr(c, "Timeout limit was reached");
        } else {
            reply_empty_array(c);
        }
    } else {
        size_t per = 1 + (r->withscores ? 1 : 0) + (r->withpayloads ? 1 : 0) +
                     (r->withsortkeys ? 1 : 0) + (r->nocontent ? 0 : 1);
        reply_array(c, 1 + shown * per);
        reply_int(c, (long long)n);
        for (size_t i = from; i < to; i++) {
            FtDoc *d = ftindex__doc(ix, keys[i].r.id);
            reply_bulk(c, d ? d->key : "", d ? d->key_len : 0);
            if (r->withscores) {
                if (r->explainscore) {
                    reply_array(c, 2);
                    reply_score(c, keys[i].r.score);
                    char buf[160];
                    int bn = snprintf(buf, sizeof buf, "Final %s score: %.17g",
                                      r->q.scorer ? r->q.scorer : "BM25STD", keys[i].r.score);
                    reply_array(c, 1);
                    reply_bulk(c, buf, (size_t)bn);
                } else {
                    reply_score(c, keys[i].r.score);
                }
            }
            if (r->withpayloads) {
                if (d && d->payload)
                    reply_bulk(c, d->payload, d->payload_len);
                else
                    reply_null(c);
            }
            if (r->withsortkeys) reply_sortkey(c, r->has_sortby ? &keys[i] : NULL);
            if (!r->nocontent) {
                FieldOut fo;
                memset(&fo, 0, sizeof fo);
                buf_init(&fo.names);
                buf_init(&fo.values);
                doc_fields(ix, &eo, r, keys[i].r.id, &fo);
                if (r->highlight || r->summarize) decorate_fields(ix, r, &fo);
                fo_reply(c, &fo);
                buf_free(&fo.names);
                buf_free(&fo.values);
            }
        }
    }
    if (profile) ftcmd_reply_profile(c, root, &schema, t0, t1);
    for (size_t i = 0; i < n; i++) xfree(keys[i].str);
    xfree(keys);
    ftq_free(root);
    ftexec_out_free(&eo);
}

static void cmd_ft_search(Client *c) {
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    SearchReq r;
    if (parse_search(c, ix, &r, 3) != 0) {
        req_free(&r);
        return;
    }
    run_search(c, ix, &r, 0);
    req_free(&r);
}

/* FT.PROFILE idx SEARCH [LIMITED] QUERY query [options] */
static void cmd_ft_profile(Client *c) {
    for (int k = 3; k < c->argc; k++)
        if (word(c->argv[k], "WITHCURSOR")) {
            reply_error(c, "FT.PROFILE does not support cursor");
            return;
        }
    FtIndex *ix = ftindex_lookup(c->argv[1]);
    if (!ix) {
        reply_no_index(c, c->argv[1]);
        return;
    }
    int i = 2;
    int aggregate = word(c->argv[i], "AGGREGATE");
    if (!word(c->argv[i], "SEARCH") && !aggregate) {
        reply_error(c, "No `SEARCH` or `AGGREGATE` provided");
        return;
    }
    i++;
    if (i < c->argc && word(c->argv[i], "LIMITED")) i++;
    if (i >= c->argc || !word(c->argv[i], "QUERY")) {
        reply_error(c, "The QUERY keyword is expected");
        return;
    }
    i++;
    if (i >= c->argc) {
        reply_error(c, "The QUERY keyword is expected");
        return;
    }
    if (aggregate) {
        ftaggcmd_run(c, c->argv[1], c->argv[i], c->argv + i + 1, (size_t)(c->argc - i - 1), 1);
        return;
    }
    SearchReq r;
    if (parse_search(c, ix, &r, i + 1) != 0) {
        req_free(&r);
        return;
    }
    run_search(c, ix, &r, 1);
    req_free(&r);
}

/* ---- persistence of the definitions ------------------------------------ */

/* Applies one definition command (FT.CREATE, FT.ALTER, FT.SYNUPDATE,
 * FT.ALIASADD) read back from a snapshot: 0, or -1 with *err. */
static int apply_def(int db, int argc, const Slice *argv, const char **err) {
    if (argc < 2) {
        *err = "bad definition";
        return -1;
    }
    if (word(argv[0], "FT.CREATE")) return ftindex_create(db, argc - 1, argv + 1, err);
    if (word(argv[0], "FT.ALTER")) return ftindex_alter(argc - 1, argv + 1, err);
    if (word(argv[0], "FT.ALIASADD") && argc == 3) {
        FtIndex *ix = ftindex__find(argv[2]);
        if (!ix) {
            *err = "Unknown index name";
            return -1;
        }
        return ftindex_alias_add(argv[1], ix, err);
    }
    if (word(argv[0], "FT.SYNUPDATE") && argc >= 4) {
        FtIndex *ix = ftindex__find(argv[1]);
        if (!ix) {
            *err = "Unknown index name";
            return -1;
        }
        int i = 3;
        if (word(argv[i], "SKIPINITIALSCAN")) i++;
        ftindex_syn_update(ix, argv[2], argv + i, (size_t)(argc - i), i == 3);
        ftindex__add_def(ix, argc, argv);
        return 0;
    }
    *err = "bad definition";
    return -1;
}

typedef struct RdbEmit {
    Buf *out;
    uint64_t n;
} RdbEmit;

/* The database of the index a definition record names (FT.ALIASADD names
 * it third), 0 if none. */
static int def_db(int argc, const Slice *argv) {
    if (argc < 2) return 0;
    FtIndex *ix = ftindex__find(word(argv[0], "FT.ALIASADD") && argc > 2 ? argv[2] : argv[1]);
    return ix ? ix->db : 0;
}

typedef struct RewriteCtx {
    PersistEmitFn emit;
    void *priv;
    int db; /* the database the records written so far leave selected */
} RewriteCtx;

static void select_in_aof(RewriteCtx *r, int db) {
    if (db == r->db) return;
    char num[16];
    int n = snprintf(num, sizeof num, "%d", db);
    Slice v[2] = {slice_cstr("SELECT"), slice_of(num, (size_t)n)};
    r->emit(r->priv, 2, v);
    r->db = db;
}

/* A definition replays in the database it was given in: the rewrite writes
 * these records in database 0, so each one in another database is preceded
 * by its SELECT. */
static void emit_to_aof(void *priv, int argc, const Slice *argv) {
    RewriteCtx *r = priv;
    select_in_aof(r, def_db(argc, argv));
    r->emit(r->priv, argc, argv);
}

static void defs_aof_rewrite(PersistEmitFn emit, void *priv) {
    RewriteCtx r = {emit, priv, 0};
    ftindex_emit_all(emit_to_aof, &r);
    select_in_aof(&r, 0); /* what the records after these expect */
}

static void count_def(void *priv, int argc, const Slice *argv) {
    (void)argc;
    (void)argv;
    ((RdbEmit *)priv)->n++;
}

static void write_def(void *priv, int argc, const Slice *argv) {
    RdbEmit *e = priv;
    rdbm_put_uint(e->out, (uint64_t)def_db(argc, argv));
    rdbm_put_uint(e->out, (uint64_t)argc);
    for (int i = 0; i < argc; i++) rdbm_put_string(e->out, argv[i].p, argv[i].len);
}

static int defs_rdb_write(Buf *out) {
    RdbEmit e = {out, 0};
    ftindex_emit_all(count_def, &e);
    if (e.n == 0) return 0;
    rdbm_put_uint(out, e.n);
    ftindex_emit_all(write_def, &e);
    return 1;
}

static int defs_rdb_read(RdbReader *r, int encver) {
    (void)encver;
    uint64_t n;
    if (rdbm_get_uint(r, &n) != RDB_OK) return RDB_ERR;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t db, argc;
        if (rdbm_get_uint(r, &db) != RDB_OK || rdbm_get_uint(r, &argc) != RDB_OK) return RDB_ERR;
        if (argc == 0 || argc > 1000000 || db >= (uint64_t)server_db_count()) return RDB_ERR;
        Slice *argv = xcalloc((size_t)argc, sizeof(Slice));
        char **own = xcalloc((size_t)argc, sizeof(char *));
        int rc = RDB_OK;
        for (uint64_t i = 0; i < argc && rc == RDB_OK; i++) {
            size_t len;
            if (rdbm_get_string(r, persist_string_max(), &own[i], &len) != RDB_OK)
                rc = RDB_ERR;
            else
                argv[i] = slice_of(own[i], len);
        }
        const char *err;
        if (rc == RDB_OK && apply_def((int)db, (int)argc, argv, &err) != 0) rc = RDB_ERR;
        for (uint64_t i = 0; i < argc; i++) xfree(own[i]);
        xfree(own);
        xfree(argv);
        if (rc != RDB_OK) return RDB_ERR;
    }
    return RDB_OK;
}

static const PersistGlobalOps defs_persist = {
    "stmdftidx",      1, PERSIST_GLOBAL_AFTER_KEYS, defs_aof_rewrite, defs_rdb_write, defs_rdb_read,
    ftindex_drop_all,
};

void ftindex__persist_init(void) {
    persist_register_global(&defs_persist);
}

/* ---- the table -------------------------------------------------------------- */

#define W  (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY

const Command search_commands[] = {
    {"ft.create", cmd_ft_create, -2, W, "@write @search @fast", 0, 0, 0, NULL},
    {"ft.alter", cmd_ft_alter, -3, W, "@write @search @fast", 0, 0, 0, NULL},
    {"ft.dropindex", cmd_ft_dropindex, -2, CMD_WRITE, "@write @search @slow", 0, 0, 0, NULL},
    {"ft.drop", cmd_ft_drop, -2, CMD_WRITE, "@write @search @slow", 0, 0, 0, NULL},
    {"ft.info", cmd_ft_info, 2, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft._list", cmd_ft_list, 1, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.aliasadd", cmd_ft_aliasadd, 3, CMD_WRITE, "@write @search @fast", 0, 0, 0, NULL},
    {"ft.aliasupdate", cmd_ft_aliasupdate, 3, CMD_WRITE, "@write @search @fast", 0, 0, 0, NULL},
    {"ft.aliasdel", cmd_ft_aliasdel, 2, CMD_WRITE, "@write @search @fast", 0, 0, 0, NULL},
    {"ft.aliaslist", cmd_ft_aliaslist, 2, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.tagvals", cmd_ft_tagvals, 3, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.synupdate", cmd_ft_synupdate, -4, W, "@write @search @slow", 0, 0, 0, NULL},
    {"ft.syndump", cmd_ft_syndump, 2, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.explain", cmd_ft_explain, -3, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.explaincli", cmd_ft_explaincli, -3, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.search", cmd_ft_search, -3, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.profile", cmd_ft_profile, -5, RO, "@read @search @slow", 0, 0, 0, NULL},
    {"ft.spellcheck", cmd_ft_spellcheck, -3, RO, "@read @search @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS};

void search_cmd_init(void);
void search_cmd_init(void) {
    ftindex_init();
}
