/*
 * Unit tests for the query engine's expression language (src/types/ftexpr.c):
 * values and errors for hand-picked expressions, most of them taken from
 * RediSearch's own tests (test_aggregate.py: modulo, split, contains, time
 * functions, format), plus a leak check over every case.
 */
#include "base/alloc.h"
#include "base/buf.h"
#include "types/ftexpr.h"
#include <math.h>

#include "test.h"

/* The fields every expression below can read. */
static int lookup(void *opaque, const char *name, size_t len, FtVal *out) {
    (void)opaque;
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
    if (IS("n"))
        *out = ftval_num(10);
    else if (IS("neg"))
        *out = ftval_num(-2.5);
    else if (IS("s"))
        *out = ftval_str("Hello World", 11);
    else if (IS("num_s"))
        *out = ftval_str("3.5", 3);
    else if (IS("empty"))
        *out = ftval_str("", 0);
    else if (IS("ts"))
        *out = ftval_num(1517417144);
    else if (IS("loc"))
        *out = ftval_str("-73.9857,40.7484", 16);
    else if (IS("missing"))
        return 1;
    else
        return -1;
#undef IS
    return 0;
}

static void render(Buf *b, const FtVal *v) {
    char nb[32];
    switch (v->type) {
    case FTV_NUM:
        buf_append(b, nb, ftval_fmt_num(v->num, nb));
        break;
    case FTV_STR:
        buf_append_char(b, '\'');
        buf_append(b, v->str, v->len);
        buf_append_char(b, '\'');
        break;
    case FTV_ARR:
        buf_append_char(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_append_char(b, ',');
            render(b, &v->arr[i]);
        }
        buf_append_char(b, ']');
        break;
    default:
        buf_append_cstr(b, "null");
        break;
    }
}

/* Evaluates src and compares the rendered value (or "ERR: message"). */
static int expr_is(const char *src, const char *want) {
    char *err = NULL;
    Buf b;
    buf_init(&b);
    FtExpr *e = ftexpr_parse(src, strlen(src), &err);
    if (!e) {
        buf_printf(&b, "ERR: %s", err);
        xfree(err);
    } else {
        FtVal v;
        if (ftexpr_eval(e, lookup, NULL, &v, &err) != 0) {
            buf_printf(&b, "ERR: %s", err);
            xfree(err);
        } else {
            render(&b, &v);
            ftval_free(&v);
        }
        ftexpr_free(e);
    }
    int ok = buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, strlen(want)) == 0;
    if (!ok) fprintf(stderr, "%s -> %.*s, want %s\n", src, (int)buf_live(&b), buf_data(&b), want);
    buf_free(&b);
    return ok;
}

static int fmt_is(double d, const char *want) {
    char nb[32];
    size_t n = ftval_fmt_num(d, nb);
    int ok = n == strlen(want) && memcmp(nb, want, n) == 0;
    if (!ok) fprintf(stderr, "%.17g -> %.*s, want %s\n", d, (int)n, nb, want);
    return ok;
}

static void names(void *opaque, const char *name, size_t len) {
    Buf *b = opaque;
    buf_append(b, name, len);
    buf_append_char(b, ';');
}

