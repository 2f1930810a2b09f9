/*
 * Unit tests for the growable byte buffers: appends of every kind against a
 * plain byte-array oracle, consumption from the front (the query buffer's
 * pattern) and exact reservations interleaved with appends, and decimal
 * formatting at the limits.
 */
#include <limits.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/slice.h"
#include "test.h"

static void model_test(void) {
    static char oracle[1 << 20];
    size_t o_start = 0, o_end = 0;
    Buf b;
    buf_init(&b);
    for (int step = 0; step < 200000; step++) {
        int op = (int)test_rand_below(7);
        if (op <= 2 && o_end < sizeof oracle - 64) {
            char tmp[48];
            size_t n = test_rand_below(sizeof tmp);
            for (size_t i = 0; i < n; i++) tmp[i] = (char)test_rand();
            if (op == 0) {
                buf_append(&b, tmp, n);
            } else if (op == 1) {
                n = 1;
                buf_append_char(&b, tmp[0]);
            } else {
                long long v = (long long)test_rand();
                n = ll_to_str(v, tmp);
                buf_append_ll(&b, v);
            }
            memcpy(oracle + o_end, tmp, n);
            o_end += n;
        } else if (op <= 4) {
            size_t live = o_end - o_start;
            size_t n = test_rand_below(live + 1);
            buf_consume(&b, n);
            o_start += n;
            if (o_start == o_end) o_start = o_end = 0;
        } else if (op == 5) {
            /* the exact reservation: room for extra after the live bytes,
             * and when it had to make room, nothing more than that */
            size_t extra = test_rand_below(4) ? test_rand_below(64) : test_rand_below(70000);
            int fits = b.len + extra <= b.cap;
            size_t old_cap = b.cap, live = o_end - o_start;
            buf_reserve_exact(&b, extra);
            CHECK(b.cap - b.len >= extra);
            if (!fits) CHECK(b.off == 0 && (b.cap == old_cap || b.cap == live + extra));
        } else {
            CHECK_EQ_INT(buf_live(&b), o_end - o_start);
            CHECK(o_end == o_start || memcmp(buf_data(&b), oracle + o_start, o_end - o_start) == 0);
        }
        if (o_end >= sizeof oracle - 64) { /* restart the oracle */
            buf_clear(&b);
            o_start = o_end = 0;
        }
    }
    CHECK_EQ_INT(buf_live(&b), o_end - o_start);
    CHECK(o_end == o_start || memcmp(buf_data(&b), oracle + o_start, o_end - o_start) == 0);
    buf_free(&b);
}

static void formatting(void) {
    char tmp[32];
    CHECK(ll_to_str(0, tmp) == 1 && strcmp(tmp, "0") == 0);
    CHECK(ll_to_str(-1, tmp) == 2 && strcmp(tmp, "-1") == 0);
    ll_to_str(LLONG_MAX, tmp);
    CHECK(strcmp(tmp, "9223372036854775807") == 0);
    ll_to_str(LLONG_MIN, tmp);
    CHECK(strcmp(tmp, "-9223372036854775808") == 0);
    /* Against printf: both sides of every power of ten, both signs, and
     * random values of every magnitude. */
    int same = 1;
    long long p10 = 1;
    for (int k = 0; k < 19; k++) {
        for (long long d = -1; d <= 1; d++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                long long v = sign * (p10 + d);
                char want[32];
                int wn = snprintf(want, sizeof want, "%lld", v);
                if (ll_to_str(v, tmp) != (size_t)wn || strcmp(tmp, want) != 0) same = 0;
            }
        }
        if (k < 18) p10 *= 10;
    }
    for (int i = 0; i < 100000; i++) {
        long long v = (long long)(test_rand() >> (1 + test_rand_below(63)));
        if (i & 1) v = -v;
        char want[32];
        int wn = snprintf(want, sizeof want, "%lld", v);
        if (ll_to_str(v, tmp) != (size_t)wn || strcmp(tmp, want) != 0) same = 0;
    }
    CHECK(same);
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s-%d", "ab", 42);
    CHECK(b.len == 5 && memcmp(b.p, "ab-42", 5) == 0);
    buf_free(&b);
}

/* buf_reserve_exact: grows to exactly what is asked, keeps the live bytes,
 * and drops a consumed prefix in the same step. */
