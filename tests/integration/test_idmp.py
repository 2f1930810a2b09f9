"""Idempotent producers (Redis 8.6, issue #5): XADD IDMP / IDMPAUTO, XCFGSET,
the XINFO STREAM idmp fields, XIDMPRECORD, and the state across restarts.

Written from the Redis documentation (commands xadd, xcfgset, xinfo-stream,
xidmprecord and the "Idempotent message processing" page) and the rules its
test suite pins down; Debian's redis-server 7.0 has none of this, so these
tests run against streamd only. Times: an iid lives until its entry ID's ms
part is IDMP-DURATION seconds old; the tests that need an old iid record one
for an entry with an old explicit ID instead of sleeping, and one test sleeps
just over a second to see real expiry.
"""

import os
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW
from testlib.cmds import AOF_ALWAYS, x

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.6 feature; Debian's redis-server is 7.0")

IDMP_FIELDS = [b"idmp-duration", b"idmp-maxsize", b"pids-tracked", b"iids-tracked",
               b"iids-added", b"iids-duplicates"]


# ---- helpers -------------------------------------------------------------------------


def xadd(c, key, *args):
    return c.execute_command("XADD", key, *args)


def info(c, key, *extra):
    """XINFO STREAM as an ordered list of (name, value) pairs."""
    flat = c.execute_command("XINFO", "STREAM", key, *extra)
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def idmp(c, key):
    d = dict(info(c, key))
    return {k.decode(): d[k] for k in IDMP_FIELDS}


def err(c, *args):
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command(*args)
    return str(e.value)


def is_id(v):
    ms, _, seq = v.partition(b"-")
    return ms.isdigit() and seq.isdigit()


# ---- XADD IDMP ---------------------------------------------------------------------


def test_idmp_duplicate_returns_the_original_id(r):
    id1 = xadd(r, "s", "IDMP", "p1", "payment-abc", "*", "amount", "100", "currency", "USD")
    assert is_id(id1)
    # the same pair with other fields: the original ID, nothing appended
    assert xadd(r, "s", "IDMP", "p1", "payment-abc", "*", "amount", "200", "currency",
                "EUR") == id1
    assert r.xlen("s") == 1
    assert r.xrange("s") == [(id1, {b"amount": b"100", b"currency": b"USD"})]
    # the documentation's example
    a = xadd(r, "mystream", "IDMP", "producer1", "msg1", "*", "field", "value")
    assert xadd(r, "mystream", "IDMP", "producer1", "msg1", "*", "field", "different_value") == a
    b = xadd(r, "mystream", "IDMPAUTO", "producer2", "*", "field", "value")
    assert b != a
    assert xadd(r, "mystream", "IDMPAUTO", "producer2", "*", "field", "value") == b
    assert x(r, "XCFGSET", "mystream", "IDMP-DURATION", 300, "IDMP-MAXSIZE", 1000) == b"OK"


def test_idmp_distinct_iids_and_producers(r):
    ids = [xadd(r, "s", "IDMP", "p1", "req-%d" % i, "*", "user", u)
           for i, u in enumerate(["alice", "bob", "charlie"])]
    assert len(set(ids)) == 3
    assert [e[1][b"user"] for e in r.xrange("s")] == [b"alice", b"bob", b"charlie"]
    # the same iid under another producer is another message
    other = xadd(r, "s", "IDMP", "p2", "req-0", "*", "user", "dave")
    assert other not in ids
    assert xadd(r, "s", "IDMP", "p1", "req-0", "*", "user", "x") == ids[0]
    assert xadd(r, "s", "IDMP", "p2", "req-0", "*", "user", "x") == other
    assert r.xlen("s") == 4
    assert idmp(r, "s")["pids-tracked"] == 2


def test_idmp_binary_and_odd_ids(r):
    # iids that look like IDs, options or special characters are just bytes
    iids = [b"1", b"A", b"-", b"+", b"*", b"$", b"IDMP", b"123-456", b"\x00\x01\x02\xff",
            "hello\u4e16\u754c".encode(), b"line1\nline2", b"with spaces", b"x" * 65536]
    ids = [xadd(r, "s", "IDMP", "p1", i, "*", "f", "v") for i in iids]
    assert all(is_id(i) for i in ids) and len(set(ids)) == len(iids)
    assert [xadd(r, "s", "IDMP", "p1", i, "*", "f", "dup") for i in iids] == ids
    # binary and long producer IDs are isolated namespaces too
    a = xadd(r, "t", "IDMP", b"\x00\x01\x02", "req", "*", "f", "v")
    b = xadd(r, "t", "IDMP", b"\x03\x04\x05", "req", "*", "f", "v")
    c = xadd(r, "t", "IDMP", "a" * 1000, "req", "*", "f", "v")
    assert len({a, b, c}) == 3
    assert xadd(r, "t", "IDMP", b"\x00\x01\x02", "req", "*", "f", "dup") == a
    assert xadd(r, "t", "IDMP", "a" * 1000, "req", "*", "f", "dup") == c


