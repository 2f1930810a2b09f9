/*
 * ftexpr.c - the expression language of FT.AGGREGATE's APPLY and FILTER
 * (and of FT.CREATE ... FILTER), with the semantics of RediSearch, written
 * for streamd from its documentation and tests.
 *
 * Parse: a hand-written tokenizer and a precedence-climbing parser build a
 * tree. Precedence, loosest first:
 *
 *   ||
 *   &&
 *   !                         (prefix, binds looser than comparisons)
 *   == != < <= > >=
 *   + -
 *   * / %
 *   ^                         (right associative)
 *   - (prefix), literals, @field, name(args), NULL, ( ... )
 *
 * Literals: numbers (decimal with fraction/exponent), '...' or "..."
 * strings where a backslash before punctuation or a space is dropped.
 * Syntax errors read "Syntax error at offset N near 'tok'" like RediSearch's
 * generated parser; unknown names "Unknown function name 'x'" / "Unknown
 * symbol 'x'".
 *
 * Evaluate: values are null, numbers, strings and arrays. A reference to a
 * field the row lacks yields a "missing" null that poisons what uses it:
 * arithmetic and functions (except exists()) return it, comparisons with it
 * are false, && / || treat it as false. Arithmetic converts strings to
 * numbers (a whole-string strtod) and fails with RediSearch's "Could not
 * convert value to a number" otherwise; ordering a number against a string
 * that is not one fails with "Error converting string '...' to number";
 * equality never fails. Run-time problems in functions follow RediSearch:
 * the math functions give nan for non-numbers, the time functions null,
 * geodistance nan; wrong argument types are errors.
 *
 * Rejected: compiling to a stack machine (as vexpr.c does for VSIM). The
 * tree is as fast for expressions of a few nodes and keeps the short-cut
 * rules of && and || and the missing-value rules simple to state.
 */
#include "types/ftexpr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"

/* ---- values ---- */

FtVal ftval_null(void) {
    FtVal v;
    memset(&v, 0, sizeof(v));
    return v;
}

FtVal ftval_num(double d) {
    FtVal v = ftval_null();
    v.type = FTV_NUM;
    v.num = d;
    return v;
}

FtVal ftval_str(const char *p, size_t len) {
    FtVal v = ftval_null();
    v.type = FTV_STR;
    v.str = xmalloc(len + 1);
    if (len) memcpy(v.str, p, len);
    v.str[len] = '\0';
    v.len = len;
    return v;
}

/* Takes ownership of a NUL-terminated xmalloc'd buffer. */
static FtVal val_take(char *p, size_t len) {
    FtVal v = ftval_null();
    v.type = FTV_STR;
    v.str = p;
    v.len = len;
    return v;
}

void ftval_free(FtVal *v) {
    if (v->type == FTV_STR) {
        xfree(v->str);
    } else if (v->type == FTV_ARR || v->type == FTV_MAP) {
        for (size_t i = 0; i < v->len; i++) ftval_free(&v->arr[i]);
        xfree(v->arr);
    }
    *v = ftval_null();
}

void ftval_copy(FtVal *dst, const FtVal *src) {
    switch (src->type) {
    case FTV_STR:
        *dst = ftval_str(src->str, src->len);
        break;
    case FTV_ARR:
    case FTV_MAP:
        *dst = ftval_null();
        dst->type = src->type;
        dst->len = src->len;
        dst->arr = src->len ? xcalloc(src->len, sizeof(FtVal)) : NULL;
        for (size_t i = 0; i < src->len; i++) ftval_copy(&dst->arr[i], &src->arr[i]);
        break;
    default:
        *dst = *src;
        dst->str = NULL;
        dst->arr = NULL;
        dst->len = 0;
        break;
    }
}

int ftval_truthy(const FtVal *v) {
    switch (v->type) {
    case FTV_NUM:
        return v->num != 0;
    case FTV_STR:
        return v->len != 0;
    case FTV_ARR:
        return v->len != 0;
    default:
        return 0;
    }
}

static int parse_num(const char *p, size_t len, double *out) {
    if (len == 0 || len > 255) return -1;
    char tmp[256];
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(tmp, &end);
    if (*end != '\0') return -1;
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) return -1;
    *out = d;
    return 0;
}

int ftval_to_num(const FtVal *v, double *out) {
    if (v->type == FTV_NUM) {
        *out = v->num;
        return 0;
    }
    if (v->type == FTV_STR) return parse_num(v->str, v->len, out);
    return -1;
}

size_t ftval_fmt_num(double d, char *dst) {
    /* RediSearch writes whole numbers as integers and the rest with 12
     * significant digits. */
    if (isfinite(d) && fabs(d) < 9.2e18 && d == (double)(long long)d)
        return (size_t)snprintf(dst, 32, "%lld", (long long)d);
    return (size_t)snprintf(dst, 32, "%.12g", d);
}

/* The string form of a scalar (format's %s, to_str): numbers formatted,
 * null and arrays as NULL (returns 0). */
static int val_as_text(const FtVal *v, Buf *out) {
    char nb[32];
    if (v->type == FTV_STR) {
        buf_append(out, v->str, v->len);
        return 1;
    }
    if (v->type == FTV_NUM) {
        buf_append(out, nb, ftval_fmt_num(v->num, nb));
        return 1;
    }
    return 0;
}

/* RediSearch's numbering of value types, which its type errors print. */
static int type_code(const FtVal *v) {
    switch (v->type) {
    case FTV_NUM:
        return 1;
    case FTV_STR:
        return 3;
    case FTV_ARR:
        return 6;
    default:
        return 4;
    }
}

