/*
 * ftindex.c - the query engine's indexes: the registry (names and aliases),
 * schemas (FT.CREATE / FT.ALTER), and keeping each index in step with the
 * keyspace.
 *
 * Keeping up with the keyspace. The database calls one hook for every key
 * that changes (db.c: the signal every write sends, expiry, loading) and one
 * for FLUSHDB / SWAPDB. The key hook only notes the key (database + name)
 * in a pending set when some index's prefixes match it; the pending keys
 * are indexed again - read as they are now, removed from the index and
 * added back - before any FT.* command looks at an index and before the
 * server sleeps. Re-reading the key instead of interpreting each command
 * keeps this to one place: HSET, HDEL, RENAME, RESTORE, MOVE, expiry,
 * eviction, JSON.SET all reach the index the same way, and a key changed
 * twice in one transaction is indexed once, as it ends up.
 *
 * As RediSearch does, FLUSHDB / FLUSHALL drop the indexes of the emptied
 * database (the reload paths restore them from the persisted definitions).
 *
 * The keys that exist when an index is made are indexed by a scan of the
 * database's table (a SCAN-style cursor): FT.CREATE runs it for a bounded
 * time and the cron goes on with it, so a big keyspace does not stall the
 * server; FT.INFO's `indexing` and `percent_indexed` tell how far it is.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "types/ftagg.h"
#include "types/ftconfig.h"
#include "types/ftexpr.h"
#include "types/ftgeoshape.h"
#include "types/ftindex_int.h"
#include "types/ftphonetic.h"
#include "types/fttext.h"
#include "types/ftvec.h"
#include "types/hashobj.h"
#include "types/json.h"
#include "types/jsonpath.h"
#include "version.h"

static FtIndex **g_ix;
static size_t g_n, g_cap;

typedef struct FtAliasEnt {
    char *name;
    size_t len;
    FtIndex *ix;
} FtAliasEnt;
static FtAliasEnt *g_alias;
static size_t g_n_alias, g_cap_alias;

/* Pending keys: 4 bytes of database index, then the key. */
static Dict *g_pending;

/* ---- small helpers ---------------------------------------------------- */

static char *dup_slice(Slice s) {
    char *p = xmalloc(s.len + 1);
    memcpy(p, s.p, s.len);
    p[s.len] = 0;
    return p;
}

static FtCmd cmd_copy(int argc, const Slice *argv) {
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += argv[i].len + 1;
    char *block = xmalloc(sizeof(Slice) * (size_t)argc + bytes);
    Slice *v = (Slice *)block;
    char *p = block + sizeof(Slice) * (size_t)argc;
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i].p, argv[i].len);
        p[argv[i].len] = 0;
        v[i] = slice_of(p, argv[i].len);
        p += argv[i].len + 1;
    }
    FtCmd c = {argc, v};
    return c;
}

static void add_def(FtIndex *ix, int argc, const Slice *argv) {
    ix->defs = xrealloc(ix->defs, sizeof(FtCmd) * (ix->n_defs + 1));
    ix->defs[ix->n_defs++] = cmd_copy(argc, argv);
}

static int prefix_match(const FtIndex *ix, const char *k, size_t klen) {
    for (int i = 0; i < ix->n_prefixes; i++) {
        size_t n = ix->prefix_lens[i];
        if (klen >= n && memcmp(k, ix->prefixes[i], n) == 0) return 1;
    }
    return 0;
}

FtDoc *ftindex__doc(const FtIndex *ix, FtDocId id) {
    if (id == 0 || id >= ix->docs_cap) return NULL;
    return ix->docs[id];
}

/* ---- text ------------------------------------------------------------ */

int ftindex__is_stopword(const FtIndex *ix, const char *w, size_t len) {
    return ftt_is_stopword(ix->sw, w, len);
}

struct FtStopwords *ftindex__no_stopwords(void) {
    static FtStopwords *none;
    if (!none) none = ftt_stopwords_new(NULL, NULL, 0);
    return none;
}

int ftindex__language_ok(Slice lang) {
    static const char *const langs[] = {
        "arabic",  "armenian",  "basque",     "catalan",  "chinese", "danish",
        "dutch",   "english",   "finnish",    "french",   "german",  "greek",
        "hindi",   "hungarian", "indonesian", "irish",    "italian", "lithuanian",
        "nepali",  "norwegian", "portuguese", "romanian", "russian", "serbian",
        "spanish", "swedish",   "tamil",      "turkish",  "yiddish",
    };
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if (slice_eq_nocase(lang, langs[i])) return 1;
    return 0;
}

/* Tokenizes text as documents are indexed (fttext's tokenizer, the index's
 * stop words skipped). */
static void tokenize(const FtIndex *ix, const char *p, size_t len, FtTokenFn fn, void *priv) {
    FttTokenizer t;
    FttToken tok;
    ftt_tokenizer_init(&t, p, len, ix->sw, 1);
    while (ftt_next(&t, &tok)) fn(priv, tok.term, tok.term_len, tok.position);
}

/* ---- documents ------------------------------------------------------------ */

static void val_free(FtDocVal *v) {
    xfree(v->nums);
    if (v->strs) {
        for (uint32_t i = 0; i < v->n; i++) xfree(v->strs[i]);
        xfree(v->strs);
    }
    xfree(v->lens);
    memset(v, 0, sizeof *v);
}

static void doc_free(FtIndex *ix, FtDoc *d) {
    if (d->vals)
        for (size_t i = 0; i < ix->n_fields; i++) val_free(&d->vals[i]);
    xfree(d->vals);
    xfree(d->key);
    xfree(d->payload);
    xfree(d);
}

/* Removes the live document of key, if any. */
static void doc_remove(FtIndex *ix, Slice key) {
    DictEntry *e = dict_unlink(ix->keys, key.p, key.len);
    if (!e) return;
    FtDoc *d = e->val;
    dict_entry_free(e);
    ix->docs[d->id] = NULL;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].vec) ftvec_del(ix->fields[i].vec, d->id);
    ix->n_docs--;
    ix->total_len -= d->len;
    ix->n_records -= d->n_terms;
    ix->n_dead++;
    doc_free(ix, d);
}

static void docs_reserve(FtIndex *ix, FtDocId id) {
    if (id < ix->docs_cap) return;
    size_t cap = ix->docs_cap ? ix->docs_cap : 64;
    while (cap <= id) cap *= 2;
    ix->docs = xrealloc(ix->docs, cap * sizeof(FtDoc *));
    memset(ix->docs + ix->docs_cap, 0, (cap - ix->docs_cap) * sizeof(FtDoc *));
    ix->docs_cap = cap;
}

/* One token of a document, before the postings are written. */
typedef struct TokRec {
    uint32_t off, len; /* into the token buffer */
    uint32_t pos;
    int text_id;
} TokRec;

typedef struct DocBuild {
    FtIndex *ix;
    Buf bytes;
    TokRec *v;
    size_t n, cap;
    int text_id;
    uint32_t pos_base; /* positions continue across fields */
    uint32_t last_pos;
    uint32_t syn_pos; /* the position on_syn_term() gives a synonym group's term */
    int nostem;
    int phonetic;         /* the field has PHONETIC: words are also indexed by sound */
    const char *language; /* the document's stemming language; NULL: english */
} DocBuild;

static void tok_add(DocBuild *b, const char *t, size_t len, uint32_t pos) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->v = xrealloc(b->v, b->cap * sizeof(TokRec));
    }
    TokRec *r = &b->v[b->n++];
    r->off = (uint32_t)buf_live(&b->bytes);
    r->len = (uint32_t)len;
    r->pos = pos;
    r->text_id = b->text_id;
    buf_append(&b->bytes, t, len);
}

void ftindex__syn_terms(const FtIndex *ix, const char *word, size_t len,
                        void (*fn)(void *priv, const char *term, size_t len), void *priv) {
    DictEntry *se = ix->syn ? dict_find(ix->syn, word, len) : NULL;
    if (!se) return;
    const Buf *g = se->val;
    const char *q = buf_data(g), *end = q + buf_live(g);
    char tmp[160];
    for (; q < end; q += strlen(q) + 1) {
        size_t gl = strlen(q);
        if (gl + 1 > sizeof tmp) continue;
        tmp[0] = '~';
        memcpy(tmp + 1, q, gl);
        fn(priv, tmp, gl + 1);
    }
}

static void on_syn_term(void *priv, const char *term, size_t len) {
    DocBuild *b = priv;
    tok_add(b, term, len, b->syn_pos);
}

static void on_token(void *priv, const char *t, size_t len, uint32_t pos) {
    DocBuild *b = priv;
    uint32_t p = b->pos_base + pos;
    b->last_pos = p;
    tok_add(b, t, len, p);
    /* A word of a synonym group is also indexed as "~<group id>". */
    b->syn_pos = p;
    ftindex__syn_terms(b->ix, t, len, on_syn_term, b);
    if (b->phonetic && (long long)len >= ftconfig_min_phonetic_term_len()) {
        char ph[2][FTPH_CODE_MAX + 2];
        int k = ftph_terms(t, len, ph);
        for (int j = 0; j < k; j++) tok_add(b, ph[j], strlen(ph[j]), p);
    }
    if (!b->nostem) {
        size_t sl;
        char *stem = ftt_stem_term_lang(b->language, t, len, (int)ftconfig_min_stem_len(), &sl);
        if (stem) {
            tok_add(b, stem, sl, p);
            xfree(stem);
        }
    }
}

