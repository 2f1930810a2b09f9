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

from testlib import RespError, redis_on_aof_of, streamd_only

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
            members = ref.sunion(*keys)
            union = len(members)
            diff = len(ref.sdiff(*keys))
            # APPROX is a HyperLogLog estimate (redis/redis#14893): what
            # 7.0's PFCOUNT says of the union's members
            ref.delete("hll")
            ref.pfadd("hll", *members)
            approx = ref.pfcount("hll")
            assert r.execute_command("SUNIONCARD", len(keys), *keys) == union, keys
            assert r.execute_command("SDIFFCARD", len(keys), *keys) == diff, keys
            assert r.execute_command("SUNIONCARD", len(keys), *keys, "APPROX") == approx
            for limit in (0, 1, 2, 5, 1000):
                want_u = min(union, limit) if limit else union
                want_d = min(diff, limit) if limit else diff
                want_a = min(approx, limit) if limit else approx
                assert r.execute_command("SUNIONCARD", len(keys), *keys, "LIMIT", limit) == want_u
                assert r.execute_command("SDIFFCARD", len(keys), *keys, "LIMIT", limit) == want_d
                assert r.execute_command("SUNIONCARD", len(keys), *keys, "LIMIT", limit,
                                         "APPROX") == want_a


def test_approx_is_7_0_pfcount_of_the_union(r, ref):
    """Where a HyperLogLog estimate differs from the exact count: unions of
    thousands of members, intsets (members hashed as their decimal text)
    and strings, against 7.0's PFADD + PFCOUNT of the same members."""
    r.sadd("ints", *range(-3000, 9000))  # an intset
    r.sadd("strs", *["m%d" % i for i in range(0, 15000, 3)])
    r.sadd("mixed", *(["m%d" % i for i in range(0, 15000, 5)] + list(range(5000, 12000))))
    for keys in (["ints"], ["strs"], ["ints", "strs"], ["strs", "mixed", "ints", "nokey"]):
        members = set()
        for k in keys:
            members |= r.smembers(k)
        ref.delete("hll")
        m = list(members)
        for i in range(0, len(m), 5000):
            ref.pfadd("hll", *m[i:i + 5000])
        approx = ref.pfcount("hll")
        assert approx != len(members)  # an estimate, not the count
        assert r.execute_command("SUNIONCARD", len(keys), *keys, "APPROX") == approx
        assert r.execute_command("SUNIONCARD", len(keys), *keys, "APPROX", "LIMIT",
                                 approx - 1) == approx - 1
        assert r.execute_command("SUNIONCARD", len(keys), *keys, "LIMIT", approx + 1,
                                 "APPROX") == approx
    # an intset of 7.0's default size limit, members hashed as decimal text
    r.sadd("small", *range(-100000, 100000, 400))
    assert r.object("encoding", "small") == b"intset"
    ref.delete("hll")
    ref.pfadd("hll", *range(-100000, 100000, 400))
    assert r.execute_command("SUNIONCARD", 1, "small", "APPROX") == ref.pfcount("hll")


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
    (["BYFLOAT", 1, "LBOUND", "nan"], "LBOUND is not a valid float"),
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
    red = redis_on_aof_of(make_server, srv)
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


# ---- LMOVEM / BLMOVEM -----------------------------------------------------------------------


def lists(c, keys):
    return {k: c.lrange(k, 0, -1) for k in keys if c.exists(k)}


def test_lmovem_docs_examples(r):
    r.rpush("l1", 1, 2, 3, 4)
    r.rpush("l2", 5, 6, 7)
    assert r.execute_command("LMOVEM", "l1", "l2", "LEFT", "LEFT", "COUNT", 2, "OBO") == [b"2", b"1"]
    assert r.lrange("l2", 0, -1) == [b"2", b"1", b"5", b"6", b"7"]
    r.delete("l1", "l2")
    r.rpush("l1", 1, 2, 3, 4)
    assert r.execute_command("LMOVEM", "l1", "l2", "LEFT", "LEFT", "COUNT", 2, "BULK") == [b"1", b"2"]
    assert r.lrange("l2", 0, -1) == [b"1", b"2"]
    r.delete("l1")
    r.rpush("l1", 1, 2)
    assert r.execute_command("LMOVEM", "l1", "l2", "LEFT", "LEFT", "EXACTLY", 3, "BULK") is None
    assert r.lrange("l1", 0, -1) == [b"1", b"2"]


