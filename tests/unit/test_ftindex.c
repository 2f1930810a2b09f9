/*
 * test_ftindex.c - the query engine's index (src/types/ftindex.c) and query
 * execution (ftexec.c) against a naive oracle.
 *
 * Hashes are put into database 0 through db_load_key() (the keyspace hook
 * notes them, the next lookup indexes them); random documents over a small
 * vocabulary are added, changed and deleted, and after every round single
 * terms, intersections, unions, negations, tag values and numeric ranges are
 * queried and compared with a scan of the model's documents. Doc ids must
 * only grow, and dead ids must stop resolving.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "types/ftindex.h"
#include "types/ftindex_int.h"
#include "types/hashobj.h"

#include "test.h"

void hash_cmd_init(void);

#define N_KEYS  40
#define N_WORDS 8

static const char *const words[N_WORDS] = {"apple", "pear",  "plum",  "fig",
                                           "kiwi",  "lemon", "mango", "olive"};

typedef struct Model {
    int present;
    int has[N_WORDS]; /* word i in field t */
    int tag;          /* 0..3 */
    int num;          /* 0..99 */
} Model;

static Model model[N_KEYS];

static Slice key_of(int k, char *buf) {
    int n = snprintf(buf, 32, "doc:%d", k);
    return slice_of(buf, (size_t)n);
}

static void put(int k) {
    char kb[32], text[256], tag[8], num[16];
    Model *m = &model[k];
    size_t tl = 0;
    for (int w = 0; w < N_WORDS; w++)
        if (m->has[w]) tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s ", words[w]);
    text[tl] = 0;
    snprintf(tag, sizeof tag, "T%d", m->tag);
    snprintf(num, sizeof num, "%d", m->num);
    HashObj *h = hashobj_new();
    HashLimits lim = {128, 64};
    hashobj_set(&h, slice_cstr("t"), slice_cstr(text), &lim);
    hashobj_set(&h, slice_cstr("tag"), slice_cstr(tag), &lim);
    hashobj_set(&h, slice_cstr("n"), slice_cstr(num), &lim);
    db_load_key(&core.dbs[0], key_of(k, kb), obj_new(OBJ_HASH, h));
}

static void del(int k) {
    char kb[32];
    db_delete_lazy(&core.dbs[0], key_of(k, kb), 0);
}

