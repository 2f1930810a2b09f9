/*
 * test_rdbcodec.c - the RDB byte codec: CRC-64 known vectors, LZF round trips
 * and malformed input, RDB lengths and strings, listpack encodings of every
 * integer width and string length class, random round trips.
 */
#include "persist/rdbcodec.h"

#include "base/alloc.h"
#include "test.h"

static void test_crc64(void) {
    CHECK(rdb_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    CHECK(rdb_crc64(0, "", 0) == 0);
    /* The CRC that seals Redis 7.0's DUMP of SET k hello. */
    static const uint8_t hello[] = {0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x0a, 0x00};
    CHECK(rdb_crc64(0, hello, sizeof hello) == 0x0a20346576df7263ULL);
    const char *lorem = "This is a test of the emergency broadcast system.";
    uint64_t whole = rdb_crc64(0, lorem, strlen(lorem));
    /* Incremental = whole. */
    CHECK(rdb_crc64(rdb_crc64(0, lorem, 10), lorem + 10, strlen(lorem) - 10) == whole);
}

/* Bit-at-a-time reference CRC, to check the table-driven one on random data
 * at every length and split. */
static uint64_t crc64_ref(uint64_t crc, const uint8_t *p, size_t len) {
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

static void test_crc64_random(void) {
    uint8_t buf[300];
    for (int round = 0; round < 200; round++) {
        size_t n = test_rand_below(sizeof buf + 1);
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)test_rand();
        uint64_t want = crc64_ref(0, buf, n);
        CHECK(rdb_crc64(0, buf, n) == want);
        size_t cut = n ? test_rand_below(n + 1) : 0;
        CHECK(rdb_crc64(rdb_crc64(0, buf, cut), buf + cut, n - cut) == want);
    }
}

/* Long inputs (the carry-less multiply path from 64 bytes on) against the
 * bit-at-a-time reference and the table, at every alignment and split. */
static void test_crc64_long(void) {
    size_t cap = 70000;
    uint8_t *buf = xmalloc(cap);
    for (size_t i = 0; i < cap; i++) buf[i] = (uint8_t)test_rand();
    for (int round = 0; round < 300; round++) {
        size_t n =
            round < 100 ? (size_t)round + 40 : test_rand_below(round < 290 ? 3000 : cap - 16);
        size_t at = test_rand_below(16);
        uint64_t seed = test_rand_below(4) ? 0 : test_rand();
        uint64_t want = crc64_ref(seed, buf + at, n);
        CHECK(rdb_crc64(seed, buf + at, n) == want);
        CHECK(rdb_crc64_portable(seed, buf + at, n) == want);
        size_t cut = test_rand_below(n + 1);
        CHECK(rdb_crc64(rdb_crc64(seed, buf + at, cut), buf + at + cut, n - cut) == want);
    }
    /* All zeros and all ones, long. */
    memset(buf, 0, cap);
    CHECK(rdb_crc64(0, buf, 5000) == crc64_ref(0, buf, 5000));
    memset(buf, 0xff, cap);
    CHECK(rdb_crc64(7, buf, 5001) == crc64_ref(7, buf, 5001));
    xfree(buf);
}

static void lzf_roundtrip(const uint8_t *in, size_t n) {
    size_t cap = n + n / 16 + 64;
    uint8_t *c = xmalloc(cap), *d = xmalloc(n + 1);
    size_t cl = rdb_lzf_compress(in, n, c, cap);
    CHECK(cl > 0 || n == 0);
    if (cl > 0) {
        CHECK(rdb_lzf_decompress(c, cl, d, n) == RDB_OK);
        CHECK(memcmp(d, in, n) == 0);
        /* A wrong expected length is an error, both ways. */
        if (n > 1) CHECK(rdb_lzf_decompress(c, cl, d, n - 1) == RDB_ERR);
        uint8_t *big = xmalloc(n + 2);
        CHECK(rdb_lzf_decompress(c, cl, big, n + 1) == RDB_ERR);
        xfree(big);
    }
    xfree(c);
    xfree(d);
}

static void test_lzf(void) {
    uint8_t buf[20000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = 'a';
    lzf_roundtrip(buf, sizeof buf);
    uint8_t out[64];
    /* A run of 100 'a' compresses to far less. */
    CHECK(rdb_lzf_compress(buf, 100, out, 96) > 0 && rdb_lzf_compress(buf, 100, out, 96) < 10);
    /* Incompressible data does not fit in less than itself. */
    for (size_t i = 0; i < 60; i++) buf[i] = (uint8_t)test_rand();
    CHECK(rdb_lzf_compress(buf, 60, out, 56) == 0);
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + test_rand_below(sizeof buf - 1);
        int alphabet = 1 + (int)test_rand_below(20);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)('a' + test_rand_below((uint64_t)alphabet));
        lzf_roundtrip(buf, n);
    }
    /* Redis's compression of 100 'a' (as 7.0 DUMPs it) decodes. */
    static const uint8_t redis_aaa[] = {0x01, 0x61, 0x61, 0xe0, 0x57, 0x00, 0x01, 0x61, 0x61};
    uint8_t dec[100];
    CHECK(rdb_lzf_decompress(redis_aaa, sizeof redis_aaa, dec, 100) == RDB_OK);
    CHECK(dec[0] == 'a' && dec[99] == 'a');
    /* Malformed: a reference before the start, a literal run past the
     * input, a truncated reference, output overflow. */
    static const uint8_t ref_first[] = {0x20, 0x00};
    CHECK(rdb_lzf_decompress(ref_first, 2, dec, 3) == RDB_ERR);
    static const uint8_t short_lit[] = {0x05, 'a', 'b'};
    CHECK(rdb_lzf_decompress(short_lit, 3, dec, 6) == RDB_ERR);
    static const uint8_t trunc_ref[] = {0x00, 'a', 0xe0};
    CHECK(rdb_lzf_decompress(trunc_ref, 3, dec, 50) == RDB_ERR);
    static const uint8_t long_ref[] = {0x00, 'a', 0xe0, 0xff, 0x00};
    CHECK(rdb_lzf_decompress(long_ref, 5, dec, 100) == RDB_ERR);
    /* Random garbage never reads or writes out of bounds (ASan watches). */
    for (int round = 0; round < 2000; round++) {
        size_t n = test_rand_below(64);
        uint8_t g[64];
        for (size_t i = 0; i < n; i++) g[i] = (uint8_t)test_rand();
        (void)rdb_lzf_decompress(g, n, dec, test_rand_below(100));
    }
}

