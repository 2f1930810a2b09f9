/*
 * Unit tests for the Snowball stemmers (src/types/ftstem.c, ftstem_more.c):
 * every word/stem pair of tests/unit/stemdata/stem_<language>.txt (a sample
 * of Debian's word lists, or of the words of its installed translations,
 * stemmed by Snowball 2.2's libstemmer, see gen_stem_data.py there), plus
 * the dispatch by language name and words that are not UTF-8.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "types/ftstem.h"

#include "test.h"

/* Opens tests/unit/data/<name> next to this file's source. */
static FILE *open_data(const char *name) {
    char path[512];
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    int dir = slash ? (int)(slash - src) : 0;
    snprintf(path, sizeof path, "%.*s%sstemdata/%s", dir, src, slash ? "/" : "", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(path, sizeof path, "tests/unit/stemdata/%s", name);
        f = fopen(path, "r");
    }
    return f;
}

static void check_language(const char *lang) {
    char name[64], line[512];
    snprintf(name, sizeof name, "stem_%s.txt", lang);
    FILE *f = open_data(name);
    CHECK(f != NULL);
    if (!f) return;
    FtStemFn fn = ftstem_find(lang);
    CHECK(fn != NULL);
    int n = 0, bad = 0;
    while (fn && fgets(line, sizeof line, f)) {
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        *sp = '\0';
        char *want = sp + 1;
        want[strcspn(want, "\r\n")] = '\0';
        size_t ol;
        char *got = fn(line, strlen(line), &ol);
        n++;
        if (ol != strlen(want) || memcmp(got, want, ol)) {
            if (bad++ < 30)
                fprintf(stderr, "%s: stem(%s) = %.*s, want %s\n", lang, line, (int)ol, got, want);
        }
        xfree(got);
    }
    fclose(f);
    if (bad) fprintf(stderr, "%s: %d of %d pairs differ\n", lang, bad, n);
    CHECK(n >= 900); /* 2500 a language; Yiddish's translations have 938 words */
    CHECK_EQ_INT(bad, 0);
}

int main(void) {
    static const char *const langs[] = {
        "french",   "german",     "spanish",   "italian", "portuguese", "dutch",      "russian",
        "romanian", "finnish",    "hungarian", "swedish", "norwegian",  "danish",     "turkish",
        "arabic",   "indonesian", "catalan",   "irish",   "basque",     "lithuanian", "greek",
        "hindi",    "nepali",     "tamil",     "yiddish"};
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) check_language(langs[i]);

    CHECK(ftstem_find("FRENCH") == ftstem_find("french"));
    CHECK(ftstem_find("Turkish") == ftstem_find("turkish"));
    CHECK(ftstem_find("turkish") != ftstem_find("greek"));
    /* languages RediSearch accepts that have no stemmer here */
    CHECK(ftstem_find("serbian") == NULL);
    CHECK(ftstem_find("armenian") == NULL);
    CHECK(ftstem_find("english") == NULL);
    CHECK(ftstem_find("chinese") == NULL);
    CHECK(ftstem_find(NULL) == NULL);
    CHECK(ftstem_find("klingon") == NULL);

    /* not UTF-8: unchanged */
    size_t ol;
    char *s = ftstem_find("french")("mang\xffons", 8, &ol);
    CHECK(ol == 8 && !memcmp(s, "mang\xffons", 8));
    xfree(s);
    s = ftstem_find("arabic")("\xd8\xa7\xd9", 3, &ol);
    CHECK(ol == 3 && !memcmp(s, "\xd8\xa7\xd9", 3));
    xfree(s);
    s = ftstem_find("greek")("", 0, &ol);
    CHECK(ol == 0 && s[0] == '\0');
    xfree(s);
    s = ftstem_find("german")("", 0, &ol);
    CHECK(ol == 0 && s[0] == '\0');
    xfree(s);
    return test_report("test_ftstem");
}
