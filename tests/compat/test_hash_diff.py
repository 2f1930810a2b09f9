"""Hashes, differentially against redis-server 7.0: every hash command of
7.0 with its options, its argument errors in 7.0's order of checks, keys of
another type (WRONGTYPE), binary-safe fields and values, OBJECT ENCODING
through the listpack -> hashtable conversions (by entries and by length,
with CONFIG SET of the thresholds and their ziplist aliases), RESP2 and
RESP3, the keyspace notifications, MULTI, DUMP/RESTORE both ways (a packed
hash's payload byte for byte) and RDB files written by one server and loaded
by the other.

Replies whose order 7.0 leaves to its hash table (HGETALL of a hashtable,
HSCAN's cursor walk) are compared sorted; HRANDFIELD's picks are random, so
only their shape, size and membership are compared.
"""

import os
import shutil

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, call_or_error, canon, scan_keys, sorted_reply
from testlib.dumppayload import seal
from testlib.resp import RespError, Status

from test_notify_diff import compare

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

BIN = b"\x00\xff\r\n bin"


def pairs_sorted(v):
    """HGETALL of a hashtable: its pairs in a fixed order."""
    return v if isinstance(v, RespError) else sorted(flat_pairs(v))

BASIC = [
    "HSET h f1 v1", "HSET h f2 v2 f3 v3", "HSET h f1 new f4 v4", "HGET h f1", "HGET h nope",
    "HGET nokey f", "HLEN h", "HLEN nokey", "HGETALL h", "HKEYS h", "HVALS h", "HGETALL nokey",
    "HKEYS nokey", "HVALS nokey", "HMGET h f1 nope f2", "HMGET nokey a b", "HEXISTS h f1",
    "HEXISTS h nope", "HEXISTS nokey f", "HSTRLEN h f1", "HSTRLEN h nope", "HSTRLEN nokey f",
    "HSETNX h f1 x", "HSETNX h f5 v5", "HSETNX newkey a b", "HGETALL newkey",
    "HMSET h f6 v6 f1 again", "HGETALL h", "OBJECT ENCODING h", "TYPE h",
    "HDEL h f2 nope f3", "HDEL h nope", "HDEL nokey a", "HGETALL h",
    "HDEL newkey a", "EXISTS newkey", "HSET e '' ''", "HGET e ''", "HSTRLEN e ''", "HGETALL e",
    ("HSET", "b", BIN, BIN + b"v"), ("HGET", "b", BIN), ("HGETALL", "b"),
    ("HSET", "n", "i", "12345", "neg", "-7", "big", "9223372036854775807", "z", "0012"),
    "HGETALL n", "HSTRLEN n i", "HSTRLEN n big",
    # arity and syntax
    "HSET h", "HSET h f", "HSET h f v g", "HMSET h f v g", "HMSET h f", "HSETNX h f",
    "HSETNX h f v x", "HGET h", "HGET h f x", "HMGET h", "HDEL h", "HLEN", "HLEN h x",
    "HSTRLEN h", "HEXISTS h", "HKEYS", "HVALS h x", "HGETALL", "HINCRBY h f", "HINCRBYFLOAT h",
    # wrong types
    "SET s v", "XADD st 1-0 a b", "HSET s f v", "HMSET st f v", "HSETNX s f v", "HGET s f",
    "HMGET st f", "HDEL s f", "HLEN s", "HSTRLEN s f", "HEXISTS st f", "HKEYS s", "HVALS st",
    "HGETALL s", "HINCRBY s f 1", "HINCRBYFLOAT st f 1", "HRANDFIELD s", "HRANDFIELD st 2",
    "HSCAN s 0", "GET s",
]

INCR = [
    "HINCRBY c n 5", "HINCRBY c n -10", "HGET c n", "HINCRBY c n abc", "HINCRBY c n 1.5",
    "HINCRBY c n ''", "HSET c s hello f 1.5 sp ' 1' z 012", "HINCRBY c s 1", "HINCRBY c f 1",
    "HINCRBY c sp 1", "HINCRBY c z 1",
    "HSET c max 9223372036854775807 min -9223372036854775808", "HINCRBY c max 1",
    "HINCRBY c max 0", "HINCRBY c min -1", "HINCRBY c min 1", "HINCRBY c max -9223372036854775808",
    "HINCRBY c n 9223372036854775808", "HINCRBY s f x", "HINCRBY nokey2 f 3", "HGETALL nokey2",
    "HINCRBYFLOAT c g 1.5", "HINCRBYFLOAT c g 0.1", "HINCRBYFLOAT c g -1.6", "HGET c g",
    "HINCRBYFLOAT c g 1e3", "HINCRBYFLOAT c g abc", "HINCRBYFLOAT c g inf", "HINCRBYFLOAT c g -inf",
    "HINCRBYFLOAT c g nan", "HINCRBYFLOAT c g ''", "HINCRBYFLOAT c g ' 1'", "HINCRBYFLOAT c s 1",
    "HINCRBYFLOAT c n 2.5", "HINCRBYFLOAT c f 0x10", "HSET c big 1.7976931348623157e308",
    "HINCRBYFLOAT c big 1.7976931348623157e308", "HINCRBYFLOAT c z 1",
    "HINCRBYFLOAT c e 5e-3", "HINCRBYFLOAT c e 1.0e0", "HINCRBYFLOAT c e -1.005",
    "HINCRBYFLOAT s f x", "HINCRBYFLOAT s f 1", Call("HGETALL c", norm=pairs_sorted), "OBJECT ENCODING c",
    "HINCRBYFLOAT d f 1e100", "OBJECT ENCODING d", "HGET d f",
]

