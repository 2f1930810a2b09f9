"""RDB snapshots between streamd and redis-server 7.0, both ways.

The same dataset (strings with and without TTLs in two databases, streams
with deleted entries, an empty stream, consumer groups with pending entries
and consumers, a function library) is built in streamd and in 7.0, each
SAVEs its dump.rdb, and each file is loaded by the other server. Everything a
client reads of the loaded data (keys, values, PEXPIRETIME, XRANGE, XINFO
STREAM FULL, XINFO GROUPS / CONSUMERS, XPENDING, FUNCTION LIST) must match
what the server that wrote the file answers, reply for reply. Masked or
dropped: what 7.0 does not report (XINFO's active-time / inactive, nacked
and idmp fields), idle times, and the radix-tree counts (streamd writes
nodes without the deleted entries 7.0 keeps).
"""

import os
import shutil

import pytest

from testlib import IS_REDIS
from testlib.diff import as_flat, call_or_error, norm_stream_state
from testlib.resp import RespError, Status

OK = Status(b"OK")

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


LIB = ("#!lua name=rdblib\n"
       "redis.register_function('rdbf', function(keys, args) return 'from-rdb' end)\n")

DATASET = [
    ("SET", "plain", "hello"),
    ("SET", "int", "12345"),
    ("SET", "big", "x" * 300),
    ("SET", "ttl", "soon", "PX", "3600000"),
    ("XADD", "s", "1-1", "f", "v1"),
    ("XADD", "s", "1-2", "f", "v2", "g", "w"),
    ("XADD", "s", "2-0", "f", "v3"),
    ("XADD", "s", "3-0", "other", "fields", "here", "x"),
    ("XDEL", "s", "1-2"),
    ("XGROUP", "CREATE", "s", "g1", "0"),
    ("XGROUP", "CREATE", "s", "g2", "$"),
    ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "s", ">"),
    ("XACK", "s", "g1", "1-1"),
    ("XADD", "empty", "5-5", "a", "b"),
    ("XDEL", "empty", "5-5"),
    ("XADD", "long", "MAXLEN", "50", "99-0", "k", "v"),
    ("PEXPIRE", "long", "7200000"),
    ("SELECT", "3"),
    ("SET", "db3", "three"),
    ("XADD", "s3", "7-7", "a", "1"),
    ("SELECT", "0"),
    ("FUNCTION", "LOAD", LIB),
]
for i in range(250):
    DATASET.append(("XADD", "long", "%d-%d" % (100 + i // 3, i % 3), "field", "value %d" % i, "n", str(i)))


def build(srv):
    c = srv.raw()
    for cmd in DATASET:
        r = call_or_error(c, *cmd)
        assert not isinstance(r, RespError), (cmd, r)


def snapshot(srv):
    """Every read a client can make of the dataset, normalised."""
    c = srv.raw()
    out = []
    for db in (0, 3):
        call_or_error(c, "SELECT", str(db))
        keys = sorted(call_or_error(c, "KEYS", "*"))
        out.append(("keys", db, keys))
        for k in keys:
            t = call_or_error(c, "TYPE", k)
            out.append((k, "type", t, call_or_error(c, "PEXPIRETIME", k)))
            if t == Status(b"string"):
                out.append((k, "get", call_or_error(c, "GET", k)))
                continue
            out.append((k, "xrange", call_or_error(c, "XRANGE", k, "-", "+")))
            out.append((k, "full", norm_stream_state(call_or_error(c, "XINFO", "STREAM", k, "FULL"))))
            groups = call_or_error(c, "XINFO", "GROUPS", k)
            out.append((k, "groups", norm_stream_state(groups)))
            for g in groups:
                name = as_flat(g)[1] if not isinstance(g, dict) else g[b"name"]
                out.append((k, name, "consumers", norm_stream_state(call_or_error(c, "XINFO", "CONSUMERS", k, name))))
                out.append((k, name, "pending", call_or_error(c, "XPENDING", k, name)))
                ext = call_or_error(c, "XPENDING", k, name, "-", "+", "100")
                out.append((k, name, "pending-ext", [e[:2] + e[3:] for e in ext]))
    call_or_error(c, "SELECT", "0")
    out.append(("functions", call_or_error(c, "FUNCTION", "LIST", "WITHCODE")))
    out.append(("fcall", call_or_error(c, "FCALL", "rdbf", "0")))
    return out


def rdb_version(path):
    with open(path, "rb") as f:
        head = f.read(9)
    assert head[:5] == b"REDIS"
    return int(head[5:9])


def move_dump(src, dst):
    """Stops dst, puts src's dump.rdb in its dir and starts it again."""
    dst.stop()
    shutil.copy(os.path.join(src.dir, "dump.rdb"), os.path.join(dst.dir, "dump.rdb"))
    dst.start()


def test_streamd_dump_loads_in_redis(make_server):
    sd = make_server(kind="streamd")
    build(sd)
    assert sd.raw().call("SAVE") == OK
    path = os.path.join(sd.dir, "dump.rdb")
    # Every consumer's active time is its seen time: 7.0's format.
    assert rdb_version(path) == 10
    red = make_server(kind="redis")
    move_dump(sd, red)
    want = snapshot(sd)
    got = snapshot(red)
    assert got == want


def test_redis_dump_loads_in_streamd(make_server):
    red = make_server(kind="redis")
    build(red)
    red.raw().call("SAVE")
    sd = make_server(kind="streamd")
    move_dump(red, sd)
    assert snapshot(sd) == snapshot(red)
    # ... and streamd's own save of it loads back in 7.0 the same.
    sd.raw().call("SAVE")
    red2 = make_server(kind="redis")
    move_dump(sd, red2)
    assert snapshot(red2) == snapshot(red)


def test_newer_state_writes_rdb11_which_70_refuses(make_server):
    sd = make_server(kind="streamd")
    c = sd.raw()
    c.call("XADD", "s", "1-1", "a", "b")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    # A consumer that never read: active time -1, not its seen time.
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "idle")
    before = c.call("XINFO", "STREAM", "s", "FULL")
    c.call("SAVE")
    assert rdb_version(os.path.join(sd.dir, "dump.rdb")) == 11
    sd.restart()
    assert sd.raw().call("XINFO", "STREAM", "s", "FULL") == before
    red = make_server(kind="redis")
    red.stop()
    shutil.copy(os.path.join(sd.dir, "dump.rdb"), os.path.join(red.dir, "dump.rdb"))
    with pytest.raises(AssertionError):
        red.start()
    red.expect_exit = True
    assert "Can't handle RDB format version 11" in red.full_log()


def test_commands_and_settings_vs_70(diff):
    """SAVE / BGSAVE arguments and the snapshot settings, reply for reply."""
    diff.run([
        ("CONFIG", "SET", "save", "100 10 3600 1"), ("CONFIG", "GET", "save"),
        ("CONFIG", "SET", "save", "  100  10 "), ("CONFIG", "SET", "save", "1 2 3"),
        ("CONFIG", "SET", "save", "0 1"), ("CONFIG", "SET", "save", "5 -1"),
        ("CONFIG", "SET", "save", "abc 1"), ("CONFIG", "SET", "save", "7 1x"),
        ("CONFIG", "GET", "save"), ("CONFIG", "SET", "save", "100 "), ("CONFIG", "GET", "save"),
        ("CONFIG", "SET", "save", ""), ("CONFIG", "GET", "save"),
        ("CONFIG", "SET", "dbfilename", "x/y"), ("CONFIG", "SET", "rdbchecksum", "no"),
        ("CONFIG", "GET", "rdbchecksum"), ("CONFIG", "GET", "rdbcompression"),
        ("CONFIG", "SET", "rdbcompression", "no"), ("CONFIG", "GET", "rdbcompression"),
        ("CONFIG", "SET", "rdbcompression", "yes"),
        ("CONFIG", "GET", "stop-writes-on-bgsave-error"), ("CONFIG", "GET", "dbfilename"),
        ("BGSAVE", "foo"), ("BGSAVE", "SCHEDULE", "x"), ("SAVE", "x"), ("SAVE",),
        ("MULTI",), ("SAVE",), ("EXEC",),
    ])
