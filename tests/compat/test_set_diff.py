"""Sets against redis-server 7.0: every set command and option, its errors,
RESP2 and RESP3 framing, OBJECT ENCODING (intset / hashtable and where one
turns into the other), keyspace notifications, MEMORY USAGE's ballpark, and
DUMP / RESTORE and RDB files both ways.

A hash table's order is its own (7.0's hash function is not streamd's), so
replies listing a hash table's members are compared sorted; an intset's
order is ascending on both, so those are compared byte for byte. Random
commands (SPOP, SRANDMEMBER) are compared where 7.0's answer is determined
(whole sets, empty ones, errors) and otherwise by their properties.
"""

import os
import shutil

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, canon, sorted_reply
from testlib.resp import RespError, RespSet
from test_notify_diff import compare

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def unordered(v):
    """A members reply sorted, keeping its RESP3 set type; SSCAN's members
    sorted."""
    if isinstance(v, RespSet):
        return RespSet(sorted_reply(list(v)))
    return sorted_reply(v)


U = unordered

BASIC = [
    "SADD s 3 1 2", "SADD s 2 3", "SMEMBERS s", "SCARD s", "SISMEMBER s 1", "SISMEMBER s 9",
    "SISMEMBER s a", "SMISMEMBER s 1 9 a 2", "SMISMEMBER nokey a b", "SMEMBERS nokey",
    "SCARD nokey", "SISMEMBER nokey a",
    # integers in canonical form only stay in the intset
    "SADD s -5 100000 99999999999 -9223372036854775808 9223372036854775807", "SMEMBERS s",
    "OBJECT ENCODING s", "SISMEMBER s 99999999999", "SISMEMBER s 099", "SISMEMBER s +1",
    "SREM s 100000 1 nope", "SMEMBERS s", "SREM nokey a", "SREM s 100000",
    ("SADD", "i", "01", "-0", "+1", " 1", "1 "), "OBJECT ENCODING i", Call("SMEMBERS i", norm=U),
    ("SADD", "bin", b"\x00\xff", b"", b"a\r\nb"), Call("SMEMBERS bin", norm=U),
    ("SISMEMBER", "bin", b""), ("SREM", "bin", b"", b"\x00\xff"), "SMEMBERS bin",
    "SADD h a b c", "OBJECT ENCODING h", Call("SMEMBERS h", norm=U), "SREM h a b c",
    "EXISTS h", "SADD h x", "SREM h x y", "EXISTS h", "TYPE s", "SADD z 1", "SPOP z",
    "EXISTS z",
]

ERRORS = [
    "SET str x", "XADD st 1-1 f v",
    "SADD", "SADD s", "SREM s", "SMEMBERS", "SMEMBERS a b", "SISMEMBER s", "SISMEMBER s a b",
    "SMISMEMBER s", "SCARD", "SCARD a b", "SPOP", "SRANDMEMBER", "SMOVE a b", "SMOVE a b c d",
    "SINTER", "SINTERSTORE d", "SINTERCARD", "SINTERCARD 1", "SUNION", "SUNIONSTORE d",
    "SDIFF", "SDIFFSTORE d", "SSCAN s", "SADD s 1",
    "SADD str a", "SREM str a", "SMEMBERS str", "SISMEMBER str a", "SMISMEMBER str a",
    "SCARD str", "SPOP str", "SPOP str 1", "SRANDMEMBER str", "SRANDMEMBER str 1",
    "SMOVE str s 1", "SMOVE s str 1", "SMOVE nokey str 1", "SMOVE s st 9",
    "SINTER s str", "SINTER str nokey", "SINTER nokey str", "SINTERSTORE d s str",
    "SINTERSTORE str2 nokey str", "SUNION s str", "SUNION nokey str", "SUNIONSTORE d s st",
    "SDIFF s str", "SDIFF nokey str", "SDIFF str s", "SDIFFSTORE d s str", "SINTERCARD 1 str",
    "SINTERCARD 2 s st", "SSCAN str 0", "SSCAN str x", "SSCAN st 0 COUNT 0",
    "SPOP s -1", "SPOP s x", "SPOP nokey x", "SPOP s 1.5", "SPOP s 9223372036854775808",
    "SPOP s 1 2", "SPOP str x", "SRANDMEMBER s x", "SRANDMEMBER nokey x", "SRANDMEMBER s 1 2",
    "SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s 99999999999999999999",
    "SINTERCARD 0 s", "SINTERCARD x s", "SINTERCARD -1 s", "SINTERCARD 3 s",
    "SINTERCARD 9223372036854775807 s", "SINTERCARD 1 s LIMIT -1", "SINTERCARD 1 s LIMIT x",
    "SINTERCARD 1 s LIMIT", "SINTERCARD 1 s FOO", "SINTERCARD 1 nokey str",
    "SSCAN s x", "SSCAN s 1.5", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT -1", "SSCAN s 0 COUNT x",
    "SSCAN s 0 TYPE set", "SSCAN s 0 MATCH", "SSCAN s 0 COUNT", "SSCAN s 0 FOO bar",
    "SSCAN nokey 0 COUNT 0", "SSCAN nokey x", "SSCAN s 99999999999999999999",
    "SSCAN s ' 0'", "SSCAN s '0 '",
]

