/*
 * ftexec.c - running a parsed query (ftquery.h's tree) against an index.
 *
 * Every node evaluates to a set: the matching live document ids in
 * increasing order, each with a score contribution. Text terms read their
 * postings (ftindex_int.h), tags their id lists; numeric, geo and
 * missing-value clauses scan the live documents. Intersections are merges of
 * sorted lists (an exact phrase, $slop or $inorder then checks the terms'
 * positions in each candidate), unions merge and add the scores, NOT is the
 * complement among the live documents, OPTIONAL adds its score without
 * filtering. Vector clauses ask the field's vector index (ftvec.h) with the
 * filter's set as the filter, and yield the distances under their score
 * name.
 *
 * Scores: a term's contribution is computed by the scorer from its
 * frequency in the document, the number of documents holding it, the field
 * weights and the document's length; the document's final score multiplies
 * the sum by the document's own score (SCORE / SCORE_FIELD) and, for TFIDF,
 * divides by the highest term frequency in the document (TFIDF.DOCNORM: by
 * its length). BM25STD is the default, as in Redis 8.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/server.h"
#include "types/ftconfig.h"
#include "types/ftexec.h"
#include "types/ftgeoshape.h"
#include "types/ftindex_int.h"
#include "types/ftphonetic.h"
#include "types/fttext.h"
#include "types/ftvec.h"

typedef struct Set {
    FtDocId *id;
    double *sc;
    size_t n, cap;
} Set;

typedef struct Exec {
    FtIndex *ix;
    const FtExecOpts *opt;
    int scorer;
    double avg_len;
    FtExecOut *out;
    const char *err;
    char errbuf[256];
    int64_t deadline; /* mono_us() past which the query stops; 0: none */
    unsigned ticks;
    int timed_out;
    int timeout_fail; /* search-on-timeout FAIL: the query errs */
} Exec;

static int last_timed_out;

/* Whether the query ran out of time (the clock is read every 256 calls:
 * one per document scanned or term expanded, never per posting). Under
 * FAIL it sets the error; under RETURN the loops stop and what was found
 * so far is the result. */
static int exec_stop(Exec *e) {
    if (e->timed_out) return 1;
    if (!e->deadline || (++e->ticks & 255) != 0 || mono_us() < e->deadline) return 0;
    e->timed_out = 1;
    if (e->timeout_fail && !e->err) e->err = "Timeout limit was reached";
    return 1;
}

enum { SC_BM25STD, SC_TFIDF, SC_TFIDF_DOCNORM, SC_BM25, SC_DISMAX, SC_DOCSCORE, SC_HAMMING };

static void set_push(Set *s, FtDocId id, double sc) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->id = xrealloc(s->id, s->cap * sizeof(FtDocId));
        s->sc = xrealloc(s->sc, s->cap * sizeof(double));
    }
    s->id[s->n] = id;
    s->sc[s->n] = sc;
    s->n++;
}

static void set_free(Set *s) {
    xfree(s->id);
    xfree(s->sc);
    memset(s, 0, sizeof *s);
}

static int set_has(const Set *s, FtDocId id, size_t *at) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (at) *at = lo;
    return lo < s->n && s->id[lo] == id;
}

static Set set_union(Set *a, Set *b, int use_max) {
    Set r = {0};
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        if (j >= b->n || (i < a->n && a->id[i] < b->id[j])) {
            set_push(&r, a->id[i], a->sc[i]);
            i++;
        } else if (i >= a->n || b->id[j] < a->id[i]) {
            set_push(&r, b->id[j], b->sc[j]);
            j++;
        } else {
            double s = use_max ? fmax(a->sc[i], b->sc[j]) : a->sc[i] + b->sc[j];
            set_push(&r, a->id[i], s);
            i++, j++;
        }
    }
    set_free(a);
    set_free(b);
    return r;
}

static Set set_intersect(Set *a, Set *b) {
    Set r = {0};
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->id[i] < b->id[j])
            i++;
        else if (b->id[j] < a->id[i])
            j++;
        else {
            set_push(&r, a->id[i], a->sc[i] + b->sc[j]);
            i++, j++;
        }
    }
    set_free(a);
    set_free(b);
    return r;
}

static Set all_docs(Exec *e, double sc) {
    Set r = {0};
    FtIndex *ix = e->ix;
    for (size_t id = 1; id < ix->docs_cap && id <= ix->next_id; id++) {
        if (exec_stop(e)) break;
        if (ix->docs[id]) set_push(&r, (FtDocId)id, sc);
    }
    return r;
}

/* ---- scoring ---------------------------------------------------------- */

static double field_weight(const FtIndex *ix, uint64_t mask) {
    double w = 0;
    int any = 0;
    for (size_t i = 0; i < ix->n_fields; i++) {
        const FtField *f = &ix->fields[i];
        if (f->text_id >= 0 && f->text_id < 64 && (mask & (1ull << f->text_id))) {
            if (!any || f->weight > w) w = f->weight;
            any = 1;
        }
    }
    return any ? w : 1.0;
}

static double term_score(Exec *e, const FtDoc *d, double freq, size_t df, double weight) {
    double n = (double)e->ix->n_docs;
    double dfd = df ? (double)df : 1.0;
    switch (e->scorer) {
    case SC_TFIDF:
    case SC_TFIDF_DOCNORM: {
        double idf = logb(1.0 + n / dfd);
        return weight * freq * idf;
    }
    case SC_DISMAX:
        return weight * freq;
    case SC_DOCSCORE:
    case SC_HAMMING:
        return 0;
    case SC_BM25:
    case SC_BM25STD:
    default: {
        const double k1 = 1.2, b = 0.75;
        double idf = log(1.0 + (n - dfd + 0.5) / (dfd + 0.5));
        if (e->scorer == SC_BM25) idf = log(1.0 + (n - dfd + 0.5) / (dfd + 0.5));
        double avg = e->avg_len > 0 ? e->avg_len : 1.0;
        double f = freq * weight;
        return idf * f * (k1 + 1) / (f + k1 * (1 - b + b * (double)d->len / avg));
    }
    }
}

