/*
 * vexpr.c - VSIM's FILTER expressions, with the semantics of Redis 8's
 * vector sets (written for streamd from their documentation and tests).
 *
 * Compile: the text is split into tokens (numbers, with a leading '-' when a
 * value is expected; '...' or "..." strings; .selectors of letters, digits,
 * '_' and '-'; [tuples] of numbers and strings; the literal null; and the
 * operators below, the longest operator that prefixes a run of letters and
 * operator characters), then turned into postfix by shunting-yard, checking
 * that every operator finds its operands and exactly one value remains.
 *
 *   precedence  operators
 *   6           ! not           (unary)
 *   5           **              (right associative)
 *   4           * / %
 *   3           + -
 *   2           > >= < <= == != in
 *   1           and &&
 *   0           or ||
 *
 * Errors are reported at an offset into the text: where the tokenizer
 * stopped, or 0 for an expression whose tokens do not fit together.
 *
 * Run: a selector reads the top-level field of the element's JSON object
 * (numbers, strings, true/false as 1/0, null, arrays of those as tuples); a
 * missing field or any other value makes the whole expression false.
 * Arithmetic and ordering convert to numbers (a string that is not a whole
 * number is 0); == compares strings as bytes, numbers as numbers, null only
 * equals null, mixed kinds as numbers; "x in [..]" is tuple membership and
 * "s in t" on two strings is substring search. Truth: non-zero numbers,
 * non-empty strings, tuples; not null. Nothing is short-circuited and
 * nothing fails at run time (1/0 is inf).
 */
#include "types/vexpr.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

enum { V_NUM, V_STR, V_NULL, V_TUPLE, V_SEL, V_OP };

enum {
    OP_OPEN,
    OP_CLOSE,
    OP_NOT,
    OP_POW,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_ADD,
    OP_SUB,
    OP_GT,
    OP_GE,
    OP_LT,
    OP_LE,
    OP_EQ,
    OP_NE,
    OP_IN,
    OP_AND,
    OP_OR,
};

static const struct {
    const char *name;
    int op, prec, arity;
} ops[] = {
    {"(", OP_OPEN, 7, 0}, {")", OP_CLOSE, 7, 0}, {"!", OP_NOT, 6, 1},  {"not", OP_NOT, 6, 1},
    {"**", OP_POW, 5, 2}, {"*", OP_MUL, 4, 2},   {"/", OP_DIV, 4, 2},  {"%", OP_MOD, 4, 2},
    {"+", OP_ADD, 3, 2},  {"-", OP_SUB, 3, 2},   {">", OP_GT, 2, 2},   {">=", OP_GE, 2, 2},
    {"<", OP_LT, 2, 2},   {"<=", OP_LE, 2, 2},   {"==", OP_EQ, 2, 2},  {"!=", OP_NE, 2, 2},
    {"in", OP_IN, 2, 2},  {"and", OP_AND, 1, 2}, {"&&", OP_AND, 1, 2}, {"or", OP_OR, 0, 2},
    {"||", OP_OR, 0, 2},
};
#define N_OPS       (sizeof ops / sizeof ops[0])
#define OP_CHARS    "+-*%/!()<>=|&"
#define MAX_NUM_LEN 255

typedef struct Val {
    int t;
    double num;
    const char *s; /* V_STR, V_SEL */
    size_t len;
    struct Val *items; /* V_TUPLE */
    size_t n;
    int op; /* V_OP */
} Val;

struct VExpr {
    char *src; /* a NUL-terminated copy the tokens point into */
    Val *prog;
    size_t n_prog;
    Val *stack; /* run-time values, n_prog long at most */
    void **scratch;
    size_t n_scratch, cap_scratch;
};

static int op_prec(int op) {
    for (size_t i = 0; i < N_OPS; i++)
        if (ops[i].op == op) return ops[i].prec;
    return -1;
}

static int op_arity(int op) {
    for (size_t i = 0; i < N_OPS; i++)
        if (ops[i].op == op) return ops[i].arity;
    return 0;
}

static int is_sel_char(int c) {
    return isalnum(c) || c == '_' || c == '-';
}