int main(void) {
    size_t before = alloc_used_bytes();

    /* number formatting */
    CHECK(fmt_is(42, "42"));
    CHECK(fmt_is(-3, "-3"));
    CHECK(fmt_is(3.141, "3.141"));
    CHECK(fmt_is(44780.69, "44780.69"));
    CHECK(fmt_is(0.1 + 0.2, "0.3"));
    CHECK(fmt_is(1e20, "1e+20"));
    CHECK(fmt_is(INFINITY, "inf"));
    CHECK(fmt_is(-INFINITY, "-inf"));
    CHECK(fmt_is(1.0 / 3, "0.333333333333"));

    /* literals and arithmetic */
    CHECK(expr_is("1", "1"));
    CHECK(expr_is("-1.5", "-1.5"));
    CHECK(expr_is("'abc'", "'abc'"));
    CHECK(expr_is("\"a\\\"b\"", "'a\"b'"));
    CHECK(expr_is("1 + 2 * 3", "7"));
    CHECK(expr_is("(1 + 2) * 3", "9"));
    CHECK(expr_is("2 ^ 3 ^ 2", "512"));
    CHECK(expr_is("10 / 4", "2.5"));
    CHECK(expr_is("1 / 0", "inf"));
    CHECK(expr_is("7 - 2 - 1", "4"));
    CHECK(expr_is("@n * 2", "20"));
    CHECK(expr_is("@num_s + 1", "4.5"));
    CHECK(expr_is("-@n", "-10"));
    CHECK(expr_is("NULL", "null"));
    /* RediSearch's modulo cases (test_aggregate.py testModulo) */
    CHECK(expr_is("-9223372036854775808 % -1", "0"));
    CHECK(expr_is("439974354 % 5", "4"));
    CHECK(expr_is("-54775808 % -5", "-3"));
    CHECK(expr_is("-14275897 % 5", "-2"));
    CHECK(expr_is("547758.3 % 5.1", "3"));
    CHECK(expr_is("5 % 0", "nan"));

    /* comparisons and logic */
    CHECK(expr_is("@n > 5", "1"));
    CHECK(expr_is("@n <= 5", "0"));
    CHECK(expr_is("@n == '10'", "1"));
    CHECK(expr_is("@n != 10", "0"));
    CHECK(expr_is("@s == 'Hello World'", "1"));
    CHECK(expr_is("'a' < 'b'", "1"));
    CHECK(expr_is("'ab' < 'a'", "0"));
    CHECK(expr_is("@n > 5 && @n < 20", "1"));
    CHECK(expr_is("@n > 50 || @n < 20", "1"));
    CHECK(expr_is("!@n", "0"));
    CHECK(expr_is("!(@n == 3)", "1"));
    CHECK(expr_is("!@n == 3", "1"));
    CHECK(expr_is("@empty || 0", "0"));
    CHECK(expr_is("1 + 1 == 2 && 3 > 2", "1"));
    CHECK(expr_is("@s > 5", "ERR: Error converting string 'Hello World' to number"));
    CHECK(expr_is("@s == 5", "0"));

    /* missing fields: poison values, false in logic */
    CHECK(expr_is("@missing", "null"));
    CHECK(expr_is("@missing + 1", "null"));
    CHECK(expr_is("@missing == 0", "null"));
    CHECK(expr_is("@missing == 0 && @n == 10", "0"));
    CHECK(expr_is("@n == 10 && @missing == 0", "0"));
    CHECK(expr_is("@missing == 0 || @n == 10", "1"));
    CHECK(expr_is("exists(@missing)", "0"));
    CHECK(expr_is("exists(@n)", "1"));
    CHECK(expr_is("upper(@missing)", "null"));
    CHECK(expr_is("@nosuch + 1", "ERR: Property `nosuch` not loaded nor in pipeline"));

    /* arithmetic errors */
    CHECK(expr_is("@s + 1", "ERR: Could not convert value to a number"));
    CHECK(expr_is("'x' * 2", "ERR: Could not convert value to a number"));

    /* math functions */
    CHECK(expr_is("sqrt(16)", "4"));
    CHECK(expr_is("floor(sqrt(@n)) % 10", "3"));
    CHECK(expr_is("abs(@neg)", "2.5"));
    CHECK(expr_is("ceil(2.1)", "3"));
    CHECK(expr_is("floor(-2.1)", "-3"));
    CHECK(expr_is("log2(8)", "3"));
    CHECK(expr_is("exp(0)", "1"));
    CHECK(expr_is("log(1)", "0"));
    CHECK(expr_is("sqrt('x')", "nan"));
    CHECK(expr_is("sqrt(@num_s) > 1", "1"));

    /* string functions */
    CHECK(expr_is("upper(@s)", "'HELLO WORLD'"));
    CHECK(expr_is("lower(@s)", "'hello world'"));
    CHECK(expr_is("upper(5)", "null"));
    CHECK(expr_is("strlen(@s)", "11"));
    CHECK(expr_is("strlen(@empty)", "0"));
    CHECK(expr_is("substr(@s, 0, 5)", "'Hello'"));
    CHECK(expr_is("substr(@s, 6, -1)", "'Worl'"));
    CHECK(expr_is("substr(@s, -5, 5)", "'World'"));
    CHECK(expr_is("substr(@s, 6, 100)", "'World'"));
    CHECK(expr_is("substr(@s, 100, 2)", "''"));
    CHECK(expr_is("substr(5, 0, 1)", "ERR: Invalid type for substr. Expected string"));
    CHECK(expr_is("startswith(@s, 'Hell')", "1"));
    CHECK(expr_is("startswith(@s, 'World')", "0"));
    CHECK(expr_is("contains('abbabb', 'bb')", "2"));
    CHECK(expr_is("contains('bbb', 'bb')", "2"));
    CHECK(expr_is("contains('abba', '')", "5"));
    CHECK(expr_is("contains('aa', 'bb')", "0"));
    CHECK(expr_is("format('%s|%s|%s', @s, 'x', @n)", "'Hello World|x|10'"));
    CHECK(expr_is("format('%s%%', 50)", "'50%'"));
    CHECK(expr_is("format('%s', NULL)", "'(null)'"));
    CHECK(expr_is("format('%s %s', 1)", "ERR: Not enough arguments for format"));
    CHECK(expr_is("format('%d', 1)", "ERR: Unknown format specifier passed"));
    CHECK(expr_is("format('abc%')", "ERR: Bad format string!"));
    CHECK(expr_is("to_number('12.5') + 1", "13.5"));
    CHECK(expr_is("to_number('x')", "ERR: to_number: cannot convert string 'x'"));
    CHECK(expr_is("to_str(12.5)", "'12.5'"));
    /* split, RediSearch's testSplit */
    CHECK(expr_is("split(\"hello world,  foo,,,bar,\", \",\", \" \")",
                  "['hello world','foo','bar']"));
    CHECK(expr_is("split(\"hello world,  foo,,,bar,\", \" \", \",\")",
                  "['hello','world','foo,,,bar']"));
    CHECK(
        expr_is("split(\"hello world,  foo,,,bar,\", \"\", \"\")", "['hello world,  foo,,,bar,']"));
    CHECK(expr_is("split(\"hello world,  foo,,,bar,\")", "['hello world','foo','bar']"));
    CHECK(expr_is("split(\"\")", "[]"));
    CHECK(expr_is("split(5)", "ERR: Invalid type (1) for argument 0 in function 'split'. "
                              "VALIDATE_ARG__STRING(v, 0) was false."));

    /* time functions: 2018-01-31T16:45:44Z (RediSearch's testTimeFunctions) */
    CHECK(expr_is("timefmt(@ts)", "'2018-01-31T16:45:44Z'"));
    CHECK(expr_is("timefmt(@ts, '%Y')", "'2018'"));
    CHECK(expr_is("parsetime('2018-01-31T16:45:44Z', '%Y-%m-%dT%H:%M:%SZ')", "1517417144"));
    CHECK(expr_is("parsetime(timefmt(@ts), '%FT%TZ')", "1517417144"));
    CHECK(expr_is("parsetime('garbage', '%Y')", "null"));
    CHECK(expr_is("day(@ts)", "1517356800"));
    CHECK(expr_is("hour(@ts)", "1517414400"));
    CHECK(expr_is("minute(@ts)", "1517417100"));
    CHECK(expr_is("month(@ts)", "1514764800"));
    CHECK(expr_is("dayofweek(@ts)", "3"));
    CHECK(expr_is("dayofmonth(@ts)", "31"));
    CHECK(expr_is("dayofyear(@ts)", "30"));
    CHECK(expr_is("year(@ts)", "2018"));
    CHECK(expr_is("monthofyear(@ts)", "0"));
    /* the leap day of 2024 */
    CHECK(expr_is("month(1709230599)", "1706745600"));
    CHECK(expr_is("dayofyear(1709230599)", "59"));
    CHECK(expr_is("day(-5)", "null"));
    CHECK(expr_is("year('x')", "null"));

    /* geodistance: one degree of latitude on Redis's sphere, in meters */
    CHECK(expr_is("geodistance(@loc, @loc)", "0"));
    CHECK(expr_is("geodistance('0,0', '0,1')", "111226.3"));
    CHECK(expr_is("geodistance(0, 0, 0, 1)", "111226.3"));
    CHECK(expr_is("geodistance(0, 0, '0,1')", "111226.3"));
    CHECK(expr_is("geodistance('0,0', 0, 1)", "111226.3"));
    CHECK(expr_is("geodistance('bad', '0,1')", "nan"));

    /* parse errors */
    CHECK(expr_is("bad filter", "ERR: Syntax error at offset 4 near 'filter'"));
    CHECK(expr_is("bad", "ERR: Unknown symbol 'bad'"));
    CHECK(expr_is("@price++", "ERR: Syntax error at offset 7 near '+'"));
    CHECK(expr_is("1 +", "ERR: Syntax error at offset 3 near ''"));
    CHECK(expr_is("(1", "ERR: Syntax error at offset 2 near ''"));
    CHECK(expr_is("1 2", "ERR: Syntax error at offset 2 near '2'"));
    CHECK(expr_is("", "ERR: Syntax error at offset 0 near ''"));
    CHECK(expr_is("1 = 2", "ERR: Syntax error at offset 2 near '='"));
    CHECK(expr_is("'abc", "ERR: Syntax error at offset 0 near ''abc'"));
    CHECK(expr_is("nosuch(1)", "ERR: Unknown function name 'nosuch'"));
    CHECK(expr_is("upper(1, 2)", "ERR: Function 'upper' expects 1 arguments, but got 2"));
    CHECK(expr_is("substr('a')", "ERR: Function 'substr' expects 3 arguments, but got 1"));
    CHECK(expr_is("UPPER('a')", "'A'"));

    /* deep nesting is refused, not a stack overflow */
    {
        char deep[4096];
        size_t n = 0;
        for (int i = 0; i < 2000; i++) deep[n++] = '(';
        deep[n++] = '1';
        for (int i = 0; i < 2000; i++) deep[n++] = ')';
        char *err = NULL;
        FtExpr *e = ftexpr_parse(deep, n, &err);
        CHECK(e == NULL && err != NULL);
        xfree(err);
        n = 0;
        for (int i = 0; i < 2000; i++) deep[n++] = '-';
        deep[n++] = '1';
        e = ftexpr_parse(deep, n, &err);
        CHECK(e == NULL && err != NULL);
        xfree(err);
    }

    /* the fields an expression names */
    {
        char *err = NULL;
        const char *src = "@a + upper(@b) == @a && exists(@c)";
        FtExpr *e = ftexpr_parse(src, strlen(src), &err);
        Buf b;
        buf_init(&b);
        ftexpr_fields(e, names, &b);
        CHECK(buf_live(&b) == strlen("a;b;a;c;") && memcmp(buf_data(&b), "a;b;a;c;", 8) == 0);
        buf_free(&b);
        ftexpr_free(e);
    }

    /* value helpers */
    {
        FtVal v = ftval_str("abc", 3), c;
        ftval_copy(&c, &v);
        CHECK(c.len == 3 && strcmp(c.str, "abc") == 0 && c.str != v.str);
        CHECK(ftval_truthy(&c));
        ftval_free(&v);
        ftval_free(&c);
        FtVal n = ftval_null();
        CHECK(!ftval_truthy(&n));
        double d;
        FtVal s = ftval_str("12abc", 5);
        CHECK(ftval_to_num(&s, &d) != 0);
        ftval_free(&s);
    }

    CHECK_EQ_INT(alloc_used_bytes(), before);
    return test_report("test_ftexpr");
}
