/*
 * fttext.c - the query engine's text handling: tokenizer, case folding,
 * stop words and the Snowball English (Porter2) stemmer.
 *
 * Design. Everything here is a pure function over bytes, so the indexer
 * (ftcore) and the query parser (ftquery.c) share one definition of what a
 * term is. The tokenizer mirrors RediSearch's default tokenizer: a term
 * ends at an unescaped separator byte; inside a term, unescaped blanks,
 * control bytes and unescaped backslashes are dropped, the rest is
 * lowercased. Lowercasing covers ASCII and the scripts whose case mapping
 * is a fixed offset (Latin-1, Latin Extended-A/Additional, Greek, Cyrillic,
 * Armenian); other code points are kept as they are. Unicode-complete
 * folding (ICU/nunicode tables) was rejected as too large for what users
 * index in practice; the gap is documented.
 *
 * The stemmer follows the Porter2 description on snowballstem.org step by
 * step (prelude, R1/R2, steps 0-5, postlude) over ASCII bytes; a byte
 * outside a-z counts as a non-vowel, as Snowball treats non-letters.
 */
#include "types/fttext.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "types/ftstem.h"

/* ---- stop words ---- */

static const char *const default_stopwords[] = {
    "a",    "is",    "the",  "an",    "and",   "are",  "as",   "at", "be",  "but",  "by",
    "for",  "if",    "in",   "into",  "it",    "no",   "not",  "of", "on",  "or",   "such",
    "that", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
};
#define N_DEFAULT_STOPWORDS (sizeof(default_stopwords) / sizeof(default_stopwords[0]))

struct FtStopwords {
    char **words;
    size_t *lens;
    size_t n;
};

const char *const *ftt_default_stopwords(size_t *n) {
    *n = N_DEFAULT_STOPWORDS;
    return default_stopwords;
}

/* Returns an owned list (ftt_stopwords_free()); the words are borrowed and
 * copied lowercased. */
FtStopwords *ftt_stopwords_new(const char *const *words, const size_t *lens, size_t n) {
    FtStopwords *sw = xcalloc(1, sizeof(*sw));
    sw->n = n;
    if (n) {
        sw->words = xcalloc(n, sizeof(char *));
        sw->lens = xcalloc(n, sizeof(size_t));
    }
    for (size_t i = 0; i < n; i++) sw->words[i] = ftt_lower_dup(words[i], lens[i], &sw->lens[i]);
    return sw;
}

void ftt_stopwords_free(FtStopwords *sw) {
    if (!sw) return;
    for (size_t i = 0; i < sw->n; i++) xfree(sw->words[i]);
    xfree(sw->words);
    xfree(sw->lens);
    xfree(sw);
}

/* Borrows sw and w. Lists are short (33 by default), a scan is enough. */
int ftt_is_stopword(const FtStopwords *sw, const char *w, size_t len) {
    if (!sw) {
        for (size_t i = 0; i < N_DEFAULT_STOPWORDS; i++)
            if (strlen(default_stopwords[i]) == len && !memcmp(default_stopwords[i], w, len))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < sw->n; i++)
        if (sw->lens[i] == len && !memcmp(sw->words[i], w, len)) return 1;
    return 0;
}

const char *const *ftt_stopwords_words(const FtStopwords *sw, size_t *n) {
    if (!sw) return ftt_default_stopwords(n);
    *n = sw->n;
    return (const char *const *)sw->words;
}

/* ---- case folding ---- */

/* Decodes one UTF-8 sequence at s (n bytes available); returns its length
 * and the code point, or 1 and -1 for an invalid byte. */
static size_t utf8_decode(const unsigned char *s, size_t n, long *cp) {
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    long v;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = -1;
        return 1;
    }
    if (len > n) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const long min_by_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_by_len[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return len;
}