/* An independent, strict LZF decoder (the format as documented, one byte
 * at a time): what any LZF reader, Redis's included, accepts. Returns the
 * decoded length, or -1. */
static long lzf_ref_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned c = in[i++];
        if (c < 32) {
            for (unsigned k = 0; k <= c; k++) {
                if (i >= n || o >= cap) return -1;
                out[o++] = in[i++];
            }
        } else {
            size_t len = c >> 5;
            if (len == 7) {
                if (i >= n) return -1;
                len += in[i++];
            }
            if (i >= n) return -1;
            size_t back = ((size_t)(c & 31) << 8 | in[i++]) + 1;
            if (back > o || back > 8192) return -1;
            for (size_t k = 0; k < len + 2; k++) {
                if (o >= cap) return -1;
                out[o] = out[o - back];
                o++;
            }
        }
    }
    return (long)o;
}

/* The compressor's output on inputs made to hit its edges: references at
 * the largest offset (8192) and just past it, the longest reference (264
 * bytes) and runs just around it, short periods that overlap themselves,
 * incompressible stretches between repeats, and all of it at random cuts;
 * each output is valid LZF to the strict decoder, decodes back, and is no
 * bigger than the room given. The fast decoder agrees with the strict one
 * on random valid streams. */
static void test_lzf_adversarial(void) {
    size_t cap = 70000;
    /* d also takes a compression with as much room as c */
    uint8_t *in = xmalloc(cap), *c = xmalloc(cap + cap / 16 + 64),
            *d = xmalloc(cap + cap / 16 + 64);
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + test_rand_below(round < 300 ? 20000 : cap);
        int kind = round % 6;
        for (size_t i = 0; i < n; i++) {
            switch (kind) {
            case 0: /* a random block repeated at period 8191..8193 */
                in[i] = i < 8193 ? (uint8_t)test_rand() : in[i - (8191 + (size_t)round % 3)];
                break;
            case 1: /* runs of 262..266 equal bytes, then a change */
                in[i] = (uint8_t)((i / (262 + (size_t)round % 5)) & 0xff);
                break;
            case 2: /* period 1..9: references overlapping their output */
                in[i] = i < 9 ? (uint8_t)test_rand() : in[i - 1 - (size_t)round % 9];
                break;
            case 3: /* incompressible */
                in[i] = (uint8_t)test_rand();
                break;
            case 4: /* repeats with noise between */
                in[i] = (i > 300 && test_rand_below(8)) ? in[i - 300] : (uint8_t)test_rand();
                break;
            default: /* small alphabet */
                in[i] = (uint8_t)('0' + test_rand_below(3));
                break;
            }
        }
        size_t room = test_rand_below(4) ? n + n / 16 + 64 : test_rand_below(n + 1);
        size_t cl = rdb_lzf_compress(in, n, c, room);
        CHECK(cl <= room);
        if (kind == 3 && n > 64) CHECK(rdb_lzf_compress(in, n, d, n - 1) == 0); /* not over c */
        if (cl == 0) continue;
        CHECK(lzf_ref_decode(c, cl, d, cap) == (long)n && memcmp(d, in, n) == 0);
        CHECK(rdb_lzf_decompress(c, cl, d, n) == RDB_OK && memcmp(d, in, n) == 0);
        /* The same input compresses the same way whatever came before. */
        size_t again = rdb_lzf_compress(in, n, d, room);
        CHECK(again == cl && memcmp(d, c, cl) == 0);
    }
    /* Random valid streams: literal runs and references of every length and
     * offset the output so far allows. */
    for (int round = 0; round < 300; round++) {
        size_t cl = 0, produced = 0;
        while (cl < 3000 && produced < 60000) { /* within cap */
            if (produced == 0 || test_rand_below(3) == 0) {
                size_t run = 1 + test_rand_below(32);
                c[cl++] = (uint8_t)(run - 1);
                for (size_t k = 0; k < run; k++) c[cl++] = (uint8_t)test_rand();
                produced += run;
            } else {
                size_t len = 3 + test_rand_below(262);
                size_t back = 1 + test_rand_below(produced < 8192 ? produced : 8192);
                size_t l = len - 2, off = back - 1;
                if (l < 7) {
                    c[cl++] = (uint8_t)(l << 5 | off >> 8);
                } else {
                    c[cl++] = (uint8_t)(7 << 5 | off >> 8);
                    c[cl++] = (uint8_t)(l - 7);
                }
                c[cl++] = (uint8_t)(off & 0xff);
                produced += len;
            }
        }
        CHECK(lzf_ref_decode(c, cl, in, cap) == (long)produced);
        CHECK(rdb_lzf_decompress(c, cl, d, produced) == RDB_OK && memcmp(d, in, produced) == 0);
        CHECK(rdb_lzf_decompress(c, cl, d, produced - 1) == RDB_ERR);
    }
    xfree(in);
    xfree(c);
    xfree(d);
}