static const DocBuild *g_sort_build;
static int tok_cmp(const void *a, const void *b) {
    const TokRec *x = a, *y = b;
    const char *base = buf_data(&g_sort_build->bytes);
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(base + x->off, base + y->off, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void term_append(FtIndex *ix, const char *t, size_t len, FtDoc *d, const TokRec *recs,
                        size_t n) {
    DictEntry *e = dict_find(ix->terms, t, len);
    FtTerm *term;
    if (!e) {
        term = xcalloc(1, sizeof *term);
        dict_add(ix->terms, t, len, term);
    } else {
        term = e->val;
    }
    if (term->n == term->cap) {
        term->cap = term->cap ? term->cap * 2 : 4;
        term->v = xrealloc(term->v, term->cap * sizeof(FtPosting));
    }
    FtPosting *p = &term->v[term->n++];
    p->id = d->id;
    p->freq = (uint32_t)n;
    p->mask = 0;
    p->pos_off = (uint32_t)term->n_pos;
    p->n_pos = ix->nooffsets ? 0 : (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        if (recs[i].text_id >= 0 && recs[i].text_id < 64) p->mask |= 1ull << recs[i].text_id;
    if (!ix->nooffsets) {
        if (term->n_pos + n > term->cap_pos) {
            size_t cap = term->cap_pos ? term->cap_pos * 2 : 8;
            while (cap < term->n_pos + n) cap *= 2;
            term->pos = xrealloc(term->pos, cap * sizeof(uint32_t));
            term->cap_pos = cap;
        }
        for (size_t i = 0; i < n; i++) term->pos[term->n_pos++] = recs[i].pos;
    }
    if (n > d->max_freq) d->max_freq = (uint32_t)n;
    d->n_terms++;
    ix->n_records++;
}

static void idlist_add(FtIdList *l, FtDocId id) {
    if (l->n && l->v[l->n - 1] == id) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = xrealloc(l->v, l->cap * sizeof(FtDocId));
    }
    l->v[l->n++] = id;
}

static void tag_add(FtIndex *ix, int slot, const char *v, size_t len, FtDocId id) {
    Dict *d = ix->tags[slot];
    DictEntry *e = dict_find(d, v, len);
    FtIdList *l;
    if (!e) {
        l = xcalloc(1, sizeof *l);
        dict_add(d, v, len, l);
    } else {
        l = e->val;
    }
    idlist_add(l, id);
}

/* The values of one attribute in a document: strings (hash: the field;
 * JSON: every match, arrays flattened one level) and whether each was a
 * JSON number. */
typedef struct RawVals {
    Slice *s;
    uint8_t *is_num;
    double *num;
    size_t n, cap;
    Buf store; /* JSON texts */
    size_t *offs;
    int is_json;
} RawVals;

static void raw_push(RawVals *r, Slice s, int is_num, double num) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->s = xrealloc(r->s, r->cap * sizeof(Slice));
        r->is_num = xrealloc(r->is_num, r->cap);
        r->num = xrealloc(r->num, r->cap * sizeof(double));
    }
    r->s[r->n] = s;
    r->is_num[r->n] = (uint8_t)is_num;
    r->num[r->n] = num;
    r->n++;
}

static void raw_free(RawVals *r) {
    xfree(r->s);
    xfree(r->is_num);
    xfree(r->num);
    buf_free(&r->store);
    memset(r, 0, sizeof *r);
}

/* A JSON scalar as its text: strings unquoted, numbers and booleans as
 * JSON writes them. Containers are skipped (0). */
static int json_scalar(const Json *j, char *tmp, Slice *out, double *num, int *is_num) {
    *is_num = 0;
    switch (j->type) {
    case JSON_STRING:
        *out = slice_of(j->v.s, j->n);
        return 1;
    case JSON_INT:
    case JSON_UINT:
    case JSON_DOUBLE: {
        size_t n = json_format_double(json_number_as_double(j), tmp);
        if (j->type == JSON_INT) n = (size_t)snprintf(tmp, 32, "%lld", (long long)j->v.i);
        if (j->type == JSON_UINT) n = (size_t)snprintf(tmp, 32, "%llu", (unsigned long long)j->v.u);
        *out = slice_of(tmp, n);
        *num = json_number_as_double(j);
        *is_num = 1;
        return 1;
    }
    case JSON_BOOL:
        *out = slice_cstr(j->b ? "true" : "false");
        return 1;
    default:
        return 0;
    }
}

static void json_values(const FtField *f, Json *root, RawVals *r) {
    JsonMatches ms;
    jsonmatches_init(&ms);
    jsonpath_eval(f->jp, root, &ms);
    /* Collect texts first (the store may move), then make the slices. */
    typedef struct {
        size_t off, len;
        int is_num;
        double num;
    } Tmp;
    Tmp *tmp = NULL;
    size_t nt = 0, ct = 0;
    for (size_t i = 0; i < ms.n; i++) {
        Json *j = ms.m[i].val;
        Json **items = &j;
        size_t n_items = 1;
        if (j->type == JSON_ARRAY && f->type != FT_FIELD_VECTOR) {
            items = j->v.items;
            n_items = j->n;
        }
        for (size_t k = 0; k < n_items; k++) {
            char num[40];
            Slice s;
            double d = 0;
            int isn;
            if (!json_scalar(items[k], num, &s, &d, &isn)) continue;
            if (nt == ct) {
                ct = ct ? ct * 2 : 4;
                tmp = xrealloc(tmp, ct * sizeof(Tmp));
            }
            tmp[nt].off = buf_live(&r->store);
            tmp[nt].len = s.len;
            tmp[nt].is_num = isn;
            tmp[nt].num = d;
            nt++;
            buf_append(&r->store, s.p, s.len);
        }
    }
    for (size_t i = 0; i < nt; i++)
        raw_push(r, slice_of(buf_data(&r->store) + tmp[i].off, tmp[i].len), tmp[i].is_num,
                 tmp[i].num);
    xfree(tmp);
    jsonmatches_free(&ms);
}

static void field_values(const FtIndex *ix, const FtField *f, Obj *o, RawVals *r) {
    if (ix->on_json) {
        if (f->jp) json_values(f, o->ptr, r);
        return;
    }
    Slice v;
    if (hashobj_get(o->ptr, slice_of(f->path, f->path_len), &v)) raw_push(r, v, 0, 0);
}

static int parse_num(Slice s, double *out) {
    char buf[128];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end == buf || *end != 0) {
        if (strcasecmp(buf, "inf") == 0 || strcasecmp(buf, "+inf") == 0)
            d = INFINITY;
        else if (strcasecmp(buf, "-inf") == 0)
            d = -INFINITY;
        else
            return -1;
    }
    if (isnan(d)) return -1;
    *out = d;
    return 0;
}

/* "lon,lat" (or "lon lat"), in range. */
static int parse_geo(Slice s, double *lon, double *lat) {
    char buf[128];
    if (s.len == 0 || s.len >= sizeof buf) return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    char *sep = strchr(buf, ',');
    if (!sep) sep = strchr(buf, ' ');
    if (!sep) return -1;
    *sep = 0;
    char *e1, *e2;
    *lon = strtod(buf, &e1);
    *lat = strtod(sep + 1, &e2);
    while (*e2 == ' ') e2++;
    if (e1 == buf || *e2 != 0 || e2 == sep + 1) return -1;
    if (*lon < -180 || *lon > 180 || *lat < -85.05112878 || *lat > 85.05112878) return -1;
    return 0;
}

static char *norm_tag(const FtField *f, const char *p, size_t len, size_t *out_len) {
    while (len && isspace((unsigned char)*p)) p++, len--;
    while (len && isspace((unsigned char)p[len - 1])) len--;
    char *s = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        s[i] = (f->flags & FTF_CASESENSITIVE) ? p[i] : (char)tolower((unsigned char)p[i]);
    s[len] = 0;
    *out_len = len;
    return s;
}

static void val_push_str(FtDocVal *v, char *s, size_t len) {
    v->strs = xrealloc(v->strs, (v->n + 1) * sizeof(char *));
    v->lens = xrealloc(v->lens, (v->n + 1) * sizeof(uint32_t));
    v->strs[v->n] = s;
    v->lens[v->n] = (uint32_t)len;
    v->n++;
}

static void val_push_num(FtDocVal *v, const double *d, int k) {
    v->nums = xrealloc(v->nums, (v->n + 1) * (size_t)k * sizeof(double));
    memcpy(v->nums + v->n * (size_t)k, d, (size_t)k * sizeof(double));
    v->n++;
}

/* A VECTOR field's value of document id into its vector index: a hash
 * field's blob, or a JSON array of numbers. 0 (also when the value is
 * missing), -1 when it does not fit the field. */
static void set_error(FtIndex *ix, Slice key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vector_value(FtIndex *ix, FtField *f, Obj *o, FtDocId id, FtDocVal *v, Slice key) {
    if (!f->vec) return 0;
    if (!ix->on_json) {
        Slice b;
        if (!hashobj_get(o->ptr, slice_of(f->path, f->path_len), &b)) return 0;
        if (ftvec_set(f->vec, id, b.p, b.len) != 0) {
            set_error(ix, key, "Could not add vector with blob size %zu (expected size %zu)", b.len,
                      ftvec_blob_len(ftvec_params(f->vec)));
            return -1;
        }
        v->n = 1;
        return 0;
    }
    JsonMatches ms;
    jsonmatches_init(&ms);
    jsonpath_eval(f->jp, o->ptr, &ms);
    int rc = 0;
    if (ms.n > 0) {
        const Json *j = ms.m[0].val;
        if (j->type != JSON_ARRAY) {
            rc = -1;
        } else {
            double *nums = xmalloc((j->n ? j->n : 1) * sizeof(double));
            for (uint32_t k = 0; k < j->n && rc == 0; k++) {
                if (!json_is_number(j->v.items[k]))
                    rc = -1;
                else
                    nums[k] = json_number_as_double(j->v.items[k]);
            }
            if (rc == 0 && ftvec_set_numbers(f->vec, id, nums, j->n) != 0) rc = -1;
            if (rc == 0) v->n = 1;
            xfree(nums);
        }
    }
    jsonmatches_free(&ms);
    if (rc != 0) set_error(ix, key, "Invalid vector value in JSON");
    return rc;
}

/* Remembers the last indexing failure (FT.INFO's Index Errors). */
static void set_error(FtIndex *ix, Slice key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix->last_error, sizeof ix->last_error, fmt, ap);
    va_end(ap);
    xfree(ix->last_error_key);
    ix->last_error_key = dup_slice(key);
    ix->last_error_key_len = key.len;
}

/* The language document o is stemmed in: its LANGUAGE_FIELD when that holds
 * a language name, else the index's default (NULL: english), as RediSearch
 * falls back on a missing or unknown one. Writes a name into buf (cap
 * bytes) when it comes from the document. Borrows ix and o. */
