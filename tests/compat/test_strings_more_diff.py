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


SETBIT = [
    "SETBIT b 7 1", "SETBIT b 7 1", "SETBIT b 7 0", "SETBIT b 100 1", "GET b",
    "OBJECT ENCODING b", "SET n 12", "SETBIT n 0 0", "OBJECT ENCODING n", "GET n",
    "SETBIT b -1 1", "SETBIT b 4294967296 1", "SETBIT b 4294967295 x", "SETBIT b 1 2",
    "SETBIT b 1 -1", "SETBIT b abc 1", "SETBIT b 1 x", "SETBIT b 1", "GETBIT b 7",
    "GETBIT b 100", "GETBIT b 10000", "GETBIT nope 1", "GETBIT b -1", "GETBIT b 4294967296",
    "GETBIT b x", "GETBIT nope x", "GETBIT b", "SET t v EX 100", "SETBIT t 0 1",
    Call("TTL t", cmp=TTL), "XADD st 1-0 f v", "SETBIT st 0 1", "SETBIT st -1 1",
    "GETBIT st 0", "GETBIT st x",
]

BITCOUNT = [
    "SET s foobar", "BITCOUNT s", "BITCOUNT s 0 0", "BITCOUNT s 1 1", "BITCOUNT s 1 1 BYTE",
    "BITCOUNT s 5 30 BIT", "BITCOUNT s 5 30 bit", "BITCOUNT s 5 5 BIT", "BITCOUNT s 6 6 BIT",
    "BITCOUNT s -1 -2", "BITCOUNT s -2 -1 BIT", "BITCOUNT s 0 -1 FOO", "BITCOUNT s -1 -2 FOO",
    "BITCOUNT s 0", "BITCOUNT s a 1", "BITCOUNT s 1 a", "BITCOUNT s 0 1 BIT x",
    "BITCOUNT nope 0", "BITCOUNT nope a b c d", "BITCOUNT s 0 100 BIT",
    "BITCOUNT s -100 -50 BIT", "BITCOUNT s -100 -50",
    "BITCOUNT s -9223372036854775808 9223372036854775807 BIT",
    "BITCOUNT s 9223372036854775807 -9223372036854775808", "SET e ''", "BITCOUNT e",
    "BITCOUNT e 0 -1", "BITCOUNT e 0 -1 BIT", ("SET", "big", b"\xff" * 100 + b"\x0f"),
    "BITCOUNT big", "BITCOUNT big 3 -1", "BITCOUNT big 3 803 BIT", "BITCOUNT big 801 803 BIT",
    "XADD st 1-0 f v", "BITCOUNT st", "BITCOUNT st a b", "BITCOUNT",
]

BITPOS = [
    ("SET", "p", b"\xff\xf0\x00"), "BITPOS p 0", "BITPOS p 1", "BITPOS p 1 2", "BITPOS p 0 0 0",
    "BITPOS p 0 2 -1 BIT", "BITPOS p 1 7 15 BIT", "BITPOS p 0 7 15 BIT", "BITPOS p 0 0 11 BIT",
    "BITPOS p 0 0 12 BIT", "BITPOS p 0 5 BIT", "BITPOS p 0 5 BYTE", "BITPOS p 1 -3 -1 BIT",
    "BITPOS p 1 20 BIT", "BITPOS p 2", "BITPOS p -1", "BITPOS p x", "BITPOS p 1 a",
    "BITPOS p 1 0 a", "BITPOS p 1 0 1 FOO", "BITPOS p 1 0 1 BIT x", "BITPOS nope 0",
    "BITPOS nope 1", "BITPOS nope 1 FOO", "BITPOS nope 2", ("SET", "ones", b"\xff\xff"),
    "BITPOS ones 0", "BITPOS ones 0 0", "BITPOS ones 0 0 -1", "BITPOS ones 0 1 BIT",
    "BITPOS ones 0 3 14 BIT", "BITPOS ones 0 3 BIT", "BITPOS ones 0 100", "BITPOS ones 1 100",
    "BITPOS ones 0 -1 -2", "SET e ''", "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0",
    ("SET", "long", b"\x00" * 40 + b"\x01" + b"\xff" * 40 + b"\xfe"), "BITPOS long 1",
    "BITPOS long 0 41", "BITPOS long 0 41 -1", "BITPOS long 0 330 BIT", "BITPOS long 1 2 -2",
    "XADD st 1-0 f v", "BITPOS st 1", "BITPOS st 2", "BITPOS st",
]

