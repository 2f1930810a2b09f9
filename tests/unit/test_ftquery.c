/*
 * Unit tests for the query language (src/types/ftquery.c): FT.EXPLAIN's
 * text for every syntax form in dialects 1 and 2 (many expected outputs are
 * RediSearch's own, from its tests/pytests), the precedence differences
 * between the dialects, PARAMS, attributes, the vector clauses, and the
 * exact error messages.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "types/ftquery.h"
#include "types/fttext.h"

#include "test.h"

/* The schema of RediSearch's testExplain plus a few more fields. */
static const struct {
    const char *name;
    unsigned types;
    FtqFieldMask bit;
    int nostem, phonetic, casesens, missing, empty;
} fields[] = {
    {"foo", FTQ_FIELD_TEXT, 1, 0, 0, 0, 0, 0},       {"bar", FTQ_FIELD_NUMERIC, 0, 0, 0, 0, 0, 0},
    {"v", FTQ_FIELD_VECTOR, 0, 0, 0, 0, 0, 0},       {"t", FTQ_FIELD_TEXT, 2, 0, 0, 0, 0, 0},
    {"tags", FTQ_FIELD_TAG, 0, 0, 0, 0, 1, 0},       {"loc", FTQ_FIELD_GEO, 0, 0, 0, 0, 0, 0},
    {"body", FTQ_FIELD_TEXT, 4, 1, 0, 0, 0, 0},      {"title", FTQ_FIELD_TEXT, 8, 0, 1, 0, 0, 1},
    {"shape", FTQ_FIELD_GEOSHAPE, 0, 0, 0, 0, 0, 0}, {"price", FTQ_FIELD_NUMERIC, 0, 0, 0, 0, 1, 0},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
/* RediSearch's testExplain schema has no PHONETIC field (a phonetic field
 * expands unrestricted words by sound): "title" is phonetic only while the
 * phonetic cases run. */
static int phonetic_on;

static int lookup(void *ctx, const char *name, size_t len, FtqFieldInfo *out) {
    (void)ctx;
    for (size_t i = 0; i < N_FIELDS; i++) {
        if (strlen(fields[i].name) == len && !memcmp(fields[i].name, name, len)) {
            out->name = fields[i].name;
            out->name_len = len;
            out->types = fields[i].types;
            out->text_bit = fields[i].bit;
            out->is_nostem = fields[i].nostem;
            out->is_phonetic = fields[i].phonetic && phonetic_on;
            out->tag_separator = ',';
            out->tag_casesensitive = fields[i].casesens;
            out->index_missing = fields[i].missing;
            out->index_empty = fields[i].empty;
            return 1;
        }
    }
    return 0;
}

static const char *by_bit(void *ctx, FtqFieldMask bit) {
    (void)ctx;
    for (size_t i = 0; i < N_FIELDS; i++)
        if (fields[i].bit == bit) return fields[i].name;
    return NULL;
}

static const FtqSchema schema = {NULL, lookup, by_bit};

static FtqParam params[] = {
    {"k", 1, "10", 2},
    {"B", 1, "\xa4\x21\xf5\x42\x18\x07\x00\xc7", 8},
    {"r", 1, "0.1", 3},
    {"p", 1, "Hello", 5},
    {"n", 1, "12", 2},
    {"lo", 2, "(5", 2},
    {"w", 1, "2.5", 3},
    {"bad", 3, "abc", 3},
    {"wkt", 3, "POLYGON((0 0, 1 1, 1 0, 0 0))", 29},
};

static char last_err[600];

/* EXPLAIN of q in the dialect, or "ERR <message>". Owned by a static. */
static const char *explain_opt(const char *q, int dialect, int verbatim) {
    static Buf b;
    static int init;
    if (!init) {
        buf_init(&b);
        init = 1;
    }
    buf_clear(&b);
    FtqOptions opt = {.dialect = dialect,
                      .params = params,
                      .n_params = sizeof(params) / sizeof(params[0]),
                      .schema = &schema,
                      .is_verbatim = verbatim};
    FtqError err;
    FtqNode *n = ftq_parse(q, strlen(q), &opt, &err);
    if (!n) {
        snprintf(last_err, sizeof(last_err), "ERR %s", err.msg);
        return last_err;
    }
    ftq_explain(n, &schema, &b);
    ftq_free(n);
    buf_append_char(&b, '\0');
    return buf_data(&b);
}

static const char *explain(const char *q, int dialect) {
    return explain_opt(q, dialect, 0);
}

/* EXPLAIN without stem expansion (VERBATIM), to look at the structure. */
static const char *ev(const char *q, int dialect) {
    return explain_opt(q, dialect, 1);
}

static int checks_failed_here;
#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!strcmp(g_, w_)) {                                                                     \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            checks_failed_here++;                                                                  \
            fprintf(stderr, "%s:%d: got:\n%s\nwant:\n%s\n", __FILE__, __LINE__, g_, w_);           \
        }                                                                                          \
    } while (0)

