/*
 * ftsug.c - the auto-complete suggestion dictionary (see ftsug.h).
 *
 * A trie over case-folded code points: each node is one character of the
 * folded text, its children kept sorted by code point in a growable array
 * (binary search to descend). The strings themselves live in entries hung
 * on the node where their folded text ends - several when they differ only
 * in case ("Hello", "hello") - and on one list in insertion order, which
 * the files and COPY keep and which breaks ties between equal scores (the
 * order RediSearch's own walk gives in practice). Lookup, insertion and
 * deletion cost the string's length; a search walks the subtree under the
 * query (exact prefix) or every branch within one edit (FUZZY).
 *
 * Ranking, as RediSearch's Trie_Search computes it (float precision):
 *   score = the entry's score, or 2^31 when its text equals the folded query
 *   FUZZY:  score *= e^(-2 * d), d the smallest edit distance between the
 *           folded query and a prefix of the entry's folded text
 *   score /= sqrt(1 + |characters of the entry - bytes of the query|)
 * The query side of that last term counts bytes, as RediSearch does.
 *
 * Folding covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
 * capitals (RediSearch folds all of Unicode through libnu); stray bytes of
 * malformed UTF-8 are characters of their own.
 *
 * Rejected: a hash table beside the trie (the walk to the node is as cheap
 * as hashing the string); keeping scores of subtrees for pruning (INCR and
 * deletion would have to repair them up the path; a search already walks
 * only the matching subtree).
 */
#include "types/ftsug.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

typedef struct SugEntry {
    struct SugEntry *older, *newer; /* insertion order */
    struct SugEntry *sibling;       /* the next entry at the same node */
    struct SugNode *node;
    uint64_t seq;
    float score;
    uint32_t len, chars, payload_len;
    char *payload; /* NULL when none */
    char str[];    /* len bytes and a NUL */
} SugEntry;

typedef struct SugNode {
    struct SugNode *parent;
    SugEntry *entries;
    struct SugNode **kids; /* sorted by cp */
    uint32_t n_kids, cap_kids;
    uint32_t cp; /* folded code point (0 at the root) */
} SugNode;

struct SugTrie {
    SugNode root;
    SugEntry *oldest, *newest;
    size_t n;
    size_t mem_bytes;
    uint64_t next_seq;
};

/* ---- characters ------------------------------------------------------------ */

/* The code point at p[*i] (advancing *i); a malformed byte stands alone. */
static uint32_t next_cp(const uint8_t *p, size_t len, size_t *i) {
    uint8_t b = p[*i];
    int n = b >= 0xF0 && b <= 0xF4   ? 3
            : b >= 0xE0 && b <= 0xEF ? 2
            : b >= 0xC2 && b <= 0xDF ? 1
                                     : 0;
    if (n == 0 || *i + (size_t)n >= len) {
        (*i)++;
        return b;
    }
    uint32_t cp = b & (0x3F >> n);
    for (int k = 1; k <= n; k++) {
        uint8_t c = p[*i + (size_t)k];
        if ((c & 0xC0) != 0x80) {
            (*i)++;
            return b;
        }
        cp = cp << 6 | (c & 0x3F);
    }
    *i += (size_t)n + 1;
    return cp;
}

static uint32_t fold(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';
        if (c == 0x178) return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c & 1 ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return c & 1 ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) && !(c & 1)) return c + 1;
    return c;
}

/* Folded code points of s into out (room for max); the count, max + 1 when
 * there are more. */
static size_t folded(const char *s, size_t len, uint32_t *out, size_t max) {
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t c = fold(next_cp((const uint8_t *)s, len, &i));
        if (n == max) return max + 1;
        out[n++] = c;
    }
    return n;
}

static size_t count_chars(const char *s, size_t len) {
    size_t i = 0, n = 0;
    while (i < len) {
        next_cp((const uint8_t *)s, len, &i);
        n++;
    }
    return n;
}

size_t sug_fold_text(const char *s, size_t len, uint32_t *out, size_t max) {
    return folded(s, len, out, max);
}

size_t sug_query_chars(const char *q, size_t len) {
    uint32_t tmp[SUG_QUERY_MAX_CHARS];
    return folded(q, len, tmp, SUG_QUERY_MAX_CHARS);
}

/* ---- nodes ----------------------------------------------------------------- */

/* The index of cp among n's children, or where it would go (*found 0). */
static uint32_t kid_slot(const SugNode *n, uint32_t cp, int *found) {
    uint32_t lo = 0, hi = n->n_kids;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (n->kids[mid]->cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < n->n_kids && n->kids[lo]->cp == cp;
    return lo;
}

static SugNode *kid_add(SugTrie *t, SugNode *n, uint32_t at, uint32_t cp) {
    if (n->n_kids == n->cap_kids) {
        uint32_t cap = n->cap_kids ? n->cap_kids * 2 : 2;
        n->kids = xrealloc(n->kids, cap * sizeof *n->kids);
        t->mem_bytes += (cap - n->cap_kids) * sizeof *n->kids;
        n->cap_kids = cap;
    }
    memmove(n->kids + at + 1, n->kids + at, (n->n_kids - at) * sizeof *n->kids);
    SugNode *k = xcalloc(1, sizeof *k);
    k->parent = n;
    k->cp = cp;
    n->kids[at] = k;
    n->n_kids++;
    t->mem_bytes += sizeof *k;
    return k;
}

/* The node of s's folded text (created when create), or NULL. */
static SugNode *node_of(SugTrie *t, const char *s, size_t len, int create) {
    SugNode *n = &t->root;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = fold(next_cp((const uint8_t *)s, len, &i));
        int found;
        uint32_t at = kid_slot(n, cp, &found);
        if (found)
            n = n->kids[at];
        else if (create)
            n = kid_add(t, n, at, cp);
        else
            return NULL;
    }
    return n;
}

