"""HyperLogLogs against redis-server 7.0: PFADD, PFCOUNT, PFMERGE, PFDEBUG,
PFSELFTEST, their errors, RESP2 and RESP3 framing, and above all the bytes
of the string they leave (GET after the steps that write): the sparse code
as 7.0 edits it, the turn to dense past hll-sparse-max-bytes or past a VAL
of 32, the cached count PFCOUNT writes back, and what happens to values a
client SET by hand, corrupt ones included (a fixed-seed fuzz of sparse
codes). Also keyspace notifications, DUMP / RESTORE both ways and the
propagated stream (MONITOR is not needed: an AOF rewrite is not involved,
the replies and bytes are).
"""

import random
import struct

import pytest

from testlib import IS_REDIS
from testlib.diff import Call
from test_notify_diff import compare

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def hdr(enc, card=0, invalid=False):
    c = card | ((1 << 63) if invalid else 0)
    return b"HYLL" + bytes([enc, 0, 0, 0]) + struct.pack("<Q", c)


def xzero(n):
    n -= 1
    return bytes([0x40 | (n >> 8), n & 0xff])


def zero(n):
    return bytes([n - 1])


def val(v, n):
    return bytes([0x80 | ((v - 1) << 2) | (n - 1)])


DENSE_LEN = 16 + 12288

BASIC = [
    "PFADD h", "GET h", "STRLEN h", "OBJECT ENCODING h", "PFCOUNT h", "GET h", "PFADD h",
    "PFADD h a b c", "GET h", "PFADD h a", "PFADD h b c", "PFCOUNT h", "GET h", "PFCOUNT h",
    "PFDEBUG ENCODING h", "PFDEBUG DECODE h", "PFADD h d e f g h i j k l m n o p", "GET h",
    "PFDEBUG DECODE h", "PFCOUNT h", "PFCOUNT h nokey", "PFCOUNT nokey", "PFCOUNT nokey h h",
    "GET h", "PFADD h2 a x", "PFCOUNT h h2", "GET h", "PFMERGE d h h2", "GET d", "PFCOUNT d",
    "PFMERGE d", "GET d", "PFMERGE new", "GET new", "EXISTS new", "PFMERGE new2 nokey",
    "GET new2", "PFDEBUG TODENSE h2", "GET h2", "PFDEBUG TODENSE h2", "PFDEBUG ENCODING h2",
    "PFDEBUG DECODE h2", "PFCOUNT h2", "GET h2", "PFADD h2 zz", "GET h2", "PFMERGE h h2",
    "PFDEBUG ENCODING h", "GET h", "PFCOUNT h", "PFADD h3 a", "PFDEBUG GETREG h3", "GET h3",
    "PFDEBUG getreg h3", "PFDEBUG decode h", "PFDEBUG EnCoDiNg h3", "OBJECT ENCODING h3",
    ("PFADD", "bin", b"", b"\x00", b"\xff" * 40, "a" * 1000), "GET bin", "PFCOUNT bin",
    "PFSELFTEST",
]

ERRORS = [
    "SET str hello", "RPUSH list a", "SET int 12345", "SET long " + "x" * 40,
    "PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "PFDEBUG GETREG", "PFDEBUG GETREG a b",
    "PFSELFTEST x", "PFADD str a", "PFADD str", "PFCOUNT str", "PFCOUNT list", "PFADD list a",
    "PFADD int", "PFADD long a", "PFCOUNT nokey str", "PFCOUNT str nokey", "PFMERGE d str",
    "EXISTS d", "PFMERGE str", "PFMERGE list", "PFMERGE d list", "PFMERGE nokey str",
    "EXISTS nokey", "PFDEBUG GETREG nokey", "PFDEBUG FOO nokey", "PFDEBUG GETREG str",
    "PFDEBUG FOO str", "PFDEBUG GETREG list", "PFADD h a", "PFDEBUG FOO h", "PFDEBUG todense2 h",
    "PFDEBUG DECODE h", "PFDEBUG TODENSE h", "PFDEBUG DECODE h", "GET str", "GET long",
    "MULTI", "PFADD m a", "PFCOUNT m", "PFCOUNT str", "PFMERGE m h", "EXEC", "GET m",
]

