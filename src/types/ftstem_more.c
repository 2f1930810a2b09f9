/*
 * ftstem_more.c - Snowball stemmers for Turkish, Arabic, Indonesian,
 * Catalan, Irish, Basque, Lithuanian, Greek, Hindi, Nepali, Tamil and
 * Yiddish.
 *
 * The second half of ftstem.c (the languages RediSearch stems that
 * Snowball added later), written the same way: each algorithm as published
 * on snowballstem.org and run by Snowball 2.2's libstemmer, as calls to the
 * machine of snow.h in the order of its definition. The unit tests hold
 * them to that release's output (tests/unit/stemdata). Where the
 * definition published today differs from what 2.2 runs (Indonesian's
 * prefix classes, Lithuanian's -er- endings, Hindi's suffix list) the code
 * follows 2.2, which is what RediSearch bundles.
 *
 * Snowball's "try" and "or" restore the cursor as an offset from the end of
 * the word, so a deletion made by a part that then fails stays done; the
 * routines below rely on that (each routine that fails leaves the cursor
 * where it was and has deleted nothing, so callers need no restore).
 */
#include <stdint.h>
#include <string.h>

#include "types/ftstem_int.h"
#include "types/snow.h"

/* "] delete": the slice from the cursor to ket goes. */
static void cut(Snow *z) {
    z->bra = z->c;
    snow_slice_del(z);
}

/* Backward "goto g": moves left until the letter before the cursor is in g. */
static int goto_b(Snow *z, const char *g) {
    for (int c = z->c; c > z->lb; c--) {
        if (snow_in_g(z->p[c - 1], g)) {
            z->c = c;
            return 1;
        }
    }
    return 0;
}

/* Forward: the literal s starts at the cursor (which does not move). */
static int at_f(const Snow *z, const char *s) {
    uint32_t t[16];
    int n = snow_lit(s, t);
    return z->l - z->c >= n && !memcmp(z->p + z->c, t, (size_t)n * sizeof(uint32_t));
}

/* The letter before position c (not left of lb) is (is = 1) or is not
 * (is = 0) in g. */
static int letter_is(const Snow *z, int c, const char *g, int is) {
    return c > z->lb && snow_in_g(z->p[c - 1], g) == is;
}

/* ---- Turkish ---- */

#define TR_V "aeıioöuü"
#define TR_U "ıiuü"

/* check_vowel_harmony: the suffix's last vowel agrees with a vowel before
 * it. Moves nothing. */
static int tr_harmony(Snow *z) {
    static const char *const agree[][2] = {{"a", "aıou"}, {"e", "eiöü"}, {"ı", "aı"}, {"i", "ei"},
                                           {"o", "ou"},   {"ö", "öü"},   {"u", "ou"}, {"ü", "öü"}};
    int c = z->c, ok = 0;
    if (goto_b(z, TR_V)) {
        for (size_t i = 0; i < sizeof agree / sizeof agree[0]; i++) {
            if (snow_eq_b(z, agree[i][0])) {
                ok = goto_b(z, agree[i][1]);
                break;
            }
        }
    }
    z->c = c;
    return ok;
}

/* mark_suffix_with_optional_{n,s,y}_consonant (first: that letter, then a
 * vowel before it) and mark_suffix_with_optional_U_vowel (first: U, then
 * a non-vowel): the letter is part of the suffix when the one before it
 * is of the right kind; without it the letter two back must be. */
static int tr_optional(Snow *z, const char *first) {
    int want = strcmp(first, TR_U) != 0;
    int c = z->c;
    if (snow_in_b(z, first)) {
        if (letter_is(z, z->c, TR_V, want)) return 1;
        z->c = c;
        return 0;
    }
    return letter_is(z, c - 1, TR_V, want);
}

/* A mark_* routine: [harmony] one of a, then the optional letter (or none).
 * On failure the cursor is back where it was. */
static int tr_mark(Snow *z, int harmony, const SnowAm *a, size_t n, const char *opt) {
    int c = z->c;
    if ((harmony && !tr_harmony(z)) || !snow_among_b(z, a, n) || (opt && !tr_optional(z, opt))) {
        z->c = c;
        return 0;
    }
    return 1;
}

#define TR_MARK(name, harmony, opt, ...)                                                           \
    static int name(Snow *z) {                                                                     \
        static const SnowAm a[] = {__VA_ARGS__};                                                   \
        return tr_mark(z, harmony, a, sizeof a / sizeof a[0], opt);                                \
    }

TR_MARK(tr_poss, 0, TR_U, {"mız", 1}, {"miz", 1}, {"muz", 1}, {"müz", 1}, {"nız", 1}, {"niz", 1},
        {"nuz", 1}, {"nüz", 1}, {"m", 1}, {"n", 1})
TR_MARK(tr_sU, 1, "s", {"ı", 1}, {"i", 1}, {"u", 1}, {"ü", 1})
TR_MARK(tr_lArI, 0, NULL, {"leri", 1}, {"ları", 1})
TR_MARK(tr_yU, 1, "y", {"ı", 1}, {"i", 1}, {"u", 1}, {"ü", 1})
TR_MARK(tr_nU, 1, NULL, {"nı", 1}, {"ni", 1}, {"nu", 1}, {"nü", 1})
TR_MARK(tr_nUn, 1, "n", {"ın", 1}, {"in", 1}, {"un", 1}, {"ün", 1})
TR_MARK(tr_yA, 1, "y", {"a", 1}, {"e", 1})
TR_MARK(tr_nA, 1, NULL, {"na", 1}, {"ne", 1})
TR_MARK(tr_DA, 1, NULL, {"da", 1}, {"de", 1}, {"ta", 1}, {"te", 1})
TR_MARK(tr_ndA, 1, NULL, {"nda", 1}, {"nde", 1})
TR_MARK(tr_DAn, 1, NULL, {"dan", 1}, {"den", 1}, {"tan", 1}, {"ten", 1})
TR_MARK(tr_ndAn, 1, NULL, {"ndan", 1}, {"nden", 1})
TR_MARK(tr_ylA, 1, "y", {"la", 1}, {"le", 1})
TR_MARK(tr_ncA, 1, "n", {"ca", 1}, {"ce", 1})
TR_MARK(tr_yUm, 1, "y", {"ım", 1}, {"im", 1}, {"um", 1}, {"üm", 1})
TR_MARK(tr_sUn, 1, NULL, {"sın", 1}, {"sin", 1}, {"sun", 1}, {"sün", 1})
TR_MARK(tr_yUz, 1, "y", {"ız", 1}, {"iz", 1}, {"uz", 1}, {"üz", 1})
TR_MARK(tr_sUnUz, 0, NULL, {"sınız", 1}, {"siniz", 1}, {"sunuz", 1}, {"sünüz", 1})
TR_MARK(tr_lAr, 1, NULL, {"ler", 1}, {"lar", 1})
TR_MARK(tr_nUz, 1, NULL, {"nız", 1}, {"niz", 1}, {"nuz", 1}, {"nüz", 1})
TR_MARK(tr_DUr, 1, NULL, {"tır", 1}, {"tir", 1}, {"tur", 1}, {"tür", 1}, {"dır", 1}, {"dir", 1},
        {"dur", 1}, {"dür", 1})
TR_MARK(tr_cAsInA, 0, NULL, {"casına", 1}, {"cesine", 1})
TR_MARK(tr_yDU, 1, "y", {"tım", 1}, {"tim", 1}, {"tum", 1}, {"tüm", 1}, {"dım", 1}, {"dim", 1},
        {"dum", 1}, {"düm", 1}, {"tın", 1}, {"tin", 1}, {"tun", 1}, {"tün", 1}, {"dın", 1},
        {"din", 1}, {"dun", 1}, {"dün", 1}, {"tık", 1}, {"tik", 1}, {"tuk", 1}, {"tük", 1},
        {"dık", 1}, {"dik", 1}, {"duk", 1}, {"dük", 1}, {"tı", 1}, {"ti", 1}, {"tu", 1}, {"tü", 1},
        {"dı", 1}, {"di", 1}, {"du", 1}, {"dü", 1})
TR_MARK(tr_ysA, 0, "y", {"sam", 1}, {"san", 1}, {"sak", 1}, {"sem", 1}, {"sen", 1}, {"sek", 1},
        {"sa", 1}, {"se", 1})
TR_MARK(tr_ymUs, 1, "y", {"mış", 1}, {"miş", 1}, {"muş", 1}, {"müş", 1})
TR_MARK(tr_yken, 0, "y", {"ken", 1})

/* The person suffixes that may stand between -cAsInA / -DUr and -ymUş. */
static int tr_person(Snow *z) {
    return tr_sUnUz(z) || tr_lAr(z) || tr_yUm(z) || tr_sUn(z) || tr_yUz(z);
}

/* stem_nominal_verb_suffixes; *go_on says whether noun suffixes follow. */
static int tr_nominal_verb(Snow *z, int *go_on) {
    int c = z->c;
    z->ket = z->c;
    *go_on = 1;
    if (tr_ymUs(z) || tr_yDU(z) || tr_ysA(z) || tr_yken(z)) goto done;
    if (tr_cAsInA(z)) {
        tr_person(z);
        if (tr_ymUs(z)) goto done;
        z->c = c;
    }
    if (tr_lAr(z)) {
        cut(z);
        z->ket = z->c;
        (void)(tr_DUr(z) || tr_yDU(z) || tr_ysA(z) || tr_ymUs(z));
        *go_on = 0;
        goto done;
    }
    if (tr_nUz(z)) {
        if (tr_yDU(z) || tr_ysA(z)) goto done;
        z->c = c;
    }
    if (tr_sUnUz(z) || tr_yUz(z) || tr_sUn(z) || tr_yUm(z)) {
        cut(z);
        z->ket = z->c;
        tr_ymUs(z);
        goto done;
    }
    if (tr_DUr(z)) {
        cut(z);
        z->ket = z->c;
        int m = z->c;
        tr_person(z);
        if (!tr_ymUs(z)) z->c = m;
        goto done;
    }
    return 0;
done:
    cut(z);
    return 1;
}

/* "[mark_lAr] delete stem_suffix_chain_before_ki" (the deletion stays when
 * the chain fails); returns whether the chain matched. */
static int tr_chain(Snow *z);
static int tr_after_nda(Snow *z);
static int tr_lar_chain(Snow *z) {
    z->ket = z->c;
    if (!tr_lAr(z)) return 0;
    cut(z);
    return tr_chain(z);
}

/* "[mark_possessives or mark_sU] delete try(lAr chain)" with ket as set. */
static int tr_poss_su(Snow *z) {
    if (!tr_poss(z) && !tr_sU(z)) return 0;
    cut(z);
    tr_lar_chain(z);
    return 1;
}

/* stem_suffix_chain_before_ki. */
static int tr_chain(Snow *z) {
    int c = z->c;
    z->ket = z->c;
    if (!snow_eq_b(z, "ki")) return 0;
    if (tr_DA(z)) {
        cut(z);
        z->ket = z->c;
        if (tr_lAr(z)) {
            cut(z);
            tr_chain(z);
        } else if (tr_poss(z)) {
            cut(z);
            tr_lar_chain(z);
        }
        return 1;
    }
    if (tr_nUn(z)) {
        cut(z);
        z->ket = z->c;
        if (tr_lArI(z))
            cut(z);
        else if (!tr_poss_su(z))
            tr_chain(z);
        return 1;
    }
    if (tr_ndA(z) && tr_after_nda(z)) return 1;
    z->c = c;
    return 0;
}

/* What may stand before -ndA / -nA (ket as set): -lArI, or -sU with what
 * may precede it, or a -ki chain. */
static int tr_after_nda(Snow *z) {
    if (tr_lArI(z)) {
        cut(z);
        return 1;
    }
    if (tr_sU(z)) {
        cut(z);
        tr_lar_chain(z);
        return 1;
    }
    return tr_chain(z);
}

/* stem_noun_suffixes. */
static int tr_noun(Snow *z) {
    int c = z->c;
    z->ket = z->c;
    if (tr_lAr(z)) {
        cut(z);
        tr_chain(z);
        return 1;
    }
    if (tr_ncA(z)) {
        cut(z);
        z->ket = z->c;
        if (tr_lArI(z))
            cut(z);
        else if (!tr_poss_su(z))
            tr_lar_chain(z);
        return 1;
    }
    if (tr_ndA(z) || tr_nA(z)) {
        if (tr_after_nda(z)) return 1;
        z->c = c;
        z->ket = z->c;
    }
    if (tr_ndAn(z) || tr_nU(z)) {
        if (tr_sU(z)) {
            cut(z);
            tr_lar_chain(z);
            return 1;
        }
        if (tr_lArI(z)) return 1;
        z->c = c;
    }
    if (tr_DAn(z)) {
        cut(z);
        z->ket = z->c;
        if (tr_poss(z)) {
            cut(z);
            tr_lar_chain(z);
        } else if (tr_lAr(z)) {
            cut(z);
            tr_chain(z);
        } else {
            tr_chain(z);
        }
        return 1;
    }
    if (tr_nUn(z) || tr_ylA(z)) {
        cut(z);
        if (tr_lar_chain(z)) return 1;
        z->ket = z->c;
        if (!tr_poss_su(z)) tr_chain(z);
        return 1;
    }
    if (tr_lArI(z)) {
        cut(z);
        return 1;
    }
    if (tr_chain(z)) return 1;
    z->ket = z->c;
    if (tr_DA(z) || tr_yU(z) || tr_yA(z)) {
        cut(z);
        z->ket = z->c;
        int found = 0;
        if (tr_poss(z)) {
            cut(z);
            z->ket = z->c;
            tr_lAr(z);
            found = 1;
        } else {
            found = tr_lAr(z);
        }
        if (found) {
            cut(z);
            tr_chain(z);
        }
        return 1;
    }
    z->ket = z->c;
    return tr_poss_su(z);
}

static void turkish(Snow *z) {
    int n_vowels = 0;
    for (int i = 0; i < z->l; i++) n_vowels += snow_in_g(z->p[i], TR_V);
    if (n_vowels < 2) return;
    int go_on;
    z->c = z->l;
    tr_nominal_verb(z, &go_on);
    if (!go_on) return;
    z->c = z->l;
    tr_noun(z);
    /* postlude: not for "ad" and "soyad" */
    z->c = z->l;
    if (snow_eq_b(z, "ad")) {
        snow_eq_b(z, "soy");
        if (z->c == 0) return;
    }
    z->c = z->l;
    if (letter_is(z, z->l, "dg", 1) && goto_b(z, TR_V)) {
        static const char *const add[][2] = {{"aı", "ı"}, {"ei", "i"}, {"ou", "u"}, {"öü", "ü"}};
        for (size_t i = 0; i < sizeof add / sizeof add[0]; i++) {
            if (snow_in_g(z->p[z->c - 1], add[i][0])) {
                snow_replace(z, z->l, z->l, add[i][1]);
                break;
            }
        }
    }
    static const SnowAm last[] = {{"b", 1}, {"c", 2}, {"d", 3}, {"ğ", 4}};
    static const char *const hard[] = {"", "p", "ç", "t", "k"};
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, last);
    if (g) snow_slice_from(z, hard[g]);
}

/* ---- Arabic ---- */

/* The letters the Arabic stemmer names (Unicode's Arabic block). */
#define AR_HAMZA            "\u0621"
#define AR_ALEF_MADDA       "\u0622"
#define AR_ALEF_HAMZA       "\u0623"
#define AR_WAW_HAMZA        "\u0624"
#define AR_ALEF_HAMZA_BELOW "\u0625"
#define AR_YEH_HAMZA        "\u0626"
#define AR_ALEF             "\u0627"
#define AR_BEH              "\u0628"
#define AR_TEH_MARBUTA      "\u0629"
#define AR_TEH              "\u062A"
#define AR_SEEN             "\u0633"
#define AR_FEH              "\u0641"
#define AR_KAF              "\u0643"
#define AR_LAM              "\u0644"
#define AR_MEEM             "\u0645"
#define AR_NOON             "\u0646"
#define AR_HEH              "\u0647"
#define AR_WAW              "\u0648"
#define AR_ALEF_MAKSURA     "\u0649"
#define AR_YEH              "\u064A"

/* A suffix or prefix of a step (Arabic's, Irish's initial mutations): it
 * applies when the word has at least min_len letters, and becomes to
 * (NULL: is deleted). */
typedef struct {
    const char *s;
    int min_len;
    const char *to;
} Rule;

/* The longest of rules[0..n) at the cursor (backward: ending there,
 * forward: starting there); the slice is set to it. Returns its index + 1
 * or 0 (the cursor unchanged). */
static int rule_find(Snow *z, const Rule *rules, size_t n, int backward) {
    int best = -1, best_len = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t t[16];
        int k = snow_lit(rules[i].s, t);
        if (k <= best_len) continue;
        int at = backward ? z->c - k : z->c;
        if (at < (backward ? z->lb : 0) || at + k > z->l) continue;
        if (!memcmp(z->p + at, t, (size_t)k * sizeof(uint32_t))) best = (int)i, best_len = k;
    }
    if (best < 0) return 0;
    z->bra = backward ? z->c - best_len : z->c;
    z->ket = z->bra + best_len;
    return best + 1;
}

/* One step: "$word_len = len [substring] among (... ($word_len >= min
 * <- to))". The cursor ends as Snowball leaves it: at the slice's start
 * backward, after the replacement forward. */
static int rule_step(Snow *z, const Rule *rules, size_t n, int backward) {
    int len = z->l;
    int i = rule_find(z, rules, n, backward);
    if (!i || len < rules[i - 1].min_len) return 0;
    const char *to = rules[i - 1].to ? rules[i - 1].to : "";
    z->c = backward ? z->bra : z->ket;
    snow_slice_from(z, to);
    if (!backward) z->c = z->ket;
    return 1;
}

#define AR_SUFFIX(z, r) rule_step((z), (r), sizeof(r) / sizeof((r)[0]), 1)
#define AR_PREFIX(z, r) rule_step((z), (r), sizeof(r) / sizeof((r)[0]), 0)

