/*
 * test_rdbmodule.c - module ids and opcode-tagged fields (rdbmodule.c), and
 * a module type's value through DUMP / RESTORE (dumpvalue.c's dispatch by
 * module id), with a type registered here for the test.
 */
#include "persist/rdbmodule.h"

#include <math.h>

#include "base/alloc.h"
#include "persist/dumpvalue.h"
#include "test.h"

static void test_ids(void) {
    CHECK(rdbm_module_id("AAAAAAAAA", 0) == 0);
    CHECK(rdbm_module_id("AAAAAAAAB", 1) == 1025);
    CHECK(rdbm_module_id("_________", 1023) == UINT64_MAX);
    /* 'b' is 27th, '-' 62nd of the alphabet: the name's last character is
     * the six bits just above the version. */
    CHECK(rdbm_module_id("AAAAAAAAb", 0) == 27ULL << 10);
    CHECK(rdbm_module_id("AAAAAAAA-", 5) == (62ULL << 10 | 5));
    CHECK(rdbm_module_id("BAAAAAAAA", 0) == 1ULL << 58);
    /* Not nine characters, outside the alphabet, version out of range. */
    CHECK(rdbm_module_id("MBbloom-", 1) == 0);
    CHECK(rdbm_module_id("MBbloom---", 1) == 0);
    CHECK(rdbm_module_id("MBbloom.-", 1) == 0);
    CHECK(rdbm_module_id("MBbloom--", 1024) == 0);
    CHECK(rdbm_module_id("MBbloom--", -1) == 0);
    const char *names[] = {"MBbloom--", "MBbloomCF", "CMSk-TYPE", "TopK-TYPE",
                           "TDIS-TYPE", "ReJSON-RL", "TSDB-TYPE", "z9_-Aa0Zy"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int v = 0; v <= 1023; v += 73) {
            uint64_t id = rdbm_module_id(names[i], v);
            char back[10];
            int ver;
            rdbm_id_split(id, back, &ver);
            CHECK(strcmp(back, names[i]) == 0);
            CHECK_EQ_INT(ver, v);
        }
    }
}

static void test_fields(void) {
    Buf b;
    buf_init(&b);
    int64_t sints[] = {0, 1, -1, INT64_MIN, INT64_MAX, 63, 64, -16384};
    uint64_t uints[] = {0, 63, 64, 16383, 16384, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < 8; i++) {
        rdbm_put_sint(&b, sints[i]);
        rdbm_put_uint(&b, uints[i]);
    }
    rdbm_put_double(&b, 0.1);
    rdbm_put_double(&b, -INFINITY);
    rdbm_put_float(&b, 1.5f);
    char big[300];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 3);
    rdbm_put_string(&b, "hello", 5);
    rdbm_put_string(&b, big, sizeof big); /* compressible: LZF when compression is on */
    rdbm_put_string(&b, "", 0);
    /* The bytes of a double field: opcode 4, then little-endian IEEE 754. */
    Buf d;
    buf_init(&d);
    rdbm_put_double(&d, 1.0);
    static const uint8_t one[] = {4, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
    CHECK(d.len == sizeof one && memcmp(d.p, one, sizeof one) == 0);
    buf_free(&d);

    RdbReader r;
    rdb_reader_init(&r, b.p, b.len);
    for (size_t i = 0; i < 8; i++) {
        int64_t s;
        uint64_t u;
        CHECK(rdbm_get_sint(&r, &s) == RDB_OK && s == sints[i]);
        CHECK(rdbm_get_uint(&r, &u) == RDB_OK && u == uints[i]);
    }
    double x;
    float f;
    CHECK(rdbm_get_double(&r, &x) == RDB_OK && x == 0.1);
    CHECK(rdbm_get_double(&r, &x) == RDB_OK && isinf(x) && x < 0);
    CHECK(rdbm_get_float(&r, &f) == RDB_OK && f == 1.5f);
    char *s;
    size_t n;
    CHECK(rdbm_get_string(&r, 1000, &s, &n) == RDB_OK && n == 5 && memcmp(s, "hello", 5) == 0);
    xfree(s);
    Buf scratch;
    buf_init(&scratch);
    const uint8_t *v;
    CHECK(rdbm_get_string_view(&r, 1000, &scratch, &v, &n) == RDB_OK && n == sizeof big &&
          memcmp(v, big, n) == 0);
    CHECK(rdbm_get_string(&r, 1000, &s, &n) == RDB_OK && n == 0);
    xfree(s);
    CHECK(r.pos == r.len);
    buf_free(&scratch);

    /* A field of another kind than asked, a truncated field, a string over
     * the limit: errors, never a read past the end. */
    rdb_reader_init(&r, b.p, b.len);
    uint64_t u;
    CHECK(rdbm_get_uint(&r, &u) == RDB_ERR);
    rdb_reader_init(&r, b.p, b.len);
    CHECK(rdbm_get_double(&r, &x) == RDB_ERR);
    for (size_t cut = 0; cut < 9; cut++) {
        Buf t;
        buf_init(&t);
        rdbm_put_double(&t, 2.5);
        rdb_reader_init(&r, t.p, cut);
        CHECK(rdbm_get_double(&r, &x) == RDB_ERR);
        buf_free(&t);
    }
    Buf t;
    buf_init(&t);
    rdbm_put_string(&t, "hello", 5);
    rdb_reader_init(&r, t.p, t.len);
    CHECK(rdbm_get_string(&r, 4, &s, &n) == RDB_ERR);
    buf_free(&t);
    buf_free(&b);
}

