"""Redis 8.2's BITOP operations DIFF, DIFF1, ANDOR and ONE, through redis-py.

Redis 7.0 does not have them, so the expected bitmaps come from a Python
model of the documented formulas over random sources of unequal lengths (a
shorter or missing source reads as zeros; the result is as long as the
longest source): DIFF = X & ~(Y1 | ... | Yn), DIFF1 = ~X & (Y1 | ... | Yn),
ANDOR = X & (Y1 | ... | Yn), ONE = the bits set in exactly one source.
Their AOF records are the SET (or DEL) of the result, so the AOF stays
loadable by Redis 7.
"""

import glob
import os
import random

import pytest
import redis

from testlib import streamd_only

pytestmark = streamd_only


def model(op, sources):
    n = max((len(s) for s in sources if s is not None), default=0)
    cols = [(s or b"").ljust(n, b"\0") for s in sources]
    out = bytearray(n)
    for i in range(n):
        x = cols[0][i]
        ys = [c[i] for c in cols[1:]]
        anyy = 0
        for y in ys:
            anyy |= y
        if op == "DIFF":
            out[i] = x & ~anyy & 0xFF
        elif op == "DIFF1":
            out[i] = ~x & anyy & 0xFF
        elif op == "ANDOR":
            out[i] = x & anyy
        else:  # ONE
            seen = multi = 0
            for b in [x] + ys:
                multi |= seen & b
                seen |= b
            out[i] = seen & ~multi & 0xFF
    return bytes(out)


@pytest.mark.parametrize("op", ["DIFF", "DIFF1", "ANDOR", "ONE"])
def test_random_against_model(r, op):
    rnd = random.Random(82 + len(op))
    for _ in range(60):
        k = rnd.randint(1 if op == "ONE" else 2, 5)
        sources = []
        for j in range(k):
            if rnd.random() < 0.15:
                sources.append(None)  # a missing key
                r.delete("src%d" % j)
            else:
                v = rnd.randbytes(rnd.randint(0, 40))
                sources.append(v)
                r.set("src%d" % j, v)
        got = r.bitop(op, "dest", *["src%d" % j for j in range(k)])
        want = model(op, sources)
        assert got == len(want)
        assert r.get("dest") == (want if want else None), (op, sources)


def test_documented_examples(r):
    r.setbit("x", 0, 1), r.setbit("x", 1, 1), r.setbit("x", 2, 1)
    r.setbit("y1", 1, 1), r.setbit("y2", 2, 1), r.setbit("y2", 3, 1)
    assert r.bitop("DIFF", "d", "x", "y1", "y2") == 1
    assert [r.getbit("d", i) for i in range(8)] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert r.bitop("diff1", "d", "x", "y1", "y2") == 1
    assert [r.getbit("d", i) for i in range(8)] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert r.bitop("AndOr", "d", "x", "y1", "y2") == 1
    assert [r.getbit("d", i) for i in range(8)] == [0, 1, 1, 0, 0, 0, 0, 0]
    assert r.bitop("ONE", "d", "x", "y1", "y2") == 1
    assert [r.getbit("d", i) for i in range(8)] == [1, 0, 0, 1, 0, 0, 0, 0]
    assert r.bitop("ONE", "d", "x") == 1 and r.get("d") == r.get("x")


def test_errors(r):
    r.set("a", "x")
    r.xadd("s", {"f": "v"})
    for op in ["DIFF", "DIFF1", "ANDOR"]:
        with pytest.raises(redis.ResponseError) as e:
            r.bitop(op, "d", "a")
        assert str(e.value) == "BITOP %s must be called with at least two source keys." % op
    with pytest.raises(redis.ResponseError) as e:
        r.bitop("ONE", "d", "a", "s")
    assert str(e.value).startswith("WRONGTYPE")
    with pytest.raises(redis.ResponseError) as e:
        r.bitop("DIFF2", "d", "a", "a")
    assert str(e.value) == "syntax error"
    assert r.exists("d") == 0


def test_empty_result_deletes_dest(r):
    r.set("d", "old")
    assert r.bitop("DIFF", "d", "missing1", "missing2") == 0
    assert r.exists("d") == 0


def test_aof_records_are_redis7_commands(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.set("x", b"\xf0\x0f"), c.set("y", b"\x3c")
    c.bitop("DIFF", "d1", "x", "y")
    c.bitop("ONE", "d2", "x", "y", "missing")
    c.set("d3", "gone")
    c.bitop("ANDOR", "d3", "m1", "m2")
    before = {k: c.get(k) for k in ["d1", "d2", "d3"]}
    assert before["d3"] is None and before["d1"] == bytes([0xf0 & ~0x3c & 0xff, 0x0f])
    aof = b"".join(open(f, "rb").read()
                   for f in glob.glob(os.path.join(srv.dir, "appendonlydir", "*.incr.aof")))
    for word in [b"DIFF", b"ANDOR", b"ONE", b"bitop", b"BITOP"]:
        assert word not in aof
    srv.restart()
    c = srv.client()
    assert {k: c.get(k) for k in ["d1", "d2", "d3"]} == before
