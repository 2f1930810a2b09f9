"""Bloom and Cuckoo filters (Redis 8's BF.* and CF.*, RedisBloom's commands),
written from the Redis command documentation and RedisBloom's source and
tests, since Redis 7.0 has neither: the docs' examples and BF.INFO/CF.INFO
figures, replies in RESP2 and RESP3 (booleans, maps) as bytes, every error
text, scaling and full filters, SCANDUMP/LOADCHUNK round trips and refusals,
the configs, WRONGTYPE both ways and the keyspace commands, MULTI/WATCH,
keyspace events, ACL categories, redis-py's bf()/cf() helpers, and
persistence (DEBUG RELOAD, DUMP/RESTORE of module values including payloads
built by hand at older encoding versions and hostile ones, AOF replay and
rewrite, RDB restart)."""

import math
import os
import struct

import pytest
from redis.exceptions import ResponseError

from testlib.dumppayload import seal
from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import aof_dir, wait_rewrite
from testlib.cmds import AOF_ALWAYS, x

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(c, *args):
    """The error's text; redis-py drops a leading "ERR ", which is put back (the
    codeless texts RedisBloom sends, "Bad capacity" and the like, stay as they are)."""
    with pytest.raises(ResponseError) as e:
        c.execute_command(*args)
    msg = str(e.value)
    known = ("WRONGTYPE ", "Bad ", "Unknown ", "Invalid ", "Couldn't ", "Capacity ", "Nonscaling ",
             "Not found", "Filter ", "Maximum ", "BUCKETSIZE", "MAXITERATIONS",
             "EXPANSION")
    return msg if msg.startswith(known) else "ERR " + msg


def dump_chunks(c, key, cmd):
    """Every (iterator, data) of a SCANDUMP walk."""
    out, it = [], 0
    while True:
        it, data = x(c, cmd, key, it)
        if it == 0:
            return out
        out.append((it, data))


def snapshot(c):
    """Every filter of db 0 as its SCANDUMP walk."""
    out = {}
    for k in c.keys("*"):
        t = c.type(k)
        if t == b"MBbloom--":
            out[k] = dump_chunks(c, k, "BF.SCANDUMP")
        elif t == b"MBbloomCF":
            out[k] = (dump_chunks(c, k, "CF.SCANDUMP"), x(c, "CF.INFO", k))
    return out


def test_bf_docs_examples(r):
    assert x(r, "BF.ADD", "bf1", "observation1") == 1
    assert x(r, "BF.INFO", "bf1") == [b"Capacity", 100, b"Size", 240, b"Number of filters", 1,
                                      b"Number of items inserted", 1, b"Expansion rate", 2]
    assert x(r, "BF.INFO", "bf1", "CAPACITY") == [100]
    assert x(r, "BF.INFO", "bf1", "size") == [240]
    assert x(r, "BF.INFO", "bf1", "Filters") == [1]
    assert x(r, "BF.INFO", "bf1", "items") == [1]
    assert x(r, "BF.INFO", "bf1", "EXPANSION") == [2]
    assert x(r, "BF.ADD", "bf1", "observation1") == 0
    assert x(r, "BF.EXISTS", "bf1", "observation1") == 1
    assert x(r, "BF.EXISTS", "bf1", "nothere") == 0
    assert x(r, "BF.EXISTS", "nokey", "x") == 0
    assert x(r, "BF.MADD", "bikes:models", "Rocky Mountain Racer", "Cloud Cruiser",
             "Windy City Wippet") == [1, 1, 1]
    assert x(r, "BF.MEXISTS", "bikes:models", "Rocky Mountain Racer", "Cloud Cruiser",
             "Windy City Wippet", "nope") == [1, 1, 1, 0]
    assert x(r, "BF.CARD", "bikes:models") == 3 and x(r, "BF.CARD", "nokey") == 0
    assert x(r, "BF.RESERVE", "bikes:m2", 0.01, 1000) == b"OK"
    # 1000 at 0.5%: 11027 bits rounded up to 64-bit words, 8 hashes
    assert x(r, "BF.INFO", "bikes:m2", "SIZE") == [32 + 64 + 1384]
    assert x(r, "BF.RESERVE", "ns", 0.001, 500, "NONSCALING") == b"OK"
    assert x(r, "BF.INFO", "ns", "EXPANSION") == [None]
    assert x(r, "BF.INSERT", "ins", "CAPACITY", 1000, "ERROR", 0.001, "EXPANSION", 4, "ITEMS",
             "a", "b", "a") == [1, 1, 0]
    assert x(r, "BF.INFO", "ins", "capacity") == [1000] and x(r, "BF.INFO", "ins", "expansion") == [4]
    assert x(r, "BF.INSERT", "ins2", "NONSCALING", "ITEMS", "a") == [1]
    assert x(r, "BF.INFO", "ins2", "EXPANSION") == [None]


def test_bf_matches_redisbloom(r):
    """Figures RedisBloom's own tests assert (tests/flow/test_overall.py): they
    depend on its sizing and on MurmurHash64A's exact bits."""
    x(r, "BF.RESERVE", "bf", "0.01", "10")
    for i in range(100):
        x(r, "BF.ADD", "bf", str(i))
    # links of 10/20/40/80 with 16/32/72/160 bytes, the last holding 29
    assert x(r, "BF.INFO", "bf") == [b"Capacity", 150, b"Size", 32 + 4 * 64 + 280,
                                     b"Number of filters", 4, b"Number of items inserted", 99,
                                     b"Expansion rate", 2]
    x(r, "BF.RESERVE", "bf2", "0.001", "100")
    x(r, "BF.MADD", "bf2", *[str(i) for i in range(4000)])
    assert x(r, "BF.INFO", "bf2") == [b"Capacity", 6300, b"Size", 32 + 6 * 64 + 17120,
                                      b"Number of filters", 6, b"Number of items inserted", 3997,
                                      b"Expansion rate", 2]
    for e, filters in ((1, 23), (2, 5), (4, 4)):
        x(r, "BF.RESERVE", "exp%d" % e, "0.01", "4", "EXPANSION", e)
        x(r, "BF.MADD", "exp%d" % e, *[str(i) for i in range(100)])
        assert x(r, "BF.INFO", "exp%d" % e, "FILTERS") == [filters]
    x(r, "BF.RESERVE", "b3", "0.001", "100")
    assert x(r, "BF.INFO", "b3", "SIZE") == [296]
    assert x(r, "BF.INSERT", "mf", "ERROR", "0.001", "CAPACITY", "50000", "EXPANSION", 2, "ITEMS",
             "foo") == [1]
    assert x(r, "BF.INFO", "mf", "SIZE") == [32 + 64 + 98880]
    assert x(r, "BF.INSERT", "mf", "ERROR", "0.1", "ITEMS", "foo", "bar", "baz") == [0, 1, 1]


