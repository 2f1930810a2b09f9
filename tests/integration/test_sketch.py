"""Redis 8's count-min sketch, Top-K and t-digest (CMS.*, TOPK.*, TDIGEST.*),
written from the command documentation and RedisBloom's own tests and
handlers, since Redis 7.0 has none of them: the docs' examples with their
replies, RedisBloom's test expectations (which pin down the MurmurHash2
placement: in a 5x2 sketch "c" lands on both of "b"'s counters), every error
text, RESP2 and RESP3 reply bytes, WRONGTYPE both ways, the keyspace commands
on these values, MULTI, ACL categories, and persistence (DEBUG RELOAD, AOF
replay and rewrite as RESTORE records, DUMP/RESTORE with module type 7 and
hostile payloads refused)."""

import os
import struct

import pytest
from redis.exceptions import ResponseError

from testlib.dumppayload import enc_len, enc_lzf_literal, enc_string, reseal, seal
from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import aof_dir, wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

TOPK_BAD_INCR = ("TopK: increment must be an integer greater or equal to 0" + " " * 28
                 + "and smaller or equal to 100,000")


# ---- count-min sketch ---------------------------------------------------------------


def test_cms_docs_and_redisbloom_examples(r):
    assert x(r, "CMS.INITBYDIM", "test", 2000, 5) == b"OK"
    assert x(r, "CMS.INCRBY", "test", "foo", 10, "bar", 42) == [10, 42]
    assert x(r, "CMS.QUERY", "test", "foo", "bar", "nosuch") == [10, 42, 0]
    assert x(r, "CMS.INFO", "test") == [b"width", 2000, b"depth", 5, b"count", 52]
    assert x(r, "CMS.INITBYPROB", "p", "0.001", "0.01") == b"OK"
    assert x(r, "CMS.INFO", "p")[:4] == [b"width", 2000, b"depth", 7]
    assert x(r, "CMS.INITBYPROB", "p2", "0.1", "0.1") == b"OK"
    assert x(r, "CMS.INFO", "p2")[:4] == [b"width", 20, b"depth", 4]
    # RedisBloom's test_overflow: "c" shares both of "b"'s counters
    big = 2**31 - 1
    x(r, "CMS.INITBYDIM", "o", 5, 2)
    assert x(r, "CMS.INCRBY", "o", "a", big, "b", 10, "c", 7, "d", 5) == [big, 10, 17, 5]
    assert x(r, "CMS.QUERY", "o", "a", "b", "c", "d") == [big, 17, 17, 5]
    assert x(r, "CMS.INCRBY", "o", "a", big, "b", 10, "c", 7, "d", 5) == [2 * big, 27, 34, 10]
    res = x(r, "CMS.INCRBY", "o", "a", big, "b", 10, "c", 7, "d", 5)
    assert isinstance(res[0], ResponseError) and str(res[0]) == "CMS: INCRBY overflow"
    assert res[1:] == [44, 51, 15]
    assert x(r, "CMS.QUERY", "o", "a", "b", "c", "d") == [2 * big, 51, 51, 15]
    assert x(r, "CMS.INFO", "o")[5] == 2 * (big + 22) + 22
    # zero increments and a 2x2 sketch
    x(r, "CMS.INITBYDIM", "s", 2, 2)
    assert x(r, "CMS.INCRBY", "s", "foo", 10, "bar", 42) == [10, 42]
    assert x(r, "CMS.INCRBY", "s", "foo", 0, "bar", 0) == [10, 42]
    # the redis-py helper (it installs its own reply callbacks: last)
    cms = r.cms()
    assert cms.initbydim("h", 20, 5)
    assert cms.incrby("h", ["a"], [5]) == [5]
    assert cms.query("h", "a") == [5]
    assert cms.info("h").count == 5


def test_cms_merge(r):
    for k in ("a", "b", "d", "big"):
        x(r, "CMS.INITBYDIM", k, 1000 if k != "big" else 2000, 5)
    for i in range(100):
        x(r, "CMS.INCRBY", "a", "foo%d" % i, 1)
        x(r, "CMS.INCRBY", "b", "bar%d" % i, 1)
    assert x(r, "CMS.MERGE", "d", 2, "a", "b") == b"OK"
    assert x(r, "CMS.QUERY", "d", "foo1", "bar2", "baz") == [1, 1, 0]
    assert x(r, "CMS.INFO", "d")[5] == 200
    assert x(r, "CMS.MERGE", "d", 2, "d", "b", "WEIGHTS", 1, -1) == b"OK"
    assert x(r, "CMS.QUERY", "d", "foo1", "bar2") == [1, 0]
    assert x(r, "CMS.INFO", "d")[5] == 100
    assert x(r, "CMS.MERGE", "d", 2, "a", "b", "weights", 3, 2) == b"OK"
    assert x(r, "CMS.QUERY", "d", "foo1", "bar2") == [3, 2]
    # removing b twice goes negative: refused, d unchanged
    assert err(r, "CMS.MERGE", "d", 2, "a", "b", "WEIGHTS", 1, -1) == "CMS: MERGE overflow"
    assert x(r, "CMS.QUERY", "d", "foo1", "bar2") == [3, 2]
    assert err(r, "CMS.MERGE", "d", 2, "a", "big") == "CMS: width/depth is not equal"
    assert err(r, "CMS.MERGE", "d", 2, "a", "nosuch") == "CMS: key does not exist"
    assert err(r, "CMS.MERGE", "nosuch", 1, "a") == "CMS: key does not exist"
    assert err(r, "CMS.MERGE", "d", "x", "a") == "CMS: invalid numkeys"
    assert err(r, "CMS.MERGE", "d", 0, "a") == "CMS: Number of keys must be positive"
    assert err(r, "CMS.MERGE", "d", -1, "a") == "CMS: Number of keys must be positive"
    assert err(r, "CMS.MERGE", "d", 2, "a") == "CMS: wrong number of keys"
    assert err(r, "CMS.MERGE", "d", 1, "a", "WEIGHTS") == "CMS: wrong number of keys/weights"
    assert err(r, "CMS.MERGE", "d", 1, "a", "WEIGHTS", 1, 2) == "CMS: wrong number of keys/weights"
    assert err(r, "CMS.MERGE", "d", 1, "a", "WEIGHTS", "x") == "CMS: invalid weight value"
    assert err(r, "CMS.MERGE", "d", 1, "a", "WEIGHTS", "1.5") == "CMS: invalid weight value"