/* ---- the tree ---- */

enum { N_NUM, N_STR, N_NULL, N_PROP, N_FUNC, N_OP, N_NOT, N_NEG };

/* Operators (N_OP): arithmetic, comparisons, logic. */
enum { O_ADD, O_SUB, O_MUL, O_DIV, O_MOD, O_POW, O_EQ, O_NE, O_LT, O_LE, O_GT, O_GE, O_AND, O_OR };

struct FtExprFn;

typedef struct Node {
    int kind;
    int op;
    double num;
    char *s; /* N_STR text, N_PROP name, N_FUNC name */
    size_t len;
    const struct FtExprFn *fn;
    struct Node **args; /* N_FUNC arguments, or the 2 operands of N_OP, or 1 of N_NOT/N_NEG */
    size_t nargs;
} Node;

struct FtExpr {
    Node *root;
};

/* Status of an evaluation: a value, a missing field (null), or an error. */
enum { EV_OK = 0, EV_MISSING = 1, EV_ERR = -1 };

typedef struct EvalCtx {
    FtExprLookup lookup;
    void *opaque;
    char *err;
} EvalCtx;

static void set_err(EvalCtx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(EvalCtx *c, const char *fmt, ...) {
    if (c->err) return;
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_append_char(&b, '\0');
    c->err = b.p;
}

typedef int (*FnImpl)(EvalCtx *c, FtVal *argv, size_t argc, FtVal *out);

typedef struct FtExprFn {
    const char *name;
    FnImpl impl;
    int min_args, max_args; /* max -1: any */
} FtExprFn;

static void node_free(Node *n) {
    if (!n) return;
    for (size_t i = 0; i < n->nargs; i++) node_free(n->args[i]);
    xfree(n->args);
    xfree(n->s);
    xfree(n);
}

/* ---- functions ---- */

static int want_string(EvalCtx *c, const char *fname, FtVal *argv, size_t idx) {
    if (argv[idx].type == FTV_STR) return 0;
    set_err(c,
            "Invalid type (%d) for argument %zu in function '%s'. VALIDATE_ARG__STRING(v, 0) was "
            "false.",
            type_code(&argv[idx]), idx, fname);
    return -1;
}

static int want_number(EvalCtx *c, const char *fname, FtVal *argv, size_t idx) {
    if (argv[idx].type == FTV_NUM) return 0;
    set_err(c,
            "Invalid type (%d) for argument %zu in function '%s'. VALIDATE_ARG__TYPE(v, "
            "RSValueType_Number) was false.",
            type_code(&argv[idx]), idx, fname);
    return -1;
}

static int math1(FtVal *argv, FtVal *out, double (*f)(double)) {
    double d;
    *out = ftval_num(ftval_to_num(&argv[0], &d) == 0 ? f(d) : NAN);
    return EV_OK;
}
static int fn_log(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, log);
}
static int fn_abs(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, fabs);
}
static int fn_ceil(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, ceil);
}
static int fn_floor(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, floor);
}
static int fn_log2(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, log2);
}
static int fn_exp(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, exp);
}
static int fn_sqrt(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return math1(a, o, sqrt);
}

static int case_map(FtVal *argv, FtVal *out, int upper) {
    if (argv[0].type != FTV_STR) {
        *out = ftval_null();
        return EV_OK;
    }
    *out = ftval_str(argv[0].str, argv[0].len);
    for (size_t i = 0; i < out->len; i++) {
        unsigned char ch = (unsigned char)out->str[i];
        out->str[i] = (char)(upper ? toupper(ch) : tolower(ch));
    }
    return EV_OK;
}
static int fn_lower(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return case_map(a, o, 0);
}
static int fn_upper(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    return case_map(a, o, 1);
}

static int fn_substr(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    if (want_number(c, "substr", a, 1) || want_number(c, "substr", a, 2)) return EV_ERR;
    if (a[0].type != FTV_STR) {
        set_err(c, "Invalid type for substr. Expected string");
        return EV_ERR;
    }
    long long sz = (long long)a[0].len;
    double dof = a[1].num, dln = a[2].num;
    long long off = isfinite(dof) && fabs(dof) < 1e15 ? (long long)dof : (dof < 0 ? -sz - 1 : sz);
    long long len = isfinite(dln) && fabs(dln) < 1e15 ? (long long)dln : (dln < 0 ? -sz - 1 : sz);
    if (off < 0) off += sz;
    if (off < 0) off = 0;
    if (off > sz) off = sz;
    if (len < 0) {
        len = (sz - off) + len;
        if (len < 0) len = 0;
    }
    if (off + len > sz) len = sz - off;
    *o = ftval_str(a[0].str + off, (size_t)len);
    return EV_OK;
}

static int fn_format(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    if (want_string(c, "format", a, 0)) return EV_ERR;
    const char *f = a[0].str;
    size_t flen = a[0].len, argi = 1;
    Buf b;
    buf_init(&b);
    for (size_t i = 0; i < flen; i++) {
        if (f[i] != '%') {
            buf_append_char(&b, f[i]);
            continue;
        }
        if (i + 1 == flen) {
            set_err(c, "Bad format string!");
            goto fail;
        }
        char t = f[++i];
        if (t == '%') {
            buf_append_char(&b, '%');
            continue;
        }
        if (argi == n) {
            set_err(c, "Not enough arguments for format");
            goto fail;
        }
        if (t != 's') {
            set_err(c, "Unknown format specifier passed");
            goto fail;
        }
        if (!val_as_text(&a[argi++], &b)) buf_append_cstr(&b, "(null)");
    }
    buf_append_char(&b, '\0');
    *o = val_take(b.p, b.len - 1);
    return EV_OK;
fail:
    buf_free(&b);
    return EV_ERR;
}

