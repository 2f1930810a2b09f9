/*
 * ftstem.c - Snowball stemmers for French, German, Spanish, Italian,
 * Portuguese, Dutch, Russian, Romanian, Finnish, Hungarian, Swedish,
 * Norwegian and Danish.
 *
 * Design. RediSearch stems with Snowball's libstemmer; these stemmers follow
 * the algorithm definitions published on snowballstem.org as Snowball 2.2
 * runs them (tests/unit/stemdata/stem_<language>.txt holds word/stem pairs from
 * that release, the unit tests' oracle). Each language is written as calls
 * to the small Snowball machine of snow.h, step by step in the order of its
 * definition. More languages are in ftstem_more.c.
 */
#include "types/ftstem.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "types/ftstem_int.h"
#include "types/snow.h"

static void set(Snow *z, int i, uint32_t c) {
    z->p[i] = c;
}

/* Replaces every occurrence of code point from (a single letter) with the
 * literal to, left to right. */
static void map_all(Snow *z, uint32_t from, const char *to) {
    for (int i = 0; i < z->l; i++) {
        if (z->p[i] != from) continue;
        uint32_t t[4];
        int n = snow_lit(to, t);
        z->c = 0;
        snow_replace(z, i, i + 1, to);
        i += n - 1;
    }
}

/* ---- French ---- */

#define FR_V "aeiouyâàëéêèïîôûù"

static int fr_rv(const Snow *z) {
    return z->pv <= z->c;
}

static void fr_prelude(Snow *z) {
    for (int i = 0; i < z->l;) {
        uint32_t *p = z->p;
        int n = z->l;
        int v0 = snow_in_g(p[i], FR_V);
        if (v0 && i + 1 < n && p[i + 1] == 'u' && i + 2 < n && snow_in_g(p[i + 2], FR_V)) {
            set(z, i + 1, 'U');
        } else if (v0 && i + 1 < n && p[i + 1] == 'i' && i + 2 < n && snow_in_g(p[i + 2], FR_V)) {
            set(z, i + 1, 'I');
        } else if (v0 && i + 1 < n && p[i + 1] == 'y') {
            set(z, i + 1, 'Y');
        } else if (p[i] == 0xEB) { /* ë */
            snow_replace(z, i, i + 1, "He");
        } else if (p[i] == 0xEF) { /* ï */
            snow_replace(z, i, i + 1, "Hi");
        } else if (p[i] == 'y' && i + 1 < n && snow_in_g(p[i + 1], FR_V)) {
            set(z, i, 'Y');
        } else if (p[i] == 'q' && i + 1 < n && p[i + 1] == 'u') {
            set(z, i + 1, 'U');
        } else {
            i++;
        }
    }
}

static void fr_regions(Snow *z) {
    z->pv = z->l;
    uint32_t *p = z->p;
    if (z->l >= 3 && snow_in_g(p[0], FR_V) && snow_in_g(p[1], FR_V)) {
        z->pv = 3;
    } else if (z->l >= 3 && (!memcmp(p, (uint32_t[]){'p', 'a', 'r'}, 3 * sizeof(uint32_t)) ||
                             !memcmp(p, (uint32_t[]){'c', 'o', 'l'}, 3 * sizeof(uint32_t)) ||
                             !memcmp(p, (uint32_t[]){'t', 'a', 'p'}, 3 * sizeof(uint32_t)))) {
        z->pv = 3;
    } else if (z->l >= 1) {
        int i = snow_gopast(z, 1, FR_V, 1);
        if (i >= 0) z->pv = i;
    }
    snow_mark_r1r2(z, FR_V);
}

static int fr_standard_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"ance", 1},    {"iqUe", 1},   {"isme", 1},      {"able", 1},       {"iste", 1},
        {"eux", 1},     {"ances", 1},  {"iqUes", 1},     {"ismes", 1},      {"ables", 1},
        {"istes", 1},   {"atrice", 2}, {"ateur", 2},     {"ation", 2},      {"atrices", 2},
        {"ateurs", 2},  {"ations", 2}, {"logie", 3},     {"logies", 3},     {"usion", 4},
        {"ution", 4},   {"usions", 4}, {"utions", 4},    {"ence", 5},       {"ences", 5},
        {"ement", 6},   {"ements", 6}, {"ité", 7},       {"ités", 7},       {"if", 8},
        {"ive", 8},     {"ifs", 8},    {"ives", 8},      {"eaux", 9},       {"aux", 10},
        {"euse", 11},   {"euses", 11}, {"issement", 12}, {"issements", 12}, {"amment", 13},
        {"emment", 14}, {"ment", 15},  {"ments", 15},
    };
    switch (SNOW_SLICE_AMONG(z, a)) {
    case 0:
        return 0;
    case 1:
        if (!snow_r2(z)) return 0;
        snow_slice_del(z);
        break;
    case 2:
        if (!snow_r2(z)) return 0;
        snow_slice_del(z);
        if (snow_slice_eq(z, "ic")) {
            if (snow_r2(z))
                snow_slice_del(z);
            else
                snow_slice_from(z, "iqU");
        }
        break;
    case 3:
        if (!snow_r2(z)) return 0;
        snow_slice_from(z, "log");
        break;
    case 4:
        if (!snow_r2(z)) return 0;
        snow_slice_from(z, "u");
        break;
    case 5:
        if (!snow_r2(z)) return 0;
        snow_slice_from(z, "ent");
        break;
    case 6: {
        if (!fr_rv(z)) return 0;
        snow_slice_del(z);
        static const SnowAm b[] = {{"iv", 1},  {"eus", 2}, {"abl", 3},
                                   {"iqU", 3}, {"ièr", 4}, {"Ièr", 4}};
        int m = z->l - z->c;
        switch (SNOW_SLICE_AMONG(z, b)) {
        case 1:
            if (snow_r2(z)) {
                snow_slice_del(z);
                if (snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
            }
            break;
        case 2:
            if (snow_r2(z))
                snow_slice_del(z);
            else if (snow_r1(z))
                snow_slice_from(z, "eux");
            break;
        case 3:
            if (snow_r2(z)) snow_slice_del(z);
            break;
        case 4:
            if (fr_rv(z)) snow_slice_from(z, "i");
            break;
        }
        z->c = z->l - m;
        break;
    }
    case 7: {
        if (!snow_r2(z)) return 0;
        snow_slice_del(z);
        static const SnowAm b[] = {{"abil", 1}, {"ic", 2}, {"iv", 3}};
        switch (SNOW_SLICE_AMONG(z, b)) {
        case 1:
            if (snow_r2(z))
                snow_slice_del(z);
            else
                snow_slice_from(z, "abl");
            break;
        case 2:
            if (snow_r2(z))
                snow_slice_del(z);
            else
                snow_slice_from(z, "iqU");
            break;
        case 3:
            if (snow_r2(z)) snow_slice_del(z);
            break;
        }
        break;
    }
    case 8:
        if (!snow_r2(z)) return 0;
        snow_slice_del(z);
        if (snow_slice_eq(z, "at") && snow_r2(z)) {
            snow_slice_del(z);
            if (snow_slice_eq(z, "ic")) {
                if (snow_r2(z))
                    snow_slice_del(z);
                else
                    snow_slice_from(z, "iqU");
            }
        }
        break;
    case 9:
        snow_slice_from(z, "eau");
        break;
    case 10:
        if (!snow_r1(z)) return 0;
        snow_slice_from(z, "al");
        break;
    case 11:
        if (snow_r2(z))
            snow_slice_del(z);
        else if (snow_r1(z))
            snow_slice_from(z, "eux");
        else
            return 0;
        break;
    case 12:
        if (!snow_r1(z) || !snow_out_b(z, FR_V)) return 0;
        snow_slice_del(z);
        break;
    case 13:
        /* replaced, then fails: verb_suffix goes on with the new word */
        if (fr_rv(z)) snow_slice_from(z, "ant");
        return 0;
    case 14:
        if (fr_rv(z)) snow_slice_from(z, "ent");
        return 0;
    case 15: {
        int c = z->c;
        if (snow_in_b(z, FR_V) && fr_rv(z)) {
            z->c = c;
            snow_slice_del(z);
        }
        return 0;
    }
    }
    return 1;
}

static int fr_i_verb(Snow *z) {
    static const SnowAm a[] = {
        {"îmes", 1},     {"ît", 1},      {"îtes", 1},    {"i", 1},      {"ie", 1},
        {"ies", 1},      {"ir", 1},      {"ira", 1},     {"irai", 1},   {"iraIent", 1},
        {"irais", 1},    {"irait", 1},   {"iras", 1},    {"irent", 1},  {"irez", 1},
        {"iriez", 1},    {"irions", 1},  {"irons", 1},   {"iront", 1},  {"is", 1},
        {"issaIent", 1}, {"issais", 1},  {"issait", 1},  {"issant", 1}, {"issante", 1},
        {"issantes", 1}, {"issants", 1}, {"isse", 1},    {"issent", 1}, {"isses", 1},
        {"issez", 1},    {"issiez", 1},  {"issions", 1}, {"issons", 1}, {"it", 1},
    };
    if (!SNOW_SLICE_AMONG(z, a)) return 0;
    int c = z->c;
    if (snow_eq_b(z, "H")) return 0;
    z->c = c;
    if (!snow_out_b(z, FR_V)) return 0;
    snow_slice_del(z);
    return 1;
}

static int fr_verb(Snow *z) {
    static const SnowAm a[] = {
        {"ions", 1},   {"é", 2},       {"ée", 2},    {"ées", 2},     {"és", 2},     {"èrent", 2},
        {"er", 2},     {"era", 2},     {"erai", 2},  {"eraIent", 2}, {"erais", 2},  {"erait", 2},
        {"eras", 2},   {"erez", 2},    {"eriez", 2}, {"erions", 2},  {"erons", 2},  {"eront", 2},
        {"ez", 2},     {"iez", 2},     {"âmes", 3},  {"ât", 3},      {"âtes", 3},   {"a", 3},
        {"ai", 3},     {"aIent", 3},   {"ais", 3},   {"ait", 3},     {"ant", 3},    {"ante", 3},
        {"antes", 3},  {"ants", 3},    {"as", 3},    {"asse", 3},    {"assent", 3}, {"asses", 3},
        {"assiez", 3}, {"assions", 3},
    };
    switch (SNOW_SLICE_AMONG(z, a)) {
    case 0:
        return 0;
    case 1:
        if (!snow_r2(z)) return 0;
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_del(z);
        break;
    case 3: {
        int c = z->c;
        if (snow_eq_b(z, "e"))
            z->bra = z->c;
        else
            z->c = c;
        snow_slice_del(z);
        break;
    }
    }
    return 1;
}