static int parse_num(const char **pp, Val *v) {
    const char *p = *pp;
    char buf[MAX_NUM_LEN + 1];
    size_t n = 0;
    while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
           (n == 0 && *p == '-')) {
        if (n >= MAX_NUM_LEN) {
            *pp = p;
            return -1;
        }
        buf[n++] = *p++;
    }
    buf[n] = '\0';
    *pp = p;
    char *end;
    v->t = V_NUM;
    v->num = strtod(buf, &end);
    return *end == '\0' ? 0 : -1;
}

static int parse_str(const char **pp, Val *v) {
    const char *p = *pp;
    char q = *p++;
    const char *start = p;
    while (*p) {
        if (*p == '\\' && p[1]) {
            p += 2;
            continue;
        }
        if (*p == q) {
            v->t = V_STR;
            v->s = start;
            v->len = (size_t)(p - start);
            *pp = p + 1;
            return 0;
        }
        p++;
    }
    *pp = p;
    return -1;
}

static void val_free(Val *v) {
    if (v->t == V_TUPLE) xfree(v->items);
}

static int parse_tuple(const char **pp, Val *v) {
    const char *p = *pp + 1;
    size_t cap = 0;
    v->t = V_TUPLE;
    v->items = NULL;
    v->n = 0;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == ']') {
            p++;
            break;
        }
        if (v->n == cap) {
            cap = cap ? cap * 2 : 4;
            v->items = xrealloc(v->items, sizeof(Val) * cap);
        }
        Val *e = &v->items[v->n];
        memset(e, 0, sizeof *e);
        int rc;
        if (isdigit((unsigned char)*p) || *p == '-')
            rc = parse_num(&p, e);
        else if (*p == '"' || *p == '\'')
            rc = parse_str(&p, e);
        else
            rc = -1;
        if (rc != 0) goto bad;
        v->n++;
        while (isspace((unsigned char)*p)) p++;
        if (*p == ']') {
            p++;
            break;
        }
        if (*p != ',') goto bad;
        p++;
    }
    *pp = p;
    return 0;
bad:
    *pp = p;
    val_free(v);
    return -1;
}

static int parse_op(const char **pp, Val *v) {
    const char *start = *pp, *p = start;
    while (*p && (isalpha((unsigned char)*p) || strchr(OP_CHARS, *p))) p++;
    size_t run = (size_t)(p - start);
    if (run == 4 && memcmp(start, "null", 4) == 0) {
        v->t = V_NULL;
        *pp = p;
        return 0;
    }
    size_t best = 0;
    for (size_t i = 0; i < N_OPS; i++) {
        size_t l = strlen(ops[i].name);
        if (l <= run && l > best && memcmp(ops[i].name, start, l) == 0) {
            best = l;
            v->t = V_OP;
            v->op = ops[i].op;
        }
    }
    if (best == 0) {
        *pp = p;
        return -1;
    }
    *pp = start + best;
    return 0;
}

void vexpr_free(VExpr *e) {
    if (!e) return;
    for (size_t i = 0; i < e->n_prog; i++) val_free(&e->prog[i]);
    xfree(e->prog);
    xfree(e->stack);
    xfree(e->scratch);
    xfree(e->src);
    xfree(e);
}