static void test_redisearch_explain(void) {
    /* tests/pytests/test.py testExplain */
    const char *q = "(hello world) \"what what\" (hello|world) (@bar:[10 100]|@bar:[200 300])";
    const char *d1 = "INTERSECT {\n  UNION {\n    hello\n    +hello(expanded)\n  }\n  UNION {\n"
                     "    world\n    +world(expanded)\n  }\n  EXACT {\n    what\n    what\n  }\n"
                     "  UNION {\n    UNION {\n      hello\n      +hello(expanded)\n    }\n"
                     "    UNION {\n      world\n      +world(expanded)\n    }\n  }\n  UNION {\n"
                     "    NUMERIC {10.000000 <= @bar <= 100.000000}\n"
                     "    NUMERIC {200.000000 <= @bar <= 300.000000}\n  }\n}\n";
    CHECK_STR(explain(q, 1), d1);
    q = "(hello world) \"what what\" hello|world @bar:[10 100]|@bar:[200 300]";
    CHECK_STR(explain(q, 1), d1);
    const char *d2 = "UNION {\n  INTERSECT {\n    UNION {\n      hello\n      +hello(expanded)\n"
                     "    }\n    UNION {\n      world\n      +world(expanded)\n    }\n"
                     "    EXACT {\n      what\n      what\n    }\n    UNION {\n      hello\n"
                     "      +hello(expanded)\n    }\n  }\n  INTERSECT {\n    UNION {\n"
                     "      world\n      +world(expanded)\n    }\n"
                     "    NUMERIC {10.000000 <= @bar <= 100.000000}\n  }\n"
                     "  NUMERIC {200.000000 <= @bar <= 300.000000}\n}\n";
    CHECK_STR(explain(q, 2), d2);

    CHECK_STR(explain("* => [KNN $k @v $B EF_RUNTIME 100]", 2),
              "VECTOR {K=10 nearest vectors to `$B` in vector index associated with field @v, "
              "EF_RUNTIME = 100, yields distance as `__v_score`}\n");
    CHECK_STR(explain("@v:[VECTOR_RANGE $r $B]=>{$epsilon: 1.2; $yield_distance_as:dist}", 2),
              "VECTOR {Vectors that are within 0.1 distance radius from `$B` in vector index "
              "associated with field @v, epsilon = 1.2, yields distance as `dist`}\n");
    CHECK_STR(explain("(@t:hello world) => [KNN $k @v $B EF_RUNTIME 100]", 2),
              "VECTOR {\n  INTERSECT {\n    @t:UNION {\n      @t:hello\n      @t:+hello(expanded)\n"
              "    }\n    UNION {\n      world\n      +world(expanded)\n    }\n  }\n} => {K=10 "
              "nearest vectors "
              "to `$B` in vector index associated with field @v, EF_RUNTIME = 100, yields "
              "distance as `__v_score`}\n");
}

