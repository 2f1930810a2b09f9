"""Time series (Redis 8's TS.* commands, RedisTimeSeries), written from the
module's command documentation, its error reference page and its tests,
since Redis 7.0 has no time series to compare with: replies (RESP2 simple
strings and RESP3 doubles for sample values), every error text, duplicate
policies, retention, the ignore window, range queries with filters and
every aggregator, compaction rules, the label index (QUERYINDEX MGET MRANGE
with GROUPBY), WRONGTYPE both ways, MULTI, keyspace events, configs, and
persistence (DEBUG RELOAD, DUMP/RESTORE, AOF replay and rewrite). Some
tests go through redis-py's own r.ts() client."""

import math
import os

import pytest
from redis.exceptions import ResponseError

from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import aof_dir, wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

UPSERT = ("TSDB: Error at upsert, update is not supported when DUPLICATE_POLICY is set to "
          "BLOCK mode, or either current or new value is NaN and DUPLICATE_POLICY is MAX/MIN/SUM")


def info(c, key, *extra):
    v = x(c, "TS.INFO", key, *extra)
    return dict(zip(v[::2], v[1::2]))


def snapshot(c):
    out = {}
    for k in sorted(c.keys("*")):
        if c.type(k) == b"TSDB-TYPE":
            i = info(c, k)
            i.pop(b"memoryUsage")
            out[k] = (x(c, "TS.RANGE", k, "-", "+"), i)
    return out


def test_create_add_get_range(r):
    assert x(r, "TS.CREATE", "t", "RETENTION", 0, "LABELS", "room", "kitchen") == b"OK"
    assert x(r, "TS.ADD", "t", 1000, 21.5) == 1000
    assert x(r, "TS.ADD", "t", 1001, 100) == 1001
    assert x(r, "TS.ADD", "t", 1002, "1e20") == 1002
    assert x(r, "TS.ADD", "t", 1003, "-0.0001") == 1003
    assert x(r, "TS.GET", "t") == [1003, b"-0.0001"]
    assert x(r, "TS.RANGE", "t", "-", "+") == [
        [1000, b"21.5"], [1001, b"100"], [1002, b"1e+20"], [1003, b"-0.0001"]]
    assert x(r, "TS.REVRANGE", "t", 1001, 1002) == [[1002, b"1e+20"], [1001, b"100"]]
    assert x(r, "TS.RANGE", "t", 1001, "+", "COUNT", 1) == [[1001, b"100"]]
    assert x(r, "TS.REVRANGE", "t", "-", "+", "COUNT", 2) == [
        [1003, b"-0.0001"], [1002, b"1e+20"]]
    assert r.type("t") == b"TSDB-TYPE" and r.object("encoding", "t") == b"raw"
    # a new key from TS.ADD, with options
    assert x(r, "TS.ADD", "n", 5, 1, "RETENTION", 100, "LABELS", "a", "b") == 5
    i = info(r, "n")
    assert i[b"retentionTime"] == 100 and i[b"labels"] == [[b"a", b"b"]]
    # empty series
    x(r, "TS.CREATE", "e")
    assert x(r, "TS.GET", "e") == [] and x(r, "TS.RANGE", "e", "-", "+") == []
    # '*' is the server's clock
    ts = x(r, "TS.ADD", "now", "*", 1)
    assert abs(ts - x(r, "TIME")[0] * 1000) < 5000


