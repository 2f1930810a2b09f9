/*
 * ftquery.c - the query language (see ftquery.h): lexer, parser, parameter
 * substitution, stem expansion and the EXPLAIN printer.
 *
 * RediSearch generates its parser with Lemon (an LALR(1) generator) and
 * resolves its many shift/reduce conflicts with token precedences; the
 * grouping of a query such as "-a b|c" or "@f:x 12 y" follows from those
 * precedences, and they differ between dialect 1 and dialects 2-4. Rather
 * than shipping a generated table we parse by precedence climbing with the
 * same precedence numbers: a construct keeps absorbing what follows it
 * only while the next token binds tighter than the construct's own rule
 * (Lemon's "shift if the token's precedence is higher"). The token
 * precedence tables below are RediSearch's, in its order.
 *
 * The lexer first cuts the whole query into tokens the way RediSearch's
 * Ragel scanner does (longest match; on a tie the pattern listed first
 * wins; any other punctuation, whitespace and control bytes are skipped).
 * Like RediSearch's, a punctuation token does not carry its own text: an
 * error reported at it says "near" the text of the last token that had one
 * ("Syntax error at offset 6 near hello"), which is what users see.
 *
 * Errors: the first error wins (as QueryError does); a function that fails
 * sets p->failed, frees what it built and returns NULL. NULL without a
 * failure is a legitimate "nothing" (a stop word), dropped by AND/OR.
 */
#include "types/ftquery.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "types/ftphonetic.h"
#include "types/fttext.h"

/* ---- tokens ---- */

typedef enum Tk {
    TK_EOF = 0,
    TK_TERM,
    TK_NUMBER,
    TK_SIZE,
    TK_STOPWORD, /* dialect 1 only */
    TK_MODIFIER,
    TK_ATTRIBUTE,
    TK_ARROW,
    TK_QUOTE,
    TK_OR,
    TK_LP,
    TK_RP,
    TK_LB,
    TK_RB,
    TK_COLON,
    TK_SEMICOLON,
    TK_MINUS,
    TK_TILDE,
    TK_STAR,
    TK_PERCENT,
    TK_LSQB,
    TK_RSQB,
    TK_PREFIX,
    TK_SUFFIX,
    TK_CONTAINS,
    TK_VERBATIM,
    TK_WILDCARD,
    TK_ISEMPTY,
    TK_ISMISSING,
    TK_EQUAL, /* == */
    TK_NOT_EQUAL,
    TK_GT,
    TK_GE,
    TK_LT,
    TK_LE,
} Tk;

typedef struct Token {
    Tk type;
    size_t pos;    /* offset in the query */
    const char *s; /* the token's text (for terms: the term) */
    size_t len;
    const char *ns; /* the text an error "near" this token shows */
    size_t nlen;
    double num;   /* NUMBER/SIZE */
    int is_param; /* PREFIX/SUFFIX/CONTAINS/WILDCARD of a $param */
    int is_as;    /* a TERM that is the word "as" */
} Token;

typedef struct P {
    const FtqOptions *opt;
    int v2; /* dialects 2-4 */
    const char *q;
    size_t qlen;
    Token *toks;
    size_t n, i;
    FtqError *err;
    int failed;
    int depth; /* nested constructs being parsed (RediSearch's parser stack) */
} P;

/* Lemon's parser stack: 256 entries in dialects 2-4, its default 100 in
 * dialect 1. Nesting deeper fails as RediSearch fails, and keeps our
 * recursion bounded. */
#define MAX_DEPTH_V2 256
#define MAX_DEPTH_V1 100

static void fail(P *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(P *p, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
}

static void syntax_error(P *p, const Token *t) {
    fail(p, "Syntax error at offset %zu near %.*s", t->pos, (int)t->nlen, t->ns ? t->ns : "");
}

/* ---- lexer ---- */

static int is_punct(unsigned char c) {
    return c < 0x80 && ispunct(c);
}
static int is_space(unsigned char c) {
    return c < 0x80 && isspace(c);
}
static int is_cntrl(unsigned char c) {
    return c < 0x80 && iscntrl(c);
}

/* term = ((any - (punct | cntrl | space | escape)) | escape (punct | space | escape) | '_')+ */
static size_t m_term(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (i + 1 < n &&
                (is_punct((unsigned char)s[i + 1]) || is_space((unsigned char)s[i + 1])))
                i += 2;
            else
                break;
        } else if (c == '_' || (!is_punct(c) && !is_cntrl(c) && !is_space(c))) {
            i++;
        } else {
            break;
        }
    }
    return i;
}

static size_t m_digits(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    return i;
}

/* number = '-'? digit+ ('.' digit+)? (('E'|'e') '-'? digit+)? (longest) */
static size_t m_number(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    size_t d = m_digits(s + i, n - i);
    if (!d) return 0;
    i += d;
    if (i + 1 < n && s[i] == '.') {
        size_t f = m_digits(s + i + 1, n - i - 1);
        if (f) i += 1 + f;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && s[j] == '-') j++;
        size_t e = m_digits(s + j, n - j);
        if (e) i = j + e;
    }
    return i;
}

static size_t m_inf(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i + 3 <= n && !strncasecmp(s + i, "inf", 3)) return i + 3;
    return 0;
}

static size_t m_word_ci(const char *s, size_t n, const char *w) {
    size_t l = strlen(w);
    return l <= n && !strncasecmp(s, w, l) ? l : 0;
}

/* '$' term */
static size_t m_attr(const char *s, size_t n) {
    if (n < 2 || s[0] != '$') return 0;
    size_t t = m_term(s + 1, n - 1);
    return t ? t + 1 : 0;
}

/* The longest "core" (term, number, or $attr when allowed) at s. */
static size_t m_core(const char *s, size_t n, int allow_attr) {
    size_t a = m_term(s, n), b = m_number(s, n), c = allow_attr ? m_attr(s, n) : 0;
    size_t best = a > b ? a : b;
    return best > c ? best : c;
}

/* Longest match among the alternatives "core '*'": we need every core
 * length followed by a star, so try each alternative. */
static size_t m_core_star(const char *s, size_t n, int allow_attr) {
    size_t best = 0, l;
    if ((l = m_term(s, n)) && l < n && s[l] == '*' && l + 1 > best) best = l + 1;
    if ((l = m_number(s, n)) && l < n && s[l] == '*' && l + 1 > best) best = l + 1;
    if (allow_attr && (l = m_attr(s, n)) && l < n && s[l] == '*' && l + 1 > best) best = l + 1;
    return best;
}

/* verbatim = "'" ((any - "'" - '\\') | '\\' any)+ "'" */
static size_t m_verbatim(const char *s, size_t n) {
    if (n < 3 || s[0] != '\'') return 0;
    size_t i = 1;
    while (i < n && s[i] != '\'') {
        if (s[i] == '\\') {
            if (i + 1 >= n) return 0;
            i += 2;
        } else {
            i++;
        }
    }
    if (i >= n || i == 1) return 0;
    return i + 1;
}

static void push(P *p, Token t, size_t *cap) {
    if (p->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        p->toks = xrealloc(p->toks, *cap * sizeof(Token));
    }
    p->toks[p->n++] = t;
}

