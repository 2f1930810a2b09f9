/*
 * Unit tests for the set value (src/cmd/set_obj.c) against a naive oracle (a
 * flag per member of a fixed universe): random adds and removes of integer
 * and string members through the intset's widening (16, 32, 64 bits), its
 * conversion to a hash table (a string member, or one member past
 * set-max-intset-entries), and back down to empty. After each step: the
 * count, membership of every member of the universe, the intset's block kept
 * sorted and of the right width, iteration visiting each member once,
 * set_members, COPY (the type's dup), and the RDB form of an intset read
 * back. The packed form of a small "hashtable" runs under several limits
 * (entries, member length), so that sets cross into a real hash table
 * from an intset and from a packed set. Also: the hostile intset blobs set_obj_from_intset_blob
 * refuses.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cmd/set_hash.h"
#include "cmd/set_obj.h"
#include "server/core.h"

#include "test.h"

/* The universe: integers of every width, and strings (some look like
 * integers but are not canonical: "01", "+1", "-0"). */
#define N_UNIVERSE 64
static char names[N_UNIVERSE][32];
static size_t name_len[N_UNIVERSE];
static int is_int_name[N_UNIVERSE];

static void make_universe(void) {
    static const long long ints[] = {0,
                                     1,
                                     -1,
                                     2,
                                     100,
                                     -32768,
                                     32767,
                                     32768,
                                     -32769,
                                     70000,
                                     -2147483648LL,
                                     2147483647LL,
                                     2147483648LL,
                                     -2147483649LL,
                                     5000000000LL,
                                     -9223372036854775807LL - 1,
                                     9223372036854775807LL,
                                     42,
                                     -42,
                                     7};
    static const char *strs[] = {"a", "b", "01", "+1", "-0", "", "x y", "1.5", " 1", "member"};
    int n = 0;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++, n++) {
        name_len[n] = (size_t)snprintf(names[n], sizeof names[n], "%lld", ints[i]);
        is_int_name[n] = 1;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++, n++) {
        name_len[n] = strlen(strs[i]);
        memcpy(names[n], strs[i], name_len[n]);
    }
    for (; n < N_UNIVERSE; n++) {
        /* more small integers, to reach set-max-intset-entries in tests */
        name_len[n] = (size_t)snprintf(names[n], sizeof names[n], "%d", 1000 + n);
        is_int_name[n] = 1;
    }
}

static Slice member(int i) {
    return slice_of(names[i], name_len[i]);
}

static int index_of(Slice m) {
    for (int i = 0; i < N_UNIVERSE; i++)
        if (slice_eq(m, member(i))) return i;
    return -1;
}

typedef struct Seen {
    int count[N_UNIVERSE];
    int unknown;
    int n;
} Seen;

static int mark(void *priv, Slice m) {
    Seen *s = priv;
    int i = index_of(m);
    if (i < 0)
        s->unknown++;
    else
        s->count[i]++;
    s->n++;
    return 0;
}

/* Everything that must hold of o against the oracle. */
static void check_against(const Obj *o, const char *in) {
    size_t n = 0;
    for (int i = 0; i < N_UNIVERSE; i++) n += in[i] != 0;
    CHECK_EQ_INT(set_card(o), n);
    int wrong = 0;
    for (int i = 0; i < N_UNIVERSE; i++) wrong += set_has(o, member(i)) != (in[i] != 0);
    CHECK_EQ_INT(wrong, 0);
    Seen s;
    memset(&s, 0, sizeof s);
    set_foreach(o, mark, &s);
    wrong = s.unknown;
    for (int i = 0; i < N_UNIVERSE; i++) wrong += s.count[i] != (in[i] != 0);
    CHECK_EQ_INT(wrong, 0);
    Slice *all;
    char *nums;
    CHECK_EQ_INT(set_members(o, &all, &nums), n);
    xfree(all);
    xfree(nums);
    size_t len;
    const uint8_t *blob = set_intset_blob(o, &len);
    if (blob) {
        uint32_t k = intset_len(blob);
        CHECK_EQ_INT(k, n);
        for (uint32_t i = 1; i < k; i++) CHECK(intset_get(blob, i - 1) < intset_get(blob, i));
        /* the narrowest width holding every value, as Redis widens */
        uint32_t enc = (uint32_t)blob[0], need = 2;
        for (uint32_t i = 0; i < k; i++) {
            int64_t v = intset_get(blob, i);
            if (v < INT32_MIN || v > INT32_MAX)
                need = 8;
            else if ((v < INT16_MIN || v > INT16_MAX) && need < 4)
                need = 4;
        }
        if (k > 0) CHECK(enc >= need);
        CHECK_EQ_INT(len, INTSET_HEADER + (size_t)k * enc);
    }
    (void)in;
}

