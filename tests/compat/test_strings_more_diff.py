"""The rest of Redis 7.0's string commands, differentially against
redis-server 7.0: SETEX, PSETEX, GETEX, GETSET, GETRANGE, SUBSTR, SETRANGE,
INCRBYFLOAT, MSETNX and LCS; the bitmap commands SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD and BITFIELD_RO. Each command with its options, its
argument errors (in Redis's order of checks), a stream key where a string is
wanted, OBJECT ENCODING after it (int / embstr / raw as 7.0 reports), RESP2
and RESP3, and the keyspace notifications each one sends (the notify diff's
harness: reply and events compared byte for byte per step).
"""

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, approx

from test_notify_diff import compare

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

TTL = approx(1)
PTTL = approx(1500)

SETEX = [
    "SETEX k 100 v", Call("TTL k", cmp=TTL), "GET k", "OBJECT ENCODING k",
    "SETEX k 100 12345", "OBJECT ENCODING k", "PSETEX k 100000 v", Call("PTTL k", cmp=PTTL),
    "SETEX k 0 v", "SETEX k -1 v", "SETEX k abc v", "PSETEX k 0 v", "PSETEX k -5 v",
    "SETEX k 9223372036854775807 v", "PSETEX k 9223372036854775807 v",
    "SETEX k 9223372036854775 v", "SETEX k 10", "PSETEX k", "GET k", Call("TTL k", cmp=TTL),
    "XADD st 1-0 f v", "SETEX st 100 v", "TYPE st", "GET st",
    # SET's options as 7.0 reads them: syntax errors before the expiry's value
    "SET k v EX abc XYZ", "SET k v EX 10 EX 20", Call("TTL k", cmp=TTL), "SET k v EX 10 PX 20",
    "SET k v KEEPTTL EX 10", "SET k v EX 10 KEEPTTL", "SET k v PERSIST", "SET k v EX",
    "SET k v EXAT 10 EXAT 20", "EXISTS k",
]

GETEX = [
    "GETEX nope", "GETEX nope EX abc", "GETEX nope FOO", "SET k v", "GETEX k", "TTL k",
    "GETEX k EX 100", Call("TTL k", cmp=TTL), "GETEX k PX 200000", Call("PTTL k", cmp=PTTL),
    "GETEX k PERSIST", "TTL k", "GETEX k PERSIST", "GETEX k EX 50 EX 60",
    Call("TTL k", cmp=TTL), "GETEX k EX 50 PX 10", "GETEX k PERSIST EX 10",
    "GETEX k EX 10 PERSIST", "GETEX k PERSIST PERSIST", "GETEX k EX abc", "GETEX k EX -1",
    "GETEX k PX 0", "GETEX k EX", "GETEX k NX", "GETEX k KEEPTTL", "GETEX k GET",
    "GETEX k EX 9223372036854775807", "GETEX k EXAT 9999999999", "TTL k",
    "GETEX k PXAT 9999999999000", "GETEX k EXAT 1", "EXISTS k", "SET k v",
    "GETEX k PXAT 1", "EXISTS k", "SET k 123", "GETEX k EX 10", "OBJECT ENCODING k",
    "XADD st 1-0 f v", "GETEX st", "GETEX st EX 10", "GETEX st FOO", "GETEX",
]

GETSET = [
    "GETSET k v", "GETSET k w", "SET k x EX 100", "GETSET k 12", "TTL k", "OBJECT ENCODING k",
    "GETSET k", "XADD st 1-0 f v", "GETSET st v", "TYPE st",
]

GETRANGE = [
    "SET k hello", "GETRANGE k 0 -1", "GETRANGE k 0 -100", "GETRANGE k -100 -200",
    "GETRANGE k -1 -2", "GETRANGE k -2 -1", "GETRANGE k 2 100", "GETRANGE k 5 5",
    "GETRANGE k 4 4", "GETRANGE k 3 1", "GETRANGE k -3 2", "GETRANGE k 0 0",
    "GETRANGE k a 1", "GETRANGE k 1 a", "GETRANGE k 9223372036854775807 -9223372036854775808",
    "GETRANGE k -9223372036854775808 9223372036854775807", "SUBSTR k 1 2", "SUBSTR k -3 -1",
    "GETRANGE nope 0 1", "GETRANGE nope a 1", "SET e ''", "GETRANGE e 0 -1", "GETRANGE e 0 0",
    "SET n 12345", "GETRANGE n 1 3", "XADD st 1-0 f v", "GETRANGE st 0 1",
    "GETRANGE st a 1", "GETRANGE k 0", "SUBSTR k",
]