static void test_lengths(void) {
    static const uint64_t vals[] = {0,          1,     63,         64,
                                    16383,      16384, UINT32_MAX, 1ULL << 32,
                                    UINT64_MAX, 300,   0xABCDEF12, 12345678901234ULL};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 5, 5, 9, 9, 2, 5, 9};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        Buf b;
        buf_init(&b);
        rdb_write_len(&b, vals[i]);
        CHECK_EQ_INT(b.len, sizes[i]);
        CHECK_EQ_INT(rdb_len_bytes(vals[i]), sizes[i]);
        RdbReader r;
        uint64_t v;
        rdb_reader_init(&r, b.p, b.len);
        CHECK(rdb_read_len(&r, &v) == RDB_OK && v == vals[i] && r.pos == b.len);
        /* Truncated: an error. */
        rdb_reader_init(&r, b.p, b.len - 1);
        if (b.len > 1) CHECK(rdb_read_len(&r, &v) == RDB_ERR);
        buf_free(&b);
    }
    /* 0x82..0xBF are not lengths; a string encoding is not a length. */
    static const uint8_t bad[] = {0x82, 0xC0};
    for (size_t i = 0; i < 2; i++) {
        RdbReader r;
        uint64_t v;
        rdb_reader_init(&r, &bad[i], 1);
        CHECK(rdb_read_len(&r, &v) == RDB_ERR);
    }
}

