"""Hashes beyond what the 7.0 comparison covers: persistence round trips
(AOF replay of random writes, BGREWRITEAOF, DEBUG RELOAD, RDB, Redis 7.0
loading streamd's rewritten AOF), what the AOF records (HINCRBYFLOAT as
HSET of its result), HSCAN NOVALUES (Redis 7.4, from its documentation),
COPY / RENAME / MOVE of a hash, INFO keysizes, and hostile RESTORE
payloads (never a crash: "ERR Bad data format").
"""

import os
import random
import subprocess
import time

import pytest

from testlib import IS_REDIS, SLOW, RespError, redis_on_aof_of
from testlib.dumppayload import seal
from testlib.cmds import AOF_ALWAYS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

CHECK_AOF = "/usr/bin/redis-check-aof"


def call(c, *args):
    try:
        return c.call(*args)
    except RespError as e:
        return e


def pairs(v):
    if isinstance(v, dict):
        return sorted(v.items())
    return sorted(zip(v[0::2], v[1::2]))


def state(c, dbs=(0, 1), enc=True):
    """Every hash key: its fields and values, encoding (unless enc is false:
    a hash rebuilt from a rewrite may be packed where its history made a
    table, in Redis too) and whether it has a TTL."""
    out = {}
    for db in dbs:
        c.call("SELECT", str(db))
        for k in c.call("KEYS", "*"):
            t = c.call("TYPE", k)
            if t != b"hash":
                out[(db, k)] = (t, c.call("GET", k) if t == b"string" else None)
                continue
            out[(db, k)] = (c.call("OBJECT", "ENCODING", k) if enc else None, pairs(c.call("HGETALL", k)),
                            c.call("PTTL", k) > 0)
    c.call("SELECT", "0")
    return out


def random_writes(c, rng, n=1500):
    """Random hash writes over a few keys, small and big hashes, two dbs."""
    for i in range(n):
        k = "h%d" % rng.randrange(6)
        f = "f%d" % rng.randrange(700 if k == "h0" else 20)
        op = rng.randrange(10)
        if op < 4:
            val = "x" * rng.randrange(80) if rng.random() < 0.1 else str(rng.randrange(1000))
            call(c, "HSET", k, f, val, "g%d" % rng.randrange(5), str(i))
        elif op == 4:
            call(c, "HMSET", k, f, "m%d" % i)
        elif op == 5:
            call(c, "HSETNX", k, f, "nx")
        elif op == 6:
            call(c, "HINCRBY", k, "n" + f, str(rng.randrange(-50, 50)))
        elif op == 7:
            call(c, "HINCRBYFLOAT", k, "fl" + f, "%.3f" % (rng.random() * 10 - 5))
        elif op == 8:
            call(c, "HDEL", k, f, "g%d" % rng.randrange(5))
        else:
            call(c, "SELECT", str(rng.randrange(2)))
    call(c, "SELECT", "0")
    call(c, "EXPIRE", "h1", "10000")