def test_cms_errors(r):
    r.set("str", "v")
    assert err(r, "CMS.INITBYDIM", "str", 10, 10) == "CMS: key already exists"
    x(r, "CMS.INITBYDIM", "c", 10, 10)
    assert err(r, "CMS.INITBYDIM", "c", 0, 0) == "CMS: key already exists"
    assert err(r, "CMS.INITBYPROB", "c", "0.1", "0.1") == "CMS: key already exists"
    for w, d, e in (("0", "5", "width"), ("x", "5", "width"), ("-1", "5", "width"),
                    ("1.5", "5", "width"), ("5", "0", "depth"), ("5", "y", "depth")):
        assert err(r, "CMS.INITBYDIM", "n", w, d) == "CMS: invalid " + e
    assert err(r, "CMS.INITBYDIM", "n", 8589934592, 8589934592) == "CMS: invalid init arguments"
    assert err(r, "CMS.INITBYDIM", "n", 2**40, 1) == "CMS: invalid init arguments"
    for e, p in (("0", "0.5"), ("1", "0.5"), ("x", "0.5"), ("nan", "0.5"), ("-0.1", "0.5")):
        assert err(r, "CMS.INITBYPROB", "n", e, p) == "CMS: invalid overestimation value"
    for p in ("0", "1", "x", "2"):
        assert err(r, "CMS.INITBYPROB", "n", "0.1", p) == "CMS: invalid prob value"
    assert err(r, "CMS.INITBYPROB", "n", "0.9", "0.9999999999999999") == "CMS: invalid init arguments"
    assert err(r, "CMS.INITBYPROB", "n", "0.0000000000000000001", "0.9") == \
        "CMS: invalid init arguments"
    assert r.exists("n") == 0
    assert err(r, "CMS.INCRBY", "nosuch", "a", 1) == "CMS: key does not exist"
    assert err(r, "CMS.QUERY", "nosuch", "a") == "CMS: key does not exist"
    assert err(r, "CMS.INFO", "nosuch") == "CMS: key does not exist"
    assert err(r, "CMS.INCRBY", "c", "a", "x") == "CMS: Cannot parse number"
    assert err(r, "CMS.INCRBY", "c", "a", 1, "b", -1) == "CMS: Number cannot be negative"
    assert x(r, "CMS.QUERY", "c", "a") == [0]  # validated before anything changed
    assert "wrong number of arguments" in err(r, "CMS.INCRBY", "c", "a", 1, "b")
    assert "wrong number of arguments" in err(r, "CMS.INITBYDIM", "c", 1)
    assert "wrong number of arguments" in err(r, "CMS.QUERY", "c")
    for cmd in (("CMS.INCRBY", "str", "a", 1), ("CMS.QUERY", "str", "a"), ("CMS.INFO", "str"),
                ("CMS.MERGE", "str", 1, "c"), ("CMS.MERGE", "c", 1, "str")):
        assert err(r, *cmd).startswith("WRONGTYPE")
    assert err(r, "GET", "c").startswith("WRONGTYPE")
    assert err(r, "LPUSH", "c", "x").startswith("WRONGTYPE")


# ---- Top-K -------------------------------------------------------------------------


