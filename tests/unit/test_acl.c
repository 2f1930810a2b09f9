/*
 * Unit tests for ACL rules (src/server/acl.c) without a server: rules parsed
 * and applied (errors, all-or-nothing), the user's description (the words
 * Redis 7.0 gives for the same rules), and the permission check for
 * commands, first arguments, keys with read/write patterns and channels.
 */
#include <assert.h>

#include "base/alloc.h"
#include "base/sha256.h"
#include "server/acl.h"
#include "server/core.h"
#include "test.h"

static Slice words[64];

/* Splits a line of words (views into a static copy). */
static int split(const char *line) {
    static char copy[1024];
    snprintf(copy, sizeof copy, "%s", line);
    int n = 0;
    for (char *p = strtok(copy, " "); p && n < 64; p = strtok(NULL, " "))
        words[n++] = slice_cstr(p);
    return n;
}

/* ACL SETUSER name <rules>: NULL if ok, else the error (static). */
static const char *setuser(const char *name, const char *rules) {
    static char last[512];
    int n = *rules ? split(rules) : 0;
    char *err = NULL;
    if (acl_setuser(slice_cstr(name), n, words, &err) == 0) return NULL;
    snprintf(last, sizeof last, "%s", err);
    xfree(err);
    return last;
}

static int described_as(const char *name, const char *want) {
    Buf b;
    buf_init(&b);
    acl_describe_user(&b, acl_find_user(slice_cstr(name)));
    buf_append_char(&b, '\0');
    int ok = strcmp(b.p, want) == 0;
    if (!ok) fprintf(stderr, "  %s: got '%s'\n  want '%s'\n", name, b.p, want);
    buf_free(&b);
    return ok;
}

/* The check for user name running the command line: ACL_OK or the reason;
 * *pos the refused argument. */
static int check(const char *name, const char *line, int *pos) {
    int n = split(line);
    const Command *cmd = command_lookup(words[0].p, words[0].len);
    if (cmd && cmd->subcommands && n > 1)
        for (const Command *s = cmd->subcommands; s->name; s++)
            if (slice_eq_nocase(words[1], s->name)) cmd = s;
    assert(cmd);
    *pos = -1;
    return acl_check_command(acl_find_user(slice_cstr(name)), cmd, n, words, pos);
}