/* The keys (as ints) a query matches, sorted. */
static int run(const char *q, int dialect, int *out) {
    FtIndex *ix = ftindex_lookup(slice_cstr("idx"));
    FtQueryArgs a;
    memset(&a, 0, sizeof a);
    a.query = slice_cstr(q);
    a.dialect = dialect;
    a.verbatim = 1;
    FtResults r;
    const char *err = NULL;
    if (ftindex_query(ix, &a, &r, &err) != 0) {
        fprintf(stderr, "query %s: %s\n", q, err);
        return -1;
    }
    int n = 0;
    FtDocId prev = 0;
    for (size_t i = 0; i < r.n; i++) {
        Slice key;
        CHECK(r.v[i].id > prev);
        prev = r.v[i].id;
        if (!ftindex_doc_key(ix, r.v[i].id, &key)) {
            CHECK(0);
            continue;
        }
        out[n++] = atoi(key.p + 4);
    }
    ftresults_free(&r);
    /* sort (ids follow insertion, not key order) */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static int expect(int (*pred)(const Model *, int, int), int x, int y, int *out) {
    int n = 0;
    for (int k = 0; k < N_KEYS; k++)
        if (model[k].present && pred(&model[k], x, y)) out[n++] = k;
    return n;
}

static int p_word(const Model *m, int a, int b) {
    (void)b;
    return m->has[a];
}
static int p_and(const Model *m, int a, int b) {
    return m->has[a] && m->has[b];
}
static int p_or(const Model *m, int a, int b) {
    return m->has[a] || m->has[b];
}
static int p_andnot(const Model *m, int a, int b) {
    return m->has[a] && !m->has[b];
}
static int p_tag(const Model *m, int a, int b) {
    (void)b;
    return m->tag == a;
}
static int p_range(const Model *m, int a, int b) {
    return m->num >= a && m->num <= b;
}
static int p_all(const Model *m, int a, int b) {
    (void)a;
    (void)b;
    return 1;
}

static void compare(const char *q, int dialect, int (*pred)(const Model *, int, int), int a,
                    int b) {
    int got[N_KEYS], want[N_KEYS];
    int ng = run(q, dialect, got);
    int nw = expect(pred, a, b, want);
    CHECK_EQ_INT(ng, nw);
    if (ng == nw) {
        int same = memcmp(got, want, (size_t)ng * sizeof(int)) == 0;
        CHECK(same);
        if (!same) fprintf(stderr, "query %s differs\n", q);
    } else {
        fprintf(stderr, "query %s: %d results, want %d\n", q, ng, nw);
    }
}

static void check_all(void) {
    char q[128];
    for (int w = 0; w < N_WORDS; w++) {
        compare(words[w], 1, p_word, w, 0);
        int v = (w + 3) % N_WORDS;
        snprintf(q, sizeof q, "%s %s", words[w], words[v]);
        compare(q, 1, p_and, w, v);
        snprintf(q, sizeof q, "%s|%s", words[w], words[v]);
        compare(q, 1, p_or, w, v);
        snprintf(q, sizeof q, "%s -%s", words[w], words[v]);
        compare(q, 1, p_andnot, w, v);
    }
    for (int t = 0; t < 4; t++) {
        snprintf(q, sizeof q, "@tag:{T%d}", t);
        compare(q, 1, p_tag, t, 0);
    }
    compare("@n:[10 50]", 1, p_range, 10, 50);
    compare("@n:[0 0]", 1, p_range, 0, 0);
    compare("*", 1, p_all, 0, 0);
}

int main(void) {
    test_seed("test_ftindex");
    db_init_all(1);
    hash_cmd_init();
    ftindex_init();
    Slice argv[] = {slice_cstr("idx"),  slice_cstr("PREFIX"), slice_cstr("1"),
                    slice_cstr("doc:"), slice_cstr("SCHEMA"), slice_cstr("t"),
                    slice_cstr("TEXT"), slice_cstr("tag"),    slice_cstr("TAG"),
                    slice_cstr("n"),    slice_cstr("NUMERIC")};
    const char *err = NULL;
    CHECK_EQ_INT(ftindex_create(0, 11, argv, &err), 0);
    CHECK_EQ_INT(ftindex_create(0, 11, argv, &err), -1);
    CHECK(err && strcmp(err, "Index already exists") == 0);

    /* A key outside the prefix is never a document. */
    HashObj *h = hashobj_new();
    HashLimits lim = {128, 64};
    hashobj_set(&h, slice_cstr("t"), slice_cstr("apple"), &lim);
    db_load_key(&core.dbs[0], slice_cstr("other"), obj_new(OBJ_HASH, h));

    FtDocId last_max = 0;
    for (int round = 0; round < 30; round++) {
        for (int op = 0; op < 25; op++) {
            int k = (int)(test_rand() % N_KEYS);
            Model *m = &model[k];
            if (m->present && test_rand() % 4 == 0) {
                del(k);
                m->present = 0;
                continue;
            }
            for (int w = 0; w < N_WORDS; w++) m->has[w] = test_rand() % 3 == 0;
            m->tag = (int)(test_rand() % 4);
            m->num = (int)(test_rand() % 100);
            m->present = 1;
            put(k);
        }
        check_all();
        FtIndex *ix = ftindex_lookup(slice_cstr("idx"));
        uint64_t live = 0;
        for (int k = 0; k < N_KEYS; k++) live += model[k].present;
        CHECK_EQ_INT(ix->n_docs, live);
        CHECK(ix->next_id >= last_max);
        last_max = ix->next_id;
        if (round % 10 == 9) ftindex__sweep(ix, 1);
    }
    /* A dead id no longer resolves. */
    FtIndex *ix = ftindex_lookup(slice_cstr("idx"));
    Slice key;
    int dead = 0;
    for (FtDocId id = 1; id <= ix->next_id; id++)
        if (!ftindex_doc_key(ix, id, &key)) dead++;
    CHECK(dead > 0);

    ftindex_drop_all();
    CHECK(ftindex_lookup(slice_cstr("idx")) == NULL);
    return test_report("test_ftindex");
}