/* A module type for the test: a signed integer, a double and a string. */
typedef struct Fake {
    int64_t i;
    double d;
    char *s;
    size_t n;
} Fake;

static void fake_free(void *p) {
    Fake *f = p;
    xfree(f->s);
    xfree(f);
}

static int fake_rdb_type(const Obj *o, int cap) {
    (void)o;
    (void)cap;
    return DUMP_TYPE_MODULE_2;
}

static void fake_rdb_write(const Obj *o, int type, int64_t now_ms, Buf *out) {
    (void)type;
    (void)now_ms;
    const Fake *f = o->ptr;
    rdbm_put_sint(out, f->i);
    rdbm_put_double(out, f->d);
    rdbm_put_string(out, f->s, f->n);
}

static int fake_read_version;

static int fake_rdb_read(RdbReader *r, int encver, int64_t now_ms, Obj **out) {
    (void)now_ms;
    fake_read_version = encver;
    Fake *f = xcalloc(1, sizeof *f);
    if (rdbm_get_sint(r, &f->i) != RDB_OK || rdbm_get_double(r, &f->d) != RDB_OK ||
        rdbm_get_string(r, 1 << 20, &f->s, &f->n) != RDB_OK) {
        fake_free(f);
        return RDB_ERR;
    }
    *out = obj_new(OBJ_TSERIES, f);
    return RDB_OK;
}

static const ObjTypeOps fake_obj_ops = {.name = "streamdTT", .encoding = "raw", .free = fake_free};

static const PersistTypeOps fake_persist_ops = {
    .obj_type = OBJ_TSERIES,
    .rdb_type = fake_rdb_type,
    .rdb_write = fake_rdb_write,
    .rdb_read = fake_rdb_read,
    .module_name = "streamdTT",
    .module_encver = 3,
};

static void test_dump_restore(void) {
    obj_register_type(OBJ_TSERIES, &fake_obj_ops);
    persist_register_type(&fake_persist_ops);
    Fake *f = xcalloc(1, sizeof *f);
    f->i = -42;
    f->d = 2.25;
    f->s = xmalloc(4);
    memcpy(f->s, "abc", 4);
    f->n = 3;
    Obj *o = obj_new(OBJ_TSERIES, f);
    Buf b;
    buf_init(&b);
    dump_value(o, 0, &b);
    /* Type 7, the id as a 64-bit length, the fields, EOF, then the footer. */
    CHECK(b.len > 10 && (uint8_t)b.p[0] == 7 && (uint8_t)b.p[1] == 0x81);
    RdbReader r;
    rdb_reader_init(&r, b.p + 2, 8);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = id << 8 | (uint8_t)b.p[2 + i];
    CHECK(id == rdbm_module_id("streamdTT", 3));
    CHECK((uint8_t)b.p[b.len - 11] == RDBM_EOF);

    StreamLimits lim = {0, 0};
    Obj *back;
    fake_read_version = -1;
    CHECK(dump_restore_value((const uint8_t *)b.p, b.len, &lim, 0, &back) == DUMP_OK);
    CHECK_EQ_INT(fake_read_version, 3);
    const Fake *g = back ? back->ptr : NULL;
    CHECK(g && back->type == OBJ_TSERIES && g->i == -42 && g->d == 2.25 && g->n == 3 &&
          memcmp(g->s, "abc", 3) == 0);
    if (back) obj_free(back);

    /* Another module's id, a missing EOF, a truncated value: refused whole. */
    Buf bad;
    buf_init(&bad);
    buf_append_char(&bad, 7);
    rdb_write_len(&bad, rdbm_module_id("MBbloom--", 3));
    fake_rdb_write(o, 7, 0, &bad);
    rdb_write_len(&bad, RDBM_EOF);
    CHECK(dump_restore_value((const uint8_t *)bad.p, bad.len, &lim, 0, &back) != DUMP_OK);
    buf_free(&bad);
    for (size_t cut = 1; cut < b.len - 10; cut++) {
        /* The value cut short, sealed again so only the value is wrong. */
        Buf t;
        buf_init(&t);
        buf_append(&t, b.p, cut);
        buf_append(&t, b.p + b.len - 10, 2);
        uint64_t crc = rdb_crc64(0, t.p, t.len);
        for (int i = 0; i < 8; i++) buf_append_char(&t, (char)(crc >> (8 * i)));
        back = NULL;
        CHECK(dump_restore_value((const uint8_t *)t.p, t.len, &lim, 0, &back) == DUMP_ERR_FORMAT);
        CHECK(back == NULL);
        buf_free(&t);
    }
    buf_free(&b);
    obj_free(o);
}

int main(void) {
    test_seed("test_rdbmodule");
    test_ids();
    test_fields();
    test_dump_restore();
    return test_report("test_rdbmodule");
}