/* ---- terms -------------------------------------------------------------- */

static uint64_t effective_mask(Exec *e, const FtqNode *n) {
    uint64_t m = n->field_mask & e->opt->infields;
    return m;
}

/* The postings of term t that pass mask, scored. */
static Set term_set(Exec *e, const FtTerm *t, uint64_t mask, double weight) {
    Set r = {0};
    FtIndex *ix = e->ix;
    size_t df = 0;
    for (size_t i = 0; i < t->n; i++)
        if (ftindex__doc(ix, t->v[i].id)) df++;
    for (size_t i = 0; i < t->n; i++) {
        const FtPosting *p = &t->v[i];
        const FtDoc *d = ftindex__doc(ix, p->id);
        if (!d) continue;
        if (mask != FTQ_FIELDMASK_ALL && !ix->nofields && !(p->mask & mask)) continue;
        double fw = field_weight(ix, mask == FTQ_FIELDMASK_ALL ? p->mask : (p->mask & mask));
        double freq = ix->nofreqs ? 1.0 : (double)p->freq;
        set_push(&r, p->id, term_score(e, d, freq, df, weight * fw));
    }
    return r;
}

typedef struct SynUnion {
    Exec *e;
    const FtqNode *n;
    Set *s;
} SynUnion;

static void syn_union(void *priv, const char *term, size_t len) {
    SynUnion *u = priv;
    DictEntry *ge = dict_find(u->e->ix->terms, term, len);
    if (!ge) return;
    Set gs = term_set(u->e, ge->val, effective_mask(u->e, u->n), u->n->weight);
    *u->s = set_union(u->s, &gs, 1);
}

static Set token_set(Exec *e, const FtqNode *n) {
    DictEntry *de = dict_find(e->ix->terms, n->str, n->len);
    Set s = de ? term_set(e, de->val, effective_mask(e, n), n->weight) : (Set){0};
    /* Synonyms: the "~<group id>" terms of the groups the word is in. */
    if (!n->is_expanded) {
        SynUnion u = {e, n, &s};
        ftindex__syn_terms(e->ix, n->str, n->len, syn_union, &u);
    }
    return s;
}

/* Matching of dictionary terms against an affix, a pattern or a fuzzy
 * word. */
static int glob_match_term(const char *pat, size_t plen, const char *s, size_t slen) {
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < slen) {
        if (pi < plen && pat[pi] == '\\' && pi + 1 < plen && pat[pi + 1] == s[si]) {
            pi += 2, si++;
        } else if (pi < plen && (pat[pi] == '?' || pat[pi] == s[si]) && pat[pi] != '*') {
            pi++, si++;
        } else if (pi < plen && pat[pi] == '*') {
            star_p = pi++;
            star_s = si;
        } else if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
        } else {
            return 0;
        }
    }
    while (pi < plen && pat[pi] == '*') pi++;
    return pi == plen;
}

static int edit_distance_le(const char *a, size_t na, const char *b, size_t nb, int max) {
    if ((na > nb ? na - nb : nb - na) > (size_t)max) return 0;
    if (na > 256 || nb > 256) return 0;
    int prev[258], cur[258];
    for (size_t j = 0; j <= nb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        int best = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c) c = prev[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            cur[j] = c;
            if (c < best) best = c;
        }
        if (best > max) return 0;
        memcpy(prev, cur, (nb + 1) * sizeof(int));
    }
    return prev[nb] <= max;
}

static int affix_match(const FtqNode *n, const char *k, size_t kl) {
    switch (n->type) {
    case FTQ_PREFIX:
        if (n->is_prefix && n->is_suffix) {
            if (n->len > kl) return 0;
            for (size_t i = 0; i + n->len <= kl; i++)
                if (memcmp(k + i, n->str, n->len) == 0) return 1;
            return 0;
        }
        if (n->is_suffix) return kl >= n->len && memcmp(k + kl - n->len, n->str, n->len) == 0;
        return kl >= n->len && memcmp(k, n->str, n->len) == 0;
    case FTQ_WILDCARD_PATTERN:
        return glob_match_term(n->str, n->len, k, kl);
    case FTQ_FUZZY:
        return edit_distance_le(n->str, n->len, k, kl, n->max_dist);
    default:
        return 0;
    }
}

typedef struct Expand {
    Exec *e;
    const FtqNode *n;
    Set acc;
    size_t n_terms;
} Expand;

static void expand_visit(void *priv, DictEntry *de) {
    Expand *x = priv;
    if (de->key_len && (de->key[0] == '+' || de->key[0] == '~' || de->key[0] == FTPH_TERM_PREFIX))
        return;
    if ((long long)x->n_terms >= ftconfig_max_prefix_expansions()) return;
    if (exec_stop(x->e)) return;
    if (!affix_match(x->n, de->key, de->key_len)) return;
    x->n_terms++;
    /* Appended unsorted; affix_set() sorts and merges once at the end
     * (a union per term would cost terms x documents). */
    Set s = term_set(x->e, de->val, effective_mask(x->e, x->n), x->n->weight);
    for (size_t i = 0; i < s.n; i++) set_push(&x->acc, s.id[i], s.sc[i]);
    set_free(&s);
}

