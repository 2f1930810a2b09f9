/*
 * jsonpath.c - the JSONPath compiler and evaluator (see jsonpath.h).
 *
 * Evaluation order is RedisJSON's: a segment selects children in document
 * order; a recursive-descent segment first applies the rest of the path at
 * the node itself, then descends into each child in order (so "$..a" lists
 * an outer match before the ones inside it). While walking, a stack of
 * steps (member name or index) is kept; a match copies it, names into one
 * buffer, so the match list stays valid however the tree changes later.
 *
 * A projection reuses the filter expression parser and evaluator whole: the
 * query is tried as a path first and, failing that, as one value
 * expression whose paths are absolute; its values (a node list, empty for
 * Nothing) are the reply. Only append() behaves differently at the top (it
 * enriches the reply instead of computing one array), as 8.10 defines it.
 */
#include "types/jsonpath.h"

#include <assert.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

enum { SEG_NAMES, SEG_WILD, SEG_INDEXES, SEG_SLICE, SEG_FILTER };
/* Filter expression nodes: logical ones (OR AND NOT CMP, and the regular
 * expression functions) give a truth value; the others give a node list
 * (a path's matches, a literal, or a computed value), empty for Nothing. */
enum { E_OR, E_AND, E_NOT, E_CMP, E_PATH, E_LIT, E_ARITH, E_NEG, E_FUNC };
enum {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_RE,
    OP_IN,
    OP_NIN,
    OP_SUBSETOF,
    OP_ANYOF,
    OP_NONEOF,
    OP_SIZEOF,
    OP_EMPTY
};
enum {
    F_LENGTH,
    F_COUNT,
    F_VALUE,
    F_KEYS,
    F_MATCH,
    F_SEARCH,
    F_CONCAT,
    F_ABS,
    F_CEILING,
    F_FLOOR,
    F_FIRST,
    F_LAST,
    F_INDEX,
    F_MIN,
    F_MAX,
    F_AVG,
    F_SUM,
    F_STDDEV,
    F_APPEND
};

typedef struct Expr {
    int kind, op;       /* op: the comparison, arithmetic character or function */
    struct Expr *a, *b; /* operands */
    struct Expr **args; /* E_FUNC */
    size_t n_args;
    int rel;        /* E_PATH: relative to @ */
    JsonPath *path; /* E_PATH */
    Json *lit;      /* E_LIT */
    regex_t re;     /* OP_RE against a literal pattern */
    int has_re;
} Expr;

typedef struct Seg {
    uint8_t kind, descent;
    size_t n;
    char **names;
    size_t *name_lens;
    int64_t *idx;
    int has_start, has_end;
    int64_t start, end, step;
    Expr *filter;
} Seg;

struct JsonPath {
    Seg *segs;
    size_t n, cap;
    struct Expr *proj; /* a projection: the value expression (no segments) */
};

/* ---- compiler ------------------------------------------------------------------- */

typedef struct Cur {
    const char *p;
    size_t len, i;
    char *err;
    size_t errcap;
    int failed;
    unsigned terms;   /* operands and method calls in filters, bounded so that
                       * evaluating a long chain cannot exhaust the stack */
    int filter_depth; /* inside [?...]: where '@' means something */
    size_t fail_at;   /* where the error was found */
} Cur;

#define MAX_FILTER_TERMS 1000

static void perr(Cur *c, const char *what) {
    if (c->failed) return;
    c->failed = 1;
    c->fail_at = c->i;
    snprintf(c->err, c->errcap, "JSON Path error: path error: %s at position %zu", what, c->i + 1);
}

static int peekc(const Cur *c) {
    return c->i < c->len ? (unsigned char)c->p[c->i] : -1;
}

static void skip_sp(Cur *c) {
    while (c->i < c->len && (c->p[c->i] == ' ' || c->p[c->i] == '\t')) c->i++;
}

static void free_expr(Expr *e);

static void free_segs(JsonPath *jp) {
    for (size_t s = 0; s < jp->n; s++) {
        Seg *g = &jp->segs[s];
        for (size_t k = 0; g->names && k < g->n; k++) xfree(g->names[k]);
        xfree(g->names);
        xfree(g->name_lens);
        xfree(g->idx);
        free_expr(g->filter);
    }
    xfree(jp->segs);
}

void jsonpath_free(JsonPath *jp) {
    if (!jp) return;
    free_segs(jp);
    free_expr(jp->proj);
    xfree(jp);
}

static void free_expr(Expr *e) {
    if (!e) return;
    free_expr(e->a);
    free_expr(e->b);
    for (size_t k = 0; k < e->n_args; k++) free_expr(e->args[k]);
    xfree(e->args);
    jsonpath_free(e->path);
    json_free(e->lit);
    if (e->has_re) regfree(&e->re);
    xfree(e);
}

static Seg *new_seg(JsonPath *jp, int kind, int descent) {
    if (jp->n == jp->cap) {
        jp->cap = jp->cap ? jp->cap * 2 : 4;
        jp->segs = xrealloc(jp->segs, sizeof(Seg) * jp->cap);
    }
    Seg *g = &jp->segs[jp->n++];
    memset(g, 0, sizeof *g);
    g->kind = (uint8_t)kind;
    g->descent = (uint8_t)descent;
    return g;
}

static void seg_add_name(Seg *g, const char *p, size_t len) {
    g->names = xrealloc(g->names, sizeof(char *) * (g->n + 1));
    g->name_lens = xrealloc(g->name_lens, sizeof(size_t) * (g->n + 1));
    g->names[g->n] = xmalloc(len + 1);
    memcpy(g->names[g->n], p, len);
    g->names[g->n][len] = '\0';
    g->name_lens[g->n] = len;
    g->n++;
}

/* A quoted string ('...' or "...", backslash escapes the next byte) into b. */
static int parse_quoted(Cur *c, Buf *b) {
    int q = peekc(c);
    c->i++;
    while (c->i < c->len && c->p[c->i] != q) {
        if (c->p[c->i] == '\\') {
            if (c->i + 1 >= c->len || (c->p[c->i + 1] != q && c->p[c->i + 1] != '\\')) {
                perr(c, "invalid escape");
                return -1;
            }
            c->i++;
            buf_append_char(b, c->p[c->i]);
        } else {
            buf_append_char(b, c->p[c->i]);
        }
        c->i++;
    }
    if (c->i >= c->len) {
        perr(c, "unterminated string");
        return -1;
    }
    c->i++;
    return 0;
}

static int parse_int(Cur *c, int64_t *out) {
    skip_sp(c);
    size_t s = c->i;
    if (peekc(c) == '-') c->i++;
    size_t d = c->i;
    while (c->i < c->len && c->p[c->i] >= '0' && c->p[c->i] <= '9') c->i++;
    if (c->i == d || c->i - s > 19 || (c->i - d > 1 && c->p[d] == '0')) {
        perr(c, "expected an integer");
        return -1;
    }
    char tmp[24];
    memcpy(tmp, c->p + s, c->i - s);
    tmp[c->i - s] = '\0';
    *out = strtoll(tmp, NULL, 10);
    skip_sp(c);
    return 0;
}

/* The characters of a member name after a dot (RedisJSON's grammar); any
 * other name needs brackets and quotes. */
static int is_literal_char(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch > 0 && strchr("-_`+#%$^/:", ch));
}

static Expr *parse_or(Cur *c, int depth);
static Expr *need_test(Cur *c, Expr *e);
static int parse_segments(Cur *c, JsonPath *jp, int in_filter, int depth);

