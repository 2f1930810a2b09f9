"""Redis 8.8 / 8.10 core commands streamd has and Debian's redis-server 7.0
lacks, through redis-py: SUNIONCARD and SDIFFCARD (8.10), ZUNION / ZINTER
(+STORE) AGGREGATE COUNT (8.8), INCREX (8.8), LMOVEM and BLMOVEM (8.10).

The Redis documentation is the oracle for what is new. Where 7.0 has a
command that computes the same thing another way, 7.0 is asked too: the
cardinalities against the length of 7.0's SUNION / SDIFF of the same sets,
the argument errors against 7.0's SINTERCARD (whose conventions the new card
commands take), AGGREGATE COUNT against 7.0's SUM over sets whose scores are
all 1. Writes must replay to the same state from the AOF (as records Redis 7
knows where the docs allow it).
"""

import random

import pytest
import redis

from testlib import RespError, streamd_only

pytestmark = streamd_only

E_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def events(p, timeout=0.5):
    """(event, key) of the keyevent messages received until a quiet spell."""
    got = []
    while True:
        m = p.get_message(timeout=timeout)
        if m is None:
            return got
        if m["type"] == "pmessage":
            got.append((m["channel"].split(b":", 1)[1].decode(), m["data"].decode()))


# ---- SUNIONCARD / SDIFFCARD -------------------------------------------------------------


def fill_sets(rnd, clients, n_sets):
    """The same random sets (integers, strings, big and small) in every client."""
    names = []
    for i in range(n_sets):
        kind = rnd.choice(["int", "str", "mixed", "big"])
        size = rnd.choice([0, 1, 3, 20, 200]) if kind != "big" else 700
        members = set()
        for _ in range(size):
            if kind == "int" or (kind == "mixed" and rnd.random() < 0.5):
                members.add(str(rnd.randint(-50, 300)))
            else:
                members.add("m%d" % rnd.randint(0, 400))
        name = "s%d" % i
        names.append(name)
        if members:
            for c in clients:
                c.sadd(name, *members)
    return names


def test_card_matches_7_0_union_and_diff(r, ref):
    rnd = random.Random(810)
    for round_ in range(30):
        r.flushall()
        ref.flushall()
        names = fill_sets(rnd, [r, ref], 4) + ["missing"]
        for _ in range(10):
            keys = [rnd.choice(names) for _ in range(rnd.randint(1, 5))]
            union = len(ref.sunion(*keys))
            diff = len(ref.sdiff(*keys))
            assert r.execute_command("SUNIONCARD", len(keys), *keys) == union, keys
            assert r.execute_command("SDIFFCARD", len(keys), *keys) == diff, keys
            assert r.execute_command("SUNIONCARD", len(keys), *keys, "APPROX") == union
            for limit in (0, 1, 2, 5, 1000):
                want_u = min(union, limit) if limit else union
                want_d = min(diff, limit) if limit else diff
                assert r.execute_command("SUNIONCARD", len(keys), *keys, "LIMIT", limit) == want_u
                assert r.execute_command("SDIFFCARD", len(keys), *keys, "LIMIT", limit) == want_d
                assert r.execute_command("SUNIONCARD", len(keys), *keys, "LIMIT", limit,
                                         "APPROX") == want_u


def test_card_docs_examples(r):
    r.sadd("key1", "a", "b", "c")
    r.sadd("key2", "c", "d", "e")
    assert r.execute_command("SUNIONCARD", 2, "key1", "key2") == 5
    assert r.execute_command("SUNIONCARD", 2, "key1", "key2", "LIMIT", 3) == 3
    assert r.execute_command("SDIFFCARD", 2, "key1", "key2") == 2
    assert r.execute_command("SDIFFCARD", 2, "key1", "key2", "LIMIT", 1) == 1
    assert r.execute_command("SDIFFCARD", 1, "key1") == 3
    assert r.execute_command("SDIFFCARD", 2, "key1", "key1") == 0
    assert r.execute_command("SDIFFCARD", 2, "nokey", "key1") == 0
    assert r.execute_command("SUNIONCARD", 2, "nokey", "other") == 0


