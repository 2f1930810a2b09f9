/*
 * test_rdbfile.c - whole RDB files without a server: what the writer makes
 * (strings, a stream, expiry, a function library, two databases) parses back
 * to the same keys, values and TTLs; every truncation and every flipped byte
 * of a checksummed file is refused (never a crash, never a wrong load); a
 * zero CRC is not checked; versions, foreign types and module data are
 * refused with their reasons; a key's LRU idle time or LFU counter (opcodes
 * 0xF8, 0xF9) goes to that key alone; the note hook sees AUX fields and
 * SELECTDBs with the offsets redis-check-rdb prints, and a checksum mismatch
 * is told apart from other damage.
 */
#include "persist/rdbfile.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cmd/stream_obj.h"
#include "persist/dumpvalue.h"
#include "persist/rdbcodec.h"
#include "test.h"

static const StreamLimits LIM = {100, 4096};

typedef struct Seen {
    int n_keys, n_functions, db;
    char keys[16][32];
    int dbs[16];
    int64_t expires[16];
    long long idles[16];
    int freqs[16];
    Obj *objs[16];
    char code[64];
    struct Foreign *foreign; /* parse_skipping() */
} Seen;

static int on_function(void *ctx, const char *code, size_t len) {
    Seen *s = ctx;
    s->n_functions++;
    snprintf(s->code, sizeof s->code, "%.*s", (int)len, code);
    return 0;
}

static int on_select(void *ctx, uint64_t db) {
    ((Seen *)ctx)->db = (int)db;
    return 0;
}

static int on_key(void *ctx, Slice key, Obj *o, int64_t expire_ms, long long idle_s, int freq) {
    Seen *s = ctx;
    if (s->n_keys == 16) {
        obj_free(o);
        return -1;
    }
    int i = s->n_keys++;
    snprintf(s->keys[i], sizeof s->keys[i], "%.*s", (int)key.len, key.p);
    s->dbs[i] = s->db;
    s->expires[i] = expire_ms;
    s->idles[i] = idle_s;
    s->freqs[i] = freq;
    s->objs[i] = o;
    return 0;
}

static void seen_free(Seen *s) {
    for (int i = 0; i < s->n_keys; i++) obj_free(s->objs[i]);
    memset(s, 0, sizeof *s);
}

static int parse(const uint8_t *p, size_t len, Seen *s, RdbLoadResult *res) {
    memset(s, 0, sizeof *s);
    RdbLoadHooks h = {s, on_function, on_select, on_key, NULL, NULL, NULL, NULL};
    return rdb_parse(p, len, &LIM, 1000, &h, res);
}

/* Writes a small dataset to a temp file and returns its bytes. */
static uint8_t *make_file(int checksum, size_t *len) {
    FILE *f = tmpfile();
    int fd = fileno(f);
    RdbWriter w;
    rdbw_init(&w, fd, checksum);
    rdbw_header(&w, RDB_VERSION_70);
    rdbw_aux(&w, "redis-ver", "7.0.0");
    rdbw_aux_ll(&w, "ctime", 1700000000);
    rdbw_function(&w, "#!lua name=x", 12);
    rdbw_select(&w, 0, 3, 1);
    Obj *a = obj_new_string("hello", 5);
    Obj *b = obj_new_string("123", 3);
    rdbw_key(&w, slice_of("a", 1), a, dump_value_type(a), -1, -1, -1, 1000);
    rdbw_key(&w, slice_of("b", 1), b, dump_value_type(b), 99999999999LL, -1, -1, 1000);
    Stream *st = stream_new();
    for (int i = 1; i <= 250; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "v%d", i);
        Slice fv[2] = {slice_of("field", 5), slice_of(v, (size_t)n)};
        stream_append(st, stream_id_make((uint64_t)i, 0), fv, 1, &LIM);
    }
    Obj *s = stream_obj_adopt(st, NULL, NULL);
    CHECK_EQ_INT(dump_value_type(s), DUMP_TYPE_STREAM_LISTPACKS_2);
    rdbw_key(&w, slice_of("s", 1), s, dump_value_type(s), -1, -1, -1, 1000);
    rdbw_select(&w, 5, 1, 0);
    rdbw_key(&w, slice_of("c", 1), a, DUMP_TYPE_STRING, -1, -1, -1, 1000);
    CHECK_EQ_INT(rdbw_finish(&w), 0);
    rdbw_free(&w);
    obj_free(a);
    obj_free(b);
    obj_free(s);
    *len = (size_t)lseek(fd, 0, SEEK_END);
    uint8_t *p = xmalloc(*len);
    CHECK(pread(fd, p, *len, 0) == (ssize_t)*len);
    fclose(f);
    return p;
}