static const Rule ar_noun1a[] = {
    {AR_YEH, 4, NULL},
    {AR_KAF, 4, NULL},
    {AR_HEH, 4, NULL},
    {AR_NOON AR_ALEF, 5, NULL},
    {AR_KAF AR_MEEM, 5, NULL},
    {AR_HEH AR_ALEF, 5, NULL},
    {AR_HEH AR_NOON, 5, NULL},
    {AR_HEH AR_MEEM, 5, NULL},
    {AR_KAF AR_MEEM AR_ALEF, 6, NULL},
    {AR_HEH AR_MEEM AR_ALEF, 6, NULL},
};
static const Rule ar_noun1b[] = {{AR_NOON, 6, NULL}};
static const Rule ar_noun2a[] = {{AR_ALEF, 5, NULL}, {AR_YEH, 5, NULL}, {AR_WAW, 5, NULL}};
static const Rule ar_noun2b[] = {{AR_ALEF AR_TEH, 5, NULL}};
static const Rule ar_noun2c1[] = {{AR_TEH, 4, NULL}};
static const Rule ar_noun2c2[] = {{AR_TEH_MARBUTA, 4, NULL}};
static const Rule ar_noun3[] = {{AR_YEH, 3, NULL}};
static const Rule ar_verb1[] = {
    {AR_HEH, 4, NULL},
    {AR_KAF, 4, NULL},
    {AR_NOON AR_YEH, 5, NULL},
    {AR_NOON AR_ALEF, 5, NULL},
    {AR_HEH AR_ALEF, 5, NULL},
    {AR_HEH AR_MEEM, 5, NULL},
    {AR_HEH AR_NOON, 5, NULL},
    {AR_KAF AR_MEEM, 5, NULL},
    {AR_KAF AR_NOON, 5, NULL},
    {AR_HEH AR_MEEM AR_ALEF, 6, NULL},
    {AR_KAF AR_MEEM AR_ALEF, 6, NULL},
    {AR_KAF AR_MEEM AR_WAW, 6, NULL},
};
static const Rule ar_verb2a[] = {
    {AR_TEH, 4, NULL},
    {AR_ALEF, 4, NULL},
    {AR_NOON, 4, NULL},
    {AR_YEH, 4, NULL},
    {AR_NOON AR_ALEF, 5, NULL},
    {AR_TEH AR_ALEF, 5, NULL},
    {AR_TEH AR_NOON, 5, NULL},
    {AR_ALEF AR_NOON, 6, NULL},
    {AR_WAW AR_NOON, 6, NULL},
    {AR_YEH AR_NOON, 6, NULL},
    {AR_TEH AR_MEEM AR_ALEF, 6, NULL},
};
static const Rule ar_verb2b[] = {{AR_WAW AR_ALEF, 5, NULL}, {AR_TEH AR_MEEM, 5, NULL}};
static const Rule ar_verb2c[] = {{AR_WAW, 4, NULL}, {AR_TEH AR_MEEM AR_WAW, 6, NULL}};
static const Rule ar_maksura[] = {{AR_ALEF_MAKSURA, 0, AR_YEH}};

/* The suffixes of a verb. */
static int ar_verb(Snow *z) {
    int m = z->l - z->c;
    if (AR_SUFFIX(z, ar_verb1)) {
        while (AR_SUFFIX(z, ar_verb1)) {
        }
        if (AR_SUFFIX(z, ar_verb2a) || AR_SUFFIX(z, ar_verb2c)) return 1;
        if (z->c > z->lb) {
            z->c--;
            return 1;
        }
        z->c = z->l - m;
    }
    return AR_SUFFIX(z, ar_verb2b) || AR_SUFFIX(z, ar_verb2a);
}

static int ar_noun_step2(Snow *z) {
    return AR_SUFFIX(z, ar_noun2a) || AR_SUFFIX(z, ar_noun2b) || AR_SUFFIX(z, ar_noun2c1);
}

/* The suffixes of a noun (is_defined: it had the article). */
static int ar_noun(Snow *z, int is_defined) {
    int m = z->l - z->c;
    if (AR_SUFFIX(z, ar_noun2c2)) goto step3;
    if (!is_defined && AR_SUFFIX(z, ar_noun1a)) {
        if (ar_noun_step2(z)) goto step3;
        if (z->c > z->lb) {
            z->c--;
            goto step3;
        }
    }
    z->c = z->l - m;
    if (AR_SUFFIX(z, ar_noun1b) && ar_noun_step2(z)) goto step3;
    z->c = z->l - m;
    if (!is_defined && AR_SUFFIX(z, ar_noun2a)) goto step3;
    AR_SUFFIX(z, ar_noun2b);
step3:
    return AR_SUFFIX(z, ar_noun3);
}

/* Normalize_pre: no vowel marks or tatweel, ASCII digits, and the
 * presentation forms (U+FE80..U+FEFC) as the letters they shape. */
static void ar_normalize_pre(Snow *z) {
    /* the letters of U+FE80.. in order, each with its number of forms */
    static const struct {
        uint16_t n, letter;
    } forms[] = {{1, 0x621}, {2, 0x622}, {2, 0x623}, {2, 0x624}, {2, 0x625}, {4, 0x626},
                 {2, 0x627}, {4, 0x628}, {2, 0x629}, {4, 0x62A}, {4, 0x62B}, {4, 0x62C},
                 {4, 0x62D}, {4, 0x62E}, {2, 0x62F}, {2, 0x630}, {2, 0x631}, {2, 0x632},
                 {4, 0x633}, {4, 0x634}, {4, 0x635}, {4, 0x636}, {4, 0x637}, {4, 0x638},
                 {4, 0x639}, {4, 0x63A}, {4, 0x641}, {4, 0x642}, {4, 0x643}, {4, 0x644},
                 {4, 0x645}, {4, 0x646}, {4, 0x647}, {2, 0x648}, {2, 0x649}, {4, 0x64A}};
    static const char *const lam_alef[] = {AR_LAM AR_ALEF_MADDA, AR_LAM AR_ALEF_HAMZA,
                                           AR_LAM AR_ALEF_HAMZA_BELOW, AR_LAM AR_ALEF};
    for (int i = 0; i < z->l;) {
        uint32_t ch = z->p[i];
        if ((ch >= 0x64B && ch <= 0x652) || ch == 0x640) {
            snow_replace(z, i, i + 1, "");
            continue;
        }
        if (ch >= 0x660 && ch <= 0x669) {
            z->p[i] = '0' + (ch - 0x660);
        } else if (ch >= 0xFEF5 && ch <= 0xFEFC) {
            snow_replace(z, i, i + 1, lam_alef[(ch - 0xFEF5) / 2]);
            i++;
        } else if (ch >= 0xFE80 && ch <= 0xFEF4) {
            uint32_t k = ch - 0xFE80;
            for (size_t j = 0; j < sizeof forms / sizeof forms[0]; j++) {
                if (k < forms[j].n) {
                    z->p[i] = forms[j].letter;
                    break;
                }
                k -= forms[j].n;
            }
        }
        i++;
    }
}

static void arabic(Snow *z) {
    static const Rule checks[] = {{AR_BEH AR_ALEF AR_LAM, 5, NULL},
                                  {AR_KAF AR_ALEF AR_LAM, 5, NULL},
                                  {AR_LAM AR_LAM, 4, NULL},
                                  {AR_ALEF AR_LAM, 4, NULL}};
    static const Rule prefix1[] = {{AR_ALEF_HAMZA AR_ALEF_HAMZA, 4, AR_ALEF_HAMZA},
                                   {AR_ALEF_HAMZA AR_ALEF_MADDA, 4, AR_ALEF_MADDA},
                                   {AR_ALEF_HAMZA AR_WAW_HAMZA, 4, AR_ALEF_HAMZA},
                                   {AR_ALEF_HAMZA AR_ALEF, 4, AR_ALEF},
                                   {AR_ALEF_HAMZA AR_ALEF_HAMZA_BELOW, 4, AR_ALEF_HAMZA_BELOW}};
    static const Rule prefix2[] = {{AR_FEH, 4, NULL}, {AR_WAW, 4, NULL}};
    static const Rule prefix3a[] = {{AR_BEH AR_ALEF AR_LAM, 6, NULL},
                                    {AR_KAF AR_ALEF AR_LAM, 6, NULL},
                                    {AR_LAM AR_LAM, 5, NULL},
                                    {AR_ALEF AR_LAM, 5, NULL}};
    static const Rule prefix3b[] = {
        {AR_BEH, 4, NULL}, {AR_BEH AR_BEH, 4, AR_BEH}, {AR_KAF AR_KAF, 4, AR_KAF}};
    static const Rule prefix3v[] = {{AR_SEEN AR_YEH, 5, AR_YEH},
                                    {AR_SEEN AR_TEH, 5, AR_TEH},
                                    {AR_SEEN AR_NOON, 5, AR_NOON},
                                    {AR_SEEN AR_ALEF_HAMZA, 5, AR_ALEF_HAMZA}};
    static const Rule prefix4v[] = {{AR_YEH AR_SEEN AR_TEH, 5, AR_ALEF AR_SEEN AR_TEH},
                                    {AR_NOON AR_SEEN AR_TEH, 5, AR_ALEF AR_SEEN AR_TEH},
                                    {AR_TEH AR_SEEN AR_TEH, 5, AR_ALEF AR_SEEN AR_TEH}};
    static const SnowAm last_hamza[] = {{AR_ALEF_HAMZA, 1},
                                        {AR_ALEF_HAMZA_BELOW, 1},
                                        {AR_ALEF_MADDA, 1},
                                        {AR_WAW_HAMZA, 1},
                                        {AR_YEH_HAMZA, 1}};
    /* every word may be a noun; the article says it is not a verb */
    int is_verb = 1, is_defined = 0;

    /* Checks1: the article makes it a noun (found before normalizing) */
    z->c = 0;
    int i = rule_find(z, checks, sizeof checks / sizeof checks[0], 0);
    if (i && z->l >= checks[i - 1].min_len) is_verb = 0, is_defined = 1;
    ar_normalize_pre(z);

    z->lb = 0;
    z->c = z->l;
    if (!is_verb || !ar_verb(z)) {
        z->c = z->l;
        if (!ar_noun(z, is_defined)) {
            z->c = z->l;
            AR_SUFFIX(z, ar_maksura);
        }
    }

    /* the prefixes, from the start; each step starts where the last left
     * the cursor */
    z->c = 0;
    AR_PREFIX(z, prefix1);
    if (!at_f(z, AR_FEH AR_ALEF) && !at_f(z, AR_WAW AR_ALEF)) AR_PREFIX(z, prefix2);
    if (!AR_PREFIX(z, prefix3a) && !(!at_f(z, AR_BEH AR_ALEF) && AR_PREFIX(z, prefix3b)) &&
        is_verb) {
        AR_PREFIX(z, prefix3v);
        AR_PREFIX(z, prefix4v);
    }

    /* Normalize_post: a final hamza carrier becomes hamza, the others
     * their letter */
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, last_hamza)) snow_slice_from(z, AR_HAMZA);
    for (int k = 0; k < z->l; k++) {
        uint32_t ch = z->p[k];
        if (ch == 0x622 || ch == 0x623 || ch == 0x625)
            z->p[k] = 0x627;
        else if (ch == 0x624)
            z->p[k] = 0x648;
        else if (ch == 0x626)
            z->p[k] = 0x64A;
    }
}

/* ---- Indonesian ---- */

#define ID_V "aeiou"

/* What the Indonesian steps share: which prefix went (1: di-, me-, ter-;
 * 2: pe-, per-; 3: ke-, pen-; 4: be-, ber-) and the number of syllables
 * (vowels) left. */
typedef struct {
    int prefix, measure;
} IdState;

/* The suffix -kan, -an or -i, each allowed after some prefixes only. */
static int id_suffix(Snow *z, IdState *st) {
    int c = z->c;
    z->ket = c;
    if (st->prefix != 2 && st->prefix != 3 && snow_eq_b(z, "kan")) goto cut;
    z->c = c;
    if (st->prefix != 1 && snow_eq_b(z, "an")) goto cut;
    z->c = c;
    if (st->prefix <= 2 && snow_eq_b(z, "i") && !letter_is(z, z->c, "s", 1)) goto cut;
    z->c = c;
    return 0;
cut:
    cut(z);
    st->measure--;
    return 1;
}

/* What a prefix becomes. */
enum { ID_DEL, ID_S_BEFORE_VOWEL, ID_P_BEFORE_VOWEL, ID_AJAR, ID_KER };

typedef struct {
    const char *s;
    int prefix; /* what it sets $prefix to (0: leaves it) */
    int kind;
} IdPrefix;

/* The longest prefix of a[0..n) (longest first) at the cursor whose
 * condition holds, replaced as its kind says. */
static int id_prefix(Snow *z, IdState *st, const IdPrefix *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!at_f(z, a[i].s)) continue;
        uint32_t t[16];
        int e = z->c + snow_lit(a[i].s, t);
        int vowel_next = e < z->l && snow_in_g(z->p[e], ID_V);
        if (a[i].kind == ID_S_BEFORE_VOWEL && !vowel_next) continue;
        if (a[i].kind == ID_KER &&
            (e + 3 > z->l || vowel_next || z->p[e + 1] != 'e' || z->p[e + 2] != 'r'))
            continue;
        z->bra = z->c;
        z->ket = z->c = e;
        if (a[i].kind == ID_S_BEFORE_VOWEL)
            snow_slice_from(z, "s");
        else if (a[i].kind == ID_P_BEFORE_VOWEL && vowel_next)
            snow_slice_from(z, "p");
        else if (a[i].kind == ID_AJAR)
            snow_slice_from(z, "ajar");
        else
            snow_slice_del(z);
        if (a[i].prefix) st->prefix = a[i].prefix;
        st->measure--;
        return 1;
    }
    return 0;
}

static void indonesian(Snow *z) {
    static const IdPrefix first[] = {
        {"meny", 1, ID_S_BEFORE_VOWEL},
        {"peny", 3, ID_S_BEFORE_VOWEL},
        {"meng", 1, ID_DEL},
        {"peng", 3, ID_DEL},
        {"mem", 1, ID_P_BEFORE_VOWEL},
        {"pem", 3, ID_P_BEFORE_VOWEL},
        {"men", 1, ID_DEL},
        {"pen", 3, ID_DEL},
        {"ter", 1, ID_DEL},
        {"di", 1, ID_DEL},
        {"me", 1, ID_DEL},
        {"ke", 3, ID_DEL},
    };
    static const IdPrefix second[] = {{"belajar", 4, ID_AJAR}, {"pelajar", 0, ID_AJAR},
                                      {"ber", 4, ID_DEL},      {"per", 2, ID_DEL},
                                      {"be", 4, ID_KER},       {"pe", 2, ID_DEL}};
    static const SnowAm particle[] = {{"kah", 1}, {"lah", 1}, {"pun", 1}};
    static const SnowAm possessive[] = {{"ku", 1}, {"mu", 1}, {"nya", 1}};
    IdState st = {0, 0};
    for (int i = 0; i < z->l; i++) st.measure += snow_in_g(z->p[i], ID_V);
    if (st.measure <= 2) return;
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, particle)) snow_slice_del(z), st.measure--;
    if (st.measure <= 2) return;
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, possessive)) snow_slice_del(z), st.measure--;
    if (st.measure <= 2) return;
    z->c = 0;
    if (id_prefix(z, &st, first, sizeof first / sizeof first[0])) {
        /* the suffix is looked for after where the prefix left the cursor;
         * a second prefix only goes with a suffix */
        int c = z->c, found = 0;
        if (st.measure > 2) {
            z->lb = c, z->c = z->l;
            found = id_suffix(z, &st);
            z->lb = 0, z->c = c;
        }
        if (found && st.measure > 2) id_prefix(z, &st, second, sizeof second / sizeof second[0]);
    } else {
        id_prefix(z, &st, second, sizeof second / sizeof second[0]);
        if (st.measure > 2) {
            z->c = z->l;
            id_suffix(z, &st);
        }
    }
}

/* ---- table-driven steps ---- */

/* Where a slice must start for its among group to act. */
enum { ANYWHERE, IN_R1, IN_R2, IN_RV };

/* What an among group does: replaces the slice with to (NULL: deletes
 * it) when the slice starts in region; or, is_kept, leaves it as it is
 * (the cursor at its start). */
typedef struct {
    int region;
    const char *to;
    int is_kept;
} Act;

static int in_region(const Snow *z, int region) {
    switch (region) {
    case IN_R1:
        return snow_r1(z);
    case IN_R2:
        return snow_r2(z);
    case IN_RV:
        return z->pv <= z->c;
    }
    return 1;
}

/* "[substring] among (... (region <- to) ...)": the longest suffix of a
 * at the cursor, then its group's act[g - 1]; on failure the cursor is
 * back where it was. */
static int among_act(Snow *z, const SnowAm *a, size_t n, const Act *act) {
    int c = z->c;
    int g = snow_slice_among(z, a, n);
    if (!g || !in_region(z, act[g - 1].region)) {
        z->c = c;
        return 0;
    }
    if (!act[g - 1].is_kept) snow_slice_from(z, act[g - 1].to ? act[g - 1].to : "");
    return 1;
}

#define AMONG_ACT(z, a, act) among_act((z), (a), sizeof(a) / sizeof((a)[0]), (act))

/* ---- Catalan ---- */

#define CA_V "aeiouáàéèíïóòúü"

