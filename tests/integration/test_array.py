"""Arrays (Redis 8.8's sparse, index-addressed arrays of strings), written
from Redis's command documentation and its t_array.c, since Redis 7.0 has no
arrays to compare with: replies (RESP2 and RESP3 bytes where the shape
matters), every error text, holes, the edges of the 64-bit index space, the
cursor commands (ARINSERT ARRING ARNEXT ARSEEK ARLASTITEMS), AROP's
aggregates, WRONGTYPE both ways, the keyspace commands on arrays, MULTI and
WATCH, keyspace events, and persistence (DEBUG RELOAD, AOF replay and
rewrite, DUMP/RESTORE including payloads as Redis 8.8 writes them)."""

import os
import struct

import pytest
from redis.exceptions import ResponseError

from testlib.dumppayload import seal
from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import aof_dir, wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

MAXIDX = 2**64 - 2
def snapshot(c):
    """Every array of db 0: {key: (ARSCAN pairs, ARNEXT)}."""
    out = {}
    for k in c.keys("*"):
        if c.type(k) == b"array":
            out[k] = (x(c, "ARSCAN", k, 0, MAXIDX), x(c, "ARNEXT", k))
    return out


def test_set_get_and_holes(r):
    assert x(r, "ARSET", "a", 0, "hello") == 1
    assert x(r, "ARSET", "a", 2, "x", "y", "z") == 3
    assert x(r, "ARSET", "a", 4, "Z", "w") == 1  # 4 replaced, 5 new
    assert x(r, "ARGET", "a", 0) == b"hello"
    assert x(r, "ARGET", "a", 1) is None
    assert x(r, "ARGET", "nosuch", 0) is None
    assert x(r, "ARMGET", "a", 0, 1, 3, 5, 99) == [b"hello", None, b"y", b"w", None]
    assert x(r, "ARMGET", "nosuch", 0, 1) == [None, None]
    assert x(r, "ARLEN", "a") == 6 and x(r, "ARCOUNT", "a") == 5
    assert x(r, "ARLEN", "nosuch") == 0 and x(r, "ARCOUNT", "nosuch") == 0
    assert x(r, "ARMSET", "m", 100, "c", 0, "a", 5, "b", 5, "B") == 3
    assert x(r, "ARMGET", "m", 0, 5, 100) == [b"a", b"B", b"c"]
    assert r.type("a") == b"array" and r.object("encoding", "a") == b"sliced-array"
    # binary-safe, empty and big values
    big = b"v" * 100000
    assert x(r, "ARSET", "b", 7, b"", b"x\x00y\r\n", big) == 3
    assert x(r, "ARMGET", "b", 7, 8, 9) == [b"", b"x\x00y\r\n", big]
    # the edges of the index space
    assert x(r, "ARSET", "e", MAXIDX, "top") == 1
    assert x(r, "ARLEN", "e") == 2**64 - 1
    assert x(r, "ARSET", "e", MAXIDX - 1, "a") == 1
    assert x(r, "ARGET", "e", MAXIDX) == b"top"
    assert x(r, "ARSET", "e", 4095, "p", "q") == 2  # across a slice boundary
    assert x(r, "ARCOUNT", "e") == 4


def test_resp_bytes(raw):
    c = raw()
    assert c.call_raw("ARSET", "k", 1, "v") == b":1\r\n"
    assert c.call_raw("ARGET", "k", 0) == b"$-1\r\n"
    assert c.call_raw("ARMGET", "k", 0, 1) == b"*2\r\n$-1\r\n$1\r\nv\r\n"
    assert c.call_raw("ARSCAN", "k", 0, 10) == b"*1\r\n*2\r\n:1\r\n$1\r\nv\r\n"
    assert c.call_raw("ARSET", "k", MAXIDX, "t") == b":1\r\n"
    assert c.call_raw("ARLEN", "k") == b":18446744073709551615\r\n"
    assert c.call_raw("ARSCAN", "k", MAXIDX, MAXIDX) == (
        b"*1\r\n*2\r\n:18446744073709551614\r\n$1\r\nt\r\n")
    c.call("HELLO", 3)
    assert c.call_raw("ARGET", "k", 0) == b"_\r\n"
    assert c.call_raw("ARGETRANGE", "k", 2, 0) == b"*3\r\n_\r\n$1\r\nv\r\n_\r\n"
    assert c.call_raw("ARNEXT", "k") == b":0\r\n"
    assert c.call_raw("AROP", "k", 0, 5, "SUM") == b"_\r\n"  # no number
    info = c.call_raw("ARINFO", "k")
    assert info.startswith(b"%7\r\n$5\r\ncount\r\n:2\r\n$3\r\nlen\r\n:18446744073709551615\r\n")
    assert c.call_raw("ARINFO", "k", "FULL").startswith(b"%12\r\n")


