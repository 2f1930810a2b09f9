/*
 * Unit tests for the FT.AGGREGATE pipeline (src/types/ftagg.c) over rows made
 * here (no index): argument errors in RediSearch's words, implicit loading
 * rules, each reducer, sorting / limits / the reply's first number, and
 * cursor paging, expiry and statistics; a leak check at the end.
 */
#include "base/alloc.h"
#include "base/buf.h"
#include "types/ftagg.h"
#include <ctype.h>
#include <math.h>

#include "test.h"

/* The documents: a small catalogue. brand is a SORTABLE text attribute
 * (its sortable form lowercased), price a NUMERIC one, title a TEXT one,
 * tags holds comma lists; extra is a hash field outside the schema. */
typedef struct Doc {
    const char *key, *brand, *price, *title, *tags, *extra;
} Doc;

static const Doc docs[] = {
    {"d1", "Sony", "10", "PS5 pad", "a,b", "x"},  {"d2", "Sony", "30", "PS5", "b", NULL},
    {"d3", "Nintendo", "20", "Switch", "a", "y"}, {"d4", "Nintendo", NULL, "Joycon", "c", NULL},
    {"d5", "Logi", "5.5", "Mouse", "a,c", "z"},
};
#define N_DOCS (sizeof(docs) / sizeof(docs[0]))

static const char *doc_field(const Doc *d, const char *name, size_t len) {
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
    if (IS("brand")) return d->brand;
    if (IS("price")) return d->price;
    if (IS("title")) return d->title;
    if (IS("tags")) return d->tags;
    if (IS("extra")) return d->extra;
    return NULL;
#undef IS
}

static const char *src_key(void *opaque, size_t row, size_t *len) {
    (void)opaque;
    *len = strlen(docs[row].key);
    return docs[row].key;
}

static double src_score(void *opaque, size_t row) {
    (void)opaque;
    return 1.0 / (double)(row + 1);
}

static int src_kind(void *opaque, const char *name, size_t len) {
    (void)opaque;
    if (len == 5 && memcmp(name, "brand", 5) == 0) return FTAGG_FIELD_SORTABLE;
    if ((len == 5 && (memcmp(name, "price", 5) == 0 || memcmp(name, "title", 5) == 0)) ||
        (len == 4 && memcmp(name, "tags", 4) == 0))
        return FTAGG_FIELD_SCHEMA;
    return FTAGG_FIELD_UNKNOWN;
}

static int src_load(void *opaque, size_t row, const char *name, size_t len, int sortable_form,
                    FtVal *out) {
    (void)opaque;
    const char *v = doc_field(&docs[row], name, len);
    if (!v) return 1;
    if (len == 5 && memcmp(name, "price", 5) == 0) {
        *out = ftval_num(strtod(v, NULL));
        return 0;
    }
    *out = ftval_str(v, strlen(v));
    if (sortable_form)
        for (size_t i = 0; i < out->len; i++)
            out->str[i] = (char)tolower((unsigned char)out->str[i]);
    return 0;
}

static void src_load_all(void *opaque, size_t row,
                         void (*emit)(void *ctx, const char *name, size_t len, FtVal *v),
                         void *ctx) {
    (void)opaque;
    static const char *const names[] = {"brand", "price", "title", "tags", "extra"};
    for (size_t i = 0; i < 5; i++) {
        const char *v = doc_field(&docs[row], names[i], strlen(names[i]));
        if (!v) continue;
        FtVal fv = ftval_str(v, strlen(v));
        emit(ctx, names[i], strlen(names[i]), &fv);
    }
}

static FtAggSource source(void) {
    FtAggSource s;
    memset(&s, 0, sizeof(s));
    s.n_rows = N_DOCS;
    s.key = src_key;
    s.score = src_score;
    s.field_kind = src_kind;
    s.load = src_load;
    s.load_all = src_load_all;
    return s;
}

static void render_val(Buf *b, const FtVal *v) {
    char nb[32];
    switch (v->type) {
    case FTV_NUM:
        buf_append(b, nb, ftval_fmt_num(v->num, nb));
        break;
    case FTV_STR:
        buf_append(b, v->str, v->len);
        break;
    case FTV_ARR:
        buf_append_char(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_append_char(b, ' ');
            render_val(b, &v->arr[i]);
        }
        buf_append_char(b, ']');
        break;
    default:
        buf_append_cstr(b, "nil");
        break;
    }
}

