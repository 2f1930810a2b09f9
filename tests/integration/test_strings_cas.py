"""Redis 8.4's string additions: DIGEST, DELEX, MSETEX (and SET's
IFEQ/IFNE/IFDEQ/IFDNE, in test_set_conditions below) through redis-py.

Debian's redis-server 7.0 has none of them, so the documentation is the
oracle: a digest is XXH3-64 of the value as 16 lower-case hex digits (checked
against python3-xxhash for random values of every size class), a digest
argument is exactly 16 hex digits of either case, conditions apply to strings
only, MSETEX's NX/XX are all-or-nothing over its keys and its expiry is
shared. Writes must survive an AOF reload as commands Redis 7 knows.
"""

import random
import time

import pytest
import redis
import xxhash

from testlib import RespError, streamd_only

pytestmark = streamd_only

E_SYNTAX = "syntax error"
E_DIGEST = "must be exactly 16 hexadecimal characters"
E_WRONGTYPE = "WRONGTYPE"


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def cerr(c, *args):
    """The error text of a command sent on a raw connection."""
    reply = c.call(*args)
    assert isinstance(reply, RespError), (args, reply)
    text = reply.message.decode()
    return text[4:] if text.startswith("ERR ") else text


def digest_of(v):
    return xxhash.xxh3_64_hexdigest(v).encode()


# ---- DIGEST -----------------------------------------------------------------------------


def test_digest_matches_xxh3(r):
    rnd = random.Random(84)
    sizes = list(range(0, 300)) + [511, 512, 1023, 1024, 1025, 4096, 65536, 100001]
    for n in sizes:
        v = rnd.randbytes(n)
        r.set("k", v)
        assert r.execute_command("DIGEST", "k") == digest_of(v), n
    assert r.execute_command("DIGEST", "missing") is None
    r.set("hello", "Hello world")
    assert r.execute_command("digest", "hello") == b"b6acb9d84a38ff74"


def test_digest_follows_the_value(r):
    r.set("n", 41)
    r.incr("n")
    assert r.execute_command("DIGEST", "n") == digest_of(b"42")
    r.append("n", "x")
    assert r.execute_command("DIGEST", "n") == digest_of(b"42x")


def test_digest_keeps_leading_zeros(r):
    # find a value whose digest starts with a zero digit
    v = next(b"v%d" % i for i in range(10000) if digest_of(b"v%d" % i).startswith(b"0"))
    r.set("z", v)
    d = r.execute_command("DIGEST", "z")
    assert len(d) == 16 and d.startswith(b"0") and d == digest_of(v)


def test_digest_errors(r):
    r.xadd("s", {"a": 1})
    assert err(r.execute_command, "DIGEST", "s").startswith(E_WRONGTYPE)
    assert "wrong number of arguments for 'digest'" in err(r.execute_command, "DIGEST")
    assert "wrong number of arguments" in err(r.execute_command, "DIGEST", "a", "b")


# ---- DELEX ------------------------------------------------------------------------------


def test_delex_without_condition_is_del(r):
    r.set("a", 1)
    r.xadd("s", {"f": "v"})
    assert r.execute_command("DELEX", "a") == 1
    assert r.execute_command("DELEX", "s") == 1
    assert r.execute_command("DELEX", "a") == 0
    assert r.exists("a", "s") == 0


@pytest.mark.parametrize("cond,arg,deleted", [
    ("IFEQ", b"value", True), ("IFEQ", b"other", False), ("IFEQ", b"VALUE", False),
    ("IFNE", b"value", False), ("IFNE", b"other", True),
    ("IFDEQ", "same", True), ("IFDEQ", "SAME", True), ("IFDEQ", "other", False),
    ("IFDNE", "same", False), ("IFDNE", "other", True),
])
def test_delex_conditions(r, cond, arg, deleted):
    r.set("k", "value")
    if arg == "same":
        arg = digest_of(b"value")
    elif arg == "SAME":
        arg = digest_of(b"value").upper()
    elif arg == "other":
        arg = digest_of(b"value2")
    assert r.execute_command("DELEX", "k", cond, arg) == (1 if deleted else 0)
    assert r.exists("k") == (0 if deleted else 1)


