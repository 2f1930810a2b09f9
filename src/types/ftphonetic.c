/*
 * ftphonetic.c - Double Metaphone, written from Lawrence Philips'
 * description of the algorithm ("The Double Metaphone Search Algorithm",
 * C/C++ Users Journal, June 2000).
 *
 * The word is upper-cased and padded with five blanks so that the rules
 * can look ahead past its end (several rules test for a following blank,
 * i.e. the end of the word, or "VAN " at its start). One pass walks the
 * letters left to right; each rule looks at a few letters around the
 * current one, appends to the primary code, the alternate code or both,
 * and says how many letters it consumed. The walk stops when both codes
 * hold four characters or the word ends; the codes are then cut to four
 * characters, as in the implementation RediSearch uses. '0' stands for
 * the "th" sound and 'X' for "sh".
 *
 * RediSearch accepts dm:en, dm:fr, dm:pt and dm:es and computes the same
 * codes for all of them: the algorithm already covers the Romance and
 * Germanic spellings that appear in English names.
 */
#include "types/ftphonetic.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "base/alloc.h"

#define PAD      5
#define CODE_CAP 64

typedef struct Dm {
    char *w;   /* upper-cased word + PAD blanks, NUL-terminated */
    long n;    /* letters of the word (without the padding) */
    long cap;  /* n + PAD */
    long last; /* n - 1 */
    int slavo_germanic;
    char pri[CODE_CAP], alt[CODE_CAP];
    size_t pl, al;
} Dm;

static char at(const Dm *d, long i) {
    return i < 0 || i >= d->cap ? 0 : d->w[i];
}

static int vowel_at(const Dm *d, long i) {
    char c = at(d, i);
    return c && strchr("AEIOUY", c) != NULL;
}

/* Whether one of the NULL-terminated strings (all of length len) is at
 * position start. */
static int str_at(const Dm *d, long start, long len, ...) {
    if (start < 0 || start >= d->cap) return 0;
    va_list ap;
    va_start(ap, len);
    int found = 0;
    const char *s;
    while (!found && (s = va_arg(ap, const char *)) != NULL)
        if (start + len <= d->cap && memcmp(d->w + start, s, (size_t)len) == 0) found = 1;
    va_end(ap);
    return found;
}

static void add_to(char *code, size_t *cl, const char *s) {
    size_t l = strlen(s);
    if (*cl + l >= CODE_CAP) return; /* past four the rest is cut anyway */
    memcpy(code + *cl, s, l);
    *cl += l;
    code[*cl] = 0;
}

/* Appends p to the primary code and a to the alternate. */
static void add2(Dm *d, const char *p, const char *a) {
    add_to(d->pri, &d->pl, p);
    add_to(d->alt, &d->al, a);
}

static void add(Dm *d, const char *s) {
    add2(d, s, s);
}