def test_topk_redisbloom_examples(r):
    assert x(r, "TOPK.RESERVE", "topk", 20, 50, 5, "0.9") == b"OK"
    assert x(r, "TOPK.ADD", "topk", "a") == [None]
    assert x(r, "TOPK.ADD", "topk", "a", "b") == [None, None]
    assert x(r, "TOPK.QUERY", "topk", "a", "c") == [1, 0]
    assert x(r, "TOPK.COUNT", "topk", "a", "b", "c") == [2, 1, 0]
    # test_incrby: decay 1, nothing left to chance
    x(r, "TOPK.RESERVE", "i", 3, 10, 3, 1)
    assert x(r, "TOPK.INCRBY", "i", "bar", 3, "baz", 6, "42", 2) == [None, None, None]
    assert x(r, "TOPK.INCRBY", "i", "42", 8, "xyzzy", 4) == [None, b"bar"]
    assert x(r, "TOPK.COUNT", "i", "bar", "baz", "42", "xyzzy", 4) == [3, 6, 10, 4, 0]
    res = x(r, "TOPK.INCRBY", "i", "foo", -5)
    assert isinstance(res[0], ResponseError) and str(res[0]) == TOPK_BAD_INCR
    res = x(r, "TOPK.INCRBY", "i", "foo", 123456, "baz", 1)
    assert str(res[0]) == TOPK_BAD_INCR and res[1] is None
    # test_list_with_count and test_no_init_params (defaults 8, 7, 0.9)
    x(r, "TOPK.RESERVE", "l", 3)
    x(r, "TOPK.ADD", "l", "foo", "bar", "baz", "42", "foo", "bar", "baz")
    x(r, "TOPK.ADD", "l", "foo", "baz", "42", "foo")
    x(r, "TOPK.ADD", "l", "foo", "bar", "baz", "foo")
    assert x(r, "TOPK.LIST", "l", "WITHCOUNT") == [b"foo", 6, b"baz", 4, b"bar", 3]
    assert x(r, "TOPK.LIST", "l") == [b"foo", b"baz", b"bar"]
    assert x(r, "TOPK.LIST", "l", "with") == [b"foo", 6, b"baz", 4, b"bar", 3]  # a prefix
    info = x(r, "TOPK.INFO", "l")
    assert info[:6] == [b"k", 3, b"width", 8, b"depth", 7] and info[6] == b"decay"
    assert float(info[7]) == 0.9
    # test_list_info: 'foo' pushed out by 'bar'
    x(r, "TOPK.RESERVE", "li", 2, 50, 5, "0.9")
    x(r, "TOPK.ADD", "li", "foo", "bar", "baz", "42", "foo", "bar", "baz")
    x(r, "TOPK.ADD", "li", "foo", "baz", "42", "foo", "baz")
    x(r, "TOPK.ADD", "li", "foo", "bar", "baz", "foo", "baz")
    assert x(r, "TOPK.LIST", "li") == [b"foo", b"baz"]
    # bar reaches baz's and foo's count (6) on its third addition: an equal
    # count takes the least entry's place
    assert x(r, "TOPK.ADD", "li", "bar", "bar", "bar", "bar", "bar") == [None, None, b"foo", None, None]
    assert x(r, "TOPK.LIST", "li") == [b"bar", b"baz"]
    # test_empty_string and binary items
    x(r, "TOPK.RESERVE", "e", 3)
    x(r, "TOPK.ADD", "e", "", b"Lets\nCrash")
    assert x(r, "TOPK.LIST", "e", "withcount") == [b"", 1, b"Lets\nCrash", 1]
    assert x(r, "TOPK.QUERY", "e", "", "x") == [1, 0]
    x(r, "TOPK.INCRBY", "e", "", 100)
    assert x(r, "TOPK.LIST", "e", "withcount")[:2] == [b"", 101]
    # the redis-py helper
    t = r.topk()
    assert t.reserve("h", 5, 20, 3, 0.9)
    assert t.add("h", "x", "y") == [None, None]
    assert t.list("h") == [b"x", b"y"] or t.list("h") == ["x", "y"]


def test_topk_lookup_table_and_heavy_hitters(r):
    x(r, "TOPK.RESERVE", "t", 1, 3, 3, ".9")
    x(r, "TOPK.INCRBY", "t", "bar", 300, "baz", 600, "42", 200)
    x(r, "TOPK.INCRBY", "t", "42", 80, "xyzzy", 400)
    assert x(r, "TOPK.LIST", "t") == [b"baz"]
    x(r, "TOPK.RESERVE", "h", 100, 1000, 5, "0.9")
    for _ in range(10):
        x(r, "TOPK.ADD", "h", *[i * 100 for i in range(50)])
    for _ in range(5):
        x(r, "TOPK.ADD", "h", *range(5000))
    lst = x(r, "TOPK.LIST", "h")
    assert len(lst) == 100 and sum(1 for v in lst if int(v) % 100 == 0) > 45


def test_topk_errors(r):
    r.set("str", "v")
    assert err(r, "TOPK.RESERVE", "str", 3) == "TopK: key already exists"
    x(r, "TOPK.RESERVE", "t", 2, 50, 5, "0.9")
    assert err(r, "TOPK.RESERVE", "t", 2, 50, 5, "0.9") == "TopK: key already exists"
    for args, e in (((0,), "k"), (("x",), "k"), (("0.9", 50, 5, "0.9"), "k"),
                    ((20, "x", 5, "0.9"), "width"), ((20, "0.9", 5, "0.9"), "width"),
                    ((20, 0, 5, "0.9"), "width"), ((20, 2**32, 5, "0.9"), "width"),
                    ((20, 50, "x", "0.9"), "depth"), ((20, 50, "0.9", "0.9"), "depth")):
        assert err(r, "TOPK.RESERVE", "n", *args) == "TopK: invalid " + e
    for decay in ("x", "42", "0", "-1", "1.0001"):
        assert err(r, "TOPK.RESERVE", "n", 20, 50, 5, decay) == \
            "TopK: invalid decay value. must be '<= 1' & '> 0'"
    for argc in (("n",), ("n", 1, 2), ("n", 1, 2, 3), ("n", 1, 2, 3, 4, 5)):
        assert "wrong number of arguments" in err(r, "TOPK.RESERVE", *argc)
    assert err(r, "TOPK.LIST", "t", "_topk_") == "WITHCOUNT keyword expected"
    assert err(r, "TOPK.LIST", "nosuch", "_topk_") == "WITHCOUNT keyword expected"
    assert "wrong number of arguments" in err(r, "TOPK.LIST", "t", "WITHCOUNT", "x")
    assert "wrong number of arguments" in err(r, "TOPK.INFO", "t", "x")
    assert "wrong number of arguments" in err(r, "TOPK.INCRBY", "t", "a", 1, "b")
    for cmd in ("TOPK.ADD", "TOPK.QUERY", "TOPK.COUNT"):
        assert err(r, cmd, "nosuch", "a") == "TopK: key does not exist"
        assert err(r, cmd, "str", "a").startswith("WRONGTYPE")
    assert err(r, "TOPK.LIST", "nosuch") == "TopK: key does not exist"
    assert err(r, "TOPK.INFO", "nosuch") == "TopK: key does not exist"
    assert err(r, "TOPK.INCRBY", "nosuch", "a", 1) == "TopK: key does not exist"
    assert err(r, "SADD", "t", "x").startswith("WRONGTYPE")


# ---- t-digest ----------------------------------------------------------------------


