/*
 * test_globalstate.c - server-wide state in module-aux records: a registered
 * state written before and after the keys of an RDB reads back, a record of
 * an unregistered module is refused, damaged records are bad data, the AOF
 * rewrite hook emits per `when`.
 */
#include "persist/globalstate.h"

#include "base/alloc.h"
#include "persist/rdbfile.h"
#include "persist/rdbmodule.h"
#include "test.h"

/* The state: a list of up to 8 numbers and a name. */
static int64_t nums[8];
static int n_nums;
static char label[32];
static int n_resets;

static int write_state(Buf *out) {
    if (n_nums == 0) return 0;
    rdbm_put_uint(out, (uint64_t)n_nums);
    for (int i = 0; i < n_nums; i++) rdbm_put_sint(out, nums[i]);
    rdbm_put_string(out, label, strlen(label));
    return 1;
}

static int read_state(RdbReader *r, int encver) {
    uint64_t n;
    CHECK_EQ_INT(encver, 3);
    if (rdbm_get_uint(r, &n) != RDB_OK || n > 8) return RDB_ERR;
    for (uint64_t i = 0; i < n; i++)
        if (rdbm_get_sint(r, &nums[i]) != RDB_OK) return RDB_ERR;
    n_nums = (int)n;
    char *s;
    size_t len;
    if (rdbm_get_string(r, sizeof label - 1, &s, &len) != RDB_OK) return RDB_ERR;
    memcpy(label, s, len + 1);
    xfree(s);
    return RDB_OK;
}

static void rewrite_state(PersistEmitFn emit, void *priv) {
    Slice argv[2] = {slice_of("TESTSTATE", 9), slice_of(label, strlen(label))};
    if (n_nums) emit(priv, 2, argv);
}

static void reset_state(void) {
    n_nums = 0;
    label[0] = '\0';
    n_resets++;
}

static const PersistGlobalOps ops_after = {
    "teststat0", 3, PERSIST_GLOBAL_AFTER_KEYS, rewrite_state, write_state, read_state, reset_state};

static const StreamLimits LIM = {100, 4096};

static int parse(const uint8_t *p, size_t len, RdbLoadResult *res) {
    RdbLoadHooks h = {0};
    return rdb_parse(p, len, &LIM, 1000, &h, res);
}

/* "REDIS0011", the records of when, EOF, a zero CRC. */
static void make_file(Buf *b, int when) {
    buf_init(b);
    buf_append(b, "REDIS0011", 9);
    persist_globals_rdb_write(when, b);
    buf_append_char(b, (char)0xFF);
    buf_append(b, "\0\0\0\0\0\0\0\0", 8);
}

static void test_roundtrip(void) {
    persist_register_global(&ops_after);
    persist_register_global(&ops_after); /* twice is once */
    n_nums = 3;
    nums[0] = -5;
    nums[1] = 0;
    nums[2] = INT64_MAX;
    strcpy(label, "dict one");
    Buf b;
    make_file(&b, PERSIST_GLOBAL_BEFORE_KEYS);
    CHECK_EQ_INT(buf_live(&b), 9 + 9); /* nothing registered before the keys */
    buf_free(&b);
    make_file(&b, PERSIST_GLOBAL_AFTER_KEYS);
    const uint8_t *p = (const uint8_t *)buf_data(&b);
    CHECK_EQ_INT(p[9], 0xF7);
    persist_globals_reset();
    CHECK_EQ_INT(n_nums, 0);
    CHECK_EQ_INT(n_resets, 1);
    RdbLoadResult res;
    CHECK_EQ_INT(parse(p, buf_live(&b), &res), RDBF_OK);
    CHECK_EQ_INT(n_nums, 3);
    CHECK(nums[0] == -5 && nums[1] == 0 && nums[2] == INT64_MAX);
    CHECK(strcmp(label, "dict one") == 0);
    /* Every truncation is bad data (or an unexpected EOF), never a crash. */
    for (size_t cut = 10; cut < buf_live(&b) - 9; cut++)
        CHECK_EQ_INT(parse(p, cut, &res), RDBF_BAD);
    buf_free(&b);

    /* Nothing to say: no record at all. */
    n_nums = 0;
    make_file(&b, PERSIST_GLOBAL_AFTER_KEYS);
    CHECK_EQ_INT(buf_live(&b), 9 + 9);
    buf_free(&b);
}

/* The record's header by hand: another module's name is refused by name, a
 * when opcode other than 2 or a missing EOF is bad data, a record of the
 * other `when` with no fields is stepped over. */
static void test_refusals(void) {
    RdbLoadResult res;
    Buf b;
    uint64_t other = rdbm_module_id("otherstat", 1);
    uint64_t mine = rdbm_module_id("teststat0", 3);
    struct {
        uint64_t id, when_op, when;
        int eof;
        int want;
    } cases[] = {
        {other, 2, 2, 1, RDBF_UNSUPPORTED},
        {mine, 1, 2, 1, RDBF_BAD},
        {mine, 2, 1, 1, RDBF_OK},
        {mine, 2, 1, 0, RDBF_BAD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_init(&b);
        buf_append(&b, "REDIS0011", 9);
        buf_append_char(&b, (char)0xF7);
        rdb_write_len(&b, cases[i].id);
        rdb_write_len(&b, cases[i].when_op);
        rdb_write_len(&b, cases[i].when);
        if (!cases[i].eof) rdbm_put_uint(&b, 7);
        rdb_write_len(&b, 0);
        buf_append_char(&b, (char)0xFF);
        buf_append(&b, "\0\0\0\0\0\0\0\0", 8);
        CHECK_EQ_INT(parse((const uint8_t *)buf_data(&b), buf_live(&b), &res), cases[i].want);
        if (cases[i].want == RDBF_UNSUPPORTED)
            CHECK(strstr(res.why, "no matching module 'otherstat'") != NULL);
        buf_free(&b);
    }
}

typedef struct Emitted {
    int n;
    char last[64];
} Emitted;

static void on_emit(void *priv, int argc, const Slice *argv) {
    Emitted *e = priv;
    e->n++;
    snprintf(e->last, sizeof e->last, "%d %.*s %.*s", argc, (int)argv[0].len, argv[0].p,
             (int)argv[1].len, argv[1].p);
}

static void test_aof_rewrite(void) {
    Emitted e = {0};
    n_nums = 1;
    strcpy(label, "x");
    persist_globals_aof_rewrite(PERSIST_GLOBAL_BEFORE_KEYS, on_emit, &e);
    CHECK_EQ_INT(e.n, 0);
    persist_globals_aof_rewrite(PERSIST_GLOBAL_AFTER_KEYS, on_emit, &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strcmp(e.last, "2 TESTSTATE x") == 0);
}

int main(void) {
    test_seed("test_globalstate");
    test_roundtrip();
    test_refusals();
    test_aof_rewrite();
    return test_report("test_globalstate");
}