static void model_test(void) {
    char in[N_UNIVERSE];
    for (int round = 0; round < 40; round++) {
        memset(in, 0, sizeof in);
        Obj *o = set_obj_new();
        int ints_only = round % 2 == 0, was_hashtable = 0;
        settings.set_max_intset_entries = round % 4 < 2 ? 512 : 10;
        /* packed limits: 7.2's, few entries, short values */
        static const size_t entries[] = {SET_PACKED_ENTRIES, 5, 200};
        static const size_t values[] = {SET_PACKED_VALUE, 3, 64, 255, 20};
        set_obj_packed_limits(entries[round % 3], values[round % 5]);
        for (int step = 0; step < 400; step++) {
            int i = (int)test_rand_below(N_UNIVERSE);
            if (ints_only && !is_int_name[i]) continue;
            int op = (int)test_rand_below(step < 250 ? 3 : 5); /* then shrink */
            if (op == 0 || op == 3 || op == 4) {
                CHECK_EQ_INT(set_remove(o, member(i)), in[i] != 0);
                in[i] = 0;
            } else {
                CHECK_EQ_INT(set_add(o, member(i)), in[i] == 0);
                in[i] = 1;
            }
            if (set_encoding(o) == SET_ENC_HASHTABLE) was_hashtable = 1;
            /* never back to an intset */
            CHECK(!(was_hashtable && set_encoding(o) == SET_ENC_INTSET));
            if (step % 37 == 0) {
                check_against(o, in);
                Obj *copy = obj_dup(o);
                CHECK_EQ_INT(set_encoding(copy), set_encoding(o));
                check_against(copy, in);
                obj_free(copy);
                size_t len;
                const uint8_t *blob = set_intset_blob(o, &len);
                if (blob && set_card(o) > 0) {
                    Obj *back = set_obj_from_intset_blob(blob, len);
                    CHECK(back != NULL);
                    if (back) {
                        check_against(back, in);
                        obj_free(back);
                    }
                }
            }
        }
        check_against(o, in);
        if (ints_only && settings.set_max_intset_entries == 512) CHECK(!was_hashtable);
        obj_free(o);
    }
    settings.set_max_intset_entries = 512;
    set_obj_packed_limits(SET_PACKED_ENTRIES, SET_PACKED_VALUE);
}