VExpr *vexpr_compile(const char *src, size_t len, size_t *errpos) {
    size_t n = strnlen(src, len);
    VExpr *e = xcalloc(1, sizeof *e);
    e->src = xmalloc(n + 1);
    memcpy(e->src, src, n);
    e->src[n] = '\0';
    /* at most one token per byte, plus the end */
    e->prog = xmalloc(sizeof(Val) * (n + 1));
    Val *opst = xmalloc(sizeof(Val) * (n + 1));
    size_t n_ops = 0;
    int depth = 0; /* values the program would leave on its stack */
    int last_kind = -1, last_op = -1;
    const char *p = e->src;
    *errpos = 0;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0') break;
        int minus_num = last_kind == -1 || (last_kind == V_OP && last_op != OP_CLOSE);
        Val v;
        memset(&v, 0, sizeof v);
        int rc = -1;
        if (isdigit((unsigned char)*p) || (minus_num && *p == '-' && isdigit((unsigned char)p[1])))
            rc = parse_num(&p, &v);
        else if (*p == '"' || *p == '\'')
            rc = parse_str(&p, &v);
        else if (*p == '.' && is_sel_char((unsigned char)p[1])) {
            const char *s = ++p;
            while (*p && is_sel_char((unsigned char)*p)) p++;
            v.t = V_SEL;
            v.s = s;
            v.len = (size_t)(p - s);
            rc = 0;
        } else if (*p == '[')
            rc = parse_tuple(&p, &v);
        else if (isalpha((unsigned char)*p) || strchr(OP_CHARS, *p))
            rc = parse_op(&p, &v);
        if (rc != 0) {
            *errpos = (size_t)(p - e->src);
            goto bad;
        }
        last_kind = v.t;
        last_op = v.t == V_OP ? v.op : -1;
        if (v.t != V_OP) {
            e->prog[e->n_prog++] = v;
            depth++;
            continue;
        }
        if (v.op == OP_OPEN) {
            opst[n_ops++] = v;
            continue;
        }
        if (v.op == OP_CLOSE) {
            for (;;) {
                if (n_ops == 0) goto bad_at0;
                Val top = opst[--n_ops];
                if (top.op == OP_OPEN) break;
                int ar = op_arity(top.op);
                if (depth < ar) goto bad_at0;
                e->prog[e->n_prog++] = top;
                depth = depth - ar + 1;
            }
            continue;
        }
        int prec = op_prec(v.op);
        while (n_ops > 0 && opst[n_ops - 1].op != OP_OPEN) {
            int tp = op_prec(opst[n_ops - 1].op);
            if (tp < prec || (v.op == OP_POW && tp <= prec)) break;
            Val top = opst[--n_ops];
            int ar = op_arity(top.op);
            if (depth < ar) goto bad_at0;
            e->prog[e->n_prog++] = top;
            depth = depth - ar + 1;
        }
        opst[n_ops++] = v;
    }
    while (n_ops > 0) {
        Val top = opst[--n_ops];
        if (top.op == OP_OPEN) goto bad_at0;
        int ar = op_arity(top.op);
        if (depth < ar) goto bad_at0;
        e->prog[e->n_prog++] = top;
        depth = depth - ar + 1;
    }
    if (depth != 1) goto bad_at0;
    xfree(opst);
    e->stack = xmalloc(sizeof(Val) * (e->n_prog + 1));
    return e;
bad_at0:
    *errpos = 0;
bad:
    xfree(opst);
    vexpr_free(e);
    return NULL;
}

/* ---- run ------------------------------------------------------------------- */

static void *scratch(VExpr *e, size_t n) {
    if (e->n_scratch == e->cap_scratch) {
        e->cap_scratch = e->cap_scratch ? e->cap_scratch * 2 : 8;
        e->scratch = xrealloc(e->scratch, sizeof(void *) * e->cap_scratch);
    }
    void *p = xmalloc(n ? n : 1);
    e->scratch[e->n_scratch++] = p;
    return p;
}

static double to_num(const Val *v) {
    if (v->t == V_NUM) return v->num;
    if (v->t == V_STR && v->len < 256) {
        char buf[256];
        memcpy(buf, v->s, v->len);
        buf[v->len] = '\0';
        char *end;
        double d = strtod(buf, &end);
        return *end == '\0' ? d : 0;
    }
    return 0;
}

static int to_bool(const Val *v) {
    if (v->t == V_NUM) return v->num != 0;
    if (v->t == V_STR) return v->len != 0;
    if (v->t == V_NULL) return 0;
    return 1;
}

static int vals_equal(const Val *a, const Val *b) {
    if (a->t == V_STR && b->t == V_STR) return a->len == b->len && !memcmp(a->s, b->s, a->len);
    if (a->t == V_NUM && b->t == V_NUM) return a->num == b->num;
    if (a->t == V_NULL || b->t == V_NULL) return a->t == b->t;
    return to_num(a) == to_num(b);
}

static int str_in(const Val *a, const Val *b) {
    if (a->len > b->len) return 0;
    for (size_t i = 0; i + a->len <= b->len; i++)
        if (!memcmp(b->s + i, a->s, a->len)) return 1;
    return 0;
}

/* ---- a JSON reader for the top level of an object ---------------------------- */

typedef struct Json {
    const char *p, *end;
} Json;