def test_delex_missing_key_and_wrong_type(r):
    for cond, arg in [("IFEQ", "v"), ("IFNE", "v"), ("IFDEQ", "0" * 16), ("IFDNE", "0" * 16)]:
        assert r.execute_command("DELEX", "missing", cond, arg) == 0
    r.xadd("s", {"f": "v"})
    for cond, arg in [("IFEQ", "v"), ("IFNE", "v"), ("IFDEQ", "0" * 16), ("IFDNE", "0" * 16)]:
        assert err(r.execute_command, "DELEX", "s", cond, arg).startswith(E_WRONGTYPE)
    assert r.exists("s") == 1


def test_delex_syntax(r):
    r.set("k", "v")
    assert err(r.execute_command, "DELEX", "k", "IFEQ") == E_SYNTAX
    assert err(r.execute_command, "DELEX", "k", "IFEQ", "v", "extra") == E_SYNTAX
    assert err(r.execute_command, "DELEX", "k", "IFXX", "v") == E_SYNTAX
    for bad in ["0" * 15, "0" * 17, "g" * 16, "", "0x" + "0" * 14]:
        assert err(r.execute_command, "DELEX", "k", "IFDEQ", bad) == E_DIGEST
        assert err(r.execute_command, "DELEX", "missing", "IFDNE", bad) == E_DIGEST
    assert "wrong number of arguments for 'delex'" in err(r.execute_command, "DELEX")
    assert r.get("k") == b"v"


# ---- SET IFEQ / IFNE / IFDEQ / IFDNE ---------------------------------------------------


def test_set_conditions(raw):
    c = raw()
    c.call("SET", "k", "old")
    assert c.call("SET", "k", "new", "IFEQ", "nope") is None
    assert c.call("GET", "k") == b"old"
    assert c.call("SET", "k", "new", "IFEQ", "old") == b"OK"
    assert c.call("GET", "k") == b"new"
    assert c.call("SET", "k", "x", "IFNE", "new") is None
    assert c.call("SET", "k", "x", "IFNE", "other") == b"OK"
    assert c.call("SET", "k", "y", "IFDEQ", digest_of(b"x").upper()) == b"OK"
    assert c.call("SET", "k", "z", "IFDEQ", digest_of(b"x")) is None
    assert c.call("SET", "k", "z", "IFDNE", digest_of(b"y")) is None
    assert c.call("SET", "k", "z", "IFDNE", digest_of(b"x")) == b"OK"
    assert c.call("GET", "k") == b"z"
    # a missing key: IFEQ/IFDEQ do not create it, IFNE/IFDNE do
    assert c.call("SET", "m1", "v", "IFEQ", "v") is None
    assert c.call("SET", "m2", "v", "IFDEQ", digest_of(b"v")) is None
    assert c.call("EXISTS", "m1", "m2") == 0
    assert c.call("SET", "m3", "v", "IFNE", "v") == b"OK"
    assert c.call("SET", "m4", "v", "IFDNE", digest_of(b"v")) == b"OK"
    assert c.call("MGET", "m3", "m4") == [b"v", b"v"]


def test_set_conditions_with_get_and_expiry(raw):
    c = raw()
    c.call("SET", "k", "old")
    assert c.call("SET", "k", "new", "IFEQ", "old", "GET", "EX", "100") == b"old"
    assert c.call("GET", "k") == b"new" and 0 < c.call("TTL", "k") <= 100
    assert c.call("SET", "k", "newer", "IFEQ", "old", "GET") == b"new"
    assert c.call("GET", "k") == b"new"
    assert c.call("SET", "k", "newer", "KEEPTTL", "IFNE", "old") == b"OK"
    assert 0 < c.call("TTL", "k") <= 100
    assert c.call("SET", "missing", "v", "IFEQ", "x", "GET") is None
    assert c.call("EXISTS", "missing") == 0