static void catalan(Snow *z) {
    static const SnowAm pronoun[] = {
        {"'s", 1},   {"'hi", 1},  {"'ho", 1},   {"'l", 1},    {"'ls", 1}, {"-ls", 1},  {"-la", 1},
        {"-les", 1}, {"-li", 1},  {"vos", 1},   {"se", 1},    {"nos", 1}, {"-nos", 1}, {"-us", 1},
        {"us", 1},   {"'n", 1},   {"'ns", 1},   {"-n", 1},    {"-ns", 1}, {"'m", 1},   {"-me", 1},
        {"-m", 1},   {"-te", 1},  {"'t", 1},    {"li", 1},    {"lo", 1},  {"los", 1},  {"me", 1},
        {"sela", 1}, {"selo", 1}, {"selas", 1}, {"selos", 1}, {"le", 1},  {"la", 1},   {"las", 1},
        {"les", 1},  {"ens", 1},  {"ho", 1},    {"hi", 1}};
    static const Act pronoun_act[] = {{IN_R1, NULL, 0}};
    static const SnowAm standard[] = {
        {"ar", 1},        {"atge", 1},      {"formes", 1},   {"icte", 1},      {"ictes", 1},
        {"ell", 1},       {"ells", 1},      {"ella", 1},     {"és", 1},        {"ès", 1},
        {"esc", 1},       {"essa", 1},      {"et", 1},       {"ets", 1},       {"eta", 1},
        {"eres", 1},      {"eries", 1},     {"ers", 1},      {"ina", 1},       {"ines", 1},
        {"able", 1},      {"ls", 1},        {"ió", 1},       {"itat", 1},      {"itats", 1},
        {"itzar", 1},     {"iva", 1},       {"ives", 1},     {"ivisme", 1},    {"ius", 1},
        {"fer", 1},       {"ment", 1},      {"amen", 1},     {"ament", 1},     {"aments", 1},
        {"ments", 1},     {"ot", 1},        {"sfera", 1},    {"al", 1},        {"als", 1},
        {"era", 1},       {"ana", 1},       {"iste", 1},     {"aire", 1},      {"eria", 1},
        {"esa", 1},       {"eses", 1},      {"esos", 1},     {"or", 1},        {"ícia", 1},
        {"ícies", 1},     {"icis", 1},      {"ici", 1},      {"íci", 1},       {"ícis", 1},
        {"ària", 1},      {"àries", 1},     {"alla", 1},     {"ció", 1},       {"cions", 1},
        {"nça", 1},       {"nces", 1},      {"ó", 1},        {"dor", 1},       {"all", 1},
        {"il", 1},        {"ístic", 1},     {"enc", 1},      {"enca", 1},      {"ís", 1},
        {"issa", 1},      {"issos", 1},     {"íssem", 1},    {"íssiu", 1},     {"issem", 1},
        {"isseu", 1},     {"ísseu", 1},     {"ós", 1},       {"osa", 1},       {"dora", 1},
        {"dores", 1},     {"dors", 1},      {"adura", 1},    {"ble", 1},       {"bles", 1},
        {"ívol", 1},      {"ívola", 1},     {"dís", 1},      {"egar", 1},      {"ejar", 1},
        {"ificar", 1},    {"itar", 1},      {"ables", 1},    {"adors", 1},     {"idores", 1},
        {"idors", 1},     {"adora", 1},     {"ació", 1},     {"doras", 1},     {"dur", 1},
        {"dures", 1},     {"allengües", 1}, {"ant", 1},      {"ants", 1},      {"ancia", 1},
        {"ancies", 1},    {"atòria", 1},    {"atòries", 1},  {"tori", 1},      {"toris", 1},
        {"ats", 1},       {"ions", 1},      {"ota", 1},      {"isam", 1},      {"ors", 1},
        {"ora", 1},       {"ores", 1},      {"isament", 1},  {"bilitat", 1},   {"bilitats", 1},
        {"ivitat", 1},    {"ivitats", 1},   {"ari", 1},      {"aris", 1},      {"ionisme", 1},
        {"ionista", 1},   {"ionistes", 1},  {"ialista", 1},  {"ialistes", 1},  {"ialisme", 1},
        {"ialismes", 1},  {"ud", 1},        {"uts", 1},      {"uds", 1},       {"encia", 1},
        {"encies", 1},    {"ència", 1},     {"ències", 1},   {"ïtat", 1},      {"ïtats", 1},
        {"atiu", 1},      {"atius", 1},     {"atives", 1},   {"ativa", 1},     {"ativitat", 1},
        {"ativitats", 1}, {"ible", 1},      {"ibles", 1},    {"assa", 1},      {"asses", 1},
        {"assos", 1},     {"ent", 1},       {"ents", 1},     {"íssim", 1},     {"íssima", 1},
        {"íssims", 1},    {"íssimes", 1},   {"ìssem", 1},    {"ìsseu", 1},     {"ìssin", 1},
        {"ims", 1},       {"ima", 1},       {"imes", 1},     {"isme", 1},      {"ista", 1},
        {"ismes", 1},     {"istes", 1},     {"inia", 1},     {"inies", 1},     {"íinia", 1},
        {"ínies", 1},     {"ita", 1},       {"ites", 1},     {"triu", 1},      {"trius", 1},
        {"oses", 1},      {"osos", 1},      {"ient", 1},     {"otes", 1},      {"ots", 1},
        {"acions", 2},    {"ada", 2},       {"ades", 2},     {"logía", 3},     {"logíes", 3},
        {"logia", 3},     {"logies", 3},    {"logi", 3},     {"logis", 3},     {"lógica", 3},
        {"lógics", 3},    {"lógiques", 3},  {"ic", 4},       {"ica", 4},       {"ics", 4},
        {"iques", 4},     {"quíssim", 5},   {"quíssims", 5}, {"quíssimes", 5}, {"quíssima", 5}};
    static const Act standard_act[] = {
        {IN_R1, NULL, 0}, {IN_R2, NULL, 0}, {IN_R2, "log", 0}, {IN_R2, "ic", 0}, {IN_R1, "c", 0}};
    static const SnowAm verb[] = {
        {"ador", 1},    {"adora", 1},   {"adors", 1},   {"adores", 1}, {"re", 1},
        {"ie", 1},      {"ent", 1},     {"ents", 1},    {"udes", 1},   {"arà", 1},
        {"eren", 1},    {"ará", 1},     {"arían", 1},   {"arías", 1},  {"arán", 1},
        {"arás", 1},    {"aríais", 1},  {"aria", 1},    {"arian", 1},  {"arien", 1},
        {"aries", 1},   {"aràs", 1},    {"aría", 1},    {"aréis", 1},  {"aríamos", 1},
        {"aremos", 1},  {"ara", 1},     {"aré", 1},     {"arés", 1},   {"erían", 1},
        {"erías", 1},   {"erán", 1},    {"erás", 1},    {"eríais", 1}, {"ería", 1},
        {"eréis", 1},   {"eríamos", 1}, {"eremos", 1},  {"erá", 1},    {"eré", 1},
        {"er", 1},      {"erau", 1},    {"erass", 1},   {"irían", 1},  {"irías", 1},
        {"irán", 1},    {"irás", 1},    {"iríais", 1},  {"iría", 1},   {"iréis", 1},
        {"iríamos", 1}, {"iremos", 1},  {"irá", 1},     {"iré", 1},    {"írem", 1},
        {"íreu", 1},    {"íeu", 1},     {"ia", 1},      {"ies", 1},    {"íem", 1},
        {"ìeu", 1},     {"ien", 1},     {"at", 1},      {"ut", 1},     {"uda", 1},
        {"ava", 1},     {"aves", 1},    {"avem", 1},    {"ávem", 1},   {"àvem", 1},
        {"àveu", 1},    {"áveu", 1},    {"aven", 1},    {"au", 1},     {"ats", 1},
        {"asseu", 1},   {"esseu", 1},   {"eresseu", 1}, {"àsseu", 1},  {"àssem", 1},
        {"àssim", 1},   {"àssiu", 1},   {"essen", 1},   {"esses", 1},  {"assen", 1},
        {"asses", 1},   {"assim", 1},   {"assiu", 1},   {"éssen", 1},  {"ésseu", 1},
        {"éssim", 1},   {"éssiu", 1},   {"éssem", 1},   {"í", 1},      {"ares", 1},
        {"àrem", 1},    {"àreu", 1},    {"àren", 1},    {"aríem", 1},  {"aríeu", 1},
        {"areu", 1},    {"aren", 1},    {"ant", 1},     {"ïm", 1},     {"ïu", 1},
        {"és", 1},      {"ïen", 1},     {"en", 1},      {"es", 1},     {"em", 1},
        {"am", 1},      {"ams", 1},     {"ïa", 1},      {"ïes", 1},    {"dre", 1},
        {"eix", 1},     {"eixer", 1},   {"tzar", 1},    {"eixes", 1},  {"ides", 1},
        {"ïdes", 1},    {"it", 1},      {"ït", 1},      {"ïda", 1},    {"aba", 1},
        {"ada", 1},     {"ades", 1},    {"ida", 1},     {"ía", 1},     {"iera", 1},
        {"ad", 1},      {"ed", 1},      {"its", 1},     {"id", 1},     {"ids", 1},
        {"ase", 1},     {"iese", 1},    {"aste", 1},    {"iste", 1},   {"an", 1},
        {"aban", 1},    {"ían", 1},     {"aran", 1},    {"ieran", 1},  {"asen", 1},
        {"iesen", 1},   {"aron", 1},    {"ieron", 1},   {"ado", 1},    {"ido", 1},
        {"iendo", 1},   {"ió", 1},      {"ar", 1},      {"ir", 1},     {"as", 1},
        {"ieu", 1},     {"ii", 1},      {"io", 1},      {"ià", 1},     {"ess", 1},
        {"essin", 1},   {"essis", 1},   {"ass", 1},     {"assin", 1},  {"assis", 1},
        {"essim", 1},   {"èssim", 1},   {"èssiu", 1},   {"abas", 1},   {"adas", 1},
        {"idas", 1},    {"ías", 1},     {"aras", 1},    {"ieras", 1},  {"ases", 1},
        {"ieses", 1},   {"ís", 1},      {"áis", 1},     {"abais", 1},  {"íais", 1},
        {"arais", 1},   {"ierais", 1},  {"aseis", 1},   {"ieseis", 1}, {"asteis", 1},
        {"isteis", 1},  {"ados", 1},    {"idos", 1},    {"amos", 1},   {"ábamos", 1},
        {"íamos", 1},   {"imos", 1},    {"ques", 1},    {"áramos", 1}, {"iéramos", 1},
        {"iésemos", 1}, {"ásemos", 1},  {"ira", 1},     {"iran", 1},   {"irem", 1},
        {"iren", 1},    {"ires", 1},    {"ireu", 1},    {"iria", 1},   {"irien", 1},
        {"iries", 1},   {"irà", 1},     {"iràs", 1},    {"irè", 1},    {"irìem", 1},
        {"irìeu", 1},   {"isquen", 1},  {"iguem", 1},   {"igueu", 1},  {"esqui", 1},
        {"esquin", 1},  {"esquis", 1},  {"eixi", 1},    {"eixin", 1},  {"eixis", 1},
        {"eixen", 1},   {"eixo", 1},    {"isin", 1},    {"isis", 1},   {"esques", 1},
        {"sis", 1},     {"sin", 1},     {"int", 1},     {"iríem", 1},  {"iríeu", 1},
        {"isc", 1},     {"atges", 1},   {"esca", 1},    {"esquen", 1}, {"issen", 1},
        {"isses", 1},   {"issin", 1},   {"issis", 1},   {"isca", 1},   {"issiu", 1},
        {"issim", 1},   {"ïsc", 1},     {"ïsca", 1},    {"ïssin", 1},  {"íssiu", 1},
        {"íssim", 1},   {"ïssis", 1},   {"ïguem", 1},   {"ïgueu", 1},  {"ïra", 1},
        {"ïren", 1},    {"ïres", 1},    {"ïsquen", 1},  {"ïsques", 1}, {"ïssen", 1},
        {"ïsses", 1},   {"ïxo", 1},     {"ïxen", 1},    {"ïxes", 1},   {"ïx", 1},
        {"ixo", 1},     {"ixen", 1},    {"ixes", 1},    {"ix", 1},     {"ixa", 1},
        {"inin", 1},    {"inis", 1},    {"ini", 1},     {"ineu", 1},   {"itza", 1},
        {"itzi", 1},    {"itzeu", 1},   {"itzis", 1},   {"itzo", 1},   {"itz", 1},
        {"itzà", 1},    {"arem", 1},    {"in", 1},      {"às", 1},     {"iï", 1},
        {"iïn", 1},     {"iïs", 1},     {"ando", 2}};
    static const Act verb_act[] = {{IN_R1, NULL, 0}, {IN_R2, NULL, 0}};
    static const SnowAm residual[] = {
        {"os", 1},  {"a", 1},  {"o", 1},  {"á", 1},  {"à", 1},  {"í", 1},  {"ó", 1}, {"e", 1},
        {"é", 1},   {"eu", 1}, {"iu", 1}, {"is", 1}, {"i", 1},  {"ir", 1}, {"s", 1}, {"ì", 1},
        {"itz", 1}, {"ï", 1},  {"ïn", 1}, {"ïs", 1}, {"it", 1}, {"iqu", 2}};
    static const Act residual_act[] = {{IN_R1, NULL, 0}, {IN_R1, "ic", 0}};
    snow_mark_r1r2(z, CA_V);
    z->c = z->l;
    AMONG_ACT(z, pronoun, pronoun_act);
    z->c = z->l;
    if (!AMONG_ACT(z, standard, standard_act)) AMONG_ACT(z, verb, verb_act);
    z->c = z->l;
    AMONG_ACT(z, residual, residual_act);
    /* cleaning: no accents, the middle dot of l·l as a full stop */
    snow_map_letters(z, "áàéèíìóòúüï·", "aaeeiioouui.");
}

/* ---- Irish ---- */

#define GA_V "aeiouáéíóú"

static void irish(Snow *z) {
    static const Rule mutation[] = {
        {"h-", 0, NULL}, {"n-", 0, NULL}, {"t-", 0, NULL}, {"d'", 0, NULL}, {"d'fh", 0, "f"},
        {"m'", 0, NULL}, {"b'", 0, NULL}, {"sh", 0, "s"},  {"mb", 0, "b"},  {"gc", 0, "c"},
        {"nd", 0, "d"},  {"bhf", 0, "f"}, {"ng", 0, "g"},  {"bp", 0, "p"},  {"ts", 0, "s"},
        {"dt", 0, "t"},  {"bh", 0, "b"},  {"ch", 0, "c"},  {"dh", 0, "d"},  {"fh", 0, "f"},
        {"gh", 0, "g"},  {"mh", 0, "m"},  {"ph", 0, "p"},  {"th", 0, "t"},
    };
    static const SnowAm noun[] = {{"amh", 1},    {"eamh", 1},  {"abh", 1},     {"eabh", 1},
                                  {"aibh", 1},   {"ibh", 1},   {"aimh", 1},    {"imh", 1},
                                  {"aíocht", 1}, {"íocht", 1}, {"aíochta", 1}, {"íochta", 1},
                                  {"ire", 2},    {"irí", 2},   {"aire", 2},    {"airí", 2}};
    static const Act noun_act[] = {{IN_R1, NULL, 0}, {IN_R2, NULL, 0}};
    static const SnowAm deriv[] = {
        {"acht", 1},        {"eacht", 1},        {"ach", 1},       {"each", 1},
        {"eachtúil", 1},    {"eachta", 1},       {"achtúil", 1},   {"achta", 1},
        {"arcacht", 2},     {"arcachtaí", 2},    {"arcachta", 2},  {"gineach", 3},
        {"gineas", 3},      {"ginis", 3},        {"grafaíoch", 4}, {"grafaíocht", 4},
        {"grafaíochta", 4}, {"grafaíochtaí", 4}, {"paite", 5},     {"patach", 5},
        {"pataigh", 5},     {"patacha", 5},      {"óideach", 6},   {"óideacha", 6},
        {"óidigh", 6}};
    static const Act deriv_act[] = {{IN_R2, NULL, 0},       {ANYWHERE, "arc", 0},
                                    {ANYWHERE, "gin", 0},   {ANYWHERE, "graf", 0},
                                    {ANYWHERE, "paite", 0}, {ANYWHERE, "óid", 0}};
    static const SnowAm verb[] = {{"imid", 1},  {"aimid", 1}, {"ímid", 1}, {"aímid", 1},
                                  {"faidh", 1}, {"fidh", 1},  {"ain", 2},  {"eadh", 2},
                                  {"adh", 2},   {"áil", 2},   {"tear", 2}, {"tar", 2}};
    static const Act verb_act[] = {{IN_RV, NULL, 0}, {IN_R1, NULL, 0}};
    z->c = 0;
    rule_step(z, mutation, sizeof mutation / sizeof mutation[0], 0);
    int i = snow_gopast(z, 0, GA_V, 1);
    z->pv = i < 0 ? z->l : i;
    snow_mark_r1r2(z, GA_V);
    z->c = z->l;
    AMONG_ACT(z, noun, noun_act);
    z->c = z->l;
    AMONG_ACT(z, deriv, deriv_act);
    z->c = z->l;
    AMONG_ACT(z, verb, verb_act);
}

/* ---- Basque ---- */

#define EU_V "aeiou"