def test_cf_matches_redisbloom(r):
    """Sub-filter counts RedisBloom's tests assert (tests/flow/test_cuckoo.py)
    after 1000 adds: they depend on the fingerprint, the bucket choice and the
    eviction order being RedisBloom's to the bit."""
    want = {"a": ("64 BUCKETSIZE 1", 64, 18), "b": ("64 BUCKETSIZE 2", 32, 17),
            "c": ("256 BUCKETSIZE 4 MAXITERATIONS 500", 64, 4), "d": ("64 EXPANSION 1", 32, 17),
            "e": ("64 EXPANSION 2", 32, 5), "f": ("64 EXPANSION 4 MAXITERATIONS 500", 32, 3)}
    for k, (args, _, _) in want.items():
        x(r, "CF.RESERVE", k, *args.split())
    for i in range(1000):
        for k in want:
            x(r, "CF.ADD", k, str(i))
    for k, (_, buckets, filters) in want.items():
        info = dict(zip(*[iter(x(r, "CF.INFO", k))] * 2))
        assert (info[b"Number of buckets"], info[b"Number of filters"]) == (buckets, filters), k
        assert x(r, "CF.MEXISTS", k, *[str(i) for i in range(1000)]) == [1] * 1000
    x(r, "CF.RESERVE", "g", "4")
    assert [x(r, "CF.ADD", "g", str(i)) for i in range(124)] == [1] * 124
    assert err(r, "CF.ADD", "g", "2048") == "Maximum expansions reached"
    x(r, "CF.RESERVE", "z", "4", "EXPANSION", "0")
    assert [x(r, "CF.ADD", "z", v) for v in "1234"] == [1, 1, 1, 1]
    assert x(r, "CF.INSERT", "z", "ITEMS", "5", "6") == [-1, -1]


def test_bf_resp_bytes(raw):
    c = raw()
    assert c.call_raw("BF.ADD", "k", "a") == b":1\r\n"
    assert c.call_raw("BF.MADD", "k", "a", "b") == b"*2\r\n:0\r\n:1\r\n"
    assert c.call_raw("BF.INFO", "k", "ITEMS") == b"*1\r\n:2\r\n"
    assert c.call_raw("BF.INFO", "k").startswith(b"*10\r\n+Capacity\r\n:100\r\n+Size\r\n")
    assert c.call_raw("BF.INFO", "k", "NOPE") == b"-Invalid information value\r\n"
    assert c.call_raw("BF.INFO", "nokey") == b"-ERR not found\r\n"
    assert c.call_raw("BF.RESERVE", "k", "0.1", "10") == b"-ERR item exists\r\n"
    c.call("HELLO", 3)
    assert c.call_raw("BF.ADD", "k", "c") == b"#t\r\n"
    assert c.call_raw("BF.EXISTS", "k", "zz") == b"#f\r\n"
    assert c.call_raw("BF.MEXISTS", "k", "a", "zz") == b"*2\r\n#t\r\n#f\r\n"
    assert c.call_raw("BF.INFO", "k", "ITEMS") == b"%1\r\n+Number of items inserted\r\n:3\r\n"
    assert c.call_raw("BF.INFO", "k").startswith(b"%5\r\n+Capacity\r\n:100\r\n")
    assert c.call_raw("BF.CARD", "k") == b":3\r\n"
    c.call("BF.RESERVE", "n", "0.1", "5", "NONSCALING")
    assert c.call_raw("BF.INFO", "n", "EXPANSION") == b"%1\r\n+Expansion rate\r\n_\r\n"
    assert c.call_raw("BF.SCANDUMP", "k", 999999) == b"*2\r\n:0\r\n$0\r\n\r\n"


