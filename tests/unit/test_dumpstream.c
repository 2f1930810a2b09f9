/*
 * test_dumpstream.c - streams with idempotent-producer state and XNACKed
 * pending entries through DUMP / RESTORE (dumpvalue.c): Redis 8.6's type 26
 * (RDB 13) and 8.8's type 27 (RDB 14). Round trips of built streams; payloads
 * assembled here byte by byte in Redis's field order (not by streamd's
 * writer) and read back; every truncation refused; every flipped byte either
 * refused or read into a consistent stream (never a crash: the ASan build
 * runs this too); the type written under a reader's cap; RDB versions 13-15
 * accepted and 16 refused.
 */
#include <limits.h>
#include <string.h>

#include "base/alloc.h"
#include "cmd/stream_idmp.h"
#include "cmd/stream_obj.h"
#include "persist/dumpvalue.h"
#include "persist/rdbcodec.h"
#include "persist/rdbfile.h"
#include "server/server.h"
#include "stream/group.h"
#include "stream/idmp.h"
#include "stream/pel.h"
#include "test.h"

static const StreamLimits LIM = {100, 4096};
#define NOW 5000000LL /* ms: the records below are all younger than 1000 s */

/* ---- building streams ---------------------------------------------------- */

/* 20 entries at ms 4000001..; a group "g" with consumers "a" and "b"
 * (a: 1, 2, 3, 4; b: 5, 6), entries 7 and 3 released when nack, in that
 * order (3 was a's); idempotency records for producers "p0" / "p1" when
 * idmp. */
static Obj *make_stream(int idmp, int nack) {
    Stream *st = stream_new();
    StreamId ids[21];
    for (int i = 1; i <= 20; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "v%d", i);
        Slice fv[2] = {slice_of("f", 1), slice_of(v, (size_t)n)};
        ids[i] = stream_id_make(4000000 + (uint64_t)i, 0);
        stream_append(st, ids[i], fv, 1, &LIM);
    }
    GroupSet *gs = group_set_new();
    ConsumerGroup *g = group_set_create(gs, slice_of("g", 1), ids[7], 7);
    ConsumerId a = group_consumer_create(g, slice_of("a", 1), NOW - 10);
    ConsumerId b = group_consumer_create(g, slice_of("b", 1), NOW - 20);
    Pel *pel = group_pel(g);
    for (int i = 1; i <= 6; i++)
        if (!(nack && i == 3)) pel_add(pel, ids[i], i <= 4 ? a : b, NOW - 100 * i, (uint64_t)i);
    if (nack) {
        group_release_new(g, ids[7], 2);
        group_release_new(g, ids[3], 5);
    }
    Idmp *m = NULL;
    if (idmp) {
        m = stream_idmp_state_new(1000, 4);
        for (int i = 1; i <= 9; i++) {
            char pid[8], iid[8];
            int pn = snprintf(pid, sizeof pid, "p%d", i % 2);
            int in = snprintf(iid, sizeof iid, "iid%d", i);
            IdmpKey k;
            idmp_key_init(&k, slice_of(pid, (size_t)pn), slice_of(iid, (size_t)in));
            idmp_add(m, &k, &ids[i], NOW);
        }
        idmp_count_duplicate(m);
        idmp_count_duplicate(m);
    }
    return stream_obj_adopt(st, gs, m);
}

/* A producer's records as one text (pid: iid@ms-seq ...), producers sorted. */
static void idmp_text(const Idmp *m, char *out, size_t cap) {
    char lines[8][512];
    size_t n = 0;
    IdmpIter it;
    Slice pid, iid, prev = {NULL, 0};
    StreamId id;
    idmp_iter_start(&it, m, NOW);
    while (idmp_iter_next(&it, &pid, &iid, &id)) {
        if (n == 0 || !slice_eq(pid, prev)) {
            if (n == 8) break;
            snprintf(lines[n++], sizeof lines[0], "%.*s:", (int)pid.len, pid.p);
            prev = pid;
        }
        size_t l = strlen(lines[n - 1]);
        snprintf(lines[n - 1] + l, sizeof lines[0] - l, " %.*s@%llu-%llu", (int)iid.len, iid.p,
                 (unsigned long long)id.ms, (unsigned long long)id.seq);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(lines[j], lines[i]) < 0) {
                char t[512];
                memcpy(t, lines[i], sizeof t);
                memcpy(lines[i], lines[j], sizeof t);
                memcpy(lines[j], t, sizeof t);
            }
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s|", lines[i]);
    }
}

