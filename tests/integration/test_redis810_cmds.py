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