int main(void) {
    config_init_defaults();
    commands_init();
    int pos;

    /* the default user, and requirepass */
    CHECK(described_as("default", "user default on nopass ~* &* +@all"));
    CHECK(acl_find_user(slice_cstr("default"))->is_unrestricted);
    CHECK(!acl_auth_required());

    /* errors: 7.0's texts; a bad rule leaves the user as it was */
    CHECK(strcmp(setuser("x", "foo"), "Error in ACL SETUSER modifier 'foo': Syntax error") == 0);
    CHECK(strstr(setuser("x", "+nosuch"), "Unknown command or category name in ACL") != NULL);
    CHECK(strstr(setuser("x", "allkeys ~b"), "Try 'resetkeys'") != NULL);
    CHECK(strstr(setuser("x", "&* &b"), "Try 'resetchannels'") != NULL);
    CHECK(strstr(setuser("x", "<nopass"), "does not exist") != NULL);
    CHECK(strstr(setuser("x", "#ABC"), "exactly 64 characters") != NULL);
    CHECK(strstr(setuser("x", "+xinfo|stream|x"), "first-arg of a subcommand") != NULL);
    CHECK(strstr(setuser("x", "+get|"), "Syntax error") != NULL);
    CHECK(strstr(setuser("x", "%~a"), "Syntax error") != NULL);
    CHECK(strcmp(setuser("x", "+get (+set ~b*"),
                 "Unmatched parenthesis in acl selector starting at '(+set'.") == 0);
    CHECK(strcmp(setuser("x", "(+set on)"),
                 "Error in ACL SETUSER modifier '(+set on)': Syntax error") == 0);
    CHECK(acl_find_user(slice_cstr("x")) == NULL);
    CHECK(setuser("x", "on >pw +get") == NULL);
    CHECK(setuser("x", "off >other +set bad") != NULL);
    CHECK(described_as(
        "x", "user x on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 "
             "resetchannels -@all +get"));

    /* descriptions as 7.0 gives them */
    CHECK(setuser("k", "~a* ~b %RW~c %W~d %R~e %R~a &x &x allkeys") == NULL);
    CHECK(described_as("k", "user k off ~* resetchannels &x -@all"));
    CHECK(setuser("k", "resetkeys ~a* %W~b %R~b %R~c") == NULL);
    CHECK(described_as("k", "user k off ~a* ~b %R~c resetchannels &x -@all"));
    CHECK(setuser("c1", "+@all -@admin") == NULL);
    CHECK(described_as("c1", "user c1 off resetchannels +@all -@admin"));
    CHECK(setuser("c2", "-@all +@admin +@dangerous") == NULL);
    CHECK(described_as("c2", "user c2 off resetchannels -@all +@dangerous"));
    CHECK(setuser("c3", "+@read +@write") == NULL);
    CHECK(described_as("c3", "user c3 off resetchannels -@all +@write +@read"));
    CHECK(setuser("c4", "+@all -client|kill +select|0 nopass") == NULL);
    CHECK(described_as("c4", "user c4 off nopass resetchannels +@all -client|kill"));
    CHECK(setuser("c5", "-@all +select|0 +select|1 +client -client|kill") == NULL);
    CHECK(described_as("c5", "user c5 off resetchannels -@all +select|0 +select|1 +client "
                             "-client|kill"));
    CHECK(setuser("c6", "+@all +get -@all") == NULL);
    CHECK(described_as("c6", "user c6 off resetchannels -@all"));
    CHECK(setuser("c6", "reset skip-sanitize-payload") == NULL);
    CHECK(described_as("c6", "user c6 off skip-sanitize-payload resetchannels -@all"));

    /* selectors: described after the user's own rules; a command runs if
     * any allows it; refused by all, the most telling refusal */
    CHECK(setuser("s", "on nopass +get ~a* (+set ~b*) (+del &ch* %R~c*) ( )") == NULL);
    CHECK(described_as("s", "user s on nopass ~a* resetchannels -@all +get (~b* resetchannels "
                            "-@all +set) (%R~c* resetchannels &ch* -@all +del) (resetchannels "
                            "-@all)"));
    CHECK_EQ_INT(check("s", "set b1 v", &pos), ACL_OK);
    CHECK_EQ_INT(check("s", "get a1", &pos), ACL_OK);
    CHECK_EQ_INT(check("s", "set a1 v", &pos), ACL_DENIED_KEY);
    CHECK_EQ_INT(pos, 1);
    CHECK_EQ_INT(check("s", "del c1", &pos), ACL_DENIED_KEY); /* %R~: read only */
    CHECK_EQ_INT(check("s", "publish x m", &pos), ACL_DENIED_CMD);
    CHECK(setuser("s", "clearselectors") == NULL);
    CHECK(described_as("s", "user s on nopass ~a* resetchannels -@all +get"));
    CHECK_EQ_INT(check("s", "set b1 v", &pos), ACL_DENIED_CMD);

    /* passwords are kept as SHA-256 digests */
    CHECK(setuser("p", "on >a >b >a <b") == NULL);
    char hex[65];
    sha256_hex("a", 1, hex);
    CHECK(acl_find_user(slice_cstr("p"))->n_passwords == 1 &&
          strcmp(acl_find_user(slice_cstr("p"))->passwords[0], hex) == 0);

    /* the check: commands, first arguments, keys by access, channels */
    CHECK(setuser("u", "on +get +set +xadd +select|1 +client|id +publish +psubscribe ~k* "
                       "%R~ro* &ch*") == NULL);
    CHECK(!acl_find_user(slice_cstr("u"))->is_unrestricted);
    CHECK_EQ_INT(check("u", "get k1", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "get other", &pos), ACL_DENIED_KEY);
    CHECK_EQ_INT(pos, 1);
    CHECK_EQ_INT(check("u", "get ro1", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "set ro1 v", &pos), ACL_DENIED_KEY);
    CHECK_EQ_INT(check("u", "set k1 v GET", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "del k1", &pos), ACL_DENIED_CMD);
    CHECK_EQ_INT(check("u", "select 1", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "select 2", &pos), ACL_DENIED_CMD);
    CHECK_EQ_INT(check("u", "client id", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "client list", &pos), ACL_DENIED_CMD);
    CHECK_EQ_INT(check("u", "auth a b", &pos), ACL_OK); /* no-auth commands are always allowed */
    CHECK_EQ_INT(check("u", "publish ch1 m", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "publish news m", &pos), ACL_DENIED_CHANNEL);
    CHECK_EQ_INT(pos, 1);
    CHECK_EQ_INT(check("u", "psubscribe ch*", &pos), ACL_OK); /* a pattern must be listed as is */
    CHECK_EQ_INT(check("u", "psubscribe ch1*", &pos), ACL_DENIED_CHANNEL);
    CHECK_EQ_INT(check("u", "xadd k1 * f v", &pos), ACL_OK);
    CHECK_EQ_INT(check("u", "xadd k1 MAXLEN 1 * f v", &pos), ACL_OK);

    printf("test_acl: %d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
