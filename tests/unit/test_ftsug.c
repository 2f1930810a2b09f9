/*
 * test_ftsug.c - the suggestion trie against a naive model: random adds
 * (replace and INCR, payloads), deletes and searches (exact prefix and one
 * edit, any MAX, TRIM) over a small alphabet with case and a two-byte
 * letter, checked against a plain array ranked by the formula of ftsug.c
 * computed independently; copies, insertion order, the limits.
 */
#include "types/ftsug.h"

#include <limits.h>
#include <math.h>

#include "base/alloc.h"
#include "test.h"

#define MAX_MODEL 64

typedef struct Model {
    char str[16];
    size_t len;
    float score;
    char payload[8];
    size_t payload_len;
    int alive;
} Model;

static Model model[MAX_MODEL * 8];
static int n_model;

/* Letters: a b A B é É (é/É two bytes each). */
static size_t rand_string(char *out) {
    static const char *letters[] = {"a", "b", "A", "B", "\xc3\xa9", "\xc3\x89"};
    size_t n = 1 + test_rand_below(5), len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *l = letters[test_rand_below(6)];
        size_t ll = strlen(l);
        memcpy(out + len, l, ll);
        len += ll;
    }
    out[len] = '\0';
    return len;
}

/* Folded code points of the test alphabet. */
static size_t fold_model(const char *s, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC3) {
            out[n++] = 0xE9;
            i += 2;
        } else {
            out[n++] = (uint32_t)(c | 0x20);
            i++;
        }
    }
    return n;
}

static size_t raw_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

static int is_exact_model(const Model *m, const uint32_t *q, size_t qn) {
    /* the stored code points (not folded) equal the folded query */
    uint32_t cps[16];
    size_t n = 0;
    for (size_t i = 0; i < m->len;) {
        unsigned char c = (unsigned char)m->str[i];
        if (c == 0xC3) {
            cps[n++] = 0xC0 | ((unsigned char)m->str[i + 1] & 0x3F);
            i += 2;
        } else {
            cps[n++] = c;
            i++;
        }
    }
    if (n != qn) return 0;
    for (size_t i = 0; i < n; i++)
        if (cps[i] != q[i]) return 0;
    return 1;
}

/* min over prefixes p of the entry of lev(q, p) */
static int prefix_dist(const uint32_t *q, size_t qn, const uint32_t *e, size_t en) {
    int prev[32], cur[32];
    for (size_t j = 0; j <= qn; j++) prev[j] = (int)j;
    int best = prev[qn];
    for (size_t i = 1; i <= en; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= qn; j++) {
            int v = prev[j - 1] + (e[i - 1] != q[j - 1]);
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v;
        }
        if (cur[qn] < best) best = cur[qn];
        memcpy(prev, cur, sizeof cur);
    }
    return best;
}

typedef struct Ranked {
    int idx;
    float score;
} Ranked;

static int cmp_ranked(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->idx - y->idx;
}

static void check_search(SugTrie *t) {
    char q[16];
    size_t qlen = test_rand_below(4) == 0 ? 0 : rand_string(q);
    q[qlen] = '\0';
    int max_dist = (int)test_rand_below(2);
    size_t num = 1 + test_rand_below(12);
    int trim = test_rand_below(4) == 0;
    uint32_t fq[16], fe[16];
    size_t qn = fold_model(q, qlen, fq);
    Ranked want[MAX_MODEL * 8];
    size_t n_want = 0;
    for (int i = 0; i < n_model; i++) {
        if (!model[i].alive) continue;
        size_t en = fold_model(model[i].str, model[i].len, fe);
        int d = prefix_dist(fq, qn, fe, en);
        if (d > max_dist) continue;
        float sc = is_exact_model(&model[i], fq, qn) ? (float)INT_MAX : model[i].score;
        if (max_dist) sc = (float)(sc * exp(-2.0 * d));
        size_t chars = raw_chars(model[i].str, model[i].len);
        size_t diff = chars >= qlen ? chars - qlen : qlen - chars;
        sc = (float)(sc / sqrt(1.0 + (double)diff));
        want[n_want++] = (Ranked){i, sc};
    }
    qsort(want, n_want, sizeof *want, cmp_ranked);
    if (n_want > num) n_want = num;
    if (trim) {
        float mx = 0;
        for (size_t i = 0; i < n_want; i++) {
            if (mx != 0 && want[i].score < mx / 10.0) {
                n_want = i;
                break;
            }
            if (want[i].score > mx) mx = want[i].score;
        }
    }
    SugEntryView got[MAX_MODEL * 8];
    size_t n_got = sug_search(t, q, qlen, max_dist, num, trim, got);
    CHECK_EQ_INT(n_got, n_want);
    for (size_t i = 0; i < n_got && i < n_want; i++) {
        const Model *m = &model[want[i].idx];
        CHECK(got[i].len == m->len && memcmp(got[i].str, m->str, m->len) == 0);
        CHECK(got[i].score == want[i].score);
        CHECK(got[i].payload_len == m->payload_len);
    }
}