/* Cuts the query into tokens; never fails (unknown bytes are skipped). */
static void lex(P *p) {
    const char *q = p->q;
    size_t n = p->qlen, i = 0, cap = 0;
    const char *last_s = NULL;
    size_t last_len = 0, last_pos = 0;
    int v2 = p->v2;
    while (i < n) {
        const char *s = q + i;
        size_t rem = n - i;
        unsigned char c = (unsigned char)*s;
        /* Candidates in RediSearch's listing order; the longest wins, the
         * first listed on a tie. */
        Tk best = TK_EOF;
        size_t blen = 0;
#define CAND(tk, len_expr)                                                                         \
    do {                                                                                           \
        size_t l_ = (len_expr);                                                                    \
        if (l_ > blen) {                                                                           \
            blen = l_;                                                                             \
            best = (tk);                                                                           \
        }                                                                                          \
    } while (0)
        int is_as = 0, is_param = 0;
        if (v2) CAND(TK_SIZE, m_digits(s, rem));
        CAND(TK_NUMBER, m_number(s, rem));
        if (c == '@') {
            size_t t = m_term(s + 1, rem - 1);
            CAND(TK_MODIFIER, t ? t + 1 : 0);
        }
        CAND(TK_ATTRIBUTE, m_attr(s, rem));
        CAND(TK_ARROW, (rem >= 2 && s[0] == '=' && s[1] == '>') ? 2 : 0);
        size_t as_len = v2 ? m_word_ci(s, rem, "as") : 0;
        CAND(TK_TERM, as_len);
        if (best == TK_TERM && as_len) is_as = 1;
        CAND(TK_NUMBER, m_inf(s, rem));
        int is_empty = 0;
        if (v2 && rem >= 2 && (c == '"' || c == '\'') && s[1] == (char)c) {
            /* "" and '' are the empty string (INDEXEMPTY fields) */
            CAND(TK_TERM, 2);
            is_empty = 1;
        }
        switch (c) {
        case '"':
            CAND(TK_QUOTE, 1);
            break;
        case '|':
            CAND(TK_OR, 1);
            break;
        case '(':
            CAND(TK_LP, 1);
            break;
        case ')':
            CAND(TK_RP, 1);
            break;
        case '{':
            CAND(TK_LB, 1);
            break;
        case '}':
            CAND(TK_RB, 1);
            break;
        case ':':
            CAND(TK_COLON, 1);
            break;
        case ';':
            CAND(TK_SEMICOLON, 1);
            break;
        case '-':
            CAND(TK_MINUS, 1);
            break;
        case '~':
            CAND(TK_TILDE, 1);
            break;
        case '*':
            CAND(TK_STAR, 1);
            break;
        case '%':
            CAND(TK_PERCENT, 1);
            break;
        case '[':
            CAND(TK_LSQB, 1);
            break;
        case ']':
            CAND(TK_RSQB, 1);
            break;
        default:
            break;
        }
        if (v2) {
            if (c == '=' && rem >= 2 && s[1] == '=') CAND(TK_EQUAL, 2);
            if (c == '!' && rem >= 2 && s[1] == '=') CAND(TK_NOT_EQUAL, 2);
            if (c == '>')
                CAND(rem >= 2 && s[1] == '=' ? TK_GE : TK_GT, rem >= 2 && s[1] == '=' ? 2 : 1);
            if (c == '<')
                CAND(rem >= 2 && s[1] == '=' ? TK_LE : TK_LT, rem >= 2 && s[1] == '=' ? 2 : 1);
            CAND(TK_ISEMPTY, m_word_ci(s, rem, "isempty"));
            CAND(TK_ISMISSING, m_word_ci(s, rem, "ismissing"));
        }
        {
            size_t t = m_term(s, rem);
            if (t > blen) is_as = 0;
            CAND(TK_TERM, t);
        }
        CAND(TK_PREFIX, m_core_star(s, rem, v2));
        if (c == '*' && rem > 1) {
            size_t core = m_core(s + 1, rem - 1, v2);
            CAND(TK_SUFFIX, core ? core + 1 : 0);
            size_t cs = m_core_star(s + 1, rem - 1, v2);
            CAND(TK_CONTAINS, cs ? cs + 1 : 0);
        }
        if (v2) {
            CAND(TK_VERBATIM, m_verbatim(s, rem));
            if (c == 'w') {
                size_t vb = m_verbatim(s + 1, rem - 1);
                CAND(TK_WILDCARD, vb ? vb + 1 : 0);
            }
        }
#undef CAND
        if (best == TK_EOF) { /* space, other punctuation, control: skipped */
            i++;
            continue;
        }
        Token t = {.type = best, .pos = i, .s = last_s, .len = 0};
        t.is_as = is_as;
        switch (best) {
        case TK_TERM:
        case TK_NUMBER:
        case TK_SIZE:
            t.s = s;
            t.len = blen;
            if (best == TK_TERM && is_empty && blen == 2) {
                t.s = s + 1;
                t.len = 0;
            }
            if (best == TK_NUMBER || best == TK_SIZE) {
                if (blen && (s[blen - 1] == 'f') && m_inf(s, blen) == blen)
                    t.num = s[0] == '-' ? -INFINITY : INFINITY;
                else
                    t.num = strtod(s, NULL);
            }
            if (!v2 && best == TK_TERM) {
                char low[64];
                if (blen < sizeof(low)) {
                    size_t ll = ftt_lower(s, blen, low, sizeof(low));
                    if (ll < sizeof(low) && ftt_is_stopword(p->opt->stopwords, low, ll))
                        t.type = TK_STOPWORD;
                }
            }
            break;
        case TK_ISEMPTY:
        case TK_ISMISSING:
            t.s = s;
            t.len = blen;
            break;
        case TK_MODIFIER:
        case TK_ATTRIBUTE:
            t.s = s + 1;
            t.len = blen - 1;
            break;
        case TK_ARROW: /* RediSearch points at the '>' and shows two bytes */
            t.s = s + 1;
            t.len = blen;
            break;
        case TK_PREFIX:
            is_param = v2 && s[0] == '$';
            t.s = s + is_param;
            t.len = blen - 1 - (size_t)is_param;
            break;
        case TK_SUFFIX:
            is_param = s[1] == '$';
            t.s = s + 1 + is_param;
            t.len = blen - 1 - (size_t)is_param;
            break;
        case TK_CONTAINS:
            is_param = s[1] == '$';
            t.s = s + 1 + is_param;
            t.len = blen - 2 - (size_t)is_param;
            break;
        case TK_VERBATIM:
            is_param = s[1] == '$';
            t.s = s + 1 + is_param;
            t.len = blen - 2 - (size_t)is_param;
            break;
        case TK_WILDCARD:
            is_param = s[2] == '$';
            t.pos = i + 2;
            t.s = s + 2 + is_param;
            t.len = blen - 3 - (size_t)is_param;
            break;
        default: /* punctuation: keeps the previous token's text */
            t.s = last_s;
            t.len = last_len;
            break;
        }
        t.is_param = is_param;
        t.ns = t.s;
        t.nlen = t.len;
        if (t.s != last_s || t.len != last_len) {
            last_s = t.s;
            last_len = t.len;
        }
        last_pos = t.pos;
        Token out = t;
        push(p, out, &cap);
        i += blen;
    }
    Token eof = {.type = TK_EOF, .pos = last_pos, .s = last_s, .len = last_len};
    eof.ns = last_s;
    eof.nlen = last_len;
    push(p, eof, &cap);
}

static const Token *cur(P *p) {
    return &p->toks[p->i];
}
static const Token *peek(P *p, size_t k) {
    size_t j = p->i + k;
    return &p->toks[j < p->n ? j : p->n - 1];
}
static const Token *next(P *p) {
    const Token *t = &p->toks[p->i];
    if (p->i + 1 < p->n) p->i++;
    return t;
}

/* ---- precedences (RediSearch's %left declarations, lowest first) ---- */

enum {
    /* dialect 1 */
    V1_TILDE = 2,
    V1_QUOTE = 4,
    V1_COLON = 5,
    V1_MINUS = 6,
    V1_NUMBER = 7,
    V1_STOPWORD = 8,
    V1_TERM = 10,
    V1_PREFIX = 11,
    V1_PERCENT = 12,
    V1_ATTRIBUTE = 13,
    V1_LP = 14,
    V1_RP = 15,
    V1_MODIFIER = 16,
    V1_AND = 17,
    V1_OR = 18,
    V1_ARROW = 20,
    /* dialects 2-4 */
    V2_OR = 4,
    V2_ISEMPTY = 5,
    V2_MODIFIER = 6,
    V2_RP = 7,
    V2_TERM = 8,
    V2_QUOTE = 9,
    V2_LP = 10,
    V2_MINUS = 11,
    V2_AND = 12,
    V2_EQUAL = 13,
    V2_GT = 14,
    V2_ARROW = 15,
    V2_COLON = 16,
    V2_NUMBER = 17,
    V2_SIZE = 18,
    V2_STAR = 19,
    V2_PREFIX = 22,
    V2_PERCENT = 23,
    V2_ATTRIBUTE = 24,
    V2_WILDCARD = 25,
};

/* The token's precedence, 0 for none. */
static int prec(const P *p, Tk t) {
    if (!p->v2) {
        switch (t) {
        case TK_TILDE:
            return V1_TILDE;
        case TK_QUOTE:
            return V1_QUOTE;
        case TK_COLON:
            return V1_COLON;
        case TK_MINUS:
            return V1_MINUS;
        case TK_NUMBER:
            return V1_NUMBER;
        case TK_STOPWORD:
            return V1_STOPWORD;
        case TK_TERM:
            return V1_TERM;
        case TK_PREFIX:
        case TK_SUFFIX:
        case TK_CONTAINS:
            return V1_PREFIX;
        case TK_PERCENT:
            return V1_PERCENT;
        case TK_ATTRIBUTE:
            return V1_ATTRIBUTE;
        case TK_LP:
            return V1_LP;
        case TK_RP:
            return V1_RP;
        case TK_MODIFIER:
            return V1_MODIFIER;
        case TK_OR:
            return V1_OR;
        case TK_ARROW:
            return V1_ARROW;
        default:
            return 0;
        }
    }
    switch (t) {
    case TK_OR:
        return V2_OR;
    case TK_ISEMPTY:
    case TK_ISMISSING:
        return V2_ISEMPTY;
    case TK_MODIFIER:
        return V2_MODIFIER;
    case TK_RP:
    case TK_RB:
    case TK_RSQB:
        return V2_RP;
    case TK_TERM:
        return V2_TERM;
    case TK_QUOTE:
        return V2_QUOTE;
    case TK_LP:
    case TK_LB:
    case TK_LSQB:
        return V2_LP;
    case TK_TILDE:
    case TK_MINUS:
        return V2_MINUS;
    case TK_EQUAL:
    case TK_NOT_EQUAL:
        return V2_EQUAL;
    case TK_GT:
    case TK_GE:
    case TK_LT:
    case TK_LE:
        return V2_GT;
    case TK_ARROW:
        return V2_ARROW;
    case TK_COLON:
        return V2_COLON;
    case TK_NUMBER:
        return V2_NUMBER;
    case TK_SIZE:
        return V2_SIZE;
    case TK_STAR:
        return V2_STAR;
    case TK_PREFIX:
    case TK_SUFFIX:
    case TK_CONTAINS:
        return V2_PREFIX;
    case TK_PERCENT:
        return V2_PERCENT;
    case TK_ATTRIBUTE:
        return V2_ATTRIBUTE;
    case TK_VERBATIM:
    case TK_WILDCARD:
        return V2_WILDCARD;
    default:
        return 0;
    }
}

/* Whether t can begin an expression (and so continue an implicit AND). */
static int starts_expr(const P *p, Tk t) {
    switch (t) {
    case TK_TERM:
    case TK_NUMBER:
    case TK_QUOTE:
    case TK_LP:
    case TK_MINUS:
    case TK_TILDE:
    case TK_MODIFIER:
    case TK_PREFIX:
    case TK_SUFFIX:
    case TK_CONTAINS:
    case TK_PERCENT:
        return 1;
    case TK_STOPWORD:
        return !p->v2;
    case TK_SIZE:
    case TK_ATTRIBUTE:
    case TK_WILDCARD:
    case TK_VERBATIM:
    case TK_ISEMPTY:
    case TK_ISMISSING:
        return p->v2;
    default:
        return 0;
    }
}

/* ---- nodes ---- */

static FtqNode *node_new(FtqNodeType t) {
    FtqNode *n = xcalloc(1, sizeof(*n));
    n->type = t;
    n->field_mask = FTQ_FIELDMASK_ALL;
    n->weight = 1;
    n->slop = -1;
    return n;
}

static void add_child(FtqNode *n, FtqNode *c) {
    if (n->n_children == n->children_cap) {
        n->children_cap = n->children_cap ? n->children_cap * 2 : 2;
        n->children = xrealloc(n->children, n->children_cap * sizeof(FtqNode *));
    }
    n->children[n->n_children++] = c;
}

