"""Sorted sets: what the differential tests cannot compare reply for reply
(random draws, SCAN cursors of a hash table, timing of blocked clients,
propagated records, memory figures), checked for their properties.
"""

import os
import threading
import time

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's own files and records")


def fill(r, key, n, member="m%d"):
    r.zadd(key, {member % i: i * 0.25 for i in range(n)})


def test_zscan_skiplist_returns_every_member_once_per_bucket(r):
    fill(r, "z", 1000)
    assert r.object("encoding", "z") == b"skiplist"
    seen = {}
    cursor = 0
    calls = 0
    while True:
        cursor, items = r.zscan("z", cursor, count=7)
        calls += 1
        for m, s in items:
            seen[m] = s
        if cursor == 0:
            break
    assert calls > 10
    assert len(seen) == 1000
    for i in range(1000):
        assert seen[b"m%d" % i] == i * 0.25
    # MATCH filters what a step returns
    cursor, got = 0, set()
    while True:
        cursor, items = r.zscan("z", cursor, match="m1?", count=50)
        got |= {m for m, _ in items}
        if cursor == 0:
            break
    assert got == {b"m%d" % i for i in range(10, 20)}


def test_zscan_survives_writes_between_calls(r):
    fill(r, "z", 500)
    cursor, seen = 0, set()
    step = 0
    while True:
        cursor, items = r.zscan("z", cursor, count=20)
        seen |= {m for m, _ in items}
        step += 1
        r.zadd("z", {"new%d" % step: step})  # grows the table meanwhile
        if cursor == 0:
            break
    assert {b"m%d" % i for i in range(500)} <= seen