def test_errors(r):
    r.set("s", "x")
    bad_index = "ERR invalid array index"
    for idx in ["-1", "abc", "1.5", "", str(2**64 - 1), str(2**64), "1 "]:
        assert err(r, "ARSET", "a", idx, "v") == bad_index[4:], idx
        assert err(r, "ARGET", "a", idx) == bad_index[4:]
    assert not r.exists("a")
    assert err(r, "ARSET", "a", MAXIDX, "v", "w") == "array index overflow"
    assert err(r, "ARSET", "a", MAXIDX - 1, "v", "w", "z") == "array index overflow"
    # every index is checked before anything changes
    assert err(r, "ARMSET", "a", 0, "v", -1, "w") == "invalid array index"
    assert err(r, "ARDEL", "a", 0, "x") == "invalid array index"
    assert err(r, "ARMGET", "a", 0, "x") == "invalid array index"
    assert err(r, "ARDELRANGE", "a", 0, 5, 7, "x") == "invalid array index"
    assert not r.exists("a")
    arity = "wrong number of arguments for '%s' command"
    assert err(r, "ARMSET", "a", 0, "v", 1) == arity % "armset"
    assert err(r, "ARDELRANGE", "a", 0, 1, 2) == arity % "ardelrange"
    assert err(r, "ARSCAN", "a", 0, 1, "LIMIT") == arity % "arscan"
    assert err(r, "ARSCAN", "a", 0, 1, "LIMIT", 1, 2) == arity % "arscan"
    assert err(r, "ARSET", "a", 0) == arity % "arset"
    assert err(r, "ARGET", "a") == arity % "arget"
    assert err(r, "AROP", "a", 0, 1, "SUM", "x") == arity % "arop"
    assert err(r, "ARLASTITEMS", "a", 1, "REV", "x") == arity % "arlastitems"
    assert err(r, "ARSCAN", "a", 0, 1, "COUNT", 1) == "syntax error"
    assert err(r, "ARSCAN", "a", 0, 1, "LIMIT", 0) == "LIMIT must be positive"
    assert err(r, "ARSCAN", "a", 0, 1, "limit", "x") == "value is not an integer or out of range"
    assert err(r, "ARGETRANGE", "a", 0, 1000000) == "range exceeds maximum of 1000000 items"
    assert x(r, "ARGETRANGE", "a", 999999, 0) == [None] * 1000000
    assert err(r, "AROP", "a", 0, 1, "AVG") == "unknown operation"
    assert err(r, "AROP", "a", 0, 1, "MATCH") == "MATCH requires a value argument"
    assert err(r, "ARRING", "a", "x", "v") == "invalid size"
    assert err(r, "ARRING", "a", 0, "v") == "size must be positive"
    assert err(r, "ARLASTITEMS", "a", "x") == "invalid COUNT"
    assert x(r, "ARLASTITEMS", "a", 0, "junk") == []  # count <= 0 answers first
    assert err(r, "ARLASTITEMS", "a", 1, "junk") == "syntax error"
    assert err(r, "ARINFO", "a") == "no such key"
    assert err(r, "ARINFO", "a", "FULLER") == "syntax error"
    assert err(r, "ARSEEK", "a", -1) == "invalid array index"
    assert not r.exists("a")
    # WRONGTYPE from every array command on a string, and the other way round
    wrong = "WRONGTYPE Operation against a key holding the wrong kind of value"
    for cmd in (["ARSET", "s", 0, "v"], ["ARMSET", "s", 0, "v"], ["ARGET", "s", 0],
                ["ARMGET", "s", 0], ["ARDEL", "s", 0], ["ARDELRANGE", "s", 0, 1],
                ["ARLEN", "s"], ["ARCOUNT", "s"], ["ARGETRANGE", "s", 0, 1],
                ["ARSCAN", "s", 0, 1], ["AROP", "s", 0, 1, "USED"], ["ARINSERT", "s", "v"],
                ["ARRING", "s", 3, "v"], ["ARNEXT", "s"], ["ARSEEK", "s", 1],
                ["ARLASTITEMS", "s", 1], ["ARINFO", "s"]):
        assert err(r, *cmd) == wrong, cmd
    x(r, "ARSET", "a", 0, "v")
    assert err(r, "GET", "a") == wrong
    assert err(r, "LPUSH", "a", "v") == wrong
    # ARGET checks the type before the index, ARSET the index before the type
    assert err(r, "ARGET", "s", "bad") == wrong
    assert err(r, "ARSET", "s", "bad", "v") == "invalid array index"