def test_set_condition_errors(raw):
    c = raw()
    c.call("SET", "k", "v")
    c.call("XADD", "s", "*", "f", "v")
    for cond in ["IFEQ", "IFNE"]:
        assert cerr(c, "SET", "s", "v", cond, "v").startswith(E_WRONGTYPE)
    assert cerr(c, "SET", "s", "v", "IFDEQ", "0" * 16).startswith(E_WRONGTYPE)
    assert c.call("TYPE", "s") == b"stream"
    for opts in [["IFEQ", "v", "NX"], ["XX", "IFEQ", "v"], ["IFEQ", "v", "IFNE", "w"],
                 ["IFDEQ", "0" * 16, "IFEQ", "v"], ["IFEQ"], ["IFNE"]]:
        assert cerr(c, "SET", "k", "x", *opts) == E_SYNTAX, opts
    assert cerr(c, "SET", "k", "x", "IFDEQ", "123") == E_DIGEST
    assert c.call("GET", "k") == b"v"


# ---- MSETEX -----------------------------------------------------------------------------


def test_msetex_basic_and_expiry(r):
    assert r.execute_command("MSETEX", 2, "a", "1", "b", "2") == 1
    assert r.mget("a", "b") == [b"1", b"2"] and r.ttl("a") == -1
    assert r.execute_command("MSETEX", 2, "a", "1", "b", "2", "EX", 100) == 1
    assert 90 < r.ttl("a") <= 100 and 90 < r.ttl("b") <= 100
    assert r.execute_command("MSETEX", 1, "a", "x", "PX", 50000) == 1
    assert 40000 < r.pttl("a") <= 50000
    at = int(time.time()) + 1000
    assert r.execute_command("MSETEX", 1, "a", "y", "EXAT", at) == 1
    assert r.expiretime("a") == at
    assert r.execute_command("MSETEX", 1, "a", "z", "PXAT", at * 1000 + 5) == 1
    assert r.pexpiretime("a") == at * 1000 + 5
    # KEEPTTL keeps each key's own ttl; no option clears it, as MSET does
    r.set("c", "v")
    assert r.execute_command("MSETEX", 2, "a", "k1", "c", "k2", "KEEPTTL") == 1
    assert r.pexpiretime("a") == at * 1000 + 5 and r.ttl("c") == -1
    assert r.execute_command("MSETEX", 1, "a", "plain") == 1
    assert r.ttl("a") == -1
    # any type is overwritten, as by MSET
    r.xadd("s", {"f": "v"})
    assert r.execute_command("MSETEX", 1, "s", "str") == 1
    assert r.type("s") == b"string"


def test_msetex_nx_xx_all_or_nothing(r):
    r.set("a", "old")
    assert r.execute_command("MSETEX", 2, "a", "1", "b", "2", "NX") == 0
    assert r.mget("a", "b") == [b"old", None]
    assert r.execute_command("MSETEX", 2, "a", "1", "b", "2", "XX") == 0
    assert r.mget("a", "b") == [b"old", None]
    assert r.execute_command("MSETEX", 2, "x", "1", "y", "2", "NX", "EX", 100) == 1
    assert r.ttl("x") > 0
    assert r.execute_command("MSETEX", 2, "x", "3", "a", "4", "PX", 100000, "XX") == 1
    assert r.mget("x", "a") == [b"3", b"4"] and r.pttl("a") > 0