/* tests/pytests/test.py testExplain, the _testExplain cases (dialect 2) */
static void test_redisearch_explain2(void) {
    CHECK_STR(explain("", 2), "<empty>\n");
    CHECK_STR(explain("%%hello%%", 2), "FUZZY{hello}\n");
    CHECK_STR(explain("%%hello%% @tags:{bye}", 2),
              "INTERSECT {\n  FUZZY{hello}\n  TAG:@tags {\n    bye\n  }\n}\n");
    CHECK_STR(explain("@tags:{w'*'}", 2), "TAG:@tags {\n  WILDCARD{*}\n}\n");
    CHECK_STR(explain("@tags:{w'*'}=>{$weight: 3;}", 2),
              "TAG:@tags {\n  WILDCARD{*}\n} => { $weight: 3; }\n");
    CHECK_STR(explain("@t:(w'*')", 2), "@t:WILDCARD{*}\n");
    CHECK_STR(explain("@t:(w'*')=>{$weight: 2; $slop:100}", 2),
              "@t:WILDCARD{*} => { $weight: 2; $slop: 100; $inorder: false; }\n");
    CHECK_STR(explain("@t:(w'*')=>{$weight: 4; $slop:100; $inorder:true;}", 2),
              "@t:WILDCARD{*} => { $weight: 4; $slop: 100; $inorder: true; }\n");
    CHECK_STR(explain("@t:(w'*')=>{$weight: 5; $inorder: true;}", 2),
              "@t:WILDCARD{*} => { $weight: 5; $inorder: true; }\n");
    CHECK_STR(explain("@shape:[CONTAINS $wkt]=>{$weight: 3;}", 3),
              "GEOSHAPE{1 POLYGON((0 0, 1 1, 1 0, 0 0))} => { $weight: 3; }\n");
    CHECK_STR(explain("@loc:[$n $n $n km]", 2), "GEO loc:{12.000000,12.000000 --> 12.000000 km}\n");
    CHECK_STR(explain("@loc:[120.53232 12.112233 30.5 ft]", 2),
              "GEO loc:{120.532320,12.112233 --> 30.500000 ft}\n");
    CHECK_STR(explain("@bar:[10 100]", 2), "NUMERIC {10.000000 <= @bar <= 100.000000}\n");
    CHECK_STR(explain("@bar:[-INF 100]", 2), "NUMERIC {-inf <= @bar <= 100.000000}\n");
    CHECK_STR(explain("@bar:[10 Inf]", 2), "NUMERIC {10.000000 <= @bar <= inf}\n");
    CHECK_STR(explain("@bar:[-inf (inf]", 2), "NUMERIC {-inf <= @bar < inf}\n");
    CHECK_STR(explain("@bar:[(-1 $n]", 2), "NUMERIC {-1.000000 < @bar <= 12.000000}\n");
    CHECK_STR(explain("@bar:[(-$n $n]", 2), "NUMERIC {-12.000000 < @bar <= 12.000000}\n");
    CHECK_STR(explain("@bar:[(-22 (+$n]", 2), "NUMERIC {-22.000000 < @bar < 12.000000}\n");
    CHECK_STR(explain("@bar>1", 2), "NUMERIC {1.000000 < @bar <= inf}\n");
    CHECK_STR(explain("@bar>=2", 2), "NUMERIC {2.000000 <= @bar <= inf}\n");
    CHECK_STR(explain("@bar<-1", 2), "NUMERIC {-inf <= @bar < -1.000000}\n");
    CHECK_STR(explain("@bar<=-3.14", 2), "NUMERIC {-inf <= @bar <= -3.140000}\n");
    CHECK_STR(explain("@bar==5.7", 2), "NUMERIC {5.700000 <= @bar <= 5.700000}\n");
    CHECK_STR(explain("@bar!=0", 2), "NOT{\n  NUMERIC {0.000000 <= @bar <= 0.000000}\n}\n");
    CHECK_STR(explain("@bar==+$n", 2), "NUMERIC {12.000000 <= @bar <= 12.000000}\n");
    CHECK_STR(explain("@bar==-$n", 2), "NUMERIC {-12.000000 <= @bar <= -12.000000}\n");
    CHECK_STR(explain("@bar>=12 @bar<inf", 2),
              "INTERSECT {\n  NUMERIC {12.000000 <= @bar <= inf}\n  NUMERIC {-inf <= @bar < "
              "inf}\n}\n");
    CHECK_STR(explain("@bar<-10 | @bar>10", 2),
              "UNION {\n  NUMERIC {-inf <= @bar < -10.000000}\n  NUMERIC {10.000000 < @bar <= "
              "inf}\n}\n");
    CHECK_STR(explain("ismissing(@tags) -ismissing(@price)", 2),
              "INTERSECT {\n  ISMISSING{tags}\n  NOT{\n    ISMISSING{price}\n  }\n}\n");
    CHECK_STR(explain("@tags:{bar} | @tags:{go} ismissing(@price)", 2),
              "UNION {\n  TAG:@tags {\n    bar\n  }\n  INTERSECT {\n    TAG:@tags {\n      go\n"
              "    }\n    ISMISSING{price}\n  }\n}\n");
    CHECK_STR(explain("@t:(bar) | -@tags:{foo} -ismissing(@price)", 2),
              "UNION {\n  @t:UNION {\n    @t:bar\n    @t:+bar(expanded)\n  }\n  INTERSECT {\n    "
              "NOT{\n      TAG:@tags {\n        foo\n"
              "      }\n    }\n    NOT{\n      ISMISSING{price}\n    }\n  }\n}\n");
    CHECK_STR(explain("-ismissing(@tags) | -@tags:{bar} ismissing(@tags)", 2),
              "UNION {\n  NOT{\n    ISMISSING{tags}\n  }\n  INTERSECT {\n    NOT{\n      "
              "TAG:@tags {\n        bar\n      }\n    }\n    ISMISSING{tags}\n  }\n}\n");
}

