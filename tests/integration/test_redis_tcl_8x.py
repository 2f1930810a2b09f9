"""Redis's own test suite as the oracle for the 8.2-8.10 stream features.

The cases of redis/redis's tests/unit/type/stream.tcl and
tests/unit/type/stream-cgroups.tcl that exercise KEEPREF/DELREF/ACKED,
XDELEX, XACKDEL (8.2), XREADGROUP CLAIM (8.4), IDMP/IDMPAUTO/XCFGSET and the
XINFO STREAM idmp fields (8.6), XNACK (8.8), and the XREADGROUP argument
checks and blocked-reader behaviour next to them, rewritten for redis-py:
one test (or one parameter) per Redis test case, named after it. Versions
used: stream.tcl as stored under id 1222822338 (123347 bytes, the only
stored version with the IDMP tests) and stream-cgroups.tcl as stored under
id 54706680511 (199280 bytes, the only stored version with the XNACK tests).
Neither has tests for XREAD/XREADGROUP MAXCOUNT/MAXSIZE (8.10) or
XIDMPRECORD; test_readcaps.py and test_idmp.py cover those. The 7.x-only
cases of both files (XCLAIM, XAUTOCLAIM, lag, XINFO, XSETID, ...) are left to
test_groups.py, test_stream.py and the differential tests against 7.0.

Adapted: where Redis reloads an RDB (DEBUG RELOAD, restart_server) the test
restarts streamd from its AOF, and DEBUG LOADAOF runs as is on a server with
appendonly yes. Sleeps that let pending entries become idle are always
longer than the min-idle-time asked for, tests that need an entry not to be
idle use a min-idle-time of 100 s, and no test measures elapsed time (Redis's
"block times out" and "reprocessing command" cases check a time range: here
only the reply). "Usage stability with repeated claims" claims with
min-idle-time 0 instead of sleeping 2 ms a thousand times; "messages become
claimable during block" waits for 300 ms, not 1000.

Not ported (Redis-only facilities):
  - "XREADGROUP CLAIM delivery count increments replicated correctly",
    "XREADGROUP propagates new consumer to replica", "XNACK replication of
    modes and FORCE", "XNACK reclaim operations propagate correctly to
    replica": replication (streamd has no replicas).
  - "XREADGROUP CLAIM idle time resets after RDB reload": an RDB property
    (streamd has no RDB; its AOF keeps delivery times, as Redis's AOF does
    through XCLAIM ... TIME).
  - the errorstats/commandstats half of "XGROUP DESTROY should unblock
    XREADGROUP with -NOGROUP": no INFO errorstats (the unblocking is tested).
"""

import fnmatch
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW, Server, wait_blocked

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.x features (the oracle is 7.0)")

LLONG_MAX = 9223372036854775807
# Sleep before a CLAIM with min-idle-time IDLE: always longer than IDLE.
IDLE = 20
NAP = 0.05


# ---- helpers ---------------------------------------------------------------------------------


class Err(str):
    """An error reply, with its code (redis-py drops "ERR ")."""