def test_tdigest_docs_examples(r):
    assert x(r, "TDIGEST.CREATE", "t", "COMPRESSION", 100) == b"OK"
    assert x(r, "TDIGEST.ADD", "t", 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5) == b"OK"
    assert x(r, "TDIGEST.QUANTILE", "t", 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1) == \
        [b"1", b"2", b"3", b"3", b"4", b"4", b"4", b"5", b"5", b"5", b"5"]
    assert x(r, "TDIGEST.CDF", "t", 0, 1, 2, 3, 4, 5, 6) == \
        [b"0", b"0.033333333333333333", b"0.13333333333333333", b"0.29999999999999999",
         b"0.53333333333333333", b"0.83333333333333337", b"1"]
    assert x(r, "TDIGEST.BYRANK", "t", *range(16)) == \
        [b"1", b"2", b"2", b"3", b"3", b"3", b"4", b"4", b"4", b"4", b"5", b"5", b"5", b"5",
         b"5", b"inf"]
    assert x(r, "TDIGEST.BYREVRANK", "t", *range(16)) == \
        [b"5", b"5", b"5", b"5", b"5", b"4", b"4", b"4", b"4", b"3", b"3", b"3", b"2", b"2",
         b"1", b"-inf"]
    assert x(r, "TDIGEST.MIN", "t") == b"1" and x(r, "TDIGEST.MAX", "t") == b"5"
    x(r, "TDIGEST.CREATE", "s")
    x(r, "TDIGEST.ADD", "s", 10, 20, 30, 40, 50, 60)
    assert x(r, "TDIGEST.RANK", "s", 0, 10, 20, 30, 40, 50, 60, 70) == [-1, 0, 1, 2, 3, 4, 5, 6]
    assert x(r, "TDIGEST.REVRANK", "s", 0, 10, 20, 30, 40, 50, 60, 70) == [6, 5, 4, 3, 2, 1, 0, -1]
    x(r, "TDIGEST.CREATE", "m")
    x(r, "TDIGEST.ADD", "m", *range(1, 11))
    assert x(r, "TDIGEST.TRIMMED_MEAN", "m", 0.1, 0.6) == b"4"
    assert x(r, "TDIGEST.TRIMMED_MEAN", "m", 0.3, 0.9) == b"6.5"
    assert x(r, "TDIGEST.TRIMMED_MEAN", "m", 0, 1) == b"5.5"
    # reads merge a copy (the module merges in place: its INFO would now say
    # 15 merged nodes): the value stays a function of its writes
    info = x(r, "TDIGEST.INFO", "t")
    assert info == [b"Compression", 100, b"Capacity", 610, b"Merged nodes", 0,
                    b"Unmerged nodes", 15, b"Merged weight", 0, b"Unmerged weight", 15,
                    b"Observations", 15, b"Total compressions", 0, b"Memory usage", 9768]
    x(r, "TDIGEST.ADD", "t", *range(700))  # past the capacity: merged on the way
    info = dict(zip(*[iter(x(r, "TDIGEST.INFO", "t"))] * 2))
    assert info[b"Total compressions"] == 1 and info[b"Observations"] == 715
    assert info[b"Merged nodes"] + info[b"Unmerged nodes"] < 610
    # an empty sketch
    x(r, "TDIGEST.CREATE", "e", "compression", 50)
    assert x(r, "TDIGEST.MIN", "e") == b"nan" and x(r, "TDIGEST.MAX", "e") == b"nan"
    assert x(r, "TDIGEST.QUANTILE", "e", 0.5) == [b"nan"]
    assert x(r, "TDIGEST.CDF", "e", 1) == [b"nan"]
    assert x(r, "TDIGEST.RANK", "e", 1) == [-2] and x(r, "TDIGEST.BYRANK", "e", 0) == [b"nan"]
    assert x(r, "TDIGEST.TRIMMED_MEAN", "e", 0.1, 0.9) == b"nan"
    assert x(r, "TDIGEST.INFO", "e")[:4] == [b"Compression", 50, b"Capacity", 310]
    # the redis-py helper (4.3 speaks RedisBloom 2.2's CREATE and ADD; the
    # readers are the same)
    td = r.tdigest()
    with pytest.raises(ResponseError, match="wrong number of arguments"):
        td.create("h", 100)
    x(r, "TDIGEST.CREATE", "h")
    x(r, "TDIGEST.ADD", "h", 1, 2, 3)
    assert float(td.max("h")) == 3.0 and float(td.min("h")) == 1.0
    assert td.reset("h")


