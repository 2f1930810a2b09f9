/*
 * ftspell.c - FT.SPELLCHECK's options and reply (see ftspell.h), as
 * RediSearch's spell_check.c and its command's argument scan behave:
 *
 *   - a query term that is a term of the index, or of an EXCLUDE
 *     dictionary, gets no entry (with FULLSCOREINFO, a term of the index
 *     gets "term exists in index");
 *   - otherwise its suggestions are the index's terms within `distance`
 *     edits (Levenshtein over case-folded characters, whole words), scored
 *     by the number of documents holding them, then the INCLUDE
 *     dictionaries' terms within the same distance not suggested yet,
 *     scored by their documents in the index (0 for none);
 *   - best score first, ties in byte order; the score replied is the share
 *     of the index's documents (with FULLSCOREINFO the count itself, and
 *     the total first). A term of more than 100 characters (the limit of
 *     RediSearch's trie walk) has no suggestions.
 *
 * The index's terms are gathered once per command and every query term
 * is compared with each of them: a bounded edit distance (rows cut off once
 * they pass the distance) over folded code points.
 */
#include "cmd/ftspell.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cmd/ftdict.h"
#include "types/ftsug.h"

#define MAX_TERM_CHARS 100 /* RediSearch's TRIE_MAX_PREFIX */
#define FOUND_IN_INDEX "term exists in index"

/* ---- options ---------------------------------------------------------------- */

/* The first argument at or after from equal to word (any case), or 0. */
static int arg_at(Client *c, const char *word, int from) {
    for (int i = from; i < c->argc; i++)
        if (slice_eq_nocase(c->argv[i], word)) return i;
    return 0;
}

static void push(Slice **v, size_t *n, Slice s) {
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = s;
}

int ftspell_parse(Client *c, FtSpellArgs *a) {
    memset(a, 0, sizeof *a);
    a->distance = 1;
    int at = arg_at(c, "DISTANCE", 0);
    if (at) {
        if (at + 1 >= c->argc) {
            reply_error(c, "DISTANCE arg is given but no DISTANCE comes after");
            return -1;
        }
        if (parse_ll(c->argv[at + 1], &a->distance) != 0 || a->distance < 1 ||
            a->distance > FTSPELL_MAX_DISTANCE) {
            reply_error(c, "bad distance given, distance must be a natural number between 1 to 4");
            return -1;
        }
    }
    for (int pos = arg_at(c, "TERMS", 1); pos; pos = arg_at(c, "TERMS", pos + 1)) {
        if (pos + 2 >= c->argc) {
            reply_error(c, "TERM arg is given but no TERM params comes after");
            return -1;
        }
        if (slice_eq_nocase(c->argv[pos + 1], "INCLUDE")) {
            push(&a->include, &a->n_include, c->argv[pos + 2]);
        } else if (slice_eq_nocase(c->argv[pos + 1], "EXCLUDE")) {
            push(&a->exclude, &a->n_exclude, c->argv[pos + 2]);
        } else {
            reply_error(c, "bad format, exlude/include operation was not given");
            return -1;
        }
    }
    a->full_score_info = arg_at(c, "FULLSCOREINFO", 0) != 0;
    return 0;
}

void ftspell_args_free(FtSpellArgs *a) {
    xfree(a->include);
    xfree(a->exclude);
    a->include = a->exclude = NULL;
    a->n_include = a->n_exclude = 0;
}

/* ---- words ------------------------------------------------------------------ */

typedef struct Word {
    size_t off, len; /* the text in Spell.text */
    uint32_t *cps;   /* folded; NULL when longer than MAX_TERM_CHARS */
    size_t n_cps;
    uint64_t n_docs;
} Word;

typedef struct Words {
    Buf text;
    Word *v;
    size_t n, cap;
} Words;