static void basque(Snow *z) {
    static const SnowAm verb[] = {
        {"le", 1},     {"la", 1},     {"tzaile", 1}, {"aldatu", 1}, {"atu", 1},     {"tzailea", 1},
        {"taile", 1},  {"tailea", 1}, {"pera", 1},   {"gale", 1},   {"galea", 1},   {"gura", 1},
        {"kura", 1},   {"kor", 1},    {"korra", 1},  {"or", 1},     {"orra", 1},    {"tun", 1},
        {"tuna", 1},   {"gaitz", 1},  {"gaitza", 1}, {"kaitz", 1},  {"kaitza", 1},  {"ezin", 1},
        {"ezina", 1},  {"tezin", 1},  {"tezina", 1}, {"errez", 1},  {"erreza", 1},  {"karri", 1},
        {"karria", 1}, {"tzaga", 1},  {"tzaka", 1},  {"tzake", 1},  {"tzeke", 1},   {"ez", 1},
        {"eza", 1},    {"tzez", 1},   {"keta", 1},   {"eta", 1},    {"etan", 1},    {"pen", 1},
        {"pena", 1},   {"tze", 1},    {"atze", 1},   {"kuntza", 1}, {"kunde", 1},   {"kundea", 1},
        {"kune", 1},   {"kunea", 1},  {"kuna", 1},   {"kera", 1},   {"era", 1},     {"kizun", 1},
        {"kizuna", 1}, {"dura", 1},   {"tura", 1},   {"men", 1},    {"mena", 1},    {"go", 1},
        {"ago", 1},    {"tio", 1},    {"taldi", 1},  {"taldia", 1}, {"aldi", 1},    {"aldia", 1},
        {"gune", 1},   {"gunea", 1},  {"bide", 1},   {"bidea", 1},  {"pide", 1},    {"pidea", 1},
        {"gai", 1},    {"gaia", 1},   {"ki", 1},     {"kin", 1},    {"rekin", 1},   {"kina", 1},
        {"kari", 1},   {"karia", 1},  {"ari", 1},    {"tari", 1},   {"etari", 1},   {"gailu", 1},
        {"gailua", 1}, {"kide", 1},   {"kidea", 1},  {"ide", 1},    {"idea", 1},    {"du", 1},
        {"ka", 1},     {"kan", 1},    {"an", 1},     {"ean", 1},    {"tu", 1},      {"lari", 1},
        {"tatu", 1},   {"rean", 1},   {"tarazi", 1}, {"arazi", 1},  {"tzat", 1},    {"bera", 1},
        {"dako", 1},   {"garri", 2},  {"garria", 2}, {"tza", 2},    {"atseden", 3}, {"arabera", 3},
        {"baditu", 3}};
    static const Act verb_act[] = {{IN_RV, NULL, 0}, {IN_R2, NULL, 0}, {ANYWHERE, NULL, 1}};
    static const SnowAm noun[] = {
        {"ari", 1},    {"aria", 1},   {"bizia", 1},    {"kari", 1},   {"karia", 1},  {"lari", 1},
        {"laria", 1},  {"tari", 1},   {"taria", 1},    {"zain", 1},   {"zaina", 1},  {"tzain", 1},
        {"tzaina", 1}, {"zale", 1},   {"zalea", 1},    {"tzale", 1},  {"tzalea", 1}, {"aizun", 1},
        {"orde", 1},   {"ordea", 1},  {"burua", 1},    {"ohi", 1},    {"ohia", 1},   {"kintza", 1},
        {"gintzo", 1}, {"gintzu", 1}, {"tzu", 1},      {"tzua", 1},   {"tzo", 1},    {"tzoa", 1},
        {"kuntza", 1}, {"talde", 1},  {"taldea", 1},   {"eria", 1},   {"keria", 1},  {"teria", 1},
        {"di", 1},     {"za", 1},     {"ada", 1},      {"tara", 1},   {"etara", 1},  {"tra", 1},
        {"ta", 1},     {"tegi", 1},   {"tegia", 1},    {"keta", 1},   {"z", 1},      {"zko", 1},
        {"zkoa", 1},   {"ti", 1},     {"tia", 1},      {"tsu", 1},    {"tsua", 1},   {"zu", 1},
        {"zua", 1},    {"bera", 1},   {"pera", 1},     {"zto", 1},    {"ztoa", 1},   {"asi", 1},
        {"asia", 1},   {"gile", 1},   {"gilea", 1},    {"estu", 1},   {"estua", 1},  {"larri", 1},
        {"larria", 1}, {"nahi", 1},   {"nahia", 1},    {"koi", 1},    {"koia", 1},   {"oi", 1},
        {"oia", 1},    {"goi", 1},    {"min", 1},      {"mina", 1},   {"dun", 1},    {"duna", 1},
        {"duru", 1},   {"durua", 1},  {"duri", 1},     {"duria", 1},  {"os", 1},     {"osa", 1},
        {"oso", 1},    {"osoa", 1},   {"ar", 1},       {"ara", 1},    {"tar", 1},    {"dar", 1},
        {"dara", 1},   {"tiar", 1},   {"tiara", 1},    {"liar", 1},   {"liara", 1},  {"gabe", 1},
        {"gabea", 1},  {"kabe", 1},   {"kabea", 1},    {"ga", 1},     {"ge", 1},     {"kada", 1},
        {"tasun", 1},  {"tasuna", 1}, {"asun", 1},     {"asuna", 1},  {"go", 1},     {"mendu", 1},
        {"mendua", 1}, {"mentu", 1},  {"mentua", 1},   {"mendi", 1},  {"mendia", 1}, {"zio", 1},
        {"zioa", 1},   {"zino", 1},   {"zinoa", 1},    {"zione", 1},  {"zionea", 1}, {"ezia", 1},
        {"degi", 1},   {"degia", 1},  {"egi", 1},      {"egia", 1},   {"toki", 1},   {"tokia", 1},
        {"leku", 1},   {"lekua", 1},  {"gintza", 1},   {"alde", 1},   {"aldea", 1},  {"kalde", 1},
        {"kaldea", 1}, {"gune", 1},   {"gunea", 1},    {"une", 1},    {"unea", 1},   {"una", 1},
        {"pe", 1},     {"pea", 1},    {"gibel", 1},    {"gibela", 1}, {"ondo", 1},   {"ondoa", 1},
        {"arte", 1},   {"artea", 1},  {"aurre", 1},    {"aurrea", 1}, {"etxe", 1},   {"etxea", 1},
        {"ola", 1},    {"ontzi", 1},  {"ontzia", 1},   {"gela", 1},   {"denda", 1},  {"taldi", 1},
        {"taldia", 1}, {"aldi", 1},   {"aldia", 1},    {"te", 1},     {"tea", 1},    {"zaro", 1},
        {"zaroa", 1},  {"taro", 1},   {"taroa", 1},    {"oro", 1},    {"oroa", 1},   {"aro", 1},
        {"aroa", 1},   {"ero", 1},    {"eroa", 1},     {"eroz", 1},   {"eroza", 1},  {"ka", 1},
        {"kan", 1},    {"kana", 1},   {"tako", 1},     {"etako", 1},  {"takoa", 1},  {"kote", 1},
        {"kotea", 1},  {"tzar", 1},   {"tzarra", 1},   {"handi", 1},  {"handia", 1}, {"kondo", 1},
        {"kondoa", 1}, {"skila", 1},  {"no", 1},       {"noa", 1},    {"ño", 1},     {"ñoa", 1},
        {"ska", 1},    {"xka", 1},    {"zka", 1},      {"tila", 1},   {"to", 1},     {"toa", 1},
        {"tto", 1},    {"ttoa", 1},   {"txo", 1},      {"txoa", 1},   {"txu", 1},    {"txua", 1},
        {"anda", 1},   {"anga", 1},   {"urren", 1},    {"urrena", 1}, {"gai", 1},    {"gaia", 1},
        {"gei", 1},    {"geia", 1},   {"eme", 1},      {"emea", 1},   {"kume", 1},   {"kumea", 1},
        {"sa", 1},     {"ko", 1},     {"eko", 1},      {"koa", 1},    {"ena", 1},    {"enea", 1},
        {"ne", 1},     {"nea", 1},    {"kor", 1},      {"korra", 1},  {"ez", 1},     {"eza", 1},
        {"eta", 1},    {"etan", 1},   {"ki", 1},       {"kia", 1},    {"kin", 1},    {"kina", 1},
        {"tu", 1},     {"tua", 1},    {"du", 1},       {"dua", 1},    {"ek", 1},     {"tarik", 1},
        {"tariko", 1}, {"tan", 1},    {"ordu", 1},     {"ordua", 1},  {"oste", 1},   {"ostea", 1},
        {"tzara", 1},  {"ra", 1},     {"antza", 1},    {"behar", 1},  {"ro", 1},     {"giro", 1},
        {"ak", 1},     {"zp", 1},     {"ket", 1},      {"kail", 1},   {"kaila", 1},  {"ail", 1},
        {"kirri", 1},  {"kirria", 1}, {"ngo", 1},      {"ngoa", 1},   {"ñi", 1},     {"sko", 1},
        {"sta", 1},    {"koitz", 1},  {"koitza", 1},   {"na", 1},     {"garren", 1}, {"garrena", 1},
        {"kera", 1},   {"gerren", 1}, {"gerrena", 1},  {"garna", 1},  {"kide", 1},   {"tz", 1},
        {"tuko", 1},   {"ora", 2},    {"garri", 2},    {"garria", 2}, {"or", 2},     {"buru", 2},
        {"ren", 2},    {"tza", 2},    {"joka", 3},     {"tzen", 4},   {"ten", 4},    {"en", 4},
        {"tatu", 4},   {"trako", 5},  {"minutuko", 6}, {"zehar", 7},  {"geldi", 7},  {"igaro", 7},
        {"aurka", 7}};
    static const Act noun_act[] = {
        {IN_RV, NULL, 0},     {IN_R2, NULL, 0},        {ANYWHERE, "jok", 0}, {IN_R1, NULL, 0},
        {ANYWHERE, "tra", 0}, {ANYWHERE, "minutu", 0}, {ANYWHERE, NULL, 1}};
    static const SnowAm adjective[] = {
        {"era", 1},   {"ero", 1}, {"go", 1},   {"tate", 1}, {"tade", 1}, {"date", 1}, {"dade", 1},
        {"keria", 1}, {"ki", 1},  {"to", 1},   {"ro", 1},   {"la", 1},   {"gi", 1},   {"larik", 1},
        {"lanik", 1}, {"ik", 1},  {"ztik", 1}, {"rik", 1},  {"zlea", 2}};
    static const Act adjective_act[] = {{IN_RV, NULL, 0}, {ANYWHERE, "z", 0}};
    snow_mark_rv(z, EU_V);
    snow_mark_r1r2(z, EU_V);
    /* each repeat goes on from where the last match left the cursor */
    z->c = z->l;
    while (AMONG_ACT(z, verb, verb_act)) {
    }
    while (AMONG_ACT(z, noun, noun_act)) {
    }
    AMONG_ACT(z, adjective, adjective_act);
}

/* ---- Lithuanian ---- */

#define LT_V "aeiyouąęįųėū"

static void lithuanian(Snow *z) {
    /* Snowball 2.2's list also has the -er- forms of declension V
     * (seser-s, seser-į, ...) */
    static const SnowAm ending[] = {
        {"as", 1},      {"ias", 1},    {"is", 1},      {"ys", 1},     {"o", 1},       {"io", 1},
        {"ui", 1},      {"iui", 1},    {"ą", 1},       {"ią", 1},     {"į", 1},       {"u", 1},
        {"iu", 1},      {"e", 1},      {"yje", 1},     {"y", 1},      {"au", 1},      {"i", 1},
        {"an", 1},      {"ai", 1},     {"iai", 1},     {"ų", 1},      {"ių", 1},      {"ams", 1},
        {"am", 1},      {"iams", 1},   {"iam", 1},     {"us", 1},     {"ius", 1},     {"ais", 1},
        {"iais", 1},    {"uose", 1},   {"iuose", 1},   {"uos", 1},    {"iuos", 1},    {"uosna", 1},
        {"iuosna", 1},  {"ysna", 1},   {"asis", 1},    {"aisi", 1},   {"osi", 1},     {"ųsi", 1},
        {"uisi", 1},    {"ąsi", 1},    {"usi", 1},     {"esi", 1},    {"uo", 1},      {"a", 1},
        {"ia", 1},      {"os", 1},     {"ios", 1},     {"oj", 1},     {"oje", 1},     {"ioje", 1},
        {"osna", 1},    {"iosna", 1},  {"om", 1},      {"oms", 1},    {"ioms", 1},    {"omis", 1},
        {"iomis", 1},   {"ose", 1},    {"iose", 1},    {"on", 1},     {"ion", 1},     {"ė", 1},
        {"ės", 1},      {"ei", 1},     {"ę", 1},       {"ėj", 1},     {"ėje", 1},     {"ėms", 1},
        {"es", 1},      {"ėmis", 1},   {"ėse", 1},     {"ėsna", 1},   {"ėn", 1},      {"aus", 1},
        {"iaus", 1},    {"umi", 1},    {"iumi", 1},    {"uje", 1},    {"iuje", 1},    {"iau", 1},
        {"ūs", 1},      {"ums", 1},    {"umis", 1},    {"un", 1},     {"iun", 1},     {"ies", 1},
        {"ens", 1},     {"enio", 1},   {"eniui", 1},   {"enį", 1},    {"imi", 1},     {"eniu", 1},
        {"enyje", 1},   {"ie", 1},     {"enie", 1},    {"enys", 1},   {"ims", 1},     {"enims", 1},
        {"enis", 1},    {"imis", 1},   {"enimis", 1},  {"yse", 1},    {"enyse", 1},   {"iem", 1},
        {"iems", 1},    {"ame", 1},    {"iame", 1},    {"uosi", 1},   {"iuosi", 1},   {"iesi", 1},
        {"asi", 1},     {"iasi", 1},   {"amės", 1},    {"iamės", 1},  {"at", 1},      {"ate", 1},
        {"iat", 1},     {"iate", 1},   {"atės", 1},    {"iatės", 1},  {"isi", 1},     {"im", 1},
        {"imės", 1},    {"it", 1},     {"ite", 1},     {"ome", 1},    {"ot", 1},      {"ote", 1},
        {"ėjo", 1},     {"ėjosi", 1},  {"otės", 1},    {"eisi", 1},   {"ėsi", 1},     {"ėm", 1},
        {"ėme", 1},     {"ėmės", 1},   {"ėt", 1},      {"ėte", 1},    {"ėtės", 1},    {"ausi", 1},
        {"omės", 1},    {"siu", 1},    {"siuosi", 1},  {"si", 1},     {"siesi", 1},   {"s", 1},
        {"ysis", 1},    {"sim", 1},    {"sime", 1},    {"sit", 1},    {"site", 1},    {"čiau", 1},
        {"čiausi", 1},  {"tum", 1},    {"tumei", 1},   {"tumeis", 1}, {"tumeisi", 1}, {"tųsi", 1},
        {"tumėm", 1},   {"tumėme", 1}, {"tumėmės", 1}, {"tute", 1},   {"tumėt", 1},   {"tumėte", 1},
        {"tumėtės", 1}, {"k", 1},      {"ki", 1},      {"kimės", 1},  {"uoti", 1},    {"iuoti", 1},
        {"auti", 1},    {"iauti", 1},  {"oti", 1},     {"ioti", 1},   {"ėti", 1},     {"yti", 1},
        {"inti", 1},    {"inėti", 1},  {"enti", 1},    {"telėti", 1}, {"terėti", 1},  {"ti", 1},
        {"ąs", 1},      {"iąs", 1},    {"įs", 1},      {"tųs", 1},    {"simės", 1},   {"sitės", 1},
        {"kite", 1},    {"ers", 1},    {"eriai", 1},   {"erį", 1},    {"erimi", 1},   {"eria", 1},
        {"eryje", 1},   {"erie", 1},   {"erys", 1},    {"erų", 1},    {"erims", 1},   {"eryse", 1}};
    static const SnowAm suffix[] = {
        {"ing", 1},   {"išk", 1},    {"ėt", 1},    {"ot", 1},  {"uot", 1},  {"iuot", 1},
        {"yt", 1},    {"iuk", 1},    {"iul", 1},   {"ėl", 1},  {"yl", 1},   {"učiuk", 1},
        {"uliuk", 1}, {"utėait", 1}, {"ok", 1},    {"iok", 1}, {"sv", 1},   {"šv", 1},
        {"zgan", 1},  {"op", 1},     {"iop", 1},   {"ain", 1}, {"ykšt", 1}, {"ykšč", 1},
        {"esn", 1},   {"aus", 1},    {"iaus", 1},  {"ias", 1}, {"oj", 1},   {"ioj", 1},
        {"aj", 1},    {"iaj", 1},    {"ąj", 1},    {"iąj", 1}, {"uoj", 1},  {"iuoj", 1},
        {"iej", 1},   {"ųj", 1},     {"iųj", 1},   {"ies", 1}, {"uos", 1},  {"iuos", 1},
        {"ais", 1},   {"iais", 1},   {"os", 1},    {"ios", 1}, {"ąs", 1},   {"iąs", 1},
        {"dav", 1},   {"ant", 1},    {"iant", 1},  {"int", 1}, {"ėj", 1},   {"ę", 1},
        {"ėję", 1},   {"ęs", 1},     {"siant", 1}, {"dam", 1}, {"auj", 1},  {"jam", 1},
        {"iau", 1},   {"am", 1}};
    static const SnowAm conflict[] = {{"aite", 1},  {"aitės", 2},   {"uotės", 3}, {"uote", 4},
                                      {"ėjime", 5}, {"esiu", 6},    {"asius", 7}, {"avime", 8},
                                      {"ojime", 9}, {"okatės", 10}, {"okate", 11}};
    static const Act conflict_act[] = {
        {ANYWHERE, "aitė", 0},  {ANYWHERE, "aitė", 0},   {ANYWHERE, "uotė", 0},
        {ANYWHERE, "uotė", 0},  {ANYWHERE, "ėjimas", 0}, {ANYWHERE, "esys", 0},
        {ANYWHERE, "asys", 0},  {ANYWHERE, "avimas", 0}, {ANYWHERE, "ojimas", 0},
        {ANYWHERE, "okatė", 0}, {ANYWHERE, "okatė", 0}};
    static const SnowAm chdz[] = {{"č", 1}, {"dž", 2}};
    static const Act chdz_act[] = {{ANYWHERE, "t", 0}, {ANYWHERE, "d", 0}};
    static const SnowAm gd[] = {{"gd", 1}};
    static const Act gd_act[] = {{ANYWHERE, "g", 0}};
    /* R1, not counting the prefix a- of a word of more than 6 letters */
    int i = z->l > 6 && z->p[0] == 'a' ? 1 : 0;
    i = snow_gopast(z, i, LT_V, 1);
    if (i >= 0) i = snow_gopast(z, i, LT_V, 0);
    z->p1 = i < 0 ? z->l : i;
    z->c = z->l;
    AMONG_ACT(z, conflict, conflict_act);
    z->c = z->l;
    if (snow_slice_among_from(z, z->p1, ending, sizeof ending / sizeof ending[0]))
        snow_slice_del(z);
    z->c = z->l;
    AMONG_ACT(z, chdz, chdz_act);
    z->c = z->l;
    while (snow_slice_among_from(z, z->p1, suffix, sizeof suffix / sizeof suffix[0]))
        snow_slice_del(z);
    z->c = z->l;
    AMONG_ACT(z, chdz, chdz_act);
    z->c = z->l;
    AMONG_ACT(z, gd, gd_act);
}

