/*
 * Unit tests for the RESP request parser: known inputs and errors, the
 * property the design rests on (feeding any prefix first and then the whole
 * buffer gives the same commands as parsing the whole buffer at once, for
 * every split point and for random inputs), and a differential test against
 * ref_parse(), the straightforward parser resp.c had before its multibulk
 * fast path (memchr for each header line, num_parse_ll for each number): on
 * millions of valid, truncated and mutated inputs under random limits, both
 * must agree on the status, the bytes consumed, every argument slice (same
 * pointer, same length) and the error text. The oracle lives in
 * tests/fuzz/resp_ref.h so the fuzz target compares against it too.
 */
#include <limits.h>

#include "../fuzz/resp_ref.h"
#include "net/resp.h"
#include "test.h"

static RespLimits lim = {512 * 1024 * 1024LL, 1024 * 1024LL, 64 * 1024, 1, 0, 0};

/* Parses every command in buf; writes "argc:arg,arg;..." into out. Returns the
 * final status (RESP_INCOMPLETE at a clean end, RESP_ERROR on error). */
static int parse_all(const char *buf, size_t len, char *out, size_t outcap, const char **err) {
    RespArgv a;
    resp_argv_init(&a);
    size_t pos = 0, o = 0;
    int rc;
    out[0] = '\0';
    for (;;) {
        size_t used;
        rc = resp_parse(buf + pos, len - pos, &lim, &a, &used, err);
        if (rc != RESP_OK) break;
        o += (size_t)snprintf(out + o, outcap - o, "%d:", a.n);
        for (int i = 0; i < a.n; i++)
            o += (size_t)snprintf(out + o, outcap - o, "%.*s,", (int)a.v[i].len, a.v[i].p);
        o += (size_t)snprintf(out + o, outcap - o, ";");
        pos += used;
    }
    resp_argv_free(&a);
    return rc;
}