@pytest.mark.parametrize("args", [
    ["0", "a"], ["-1", "a"], ["x", "a"], ["3", "a", "b"], ["2", "a", "b", "LIMIT"],
    ["2", "a", "b", "LIMIT", "-1"], ["2", "a", "b", "LIMIT", "x"], ["2", "a", "b", "FOO"],
    ["1", "a", "b"], ["2", "a", "b", "LIMIT", "1", "LIMIT"], ["99999999999999999999", "a"],
])
def test_card_errors_as_sintercard(r, ref, args):
    want = err(ref.execute_command, "SINTERCARD", *args)
    assert err(r.execute_command, "SUNIONCARD", *args) == want
    assert err(r.execute_command, "SDIFFCARD", *args) == want


def test_card_approx_is_sunioncard_only(r):
    r.sadd("a", 1)
    assert r.execute_command("SUNIONCARD", 1, "a", "approx", "APPROX") == 1
    assert err(r.execute_command, "SDIFFCARD", 1, "a", "APPROX") == "syntax error"
    # after numkeys keys, APPROX is an option, not a key
    assert r.execute_command("SUNIONCARD", 1, "APPROX") == 0


def test_card_wrongtype_and_arity(r):
    r.sadd("a", 1)
    r.set("s", "v")
    for cmd in ("SUNIONCARD", "SDIFFCARD"):
        assert err(r.execute_command, cmd, 2, "a", "s") == E_WRONGTYPE
        assert err(r.execute_command, cmd, 2, "s", "a") == E_WRONGTYPE
        # a missing first set still type-checks the others, as SDIFF does
        assert err(r.execute_command, cmd, 2, "nokey", "s") == E_WRONGTYPE
        assert err(r.execute_command, cmd, 1) == \
            "wrong number of arguments for '%s' command" % cmd.lower()


def test_card_metadata_keys_acl_multi(r, rr, raw):
    c = raw()
    assert c.call("COMMAND", "GETKEYS", "SUNIONCARD", 2, "a", "b", "LIMIT", 1) == [b"a", b"b"]
    assert c.call("COMMAND", "GETKEYS", "SDIFFCARD", 1, "x") == [b"x"]
    info = c.call("COMMAND", "INFO", "sunioncard", "sdiffcard")
    for e, name in zip(info, (b"sunioncard", b"sdiffcard")):
        assert e[0] == name and e[1] == -3
        assert sorted(e[2]) == [b"movablekeys", b"readonly"]
        assert e[6] == [b"@read", b"@set", b"@slow"]
    r.sadd("app:1", "a", "b")
    r.sadd("other", "c")
    r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "+@all", "~app:*")
    try:
        app = rr(username="app", password="pw")
        assert app.execute_command("SUNIONCARD", 1, "app:1") == 2
        assert "no permissions to access one of the keys" in err(
            app.execute_command, "SDIFFCARD", 2, "app:1", "other")
        r.execute_command("ACL", "SETUSER", "app", "-sunioncard")
        assert "has no permissions to run the 'sunioncard' command" in err(
            app.execute_command, "SUNIONCARD", 1, "app:1")
        r.execute_command("ACL", "SETUSER", "app", "-@set")
        assert "no permissions to run the 'sdiffcard' command" in err(
            app.execute_command, "SDIFFCARD", 1, "app:1")
    finally:
        r.execute_command("ACL", "DELUSER", "app")
    p = r.pipeline(transaction=True)
    p.execute_command("SUNIONCARD", 2, "app:1", "other")
    p.execute_command("SDIFFCARD", 2, "app:1", "other")
    assert p.execute() == [3, 2]
    # read-only: allowed on a replica-style read-only connection and in EVAL_RO
    assert r.eval_ro("return redis.call('SUNIONCARD', 2, KEYS[1], KEYS[2])", 2, "app:1",
                     "other") == 3


# ---- ZUNION / ZINTER (+STORE) AGGREGATE COUNT -------------------------------------------

WEIGHT_CHOICES = ["1", "2", "-1", "0.5", "0", "3", "inf", "-inf"]


