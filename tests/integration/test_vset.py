"""Vector sets (Redis 8's VADD, VSIM, ...), written from Redis's command
documentation, its vector-set error reference and the module's vset.c (7.0
has no vector sets to compare with): replies (RESP2 and RESP3 shapes), every
error text in Redis's order of checks, quantization (VEMB gives back the
values the documentation shows), exact answers through TRUTH, recall of the
graph search against TRUTH, FILTER expressions, REDUCE, WRONGTYPE both ways,
MULTI, and persistence (DEBUG RELOAD, DUMP/RESTORE as module type 7 of
"vectorset", a bad payload refused, AOF replay and rewrite, COPY)."""

import math
import random
import struct

import pytest
from redis.exceptions import ResponseError

from testlib.dumppayload import reseal, seal
from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

def fp32(*v):
    return struct.pack("<%df" % len(v), *v)


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def points(r):
    for name, v in [("pt:A", (1.0, 1.0)), ("pt:B", (-1.0, -1.0)), ("pt:C", (-1.0, 1.0)),
                    ("pt:D", (1.0, -1.0)), ("pt:E", (1.0, 0))]:
        assert x(r, "VADD", "points", "VALUES", 2, *v, name) == 1


def snapshot(c):
    """Every vector set of db 0: {key: (VINFO but the uid and the top level (a
    replayed VADD draws its level again), {elem: (VEMB RAW, attrs)})}."""
    out = {}
    for k in c.keys("*"):
        if c.type(k) != b"vectorset":
            continue
        info = x(c, "VINFO", k)
        info = [v for i, v in enumerate(info) if i not in (10, 11, 14, 15)]
        elems = {}
        for e in x(c, "VRANGE", k, "-", "+"):
            elems[e] = (x(c, "VEMB", k, e, "RAW"), x(c, "VGETATTR", k, e))
        out[k] = (info, elems)
    return out


# ---- the documentation's examples ------------------------------------------------


def test_docs_points(r):
    points(r)
    assert r.type("points") == b"vectorset"
    assert r.object("encoding", "points") == b"raw"
    assert x(r, "VCARD", "points") == 5 and x(r, "VDIM", "points") == 2
    assert x(r, "VEMB", "points", "pt:A") == [b"0.9999999403953552", b"0.9999999403953552"]
    assert x(r, "VEMB", "points", "pt:E") == [b"1", b"0"]
    got = x(r, "VSIM", "points", "ELE", "pt:A", "WITHSCORES", "TRUTH")
    assert got[0] == b"pt:A" and float(got[1]) == pytest.approx(1.0, abs=1e-6)
    assert got[2:] == [b"pt:E", b"0.8535534143447876", b"pt:C", b"0.5", b"pt:D", b"0.5",
                       b"pt:B", b"0"] or got[2:] == [b"pt:E", b"0.8535534143447876", b"pt:D",
                                                      b"0.5", b"pt:C", b"0.5", b"pt:B", b"0"]
    assert x(r, "VSIM", "points", "VALUES", 2, 0.9, 0.1, "TRUTH")[0] == b"pt:E"
    assert x(r, "VSIM", "points", "ELE", "pt:A", "COUNT", 2, "TRUTH") == [b"pt:A", b"pt:E"]
    # EPSILON 0.2: similarity at least 0.8
    assert x(r, "VSIM", "points", "ELE", "pt:A", "EPSILON", 0.2, "TRUTH") == [b"pt:A", b"pt:E"]
    assert x(r, "VISMEMBER", "points", "pt:A") == 1
    assert x(r, "VISMEMBER", "points", "nosuch") == 0
    assert x(r, "VISMEMBER", "nosuch", "pt:A") == 0
    assert x(r, "VREM", "points", "pt:A") == 1 and x(r, "VREM", "points", "pt:A") == 0
    assert x(r, "VCARD", "points") == 4