F70 = "f" * 70

ENCODING = [
    "CONFIG GET hash-max-listpack-entries", "CONFIG GET hash-max-listpack-value",
    "CONFIG GET hash-max-ziplist-entries", "CONFIG GET hash-max-ziplist-value", "HSET a x 1", "OBJECT ENCODING a",
    ("HSET", "a", "long", "v" * 64), "OBJECT ENCODING a", ("HSET", "a", "long", "v" * 65),
    "OBJECT ENCODING a", "HDEL a long", "OBJECT ENCODING a", "HGETALL a",
    ("HSET", "b", F70, "1"), "OBJECT ENCODING b", ("HINCRBY", "c", F70, "1"), "OBJECT ENCODING c",
    "HSET d f 1", ("HSETNX", "d", "f", F70), "OBJECT ENCODING d", ("HSETNX", "d", "g", F70),
    "OBJECT ENCODING d",
    "CONFIG SET hash-max-listpack-entries 3", "CONFIG GET hash-max-ziplist-entries",
    "HSET e 1 1 2 2 3 3", "OBJECT ENCODING e", "HSET e 4 4", "OBJECT ENCODING e", "HDEL e 1 2 3",
    "OBJECT ENCODING e", "HSET f 1 1 2 2 3 3 4 4", "OBJECT ENCODING f",
    "CONFIG SET hash-max-ziplist-entries 0", "HSET g a b", "OBJECT ENCODING g",
    "CONFIG SET hash-max-ziplist-value 2", "CONFIG GET hash-max-listpack-value",
    "CONFIG SET hash-max-listpack-entries 10", "HSET h ab cd", "OBJECT ENCODING h",
    "HSET i abc d", "OBJECT ENCODING i", "CONFIG SET hash-max-listpack-value 1k",
    "CONFIG GET hash-max-listpack-value", "CONFIG SET hash-max-listpack-value -1",
    "CONFIG SET hash-max-listpack-entries 1.5", "CONFIG SET hash-max-listpack-entries -1",
    "CONFIG SET hash-max-listpack-entries 512", "CONFIG SET hash-max-listpack-value 64",
    "CONFIG GET hash-max-listpack-entries", "CONFIG GET hash-max-listpack-value",
    "CONFIG GET hash-max-ziplist-entries", "CONFIG GET hash-max-ziplist-value",
]

RANDFIELD_ERRORS = [
    "HRANDFIELD", "HRANDFIELD nokey", "HRANDFIELD nokey 5", "HRANDFIELD nokey 0",
    "HRANDFIELD nokey -5 WITHVALUES", "HRANDFIELD nokey x", "HSET h a 1 b 2 c 3",
    "HRANDFIELD h 0", "HRANDFIELD h 0 WITHVALUES", "HRANDFIELD h x", "HRANDFIELD h x y",
    "HRANDFIELD h 1 2", "HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h 1 withvalue",
    "HRANDFIELD h -9223372036854775808", "HRANDFIELD h -9223372036854775808 WITHVALUES",
    "HRANDFIELD h 9223372036854775807 WITHVALUES", "HRANDFIELD h -4611686018427387904 WITHVALUES",
    "HRANDFIELD h 4611686018427387904 WITHVALUES", "HRANDFIELD h 1.5",
    # count >= size: the whole hash, in the listpack's order
    "HRANDFIELD h 3", "HRANDFIELD h 10 WITHVALUES", "HRANDFIELD h 9223372036854775807",
    "SET s v", "HRANDFIELD s", "HRANDFIELD s 0", "HRANDFIELD s x", "HRANDFIELD s 1 x",
]

