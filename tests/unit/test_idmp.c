/*
 * test_idmp.c - the idempotency state against a naive oracle.
 *
 * The oracle keeps, per producer, a plain array of (iid, stream ID) in
 * insertion order and applies Redis's rules literally, as if its expiry cron
 * had just run: an add replaces the pair, drops the producer's expired head,
 * drops the oldest insertion when maxsize are held, appends, and drops the
 * expired head again; a lookup sees an iid unless it and every iid before
 * it are expired (ms <= now - duration). Random
 * operations (adds with new and with older IDs, duplicates, lookups, time
 * passing, XCFGSET, full expiry, dump and restore into a differently seeded
 * state) run against both, comparing every answer and the invariants after
 * each step. The clock only moves forward, as the server's cached command
 * time does between commands (the library purges lazily, so a clock moving
 * back could not resurrect purged iids; that is documented, not modelled).
 * Also: SipHash reference vectors, IDMPAUTO's content hash, and sizes at the
 * limits (many producers, maxsize 10000).
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/idmp.h"
#include "test.h"

static int find(Idmp *m, Slice pid, Slice iid, int64_t now, StreamId *id) {
    IdmpKey k;
    idmp_key_init(&k, pid, iid);
    return idmp_find(m, &k, now, id);
}

static void add(Idmp *m, Slice pid, Slice iid, StreamId id, int64_t now) {
    IdmpKey k;
    idmp_key_init(&k, pid, iid);
    idmp_add(m, &k, &id, now);
}

/* ---- names -------------------------------------------------------------- */

#define N_PIDS 9
#define N_IIDS 40

static char pid_buf[N_PIDS][64];
static size_t pid_len[N_PIDS];
static char iid_buf[N_IIDS][400];
static size_t iid_len[N_IIDS];

/* Binary-safe names of varied length (NUL bytes, one 1-byte name, a few long
 * iids) so the hash and comparison paths see more than short ASCII. */
static void make_names(void) {
    for (int k = 0; k < N_PIDS; k++) {
        pid_len[k] = 1 + (size_t)k * 7 % 40;
        for (size_t i = 0; i < pid_len[k]; i++) pid_buf[k][i] = (char)(k * 31 + i * 7);
        pid_buf[k][0] = (char)('a' + k);
    }
    for (int k = 0; k < N_IIDS; k++) {
        iid_len[k] = k % 10 == 9 ? 300 + (size_t)k : 1 + (size_t)k % 13;
        for (size_t i = 0; i < iid_len[k]; i++) iid_buf[k][i] = (char)(k * 17 + i * 3);
        iid_buf[k][0] = (char)k;
    }
}

static Slice pid_of(int k) {
    return slice_of(pid_buf[k], pid_len[k]);
}

static Slice iid_of(int k) {
    return slice_of(iid_buf[k], iid_len[k]);
}

/* ---- oracle ------------------------------------------------------------- */

typedef struct OEntry {
    int iid;
    StreamId id;
} OEntry;

typedef struct Oracle {
    uint32_t duration_s, maxsize;
    uint64_t added, duplicates;
    OEntry e[N_PIDS][IDMP_MAXSIZE_MAX + 1];
    int n[N_PIDS];
} Oracle;

static int o_expired(const Oracle *o, StreamId id, int64_t now) {
    uint64_t d = (uint64_t)o->duration_s * 1000;
    return (uint64_t)now >= d && id.ms <= (uint64_t)now - d;
}

static void o_remove_at(Oracle *o, int p, int i) {
    memmove(&o->e[p][i], &o->e[p][i + 1], (size_t)(o->n[p] - i - 1) * sizeof(OEntry));
    o->n[p]--;
}

/* The number of records at the head of producer p that are gone at now. */
static int o_gone(const Oracle *o, int p, int64_t now) {
    int k = 0;
    while (k < o->n[p] && o_expired(o, o->e[p][k].id, now)) k++;
    return k;
}

static int o_find(const Oracle *o, int p, int iid, int64_t now, StreamId *id) {
    for (int i = o_gone(o, p, now); i < o->n[p]; i++)
        if (o->e[p][i].iid == iid) {
            *id = o->e[p][i].id;
            return 1;
        }
    return 0;
}