static int fn_split(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    if (want_string(c, "split", a, 0)) return EV_ERR;
    const char *sep = ",", *strip = " ";
    if (n >= 2) {
        if (want_string(c, "split", a, 1)) return EV_ERR;
        sep = a[1].str;
    }
    if (n == 3) {
        if (want_string(c, "split", a, 2)) return EV_ERR;
        strip = a[2].str;
    }
    const char *s = a[0].str, *end = s + a[0].len;
    FtVal *items = NULL;
    size_t count = 0, cap = 0;
    const char *tok = s;
    while (count < 1024 && tok < end) {
        const char *next = tok;
        while (next < end && !(*sep && strchr(sep, *next))) next++;
        const char *b = tok, *e = next;
        while (b < e && *strip && strchr(strip, *b)) b++;
        while (e > b && *strip && strchr(strip, e[-1])) e--;
        if (e > b) {
            if (count == cap) {
                cap = cap ? cap * 2 : 8;
                items = xrealloc(items, cap * sizeof(FtVal));
            }
            items[count++] = ftval_str(b, (size_t)(e - b));
        }
        if (next >= end) break;
        tok = next + 1;
    }
    *o = ftval_null();
    o->type = FTV_ARR;
    o->arr = items;
    o->len = count;
    return EV_OK;
}

static int fn_matched_terms(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    /* The rows of the pipeline do not carry the query's matched terms. */
    (void)c, (void)a, (void)n;
    *o = ftval_null();
    return EV_OK;
}

static int fn_to_number(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    double d;
    if (ftval_to_num(&a[0], &d) != 0) {
        set_err(c, "to_number: cannot convert string '%s'",
                a[0].type == FTV_STR ? a[0].str : "(null)");
        return EV_ERR;
    }
    *o = ftval_num(d);
    return EV_OK;
}

static int fn_to_str(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    Buf b;
    buf_init(&b);
    val_as_text(&a[0], &b);
    buf_append_char(&b, '\0');
    *o = val_take(b.p, b.len - 1);
    return EV_OK;
}

static int fn_exists(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c, (void)n;
    *o = ftval_num(a[0].type != FTV_NULL);
    return EV_OK;
}

static int fn_startswith(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    if (want_string(c, "startswith", a, 0) || want_string(c, "startswith", a, 1)) return EV_ERR;
    *o = ftval_num(a[1].len <= a[0].len && memcmp(a[0].str, a[1].str, a[1].len) == 0);
    return EV_OK;
}

static int fn_contains(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    if (want_string(c, "contains", a, 0) || want_string(c, "contains", a, 1)) return EV_ERR;
    size_t count = 0;
    if (a[1].len == 0) {
        count = a[0].len + 1;
    } else {
        /* Overlapping occurrences count, as RediSearch counts them. */
        for (size_t i = 0; i + a[1].len <= a[0].len; i++)
            if (memcmp(a[0].str + i, a[1].str, a[1].len) == 0) count++;
    }
    *o = ftval_num((double)count);
    return EV_OK;
}

static int fn_strlen(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    if (want_string(c, "strlen", a, 0)) return EV_ERR;
    *o = ftval_num((double)a[0].len);
    return EV_OK;
}

/* Days from 1970-01-01 to the first of the month (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* A non-negative timestamp argument broken down in UTC; -1 makes the
 * function's result null. */
static int ts_arg(const FtVal *v, time_t *ts, struct tm *tm) {
    double d;
    if (ftval_to_num(v, &d) != 0 || !(d >= 0) || d > 1e15) return -1;
    *ts = (time_t)d;
    if (!gmtime_r(ts, tm)) return -1;
    return 0;
}

static double tm_to_epoch(const struct tm *tm) {
    return (double)(days_from_civil(tm->tm_year + 1900LL, (unsigned)tm->tm_mon + 1,
                                    (unsigned)tm->tm_mday) *
                        86400LL +
                    tm->tm_hour * 3600LL + tm->tm_min * 60LL + tm->tm_sec);
}

enum { T_HOUR, T_MINUTE, T_DAY, T_MONTH, T_DOW, T_DOM, T_DOY, T_YEAR, T_MOY };