/* Frees n and everything under it. */
void ftq_free(FtqNode *n) {
    if (!n) return;
    for (size_t i = 0; i < n->n_children; i++) ftq_free(n->children[i]);
    xfree(n->children);
    xfree(n->str);
    xfree(n->field);
    xfree(n->unit);
    xfree(n->vec.blob);
    xfree(n->vec.blob_param);
    xfree(n->vec.score_field);
    for (size_t i = 0; i < n->vec.n_attrs; i++) {
        xfree(n->vec.attrs[i].name);
        xfree(n->vec.attrs[i].value);
    }
    xfree(n->vec.attrs);
    xfree(n);
}

size_t ftq_count(const FtqNode *n, FtqNodeType t) {
    if (!n) return 0;
    size_t c = n->type == t;
    for (size_t i = 0; i < n->n_children; i++) c += ftq_count(n->children[i], t);
    return c;
}

static char *dupn(const char *s, size_t len) {
    char *d = xmalloc(len + 1);
    if (len) memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Unescapes and lowercases (RediSearch's rm_normalize). */
static char *normalize(const char *s, size_t len, size_t *out_len) {
    char *tmp = dupn(s, len);
    size_t l = ftt_unescape(tmp, len);
    char *r = ftt_lower_dup(tmp, l, out_len);
    xfree(tmp);
    return r;
}

static void set_mask(FtqNode *n, FtqFieldMask m) {
    if (!n) return;
    n->field_mask &= m;
    for (size_t i = 0; i < n->n_children; i++) set_mask(n->children[i], m);
}

/* The AND of two operands (RediSearch's "expr expr" action). */
static FtqNode *make_and(FtqNode *a, FtqNode *b) {
    if (!a) return b;
    if (!b) return a;
    FtqNode *r;
    if (a->type == FTQ_PHRASE && !a->is_exact && a->field_mask == FTQ_FIELDMASK_ALL) {
        r = a;
    } else {
        r = node_new(FTQ_PHRASE);
        add_child(r, a);
    }
    add_child(r, b);
    return r;
}

static FtqNode *make_or(FtqNode *a, FtqNode *b) {
    if (!a) return b;
    if (!b) return a;
    FtqNode *r;
    if (a->type == FTQ_UNION && a->field_mask == FTQ_FIELDMASK_ALL) {
        r = a;
    } else {
        r = node_new(FTQ_UNION);
        add_child(r, a);
    }
    add_child(r, b);
    return r;
}

static FtqNode *wrap(FtqNodeType t, FtqNode *inner) {
    if (!inner) return NULL;
    FtqNode *n = node_new(t);
    add_child(n, inner);
    return n;
}

/* ---- parameters ---- */

static const FtqParam *param_get(P *p, const char *name, size_t len) {
    for (size_t i = 0; i < p->opt->n_params; i++) {
        const FtqParam *pr = &p->opt->params[i];
        if (pr->name_len == len && !memcmp(pr->name, name, len)) return pr;
    }
    fail(p, "No such parameter `%.*s`", (int)len, name);
    return NULL;
}

/* Parses a whole string as a double (RediSearch's ParseDouble). */
static int parse_double(const char *s, size_t len, double *out) {
    char buf[128];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!strcasecmp(buf, "inf") || !strcasecmp(buf, "+inf")) {
        *out = INFINITY;
        return 1;
    }
    if (!strcasecmp(buf, "-inf")) {
        *out = -INFINITY;
        return 1;
    }
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || errno == ERANGE || isnan(d)) return 0;
    *out = d;
    return 1;
}