static void o_add(Oracle *o, int p, int iid, StreamId id, int64_t now) {
    for (int i = 0; i < o->n[p]; i++)
        if (o->e[p][i].iid == iid) {
            o_remove_at(o, p, i);
            break;
        }
    for (int g = o_gone(o, p, now); g > 0; g--) o_remove_at(o, p, 0);
    if ((uint32_t)o->n[p] == o->maxsize) o_remove_at(o, p, 0);
    o->e[p][o->n[p]].iid = iid;
    o->e[p][o->n[p]].id = id;
    o->n[p]++;
    o->added++;
    for (int g = o_gone(o, p, now); g > 0; g--) o_remove_at(o, p, 0);
}

static void o_live_counts(const Oracle *o, int64_t now, uint64_t *pids, uint64_t *iids) {
    *pids = *iids = 0;
    for (int p = 0; p < N_PIDS; p++) {
        int live = o->n[p] - o_gone(o, p, now);
        *iids += (uint64_t)live;
        *pids += live > 0;
    }
}

static int pid_index(Slice pid) {
    for (int k = 0; k < N_PIDS; k++)
        if (slice_eq(pid, pid_of(k))) return k;
    return -1;
}

static int iid_index(Slice iid) {
    for (int k = 0; k < N_IIDS; k++)
        if (slice_eq(iid, iid_of(k))) return k;
    return -1;
}

/* The iterator's output must be, per producer, the oracle's live list in
 * order, and nothing else. */
static void compare_dump(const Idmp *m, const Oracle *o, int64_t now) {
    static OEntry got[N_PIDS][IDMP_MAXSIZE_MAX + 1];
    int n_got[N_PIDS] = {0};
    int last_pid = -1, bad = 0;
    int seen_done[N_PIDS] = {0};
    IdmpIter it;
    Slice pid, iid;
    StreamId id;
    idmp_iter_start(&it, m, now);
    while (idmp_iter_next(&it, &pid, &iid, &id)) {
        int p = pid_index(pid), i = iid_index(iid);
        if (p < 0 || i < 0 || n_got[p] > IDMP_MAXSIZE_MAX) {
            bad = 1;
            break;
        }
        /* one contiguous run per producer */
        if (p != last_pid) {
            if (last_pid >= 0) seen_done[last_pid] = 1;
            if (seen_done[p]) bad = 1;
            last_pid = p;
        }
        got[p][n_got[p]].iid = i;
        got[p][n_got[p]].id = id;
        n_got[p]++;
    }
    CHECK(!bad);
    for (int p = 0; p < N_PIDS; p++) {
        int k = 0, same = 1;
        for (int i = o_gone(o, p, now); i < o->n[p]; i++) {
            if (k >= n_got[p] || got[p][k].iid != o->e[p][i].iid ||
                stream_id_cmp(got[p][k].id, o->e[p][i].id) != 0)
                same = 0;
            k++;
        }
        if (k != n_got[p]) same = 0;
        CHECK(same);
    }
}

static void compare_finds(Idmp *m, const Oracle *o, int64_t now) {
    for (int p = 0; p < N_PIDS; p++)
        for (int i = 0; i < N_IIDS; i++) {
            StreamId a = {0, 0}, b = {0, 0};
            int fa = find(m, pid_of(p), iid_of(i), now, &a);
            int fb = o_find(o, p, i, now, &b);
            CHECK_EQ_INT(fa, fb);
            if (fa && fb) CHECK(stream_id_cmp(a, b) == 0);
        }
}

/* Rebuilds m's state in a fresh, differently seeded Idmp from the dump and
 * the counters, as an AOF rewrite followed by a load does. */
static Idmp *restore_copy(const Idmp *m, int64_t now) {
    Idmp *c = idmp_new(idmp_duration(m), idmp_maxsize(m), test_rand());
    IdmpIter it;
    Slice pid, iid;
    StreamId id;
    idmp_iter_start(&it, m, now);
    while (idmp_iter_next(&it, &pid, &iid, &id)) add(c, pid, iid, id, now);
    idmp_set_counters(c, idmp_iids_added(m), idmp_iids_duplicates(m));
    return c;
}