static void render_rows(Buf *b, const FtAggResult *r, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        buf_append_char(b, '|');
        size_t nf = ftagg_result_nfields(r, i);
        for (size_t f = 0; f < nf; f++) {
            const char *name;
            size_t nl;
            const FtVal *v;
            ftagg_result_field(r, i, f, &name, &nl, &v);
            if (f) buf_append_char(b, ',');
            buf_append(b, name, nl);
            buf_append_char(b, '=');
            render_val(b, v);
        }
    }
}

/* Slices of the words (at most 256) of a NULL-terminated array. */
static size_t to_slices(const char *const *words, Slice *out) {
    size_t n = 0;
    for (; words[n] && n < 256; n++) out[n] = slice_cstr(words[n]);
    return n;
}

/* Runs the pipeline; renders "total|row|row..." or "ERR: message". */
static void run_render(const char *const *words, Buf *b) {
    Slice argv[256];
    size_t argc = to_slices(words, argv);
    char *err = NULL;
    FtAggPlan *p = ftagg_plan_parse(argv, argc, &err);
    if (!p) {
        buf_printf(b, "ERR: %s", err);
        xfree(err);
        return;
    }
    FtAggSource src = source();
    FtAggResult *r = ftagg_run(p, &src, &err);
    if (!r) {
        buf_printf(b, "ERR: %s", err);
        xfree(err);
    } else {
        buf_printf(b, "%zu", ftagg_result_total(r));
        render_rows(b, r, 0, ftagg_result_rows(r));
        ftagg_result_free(r);
    }
    ftagg_plan_free(p);
}

static int agg_is(const char *want, const char *const *words) {
    Buf b;
    buf_init(&b);
    run_render(words, &b);
    int ok = buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, strlen(want)) == 0;
    if (!ok) {
        fprintf(stderr, "args:");
        for (size_t i = 0; words[i]; i++) fprintf(stderr, " %s", words[i]);
        fprintf(stderr, "\n  got  %.*s\n  want %s\n", (int)buf_live(&b), buf_data(&b), want);
    }
    buf_free(&b);
    return ok;
}

#define AGG(want, ...) agg_is(want, (const char *const[]){__VA_ARGS__, NULL})

