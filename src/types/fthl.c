/*
 * fthl.c - HIGHLIGHT and SUMMARIZE (see fthl.h).
 *
 * The fragment rules are RediSearch's fragmenter's: a fragment starts at a
 * matching term and grows with each further match at most 8 term positions
 * after the previous match; its score is the sum of the scores of its
 * distinct terms; its text runs from its first match to the end of its last
 * one. A highlighted match extends from its first byte to the next separator
 * byte. SUMMARIZE keeps the best FRAGS fragments (by score, earlier first
 * on a tie), puts them back in text order and surrounds each with context:
 * LEN words minus the non-matching words already inside, half before and
 * half after, counted in bytes at 6 bytes a word and cut back to whole
 * words; repeated whitespace in a snippet becomes one space and the
 * separator follows every snippet. A field without any match is returned
 * whole by HIGHLIGHT and cut to its first FRAGS*LEN words by SUMMARIZE.
 *
 * RediSearch finds the matches through the byte offsets the index stored;
 * we re-tokenize the field with the indexer's tokenizer, which finds the
 * same terms as long as the field has not changed since it was indexed.
 */
#include "types/fthl.h"

#include <ctype.h>
#include <string.h>

#include "base/alloc.h"
#include "types/fttext.h"

#define MAX_DISTANCE   8
#define EST_WORD_BYTES 6

typedef struct HlTerm {
    char *s;
    size_t len;
    double score;
    int is_affix, is_prefix, is_suffix;
} HlTerm;

struct FthlTerms {
    HlTerm *v;
    size_t n, cap;
};

FthlTerms *fthl_terms_new(void) {
    return xcalloc(1, sizeof(FthlTerms));
}

void fthl_terms_free(FthlTerms *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) xfree(t->v[i].s);
    xfree(t->v);
    xfree(t);
}

size_t fthl_terms_count(const FthlTerms *t) {
    return t->n;
}

static HlTerm *push(FthlTerms *t, const char *s, size_t len) {
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].len == len && !memcmp(t->v[i].s, s, len)) return NULL;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->v = xrealloc(t->v, t->cap * sizeof(HlTerm));
    }
    HlTerm *h = &t->v[t->n++];
    memset(h, 0, sizeof(*h));
    h->s = xmalloc(len + 1);
    if (len) memcpy(h->s, s, len);
    h->s[len] = '\0';
    h->len = len;
    h->score = 1;
    return h;
}

/* Borrows term; copies it. */
void fthl_terms_add(FthlTerms *t, const char *term, size_t len, double score) {
    HlTerm *h = push(t, term, len);
    if (h) h->score = score;
}

void fthl_terms_add_affix(FthlTerms *t, const char *fixed, size_t len, int is_prefix,
                          int is_suffix) {
    size_t ll;
    char *low = ftt_lower_dup(fixed, len, &ll);
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->v = xrealloc(t->v, t->cap * sizeof(HlTerm));
    }
    HlTerm *h = &t->v[t->n++];
    memset(h, 0, sizeof(*h));
    h->s = low;
    h->len = ll;
    h->score = 1;
    h->is_affix = 1;
    h->is_prefix = is_prefix;
    h->is_suffix = is_suffix;
}

static void collect(FthlTerms *t, const FtqNode *n, FtqFieldMask bit) {
    if (n->type == FTQ_NOT) return;
    if (bit && n->field_mask != FTQ_FIELDMASK_ALL && !(n->field_mask & bit)) return;
    if (n->type == FTQ_TOKEN) {
        fthl_terms_add(t, n->str, n->len, 1);
    } else if (n->type == FTQ_PREFIX) {
        fthl_terms_add_affix(t, n->str, n->len, n->is_prefix, n->is_suffix);
    } else if (n->type == FTQ_TAG) {
        return; /* tags are not highlighted */
    }
    for (size_t i = 0; i < n->n_children; i++) collect(t, n->children[i], bit);
}

void fthl_terms_from_query(FthlTerms *t, const FtqNode *root, FtqFieldMask field_bit) {
    if (root) collect(t, root, field_bit);
}

/* The term a document token matches, or -1. */
static long match(const FthlTerms *t, const char *tok, size_t len, const char *stem,
                  size_t stem_len) {
    for (size_t i = 0; i < t->n; i++) {
        const HlTerm *h = &t->v[i];
        if (h->is_affix) {
            if (h->len > len) continue;
            int ok;
            if (h->is_prefix && h->is_suffix)
                ok = h->len == 0 || memmem(tok, len, h->s, h->len) != NULL;
            else if (h->is_prefix)
                ok = !memcmp(tok, h->s, h->len);
            else
                ok = !memcmp(tok + len - h->len, h->s, h->len);
            if (ok) return (long)i;
            continue;
        }
        if (h->len == len && !memcmp(h->s, tok, len)) return (long)i;
        if (stem && h->len == stem_len && !memcmp(h->s, stem, stem_len)) return (long)i;
    }
    return -1;
}