def test_idmpauto_content_rules(r):
    a = xadd(r, "s", "IDMPAUTO", "p1", "*", "amount", "100", "currency", "USD")
    assert xadd(r, "s", "IDMPAUTO", "p1", "*", "amount", "100", "currency", "USD") == a
    # the order of the pairs does not matter
    assert xadd(r, "s", "IDMPAUTO", "p1", "*", "currency", "USD", "amount", "100") == a
    # values, field names, the field/value split and repeated pairs do
    distinct = [
        ("amount", "200", "currency", "USD"),
        ("amount", "100"),
        ("amount", "100", "currency", "USD", "amount", "100"),
        ("field1", "value"), ("field2", "value"),
        ("ab", "c"), ("a", "bc"),
        ("field", ""), ("field", "value"),
        ("k", b"\x00\x01\x02\xff"), ("message", "h\u00e9llo"),
        ("data", "x" * 10000),
        tuple(v for i in range(8) for v in ("f%d" % i, "v%d" % i)),
    ]
    ids = [xadd(r, "s", "IDMPAUTO", "p1", "*", *fv) for fv in distinct]
    assert len(set(ids + [a])) == len(distinct) + 1
    assert [xadd(r, "s", "IDMPAUTO", "p1", "*", *fv) for fv in distinct] == ids
    assert r.xlen("s") == len(distinct) + 1
    # the same content under another producer is another message
    b = xadd(r, "s", "IDMPAUTO", "p2", "*", "amount", "100", "currency", "USD")
    assert b != a
    # IDMP and IDMPAUTO of different producers mix freely
    c = xadd(r, "s", "IDMP", "p3", "explicit", "*", "amount", "100", "currency", "USD")
    assert c not in (a, b)
    assert idmp(r, "s")["pids-tracked"] == 3


def test_idmp_argument_order_and_options(r):
    ids = [
        xadd(r, "s", "IDMP", "p1", "r1", "MAXLEN", "~", "100", "*", "f", "1"),
        xadd(r, "s", "MAXLEN", "~", "100", "IDMP", "p1", "r2", "*", "f", "2"),
        xadd(r, "s", "NOMKSTREAM", "IDMP", "p1", "r3", "MAXLEN", "~", "100", "*", "f", "3"),
        xadd(r, "s", "IDMP", "p1", "r4", "MAXLEN", "~", "1000", "LIMIT", "10", "*", "f", "4"),
        xadd(r, "s", "idmpauto", "p2", "minid", "~", "1000000000-0", "*", "f", "5"),
        xadd(r, "s", "MAXLEN", "100", "IDMPAUTO", "p2", "*", "f", "6"),
        xadd(r, "s", "idmp", "p1", "r7", "*", "f", "7"),
        xadd(r, "s", "KEEPREF", "IDMPAUTO", "p3", "*", "f", "8"),
        xadd(r, "s", "IDMPAUTO", "p3", "KEEPREF", "*", "f", "9"),
        xadd(r, "s", "IDMP", "p1", "r10", "KEEPREF", "MAXLEN", "~", "1000", "LIMIT", "10", "*",
             "f", "10"),
    ]
    assert all(is_id(i) for i in ids) and len(set(ids)) == 10
    assert xadd(r, "s", "IDMP", "p1", "r10", "KEEPREF", "MAXLEN", "~", "1000", "LIMIT", "10",
                "*", "g", "x") == ids[9]
    assert xadd(r, "s", "MAXLEN", "~", "100", "IDMP", "p1", "r1", "*", "f", "x") == ids[0]
    assert xadd(r, "s", "IDMPAUTO", "p2", "MINID", "~", "1000000000-0", "*", "f", "5") == ids[4]
    assert r.xlen("s") == 10


def test_idmp_nomkstream(r):
    assert xadd(r, "s", "NOMKSTREAM", "IDMP", "p1", "r1", "*", "f", "v") is None
    assert xadd(r, "s", "NOMKSTREAM", "IDMPAUTO", "p1", "*", "f", "v") is None
    assert r.exists("s") == 0
    xadd(r, "s", "IDMP", "p1", "r2", "*", "f", "v")
    a = xadd(r, "s", "NOMKSTREAM", "IDMP", "p1", "r3", "*", "f", "v")
    assert is_id(a)
    assert xadd(r, "s", "NOMKSTREAM", "IDMP", "p1", "r3", "*", "f", "v") == a
    assert r.xlen("s") == 2