def test_docs_quantization(r):
    assert x(r, "VADD", "quantSetQ8", "VALUES", 2, 1.262185, 1.958231, "quantElement", "Q8") == 1
    assert [float(v) for v in x(r, "VEMB", "quantSetQ8", "quantElement")] == [
        1.2643694877624512, 1.958230972290039]
    assert x(r, "VADD", "quantSetNoQ", "VALUES", 2, 1.262185, 1.958231, "quantElement",
             "NOQUANT") == 1
    assert [float(v) for v in x(r, "VEMB", "quantSetNoQ", "quantElement")] == [
        1.262184977531433, 1.958230972290039]
    assert x(r, "VADD", "quantSetBin", "VALUES", 2, 1.262185, 1.958231, "quantElement",
             "BIN") == 1
    assert x(r, "VEMB", "quantSetBin", "quantElement") == [b"1", b"1"]
    assert x(r, "VINFO", "quantSetQ8")[1] == b"int8"
    assert x(r, "VINFO", "quantSetNoQ")[1] == b"f32"
    assert x(r, "VINFO", "quantSetBin")[1] == b"bin"
    raw = x(r, "VEMB", "quantSetQ8", "quantElement", "RAW")
    assert raw[0] == b"int8" and raw[1] == bytes([82, 127]) and len(raw) == 4
    assert float(raw[2]) == pytest.approx(2.3297596, rel=1e-6)
    assert float(raw[3]) == pytest.approx(0.8405292, rel=1e-6)
    raw = x(r, "VEMB", "quantSetNoQ", "quantElement", "RAW")
    assert raw[0] == b"f32" and len(raw) == 3 and len(raw[1]) == 8
    raw = x(r, "VEMB", "quantSetBin", "quantElement", "RAW")
    assert raw[0] == b"bin" and raw[1] == b"\x03" + b"\x00" * 7


def test_docs_reduce(r):
    values = [1.0 * i for i in range(1, 301)]
    assert x(r, "VADD", "setNotReduced", "VALUES", 300, *values, "element") == 1
    assert x(r, "VDIM", "setNotReduced") == 300
    assert x(r, "VADD", "setReduced", "REDUCE", 100, "VALUES", 300, *values, "element") == 1
    assert x(r, "VDIM", "setReduced") == 100
    info = x(r, "VINFO", "setReduced")
    assert info[6:8] == [b"projection-input-dim", 300]
    # the projection is deterministic: the same input lands on the same point
    assert x(r, "VADD", "setReduced", "REDUCE", 100, "VALUES", 300, *values, "other") == 1
    got = x(r, "VSIM", "setReduced", "VALUES", 300, *values, "WITHSCORES", "TRUTH")
    assert sorted(got[0::2]) == [b"element", b"other"]
    assert all(float(s) > 0.999 for s in got[1::2])
    assert len(x(r, "VEMB", "setReduced", "element")) == 100
    # the (compressible) matrix makes most of a small set's payload
    x(r, "VADD", "small", "REDUCE", 3, "VALUES", 6, 1, 2, 3, 4, 5, 6, "e")
    r.restore("small2", 0, r.dump("small"))
    assert x(r, "VEMB", "small2", "e") == x(r, "VEMB", "small", "e")
    assert x(r, "VINFO", "small2")[6:8] == [b"projection-input-dim", 6]


# ---- replies ------------------------------------------------------------------------


def test_vadd_update_and_attributes(r):
    assert x(r, "VADD", "s", "VALUES", 3, 1, 0, 0, "a", "SETATTR", '{"n": 1}') == 1
    assert x(r, "VADD", "s", "FP32", fp32(0, 1, 0), "b") == 1
    assert x(r, "VGETATTR", "s", "a") == b'{"n": 1}'
    assert x(r, "VGETATTR", "s", "b") is None
    assert x(r, "VGETATTR", "s", "nosuch") is None
    assert x(r, "VGETATTR", "nosuch", "a") is None
    # an update replaces the vector; attributes stay unless SETATTR is given
    assert x(r, "VADD", "s", "VALUES", 3, 0, 0, 1, "a") == 0
    assert x(r, "VEMB", "s", "a") == [b"0", b"0", b"1"]
    assert x(r, "VGETATTR", "s", "a") == b'{"n": 1}'
    assert x(r, "VADD", "s", "VALUES", 3, 0, 0, 1, "a", "SETATTR", "") == 0
    assert x(r, "VGETATTR", "s", "a") is None
    assert x(r, "VSETATTR", "s", "b", '{"k": "v"}') == 1
    assert x(r, "VINFO", "s")[13] == 1  # attributes-count
    assert x(r, "VSETATTR", "s", "b", "") == 1
    assert x(r, "VGETATTR", "s", "b") is None
    assert x(r, "VSETATTR", "s", "nosuch", "{}") == 0
    assert x(r, "VSETATTR", "nosuch", "a", "{}") == 0
    assert x(r, "VINFO", "s")[13] == 0
    # CAS is accepted (the insert runs inline)
    assert x(r, "VADD", "s", "VALUES", 3, 1, 1, 1, "c", "CAS") == 1
    assert x(r, "VCARD", "s") == 3
    # binary-safe element names
    assert x(r, "VADD", "s", "VALUES", 3, 1, 2, 3, b"\x00bin\r\n") == 1
    assert x(r, "VISMEMBER", "s", b"\x00bin\r\n") == 1