def test_msetex_errors(r):
    r.set("a", "keep")
    E_INT = "value is not an integer or out of range"
    cases = [
        ([0, "a", "1"], "invalid numkeys value"),
        ([-1, "a", "1"], "invalid numkeys value"),
        (["x", "a", "1"], E_INT),
        ([2, "a", "1"], "wrong number of key-value pairs"),
        ([2, "a", "1", "b"], "wrong number of key-value pairs"),
        ([1, "a", "1", "EX", 0], "invalid expire time in 'msetex' command"),
        ([1, "a", "1", "PX", -5], "invalid expire time in 'msetex' command"),
        ([1, "a", "1", "EX", 2 ** 62], "invalid expire time in 'msetex' command"),
        ([1, "a", "1", "EX", "ten"], E_INT),
        ([1, "a", "1", "EX", 10, "PX", 10], E_SYNTAX),
        ([1, "a", "1", "EX", 10, "KEEPTTL"], E_SYNTAX),
        ([1, "a", "1", "KEEPTTL", "EX", 10], E_SYNTAX),
        ([1, "a", "1", "NX", "XX"], E_SYNTAX),
        ([1, "a", "1", "EX"], E_SYNTAX),
        ([1, "a", "1", "GET"], E_SYNTAX),
        ([1, "a", "1", "extra"], E_SYNTAX),
    ]
    for args, want in cases:
        assert err(r.execute_command, "MSETEX", *args) == want, args
    assert "wrong number of arguments for 'msetex'" in err(r.execute_command, "MSETEX", 1, "a")
    # SET's option rules (8.4 parses MSETEX's options with SET's parser):
    # a repeated NX or expiry unit is fine, the last expiry wins
    assert r.execute_command("MSETEX", 1, "n", "1", "NX", "NX", "EX", 10, "EX", 1000) == 1
    assert 990 < r.ttl("n") <= 1000
    assert r.get("a") == b"keep" and r.ttl("a") == -1


def test_msetex_keys_and_acl(r, rr, raw):
    assert raw().call("COMMAND", "GETKEYS", "MSETEX", 3, "k1", "v1", "k2", "v2", "k3",
                             "v3", "EX", 5) == [b"k1", b"k2", b"k3"]
    c = raw()
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "IFEQ", "x") == [
        [b"k", [b"RW", b"access", b"update"]]]
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "NX") == [[b"k", [b"OW", b"update"]]]
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "DELEX", "k") == [[b"k", [b"RM", b"delete"]]]
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "DELEX", "k", "IFNE", "v") == [
        [b"k", [b"RW", b"access", b"delete"]]]
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "MSETEX", 2, "a", "1", "b", "2", "NX") == [
        [b"a", [b"OW", b"update"]], [b"b", [b"OW", b"update"]]]
    r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "+@all", "~app:*")
    try:
        app = rr(username="app", password="pw")
        assert app.execute_command("MSETEX", 2, "app:1", "a", "app:2", "b") == 1
        e = err(app.execute_command, "MSETEX", 2, "app:1", "a", "other", "b")
        assert "no permissions to access one of the keys" in e
        assert r.exists("other") == 0
        e = err(app.execute_command, "DELEX", "other", "IFEQ", "x")
        assert "no permissions to access one of the keys" in e
    finally:
        r.execute_command("ACL", "DELUSER", "app")


def test_notifications(r, rr):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = rr().pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=5)["type"] == "psubscribe"
        r.execute_command("MSETEX", 2, "a", "1", "b", "2", "EX", 100)
        r.execute_command("DELEX", "a", "IFEQ", "nope")
        r.execute_command("DELEX", "a", "IFEQ", "1")
        got = []
        while True:
            m = p.get_message(timeout=0.5)
            if m is None:
                break
            if m["type"] == "pmessage":
                got.append((m["channel"].split(b":")[-1], m["data"]))
        assert got == [(b"set", b"a"), (b"expire", b"a"), (b"set", b"b"), (b"expire", b"b"),
                       (b"del", b"a")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


def test_aof_reload(make_server):
    srv = make_server(["--appendonly", "yes"])
    c = srv.client()
    c.execute_command("MSETEX", 2, "a", "1", "b", "2", "PX", 500000)
    c.execute_command("MSETEX", 2, "c", "3", "d", "4")
    c.set("e", "v", ex=1000)
    c.execute_command("MSETEX", 1, "e", "5", "KEEPTTL")
    c.execute_command("DELEX", "d", "IFDEQ", digest_of(b"4"))
    c.execute_command("SET", "c", "33", "IFEQ", "3")
    c.execute_command("SET", "c", "no", "IFEQ", "3")
    before = {k: (c.get(k), c.pexpiretime(k)) for k in ["a", "b", "c", "d", "e"]}
    assert before["d"] == (None, -2) and before["c"] == (b"33", -1)
    srv.restart()
    c = srv.client()
    assert {k: (c.get(k), c.pexpiretime(k)) for k in ["a", "b", "c", "d", "e"]} == before