def test_bf_errors(r, raw):
    r.set("str", "v")
    x(r, "BF.ADD", "sd", "v")
    c = raw()  # the two texts that differ only by their ERR
    assert c.call_raw("BF.SCANDUMP", "sd", "x") == b"-Second argument must be numeric\r\n"
    assert c.call_raw("BF.LOADCHUNK", "sd", "x", "d") == b"-ERR Second argument must be numeric\r\n"
    assert err(r, "BF.RESERVE", "k", "x", 100) == "ERR bad error rate"
    assert err(r, "BF.RESERVE", "k", "1.5", 100) == (
        "ERR error rate must be in the range (0.000000, 1.000000)")
    # the range is open: neither 0 nor 1 (RedisBloom's test_configs)
    assert err(r, "BF.RESERVE", "k", "0", 100) == (
        "ERR error rate must be in the range (0.000000, 1.000000)")
    assert err(r, "BF.RESERVE", "k", "1", 100) == (
        "ERR error rate must be in the range (0.000000, 1.000000)")
    assert err(r, "BF.RESERVE", "k", "0.01", "x") == "ERR bad capacity"
    assert err(r, "BF.RESERVE", "k", "0.01", 0) == "ERR capacity must be in the range [1, 1073741824]"
    assert err(r, "BF.RESERVE", "k", "0.01", 2**30 + 1) == (
        "ERR capacity must be in the range [1, 1073741824]")
    assert err(r, "BF.RESERVE", "k", "0.01", 100, "EXPANSION") == "ERR no expansion"
    assert err(r, "BF.RESERVE", "k", "0.01", 100, "EXPANSION", "x") == "ERR bad expansion"
    assert err(r, "BF.RESERVE", "k", "0.01", 100, "EXPANSION", 40000) == (
        "ERR expansion must be in the range [0, 32768]")
    assert err(r, "BF.RESERVE", "k", "0.01", 100, "NONSCALING", "EXPANSION", 2) == (
        "Nonscaling filters cannot expand")
    # the module's own arity checks name the command as it was sent
    assert err(r, "bF.rEserve", "k", "0.01", 100, 1, 2, 3, 4) == (
        "ERR wrong number of arguments for 'bF.rEserve' command")
    assert err(r, "BF.RESERVE", "k", "0.01") == (
        "ERR wrong number of arguments for 'bf.reserve' command")
    assert x(r, "BF.RESERVE", "k", "0.01", 100, "EXPANSION", 0) == b"OK"  # 0: non-scaling
    assert x(r, "BF.INFO", "k", "EXPANSION") == [None]
    assert err(r, "BF.RESERVE", "k", "0.01", 100) == "ERR item exists"
    assert err(r, "BF.RESERVE", "str", "0.01", 100) == WRONGTYPE
    assert err(r, "BF.ADD", "str", "a") == WRONGTYPE
    assert err(r, "BF.MADD", "str", "a") == WRONGTYPE
    assert err(r, "BF.INSERT", "str", "ITEMS", "a") == WRONGTYPE
    assert err(r, "BF.INFO", "str") == WRONGTYPE
    assert err(r, "BF.CARD", "str") == WRONGTYPE
    assert err(r, "BF.SCANDUMP", "str", 0) == WRONGTYPE
    assert x(r, "BF.EXISTS", "str", "a") == 0  # RedisBloom reads any other key as empty
    assert x(r, "BF.MEXISTS", "str", "a", "b") == [0, 0]
    assert err(r, "BF.INFO", "nokey") == "ERR not found"
    assert err(r, "BF.INFO", "k", "a", "b").startswith("ERR wrong number of arguments")
    assert err(r, "BF.SCANDUMP", "nokey", 0) == "ERR not found"
    assert err(r, "BF.INSERT", "nokey", "NOCREATE", "ITEMS", "a") == "ERR not found"
    assert err(r, "BF.INSERT", "i", "ITEMS").startswith("ERR wrong number of arguments")
    assert err(r, "BF.INSERT", "i", "CAPACITY", 10, "a") == "Unknown argument received"
    assert err(r, "BF.INSERT", "i", "CAPACITY", 10, "NOCREATE").startswith("ERR wrong number")
    assert err(r, "BF.INSERT", "i", "CAPACITY").startswith("ERR wrong number")
    assert err(r, "BF.INSERT", "i", "FOO", "ITEMS", "a") == "Unknown argument received"
    assert err(r, "BF.INSERT", "i", "CAPACITY", "x", "ITEMS", "a") == "Bad capacity"
    assert err(r, "BF.INSERT", "i", "CAPACITY", 0, "ITEMS", "a") == "Bad capacity"
    assert err(r, "BF.INSERT", "i", "ERROR", "x", "ITEMS", "a") == "Bad error rate"
    assert err(r, "BF.INSERT", "i", "ERROR", "2", "ITEMS", "a") == "Bad error rate"
    assert err(r, "BF.INSERT", "i", "ERROR", "0", "ITEMS", "a") == "Bad error rate"
    assert err(r, "BF.INSERT", "i", "EXPANSION", "-1", "ITEMS", "a") == "Bad expansion"
    assert err(r, "BF.LOADCHUNK", "i", 1, "short") == "ERR received bad data"
    assert err(r, "BF.LOADCHUNK", "i", 5, "short") == "ERR not found"
    assert err(r, "BF.LOADCHUNK", "str", 1, "short") == WRONGTYPE
    assert not r.exists("i")


def test_bf_scaling_and_full(r):
    items = [b"item%d" % i for i in range(1000)]
    added = x(r, "BF.MADD", "s", *items)
    assert sum(added) == x(r, "BF.CARD", "s") and sum(added) > 990
    info = dict(zip(*[iter(x(r, "BF.INFO", "s"))] * 2))
    assert info[b"Number of filters"] == 4 and info[b"Capacity"] == 100 + 200 + 400 + 800
    assert x(r, "BF.MEXISTS", "s", *items) == [1] * 1000
    # the false-positive rate stays under the requested 1%
    fp = sum(x(r, "BF.MEXISTS", "s", *[b"other%d" % i for i in range(5000)]))
    assert fp < 50
    # a non-scaling filter answers full and stops the batch there
    x(r, "BF.RESERVE", "n", 0.01, 10, "NONSCALING")
    got = x(r, "BF.MADD", "n", *[b"v%d" % i for i in range(10)])
    assert sum(got) == x(r, "BF.CARD", "n")
    with pytest.raises(ResponseError, match="non scaling filter is full"):
        for i in range(100):
            x(r, "BF.ADD", "n", b"more%d" % i)
    res = r.execute_command("BF.MADD", "n", "zz1", "zz2", "zz3", "zz4")
    assert isinstance(res[-1], ResponseError) and str(res[-1]) == "non scaling filter is full"
    assert len(res) <= 4
    # the configured defaults apply to filters BF.ADD creates
    r.config_set("bf-initial-size", 1000)
    r.config_set("bf-error-rate", 0.001)
    r.config_set("bf-expansion-factor", 0)
    try:
        x(r, "BF.ADD", "cfg", "a")
        assert x(r, "BF.INFO", "cfg", "CAPACITY") == [1000]
        assert x(r, "BF.INFO", "cfg", "EXPANSION") == [None]
    finally:
        r.config_set("bf-initial-size", 100)
        r.config_set("bf-error-rate", 0.01)
        r.config_set("bf-expansion-factor", 2)


