/*
 * Unit tests for the JSON value library (src/types/json.c) and its path
 * engine (src/types/jsonpath.c): serde_json's output and error texts for
 * hand-picked inputs, ryu's double forms, path matches in RedisJSON's
 * order, and a random round trip (generate a tree, serialize, parse,
 * serialize again: same bytes; dup and equality agree).
 */
#include "base/alloc.h"
#include "types/json.h"
#include "types/jsonpath.h"
#include <math.h>

#include "test.h"

static int roundtrip_is(const char *in, const char *want) {
    char err[256];
    Json *j = json_parse(in, strlen(in), JSON_MAX_PARSE_DEPTH, err, sizeof err);
    if (!j) {
        fprintf(stderr, "parse failed for %s: %s\n", in, err);
        return 0;
    }
    Buf b;
    buf_init(&b);
    json_serialize(j, NULL, &b);
    int ok = buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, strlen(want)) == 0;
    if (!ok) fprintf(stderr, "%s -> %.*s, want %s\n", in, (int)buf_live(&b), buf_data(&b), want);
    buf_free(&b);
    json_free(j);
    return ok;
}

static int error_is(const char *in, const char *want) {
    char err[256] = "";
    Json *j = json_parse(in, strlen(in), JSON_MAX_PARSE_DEPTH, err, sizeof err);
    int ok = j == NULL && strcmp(err, want) == 0;
    if (!ok) fprintf(stderr, "%s: got '%s', want '%s'\n", in, j ? "(parsed)" : err, want);
    json_free(j);
    return ok;
}

static int double_is(double d, const char *want) {
    char buf[40];
    json_format_double(d, buf);
    int ok = strcmp(buf, want) == 0;
    if (!ok) fprintf(stderr, "%.17g -> %s, want %s\n", d, buf, want);
    return ok;
}

/* The serialized matches of path in doc, as one JSON array. */
static int matches_are(const char *doc, const char *path, const char *want) {
    char err[256];
    Json *j = json_parse(doc, strlen(doc), JSON_MAX_PARSE_DEPTH, err, sizeof err);
    JsonPath *jp = jsonpath_compile(path, strlen(path), err, sizeof err);
    if (!j || !jp) {
        fprintf(stderr, "%s / %s: %s\n", doc, path, err);
        json_free(j);
        jsonpath_free(jp);
        return 0;
    }
    JsonMatches ms;
    jsonmatches_init(&ms);
    jsonpath_eval(jp, j, &ms);
    Json **v = xmalloc(sizeof(Json *) * (ms.n + 1));
    int resolved = 1;
    for (size_t i = 0; i < ms.n; i++) {
        v[i] = ms.m[i].val;
        resolved &= jsonpath_resolve(j, &ms, i, NULL, NULL) == ms.m[i].val;
    }
    Buf b;
    buf_init(&b);
    json_serialize_list(v, ms.n, NULL, &b);
    int ok =
        resolved && buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, buf_live(&b)) == 0;
    if (!ok)
        fprintf(stderr, "%s on %s -> %.*s, want %s\n", path, doc, (int)buf_live(&b), buf_data(&b),
                want);
    buf_free(&b);
    xfree(v);
    jsonmatches_free(&ms);
    jsonpath_free(jp);
    json_free(j);
    return ok;
}

/* What jsonpath_values() gives for query (compiled as a projection if it
 * is one) on doc, as one JSON array; is_proj says which it must be. */
static int values_are(const char *doc, const char *query, int is_proj, const char *want) {
    char err[256];
    Json *j = json_parse(doc, strlen(doc), JSON_MAX_PARSE_DEPTH, err, sizeof err);
    JsonPath *jp = jsonpath_compile_projection(query, strlen(query), err, sizeof err);
    if (!j || !jp) {
        fprintf(stderr, "%s / %s: %s\n", doc, query, err);
        json_free(j);
        jsonpath_free(jp);
        return 0;
    }
    JsonValues vs = {0};
    jsonpath_values(jp, j, &vs);
    Buf b;
    buf_init(&b);
    json_serialize_list(vs.v, vs.n, NULL, &b);
    /* a projection is what the plain compiler refuses */
    JsonPath *plain = jsonpath_compile(query, strlen(query), err, sizeof err);
    int proj = plain == NULL;
    jsonpath_free(plain);
    int ok = proj == is_proj && buf_live(&b) == strlen(want) &&
             memcmp(buf_data(&b), want, buf_live(&b)) == 0;
    if (!ok)
        fprintf(stderr, "%s on %s -> %.*s (projection %d), want %s\n", query, doc,
                (int)buf_live(&b), buf_data(&b), proj, want);
    buf_free(&b);
    jsonvalues_free(&vs);
    jsonpath_free(jp);
    json_free(j);
    return ok;
}