static void model_run(int steps, uint32_t max_duration_s, uint32_t max_maxsize) {
    static Oracle o;
    memset(&o, 0, sizeof o);
    o.duration_s = 1 + (uint32_t)test_rand_below(max_duration_s);
    o.maxsize = 1 + (uint32_t)test_rand_below(max_maxsize);
    Idmp *m = idmp_new(o.duration_s, o.maxsize, test_rand());
    int64_t now = 1700000000000LL + (int64_t)test_rand_below(1000);
    StreamId last = {(uint64_t)now - 5000, 0};
    int n_pids = 1 + (int)test_rand_below(N_PIDS);
    int n_iids = 1 + (int)test_rand_below(N_IIDS);

    for (int step = 0; step < steps; step++) {
        int op = (int)test_rand_below(100);
        int p = (int)test_rand_below((uint64_t)n_pids), i = (int)test_rand_below((uint64_t)n_iids);
        if (op < 15) {
            /* time passes: mostly a little, sometimes past the duration */
            now += (int64_t)(test_rand_below(8) == 0 ? test_rand_below(o.duration_s * 2000u)
                                                     : test_rand_below(400));
        } else if (op < 60) {
            /* XADD IDMP: refuse a duplicate or add under the next ID; as
             * the server does, mostly with the key of the lookup (the add
             * then trusts what the lookup saw: producer, free slot) */
            StreamId a, b;
            IdmpKey k;
            idmp_key_init(&k, pid_of(p), iid_of(i));
            int is_same_key = test_rand_below(4) != 0;
            int fa = idmp_find(m, &k, now, &a);
            int fb = o_find(&o, p, i, now, &b);
            CHECK_EQ_INT(fa, fb);
            if (fa) {
                CHECK(fb && stream_id_cmp(a, b) == 0);
                idmp_count_duplicate(m);
                o.duplicates++;
            } else {
                if ((uint64_t)now > last.ms) {
                    last.ms = (uint64_t)now;
                    last.seq = 0;
                } else {
                    last.seq++;
                }
                if (is_same_key)
                    idmp_add(m, &k, &last, now);
                else
                    add(m, pid_of(p), iid_of(i), last, now);
                o_add(&o, p, i, last, now);
            }
        } else if (op < 70) {
            /* XIDMPRECORD / a replay: any existing ID, possibly replacing */
            StreamId id = {last.ms - test_rand_below(o.duration_s * 1500u + 1), test_rand_below(3)};
            add(m, pid_of(p), iid_of(i), id, now);
            o_add(&o, p, i, id, now);
        } else if (op < 80) {
            StreamId a = {0, 0}, b = {0, 0};
            int fa = find(m, pid_of(p), iid_of(i), now, &a);
            int fb = o_find(&o, p, i, now, &b);
            CHECK_EQ_INT(fa, fb);
            if (fa && fb) CHECK(stream_id_cmp(a, b) == 0);
        } else if (op < 84) {
            /* XCFGSET: same values keep the state, different ones clear it */
            uint32_t d =
                test_rand_below(2) ? o.duration_s : 1 + (uint32_t)test_rand_below(max_duration_s);
            uint32_t s =
                test_rand_below(2) ? o.maxsize : 1 + (uint32_t)test_rand_below(max_maxsize);
            int changed = d != o.duration_s || s != o.maxsize;
            CHECK_EQ_INT(idmp_configure(m, d, s), changed);
            if (changed) {
                memset(o.n, 0, sizeof o.n);
                o.duration_s = d;
                o.maxsize = s;
            }
        } else if (op < 92) {
            uint64_t pids, iids;
            idmp_expire(m, now);
            o_live_counts(&o, now, &pids, &iids);
            CHECK_EQ_INT(idmp_pids_tracked(m), pids);
            CHECK_EQ_INT(idmp_iids_tracked(m), iids);
            CHECK_EQ_INT(idmp_iids_added(m), o.added);
            CHECK_EQ_INT(idmp_iids_duplicates(m), o.duplicates);
        } else if (op < 96) {
            compare_dump(m, &o, now);
        } else if (test_rand_below(2)) {
            /* idmp_clone() (COPY): continue with the copy, the original freed,
             * so the copy must own everything (out-of-line iids included) */
            Idmp *c = idmp_clone(m);
            CHECK_EQ_INT(idmp_mem_usage(c), idmp_mem_usage(m));
            idmp_free(m);
            m = c;
            CHECK_EQ_INT(idmp_check(m), 0);
            compare_finds(m, &o, now);
            compare_dump(m, &o, now);
        } else {
            /* dump, restore into a fresh state, continue with the copy */
            Idmp *c = restore_copy(m, now);
            CHECK_EQ_INT(idmp_check(c), 0);
            compare_finds(c, &o, now);
            compare_dump(c, &o, now);
            idmp_free(m);
            m = c;
        }
        int bad = idmp_check(m);
        CHECK_EQ_INT(bad, 0);
        if (bad) break;
    }
    compare_finds(m, &o, now);
    idmp_free(m);
}