def test_idmp_duplicate_appends_and_trims_nothing(r):
    a = xadd(r, "s", "IDMP", "p1", "r1", "*", "f", "1")
    xadd(r, "s", "*", "f", "2")
    last = r.xinfo_stream("s")["last-generated-id"]
    assert xadd(r, "s", "IDMP", "p1", "r1", "MAXLEN", "0", "*", "f", "3") == a
    assert r.xlen("s") == 2
    assert r.xinfo_stream("s")["last-generated-id"] == last
    assert dict(info(r, "s"))[b"entries-added"] == 2


def test_idmp_errors(r):
    assert err(r, "XADD", "s", "IDMP", "p1", "*", "f", "v") == \
        "Invalid stream ID specified as stream command argument"
    only_auto = "syntax error, IDMP/IDMPAUTO can be used only with auto-generated IDs"
    assert err(r, "XADD", "s", "IDMP", "p1", "iid1", "1-1", "f", "v") == only_auto
    assert err(r, "XADD", "s", "IDMPAUTO", "p1", "1-1", "f", "v") == only_auto
    assert err(r, "XADD", "s", "IDMPAUTO", "p1", "5-*", "f", "v") == only_auto
    assert err(r, "XADD", "s", "IDMP", "p1", "i", "5", "f", "v") == only_auto
    twice = "syntax error, IDMP/IDMPAUTO specified multiple times"
    assert err(r, "XADD", "s", "IDMP", "p1", "i1", "IDMP", "p2", "i2", "*", "f", "v") == twice
    assert err(r, "XADD", "s", "IDMPAUTO", "p1", "IDMP", "p2", "i2", "*", "f", "v") == twice
    assert err(r, "XADD", "s", "IDMP", "p1", "i1", "IDMPAUTO", "p2", "*", "f", "v") == twice
    assert err(r, "XADD", "s", "IDMPAUTO", "p1", "IDMPAUTO", "p2", "*", "f", "v") == twice
    assert err(r, "XADD", "s", "IDMP", "", "i1", "*", "f", "v") == \
        "syntax error, IDMP requires a non-empty producer ID"
    assert err(r, "XADD", "s", "IDMP", "p1", "", "*", "f", "v") == \
        "syntax error, IDMP requires a non-empty idempotent ID"
    assert err(r, "XADD", "s", "IDMPAUTO", "", "*", "f", "v") == \
        "syntax error, IDMPAUTO requires a non-empty producer ID"
    assert err(r, "XADD", "s", "IDMP", "p1", "i1", "*", "f") == \
        "wrong number of arguments for 'xadd' command"
    assert r.exists("s") == 0
    r.set("str", "x")
    assert err(r, "XADD", "str", "IDMP", "p1", "i1", "*", "f", "v").startswith("WRONGTYPE")
    assert err(r, "XADD", "str", "IDMPAUTO", "p1", "*", "f", "v").startswith("WRONGTYPE")


def test_idmp_with_consumer_groups(r):
    xadd(r, "s", "*", "initial", "value")
    r.xgroup_create("s", "g", "0")
    a = xadd(r, "s", "IDMPAUTO", "p1", "*", "event", "login", "user", "alice")
    xadd(r, "s", "IDMPAUTO", "p1", "*", "event", "logout", "user", "bob")
    assert xadd(r, "s", "IDMPAUTO", "p1", "*", "event", "login", "user", "alice") == a
    got = r.xreadgroup("g", "c1", {"s": ">"}, count=10)
    assert len(got[0][1]) == 3
    assert r.xack("s", "g", *[e[0] for e in got[0][1]]) == 3
    assert xadd(r, "s", "IDMPAUTO", "p1", "*", "event", "login", "user", "alice") == a


def test_idmp_in_multi(r):
    p = r.pipeline(transaction=True)
    p.execute_command("XADD", "s", "IDMP", "p1", "req-1", "*", "f", "1")
    p.execute_command("XADD", "s", "IDMP", "p2", "req-1", "*", "f", "2")
    p.execute_command("XADD", "s", "IDMP", "p1", "req-1", "*", "f", "dup")
    p.execute_command("XADD", "s", "IDMP", "p2", "req-2", "*", "f", "3")
    a, b, dup, c = p.execute()
    assert dup == a and len({a, b, c}) == 3
    assert r.xlen("s") == 3
    assert idmp(r, "s")["iids-duplicates"] == 1


# ---- XINFO STREAM ----------------------------------------------------------------------