static const char *doc_language(const FtIndex *ix, Obj *o, char *buf, size_t cap) {
    if (!ix->language_field) return ix->language;
    Slice v = {NULL, 0};
    RawVals r;
    memset(&r, 0, sizeof r);
    buf_init(&r.store);
    if (ix->on_json) {
        FtField f;
        memset(&f, 0, sizeof f);
        f.type = FT_FIELD_TAG;
        f.jp = ix->language_jp;
        if (f.jp) {
            json_values(&f, o->ptr, &r);
            if (r.n && !r.is_num[0]) v = r.s[0];
        }
    } else {
        hashobj_get(o->ptr, slice_cstr(ix->language_field), &v);
    }
    const char *lang = ix->language;
    if (v.p && v.len < cap && ftindex__language_ok(v)) {
        memcpy(buf, v.p, v.len);
        buf[v.len] = '\0';
        lang = buf;
    }
    raw_free(&r);
    return lang;
}

/* Indexes the value o of key as a new document; 0, or -1 when the document
 * cannot be indexed (a bad number or coordinate): counted as a failure. */
static int doc_add(FtIndex *ix, Slice key, Obj *o) {
    FtDoc *d = xcalloc(1, sizeof *d);
    d->key = dup_slice(key);
    d->key_len = (uint32_t)key.len;
    d->score = ix->default_score;
    d->vals = xcalloc(ix->n_fields ? ix->n_fields : 1, sizeof(FtDocVal));
    DocBuild b;
    char lang[32];
    memset(&b, 0, sizeof b);
    b.ix = ix;
    b.language = doc_language(ix, o, lang, sizeof lang);
    buf_init(&b.bytes);
    int failed = 0, fail_type = -1;
    FtDocId id = ix->next_id + 1;
    for (size_t fi = 0; fi < ix->n_fields && !failed; fi++) {
        FtField *f = &ix->fields[fi];
        FtDocVal *v = &d->vals[fi];
        if (f->type == FT_FIELD_VECTOR) {
            if (vector_value(ix, f, o, id, v, key) != 0) failed = 1, fail_type = f->type;
            continue;
        }
        RawVals r;
        memset(&r, 0, sizeof r);
        buf_init(&r.store);
        field_values(ix, f, o, &r);
        for (size_t k = 0; k < r.n && !failed; k++) {
            Slice s = r.s[k];
            if (s.len == 0) v->empty = 1;
            switch (f->type) {
            case FT_FIELD_TEXT:
                if (v->n == 0) val_push_str(v, dup_slice(s), s.len);
                if (!(f->flags & FTF_NOINDEX) && f->text_id >= 0) {
                    b.text_id = f->text_id;
                    b.nostem = (f->flags & FTF_NOSTEM) != 0;
                    b.phonetic = (f->flags & FTF_PHONETIC) != 0;
                    b.last_pos = b.pos_base;
                    tokenize(ix, s.p, s.len, on_token, &b);
                    b.pos_base = b.last_pos + 1;
                }
                break;
            case FT_FIELD_TAG: {
                size_t start = 0;
                for (size_t i = 0; i <= s.len; i++) {
                    if (i < s.len && s.p[i] != f->sep) continue;
                    size_t tl;
                    char *t = norm_tag(f, s.p + start, i - start, &tl);
                    start = i + 1;
                    if (tl == 0 && !(f->flags & FTF_INDEXEMPTY)) {
                        xfree(t);
                        continue;
                    }
                    val_push_str(v, t, tl);
                }
                break;
            }
            case FT_FIELD_NUMERIC: {
                double num = r.num[k];
                if (!r.is_num[k] && parse_num(s, &num) != 0) {
                    failed = 1, fail_type = f->type;
                    set_error(ix, key, "Invalid numeric value: '%.*s'",
                              (int)(s.len > 64 ? 64 : s.len), s.p);
                    break;
                }
                val_push_num(v, &num, 1);
                break;
            }
            case FT_FIELD_GEO: {
                double ll[2];
                if (parse_geo(s, &ll[0], &ll[1]) != 0) {
                    failed = 1, fail_type = f->type;
                    set_error(ix, key, "Invalid geo string: '%.*s'", (int)(s.len > 64 ? 64 : s.len),
                              s.p);
                    break;
                }
                val_push_num(v, ll, 2);
                break;
            }
            case FT_FIELD_GEOSHAPE: {
                /* Kept as given once it reads as a valid geometry; the
                 * queries read it again (ftexec.c). */
                char why[160];
                FtGeom *g = ftgeom_parse(s.p, s.len, why, sizeof why);
                if (!g) {
                    failed = 1, fail_type = f->type;
                    set_error(ix, key, "Error indexing geoshape: %s", why);
                    break;
                }
                ftgeom_free(g);
                if (v->n == 0) val_push_str(v, dup_slice(s), s.len);
                break;
            }
            default:
                /* VECTOR values are kept as given. */
                if (v->n == 0) val_push_str(v, dup_slice(s), s.len);
                break;
            }
        }
        raw_free(&r);
    }
    /* SCORE_FIELD and PAYLOAD_FIELD are hash fields (or JSON paths). */
    /* RediSearch's defaults: __score and __payload. */
    if (!failed && !ix->on_json) {
        Slice sv;
        double sc;
        const char *sf = ix->score_field ? ix->score_field : "__score";
        if (hashobj_get(o->ptr, slice_cstr(sf), &sv) && parse_num(sv, &sc) == 0 && sc >= 0 &&
            sc <= 1)
            d->score = sc;
    }
    if (!failed && !ix->on_json) {
        Slice pv;
        const char *pf = ix->payload_field ? ix->payload_field : "__payload";
        if (hashobj_get(o->ptr, slice_cstr(pf), &pv)) {
            d->payload = xmemdup(pv.p, pv.len);
            d->payload_len = pv.len;
        }
    }
    if (failed) {
        for (size_t fi = 0; fi < ix->n_fields; fi++)
            if (ix->fields[fi].vec) ftvec_del(ix->fields[fi].vec, id);
        ix->n_failures++;
        if (fail_type >= 0) ix->type_failures[fail_type]++;
        xfree(b.v);
        buf_free(&b.bytes);
        doc_free(ix, d);
        return -1;
    }
    ix->next_id = id;
    d->id = id;
    docs_reserve(ix, id);
    ix->docs[id] = d;
    dict_add(ix->keys, key.p, key.len, d);
    ix->n_docs++;
    /* Postings: the document's tokens grouped by term. */
    uint32_t n_tokens = 0;
    for (size_t i = 0; i < b.n; i++) {
        char c0 = buf_data(&b.bytes)[b.v[i].off];
        if (c0 != '+' && c0 != '~' && c0 != FTPH_TERM_PREFIX) n_tokens++;
    }
    d->len = n_tokens;
    ix->total_len += n_tokens;
    g_sort_build = &b;
    if (b.n) qsort(b.v, b.n, sizeof(TokRec), tok_cmp);
    for (size_t i = 0; i < b.n;) {
        size_t j = i + 1;
        const char *base = buf_data(&b.bytes);
        while (j < b.n && b.v[j].len == b.v[i].len &&
               memcmp(base + b.v[j].off, base + b.v[i].off, b.v[i].len) == 0)
            j++;
        term_append(ix, base + b.v[i].off, b.v[i].len, d, b.v + i, j - i);
        i = j;
    }
    xfree(b.v);
    buf_free(&b.bytes);
    for (size_t fi = 0; fi < ix->n_fields; fi++) {
        FtField *f = &ix->fields[fi];
        if (f->type != FT_FIELD_TAG || (f->flags & FTF_NOINDEX)) continue;
        FtDocVal *v = &d->vals[fi];
        for (uint32_t k = 0; k < v->n; k++) tag_add(ix, f->slot, v->strs[k], v->lens[k], id);
    }
    return 0;
}

/* FILTER: the expression's view of a key's value. */
typedef struct FilterCtx {
    FtIndex *ix;
    Slice key;
    Obj *o;
} FilterCtx;

static int filter_lookup(void *opaque, const char *name, size_t len, FtVal *out) {
    FilterCtx *f = opaque;
    if (len == 5 && memcmp(name, "__key", 5) == 0) {
        *out = ftval_str(f->key.p, f->key.len);
        return 0;
    }
    int fi = ftindex_field_find(f->ix, slice_of(name, len));
    const FtField *fd = fi >= 0 ? &f->ix->fields[fi] : NULL;
    if (!f->ix->on_json) {
        Slice path = fd ? slice_of(fd->path, fd->path_len) : slice_of(name, len);
        Slice v;
        if (!hashobj_get(f->o->ptr, path, &v)) return 1;
        double d;
        if (fd && fd->type == FT_FIELD_NUMERIC && parse_num(v, &d) == 0)
            *out = ftval_num(d);
        else
            *out = ftval_str(v.p, v.len);
        return 0;
    }
    if (!fd || !fd->jp) return 1;
    JsonMatches ms;
    jsonmatches_init(&ms);
    jsonpath_eval(fd->jp, f->o->ptr, &ms);
    int rc = 1;
    if (ms.n > 0) {
        const Json *j = ms.m[0].val;
        char tmp[40];
        Slice s;
        double d = 0;
        int isn;
        if (json_scalar(j, tmp, &s, &d, &isn)) {
            *out = isn ? ftval_num(d) : ftval_str(s.p, s.len);
            rc = 0;
        }
    }
    jsonmatches_free(&ms);
    return rc;
}

static int filter_pass(FtIndex *ix, Slice key, Obj *o) {
    if (!ix->filter_expr) return 1;
    FilterCtx f = {ix, key, o};
    FtVal v;
    char *err = NULL;
    if (ftexpr_eval(ix->filter_expr, filter_lookup, &f, &v, &err) != 0) {
        xfree(err);
        return 0;
    }
    int pass = ftval_truthy(&v);
    ftval_free(&v);
    return pass;
}

int ftindex__filter_check(FtIndex *ix, const char **err) {
    static char buf[512];
    char *e = NULL;
    ix->filter_expr = ftexpr_parse(ix->filter, strlen(ix->filter), &e);
    if (!ix->filter_expr) {
        snprintf(buf, sizeof buf, "%s", e ? e : "Syntax error");
        xfree(e);
        *err = buf;
        return -1;
    }
    return 0;
}

/* Brings key's document in ix up to date with o (NULL: the key is gone). */
static void index_key(FtIndex *ix, Slice key, Obj *o) {
    doc_remove(ix, key);
    if (!o) return;
    if (ix->on_json ? o->type != OBJ_JSON : o->type != OBJ_HASH) return;
    if (!filter_pass(ix, key, o)) return;
    doc_add(ix, key, o);
}