/* ---- Greek ---- */

/* The vowels, and the vowels but upsilon. */
#define GR_V  "αεηιουω"
#define GR_V2 "αεηιοω"

/* The suffix and exception lists of the Greek steps, named after the step
 * (gr_<step>_<n>: its n-th among, in the order of the definition). */
static const SnowAm gr_1_0[] = {
    {"φαγια", 1},       {"φαγιου", 1},   {"φαγιων", 1},     {"σκαγια", 2},      {"σκαγιου", 2},
    {"σκαγιων", 2},     {"ολογιου", 3},  {"ολογια", 3},     {"ολογιων", 3},     {"σογιου", 4},
    {"σογια", 4},       {"σογιων", 4},   {"τατογια", 5},    {"τατογιου", 5},    {"τατογιων", 5},
    {"κρεασ", 6},       {"κρεατοσ", 6},  {"κρεατα", 6},     {"κρεατων", 6},     {"περασ", 7},
    {"περατοσ", 7},     {"περατη", 7},   {"περατα", 7},     {"περατων", 7},     {"τερασ", 8},
    {"τερατοσ", 8},     {"τερατα", 8},   {"τερατων", 8},    {"φωσ", 9},         {"φωτοσ", 9},
    {"φωτα", 9},        {"φωτων", 9},    {"καθεστωσ", 10},  {"καθεστωτοσ", 10}, {"καθεστωτα", 10},
    {"καθεστωτων", 10}, {"γεγονοσ", 11}, {"γεγονοτοσ", 11}, {"γεγονοτα", 11},   {"γεγονοτων", 11}};
static const SnowAm gr_s1_0[] = {{"ιζα", 1},   {"ιζεσ", 1},  {"ιζε", 1},    {"ιζαμε", 1},
                                 {"ιζατε", 1}, {"ιζαν", 1},  {"ιζανε", 1},  {"ιζω", 1},
                                 {"ιζεισ", 1}, {"ιζει", 1},  {"ιζουμε", 1}, {"ιζετε", 1},
                                 {"ιζουν", 1}, {"ιζουνε", 1}};
static const SnowAm gr_s1_1[] = {
    {"αναμπα", 1}, {"εμπα", 1},    {"επα", 1},  {"ξαναπα", 1}, {"πα", 1},     {"περιπα", 1},
    {"αθρο", 1},   {"συναθρο", 1}, {"δανε", 1}, {"μαρκ", 2},   {"κορν", 2},   {"αμπαρ", 2},
    {"αρρ", 2},    {"βαθυρι", 2},  {"βαρκ", 2}, {"β", 2},      {"βολβορ", 2}, {"γκρ", 2},
    {"γλυκορ", 2}, {"γλυκυρ", 2},  {"ιμπ", 2},  {"λ", 2},      {"λου", 2},    {"μαρ", 2},
    {"μ", 2},      {"πρ", 2},      {"μπρ", 2},  {"πολυρ", 2},  {"π", 2},      {"ρ", 2},
    {"πιπερορ", 2}};
static const SnowAm gr_s2_0[] = {{"ωθηκα", 1},   {"ωθηκεσ", 1}, {"ωθηκε", 1},  {"ωθηκαμε", 1},
                                 {"ωθηκατε", 1}, {"ωθηκαν", 1}, {"ωθηκανε", 1}};
static const SnowAm gr_s2_1[] = {{"αλ", 1}, {"βι", 1}, {"εν", 1}, {"υψ", 1},
                                 {"λι", 1}, {"ζω", 1}, {"σ", 1},  {"χ", 1}};
static const SnowAm gr_s3_0[] = {{"ισα", 1},   {"ισεσ", 1}, {"ισε", 1},  {"ισαμε", 1},
                                 {"ισατε", 1}, {"ισαν", 1}, {"ισανε", 1}};
static const SnowAm gr_s3_1[] = {
    {"αναμπα", 1},   {"αθρο", 1},   {"εμπα", 1},   {"εσε", 1},     {"εσωκλε", 1},    {"επα", 1},
    {"ξαναπα", 1},   {"επε", 1},    {"περιπα", 1}, {"συναθρο", 1}, {"δανε", 1},      {"κλε", 1},
    {"χαρτοπα", 1},  {"εξαρχα", 1}, {"μετεπε", 1}, {"αποκλε", 1},  {"απεκλε", 1},    {"εκλε", 1},
    {"πε", 1},       {"αν", 2},     {"αφ", 2},     {"γε", 2},      {"γιγαντοαφ", 2}, {"γκε", 2},
    {"δημοκρατ", 2}, {"κομ", 2},    {"γκ", 2},     {"μ", 2},       {"π", 2},         {"πουκαμ", 2},
    {"ολο", 2},      {"λαρ", 2}};
static const SnowAm gr_s4_0[] = {{"ισω", 1},   {"ισεισ", 1}, {"ισει", 1},  {"ισουμε", 1},
                                 {"ισετε", 1}, {"ισουν", 1}, {"ισουνε", 1}};
static const SnowAm gr_s4_1[] = {{"αναμπα", 1},  {"εμπα", 1},    {"εσε", 1},    {"εσωκλε", 1},
                                 {"επα", 1},     {"ξαναπα", 1},  {"επε", 1},    {"περιπα", 1},
                                 {"αθρο", 1},    {"συναθρο", 1}, {"δανε", 1},   {"κλε", 1},
                                 {"χαρτοπα", 1}, {"εξαρχα", 1},  {"μετεπε", 1}, {"αποκλε", 1},
                                 {"απεκλε", 1},  {"εκλε", 1},    {"πε", 1}};
static const SnowAm gr_s5_0[] = {{"ιστοσ", 1}, {"ιστου", 1}, {"ιστο", 1},   {"ιστε", 1},
                                 {"ιστοι", 1}, {"ιστων", 1}, {"ιστουσ", 1}, {"ιστη", 1},
                                 {"ιστησ", 1}, {"ιστα", 1},  {"ιστεσ", 1}};
static const SnowAm gr_s5_1[] = {
    {"δανε", 1}, {"συναθρο", 1}, {"κλε", 1}, {"σε", 1},  {"εσωκλε", 1}, {"ασε", 1}, {"πλε", 1},
    {"μ", 2},    {"π", 2},       {"απ", 2},  {"αρ", 2},  {"ηδ", 2},     {"κτ", 2},  {"σκ", 2},
    {"σχ", 2},   {"υψ", 2},      {"φα", 2},  {"χρ", 2},  {"χτ", 2},     {"ακτ", 2}, {"αορ", 2},
    {"ασχ", 2},  {"ατα", 2},     {"αχν", 2}, {"αχτ", 2}, {"γεμ", 2},    {"γυρ", 2}, {"εμπ", 2},
    {"ευπ", 2},  {"εχθ", 2},     {"ηφα", 2}, {"καθ", 2}, {"κακ", 2},    {"κυλ", 2}, {"λυγ", 2},
    {"μακ", 2},  {"μεγ", 2},     {"ταχ", 2}, {"φιλ", 2}, {"χωρ", 2}};
static const SnowAm gr_s6_0[] = {{"ισμο", 1},  {"ισμοι", 1},  {"ισμοσ", 1},
                                 {"ισμου", 1}, {"ισμουσ", 1}, {"ισμων", 1}};
static const SnowAm gr_s6_1[] = {{"σε", 1},     {"μετασε", 1}, {"μικροσε", 1}, {"εγκλε", 1},
                                 {"αποκλε", 1}, {"δανε", 2},   {"αντιδανε", 2}};
static const SnowAm gr_s6_2[] = {{"αγνωστικ", 1}, {"ατομικ", 2},  {"γνωστικ", 3}, {"εθνικ", 4},
                                 {"εκλεκτικ", 5}, {"σκεπτικ", 6}, {"τοπικ", 7},   {"αλεξανδριν", 8},
                                 {"βυζαντιν", 9}, {"θεατριν", 10}};
static const SnowAm gr_s7_0[] = {{"αρακι", 1}, {"αρακια", 1}, {"ουδακι", 1}, {"ουδακια", 1}};
static const SnowAm gr_s7_1[] = {{"σ", 1}, {"χ", 1}};
static const SnowAm gr_s8_0[] = {{"ακι", 1},   {"ακια", 1},  {"ιτσα", 1},  {"ιτσασ", 1},
                                 {"ιτσεσ", 1}, {"ιτσων", 1}, {"αρακι", 1}, {"αρακια", 1}};
static const SnowAm gr_s8_1[] = {
    {"βαμβ", 1},  {"βρ", 1},  {"καιμ", 1},      {"κον", 1},    {"κορ", 1},    {"λαβρ", 1},
    {"λουλ", 1},  {"μερ", 1}, {"μουστ", 1},     {"ναγκασ", 1}, {"πλ", 1},     {"ρ", 1},
    {"ρυ", 1},    {"σ", 1},   {"σκ", 1},        {"σοκ", 1},    {"σπαν", 1},   {"τζ", 1},
    {"φαρμ", 1},  {"χ", 1},   {"καπακ", 1},     {"αλισφ", 1},  {"αμβρ", 1},   {"ανθρ", 1},
    {"κ", 1},     {"φυλ", 1}, {"κατραπ", 1},    {"κλιμ", 1},   {"μαλ", 1},    {"σλοβ", 1},
    {"φ", 1},     {"σφ", 1},  {"τσεχοσλοβ", 1}, {"β", 2},      {"βαλ", 2},    {"γιαν", 2},
    {"γλ", 2},    {"ζ", 2},   {"ηγουμεν", 2},   {"καρδ", 2},   {"μακρυν", 2}, {"νυφ", 2},
    {"πατερ", 2}, {"π", 2},   {"τοσ", 2},       {"τριπολ", 2}};
static const SnowAm gr_s9_0[] = {{"ιδιο", 1}, {"ιδια", 1}, {"ιδιων", 1}};
static const SnowAm gr_s9_1[] = {{"αιφν", 1}, {"ιρ", 1}, {"ολο", 1}, {"ψαλ", 1}};
static const SnowAm gr_s9_2[] = {{"ε", 1}, {"παιχν", 1}};
static const SnowAm gr_s10_0[] = {{"ισκοσ", 1}, {"ισκου", 1}, {"ισκο", 1}, {"ισκε", 1}};
static const SnowAm gr_s10_1[] = {{"δ", 1},     {"ιβ", 1},  {"μην", 1}, {"ρ", 1},
                                  {"φραγκ", 1}, {"λυκ", 1}, {"οβελ", 1}};
static const SnowAm gr_2a_0[] = {{"αδεσ", 1}, {"αδων", 1}};
static const SnowAm gr_2a_1[] = {{"οκ", 1},    {"μαμ", 1},   {"μαν", 1},   {"μπαμπ", 1},
                                 {"πατερ", 1}, {"γιαγι", 1}, {"νταντ", 1}, {"κυρ", 1},
                                 {"θει", 1},   {"πεθερ", 1}};
static const SnowAm gr_2b_0[] = {{"εδεσ", 1}, {"εδων", 1}};
static const SnowAm gr_2b_1[] = {{"οπ", 1},  {"ιπ", 1},  {"εμπ", 1},   {"υπ", 1},
                                 {"γηπ", 1}, {"δαπ", 1}, {"κρασπ", 1}, {"μιλ", 1}};
static const SnowAm gr_2c_0[] = {{"ουδεσ", 1}, {"ουδων", 1}};
static const SnowAm gr_2c_1[] = {{"αρκ", 1},  {"καλιακ", 1}, {"πεταλ", 1}, {"λιχ", 1},  {"πλεξ", 1},
                                 {"σκ", 1},   {"σ", 1},      {"φλ", 1},    {"φρ", 1},   {"βελ", 1},
                                 {"λουλ", 1}, {"χν", 1},     {"σπ", 1},    {"τραγ", 1}, {"φε", 1}};
static const SnowAm gr_2d_0[] = {{"εωσ", 1}, {"εων", 1}};
static const SnowAm gr_2d_1[] = {{"θ", 1}, {"δ", 1}, {"ελ", 1}, {"γαλ", 1},
                                 {"ν", 1}, {"π", 1}, {"ιδ", 1}, {"παρ", 1}};
static const SnowAm gr_3_0[] = {{"ια", 1}, {"ιου", 1}, {"ιων", 1}};
static const SnowAm gr_4_0[] = {{"ικα", 1}, {"ικο", 1}, {"ικου", 1}, {"ικων", 1}};
static const SnowAm gr_4_1[] = {
    {"αλ", 1},    {"αδ", 1},     {"ενδ", 1},    {"αμαν", 1},    {"αμμοχαλ", 1}, {"ηθ", 1},
    {"ανηθ", 1},  {"αντιδ", 1},  {"φυσ", 1},    {"βρωμ", 1},    {"γερ", 1},     {"εξωδ", 1},
    {"καλπ", 1},  {"καλλιν", 1}, {"καταδ", 1},  {"μουλ", 1},    {"μπαν", 1},    {"μπαγιατ", 1},
    {"μπολ", 1},  {"μποσ", 1},   {"νιτ", 1},    {"ξικ", 1},     {"συνομηλ", 1}, {"πετσ", 1},
    {"πιτσ", 1},  {"πικαντ", 1}, {"πλιατσ", 1}, {"ποστελν", 1}, {"πρωτοδ", 1},  {"σερτ", 1},
    {"συναδ", 1}, {"τσαμ", 1},   {"υποδ", 1},   {"φιλον", 1},   {"φυλοδ", 1},   {"χασ", 1}};
static const SnowAm gr_5a_0[] = {
    {"αγαμε", 1}, {"ησαμε", 1}, {"ουσαμε", 1}, {"ηκαμε", 1}, {"ηθηκαμε", 1}};
static const SnowAm gr_5a_1[] = {{"αναπ", 1}, {"αποθ", 1}, {"αποκ", 1}, {"αποστ", 1},
                                 {"βουβ", 1}, {"ξεθ", 1},  {"ουλ", 1},  {"πεθ", 1},
                                 {"πικρ", 1}, {"ποτ", 1},  {"σιχ", 1},  {"χ", 1}};
static const SnowAm gr_5b_0[] = {{"αγανε", 1},   {"ησανε", 1},    {"ουσανε", 1}, {"ιοντανε", 1},
                                 {"ιοτανε", 1},  {"ιουντανε", 1}, {"οντανε", 1}, {"οτανε", 1},
                                 {"ουντανε", 1}, {"ηκανε", 1},    {"ηθηκανε", 1}};
static const SnowAm gr_5b_1[] = {{"τρ", 1}, {"τσ", 1}};
static const SnowAm gr_5b_2[] = {
    {"βετερ", 1},    {"βουλκ", 1},       {"βραχμ", 1},       {"γ", 1},         {"δραδουμ", 1},
    {"θ", 1},        {"καλπουζ", 1},     {"καστελ", 1},      {"κορμορ", 1},    {"λαοπλ", 1},
    {"μωαμεθ", 1},   {"μ", 1},           {"μουσουλμ", 1},    {"ν", 1},         {"ουλ", 1},
    {"π", 1},        {"πελεκ", 1},       {"πλ", 1},          {"πολισ", 1},     {"πορτολ", 1},
    {"σαρακατσ", 1}, {"σουλτ", 1},       {"τσαρλατ", 1},     {"ορφ", 1},       {"τσιγγ", 1},
    {"τσοπ", 1},     {"φωτοστεφ", 1},    {"χ", 1},           {"ψυχοπλ", 1},    {"αγ", 1},
    {"γαλ", 1},      {"γερ", 1},         {"δεκ", 1},         {"διπλ", 1},      {"αμερικαν", 1},
    {"ουρ", 1},      {"πιθ", 1},         {"πουριτ", 1},      {"σ", 1},         {"ζωντ", 1},
    {"ικ", 1},       {"καστ", 1},        {"κοπ", 1},         {"λιχ", 1},       {"λουθηρ", 1},
    {"μαιντ", 1},    {"μελ", 1},         {"σιγ", 1},         {"σπ", 1},        {"στεγ", 1},
    {"τραγ", 1},     {"τσαγ", 1},        {"φ", 1},           {"ερ", 1},        {"αδαπ", 1},
    {"αθιγγ", 1},    {"αμηχ", 1},        {"ανικ", 1},        {"ανοργ", 1},     {"απηγ", 1},
    {"απιθ", 1},     {"ατσιγγ", 1},      {"βασ", 1},         {"βασκ", 1},      {"βαθυγαλ", 1},
    {"βιομηχ", 1},   {"βραχυκ", 1},      {"διατ", 1},        {"διαφ", 1},      {"ενοργ", 1},
    {"θυσ", 1},      {"καπνοβιομηχ", 1}, {"καταγαλ", 1},     {"κλιβ", 1},      {"κοιλαρφ", 1},
    {"λιβ", 1},      {"μεγλοβιομηχ", 1}, {"μικροβιομηχ", 1}, {"νταβ", 1},      {"ξηροκλιβ", 1},
    {"ολιγοδαμ", 1}, {"ολογαλ", 1},      {"πενταρφ", 1},     {"περηφ", 1},     {"περιτρ", 1},
    {"πλατ", 1},     {"πολυδαπ", 1},     {"πολυμηχ", 1},     {"στεφ", 1},      {"ταβ", 1},
    {"τετ", 1},      {"υπερηφ", 1},      {"υποκοπ", 1},      {"χαμηλοδαπ", 1}, {"ψηλοταβ", 1}};
static const SnowAm gr_5c_0[] = {
    {"οδ", 1},  {"αιρ", 1}, {"φορ", 1},   {"ταθ", 1}, {"διαθ", 1}, {"σχ", 1},  {"ενδ", 1},
    {"ευρ", 1}, {"τιθ", 1}, {"υπερθ", 1}, {"ραθ", 1}, {"ενθ", 1},  {"ροθ", 1}, {"σθ", 1},
    {"πυρ", 1}, {"αιν", 1}, {"συνδ", 1},  {"συν", 1}, {"συνθ", 1}, {"χωρ", 1}, {"πον", 1},
    {"βρ", 1},  {"καθ", 1}, {"ευθ", 1},   {"εκθ", 1}, {"νετ", 1},  {"ρον", 1}, {"αρκ", 1},
    {"βαρ", 1}, {"βολ", 1}, {"ωφελ", 1}};