static void test_basics(void) {
    /* No step: empty rows; the streamed count stops at the first row. */
    CHECK(agg_is("1|||||", (const char *const[]){NULL}));
    CHECK(AGG("1|brand=Sony,price=10|brand=Sony,price=30|brand=Nintendo,price=20|brand=Nintendo|"
              "brand=Logi,price=5.5",
              "LOAD", "2", "@brand", "@price"));
    CHECK(AGG("1|k=d1|k=d2|k=d3|k=d4|k=d5", "LOAD", "3", "@__key", "AS", "k"));
    /* SORTBY buffers: the count is every document; implicit load of a
     * schema attribute shows in the rows, missing values sort last. */
    CHECK(AGG("5|price=30|price=20|price=10|price=5.5|", "SORTBY", "2", "@price", "DESC"));
    CHECK(AGG("5|price=5.5|price=10|price=20|price=30|", "SORTBY", "1", "@price"));
    CHECK(AGG("5|title=PS5,price=30|title=Switch,price=20", "LOAD", "1", "@title", "SORTBY", "2",
              "@price", "DESC", "MAX", "2"));
    CHECK(AGG("5|brand=logi|brand=nintendo|brand=nintendo", "SORTBY", "2", "@brand", "ASC", "LIMIT",
              "0", "3"));
    CHECK(AGG("5|brand=sony,title=PS5|brand=nintendo,title=Switch", "SORTBY", "4", "@brand", "DESC",
              "@title", "DESC", "LIMIT", "1", "2"));
    CHECK(AGG("5|brand=sony,title=PS5 pad|brand=nintendo,title=Joycon", "SORTBY", "4", "@brand",
              "DESC", "@title", "ASC", "LIMIT", "1", "2"));
    /* APPLY: named by AS, or by its own text; FILTER on a SORTABLE
     * attribute reads its sortable form. */
    CHECK(AGG("1|price=10,p2=20|price=30,p2=60", "LOAD", "1", "@price", "APPLY", "@price * 2", "AS",
              "p2", "LIMIT", "0", "2"));
    CHECK(AGG("1|1 + 1=2", "APPLY", "1 + 1", "LIMIT", "0", "1"));
    CHECK(AGG("5|brand=logi", "FILTER", "@brand == \"logi\""));
    CHECK(AGG("1|brand=sony|brand=sony", "FILTER", "startswith(@brand, 's')"));
    CHECK(AGG("1|extra=x|extra=y|extra=z", "LOAD", "1", "@extra", "FILTER", "exists(@extra)"));
    CHECK(AGG("1|__score=1|__score=0.5", "ADDSCORES", "LIMIT", "0", "2"));
    /* LOAD *: every field, in the order first met; __key first when asked
     * for before. */
    CHECK(AGG("1|__key=d1,brand=Sony,price=10,title=PS5 pad,tags=a,b,extra=x", "LOAD", "*", "LOAD",
              "1", "@__key", "LIMIT", "0", "1"));
    /* (a name an APPLY reads after LOAD * is a key before the fields) */
    CHECK(AGG("1|extra=x,e=X,brand=Sony,price=10,title=PS5 pad,tags=a,b", "LOAD", "*", "APPLY",
              "upper(@extra)", "AS", "e", "LIMIT", "0", "1"));
    /* LIMIT past the end; LIMIT 0 0: no row came out, every document was
     * read */
    CHECK(AGG("5", "LIMIT", "10", "5"));
    CHECK(AGG("5", "LIMIT", "0", "0"));
    CHECK(AGG("2|brand=Sony", "LOAD", "1", "@brand", "LIMIT", "1", "1"));
}

/* No document at all: every step copes with an empty row vector. */
static void test_empty(void) {
    const char *const words[] = {"LOAD",   "1",  "@title", "APPLY", "@title", "AS", "t",
                                 "SORTBY", "1",  "@price", "LIMIT", "1",      "2",  "GROUPBY",
                                 "1",      "@t", "REDUCE", "COUNT", "0",      NULL};
    Slice argv[32];
    size_t argc = to_slices(words, argv);
    char *err = NULL;
    FtAggPlan *p = ftagg_plan_parse(argv, argc, &err);
    CHECK(p != NULL);
    FtAggSource src = source();
    src.n_rows = 0;
    FtAggResult *r = p ? ftagg_run(p, &src, &err) : NULL;
    CHECK(r != NULL && ftagg_result_rows(r) == 0 && ftagg_result_total(r) == 0);
    ftagg_result_free(r);
    ftagg_plan_free(p);
}

