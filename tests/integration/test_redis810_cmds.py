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