static int time_part(FtVal *a, FtVal *o, int part) {
    time_t ts;
    struct tm tm;
    if (ts_arg(&a[0], &ts, &tm) != 0) {
        *o = ftval_null();
        return EV_OK;
    }
    double r = 0;
    switch (part) {
    case T_HOUR:
        tm.tm_min = tm.tm_sec = 0;
        r = tm_to_epoch(&tm);
        break;
    case T_MINUTE:
        r = (double)(ts - ts % 60);
        break;
    case T_DAY:
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        r = tm_to_epoch(&tm);
        break;
    case T_MONTH:
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        r = tm_to_epoch(&tm);
        break;
    case T_DOW:
        r = tm.tm_wday;
        break;
    case T_DOM:
        r = tm.tm_mday;
        break;
    case T_DOY:
        r = tm.tm_yday;
        break;
    case T_YEAR:
        r = tm.tm_year + 1900.0;
        break;
    default:
        r = tm.tm_mon;
        break;
    }
    *o = ftval_num(r);
    return EV_OK;
}
#define TIME_FN(fname, part)                                                                       \
    static int fname(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {                                   \
        (void)c, (void)n;                                                                          \
        return time_part(a, o, part);                                                              \
    }
TIME_FN(fn_hour, T_HOUR)
TIME_FN(fn_minute, T_MINUTE)
TIME_FN(fn_day, T_DAY)
TIME_FN(fn_month, T_MONTH)
TIME_FN(fn_dayofweek, T_DOW)
TIME_FN(fn_dayofmonth, T_DOM)
TIME_FN(fn_dayofyear, T_DOY)
TIME_FN(fn_year, T_YEAR)
TIME_FN(fn_monthofyear, T_MOY)

static int fn_timefmt(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    const char *fmt = "%FT%TZ";
    if (n == 2) {
        if (want_string(c, "time", a, 1)) return EV_ERR;
        fmt = a[1].str;
    }
    double d;
    time_t ts;
    struct tm tm;
    char out[1024];
    size_t len = 0;
    if (ftval_to_num(&a[0], &d) == 0 && isfinite(d) && fabs(d) < 1e15) {
        ts = (time_t)d;
        if (gmtime_r(&ts, &tm)) len = strftime(out, sizeof(out), fmt, &tm);
    }
    *o = len ? ftval_str(out, len) : ftval_null();
    return EV_OK;
}

static int fn_parsetime(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)n;
    if (want_string(c, "parsetime", a, 0) || want_string(c, "parsetime", a, 1)) return EV_ERR;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!strptime(a[0].str, a[1].str, &tm)) {
        *o = ftval_null();
        return EV_OK;
    }
    *o = ftval_num((double)timegm(&tm));
    return EV_OK;
}

/* "lon,lat" (or "lon lat") into two numbers. */
static int geo_field(const FtVal *v, double *lon, double *lat) {
    if (v->type != FTV_STR) return -1;
    const char *p = v->str, *sep = NULL;
    for (size_t i = 0; i < v->len; i++)
        if (p[i] == ',' || p[i] == ' ') {
            sep = p + i;
            break;
        }
    if (!sep) return -1;
    if (parse_num(p, (size_t)(sep - p), lon) != 0) return -1;
    const char *q = sep + 1;
    while (*q == ' ' || *q == ',') q++;
    if (parse_num(q, v->len - (size_t)(q - p), lat) != 0) return -1;
    if (*lon < -180 || *lon > 180 || *lat < -85.05112878 || *lat > 85.05112878) return -1;
    return 0;
}

static int geo_lonlat(const FtVal *a, const FtVal *b, double *lon, double *lat) {
    return ftval_to_num(a, lon) == 0 && ftval_to_num(b, lat) == 0 ? 0 : -1;
}

static int fn_geodistance(EvalCtx *c, FtVal *a, size_t n, FtVal *o) {
    (void)c;
    double lon1, lat1, lon2, lat2, dummy;
    int rc;
    if (n == 2) {
        rc = geo_field(&a[0], &lon1, &lat1) || geo_field(&a[1], &lon2, &lat2);
    } else if (n == 4) {
        rc = geo_lonlat(&a[0], &a[1], &lon1, &lat1) || geo_lonlat(&a[2], &a[3], &lon2, &lat2);
    } else if (ftval_to_num(&a[0], &dummy) == 0) {
        rc = geo_lonlat(&a[0], &a[1], &lon1, &lat1) || geo_field(&a[2], &lon2, &lat2);
    } else {
        rc = geo_field(&a[0], &lon1, &lat1) || geo_lonlat(&a[1], &a[2], &lon2, &lat2);
    }
    if (rc) {
        *o = ftval_num(NAN);
        return EV_OK;
    }
    /* Redis's haversine (the radius its GEO commands use), in meters,
     * rounded to centimeters. */
    const double r = 6372797.560856, rad = M_PI / 180.0;
    double la1 = lat1 * rad, la2 = lat2 * rad;
    double u = sin((la2 - la1) / 2), v = sin((lon2 - lon1) * rad / 2);
    double dist = 2.0 * r * asin(sqrt(u * u + cos(la1) * cos(la2) * v * v));
    *o = ftval_num(round(dist * 100) / 100);
    return EV_OK;
}

static const FtExprFn fn_table[] = {
    {"log", fn_log, 1, 1},
    {"abs", fn_abs, 1, 1},
    {"ceil", fn_ceil, 1, 1},
    {"floor", fn_floor, 1, 1},
    {"log2", fn_log2, 1, 1},
    {"exp", fn_exp, 1, 1},
    {"sqrt", fn_sqrt, 1, 1},
    {"lower", fn_lower, 1, 1},
    {"upper", fn_upper, 1, 1},
    {"substr", fn_substr, 3, 3},
    {"format", fn_format, 1, -1},
    {"split", fn_split, 1, 3},
    {"matched_terms", fn_matched_terms, 0, 1},
    {"to_number", fn_to_number, 1, 1},
    {"to_str", fn_to_str, 1, 1},
    {"exists", fn_exists, 1, 1},
    {"startswith", fn_startswith, 2, 2},
    {"contains", fn_contains, 2, 2},
    {"strlen", fn_strlen, 1, 1},
    {"timefmt", fn_timefmt, 1, 2},
    {"parsetime", fn_parsetime, 2, 2},
    {"hour", fn_hour, 1, 1},
    {"minute", fn_minute, 1, 1},
    {"day", fn_day, 1, 1},
    {"month", fn_month, 1, 1},
    {"monthofyear", fn_monthofyear, 1, 1},
    {"year", fn_year, 1, 1},
    {"dayofmonth", fn_dayofmonth, 1, 1},
    {"dayofweek", fn_dayofweek, 1, 1},
    {"dayofyear", fn_dayofyear, 1, 1},
    {"geodistance", fn_geodistance, 2, 4},
};