BITOP = [
    "SET k1 foobar", "SET k2 abcdef", "SET k3 xy", "BITOP AND d k1 k2", "GET d",
    "OBJECT ENCODING d", "BITOP OR d k1 k2 nope", "GET d", "BITOP XOR d k1 k3", "GET d",
    "BITOP and d k1 k3", "GET d", "BITOP NOT d k1", "GET d", "BITOP NOT d k1 k2",
    "BITOP NOT d", "BITOP FOO d k1", "BITOP AND d nope nope2", "EXISTS d",
    "BITOP AND d nope", "SET d v EX 100", "BITOP OR d k3", "TTL d", "SET n 7",
    "BITOP OR d n", "OBJECT ENCODING d", "BITOP OR k1 k1 k2", "GET k1", "XADD st 1-0 f v",
    "BITOP AND d k1 st", "BITOP NOT d st", "BITOP AND st k1", "TYPE st", "BITOP AND d",
]

BITFIELD = [
    "BITFIELD bf SET i8 0 100 GET i8 0", "OBJECT ENCODING bf", "BITFIELD bf INCRBY i8 0 100",
    "BITFIELD bf OVERFLOW SAT INCRBY i8 0 100", "BITFIELD bf OVERFLOW FAIL INCRBY i8 0 100",
    "BITFIELD bf OVERFLOW WRAP INCRBY i8 0 100 GET u8 0", "BITFIELD bf SET u8 0 -1",
    "BITFIELD bf OVERFLOW SAT SET u8 0 -1", "BITFIELD bf OVERFLOW FAIL SET u8 0 -1",
    "BITFIELD bf OVERFLOW SAT SET i8 0 -9223372036854775808",
    "BITFIELD bf OVERFLOW SAT SET i8 0 -9223372036854775681",
    "BITFIELD bf OVERFLOW SAT SET i8 0 -9223372036854775680",
    "BITFIELD bf OVERFLOW SAT SET i8 0 -1000",
    "BITFIELD bf OVERFLOW FAIL SET i8 0 -9223372036854775808",
    "BITFIELD bf OVERFLOW WRAP SET i8 0 -9223372036854775808",
    "BITFIELD bf OVERFLOW SAT SET i64 0 -9223372036854775808", "BITFIELD bf GET i64 0 GET u63 1",
    "BITFIELD bf OVERFLOW SAT INCRBY i64 0 -1 INCRBY i64 0 9223372036854775807",
    "BITFIELD bf OVERFLOW WRAP INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775808",
    "BITFIELD bf SET u63 0 9223372036854775807 OVERFLOW SAT INCRBY u63 0 1",
    "BITFIELD bf OVERFLOW FAIL INCRBY u63 0 1 INCRBY u63 0 -9223372036854775807 "
    "INCRBY u63 0 -9223372036854775807",
    "BITFIELD bf SET u1 3 1 GET u4 0 GET i4 0 GET u5 2", "BITFIELD bf GET u8 #3 SET u8 #3 5 GET u8 24",
    "BITFIELD bf OVERFLOW WRAP INCRBY u8 0 300 INCRBY i8 8 -300 INCRBY u3 0 -20 "
    "INCRBY i5 3 -100 INCRBY i5 3 100",
    "BITFIELD bf OVERFLOW SAT INCRBY u8 0 300 INCRBY i8 8 -300 INCRBY u3 0 -20 "
    "INCRBY i5 3 -100 INCRBY i5 3 100",
    "BITFIELD bf OVERFLOW SAT SET u8 0 300 SET i8 8 -300 SET u3 0 -20 SET i5 3 -100 "
    "SET i5 3 100 OVERFLOW WRAP SET i5 3 100",
    "BITFIELD bf get u8 0 set u8 0 1 incrby u8 0 1 overflow sat", "GET bf",
    "BITFIELD bf GET u64 0", "BITFIELD bf GET i65 0", "BITFIELD bf GET I8 0",
    "BITFIELD bf GET x8 0", "BITFIELD bf GET i0 0", "BITFIELD bf GET u 0", "BITFIELD bf GET i8 -1",
    "BITFIELD bf GET i8 #-1", "BITFIELD bf GET i8 #", "BITFIELD bf GET i8 a",
    "BITFIELD bf SET i8 0 x", "BITFIELD bf SET i8 0", "BITFIELD bf OVERFLOW foo",
    "BITFIELD bf OVERFLOW", "BITFIELD bf foo", "BITFIELD bf GET i8 0 foo", "BITFIELD bf",
    "BITFIELD nope", "BITFIELD nope GET u8 100", "EXISTS nope",
    "BITFIELD bf GET i8 4294967295", "BITFIELD bf GET i8 4294967296",
    "BITFIELD bf GET u8 #536870911", "BITFIELD bf GET u8 #536870912",
    "BITFIELD bf GET i64 #67108863", "BITFIELD bf GET i64 #67108864",
    "BITFIELD bf GET i64 #144115188075855872", "BITFIELD bf GET i3 #3074457345618258603",
    "BITFIELD bf SET u8 0 1 GET i8 #-1", "BITFIELD_RO bf GET u8 0 GET i16 4",
    "BITFIELD_RO bf SET u8 0 1", "BITFIELD_RO bf INCRBY u8 0 1", "BITFIELD_RO bf OVERFLOW SAT",
    "BITFIELD_RO bf GET u8", "BITFIELD_RO nope GET u8 0", "BITFIELD_RO bf",
    "BITFIELD n2 OVERFLOW FAIL SET u2 0 9", "EXISTS n2", "GET n2",
    "BITFIELD n3 OVERFLOW FAIL INCRBY u2 100 9", "STRLEN n3", "SET t v EX 100",
    "BITFIELD t SET u8 8 1", Call("TTL t", cmp=TTL), "XADD st 1-0 f v", "BITFIELD st GET u8 0",
    "BITFIELD st SET u8 0 1", "BITFIELD st GET u9 0", "BITFIELD_RO st GET u8 0",
    "BITFIELD_RO st SET u8 0 1", "BITFIELD",
    # a wrapped signed field keeps only its own bits (found by the random test below)
    "BITFIELD w INCRBY i14 36 4611686018427387904", "BITFIELD w INCRBY i32 #6 -9223372036854775808",
    "BITFIELD w INCRBY i57 10 9223372036854775807 INCRBY u4 #2 4611686018427387904",
    "BITFIELD w OVERFLOW SAT INCRBY i14 36 4611686018427387904 INCRBY u5 0 -4611686018427387904",
]