SETRANGE = [
    "SETRANGE k 0 hello", "GET k", "OBJECT ENCODING k", "SETRANGE k 10 xy", "GET k",
    "STRLEN k", "SETRANGE k 1 E", "GET k", "SETRANGE k -1 x", "SETRANGE k a x",
    "SETRANGE k 0 ''", "SETRANGE nope 3 ''", "EXISTS nope", "SETRANGE nope 3 a", "GET nope",
    "SET n 123", "OBJECT ENCODING n", "SETRANGE n 0 ''", "OBJECT ENCODING n",
    "SETRANGE n 0 4", "OBJECT ENCODING n", "GET n",
    "SETRANGE k 536870912 x", "SETRANGE k 536870911 ''", "SETRANGE k 9223372036854775807 x",
    "SETRANGE k 9223372036854775808 x", "SETRANGE huge 536870912 x", "EXISTS huge",
    "SET t v EX 100", "SETRANGE t 1 w", Call("TTL t", cmp=TTL),
    "XADD st 1-0 f v", "SETRANGE st 0 x", "SETRANGE st 0 ''", "SETRANGE st -1 x",
    "SETRANGE k 0",
]

INCRBYFLOAT = [
    "SET f 1.5", "INCRBYFLOAT f 1.5", "OBJECT ENCODING f", "GET f", "INCRBYFLOAT f 0.1",
    "INCRBYFLOAT f 1e300", "INCRBYFLOAT f -1e300", "INCRBYFLOAT f abc", "INCRBYFLOAT f ''",
    "INCRBYFLOAT f inf", "INCRBYFLOAT f -inf", "INCRBYFLOAT f nan", "INCRBYFLOAT f ' 1'",
    "INCRBYFLOAT f '1 '", "INCRBYFLOAT f 0x10", "INCRBYFLOAT f 1e5000", "INCRBYFLOAT f 1e-5000",
    "INCRBYFLOAT nf 3.0e3", "INCRBYFLOAT nf -3000", "GET nf", "INCRBYFLOAT nf -0.0", "GET nf",
    "INCRBYFLOAT nf 1e-20", "INCRBYFLOAT nf 1.1", "INCRBYFLOAT nf 10", "OBJECT ENCODING nf",
    "INCRBYFLOAT big 1e40", "OBJECT ENCODING big", "INCRBYFLOAT big2 1.0e-10",
    "SET g 10.5000", "INCRBYFLOAT g 0", "SET h abc", "INCRBYFLOAT h 1", "SET h inf",
    "INCRBYFLOAT h 1", "SET h 5", "INCRBYFLOAT h 1.79769313486231570815e+308",
    "INCRBYFLOAT h 1.18973149535723176502e+4932", "SET t 1 EX 100", "INCRBYFLOAT t 2",
    Call("TTL t", cmp=TTL), "XADD st 1-0 f v", "INCRBYFLOAT st 1", "INCRBYFLOAT st x",
    "INCRBYFLOAT f",
]

MSETNX = [
    "MSETNX a 1 b 2", "MGET a b", "MSETNX a 1 c 2", "EXISTS c", "MSETNX c 1 c 2", "GET c",
    "MSETNX c", "MSETNX x 1 y", "MSETNX", "XADD st 1-0 f v", "MSETNX st 1 z 2", "EXISTS z",
    "SET t 1 EX 100", "MSETNX u 1 v 2", "OBJECT ENCODING u",
]

LCS = [
    "SET s1 ohmytext", "SET s2 mynewtext", "LCS s1 s2", "LCS s1 s2 LEN", "LCS s1 s2 IDX",
    "LCS s1 s2 IDX MINMATCHLEN 4", "LCS s1 s2 IDX MINMATCHLEN 4 WITHMATCHLEN",
    "LCS s1 s2 IDX WITHMATCHLEN", "LCS s1 s2 idx minmatchlen -5", "LCS s1 s2 IDX LEN",
    "LCS s1 s2 LEN IDX", "LCS s1 s2 FOO", "LCS s1 s2 MINMATCHLEN", "LCS s1 s2 MINMATCHLEN x",
    "LCS s1 s2 LEN MINMATCHLEN 2 WITHMATCHLEN", "LCS s1 nope", "LCS nope nope IDX",
    "LCS nope nope LEN", "SET x1 ABCBDAB", "SET x2 BDCABA", "LCS x1 x2 IDX WITHMATCHLEN",
    "LCS x2 x1 IDX WITHMATCHLEN", "LCS x1 x2", "LCS x2 x1", "LCS x1 x1 IDX",
    "SET y1 aaaabbbbaaaa", "SET y2 abababababab", "LCS y1 y2", "LCS y1 y2 IDX WITHMATCHLEN",
    "LCS y2 y1 IDX", "XADD st 1-0 f v", "LCS st s1", "LCS s1 st", "LCS st st FOO", "LCS s1",
]