SETOPS = [
    "SADD a 1 2 3 4 5", "SADD b 4 5 6", "SADD c x y 4", "SADD e 5 4",
    "SINTER a b", "SINTER a e", "SINTER a b e", Call("SINTER a c", norm=U), "SINTER a nokey",
    "SINTER nokey a", "SINTER a", "SINTER a a", Call("SINTER c c", norm=U),
    "SUNION a b", "SUNION a nokey b", Call("SUNION a c", norm=U), "SUNION nokey",
    "SDIFF a b", "SDIFF a b e", "SDIFF a nokey", "SDIFF nokey a", "SDIFF a a", "SDIFF b a",
    Call("SDIFF c a", norm=U), Call("SDIFF c b a", norm=U), "SDIFF a c",
    "SINTERSTORE d a b", "SMEMBERS d", "OBJECT ENCODING d",
    "SINTERSTORE d a c", "OBJECT ENCODING d", "SMEMBERS d",
    "SINTERSTORE d2 c c", "OBJECT ENCODING d2", Call("SMEMBERS d2", norm=U),
    "SINTERSTORE d a nokey", "EXISTS d", "SINTERSTORE d a nokey",
    "SET d str", "EXPIRE d 100", "SUNIONSTORE d a b", "TTL d", "TYPE d", "SMEMBERS d",
    "SUNIONSTORE d2 a c", "OBJECT ENCODING d2", Call("SMEMBERS d2", norm=U),
    "SUNIONSTORE d nokey", "EXISTS d", "SUNIONSTORE d nokey",
    "SDIFFSTORE d a b", "SMEMBERS d", "SDIFFSTORE d a a", "EXISTS d",
    "SDIFFSTORE d c a", "OBJECT ENCODING d", Call("SMEMBERS d", norm=U),
    "SDIFFSTORE a a b", "SMEMBERS a", "SINTERSTORE a a e", "SMEMBERS a",
    "SUNIONSTORE b b c", "OBJECT ENCODING b", Call("SMEMBERS b", norm=U),
    "SINTERCARD 1 b", "SINTERCARD 2 b c", "SINTERCARD 2 b c LIMIT 1",
    "SINTERCARD 2 b c LIMIT 0", "SINTERCARD 2 b c LIMIT 99", "SINTERCARD 2 b c limit 1 LIMIT 2",
    "SINTERCARD 2 b nokey", "SINTERCARD 1 nokey", "SINTERCARD 2 b b",
    "SADD m1 1 2", "SMOVE m1 m2 1", "SMEMBERS m1", "SMEMBERS m2", "OBJECT ENCODING m2",
    "SMOVE m1 m2 9", "SMOVE m1 m2 2", "EXISTS m1", "SMEMBERS m2", "SMOVE m2 m2 1",
    "SMOVE m2 m2 9", "SMOVE nokey m2 1", "SADD m3 a", "SMOVE m2 m3 1", "OBJECT ENCODING m3",
    Call("SMEMBERS m3", norm=U), "SMOVE m3 m4 a", "OBJECT ENCODING m4", "SMOVE m3 m4 1",
    "SADD m4 1", "SMOVE m4 m5 1", "SMOVE m4 m5 a", "SMEMBERS m4", "EXISTS m4",
]