static int fr_residual_tail(Snow *z) {
    static const SnowAm a[] = {{"ion", 1}, {"ier", 2},  {"ière", 2},
                               {"Ier", 2}, {"Ière", 2}, {"e", 3}};
    switch (SNOW_SLICE_AMONG(z, a)) {
    case 0:
        return 0;
    case 1:
        if (!snow_r2(z)) return 0;
        if (!snow_eq_b(z, "s") && !snow_eq_b(z, "t")) return 0;
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_from(z, "i");
        break;
    case 3:
        snow_slice_del(z);
        break;
    }
    return 1;
}

static int fr_residual(Snow *z) {
    if (snow_slice_eq(z, "s")) {
        int c = z->c;
        if (snow_eq_b(z, "Hi") || (z->c = c, snow_out_b(z, "aiouès"))) {
            z->c = c;
            snow_slice_del(z);
        } else {
            z->c = z->l;
        }
    } else {
        z->c = z->l;
    }
    return snow_with_limit(z, z->pv, fr_residual_tail);
}

static void french(Snow *z) {
    fr_prelude(z);
    fr_regions(z);
    z->lb = 0;
    z->c = z->l;
    int ok = fr_standard_suffix(z);
    if (!ok) z->c = z->l, ok = snow_with_limit(z, z->pv, fr_i_verb);
    if (!ok) z->c = z->l, ok = snow_with_limit(z, z->pv, fr_verb);
    z->c = z->l;
    if (ok) {
        if (snow_slice_eq(z, "Y")) {
            snow_slice_from(z, "i");
        } else if ((z->c = z->l, snow_slice_eq(z, "ç"))) {
            snow_slice_from(z, "c");
        }
    } else {
        fr_residual(z);
    }
    /* un_double */
    z->c = z->l;
    static const SnowAm dbl[] = {{"enn", 1}, {"onn", 1}, {"ett", 1}, {"ell", 1}, {"eill", 1}};
    if (SNOW_AMONG(z, dbl)) z->l--;
    /* un_accent */
    z->c = z->l;
    int k = 0;
    while (snow_out_b(z, FR_V)) k++;
    if (k > 0) {
        z->ket = z->c;
        if (snow_eq_b(z, "é") || snow_eq_b(z, "è")) {
            z->bra = z->c;
            snow_slice_from(z, "e");
        }
    }
    /* postlude */
    for (int i = 0; i < z->l; i++) {
        uint32_t c = z->p[i];
        if (c == 'I') {
            z->p[i] = 'i';
        } else if (c == 'U') {
            z->p[i] = 'u';
        } else if (c == 'Y') {
            z->p[i] = 'y';
        } else if (c == 'H') {
            if (i + 1 < z->l && z->p[i + 1] == 'e')
                snow_replace(z, i, i + 2, "ë");
            else if (i + 1 < z->l && z->p[i + 1] == 'i')
                snow_replace(z, i, i + 2, "ï");
            else
                snow_replace(z, i, i + 1, ""), i--;
        }
    }
}

/* ---- German ---- */

#define DE_V "aeiouyäöü"

static void german(Snow *z) {
    map_all(z, 0xDF, "ss"); /* ß */
    for (int i = 0; i + 2 < z->l; i++) {
        if (!snow_in_g(z->p[i], DE_V) || !snow_in_g(z->p[i + 2], DE_V)) continue;
        if (z->p[i + 1] == 'u') z->p[i + 1] = 'U';
        if (z->p[i + 1] == 'y') z->p[i + 1] = 'Y';
    }
    snow_mark_r1r2(z, DE_V);
    if (z->l < 3) {
        z->p1 = z->p2 = z->l;
    } else if (z->p1 < 3) {
        z->p1 = 3;
    }
    z->lb = 0;
    z->c = z->l;
    static const SnowAm s1[] = {{"em", 1}, {"ern", 1}, {"er", 1}, {"e", 2},
                                {"en", 2}, {"es", 2},  {"s", 3}};
    int g = SNOW_SLICE_AMONG(z, s1);
    if (g && snow_r1(z)) {
        if (g == 1) {
            snow_slice_del(z);
        } else if (g == 2) {
            snow_slice_del(z);
            if (snow_slice_eq(z, "s") && snow_eq_b(z, "nis")) snow_slice_del(z);
        } else if (snow_in_b(z, "bdfghklmnrt")) {
            snow_slice_del(z);
        }
    }
    z->c = z->l;
    static const SnowAm s2[] = {{"en", 1}, {"er", 1}, {"est", 1}, {"st", 2}};
    g = SNOW_SLICE_AMONG(z, s2);
    if (g && snow_r1(z)) {
        if (g == 1)
            snow_slice_del(z);
        else if (snow_in_b(z, "bdfghklmnt") && z->c - 3 >= z->lb)
            snow_slice_del(z);
    }
    z->c = z->l;
    static const SnowAm s3[] = {{"end", 1},  {"ung", 1},  {"ig", 2},   {"ik", 2},
                                {"isch", 2}, {"lich", 3}, {"heit", 3}, {"keit", 4}};
    g = SNOW_SLICE_AMONG(z, s3);
    if (g && snow_r2(z)) {
        int c;
        switch (g) {
        case 1:
            snow_slice_del(z);
            if (snow_slice_eq(z, "ig")) {
                c = z->c;
                if (!snow_eq_b(z, "e") && (z->c = c, snow_r2(z))) snow_slice_del(z);
            }
            break;
        case 2:
            c = z->c;
            if (!snow_eq_b(z, "e")) z->c = c, snow_slice_del(z);
            break;
        case 3:
            snow_slice_del(z);
            if ((snow_slice_eq(z, "er") || (z->c = z->l, snow_slice_eq(z, "en"))) && snow_r1(z))
                snow_slice_del(z);
            break;
        case 4: {
            snow_slice_del(z);
            static const SnowAm k[] = {{"lich", 1}, {"ig", 1}};
            if (SNOW_SLICE_AMONG(z, k) && snow_r2(z)) snow_slice_del(z);
            break;
        }
        }
    }
    for (int i = 0; i < z->l; i++) {
        uint32_t c = z->p[i];
        if (c == 'Y') z->p[i] = 'y';
        if (c == 'U' || c == 0xFC) z->p[i] = 'u';
        if (c == 0xE4) z->p[i] = 'a';
        if (c == 0xF6) z->p[i] = 'o';
    }
}

/* ---- Spanish ---- */

#define ES_V "aeiouáéíóúü"

static int rv(const Snow *z) {
    return z->pv <= z->c;
}

static void es_attached_pronoun(Snow *z) {
    static const SnowAm a[] = {{"me", 1},    {"se", 1},  {"sela", 1}, {"selo", 1}, {"selas", 1},
                               {"selos", 1}, {"la", 1},  {"le", 1},   {"lo", 1},   {"las", 1},
                               {"les", 1},   {"los", 1}, {"nos", 1}};
    if (!SNOW_SLICE_AMONG(z, a)) return;
    static const SnowAm b[] = {{"iéndo", 1}, {"ándo", 2}, {"ár", 3},    {"ér", 4},
                               {"ír", 5},    {"ando", 6}, {"iendo", 6}, {"ar", 6},
                               {"er", 6},    {"ir", 6},   {"yendo", 7}};
    int g = SNOW_AMONG(z, b);
    if (!g || !rv(z)) return;
    static const char *const to[] = {"", "iendo", "ando", "ar", "er", "ir"};
    if (g <= 5) {
        z->bra = z->c;
        snow_slice_from(z, to[g]);
    } else if (g == 6 || snow_eq_b(z, "u")) {
        snow_slice_del(z);
    }
}

static int es_standard_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"anza", 1},    {"anzas", 1},    {"ico", 1},     {"ica", 1},     {"icos", 1},
        {"icas", 1},    {"ismo", 1},     {"ismos", 1},   {"able", 1},    {"ables", 1},
        {"ible", 1},    {"ibles", 1},    {"ista", 1},    {"istas", 1},   {"oso", 1},
        {"osa", 1},     {"osos", 1},     {"osas", 1},    {"amiento", 1}, {"amientos", 1},
        {"imiento", 1}, {"imientos", 1}, {"adora", 2},   {"ador", 2},    {"ación", 2},
        {"adoras", 2},  {"adores", 2},   {"aciones", 2}, {"ante", 2},    {"antes", 2},
        {"ancia", 2},   {"ancias", 2},   {"logía", 3},   {"logías", 3},  {"ución", 4},
        {"uciones", 4}, {"encia", 5},    {"encias", 5},  {"amente", 6},  {"mente", 7},
        {"idad", 8},    {"idades", 8},   {"iva", 9},     {"ivo", 9},     {"ivas", 9},
        {"ivos", 9},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    if (g == 6 ? !snow_r1(z) : !snow_r2(z)) return 0;
    switch (g) {
    case 1:
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_del(z);
        if (snow_slice_eq(z, "ic") && snow_r2(z)) snow_slice_del(z);
        break;
    case 3:
        snow_slice_from(z, "log");
        break;
    case 4:
        snow_slice_from(z, "u");
        break;
    case 5:
        snow_slice_from(z, "ente");
        break;
    case 6: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"iv", 1}, {"os", 2}, {"ic", 2}, {"ad", 2}};
        int h = SNOW_SLICE_AMONG(z, b);
        if (h && snow_r2(z)) {
            snow_slice_del(z);
            if (h == 1 && snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
        }
        break;
    }
    case 7: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"ante", 1}, {"able", 1}, {"ible", 1}};
        if (SNOW_SLICE_AMONG(z, b) && snow_r2(z)) snow_slice_del(z);
        break;
    }
    case 8: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"abil", 1}, {"ic", 1}, {"iv", 1}};
        if (SNOW_SLICE_AMONG(z, b) && snow_r2(z)) snow_slice_del(z);
        break;
    }
    case 9:
        snow_slice_del(z);
        if (snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
        break;
    }
    return 1;
}

/* "setlimit tomark pV for ([substring])": the longest suffix of a that
 * starts in RV; the action then runs without the limit. */
static int slice_among_rv(Snow *z, const SnowAm *a, size_t n) {
    if (z->c < z->pv) return 0;
    int lb = z->lb;
    z->lb = z->pv;
    int g = snow_slice_among(z, a, n);
    z->lb = lb;
    return g;
}