/* ---- fixed cases -------------------------------------------------------- */

/* SipHash-2-4 with the 128-bit output, written as plainly as the paper
 * states it: the oracle for every message length (the library absorbs
 * bytes incrementally, across calls). */
static uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

static void sipround(uint64_t v[4]) {
    v[0] += v[1], v[1] = rotl(v[1], 13), v[1] ^= v[0], v[0] = rotl(v[0], 32);
    v[2] += v[3], v[3] = rotl(v[3], 16), v[3] ^= v[2];
    v[0] += v[3], v[3] = rotl(v[3], 21), v[3] ^= v[0];
    v[2] += v[1], v[1] = rotl(v[1], 17), v[1] ^= v[2], v[2] = rotl(v[2], 32);
}

static void naive_siphash128(const unsigned char key[16], const unsigned char *m, size_t len,
                             unsigned char out[16]) {
    uint64_t k0 = 0, k1 = 0;
    for (int i = 7; i >= 0; i--) k0 = k0 << 8 | key[i], k1 = k1 << 8 | key[8 + i];
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL ^ 0xee,
                     k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    for (size_t blk = 0; blk <= len / 8; blk++) {
        uint64_t w = 0;
        for (size_t i = 0; i < 8; i++) {
            size_t at = blk * 8 + i;
            uint64_t byte = at < len ? m[at] : i == 7 ? (uint64_t)(len & 0xff) : 0;
            w |= byte << (8 * i);
        }
        v[3] ^= w;
        for (int r = 0; r < 2; r++) sipround(v);
        v[0] ^= w;
    }
    v[2] ^= 0xee;
    for (int r = 0; r < 4; r++) sipround(v);
    uint64_t lo = v[0] ^ v[1] ^ v[2] ^ v[3];
    v[1] ^= 0xdd;
    for (int r = 0; r < 4; r++) sipround(v);
    uint64_t hi = v[0] ^ v[1] ^ v[2] ^ v[3];
    for (int i = 0; i < 8; i++) {
        out[i] = (unsigned char)(lo >> (8 * i));
        out[8 + i] = (unsigned char)(hi >> (8 * i));
    }
}

static void test_siphash_lengths(void) {
    unsigned char key[16], msg[80], a[16], b[16];
    for (int i = 0; i < 16; i++) key[i] = (unsigned char)test_rand();
    for (int i = 0; i < 80; i++) msg[i] = (unsigned char)test_rand();
    for (size_t len = 0; len <= 70; len++)
        for (size_t start = 0; start < 8; start++) {
            idmp_siphash128(key, msg + start, len, a);
            naive_siphash128(key, msg + start, len, b);
            CHECK(memcmp(a, b, 16) == 0);
        }
}