/* The rules for 'C' at i; returns the letters consumed. */
static long rule_c(Dm *d, long i) {
    /* Germanic "-ach-" as in "bacher", "macher", but not "-achi-"/"-ache-" */
    if (i > 1 && !vowel_at(d, i - 2) && str_at(d, i - 1, 3, "ACH", NULL) && at(d, i + 2) != 'I' &&
        (at(d, i + 2) != 'E' || str_at(d, i - 2, 6, "BACHER", "MACHER", NULL))) {
        add(d, "K");
        return 2;
    }
    if (i == 0 && str_at(d, i, 6, "CAESAR", NULL)) {
        add(d, "S");
        return 2;
    }
    if (str_at(d, i, 4, "CHIA", NULL)) { /* Italian "chianti" */
        add(d, "K");
        return 2;
    }
    if (str_at(d, i, 2, "CH", NULL)) {
        if (i > 0 && str_at(d, i, 4, "CHAE", NULL)) { /* "michael" */
            add2(d, "K", "X");
            return 2;
        }
        /* Greek roots: "chemistry", "chorus" */
        if (i == 0 &&
            (str_at(d, i + 1, 5, "HARAC", "HARIS", NULL) ||
             str_at(d, i + 1, 3, "HOR", "HYM", "HIA", "HEM", NULL)) &&
            !str_at(d, 0, 5, "CHORE", NULL)) {
            add(d, "K");
            return 2;
        }
        /* Germanic, Greek or otherwise "kh": "architect", "orchestra",
         * "wachtler", "wechsler" (but not "tichner") */
        if (str_at(d, 0, 4, "VAN ", "VON ", NULL) || str_at(d, 0, 3, "SCH", NULL) ||
            str_at(d, i - 2, 6, "ORCHES", "ARCHIT", "ORCHID", NULL) ||
            str_at(d, i + 2, 1, "T", "S", NULL) ||
            ((str_at(d, i - 1, 1, "A", "O", "U", "E", NULL) || i == 0) &&
             str_at(d, i + 2, 1, "L", "R", "N", "M", "B", "H", "F", "V", "W", " ", NULL))) {
            add(d, "K");
        } else if (i > 0) {
            if (str_at(d, 0, 2, "MC", NULL)) /* "McHugh" */
                add(d, "K");
            else
                add2(d, "X", "K");
        } else {
            add(d, "X");
        }
        return 2;
    }
    if (str_at(d, i, 2, "CZ", NULL) && !str_at(d, i - 2, 4, "WICZ", NULL)) { /* "czerny" */
        add2(d, "S", "X");
        return 2;
    }
    if (str_at(d, i + 1, 3, "CIA", NULL)) { /* "focaccia" */
        add(d, "X");
        return 3;
    }
    /* a double C, but not as in "McClellan" */
    if (str_at(d, i, 2, "CC", NULL) && !(i == 1 && at(d, 0) == 'M')) {
        if (str_at(d, i + 2, 1, "I", "E", "H", NULL) && !str_at(d, i + 2, 2, "HU", NULL)) {
            /* "accident", "accede", "succeed" sound KS; "bacci", "bertucci" X */
            if ((i == 1 && at(d, i - 1) == 'A') || str_at(d, i - 1, 5, "UCCEE", "UCCES", NULL))
                add(d, "KS");
            else
                add(d, "X");
            return 3;
        }
        add(d, "K"); /* Pierce's rule */
        return 2;
    }
    if (str_at(d, i, 2, "CK", "CG", "CQ", NULL)) {
        add(d, "K");
        return 2;
    }
    if (str_at(d, i, 2, "CI", "CE", "CY", NULL)) {
        if (str_at(d, i, 3, "CIO", "CIE", "CIA", NULL)) /* Italian vs English */
            add2(d, "S", "X");
        else
            add(d, "S");
        return 2;
    }
    add(d, "K");
    if (str_at(d, i + 1, 2, " C", " Q", " G", NULL)) return 3; /* "mac caffrey" */
    if (str_at(d, i + 1, 1, "C", "K", "Q", NULL) && !str_at(d, i + 1, 2, "CE", "CI", NULL))
        return 2;
    return 1;
}

static long rule_g(Dm *d, long i) {
    if (at(d, i + 1) == 'H') {
        if (i > 0 && !vowel_at(d, i - 1)) {
            add(d, "K");
            return 2;
        }
        if (i == 0) { /* "ghislane", "ghiradelli" */
            add(d, at(d, i + 2) == 'I' ? "J" : "K");
            return 2;
        }
        /* Parker's rule: "hugh", "bough", "broughton" are silent */
        if ((i > 1 && str_at(d, i - 2, 1, "B", "H", "D", NULL)) ||
            (i > 2 && str_at(d, i - 3, 1, "B", "H", "D", NULL)) ||
            (i > 3 && str_at(d, i - 4, 1, "B", "H", NULL)))
            return 2;
        /* "laugh", "McLaughlin", "cough", "gough", "rough", "tough" */
        if (i > 2 && at(d, i - 1) == 'U' && str_at(d, i - 3, 1, "C", "G", "L", "R", "T", NULL))
            add(d, "F");
        else if (i > 0 && at(d, i - 1) != 'I')
            add(d, "K");
        return 2;
    }
    if (at(d, i + 1) == 'N') {
        if (i == 1 && vowel_at(d, 0) && !d->slavo_germanic)
            add2(d, "KN", "N");
        else if (!str_at(d, i + 2, 2, "EY", NULL) && at(d, i + 1) != 'Y' && !d->slavo_germanic)
            add2(d, "N", "KN"); /* not as in "cagney" */
        else
            add(d, "KN");
        return 2;
    }
    if (str_at(d, i + 1, 2, "LI", NULL) && !d->slavo_germanic) { /* "tagliaro" */
        add2(d, "KL", "L");
        return 2;
    }
    /* -ges-, -gep-, -gel-, -gie- at the start */
    if (i == 0 && (at(d, i + 1) == 'Y' || str_at(d, i + 1, 2, "ES", "EP", "EB", "EL", "EY", "IB",
                                                 "IL", "IN", "IE", "EI", "ER", NULL))) {
        add2(d, "K", "J");
        return 2;
    }
    /* -ger-, -gy- */
    if ((str_at(d, i + 1, 2, "ER", NULL) || at(d, i + 1) == 'Y') &&
        !str_at(d, 0, 6, "DANGER", "RANGER", "MANGER", NULL) &&
        !str_at(d, i - 1, 1, "E", "I", NULL) && !str_at(d, i - 1, 3, "RGY", "OGY", NULL)) {
        add2(d, "K", "J");
        return 2;
    }
    /* Italian, as in "biaggi" */
    if (str_at(d, i + 1, 1, "E", "I", "Y", NULL) || str_at(d, i - 1, 4, "AGGI", "OGGI", NULL)) {
        if (str_at(d, 0, 4, "VAN ", "VON ", NULL) || str_at(d, 0, 3, "SCH", NULL) ||
            str_at(d, i + 1, 2, "ET", NULL))
            add(d, "K"); /* obviously Germanic */
        else if (str_at(d, i + 1, 4, "IER ", NULL))
            add(d, "J"); /* a French ending is always soft */
        else
            add2(d, "J", "K");
        return 2;
    }
    add(d, "K");
    return at(d, i + 1) == 'G' ? 2 : 1;
}