static const FtExprFn *fn_find(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof(fn_table) / sizeof(fn_table[0]); i++)
        if (strlen(fn_table[i].name) == len && strncasecmp(fn_table[i].name, name, len) == 0)
            return &fn_table[i];
    return NULL;
}

/* ---- tokenizer and parser ---- */

enum {
    K_END,
    K_NUM,
    K_STR,
    K_PROP,
    K_SYM,
    K_LP,
    K_RP,
    K_COMMA,
    K_OP, /* binary operator: op field */
    K_NOT,
    K_BAD
};

typedef struct Tok {
    int kind;
    int op;
    size_t pos, len; /* the token's bytes in the source */
    double num;
} Tok;

#define MAX_DEPTH 256

typedef struct Parser {
    const char *src;
    size_t len, pos;
    Tok tok;
    char *err;
    int depth;
} Parser;

static int is_ident(int ch) {
    return isalnum(ch) || ch == '_';
}

static void lex(Parser *p) {
    const char *s = p->src;
    while (p->pos < p->len && isspace((unsigned char)s[p->pos])) p->pos++;
    Tok t;
    memset(&t, 0, sizeof(t));
    t.pos = p->pos;
    if (p->pos >= p->len) {
        t.kind = K_END;
        p->tok = t;
        return;
    }
    unsigned char ch = (unsigned char)s[p->pos];
    size_t i = p->pos;
    if (isdigit(ch) || (ch == '.' && i + 1 < p->len && isdigit((unsigned char)s[i + 1]))) {
        while (i < p->len && isdigit((unsigned char)s[i])) i++;
        if (i < p->len && s[i] == '.') {
            i++;
            while (i < p->len && isdigit((unsigned char)s[i])) i++;
        }
        if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < p->len && (s[j] == '-' || s[j] == '+')) j++;
            if (j < p->len && isdigit((unsigned char)s[j])) {
                while (j < p->len && isdigit((unsigned char)s[j])) j++;
                i = j;
            }
        }
        t.kind = K_NUM;
        if (parse_num(s + p->pos, i - p->pos, &t.num) != 0) t.kind = K_BAD;
    } else if (ch == '"' || ch == '\'') {
        i++;
        while (i < p->len && (unsigned char)s[i] != ch) {
            if (s[i] == '\\' && i + 1 < p->len) i++;
            i++;
        }
        if (i >= p->len) {
            t.kind = K_BAD;
            i = p->len;
        } else {
            i++;
            t.kind = K_STR;
        }
    } else if (ch == '@') {
        i++;
        while (i < p->len) {
            unsigned char c2 = (unsigned char)s[i];
            if (is_ident(c2) || c2 == '.' || c2 == '$' || c2 == ':') {
                i++;
            } else if (c2 == '\\' && i + 1 < p->len) {
                i += 2;
            } else {
                break;
            }
        }
        t.kind = i > p->pos + 1 ? K_PROP : K_BAD;
    } else if (isalpha(ch) || ch == '_') {
        while (i < p->len && is_ident((unsigned char)s[i])) i++;
        t.kind = K_SYM;
    } else {
        char c2 = i + 1 < p->len ? s[i + 1] : '\0';
        i++;
        t.kind = K_OP;
        switch (ch) {
        case '(':
            t.kind = K_LP;
            break;
        case ')':
            t.kind = K_RP;
            break;
        case ',':
            t.kind = K_COMMA;
            break;
        case '+':
            t.op = O_ADD;
            break;
        case '-':
            t.op = O_SUB;
            break;
        case '*':
            t.op = O_MUL;
            break;
        case '/':
            t.op = O_DIV;
            break;
        case '%':
            t.op = O_MOD;
            break;
        case '^':
            t.op = O_POW;
            break;
        case '=':
            if (c2 == '=') {
                t.op = O_EQ;
                i++;
            } else {
                t.kind = K_BAD;
            }
            break;
        case '!':
            if (c2 == '=') {
                t.op = O_NE;
                i++;
            } else {
                t.kind = K_NOT;
            }
            break;
        case '<':
            t.op = c2 == '=' ? O_LE : O_LT;
            if (c2 == '=') i++;
            break;
        case '>':
            t.op = c2 == '=' ? O_GE : O_GT;
            if (c2 == '=') i++;
            break;
        case '&':
            if (c2 == '&') {
                t.op = O_AND;
                i++;
            } else {
                t.kind = K_BAD;
            }
            break;
        case '|':
            if (c2 == '|') {
                t.op = O_OR;
                i++;
            } else {
                t.kind = K_BAD;
            }
            break;
        default:
            t.kind = K_BAD;
            break;
        }
    }
    t.len = i - p->pos;
    p->pos = i;
    p->tok = t;
}

static void syntax_error(Parser *p) {
    if (p->err) return;
    Buf b;
    buf_init(&b);
    buf_printf(&b, "Syntax error at offset %zu near '%.*s'", p->tok.pos, (int)p->tok.len,
               p->src + p->tok.pos);
    buf_append_char(&b, '\0');
    p->err = b.p;
}