static void j_ws(Json *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* A string at j->p (after its quote): its decoded bytes into *out (scratch
 * when it had escapes). -1 if malformed. */
static int j_str(VExpr *e, Json *j, const char **out, size_t *len) {
    const char *s = j->p;
    int esc = 0;
    while (j->p < j->end && *j->p != '"') {
        if (*j->p == '\\') {
            esc = 1;
            j->p++;
            if (j->p >= j->end) return -1;
        }
        j->p++;
    }
    if (j->p >= j->end) return -1;
    size_t raw = (size_t)(j->p - s);
    j->p++;
    if (!esc) {
        *out = s;
        *len = raw;
        return 0;
    }
    char *d = scratch(e, raw);
    size_t n = 0;
    for (size_t i = 0; i < raw; i++) {
        char c = s[i];
        if (c == '\\') {
            c = s[++i];
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'u': {
                unsigned cp = 0;
                if (i + 4 >= raw) return -1;
                for (int k = 1; k <= 4; k++) {
                    char h = s[i + (size_t)k];
                    if (!isxdigit((unsigned char)h)) return -1;
                    cp = cp * 16 +
                         (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
                }
                i += 4;
                if (cp < 0x80) {
                    d[n++] = (char)cp;
                } else if (cp < 0x800) {
                    d[n++] = (char)(0xC0 | (cp >> 6));
                    d[n++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    d[n++] = (char)(0xE0 | (cp >> 12));
                    d[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    d[n++] = (char)(0x80 | (cp & 0x3F));
                }
                continue;
            }
            default:
                break; /* \" \\ \/ and anything else: the character itself */
            }
        }
        d[n++] = c;
    }
    *out = d;
    *len = n;
    return 0;
}

static int j_skip(VExpr *e, Json *j, int depth);

/* A scalar at j->p into v (V_NUM, V_STR, V_NULL); 1 if the value there is
 * not a scalar (left unread), -1 if malformed. */
static int j_scalar(VExpr *e, Json *j, Val *v) {
    j_ws(j);
    if (j->p >= j->end) return -1;
    char c = *j->p;
    memset(v, 0, sizeof *v);
    if (c == '"') {
        j->p++;
        v->t = V_STR;
        return j_str(e, j, &v->s, &v->len);
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        const char *s = j->p;
        while (j->p < j->end && (isdigit((unsigned char)*j->p) || strchr("+-.eE", *j->p))) j->p++;
        char buf[64];
        size_t n = (size_t)(j->p - s);
        if (n >= sizeof buf) return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *end;
        v->t = V_NUM;
        v->num = strtod(buf, &end);
        return *end == '\0' ? 0 : -1;
    }
    static const struct {
        const char *w;
        size_t n;
        int t;
        double num;
    } words[] = {{"true", 4, V_NUM, 1}, {"false", 5, V_NUM, 0}, {"null", 4, V_NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        if ((size_t)(j->end - j->p) >= words[i].n && !memcmp(j->p, words[i].w, words[i].n)) {
            j->p += words[i].n;
            v->t = words[i].t;
            v->num = words[i].num;
            return 0;
        }
    }
    return c == '[' || c == '{' ? 1 : -1;
}

static int j_skip(VExpr *e, Json *j, int depth) {
    if (depth > 64) return -1;
    Val tmp;
    int rc = j_scalar(e, j, &tmp);
    if (rc <= 0) return rc;
    char close = *j->p == '[' ? ']' : '}';
    int is_obj = close == '}';
    j->p++;
    j_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (is_obj) {
            j_ws(j);
            if (j->p >= j->end || *j->p != '"') return -1;
            j->p++;
            const char *k;
            size_t kl;
            if (j_str(e, j, &k, &kl) != 0) return -1;
            j_ws(j);
            if (j->p >= j->end || *j->p != ':') return -1;
            j->p++;
        }
        if (j_skip(e, j, depth + 1) != 0) return -1;
        j_ws(j);
        if (j->p >= j->end) return -1;
        if (*j->p == close) {
            j->p++;
            return 0;
        }
        if (*j->p != ',') return -1;
        j->p++;
    }
}

/* The value of the top-level field name of the object json into v; 0 if
 * found and usable. */
static int j_field(VExpr *e, const char *json, size_t len, const char *name, size_t nlen, Val *v) {
    Json j = {json, json + len};
    j_ws(&j);
    if (j.p >= j.end || *j.p != '{') return -1;
    j.p++;
    j_ws(&j);
    if (j.p < j.end && *j.p == '}') return -1;
    for (;;) {
        j_ws(&j);
        if (j.p >= j.end || *j.p != '"') return -1;
        j.p++;
        const char *k;
        size_t kl;
        if (j_str(e, &j, &k, &kl) != 0) return -1;
        j_ws(&j);
        if (j.p >= j.end || *j.p != ':') return -1;
        j.p++;
        if (kl == nlen && !memcmp(k, name, nlen)) {
            int rc = j_scalar(e, &j, v);
            if (rc == 0) return 0;
            if (rc < 0 || *j.p != '[') return -1;
            /* an array of scalars: a tuple */
            j.p++;
            size_t cap = 8;
            Val *items = scratch(e, sizeof(Val) * cap);
            size_t n = 0;
            j_ws(&j);
            if (j.p < j.end && *j.p == ']') goto done;
            for (;;) {
                if (n == cap) {
                    Val *bigger = scratch(e, sizeof(Val) * cap * 2);
                    memcpy(bigger, items, sizeof(Val) * n);
                    items = bigger;
                    cap *= 2;
                }
                if (j_scalar(e, &j, &items[n]) != 0) return -1;
                n++;
                j_ws(&j);
                if (j.p >= j.end) return -1;
                if (*j.p == ']') break;
                if (*j.p != ',') return -1;
                j.p++;
            }
        done:
            memset(v, 0, sizeof *v);
            v->t = V_TUPLE;
            v->items = items;
            v->n = n;
            return 0;
        }
        if (j_skip(e, &j, 0) != 0) return -1;
        j_ws(&j);
        if (j.p >= j.end) return -1;
        if (*j.p == '}') return -1;
        if (*j.p != ',') return -1;
        j.p++;
    }
}

int vexpr_match(VExpr *e, const char *json, size_t len) {
    size_t sp = 0;
    int ok = 0;
    for (size_t i = 0; i < e->n_prog; i++) {
        const Val *t = &e->prog[i];
        if (t->t == V_SEL) {
            if (t->len == 0 || j_field(e, json, len, t->s, t->len, &e->stack[sp]) != 0) goto out;
            sp++;
            continue;
        }
        if (t->t != V_OP) {
            e->stack[sp++] = *t;
            continue;
        }
        Val b = e->stack[--sp], a;
        memset(&a, 0, sizeof a);
        if (op_arity(t->op) == 2) a = e->stack[--sp];
        double r = 0;
        switch (t->op) {
        case OP_NOT:
            r = !to_bool(&b);
            break;
        case OP_POW:
            r = pow(to_num(&a), to_num(&b));
            break;
        case OP_MUL:
            r = to_num(&a) * to_num(&b);
            break;
        case OP_DIV:
            r = to_num(&a) / to_num(&b);
            break;
        case OP_MOD:
            r = fmod(to_num(&a), to_num(&b));
            break;
        case OP_ADD:
            r = to_num(&a) + to_num(&b);
            break;
        case OP_SUB:
            r = to_num(&a) - to_num(&b);
            break;
        case OP_GT:
            r = to_num(&a) > to_num(&b);
            break;
        case OP_GE:
            r = to_num(&a) >= to_num(&b);
            break;
        case OP_LT:
            r = to_num(&a) < to_num(&b);
            break;
        case OP_LE:
            r = to_num(&a) <= to_num(&b);
            break;
        case OP_EQ:
            r = vals_equal(&a, &b);
            break;
        case OP_NE:
            r = !vals_equal(&a, &b);
            break;
        case OP_IN:
            if (b.t == V_TUPLE) {
                for (size_t k = 0; k < b.n && !r; k++) r = vals_equal(&a, &b.items[k]);
            } else if (a.t == V_STR && b.t == V_STR) {
                r = str_in(&a, &b);
            }
            break;
        case OP_AND:
            r = to_bool(&a) && to_bool(&b);
            break;
        case OP_OR:
            r = to_bool(&a) || to_bool(&b);
            break;
        default:
            break;
        }
        memset(&e->stack[sp], 0, sizeof(Val));
        e->stack[sp].t = V_NUM;
        e->stack[sp].num = r;
        sp++;
    }
    ok = sp == 1 && to_bool(&e->stack[0]);
out:
    for (size_t i = 0; i < e->n_scratch; i++) xfree(e->scratch[i]);
    e->n_scratch = 0;
    return ok;
}