static long rule_j(Dm *d, long i) {
    /* Spanish: "jose", "san jacinto" */
    if (str_at(d, i, 4, "JOSE", NULL) || str_at(d, 0, 4, "SAN ", NULL)) {
        if ((i == 0 && at(d, i + 4) == ' ') || str_at(d, 0, 4, "SAN ", NULL))
            add(d, "H");
        else
            add2(d, "J", "H");
        return 1;
    }
    if (i == 0 && !str_at(d, i, 4, "JOSE", NULL)) {
        add2(d, "J", "A"); /* "Yankelovich" / "Jankelowicz" */
    } else if (vowel_at(d, i - 1) && !d->slavo_germanic &&
               (at(d, i + 1) == 'A' || at(d, i + 1) == 'O')) {
        add2(d, "J", "H"); /* Spanish "bajador" */
    } else if (i == d->last) {
        add2(d, "J", "");
    } else if (!str_at(d, i + 1, 1, "L", "T", "K", "S", "N", "M", "B", "Z", NULL) &&
               !str_at(d, i - 1, 1, "S", "K", "L", NULL)) {
        add(d, "J");
    }
    return at(d, i + 1) == 'J' ? 2 : 1;
}

static long rule_s(Dm *d, long i) {
    if (str_at(d, i - 1, 3, "ISL", "YSL", NULL)) return 1; /* "island", "carlisle" */
    if (i == 0 && str_at(d, i, 5, "SUGAR", NULL)) {
        add2(d, "X", "S");
        return 1;
    }
    if (str_at(d, i, 2, "SH", NULL)) {
        if (str_at(d, i + 1, 4, "HEIM", "HOEK", "HOLM", "HOLZ", NULL))
            add(d, "S"); /* Germanic */
        else
            add(d, "X");
        return 2;
    }
    if (str_at(d, i, 3, "SIO", "SIA", NULL) || str_at(d, i, 4, "SIAN", NULL)) {
        if (!d->slavo_germanic)
            add2(d, "S", "X"); /* Italian, Armenian */
        else
            add(d, "S");
        return 3;
    }
    /* "smith" matches "schmidt", "snider" "schneider"; Slavic -sz- */
    if ((i == 0 && str_at(d, i + 1, 1, "M", "N", "L", "W", NULL)) ||
        str_at(d, i + 1, 1, "Z", NULL)) {
        add2(d, "S", "X");
        return str_at(d, i + 1, 1, "Z", NULL) ? 2 : 1;
    }
    if (str_at(d, i, 2, "SC", NULL)) {
        if (at(d, i + 2) == 'H') { /* Schlesinger's rule */
            if (str_at(d, i + 3, 2, "OO", "ER", "EN", "UY", "ED", "EM", NULL)) {
                /* Dutch: "school", "schooner"; "schermerhorn", "schenker" */
                if (str_at(d, i + 3, 2, "ER", "EN", NULL))
                    add2(d, "X", "SK");
                else
                    add(d, "SK");
                return 3;
            }
            if (i == 0 && !vowel_at(d, 3) && at(d, 3) != 'W')
                add2(d, "X", "S");
            else
                add(d, "X");
            return 3;
        }
        if (str_at(d, i + 2, 1, "I", "E", "Y", NULL)) {
            add(d, "S");
            return 3;
        }
        add(d, "SK");
        return 3;
    }
    if (i == d->last && str_at(d, i - 2, 2, "AI", "OI", NULL))
        add2(d, "", "S"); /* French: "resnais", "artois" */
    else
        add(d, "S");
    return str_at(d, i + 1, 1, "S", "Z", NULL) ? 2 : 1;
}