static void test_roundtrip(void) {
    size_t len;
    uint8_t *p = make_file(1, &len);
    CHECK(memcmp(p, "REDIS0010", 9) == 0);
    Seen s;
    RdbLoadResult res;
    CHECK_EQ_INT(parse(p, len, &s, &res), RDBF_OK);
    CHECK(res.used == len && res.version == 10);
    CHECK_EQ_INT(s.n_functions, 1);
    CHECK(strcmp(s.code, "#!lua name=x") == 0);
    CHECK_EQ_INT(s.n_keys, 4);
    CHECK(strcmp(s.keys[0], "a") == 0 && s.expires[0] == -1 && s.dbs[0] == 0);
    CHECK(s.objs[0]->type == OBJ_STRING && s.objs[0]->len == 5 &&
          memcmp(s.objs[0]->ptr, "hello", 5) == 0);
    CHECK(strcmp(s.keys[1], "b") == 0 && s.expires[1] == 99999999999LL);
    CHECK(s.objs[1]->len == 3 && memcmp(s.objs[1]->ptr, "123", 3) == 0);
    CHECK(strcmp(s.keys[2], "s") == 0 && s.objs[2]->type == OBJ_STREAM);
    const StreamObj *so = s.objs[2]->ptr;
    CHECK(stream_length(so->s) == 250);
    CHECK(stream_id_cmp(stream_last_id(so->s), stream_id_make(250, 0)) == 0);
    CHECK(strcmp(s.keys[3], "c") == 0 && s.dbs[3] == 5);
    seen_free(&s);
    /* More bytes after the RDB (an AOF preamble's commands): used stops. */
    uint8_t *more = xmalloc(len + 4);
    memcpy(more, p, len);
    memcpy(more + len, "*1\r\n", 4);
    CHECK_EQ_INT(parse(more, len + 4, &s, &res), RDBF_OK);
    CHECK(res.used == len);
    seen_free(&s);
    xfree(more);
    xfree(p);
}

/* What RdbLoadHooks.note reports, for streamd-check-rdb. */
typedef struct Notes {
    int n, kinds[8];
    size_t offsets[8];
    char text[8][32];
} Notes;

static void on_note(void *ctx, const RdbNote *n) {
    Notes *ns = ctx;
    if (ns->n == 8) return;
    int i = ns->n++;
    ns->kinds[i] = n->kind;
    ns->offsets[i] = n->offset;
    if (n->kind == RDB_NOTE_AUX)
        snprintf(ns->text[i], sizeof ns->text[i], "%.*s=%.*s", (int)n->key.len, n->key.p,
                 (int)n->val.len, n->val.p);
    else
        snprintf(ns->text[i], sizeof ns->text[i], "db%llu", (unsigned long long)n->db);
}