static void test_siphash_vectors(void) {
    unsigned char key[16], msg[64], out[16];
    for (int i = 0; i < 16; i++) key[i] = (unsigned char)i;
    for (int i = 0; i < 64; i++) msg[i] = (unsigned char)i;
    /* The reference implementation's vectors.h (key 00..0f, message 00..). */
    static const unsigned char v128[4][16] = {
        {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02,
         0x93},
        {0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc,
         0x45},
        {0x81, 0x77, 0x22, 0x8d, 0xa4, 0xa4, 0x5d, 0xc7, 0xfc, 0xa3, 0x8b, 0xde, 0xf6, 0x0a, 0xff,
         0xe4},
        {0x9c, 0x70, 0xb6, 0x0c, 0x52, 0x67, 0xa9, 0x4e, 0x5f, 0x33, 0xb6, 0xb0, 0x29, 0x85, 0xed,
         0x51},
    };
    for (int len = 0; len < 4; len++) {
        idmp_siphash128(key, msg, (size_t)len, out);
        CHECK(memcmp(out, v128[len], 16) == 0);
        naive_siphash128(key, msg, (size_t)len, out); /* the oracle itself */
        CHECK(memcmp(out, v128[len], 16) == 0);
    }
}

/* The table hash: a function of the bytes alone (not of where they are),
 * different under different keys, changed by any one-byte change at any
 * length, and spread evenly over both the bucket bits (low) and the tag bits
 * (high) for the iids producers use: counters and prefixed counters, short
 * and longer than one 16-byte block. */
static void test_table_hash(void) {
    Idmp *m = idmp_new(100, 100, test_rand()), *m2 = idmp_new(100, 100, test_rand());
    unsigned char msg[96], copy[96 + 8];
    for (int i = 0; i < 96; i++) msg[i] = (unsigned char)test_rand();
    int same_under_other_key = 0;
    for (size_t len = 0; len <= 80; len++) {
        uint64_t h = idmp_table_hash(m, slice_of((const char *)msg, len));
        for (size_t start = 1; start < 8; start++) {
            memcpy(copy + start, msg, len);
            CHECK(idmp_table_hash(m, slice_of((const char *)copy + start, len)) == h);
        }
        same_under_other_key += idmp_table_hash(m2, slice_of((const char *)msg, len)) == h;
        for (size_t i = 0; i < len; i++) {
            memcpy(copy, msg, len);
            copy[i] ^= (unsigned char)(1u << (i % 8));
            uint64_t g = idmp_table_hash(m, slice_of((const char *)copy, len));
            CHECK((g & 0x3fff) != (h & 0x3fff) || g >> 46 != h >> 46);
        }
        /* the same bytes with a zero byte more */
        memset(copy, 0, len + 1);
        memcpy(copy, msg, len);
        CHECK(idmp_table_hash(m, slice_of((const char *)copy, len + 1)) != h);
    }
    CHECK_EQ_INT(same_under_other_key, 0);
    static const char *const formats[] = {"%d", "req-%08d", "order:2026-11-29:client-0042:%d"};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        enum { N = 1 << 16 };
        int low[16] = {0}, high[16] = {0};
        for (int i = 0; i < N; i++) {
            char buf[64];
            int len = snprintf(buf, sizeof buf, formats[f], i);
            uint64_t h = idmp_table_hash(m, slice_of(buf, (size_t)len));
            low[h & 15]++;
            high[h >> 60]++;
        }
        for (int b = 0; b < 16; b++) {
            CHECK(low[b] > N / 16 * 9 / 10 && low[b] < N / 16 * 11 / 10);
            CHECK(high[b] > N / 16 * 9 / 10 && high[b] < N / 16 * 11 / 10);
        }
    }
    idmp_free(m);
    idmp_free(m2);
}

static void auto_iid(const char *const *fv, size_t n_pairs, unsigned char out[16]) {
    Slice s[16];
    for (size_t i = 0; i < 2 * n_pairs; i++) s[i] = slice_cstr(fv[i]);
    idmp_auto_iid(s, n_pairs, out);
}

