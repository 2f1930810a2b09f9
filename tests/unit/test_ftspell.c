/*
 * test_ftspell.c - FT.SPELLCHECK's options and reply (cmd/ftspell.c) on a
 * fake client and a fake index: RediSearch's spell-check test cases
 * (tests/pytests/test_spell_check.py) with their exact RESP2 and RESP3
 * bytes, dictionaries included and excluded, DISTANCE, the argument errors.
 */
#include "cmd/ftspell.h"

#include "base/alloc.h"
#include "cmd/ftdict.h"
#include "server/core.h"
#include "test.h"

typedef struct FakeTerm {
    const char *term;
    uint64_t n_docs;
} FakeTerm;

typedef struct FakeIndex {
    const FakeTerm *terms;
    size_t n;
} FakeIndex;

static void fake_foreach(void *ctx, FtSpellTermFn fn, void *priv) {
    const FakeIndex *ix = ctx;
    for (size_t i = 0; i < ix->n; i++) fn(priv, slice_cstr(ix->terms[i].term), ix->terms[i].n_docs);
}

/* name1 (doc1), name2 (doc2, doc3), body1, body2: three documents. */
static const FakeTerm TERMS[] = {{"name1", 1}, {"name2", 2}, {"body1", 1},
                                 {"body2", 1}, {"elior", 1}, {"hila", 1}};

/* Runs FT.SPELLCHECK idx <args...> with the query terms given, on a fresh
 * fake client speaking resp; returns the reply bytes (owned). */
static char *run(int resp, const char *const *args, int n_args, const char *const *terms,
                 int n_terms) {
    Client *c = client_new_fake();
    c->resp = resp;
    Slice argv[32];
    argv[0] = slice_cstr("FT.SPELLCHECK");
    for (int i = 0; i < n_args; i++) argv[1 + i] = slice_cstr(args[i]);
    c->argv = argv;
    c->argc = 1 + n_args;
    FtSpellArgs a;
    if (ftspell_parse(c, &a) == 0) {
        Slice t[16];
        for (int i = 0; i < n_terms; i++) t[i] = slice_cstr(terms[i]);
        FakeIndex fx = {TERMS, sizeof TERMS / sizeof TERMS[0]};
        FtSpellIndex ix = {&fx, fake_foreach, 4, NULL, NULL};
        ftspell_reply(c, &a, t, (size_t)n_terms, &ix);
    }
    ftspell_args_free(&a);
    Buf *b = &CF(c)->obuf;
    char *out = xmalloc(buf_live(b) + 1);
    memcpy(out, buf_data(b), buf_live(b));
    out[buf_live(b)] = '\0';
    c->argv = NULL;
    c->argc = 0;
    client_free_fake(c);
    return out;
}

#define EXPECT(resp, args, terms, want)                                                            \
    do {                                                                                           \
        char *got_ = run(resp, args, (int)(sizeof args / sizeof args[0]), terms,                   \
                         (int)(sizeof terms / sizeof terms[0]));                                   \
        if (strcmp(got_, want) != 0) fprintf(stderr, "got: %s\n", got_);                           \
        CHECK(strcmp(got_, want) == 0);                                                            \
        xfree(got_);                                                                               \
    } while (0)