static void test_notes(void) {
    size_t len;
    uint8_t *p = make_file(1, &len);
    Notes ns = {0};
    RdbLoadHooks h = {.ctx = &ns, .note = on_note};
    RdbLoadResult res;
    CHECK_EQ_INT(rdb_parse(p, len, &LIM, 1000, &h, &res), RDBF_OK);
    CHECK_EQ_INT(ns.n, 4);
    /* "REDIS0010", then 0xFA, "redis-ver" (1 + 9), "7.0.0" (1 + 5) */
    CHECK(ns.kinds[0] == RDB_NOTE_AUX && ns.offsets[0] == 9 + 1 + 10 + 6);
    CHECK(strcmp(ns.text[0], "redis-ver=7.0.0") == 0);
    /* an integer-encoded value comes as its decimal text */
    CHECK(ns.kinds[1] == RDB_NOTE_AUX && strcmp(ns.text[1], "ctime=1700000000") == 0);
    CHECK(ns.kinds[2] == RDB_NOTE_SELECT && strcmp(ns.text[2], "db0") == 0);
    CHECK(p[ns.offsets[2] - 2] == 0xFE); /* just past the database number */
    CHECK(ns.kinds[3] == RDB_NOTE_SELECT && strcmp(ns.text[3], "db5") == 0);
    CHECK(!res.bad_crc);
    /* a flipped CRC byte: BAD, and flagged as a checksum mismatch */
    p[len - 2] ^= 0x10;
    CHECK_EQ_INT(rdb_parse(p, len, &LIM, 1000, &h, &res), RDBF_BAD);
    CHECK(res.bad_crc && res.err_at == len - 8);
    /* a cut file is BAD without being a checksum mismatch */
    CHECK_EQ_INT(rdb_parse(p, len - 3, &LIM, 1000, &h, &res), RDBF_BAD);
    CHECK(!res.bad_crc);
    xfree(p);
}

static void test_damage(void) {
    size_t len;
    uint8_t *p = make_file(1, &len);
    Seen s;
    RdbLoadResult res;
    for (size_t n = 0; n < len; n++) {
        int rc = parse(p, n, &s, &res);
        CHECK(rc != RDBF_OK);
        seen_free(&s);
    }
    uint8_t *q = xmalloc(len);
    for (size_t i = 9; i < len; i++) {
        memcpy(q, p, len);
        q[i] ^= (uint8_t)(1 + test_rand_below(255));
        int rc = parse(q, len, &s, &res);
        /* A flip may end the file early at a fake EOF opcode: then the rest
         * is trailing bytes and the CRC (if read) is wrong or short. */
        CHECK(rc != RDBF_OK || res.used < len);
        seen_free(&s);
    }
    xfree(q);
    xfree(p);
    /* Without a checksum nothing is verified, and a zero CRC is accepted. */
    p = make_file(0, &len);
    CHECK(p[len - 1] == 0 && p[len - 8] == 0);
    CHECK_EQ_INT(parse(p, len, &s, &res), RDBF_OK);
    seen_free(&s);
    xfree(p);
}

static void test_refusals(void) {
    Seen s;
    RdbLoadResult res;
    const char *v16 = "REDIS0016\xff";
    CHECK_EQ_INT(parse((const uint8_t *)v16, 10, &s, &res), RDBF_VERSION);
    CHECK(strstr(res.why, "Can't handle RDB format version 16") != NULL);
    CHECK_EQ_INT(parse((const uint8_t *)"RADIS0009", 9, &s, &res), RDBF_VERSION);
    /* A list (quicklist 2, type 18) key. */
    const uint8_t list[] = {'R', 'E', 'D', 'I', 'S', '0', '0', '1', '0', 18, 1, 'L', 0};
    CHECK_EQ_INT(parse(list, sizeof list, &s, &res), RDBF_UNSUPPORTED);
    CHECK(strstr(res.why, "Key 'L' is a list (RDB type 18)") != NULL);
    const uint8_t hash[] = {'R', 'E', 'D', 'I', 'S', '0', '0', '0', '6', 4, 1, 'H', 0};
    CHECK_EQ_INT(parse(hash, sizeof hash, &s, &res), RDBF_UNSUPPORTED);
    CHECK(strstr(res.why, "a hash") != NULL);
    /* Module aux data of a module nobody registered (id 0: "AAAAAAAAA"), when
     * opcode 2 and when 2, no fields, EOF. */
    const uint8_t module[] = {'R', 'E', 'D', 'I', 'S', '0', '0', '0', '9', 0xF7, 0, 2, 2, 0};
    CHECK_EQ_INT(parse(module, sizeof module, &s, &res), RDBF_UNSUPPORTED);
    CHECK(strstr(res.why, "no matching module 'AAAAAAAAA'") != NULL);
    const uint8_t module_cut[] = {'R', 'E', 'D', 'I', 'S', '0', '0', '0', '9', 0xF7, 0};
    CHECK_EQ_INT(parse(module_cut, sizeof module_cut, &s, &res), RDBF_BAD);
    /* An old file: version 3 has no CRC, and expiry in seconds. */
    const uint8_t old[] = {'R',  'E',  'D', 'I', 'S', '0', '0', '0', '3', 0xFE, 0,
                           0xFD, 0x10, 0,   0,   0,   0,   1,   'k', 1,   'v',  0xFF};
    CHECK_EQ_INT(parse(old, sizeof old, &s, &res), RDBF_OK);
    CHECK(s.n_keys == 1 && s.expires[0] == 16000);
    seen_free(&s);
}