def test_xinfo_fields_order_and_defaults(r):
    xadd(r, "s", "1-1", "f", "v")
    names = [k for k, _ in info(r, "s")]
    assert names == [b"length", b"radix-tree-keys", b"radix-tree-nodes", b"last-generated-id",
                     b"max-deleted-entry-id", b"entries-added", b"recorded-first-entry-id"] + \
        IDMP_FIELDS + [b"groups", b"first-entry", b"last-entry"]
    full = [k for k, _ in info(r, "s", "FULL")]
    assert full == names[:7] + IDMP_FIELDS + [b"entries", b"groups"]
    assert idmp(r, "s") == {"idmp-duration": 100, "idmp-maxsize": 100, "pids-tracked": 0,
                            "iids-tracked": 0, "iids-added": 0, "iids-duplicates": 0}
    assert r.config_get("stream-idmp-duration") == {"stream-idmp-duration": "100"}
    assert r.config_get("stream-idmp-maxsize") == {"stream-idmp-maxsize": "100"}
    # redis-py's own XINFO parser copes with the longer reply
    assert r.xinfo_stream("s")["idmp-maxsize"] == 100


def test_xinfo_counters(r):
    xadd(r, "s", "*", "f", "v")
    assert idmp(r, "s")["pids-tracked"] == 0
    xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "1")
    assert idmp(r, "s") == {"idmp-duration": 100, "idmp-maxsize": 100, "pids-tracked": 1,
                            "iids-tracked": 1, "iids-added": 1, "iids-duplicates": 0}
    xadd(r, "s", "IDMP", "p1", "req-2", "*", "f", "2")
    xadd(r, "s", "IDMP", "p2", "req-1", "*", "f", "3")
    xadd(r, "s", "IDMP", "p2", "req-2", "*", "f", "4")
    xadd(r, "s", "IDMP", "p2", "req-3", "*", "f", "5")
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == \
        (2, 5, 5, 0)
    for _ in range(2):
        xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "dup")
        xadd(r, "s", "IDMP", "p2", "req-2", "*", "f", "dup")
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == \
        (2, 5, 5, 4)
    assert dict(info(r, "s", "FULL"))[b"iids-duplicates"] == 4
    # a stream that never used IDMP follows the configs
    r.config_set("stream-idmp-duration", 7)
    xadd(r, "t", "*", "f", "v")
    assert idmp(r, "t")["idmp-duration"] == 7
    assert idmp(r, "s")["idmp-duration"] == 100
    r.config_set("stream-idmp-duration", 100)


def test_config_ranges(r):
    for name, bad in (("stream-idmp-duration", [0, -1, 86401, 100000]),
                      ("stream-idmp-maxsize", [0, -1, 10001, 50000])):
        for v in bad:
            assert "must be between" in err(r, "CONFIG", "SET", name, v)
    for name, lo, hi in (("stream-idmp-duration", 1, 86400), ("stream-idmp-maxsize", 1, 10000)):
        for v in (lo, hi, 100):
            assert r.config_set(name, v)
            assert r.config_get(name) == {name: str(v)}
    # a stream's state takes the configs when it is created
    r.config_set("stream-idmp-maxsize", 2)
    for i in range(3):
        xadd(r, "s", "IDMP", "p", "r%d" % i, "*", "f", "v")
    r.config_set("stream-idmp-maxsize", 100)
    m = idmp(r, "s")
    assert (m["idmp-maxsize"], m["iids-tracked"]) == (2, 2)


# ---- eviction ----------------------------------------------------------------------------


def test_maxsize_evicts_the_oldest(r):
    xadd(r, "s", "IDMP", "p1", "init", "*", "f", "init")
    assert x(r, "XCFGSET", "s", "IDMP-MAXSIZE", 3, "IDMP-DURATION", 60) == b"OK"
    ids = [xadd(r, "s", "IDMP", "p1", "req-%d" % i, "*", "f", i) for i in (1, 2, 3)]
    assert [xadd(r, "s", "IDMP", "p1", "req-%d" % i, "*", "f", "d") for i in (1, 2, 3)] == ids
    xadd(r, "s", "IDMP", "p1", "req-4", "*", "f", 4)
    assert xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "new") != ids[0]
    # req-1 came back and pushed req-2 out; req-3 is still tracked
    assert xadd(r, "s", "IDMP", "p1", "req-3", "*", "f", "d") == ids[2]
    assert r.xlen("s") == 6
    # each producer has its own window
    q = [xadd(r, "s", "IDMP", "p2", "req-%d" % i, "*", "f", i) for i in (1, 2, 3)]
    assert [xadd(r, "s", "IDMP", "p2", "req-%d" % i, "*", "f", "d") for i in (1, 2, 3)] == q
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"]) == (2, 6)