static int es_y_verb_suffix(Snow *z) {
    static const SnowAm a[] = {{"ya", 1},    {"ye", 1},    {"yan", 1},  {"yen", 1},
                               {"yeron", 1}, {"yendo", 1}, {"yo", 1},   {"yó", 1},
                               {"yas", 1},   {"yes", 1},   {"yais", 1}, {"yamos", 1}};
    if (!slice_among_rv(z, a, sizeof a / sizeof a[0]) || !snow_eq_b(z, "u")) return 0;
    snow_slice_del(z);
    return 1;
}

static int es_verb_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"en", 1},     {"es", 1},     {"éis", 1},    {"emos", 1},    {"arían", 2},   {"arías", 2},
        {"arán", 2},   {"arás", 2},   {"aríais", 2}, {"aría", 2},    {"aréis", 2},   {"aríamos", 2},
        {"aremos", 2}, {"ará", 2},    {"aré", 2},    {"erían", 2},   {"erías", 2},   {"erán", 2},
        {"erás", 2},   {"eríais", 2}, {"ería", 2},   {"eréis", 2},   {"eríamos", 2}, {"eremos", 2},
        {"erá", 2},    {"eré", 2},    {"irían", 2},  {"irías", 2},   {"irán", 2},    {"irás", 2},
        {"iríais", 2}, {"iría", 2},   {"iréis", 2},  {"iríamos", 2}, {"iremos", 2},  {"irá", 2},
        {"iré", 2},    {"aba", 2},    {"ada", 2},    {"ida", 2},     {"ía", 2},      {"ara", 2},
        {"iera", 2},   {"ad", 2},     {"ed", 2},     {"id", 2},      {"ase", 2},     {"iese", 2},
        {"aste", 2},   {"iste", 2},   {"an", 2},     {"aban", 2},    {"ían", 2},     {"aran", 2},
        {"ieran", 2},  {"asen", 2},   {"iesen", 2},  {"aron", 2},    {"ieron", 2},   {"ado", 2},
        {"ido", 2},    {"ando", 2},   {"iendo", 2},  {"ió", 2},      {"ar", 2},      {"er", 2},
        {"ir", 2},     {"as", 2},     {"abas", 2},   {"adas", 2},    {"idas", 2},    {"ías", 2},
        {"aras", 2},   {"ieras", 2},  {"ases", 2},   {"ieses", 2},   {"ís", 2},      {"áis", 2},
        {"abais", 2},  {"íais", 2},   {"arais", 2},  {"ierais", 2},  {"aseis", 2},   {"ieseis", 2},
        {"asteis", 2}, {"isteis", 2}, {"ados", 2},   {"idos", 2},    {"amos", 2},    {"ábamos", 2},
        {"íamos", 2},  {"imos", 2},   {"áramos", 2}, {"iéramos", 2}, {"iésemos", 2}, {"ásemos", 2},
    };
    int g = slice_among_rv(z, a, sizeof a / sizeof a[0]);
    if (!g) return 0;
    if (g == 1) {
        int c = z->c;
        if (snow_eq_b(z, "u") && snow_eq_b(z, "g"))
            z->c = c - 1;
        else
            z->c = c;
        z->bra = z->c;
    }
    snow_slice_del(z);
    return 1;
}

static void es_residual_suffix(Snow *z) {
    static const SnowAm a[] = {{"os", 1}, {"a", 1}, {"o", 1}, {"á", 1},
                               {"í", 1},  {"ó", 1}, {"e", 2}, {"é", 2}};
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g || !rv(z)) return;
    snow_slice_del(z);
    if (g == 2 && snow_slice_eq(z, "u")) {
        int c = z->c;
        if (snow_eq_b(z, "g") && (z->c = c, rv(z))) snow_slice_del(z);
    }
}

static void spanish(Snow *z) {
    snow_mark_rv(z, ES_V);
    snow_mark_r1r2(z, ES_V);
    z->c = z->l;
    es_attached_pronoun(z);
    z->c = z->l;
    if (!es_standard_suffix(z) && (z->c = z->l, !es_y_verb_suffix(z))) {
        z->c = z->l;
        es_verb_suffix(z);
    }
    z->c = z->l;
    es_residual_suffix(z);
    snow_map_letters(z, "áéíóú", "aeiou");
}

/* ---- Italian ---- */

#define IT_V "aeiouàèìòù"

static void it_attached_pronoun(Snow *z) {
    static const SnowAm a[] = {
        {"ci", 1},     {"gli", 1},    {"la", 1},     {"le", 1},     {"li", 1},     {"lo", 1},
        {"mi", 1},     {"ne", 1},     {"si", 1},     {"ti", 1},     {"vi", 1},     {"sene", 1},
        {"gliela", 1}, {"gliele", 1}, {"glieli", 1}, {"glielo", 1}, {"gliene", 1}, {"mela", 1},
        {"mele", 1},   {"meli", 1},   {"melo", 1},   {"mene", 1},   {"tela", 1},   {"tele", 1},
        {"teli", 1},   {"telo", 1},   {"tene", 1},   {"cela", 1},   {"cele", 1},   {"celi", 1},
        {"celo", 1},   {"cene", 1},   {"vela", 1},   {"vele", 1},   {"veli", 1},   {"velo", 1},
        {"vene", 1},
    };
    if (!SNOW_SLICE_AMONG(z, a)) return;
    static const SnowAm b[] = {{"ando", 1}, {"endo", 1}, {"ar", 2}, {"er", 2}, {"ir", 2}};
    int g = SNOW_AMONG(z, b);
    if (!g || !rv(z)) return;
    if (g == 1)
        snow_slice_del(z);
    else
        snow_slice_from(z, "e");
}

static int it_standard_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"anza", 1},   {"anze", 1},   {"ico", 1},    {"ici", 1},    {"ica", 1},   {"ice", 1},
        {"iche", 1},   {"ichi", 1},   {"ismo", 1},   {"ismi", 1},   {"abile", 1}, {"abili", 1},
        {"ibile", 1},  {"ibili", 1},  {"ista", 1},   {"iste", 1},   {"isti", 1},  {"istà", 1},
        {"istè", 1},   {"istì", 1},   {"oso", 1},    {"osi", 1},    {"osa", 1},   {"ose", 1},
        {"mente", 1},  {"atrice", 1}, {"atrici", 1}, {"ante", 1},   {"anti", 1},  {"azione", 2},
        {"azioni", 2}, {"atore", 2},  {"atori", 2},  {"logia", 3},  {"logie", 3}, {"uzione", 4},
        {"uzioni", 4}, {"usione", 4}, {"usioni", 4}, {"enza", 5},   {"enze", 5},  {"amento", 6},
        {"amenti", 6}, {"imento", 6}, {"imenti", 6}, {"amente", 7}, {"ità", 8},   {"ivo", 9},
        {"ivi", 9},    {"iva", 9},    {"ive", 9},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    if (g == 6 ? !rv(z) : g == 7 ? !snow_r1(z) : !snow_r2(z)) return 0;
    switch (g) {
    case 1:
    case 6:
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_del(z);
        if (snow_slice_eq(z, "ic") && snow_r2(z)) snow_slice_del(z);
        break;
    case 3:
        snow_slice_from(z, "log");
        break;
    case 4:
        snow_slice_from(z, "u");
        break;
    case 5:
        snow_slice_from(z, "ente");
        break;
    case 7: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"iv", 1}, {"os", 2}, {"ic", 2}, {"abil", 2}};
        int h = SNOW_SLICE_AMONG(z, b);
        if (h && snow_r2(z)) {
            snow_slice_del(z);
            if (h == 1 && snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
        }
        break;
    }
    case 8: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"abil", 1}, {"ic", 1}, {"iv", 1}};
        if (SNOW_SLICE_AMONG(z, b) && snow_r2(z)) snow_slice_del(z);
        break;
    }
    case 9:
        snow_slice_del(z);
        if (snow_slice_eq(z, "at") && snow_r2(z)) {
            snow_slice_del(z);
            if (snow_slice_eq(z, "ic") && snow_r2(z)) snow_slice_del(z);
        }
        break;
    }
    return 1;
}

static int it_verb_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"ammo", 1},  {"ando", 1},   {"ano", 1},   {"are", 1},    {"arono", 1},
        {"asse", 1},  {"assero", 1}, {"assi", 1},  {"assimo", 1}, {"ata", 1},
        {"ate", 1},   {"ati", 1},    {"ato", 1},   {"ava", 1},    {"avamo", 1},
        {"avano", 1}, {"avate", 1},  {"avi", 1},   {"avo", 1},    {"emmo", 1},
        {"enda", 1},  {"ende", 1},   {"endi", 1},  {"endo", 1},   {"erà", 1},
        {"erai", 1},  {"eranno", 1}, {"ere", 1},   {"erebbe", 1}, {"erebbero", 1},
        {"erei", 1},  {"eremmo", 1}, {"eremo", 1}, {"ereste", 1}, {"eresti", 1},
        {"erete", 1}, {"erò", 1},    {"erono", 1}, {"essero", 1}, {"ete", 1},
        {"eva", 1},   {"evamo", 1},  {"evano", 1}, {"evate", 1},  {"evi", 1},
        {"evo", 1},   {"Yamo", 1},   {"iamo", 1},  {"immo", 1},   {"irà", 1},
        {"irai", 1},  {"iranno", 1}, {"ire", 1},   {"irebbe", 1}, {"irebbero", 1},
        {"irei", 1},  {"iremmo", 1}, {"iremo", 1}, {"ireste", 1}, {"iresti", 1},
        {"irete", 1}, {"irò", 1},    {"irono", 1}, {"isca", 1},   {"iscano", 1},
        {"isce", 1},  {"isci", 1},   {"isco", 1},  {"iscono", 1}, {"issero", 1},
        {"ita", 1},   {"ite", 1},    {"iti", 1},   {"ito", 1},    {"iva", 1},
        {"ivamo", 1}, {"ivano", 1},  {"ivate", 1}, {"ivi", 1},    {"ivo", 1},
        {"ono", 1},   {"uta", 1},    {"ute", 1},   {"uti", 1},    {"uto", 1},
        {"ar", 1},    {"ir", 1},
    };
    if (!slice_among_rv(z, a, sizeof a / sizeof a[0])) return 0;
    snow_slice_del(z);
    return 1;
}