static void widening_test(void) {
    Obj *o = set_obj_new();
    set_add(o, slice_cstr("5"));
    set_add(o, slice_cstr("-3"));
    size_t len;
    const uint8_t *b = set_intset_blob(o, &len);
    CHECK_EQ_INT(b[0], 2);
    CHECK_EQ_INT(len, 12);
    set_add(o, slice_cstr("-100000")); /* goes first, widens to 4 */
    b = set_intset_blob(o, &len);
    CHECK_EQ_INT(b[0], 4);
    CHECK_EQ_INT(intset_get(b, 0), -100000);
    CHECK_EQ_INT(intset_get(b, 2), 5);
    set_add(o, slice_cstr("9000000000")); /* goes last, widens to 8 */
    b = set_intset_blob(o, &len);
    CHECK_EQ_INT(b[0], 8);
    CHECK_EQ_INT(len, 8 + 4 * 8);
    CHECK_EQ_INT(intset_get(b, 3), 9000000000LL);
    CHECK_EQ_INT(intset_get(b, 1), -3);
    uint32_t pos;
    CHECK(intset_find(b, 5, &pos) && pos == 2);
    CHECK(!intset_find(b, 6, &pos) && pos == 3);
    set_add(o, slice_cstr("x"));
    CHECK_EQ_INT(set_encoding(o), SET_ENC_HASHTABLE);
    CHECK(set_intset_blob(o, &len) == NULL);
    CHECK_EQ_INT(set_card(o), 5);
    CHECK(set_has(o, slice_cstr("9000000000")));
    obj_free(o);
}