static void parse_error(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void parse_error(Parser *p, const char *fmt, ...) {
    if (p->err) return;
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_append_char(&b, '\0');
    p->err = b.p;
}

static Node *new_node(int kind) {
    Node *n = xcalloc(1, sizeof(Node));
    n->kind = kind;
    return n;
}

static Node *new_op(int op, Node *l, Node *r) {
    Node *n = new_node(N_OP);
    n->op = op;
    n->nargs = 2;
    n->args = xmalloc(2 * sizeof(Node *));
    n->args[0] = l;
    n->args[1] = r;
    return n;
}

static Node *new_unary(int kind, Node *child) {
    Node *n = new_node(kind);
    n->nargs = 1;
    n->args = xmalloc(sizeof(Node *));
    n->args[0] = child;
    return n;
}

static Node *parse_or(Parser *p);

/* A string literal without its quotes, a backslash before punctuation or
 * space dropped. */
static Node *string_node(const char *s, size_t len) {
    Node *n = new_node(N_STR);
    n->s = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] == '\\' && i + 2 < len &&
            (ispunct((unsigned char)s[i + 1]) || isspace((unsigned char)s[i + 1])))
            continue;
        n->s[o++] = s[i];
    }
    n->s[o] = '\0';
    n->len = o;
    return n;
}

static Node *prop_node(const char *s, size_t len) {
    Node *n = new_node(N_PROP);
    n->s = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) i++;
        n->s[o++] = s[i];
    }
    n->s[o] = '\0';
    n->len = o;
    return n;
}

static Node *parse_primary(Parser *p) {
    Tok t = p->tok;
    const char *s = p->src + t.pos;
    switch (t.kind) {
    case K_NUM: {
        lex(p);
        Node *n = new_node(N_NUM);
        n->num = t.num;
        return n;
    }
    case K_STR:
        lex(p);
        return string_node(s, t.len);
    case K_PROP:
        lex(p);
        return prop_node(s, t.len);
    case K_OP:
        if (t.op == O_SUB) {
            lex(p);
            if (++p->depth > MAX_DEPTH) {
                syntax_error(p);
                return NULL;
            }
            Node *child = parse_primary(p);
            p->depth--;
            if (!child) return NULL;
            if (child->kind == N_NUM) {
                child->num = -child->num;
                return child;
            }
            return new_unary(N_NEG, child);
        }
        syntax_error(p);
        return NULL;
    case K_LP: {
        lex(p);
        Node *n = parse_or(p);
        if (!n) return NULL;
        if (p->tok.kind != K_RP) {
            syntax_error(p);
            node_free(n);
            return NULL;
        }
        lex(p);
        return n;
    }
    case K_SYM: {
        lex(p);
        if (p->tok.kind != K_LP) {
            /* As RediSearch's generated parser: a token that cannot follow
             * a value is a syntax error before the name is looked at. */
            if (p->tok.kind != K_OP && p->tok.kind != K_RP && p->tok.kind != K_COMMA &&
                p->tok.kind != K_END) {
                syntax_error(p);
                return NULL;
            }
            if (t.len == 4 && memcmp(s, "NULL", 4) == 0) return new_node(N_NULL);
            parse_error(p, "Unknown symbol '%.*s'", (int)t.len, s);
            return NULL;
        }
        lex(p);
        Node *n = new_node(N_FUNC);
        n->s = xmemdup(s, t.len + 1);
        n->s[t.len] = '\0';
        n->len = t.len;
        size_t cap = 0;
        if (p->tok.kind != K_RP) {
            for (;;) {
                Node *arg = parse_or(p);
                if (!arg) {
                    node_free(n);
                    return NULL;
                }
                if (n->nargs == cap) {
                    cap = cap ? cap * 2 : 4;
                    n->args = xrealloc(n->args, cap * sizeof(Node *));
                }
                n->args[n->nargs++] = arg;
                if (p->tok.kind == K_COMMA) {
                    lex(p);
                    continue;
                }
                break;
            }
        }
        if (p->tok.kind != K_RP) {
            syntax_error(p);
            node_free(n);
            return NULL;
        }
        lex(p);
        n->fn = fn_find(n->s, n->len);
        if (!n->fn) {
            parse_error(p, "Unknown function name '%s'", n->s);
            node_free(n);
            return NULL;
        }
        if ((int)n->nargs < n->fn->min_args ||
            (n->fn->max_args >= 0 && (int)n->nargs > n->fn->max_args)) {
            if (n->fn->min_args == n->fn->max_args)
                parse_error(p, "Function '%s' expects %d arguments, but got %zu", n->fn->name,
                            n->fn->min_args, n->nargs);
            else if (n->fn->max_args < 0)
                parse_error(p, "Function '%s' expects at least %d arguments, but got %zu",
                            n->fn->name, n->fn->min_args, n->nargs);
            else
                parse_error(p, "Function '%s' expects between %d and %d arguments, but got %zu",
                            n->fn->name, n->fn->min_args, n->fn->max_args, n->nargs);
            node_free(n);
            return NULL;
        }
        return n;
    }
    default:
        syntax_error(p);
        return NULL;
    }
}

static Node *parse_pow(Parser *p) {
    Node *l = parse_primary(p);
    if (!l) return NULL;
    if (p->tok.kind == K_OP && p->tok.op == O_POW) {
        lex(p);
        if (++p->depth > MAX_DEPTH) {
            syntax_error(p);
            node_free(l);
            return NULL;
        }
        Node *r = parse_pow(p);
        p->depth--;
        if (!r) {
            node_free(l);
            return NULL;
        }
        return new_op(O_POW, l, r);
    }
    return l;
}