typedef struct IdScore {
    FtDocId id;
    double sc;
} IdScore;

static int cmp_idscore(const void *a, const void *b) {
    const IdScore *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static Set affix_set(Exec *e, const FtqNode *n) {
    /* The terms are lower-cased at indexing: so is the pattern ("Ho*"
     * finds "homer", as in RediSearch). */
    FtqNode low = *n;
    low.str = ftt_lower_dup(n->str, n->len, &low.len);
    Expand x = {e, &low, {0}, 0};
    dict_foreach(e->ix->terms, expand_visit, &x);
    xfree(low.str);
    if (x.acc.n < 2) return x.acc;
    IdScore *v = xmalloc(x.acc.n * sizeof(IdScore));
    for (size_t i = 0; i < x.acc.n; i++) v[i] = (IdScore){x.acc.id[i], x.acc.sc[i]};
    qsort(v, x.acc.n, sizeof(IdScore), cmp_idscore);
    size_t w = 0;
    for (size_t i = 0; i < x.acc.n; i++) {
        if (w && x.acc.id[w - 1] == v[i].id) {
            x.acc.sc[w - 1] += v[i].sc;
        } else {
            x.acc.id[w] = v[i].id;
            x.acc.sc[w] = v[i].sc;
            w++;
        }
    }
    x.acc.n = w;
    xfree(v);
    return x.acc;
}

/* ---- positions (phrases, slop, inorder) --------------------------------- */

typedef struct Pos {
    uint32_t *v;
    size_t n, cap;
} Pos;

static void pos_push(Pos *p, uint32_t v) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = xrealloc(p->v, p->cap * sizeof(uint32_t));
    }
    p->v[p->n++] = v;
}

static void term_positions(const FtTerm *t, FtDocId id, Pos *out) {
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= t->n || t->v[lo].id != id || !t->pos) return;
    for (uint32_t k = 0; k < t->v[lo].n_pos; k++) pos_push(out, t->pos[t->v[lo].pos_off + k]);
}

typedef struct PosVisit {
    const FtqNode *n;
    FtDocId id;
    Pos *out;
} PosVisit;

static void pos_visit(void *priv, DictEntry *de) {
    PosVisit *pv = priv;
    if (de->key_len && (de->key[0] == '+' || de->key[0] == '~' || de->key[0] == FTPH_TERM_PREFIX))
        return;
    if (affix_match(pv->n, de->key, de->key_len)) term_positions(de->val, pv->id, pv->out);
}

/* Positions of node n's terms in document id; 0 when n has no positions
 * (not a text node). */
static int node_positions(Exec *e, const FtqNode *n, FtDocId id, Pos *out) {
    switch (n->type) {
    case FTQ_TOKEN: {
        DictEntry *de = dict_find(e->ix->terms, n->str, n->len);
        if (de) term_positions(de->val, id, out);
        return 1;
    }
    case FTQ_PREFIX:
    case FTQ_WILDCARD_PATTERN:
    case FTQ_FUZZY: {
        PosVisit pv = {n, id, out};
        dict_foreach(e->ix->terms, pos_visit, &pv);
        return 1;
    }
    case FTQ_UNION: {
        int any = 0;
        for (size_t i = 0; i < n->n_children; i++)
            any |= node_positions(e, n->children[i], id, out);
        return any;
    }
    default:
        return 0;
    }
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether positions (one list per term, sorted) allow a match within slop
 * (intervening terms), in order when inorder. */
static int positions_ok(Pos *p, size_t k, int slop, int inorder) {
    if (k < 2) return 1;
    for (size_t i = 0; i < k; i++) {
        if (p[i].n == 0) return 0;
        qsort(p[i].v, p[i].n, sizeof(uint32_t), cmp_u32);
    }
    if (inorder) {
        for (size_t s = 0; s < p[0].n; s++) {
            uint32_t first = p[0].v[s], last = first;
            int ok = 1;
            for (size_t i = 1; i < k; i++) {
                size_t j = 0;
                while (j < p[i].n && p[i].v[j] <= last) j++;
                if (j == p[i].n) {
                    ok = 0;
                    break;
                }
                last = p[i].v[j];
            }
            if (!ok) break;
            if ((long long)(last - first + 1) - (long long)k <= slop) return 1;
        }
        return 0;
    }
    /* The smallest window holding one position of every term. */
    size_t *at = xcalloc(k, sizeof(size_t));
    int found = 0;
    for (;;) {
        uint32_t lo = UINT32_MAX, hi = 0;
        size_t lo_i = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t v = p[i].v[at[i]];
            if (v < lo) lo = v, lo_i = i;
            if (v > hi) hi = v;
        }
        if ((long long)(hi - lo + 1) - (long long)k <= slop) {
            found = 1;
            break;
        }
        if (++at[lo_i] >= p[lo_i].n) break;
    }
    xfree(at);
    return found;
}

/* ---- numeric, geo, tags ------------------------------------------------- */

static int field_index(const FtIndex *ix, const char *name) {
    if (!name) return -1;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].name_len == strlen(name) &&
            memcmp(ix->fields[i].name, name, strlen(name)) == 0)
            return (int)i;
    return -1;
}

static int num_in(double v, double min, int min_inc, double max, int max_inc) {
    if (min_inc ? v < min : v <= min) return 0;
    if (max_inc ? v > max : v >= max) return 0;
    return 1;
}

