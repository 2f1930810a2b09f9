/*
 * Unit tests for the query engine's text handling (src/types/fttext.c): the
 * Porter2 stemmer against word/stem pairs from Snowball's English sample
 * vocabulary, the "+stem" index form, the tokenizer (separators, escapes,
 * positions, stop words, UTF-8 lowercasing, the 128-byte cut) and stop
 * word lists.
 */
#include <string.h>

#include "base/alloc.h"
#include "types/fttext.h"

#include "test.h"

static const char *stem(const char *w) {
    static char out[256];
    ftt_stem(w, strlen(w), out, sizeof(out));
    return out;
}

#define CHECK_STEM(w, s)                                                                           \
    do {                                                                                           \
        const char *g_ = stem(w);                                                                  \
        if (!strcmp(g_, s)) {                                                                      \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "%s:%d: stem(%s) = %s, want %s\n", __FILE__, __LINE__, w, g_, s);      \
        }                                                                                          \
    } while (0)

static void test_stemmer(void) {
    static const char *const pairs[][2] = {
        {"consign", "consign"},
        {"consigned", "consign"},
        {"consigning", "consign"},
        {"consignment", "consign"},
        {"consist", "consist"},
        {"consisted", "consist"},
        {"consistency", "consist"},
        {"consistent", "consist"},
        {"consistently", "consist"},
        {"consisting", "consist"},
        {"consists", "consist"},
        {"consolation", "consol"},
        {"consolations", "consol"},
        {"consolatory", "consolatori"},
        {"console", "consol"},
        {"consoled", "consol"},
        {"consoles", "consol"},
        {"consolidate", "consolid"},
        {"consolidated", "consolid"},
        {"consolidating", "consolid"},
        {"consoling", "consol"},
        {"consolingly", "consol"},
        {"consols", "consol"},
        {"consonant", "conson"},
        {"consort", "consort"},
        {"consorted", "consort"},
        {"consorting", "consort"},
        {"conspicuous", "conspicu"},
        {"conspicuously", "conspicu"},
        {"conspiracy", "conspiraci"},
        {"conspirator", "conspir"},
        {"conspirators", "conspir"},
        {"conspire", "conspir"},
        {"conspired", "conspir"},
        {"conspiring", "conspir"},
        {"constable", "constabl"},
        {"constables", "constabl"},
        {"constance", "constanc"},
        {"constancy", "constanc"},
        {"constant", "constant"},
        {"knack", "knack"},
        {"knackeries", "knackeri"},
        {"knacks", "knack"},
        {"knave", "knave"},
        {"knaves", "knave"},
        {"knavish", "knavish"},
        {"kneaded", "knead"},
        {"kneading", "knead"},
        {"knee", "knee"},
        {"kneel", "kneel"},
        {"kneeled", "kneel"},
        {"kneeling", "kneel"},
        {"kneels", "kneel"},
        {"knees", "knee"},
        {"knell", "knell"},
        {"knelt", "knelt"},
        {"knew", "knew"},
        {"knife", "knife"},
        {"knight", "knight"},
        {"knightly", "knight"},
        {"knights", "knight"},
        {"knit", "knit"},
        {"knits", "knit"},
        {"knitted", "knit"},
        {"knitting", "knit"},
        {"knives", "knive"},
        {"knob", "knob"},
        {"knock", "knock"},
        {"knocked", "knock"},
        {"knocker", "knocker"},
        {"knocking", "knock"},
        {"knot", "knot"},
        {"caresses", "caress"},
        {"ponies", "poni"},
        {"ties", "tie"},
        {"cats", "cat"},
        {"feed", "feed"},
        {"agreed", "agre"},
        {"plastered", "plaster"},
        {"motoring", "motor"},
        {"sing", "sing"},
        {"hopping", "hop"},
        {"hoped", "hope"},
        {"falling", "fall"},
        {"happy", "happi"},
        {"sky", "sky"},
        {"relational", "relat"},
        {"national", "nation"},
        {"running", "run"},
        {"runs", "run"},
        {"dying", "die"},
        {"news", "news"},
        {"proceed", "proceed"},
        {"innings", "inning"},
        {"cried", "cri"},
        {"cries", "cri"},
        {"died", "die"},
        {"gas", "gas"},
        {"gaps", "gap"},
        {"kiwis", "kiwi"},
        {"luxuriating", "luxuri"},
        {"generously", "generous"},
        {"generate", "generat"},
        {"communication", "communic"},
        {"arsenal", "arsenal"},
        {"hello", "hello"},
        {"worlds", "world"},
        {"youth", "youth"},
        {"sayings", "say"},
        {"a", "a"},
        {"is", "is"},
        {"skies", "sky"},
        {"early", "earli"},
        {"idly", "idl"},
        {"quickly", "quick"},
        {"hopeful", "hope"},
        {"goodness", "good"},
        {"electrical", "electr"},
        {"formality", "formal"},
        {"adjustable", "adjust"},
        {"effective", "effect"},
        {"rational", "ration"},
        {"abilities", "abil"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        CHECK_STEM(pairs[i][0], pairs[i][1]);

    size_t l;
    char *s = ftt_stem_term("running", 7, 0, &l);
    CHECK(s && !strcmp(s, "+run") && l == 4);
    xfree(s);
    CHECK(ftt_stem_term("hello", 5, 0, &l) == NULL); /* the stem is the word */
    s = ftt_stem_term("cats", 4, 0, &l);
    CHECK(s != NULL && !strcmp(s, "+cat"));
    xfree(s);
    s = ftt_stem_term("cats", 4, 5, &l); /* below the minimum length */
    CHECK(s == NULL);
    CHECK(ftt_language_has_stemmer("English"));
    CHECK(ftt_language_has_stemmer(NULL));
    CHECK(!ftt_language_has_stemmer("klingon"));
}

/* Tokenizes text and joins "term@position" with spaces. */
static const char *toks(const char *text, const FtStopwords *sw) {
    static char out[1024];
    FttTokenizer t;
    FttToken tok;
    ftt_tokenizer_init(&t, text, strlen(text), sw, 1);
    out[0] = '\0';
    while (ftt_next(&t, &tok)) {
        char one[300];
        snprintf(one, sizeof(one), "%s%.*s@%u", out[0] ? " " : "", (int)tok.term_len, tok.term,
                 tok.position);
        strncat(out, one, sizeof(out) - strlen(out) - 1);
    }
    return out;
}

#define CHECK_TOKS(text, want)                                                                     \
    do {                                                                                           \
        const char *g_ = toks(text, NULL);                                                         \
        if (!strcmp(g_, want)) {                                                                   \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "%s:%d: tokens [%s], want [%s]\n", __FILE__, __LINE__, g_, want);      \
        }                                                                                          \
    } while (0)

static void test_tokenizer(void) {
    CHECK_TOKS("Hello, World!", "hello@1 world@2");
    CHECK_TOKS("foo-bar baz_qux", "foo@1 bar@2 baz_qux@3");
    CHECK_TOKS("the quick brown fox is here", "quick@1 brown@2 fox@3 here@4");
    CHECK_TOKS("hello\\-world", "hello-world@1");
    CHECK_TOKS("a\\ b", "a b@1");
    CHECK_TOKS("foo.bar/baz?qux|x`y'z", "foo@1 bar@2 baz@3 qux@4 x@5 y@6 z@7");
    CHECK_TOKS("hello\nworld", "helloworld@1"); /* newlines are not separators */
    CHECK_TOKS("tab\tsep", "tab@1 sep@2");
    CHECK_TOKS("ÉCOLE Über ПРИВЕТ ΣΟΦΙΑ", "école@1 über@2 привет@3 σοφια@4");
    CHECK_TOKS("   ,,, ", "");
    CHECK_TOKS("", "");
    CHECK_TOKS("x<y>z{w}", "x@1 y@2 z@3 w@4");

    char long_word[300];
    memset(long_word, 'a', 200);
    long_word[200] = '\0';
    const char *r = toks(long_word, NULL);
    CHECK_EQ_INT(strlen(r), 128 + 2); /* cut to 128 bytes, then "@1" */

    FttTokenizer t;
    FttToken tok;
    const char *text = "Hi folks, Bob";
    ftt_tokenizer_init(&t, text, strlen(text), NULL, 1);
    CHECK(ftt_next(&t, &tok) && tok.raw_off == 0 && tok.raw_len == 2);
    CHECK(ftt_next(&t, &tok) && tok.raw_off == 3 && tok.raw_len == 5);
    CHECK(ftt_next(&t, &tok) && tok.raw_off == 10 && tok.raw_len == 3 && tok.position == 3);
    CHECK(!ftt_next(&t, &tok));
    /* stop words kept when asked */
    ftt_tokenizer_init(&t, "the cat", 7, NULL, 0);
    CHECK(ftt_next(&t, &tok) && tok.term_len == 3 && !memcmp(tok.term, "the", 3));
}

static void test_stopwords(void) {
    size_t n;
    const char *const *d = ftt_default_stopwords(&n);
    CHECK_EQ_INT(n, 33);
    CHECK(!strcmp(d[0], "a") && !strcmp(d[32], "with"));
    CHECK(ftt_is_stopword(NULL, "the", 3));
    CHECK(!ftt_is_stopword(NULL, "then2", 5));
    const char *words[] = {"Foo", "bar"};
    size_t lens[] = {3, 3};
    FtStopwords *sw = ftt_stopwords_new(words, lens, 2);
    CHECK(ftt_is_stopword(sw, "foo", 3));
    CHECK(!ftt_is_stopword(sw, "the", 3));
    const char *const *w = ftt_stopwords_words(sw, &n);
    CHECK(n == 2 && !strcmp(w[0], "foo"));
    CHECK(!strcmp(toks("the foo baz", sw), "the@1 baz@2"));
    ftt_stopwords_free(sw);
    FtStopwords *none = ftt_stopwords_new(NULL, NULL, 0);
    CHECK(!strcmp(toks("the a is", none), "the@1 a@2 is@3"));
    ftt_stopwords_free(none);
}

static void test_lower(void) {
    size_t l;
    char *s = ftt_lower_dup("AbC\xc3\x84\xd0\x96", 7, &l);
    CHECK(!strcmp(s, "abc\xc3\xa4\xd0\xb6") && l == 7);
    xfree(s);
    s = ftt_lower_dup("\xff\xfeX", 3, &l); /* invalid bytes kept */
    CHECK(!strcmp(s, "\xff\xfex"));
    xfree(s);
    char e[] = "a\\-b\\ c\\d";
    size_t el = ftt_unescape(e, strlen(e));
    CHECK(el == 7 && !memcmp(e, "a-b c\\d", 7));
}

static void test_helpers(void) {
    CHECK_EQ_INT(ftt_edit_distance("hello", 5, "hello", 5, 3), 0);
    CHECK_EQ_INT(ftt_edit_distance("hello", 5, "helo", 4, 3), 1);
    CHECK_EQ_INT(ftt_edit_distance("hello", 5, "jello", 5, 3), 1);
    CHECK_EQ_INT(ftt_edit_distance("kitten", 6, "sitting", 7, 3), 3);
    CHECK_EQ_INT(ftt_edit_distance("kitten", 6, "sitting", 7, 2), 3); /* > max: max + 1 */
    CHECK_EQ_INT(ftt_edit_distance("a", 1, "abcdef", 6, 2), 3);
    CHECK_EQ_INT(ftt_edit_distance("caf\xc3\xa9", 5, "cafe", 4, 3), 1); /* one code point */
    CHECK_EQ_INT(ftt_edit_distance("", 0, "ab", 2, 3), 2);

    CHECK(ftt_wildcard_match("he*o", 4, "hello", 5));
    CHECK(ftt_wildcard_match("he?lo", 5, "hello", 5));
    CHECK(!ftt_wildcard_match("he?o", 4, "hello", 5));
    CHECK(ftt_wildcard_match("*", 1, "", 0));
    CHECK(ftt_wildcard_match("*ll*", 4, "hello", 5));
    CHECK(!ftt_wildcard_match("*lx*", 4, "hello", 5));
    CHECK(ftt_wildcard_match("a\\*b", 4, "a*b", 3));
    CHECK(!ftt_wildcard_match("a\\*b", 4, "axb", 3));
    CHECK(ftt_wildcard_match("*a*b*c", 6, "xaybzc", 6));
    CHECK(!ftt_wildcard_match("abc", 3, "abcd", 4));

    size_t n, *lens;
    char **tags = ftt_tags_split(" Red , GREEN,,blue ", 19, ',', 0, 0, &lens, &n);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK(!strcmp(tags[0], "red") && lens[0] == 3);
        CHECK(!strcmp(tags[1], "green"));
        CHECK(!strcmp(tags[2], "blue"));
    }
    ftt_tags_free(tags, lens, n);
    tags = ftt_tags_split("A;;B", 4, ';', 1, 1, &lens, &n);
    CHECK_EQ_INT(n, 3);
    if (n == 3) CHECK(!strcmp(tags[0], "A") && lens[1] == 0 && !strcmp(tags[2], "B"));
    ftt_tags_free(tags, lens, n);
    tags = ftt_tags_split("", 0, ',', 0, 1, &lens, &n);
    CHECK_EQ_INT(n, 1); /* the empty value, kept for INDEXEMPTY */
    ftt_tags_free(tags, lens, n);
}

int main(void) {
    test_seed("test_fttext");
    test_stemmer();
    test_tokenizer();
    test_stopwords();
    test_lower();
    test_helpers();
    return test_report("test_fttext");
}