static void it_vowel_suffix(Snow *z) {
    z->ket = z->c;
    if (snow_in_b(z, "aeioàèìò")) {
        z->bra = z->c;
        if (rv(z)) {
            snow_slice_del(z);
            if (snow_slice_eq(z, "i") && rv(z)) snow_slice_del(z);
        }
    }
    z->c = z->l;
    if (snow_slice_eq(z, "h") && snow_in_b(z, "cg") && rv(z)) snow_slice_del(z);
}

static void italian(Snow *z) {
    snow_map_letters(z, "áéíóú", "àèìòù");
    for (int i = 0; i + 1 < z->l; i++)
        if (z->p[i] == 'q' && z->p[i + 1] == 'u') z->p[i + 1] = 'U';
    for (int i = 0; i + 2 < z->l; i++) {
        if (!snow_in_g(z->p[i], IT_V) || !snow_in_g(z->p[i + 2], IT_V)) continue;
        if (z->p[i + 1] == 'u') z->p[i + 1] = 'U';
        if (z->p[i + 1] == 'i') z->p[i + 1] = 'I';
    }
    snow_mark_rv(z, IT_V);
    snow_mark_r1r2(z, IT_V);
    z->c = z->l;
    it_attached_pronoun(z);
    z->c = z->l;
    if (!it_standard_suffix(z)) {
        z->c = z->l;
        it_verb_suffix(z);
    }
    z->c = z->l;
    it_vowel_suffix(z);
    snow_map_letters(z, "IU", "iu");
}

/* ---- Portuguese ---- */

#define PT_V "aeiouáéíóúâêô"

static int pt_standard_suffix(Snow *z) {
    static const SnowAm a[] = {
        {"eza", 1},    {"ezas", 1},    {"ico", 1},    {"ica", 1},   {"icos", 1},   {"icas", 1},
        {"ismo", 1},   {"ismos", 1},   {"ável", 1},   {"ível", 1},  {"ista", 1},   {"istas", 1},
        {"oso", 1},    {"osa", 1},     {"osos", 1},   {"osas", 1},  {"amento", 1}, {"amentos", 1},
        {"imento", 1}, {"imentos", 1}, {"adora", 1},  {"ador", 1},  {"aça~o", 1},  {"adoras", 1},
        {"adores", 1}, {"aço~es", 1},  {"ante", 1},   {"antes", 1}, {"ância", 1},  {"logia", 2},
        {"logias", 2}, {"uça~o", 3},   {"uço~es", 3}, {"ência", 4}, {"ências", 4}, {"amente", 5},
        {"mente", 6},  {"idade", 7},   {"idades", 7}, {"iva", 8},   {"ivo", 8},    {"ivas", 8},
        {"ivos", 8},   {"ira", 9},     {"iras", 9},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    if (g == 9 ? !rv(z) : g == 5 ? !snow_r1(z) : !snow_r2(z)) return 0;
    switch (g) {
    case 1:
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_from(z, "log");
        break;
    case 3:
        snow_slice_from(z, "u");
        break;
    case 4:
        snow_slice_from(z, "ente");
        break;
    case 5: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"iv", 1}, {"os", 2}, {"ic", 2}, {"ad", 2}};
        int h = SNOW_SLICE_AMONG(z, b);
        if (h && snow_r2(z)) {
            snow_slice_del(z);
            if (h == 1 && snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
        }
        break;
    }
    case 6: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"ante", 1}, {"avel", 1}, {"ível", 1}};
        if (SNOW_SLICE_AMONG(z, b) && snow_r2(z)) snow_slice_del(z);
        break;
    }
    case 7: {
        snow_slice_del(z);
        static const SnowAm b[] = {{"abil", 1}, {"ic", 1}, {"iv", 1}};
        if (SNOW_SLICE_AMONG(z, b) && snow_r2(z)) snow_slice_del(z);
        break;
    }
    case 8:
        snow_slice_del(z);
        if (snow_slice_eq(z, "at") && snow_r2(z)) snow_slice_del(z);
        break;
    case 9:
        if (!snow_eq_b(z, "e")) return 0;
        snow_slice_from(z, "ir");
        break;
    }
    return 1;
}

static int pt_verb_suffix_in(Snow *z) {
    static const SnowAm a[] = {
        {"ada", 1},     {"ida", 1},    {"ia", 1},      {"aria", 1},    {"eria", 1},
        {"iria", 1},    {"ará", 1},    {"ara", 1},     {"erá", 1},     {"era", 1},
        {"irá", 1},     {"ava", 1},    {"asse", 1},    {"esse", 1},    {"isse", 1},
        {"aste", 1},    {"este", 1},   {"iste", 1},    {"ei", 1},      {"arei", 1},
        {"erei", 1},    {"irei", 1},   {"am", 1},      {"iam", 1},     {"ariam", 1},
        {"eriam", 1},   {"iriam", 1},  {"aram", 1},    {"eram", 1},    {"iram", 1},
        {"avam", 1},    {"em", 1},     {"arem", 1},    {"erem", 1},    {"irem", 1},
        {"assem", 1},   {"essem", 1},  {"issem", 1},   {"ado", 1},     {"ido", 1},
        {"ando", 1},    {"endo", 1},   {"indo", 1},    {"ara~o", 1},   {"era~o", 1},
        {"ira~o", 1},   {"ar", 1},     {"er", 1},      {"ir", 1},      {"as", 1},
        {"adas", 1},    {"idas", 1},   {"ias", 1},     {"arias", 1},   {"erias", 1},
        {"irias", 1},   {"arás", 1},   {"aras", 1},    {"erás", 1},    {"eras", 1},
        {"irás", 1},    {"avas", 1},   {"es", 1},      {"ardes", 1},   {"erdes", 1},
        {"irdes", 1},   {"ares", 1},   {"eres", 1},    {"ires", 1},    {"asses", 1},
        {"esses", 1},   {"isses", 1},  {"astes", 1},   {"estes", 1},   {"istes", 1},
        {"is", 1},      {"ais", 1},    {"eis", 1},     {"íeis", 1},    {"aríeis", 1},
        {"eríeis", 1},  {"iríeis", 1}, {"áreis", 1},   {"areis", 1},   {"éreis", 1},
        {"ereis", 1},   {"íreis", 1},  {"ireis", 1},   {"ásseis", 1},  {"ésseis", 1},
        {"ísseis", 1},  {"áveis", 1},  {"ados", 1},    {"idos", 1},    {"ámos", 1},
        {"amos", 1},    {"íamos", 1},  {"aríamos", 1}, {"eríamos", 1}, {"iríamos", 1},
        {"áramos", 1},  {"éramos", 1}, {"íramos", 1},  {"ávamos", 1},  {"emos", 1},
        {"aremos", 1},  {"eremos", 1}, {"iremos", 1},  {"ássemos", 1}, {"êssemos", 1},
        {"íssemos", 1}, {"imos", 1},   {"armos", 1},   {"ermos", 1},   {"irmos", 1},
        {"eu", 1},      {"iu", 1},     {"ou", 1},      {"ira", 1},     {"iras", 1},
    };
    if (!SNOW_SLICE_AMONG(z, a)) return 0;
    snow_slice_del(z);
    return 1;
}

static void portuguese(Snow *z) {
    for (int i = 0; i < z->l; i++) {
        if (z->p[i] == 0xE3)
            snow_replace(z, i, i + 1, "a~"), i++; /* ã */
        else if (z->p[i] == 0xF5)
            snow_replace(z, i, i + 1, "o~"), i++; /* õ */
    }
    snow_mark_rv(z, PT_V);
    snow_mark_r1r2(z, PT_V);
    z->c = z->l;
    int ok = pt_standard_suffix(z);
    if (!ok) z->c = z->l, ok = snow_with_limit(z, z->pv, pt_verb_suffix_in);
    z->c = z->l;
    if (ok) {
        if (snow_slice_eq(z, "i")) {
            int c = z->c;
            if (snow_eq_b(z, "c") && (z->c = c, rv(z))) snow_slice_del(z);
        }
    } else {
        static const SnowAm a[] = {{"os", 1}, {"a", 1}, {"i", 1}, {"o", 1},
                                   {"á", 1},  {"í", 1}, {"ó", 1}};
        if (SNOW_SLICE_AMONG(z, a) && rv(z)) snow_slice_del(z);
    }
    z->c = z->l;
    static const SnowAm f[] = {{"e", 1}, {"é", 1}, {"ê", 1}, {"ç", 2}};
    int g = SNOW_SLICE_AMONG(z, f);
    if (g == 2) {
        snow_slice_from(z, "c");
    } else if (g == 1 && rv(z)) {
        snow_slice_del(z);
        z->ket = z->c;
        int c = z->c;
        int hit = (snow_eq_b(z, "u") && (z->bra = z->c, snow_eq_b(z, "g"))) ||
                  (z->c = c, snow_eq_b(z, "i") && (z->bra = z->c, snow_eq_b(z, "c")));
        if (hit) {
            z->c = z->bra;
            if (rv(z)) snow_slice_del(z);
        }
    }
    for (int i = 0; i + 1 < z->l; i++) {
        if (z->p[i + 1] != '~') continue;
        if (z->p[i] == 'a')
            snow_replace(z, i, i + 2, "ã");
        else if (z->p[i] == 'o')
            snow_replace(z, i, i + 2, "õ");
    }
}

/* ---- Dutch (Porter's algorithm, Snowball's "dutch" up to 2.2) ---- */

#define NL_V "aeiouyè"

typedef struct {
    int e_found;
} NlState;

static void nl_undouble(Snow *z) {
    static const SnowAm a[] = {{"kk", 1}, {"dd", 1}, {"tt", 1}};
    int c = z->c;
    if (SNOW_AMONG(z, a)) {
        z->c = c;
        z->ket = c;
        z->c--;
        z->bra = z->c;
        snow_slice_del(z);
    } else {
        z->c = c;
    }
}

static int nl_e_ending(Snow *z, NlState *st) {
    st->e_found = 0;
    if (!snow_slice_eq(z, "e") || !snow_r1(z)) return 0;
    int c = z->c;
    if (!snow_out_b(z, NL_V)) return 0;
    z->c = c;
    snow_slice_del(z);
    st->e_found = 1;
    nl_undouble(z);
    return 1;
}

static int nl_en_ending(Snow *z) {
    if (!snow_r1(z)) return 0;
    int c = z->c;
    if (!snow_out_b(z, NL_V)) return 0;
    z->c = c;
    if (snow_eq_b(z, "gem")) return 0;
    z->c = c;
    snow_slice_del(z);
    nl_undouble(z);
    return 1;
}

