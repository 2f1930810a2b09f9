/*
 * jsonpath.c - the JSONPath compiler and evaluator (see jsonpath.h).
 *
 * Evaluation order is RedisJSON's: a segment selects children in document
 * order; a recursive-descent segment first applies the rest of the path at
 * the node itself, then descends into each child in order (so "$..a" lists
 * an outer match before the ones inside it). While walking, a stack of
 * steps (member name or index) is kept; a match copies it, names into one
 * buffer, so the match list stays valid however the tree changes later.
 */
#include "types/jsonpath.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

enum { SEG_NAMES, SEG_WILD, SEG_INDEXES, SEG_SLICE, SEG_FILTER };
enum { E_OR, E_AND, E_NOT, E_CMP, E_EXISTS };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_RE };
enum { OPND_REL, OPND_ABS, OPND_LIT };

typedef struct Operand {
    int kind;
    JsonPath *path;
    Json *lit;
} Operand;

typedef struct Expr {
    int kind, op;
    struct Expr *a, *b;
    Operand l, r;
    regex_t re;
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
};

/* ---- compiler ------------------------------------------------------------------- */

typedef struct Cur {
    const char *p;
    size_t len, i;
    char *err;
    size_t errcap;
    int failed;
} Cur;

static void perr(Cur *c, const char *what) {
    if (c->failed) return;
    c->failed = 1;
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
    xfree(jp);
}

static void free_expr(Expr *e) {
    if (!e) return;
    free_expr(e->a);
    free_expr(e->b);
    jsonpath_free(e->l.path);
    jsonpath_free(e->r.path);
    json_free(e->l.lit);
    json_free(e->r.lit);
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
           (ch >= 0 && strchr("-_`~+#%$^/:", ch) && ch != 0);
}

static Expr *parse_or(Cur *c, int depth);
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
        g->filter = parse_or(c, depth + 1);
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
            Seg *g = new_seg(jp, SEG_NAMES, descent);
            seg_add_name(g, c->p + s, c->i - s);
        }
    }
}

static int parse_operand(Cur *c, Operand *o, int depth) {
    skip_sp(c);
    int ch = peekc(c);
    if (ch == '@' || ch == '$') {
        c->i++;
        o->kind = ch == '@' ? OPND_REL : OPND_ABS;
        o->path = xcalloc(1, sizeof(JsonPath));
        return parse_segments(c, o->path, 1, depth);
    }
    o->kind = OPND_LIT;
    if (ch == '\'' || ch == '"') {
        Buf b;
        buf_init(&b);
        int rc = parse_quoted(c, &b);
        if (rc == 0) o->lit = json_new_string(buf_data(&b), buf_live(&b));
        buf_free(&b);
        return rc;
    }
    size_t s = c->i;
    while (c->i < c->len && strchr("0123456789+-.eEtruefalsn", c->p[c->i])) c->i++;
    char err[128];
    if (c->i > s) o->lit = json_parse(c->p + s, c->i - s, 1, err, sizeof err);
    if (!o->lit || o->lit->type == JSON_STRING) {
        perr(c, "expected a value");
        return -1;
    }
    return 0;
}

static Expr *parse_factor(Cur *c, int depth) {
    skip_sp(c);
    if (depth > 64) {
        perr(c, "filter nested too deeply");
        return NULL;
    }
    Expr *e = xcalloc(1, sizeof *e);
    if (peekc(c) == '!') {
        c->i++;
        e->kind = E_NOT;
        e->a = parse_factor(c, depth + 1);
        if (!e->a) goto err;
        return e;
    }
    if (peekc(c) == '(') {
        c->i++;
        xfree(e);
        e = parse_or(c, depth + 1);
        if (!e) return NULL;
        skip_sp(c);
        if (peekc(c) != ')') {
            perr(c, "expected ')'");
            goto err;
        }
        c->i++;
        return e;
    }
    if (parse_operand(c, &e->l, depth) != 0) goto err;
    skip_sp(c);
    static const struct {
        const char *s;
        int op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
               {"=~", OP_RE}, {"<", OP_LT},  {">", OP_GT}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].s);
        if (c->i + n <= c->len && memcmp(c->p + c->i, ops[k].s, n) == 0) {
            c->i += n;
            e->kind = E_CMP;
            e->op = ops[k].op;
            if (parse_operand(c, &e->r, depth) != 0) goto err;
            if (e->op == OP_RE && e->r.kind == OPND_LIT) {
                if (e->r.lit->type != JSON_STRING ||
                    regcomp(&e->re, e->r.lit->v.s, REG_EXTENDED | REG_NOSUB) != 0) {
                    perr(c, "invalid regular expression");
                    goto err;
                }
                e->has_re = 1;
            }
            return e;
        }
    }
    if (e->l.kind == OPND_LIT) {
        perr(c, "expected a comparison");
        goto err;
    }
    e->kind = E_EXISTS;
    return e;