static const SnowAm gr_5c_1[] = {{"αβαρ", 1},    {"βεν", 1},  {"εναρ", 1}, {"αβρ", 1},   {"αδ", 1},
                                 {"αθ", 1},      {"αν", 1},   {"απλ", 1},  {"βαρον", 1}, {"ντρ", 1},
                                 {"σκ", 1},      {"κοπ", 1},  {"μπορ", 1}, {"νιφ", 1},   {"παγ", 1},
                                 {"παρακαλ", 1}, {"σερπ", 1}, {"σκελ", 1}, {"συρφ", 1},  {"τοκ", 1},
                                 {"υ", 1},       {"δ", 1},    {"εμ", 1},   {"θαρρ", 1},  {"θ", 1}};
static const SnowAm gr_5f_0[] = {{"π", 1},     {"απ", 1},     {"συμπ", 1},
                                 {"ασυμπ", 1}, {"ακαταπ", 1}, {"αμεταμφ", 1}};
static const SnowAm gr_5f_1[] = {{"αλ", 1}, {"αρ", 1},      {"εκτελ", 1}, {"ζ", 1},  {"μ", 1},
                                 {"ξ", 1},  {"παρακαλ", 1}, {"προ", 1},   {"νισ", 1}};
static const SnowAm gr_5g_0[] = {{"ηκα", 1}, {"ηκεσ", 1}, {"ηκε", 1}};
static const SnowAm gr_5g_1[] = {{"σκωλ", 1}, {"σκουλ", 1}, {"ναρθ", 1},
                                 {"σφ", 1},   {"οθ", 1},    {"πιθ", 1}};
static const SnowAm gr_5g_2[] = {
    {"διαθ", 1}, {"θ", 1}, {"παρακαταθ", 1}, {"προσθ", 1}, {"συνθ", 1}};
static const SnowAm gr_5h_0[] = {{"ουσα", 1}, {"ουσεσ", 1}, {"ουσε", 1}};
static const SnowAm gr_5h_1[] = {{"ποδαρ", 1},  {"βλεπ", 1}, {"πανταχ", 1}, {"φρυδ", 1},
                                 {"μαντιλ", 1}, {"μαλλ", 1}, {"κυματ", 1},  {"λαχ", 1},
                                 {"ληγ", 1},    {"φαγ", 1},  {"ομ", 1},     {"πρωτ", 1}};
static const SnowAm gr_5h_2[] = {
    {"φαρμακ", 1}, {"χαδ", 1},      {"αγκ", 1},     {"αναρρ", 1},  {"βρομ", 1},
    {"εκλιπ", 1},  {"λαμπιδ", 1},   {"λεχ", 1},     {"μ", 1},      {"πατ", 1},
    {"ρ", 1},      {"λ", 1},        {"μεδ", 1},     {"μεσαζ", 1},  {"υποτειν", 1},
    {"αμ", 1},     {"αιθ", 1},      {"ανηκ", 1},    {"δεσποζ", 1}, {"ενδιαφερ", 1},
    {"δε", 1},     {"δευτερευ", 1}, {"καθαρευ", 1}, {"πλε", 1},    {"τσα", 1}};
static const SnowAm gr_5i_0[] = {{"αγα", 1}, {"αγεσ", 1}, {"αγε", 1}};
static const SnowAm gr_5i_1[] = {{"ψοφ", 1},  {"ναυλοχ", 1}, {"οφ", 2},  {"πελ", 2},
                                 {"χορτ", 2}, {"λλ", 2},     {"σφ", 2},  {"ρπ", 2},
                                 {"φρ", 2},   {"πρ", 2},     {"λοχ", 2}, {"σμην", 2}};
static const SnowAm gr_5i_2[] = {
    {"αβαστ", 1},   {"πολυφ", 1},  {"αδηφ", 1},   {"παμφ", 1},     {"ρ", 1},      {"ασπ", 1},
    {"αφ", 1},      {"αμαλ", 1},   {"αμαλλι", 1}, {"ανυστ", 1},    {"απερ", 1},   {"ασπαρ", 1},
    {"αχαρ", 1},    {"δερβεν", 1}, {"δροσοπ", 1}, {"ξεφ", 1},      {"νεοπ", 1},   {"νομοτ", 1},
    {"ολοπ", 1},    {"ομοτ", 1},   {"προστ", 1},  {"προσωποπ", 1}, {"συμπ", 1},   {"συντ", 1},
    {"τ", 1},       {"υποτ", 1},   {"χαρ", 1},    {"αειπ", 1},     {"αιμοστ", 1}, {"ανυπ", 1},
    {"αποτ", 1},    {"αρτιπ", 1},  {"διατ", 1},   {"εν", 1},       {"επιτ", 1},   {"κροκαλοπ", 1},
    {"σιδηροπ", 1}, {"λ", 1},      {"ναυ", 1},    {"ουλαμ", 1},    {"ουρ", 1},    {"π", 1},
    {"τρ", 1},      {"μ", 1}};
static const SnowAm gr_5j_0[] = {{"ησε", 1}, {"ησου", 1}, {"ησα", 1}};
static const SnowAm gr_5j_1[] = {{"ν", 1},      {"χερσον", 1},  {"δωδεκαν", 1},
                                 {"ερημον", 1}, {"μεγαλον", 1}, {"επταν", 1}};
static const SnowAm gr_5k_0[] = {{"ασβ", 1},     {"σβ", 1},    {"αχρ", 1},   {"χρ", 1},
                                 {"απλ", 1},     {"αειμν", 1}, {"δυσχρ", 1}, {"ευχρ", 1},
                                 {"κοινοχρ", 1}, {"παλιμψ", 1}};
static const SnowAm gr_5l_0[] = {{"ουνε", 1}, {"ησουνε", 1}, {"ηθουνε", 1}};
static const SnowAm gr_5l_1[] = {{"ν", 1},           {"ρ", 1},         {"σπι", 1},
                                 {"στραβομουτσ", 1}, {"κακομουτσ", 1}, {"εξων", 1}};
static const SnowAm gr_5m_0[] = {{"ουμε", 1}, {"ησουμε", 1}, {"ηθουμε", 1}};
static const SnowAm gr_5m_1[] = {{"παρασουσ", 1}, {"φ", 1},        {"χ", 1},    {"ωριοπλ", 1},
                                 {"αζ", 1},       {"αλλοσουσ", 1}, {"ασουσ", 1}};
static const SnowAm gr_6_0[] = {
    {"α", 1},       {"αγατε", 1},   {"αγαν", 1},      {"αει", 1},      {"αμαι", 1},
    {"αν", 1},      {"ασ", 1},      {"ασαι", 1},      {"αται", 1},     {"αω", 1},
    {"ε", 1},       {"ει", 1},      {"εισ", 1},       {"ειτε", 1},     {"εσαι", 1},
    {"εσ", 1},      {"εται", 1},    {"ι", 1},         {"ιεμαι", 1},    {"ιεμαστε", 1},
    {"ιεται", 1},   {"ιεσαι", 1},   {"ιεσαστε", 1},   {"ιομασταν", 1}, {"ιομουν", 1},
    {"ιομουνα", 1}, {"ιονταν", 1},  {"ιοντουσαν", 1}, {"ιοσασταν", 1}, {"ιοσαστε", 1},
    {"ιοσουν", 1},  {"ιοσουνα", 1}, {"ιοταν", 1},     {"ιουμα", 1},    {"ιουμαστε", 1},
    {"ιουνται", 1}, {"ιουνταν", 1}, {"η", 1},         {"ηδεσ", 1},     {"ηδων", 1},
    {"ηθει", 1},    {"ηθεισ", 1},   {"ηθειτε", 1},    {"ηθηκατε", 1},  {"ηθηκαν", 1},
    {"ηθουν", 1},   {"ηθω", 1},     {"ηκατε", 1},     {"ηκαν", 1},     {"ησ", 1},
    {"ησαν", 1},    {"ησατε", 1},   {"ησει", 1},      {"ησεσ", 1},     {"ησουν", 1},
    {"ησω", 1},     {"ο", 1},       {"οι", 1},        {"ομαι", 1},     {"ομασταν", 1},
    {"ομουν", 1},   {"ομουνα", 1},  {"ονται", 1},     {"ονταν", 1},    {"οντουσαν", 1},
    {"οσ", 1},      {"οσασταν", 1}, {"οσαστε", 1},    {"οσουν", 1},    {"οσουνα", 1},
    {"οταν", 1},    {"ου", 1},      {"ουμαι", 1},     {"ουμαστε", 1},  {"ουν", 1},
    {"ουνται", 1},  {"ουνταν", 1},  {"ουσ", 1},       {"ουσαν", 1},    {"ουσατε", 1},
    {"υ", 1},       {"υσ", 1},      {"ω", 1},         {"ων", 1}};
static const SnowAm gr_7_0[] = {{"εστερ", 1}, {"εστατ", 1}, {"οτερ", 1}, {"οτατ", 1},
                                {"υτερ", 1},  {"υτατ", 1},  {"ωτερ", 1}, {"ωτατ", 1}};
/* "[substring] among (...) delete": the longest suffix of a at the end of
 * the word goes; its group, or 0. */
static int gr_cut(Snow *z, const SnowAm *a, size_t n) {
    z->c = z->l;
    int g = snow_slice_among(z, a, n);
    if (g) snow_slice_del(z);
    z->c = z->l;
    return g;
}

/* "[] substring atlimit among": the group of the entry of a that is the
 * whole word, or 0. */
static int gr_is(Snow *z, const SnowAm *a, size_t n) {
    z->c = z->l;
    int g = snow_among_b(z, a, n);
    if (z->c != 0) g = 0;
    z->c = z->l;
    return g;
}

/* "[] substring among": the group of the longest entry of a the word ends
 * with, or 0. */
static int gr_ends(Snow *z, const SnowAm *a, size_t n) {
    z->c = z->l;
    int g = snow_among_b(z, a, n);
    z->c = z->l;
    return g;
}

/* The word ends with (ends_with) or is (is_word) the literal s. */
static int ends_with(Snow *z, const char *s) {
    z->c = z->l;
    int ok = snow_eq_b(z, s);
    z->c = z->l;
    return ok;
}

static int is_word(Snow *z, const char *s) {
    z->c = z->l;
    int ok = snow_eq_b(z, s) && z->c == 0;
    z->c = z->l;
    return ok;
}

/* "[] ... <- s" with the cursor at the end: appends s. */
static void append(Snow *z, const char *s) {
    snow_replace(z, z->l, z->l, s);
    z->c = z->l;
}

/* "['s'] delete": the word loses its ending s. */
static int cut_literal(Snow *z, const char *s) {
    z->c = z->l;
    if (!snow_slice_eq(z, s)) return 0;
    snow_slice_del(z);
    z->c = z->l;
    return 1;
}

static int last_in(const Snow *z, const char *g) {
    return z->l > 0 && snow_in_g(z->p[z->l - 1], g);
}

/* "(A) or [] substring atlimit among (c) (<- to)", which Snowball reads as
 * "(A or [) ] substring atlimit among ...": once A has matched the last k
 * letters and appended to, the exceptions are still looked up before those
 * letters, and when what precedes them is one, they become to as well. */
static void gr_then_is(Snow *z, int k, const SnowAm *c, size_t n, const char *to) {
    int end = z->l;
    append(z, to);
    z->c = end - k;
    if (snow_among_b(z, c, n) && z->c == 0) snow_replace(z, end - k, end, to);
    z->c = z->l;
}

/* "[] substring among": the length of the longest entry of a the word ends
 * with, or 0. */
static int gr_ends_len(Snow *z, const SnowAm *a, size_t n) {
    z->c = z->l;
    int k = snow_among_b(z, a, n) ? z->l - z->c : 0;
    z->c = z->l;
    return k;
}

#define GR_CUT(z, a)      gr_cut((z), (a), sizeof(a) / sizeof((a)[0]))
#define GR_IS(z, a)       gr_is((z), (a), sizeof(a) / sizeof((a)[0]))
#define GR_ENDS(z, a)     gr_ends((z), (a), sizeof(a) / sizeof((a)[0]))
#define GR_ENDS_LEN(z, a) gr_ends_len((z), (a), sizeof(a) / sizeof((a)[0]))

/* tolower: capitals, accents, diaeresis and the final sigma out (iota with
 * diaeresis becomes eta, as the definition has it). */
static void gr_tolower(Snow *z) {
    for (int i = 0; i < z->l; i++) {
        uint32_t c = z->p[i];
        if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) c += 0x20;
        z->p[i] = c;
    }
    snow_map_letters(z, "ϊϋάέήίόύώΐΰ", "ηυαεηιουωηυ");
    snow_map_letters(z, "ΆΈΉΊΌΎΏς", "αεηιουωσ");
}

/* The steps that take a derivational suffix and put part of it back for
 * the exceptions (step_s1 .. step_s10 of the definition). */
static void gr_steps_s(Snow *z, int *test1) {
    int g;
    if (GR_CUT(z, gr_s1_0)) {
        *test1 = 0;
        g = GR_IS(z, gr_s1_1);
        if (g) append(z, g == 1 ? "ι" : "ιζ");
    }
    if (GR_CUT(z, gr_s2_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_s2_1)) append(z, "ων");
    }
    /* (2.2 has no special case for the word "ισα" here) */
    if (GR_CUT(z, gr_s3_0)) {
        *test1 = 0;
        g = GR_IS(z, gr_s3_1);
        if (g) append(z, g == 1 ? "ι" : "ισ");
    }
    if (GR_CUT(z, gr_s4_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_s4_1)) append(z, "ι");
    }
    if (GR_CUT(z, gr_s5_0)) {
        *test1 = 0;
        g = GR_IS(z, gr_s5_1);
        if (g) append(z, g == 1 ? "ι" : "ιστ");
    }
    if (GR_CUT(z, gr_s6_0)) {
        static const char *const to[] = {"",      "αγνωστ", "ατομ",     "γνωστ",  "εθν",  "εκλεκτ",
                                         "σκεπτ", "τοπ",    "αλεξανδρ", "βυζαντ", "θεατρ"};
        *test1 = 0;
        g = GR_IS(z, gr_s6_1);
        if (g) {
            append(z, g == 1 ? "ισμ" : "ι");
        } else {
            z->c = z->l;
            g = SNOW_SLICE_AMONG(z, gr_s6_2);
            if (g) snow_slice_from(z, to[g]);
        }
    }
    if (GR_CUT(z, gr_s7_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_s7_1)) append(z, "αρακ");
    }
    if (GR_CUT(z, gr_s8_0)) {
        *test1 = 0;
        g = GR_IS(z, gr_s8_1);
        if (g)
            append(z, g == 1 ? "ακ" : "ιτσ");
        else if (ends_with(z, "κορ"))
            append(z, "ιτσ");
    }
    if (GR_CUT(z, gr_s9_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_s9_1) || GR_ENDS(z, gr_s9_2)) append(z, "ιδ");
    }
    if (GR_CUT(z, gr_s10_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_s10_1)) append(z, "ισκ");
    }
}

/* step_2a .. step_5m: the inflexions, again with their exceptions. */
static void gr_steps_2_5(Snow *z, int *test1) {
    static const SnowAm ontas[] = {{"οντασ", 1}, {"ωντασ", 1}};
    static const SnowAm omaste[] = {{"ομαστε", 1}, {"ιομαστε", 1}};
    static const SnowAm ithika[] = {{"ηθηκα", 1}, {"ηθηκεσ", 1}, {"ηθηκε", 1}};
    static const SnowAm iste[] = {{"ηστε", 1}};
    static const SnowAm isete[] = {{"ησετε", 1}};
    int g;
    if (GR_CUT(z, gr_2a_0) && !GR_ENDS(z, gr_2a_1)) append(z, "αδ");
    if (GR_CUT(z, gr_2b_0) && GR_ENDS(z, gr_2b_1)) append(z, "εδ");
    if (GR_CUT(z, gr_2c_0) && GR_ENDS(z, gr_2c_1)) append(z, "ουδ");
    if (GR_CUT(z, gr_2d_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_2d_1)) append(z, "ε");
    }
    if (GR_CUT(z, gr_3_0)) {
        *test1 = 0;
        if (last_in(z, GR_V)) append(z, "ι");
    }
    if (GR_CUT(z, gr_4_0)) {
        *test1 = 0;
        if (last_in(z, GR_V))
            gr_then_is(z, 1, gr_4_1, sizeof gr_4_1 / sizeof gr_4_1[0], "ικ");
        else if (GR_IS(z, gr_4_1))
            append(z, "ικ");
    }
    if (is_word(z, "αγαμε")) z->l--;
    if (GR_CUT(z, gr_5a_0)) *test1 = 0;
    if (cut_literal(z, "αμε")) {
        *test1 = 0;
        if (GR_IS(z, gr_5a_1)) append(z, "αμ");
    }
    if (GR_CUT(z, gr_5b_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_5b_1)) append(z, "αγαν");
    }
    if (cut_literal(z, "ανε")) {
        *test1 = 0;
        if (last_in(z, GR_V2))
            gr_then_is(z, 1, gr_5b_2, sizeof gr_5b_2 / sizeof gr_5b_2[0], "αν");
        else if (GR_IS(z, gr_5b_2))
            append(z, "αν");
    }
    if (GR_CUT(z, isete)) *test1 = 0;
    if (cut_literal(z, "ετε")) {
        *test1 = 0;
        int k = last_in(z, GR_V2) ? 1 : GR_ENDS_LEN(z, gr_5c_0);
        if (k)
            gr_then_is(z, k, gr_5c_1, sizeof gr_5c_1 / sizeof gr_5c_1[0], "ετ");
        else if (GR_IS(z, gr_5c_1))
            append(z, "ετ");
    }
    if (GR_CUT(z, ontas)) {
        *test1 = 0;
        if (is_word(z, "αρχ"))
            append(z, "οντ");
        else if (ends_with(z, "κρε"))
            append(z, "ωντ");
    }
    if (GR_CUT(z, omaste)) {
        *test1 = 0;
        if (is_word(z, "ον")) append(z, "ομαστ");
    }
    if (cut_literal(z, "ιεστε")) {
        *test1 = 0;
        if (GR_IS(z, gr_5f_0)) append(z, "ιεστ");
    }
    if (cut_literal(z, "εστε")) {
        *test1 = 0;
        if (GR_IS(z, gr_5f_1)) append(z, "ιεστ");
    }
    if (GR_CUT(z, ithika)) *test1 = 0;
    if (GR_CUT(z, gr_5g_0)) {
        *test1 = 0;
        if (GR_ENDS(z, gr_5g_1) || GR_IS(z, gr_5g_2)) append(z, "ηκ");
    }
    if (GR_CUT(z, gr_5h_0)) {
        *test1 = 0;
        if (GR_ENDS(z, gr_5h_1) || GR_IS(z, gr_5h_2)) append(z, "ουσ");
    }
    if (GR_CUT(z, gr_5j_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_5j_1)) append(z, "ησ");
    }
    if (GR_CUT(z, gr_5i_0)) {
        *test1 = 0;
        if (ends_with(z, "κολλ")) {
            append(z, "αγ");
        } else {
            /* the first group of gr_5i_1 keeps the word as it is */
            g = GR_ENDS(z, gr_5i_1);
            if (g == 2 || (!g && GR_IS(z, gr_5i_2))) append(z, "αγ");
        }
    }
    if (GR_CUT(z, iste)) {
        *test1 = 0;
        if (GR_IS(z, gr_5k_0)) append(z, "ηστ");
    }
    if (GR_CUT(z, gr_5l_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_5l_1)) append(z, "ουν");
    }
    if (GR_CUT(z, gr_5m_0)) {
        *test1 = 0;
        if (GR_IS(z, gr_5m_1)) append(z, "ουμ");
    }
}