static void dutch(Snow *z) {
    NlState st = {0};
    snow_map_letters(z, "äáëéïíöóüú", "aaeeiioouu");
    if (z->l > 0 && z->p[0] == 'y') z->p[0] = 'Y';
    for (int i = 0;;) {
        while (i < z->l && !snow_in_g(z->p[i], NL_V)) i++;
        if (i >= z->l) break;
        i++; /* past the vowel */
        if (i < z->l && z->p[i] == 'i') {
            if (i + 1 < z->l && snow_in_g(z->p[i + 1], NL_V)) z->p[i] = 'I';
            i++;
        } else if (i < z->l && z->p[i] == 'y') {
            z->p[i] = 'Y';
            i++;
        }
    }
    snow_mark_r1r2(z, NL_V);
    if (z->l < 3)
        z->p1 = z->p2 = z->l;
    else if (z->p1 < 3)
        z->p1 = 3;
    z->c = z->l;
    static const SnowAm s1[] = {{"heden", 1}, {"en", 2}, {"ene", 2}, {"s", 3}, {"se", 3}};
    switch (SNOW_SLICE_AMONG(z, s1)) {
    case 1:
        if (snow_r1(z)) snow_slice_from(z, "heid");
        break;
    case 2:
        nl_en_ending(z);
        break;
    case 3:
        if (snow_r1(z) && snow_out_b(z, NL_V "j")) {
            z->c = z->bra;
            snow_slice_del(z);
        }
        break;
    }
    z->c = z->l;
    nl_e_ending(z, &st);
    z->c = z->l;
    if (snow_slice_eq(z, "heid") && snow_r2(z)) {
        int c = z->c;
        if (!snow_eq_b(z, "c")) {
            z->c = c;
            snow_slice_del(z);
            if (snow_slice_eq(z, "en")) nl_en_ending(z);
        }
    }
    z->c = z->l;
    static const SnowAm s4[] = {{"end", 1},  {"ing", 1},  {"ig", 2},
                                {"lijk", 3}, {"baar", 4}, {"bar", 5}};
    int g = SNOW_SLICE_AMONG(z, s4);
    if (g && snow_r2(z)) {
        int c;
        switch (g) {
        case 1:
            snow_slice_del(z);
            c = z->c;
            if (snow_slice_eq(z, "ig") && snow_r2(z) && (c = z->c, !snow_eq_b(z, "e"))) {
                z->c = c;
                snow_slice_del(z);
            } else {
                z->c = z->l;
                nl_undouble(z);
            }
            break;
        case 2:
            c = z->c;
            if (!snow_eq_b(z, "e")) z->c = c, snow_slice_del(z);
            break;
        case 3:
            snow_slice_del(z);
            nl_e_ending(z, &st);
            break;
        case 4:
            snow_slice_del(z);
            break;
        case 5:
            if (st.e_found) snow_slice_del(z);
            break;
        }
    }
    z->c = z->l;
    if (snow_out_b(z, NL_V "I")) {
        int c = z->c;
        static const SnowAm dv[] = {{"aa", 1}, {"ee", 1}, {"oo", 1}, {"uu", 1}};
        if (SNOW_AMONG(z, dv) && snow_out_b(z, NL_V)) {
            z->ket = c;
            z->bra = c - 1;
            z->c = c;
            snow_slice_del(z);
        }
    }
    snow_map_letters(z, "YI", "yi");
}

/* ---- Russian ---- */

#define RU_V "аеиоуыэюя"

/* An ending of group 1 stays unless an а or я comes before it. */
static int ru_after_a(Snow *z, int g) {
    if (g == 1 && !snow_eq_b(z, "а") && !snow_eq_b(z, "я")) return 0;
    snow_slice_del(z);
    return 1;
}

static int ru_gerund(Snow *z) {
    static const SnowAm a[] = {{"в", 1},      {"вши", 1}, {"вшись", 1}, {"ив", 2},    {"ивши", 2},
                               {"ившись", 2}, {"ыв", 2},  {"ывши", 2},  {"ывшись", 2}};
    int g = SNOW_SLICE_AMONG(z, a);
    return g && ru_after_a(z, g);
}

static int ru_adjectival(Snow *z) {
    static const SnowAm a[] = {{"ее", 1}, {"ие", 1}, {"ые", 1},  {"ое", 1},  {"ими", 1}, {"ыми", 1},
                               {"ей", 1}, {"ий", 1}, {"ый", 1},  {"ой", 1},  {"ем", 1},  {"им", 1},
                               {"ым", 1}, {"ом", 1}, {"его", 1}, {"ого", 1}, {"ему", 1}, {"ому", 1},
                               {"их", 1}, {"ых", 1}, {"ую", 1},  {"юю", 1},  {"ая", 1},  {"яя", 1},
                               {"ою", 1}, {"ею", 1}};
    if (!SNOW_SLICE_AMONG(z, a)) return 0;
    snow_slice_del(z);
    static const SnowAm p[] = {{"ем", 1}, {"нн", 1},  {"вш", 1},  {"ющ", 1},
                               {"щ", 1},  {"ивш", 2}, {"ывш", 2}, {"ующ", 2}};
    int c = z->c;
    int g = SNOW_SLICE_AMONG(z, p);
    if (!g || !ru_after_a(z, g)) z->c = c;
    return 1;
}

static int ru_verb(Snow *z) {
    static const SnowAm a[] = {
        {"ла", 1},   {"на", 1},  {"ете", 1}, {"йте", 1}, {"ли", 1},  {"й", 1},   {"л", 1},
        {"ем", 1},   {"н", 1},   {"ло", 1},  {"но", 1},  {"ет", 1},  {"ют", 1},  {"ны", 1},
        {"ть", 1},   {"ешь", 1}, {"нно", 1}, {"ила", 2}, {"ыла", 2}, {"ена", 2}, {"ейте", 2},
        {"уйте", 2}, {"ите", 2}, {"или", 2}, {"ыли", 2}, {"ей", 2},  {"уй", 2},  {"ил", 2},
        {"ыл", 2},   {"им", 2},  {"ым", 2},  {"ен", 2},  {"ило", 2}, {"ыло", 2}, {"ено", 2},
        {"ят", 2},   {"ует", 2}, {"уют", 2}, {"ит", 2},  {"ыт", 2},  {"ены", 2}, {"ить", 2},
        {"ыть", 2},  {"ишь", 2}, {"ую", 2},  {"ю", 2},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    return g && ru_after_a(z, g);
}

static int ru_noun(Snow *z) {
    static const SnowAm a[] = {
        {"а", 1},    {"ев", 1},  {"ов", 1},  {"ие", 1}, {"ье", 1}, {"е", 1},
        {"иями", 1}, {"ями", 1}, {"ами", 1}, {"еи", 1}, {"ии", 1}, {"и", 1},
        {"ией", 1},  {"ей", 1},  {"ой", 1},  {"ий", 1}, {"й", 1},  {"иям", 1},
        {"ям", 1},   {"ием", 1}, {"ем", 1},  {"ам", 1}, {"ом", 1}, {"о", 1},
        {"у", 1},    {"ах", 1},  {"иях", 1}, {"ях", 1}, {"ы", 1},  {"ь", 1},
        {"ию", 1},   {"ью", 1},  {"ю", 1},   {"ия", 1}, {"ья", 1}, {"я", 1},
    };
    if (!SNOW_SLICE_AMONG(z, a)) return 0;
    snow_slice_del(z);
    return 1;
}

static int ru_body(Snow *z) {
    if (!ru_gerund(z)) {
        z->c = z->l;
        static const SnowAm refl[] = {{"ся", 1}, {"сь", 1}};
        if (SNOW_SLICE_AMONG(z, refl))
            snow_slice_del(z);
        else
            z->c = z->l;
        int c = z->c;
        if (!ru_adjectival(z) && (z->c = c, !ru_verb(z))) {
            z->c = c;
            ru_noun(z);
        }
    }
    z->c = z->l;
    if (snow_slice_eq(z, "и")) snow_slice_del(z);
    z->c = z->l;
    static const SnowAm der[] = {{"ост", 1}, {"ость", 1}};
    if (SNOW_SLICE_AMONG(z, der) && snow_r2(z)) snow_slice_del(z);
    z->c = z->l;
    static const SnowAm tidy[] = {{"ейш", 1}, {"ейше", 1}, {"н", 2}, {"ь", 3}};
    switch (SNOW_SLICE_AMONG(z, tidy)) {
    case 1:
        snow_slice_del(z);
        if (snow_slice_eq(z, "н") && snow_eq_b(z, "н")) snow_slice_del(z);
        break;
    case 2:
        if (snow_eq_b(z, "н")) snow_slice_del(z);
        break;
    case 3:
        snow_slice_del(z);
        break;
    }
    return 1;
}

static void russian(Snow *z) {
    snow_map_letters(z, "ё", "е");
    z->pv = z->p2 = z->l;
    int i = snow_gopast(z, 0, RU_V, 1);
    if (i >= 0) {
        z->pv = i;
        if ((i = snow_gopast(z, i, RU_V, 0)) >= 0 && (i = snow_gopast(z, i, RU_V, 1)) >= 0 &&
            (i = snow_gopast(z, i, RU_V, 0)) >= 0)
            z->p2 = i;
    }
    z->c = z->l;
    snow_with_limit(z, z->pv, ru_body);
}

/* ---- Romanian ---- */

#define RO_V "aeiouâîă"

/* Snowball 2.2 writes s and t with a cedilla (ş ţ); the comma-below forms
 * (ș ț) are other letters to it. */
static int ro_combo(Snow *z) {
    static const SnowAm a[] = {
        {"abilitate", 1}, {"abilitati", 1}, {"abilităi", 1}, {"abilităţi", 1}, {"ibilitate", 2},
        {"ivitate", 3},   {"ivitati", 3},   {"ivităi", 3},   {"ivităţi", 3},   {"icitate", 4},
        {"icitati", 4},   {"icităi", 4},    {"icităţi", 4},  {"icator", 4},    {"icatori", 4},
        {"iciv", 4},      {"iciva", 4},     {"icive", 4},    {"icivi", 4},     {"icivă", 4},
        {"ical", 4},      {"icala", 4},     {"icale", 4},    {"icali", 4},     {"icală", 4},
        {"ativ", 5},      {"ativa", 5},     {"ative", 5},    {"ativi", 5},     {"ativă", 5},
        {"aţiune", 5},    {"atoare", 5},    {"ator", 5},     {"atori", 5},     {"ătoare", 5},
        {"ător", 5},      {"ători", 5},     {"itiv", 6},     {"itiva", 6},     {"itive", 6},
        {"itivi", 6},     {"itivă", 6},     {"iţiune", 6},   {"itoare", 6},    {"itor", 6},
        {"itori", 6},
    };
    static const char *const to[] = {"", "abil", "ibil", "iv", "ic", "at", "it"};
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g || !snow_r1(z)) return 0;
    snow_slice_from(z, to[g]);
    z->c = z->l;
    return 1;
}