static int parse_ll(const char *s, size_t len, long long *out) {
    char buf[64];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

/* A number in a range or a filter: a literal, or a $param (whose value
 * may start with '(' for an exclusive bound when allow_excl). */
typedef struct Num {
    double v;
    int inclusive;
} Num;

static int param_number(P *p, const Token *t, int allow_excl, Num *out) {
    const FtqParam *pr = param_get(p, t->s, t->len);
    if (!pr) return 0;
    const char *v = pr->value;
    size_t vl = pr->value_len;
    out->inclusive = 1;
    if (allow_excl && vl && v[0] == '(') {
        out->inclusive = 0;
        v++;
        vl--;
    }
    if (vl == 0) { /* RediSearch reads an empty parameter as 0 */
        out->v = 0;
        return 1;
    }
    if (!parse_double(v, vl, &out->v)) {
        fail(p, "Invalid numeric value (%.*s) for parameter `%.*s`", (int)pr->value_len, pr->value,
             (int)t->len, t->s);
        return 0;
    }
    return 1;
}

/* num ::= NUMBER | SIZE | MINUS num | LP num (exclusive); param_num also
 * takes $param (and "(" $param in dialect 2). Returns 0 on a syntax error. */
static int parse_num(P *p, Num *out) {
    int neg = 0, excl = 0;
    for (;;) {
        const Token *t = cur(p);
        if (t->type == TK_MINUS) {
            neg = !neg;
            next(p);
        } else if (t->type == TK_LP) {
            excl = 1;
            next(p);
        } else {
            break;
        }
    }
    const Token *t = cur(p);
    if (t->type == TK_NUMBER || (p->v2 && t->type == TK_SIZE)) {
        next(p);
        out->v = neg ? -t->num : t->num;
        out->inclusive = !excl;
        return 1;
    }
    if (p->v2 && t->type == TK_TERM) {
        fail(p, "Expecting numeric or parameter at offset %zu near %.*s", t->pos, (int)t->len,
             t->s);
        return 0;
    }
    if (p->v2 && t->type == TK_ATTRIBUTE) {
        next(p);
        if (!param_number(p, t, 1, out)) return 0;
        if (neg) out->v = -out->v;
        if (excl) out->inclusive = 0;
        return 1;
    }
    syntax_error(p, t);
    return 0;
}

/* ---- schema ---- */

static int field_lookup(P *p, const char *name, size_t len, FtqFieldInfo *fi) {
    memset(fi, 0, sizeof(*fi));
    if (!p->opt->schema || !p->opt->schema->field) return 0;
    return p->opt->schema->field(p->opt->schema->ctx, name, len, fi);
}

/* The text-field bit of a field name (0 for unknown or non-TEXT). */
static FtqFieldMask field_bit(P *p, const char *name, size_t len) {
    FtqFieldInfo fi;
    if (!field_lookup(p, name, len, &fi)) return 0;
    return (fi.types & FTQ_FIELD_TEXT) ? fi.text_bit : 0;
}

/* The modifier's field name, unescaped; owned. */
static char *mod_name(const Token *t, size_t *len) {
    char *s = dupn(t->s, t->len);
    *len = ftt_unescape(s, t->len);
    s[*len] = '\0';
    return s;
}

/* ---- the grammar ---- */

static FtqNode *parse_expr(P *p, int P_prec);

/* A term token (TERM/NUMBER/SIZE) or a $param as a text term. */
static FtqNode *token_node(P *p, const Token *t) {
    FtqNode *n = node_new(FTQ_TOKEN);
    if (t->type == TK_ATTRIBUTE) {
        const FtqParam *pr = param_get(p, t->s, t->len);
        if (!pr) {
            ftq_free(n);
            return NULL;
        }
        n->str = normalize(pr->value, pr->value_len, &n->len);
        double d;
        if (parse_double(pr->value, pr->value_len, &d)) n->is_verbatim = 1;
    } else if (p->v2 && (t->type == TK_NUMBER || t->type == TK_SIZE)) {
        /* numbers are kept as written and not expanded */
        n->str = dupn(t->s, t->len);
        n->len = t->len;
        n->is_verbatim = 1;
    } else {
        n->str = normalize(t->s, t->len, &n->len);
    }
    return n;
}

static int is_stopword_tok(P *p, const Token *t) {
    if (t->type != TK_TERM && t->type != TK_STOPWORD && t->type != TK_NUMBER && t->type != TK_SIZE)
        return 0;
    if (t->type == TK_STOPWORD) return 1;
    size_t l;
    char *low = ftt_lower_dup(t->s, t->len, &l);
    int r = ftt_is_stopword(p->opt->stopwords, low, l);
    xfree(low);
    return r;
}

/* isempty/ismissing are words wherever a function cannot start (Lemon's
 * %fallback to TERM). */
static int is_param_term(const P *p, Tk t) {
    return t == TK_TERM || t == TK_NUMBER ||
           (p->v2 && (t == TK_SIZE || t == TK_ATTRIBUTE || t == TK_ISEMPTY || t == TK_ISMISSING));
}

/* An affix token as a node: the fixed part unescaped, case kept. */
static FtqNode *affix_node(P *p, const Token *t) {
    FtqNode *n = node_new(FTQ_PREFIX);
    n->is_prefix = t->type == TK_PREFIX || t->type == TK_CONTAINS;
    n->is_suffix = t->type == TK_SUFFIX || t->type == TK_CONTAINS;
    if (t->is_param) {
        const FtqParam *pr = param_get(p, t->s, t->len);
        if (!pr) {
            ftq_free(n);
            return NULL;
        }
        n->str = dupn(pr->value, pr->value_len);
        n->len = pr->value_len;
    } else {
        n->str = dupn(t->s, t->len);
        n->len = ftt_unescape(n->str, t->len);
        n->str[n->len] = '\0';
    }
    return n;
}

static FtqNode *wildcard_node(P *p, const Token *t) {
    FtqNode *n = node_new(FTQ_WILDCARD_PATTERN);
    if (t->is_param) {
        const FtqParam *pr = param_get(p, t->s, t->len);
        if (!pr) {
            ftq_free(n);
            return NULL;
        }
        n->str = dupn(pr->value, pr->value_len);
        n->len = pr->value_len;
    } else {
        n->str = dupn(t->s, t->len);
        n->len = t->len;
    }
    return n;
}

/* "..." : QUOTE termlist QUOTE | QUOTE term QUOTE | QUOTE ATTRIBUTE QUOTE */
static FtqNode *parse_quote(P *p) {
    next(p); /* the opening quote */
    const Token *a = cur(p);
    int ok_first =
        p->v2 ? (is_param_term(p, a->type)) : (a->type == TK_TERM || a->type == TK_NUMBER);
    if (!ok_first) {
        syntax_error(p, a);
        return NULL;
    }
    next(p);
    if (cur(p)->type == TK_QUOTE) {
        next(p);
        FtqNode *n = node_new(FTQ_TOKEN);
        if (a->type == TK_ATTRIBUTE) { /* kept as the literal "$name" */
            char *tmp = xmalloc(a->len + 2);
            tmp[0] = '$';
            memcpy(tmp + 1, a->s, a->len);
            n->str = normalize(tmp, a->len + 1, &n->len);
            xfree(tmp);
        } else {
            n->str = normalize(a->s, a->len, &n->len);
        }
        n->is_verbatim = 1;
        return n;
    }
    /* a term list: the first two are kept even if stop words */
    FtqNode *ph = node_new(FTQ_PHRASE);
    FtqNode *first = token_node(p, a);
    if (!first) {
        ftq_free(ph);
        return NULL;
    }
    add_child(ph, first);
    size_t k = 1;
    for (;;) {
        const Token *t = cur(p);
        if (t->type == TK_QUOTE) break;
        int ok = p->v2 ? is_param_term(p, t->type)
                       : (t->type == TK_TERM || t->type == TK_NUMBER ||
                          (k >= 1 && t->type == TK_STOPWORD));
        if (!ok) {
            syntax_error(p, t);
            ftq_free(ph);
            return NULL;
        }
        next(p);
        if (t->type == TK_STOPWORD) continue;
        if (k >= 2 || !p->v2) {
            if (t->type != TK_ATTRIBUTE && is_stopword_tok(p, t)) {
                k++;
                continue;
            }
        }
        FtqNode *c = token_node(p, t);
        if (!c) {
            ftq_free(ph);
            return NULL;
        }
        add_child(ph, c);
        k++;
    }
    next(p); /* closing quote */
    ph->is_exact = 1;
    ph->is_verbatim = 1;
    return ph;
}

/* %term% up to three percent signs on each side. */
static FtqNode *parse_fuzzy(P *p) {
    int d = 0;
    while (cur(p)->type == TK_PERCENT && d < 3) {
        next(p);
        d++;
    }
    const Token *t = cur(p);
    int ok = p->v2 ? is_param_term(p, t->type)
                   : (t->type == TK_TERM || t->type == TK_NUMBER || t->type == TK_STOPWORD);
    if (!ok) {
        syntax_error(p, t);
        return NULL;
    }
    next(p);
    for (int i = 0; i < d; i++) {
        if (cur(p)->type != TK_PERCENT) {
            syntax_error(p, cur(p));
            return NULL;
        }
        next(p);
    }
    FtqNode *n = node_new(FTQ_FUZZY);
    n->max_dist = d;
    if (t->type == TK_ATTRIBUTE) {
        const FtqParam *pr = param_get(p, t->s, t->len);
        if (!pr) {
            ftq_free(n);
            return NULL;
        }
        n->str = normalize(pr->value, pr->value_len, &n->len);
    } else {
        n->str = normalize(t->s, t->len, &n->len);
    }
    return n;
}

/* A tag value list after "{": items separated by '|', then "}". */
static FtqNode *parse_tag_list(P *p, const char *field) {
    next(p); /* { */
    FtqNode *tag = node_new(FTQ_TAG);
    tag->field = xstrdup(field);
    int first = 1;
    for (;;) {
        const Token *t = cur(p);
        FtqNode *item = NULL;
        if (t->type == TK_PREFIX || t->type == TK_SUFFIX || t->type == TK_CONTAINS) {
            next(p);
            item = affix_node(p, t);
        } else if (p->v2 && t->type == TK_WILDCARD) {
            next(p);
            item = wildcard_node(p, t);
        } else if (is_param_term(p, t->type) || (!p->v2 && t->type == TK_STOPWORD)) {
            next(p);
            const Token *u = cur(p);
            int more =
                p->v2 ? is_param_term(p, u->type) : (u->type == TK_TERM || u->type == TK_NUMBER);
            if (!p->v2 && t->type == TK_STOPWORD) more = 0;
            if (!more) { /* one whole value, case kept */
                item = node_new(FTQ_TOKEN);
                if (t->type == TK_ATTRIBUTE) {
                    const FtqParam *pr = param_get(p, t->s, t->len);
                    if (pr) {
                        item->str = dupn(pr->value, pr->value_len);
                        item->len = pr->value_len;
                    } else {
                        ftq_free(item);
                        item = NULL;
                    }
                } else {
                    item->str = dupn(t->s, t->len);
                    item->len = t->len;
                }
            } else { /* several words: a term list of normalized tokens */
                item = node_new(FTQ_PHRASE);
                FtqNode *c = token_node(p, t);
                if (c) add_child(item, c);
                size_t k = 1;
                for (;;) {
                    const Token *w = cur(p);
                    int ok = p->v2 ? is_param_term(p, w->type)
                                   : (w->type == TK_TERM || w->type == TK_NUMBER ||
                                      w->type == TK_STOPWORD);
                    if (!ok || p->failed) break;
                    next(p);
                    if (w->type == TK_STOPWORD) continue;
                    if (k >= 2 || !p->v2) {
                        if (w->type != TK_ATTRIBUTE && is_stopword_tok(p, w)) {
                            k++;
                            continue;
                        }
                    }
                    c = token_node(p, w);
                    if (c) add_child(item, c);
                    k++;
                }
            }
        } else {
            syntax_error(p, t);
        }
        if (p->failed) {
            ftq_free(item);
            ftq_free(tag);
            return NULL;
        }
        if (item) add_child(tag, item);
        first = 0;
        const Token *sep = cur(p);
        if (sep->type == TK_OR) {
            next(p);
            continue;
        }
        if (sep->type == TK_RB) {
            next(p);
            break;
        }
        syntax_error(p, sep);
        ftq_free(tag);
        return NULL;
    }
    (void)first;
    return tag;
}

/* The attribute list after "=>{" ... "}" applied to n. */
typedef struct Attr {
    const char *name;
    size_t name_len;
    char *value;
    size_t value_len;
} Attr;

static int streq_ci(const char *a, size_t alen, const char *b) {
    return alen == strlen(b) && !strncasecmp(a, b, alen);
}

static int parse_bool(const char *v, size_t l, int *out) {
    if (streq_ci(v, l, "true") || (l == 1 && v[0] == '1')) {
        *out = 1;
        return 1;
    }
    if (streq_ci(v, l, "false") || (l == 1 && v[0] == '0')) {
        *out = 0;
        return 1;
    }
    return 0;
}

static void vec_add_attr(FtqNode *n, const char *name, size_t nl, const char *v, size_t vl) {
    FtqVector *vq = &n->vec;
    vq->attrs = xrealloc(vq->attrs, (vq->n_attrs + 1) * sizeof(FtqVecAttr));
    FtqVecAttr *a = &vq->attrs[vq->n_attrs++];
    a->name = dupn(name, nl);
    a->value = dupn(v, vl);
    a->value_len = vl;
}

static int apply_attr(P *p, FtqNode *n, const Attr *a) {
    if (a->value_len == 0) {
        fail(p, "Invalid value (%.*s) for `%.*s`", (int)a->value_len, a->value, (int)a->name_len,
             a->name);
        return 0;
    }
#define INVALID_VALUE()                                                                            \
    do {                                                                                           \
        fail(p, "Invalid value (%.*s) for `%.*s`", (int)a->value_len, a->value, (int)a->name_len,  \
             a->name);                                                                             \
        return 0;                                                                                  \
    } while (0)
    if (streq_ci(a->name, a->name_len, "slop")) {
        long long v;
        if (!parse_ll(a->value, a->value_len, &v) || v < -1 || v > 0x7fffffff) INVALID_VALUE();
        n->slop = (int)v;
        return 1;
    }
    if (streq_ci(a->name, a->name_len, "inorder")) {
        int b;
        if (!parse_bool(a->value, a->value_len, &b)) INVALID_VALUE();
        n->inorder = b;
        n->has_inorder = 1;
        return 1;
    }
    if (streq_ci(a->name, a->name_len, "weight")) {
        double d;
        if (!parse_double(a->value, a->value_len, &d) || d < 0) INVALID_VALUE();
        n->weight = d;
        return 1;
    }
    if (streq_ci(a->name, a->name_len, "phonetic")) {
        int b;
        if (!parse_bool(a->value, a->value_len, &b)) INVALID_VALUE();
        n->phonetic = b ? FTQ_PHONETIC_ENABLED : FTQ_PHONETIC_DISABLED;
        return 1;
    }
#undef INVALID_VALUE
    if (n->type == FTQ_VECTOR) {
        if (streq_ci(a->name, a->name_len, "yield_distance_as")) {
            /* "AS name" and $YIELD_DISTANCE_AS may both be given only
             * if they agree; the default __<field>_score yields. */
            if (n->vec.has_explicit_score_field && n->vec.score_field &&
                strcasecmp(n->vec.score_field, a->value) != 0) {
                fail(p, "Distance field was specified twice for vector query: %s and %s",
                     n->vec.score_field, a->value);
                return 0;
            }
            xfree(n->vec.score_field);
            n->vec.score_field = dupn(a->value, a->value_len);
            n->vec.has_explicit_score_field = 1;
            return 1;
        }
        if (streq_ci(a->name, a->name_len, "ef_runtime") ||
            streq_ci(a->name, a->name_len, "epsilon") ||
            streq_ci(a->name, a->name_len, "hybrid_policy") ||
            streq_ci(a->name, a->name_len, "batch_size") ||
            streq_ci(a->name, a->name_len, "shard_k_ratio")) {
            vec_add_attr(n, a->name, a->name_len, a->value, a->value_len);
            return 1;
        }
    }
    fail(p, "Invalid attribute %.*s", (int)a->name_len, a->name);
    return 0;
}

/* After "=>": "{" attribute (";" attribute)* ";"* "}" ; applies to n (may
 * be NULL: then only parsed). */
static int parse_attrs(P *p, FtqNode *n) {
    next(p); /* { */
    Attr attrs[32];
    size_t na = 0;
    int ok = 1;
    for (;;) {
        const Token *t = cur(p);
        if (t->type == TK_RB) {
            next(p);
            break;
        }
        if (t->type == TK_SEMICOLON && na > 0) {
            next(p);
            continue;
        }
        if (t->type != TK_ATTRIBUTE) {
            syntax_error(p, t);
            ok = 0;
            break;
        }
        next(p);
        if (cur(p)->type != TK_COLON) {
            syntax_error(p, cur(p));
            ok = 0;
            break;
        }
        next(p);
        const Token *v = cur(p);
        int vok = p->v2 ? is_param_term(p, v->type) : (v->type == TK_TERM || v->type == TK_NUMBER);
        if (!vok) {
            syntax_error(p, v);
            ok = 0;
            break;
        }
        next(p);
        if (na == sizeof(attrs) / sizeof(attrs[0])) {
            fail(p, "Too many attributes");
            ok = 0;
            break;
        }
        Attr *a = &attrs[na];
        a->name = t->s;
        a->name_len = t->len;
        if (v->type == TK_ATTRIBUTE) {
            const FtqParam *pr = param_get(p, v->s, v->len);
            if (!pr) {
                ok = 0;
                break;
            }
            a->value = dupn(pr->value, pr->value_len);
            a->value_len = pr->value_len;
        } else {
            a->value = dupn(v->s, v->len);
            a->value_len = v->len;
        }
        na++;
        const Token *sep = cur(p);
        if (sep->type == TK_SEMICOLON) {
            next(p);
            continue;
        }
        if (sep->type == TK_RB) {
            next(p);
            break;
        }
        syntax_error(p, sep);
        ok = 0;
        break;
    }
    if (ok && n) {
        for (size_t i = 0; i < na && ok; i++) ok = apply_attr(p, n, &attrs[i]);
    }
    for (size_t i = 0; i < na; i++) xfree(attrs[i].value);
    return ok && !p->failed;
}

static FtqNode *numeric_node(const char *field, Num lo, Num hi) {
    FtqNode *n = node_new(FTQ_NUMERIC);
    n->field = xstrdup(field);
    n->min = lo.v;
    n->max = hi.v;
    n->min_inclusive = lo.inclusive;
    n->max_inclusive = hi.inclusive;
    return n;
}

static const char *geo_unit(const char *u, size_t l) {
    static const char *const units[] = {"km", "m", "ft", "mi"};
    for (size_t i = 0; i < 4; i++)
        if (streq_ci(u, l, units[i])) return units[i];
    return NULL;
}

/* Whether the field (known: fi) can be used; reports per dialect. Returns
 * 1 if it exists. */
static int field_known(P *p, const Token *mod, const char *name, size_t nl, FtqFieldInfo *fi) {
    if (!p->opt->schema) {
        memset(fi, 0, sizeof(*fi));
        return 1;
    }
    if (field_lookup(p, name, nl, fi)) return 1;
    if (p->v2) fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, name);
    return 0;
}