def test_vinfo_vlinks_missing(r):
    assert x(r, "VCARD", "nosuch") == 0
    assert x(r, "VINFO", "nosuch") is None
    assert x(r, "VEMB", "nosuch", "a") is None
    assert x(r, "VLINKS", "nosuch", "a") is None
    assert x(r, "VSIM", "nosuch", "VALUES", 1, 1) == []
    assert x(r, "VRANDMEMBER", "nosuch") is None
    assert x(r, "VRANDMEMBER", "nosuch", 3) == []
    assert x(r, "VRANGE", "nosuch", "-", "+") == []
    assert err(r, "VDIM", "nosuch") == "key does not exist"
    points(r)
    assert x(r, "VEMB", "points", "nosuch") is None
    assert x(r, "VLINKS", "points", "nosuch") is None
    info = x(r, "VINFO", "points")
    assert info[0::2] == [b"quant-type", b"hnsw-m", b"vector-dim", b"projection-input-dim",
                          b"size", b"max-level", b"attributes-count", b"vset-uid",
                          b"hnsw-max-node-uid"]
    assert info[1] == b"int8" and info[3] == 16 and info[5] == 2 and info[7] == 0
    assert info[9] == 5 and info[17] == 5
    links = x(r, "VLINKS", "points", "pt:A")
    assert set(links[-1]) == {b"pt:B", b"pt:C", b"pt:D", b"pt:E"}  # 5 nodes: all linked
    ws = x(r, "VLINKS", "points", "pt:A", "WITHSCORES")
    scores = dict(zip(ws[-1][0::2], ws[-1][1::2]))
    assert scores[b"pt:E"] == b"0.8535534143447876" and scores[b"pt:B"] == b"0"
    # links are reciprocal
    for e in (b"pt:B", b"pt:C", b"pt:D", b"pt:E"):
        assert b"pt:A" in x(r, "VLINKS", "points", e)[-1]
    assert x(r, "VADD", "m8", "VALUES", 1, 1, "a", "M", 8) == 1
    assert x(r, "VINFO", "m8")[3] == 8


def test_resp3_shapes(raw):
    c = raw()
    c.call("HELLO", "3")
    for name, v in [("a", (1, 0)), ("b", (0, 1)), ("c", (1, 1))]:
        c.call("VADD", "s", "VALUES", 2, *v, name)
    c.call("VSETATTR", "s", "a", '{"x": 1}')
    assert c.call("VSIM", "s", "ELE", "a", "TRUTH") == [b"a", b"c", b"b"]
    got = c.call("VSIM", "s", "ELE", "a", "WITHSCORES", "TRUTH")
    assert list(got) == [b"a", b"c", b"b"] and got[b"b"] == 0.5
    assert got[b"c"] == pytest.approx(0.85355339, abs=1e-6)
    got = c.call("VSIM", "s", "ELE", "a", "WITHATTRIBS", "TRUTH")
    assert got == {b"a": b'{"x": 1}', b"c": None, b"b": None}
    got = c.call("VSIM", "s", "ELE", "a", "WITHSCORES", "WITHATTRIBS", "TRUTH")
    assert got[b"a"][1] == b'{"x": 1}' and got[b"b"] == [0.5, None]
    info = c.call("VINFO", "s")
    assert info[b"quant-type"] == b"int8" and info[b"size"] == 3
    assert c.call("VISMEMBER", "s", "a") is True
    assert c.call("VADD", "s", "VALUES", 2, 1, 0, "a") is False
    links = c.call("VLINKS", "s", "a", "WITHSCORES")
    assert isinstance(links[-1], dict) and set(links[-1]) == {b"b", b"c"}
    emb = c.call("VEMB", "s", "b")
    assert emb == [0.0, 1.0]
    assert c.call("VINFO", "nosuch") is None