typedef struct Loc {
    size_t off, len; /* in the text */
    size_t term;
} Loc;

typedef struct Frag {
    size_t start, len; /* the bytes from the first match to the end of the last */
    double score;
    size_t n_matches, total_tokens;
    uint32_t last_pos;
    size_t pos; /* the fragment's index in text order */
    Loc *locs;
    size_t n_locs;
} Frag;

typedef struct FragList {
    Frag *v;
    size_t n;
    size_t toks_since_match;
} FragList;

static int is_sep_byte(unsigned char c) {
    return c && strchr(" \t,./(){}[]:;~!@#$%^&*-=+|'`\"<>?", c) != NULL;
}

static void add_match(FragList *fl, size_t term, double score, uint32_t pos, size_t off,
                      size_t len) {
    Frag *f = fl->n ? &fl->v[fl->n - 1] : NULL;
    if (f && pos - f->last_pos > MAX_DISTANCE) f = NULL;
    if (!f) {
        fl->v = xrealloc(fl->v, (fl->n + 1) * sizeof(Frag));
        f = &fl->v[fl->n];
        memset(f, 0, sizeof(*f));
        f->pos = fl->n++;
        f->start = off;
        fl->toks_since_match = 0;
    }
    int seen = 0;
    for (size_t i = 0; i < f->n_locs; i++)
        if (f->locs[i].term == term) seen = 1;
    if (!seen) f->score += score;
    f->len = off - f->start + len;
    f->last_pos = pos;
    f->n_matches++;
    f->total_tokens += fl->toks_since_match + 1;
    fl->toks_since_match = 0;
    f->locs = xrealloc(f->locs, (f->n_locs + 1) * sizeof(Loc));
    f->locs[f->n_locs++] = (Loc){off, len, term};
}

static void fragmentize(FragList *fl, const char *text, size_t len, const FthlTerms *terms,
                        const FthlOptions *opt) {
    if (len == 0) { /* an empty field matches the empty term (INDEXEMPTY) */
        long m = match(terms, "", 0, NULL, 0);
        if (m >= 0) add_match(fl, (size_t)m, terms->v[m].score, 1, 0, 0);
        return;
    }
    FttTokenizer tz;
    FttToken tok;
    ftt_tokenizer_init(&tz, text, len, opt->stopwords, 1);
    uint32_t last_pos = 0;
    size_t last_end = 0;
    while (ftt_next(&tz, &tok)) {
        size_t sl = 0;
        char *stem = ftt_stem_term(tok.term, tok.term_len, opt->min_stem_len, &sl);
        long m = match(terms, tok.term, tok.term_len, stem, sl);
        xfree(stem);
        if (m < 0) {
            fl->toks_since_match++;
            continue;
        }
        if (tok.position == last_pos || tok.raw_off < last_end) continue;
        size_t hl = 0;
        while (tok.raw_off + hl < len && !is_sep_byte((unsigned char)text[tok.raw_off + hl])) hl++;
        add_match(fl, (size_t)m, terms->v[m].score, tok.position, tok.raw_off, hl);
        last_pos = tok.position;
        last_end = tok.raw_off + hl;
    }
}

static void frag_list_free(FragList *fl) {
    for (size_t i = 0; i < fl->n; i++) xfree(fl->v[i].locs);
    xfree(fl->v);
}

/* Writes the fragment's text with its matches tagged, from *from (or the
 * fragment's start) on; leaves *from after the last match. */
static void write_frag(const char *text, const Frag *f, const char *open, const char *close,
                       Buf *out, size_t *from) {
    size_t at = from ? *from : f->start;
    for (size_t i = 0; i < f->n_locs; i++) {
        const Loc *l = &f->locs[i];
        if (l->off > at) buf_append(out, text + at, l->off - at);
        if (open) buf_append_cstr(out, open);
        buf_append(out, text + l->off, l->len);
        if (close) buf_append_cstr(out, close);
        at = l->off + l->len;
    }
    if (from) *from = at;
}

static size_t strip_spaces(char *s, size_t n) {
    size_t o = 0;
    int last_space = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            if (last_space) continue;
            last_space = 1;
            s[o++] = ' ';
        } else {
            last_space = 0;
            s[o++] = s[i];
        }
    }
    return o;
}