static void test_auto_iid(void) {
    unsigned char a[16], b[16];
    const char *m1[] = {"field1", "a", "field2", "b", "field3", "c"};
    const char *m2[] = {"field2", "b", "field3", "c", "field1", "a"};
    const char *m3[] = {"field3", "c", "field1", "x", "field2", "b"};
    auto_iid(m1, 3, a);
    auto_iid(m2, 3, b);
    CHECK(memcmp(a, b, 16) == 0); /* pair order does not matter */
    auto_iid(m3, 3, b);
    CHECK(memcmp(a, b, 16) != 0);

    const char *s1[] = {"ab", "c"}, *s2[] = {"a", "bc"};
    auto_iid(s1, 1, a);
    auto_iid(s2, 1, b);
    CHECK(memcmp(a, b, 16) != 0); /* the field/value boundary counts */

    const char *f1[] = {"field1", "value"}, *f2[] = {"field2", "value"};
    auto_iid(f1, 1, a);
    auto_iid(f2, 1, b);
    CHECK(memcmp(a, b, 16) != 0); /* field names count */

    const char *d1[] = {"a", "1", "a", "1"}, *d2[] = {"b", "2", "b", "2"}, *d3[] = {"a", "1"};
    unsigned char c[16];
    auto_iid(d1, 2, a);
    auto_iid(d2, 2, b);
    auto_iid(d3, 1, c);
    CHECK(memcmp(a, b, 16) != 0); /* repeated pairs do not cancel out */
    CHECK(memcmp(a, c, 16) != 0);

    const char *e1[] = {"field", ""}, *e2[] = {"field", "value"};
    auto_iid(e1, 1, a);
    auto_iid(e2, 1, b);
    CHECK(memcmp(a, b, 16) != 0);

    /* Binary values, and more pairs than the stack buffer holds. */
    Slice big[80];
    char vals[40][4];
    for (int i = 0; i < 40; i++) {
        vals[i][0] = (char)i;
        vals[i][1] = 0;
        vals[i][2] = (char)0xff;
        vals[i][3] = (char)(i * 3);
        big[2 * i] = slice_of(vals[i], 2);
        big[2 * i + 1] = slice_of(vals[i], 4);
    }
    idmp_auto_iid(big, 40, a);
    Slice t = big[0];
    big[0] = big[78];
    big[78] = t;
    t = big[1];
    big[1] = big[79];
    big[79] = t;
    idmp_auto_iid(big, 40, b);
    CHECK(memcmp(a, b, 16) == 0);

    /* The derivation is persisted: it must never change. */
    static const unsigned char pinned[16] = {0xd2, 0xe5, 0xe8, 0xc5, 0xa1, 0xfa, 0xb0, 0x9a,
                                             0x26, 0x6b, 0xf9, 0x88, 0xcf, 0xc4, 0x62, 0x1a};
    const char *p1[] = {"amount", "100", "currency", "USD"};
    auto_iid(p1, 2, a);
    if (memcmp(a, pinned, 16) != 0) {
        printf("auto iid of {amount 100 currency USD}:");
        for (int i = 0; i < 16; i++) printf(" 0x%02x,", a[i]);
        printf("\n");
    }
    CHECK(memcmp(a, pinned, 16) == 0);
}

/* iids that all want the same bucket of the iid table (at maxsize 100: 16
 * buckets of 15 slots, so 60 of them fill four): overflow chains are built,
 * searched across, and taken apart by eviction and replacement, with every
 * invariant checked after each step. Random iids almost never overflow a
 * bucket, so the model tests alone would not reach this. */
static void test_bucket_overflow(void) {
    int64_t now = 1700000000000LL;
    Idmp *m = idmp_new(100, 100, test_rand());
    Slice pid = slice_cstr("p");
    char names[60][24];
    int n = 0;
    for (uint64_t i = 0; n < 60; i++) {
        char buf[24];
        int len = snprintf(buf, sizeof buf, "c%llu", (unsigned long long)i);
        if ((idmp_table_hash(m, slice_of(buf, (size_t)len)) & 15) == 0) memcpy(names[n++], buf, 24);
    }
    StreamId id = {(uint64_t)now, 0}, got;
    for (int i = 0; i < 60; i++) {
        add(m, pid, slice_cstr(names[i]), id, now);
        id.seq++;
        CHECK(idmp_check(m) == 0);
    }
    for (int i = 0; i < 60; i++) {
        CHECK(find(m, pid, slice_cstr(names[i]), now, &got) && got.seq == (uint64_t)i);
        CHECK(!find(m, pid, slice_cstr(names[i] + 1), now, &got)); /* absent, same chains */
    }
    /* Re-adding one in the middle replaces its mapping (drop + rebuild). */
    add(m, pid, slice_cstr(names[30]), id, now);
    id.seq++;
    CHECK(idmp_check(m) == 0);
    /* 100 ordinary iids evict the 60 oldest one by one through the chains. */
    for (int i = 0; i < 100; i++) {
        char buf[24];
        snprintf(buf, sizeof buf, "o%d", i);
        add(m, pid, slice_cstr(buf), id, now);
        id.seq++;
        CHECK(idmp_check(m) == 0);
    }
    for (int i = 0; i < 60; i++) CHECK(!find(m, pid, slice_cstr(names[i]), now, &got));
    CHECK_EQ_INT(idmp_iids_tracked(m), 100);

    /* An iid whose hash has 18 zero top bits (its tag would be 0, the value
     * of a free slot): absent, then added, then found. */
    char zero[24];
    for (uint64_t i = 0;; i++) {
        int len = snprintf(zero, sizeof zero, "z%llu", (unsigned long long)i);
        if (idmp_table_hash(m, slice_of(zero, (size_t)len)) >> 46 == 0) break;
    }
    CHECK(!find(m, pid, slice_cstr(zero), now, &got));
    add(m, pid, slice_cstr(zero), id, now);
    CHECK(find(m, pid, slice_cstr(zero), now, &got) && stream_id_cmp(got, id) == 0);
    CHECK(idmp_check(m) == 0);
    idmp_free(m);
}

