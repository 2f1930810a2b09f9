"""MIGRATE from streamd: what the differential tests (tests/compat/
test_migrate_diff.py) cannot compare with 7.0.

- Every value type streamd stores reaches a streamd target whole (DUMP of
  the target's key equals DUMP of the source's before), including what only
  newer Redis or streamd can hold: a stream whose consumers were active
  after they were seen (type 21), a stream with idempotency records, hashes
  with field TTLs, arrays, big values sent in many 64 KB writes.
- A Redis 7.0 target takes 7.0's stream (sent as type 19) and refuses the
  rest with its own error, reported as "Target instance replied with
  error"; the key stays on the source.
- Propagation: the acknowledged keys go to the AOF as one DEL (nothing for
  COPY), inside MULTI/EXEC when MIGRATE ran in a transaction, from a script
  as well; the AOF reloads in streamd and in Redis 7.0. Keyspace
  notifications: "del".
- The connection cache: INFO migrate_cached_sockets falls back to 0 once a
  connection has been unused for 10 s.
- MONITOR and SLOWLOG show AUTH / AUTH2 arguments as "(redacted)".
"""

import os
import time

import pytest

from testlib import IS_REDIS, Server, redis_on_aof_of, wait_for
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd source")


def call(c, *args):
    return c.execute_command(*args)


@pytest.fixture
def target(make_server):
    return make_server(kind="streamd")


@pytest.fixture
def redis_target(make_server):
    return make_server(kind="redis")


def migrate(r, t, *rest):
    return r.execute_command("MIGRATE", "127.0.0.1", t.port, *rest)


def build_all_types(r):
    """One key of each kind streamd stores; returns the key names."""
    r.set("str", "hello")
    r.set("int", 12345)
    r.set("bigstr", os.urandom(300000))
    r.rpush("list", *[str(i) for i in range(20)])
    r.rpush("biglist", *[b"e%d" % i * 10 for i in range(20000)])
    r.sadd("intset", 1, 2, 3)
    r.sadd("set", "a", "b", "c")
    r.sadd("bigset", *[b"m%d" % i for i in range(2000)])
    r.zadd("zset", {"a": 1, "b": 2.5})
    r.zadd("bigzset", {b"m%d" % i: i / 3 for i in range(2000)})
    r.hset("hash", mapping={"f1": "v1", "f2": "v2"})
    r.hset("bighash", mapping={b"f%d" % i: b"v%d" % i for i in range(2000)})
    r.hset("hashttl", mapping={"f1": "v1", "f2": "v2"})
    call(r, "HEXPIRE", "hashttl", 1000, "FIELDS", 1, "f1")
    call(r, "ARSET", "array", 0, "x", "y", "z")
    # a 7.0 stream: groups, consumers, pending entries
    r.xadd("stream", {"f": "v"}, id="1-1")
    r.xadd("stream", {"g": "w"}, id="2-1")
    r.xgroup_create("stream", "grp", id="0")
    r.xreadgroup("grp", "alice", {"stream": ">"}, count=1)
    # a consumer seen after it was last active (7.2's type 21)
    r.xadd("stream21", {"f": "v"}, id="1-1")
    r.xgroup_create("stream21", "grp", id="0")
    r.xreadgroup("grp", "bob", {"stream21": ">"})
    time.sleep(0.01)
    r.xreadgroup("grp", "bob", {"stream21": ">"})
    # idempotency records: only streamd holds them
    call(r, "XADD", "streamidmp", "IDMP", "p1", "iid-1", "*", "f", "v")
    r.pexpire("list", 500000)
    return ["str", "int", "bigstr", "list", "biglist", "intset", "set", "bigset", "zset",
            "bigzset", "hash", "bighash", "hashttl", "array", "stream", "stream21", "streamidmp"]


def view(c, k):
    t = c.type(k)
    if t == b"set":
        return t, sorted(c.smembers(k))
    return t, sorted(c.hgetall(k).items())


def test_every_type_to_streamd(r, target):
    keys = build_all_types(r)
    dumps = {k: r.dump(k) for k in keys}
    views = {k: view(r, k) for k in ("bigset", "bighash")}
    t = target.client()
    assert migrate(r, target, "", 0, 10000, "KEYS", *keys) == b"OK"
    assert r.dbsize() == 0
    for k in keys:
        if k in ("bigset", "bighash"):  # a hash table's order is its own
            assert view(t, k) == views[k], k
        else:
            assert t.dump(k) == dumps[k], k
    assert 400000 < t.pttl("list") <= 500000
    ttl = call(t, "HTTL", "hashttl", "FIELDS", 2, "f1", "f2")
    assert 900 < ttl[0] <= 1000 and ttl[1] == -1, ttl
    t.close()


def test_7_0_target_takes_what_it_can_hold(r, redis_target):
    keys = build_all_types(r)
    t = redis_target.client()
    refused = {"hashttl", "array", "stream21", "streamidmp"}
    for k in keys:
        if k in refused:
            with pytest.raises(Exception) as e:
                migrate(r, redis_target, k, 0, 10000)
            assert str(e.value) == ("Target instance replied with error: "
                                    "ERR DUMP payload version or checksum are wrong"), k
            assert r.exists(k) == 1
        else:
            before = r.dump(k) if k == "stream" else None
            assert migrate(r, redis_target, k, 0, 10000) == b"OK", k
            assert r.exists(k) == 0
            assert t.exists(k) == 1
            if before:
                info = t.xinfo_stream("stream", full=True)
                assert info["length"] == 2 and info["groups"][0]["pel-count"] == 1
    assert t.pttl("list") > 0
    assert t.lrange("list", 0, -1) == [str(i).encode() for i in range(20)]
    # several keys with one refused: the others move, the error is the reply
    r.set("a", 1)
    r.set("b", 2)
    with pytest.raises(Exception) as e:
        migrate(r, redis_target, "", 0, 10000, "KEYS", "a", "array", "b")
    assert "DUMP payload version or checksum are wrong" in str(e.value)
    assert r.exists("a", "b", "array") == 1 and t.exists("a", "b") == 2
    t.close()