RANDOM = [
    "SADD s 1 2 3", "SRANDMEMBER s 3", "SRANDMEMBER s 50", "SRANDMEMBER s 0", "SRANDMEMBER nokey 5",
    "SRANDMEMBER nokey", "SRANDMEMBER nokey -5", "SADD one only", "SRANDMEMBER one",
    "SRANDMEMBER one -3", "SRANDMEMBER one 5", "SRANDMEMBER one 1", "SPOP one 0", "SPOP nokey 0",
    "SPOP nokey", "SPOP nokey 5", "SPOP one", "EXISTS one", "SPOP s 3", "EXISTS s",
    "SADD s 1 2 3", "SPOP s 4", "EXISTS s", "SADD s a b", Call("SPOP s 2", norm=U),
    "SADD s a", "SPOP s 1",
]


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("script", ["BASIC", "ERRORS", "SETOPS", "RANDOM"])
def test_script(diff, resp, script):
    diff.run(globals()[script], resp=resp)


def same_len_members_of(pool):
    """Replies of equal length whose members all come from pool."""
    def cmp(a, b):
        if isinstance(a, RespError) or isinstance(b, RespError):
            return canon(a) == canon(b)
        return (type(a) is type(b) and len(a) == len(b) and set(a) <= pool and set(b) <= pool)
    return cmp


@pytest.mark.parametrize("resp", [2, 3])
def test_random_properties(diff, resp):
    small = [str(i).encode() for i in range(20)]
    big = [b"m%d" % i for i in range(300)]
    ints = [str(i).encode() for i in range(300)]
    script = [("SADD", "small") + tuple(small), ("SADD", "big") + tuple(big),
              ("SADD", "ints") + tuple(ints)]
    for key, pool in (("small", small), ("big", big), ("ints", ints)):
        for count in (1, 2, 7, 19, 60, 150, 299, -1, -5, -40, -400):
            script.append(Call(("SRANDMEMBER", key, count),
                               cmp=same_len_members_of(set(pool))))
        script.append(Call(("SRANDMEMBER", key), cmp=lambda a, b, p=set(pool): a in p and b in p))
    replies = diff.run(script, resp=resp)
    # positive counts give distinct members
    for r in replies[3:]:
        if isinstance(r, list) and len(r) in (2, 7, 19, 60, 150):
            assert len(set(r)) == len(r)
    # SPOP with a count: same sizes left, distinct members popped, none left behind
    script = [("SADD", "big") + tuple(big), ("SADD", "ints") + tuple(ints)]
    for key, pool in (("big", big), ("ints", ints)):
        for count in (1, 3, 50, 100):
            script.append(Call(("SPOP", key, count), cmp=same_len_members_of(set(pool))))
            script.append(("SCARD", key))
        script.append(Call(("SPOP", key), cmp=lambda a, b, p=set(pool): a in p and b in p))
        script.append(("SCARD", key))
        script.append(Call(("SPOP", key, 1000), cmp=same_len_members_of(set(pool))))
        script.append(("EXISTS", key))
    replies = diff.run(script, resp=resp)
    popped = [r for r in replies if isinstance(r, list)]
    for key_pops in (popped[:5], popped[5:]):
        flat = [m for r in key_pops for m in r]
        assert len(flat) == len(set(flat)) == 299