static void test_terms(void) {
    CHECK_STR(explain("hello", 2), "UNION {\n  hello\n  +hello(expanded)\n}\n");
    CHECK_STR(ev("hello", 2 + 0 * 0), ev("HELLO", 2));
    CHECK_STR(explain_opt("hello", 2, 1), "hello\n");
    CHECK_STR(explain("running", 2), "UNION {\n  running\n  +run(expanded)\n  run(expanded)\n}\n");
    CHECK_STR(explain("foo", 2), "UNION {\n  foo\n  +foo(expanded)\n}\n"); /* any length */
    CHECK_STR(ev("the", 2), "<empty>\n");
    CHECK_STR(ev("", 2), "<empty>\n");
    CHECK_STR(ev("the foo", 2), "foo\n");
    CHECK_STR(ev("*", 1), "<WILDCARD>\n");
    CHECK_STR(ev("*", 2), "<WILDCARD>\n");
    CHECK_STR(ev("((*))", 2), "<WILDCARD>\n");
    CHECK_STR(ev("foo bar", 2), "INTERSECT {\n  foo\n  bar\n}\n");
    CHECK_STR(ev("foo|bar", 2), "UNION {\n  foo\n  bar\n}\n");
    CHECK_STR(ev("foo|bar|baz", 2), "UNION {\n  foo\n  bar\n  baz\n}\n");
    CHECK_STR(ev("-foo", 2), "NOT{\n  foo\n}\n");
    CHECK_STR(ev("~foo", 2), "OPTIONAL{\n  foo\n}\n");
    CHECK_STR(ev("foo -bar", 2), "INTERSECT {\n  foo\n  NOT{\n    bar\n  }\n}\n");
    /* "-" binds to the next operand in dialect 2, to the term list in 1 */
    CHECK_STR(ev("-foo bar", 2), "INTERSECT {\n  NOT{\n    foo\n  }\n  bar\n}\n");
    CHECK_STR(ev("-foo bar", 1), "NOT{\n  INTERSECT {\n    foo\n    bar\n  }\n}\n");
    CHECK_STR(ev("foo bar|baz", 2), "UNION {\n  INTERSECT {\n    foo\n    bar\n  }\n  baz\n}\n");
    CHECK_STR(ev("foo (bar|baz)", 2), "INTERSECT {\n  foo\n  UNION {\n    bar\n    baz\n  }\n}\n");
    CHECK_STR(ev("foo -bar|baz", 1),
              "INTERSECT {\n  foo\n  NOT{\n    UNION {\n      bar\n      baz\n    }\n  }\n}\n");
    CHECK_STR(ev("\"foo bar\"", 2), "EXACT {\n  foo\n  bar\n}\n");
    CHECK_STR(ev("\"hello\"", 2), "hello\n");
    CHECK_STR(ev("\"the bar\"", 2), "EXACT {\n  the\n  bar\n}\n");
    CHECK_STR(ev("\"foo bar the baz\"", 2), "EXACT {\n  foo\n  bar\n  baz\n}\n");
    CHECK_STR(explain("hello-world", 2),
              "INTERSECT {\n  UNION {\n    hello\n    +hello(expanded)\n  }\n  NOT{\n"
              "    UNION {\n      world\n      +world(expanded)\n    }\n  }\n}\n");
    CHECK_STR(explain("foo\\-bar", 2), "UNION {\n  foo-bar\n  +foo-bar(expanded)\n}\n");
    CHECK_STR(ev("12 foo", 2), "INTERSECT {\n  12\n  foo\n}\n");
    CHECK_STR(ev("2024", 2), "2024\n");
    CHECK_STR(ev("-1", 2), "-1\n");
}

static void test_affixes(void) {
    CHECK_STR(ev("hel*", 2), "PREFIX{hel*}\n");
    CHECK_STR(ev("*llo", 2), "SUFFIX{*llo}\n");
    CHECK_STR(ev("*ll*", 2), "INFIX{*ll*}\n");
    CHECK_STR(ev("HeL*", 2), "PREFIX{HeL*}\n");
    CHECK_STR(ev("$p*", 2), "PREFIX{Hello*}\n");
    CHECK_STR(ev("hel*", 1), "PREFIX{hel*}\n");
    CHECK_STR(ev("%hello%", 2), "FUZZY{hello}\n");
    CHECK_STR(ev("%%hello%%", 2), "FUZZY{hello}\n");
    CHECK_STR(ev("%%%hello%%%", 2), "FUZZY{hello}\n");
    CHECK_STR(ev("%%hello%", 2), "ERR Syntax error at offset 7 near hello");
    CHECK_STR(ev("w'hel?o*'", 2), "WILDCARD{hel?o*}\n");
    CHECK_STR(ev("@t:(w'*ell*')", 2), "@t:WILDCARD{*ell*}\n");
}

static void test_fields(void) {
    CHECK_STR(explain("@t:hello", 2), "@t:UNION {\n  @t:hello\n  @t:+hello(expanded)\n}\n");
    CHECK_STR(ev("@body:hello", 2), "@body:hello\n"); /* NOSTEM */
    CHECK_STR(ev("@t|foo:abc", 2), "@foo|t:abc\n");
    CHECK_STR(ev("@t:abc def", 2), "INTERSECT {\n  @t:abc\n  def\n}\n");
    CHECK_STR(ev("@t:abc def", 1), "@t:INTERSECT {\n  @t:abc\n  @t:def\n}\n");
    CHECK_STR(ev("@t:(abc def)", 2), "@t:INTERSECT {\n  @t:abc\n  @t:def\n}\n");
    CHECK_STR(ev("@t:(@foo:abc)", 2), "@NULL:abc\n");
    CHECK_STR(ev("@bar:abc", 2), "@NULL:abc\n");
    CHECK_STR(ev("@nosuch:abc", 2), "ERR Unknown field at offset 0 near nosuch");
    CHECK_STR(ev("@nosuch:abc", 1), "@NULL:abc\n");
    CHECK_STR(ev("foo @nosuch:[1 2]", 2), "ERR Unknown field at offset 4 near nosuch");
    CHECK_STR(ev("foo @nosuch:[1 2]", 1), "foo\n");
    CHECK_STR(ev("@t:abc|def", 2), "UNION {\n  @t:abc\n  def\n}\n");
    CHECK_STR(ev("@t:abc|def", 1), "@t:UNION {\n  @t:abc\n  @t:def\n}\n");
}