static int ro_standard(Snow *z) {
    static const SnowAm a[] = {
        {"at", 1},    {"ata", 1},   {"ată", 1},   {"ati", 1},   {"ate", 1},   {"ut", 1},
        {"uta", 1},   {"ută", 1},   {"uti", 1},   {"ute", 1},   {"it", 1},    {"ita", 1},
        {"ită", 1},   {"iti", 1},   {"ite", 1},   {"ic", 1},    {"ica", 1},   {"ice", 1},
        {"ici", 1},   {"ică", 1},   {"abil", 1},  {"abila", 1}, {"abile", 1}, {"abili", 1},
        {"abilă", 1}, {"ibil", 1},  {"ibila", 1}, {"ibile", 1}, {"ibili", 1}, {"ibilă", 1},
        {"oasa", 1},  {"oasă", 1},  {"oase", 1},  {"os", 1},    {"osi", 1},   {"oşi", 1},
        {"ant", 1},   {"anta", 1},  {"ante", 1},  {"anti", 1},  {"antă", 1},  {"ator", 1},
        {"atori", 1}, {"itate", 1}, {"itati", 1}, {"ităi", 1},  {"ităţi", 1}, {"iv", 1},
        {"iva", 1},   {"ive", 1},   {"ivi", 1},   {"ivă", 1},   {"iune", 2},  {"iuni", 2},
        {"ism", 3},   {"isme", 3},  {"ist", 3},   {"ista", 3},  {"iste", 3},  {"isti", 3},
        {"istă", 3},  {"işti", 3},
    };
    int removed = 0;
    while (ro_combo(z)) removed = 1;
    z->c = z->l;
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g || !snow_r2(z)) return removed;
    if (g == 1) {
        snow_slice_del(z);
    } else if (g == 2) {
        if (!snow_eq_b(z, "ţ")) return removed;
        z->bra = z->c;
        snow_slice_from(z, "t");
    } else {
        snow_slice_from(z, "ist");
    }
    return 1;
}

static int ro_verb(Snow *z) {
    static const SnowAm a[] = {
        {"are", 1},     {"ere", 1},     {"ire", 1},      {"âre", 1},    {"ind", 1},   {"ând", 1},
        {"indu", 1},    {"ându", 1},    {"eze", 1},      {"ească", 1},  {"ez", 1},    {"ezi", 1},
        {"ează", 1},    {"esc", 1},     {"eşti", 1},     {"eşte", 1},   {"ăsc", 1},   {"ăşti", 1},
        {"ăşte", 1},    {"am", 1},      {"ai", 1},       {"au", 1},     {"eam", 1},   {"eai", 1},
        {"ea", 1},      {"eaţi", 1},    {"eau", 1},      {"iam", 1},    {"iai", 1},   {"ia", 1},
        {"iaţi", 1},    {"iau", 1},     {"ui", 1},       {"aşi", 1},    {"arăm", 1},  {"arăţi", 1},
        {"ară", 1},     {"uşi", 1},     {"urăm", 1},     {"urăţi", 1},  {"ură", 1},   {"işi", 1},
        {"irăm", 1},    {"irăţi", 1},   {"iră", 1},      {"âi", 1},     {"âşi", 1},   {"ârăm", 1},
        {"ârăţi", 1},   {"âră", 1},     {"asem", 1},     {"aseşi", 1},  {"ase", 1},   {"aserăm", 1},
        {"aserăţi", 1}, {"aseră", 1},   {"isem", 1},     {"iseşi", 1},  {"ise", 1},   {"iserăm", 1},
        {"iserăţi", 1}, {"iseră", 1},   {"âsem", 1},     {"âseşi", 1},  {"âse", 1},   {"âserăm", 1},
        {"âserăţi", 1}, {"âseră", 1},   {"usem", 1},     {"useşi", 1},  {"use", 1},   {"userăm", 1},
        {"userăţi", 1}, {"useră", 1},   {"ăm", 2},       {"aţi", 2},    {"em", 2},    {"eţi", 2},
        {"im", 2},      {"iţi", 2},     {"âm", 2},       {"âţi", 2},    {"seşi", 2},  {"serăm", 2},
        {"serăţi", 2},  {"seră", 2},    {"sei", 2},      {"se", 2},     {"sesem", 2}, {"seseşi", 2},
        {"sese", 2},    {"seserăm", 2}, {"seserăţi", 2}, {"seseră", 2},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    if (g == 1) {
        int c = z->c;
        if (!snow_out_b(z, RO_V) && (z->c = c, !snow_eq_b(z, "u"))) return 0;
    }
    snow_slice_del(z);
    return 1;
}

static void romanian(Snow *z) {
    for (int i = 0; i + 2 < z->l; i++) {
        if (!snow_in_g(z->p[i], RO_V) || !snow_in_g(z->p[i + 2], RO_V)) continue;
        if (z->p[i + 1] == 'u') z->p[i + 1] = 'U';
        if (z->p[i + 1] == 'i') z->p[i + 1] = 'I';
    }
    snow_mark_rv(z, RO_V);
    snow_mark_r1r2(z, RO_V);
    z->c = z->l;
    static const SnowAm s0[] = {{"ul", 1},  {"ului", 1}, {"aua", 2},   {"ea", 3},
                                {"ele", 3}, {"elor", 3}, {"ii", 4},    {"iua", 4},
                                {"iei", 4}, {"iile", 4}, {"iilor", 4}, {"ilor", 4},
                                {"ile", 5}, {"atei", 6}, {"aţie", 7},  {"aţia", 7}};
    int g = SNOW_SLICE_AMONG(z, s0);
    if (g && snow_r1(z)) {
        static const char *const to[] = {"", "", "a", "e", "i", "i", "at", "aţi"};
        if (g == 5 && snow_eq_b(z, "ab")) g = 0;
        if (g) snow_slice_from(z, to[g]);
    }
    z->c = z->l;
    int removed = ro_standard(z);
    z->c = z->l;
    if (!removed) snow_with_limit(z, z->pv, ro_verb);
    z->c = z->l;
    static const SnowAm vs[] = {{"a", 1}, {"e", 1}, {"i", 1}, {"ie", 1}, {"ă", 1}};
    if (SNOW_SLICE_AMONG(z, vs) && rv(z)) snow_slice_del(z);
    snow_map_letters(z, "IU", "iu");
}

/* ---- Finnish ---- */

#define FI_V1 "aeiouyäö"
#define FI_V2 "aeiouäö"
#define FI_C  "bcdfghjklmnpqrstvwxz"

static int fi_long(Snow *z) {
    static const SnowAm a[] = {{"aa", 1}, {"ee", 1}, {"ii", 1}, {"oo", 1},
                               {"uu", 1}, {"ää", 1}, {"öö", 1}};
    return SNOW_AMONG(z, a) != 0;
}

static int fi_vi(Snow *z) {
    return snow_eq_b(z, "i") && snow_in_b(z, FI_V2);
}

static void fi_particle(Snow *z) {
    static const SnowAm a[] = {{"kin", 1}, {"kaan", 1}, {"kään", 1}, {"ko", 1}, {"kö", 1},
                               {"han", 1}, {"hän", 1},  {"pa", 1},   {"pä", 1}, {"sti", 2}};
    int g = snow_slice_among_from(z, z->p1, a, sizeof a / sizeof a[0]);
    if (!g) return;
    if (g == 1 ? snow_in_b(z, FI_V1 "nt") : snow_r2(z)) snow_slice_del(z);
}

static void fi_possessive(Snow *z) {
    static const SnowAm a[] = {{"si", 1},  {"ni", 2}, {"nsa", 3}, {"nsä", 3}, {"mme", 3},
                               {"nne", 3}, {"an", 4}, {"än", 5},  {"en", 6}};
    static const SnowAm an[] = {{"ta", 1},  {"ssa", 1}, {"sta", 1},
                                {"lla", 1}, {"lta", 1}, {"na", 1}};
    static const SnowAm aen[] = {{"tä", 1},  {"ssä", 1}, {"stä", 1},
                                 {"llä", 1}, {"ltä", 1}, {"nä", 1}};
    static const SnowAm en[] = {{"lle", 1}, {"ine", 1}};
    int c;
    switch (snow_slice_among_from(z, z->p1, a, sizeof a / sizeof a[0])) {
    case 1:
        c = z->c;
        if (!snow_eq_b(z, "k")) z->c = c, snow_slice_del(z);
        break;
    case 2:
        snow_slice_del(z);
        if (snow_slice_eq(z, "kse")) snow_slice_from(z, "ksi");
        break;
    case 3:
        snow_slice_del(z);
        break;
    case 4:
        if (SNOW_AMONG(z, an)) snow_slice_del(z);
        break;
    case 5:
        if (SNOW_AMONG(z, aen)) snow_slice_del(z);
        break;
    case 6:
        if (SNOW_AMONG(z, en)) snow_slice_del(z);
        break;
    }
}

/* case_ending's conditions on a suffix (the cursor at its start); a failed
 * one lets a shorter suffix of the list match instead. */
static int fi_case_cond(Snow *z, int g) {
    int c = z->c, ok;
    switch (g) {
    case 2: /* siin den tten */
        ok = fi_vi(z);
        break;
    case 3: /* seen */
        ok = fi_long(z);
        break;
    default:
        ok = 1;
    }
    z->c = c;
    return ok;
}

static int fi_case_ending(Snow *z) {
    static const SnowAm a[] = {
        {"han", 10}, {"hen", 11}, {"hin", 12}, {"hon", 13}, {"hän", 14}, {"hön", 15},
        {"siin", 2}, {"seen", 3}, {"den", 2},  {"tten", 2}, {"n", 4},    {"a", 5},
        {"ä", 5},    {"tta", 6},  {"ttä", 6},  {"ta", 1},   {"tä", 1},   {"ssa", 1},
        {"ssä", 1},  {"sta", 1},  {"stä", 1},  {"lla", 1},  {"llä", 1},  {"lta", 1},
        {"ltä", 1},  {"lle", 1},  {"na", 1},   {"nä", 1},   {"ksi", 1},  {"ine", 1},
    };
    if (z->c < z->p1) return 0;
    /* the longest suffix starting in R1 whose condition holds */
    int best = -1, best_len = 0;
    for (int len = 4; len >= 1 && best < 0; len--) {
        if (z->c - z->p1 < len) continue;
        for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
            uint32_t t[16];
            if (snow_lit(a[i].s, t) != len) continue;
            int ok = 1;
            for (int j = 0; j < len && ok; j++) ok = z->p[z->c - len + j] == t[j];
            if (!ok) continue;
            z->c -= len;
            ok = fi_case_cond(z, a[i].g);
            z->c += len;
            if (ok) {
                best = (int)i, best_len = len;
                break;
            }
        }
    }
    if (best < 0) return 0;
    z->ket = z->c;
    z->c -= best_len;
    z->bra = z->c;
    int g = a[best].g, c = z->c;
    static const char *const hv[] = {"a", "e", "i", "o", "ä", "ö"};
    if (g >= 10) {
        if (!snow_eq_b(z, hv[g - 10])) return 0;
    } else if (g == 4) {
        if (fi_long(z) || (z->c = c, snow_eq_b(z, "ie"))) {
            z->c = c;
            if (z->c > z->lb) z->bra = --z->c;
        }
    } else if (g == 5) {
        if (!snow_in_b(z, FI_V1) || !snow_in_b(z, FI_C)) return 0;
    } else if (g == 6) {
        if (!snow_eq_b(z, "e")) return 0;
    }
    snow_slice_del(z);
    return 1;
}