def test_resp_bytes(raw):
    c = raw()
    assert c.call_raw("TS.ADD", "k", 1, "0.5") == b":1\r\n"
    assert c.call_raw("TS.GET", "k") == b"*2\r\n:1\r\n+0.5\r\n"
    assert c.call_raw("TS.RANGE", "k", "-", "+") == b"*1\r\n*2\r\n:1\r\n+0.5\r\n"
    assert c.call_raw("TS.GET", "nosuch").startswith(b"-ERR TSDB: the key does not exist")
    c.call("SET", "str", "v")
    # the module words a wrong type through its own helper: ERR in front
    assert c.call_raw("TS.GET", "str") == (
        b"-ERR WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
    assert c.call_raw("TS.ADD", "str", 1, 1) == b"-ERR TSDB: the key is not a TSDB key\r\n"
    assert c.call_raw("TS.CREATE", "x", "RETENTION", -5) == b"-TSDB: Couldn't parse RETENTION\r\n"
    c.call("HELLO", 3)
    assert c.call_raw("TS.GET", "k") == b"*2\r\n:1\r\n,0.5\r\n"
    assert c.call_raw("TS.INFO", "k").startswith(b"%14\r\n+totalSamples\r\n:1\r\n")
    c.call("TS.ADD", "k", 2, "nan")
    assert c.call_raw("TS.GET", "k") == b"*2\r\n:2\r\n,nan\r\n"


def test_errors(r):
    x(r, "TS.CREATE", "t")
    r.set("s", "v")
    assert err(r, "TS.CREATE", "t") == "TSDB: key already exists"
    assert err(r, "TS.CREATE", "s") == "TSDB: key already exists"
    assert err(r, "TS.CREATE", "a", "RETENTION", "x") == "TSDB: Couldn't parse RETENTION"
    assert err(r, "TS.CREATE", "a", "RETENTION") == "TSDB: Couldn't parse RETENTION"
    raw = err(r, "TS.CREATE", "a", "RETENTION", -1)
    assert raw == "TSDB: Couldn't parse RETENTION"
    assert err(r, "TS.CREATE", "a", "CHUNK_SIZE", "x") == "TSDB: Couldn't parse CHUNK_SIZE"
    for bad in (40, 100, 1048584):
        assert err(r, "TS.CREATE", "a", "CHUNK_SIZE", bad) == (
            "TSDB: CHUNK_SIZE value must be a multiple of 8 in the range [48 .. 1048576]")
    assert err(r, "TS.CREATE", "a", "ENCODING", "zip") == "TSDB: unknown ENCODING parameter"
    assert "wrong number of arguments" in err(r, "TS.CREATE", "a", "ENCODING")
    assert err(r, "TS.CREATE", "a", "DUPLICATE_POLICY") == "TSDB: Couldn't parse DUPLICATE_POLICY"
    assert err(r, "TS.CREATE", "a", "DUPLICATE_POLICY", "x") == "TSDB: Unknown DUPLICATE_POLICY"
    assert err(r, "TS.CREATE", "a", "IGNORE", 1) == "TSDB: Couldn't parse IGNORE"
    assert err(r, "TS.CREATE", "a", "IGNORE", -1, 1) == "TSDB: IGNORE arguments cannot be negative"
    assert err(r, "TS.CREATE", "a", "LABELS", "l", "(v)") == "TSDB: Couldn't parse LABELS"
    assert err(r, "TS.CREATE", "a", "LABELS", "l", "") == "TSDB: Couldn't parse LABELS"
    assert not r.exists("a")
    assert err(r, "TS.ADD", "t", "x", 1) == "TSDB: invalid timestamp"
    assert err(r, "TS.ADD", "t", -1, 1) == "TSDB: invalid timestamp, must be a nonnegative integer"
    for v in ("x", "+1", ".5", "1.", " 1", "inf", "1e400"):
        assert err(r, "TS.ADD", "t", 1, v) == "TSDB: invalid value", v
    assert err(r, "TS.ADD", "s", 1, 1) == "TSDB: the key is not a TSDB key"
    assert err(r, "TS.ADD", "t", 1, 1, "ON_DUPLICATE", "x") == "TSDB: Unknown DUPLICATE_POLICY"
    assert err(r, "TS.ALTER", "nosuch", "RETENTION", 1) == "TSDB: the key does not exist"
    assert err(r, "TS.ALTER", "nosuch", "RETENTION", "x") == "TSDB: Couldn't parse RETENTION"
    for cmd in (("TS.GET", "s"), ("TS.INFO", "s"), ("TS.RANGE", "s", "-", "+"),
                ("TS.DEL", "s", "-", "+"), ("TS.ALTER", "s"), ("TS.INCRBY", "s", 1)):
        assert err(r, *cmd).startswith("WRONGTYPE"), cmd
    assert err(r, "GET", "t").startswith("WRONGTYPE")
    assert err(r, "TS.DEL", "t", "x", 1) == "TSDB: wrong fromTimestamp"
    assert err(r, "TS.DEL", "t", 1, "x") == "TSDB: wrong toTimestamp"
    assert err(r, "TS.DEL", "nosuch", 1, 2) == "TSDB: the key does not exist"
    assert err(r, "TS.INCRBY", "t", "x") == "TSDB: invalid increase/decrease value"
    assert err(r, "TS.INCRBY", "t", 1, "TIMESTAMP", "x") == "TSDB: invalid timestamp"
    assert err(r, "TS.INCRBY", "t", 1, "TIMESTAMP", -1) == "TSDB: invalid timestamp"
    assert "wrong number of arguments" in err(r, "TS.MADD", "t", 1)
    assert "wrong number of arguments" in err(r, "TS.MADD", "t", 1, 2, "u")
    assert "wrong number of arguments" in err(r, "TS.INFO", "t", "DEBUG", "x")


def test_range_errors(r):
    x(r, "TS.ADD", "t", 1, 1)
    e = lambda *a: err(r, "TS.RANGE", "t", *a)  # noqa: E731
    assert err(r, "TS.RANGE", "nosuch", "x", "+") == "TSDB: the key does not exist"
    assert e("x", "+") == "TSDB: wrong fromTimestamp"
    assert e("-", "x") == "TSDB: wrong toTimestamp"
    assert e("-", "+", "COUNT") == "TSDB: COUNT argument is missing"
    assert e("-", "+", "COUNT", "x") == "TSDB: Couldn't parse COUNT"
    assert e("-", "+", "COUNT", 0) == "TSDB: Invalid COUNT value"
    assert e("-", "+", "AGGREGATION", "avg") == "TSDB: Couldn't parse AGGREGATION"
    assert e("-", "+", "AGGREGATION", "avg", "x") == "TSDB: Couldn't parse AGGREGATION"
    assert e("-", "+", "AGGREGATION", "nope", 10) == "TSDB: Unknown aggregation type"
    assert e("-", "+", "AGGREGATION", "avg", 0) == "TSDB: bucketDuration must be greater than zero"
    assert e("-", "+", "AGGREGATION", "avg", 10, "COUNT", 1, "FILTER_BY_TS", 1, "EMPTY") == (
        "TSDB: EMPTY flag should be the 3rd or 5th flag after AGGREGATION flag")
    assert e("-", "+", "EMPTY") == (
        "TSDB: EMPTY flag should be the 3rd or 5th flag after AGGREGATION flag")
    assert e("-", "+", "AGGREGATION", "avg", 10, "COUNT", 1, "BUCKETTIMESTAMP", "+") == (
        "TSDB: BUCKETTIMESTAMP flag should be the 3rd or 4th flag after AGGREGATION flag")
    assert e("-", "+", "AGGREGATION", "avg", 10, "BUCKETTIMESTAMP", "x") == (
        "TSDB: unknown BUCKETTIMESTAMP parameter")
    assert e("-", "+", "ALIGN", 5) == "TSDB: ALIGN parameter can only be used with AGGREGATION"
    assert e("-", "+", "ALIGN", "x", "AGGREGATION", "avg", 10) == "TSDB: unknown ALIGN parameter"
    assert e("-", "+", "ALIGN", "start", "AGGREGATION", "avg", 10) == (
        "TSDB: start alignment can only be used with explicit start timestamp")
    assert e("-", "+", "ALIGN", "end", "AGGREGATION", "avg", 10) == (
        "TSDB: end alignment can only be used with explicit end timestamp")
    assert e("-", "+", "FILTER_BY_VALUE", 1) == (
        "TSDB: FILTER_BY_VALUE one or more arguments are missing")
    assert e("-", "+", "FILTER_BY_VALUE", "x", 2) == "TSDB: Couldn't parse MIN"
    assert e("-", "+", "FILTER_BY_VALUE", 1, "x") == "TSDB: Couldn't parse MAX"
    assert e("-", "+", "FILTER_BY_TS") == "TSDB: FILTER_BY_TS one or more arguments are missing"
    assert e("-", "+", "FILTER_BY_TS", "x") == (
        "TSDB: FILTER_BY_TS one or more arguments are missing")


def test_duplicate_policies(r):
    x(r, "TS.ADD", "b", 1, 1)
    assert err(r, "TS.ADD", "b", 1, 2) == UPSERT
    assert x(r, "TS.ADD", "b", 1, 5, "ON_DUPLICATE", "SUM") == 1
    assert x(r, "TS.ADD", "b", 1, 2, "ON_DUPLICATE", "min") == 1
    assert x(r, "TS.ADD", "b", 1, 9, "ON_DUPLICATE", "max") == 1
    assert x(r, "TS.ADD", "b", 1, 3, "ON_DUPLICATE", "first") == 1
    assert x(r, "TS.GET", "b") == [1, b"9"]
    assert x(r, "TS.ADD", "b", 1, 4, "ON_DUPLICATE", "last") == 1
    assert x(r, "TS.GET", "b") == [1, b"4"]
    for p, want in (("FIRST", b"10"), ("LAST", b"20"), ("MIN", b"10"), ("MAX", b"20"),
                    ("SUM", b"30")):
        k = "p" + p
        x(r, "TS.CREATE", k, "DUPLICATE_POLICY", p)
        x(r, "TS.ADD", k, 5, 10)
        assert x(r, "TS.ADD", k, 5, 20) == 5
        assert x(r, "TS.RANGE", k, "-", "+") == [[5, want]]
        assert info(r, k)[b"duplicatePolicy"] == p.lower().encode()
    assert info(r, "b")[b"duplicatePolicy"] is None
    # NaN with MIN/MAX/SUM is refused, with LAST it replaces
    x(r, "TS.ADD", "nan", 1, "nan")
    assert err(r, "TS.ADD", "nan", 1, 1, "ON_DUPLICATE", "SUM") == UPSERT
    assert x(r, "TS.ADD", "nan", 1, 1, "ON_DUPLICATE", "LAST") == 1
    # the global default
    r.config_set("ts-duplicate-policy", "last")
    try:
        assert x(r, "TS.ADD", "b", 1, 7) == 1
        assert x(r, "TS.GET", "b") == [1, b"7"]
    finally:
        r.config_set("ts-duplicate-policy", "block")


def test_out_of_order_and_delete(r):
    x(r, "TS.CREATE", "o", "CHUNK_SIZE", 48)  # small chunks: inserts split them
    for t in range(0, 200, 2):
        x(r, "TS.ADD", "o", t, t)
    for t in range(1, 200, 2):
        x(r, "TS.ADD", "o", t, -t)
    got = x(r, "TS.RANGE", "o", "-", "+")
    assert [s[0] for s in got] == list(range(200))
    assert all(float(v) == (t if t % 2 == 0 else -t) for t, v in got)
    n_chunks = info(r, "o")[b"chunkCount"]
    assert n_chunks > 1
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"  # chunk boundaries survive
    assert info(r, "o")[b"chunkCount"] == n_chunks
    assert x(r, "TS.RANGE", "o", "-", "+") == got
    assert x(r, "TS.DEL", "o", 10, 19) == 10
    assert x(r, "TS.DEL", "o", 10, 19) == 0
    assert x(r, "TS.DEL", "o", "-", 4) == 5
    i = info(r, "o")
    assert i[b"totalSamples"] == 185 and i[b"firstTimestamp"] == 5
    assert x(r, "TS.DEL", "o", "-", "+") == 185
    assert info(r, "o")[b"totalSamples"] == 0 and r.exists("o")  # the key stays


def test_retention_and_ignore(r):
    x(r, "TS.CREATE", "r", "RETENTION", 10, "CHUNK_SIZE", 48)
    for t in range(100):
        x(r, "TS.ADD", "r", t, t)
    assert x(r, "TS.RANGE", "r", "-", "+")[0] == [89, b"89"]
    i = info(r, "r")
    assert i[b"totalSamples"] == 11 and i[b"firstTimestamp"] == 89
    assert err(r, "TS.ADD", "r", 88, 1) == "TSDB: Timestamp is older than retention"
    assert x(r, "TS.ADD", "r", 89, 1, "ON_DUPLICATE", "LAST") == 89
    # IGNORE drops samples close to the last one (policy LAST only)
    x(r, "TS.CREATE", "i", "DUPLICATE_POLICY", "LAST", "IGNORE", 5, 3)
    assert x(r, "TS.ADD", "i", 1000, 100) == 1000
    assert x(r, "TS.ADD", "i", 1005, 102) == 1000  # ignored: the last timestamp answers
    assert x(r, "TS.ADD", "i", 1006, 102) == 1006
    assert x(r, "TS.ADD", "i", 1007, 110) == 1007
    assert len(x(r, "TS.RANGE", "i", "-", "+")) == 3
    i = info(r, "i")
    assert i[b"ignoreMaxTimeDiff"] == 5 and i[b"ignoreMaxValDiff"] == b"3"


def test_alter_and_info(r):
    x(r, "TS.CREATE", "a", "LABELS", "x", "1", "y", "2", "ENCODING", "UNCOMPRESSED")
    x(r, "TS.ADD", "a", 1, 1)
    assert x(r, "TS.ALTER", "a", "RETENTION", 500, "CHUNK_SIZE", 128, "DUPLICATE_POLICY", "MAX",
             "LABELS", "z", "3") == b"OK"
    i = info(r, "a")
    assert i[b"retentionTime"] == 500 and i[b"chunkSize"] == 128
    assert i[b"duplicatePolicy"] == b"max" and i[b"labels"] == [[b"z", b"3"]]
    assert i[b"chunkType"] == b"uncompressed" and i[b"sourceKey"] is None and i[b"rules"] == []
    assert list(i) == [b"totalSamples", b"memoryUsage", b"firstTimestamp", b"lastTimestamp",
                       b"retentionTime", b"chunkCount", b"chunkSize", b"chunkType",
                       b"duplicatePolicy", b"labels", b"sourceKey", b"rules",
                       b"ignoreMaxTimeDiff", b"ignoreMaxValDiff"]
    d = info(r, "a", "DEBUG")
    assert d[b"keySelfName"] == b"a"
    ch = dict(zip(d[b"Chunks"][0][::2], d[b"Chunks"][0][1::2]))
    assert ch[b"startTimestamp"] == 1 and ch[b"samples"] == 1
    assert err(r, "TS.INFO", "a", "x") == "syntax error"
    assert r.memory_usage("a") > 0


def test_incrby_decrby(r):
    assert x(r, "TS.INCRBY", "c", 5, "TIMESTAMP", 10) == 10
    assert x(r, "TS.INCRBY", "c", 2.5, "TIMESTAMP", 10) == 10
    assert x(r, "TS.DECRBY", "c", 1, "TIMESTAMP", 11) == 11
    assert x(r, "TS.RANGE", "c", "-", "+") == [[10, b"7.5"], [11, b"6.5"]]
    assert err(r, "TS.INCRBY", "c", 1, "TIMESTAMP", 9) == (
        "TSDB: timestamp must be equal to or higher than the maximum existing timestamp")
    assert x(r, "TS.INCRBY", "d", 3, "LABELS", "TIMESTAMP", "v") > 10**12  # a label, not the option
    assert info(r, "d")[b"labels"] == [[b"TIMESTAMP", b"v"]]
    x(r, "TS.ADD", "n", 1, "nan")
    assert err(r, "TS.INCRBY", "n", 1, "TIMESTAMP", 2) == (
        "TSDB: cannot increment/decrement NaN value")


def test_madd(r):
    x(r, "TS.CREATE", "a")
    x(r, "TS.CREATE", "b")
    r.set("s", "v")
    got = x(r, "TS.MADD", "a", 1, 1, "b", 2, 2, "nosuch", 3, 3, "s", 4, 4, "a", "x", 5,
            "a", 6, "x", "a", 1, 9)
    assert got[:2] == [1, 2]
    assert [str(e) for e in got[2:]] == [
        "TSDB: the key is not a TSDB key", "TSDB: the key is not a TSDB key",
        "TSDB: invalid timestamp", "TSDB: invalid value", UPSERT]


def test_aggregations(r):
    x(r, "TS.CREATE", "g")
    for t, v in [(1, 1), (5, 2), (9, 3), (12, 10), (31, 5), (35, 7)]:
        x(r, "TS.ADD", "g", t, v)

    def agg(a, *more):
        return [[t, float(v)] for t, v in
                x(r, "TS.RANGE", "g", "-", "+", "AGGREGATION", a, 10, *more)]

    assert agg("avg") == [[0, 2], [10, 10], [30, 6]]
    assert agg("sum") == [[0, 6], [10, 10], [30, 12]]
    assert agg("min") == [[0, 1], [10, 10], [30, 5]]
    assert agg("max") == [[0, 3], [10, 10], [30, 7]]
    assert agg("range") == [[0, 2], [10, 0], [30, 2]]
    assert agg("count") == [[0, 3], [10, 1], [30, 2]]
    assert agg("first") == [[0, 1], [10, 10], [30, 5]]
    assert agg("last") == [[0, 3], [10, 10], [30, 7]]
    assert agg("var.s") == [[0, 1], [10, 0], [30, 2]]
    assert agg("var.p")[0][1] == pytest.approx(2 / 3)
    assert agg("std.p")[0][1] == pytest.approx(math.sqrt(2 / 3))
    assert agg("std.s")[2][1] == pytest.approx(math.sqrt(2))
    assert len(agg("twa")) == 3
    assert agg("sum", "EMPTY") == [[0, 6], [10, 10], [20, 0], [30, 12]]
    e = agg("max", "EMPTY")
    assert e[2][0] == 20 and math.isnan(e[2][1])
    assert agg("last", "EMPTY")[2] == [20, 10]
    assert agg("sum", "BUCKETTIMESTAMP", "end") == [[10, 6], [20, 10], [40, 12]]
    assert agg("sum", "BUCKETTIMESTAMP", "mid") == [[5, 6], [15, 10], [35, 12]]
    assert agg("sum", "BUCKETTIMESTAMP", "+", "EMPTY")[2] == [30, 0]
    assert x(r, "TS.RANGE", "g", "-", "+", "ALIGN", 5, "AGGREGATION", "sum", 10) == [
        [0, b"1"], [5, b"15"], [25, b"5"], [35, b"7"]]
    assert x(r, "TS.RANGE", "g", 3, 40, "ALIGN", "start", "AGGREGATION", "count", 10) == [
        [3, b"3"], [23, b"1"], [33, b"1"]]
    assert x(r, "TS.REVRANGE", "g", "-", "+", "AGGREGATION", "sum", 10, "COUNT", 2) == [
        [30, b"12"], [10, b"10"]]
    # filters apply before aggregation
    assert x(r, "TS.RANGE", "g", "-", "+", "FILTER_BY_VALUE", 2, 7) == [
        [5, b"2"], [9, b"3"], [31, b"5"], [35, b"7"]]
    assert x(r, "TS.RANGE", "g", "-", "+", "FILTER_BY_TS", 35, 1, 2, "FILTER_BY_VALUE", 0, 6) == [
        [1, b"1"]]
    assert x(r, "TS.RANGE", "g", "-", "+", "FILTER_BY_TS", 1, 5, 9, 12, "AGGREGATION", "sum",
             100) == [[0, b"16"]]


def test_redis_py_ts_client(r):
    ts = r.ts()
    assert ts.create("py", retention_msecs=0, labels={"k": "v"})
    assert ts.add("py", 1, 1.5) == 1
    assert ts.madd([("py", 2, 2.5), ("py", 3, 3.5)]) == [2, 3]
    assert ts.get("py") == (3, 3.5)
    assert ts.range("py", "-", "+") == [(1, 1.5), (2, 2.5), (3, 3.5)]
    assert ts.revrange("py", "-", "+", count=1) == [(3, 3.5)]
    assert ts.range("py", "-", "+", aggregation_type="sum", bucket_size_msec=10) == [(0, 7.5)]
    i = ts.info("py")
    assert i.total_samples == 3 and i.labels == {"k": "v"} and i.chunk_size == 4096
    assert ts.incrby("py", 1, timestamp=4) == 4
    assert ts.delete("py", 1, 2) == 2
    assert ts.alter("py", labels={"k": "w"})


def test_multi_and_events(r, flags, sub):  # noqa: F811
    p = r.pipeline(transaction=True)
    p.execute_command("TS.CREATE", "m")
    p.execute_command("TS.ADD", "m", 1, 1)
    p.execute_command("TS.GET", "m")
    assert p.execute() == [b"OK", 1, [1, b"1"]]
    flags("KEA")
    x(r, "TS.CREATE", "ev")
    x(r, "TS.ALTER", "ev", "RETENTION", 5)
    x(r, "TS.ADD", "ev", 1, 1)
    x(r, "TS.MADD", "ev", 2, 2)
    x(r, "TS.INCRBY", "ev", 1, "TIMESTAMP", 3)
    x(r, "TS.DECRBY", "ev", 1, "TIMESTAMP", 3)
    x(r, "TS.DEL", "ev", 1, 1)
    got = [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")]
    assert [ch.split(b":", 1)[1] for ch, _ in got] == [
        b"ts.create", b"ts.alter", b"ts.add", b"ts.add", b"ts.incrby", b"ts.decrby", b"ts.del"]
    flags("Kg")  # class d is off: only TS.INCRBY's generic event
    x(r, "TS.ADD", "ev", 10, 1)
    x(r, "TS.INCRBY", "ev", 1, "TIMESTAMP", 11)
    assert [d for _, d in drain(r, sub)] == [b"ts.incrby"]
    flags("Kd")  # the module announces TS.ADD whatever happened
    with pytest.raises(ResponseError):
        x(r, "TS.ADD", "ev", 1, "bad")
    x(r, "TS.MADD", "ev", 20, 1, "nosuch", 1, 1)
    assert [d for _, d in drain(r, sub)] == [b"ts.add", b"ts.add", b"ts.add"]


def test_keyspace_commands(r):
    x(r, "TS.ADD", "k", 1, 1, "LABELS", "a", "b")
    assert r.copy("k", "k2")
    x(r, "TS.ADD", "k2", 2, 2)
    assert len(x(r, "TS.RANGE", "k", "-", "+")) == 1
    assert r.rename("k2", "k3")
    assert x(r, "TS.RANGE", "k3", "-", "+") == [[1, b"1"], [2, b"2"]]
    assert list(r.scan_iter(_type="TSDB-TYPE")) and r.delete("k", "k3") == 2


def test_configs(r):
    assert r.config_get("ts-*") == {
        "ts-retention-policy": "0", "ts-chunk-size-bytes": "4096",
        "ts-duplicate-policy": "block", "ts-encoding": "compressed",
        "ts-ignore-max-time-diff": "0", "ts-ignore-max-val-diff": "0",
        "ts-compaction-policy": ""}
    try:
        r.config_set("ts-retention-policy", 1000)
        r.config_set("ts-chunk-size-bytes", 128)
        r.config_set("ts-encoding", "uncompressed")
        x(r, "TS.CREATE", "c")
        i = info(r, "c")
        assert i[b"retentionTime"] == 1000 and i[b"chunkSize"] == 128
        assert i[b"chunkType"] == b"uncompressed"
        x(r, "TS.CREATE", "c2", "COMPRESSED")  # the older spelling
        assert info(r, "c2")[b"chunkType"] == b"compressed"
        with pytest.raises(ResponseError):
            r.config_set("ts-chunk-size-bytes", 100)
        with pytest.raises(ResponseError):
            r.config_set("ts-chunk-size-bytes", 40)
        with pytest.raises(ResponseError):
            r.config_set("ts-ignore-max-val-diff", -1)
        r.config_set("ts-ignore-max-time-diff", 10)
        r.config_set("ts-ignore-max-val-diff", "0.5")
        x(r, "TS.CREATE", "d")
        assert info(r, "d")[b"ignoreMaxValDiff"] == b"0.5"
    finally:
        r.config_set("ts-retention-policy", 0)
        r.config_set("ts-chunk-size-bytes", 4096)
        r.config_set("ts-encoding", "compressed")
        r.config_set("ts-ignore-max-time-diff", 0)
        r.config_set("ts-ignore-max-val-diff", 0)


def test_acl_category(r):
    assert "timeseries" in r.acl_cat()
    cmds = r.acl_cat("timeseries")
    assert "ts.add" in cmds and "ts.range" in cmds
    r.acl_setuser("tsonly", enabled=True, nopass=True, commands=["+@timeseries"], keys=["*"])
    c = r.connection_pool.get_connection("x")
    try:
        c.send_command("AUTH", "tsonly", "x")
        c.read_response()
        c.send_command("TS.ADD", "acl", 1, 1)
        assert c.read_response() == 1
        c.send_command("SET", "acl2", 1)
        with pytest.raises(Exception):
            c.read_response()
    finally:
        r.connection_pool.release(c)
        r.connection_pool.disconnect()
        r.acl_deluser("tsonly")


def fill(c):
    x(c, "TS.CREATE", "a", "RETENTION", 100000, "LABELS", "kind", "temp", "room", "k")
    x(c, "TS.CREATE", "u", "ENCODING", "UNCOMPRESSED", "DUPLICATE_POLICY", "SUM",
      "IGNORE", 3, 0.5, "CHUNK_SIZE", 64)
    for t in range(0, 3000, 3):
        x(c, "TS.ADD", "a", t, t * 0.25)
        x(c, "TS.ADD", "u", t, -t)
    x(c, "TS.ADD", "u", 7, 1)
    x(c, "TS.ADD", "u", 7, 1)
    x(c, "TS.ADD", "nanny", 1, "nan")
    x(c, "TS.DEL", "a", 100, 200)
    x(c, "TS.ADD", "star", "*", 1)
    x(c, "TS.MADD", "a", "*", 5, "u", 1, 2)
    x(c, "TS.INCRBY", "inc", 5)
    x(c, "TS.INCRBY", "inc", 1)


def test_persistence_reload_and_dump(r):
    fill(r)
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    d = r.dump("a")
    assert d[0] == 7
    r.restore("a2", 0, d)
    assert x(r, "TS.RANGE", "a2", "-", "+") == x(r, "TS.RANGE", "a", "-", "+")
    for bad in (d[:20] + d[-10:], d[:5] + b"\x00" * 30 + d[-10:]):
        with pytest.raises(ResponseError):
            r.restore("bad", 0, bad)
    assert not r.exists("bad")


def test_restore_refuses_bad_payloads(r):
    x(r, "TS.ADD", "k", 1, 1)
    x(r, "TS.ADD", "k", 2, 2)
    d = bytearray(r.dump("k"))
    from testlib.dumppayload import seal
    body = bytes(d[:-10])
    # flip each byte of the body in turn: refused or loaded, never a crash
    for i in range(1, len(body)):
        b = bytearray(body)
        b[i] ^= 0x5A
        try:
            r.restore("f%d" % i, 0, seal(bytes(b), 12))
        except ResponseError as e:
            assert "Bad data format" in str(e) or "checksum" in str(e)
    assert r.ping()


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    fill(c)
    before = snapshot(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    x(c, "TS.ADD", "u", 5000, 1)
    before = snapshot(c)
    srv.restart()
    assert snapshot(srv.client()) == before
    assert os.path.isdir(aof_dir(srv))


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    fill(c)
    before = snapshot(c)
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == before


def test_compaction_rules(r):
    x(r, "TS.CREATE", "src")
    x(r, "TS.CREATE", "dst")
    x(r, "TS.CREATE", "dst2")
    assert x(r, "TS.CREATERULE", "src", "dst", "AGGREGATION", "sum", 10) == b"OK"
    assert x(r, "TS.CREATERULE", "src", "dst2", "AGGREGATION", "max", 10, 5) == b"OK"
    for t in (1, 5, 11, 15, 21, 25, 31):
        x(r, "TS.ADD", "src", t, t)
    assert x(r, "TS.RANGE", "dst", "-", "+") == [[0, b"6"], [10, b"26"], [20, b"46"]]
    assert x(r, "TS.RANGE", "dst2", "-", "+") == [[0, b"1"], [5, b"11"], [15, b"21"]]
    # LATEST adds the open bucket
    assert x(r, "TS.RANGE", "dst", "-", "+", "LATEST")[-1] == [30, b"31"]
    assert x(r, "TS.GET", "dst", "LATEST") == [30, b"31"]
    assert x(r, "TS.GET", "dst") == [20, b"46"]
    # an upsert into a closed bucket recomputes it
    x(r, "TS.ADD", "src", 3, 100)
    assert x(r, "TS.RANGE", "dst", "-", "+")[0] == [0, b"106"]
    x(r, "TS.DEL", "src", 11, 11)
    assert x(r, "TS.RANGE", "dst", "-", "+")[1] == [10, b"15"]
    i = info(r, "src")
    assert i[b"rules"] == [[b"dst", 10, b"SUM", 0], [b"dst2", 10, b"MAX", 5]]
    assert info(r, "dst")[b"sourceKey"] == b"src"
    # errors
    assert "wrong number of arguments" in err(r, "TS.CREATERULE", "src", "dst", "AGGREGATION")
    assert err(r, "TS.CREATERULE", "src", "src", "AGGREGATION", "sum", 10) == (
        "TSDB: the source key and destination key should be different")
    assert err(r, "TS.CREATERULE", "src", "dst", "AGGREGATION", "nope", 10) == (
        "TSDB: Unknown aggregation type")
    assert err(r, "TS.CREATERULE", "src", "dst", "AGGREGATION", "sum", 0) == (
        "TSDB: bucketDuration must be greater than zero")
    assert err(r, "TS.CREATERULE", "src", "dst", "AGGREGATION", "sum", 10) == (
        "TSDB: the destination key already has a src rule")
    assert err(r, "TS.CREATERULE", "dst", "x", "AGGREGATION", "sum", 10) == (
        "TSDB: the source key already has a source rule")
    assert err(r, "TS.CREATERULE", "nosuch", "dst", "AGGREGATION", "sum", 10) == (
        "TSDB: the key does not exist")
    assert err(r, "TS.DELETERULE", "src", "nosuch") == "TSDB: compaction rule does not exist"
    assert x(r, "TS.DELETERULE", "src", "dst2") == b"OK"
    assert info(r, "dst2")[b"sourceKey"] is None
    # deleting the destination ends the rule
    r.delete("dst")
    assert info(r, "src")[b"rules"] == []
    x(r, "TS.ADD", "src", 100, 1)
    assert not r.exists("dst")


def test_label_index(r):
    x(r, "TS.CREATE", "t:1", "LABELS", "type", "temp", "room", "a")
    x(r, "TS.CREATE", "t:2", "LABELS", "type", "temp", "room", "b")
    x(r, "TS.CREATE", "h:1", "LABELS", "type", "hum", "room", "a", "extra", "1")
    x(r, "TS.CREATE", "nolabels")
    r.set("str", "v")
    for k, base in (("t:1", 10), ("t:2", 20), ("h:1", 50)):
        for t in range(0, 40, 10):
            x(r, "TS.ADD", k, t, base + t)
    q = lambda *f: sorted(x(r, "TS.QUERYINDEX", *f))  # noqa: E731
    assert q("type=temp") == [b"t:1", b"t:2"]
    assert q("room=a", "type!=temp") == [b"h:1"]
    assert q("type=(temp,hum)", "extra=") == [b"t:1", b"t:2"]
    assert q("type=(temp,hum)", "extra!=") == [b"h:1"]
    assert q("room!=(b)", "type=(temp)") == [b"t:1"]
    assert q("type=nope") == []
    assert err(r, "TS.QUERYINDEX", "type!=temp") == "TSDB: please provide at least one matcher"
    assert err(r, "TS.QUERYINDEX", "bad") == "TSDB: failed parsing labels"
    assert x(r, "TS.MGET", "FILTER", "type=temp") == [
        [b"t:1", [], [30, b"40"]], [b"t:2", [], [30, b"50"]]]
    assert x(r, "TS.MGET", "WITHLABELS", "FILTER", "room=b") == [
        [b"t:2", [[b"type", b"temp"], [b"room", b"b"]], [30, b"50"]]]
    assert x(r, "TS.MGET", "SELECTED_LABELS", "room", "nope", "FILTER", "type=hum") == [
        [b"h:1", [[b"room", b"a"], [b"nope", None]], [30, b"80"]]]
    assert err(r, "TS.MGET", "WITHLABELS", "SELECTED_LABELS", "a", "FILTER", "type=hum") == (
        "TSDB: cannot accept WITHLABELS and SELECT_LABELS together")
    assert "wrong number of arguments" in err(r, "TS.MGET", "WITHLABELS", "type=hum")
    assert x(r, "TS.MRANGE", 10, 20, "FILTER", "type=temp") == [
        [b"t:1", [], [[10, b"20"], [20, b"30"]]], [b"t:2", [], [[10, b"30"], [20, b"40"]]]]
    assert x(r, "TS.MREVRANGE", "-", "+", "COUNT", 1, "FILTER", "type=temp") == [
        [b"t:1", [], [[30, b"40"]]], [b"t:2", [], [[30, b"50"]]]]
    assert x(r, "TS.MRANGE", "-", "+", "AGGREGATION", "sum", 20, "FILTER", "room=a") == [
        [b"h:1", [], [[0, b"110"], [20, b"150"]]], [b"t:1", [], [[0, b"30"], [20, b"70"]]]]
    got = x(r, "TS.MRANGE", "-", "+", "WITHLABELS", "FILTER", "room=(a,b)", "GROUPBY", "type",
            "REDUCE", "max")
    assert got == [
        [b"type=hum", [[b"type", b"hum"], [b"__reducer__", b"max"], [b"__source__", b"h:1"]],
         [[0, b"50"], [10, b"60"], [20, b"70"], [30, b"80"]]],
        [b"type=temp", [[b"type", b"temp"], [b"__reducer__", b"max"],
                        [b"__source__", b"t:1,t:2"]],
         [[0, b"20"], [10, b"30"], [20, b"40"], [30, b"50"]]]]
    got = x(r, "TS.MREVRANGE", "-", "+", "COUNT", 2, "FILTER", "type=temp", "GROUPBY", "type",
            "REDUCE", "avg")
    assert got == [[b"type=temp", [], [[30, b"45"], [20, b"35"]]]]
    assert "wrong number of arguments" in err(r, "TS.MRANGE", "-", "+", "FILTER", "type=temp",
                                              "GROUPBY", "type")
    assert err(r, "TS.MRANGE", "-", "+", "FILTER", "type=temp", "GROUPBY", "type", "REDUCE",
               "last") == "TSDB: Invalid reducer type"
    assert err(r, "TS.MRANGE", "-", "+", "GROUPBY", "type", "REDUCE", "max", "FILTER",
               "type=temp") == "TSDB: GROUPBY should always come after filter"
    assert err(r, "TS.MRANGE", "-", "+", "COUNT", 1) == "TSDB: missing FILTER argument"
    assert err(r, "TS.MRANGE", "-", "+", "FILTER") == "TSDB: missing labels for filter argument"
    assert err(r, "TS.MGET", "SELECTED_LABELS", "FILTER", "type=temp") == (
        "TSDB: SELECT_LABELS should have at least 1 parameter")
    # redis-py's helpers parse the replies
    ts = r.ts()
    assert ts.queryindex(["type=temp"]) == ["t:1", "t:2"]
    assert ts.mget(["type=hum"]) == [{"h:1": [{}, 30, 80.0]}]
    assert ts.mrange(0, 10, ["room=b"]) == [{"t:2": [{}, [(0, 20.0), (10, 30.0)]]}]


def test_label_index_resp3(raw):
    c = raw()
    c.call("TS.CREATE", "a", "LABELS", "k", "v")
    c.call("TS.ADD", "a", 1, 2)
    c.call("HELLO", 3)
    assert c.call_raw("TS.QUERYINDEX", "k=v") == b"~1\r\n$1\r\na\r\n"
    assert c.call_raw("TS.MGET", "WITHLABELS", "FILTER", "k=v") == (
        b"%1\r\n$1\r\na\r\n*2\r\n%1\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n:1\r\n,2\r\n")
    assert c.call_raw("TS.MRANGE", "-", "+", "FILTER", "k=v") == (
        b"%1\r\n$1\r\na\r\n*3\r\n%0\r\n%1\r\n$11\r\naggregators\r\n*0\r\n"
        b"*1\r\n*2\r\n:1\r\n,2\r\n")


def test_multi_aggregation_and_empty_fill(r):
    x(r, "TS.CREATE", "m", "LABELS", "t", "m")
    for i in range(10):
        x(r, "TS.ADD", "m", 1000 + i, 100 + i)
        x(r, "TS.ADD", "m", 3000 + i, 300 + i)
    assert x(r, "TS.RANGE", "m", "-", "+", "AGGREGATION", "min,max,count", 1000) == [
        [1000, b"100", b"109", b"10"], [3000, b"300", b"309", b"10"]]
    assert x(r, "TS.REVRANGE", "m", "-", "+", "AGGREGATION", "sum,min", 1000, "COUNT", 1) == [
        [3000, b"3045", b"300"]]
    assert x(r, "TS.RANGE", "m", "-", "+", "AGGREGATION", "min,min", 1000, "EMPTY") == [
        [1000, b"100", b"100"], [2000, b"nan", b"nan"], [3000, b"300", b"300"]]
    assert x(r, "TS.MRANGE", "-", "+", "AGGREGATION", "first,last", 5000, "FILTER", "t=m") == [
        [b"m", [], [[0, b"100", b"309"]]]]
    assert err(r, "TS.RANGE", "m", "-", "+", "AGGREGATION", "min,", 10) == (
        "TSDB: Empty aggregation type in list")
    assert err(r, "TS.RANGE", "m", "-", "+", "AGGREGATION", ",".join(["min"] * 17), 10) == (
        "TSDB: Too many aggregation types")
    assert err(r, "TS.RANGE", "m", "-", "+", "AGGREGATION", "min,bad", 10) == (
        "TSDB: Unknown aggregation type")
    assert "GROUPBY" in err(r, "TS.MRANGE", "-", "+", "AGGREGATION", "min,max", 10, "FILTER",
                            "t=m", "GROUPBY", "t", "REDUCE", "max")
    x(r, "TS.CREATE", "d")
    assert err(r, "TS.CREATERULE", "m", "d", "AGGREGATION", "min,max", 10) == (
        "TSDB: CREATERULE requires exactly one aggregation type")
    # EMPTY fills between the series' samples, not only inside the range:
    # a window inside the gap is filled end to end, 'last' carries from before
    assert x(r, "TS.RANGE", "m", 1500, 2600, "AGGREGATION", "last", 500, "EMPTY") == [
        [1500, b"109"], [2000, b"109"], [2500, b"109"]]
    assert x(r, "TS.RANGE", "m", 1500, 2600, "AGGREGATION", "count", 500, "EMPTY") == [
        [1500, b"0"], [2000, b"0"], [2500, b"0"]]
    assert x(r, "TS.RANGE", "m", 3500, 9000, "AGGREGATION", "count", 500, "EMPTY") == []
    # NaN samples are kept and read back, but aggregate to nothing
    x(r, "TS.ADD", "m", 3100, "nan")
    assert x(r, "TS.RANGE", "m", 3100, 3100) == [[3100, b"nan"]]
    assert x(r, "TS.RANGE", "m", 3000, 3999, "AGGREGATION", "count", 1000) == [[3000, b"10"]]


def test_nrange(r):
    x(r, "TS.CREATE", "n1")
    x(r, "TS.CREATE", "n2")
    for t, v in [(1, 10), (2, 20), (4, 40)]:
        x(r, "TS.ADD", "n1", t, v)
    for t, v in [(2, 2), (3, 3)]:
        x(r, "TS.ADD", "n2", t, v)
    assert x(r, "TS.NRANGE", 2, "n1", "n2", "-", "+") == [
        [1, [b"10", b"nan"]], [2, [b"20", b"2"]], [3, [b"nan", b"3"]], [4, [b"40", b"nan"]]]
    assert x(r, "TS.NREVRANGE", 2, "n1", "n2", "-", "+", "COUNT", 2) == [
        [4, [b"40", b"nan"]], [3, [b"nan", b"3"]]]
    assert x(r, "TS.NRANGE", 2, "n1", "n2", "-", "+", "AGGREGATION", "sum", "count", 10) == [
        [0, [b"70", b"2"]]]
    assert x(r, "TS.NRANGE", 1, "n1", 2, 4) == [[2, [b"20"]], [4, [b"40"]]]
    assert err(r, "TS.NRANGE", 0, "n1", "-", "+") == "TSDB: numkeys must be a positive integer"
    assert err(r, "TS.NRANGE", "x", "n1", "-", "+") == "TSDB: numkeys must be a positive integer"
    assert "wrong number of arguments" in err(r, "TS.NRANGE", 3, "n1", "n2", "-", "+")
    assert err(r, "TS.NRANGE", 2, "n1", "n2", "-", "+", "AGGREGATION", "sum", 10) == (
        "TSDB: the number of aggregators must be equal to numkeys")
    assert err(r, "TS.NRANGE", 2, "n1", "n2", "-", "+", "AGGREGATION", "sum", "x", 10) == (
        "TSDB: Unknown aggregation type")
    assert err(r, "TS.NRANGE", 2, "n1", "nosuch", "-", "+") == "TSDB: the key does not exist"
    assert r.command_getkeys("TS.NRANGE", 2, "n1", "n2", "-", "+") == ["n1", "n2"]


def test_compaction_policy(r):
    with pytest.raises(ResponseError):
        r.config_set("ts-compaction-policy", "max:1x:1d")
    with pytest.raises(ResponseError):
        r.config_set("ts-compaction-policy", "nope:1s:1d")
    r.config_set("ts-compaction-policy", "max:1m:1d;min:10s:1h;avg:2h:10d;count:1s:0:500m")
    try:
        r.set("exist_MAX_1", "foo")
        assert x(r, "TS.ADD", "tester", 1980, 0, "LABELS", "name", "brown") == 1980
        x(r, "TS.ADD", "exist", 1980, 0)
        x(r, "TS.CREATE", "plain")  # TS.CREATE makes no rules
        assert sorted(r.keys("*")) == [
            b"exist", b"exist_AVG_7200000", b"exist_COUNT_1000_500", b"exist_MAX_1",
            b"exist_MIN_10000", b"plain", b"tester", b"tester_AVG_7200000",
            b"tester_COUNT_1000_500", b"tester_MAX_1", b"tester_MIN_10000"]
        i = info(r, "tester_MIN_10000")
        assert i[b"retentionTime"] == 3600000 and i[b"sourceKey"] == b"tester"
        assert i[b"labels"] == [[b"name", b"brown"], [b"aggregation", b"MIN"],
                                [b"time_bucket", b"10000"]]
        assert [rule[0] for rule in info(r, "tester")[b"rules"]] == [
            b"tester_MAX_1", b"tester_MIN_10000", b"tester_AVG_7200000", b"tester_COUNT_1000_500"]
        assert info(r, "tester")[b"rules"][3] == [b"tester_COUNT_1000_500", 1000, b"COUNT", 500]
        assert [rule[0] for rule in info(r, "exist")[b"rules"]] == [
            b"exist_MIN_10000", b"exist_AVG_7200000", b"exist_COUNT_1000_500"]
        x(r, "TS.ADD", "tester", 1981, 5)
        assert x(r, "TS.RANGE", "tester_MAX_1", "-", "+") == [[1980, b"0"]]
    finally:
        r.config_set("ts-compaction-policy", "")


def test_empty_fill_is_bounded(r):
    # billions of 1 ms buckets between two samples: refused, not attempted
    x(r, "TS.ADD", "w", 1, 1)
    x(r, "TS.ADD", "w", 10**12, 2)
    assert err(r, "TS.REVRANGE", "w", "-", "+", "AGGREGATION", "sum", 1, "EMPTY") == (
        "TSDB: the requested range holds too many empty buckets")
    assert err(r, "TS.RANGE", "w", "-", "+", "AGGREGATION", "sum", 1, "EMPTY") == (
        "TSDB: the requested range holds too many empty buckets")
    # a forward read with a COUNT builds only what it sends
    assert x(r, "TS.RANGE", "w", "-", "+", "AGGREGATION", "sum", 1, "EMPTY", "COUNT", 3) == [
        [1, b"1"], [2, b"0"], [3, b"0"]]
    assert len(x(r, "TS.RANGE", "w", "-", "+", "AGGREGATION", "sum", 10**7, "EMPTY")) == 100001


def test_rule_state_survives_persistence(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    x(c, "TS.CREATE", "src", "LABELS", "k", "v")
    x(c, "TS.CREATE", "dst")
    x(c, "TS.CREATERULE", "src", "dst", "AGGREGATION", "avg", 10)
    for t in range(0, 25):
        x(c, "TS.ADD", "src", t, t)
    # the open bucket [20, 30) has 5 samples: they must survive a reload,
    # an AOF replay and a rewrite, and close into the same average
    want_open = x(c, "TS.GET", "dst", "LATEST")
    assert want_open == [20, b"22"]
    c.execute_command("DEBUG", "RELOAD")
    assert x(c, "TS.GET", "dst", "LATEST") == want_open
    srv.restart()
    c = srv.client()
    assert x(c, "TS.GET", "dst", "LATEST") == want_open
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    x(c, "TS.ADD", "src", 30, 0)
    assert x(c, "TS.RANGE", "dst", "-", "+") == [[0, b"4.5"], [10, b"14.5"], [20, b"22"]]
    assert info(c, "src")[b"rules"] == [[b"dst", 10, b"AVG", 0]]
    assert info(c, "dst")[b"sourceKey"] == b"src"