static void test_numeric_geo(void) {
    CHECK_STR(ev("@bar:[1 2]", 2), "NUMERIC {1.000000 <= @bar <= 2.000000}\n");
    CHECK_STR(ev("@bar:[(1 (2]", 2), "NUMERIC {1.000000 < @bar < 2.000000}\n");
    CHECK_STR(ev("@bar:[-inf +inf]", 2), "NUMERIC {-inf <= @bar <= inf}\n");
    CHECK_STR(ev("@bar:[-inf (5]", 1), "NUMERIC {-inf <= @bar < 5.000000}\n");
    CHECK_STR(ev("@bar:[-5 -1.5]", 2), "NUMERIC {-5.000000 <= @bar <= -1.500000}\n");
    CHECK_STR(ev("@bar:[$lo $n]", 2), "NUMERIC {5.000000 < @bar <= 12.000000}\n");
    CHECK_STR(ev("@bar:[3]", 2), "NUMERIC {3.000000 <= @bar <= 3.000000}\n");
    CHECK_STR(ev("@bar:[$bad 3]", 2), "ERR Invalid numeric value (abc) for parameter `bad`");
    CHECK_STR(ev("@bar:[$nope 3]", 2), "ERR No such parameter `nope`");
    CHECK_STR(ev("@bar==3", 2), "NUMERIC {3.000000 <= @bar <= 3.000000}\n");
    CHECK_STR(ev("@bar!=3", 2), "NOT{\n  NUMERIC {3.000000 <= @bar <= 3.000000}\n}\n");
    CHECK_STR(ev("@bar>3", 2), "NUMERIC {3.000000 < @bar <= inf}\n");
    CHECK_STR(ev("@bar>=3", 2), "NUMERIC {3.000000 <= @bar <= inf}\n");
    CHECK_STR(ev("@bar<3", 2), "NUMERIC {-inf <= @bar < 3.000000}\n");
    CHECK_STR(ev("@bar<=$n", 2), "NUMERIC {-inf <= @bar <= 12.000000}\n");
    CHECK_STR(ev("@loc:[-122.41 37.77 10 km]", 2),
              "GEO loc:{-122.410000,37.770000 --> 10.000000 km}\n");
    CHECK_STR(ev("@loc:[1 2 3 MI]", 1), "GEO loc:{1.000000,2.000000 --> 3.000000 mi}\n");
    CHECK_STR(ev("@loc:[1 2 3 parsec]", 2), "ERR Invalid GeoFilter unit");
    CHECK_STR(ev("@loc:[1 200 3 m]", 2), "ERR Invalid GeoFilter lat/lon");
    CHECK_STR(ev("@loc:[1 2 0 m]", 2), "ERR Invalid GeoFilter radius");
    CHECK_STR(ev("@shape:[WITHIN $wkt]", 2), "GEOSHAPE{2 POLYGON((0 0, 1 1, 1 0, 0 0))}\n");
}

/* tests/pytests/test_params.py test_errors / test_numeric_range */
static void test_param_errors(void) {
    CHECK_STR(ev("@loc:[29.69465 34.95126 $rapido km]", 2), "ERR No such parameter `rapido`");
    CHECK_STR(ev("@loc:[29.69465 34.95126 $bad km]", 2),
              "ERR Invalid numeric value (abc) for parameter `bad`");
    CHECK_STR(ev("@loc:[29.69465 34.95126 $n $p]", 2), "ERR Invalid GeoFilter unit");
    CHECK_STR(ev("@bar:[-inf max]", 2), "ERR Expecting numeric or parameter at offset 11 near max");
    CHECK_STR(ev("@bar:[min 105]", 2), "ERR Expecting numeric or parameter at offset 6 near min");
    CHECK_STR(ev("@v:[VECTOR_RANGX 1 $B]", 2),
              "ERR Syntax error: expecting vector similarity range command at offset 4 near "
              "VECTOR_RANGX");
    CHECK_STR(ev("@bar:[-inf, (105]", 2), "NUMERIC {-inf <= @bar < 105.000000}\n");
    CHECK_STR(ev("@tags:{$p|$n}", 2), "TAG:@tags {\n  Hello\n  12\n}\n");
    CHECK_STR(ev("@tags:{$p $n}", 2), "TAG:@tags {\n  INTERSECT {\n    hello\n    12\n  }\n}\n");
    CHECK_STR(ev("@t:($p|bob)", 2), "@t:UNION {\n  @t:hello\n  @t:bob\n}\n");
}