static void string_roundtrip(const char *s, size_t n, uint8_t first_byte, int check_first) {
    Buf b;
    buf_init(&b);
    rdb_write_string(&b, s, n);
    if (check_first) CHECK_EQ_INT((uint8_t)b.p[0], first_byte);
    RdbReader r;
    char *out;
    size_t len;
    rdb_reader_init(&r, b.p, b.len);
    CHECK(rdb_read_string(&r, SIZE_MAX, &out, &len) == RDB_OK);
    CHECK(len == n && memcmp(out, s, n) == 0 && r.pos == b.len);
    xfree(out);
    /* The view reader: the same bytes, plain strings in place. */
    Buf scratch;
    buf_init(&scratch);
    buf_append(&scratch, "stale", 5);
    const uint8_t *view;
    rdb_reader_init(&r, b.p, b.len);
    CHECK(rdb_read_string_view(&r, SIZE_MAX, &scratch, &view, &len) == RDB_OK);
    CHECK(len == n && (n == 0 || memcmp(view, s, n) == 0) && r.pos == b.len);
    if ((uint8_t)b.p[0] < 0xC0) CHECK(view == (const uint8_t *)b.p + rdb_len_bytes(n));
    for (size_t cut = 0; cut < b.len; cut++) {
        rdb_reader_init(&r, b.p, cut);
        CHECK(rdb_read_string_view(&r, SIZE_MAX, &scratch, &view, &len) == RDB_ERR);
    }
    if (n > 0) {
        rdb_reader_init(&r, b.p, b.len);
        CHECK(rdb_read_string_view(&r, n - 1, &scratch, &view, &len) == RDB_ERR);
    }
    buf_free(&scratch);
    /* Every truncation is an error. */
    for (size_t cut = 0; cut < b.len; cut++) {
        rdb_reader_init(&r, b.p, cut);
        CHECK(rdb_read_string(&r, SIZE_MAX, &out, &len) == RDB_ERR);
        CHECK(out == NULL);
    }
    /* A limit below the length is an error. */
    if (n > 0) {
        rdb_reader_init(&r, b.p, b.len);
        CHECK(rdb_read_string(&r, n - 1, &out, &len) == RDB_ERR);
    }
    buf_free(&b);
}

static void test_strings(void) {
    string_roundtrip("hello", 5, 5, 1);
    string_roundtrip("", 0, 0, 1);
    string_roundtrip("127", 3, 0xC0, 1);
    string_roundtrip("-128", 4, 0xC0, 1);
    string_roundtrip("128", 3, 0xC1, 1);
    string_roundtrip("-32768", 6, 0xC1, 1);
    string_roundtrip("32768", 5, 0xC2, 1);
    string_roundtrip("2147483647", 10, 0xC2, 1);
    string_roundtrip("-2147483648", 11, 0xC2, 1);
    string_roundtrip("2147483648", 10, 10, 1); /* beyond int32: raw */
    string_roundtrip("007", 3, 3, 1);          /* not canonical: raw */
    string_roundtrip("-0", 2, 2, 1);
    char big[5000];
    memset(big, 'q', sizeof big);
    string_roundtrip(big, sizeof big, 0xC3, 1); /* compressed */
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)test_rand();
    string_roundtrip(big, 300, 0x41, 1); /* incompressible: raw, 14-bit length */
    /* Redis 7.0's DUMP of SET k hello and of 100 'a'. */
    static const uint8_t hello[] = {0x05, 'h', 'e', 'l', 'l', 'o'};
    static const uint8_t aaa[] = {0xc3, 0x09, 0x40, 0x64, 0x01, 0x61, 0x61,
                                  0xe0, 0x57, 0x00, 0x01, 0x61, 0x61};
    RdbReader r;
    char *out;
    size_t len;
    rdb_reader_init(&r, hello, sizeof hello);
    CHECK(rdb_read_string(&r, 100, &out, &len) == RDB_OK && len == 5 && !memcmp(out, "hello", 5));
    xfree(out);
    rdb_reader_init(&r, aaa, sizeof aaa);
    CHECK(rdb_read_string(&r, 1000, &out, &len) == RDB_OK && len == 100 && out[99] == 'a');
    xfree(out);
    /* An LZF header claiming far more than its bytes can make. */
    static const uint8_t lie[] = {0xc3, 0x02, 0x81, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x00, 'a'};
    rdb_reader_init(&r, lie, sizeof lie);
    CHECK(rdb_read_string(&r, SIZE_MAX, &out, &len) == RDB_ERR);
}