def test_maxsize_window_of_eight(r):
    xadd(r, "s", "IDMP", "p1", "init", "*", "f", "init")
    x(r, "XCFGSET", "s", "IDMP-MAXSIZE", 8, "IDMP-DURATION", 60)
    p = r.pipeline(transaction=False)
    for i in range(1, 101):
        p.execute_command("XADD", "s", "IDMP", "p1", "req-%d" % i, "*", "f", i)
    ids = p.execute()
    for i in range(93, 101):
        p.execute_command("XADD", "s", "IDMP", "p1", "req-%d" % i, "*", "f", "dup")
    assert p.execute() == ids[92:]
    for i in range(1, 93):
        p.execute_command("XADD", "s", "IDMP", "p1", "req-%d" % i, "*", "f", "new")
    assert not set(p.execute()) & set(ids)
    assert r.xlen("s") == 193
    m = idmp(r, "s")
    assert (m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == (8, 193, 8)


def test_expired_iid_is_not_a_duplicate(r):
    # An iid's age is its entry's ms part: one recorded for an entry from
    # 1970 is expired at once, without waiting.
    xadd(r, "s", "1-1", "f", "old")
    assert x(r, "XIDMPRECORD", "s", "p1", "old", "1-1") == b"OK"
    m = idmp(r, "s")
    assert (m["iids-tracked"], m["pids-tracked"], m["iids-added"]) == (0, 0, 1)
    a = xadd(r, "s", "IDMP", "p1", "old", "*", "f", "new")
    assert a != b"1-1" and r.xlen("s") == 2


def test_duration_expiry_in_real_time(r):
    xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "v")
    x(r, "XCFGSET", "s", "IDMP-DURATION", 1)
    a = xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "1")
    assert xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "2") == a
    time.sleep(1.1)
    b = xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "3")
    assert b != a and r.xlen("s") == 3
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"]) == (1, 1)


# ---- XCFGSET --------------------------------------------------------------------------


def test_xcfgset_sets_and_validates(r):
    xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "v")
    assert x(r, "XCFGSET", "s", "IDMP-DURATION", 5) == b"OK"
    assert idmp(r, "s")["idmp-duration"] == 5
    assert x(r, "XCFGSET", "s", "idmp-maxsize", 5000) == b"OK"
    assert (idmp(r, "s")["idmp-duration"], idmp(r, "s")["idmp-maxsize"]) == (5, 5000)
    assert x(r, "XCFGSET", "s", "IDMP-DURATION", 86400, "IDMP-MAXSIZE", 10000) == b"OK"
    assert x(r, "XCFGSET", "s", "IDMP-DURATION", 1, "IDMP-MAXSIZE", 1) == b"OK"
    assert x(r, "XCFGSET", "s", "IDMP-DURATION", 4) == b"OK"
    # Each option at most once (Redis 8.6), checked before its value.
    assert err(r, "XCFGSET", "s", "IDMP-DURATION", 3, "IDMP-DURATION", 5) == \
        "IDMP-DURATION specified multiple times"
    assert err(r, "XCFGSET", "s", "IDMP-MAXSIZE", 3, "IDMP-DURATION", 5, "IDMP-MAXSIZE", "x") == \
        "IDMP-MAXSIZE specified multiple times"
    assert idmp(r, "s")["idmp-duration"] == 4
    dur = "IDMP-DURATION must be between 1 and 86400 seconds"
    size = "IDMP-MAXSIZE must be between 1 and 10000 entries"
    assert err(r, "XCFGSET", "s", "IDMP-DURATION", 86401) == dur
    assert err(r, "XCFGSET", "s", "IDMP-DURATION", 0) == dur
    assert err(r, "XCFGSET", "s", "IDMP-DURATION", -100) == dur
    assert err(r, "XCFGSET", "s", "IDMP-MAXSIZE", 10001) == size
    assert err(r, "XCFGSET", "s", "IDMP-MAXSIZE", 0) == size
    assert err(r, "XCFGSET", "s", "IDMP-MAXSIZE", -50) == size
    assert idmp(r, "s")["idmp-duration"] == 4  # refused changes change nothing
    assert err(r, "XCFGSET", "s") == "At least one parameter must be specified"
    for args in (["IDMP-DURATION"], ["IDMP-MAXSIZE"], ["INVALID"], ["INVALID", "1"],
                 ["IDMP-DURATION", "5", "IDMP-MAXSIZE"]):
        assert err(r, "XCFGSET", "s", *args) == "syntax error"
    for v in ("A", "*", "-", "+", "120-5", "3.14", "000000000", "IDMP-DURATION"):
        for opt in ("IDMP-DURATION", "IDMP-MAXSIZE"):
            assert err(r, "XCFGSET", "s", opt, v) == "value is not an integer or out of range"
    assert err(r, "XCFGSET", "s", "IDMP-DURATION", "INVALID", "IDMP-MAXSIZE") == \
        "value is not an integer or out of range"
    assert err(r, "XCFGSET", "nokey", "IDMP-DURATION", 5) == "no such key"
    # The key is looked up before the options are read.
    assert err(r, "XCFGSET", "nokey") == "no such key"
    assert err(r, "XCFGSET", "nokey", "INVALID") == "no such key"
    assert err(r, "XCFGSET", "nokey", "IDMP-DURATION", 0) == "no such key"
    r.set("str", "x")
    assert err(r, "XCFGSET", "str", "IDMP-DURATION", 5).startswith("WRONGTYPE")
    assert err(r, "XCFGSET", "str", "IDMP-DURATION", "x").startswith("WRONGTYPE")
    assert err(r, "XCFGSET") == "wrong number of arguments for 'xcfgset' command"