static int parse_bracket(Cur *c, JsonPath *jp, int descent, int depth) {
    c->i++; /* '[' */
    skip_sp(c);
    int ch = peekc(c);
    if (ch == '*') {
        c->i++;
        skip_sp(c);
        new_seg(jp, SEG_WILD, descent);
    } else if (ch == '\'' || ch == '"') {
        Seg *g = new_seg(jp, SEG_NAMES, descent);
        Buf b;
        buf_init(&b);
        for (;;) {
            skip_sp(c);
            if (peekc(c) != '\'' && peekc(c) != '"') {
                perr(c, "expected a quoted name");
                break;
            }
            buf_clear(&b);
            if (parse_quoted(c, &b) != 0) break;
            seg_add_name(g, buf_data(&b), buf_live(&b));
            skip_sp(c);
            if (peekc(c) != ',') break;
            c->i++;
        }
        buf_free(&b);
        if (c->failed) return -1;
    } else if (ch == '?') {
        c->i++;
        skip_sp(c);
        Seg *g = new_seg(jp, SEG_FILTER, descent);
        c->filter_depth++;
        g->filter = need_test(c, parse_or(c, depth + 1));
        c->filter_depth--;
        if (!g->filter) return -1;
        skip_sp(c);
    } else if (ch == ':' || ch == '-' || (ch >= '0' && ch <= '9')) {
        int64_t v = 0;
        int has_first = ch != ':';
        if (has_first && parse_int(c, &v) != 0) return -1;
        if (peekc(c) == ':') {
            Seg *g = new_seg(jp, SEG_SLICE, descent);
            g->has_start = has_first;
            g->start = v;
            g->step = 1;
            c->i++;
            skip_sp(c);
            if (peekc(c) != ']' && peekc(c) != ':') {
                if (parse_int(c, &g->end) != 0) return -1;
                g->has_end = 1;
            }
            if (peekc(c) == ':') {
                c->i++;
                skip_sp(c);
                if (peekc(c) != ']' && (parse_int(c, &g->step) != 0 || g->step <= 0)) {
                    perr(c, "expected a positive step");
                    return -1;
                }
            }
        } else {
            Seg *g = new_seg(jp, SEG_INDEXES, descent);
            for (;;) {
                g->idx = xrealloc(g->idx, sizeof(int64_t) * (g->n + 1));
                g->idx[g->n++] = v;
                if (peekc(c) != ',') break;
                c->i++;
                if (parse_int(c, &v) != 0) return -1;
            }
        }
    } else {
        perr(c, "unexpected character in brackets");
        return -1;
    }
    if (peekc(c) != ']') {
        perr(c, "expected ']'");
        return -1;
    }
    c->i++;
    return 0;
}

/* Segments after '$' or '@' until the end (or, in a filter, a character that
 * cannot continue a path). */
static int parse_segments(Cur *c, JsonPath *jp, int in_filter, int depth) {
    for (;;) {
        if (!in_filter) skip_sp(c); /* spaces may separate segments */
        int ch = peekc(c);
        if (ch == '[') {
            if (parse_bracket(c, jp, 0, depth) != 0) return -1;
            continue;
        }
        if (ch != '.') {
            if (ch < 0 || in_filter) return 0;
            perr(c, "expected '.' or '['");
            return -1;
        }
        size_t dot = c->i;
        c->i++;
        int descent = 0;
        if (peekc(c) == '.') {
            descent = 1;
            c->i++;
        }
        ch = peekc(c);
        if (ch == '[') {
            if (parse_bracket(c, jp, descent, depth) != 0) return -1;
        } else if (ch == '*') {
            c->i++;
            new_seg(jp, SEG_WILD, descent);
        } else {
            size_t s = c->i;
            while (is_literal_char(peekc(c))) c->i++;
            if (c->i == s) {
                perr(c, "expected a member name");
                return -1;
            }
            if (in_filter && !descent && peekc(c) == '(') {
                c->i = dot; /* a method call: the path ends before it */
                return 0;
            }
            Seg *g = new_seg(jp, SEG_NAMES, descent);
            seg_add_name(g, c->p + s, c->i - s);
        }
    }
}

static const struct {
    const char *name;
    int id;
} funcs[] = {{"length", F_LENGTH},   {"count", F_COUNT},   {"value", F_VALUE},   {"keys", F_KEYS},
             {"match", F_MATCH},     {"search", F_SEARCH}, {"concat", F_CONCAT}, {"abs", F_ABS},
             {"ceiling", F_CEILING}, {"floor", F_FLOOR},   {"first", F_FIRST},   {"last", F_LAST},
             {"index", F_INDEX},     {"min", F_MIN},       {"max", F_MAX},       {"avg", F_AVG},
             {"sum", F_SUM},         {"stddev", F_STDDEV}, {"append", F_APPEND}};

static int is_logical(const Expr *e) {
    return e->kind == E_OR || e->kind == E_AND || e->kind == E_NOT || e->kind == E_CMP ||
           (e->kind == E_FUNC && (e->op == F_MATCH || e->op == F_SEARCH));
}