/* The documented examples, step by step. */
static void test_rules(void) {
    int64_t now = 1700000000000LL;
    Idmp *m = idmp_new(100, 100, 1);
    StreamId id;
    Slice p1 = slice_cstr("p1"), p2 = slice_cstr("p2");
    StreamId a = {(uint64_t)now, 0}, b = {(uint64_t)now, 1};
    CHECK(!find(m, p1, slice_cstr("req-1"), now, &id));
    add(m, p1, slice_cstr("req-1"), a, now);
    CHECK(find(m, p1, slice_cstr("req-1"), now, &id) && stream_id_cmp(id, a) == 0);
    CHECK(!find(m, p2, slice_cstr("req-1"), now, &id)); /* producers are isolated */
    add(m, p2, slice_cstr("req-1"), b, now);
    CHECK_EQ_INT(idmp_pids_tracked(m), 2);
    CHECK_EQ_INT(idmp_iids_tracked(m), 2);
    CHECK_EQ_INT(idmp_iids_added(m), 2);

    /* Expiry is inclusive: ms <= now - duration. */
    CHECK(find(m, p1, slice_cstr("req-1"), now + 99999, &id));
    CHECK(!find(m, p1, slice_cstr("req-1"), now + 100000, &id));
    idmp_expire(m, now + 100000);
    CHECK_EQ_INT(idmp_pids_tracked(m), 0);
    CHECK_EQ_INT(idmp_iids_tracked(m), 0);
    CHECK_EQ_INT(idmp_iids_added(m), 2);

    /* Same configuration: nothing cleared; a change clears, counters stay. */
    add(m, p1, slice_cstr("x"), stream_id_make((uint64_t)now + 200000, 0), now + 200000);
    CHECK_EQ_INT(idmp_configure(m, 100, 100), 0);
    CHECK_EQ_INT(idmp_iids_tracked(m), 1);
    CHECK_EQ_INT(idmp_configure(m, 100, 3), 1);
    CHECK_EQ_INT(idmp_iids_tracked(m), 0);
    CHECK_EQ_INT(idmp_pids_tracked(m), 0);
    CHECK_EQ_INT(idmp_iids_added(m), 3);

    /* MAXSIZE 3: the fourth iid evicts the oldest. */
    now += 300000;
    char name[16];
    for (int i = 1; i <= 4; i++) {
        snprintf(name, sizeof name, "req-%d", i);
        add(m, p1, slice_cstr(name), stream_id_make((uint64_t)now, (uint64_t)i), now);
    }
    CHECK(!find(m, p1, slice_cstr("req-1"), now, &id));
    CHECK(find(m, p1, slice_cstr("req-2"), now, &id) && id.seq == 2);
    CHECK_EQ_INT(idmp_iids_tracked(m), 3);
    CHECK(idmp_mem_usage(m) > sizeof(void *) * 3);
    idmp_clear(m);
    CHECK_EQ_INT(idmp_iids_tracked(m), 0);
    CHECK_EQ_INT(idmp_check(m), 0);
    idmp_free(m);
    idmp_free(NULL);
}