def test_aggregate_count_docs_example(r):
    r.zadd("s1", {"foo": 1, "bar": 1})
    r.zadd("s2", {"foo": 2, "bar": 2})
    r.zadd("s3", {"foo": 3})
    assert r.execute_command("ZUNIONSTORE", "out", 3, "s1", "s2", "s3", "AGGREGATE", "COUNT") == 2
    assert r.zrange("out", 0, -1, withscores=True) == [(b"bar", 2.0), (b"foo", 3.0)]
    assert r.execute_command("ZINTER", 3, "s1", "s2", "s3", "WEIGHTS", 1, 2, 5, "AGGREGATE",
                             "count", "WITHSCORES") == [b"foo", b"8"]
    assert r.execute_command("ZUNION", 3, "s1", "s2", "s3", "WEIGHTS", 1, 2, 5, "AGGREGATE",
                             "Count", "WITHSCORES") == [b"bar", b"3", b"foo", b"8"]


def test_aggregate_count_is_sum_of_weights_as_7_0_computes_it(r, ref):
    """COUNT over sorted sets with any scores = 7.0's SUM over the same
    members with every score 1 (as plain sets, which 7.0 reads as scores 1)."""
    rnd = random.Random(88)
    for round_ in range(25):
        r.flushall()
        ref.flushall()
        names = []
        for i in range(rnd.randint(1, 4)):
            members = {"m%d" % rnd.randint(0, 40): rnd.choice([-2.5, 0, 1, 7, 1e10])
                       for _ in range(rnd.choice([0, 1, 5, 30, 150]))}
            name = "z%d" % i
            names.append(name)
            if members:
                if rnd.random() < 0.2:  # a plain set is an input too
                    r.sadd(name, *members)
                else:
                    r.zadd(name, members)
                ref.sadd(name, *members)
        names.append("missing")
        for _ in range(6):
            keys = [rnd.choice(names) for _ in range(rnd.randint(1, 4))]
            extra = []
            if rnd.random() < 0.6:
                extra = ["WEIGHTS"] + [rnd.choice(WEIGHT_CHOICES) for _ in keys]
            for op in ("ZUNION", "ZINTER"):
                want = ref.execute_command(op, len(keys), *keys, *extra, "AGGREGATE", "SUM",
                                           "WITHSCORES")
                got = r.execute_command(op, len(keys), *keys, *extra, "AGGREGATE", "COUNT",
                                        "WITHSCORES")
                assert got == want, (op, keys, extra)
                want_n = ref.execute_command(op + "STORE", "dst", len(keys), *keys, *extra)
                got_n = r.execute_command(op + "STORE", "dst", len(keys), *keys, *extra,
                                          "AGGREGATE", "COUNT")
                assert got_n == want_n
                assert r.zrange("dst", 0, -1, withscores=True) == \
                    ref.zrange("dst", 0, -1, withscores=True)


def test_aggregate_count_errors(r, ref):
    r.zadd("a", {"x": 1})
    ref.zadd("a", {"x": 1})
    # not an aggregator where there is none, and a misspelled one: as 7.0 answers MOO
    for args in (["ZDIFF", 1, "a", "AGGREGATE", "COUNT"],
                 ["ZINTERCARD", 1, "a", "AGGREGATE", "COUNT"],
                 ["ZDIFFSTORE", "d", 1, "a", "AGGREGATE", "COUNT"],
                 ["ZUNION", 1, "a", "AGGREGATE", "COUNTS"],
                 ["ZUNION", 1, "a", "AGGREGATE"]):
        assert err(r.execute_command, *args) == "syntax error", args
        moo = [("MOO" if a in ("COUNT", "COUNTS") else a) for a in args]
        assert err(ref.execute_command, *moo) == "syntax error"
    r.set("s", "v")
    assert err(r.execute_command, "ZUNION", 2, "a", "s", "AGGREGATE", "COUNT") == E_WRONGTYPE
    assert err(r.execute_command, "ZUNION", 1, "a", "WEIGHTS", "x", "AGGREGATE", "COUNT") == \
        "weight value is not a float"