@pytest.mark.parametrize("script", [SETEX, GETEX, GETSET, GETRANGE, SETRANGE, INCRBYFLOAT,
                                    MSETNX, LCS],
                         ids=["setex", "getex", "getset", "getrange", "setrange", "incrbyfloat",
                              "msetnx", "lcs"])
def test_strings(diff, script):
    diff.run(["FLUSHALL"] + script)
    diff.run(["FLUSHALL"] + script, resp=3)


def test_float_formatting(diff):
    """INCRBYFLOAT's text for values that show the long double's
    precision: 17 digits after the point, trailing zeros dropped."""
    incs = ["0.1", "0.2", "0.3", "1e-17", "1e-18", "3.0e-3", "123456789.123456789",
            "-123456789.123456789", "1e20", "-1e20", "5e-324", "0.00000000000000001",
            "1.5e15", "2.5", "-2.5", "1e308", "-1e308", "1e308", "1e4000", "-1e4000"]
    script = ["FLUSHALL"]
    for i, inc in enumerate(incs):
        script += [("INCRBYFLOAT", "a", inc), ("INCRBYFLOAT", "b%d" % i, inc),
                   ("OBJECT", "ENCODING", "b%d" % i)]
    diff.run(script)


def test_lcs_memory_limit(diff):
    """The DP table past proto-max-bulk-len is refused (1 MB: a 600 x 600
    table of 32-bit counters is 1.4 MB)."""
    a, b = "ab" * 300, "ba" * 300
    diff.run(["FLUSHALL", "CONFIG SET proto-max-bulk-len 1mb", ("SET", "a", a), ("SET", "b", b),
              "LCS a b LEN", ("SET", "a", a[:400]), "LCS a b LEN", "LCS a b IDX MINMATCHLEN 3",
              "CONFIG SET proto-max-bulk-len 512mb"])


def test_in_multi(diff):
    diff.run(["FLUSHALL", "MULTI", "SETEX k 100 v", "GETEX k PERSIST", "GETSET k 1",
              "INCRBYFLOAT k 1.5", "SETRANGE k 5 x", "GETRANGE k 0 -1", "MSETNX k 1 j 2",
              "LCS k j", "SETEX k 0 v", "EXEC", "GET k"])


NOTIFY = [
    ("SETEX", "a", "100", "v"), ("PSETEX", "a", "100000", "w"), ("SETEX", "a", "0", "v"),
    ("GETEX", "a"), ("GETEX", "a", "EX", "100"), ("GETEX", "a", "PERSIST"),
    ("GETEX", "a", "PERSIST"), ("GETEX", "nope"), ("GETEX", "a", "PXAT", "1"),
    ("GETSET", "b", "1"), ("GETSET", "b", "2"), ("GETRANGE", "b", "0", "1"),
    ("GETRANGE", "nope", "0", "1"), ("SUBSTR", "b", "0", "1"),
    ("SETRANGE", "c", "0", ""), ("SETRANGE", "c", "2", "x"), ("SETRANGE", "c", "0", "y"),
    ("SETRANGE", "c", "0", ""), ("INCRBYFLOAT", "d", "1.5"), ("INCRBYFLOAT", "d", "x"),
    ("INCRBYFLOAT", "d", "2"), ("MSETNX", "e", "1", "f", "2"), ("MSETNX", "e", "1", "g", "2"),
    ("LCS", "e", "f"), ("LCS", "nope", "nope2"),
    ("XADD", "st", "1-0", "f", "v"), ("GETSET", "st", "x"), ("SETRANGE", "st", "0", "x"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_notifications(server, ref_server, proto):
    for flags in ("KEA", "KEAmn", "Kg$", "Em", "En"):
        compare(server, ref_server, flags, proto, NOTIFY)