typedef struct Foreign {
    int n, types[16];
    char names[16][8];
} Foreign;

static int on_foreign(void *ctx, Slice key, int type, const char *type_name) {
    Foreign *f = ((Seen *)ctx)->foreign;
    CHECK(type_name != NULL && strncmp(type_name, "a ", 2) == 0);
    if (f->n < 16) {
        f->types[f->n] = type;
        snprintf(f->names[f->n], sizeof f->names[f->n], "%.*s", (int)key.len, key.p);
        f->n++;
    }
    return 0;
}

static int parse_skipping(const uint8_t *p, size_t len, Seen *s, Foreign *f, RdbLoadResult *res) {
    memset(s, 0, sizeof *s);
    memset(f, 0, sizeof *f);
    s->foreign = f;
    RdbLoadHooks h = {s, on_function, on_select, on_key, NULL, on_foreign, NULL, NULL};
    return rdb_parse(p, len, &LIM, 1000, &h, res);
}

/* A replica's payload: with the foreign hook, every encoding of lists,
 * sets, sorted sets and hashes that Redis 2.x to 7.2 writes is stepped over
 * (the keys after them load, an expiry before one does not stick to the
 * next key); modules still stop it; every truncation is refused. */
static void test_foreign_skipped(void) {
    static const uint8_t rdb[] = {'R',  'E', 'D', 'I', 'S',  '0',  '0', '0', '9',
                                  1,    1,   'L', 2,   1,    'a',  1,   'b', /* list */
                                  2,    1,   'S', 1,   1,    'm',            /* set */
                                  3,    1,   'Z', 2,   1,    'a',  3,   '1', '.',
                                  '5',  1,   'b', 253,                       /* zset, text scores */
                                  4,    1,   'H', 1,   1,    'f',  1,   'v', /* hash */
                                  5,    2,   'Z', '2', 1,    1,    'm', 0,   0,
                                  0,    0,   0,   0,   0xF0, 0x3F,                /* zset 2 */
                                  10,   2,   'Z', 'L', 3,    'x',  'y', 'z',      /* ziplist */
                                  14,   2,   'Q', 'L', 1,    2,    'z', 'z',      /* quicklist */
                                  18,   2,   'Q', '2', 1,    2,    2,   'p', 'p', /* quicklist 2 */
                                  16,   2,   'H', 'L', 1,    'x', /* hash listpack */
                                  0xFC, 1,   0,   0,   0,    0,    0,   0,   0,
                                  20,   2,   'S', 'L', 1,    'x', /* expiring set listpack */
                                  0,    1,   'k', 1,   'v',       /* a string: loaded */
                                  0xFF, 0,   0,   0,   0,    0,    0,   0,   0};
    static const int want[] = {1, 2, 3, 4, 5, 10, 14, 18, 16, 20};
    Seen s;
    Foreign f;
    RdbLoadResult res;
    CHECK_EQ_INT(parse_skipping(rdb, sizeof rdb, &s, &f, &res), RDBF_OK);
    CHECK_EQ_INT(f.n, 10);
    for (int i = 0; i < 10 && i < f.n; i++) CHECK_EQ_INT(f.types[i], want[i]);
    CHECK(strcmp(f.names[0], "L") == 0 && strcmp(f.names[9], "SL") == 0);
    CHECK_EQ_INT(s.n_keys, 1);
    CHECK(strcmp(s.keys[0], "k") == 0 && s.expires[0] == -1);
    seen_free(&s);
    for (size_t cut = 9; cut < sizeof rdb; cut++) {
        CHECK(parse_skipping(rdb, cut, &s, &f, &res) != RDBF_OK);
        seen_free(&s);
    }
    /* without the hook the first foreign key still stops the parse */
    CHECK_EQ_INT(parse(rdb, sizeof rdb, &s, &res), RDBF_UNSUPPORTED);
    seen_free(&s);
    static const uint8_t module[] = {'R', 'E', 'D', 'I', 'S', '0', '0', '0', '9', 7, 1, 'M', 0};
    CHECK_EQ_INT(parse_skipping(module, sizeof module, &s, &f, &res), RDBF_UNSUPPORTED);
    seen_free(&s);
}