def test_encodings(diff):
    ints = tuple(str(i) for i in range(512))
    diff.run([
        ("SADD", "s") + ints, "OBJECT ENCODING s", "SCARD s", "SADD s 512", "OBJECT ENCODING s",
        "SREM s 512 511 0", "OBJECT ENCODING s",  # never converts back
        ("SADD", "t") + ints[:100], "SADD t 70000", "OBJECT ENCODING t", "SMEMBERS t",
        "SADD t 5000000000", "SMEMBERS t", "SREM t 5000000000 70000", "SMEMBERS t",
        "CONFIG GET set-max-intset-entries", "CONFIG SET set-max-intset-entries 3",
        "SADD u 1 2 3", "OBJECT ENCODING u", "SADD u 4", "OBJECT ENCODING u",
        "SADD v 1 2 3 4", "OBJECT ENCODING v", "SINTERSTORE w t t", "OBJECT ENCODING w",
        "CONFIG SET set-max-intset-entries 0", "SADD x 1", "OBJECT ENCODING x",
        "CONFIG SET set-max-intset-entries -1", "CONFIG SET set-max-intset-entries x",
        "CONFIG SET set-max-intset-entries 10000000000", "SADD y 1", "OBJECT ENCODING y",
        "CONFIG SET set-max-intset-entries 512", "CONFIG GET set-max-intset-entries",
        "SADD big a", "OBJECT ENCODING big", "COPY s s2", "OBJECT ENCODING s2", "COPY t t2",
        "OBJECT ENCODING t2", "SMEMBERS t2", "SCARD s2", "DEBUG RELOAD", "OBJECT ENCODING t",
        "OBJECT ENCODING s", "OBJECT ENCODING big", "SMEMBERS t",
    ])


def test_sscan(diff):
    members = tuple("m%d" % i for i in range(200))
    script = [("SADD", "h") + members, "SADD i 5 3 1 -7", "SSCAN i 0", "SSCAN i 0 COUNT 1",
              "SSCAN i 17 MATCH 1*", "SSCAN i 0 MATCH -*", "SSCAN i -1", "SSCAN i +0",
              "SSCAN i 0 count 1 match * COUNT 2"]
    diff.run(script)
    diff.run(["SSCAN i 0"], resp=3, fresh=False)

    def full(c, key, *opts):
        seen, cur = [], b"0"
        while True:
            cur, got = c.call("SSCAN", key, cur, *opts)
            seen += got
            if cur == b"0":
                return sorted(set(seen))

    for srv in (diff.connect_a(), diff.connect_b()):
        assert full(srv, "h") == sorted(m.encode() for m in members)
        assert full(srv, "h", "COUNT", "7") == sorted(m.encode() for m in members)
        assert full(srv, "h", "MATCH", "m1*") == sorted(
            m.encode() for m in members if m.startswith("m1"))
        assert full(srv, "h", "MATCH", "nomatch*") == []
        srv.close()


def test_multi_and_scripts(diff):
    diff.run([
        "MULTI", "SADD s 1 2", "SPOP s 5", "SADD s a", "SMEMBERS s", "EXEC",
        "MULTI", "SADD s x", "SMOVE s t x", "SINTERSTORE d t t", "EXEC", "SMEMBERS d",
        ("EVAL", "redis.call('SADD', KEYS[1], 'a', 'b'); return redis.call('SCARD', KEYS[1])",
         "1", "e"),
        ("EVAL", "return redis.call('SMEMBERS', KEYS[1])", "1", "s"),
        ("EVAL", "return redis.call('SISMEMBER', KEYS[1], 'a')", "1", "e"),
        ("EVAL", "return redis.pcall('SADD', KEYS[1], 'a')", "1", "str0"),
    ])


