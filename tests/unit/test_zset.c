/*
 * Unit tests for the sorted set (src/cmd/zset_obj.c) against a naive oracle:
 * a score per possible member, sorted on demand. Random adds, score changes,
 * deletions and range deletions, in both representations and across
 * conversions; after each step the order, ranks, range ranks and both
 * directions of iteration must agree with the oracle.
 */
#include <math.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "cmd/zset_obj.h"

#include "test.h"

#define N_MEMBERS 300

static int has[N_MEMBERS];
static double score_of[N_MEMBERS];
static int order[N_MEMBERS];
static size_t n_order;

static size_t member_of(int i, char *buf) {
    /* varied lengths and a shared prefix exercise the member order */
    return (size_t)snprintf(buf, 32, "m%0*d", 1 + i % 4, i);
}

static int cmp_oracle(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    if (score_of[x] != score_of[y]) return score_of[x] < score_of[y] ? -1 : 1;
    char bx[32], by[32];
    size_t lx = member_of(x, bx), ly = member_of(y, by);
    size_t n = lx < ly ? lx : ly;
    int r = memcmp(bx, by, n);
    if (r) return r;
    return lx < ly ? -1 : lx > ly ? 1 : 0;
}

static void sort_oracle(void) {
    n_order = 0;
    for (int i = 0; i < N_MEMBERS; i++)
        if (has[i]) order[n_order++] = i;
    qsort(order, n_order, sizeof(int), cmp_oracle);
}

static void check_against_oracle(Zset *z) {
    sort_oracle();
    CHECK_EQ_INT(zset_len(z), n_order);
    ZsetIter it;
    const char *m;
    size_t len;
    double s;
    char buf[32];
    zset_iter_init(&it, z, 0, 0);
    for (size_t i = 0; i < n_order; i++) {
        size_t l = member_of(order[i], buf);
        if (!zset_iter_next(&it, &m, &len, &s)) {
            CHECK(0);
            break;
        }
        CHECK(len == l && memcmp(m, buf, l) == 0 && s == score_of[order[i]]);
        CHECK_EQ_INT(zset_rank(z, buf, l), (long long)i);
    }
    CHECK(!zset_iter_next(&it, &m, &len, &s));
    zset_iter_done(&it);
    if (n_order) {
        size_t from = test_rand_below(n_order);
        zset_iter_init(&it, z, from, 1);
        for (size_t i = from + 1; i-- > 0;) {
            size_t l = member_of(order[i], buf);
            CHECK(zset_iter_next(&it, &m, &len, &s) && len == l && memcmp(m, buf, l) == 0);
        }
        CHECK(!zset_iter_next(&it, &m, &len, &s));
        zset_iter_done(&it);
        /* a rank by score, both ways, at an existing score and between scores */
        double v = score_of[order[test_rand_below(n_order)]] + (test_rand_below(2) ? 0 : 0.5);
        size_t below = 0, at_most = 0;
        for (size_t i = 0; i < n_order; i++) {
            below += score_of[order[i]] < v;
            at_most += score_of[order[i]] <= v;
        }
        CHECK_EQ_INT(zset_rank_by_score(z, v, 0), below);
        CHECK_EQ_INT(zset_rank_by_score(z, v, 1), at_most);
    }
}