def test_tdigest_merge_and_reset(r):
    x(r, "TDIGEST.CREATE", "a", "COMPRESSION", 50)
    x(r, "TDIGEST.CREATE", "b", "COMPRESSION", 200)
    x(r, "TDIGEST.ADD", "a", *range(100))
    x(r, "TDIGEST.ADD", "b", *range(100, 200))
    assert x(r, "TDIGEST.MERGE", "d", 2, "a", "b") == b"OK"
    info = dict(zip(*[iter(x(r, "TDIGEST.INFO", "d"))] * 2))
    assert info[b"Compression"] == 200 and info[b"Observations"] == 200  # the largest
    assert x(r, "TDIGEST.MIN", "d") == b"0" and x(r, "TDIGEST.MAX", "d") == b"199"
    assert x(r, "TDIGEST.MERGE", "d", 1, "a") == b"OK"  # merged into what d holds
    assert dict(zip(*[iter(x(r, "TDIGEST.INFO", "d"))] * 2))[b"Observations"] == 300
    assert x(r, "TDIGEST.MERGE", "d", 1, "a", "OVERRIDE") == b"OK"
    info = dict(zip(*[iter(x(r, "TDIGEST.INFO", "d"))] * 2))
    assert info[b"Observations"] == 100 and info[b"Compression"] == 50
    assert x(r, "TDIGEST.MERGE", "d", 2, "d", "b", "COMPRESSION", 300) == b"OK"
    info = dict(zip(*[iter(x(r, "TDIGEST.INFO", "d"))] * 2))
    assert info[b"Observations"] == 300 and info[b"Compression"] == 300
    r.expire("d", 100)
    x(r, "TDIGEST.MERGE", "d", 1, "a")
    assert r.ttl("d") == -1  # the destination is replaced
    assert x(r, "TDIGEST.RESET", "d") == b"OK"
    assert x(r, "TDIGEST.MIN", "d") == b"nan"
    assert dict(zip(*[iter(x(r, "TDIGEST.INFO", "d"))] * 2))[b"Observations"] == 0
    assert err(r, "TDIGEST.MERGE", "d", 1, "nosuch") == "T-Digest: key does not exist"
    assert err(r, "TDIGEST.MERGE", "new", 1, "new") == "T-Digest: key does not exist"
    assert err(r, "TDIGEST.MERGE", "d", "x", "a") == "T-Digest: error parsing numkeys"
    assert err(r, "TDIGEST.MERGE", "d", 0, "a") == "T-Digest: numkeys needs to be a positive integer"
    assert "wrong number of arguments" in err(r, "TDIGEST.MERGE", "d", 3, "a", "b")
    assert "wrong number of arguments" in err(r, "TDIGEST.MERGE", "d", 1, "a", "COMPRESSION")
    assert err(r, "TDIGEST.MERGE", "d", 1, "a", "FOO") == "T-Digest: wrong keyword"
    assert err(r, "TDIGEST.MERGE", "d", 1, "a", "COMPRESSION", "x") == \
        "T-Digest: error parsing compression parameter"
    assert err(r, "TDIGEST.MERGE", "d", 1, "a", "COMPRESSION", 0) == \
        "T-Digest: compression parameter needs to be a positive integer"
    r.set("str", "v")
    assert err(r, "TDIGEST.MERGE", "str", 1, "a").startswith("WRONGTYPE")
    assert err(r, "TDIGEST.MERGE", "d", 1, "str").startswith("WRONGTYPE")


def test_tdigest_errors(r):
    r.set("str", "v")
    assert err(r, "TDIGEST.CREATE", "str").startswith("WRONGTYPE")
    x(r, "TDIGEST.CREATE", "t")
    assert err(r, "TDIGEST.CREATE", "t") == "T-Digest: key already exists"
    assert err(r, "TDIGEST.CREATE", "n", "FOO", 100) == "T-Digest: wrong keyword"
    assert err(r, "TDIGEST.CREATE", "n", "COMPRESSION", "x") == \
        "T-Digest: error parsing compression parameter"
    assert err(r, "TDIGEST.CREATE", "n", "COMPRESSION", 0) == \
        "T-Digest: compression parameter needs to be a positive integer"
    assert err(r, "TDIGEST.CREATE", "n", "COMPRESSION", 10**12) == "T-Digest: allocation failed"
    assert "wrong number of arguments" in err(r, "TDIGEST.CREATE", "n", "COMPRESSION")
    assert err(r, "TDIGEST.ADD", "t", 1, "x") == "T-Digest: error parsing val parameter"
    assert err(r, "TDIGEST.ADD", "t", "nan") == "T-Digest: error parsing val parameter"
    assert err(r, "TDIGEST.ADD", "t", 1, "inf") == \
        "T-Digest: val parameter needs to be a finite number"
    assert x(r, "TDIGEST.MIN", "t") == b"nan"  # nothing added
    assert err(r, "TDIGEST.RANK", "t", "x") == "T-Digest: error parsing value"
    assert err(r, "TDIGEST.BYRANK", "t", "1.5") == "T-Digest: error parsing rank"
    assert err(r, "TDIGEST.BYREVRANK", "t", -1) == "T-Digest: rank needs to be non negative"
    assert err(r, "TDIGEST.QUANTILE", "t", "x") == "T-Digest: error parsing quantile"
    assert err(r, "TDIGEST.QUANTILE", "t", "1.1") == "T-Digest: quantile should be in [0,1]"
    assert err(r, "TDIGEST.CDF", "t", "x") == "T-Digest: error parsing cdf"
    assert err(r, "TDIGEST.TRIMMED_MEAN", "t", "x", 1) == \
        "T-Digest: error parsing low_cut_percentile"
    assert err(r, "TDIGEST.TRIMMED_MEAN", "t", 0, "x") == \
        "T-Digest: error parsing high_cut_percentile"
    assert err(r, "TDIGEST.TRIMMED_MEAN", "t", 0, 2) == \
        "T-Digest: low_cut_percentile and high_cut_percentile should be in [0,1]"
    assert err(r, "TDIGEST.TRIMMED_MEAN", "t", 0.5, 0.5) == \
        "T-Digest: low_cut_percentile should be lower than high_cut_percentile"
    for cmd in (("TDIGEST.ADD", "nosuch", 1), ("TDIGEST.RESET", "nosuch"),
                ("TDIGEST.MIN", "nosuch"), ("TDIGEST.QUANTILE", "nosuch", 0.5),
                ("TDIGEST.INFO", "nosuch"), ("TDIGEST.TRIMMED_MEAN", "nosuch", 0, 1)):
        assert err(r, *cmd) == "T-Digest: key does not exist"
        assert err(r, cmd[0], "str", *cmd[2:]).startswith("WRONGTYPE")


# ---- all three: keyspace, protocol, ACL, MULTI ------------------------------------------