static long rule_t(Dm *d, long i) {
    if (str_at(d, i, 4, "TION", NULL) || str_at(d, i, 3, "TIA", "TCH", NULL)) {
        add(d, "X");
        return 3;
    }
    if (str_at(d, i, 2, "TH", NULL) || str_at(d, i, 3, "TTH", NULL)) {
        /* "thomas", "thames", or Germanic */
        if (str_at(d, i + 2, 2, "OM", "AM", NULL) || str_at(d, 0, 4, "VAN ", "VON ", NULL) ||
            str_at(d, 0, 3, "SCH", NULL))
            add(d, "T");
        else
            add2(d, "0", "T");
        return 2;
    }
    add(d, "T");
    return str_at(d, i + 1, 1, "T", "D", NULL) ? 2 : 1;
}

static long rule_w(Dm *d, long i) {
    if (str_at(d, i, 2, "WR", NULL)) {
        add(d, "R");
        return 2;
    }
    if (i == 0 && (vowel_at(d, i + 1) || str_at(d, i, 2, "WH", NULL))) {
        if (vowel_at(d, i + 1))
            add2(d, "A", "F"); /* "Wasserman" matches "Vasserman" */
        else
            add(d, "A"); /* "Uomo" matches "Womo" */
    }
    /* "Arnow" matches "Arnoff" */
    if ((i == d->last && vowel_at(d, i - 1)) ||
        str_at(d, i - 1, 5, "EWSKI", "EWSKY", "OWSKI", "OWSKY", NULL) ||
        str_at(d, 0, 3, "SCH", NULL)) {
        add2(d, "", "F");
        return 1;
    }
    if (str_at(d, i, 4, "WICZ", "WITZ", NULL)) { /* Polish "filipowicz" */
        add2(d, "TS", "FX");
        return 4;
    }
    return 1;
}

/* One letter's rule; returns the letters consumed (at least 1). */
static long step(Dm *d, long i) {
    char c = d->w[i];
    switch (c) {
    case 'A':
    case 'E':
    case 'I':
    case 'O':
    case 'U':
    case 'Y':
        if (i == 0) add(d, "A"); /* vowels count only at the start */
        return 1;
    case 'B':
        add(d, "P");
        return at(d, i + 1) == 'B' ? 2 : 1;
    case 'C':
        return rule_c(d, i);
    case 'D':
        if (str_at(d, i, 2, "DG", NULL)) {
            if (str_at(d, i + 2, 1, "I", "E", "Y", NULL)) { /* "edge" */
                add(d, "J");
                return 3;
            }
            add(d, "TK"); /* "edgar" */
            return 2;
        }
        add(d, "T");
        return str_at(d, i, 2, "DT", "DD", NULL) ? 2 : 1;
    case 'F':
        add(d, "F");
        return at(d, i + 1) == 'F' ? 2 : 1;
    case 'G':
        return rule_g(d, i);
    case 'H':
        /* kept only first or between vowels, before a vowel */
        if ((i == 0 || vowel_at(d, i - 1)) && vowel_at(d, i + 1)) {
            add(d, "H");
            return 2;
        }
        return 1;
    case 'J':
        return rule_j(d, i);
    case 'K':
        add(d, "K");
        return at(d, i + 1) == 'K' ? 2 : 1;
    case 'L':
        if (at(d, i + 1) == 'L') {
            /* Spanish: "cabrillo", "gallegos" */
            if ((i == d->n - 3 && str_at(d, i - 1, 4, "ILLO", "ILLA", "ALLE", NULL)) ||
                ((str_at(d, d->last - 1, 2, "AS", "OS", NULL) ||
                  str_at(d, d->last, 1, "A", "O", NULL)) &&
                 str_at(d, i - 1, 4, "ALLE", NULL))) {
                add2(d, "L", "");
                return 2;
            }
            add(d, "L");
            return 2;
        }
        add(d, "L");
        return 1;
    case 'M':
        add(d, "M");
        /* "dumb", "thumb", "dumber"; a double M */
        if ((str_at(d, i - 1, 3, "UMB", NULL) &&
             (i + 1 == d->last || str_at(d, i + 2, 2, "ER", NULL))) ||
            at(d, i + 1) == 'M')
            return 2;
        return 1;
    case 'N':
        add(d, "N");
        return at(d, i + 1) == 'N' ? 2 : 1;
    case 'P':
        if (at(d, i + 1) == 'H') {
            add(d, "F");
            return 2;
        }
        add(d, "P"); /* "campbell", "raspberry" */
        return str_at(d, i + 1, 1, "P", "B", NULL) ? 2 : 1;
    case 'Q':
        add(d, "K");
        return at(d, i + 1) == 'Q' ? 2 : 1;
    case 'R':
        /* French "rogier", but not "hochmeier" */
        if (i == d->last && !d->slavo_germanic && str_at(d, i - 2, 2, "IE", NULL) &&
            !str_at(d, i - 4, 2, "ME", "MA", NULL))
            add2(d, "", "R");
        else
            add(d, "R");
        return at(d, i + 1) == 'R' ? 2 : 1;
    case 'S':
        return rule_s(d, i);
    case 'T':
        return rule_t(d, i);
    case 'V':
        add(d, "F");
        return at(d, i + 1) == 'V' ? 2 : 1;
    case 'W':
        return rule_w(d, i);
    case 'X':
        /* French "breaux" is silent */
        if (!(i == d->last &&
              (str_at(d, i - 3, 3, "IAU", "EAU", NULL) || str_at(d, i - 2, 2, "AU", "OU", NULL))))
            add(d, "KS");
        return str_at(d, i + 1, 1, "C", "X", NULL) ? 2 : 1;
    case 'Z':
        if (at(d, i + 1) == 'H') { /* Chinese pinyin "zhao" */
            add(d, "J");
            return 2;
        }
        if (str_at(d, i + 1, 2, "ZO", "ZI", "ZA", NULL) ||
            (d->slavo_germanic && i > 0 && at(d, i - 1) != 'T'))
            add2(d, "S", "TS");
        else
            add(d, "S");
        return at(d, i + 1) == 'Z' ? 2 : 1;
    default:
        return 1;
    }
}