def test_index_forms(r):
    # Redis reads indexes with string2ull: strtoull's forms past the strict
    # ones, and "-0" as 0
    for form in [" 5", "+5", "005", "-0"]:
        x(r, "ARSET", "a", form, form)
    assert x(r, "ARSCAN", "a", 0, 10) == [[0, b"-0"], [5, b"005"]]
    assert x(r, "ARGET", "a", "18446744073709551614") is None


def test_delete_and_ranges(r):
    x(r, "ARSET", "a", 0, *[b"v%d" % i for i in range(10)])
    x(r, "ARSET", "a", 1 << 40, "far")
    assert x(r, "ARDEL", "a", 0, 0, 3, 77) == 2
    assert x(r, "ARDEL", "nosuch", 1) == 0
    assert x(r, "ARGETRANGE", "a", 0, 4) == [None, b"v1", b"v2", None, b"v4"]
    assert x(r, "ARGETRANGE", "a", 4, 0) == [b"v4", None, b"v2", b"v1", None]
    assert x(r, "ARGETRANGE", "nosuch", 0, 2) == [None, None, None]
    assert x(r, "ARSCAN", "a", 8, MAXIDX) == [[8, b"v8"], [9, b"v9"], [1 << 40, b"far"]]
    assert x(r, "ARSCAN", "a", MAXIDX, 7, "LIMIT", 2) == [[1 << 40, b"far"], [9, b"v9"]]
    assert x(r, "ARSCAN", "nosuch", 0, 5) == []
    # ranges in either order; huge spans cost only what they hold
    assert x(r, "ARDELRANGE", "a", 5, 2, 1 << 41, 1 << 39) == 4
    assert x(r, "ARSCAN", "a", 0, MAXIDX) == [[1, b"v1"], [6, b"v6"], [7, b"v7"], [8, b"v8"],
                                               [9, b"v9"]]
    assert x(r, "ARDELRANGE", "nosuch", 0, 1) == 0
    assert x(r, "ARDELRANGE", "a", 0, MAXIDX) == 5
    assert not r.exists("a")
    x(r, "ARSET", "a", 3, "v")
    assert x(r, "ARDEL", "a", 3) == 1 and not r.exists("a")