static size_t utf8_encode(long cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The simple lowercase mapping of the scripts covered (see the header). */
static long lower_cp(long c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';
        if (c == 0x178) return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c : c + 1;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if (c >= 0x1E00 && c <= 0x1EFF && c != 0x1E9E && !(c >= 0x1E96 && c <= 0x1E9D))
        return (c & 1) ? c : c + 1;
    if (c == 0x1E9E) return 0xDF;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

/* Writes the lowercase form of s[0..len) into dst (at most cap bytes);
 * returns the full length needed. Borrows s. */
size_t ftt_lower(const char *s, size_t len, char *dst, size_t cap) {
    size_t out = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        long cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        char enc[4];
        size_t m;
        if (cp < 0) {
            enc[0] = (char)u[i];
            m = 1;
        } else {
            m = utf8_encode(lower_cp(cp), enc);
        }
        for (size_t k = 0; k < m; k++) {
            if (out < cap) dst[out] = enc[k];
            out++;
        }
        i += n;
    }
    return out;
}

/* Returns an owned NUL-terminated lowercase copy of s[0..len). */
char *ftt_lower_dup(const char *s, size_t len, size_t *out_len) {
    /* Lowercasing never grows a sequence by more than a byte here (İ -> i
     * shrinks), so 2*len+1 is a safe bound; compute exactly anyway. */
    size_t need = ftt_lower(s, len, NULL, 0);
    char *d = xmalloc(need + 1);
    ftt_lower(s, len, d, need);
    d[need] = '\0';
    if (out_len) *out_len = need;
    return d;
}

/* Drops, in place, each backslash before punctuation or whitespace. */
size_t ftt_unescape(char *s, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len &&
            (ispunct((unsigned char)s[i + 1]) || isspace((unsigned char)s[i + 1])))
            continue;
        s[o++] = s[i];
    }
    return o;
}

/* ---- the tokenizer ---- */

static int is_sep(unsigned char c) {
    switch (c) {
    case ' ':
    case '\t':
    case ',':
    case '.':
    case '/':
    case '(':
    case ')':
    case '{':
    case '}':
    case '[':
    case ']':
    case ':':
    case ';':
    case '~':
    case '!':
    case '@':
    case '#':
    case '$':
    case '%':
    case '^':
    case '&':
    case '*':
    case '-':
    case '=':
    case '+':
    case '|':
    case '\'':
    case '`':
    case '"':
    case '<':
    case '>':
    case '?':
        return 1;
    default:
        return 0;
    }
}

/* Borrows text (until the tokenizer is done) and stopwords. */
void ftt_tokenizer_init(FttTokenizer *t, const char *text, size_t len, const FtStopwords *stopwords,
                        int skip_stopwords) {
    memset(t, 0, sizeof(*t));
    t->text = text;
    t->len = len;
    t->stopwords = stopwords;
    t->skip_stopwords = skip_stopwords;
}

/* Fills tok with the next kept term (tok->term valid until the next call);
 * returns 0 when the text is exhausted. */
int ftt_next(FttTokenizer *t, FttToken *tok) {
    while (t->pos < t->len) {
        size_t start = t->pos, end = start;
        /* A separator ends the term unless the byte before it is a
         * backslash (RediSearch looks only at the previous byte). */
        while (end < t->len) {
            unsigned char c = (unsigned char)t->text[end];
            if ((is_sep(c) || c == '\0') && (end == start || t->text[end - 1] != '\\')) break;
            end++;
        }
        t->pos = end < t->len ? end + 1 : end;
        size_t raw_len = end - start;
        size_t take = raw_len > FTT_MAX_TERM_BYTES ? FTT_MAX_TERM_BYTES : raw_len;
        char norm[FTT_MAX_TERM_BYTES];
        size_t n = 0;
        int escaped = 0;
        for (size_t i = 0; i < take; i++) {
            unsigned char c = (unsigned char)t->text[start + i];
            if (((c == ' ' || c == '\t') && !escaped) || iscntrl(c)) {
                /* dropped */
            } else if (c == '\\' && !escaped) {
                escaped = 1;
                continue;
            } else {
                norm[n++] = (char)c;
            }
            escaped = 0;
        }
        if (n == 0) continue;
        size_t ln = ftt_lower(norm, n, t->buf, sizeof(t->buf) - 1);
        if (ln > sizeof(t->buf) - 1) ln = sizeof(t->buf) - 1;
        t->buf[ln] = '\0';
        if (t->skip_stopwords && ftt_is_stopword(t->stopwords, t->buf, ln)) continue;
        tok->term = t->buf;
        tok->term_len = ln;
        tok->raw = t->text + start;
        tok->raw_len = raw_len;
        tok->raw_off = start;
        tok->position = ++t->position;
        return 1;
    }
    return 0;
}

