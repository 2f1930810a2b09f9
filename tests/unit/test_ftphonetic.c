/*
 * test_ftphonetic.c - Double Metaphone (src/types/ftphonetic.c) against the
 * examples of Lawrence Philips' article and the rules' comments, and the
 * phonetic terms the query engine indexes.
 */
#include "types/ftphonetic.h"

#include "test.h"

static const struct {
    const char *word, *primary, *alternate;
} cases[] = {
    {"smith", "SM0", "XMT"},
    {"schmidt", "XMT", "SMT"},
    {"michael", "MKL", "MXL"},
    {"xavier", "SF", "SFR"},
    {"jose", "HS", "HS"},
    {"arnow", "ARN", "ARNF"},
    {"caesar", "SSR", "SSR"},
    {"knight", "NT", "NT"},
    {"jon", "JN", "AN"},
    {"john", "JN", "AN"},
    {"morfix", "MRFK", "MRFK"},
    {"morphix", "MRFK", "MRFK"},
    {"philips", "FLPS", "FLPS"},
    {"gnome", "NM", "NM"},
    {"wright", "RT", "RT"},
    {"accident", "AKST", "AKST"},
    {"bacci", "PX", "PX"},
    {"edge", "AJ", "AJ"},
    {"edgar", "ATKR", "ATKR"},
    {"laugh", "LF", "LF"},
    {"hugh", "H", "H"},
    {"chianti", "KNT", "KNT"},
    {"chemistry", "KMST", "KMST"},
    {"orchestra", "ARKS", "ARKS"},
    {"czerny", "SRN", "XRN"},
    {"focaccia", "FKX", "FKX"},
    {"mcclellan", "MKLL", "MKLL"},
    {"rogier", "RJ", "RJR"},
    {"breaux", "PR", "PR"},
    {"zhao", "J", "J"},
    {"wasserman", "ASRM", "FSRM"},
    {"filipowicz", "FLPT", "FLPF"},
    {"campbell", "KMPL", "KMPL"},
    {"thumb", "0M", "TM"},
    {"tagliaro", "TKLR", "TLR"},
    {"cagney", "KKN", "KKN"},
    {"jankelowicz", "JNKL", "ANKL"},
    {"bajador", "PJTR", "PHTR"},
    {"cabrillo", "KPRL", "KPR"},
    {"resnais", "RSN", "RSNS"},
    {"school", "SKL", "SKL"},
    {"schenker", "XNKR", "SKNK"},
    {"sugar", "XKR", "SKR"},
    {"island", "ALNT", "ALNT"},
    {"shaw", "X", "XF"},
    {"hochmeier", "HKMR", "HKMR"},
    {"ghislane", "JLN", "JLN"},
    {"gallegos", "KLKS", "KKS"},
    {"SMITH", "SM0", "XMT"}, /* case is ignored */
    {"2015", "", ""},        /* no letters, no sound */
    {"", "", ""},
};

static void test_examples(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[FTPH_CODE_MAX + 1], a[FTPH_CODE_MAX + 1];
        ftph_double_metaphone(cases[i].word, strlen(cases[i].word), p, a);
        if (strcmp(p, cases[i].primary) || strcmp(a, cases[i].alternate))
            fprintf(stderr, "%s: %s/%s, expected %s/%s\n", cases[i].word, p, a, cases[i].primary,
                    cases[i].alternate);
        CHECK(!strcmp(p, cases[i].primary));
        CHECK(!strcmp(a, cases[i].alternate));
    }
}

static void test_terms(void) {
    char t[2][FTPH_CODE_MAX + 2];
    CHECK_EQ_INT(ftph_terms("smith", 5, t), 2);
    CHECK(!strcmp(t[0], "<SM0") && !strcmp(t[1], "<XMT"));
    CHECK_EQ_INT(ftph_terms("morfix", 6, t), 1);
    CHECK(!strcmp(t[0], "<MRFK"));
    CHECK_EQ_INT(ftph_terms("04", 2, t), 0);
    /* an empty alternate is not a term ("hochmeier" has one) */
    CHECK_EQ_INT(ftph_terms("breaux", 6, t), 1);
    /* a NUL byte and non-ASCII bytes carry no sound and do not stop the walk */
    CHECK_EQ_INT(ftph_terms("sm\0th", 5, t), 2);
    CHECK(!strcmp(t[0], "<SM0"));
    CHECK_EQ_INT(ftph_terms("caf\xc3\xa9", 5, t), 1);
    CHECK(!strcmp(t[0], "<KF"));
}

/* Random bytes: codes stay within four characters of A-Z and '0'. */
static void test_random(void) {
    char w[64], p[FTPH_CODE_MAX + 1], a[FTPH_CODE_MAX + 1];
    for (int it = 0; it < 2000; it++) {
        size_t n = (size_t)test_rand_below(sizeof w);
        for (size_t k = 0; k < n; k++)
            w[k] = test_rand_below(4) ? (char)('a' + test_rand_below(26)) : (char)test_rand();
        ftph_double_metaphone(w, n, p, a);
        int ok = strlen(p) <= FTPH_CODE_MAX && strlen(a) <= FTPH_CODE_MAX;
        for (const char *c = p; *c; c++) ok &= (*c >= 'A' && *c <= 'Z') || *c == '0';
        for (const char *c = a; *c; c++) ok &= (*c >= 'A' && *c <= 'Z') || *c == '0';
        CHECK(ok);
    }
}

int main(void) {
    test_seed("test_ftphonetic");
    test_examples();
    test_terms();
    test_random();
    return test_report("test_ftphonetic");
}