static void fi_other_endings(Snow *z) {
    static const SnowAm a[] = {{"mpi", 1},  {"mpa", 1},  {"mpä", 1},  {"mmi", 1},  {"mma", 1},
                               {"mmä", 1},  {"impi", 2}, {"impa", 2}, {"impä", 2}, {"immi", 2},
                               {"imma", 2}, {"immä", 2}, {"eja", 2},  {"ejä", 2}};
    int g = snow_slice_among_from(z, z->p2, a, sizeof a / sizeof a[0]);
    if (!g) return;
    if (g == 1 && snow_eq_b(z, "po")) return;
    snow_slice_del(z);
}

static int fi_i_plural(Snow *z) {
    static const SnowAm a[] = {{"i", 1}, {"j", 1}};
    if (SNOW_SLICE_AMONG(z, a)) snow_slice_del(z);
    return 1;
}

static int fi_t(Snow *z) {
    if (!snow_slice_eq(z, "t")) return 0;
    int c = z->c;
    if (!snow_in_b(z, FI_V1)) return 0;
    z->c = c;
    snow_slice_del(z);
    return 1;
}

static void fi_t_plural(Snow *z) {
    if (!snow_with_limit(z, z->p1, fi_t)) return;
    z->c = z->l;
    static const SnowAm a[] = {{"mma", 1}, {"imma", 2}};
    int g = snow_slice_among_from(z, z->p2, a, sizeof a / sizeof a[0]);
    if (!g) return;
    if (g == 1 && snow_eq_b(z, "po")) return;
    snow_slice_del(z);
}

static int fi_tidy_in_r1(Snow *z) {
    if (fi_long(z)) z->l--;
    z->c = z->l;
    z->ket = z->c;
    if (snow_in_b(z, "aäei")) {
        z->bra = z->c;
        if (snow_in_b(z, FI_C)) snow_slice_del(z);
    }
    z->c = z->l;
    if (snow_slice_eq(z, "j") && (snow_eq_b(z, "o") || snow_eq_b(z, "u"))) snow_slice_del(z);
    z->c = z->l;
    if (snow_slice_eq(z, "o") && snow_eq_b(z, "j")) snow_slice_del(z);
    return 1;
}

static void finnish(Snow *z) {
    snow_mark_r1r2(z, FI_V1);
    z->c = z->l;
    fi_particle(z);
    z->c = z->l;
    fi_possessive(z);
    z->c = z->l;
    int removed = fi_case_ending(z);
    z->c = z->l;
    fi_other_endings(z);
    z->c = z->l;
    if (removed)
        snow_with_limit(z, z->p1, fi_i_plural);
    else
        fi_t_plural(z);
    z->c = z->l;
    snow_with_limit(z, z->p1, fi_tidy_in_r1);
    /* undouble the last consonant */
    int i = z->l;
    while (i > 0 && snow_in_g(z->p[i - 1], FI_V1)) i--;
    if (i >= 2 && snow_in_g(z->p[i - 1], FI_C) && z->p[i - 2] == z->p[i - 1]) {
        memmove(z->p + i - 1, z->p + i, (size_t)(z->l - i) * sizeof(uint32_t));
        z->l--;
    }
}

/* ---- Hungarian ---- */

#define HU_V "aeiouáéíóöőúüű"

/* "[substring] R1 among(...)" whose actions are delete (1), <- 'a' (2) or
 * <- 'e' (3). */
static void hu_simple(Snow *z, const SnowAm *a, size_t n) {
    int g = snow_slice_among(z, a, n);
    if (!g || !snow_r1(z)) return;
    if (g == 1)
        snow_slice_del(z);
    else
        snow_slice_from(z, g == 2 ? "a" : "e");
}

#define HU_SIMPLE(z, a) hu_simple((z), (a), sizeof(a) / sizeof((a)[0]))

static int hu_double(Snow *z) {
    static const SnowAm a[] = {
        {"bb", 1}, {"cc", 1},  {"ccs", 1}, {"dd", 1},  {"ff", 1}, {"gg", 1},  {"ggy", 1}, {"jj", 1},
        {"kk", 1}, {"ll", 1},  {"lly", 1}, {"mm", 1},  {"nn", 1}, {"nny", 1}, {"pp", 1},  {"rr", 1},
        {"ss", 1}, {"ssz", 1}, {"tt", 1},  {"tty", 1}, {"vv", 1}, {"zz", 1},  {"zzs", 1}};
    int c = z->c, ok = SNOW_AMONG(z, a) != 0;
    z->c = c;
    return ok;
}

/* Snowball's "next [hop 1] delete": drops the letter before the last. */
static void hu_undouble(Snow *z) {
    if (z->c - z->lb < 2) return;
    z->ket = z->c - 1;
    z->bra = z->c - 2;
    z->c -= 2;
    snow_slice_del(z);
}

/* instrum and factive: a suffix after a doubled consonant, which is
 * undoubled. */
static void hu_after_double(Snow *z, const SnowAm *a, size_t n) {
    int g = snow_slice_among(z, a, n);
    if (!g || !snow_r1(z) || !hu_double(z)) return;
    snow_slice_del(z);
    hu_undouble(z);
}

static void hungarian(Snow *z) {
    z->p1 = z->l;
    if (z->l > 0 && snow_in_g(z->p[0], HU_V)) {
        int i = 1;
        while (i < z->l && snow_in_g(z->p[i], HU_V)) i++;
        if (i < z->l) {
            static const char *const dg[] = {"cs", "gy", "ly", "ny", "sz", "ty", "zs", "dzs"};
            int k = 1;
            for (size_t j = 0; j < sizeof dg / sizeof dg[0]; j++) {
                uint32_t t[4];
                int n = snow_lit(dg[j], t);
                if (i + n <= z->l && !memcmp(z->p + i, t, (size_t)n * sizeof(uint32_t)) && n > k)
                    k = n;
            }
            z->p1 = i + k;
        }
    } else {
        int i = snow_gopast(z, 0, HU_V, 1);
        if (i >= 0) z->p1 = i;
    }
    static const SnowAm instrum[] = {{"al", 1}, {"el", 1}};
    z->c = z->l;
    hu_after_double(z, instrum, 2);
    static const SnowAm cs[] = {
        {"ban", 1},    {"ben", 1},  {"ba", 1},  {"be", 1},   {"ra", 1},     {"re", 1},
        {"nak", 1},    {"nek", 1},  {"val", 1}, {"vel", 1},  {"tól", 1},    {"től", 1},
        {"ról", 1},    {"ről", 1},  {"ból", 1}, {"ből", 1},  {"hoz", 1},    {"hez", 1},
        {"höz", 1},    {"nál", 1},  {"nél", 1}, {"ig", 1},   {"at", 1},     {"et", 1},
        {"ot", 1},     {"öt", 1},   {"ért", 1}, {"képp", 1}, {"képpen", 1}, {"kor", 1},
        {"ul", 1},     {"ül", 1},   {"vá", 1},  {"vé", 1},   {"onként", 1}, {"enként", 1},
        {"anként", 1}, {"ként", 1}, {"en", 1},  {"on", 1},   {"an", 1},     {"ön", 1},
        {"n", 1},      {"t", 1},
    };
    z->c = z->l;
    if (SNOW_SLICE_AMONG(z, cs) && snow_r1(z)) {
        snow_slice_del(z);
        static const SnowAm ve[] = {{"á", 2}, {"é", 3}};
        HU_SIMPLE(z, ve);
    }
    static const SnowAm special[] = {{"én", 3}, {"án", 2}, {"ánként", 2}};
    z->c = z->l;
    HU_SIMPLE(z, special);
    static const SnowAm other[] = {{"astul", 1}, {"estül", 1}, {"stul", 1},
                                   {"stül", 1},  {"ástul", 2}, {"éstül", 3}};
    z->c = z->l;
    HU_SIMPLE(z, other);
    static const SnowAm factive[] = {{"á", 1}, {"é", 1}};
    z->c = z->l;
    hu_after_double(z, factive, 2);
    static const SnowAm owned[] = {{"oké", 1}, {"öké", 1}, {"aké", 1}, {"eké", 1},
                                   {"éké", 3}, {"áké", 2}, {"ké", 1},  {"éei", 3},
                                   {"áéi", 2}, {"éi", 1},  {"éé", 3},  {"é", 1}};
    z->c = z->l;
    HU_SIMPLE(z, owned);
    static const SnowAm sing[] = {
        {"ünk", 1}, {"unk", 1}, {"ánk", 2}, {"énk", 3}, {"nk", 1}, {"ájuk", 2}, {"éjük", 3},
        {"juk", 1}, {"jük", 1}, {"uk", 1},  {"ük", 1},  {"em", 1}, {"om", 1},   {"am", 1},
        {"ám", 2},  {"ém", 3},  {"m", 1},   {"od", 1},  {"ed", 1}, {"ad", 1},   {"öd", 1},
        {"ád", 2},  {"éd", 3},  {"d", 1},   {"ja", 1},  {"je", 1}, {"a", 1},    {"e", 1},
        {"o", 1},   {"á", 2},   {"é", 3},
    };
    z->c = z->l;
    HU_SIMPLE(z, sing);
    static const SnowAm plur[] = {
        {"jaim", 1},  {"jeim", 1},  {"áim", 2},   {"éim", 3},   {"aim", 1},    {"eim", 1},
        {"im", 1},    {"jaid", 1},  {"jeid", 1},  {"áid", 2},   {"éid", 3},    {"aid", 1},
        {"eid", 1},   {"id", 1},    {"jai", 1},   {"jei", 1},   {"ái", 2},     {"éi", 3},
        {"ai", 1},    {"ei", 1},    {"i", 1},     {"jaink", 1}, {"jeink", 1},  {"eink", 1},
        {"aink", 1},  {"áink", 2},  {"éink", 3},  {"ink", 1},   {"jaitok", 1}, {"jeitek", 1},
        {"aitok", 1}, {"eitek", 1}, {"áitok", 2}, {"éitek", 3}, {"itek", 1},   {"jeik", 1},
        {"jaik", 1},  {"aik", 1},   {"eik", 1},   {"áik", 2},   {"éik", 3},    {"ik", 1},
    };
    z->c = z->l;
    HU_SIMPLE(z, plur);
    static const SnowAm plural[] = {{"ák", 2}, {"ék", 3}, {"ök", 1}, {"ak", 1},
                                    {"ok", 1}, {"ek", 1}, {"k", 1}};
    z->c = z->l;
    HU_SIMPLE(z, plural);
}

