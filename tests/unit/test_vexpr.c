/*
 * Unit tests for VSIM's FILTER expressions (src/types/vexpr.c): precedence
 * and associativity, the value kinds and their conversions, selectors into
 * JSON (escapes, arrays, nested values skipped, malformed JSON), and where
 * syntax errors are reported.
 */
#include <string.h>

#include "types/vexpr.h"

#include "test.h"

static int run(const char *expr, const char *json) {
    size_t errpos;
    VExpr *e = vexpr_compile(expr, strlen(expr), &errpos);
    if (!e) return -1;
    int r = vexpr_match(e, json, strlen(json));
    vexpr_free(e);
    return r;
}

/* The offset of the syntax error, or -1 when it compiles. */
static long err_at(const char *expr) {
    size_t errpos;
    VExpr *e = vexpr_compile(expr, strlen(expr), &errpos);
    if (e) {
        vexpr_free(e);
        return -1;
    }
    return (long)errpos;
}

int main(void) {
    const char *j =
        "{\"year\": 1984, \"name\": \"The \\\"Matrix\\\"\", \"nested\": {\"a\": [1, {}]},"
        " \"tags\": [\"a\", 2, true], \"ok\": true, \"no\": false, \"nil\": null,"
        " \"neg\": -2.5e1}";
    CHECK_EQ_INT(run("(5+2)*3 == 21", j), 1);
    CHECK_EQ_INT(run("5+2*3 == 11", j), 1);
    CHECK_EQ_INT(run("2 ** 3 ** 2 == 512", j), 1);
    CHECK_EQ_INT(run("10 - 4 - 3 == 3", j), 1);
    CHECK_EQ_INT(run("7 % 4 == 3 and 1 / 0 > 1000", j), 1);
    CHECK_EQ_INT(run("1 or 0 and 0", j), 1); /* and binds tighter */
    CHECK_EQ_INT(run("not 0 == 1", j), 1);   /* (not 0) == 1: not binds tighter */
    CHECK_EQ_INT(run("!1", j), 0);
    CHECK_EQ_INT(run(".year > 1980 && .year < 1990", j), 1);
    CHECK_EQ_INT(run(".name == 'The \"Matrix\"'", j), 1);
    CHECK_EQ_INT(run("'Mat' in .name", j), 1);
    CHECK_EQ_INT(run("'a' in .tags and 2 in .tags and 1 in .tags", j), 1);
    CHECK_EQ_INT(run("3 in .tags", j), 0);
    CHECK_EQ_INT(run(".ok and not .no", j), 1);
    CHECK_EQ_INT(run(".nil == null", j), 1);
    CHECK_EQ_INT(run(".nil", j), 0);
    CHECK_EQ_INT(run(".neg == -25", j), 1);
    CHECK_EQ_INT(run(".nested", j), 0); /* an object is not a value */
    CHECK_EQ_INT(run(".missing or 1", j), 0);
    CHECK_EQ_INT(run("'10' == 10", j), 1);
    CHECK_EQ_INT(run("'abc' == 0", j), 1); /* a non-number string is 0 */
    CHECK_EQ_INT(run("''", j), 0);
    CHECK_EQ_INT(run("'x'", j), 1);
    CHECK_EQ_INT(run("[1] and 1", j), 1);
    CHECK_EQ_INT(run(".year > 1", "not json"), 0);
    CHECK_EQ_INT(run(".year > 1", "{\"year\": "), 0);
    CHECK_EQ_INT(run(".year > 1", "{\"a\" 1, \"year\": 5}"), 0);
    CHECK_EQ_INT(run(".year > 1", "[1]"), 0);
    CHECK_EQ_INT(run("1", "not json"), 1);
    CHECK_EQ_INT(run("-1 < 0", j), 1);
    CHECK_EQ_INT(run("(1) -1 == 0", j), 1);
    /* syntax errors and where they are reported */
    CHECK_EQ_INT(err_at(".a == 'x"), 8);
    CHECK_EQ_INT(err_at(".a == foo"), 9);
    CHECK_EQ_INT(err_at(".a == 1 @"), 8);
    CHECK_EQ_INT(err_at(".a =="), 0);
    CHECK_EQ_INT(err_at("(.a"), 0);
    CHECK_EQ_INT(err_at(".a)"), 0);
    CHECK_EQ_INT(err_at("1 2"), 0);
    CHECK_EQ_INT(err_at(""), 0);
    CHECK_EQ_INT(err_at("[1, x]"), 4);
    CHECK_EQ_INT(err_at("1e"), 2);
    CHECK_EQ_INT(err_at("not .a"), -1);
    printf("test_vexpr: %d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