def make_all(c):
    x(c, "CMS.INITBYDIM", "cms", 100, 4)
    x(c, "CMS.INCRBY", "cms", "a", 3, "b", 4)
    x(c, "TOPK.RESERVE", "topk", 3, 20, 4, "0.9")
    x(c, "TOPK.ADD", "topk", "x", "y", "x", b"bin\x00ary")
    x(c, "TDIGEST.CREATE", "td", "COMPRESSION", 40)
    x(c, "TDIGEST.ADD", "td", *[i * 0.5 for i in range(500)])
    # a contested Top-K: buckets decay, heap entries lose count in place
    x(c, "TOPK.RESERVE", "topk_c", 5, 3, 2, "0.8")
    for i in range(40):
        x(c, "TOPK.ADD", "topk_c", *["i%d" % ((i * 7 + j * 3) % 11) for j in range(6)])
        x(c, "TOPK.INCRBY", "topk_c", "h%d" % (i % 4), i % 9)


def snapshot(c):
    return {
        "cms": (x(c, "CMS.INFO", "cms"), x(c, "CMS.QUERY", "cms", "a", "b", "c")),
        "topk": (x(c, "TOPK.LIST", "topk", "WITHCOUNT"), x(c, "TOPK.COUNT", "topk", "x", "y"),
                 x(c, "TOPK.INFO", "topk")),
        "topk_c": (x(c, "TOPK.LIST", "topk_c", "WITHCOUNT"), c.dump("topk_c")),
        "td": (x(c, "TDIGEST.QUANTILE", "td", 0.01, 0.5, 0.99), x(c, "TDIGEST.CDF", "td", 7, 100),
               x(c, "TDIGEST.MIN", "td"), x(c, "TDIGEST.MAX", "td"),
               x(c, "TDIGEST.INFO", "td")[:4]),
    }


def test_keyspace_commands(r):
    make_all(r)
    assert [r.type(k) for k in ("cms", "topk", "td")] == [b"CMSk-TYPE", b"TopK-TYPE", b"TDIS-TYPE"]
    assert {r.object("encoding", k) for k in ("cms", "topk", "td")} == {b"raw"}
    assert sorted(r.scan(0, _type="TopK-TYPE")[1]) == [b"topk", b"topk_c"]
    # MEMORY USAGE carries the module's own figures
    assert r.memory_usage("cms") >= 8 + 100 * 4 * 8
    assert r.memory_usage("topk") >= 2088 + 20 * 4 * 8 + 3 * 24
    assert r.memory_usage("td") >= 8 + 2 * 250 * 8
    before = snapshot(r)
    for k in ("cms", "topk", "td"):
        assert r.copy(k, k + "2") == 1
        r.rename(k, k + "3")
        r.rename(k + "3", k)
    assert x(r, "CMS.QUERY", "cms2", "a") == [3]
    x(r, "CMS.INCRBY", "cms2", "a", 1)  # the copy is deep
    assert x(r, "CMS.QUERY", "cms", "a") == [3]
    assert snapshot(r) == before
    assert r.move("td2", 1) == 1 and r.exists("td2") == 0
    r.expire("cms2", 100)
    assert 0 < r.ttl("cms2") <= 100
    assert r.delete("cms2", "topk2") == 2


def test_resp3_shapes(raw):
    c = raw()
    c.call("HELLO", 3)
    c.call("CMS.INITBYDIM", "c", 10, 2)
    assert c.call_raw("CMS.INFO", "c") == \
        b"%3\r\n+width\r\n:10\r\n+depth\r\n:2\r\n+count\r\n:0\r\n"
    c.call("TOPK.RESERVE", "t", 2, 8, 7, "0.5")
    assert c.call_raw("TOPK.ADD", "t", "a") == b"*1\r\n_\r\n"
    assert c.call_raw("TOPK.INFO", "t") == \
        b"*8\r\n+k\r\n:2\r\n+width\r\n:8\r\n+depth\r\n:7\r\n+decay\r\n,0.5\r\n"
    c.call("TDIGEST.CREATE", "d")
    assert c.call_raw("TDIGEST.MIN", "d") == b",nan\r\n"
    c.call("TDIGEST.ADD", "d", 1, 2)
    assert c.call_raw("TDIGEST.BYRANK", "d", 5) == b"*1\r\n,inf\r\n"
    assert c.call_raw("TDIGEST.INFO", "d").startswith(b"%9\r\n+Compression\r\n:100\r\n")
    c2 = raw()
    c2.call("SELECT", 0)
    assert c2.call_raw("TDIGEST.MAX", "d") == b"$1\r\n2\r\n"
    assert c2.call_raw("TOPK.INFO", "t").endswith(b"+decay\r\n$3\r\n0.5\r\n")
    # k=2: "c" ties the least count (1) and takes its place
    assert c2.call_raw("TOPK.ADD", "t", "b", "c") == b"*2\r\n$-1\r\n$1\r\na\r\n"