SCAN = [
    "HSCAN nokey 0", "HSCAN nokey 0 COUNT 0", "HSCAN nokey x", "HSCAN nokey 0 BOGUS",
    "HSET h a 1 b 2 c 3 ab 4", "HSCAN h 0", "HSCAN h 0 MATCH a*", "HSCAN h 0 MATCH *",
    "HSCAN h 0 MATCH zz", "HSCAN h 0 COUNT 1", "HSCAN h 5", "HSCAN h 0 COUNT 0",
    "HSCAN h 0 COUNT -1", "HSCAN h 0 COUNT x", "HSCAN h 0 COUNT", "HSCAN h 0 MATCH",
    "HSCAN h 0 TYPE string", "HSCAN h x", "HSCAN h -1", "HSCAN h ''", "HSCAN h +",
    "HSCAN h -", "HSCAN h +3", "HSCAN h 18446744073709551615", "HSCAN h 18446744073709551616",
    "HSCAN h ' 1'", "HSCAN h '1 '", "HSCAN h -18446744073709551615",
    "HSCAN h 0 match a* count 100", "HSCAN", "HSCAN h", "SET s v", "HSCAN s 0", "HSCAN s x",
    "HSCAN s 0 COUNT 0",
]


@pytest.mark.parametrize("name", ["BASIC", "INCR", "ENCODING", "RANDFIELD_ERRORS", "SCAN"])
@pytest.mark.parametrize("resp", [2, 3])
def test_script(diff, name, resp):
    diff.run(globals()[name], resp=resp)


def test_multi_and_watch(diff):
    diff.run(["HSET h a 1", "WATCH h", "HSET h a 1", "MULTI", "HGET h a", "EXEC",
              "WATCH h", "HDEL h nope", "MULTI", "HGET h a", "EXEC",
              "WATCH h", "HINCRBY h a 0", "MULTI", "PING", "EXEC",
              "MULTI", "HSET h b 2", "HINCRBYFLOAT h b 1.5", "HDEL h a", "HGETALL h", "HSET h x",
              "EXEC", "MULTI", "HSET h c 3", "HGETALL h", "EXEC", "HGETALL h"])


def big_script(n, prefix="f"):
    """A hashtable-encoded hash of n fields, read every way (order aside)."""
    fields = []
    for i in range(n):
        fields += ["%s%d" % (prefix, i), "v%d" % (i * 7)]
    srt = sorted_reply
    return [
        ["HSET", "big"] + fields, "OBJECT ENCODING big", "HLEN big",
        Call("HGETALL big", norm=lambda v: sorted_reply(flat_pairs(v))),
        Call("HKEYS big", norm=srt), Call("HVALS big", norm=srt), "HGET big f10",
        "HMGET big f1 f2 nope", "HSTRLEN big f99", "HEXISTS big f3", "HINCRBY big f5 7",
        "HINCRBYFLOAT big f6 0.5", "HDEL big f1 f2 nope", "HLEN big", "OBJECT ENCODING big",
        Call("HSCAN big 0 COUNT 100000", norm=lambda v: [v[0], sorted_reply(v[1])]),
        Call("HSCAN big 0 COUNT 100000 MATCH f1*", norm=lambda v: [v[0], sorted_reply(v[1])]),
        Call("HRANDFIELD big %d" % (n * 2), norm=srt),
        Call("HRANDFIELD big %d WITHVALUES" % (n * 2), norm=lambda v: sorted_reply(flat_pairs(v))),
    ]


def flat_pairs(v):
    """A map or a RESP3 HRANDFIELD pairs-array as [(field, value), ...]."""
    if isinstance(v, dict):
        return list(v.items())
    if v and isinstance(v[0], list):
        return [tuple(p) for p in v]
    return list(zip(v[0::2], v[1::2]))


@pytest.mark.parametrize("resp", [2, 3])
def test_big_hash(diff, resp):
    diff.run(big_script(600), resp=resp)


def test_scan_walk_covers_everything(server):
    """HSCAN's cursor walk over a hashtable returns each field once or more,
    all of them by the time the cursor is back to 0, with the COUNT and MATCH
    as given (7.0's cursor values are its own hash function's)."""
    c = server.raw()
    c.call("FLUSHALL")
    fields = []
    for i in range(1000):
        fields += ["k%d" % i, "%d" % i]
    c.call("HSET", "h", *fields)
    seen = {}
    cur = b"0"
    steps = 0
    while True:
        cur, items = c.call("HSCAN", "h", cur, "COUNT", "20")
        for f, v in zip(items[0::2], items[1::2]):
            seen[f] = v
        steps += 1
        if cur == b"0":
            break
    assert steps > 5
    assert len(seen) == 1000 and all(seen[b"k%d" % i] == b"%d" % i for i in range(1000))
    cur, items = c.call("HSCAN", "h", "0", "COUNT", "100000", "MATCH", "k99*")
    assert cur == b"0" and sorted(items[0::2]) == sorted(b"k99%s" % s for s in
                                                         [b""] + [b"%d" % d for d in range(10)])