SET_EVENTS = [
    ("SADD", "s", "1", "2"), ("SADD", "s", "2"), ("SADD", "s", "a"), ("SREM", "s", "9"),
    ("SREM", "s", "1"), ("SREM", "s", "2", "a"), ("SREM", "s", "1"),
    # (only pops whose outcome is determined: the replies are compared too)
    ("SADD", "s", "1", "2", "3"), ("SPOP", "s", "0"), ("SPOP", "s", "5"), ("SPOP", "s"),
    ("SPOP", "s", "3"), ("SADD", "s", "7"), ("SPOP", "s"), ("SADD", "s", "7"),
    ("SPOP", "s", "1"),
    ("SADD", "a", "1", "2"), ("SMOVE", "a", "b", "1"), ("SMOVE", "a", "b", "9"),
    ("SMOVE", "a", "b", "2"), ("SMOVE", "b", "b", "2"), ("SADD", "c", "2"),
    ("SMOVE", "b", "c", "2"), ("SMOVE", "b", "c", "1"),
    ("SADD", "x", "1", "2"), ("SADD", "y", "2", "3"),
    ("SINTERSTORE", "d", "x", "y"), ("SINTERSTORE", "d", "x", "nokey"),
    ("SINTERSTORE", "d", "x", "nokey"), ("SUNIONSTORE", "d", "x", "y"),
    ("SDIFFSTORE", "d", "x", "x"), ("SDIFFSTORE", "d", "x", "x"), ("SDIFFSTORE", "d", "x", "y"),
    ("SUNIONSTORE", "d", "nokey"), ("SINTERSTORE", "d", "x", "y"),
    ("SMEMBERS", "nokey"), ("SISMEMBER", "nokey", "a"), ("SCARD", "nokey"),
    ("SRANDMEMBER", "nokey"), ("SINTER", "x", "nokey"), ("SUNION", "nokey"),
    ("SSCAN", "nokey", "0"), ("SMISMEMBER", "nokey", "a"), ("SINTERCARD", "1", "nokey"),
    ("SET", "str", "v"), ("SADD", "str", "a"), ("DEL", "x", "y", "d"),
    ("MULTI",), ("SADD", "m", "1"), ("SPOP", "m"), ("EXEC",),
]


@pytest.mark.parametrize("flags", ["KEA", "KEAmn", "Ks", "Eg", "Esgn"])
def test_notifications(server, ref_server, flags):
    compare(server, ref_server, flags, 2, SET_EVENTS)


def test_notifications_resp3(server, ref_server):
    compare(server, ref_server, "KEA", 3, SET_EVENTS)


def test_memory_usage_ballpark(r, ref):
    """MEMORY USAGE of a small intset, a small and a big hash table: within
    a factor of the 7.0 figure (allocators and headers differ)."""
    for c in (r, ref):
        c.sadd("si", 1, 2, 3)
        c.sadd("sh", "a", "b", "c")
        c.sadd("big", *["member:%d" % i for i in range(5000)])
    for key in ("si", "sh", "big"):
        ours, theirs = r.memory_usage(key), ref.memory_usage(key, samples=0)
        assert theirs / 3 < ours < theirs * 2, (key, ours, theirs)


# ---- DUMP / RESTORE and RDB files ------------------------------------------

SHAPES = {
    "int16": ["1", "2", "-3"],
    "int32": ["1", "70000", "-70000"],
    "int64": ["1", "5000000000", "-9223372036854775808", "9223372036854775807"],
    "strings": ["a", "b", "", "x" * 100, "1"],
    "binary": [b"\x00\x01", b"\xff" * 30, b"a\r\n"],
    "big_ints": [str(i * 7) for i in range(600)],
    "big_strings": ["s%d" % i for i in range(300)],
    "long_members": ["y" * 1000 + str(i) for i in range(5)],
}


def view(c, key):
    return [c.call("TYPE", key), c.call("OBJECT", "ENCODING", key), c.call("SCARD", key),
            sorted(c.call("SMEMBERS", key))]


@pytest.fixture
def conns(server, ref_server):
    a, b = server.raw(), ref_server.raw()
    a.call("FLUSHALL")
    b.call("FLUSHALL")
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_dump_restore_both_ways(conns, shape):
    a, b = conns
    for c in (a, b):
        c.call("SADD", "k", *SHAPES[shape])
    pa, pb = a.call("DUMP", "k"), b.call("DUMP", "k")
    if a.call("OBJECT", "ENCODING", "k") == b"intset":
        # an intset's payload is its block: the same bytes as 7.0's (when
        # no LZF compression is involved: the compressors differ)
        for c in (a, b):
            c.call("CONFIG", "SET", "rdbcompression", "no")
        try:
            assert a.call("DUMP", "k") == b.call("DUMP", "k")
        finally:
            for c in (a, b):
                c.call("CONFIG", "SET", "rdbcompression", "yes")
    assert a.call("RESTORE", "r", "0", pb) == b"OK"
    assert b.call("RESTORE", "r", "0", pa) == b"OK"
    want = view(b, "k")
    assert view(a, "r") == want
    assert view(b, "r") == want
    assert view(a, "k") == want