static void reserve_exact(void) {
    Buf b;
    buf_init(&b);
    buf_reserve_exact(&b, 1000);
    CHECK(b.cap == 1000 && b.len == 0);
    buf_append(&b, "0123456789", 10);
    buf_reserve_exact(&b, 990); /* fits: nothing moves */
    CHECK(b.cap == 1000);
    buf_reserve_exact(&b, 5000);
    CHECK(b.cap == 5010 && b.len == 10 && memcmp(b.p, "0123456789", 10) == 0);
    buf_consume(&b, 4);
    buf_reserve_exact(&b, 5004); /* fits once the prefix is dropped: moved down */
    CHECK(b.cap == 5010 && b.off == 0 && b.len == 6 && memcmp(b.p, "456789", 6) == 0);
    buf_consume(&b, 2);
    buf_reserve_exact(&b, 100000); /* a new block with only the live bytes */
    CHECK(b.cap == 100004 && b.off == 0 && b.len == 4 && memcmp(b.p, "6789", 4) == 0);
    buf_consume(&b, 4);
    CHECK(buf_live(&b) == 0 && b.cap == 100004);
    buf_free(&b);
}

/* buf_append_repr: Redis's quoting (what sdscatrepr gives for the same
 * bytes, as MONITOR shows them), every byte value once. */
static void repr(void) {
    Buf b;
    buf_init(&b);
    buf_append_repr(&b, "a\0\n\r\t\a\b\"\\\x7f\x80\xff b~", 15);
    static const char want[] = "\"a\\x00\\n\\r\\t\\a\\b\\\"\\\\\\x7f\\x80\\xff b~\"";
    CHECK(b.len == sizeof want - 1 && memcmp(b.p, want, b.len) == 0);
    buf_clear(&b);
    buf_append_repr(&b, "", 0);
    CHECK(b.len == 2 && memcmp(b.p, "\"\"", 2) == 0);
    buf_clear(&b);
    for (int c = 0; c < 256; c++) {
        char in = (char)c;
        size_t before = b.len;
        buf_append_repr(&b, &in, 1);
        size_t n = b.len - before - 2;
        int plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
        int named =
            c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' || c == '"' || c == '\\';
        CHECK(n == (plain ? 1u : named ? 2u : 4u));
    }
    buf_free(&b);
}

/* slice_eq against memcmp: lengths 0-40 at every alignment, equal copies
 * and each single byte changed (a comparison that skipped a byte, or read
 * one twice and missed another, finds a changed copy equal). */
static void slice_equality(void) {
    char a[64], b[64];
    int ok = 1;
    for (size_t n = 0; n <= 40; n++) {
        for (size_t off = 0; off < 8; off++) {
            for (size_t i = 0; i < sizeof a; i++) a[i] = (char)test_rand();
            memcpy(b + 7 - off, a + off, n);
            Slice x = slice_of(a + off, n), y = slice_of(b + 7 - off, n);
            if (!slice_eq(x, y)) ok = 0;
            for (size_t j = 0; j < n; j++) {
                b[7 - off + j] ^= (char)(1 + test_rand_below(255));
                if (slice_eq(x, y)) ok = 0;
                b[7 - off + j] = a[off + j];
            }
            if (n > 0 && slice_eq(x, slice_of(b + 7 - off, n - 1))) ok = 0;
        }
    }
    CHECK(ok);
}

/* bytes_le_upto8 against a copy into a zeroed word (little-endian order
 * built byte by byte, so the check holds on any machine). */
static void short_loads(void) {
    unsigned char a[24];
    int ok = 1;
    for (int it = 0; it < 2000; it++) {
        for (size_t i = 0; i < sizeof a; i++) a[i] = (unsigned char)test_rand();
        for (size_t n = 0; n <= 8; n++) {
            for (size_t off = 0; off < 8; off++) {
                uint64_t want = 0;
                for (size_t i = 0; i < n; i++) want |= (uint64_t)a[off + i] << (8 * i);
                if (bytes_le_upto8(a + off, n) != want) ok = 0;
            }
        }
    }
    CHECK(ok);
}

int main(void) {
    test_seed("test_buf");
    repr();
    model_test();
    reserve_exact();
    formatting();
    slice_equality();
    short_loads();
    return test_report("test_buf");
}