def randfield_shape(c, key, size, fields):
    """Calls HRANDFIELD key with counts around size and checks what 7.0
    guarantees: lengths, distinctness for positive counts, membership, and
    the pair shape of WITHVALUES (flat in RESP2, 2-arrays in RESP3)."""
    out = []
    for count in (1, 2, size - 1, size, size + 5, -1, -3, -(size * 3)):
        r = c.call("HRANDFIELD", key, str(count))
        n = min(count, size) if count > 0 else -count
        assert len(r) == n, (count, r)
        assert all(f in fields for f in r)
        if count > 0:
            assert len(set(r)) == n
        w = c.call("HRANDFIELD", key, str(count), "WITHVALUES")
        pairs = flat_pairs(w)
        assert len(pairs) == n
        assert all(fields[f] == v for f, v in pairs)
        if count > 0:
            assert len({f for f, _ in pairs}) == n
        out.append((count, canon(w)[0], [canon(x)[0] for x in w[:1]]))
    one = c.call("HRANDFIELD", key)
    assert one in fields
    return out


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("size", [5, 300, 1000])
def test_randfield_properties(server, ref_server, resp, size):
    shapes = []
    for srv in (server, ref_server):
        c = srv.raw()
        c.call("FLUSHALL")
        if resp == 3:
            c.call("HELLO", "3")
        fields = {}
        args = []
        for i in range(size):
            fields[b"f%d" % i] = b"v%d" % i
            args += ["f%d" % i, "v%d" % i]
        c.call("HSET", "h", *args)
        shapes.append((c.call("OBJECT", "ENCODING", "h"), randfield_shape(c, "h", size, fields)))
    assert shapes[0] == shapes[1]


NOTIFY = [
    ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HMSET", "h", "c", "3"),
    ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "d", "4"), ("HINCRBY", "h", "n", "2"),
    ("HINCRBYFLOAT", "h", "n", "0.5"), ("HINCRBY", "h", "a", "x"), ("HINCRBY", "h", "b", "x1"),
    ("HDEL", "h", "nope"), ("HDEL", "h", "a", "b"), ("HGET", "nokey", "f"), ("HGETALL", "nokey"),
    ("HDEL", "h", "c", "d", "n"), ("EXISTS", "h"), ("HINCRBYFLOAT", "k", "f", "1"),
    ("HINCRBY", "k2", "f", "1"), ("HSETNX", "k3", "f", "1"), ("EXPIRE", "k3", "100"),
    ("HDEL", "k3", "f"), ("SET", "s", "v"), ("HSET", "s", "a", "b"), ("HSCAN", "nokey", "0"),
    ("HRANDFIELD", "nokey"), ("HLEN", "nokey"), ("HSET", "k", "f", "2"),
    ("MULTI",), ("HSET", "m", "a", "1"), ("HDEL", "m", "a"), ("EXEC",),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_notifications(server, ref_server, resp):
    for flags in ("KEA", "KEAmn", "Kh", "Eg", "Em"):
        compare(server, ref_server, flags, resp, NOTIFY)


# ---- DUMP / RESTORE ------------------------------------------------------------

SHAPES = {
    "small": ["HSET {k} a 1 b 2 c hello"],
    "ints": ["HSET {k} 1 -1 100 200 -5000 70000 big 9223372036854775807 min "
             "-9223372036854775808 neg -12345678901 z 0 lead 007 plus +5"],
    "binary": [("HSET", "{k}", BIN, BIN * 3, "", "")],
    "longish": [("HSET", "{k}", "x" * 40, "y" * 60, "q", "z" * 63)],
    "deleted": ["HSET {k} a 1 b 2 c 3 d 4", "HDEL {k} b", "HSET {k} a 11 e 5"],
    "table_by_len": [("HSET", "{k}", "a", "v" * 200, "b", "2")],
    "table_by_count": [["HSET", "{k}"] + ["f%d" % i if j == 0 else "%d" % (i * 3)
                                          for i in range(700) for j in range(2)]],
    "table_long_compressible": [["HSET", "{k}"] + ["field-%d" % i if j == 0 else "x" * 100
                                                   for i in range(20) for j in range(2)]],
}


def build_shape(c, name, key):
    for cmd in SHAPES[name]:
        if isinstance(cmd, str):
            args = cmd.format(k=key).split()
        else:
            args = [key if a == "{k}" else a for a in cmd]
        r = call_or_error(c, *args)
        assert not isinstance(r, RespError), (args, r)