def wait_rewrite(c, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        info = c.call("INFO", "persistence").decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    rng = random.Random(7)
    random_writes(c, rng)
    before = state(c)
    assert any(v[0] == b"hashtable" for v in before.values())
    assert any(v[0] == b"listpack" for v in before.values())
    srv.restart()
    c = srv.raw()
    assert state(c) == before
    assert c.call("BGREWRITEAOF")
    wait_rewrite(c)
    random_writes(c, rng, 300)
    before = state(c, enc=False)
    srv.restart()
    c = srv.raw()
    assert state(c, enc=False) == before
    before = state(c)
    # a rewrite batches 64 pairs per HMSET, as 7.0 does
    assert c.call("BGREWRITEAOF")
    wait_rewrite(c)
    base = [f for f in os.listdir(os.path.join(srv.dir, "appendonlydir")) if ".base." in f][0]
    with open(os.path.join(srv.dir, "appendonlydir", base), "rb") as f:
        text = f.read()
    assert b"$5\r\nHMSET\r\n$2\r\nh0\r\n" in text
    assert b"*130\r\n$5\r\nHMSET\r\n" in text
    srv.stop()
    out = subprocess.run([CHECK_AOF, os.path.join(srv.dir, "appendonlydir",
                                                  "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out
    # Redis 7.0 loads streamd's AOF to the same hashes (encodings aside:
    # 7.0's thresholds are the same, so they match too)
    red = redis_on_aof_of(make_server, srv)
    assert state(red.raw()) == before


def test_aof_records(make_server):
    """HINCRBYFLOAT is recorded as the HSET of its result; HDEL that
    deletes nothing and HSETNX that sets nothing record nothing."""
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    c.call("HSET", "h", "a", "1")
    c.call("HINCRBYFLOAT", "h", "f", "0.1")
    c.call("HINCRBYFLOAT", "h", "f", "0.2")
    c.call("HDEL", "h", "nope")
    c.call("HSETNX", "h", "a", "2")
    c.call("HINCRBY", "h", "a", "5")
    d = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(d) if ".incr." in f][0]
    with open(os.path.join(d, incr), "rb") as f:
        text = f.read()
    assert b"HINCRBYFLOAT" not in text
    assert b"*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$3\r\n0.3\r\n" in text
    assert b"HDEL" not in text and b"HSETNX" not in text
    assert b"*4\r\n$7\r\nHINCRBY\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\n5\r\n" in text


def test_debug_reload_and_rdb_keep_hashes(make_server):
    srv = make_server(["--enable-debug-command", "yes"])
    c = srv.raw()
    random_writes(c, random.Random(3), 800)
    before = state(c)
    assert c.call("DEBUG", "RELOAD") == b"OK"
    assert state(c) == before
    assert c.call("SAVE") == b"OK"
    srv.restart()
    assert state(srv.raw()) == before


def test_hscan_novalues(make_server):
    """HSCAN ... NOVALUES (Redis 7.4): fields only, for both encodings,
    with MATCH and COUNT."""
    srv = make_server()
    c = srv.raw()
    c.call("HSET", "small", "a", "1", "b", "2", "ab", "3")
    assert c.call("HSCAN", "small", "0", "NOVALUES") == [b"0", [b"a", b"b", b"ab"]]
    assert c.call("HSCAN", "small", "0", "MATCH", "a*", "novalues") == [b"0", [b"a", b"ab"]]
    args = []
    for i in range(1000):
        args += ["f%d" % i, "v%d" % i]
    c.call("HSET", "big", *args)
    assert c.call("OBJECT", "ENCODING", "big") == b"hashtable"
    seen = set()
    cur = b"0"
    while True:
        cur, items = c.call("HSCAN", "big", cur, "NOVALUES", "COUNT", "50")
        assert all(x.startswith(b"f") for x in items)
        seen.update(items)
        if cur == b"0":
            break
    assert seen == {b"f%d" % i for i in range(1000)}
    # the key missing: an empty scan, whatever the options
    assert c.call("HSCAN", "nokey", "0", "NOVALUES") == [b"0", []]
    c.call("HELLO", "3")
    assert c.call("HSCAN", "small", "0", "NOVALUES") == [b"0", [b"a", b"b", b"ab"]]
    docs = c.call("COMMAND", "DOCS", "hscan")[b"hscan"]
    nov = [a for a in docs[b"arguments"] if a[b"name"] == b"novalues"]
    assert nov == [{b"name": b"novalues", b"type": b"pure-token", b"token": b"NOVALUES",
                    b"since": b"7.4.0", b"flags": [b"optional"]}]
    assert docs[b"history"] == [[b"7.4.0", b"Added the `NOVALUES` option."]]


def test_copy_rename_move_and_keysizes(make_server):
    srv = make_server()
    c = srv.raw()
    c.call("HSET", "h", "a", "1", "b", "2")
    assert c.call("COPY", "h", "h2") == 1
    c.call("HSET", "h2", "c", "3")
    assert c.call("HLEN", "h") == 2 and c.call("HLEN", "h2") == 3
    big = []
    for i in range(600):
        big += ["f%d" % i, "v"]
    c.call("HSET", "big", *big)
    assert c.call("COPY", "big", "big2") == 1
    assert c.call("OBJECT", "ENCODING", "big2") == b"hashtable"
    assert pairs(c.call("HGETALL", "big2")) == pairs(c.call("HGETALL", "big"))
    c.call("RENAME", "h2", "h3")
    assert c.call("HGET", "h3", "c") == b"3"
    assert c.call("MOVE", "h3", "1") == 1
    c.call("SELECT", "1")
    assert c.call("HGETALL", "h3") == [b"a", b"1", b"b", b"2", b"c", b"3"]
    c.call("SELECT", "0")
    info = c.call("INFO", "keysizes").decode()
    assert "db0_distrib_hashes_items:2=1,512=2" in info, info
    c.call("HDEL", "h", "a", "b")
    info = c.call("INFO", "keysizes").decode()
    assert "db0_distrib_hashes_items:512=2" in info, info
    assert c.call("MEMORY", "USAGE", "big") > 600 * 10


def listpack(elems):
    body = b""
    for e in elems:
        assert len(e) < 64
        enc = bytes([0x80 | len(e)]) + e
        body += enc + bytes([len(enc)])
    total = 6 + len(body) + 1
    return total.to_bytes(4, "little") + len(elems).to_bytes(2, "little") + body + b"\xff"


def rdb_str(s):
    if len(s) < 64:
        return bytes([len(s)]) + s
    return bytes([0x40 | len(s) >> 8, len(s) & 0xFF]) + s


def test_hostile_restore_payloads(make_server):
    """Random corruptions of valid hash payloads (types 4, 13, 16): each
    either restores to a valid hash or answers Bad data format / checksum
    errors; the server stays up and consistent."""
    srv = make_server()
    c = srv.raw()
    good = [
        b"\x10" + rdb_str(listpack([b"a", b"1", b"bb", b"22", b"ccc", b"333"])),
        b"\x04\x03" + b"".join(rdb_str(x) for x in [b"a", b"1", b"b", b"2", b"c", b"3"]),
        # a zipmap: (a, 1) and (bb, 22) with one free byte after 22
        b"\x09" + rdb_str(b"\x02\x01a\x01\x001\x02bb\x02\x0122\x00\xff"),
        # a ziplist: a, 1 (a 4-bit immediate), bb, 300 (int16)
        b"\x0d" + rdb_str(b"\x18\x00\x00\x00\x13\x00\x00\x00\x04\x00"
                           b"\x00\x01a\x03\xf2\x02\x02bb\x04\xc0\x2c\x01\xff"),
    ]
    for body in good:
        assert c.call("RESTORE", "k", "0", seal(body, 10), "REPLACE") == b"OK"
        assert pairs(c.call("HGETALL", "k"))[0] == (b"a", b"1")
    rng = random.Random(11)
    outcomes = set()
    for i in range(3000):
        body = bytearray(rng.choice(good))
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(len(body))
            if rng.random() < 0.2:
                del body[pos]
            else:
                body[pos] = rng.randrange(256)
        r = call(c, "RESTORE", "x%d" % i, "0", seal(bytes(body), 10))
        if isinstance(r, RespError):
            assert str(r) in ("ERR Bad data format",
                              "ERR DUMP payload version or checksum are wrong"), r
            outcomes.add("error")
        else:
            t = c.call("TYPE", "x%d" % i)
            assert t in (b"hash", b"string", b"stream", b"set", b"list", b"zset"), t
            if t == b"hash":
                n = c.call("HLEN", "x%d" % i)
                assert n == len(pairs(c.call("HGETALL", "x%d" % i))) > 0
            outcomes.add("ok")
    assert "error" in outcomes
    assert c.call("PING") == b"PONG"


def test_randfield_negative_count_limit(make_server):
    """streamd's own limit: HRANDFIELD with a negative count whose reply
    could not fit in proto-max-bulk-len bytes is refused (Redis 7.0 starts
    building it and runs out of memory); below it, the count is served."""
    srv = make_server()
    c = srv.raw()
    c.call("HSET", "h", "a", "1")
    limit = 536870912
    for count, wv in ((limit // 6 + 1, False), (limit // 12 + 1, True), (2147483649, False),
                      (4611686018427387903, True), (9223372036854775807, False)):
        args = ["HRANDFIELD", "h", str(-count)] + (["WITHVALUES"] if wv else [])
        r = call(c, *args)
        assert isinstance(r, RespError) and str(r) == "ERR value is out of range", (count, r)
    assert c.call("HRANDFIELD", "h", "-100000") == [b"a"] * 100000
    assert c.call("HRANDFIELD", "h", "-3", "WITHVALUES") == [b"a", b"1"] * 3
    assert c.call("PING") == b"PONG"


def test_hgetdel(make_server):
    """HGETDEL key FIELDS numfields field... (Redis 8.0, from its
    documentation): values or nulls in the order asked, the fields deleted,
    the key with them when it empties; errors in 8.0's order; recorded in
    the AOF as HDEL; hdel and del notified."""
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    c.call("HSET", "h", "f1", "Hello", "f2", "World", "f3", "!")
    assert c.call("HGETDEL", "h", "FIELDS", "2", "f3", "f4") == [b"!", None]
    assert c.call("HGETALL", "h") == [b"f1", b"Hello", b"f2", b"World"]
    assert c.call("HGETDEL", "h", "fields", "2", "f1", "f1") == [b"Hello", None]
    assert c.call("HGETDEL", "nokey", "FIELDS", "1", "a") == [None]
    for args, err in [
            (("h", "FIELD", "1", "a"), "Mandatory argument FIELDS is missing or not at the right position"),
            (("h", "FIELDS", "0", "a"), "Number of fields must be a positive integer"),
            (("h", "FIELDS", "x", "a"), "Number of fields must be a positive integer"),
            (("h", "FIELDS", "-1", "a"), "Number of fields must be a positive integer"),
            (("h", "FIELDS", "2", "a"), "The `numfields` parameter must match the number of arguments"),
            (("h", "FIELDS", "1", "a", "b"), "The `numfields` parameter must match the number of arguments")]:
        r = call(c, "HGETDEL", *args)
        assert isinstance(r, RespError) and str(r) == "ERR " + err, (args, r)
    r = call(c, "HGETDEL", "h", "FIELDS", "1")
    assert str(r) == "ERR wrong number of arguments for 'hgetdel' command"
    c.call("SET", "s", "v")
    r = call(c, "HGETDEL", "s", "FIELD", "x", "a")  # the type is checked first
    assert str(r).startswith("WRONGTYPE")
    sub = srv.raw()
    c.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    sub.call("SUBSCRIBE", "__keyspace@0__:h")
    assert c.call("HGETDEL", "h", "FIELDS", "1", "f2") == [b"World"]
    assert c.call("EXISTS", "h") == 0
    got = [sub.read()[2] for _ in range(2)]
    assert got == [b"hdel", b"del"]
    c.call("HSET", "k", "a", "1", "b", "2")
    c.call("HGETDEL", "k", "FIELDS", "2", "a", "zz")
    d = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(d) if ".incr." in f][0]
    with open(os.path.join(d, incr), "rb") as f:
        text = f.read()
    assert b"HGETDEL" not in text
    assert b"*4\r\n$4\r\nHDEL\r\n$1\r\nk\r\n$1\r\na\r\n$2\r\nzz\r\n" in text
    srv.restart()
    assert srv.raw().call("HGETALL", "k") == [b"b", b"2"]