def test_vrandmember_and_vrange(r):
    names = [b"e%03d" % i for i in range(50)]
    for i, n in enumerate(names):
        x(r, "VADD", "s", "VALUES", 2, math.cos(i), math.sin(i), n)
    assert x(r, "VRANDMEMBER", "s") in names
    for k in (1, 5, 10, 30, 50, 100):
        got = x(r, "VRANDMEMBER", "s", k)
        assert len(got) == min(k, 50) and len(set(got)) == len(got) and set(got) <= set(names)
    got = x(r, "VRANDMEMBER", "s", -80)
    assert len(got) == 80 and set(got) <= set(names)
    assert x(r, "VRANDMEMBER", "s", 0) == []
    # streamd's own bound (as HRANDFIELD's): a reply that could never be sent
    assert err(r, "VRANDMEMBER", "s", -(2**62)) == "value is out of range"
    assert x(r, "VRANGE", "s", "-", "+") == names
    assert x(r, "VRANGE", "s", "-", "+", 3) == names[:3]
    assert x(r, "VRANGE", "s", "-", "+", -1) == names
    assert x(r, "VRANGE", "s", "-", "+", 0) == []
    assert x(r, "VRANGE", "s", "[e010", "(e013") == names[10:13]
    assert x(r, "VRANGE", "s", "(e010", "[e013") == names[11:14]
    assert x(r, "VRANGE", "s", "[e048", "+") == names[48:]
    assert x(r, "VRANGE", "s", "[f", "+") == []
    assert err(r, "VRANGE", "s", "+", "-") == \
        "'-' can only be used as first argument, '+' only as second"
    assert err(r, "VRANGE", "s", "e", "+") == "invalid start range format"
    assert err(r, "VRANGE", "s", "-", "[") == "invalid end range format"
    assert err(r, "VRANGE", "s", "-", "+", "x") == "invalid COUNT value"
    assert err(r, "VRANDMEMBER", "s", "x") == "COUNT value is not an integer"
    r.set("str", "v")
    assert x(r, "VRANDMEMBER", "str", 0) == []  # count 0 answers before the key is read


def test_odd_vectors(r):
    # zero, infinite and NaN components: stored and searched without harm
    for q in ("Q8", "NOQUANT", "BIN"):
        k = "odd" + q
        assert x(r, "VADD", k, "FP32", fp32(0, 0), "zero", q) == 1
        assert x(r, "VADD", k, "FP32", fp32(float("inf"), 1), "inf", q) == 1
        assert x(r, "VADD", k, "FP32", fp32(float("nan"), 1), "nan", q) == 1
        assert x(r, "VADD", k, "FP32", fp32(1e-42, 1e-44), "tiny", q) == 1
        assert x(r, "VADD", k, "VALUES", 2, 1, 2, "plain", q) == 1
        assert len(x(r, "VSIM", k, "ELE", "inf", "WITHSCORES")) == 10
        assert len(x(r, "VSIM", k, "FP32", fp32(float("nan"), 0), "TRUTH")) == 5
        assert x(r, "VEMB", k, "zero") == [b"0", b"0"] or q == "BIN"
    assert x(r, "VEMB", "oddBIN", "zero") == [b"-1", b"-1"]
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    # NaN norms compare by their text
    assert {k: repr(v) for k, v in snapshot(r).items()} == {k: repr(v) for k, v in before.items()}


# ---- errors ----------------------------------------------------------------------------


def test_vadd_errors(r):
    assert err(r, "VADD", "s", "VALUES", 2, 1) == "invalid vector specification"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2) == \
        "wrong number of arguments for 'vadd' command"
    assert err(r, "VADD", "s", "VALUES", 0, "a") == "invalid vector specification"
    assert err(r, "VADD", "s", "VALUES", 3, 1, 2, "a") == "invalid vector specification"
    assert err(r, "VADD", "s", "VALUES", 2, 1, "x", "a") == "invalid vector specification"
    assert err(r, "VADD", "s", "FP32", b"abc", "a") == "invalid vector specification"
    assert err(r, "VADD", "s", "FP16", b"abcd", "a") == "invalid vector specification"
    assert err(r, "VADD", "s", "REDUCE", 3, "VALUES", 2, 1, 2, "a") == \
        "invalid vector specification"
    assert err(r, "VADD", "s", "REDUCE", 0, "VALUES", 2, 1, 2, "a") == \
        "invalid vector specification"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "EF", 0) == "invalid EF"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "EF", 1000001) == "invalid EF"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "M", 0) == "invalid M"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "M", "x") == "invalid M"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "BOGUS") == "invalid option after element"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "a", "EF") == "invalid option after element"
    assert r.exists("s") == 0
    x(r, "VADD", "s", "VALUES", 2, 1, 2, "a")
    assert err(r, "VADD", "s", "VALUES", 3, 1, 2, 3, "b") == \
        "Vector dimension mismatch - got 3 but set has 2"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "b", "NOQUANT") == \
        "asked quantization mismatch with existing vector set"
    assert err(r, "VADD", "s", "VALUES", 2, 1, 2, "b", "M", 32) == \
        "asked M value mismatch with existing vector set"
    assert err(r, "VADD", "s", "REDUCE", 2, "VALUES", 2, 1, 2, "b") == \
        "cannot add projection to existing set without projection"
    x(r, "VADD", "p", "REDUCE", 2, "VALUES", 4, 1, 2, 3, 4, "a")
    assert err(r, "VADD", "p", "REDUCE", 3, "VALUES", 4, 1, 2, 3, 4, "b") == \
        "Vector dimension mismatch - got 4 but set has 2"
    assert err(r, "VADD", "p", "VALUES", 4, 1, 2, 3, 4, "b") == \
        "Vector dimension mismatch - got 4 but set has 2"
    assert err(r, "VADD", "p", "REDUCE", 2, "VALUES", 3, 1, 2, 3, "b") == \
        "Input dimension mismatch for projection - got 3 but projection expects 4"
    r.set("str", "v")
    # option errors come before the key is read, WRONGTYPE after
    assert err(r, "VADD", "str", "VALUES", 2, 1, 2, "a", "BOGUS") == "invalid option after element"
    assert err(r, "VADD", "str", "VALUES", 2, 1, 2, "a").startswith("WRONGTYPE")