static Obj *key_value(int db, Slice key) {
    if (db < 0 || db >= core.n_dbs) return NULL;
    DictEntry *e = dict_find(core.dbs[db].keys, key.p, key.len);
    if (!e) return NULL;
    return e->val;
}

/* ---- sweeping dead ids ---------------------------------------------------- */

static void sweep_term(void *priv, DictEntry *e) {
    FtIndex *ix = priv;
    FtTerm *t = e->val;
    size_t w = 0, wp = 0;
    for (size_t i = 0; i < t->n; i++) {
        FtPosting p = t->v[i];
        if (!ftindex__doc(ix, p.id)) continue;
        if (t->pos) {
            memmove(t->pos + wp, t->pos + p.pos_off, p.n_pos * sizeof(uint32_t));
            p.pos_off = (uint32_t)wp;
            wp += p.n_pos;
        }
        t->v[w++] = p;
    }
    t->n = w;
    t->n_pos = wp;
}

static void sweep_idlist(void *priv, DictEntry *e) {
    FtIndex *ix = priv;
    FtIdList *l = e->val;
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++)
        if (ftindex__doc(ix, l->v[i])) l->v[w++] = l->v[i];
    l->n = w;
}

typedef struct EmptyKeys {
    Buf keys; /* (len, bytes) records */
} EmptyKeys;

static void collect_empty_term(void *priv, DictEntry *e) {
    EmptyKeys *ek = priv;
    FtTerm *t = e->val;
    if (t->n) return;
    uint32_t n = e->key_len;
    buf_append(&ek->keys, &n, sizeof n);
    buf_append(&ek->keys, e->key, n);
}

static void collect_empty_list(void *priv, DictEntry *e) {
    EmptyKeys *ek = priv;
    FtIdList *l = e->val;
    if (l->n) return;
    uint32_t n = e->key_len;
    buf_append(&ek->keys, &n, sizeof n);
    buf_append(&ek->keys, e->key, n);
}

static void free_term(void *p) {
    FtTerm *t = p;
    xfree(t->v);
    xfree(t->pos);
    xfree(t);
}

static void free_idlist(void *p) {
    FtIdList *l = p;
    xfree(l->v);
    xfree(l);
}

static void drop_empty(Dict *d, void (*collect)(void *, DictEntry *), void (*fr)(void *)) {
    EmptyKeys ek;
    buf_init(&ek.keys);
    dict_foreach(d, collect, &ek);
    const char *p = buf_data(&ek.keys), *end = p + buf_live(&ek.keys);
    while (p < end) {
        uint32_t n;
        memcpy(&n, p, sizeof n);
        p += sizeof n;
        DictEntry *e = dict_unlink(d, p, n);
        if (e) {
            fr(e->val);
            dict_entry_free(e);
        }
        p += n;
    }
    buf_free(&ek.keys);
}

void ftindex__sweep(FtIndex *ix, int force) {
    if (!force && (ix->n_dead < 1024 || ix->n_dead < ix->n_docs)) return;
    int64_t start = real_us();
    dict_foreach(ix->terms, sweep_term, ix);
    drop_empty(ix->terms, collect_empty_term, free_term);
    for (int s = 0; s < ix->n_tags; s++) {
        dict_foreach(ix->tags[s], sweep_idlist, ix);
        drop_empty(ix->tags[s], collect_empty_list, free_idlist);
    }
    ix->gc_cycles++;
    ix->gc_last_us = real_us() - start;
    ix->gc_total_us += ix->gc_last_us;
    ix->gc_collected += ix->n_dead;
    ix->n_dead = 0;
}

/* ---- the pending set and the scan --------------------------------------- */

static void pending_add(int db, Slice key) {
    if (!g_pending) g_pending = dict_new();
    char small[512];
    size_t n = 4 + key.len;
    char *k = n <= sizeof small ? small : xmalloc(n);
    uint32_t d = (uint32_t)db;
    memcpy(k, &d, 4);
    memcpy(k + 4, key.p, key.len);
    if (!dict_find(g_pending, k, n)) dict_add(g_pending, k, n, NULL);
    if (k != small) xfree(k);
}

static void on_key_change(Db *db, Slice key) {
    if (g_n == 0) return;
    int dbi = db_index(db);
    for (size_t i = 0; i < g_n; i++) {
        FtIndex *ix = g_ix[i];
        if (ix->db == dbi && prefix_match(ix, key.p, key.len)) {
            pending_add(dbi, key);
            return;
        }
    }
}

typedef struct PendingRun {
    Buf keys;
} PendingRun;

static void collect_pending(void *priv, DictEntry *e) {
    PendingRun *r = priv;
    uint32_t n = e->key_len;
    buf_append(&r->keys, &n, sizeof n);
    buf_append(&r->keys, e->key, n);
}

void ftindex_sync(void) {
    if (!g_pending || dict_size(g_pending) == 0) return;
    PendingRun r;
    buf_init(&r.keys);
    dict_foreach(g_pending, collect_pending, &r);
    dict_clear(g_pending, NULL);
    const char *p = buf_data(&r.keys), *end = p + buf_live(&r.keys);
    while (p < end) {
        uint32_t n, db;
        memcpy(&n, p, sizeof n);
        p += sizeof n;
        memcpy(&db, p, 4);
        Slice key = slice_of(p + 4, n - 4);
        p += n;
        Obj *o = key_value((int)db, key);
        for (size_t i = 0; i < g_n; i++) {
            FtIndex *ix = g_ix[i];
            if (ix->db == (int)db && prefix_match(ix, key.p, key.len)) index_key(ix, key, o);
        }
    }
    buf_free(&r.keys);
    for (size_t i = 0; i < g_n; i++) ftindex__sweep(g_ix[i], 0);
}

typedef struct ScanCtx {
    FtIndex *ix;
} ScanCtx;

static void scan_visit(void *priv, DictEntry *e) {
    ScanCtx *s = priv;
    s->ix->scan_seen++;
    if (!prefix_match(s->ix, e->key, e->key_len)) return;
    index_key(s->ix, slice_of(e->key, e->key_len), e->val);
}

/* Runs ix's scan for about budget_us. */
static void scan_step(FtIndex *ix, int64_t budget_us) {
    if (!ix->scanning) return;
    int64_t start = real_us();
    ScanCtx s = {ix};
    Dict *keys = core.dbs[ix->db].keys;
    do {
        ix->scan_cursor = dict_scan(keys, ix->scan_cursor, scan_visit, &s);
        if (ix->scan_cursor == 0) {
            ix->scanning = 0;
            break;
        }
    } while (real_us() - start < budget_us);
}

static void start_scan(FtIndex *ix) {
    ix->scanning = 1;
    ix->scan_cursor = 0;
    ix->scan_seen = 0;
    scan_step(ix, 50000);
}

static void cron(void) {
    int64_t now = now_ms();
    for (size_t i = 0; i < g_n; i++) {
        FtIndex *ix = g_ix[i];
        if (ix->scanning) scan_step(ix, 20000);
        if (ix->temporary_s && now - ix->last_use_ms > ix->temporary_s * 1000) {
            ftindex_drop(ix, 0);
            i--;
        }
    }
}

static void before_sleep(void) {
    ftindex_sync();
}

/* ---- registry ---------------------------------------------------------- */

FtIndex *ftindex__find(Slice name) {
    for (size_t i = 0; i < g_n; i++)
        if (g_ix[i]->name_len == name.len && memcmp(g_ix[i]->name, name.p, name.len) == 0)
            return g_ix[i];
    for (size_t i = 0; i < g_n_alias; i++)
        if (g_alias[i].len == name.len && memcmp(g_alias[i].name, name.p, name.len) == 0)
            return g_alias[i].ix;
    return NULL;
}

FtIndex *ftindex_lookup(Slice name) {
    ftindex_sync();
    FtIndex *ix = ftindex__find(name);
    if (ix) ix->last_use_ms = now_ms();
    return ix;
}

FtIndex **ftindex_all(size_t *n) {
    *n = g_n;
    return g_ix;
}

size_t ftindex_aliases_of(const FtIndex *ix, Slice *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < g_n_alias; i++)
        if (g_alias[i].ix == ix) {
            if (k < cap) out[k] = slice_of(g_alias[i].name, g_alias[i].len);
            k++;
        }
    return k;
}

static void field_free(FtField *f) {
    xfree(f->name);
    xfree(f->path);
    if (f->jp) jsonpath_free(f->jp);
    if (f->vec) ftvec_free(f->vec);
    for (int i = 0; i < f->n_vec_args; i++) xfree(f->vec_args[i]);
    xfree(f->vec_args);
}

static void syn_free(void *p) {
    Buf *b = p;
    buf_free(b);
    xfree(b);
}

static void index_free(FtIndex *ix) {
    xfree(ix->last_error_key);
    ftindex__yields_free(ix);
    for (size_t i = 1; i < ix->docs_cap; i++)
        if (ix->docs[i]) doc_free(ix, ix->docs[i]);
    xfree(ix->docs);
    if (ix->keys) dict_free(ix->keys, NULL);
    if (ix->terms) dict_free(ix->terms, free_term);
    for (int s = 0; s < ix->n_tags; s++) dict_free(ix->tags[s], free_idlist);
    xfree(ix->tags);
    for (size_t i = 0; i < ix->n_fields; i++) field_free(&ix->fields[i]);
    xfree(ix->fields);
    for (int i = 0; i < ix->n_prefixes; i++) xfree(ix->prefixes[i]);
    xfree(ix->prefixes);
    xfree(ix->prefix_lens);
    for (size_t i = 0; i < ix->n_stopwords; i++) xfree(ix->stopwords[i]);
    xfree(ix->stopwords);
    if (ix->sw) ftt_stopwords_free(ix->sw);
    for (size_t i = 0; i < ix->n_defs; i++) xfree(ix->defs[i].argv);
    xfree(ix->defs);
    if (ix->syn) dict_free(ix->syn, syn_free);
    for (size_t i = 0; i < ix->n_syn_groups; i++) xfree(ix->syn_groups[i]);
    xfree(ix->syn_groups);
    xfree(ix->filter);
    if (ix->filter_expr) ftexpr_free(ix->filter_expr);
    xfree(ix->language);
    xfree(ix->language_field);
    jsonpath_free(ix->language_jp);
    for (int i = 0; i < FT_PATH_CACHE; i++) {
        xfree(ix->path_cache[i].name);
        jsonpath_free(ix->path_cache[i].jp);
    }
    xfree(ix->score_field);
    xfree(ix->payload_field);
    xfree(ix->name);
    xfree(ix);
}