@pytest.mark.parametrize("big", [False, True])
def test_lmovem_orders(r, big):
    """Each side pair, OBO and BULK, short and long (multi-node) lists."""
    x = "x" * 300 if big else "x"
    for frm in ("LEFT", "RIGHT"):
        for to in ("LEFT", "RIGHT"):
            for order in ("OBO", "BULK"):
                r.delete("s", "d")
                src = [x, "1", "2", "3", "4", "5", x + "y"] * (30 if big else 1)
                r.rpush("s", *src)
                r.rpush("d", "a", "b")
                n = 3 if not big else 100
                block = src[:n] if frm == "LEFT" else src[-n:]
                rest = src[n:] if frm == "LEFT" else src[:-n]
                if order == "BULK":
                    moved = block
                else:  # pushed as popped
                    popped = block if frm == "LEFT" else block[::-1]
                    moved = popped if to == "RIGHT" else popped[::-1]
                want_d = ["a", "b"] + moved if to == "RIGHT" else moved + ["a", "b"]
                got = r.execute_command("LMOVEM", "s", "d", frm, to, "COUNT", n, order)
                enc = [v.encode() for v in moved]
                assert got == enc, (frm, to, order)
                assert r.lrange("d", 0, -1) == [v.encode() for v in want_d]
                assert r.lrange("s", 0, -1) == [v.encode() for v in rest]


def test_lmovem_obo_is_lmove_repeated_as_7_0_does_it(r, ref):
    rnd = random.Random(810)
    keys = ["a", "b", "c"]
    for k in keys:
        vals = ["%s%d" % (k, i) for i in range(rnd.randint(1, 12))]
        for c in (r, ref):
            c.rpush(k, *vals)
    for _ in range(300):
        src, dst = rnd.choice(keys), rnd.choice(keys)
        frm, to = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
        if src == dst and frm == to:
            continue  # LMOVE k k LEFT LEFT moves nothing; LMOVEM pops the block first
        n = rnd.randint(1, 6)
        if rnd.random() < 0.1:
            ref.rpush(src, "p%d" % _)
            r.rpush(src, "p%d" % _)
        if src == dst:  # LMOVE repeated past the length would go round again
            n = max(1, min(n, ref.llen(src)))
        got = r.execute_command("LMOVEM", src, dst, frm, to, "COUNT", n, "OBO")
        moved = []
        for _i in range(n):
            v = ref.lmove(src, dst, frm, to)
            if v is None:
                break
            moved.append(v)
        if not moved:
            assert got is None
            continue
        # as the elements now sit in dst, left to right
        assert got == (moved if to == "RIGHT" else moved[::-1]), (src, dst, frm, to, n, moved)
        assert lists(r, keys) == lists(ref, keys)


def test_lmovem_counts_missing_same_key(r):
    r.rpush("s", "a", "b", "c")
    assert r.execute_command("LMOVEM", "s", "d", "LEFT", "RIGHT") == [b"a"]
    assert r.execute_command("LMOVEM", "s", "d", "LEFT", "RIGHT", "COUNT", 100, "BULK") == [b"b", b"c"]
    assert r.exists("s") == 0 and r.lrange("d", 0, -1) == [b"a", b"b", b"c"]
    assert r.execute_command("LMOVEM", "s", "d", "LEFT", "RIGHT") is None
    assert r.execute_command("LMOVEM", "s", "e", "LEFT", "RIGHT", "COUNT", 5, "BULK") is None
    assert r.execute_command("LMOVEM", "s", "e", "LEFT", "RIGHT", "EXACTLY", 1, "OBO") is None
    assert r.exists("e") == 0
    assert r.execute_command("LMOVEM", "d", "e", "RIGHT", "LEFT", "EXACTLY", 3, "OBO") == \
        [b"a", b"b", b"c"]
    assert r.exists("d") == 0
    r.rpush("k", 1, 2, 3, 4, 5)
    assert r.execute_command("LMOVEM", "k", "k", "LEFT", "RIGHT", "COUNT", 2, "BULK") == [b"1", b"2"]
    assert r.lrange("k", 0, -1) == [b"3", b"4", b"5", b"1", b"2"]
    assert r.execute_command("LMOVEM", "k", "k", "RIGHT", "RIGHT", "EXACTLY", 5, "OBO") == \
        [b"2", b"1", b"5", b"4", b"3"]
    assert r.lrange("k", 0, -1) == [b"2", b"1", b"5", b"4", b"3"]