/* Group g's pending list as text: id owner time count ..., then the
 * released IDs in release order. */
static void pel_text(const StreamObj *so, char *out, size_t cap) {
    out[0] = 0;
    ConsumerGroup *g = group_set_find(so->groups, slice_of("g", 1));
    if (!g) return;
    const Pel *pel = group_pel_c(g);
    PelIter it;
    pel_iter_seek(&it, pel, PEL_OWNER_ALL, stream_id_make(0, 0));
    for (PelRef r = pel_iter_next(&it); r != PEL_NONE; r = pel_iter_next(&it)) {
        PelEntry e;
        pel_get(pel, r, &e);
        size_t l = strlen(out);
        Slice owner = e.owner == PEL_OWNER_NONE ? slice_of("-", 1)
                                                : group_consumer_name(g, (ConsumerId)e.owner);
        snprintf(out + l, cap - l, "%llu:%.*s:%lld:%llu ", (unsigned long long)e.id.ms,
                 (int)owner.len, owner.p,
                 (long long)(e.owner == PEL_OWNER_NONE ? 0 : e.delivery_ms),
                 (unsigned long long)e.delivery_count);
    }
    PelRef *rel = NULL;
    size_t n = pel_released_list(pel, &rel);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "R%llu ", (unsigned long long)pel_id(pel, rel[i]).ms);
    }
    xfree(rel);
}

static int restore(const Buf *b, Obj **out) {
    return dump_restore_value((const uint8_t *)b->p, b->len, &LIM, NOW, out);
}

static unsigned footer_version(const Buf *b) {
    return (unsigned)(uint8_t)b->p[b->len - 10] | (unsigned)(uint8_t)b->p[b->len - 9] << 8;
}

static void check_roundtrip(int idmp, int nack, int want_type, unsigned want_version) {
    Obj *o = make_stream(idmp, nack);
    const StreamObj *so = o->ptr;
    Buf b;
    buf_init(&b);
    dump_value(o, NOW, &b);
    CHECK_EQ_INT((uint8_t)b.p[0], want_type);
    CHECK_EQ_INT(footer_version(&b), want_version);
    CHECK_EQ_INT(dump_value_type(o), want_type);
    Obj *back = NULL;
    CHECK_EQ_INT(restore(&b, &back), DUMP_OK);
    if (back) {
        const StreamObj *bo = back->ptr;
        char x[2048], y[2048];
        pel_text(so, x, sizeof x);
        pel_text(bo, y, sizeof y);
        CHECK(strcmp(x, y) == 0);
        CHECK_EQ_INT(stream_length(bo->s), 20);
        CHECK(!!bo->idmp == !!idmp);
        if (idmp && bo->idmp) {
            CHECK_EQ_INT(idmp_duration(bo->idmp), 1000);
            CHECK_EQ_INT(idmp_maxsize(bo->idmp), 4);
            CHECK_EQ_INT(idmp_iids_added(bo->idmp), 9);
            CHECK_EQ_INT(idmp_iids_duplicates(bo->idmp), 2);
            CHECK_EQ_INT(idmp_iids_tracked(bo->idmp), 8); /* p1 kept its last 4 of 5 */
            idmp_text(so->idmp, x, sizeof x);
            idmp_text(bo->idmp, y, sizeof y);
            CHECK(strcmp(x, y) == 0);
            CHECK(strcmp(x,
                         "p0: iid2@4000002-0 iid4@4000004-0 iid6@4000006-0 iid8@4000008-0|"
                         "p1: iid3@4000003-0 iid5@4000005-0 iid7@4000007-0 iid9@4000009-0|") == 0);
            CHECK_EQ_INT(idmp_check(bo->idmp), 0);
        }
        /* the copy dumps to a payload of the same type and size (producer
         * order may differ: each state hashes with its own key) */
        Buf b2;
        buf_init(&b2);
        dump_value(back, NOW, &b2);
        CHECK_EQ_INT(b2.len, b.len);
        CHECK_EQ_INT((uint8_t)b2.p[0], want_type);
        if (!idmp) CHECK(memcmp(b.p, b2.p, b.len) == 0);
        buf_free(&b2);
        obj_free(back);
    }
    buf_free(&b);
    obj_free(o);
}

