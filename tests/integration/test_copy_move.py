"""COPY, MOVE and TOUCH through redis-py, and what the byte comparisons with
redis-server 7.0 (tests/compat/test_foundation_diff.py, test_stream_diff.py)
cannot see: a copied or moved stream keeps working in its new place with the
Redis 8 state 7.0 lacks (idempotent producers, XNACK's released entries, the
claim order of XREADGROUP CLAIM), the copy is independent of its source, and
the AOF replays COPY and MOVE to the same result, before and after a rewrite.
"""

import time

import pytest

from testlib import IS_REDIS, RespError


def fill(c):
    c.xadd("s", {"f": "1"}, id="1-1")
    c.xadd("s", {"f": "2"}, id="2-1")
    c.xgroup_create("s", "g", id="0")
    c.xreadgroup("g", "alice", {"s": ">"}, count=1)
    c.expire("s", 1000)


def snapshot(c):
    return (c.xrange("s"), c.xpending("s", "g"), c.xinfo_groups("s"), c.ttl("s") > 900)


def test_move_stream_with_groups(r, rr):
    fill(r)
    before = snapshot(r)
    assert r.move("s", 2) is True
    assert r.exists("s") == 0
    d2 = rr(db=2)
    assert snapshot(d2) == before
    # it goes on working there: the pending entry is acknowledged, the next read
    d2.xack("s", "g", "1-1")
    assert d2.xreadgroup("g", "bob", {"s": ">"}) == [[b"s", [(b"2-1", {b"f": b"2"})]]]
    assert d2.xpending("s", "g")["pending"] == 1
    # back, onto a key that exists: refused
    r.set("s", "x")
    assert d2.move("s", 0) is False
    assert r.get("s") == b"x"
    assert r.move("missing", 1) is False


def test_touch(r):
    r.set("a", "1")
    r.xadd("s", {"f": "v"})
    assert r.touch("a", "s", "nope", "a") == 3
    assert r.object("idletime", "a") == 0