/* ---- the Porter2 stemmer ---- */

typedef struct Word {
    char b[FTT_MAX_TERM_BYTES * 3 + 8];
    int len;
    int r1, r2;
} Word;

static int is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static int ends_with(const Word *w, const char *suf) {
    int n = (int)strlen(suf);
    return n <= w->len && !memcmp(w->b + w->len - n, suf, (size_t)n);
}

static void set_end(Word *w, int suf_len, const char *rep) {
    int n = (int)strlen(rep);
    memcpy(w->b + w->len - suf_len, rep, (size_t)n);
    w->len = w->len - suf_len + n;
    w->b[w->len] = '\0';
}

static int is_double(const Word *w) {
    if (w->len < 2) return 0;
    char a = w->b[w->len - 1], b = w->b[w->len - 2];
    if (a != b) return 0;
    return a == 'b' || a == 'd' || a == 'f' || a == 'g' || a == 'm' || a == 'n' || a == 'p' ||
           a == 'r' || a == 't';
}

static int is_li_ending(char c) {
    return c == 'c' || c == 'd' || c == 'e' || c == 'g' || c == 'h' || c == 'k' || c == 'm' ||
           c == 'n' || c == 'r' || c == 't';
}

/* Whether the syllable ending at index i (inclusive) is short: a vowel
 * followed by a non-vowel other than w, x, Y and preceded by a non-vowel,
 * or a vowel at the start followed by a non-vowel. */
static int short_syllable_at(const Word *w, int i) {
    if (i < 1) return 0;
    char c = w->b[i], v = w->b[i - 1];
    if (i == 1) return is_vowel(v) && !is_vowel(c);
    return !is_vowel(w->b[i - 2]) && is_vowel(v) && !is_vowel(c) && c != 'w' && c != 'x' &&
           c != 'Y';
}

static int is_short_word(const Word *w) {
    return w->r1 >= w->len && short_syllable_at(w, w->len - 1);
}

static int region_after(const Word *w, int from) {
    for (int i = from + 1; i < w->len; i++)
        if (!is_vowel(w->b[i]) && is_vowel(w->b[i - 1])) return i + 1;
    return w->len;
}

static int has_vowel(const Word *w, int upto) {
    for (int i = 0; i < upto; i++)
        if (is_vowel(w->b[i])) return 1;
    return 0;
}

/* The longest of the suffixes that w ends with, or -1. */
static int longest(const Word *w, const char *const *sufs, int n) {
    int best = -1, best_len = -1;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(sufs[i]);
        if (l > best_len && ends_with(w, sufs[i])) {
            best = i;
            best_len = l;
        }
    }
    return best;
}

#define NSUF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int in_r1(const Word *w, int suf_len) {
    return w->len - suf_len >= w->r1;
}
static int in_r2(const Word *w, int suf_len) {
    return w->len - suf_len >= w->r2;
}

static void step0(Word *w) {
    static const char *const s[] = {"'s'", "'s", "'"};
    int i = longest(w, s, NSUF(s));
    if (i >= 0) set_end(w, (int)strlen(s[i]), "");
}

static void step1a(Word *w) {
    static const char *const s[] = {"sses", "ied", "ies", "us", "ss", "s"};
    int i = longest(w, s, NSUF(s));
    if (i < 0) return;
    const char *m = s[i];
    if (!strcmp(m, "sses")) {
        set_end(w, 4, "ss");
    } else if (!strcmp(m, "ied") || !strcmp(m, "ies")) {
        set_end(w, 3, w->len > 4 ? "i" : "ie");
    } else if (!strcmp(m, "s")) {
        /* delete if the part before contains a vowel not just before the s */
        if (has_vowel(w, w->len - 2)) set_end(w, 1, "");
    }
}