@pytest.mark.parametrize("n", [10, 300])
def test_zrandmember_properties(r, n):
    fill(r, "z", n)
    allm = {b"m%d" % i for i in range(n)}
    for count in (1, 5, n - 1):
        got = r.zrandmember("z", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= allm
    got = r.zrandmember("z", -3 * n)
    assert len(got) == 3 * n and set(got) <= allm
    # drawn with replacement: a big draw repeats members
    assert len(set(got)) < len(got)
    pairs = r.zrandmember("z", 4, withscores=True)
    flat = pairs if isinstance(pairs[0], bytes) else [x for p in pairs for x in p]
    for m, s in zip(flat[0::2], flat[1::2]):
        assert float(s) == int(m[1:]) * 0.25
    assert r.zrandmember("z") in allm
    # every member comes up sooner or later
    seen = set()
    for _ in range(50):
        seen |= set(r.zrandmember("z", -n))
    assert seen == allm


def test_blocking_pop_served_and_timeout(server, r):
    out = {}

    def waiter():
        c = server.client()
        out["v"] = c.bzpopmin(["a", "b"], timeout=5)
        c.close()

    t = threading.Thread(target=waiter)
    t.start()
    for _ in range(100):
        if int(r.info("clients")["blocked_clients"]) == 1:
            break
        time.sleep(0.01)
    assert int(r.info("clients")["blocked_clients"]) == 1
    r.zadd("b", {"x": 3, "y": 1})
    t.join(5)
    assert out["v"] == (b"b", b"y", 1.0)
    assert r.zrange("b", 0, -1) == [b"x"]
    c = server.client()
    t0 = time.monotonic()
    assert c.bzpopmax("none", timeout=0.2) is None
    assert time.monotonic() - t0 >= 0.15
    assert c.execute_command("BZMPOP", "0.1", "1", "none", "MIN") is None
    c.close()


def test_blocked_pop_client_unblock(server, r):
    c = server.client()
    cid = c.client_id()
    res = {}

    def waiter():
        res["v"] = c.execute_command("BZMPOP", "0", "1", "k", "MAX", "COUNT", "2")

    t = threading.Thread(target=waiter)
    t.start()
    for _ in range(100):
        if int(r.info("clients")["blocked_clients"]) == 1:
            break
        time.sleep(0.01)
    assert r.client_unblock(cid) == 1
    t.join(5)
    assert res["v"] is None
    c.close()


def test_watch_sees_only_real_changes(server, r):
    r.zadd("z", {"a": 1})
    c = server.client()
    for cmd, dirty in [(("ZADD", "z", "NX", "5", "a"), False), (("ZADD", "z", "1", "a"), False),
                       (("ZADD", "z", "2", "a"), True), (("ZREM", "z", "nope"), False),
                       (("ZINCRBY", "z", "1", "a"), True), (("ZPOPMIN", "z", "0"), False),
                       (("ZREMRANGEBYSCORE", "z", "100", "200"), False),
                       (("ZADD", "z", "GT", "0", "a"), False), (("ZUNIONSTORE", "z", "1", "z"), True)]:
        p = c.pipeline(transaction=True)
        p.watch("z")
        r.execute_command(*cmd)
        p.multi()
        p.ping()
        try:
            p.execute()
            aborted = False
        except redis.WatchError:
            aborted = True
        assert aborted == dirty, cmd
        p.reset()
    c.close()


def test_copy_rename_and_encodings(r):
    r.zadd("small", {"a": 1, "b": 2})
    fill(r, "big", 200)
    assert r.copy("small", "s2") and r.copy("big", "b2")
    assert r.object("encoding", "s2") == b"listpack"
    assert r.object("encoding", "b2") == b"skiplist"
    assert r.zrange("b2", 0, -1, withscores=True) == r.zrange("big", 0, -1, withscores=True)
    r.zadd("b2", {"extra": -1})
    assert r.zcard("big") == 200 and r.zcard("b2") == 201
    r.rename("s2", "s3")
    assert r.zrange("s3", 0, -1) == [b"a", b"b"]
    assert r.type("s3") == b"zset"


def test_memory_usage_grows_with_size(r):
    r.zadd("small", {"m%d" % i: i for i in range(10)})
    fill(r, "big", 10000)
    small, big = r.memory_usage("small"), r.memory_usage("big")
    assert 0 < small < 400
    assert big > 10000 * 40


def test_scripts_never_block(r):
    with pytest.raises(redis.ResponseError, match="not allowed from script"):
        r.eval("return redis.call('bzpopmin', 'none', 0)", 0)
    assert r.eval("return redis.call('bzmpop', 0, 1, 'none', 'min')", 0) is None
    r.zadd("z", {"a": 1})
    assert r.eval("return redis.call('bzmpop', 0, 1, 'z', 'min')", 0) == [b"z", [[b"a", b"1"]]]


def incr_aof(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    name = [f for f in os.listdir(d) if ".incr." in f][0]
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def test_pops_propagate_as_zpop(make_server):
    srv = make_server(args=["--appendonly", "yes", "--appendfsync", "always"])
    r = srv.client()
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    r.execute_command("ZMPOP", "2", "none", "z", "MAX", "COUNT", "2")
    r.bzpopmin(["none", "z"], timeout=0)
    r.execute_command("BZMPOP", "0", "1", "z", "MIN")
    r.zadd("e", {"x": 1})
    r.zadd("e", {"x": 1}, incr=True)
    aof = incr_aof(srv)
    assert b"ZMPOP" not in aof.upper() and b"BZ" not in aof.upper()
    assert b"$7\r\nZPOPMAX\r\n$1\r\nz\r\n$1\r\n2\r\n" in aof
    assert b"*2\r\n$7\r\nZPOPMIN\r\n$1\r\nz\r\n" in aof
    assert b"*3\r\n$7\r\nZPOPMIN\r\n$1\r\nz\r\n$1\r\n1\r\n" in aof
    # a no-op write leaves no record
    before = incr_aof(srv)
    r.zadd("e", {"x": 5}, nx=True)
    r.zrem("e", "nope")
    assert incr_aof(srv) == before
    r.close()


def test_encoding_follows_configs(r):
    r.config_set("zset-max-listpack-entries", 3)
    r.config_set("zset-max-listpack-value", 5)
    try:
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        assert r.object("encoding", "z") == b"listpack"
        r.zadd("z", {"d": 4})
        assert r.object("encoding", "z") == b"skiplist"
        r.zadd("w", {"abcdef": 1})
        assert r.object("encoding", "w") == b"skiplist"
        r.zadd("v", {"abcde": 1})
        assert r.object("encoding", "v") == b"listpack"
        assert r.config_get("zset-max-ziplist-entries") == {"zset-max-ziplist-entries": "3"}
    finally:
        r.config_set("zset-max-listpack-entries", 128)
        r.config_set("zset-max-listpack-value", 64)


def test_zrank_withscore_72(server):
    """Redis 7.2's WITHSCORE (from the docs): [rank, score]; a missing member
    or key answers a null array (RESP2 *-1, where plain ZRANK has $-1)."""
    c = server.raw()
    c.call("DEL", "wz", "ws")
    c.call("ZADD", "wz", "1.5", "a", "2", "b", "-3", "c")
    assert c.call_raw("ZRANK", "wz", "a", "WITHSCORE") == b"*2\r\n:1\r\n$3\r\n1.5\r\n"
    assert c.call_raw("ZREVRANK", "wz", "a", "withscore") == b"*2\r\n:1\r\n$3\r\n1.5\r\n"
    assert c.call_raw("ZREVRANK", "wz", "b", "WITHSCORE") == b"*2\r\n:0\r\n$1\r\n2\r\n"
    assert c.call_raw("ZRANK", "wz", "c") == b":0\r\n"
    assert c.call_raw("ZRANK", "wz", "nope") == b"$-1\r\n"
    assert c.call_raw("ZRANK", "wz", "nope", "WITHSCORE") == b"*-1\r\n"
    assert c.call_raw("ZRANK", "none", "a", "WITHSCORE") == b"*-1\r\n"
    assert c.call_raw("ZRANK", "wz", "a", "WITHSCORES") == b"-ERR syntax error\r\n"
    assert c.call_raw("ZRANK", "wz", "a", "WITHSCORE", "x") == \
        b"-ERR wrong number of arguments for 'zrank' command\r\n"
    c.call("SET", "ws", "v")
    assert c.call_raw("ZREVRANK", "ws", "a", "WITHSCORE").startswith(b"-WRONGTYPE")
    c.call("HELLO", "3")
    assert c.call_raw("ZRANK", "wz", "a", "WITHSCORE") == b"*2\r\n:1\r\n,1.5\r\n"
    assert c.call_raw("ZRANK", "wz", "nope", "WITHSCORE") == b"_\r\n"
    c.close()


def test_zrandmember_refuses_absurd_draws(r):
    """Deliberately unlike 7.0, which would try to send 2^62 members."""
    r.zadd("z", {"a": 1})
    with pytest.raises(redis.ResponseError, match="value is out of range"):
        r.execute_command("ZRANDMEMBER", "z", str(-(1 << 62)))
    assert r.execute_command("ZRANDMEMBER", "z", "-3") == [b"a", b"a", b"a"]