static void test_groups(void) {
    CHECK(AGG("3|brand=sony,count=2|brand=nintendo,count=2|brand=logi,count=1", "GROUPBY", "1",
              "@brand", "REDUCE", "COUNT", "0", "AS", "count"));
    CHECK(AGG("3|brand=logi,n=1|brand=sony,n=2|brand=nintendo,n=2", "GROUPBY", "1", "@brand",
              "REDUCE", "COUNT", "0", "AS", "n", "SORTBY", "4", "@n", "ASC", "@brand", "DESC"));
    CHECK(AGG("3|brand=sony,s=40,a=20,lo=10,hi=30|brand=nintendo,s=20,a=20,lo=20,hi=20|"
              "brand=logi,s=5.5,a=5.5,lo=5.5,hi=5.5",
              "GROUPBY", "1", "@brand", "REDUCE", "SUM", "1", "@price", "AS", "s", "REDUCE", "AVG",
              "1", "@price", "AS", "a", "REDUCE", "MIN", "1", "@price", "AS", "lo", "REDUCE", "MAX",
              "1", "@price", "AS", "hi"));
    /* GROUPBY 0: one group of everything */
    CHECK(AGG("1|n=5,d=3,t=[10 30 20 5.5],sd=10.9192", "GROUPBY", "0", "REDUCE", "COUNT", "0", "AS",
              "n", "REDUCE", "COUNT_DISTINCT", "1", "@brand", "AS", "d", "REDUCE", "TOLIST", "1",
              "@price", "AS", "t", "REDUCE", "STDDEV", "1", "@price", "AS", "sd", "APPLY",
              "floor(@sd * 10000) / 10000", "AS", "sd"));
    CHECK(AGG("1|q=10,q9=30,q0=5.5,cd=3", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@price",
              "0.5", "AS", "q", "REDUCE", "QUANTILE", "2", "@price", "0.9", "AS", "q9", "REDUCE",
              "QUANTILE", "2", "@price", "0", "AS", "q0", "REDUCE", "COUNT_DISTINCTISH", "1",
              "@brand", "AS", "cd"));
    /* FIRST_VALUE with BY, both directions, and without */
    CHECK(AGG("3|brand=sony,top=PS5,bottom=PS5 pad,first=PS5 pad|brand=nintendo,top=Switch,"
              "bottom=Switch,first=Switch|brand=logi,top=Mouse,bottom=Mouse,first=Mouse",
              "GROUPBY", "1", "@brand", "REDUCE", "FIRST_VALUE", "4", "@title", "BY", "@price",
              "DESC", "AS", "top", "REDUCE", "FIRST_VALUE", "3", "@title", "BY", "@price", "AS",
              "bottom", "REDUCE", "FIRST_VALUE", "1", "@title", "AS", "first"));
    /* generated aliases */
    CHECK(AGG("3|brand=sony,__generated_aliasminprice=10", "GROUPBY", "1", "@brand", "REDUCE",
              "MIN", "1", "@price", "LIMIT", "0", "1"));
    CHECK(AGG("3|brand=sony,__generated_aliasfirst_valuetitle,by,price,desc=PS5", "GROUPBY", "1",
              "@brand", "REDUCE", "FIRST_VALUE", "4", "@title", "BY", "@price", "DESC", "LIMIT",
              "0", "1"));
    /* missing values: RediSearch's defaults (test_aggregate.py testDefaultValues) */
    CHECK(AGG("1|g=nil,s=nan,mi=inf,ma=-inf,a=nan,q=nan,sd=0,cd=0,tl=[],rs=[],fv=nil", "LOAD", "2",
              "@extra", "@brand", "FILTER", "@brand == 'Nintendo' && !exists(@extra)", "APPLY",
              "NULL", "AS", "g", "GROUPBY", "1", "@g", "REDUCE", "SUM", "1", "@extra", "AS", "s",
              "REDUCE", "MIN", "1", "@extra", "AS", "mi", "REDUCE", "MAX", "1", "@extra", "AS",
              "ma", "REDUCE", "AVG", "1", "@extra", "AS", "a", "REDUCE", "QUANTILE", "2", "@extra",
              "0.5", "AS", "q", "REDUCE", "STDDEV", "1", "@extra", "AS", "sd", "REDUCE",
              "COUNT_DISTINCT", "1", "@extra", "AS", "cd", "REDUCE", "TOLIST", "1", "@extra", "AS",
              "tl", "REDUCE", "RANDOM_SAMPLE", "2", "@extra", "1", "AS", "rs", "REDUCE",
              "FIRST_VALUE", "1", "@extra", "AS", "fv"));
    /* array values group by each element (split) */
    CHECK(
        AGG("ERR: Property `tags` not loaded nor in pipeline", "APPLY", "split(@tags)", "AS", "t"));
    CHECK(AGG("3|t=a,n=3|t=b,n=2|t=c,n=2", "LOAD", "1", "@tags", "APPLY", "split(@tags)", "AS", "t",
              "GROUPBY", "1", "@t", "REDUCE", "COUNT", "0", "AS", "n"));
    /* too many combinations of array values in one row */
    CHECK(AGG("ERR: GROUPBY: a row has more than 65536 combinations of array values", "APPLY",
              "split(format('%s', 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,"
              "E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T,U,V,W,X,Y,Z'))",
              "AS", "t", "GROUPBY", "3", "@t", "@t", "@t"));
    /* TOLIST of arrays: distinct elements */
    CHECK(AGG("1|l=[a b c]", "LOAD", "1", "@tags", "APPLY", "split(@tags)", "AS", "t", "GROUPBY",
              "0", "REDUCE", "TOLIST", "1", "@t", "AS", "l"));
    /* steps after a GROUPBY see only its keys */
    CHECK(AGG("ERR: Property `price` not loaded nor in pipeline", "GROUPBY", "1", "@brand", "APPLY",
              "@price", "AS", "x"));
    CHECK(AGG("3|brand=sony,n=2,x=4|brand=nintendo,n=2,x=4", "GROUPBY", "1", "@brand", "REDUCE",
              "COUNT", "0", "AS", "n", "FILTER", "@n > 1", "APPLY", "@n * 2", "AS", "x"));
    /* RANDOM_SAMPLE keeps at most k values of the group */
    {
        Buf b;
        buf_init(&b);
        run_render((const char *const[]){"GROUPBY", "0", "REDUCE", "RANDOM_SAMPLE", "2", "@price",
                                         "2", "AS", "r", NULL},
                   &b);
        buf_append_char(&b, '\0');
        CHECK(strncmp(b.p, "1|r=[", 5) == 0);
        size_t spaces = 0;
        for (const char *c = b.p; *c; c++) spaces += *c == ' ';
        CHECK(spaces == 1);
        buf_free(&b);
    }
}