static void greek(Snow *z) {
    static const char *const step1_to[] = {"",    "φα",  "σκα", "ολο", "σο",     "τατο",
                                           "κρε", "περ", "τερ", "φω",  "καθεστ", "γεγον"};
    static const SnowAm mata[] = {{"ματα", 1}, {"ματων", 1}, {"ματοσ", 1}};
    int test1 = 1;
    gr_tolower(z);
    if (z->l < 3) return;
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, gr_1_0);
    if (g) {
        snow_slice_from(z, step1_to[g]);
        test1 = 0;
    }
    gr_steps_s(z, &test1);
    gr_steps_2_5(z, &test1);
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, mata)) snow_slice_from(z, "μα");
    if (test1) GR_CUT(z, gr_6_0);
    GR_CUT(z, gr_7_0);
}

/* ---- Hindi ---- */

/* The consonants (and the nukta), before which the suffixes of group 2
 * may go. */
static int hi_consonant(uint32_t c) {
    return (c >= 0x915 && c <= 0x939) || c == 0x93C || (c >= 0x958 && c <= 0x95F);
}

/* One suffix goes: the longest that leaves at least one letter, those of
 * group 2 only after a consonant (that is not the first letter). */
static void hindi(Snow *z) {
    static const SnowAm suffix[] = {
        {"ी", 1},    {"ूंगी", 1},   {"ेंगी", 1},   {"ऊंगी", 1},  {"आऊंगी", 1}, {"ाऊंगी", 1}, {"एंगी", 1},
        {"आएंगी", 1}, {"ाएंगी", 1}, {"ेगी", 1},   {"ोगी", 1},  {"एगी", 1},  {"आएगी", 1}, {"ाएगी", 1},
        {"ओगी", 1},  {"आओगी", 1}, {"ाओगी", 1}, {"अती", 1},  {"आती", 1},  {"ाती", 1},  {"अनी", 1},
        {"आँ", 1},    {"ाँ", 1},    {"इयाँ", 1},  {"आइयाँ", 1}, {"ाइयाँ", 1}, {"ियाँ", 1},  {"ु", 1},
        {"ीं", 1},    {"अतीं", 1},  {"आतीं", 1},  {"ातीं", 1},  {"आं", 1},    {"ुआं", 1},    {"उआं", 1},
        {"ें", 1},     {"ईं", 1},    {"आईं", 1},   {"ाईं", 1},   {"ों", 1},    {"इयों", 1},  {"आइयों", 1},
        {"ाइयों", 1}, {"ियों", 1},  {"एं", 1},    {"ुएं", 1},    {"आएं", 1},   {"उएं", 1},   {"ाएं", 1},
        {"अताएं", 1}, {"अनाएं", 1}, {"ओं", 1},    {"ुओं", 1},    {"आओं", 1},   {"उओं", 1},   {"ाओं", 1},
        {"अताओं", 1}, {"अनाओं", 1}, {"ां", 1},    {"इयां", 1},  {"आइयां", 1}, {"ाइयां", 1}, {"ियां", 1},
        {"ू", 1},     {"अ", 1},    {"आ", 1},    {"इ", 1},    {"े", 1},     {"ेंगे", 1},    {"एंगे", 1},
        {"आएंगे", 1},  {"ाएंगे", 1},  {"ोगे", 1},   {"ओगे", 1},   {"आओगे", 1},  {"ाओगे", 1},  {"अते", 1},
        {"आते", 1},   {"ाते", 1},   {"अने", 1},   {"आने", 1},   {"ाने", 1},   {"ई", 1},    {"आई", 1},
        {"ाई", 1},   {"उ", 1},    {"ऊ", 1},    {"ो", 1},    {"्", 1},     {"ए", 1},    {"आए", 1},
        {"इए", 1},   {"आइए", 1},  {"ाइए", 1},  {"ाए", 1},   {"िए", 1},   {"ओ", 1},    {"आओ", 1},
        {"ाओ", 1},   {"अकर", 1},  {"आकर", 1},  {"ाकर", 1},  {"ा", 1},    {"ूंगा", 1},   {"ऊंगा", 1},
        {"आऊंगा", 1}, {"ाऊंगा", 1}, {"ेगा", 1},   {"एगा", 1},  {"आएगा", 1}, {"ाएगा", 1}, {"अता", 1},
        {"आता", 1},  {"ाता", 1},  {"अना", 1},  {"आना", 1},  {"ाना", 1},  {"आया", 1},  {"ाया", 1},
        {"ि", 1},    {"ती", 2},   {"नी", 2},   {"तीं", 2},   {"ताएं", 2},  {"नाएं", 2},  {"ताओं", 2},
        {"नाओं", 2},  {"ते", 2},    {"ने", 2},    {"कर", 2},   {"ता", 2},   {"ना", 2}};
    int best = -1, best_len = 0;
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        uint32_t t[16];
        int k = snow_lit(suffix[i].s, t), at = z->l - k;
        if (k <= best_len || at < 1 || memcmp(z->p + at, t, (size_t)k * sizeof(uint32_t))) continue;
        if (suffix[i].g == 2 && !(at > 1 && hi_consonant(z->p[at - 1]))) continue;
        best = (int)i, best_len = k;
    }
    if (best >= 0) z->l -= best_len;
}

/* ---- Nepali ---- */

static int ne_category3(Snow *z) {
    static const SnowAm suffix[] = {
        {"थिइस्", 1}, {"हुनेछ", 1},  {"हुन्छ", 1},  {"नेछस्", 1},  {"नेछन्", 1},  {"इएकी", 1}, {"इएका", 1},
        {"इएको", 1}, {"िएकी", 1}, {"िएका", 1}, {"िएको", 1}, {"इछन्", 1},  {"िछन्", 1},  {"इछस्", 1},
        {"िछस्", 1},  {"एछन्", 1},  {"ेछन्", 1},   {"एछस्", 1},  {"ेछस्", 1},   {"छिन्", 1},  {"छेस्", 1},
        {"छ्यौ", 1},  {"थिन्", 1},  {"थियो", 1}, {"थियौ", 1}, {"थिस्", 1},  {"थ्यो", 1},  {"थ्यौ", 1},
        {"दियो", 1}, {"देखि", 1},  {"देखी", 1},  {"लान्", 1},  {"माथि", 1}, {"नेकै", 1},   {"नेका", 1},
        {"नेको", 1},  {"नेछौ", 1},  {"होस्", 1},  {"इन्छ", 1},  {"िन्छ", 1},  {"नेछु", 1},   {"इछौ", 1},
        {"िछौ", 1},  {"इस्", 1},   {"िस्", 1},   {"ियो", 1},  {"इयो", 1},  {"एका", 1},  {"ेका", 1},
        {"एकी", 1},  {"ेकी", 1},   {"एकै", 1},   {"ेकै", 1},    {"एको", 1},  {"ेको", 1},   {"एछु", 1},
        {"ेछु", 1},    {"एछौ", 1},  {"ेछौ", 1},   {"छन्", 1},   {"छस्", 1},   {"थिए", 1},  {"पर्", 1},
        {"भयो", 1},  {"हरु", 1},   {"हरू", 1},   {"िदा", 1},  {"इदा", 1},  {"िदो", 1},  {"इदो", 1},
        {"िदै", 1},   {"इदै", 1},   {"नेछ", 1},   {"इछ", 1},   {"िछ", 1},   {"एछ", 1},   {"ेछ", 1},
        {"छु", 1},    {"छे", 1},    {"छौ", 1},   {"थी", 1},   {"थे", 1},    {"दा", 1},   {"दी", 1},
        {"दै", 1},    {"दो", 1},   {"नु", 1},    {"ने", 1},    {"यो", 1},   {"यौ", 1},   {"छ", 1}};
    z->c = z->l;
    if (!SNOW_SLICE_AMONG(z, suffix)) return 0;
    snow_slice_del(z);
    return 1;
}

/* The candrabindu or anusvara after yau, chau, nau or the, the ai sign
 * after tra, goes. */
static int ne_category2(Snow *z) {
    static const SnowAm sign[] = {{"ँ", 1}, {"ं", 1}, {"ै", 2}};
    static const SnowAm before[] = {{"यौ", 1}, {"छौ", 1}, {"नौ", 1}, {"थे", 1}};
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, sign);
    if (!g || (g == 1 && !SNOW_AMONG(z, before)) || (g == 2 && !snow_eq_b(z, "त्र"))) return 0;
    snow_slice_del(z);
    return 1;
}

static void nepali(Snow *z) {
    static const SnowAm category1[] = {{"मार्फत", 1}, {"द्वारा", 1}, {"सँगै", 1},  {"संग", 1}, {"सँग", 1},
                                       {"लाइ", 1},   {"लाई", 1},   {"पछि", 1}, {"ले", 1},  {"रत", 1},
                                       {"मै", 1},     {"मा", 1},    {"को", 2},  {"का", 2}, {"कि", 2},
                                       {"की", 2},    {"कै", 2}};
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, category1);
    /* the postpositions ko, ka, ki, kai stay after e */
    if (g == 1 || (g == 2 && !letter_is(z, z->c, "एे", 1))) snow_slice_del(z);
    for (;;) {
        z->c = z->l;
        int has_sign = z->l > 0 && snow_in_g(z->p[z->l - 1], "ँंै");
        if (has_sign && ne_category2(z) && ne_category3(z)) continue;
        if (!ne_category3(z)) break;
    }
}

/* ---- Tamil ---- */

/* The vowel signs, the hard consonants, the independent vowels. */
#define TA_VS     "ாிீெேுூை"
#define TA_HARD   "கசடதபற"
#define TA_VOWELS "அஆஇஈஉஊஎஏஐஒஓஔ"

/* The first of the n literals s[] the word ends with (in that order, as
 * Snowball's "or" tries them): its index + 1, the cursor before it, or 0. */
static int ta_first(Snow *z, const char *const *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        z->c = z->l;
        if (snow_eq_b(z, s[i])) return (int)i + 1;
    }
    z->c = z->l;
    return 0;
}

#define TA_FIRST(z, s) ta_first((z), (s), sizeof(s) / sizeof((s)[0]))

/* The letter before the cursor is one of g. */
static int ta_before(const Snow *z, const char *g) {
    return letter_is(z, z->c, g, 1);
}

/* The slice from the cursor to the end becomes to. */
static void ta_end_from(Snow *z, const char *to) {
    z->bra = z->c;
    z->ket = z->l;
    snow_slice_from(z, to);
    z->c = z->l;
}

/* fix_ending: one of the endings that suffix removal leaves is put right;
 * whether one was. */
static int ta_fix_ending(Snow *z, int found_case) {
    static const char *const nt[] = {"ந்த்", "ந்த", "ந்"};
    static const char *const ttp[] = {"ட்ப்", "ட்க்"};
    static const char *const ukk[] = {"ுக்", "ுக்க்"};
    static const char *const vy[] = {"வ்", "வ", "ய"};
    if (z->l <= 3) return 0;
    z->lb = 0;
    if (TA_FIRST(z, nt)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "ய்") && ta_before(z, "ைிீ")) {
        ta_end_from(z, "");
        return 1;
    }
    if (TA_FIRST(z, ttp)) {
        ta_end_from(z, "ள்");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "ன்ற்") || (z->c = z->l, snow_eq_b(z, "ற்க்"))) {
        ta_end_from(z, "ல்");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "ட்ட்")) {
        ta_end_from(z, "டு");
        return 1;
    }
    z->c = z->l;
    if (found_case && snow_eq_b(z, "த்த்") && !ta_before(z, "ை")) {
        ta_end_from(z, "ம்");
        return 1;
    }
    if (TA_FIRST(z, ukk)) {
        ta_end_from(z, "்");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "்") && snow_in_b(z, TA_HARD) && snow_eq_b(z, "்") && snow_in_b(z, TA_HARD)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "்") && snow_in_b(z, TA_HARD)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "்") && snow_in_b(z, "யரலவழளஙஞணநமன") && snow_eq_b(z, "்")) {
        ta_end_from(z, "்");
        return 1;
    }
    if (TA_FIRST(z, vy)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "னு") && !ta_before(z, TA_VS)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "ங்")) {
        ta_end_from(z, ta_before(z, "ை") ? "" : "ம்");
        return 1;
    }
    z->c = z->l;
    if (snow_eq_b(z, "்") && ta_before(z, TA_VS "்")) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    return 0;
}

static void ta_fix_endings(Snow *z, int found_case) {
    while (ta_fix_ending(z, found_case)) {
    }
}

/* fix_va_start: va with a u or o sign at the start becomes that vowel. */
static void ta_fix_va_start(Snow *z) {
    static const Rule va[] = {{"வோ", 0, "ஓ"}, {"வொ", 0, "ஒ"}, {"வு", 0, "உ"}, {"வூ", 0, "ஊ"}};
    z->c = 0;
    rule_step(z, va, sizeof va / sizeof va[0], 0);
}

/* remove_question_prefixes (first = "e") and remove_pronoun_prefixes (first
 * = "a", "i" or "u"): that vowel, a consonant and pulli at the start go. */
static void ta_prefix(Snow *z, const char *first) {
    if (z->l < 3 || !snow_in_g(z->p[0], first) || !snow_in_g(z->p[1], "கசதவநபமயஙஞ") ||
        !snow_in_g(z->p[2], "்"))
        return;
    z->bra = 0, z->ket = 3, z->c = 0;
    snow_slice_del(z);
    ta_fix_va_start(z);
}

static int ta_long(const Snow *z) {
    return z->l > 4;
}

/* remove_common_word_endings. */
static int ta_common_endings(Snow *z) {
    static const char *const to_pulli[] = {"ுடன்",  "ில்லை", "ிடம்",  "ின்றி", "ாகி", "ாகிய",
                                           "ென்று", "ுள்ள",  "ுடைய", "ுடை",  "ெனும்"};
    static const SnowAm gone[] = {{"படு", 1},   {"பட்ட", 1},    {"பட்டு", 1}, {"பட்டது", 1},
                                  {"பட்டண", 1},  {"குரிய", 1},  {"பற்றி", 1}, {"விடு", 1},
                                  {"விட்டு", 1}, {"படிதான", 1}, {"படி", 1},  {"தான", 1},
                                  {"ெல்லாம்", 1}};
    if (!ta_long(z)) return 0;
    if (TA_FIRST(z, to_pulli) || (z->c = z->l, snow_eq_b(z, "ல்ல") && !ta_before(z, TA_VS)) ||
        (z->c = z->l, snow_eq_b(z, "ென"))) {
        ta_end_from(z, "்");
        return 1;
    }
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, gone)) {
        ta_end_from(z, "");
        return 1;
    }
    z->c = z->l;
    return 0;
}

/* remove_vetrumai_urupukal: the case endings; whether one went. */
static int ta_case(Snow *z) {
    static const char *const to_pulli[] = {"ொடு", "ோடு", "ில்", "ிற்"};
    static const char *const to_pulli2[] = {"ின்று", "ிருந்து", "விட"};
    static const char *const to_pulli3[] = {"ால்", "ுடை", "ாமல்"};
    static const char *const gone[] = {"கண்", "முன்", "மேல்", "மேற்", "கீழ்", "பின்"};
    if (!ta_long(z)) return 0;
    z->c = z->l;
    if (snow_eq_b(z, "னை")) {
        ta_end_from(z, "");
        goto found;
    }
    z->c = z->l;
    if (((snow_eq_b(z, "ினை") || (z->c = z->l, snow_eq_b(z, "ை"))) && !ta_before(z, TA_HARD)) ||
        (z->c = z->l,
         snow_eq_b(z, "ை") && ta_before(z, TA_HARD) && z->c - 2 >= 0 && z->p[z->c - 2] == 0x0BCD)) {
        ta_end_from(z, "்");
        goto found;
    }
    if (TA_FIRST(z, to_pulli) || (z->c = z->l, snow_eq_b(z, "ின்") && !ta_before(z, "ம")) ||
        TA_FIRST(z, to_pulli2) || (z->c = z->l, z->l >= 7 && snow_eq_b(z, "ிடம்")) ||
        TA_FIRST(z, to_pulli3) || (z->c = z->l, snow_eq_b(z, "ல்") && !ta_before(z, TA_VS)) ||
        (z->c = z->l, snow_eq_b(z, "ுள்"))) {
        ta_end_from(z, "்");
        goto found;
    }
    if (TA_FIRST(z, gone) || (z->c = z->l, snow_eq_b(z, "து") && !ta_before(z, TA_VS))) {
        ta_end_from(z, "");
        goto found;
    }
    z->c = z->l;
    if (snow_eq_b(z, "ீ")) {
        ta_end_from(z, "ி");
        goto found;
    }
    z->c = z->l;
    return 0;
found:
    z->c = z->l;
    if (snow_eq_b(z, "ின்")) ta_end_from(z, "்");
    z->c = z->l;
    return 1;
}