static Set numeric_set(Exec *e, const FtqNode *n) {
    Set r = {0};
    int fi = field_index(e->ix, n->field);
    if (fi < 0) return r;
    FtIndex *ix = e->ix;
    for (size_t id = 1; id < ix->docs_cap && id <= ix->next_id; id++) {
        if (exec_stop(e)) break;
        FtDoc *d = ix->docs[id];
        if (!d) continue;
        FtDocVal *v = &d->vals[fi];
        for (uint32_t k = 0; k < v->n; k++)
            if (v->nums && num_in(v->nums[k], n->min, n->min_inclusive, n->max, n->max_inclusive)) {
                set_push(&r, (FtDocId)id, 0);
                break;
            }
    }
    return r;
}

static double unit_m(const char *u) {
    if (!u) return 1;
    if (strcasecmp(u, "km") == 0) return 1000;
    if (strcasecmp(u, "mi") == 0) return 1609.34;
    if (strcasecmp(u, "ft") == 0) return 0.3048;
    return 1;
}

double ftexec_geo_dist_m(double lon1, double lat1, double lon2, double lat2) {
    const double r = 6372797.560856, d2r = M_PI / 180.0;
    double la1 = lat1 * d2r, la2 = lat2 * d2r;
    double u = sin((la2 - la1) / 2), v = sin((lon2 - lon1) * d2r / 2);
    return 2.0 * r * asin(sqrt(u * u + cos(la1) * cos(la2) * v * v));
}

static Set geo_set(Exec *e, int fi, double lon, double lat, double radius_m) {
    Set r = {0};
    if (fi < 0) return r;
    FtIndex *ix = e->ix;
    for (size_t id = 1; id < ix->docs_cap && id <= ix->next_id; id++) {
        FtDoc *d = ix->docs[id];
        if (!d) continue;
        FtDocVal *v = &d->vals[fi];
        for (uint32_t k = 0; k < v->n; k++)
            if (v->nums &&
                ftexec_geo_dist_m(lon, lat, v->nums[2 * k], v->nums[2 * k + 1]) <= radius_m) {
                set_push(&r, (FtDocId)id, 0);
                break;
            }
    }
    return r;
}

/* @f:[WITHIN|CONTAINS|INTERSECTS|DISJOINT $wkt]: a scan of the documents'
 * shapes, read again from the text kept at indexing (ftgeoshape.h). */
static Set geoshape_set(Exec *e, const FtqNode *n) {
    Set r = {0};
    char why[200];
    FtGeom *q = ftgeom_parse(n->str, n->len, why, sizeof why);
    if (!q) {
        snprintf(e->errbuf, sizeof e->errbuf, "Error querying geoshape index: %s", why);
        e->err = e->errbuf;
        return r;
    }
    int fi = field_index(e->ix, n->field);
    FtIndex *ix = e->ix;
    for (size_t id = 1; fi >= 0 && id < ix->docs_cap && id <= ix->next_id; id++) {
        FtDoc *d = ix->docs[id];
        if (!d || d->vals[fi].n == 0) continue;
        FtGeom *g = ftgeom_parse_valid(d->vals[fi].strs[0], d->vals[fi].lens[0]);
        if (!g) continue;
        int hit;
        switch (n->geo_pred) {
        case FTQ_GEO_WITHIN:
            hit = ftgeom_within(g, q);
            break;
        case FTQ_GEO_CONTAINS:
            hit = ftgeom_within(q, g);
            break;
        case FTQ_GEO_DISJOINT:
            hit = !ftgeom_intersects(g, q);
            break;
        default:
            hit = ftgeom_intersects(g, q);
            break;
        }
        ftgeom_free(g);
        if (hit) set_push(&r, (FtDocId)id, 0);
    }
    ftgeom_free(q);
    return r;
}

static Set idlist_set(Exec *e, const FtIdList *l, double weight) {
    Set r = {0};
    size_t df = 0;
    for (size_t i = 0; i < l->n; i++)
        if (ftindex__doc(e->ix, l->v[i])) df++;
    for (size_t i = 0; i < l->n; i++) {
        const FtDoc *d = ftindex__doc(e->ix, l->v[i]);
        if (d) set_push(&r, l->v[i], term_score(e, d, 1.0, df, weight));
    }
    return r;
}

typedef struct TagExpand {
    Exec *e;
    const FtqNode *n;
    Set acc;
} TagExpand;

static void tag_visit(void *priv, DictEntry *de) {
    TagExpand *x = priv;
    if (!affix_match(x->n, de->key, de->key_len)) return;
    Set s = idlist_set(x->e, de->val, x->n->weight);
    x->acc = set_union(&x->acc, &s, 1);
}

/* A tag value as the index keeps it: lower-cased unless CASESENSITIVE. */
static char *tag_norm(const char *p, size_t len, int cs) {
    char *s = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) s[i] = cs ? p[i] : (char)tolower((unsigned char)p[i]);
    s[len] = 0;
    return s;
}