# Hand-made values: headers, sparse codes sound and corrupt, dense ones.
SOUND = hdr(1) + xzero(16384)
HANDMADE = {
    "bad_magic": b"HYLX" + SOUND[4:],
    "enc2": hdr(2) + xzero(16384),
    "enc255": hdr(255) + xzero(16384),
    "short": b"HYLL\x01\x00\x00",
    "hdr_only": hdr(1),
    "dense_short": hdr(0) + b"\x00" * 100,
    "dense_long": hdr(0) + b"\x00" * 12289,
    "dense_zero": hdr(0) + b"\x00" * 12288,
    "dense_ff": hdr(0) + b"\xff" * 12288,
    "dense_ff_cached": hdr(0, 77) + b"\xff" * 12288,
    "dense_half": hdr(0, invalid=True) + b"\x41\x10\x04" * 4096,
    "sparse_few": hdr(1) + xzero(16000),
    "sparse_many": hdr(1) + xzero(16384) + zero(5),
    "sparse_val_over": hdr(1) + xzero(16383) + val(3, 4),
    "sparse_trunc_xzero": hdr(1) + xzero(16384 - 300) + zero(64) * 4 + b"\x7f",
    "sparse_lone_xzero": hdr(1) + b"\x40",
    "sparse_cached": hdr(1, 123456789) + xzero(16384),
    "sparse_cached_neg": hdr(1, (1 << 63) - 1) + xzero(16384),
    "sparse_vals": hdr(1) + val(32, 4) * 4096,
    "sparse_mixed": hdr(1) + zero(1) + val(5, 1) + val(5, 2) + zero(64) + val(32, 1)
    + xzero(16384 - 69),
    "sparse_zero_runs": hdr(1) + zero(64) * 256,
    "sparse_one_xzero_each": hdr(1) + xzero(1) * 16384,
    "sparse_trailing": hdr(1) + xzero(16384) + b"\x80",
}


def handmade_script(name):
    v = HANDMADE[name]
    return [
        ("SET", "k", v), "PFCOUNT k", "GET k", "PFDEBUG ENCODING k", "PFDEBUG DECODE k",
        "PFADD k a b c", "GET k", "PFCOUNT k", "GET k", "PFCOUNT k nokey", "PFCOUNT nokey k",
        ("SET", "k", v), "PFADD k", "GET k", "PFMERGE d k", "GET d", "PFMERGE k", "GET k",
        ("SET", "k", v), "PFADD k2 x", "PFMERGE k2 k", "GET k2", "PFMERGE k k2", "GET k",
        ("SET", "k", v), "PFDEBUG TODENSE k", "GET k", ("SET", "k", v),
        Call("PFDEBUG GETREG k"), "GET k", ("SET", "k", v), "PFADD k " + " ".join(
            "e%d" % i for i in range(300)), "GET k", "PFCOUNT k",
    ]


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("script", ["BASIC", "ERRORS"])
def test_script(diff, resp, script):
    diff.run(globals()[script], resp=resp)


@pytest.mark.parametrize("name", sorted(HANDMADE))
def test_handmade_values(diff, name):
    diff.run(handmade_script(name))


def test_one_at_a_time(diff):
    """The sparse code after each single element, through several hundred
    (VAL runs forming, splitting and fusing), then the cached count."""
    script = []
    for i in range(400):
        script += [("PFADD", "h", "x%d" % i), "GET h"]
        if i % 50 == 0:
            script += ["PFCOUNT h", "GET h"]
    diff.run(script)


def test_growth_to_dense(diff):
    """Batches from 0 to 200k elements: the bytes while sparse, the turn to
    dense at the default hll-sparse-max-bytes, PFCOUNT all the way."""
    script, n = [], 0
    for size in [1, 2, 5, 10, 20, 50, 100, 200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 5000,
                 10000, 20000, 40000, 60000, 55212]:
        script.append(("PFADD", "h") + tuple("el:%d" % i for i in range(n, n + size)))
        n += size
        script += ["PFDEBUG ENCODING h", "STRLEN h", "GET h", "PFCOUNT h", "GET h",
                   ("PFCOUNT", "h", "nokey")]
    assert n == 200000
    diff.run(script)