/* Encodes one element alone and checks its bytes and decoded value. */
static void lp_one_int(int64_t v, size_t enc_size) {
    Buf b;
    buf_init(&b);
    LpWriter w;
    lp_writer_start(&w, &b);
    lp_append_int(&w, v);
    lp_writer_finish(&w);
    size_t bl = enc_size <= 127 ? 1 : 2;
    CHECK_EQ_INT(b.len, LP_HEADER_BYTES + enc_size + bl + 1);
    uint32_t n;
    CHECK(lp_validate((uint8_t *)b.p, b.len, &n) == RDB_OK && n == 1);
    LpReader r;
    LpElem e;
    lp_reader_init(&r, (uint8_t *)b.p, b.len);
    CHECK(lp_next(&r, &e) == 1 && e.is_int && e.v == v);
    CHECK(lp_next(&r, &e) == 0);
    buf_free(&b);
}

/* The pointer writers: lp_put_str keeps an integer's text a string,
 * lp_put_text and lp_put_int make integers; all as the reader reads them. */
static void test_listpack_put(void) {
    static const char *texts[] = {"0",
                                  "-1",
                                  "127",
                                  "128",
                                  "-4096",
                                  "4095",
                                  "65536",
                                  "9223372036854775807",
                                  "-9223372036854775808",
                                  "007",
                                  "",
                                  "widget-blue",
                                  "-0",
                                  "+5"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        const char *t = texts[i];
        size_t n = strlen(t);
        int64_t v;
        int is_int = lp_string_is_int(t, n, &v);
        for (int mode = 0; mode < 3; mode++) {
            if (mode == 2 && !is_int) continue;
            uint8_t buf[LP_HEADER_BYTES + 64];
            uint8_t *p = buf + LP_HEADER_BYTES;
            p = mode == 0   ? lp_put_str(p, t, n)
                : mode == 1 ? lp_put_text(p, t, n)
                            : lp_put_int(p, v);
            CHECK((size_t)(p - buf - LP_HEADER_BYTES) <=
                  (mode == 2 ? (size_t)LP_INT_MAX_BYTES : lp_str_max_bytes(n)));
            *p++ = LP_EOF;
            size_t total = (size_t)(p - buf);
            for (int k = 0; k < 4; k++) buf[k] = (uint8_t)(total >> (8 * k));
            buf[4] = 1;
            buf[5] = 0;
            uint32_t n_elems;
            CHECK(lp_validate(buf, total, &n_elems) == RDB_OK && n_elems == 1);
            LpReader r;
            LpElem e;
            lp_reader_init(&r, buf, total);
            CHECK(lp_next(&r, &e) == 1);
            if (mode == 0 || !is_int)
                CHECK(!e.is_int && e.len == n && (n == 0 || memcmp(e.s, t, n) == 0));
            else
                CHECK(e.is_int && e.v == v);
        }
    }
    /* Every integer width at its edges, and long strings. */
    for (int i = 0; i < 2000; i++) {
        int64_t v = (int64_t)(test_rand() >> test_rand_below(64));
        if (i & 1) v = -v;
        uint8_t buf[LP_HEADER_BYTES + LP_INT_MAX_BYTES + 1];
        uint8_t *p = lp_put_int(buf + LP_HEADER_BYTES, v);
        *p++ = LP_EOF;
        size_t total = (size_t)(p - buf);
        for (int k = 0; k < 4; k++) buf[k] = (uint8_t)(total >> (8 * k));
        buf[4] = 1;
        buf[5] = 0;
        LpReader r;
        LpElem e;
        CHECK(lp_reader_open(&r, buf, total) == RDB_OK);
        CHECK(lp_next(&r, &e) == 1 && e.is_int && e.v == v);
        CHECK(lp_next(&r, &e) == 0 && lp_reader_done(&r) == RDB_OK);
    }
    size_t lens[] = {63, 64, 127, 128, 4095, 4096, 20000};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        size_t n = lens[i];
        uint8_t *buf = xmalloc(LP_HEADER_BYTES + lp_str_max_bytes(n) + 1);
        char *t = xmalloc(n);
        memset(t, 'x', n);
        uint8_t *p = lp_put_str(buf + LP_HEADER_BYTES, t, n);
        *p++ = LP_EOF;
        size_t total = (size_t)(p - buf);
        for (int k = 0; k < 4; k++) buf[k] = (uint8_t)(total >> (8 * k));
        buf[4] = 1;
        buf[5] = 0;
        uint32_t n_elems;
        CHECK(lp_validate(buf, total, &n_elems) == RDB_OK && n_elems == 1);
        /* a count that does not match is an error */
        buf[4] = 2;
        CHECK(lp_validate(buf, total, &n_elems) == RDB_ERR);
        xfree(buf);
        xfree(t);
    }
}