static Set tag_value_set(Exec *e, Dict *d, const FtqNode *c, int cs) {
    switch (c->type) {
    case FTQ_TOKEN: {
        char *v = tag_norm(c->str ? c->str : "", c->str ? c->len : 0, cs);
        DictEntry *de = dict_find(d, v, c->str ? c->len : 0);
        xfree(v);
        return de ? idlist_set(e, de->val, c->weight) : (Set){0};
    }
    case FTQ_PREFIX:
    case FTQ_WILDCARD_PATTERN: {
        FtqNode lc = *c;
        lc.str = tag_norm(c->str ? c->str : "", c->str ? c->len : 0, cs);
        TagExpand x = {e, &lc, {0}};
        dict_foreach(d, tag_visit, &x);
        xfree(lc.str);
        return x.acc;
    }
    case FTQ_PHRASE: {
        /* A value written as several words (dialect 1): the words joined
         * by spaces. */
        Buf b;
        buf_init(&b);
        for (size_t i = 0; i < c->n_children; i++) {
            if (i) buf_append_char(&b, ' ');
            if (c->children[i]->str) buf_append(&b, c->children[i]->str, c->children[i]->len);
        }
        char *v = tag_norm(buf_data(&b), buf_live(&b), cs);
        DictEntry *de = dict_find(d, v, buf_live(&b));
        xfree(v);
        buf_free(&b);
        return de ? idlist_set(e, de->val, c->weight) : (Set){0};
    }
    default:
        return (Set){0};
    }
}

static Set tag_set(Exec *e, const FtqNode *n) {
    int fi = field_index(e->ix, n->field);
    if (fi < 0 || e->ix->fields[fi].type != FT_FIELD_TAG) return (Set){0};
    Dict *d = e->ix->tags[e->ix->fields[fi].slot];
    Set acc = {0};
    for (size_t i = 0; i < n->n_children; i++) {
        Set s =
            tag_value_set(e, d, n->children[i], (e->ix->fields[fi].flags & FTF_CASESENSITIVE) != 0);
        acc = set_union(&acc, &s, 1);
    }
    return acc;
}

static Set missing_set(Exec *e, const FtqNode *n) {
    Set r = {0};
    int fi = field_index(e->ix, n->field);
    if (fi < 0) return r;
    FtIndex *ix = e->ix;
    for (size_t id = 1; id < ix->docs_cap && id <= ix->next_id; id++) {
        if (exec_stop(e)) break;
        FtDoc *d = ix->docs[id];
        if (d && d->vals[fi].n == 0 && !d->vals[fi].empty) set_push(&r, (FtDocId)id, 0);
    }
    return r;
}

/* ---- vectors ------------------------------------------------------------ */

static int filter_keep(FtDocId id, void *priv) {
    return set_has(priv, id, NULL);
}

static int live_keep(FtDocId id, void *priv) {
    return ftindex__doc(priv, id) != NULL;
}

static void add_yield(Exec *e, const char *name, const FtVecResult *v, size_t n) {
    FtExecOut *o = e->out;
    o->yields = xrealloc(o->yields, (o->n_yields + 1) * sizeof(FtYield));
    FtYield *y = &o->yields[o->n_yields++];
    y->name = xstrdup(name ? name : "");
    y->n = n;
    y->ids = xmalloc((n ? n : 1) * sizeof(FtDocId));
    y->vals = xmalloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        y->ids[i] = v[i].id;
        y->vals[i] = v[i].dist;
    }
}