static int is_word_char(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static Expr *new_expr(int kind, int op) {
    Expr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    e->op = op;
    return e;
}

/* Whether e may stand where a truth value is wanted: a logical expression, a
 * path (existence) or a function (a result exists); not a bare value. */
static Expr *need_test(Cur *c, Expr *e) {
    if (e && !is_logical(e) && e->kind != E_PATH && e->kind != E_FUNC) {
        perr(c, "expected a comparison");
        free_expr(e);
        return NULL;
    }
    return e;
}

/* A value operand must not be a truth value. */
static Expr *need_value(Cur *c, Expr *e) {
    if (e && is_logical(e)) {
        perr(c, "expected a value");
        free_expr(e);
        return NULL;
    }
    return e;
}

/* An array or object literal: its extent (brackets balanced outside
 * strings), then the JSON parser. */
static Expr *parse_json_literal(Cur *c) {
    size_t s = c->i, depth = 0;
    int in_str = 0;
    for (; c->i < c->len; c->i++) {
        char ch = c->p[c->i];
        if (in_str) {
            if (ch == '\\')
                c->i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            depth++;
        } else if (ch == ']' || ch == '}') {
            if (--depth == 0) break;
        }
    }
    if (c->i >= c->len) {
        perr(c, "unterminated literal");
        return NULL;
    }
    c->i++;
    char err[128];
    Json *j = json_parse(c->p + s, c->i - s, JSON_MAX_PARSE_DEPTH, err, sizeof err);
    if (!j) {
        c->i = s;
        perr(c, "expected a value");
        return NULL;
    }
    Expr *e = new_expr(E_LIT, 0);
    e->lit = j;
    return e;
}

static Expr *parse_number(Cur *c) {
    size_t s = c->i;
    if (peekc(c) == '-') c->i++;
    while (c->i < c->len && strchr("0123456789.eE", c->p[c->i])) {
        if ((c->p[c->i] == 'e' || c->p[c->i] == 'E') && c->i + 1 < c->len &&
            (c->p[c->i + 1] == '+' || c->p[c->i + 1] == '-'))
            c->i++;
        c->i++;
    }
    char err[128];
    Json *j = c->i > s ? json_parse(c->p + s, c->i - s, 1, err, sizeof err) : NULL;
    if (!j) {
        c->i = s;
        perr(c, "expected a value");
        return NULL;
    }
    Expr *e = new_expr(E_LIT, 0);
    e->lit = j;
    return e;
}

/* name(args...): the arguments are value expressions; the count is checked
 * when evaluating (a wrong count gives Nothing, as 8.10's JSON does). first
 * is a method call's receiver, or NULL. */
static Expr *parse_call(Cur *c, const char *name, size_t len, Expr *first, int depth) {
    int id = -1;
    for (size_t k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
        if (strlen(funcs[k].name) == len && memcmp(funcs[k].name, name, len) == 0) id = funcs[k].id;
    if (id < 0) {
        perr(c, "unknown function");
        free_expr(first);
        return NULL;
    }
    Expr *e = new_expr(E_FUNC, id);
    if (first) {
        e->args = xmalloc(sizeof(Expr *));
        e->args[e->n_args++] = first;
    }
    c->i++; /* '(' */
    skip_sp(c);
    if (peekc(c) == ')') {
        c->i++;
        return e;
    }
    for (;;) {
        Expr *a = need_value(c, parse_or(c, depth + 1));
        if (!a) {
            free_expr(e);
            return NULL;
        }
        e->args = xrealloc(e->args, sizeof(Expr *) * (e->n_args + 1));
        e->args[e->n_args++] = a;
        skip_sp(c);
        if (peekc(c) == ',') {
            c->i++;
            continue;
        }
        if (peekc(c) != ')') {
            perr(c, "expected ')'");
            free_expr(e);
            return NULL;
        }
        c->i++;
        return e;
    }
}

static Expr *parse_primary(Cur *c, int depth) {
    skip_sp(c);
    if (++c->terms > MAX_FILTER_TERMS) {
        perr(c, "filter too long");
        return NULL;
    }
    if (depth > 64) {
        perr(c, "filter nested too deeply");
        return NULL;
    }
    int ch = peekc(c);
    Expr *e = NULL;
    if (ch == '(') {
        c->i++;
        e = parse_or(c, depth + 1);
        if (!e) return NULL;
        skip_sp(c);
        if (peekc(c) != ')') {
            perr(c, "expected ')'");
            free_expr(e);
            return NULL;
        }
        c->i++;
    } else if (ch == '@' || ch == '$') {
        if (ch == '@' && c->filter_depth == 0) {
            perr(c, "'@' outside a filter");
            return NULL;
        }
        c->i++;
        e = new_expr(E_PATH, 0);
        e->rel = ch == '@';
        e->path = xcalloc(1, sizeof(JsonPath));
        if (parse_segments(c, e->path, 1, depth) != 0) {
            free_expr(e);
            return NULL;
        }
        if (peekc(c) == '~') { /* the keys operator: terminal */
            c->i++;
            int nx = peekc(c);
            if (nx == '.' || nx == '[' || nx == '~' || nx == '(') {
                perr(c, "'~' must end the path");
                free_expr(e);
                return NULL;
            }
            Expr *k = new_expr(E_FUNC, F_KEYS);
            k->args = xmalloc(sizeof(Expr *));
            k->args[k->n_args++] = e;
            return k;
        }
    } else if (ch == '\'' || ch == '"') {
        Buf b;
        buf_init(&b);
        if (parse_quoted(c, &b) == 0) {
            e = new_expr(E_LIT, 0);
            e->lit = json_new_string(buf_data(&b), buf_live(&b));
        }
        buf_free(&b);
        if (!e) return NULL;
    } else if (ch == '[' || ch == '{') {
        if (!(e = parse_json_literal(c))) return NULL;
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        if (!(e = parse_number(c))) return NULL;
    } else if (is_word_char(ch)) {
        size_t s = c->i;
        while (is_word_char(peekc(c))) c->i++;
        const char *w = c->p + s;
        size_t n = c->i - s;
        if (peekc(c) == '(') {
            if (!(e = parse_call(c, w, n, NULL, depth))) return NULL;
        } else if ((n == 4 && memcmp(w, "true", 4) == 0) ||
                   (n == 5 && memcmp(w, "false", 5) == 0) ||
                   (n == 4 && memcmp(w, "null", 4) == 0)) {
            char err[64];
            e = new_expr(E_LIT, 0);
            e->lit = json_parse(w, n, 1, err, sizeof err);
        } else {
            c->i = s;
            perr(c, "expected a value");
            return NULL;
        }
    } else {
        perr(c, "expected a value");
        return NULL;
    }
    /* method calls: .name( ... ) with the receiver as the first argument */
    while (peekc(c) == '.' && c->i + 1 < c->len && is_word_char((unsigned char)c->p[c->i + 1])) {
        size_t s = c->i + 1, k = s;
        while (k < c->len && is_word_char((unsigned char)c->p[k])) k++;
        if (k >= c->len || c->p[k] != '(') break;
        c->i = k;
        if (++c->terms > MAX_FILTER_TERMS) {
            perr(c, "filter too long");
            free_expr(e);
            return NULL;
        }
        if (!(e = need_value(c, e)) || !(e = parse_call(c, c->p + s, k - s, e, depth))) return NULL;
    }
    return e;
}

static Expr *parse_unary(Cur *c, int depth) {
    skip_sp(c);
    int ch = peekc(c);
    if ((ch == '-' || ch == '+') && c->i + 1 < c->len &&
        !(c->p[c->i + 1] >= '0' && c->p[c->i + 1] <= '9')) {
        c->i++;
        if (depth > 64) {
            perr(c, "filter nested too deeply");
            return NULL;
        }
        Expr *a = need_value(c, parse_unary(c, depth + 1));
        if (!a) return NULL;
        Expr *e = new_expr(E_NEG, ch);
        e->a = a;
        return e;
    }
    if (ch == '+') c->i++; /* +5 */
    return parse_primary(c, depth);
}

/* Binary arithmetic: level 1 is * / %, level 0 is + -. The operator needs a
 * space before it (a name may hold + - / %, as "@.a+1" names "a+1"). */
static Expr *parse_arith(Cur *c, int level, int depth) {
    Expr *e = level ? parse_unary(c, depth) : parse_arith(c, 1, depth);
    while (e) {
        size_t save = c->i;
        skip_sp(c);
        int ch = peekc(c);
        int ok = level ? (ch == '*' || ch == '/' || ch == '%') : (ch == '+' || ch == '-');
        if (!ok || c->i == save) {
            c->i = save;
            break;
        }
        c->i++;
        if (!need_value(c, e)) return NULL;
        Expr *r = need_value(c, level ? parse_unary(c, depth) : parse_arith(c, 1, depth));
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n = new_expr(E_ARITH, ch);
        n->a = e;
        n->b = r;
        e = n;
    }
    return e;
}

static Expr *parse_cmp(Cur *c, int depth) {
    Expr *e = parse_arith(c, 0, depth);
    if (!e) return NULL;
    skip_sp(c);
    static const struct {
        const char *s;
        int op, word;
    } ops[] = {{"==", OP_EQ, 0},         {"!=", OP_NE, 0},
               {"<=", OP_LE, 0},         {">=", OP_GE, 0},
               {"=~", OP_RE, 0},         {"<", OP_LT, 0},
               {">", OP_GT, 0},          {"in", OP_IN, 1},
               {"nin", OP_NIN, 1},       {"subsetof", OP_SUBSETOF, 1},
               {"anyof", OP_ANYOF, 1},   {"noneof", OP_NONEOF, 1},
               {"sizeof", OP_SIZEOF, 1}, {"size", OP_SIZEOF, 1},
               {"empty", OP_EMPTY, 1}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].s);
        if (c->i + n > c->len || memcmp(c->p + c->i, ops[k].s, n) != 0) continue;
        if (ops[k].word && c->i + n < c->len && is_word_char((unsigned char)c->p[c->i + n]))
            continue;
        c->i += n;
        if (!need_value(c, e)) return NULL;
        Expr *r = need_value(c, parse_arith(c, 0, depth));
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n2 = new_expr(E_CMP, ops[k].op);
        n2->a = e;
        n2->b = r;
        if (n2->op == OP_RE && r->kind == E_LIT) {
            if (r->lit->type != JSON_STRING ||
                regcomp(&n2->re, r->lit->v.s, REG_EXTENDED | REG_NOSUB) != 0) {
                perr(c, "invalid regular expression");
                free_expr(n2);
                return NULL;
            }
            n2->has_re = 1;
        }
        return n2;
    }
    return e;
}