/* Empties ix's documents (keeps the definition). */
static void index_clear_docs(FtIndex *ix) {
    for (size_t i = 1; i < ix->docs_cap; i++)
        if (ix->docs[i]) {
            doc_free(ix, ix->docs[i]);
            ix->docs[i] = NULL;
        }
    dict_clear(ix->keys, NULL);
    dict_clear(ix->terms, free_term);
    for (int s = 0; s < ix->n_tags; s++) dict_clear(ix->tags[s], free_idlist);
    for (size_t i = 0; i < ix->n_fields; i++) {
        FtField *f = &ix->fields[i];
        if (!f->vec) continue;
        FtVecParams p = *ftvec_params(f->vec);
        ftvec_free(f->vec);
        f->vec = ftvec_new(&p);
    }
    ix->n_docs = ix->n_dead = ix->n_records = ix->total_len = 0;
}

void ftindex_drop(FtIndex *ix, int delete_docs) {
    size_t at = 0;
    while (at < g_n && g_ix[at] != ix) at++;
    if (at == g_n) return;
    if (delete_docs) {
        /* Collect the keys first: deleting them signals the hook. */
        Buf keys;
        buf_init(&keys);
        for (size_t i = 1; i < ix->docs_cap; i++) {
            FtDoc *d = ix->docs[i];
            if (!d) continue;
            uint32_t n = d->key_len;
            buf_append(&keys, &n, sizeof n);
            buf_append(&keys, d->key, n);
        }
        Db *db = &core.dbs[ix->db];
        const char *p = buf_data(&keys), *end = p + buf_live(&keys);
        while (p < end) {
            uint32_t n;
            memcpy(&n, p, sizeof n);
            p += sizeof n;
            db_delete(db, slice_of(p, n));
            p += n;
        }
        buf_free(&keys);
    }
    ftagg_cursor_drop_index(ix->name, ix->name_len);
    memmove(g_ix + at, g_ix + at + 1, (g_n - at - 1) * sizeof(FtIndex *));
    g_n--;
    for (size_t i = 0; i < g_n_alias;) {
        if (g_alias[i].ix == ix) {
            xfree(g_alias[i].name);
            g_alias[i] = g_alias[--g_n_alias];
        } else {
            i++;
        }
    }
    index_free(ix);
}

void ftindex_drop_all(void) {
    while (g_n) ftindex_drop(g_ix[g_n - 1], 0);
    if (g_pending) dict_clear(g_pending, NULL);
}

static void on_flush(Db *db) {
    int dbi = db_index(db);
    for (size_t i = 0; i < g_n;) {
        if (g_ix[i]->db == dbi)
            ftindex_drop(g_ix[i], 0);
        else
            i++;
    }
}

static void on_swap(Db *a, Db *b) {
    int x = db_index(a), y = db_index(b);
    for (size_t i = 0; i < g_n; i++) {
        FtIndex *ix = g_ix[i];
        if (ix->db != x && ix->db != y) continue;
        index_clear_docs(ix);
        start_scan(ix);
    }
}

int ftindex_alias_add(Slice alias, FtIndex *ix, const char **err) {
    if (ftindex__find(alias)) {
        *err = "Alias already exists";
        return -1;
    }
    if (g_n_alias == g_cap_alias) {
        g_cap_alias = g_cap_alias ? g_cap_alias * 2 : 8;
        g_alias = xrealloc(g_alias, g_cap_alias * sizeof(FtAliasEnt));
    }
    g_alias[g_n_alias].name = dup_slice(alias);
    g_alias[g_n_alias].len = alias.len;
    g_alias[g_n_alias].ix = ix;
    g_n_alias++;
    return 0;
}

int ftindex_alias_del(Slice alias, const char **err) {
    for (size_t i = 0; i < g_n_alias; i++)
        if (g_alias[i].len == alias.len && memcmp(g_alias[i].name, alias.p, alias.len) == 0) {
            xfree(g_alias[i].name);
            memmove(g_alias + i, g_alias + i + 1, (g_n_alias - i - 1) * sizeof(FtAliasEnt));
            g_n_alias--;
            return 0;
        }
    *err = "Alias does not exist";
    return -1;
}

/* ---- FT.CREATE / FT.ALTER parsing ---------------------------------------- */

static char g_err[512];

static const char *errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *errf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return g_err;
}

static int is_word(Slice s, const char *w) {
    return slice_eq_nocase(s, w);
}

static int parse_double_arg(Slice s, double *out) {
    return parse_num(s, out);
}

static int parse_ll_arg(Slice s, long long *out) {
    return parse_ll(s, out);
}

static int field_find_name(const FtIndex *ix, Slice name) {
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].name_len == name.len && memcmp(ix->fields[i].name, name.p, name.len) == 0)
            return (int)i;
    return -1;
}

/* Parses SCHEMA's field definitions from argv[*i] on, appending to ix.
 * On error the fields added are removed again. */
static int parse_fields(FtIndex *ix, int argc, const Slice *argv, int i, const char **err) {
    size_t prev = ix->n_fields;
    int prev_text = ix->n_text, prev_tags = ix->n_tags;
    if (i >= argc) {
        *err = "Fields arguments are missing";
        return -1;
    }
    while (i < argc) {
        Slice path = argv[i++], name = path;
        if (i < argc && is_word(argv[i], "AS")) {
            if (i + 1 >= argc) {
                *err = "AS requires an argument";
                goto fail;
            }
            name = argv[i + 1];
            i += 2;
        }
        if (field_find_name(ix, name) >= 0) {
            *err = errf("Duplicate field in schema - %.*s", (int)name.len, name.p);
            goto fail;
        }
        if (ix->n_fields >= 1024) {
            *err = "Schema is limited to 1024 fields";
            goto fail;
        }
        ix->fields = xrealloc(ix->fields, (ix->n_fields + 1) * sizeof(FtField));
        FtField *f = &ix->fields[ix->n_fields++];
        memset(f, 0, sizeof *f);
        f->name = dup_slice(name);
        f->name_len = name.len;
        f->path = dup_slice(path);
        f->path_len = path.len;
        f->weight = 1.0;
        f->sep = ',';
        f->text_id = -1;
        f->slot = -1;
        if (ix->on_json) {
            char jerr[128];
            f->jp = jsonpath_compile(path.p, path.len, jerr, sizeof jerr);
            if (!f->jp) {
                *err = errf("Invalid JSONPath '%.*s' in attribute '%.*s' in index '%s'",
                            (int)path.len, path.p, (int)name.len, name.p, ix->name);
                goto fail;
            }
        }
        if (i >= argc) {
            *err = errf("Field `%.*s` does not have a type", (int)name.len, name.p);
            goto fail;
        }
        Slice t = argv[i++];
        if (is_word(t, "TEXT")) {
            f->type = FT_FIELD_TEXT;
            for (;;) {
                if (i >= argc) break;
                if (is_word(argv[i], "NOSTEM")) {
                    f->flags |= FTF_NOSTEM;
                    i++;
                } else if (is_word(argv[i], "WEIGHT")) {
                    double w;
                    if (i + 1 >= argc) {
                        *err = "Bad arguments for weight: Expected an argument";
                        goto fail;
                    }
                    if (parse_double_arg(argv[i + 1], &w) != 0 || w < 0) {
                        *err = "Bad arguments for weight: Could not convert argument to expected "
                               "type";
                        goto fail;
                    }
                    f->weight = w;
                    i += 2;
                } else if (is_word(argv[i], "PHONETIC")) {
                    if (i + 1 >= argc) {
                        *err = "PHONETIC requires an argument";
                        goto fail;
                    }
                    Slice m = argv[i + 1];
                    if (m.len != 5 || memcmp(m.p, "dm:", 3) != 0 ||
                        !(memcmp(m.p + 3, "en", 2) == 0 || memcmp(m.p + 3, "fr", 2) == 0 ||
                          memcmp(m.p + 3, "pt", 2) == 0 || memcmp(m.p + 3, "es", 2) == 0)) {
                        *err = "Matcher Format: <2 chars algorithm>:<2 chars language>. Support "
                               "algorithms: double metaphone (dm). Supported languages: English "
                               "(en), French (fr), Portuguese (pt) and Spanish (es)";
                        goto fail;
                    }
                    f->flags |= FTF_PHONETIC;
                    memcpy(f->phonetic, m.p, 5);
                    i += 2;
                } else if (is_word(argv[i], "WITHSUFFIXTRIE")) {
                    f->flags |= FTF_SUFFIXTRIE;
                    i++;
                } else if (is_word(argv[i], "INDEXEMPTY")) {
                    f->flags |= FTF_INDEXEMPTY;
                    i++;
                } else if (is_word(argv[i], "INDEXMISSING")) {
                    f->flags |= FTF_INDEXMISSING;
                    i++;
                } else {
                    break;
                }
            }
        } else if (is_word(t, "TAG")) {
            f->type = FT_FIELD_TAG;
            for (;;) {
                if (i >= argc) break;
                if (is_word(argv[i], "SEPARATOR")) {
                    if (i + 1 >= argc) {
                        *err = "SEPARATOR requires an argument";
                        goto fail;
                    }
                    Slice s = argv[i + 1];
                    if (s.len != 1) {
                        *err = errf("Tag separator must be a single character. Got `%.*s`",
                                    (int)s.len, s.p);
                        goto fail;
                    }
                    f->sep = s.p[0];
                    i += 2;
                } else if (is_word(argv[i], "CASESENSITIVE")) {
                    f->flags |= FTF_CASESENSITIVE;
                    i++;
                } else if (is_word(argv[i], "WITHSUFFIXTRIE")) {
                    f->flags |= FTF_SUFFIXTRIE;
                    i++;
                } else if (is_word(argv[i], "INDEXEMPTY")) {
                    f->flags |= FTF_INDEXEMPTY;
                    i++;
                } else if (is_word(argv[i], "INDEXMISSING")) {
                    f->flags |= FTF_INDEXMISSING;
                    i++;
                } else {
                    break;
                }
            }
        } else if (is_word(t, "NUMERIC")) {
            f->type = FT_FIELD_NUMERIC;
            if (i < argc && is_word(argv[i], "INDEXMISSING")) {
                f->flags |= FTF_INDEXMISSING;
                i++;
            }
        } else if (is_word(t, "GEO")) {
            f->type = FT_FIELD_GEO;
            if (i < argc && is_word(argv[i], "INDEXMISSING")) {
                f->flags |= FTF_INDEXMISSING;
                i++;
            }
        } else if (is_word(t, "GEOSHAPE")) {
            f->type = FT_FIELD_GEOSHAPE;
            if (i < argc && is_word(argv[i], "FLAT")) {
                f->flags |= FTF_GEOFLAT;
                i++;
            } else if (i < argc && is_word(argv[i], "SPHERICAL")) {
                i++;
            }
            if (i < argc && is_word(argv[i], "INDEXMISSING")) {
                f->flags |= FTF_INDEXMISSING;
                i++;
            }
        } else if (is_word(t, "VECTOR")) {
            f->type = FT_FIELD_VECTOR;
            int used = ftindex__vector_parse(f, argc - i, argv + i, err);
            if (used < 0) goto fail;
            i += used;
            if (i < argc && is_word(argv[i], "INDEXMISSING")) {
                f->flags |= FTF_INDEXMISSING;
                i++;
            }
            continue;
        } else {
            *err = errf("Invalid field type for field `%.*s`", (int)name.len, name.p);
            goto fail;
        }
        while (i < argc) {
            if (is_word(argv[i], "SORTABLE")) {
                f->flags |= FTF_SORTABLE;
                i++;
                if (i < argc && is_word(argv[i], "UNF")) {
                    f->flags |= FTF_UNF;
                    i++;
                }
                if (f->type == FT_FIELD_NUMERIC || (f->flags & FTF_CASESENSITIVE) || ix->on_json)
                    f->flags |= FTF_UNF;
            } else if (is_word(argv[i], "NOINDEX")) {
                f->flags |= FTF_NOINDEX;
                i++;
            } else {
                break;
            }
        }
        if ((f->flags & FTF_NOINDEX) && (f->flags & FTF_INDEXMISSING)) {
            *err = errf("'Field cannot be defined with both `NOINDEX` and `INDEXMISSING` `%.*s` '",
                        (int)name.len, name.p);
            goto fail;
        }
        if (f->type == FT_FIELD_TEXT && !(f->flags & FTF_NOINDEX)) {
            if (ix->n_text >= 128 || (ix->n_text >= 64 && !ix->maxtextfields)) {
                *err = ix->n_text >= 128 ? "Schema is limited to 128 TEXT fields"
                                         : "Cannot add more fields. Declare index with wide "
                                           "fields to allow adding unlimited fields";
                goto fail;
            }
            f->text_id = ix->n_text++;
        }
        if (f->type == FT_FIELD_TAG) f->slot = ix->n_tags++;
    }
    ix->tags = xrealloc(ix->tags, (size_t)(ix->n_tags ? ix->n_tags : 1) * sizeof(Dict *));
    for (int s = prev_tags; s < ix->n_tags; s++) ix->tags[s] = dict_new();
    return 0;
fail:
    while (ix->n_fields > prev) field_free(&ix->fields[--ix->n_fields]);
    ix->n_text = prev_text;
    ix->n_tags = prev_tags;
    return -1;
}