static void blob_test(void) {
    /* enc, len, values */
    static const uint8_t good[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0};
    Obj *o = set_obj_from_intset_blob(good, sizeof good);
    CHECK(o != NULL);
    if (o) {
        CHECK_EQ_INT(set_card(o), 2);
        obj_free(o);
    }
    static const uint8_t wide[] = {8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    o = set_obj_from_intset_blob(wide, sizeof wide);
    CHECK(o != NULL);
    if (o) {
        CHECK(set_has(o, slice_cstr("1")));
        obj_free(o);
    }
    static const uint8_t empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t unsorted[] = {2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0};
    static const uint8_t dup[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0};
    static const uint8_t bad_enc[] = {3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    static const uint8_t short_body[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0};
    static const uint8_t huge_len[] = {8, 0, 0, 0, 255, 255, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0};
    CHECK(set_obj_from_intset_blob(empty, sizeof empty) == NULL);
    CHECK(set_obj_from_intset_blob(unsorted, sizeof unsorted) == NULL);
    CHECK(set_obj_from_intset_blob(dup, sizeof dup) == NULL);
    CHECK(set_obj_from_intset_blob(bad_enc, sizeof bad_enc) == NULL);
    CHECK(set_obj_from_intset_blob(short_body, sizeof short_body) == NULL);
    CHECK(set_obj_from_intset_blob(huge_len, sizeof huge_len) == NULL);
    CHECK(set_obj_from_intset_blob(good, 7) == NULL);
    /* a blob longer than set-max-intset-entries loads as a hash table */
    settings.set_max_intset_entries = 1;
    o = set_obj_from_intset_blob(good, sizeof good);
    CHECK(o && set_encoding(o) == SET_ENC_HASHTABLE && set_card(o) == 2);
    if (o) obj_free(o);
    settings.set_max_intset_entries = 512;
}

static void random_test(void) {
    Obj *o = set_obj_new();
    for (int i = 0; i < 10; i++) {
        char b[8];
        set_add(o, slice_of(b, (size_t)snprintf(b, sizeof b, "%d", i)));
    }
    for (int pass = 0; pass < 2; pass++) {
        int hits[10] = {0};
        for (int i = 0; i < 2000; i++) {
            char buf[SET_NUM_BUF];
            Slice m = set_random(o, buf);
            char num[SET_NUM_BUF] = {0};
            memcpy(num, m.p, m.len < sizeof num - 1 ? m.len : sizeof num - 1);
            int v = atoi(num); /* views are not NUL-terminated */
            CHECK(v >= 0 && v < 10);
            if (v >= 0 && v < 10) hits[v]++;
        }
        for (int i = 0; i < 10; i++) CHECK(hits[i] > 0);
        set_add(o, slice_cstr("not-int")); /* again as a hash table */
        set_remove(o, slice_cstr("not-int"));
    }
    obj_free(o);
}

/* ---- the hash table (set_hash.c) against an array of flags ------------- */

#define N_HKEYS 3000
static char hpresent[N_HKEYS];
static int hseen[N_HKEYS];

static Slice hkey(int i, char *buf) {
    /* some keys empty or with a NUL inside: members are binary */
    if (i == 0) return slice_of(buf, 0);
    int n = snprintf(buf, 32, "k%d", i);
    if (i % 7 == 0) { /* "k<i>\0z" */
        buf[n] = '\0';
        buf[n + 1] = 'z';
        n += 2;
    }
    return slice_of(buf, (size_t)n);
}

static int hmark(void *priv, Slice m) {
    (void)priv;
    char buf[32];
    for (int i = 0; i < N_HKEYS; i++) {
        /* few thousand compares per member: only in small checks */
        if (slice_eq(m, hkey(i, buf))) {
            hseen[i]++;
            return 0;
        }
    }
    hseen[0] += 1000000; /* unknown member */
    return 0;
}

static void hmark_scan(void *priv, Slice m) {
    hmark(priv, m);
}

static void hash_model_test(void) {
    SetHash *h = set_hash_new();
    size_t count = 0;
    char buf[32];
    for (int step = 0; step < 40000; step++) {
        int i = (int)test_rand_below(N_HKEYS);
        Slice m = hkey(i, buf);
        int op = (int)test_rand_below(step < 20000 ? 3 : 5); /* the second half shrinks */
        if (op == 0) {
            CHECK_EQ_INT(set_hash_add(h, m), !hpresent[i]);
            count += !hpresent[i];
            hpresent[i] = 1;
        } else if (op == 1) {
            CHECK_EQ_INT(set_hash_has(h, m), hpresent[i]);
        } else {
            CHECK_EQ_INT(set_hash_remove(h, m), hpresent[i]);
            count -= hpresent[i];
            hpresent[i] = 0;
        }
        CHECK_EQ_INT(set_hash_size(h), count);
        if (step % 8000 == 7999) {
            memset(hseen, 0, sizeof hseen);
            set_hash_foreach(h, hmark, NULL);
            int wrong = 0;
            for (int j = 0; j < N_HKEYS; j++) wrong += hseen[j] != hpresent[j];
            CHECK_EQ_INT(wrong, 0);
            if (count) {
                Slice r = set_hash_random(h);
                CHECK(set_hash_has(h, r));
            }
            CHECK(set_hash_mem_bytes(h) >= count * 12);
        }
    }
    set_hash_free(h);
}

/* Members present for a whole scan come back at least once while the table
 * doubles and halves under it. */
static void hash_scan_test(void) {
    for (int round = 0; round < 4; round++) {
        SetHash *h = set_hash_new();
        char buf[32];
        int n_stable = 200 + round * 150;
        for (int i = 0; i < n_stable; i++) set_hash_add(h, hkey(i, buf));
        memset(hseen, 0, sizeof hseen);
        uint64_t cur = 0;
        int calls = 0;
        do {
            cur = set_hash_scan(h, cur, hmark_scan, NULL);
            calls++;
            /* grow with temporary members, then drop them again */
            int grow = (calls / 5) % 2 == 0;
            for (int j = 0; j < 40; j++) {
                int k = N_HKEYS - 1 - (int)test_rand_below(N_HKEYS - n_stable - 1);
                if (grow)
                    set_hash_add(h, hkey(k, buf));
                else
                    set_hash_remove(h, hkey(k, buf));
            }
        } while (cur != 0 && calls < 100000);
        int missed = 0;
        for (int i = 0; i < n_stable; i++) missed += hseen[i] == 0;
        CHECK_EQ_INT(missed, 0);
        CHECK(cur == 0);
        set_hash_free(h);
    }
}

int main(void) {
    test_seed("test_set");
    settings.set_max_intset_entries = 512;
    set_obj_register();
    make_universe();
    widening_test();
    blob_test();
    random_test();
    model_test();
    hash_model_test();
    hash_scan_test();
    return test_report("test_set");
}