def view(c, key):
    return [c.call("TYPE", key), c.call("OBJECT", "ENCODING", key), c.call("HLEN", key),
            sorted(flat_pairs(c.call("HGETALL", key)))]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_dump_restore_both_ways(server, ref_server, shape):
    a, b = server.raw(), ref_server.raw()
    for c in (a, b):
        c.call("FLUSHALL")
        build_shape(c, shape, "h")
    da, db = a.call("DUMP", "h"), b.call("DUMP", "h")
    if shape not in ("table_by_len", "table_by_count", "table_long_compressible"):
        # a packed hash: the same listpack, the same payload (uncompressed:
        # the two LZF compressors may find different matches)
        for c in (a, b):
            c.call("CONFIG", "SET", "rdbcompression", "no")
        try:
            assert a.call("DUMP", "h") == b.call("DUMP", "h")
        finally:
            for c in (a, b):
                c.call("CONFIG", "SET", "rdbcompression", "yes")
        assert a.call("HGETALL", "h") == b.call("HGETALL", "h")
    assert a.call("RESTORE", "r7", "0", db) == Status(b"OK")
    assert b.call("RESTORE", "rs", "0", da) == Status(b"OK")
    assert view(a, "r7") == view(b, "h") == view(b, "rs") == view(a, "h")
    if da == db:
        assert a.call("HGETALL", "r7") == b.call("HGETALL", "h") == b.call("HGETALL", "rs")
    # RESTORE's REPLACE over another type, and the value's OBJECT ENCODING kept
    a.call("SET", "str", "v")
    assert a.call("RESTORE", "str", "0", db, "REPLACE") == Status(b"OK")
    assert view(a, "str") == view(b, "h")