static void words_add(Words *w, Slice s, uint64_t n_docs) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->v = xrealloc(w->v, w->cap * sizeof *w->v);
    }
    Word *x = &w->v[w->n++];
    x->off = buf_live(&w->text);
    x->len = s.len;
    buf_append(&w->text, s.p, s.len);
    uint32_t cps[MAX_TERM_CHARS];
    x->n_cps = sug_fold_text(s.p, s.len, cps, MAX_TERM_CHARS);
    x->cps = NULL;
    if (x->n_cps <= MAX_TERM_CHARS) {
        x->cps = xmalloc((x->n_cps ? x->n_cps : 1) * sizeof *x->cps);
        memcpy(x->cps, cps, x->n_cps * sizeof *cps);
    }
    x->n_docs = n_docs;
}

static void words_free(Words *w) {
    for (size_t i = 0; i < w->n; i++) xfree(w->v[i].cps);
    xfree(w->v);
    buf_free(&w->text);
}

static Slice word_text(const Words *w, const Word *x) {
    return slice_of(buf_data(&w->text) + x->off, x->len);
}

static void collect(void *priv, Slice term, uint64_t n_docs) {
    words_add(priv, term, n_docs);
}

static void collect_dict(void *priv, Slice term) {
    words_add(priv, term, 0);
}

/* Whether the edit distance between a and b is at most d. */
static int within(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int d) {
    if ((na > nb ? na - nb : nb - na) > (size_t)d) return 0;
    int prev[MAX_TERM_CHARS + 1], cur[MAX_TERM_CHARS + 1];
    for (size_t j = 0; j <= nb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        int row_min = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < row_min) row_min = v;
        }
        if (row_min > d) return 0;
        memcpy(prev, cur, (nb + 1) * sizeof *cur);
    }
    return prev[nb] <= d;
}

static int same(const Word *x, const uint32_t *q, size_t nq) {
    return x->cps && x->n_cps == nq && memcmp(x->cps, q, nq * sizeof *q) == 0;
}

/* ---- suggestions -------------------------------------------------------------- */

typedef struct Sugg {
    Slice text;
    double score; /* documents; -1: none (replied as 0) */
} Sugg;

typedef struct Suggs {
    Sugg *v;
    size_t n, cap;
} Suggs;

static int has_sugg(const Suggs *s, Slice text) {
    for (size_t i = 0; i < s->n; i++)
        if (slice_eq(s->v[i].text, text)) return 1;
    return 0;
}

static void add_sugg(Suggs *s, Slice text, double score) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (Sugg){text, score == 0 ? -1 : score};
}

static int cmp_sugg(const void *pa, const void *pb) {
    const Sugg *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    size_t n = a->text.len < b->text.len ? a->text.len : b->text.len;
    int r = memcmp(a->text.p, b->text.p, n);
    if (r) return r;
    return a->text.len < b->text.len ? -1 : a->text.len > b->text.len;
}

/* The documents of text in the index (0 when it is not a term of it). */
static uint64_t docs_of(const Words *index, Slice text) {
    for (size_t i = 0; i < index->n; i++)
        if (slice_eq(word_text(index, &index->v[i]), text)) return index->v[i].n_docs;
    return 0;
}

static void reply_term(Client *c, Slice term, const Suggs *s, double total) {
    if (c->resp >= 3) {
        reply_bulk_slice(c, term);
        reply_array(c, s->n);
        for (size_t i = 0; i < s->n; i++) {
            reply_map(c, 1);
            reply_bulk_slice(c, s->v[i].text);
            reply_double(c, s->v[i].score < 0 ? 0 : s->v[i].score / total);
        }
        return;
    }
    reply_array(c, 3);
    reply_status(c, "TERM");
    reply_bulk_slice(c, term);
    reply_array(c, s->n);
    for (size_t i = 0; i < s->n; i++) {
        reply_array(c, 2);
        reply_double(c, s->v[i].score < 0 ? 0 : s->v[i].score / total);
        reply_bulk_slice(c, s->v[i].text);
    }
}