static Expr *parse_not(Cur *c, int depth) {
    skip_sp(c);
    if (peekc(c) == '!' && !(c->i + 1 < c->len && c->p[c->i + 1] == '=')) {
        c->i++;
        if (depth > 64) {
            perr(c, "filter nested too deeply");
            return NULL;
        }
        Expr *a = need_test(c, parse_not(c, depth + 1));
        if (!a) return NULL;
        Expr *e = new_expr(E_NOT, 0);
        e->a = a;
        return e;
    }
    return parse_cmp(c, depth);
}

static Expr *parse_and(Cur *c, int depth) {
    Expr *e = parse_not(c, depth);
    while (e) {
        skip_sp(c);
        if (c->i + 1 >= c->len || c->p[c->i] != '&' || c->p[c->i + 1] != '&') break;
        c->i += 2;
        if (!need_test(c, e)) return NULL;
        Expr *r = need_test(c, parse_not(c, depth));
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n = new_expr(E_AND, 0);
        n->a = e;
        n->b = r;
        e = n;
    }
    return e;
}

static Expr *parse_or(Cur *c, int depth) {
    Expr *e = parse_and(c, depth);
    while (e) {
        skip_sp(c);
        if (c->i + 1 >= c->len || c->p[c->i] != '|' || c->p[c->i + 1] != '|') break;
        c->i += 2;
        if (!need_test(c, e)) return NULL;
        Expr *r = need_test(c, parse_and(c, depth));
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n = new_expr(E_OR, 0);
        n->a = e;
        n->b = r;
        e = n;
    }
    return e;
}

/* The query as a value expression (a projection), all of it; NULL with the
 * error in c. A bare absolute path, such as ($.a), comes back as E_PATH. */
static Expr *parse_projection(Cur *c) {
    Expr *e = parse_or(c, 0);
    if (!e) return NULL;
    skip_sp(c);
    if (c->i < c->len) {
        perr(c, "unexpected character");
    } else if (is_logical(e)) {
        /* reported as found at the end, so it wins over the path error */
        c->failed = 1;
        c->fail_at = c->len;
        snprintf(c->err, c->errcap, "JSON Path error: a condition is only allowed in a filter");
    }
    if (c->failed) {
        free_expr(e);
        return NULL;
    }
    return e;
}

/* A query is first read as a path (RedisJSON's grammar, spaces allowed
 * between segments); when that fails, as a projection. Of two failures the
 * one found further along is reported, it is the likelier intent. */
static JsonPath *compile(const char *p, size_t len, int allow_proj, char *err, size_t errcap) {
    Cur c = {.p = p, .len = len, .err = err, .errcap = errcap};
    JsonPath *jp = xcalloc(1, sizeof *jp);
    if (len > 0 && p[0] == '$') {
        c.i = 1;
        if (parse_segments(&c, jp, 0, 0) == 0 && !c.failed) return jp;
        free_segs(jp);
        memset(jp, 0, sizeof *jp);
    } else if (!jsonpath_starts_projection(p, len)) {
        perr(&c, "expected '$'");
        goto fail;
    }
    char perr_text[256];
    Cur e = {.p = p, .len = len, .err = perr_text, .errcap = sizeof perr_text};
    Expr *x = parse_projection(&e);
    if (!x) {
        if (!c.failed || e.fail_at >= c.fail_at) snprintf(err, errcap, "%s", perr_text);
        goto fail;
    }
    if (x->kind == E_PATH) { /* ($.a): a path after all */
        *jp = *x->path;
        xfree(x->path);
        x->path = NULL;
        free_expr(x);
        return jp;
    }
    if (!allow_proj) {
        free_expr(x);
        snprintf(err, errcap,
                 "JSON Path error: a projection expression can only be read with JSON.GET, "
                 "JSON.MGET and JSON.RESP");
        goto fail;
    }
    jp->proj = x;
    return jp;
fail:
    jsonpath_free(jp);
    return NULL;
}

JsonPath *jsonpath_compile(const char *p, size_t len, char *err, size_t errcap) {
    return compile(p, len, 0, err, errcap);
}

JsonPath *jsonpath_compile_projection(const char *p, size_t len, char *err, size_t errcap) {
    return compile(p, len, 1, err, errcap);
}

int jsonpath_starts_projection(const char *p, size_t len) {
    size_t i = 0;
    if (i < len && (p[i] == '-' || p[i] == '+')) {
        i++;
        while (i < len && (p[i] == ' ' || p[i] == '\t')) i++;
        if (i < len && (p[i] == '$' || p[i] == '(')) return 1;
    }
    if (i < len && p[i] == '(') return 1;
    size_t s = i;
    while (i < len && is_word_char((unsigned char)p[i])) i++;
    if (i == s || i >= len || p[i] != '(') return 0;
    for (size_t k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
        if (strlen(funcs[k].name) == i - s && memcmp(funcs[k].name, p + s, i - s) == 0) return 1;
    return 0;
}

int jsonpath_is_static(const JsonPath *jp) {
    if (jp->proj) return 0;
    for (size_t s = 0; s < jp->n; s++) {
        const Seg *g = &jp->segs[s];
        if (g->descent || g->n != 1 || (g->kind != SEG_NAMES && g->kind != SEG_INDEXES)) return 0;
    }
    return 1;
}

size_t jsonpath_n_segments(const JsonPath *jp) {
    return jp->n;
}

int jsonpath_last_name(const JsonPath *jp, const char **name, size_t *len) {
    if (jp->n == 0 || jp->segs[jp->n - 1].kind != SEG_NAMES) return 0;
    *name = jp->segs[jp->n - 1].names[0];
    *len = jp->segs[jp->n - 1].name_lens[0];
    return 1;
}

/* ---- evaluation ------------------------------------------------------------------ */

typedef struct TStep {
    uint32_t idx;
    const char *key; /* NULL for an index */
    uint32_t klen;
} TStep;

typedef struct Ctx {
    Json *root;
    size_t n_segs;
    /* main evaluation: matches with routes */
    JsonMatches *out;
    TStep *stack;
    size_t depth, cap;
    /* filter operands: bare values */
    Json **vals;
    size_t n_vals, vals_cap;
} Ctx;

static void emit(Ctx *cx, Json *node) {
    if (!cx->out) {
        if (cx->n_vals == cx->vals_cap) {
            cx->vals_cap = cx->vals_cap ? cx->vals_cap * 2 : 8;
            cx->vals = xrealloc(cx->vals, sizeof(Json *) * cx->vals_cap);
        }
        cx->vals[cx->n_vals++] = node;
        return;
    }
    JsonMatches *ms = cx->out;
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 8;
        ms->m = xrealloc(ms->m, sizeof(JsonMatch) * ms->cap);
    }
    if (ms->n_steps + cx->depth > ms->steps_cap) {
        while (ms->n_steps + cx->depth > ms->steps_cap)
            ms->steps_cap = ms->steps_cap ? ms->steps_cap * 2 : 16;
        ms->steps = xrealloc(ms->steps, sizeof(JsonStep) * ms->steps_cap);
    }
    JsonMatch *m = &ms->m[ms->n++];
    m->val = node;
    m->first_step = ms->n_steps;
    m->n_steps = cx->depth;
    for (size_t k = 0; k < cx->depth; k++) {
        JsonStep *st = &ms->steps[ms->n_steps++];
        st->idx = cx->stack[k].idx;
        st->klen = cx->stack[k].klen;
        if (cx->stack[k].key) {
            st->key = (int64_t)ms->keys.len;
            buf_append(&ms->keys, cx->stack[k].key, cx->stack[k].klen);
        } else {
            st->key = -1;
        }
    }
}