@pytest.mark.skipif(IS_REDIS, reason="starts streamd with its own options")
def test_move_replays_from_the_aof(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    fill(c)
    c.xadd("s", {"f": "3"})
    c.execute_command("XADD", "s", "IDMP", "p1", "i1", "*", "f", "4")
    before = snapshot(c)
    assert c.move("s", 5) is True
    srv.restart(["--appendonly", "yes"])
    d5 = srv.client(db=5)
    assert snapshot(d5) == before
    assert srv.client().exists("s") == 0
    # the producer's iid moved too: a retry is a duplicate
    last = d5.xrevrange("s", count=1)[0][0]
    assert d5.execute_command("XADD", "s", "IDMP", "p1", "i1", "*", "f", "4") == last
    assert d5.move("s", 0) is True
    srv.client().bgrewriteaof()

    for _ in range(500):
        if srv.client().info("persistence")["aof_rewrite_in_progress"] == 0:
            break
        time.sleep(0.01)
    srv.restart(["--appendonly", "yes"])
    assert snapshot(srv.client()) == before


def claim_all(c, db, key, consumer):
    """Every pending entry, in XREADGROUP CLAIM's order (released first, then
    the longest idle, ties in the order their times were set), through a raw
    connection (redis-py 4 cannot parse CLAIM's longer entries)."""
    c.call("SELECT", str(db))
    got = c.call("XREADGROUP", "GROUP", "g", consumer, "COUNT", "100", "CLAIM", "0",
                 "STREAMS", key, ">")
    return [e[0] for e in got[0][1]] if got else []


@pytest.mark.skipif(IS_REDIS, reason="XNACK, CLAIM and IDMP are Redis 8.x")
def test_copy_keeps_redis8_state(r, rr, raw):
    for i in range(1, 9):
        r.xadd("s", {"f": str(i)}, id="%d-1" % i)
    r.xgroup_create("s", "g", id="0")
    # several deliveries in the same millisecond: the tie order matters
    tx = r.pipeline(transaction=True)
    tx.xreadgroup("g", "alice", {"s": ">"}, count=3)
    tx.xreadgroup("g", "bob", {"s": ">"}, count=3)
    tx.execute()
    r.execute_command("XNACK", "s", "g", "FAIL", "IDS", "2", "5-1", "2-1")
    # one delivery time for four entries, set in an order that is not theirs
    raw().call("XCLAIM", "s", "g", "dave", "0", "6-1", "4-1", "3-1", "1-1", "TIME", "1000",
               "JUSTID")
    r.execute_command("XADD", "s", "IDMP", "p1", "iid-1", "*", "f", "x")
    assert r.copy("s", "c") is True
    assert r.copy("s", "c", destination_db=2) is True
    d2 = rr(db=2)
    for conn, key in ((r, "c"), (d2, "c"), (r, "s")):
        info = dict(zip(*[iter(conn.execute_command("XINFO", "STREAM", key))] * 2))
        assert info[b"iids-tracked"] == 1 and info[b"pids-tracked"] == 1
        # a retry is still a duplicate in the copy
        last = conn.xrevrange(key, count=1)[0][0]
        assert conn.execute_command("XADD", key, "IDMP", "p1", "iid-1", "*", "f", "x") == last
        # the released entries are owner-less in the copy too
        rows = conn.xpending_range(key, "g", "-", "+", 10)
        assert [row["message_id"] for row in rows if row["consumer"] == b""] == [b"2-1", b"5-1"]
    rc = raw()
    order = claim_all(rc, 0, "s", "carol")
    # released, then the four of one time in the order it was set, then new
    assert order[:6] == [b"5-1", b"2-1", b"6-1", b"4-1", b"3-1", b"1-1"] and len(order) == 9
    assert claim_all(rc, 0, "c", "carol") == order
    assert claim_all(rc, 2, "c", "carol") == order


def test_copy_is_independent(r):
    r.xadd("s", {"f": "1"}, id="1-1")
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"})
    assert r.copy("s", "c") is True
    r.xack("c", "g", "1-1")
    r.xadd("c", {"f": "2"}, id="2-1")
    r.xgroup_delconsumer("c", "g", "alice")
    assert r.xpending("s", "g")["pending"] == 1
    assert r.xlen("s") == 1 and r.xlen("c") == 2
    assert r.xinfo_consumers("s", "g")[0]["name"] == b"alice"
    r.delete("s")
    assert r.xrange("c") == [(b"1-1", {b"f": b"1"}), (b"2-1", {b"f": b"2"})]


@pytest.mark.skipif(IS_REDIS, reason="starts streamd with its own options")
def test_copy_replays_from_the_aof(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    fill(c)
    c.execute_command("XADD", "s", "IDMP", "p1", "i1", "*", "f", "4")
    assert c.copy("s", "s2") is True
    assert c.copy("s", "s3", destination_db=4) is True
    c.xack("s2", "g", "1-1")
    before = (snapshot(c), c.xpending("s2", "g"), srv.client(db=4).xrange("s3"))
    srv.restart(["--appendonly", "yes"])
    c = srv.client()
    assert (snapshot(c), c.xpending("s2", "g"), srv.client(db=4).xrange("s3")) == before
    c.bgrewriteaof()
    for _ in range(500):
        if c.info("persistence")["aof_rewrite_in_progress"] == 0:
            break
        time.sleep(0.01)
    srv.restart(["--appendonly", "yes"])
    c = srv.client()
    assert (snapshot(c), c.xpending("s2", "g"), srv.client(db=4).xrange("s3")) == before


@pytest.mark.skipif(IS_REDIS, reason="CLIENT NO-TOUCH is Redis 7.2+")
def test_client_no_touch(r, rr, raw):
    """CLIENT NO-TOUCH ON (Redis 7.2): the client's reads and writes leave the
    keys' access times; TOUCH still sets them; RESET turns it off."""
    r.set("k", "v")
    r.xadd("s", {"f": "v"}, id="1-1")
    r.xgroup_create("s", "g", id="0")
    c = raw()
    assert c.call("CLIENT", "NO-TOUCH", "ON") == b"OK"
    assert "flags=T" in c.call("CLIENT", "INFO").decode()
    assert c.call("CLIENT", "NO-TOUCH", "maybe") == RespError("ERR syntax error")
    r.execute_command("DEBUG", "SLEEP", "2.1")  # idle times count in seconds
    c.call("GET", "k")
    c.call("XRANGE", "s", "-", "+")
    c.call("XADD", "s", "2-1", "f", "v")
    c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    assert r.object("idletime", "k") >= 2 and r.object("idletime", "s") >= 2
    assert c.call("TOUCH", "k") == 1
    assert r.object("idletime", "k") == 0 and r.object("idletime", "s") >= 2
    c.call("RESET")
    assert "flags=N" in c.call("CLIENT", "INFO").decode()
    c.call("XLEN", "s")
    assert r.object("idletime", "s") == 0