def test_vsim_errors(r):
    points(r)
    assert err(r, "VSIM", "points", "ELE", "nosuch") == "element not found in set"
    assert err(r, "VSIM", "points", "VALUES", 3, 1, 2, 3) == \
        "Vector dimension mismatch - got 3 but set has 2"
    assert err(r, "VSIM", "points", "BOGUS", 1) == "invalid vector specification"
    assert err(r, "VSIM", "points", "VALUES", 2, 1, "x") == "invalid vector specification"
    base = ["VSIM", "points", "ELE", "pt:A"]
    assert err(r, *base, "COUNT", 0) == "invalid COUNT"
    assert err(r, *base, "COUNT", "x") == "invalid COUNT"
    assert err(r, *base, "EPSILON", 0) == "invalid EPSILON"
    assert err(r, *base, "EF", 0) == "invalid EF"
    assert err(r, *base, "FILTER-EF", 0) == "invalid FILTER-EF"
    assert err(r, *base, "BOGUS") == "syntax error in VSIM command"
    assert err(r, *base, "COUNT") == "syntax error in VSIM command"
    assert err(r, *base, "FILTER", ".a == 'x") == \
        "syntax error in FILTER expression near: .a == 'x"
    assert err(r, *base, "FILTER", ".a == foo") == "syntax error in FILTER expression near: .a == foo"
    assert err(r, *base, "FILTER", ".a ==") == "syntax error in FILTER expression near: .a =="
    assert err(r, *base, "FILTER", "(.a == 1") == "syntax error in FILTER expression near: (.a == 1"
    assert err(r, *base, "FILTER", ".a == 1 @ 2") == "syntax error in FILTER expression near: @ 2"
    r.set("str", "v")
    assert err(r, "VSIM", "str", "VALUES", 2, 1, 1).startswith("WRONGTYPE")


def test_other_errors(r):
    points(r)
    assert err(r, "VEMB", "points", "pt:A", "BOGUS") == "invalid option"
    assert err(r, "VLINKS", "points", "pt:A", "BOGUS") == \
        "wrong number of arguments for 'vlinks' command"
    assert err(r, "VLINKS", "points", "pt:A", "WITHSCORES", "x") == \
        "wrong number of arguments for 'vlinks' command"
    assert err(r, "VRANDMEMBER", "points", 1, 2) == \
        "wrong number of arguments for 'vrandmember' command"
    assert err(r, "VRANGE", "points", "-", "+", 1, 2) == \
        "wrong number of arguments for 'vrange' command"
    assert err(r, "VCARD") == "wrong number of arguments for 'vcard' command"
    r.set("str", "v")
    for cmd in (["VREM", "str", "a"], ["VCARD", "str"], ["VDIM", "str"], ["VEMB", "str", "a"],
                ["VISMEMBER", "str", "a"], ["VGETATTR", "str", "a"], ["VSETATTR", "str", "a", "{}"],
                ["VINFO", "str"], ["VLINKS", "str", "a"], ["VRANDMEMBER", "str"],
                ["VRANGE", "str", "-", "+"]):
        assert err(r, *cmd).startswith("WRONGTYPE"), cmd
    assert err(r, "GET", "points").startswith("WRONGTYPE")
    assert err(r, "LPUSH", "points", "x").startswith("WRONGTYPE")


# ---- search -----------------------------------------------------------------------------