def test_sparse_max_bytes(diff):
    diff.run([
        "CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 40",
        "PFADD h a b c d e f", "PFDEBUG ENCODING h", "GET h", "PFADD h g h i j k",
        "PFDEBUG ENCODING h", "STRLEN h", "CONFIG SET hll-sparse-max-bytes 0", "PFADD z",
        "PFDEBUG ENCODING z", "PFADD z a", "PFDEBUG ENCODING z", "GET z",
        "CONFIG SET hll-sparse-max-bytes 100000", ("PFADD", "big") + tuple(
            "b%d" % i for i in range(20000)), "PFDEBUG ENCODING big", "STRLEN big", "GET big",
        "PFCOUNT big", "CONFIG SET hll-sparse-max-bytes -1", "CONFIG SET hll-sparse-max-bytes x",
        "CONFIG SET hll-sparse-max-bytes 1kb", "CONFIG GET hll-sparse-max-bytes",
        "CONFIG SET hll-sparse-max-bytes 3000",
    ])


def test_large_sparse(diff):
    """With a high hll-sparse-max-bytes a sparse code grows to many KiB: its
    bytes after 60k elements (VAL runs everywhere, few zeros left)."""
    elements = ["v%d" % i for i in range(60000)]
    diff.run([("PFADD", "h") + tuple(elements[:30000]), "PFDEBUG ENCODING h",
              ("PFADD", "s") + tuple(elements[30000:30005]), "GET s",
              "CONFIG SET hll-sparse-max-bytes 1000000", ("PFADD", "t") + tuple(elements),
              "PFDEBUG ENCODING t", "STRLEN t", "GET t", "PFCOUNT t", "GET t",
              "PFMERGE u t", "GET u", "PFMERGE t h", "PFDEBUG ENCODING t", "GET t",
              "CONFIG SET hll-sparse-max-bytes 3000"])


def test_register_past_32(diff):
    """"r3465021361" makes register 8118 33, past a sparse VAL: the value
    turns dense at once, whatever its size; merges of it are dense too."""
    diff.run([
        "PFADD h a b", "PFADD h r3465021361", "PFDEBUG ENCODING h", "GET h", "PFCOUNT h", "GET h",
        "PFADD s x", "PFDEBUG TODENSE h", "PFMERGE s h", "GET s", "PFADD e", "PFMERGE e h",
        "GET e", "PFADD one r3465021361", "GET one", "PFDEBUG GETREG one",
    ])


def test_merge_encodings(diff):
    a = tuple("a%d" % i for i in range(100))
    b = tuple("b%d" % i for i in range(5000))
    c = tuple("c%d" % i for i in range(3))
    diff.run([
        ("PFADD", "sa") + a, ("PFADD", "db") + b, ("PFADD", "sc") + c,
        "PFDEBUG ENCODING db", "PFMERGE m1 sa sc", "GET m1", "PFDEBUG ENCODING m1", "PFCOUNT m1",
        "PFMERGE m2 sa db", "GET m2", "PFDEBUG ENCODING m2", "PFCOUNT m2", "GET m2",
        "PFMERGE sc sa", "GET sc", "PFMERGE sc db", "GET sc", "PFDEBUG ENCODING sc",
        "PFMERGE db sa", "GET db", "PFCOUNT sa db sc m1 m2", "PFCOUNT sa sc", "GET sa",
        "PFMERGE sa", "GET sa", "PFMERGE sa sa sa", "GET sa", "PFCOUNT sa", "GET sa",
        ("PFADD", "e"), "PFMERGE e", "GET e", "PFMERGE e2 e", "GET e2",
        "CONFIG SET hll-sparse-max-bytes 60", "PFMERGE m3 sa", "PFDEBUG ENCODING m3", "GET m3",
        "CONFIG SET hll-sparse-max-bytes 3000",
    ])