err:
    free_expr(e);
    return NULL;
}

static Expr *parse_and(Cur *c, int depth) {
    Expr *e = parse_factor(c, depth);
    while (e) {
        skip_sp(c);
        if (c->i + 1 >= c->len || c->p[c->i] != '&' || c->p[c->i + 1] != '&') break;
        c->i += 2;
        Expr *r = parse_factor(c, depth);
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n = xcalloc(1, sizeof *n);
        n->kind = E_AND;
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
        Expr *r = parse_and(c, depth);
        if (!r) {
            free_expr(e);
            return NULL;
        }
        Expr *n = xcalloc(1, sizeof *n);
        n->kind = E_OR;
        n->a = e;
        n->b = r;
        e = n;
    }
    return e;
}

JsonPath *jsonpath_compile(const char *p, size_t len, char *err, size_t errcap) {
    Cur c = {p, len, 0, err, errcap, 0};
    JsonPath *jp = xcalloc(1, sizeof *jp);
    if (len == 0 || p[0] != '$') {
        perr(&c, "expected '$'");
        goto fail;
    }
    c.i = 1;
    if (parse_segments(&c, jp, 0, 0) != 0 || c.failed) goto fail;
    return jp;
fail:
    jsonpath_free(jp);
    return NULL;
}

int jsonpath_is_static(const JsonPath *jp) {
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

/* The values of an operand (borrowed; *owned set when vals must be freed). */
static Json **operand_values(Ctx *cx, const Operand *o, Json *at, size_t *n, Json **one) {
    if (o->kind == OPND_LIT) {
        *one = o->lit;
        *n = 1;
        return one;
    }
    Ctx sub = {cx->root, o->path->n, NULL, NULL, 0, 0, NULL, 0, 0};
    eval_from(&sub, o->path, 0, o->kind == OPND_REL ? at : cx->root);
    *n = sub.n_vals;
    return sub.vals;
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
        int eq = json_equal(a, b);
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

static int eval_filter(Ctx *cx, const Expr *e, Json *at) {
    switch (e->kind) {
    case E_OR:
        return eval_filter(cx, e->a, at) || eval_filter(cx, e->b, at);
    case E_AND:
        return eval_filter(cx, e->a, at) && eval_filter(cx, e->b, at);
    case E_NOT:
        return !eval_filter(cx, e->a, at);
    case E_EXISTS: {
        size_t n;
        Json *one;
        Json **v = operand_values(cx, &e->l, at, &n, &one);
        if (v != &one) xfree(v);
        return n > 0;
    }
    default: {
        size_t nl, nr;
        Json *onel, *oner;
        Json **l = operand_values(cx, &e->l, at, &nl, &onel);
        Json **r = operand_values(cx, &e->r, at, &nr, &oner);
        int ok = 0;
        for (size_t i = 0; i < nl && !ok; i++)
            for (size_t k = 0; k < nr && !ok; k++) ok = compare(l[i], r[k], e->op, e);
        if (l != &onel) xfree(l);
        if (r != &oner) xfree(r);
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
    Ctx cx = {root, n_segments, out, NULL, 0, 0, NULL, 0, 0};
    eval_from(&cx, jp, 0, root);
    xfree(cx.stack);
}

void jsonpath_eval(const JsonPath *jp, Json *root, JsonMatches *out) {
    jsonpath_eval_prefix(jp, jp->n, root, out);
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