def test_xcfgset_change_clears_same_value_keeps(r):
    id1 = xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "1")
    id2 = xadd(r, "s", "IDMP", "p1", "req-2", "*", "f", "2")
    xadd(r, "s", "IDMP", "p2", "req-3", "*", "f", "3")
    assert xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "d") == id1
    # the current values: nothing is forgotten
    for args in (["IDMP-DURATION", 100], ["IDMP-MAXSIZE", 100],
                 ["IDMP-DURATION", 100, "IDMP-MAXSIZE", 100]):
        x(r, "XCFGSET", "s", *args)
        assert xadd(r, "s", "IDMP", "p1", "req-2", "*", "f", "d") == id2
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == \
        (2, 3, 3, 4)
    # a different value forgets every producer's iids, not the counters
    x(r, "XCFGSET", "s", "IDMP-DURATION", 60)
    m = idmp(r, "s")
    assert (m["pids-tracked"], m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == \
        (0, 0, 3, 4)
    assert r.xlen("s") == 3  # the entries stay
    new1 = xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "new")
    assert new1 != id1
    assert xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "d") == new1
    x(r, "XCFGSET", "s", "IDMP-MAXSIZE", 50)
    assert xadd(r, "s", "IDMP", "p1", "req-1", "*", "f", "new") != new1
    assert r.xlen("s") == 5
    # XCFGSET works on a stream that never used IDMP
    xadd(r, "t", "*", "f", "v")
    assert x(r, "XCFGSET", "t", "IDMP-MAXSIZE", 7) == b"OK"
    assert (idmp(r, "t")["idmp-maxsize"], idmp(r, "t")["idmp-duration"]) == (7, 100)


# ---- XIDMPRECORD, XIDMPCOUNTERS -------------------------------------------------------------


def test_xidmprecord(r):
    a = xadd(r, "s", "*", "f", "1")
    b = xadd(r, "s", "*", "f", "2")
    assert x(r, "XIDMPRECORD", "s", "p1", "i1", a) == b"OK"
    assert x(r, "XIDMPRECORD", "s", "p1", "i1", a) == b"OK"  # the same mapping again
    assert idmp(r, "s")["iids-added"] == 1
    assert xadd(r, "s", "IDMP", "p1", "i1", "*", "f", "dup") == a
    assert err(r, "XIDMPRECORD", "s", "p1", "i1", b) == \
        "IID already exists for this producer with a different stream ID"
    r.xdel("s", b)
    assert err(r, "XIDMPRECORD", "s", "p1", "i2", b) == "No such message in stream"
    assert err(r, "XIDMPRECORD", "s", "p1", "i2", "bad") == \
        "Invalid stream ID specified as stream command argument"
    assert err(r, "XIDMPRECORD", "s", "p1", "i2", "+") == \
        "Invalid stream ID specified as stream command argument"
    assert err(r, "XIDMPRECORD", "s", "", "i2", a) == "producer ID must be non-empty"
    assert err(r, "XIDMPRECORD", "s", "p1", "", a) == "idempotent ID must be non-empty"
    assert err(r, "XIDMPRECORD", "s", "", "", a) == "producer ID must be non-empty"
    # Redis's order: the ID, the names, then the key.
    assert err(r, "XIDMPRECORD", "s", "", "", "bad") == \
        "Invalid stream ID specified as stream command argument"
    assert err(r, "XIDMPRECORD", "nokey", "", "i1", "1-1") == "producer ID must be non-empty"
    assert err(r, "XIDMPRECORD", "nokey", "p1", "i1", "1-1") == "no such key"
    r.set("str", "x")
    assert err(r, "XIDMPRECORD", "str", "p1", "i1", "1-1").startswith("WRONGTYPE")
    assert err(r, "XIDMPRECORD", "str", "p1", "", "1-1") == "idempotent ID must be non-empty"
    assert err(r, "XIDMPRECORD", "s", "p1", "i1") == \
        "wrong number of arguments for 'xidmprecord' command"