/* ---- the scandinavian languages ---- */

static int sc_regions(Snow *z, const char *v) {
    z->p1 = z->l;
    if (z->l < 3) return 0;
    int i = snow_gopast(z, 0, v, 1);
    if (i < 0 || (i = snow_gopast(z, i, v, 0)) < 0) return 0;
    z->p1 = i < 3 ? 3 : i;
    return 1;
}

#define SV_V "aeiouyäåö"

static int sv_main(Snow *z) {
    static const SnowAm a[] = {
        {"a", 1},      {"arna", 1},  {"erna", 1}, {"heterna", 1}, {"orna", 1},  {"ad", 1},
        {"e", 1},      {"ade", 1},   {"ande", 1}, {"arne", 1},    {"are", 1},   {"aste", 1},
        {"en", 1},     {"anden", 1}, {"aren", 1}, {"heten", 1},   {"ern", 1},   {"ar", 1},
        {"er", 1},     {"heter", 1}, {"or", 1},   {"as", 1},      {"arnas", 1}, {"ernas", 1},
        {"ornas", 1},  {"es", 1},    {"ades", 1}, {"andes", 1},   {"ens", 1},   {"arens", 1},
        {"hetens", 1}, {"erns", 1},  {"at", 1},   {"andet", 1},   {"het", 1},   {"ast", 1},
        {"s", 2},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    int lb = z->lb;
    z->lb = 0;
    if (g == 1 || snow_in_b(z, "bcdfghjklmnoprtvy")) snow_slice_del(z);
    z->lb = lb;
    return 1;
}

static int sv_pair(Snow *z) {
    static const SnowAm a[] = {{"dd", 1}, {"gd", 1}, {"nn", 1}, {"dt", 1},
                               {"gt", 1}, {"kt", 1}, {"tt", 1}};
    if (SNOW_AMONG(z, a)) z->l--;
    return 1;
}

static int sv_other(Snow *z) {
    static const SnowAm a[] = {{"lig", 1}, {"ig", 1}, {"els", 1}, {"löst", 2}, {"fullt", 3}};
    switch (SNOW_SLICE_AMONG(z, a)) {
    case 1:
        snow_slice_del(z);
        break;
    case 2:
        snow_slice_from(z, "lös");
        break;
    case 3:
        snow_slice_from(z, "full");
        break;
    }
    return 1;
}

static void swedish(Snow *z) {
    sc_regions(z, SV_V);
    z->c = z->l, snow_with_limit(z, z->p1, sv_main);
    z->c = z->l, snow_with_limit(z, z->p1, sv_pair);
    z->c = z->l, snow_with_limit(z, z->p1, sv_other);
}

#define NO_V "aeiouyæåø"

static int no_main(Snow *z) {
    static const SnowAm a[] = {
        {"a", 1},       {"e", 1},      {"ede", 1},    {"ande", 1},  {"ende", 1},  {"ane", 1},
        {"ene", 1},     {"hetene", 1}, {"en", 1},     {"heten", 1}, {"ar", 1},    {"er", 1},
        {"heter", 1},   {"as", 1},     {"es", 1},     {"edes", 1},  {"endes", 1}, {"enes", 1},
        {"hetenes", 1}, {"ens", 1},    {"hetens", 1}, {"ers", 1},   {"ets", 1},   {"et", 1},
        {"het", 1},     {"ast", 1},    {"s", 2},      {"erte", 3},  {"ert", 3},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    int lb = z->lb;
    z->lb = 0;
    if (g == 1) {
        snow_slice_del(z);
    } else if (g == 2) {
        int c = z->c;
        if (snow_in_b(z, "bcdfghjlmnoprtvyz") ||
            (z->c = c, snow_eq_b(z, "k") && snow_out_b(z, NO_V)))
            snow_slice_del(z);
    } else {
        snow_slice_from(z, "er");
    }
    z->lb = lb;
    return 1;
}

static int no_pair(Snow *z) {
    static const SnowAm a[] = {{"dt", 1}, {"vt", 1}};
    if (SNOW_AMONG(z, a)) z->l--;
    return 1;
}

static int no_other(Snow *z) {
    static const SnowAm a[] = {{"leg", 1},  {"eleg", 1}, {"ig", 1},     {"eig", 1},
                               {"lig", 1},  {"elig", 1}, {"els", 1},    {"lov", 1},
                               {"elov", 1}, {"slov", 1}, {"hetslov", 1}};
    if (SNOW_SLICE_AMONG(z, a)) snow_slice_del(z);
    return 1;
}

static void norwegian(Snow *z) {
    sc_regions(z, NO_V);
    z->c = z->l, snow_with_limit(z, z->p1, no_main);
    z->c = z->l, snow_with_limit(z, z->p1, no_pair);
    z->c = z->l, snow_with_limit(z, z->p1, no_other);
}

#define DA_V "aeiouyæåø"

static int da_main(Snow *z) {
    static const SnowAm a[] = {
        {"hed", 1},    {"ethed", 1},   {"ered", 1},  {"e", 1},     {"erede", 1}, {"ende", 1},
        {"erende", 1}, {"ene", 1},     {"erne", 1},  {"ere", 1},   {"en", 1},    {"heden", 1},
        {"eren", 1},   {"er", 1},      {"heder", 1}, {"erer", 1},  {"heds", 1},  {"es", 1},
        {"endes", 1},  {"erendes", 1}, {"enes", 1},  {"ernes", 1}, {"eres", 1},  {"ens", 1},
        {"hedens", 1}, {"erens", 1},   {"ers", 1},   {"ets", 1},   {"erets", 1}, {"et", 1},
        {"eret", 1},   {"s", 2},
    };
    int g = SNOW_SLICE_AMONG(z, a);
    if (!g) return 0;
    int lb = z->lb;
    z->lb = 0;
    if (g == 1 || snow_in_b(z, "abcdfghjklmnoprtvyzå")) snow_slice_del(z);
    z->lb = lb;
    return 1;
}

static int da_pair(Snow *z) {
    static const SnowAm a[] = {{"gd", 1}, {"dt", 1}, {"gt", 1}, {"kt", 1}};
    if (SNOW_AMONG(z, a)) z->l--;
    return 1;
}

static int da_other(Snow *z) {
    static const SnowAm a[] = {{"ig", 1}, {"lig", 1}, {"elig", 1}, {"els", 1}, {"løst", 2}};
    switch (SNOW_SLICE_AMONG(z, a)) {
    case 1:
        snow_slice_del(z);
        z->c = z->l;
        snow_with_limit(z, z->p1, da_pair);
        break;
    case 2:
        snow_slice_from(z, "løs");
        break;
    }
    return 1;
}

static int da_undouble(Snow *z) {
    if (z->c <= z->lb || !snow_in_g(z->p[z->c - 1], "bcdfghjklmnpqrstvwxz")) return 0;
    uint32_t ch = z->p[z->c - 1];
    if (z->c - 2 < 0 || z->p[z->c - 2] != ch) return 0;
    z->l--;
    return 1;
}

static void danish(Snow *z) {
    sc_regions(z, DA_V);
    z->c = z->l, snow_with_limit(z, z->p1, da_main);
    z->c = z->l, snow_with_limit(z, z->p1, da_pair);
    /* other_suffix: -igst loses its st first (outside the region) */
    z->c = z->l;
    if (snow_slice_eq(z, "st") && snow_eq_b(z, "ig")) snow_slice_del(z); /* the slice is "st" */
    z->c = z->l, snow_with_limit(z, z->p1, da_other);
    z->c = z->l, snow_with_limit(z, z->p1, da_undouble);
}

/* ---- dispatch ---- */

FTSTEM_DEFINE(french)
FTSTEM_DEFINE(german)
FTSTEM_DEFINE(swedish)
FTSTEM_DEFINE(norwegian)
FTSTEM_DEFINE(danish)
FTSTEM_DEFINE(spanish)
FTSTEM_DEFINE(italian)
FTSTEM_DEFINE(portuguese)
FTSTEM_DEFINE(dutch)
FTSTEM_DEFINE(russian)
FTSTEM_DEFINE(romanian)
FTSTEM_DEFINE(finnish)
FTSTEM_DEFINE(hungarian)

/* Returns the stemmer of t[0..n) named language (case insensitive), or
 * NULL. */
FtStemFn ftstem__lookup(const FtStemEntry *t, size_t n, const char *language) {
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(language, t[i].name)) return t[i].fn;
    return NULL;
}

FtStemFn ftstem_find(const char *language) {
    static const FtStemEntry t[] = {
        {"french", stem_french},       {"german", stem_german},         {"swedish", stem_swedish},
        {"norwegian", stem_norwegian}, {"danish", stem_danish},         {"spanish", stem_spanish},
        {"italian", stem_italian},     {"portuguese", stem_portuguese}, {"dutch", stem_dutch},
        {"russian", stem_russian},     {"romanian", stem_romanian},     {"finnish", stem_finnish},
        {"hungarian", stem_hungarian},
    };
    if (!language) return NULL;
    FtStemFn fn = ftstem__lookup(t, sizeof t / sizeof t[0], language);
    return fn ? fn : ftstem__find_more(language);
}