static void test_listpack_ints(void) {
    lp_one_int(0, 1);
    lp_one_int(127, 1);
    lp_one_int(128, 2);
    lp_one_int(-1, 2);
    lp_one_int(-4096, 2);
    lp_one_int(4095, 2);
    lp_one_int(4096, 3);
    lp_one_int(-4097, 3);
    lp_one_int(32767, 3);
    lp_one_int(-32768, 3);
    lp_one_int(32768, 4);
    lp_one_int(8388607, 4);
    lp_one_int(-8388608, 4);
    lp_one_int(8388608, 5);
    lp_one_int(INT32_MAX, 5);
    lp_one_int(INT32_MIN, 5);
    lp_one_int((int64_t)INT32_MAX + 1, 9);
    lp_one_int(INT64_MAX, 9);
    lp_one_int(INT64_MIN, 9);
}

static void test_listpack_strings(void) {
    static const size_t lens[] = {0, 1, 63, 64, 127, 128, 4095, 4096, 20000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *s = xmalloc(lens[i] + 1);
        for (size_t k = 0; k < lens[i]; k++) s[k] = (char)('a' + k % 26);
        Buf b;
        buf_init(&b);
        LpWriter w;
        lp_writer_start(&w, &b);
        lp_append_str(&w, s, lens[i]);
        lp_append_str(&w, "x", 1);
        lp_writer_finish(&w);
        size_t hdr = lens[i] < 64 ? 1 : lens[i] < 4096 ? 2 : 5;
        size_t sz = hdr + lens[i];
        size_t bl = sz <= 127 ? 1 : sz < 16383 ? 2 : 3;
        CHECK_EQ_INT(b.len, LP_HEADER_BYTES + sz + bl + 3 + 1);
        uint32_t n;
        CHECK(lp_validate((uint8_t *)b.p, b.len, &n) == RDB_OK && n == 2);
        LpReader r;
        LpElem e;
        lp_reader_init(&r, (uint8_t *)b.p, b.len);
        CHECK(lp_next(&r, &e) == 1 && !e.is_int && e.len == lens[i] &&
              (lens[i] == 0 || memcmp(e.s, s, lens[i]) == 0));
        /* Every truncation or single-byte change of the header fails or
         * still describes a well-formed listpack. */
        for (size_t cut = 1; cut < b.len; cut++)
            CHECK(lp_validate((uint8_t *)b.p, cut, &n) == RDB_ERR);
        buf_free(&b);
        xfree(s);
    }
    /* Integer-looking strings are stored as integers. */
    int64_t v;
    CHECK(lp_string_is_int("123", 3, &v) && v == 123);
    CHECK(lp_string_is_int("-9223372036854775808", 20, &v) && v == INT64_MIN);
    CHECK(!lp_string_is_int("9223372036854775808", 19, &v));
    CHECK(!lp_string_is_int("01", 2, &v) && !lp_string_is_int("-0", 2, &v));
    CHECK(!lp_string_is_int("+1", 2, &v) && !lp_string_is_int("", 0, &v));
    CHECK(!lp_string_is_int("1a", 2, &v) && !lp_string_is_int("-", 1, &v));
}