SCRIPTS = {"setex": SETEX, "getex": GETEX, "getset": GETSET, "getrange": GETRANGE,
           "setrange": SETRANGE, "incrbyfloat": INCRBYFLOAT, "msetnx": MSETNX, "lcs": LCS,
           "setbit": SETBIT, "bitcount": BITCOUNT, "bitpos": BITPOS, "bitop": BITOP,
           "bitfield": BITFIELD}


@pytest.mark.parametrize("script", list(SCRIPTS.values()), ids=list(SCRIPTS))
def test_strings(diff, script):
    diff.run(["FLUSHALL"] + script)
    diff.run(["FLUSHALL"] + script, resp=3)


def random_script(seed, n):
    """n random commands over three keys: bit and byte ranges at the edges
    of short values, every BITFIELD type, offset form, policy and extreme
    values, LCS, INCRBYFLOAT and APPEND mixed with them."""
    import random
    rnd = random.Random(seed)
    keys = ["k1", "k2", "k3"]
    nums = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 63, 64, -1, -2, -3, -8, -9, -17, -100]

    def num():
        return str(rnd.choice(nums))

    def val():
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 6)))

    def bitfield(k):
        args = ["BITFIELD", k]
        for _ in range(rnd.randrange(1, 4)):
            op = rnd.randrange(4)
            ty = rnd.choice("iu") + str(rnd.randrange(1, 65))
            off = rnd.choice(["", "#"]) + str(rnd.randrange(0, 40))
            if op == 0:
                args += ["GET", ty, off]
            elif op == 1:
                args += ["SET", ty, off, str(rnd.choice(
                    [0, 1, -1, 127, -128, 255, 2**63 - 1, -2**63, rnd.randrange(-1000, 1000)]))]
            elif op == 2:
                args += ["INCRBY", ty, off, str(rnd.choice(
                    [1, -1, 100, -100, 2**62, -2**62, 2**63 - 1, -2**63]))]
            else:
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
        return args

    out = []
    for _ in range(n):
        k = rnd.choice(keys)
        t = rnd.randrange(14)
        if t == 0:
            out.append(["SET", k, val()])
        elif t == 1:
            out.append(["SETRANGE", k, str(rnd.randrange(0, 20)), val()])
        elif t == 2:
            out.append(["GETRANGE", k, num(), num()])
        elif t == 3:
            out.append(["SETBIT", k, str(rnd.randrange(0, 80)), str(rnd.randrange(2))])
        elif t == 4:
            out.append(["BITCOUNT", k] + [num(), num()] + rnd.choice([[], ["BIT"], ["BYTE"]]))
        elif t == 5:
            args, r = ["BITPOS", k, str(rnd.randrange(2))], rnd.randrange(4)
            args += [num() for _ in range(min(r, 2))] + ([rnd.choice(["BIT", "BYTE"])] if r == 3 else [])
            out.append(args)
        elif t == 6:
            out.append(["BITOP", rnd.choice(["AND", "OR", "XOR"]), k] + rnd.sample(keys, 2))
        elif t == 7:
            out.append(["BITOP", "NOT", k, rnd.choice(keys)])
        elif t == 8:
            out.append(bitfield(k))
        elif t == 9:
            out.append(["LCS", k, rnd.choice(keys)] + rnd.choice(
                [[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", "2"]]))
        elif t == 10:
            out.append(["INCRBYFLOAT", k, rnd.choice(["1.5", "-0.1", "1e10", "3", "0", "-3.0e-2"])])
        elif t == 11:
            out.append(["APPEND", k, val()])
        elif t == 12:
            out.append(["GETBIT", k, str(rnd.randrange(0, 80))])
        else:
            out.append(["OBJECT", "ENCODING", k])
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_random_bits_and_ranges(diff, seed):
    diff.run(["FLUSHALL"] + random_script(seed, 1500))


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
              "LCS k j", "SETEX k 0 v", "SETBIT k 3 1", "BITFIELD k INCRBY u4 0 3",
              "BITOP NOT j k", "BITCOUNT j", "BITPOS j 0", "EXEC", "GET k", "GET j"])


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
    ("SETBIT", "h", "3", "1"), ("SETBIT", "h", "3", "0"), ("SETBIT", "h", "-1", "1"),
    ("GETBIT", "h", "3"), ("GETBIT", "nope", "3"), ("BITCOUNT", "h"), ("BITCOUNT", "nope"),
    ("BITPOS", "h", "1"), ("BITPOS", "nope", "1"), ("BITOP", "OR", "i", "h", "nope"),
    ("BITOP", "AND", "i", "nope"), ("BITOP", "AND", "i", "nope"), ("BITOP", "NOT", "i", "h"),
    ("BITFIELD", "j", "GET", "u8", "0"), ("BITFIELD", "j", "SET", "u8", "0", "1"),
    ("BITFIELD", "j", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"),
    ("BITFIELD", "j", "GET", "u8", "x"), ("BITFIELD_RO", "j", "GET", "u8", "0"),
    ("BITFIELD_RO", "nope", "GET", "u8", "0"), ("LCS", "h", "nope"),
    ("XADD", "st", "1-0", "f", "v"), ("GETSET", "st", "x"), ("SETRANGE", "st", "0", "x"),
    ("SETBIT", "st", "0", "1"), ("BITOP", "NOT", "st", "h"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_notifications(server, ref_server, proto):
    for flags in ("KEA", "KEAmn", "Kg$", "Em", "En"):
        compare(server, ref_server, flags, proto, NOTIFY)