typedef struct Empty {
    int n, types[16];
    char names[16][8];
} Empty;

static int on_empty(void *ctx, Slice key, int type) {
    Empty *e = ctx;
    if (e->n < 16) {
        e->types[e->n] = type;
        snprintf(e->names[e->n], sizeof e->names[e->n], "%.*s", (int)key.len, key.p);
        e->n++;
    }
    return 0;
}

static int stop_at_empty(void *ctx, Slice key, int type) {
    (void)ctx;
    (void)key;
    (void)type;
    return -1;
}

void list_cmd_init(void);
void set_cmd_init(void);
void zset_cmd_init(void);
void hash_cmd_init(void);

/* Lists, sets, sorted sets and hashes of no element, in every encoding
 * Redis 7.0 skips them in, are stepped over and counted (the hook told of
 * each, an expiry before one not kept for the next key); an empty intset or
 * zipmap is corrupt (7.0 refuses those), as is every truncation. */
static void test_empty_skipped(void) {
    list_cmd_init();
    set_cmd_init();
    zset_cmd_init();
    hash_cmd_init();
    static const uint8_t rdb[] = {
        'R',  'E', 'D', 'I', 'S', '0', '0', '1', '0', 0xFE, 0, 1,    1, 'L',  0,       /* list */
        10,   2,   'Z', 'L', 11,  11,  0,   0,   0,   10,   0, 0,    0, 0,    0, 0xFF, /* ziplist */
        14,   2,   'Q', '1', 0, /* quicklist, no node */
        18,   2,   'Q', '2', 1,   2,   7,   7,   0,   0,    0, 0,    0, 0xFF, /* an empty node */
        2,    1,   'S', 0,                                                    /* set */
        0xFC, 1,   0,   0,   0,   0,   0,   0,   0,                           /* an expiry... */
        3,    1,   'Z', 0,                                                    /* zset */
        5,    2,   'Z', '2', 0,                                               /* zset 2 */
        17,   2,   'Z', 'P', 7,   7,   0,   0,   0,   0,    0, 0xFF,          /* zset listpack */
        4,    1,   'H', 0,                                                    /* hash */
        13,   2,   'H', 'Z', 11,  11,  0,   0,   0,   10,   0, 0,    0, 0,    0, 0xFF, /* ziplist */
        16,   2,   'H', 'P', 7,   7,   0,   0,   0,   0,    0, 0xFF, /* hash listpack */
        20,   2,   'S', 'P', 7,   7,   0,   0,   0,   0,    0, 0xFF, /* set listpack (7.2) */
        0,    1,   'k', 1,   'v',                                    /* a string: loaded */
        0xFF, 0,   0,   0,   0,   0,   0,   0,   0};
    static const int want[] = {1, 10, 14, 18, 2, 3, 5, 17, 4, 13, 16, 20};
    enum { N_WANT = sizeof want / sizeof want[0] };
    Seen s;
    Empty e;
    RdbLoadResult res;
    memset(&s, 0, sizeof s);
    memset(&e, 0, sizeof e);
    RdbLoadHooks h = {&s, on_function, on_select, on_key, NULL, NULL, NULL, NULL};
    /* without the hook: skipped and counted all the same */
    CHECK_EQ_INT(rdb_parse(rdb, sizeof rdb, &LIM, 1000, &h, &res), RDBF_OK);
    CHECK_EQ_INT((int)res.n_empty, N_WANT);
    CHECK_EQ_INT(s.n_keys, 1);
    CHECK(strcmp(s.keys[0], "k") == 0 && s.expires[0] == -1);
    seen_free(&s);
    /* the hook sees each; it needs its own context, so no keys here */
    RdbLoadHooks he = {&e, NULL, NULL, NULL, NULL, NULL, on_empty, NULL};
    CHECK_EQ_INT(rdb_parse(rdb, sizeof rdb, &LIM, 1000, &he, &res), RDBF_OK);
    CHECK_EQ_INT(e.n, N_WANT);
    for (int i = 0; i < N_WANT && i < e.n; i++) CHECK_EQ_INT(e.types[i], want[i]);
    CHECK(strcmp(e.names[0], "L") == 0 && strcmp(e.names[N_WANT - 1], "SP") == 0);
    he.empty = stop_at_empty;
    CHECK_EQ_INT(rdb_parse(rdb, sizeof rdb, &LIM, 1000, &he, &res), RDBF_STOPPED);
    for (size_t cut = 9; cut < sizeof rdb; cut++) {
        CHECK(rdb_parse(rdb, cut, &LIM, 1000, &h, &res) != RDBF_OK);
        seen_free(&s);
    }
    /* an empty intset, an empty zipmap: bad values, not empty ones */
    static const uint8_t intset[] = {'R', 'E',  'D', 'I', 'S', '0', '0', '1', '0', 11,
                                     1,   'I',  8,   2,   0,   0,   0,   0,   0,   0,
                                     0,   0xFF, 0,   0,   0,   0,   0,   0,   0,   0};
    CHECK_EQ_INT(rdb_parse(intset, sizeof intset, &LIM, 1000, &h, &res), RDBF_BAD);
    CHECK(strstr(res.why, "Bad value of key 'I' (RDB type 11)") != NULL);
    static const uint8_t zipmap[] = {'R', 'E', 'D',  'I',  'S', '0', '0', '1', '0', 9, 1, 'M',
                                     2,   0,   0xFF, 0xFF, 0,   0,   0,   0,   0,   0, 0, 0};
    CHECK_EQ_INT(rdb_parse(zipmap, sizeof zipmap, &LIM, 1000, &h, &res), RDBF_BAD);
    seen_free(&s);
}