def test_bf_scandump_loadchunk(r):
    x(r, "BF.RESERVE", "src", 0.01, 100, "EXPANSION", 3)
    x(r, "BF.MADD", "src", *[b"e%d" % i for i in range(500)])
    chunks = dump_chunks(r, "src", "BF.SCANDUMP")
    it, hdr = chunks[0]
    assert it == 1 and len(hdr) == 20 + 53 * x(r, "BF.INFO", "src", "FILTERS")[0]
    size, n, opts, growth = struct.unpack("<QIII", hdr[:20])
    assert (size, opts, growth) == (x(r, "BF.CARD", "src"), 4 | 1, 3)
    for it, data in chunks:
        assert x(r, "BF.LOADCHUNK", "dst", it, data) == b"OK"
    assert x(r, "BF.INFO", "dst") == x(r, "BF.INFO", "src")
    assert x(r, "BF.MEXISTS", "dst", *[b"e%d" % i for i in range(500)]) == [1] * 500
    assert dump_chunks(r, "dst", "BF.SCANDUMP") == chunks
    assert err(r, "BF.LOADCHUNK", "dst", 1, hdr) == "ERR received bad data"
    assert err(r, "BF.LOADCHUNK", "dst", 10**9, b"x") == "ERR invalid offset - no link found"
    assert err(r, "BF.LOADCHUNK", "dst", 0, b"x") == "ERR received bad data"
    first_link = struct.unpack("<Q", hdr[20:28])[0]
    assert err(r, "BF.LOADCHUNK", "dst", first_link + 10, b"x" * 20) == (
        "ERR invalid chunk - Too big for current filter")
    bad = bytearray(hdr)
    bad[20 + 40] ^= 1  # hashes no longer what the error rate gives
    assert err(r, "BF.LOADCHUNK", "bad", 1, bytes(bad)) == "ERR received bad data"
    assert err(r, "BF.LOADCHUNK", "bad", 1, hdr[:-1]) == "ERR received bad data"
    assert x(r, "BF.LOADCHUNK", "cfg", 1, hdr + b"\0" * 16) == b"OK"  # legacy hash config
    assert err(r, "BF.LOADCHUNK", "bad", 1, hdr + b"\1" + b"\0" * 15) == "ERR received bad data"
    assert not r.exists("bad")


def test_cf_docs_examples(r):
    assert x(r, "CF.RESERVE", "bikes:models", 1000000) == b"OK"
    assert x(r, "CF.ADD", "bikes:models", "Smoky Mountain Striker") == 1
    assert x(r, "CF.EXISTS", "bikes:models", "Smoky Mountain Striker") == 1
    assert x(r, "CF.EXISTS", "bikes:models", "Terrible Bike Name") == 0
    assert x(r, "CF.DEL", "bikes:models", "Smoky Mountain Striker") == 1
    assert x(r, "CF.DEL", "bikes:models", "Smoky Mountain Striker") == 0
    x(r, "CF.RESERVE", "cf", 1000)
    assert x(r, "CF.INFO", "cf") == [
        b"Size", 1080, b"Number of buckets", 512, b"Number of filters", 1,
        b"Number of items inserted", 0, b"Number of items deleted", 0, b"Bucket size", 2,
        b"Expansion rate", 1, b"Max iterations", 20]
    assert x(r, "CF.ADD", "cf", "item1") == 1 and x(r, "CF.ADD", "cf", "item1") == 1
    assert x(r, "CF.COUNT", "cf", "item1") == 2
    assert x(r, "CF.ADDNX", "cf", "item1") == 0 and x(r, "CF.ADDNX", "cf", "item2") == 1
    assert x(r, "CF.INSERT", "cf", "ITEMS", "item1", "item3") == [1, 1]
    assert x(r, "CF.INSERTNX", "cf", "ITEMS", "item1", "item4", "item4") == [0, 1, 0]
    assert x(r, "CF.MEXISTS", "cf", "item1", "item4", "nope") == [1, 1, 0]
    assert x(r, "CF.COUNT", "cf", "item1") == 3 and x(r, "CF.COUNT", "nokey", "a") == 0
    assert x(r, "CF.DEL", "cf", "item1") == 1 and x(r, "CF.COUNT", "cf", "item1") == 2
    info = dict(zip(*[iter(x(r, "CF.INFO", "cf"))] * 2))
    assert info[b"Number of items inserted"] == 5 and info[b"Number of items deleted"] == 1
    x(r, "CF.RESERVE", "opts", 1000, "BUCKETSIZE", 4, "MAXITERATIONS", 50, "EXPANSION", 3)
    info = dict(zip(*[iter(x(r, "CF.INFO", "opts"))] * 2))
    assert (info[b"Bucket size"], info[b"Max iterations"], info[b"Expansion rate"]) == (4, 50, 4)
    assert info[b"Number of buckets"] == 256 and info[b"Size"] == 40 + 16 + 1024
    assert x(r, "CF.INSERT", "new", "CAPACITY", 100, "ITEMS", "a") == [1]
    assert x(r, "CF.INFO", "new")[3] == 64