/* Replies for one query term; 1 when it wrote an entry. */
static int check_term(Client *c, const FtSpellArgs *a, const Words *index, Slice term,
                      double total) {
    uint32_t q[MAX_TERM_CHARS];
    size_t nq = sug_fold_text(term.p, term.len, q, MAX_TERM_CHARS);
    int walkable = nq <= MAX_TERM_CHARS;
    for (size_t i = 0; walkable && i < index->n; i++) {
        if (!same(&index->v[i], q, nq)) continue;
        if (!a->full_score_info) return 0;
        if (c->resp >= 3) {
            reply_bulk_slice(c, term);
            reply_error(c, FOUND_IN_INDEX);
        } else {
            reply_array(c, 3);
            reply_status(c, "TERM");
            reply_bulk_slice(c, term);
            reply_status(c, FOUND_IN_INDEX);
        }
        return 1;
    }
    for (size_t d = 0; walkable && d < a->n_exclude; d++) {
        Words dict = {0};
        buf_init(&dict.text);
        ftdict_foreach(a->exclude[d], collect_dict, &dict);
        int excluded = 0;
        for (size_t i = 0; i < dict.n && !excluded; i++) excluded = same(&dict.v[i], q, nq);
        words_free(&dict);
        if (excluded) return 0;
    }
    Suggs s = {0};
    Words dicts = {0};
    buf_init(&dicts.text);
    if (walkable) {
        for (size_t i = 0; i < index->n; i++) {
            const Word *x = &index->v[i];
            if (x->cps && within(q, nq, x->cps, x->n_cps, (int)a->distance))
                add_sugg(&s, word_text(index, x), (double)x->n_docs);
        }
        for (size_t d = 0; d < a->n_include; d++)
            ftdict_foreach(a->include[d], collect_dict, &dicts);
        for (size_t i = 0; i < dicts.n; i++) {
            const Word *x = &dicts.v[i];
            Slice text = word_text(&dicts, x);
            if (x->cps && within(q, nq, x->cps, x->n_cps, (int)a->distance) && !has_sugg(&s, text))
                add_sugg(&s, text, (double)docs_of(index, text));
        }
    }
    if (s.n > 1) qsort(s.v, s.n, sizeof *s.v, cmp_sugg);
    reply_term(c, term, &s, total);
    xfree(s.v);
    words_free(&dicts);
    return 1;
}

void ftspell_reply(Client *c, const FtSpellArgs *a, const Slice *terms, size_t n_terms,
                   const FtSpellIndex *ix) {
    for (int pass = 0; pass < 2; pass++) {
        const Slice *names = pass ? a->exclude : a->include;
        size_t n = pass ? a->n_exclude : a->n_include;
        for (size_t i = 0; i < n; i++) {
            if (ftdict_exists(names[i])) continue;
            Slice nm = names[i];
            const char *z = memchr(nm.p, '\0', nm.len);
            if (z) nm.len = (size_t)(z - nm.p);
            reply_error(c, "Dict does not exist: %.*s", (int)(nm.len > 900 ? 900 : nm.len), nm.p);
            return;
        }
    }
    Words index = {0};
    buf_init(&index.text);
    ix->foreach_term(ix->ctx, collect, &index);
    double total = a->full_score_info || ix->n_docs == 0 ? 1 : (double)ix->n_docs;
    ReplyDeferred outer = {0};
    if (c->resp >= 3) {
        reply_map(c, a->full_score_info ? 2 : 1);
        if (a->full_score_info) {
            reply_bulk_cstr(c, "total_docs");
            reply_int(c, (long long)ix->n_docs);
        }
        reply_bulk_cstr(c, "results");
    }
    outer = reply_defer(c);
    size_t n = 0;
    if (c->resp < 3 && a->full_score_info) {
        reply_int(c, (long long)ix->n_docs);
        n++;
    }
    for (size_t i = 0; i < n_terms; i++) {
        uint64_t m = ix->term_masks ? ix->term_masks[i] : UINT64_MAX;
        if (m == UINT64_MAX || !ix->foreach_term_in) {
            n += (size_t)check_term(c, a, &index, terms[i], total);
            continue;
        }
        Words in_fields = {0};
        buf_init(&in_fields.text);
        ix->foreach_term_in(ix->ctx, m, collect, &in_fields);
        n += (size_t)check_term(c, a, &in_fields, terms[i], total);
        words_free(&in_fields);
    }
    if (c->resp >= 3)
        reply_set_map_len(c, outer, n);
    else
        reply_set_array_len(c, outer, n);
    words_free(&index);
}