/* "[" after "@field:" : a numeric range, a geo radius, a geoshape
 * predicate or a vector range. */
static FtqNode *parse_brackets(P *p, const Token *mod, const char *name, size_t nl) {
    next(p); /* [ */
    const Token *t = cur(p);
    if (p->v2 && t->type == TK_TERM) { /* geoshape or vector range */
        next(p);
        if (cur(p)->type != TK_ATTRIBUTE &&
            (streq_ci(t->s, t->len, "WITHIN") || streq_ci(t->s, t->len, "CONTAINS") ||
             streq_ci(t->s, t->len, "INTERSECTS") || streq_ci(t->s, t->len, "DISJOINT"))) {
            /* a geoshape predicate takes its shape as a $parameter only */
            syntax_error(p, cur(p));
            return NULL;
        }
        if (streq_ci(t->s, t->len, "VECTOR_RANGE") || cur(p)->type != TK_ATTRIBUTE) {
            if (!streq_ci(t->s, t->len, "VECTOR_RANGE")) {
                /* "[word 1 $blob]" is a misspelt range command; "[word 1]"
                 * a numeric range with a word for a bound */
                size_t j = p->i;
                while (p->toks[j].type == TK_MINUS || p->toks[j].type == TK_LP ||
                       p->toks[j].type == TK_NUMBER || p->toks[j].type == TK_SIZE)
                    j++;
                if (p->toks[j].type != TK_ATTRIBUTE) {
                    fail(p, "Expecting numeric or parameter at offset %zu near %.*s", t->pos,
                         (int)t->len, t->s);
                    return NULL;
                }
                fail(p,
                     "Syntax error: expecting vector similarity range command at offset %zu near "
                     "%.*s",
                     t->pos, (int)t->len, t->s);
                return NULL;
            }
            Num r;
            if (!parse_num(p, &r)) return NULL;
            const Token *b = cur(p);
            if (b->type != TK_ATTRIBUTE) {
                syntax_error(p, b);
                return NULL;
            }
            next(p);
            if (cur(p)->type != TK_RSQB) {
                syntax_error(p, cur(p));
                return NULL;
            }
            next(p);
            FtqFieldInfo fi;
            if (!field_known(p, mod, name, nl, &fi)) return NULL;
            const FtqParam *pr = param_get(p, b->s, b->len);
            if (!pr) return NULL;
            FtqNode *n = node_new(FTQ_VECTOR);
            n->field = dupn(name, nl);
            n->vec.kind = FTQ_VEC_RANGE;
            n->vec.radius = r.v;
            n->vec.blob = dupn(pr->value, pr->value_len);
            n->vec.blob_len = pr->value_len;
            n->vec.blob_param = dupn(b->s, b->len);
            return n;
        }
        /* [PREDICATE $wkt] */
        const Token *w = next(p);
        if (cur(p)->type != TK_RSQB) {
            syntax_error(p, cur(p));
            return NULL;
        }
        next(p);
        static const struct {
            const char *name;
            FtqGeoPred pred;
        } preds[] = {{"WITHIN", FTQ_GEO_WITHIN},
                     {"CONTAINS", FTQ_GEO_CONTAINS},
                     {"DISJOINT", FTQ_GEO_DISJOINT},
                     {"INTERSECTS", FTQ_GEO_INTERSECTS}};
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (streq_ci(t->s, t->len, preds[i].name)) found = i;
        if (found < 0) {
            fail(p, "Syntax error: Expecting a geoshape predicate at offset %zu", w->pos);
            return NULL;
        }
        FtqFieldInfo fi;
        if (!field_known(p, mod, name, nl, &fi)) return NULL;
        const FtqParam *pr = param_get(p, w->s, w->len);
        if (!pr) return NULL;
        FtqNode *n = node_new(FTQ_GEOSHAPE);
        n->field = dupn(name, nl);
        n->geo_pred = preds[found].pred;
        n->str = dupn(pr->value, pr->value_len);
        n->len = pr->value_len;
        return n;
    }
    Num a, b;
    if (!parse_num(p, &a)) return NULL;
    if (p->v2 && cur(p)->type == TK_RSQB) { /* [x] */
        next(p);
        b = a;
        a.inclusive = b.inclusive = 1;
    } else {
        if (!parse_num(p, &b)) return NULL;
        if (cur(p)->type != TK_RSQB) { /* a geo filter: lon lat radius unit */
            Num r;
            if (!parse_num(p, &r)) return NULL;
            const Token *u = cur(p);
            int uok = p->v2 ? (u->type == TK_TERM || u->type == TK_NUMBER || u->type == TK_SIZE ||
                               u->type == TK_ATTRIBUTE)
                            : u->type == TK_TERM;
            if (!uok) {
                syntax_error(p, u);
                return NULL;
            }
            next(p);
            if (cur(p)->type != TK_RSQB) {
                syntax_error(p, cur(p));
                return NULL;
            }
            next(p);
            const char *us = u->s;
            size_t ul = u->len;
            if (u->type == TK_ATTRIBUTE) {
                const FtqParam *pr = param_get(p, u->s, u->len);
                if (!pr) return NULL;
                us = pr->value;
                ul = pr->value_len;
            }
            const char *unit = geo_unit(us, ul);
            if (!unit) {
                fail(p, "Invalid GeoFilter unit");
                return NULL;
            }
            if (b.v > 90 || b.v < -90 || a.v > 180 || a.v < -180) {
                fail(p, "Invalid GeoFilter lat/lon");
                return NULL;
            }
            if (r.v <= 0) {
                fail(p, "Invalid GeoFilter radius");
                return NULL;
            }
            FtqFieldInfo fi;
            if (!field_known(p, mod, name, nl, &fi)) return p->v2 ? NULL : NULL;
            FtqNode *n = node_new(FTQ_GEO);
            n->field = dupn(name, nl);
            n->lon = a.v;
            n->lat = b.v;
            n->radius = r.v;
            n->unit = xstrdup(unit);
            return n;
        }
        next(p); /* ] */
    }
    FtqFieldInfo fi;
    if (!field_known(p, mod, name, nl, &fi)) return NULL;
    char *f = dupn(name, nl);
    FtqNode *n = numeric_node(f, a, b);
    xfree(f);
    return n;
}