def seal(body, version=11):
    """A DUMP payload around body (type byte + value): version, CRC-64."""
    from testlib.dumppayload import seal as _seal
    return _seal(body, version)


def lp_listpack(members):
    """A listpack of string members (7-bit / 12-bit string encodings)."""
    entries = b""
    for m in members:
        if len(m) < 64:
            e = bytes([0x80 | len(m)]) + m
        else:
            e = bytes([0xE0 | (len(m) >> 8), len(m) & 0xFF]) + m
        n = len(e)
        back = bytes([n]) if n < 128 else bytes([n >> 7, (n & 127) | 128])
        entries += e + back
    total = 6 + len(entries) + 1
    return total.to_bytes(4, "little") + len(members).to_bytes(2, "little") + entries + b"\xff"


def rdb_str(b):
    if len(b) < 64:
        return bytes([len(b)]) + b
    assert len(b) < 16384
    return bytes([0x40 | len(b) >> 8, len(b) & 0xFF]) + b


def test_restore_listpack_set_type20(conns):
    """Redis 7.2's listpack set (type 20), which 7.0 cannot read: restored
    as 7.0 would keep those members (a hash table, or an intset of ints)."""
    a, _ = conns
    lp = lp_listpack([b"a", b"bb", b"c" * 70])
    assert a.call("RESTORE", "k", "0", seal(b"\x14" + rdb_str(lp))) == b"OK"
    assert sorted(a.call("SMEMBERS", "k")) == [b"a", b"bb", b"c" * 70]
    assert a.call("OBJECT", "ENCODING", "k") == b"hashtable"
    lp = lp_listpack([b"3", b"1", b"2"])
    assert a.call("RESTORE", "n", "0", seal(b"\x14" + rdb_str(lp))) == b"OK"
    assert a.call("SMEMBERS", "n") == [b"1", b"2", b"3"]
    assert a.call("OBJECT", "ENCODING", "n") == b"intset"
    # a repeated member, an empty listpack, a truncated one
    for bad in (lp_listpack([b"a", b"a"]), lp_listpack([]), lp[:-1]):
        got = a.call("RESTORE", "bad", "0", seal(b"\x14" + rdb_str(bad)))
        assert got == RespError("ERR Bad data format")
    assert a.call("EXISTS", "bad") == 0


def intset_blob(enc, values):
    return (enc.to_bytes(4, "little") + len(values).to_bytes(4, "little") +
            b"".join(v.to_bytes(enc, "little", signed=True) for v in values))


@pytest.mark.parametrize("body", [
    b"\x02\x00",                                    # type 2, no members
    b"\x02\x02" + rdb_str(b"a") + rdb_str(b"a"),    # type 2, a member twice
    b"\x02\x03" + rdb_str(b"a") + rdb_str(b"b"),    # fewer members than claimed
    b"\x02\xc0",                                    # a length that is no length
    b"\x0b" + rdb_str(intset_blob(2, [])),          # empty intset
    b"\x0b" + rdb_str(intset_blob(2, [2, 1])),      # out of order
    b"\x0b" + rdb_str(intset_blob(2, [1, 1])),      # repeated
    b"\x0b" + rdb_str(intset_blob(3, [1, 2])),      # no such encoding
    b"\x0b" + rdb_str(intset_blob(2, [1, 2])[:-1]),  # truncated block
    b"\x0b" + rdb_str(intset_blob(2, [1, 2]) + b"\x00\x00"),  # longer than its length
])
def test_restore_corrupt_payloads(conns, body):
    a, b = conns
    assert a.call("RESTORE", "k", "0", seal(body, 10)) == RespError("ERR Bad data format")
    assert a.call("EXISTS", "k") == 0
    assert a.call("PING") == b"PONG"