static int cmp_vres_id(const void *a, const void *b) {
    const FtVecResult *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static Set eval(Exec *e, const FtqNode *n);

static Set vector_set(Exec *e, const FtqNode *n) {
    Set r = {0};
    int fi = field_index(e->ix, n->field);
    if (fi < 0 || e->ix->fields[fi].type != FT_FIELD_VECTOR || !e->ix->fields[fi].vec) {
        snprintf(e->errbuf, sizeof e->errbuf, "Unknown field `%s`", n->field ? n->field : "");
        e->err = e->errbuf;
        return r;
    }
    FtVecIndex *vi = e->ix->fields[fi].vec;
    if (ftvec_check_blob(vi, n->vec.blob_len, e->errbuf, sizeof e->errbuf) != 0) {
        e->err = e->errbuf;
        return r;
    }
    Slice names[16], vals[16];
    int na = 0;
    for (size_t i = 0; i < n->vec.n_attrs && na < 16; i++, na++) {
        names[na] = slice_cstr(n->vec.attrs[i].name);
        vals[na] = slice_of(n->vec.attrs[i].value, n->vec.attrs[i].value_len);
    }
    int has_filter = n->vec.kind == FTQ_VEC_KNN && n->n_children > 0;
    FtVecQueryOpts qo;
    FtVecQueryKind kind = n->vec.kind == FTQ_VEC_RANGE ? FTVEC_QUERY_RANGE
                          : has_filter                 ? FTVEC_QUERY_HYBRID
                                                       : FTVEC_QUERY_KNN;
    if (ftvec_query_opts(vi, kind, names, vals, na, &qo, e->errbuf, sizeof e->errbuf) != 0) {
        e->err = e->errbuf;
        return r;
    }
    Set filt = {0};
    int use_filter = 0;
    if (has_filter && n->children[0]->type != FTQ_WILDCARD) {
        filt = eval(e, n->children[0]);
        if (e->err) {
            set_free(&filt);
            return r;
        }
        use_filter = 1;
    }
    FtVecResult *res = NULL;
    size_t cnt;
    if (n->vec.kind == FTQ_VEC_RANGE)
        cnt = ftvec_range(vi, n->vec.blob, n->vec.blob_len, n->vec.radius, &qo,
                          use_filter ? filter_keep : live_keep, use_filter ? (void *)&filt : e->ix,
                          &res);
    else
        cnt = ftvec_knn(vi, n->vec.blob, n->vec.blob_len, (size_t)n->vec.k, &qo,
                        use_filter ? filter_keep : live_keep, use_filter ? (void *)&filt : e->ix,
                        &res);
    set_free(&filt);
    add_yield(e, n->vec.score_field, res, cnt);
    if (n->vec.kind == FTQ_VEC_KNN) e->out->knn_sorted = 1;
    if (cnt) qsort(res, cnt, sizeof *res, cmp_vres_id);
    for (size_t i = 0; i < cnt; i++) set_push(&r, res[i].id, 1.0 / (1.0 + res[i].dist));
    xfree(res);
    return r;
}

/* ---- the tree ------------------------------------------------------------- */

static Set phrase_set(Exec *e, const FtqNode *n) {
    Set acc = {0};
    int have = 0;
    /* Optional children do not filter: they add their score afterwards. */
    for (size_t i = 0; i < n->n_children; i++) {
        const FtqNode *c = n->children[i];
        if (c->type == FTQ_OPTIONAL) continue;
        Set s = eval(e, c);
        if (e->err) {
            set_free(&s);
            set_free(&acc);
            return (Set){0};
        }
        if (!have) {
            acc = s;
            have = 1;
        } else {
            acc = set_intersect(&acc, &s);
        }
        if (acc.n == 0) break;
    }
    if (!have) acc = all_docs(e, 0);
    int slop = n->slop >= 0 ? n->slop : e->opt->slop;
    int inorder = n->has_inorder ? n->inorder : e->opt->inorder;
    if (n->is_exact) slop = 0, inorder = 1;
    if ((slop >= 0 || inorder) && n->n_children > 1 && !e->ix->nooffsets) {
        if (slop < 0) slop = 1 << 30;
        size_t k = n->n_children;
        Pos *p = xcalloc(k, sizeof(Pos));
        size_t w = 0;
        for (size_t i = 0; i < acc.n; i++) {
            size_t m = 0;
            for (size_t c = 0; c < k; c++) {
                p[m].n = 0;
                if (n->children[c]->type == FTQ_OPTIONAL) continue;
                if (node_positions(e, n->children[c], acc.id[i], &p[m])) m++;
            }
            if (positions_ok(p, m, slop, inorder)) {
                acc.id[w] = acc.id[i];
                acc.sc[w] = acc.sc[i];
                w++;
            }
        }
        acc.n = w;
        for (size_t c = 0; c < k; c++) xfree(p[c].v);
        xfree(p);
    }
    for (size_t i = 0; i < n->n_children; i++) {
        const FtqNode *c = n->children[i];
        if (c->type != FTQ_OPTIONAL || c->n_children == 0) continue;
        Set s = eval(e, c->children[0]);
        size_t j = 0;
        for (size_t a = 0; a < acc.n; a++) {
            while (j < s.n && s.id[j] < acc.id[a]) j++;
            if (j < s.n && s.id[j] == acc.id[a]) acc.sc[a] += s.sc[j];
        }
        set_free(&s);
    }
    return acc;
}

static Set eval(Exec *e, const FtqNode *n) {
    if (e->err) return (Set){0};
    switch (n->type) {
    case FTQ_PHRASE:
        return phrase_set(e, n);
    case FTQ_UNION: {
        Set acc = {0};
        for (size_t i = 0; i < n->n_children; i++) {
            Set s = eval(e, n->children[i]);
            acc = set_union(&acc, &s, e->scorer == SC_DISMAX);
        }
        if (n->weight != 1.0)
            for (size_t i = 0; i < acc.n; i++) acc.sc[i] *= n->weight;
        return acc;
    }
    case FTQ_NOT: {
        Set all = all_docs(e, 0);
        if (n->n_children == 0) return all;
        Set s = eval(e, n->children[0]);
        Set r = {0};
        size_t j = 0;
        for (size_t i = 0; i < all.n; i++) {
            while (j < s.n && s.id[j] < all.id[i]) j++;
            if (j < s.n && s.id[j] == all.id[i]) continue;
            set_push(&r, all.id[i], 0);
        }
        set_free(&all);
        set_free(&s);
        return r;
    }
    case FTQ_OPTIONAL: {
        Set all = all_docs(e, 0);
        if (n->n_children == 0) return all;
        Set s = eval(e, n->children[0]);
        return set_union(&all, &s, 0);
    }
    case FTQ_TOKEN:
        return token_set(e, n);
    case FTQ_PREFIX:
    case FTQ_WILDCARD_PATTERN:
    case FTQ_FUZZY:
        return affix_set(e, n);
    case FTQ_NUMERIC:
        return numeric_set(e, n);
    case FTQ_TAG:
        return tag_set(e, n);
    case FTQ_GEO:
        return geo_set(e, field_index(e->ix, n->field), n->lon, n->lat,
                       n->radius * unit_m(n->unit));
    case FTQ_GEOSHAPE:
        return geoshape_set(e, n);
    case FTQ_VECTOR:
        return vector_set(e, n);
    case FTQ_WILDCARD:
        return all_docs(e, 0);
    case FTQ_MISSING:
        return missing_set(e, n);
    case FTQ_NULL:
    default:
        return (Set){0};
    }
}

/* ---- the schema as the parser sees it ------------------------------------ */

static int schema_field(void *ctx, const char *name, size_t len, FtqFieldInfo *out) {
    FtIndex *ix = ctx;
    int fi = -1;
    for (size_t i = 0; i < ix->n_fields; i++)
        if (ix->fields[i].name_len == len && memcmp(ix->fields[i].name, name, len) == 0) {
            fi = (int)i;
            break;
        }
    if (fi < 0) return 0;
    const FtField *f = &ix->fields[fi];
    memset(out, 0, sizeof *out);
    out->name = f->name;
    out->name_len = f->name_len;
    switch (f->type) {
    case FT_FIELD_TEXT:
        out->types = FTQ_FIELD_TEXT;
        break;
    case FT_FIELD_TAG:
        out->types = FTQ_FIELD_TAG;
        break;
    case FT_FIELD_NUMERIC:
        out->types = FTQ_FIELD_NUMERIC;
        break;
    case FT_FIELD_GEO:
        out->types = FTQ_FIELD_GEO;
        break;
    case FT_FIELD_GEOSHAPE:
        out->types = FTQ_FIELD_GEOSHAPE;
        break;
    default:
        out->types = FTQ_FIELD_VECTOR;
        break;
    }
    out->text_bit = (f->text_id >= 0 && f->text_id < 64) ? (1ull << f->text_id) : 0;
    out->is_nostem = (f->flags & FTF_NOSTEM) != 0;
    out->is_phonetic = (f->flags & FTF_PHONETIC) != 0;
    out->tag_separator = f->sep;
    out->tag_casesensitive = (f->flags & FTF_CASESENSITIVE) != 0;
    out->index_empty = (f->flags & FTF_INDEXEMPTY) != 0;
    out->index_missing = (f->flags & FTF_INDEXMISSING) != 0;
    return 1;
}

static const char *schema_name_by_bit(void *ctx, FtqFieldMask bit) {
    FtIndex *ix = ctx;
    for (size_t i = 0; i < ix->n_fields; i++) {
        const FtField *f = &ix->fields[i];
        if (f->text_id >= 0 && f->text_id < 64 && (1ull << f->text_id) == bit) return f->name;
    }
    return NULL;
}

void ftexec_schema(FtIndex *ix, FtqSchema *out) {
    out->ctx = ix;
    out->field = schema_field;
    out->name_by_bit = schema_name_by_bit;
}

FtqNode *ftexec_parse(FtIndex *ix, const FtQueryArgs *a, FtqSchema *schema, const char **err) {
    static FtqError perr;
    FtqParam *params = NULL;
    size_t np = a->n_params / 2;
    if (np) {
        params = xmalloc(np * sizeof(FtqParam));
        for (size_t i = 0; i < np; i++) {
            params[i].name = a->params[2 * i].p;
            params[i].name_len = a->params[2 * i].len;
            params[i].value = a->params[2 * i + 1].p;
            params[i].value_len = a->params[2 * i + 1].len;
        }
    }
    ftexec_schema(ix, schema);
    FtqOptions o;
    memset(&o, 0, sizeof o);
    o.dialect = a->dialect ? a->dialect : ftconfig_default_dialect();
    o.params = params;
    o.n_params = np;
    o.schema = schema;
    o.stopwords = a->nostopwords ? ftindex__no_stopwords() : ix->sw;
    char lang[32];
    o.language = ix->language;
    if (a->language.len && a->language.len < sizeof lang) {
        memcpy(lang, a->language.p, a->language.len);
        lang[a->language.len] = '\0';
        o.language = lang;
    }
    o.is_verbatim = a->verbatim;
    /* search-min-stem-len limits the indexer only: RediSearch's stemmer
     * expander stems a query term of any length ("fox" also looks for
     * "+fox", which "foxes" was indexed under). */
    o.min_stem_len = 0;
    FtqNode *n = ftq_parse(a->query.p, a->query.len, &o, &perr);
    xfree(params);
    if (!n) *err = perr.msg;
    return n;
}

static int scorer_of(const char *name, int *out) {
    static const struct {
        const char *name;
        int id;
    } tab[] = {
        {"BM25STD", SC_BM25STD}, {"TFIDF", SC_TFIDF},          {"TFIDF.DOCNORM", SC_TFIDF_DOCNORM},
        {"BM25", SC_BM25},       {"DISMAX", SC_DISMAX},        {"DOCSCORE", SC_DOCSCORE},
        {"HAMMING", SC_HAMMING}, {"BM25STD.NORM", SC_BM25STD}, {"BM25STD.TANH", SC_BM25STD}};
    if (!name) {
        *out = SC_BM25STD;
        return 0;
    }
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcasecmp(tab[i].name, name) == 0) {
            *out = tab[i].id;
            return 0;
        }
    return -1;
}