def test_ttl_and_replace(diff):
    diff.run([
        "PFADD h a", "EXPIRE h 1000", "PFADD h b", "TTL h", "PFCOUNT h", "TTL h",
        "PFMERGE h h", "TTL h", "PFDEBUG TODENSE h", "TTL h", "SET h x", "PFADD h a",
    ])


def fuzz_values(seed, n):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        ops, regs = [], 0
        target = 16384 + rng.choice([0, 0, 0, 0, -1, 1, -64, 5])
        while regs < target and len(ops) < 400:
            kind = rng.random()
            if kind < 0.3:
                k = rng.randint(1, 64)
                ops.append(zero(k))
            elif kind < 0.45:
                k = rng.randint(1, 4000)
                ops.append(xzero(k))
            else:
                k = rng.randint(1, 4)
                ops.append(val(rng.randint(1, 32), k))
            regs += k
        if regs < target:
            ops.append(xzero(min(16384, target - regs)))
        body = b"".join(ops)
        if rng.random() < 0.2:
            body = bytes(b if rng.random() > 0.02 else rng.randrange(256) for b in body)
        if rng.random() < 0.1:
            body = body[:rng.randrange(len(body) + 1)]
        card = rng.choice([0, 5, 1 << 62, (1 << 63) + 9])
        out.append(hdr(1, card & ((1 << 63) - 1), card >> 63 == 1) + body)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_sparse(diff, seed):
    """Random sparse codes, sound (covering 16384 registers) or not, edited
    by elements and merges: each reply and the bytes after each write."""
    script = []
    rng = random.Random(seed)
    for i, v in enumerate(fuzz_values(seed, 40)):
        elems = tuple("f%d" % rng.randrange(100000) for _ in range(rng.randint(1, 30)))
        script += [("SET", "k", v), "PFCOUNT k", "GET k", ("PFADD", "k") + elems, "GET k",
                   "PFCOUNT k", "PFDEBUG DECODE k", "PFMERGE d k", "GET d", ("SET", "k", v),
                   "PFMERGE k d", "GET k", ("SET", "k", v), "PFDEBUG TODENSE k", "GET k"]
        if i % 8 == 0:
            script += ["DEL d"]
    diff.run(script)


@pytest.fixture
def conns(server, ref_server):
    a, b = server.raw(), ref_server.raw()
    a.call("FLUSHALL")
    b.call("FLUSHALL")
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("n", [0, 10, 3000])
def test_dump_restore_both_ways(conns, n):
    a, b = conns
    for c in (a, b):
        c.call("PFADD", "k", *["d%d" % i for i in range(n)])
        c.call("PFCOUNT", "k")
    assert a.call("GET", "k") == b.call("GET", "k")
    pa, pb = a.call("DUMP", "k"), b.call("DUMP", "k")
    assert a.call("RESTORE", "r", "0", pb) == b"OK"
    assert b.call("RESTORE", "r", "0", pa) == b"OK"
    for c in (a, b):
        assert c.call("GET", "r") == a.call("GET", "k")
        assert c.call("PFADD", "r", "more") == 1
    assert a.call("GET", "r") == b.call("GET", "r")
    assert a.call("PFCOUNT", "r") == b.call("PFCOUNT", "r")


HLL_EVENTS = [
    ("PFADD", "h"), ("PFADD", "h"), ("PFADD", "h", "a"), ("PFADD", "h", "a"),
    ("PFCOUNT", "h"), ("PFMERGE", "d", "h"), ("PFMERGE", "d"), ("PFMERGE", "e", "nokey"),
    ("PFDEBUG", "TODENSE", "d"), ("PFDEBUG", "GETREG", "h"), ("SET", "s", "x"),
    ("PFADD", "s", "a"), ("PFMERGE", "d", "s"), ("PFCOUNT", "h", "d"),
]


@pytest.mark.parametrize("flags", ["KEA", "Ks", "Eg$"])
def test_notifications(server, ref_server, flags):
    compare(server, ref_server, flags, 2, HLL_EVENTS)