def aof_text(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    out = b""
    for name in sorted(os.listdir(d)):
        if ".incr." in name:
            with open(os.path.join(d, name), "rb") as f:
                out += f.read()
    return out


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_propagation_to_the_aof(make_server, target):
    src = make_server(kind="streamd", args=["--appendonly", "yes", "--appendfsync", "always"])
    r = src.client()
    for k in ("a", "b", "c", "d", "e", "f", "g"):
        r.set(k, k)
    r.rpush("l", 1, 2)
    assert migrate(r, target, "", 0, 5000, "KEYS", "a", "nosuch", "b") == b"OK"
    assert migrate(r, target, "c", 0, 5000, "COPY") == b"OK"
    p = r.pipeline(transaction=True)
    p.execute_command("MIGRATE", "127.0.0.1", target.port, "d", 0, 5000)
    p.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", "e", "l")
    assert p.execute() == [b"OK", b"OK"]
    r.set("h", "h")
    target.client().set("h", "there")
    with pytest.raises(Exception, match="BUSYKEY"):  # f and g acknowledged
        migrate(r, target, "", 0, 5000, "KEYS", "f", "h", "g")
    r.set("s", "s")
    assert r.eval("return redis.call('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 5000)", 1, "s",
                  "127.0.0.1", target.port) == b"OK"
    aof = aof_text(src)
    assert resp("SET", "s", "s") + resp("DEL", "s") in aof  # one effect: no MULTI (7.0)
    assert resp("DEL", "a", "b") in aof
    assert resp("MULTI") + resp("DEL", "d") + resp("DEL", "e", "l") + resp("EXEC") in aof
    assert resp("DEL", "f", "g") in aof
    assert b"MIGRATE" not in aof.upper() and b"\r\nc\r\n" not in aof.split(resp("SET", "c", "c"))[1]
    expect = sorted(r.keys())
    assert expect == [b"c", b"h"]
    src.restart()
    r = src.client()
    assert sorted(r.keys()) == expect
    r.close()
    ref = redis_on_aof_of(make_server, src).client()
    assert sorted(ref.keys()) == expect


def test_del_notification(r, rr, target):
    r.config_set("notify-keyspace-events", "KEA")
    sub = rr().pubsub()
    sub.psubscribe("__keyevent@0__:*")
    sub.get_message(timeout=2)
    r.set("k", "v")
    r.set("j", "v")
    assert migrate(r, target, "k", 0, 5000) == b"OK"
    assert migrate(r, target, "j", 0, 5000, "COPY") == b"OK"
    msgs = []
    while True:
        m = sub.get_message(timeout=0.5)
        if m is None:
            break
        msgs.append((m["channel"], m["data"]))
    assert msgs == [(b"__keyevent@0__:set", b"k"), (b"__keyevent@0__:set", b"j"),
                    (b"__keyevent@0__:del", b"k")]
    r.config_set("notify-keyspace-events", "")


def test_cached_connection_closed_after_10s_idle(make_server, target):
    r = make_server(kind="streamd").client()
    r.set("k", "v")
    assert migrate(r, target, "k", 0, 5000) == b"OK"
    assert r.info("stats")["migrate_cached_sockets"] == 1
    t = target.client()
    assert len([c for c in t.client_list() if c["cmd"] == "restore"]) == 1
    wait_for(lambda: r.info("stats")["migrate_cached_sockets"] == 0,
             "the cached connection is closed", timeout=20)
    wait_for(lambda: not [c for c in t.client_list() if c["cmd"] == "restore"],
             "the target sees it go")
    t.close()
    r.close()


def test_auth_redacted_in_slowlog_and_monitor(r, rr, target):
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.set("k", "v")
    with rr().monitor() as mon:
        with pytest.raises(Exception):
            migrate(r, target, "k", 0, 5000, "COPY", "AUTH2", "user", "secret")
        with pytest.raises(Exception):
            migrate(r, target, "", 0, 5000, "AUTH", "secret", "KEYS", "k")
        lines = [mon.next_command()["command"] for _ in range(2)]
    log = [e["command"] for e in r.slowlog_get(2)]
    r.config_set("slowlog-log-slower-than", 10000)
    assert log[0].endswith(b"0 5000 AUTH (redacted) KEYS k"), log
    assert log[1].endswith(b"k 0 5000 COPY AUTH2 (redacted) (redacted)"), log
    assert "secret" not in " ".join(lines)
    assert lines[0].endswith("COPY AUTH2 (redacted) (redacted)"), lines
    assert lines[1].endswith("AUTH (redacted) KEYS k"), lines


def test_restore_asking_propagated(make_server):
    src = make_server(kind="streamd", args=["--appendonly", "yes", "--appendfsync", "always"])
    r = src.client()
    r.set("k", "v")
    payload = r.dump("k")
    assert call(r, "RESTORE-ASKING", "k2", 0, payload) == b"OK"
    with pytest.raises(Exception, match="BUSYKEY"):
        call(r, "RESTORE-ASKING", "k2", 0, payload)
    src.restart()
    r = src.client()
    assert r.get("k2") == b"v"