static void test_errors(void) {
    CHECK(AGG("ERR: Multiple SORTBY steps are not allowed. Sort multiple fields in a single step",
              "LOAD", "2", "@brand", "@price", "SORTBY", "2", "@brand", "DESC", "SORTBY", "2",
              "@price", "DESC"));
    CHECK(AGG("ERR: LOAD cannot be applied after projectors or reducers", "GROUPBY", "1", "@brand",
              "LOAD", "1", "@brand"));
    CHECK(AGG("ERR: Count accepts 0 values only", "GROUPBY", "2", "@brand", "@price", "REDUCE",
              "COUNT", "1", "@brand"));
    CHECK(AGG("ERR: Bad arguments for COUNT: Expected an argument, but none provided", "GROUPBY",
              "2", "@brand", "@price", "REDUCE", "COUNT", "1"));
    CHECK(AGG("ERR: No such reducer `NOPE`", "GROUPBY", "1", "@brand", "REDUCE", "NOPE", "0"));
    CHECK(AGG("ERR: Property `price` not loaded nor in pipeline", "FILTER", "@price > 500"));
    CHECK(AGG("ERR: Property `extra` not loaded nor in schema", "SORTBY", "1", "@extra"));
    CHECK(AGG("ERR: Property `nosuch` not loaded nor in schema", "LOAD", "*", "SORTBY", "1",
              "@nosuch"));
    CHECK(AGG("ERR: No such property `nosuch`", "GROUPBY", "1", "@nosuch"));
    CHECK(AGG("ERR: Syntax error at offset 4 near 'filter'", "FILTER", "bad filter"));
    CHECK(AGG("ERR: Unknown symbol 'bad'", "FILTER", "bad + 1"));
    CHECK(AGG("ERR: Bad arguments for LIMIT: Could not convert argument to expected type", "LIMIT",
              "x", "1"));
    CHECK(
        AGG("ERR: Bad arguments for LIMIT: Expected an argument, but none provided", "LIMIT", "0"));
    CHECK(
        AGG("ERR: Bad arguments for GROUPBY: Expected an argument, but none provided", "GROUPBY"));
    CHECK(AGG("ERR: Missing prefix: name requires '@' prefix, JSON path require '$' prefix, got: "
              "brand in GROUPBY",
              "GROUPBY", "1", "brand"));
    CHECK(AGG("ERR: Unknown argument `FOO` at position 0 for <main>", "FOO"));
    CHECK(AGG("ERR: Quantile must be between 0.0 and 1.0", "GROUPBY", "0", "REDUCE", "QUANTILE",
              "2", "@price", "1.5"));
    CHECK(AGG("ERR: DIALECT requires a non negative integer >=1 and <= 4", "DIALECT", "9"));
    CHECK(AGG("ERR: Parameters must be specified in PARAM VALUE pairs", "PARAMS", "1", "x"));
    CHECK(AGG("ERR: Bad arguments for SORTBY: Value is outside acceptable bounds", "SORTBY", "-1"));
    CHECK(AGG("ERR: Could not convert value to a number", "LOAD", "1", "@title", "APPLY",
              "@title + 1", "AS", "x"));

    /* the query options come back to the caller */
    Slice argv[256];
    size_t argc =
        to_slices((const char *const[]){"VERBATIM", "DIALECT", "2", "PARAMS", "2", "v", "blob",
                                        "TIMEOUT", "50", "WITHCURSOR", "COUNT", "3", "MAXIDLE",
                                        "100", "SCORER", "BM25", "ADDSCORES", NULL},
                  argv);
    char *err = NULL;
    FtAggPlan *p = ftagg_plan_parse(argv, argc, &err);
    CHECK(p != NULL);
    if (p) {
        const FtAggQueryOpts *o = ftagg_plan_opts(p);
        CHECK(o->is_verbatim && o->dialect == 2 && o->timeout_ms == 50 && o->with_cursor);
        CHECK(o->cursor_count == 3 && o->cursor_maxidle_ms == 100 && o->add_scores);
        CHECK(o->n_params == 1 && o->params[0].len == 1 && o->params[1].len == 4);
        CHECK(o->scorer.len == 4);
        ftagg_plan_free(p);
    }
}