static int find_model(const char *s, size_t len) {
    for (int i = 0; i < n_model; i++)
        if (model[i].alive && model[i].len == len && memcmp(model[i].str, s, len) == 0) return i;
    return -1;
}

typedef struct Order {
    int at, ok;
} Order;

static void check_order(void *priv, const SugEntryView *e) {
    Order *o = priv;
    while (o->at < n_model && !model[o->at].alive) o->at++;
    if (o->at >= n_model || e->len != model[o->at].len ||
        memcmp(e->str, model[o->at].str, e->len) != 0 || e->score != model[o->at].score)
        o->ok = 0;
    o->at++;
}

static void test_model(void) {
    SugTrie *t = sug_new();
    n_model = 0;
    for (int step = 0; step < 4000 && n_model < MAX_MODEL * 8 - 1; step++) {
        char s[16];
        size_t len = rand_string(s);
        int at = find_model(s, len);
        switch (test_rand_below(6)) {
        case 0:
        case 1:
        case 2: {
            int incr = test_rand_below(3) == 0;
            double score = (double)test_rand_below(100) / 4.0;
            char p[8];
            size_t pl = test_rand_below(3) ? 0 : 1 + test_rand_below(6);
            memset(p, 'p', pl);
            int added = sug_add(t, s, len, score, incr, p, pl);
            CHECK_EQ_INT(added, at < 0);
            if (at < 0) {
                at = n_model++;
                memcpy(model[at].str, s, len);
                model[at].len = len;
                model[at].alive = 1;
                model[at].score = (float)score;
                model[at].payload_len = 0;
            } else {
                model[at].score = incr ? model[at].score + (float)score : (float)score;
            }
            if (pl) model[at].payload_len = pl;
            break;
        }
        case 3:
            CHECK_EQ_INT(sug_del(t, s, len), at >= 0);
            if (at >= 0) model[at].alive = 0;
            break;
        default:
            check_search(t);
        }
        size_t alive = 0;
        for (int i = 0; i < n_model; i++) alive += model[i].alive;
        CHECK_EQ_INT(sug_len(t), alive);
    }
    Order o = {0, 1};
    sug_foreach(t, check_order, &o);
    CHECK(o.ok);
    SugTrie *d = sug_dup(t);
    CHECK_EQ_INT(sug_len(d), sug_len(t));
    Order o2 = {0, 1};
    sug_foreach(d, check_order, &o2);
    CHECK(o2.ok);
    sug_free(d);
    /* deleting everything leaves an empty trie of its header only */
    for (int i = 0; i < n_model; i++)
        if (model[i].alive) CHECK_EQ_INT(sug_del(t, model[i].str, model[i].len), 1);
    CHECK_EQ_INT(sug_len(t), 0);
    CHECK_EQ_INT(sug_mem_bytes(t), sug_mem_bytes(d = sug_new()));
    sug_free(d);
    sug_free(t);
}

static void test_limits(void) {
    SugTrie *t = sug_new();
    char big[600];
    memset(big, 'x', sizeof big);
    CHECK_EQ_INT(sug_add(t, big, 254, 1, 0, NULL, 0), 1);
    CHECK_EQ_INT(sug_add(t, big, 255, 1, 0, NULL, 0), 0);
    CHECK_EQ_INT(sug_add(t, big, 0, 1, 0, NULL, 0), 0);
    CHECK_EQ_INT(sug_add(t, big, 511, 1, 0, NULL, 0), 0);
    CHECK_EQ_INT(sug_query_chars(big, 150), SUG_QUERY_MAX_CHARS + 1);
    CHECK_EQ_INT(sug_query_chars("\xc3\xa9t\xc3\xa9", 5), 3);
    /* malformed UTF-8: each stray byte is a character */
    CHECK_EQ_INT(sug_add(t, "\xff\xc3", 2, 1, 0, NULL, 0), 1);
    SugEntryView v[4];
    CHECK_EQ_INT(sug_search(t, "\xff", 1, 0, 4, 0, v), 1);
    CHECK_EQ_INT(sug_search(t, "\xc3", 1, 0, 4, 0, v), 0);
    CHECK_EQ_INT(sug_len(t), 2);
    sug_free(t);
}

int main(void) {
    test_seed("test_ftsug");
    for (int i = 0; i < 5; i++) test_model();
    test_limits();
    return test_report("test_ftsug");
}