static void test_roundtrips(void) {
    check_roundtrip(1, 0, DUMP_TYPE_STREAM_LISTPACKS_4, 13);
    check_roundtrip(0, 1, DUMP_TYPE_STREAM_LISTPACKS_5, 14);
    check_roundtrip(1, 1, DUMP_TYPE_STREAM_LISTPACKS_5, 14);
    check_roundtrip(0, 0, DUMP_TYPE_STREAM_LISTPACKS_3, 11);
}

/* The type under a reader's cap: what it cannot carry is lost, never a
 * type that is not a stream's. */
static void test_caps(void) {
    Obj *o = make_stream(1, 1);
    CHECK_EQ_INT(dump_value_type_capped(o, INT_MAX), 27);
    CHECK_EQ_INT(dump_value_type_capped(o, 27), 27);
    CHECK_EQ_INT(dump_value_type_capped(o, 26), 26);
    CHECK_EQ_INT(dump_value_type_capped(o, 25), 21);
    CHECK_EQ_INT(dump_value_type_capped(o, 21), 21);
    CHECK_EQ_INT(dump_value_type_capped(o, 19), 19);
    CHECK_EQ_INT(dump_type_rdb_version(26), 13);
    CHECK_EQ_INT(dump_type_rdb_version(27), 14);
    obj_free(o);
    Obj *plain = make_stream(1, 0);
    CHECK_EQ_INT(dump_value_type_capped(plain, INT_MAX), 26);
    CHECK_EQ_INT(dump_value_type_capped(plain, 21), 21);
    obj_free(plain);
}

/* ---- payloads by hand ------------------------------------------------------ */

static void put(Buf *b, const void *p, size_t n) {
    buf_append(b, p, n);
}

static void put_u8(Buf *b, unsigned v) {
    buf_append_char(b, (char)v);
}

/* An RDB length: 6 bits, 14 bits, or 0x80 + 32 bits big-endian. */
static void put_len(Buf *b, uint64_t v) {
    if (v < 64) {
        put_u8(b, (unsigned)v);
    } else if (v < 16384) {
        put_u8(b, 0x40 | (unsigned)(v >> 8));
        put_u8(b, (unsigned)(v & 0xff));
    } else {
        put_u8(b, 0x80);
        for (int i = 3; i >= 0; i--) put_u8(b, (unsigned)(v >> (8 * i)) & 0xff);
    }
}

static void put_str(Buf *b, const char *s) {
    put_len(b, strlen(s));
    put(b, s, strlen(s));
}

static void put_raw_id(Buf *b, uint64_t ms, uint64_t seq) {
    for (int i = 7; i >= 0; i--) put_u8(b, (unsigned)(ms >> (8 * i)) & 0xff);
    for (int i = 7; i >= 0; i--) put_u8(b, (unsigned)(seq >> (8 * i)) & 0xff);
}

static void put_ms(Buf *b, int64_t t) {
    for (int i = 0; i < 8; i++) put_u8(b, (unsigned)((uint64_t)t >> (8 * i)) & 0xff);
}

static void seal_payload(Buf *b, unsigned version) {
    put_u8(b, version & 0xff);
    put_u8(b, version >> 8);
    uint64_t crc = rdb_crc64(0, b->p, b->len);
    for (int i = 0; i < 8; i++) put_u8(b, (unsigned)(crc >> (8 * i)) & 0xff);
}

/* One stream entry 4900001-0 {f: v} (100 s before NOW) in one node; group "g" (last ID the
 * entry, entries read 1) whose only pending entry (delivered 3 times) is
 * NACKed (type 27) or owned by consumer "c" (type 26); idempotency state
 * duration 200 s, maxsize 5, producer "p" with iid "i" for the entry,
 * 9 iids added, 4 duplicates. */