def d(v):
    """Replies with bytes decoded (undecodable bytes kept as surrogates)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    if isinstance(v, list):
        return [d(x) for x in v]
    return v


@pytest.fixture
def x(r):
    """x(*args): the decoded reply of a command, or an Err; no redis-py
    reply parsing."""
    r.response_callbacks.clear()
    return _caller(r)


def _caller(conn):
    def call(*args):
        try:
            return d(conn.execute_command(*args))
        except redis.ResponseError as e:
            text = str(e)
            if text.split(" ")[0] not in ("NOGROUP", "WRONGTYPE", "BUSYGROUP"):
                text = "ERR " + text
            return Err(text)
    return call


def em(v, pattern):
    """v is an error reply matching the Tcl test's glob (an exact text when
    the Tcl test gives one)."""
    return isinstance(v, Err) and fnmatch.fnmatchcase(v, pattern)


def is_id(v):
    ms, _, seq = v.partition("-")
    return ms.isdigit() and seq.isdigit()


def kv(lst):
    return dict(zip(lst[0::2], lst[1::2]))


def info(x, key="mystream", full=False):
    return kv(x("XINFO", "STREAM", key, *(("FULL",) if full else ())))


def group_full(x, key="mystream", n=0):
    return kv(info(x, key, True)["groups"][n])


def pending(x, key="mystream", group="grp", *extra):
    return x("XPENDING", key, group, "-", "+", "100", *extra)


def msgs(reply, n=0):
    """The entries of the n-th stream of an XREAD(GROUP) reply."""
    return reply[n][1]


def fill(x, key, n, start=1):
    for i in range(start, start + n):
        x("XADD", key, "%d-0" % i, "f", "v%d" % i)


def nap(t=NAP):
    time.sleep(t)


# ---- an AOF server (DEBUG RELOAD / restart_server in Redis's tests) --------------------------


@pytest.fixture(scope="module")
def aof_server():
    srv = Server(args=["--appendonly", "yes", "--appendfsync", "always"], name="tcl8x-aof")
    srv.start()
    yield srv
    srv.stop()
    srv.cleanup()


@pytest.fixture
def ax(aof_server):
    if not aof_server.is_running():
        aof_server.start()
    c = aof_server.client()
    c.flushall()
    c.response_callbacks.clear()
    yield _caller(c)
    c.close()


def wait_rewrite(x):
    deadline = time.monotonic() + 20 * SLOW
    while time.monotonic() < deadline:
        p = dict(line.split(":", 1) for line in x("INFO", "persistence").split("\r\n")
                 if ":" in line)
        if p["aof_rewrite_in_progress"] == "0" and p["aof_rewrite_scheduled"] == "0":
            return
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def rewrite(x):
    wait_rewrite(x)
    assert x("BGREWRITEAOF") is not None
    wait_rewrite(x)


def reload(x):
    assert x("DEBUG", "LOADAOF") == "OK"


def restart(aof_server):
    """A restart from the AOF; returns a new caller."""
    aof_server.restart()
    c = aof_server.client()
    c.response_callbacks.clear()
    return _caller(c)


# =============================================================================================
# stream.tcl: XADD/XTRIM with KEEPREF, DELREF, ACKED (8.2)
# =============================================================================================


def test_xadd_maxlen_and_acked(x):
    fill(x, "mystream", 5)
    assert x("XLEN", "mystream") == 5
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    x("XADD", "mystream", "MAXLEN", "=", "1", "ACKED", "6-0", "f", "v")
    assert x("XLEN", "mystream") == 6
    rec = x("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", "1", "STREAMS", "mystream",
            ">")
    x("XACK", "mystream", "mygroup", msgs(rec)[0][0])
    assert x("XPENDING", "mystream", "mygroup")[0] == 0
    x("XADD", "mystream", "MAXLEN", "=", "1", "ACKED", "7-0", "f", "v")
    assert x("XLEN", "mystream") == 6
    rec = x("XREADGROUP", "GROUP", "mygroup", "consumer1", "STREAMS", "mystream", ">")
    x("XACK", "mystream", "mygroup", *[e[0] for e in msgs(rec)])
    assert x("XPENDING", "mystream", "mygroup")[0] == 0
    x("XADD", "mystream", "MAXLEN", "=", "1", "ACKED", "*", "f", "v")
    assert x("XLEN", "mystream") == 1


def test_xadd_acked_after_reload(ax):
    x = ax
    x("XADD", "mystream", "1-0", "f", "v")
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    rec = x("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", "1", "STREAMS", "mystream",
            ">")
    assert x("XPENDING", "mystream", "mygroup")[0] == 1
    reload(x)
    x("XADD", "mystream", "MAXLEN", "=", "1", "ACKED", "2-0", "f", "v")
    assert x("XLEN", "mystream") == 2
    x("XACK", "mystream", "mygroup", msgs(rec)[0][0])
    assert x("XPENDING", "mystream", "mygroup")[0] == 0
    reload(x)
    x("XADD", "mystream", "MAXLEN", "=", "1", "ACKED", "3-0", "f", "v")
    assert x("XLEN", "mystream") == 2


def test_xadd_maxlen_and_delref(x):
    fill(x, "mystream", 5)
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    x("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", "1", "STREAMS", "mystream", ">")
    x("XADD", "mystream", "MAXLEN", "=", "1", "DELREF", "*", "f", "v")
    assert x("XLEN", "mystream") == 1
    assert x("XPENDING", "mystream", "mygroup")[0] == 0


# =============================================================================================
# stream.tcl: IDMP / IDMPAUTO / XCFGSET / XINFO idmp fields (8.6)
# =============================================================================================


def test_xadd_idmp_invalid_syntax(x):
    assert em(x("XADD", "mystream", "IDMP", "p1", "*", "f", "v"),
              "*ERR Invalid stream ID specified*")
    assert em(x("XADD", "mystream", "IDMP", "p1", "iid1", "1-1", "f", "v"),
              "*IDMP/IDMPAUTO can be used only with auto-generated IDs*")
    for args in (("IDMP", "p1", "iid1", "IDMP", "p2", "iid2"),
                 ("IDMPAUTO", "p1", "IDMP", "p2", "iid2")):
        assert em(x("XADD", "mystream", *args, "*", "f", "v"),
                  "*IDMP/IDMPAUTO specified multiple times*")
    assert em(x("XADD", "mystream", "IDMP", "", "iid1", "*", "f", "v"),
              "*IDMP requires a non-empty producer ID*")
    assert em(x("XADD", "mystream", "IDMP", "p1", "", "*", "f", "v"),
              "*IDMP requires a non-empty idempotent ID*")
    assert em(x("XADD", "mystream", "IDMPAUTO", "", "*", "f", "v"),
              "*IDMPAUTO requires a non-empty producer ID*")
    assert x("EXISTS", "mystream") == 0


def test_xadd_idmp_basic_addition(x):
    iids = ["1", "A", "B", "-", "+", "*", "^", "$", "#", "@", "?", "\\", "IDMP", "123-456",
            "9999999999999-9999999999999", "hello世界", "héllo", "line1\nline2", "tab\there",
            'quote"test', "with spaces", "long" * 100, "x" * 1000, "special!@#$%^&*()",
            "path/to/file", "key:value"]
    for iid in iids:
        assert is_id(x("XADD", "mystream", "IDMP", "p1", iid, "*", "f", "v"))
    assert x("XLEN", "mystream") == 26


def test_xadd_idmp_duplicate_returns_same_id(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "payment-abc", "*", "amount", "100", "currency",
            "USD")
    id2 = x("XADD", "mystream", "IDMP", "p1", "payment-abc", "*", "amount", "200", "currency",
            "EUR")
    assert id1 == id2
    assert x("XLEN", "mystream") == 1
    assert kv(x("XRANGE", "mystream", "-", "+")[0][1]) == {"amount": "100", "currency": "USD"}


def test_xadd_idmp_different_iids(x):
    ids = [x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "user", u)
           for i, u in enumerate(["alice", "bob", "charlie"], 1)]
    assert len(set(ids)) == 3
    assert [kv(e[1])["user"] for e in x("XRANGE", "mystream", "-", "+")] == \
        ["alice", "bob", "charlie"]


def test_xadd_idmp_binary_safe_iid(x):
    iid = b"\x00\x01\x02\xff"
    assert x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "value") == \
        x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "dup")


def test_xadd_idmp_maximum_length_iid(x):
    assert is_id(x("XADD", "mystream", "IDMP", "p1", "x" * 65536, "*", "field", "value"))


def test_xadd_idmp_with_maxlen(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "MAXLEN", "~", "100", "*", "f", "v1")
    x("XADD", "mystream", "IDMP", "p1", "req-2", "MAXLEN", "~", "100", "*", "f", "v2")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "MAXLEN", "~", "100", "*", "f",
             "v3") == id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmp_with_minid(x):
    a = ("XADD", "mystream", "IDMP", "p1", "req-1", "MINID", "~", "1000000000-0", "*", "f")
    assert x(*a, "v1") == x(*a, "v2")
    assert x("XLEN", "mystream") == 1


def test_xadd_idmp_with_nomkstream(x):
    assert x("XADD", "mystream", "NOMKSTREAM", "IDMP", "p1", "req-1", "*", "f", "v") is None
    x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "f", "v")
    assert is_id(x("XADD", "mystream", "NOMKSTREAM", "IDMP", "p1", "req-3", "*", "f", "v"))
    assert x("XLEN", "mystream") == 2


def test_xadd_idmp_with_keepref(x):
    a = ("XADD", "mystream", "IDMP", "p1", "req-1", "KEEPREF", "*", "f")
    assert x(*a, "v1") == x(*a, "v2")
    assert x("XLEN", "mystream") == 1


def test_xadd_idmp_combined_options(x):
    a = ("XADD", "mystream", "IDMP", "p1", "req-1", "KEEPREF", "MAXLEN", "~", "1000", "LIMIT",
         "10", "*")
    id1 = x(*a, "field1", "value1", "field2", "value2")
    assert x(*a, "field3", "value3") == id1
    assert x("XLEN", "mystream") == 1
    assert kv(x("XRANGE", "mystream", "-", "+")[0][1]) == {"field1": "value1", "field2": "value2"}


def test_xadd_idmp_argument_order(x):
    ids = [x("XADD", "mystream", "IDMP", "p1", "req-1", "MAXLEN", "~", "100", "*", "f", "1"),
           x("XADD", "mystream", "MAXLEN", "~", "100", "IDMP", "p1", "req-2", "*", "f", "2"),
           x("XADD", "mystream", "NOMKSTREAM", "IDMP", "p1", "req-3", "MAXLEN", "~", "100", "*",
             "f", "3")]
    assert all(is_id(i) for i in ids)
    assert x("XLEN", "mystream") == 3


def test_xadd_idmp_concurrent_duplicates(x, rr):
    ids = []
    for n in range(3):
        c = rr()
        ids.append(c.execute_command("XADD", "mystream", "IDMP", "p1", "concurrent-req", "*",
                                     "client", str(n)))
    assert ids[0] == ids[1] == ids[2]
    assert x("XLEN", "mystream") == 1


def test_xadd_idmp_pipelined(x):
    x("MULTI")
    for iid, v in (("req-1", "value1"), ("req-2", "value2"), ("req-1", "value3"),
                   ("req-3", "value4")):
        assert x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", v) == "QUEUED"
    id1, id2, dup, id3 = x("EXEC")
    assert id1 == dup
    assert len({id1, id2, id3}) == 3
    assert x("XLEN", "mystream") == 3


def test_xadd_idmp_with_consumer_groups(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "cg-1", "*", "field", "value1")
    id2 = x("XADD", "mystream", "IDMP", "p1", "cg-2", "*", "field", "value2")
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    rep = x("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", "10", "STREAMS", "mystream",
            ">")
    assert len(msgs(rep)) == 2
    assert x("XACK", "mystream", "mygroup", id1, id2) == 2
    assert x("XADD", "mystream", "IDMP", "p1", "cg-1", "*", "field", "dup") == id1


def test_xadd_idmp_persists_restart(ax, aof_server):
    id1 = ax("XADD", "mystream", "IDMP", "p1", "persist-1", "*", "field", "value1")
    ax("XADD", "mystream", "IDMP", "p1", "persist-2", "*", "field", "value2")
    x = restart(aof_server)
    assert x("XLEN", "mystream") == 2
    assert x("XADD", "mystream", "IDMP", "p1", "persist-1", "*", "field", "new") == id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmp_set_in_aof(ax):
    x = ax
    id1 = x("XADD", "mystream", "IDMP", "p1", "aof-1", "*", "field", "value1")
    x("XADD", "mystream", "IDMP", "p1", "aof-2", "*", "field", "value2")
    assert x("XADD", "mystream", "IDMP", "p1", "aof-1", "*", "field", "dup") == id1
    reload(x)
    assert x("XLEN", "mystream") == 2
    assert x("XADD", "mystream", "IDMP", "p1", "aof-1", "*", "field", "new") == id1


def test_xadd_idmp_producers_isolated(x):
    id1 = x("XADD", "mystream", "IDMP", "producer1", "req-123", "*", "field", "from-p1")
    id2 = x("XADD", "mystream", "IDMP", "producer2", "req-123", "*", "field", "from-p2")
    assert id1 != id2
    assert [kv(e[1])["field"] for e in x("XRANGE", "mystream", "-", "+")] == \
        ["from-p1", "from-p2"]
    assert x("XADD", "mystream", "IDMP", "producer1", "req-123", "*", "field", "d") == id1
    assert x("XADD", "mystream", "IDMP", "producer2", "req-123", "*", "field", "d") == id2
    assert x("XLEN", "mystream") == 2


def test_xadd_idmp_producers_own_maxsize(x):
    x("XADD", "mystream", "IDMP", "p1", "init", "*", "field", "init")
    assert x("XCFGSET", "mystream", "IDMP-MAXSIZE", "3", "IDMP-DURATION", "60") == "OK"
    ids = {}
    for p in ("p1", "p2"):
        for i in (1, 2, 3):
            ids[p, i] = x("XADD", "mystream", "IDMP", p, "req-%d" % i, "*", "field", "v")
    for (p, i), eid in ids.items():
        assert x("XADD", "mystream", "IDMP", p, "req-%d" % i, "*", "field", "dup") == eid
    assert info(x)["pids-tracked"] == 2


def test_xadd_idmp_binary_producer_ids(x):
    id1 = x("XADD", "mystream", "IDMP", b"\x00\x01\x02", "req-1", "*", "field", "v1")
    id2 = x("XADD", "mystream", "IDMP", b"\x03\x04\x05", "req-1", "*", "field", "v2")
    assert id1 != id2 and x("XLEN", "mystream") == 2
    assert x("XADD", "mystream", "IDMP", b"\x00\x01\x02", "req-1", "*", "field", "dup") == id1


def test_xadd_idmp_unicode_producer_ids(x):
    ids = [x("XADD", "mystream", "IDMP", p, "req-1", "*", "field", "v")
           for p in ("producer-世界", "producer-héllo", "producer-日本")]
    assert len(set(ids)) == 3 and x("XLEN", "mystream") == 3
    assert info(x)["pids-tracked"] == 3


def test_xadd_idmp_long_producer_ids(x):
    id1 = x("XADD", "mystream", "IDMP", "a" * 1000, "req-1", "*", "field", "v1")
    id2 = x("XADD", "mystream", "IDMP", "b" * 1000, "req-1", "*", "field", "v2")
    assert id1 != id2 and x("XLEN", "mystream") == 2
    assert x("XADD", "mystream", "IDMP", "a" * 1000, "req-1", "*", "field", "dup") == id1


def test_xadd_idmp_producers_persist_restart(ax, aof_server):
    ids = [ax("XADD", "mystream", "IDMP", p, "req-1", "*", "field", "v") for p in
           ("p1", "p2", "p3")]
    i = info(ax)
    assert (i["pids-tracked"], i["iids-tracked"]) == (3, 3)
    x = restart(aof_server)
    i = info(x)
    assert (i["pids-tracked"], i["iids-tracked"]) == (3, 3)
    for p, eid in zip(("p1", "p2", "p3"), ids):
        assert x("XADD", "mystream", "IDMP", p, "req-1", "*", "field", "dup") == eid


def test_xadd_idmp_producers_concurrent(x, rr):
    cs = [_caller(rr()) for _ in range(3)]
    ids = [c("XADD", "mystream", "IDMP", "service-" + n, "order-123", "*", "data", "from-" + n)
           for c, n in zip(cs, "abc")]
    assert len(set(ids)) == 3 and x("XLEN", "mystream") == 3
    assert cs[0]("XADD", "mystream", "IDMP", "service-a", "order-123", "*", "data", "r") == ids[0]
    assert info(x)["pids-tracked"] == 3


def test_xadd_idmp_producers_pipelined(x):
    x("MULTI")
    for p, iid in (("p1", "req-1"), ("p2", "req-1"), ("p1", "req-1"), ("p2", "req-2"),
                   ("p3", "req-1")):
        x("XADD", "mystream", "IDMP", p, iid, "*", "field", "v")
    a, b, a_dup, c, e = x("EXEC")
    assert a == a_dup and len({a, b, c, e}) == 4
    assert x("XLEN", "mystream") == 4
    assert info(x)["pids-tracked"] == 3


def test_xadd_idmp_producers_mixed_idmp_idmpauto(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "explicit-iid", "*", "field", "v1")
    id2 = x("XADD", "mystream", "IDMPAUTO", "p2", "*", "field", "v1")
    id3 = x("XADD", "mystream", "IDMP", "p3", "another-iid", "*", "field", "v1")
    id4 = x("XADD", "mystream", "IDMPAUTO", "p4", "*", "field", "v1")
    assert len({id1, id2, id3, id4}) == 4 and x("XLEN", "mystream") == 4
    assert x("XADD", "mystream", "IDMP", "p1", "explicit-iid", "*", "field", "dup") == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p2", "*", "field", "v1") == id2
    assert info(x)["pids-tracked"] == 4


def test_xadd_idmp_producers_stress(x):
    ids = [x("XADD", "mystream", "IDMP", "producer-%d" % i, "request-1", "*", "field",
             "value-%d" % i) for i in range(50)]
    assert x("XLEN", "mystream") == 50
    i = info(x)
    assert (i["pids-tracked"], i["iids-tracked"]) == (50, 50)
    for n, eid in enumerate(ids):
        assert x("XADD", "mystream", "IDMP", "producer-%d" % n, "request-1", "*", "f", "d") == eid
    assert x("XLEN", "mystream") == 50


def test_xadd_idmpauto_invalid_syntax(x):
    for args in (("IDMPAUTO", "p1", "IDMPAUTO", "p2"), ("IDMPAUTO", "p1", "IDMP", "p2", "iid1"),
                 ("IDMP", "p1", "iid1", "IDMPAUTO", "p2")):
        assert em(x("XADD", "mystream", *args, "*", "f", "v"),
                  "*IDMP/IDMPAUTO specified multiple times*")
    assert em(x("XADD", "mystream", "IDMPAUTO", "p1", "1-1", "f", "v"),
              "*IDMP/IDMPAUTO can be used only with auto-generated IDs*")


def test_xadd_idmpauto_basic(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "amount", "100", "currency", "USD")
    assert is_id(id1)
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "amount", "100", "currency", "USD") == id1
    assert x("XLEN", "mystream") == 1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "amount", "200", "currency", "USD") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_field_order(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field1", "a", "field2", "b", "field3", "c")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field2", "b", "field3", "c", "field1",
             "a") == id1
    assert x("XLEN", "mystream") == 1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field3", "c", "field1", "x", "field2",
             "b") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_different_pairs(x):
    ids = [x("XADD", "mystream", "IDMPAUTO", "p1", "*", "user", u, "action", a)
           for u, a in (("alice", "login"), ("bob", "login"), ("alice", "logout"))]
    assert len(set(ids)) == 3 and x("XLEN", "mystream") == 3


def test_xadd_idmpauto_single_pair(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "status", "active")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "status", "active") == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "status", "inactive") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_many_pairs(x):
    pairs = []
    for i in range(1, 9):
        pairs += ["f%d" % i, "v%d" % i]
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", *pairs)
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", *pairs) == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", *pairs[:-1], "different") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_binary_values(x):
    v = b"\x00\x01\x02\xff"
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", v) == \
        x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", v)
    assert x("XLEN", "mystream") == 1


def test_xadd_idmpauto_unicode_values(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "message", "hello世界")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "message", "hello世界") == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "message", "héllo") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_long_values(x):
    v = "x" * 10000
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "data", v) == \
        x("XADD", "mystream", "IDMPAUTO", "p1", "*", "data", v)
    assert x("XLEN", "mystream") == 1


def test_xadd_idmpauto_empty_values(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "") == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "value") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_with_maxlen(x):
    a = ("XADD", "mystream", "IDMPAUTO", "p1", "MAXLEN", "~", "100", "*", "field")
    id1 = x(*a, "value1")
    x(*a, "value2")
    assert x(*a, "value1") == id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_with_minid(x):
    a = ("XADD", "mystream", "IDMPAUTO", "p1", "MINID", "~", "1000000000-0", "*", "field", "v1")
    assert x(*a) == x(*a)
    assert x("XLEN", "mystream") == 1


def test_xadd_idmpauto_with_nomkstream(x):
    assert x("XADD", "mystream", "NOMKSTREAM", "IDMPAUTO", "p1", "*", "field", "value") is None
    x("XADD", "mystream", "*", "field", "initial")
    assert is_id(x("XADD", "mystream", "NOMKSTREAM", "IDMPAUTO", "p1", "*", "field", "test"))


def test_xadd_idmpauto_with_keepref(x):
    a = ("XADD", "mystream", "KEEPREF", "IDMPAUTO", "p1", "*", "field", "value1")
    assert x(*a) == x(*a)
    assert x("XLEN", "mystream") == 1


def test_xadd_idmpauto_argument_order(x):
    ids = [x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "test"),
           x("XADD", "mystream", "IDMPAUTO", "p1", "MAXLEN", "~", "100", "*", "field", "test2"),
           x("XADD", "mystream", "MAXLEN", "~", "100", "IDMPAUTO", "p1", "*", "field", "test3"),
           x("XADD", "mystream", "KEEPREF", "IDMPAUTO", "p1", "*", "field", "test4"),
           x("XADD", "mystream", "IDMPAUTO", "p1", "KEEPREF", "*", "field", "test5")]
    assert all(is_id(i) for i in ids)
    assert x("XLEN", "mystream") == 5


def test_xadd_idmpauto_persists_reload(ax):
    x = ax
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "value1")
    x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "value2")
    reload(x)
    assert x("XLEN", "mystream") == 2
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field", "value1") == id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_with_consumer_groups(x):
    x("XADD", "mystream", "*", "initial", "value")
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "event", "login", "user", "alice")
    x("XADD", "mystream", "IDMPAUTO", "p1", "*", "event", "logout", "user", "bob")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "event", "login", "user", "alice") == id1
    rep = x("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", "10", "STREAMS", "mystream",
            ">")
    assert len(msgs(rep)) == 3


def test_xadd_idmpauto_field_names_matter(x):
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field1", "value") != \
        x("XADD", "mystream", "IDMPAUTO", "p1", "*", "field2", "value")
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_numeric_fields(x):
    id1 = x("XADD", "mystream", "IDMPAUTO", "p1", "*", "123", "456", "789", "012")
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "123", "456", "789", "012") == id1
    assert x("XADD", "mystream", "IDMPAUTO", "p1", "*", "123", "999", "789", "012") != id1
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_producers_isolated(x):
    a = ("*", "amount", "100", "currency", "USD")
    id1 = x("XADD", "mystream", "IDMPAUTO", "producer1", *a)
    id2 = x("XADD", "mystream", "IDMPAUTO", "producer2", *a)
    assert id1 != id2
    assert x("XADD", "mystream", "IDMPAUTO", "producer1", *a) == id1
    assert x("XADD", "mystream", "IDMPAUTO", "producer2", *a) == id2
    assert x("XLEN", "mystream") == 2


def test_xadd_idmpauto_multiple_producers(x):
    a = ("*", "event", "login", "user", "alice")
    ids = [x("XADD", "mystream", "IDMPAUTO", p, *a) for p in ("app1", "app2", "app3")]
    assert len(set(ids)) == 3 and x("XLEN", "mystream") == 3
    assert x("XADD", "mystream", "IDMPAUTO", "app1", *a) == ids[0]
    assert info(x)["pids-tracked"] == 3


def test_xidmp_entries_expire_after_duration(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    x("XCFGSET", "mystream", "IDMP-DURATION", "1")
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value2") == id1
    time.sleep(2.2)
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value3") != id1


def test_xidmp_maxsize_evicts(x):
    x("XADD", "mystream", "IDMP", "p1", "init", "*", "field", "init")
    x("XCFGSET", "mystream", "IDMP-MAXSIZE", "3", "IDMP-DURATION", "60")
    ids = [x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v") for i in (1, 2, 3)]
    for i, eid in enumerate(ids, 1):
        assert x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "dup") == eid
    x("XADD", "mystream", "IDMP", "p1", "req-4", "*", "field", "v4")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "new") != ids[0]
    assert x("XADD", "mystream", "IDMP", "p1", "req-3", "*", "field", "dup2") == ids[2]
    assert x("XLEN", "mystream") == 6


def test_xcfgset_duration(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert x("XCFGSET", "mystream", "IDMP-DURATION", "5") == "OK"
    assert info(x)["idmp-duration"] == 5


def test_xcfgset_maxsize(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert x("XCFGSET", "mystream", "IDMP-MAXSIZE", "5000") == "OK"
    assert info(x)["idmp-maxsize"] == 5000


@pytest.mark.parametrize("case", ["set both", "xinfo shows them"])
def test_xcfgset_both(x, case):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert x("XCFGSET", "mystream", "IDMP-DURATION", "3", "IDMP-MAXSIZE", "10000") == "OK"
    i = info(x)
    assert (i["idmp-duration"], i["idmp-maxsize"]) == (3, 10000)


def test_xinfo_default_idmp_parameters(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    i = info(x)
    assert (i["idmp-duration"], i["idmp-maxsize"]) == (100, 100)


def test_xcfgset_nonexistent_stream(x):
    assert em(x("XCFGSET", "mystream", "IDMP-DURATION", "5"), "*no such key*")


def test_xcfgset_duration_maximum(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert x("XCFGSET", "mystream", "IDMP-DURATION", "86400") == "OK"
    assert info(x)["idmp-duration"] == 86400
    assert em(x("XCFGSET", "mystream", "IDMP-DURATION", "86401"), "*ERR IDMP-DURATION must be*")
    assert info(x)["idmp-duration"] == 86400


def test_xcfgset_duration_minimum(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    for v in ("0", "-100"):
        assert em(x("XCFGSET", "mystream", "IDMP-DURATION", v),
                  "*ERR IDMP-DURATION must be between*")
    assert x("XCFGSET", "mystream", "IDMP-DURATION", "1") == "OK"
    assert info(x)["idmp-duration"] == 1


def test_xcfgset_maxsize_maximum(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert x("XCFGSET", "mystream", "IDMP-MAXSIZE", "10000") == "OK"
    assert info(x)["idmp-maxsize"] == 10000
    assert em(x("XCFGSET", "mystream", "IDMP-MAXSIZE", "10001"),
              "*ERR IDMP-MAXSIZE must be between*")
    assert info(x)["idmp-maxsize"] == 10000


def test_xcfgset_maxsize_minimum(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    for v in ("0", "-50"):
        assert em(x("XCFGSET", "mystream", "IDMP-MAXSIZE", v), "*ERR IDMP-MAXSIZE must be between*")
    assert x("XCFGSET", "mystream", "IDMP-MAXSIZE", "1") == "OK"
    assert info(x)["idmp-maxsize"] == 1


def test_xcfgset_invalid_syntax(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    assert em(x("XCFGSET", "mystream"), "*ERR At least one parameter*")
    assert em(x("XCFGSET", "mystream", "IDMP-DURATION"), "*syntax*")
    assert em(x("XCFGSET", "mystream", "IDMP-MAXSIZE"), "*syntax*")
    for opt in ("IDMP-DURATION", "IDMP-MAXSIZE"):
        for bad in (("A",), ("AAA",), ("*",), ("-",), ("+",), ("120-5",), ("3.14",),
                    ("000000000",), (opt,), (opt, opt)):
            assert em(x("XCFGSET", "mystream", opt, *bad),
                      "*ERR value is not an integer*"), (opt, bad)
    assert em(x("XCFGSET", "mystream", "INVALID"), "*syntax*")
    assert em(x("XCFGSET", "mystream", "IDMP-DURATION", "INVALID", "IDMP-MAXSIZE"),
              "*ERR value is not an integer*")
    assert em(x("XCFGSET", "mystream", "IDMP-MAXSIZE", "INVALID", "IDMP-DURATION"),
              "*ERR value is not an integer*")


def test_xcfgset_multiple_changes(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    for v in ("1", "2", "3"):
        x("XCFGSET", "mystream", "IDMP-DURATION", v)
    for v in ("100", "200"):
        x("XCFGSET", "mystream", "IDMP-MAXSIZE", v)
    i = info(x)
    assert (i["idmp-duration"], i["idmp-maxsize"]) == (3, 200)


def test_xcfgset_persists_restart(ax, aof_server):
    ax("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    ax("XCFGSET", "mystream", "IDMP-DURATION", "75", "IDMP-MAXSIZE", "7500")
    x = restart(aof_server)
    i = info(x)
    assert (i["idmp-duration"], i["idmp-maxsize"]) == (75, 7500)


def test_xcfgset_in_aof_rewrite(ax):
    x = ax
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value")
    x("XCFGSET", "mystream", "IDMP-DURATION", "45", "IDMP-MAXSIZE", "4500")
    rewrite(x)
    reload(x)
    i = info(x)
    assert (i["idmp-duration"], i["idmp-maxsize"]) == (45, 4500)


@pytest.mark.parametrize("opt,val,iid", [("IDMP-DURATION", "5", "req-1"),
                                         ("IDMP-MAXSIZE", "5000", "req-2")])
def test_xcfgset_change_clears_history(x, opt, val, iid):
    ids = {i: x("XADD", "mystream", "IDMP", "p1", i, "*", "field", "v") for i in ("req-1", "req-2")}
    assert x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "dup") == ids[iid]
    x("XCFGSET", "mystream", opt, val)
    assert x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "new") != ids[iid]
    assert x("XLEN", "mystream") == 3


def test_xcfgset_cleared_then_dedup_again(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    x("XCFGSET", "mystream", "IDMP-DURATION", "6")
    new = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "new1")
    assert new != id1
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup1") == new
    assert x("XLEN", "mystream") == 2


def test_xcfgset_cleared_preserves_entries(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1", "data", "data1")
    x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "field", "value2", "data", "data2")
    x("XCFGSET", "mystream", "IDMP-DURATION", "7")
    entries = x("XRANGE", "mystream", "-", "+")
    assert len(entries) == 2
    assert kv(entries[0][1]) == {"field": "value1", "data": "data1"}
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "new1") != id1


@pytest.mark.parametrize("opt", ["IDMP-DURATION", "IDMP-MAXSIZE"])
def test_xcfgset_same_value_keeps_history(x, opt):
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    id2 = x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "field", "value2")
    assert info(x)[opt.lower()] == 100
    x("XCFGSET", "mystream", opt, "100")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup2") == id1
    assert x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "field", "dup3") == id2
    assert x("XLEN", "mystream") == 2


def test_xcfgset_repeated_same_value(x):
    x("XADD", "mystream", "*", "field", "init")
    x("XCFGSET", "mystream", "IDMP-DURATION", "10", "IDMP-MAXSIZE", "5000")
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    for _ in range(3):
        x("XCFGSET", "mystream", "IDMP-DURATION", "10", "IDMP-MAXSIZE", "5000")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup") == id1
    id2 = x("XADD", "mystream", "IDMP", "p2", "req-2", "*", "field", "value2")
    assert x("XADD", "mystream", "IDMP", "p2", "req-2", "*", "field", "dup2") == id2
    assert x("XLEN", "mystream") == 3


def test_xcfgset_change_after_same_value(x):
    id1 = x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    x("XCFGSET", "mystream", "IDMP-DURATION", "100")
    x("XCFGSET", "mystream", "IDMP-DURATION", "100")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup") == id1
    x("XCFGSET", "mystream", "IDMP-DURATION", "50")
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "new") != id1
    assert x("XLEN", "mystream") == 2


def test_xcfgset_same_value_keeps_counts(x):
    for p, i in (("p1", "req-1"), ("p1", "req-2"), ("p2", "req-3")):
        x("XADD", "mystream", "IDMP", p, i, "*", "field", "v")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (3, 3)
    x("XCFGSET", "mystream", "IDMP-DURATION", "100", "IDMP-MAXSIZE", "100")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (3, 3)


def test_xinfo_iids_tracked_and_added(x):
    x("XADD", "mystream", "*", "field", "value")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (0, 0)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (1, 1)
    x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "field", "value2")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (2, 2)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "duplicate")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (2, 2)
    full = info(x, full=True)
    assert (full["iids-tracked"], full["iids-added"]) == (2, 2)


def test_xinfo_iids_added_lifetime(x):
    x("XADD", "mystream", "IDMP", "p1", "init", "*", "field", "init")
    x("XCFGSET", "mystream", "IDMP-MAXSIZE", "3")
    for i in (1, 2, 3):
        x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (3, 4)
    for i in (4, 5):
        x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v")
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (3, 6)


def test_xinfo_iids_duplicates_lifetime(x):
    def counts():
        i = info(x)
        return i["iids-duplicates"], i["iids-added"]
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "v1")
    assert counts() == (0, 1)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "v1-dup")
    assert counts() == (1, 1)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "v1-dup2")
    assert counts() == (2, 1)
    x("XADD", "mystream", "IDMP", "p1", "req-2", "*", "field", "v2")
    assert counts() == (2, 2)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "v1-dup3")
    assert counts() == (3, 2)


def test_xinfo_iids_duplicates_after_eviction(x):
    def counts():
        i = info(x)
        return i["iids-tracked"], i["iids-added"], i["iids-duplicates"]
    x("XADD", "mystream", "IDMP", "p1", "init", "*", "field", "init")
    x("XCFGSET", "mystream", "IDMP-MAXSIZE", "3")
    for iid in ("req-1", "req-1", "req-2", "req-2"):
        x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "v")
    assert counts() == (2, 3, 2)
    for iid in ("req-3", "req-4"):
        x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "v")
    assert counts() == (3, 5, 2)
    for iid in ("req-3", "req-4"):
        x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "dup")
    assert counts() == (3, 5, 4)


def test_xinfo_iids_duplicates_multiple_producers(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "v1-p1")
    x("XADD", "mystream", "IDMP", "p2", "req-1", "*", "field", "v1-p2")
    i = info(x)
    assert (i["pids-tracked"], i["iids-added"], i["iids-duplicates"]) == (2, 2, 0)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup")
    x("XADD", "mystream", "IDMP", "p2", "req-1", "*", "field", "dup")
    i = info(x)
    assert (i["pids-tracked"], i["iids-added"], i["iids-duplicates"]) == (2, 2, 2)


def test_xinfo_iids_counters_after_cfgset(x):
    for iid in ("req-1", "req-2", "req-3", "req-1", "req-2"):
        x("XADD", "mystream", "IDMP", "p1", iid, "*", "field", "v")
    i = info(x)
    assert (i["iids-tracked"], i["iids-added"], i["iids-duplicates"]) == (3, 3, 2)
    x("XCFGSET", "mystream", "IDMP-DURATION", "60")
    i = info(x)
    assert (i["iids-tracked"], i["iids-added"], i["iids-duplicates"]) == (0, 3, 2)
    x("XADD", "mystream", "IDMP", "p1", "req-4", "*", "field", "v4")
    i = info(x)
    assert (i["iids-tracked"], i["iids-added"]) == (1, 4)


def test_xinfo_iids_added_persists_restart(ax, aof_server):
    for i in (1, 2, 3):
        ax("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v")
    ax("XCFGSET", "mystream", "IDMP-MAXSIZE", "2")
    for i in (4, 5):
        ax("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v")
    assert (info(ax)["iids-tracked"], info(ax)["iids-added"]) == (2, 5)
    x = restart(aof_server)
    assert (info(x)["iids-tracked"], info(x)["iids-added"]) == (2, 5)


def test_xinfo_pids_tracked(x):
    x("XADD", "mystream", "*", "field", "value")
    assert info(x)["pids-tracked"] == 0
    for p, iid, n in (("p1", "req-1", 1), ("p1", "req-2", 1), ("p2", "req-1", 2),
                      ("producer3", "req-1", 3)):
        x("XADD", "mystream", "IDMP", p, iid, "*", "field", "v")
        assert info(x)["pids-tracked"] == n


def test_xinfo_full_pids_tracked(x):
    for p in ("prod-a", "prod-b", "prod-c"):
        x("XADD", "mystream", "IDMP", p, "req-1", "*", "field", "v")
    assert info(x, full=True)["pids-tracked"] == 3


def test_xinfo_iids_tracked_all_producers(x):
    for p, iid in (("p1", "req-1"), ("p1", "req-2"), ("p2", "req-1"), ("p2", "req-2"),
                   ("p2", "req-3")):
        x("XADD", "mystream", "IDMP", p, iid, "*", "field", "v")
    i = info(x)
    assert (i["pids-tracked"], i["iids-tracked"], i["iids-added"]) == (2, 5, 5)
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "dup")
    x("XADD", "mystream", "IDMP", "p2", "req-2", "*", "field", "dup")
    i = info(x)
    assert (i["pids-tracked"], i["iids-tracked"], i["iids-added"]) == (2, 5, 5)


def test_xinfo_idmp_duration_and_maxsize_fields(x):
    x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "value1")
    i = info(x)
    assert i["idmp-duration"] == int(x("CONFIG", "GET", "stream-idmp-duration")[1])
    assert i["idmp-maxsize"] == int(x("CONFIG", "GET", "stream-idmp-maxsize")[1])
    x("XCFGSET", "mystream", "IDMP-DURATION", "300", "IDMP-MAXSIZE", "50")
    for full in (False, True):
        i = info(x, full=full)
        assert (i["idmp-duration"], i["idmp-maxsize"]) == (300, 50)
    x("XCFGSET", "mystream", "IDMP-DURATION", "600")
    assert (info(x)["idmp-duration"], info(x)["idmp-maxsize"]) == (600, 50)
    x("XCFGSET", "mystream", "IDMP-MAXSIZE", "100")
    assert (info(x)["idmp-duration"], info(x)["idmp-maxsize"]) == (600, 100)


def test_xcfgset_maxsize_wraparound(x):
    x("XADD", "mystream", "IDMP", "p1", "init", "*", "field", "init")
    x("XCFGSET", "mystream", "IDMP-MAXSIZE", "8", "IDMP-DURATION", "60")
    ids = [x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "v%d" % i)
           for i in range(1, 101)]
    for i in range(93, 101):
        assert x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "dup") == ids[i - 1]
    for i in range(1, 93):
        assert x("XADD", "mystream", "IDMP", "p1", "req-%d" % i, "*", "field", "new") != ids[i - 1]
    assert x("XLEN", "mystream") == 193


def test_xcfgset_clears_all_producers(x):
    ids = [x("XADD", "mystream", "IDMP", p, "req-1", "*", "field", "v") for p in ("p1", "p2", "p3")]
    assert (info(x)["pids-tracked"], info(x)["iids-tracked"]) == (3, 3)
    x("XCFGSET", "mystream", "IDMP-DURATION", "60")
    i = info(x)
    assert (i["pids-tracked"], i["iids-tracked"], i["iids-added"]) == (0, 0, 3)
    assert x("XADD", "mystream", "IDMP", "p1", "req-1", "*", "field", "new") != ids[0]


def test_config_set_stream_idmp_validation(x):
    try:
        for name, bad in (("stream-idmp-duration", ("86401", "100000", "0", "-1", "-100")),
                          ("stream-idmp-maxsize", ("10001", "50000", "0", "-1", "-100"))):
            for v in bad:
                assert em(x("CONFIG", "SET", name, v), "*must be between*"), (name, v)
        for name, v in (("stream-idmp-duration", "86400"), ("stream-idmp-maxsize", "10000"),
                        ("stream-idmp-duration", "1"), ("stream-idmp-maxsize", "1")):
            assert x("CONFIG", "SET", name, v) == "OK"
            assert x("CONFIG", "GET", name) == [name, v]
    finally:
        assert x("CONFIG", "SET", "stream-idmp-duration", "100") == "OK"
        assert x("CONFIG", "SET", "stream-idmp-maxsize", "100") == "OK"


# =============================================================================================
# stream.tcl: XTRIM approximate with ACKED / DELREF, XDELEX (8.2)
# =============================================================================================


@pytest.fixture
def node2(x):
    old = x("CONFIG", "GET", "stream-node-max-entries")[1]
    x("CONFIG", "SET", "stream-node-max-entries", "2")
    yield
    x("CONFIG", "SET", "stream-node-max-entries", old)


def test_xtrim_approx_acked(x, node2):
    fill(x, "mystream", 5)
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    x("XREADGROUP", "GROUP", "mygroup", "consumer1", "STREAMS", "mystream", ">")
    x("XACK", "mystream", "mygroup", "1-0", "2-0", "4-0")
    assert x("XTRIM", "mystream", "MINID", "~", "6-0", "ACKED") == 3
    assert x("XLEN", "mystream") == 2
    assert x("XRANGE", "mystream", "-", "+") == [["3-0", ["f", "v3"]], ["5-0", ["f", "v5"]]]


def test_xtrim_approx_delref(x, node2):
    fill(x, "mystream", 4)
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    x("XREADGROUP", "GROUP", "mygroup", "consumer1", "STREAMS", "mystream", ">")
    assert x("XTRIM", "mystream", "MINID", "~", "5-0", "DELREF") == 4
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "mygroup") == [0, None, None, None]


def test_xdelex_wrong_number_of_args(x):
    assert em(x("XDELEX", "s", "DELREF"), "*wrong number of arguments for 'xdelex' command")


def test_xdelex_missing_key(x):
    assert x("XDELEX", "nonexist", "IDS", "2", "1-1", "2-2") == [-1, -1]


def test_xdelex_ids_validation(x):
    x("XADD", "s", "1-0", "f", "v")
    x("XGROUP", "CREATE", "s", "g", "0")
    for n in ("abc", "0", "-5"):
        assert em(x("XDELEX", "s", "IDS", n, "1-1"), "*Number of IDs must be a positive integer*")
    assert em(x("XDELEX", "s", "IDS", "3", "1-1", "2-2"),
              "*The `numids` parameter must match the number of arguments*")
    assert em(x("XDELEX", "s", "IDS", "1", "1-1", "2-2"), "*syntax error*")
    assert x("XDELEX", "s", "IDS", "2", "1-1", "2-2") == [-1, -1]


def test_xdelex_exclusive_options(x):
    for a, b in (("KEEPREF", "DELREF"), ("KEEPREF", "ACKED"), ("ACKED", "DELREF")):
        assert em(x("XDELEX", "s", a, b, "IDS", "1", "1-1"), "*syntax error*")


def two_groups_read(x, key="mystream"):
    x("XADD", key, "1-0", "f", "v")
    x("XADD", key, "2-0", "f", "v")
    x("XGROUP", "CREATE", key, "group1", "0")
    x("XGROUP", "CREATE", key, "group2", "0")
    x("XREADGROUP", "GROUP", "group1", "consumer1", "STREAMS", key, ">")
    x("XREADGROUP", "GROUP", "group2", "consumer2", "STREAMS", key, ">")


EMPTY_PEL = [0, None, None, None]


def test_xdelex_delref(x):
    two_groups_read(x)
    assert x("XDELEX", "mystream", "DELREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "group1") == EMPTY_PEL
    assert x("XPENDING", "mystream", "group2") == EMPTY_PEL


def test_xdelex_acked(x):
    two_groups_read(x)
    x("XGROUP", "CREATE", "mystream", "group3", "0")
    x("XACK", "mystream", "group1", "1-0", "2-0")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "2", "1-0", "2-0") == [2, 2]
    assert x("XLEN", "mystream") == 2
    x("XACK", "mystream", "group2", "1-0", "2-0")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "2", "1-0", "2-0") == [2, 2]
    assert x("XLEN", "mystream") == 2
    x("XREADGROUP", "GROUP", "group3", "consumer3", "STREAMS", "mystream", ">")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "2", "1-0", "2-0") == [2, 2]
    assert x("XLEN", "mystream") == 2
    x("XACK", "mystream", "group3", "1-0", "2-0")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0


def test_xdelex_acked_new_group(x):
    fill(x, "mystream", 3)
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    x("XREADGROUP", "GROUP", "group1", "consumer1", "STREAMS", "mystream", ">")
    assert x("XACK", "mystream", "group1", "1-0", "2-0", "3-0") == 3
    assert x("XDELEX", "mystream", "ACKED", "IDS", "1", "1-0") == [1]
    x("XGROUP", "CREATE", "mystream", "group2", "0")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "1", "2-0") == [2]
    x("XREADGROUP", "GROUP", "group2", "consumer1", "STREAMS", "mystream", ">")
    assert x("XACK", "mystream", "group2", "2-0", "3-0") == 2
    assert x("XDELEX", "mystream", "ACKED", "IDS", "2", "2-0", "3-0") == [1, 1]


def test_xdelex_keepref(x):
    two_groups_read(x)
    assert x("XDELEX", "mystream", "KEEPREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "group1") == [2, "1-0", "2-0", [["consumer1", "2"]]]
    assert x("XPENDING", "mystream", "group2") == [2, "1-0", "2-0", [["consumer2", "2"]]]


# =============================================================================================
# stream-cgroups.tcl: XGROUP CREATE / XREADGROUP argument checks
# =============================================================================================


def test_xgroup_create_entriesread(x):
    for i, f in enumerate("abcd", 1):
        x("XADD", "mystream", "1-%d" % i, f, str(i))
    assert em(x("XGROUP", "CREATE", "mystream", "mygroup", "$", "ENTRIESREAD", "-3"),
              "*value for ENTRIESREAD must be positive or -1*")
    x("XGROUP", "CREATE", "mystream", "mygroup1", "$", "ENTRIESREAD", "0")
    x("XGROUP", "CREATE", "mystream", "mygroup2", "$", "ENTRIESREAD", "3")
    got = {kv(g)["name"]: kv(g)["entries-read"] for g in x("XINFO", "GROUPS", "mystream")}
    assert got == {"mygroup1": 0, "mygroup2": 3}


@pytest.fixture
def grp(x):
    x("XADD", "mystream", "*", "field", "value")
    x("XGROUP", "CREATE", "mystream", "mygroup", "$")


def test_xreadgroup_argument_count(x):
    for args in ((), ("GROUP",), ("GROUP", "mygroup"), ("GROUP", "mygroup", "consumer"),
                 ("GROUP", "mygroup", "consumer", "STREAMS")):
        assert em(x("XREADGROUP", *args), "*wrong number of arguments*")


def test_xreadgroup_group_keyword(x, grp):
    assert em(x("XREADGROUP", "mygroup", "consumer", "STREAMS", "mystream", ">"),
              "*wrong number of arguments*")
    assert em(x("XREADGROUP", "GROUPS", "mygroup", "consumer", "STREAMS", "mystream", ">"),
              "*syntax error*")


def test_xreadgroup_empty_group_name(x, grp):
    assert em(x("XREADGROUP", "GROUP", "", "consumer", "STREAMS", "mystream", ">"), "*NOGROUP*")


def test_xreadgroup_streams_keyword(x, grp):
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "mystream", ">"),
              "*wrong number of arguments*")
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAM", "mystream", ">"),
              "*syntax error*")


def test_xreadgroup_stream_and_id_pairing(x, grp):
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAMS", "mystream"),
              "*wrong number of arguments*")
    x("XADD", "stream2", "*", "field", "value")
    x("XGROUP", "CREATE", "stream2", "mygroup", "$")
    for tail in ((">", "stream2"), ("stream2", ">")):
        assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAMS", "mystream", *tail),
                  "*Unbalanced*")


def test_xreadgroup_count_validation(x, grp):
    for v in ("abc", "1.5"):
        assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "COUNT", v, "STREAMS",
                    "mystream", ">"), "*not an integer*")


def test_xreadgroup_block_validation(x, grp):
    for v in ("abc", "1.5"):
        assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "BLOCK", v, "STREAMS",
                    "mystream", ">"), "*not an integer*")
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "BLOCK", "STREAMS", "mystream",
                ">"), "*ERR timeout is not an integer or out of range*")
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "BLOCK", "-1", "STREAMS",
                "mystream", ">"), "*ERR timeout is negative*")


def test_xreadgroup_id_format(x, grp):
    for bad in ("invalid-id", "123-", "-123", "abc-def", "--", "123-abc"):
        assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAMS", "mystream", bad),
                  "*Invalid stream ID*")


def test_xreadgroup_nonexistent_group(x, grp):
    assert em(x("XREADGROUP", "GROUP", "nonexistent", "consumer", "STREAMS", "mystream", ">"),
              "*NOGROUP*")


def test_xreadgroup_nonexistent_stream(x, grp):
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAMS", "nonexistent", ">"),
              "*NOGROUP*")


def test_xreadgroup_wrong_key_type(x):
    x("SET", "wrongtype", "not a stream")
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "STREAMS", "wrongtype", ">"),
              "*WRONGTYPE*")


def test_xreadgroup_boundary_values(x, grp):
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "COUNT", "18446744073709551616",
                "STREAMS", "mystream", ">"), "*value is not an integer or out of range*")
    assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", "BLOCK", "18446744073709551616",
                "STREAMS", "mystream", ">"), "*timeout is not an integer or out of range*")


def test_xreadgroup_malformed_parameters(x, grp):
    for opt in (("INVALID", "param"), ("TIMEOUT", "1000")):
        assert em(x("XREADGROUP", "GROUP", "mygroup", "consumer", *opt, "STREAMS", "mystream",
                    ">"), "*syntax error*")


def test_xread_and_xreadgroup_unbalanced_texts(x):
    x("XADD", "mystream", "666", "f", "v")
    x("XGROUP", "CREATE", "mystream", "mygroup", "$")
    assert x("XREADGROUP", "GROUP", "mygroup", "Alice", "COUNT", "1", "STREAMS", "mystream") == \
        "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be " \
        "specified."
    assert x("XREAD", "COUNT", "1", "STREAMS", "mystream") == \
        "ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must be " \
        "specified."


def test_xpending_empty_results(x, grp):
    assert x("XPENDING", "mystream", "mygroup") == EMPTY_PEL
    assert x("XPENDING", "mystream", "mygroup", "-", "+", "10") == []


# =============================================================================================
# stream-cgroups.tcl: XGROUP DESTROY and references, XACKDEL (8.2)
# =============================================================================================


def test_xgroup_destroy_removes_references(x):
    for j in range(5):
        x("XADD", "mystream", "%d-1" % j, "item", str(j))
    x("XGROUP", "CREATE", "mystream", "mygroup", "0")
    x("XREADGROUP", "GROUP", "mygroup", "consumer1", "STREAMS", "mystream", ">")
    assert x("XPENDING", "mystream", "mygroup")[0] == 5
    ids = ["%d-1" % j for j in range(5)]
    assert x("XDELEX", "mystream", "ACKED", "IDS", "5", *ids) == [2] * 5
    x("XGROUP", "DESTROY", "mystream", "mygroup")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "5", *ids) == [1] * 5
    assert x("XLEN", "mystream") == 0


def test_xgroup_destroy_min_last_id(x):
    fill(x, "mystream", 5)
    x("XGROUP", "CREATE", "mystream", "group1", "1-0")
    x("XGROUP", "CREATE", "mystream", "group2", "3-0")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "1", "1-0") == [1]
    assert x("XDELEX", "mystream", "ACKED", "IDS", "1", "2-0") == [2]
    x("XGROUP", "DESTROY", "mystream", "group1")
    assert x("XDELEX", "mystream", "ACKED", "IDS", "1", "2-0") == [1]


def test_xackdel_wrong_number_of_args(x):
    for args in ((), ("s",), ("s", "g")):
        assert em(x("XACKDEL", *args), "*wrong number of arguments for 'xackdel' command")


def test_xackdel_missing_key_or_group(x):
    assert x("XACKDEL", "s", "g", "IDS", "2", "1-1", "2-2") == [-1, -1]
    x("XADD", "s", "1-0", "f", "v")
    assert x("XACKDEL", "s", "g", "IDS", "2", "1-1", "2-2") == [-1, -1]


def test_xackdel_ids_validation(x):
    x("XADD", "s", "1-0", "f", "v")
    x("XGROUP", "CREATE", "s", "g", "0")
    for n in ("abc", "0", "-5"):
        assert em(x("XACKDEL", "s", "g", "IDS", n, "1-1"),
                  "*Number of IDs must be a positive integer*")
    assert em(x("XACKDEL", "s", "g", "IDS", "3", "1-1", "2-2"),
              "*The `numids` parameter must match the number of arguments*")
    assert em(x("XACKDEL", "s", "g", "IDS", "1", "1-1", "2-2"), "*syntax error*")


def test_xackdel_exclusive_options(x):
    x("XADD", "s", "1-0", "f", "v")
    x("XGROUP", "CREATE", "s", "g", "0")
    for a, b in (("KEEPREF", "DELREF"), ("KEEPREF", "ACKED"), ("DELREF", "ACKED")):
        assert em(x("XACKDEL", "s", "g", a, b, "IDS", "1", "1-1"), "*syntax error*")


def test_xackdel_delref(x):
    two_groups_read(x)
    assert x("XACKDEL", "mystream", "group1", "DELREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "group1") == EMPTY_PEL
    assert x("XPENDING", "mystream", "group2") == EMPTY_PEL
    assert x("XACKDEL", "mystream", "group2", "DELREF", "IDS", "2", "1-0", "2-0") == [-1, -1]


def test_xackdel_acked(x):
    two_groups_read(x)
    assert x("XACKDEL", "mystream", "group1", "ACKED", "IDS", "2", "1-0", "2-0") == [2, 2]
    assert x("XLEN", "mystream") == 2
    assert x("XPENDING", "mystream", "group1") == EMPTY_PEL
    assert x("XPENDING", "mystream", "group2") == [2, "1-0", "2-0", [["consumer2", "2"]]]
    assert x("XACKDEL", "mystream", "group2", "ACKED", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "group2") == EMPTY_PEL


def test_xackdel_keepref(x):
    two_groups_read(x)
    assert x("XACKDEL", "mystream", "group1", "KEEPREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XLEN", "mystream") == 0
    assert x("XPENDING", "mystream", "group1") == EMPTY_PEL
    assert x("XPENDING", "mystream", "group2") == [2, "1-0", "2-0", [["consumer2", "2"]]]
    assert x("XACKDEL", "mystream", "group2", "KEEPREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert x("XPENDING", "mystream", "group2") == EMPTY_PEL


@pytest.mark.parametrize("cmd", ["CREATE", "SETID"])
def test_xgroup_entriesread_capped(x, cmd):
    x("XADD", "mystream", "*", "field", "value")
    if cmd == "CREATE":
        x("XGROUP", "CREATE", "mystream", "mygroup", "$", "ENTRIESREAD", "9999")
    else:
        x("XGROUP", "CREATE", "mystream", "mygroup", "$")
        x("XGROUP", "SETID", "mystream", "mygroup", "$", "ENTRIESREAD", "9999")
    g = group_full(x)
    assert (g["lag"], g["entries-read"]) == (0, 1)


def test_xackdel_many_ids(x):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    res = x("XACKDEL", "mystream", "mygroup", "IDS", "50", *["%d-1" % i for i in range(50)])
    assert len(res) == 50
    assert x("PING") == "PONG"


# =============================================================================================
# stream-cgroups.tcl: XREADGROUP CLAIM (8.4)
# =============================================================================================


def rg(x, consumer, *opts, key="mystream", group="group1", ids=(">",)):
    keys = key if isinstance(key, tuple) else (key,)
    return x("XREADGROUP", "GROUP", group, consumer, *opts, "STREAMS", *keys, *ids)


def setup3(x, n=2, group="group1"):
    fill(x, "mystream", n)
    x("XGROUP", "CREATE", "mystream", group, "0")


def test_claim_field_types(x, raw):
    setup3(x, 1)
    rg(x, "consumer1")
    nap()
    c = raw()
    out = c.call_raw("XREADGROUP", "GROUP", "group1", "consumer2", "CLAIM", str(IDLE), "STREAMS",
                     "mystream", ">")
    lines = out.split(b"\r\n")
    assert lines[:13] == [b"*1", b"*2", b"$8", b"mystream", b"*1", b"*4", b"$3", b"1-0", b"*2",
                          b"$1", b"f", b"$2", b"v1"]
    assert lines[13].startswith(b":") and lines[14].startswith(b":")


def test_claim_returns_unacknowledged(x):
    setup3(x)
    assert len(msgs(rg(x, "consumer1"))) == 2
    assert x("XPENDING", "mystream", "group1")[0] == 2
    nap()
    rep = rg(x, "consumer2", "CLAIM", str(IDLE))
    assert rep[0][0] == "mystream"
    m = msgs(rep)
    assert [(e[0], e[1], e[3]) for e in m] == [("1-0", ["f", "v1"], 1), ("2-0", ["f", "v2"], 1)]
    assert all(e[2] >= IDLE for e in m)
    p = pending(x, group="group1")
    assert [(e[1], e[3]) for e in p] == [("consumer2", 2), ("consumer2", 2)]


def test_claim_respects_min_idle(x):
    setup3(x)
    assert len(msgs(rg(x, "consumer1"))) == 2
    assert x("XPENDING", "mystream", "group1")[0] == 2
    assert rg(x, "consumer2", "CLAIM", "100000") is None


def test_claim_with_count(x):
    setup3(x, 3)
    assert len(msgs(rg(x, "consumer1"))) == 3
    nap()
    m = msgs(rg(x, "consumer2", "COUNT", "2", "CLAIM", str(IDLE)))
    assert [(e[0], e[1], e[3]) for e in m] == [("1-0", ["f", "v1"], 1), ("2-0", ["f", "v2"], 1)]
    assert all(e[2] >= IDLE for e in m)


def test_claim_without_messages(x):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XDEL", "mystream", "1-0")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    assert rg(x, "consumer1", "CLAIM", "100") is None


def test_claim_without_pending(x):
    setup3(x)
    m = msgs(rg(x, "consumer1", "CLAIM", "100"))
    assert m == [["1-0", ["f", "v1"], 0, 0], ["2-0", ["f", "v2"], 0, 0]]


def test_claim_response_format(x):
    setup3(x)
    rep = rg(x, "consumer1", "COUNT", "1")
    assert rep[0][0] == "mystream" and len(msgs(rep)) == 1 and len(msgs(rep)[0]) == 2
    assert x("XPENDING", "mystream", "group1")[0] == 1
    nap()
    m = msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))
    assert m[0][:2] == ["1-0", ["f", "v1"]] and m[0][2] >= IDLE and m[0][3] == 1
    assert m[1] == ["2-0", ["f", "v2"], 0, 0]


def test_claim_delivery_count(x):
    setup3(x, 1)
    rg(x, "consumer1")
    nap()
    assert msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))[0][3] == 1
    for _ in range(2):
        nap()
        rg(x, "consumer3", "CLAIM", str(IDLE))
    nap()
    assert msgs(rg(x, "consumer3", "CLAIM", str(IDLE)))[0][3] == 4
    nap()
    rg(x, "consumer4", "CLAIM", str(IDLE))
    nap()
    assert msgs(rg(x, "consumer5", "CLAIM", str(IDLE)))[0][3] == 6


def test_claim_idle_time(x):
    setup3(x, 1)
    rg(x, "consumer1")
    for consumer, idle in (("consumer2", 20), ("consumer3", 30), ("consumer3", 40),
                           ("consumer3", 10)):
        nap(idle / 1000 + 0.03)
        assert msgs(rg(x, consumer, "CLAIM", str(idle)))[0][2] >= idle


def test_claim_with_noack(x):
    setup3(x)
    nap()
    assert len(msgs(rg(x, "consumer1", "NOACK", "CLAIM", str(IDLE)))) == 2
    assert x("XPENDING", "mystream", "group1")[0] == 0
    assert rg(x, "consumer1", "NOACK", "CLAIM", str(IDLE)) is None


def test_claim_with_noack_and_pending(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    assert x("XPENDING", "mystream", "group1")[0] == 1
    nap()
    assert len(msgs(rg(x, "consumer1", "NOACK", "CLAIM", str(IDLE)))) == 2
    assert x("XPENDING", "mystream", "group1")[0] == 1
    nap()
    m = msgs(rg(x, "consumer1", "NOACK", "CLAIM", str(IDLE)))
    assert [e[0] for e in m] == ["1-0"]


def test_claim_multiple_streams(x):
    keys = ("mystream{t}1", "mystream{t}2", "mystream{t}3")
    for n, k in enumerate(keys):
        x("XADD", k, "%d-0" % (2 * n + 1), "f", "v1")
        x("XADD", k, "%d-0" % (2 * n + 2), "f", "v2")
        x("XGROUP", "CREATE", k, "group1", "0")
    rg(x, "consumer1", "COUNT", "1", key=keys, ids=(">",) * 3)
    nap()
    rep = rg(x, "consumer1", "CLAIM", str(IDLE), key=keys, ids=(">",) * 3)
    for n, k in enumerate(keys):
        assert rep[n][0] == k
        assert [(e[0], e[3]) for e in rep[n][1]] == [("%d-0" % (2 * n + 1), 1),
                                                     ("%d-0" % (2 * n + 2), 0)]


def test_claim_min_idle_zero(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    rep = rg(x, "consumer1", "CLAIM", "0")
    assert rep[0][0] == "mystream"
    assert [(e[0], e[3]) for e in msgs(rep)] == [("1-0", 1), ("2-0", 0)]


def test_claim_large_min_idle(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    nap()
    rep = rg(x, "consumer1", "CLAIM", "9223372036854775807")
    assert [(e[0], e[3]) for e in msgs(rep)] == [("2-0", 0)]


def test_claim_min_idle_not_integer(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    for bad in ("test", "5.5", "5,5", "10e", "+10", "*10", "10/2", "10*2", "10€"):
        assert em(rg(x, "consumer1", "CLAIM", bad), "*ERR min-idle-time is not an integer*"), bad


def test_claim_min_idle_negative(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    for bad in ("-10", "-42"):
        assert em(rg(x, "consumer1", "CLAIM", bad),
                  "*ERR min-idle-time must be a positive integer*"), bad
    for bad in ("-0", "-5.5", "-5,5", "-10e", "-10/2", "-10*2", "(-10)*2"):
        assert em(rg(x, "consumer1", "CLAIM", bad), "*ERR min-idle-time is not an integer*"), bad


def test_claim_different_positions(x):
    setup3(x)
    rg(x, "consumer1", "COUNT", "1")
    positions = (("COUNT", "1", "CLAIM", str(IDLE)), ("CLAIM", str(IDLE), "COUNT", "1"),
                 ("CLAIM", str(IDLE), "COUNT", "1", "CLAIM", "30"))
    for n, opts in enumerate(positions, 1):
        nap()
        m = msgs(rg(x, "consumer1", *opts))
        assert [(e[0], e[3]) for e in m] == [("1-0", n)]
    nap()
    rep = x("XREADGROUP", "CLAIM", str(IDLE), "GROUP", "group1", "consumer1", "COUNT", "1",
            "STREAMS", "mystream", ">")
    assert [(e[0], e[3]) for e in msgs(rep)] == [("1-0", 4)]
    bad = (
        (("GROUP", "group1", "consumer1", "CLAIM", "10", "CLAIM", "COUNT", "1", "STREAMS",
          "mystream", ">"), "*ERR min-idle-time is not an integer*"),
        (("CLAIM", "GROUP", "group1", "consumer1", "COUNT", "1", "STREAMS", "mystream", ">"),
         "*ERR min-idle-time is not an integer*"),
        (("GROUP", "group1", "consumer1", "COUNT", "1", "STREAMS", "mystream", "CLAIM", "50",
          ">"), "*NOGROUP No such key*"),
        (("GROUP", "group1", "consumer1", "COUNT", "1", "STREAMS", "mystream", "CLAIM", ">"),
         "*ERR Unbalanced*"),
        (("GROUP", "group1", "consumer1", "COUNT", "1", "STREAMS", "mystream", ">", "CLAIM",
          "50"), "*ERR Invalid stream ID*"),
        (("GROUP", "group1", "consumer1", "COUNT", "1", "STREAMS", "mystream", ">", "CLAIM"),
         "*ERR Unbalanced*"),
        (("GROUP", "group1", "CLAIM", "50", "consumer1", "STREAMS", "mystream", ">"),
         "*ERR syntax error*"),
        (("GROUP", "group1", "consumer1", "CLAIM", "STREAMS", "mystream", ">"),
         "*ERR min-idle-time is not an integer*"),
    )
    for args, pattern in bad:
        assert em(x("XREADGROUP", *args), pattern), args


def test_claim_with_specific_id(x):
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    rep = rg(x, "consumer1", "CLAIM", "1000", ids=("0",))
    assert rep[0][0] == "mystream"
    assert len(msgs(rep)) == 3 and len(msgs(rep)[0]) == 2


def test_claim_nonexistent_group(x):
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    assert em(rg(x, "consumer1", "CLAIM", str(IDLE), group="not_existing_group"),
              "*NOGROUP No such key*")


def test_claim_nonexistent_consumer(x):
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    rep = rg(x, "consumer2", "CLAIM", str(IDLE))
    assert rep[0][0] == "mystream" and len(msgs(rep)) == 3


def test_claim_ownership_and_counts(x):
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    assert len(msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))) == 3
    p = pending(x, group="group1")
    assert [(e[0], e[1], e[3]) for e in p] == [("1-0", "consumer2", 2), ("2-0", "consumer2", 2),
                                               ("3-0", "consumer2", 2)]


def test_claim_xack_removes(x):
    setup3(x, 3)
    rg(x, "consumer1")
    x("XACK", "mystream", "group1", "1-0", "3-0")
    nap()
    assert [e[0] for e in msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))] == ["2-0"]
    x("XACK", "mystream", "group1", "2-0")
    nap()
    assert rg(x, "consumer2", "CLAIM", str(IDLE)) is None


def test_claim_after_xclaim_counts(x):
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    x("XCLAIM", "mystream", "group1", "consumer3", str(IDLE), "2-0", "3-0")
    nap()
    m = msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))
    assert [(e[0], e[3]) for e in m] == [("1-0", 1), ("2-0", 2), ("3-0", 2)]


def test_claim_forced_entries(x):
    setup3(x, 3)
    x("XCLAIM", "mystream", "group1", "consumer3", "0", "1-0", "2-0", "FORCE", "JUSTID")
    m = msgs(rg(x, "consumer2", "CLAIM", "0", "COUNT", "2"))
    assert [(e[0], e[3]) for e in m] == [("1-0", 1), ("2-0", 1)]


def test_claim_with_block(x):
    setup3(x, 3)
    rg(x, "consumer1")
    assert rg(x, "consumer1", "BLOCK", "1") is None
    assert rg(x, "consumer1", "BLOCK", "100", "CLAIM", "100000") is None
    nap()
    rep = rg(x, "consumer1", "BLOCK", "10000", "CLAIM", str(IDLE))
    assert rep[0][0] == "mystream" and len(msgs(rep)) == 3
    nap()
    rep = rg(x, "consumer1", "BLOCK", "0", "CLAIM", str(IDLE))
    assert rep[0][0] == "mystream" and len(msgs(rep)) == 3


def test_claim_two_blocked_clients(x, raw):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XDEL", "mystream", "1-0")
    x("XGROUP", "CREATE", "mystream", "group1", "0", "MKSTREAM")
    c, w1, w2 = raw(), raw(), raw()
    for w, name in ((w1, "consumer1"), (w2, "consumer2")):
        w.send_cmd("XREADGROUP", "GROUP", "group1", name, "BLOCK", "0", "CLAIM", "100",
                   "STREAMS", "mystream", ">")
    wait_blocked(c, 2)
    x("XADD", "mystream", "2-0", "f", "v2")
    assert len(w1.read()) == 1
    assert len(w2.read()) == 1


def test_claim_claimable_during_block(x, raw):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1")
    c, w = raw(), raw()
    w.send_cmd("XREADGROUP", "GROUP", "group1", "consumer2", "BLOCK", "20000", "CLAIM", "300",
               "STREAMS", "mystream", ">")
    wait_blocked(c, 1)
    rep = w.read()
    assert len(rep) == 1 and rep[0][1][0][0] == b"1-0" and rep[0][1][0][2] >= 300


def test_claim_block_times_out(x):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1")
    assert rg(x, "consumer2", "BLOCK", "100", "CLAIM", "100000") is None


def test_claim_block_multiple_streams_mixed(x):
    x("XADD", "stream{t}1", "1-0", "f", "v1")
    x("XADD", "stream{t}2", "2-0", "f", "v2")
    x("XGROUP", "CREATE", "stream{t}1", "group1", "0")
    x("XGROUP", "CREATE", "stream{t}2", "group1", "0")
    rg(x, "consumer1", "COUNT", "1", key=("stream{t}1", "stream{t}2"), ids=(">", ">"))
    nap()
    rep = rg(x, "consumer2", "BLOCK", "1000", "CLAIM", str(IDLE),
             key=("stream{t}1", "stream{t}2"), ids=(">", ">"))
    assert [(k, len(m)) for k, m in rep] == [("stream{t}1", 1), ("stream{t}2", 1)]


def test_claim_all_pending_immediately(x):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1")
    assert len(msgs(rg(x, "consumer2", "BLOCK", "1000", "CLAIM", "0"))) == 1


def test_claim_block_and_noack(x):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1")
    nap()
    assert len(msgs(rg(x, "consumer2", "BLOCK", "1000", "CLAIM", str(IDLE), "NOACK"))) == 1
    assert len(pending(x, group="group1")) == 1


def test_claim_block_wakes_on_new_entry(x, raw):
    x("XADD", "mystream", "1-0", "f", "v1")
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1")
    c, w = raw(), raw()
    w.send_cmd("XREADGROUP", "GROUP", "group1", "consumer2", "BLOCK", "20000", "CLAIM", "100000",
               "STREAMS", "mystream", ">")
    wait_blocked(c, 1)
    x("XADD", "mystream", "2-0", "f", "v2")
    rep = w.read()
    assert [e[0] for e in rep[0][1]] == [b"2-0"]


def test_claim_order(x):
    fill(x, "mystream", 6)
    x("XGROUP", "CREATE", "mystream", "group1", "0")
    rg(x, "consumer1", "COUNT", "10")
    sec, usec = x("TIME")
    now = int(sec) * 1000 + int(usec) // 1000
    for i, ago in enumerate((50000, 40000, 30000, 20000, 2000, 1000), 1):
        x("XCLAIM", "mystream", "group1", "consumer1", "0", "%d-0" % i, "TIME", str(now - ago),
          "JUSTID")
    m = msgs(rg(x, "consumer2", "CLAIM", "10000", "COUNT", "10"))
    assert [e[0] for e in m] == ["1-0", "2-0", "3-0", "4-0"]
    assert [e[0] for e in msgs(rg(x, "consumer2", "CLAIM", "1500", "COUNT", "10"))] == ["5-0"]
    assert [e[0] for e in msgs(rg(x, "consumer2", "CLAIM", "500", "COUNT", "10"))] == ["6-0"]


def test_claim_after_consumer_deleted(x):
    setup3(x, 1)
    rg(x, "consumer1")
    x("XGROUP", "DELCONSUMER", "mystream", "group1", "consumer1")
    assert pending(x, group="group1") == []
    nap()
    assert rg(x, "consumer2", "CLAIM", str(IDLE)) is None


def test_claim_after_setid_forward(x):
    setup3(x)
    rg(x, "consumer1")
    x("XGROUP", "SETID", "mystream", "group1", "2-0")
    nap()
    assert len(msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))) == 2


def test_claim_after_setid_back(x):
    setup3(x)
    rg(x, "consumer1")
    rg(x, "consumer2", "CLAIM", "0")
    x("XGROUP", "SETID", "mystream", "group1", "0")
    nap()
    m = msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))
    assert [(e[0], e[3]) for e in m] == [("1-0", 2), ("2-0", 2), ("1-0", 0), ("2-0", 0)]
    nap()
    m = msgs(rg(x, "consumer2", "CLAIM", str(IDLE)))
    assert [(e[0], e[3]) for e in m] == [("1-0", 1), ("2-0", 1)]


def test_claim_pending_trimmed(x):
    setup3(x, 3)
    rg(x, "consumer1")
    x("XTRIM", "mystream", "MAXLEN", "0")
    nap()
    assert rg(x, "consumer2", "CLAIM", str(IDLE)) is None


def test_claim_state_persists_reload(ax):
    x = ax
    setup3(x, 3)
    rg(x, "consumer1")
    nap()
    rg(x, "consumer2", "CLAIM", str(IDLE))
    reload(x)
    p = pending(x, group="group1")
    assert [(e[0], e[1], e[3]) for e in p] == [("1-0", "consumer2", 2), ("2-0", "consumer2", 2),
                                               ("3-0", "consumer2", 2)]
    nap()
    m = msgs(rg(x, "consumer3", "CLAIM", str(IDLE)))
    assert [(e[0], e[3]) for e in m] == [("1-0", 2), ("2-0", 2), ("3-0", 2)]


def test_claim_multiple_groups_persist(ax):
    x = ax
    setup3(x)
    x("XGROUP", "CREATE", "mystream", "group2", "0")
    rg(x, "consumer1", "COUNT", "1")
    rg(x, "consumer1", group="group2")
    nap()
    rg(x, "consumer2", "CLAIM", str(IDLE))
    reload(x)
    assert x("XPENDING", "mystream", "group1")[0] == 2
    assert x("XPENDING", "mystream", "group2")[0] == 2


def test_claim_noack_not_persisted(ax):
    x = ax
    setup3(x, 1)
    nap()
    rg(x, "consumer1", "NOACK", "CLAIM", str(IDLE))
    assert x("XPENDING", "mystream", "group1")[0] == 0
    reload(x)
    assert x("XPENDING", "mystream", "group1")[0] == 0


def test_claim_high_delivery_counts_persist(ax):
    x = ax
    setup3(x, 1)
    rg(x, "consumer1")
    for _ in range(10):
        nap(0.015)
        rg(x, "consumer2", "CLAIM", "10")
    before = pending(x, group="group1")[0][3]
    assert before == 11
    reload(x)
    assert pending(x, group="group1")[0][3] == before


def test_claim_repeated_claims(x):
    setup3(x, 1)
    rg(x, "consumer1")
    for i in range(1000):
        rg(x, "consumer%d" % (i % 10 + 1), "CLAIM", "0")
    assert x("XPENDING", "mystream", "group1")[0] == 1


def test_claim_large_pel(x, r):
    x("XGROUP", "CREATE", "mystream", "group1", "0", "MKSTREAM")
    p = r.pipeline(transaction=False)
    for i in range(10000):
        p.execute_command("XADD", "mystream", "*", "field", str(i))
    p.execute()
    rg(x, "consumer1")
    nap()
    assert len(msgs(rg(x, "consumer2", "CLAIM", str(IDLE), "COUNT", "1000"))) == 1000


def test_claim_in_multi(x):
    setup3(x, 1)
    rg(x, "consumer1")
    nap()
    x("MULTI")
    rg(x, "consumer2", "CLAIM", str(IDLE))
    x("XPENDING", "mystream", "group1")
    res = x("EXEC")
    assert res[1][0] == 1
    assert [e[0] for e in res[0][0][1]] == ["1-0"]


def test_xread_with_claim(x):
    x("XADD", "mystream", "1-0", "f", "v1")
    assert em(x("XREAD", "COUNT", "2", "CLAIM", "10", "STREAMS", "mystream", "0-0"),
              "*ERR The CLAIM option is only supported*")


# =============================================================================================
# stream-cgroups.tcl: XNACK (8.8)
# =============================================================================================


def nack_setup(x, n, group="grp", read=True, count=None):
    fill(x, "mystream", n)
    x("XGROUP", "CREATE", "mystream", group, "0")
    if read:
        opts = ("COUNT", str(count)) if count else ()
        x("XREADGROUP", "GROUP", group, "c1", *opts, "STREAMS", "mystream", ">")


def test_xnack_argument_errors(x):
    for args in ((), ("key",), ("key", "group"), ("key", "group", "SILENT"),
                 ("key", "group", "SILENT", "IDS"), ("key", "group", "SILENT", "IDS", "1")):
        assert em(x("XNACK", *args), "*wrong number of arguments*"), args
    assert em(x("XNACK", "nosuchkey", "grp", "SILENT", "IDS", "1", "1-0"), "*NOGROUP*")
    x("XADD", "mystream", "1-0", "f", "v")
    assert em(x("XNACK", "mystream", "nogroup", "SILENT", "IDS", "1", "1-0"), "*NOGROUP*")
    x("SET", "mykey", "not a stream")
    assert em(x("XNACK", "mykey", "grp", "FAIL", "IDS", "1", "1-0"), "*WRONGTYPE*")
    x("DEL", "mystream")
    nack_setup(x, 2)
    unrecognized = (
        ("FAIL", "BADOPT", "IDS", "1", "1-0"), ("FAIL", "IDS", "1", "1-0", "BADOPT"),
        ("SILENT", "BADOPT", "IDS", "1", "1-0", "FORCE"),
        ("SILENT", "FORCE", "BADOPT", "IDS", "1", "1-0"),
        ("FAIL", "RETRYCOUNT", "5", "BADOPT", "IDS", "1", "1-0"),
        ("FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "5", "BADOPT"),
        ("FAIL", "FORCE", "IDS", "1", "1-0", "BADOPT", "RETRYCOUNT", "5"),
        ("FAIL", "FATAL", "IDS", "1", "1-0"), ("SILENT", "FAIL", "IDS", "1", "1-0"),
        ("FATAL", "SILENT", "IDS", "1", "1-0"), ("FAIL", "SILENT", "FATAL", "IDS", "1", "1-0"),
        ("SILENT", "NOTIDS", "1", "1-0"), ("FAIL", "IDS", "1", "1-0", "RETRYCOUNT"),
        ("FAIL", "IDS", "1", "1-0", "2-0"),
    )
    for args in unrecognized:
        assert em(x("XNACK", "mystream", "grp", *args), "ERR Unrecognized XNACK option*"), args
    assert x("XNACK", "mystream", "grp", "BADMODE", "IDS", "1", "1-0") == \
        "ERR mode must be SILENT, FAIL, or FATAL"
    assert x("XNACK", "mystream", "grp", "SILENT", "FORCE", "RETRYCOUNT", "5") == \
        "ERR syntax error, expected IDS keyword"
    for n in ("abc", "0", "-1"):
        assert em(x("XNACK", "mystream", "grp", "SILENT", "IDS", n, "1-0"),
                  "ERR numids must be a positive integer*"), n
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "2", "1-0") == \
        "ERR number of IDs doesn't match numids"
    assert em(x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "not-a-valid-id"),
              "ERR Invalid stream ID*")
    for v in ("abc", "99999999999999999999"):
        assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", v) == \
            "ERR value is not an integer or out of range"
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "-1") == \
        "ERR Invalid RETRYCOUNT value, must be >= 0"
    assert x("XNACK", "mystream", "grp", "FAIL", "RETRYCOUNT") == \
        "ERR wrong number of arguments for 'xnack' command"


def test_xnack_silent(x):
    nack_setup(x, 1)
    assert pending(x)[0][3] == 1
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, 0]]
    x("XCLAIM", "mystream", "grp", "c2", "0", "1-0", "RETRYCOUNT", "0")
    x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0")
    assert pending(x)[0][3] == 0
    for _ in range(3):
        x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert pending(x)[0][3] == 3
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, 2]]


def test_xnack_fail(x):
    nack_setup(x, 1)
    assert pending(x)[0][3] == 1
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, 1]]


def test_xnack_fatal(x):
    nack_setup(x, 1)
    assert x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, LLONG_MAX]]


def test_xnack_releases_from_consumer_pel(x):
    fill(x, "mystream", 3)
    x("XGROUP", "CREATE", "mystream", "grp", "0")
    x("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "2", "STREAMS", "mystream", ">")
    x("XREADGROUP", "GROUP", "grp", "c2", "COUNT", "1", "STREAMS", "mystream", ">")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "3-0") == 1
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 1
    p = pending(x)
    assert len(p) == 3 and p[0] == ["1-0", "", -1, 1] and p[2] == ["3-0", "", -1, 1]
    assert [e[0] for e in pending(x, "mystream", "grp", "c1")] == ["2-0"]
    assert pending(x, "mystream", "grp", "c2") == []
    assert kv(x("XINFO", "GROUPS", "mystream")[0])["consumers"] == 2


def test_xnack_return_count(x):
    nack_setup(x, 3)
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "9-9") == 0
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "3", "1-0", "2-0", "3-0") == 3
    assert pending(x) == [["1-0", "", -1, 0], ["2-0", "", -1, 0], ["3-0", "", -1, 0]]
    x("XCLAIM", "mystream", "grp", "c1", "0", "1-0", "2-0", "3-0")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "5", "1-0", "9-9", "2-0", "8-8",
             "3-0") == 3
    assert all(e[1] == "" for e in pending(x))
    x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "1-0") == 2
    p = pending(x)
    assert len(p) == 3 and p[0] == ["1-0", "", -1, 2]
    x("XACK", "mystream", "grp", "1-0", "2-0", "3-0")
    assert x("XPENDING", "mystream", "grp")[0] == 0
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 0


def test_xnack_already_nacked(x):
    nack_setup(x, 1)
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 1
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, 1]]
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0") == 1
    assert pending(x)[0][3] == 0
    assert x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "1-0") == 1
    assert pending(x) == [["1-0", "", -1, LLONG_MAX]]
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0") == 1


def test_xnack_ordering(x):
    nack_setup(x, 4)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "3-0")
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    p = pending(x)
    assert len(p) == 4
    for e in p:
        if e[0] in ("1-0", "3-0"):
            assert (e[1], e[2]) == ("", -1)
        else:
            assert e[1] == "c1"
    pel = group_full(x, "mystream")["pending"]
    assert pel[0] == ["1-0", "", 0, 1] and pel[2] == ["3-0", "", 0, 1]
    assert (pel[1][0], pel[1][1], pel[1][3]) == ("2-0", "c1", 1)
    assert (pel[3][0], pel[3][1], pel[3][3]) == ("4-0", "c1", 1)


def test_xnack_survives_xdel_and_xtrim(x):
    nack_setup(x, 2)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    x("XDEL", "mystream", "1-0")
    p = pending(x)
    assert len(p) == 2 and p[0] == ["1-0", "", -1, 1]
    x("DEL", "mystream")
    nack_setup(x, 3)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    x("XTRIM", "mystream", "MAXLEN", "1")
    p = pending(x)
    assert len(p) == 3 and p[0] == ["1-0", "", -1, 1]


def test_xnack_many_ids(x):
    x("XGROUP", "CREATE", "mystream", "grp", "$", "MKSTREAM")
    fill(x, "mystream", 50)
    x("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "50", "STREAMS", "mystream", ">")
    ids = ["%d-0" % i for i in range(1, 51)]
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "50", *ids) == 50
    p = pending(x)
    assert len(p) == 50 and all(e[1] == "" for e in p)


def test_xnack_retrycount(x):
    nack_setup(x, 1)
    assert x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "1-0", "RETRYCOUNT", "42") == 1
    assert pending(x) == [["1-0", "", -1, 42]]
    x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0", "RETRYCOUNT", "10") == 1
    assert pending(x)[0][3] == 10
    x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "0") == 1
    assert pending(x) == [["1-0", "", -1, 0]]
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "99") == 1
    assert pending(x) == [["1-0", "", -1, 99]]


def test_xnack_force(x):
    nack_setup(x, 3, read=False)
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 1
    assert pending(x) == [["1-0", "", -1, 0]]
    claimed = x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert [e[0] for e in claimed] == ["1-0"]
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "9-9", "FORCE") == 0
    x("XACK", "mystream", "grp", "1-0")
    assert x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "1-0", "FORCE") == 1
    assert pending(x) == [["1-0", "", -1, LLONG_MAX]]
    x("XACK", "mystream", "grp", "1-0")
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "2", "1-0", "2-0", "FORCE") == 2
    assert pending(x) == [["1-0", "", -1, 0], ["2-0", "", -1, 0]]
    x("XACK", "mystream", "grp", "1-0", "2-0")
    x("XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "mystream", ">")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "3", "1-0", "2-0", "3-0", "FORCE") == 3
    assert pending(x) == [["1-0", "", -1, 1], ["2-0", "", -1, 1], ["3-0", "", -1, 1]]
    assert pending(x, "mystream", "grp", "c1") == []
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 1
    p = pending(x)
    assert len(p) == 3 and p[0] == ["1-0", "", -1, 1]
    x("DEL", "mystream")
    x("XGROUP", "CREATE", "mystream", "grp", "$", "MKSTREAM")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 0
    assert x("XPENDING", "mystream", "grp")[0] == 0


def test_xnack_force_and_retrycount(x):
    nack_setup(x, 3, read=False)
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "7",
             "FORCE") == 1
    assert x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "2-0", "RETRYCOUNT", "5",
             "FORCE") == 1
    assert x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "3-0", "RETRYCOUNT", "99",
             "FORCE") == 1
    assert pending(x) == [["1-0", "", -1, 7], ["2-0", "", -1, 5], ["3-0", "", -1, 99]]


def test_xnack_options_around_ids(x):
    nack_setup(x, 3, read=False)
    for opts in (("FORCE", "IDS", "1", "1-0"), ("FORCE", "RETRYCOUNT", "42", "IDS", "1", "1-0"),
                 ("RETRYCOUNT", "5", "IDS", "1", "1-0", "FORCE"),
                 ("FORCE", "IDS", "1", "1-0", "RETRYCOUNT", "3")):
        assert x("XNACK", "mystream", "grp", "FAIL", *opts) == 1, opts
        x("XACK", "mystream", "grp", "1-0")
    assert x("XNACK", "mystream", "grp", "FAIL", "RETRYCOUNT", "10", "IDS", "3", "1-0", "2-0",
             "3-0", "FORCE") == 3
    x("XACK", "mystream", "grp", "1-0", "2-0", "3-0")
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "20",
             "FORCE") == 1


def claim_next(x, consumer="c2", min_idle="5", key="mystream", group="grp"):
    rep = x("XREADGROUP", "GROUP", group, consumer, "COUNT", "1", "CLAIM", min_idle, "STREAMS",
            key, ">")
    return msgs(rep)[0][0]


def test_xnack_renack_moves_to_end(x):
    nack_setup(x, 3)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "3", "1-0", "2-0", "3-0")
    assert group_full(x)["nacked-count"] == 3
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    g = group_full(x)
    assert (g["nacked-count"], g["pel-count"]) == (3, 3)
    order = []
    for _ in range(3):
        nap(0.01)
        order.append(claim_next(x))
    assert order == ["2-0", "3-0", "1-0"]


def test_xnack_claimable_by_all_claims(x):
    def fresh(n=2):
        x("DEL", "mystream")
        nack_setup(x, n)
        x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    fresh()
    assert [e[0] for e in x("XCLAIM", "mystream", "grp", "c2", "99999", "1-0")] == ["1-0"]
    assert [e[0] for e in pending(x, "mystream", "grp", "c2")] == ["1-0"]
    fresh()
    assert [e[0] for e in x("XAUTOCLAIM", "mystream", "grp", "c2", "99999", "0-0")[1]] == ["1-0"]
    fresh(1)
    assert [e[0] for e in x("XCLAIM", "mystream", "grp", "c2", "0", "1-0")] == ["1-0"]
    assert [e[0] for e in pending(x, "mystream", "grp", "c2")] == ["1-0"]
    fresh(1)
    assert [e[0] for e in x("XAUTOCLAIM", "mystream", "grp", "c2", "0", "0-0")[1]] == ["1-0"]
    assert [e[0] for e in pending(x, "mystream", "grp", "c2")] == ["1-0"]
    fresh(1)
    nap(0.01)
    x("XREADGROUP", "GROUP", "grp", "c2", "CLAIM", "5", "STREAMS", "mystream", ">")
    assert [e[0] for e in pending(x, "mystream", "grp", "c2")] == ["1-0"]


def test_xnack_claims_clean_deleted(x):
    nack_setup(x, 3)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "3-0")
    x("XDEL", "mystream", "1-0")
    x("XDEL", "mystream", "3-0")
    assert x("XCLAIM", "mystream", "grp", "c2", "0", "1-0") == []
    p = pending(x)
    assert len(p) == 2
    assert (p[0][0], p[0][1], p[0][3]) == ("2-0", "c1", 1)
    assert p[1] == ["3-0", "", -1, 1]
    res = x("XAUTOCLAIM", "mystream", "grp", "c2", "0", "0-0")
    assert [e[0] for e in res[1]] == ["2-0"] and res[2] == ["3-0"]
    p = pending(x)
    assert len(p) == 1 and (p[0][0], p[0][1], p[0][3]) == ("2-0", "c2", 2)


def test_xnack_wakes_blocked_claim(x, raw):
    nack_setup(x, 2)
    c, w = raw(), raw()
    w.send_cmd("XREADGROUP", "GROUP", "grp", "c2", "BLOCK", "20000", "CLAIM", "100000",
               "STREAMS", "mystream", ">")
    wait_blocked(c, 1)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "2-0")
    rep = w.read()
    assert len(rep) == 1 and rep[0][0] == b"mystream"
    assert [e[0] for e in rep[0][1]] == [b"1-0", b"2-0"]
    assert [e[0] for e in pending(x, "mystream", "grp", "c2")] == ["1-0", "2-0"]


def test_xnack_history_read_excludes_nacked(x):
    nack_setup(x, 3)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "3-0")
    rep = x("XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "mystream", "0-0")
    assert [e[0] for e in msgs(rep)] == ["2-0"]


def test_xnack_consumer_state(x):
    nack_setup(x, 3)
    assert kv(x("XINFO", "CONSUMERS", "mystream", "grp")[0])["pending"] == 3
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "2-0")
    assert kv(x("XINFO", "CONSUMERS", "mystream", "grp")[0])["pending"] == 1
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "3-0")
    assert pending(x, "mystream", "grp", "c1") == []
    assert kv(x("XINFO", "GROUPS", "mystream")[0])["consumers"] == 1


def test_xnack_group_destroy(x):
    nack_setup(x, 2)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "1-0", "2-0")
    assert x("XPENDING", "mystream", "grp")[0] == 2
    x("XGROUP", "DESTROY", "mystream", "grp")
    x("XGROUP", "CREATE", "mystream", "grp2", "0")
    assert x("XPENDING", "mystream", "grp2")[0] == 0


def test_xnack_delconsumer(x):
    nack_setup(x, 2)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    assert x("XGROUP", "DELCONSUMER", "mystream", "grp", "c1") == 1
    assert x("XPENDING", "mystream", "grp")[0] == 1
    assert pending(x) == [["1-0", "", -1, 1]]
    assert group_full(x)["nacked-count"] == 1
    assert len(x("XCLAIM", "mystream", "grp", "c2", "0", "1-0")) == 1


def test_xnack_nacked_count(x):
    nack_setup(x, 4, count=4)

    def counts(n=0):
        g = group_full(x, n=n)
        return g["nacked-count"], g["pel-count"]
    assert counts() == (0, 4)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    assert counts() == (1, 4)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "2-0", "3-0")
    assert counts() == (3, 4)
    x("XCLAIM", "mystream", "grp", "c1", "0", "1-0")
    assert counts() == (2, 4)
    x("XACK", "mystream", "grp", "2-0")
    assert counts() == (1, 3)
    x("XACK", "mystream", "grp", "3-0")
    assert counts() == (0, 2)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    x("XGROUP", "CREATE", "mystream", "grp2", "0")
    x("XREADGROUP", "GROUP", "grp2", "c2", "COUNT", "4", "STREAMS", "mystream", ">")
    assert counts(0)[0] == 1 and counts(1)[0] == 0


def test_xnack_persists_restart(ax, aof_server):
    x = ax
    nack_setup(x, 4)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0")
    x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "2-0")
    x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "3-0")
    x("XGROUP", "CREATE", "mystream", "grp2", "0")
    x("XNACK", "mystream", "grp2", "FAIL", "IDS", "1", "1-0", "FORCE")
    x("XNACK", "mystream", "grp2", "FATAL", "IDS", "1", "2-0", "RETRYCOUNT", "77", "FORCE")
    x = restart(aof_server)
    p = pending(x)
    assert p[:3] == [["1-0", "", -1, 1], ["2-0", "", -1, LLONG_MAX], ["3-0", "", -1, 0]]
    assert (p[3][0], p[3][1], p[3][3]) == ("4-0", "c1", 1)
    assert claim_next(x, min_idle="0") == "1-0"
    assert claim_next(x, min_idle="0") == "2-0"
    assert pending(x, "mystream", "grp2") == [["1-0", "", -1, 0], ["2-0", "", -1, 77]]
    assert len(x("XCLAIM", "mystream", "grp2", "c1", "0", "1-0", "2-0")) == 2


def test_xnack_survives_aof_rewrite(ax):
    x = ax
    nack_setup(x, 3)
    x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "1-0")
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "3-0")

    def check():
        p = pending(x)
        assert len(p) == 3
        assert p[0] == ["1-0", "", -1, 0] and p[2] == ["3-0", "", -1, 1]
        assert (p[1][0], p[1][1], p[1][3]) == ("2-0", "c1", 1)
    check()
    rewrite(x)
    reload(x)
    check()
    assert claim_next(x, min_idle="0") == "1-0"
    assert claim_next(x, min_idle="0") == "3-0"


@pytest.mark.parametrize("owned_tail", [True, False])
def test_xnack_aof_rewrite_batches(ax, owned_tail):
    x = ax
    total = 66 if owned_tail else 65
    nack_setup(x, total, count=total)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "65", *["%d-0" % i for i in range(1, 66)])
    assert len(pending(x)) == total
    rewrite(x)
    reload(x)
    p = pending(x)
    assert len(p) == total
    for i in range(65):
        assert p[i] == ["%d-0" % (i + 1), "", -1, 1]
    if owned_tail:
        assert (p[65][0], p[65][1]) == ("66-0", "c1")
        assert len(x("XCLAIM", "mystream", "grp", "c2", "0", "1-0", "65-0")) == 2


def test_xnack_aof_rewrite_mixed_counts(ax):
    x = ax
    nack_setup(x, 6, count=6)
    x("XNACK", "mystream", "grp", "FATAL", "IDS", "2", "1-0", "2-0")
    x("XNACK", "mystream", "grp", "SILENT", "IDS", "2", "3-0", "4-0")
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "5-0", "RETRYCOUNT", "42")
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "6-0")
    assert len(pending(x)) == 6
    rewrite(x)
    reload(x)
    want = {"1-0": LLONG_MAX, "2-0": LLONG_MAX, "3-0": 0, "4-0": 0, "5-0": 42, "6-0": 1}
    p = pending(x)
    assert len(p) == 6
    for e in p:
        assert e[1] == "" and e[3] == want[e[0]]


def test_xnack_force_entries_survive_aof_rewrite(ax):
    x = ax
    nack_setup(x, 3, read=False)
    x("XNACK", "mystream", "grp", "FAIL", "IDS", "1", "1-0", "FORCE")
    x("XNACK", "mystream", "grp", "FATAL", "IDS", "1", "2-0", "FORCE")
    x("XNACK", "mystream", "grp", "SILENT", "IDS", "1", "3-0", "RETRYCOUNT", "33", "FORCE")
    assert len(pending(x)) == 3
    rewrite(x)
    reload(x)
    assert pending(x) == [["1-0", "", -1, 0], ["2-0", "", -1, LLONG_MAX], ["3-0", "", -1, 33]]
    assert len(x("XCLAIM", "mystream", "grp", "c1", "0", "1-0", "2-0", "3-0")) == 3


# =============================================================================================
# stream-cgroups.tcl: blocked XREADGROUP when its key changes (7.2+ behaviour the CLAIM and
# XNACK wake-ups build on)
# =============================================================================================


def blocked_reader(x, raw, group="mygroup", key="mystream", block="0"):
    c, w = raw(), raw()
    w.send_cmd("XREADGROUP", "GROUP", group, "Alice", "BLOCK", block, "STREAMS", key, ">")
    wait_blocked(c, 1)
    return w


def stream_with_group(x, key="mystream"):
    x("XADD", key, "666", "f", "v")
    x("XGROUP", "CREATE", key, "mygroup", "$")


def test_blocked_xreadgroup_key_deleted(x, raw):
    stream_with_group(x)
    w = blocked_reader(x, raw)
    x("DEL", "mystream")
    assert str(w.read()).startswith("NOGROUP")


def test_blocked_xreadgroup_key_set(x, raw):
    stream_with_group(x)
    w = blocked_reader(x, raw)
    x("SET", "mystream", "val1")
    assert str(w.read()).startswith("WRONGTYPE")


def test_blocked_xreadgroup_key_changed_in_transaction(x, raw):
    stream_with_group(x)
    w = blocked_reader(x, raw)
    x("MULTI")
    x("DEL", "mystream")
    x("SADD", "mystream", "e1")
    assert x("EXEC") == [1, 1]
    assert str(w.read()).startswith("WRONGTYPE")


def test_blocked_xreadgroup_flushed(x, raw):
    stream_with_group(x)
    w = blocked_reader(x, raw)
    x("FLUSHALL")
    assert "NOGROUP" in str(w.read())


@pytest.mark.parametrize("other", [None, "list"])
def test_blocked_xreadgroup_swapdb(x, raw, other):
    x("SELECT", "4")
    x("FLUSHDB")
    if other:
        x("LPUSH", "mystream", "e1")
    x("SELECT", "9")
    stream_with_group(x)
    c, w = raw(), raw()
    assert w.call("SELECT", "9") == b"OK"
    w.send_cmd("XREADGROUP", "GROUP", "mygroup", "Alice", "BLOCK", "0", "STREAMS", "mystream",
               ">")
    wait_blocked(c, 1)
    assert x("SWAPDB", "4", "9") == "OK"
    assert str(w.read()).split(" ")[0] == ("WRONGTYPE" if other else "NOGROUP")
    x("FLUSHALL")


def test_blocked_xreadgroup_beside_blocked_blpop(x, raw):
    """Blocking XREADGROUP for stream key that has clients blocked on list."""
    def counts():
        f = dict(l.split(":", 1) for l in x("INFO", "clients").split("\r\n") if ":" in l)
        return int(f["total_blocking_keys"]), int(f["total_blocking_keys_on_nokey"])

    x("DEL", "mystream")
    c, rd, rd2 = raw(), raw(), raw()
    rd2.send_cmd("BLPOP", "mystream", "0")
    wait_blocked(c, 1)
    assert counts() == (1, 0)
    x("XADD", "mystream", "666", "key", "value")
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    rd.send_cmd("XREADGROUP", "GROUP", "mygroup", "myconsumer", "BLOCK", "0", "STREAMS",
                "mystream", ">")
    wait_blocked(c, 2)
    assert counts() == (1, 1)
    x("DEL", "mystream")
    assert str(rd.read()).startswith("NOGROUP")
    assert counts() == (1, 0)
    rd2.close()
    deadline = time.monotonic() + 5 * SLOW
    while counts() != (0, 0):
        assert time.monotonic() < deadline, counts()
        time.sleep(0.005)


def test_blocked_xreadgroup_ran_dry(x, raw):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    x("XADD", "mystream", "666", "key", "value")
    x("XDEL", "mystream", "666")
    w = raw()
    assert w.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "BLOCK", "10", "STREAMS",
                  "mystream", ">") is None
    for i in ("665", "666"):
        assert em(x("XADD", "mystream", i, "key", "value"), "ERR*equal*smaller*")
    c = raw()
    w.send_cmd("XREADGROUP", "GROUP", "mygroup", "myconsumer", "BLOCK", "0", "STREAMS",
               "mystream", ">")
    wait_blocked(c, 1)
    x("XADD", "mystream", "667", "key", "value")
    assert w.read() == [[b"mystream", [[b"667-0", [b"key", b"value"]]]]]


def test_blocked_xreadgroup_ignores_block_without_gt(x, raw):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    x("XADD", "mystream", "666", "key", "value")
    x("XDEL", "mystream", "666")
    w = raw()

    def read(i):
        return w.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "BLOCK", "0", "STREAMS",
                      "mystream", i)
    empty = [[b"mystream", []]]
    for i in ("0", "600", "666", "700"):
        assert read(i) == empty
    x("XADD", "mystream", "667", "key", "value")
    for i in ("0", "600", "666", "667", "700"):
        assert read(i) == empty
    one = [[b"mystream", [[b"667-0", [b"key", b"value"]]]]]
    assert read(">") == one
    for i in ("0", "600", "666"):
        assert read(i) == one
    for i in ("667", "700"):
        assert read(i) == empty
    x("XACK", "mystream", "mygroup", "667")
    for i in ("0", "600", "666", "667", "700"):
        assert read(i) == empty


def test_blocked_xreadgroup_many_readers_one_entry(x, raw):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    c = raw()
    ws = [raw() for _ in range(3)]
    for w in ws:
        w.send_cmd("XREADGROUP", "GROUP", "mygroup", "myuser", "COUNT", "10", "BLOCK", "10000",
                   "STREAMS", "mystream", ">")
    wait_blocked(c, 3)
    x("XADD", "mystream", "MAXLEN", "5000", "*", "field1", "value1", "field2", "value2")
    for w in ws:
        w.close()
    assert x("PING") == "PONG"


def test_blocked_xreadgroup_reprocessed_keeps_timeout(x, raw):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    c, w1, w2 = raw(), raw(), raw()
    w1.send_cmd("XREADGROUP", "GROUP", "mygroup", "myuser", "BLOCK", "0", "STREAMS", "mystream",
                ">")
    wait_blocked(c, 1)
    w2.send_cmd("XREADGROUP", "GROUP", "mygroup", "myuser", "BLOCK", "1000", "STREAMS",
                "mystream", ">")
    wait_blocked(c, 2)
    x("XADD", "mystream", "*", "field", "value")
    assert w2.read() is None


def test_xgroup_destroy_unblocks_with_nogroup(x, raw):
    x("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    w = blocked_reader(x, raw)
    x("XGROUP", "DESTROY", "mystream", "mygroup")
    assert str(w.read()).startswith("NOGROUP")


@pytest.mark.parametrize("with_group", [True, False])
def test_rename_unblocks_xreadgroup(x, raw, with_group):
    x("XGROUP", "CREATE", "mystream{t}", "mygroup", "$", "MKSTREAM")
    w = blocked_reader(x, raw, key="mystream{t}")
    if with_group:
        x("XGROUP", "CREATE", "mystream2{t}", "mygroup", "$", "MKSTREAM")
    x("XADD", "mystream2{t}", "100", "f1", "v1")
    x("RENAME", "mystream2{t}", "mystream{t}")
    if with_group:
        assert w.read() == [[b"mystream{t}", [[b"100-0", [b"f1", b"v1"]]]]]
    else:
        assert "NOGROUP" in str(w.read())



def _nacked_copy_keeps_state(x, make_copy):
    """NACKed entries (owned by no consumer), their delivery counts and the
    group's nacked count stay the same in a copy of the stream."""
    nack_setup(x, 3)
    assert x("XNACK", "mystream", "grp", "FAIL", "IDS", "2", "3-0", "1-0") == 1 + 1
    make_copy()

    def no_idle(key):  # (idle times move on between the two reads)
        return [[e[0], e[1], e[3]] for e in pending(x, key)]

    assert no_idle("copy") == no_idle("mystream")
    assert [e[1] for e in pending(x, "copy")] == ["", "c1", ""]

    def groups(key):
        full = kv(x("XINFO", "STREAM", key, "FULL"))
        return [kv(g) for g in full["groups"]]

    assert [g["nacked-count"] for g in groups("copy")] == [2]
    assert groups("copy") == groups("mystream")


def test_xnack_nacked_entries_survive_dump_and_restore(x, r):
    def copy():
        payload = r.execute_command("DUMP", "mystream")
        assert r.execute_command("RESTORE", "copy", "0", payload) in (b"OK", "OK", True)
    _nacked_copy_keeps_state(x, copy)


def test_xnack_copy_preserves_nacked_entries(x):
    _nacked_copy_keeps_state(x, lambda: x("COPY", "mystream", "copy"))