def test_cf_resp_bytes(raw):
    c = raw()
    assert c.call_raw("CF.ADD", "k", "a") == b":1\r\n"
    assert c.call_raw("CF.INFO", "k").startswith(b"*16\r\n+Size\r\n:1080\r\n")
    c.call("HELLO", 3)
    assert c.call_raw("CF.ADD", "k", "b") == b"#t\r\n"
    assert c.call_raw("CF.ADDNX", "k", "b") == b"#f\r\n"
    assert c.call_raw("CF.INSERT", "k", "ITEMS", "c") == b"*1\r\n#t\r\n"
    assert c.call_raw("CF.INSERTNX", "k", "ITEMS", "c", "d") == b"*2\r\n:0\r\n:1\r\n"
    assert c.call_raw("CF.EXISTS", "k", "a") == b"#t\r\n"
    assert c.call_raw("CF.MEXISTS", "k", "a", "zz") == b"*2\r\n#t\r\n#f\r\n"
    assert c.call_raw("CF.COUNT", "k", "a") == b":1\r\n"
    assert c.call_raw("CF.DEL", "k", "a") == b"#t\r\n"
    assert c.call_raw("CF.INFO", "k").startswith(b"%8\r\n+Size\r\n:1080\r\n")
    assert c.call_raw("CF.SCANDUMP", "k", 999999) == b"*2\r\n:0\r\n_\r\n"
    c.call("CF.RESERVE", "e", 10)
    assert c.call_raw("CF.SCANDUMP", "e", 0) == b"*2\r\n:0\r\n_\r\n"  # nothing in it


def test_cf_errors(r):
    r.set("str", "v")
    assert err(r, "CF.RESERVE", "k", "x") == "Bad capacity"
    assert err(r, "CF.RESERVE", "k", 100, "BUCKETSIZE").startswith("ERR wrong number")
    assert err(r, "CF.RESERVE", "k", 100, "BUCKETSIZE", "x") == "Couldn't parse BUCKETSIZE"
    assert err(r, "CF.RESERVE", "k", 100, "BUCKETSIZE", 0) == (
        "BUCKETSIZE: value must be in the range [1, 255]")
    assert err(r, "CF.RESERVE", "k", 100, "MAXITERATIONS", "x") == "Couldn't parse MAXITERATIONS"
    assert err(r, "CF.RESERVE", "k", 100, "MAXITERATIONS", 0) == (
        "MAXITERATIONS: value must be in the range [1, 65535]")
    assert err(r, "CF.RESERVE", "k", 100, "EXPANSION", "x") == "Couldn't parse EXPANSION"
    assert err(r, "CF.RESERVE", "k", 100, "EXPANSION", 32769) == (
        "EXPANSION: value must be in the range [0, 32768]")
    assert err(r, "CF.RESERVE", "k", 3) == "Capacity must be in the range [2 * BUCKETSIZE, 1073741824]"
    assert err(r, "CF.RESERVE", "k", 2**30 + 1) == (
        "Capacity must be in the range [2 * BUCKETSIZE, 1073741824]")
    x(r, "CF.RESERVE", "k", 100)
    assert err(r, "CF.RESERVE", "k", 100) == "ERR item exists"
    assert err(r, "CF.RESERVE", "str", 100) == WRONGTYPE
    assert err(r, "CF.ADD", "str", "a") == WRONGTYPE
    assert err(r, "CF.INSERT", "str", "ITEMS", "a") == WRONGTYPE
    assert err(r, "CF.INFO", "str") == WRONGTYPE
    assert err(r, "CF.INFO", "nokey") == "ERR not found"
    assert x(r, "CF.EXISTS", "str", "a") == 0 and x(r, "CF.COUNT", "str", "a") == 0
    assert err(r, "CF.DEL", "str", "a") == "Not found"
    assert err(r, "CF.DEL", "nokey", "a") == "Not found"
    assert err(r, "CF.INSERT", "k", "ITEMS").startswith("ERR wrong number")
    assert err(r, "CF.INSERT", "k", "FOO", "ITEMS", "a") == "Unknown argument received"
    assert err(r, "CF.INSERT", "k", "CAPACITY", "x", "ITEMS", "a") == "Bad capacity"
    assert err(r, "CF.INSERT", "k", "CAPACITY", 3, "ITEMS", "a") == (
        "Capacity must be in the range [cf-bucket-size * 2, 1073741824]")
    assert err(r, "CF.INSERT", "nokey", "NOCREATE", "ITEMS", "a") == "ERR not found"
    assert err(r, "CF.SCANDUMP", "k", -1) == "Invalid position"
    assert err(r, "CF.SCANDUMP", "nokey", 0) == "ERR not found"
    assert err(r, "CF.LOADCHUNK", "k", 0, "x") == "Invalid position"
    assert err(r, "CF.LOADCHUNK", "k", 1, "x") == "ERR item exists"
    assert err(r, "CF.LOADCHUNK", "n", 1, "x") == "Invalid header"
    assert err(r, "CF.LOADCHUNK", "n", 1, b"\0" * 46) == "Couldn't create filter!"
    assert err(r, "CF.LOADCHUNK", "n", 5, "x") == "ERR not found"
    assert err(r, "CF.LOADCHUNK", "k", 10**9, "x") == "Couldn't load chunk!"
    assert not r.exists("n")


def test_cf_full_and_expansion(r):
    x(r, "CF.RESERVE", "f", 8, "EXPANSION", 0)
    with pytest.raises(ResponseError, match="^Filter is full$"):
        for i in range(100):
            x(r, "CF.ADD", "f", b"i%d" % i)
    got = x(r, "CF.INSERT", "f", "ITEMS", "x1", "x2", "x3")
    assert -1 in got and x(r, "CF.INFO", "f")[5] == 1
    assert x(r, "CF.INSERTNX", "f", "ITEMS", "y1")[0] in (-1, 1)
    # growth: sub-filters `expansion` times bigger, then Maximum expansions
    x(r, "CF.RESERVE", "g", 8, "EXPANSION", 2)
    for i in range(60):
        x(r, "CF.ADD", "g", b"g%d" % i)
    assert x(r, "CF.INFO", "g")[5] >= 2
    assert x(r, "CF.MEXISTS", "g", *[b"g%d" % i for i in range(60)]) == [1] * 60
    r.config_set("cf-max-expansions", 2)
    try:
        with pytest.raises(ResponseError, match="^Maximum expansions reached$"):
            for i in range(200):
                x(r, "CF.ADD", "g", b"h%d" % i)
    finally:
        r.config_set("cf-max-expansions", 32)
    # deleting every item compacts the emptied sub-filters away
    x(r, "CF.RESERVE", "k", 8, "EXPANSION", 2)
    for i in range(60):
        x(r, "CF.ADD", "k", b"k%d" % i)
    assert x(r, "CF.INFO", "k")[5] >= 2
    for i in range(60):
        assert x(r, "CF.DEL", "k", b"k%d" % i) == 1
    info = dict(zip(*[iter(x(r, "CF.INFO", "k"))] * 2))
    assert info[b"Number of items inserted"] == 0 and info[b"Number of filters"] == 1