def test_truth_and_recall(r):
    rnd = random.Random(7)
    dim = 16
    vecs = {}
    pipe = r.pipeline(transaction=False)
    for i in range(1500):
        v = [rnd.uniform(-1, 1) for _ in range(dim)]
        vecs[b"e%d" % i] = v
        pipe.execute_command("VADD", "big", "FP32", fp32(*v), b"e%d" % i, "NOQUANT")
    assert all(pipe.execute())

    def cos(a, b):
        return sum(p * q for p, q in zip(a, b)) / math.sqrt(
            sum(p * p for p in a) * sum(q * q for q in b))

    hits = total = 0
    for _ in range(30):
        q = [rnd.uniform(-1, 1) for _ in range(dim)]
        truth = x(r, "VSIM", "big", "FP32", fp32(*q), "COUNT", 10, "TRUTH", "WITHSCORES")
        want = sorted(vecs, key=lambda k: -cos(vecs[k], q))[:10]
        # TRUTH is exact: the brute-force order (ties aside)
        assert truth[0::2][:3] == want[:3]
        for name, score in zip(truth[0::2], truth[1::2]):
            assert float(score) == pytest.approx((1 + cos(vecs[name], q)) / 2, abs=1e-5)
        got = x(r, "VSIM", "big", "FP32", fp32(*q), "COUNT", 10)
        hits += len(set(got) & set(truth[0::2]))
        total += 10
    assert hits / total >= 0.85
    # EF larger than the set, COUNT larger than EF
    assert len(x(r, "VSIM", "big", "ELE", "e1", "COUNT", 2000, "EF", 5)) == 1500
    assert x(r, "VSIM", "big", "ELE", "e1", "COUNT", 1, "NOTHREAD") == [b"e1"]


def test_filter(r):
    movies = [("m1", 1984, "action", 8.1, '["a","b"]'), ("m2", 1999, "drama", 7.0, '["c"]'),
              ("m3", 2010, "action", 6.5, '[]'), ("m4", 1970, "comedy", 9.0, '["a"]')]
    for i, (name, year, genre, rating, tags) in enumerate(movies):
        attrs = '{"year": %d, "genre": "%s", "rating": %s, "tags": %s, "ok": %s}' % (
            year, genre, rating, tags, "true" if i % 2 == 0 else "false")
        x(r, "VADD", "mv", "VALUES", 2, math.cos(i), math.sin(i), name, "SETATTR", attrs)
    x(r, "VADD", "mv", "VALUES", 2, 1, 1, "noattrs")
    x(r, "VADD", "mv", "VALUES", 2, 1, 2, "notjson", "SETATTR", "not json")

    def f(expr):
        out = set()
        for extra in ([], ["TRUTH"]):
            got = x(r, "VSIM", "mv", "VALUES", 2, 1, 0, "COUNT", 10, "FILTER", expr, *extra)
            out.add(tuple(sorted(got)))
        assert len(out) == 1, expr  # the graph and the scan agree on 6 elements
        return set(out.pop())

    assert f(".year > 1980") == {b"m1", b"m2", b"m3"}
    assert f(".year > 1980 and .genre == 'action'") == {b"m1", b"m3"}
    assert f('.year > 1980 && .genre == "action"') == {b"m1", b"m3"}
    assert f(".year < 1980 or .rating > 8") == {b"m1", b"m4"}
    assert f(".year < 1980 || .rating > 8") == {b"m1", b"m4"}
    assert f("not (.year > 1980)") == {b"m4"}
    assert f("!(.year > 1980)") == {b"m4"}
    assert f(".genre in ['action', 'comedy']") == {b"m1", b"m3", b"m4"}
    assert f(".year in [1984, 1999]") == {b"m1", b"m2"}
    assert f("'a' in .tags") == {b"m1", b"m4"}
    assert f("'ct' in .genre") == {b"m1", b"m3"}  # substring of a string
    assert f(".ok") == {b"m1", b"m3"}
    assert f(".ok == 1") == {b"m1", b"m3"}
    assert f("(.year - 1900) * 2 >= 200") == {b"m3"}
    assert f(".year % 10 == 0") == {b"m3", b"m4"}
    assert f("2 ** 3 ** 2 == 512 and .year") == {b"m1", b"m2", b"m3", b"m4"}
    assert f(".rating >= 8.1") == {b"m1", b"m4"}
    assert f(".missing == 1") == set()
    assert f("not .missing") == set()  # a missing field fails the element
    # no selector: any element with attributes, JSON or not
    assert f("1") == {b"m1", b"m2", b"m3", b"m4", b"notjson"}
    assert f(".genre == null") == set()
    assert f(".year != 1984") == {b"m2", b"m3", b"m4"}
    assert f("-1 < .year") == {b"m1", b"m2", b"m3", b"m4"}
    got = x(r, "VSIM", "mv", "VALUES", 2, 1, 0, "FILTER", ".year > 1980", "FILTER-EF", 1000,
            "WITHATTRIBS", "TRUTH")
    assert dict(zip(got[0::2], got[1::2]))[b"m2"].startswith(b'{"year": 1999')