def test_xidmprecord_of_an_older_entry_is_the_newest_insertion(r):
    """Redis keeps a producer's iids in insertion order (idmpInsertEntry
    appends, idmpEvictOldestEntry drops the head): an iid recorded for an
    older entry is evicted after the ones recorded before it."""
    old = xadd(r, "s", "*", "f", "old")
    assert x(r, "XCFGSET", "s", "IDMP-MAXSIZE", 2) == b"OK"
    a = xadd(r, "s", "IDMP", "p", "a", "*", "f", "a")
    assert x(r, "XIDMPRECORD", "s", "p", "b", old) == b"OK"
    c = xadd(r, "s", "IDMP", "p", "c", "*", "f", "c")  # a goes, not b
    assert xadd(r, "s", "IDMP", "p", "b", "*", "f", "dup") == old
    assert xadd(r, "s", "IDMP", "p", "c", "*", "f", "dup") == c
    a2 = xadd(r, "s", "IDMP", "p", "a", "*", "f", "again")  # b goes
    assert a2 not in (a, old, c)
    assert xadd(r, "s", "IDMP", "p", "c", "*", "f", "dup") == c
    assert xadd(r, "s", "IDMP", "p", "b", "*", "f", "b2") not in (old, a, a2, c)
    m = idmp(r, "s")
    assert (m["iids-tracked"], m["iids-added"], m["iids-duplicates"]) == (2, 5, 3)


def test_xidmpcounters(r):
    xadd(r, "s", "*", "f", "1")
    assert x(r, "XIDMPCOUNTERS", "s", 12, 34) == b"OK"
    m = idmp(r, "s")
    assert (m["iids-added"], m["iids-duplicates"], m["iids-tracked"]) == (12, 34, 0)
    assert err(r, "XIDMPCOUNTERS", "s", -1, 0) == "value is not an integer or out of range"
    assert err(r, "XIDMPCOUNTERS", "nokey", 1, 1) == "no such key"


# ---- persistence -------------------------------------------------------------------------------


def build_state(c):
    """IDMP, IDMPAUTO, duplicates, an XCFGSET window with evictions, a second
    stream that only has a configuration; returns what must be remembered."""
    keep = {}
    keep["p1"] = [xadd(c, "s", "IDMP", "p1", "req-%d" % i, "*", "f", i) for i in range(3)]
    keep["auto"] = xadd(c, "s", "IDMPAUTO", "p2", "*", "amount", "100", "currency", "USD")
    xadd(c, "s", "IDMP", "p1", "req-0", "*", "f", "dup")
    xadd(c, "s", "IDMPAUTO", "p2", "*", "currency", "USD", "amount", "100")
    xadd(c, "w", "IDMP", "p", "init", "*", "f", "v")
    x(c, "XCFGSET", "w", "IDMP-MAXSIZE", 3, "IDMP-DURATION", 600)
    keep["w"] = [xadd(c, "w", "IDMP", "p", "r%d" % i, "*", "f", i) for i in range(5)]
    xadd(c, "w", "MAXLEN", "1", "*", "f", "trimmed")  # iids outlive their entries
    xadd(c, "cfg", "*", "f", "v")
    x(c, "XCFGSET", "cfg", "IDMP-DURATION", 42)
    # States created under other configs keep them after a restart (which
    # runs with the defaults): one created by the XADD that made the stream,
    # one on a stream that existed.
    c.config_set("stream-idmp-maxsize", 2)
    c.config_set("stream-idmp-duration", 500)
    keep["fresh"] = [xadd(c, "fresh", "IDMPAUTO", "p", "*", "n", i) for i in range(3)]
    xadd(c, "old", "*", "f", "v")
    keep["old"] = [xadd(c, "old", "IDMP", "p", "r%d" % i, "*", "f", i) for i in range(3)]
    c.config_set("stream-idmp-maxsize", 100)
    c.config_set("stream-idmp-duration", 100)
    return keep