static void step1b(Word *w) {
    static const char *const s[] = {"eed", "eedly", "ed", "edly", "ing", "ingly"};
    int i = longest(w, s, NSUF(s));
    if (i < 0) return;
    int l = (int)strlen(s[i]);
    if (i <= 1) {
        if (in_r1(w, l)) set_end(w, l, "ee");
        return;
    }
    if (!has_vowel(w, w->len - l)) return;
    set_end(w, l, "");
    if (ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz")) {
        set_end(w, 0, "e");
    } else if (is_double(w)) {
        set_end(w, 1, "");
    } else if (is_short_word(w)) {
        set_end(w, 0, "e");
    }
}

static void step1c(Word *w) {
    if (w->len > 2 && (w->b[w->len - 1] == 'y' || w->b[w->len - 1] == 'Y') &&
        !is_vowel(w->b[w->len - 2]))
        w->b[w->len - 1] = 'i';
}

static void step2(Word *w) {
    static const char *const s[] = {
        "tional",  "enci",  "anci",   "abli",  "entli", "izer",    "ization", "ational",
        "ation",   "ator",  "alism",  "aliti", "alli",  "fulness", "ousli",   "ousness",
        "iveness", "iviti", "biliti", "bli",   "ogi",   "fulli",   "lessli",  "li",
    };
    static const char *const r[] = {
        "tion", "ence", "ance", "able", "ent", "ize", "ize", "ate", "ate", "ate", "al",   "al",
        "al",   "ful",  "ous",  "ous",  "ive", "ive", "ble", "ble", "og",  "ful", "less", "",
    };
    int i = longest(w, s, NSUF(s));
    if (i < 0) return;
    int l = (int)strlen(s[i]);
    if (!in_r1(w, l)) return;
    if (!strcmp(s[i], "ogi")) {
        if (w->len - l >= 1 && w->b[w->len - l - 1] == 'l') set_end(w, l, r[i]);
    } else if (!strcmp(s[i], "li")) {
        if (w->len - l >= 1 && is_li_ending(w->b[w->len - l - 1])) set_end(w, l, "");
    } else {
        set_end(w, l, r[i]);
    }
}

static void step3(Word *w) {
    static const char *const s[] = {"tional", "ational", "alize", "icate", "iciti",
                                    "ical",   "ful",     "ness",  "ative"};
    static const char *const r[] = {"tion", "ate", "al", "ic", "ic", "ic", "", "", ""};
    int i = longest(w, s, NSUF(s));
    if (i < 0) return;
    int l = (int)strlen(s[i]);
    if (!in_r1(w, l)) return;
    if (!strcmp(s[i], "ative")) {
        if (in_r2(w, l)) set_end(w, l, "");
    } else {
        set_end(w, l, r[i]);
    }
}

static void step4(Word *w) {
    static const char *const s[] = {"al",   "ance", "ence",  "er",   "ic",  "able",
                                    "ible", "ant",  "ement", "ment", "ent", "ism",
                                    "ate",  "iti",  "ous",   "ive",  "ize", "ion"};
    int i = longest(w, s, NSUF(s));
    if (i < 0) return;
    int l = (int)strlen(s[i]);
    if (!in_r2(w, l)) return;
    if (!strcmp(s[i], "ion")) {
        if (w->len - l >= 1 && (w->b[w->len - l - 1] == 's' || w->b[w->len - l - 1] == 't'))
            set_end(w, l, "");
    } else {
        set_end(w, l, "");
    }
}

static void step5(Word *w) {
    if (w->len == 0) return;
    char last = w->b[w->len - 1];
    if (last == 'e') {
        if (in_r2(w, 1) || (in_r1(w, 1) && !short_syllable_at(w, w->len - 2))) set_end(w, 1, "");
    } else if (last == 'l') {
        if (in_r2(w, 1) && w->len >= 2 && w->b[w->len - 2] == 'l') set_end(w, 1, "");
    }
}

static const char *exception1(const char *w, size_t len) {
    static const char *const from[] = {"skis",   "skies", "dying", "lying",  "tying",  "idly",
                                       "gently", "ugly",  "early", "only",   "singly", "sky",
                                       "news",   "howe",  "atlas", "cosmos", "bias",   "andes"};
    static const char *const to[] = {"ski",   "sky",  "die",   "lie",    "tie",   "idl",
                                     "gentl", "ugli", "earli", "onli",   "singl", "sky",
                                     "news",  "howe", "atlas", "cosmos", "bias",  "andes"};
    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
        if (strlen(from[i]) == len && !memcmp(from[i], w, len)) return to[i];
    return NULL;
}