static Node *parse_binary(Parser *p, int level);

/* Levels of left-associative binary operators, loosest first. */
static int op_level(int op) {
    switch (op) {
    case O_OR:
        return 0;
    case O_AND:
        return 1;
    case O_EQ:
    case O_NE:
    case O_LT:
    case O_LE:
    case O_GT:
    case O_GE:
        return 3;
    case O_ADD:
    case O_SUB:
        return 4;
    case O_MUL:
    case O_DIV:
    case O_MOD:
        return 5;
    default:
        return 6;
    }
}

static Node *parse_operand(Parser *p, int level) {
    if (level == 2) {
        /* The ! level: prefix not over a comparison. */
        if (p->tok.kind == K_NOT) {
            lex(p);
            if (++p->depth > MAX_DEPTH) {
                syntax_error(p);
                return NULL;
            }
            Node *c = parse_operand(p, 2);
            p->depth--;
            return c ? new_unary(N_NOT, c) : NULL;
        }
        return parse_binary(p, 3);
    }
    if (level >= 6) return parse_pow(p);
    return parse_binary(p, level);
}

static Node *parse_binary(Parser *p, int level) {
    if (level == 2) return parse_operand(p, 2);
    if (++p->depth > MAX_DEPTH) {
        syntax_error(p);
        return NULL;
    }
    Node *l = parse_operand(p, level + 1);
    while (l && p->tok.kind == K_OP && op_level(p->tok.op) == level) {
        int op = p->tok.op;
        lex(p);
        Node *r = parse_operand(p, level + 1);
        if (!r) {
            node_free(l);
            l = NULL;
            break;
        }
        l = new_op(op, l, r);
    }
    p->depth--;
    return l;
}

static Node *parse_or(Parser *p) {
    if (++p->depth > MAX_DEPTH) {
        syntax_error(p);
        return NULL;
    }
    Node *n = parse_binary(p, 0);
    p->depth--;
    return n;
}

FtExpr *ftexpr_parse(const char *src, size_t len, char **err) {
    Parser p;
    memset(&p, 0, sizeof(p));
    p.src = src;
    p.len = len;
    lex(&p);
    Node *root = NULL;
    if (p.tok.kind == K_END) {
        syntax_error(&p);
    } else {
        root = parse_or(&p);
        if (root && p.tok.kind != K_END) syntax_error(&p);
    }
    if (p.err) {
        node_free(root);
        *err = p.err;
        return NULL;
    }
    FtExpr *e = xmalloc(sizeof(FtExpr));
    e->root = root;
    return e;
}

void ftexpr_free(FtExpr *e) {
    if (!e) return;
    node_free(e->root);
    xfree(e);
}

static void fields_walk(const Node *n, void (*fn)(void *, const char *, size_t), void *opaque) {
    if (n->kind == N_PROP) fn(opaque, n->s, n->len);
    for (size_t i = 0; i < n->nargs; i++) fields_walk(n->args[i], fn, opaque);
}

void ftexpr_fields(const FtExpr *e, void (*fn)(void *opaque, const char *name, size_t len),
                   void *opaque) {
    fields_walk(e->root, fn, opaque);
}

/* ---- evaluation ---- */

static int eval(EvalCtx *c, const Node *n, FtVal *out);

static int str_cmp(const FtVal *a, const FtVal *b) {
    size_t m = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->str, b->str, m);
    if (r) return r < 0 ? -1 : 1;
    return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

/* Ordering of two values for < <= > >=; -2 on a conversion error. */
static int val_order(EvalCtx *c, const FtVal *a, const FtVal *b) {
    if (a->type == b->type) {
        if (a->type == FTV_NUM) return a->num < b->num ? -1 : a->num > b->num;
        if (a->type == FTV_STR) return str_cmp(a, b);
        return 0;
    }
    if (a->type == FTV_NULL) return -1;
    if (b->type == FTV_NULL) return 1;
    if (a->type == FTV_NUM || b->type == FTV_NUM) {
        const FtVal *other = a->type == FTV_NUM ? b : a;
        double d;
        if (ftval_to_num(other, &d) != 0) {
            set_err(c, "Error converting string '%s' to number",
                    other->type == FTV_STR ? other->str : "");
            return -2;
        }
        double x = a->type == FTV_NUM ? a->num : d, y = a->type == FTV_NUM ? d : b->num;
        return x < y ? -1 : x > y;
    }
    return 0; /* arrays against strings: not comparable */
}

static int val_equal(const FtVal *a, const FtVal *b) {
    if (a->type == b->type) {
        if (a->type == FTV_NUM) return a->num == b->num;
        if (a->type == FTV_STR) return str_cmp(a, b) == 0;
        return 1; /* null == null; arrays are not compared */
    }
    if (a->type == FTV_NULL || b->type == FTV_NULL) return 0;
    if (a->type == FTV_NUM || b->type == FTV_NUM) {
        const FtVal *other = a->type == FTV_NUM ? b : a;
        double d, x = a->type == FTV_NUM ? a->num : b->num;
        if (ftval_to_num(other, &d) != 0) return 0;
        return x == d;
    }
    return 0;
}