static SugEntry *entry_at(SugNode *n, const char *s, size_t len) {
    for (SugEntry *e = n->entries; e; e = e->sibling)
        if (e->len == len && memcmp(e->str, s, len) == 0) return e;
    return NULL;
}

/* Frees nodes left with neither entries nor children, up from n. */
static void prune(SugTrie *t, SugNode *n) {
    while (n->parent && !n->entries && n->n_kids == 0) {
        SugNode *p = n->parent;
        int found;
        uint32_t at = kid_slot(p, n->cp, &found);
        assert(found && p->kids[at] == n);
        memmove(p->kids + at, p->kids + at + 1, (p->n_kids - at - 1) * sizeof *p->kids);
        p->n_kids--;
        t->mem_bytes -= sizeof *n + n->cap_kids * sizeof *n->kids;
        xfree(n->kids);
        xfree(n);
        n = p;
        if (n->n_kids == 0) { /* the root's array too */
            t->mem_bytes -= n->cap_kids * sizeof *n->kids;
            xfree(n->kids);
            n->kids = NULL;
            n->cap_kids = 0;
        }
    }
}

static void free_nodes(SugNode *n) {
    for (uint32_t i = 0; i < n->n_kids; i++) {
        free_nodes(n->kids[i]);
        xfree(n->kids[i]);
    }
    xfree(n->kids);
}

/* ---- the trie -------------------------------------------------------------- */

SugTrie *sug_new(void) {
    SugTrie *t = xcalloc(1, sizeof *t);
    t->mem_bytes = sizeof *t;
    return t;
}

void sug_free(SugTrie *t) {
    if (!t) return;
    SugEntry *e = t->oldest;
    while (e) {
        SugEntry *next = e->newer;
        xfree(e->payload);
        xfree(e);
        e = next;
    }
    free_nodes(&t->root);
    xfree(t);
}

size_t sug_len(const SugTrie *t) {
    return t->n;
}

size_t sug_mem_bytes(const SugTrie *t) {
    return t->mem_bytes;
}

static void set_payload(SugTrie *t, SugEntry *e, const char *p, size_t len) {
    if (!p || len == 0) return;
    t->mem_bytes -= e->payload_len;
    xfree(e->payload);
    e->payload = xmalloc(len);
    memcpy(e->payload, p, len);
    e->payload_len = (uint32_t)len;
    t->mem_bytes += len;
}

int sug_storable(const char *s, size_t len) {
    return len > 0 && len <= SUG_MAX_BYTES && count_chars(s, len) < SUG_MAX_CHARS;
}

int sug_add(SugTrie *t, const char *s, size_t len, double score, int incr, const char *payload,
            size_t payload_len) {
    if (!sug_storable(s, len)) return 0;
    size_t chars = count_chars(s, len);
    SugNode *n = node_of(t, s, len, 1);
    SugEntry *e = entry_at(n, s, len);
    if (e) {
        e->score = incr ? e->score + (float)score : (float)score;
        set_payload(t, e, payload, payload_len);
        return 0;
    }
    e = xcalloc(1, sizeof *e + len + 1);
    memcpy(e->str, s, len);
    e->len = (uint32_t)len;
    e->chars = (uint32_t)chars;
    e->score = (float)score;
    e->node = n;
    e->seq = t->next_seq++;
    e->sibling = n->entries;
    n->entries = e;
    e->older = t->newest;
    if (t->newest)
        t->newest->newer = e;
    else
        t->oldest = e;
    t->newest = e;
    t->n++;
    t->mem_bytes += sizeof *e + len + 1;
    set_payload(t, e, payload, payload_len);
    return 1;
}

int sug_del(SugTrie *t, const char *s, size_t len) {
    if (len == 0 || len > SUG_MAX_BYTES) return 0;
    SugNode *n = node_of(t, s, len, 0);
    SugEntry *e = n ? entry_at(n, s, len) : NULL;
    if (!e) return 0;
    SugEntry **pp = &n->entries;
    while (*pp != e) pp = &(*pp)->sibling;
    *pp = e->sibling;
    if (e->older)
        e->older->newer = e->newer;
    else
        t->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        t->newest = e->older;
    t->n--;
    t->mem_bytes -= sizeof *e + e->len + 1 + e->payload_len;
    xfree(e->payload);
    xfree(e);
    prune(t, n);
    return 1;
}