def test_restore_thresholds_apply(server, ref_server):
    """A listpack payload with more fields than hash-max-listpack-entries
    loads as a hashtable, on both servers."""
    a, b = server.raw(), ref_server.raw()
    for c in (a, b):
        c.call("FLUSHALL")
        c.call("HSET", "h", *["f%d" % (i // 2) if i % 2 == 0 else "v" for i in range(20)])
    payload = b.call("DUMP", "h")
    for c in (a, b):
        c.call("CONFIG", "SET", "hash-max-listpack-entries", "5")
        c.call("RESTORE", "r", "0", payload)
    try:
        assert view(a, "r") == view(b, "r")
        assert a.call("OBJECT", "ENCODING", "r") == b"hashtable"
    finally:
        for c in (a, b):
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "512")


def reseal(body_with_type, version=10):
    """A DUMP payload: body, RDB version (2 bytes LE), CRC-64 of both."""
    return seal(body_with_type, version)


def rdb_len(n):
    if n < 64:
        return bytes([n])
    assert n < 16384
    return bytes([0x40 | n >> 8, n & 0xFF])


def rdb_str(s):
    return rdb_len(len(s)) + s


def ziplist(entries):
    """A ziplist of the given elements (bytes or int)."""
    body = b""
    prev = 0
    tail = 10
    for e in entries:
        start = len(body)
        enc = bytes([prev]) if prev < 254 else b"\xfe" + prev.to_bytes(4, "little")
        if isinstance(e, int):
            if 0 <= e <= 12:
                enc += bytes([0xF1 + e])
            elif -128 <= e <= 127:
                enc += b"\xfe" + e.to_bytes(1, "little", signed=True)
            elif -32768 <= e <= 32767:
                enc += b"\xc0" + e.to_bytes(2, "little", signed=True)
            elif -(1 << 23) <= e < (1 << 23):
                enc += b"\xf0" + e.to_bytes(3, "little", signed=True)
            elif -(1 << 31) <= e < (1 << 31):
                enc += b"\xd0" + e.to_bytes(4, "little", signed=True)
            else:
                enc += b"\xe0" + e.to_bytes(8, "little", signed=True)
        elif len(e) < 64:
            enc += bytes([len(e)]) + e
        else:
            assert len(e) < 16384
            enc += bytes([0x40 | len(e) >> 8, len(e) & 0xFF]) + e
        body += enc
        prev = len(enc)
        tail = 10 + start
    total = 10 + len(body) + 1
    return (total.to_bytes(4, "little") + tail.to_bytes(4, "little") +
            len(entries).to_bytes(2, "little") + body + b"\xff")


ZL_ENTRIES = [b"a", 1, b"int8", -100, b"int16", 30000, b"int24", -3000000, b"int32", 2000000000,
              b"int64", -(1 << 40), b"str", b"hello world", b"twelve", 12, b"zero", 0]


def test_restore_ziplist_and_errors(server, ref_server):
    """RDB type 13 (a ziplist, as Redis 6.2 wrote hashes) restores in both;
    then bad payloads get 7.0's error from both (ref with deep sanitization,
    as 7.0 trusts a listpack's insides without it)."""
    a, b = server.raw(), ref_server.raw()
    good = reseal(b"\x0d" + rdb_str(ziplist(ZL_ENTRIES)), version=9)
    for c in (a, b):
        c.call("FLUSHALL")
        c.call("CONFIG", "SET", "sanitize-dump-payload", "yes") if c is b else None
        assert c.call("RESTORE", "z", "0", good) == Status(b"OK")
    assert a.call("HGETALL", "z") == b.call("HGETALL", "z")
    assert a.call("OBJECT", "ENCODING", "z") == b.call("OBJECT", "ENCODING", "z")
    # long strings (14-bit lengths, 5-byte previous lengths): still packed
    # as 7.0 keeps them, whatever hash-max-listpack-value says
    long_zl = reseal(b"\x0d" + rdb_str(ziplist([b"k", b"x" * 300, b"y" * 70, b"1"])), version=9)
    for c in (a, b):
        assert c.call("RESTORE", "zl", "0", long_zl) == Status(b"OK")
    assert a.call("HGETALL", "zl") == b.call("HGETALL", "zl")
    assert a.call("OBJECT", "ENCODING", "zl") == b.call("OBJECT", "ENCODING", "zl")
    bad = [
        b"\x0d" + rdb_str(ziplist([b"a", b"b", b"c"])),  # odd count
        b"\x0d" + rdb_str(ziplist([b"a", 1, b"a", 2])),  # duplicate field
        b"\x0d" + rdb_str(ziplist([b"a", b"b"])[:-1] + b"\xfe"),  # no terminator
        b"\x10" + rdb_str(b"\x07\x00\x00\x00\x00\x00\xff"),  # empty listpack
        b"\x04\x00",  # empty hash table
        b"\x04\x02" + rdb_str(b"a") + rdb_str(b"1") + rdb_str(b"a") + rdb_str(b"2"),
        b"\x04\x02" + rdb_str(b"a") + rdb_str(b"1"),  # one pair short
        b"\x10" + rdb_str(b"\x0c\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xfe"),  # bad end
    ]
    for i, body in enumerate(bad):
        p = reseal(body)
        ra = call_or_error(a, "RESTORE", "bad%d" % i, "0", p)
        rb = call_or_error(b, "RESTORE", "bad%d" % i, "0", p)
        assert isinstance(ra, RespError) and str(ra) == "ERR Bad data format", (i, ra)
        assert canon(ra) == canon(rb), (i, ra, rb)
    b.call("CONFIG", "SET", "sanitize-dump-payload", "no")


# ---- RDB files -------------------------------------------------------------------

def build_rdb(srv):
    c = srv.raw()
    c.call("FLUSHALL")
    for name in SHAPES:
        build_shape(c, name, "h:" + name)
    c.call("PEXPIRE", "h:small", "3600000")
    c.call("SELECT", "2")
    build_shape(c, "small", "other")
    c.call("SELECT", "0")


def rdb_snapshot(srv):
    c = srv.raw()
    out = []
    for db in ("0", "2"):
        c.call("SELECT", db)
        for k in sorted(c.call("KEYS", "*")):
            out.append((db, k, view(c, k), c.call("PEXPIRETIME", k)))
            if c.call("OBJECT", "ENCODING", k) == b"listpack":
                out.append(c.call("HGETALL", k))
    return out


def move_dump(src, dst):
    dst.stop()
    shutil.copy(os.path.join(src.dir, "dump.rdb"), os.path.join(dst.dir, "dump.rdb"))
    dst.start()


@pytest.mark.parametrize("writer", ["streamd", "redis"])
def test_rdb_between_servers(make_server, writer):
    reader = "redis" if writer == "streamd" else "streamd"
    w = make_server(kind=writer)
    build_rdb(w)
    assert w.raw().call("SAVE") == Status(b"OK")
    r = make_server(kind=reader)
    move_dump(w, r)
    assert rdb_snapshot(r) == rdb_snapshot(w)


def test_reload_and_restore_encodings(diff):
    """What a reload makes of a hash: a table that shrank back under the
    thresholds comes back packed (RDB type 4 is loaded by size, as 7.0
    does), a listpack payload with a value over hash-max-listpack-value
    becomes a table."""
    long_v = "v" * 100
    diff.run([
        ["HSET", "t"] + ["f%d" % (i // 2) if i % 2 == 0 else "x" for i in range(1200)],
        "OBJECT ENCODING t", ["HDEL", "t"] + ["f%d" % i for i in range(3, 600)], "HLEN t",
        "OBJECT ENCODING t", ("HSET", "l", "a", long_v), "HDEL l a", "HSET l b 1",
        "OBJECT ENCODING l", "DEBUG RELOAD", "OBJECT ENCODING t", "OBJECT ENCODING l",
        Call("HGETALL t", norm=pairs_sorted), "HGETALL l",
        "CONFIG SET hash-max-listpack-value 200", ("HSET", "p", "a", long_v, "b", "2"),
        "OBJECT ENCODING p", "CONFIG SET hash-max-listpack-value 64", "DEBUG RELOAD",
        "OBJECT ENCODING p", "HGETALL p", "CONFIG SET hash-max-listpack-entries 1",
        "DEBUG RELOAD", "OBJECT ENCODING l", "OBJECT ENCODING p",
        "CONFIG SET hash-max-listpack-entries 512",
    ])


def zipmap(pairs, count=None, free=0):
    """A zipmap (RDB type 9) of (field, value) pairs, each value followed by
    free unused bytes."""
    def zlen(n):
        return bytes([n]) if n < 254 else b"\xfe" + n.to_bytes(4, "little")
    body = bytes([len(pairs) if count is None else count])
    for f, v in pairs:
        body += zlen(len(f)) + f + zlen(len(v)) + bytes([free]) + v + b"\x00" * free
    return body + b"\xff"


def test_restore_zipmap(server, ref_server):
    """RDB type 9 (zipmaps, Redis 2.4's small hashes): both servers restore
    the same hash with the same encoding, and refuse the same bad ones."""
    a, b = server.raw(), ref_server.raw()
    b.call("CONFIG", "SET", "sanitize-dump-payload", "yes")
    try:
        cases = [
            zipmap([(b"a", b"1"), (b"bb", b"hello")]),
            zipmap([(b"a", b"1"), (b"b", b"2")], free=3),
            zipmap([(b"a", b"x" * 300), (b"b", b"2")]),  # 5-byte length: a table
            zipmap([(b"f%d" % i, b"v") for i in range(600)], count=254),  # count unknown
            zipmap([(b"a", b"1"), (b"a", b"2")]),  # duplicate
            zipmap([(b"a", b"1")], count=2),  # wrong count
            zipmap([]),  # empty
            zipmap([(b"a", b"1")])[:-1],  # no end
            zipmap([(b"a", b"1")])[:-2] + b"\xff",  # value cut short
        ]
        for i, zm in enumerate(cases):
            p = reseal(b"\x09" + rdb_str(zm), version=9)
            ra = call_or_error(a, "RESTORE", "zm%d" % i, "0", p)
            rb = call_or_error(b, "RESTORE", "zm%d" % i, "0", p)
            assert canon(ra) == canon(rb), (i, ra, rb)
            # the first four are good, the rest bad
            assert isinstance(ra, RespError) == (i >= 4), (i, ra)
            if not isinstance(ra, RespError):
                assert view(a, "zm%d" % i) == view(b, "zm%d" % i), i
                if a.call("OBJECT", "ENCODING", "zm%d" % i) == b"listpack":
                    assert a.call("HGETALL", "zm%d" % i) == b.call("HGETALL", "zm%d" % i)
    finally:
        b.call("CONFIG", "SET", "sanitize-dump-payload", "no")


SCRIPTS_AND_KEYSPACE = [
    "HSET h a 1 b 2", "HSET big " + " ".join("f%d v" % i for i in range(600)), "SET s v",
    "TYPE h", "TYPE big", Call("SCAN 0 TYPE hash COUNT 1000", norm=lambda v: sorted(v[1])),
    Call("SCAN 0 TYPE HASH COUNT 1000", norm=lambda v: sorted(v[1])),
    "EVAL \"return redis.call('HGETALL', KEYS[1])\" 1 h",
    "EVAL \"return redis.call('HMGET', KEYS[1], 'a', 'zz')\" 1 h",
    "EVAL \"return redis.call('HINCRBYFLOAT', KEYS[1], 'a', '0.5')\" 1 h",
    "EVAL \"return redis.call('HSET', KEYS[1], 'c', '3')\" 1 h",
    "EVAL \"return redis.call('HLEN', KEYS[1])\" 1 big",
    "EVAL \"return #redis.call('HRANDFIELD', KEYS[1], -5)\" 1 big",
    "EVAL \"return redis.pcall('HSET', KEYS[1], 'x', 'y')\" 1 s",
    "EVAL \"redis.setresp(3); return redis.call('HGETALL', KEYS[1])\" 1 h",
    "EVAL_RO \"return redis.call('HSET', KEYS[1], 'd', '4')\" 1 h",
    "EVAL_RO \"return redis.call('HGET', KEYS[1], 'a')\" 1 h",
    "HGETALL h", "COPY h h2", "HGETALL h2", "COPY h s", "COPY h s REPLACE", "TYPE s",
    "RENAME h2 h3", "HGETALL h3", "OBJECT ENCODING big", "COPY big big2 DB 1", "SELECT 1",
    "OBJECT ENCODING big2", "HLEN big2", "SELECT 0", "EXPIRE h3 100", "HSET h3 z 1", "TTL h3",
    "HDEL h3 a b c z", "EXISTS h3", "TTL h3",
]


@pytest.mark.parametrize("resp", [2, 3])
def test_scripts_and_keyspace(diff, resp):
    diff.run(SCRIPTS_AND_KEYSPACE, resp=resp)


def test_tracking_invalidations(server, ref_server):
    """Client-side caching of hashes (RESP3 reader, RESP2 writer): what a
    tracking client read with the hash commands is invalidated by the writes
    that change it (and not by those that change nothing), as 7.0 does."""
    from test_tracking_diff import run as tracking_run
    T = ("CLIENT", "TRACKING")
    steps = [
        (0, T + ("ON",)), (0, ("HGET", "h", "a")), (0, ("HGETALL", "g")), (0, ("HLEN", "k")),
        (1, ("HSET", "h", "a", "1")), (1, ("HSET", "g", "x", "1")), (0, ("HMGET", "h", "a", "b")),
        (1, ("HSETNX", "h", "a", "2")), (1, ("HDEL", "h", "nope")), (1, ("HINCRBY", "h", "n", "1")),
        (0, ("HEXISTS", "h", "a")), (1, ("HINCRBYFLOAT", "h", "n", "1.5")),
        (0, ("HSTRLEN", "h", "n")), (1, ("HDEL", "h", "a", "n")), (0, ("HRANDFIELD", "g")),
        (1, ("HSET", "g", "y", "2")), (0, ("HSCAN", "g", "0")), (1, ("HDEL", "g", "x")),
        (0, ("HKEYS", "k")), (1, ("HMSET", "k", "a", "b")), (0, ("HVALS", "k")),
    ]
    ours = tracking_run(server, [3, 2], steps)
    theirs = tracking_run(ref_server, [3, 2], steps)
    assert ours == theirs
    assert any(b"invalidate" in repr(x).encode() for x in ours)


def random_script(seed, n=600):
    """Random hash commands over a few keys (small ones packed, one past 512
    fields, one with values past 64 bytes), with the replies whose order is
    the table's normalised."""
    import random
    rng = random.Random(seed)
    out = [["HSET", "big"] + [x for i in range(520) for x in ("b%d" % i, str(i))]]
    unordered = lambda v: v if isinstance(v, RespError) else sorted_reply(  # noqa: E731
        flat_pairs(v) if isinstance(v, dict) else v)
    vals = ["1", "-3", "0", "x", "", "9223372036854775807", "1.5", "1e3", "v" * 70, "07", " 2"]
    for _ in range(n):
        k = rng.choice(["a", "b", "big", "long", "s"])
        f = rng.choice(["f1", "f2", "f3", "", "b7", "b600", "n"])
        op = rng.randrange(14)
        if op == 0:
            out.append(["HSET", k, f, rng.choice(vals)] +
                       (["g", rng.choice(vals)] if rng.random() < 0.3 else []))
        elif op == 1:
            out.append(["HSETNX", k, f, rng.choice(vals)])
        elif op == 2:
            out.append(["HDEL", k, f] + ([rng.choice(["f1", "f2", "g"])] if rng.random() < 0.5 else []))
        elif op == 3:
            out.append(["HINCRBY", k, f, rng.choice(["1", "-2", "x", "9223372036854775807"])])
        elif op == 4:
            out.append(["HINCRBYFLOAT", k, f, rng.choice(["0.1", "-1.5", "x", "1e308", "inf"])])
        elif op == 5:
            out.append(["HGET", k, f])
        elif op == 6:
            out.append(["HMGET", k, f, "f1", "b3"])
        elif op == 7:
            out.append(["HLEN", k])
        elif op == 8:
            out.append(["HSTRLEN", k, f])
        elif op == 9:
            out.append(["HEXISTS", k, f])
        elif op == 10:
            out.append(Call(["HGETALL", k], norm=unordered))
        elif op == 11:
            out.append(Call([rng.choice(["HKEYS", "HVALS"]), k], norm=unordered))
        elif op == 12:
            out.append(["OBJECT", "ENCODING", k])
        else:
            out.append(["HMSET", k, f, rng.choice(vals)])
        if rng.random() < 0.02:
            out.append(rng.choice([["SET", "s", "str"], ["DEL", k], ["DEBUG", "RELOAD"]]))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_commands(diff, seed):
    diff.run(random_script(seed), resp=2 if seed % 2 else 3)


def test_hscan_huge_count(diff):
    """A table walked whole by one call, COUNT up to LLONG_MAX (ten buckets
    per element asked overflowed, which UBSan reports); SSCAN the same."""
    hset = ["HSET", "h"] + [x for i in range(600) for x in ("f%d" % i, "v%d" % i)]
    sadd = ["SADD", "s"] + ["m%d" % i for i in range(600)]
    diff.run([tuple(hset), "OBJECT ENCODING h", tuple(sadd), "OBJECT ENCODING s",
              Call("HSCAN h 0 COUNT 9223372036854775807", norm=scan_keys),
              Call("SSCAN s 0 COUNT 9223372036854775807", norm=scan_keys)])