def test_restore_valid_handmade(conns):
    """Wider-than-needed intset encodings and big type-2 sets load; a type-2
    set of small integers becomes an intset as in 7.0."""
    a, b = conns
    for c in (a, b):
        assert c.call("RESTORE", "w", "0", seal(b"\x0b" + rdb_str(intset_blob(8, [-1, 2])), 10)) == b"OK"
        assert c.call("RESTORE", "t", "0", seal(b"\x02\x02" + rdb_str(b"7") + rdb_str(b"5"), 10)) == b"OK"
        c.call("SADD", "w", "3")
    assert view(a, "w") == view(b, "w")
    assert view(a, "t") == view(b, "t")
    assert a.call("SMEMBERS", "w") == b.call("SMEMBERS", "w") == [b"-1", b"2", b"3"]


DATASET = [("SADD", "ints", "5", "-3", "70000"), ("SADD", "strs", "a", "b", "c"),
           ("SADD", "mixed", "1", "x"), ("SADD", "ttl", "1"), ("PEXPIRE", "ttl", "3600000"),
           ("SELECT", "2"), ("SADD", "db2", "z"), ("SELECT", "0"),
           ("SADD", "bigint") + tuple(str(i) for i in range(1000)),
           ("SADD", "bigstr") + tuple("v%d" % i for i in range(1000))]


def snapshot(srv):
    c = srv.raw()
    out = []
    for db in (0, 2):
        c.call("SELECT", str(db))
        for k in sorted(c.call("KEYS", "*")):
            out.append((db, k, view(c, k), c.call("PTTL", k) > 0))
    c.close()
    return out


def build(srv):
    c = srv.raw()
    for cmd in DATASET:
        c.call(*cmd)
    c.close()


def move_dump(src, dst):
    dst.stop()
    shutil.copy(os.path.join(src.dir, "dump.rdb"), os.path.join(dst.dir, "dump.rdb"))
    dst.start()


def test_rdb_streamd_to_redis_and_back(make_server):
    sd = make_server(kind="streamd")
    build(sd)
    sd.raw().call("SAVE")
    red = make_server(kind="redis")
    move_dump(sd, red)
    want = snapshot(sd)
    assert snapshot(red) == want
    red.raw().call("SAVE")
    sd2 = make_server(kind="streamd")
    move_dump(red, sd2)
    assert snapshot(sd2) == want


def test_keys_of_commands_and_acl(diff):
    """Where each command's keys are (COMMAND GETKEYS, ACL key patterns),
    SINTERCARD's numkeys included."""
    diff.run([
        "COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1", "COMMAND GETKEYS SINTERCARD 1 a",
        "COMMAND GETKEYS SMOVE a b m", "COMMAND GETKEYS SINTERSTORE d a b c",
        "COMMAND GETKEYS SUNION a b", "COMMAND GETKEYS SSCAN a 0 MATCH x",
        "COMMAND GETKEYSANDFLAGS SDIFFSTORE d a", "COMMAND GETKEYSANDFLAGS SPOP a 2",
        "COMMAND GETKEYS SINTERCARD 3 a b",
        "ACL SETUSER setu on nopass ~a* +@set", "SADD a1 x", "SADD b1 x",
        "AUTH setu x", "SINTERCARD 2 a1 b1", "SINTERCARD 1 a1", "SMOVE a1 b1 x", "SMOVE a1 a2 x",
        "SUNIONSTORE a3 a1 a2", "GET a1", "AUTH default x", "ACL DELUSER setu",
    ])


def test_scan_family_cursor_forms(diff):
    """SCAN, SSCAN, HSCAN and ZSCAN read a cursor as 7.0's strtoul does: a
    sign ("-1" wraps), "" as 0; a blank, junk or overflow is "invalid
    cursor" (the errors are compared exactly, the pages only as a kind:
    the keyspace's order is each server's own)."""
    cursors = ["0", "-1", "", "+0", " 1", "1x", "-", "+", "18446744073709551616",
               "18446744073709551615", "-18446744073709551615", "0x1"]
    script = ["SADD s a", "HSET h f v", "ZADD z 1 a", "SET k v"]
    for cmd in ("SCAN", "SSCAN s", "HSCAN h", "ZSCAN z"):
        script += [Call(cmd.split() + [c], norm=lambda v: v if isinstance(v, RespError)
                        else "page") for c in cursors]
    diff.run(script)