/* remove_tense_suffix: whether one went. */
static int ta_tense(Snow *z) {
    static const SnowAm first[] = {{"கொண்டிர்", 1}, {"படு", 1}};
    static const char *const gone1[] = {"மார்", "மின்", "னன்", "னான்", "னாள்", "னார்"};
    static const char *const gone2[] = {"னள்", "வள்", "னர்", "வர்", "ன",  "ப",
                                        "க",  "த",  "ய",  "பன்", "பள்", "பர்"};
    static const char *const gone3[] = {"ிற்று", "பம்", "னம்", "தும்", "றும்", "கும்", "னென்", "னை", "வை"};
    static const char *const to_pulli[] = {"ாள்", "ார்",  "ேன்",  "ா",   "ாம்",  "ெம்",
                                           "ேம்", "ோம்",  "கும்", "தும்", "டும்", "றும்",
                                           "ாய்", "னென்", "னிர்", "ீர்",   "ீயர்"};
    static const char *const ku_tu[] = {"கு", "து"};
    static const SnowAm last[] = {{"ாநின்ற", 1}, {"ாநின்ற்", 1}, {"கின்ற", 1},
                                  {"கின்ற்", 1},  {"கிற", 1},   {"கிற்", 1}};
    int found = 0;
    if (!ta_long(z)) return 0;
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, first)) {
        ta_end_from(z, "");
        found = 1;
    } else if (TA_FIRST(z, gone1) ||
               (z->c = z->l, snow_eq_b(z, "வன்") && !ta_before(z, TA_VOWELS)) ||
               TA_FIRST(z, gone2) || (z->c = z->l, snow_eq_b(z, "து") && !ta_before(z, TA_VS)) ||
               TA_FIRST(z, gone3)) {
        ta_end_from(z, "");
        found = 1;
    } else if ((z->c = z->l, snow_eq_b(z, "ான்") && !ta_before(z, "ச")) || TA_FIRST(z, to_pulli)) {
        ta_end_from(z, "்");
        found = 1;
    } else if (TA_FIRST(z, ku_tu) && ta_before(z, "்")) {
        ta_end_from(z, "");
        found = 1;
    }
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, last)) {
        ta_end_from(z, "");
        found = 1;
    }
    return found;
}

static void tamil(Snow *z) {
    static const char *const plural[] = {"ற்கள்", "ட்கள்"};
    static const SnowAm question[] = {{"ோ", 1}, {"ே", 1}, {"ா", 1}};
    static const SnowAm command[] = {{"பி", 1}, {"வி", 1}};
    ta_fix_ending(z, 0);
    if (!ta_long(z)) return;
    ta_prefix(z, "எ");
    ta_prefix(z, "அஇஉ");
    if (ta_long(z)) {
        z->c = z->l;
        if (SNOW_SLICE_AMONG(z, question)) ta_end_from(z, "்");
        ta_fix_endings(z, 0);
    }
    if (ta_long(z)) {
        z->c = z->l;
        if (snow_eq_b(z, "ும்")) {
            ta_end_from(z, "்");
            ta_fix_ending(z, 0);
        }
    }
    if (ta_common_endings(z)) ta_fix_endings(z, 0);
    int found_case = ta_case(z);
    if (found_case) ta_fix_endings(z, 1);
    z->c = z->l;
    int g;
    if (snow_eq_b(z, "ுங்கள்") && !ta_before(z, TA_HARD)) {
        ta_end_from(z, "்");
    } else if ((g = TA_FIRST(z, plural)) != 0) {
        ta_end_from(z, g == 1 ? "ல்" : "ள்");
    } else {
        z->c = z->l;
        if (snow_eq_b(z, "கள்")) ta_end_from(z, "");
    }
    if (ta_long(z)) {
        z->c = z->l;
        if (SNOW_SLICE_AMONG(z, command)) ta_end_from(z, "");
    }
    /* remove_tense_suffixes: again while one goes */
    while (ta_long(z)) {
        int found = ta_tense(z);
        ta_fix_endings(z, found_case);
        if (!found) break;
    }
}

/* ---- Yiddish ---- */

/* R1plus3: R1 widened by the width of "gis". */
#define YI_PLUS3 3

#define YI_VOWEL "אויעױײ"
#define YI_NIKED "ְֱֲֳִֵֶַָֹֻּֿׁׂ"

static int yi_consonant(uint32_t c) {
    return ((c >= 0x5D0 && c <= 0x5EA) || (c >= 0x5F0 && c <= 0x5F2)) && !snow_in_g(c, YI_VOWEL);
}

/* prelude: the ligatures (double vov, vov yud, double yud) unless a point
 * says otherwise, the final letters as the others, no points. */
static void yi_prelude(Snow *z) {
    static const char *const pair[][3] = {{"וו", "ּ", "װ"}, {"וי", "ִ", "ױ"}, {"יי", "ִ", "ײ"}};
    for (int i = 0; i < z->l; i++) {
        size_t k;
        for (k = 0; k < 3; k++) {
            uint32_t t[4];
            snow_lit(pair[k][0], t);
            uint32_t not_after[4];
            snow_lit(pair[k][1], not_after);
            if (i + 1 < z->l && z->p[i] == t[0] && z->p[i + 1] == t[1] &&
                !(i + 2 < z->l && z->p[i + 2] == not_after[0])) {
                z->c = 0;
                snow_replace(z, i, i + 2, pair[k][2]);
                break;
            }
        }
    }
    snow_map_letters(z, "ךםןףץ", "כמנפצ");
    int n = 0;
    for (int i = 0; i < z->l; i++)
        if (!snow_in_g(z->p[i], YI_NIKED)) z->p[n++] = z->p[i];
    z->l = n;
}

/* mark_regions, with the past participle's ge- (and a verbal prefix's -ge-
 * or -tsu-) marked GE / TSU for the suffixes to see. */
static void yi_regions(Snow *z) {
    static const Rule prefix[] = {
        {"אדורכ", 0, NULL},  {"דורכ", 0, NULL},     {"אהינ", 0, NULL},    {"אהער", 0, NULL},
        {"אװעק", 0, NULL},   {"מיט", 0, NULL},      {"אנטקעגנ", 0, NULL}, {"אקעגנ", 0, NULL},
        {"אנידער", 0, NULL}, {"אראפ", 0, NULL},     {"ארױס", 0, NULL},    {"ארױפ", 0, NULL},
        {"ארומ", 0, NULL},   {"ארײנ", 0, NULL},     {"ארונטער", 0, NULL}, {"אריבער", 0, NULL},
        {"נאכ", 0, NULL},    {"פארבײ", 0, NULL},    {"אהײמ", 0, NULL},    {"אפיר", 0, NULL},
        {"פארױס", 0, NULL},  {"פונאנדער", 0, NULL}, {"צוזאמענ", 0, NULL}, {"צונױפ", 0, NULL},
        {"צוריק", 0, NULL},  {"אױס", 0, NULL},      {"אױפ", 0, NULL},     {"אומ", 0, NULL},
        {"אונטער", 0, NULL}, {"איבער", 0, NULL},    {"אײנ", 0, NULL},     {"אנ", 0, NULL},
        {"אפ", 0, NULL},     {"בײ", 0, NULL},       {"פאר", 0, NULL},     {"צו", 0, NULL},
        {"אנט", 0, NULL},    {"בא", 0, NULL},       {"דער", 0, NULL},     {"צע", 0, NULL}};
    static const SnowAm triple[] = {{"שפר", 1}, {"שטר", 1}, {"שטש", 1}, {"דזש", 1}};
    z->p1 = z->l;
    z->c = 0;
    if (!at_f(z, "געלט") && !at_f(z, "געבנ") && at_f(z, "גע")) {
        z->bra = 0, z->ket = 2;
        snow_slice_from(z, "GE");
        z->c = 2;
    }
    int c = z->c;
    int i = rule_find(z, prefix, sizeof prefix / sizeof prefix[0], 0);
    if (i) {
        z->c = z->ket;
        int ok = 0;
        if ((at_f(z, "צוגנ") || at_f(z, "צוקט") || at_f(z, "צוקנ")) && z->l - z->c == 4)
            ok = 1;
        else if (at_f(z, "געבנ"))
            ok = 1;
        else if (at_f(z, "גע")) {
            z->bra = z->c, z->ket = z->c + 2;
            snow_slice_from(z, "GE");
            z->c = z->ket;
            ok = 1;
        } else if (at_f(z, "צו")) {
            z->bra = z->c, z->ket = z->c + 2;
            snow_slice_from(z, "TSU");
            z->c = z->ket;
            ok = 1;
        }
        if (!ok) z->c = c;
    }
    if (z->c + 3 > z->l) return;
    int x = z->c + 3;
    for (size_t k = 0; k < sizeof triple / sizeof triple[0]; k++) {
        if (at_f(z, triple[k].s)) {
            z->c += 3;
            break;
        }
    }
    if (z->c + 3 <= z->l && yi_consonant(z->p[z->c]) && yi_consonant(z->p[z->c + 1]) &&
        yi_consonant(z->p[z->c + 2])) {
        z->p1 = z->c + 3;
        return;
    }
    int v = snow_gopast(z, z->c, YI_VOWEL, 1);
    if (v < 0) return;
    while (v < z->l && snow_in_g(z->p[v], YI_VOWEL)) v++;
    z->p1 = v;
    if (z->p1 < x) z->p1 = x;
}

/* After -ene, -enem, -ener, -ens: the first of the strong participles'
 * stems the word ends with takes its infinitive's vowel. */
static void yi_participle(Snow *z) {
    static const char *const from_to[][2] = {
        {"גאנג", "גײ"},     {"נומ", "נעמ"},   {"מיט", "מײד"},     {"ביט", "בײט"},
        {"ביס", "בײס"},     {"װיז", "װײז"},   {"טריב", "טרײב"},   {"ליט", "לײט"},
        {"קליב", "קלײב"},   {"ריב", "רײב"},   {"ריס", "רײס"},     {"שװיג", "שװײג"},
        {"שמיס", "שמײס"},   {"שניט", "שנײד"}, {"שריב", "שרײב"},   {"בונד", "בינד"},
        {"װוטש", "װיטש"},   {"זונג", "זינג"}, {"טרונק", "טרינק"}, {"צװונג", "צװינג"},
        {"שלונג", "שלינג"}, {"בױג", "בײג"},   {"הױב", "הײב"},     {"פארלױר", "פארליר"},
        {"שטאנ", "שטײ"},    {"שװױר", "שװער"}};
    for (size_t i = 0; i < sizeof from_to / sizeof from_to[0]; i++) {
        z->c = z->l;
        if (snow_slice_eq(z, from_to[i][0])) {
            snow_slice_from(z, from_to[i][1]);
            return;
        }
    }
}

/* standard_suffix. */
static void yi_suffix(Snow *z) {
    static const SnowAm suffix[] = {
        {"ערס", 1},     {"ענ", 1},      {"נס", 1},      {"ענערס", 1},  {"עס", 1},
        {"ע", 1},       {"נ", 1},       {"ס", 1},       {"עמ", 1},     {"ער", 1},
        {"יע", 2},      {"יעס", 3},     {"ענע", 4},     {"ענעמ", 4},   {"ענער", 4},
        {"ענס", 4},     {"ט", 1},       {"טנ", 5},      {"טע", 5},     {"טער", 5},
        {"טס", 5},      {"טנס", 5},     {"טענע", 5},    {"טענעמ", 5},  {"טענער", 5},
        {"עט", 1},      {"עטנ", 1},     {"עטס", 1},     {"עטע", 1},    {"עטער", 1},
        {"גײנ", 20},    {"גאנגענ", 21}, {"נומענ", 22},  {"שריבנ", 23}, {"GEמיטנ", 24},
        {"GEביטנ", 25}, {"GEביסנ", 26}, {"װיזנ", 27},   {"טריבנ", 28}, {"GEליטנ", 29},
        {"קליבנ", 30},  {"ריבנ", 31},   {"GEריסנ", 32}, {"שװיגנ", 33}, {"שמיסנ", 34},
        {"שניטנ", 35},  {"בונדנ", 36},  {"װוטשנ", 37},  {"זונגנ", 38}, {"טרונקנ", 39},
        {"צװונגנ", 40}, {"שלונגנ", 41}, {"בױגנ", 42},   {"הױבנ", 43},  {"פארלױרנ", 44},
        {"שטאנענ", 45}, {"שװױרנ", 46},  {"בראכט", 47},  {"ונג", 1},    {"הײט", 1},
        {"קײט", 1},     {"יקײט", 1},    {"שאפט", 1},    {"יזמ", 1},    {"יזמענ", 1},
        {"ימ", 1},      {"ות", 6},      {"עלעכ", 1},    {"עלע", 1},    {"לעכ", 1},
        {"עלעס", 1},    {"עלענ", 1},    {"יסט", 7},     {"יסטנ", 1},   {"סטו", 1},
        {"סטער", 1},    {"סטע", 1},     {"סטנ", 1},     {"סט", 1}};
    /* groups 20..: the irregular past participles' infinitive stems */
    static const char *const to[] = {"גײ",    "גײ",   "נעמ",  "שרײב",   "מײד",  "בײט",   "בײס",
                                     "װײז",   "טרײב", "לײט",  "קלײב",   "רײב",  "רײס",   "שװײג",
                                     "שמײס",  "שנײד", "בינד", "װיטש",   "זינג", "טרינק", "צװינג",
                                     "שלינג", "בײג",  "הײב",  "פארליר", "שטײ",  "שװער",  "ברענג"};
    static const SnowAm noun[] = {{"ונג", 1},  {"הײט", 1},  {"קײט", 1},
                                  {"יקײט", 1}, {"שאפט", 1}, {"ל", 2}};
    static const SnowAm adjective[] = {{"יג", 1},   {"יק", 1},   {"יש", 1},
                                       {"ניק", 1},  {"דיק", 1},  {"בליק", 2},
                                       {"גליק", 2}, {"נדיק", 1}, {"ענדיק", 1}};
    z->lb = 0;
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, suffix);
    switch (g) {
    case 0:
    case 2:
        break;
    case 1:
        if (snow_r1(z)) snow_slice_del(z);
        break;
    case 3:
        if (snow_r1(z)) snow_slice_from(z, "יע");
        break;
    case 4:
        if (snow_r1(z)) {
            snow_slice_del(z);
            yi_participle(z);
        }
        break;
    case 5:
        /* -t- endings: the t stays when it is before R1; -(ge)brakht */
        if (snow_r1(z))
            snow_slice_del(z);
        else
            snow_slice_from(z, "ט");
        z->ket = z->c;
        if (snow_eq_b(z, "בראכ")) {
            snow_eq_b(z, "גע");
            z->bra = z->c;
            snow_slice_from(z, "ברענג");
        }
        break;
    case 6:
        if (snow_r1(z)) snow_slice_from(z, "ה");
        break;
    case 7: {
        /* -ist, but -gist and -shist keep their is */
        int c = z->c;
        if (snow_eq_b(z, "ג") || snow_eq_b(z, "ש")) {
            if (z->p1 <= z->c + YI_PLUS3) snow_slice_from(z, "יס");
        } else {
            z->c = c;
            if (snow_r1(z)) snow_slice_del(z);
        }
        break;
    }
    default:
        snow_slice_from(z, to[g - 20]);
    }
    z->c = z->l;
    g = SNOW_SLICE_AMONG(z, noun);
    /* the diminutive -l only after a consonant */
    if (g && snow_r1(z) && (g == 1 || (z->c > 0 && yi_consonant(z->p[z->c - 1]))))
        snow_slice_del(z);
    z->c = z->l;
    g = SNOW_SLICE_AMONG(z, adjective);
    if (g == 1 && snow_r1(z)) snow_slice_del(z);
    /* the GE and TSU marks go */
    for (z->c = z->l; z->c > 0;) {
        z->ket = z->c;
        if (snow_eq_b(z, "GE") || snow_eq_b(z, "TSU")) {
            z->bra = z->c;
            snow_slice_del(z);
        } else {
            z->c--;
        }
    }
}

static void yiddish(Snow *z) {
    yi_prelude(z);
    yi_regions(z);
    yi_suffix(z);
}

/* ---- dispatch ---- */

FTSTEM_DEFINE(turkish)
FTSTEM_DEFINE(arabic)
FTSTEM_DEFINE(indonesian)
FTSTEM_DEFINE(catalan)
FTSTEM_DEFINE(irish)
FTSTEM_DEFINE(basque)
FTSTEM_DEFINE(lithuanian)
FTSTEM_DEFINE(greek)
FTSTEM_DEFINE(hindi)
FTSTEM_DEFINE(nepali)
FTSTEM_DEFINE(tamil)
FTSTEM_DEFINE(yiddish)

FtStemFn ftstem__find_more(const char *language) {
    static const FtStemEntry t[] = {
        {"turkish", stem_turkish},       {"arabic", stem_arabic}, {"indonesian", stem_indonesian},
        {"catalan", stem_catalan},       {"irish", stem_irish},   {"basque", stem_basque},
        {"lithuanian", stem_lithuanian}, {"greek", stem_greek},   {"hindi", stem_hindi},
        {"nepali", stem_nepali},         {"tamil", stem_tamil},   {"yiddish", stem_yiddish},
    };
    return ftstem__lookup(t, sizeof t / sizeof t[0], language);
}