def test_lmovem_errors(r, raw):
    r.rpush("s", "a", "b")
    c = raw()
    for args in (["COUNT", 0, "BULK"], ["EXACTLY", 0, "BULK"], ["COUNT", -1, "OBO"],
                 ["COUNT", "a", "BULK"], ["count", "1.5", "bulk"]):
        assert err(r.execute_command, "LMOVEM", "s", "d", "LEFT", "RIGHT", *args) == \
            "count should be greater than 0"
    for args in (["COUNT", 2], ["COUNT", 2, "OBO", "x"], ["BAD", 2, "OBO"], ["COUNT", 2, "BAD"],
                 ["COUNT"], ["OBO", 2, "COUNT"]):
        assert err(r.execute_command, "LMOVEM", "s", "d", "LEFT", "RIGHT", *args) == \
            "syntax error", args
    assert err(r.execute_command, "LMOVEM", "s", "d", "UP", "RIGHT") == "syntax error"
    assert err(r.execute_command, "LMOVEM", "s", "d", "LEFT", "DOWN", "COUNT", 1, "OBO") == \
        "syntax error"
    assert err(r.execute_command, "LMOVEM", "s", "d", "LEFT") == \
        "wrong number of arguments for 'lmovem' command"
    assert err(r.execute_command, "BLMOVEM", "s", "d", "LEFT", "RIGHT") == \
        "wrong number of arguments for 'blmovem' command"
    assert err(r.execute_command, "BLMOVEM", "s", "d", "LEFT", "RIGHT", "-1") == \
        "timeout is negative"
    assert err(r.execute_command, "BLMOVEM", "s", "d", "LEFT", "RIGHT", "x") == \
        "timeout is not a float or out of range"
    assert err(r.execute_command, "BLMOVEM", "s", "d", "LEFT", "RIGHT", 0, "COUNT", 0, "OBO") == \
        "count should be greater than 0"
    assert err(r.execute_command, "BLMOVEM", "s", "d", "LEFT", "RIGHT", 0, "COUNT", 1) == \
        "syntax error"
    r.set("str", "v")
    assert err(r.execute_command, "LMOVEM", "str", "d", "LEFT", "RIGHT") == E_WRONGTYPE
    assert err(r.execute_command, "LMOVEM", "s", "str", "LEFT", "RIGHT", "COUNT", 2, "BULK") == \
        E_WRONGTYPE
    assert err(r.execute_command, "BLMOVEM", "s", "str", "LEFT", "RIGHT", 0) == E_WRONGTYPE
    assert r.lrange("s", 0, -1) == [b"a", b"b"]
    # as LMOVE, a missing source does not look at the destination
    assert r.execute_command("LMOVEM", "nokey", "str", "LEFT", "RIGHT") is None
    c.call("HELLO", "3")
    assert c.call("LMOVEM", "nokey", "d", "LEFT", "RIGHT") is None