def test_arop(r):
    assert x(r, "AROP", "nosuch", 0, 9, "SUM") is None
    assert x(r, "AROP", "nosuch", 0, 9, "USED") == 0
    assert x(r, "AROP", "nosuch", 0, 9, "MATCH", "x") == 0
    assert x(r, "AROP", "nosuch", 0, 9, "XOR") is None
    x(r, "ARSET", "n", 0, "1", "2", "3.5", "abc", "-4", "0.1", "0.2", "1e3", " 7", "inf")
    assert x(r, "AROP", "n", 0, 2, "SUM") == b"6.5"
    assert x(r, "AROP", "n", 2, 0, "sum") == b"6.5"  # either order
    assert x(r, "AROP", "n", 5, 6, "SUM") == b"0.3"
    assert x(r, "AROP", "n", 0, 7, "MAX") == b"1000"
    assert x(r, "AROP", "n", 0, 7, "MIN") == b"-4"
    assert x(r, "AROP", "n", 0, 9, "MAX") == b"inf"
    assert x(r, "AROP", "n", 0, 9, "USED") == 10
    assert x(r, "AROP", "n", 3, 3, "SUM") is None  # "abc" is no number
    assert x(r, "AROP", "n", 8, 8, "SUM") is None  # nor " 7"
    assert x(r, "AROP", "n", 0, 2, "XOR") == 1 ^ 2 ^ 3  # 3.5 truncated
    assert x(r, "AROP", "n", 0, 4, "AND") == 1 & 2 & 3 & -4
    assert x(r, "AROP", "n", 0, 4, "OR") == 1 | 2 | 3 | -4
    assert x(r, "AROP", "n", 9, 9, "OR") is None  # inf does not fit
    assert x(r, "AROP", "n", 0, 9, "MATCH", "abc") == 1
    assert x(r, "AROP", "n", 0, 9, "MATCH", "ABC") == 0


def test_insert_cursor(r):
    assert x(r, "ARNEXT", "q") == 0
    assert x(r, "ARINSERT", "q", "a", "b", "c") == 2
    assert x(r, "ARNEXT", "q") == 3
    assert x(r, "ARSEEK", "q", 10) == 1
    assert x(r, "ARINSERT", "q", "d") == 10
    assert x(r, "ARSEEK", "nosuch", 5) == 0 and not r.exists("nosuch")
    assert x(r, "ARSEEK", "q", 0) == 1
    assert x(r, "ARNEXT", "q") == 0
    assert x(r, "ARINSERT", "q", "A") == 0
    info = dict(zip(*[iter(x(r, "ARINFO", "q"))] * 2))
    assert info[b"next-insert-index"] == 1 and info[b"count"] == 4 and info[b"len"] == 11
    # the end of the index space: ARSEEK alone may name 2^64-1
    assert x(r, "ARSEEK", "q", 2**64 - 1) == 1
    assert x(r, "ARNEXT", "q") is None
    assert err(r, "ARINSERT", "q", "z") == "insert index overflow"
    assert x(r, "ARSEEK", "q", MAXIDX) == 1
    assert err(r, "ARINSERT", "q", "y", "z") == "insert index overflow"
    assert x(r, "ARINSERT", "q", "y") == MAXIDX
    info = dict(zip(*[iter(x(r, "ARINFO", "q"))] * 2))
    assert info[b"next-insert-index"] == 0
    assert x(r, "ARCOUNT", "q") == 5


def test_ring_and_lastitems(r):
    assert x(r, "ARRING", "g", 3, "a", "b", "c", "d") == 0  # d wrapped onto 0
    assert x(r, "ARGETRANGE", "g", 0, 2) == [b"d", b"b", b"c"]
    assert x(r, "ARLASTITEMS", "g", 3) == [b"b", b"c", b"d"]
    assert x(r, "ARLASTITEMS", "g", 10, "REV") == [b"d", b"c", b"b"]
    assert x(r, "ARLASTITEMS", "g", 2) == [b"c", b"d"]
    assert x(r, "ARLASTITEMS", "nosuch", 2) == []
    # shrinking keeps the newest, replayed from 0
    assert x(r, "ARRING", "g", 2, "e") == 0
    assert x(r, "ARGETRANGE", "g", 0, 1) == [b"e", b"d"]
    assert x(r, "ARLASTITEMS", "g", 2) == [b"d", b"e"]
    # growing after a wrap makes room instead of overwriting the old slots
    assert x(r, "ARRING", "g", 4, "f", "g") == 3
    assert x(r, "ARGETRANGE", "g", 0, 3) == [b"d", b"e", b"f", b"g"]
    assert x(r, "ARLASTITEMS", "g", 4) == [b"d", b"e", b"f", b"g"]
    # a hole cuts what a resize keeps
    x(r, "ARRING", "h", 5, "1", "2", "3", "4", "5")
    x(r, "ARDEL", "h", 2)
    assert x(r, "ARRING", "h", 3, "6") == 2
    assert x(r, "ARGETRANGE", "h", 0, 2) == [b"4", b"5", b"6"]
    # ARLASTITEMS walks positions: holes come back as nulls
    x(r, "ARSET", "s", 0, "a")
    x(r, "ARSET", "s", 4, "e")
    assert x(r, "ARLASTITEMS", "s", 3) == [None, None, b"e"]
    x(r, "ARSET", "huge", 5000000, "x")
    assert err(r, "ARLASTITEMS", "huge", 2000000) == "count exceeds maximum of 1000000 items"
    assert len(x(r, "ARLASTITEMS", "huge", 1000000)) == 1000000