static void hand_payload(Buf *b, int type, unsigned version) {
    static const uint8_t lp[] = {
        29,   0,   0, 0, 10, 0, /* total bytes, elements */
        0x01, 1,                /* count 1 */
        0x00, 1,                /* deleted 0 */
        0x01, 1,                /* master fields 1 */
        0x81, 'f', 2,           /* "f" */
        0x00, 1,                /* master entry end */
        0x02, 1,                /* flags: same fields */
        0x00, 1,                /* ms delta */
        0x00, 1,                /* seq delta */
        0x81, 'v', 2,           /* the value */
        0x04, 1,                /* lp-count */
        0xff,
    };
    buf_clear(b);
    put_u8(b, (unsigned)type);
    put_len(b, 1); /* nodes */
    put_len(b, 16);
    put_raw_id(b, 4900001, 0);
    put_len(b, sizeof lp);
    put(b, lp, sizeof lp);
    put_len(b, 1); /* length */
    put_len(b, 4900001);
    put_len(b, 0); /* last ID */
    put_len(b, 4900001);
    put_len(b, 0); /* first ID */
    put_len(b, 0);
    put_len(b, 0); /* max deleted ID */
    put_len(b, 1); /* entries added */
    put_len(b, 1); /* groups */
    put_str(b, "g");
    put_len(b, 4900001);
    put_len(b, 0);
    put_len(b, 1); /* entries read */
    put_len(b, 1); /* group PEL */
    put_raw_id(b, 4900001, 0);
    put_ms(b, type == 27 ? 0 : NOW - 7);
    put_len(b, 3);
    put_len(b, 1); /* consumers */
    put_str(b, "c");
    put_ms(b, NOW - 5); /* seen */
    put_ms(b, NOW - 6); /* active */
    if (type == 27) {
        put_len(b, 0); /* the consumer's PEL */
        put_len(b, 1); /* NACK zone */
        put_raw_id(b, 4900001, 0);
    } else {
        put_len(b, 1);
        put_raw_id(b, 4900001, 0);
    }
    put_len(b, 200); /* IDMP duration */
    put_len(b, 5);   /* maxsize */
    put_len(b, 1);   /* producers */
    put_str(b, "p");
    put_len(b, 1);
    put_str(b, "i");
    put_len(b, 4900001);
    put_len(b, 0);
    put_len(b, 9); /* iids added */
    put_len(b, 4); /* duplicates */
    seal_payload(b, version);
}

static void check_hand(const Obj *o, int type) {
    const StreamObj *so = o->ptr;
    char x[512];
    pel_text(so, x, sizeof x);
    if (type == 27)
        CHECK(strcmp(x, "4900001:-:0:3 R4900001 ") == 0);
    else
        CHECK(strcmp(x, "4900001:c:4999993:3 ") == 0);
    CHECK(so->idmp != NULL);
    if (!so->idmp) return;
    CHECK_EQ_INT(idmp_duration(so->idmp), 200);
    CHECK_EQ_INT(idmp_maxsize(so->idmp), 5);
    CHECK_EQ_INT(idmp_iids_added(so->idmp), 9);
    CHECK_EQ_INT(idmp_iids_duplicates(so->idmp), 4);
    idmp_text(so->idmp, x, sizeof x);
    CHECK(strcmp(x, "p: i@4900001-0|") == 0);
}

static void test_hand_built(void) {
    Buf b;
    buf_init(&b);
    for (int type = 26; type <= 27; type++) {
        for (unsigned version = 13; version <= 16; version++) {
            hand_payload(&b, type, version);
            Obj *o = NULL;
            int rc = restore(&b, &o);
            if (version == 16) {
                CHECK_EQ_INT(rc, DUMP_ERR_CHECKSUM);
                CHECK(o == NULL);
                continue;
            }
            CHECK_EQ_INT(rc, DUMP_OK);
            if (!o) continue;
            check_hand(o, type);
            /* written back: the same bytes (one producer, no compression of
             * such short strings) */
            Buf out;
            buf_init(&out);
            dump_value(o, NOW, &out);
            hand_payload(&b, type, type == 26 ? 13 : 14);
            CHECK_EQ_INT(out.len, b.len);
            CHECK(out.len == b.len && memcmp(out.p, b.p, b.len) == 0);
            buf_free(&out);
            obj_free(o);
        }
    }
    buf_free(&b);
}

/* The payload cut at every length, sealed again: refused, nothing made. */
static void test_truncated(void) {
    Buf b, t;
    buf_init(&b);
    buf_init(&t);
    for (int type = 26; type <= 27; type++) {
        hand_payload(&b, type, 14);
        size_t body = b.len - 10;
        for (size_t cut = 1; cut < body; cut++) {
            buf_clear(&t);
            put(&t, b.p, cut);
            seal_payload(&t, 14);
            Obj *o = NULL;
            CHECK_EQ_INT(restore(&t, &o), DUMP_ERR_FORMAT);
            CHECK(o == NULL);
        }
        /* a byte over after the value */
        buf_clear(&t);
        put(&t, b.p, body);
        put_u8(&t, 0);
        seal_payload(&t, 14);
        Obj *o = NULL;
        CHECK_EQ_INT(restore(&t, &o), DUMP_ERR_FORMAT);
    }
    buf_free(&b);
    buf_free(&t);
}