/* The context around a fragment, as RediSearch finds it: lo is the first
 * byte and hi the last byte context may come from (the neighbouring
 * fragments or the text's ends). Offsets are signed: the arithmetic may
 * step outside the text before it is clamped. */
static void find_context(const char *text, const Frag *f, long long lo, long long hi, size_t ctx,
                         size_t *b_off, size_t *b_len, size_t *a_off, size_t *a_len) {
    long long start = (long long)f->start, end = (long long)(f->start + f->len);
    *b_off = f->start;
    *b_len = 0;
    *a_off = (size_t)end;
    *a_len = 0;
    size_t inside = f->total_tokens - f->n_matches;
    if (ctx <= inside) return;
    long long c = (long long)(((ctx - inside) / 2) * EST_WORD_BYTES);
    if (start - c > lo) lo = start - c;
    if (end + c < hi) hi = end + c;
    while (lo < start && !is_sep_byte((unsigned char)text[lo])) lo++;
    while (lo < start && is_sep_byte((unsigned char)text[lo])) lo++;
    *b_off = (size_t)lo;
    *b_len = (size_t)(start - lo);
    while (hi > end && !is_sep_byte((unsigned char)text[hi])) hi--;
    while (hi > end && is_sep_byte((unsigned char)text[hi])) hi--;
    if (hi - end + 1 > 0) *a_len = (size_t)(hi - end + 1);
}

/* Best first; on equal scores the earlier fragment first. */
static void sort_by_score(Frag **v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        Frag *x = v[i];
        size_t j = i;
        while (j > 0 && (v[j - 1]->score < x->score ||
                         (v[j - 1]->score == x->score && v[j - 1]->pos > x->pos))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void sort_by_pos(Frag **v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        Frag *x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1]->pos > x->pos) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Borrows text, terms and opt; appends to out. */
int fthl_render(const char *text, size_t len, const FthlTerms *terms, const FthlOptions *opt,
                Buf *out) {
    FragList fl = {0};
    fragmentize(&fl, text, len, terms, opt);
    size_t n_frags = opt->frags ? opt->frags : FTHL_DEFAULT_FRAGS;
    size_t ctx_words = opt->frag_len ? opt->frag_len : FTHL_DEFAULT_LEN;
    const char *sep = opt->separator ? opt->separator : FTHL_DEFAULT_SEPARATOR;

    if (fl.n == 0) {
        frag_list_free(&fl);
        if (!opt->summarize) return 0;
        /* no match: the field's head, cut back to a separator */
        size_t head = ctx_words * n_frags * EST_WORD_BYTES + EST_WORD_BYTES;
        if (head > len) head = len;
        char *tmp = xmalloc(head + 1);
        memcpy(tmp, text, head);
        head = strip_spaces(tmp, head);
        while (head > 1 && !is_sep_byte((unsigned char)tmp[head - 1])) head--;
        buf_append(out, tmp, head);
        xfree(tmp);
        return 1;
    }

    if (!opt->summarize) {
        size_t at = 0;
        for (size_t i = 0; i < fl.n; i++)
            write_frag(text, &fl.v[i], opt->open_tag, opt->close_tag, out, &at);
        if (at < len) buf_append(out, text + at, len - at);
        frag_list_free(&fl);
        return 1;
    }

    Frag **best = xmalloc(fl.n * sizeof(Frag *));
    for (size_t i = 0; i < fl.n; i++) best[i] = &fl.v[i];
    sort_by_score(best, fl.n);
    size_t k = n_frags < fl.n ? n_frags : fl.n;
    sort_by_pos(best, k);
    Buf snip;
    buf_init(&snip);
    for (size_t i = 0; i < k; i++) {
        const Frag *f = best[i];
        long long lo = i > 0 ? (long long)(best[i - 1]->start + best[i - 1]->len) : 0;
        long long hi = i + 1 < k ? (long long)best[i + 1]->start : (long long)len - 1;
        size_t b_off, b_len, a_off, a_len;
        find_context(text, f, lo, hi, ctx_words, &b_off, &b_len, &a_off, &a_len);
        buf_clear(&snip);
        buf_append(&snip, text + b_off, b_len);
        write_frag(text, f, opt->open_tag, opt->close_tag, &snip, NULL);
        if (a_len) buf_append(&snip, text + a_off, a_len);
        size_t sl = strip_spaces(snip.p + snip.off, buf_live(&snip));
        buf_append(out, buf_data(&snip), sl);
        buf_append_cstr(out, sep);
    }
    buf_free(&snip);
    xfree(best);
    frag_list_free(&fl);
    return 1;
}