static int eval_logic(EvalCtx *c, const Node *n, FtVal *out) {
    FtVal l = ftval_null(), r = ftval_null();
    int rc = eval(c, n->args[0], &l);
    if (rc == EV_ERR) return EV_ERR;
    int lt = rc == EV_OK && ftval_truthy(&l);
    ftval_free(&l);
    if (n->op == O_OR && lt) {
        *out = ftval_num(1);
        return EV_OK;
    }
    if (n->op == O_AND && !lt) {
        *out = ftval_num(0);
        return EV_OK;
    }
    rc = eval(c, n->args[1], &r);
    if (rc == EV_ERR) return EV_ERR;
    int rt = rc == EV_OK && ftval_truthy(&r);
    ftval_free(&r);
    *out = ftval_num(rt);
    return EV_OK;
}

static int eval_op(EvalCtx *c, const Node *n, FtVal *out) {
    if (n->op == O_AND || n->op == O_OR) return eval_logic(c, n, out);
    FtVal l = ftval_null(), r = ftval_null();
    int rc = eval(c, n->args[0], &l);
    if (rc != EV_OK) goto done;
    rc = eval(c, n->args[1], &r);
    if (rc != EV_OK) goto done;
    if (n->op >= O_EQ) {
        int res;
        switch (n->op) {
        case O_EQ:
            res = val_equal(&l, &r);
            break;
        case O_NE:
            res = !val_equal(&l, &r);
            break;
        default: {
            int o = val_order(c, &l, &r);
            if (o == -2) {
                rc = EV_ERR;
                goto done;
            }
            res = n->op == O_LT ? o < 0 : n->op == O_LE ? o <= 0 : n->op == O_GT ? o > 0 : o >= 0;
            break;
        }
        }
        *out = ftval_num(res);
        goto done;
    }
    double a, b, res;
    if (ftval_to_num(&l, &a) != 0 || ftval_to_num(&r, &b) != 0) {
        set_err(c, "Could not convert value to a number");
        rc = EV_ERR;
        goto done;
    }
    switch (n->op) {
    case O_ADD:
        res = a + b;
        break;
    case O_SUB:
        res = a - b;
        break;
    case O_MUL:
        res = a * b;
        break;
    case O_DIV:
        res = a / b;
        break;
    case O_MOD: {
        /* Integer remainder as RediSearch computes it; what C leaves
         * undefined (a zero divisor, values out of range) gives nan, and
         * x % -1 is 0 (also for LLONG_MIN). */
        const double lim = 9223372036854775808.0;
        if (!(a >= -lim && a < lim) || !(b >= -lim && b < lim) || (long long)b == 0) {
            res = NAN;
        } else {
            long long x = (long long)a, y = (long long)b;
            res = y == -1 ? 0 : (double)(x % y);
        }
        break;
    }
    default:
        res = pow(a, b);
        break;
    }
    *out = ftval_num(res);
done:
    if (rc == EV_MISSING) *out = ftval_null();
    ftval_free(&l);
    ftval_free(&r);
    return rc;
}

static int eval_func(EvalCtx *c, const Node *n, FtVal *out) {
    FtVal stack_args[8];
    FtVal *args = n->nargs <= 8 ? stack_args : xcalloc(n->nargs, sizeof(FtVal));
    size_t used = 0;
    int rc = EV_OK;
    for (; used < n->nargs; used++) {
        args[used] = ftval_null();
        int r = eval(c, n->args[used], &args[used]);
        if (r == EV_ERR || (r == EV_MISSING && n->fn->impl != fn_exists)) {
            rc = r;
            used++;
            break;
        }
    }
    if (rc == EV_OK) {
        rc = n->fn->impl(c, args, n->nargs, out);
    } else {
        *out = ftval_null();
    }
    for (size_t i = 0; i < used; i++) ftval_free(&args[i]);
    if (args != stack_args) xfree(args);
    return rc;
}

static int eval(EvalCtx *c, const Node *n, FtVal *out) {
    *out = ftval_null();
    switch (n->kind) {
    case N_NUM:
        *out = ftval_num(n->num);
        return EV_OK;
    case N_STR:
        *out = ftval_str(n->s, n->len);
        return EV_OK;
    case N_NULL:
        return EV_OK;
    case N_PROP: {
        int r = c->lookup ? c->lookup(c->opaque, n->s, n->len, out) : -1;
        if (r == 0) return EV_OK;
        *out = ftval_null();
        if (r == 1) return EV_MISSING;
        set_err(c, "Property `%s` not loaded nor in pipeline", n->s);
        return EV_ERR;
    }
    case N_FUNC:
        return eval_func(c, n, out);
    case N_OP:
        return eval_op(c, n, out);
    case N_NOT: {
        FtVal v;
        int r = eval(c, n->args[0], &v);
        if (r == EV_ERR) return r;
        int t = r == EV_OK && ftval_truthy(&v);
        ftval_free(&v);
        if (r == EV_MISSING) return EV_MISSING;
        *out = ftval_num(!t);
        return EV_OK;
    }
    default: { /* N_NEG */
        FtVal v;
        int r = eval(c, n->args[0], &v);
        if (r != EV_OK) return r;
        double d;
        int ok = ftval_to_num(&v, &d) == 0;
        ftval_free(&v);
        if (!ok) {
            set_err(c, "Could not convert value to a number");
            return EV_ERR;
        }
        *out = ftval_num(-d);
        return EV_OK;
    }
    }
}

int ftexpr_eval(const FtExpr *e, FtExprLookup lookup, void *opaque, FtVal *out, char **err) {
    EvalCtx c = {lookup, opaque, NULL};
    int rc = eval(&c, e->root, out);
    if (rc == EV_ERR) {
        ftval_free(out);
        if (!c.err) set_err(&c, "Could not evaluate the expression");
        *err = c.err;
        return -1;
    }
    xfree(c.err);
    return 0;
}