def test_aggregate_count_store_events_aof_multi(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.zadd("s1", {"a": 5, "b": -3})
    c.zadd("s2", {"a": 0.25, "c": 9})
    c.config_set("notify-keyspace-events", "KEA")
    p = srv.client().pubsub()
    p.psubscribe("__keyevent@0__:*")
    assert p.get_message(timeout=5)["type"] == "psubscribe"
    assert c.execute_command("ZUNIONSTORE", "u", 2, "s1", "s2", "WEIGHTS", 2, 3, "AGGREGATE",
                             "COUNT") == 3
    pipe = c.pipeline(transaction=True)
    pipe.execute_command("ZINTERSTORE", "i", 2, "s1", "s2", "AGGREGATE", "COUNT")
    pipe.execute_command("ZINTERSTORE", "u2", 2, "s1", "nokey", "AGGREGATE", "COUNT")
    assert pipe.execute() == [1, 0]
    assert events(p) == [("zunionstore", "u"), ("zinterstore", "i")]
    p.close()
    want = {k: c.zrange(k, 0, -1, withscores=True) for k in ("u", "i")}
    assert want == {"u": [(b"b", 2.0), (b"c", 3.0), (b"a", 5.0)], "i": [(b"a", 2.0)]}
    srv.restart()
    c = srv.client()
    assert {k: c.zrange(k, 0, -1, withscores=True) for k in ("u", "i")} == want


# ---- INCREX -------------------------------------------------------------------------------

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63


def ix(c, *args):
    return c.execute_command("INCREX", *args)


def test_increx_defaults_and_increments(r):
    assert ix(r, "k") == [1, 1]
    assert r.get("k") == b"1" and r.object("encoding", "k") == b"int"
    assert ix(r, "k", "BYINT", 5) == [6, 5]
    assert ix(r, "k", "byint", -10) == [-4, -10]
    assert ix(r, "k", "BYINT", 0) == [-4, 0]
    # float mode: bulk strings in RESP2, the text INCRBYFLOAT would store
    assert ix(r, "k", "BYFLOAT", "0.25") == [b"-3.75", b"0.25"]
    assert r.get("k") == b"-3.75"
    r.set("f", "10.5")
    r.incrbyfloat("g", "10.5")
    assert ix(r, "f", "BYFLOAT", "-0.5") == [b"10", b"-0.5"]
    assert ix(r, "f", "BYFLOAT", "1e3") == [b"1010", b"1000"]
    # no negative zero, as INCRBYFLOAT
    r.delete("z")
    ix(r, "z", "BYFLOAT", 1 / 41)
    assert ix(r, "z", "BYFLOAT", -1 / 41)[0] == b"0" and r.get("z") == b"0"
    # an integer key read in float mode and back
    r.set("n", 7)
    assert ix(r, "n", "BYFLOAT", "1") == [b"8", b"1"]
    assert ix(r, "n") == [9, 1]


def test_increx_reply_types_resp3(raw):
    c = raw()
    c.call("HELLO", "3")
    assert c.call("INCREX", "k", "BYINT", "5") == [5, 5]
    got = c.call("INCREX", "k", "BYFLOAT", "1.5")
    assert [type(x).__name__ for x in got] == ["Double", "Double"]
    assert [float(x) for x in got] == [6.5, 1.5]
    got = c.call("INCREX", "k", "BYFLOAT", "1", "UBOUND", "2")
    assert [float(x) for x in got] == [6.5, 0.0]


def test_increx_bounds_reject_or_saturate(r):
    r.set("k", 10)
    assert ix(r, "k", "BYINT", 10, "UBOUND", 15) == [10, 0]
    assert ix(r, "k", "BYINT", 10, "UBOUND", 15, "SATURATE") == [15, 5]
    assert ix(r, "k", "BYINT", -20, "LBOUND", 5) == [15, 0]
    assert ix(r, "k", "BYINT", -20, "LBOUND", 5, "SATURATE") == [5, -10]
    assert ix(r, "k", "BYINT", 5, "LBOUND", 0, "UBOUND", 10) == [10, 5]  # exactly on a bound
    assert ix(r, "k", "BYINT", -10, "LBOUND", 0) == [0, -10]
    # a value already outside the range: refused, or saturated to the bound it is past
    r.set("k", 50)
    assert ix(r, "k", "BYINT", 5, "UBOUND", 30) == [50, 0]
    assert ix(r, "k", "BYINT", 5, "UBOUND", 30, "SATURATE") == [30, -20]
    r.set("k", 50)
    assert ix(r, "k", "BYINT", -25, "UBOUND", 30) == [25, -25]
    # integer overflow is past the type's limit
    r.set("k", LLONG_MAX - 7)
    assert ix(r, "k", "BYINT", LLONG_MAX - 7) == [LLONG_MAX - 7, 0]
    assert ix(r, "k", "BYINT", LLONG_MAX - 7, "SATURATE") == [LLONG_MAX, 7]
    r.set("k", LLONG_MIN + 8)
    assert ix(r, "k", "BYINT", LLONG_MIN + 8, "LBOUND", LLONG_MIN) == [LLONG_MIN + 8, 0]
    assert ix(r, "k", "BYINT", LLONG_MIN + 8, "SATURATE") == [LLONG_MIN, -8]
    r.set("k", LLONG_MAX - 7)
    assert err(ix, r, "k", "BYINT", 1, "SATURATE", "UBOUND", LLONG_MIN) == \
        "applied increment would overflow"
    assert r.get("k") == str(LLONG_MAX - 7).encode()
    # a missing key that would start out of range is not created
    r.delete("k")
    assert ix(r, "k", "BYINT", 5, "LBOUND", 10) == [0, 0]
    assert ix(r, "k", "BYINT", 15, "UBOUND", 10) == [0, 0]
    assert r.exists("k") == 0
    assert ix(r, "k", "LBOUND", 5, "SATURATE") == [5, 5]
    # float mode
    r.set("f", 10)
    assert ix(r, "f", "BYFLOAT", 10, "UBOUND", "15.5") == [b"10", b"0"]
    assert ix(r, "f", "BYFLOAT", 10, "UBOUND", "15.5", "SATURATE") == [b"15.5", b"5.5"]
    assert ix(r, "f", "BYFLOAT", -100, "LBOUND", "-5.5", "SATURATE") == [b"-5.5", b"-21"]
    assert ix(r, "f", "BYFLOAT", "0.5", "LBOUND", "-6", "UBOUND", 10) == [b"-5", b"0.5"]
    # overflow to infinity: refused, or the largest long double with SATURATE
    big = "9" + "0" * 4931
    r.set("f", big, ex=100)
    got = ix(r, "f", "BYFLOAT", big, "EX", 5)
    assert got[1] == b"0" and got[0].startswith(b"8999999") and len(got[0]) == 4932
    assert r.get("f") == big.encode() and r.ttl("f") > 50
    sat = ix(r, "f", "BYFLOAT", big, "SATURATE")
    assert sat[0].startswith(b"11897314953572317") and len(sat[0]) == 4933
    assert r.get("f") == sat[0]


def test_increx_expiry(r):
    assert ix(r, "k", "BYINT", 1, "EX", 100) == [1, 1]
    assert 95 <= r.ttl("k") <= 100
    assert ix(r, "k", "PX", 50000) == [2, 1]
    assert 45000 <= r.pttl("k") <= 50000
    assert ix(r, "k") == [3, 1]  # no option keeps the TTL
    assert 45000 <= r.pttl("k") <= 50000
    # ENX: only when the key has no TTL (a window's first hit starts it)
    assert ix(r, "k", "EX", 1000, "ENX") == [4, 1]
    assert r.pttl("k") <= 50000
    r.persist("k")
    assert ix(r, "k", "ENX", "EX", 1000) == [5, 1]
    assert 995 <= r.ttl("k") <= 1000
    assert ix(r, "new", "BYINT", 3, "PX", 20000, "ENX") == [3, 3]
    assert 15000 <= r.pttl("new") <= 20000
    # PERSIST
    assert ix(r, "k", "PERSIST") == [6, 1]
    assert r.ttl("k") == -1
    assert ix(r, "k", "PERSIST") == [7, 1]
    # absolute times
    t = int(r.time()[0])
    assert ix(r, "k", "EXAT", t + 500) == [8, 1]
    assert 495 <= r.ttl("k") <= 500
    assert ix(r, "k", "PXAT", (t + 600) * 1000) == [9, 1]
    assert 595 <= r.ttl("k") <= 600
    # a refused increment changes no TTL
    r.set("b", 10)
    assert ix(r, "b", "BYINT", 100, "UBOUND", 15, "EX", 100) == [10, 0]
    assert r.ttl("b") == -1
    r.set("b", 10, ex=500)
    assert ix(r, "b", "BYINT", 100, "UBOUND", 15, "PERSIST") == [10, 0]
    assert 495 <= r.ttl("b") <= 500
    assert ix(r, "b", "BYINT", 100, "UBOUND", 15, "SATURATE", "EX", 200) == [15, 5]
    assert 195 <= r.ttl("b") <= 200
    # a past absolute time deletes the key (the reply is the value it would have had)
    r.set("p", 10)
    assert ix(r, "p", "EXAT", 1) == [11, 1]
    assert r.exists("p") == 0
    assert ix(r, "p", "BYINT", 4, "PXAT", 1) == [4, 4]
    assert r.exists("p") == 0
    # ... unless ENX leaves an existing TTL alone
    r.set("p", 10, ex=500)
    assert ix(r, "p", "EXAT", 1, "ENX") == [11, 1]
    assert r.get("p") == b"11" and r.ttl("p") > 400


@pytest.mark.parametrize("args,msg", [
    (["FOO"], "syntax error"),
    (["BYINT", 1, "FOO"], "syntax error"),
    (["BYINT"], "syntax error"),
    (["LBOUND"], "syntax error"),
    (["EX"], "syntax error"),
    (["NX"], "syntax error"),
    (["XX"], "syntax error"),
    (["KEEPTTL"], "syntax error"),
    (["BYINT", 1, "BYFLOAT", "1.5"], "syntax error"),
    (["BYFLOAT", "1.5", "BYINT", 1], "syntax error"),
    (["BYINT", 1, "BYINT", 2], "syntax error"),
    (["LBOUND", 0, "LBOUND", 1], "syntax error"),
    (["UBOUND", 9, "UBOUND", 8], "syntax error"),
    (["SATURATE", "SATURATE"], "syntax error"),
    (["EX", 10, "EX", 20], "syntax error"),
    (["EX", 10, "PX", 5000], "syntax error"),
    (["PXAT", 1, "EXAT", 1], "syntax error"),
    (["EX", 10, "PERSIST"], "syntax error"),
    (["PERSIST", "EX", 10], "syntax error"),
    (["PERSIST", "PERSIST"], "syntax error"),
    (["PERSIST", "ENX"], "syntax error"),
    (["ENX", "PERSIST"], "syntax error"),
    (["ENX", "ENX", "EX", 10], "syntax error"),
    (["ENX"], "ENX flag requires an expiration"),
    (["BYINT", 1, "ENX"], "ENX flag requires an expiration"),
    (["BYINT", "abc"], "Increment is not an integer or out of range"),
    (["BYINT", "1.5"], "Increment is not an integer or out of range"),
    (["BYINT", "9223372036854775808"], "Increment is not an integer or out of range"),
    (["BYFLOAT", "abc"], "Increment is not a valid float"),
    (["BYFLOAT", "nan"], "Increment is not a valid float"),
    (["BYFLOAT", "1e99999"], "Increment is not a valid float"),
    (["BYFLOAT", "inf"], "BYFLOAT increment cannot be Infinity"),
    (["BYFLOAT", "-inf"], "BYFLOAT increment cannot be Infinity"),
    (["UBOUND", "12.5"], "UBOUND is not an integer or out of range"),
    (["BYINT", 1, "LBOUND", "abc"], "LBOUND is not an integer or out of range"),
    (["BYFLOAT", 1, "UBOUND", "abc"], "UBOUND is not a valid float"),
    (["BYFLOAT", 1, "LBOUND", "inf"], "LBOUND is not a valid float"),
    (["LBOUND", 10, "UBOUND", 5], "LBOUND can't be greater than UBOUND"),
    (["LBOUND", 10, "UBOUND", 5, "SATURATE"], "LBOUND can't be greater than UBOUND"),
    (["BYFLOAT", "0.5", "LBOUND", "10.5", "UBOUND", "1.5"], "LBOUND can't be greater than UBOUND"),
    (["EX", 0], "invalid expire time in 'increx' command"),
    (["PX", -1], "invalid expire time in 'increx' command"),
    (["EX", 2**62], "invalid expire time in 'increx' command"),
    (["EXAT", "x"], "value is not an integer or out of range"),
])
def test_increx_argument_errors(r, args, msg):
    r.set("k", 5, ex=100)
    assert err(ix, r, "k", *args) == msg
    assert r.get("k") == b"5" and r.ttl("k") > 0


def test_increx_value_errors_and_wrongtype(r):
    r.rpush("l", "a")
    for args in ([], ["BYINT", 1], ["BYFLOAT", "1.5"], ["EXAT", 1]):
        assert err(ix, r, "l", *args) == E_WRONGTYPE
    r.set("s", "hello")
    assert err(ix, r, "s") == "value is not an integer or out of range"
    assert err(ix, r, "s", "EXAT", 1) == "value is not an integer or out of range"
    assert err(ix, r, "s", "BYFLOAT", 1) == "value is not a valid float"
    r.set("s", "1.5")
    assert err(ix, r, "s", "BYINT", 1) == "value is not an integer or out of range"
    r.set("s", "inf")
    assert err(ix, r, "s", "BYFLOAT", 1) == "value cannot be Infinity"
    assert err(ix, r, "s", "BYINT", 1) == "value is not an integer or out of range"
    assert r.get("s") == b"inf" and r.exists("s") == 1
    assert err(r.execute_command, "INCREX") == "wrong number of arguments for 'increx' command"


def test_increx_model(r):
    """Random integer-mode INCREX against a model of the documented rules."""
    rnd = random.Random(8)
    vals = {}
    for _ in range(1500):
        k = rnd.choice(["a", "b", "c"])
        by = rnd.choice([1, -1, 3, -7, 100, 0, LLONG_MAX, LLONG_MIN, rnd.randint(-10**18, 10**18)])
        args, lb, ub = ["BYINT", by], LLONG_MIN, LLONG_MAX
        if rnd.random() < 0.5:
            lb = rnd.choice([-50, 0, 10, LLONG_MIN, rnd.randint(-10**6, 10**6)])
            args += ["LBOUND", lb]
        if rnd.random() < 0.5:
            ub = rnd.choice([50, 0, 1000, LLONG_MAX, rnd.randint(-10**6, 10**6)])
            args += ["UBOUND", ub]
        sat = rnd.random() < 0.5
        if sat:
            args.append("SATURATE")
        if lb > ub:
            assert err(ix, r, k, *args) == "LBOUND can't be greater than UBOUND"
            continue
        cur = vals.get(k, 0)
        v = cur + by
        stored = True
        if v > LLONG_MAX or v < LLONG_MIN:
            stored = sat
            v = LLONG_MAX if v > LLONG_MAX else LLONG_MIN
        if stored and (v < lb or v > ub):
            stored = sat
            v = lb if v < lb else ub
        if stored and not (LLONG_MIN <= v - cur <= LLONG_MAX):
            assert err(ix, r, k, *args) == "applied increment would overflow"
            continue
        want = [v, v - cur] if stored else [cur, 0]
        assert ix(r, k, *args) == want, (k, cur, args)
        if stored:
            vals[k] = v
        assert r.get(k) == (str(vals[k]).encode() if k in vals else None)


def test_increx_events_aof_and_redis_7_loads_it(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.config_set("notify-keyspace-events", "KEA")
    p = srv.client().pubsub()
    p.psubscribe("__keyevent@0__:*")
    assert p.get_message(timeout=5)["type"] == "psubscribe"
    ix(c, "i", "BYINT", 5)                            # SET i 5 KEEPTTL
    ix(c, "f", "BYFLOAT", "0.1")                      # SET f 0.1 KEEPTTL
    ix(c, "f", "BYFLOAT", "0.2")
    ix(c, "i", "EX", 1000)                            # SET i 6 PXAT ..
    ix(c, "i", "EX", 5, "ENX")                        # SET i 7 KEEPTTL (TTL kept)
    ix(c, "i", "PERSIST")                             # SET i 8
    ix(c, "j", "PX", 100000, "ENX")                   # SET j 1 PXAT ..
    ix(c, "i", "BYINT", 100, "UBOUND", 10)            # refused: nothing
    ix(c, "s", "BYINT", 100, "UBOUND", 10, "SATURATE", "PERSIST")  # SET s 10
    c.set("gone", 1)
    ix(c, "gone", "EXAT", 1)                          # DEL gone
    ix(c, "never", "PXAT", 1)                         # nothing
    pipe = c.pipeline(transaction=True)
    pipe.execute_command("INCREX", "m", "BYINT", 2)
    pipe.execute_command("INCREX", "m", "BYFLOAT", "0.5", "LBOUND", 0)
    assert pipe.execute() == [[2, 2], [b"2.5", b"0.5"]]
    assert events(p) == [
        ("incrby", "i"), ("incrbyfloat", "f"), ("incrbyfloat", "f"), ("incrby", "i"),
        ("expire", "i"), ("incrby", "i"), ("incrby", "i"), ("persist", "i"), ("incrby", "j"),
        ("expire", "j"), ("incrby", "s"), ("set", "gone"), ("del", "gone"), ("incrby", "m"),
        ("incrbyfloat", "m")]
    p.close()
    keys = ["i", "f", "j", "s", "m", "gone", "never"]
    want = {k: (c.get(k), c.execute_command("PEXPIRETIME", k)) for k in keys}
    assert want["f"][0] == b"0.3" and want["i"] == (b"8", -1) and want["j"][1] > 0
    incr = b""
    import os
    d = os.path.join(srv.dir, "appendonlydir")
    for name in sorted(os.listdir(d)):
        if ".incr." in name:
            with open(os.path.join(d, name), "rb") as f:
                incr += f.read()
    assert b"INCREX" not in incr.upper()
    assert b"*4\r\n$3\r\nSET\r\n$1\r\ni\r\n$1\r\n5\r\n$7\r\nKEEPTTL\r\n" in incr
    assert b"*3\r\n$3\r\nSET\r\n$1\r\ni\r\n$1\r\n8\r\n" in incr
    assert b"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$2\r\n10\r\n" in incr
    assert b"*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n" in incr
    assert b"never" not in incr
    assert b"$4\r\nPXAT\r\n" in incr
    srv.restart()
    c = srv.client()
    assert {k: (c.get(k), c.execute_command("PEXPIRETIME", k)) for k in keys} == want
    # Redis 7.0 replays the same records to the same state
    srv.stop()
    red = make_server(kind="redis", args=["--appendonly", "yes"])
    red.stop()
    import shutil
    shutil.rmtree(red.dir)
    shutil.copytree(srv.dir, red.dir)
    red.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    rc = red.client()
    assert {k: (rc.get(k), rc.execute_command("PEXPIRETIME", k)) for k in keys} == want


def test_increx_metadata_and_acl(r, rr, raw):
    c = raw()
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "INCREX", "k", "BYINT", 1, "EX", 5) == [
        [b"k", [b"RW", b"access", b"update"]]]
    e = c.call("COMMAND", "INFO", "increx")[0]
    assert e[0] == b"increx" and e[1] == -2 and e[3:6] == [1, 1, 1]
    assert sorted(e[2]) == [b"denyoom", b"fast", b"write"]
    assert e[6] == [b"@write", b"@string", b"@fast"]
    r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "+@all", "~app:*")
    try:
        app = rr(username="app", password="pw")
        assert ix(app, "app:1") == [1, 1]
        assert "no permissions to access one of the keys" in err(ix, app, "other")
        r.execute_command("ACL", "SETUSER", "app", "-@string")
        assert "no permissions to run the 'increx' command" in err(ix, app, "app:1")
    finally:
        r.execute_command("ACL", "DELUSER", "app")
    assert "Write commands are not allowed from read-only scripts" in err(
        r.eval_ro, "return redis.call('INCREX', KEYS[1])", 1, "k")
    assert r.eval("return redis.call('INCREX', KEYS[1], 'BYINT', 4)", 1, "k") == [4, 4]