static int exception2(const Word *w) {
    static const char *const s[] = {"inning",  "outing",  "canning", "herring",
                                    "earring", "proceed", "exceed",  "succeed"};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if ((int)strlen(s[i]) == w->len && !memcmp(s[i], w->b, (size_t)w->len)) return 1;
    return 0;
}

/* Stems the lowercase word w[0..len) into out (cap bytes); returns the
 * stem's length. Borrows w. */
size_t ftt_stem(const char *word, size_t len, char *out, size_t cap) {
    Word w;
    const char *res = word;
    size_t res_len = len;
    const char *ex;
    if (len <= 2 || len >= sizeof(w.b) - 4) goto done;
    if ((ex = exception1(word, len)) != NULL) {
        res = ex;
        res_len = strlen(ex);
        goto done;
    }
    memcpy(w.b, word, len);
    w.len = (int)len;
    w.b[w.len] = '\0';
    /* prelude */
    if (w.b[0] == '\'') {
        memmove(w.b, w.b + 1, (size_t)w.len);
        w.len--;
    }
    if (w.len > 0 && w.b[0] == 'y') w.b[0] = 'Y';
    for (int i = 1; i < w.len; i++)
        if (w.b[i] == 'y' && is_vowel(w.b[i - 1])) w.b[i] = 'Y';
    /* regions */
    if (w.len >= 5 && (!memcmp(w.b, "gener", 5) || !memcmp(w.b, "arsen", 5)))
        w.r1 = 5;
    else if (w.len >= 6 && !memcmp(w.b, "commun", 6))
        w.r1 = 6;
    else
        w.r1 = region_after(&w, 0);
    w.r2 = w.r1 < w.len ? region_after(&w, w.r1) : w.len;
    if (w.r2 < w.r1) w.r2 = w.r1;

    step0(&w);
    step1a(&w);
    if (!exception2(&w)) {
        step1b(&w);
        step1c(&w);
        step2(&w);
        step3(&w);
        step4(&w);
        step5(&w);
    }
    for (int i = 0; i < w.len; i++)
        if (w.b[i] == 'Y') w.b[i] = 'y';
    res = w.b;
    res_len = (size_t)w.len;
done:
    if (cap) {
        size_t n = res_len < cap - 1 ? res_len : cap - 1;
        memmove(out, res, n);
        out[n] = '\0';
    }
    return res_len;
}

/* Returns an owned "+stem" (xfree()) when w's stem differs from w, or
 * NULL. Borrows w. */
char *ftt_stem_term(const char *w, size_t len, int min_len, size_t *out_len) {
    if (min_len <= 0) min_len = FTT_DEFAULT_MIN_STEM_LEN;
    if (len < (size_t)min_len) return NULL;
    char *buf = xmalloc(len + 2);
    size_t sl = ftt_stem(w, len, buf + 1, len + 1);
    if (sl == len && !memcmp(buf + 1, w, len)) {
        xfree(buf);
        return NULL;
    }
    buf[0] = '+';
    buf[sl + 1] = '\0';
    *out_len = sl + 1;
    return buf;
}

int ftt_language_has_stemmer(const char *language) {
    return !language || !strcasecmp(language, "english") || ftstem_find(language) != NULL;
}

/* Returns an owned stem or NULL (no stemmer). Borrows language and w. */
char *ftt_stem_lang(const char *language, const char *w, size_t len, size_t *out_len) {
    if (!language || !strcasecmp(language, "english")) {
        char *out = xmalloc(len + 1);
        *out_len = ftt_stem(w, len, out, len + 1);
        return out;
    }
    FtStemFn fn = ftstem_find(language);
    return fn ? fn(w, len, out_len) : NULL;
}

/* Returns an owned "+stem" when w's stem in language differs from w, or
 * NULL. Borrows language and w. */