int ftexec_scorer_ok(const char *name) {
    int s;
    return scorer_of(name, &s) == 0;
}

static int hamming_bits(const char *a, const char *b, size_t n) {
    int d = 0;
    for (size_t i = 0; i < n; i++) d += __builtin_popcount((unsigned char)(a[i] ^ b[i]));
    return d;
}

int ftexec_run(FtIndex *ix, const FtqNode *root, const FtExecOpts *opt, FtExecOut *out,
               const char **err) {
    Exec e;
    memset(&e, 0, sizeof e);
    e.ix = ix;
    e.opt = opt;
    e.out = out;
    if (scorer_of(opt->args->scorer, &e.scorer) != 0) {
        *err = "Could not find the given scorer";
        return -1;
    }
    e.avg_len = ix->n_docs ? (double)ix->total_len / (double)ix->n_docs : 0;
    /* TIMEOUT ms (0: none), or the server's search-timeout. */
    double tmo = opt->args->timeout_ms < 0 ? (double)ftconfig_timeout_ms() : opt->args->timeout_ms;
    if (tmo > 0) e.deadline = mono_us() + (int64_t)(tmo * 1000.0);
    e.timeout_fail = ftconfig_on_timeout() == FTCONF_ON_TIMEOUT_FAIL;
    last_timed_out = 0;
    Set s = eval(&e, root);
    if (e.err) {
        /* e.errbuf lives in this frame: the caller gets a copy that stays. */
        static char errcopy[sizeof e.errbuf];
        snprintf(errcopy, sizeof errcopy, "%s", e.err);
        set_free(&s);
        *err = errcopy;
        return -1;
    }
    /* INKEYS, FILTER and GEOFILTER restrict the result. */
    size_t w = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (exec_stop(&e)) break;
        FtDoc *d = ftindex__doc(ix, s.id[i]);
        if (!d || !ftindex__doc_alive(ix, d)) continue;
        int keep = 1;
        if (opt->has_inkeys) {
            keep = 0;
            for (size_t k = 0; k < opt->n_inkeys; k++)
                if (opt->inkeys[k].len == d->key_len &&
                    memcmp(opt->inkeys[k].p, d->key, d->key_len) == 0) {
                    keep = 1;
                    break;
                }
        }
        for (size_t f = 0; keep && f < opt->n_filters; f++) {
            const FtNumFilter *nf = &opt->filters[f];
            FtDocVal *v = &d->vals[nf->field];
            int any = 0;
            for (uint32_t k = 0; k < v->n && v->nums; k++)
                if (num_in(v->nums[k], nf->min, nf->min_inc, nf->max, nf->max_inc)) any = 1;
            keep = any;
        }
        for (size_t g = 0; keep && g < opt->n_geo; g++) {
            const FtGeoFilter *gf = &opt->geo[g];
            FtDocVal *v = &d->vals[gf->field];
            int any = 0;
            for (uint32_t k = 0; k < v->n && v->nums; k++)
                if (ftexec_geo_dist_m(gf->lon, gf->lat, v->nums[2 * k], v->nums[2 * k + 1]) <=
                    gf->radius_m)
                    any = 1;
            keep = any;
        }
        if (!keep) continue;
        double sc = s.sc[i];
        switch (e.scorer) {
        case SC_TFIDF:
            sc = d->max_freq ? sc * d->score / d->max_freq : sc * d->score;
            break;
        case SC_TFIDF_DOCNORM:
            sc = d->len ? sc * d->score / d->len : sc * d->score;
            break;
        case SC_DOCSCORE:
            sc = d->score;
            break;
        case SC_HAMMING:
            if (opt->payload.p && d->payload && d->payload_len == opt->payload.len)
                sc = 1.0 / (1.0 + hamming_bits(d->payload, opt->payload.p, d->payload_len));
            else
                sc = 0;
            break;
        default:
            sc *= d->score;
            break;
        }
        s.id[w] = s.id[i];
        s.sc[w] = sc;
        w++;
    }
    out->res.n = 0;
    out->res.cap = w ? w : 1;
    out->res.v = xmalloc(out->res.cap * sizeof(FtResult));
    for (size_t i = 0; i < w; i++) {
        out->res.v[i].id = s.id[i];
        out->res.v[i].score = s.sc[i];
    }
    out->res.n = w;
    set_free(&s);
    if (e.err) { /* the deadline passed in the last loop (FAIL) */
        out->res.n = 0;
        *err = e.err;
        return -1;
    }
    out->timed_out = e.timed_out;
    last_timed_out = e.timed_out;
    return 0;
}