/* A second source: 25 documents k0..k24 with n = their number. */
static const char *wide_key(void *opaque, size_t row, size_t *len) {
    static char keys[25][4];
    (void)opaque;
    snprintf(keys[row], sizeof(keys[row]), "k%zu", row);
    *len = strlen(keys[row]);
    return keys[row];
}

static int wide_kind(void *opaque, const char *name, size_t len) {
    (void)opaque;
    return len == 1 && name[0] == 'n' ? FTAGG_FIELD_SCHEMA : FTAGG_FIELD_UNKNOWN;
}

static int wide_load(void *opaque, size_t row, const char *name, size_t len, int sortable_form,
                     FtVal *out) {
    (void)opaque, (void)sortable_form;
    if (len != 1 || name[0] != 'n') return 1;
    *out = ftval_num((double)row);
    return 0;
}

/* Runs words over the wide source: "total:rows:first..last" of n. */
static int wide_is(const char *want, const char *const *words) {
    Slice argv[64];
    size_t argc = to_slices(words, argv);
    char *err = NULL;
    Buf b;
    buf_init(&b);
    FtAggPlan *p = ftagg_plan_parse(argv, argc, &err);
    FtAggResult *r = NULL;
    if (p) {
        FtAggSource src;
        memset(&src, 0, sizeof(src));
        src.n_rows = 25;
        src.key = wide_key;
        src.field_kind = wide_kind;
        src.load = wide_load;
        r = ftagg_run(p, &src, &err);
    }
    if (!r) {
        buf_printf(&b, "ERR: %s", err);
        xfree(err);
    } else {
        buf_printf(&b, "%zu:%zu:", ftagg_result_total(r), ftagg_result_rows(r));
        render_rows(&b, r, 0, ftagg_result_rows(r) ? 1 : 0);
        buf_append_cstr(&b, "..");
        if (ftagg_result_rows(r))
            render_rows(&b, r, ftagg_result_rows(r) - 1, ftagg_result_rows(r));
        ftagg_result_free(r);
    }
    ftagg_plan_free(p);
    int ok = buf_live(&b) == strlen(want) && memcmp(buf_data(&b), want, strlen(want)) == 0;
    if (!ok) fprintf(stderr, "wide: got %.*s, want %s\n", (int)buf_live(&b), buf_data(&b), want);
    buf_free(&b);
    return ok;
}

#define WIDE(want, ...) wide_is(want, (const char *const[]){__VA_ARGS__, NULL})

/* SORTBY and LIMIT of a segment are one step: a SORTBY alone keeps MAX
 * rows (10 by default, MAX 0 too), a LIMIT anywhere in the segment pages
 * the sorted rows and outranks MAX (RediSearch as measured on Redis 8). */