def check_state(c, keep, info_before):
    for k, v in info_before.items():
        assert idmp(c, k) == v, k
    assert xadd(c, "s", "IDMP", "p1", "req-1", "*", "f", "again") == keep["p1"][1]
    assert xadd(c, "s", "IDMPAUTO", "p2", "*", "amount", "100", "currency", "USD") == keep["auto"]
    # window of 3: r2..r4 tracked, r0 and r1 evicted
    assert [xadd(c, "w", "IDMP", "p", "r%d" % i, "*", "f", "d") for i in (2, 3, 4)] == \
        keep["w"][2:]
    assert xadd(c, "w", "IDMP", "p", "r1", "*", "f", "d") not in keep["w"]
    for k in ("fresh", "old"):
        m = idmp(c, k)
        assert (m["idmp-maxsize"], m["idmp-duration"], m["iids-tracked"]) == (2, 500, 2)
    assert xadd(c, "fresh", "IDMPAUTO", "p", "*", "n", 2) == keep["fresh"][2]
    assert xadd(c, "old", "IDMP", "p", "r1", "*", "f", "d") == keep["old"][1]
    assert xadd(c, "old", "IDMP", "p", "r0", "*", "f", "d") not in keep["old"]


def snapshot(c):
    return {k: idmp(c, k) for k in ("s", "w", "cfg", "fresh", "old")}


def test_aof_records(make_server):
    """What reaches the AOF: one XADD carrying IDMP with the concrete ID per
    message once the state exists; the pin of the configuration when it is
    created; nothing extra for IDMP when the AOF is off."""
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    a = xadd(c, "s", "IDMP", "p", "r1", "*", "f", "1")
    b = xadd(c, "s", "IDMP", "p", "r2", "*", "f", "2")
    xadd(c, "s", "IDMP", "p", "r2", "*", "f", "dup")
    xadd(c, "t", "*", "f", "v")
    d = xadd(c, "t", "IDMPAUTO", "q", "*", "f", "v")
    adir = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(adir) if f.endswith(".incr.aof")]
    with open(os.path.join(adir, incr[0]), "rb") as f:
        text = f.read()

    def cmd(*args):
        out = b"*%d\r\n" % len(args)
        for v in args:
            v = v if isinstance(v, bytes) else str(v).encode()
            out += b"$%d\r\n%s\r\n" % (len(v), v)
        return out

    # the XADD that created "s" and the state: entry, pin, mapping
    assert cmd("MULTI") + cmd("XADD", "s", a, "f", "1") + \
        cmd("XCFGSET", "s", "IDMP-DURATION", 100, "IDMP-MAXSIZE", 100) in text
    assert cmd("XIDMPRECORD", "s", "p", "r1", a) + cmd("EXEC") in text
    # the next message: one record
    assert cmd("XADD", "s", "IDMP", "p", "r2", b, "f", "2") in text
    assert cmd("XIDMPCOUNTERS", "s", 2, 1) in text
    # a stream that existed: pin first, then the XADD with its IDMPAUTO
    assert cmd("XCFGSET", "t", "IDMP-DURATION", 100, "IDMP-MAXSIZE", 100) + \
        cmd("XADD", "t", "IDMPAUTO", "q", d, "f", "v") in text
    # a client may not send what the loader replays
    assert err(c, "XADD", "s", "IDMP", "p", "r3", "99999999999999-0", "f", "v") == \
        "syntax error, IDMP/IDMPAUTO can be used only with auto-generated IDs"


def test_state_survives_aof_restart(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    keep = build_state(c)
    before = snapshot(c)
    assert before["s"]["iids-duplicates"] == 2 and before["w"]["iids-tracked"] == 3
    srv.restart()
    c = srv.client()
    check_state(c, keep, before)


def test_state_survives_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    keep = build_state(c)
    before = snapshot(c)
    c.bgrewriteaof()
    deadline = time.monotonic() + 10 * SLOW
    while c.info("persistence")["aof_rewrite_in_progress"] or \
            c.info("persistence")["aof_rewrite_scheduled"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    adir = os.path.join(srv.dir, "appendonlydir")
    base = [f for f in os.listdir(adir) if f.endswith(".base.aof")]
    with open(os.path.join(adir, base[0]), "rb") as f:
        text = f.read()
    assert b"XIDMPRECORD" in text and b"XIDMPCOUNTERS" in text and b"XCFGSET" in text
    srv.restart()
    c = srv.client()
    check_state(c, keep, before)
    # and the same once more after a second rewrite of the reloaded state
    c.bgrewriteaof()
    while c.info("persistence")["aof_rewrite_in_progress"] or \
            c.info("persistence")["aof_rewrite_scheduled"]:
        time.sleep(0.02)
    again = snapshot(c)
    srv.restart()
    assert snapshot(srv.client()) == again