static void view_of(const SugEntry *e, SugEntryView *v) {
    v->str = e->str;
    v->len = e->len;
    v->score = e->score;
    v->payload = e->payload;
    v->payload_len = e->payload_len;
}

void sug_foreach(const SugTrie *t, void (*fn)(void *priv, const SugEntryView *e), void *priv) {
    for (const SugEntry *e = t->oldest; e; e = e->newer) {
        SugEntryView v;
        view_of(e, &v);
        fn(priv, &v);
    }
}

SugTrie *sug_dup(const SugTrie *t) {
    SugTrie *d = sug_new();
    for (const SugEntry *e = t->oldest; e; e = e->newer) {
        int added = sug_add(d, e->str, e->len, e->score, 0, e->payload, e->payload_len);
        assert(added == 1);
        (void)added;
    }
    return d;
}

/* ---- search ---------------------------------------------------------------- */

typedef struct Hit {
    const SugEntry *e;
    float score;
} Hit;

typedef struct Search {
    const uint32_t *q; /* folded query */
    size_t m;
    size_t q_bytes;
    int max_dist;
    int *rows; /* (SUG_MAX_CHARS + 1) rows of m + 1 */
    Hit *hits;
    size_t n_hits, cap_hits;
} Search;

static int is_exact(const Search *s, const SugEntry *e) {
    if (e->chars != s->m) return 0;
    size_t i = 0, k = 0;
    while (i < e->len) {
        if (next_cp((const uint8_t *)e->str, e->len, &i) != s->q[k++]) return 0;
    }
    return 1;
}

static void hit(Search *s, const SugEntry *e, int dist) {
    float sc = is_exact(s, e) ? (float)INT_MAX : e->score;
    if (s->max_dist > 0) sc = (float)(sc * exp((double)-(2 * dist)));
    size_t diff = e->chars >= s->q_bytes ? e->chars - s->q_bytes : s->q_bytes - e->chars;
    sc = (float)(sc / sqrt((double)(1 + diff)));
    if (s->n_hits == s->cap_hits) {
        s->cap_hits = s->cap_hits ? s->cap_hits * 2 : 16;
        s->hits = xrealloc(s->hits, s->cap_hits * sizeof *s->hits);
    }
    s->hits[s->n_hits++] = (Hit){e, sc};
}

/* Visits n (at depth, its DP row computed) and below; best is the smallest
 * distance between the query and a prefix of the path so far. */
static void walk(Search *s, const SugNode *n, size_t depth, int best) {
    if (best <= s->max_dist)
        for (const SugEntry *e = n->entries; e; e = e->sibling) hit(s, e, best);
    if (depth >= SUG_MAX_CHARS) return;
    const int *prev = s->rows + depth * (s->m + 1);
    int *row = s->rows + (depth + 1) * (s->m + 1);
    for (uint32_t k = 0; k < n->n_kids; k++) {
        const SugNode *kid = n->kids[k];
        row[0] = (int)depth + 1;
        int row_min = row[0];
        for (size_t j = 1; j <= s->m; j++) {
            int v = prev[j - 1] + (kid->cp != s->q[j - 1]);
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            row[j] = v;
            if (v < row_min) row_min = v;
        }
        int kid_best = row[s->m] < best ? row[s->m] : best;
        /* nothing below can match: every cell only grows from here */
        if (kid_best > s->max_dist && row_min > s->max_dist) continue;
        walk(s, kid, depth + 1, kid_best);
    }
}

static int cmp_hit(const void *a, const void *b) {
    const Hit *x = a, *y = b;
    /* a NaN score (INCR of inf by -inf) ranks last: the order stays total */
    if (isnan(x->score) != isnan(y->score)) return isnan(x->score) ? 1 : -1;
    if (!isnan(x->score) && x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->e->seq < y->e->seq ? -1 : x->e->seq > y->e->seq;
}

size_t sug_search(const SugTrie *t, const char *q, size_t len, int max_dist, size_t num, int trim,
                  SugEntryView *out) {
    uint32_t fq[SUG_QUERY_MAX_CHARS];
    size_t m = folded(q, len, fq, SUG_QUERY_MAX_CHARS);
    if (m > SUG_QUERY_MAX_CHARS || num == 0) return 0;
    Search s = {fq, m, len, max_dist, NULL, NULL, 0, 0};
    s.rows = xmalloc((SUG_MAX_CHARS + 1) * (m + 1) * sizeof *s.rows);
    for (size_t j = 0; j <= m; j++) s.rows[j] = (int)j;
    walk(&s, &t->root, 0, (int)m);
    if (s.n_hits > 1) qsort(s.hits, s.n_hits, sizeof *s.hits, cmp_hit);
    size_t n = s.n_hits < num ? s.n_hits : num;
    float max_score = 0;
    size_t kept = 0;
    for (; kept < n; kept++) {
        if (trim && max_score != 0 && s.hits[kept].score < max_score / 10.0) break;
        if (s.hits[kept].score > max_score) max_score = s.hits[kept].score;
        view_of(s.hits[kept].e, &out[kept]);
        out[kept].score = s.hits[kept].score;
    }
    xfree(s.rows);
    xfree(s.hits);
    return kept;
}
