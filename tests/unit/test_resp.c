/*
 * Unit tests for the RESP request parser: known inputs and errors, and the
 * property the design rests on: feeding any prefix first and then the whole
 * buffer gives the same commands as parsing the whole buffer at once, for
 * every split point and for random inputs.
 */
#include "net/resp.h"
#include "test.h"

static RespLimits lim = {512 * 1024 * 1024LL, 1024 * 1024LL, 64 * 1024, 1};

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

int main(void) {
    test_seed("test_resp");
    known_inputs();
    random_inputs();
    return test_report("test_resp");
}