def test_arinfo(r):
    x(r, "ARSET", "a", 0, "x", "y")
    info = dict(zip(*[iter(x(r, "ARINFO", "a"))] * 2))
    assert info == {b"count": 2, b"len": 2, b"next-insert-index": 0, b"slices": 1,
                    b"directory-size": 1, b"super-dir-entries": 0, b"slice-size": 4096}
    x(r, "ARSET", "a", 1 << 50, "z")
    full = dict(zip(*[iter(x(r, "ARINFO", "a", "full"))] * 2))
    assert full[b"slices"] == 2 and full[b"dense-slices"] + full[b"sparse-slices"] == 2
    assert set(full) == set(info) | {b"dense-slices", b"sparse-slices", b"avg-dense-size",
                                     b"avg-dense-fill", b"avg-sparse-size"}


def test_keyspace_commands(r):
    x(r, "ARSET", "a", 0, "x", "y")
    x(r, "ARSEEK", "a", 7)
    assert r.copy("a", "b") == 1
    x(r, "ARSET", "b", 0, "changed")
    assert x(r, "ARGET", "a", 0) == b"x" and x(r, "ARNEXT", "b") == 7
    r.rename("b", "c")
    assert x(r, "ARGET", "c", 0) == b"changed"
    assert r.move("c", 1) == 1
    r.execute_command("SELECT", 1)
    assert x(r, "ARGET", "c", 1) == b"y"
    r.execute_command("SELECT", 0)
    assert list(r.scan_iter(_type="array")) == [b"a"]
    r.set("s", "v")
    assert sorted(r.scan_iter(_type="string")) == [b"s"]
    assert r.expire("a", 100) and 0 < r.ttl("a") <= 100
    assert r.memory_usage("a") > 0
    big = r.memory_usage("a")
    x(r, "ARSET", "a", 10, "w" * 5000)
    assert r.memory_usage("a") > big + 4500
    assert r.unlink("a") == 1 and not r.exists("a")
    x(r, "ARSET", "d", 0, *[b"%d" % i for i in range(5000)])
    assert r.delete("d") == 1
    r.execute_command("SELECT", 1)
    r.flushdb()
    r.execute_command("SELECT", 0)


def test_multi_and_watch(r, rr):
    p = r.pipeline(transaction=True)
    p.execute_command("ARSET", "t", 0, "a")
    p.execute_command("ARINSERT", "t", "b")  # the cursor starts at 0
    p.execute_command("ARGET", "t", 0)
    p.execute_command("ARDEL", "t", 0, 1)
    assert p.execute() == [1, 0, b"b", 1]
    assert not r.exists("t")
    x(r, "ARSET", "w", 0, "a")
    other = rr()
    with r.pipeline() as p:
        p.watch("w")
        x(other, "ARSEEK", "w", 3)  # a cursor move is a change too
        p.multi()
        p.execute_command("ARGET", "w", 0)
        with pytest.raises(Exception):
            p.execute()


