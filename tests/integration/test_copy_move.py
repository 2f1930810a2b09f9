"""MOVE and TOUCH through redis-py, and what the byte comparisons with
redis-server 7.0 (tests/compat/test_foundation_diff.py) cannot see: a moved
stream keeps working in its new database (groups, pending entries, IDMP
producers), and the AOF replays MOVE to the same result, before and after a
rewrite.
"""

import time

import pytest

from testlib import IS_REDIS


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