static void model_test(int start_indexed) {
    Zset *z = zset_new();
    memset(has, 0, sizeof has);
    if (start_indexed) zset_to_indexed(z);
    char buf[32];
    for (int step = 0; step < 3000; step++) {
        int i = (int)test_rand_below(N_MEMBERS);
        size_t l = member_of(i, buf);
        int op = (int)test_rand_below(10);
        if (op < 6) {
            double s = (double)test_rand_below(20) - 10;
            /* every packed score kind: small, 16- and 32-bit integers,
             * exact floats, doubles, infinities */
            static const double scale[] = {1, 1000, 1e6, 0.5, 0.1, 1e12};
            s *= scale[test_rand_below(6)];
            if (test_rand_below(20) == 0) s = test_rand_below(2) ? INFINITY : -INFINITY;
            CHECK_EQ_INT(zset_set(z, buf, l, s), !has[i]);
            has[i] = 1;
            score_of[i] = s;
        } else if (op < 9) {
            CHECK_EQ_INT(zset_del(z, buf, l), has[i]);
            has[i] = 0;
        } else if (test_rand_below(10) == 0) {
            sort_oracle();
            size_t a = test_rand_below(n_order + 1), b = a + test_rand_below(5);
            for (size_t k = a; k < b && k < n_order; k++) has[order[k]] = 0;
            zset_del_range(z, a, b);
        }
        double s;
        CHECK_EQ_INT(zset_score(z, buf, l, &s), has[i]);
        if (has[i]) CHECK(s == score_of[i]);
        if (step % 97 == 0) check_against_oracle(z);
        if (step % 500 == 499) {
            /* convert both ways and copy: the same elements come out */
            if (zset_is_packed(z))
                zset_to_indexed(z);
            else
                zset_to_packed(z);
            check_against_oracle(z);
            Zset *d = zset_dup(z);
            zset_free(z);
            z = d;
            check_against_oracle(z);
        }
    }
    check_against_oracle(z);
    zset_free(z);
}

static void lex_test(void) {
    for (int indexed = 0; indexed < 2; indexed++) {
        Zset *z = zset_new();
        if (indexed) zset_to_indexed(z);
        const char *ms[] = {"a", "b", "bb", "c", "d"};
        for (int i = 0; i < 5; i++) zset_set(z, ms[i], strlen(ms[i]), 0);
        CHECK_EQ_INT(zset_rank_by_lex(z, "b", 1, 0), 1);
        CHECK_EQ_INT(zset_rank_by_lex(z, "b", 1, 1), 2);
        CHECK_EQ_INT(zset_rank_by_lex(z, "bc", 2, 0), 3);
        CHECK_EQ_INT(zset_rank_by_lex(z, "", 0, 0), 0);
        CHECK_EQ_INT(zset_rank_by_lex(z, "z", 1, 1), 5);
        CHECK_EQ_INT(zset_max_member_len(z), 2);
        zset_free(z);
    }
}

static int scan_seen[2000];

static void scan_mark(void *priv, const char *m, size_t len, double score) {
    (void)priv;
    char buf[32]; /* members are not NUL-terminated */
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, m, n);
    buf[n] = '\0';
    int i = atoi(buf + 1);
    if (i >= 0 && i < 2000) scan_seen[i]++;
    CHECK(score == i);
}

/* ZSCAN's guarantee: a member present from start to end is returned, while
 * the table grows and shrinks between steps. */
static void scan_test(void) {
    Zset *z = zset_new();
    zset_to_indexed(z);
    char buf[32];
    for (int i = 0; i < 1000; i++) zset_set(z, buf, (size_t)snprintf(buf, sizeof buf, "m%d", i), i);
    memset(scan_seen, 0, sizeof scan_seen);
    uint64_t cursor = 0;
    int step = 0;
    do {
        cursor = zset_scan(z, cursor, scan_mark, NULL);
        step++;
        if (step % 3 == 0) /* grow with members 1000.. */
            for (int k = 0; k < 40; k++) {
                int i = 1000 + step * 40 + k;
                if (i < 2000) zset_set(z, buf, (size_t)snprintf(buf, sizeof buf, "m%d", i), i);
            }
        if (step % 7 == 0) /* and shrink by removing them again */
            for (int i = 1000; i < 2000; i++)
                zset_del(z, buf, (size_t)snprintf(buf, sizeof buf, "m%d", i));
    } while (cursor != 0);
    for (int i = 0; i < 1000; i++) CHECK(scan_seen[i] >= 1);
    /* removing most members shrinks the table; the order survives */
    for (int i = 1000; i < 2000; i++) zset_del(z, buf, (size_t)snprintf(buf, sizeof buf, "m%d", i));
    zset_del_range(z, 0, zset_len(z) - 5);
    CHECK_EQ_INT(zset_len(z), 5);
    CHECK_EQ_INT(zset_rank(z, "m999", 4), 4);
    zset_free(z);
}

int main(void) {
    test_seed("test_zset");
    srand((unsigned)test_rand());
    model_test(0);
    model_test(1);
    lex_test();
    scan_test();
    return test_report("test_zset");
}