static void known_inputs(void) {
    char out[512];
    const char *err;
    const char *in = "*2\r\n$4\r\nECHO\r\n$3\r\nhey\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "2:ECHO,hey,;") == 0);
    in = "PING\r\nset a \"b c\"\r\n\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "1:PING,;3:set,a,b c,;0:;") == 0);
    in = "set 'it\\'s' \"\\x41\\n\"\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "3:set,it's,A\n,;") == 0);
    in = "set \"unterminated\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: unbalanced quotes in request") == 0);
    /* regression (fuzzer): a NUL byte in an inline line once looped forever;
     * like Redis, it ends the line */
    CHECK(parse_all("\x11\x00\n", 3, out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "1:\x11,;") == 0);
    CHECK(parse_all("get a\0b c\r\n", 12, out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "2:get,a,;") == 0);
    in = "*1\r\n+PING\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: expected '$', got '+'") == 0);
    in = "*x\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: invalid multibulk length") == 0);
    in = "*1\r\n$-5\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: invalid bulk length") == 0);
    in = "*0\r\n*-1\r\n";
    CHECK(parse_all(in, strlen(in), out, sizeof out, &err) == RESP_INCOMPLETE);
    CHECK(strcmp(out, "0:;0:;") == 0);
    RespLimits unauth = lim;
    unauth.is_authenticated = 0;
    RespArgv a;
    resp_argv_init(&a);
    size_t used;
    in = "*11\r\n";
    CHECK(resp_parse(in, strlen(in), &unauth, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: unauthenticated multibulk length") == 0);
    in = "*1\r\n$20000\r\n";
    CHECK(resp_parse(in, strlen(in), &unauth, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: unauthenticated bulk length") == 0);
    /* a header line longer than the inline limit without CR */
    static char big[70000];
    memset(big, 'a', sizeof big);
    big[0] = '*';
    CHECK(resp_parse(big, sizeof big, &lim, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: too big mbulk count string") == 0);
    big[0] = 'a';
    CHECK(resp_parse(big, sizeof big, &lim, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: too big inline request") == 0);
    resp_argv_free(&a);
}

/* The awaited bulk reported on RESP_INCOMPLETE: for every prefix of a command
 * ending in a 100 KB argument, the length and end of the payload exactly
 * while the parse stops inside a payload whose header line is whole, 0 and 0
 * before that header is (and after any RESP_OK or error); through the fast
 * header parser and through the careful one (a header limit under 19 bytes
 * sends every bulk header there). */
static void partial_bulk(void) {
    enum { BIG = 100000 };
    static char cmd[BIG + 64];
    size_t n = (size_t)snprintf(cmd, sizeof cmd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n", BIG);
    size_t hdr_end[3] = {8, 17, n}; /* where each bulk's payload starts */
    size_t payload_len[3] = {3, 1, BIG};
    memset(cmd + n, 'v', BIG);
    memcpy(cmd + n + BIG, "\r\n", 2);
    size_t total = n + BIG + 2;
    RespLimits careful = lim;
    careful.max_inline_len = 18;
    const RespLimits *lims[2] = {&lim, &careful};
    RespArgv a;
    resp_argv_init(&a);
    for (int k = 0; k < 2; k++) {
        long long wrong = 0;
        for (size_t cut = 0; cut <= total; cut++) {
            size_t used;
            const char *err;
            int rc = resp_parse(cmd, cut, lims[k], &a, &used, &err);
            size_t want_len = 0, want_end = 0;
            for (int i = 0; i < 3; i++) {
                size_t end = hdr_end[i] + payload_len[i] + 2;
                if (cut >= hdr_end[i] && cut < end) {
                    want_len = payload_len[i];
                    want_end = end;
                    break;
                }
            }
            if (rc != (cut == total ? RESP_OK : RESP_INCOMPLETE) ||
                a.partial_bulk_len != want_len || a.partial_bulk_end != want_end)
                wrong++;
        }
        CHECK_EQ_INT(wrong, 0);
        CHECK(a.partial_bulk_len == 0 && a.partial_bulk_end == 0); /* after RESP_OK */
    }
    /* reset by an error and by the next command's parse */
    size_t used;
    const char *err;
    CHECK(resp_parse(cmd, n + 10, &lim, &a, &used, &err) == RESP_INCOMPLETE);
    CHECK(a.partial_bulk_len == BIG && a.partial_bulk_end == total);
    CHECK(resp_parse("*1\r\n$-2\r\n", 10, &lim, &a, &used, &err) == RESP_ERROR);
    CHECK(a.partial_bulk_len == 0 && a.partial_bulk_end == 0);
    CHECK(resp_parse(cmd, n + 10, &lim, &a, &used, &err) == RESP_INCOMPLETE);
    CHECK(resp_parse("PING\r\n", 6, &lim, &a, &used, &err) == RESP_OK);
    CHECK(a.partial_bulk_len == 0 && a.partial_bulk_end == 0);
    /* a bulk's payload claimed far beyond what has arrived */
    const char *huge = "*2\r\n$3\r\nGET\r\n$536870912\r\nab";
    CHECK(resp_parse(huge, strlen(huge), &lim, &a, &used, &err) == RESP_INCOMPLETE);
    CHECK(a.partial_bulk_len == 536870912u && a.partial_bulk_end == strlen(huge) - 2 + 536870914u);
    resp_argv_free(&a);
}

/* A bulk length accepted by an earlier call is not checked again: a limit
 * lowered while the payload arrives (CONFIG SET proto-max-bulk-len) does not
 * reject the command, as in Redis, which checks each header once. Headers
 * from checked_end on are checked against the limits in force; so are all of
 * them without checked_end. */
static void checked_headers(void) {
    enum { BIG = 40000 };
    static char cmd[2 * BIG + 64];
    int n = snprintf(cmd, sizeof cmd, "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n", BIG);
    memset(cmd + n, 'v', BIG);
    size_t second = (size_t)n + BIG + 2; /* where the second big bulk's header starts */
    memcpy(cmd + second - 2, "\r\n", 2);
    int m = snprintf(cmd + second, sizeof cmd - second, "$%d\r\n", BIG);
    memset(cmd + second + (size_t)m, 'w', BIG);
    size_t total = second + (size_t)m + BIG + 2;
    memcpy(cmd + total - 2, "\r\n", 2);
    RespArgv a;
    resp_argv_init(&a);
    size_t used;
    const char *err;
    RespLimits l = lim;
    CHECK(resp_parse(cmd, (size_t)n + 100, &l, &a, &used, &err) == RESP_INCOMPLETE);
    size_t end1 = a.partial_bulk_end;
    CHECK(end1 == second);
    RespLimits low = lim;
    low.max_bulk_len = BIG - 1;
    CHECK(resp_parse(cmd, second + 10, &low, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: invalid bulk length") == 0);
    /* the first big header accepted earlier; the second one is new */
    low.checked_end = end1;
    CHECK(resp_parse(cmd, second + 3, &low, &a, &used, &err) == RESP_INCOMPLETE);
    CHECK(resp_parse(cmd, second + 10, &low, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: invalid bulk length") == 0);
    /* both accepted: the whole command parses under the lowered limit */
    CHECK(resp_parse(cmd, second + 10, &l, &a, &used, &err) == RESP_INCOMPLETE);
    low.checked_end = a.partial_bulk_end;
    CHECK(low.checked_end == total);
    CHECK(resp_parse(cmd, total, &low, &a, &used, &err) == RESP_OK);
    CHECK(used == total && a.n == 4 && a.v[2].len == BIG && a.v[3].len == BIG);
    /* the unauthenticated bound the same way */
    RespLimits unauth = lim;
    unauth.is_authenticated = 0;
    CHECK(resp_parse(cmd, total, &unauth, &a, &used, &err) == RESP_ERROR);
    CHECK(strcmp(err, "Protocol error: unauthenticated bulk length") == 0);
    unauth.checked_end = total;
    CHECK(resp_parse(cmd, total, &unauth, &a, &used, &err) == RESP_OK);
    /* a malformed length is an error whatever was accepted */
    CHECK(resp_parse("*1\r\n$-3\r\n", 10, &low, &a, &used, &err) == RESP_ERROR);
    resp_argv_free(&a);
}

/* Every split: the prefix alone must be incomplete or yield a prefix of the
 * whole result, never an error the whole input does not have. */
static void check_splits(const char *buf, size_t len) {
    char whole[4096], part[4096];
    const char *err_w, *err_p;
    int rc_w = parse_all(buf, len, whole, sizeof whole, &err_w);
    for (size_t cut = 0; cut <= len; cut++) {
        int rc_p = parse_all(buf, cut, part, sizeof part, &err_p);
        if (rc_p == RESP_ERROR) {
            /* an error in a prefix must be the whole input's error too */
            CHECK(rc_w == RESP_ERROR && strcmp(err_p, err_w) == 0);
        } else {
            CHECK(strncmp(whole, part, strlen(part)) == 0);
        }
    }
}

static void random_inputs(void) {
    for (int iter = 0; iter < 300; iter++) {
        char buf[1024];
        size_t len = 0;
        int n_cmds = 1 + (int)test_rand_below(4);
        for (int k = 0; k < n_cmds && len < 700; k++) {
            if (test_rand_below(4) == 0) {
                len += (size_t)snprintf(buf + len, sizeof buf - len, "set k%d v%d\r\n", k,
                                        (int)test_rand_below(100));
                continue;
            }
            int argc = 1 + (int)test_rand_below(4);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "*%d\r\n", argc);
            for (int i = 0; i < argc; i++) {
                int alen = (int)test_rand_below(12);
                len += (size_t)snprintf(buf + len, sizeof buf - len, "$%d\r\n", alen);
                for (int j = 0; j < alen; j++) buf[len++] = (char)('a' + test_rand_below(26));
                buf[len++] = '\r';
                buf[len++] = '\n';
            }
        }
        /* sometimes corrupt one byte */
        if (test_rand_below(3) == 0 && len > 0) buf[test_rand_below(len)] = (char)test_rand();
        check_splits(buf, len);
    }
}

/* ---- differential test ---- */

/* Number texts that sit on every rule of the bulk/multibulk length parser. */
static const char *const num_edge[] = {
    "0",
    "1",
    "00",
    "01",
    "007",
    "-0",
    "-00",
    "-01",
    "-",
    "+",
    "+1",
    "+0",
    "-1",
    "-2",
    "-5",
    "",
    " 1",
    "1 ",
    "1x",
    "x",
    "10",
    "11",
    "9",
    "12",
    "16384",
    "16385",
    "016384",
    "2147483647",
    "2147483648",
    "-2147483648",
    "999999999999999999",
    "1000000000000000000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "999999999999999999999",
    "000000000000000000001",
    "100000000000000000000",
    "12345678901234567890123",
    "1\n",
    "\n",
    "1\r",
    "--1",
    "1-",
};

/* Appends a number text to b: a small value, an edge text, a value next to
 * one of the limits, or random digits. */
static size_t gen_num(char *b, size_t cap, long long small, const RespLimits *l) {
    switch (test_rand_below(12)) {
    case 0:
    case 1:
    case 2:
    case 8:
    case 9:
    case 10:
    case 11:
        return (size_t)snprintf(b, cap, "%lld", small);
    case 3: {
        const char *e = num_edge[test_rand_below(sizeof num_edge / sizeof num_edge[0])];
        return (size_t)snprintf(b, cap, "%s", e);
    }
    case 4: {
        long long base = test_rand_below(2) ? l->max_bulk_len : l->max_multibulk_len;
        return (size_t)snprintf(b, cap, "%lld", base - 1 + (long long)test_rand_below(3));
    }
    case 5:
        return (size_t)snprintf(b, cap, "%lld", (long long)test_rand_below(40) - 5);
    default: {
        size_t n = test_rand_below(24), i = 0;
        if (test_rand_below(4) == 0 && i < cap) b[i++] = test_rand_below(2) ? '-' : '+';
        while (n-- && i < cap) b[i++] = (char)('0' + test_rand_below(10));
        return i;
    }
    }
}

/* Appends a header line terminator: usually "\r\n", sometimes broken. */
static size_t gen_eol(char *b) {
    switch (test_rand_below(24)) {
    case 0:
        b[0] = '\r';
        return 1;
    case 1:
        b[0] = '\n';
        return 1;
    case 2:
        return 0;
    case 3:
        memcpy(b, "\r\r\n", 3);
        return 3;
    case 4:
        memcpy(b, "\rx", 2);
        return 2;
    default:
        memcpy(b, "\r\n", 2);
        return 2;
    }
}

static const char mut_alphabet[] = "\r\n$*-+0123456789 x\0";

/* One random request stream: multibulk commands (valid or broken), inline
 * lines, then random byte flips. Returns the length. */
static size_t gen_input(char *b, size_t cap, const RespLimits *l) {
    size_t n = 0;
    int cmds = 1 + (int)test_rand_below(3);
    for (int c = 0; c < cmds && n + 200 < cap; c++) {
        if (test_rand_below(8) == 0) {
            n += (size_t)snprintf(b + n, cap - n, "%s",
                                  test_rand_below(2) ? "PING\r\n" : "x \"y\"\n");
            continue;
        }
        int argc = (int)test_rand_below(6);
        b[n++] = '*';
        n += gen_num(b + n, 40, argc, l);
        n += gen_eol(b + n);
        for (int i = 0; i < argc + (int)(test_rand_below(8) == 0) && n + 100 < cap; i++) {
            int alen = (int)test_rand_below(test_rand_below(6) == 0 ? 40 : 10);
            b[n++] = test_rand_below(40) ? '$' : mut_alphabet[test_rand_below(sizeof mut_alphabet)];
            n += gen_num(b + n, 40, alen, l);
            n += gen_eol(b + n);
            for (int j = 0; j < alen && n + 40 < cap; j++)
                b[n++] = (char)('a' + test_rand_below(26));
            if (test_rand_below(16)) {
                b[n++] = '\r';
                b[n++] = '\n';
            }
        }
    }
    int flips = test_rand_below(3) == 0 ? 1 + (int)test_rand_below(3) : 0;
    while (flips-- > 0 && n > 0) {
        size_t at = test_rand_below(n);
        b[at] = test_rand_below(2) ? mut_alphabet[test_rand_below(sizeof mut_alphabet)]
                                   : (char)test_rand();
    }
    return n;
}

static void gen_limits(RespLimits *l) {
    memset(l, 0, sizeof *l);
    l->max_bulk_len = 512 * 1024 * 1024LL;
    l->max_multibulk_len = 1024 * 1024 * 1024LL;
    l->max_inline_len = 64 * 1024;
    l->is_authenticated = test_rand_below(4) != 0;
    if (test_rand_below(6) == 0) l->max_bulk_len = (long long)test_rand_below(40);
    if (test_rand_below(6) == 0) l->max_bulk_len = 16383 + (long long)test_rand_below(3);
    if (test_rand_below(8) == 0) l->max_bulk_len = LLONG_MAX - (long long)test_rand_below(2);
    if (test_rand_below(6) == 0) l->max_multibulk_len = (long long)test_rand_below(8);
    if (test_rand_below(8) == 0) l->max_multibulk_len = LLONG_MAX;
    if (test_rand_below(6) == 0) l->max_inline_len = test_rand_below(30);
    l->checked_end = test_rand_below(4) == 0 ? test_rand_below(300) : 0;
}

static long long diff_cases, diff_mismatches;
static long long resume_cases, resume_moved, resume_mismatches;

/* Feeds buf to a parser in growing prefixes, each copied to one of two
 * buffers (so the bytes sometimes move), resuming where the last call left
 * off (RespLimits.resume); every result must be the one a fresh parse of
 * the same prefix gives, resume point included. */
static void resume_walk(const char *buf, size_t len, const RespLimits *l, RespArgv *s,
                        RespArgv *f) {
    static char copies[2][2048];
    RespLimits lr = *l;
    lr.resume = 0; /* the first call starts afresh */
    int which = 0;
    if (len > sizeof copies[0]) return;
    for (size_t cut = 0;;) {
        if (test_rand_below(2)) which ^= 1;
        char *b = copies[which];
        memcpy(b, buf, cut);
        if (lr.resume && s->resume_pos > 0) {
            resume_cases++;
            resume_moved += s->resume_base != (uintptr_t)b;
        }
        size_t used_s = 7, used_f = 7;
        const char *err_s = (const char *)1, *err_f = (const char *)1;
        int rc_s = resp_parse(b, cut, &lr, s, &used_s, &err_s);
        int rc_f = resp_parse(b, cut, l, f, &used_f, &err_f);
        if (!resp_ref_same(b, rc_s, used_s, err_s, s, rc_f, used_f, err_f, f) ||
            s->resume_pos != f->resume_pos || (s->resume_pos && s->resume_n != f->resume_n)) {
            if (resume_mismatches++ < 5)
                fprintf(stderr, "resume mismatch: cut=%zu len=%zu rc %d/%d n %d/%d\n", cut, len,
                        rc_s, rc_f, s->n, f->n);
        }
        if (rc_s != RESP_INCOMPLETE || cut == len) break;
        lr.resume = 1;
        cut += 1 + test_rand_below(test_rand_below(2) ? 3 : 64);
        if (cut > len) cut = len; /* the whole input last */
    }
}

/* Outcomes the generator must reach, so the comparison is not vacuous. */
static const char *const diff_outcomes[] = {
    "Protocol error: too big mbulk count string",
    "Protocol error: invalid multibulk length",
    "Protocol error: unauthenticated multibulk length",
    "Protocol error: too big bulk count string",
    "Protocol error: expected '$', got ' '",
    "Protocol error: invalid bulk length",
    "Protocol error: unauthenticated bulk length",
    "Protocol error: too big inline request",
    "Protocol error: unbalanced quotes in request",
};
enum { N_OUTCOMES = sizeof diff_outcomes / sizeof diff_outcomes[0] };
static long long diff_seen[N_OUTCOMES + 3]; /* errors, then OK argc>0, OK argc 0, incomplete */

static void diff_count(int rc, const char *err, int argc) {
    if (rc == RESP_OK) {
        diff_seen[N_OUTCOMES + (argc == 0)]++;
    } else if (rc == RESP_INCOMPLETE) {
        diff_seen[N_OUTCOMES + 2]++;
    } else {
        for (int i = 0; i < N_OUTCOMES; i++)
            if (i == 4 ? strncmp(err, diff_outcomes[i], 35) == 0
                       : strcmp(err, diff_outcomes[i]) == 0)
                diff_seen[i]++;
    }
}

/* Parses buf[0..len) once with each parser and compares everything. */
static void diff_one(const char *buf, size_t len, const RespLimits *l, RespArgv *a, RespArgv *r) {
    size_t used_a = 7, used_r = 7;
    const char *err_a = (const char *)1, *err_r = (const char *)1;
    int rc_a = resp_parse(buf, len, l, a, &used_a, &err_a);
    int rc_r = ref_parse(buf, len, l, r, &used_r, &err_r);
    int same = resp_ref_same(buf, rc_a, used_a, err_a, a, rc_r, used_r, err_r, r);
    diff_cases++;
    diff_count(rc_r, err_r, r->n);
    if (same) return;
    if (diff_mismatches++ < 5) {
        fprintf(stderr,
                "mismatch: len=%zu lim={%lld,%lld,%zu,%d,%zu} rc %d/%d used %zu/%zu n %d/%d err "
                "%s/%s\n  input:",
                len, l->max_bulk_len, l->max_multibulk_len, l->max_inline_len, l->is_authenticated,
                l->checked_end, rc_a, rc_r, used_a, used_r, a->n, r->n, err_a ? err_a : "-",
                err_r ? err_r : "-");
        for (size_t i = 0; i < len; i++) fprintf(stderr, " %02x", (unsigned char)buf[i]);
        fprintf(stderr, "\n");
    }
}

static void differential(void) {
    RespArgv a, r;
    resp_argv_init(&a);
    resp_argv_init(&r);
    const char *env = getenv("TEST_RESP_DIFF_ITERS");
    long iters = env ? atol(env) : 100000;
    static char buf[2048];
    for (long it = 0; it < iters; it++) {
        RespLimits l;
        gen_limits(&l);
        size_t len = gen_input(buf, sizeof buf, &l);
        resume_walk(buf, len, &l, &a, &r);
        /* every prefix, and the whole stream command by command (the oracle
         * says where the next command starts) */
        for (size_t cut = 0; cut <= len; cut++) diff_one(buf, cut, &l, &a, &r);
        size_t pos = 0;
        for (;;) {
            size_t used;
            const char *err;
            if (ref_parse(buf + pos, len - pos, &l, &r, &used, &err) != RESP_OK || used == 0) break;
            pos += used;
            diff_one(buf + pos, len - pos, &l, &a, &r);
        }
    }
    /* a header line longer than a big inline limit, and a huge unauthenticated count */
    static char big[70000];
    memset(big, '1', sizeof big);
    big[0] = '*';
    RespLimits l = lim;
    diff_one(big, sizeof big, &l, &a, &r);
    memcpy(big, "*1\r\n$", 5);
    diff_one(big, sizeof big, &l, &a, &r);
    big[200] = '\r';
    diff_one(big, sizeof big, &l, &a, &r);
    resp_argv_free(&r);
    resp_argv_free(&a);
    printf("test_resp: differential: %lld cases, %lld mismatches; outcomes:", diff_cases,
           diff_mismatches);
    for (int i = 0; i < N_OUTCOMES + 3; i++) printf(" %lld", diff_seen[i]);
    printf("\n");
    CHECK(diff_cases >= iters);
    for (int i = 0; i < N_OUTCOMES + 3; i++) CHECK(diff_seen[i] > 0);
    CHECK_EQ_INT(diff_mismatches, 0);
    printf("test_resp: resumed parses: %lld (%lld moved), %lld mismatches\n", resume_cases,
           resume_moved, resume_mismatches);
    CHECK(resume_cases >= iters / 2 && resume_moved >= iters / 4);
    CHECK_EQ_INT(resume_mismatches, 0);
}

int main(void) {
    test_seed("test_resp");
    known_inputs();
    partial_bulk();
    checked_headers();
    random_inputs();
    differential();
    return test_report("test_resp");
}
