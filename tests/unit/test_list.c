/*
 * Unit tests for the list value (src/cmd/list_obj.c): random pushes,
 * inserts, replacements, range deletions and value removals against a plain
 * array of strings, under several node limits (list-max-listpack-size), with
 * the structure's invariants checked and every element compared both ways
 * through the iterator.
 */
#include <stdio.h>

#include "base/alloc.h"
#include "cmd/list_obj.h"
#include "test.h"

#define MAXN 3000

typedef struct Str {
    char p[80];
    size_t len;
} Str;

static Str model[MAXN];
static size_t n_model;

static void rand_value(Str *s) {
    int kind = (int)test_rand_below(5);
    if (kind == 0) {
        s->len = (size_t)snprintf(s->p, sizeof s->p, "%lld",
                                  (long long)(test_rand() >> 1) * (test_rand_below(2) ? 1 : -1));
    } else if (kind == 1) {
        s->len = (size_t)snprintf(s->p, sizeof s->p, "%d", (int)test_rand_below(300) - 150);
    } else if (kind == 2) {
        s->len = (size_t)snprintf(s->p, sizeof s->p, "v%d", (int)test_rand_below(8));
    } else {
        s->len = test_rand_below(kind == 3 ? 4 : sizeof s->p);
        for (size_t i = 0; i < s->len; i++) s->p[i] = (char)('a' + test_rand_below(3));
    }
}

static void compare(const List *l) {
    CHECK_EQ_INT(l->count, n_model);
    CHECK_EQ_INT(list_check(l), 0);
    ListIter it;
    ListElem e;
    size_t i = 0;
    int ok = 1;
    list_iter_init(&it, l, 0, 1);
    while (list_iter_next(&it, &e)) {
        ok &= i < n_model && list_elem_eq(&e, model[i].p, model[i].len);
        i++;
    }
    ok &= i == n_model;
    if (n_model) {
        list_iter_init(&it, l, n_model - 1, 0);
        i = n_model;
        while (list_iter_next(&it, &e)) {
            i--;
            ok &= list_elem_eq(&e, model[i].p, model[i].len);
        }
        ok &= i == 0;
    }
    CHECK(ok);
}

static int n_compressed_seen;

static void model_test(int fill, int depth) {
    list_set_defaults(fill, depth);
    List *l = list_new();
    n_model = 0;
    for (int step = 0; step < 20000; step++) {
        int op = (int)test_rand_below(10);
        Str v;
        rand_value(&v);
        if (op <= 3 && n_model < MAXN) {
            if (op & 1) {
                memmove(model + 1, model, n_model * sizeof(Str));
                model[0] = v;
                list_push(l, LIST_HEAD, v.p, v.len);
            } else {
                model[n_model] = v;
                list_push(l, LIST_TAIL, v.p, v.len);
            }
            n_model++;
        } else if (op == 4 && n_model < MAXN) {
            size_t at = test_rand_below(n_model + 1);
            memmove(model + at + 1, model + at, (n_model - at) * sizeof(Str));
            model[at] = v;
            n_model++;
            list_insert(l, at, v.p, v.len);
        } else if (op == 5 && n_model) {
            size_t at = test_rand_below(n_model);
            model[at] = v;
            list_replace(l, at, v.p, v.len);
        } else if (op == 6 && n_model) {
            size_t at = test_rand_below(n_model);
            size_t n = test_rand_below(n_model - at + 1);
            if (test_rand_below(4)) n = n % 20;
            memmove(model + at, model + at + n, (n_model - at - n) * sizeof(Str));
            n_model -= n;
            list_delete_range(l, at, n);
        } else if (op == 7) {
            uint64_t max = test_rand_below(4);
            int to_tail = (int)test_rand_below(2);
            uint64_t removed = 0;
            Str w[MAXN];
            size_t nw = 0;
            if (to_tail) {
                for (size_t i = 0; i < n_model; i++) {
                    if ((max == 0 || removed < max) && model[i].len == v.len &&
                        memcmp(model[i].p, v.p, v.len) == 0)
                        removed++;
                    else
                        w[nw++] = model[i];
                }
            } else {
                for (size_t i = n_model; i-- > 0;) {
                    if ((max == 0 || removed < max) && model[i].len == v.len &&
                        memcmp(model[i].p, v.p, v.len) == 0)
                        removed++;
                    else
                        w[nw++] = model[i];
                }
                for (size_t i = 0; i < nw / 2; i++) {
                    Str t = w[i];
                    w[i] = w[nw - 1 - i];
                    w[nw - 1 - i] = t;
                }
            }
            memcpy(model, w, nw * sizeof(Str));
            n_model = nw;
            CHECK_EQ_INT(list_remove_value(l, v.p, v.len, max, to_tail), removed);
        } else if (op == 8 && n_model) {
            size_t at = test_rand_below(n_model);
            ListElem e;
            CHECK_EQ_INT(list_get(l, at, &e), 0);
            CHECK(list_elem_eq(&e, model[at].p, model[at].len));
        } else if (op == 9 && step % 50 == 0) {
            List *d = list_dup(l);
            list_free(l);
            l = d;
        }
        if (step % 500 == 0) {
            compare(l);
            n_compressed_seen += list_n_compressed(l);
        }
    }
    compare(l);
    ListElem e;
    CHECK_EQ_INT(list_get(l, n_model, &e), -1);
    list_free(l);
}