char *ftt_stem_term_lang(const char *language, const char *w, size_t len, int min_len,
                         size_t *out_len) {
    if (min_len <= 0) min_len = FTT_DEFAULT_MIN_STEM_LEN;
    if (len < (size_t)min_len) return NULL;
    size_t sl;
    char *st = ftt_stem_lang(language, w, len, &sl);
    if (!st) return NULL;
    if (sl == len && !memcmp(st, w, len)) {
        xfree(st);
        return NULL;
    }
    char *buf = xmalloc(sl + 2);
    buf[0] = '+';
    memcpy(buf + 1, st, sl);
    buf[sl + 1] = '\0';
    xfree(st);
    *out_len = sl + 1;
    return buf;
}

/* ---- matching helpers ---- */

/* Decodes s into code points (invalid bytes count as one each); returns an
 * owned array and its length in *n. */
static long *to_cps(const char *s, size_t len, size_t *n) {
    long *v = xmalloc((len + 1) * sizeof(long));
    size_t k = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        long cp;
        size_t l = utf8_decode(u + i, len - i, &cp);
        v[k++] = cp < 0 ? -(long)u[i] - 1 : cp;
        i += l;
    }
    *n = k;
    return v;
}

/* Borrows a and b. Two rows of the classic dynamic programme; stops early
 * once every cell of a row exceeds max. */
size_t ftt_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t max) {
    size_t na, nb;
    long *x = to_cps(a, alen, &na), *y = to_cps(b, blen, &nb);
    size_t res;
    if ((na > nb ? na - nb : nb - na) > max) {
        res = max + 1;
        goto done;
    }
    size_t *prev = xmalloc((nb + 1) * sizeof(size_t)), *cur = xmalloc((nb + 1) * sizeof(size_t));
    for (size_t j = 0; j <= nb; j++) prev[j] = j;
    res = max + 1;
    int over = 0;
    for (size_t i = 1; i <= na && !over; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (x[i - 1] != y[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
            if (cur[j] < row_min) row_min = cur[j];
        }
        if (row_min > max) over = 1;
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    if (!over) res = prev[nb] <= max ? prev[nb] : max + 1;
    xfree(prev);
    xfree(cur);
done:
    xfree(x);
    xfree(y);
    return res;
}

/* Borrows p and s. Iterative matching with one backtrack point for the
 * last '*' (linear in practice). */
int ftt_wildcard_match(const char *p, size_t plen, const char *s, size_t slen) {
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star_p = pi++;
            star_s = si;
            continue;
        }
        if (pi < plen) {
            int lit = p[pi] == '\\' && pi + 1 < plen;
            char pc = lit ? p[pi + 1] : p[pi];
            if ((!lit && pc == '?') || pc == s[si]) {
                pi += lit ? 2 : 1;
                si++;
                continue;
            }
        }
        if (star_p == (size_t)-1) return 0;
        pi = star_p + 1;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*') pi++;
    return pi == plen;
}

/* Borrows s; returns owned values. */
char **ftt_tags_split(const char *s, size_t len, char sep, int case_sensitive, int keep_empty,
                      size_t **lens, size_t *n) {
    char **v = NULL;
    size_t k = 0, cap = 0;
    size_t *ls = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != sep) continue;
        size_t a = start, b = i;
        while (a < b && isspace((unsigned char)s[a])) a++;
        while (b > a && isspace((unsigned char)s[b - 1])) b--;
        start = i + 1;
        if (a == b && !keep_empty) continue;
        if (k == cap) {
            cap = cap ? cap * 2 : 4;
            v = xrealloc(v, cap * sizeof(char *));
            ls = xrealloc(ls, cap * sizeof(size_t));
        }
        if (case_sensitive) {
            v[k] = xmalloc(b - a + 1);
            memcpy(v[k], s + a, b - a);
            v[k][b - a] = '\0';
            ls[k] = b - a;
        } else {
            v[k] = ftt_lower_dup(s + a, b - a, &ls[k]);
        }
        k++;
    }
    *n = k;
    *lens = ls;
    return v;
}

void ftt_tags_free(char **tags, size_t *lens, size_t n) {
    for (size_t i = 0; i < n; i++) xfree(tags[i]);
    xfree(tags);
    xfree(lens);
}