# ---- keyspace, MULTI, notifications -----------------------------------------------------


def test_keyspace_and_multi(r):
    points(r)
    assert r.copy("points", "p2") == 1
    assert x(r, "VCARD", "p2") == 5 and snapshot(r)[b"p2"][1] == snapshot(r)[b"points"][1]
    x(r, "VREM", "p2", "pt:A")
    assert x(r, "VCARD", "points") == 5  # a deep copy
    assert r.rename("p2", "p3") and x(r, "VCARD", "p3") == 4
    assert r.expire("p3", 100) and 0 < r.ttl("p3") <= 100
    assert r.scan(0, _type="vectorset")[1] and set(r.scan(0, _type="vectorset")[1]) == {
        b"points", b"p3"}
    assert r.memory_usage("points") > 100
    for e in (b"pt:B", b"pt:C", b"pt:D", b"pt:E", b"pt:A"):
        x(r, "VREM", "points", e)
    assert r.exists("points") == 0  # the last element takes the key with it
    p = r.pipeline(transaction=True)
    p.execute_command("VADD", "m", "VALUES", 2, 1, 0, "a")
    p.execute_command("VADD", "m", "VALUES", 2, 0, 1, "b", "CAS")
    p.execute_command("VSIM", "m", "ELE", "a", "TRUTH")
    assert p.execute() == [1, 1, [b"a", b"b"]]


def test_acl_category(r):
    got = set(x(r, "ACL", "CAT", "vectorset"))
    assert got == {b"vadd", b"vcard", b"vdim", b"vemb", b"vgetattr", b"vinfo", b"vismember",
                   b"vlinks", b"vrandmember", b"vrem", b"vsetattr", b"vsim", b"vrange"}
    assert got & set(x(r, "ACL", "CAT", "write")) == {b"vadd", b"vrem", b"vsetattr"}
    assert b"vectorset" in x(r, "ACL", "CAT")
    r.acl_setuser("u", enabled=True, nopass=True, commands=["+@all", "-@vectorset"], keys=["*"])
    u = r.client().__class__(host=r.connection_pool.connection_kwargs["host"],
                             port=r.connection_pool.connection_kwargs["port"],
                             username="u", password="x")
    with pytest.raises(Exception, match="no permissions to run the .vcard. command"):
        u.execute_command("VCARD", "k")
    assert u.get("k") is None
    r.acl_deluser("u")