static void test_tags(void) {
    CHECK_STR(ev("@tags:{foo}", 2), "TAG:@tags {\n  foo\n}\n");
    CHECK_STR(ev("@tags:{Foo | bar}", 2), "TAG:@tags {\n  Foo\n  bar\n}\n");
    CHECK_STR(ev("@tags:{foo bar}", 2), "TAG:@tags {\n  INTERSECT {\n    foo\n    bar\n  }\n}\n");
    CHECK_STR(ev("@tags:{foo\\ bar}", 2), "TAG:@tags {\n  foo\\ bar\n}\n");
    CHECK_STR(ev("@tags:{hel*}", 2), "TAG:@tags {\n  PREFIX{hel*}\n}\n");
    CHECK_STR(ev("@tags:{$p}", 2), "TAG:@tags {\n  Hello\n}\n");
    CHECK_STR(ev("@tags:{w'a?c'}", 2), "TAG:@tags {\n  WILDCARD{a?c}\n}\n");
    CHECK_STR(ev("@tags:{the}", 2), "TAG:@tags {\n  the\n}\n");
    CHECK_STR(ev("@tags:{Is raining}", 1), "ERR Syntax error at offset 10 near raining");
    CHECK_STR(ev("@tags:{raining Is}", 1), "ERR Syntax error at offset 15 near Is");
    CHECK_STR(ev("@tags:{raining Is}", 2),
              "TAG:@tags {\n  INTERSECT {\n    raining\n    is\n  }\n}\n");
    CHECK_STR(ev("@tags:{foo", 2), "ERR Syntax error at offset 7 near foo");
    CHECK_STR(ev("isempty(@tags)", 2), "TAG:@tags {\n  \"\"\n}\n");
    CHECK_STR(ev("isempty(@title)", 2), "@title:\"\"\n");
    CHECK_STR(ev("ismissing(@tags)", 2), "ISMISSING{tags}\n");
    CHECK_STR(ev("ismissing(@t)", 2),
              "ERR `ISMISSING` applied to field `t`, which does not index missing values");
    CHECK_STR(ev("ismissing(@t)", 1), "ERR Syntax error at offset 12 near t");
    CHECK_STR(ev("\"isempty ismissing\"", 2), "EXACT {\n  isempty\n  ismissing\n}\n");
    CHECK_STR(ev("@tags:{isempty}", 2), "TAG:@tags {\n  isempty\n}\n");
    CHECK_STR(ev("isempty foo", 2), "ERR Syntax error at offset 8 near foo");
}

static void test_attributes(void) {
    CHECK_STR(ev("foo=>{$weight: 2}", 2), "foo => {$weight: 2;}\n");
    CHECK_STR(ev("(foo bar)=>{$slop: 1; $inorder: true}", 2),
              "INTERSECT {\n  foo\n  bar\n} => { $slop: 1; $inorder: true; }\n");
    CHECK_STR(ev("(foo bar)=>{$weight: $w;}", 2),
              "INTERSECT {\n  foo\n  bar\n} => { $weight: 2.5; }\n");
    CHECK_STR(ev("(foo bar)=>{$inorder: true}", 2),
              "INTERSECT {\n  foo\n  bar\n} => { $inorder: true; }\n");
    CHECK_STR(ev("foo=>{$weight: -1}", 2), "ERR Invalid value (-1) for `weight`");
    CHECK_STR(ev("foo=>{$slop: x}", 2), "ERR Invalid value (x) for `slop`");
    CHECK_STR(ev("foo=>{$inorder: maybe}", 2), "ERR Invalid value (maybe) for `inorder`");
    CHECK_STR(ev("foo=>{$nosuch: 1}", 2), "ERR Invalid attribute nosuch");
    phonetic_on = 1;
    CHECK_STR(explain("@title:hello=>{$phonetic: true}", 2),
              "@title:UNION {\n  @title:hello\n  @title:<HL(expanded)\n  "
              "@title:+hello(expanded)\n}\n");
    CHECK_STR(explain("@title:hello=>{$phonetic: false}", 2),
              "@title:UNION {\n  @title:hello\n  @title:+hello(expanded)\n}\n");
    CHECK_STR(explain("hello", 2), "UNION {\n  hello\n  <HL(expanded)\n  +hello(expanded)\n}\n");
    CHECK_STR(explain("@t:hello=>{$phonetic: true}", 2), "ERR field does not support phonetics");
    phonetic_on = 0;
    CHECK_STR(ev("foo=>{}", 2), "foo\n");
}

static void test_vectors(void) {
    CHECK_STR(ev("*=>[KNN 3 @v $B AS dist]", 2),
              "VECTOR {K=3 nearest vectors to `$B` in vector index associated with field @v, "
              "yields distance as `dist`}\n");
    CHECK_STR(ev("*=>[KNN 3 @v $B]=>{$yield_distance_as: d2; $ef_runtime: 5}", 2),
              "VECTOR {K=3 nearest vectors to `$B` in vector index associated with field @v, "
              "ef_runtime = 5, yields distance as `d2`}\n");
    CHECK_STR(ev("*=>[KNN 3 @v $B AS a]=>{$yield_distance_as: b}", 2),
              "ERR Distance field was specified twice for vector query: a and b");
    CHECK_STR(ev("*=>[KNN 3 @v $nope]", 2), "ERR No such parameter `nope`");
    CHECK_STR(ev("*=>[KNN $bad @v $B]", 2), "ERR Invalid numeric value (abc) for parameter `bad`");
    CHECK_STR(ev("*=>[ANN 3 @v $B]", 2),
              "ERR Syntax error: Expecting Vector Similarity command at offset 4 near ANN");
    CHECK_STR(ev("*=>[KNN 3 @v $B]", 1), "ERR Syntax error at offset 1 near >[");
    CHECK_STR(ev("*=>[KNN 3 @nope $B]", 2), "ERR Unknown field at offset 10 near nope");
    CHECK_STR(ev("@t:foo=>[KNN 3 @v $B]", 2),
              "VECTOR {\n  @t:foo\n} => {K=3 nearest vectors to `$B` in vector index associated "
              "with field @v, yields distance as `__v_score`}\n");
}

/* Queries as client libraries write them (redis-py, RedisVL, LangChain,
 * redis-om). */