static void test_arrange(void) {
    CHECK(WIDE("25:10:|n=24..|n=15", "SORTBY", "2", "@n", "DESC"));
    CHECK(WIDE("25:3:|n=0..|n=2", "SORTBY", "1", "@n", "MAX", "3"));
    CHECK(WIDE("25:10:|n=0..|n=9", "SORTBY", "1", "@n", "MAX", "0"));
    CHECK(WIDE("25:20:|n=24..|n=5", "SORTBY", "2", "@n", "DESC", "LIMIT", "0", "20"));
    CHECK(WIDE("25:12:|n=24..|n=13", "SORTBY", "2", "@n", "DESC", "MAX", "5", "LIMIT", "0", "12"));
    CHECK(WIDE("25:12:|n=24..|n=13", "LIMIT", "0", "12", "SORTBY", "2", "@n", "DESC"));
    CHECK(WIDE("25:5:|n=4..|n=0", "SORTBY", "2", "@n", "DESC", "LIMIT", "20", "10"));
    CHECK(WIDE("25:0:..", "SORTBY", "2", "@n", "DESC", "LIMIT", "30", "10"));
    /* no SORTBY: every row */
    CHECK(WIDE("1:25:|..|", "LIMIT", "0", "100"));
    CHECK(WIDE("1:25:|n=0..|n=24", "LOAD", "1", "@n"));
    /* SORTBY 0: no sorter, no default page */
    CHECK(WIDE("1:25:|n=0..|n=24", "LOAD", "1", "@n", "SORTBY", "0"));
    /* WITHCOUNT: the first number counts every row before the paging */
    CHECK(WIDE("25:5:|n=10..|n=14", "WITHCOUNT", "LOAD", "1", "@n", "LIMIT", "10", "5"));
    CHECK(WIDE("25:10:|n=24..|n=15", "WITHCOUNT", "SORTBY", "2", "@n", "DESC"));
    CHECK(WIDE("7:7:|n=0..|n=6", "LOAD", "1", "@n", "FILTER", "@n < 7", "WITHCOUNT"));
    CHECK(
        WIDE("1:7:|n=0..|n=6", "LOAD", "1", "@n", "FILTER", "@n < 7", "WITHCOUNT", "WITHOUTCOUNT"));
    CHECK(WIDE("2:1:|g=0,c=13..|g=0,c=13", "WITHCOUNT", "LOAD", "1", "@n", "APPLY", "@n % 2", "AS",
               "g", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "SORTBY", "2", "@c",
               "DESC", "LIMIT", "0", "1"));
    /* one SORTBY per segment: after a GROUPBY another may come */
    CHECK(WIDE("2:2:|g=0,c=13..|g=1,c=12", "LOAD", "1", "@n", "SORTBY", "1", "@n", "LIMIT", "0",
               "25", "APPLY", "@n % 2", "AS", "g", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0",
               "AS", "c", "SORTBY", "2", "@c", "DESC"));
    CHECK(WIDE("ERR: Multiple SORTBY steps are not allowed. Sort multiple fields in a single step",
               "LIMIT", "0", "5", "SORTBY", "1", "@n", "SORTBY", "1", "@n"));
}

static FtAggResult *run_words(const char *const *words) {
    Slice argv[256];
    size_t argc = to_slices(words, argv);
    char *err = NULL;
    FtAggPlan *p = ftagg_plan_parse(argv, argc, &err);
    if (!p) {
        xfree(err);
        return NULL;
    }
    FtAggSource src = source();
    FtAggResult *r = ftagg_run(p, &src, &err);
    if (!r) xfree(err);
    ftagg_plan_free(p);
    return r;
}