/* "@field" and what follows it. */
static FtqNode *parse_modifier(P *p) {
    const Token *mod = next(p);
    size_t nl;
    char *name = mod_name(mod, &nl);
    FtqNode *res = NULL;
    const Token *t = cur(p);
    FtqFieldInfo fi;

    if (t->type == TK_OR) { /* @a|b|c: ... */
        FtqFieldMask mask = field_bit(p, name, nl);
        int unknown = !p->opt->schema ? 0 : !field_lookup(p, name, nl, &fi);
        const Token *unk_tok = unknown ? mod : NULL;
        while (cur(p)->type == TK_OR) {
            next(p);
            const Token *f = cur(p);
            int ok = f->type == TK_TERM || f->type == TK_NUMBER || (p->v2 && f->type == TK_SIZE);
            if (!ok) {
                syntax_error(p, f);
                goto out;
            }
            next(p);
            mask |= field_bit(p, f->s, f->len);
            if (p->opt->schema && !unk_tok && !field_lookup(p, f->s, f->len, &fi)) unk_tok = f;
        }
        if (cur(p)->type != TK_COLON) {
            syntax_error(p, cur(p));
            goto out;
        }
        next(p);
        FtqNode *inner = parse_expr(p, p->v2 ? V2_COLON : V1_MODIFIER);
        if (p->failed) {
            ftq_free(inner);
            goto out;
        }
        if (p->v2 && unk_tok && inner) {
            if (unk_tok == mod)
                fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, name);
            else
                fail(p, "Unknown field at offset %zu near %.*s", unk_tok->pos, (int)unk_tok->len,
                     unk_tok->s);
            ftq_free(inner);
            goto out;
        }
        if (p->opt->schema) set_mask(inner, mask);
        res = inner;
        goto out;
    }

    if (t->type == TK_COLON) {
        next(p);
        const Token *u = cur(p);
        if (u->type == TK_LB) {
            FtqNode *tag = parse_tag_list(p, name);
            if (!tag) goto out;
            if (p->opt->schema && !field_lookup(p, name, nl, &fi)) {
                ftq_free(tag);
                if (p->v2)
                    fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, name);
                goto out;
            }
            if (tag->n_children == 0) { /* dialect 1: no values left */
                ftq_free(tag);
                goto out;
            }
            res = tag;
            goto out;
        }
        if (u->type == TK_LSQB) {
            res = parse_brackets(p, mod, name, nl);
            goto out;
        }
        FtqNode *inner = parse_expr(p, p->v2 ? V2_COLON : V1_MODIFIER);
        if (p->failed) {
            ftq_free(inner);
            goto out;
        }
        if (!inner) goto out;
        if (p->opt->schema) {
            if (!field_lookup(p, name, nl, &fi)) {
                if (p->v2) {
                    fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, name);
                    ftq_free(inner);
                    goto out;
                }
                set_mask(inner, 0);
            } else {
                set_mask(inner, (fi.types & FTQ_FIELD_TEXT) ? fi.text_bit : 0);
            }
        }
        res = inner;
        goto out;
    }

    if (p->v2 && (t->type == TK_EQUAL || t->type == TK_NOT_EQUAL || t->type == TK_GT ||
                  t->type == TK_GE || t->type == TK_LT || t->type == TK_LE)) {
        Tk op = t->type;
        next(p);
        if (op == TK_EQUAL) { /* "==" */
            /* the lexer gives one token for "=="; nothing more to take */
        }
        Num v;
        if (!parse_num(p, &v)) goto out;
        if (!field_known(p, mod, name, nl, &fi)) goto out;
        Num lo = {-INFINITY, 1}, hi = {INFINITY, 1};
        switch (op) {
        case TK_EQUAL:
        case TK_NOT_EQUAL:
            lo = hi = v;
            lo.inclusive = hi.inclusive = 1;
            break;
        case TK_GT:
            lo = v;
            lo.inclusive = 0;
            break;
        case TK_GE:
            lo = v;
            lo.inclusive = 1;
            break;
        case TK_LT:
            hi = v;
            hi.inclusive = 0;
            break;
        default:
            hi = v;
            hi.inclusive = 1;
            break;
        }
        res = numeric_node(name, lo, hi);
        if (op == TK_NOT_EQUAL) res = wrap(FTQ_NOT, res);
        goto out;
    }
    syntax_error(p, t);
out:
    xfree(name);
    return res;
}

/* isempty(@f) / ismissing(@f) */
static FtqNode *parse_is_func(P *p) {
    const Token *fn = next(p);
    if (cur(p)->type != TK_LP) {
        syntax_error(p, cur(p));
        return NULL;
    }
    next(p);
    const Token *mod = cur(p);
    if (mod->type != TK_MODIFIER) {
        syntax_error(p, mod);
        return NULL;
    }
    next(p);
    if (cur(p)->type != TK_RP) {
        syntax_error(p, cur(p));
        return NULL;
    }
    next(p);
    size_t nl;
    char *name = mod_name(mod, &nl);
    FtqFieldInfo fi;
    FtqNode *res = NULL;
    int known = field_lookup(p, name, nl, &fi);
    if (fn->type == TK_ISMISSING) {
        if (!known) {
            fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, name);
        } else if (!fi.index_missing) {
            fail(p, "`ISMISSING` applied to field `%.*s`, which does not index missing values",
                 (int)nl, name);
        } else {
            res = node_new(FTQ_MISSING);
            res->field = dupn(name, nl);
        }
    } else {
        if (!known) {
            fail(p, "Syntax error: Field not found at offset %zu near %.*s", mod->pos,
                 (int)mod->len, mod->s);
        } else if (fi.types & FTQ_FIELD_TAG) {
            res = node_new(FTQ_TAG);
            res->field = dupn(name, nl);
            FtqNode *e = node_new(FTQ_TOKEN);
            e->str = dupn("", 0);
            add_child(res, e);
        } else if (fi.types & FTQ_FIELD_TEXT) {
            res = node_new(FTQ_TOKEN);
            res->str = dupn("", 0);
            res->is_verbatim = 1;
            res->field_mask = fi.text_bit;
        } else {
            fail(p, "Syntax error: Unsupported field type for ISEMPTY at offset %zu near %.*s",
                 mod->pos, (int)mod->len, mod->s);
        }
    }
    xfree(name);
    return res;
}

/* One operand: a prefix operator with its operand, or a primary. */
static FtqNode *parse_unary(P *p) {
    const Token *t = cur(p);
    switch (t->type) {
    case TK_MINUS:
        next(p);
        return wrap(FTQ_NOT, parse_expr(p, p->v2 ? V2_MINUS : V1_MINUS));
    case TK_TILDE:
        next(p);
        return wrap(FTQ_OPTIONAL, parse_expr(p, p->v2 ? V2_MINUS : V1_TILDE));
    case TK_MODIFIER:
        return parse_modifier(p);
    case TK_LP: {
        next(p);
        FtqNode *inner = parse_expr(p, 0);
        if (p->failed) {
            ftq_free(inner);
            return NULL;
        }
        if (cur(p)->type != TK_RP) {
            syntax_error(p, cur(p));
            ftq_free(inner);
            return NULL;
        }
        next(p);
        return inner;
    }
    case TK_QUOTE:
        return parse_quote(p);
    case TK_PERCENT:
        return parse_fuzzy(p);
    case TK_PREFIX:
    case TK_SUFFIX:
    case TK_CONTAINS:
        next(p);
        return affix_node(p, t);
    case TK_WILDCARD:
        next(p);
        return wildcard_node(p, t);
    case TK_ISEMPTY:
    case TK_ISMISSING:
        return parse_is_func(p);
    case TK_STOPWORD:
        next(p);
        if (!p->v2) { /* a term list may continue past the stop word */
            FtqNode *acc = NULL;
            while (cur(p)->type == TK_TERM || cur(p)->type == TK_NUMBER ||
                   cur(p)->type == TK_STOPWORD) {
                const Token *w = next(p);
                if (w->type == TK_STOPWORD) continue;
                acc = make_and(acc, token_node(p, w));
            }
            return acc;
        }
        return NULL;
    case TK_TERM:
    case TK_NUMBER:
    case TK_SIZE:
    case TK_ATTRIBUTE: {
        next(p);
        if (!p->v2) {
            /* dialect 1: consecutive terms form one term list (a phrase
             * node) before anything else applies to them. */
            FtqNode *first = token_node(p, t);
            if (cur(p)->type != TK_TERM && cur(p)->type != TK_NUMBER && cur(p)->type != TK_STOPWORD)
                return first;
            FtqNode *ph = node_new(FTQ_PHRASE);
            add_child(ph, first);
            while (cur(p)->type == TK_TERM || cur(p)->type == TK_NUMBER ||
                   cur(p)->type == TK_STOPWORD) {
                const Token *w = next(p);
                if (w->type == TK_STOPWORD) continue;
                add_child(ph, token_node(p, w));
            }
            if (ph->n_children == 1) {
                FtqNode *only = ph->children[0];
                ph->n_children = 0;
                ftq_free(ph);
                return only;
            }
            return ph;
        }
        if (t->type == TK_TERM && is_stopword_tok(p, t)) return NULL;
        return token_node(p, t);
    }
    default:
        syntax_error(p, t);
        return NULL;
    }
}

/* Parses an expression inside a construct whose rule precedence is P:
 * operators that follow keep being absorbed only while they bind tighter
 * than P (see the file comment). */
static FtqNode *parse_expr_in(P *p, int P_prec);

static FtqNode *parse_expr(P *p, int P_prec) {
    if (++p->depth > (p->v2 ? MAX_DEPTH_V2 : MAX_DEPTH_V1)) {
        fail(p, "Parser stack overflow. Try moving nested parentheses more to the left");
        p->depth--;
        return NULL;
    }
    FtqNode *n = parse_expr_in(p, P_prec);
    p->depth--;
    return n;
}

static FtqNode *parse_expr_in(P *p, int P_prec) {
    FtqNode *left = parse_unary(p);
    if (p->failed) {
        ftq_free(left);
        return NULL;
    }
    for (;;) {
        const Token *t = cur(p);
        if (t->type == TK_OR) {
            if (!(prec(p, TK_OR) > P_prec)) break;
            next(p);
            FtqNode *right = parse_expr(p, prec(p, TK_OR));
            if (p->failed) {
                ftq_free(left);
                ftq_free(right);
                return NULL;
            }
            left = make_or(left, right);
            continue;
        }
        if (t->type == TK_ARROW) {
            if (peek(p, 1)->type != TK_LB) break; /* "=>[" belongs to the query */
            if (!(prec(p, TK_ARROW) > P_prec)) break;
            next(p);
            if (!parse_attrs(p, left)) {
                ftq_free(left);
                return NULL;
            }
            continue;
        }
        if (starts_expr(p, t->type)) {
            int pt = prec(p, t->type);
            int right_assoc = !p->v2 && t->type == TK_LP;
            if (pt && !(pt > P_prec || (pt == P_prec && right_assoc))) break;
            FtqNode *right = parse_expr(p, p->v2 ? V2_AND : V1_AND);
            if (p->failed) {
                ftq_free(left);
                ftq_free(right);
                return NULL;
            }
            left = make_and(left, right);
            continue;
        }
        break;
    }
    return left;
}