def test_notifications(r, flags, sub):  # noqa: F811
    flags("KEA")
    x(r, "ARSET", "a", 0, "x")
    x(r, "ARMSET", "a", 1, "y")
    x(r, "ARINSERT", "a", "z")
    x(r, "ARRING", "a", 5, "w")
    x(r, "ARSEEK", "a", 1)
    x(r, "ARDEL", "a", 9)  # nothing deleted: no event
    x(r, "ARDEL", "a", 0)
    x(r, "ARDELRANGE", "a", 0, 10)
    got = [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")]
    assert [ch.split(b":", 1)[1] for ch, _ in got] == [
        b"arset", b"armset", b"arinsert", b"arring", b"arseek", b"ardel",
        b"ardelrange", b"del"]
    flags("Kg")  # without class a: only the generic del
    x(r, "ARSET", "b", 0, "x")
    x(r, "ARDEL", "b", 0)
    assert [d for _, d in drain(r, sub)] == [b"del"]
    flags("Ka")
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "aK"
    x(r, "ARSET", "b", 0, "x")
    assert [d for _, d in drain(r, sub)] == [b"arset"]
    # A takes arrays too: 7.0's classes spelled out are no longer all of them
    for given, shown in [("g$lshzxetd", "g$lshzxetd"), ("K$lshzxetdg", "g$lshzxetdK"),
                         ("KE$lshzxetdg", "g$lshzxetdKE"), ("g$lshzxetdn", "g$lshzxetdn"),
                         ("g$lshzxetda", "A"), ("aKEg$lshzxetd", "AKE")]:
        flags(given)
        assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == shown


def test_persistence_debug_reload_and_dump(r):
    x(r, "ARSET", "a", 0, "x", b"", b"1", b"-7", b"1.5", b"w" * 20000)
    x(r, "ARSET", "a", MAXIDX, "top")
    x(r, "ARSEEK", "a", 42)
    x(r, "ARRING", "ring", 3, "a", "b", "c", "d")
    x(r, "ARSET", "end", 5, "v")
    x(r, "ARSEEK", "end", 2**64 - 1)
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    assert x(r, "ARNEXT", "end") is None
    d = r.dump("a")
    assert d[0] == 28 and struct.unpack("<H", d[-10:-8])[0] == 12
    r.restore("a2", 0, d)
    assert x(r, "ARSCAN", "a2", 0, MAXIDX) == before[b"a"][0]
    assert x(r, "ARNEXT", "a2") == 42
    with pytest.raises(ResponseError, match="BUSYKEY"):
        r.restore("a2", 0, d)


def test_restore_redis88_payload(r):
    # as Redis 8.8 writes one: count, cursor flag and cursor, then index, tag
    # (0 string, 1 int, 2 float, 3 short string) and value; version 14
    def ln(n):
        return bytes([n]) if n < 64 else b"\x81" + struct.pack(">Q", n)

    def s(b):
        return ln(len(b)) + b

    body = bytes([28]) + ln(5) + ln(1) + ln(6)
    body += ln(0) + ln(1) + struct.pack("<q", -12345)
    body += ln(1) + ln(2) + struct.pack("<d", 1.5)
    body += ln(2) + ln(2) + struct.pack("<d", 3.0)
    body += ln(3) + ln(3) + s(b"abc")
    body += ln(2**40) + ln(0) + s(b"a longer string")
    r.restore("k", 0, seal(body, 14))
    assert x(r, "ARSCAN", "k", 0, MAXIDX) == [[0, b"-12345"], [1, b"1.5"], [2, b"3.0"],
                                              [3, b"abc"], [2**40, b"a longer string"]]
    assert x(r, "ARNEXT", "k") == 7
    # hostile payloads refuse cleanly
    bad = [
        bytes([28]) + ln(2) + ln(0) + ln(5) + ln(0) + s(b"a") + ln(5) + ln(0) + s(b"b"),  # dup
        bytes([28]) + ln(2) + ln(0) + ln(5) + ln(0) + s(b"a") + ln(3) + ln(0) + s(b"b"),  # order
        bytes([28]) + ln(1) + ln(2) + ln(0) + ln(0) + s(b"a"),  # cursor flag
        bytes([28]) + ln(1) + ln(0) + ln(0) + ln(9) + s(b"a"),  # tag
        bytes([28]) + ln(1) + ln(0) + ln(0) + ln(1) + b"\x00" * 4,  # short int
        bytes([28]) + ln(200) + ln(0) + ln(0) + ln(0) + s(b"a"),  # count past the input
        bytes([28]) + ln(1) + ln(0) + b"\x81" + struct.pack(">Q", 2**64 - 1) + ln(0) + s(b"a"),
    ]
    for i, b in enumerate(bad):
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad%d" % i, 0, seal(b, 12))
    with pytest.raises(ResponseError, match="Bad data format"):  # as any empty value
        r.restore("empty", 0, seal(bytes([28]) + ln(0) + ln(0), 12))
    with pytest.raises(ResponseError, match="checksum"):
        r.restore("v16", 0, seal(body, 16))


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    x(c, "ARSET", "a", 0, "x", "y", "z")
    x(c, "ARMSET", "a", 100, "h", 1 << 60, "far")
    x(c, "ARDEL", "a", 1)
    x(c, "ARDELRANGE", "a", 50, 150)
    x(c, "ARINSERT", "q", *[b"i%d" % i for i in range(200)])
    x(c, "ARRING", "q", 150, "r1", "r2")
    x(c, "ARSEEK", "q", 77)
    x(c, "ARRING", "ring", 4, "a", "b", "c", "d", "e", "f")
    x(c, "ARSET", "end", 5, "v")
    x(c, "ARSEEK", "end", 2**64 - 1)
    x(c, "ARSET", "gone", 0, "v")
    x(c, "ARDEL", "gone", 0)
    c.restore("q2", 0, c.dump("q"))  # propagates as the commands that rebuild it
    before = snapshot(c)
    assert set(before) == {b"a", b"q", b"q2", b"ring", b"end"}
    srv.restart()  # the AOF's records replayed
    c = srv.client()
    assert snapshot(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    base = [f for f in os.listdir(aof_dir(srv)) if ".base." in f][0]
    data = open(os.path.join(aof_dir(srv), base), "rb").read()
    if base.endswith(".aof"):
        assert b"$6\r\nARMSET\r\n" in data and b"*130\r\n$6\r\nARMSET\r\n" in data
        assert b"$6\r\nARSEEK\r\n$3\r\nend\r\n$20\r\n18446744073709551615\r\n" in data
    # writes after the rewrite keep replaying on top of it
    x(c, "ARINSERT", "q", "after")
    before = snapshot(c)
    srv.restart()
    assert snapshot(srv.client()) == before


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    x(c, "ARSET", "a", 0, *[b"%d" % i for i in range(10000)])
    x(c, "ARSET", "a", 1 << 62, "far")
    x(c, "ARSEEK", "a", 3)
    before = snapshot(c)
    c.save()
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    info = dict(zip(*[iter(x(c, "ARINFO", "a"))] * 2))
    assert info[b"count"] == 10001 and info[b"slices"] == 4


def test_argrep(r):
    x(r, "ARSET", "g", 0, "apple", "Banana", "cherry", "", b"nul\x00byte", "apple pie", "APPLE")
    x(r, "ARSET", "g", 100, "grape")
    assert x(r, "ARGREP", "g", "-", "+", "EXACT", "apple") == [0]
    assert x(r, "ARGREP", "g", "-", "+", "EXACT", "apple", "NOCASE") == [0, 6]
    assert x(r, "ARGREP", "g", "-", "+", "MATCH", "an") == [1]
    assert x(r, "ARGREP", "g", "-", "+", "MATCH", "") == [0, 1, 2, 3, 4, 5, 6, 100]
    assert x(r, "ARGREP", "g", "+", "-", "GLOB", "*ap*") == [100, 5, 0]  # reversed
    assert x(r, "ARGREP", "g", 0, 99, "RE", "^a.*e$", "withvalues") == [[0, b"apple"],
                                                                          [5, b"apple pie"]]
    assert x(r, "ARGREP", "g", 0, 99, "RE", "^a", "NOCASE") == [0, 5, 6]
    assert x(r, "ARGREP", "g", 0, 99, "RE", "l\x00b") == [0, 4, 5]  # the pattern ends at its NUL
    assert x(r, "ARGREP", "g", 0, 99, "RE", "byte$") == [4]  # NULs in elements are matched
    assert x(r, "ARGREP", "g", "-", "+", "MATCH", "p", "MATCH", "e", "AND") == [0, 5, 100]
    assert x(r, "ARGREP", "g", "-", "+", "EXACT", "cherry", "EXACT", "grape") == [2, 100]
    assert x(r, "ARGREP", "g", "-", "+", "MATCH", "p", "LIMIT", 2, "OR") == [0, 5]
    assert x(r, "ARGREP", "g", 101, 5000, "MATCH", "") == []
    assert x(r, "ARGREP", "g", 101, "+", "MATCH", "") == [100]  # 101 > 100: reversed
    assert x(r, "ARGREP", "nosuch", "-", "+", "MATCH", "") == []
    assert err(r, "ARGREP", "g", "-", "+", "MATCH") == (
        "wrong number of arguments for 'argrep' command")
    assert err(r, "ARGREP", "g", "-", "+", "MATCH", "a", "GLOB") == "syntax error"
    assert err(r, "ARGREP", "g", "-", "+", "LIMIT", 2) == "syntax error"  # no predicate
    assert err(r, "ARGREP", "g", "-", "+", "MATCH", "a", "LIMIT") == "syntax error"
    assert err(r, "ARGREP", "g", "-", "+", "MATCH", "a", "BOGUS") == "syntax error"
    assert err(r, "ARGREP", "g", "-", "+", "MATCH", "a", "LIMIT", 0) == "LIMIT must be positive"
    assert err(r, "ARGREP", "g", "x", "+", "MATCH", "a") == "invalid array index"
    assert err(r, "ARGREP", "g", "-", "+", "RE", "") == "regular expression is empty"
    assert err(r, "ARGREP", "g", "-", "+", "RE", "a" * 2049) == (
        "regular expression is too long, maximum is 2048 bytes")
    assert err(r, "ARGREP", "g", "-", "+", "RE", "(a") == "invalid regular expression: Missing ')'"
    assert err(r, "ARGREP", "g", "-", "+", "RE", "[a") == "invalid regular expression: Missing ']'"
    assert err(r, "ARGREP", "g", "-", "+", "RE", "(a)\\1") == (
        "regular expression backreferences are not supported")
    assert x(r, "ARGREP", "g", "-", "+", "RE", "[\\1]") == []  # no backref in a bracket
    many = []
    for i in range(251):
        many += ["EXACT", str(i)]
    assert err(r, "ARGREP", "g", "-", "+", *many) == "too many predicates, maximum is 250"
    r.set("s", "v")
    assert err(r, "ARGREP", "s", "-", "+", "MATCH", "a").startswith("WRONGTYPE")
    assert err(r, "ARGREP", "s", "-", "+", "MATCH", "a", "RE") == "syntax error"  # parsed first


def test_replication_streamd_pair(make_server):
    import time

    master, replica = make_server(), make_server()
    m, rep = master.client(), replica.client()
    x(m, "ARSET", "before", 0, "a", "b")
    x(m, "ARSEEK", "before", 9)
    assert x(rep, "REPLICAOF", "127.0.0.1", master.port) == b"OK"
    deadline = time.monotonic() + 15
    while rep.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # the full sync carried "before"; the live stream carries the rest
    x(m, "ARINSERT", "before", "c")
    x(m, "ARRING", "ring", 3, "1", "2", "3", "4")
    x(m, "ARMSET", "m", 5, "x", 1 << 63, "y")
    x(m, "ARDELRANGE", "m", 0, 10)
    assert x(m, "WAIT", 1, 5000) == 1
    while rep.info("replication")["slave_repl_offset"] != m.info("replication")[
            "master_repl_offset"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert snapshot(rep) == snapshot(m)
    assert x(rep, "ARNEXT", "before") == 10


def test_redis70_replica_gets_the_rest(make_server):
    """A Redis 7 replica's full sync leaves arrays out (no RDB type it reads
    carries one) instead of failing on them; the rest arrives."""
    import time

    m = make_server()
    c = m.client()
    x(c, "ARSET", "arr", 0, "a", "b")
    c.set("s", "v")
    c.hset("h", "f", "v")
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    r = s.client()
    deadline = time.monotonic() + 15
    while r.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert sorted(r.keys("*")) == [b"h", b"s"]
    assert r.get("s") == b"v" and r.hgetall("h") == {b"f": b"v"}