/* Computes word's codes (see ftphonetic.h). Borrows word; O(len). */
void ftph_double_metaphone(const char *word, size_t len, char primary[FTPH_CODE_MAX + 1],
                           char alternate[FTPH_CODE_MAX + 1]) {
    assert(word || len == 0);
    Dm d;
    memset(&d, 0, sizeof d);
    d.w = xmalloc(len + PAD + 1);
    for (size_t k = 0; k < len; k++) {
        char c = word[k];
        d.w[k] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : (c == 0 ? '?' : c);
    }
    memset(d.w + len, ' ', PAD);
    d.w[len + PAD] = 0;
    d.n = (long)len;
    d.cap = (long)len + PAD;
    d.last = d.n - 1;
    d.slavo_germanic = memchr(d.w, 'W', len) || memchr(d.w, 'K', len) ||
                       strstr(d.w, "CZ") != NULL || strstr(d.w, "WITZ") != NULL;
    long i = 0;
    if (str_at(&d, 0, 2, "GN", "KN", "PN", "WR", "PS", NULL)) i = 1; /* silent first letter */
    if (d.n > 0 && d.w[0] == 'X') { /* "Xavier": an initial X sounds Z, coded S */
        add(&d, "S");
        i = 1;
    }
    while ((d.pl < FTPH_CODE_MAX || d.al < FTPH_CODE_MAX) && i < d.n) i += step(&d, i);
    d.pri[d.pl < FTPH_CODE_MAX ? d.pl : FTPH_CODE_MAX] = 0;
    d.alt[d.al < FTPH_CODE_MAX ? d.al : FTPH_CODE_MAX] = 0;
    memcpy(primary, d.pri, FTPH_CODE_MAX + 1);
    memcpy(alternate, d.alt, FTPH_CODE_MAX + 1);
    xfree(d.w);
}

/* The terms a word is indexed and queried under (see ftphonetic.h). */
int ftph_terms(const char *word, size_t len, char out[2][FTPH_CODE_MAX + 2]) {
    char p[FTPH_CODE_MAX + 1], a[FTPH_CODE_MAX + 1];
    ftph_double_metaphone(word, len, p, a);
    if (!p[0]) return 0;
    out[0][0] = FTPH_TERM_PREFIX;
    memcpy(out[0] + 1, p, FTPH_CODE_MAX + 1);
    if (!a[0] || strcmp(a, p) == 0) return 1;
    out[1][0] = FTPH_TERM_PREFIX;
    memcpy(out[1] + 1, a, FTPH_CODE_MAX + 1);
    return 2;
}