def test_multi_and_acl(r):
    p = r.pipeline(transaction=True)
    p.execute_command("CMS.INITBYDIM", "c", 10, 2)
    p.execute_command("CMS.INCRBY", "c", "a", 2)
    p.execute_command("TOPK.RESERVE", "t", 2)
    p.execute_command("TDIGEST.CREATE", "d")
    p.execute_command("TDIGEST.ADD", "d", 3)
    assert p.execute() == [b"OK", [2], b"OK", b"OK", b"OK"]
    cats = r.acl_cat()
    assert {"cms", "topk", "tdigest"} <= {c.decode() if isinstance(c, bytes) else c for c in cats}
    names = {c.decode() if isinstance(c, bytes) else c for c in r.acl_cat("tdigest")}
    assert "tdigest.add" in names and "tdigest.info" in names and len(names) == 14
    assert len(r.acl_cat("cms")) == 6 and len(r.acl_cat("topk")) == 7
    r.acl_setuser("u", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-@cms"])
    r.execute_command("AUTH", "u", "x")
    assert "no permissions to run the 'cms.query' command" in err(r, "CMS.QUERY", "c", "a")
    assert x(r, "TOPK.QUERY", "t", "a") == [0]


def test_keyspace_events(r, flags, sub):
    flags("KEAno")
    p = sub
    x(r, "CMS.INITBYDIM", "c", 10, 2)
    x(r, "CMS.INCRBY", "c", "a", 1)  # the module announces nothing of its own
    x(r, "TDIGEST.CREATE", "s")
    x(r, "TDIGEST.MERGE", "d", 1, "s")
    x(r, "TDIGEST.MERGE", "d", 1, "s")
    got = [(ch, data) for ch, data in drain(r, p)]
    assert (b"__keyevent@0__:new", b"c") in got and (b"__keyevent@0__:new", b"d") in got
    assert (b"__keyevent@0__:overwritten", b"d") in got
    assert not any(b"cms" in ch or b"tdigest" in ch for ch, _ in got)


def test_getkeys(raw):
    c = raw()
    assert c.call("COMMAND", "GETKEYS", "CMS.MERGE", "d", 2, "a", "b", "WEIGHTS", 1, 2) == \
        [b"d", b"a", b"b"]
    assert c.call("COMMAND", "GETKEYS", "TDIGEST.MERGE", "d", 1, "a", "OVERRIDE") == [b"d", b"a"]
    assert c.call("COMMAND", "GETKEYS", "TOPK.ADD", "t", "a", "b") == [b"t"]


# ---- persistence --------------------------------------------------------------------------


def test_debug_reload_dump_restore(r):
    make_all(r)
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    for k in ("cms", "topk", "td"):
        d = r.dump(k)
        assert d[0] == 7 and struct.unpack("<H", d[-10:-8])[0] >= 10
        r.restore(k + "2", 0, d)
        assert r.dump(k + "2") == d
        with pytest.raises(ResponseError, match="BUSYKEY"):
            r.restore(k + "2", 0, d)
    assert x(r, "TOPK.LIST", "topk2", "WITHCOUNT") == before["topk"][0]
    assert x(r, "TDIGEST.QUANTILE", "td2", 0.01, 0.5, 0.99) == before["td"][0]
    # the module id names the type: CMSk-TYPE, encoding version 0
    d = r.dump("cms")
    assert d[1] == 0x81 and d[2:10] == struct.pack(">Q", module_id("CMSk-TYPE", 0))


def module_id(name, encver):
    cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    v = 0
    for ch in name:
        v = (v << 6) | cs.index(ch)
    return (v << 10) | encver


def murmur2(data, seed):
    """Austin Appleby's 32-bit MurmurHash2, for the expected cells."""
    m, h, n = 0x5BD1E995, (seed ^ len(data)) & 0xFFFFFFFF, len(data)
    i = 0
    while n - i >= 4:
        k = struct.unpack("<I", data[i:i + 4])[0]
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
        i += 4
    rest = data[i:]
    if len(rest) >= 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if rest:
        h ^= rest[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def mod_value(name, fields):
    """A module value as Redis 8 writes it: type 7, the module id, each
    field after its opcode (1 signed, 2 unsigned, 4 double, 5 string), EOF."""
    out = bytes([7]) + b"\x81" + struct.pack(">Q", module_id(name, 0))
    for kind, v in fields:
        if kind == "u":
            out += enc_len(2) + enc_len(v)
        elif kind == "s":
            out += enc_len(1) + enc_len(v & (2**64 - 1))
        elif kind == "d":
            out += enc_len(4) + struct.pack("<d", v)
        else:
            out += enc_len(5) + (enc_string(v) if kind == "b" else v)
    return out + enc_len(0)


def test_restore_handmade_payloads(r):
    # a 7x2 count-min sketch: "b" counted 4 times, in the cells MurmurHash2
    # (seeded with the row) picks, as RedisBloom places it
    cells = [0] * 14
    for row in range(2):
        cells[row * 7 + murmur2(b"b", row) % 7] = 4
    body = mod_value("CMSk-TYPE", [("u", 7), ("u", 2), ("u", 4),
                                   ("b", b"".join(struct.pack("<I", v) for v in cells))])
    r.restore("c", 0, seal(body, 12))
    assert x(r, "CMS.INFO", "c") == [b"width", 7, b"depth", 2, b"count", 4]
    assert x(r, "CMS.QUERY", "c", "b") == [4]
    x(r, "CMS.INITBYDIM", "ref", 7, 2)
    x(r, "CMS.INCRBY", "ref", "b", 4)
    assert r.dump("ref") == r.dump("c")  # streamd writes the same (its string LZF-compressed)
    # the counters LZF-compressed, as Redis writes a long run of zeros
    big = b"".join(struct.pack("<I", 0) for _ in range(2000 * 5))
    lz = mod_value("CMSk-TYPE", [("u", 2000), ("u", 5), ("u", 0),
                                 ("raw", enc_lzf_literal(big))])
    r.restore("lz", 0, seal(lz, 12))
    assert x(r, "CMS.INFO", "lz") == [b"width", 2000, b"depth", 5, b"count", 0]
    # a t-digest of 1, 2, 3 (merged: three singletons)
    td = mod_value("TDIS-TYPE", [("d", 100.0), ("d", 1.0), ("d", 3.0), ("s", 610), ("s", 3),
                                 ("s", 0), ("s", 1), ("d", 3.0), ("d", 0.0), ("d", 1.0),
                                 ("d", 2.0), ("d", 3.0), ("d", 1.0), ("d", 1.0), ("d", 1.0)])
    r.restore("td", 0, seal(td, 12))
    assert x(r, "TDIGEST.QUANTILE", "td", 0, 0.5, 1) == [b"1", b"2", b"3"]
    x(r, "TDIGEST.CREATE", "tdref")
    x(r, "TDIGEST.ADD", "tdref", 1, 2, 3)
    assert r.dump("tdref")[:-10] == td
    # bad layouts: cap not 6 * compression + 10, weights not summing, min
    # above max, a Top-K heap count with no item, counters cut short, no
    # width, dimensions too big, an unknown version
    bad = [
        mod_value("TDIS-TYPE", [("d", 100.0), ("d", 1.0), ("d", 3.0), ("s", 10**6), ("s", 1),
                                ("s", 0), ("s", 1), ("d", 1.0), ("d", 0.0), ("d", 1.0), ("d", 1.0)]),
        mod_value("TDIS-TYPE", [("d", 100.0), ("d", 1.0), ("d", 3.0), ("s", 610), ("s", 1),
                                ("s", 0), ("s", 1), ("d", 2.0), ("d", 0.0), ("d", 1.0), ("d", 1.0)]),
        mod_value("TDIS-TYPE", [("d", 100.0), ("d", 3.0), ("d", 1.0), ("s", 610), ("s", 2),
                                ("s", 0), ("s", 1), ("d", 2.0), ("d", 0.0), ("d", 3.0), ("d", 1.0),
                                ("d", 1.0), ("d", 1.0)]),
        mod_value("TopK-TYPE", [("u", 1), ("u", 1), ("u", 1), ("d", 0.9),
                                ("b", b"\0" * 8), ("b", b"\0" * 16 + struct.pack("<I", 5) + b"\0" * 4),
                                ("b", b"\0")]),
        mod_value("CMSk-TYPE", [("u", 3), ("u", 2), ("u", 4), ("b", b"\0" * 23)]),
        mod_value("CMSk-TYPE", [("u", 0), ("u", 2), ("u", 0), ("b", b"")]),
        mod_value("CMSk-TYPE", [("u", 2**33), ("u", 2**33), ("u", 0), ("b", b"")]),
    ]
    for i, b in enumerate(bad):
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad%d" % i, 0, seal(b, 12))
    v1 = bytearray(body)
    v1[2:10] = struct.pack(">Q", module_id("CMSk-TYPE", 1))
    with pytest.raises(ResponseError, match="Bad data format"):
        r.restore("v1", 0, seal(bytes(v1), 12))


def test_topk_heap_out_of_order_reloads(r):
    # An item already in the heap whose buckets decayed gets its lower count
    # back in place: the heap is no longer ordered, as in RedisBloom. Such a
    # Top-K must survive DUMP/RESTORE and DEBUG RELOAD (the ten additions
    # below leave it so: see test_sketch.c's test_topk_heap_order).
    x(r, "TOPK.RESERVE", "t", 5, 3, 2, "0.7")
    s = 1
    for _ in range(10):
        s = (s * 1103515245 + 12345) & 0xFFFFFFFF
        x(r, "TOPK.INCRBY", "t", "k%d" % ((s >> 16) % 12), 1 + (s >> 8) % 3)
    d = r.dump("t")
    before = x(r, "TOPK.LIST", "t", "WITHCOUNT")
    r.restore("t2", 0, d)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert x(r, "TOPK.LIST", "t", "WITHCOUNT") == before and r.dump("t") == d
    assert r.dump("t2") == d


def test_hostile_payloads(r):
    make_all(r)
    refused = 0
    for k in ("cms", "topk", "td"):
        p = r.dump(k)
        body = p[:-10]
        for pos in range(10, len(body)):
            for flip in (0x01, 0x80, 0xFF):
                bad = bytearray(body)
                bad[pos] ^= flip
                try:
                    r.restore("bad", 0, reseal(bytes(bad) + p[-10:]), replace=True)
                except ResponseError as e:
                    assert "Bad data format" in str(e)
                    refused += 1
        # truncated anywhere
        for cut in range(1, len(body), max(1, len(body) // 50)):
            with pytest.raises(ResponseError, match="Bad data format"):
                r.restore("bad", 0, reseal(body[:cut] + p[-10:]), replace=True)
    assert refused > 100
    assert r.ping()


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    make_all(c)
    x(c, "TOPK.INCRBY", "topk", "z", 50, "x", 3)
    x(c, "TDIGEST.MERGE", "td3", 1, "td")
    x(c, "CMS.INITBYDIM", "cms2", 100, 4)
    x(c, "CMS.MERGE", "cms2", 1, "cms", "WEIGHTS", 3)
    before = snapshot(c), x(c, "CMS.QUERY", "cms2", "a"), x(c, "TDIGEST.INFO", "td3")[:4]
    srv.restart()
    c = srv.client()
    assert (snapshot(c), x(c, "CMS.QUERY", "cms2", "a"), x(c, "TDIGEST.INFO", "td3")[:4]) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    base = [f for f in os.listdir(aof_dir(srv)) if ".base." in f][0]
    data = open(os.path.join(aof_dir(srv), base), "rb").read()
    if base.endswith(".aof"):
        assert data.count(b"$7\r\nRESTORE\r\n") == 6
    srv.restart()
    c = srv.client()
    assert (snapshot(c), x(c, "CMS.QUERY", "cms2", "a"), x(c, "TDIGEST.INFO", "td3")[:4]) == before
    # writes after the rewrite replay on top of it
    x(c, "TOPK.ADD", "topk", "y", "y", "y")
    x(c, "TDIGEST.ADD", "td", 1000)
    before = snapshot(c)
    srv.restart()
    assert snapshot(srv.client()) == before


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    make_all(c)
    before = snapshot(c)
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == before