/* "KNN k @field $blob [NAME value]... [AS name]" inside "=>[" ... "]". */
static FtqNode *parse_knn(P *p) {
    const Token *cmd = cur(p);
    if (cmd->type != TK_TERM) {
        syntax_error(p, cmd);
        return NULL;
    }
    next(p);
    const Token *k = cur(p);
    if (k->type != TK_SIZE && k->type != TK_ATTRIBUTE) {
        syntax_error(p, k);
        return NULL;
    }
    next(p);
    const Token *mod = cur(p);
    if (mod->type != TK_MODIFIER) {
        syntax_error(p, mod);
        return NULL;
    }
    next(p);
    const Token *blob = cur(p);
    if (blob->type != TK_ATTRIBUTE) {
        syntax_error(p, blob);
        return NULL;
    }
    next(p);
    if (!streq_ci(cmd->s, cmd->len, "KNN")) {
        fail(p, "Syntax error: Expecting Vector Similarity command at offset %zu near %.*s",
             cmd->pos, (int)cmd->len, cmd->s);
        return NULL;
    }
    size_t nl;
    char *name = mod_name(mod, &nl);
    FtqNode *n = node_new(FTQ_VECTOR);
    n->field = name;
    n->vec.kind = FTQ_VEC_KNN;
    n->vec.blob_param = dupn(blob->s, blob->len);
    size_t sl = nl + 9;
    n->vec.score_field = xmalloc(sl);
    snprintf(n->vec.score_field, sl, "__%s_score", name);
    /* attributes: NAME value pairs, then AS name */
    for (;;) {
        const Token *a = cur(p);
        if (a->type == TK_TERM && a->is_as) {
            next(p);
            const Token *v = cur(p);
            if (!is_param_term(p, v->type)) {
                syntax_error(p, v);
                goto bad;
            }
            next(p);
            xfree(n->vec.score_field);
            if (v->type == TK_ATTRIBUTE) {
                const FtqParam *pr = param_get(p, v->s, v->len);
                if (!pr) goto bad;
                n->vec.score_field = dupn(pr->value, pr->value_len);
            } else {
                n->vec.score_field = dupn(v->s, v->len);
            }
            n->vec.has_explicit_score_field = 1;
            break;
        }
        if (a->type != TK_TERM) break;
        next(p);
        const Token *v = cur(p);
        if (!is_param_term(p, v->type)) {
            syntax_error(p, v);
            goto bad;
        }
        next(p);
        if (v->type == TK_ATTRIBUTE) {
            const FtqParam *pr = param_get(p, v->s, v->len);
            if (!pr) goto bad;
            vec_add_attr(n, a->s, a->len, pr->value, pr->value_len);
        } else {
            vec_add_attr(n, a->s, a->len, v->s, v->len);
        }
    }
    if (cur(p)->type != TK_RSQB) {
        syntax_error(p, cur(p));
        goto bad;
    }
    next(p);
    /* resolve k and the blob */
    if (k->type == TK_ATTRIBUTE) {
        const FtqParam *pr = param_get(p, k->s, k->len);
        if (!pr) goto bad;
        long long kv;
        if (!parse_ll(pr->value, pr->value_len, &kv) || kv < 0) {
            fail(p, "Invalid numeric value (%.*s) for parameter `%.*s`", (int)pr->value_len,
                 pr->value, (int)k->len, k->s);
            goto bad;
        }
        n->vec.k = (uint64_t)kv;
    } else {
        n->vec.k = (uint64_t)strtoull(k->s, NULL, 10);
    }
    {
        const FtqParam *pr = param_get(p, blob->s, blob->len);
        if (!pr) goto bad;
        n->vec.blob = dupn(pr->value, pr->value_len);
        n->vec.blob_len = pr->value_len;
    }
    {
        FtqFieldInfo fi;
        if (p->opt->schema && !field_lookup(p, n->field, strlen(n->field), &fi)) {
            fail(p, "Unknown field at offset %zu near %.*s", mod->pos, (int)nl, n->field);
            goto bad;
        }
    }
    return n;
bad:
    ftq_free(n);
    return NULL;
}

/* star ::= STAR | LP star RP: returns 1 and consumes it if the query starts
 * with one. */
static int try_star(P *p) {
    size_t j = p->i, depth = 0;
    while (p->toks[j].type == TK_LP) {
        depth++;
        j++;
    }
    if (p->toks[j].type != TK_STAR) return 0;
    j++;
    for (size_t d = 0; d < depth; d++, j++)
        if (p->toks[j].type != TK_RP) return 0;
    p->i = j;
    return 1;
}

/* ---- stem and synonym expansion ---- */

typedef struct Exp {
    P *p;
} Exp;

static int mask_has_stemmable(P *p, FtqFieldMask m) {
    if (m == FTQ_FIELDMASK_ALL || !p->opt->schema || !p->opt->schema->name_by_bit) return 1;
    for (int b = 0; b < 64; b++) {
        FtqFieldMask bit = (FtqFieldMask)1 << b;
        if (!(m & bit)) continue;
        const char *nm = p->opt->schema->name_by_bit(p->opt->schema->ctx, bit);
        FtqFieldInfo fi;
        if (nm && field_lookup(p, nm, strlen(nm), &fi) && !fi.is_nostem) return 1;
    }
    return 0;
}

static int mask_has_phonetic(P *p, FtqFieldMask m) {
    if (!p->opt->schema || !p->opt->schema->name_by_bit) return 0;
    for (int b = 0; b < 64; b++) {
        FtqFieldMask bit = (FtqFieldMask)1 << b;
        if (!(m & bit)) continue;
        const char *nm = p->opt->schema->name_by_bit(p->opt->schema->ctx, bit);
        FtqFieldInfo fi;
        if (nm && field_lookup(p, nm, strlen(nm), &fi) && fi.is_phonetic) return 1;
    }
    return 0;
}

static void expand_add(FtqNode **slot, const char *s, size_t len) {
    FtqNode *tok = *slot;
    if (tok->type != FTQ_UNION) {
        FtqNode *u = node_new(FTQ_UNION);
        u->field_mask = tok->field_mask;
        add_child(u, tok);
        *slot = u;
    }
    FtqNode *e = node_new(FTQ_TOKEN);
    e->str = dupn(s, len);
    e->len = len;
    e->is_expanded = 1;
    e->field_mask = tok->field_mask;
    add_child(*slot, e);
}

static void expand(P *p, FtqNode **slot) {
    FtqNode *n = *slot;
    if (p->failed) return;
    if (n->is_verbatim || (n->type == FTQ_PHRASE && n->is_exact) || n->type == FTQ_TAG) return;
    int stem = mask_has_stemmable(p, n->field_mask);
    if (!stem && !mask_has_phonetic(p, n->field_mask)) return;
    if (n->type == FTQ_TOKEN) {
        if (n->len == 0) return;
        int phon = 0;
        if (n->phonetic != FTQ_PHONETIC_DEFAULT && p->opt->schema) {
            if (!mask_has_phonetic(p, n->field_mask)) {
                fail(p, "field does not support phonetics");
                return;
            }
            phon = n->phonetic == FTQ_PHONETIC_ENABLED;
        } else if (n->phonetic == FTQ_PHONETIC_DEFAULT) {
            phon = mask_has_phonetic(p, n->field_mask);
        }
        char *term = dupn(n->str, n->len); /* may hold NUL bytes */
        size_t tl = n->len;
        if (stem && p->opt->synonyms) {
            size_t ns = 0;
            const char *const *ids = p->opt->synonyms(p->opt->synonyms_ctx, term, tl, &ns);
            for (size_t i = 0; ids && i < ns; i++) expand_add(slot, ids[i], strlen(ids[i]));
        }
        /* Phonetic fields: the word's Double Metaphone codes, after the
         * synonyms and before the stem, as RediSearch expands. */
        if (phon) {
            char ph[2][FTPH_CODE_MAX + 2];
            int k = ftph_terms(term, tl, ph);
            for (int j = 0; j < k; j++) expand_add(slot, ph[j], strlen(ph[j]));
        }
        /* Unlike the indexer, the query side stems terms of any length
         * (RediSearch's EXPLAIN shows "+foo(expanded)"). */
        size_t min_len = p->opt->min_stem_len > 0 ? (size_t)p->opt->min_stem_len : 0;
        if (stem && ftt_language_has_stemmer(p->opt->language) && tl >= min_len) {
            size_t sl;
            char *sv = ftt_stem_lang(p->opt->language, term, tl, &sl);
            char *st = xmalloc(sl + 2);
            st[0] = '+';
            memcpy(st + 1, sv, sl);
            expand_add(slot, st, sl + 1);
            if (sl != tl || memcmp(st + 1, term, tl)) expand_add(slot, st + 1, sl);
            xfree(st);
            xfree(sv);
        }
        xfree(term);
        return;
    }
    for (size_t i = 0; i < n->n_children; i++) {
        /* =>{$phonetic: ...} on a group applies to its words */
        if (n->phonetic != FTQ_PHONETIC_DEFAULT && n->children[i]->phonetic == FTQ_PHONETIC_DEFAULT)
            n->children[i]->phonetic = n->phonetic;
        expand(p, &n->children[i]);
    }
}

/* An empty term on TEXT fields none of which has INDEXEMPTY is an error
 * (RediSearch's QueryNode_ValidateToken); without a field it is allowed. */
static void check_empty_terms(P *p, const FtqNode *n) {
    if (p->failed || n->type == FTQ_TAG) return;
    if (n->type == FTQ_TOKEN && n->len == 0 && n->field_mask != FTQ_FIELDMASK_ALL &&
        p->opt->schema && p->opt->schema->name_by_bit) {
        int n_text = 0, any_empty = 0;
        for (int b = 0; b < 64; b++) {
            FtqFieldMask bit = (FtqFieldMask)1 << b;
            if (!(n->field_mask & bit)) continue;
            const char *nm = p->opt->schema->name_by_bit(p->opt->schema->ctx, bit);
            FtqFieldInfo fi;
            if (!nm || !field_lookup(p, nm, strlen(nm), &fi)) continue;
            n_text++;
            any_empty |= fi.index_empty;
        }
        if (n_text && !any_empty)
            fail(p, "Use `INDEXEMPTY` in field creation in order to index and query for empty "
                    "strings");
    }
    for (size_t i = 0; i < n->n_children; i++) check_empty_terms(p, n->children[i]);
}