def test_cf_scandump_loadchunk(r):
    x(r, "CF.RESERVE", "src", 64, "EXPANSION", 2)
    x(r, "CF.INSERT", "src", "ITEMS", *[b"e%d" % i for i in range(200)])
    chunks = dump_chunks(r, "src", "CF.SCANDUMP")
    it, hdr = chunks[0]
    assert it == 1 and len(hdr) == 46
    items, buckets, deletes, filters = struct.unpack("<QQQQ", hdr[:32])
    assert hdr[38:46] == b"\0" * 8 and filters == x(r, "CF.INFO", "src")[5]
    for it, data in chunks:
        assert x(r, "CF.LOADCHUNK", "dst", it, data) == b"OK"
    assert x(r, "CF.INFO", "dst") == x(r, "CF.INFO", "src")
    assert x(r, "CF.MEXISTS", "dst", *[b"e%d" % i for i in range(200)]) == [1] * 200
    assert dump_chunks(r, "dst", "CF.SCANDUMP") == chunks
    assert x(r, "CF.LOADCHUNK", "d2", 1, hdr + b"\0" * 16) == b"OK"
    assert err(r, "CF.LOADCHUNK", "d3", 1, hdr + b"\1" + b"\0" * 15) == "Couldn't create filter!"


def test_configs(r):
    got = r.config_get("bf-*")
    assert got == {"bf-error-rate": "0.01", "bf-initial-size": "100", "bf-expansion-factor": "2"}
    got = r.config_get("cf-*")
    assert got == {"cf-bucket-size": "2", "cf-initial-size": "1024", "cf-max-iterations": "20",
                   "cf-expansion-factor": "1", "cf-max-expansions": "32"}

    def bad(name, value):
        with pytest.raises(ResponseError) as e:
            r.config_set(name, value)
        return str(e.value).split(" - ", 1)[1]

    assert bad("bf-error-rate", "x") == "Invalid value for `bf-error-rate`"
    assert bad("bf-error-rate", "0") == bad("bf-error-rate", "1") == (
        "Value for `bf-error-rate` must be in the range (0.000000, 1.000000)")
    assert bad("bf-error-rate", "2") == (
        "Value for `bf-error-rate` must be in the range (0.000000, 1.000000)")
    assert bad("bf-initial-size", "0") == (
        "Value for `bf-initial-size` must be in the range [1, 1073741824]")
    assert bad("bf-expansion-factor", "x") == "Invalid value for `bf-expansion-factor`"
    assert bad("cf-bucket-size", "256") == "Value for `cf-bucket-size` must be in the range [1, 255]"
    assert bad("cf-max-iterations", "0") == (
        "Value for `cf-max-iterations` must be in the range [1, 65535]")
    assert bad("cf-expansion-factor", "-1") == (
        "Value for `cf-expansion-factor` must be in the range [0, 32768]")
    assert bad("cf-max-expansions", "0") == (
        "Value for `cf-max-expansions` must be in the range [1, 65536]")
    # cf-bucket-size and cf-initial-size bound each other
    r.config_set("cf-initial-size", 10)
    try:
        assert bad("cf-bucket-size", "6") == "Value for `cf-bucket-size` must be in the range [1, 5]"
        r.config_set("cf-bucket-size", 4)
        assert bad("cf-initial-size", "7") == (
            "Value for `cf-initial-size` must be in the range [8, 1073741824]")
        x(r, "CF.ADD", "c", "a")
        info = dict(zip(*[iter(x(r, "CF.INFO", "c"))] * 2))
        assert info[b"Bucket size"] == 4 and info[b"Number of buckets"] == 2
    finally:
        r.config_set("cf-bucket-size", 2)
        r.config_set("cf-initial-size", 1024)
    assert r.config_get("cf-bucket-size") == {"cf-bucket-size": "2"}


def test_keyspace_commands(r):
    x(r, "BF.ADD", "b", "a")
    x(r, "CF.ADD", "c", "a")
    assert r.type("b") == b"MBbloom--" and r.type("c") == b"MBbloomCF"
    assert r.object("encoding", "b") == b"raw" and r.object("encoding", "c") == b"raw"
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        r.get("b")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        r.lpush("c", "x")
    assert err(r, "BF.ADD", "c", "a") == WRONGTYPE and err(r, "CF.ADD", "b", "a") == WRONGTYPE
    assert sorted(r.scan_iter(_type="MBbloom--")) == [b"b"]
    assert sorted(r.scan_iter(_type="MBbloomCF")) == [b"c"]
    assert r.copy("b", "b2") == 1 and r.copy("c", "c2") == 1
    x(r, "BF.ADD", "b2", "other")
    x(r, "CF.DEL", "c2", "a")
    assert x(r, "BF.EXISTS", "b", "other") == 0 and x(r, "CF.EXISTS", "c", "a") == 1
    r.rename("b2", "b3")
    assert x(r, "BF.EXISTS", "b3", "other") == 1
    assert r.expire("b", 100) and 0 < r.ttl("b") <= 100
    # MEMORY USAGE grows with the filter's own size figure
    small = r.memory_usage("b")
    x(r, "BF.RESERVE", "big", 0.001, 100000)
    assert r.memory_usage("big") >= small + 100000 * 14 // 8
    assert r.delete("b", "c", "b3", "c2", "big") == 5