def test_lmovem_events(r, rr):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = rr().pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=5)["type"] == "psubscribe"
        r.rpush("k", "a", "b")
        r.rpush("last", "a")
        r.execute_command("LMOVEM", "k", "k", "LEFT", "RIGHT")
        r.execute_command("LMOVEM", "k", "d", "RIGHT", "LEFT", "COUNT", 5, "BULK")
        r.execute_command("LMOVEM", "last", "new", "LEFT", "RIGHT", "EXACTLY", 1, "OBO")
        r.execute_command("LMOVEM", "last", "new", "LEFT", "RIGHT", "EXACTLY", 1, "OBO")
        r.execute_command("LMOVEM", "new", "x", "LEFT", "RIGHT", "EXACTLY", 2, "OBO")
        assert events(p) == [
            ("rpush", "k"), ("rpush", "last"),
            ("rpush", "k"), ("lpop", "k"),
            ("lpush", "d"), ("rpop", "k"), ("del", "k"),
            ("rpush", "new"), ("lpop", "last"), ("del", "last")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


def test_blmovem_serves_at_once_and_in_multi_or_script(r):
    r.rpush("s", 1, 2, 3)
    assert r.execute_command("BLMOVEM", "s", "d", "LEFT", "RIGHT", 0, "COUNT", 2, "BULK") == \
        [b"1", b"2"]
    assert r.execute_command("BLMOVEM", "s", "d", "LEFT", "RIGHT", 0) == [b"3"]
    p = r.pipeline(transaction=True)
    p.execute_command("BLMOVEM", "s", "d", "LEFT", "RIGHT", 0, "EXACTLY", 3, "BULK")
    p.execute_command("BLMOVEM", "d", "s", "LEFT", "RIGHT", 0, "EXACTLY", 3, "OBO")
    p.execute_command("LMOVEM", "s", "d", "LEFT", "RIGHT", "EXACTLY", 9, "OBO")
    assert p.execute() == [None, [b"1", b"2", b"3"], None]
    assert r.eval("return redis.call('BLMOVEM', KEYS[1], KEYS[2], 'LEFT', 'RIGHT', 0, "
                  "'EXACTLY', 5, 'BULK')", 2, "s", "d") is None
    assert r.eval("return redis.call('BLMOVEM', KEYS[1], KEYS[2], 'LEFT', 'RIGHT', 0)",
                  2, "s", "d") == [b"1"]


def test_blmovem_count_wakes_on_first_push(r, raw):
    from testlib import wait_blocked
    c = raw()
    c.send_cmd("BLMOVEM", "s", "d", "LEFT", "RIGHT", "0", "COUNT", "5", "BULK")
    wait_blocked(raw(), 1)
    r.rpush("s", "a", "b")
    assert c.read() == [b"a", b"b"]
    assert r.lrange("d", 0, -1) == [b"a", b"b"] and r.exists("s") == 0


@pytest.mark.parametrize("grow", ["rpush", "linsert", "lmove", "sort", "multi"])
def test_blmovem_exactly_waits_for_enough(r, raw, grow):
    from testlib import blocked_clients, wait_blocked
    c, probe = raw(), raw()
    r.rpush("src", "1")
    c.send_cmd("BLMOVEM", "src", "dst", "LEFT", "RIGHT", "0", "EXACTLY", "3", "BULK")
    wait_blocked(probe, 1)
    r.rpush("src", "2")  # two: not enough, it stays blocked and nothing moves
    assert r.lrange("src", 0, -1) == [b"1", b"2"] and r.exists("dst") == 0
    assert blocked_clients(probe) == 1
    if grow == "rpush":
        r.rpush("src", "3")
    elif grow == "linsert":
        r.linsert("src", "AFTER", "2", "3")
    elif grow == "lmove":
        r.rpush("feed", "3")
        r.lmove("feed", "src", "LEFT", "RIGHT")
    elif grow == "sort":
        r.rpush("feed", "3", "1", "2")
        r.sort("feed", store="src")
    else:
        p = r.pipeline(transaction=True)
        p.rpush("src", "3")
        p.lpop("src")  # down to two inside the transaction: served after EXEC only if enough
        p.rpush("src", "4")
        p.execute()
    got = c.read()
    want = {"rpush": [b"1", b"2", b"3"], "linsert": [b"1", b"2", b"3"],
            "lmove": [b"1", b"2", b"3"], "sort": [b"1", b"2", b"3"],
            "multi": [b"2", b"3", b"4"]}[grow]
    assert got == want
    assert r.lrange("dst", 0, -1) == want and r.exists("src") == 0


def test_blmovem_exactly_keeps_its_turn(r, raw):
    from testlib import wait_blocked
    probe = raw()
    m, p1, p2 = raw(), raw(), raw()
    m.send_cmd("BLMOVEM", "src", "dst", "LEFT", "RIGHT", "0", "EXACTLY", "2", "BULK")
    wait_blocked(probe, 1)
    p1.send_cmd("BLPOP", "src", "0")
    wait_blocked(probe, 2)
    p2.send_cmd("BLPOP", "src", "0")
    wait_blocked(probe, 3)
    r.rpush("src", "a")
    assert p1.read() == [b"src", b"a"]
    r.rpush("src", "b", "c")
    assert m.read() == [b"b", b"c"]
    r.rpush("src", "d")
    assert p2.read() == [b"src", b"d"]


def test_blmovem_timeout_and_dst_wrongtype(r, raw):
    from testlib import wait_blocked
    c = raw()
    c.send_cmd("BLMOVEM", "src", "dst", "LEFT", "RIGHT", "0.05", "EXACTLY", "3", "BULK")
    assert c.read() is None
    c.call("HELLO", "3")
    c.send_cmd("BLMOVEM", "src", "dst", "LEFT", "RIGHT", "0.05")
    assert c.read() is None
    r.set("dst", "string")
    c.send_cmd("BLMOVEM", "src", "dst", "LEFT", "RIGHT", "0", "COUNT", "2", "OBO")
    wait_blocked(raw(), 1)
    r.rpush("src", "a")
    assert isinstance(c.read(), RespError)
    assert r.lrange("src", 0, -1) == [b"a"]


def test_lmovem_propagation_aof_and_acl(make_server):
    from testlib import wait_blocked
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.rpush("s", *[str(i) for i in range(10)])
    c.execute_command("LMOVEM", "s", "d", "left", "right", "count", 2, "bulk")
    c.execute_command("LMOVEM", "s", "d", "RIGHT", "LEFT", "EXACTLY", 3, "OBO")
    c.execute_command("LMOVEM", "s", "d", "LEFT", "LEFT", "EXACTLY", 99, "OBO")  # nothing
    c.execute_command("BLMOVEM", "s", "d", "left", "left", 0, "count", 50, "bulk")
    w = srv.raw()
    w.send_cmd("BLMOVEM", "q", "d", "right", "left", "0", "EXACTLY", "2", "OBO")
    wait_blocked(srv.raw(), 1)
    c.rpush("q", "x", "y", "z")
    assert w.read() == [b"y", b"z"]
    want = lists(c, ["s", "d", "q"])
    assert want == {"d": [b"y", b"z", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b"0",
                          b"1"], "q": [b"x"]}
    import os
    d = os.path.join(srv.dir, "appendonlydir")
    incr = b""
    for name in sorted(os.listdir(d)):
        if ".incr." in name:
            with open(os.path.join(d, name), "rb") as f:
                incr += f.read()
    assert b"BLMOVEM" not in incr.upper()
    assert (b"*8\r\n$6\r\nLMOVEM\r\n$1\r\ns\r\n$1\r\nd\r\n$4\r\nleft\r\n$5\r\nright\r\n"
            b"$5\r\ncount\r\n$1\r\n2\r\n$4\r\nbulk\r\n") in incr
    assert (b"$6\r\nLMOVEM\r\n$1\r\ns\r\n$1\r\nd\r\n$4\r\nleft\r\n$4\r\nleft\r\n"
            b"$7\r\nEXACTLY\r\n$1\r\n5\r\n$4\r\nBULK\r\n") in incr
    assert (b"$6\r\nLMOVEM\r\n$1\r\nq\r\n$1\r\nd\r\n$5\r\nright\r\n$4\r\nleft\r\n"
            b"$7\r\nEXACTLY\r\n$1\r\n2\r\n$3\r\nOBO\r\n") in incr
    assert b"99" not in incr
    srv.restart()
    c = srv.client()
    assert lists(c, ["s", "d", "q"]) == want
    r = srv.raw()
    assert r.call("COMMAND", "GETKEYSANDFLAGS", "BLMOVEM", "a", "b", "LEFT", "LEFT", "0") == [
        [b"a", [b"RW", b"access", b"delete"]], [b"b", [b"RW", b"insert"]]]
    info = r.call("COMMAND", "INFO", "lmovem", "blmovem")
    assert [e[1] for e in info] == [-5, -6]
    assert sorted(info[0][2]) == [b"denyoom", b"write"]
    assert sorted(info[1][2]) == [b"blocking", b"denyoom", b"write"]
    assert info[1][6] == [b"@write", b"@list", b"@slow", b"@blocking"]
    c.execute_command("ACL", "SETUSER", "app", "on", ">pw", "+@all", "~app:*")
    app = srv.client(username="app", password="pw")
    c.rpush("app:1", "v")
    assert "no permissions to access one of the keys" in err(
        app.execute_command, "LMOVEM", "app:1", "other", "LEFT", "RIGHT")
    c.execute_command("ACL", "SETUSER", "app", "-@blocking")
    assert "no permissions to run the 'blmovem' command" in err(
        app.execute_command, "BLMOVEM", "app:1", "app:2", "LEFT", "RIGHT", 0)
    assert app.execute_command("LMOVEM", "app:1", "app:2", "LEFT", "RIGHT") == [b"v"]


# ---- COMMAND DOCS -------------------------------------------------------------------------


def flat_args(args):
    """(name, token) of every argument, depth first."""
    out = []
    for a in args:
        out.append((a[b"name"].decode(), a.get(b"token", b"").decode()))
        out += flat_args(a.get(b"arguments", []))
    return out


def test_docs(raw):
    c = raw()
    c.call("HELLO", "3")
    docs = c.call("COMMAND", "DOCS", "sunioncard", "sdiffcard", "increx", "lmovem", "blmovem",
                  "zunionstore", "zinter")
    since = {k.decode(): (v[b"since"], v[b"group"]) for k, v in docs.items()}
    assert since == {"sunioncard": (b"8.10.0", b"set"), "sdiffcard": (b"8.10.0", b"set"),
                     "increx": (b"8.8.0", b"string"), "lmovem": (b"8.10.0", b"list"),
                     "blmovem": (b"8.10.0", b"list"), "zunionstore": (b"2.0.0", b"sorted-set"),
                     "zinter": (b"6.2.0", b"sorted-set")}
    assert flat_args(docs[b"sunioncard"][b"arguments"]) == [
        ("numkeys", ""), ("key", ""), ("approx", "APPROX"), ("limit", "LIMIT")]
    assert flat_args(docs[b"sdiffcard"][b"arguments"]) == [
        ("numkeys", ""), ("key", ""), ("limit", "LIMIT")]
    assert [t for _, t in flat_args(docs[b"increx"][b"arguments"]) if t] == [
        "BYFLOAT", "BYINT", "LBOUND", "UBOUND", "SATURATE", "EX", "PX", "EXAT", "PXAT", "PERSIST",
        "ENX"]
    assert flat_args(docs[b"blmovem"][b"arguments"]) == [
        ("source", ""), ("destination", ""), ("wherefrom", ""), ("left", "LEFT"),
        ("right", "RIGHT"), ("whereto", ""), ("left", "LEFT"), ("right", "RIGHT"),
        ("timeout", ""), ("how-many", ""), ("selector", ""), ("count", "COUNT"),
        ("exactly", "EXACTLY"), ("ordering", ""), ("obo", "OBO"), ("bulk", "BULK")]
    assert flat_args(docs[b"lmovem"][b"arguments"]) == [
        a for a in flat_args(docs[b"blmovem"][b"arguments"]) if a[0] != "timeout"]
    for name in (b"zunionstore", b"zinter"):
        agg = [a for a in docs[name][b"arguments"] if a[b"name"] == b"aggregate"][0]
        count = agg[b"arguments"][-1]
        assert (count[b"name"], count[b"token"], count[b"since"]) == (b"count", b"COUNT", b"8.8.0")
        assert docs[name][b"history"][-1] == [b"8.8.0", b"Added the `COUNT` aggregator."]