/* Each byte of the value changed to a few values, sealed again: refused or
 * read; nothing crashes or leaks (ASan). Some changes must be refused. */
static void test_corrupted(void) {
    Buf b, t;
    buf_init(&b);
    buf_init(&t);
    static const uint8_t vals[] = {0x00, 0x01, 0x3f, 0x40, 0x80, 0x81, 0xc0, 0xff};
    for (int type = 26; type <= 27; type++) {
        hand_payload(&b, type, 14);
        size_t body = b.len - 10;
        size_t refused = 0, tried = 0;
        for (size_t i = 1; i < body; i++) {
            for (size_t v = 0; v < sizeof vals; v++) {
                if ((uint8_t)b.p[i] == vals[v]) continue;
                buf_clear(&t);
                put(&t, b.p, body);
                t.p[i] = (char)vals[v];
                seal_payload(&t, 14);
                Obj *o = NULL;
                int rc = restore(&t, &o);
                tried++;
                if (rc != DUMP_OK) {
                    refused++;
                    CHECK(o == NULL);
                } else {
                    CHECK(o != NULL && o->type == OBJ_STREAM);
                    if (o) {
                        Buf again;
                        buf_init(&again);
                        dump_value(o, NOW, &again);
                        Obj *o2 = NULL;
                        CHECK_EQ_INT(restore(&again, &o2), DUMP_OK);
                        if (o2) obj_free(o2);
                        buf_free(&again);
                        obj_free(o);
                    }
                }
            }
        }
        CHECK(refused > tried / 2);
    }
    buf_free(&b);
    buf_free(&t);
}

/* Specific refusals: each is the good type 27 payload with one field wrong. */
static void test_refusals(void) {
    Buf b;
    buf_init(&b);
    hand_payload(&b, 27, 14);
    size_t body = b.len - 10;
    /* where the IDMP part starts: duration 200 is 0x40 0xC8 then maxsize 5 */
    size_t at = 0;
    for (size_t i = 0; i + 2 < body; i++)
        if ((uint8_t)b.p[i] == 0x40 && (uint8_t)b.p[i + 1] == 0xc8 && b.p[i + 2] == 5) at = i;
    CHECK(at > 0);
    struct {
        size_t off;
        uint8_t v;
    } cases[] = {
        {at, 0x00},     {at + 1, 0x00}, /* duration 0 */
        {at + 2, 0x00},                 /* maxsize 0 */
        {at + 4, 0x00},                 /* empty pid */
        {at + 7, 0x00},                 /* empty iid */
        {at - 17, 2},                   /* NACK zone of 2: one ID, then garbage */
        {at - 17, 0},                   /* no NACK zone: the entry pending for nobody */
        {at - 2, 0x02},                 /* the NACKed ID not pending */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        Buf t;
        buf_init(&t);
        put(&t, b.p, body);
        t.p[cases[k].off] = (char)cases[k].v;
        seal_payload(&t, 14);
        Obj *o = NULL;
        int rc = restore(&t, &o);
        if (rc == DUMP_OK) fprintf(stderr, "case %zu accepted\n", k);
        CHECK_EQ_INT(rc, DUMP_ERR_FORMAT);
        if (o) obj_free(o);
        buf_free(&t);
    }
    /* maxsize 10001 and duration 86401: out of XCFGSET's ranges */
    for (int which = 0; which < 2; which++) {
        Buf t;
        buf_init(&t);
        put(&t, b.p, at);
        put_len(&t, which ? 200 : 86401);
        put_len(&t, which ? 10001 : 5);
        put(&t, b.p + at + 3, body - at - 3);
        seal_payload(&t, 14);
        Obj *o = NULL;
        CHECK_EQ_INT(restore(&t, &o), DUMP_ERR_FORMAT);
        buf_free(&t);
    }
    /* a second producer "p" and a second iid "i": refused */
    for (int which = 0; which < 2; which++) {
        Buf t;
        buf_init(&t);
        put(&t, b.p, at + 3); /* up to the maxsize */
        if (which == 0) {
            put_len(&t, 2);
            for (int k = 0; k < 2; k++) {
                put_str(&t, "p");
                put_len(&t, 1);
                put_str(&t, k ? "j" : "i");
                put_len(&t, 4900001);
                put_len(&t, 0);
            }
        } else {
            put_len(&t, 1);
            put_str(&t, "p");
            put_len(&t, 2);
            for (int k = 0; k < 2; k++) {
                put_str(&t, "i");
                put_len(&t, 4900001);
                put_len(&t, 0);
            }
        }
        put_len(&t, 9);
        put_len(&t, 4);
        seal_payload(&t, 14);
        Obj *o = NULL;
        CHECK_EQ_INT(restore(&t, &o), DUMP_ERR_FORMAT);
        buf_free(&t);
    }
    buf_free(&b);
}