def test_multi_and_watch(r, rr):
    p = r.pipeline(transaction=True)
    p.execute_command("BF.ADD", "t", "a")
    p.execute_command("BF.EXISTS", "t", "a")
    p.execute_command("CF.ADD", "u", "a")
    p.execute_command("CF.COUNT", "u", "a")
    assert p.execute() == [1, 1, 1, 1]
    other = rr()
    with r.pipeline() as p:
        p.watch("t")
        x(other, "BF.ADD", "t", "a")  # present already: still a write to the key
        p.multi()
        p.execute_command("BF.EXISTS", "t", "a")
        with pytest.raises(Exception):
            p.execute()


def test_notifications(r, flags, sub):  # noqa: F811
    flags("KEA")
    x(r, "BF.ADD", "a", "x")
    x(r, "CF.ADD", "c", "x")
    r.delete("a")
    got = [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")]
    # RedisBloom announces nothing of its own; the delete is generic
    assert [ch.split(b":", 1)[1] for ch, _ in got] == [b"del"]
    flags("KEn")
    x(r, "BF.RESERVE", "b", 0.01, 10)
    x(r, "BF.ADD", "b", "y")
    x(r, "CF.RESERVE", "d", 10)
    got = [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")]
    assert [(ch.split(b":", 1)[1], k) for ch, k in got] == [(b"new", b"b"), (b"new", b"d")]


def test_acl_categories(r):
    assert sorted(r.acl_cat("bloom")) == sorted(
        ["bf.reserve", "bf.add", "bf.madd", "bf.insert", "bf.exists", "bf.mexists", "bf.info",
         "bf.card", "bf.scandump", "bf.loadchunk"])
    assert "cf.del" in r.acl_cat("cuckoo") and len(r.acl_cat("cuckoo")) == 12
    assert "bloom" in r.acl_cat() and "cuckoo" in r.acl_cat()
    r.acl_setuser("u", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-@bloom"])
    try:
        c = r.connection_pool.get_connection("x")
        r.connection_pool.release(c)
        assert r.acl_dryrun("u", "BF.ADD", "k", "v").startswith(b"This user has no permissions")
        assert r.acl_dryrun("u", "CF.ADD", "k", "v") == b"OK"
    finally:
        r.acl_deluser("u")


def test_redis_py_helpers(r):
    bf, cf = r.bf(), r.cf()
    assert bf.create("h", 0.01, 1000) in (True, b"OK")
    assert bf.add("h", "x") == 1 and bf.exists("h", "x") == 1
    assert bf.madd("h", "y", "z") == [1, 1]
    info = bf.info("h")
    assert info.capacity == 1000 and info.insertedNum == 3 and info.expansionRate == 2
    assert cf.create("c", 1000) in (True, b"OK")
    assert cf.add("c", "x") == 1 and cf.addnx("c", "x") == 0
    assert cf.count("c", "x") == 1 and cf.delete("c", "x") == 1
    assert cf.info("c").bucketSize == 2


# ---- persistence -------------------------------------------------------------------


def ln(n):
    return bytes([n]) if n < 64 else b"\x81" + struct.pack(">Q", n)


def module_id(name, encver):
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    v = 0
    for ch in name:
        v = (v << 6) | chars.index(ch)
    return (v << 10) | encver


def u(v):
    return ln(2) + ln(v)


def dbl(v):
    return ln(4) + struct.pack("<d", v)


def s(b):
    return ln(5) + ln(len(b)) + b


def bf_payload(encver, links, size=None, options=5, growth=2, tail=b""):
    """A Bloom module value: links are (entries, error, bits array, size)."""
    body = bytes([7]) + ln(module_id("MBbloom--", encver))
    body += u(sum(l[3] for l in links) if size is None else size) + u(len(links))
    if encver >= 2:
        body += u(options)
    if encver >= 4:
        body += u(growth)
    for entries, error, bits, n in links:
        bpe = -(math.log(error) / 0.480453013918201)
        body += u(entries) + dbl(error) + u(math.ceil(0.693147180559945 * bpe)) + dbl(bpe)
        if encver >= 1:
            body += u(len(bits) * 8) + u(0)
        body += s(bits) + u(n)
    return seal(body + tail + ln(0), 10)


def test_persistence_reload_and_dump(r):
    x(r, "BF.RESERVE", "b", 0.01, 50, "EXPANSION", 3)
    x(r, "BF.MADD", "b", *[b"b%d" % i for i in range(300)])
    x(r, "BF.RESERVE", "n", 0.001, 50, "NONSCALING")
    x(r, "BF.ADD", "n", "v")
    x(r, "CF.RESERVE", "c", 64, "BUCKETSIZE", 3, "MAXITERATIONS", 30, "EXPANSION", 2)
    x(r, "CF.INSERT", "c", "ITEMS", *[b"c%d" % i for i in range(300)])
    x(r, "CF.DEL", "c", "c7")
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    for k in (b"b", b"n", b"c"):
        d = r.dump(k)
        assert d[0] == 7
        name = "MBbloom--" if k != b"c" else "MBbloomCF"
        assert d[1:10] == b"\x81" + struct.pack(">Q", module_id(name, 4))
        r.restore(k + b"2", 0, d)
        assert snapshot(r)[k + b"2"] == before[k]
    assert x(r, "BF.EXISTS", "b2", "b5") == 1 and x(r, "CF.COUNT", "c2", "c7") == 0


def test_restore_handmade_payloads(r):
    bits = bytes(144)
    # versions 1 (no options, growth), 2 (no growth), 4, 5 (legacy hash config)
    for encver, tail in ((1, b""), (2, b""), (4, b""), (5, u(0) + u(0))):
        r.restore("v%d" % encver, 0, bf_payload(encver, [(100, 0.005, bits, 0)], tail=tail))
        assert x(r, "BF.INFO", "v%d" % encver, "CAPACITY") == [100]
        assert x(r, "BF.EXISTS", "v%d" % encver, "x") == 0
    assert x(r, "BF.INFO", "v1", "EXPANSION") == [2]  # the growth before version 4
    x(r, "BF.ADD", "v4", "x")
    assert x(r, "BF.EXISTS", "v4", "x") == 1
    good = [(100, 0.005, bits, 0)]
    hostile = [
        bf_payload(4, good, size=5),  # the items are not the links' sum
        bf_payload(4, [(100, 0.005, bits, 101)]),  # more items than capacity
        bf_payload(4, good, options=64),  # unknown option
        bf_payload(4, good, growth=0),  # cannot grow
        bf_payload(5, good, tail=u(1) + u(7)),  # a hash seed this server does not use
        bf_payload(6, good),  # a newer encoding
        bf_payload(4, [(100, 1.5, bits, 0)]),
        seal(bytes([7]) + ln(module_id("MBbloom--", 4)) + u(0) + u(2**40) + ln(0), 10),
    ]
    for i, p in enumerate(hostile):
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad%d" % i, 0, p)

    def cf_payload(encver, subs, bucket=2, n_buckets=None, items=0, deletes=0, tail=b""):
        body = bytes([7]) + ln(module_id("MBbloomCF", encver))
        body += u(len(subs)) + u(n_buckets or subs[0][0]) + u(items)
        if encver >= 4:
            body += u(deletes) + u(bucket) + u(20) + u(1)
        for nb, data in subs:
            if encver >= 4:
                body += u(nb)
            body += s(data)
        return seal(body + tail + ln(0), 10)

    r.restore("c4", 0, cf_payload(4, [(4, bytes([0, 0, 0, 0, 0, 0, 0, 0]))]))
    assert x(r, "CF.INFO", "c4")[:4] == [b"Size", 40 + 16 + 8, b"Number of buckets", 4]
    assert x(r, "CF.ADD", "c4", "a") == 1 and x(r, "CF.EXISTS", "c4", "a") == 1
    r.restore("c2", 0, cf_payload(2, [(4, bytes(8))]))  # parameters from the configs
    # more sub-filters than cf-max-expansions (a batch may grow past it): loads
    r.restore("many", 0, cf_payload(4, [(4, bytes(8))] * 40))
    assert x(r, "CF.INFO", "many")[5] == 40
    assert x(r, "CF.INFO", "c2")[11] == 2
    for i, p in enumerate([
            cf_payload(4, [(4, bytes(7))]),  # slots for another size
            cf_payload(4, [(3, bytes(6))], n_buckets=3),  # not a power of two
            cf_payload(4, [(4, bytes(8))], bucket=0),
            cf_payload(4, [(4, bytes(8))], bucket=300),
            cf_payload(5, [(4, bytes(8))], tail=u(1) + u(0)),
            cf_payload(4, [(4, bytes(8)), (8, bytes(16))], tail=u(9)),  # a field too many
    ]):
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("cbad%d" % i, 0, p)


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    x(c, "BF.RESERVE", "b", 0.01, 20, "EXPANSION", 2)
    x(c, "BF.MADD", "b", *[b"i%d" % i for i in range(200)])
    x(c, "BF.INSERT", "b2", "CAPACITY", 10, "NONSCALING", "ITEMS", "a", "b")
    x(c, "CF.RESERVE", "c", 32, "EXPANSION", 2)
    x(c, "CF.INSERT", "c", "ITEMS", *[b"i%d" % i for i in range(150)])
    x(c, "CF.ADDNX", "c", "i1")
    x(c, "CF.DEL", "c", "i3")
    x(c, "CF.ADD", "c2", "z")
    c.restore("b3", 0, c.dump("b"))
    before = snapshot(c)
    assert set(before) == {b"b", b"b2", b"b3", b"c", b"c2"}
    srv.restart()
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
        assert b"$12\r\nBF.LOADCHUNK\r\n$1\r\nb\r\n$1\r\n1\r\n" in data
        assert b"$12\r\nCF.LOADCHUNK\r\n$1\r\nc\r\n$1\r\n1\r\n$46\r\n" in data
    x(c, "BF.ADD", "b", "after")
    before = snapshot(c)
    srv.restart()
    assert snapshot(srv.client()) == before


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    x(c, "BF.MADD", "b", *[b"i%d" % i for i in range(1000)])
    x(c, "CF.INSERT", "c", "ITEMS", *[b"i%d" % i for i in range(3000)])
    before = snapshot(c)
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == before


def test_replication_streamd_pair(make_server):
    import time

    master, replica = make_server(), make_server()
    m, rep = master.client(), replica.client()
    x(m, "BF.MADD", "before", "a", "b")
    x(m, "CF.INSERT", "cbefore", "ITEMS", "a", "b")
    assert x(rep, "REPLICAOF", "127.0.0.1", master.port) == b"OK"
    deadline = time.monotonic() + 15
    while rep.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # the full sync carried the first two filters; the live stream the rest
    x(m, "BF.ADD", "before", "c")
    x(m, "BF.RESERVE", "r", 0.001, 30, "EXPANSION", 3)
    x(m, "BF.INSERT", "r", "ITEMS", *[b"i%d" % i for i in range(100)])
    x(m, "CF.RESERVE", "c", 16, "BUCKETSIZE", 4)
    x(m, "CF.INSERTNX", "c", "ITEMS", *[b"i%d" % i for i in range(100)])
    x(m, "CF.DEL", "cbefore", "a")
    for it, data in dump_chunks(m, "r", "BF.SCANDUMP"):
        x(m, "BF.LOADCHUNK", "copy", it, data)
    assert x(m, "WAIT", 1, 5000) == 1
    while rep.info("replication")["slave_repl_offset"] != m.info("replication")[
            "master_repl_offset"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert snapshot(rep) == snapshot(m)
    assert x(rep, "BF.EXISTS", "copy", "i7") == 1 and x(rep, "CF.COUNT", "cbefore", "a") == 0