static void test_basic(void) {
    static const char *const args[] = {"idx", "name"};
    static const char *const terms[] = {"name"};
    /* 2/4 and 1/4 of the documents */
    EXPECT(2, args, terms,
           "*1\r\n*3\r\n+TERM\r\n$4\r\nname\r\n*2\r\n*2\r\n$3\r\n0.5\r\n$5\r\nname2\r\n"
           "*2\r\n$4\r\n0.25\r\n$5\r\nname1\r\n");
    EXPECT(3, args, terms,
           "%1\r\n$7\r\nresults\r\n%1\r\n$4\r\nname\r\n*2\r\n%1\r\n$5\r\nname2\r\n,0.5\r\n"
           "%1\r\n$5\r\nname1\r\n,0.25\r\n");
    /* a term of the index gets no entry; one with no neighbour an empty one */
    static const char *const terms2[] = {"name2", "somenotexiststext"};
    EXPECT(2, args, terms2, "*1\r\n*3\r\n+TERM\r\n$17\r\nsomenotexiststext\r\n*0\r\n");
    /* case is folded; order of query terms kept */
    static const char *const terms3[] = {"Elioh", "hilh"};
    EXPECT(2, args, terms3,
           "*2\r\n*3\r\n+TERM\r\n$5\r\nElioh\r\n*1\r\n*2\r\n$4\r\n0.25\r\n$5\r\nelior\r\n"
           "*3\r\n+TERM\r\n$4\r\nhilh\r\n*1\r\n*2\r\n$4\r\n0.25\r\n$4\r\nhila\r\n");
    static const char *const full[] = {"idx", "name2 x", "FULLSCOREINFO"};
    static const char *const terms4[] = {"name2"};
    EXPECT(2, full, terms4,
           "*2\r\n:4\r\n"
           "*3\r\n+TERM\r\n$5\r\nname2\r\n+term exists in index\r\n");
}

static void test_dicts(void) {
    Slice inc[] = {slice_cstr("name3"), slice_cstr("name4"), slice_cstr("name5"),
                   slice_cstr("name1")};
    CHECK_EQ_INT(ftdict_add(slice_cstr("dict"), inc, 4), 4);
    Slice exc[] = {slice_cstr("name")};
    CHECK_EQ_INT(ftdict_add(slice_cstr("ex"), exc, 1), 1);
    static const char *const args[] = {"idx", "name", "TERMS", "include", "dict"};
    static const char *const terms[] = {"name"};
    /* name1 is both: its index score is kept; dictionary terms score 0 */
    EXPECT(2, args, terms,
           "*1\r\n*3\r\n+TERM\r\n$4\r\nname\r\n*5\r\n*2\r\n$3\r\n0.5\r\n$5\r\nname2\r\n"
           "*2\r\n$4\r\n0.25\r\n$5\r\nname1\r\n*2\r\n$1\r\n0\r\n$5\r\nname3\r\n"
           "*2\r\n$1\r\n0\r\n$5\r\nname4\r\n*2\r\n$1\r\n0\r\n$5\r\nname5\r\n");
    static const char *const excl[] = {"idx", "name", "TERMS", "EXCLUDE", "ex"};
    EXPECT(2, excl, terms, "*0\r\n");
    static const char *const missing[] = {"idx", "name", "TERMS", "INCLUDE", "nodict"};
    EXPECT(2, missing, terms, "-Dict does not exist: nodict\r\n");
    /* DISTANCE 2 reaches further */
    static const char *const dist[] = {"idx", "nam", "DISTANCE", "2"};
    static const char *const terms2[] = {"nam"};
    EXPECT(2, dist, terms2,
           "*1\r\n*3\r\n+TERM\r\n$3\r\nnam\r\n*2\r\n*2\r\n$3\r\n0.5\r\n$5\r\nname2\r\n"
           "*2\r\n$4\r\n0.25\r\n$5\r\nname1\r\n");
}

static void test_errors(void) {
    static const char *const t[] = {"x"};
    static const char *const a1[] = {"idx", "name", "TERMS"};
    EXPECT(2, a1, t, "-TERM arg is given but no TERM params comes after\r\n");
    static const char *const a2[] = {"idx", "name", "TERMS", "INCLUDE"};
    EXPECT(2, a2, t, "-TERM arg is given but no TERM params comes after\r\n");
    static const char *const a3[] = {"idx", "name", "TERMS", "MAYBE", "d"};
    EXPECT(2, a3, t, "-bad format, exlude/include operation was not given\r\n");
    static const char *const a4[] = {"idx", "name", "DISTANCE"};
    EXPECT(2, a4, t, "-DISTANCE arg is given but no DISTANCE comes after\r\n");
    static const char *const bad[] = {"0", "-1", "5", "x", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const a5[] = {"idx", "name", "DISTANCE", bad[i]};
        EXPECT(2, a5, t,
               "-bad distance given, distance must be a natural number between 1 to 4\r\n");
    }
}

int main(void) {
    test_seed("test_ftspell");
    test_basic();
    test_dicts();
    test_errors();
    return test_report("test_ftspell");
}