def test_notifications(r, flags, sub):  # noqa: F811
    flags("KEA")
    x(r, "VADD", "s", "VALUES", 1, 1, "a")
    x(r, "VADD", "s", "VALUES", 1, 1, "b")
    x(r, "VSETATTR", "s", "a", "{}")
    x(r, "VREM", "s", "a")
    x(r, "VREM", "s", "b")
    # the module fires no events of its own
    assert [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")] == []
    flags("KEn")  # the key's creation is "new", as for any key
    x(r, "VADD", "s", "VALUES", 1, 1, "a")
    x(r, "VADD", "s", "VALUES", 1, 1, "b")
    assert drain(r, sub) == [(b"__keyspace@0__:s", b"new"), (b"__keyevent@0__:new", b"s")]


# ---- persistence -------------------------------------------------------------------------


def fill(c):
    rnd = random.Random(3)
    for q in ("Q8", "NOQUANT", "BIN"):
        for i in range(120):
            v = [rnd.uniform(-1, 1) for _ in range(8)]
            args = ["VADD", "s" + q, "VALUES", 8, *v, "e%d" % i, q, "M", 6]
            if i % 3 == 0:
                args += ["SETATTR", '{"i": %d}' % i]
            x(c, *args)
    x(c, "VADD", "red", "REDUCE", 3, "VALUES", 5, 1, 2, 3, 4, 5, "a")
    x(c, "VADD", "red", "REDUCE", 3, "VALUES", 5, 5, 4, 3, 2, 1, "b")
    for i in range(0, 120, 4):
        x(c, "VREM", "sQ8", "e%d" % i)


def test_debug_reload_and_dump(r):
    fill(r)
    before = snapshot(r)
    links = x(r, "VLINKS", "sQ8", "e1")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    assert x(r, "VLINKS", "sQ8", "e1") == links  # the graph itself is kept
    d = r.dump("sQ8")
    assert d[0] == 7  # RDB_TYPE_MODULE_2
    # the module id of "vectorset", encoding version 0, as a 64-bit length
    assert d[1] == 0x81
    mid = struct.unpack(">Q", d[2:10])[0]
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    name = "".join(chars[(mid >> (10 + 6 * (8 - i))) & 63] for i in range(9))
    assert name == "vectorset" and mid & 1023 == 0
    r.restore("copy", 0, d)
    assert snapshot(r)[b"copy"][1] == before[b"sQ8"][1]
    with pytest.raises(ResponseError, match="BUSYKEY"):
        r.restore("copy", 0, d)
    # a damaged payload is refused whole
    body = d[:-10]
    bad_op = bytearray(body)
    bad_op[12] ^= 0x5A  # the count's opcode
    for bad in (bytes(bad_op), body[:len(body) // 2], body[:-1], body + b"\x00",
                body[:10] + b"\x02\x00" + body[12:]):  # dimension 0
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad", 0, reseal(bad + d[-10:]))
    assert r.exists("bad") == 0


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 2**32:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def module_id(name, encver):
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    mid = 0
    for ch in name:
        mid = (mid << 6) | chars.index(ch)
    return (mid << 10) | encver


def m_uint(n):
    return b"\x02" + rdb_len(n)


def m_str(b):
    return b"\x05" + rdb_len(len(b)) + b


def f32bits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def test_restore_payload_as_redis_writes_it(r):
    # Built by hand in the module's layout: dimension, count, quantization
    # (Q8) | M << 8, flags (attributes), then per node its name, attributes,
    # vector and graph parameters (id, level | version << 24, per level the
    # link count, capacity, links and worst link, then l2 | range << 32).
    def node(nid, q, links, l2, rng):
        params = [nid, 1 << 24, len(links), 32, *links, 0, f32bits(rng) << 32 | f32bits(l2)]
        return m_uint(len(params)) + b"".join(m_uint(p) for p in params)

    body = (b"\x07" + rdb_len(module_id("vectorset", 0)) + m_uint(2) + m_uint(2) +
            m_uint(1 | 16 << 8) + m_uint(2) +
            m_str(b"a") + m_str(b'{"x": 1}') + m_str(bytes([127, 0])) + node(1, 0, [2], 2.0, 1.0) +
            m_str(b"b") + m_str(b"") + m_str(bytes([0, 127])) + node(2, 0, [1], 1.0, 1.0) +
            b"\x00")
    r.restore("v", 0, seal(body, 12))
    assert x(r, "VEMB", "v", "a") == [b"2", b"0"]
    assert x(r, "VEMB", "v", "b") == [b"0", b"1"]
    assert x(r, "VGETATTR", "v", "a") == b'{"x": 1}' and x(r, "VGETATTR", "v", "b") is None
    assert x(r, "VLINKS", "v", "a") == [[b"b"]]
    info = x(r, "VINFO", "v")
    assert info[1] == b"int8" and info[9] == 2 and info[13] == 1 and info[17] == 2
    assert x(r, "VSIM", "v", "VALUES", 2, 1, 0.1) == [b"a", b"b"]
    # streamd writes the same header and nodes back (the last loaded first,
    # as Redis keeps them)
    d = r.dump("v")
    head = body[:body.index(b"\x05\x01a")]
    assert d.startswith(head + m_str(b"b") + m_str(b"") + m_str(bytes([0, 127])))
    assert m_str(b"a") + m_str(b'{"x": 1}') + m_str(bytes([127, 0])) in d
    # broken links: one-way, to a missing id, a worst index past the links
    for bad in (node(1, 0, [], 2.0, 1.0), node(1, 0, [9], 2.0, 1.0), node(1, 0, [2, 2], 2.0, 1.0)):
        b2 = (b"\x07" + rdb_len(module_id("vectorset", 0)) + m_uint(2) + m_uint(2) +
              m_uint(1 | 16 << 8) + m_uint(0) + m_str(b"a") + m_str(bytes([127, 0])) + bad +
              m_str(b"b") + m_str(bytes([0, 127])) + node(2, 0, [1], 1.0, 1.0) + b"\x00")
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad", 0, seal(b2, 12))
    # an encoding version the module does not have
    b3 = bytearray(body)
    b3[1:10] = rdb_len(module_id("vectorset", 1))
    with pytest.raises(ResponseError, match="Bad data format"):
        r.restore("bad", 0, seal(bytes(b3), 12))


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    fill(c)
    x(c, "VADD", "sQ8", "VALUES", 8, *([0.5] * 8), "e1", "Q8", "M", 6)  # an update
    x(c, "VSETATTR", "sNOQUANT", "e1", '{"z": 1}')
    c.restore("restored", 0, c.dump("sBIN"))
    before = snapshot(c)
    srv.restart()  # the records replayed
    c = srv.client()
    after = snapshot(c)
    assert set(after) == set(before)
    for k in before:
        # replayed VADDs quantize the same vectors the same way
        assert after[k] == before[k], k
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