static void test_clients(void) {
    const char *knn_tail = " nearest vectors to `$B` in vector index associated with field @v";
    char want[512];
    snprintf(want, sizeof(want), "VECTOR {K=4%s, yields distance as `distance`}\n", knn_tail);
    CHECK_STR(ev("(*)=>[KNN 4 @v $B AS distance]", 2), want);
    snprintf(want, sizeof(want),
             "VECTOR {\n  @t:hello\n} => {K=3%s, yields distance as `vector_distance`}\n",
             knn_tail);
    CHECK_STR(ev("(@t:(hello))=>[KNN 3 @v $B AS vector_distance]", 2), want);
    snprintf(want, sizeof(want),
             "VECTOR {\n  TAG:@tags {\n    nike\n  }\n} => {K=10%s, EF_RUNTIME = 12, yields "
             "distance as `vector_distance`}\n",
             knn_tail);
    CHECK_STR(ev("@tags:{nike}=>[KNN 10 @v $B EF_RUNTIME $n AS vector_distance]", 2), want);
    CHECK_STR(ev("@v:[VECTOR_RANGE $r $B]=>{$yield_distance_as: vector_distance}", 2),
              "VECTOR {Vectors that are within 0.1 distance radius from `$B` in vector index "
              "associated with field @v, yields distance as `vector_distance`}\n");
    CHECK_STR(ev("@tags:{john\\@example\\.com}", 2), "TAG:@tags {\n  john\\@example\\.com\n}\n");
    CHECK_STR(ev("@bar:[(18 +inf]", 2), "NUMERIC {18.000000 < @bar <= inf}\n");
    CHECK_STR(ev("@t:\"hello world\"", 2), "@t:EXACT {\n  @t:hello\n  @t:world\n}\n");
    CHECK_STR(ev("@t:(hello|world) @bar:[1 2] -@tags:{x}", 2),
              "INTERSECT {\n  @t:UNION {\n    @t:hello\n    @t:world\n  }\n"
              "  NUMERIC {1.000000 <= @bar <= 2.000000}\n  NOT{\n    TAG:@tags {\n      x\n"
              "    }\n  }\n}\n");
    CHECK_STR(ev("(@t:hello) (@tags:{a | b})", 2),
              "INTERSECT {\n  @t:hello\n  TAG:@tags {\n    a\n    b\n  }\n}\n");
}

static void test_errors(void) {
    CHECK_STR(ev("hello)", 2), "ERR Syntax error at offset 5 near hello");
    CHECK_STR(ev("hello (", 2), "ERR Syntax error at offset 6 near hello");
    CHECK_STR(ev("hello *", 2), "ERR Syntax error at offset 6 near hello");
    CHECK_STR(ev("@t", 2), "ERR Syntax error at offset 0 near t");
    CHECK_STR(ev("foo $nope", 2), "ERR No such parameter `nope`");
    CHECK_STR(ev("'foo'", 2), "ERR Syntax error at offset 0 near foo");
    CHECK_STR(ev("foo | | bar", 2), "ERR Syntax error at offset 6 near foo");
    CHECK_STR(ev("\"foo-bar\"", 2), "ERR Syntax error at offset 4 near foo");
}

static void test_empty(void) {
    CHECK_STR(ev("\"\"", 2), "\"\"\n");
    CHECK_STR(ev("@t:\"\"", 2), "ERR Use `INDEXEMPTY` in field creation in order to index "
                                "and query for empty strings");
    CHECK_STR(ev("@title:''", 2), "@title:\"\"\n");
    CHECK_STR(ev("@title:(\"\" | \"\")", 2), "@title:UNION {\n  @title:\"\"\n  @title:\"\"\n}\n");
    CHECK_STR(ev("@title:(foo \"\")", 2), "@title:INTERSECT {\n  @title:foo\n  @title:\"\"\n}\n");
    CHECK_STR(ev("-@tags:{\"\"} @tags:{\"\"}", 2),
              "INTERSECT {\n  NOT{\n    TAG:@tags {\n      \"\"\n    }\n  }\n  TAG:@tags {\n"
              "    \"\"\n  }\n}\n");
    CHECK_STR(ev("@tags:{bar} | @tags:{foo} @tags:{''}", 2),
              "UNION {\n  TAG:@tags {\n    bar\n  }\n  INTERSECT {\n    TAG:@tags {\n      foo\n"
              "    }\n    TAG:@tags {\n      \"\"\n    }\n  }\n}\n");
    CHECK_STR(ev("@tags:{foo \"\"}", 2), "TAG:@tags {\n  INTERSECT {\n    foo\n    \"\"\n  }\n}\n");
    CHECK_STR(ev("@tags:{\"\" | bar}", 2), "TAG:@tags {\n  \"\"\n  bar\n}\n");
    CHECK_STR(ev("foo=>{$weight:\"\"}", 2), "ERR Invalid value () for `weight`");
    CHECK_STR(ev("@loc:[1.23 4.56 10 \"\"]", 2), "ERR Invalid GeoFilter unit");
    CHECK_STR(ev("*=>[\"\" 4 @v $B AS dist]", 2),
              "ERR Syntax error: Expecting Vector Similarity command at offset 4 near ");
    CHECK_STR(ev("*=>[KNN \"\" @v $B AS dist]", 2), "ERR Syntax error at offset 8 near ");

    /* tag values as the index stores them */
    FtqOptions opt = {.dialect = 2, .schema = &schema};
    FtqError err;
    const char *q = "@tags:{Foo\\ Bar | Hello World}";
    FtqNode *n = ftq_parse(q, strlen(q), &opt, &err);
    CHECK(n && n->type == FTQ_TAG && n->n_children == 2);
    if (n && n->n_children == 2) {
        size_t l;
        char *v = ftq_tag_value(n->children[0], 0, &l);
        CHECK(v && !strcmp(v, "foo bar") && l == 7);
        xfree(v);
        v = ftq_tag_value(n->children[0], 1, &l);
        CHECK(v && !strcmp(v, "Foo Bar"));
        xfree(v);
        v = ftq_tag_value(n->children[1], 0, &l);
        CHECK(v && !strcmp(v, "hello world"));
        xfree(v);
    }
    ftq_free(n);
}