static void push(Ctx *cx, uint32_t idx, const char *key, uint32_t klen) {
    if (!cx->out) return;
    if (cx->depth == cx->cap) {
        cx->cap = cx->cap ? cx->cap * 2 : 16;
        cx->stack = xrealloc(cx->stack, sizeof(TStep) * cx->cap);
    }
    cx->stack[cx->depth++] = (TStep){idx, key, klen};
}

static void pop(Ctx *cx) {
    if (cx->out) cx->depth--;
}

static void eval_from(Ctx *cx, const JsonPath *jp, size_t si, Json *node);
static int eval_filter(Ctx *cx, const Expr *e, Json *at);

/* Evaluates the rest of the path at child (index/name in its parent). */
static void descend(Ctx *cx, const JsonPath *jp, size_t si, Json *parent, uint32_t i) {
    if (parent->type == JSON_ARRAY) {
        push(cx, i, NULL, 0);
        eval_from(cx, jp, si, parent->v.items[i]);
    } else {
        push(cx, i, parent->v.member[i].key, parent->v.member[i].klen);
        eval_from(cx, jp, si, parent->v.member[i].val);
    }
    pop(cx);
}

static Json *child_at(Json *parent, uint32_t i) {
    return parent->type == JSON_ARRAY ? parent->v.items[i] : parent->v.member[i].val;
}

/* The segment si at node, then the rest of the path at each selected child. */
static void apply_seg(Ctx *cx, const JsonPath *jp, size_t si, Json *node) {
    const Seg *g = &jp->segs[si];
    int is_cont = node->type == JSON_ARRAY || node->type == JSON_OBJECT;
    switch (g->kind) {
    case SEG_NAMES:
        if (node->type != JSON_OBJECT) return;
        for (size_t k = 0; k < g->n; k++) {
            long at = json_object_find(node, g->names[k], g->name_lens[k]);
            if (at >= 0) descend(cx, jp, si + 1, node, (uint32_t)at);
        }
        return;
    case SEG_WILD:
        if (!is_cont) return;
        for (uint32_t i = 0; i < node->n; i++) descend(cx, jp, si + 1, node, i);
        return;
    case SEG_INDEXES:
        if (node->type != JSON_ARRAY) return;
        for (size_t k = 0; k < g->n; k++) {
            int64_t ix = g->idx[k];
            if (ix < 0) ix += node->n;
            if (ix >= 0 && ix < (int64_t)node->n) descend(cx, jp, si + 1, node, (uint32_t)ix);
        }
        return;
    case SEG_SLICE: {
        if (node->type != JSON_ARRAY || g->step <= 0) return;
        int64_t len = node->n;
        int64_t s = g->has_start ? g->start : 0, e = g->has_end ? g->end : len;
        if (s < 0) s = s + len < 0 ? 0 : s + len;
        if (e < 0) e = e + len < 0 ? 0 : e + len;
        if (s > len) s = len;
        if (e > len) e = len;
        for (int64_t ix = s; ix < e; ix += g->step) descend(cx, jp, si + 1, node, (uint32_t)ix);
        return;
    }
    case SEG_FILTER:
        if (!is_cont) return;
        for (uint32_t i = 0; i < node->n; i++)
            if (eval_filter(cx, g->filter, child_at(node, i))) descend(cx, jp, si + 1, node, i);
        return;
    }
}

static void eval_from(Ctx *cx, const JsonPath *jp, size_t si, Json *node) {
    if (si == cx->n_segs) {
        emit(cx, node);
        return;
    }
    apply_seg(cx, jp, si, node);
    if (!jp->segs[si].descent) return;
    if (node->type == JSON_ARRAY || node->type == JSON_OBJECT) {
        for (uint32_t i = 0; i < node->n; i++) {
            if (node->type == JSON_ARRAY)
                push(cx, i, NULL, 0);
            else
                push(cx, i, node->v.member[i].key, node->v.member[i].klen);
            eval_from(cx, jp, si, child_at(node, i));
            pop(cx);
        }
    }
}

/* A node list: borrowed nodes of the document or of the path, and owned
 * computed ones. */
typedef JsonValues VList;

static void vl_add(VList *l, Json *j, int own) {
    if (!j) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = xrealloc(l->v, sizeof(Json *) * l->cap);
        l->own = xrealloc(l->own, l->cap);
    }
    l->v[l->n] = j;
    l->own[l->n++] = (uint8_t)own;
}

static void vl_free(VList *l) {
    for (size_t i = 0; i < l->n; i++)
        if (l->own[i]) json_free(l->v[i]);
    xfree(l->v);
    xfree(l->own);
    memset(l, 0, sizeof *l);
}

void jsonvalues_free(JsonValues *vs) {
    vl_free(vs);
}

/* Moves item i of from into to (a copy of a part of an owned node). */
static void vl_take(VList *from, size_t i, Json *part, VList *to) {
    if (!from->own[i]) {
        vl_add(to, part, 0);
    } else if (part == from->v[i]) {
        from->own[i] = 0;
        vl_add(to, part, 1);
    } else {
        vl_add(to, json_dup(part), 1);
    }
}

/* Equality with 1 == 1.0, also inside arrays and objects. */
static int veq(const Json *a, const Json *b) {
    if (json_is_number(a) && json_is_number(b)) {
        if (a->type == b->type) return json_equal(a, b);
        if (a->type == JSON_DOUBLE || b->type == JSON_DOUBLE)
            return json_number_as_double(a) == json_number_as_double(b);
        return 0; /* INT and UINT: a UINT is above every INT */
    }
    if (a->type != b->type) return 0;
    if (a->type == JSON_ARRAY) {
        if (a->n != b->n) return 0;
        for (uint32_t i = 0; i < a->n; i++)
            if (!veq(a->v.items[i], b->v.items[i])) return 0;
        return 1;
    }
    if (a->type == JSON_OBJECT) {
        if (a->n != b->n) return 0;
        for (uint32_t i = 0; i < a->n; i++) {
            long k = json_object_find(b, a->v.member[i].key, a->v.member[i].klen);
            if (k < 0 || !veq(a->v.member[i].val, b->v.member[k].val)) return 0;
        }
        return 1;
    }
    return json_equal(a, b);
}

static int member_of(const Json *v, const Json *arr) {
    for (uint32_t i = 0; i < arr->n; i++)
        if (veq(v, arr->v.items[i])) return 1;
    return 0;
}

/* Characters of a UTF-8 string, elements of an array, members of an object;
 * -1 for other types. */