static int count_arg(const Slice *argv, int argc, int i, long long *n) {
    if (i >= argc) return -1;
    if (parse_ll_arg(argv[i], n) != 0 || *n < 0) return -2;
    return 0;
}

int ftindex_create(int db, int argc, const Slice *argv, const char **err) {
    Slice name = argv[0];
    if (ftindex__find(name)) {
        *err = "Index already exists";
        return -1;
    }
    FtIndex *ix = xcalloc(1, sizeof *ix);
    ix->name = dup_slice(name);
    ix->name_len = name.len;
    ix->db = db;
    ix->default_score = 1.0;
    ix->keys = dict_new();
    ix->terms = dict_new();
    ix->last_use_ms = now_ms();
    int i = 1;
    while (i < argc && !is_word(argv[i], "SCHEMA")) {
        Slice a = argv[i];
        long long n;
        if (is_word(a, "ON")) {
            if (i + 1 >= argc) {
                *err = "Bad arguments for ON: Expected an argument";
                goto fail;
            }
            if (is_word(argv[i + 1], "HASH")) {
                ix->on_json = 0;
            } else if (is_word(argv[i + 1], "JSON")) {
                ix->on_json = 1;
            } else {
                *err = "Invalid `ON` type. Expected `HASH` or `JSON`";
                goto fail;
            }
            i += 2;
        } else if (is_word(a, "PREFIX")) {
            int rc = count_arg(argv, argc, i + 1, &n);
            if (rc == -1) {
                *err = "Bad arguments for PREFIX: Expected an argument";
                goto fail;
            }
            if (rc == -2 || n > argc - i - 2) {
                *err = "Bad arguments for PREFIX: Not enough arguments were provided based on "
                       "argument count";
                goto fail;
            }
            for (int k = 0; k < ix->n_prefixes; k++) xfree(ix->prefixes[k]);
            ix->prefixes = xrealloc(ix->prefixes, (size_t)(n ? n : 1) * sizeof(char *));
            ix->prefix_lens = xrealloc(ix->prefix_lens, (size_t)(n ? n : 1) * sizeof(size_t));
            for (long long k = 0; k < n; k++) {
                ix->prefixes[k] = dup_slice(argv[i + 2 + k]);
                ix->prefix_lens[k] = argv[i + 2 + k].len;
            }
            ix->n_prefixes = (int)n;
            i += 2 + (int)n;
        } else if (is_word(a, "FILTER")) {
            if (i + 1 >= argc) {
                *err = "Bad arguments for FILTER: Expected an argument";
                goto fail;
            }
            xfree(ix->filter);
            ix->filter = dup_slice(argv[i + 1]);
            i += 2;
        } else if (is_word(a, "LANGUAGE")) {
            if (i + 1 >= argc) {
                *err = "Bad arguments for LANGUAGE: Expected an argument";
                goto fail;
            }
            if (!ftindex__language_ok(argv[i + 1])) {
                *err = "Invalid Language";
                goto fail;
            }
            xfree(ix->language);
            ix->language = dup_slice(argv[i + 1]);
            i += 2;
        } else if (is_word(a, "LANGUAGE_FIELD") || is_word(a, "SCORE_FIELD") ||
                   is_word(a, "PAYLOAD_FIELD")) {
            if (i + 1 >= argc) {
                *err = errf("Bad arguments for %.*s: Expected an argument", (int)a.len, a.p);
                goto fail;
            }
            char **dst = is_word(a, "LANGUAGE_FIELD") ? &ix->language_field
                         : is_word(a, "SCORE_FIELD")  ? &ix->score_field
                                                      : &ix->payload_field;
            xfree(*dst);
            *dst = dup_slice(argv[i + 1]);
            i += 2;
        } else if (is_word(a, "SCORE")) {
            double d;
            if (i + 1 >= argc) {
                *err = "Bad arguments for SCORE: Expected an argument";
                goto fail;
            }
            if (parse_double_arg(argv[i + 1], &d) != 0 || d < 0 || d > 1) {
                *err = "Invalid score";
                goto fail;
            }
            ix->default_score = d;
            i += 2;
        } else if (is_word(a, "MAXTEXTFIELDS")) {
            ix->maxtextfields = 1;
            i++;
        } else if (is_word(a, "TEMPORARY")) {
            int rc = count_arg(argv, argc, i + 1, &n);
            if (rc == -1) {
                *err = "Bad arguments for TEMPORARY: Expected an argument";
                goto fail;
            }
            if (rc == -2) {
                *err = "Bad arguments for TEMPORARY: Could not convert argument to expected type";
                goto fail;
            }
            ix->temporary_s = n ? n : 1;
            i += 2;
        } else if (is_word(a, "NOOFFSETS")) {
            ix->nooffsets = 1;
            ix->nohl = 1;
            i++;
        } else if (is_word(a, "NOHL")) {
            ix->nohl = 1;
            i++;
        } else if (is_word(a, "NOFIELDS")) {
            ix->nofields = 1;
            i++;
        } else if (is_word(a, "NOFREQS")) {
            ix->nofreqs = 1;
            i++;
        } else if (is_word(a, "SKIPINITIALSCAN")) {
            ix->skipinitialscan = 1;
            i++;
        } else if (is_word(a, "NOSCOREIDX") || is_word(a, "ASYNC")) {
            i++;
        } else if (is_word(a, "STOPWORDS")) {
            int rc = count_arg(argv, argc, i + 1, &n);
            if (rc == -1) {
                *err = "Bad arguments for STOPWORDS: Expected an argument";
                goto fail;
            }
            if (rc == -2 || n > argc - i - 2) {
                *err = "Bad arguments for STOPWORDS: Not enough arguments were provided based on "
                       "argument count";
                goto fail;
            }
            for (size_t k = 0; k < ix->n_stopwords; k++) xfree(ix->stopwords[k]);
            ix->stopwords = xrealloc(ix->stopwords, (size_t)(n ? n : 1) * sizeof(char *));
            for (long long k = 0; k < n; k++) {
                ix->stopwords[k] = dup_slice(argv[i + 2 + k]);
                for (char *p = ix->stopwords[k]; *p; p++) *p = (char)tolower((unsigned char)*p);
            }
            ix->n_stopwords = (size_t)n;
            ix->has_custom_stopwords = 1;
            if (ix->sw) ftt_stopwords_free(ix->sw);
            {
                size_t *lens = xmalloc((size_t)(n ? n : 1) * sizeof(size_t));
                for (long long k = 0; k < n; k++) lens[k] = strlen(ix->stopwords[k]);
                ix->sw = ftt_stopwords_new((const char *const *)ix->stopwords, lens, (size_t)n);
                xfree(lens);
            }
            i += 2 + (int)n;
        } else {
            *err = errf("Unknown argument `%.*s`", (int)a.len, a.p);
            goto fail;
        }
    }
    if (i >= argc) {
        *err = "No schema found";
        goto fail;
    }
    if (ix->filter && ftindex__filter_check(ix, err) != 0) goto fail;
    if (ix->n_prefixes == 0) {
        ix->prefixes = xmalloc(sizeof(char *));
        ix->prefix_lens = xmalloc(sizeof(size_t));
        ix->prefixes[0] = dup_slice(slice_cstr(""));
        ix->prefix_lens[0] = 0;
        ix->n_prefixes = 1;
    }
    if (parse_fields(ix, argc, argv, i + 1, err) != 0) goto fail;
    if (ix->on_json && ix->language_field) {
        /* compiled here once, not for every document indexed */
        char jerr[128];
        ix->language_jp =
            jsonpath_compile(ix->language_field, strlen(ix->language_field), jerr, sizeof jerr);
    }
    {
        Slice head = slice_cstr("FT.CREATE");
        Slice *v = xmalloc(sizeof(Slice) * (size_t)(argc + 1));
        v[0] = head;
        memcpy(v + 1, argv, sizeof(Slice) * (size_t)argc);
        add_def(ix, argc + 1, v);
        xfree(v);
    }
    if (g_n == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 8;
        g_ix = xrealloc(g_ix, g_cap * sizeof(FtIndex *));
    }
    g_ix[g_n++] = ix;
    if (!ix->skipinitialscan && !ix->temporary_s) start_scan(ix);
    if (!ix->skipinitialscan && ix->temporary_s) start_scan(ix);
    return 0;
fail:
    if (!ix->tags) ix->tags = NULL;
    index_free(ix);
    return -1;
}