/* The error compiling query as a projection begins with want. */
static int projection_error_is(const char *query, const char *want) {
    char err[256] = "";
    JsonPath *jp = jsonpath_compile_projection(query, strlen(query), err, sizeof err);
    int ok = jp == NULL && strncmp(err, want, strlen(want)) == 0;
    if (!ok) fprintf(stderr, "%s: %s, want %s\n", query, jp ? "(compiled)" : err, want);
    jsonpath_free(jp);
    return ok;
}

static Json *random_tree(int depth) {
    int kind = (int)test_rand_below(depth > 3 ? 6 : 8);
    switch (kind) {
    case 0:
        return json_new(JSON_NULL);
    case 1: {
        Json *j = json_new(JSON_BOOL);
        j->b = (uint8_t)test_rand_below(2);
        return j;
    }
    case 2:
        return json_new_int((int64_t)test_rand());
    case 3: {
        double d;
        do {
            uint64_t bits = test_rand();
            memcpy(&d, &bits, sizeof d);
        } while (!isfinite(d));
        return json_new_double(test_rand_below(2) ? d : (double)(int64_t)test_rand_below(1000) / 8);
    }
    case 4:
    case 5: {
        char s[16];
        size_t n = test_rand_below(sizeof s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(test_rand_below(2) ? 'a' + test_rand_below(26) : test_rand_below(128));
        return json_new_string(s, n);
    }
    case 6: {
        Json *a = json_new(JSON_ARRAY);
        size_t n = test_rand_below(5);
        for (size_t i = 0; i < n; i++) json_array_append(a, random_tree(depth + 1));
        return a;
    }
    default: {
        Json *o = json_new(JSON_OBJECT);
        size_t n = test_rand_below(5);
        for (size_t i = 0; i < n; i++) {
            char k[4] = {(char)('a' + test_rand_below(6)), '"', '\n', 0};
            json_object_set(o, k, 1 + test_rand_below(3), random_tree(depth + 1));
        }
        return o;
    }
    }
}

int main(void) {
    test_seed("test_json");

    CHECK(roundtrip_is(" { \"a\" : [1, 2.0, -0.5, 1e2, true, false, null, \"x\"] } ",
                       "{\"a\":[1,2.0,-0.5,100.0,true,false,null,\"x\"]}"));
    CHECK(roundtrip_is("\"\\u00e9\\n\\u0001\\/\\ud83d\\ude00\"",
                       "\"\xc3\xa9\\n\\u0001/\xf0\x9f\x98\x80\""));
    CHECK(roundtrip_is("18446744073709551615", "18446744073709551615"));
    CHECK(roundtrip_is("-9223372036854775808", "-9223372036854775808"));
    CHECK(roundtrip_is("18446744073709551616", "1.8446744073709552e19"));
    CHECK(roundtrip_is("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"));
    CHECK(roundtrip_is("[[],{}]", "[[],{}]"));
    {
        /* a big object's repeated keys: first position, last value */
        Buf in, want;
        buf_init(&in);
        buf_init(&want);
        buf_append_char(&in, '{');
        buf_append_char(&want, '{');
        for (int i = 0; i < 100; i++) {
            buf_printf(&in, "%s\"k%d\":%d", i ? "," : "", i, i);
            if (i == 0)
                buf_printf(&want, "\"k0\":\"y\"");
            else if (i == 5)
                buf_printf(&want, ",\"k5\":\"x\"");
            else
                buf_printf(&want, ",\"k%d\":%d", i, i);
        }
        buf_append_cstr(&in, ",\"k5\":\"x\",\"k0\":1,\"k0\":\"y\"}");
        buf_append_char(&want, '}');
        buf_append_char(&in, '\0');
        buf_append_char(&want, '\0');
        CHECK(roundtrip_is(buf_data(&in), buf_data(&want)));
        buf_free(&in);
        buf_free(&want);
    }

    {
        /* equality of big objects: order-blind, values compared */
        Json *a = json_new(JSON_OBJECT), *b = json_new(JSON_OBJECT), *c = json_new(JSON_OBJECT);
        char k[16];
        for (int i = 0; i < 100; i++) {
            snprintf(k, sizeof k, "k%d", i);
            json_object_set(a, k, strlen(k), json_new_int(i));
            snprintf(k, sizeof k, "k%d", 99 - i);
            json_object_set(b, k, strlen(k), json_new_int(99 - i));
            json_object_set(c, k, strlen(k), json_new_int(i == 50 ? -1 : 99 - i));
        }
        CHECK(json_equal(a, b) && json_equal(b, a));
        CHECK(!json_equal(a, c) && !json_equal(c, a));
        json_free(a);
        json_free(b);
        json_free(c);
    }

    CHECK(double_is(1.0, "1.0"));
    CHECK(double_is(-0.0, "-0.0"));
    CHECK(double_is(1e20, "1e20"));
    CHECK(double_is(1e16, "1e16"));
    CHECK(double_is(1e15, "1000000000000000.0"));
    CHECK(double_is(1.5e-7, "1.5e-7"));
    CHECK(double_is(0.0001, "0.0001"));
    CHECK(double_is(0.1 + 0.2, "0.30000000000000004"));
    CHECK(double_is(123456789012345680000.0, "1.2345678901234568e20"));
    CHECK(double_is(3.14, "3.14"));

    CHECK(error_is("", "EOF while parsing a value at line 1 column 0"));
    CHECK(error_is("x", "expected value at line 1 column 1"));
    CHECK(error_is("[1,]", "trailing comma at line 1 column 4"));
    CHECK(error_is("[1 2", "expected `,` or `]` at line 1 column 4"));
    CHECK(error_is("{\"a\" 1}", "expected `:` at line 1 column 6"));
    CHECK(error_is("{1:2}", "key must be a string at line 1 column 2"));
    CHECK(error_is("tru", "EOF while parsing a value at line 1 column 3"));
    CHECK(error_is("trux", "expected ident at line 1 column 4"));
    CHECK(error_is("1 2", "trailing characters at line 1 column 3"));
    CHECK(error_is("\"abc", "EOF while parsing a string at line 1 column 4"));
    CHECK(error_is("[\n01]", "invalid number at line 2 column 2"));
    CHECK(error_is("1e400", "number out of range at line 1 column 5"));
    {
        char deep[300];
        memset(deep, '[', 128);
        memset(deep + 128, ']', 128);
        deep[256] = '\0';
        CHECK(error_is(deep, "recursion limit exceeded at line 1 column 128"));
        memset(deep, '[', 127);
        memset(deep + 127, ']', 127);
        deep[254] = '\0';
        CHECK(roundtrip_is(deep, deep));
    }

    {
        char err[128];
        const char *src = "{\"a\":[1,{}],\"b\":{}}";
        Json *j = json_parse(src, strlen(src), JSON_MAX_PARSE_DEPTH, err, sizeof err);
        JsonFormat f = {"\t", 1, "\n", 1, " ", 1};
        Buf b;
        buf_init(&b);
        json_serialize(j, &f, &b);
        const char *want = "{\n\t\"a\": [\n\t\t1,\n\t\t{}\n\t],\n\t\"b\": {}\n}";
        CHECK(buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, strlen(want)) == 0);
        buf_free(&b);
        json_free(j);
    }

    const char *doc =
        "{\"a\":{\"a\":1,\"b\":[1,2,3]},\"c\":[{\"p\":5,\"n\":\"x\"},{\"p\":15,\"n\":\"y\"}]}";
    CHECK(matches_are(
        doc, "$",
        "[{\"a\":{\"a\":1,\"b\":[1,2,3]},\"c\":[{\"p\":5,\"n\":\"x\"},{\"p\":15,\"n\":\"y\"}]}]"));
    CHECK(matches_are(doc, "$..a", "[{\"a\":1,\"b\":[1,2,3]},1]"));
    CHECK(matches_are(doc, "$.a.b[-1]", "[3]"));
    CHECK(matches_are(doc, "$.a.b[0,2]", "[1,3]"));
    CHECK(matches_are(doc, "$.a.b[1:]", "[2,3]"));
    CHECK(matches_are(doc, "$.a.b[::2]", "[1,3]"));
    CHECK(matches_are(doc, "$['a']['b'][*]", "[1,2,3]"));
    CHECK(matches_are(doc, "$.c[?(@.p < 10)].n", "[\"x\"]"));
    CHECK(matches_are(doc, "$.c[?(@.p > 1 && @.n == \"y\")].p", "[15]"));
    CHECK(matches_are(doc, "$.c[?(@.n =~ \"^[xz]$\" || @.p == 99)].p", "[5]"));
    CHECK(matches_are(doc, "$.c[?(!(@.p == 5))].p", "[15]"));
    CHECK(matches_are(doc, "$.c[?(@.p)].p", "[5,15]"));
    CHECK(matches_are(doc, "$.x", "[]"));
    CHECK(matches_are(doc, "$.a.*", "[1,[1,2,3]]"));
    CHECK(
        matches_are(doc, "$..*",
                    "[{\"a\":1,\"b\":[1,2,3]},[{\"p\":5,\"n\":\"x\"},{\"p\":15,\"n\":\"y\"}],1,[1,"
                    "2,3],1,2,3,{\"p\":5,\"n\":\"x\"},{\"p\":15,\"n\":\"y\"},5,\"x\",15,\"y\"]"));
    CHECK(matches_are("[1,2]", "$.[0]", "[1]"));

    /* Redis 8.10's filter extensions */
    {
        const char *d = "{\"n\":[1,2.5,-3,4,\"4\"],\"s\":[\"ab\",\"abc\",\"\",[],[1,2],{\"k\":1}],"
                        "\"o\":[{\"p\":2,\"q\":3,\"t\":[\"x\"]},{\"p\":5,\"q\":1,\"t\":[]}],"
                        "\"allow\":[4,2.5]}";
        CHECK(matches_are(d, "$.n[?@ * 2 == 5]", "[2.5]"));
        CHECK(matches_are(d, "$.n[?@ - 1 < 0 || @ / 4 == 1]", "[-3,4]"));
        CHECK(matches_are(d, "$.n[?-@ == 3]", "[-3]"));
        CHECK(matches_are(d, "$.n[?@ % 2 == 0]", "[4]"));
        CHECK(matches_are(d, "$.n[?@ / 0 == 1 || @ % 0 == 0]", "[]"));
        CHECK(matches_are(d, "$.n[?@ in $.allow]", "[2.5,4]"));
        CHECK(matches_are(d, "$.n[?@ nin [1, \"4\", 4.0]]", "[2.5,-3]"));
        CHECK(matches_are(d, "$.o[?@.p + @.q * 2 == 8].p", "[2]"));
        CHECK(matches_are(d, "$.o[?(@.p + @.q) * 2 == 12].p", "[5]"));
        CHECK(matches_are(d, "$.o[?@.t subsetof [\"x\"]].p", "[2,5]"));
        CHECK(matches_are(d, "$.o[?@.t anyof [\"x\", 1]].p", "[2]"));
        CHECK(matches_are(d, "$.o[?@.t noneof [\"x\"]].p", "[5]"));
        CHECK(matches_are(d, "$.s[?@ size 2]", "[\"ab\",[1,2]]"));
        CHECK(matches_are(d, "$.s[?@ size 1e300 || @ size -1e300 || @ size -0.5]", "[\"\",[]]"));
        CHECK(matches_are(d, "$.s[?@ empty true]", "[\"\",[]]"));
        CHECK(matches_are(d, "$.s[?@ empty false]", "[\"ab\",\"abc\",[1,2],{\"k\":1}]"));
        CHECK(matches_are(d, "$.s[?length(@) == 1]", "[{\"k\":1}]"));
        CHECK(matches_are(d, "$.s[?@.length() > 2]", "[\"abc\"]"));
        CHECK(matches_are(d, "$.s[?match(@, \"ab\")]", "[\"ab\"]"));
        CHECK(matches_are(d, "$.s[?search(@, \"b\")]", "[\"ab\",\"abc\"]"));
        CHECK(matches_are(d, "$.s[?concat(@, \"!\") == \"ab!\"]", "[\"ab\"]"));
        CHECK(matches_are(d, "$.s[?@ == {\"k\":1.0}]", "[{\"k\":1}]"));
        CHECK(matches_are(d, "$.s[?@ > [1]]", "[]"));
        /* $.n holds a string: no sum and no max */
        CHECK(matches_are(d, "$[?sum(@) == 6.5 || max(@) == 4]", "[[4,2.5]]"));
        CHECK(matches_are(d, "$.o[?sum(@.t) == 0 || avg(@.t) == 0]", "[]"));
        CHECK(matches_are(d, "$[?first(@) == 1 && last(@) == \"4\" && index(@, -2) == 4]",
                          "[[1,2.5,-3,4,\"4\"]]"));
        CHECK(matches_are(d, "$[?stddev(@) == 0.75]", "[[4,2.5]]"));
        CHECK(matches_are(d, "$[?min(@) == 2.5]", "[[4,2.5]]"));
        CHECK(
            matches_are(d, "$.n[?abs(@) == 3 || floor(@) == 2 || ceiling(@) == 1]", "[1,2.5,-3]"));
        CHECK(matches_are(d, "$.o[?count(@.*) == 3 && value(@.t.*) == \"x\"].p", "[2]"));
        CHECK(matches_are(d, "$.o[?@.keys().count() == 3 && \"t\" in keys(@)].p", "[]"));
        CHECK(matches_are(d, "$.o[?keys(@) == \"t\"].p", "[2,5]"));
        CHECK(matches_are(d, "$.o[?@~ == \"q\" && $~ == \"allow\"].p", "[2,5]"));
        CHECK(matches_are(d, "$.o[?@.t~ == \"x\" || @.nosuch~]", "[]"));
        CHECK(matches_are(d, "$.o[?append(@.t, 1) == [\"x\",1]].p", "[2]"));
        CHECK(matches_are(d, "$.o[?@.t.append(@.p, @.q) == [5,1]].p", "[5]"));
        CHECK(matches_are(d, "$.o[?@.t.append(@.*) == [[5,1,[]]]].p", "[5]"));
        CHECK(matches_are(d, "$.o[?append(@.t, @.*).length() == 2].p", "[2]"));
        CHECK(matches_are(d, "$.o[?append(@.t, @.nosuch) || append(@.t) || append(@.p, 1)]", "[]"));
        CHECK(matches_are(d, "$.o[?length(@.p, 1) == 1 || index(@.t) == \"x\"]", "[]"));
        CHECK(matches_are("{\"a\":[9223372036854775807,-9223372036854775807]}",
                          "$.a[?@ + 1 > 0 && abs(@ - 1) > 0]", "[9223372036854775807]"));
    }

    {
        char err[128];
        CHECK(jsonpath_compile("$.a[", 4, err, sizeof err) == NULL);
        CHECK(jsonpath_compile("a", 1, err, sizeof err) == NULL);
        /* RedisJSON's grammar: names after a dot from a fixed alphabet, no
         * leading zeros or '+' in indexes, positive steps, escapes of the
         * quote or the backslash only */
        const char *bad[] = {"$.\xc3\xa9", "$.a b", "$[01]", "$[+1]", "$[::0]", "$['a\\n']", "$.a[",
                             "$[?(@.a ==)]", "$.", "$..", "$[1:2:-1]", "$.a~b",
                             /* 8.10's filters: a bare value is no test, an
                              * operator needs both sides, functions are
                              * known, truth values are not operands, and a
                              * top-level projection is not a path here */
                             "$[?@.a + 1]", "$[?1]", "$[?@ in]", "$[?f(@)]",
                             "$[?match(@,'a') == 1]", "$[?(@.a < 1) + 1 == 2]", "$[?@ == [1,]]",
                             "$.a + 1", "$.a.length()", "$[?!1]"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            JsonPath *jp = jsonpath_compile(bad[i], strlen(bad[i]), err, sizeof err);
            if (jp) fprintf(stderr, "compiled: %s\n", bad[i]);
            CHECK(jp == NULL);
            jsonpath_free(jp);
        }
        const char *good[] = {"$.a-b_c`+#%$^/:",
                              "$ .a [0] ",
                              "$['a\\'b']",
                              "$[-0]",
                              "$[0:]",
                              "$[:2:3]",
                              "$..[?(@.x == 'y' || !@.z)]",
                              "$[?-@.a * (2 + @.b) % 3 >= -1.5e1]",
                              "$[?@.a.length().abs() in [1, {\"k\": [2]}]]",
                              "$[?count(@.*) sizeof 2]",
                              "$[?search(@, \"x\") && !match(@.y, 'z')]",
                              "$[?@ empty false]"};
        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
            JsonPath *jp = jsonpath_compile(good[i], strlen(good[i]), err, sizeof err);
            if (!jp) fprintf(stderr, "not compiled: %s: %s\n", good[i], err);
            CHECK(jp != NULL);
            jsonpath_free(jp);
        }
        /* a filter's terms are bounded (evaluation recurses over them) */
        for (int n = 300; n <= 600; n += 300) {
            Buf b;
            buf_init(&b);
            buf_append(&b, "$[?@", 4);
            for (int k = 0; k < n; k++) buf_append(&b, " + @.length()", 13);
            buf_append(&b, " > 0]", 5);
            JsonPath *jp = jsonpath_compile(buf_data(&b), buf_live(&b), err, sizeof err);
            CHECK((jp != NULL) == (n == 300));
            jsonpath_free(jp);
            buf_free(&b);
        }
        JsonPath *jp = jsonpath_compile("$.a[0].b", 8, err, sizeof err);
        CHECK(jp && jsonpath_is_static(jp));
        jsonpath_free(jp);
        jp = jsonpath_compile("$..b", 4, err, sizeof err);
        CHECK(jp && !jsonpath_is_static(jp));
        jsonpath_free(jp);
    }

    /* 8.10's projections: a top-level value expression */
    {
        const char *d =
            "{\"a\":2,\"b\":4,\"s\":\"h\u00e9\",\"arr\":[1,2,3],\"obj\":{\"x\":1,\"y\":2},"
            "\"bk\":[{\"p\":30},{\"p\":5},{\"p\":\"x\"}],\"f\":[1.5,-2.5]}";
        static const struct {
            const char *query;
            int is_proj;
            const char *want;
        } vcase[] = {
            /* plain paths stay paths, also in parentheses or with a name like a+1 */
            {"$.a", 0, "[2]"},
            {"($.a)", 0, "[2]"},
            {"( $..p )", 0, "[30,5,\"x\"]"},
            {"$.a+1", 0, "[]"},
            {"$ .arr [0]", 0, "[1]"},
            /* arithmetic, unary signs, precedence, division always a double */
            {"$.a + 1", 1, "[3]"},
            {"$.a * $.b", 1, "[8]"},
            {"($.a + $.b) / 2", 1, "[3.0]"},
            {"$.a + $.b * 2", 1, "[10]"},
            {"-$.a", 1, "[-2]"},
            {"+$.a", 1, "[2]"},
            {"- $.f[0]", 1, "[-1.5]"},
            {"$.b % 3 - 1", 1, "[0]"},
            {"$ + 1", 1, "[]"},
            /* Nothing: zero divisor, non-number, missing, several matches */
            {"$.a / 0", 1, "[]"},
            {"$.a % 0", 1, "[]"},
            {"$.s + 1", 1, "[]"},
            {"$.nosuch * 2", 1, "[]"},
            {"$.arr[*] + 1", 1, "[]"},
            /* functions, in prefix and method form */
            {"$.arr.length()", 1, "[3]"},
            {"length($.arr)", 1, "[3]"},
            {"$.s.length()", 1, "[2]"},
            {"$.a.length()", 1, "[]"},
            {"$..p.length()", 1, "[]"},
            {"count($..p)", 1, "[3]"},
            {"$.arr.first()", 1, "[1]"},
            {"last($.arr)", 1, "[3]"},
            {"index($.arr, -2)", 1, "[2]"},
            {"$.f.abs()", 1, "[]"},
            {"$.f[1].abs()", 1, "[2.5]"},
            {"$.f[1].floor()", 1, "[-3.0]"},
            {"concat($.s, \"!\")", 1, "[\"h\u00e9!\"]"},
            {"value($.obj)", 1, "[{\"x\":1,\"y\":2}]"},
            {"$.arr.length() * 2 + $.a", 1, "[8]"},
            /* aggregates over one array, or over the nodes of several matches */
            {"$.arr.sum()", 1, "[6]"},
            {"avg($.arr)", 1, "[2.0]"},
            {"$.arr.min()", 1, "[1]"},
            {"max($.f)", 1, "[1.5]"},
            {"$.arr.stddev()", 1, "[0.816496580927726]"},
            {"$.bk[0,1].p.sum()", 1, "[35]"},
            {"max($.bk[*].p)", 1, "[]"},
            {"$.obj.*.max()", 1, "[2]"},
            {"sum($.a)", 1, "[]"},
            {"sum($.nosuch)", 1, "[]"},
            /* keys: ~ and keys(), flattened over several objects */
            {"$.obj~", 1, "[\"x\",\"y\"]"},
            {"$~", 1, "[\"a\",\"b\",\"s\",\"arr\",\"obj\",\"bk\",\"f\"]"},
            {"$.arr~", 1, "[]"},
            {"$.obj.keys()", 1, "[\"x\",\"y\"]"},
            {"$.obj.keys().count()", 1, "[2]"},
            {"$.bk[*]~", 1, "[\"p\",\"p\",\"p\"]"},
            {"keys($.nosuch)", 1, "[]"},
            /* append(): into one array, after any other receiver; documents untouched */
            {"$.arr.append(9)", 1, "[1,2,3,9]"},
            {"append($.arr, 9, \"z\")", 1, "[1,2,3,9,\"z\"]"},
            {"$.arr[*].append(9)", 1, "[1,2,3,9]"},
            {"$.bk[?@.p >= 10].append({\"t\":1})", 1, "[{\"p\":30},{\"t\":1}]"},
            {"$.a.append(9)", 1, "[2,9]"},
            {"$.nosuch.append(9)", 1, "[9]"},
            {"$.arr.append($.obj.*)", 1, "[1,2,3,[1,2]]"},
            {"$.arr.append($.nosuch)", 1, "[]"},
            {"$.arr.append($.arr.append(4))", 1, "[1,2,3,[1,2,3,4]]"},
            {"$.arr.append(1).length()", 1, "[4]"},
            {"$.arr.append()", 1, "[]"},
            {"$.arr", 0, "[[1,2,3]]"},
            /* wrong arity: Nothing */
            {"length($.arr, 1)", 1, "[]"},
            {"index($.arr)", 1, "[]"},
        };
        for (size_t i = 0; i < sizeof vcase / sizeof vcase[0]; i++)
            CHECK(values_are(d, vcase[i].query, vcase[i].is_proj, vcase[i].want));
        /* an integer overflow becomes a double; an empty array has no sum */
        CHECK(values_are("{\"a\":9223372036854775807}", "$.a + 1", 1, "[9.223372036854776e18]"));
        CHECK(values_are("{\"e\":[]}", "$.e.sum()", 1, "[]"));
        /* errors: a condition, '@' outside a filter, a non-terminal ~, junk */
        static const char *const ecase[][2] = {
            {"$.a == 1", "JSON Path error: a condition"},
            {"match($.s, 'h.')", "JSON Path error: a condition"},
            {"($.a > 1)", "JSON Path error: a condition"},
            {"(@.a)", "JSON Path error: path error: '@' outside a filter"},
            {"length(@)", "JSON Path error: path error: '@' outside"},
            {"$.obj~.x", "JSON Path error: path error: '~' must end"},
            {"$.obj~~", "JSON Path error: path error: '~' must end"},
            {"$.obj.keys()~", "JSON Path error: path error:"},
            {"$.a +", "JSON Path error: path error: expected a value"},
            {"$.a + 1 )", "JSON Path error: path error: unexpected"},
            {"length($.a", "JSON Path error: path error: expected ')'"},
            {"nosuch($.a)", "JSON Path error: path error: expected '$'"},
            {"$.a.nosuch()", "JSON Path error: path error: unknown function"},
            {"1 + 2", "JSON Path error: path error: expected '$'"},
            {"", "JSON Path error: path error: expected '$'"},
        };
        for (size_t i = 0; i < sizeof ecase / sizeof ecase[0]; i++)
            CHECK(projection_error_is(ecase[i][0], ecase[i][1]));
        /* jsonpath_compile() refuses a projection by name, a path as before */
        char err[256];
        JsonPath *jp = jsonpath_compile("$.a + 1", 7, err, sizeof err);
        CHECK(jp == NULL && strstr(err, "projection") != NULL);
        jp = jsonpath_compile("($.a)", 5, err, sizeof err);
        CHECK(jp != NULL && jsonpath_is_static(jp)); /* compiled as a path */
        jsonpath_free(jp);
        /* which text opens a projection */
        CHECK(jsonpath_starts_projection("length($.a)", 11));
        CHECK(jsonpath_starts_projection("(1)", 3));
        CHECK(jsonpath_starts_projection("- $.a", 5));
        CHECK(!jsonpath_starts_projection("-a", 2));
        CHECK(!jsonpath_starts_projection("a.length", 8));
        CHECK(!jsonpath_starts_projection("nosuch(x)", 9));
        CHECK(!jsonpath_starts_projection("", 0));
        /* a long projection is bounded like a filter */
        Buf b;
        buf_init(&b);
        buf_append(&b, "$.a", 3);
        for (int k = 0; k < 1200; k++) buf_append(&b, " + 1", 4);
        jp = jsonpath_compile_projection(buf_data(&b), buf_live(&b), err, sizeof err);
        CHECK(jp == NULL && strstr(err, "too long") != NULL);
        buf_free(&b);
    }

    /* nested matches, and the update order */
    {
        char err[128];
        const char *d = "{\"a\":{\"a\":{\"a\":1}},\"b\":[[1],[2]]}";
        Json *j = json_parse(d, strlen(d), JSON_MAX_PARSE_DEPTH, err, sizeof err);
        JsonPath *jp = jsonpath_compile("$..a", 4, err, sizeof err);
        JsonMatches ms;
        jsonmatches_init(&ms);
        jsonpath_eval(jp, j, &ms);
        uint8_t nested[8];
        CHECK_EQ_INT(ms.n, 3);
        jsonmatches_mark_nested(&ms, j, nested);
        CHECK(nested[0] == 0 && nested[1] == 1 && nested[2] == 1);
        jsonmatches_free(&ms);
        jsonpath_free(jp);
        jp = jsonpath_compile("$.b..*", 6, err, sizeof err);
        jsonmatches_init(&ms);
        jsonpath_eval(jp, j, &ms);
        size_t order[8];
        for (size_t i = 0; i < ms.n; i++) order[i] = i;
        jsonmatches_sort_for_update(&ms, order, ms.n);
        CHECK_EQ_INT(ms.n, 4); /* [1], [2], 1, 2 */
        CHECK(ms.m[order[0]].val->type == JSON_INT && ms.m[order[0]].val->v.i == 2);
        CHECK(ms.m[order[3]].val->type == JSON_ARRAY && ms.m[order[3]].val->v.items[0]->v.i == 1);
        jsonmatches_free(&ms);
        jsonpath_free(jp);
        json_free(j);
    }

    for (int round = 0; round < 300; round++) {
        Json *t = random_tree(0);
        Buf a, b;
        buf_init(&a);
        buf_init(&b);
        json_serialize(t, NULL, &a);
        char err[256];
        Json *back = json_parse(buf_data(&a), buf_live(&a), JSON_MAX_PARSE_DEPTH, err, sizeof err);
        CHECK(back != NULL);
        if (back) {
            json_serialize(back, NULL, &b);
            CHECK(buf_live(&a) == buf_live(&b) &&
                  memcmp(buf_data(&a), buf_data(&b), buf_live(&a)) == 0);
            CHECK(json_equal(t, back));
            Json *d = json_dup(back);
            CHECK(json_equal(d, t));
            json_free(d);
            json_free(back);
        }
        buf_free(&a);
        buf_free(&b);
        json_free(t);
    }
    return test_report("test_json");
}
