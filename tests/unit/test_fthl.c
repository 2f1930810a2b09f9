/*
 * Unit tests for HIGHLIGHT/SUMMARIZE (src/types/fthl.c): whole-field
 * highlighting with stems and affixes, fragments and their context, the
 * no-match cases and the empty field, with terms taken from parsed queries.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "types/fthl.h"
#include "types/ftquery.h"

#include "test.h"

static const char *GREEK = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu "
                           "xi omicron pi rho sigma tau upsilon phi chi psi omega";

/* Renders text for the query q (dialect 2, no schema); "-" when the field
 * is left as it is. */
static const char *render(const char *q, const char *text, const FthlOptions *opt) {
    static Buf b;
    static int init;
    if (!init) {
        buf_init(&b);
        init = 1;
    }
    buf_clear(&b);
    FtqOptions qo = {.dialect = 2};
    FtqError err;
    FtqNode *n = ftq_parse(q, strlen(q), &qo, &err);
    if (!n) return "parse error";
    FthlTerms *t = fthl_terms_new();
    fthl_terms_from_query(t, n, 0);
    int r = fthl_render(text, strlen(text), t, opt, &b);
    fthl_terms_free(t);
    ftq_free(n);
    if (!r) return "-";
    buf_append_char(&b, '\0');
    return buf_data(&b);
}

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!strcmp(g_, w_)) {                                                                     \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "%s:%d: got [%s] want [%s]\n", __FILE__, __LINE__, g_, w_);            \
        }                                                                                          \
    } while (0)

int main(void) {
    test_seed("test_fthl");
    FthlOptions hl = {.open_tag = "<b>", .close_tag = "</b>"};
    CHECK_STR(render("fox", "The quick brown fox jumps over the lazy dog", &hl),
              "The quick brown <b>fox</b> jumps over the lazy dog");
    CHECK_STR(render("jumping", "The Fox JUMPS, twice.", &hl), "The Fox <b>JUMPS</b>, twice.");
    CHECK_STR(render("qu*", "a quick quiet fox", &hl), "a <b>quick</b> <b>quiet</b> fox");
    CHECK_STR(render("*ox", "a box of fox", &hl), "a <b>box</b> of <b>fox</b>");
    CHECK_STR(render("fox -dog", "fox and dog", &hl), "<b>fox</b> and dog");
    CHECK_STR(render("cat", "fox and dog", &hl), "-");
    FthlOptions tags = {.open_tag = "[", .close_tag = "]"};
    CHECK_STR(render("hello|world", "Hello, world!", &tags), "[Hello], [world]!");

    FthlOptions sum = {.summarize = 1,
                       .frags = 3,
                       .frag_len = 4,
                       .separator = "... ",
                       .open_tag = "<b>",
                       .close_tag = "</b>"};
    CHECK_STR(render("mu", GREEK, &sum), "lambda <b>mu</b> nu xi... ");
    CHECK_STR(render("mu nu", GREEK, &sum), "lambda <b>mu</b> <b>nu</b> xi omicron... ");
    FthlOptions one = sum;
    one.frags = 1;
    /* two far-apart fragments of equal score: the earlier wins */
    CHECK_STR(render("alpha|omega", GREEK, &one), "<b>alpha</b> beta gamma... ");
    CHECK_STR(render("alpha|omega", GREEK, &sum),
              "<b>alpha</b> beta gamma... chi psi <b>omega</b>... ");
    /* the better fragment wins, then text order */
    CHECK_STR(render("alpha|psi|omega", GREEK, &one), "phi chi <b>psi</b> <b>omega</b>... ");
    FthlOptions plain = {.summarize = 1};
    CHECK_STR(render("mu", GREEK, &plain),
              "beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
              "sigma tau upsilon phi chi psi... ");
    CHECK_STR(render("cat", "hello world", &plain), "hello ");
    CHECK_STR(render("cat", "hello   world  again", &plain), "hello world ");
    /* the empty field and the empty term */
    CHECK_STR(render("\"\"", "", &hl), "<b></b>");
    CHECK_STR(render("\"\"", "", &plain), "... ");

    /* terms restricted to a field */
    FtqOptions qo = {.dialect = 2};
    FtqError err;
    const char *q = "@a:foo bar";
    FtqNode *n = ftq_parse(q, strlen(q), &qo, &err);
    CHECK(n != NULL);
    FthlTerms *t = fthl_terms_new();
    fthl_terms_from_query(t, n, 2);
    CHECK(fthl_terms_count(t) > 0);
    fthl_terms_free(t);
    ftq_free(n);
    /* random texts and queries: no crash, every rendering ends in bounds */
    static const char alphabet[] = "ab cd,.-\\\t\n\"*|%$@";
    char text[80], qq[16];
    for (int it = 0; it < 3000; it++) {
        size_t tl = test_rand_below(sizeof(text) - 1), ql = 1 + test_rand_below(sizeof(qq) - 2);
        for (size_t i = 0; i < tl; i++) text[i] = alphabet[test_rand_below(sizeof(alphabet) - 1)];
        text[tl] = '\0';
        for (size_t i = 0; i < ql; i++) qq[i] = "abcd |*"[test_rand_below(7)];
        qq[ql] = '\0';
        FthlOptions o = {.summarize = (int)(it & 1),
                         .frags = 1 + test_rand_below(3),
                         .frag_len = test_rand_below(6),
                         .open_tag = "<",
                         .close_tag = ">"};
        render(qq, text, &o);
    }
    test_passed++;
    return test_report("test_fthl");
}