int ftindex_alter(int argc, const Slice *argv, const char **err) {
    FtIndex *ix = ftindex__find(argv[0]);
    if (!ix) {
        *err = "Unknown index name";
        return -1;
    }
    int i = 1, skip = 0;
    if (i < argc && is_word(argv[i], "SKIPINITIALSCAN")) {
        skip = 1;
        i++;
    }
    if (i >= argc || !is_word(argv[i], "SCHEMA")) {
        *err = "ALTER must be followed by SCHEMA";
        return -1;
    }
    i++;
    if (i >= argc || !is_word(argv[i], "ADD")) {
        *err = "Unknown action passed to ALTER SCHEMA";
        return -1;
    }
    i++;
    if (i >= argc) {
        *err = "No fields provided";
        return -1;
    }
    size_t before = ix->n_fields;
    if (parse_fields(ix, argc, argv, i, err) != 0) return -1;
    /* Existing documents get a slot for every new field. */
    for (size_t d = 1; d < ix->docs_cap; d++) {
        FtDoc *doc = ix->docs[d];
        if (!doc) continue;
        doc->vals = xrealloc(doc->vals, ix->n_fields * sizeof(FtDocVal));
        memset(doc->vals + before, 0, (ix->n_fields - before) * sizeof(FtDocVal));
    }
    Slice *v = xmalloc(sizeof(Slice) * (size_t)(argc + 1));
    v[0] = slice_cstr("FT.ALTER");
    memcpy(v + 1, argv, sizeof(Slice) * (size_t)argc);
    add_def(ix, argc + 1, v);
    xfree(v);
    if (!skip) {
        index_clear_docs(ix);
        start_scan(ix);
    }
    return 0;
}

void ftindex_syn_update(FtIndex *ix, Slice gid, const Slice *terms, size_t n, int rescan) {
    if (!ix->syn) ix->syn = dict_new();
    int known = 0;
    for (size_t i = 0; i < ix->n_syn_groups; i++)
        if (strlen(ix->syn_groups[i]) == gid.len && memcmp(ix->syn_groups[i], gid.p, gid.len) == 0)
            known = 1;
    if (!known) {
        ix->syn_groups = xrealloc(ix->syn_groups, (ix->n_syn_groups + 1) * sizeof(char *));
        ix->syn_groups[ix->n_syn_groups++] = dup_slice(gid);
    }
    for (size_t i = 0; i < n; i++) {
        size_t tl;
        char *t = ftt_lower_dup(terms[i].p, terms[i].len, &tl);
        DictEntry *e = dict_find(ix->syn, t, tl);
        Buf *b;
        if (!e) {
            b = xmalloc(sizeof *b);
            buf_init(b);
            dict_add(ix->syn, t, tl, b);
        } else {
            b = e->val;
        }
        xfree(t);
        /* groups as NUL-separated ids, each once */
        const char *p = buf_data(b), *end = p + buf_live(b);
        int have = 0;
        while (p < end) {
            size_t l = strlen(p);
            if (l == gid.len && memcmp(p, gid.p, l) == 0) have = 1;
            p += l + 1;
        }
        if (!have) {
            buf_append(b, gid.p, gid.len);
            buf_append_char(b, 0);
        }
    }
    if (rescan) {
        index_clear_docs(ix);
        start_scan(ix);
    }
}

void ftindex__add_def(FtIndex *ix, int argc, const Slice *argv) {
    add_def(ix, argc, argv);
}

void ftindex_emit_all(FtEmitFn emit, void *priv) {
    for (size_t i = 0; i < g_n; i++) {
        FtIndex *ix = g_ix[i];
        for (size_t k = 0; k < ix->n_defs; k++) emit(priv, ix->defs[k].argc, ix->defs[k].argv);
    }
    for (size_t i = 0; i < g_n_alias; i++) {
        Slice v[3] = {slice_cstr("FT.ALIASADD"), slice_of(g_alias[i].name, g_alias[i].len),
                      slice_of(g_alias[i].ix->name, g_alias[i].ix->name_len)};
        emit(priv, 3, v);
    }
}

int ftindex__vector_parse(FtField *f, int argc, const Slice *argv, const char **err) {
    static char buf[512];
    FtVecParams p;
    int used = 0;
    if (argc <= 0) {
        *err = "Bad arguments for vector similarity algorithm: Expected an argument";
        return -1;
    }
    if (ftvec_parse_params(argv, argc, &used, &p, buf, sizeof buf) != 0) {
        *err = buf;
        return -1;
    }
    f->vec = ftvec_new(&p);
    if (p.is_index_missing) f->flags |= FTF_INDEXMISSING;
    return used;
}

/* ---- the ftindex.h API ------------------------------------------------------ */

Slice ftindex_name(const FtIndex *ix) {
    return slice_of(ix->name, ix->name_len);
}

int ftindex_db(const FtIndex *ix) {
    return ix->db;
}

int ftindex_is_json(const FtIndex *ix) {
    return ix->on_json;
}

int ftindex_doc_key(const FtIndex *ix, FtDocId id, Slice *key) {
    FtDoc *d = ftindex__doc(ix, id);
    if (!d) return 0;
    *key = slice_of(d->key, d->key_len);
    return 1;
}

double ftindex_doc_score(const FtIndex *ix, FtDocId id) {
    FtDoc *d = ftindex__doc(ix, id);
    return d ? d->score : 0;
}

size_t ftindex_n_fields(const FtIndex *ix) {
    return ix->n_fields;
}

Slice ftindex_field_name(const FtIndex *ix, size_t i) {
    return slice_of(ix->fields[i].name, ix->fields[i].name_len);
}

Slice ftindex_field_path(const FtIndex *ix, size_t i) {
    return slice_of(ix->fields[i].path, ix->fields[i].path_len);
}

int ftindex_field_type(const FtIndex *ix, size_t i) {
    return ix->fields[i].type;
}

int ftindex_field_is_sortable(const FtIndex *ix, size_t i) {
    return (ix->fields[i].flags & FTF_SORTABLE) != 0;
}

int ftindex_field_is_unf(const FtIndex *ix, size_t i) {
    const FtField *f = &ix->fields[i];
    return (f->flags & FTF_UNF) || f->type == FT_FIELD_NUMERIC || ix->on_json;
}

int ftindex_field_find(const FtIndex *ix, Slice name) {
    int k = field_find_name(ix, name);
    if (k >= 0) return k;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].path_len == name.len && memcmp(ix->fields[i].path, name.p, name.len) == 0)
            return (int)i;
    return -1;
}

int ftindex__doc_alive(const FtIndex *ix, const FtDoc *d) {
    DictEntry *e = dict_find(core.dbs[ix->db].keys, d->key, d->key_len);
    return e && !(e->expire_ms >= 0 && e->expire_ms < now_ms());
}

/* The live value of a document's key, NULL when gone or expired. */
static Obj *doc_value(FtIndex *ix, FtDocId id) {
    FtDoc *d = ftindex__doc(ix, id);
    if (!d) return NULL;
    DictEntry *e = dict_find(core.dbs[ix->db].keys, d->key, d->key_len);
    if (!e) return NULL;
    if (e->expire_ms >= 0 && e->expire_ms < now_ms()) return NULL;
    Obj *o = e->val;
    if (ix->on_json ? o->type != OBJ_JSON : o->type != OBJ_HASH) return NULL;
    return o;
}

/* Longer names are compiled for each use and not kept: the cache holds
 * what clients send, and a few short paths are what it is for. */
#define FT_PATH_CACHE_NAME_MAX 256

/* The compiled JSONPath of name (not a schema field) from ix's cache,
 * compiled and cached on a miss; NULL when name is not a JSONPath. Owned by
 * ix (valid until the next call) unless *own is set: then the caller frees
 * it (a name too long to keep). */
static JsonPath *cached_path(FtIndex *ix, Slice name, int *own) {
    char jerr[128];
    *own = name.len > FT_PATH_CACHE_NAME_MAX;
    if (*own) return jsonpath_compile(name.p, name.len, jerr, sizeof jerr);
    for (int i = 0; i < FT_PATH_CACHE; i++) {
        const char *n = ix->path_cache[i].name;
        if (n && slice_eq(slice_of(n, ix->path_cache[i].len), name)) return ix->path_cache[i].jp;
    }
    unsigned i = ix->path_cache_next++ % FT_PATH_CACHE;
    xfree(ix->path_cache[i].name);
    jsonpath_free(ix->path_cache[i].jp);
    ix->path_cache[i].name = xmemdup(name.p, name.len);
    ix->path_cache[i].len = name.len;
    ix->path_cache[i].jp = jsonpath_compile(name.p, name.len, jerr, sizeof jerr);
    return ix->path_cache[i].jp;
}