/* Deep nesting fails with RediSearch's message instead of exhausting the
 * C stack. */
static void test_deep(void) {
    size_t n = 100000;
    char *q = xmalloc(3 * n + 2);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) q[k++] = '(';
    q[k++] = 'x';
    for (size_t i = 0; i < n; i++) q[k++] = ')';
    q[k] = '\0';
    for (int d = 1; d <= 2; d++) {
        FtqOptions opt = {.dialect = d};
        FtqError err;
        FtqNode *r = ftq_parse(q, k, &opt, &err);
        CHECK(r == NULL);
        CHECK_STR(err.msg, "Parser stack overflow. Try moving nested parentheses more to the left");
    }
    k = 0; /* "1 2 3 ..." nests in dialect 2 (numbers bind tighter than AND) */
    for (size_t i = 0; i < n; i++) {
        q[k++] = '1';
        q[k++] = ' ';
    }
    FtqOptions opt = {.dialect = 2};
    FtqError err;
    FtqNode *r = ftq_parse(q, k, &opt, &err);
    CHECK(r == NULL);
    opt.dialect = 1; /* a flat term list in dialect 1 */
    r = ftq_parse(q, k, &opt, &err);
    CHECK(r != NULL && r->type == FTQ_PHRASE && r->n_children == n);
    ftq_free(r);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        q[k++] = 'x';
        q[k++] = '|';
    }
    q[k++] = 'b';
    opt.dialect = 2;
    opt.is_verbatim = 1;
    r = ftq_parse(q, k, &opt, &err);
    CHECK(r != NULL && r->type == FTQ_UNION);
    ftq_free(r);
    xfree(q);
}

static void test_lines(void) {
    FtqOptions opt = {.dialect = 2, .schema = &schema, .is_verbatim = 1};
    FtqError err;
    FtqNode *n = ftq_parse("foo bar", 7, &opt, &err);
    CHECK(n != NULL);
    if (!n) return;
    size_t nl;
    char **lines = ftq_explain_lines(n, &schema, &nl);
    CHECK_EQ_INT(nl, 5);
    if (nl == 5) {
        CHECK_STR(lines[0], "INTERSECT {");
        CHECK_STR(lines[1], "  foo");
        CHECK_STR(lines[2], "  bar");
        CHECK_STR(lines[3], "}");
        CHECK_STR(lines[4], "");
    }
    ftq_explain_lines_free(lines, nl);
    CHECK_EQ_INT(ftq_count(n, FTQ_TOKEN), 2);
    ftq_free(n);
}

/* Random byte strings never crash the parser and either parse or fail with
 * a message. */
static void test_fuzz(void) {
    static const char alphabet[] = "ab @:|-~()[]{}\"'%*$=>;.,\\0123w!<";
    char q[64];
    for (int it = 0; it < 20000; it++) {
        size_t len = test_rand_below(sizeof(q));
        int raw = it % 4 == 0; /* every fourth query: arbitrary bytes */
        for (size_t i = 0; i < len; i++)
            q[i] =
                raw ? (char)test_rand_below(256) : alphabet[test_rand_below(sizeof(alphabet) - 1)];
        for (int d = 1; d <= 2; d++) {
            FtqOptions opt = {.dialect = d,
                              .params = params,
                              .n_params = sizeof(params) / sizeof(params[0]),
                              .schema = &schema};
            FtqError err;
            FtqNode *n = ftq_parse(q, len, &opt, &err);
            if (n) {
                Buf b;
                buf_init(&b);
                ftq_explain(n, &schema, &b);
                buf_free(&b);
                ftq_free(n);
            } else if (!err.msg[0]) {
                test_failed++;
                fprintf(stderr, "no message for %.*s\n", (int)len, q);
            }
        }
    }
    test_passed++;
}

int main(void) {
    test_seed("test_ftquery");
    test_redisearch_explain();
    test_redisearch_explain2();
    test_terms();
    test_affixes();
    test_fields();
    test_numeric_geo();
    test_param_errors();
    test_tags();
    test_attributes();
    test_vectors();
    test_clients();
    test_errors();
    test_empty();
    test_deep();
    test_lines();
    test_fuzz();
    return test_report("test_ftquery");
}