/* Redis 7.0's listpack of XADD s 1-1 f v n 123 ; XADD s 1-2 f v n 124. */
static void test_listpack_redis(void) {
    static const uint8_t lp[] = {0x2f, 0x00, 0x00, 0x00, 0x12, 0x00, 0x02, 0x01, 0x00, 0x01,
                                 0x02, 0x01, 0x81, 0x66, 0x02, 0x81, 0x6e, 0x02, 0x00, 0x01,
                                 0x02, 0x01, 0x00, 0x01, 0x00, 0x01, 0x81, 0x76, 0x02, 0x7b,
                                 0x01, 0x05, 0x01, 0x02, 0x01, 0x00, 0x01, 0x01, 0x01, 0x81,
                                 0x76, 0x02, 0x7c, 0x01, 0x05, 0x01, 0xff};
    uint32_t n;
    CHECK(lp_validate(lp, sizeof lp, &n) == RDB_OK && n == 18);
    /* Rebuilt with the writer: the same bytes. */
    Buf b;
    buf_init(&b);
    LpWriter w;
    lp_writer_start(&w, &b);
    lp_append_str(&w, "2", 1);
    lp_append_int(&w, 0);
    lp_append_int(&w, 2);
    lp_append_str(&w, "f", 1);
    lp_append_str(&w, "n", 1);
    lp_append_int(&w, 0);
    for (int i = 0; i < 2; i++) {
        lp_append_int(&w, 2);
        lp_append_int(&w, 0);
        lp_append_int(&w, i);
        lp_append_str(&w, "v", 1);
        lp_append_str(&w, i ? "124" : "123", 3);
        lp_append_int(&w, 5);
    }
    lp_writer_finish(&w);
    CHECK(b.len == sizeof lp && memcmp(b.p, lp, sizeof lp) == 0);
    buf_free(&b);
    /* Any single flipped byte is refused or still walks cleanly. */
    uint8_t c[sizeof lp];
    for (size_t i = 0; i < sizeof lp; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, lp, sizeof lp);
            c[i] ^= (uint8_t)(1u << bit);
            if (lp_validate(c, sizeof c, &n) == RDB_OK) {
                LpReader r;
                LpElem e;
                lp_reader_init(&r, c, sizeof c);
                uint32_t k = 0;
                while (lp_next(&r, &e) == 1) k++;
                CHECK(k == n);
            }
        }
    }
}

static void test_listpack_random(void) {
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + test_rand_below(200);
        int64_t *iv = xmalloc(n * sizeof(int64_t));
        int *is_int = xmalloc(n * sizeof(int));
        char **sv = xmalloc(n * sizeof(char *));
        size_t *sl = xmalloc(n * sizeof(size_t));
        Buf b;
        buf_init(&b);
        LpWriter w;
        lp_writer_start(&w, &b);
        for (size_t i = 0; i < n; i++) {
            is_int[i] = (int)test_rand_below(2);
            if (is_int[i]) {
                int shift = (int)test_rand_below(64);
                iv[i] = (int64_t)(test_rand() >> shift);
                if (test_rand_below(2)) iv[i] = -iv[i];
                lp_append_int(&w, iv[i]);
                sv[i] = NULL;
            } else {
                sl[i] = test_rand_below(5) == 0 ? test_rand_below(6000) : test_rand_below(70);
                sv[i] = xmalloc(sl[i] + 1);
                for (size_t k = 0; k < sl[i]; k++) sv[i][k] = (char)('a' + test_rand_below(26));
                lp_append_str(&w, sv[i], sl[i]);
            }
        }
        lp_writer_finish(&w);
        uint32_t cnt;
        CHECK(lp_validate((uint8_t *)b.p, b.len, &cnt) == RDB_OK && cnt == n);
        LpReader r;
        LpElem e;
        lp_reader_init(&r, (uint8_t *)b.p, b.len);
        for (size_t i = 0; i < n; i++) {
            CHECK(lp_next(&r, &e) == 1);
            if (is_int[i])
                CHECK(e.is_int && e.v == iv[i]);
            else
                CHECK(!e.is_int && e.len == sl[i] && (sl[i] == 0 || !memcmp(e.s, sv[i], sl[i])));
        }
        CHECK(lp_next(&r, &e) == 0);
        for (size_t i = 0; i < n; i++) xfree(sv[i]);
        xfree(iv);
        xfree(is_int);
        xfree(sv);
        xfree(sl);
        buf_free(&b);
    }
}

int main(void) {
    test_seed("test_rdbcodec");
    test_crc64();
    test_crc64_random();
    test_crc64_long();
    test_lzf();
    test_lzf_adversarial();
    test_lengths();
    test_strings();
    test_listpack_ints();
    test_listpack_put();
    test_listpack_strings();
    test_listpack_redis();
    test_listpack_random();
    return test_report("test_rdbcodec");
}