int ftindex_doc_load(FtIndex *ix, FtDocId id, Slice name, Buf *out, double *num) {
    Obj *o = doc_value(ix, id);
    if (!o) return FT_VAL_NONE;
    if (name.len && name.p[0] == '@') name = slice_of(name.p + 1, name.len - 1);
    int fi = ftindex_field_find(ix, name);
    const FtField *f = fi >= 0 ? &ix->fields[fi] : NULL;
    if (!ix->on_json) {
        Slice path = f ? slice_of(f->path, f->path_len) : name;
        Slice v;
        if (!hashobj_get(o->ptr, path, &v)) return FT_VAL_NONE;
        buf_append(out, v.p, v.len);
        if (f && f->type == FT_FIELD_NUMERIC && num && parse_num(v, num) == 0) return FT_VAL_NUM;
        return FT_VAL_STR;
    }
    const JsonPath *jp = f ? f->jp : NULL;
    JsonPath *own_jp = NULL;
    if (!jp) {
        int own;
        JsonPath *cp = cached_path(ix, name, &own);
        if (own) own_jp = cp;
        jp = cp;
    }
    if (!jp) return FT_VAL_NONE;
    JsonMatches ms;
    jsonmatches_init(&ms);
    jsonpath_eval(jp, o->ptr, &ms);
    int rc = FT_VAL_NONE;
    if (ms.n > 0) {
        const Json *j = ms.m[0].val;
        if (j->type == JSON_STRING) {
            buf_append(out, j->v.s, j->n);
            rc = FT_VAL_STR;
        } else {
            json_serialize(j, NULL, out);
            rc = FT_VAL_STR;
            if (json_is_number(j) && num) {
                *num = json_number_as_double(j);
                rc = FT_VAL_NUM;
            }
        }
    }
    jsonmatches_free(&ms);
    jsonpath_free(own_jp);
    return rc;
}

typedef struct VisitCtx {
    FtFieldVisitFn fn;
    void *priv;
} VisitCtx;

static void visit_hash(void *priv, Slice field, Slice value) {
    VisitCtx *v = priv;
    v->fn(v->priv, field, value);
}

int ftindex_doc_foreach(FtIndex *ix, FtDocId id, FtFieldVisitFn fn, void *priv) {
    Obj *o = doc_value(ix, id);
    if (!o) return -1;
    if (!ix->on_json) {
        VisitCtx v = {fn, priv};
        hashobj_foreach(o->ptr, visit_hash, &v);
        return 0;
    }
    Buf b;
    buf_init(&b);
    json_serialize(o->ptr, NULL, &b);
    fn(priv, slice_cstr("$"), slice_of(buf_data(&b), buf_live(&b)));
    buf_free(&b);
    return 0;
}

typedef struct TermVisit {
    FtTermVisitFn fn;
    void *priv;
    FtIndex *ix;
    uint64_t mask;
} TermVisit;

static void visit_term(void *priv, DictEntry *e) {
    TermVisit *tv = priv;
    FtTerm *t = e->val;
    if (e->key_len && (e->key[0] == '+' || e->key[0] == '~' || e->key[0] == FTPH_TERM_PREFIX))
        return;
    /* With a mask, the term must be in one of its fields in some document,
     * and then counts all of its documents (as RediSearch scores it). */
    int in_fields = tv->mask == UINT64_MAX || tv->ix->nofields;
    uint64_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!ftindex__doc(tv->ix, t->v[i].id)) continue;
        n++;
        if (t->v[i].mask & tv->mask) in_fields = 1;
    }
    if (n && in_fields) tv->fn(tv->priv, slice_of(e->key, e->key_len), n);
}

void ftindex_foreach_term(FtIndex *ix, FtTermVisitFn fn, void *priv) {
    ftindex_foreach_term_in(ix, UINT64_MAX, fn, priv);
}

void ftindex_foreach_term_in(FtIndex *ix, uint64_t mask, FtTermVisitFn fn, void *priv) {
    TermVisit tv = {fn, priv, ix, mask};
    dict_foreach(ix->terms, visit_term, &tv);
}

void ftresults_free(FtResults *r) {
    xfree(r->v);
    memset(r, 0, sizeof *r);
}

void ftindex_init(void) {
    db_set_index_hooks(on_key_change, on_flush, on_swap);
    server_on_cron(cron);
    server_on_before_sleep(before_sleep);
    ftindex__persist_init();
}

/* ---- INFO search ---------------------------------------------------------- */

/* Appends INFO's search sections (see ftindex.h): what RediSearch reports
 * that the engine here keeps: the indexes and their scans, the schema's
 * fields by type with their indexing failures, the sweeps of dead entries,
 * the indexing failures, the dialects queries used and the settings. */
void ftindex_info_search(Buf *out) {
    size_t n;
    FtIndex **all = ftindex_all(&n);
    uint64_t scanning = 0, failures = 0, max_failures = 0, gc_cycles = 0, gc_us = 0, dead = 0;
    uint64_t dialects[5] = {0};
    size_t vec_bytes = 0;
    struct {
        uint64_t n, sortable, noindex, casesensitive, flat, hnsw, errors;
    } t[FT_FIELD_VECTOR + 1];
    memset(t, 0, sizeof t);
    for (size_t i = 0; i < n; i++) {
        const FtIndex *ix = all[i];
        scanning += ix->scanning != 0;
        failures += ix->n_failures;
        if (ix->n_failures > max_failures) max_failures = ix->n_failures;
        gc_cycles += ix->gc_cycles;
        gc_us += (uint64_t)ix->gc_total_us;
        dead += ix->n_dead;
        for (int d = 1; d <= 4; d++) dialects[d] |= ix->dialect_uses[d] != 0;
        for (int ty = 0; ty <= FT_FIELD_VECTOR; ty++) t[ty].errors += ix->type_failures[ty];
        for (size_t k = 0; k < ix->n_fields; k++) {
            const FtField *f = &ix->fields[k];
            t[f->type].n++;
            t[f->type].sortable += (f->flags & FTF_SORTABLE) != 0;
            t[f->type].noindex += (f->flags & FTF_NOINDEX) != 0;
            t[f->type].casesensitive += (f->flags & FTF_CASESENSITIVE) != 0;
            if (f->type == FT_FIELD_VECTOR && f->vec) {
                t[f->type].flat += ftvec_params(f->vec)->algo == FTVEC_FLAT;
                t[f->type].hnsw += ftvec_params(f->vec)->algo == FTVEC_HNSW;
                vec_bytes += ftvec_mem_bytes(f->vec);
            }
        }
    }
    buf_printf(out, "# search_version\r\nsearch_version:%s\r\nsearch_redis_version:%s - oss\r\n",
               STREAMD_REDIS_VERSION, STREAMD_REDIS_VERSION);
    buf_printf(out,
               "\r\n# search_indexes\r\nsearch_number_of_indexes:%zu\r\n"
               "search_number_of_active_indexes:%llu\r\n"
               "search_number_of_active_indexes_running_queries:0\r\n"
               "search_number_of_active_indexes_indexing:%llu\r\n"
               "search_total_active_write_threads:0\r\n",
               n, (unsigned long long)scanning, (unsigned long long)scanning);
    buf_append_cstr(out, "\r\n# search_fields_statistics\r\n");
    static const char *const names[] = {"text", "tag", "numeric", "geo", "geoshape", "vector"};
    static const char *const labels[] = {"Text", "Tag", "Numeric", "Geo", "Geoshape", "Vector"};
    static const int order[] = {FT_FIELD_TEXT, FT_FIELD_NUMERIC, FT_FIELD_TAG,
                                FT_FIELD_GEO,  FT_FIELD_VECTOR,  FT_FIELD_GEOSHAPE};
    for (int k = 0; k < 6; k++) {
        int ty = order[k];
        if (!t[ty].n) continue;
        buf_printf(out, "search_fields_%s:%s=%llu", names[ty], labels[ty],
                   (unsigned long long)t[ty].n);
        if (ty == FT_FIELD_VECTOR) {
            if (t[ty].flat) buf_printf(out, ",Flat=%llu", (unsigned long long)t[ty].flat);
            if (t[ty].hnsw) buf_printf(out, ",HNSW=%llu", (unsigned long long)t[ty].hnsw);
        } else {
            if (t[ty].sortable)
                buf_printf(out, ",Sortable=%llu", (unsigned long long)t[ty].sortable);
            if (t[ty].noindex) buf_printf(out, ",NoIndex=%llu", (unsigned long long)t[ty].noindex);
            if (ty == FT_FIELD_TAG && t[ty].casesensitive)
                buf_printf(out, ",CaseSensitive=%llu", (unsigned long long)t[ty].casesensitive);
        }
        buf_printf(out, ",IndexErrors=%llu\r\n", (unsigned long long)t[ty].errors);
    }
    buf_printf(out, "\r\n# search_memory\r\nsearch_used_memory_vector_index:%zu\r\n", vec_bytes);
    buf_printf(out,
               "\r\n# search_garbage_collector\r\nsearch_gc_total_cycles:%llu\r\n"
               "search_gc_total_ms_run:%llu\r\nsearch_gc_total_docs_not_collected:%llu\r\n",
               (unsigned long long)gc_cycles, (unsigned long long)(gc_us / 1000),
               (unsigned long long)dead);
    buf_printf(out,
               "\r\n# search_warnings_and_errors\r\nsearch_errors_indexing_failures:%llu\r\n"
               "search_errors_for_index_with_max_failures:%llu\r\n",
               (unsigned long long)failures, (unsigned long long)max_failures);
    buf_append_cstr(out, "\r\n# search_dialect_statistics\r\n");
    for (int d = 1; d <= 4; d++)
        buf_printf(out, "search_dialect_%d:%llu\r\n", d, (unsigned long long)dialects[d]);
    buf_printf(out,
               "\r\n# search_runtime_configurations\r\nsearch_minimal_term_prefix:%lld\r\n"
               "search_minimal_stem_length:%lld\r\nsearch_maximal_prefix_expansions:%lld\r\n"
               "search_query_timeout_ms:%lld\r\nsearch_cursor_max_idle_time:%lld\r\n"
               "search_max_doc_table_size:%lld\r\nsearch_max_search_results:%lld\r\n"
               "search_max_aggregate_results:%lld\r\nsearch_min_phonetic_term_length:%lld\r\n"
               "search_default_dialect:%d\r\n",
               ftconfig_min_prefix(), ftconfig_min_stem_len(), ftconfig_max_prefix_expansions(),
               ftconfig_timeout_ms(), ftconfig_cursor_max_idle_ms(), ftconfig_max_doctablesize(),
               ftconfig_max_search_results(), ftconfig_max_aggregate_results(),
               ftconfig_min_phonetic_term_len(), ftconfig_default_dialect());
}