static int64_t size_of(const Json *j) {
    if (j->type == JSON_ARRAY || j->type == JSON_OBJECT) return j->n;
    if (j->type != JSON_STRING) return -1;
    int64_t n = 0;
    for (uint32_t i = 0; i < j->n; i++) n += ((unsigned char)j->v.s[i] & 0xC0) != 0x80;
    return n;
}

static int compare(const Json *a, const Json *b, int op, const Expr *e) {
    if (op == OP_RE) {
        if (a->type != JSON_STRING || b->type != JSON_STRING) return 0;
        if (e->has_re) return regexec(&e->re, a->v.s, 0, NULL, 0) == 0;
        regex_t re;
        if (regcomp(&re, b->v.s, REG_EXTENDED | REG_NOSUB) != 0) return 0;
        int ok = regexec(&re, a->v.s, 0, NULL, 0) == 0;
        regfree(&re);
        return ok;
    }
    switch (op) {
    case OP_IN:
        return b->type == JSON_ARRAY && member_of(a, b);
    case OP_NIN:
        return !(b->type == JSON_ARRAY && member_of(a, b));
    case OP_SUBSETOF:
    case OP_ANYOF:
    case OP_NONEOF: {
        if (a->type != JSON_ARRAY || b->type != JSON_ARRAY) return 0;
        uint32_t common = 0;
        for (uint32_t i = 0; i < a->n; i++) common += (uint32_t)member_of(a->v.items[i], b);
        if (op == OP_SUBSETOF) return common == a->n;
        return op == OP_ANYOF ? common > 0 : common == 0;
    }
    case OP_SIZEOF: {
        if (!json_is_number(b)) return 0;
        double want = json_number_as_double(b);
        int64_t n = size_of(a);
        return n >= 0 && (double)n == trunc(want);
    }
    case OP_EMPTY: {
        int64_t n = size_of(a);
        return b->type == JSON_BOOL && n >= 0 && (n == 0) == (b->b != 0);
    }
    }
    int c;
    if (json_is_number(a) && json_is_number(b)) {
        if (a->type == JSON_INT && b->type == JSON_INT) {
            c = a->v.i < b->v.i ? -1 : a->v.i > b->v.i;
        } else {
            double x = json_number_as_double(a), y = json_number_as_double(b);
            c = x < y ? -1 : x > y;
        }
    } else if (a->type == JSON_STRING && b->type == JSON_STRING) {
        size_t n = a->n < b->n ? a->n : b->n;
        c = memcmp(a->v.s, b->v.s, n);
        if (c == 0) c = a->n < b->n ? -1 : a->n > b->n;
    } else if (a->type == b->type) {
        int eq = veq(a, b);
        if (op == OP_EQ) return eq;
        if (op == OP_NE) return !eq;
        if (a->type == JSON_BOOL) {
            c = a->b - b->b;
        } else {
            return (op == OP_LE || op == OP_GE) && eq;
        }
    } else {
        return op == OP_NE;
    }
    switch (op) {
    case OP_EQ:
        return c == 0;
    case OP_NE:
        return c != 0;
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

static void eval_val(Ctx *cx, const Expr *e, Json *at, VList *out);

/* The only node of an argument, or NULL (Nothing) for none or several. */
static Json *single(const VList *l) {
    return l->n == 1 ? l->v[0] : NULL;
}

static Json *num_result(double d) {
    return isfinite(d) ? json_new_double(d) : NULL;
}

static Json *arith(int op, const Json *x, const Json *y) {
    if (!x || !y || !json_is_number(x) || !json_is_number(y)) return NULL;
    if (x->type == JSON_INT && y->type == JSON_INT && op != '/') {
        int64_t a = x->v.i, b = y->v.i, r;
        switch (op) {
        case '+':
            if (!__builtin_add_overflow(a, b, &r)) return json_new_int(r);
            break;
        case '-':
            if (!__builtin_sub_overflow(a, b, &r)) return json_new_int(r);
            break;
        case '*':
            if (!__builtin_mul_overflow(a, b, &r)) return json_new_int(r);
            break;
        default:
            if (b == 0) return NULL;
            return json_new_int(b == -1 ? 0 : a % b);
        }
    }
    double a = json_number_as_double(x), b = json_number_as_double(y);
    switch (op) {
    case '+':
        return num_result(a + b);
    case '-':
        return num_result(a - b);
    case '*':
        return num_result(a * b);
    case '/':
        return b == 0 ? NULL : num_result(a / b);
    default:
        return b == 0 ? NULL : num_result(fmod(a, b));
    }
}

/* abs/ceiling/floor: an integer stays one; a result outside the signed
 * 64-bit range is Nothing. */
static Json *rounding(int fn, const Json *x) {
    if (!x || !json_is_number(x)) return NULL;
    if (x->type == JSON_INT) {
        if (fn != F_ABS) return json_new_int(x->v.i);
        return x->v.i == INT64_MIN ? NULL : json_new_int(x->v.i < 0 ? -x->v.i : x->v.i);
    }
    double d = json_number_as_double(x);
    d = fn == F_ABS ? fabs(d) : fn == F_CEILING ? ceil(d) : floor(d);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return NULL;
    return x->type == JSON_UINT ? NULL : json_new_double(d);
}

/* min max avg sum stddev over n numbers (n > 0; any other value gives
 * Nothing). min and max set *pick to the index of their answer and return
 * NULL; the others return the value computed. */
static Json *aggregate(int fn, Json *const *item, size_t n, size_t *pick) {
    int all_int = 1;
    for (size_t i = 0; i < n; i++) {
        if (!json_is_number(item[i])) return NULL;
        all_int &= item[i]->type == JSON_INT;
    }
    if (fn == F_MIN || fn == F_MAX) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (compare(item[i], item[best], fn == F_MIN ? OP_LT : OP_GT, NULL)) best = i;
        *pick = best;
        return NULL;
    }
    if (fn == F_SUM && all_int) {
        int64_t s = 0;
        int over = 0;
        for (size_t i = 0; i < n && !over; i++) over = __builtin_add_overflow(s, item[i]->v.i, &s);
        if (!over) return json_new_int(s);
    }
    double s = 0;
    for (size_t i = 0; i < n; i++) s += json_number_as_double(item[i]);
    if (fn == F_SUM) return num_result(s);
    double mean = s / (double)n;
    if (fn == F_AVG) return num_result(mean);
    double v = 0;
    for (size_t i = 0; i < n; i++) {
        double d = json_number_as_double(item[i]) - mean;
        v += d * d;
    }
    return num_result(sqrt(v / (double)n));
}

static int regex_test(const Json *s, const Json *pat, int anchored) {
    if (!s || !pat || s->type != JSON_STRING || pat->type != JSON_STRING) return 0;
    Buf b;
    buf_init(&b);
    if (anchored) buf_append(&b, "^(", 2);
    buf_append(&b, pat->v.s, pat->n);
    if (anchored) buf_append(&b, ")$", 2);
    buf_append_char(&b, '\0');
    regex_t re;
    int ok = 0;
    if (memchr(pat->v.s, '\0', pat->n) == NULL &&
        regcomp(&re, buf_data(&b), REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&re, s->v.s, 0, NULL, 0) == 0;
        regfree(&re);
    }
    buf_free(&b);
    return ok;
}

/* append(array, value...): a copy of the array with the values after its
 * elements; an argument of several nodes is one element (an array of them),
 * one of none makes the whole Nothing. */
static void append(Ctx *cx, const Expr *e, Json *at, VList *out) {
    VList l = {0};
    eval_val(cx, e->args[0], at, &l);
    Json *arr = single(&l);
    Json *r = arr && arr->type == JSON_ARRAY ? json_dup(arr) : NULL;
    vl_free(&l);
    for (size_t k = 1; k < e->n_args && r; k++) {
        eval_val(cx, e->args[k], at, &l);
        if (l.n == 0) {
            json_free(r);
            r = NULL;
        } else if (l.n == 1) {
            json_array_append(r, json_dup(l.v[0]));
        } else {
            Json *many = json_new(JSON_ARRAY);
            for (size_t i = 0; i < l.n; i++) json_array_append(many, json_dup(l.v[i]));
            json_array_append(r, many);
        }
        vl_free(&l);
    }
    vl_add(out, r, 1);
}

/* Whether e gives a node list rather than one value: a path that is not
 * static, or keys(). */
static int is_node_list(const Expr *e) {
    return (e->kind == E_PATH && !jsonpath_is_static(e->path)) ||
           (e->kind == E_FUNC && e->op == F_KEYS);
}

/* The arity each function takes (-1: one or more; append two or more). */
static int arity(int fn) {
    switch (fn) {
    case F_MATCH:
    case F_SEARCH:
    case F_INDEX:
        return 2;
    case F_CONCAT:
    case F_APPEND:
        return -1;
    default:
        return 1;
    }
}

/* A function's result into out (nothing for Nothing); for match/search,
 * 1 or 0 in *truth. */
static void call(Ctx *cx, const Expr *e, Json *at, VList *out, int *truth) {
    int want = arity(e->op);
    *truth = 0;
    if (want < 0 ? e->n_args < (e->op == F_APPEND ? 2u : 1u) : e->n_args != (size_t)want) return;
    VList a[2];
    memset(a, 0, sizeof a);
    if (e->op == F_CONCAT) {
        Buf b;
        buf_init(&b);
        int ok = 1;
        for (size_t k = 0; k < e->n_args && ok; k++) {
            VList l = {0};
            eval_val(cx, e->args[k], at, &l);
            Json *s = single(&l);
            ok = s && s->type == JSON_STRING;
            if (ok) buf_append(&b, s->v.s, s->n);
            vl_free(&l);
        }
        if (ok) vl_add(out, json_new_string(buf_data(&b), buf_live(&b)), 1);
        buf_free(&b);
        return;
    }
    if (e->op == F_APPEND) {
        append(cx, e, at, out);
        return;
    }
    for (size_t k = 0; k < e->n_args; k++) eval_val(cx, e->args[k], at, &a[k]);
    Json *x = single(&a[0]), *r = NULL;
    switch (e->op) {
    case F_LENGTH: {
        int64_t n = x ? size_of(x) : -1;
        if (n >= 0) r = json_new_int(n);
        break;
    }
    case F_COUNT:
        r = json_new_int((int64_t)a[0].n);
        break;
    case F_VALUE:
        if (x) vl_take(&a[0], 0, x, out);
        break;
    case F_KEYS: /* the member names of every object of the argument */
        for (size_t k = 0; k < a[0].n; k++) {
            const Json *o = a[0].v[k];
            if (o->type != JSON_OBJECT) continue;
            for (uint32_t i = 0; i < o->n; i++)
                vl_add(out, json_new_string(o->v.member[i].key, o->v.member[i].klen), 1);
        }
        break;
    case F_MATCH:
    case F_SEARCH:
        *truth = regex_test(x, single(&a[1]), e->op == F_MATCH);
        break;
    case F_ABS:
    case F_CEILING:
    case F_FLOOR:
        r = rounding(e->op, x);
        break;
    case F_FIRST:
    case F_LAST:
        if (x && x->type == JSON_ARRAY && x->n > 0)
            vl_take(&a[0], 0, x->v.items[e->op == F_FIRST ? 0 : x->n - 1], out);
        break;
    case F_INDEX: {
        Json *n = single(&a[1]);
        if (!x || x->type != JSON_ARRAY || !n || !json_is_number(n)) break;
        double d = json_number_as_double(n);
        if (!(d > -4e9 && d < 4e9)) break;
        int64_t ix = (int64_t)d; /* truncates toward zero */
        if (ix < 0) ix += x->n;
        if (ix >= 0 && ix < (int64_t)x->n) vl_take(&a[0], 0, x->v.items[ix], out);
        break;
    }
    default: {
        /* over one array's elements, or else over the nodes a query that
         * can select several (a wildcard, descent, slice, union, filter, or
         * keys()) selected, however many it did */
        int array = x && x->type == JSON_ARRAY;
        int spread = !array && is_node_list(e->args[0]);
        Json *const *item = spread ? a[0].v : array ? x->v.items : NULL;
        size_t n = spread ? a[0].n : array ? x->n : 0, pick = SIZE_MAX;
        if (n > 0) r = aggregate(e->op, item, n, &pick);
        if (pick != SIZE_MAX) vl_take(&a[0], spread ? pick : 0, item[pick], out);
        break;
    }
    }
    vl_add(out, r, 1);
    vl_free(&a[0]);
    vl_free(&a[1]);
}

static void eval_val(Ctx *cx, const Expr *e, Json *at, VList *out) {
    switch (e->kind) {
    case E_PATH: {
        Ctx sub = {cx->root, e->path->n, NULL, NULL, 0, 0, NULL, 0, 0};
        eval_from(&sub, e->path, 0, e->rel ? at : cx->root);
        for (size_t i = 0; i < sub.n_vals; i++) vl_add(out, sub.vals[i], 0);
        xfree(sub.vals);
        return;
    }
    case E_LIT:
        vl_add(out, e->lit, 0);
        return;
    case E_ARITH: {
        VList l = {0}, r = {0};
        eval_val(cx, e->a, at, &l);
        eval_val(cx, e->b, at, &r);
        vl_add(out, arith(e->op, single(&l), single(&r)), 1);
        vl_free(&l);
        vl_free(&r);
        return;
    }
    case E_NEG: {
        VList l = {0};
        eval_val(cx, e->a, at, &l);
        Json *x = single(&l);
        if (x && json_is_number(x)) {
            if (e->op == '+')
                vl_take(&l, 0, x, out);
            else if (x->type == JSON_INT && x->v.i != INT64_MIN)
                vl_add(out, json_new_int(-x->v.i), 1);
            else
                vl_add(out, json_new_double(-json_number_as_double(x)), 1);
        }
        vl_free(&l);
        return;
    }
    case E_FUNC: {
        int truth;
        call(cx, e, at, out, &truth);
        return;
    }
    }
}

static int is_container_lit(const Expr *e) {
    return e->kind == E_LIT && (e->lit->type == JSON_ARRAY || e->lit->type == JSON_OBJECT);
}

static int eval_filter(Ctx *cx, const Expr *e, Json *at) {
    switch (e->kind) {
    case E_OR:
        return eval_filter(cx, e->a, at) || eval_filter(cx, e->b, at);
    case E_AND:
        return eval_filter(cx, e->a, at) && eval_filter(cx, e->b, at);
    case E_NOT:
        return !eval_filter(cx, e->a, at);
    case E_CMP: {
        if (e->op >= OP_LT && e->op <= OP_GE && (is_container_lit(e->a) || is_container_lit(e->b)))
            return 0;
        VList l = {0}, r = {0};
        eval_val(cx, e->a, at, &l);
        eval_val(cx, e->b, at, &r);
        int ok = 0;
        for (size_t i = 0; i < l.n && !ok; i++)
            for (size_t k = 0; k < r.n && !ok; k++) ok = compare(l.v[i], r.v[k], e->op, e);
        vl_free(&l);
        vl_free(&r);
        return ok;
    }
    default: {
        VList l = {0};
        int truth = 0;
        if (e->kind == E_FUNC)
            call(cx, e, at, &l, &truth);
        else
            eval_val(cx, e, at, &l);
        int ok = truth || l.n > 0;
        vl_free(&l);
        return ok;
    }
    }
}

void jsonmatches_init(JsonMatches *ms) {
    memset(ms, 0, sizeof *ms);
    buf_init(&ms->keys);
}

void jsonmatches_free(JsonMatches *ms) {
    xfree(ms->m);
    xfree(ms->steps);
    buf_free(&ms->keys);
    memset(ms, 0, sizeof *ms);
}

void jsonpath_eval_prefix(const JsonPath *jp, size_t n_segments, Json *root, JsonMatches *out) {
    assert(!jp->proj);
    Ctx cx = {root, n_segments, out, NULL, 0, 0, NULL, 0, 0};
    eval_from(&cx, jp, 0, root);
    xfree(cx.stack);
}

void jsonpath_eval(const JsonPath *jp, Json *root, JsonMatches *out) {
    jsonpath_eval_prefix(jp, jp->n, root, out);
}

/* append() as the whole projection: the reply is enriched rather than one
 * array computed, so a receiver of one array gives its elements and any
 * other receiver (several nodes, one non-array node, none) gives its nodes,
 * then each argument as one element (a list of several nodes as an array
 * of them). An argument that is Nothing makes the whole Nothing. */
static void project_append(Ctx *cx, const Expr *e, Json *root, VList *out) {
    VList args = {0}, recv = {0};
    for (size_t k = 1; k < e->n_args; k++) {
        VList l = {0};
        eval_val(cx, e->args[k], root, &l);
        if (l.n == 0) {
            vl_free(&args);
            return;
        }
        if (l.n == 1) {
            vl_take(&l, 0, l.v[0], &args);
        } else {
            Json *many = json_new(JSON_ARRAY);
            for (size_t i = 0; i < l.n; i++) json_array_append(many, json_dup(l.v[i]));
            vl_add(&args, many, 1);
        }
        vl_free(&l);
    }
    eval_val(cx, e->args[0], root, &recv);
    Json *arr = single(&recv);
    if (arr && arr->type == JSON_ARRAY)
        for (uint32_t i = 0; i < arr->n; i++) vl_take(&recv, 0, arr->v.items[i], out);
    else
        for (size_t i = 0; i < recv.n; i++) vl_take(&recv, i, recv.v[i], out);
    for (size_t i = 0; i < args.n; i++) vl_take(&args, i, args.v[i], out);
    vl_free(&recv);
    vl_free(&args);
}

void jsonpath_values(const JsonPath *jp, Json *root, JsonValues *out) {
    Ctx cx = {root, jp->n, NULL, NULL, 0, 0, NULL, 0, 0};
    if (!jp->proj) {
        eval_from(&cx, jp, 0, root);
        for (size_t i = 0; i < cx.n_vals; i++) vl_add(out, cx.vals[i], 0);
        xfree(cx.vals);
    } else if (jp->proj->kind == E_FUNC && jp->proj->op == F_APPEND && jp->proj->n_args >= 2) {
        project_append(&cx, jp->proj, root, out);
    } else {
        eval_val(&cx, jp->proj, root, out);
    }
}

Json *jsonpath_resolve(Json *root, const JsonMatches *ms, size_t i, Json **parent, size_t *idx) {
    const JsonMatch *m = &ms->m[i];
    Json *cur = root, *par = NULL;
    size_t at = 0;
    for (size_t k = 0; k < m->n_steps; k++) {
        const JsonStep *st = &ms->steps[m->first_step + k];
        if (st->key < 0) {
            if (cur->type != JSON_ARRAY || st->idx >= cur->n) return NULL;
            par = cur;
            at = st->idx;
            cur = cur->v.items[st->idx];
            if (!cur) return NULL; /* emptied in place by a removal in progress */
        } else {
            if (cur->type != JSON_OBJECT) return NULL;
            const char *key = ms->keys.p + st->key;
            long f;
            if (st->idx < cur->n && cur->v.member[st->idx].klen == st->klen &&
                memcmp(cur->v.member[st->idx].key, key, st->klen) == 0)
                f = (long)st->idx;
            else
                f = json_object_find(cur, key, st->klen);
            if (f < 0) return NULL;
            par = cur;
            at = (size_t)f;
            cur = cur->v.member[f].val;
            if (!cur) return NULL;
        }
    }
    if (parent) *parent = par;
    if (idx) *idx = at;
    return cur;
}

static const JsonMatches *sort_ms;

static int cmp_route(const void *pa, const void *pb) {
    const JsonMatch *a = &sort_ms->m[*(const size_t *)pa], *b = &sort_ms->m[*(const size_t *)pb];
    size_t n = a->n_steps < b->n_steps ? a->n_steps : b->n_steps;
    for (size_t k = 0; k < n; k++) {
        const JsonStep *x = &sort_ms->steps[a->first_step + k];
        const JsonStep *y = &sort_ms->steps[b->first_step + k];
        if (x->key < 0 && y->key < 0) {
            if (x->idx != y->idx) return x->idx > y->idx ? -1 : 1;
        } else if (x->key >= 0 && y->key >= 0) {
            size_t m = x->klen < y->klen ? x->klen : y->klen;
            int c = memcmp(sort_ms->keys.p + x->key, sort_ms->keys.p + y->key, m);
            if (c == 0) c = x->klen < y->klen ? -1 : x->klen > y->klen;
            if (c) return c;
        } else {
            return x->key >= 0 ? -1 : 1;
        }
    }
    if (a->n_steps != b->n_steps) return a->n_steps > b->n_steps ? -1 : 1;
    return 0;
}

void jsonmatches_sort_for_update(const JsonMatches *ms, size_t *order, size_t n) {
    sort_ms = ms;
    qsort(order, n, sizeof *order, cmp_route);
    sort_ms = NULL;
}

typedef struct PtrIdx {
    const Json *p;
    size_t i;
} PtrIdx;

static int cmp_ptr(const void *pa, const void *pb) {
    const PtrIdx *a = pa, *b = pb;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static void mark_walk(const Json *node, int inside, const PtrIdx *v, size_t n, uint8_t *nested) {
    PtrIdx key = {node, 0};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_ptr(&v[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int here = 0;
    for (size_t k = lo; k < n && v[k].p == node; k++) {
        nested[v[k].i] = inside || here;
        here = 1;
    }
    inside |= here;
    if (node->type == JSON_ARRAY)
        for (uint32_t i = 0; i < node->n; i++) mark_walk(node->v.items[i], inside, v, n, nested);
    else if (node->type == JSON_OBJECT)
        for (uint32_t i = 0; i < node->n; i++)
            mark_walk(node->v.member[i].val, inside, v, n, nested);
}

void jsonmatches_mark_nested(const JsonMatches *ms, const Json *root, uint8_t *nested) {
    if (ms->n == 0) return;
    PtrIdx *v = xmalloc(sizeof(PtrIdx) * ms->n);
    for (size_t i = 0; i < ms->n; i++) v[i] = (PtrIdx){ms->m[i].val, i};
    qsort(v, ms->n, sizeof *v, cmp_ptr);
    memset(nested, 0, ms->n);
    mark_walk(root, 0, v, ms->n, nested);
    xfree(v);
}