/* Many producers with one iid each, all expiring: tables grow and shrink,
 * the incremental sweep frees idle producers without idmp_expire(). */
static void test_many_producers(void) {
    Idmp *m = idmp_new(1, 100, test_rand());
    int64_t now = 1700000000000LL;
    char pid[32];
    size_t base_mem = idmp_mem_usage(m);
    for (int i = 0; i < 20000; i++) {
        snprintf(pid, sizeof pid, "producer-%d", i);
        add(m, slice_cstr(pid), slice_cstr("request-1"), stream_id_make((uint64_t)now, (uint64_t)i),
            now);
    }
    CHECK_EQ_INT(idmp_pids_tracked(m), 20000);
    CHECK_EQ_INT(idmp_check(m), 0);
    /* Two seconds later one producer keeps writing: every add sweeps two
     * more slots, so the idle producers go without a full expiry pass. */
    now += 2000;
    for (int i = 0; i < 40000; i++)
        add(m, slice_cstr("busy"), slice_cstr(i % 2 ? "a" : "b"),
            stream_id_make((uint64_t)now, (uint64_t)i), now);
    CHECK_EQ_INT(idmp_pids_tracked(m), 1);
    CHECK_EQ_INT(idmp_iids_tracked(m), 2);
    CHECK_EQ_INT(idmp_check(m), 0);
    idmp_expire(m, now + 1000);
    CHECK_EQ_INT(idmp_pids_tracked(m), 0);
    CHECK_EQ_INT(idmp_mem_usage(m), base_mem);
    idmp_free(m);
}

/* The largest maxsize with more adds than it holds, an out-of-order add, and
 * replacement of a pair by a newer ID. */
static void test_capacity_limit(void) {
    Idmp *m = idmp_new(IDMP_DURATION_MAX, IDMP_MAXSIZE_MAX, test_rand());
    int64_t now = 1700000000000LL;
    char iid[32];
    Slice p = slice_cstr("p");
    StreamId id;
    for (int i = 0; i < 25000; i++) {
        snprintf(iid, sizeof iid, "req-%d", i);
        add(m, p, slice_cstr(iid), stream_id_make((uint64_t)now, (uint64_t)i), now);
    }
    CHECK_EQ_INT(idmp_iids_tracked(m), IDMP_MAXSIZE_MAX);
    CHECK(!find(m, p, slice_cstr("req-14999"), now, &id));
    CHECK(find(m, p, slice_cstr("req-15000"), now, &id) && id.seq == 15000);
    /* Older than everything tracked while full: the newest insertion all
     * the same (Redis's lists are in insertion order); the oldest
     * insertion goes. */
    add(m, p, slice_cstr("old"), stream_id_make((uint64_t)now, 1), now);
    CHECK(find(m, p, slice_cstr("old"), now, &id) && id.seq == 1);
    CHECK(!find(m, p, slice_cstr("req-15000"), now, &id));
    CHECK(find(m, p, slice_cstr("req-15001"), now, &id) && id.seq == 15001);
    CHECK_EQ_INT(idmp_iids_added(m), 25001);
    /* Replacing keeps one mapping per pair. */
    add(m, p, slice_cstr("req-20000"), stream_id_make((uint64_t)now + 1, 0), now);
    CHECK(find(m, p, slice_cstr("req-20000"), now, &id) && id.ms == (uint64_t)now + 1);
    CHECK_EQ_INT(idmp_iids_tracked(m), IDMP_MAXSIZE_MAX);
    CHECK_EQ_INT(idmp_check(m), 0);
    idmp_free(m);
}

int main(void) {
    test_seed("test_idmp");
    make_names();
    test_siphash_vectors();
    test_siphash_lengths();
    test_table_hash();
    test_auto_iid();
    test_rules();
    test_bucket_overflow();
    test_many_producers();
    test_capacity_limit();
    for (int run = 0; run < 300; run++) model_run(2000, 1 + run % 6, 1 + (uint32_t)(run % 9));
    for (int run = 0; run < 10; run++) model_run(5000, 3, 200);
    return test_report("test_idmp");
}