/* The bytes Redis 7.0 writes for a key's access data: after the expiry and
 * before the type, IDLE as a length (any of its widths), FREQ as one byte;
 * each parses back to its own key, and to no later one, also when the key
 * it came with was skipped. */
static void test_access_data(void) {
    FILE *f = tmpfile();
    int fd = fileno(f);
    RdbWriter w;
    rdbw_init(&w, fd, 1);
    rdbw_header(&w, RDB_VERSION_70);
    rdbw_select(&w, 0, 4, 1);
    Obj *v = obj_new_string("v", 1);
    rdbw_key(&w, slice_of("i", 1), v, DUMP_TYPE_STRING, 5000, 3, -1, 1000);
    rdbw_key(&w, slice_of("j", 1), v, DUMP_TYPE_STRING, -1, 5000000000LL, -1, 1000);
    rdbw_key(&w, slice_of("f", 1), v, DUMP_TYPE_STRING, -1, -1, 255, 1000);
    rdbw_key(&w, slice_of("n", 1), v, DUMP_TYPE_STRING, -1, -1, -1, 1000);
    CHECK_EQ_INT(rdbw_finish(&w), 0);
    rdbw_free(&w);
    obj_free(v);
    size_t len = (size_t)lseek(fd, 0, SEEK_END);
    uint8_t *p = xmalloc(len);
    CHECK(pread(fd, p, len, 0) == (ssize_t)len);
    fclose(f);
    static const uint8_t keys[] = {0xFC, 0x88, 0x13, 0, 0,   0,   0,    0,
                                   0,    0xF8, 3,    0, 1,   'i', 1,    'v', /* expiry, idle 3 */
                                   0xF8, 0x81, 0,    0, 0,   1,   0x2A, 0x05,
                                   0xF2, 0,    0,    1, 'j', 1,   'v', /* idle 5e9: 64 bits BE */
                                   0xF9, 0xFF, 0,    1, 'f', 1,   'v', /* freq 255 */
                                   0,    1,    'n',  1, 'v', 0xFF};
    size_t at = 9 + 5; /* header, SELECTDB 0, RESIZEDB 4 1 */
    CHECK(len == at + sizeof keys + 8 && memcmp(p + at, keys, sizeof keys) == 0);
    Seen s;
    RdbLoadResult res;
    CHECK_EQ_INT(parse(p, len, &s, &res), RDBF_OK);
    CHECK_EQ_INT(s.n_keys, 4);
    CHECK(s.expires[0] == 5000 && s.idles[0] == 3 && s.freqs[0] == -1);
    CHECK(s.idles[1] == 5000000000LL && s.freqs[1] == -1);
    CHECK(s.idles[2] == -1 && s.freqs[2] == 255);
    CHECK(s.idles[3] == -1 && s.freqs[3] == -1);
    seen_free(&s);
    xfree(p);
}