/* ---- an RDB file as Redis 8.8 / 8.10 writes one ---------------------------- */

typedef struct FileSeen {
    int n;
    Obj *o;
} FileSeen;

static int file_select(void *ctx, uint64_t db) {
    (void)ctx;
    return db == 0 ? 0 : -1;
}

static int file_key(void *ctx, Slice key, Obj *o, int64_t expire_ms, long long idle_s, int freq) {
    FileSeen *fs = ctx;
    fs->n++;
    if (fs->o || !slice_eq(key, slice_of("k", 1))) {
        obj_free(o);
        return -1;
    }
    fs->o = o;
    return 0;
}

/* "REDIS00vv", SELECTDB 0, key "k" holding the hand-built value of type,
 * EOF, CRC: read back as the payload is; cut anywhere, refused. */
static void test_rdb_file(void) {
    Buf v, f;
    buf_init(&v);
    buf_init(&f);
    for (int type = 26; type <= 27; type++) {
        for (int version = 13; version <= 16; version++) {
            hand_payload(&v, type, 14);
            buf_clear(&f);
            char hdr[16];
            snprintf(hdr, sizeof hdr, "REDIS%04d", version);
            put(&f, hdr, 9);
            put_u8(&f, 0xFE);
            put_len(&f, 0);
            put_u8(&f, (unsigned)type);
            put_str(&f, "k");
            put(&f, v.p + 1, v.len - 11); /* the value: no type byte, no footer */
            put_u8(&f, 0xFF);
            uint64_t crc = rdb_crc64(0, f.p, f.len);
            for (int i = 0; i < 8; i++) put_u8(&f, (unsigned)(crc >> (8 * i)) & 0xff);
            FileSeen fs = {0, NULL};
            RdbLoadHooks h = {&fs, NULL, file_select, file_key, NULL, NULL, NULL, NULL};
            RdbLoadResult res;
            int rc = rdb_parse((const uint8_t *)f.p, f.len, &LIM, NOW, &h, &res);
            if (version == 16) {
                CHECK_EQ_INT(rc, RDBF_VERSION);
            } else {
                CHECK_EQ_INT(rc, RDBF_OK);
                CHECK_EQ_INT(fs.n, 1);
                if (fs.o) check_hand(fs.o, type);
            }
            if (fs.o) obj_free(fs.o);
            if (version != 14) continue;
            for (size_t cut = 10; cut < f.len - 9; cut += 3) {
                FileSeen cs = {0, NULL};
                RdbLoadHooks ch = {&cs, NULL, file_select, file_key, NULL, NULL, NULL, NULL};
                /* the CRC of the cut file is not checked: EOF is missing */
                CHECK(rdb_parse((const uint8_t *)f.p, cut, &LIM, NOW, &ch, &res) != RDBF_OK);
                CHECK_EQ_INT(cs.n, 0);
                if (cs.o) obj_free(cs.o);
            }
        }
    }
    buf_free(&v);
    buf_free(&f);
}

void stream_cmd_init(void); /* registers how a stream object is freed */

int main(void) {
    test_seed("test_dumpstream");
    stream_cmd_init();
    server.stream_idmp_duration = 100;
    server.stream_idmp_maxsize = 100;
    test_roundtrips();
    test_caps();
    test_hand_built();
    test_truncated();
    test_corrupted();
    test_refusals();
    test_rdb_file();
    return test_report("test_dumpstream");
}