static void int_forms(void) {
    list_set_defaults(-2, 0);
    List *l = list_new();
    const char *vals[] = {"0",
                          "-0",
                          "007",
                          "127",
                          "128",
                          "-4096",
                          "4095",
                          "-4097",
                          "32767",
                          "-1",
                          "+1",
                          "9223372036854775807",
                          "-9223372036854775808",
                          "9223372036854775808",
                          "1.5",
                          ""};
    size_t n = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < n; i++) list_push(l, LIST_TAIL, vals[i], strlen(vals[i]));
    for (size_t i = 0; i < n; i++) {
        ListElem e;
        CHECK_EQ_INT(list_get(l, i, &e), 0);
        CHECK(list_elem_eq(&e, vals[i], strlen(vals[i])));
    }
    list_free(l);
}

static void big_values(void) {
    list_set_defaults(-2, 0);
    List *l = list_new();
    static char big[70000];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 5; i++) list_push(l, i & 1 ? LIST_HEAD : LIST_TAIL, big, 100 + i * 17000);
    CHECK_EQ_INT(list_check(l), 0);
    list_insert(l, 2, "a", 1);
    CHECK_EQ_INT(list_check(l), 0);
    ListElem e;
    list_get(l, 2, &e);
    CHECK(list_elem_eq(&e, "a", 1));
    list_get(l, 0, &e);
    CHECK_EQ_INT(e.len, 100 + 3 * 17000);
    list_free(l);
}

/* A big element leaves no big buffer behind once the list is gone (the
 * encoding scratch buffer and the view buffer are given back). */
static void no_buffer_left(void) {
    static char big[1 << 20];
    memset(big, 'y', sizeof big);
    size_t before = alloc_used_bytes();
    list_set_defaults(2, 1);
    List *l = list_new();
    for (int i = 0; i < 8; i++) list_push(l, LIST_TAIL, big, sizeof big);
    ListElem e;
    CHECK_EQ_INT(list_get(l, 4, &e), 0); /* an interior node: decompressed for reading */
    CHECK_EQ_INT(e.len, sizeof big);
    CHECK(list_n_compressed(l) > 0);
    list_delete_range(l, 0, 8);
    list_free(l);
    CHECK(alloc_used_bytes() < before + 65536);
    list_set_defaults(-2, 0);
}

int main(void) {
    test_seed("test_list");
    int fills[] = {-2, -1, -5, 1, 3, 0, 1000};
    for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++) model_test(fills[i], 0);
    /* compressed interior nodes: small nodes (many of them), several depths */
    model_test(-1, 1);
    model_test(3, 1);
    model_test(5, 2);
    model_test(-2, 3);
    CHECK(n_compressed_seen > 0);
    int_forms();
    big_values();
    no_buffer_left();
    return test_report("test_list");
}