/* Returns the owned tag value a TAG node's child stands for: escapes
 * removed, lowercased unless case_sensitive; a multi-word child (a phrase)
 * is its words joined by single spaces. NULL for an affix/pattern child. */
char *ftq_tag_value(const FtqNode *child, int case_sensitive, size_t *out_len) {
    Buf b;
    buf_init(&b);
    if (child->type == FTQ_TOKEN) {
        buf_append(&b, child->str, child->len);
    } else if (child->type == FTQ_PHRASE) {
        for (size_t i = 0; i < child->n_children; i++) {
            const FtqNode *w = child->children[i];
            if (w->type != FTQ_TOKEN) continue;
            if (i) buf_append_char(&b, ' ');
            buf_append(&b, w->str, w->len);
        }
    } else {
        buf_free(&b);
        return NULL;
    }
    size_t len = buf_live(&b);
    char *raw = dupn(buf_data(&b), len);
    buf_free(&b);
    len = ftt_unescape(raw, len);
    raw[len] = '\0';
    if (case_sensitive) {
        *out_len = len;
        return raw;
    }
    char *low = ftt_lower_dup(raw, len, out_len);
    xfree(raw);
    return low;
}

/* ---- entry point ---- */

/* Parses q[0..len) (borrowed) per opt (borrowed); returns an owned tree or
 * NULL with err->msg. */
FtqNode *ftq_parse(const char *q, size_t len, const FtqOptions *opt, FtqError *err) {
    P p = {.opt = opt, .q = q, .qlen = len, .err = err};
    int dialect = opt->dialect ? opt->dialect : 1;
    p.v2 = dialect >= 2;
    err->msg[0] = '\0';
    lex(&p);
    FtqNode *root = NULL;
    if (try_star(&p)) {
        root = node_new(FTQ_WILDCARD);
        if (p.v2 && cur(&p)->type == TK_ARROW && peek(&p, 1)->type == TK_LSQB) {
            next(&p);
            next(&p);
            FtqNode *v = parse_knn(&p);
            ftq_free(root);
            root = v;
        }
    } else if (cur(&p)->type != TK_EOF) {
        root = parse_expr(&p, 0);
        if (!p.failed && p.v2 && cur(&p)->type == TK_ARROW && peek(&p, 1)->type == TK_LSQB) {
            next(&p);
            next(&p);
            FtqNode *v = parse_knn(&p);
            if (v && root)
                add_child(v, root);
            else
                ftq_free(root);
            root = v;
        }
    }
    if (!p.failed && root && root->type == FTQ_VECTOR && cur(&p)->type == TK_ARROW &&
        peek(&p, 1)->type == TK_LB) {
        next(&p);
        parse_attrs(&p, root);
    }
    if (!p.failed && cur(&p)->type != TK_EOF) syntax_error(&p, cur(&p));
    if (!p.failed && root) check_empty_terms(&p, root);
    if (!p.failed && root && !opt->is_verbatim) expand(&p, &root);
    xfree(p.toks);
    if (p.failed) {
        ftq_free(root);
        return NULL;
    }
    if (!root) root = node_new(FTQ_NULL);
    return root;
}

/* ---- EXPLAIN ---- */

static void pad(Buf *b, int depth) {
    for (int i = 0; i < depth * 2; i++) buf_append_char(b, ' ');
}

static void dump(const FtqNode *n, const FtqSchema *sc, Buf *b, int depth);

static void dump_children(const FtqNode *n, const FtqSchema *sc, Buf *b, int depth) {
    for (size_t i = 0; i < n->n_children; i++) dump(n->children[i], sc, b, depth);
}

static void dump(const FtqNode *n, const FtqSchema *sc, Buf *b, int depth) {
    pad(b, depth);
    if (n->field_mask == 0) buf_append_cstr(b, "@NULL:");
    if (n->field_mask && n->field_mask != FTQ_FIELDMASK_ALL && n->type != FTQ_NUMERIC &&
        n->type != FTQ_GEO) {
        buf_append_char(b, '@');
        if (!sc || !sc->name_by_bit) {
            buf_printf(b, "%llu", (unsigned long long)n->field_mask);
        } else {
            int cnt = 0;
            for (int i = 0; i < 64; i++) {
                FtqFieldMask bit = (FtqFieldMask)1 << i;
                if (!(n->field_mask & bit)) continue;
                const char *f = sc->name_by_bit(sc->ctx, bit);
                buf_printf(b, "%s%s", cnt ? "|" : "", f ? f : "n/a");
                cnt++;
            }
        }
        buf_append_char(b, ':');
    }
    switch (n->type) {
    case FTQ_PHRASE:
        buf_printf(b, "%s {\n", n->is_exact ? "EXACT" : "INTERSECT");
        dump_children(n, sc, b, depth + 1);
        pad(b, depth);
        buf_append_char(b, '}');
        break;
    case FTQ_TOKEN:
        if (n->len > 0)
            buf_append(b, n->str, n->len);
        else
            buf_append_cstr(b, "\"\"");
        if (n->is_expanded) buf_append_cstr(b, "(expanded)");
        if (n->weight != 1) buf_printf(b, " => {$weight: %g;}", n->weight);
        buf_append_char(b, '\n');
        return;
    case FTQ_PREFIX:
        buf_printf(b, "%s{%s%s%s}",
                   n->is_prefix && n->is_suffix ? "INFIX" : (n->is_prefix ? "PREFIX" : "SUFFIX"),
                   n->is_suffix ? "*" : "", n->str, n->is_prefix ? "*" : "");
        break;
    case FTQ_NOT:
        buf_append_cstr(b, "NOT{\n");
        dump_children(n, sc, b, depth + 1);
        pad(b, depth);
        buf_append_char(b, '}');
        break;
    case FTQ_OPTIONAL:
        buf_append_cstr(b, "OPTIONAL{\n");
        dump_children(n, sc, b, depth + 1);
        pad(b, depth);
        buf_append_char(b, '}');
        break;
    case FTQ_NUMERIC:
        buf_printf(b, "NUMERIC {%f %s @%s %s %f}", n->min, n->min_inclusive ? "<=" : "<", n->field,
                   n->max_inclusive ? "<=" : "<", n->max);
        break;
    case FTQ_UNION:
        buf_append_cstr(b, "UNION {\n");
        dump_children(n, sc, b, depth + 1);
        pad(b, depth);
        buf_append_char(b, '}');
        break;
    case FTQ_TAG:
        buf_printf(b, "TAG:@%s {\n", n->field);
        dump_children(n, sc, b, depth + 1);
        pad(b, depth);
        buf_append_char(b, '}');
        break;
    case FTQ_GEO:
        buf_printf(b, "GEO %s:{%f,%f --> %f %s}", n->field, n->lon, n->lat, n->radius, n->unit);
        break;
    case FTQ_VECTOR:
        buf_append_cstr(b, "VECTOR {");
        if (n->n_children > 0) {
            buf_append_char(b, '\n');
            dump_children(n, sc, b, depth + 1);
            pad(b, depth);
            buf_append_cstr(b, "} => {");
        }
        if (n->vec.kind == FTQ_VEC_KNN)
            buf_printf(b, "K=%llu nearest vectors to `$%s` ", (unsigned long long)n->vec.k,
                       n->vec.blob_param);
        else
            buf_printf(b, "Vectors that are within %g distance radius from `$%s` ", n->vec.radius,
                       n->vec.blob_param);
        buf_printf(b, "in vector index associated with field @%s", n->field);
        for (size_t i = 0; i < n->vec.n_attrs; i++) {
            buf_printf(b, ", %s = ", n->vec.attrs[i].name);
            buf_append(b, n->vec.attrs[i].value, n->vec.attrs[i].value_len);
        }
        if (n->vec.score_field) buf_printf(b, ", yields distance as `%s`", n->vec.score_field);
        buf_append_char(b, '}');
        break;
    case FTQ_WILDCARD:
        buf_append_cstr(b, "<WILDCARD>");
        break;
    case FTQ_FUZZY:
        buf_printf(b, "FUZZY{%s}", n->str);
        break;
    case FTQ_WILDCARD_PATTERN:
        buf_printf(b, "WILDCARD{%s}", n->str);
        break;
    case FTQ_NULL:
        buf_append_cstr(b, "<empty>");
        break;
    case FTQ_GEOSHAPE:
        buf_printf(b, "GEOSHAPE{%d %s}", (int)n->geo_pred, n->str);
        break;
    case FTQ_MISSING:
        buf_printf(b, "ISMISSING{%s}", n->field);
        break;
    }
    if (n->weight != 1 || n->slop != -1 || n->inorder) {
        buf_append_cstr(b, " => {");
        if (n->weight != 1) buf_printf(b, " $weight: %g;", n->weight);
        if (n->slop != -1) buf_printf(b, " $slop: %d;", n->slop);
        if (n->inorder || n->slop != -1)
            buf_printf(b, " $inorder: %s;", n->inorder ? "true" : "false");
        buf_append_cstr(b, " }");
    }
    buf_append_char(b, '\n');
}

/* Appends FT.EXPLAIN's text for n (borrowed) to out. */
void ftq_explain(const FtqNode *n, const FtqSchema *schema, Buf *out) {
    dump(n, schema, out, 0);
}

/* Returns FT.EXPLAINCLI's lines (the text split at '\n', the empty piece
 * after the last one included, as RediSearch replies). */
char **ftq_explain_lines(const FtqNode *n, const FtqSchema *schema, size_t *n_lines) {
    Buf b;
    buf_init(&b);
    dump(n, schema, &b, 0);
    const char *s = buf_data(&b);
    size_t len = buf_live(&b), cnt = 1;
    for (size_t i = 0; i < len; i++) cnt += s[i] == '\n';
    char **lines = xcalloc(cnt, sizeof(char *));
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            lines[k++] = dupn(s + start, i - start);
            start = i + 1;
        }
    }
    buf_free(&b);
    *n_lines = k;
    return lines;
}

void ftq_explain_lines_free(char **lines, size_t n_lines) {
    for (size_t i = 0; i < n_lines; i++) xfree(lines[i]);
    xfree(lines);
}