static void test_cursors(void) {
    FtAggCursorStats st;
    FtAggResult *r =
        run_words((const char *const[]){"LOAD", "1", "@__key", "SORTBY", "1", "@price", NULL});
    CHECK(r != NULL);
    if (!r) return;
    FtAggCursor *c = ftagg_cursor_open("idx", 3, r, 2, 0, 1000);
    CHECK(c != NULL && c->id != 0);
    uint64_t id = c->id;
    CHECK(c->maxidle_ms == 300000);
    ftagg_cursor_stats("idx", 3, &st);
    CHECK(st.index_total == 1 && st.global_total == 1 && st.index_capacity == 128);
    ftagg_cursor_stats("other", 5, &st);
    CHECK(st.index_total == 0 && st.global_total == 1);
    CHECK(ftagg_cursor_find("other", 5, id) == NULL);
    /* read it in pages of 2: the first read reports the total, the later
     * ones 0 (a SORTBY buffered the rows) */
    Buf b;
    buf_init(&b);
    size_t reads = 0;
    while ((c = ftagg_cursor_find("idx", 3, id)) != NULL) {
        size_t from = c->pos, to = from + c->count;
        if (to > ftagg_result_rows(c->res)) to = ftagg_result_rows(c->res);
        buf_printf(&b, "#%zu", ftagg_result_chunk_total(c->res, from));
        render_rows(&b, c->res, from, to);
        c->pos = to;
        reads++;
        if (to - from < c->count) ftagg_cursor_del("idx", 3, id);
    }
    buf_append_char(&b, '\0');
    CHECK(reads == 3);
    CHECK(strcmp(b.p, "#5|__key=d5,price=5.5|__key=d1,price=10#0|__key=d3,price=20|__key=d2,"
                      "price=30#0|__key=d4") == 0);
    if (strcmp(b.p, "#5|__key=d5,price=5.5|__key=d1,price=10#0|__key=d3,price=20|__key=d2,"
                    "price=30#0|__key=d4") != 0)
        fprintf(stderr, "cursor pages: %s\n", b.p);
    buf_free(&b);
    CHECK(ftagg_cursor_del("idx", 3, id) == -1);

    /* a streamed pipeline's later reads count the documents read since */
    r = run_words((const char *const[]){"LOAD", "1", "@extra", "FILTER", "exists(@extra)", NULL});
    CHECK(r && ftagg_result_rows(r) == 3 && ftagg_result_total(r) == 1);
    if (r) {
        CHECK(ftagg_result_chunk_total(r, 1) == 2);
        CHECK(ftagg_result_chunk_total(r, 2) == 2);
        CHECK(ftagg_result_chunk_total(r, 3) == 0);
        ftagg_result_free(r);
    }

    /* capacity: 128 per index */
    uint64_t ids[128];
    for (int i = 0; i < 128; i++) {
        c = ftagg_cursor_open("idx", 3, run_words((const char *const[]){"LIMIT", "0", "1", NULL}),
                              1, 50, 1000);
        CHECK(c != NULL);
        ids[i] = c ? c->id : 0;
    }
    CHECK(ftagg_cursor_open("idx", 3, run_words((const char *const[]){"LIMIT", "0", "1", NULL}), 1,
                            50, 1000) == NULL);
    c = ftagg_cursor_open("idx2", 4, run_words((const char *const[]){"LIMIT", "0", "1", NULL}), 1,
                          5000, 1000);
    CHECK(c != NULL);
    ftagg_cursor_stats("idx", 3, &st);
    CHECK(st.index_total == 128 && st.global_total == 129 && st.global_idle == 129);
    /* ids are distinct */
    int distinct = 1;
    for (int i = 0; i < 128; i++)
        for (int j = i + 1; j < 128; j++)
            if (ids[i] == ids[j]) distinct = 0;
    CHECK(distinct);
    /* MAXIDLE: the 128 idle for 50 ms go at 1051, idx2's stays */
    CHECK(ftagg_cursor_expire(1050) == 0);
    CHECK(ftagg_cursor_expire(1051) == 128);
    ftagg_cursor_stats("idx2", 4, &st);
    CHECK(st.index_total == 1 && st.global_total == 1);
    ftagg_cursor_drop_index("idx2", 4);
    ftagg_cursor_stats("idx2", 4, &st);
    CHECK(st.index_total == 0 && st.global_total == 0);
}

int main(void) {
    size_t before = alloc_used_bytes();
    test_basics();
    test_empty();
    test_groups();
    test_errors();
    test_arrange();
    test_cursors();
    CHECK_EQ_INT(alloc_used_bytes(), before);
    return test_report("test_ftagg");
}