/* Access data before a key that is skipped (an empty set, an empty list:
 * foreign keys until the collection types are registered, empty ones after)
 * was that key's: the string after each gets none. */
static void test_access_data_skipped(void) {
    static const uint8_t rdb[] = {
        'R',  'E', 'D', 'I', 'S', '0', '0', '1', '0', 0xF8, 9,   2,    1, 'S', 0, 0, 1, 'k', 1, 'v',
        0xF9, 7,   1,   1,   'L', 0,   0,   1,   'm', 1,    'v', 0xFF, 0, 0,   0, 0, 0, 0,   0, 0};
    Seen s;
    Foreign fo;
    RdbLoadResult res;
    CHECK_EQ_INT(parse_skipping(rdb, sizeof rdb, &s, &fo, &res), RDBF_OK);
    CHECK_EQ_INT(s.n_keys, 2);
    CHECK(strcmp(s.keys[0], "k") == 0 && strcmp(s.keys[1], "m") == 0);
    CHECK(s.idles[0] == -1 && s.freqs[0] == -1 && s.idles[1] == -1 && s.freqs[1] == -1);
    seen_free(&s);
    for (size_t cut = 9; cut < sizeof rdb; cut++) {
        CHECK(parse_skipping(rdb, cut, &s, &fo, &res) != RDBF_OK);
        seen_free(&s);
    }
}

void stream_cmd_init(void); /* registers how a stream object is freed */

/* A replica's payload: the aux field repl-stream-db (the database the
 * master's stream has selected) is read; malformed values are ignored. */
static void test_repl_stream_db(void) {
    static const struct {
        const char *val;
        int want;
    } cases[] = {{"3", 3}, {"0", 0}, {"15", 15}, {"x1", -1}, {"", -1}, {"-1", -1}, {NULL, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = tmpfile();
        int fd = fileno(f);
        RdbWriter w;
        rdbw_init(&w, fd, 1);
        rdbw_header(&w, RDB_VERSION_70);
        rdbw_aux(&w, "redis-ver", "7.0.0");
        if (cases[i].val) rdbw_aux(&w, "repl-stream-db", cases[i].val);
        rdbw_aux(&w, "repl-id", "0123456789012345678901234567890123456789");
        rdbw_aux_ll(&w, "repl-offset", 12345);
        CHECK_EQ_INT(rdbw_finish(&w), 0);
        rdbw_free(&w);
        size_t len = (size_t)lseek(fd, 0, SEEK_END);
        uint8_t *p = xmalloc(len);
        CHECK(pread(fd, p, len, 0) == (ssize_t)len);
        fclose(f);
        Seen s;
        RdbLoadResult res;
        CHECK_EQ_INT(parse(p, len, &s, &res), RDBF_OK);
        CHECK_EQ_INT(res.repl_stream_db, cases[i].want);
        CHECK_EQ_INT(s.n_keys, 0);
        seen_free(&s);
        xfree(p);
    }
}

int main(void) {
    test_seed("test_rdbfile");
    test_repl_stream_db();
    stream_cmd_init();
    test_roundtrip();
    test_notes();
    test_damage();
    test_refusals();
    test_foreign_skipped();
    test_access_data();
    test_access_data_skipped();
    test_empty_skipped();
    test_access_data_skipped();
    return test_report("test_rdbfile");
}