int ftexec_last_timed_out(void) {
    return last_timed_out;
}

void ftexec_out_free(FtExecOut *o) {
    ftresults_free(&o->res);
    for (size_t i = 0; i < o->n_yields; i++) {
        xfree(o->yields[i].name);
        xfree(o->yields[i].ids);
        xfree(o->yields[i].vals);
    }
    xfree(o->yields);
    memset(o, 0, sizeof *o);
}

int ftexec_yield(const FtExecOut *o, size_t y, FtDocId id, double *v) {
    const FtYield *yy = &o->yields[y];
    for (size_t i = 0; i < yy->n; i++)
        if (yy->ids[i] == id) {
            *v = yy->vals[i];
            return 1;
        }
    return 0;
}

int ftindex_query(FtIndex *ix, const FtQueryArgs *args, FtResults *out, const char **err) {
    FtqSchema schema;
    FtqNode *root = ftexec_parse(ix, args, &schema, err);
    if (!root) return -1;
    FtExecOpts opt;
    memset(&opt, 0, sizeof opt);
    opt.args = args;
    opt.infields = FTQ_FIELDMASK_ALL;
    opt.slop = -1;
    FtExecOut eo;
    memset(&eo, 0, sizeof eo);
    int rc = ftexec_run(ix, root, &opt, &eo, err);
    ftq_free(root);
    if (rc != 0) {
        ftexec_out_free(&eo);
        return -1;
    }
    *out = eo.res;
    eo.res.v = NULL;
    eo.res.n = eo.res.cap = 0;
    ftindex__yields_free(ix);
    ix->q_yields = eo.yields;
    ix->n_q_yields = eo.n_yields;
    eo.yields = NULL;
    eo.n_yields = 0;
    ftexec_out_free(&eo);
    return 0;
}

void ftindex__yields_free(FtIndex *ix) {
    for (size_t i = 0; i < ix->n_q_yields; i++) {
        xfree(ix->q_yields[i].name);
        xfree(ix->q_yields[i].ids);
        xfree(ix->q_yields[i].vals);
    }
    xfree(ix->q_yields);
    ix->q_yields = NULL;
    ix->n_q_yields = 0;
}

int ftindex_query_yield(const FtIndex *ix, Slice name, FtDocId id, double *dist) {
    for (size_t y = 0; y < ix->n_q_yields; y++) {
        const FtYield *yy = &ix->q_yields[y];
        if (strlen(yy->name) != name.len || memcmp(yy->name, name.p, name.len) != 0) continue;
        for (size_t i = 0; i < yy->n; i++)
            if (yy->ids[i] == id) {
                *dist = yy->vals[i];
                return 1;
            }
    }
    return 0;
}
