"""FT.HYBRID (Redis 8.4), the COLLECT reducer of FT.AGGREGATE (Redis 8.10)
and the query engine's timeouts (TIMEOUT, search-timeout, search-on-timeout),
written from the ft.hybrid command page, the hybrid search pages and
RediSearch's tests (tests/pytests/test_hybrid*.py, test_collect*.py):
Debian's 7.0 has no query engine to compare with. The hybrid data is four
documents on a plane, so every fused score can be worked out by hand: RRF
adds 1 / (constant + rank) per list, LINEAR alpha * text score + beta *
the vector similarity (L2: 1 / (1 + distance))."""

import struct

import pytest
from redis.exceptions import ResponseError

from testlib.cmds import err, x


def fp32(*v):
    return struct.pack("<%df" % len(v), *v)


def s(v):
    return v.decode() if isinstance(v, bytes) else v


def deep(v):
    if isinstance(v, (list, tuple)):
        return [deep(i) for i in v]
    if isinstance(v, dict):
        return {s(k): deep(i) for k, i in v.items()}
    return s(v)


Q = fp32(0, 0)


@pytest.fixture
def idx(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT", "tag", "TAG", "n", "NUMERIC", "SORTABLE",
      "v", "VECTOR", "FLAT", 6, "TYPE", "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2")
    # L2 distances (squared) to (0, 0): d1 0, d2 1, d3 1, d4 2
    r.hset("d1", mapping={"t": "red shoes", "tag": "a", "n": 1, "v": fp32(0, 0)})
    r.hset("d2", mapping={"t": "red running shoes", "tag": "b", "n": 2, "v": fp32(1, 0)})
    r.hset("d3", mapping={"t": "running gear", "tag": "a", "n": 3, "v": fp32(0, 1)})
    r.hset("d4", mapping={"t": "blue shoes", "tag": "b", "n": 4, "v": fp32(1, 1)})
    return r


def hybrid(r, *args):
    """FT.HYBRID idx SEARCH ... in RESP2, as a dict with the rows as dicts
    (execution_time checked and dropped)."""
    res = deep(x(r, "FT.HYBRID", "idx", *args))
    assert res[0::2] == ["total_results", "results", "warnings", "execution_time"]
    d = dict(zip(res[0::2], res[1::2]))
    assert float(d.pop("execution_time")) >= 0
    d["results"] = [dict(zip(row[0::2], row[1::2])) for row in d["results"]]
    return d


def keys_scores(d):
    return [(row["__key"], round(float(row["__score"]), 10)) for row in d["results"]]


def rrf(*ranks, c=60):
    return round(sum(1.0 / (c + k) for k in ranks), 10)


# "shoes" ranks d1, d4 (two words each), then d2 (three); the vector ranks
# d1, d2, d3 (a tie at distance 1, by document), d4.


def test_default_rrf(idx):
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", "$q", "PARAMS", 2, "q", Q)
    assert d["total_results"] == 4 and d["warnings"] == []
    assert keys_scores(d) == [("d1", rrf(1, 1)), ("d2", rrf(3, 2)), ("d4", rrf(2, 4)),
                              ("d3", rrf(3))]
    # exactly as RediSearch formats a score
    raw = x(idx, "FT.HYBRID", "idx", "SEARCH", "shoes", "VSIM", "@v", "$q", "PARAMS", 2, "q", Q)
    assert raw[3][0] == [b"__key", b"d1", b"__score", b"0.0327868852459"]
    assert raw[3][3] == [b"__key", b"d3", b"__score", b"0.015873015873"]


def test_rrf_constant_window_and_k(idx):
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "COMBINE", "RRF", 2, "CONSTANT", 1)
    assert [(k, float(v)) for k, v in keys_scores(d)] == [
        ("d1", 1.0), ("d2", rrf(3, 2, c=1)), ("d4", rrf(2, 4, c=1)), ("d3", 0.25)]
    # K 1: the vector side keeps d1 only
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "KNN", 2, "K", 1)
    assert keys_scores(d) == [("d1", rrf(1, 1)), ("d4", rrf(2)), ("d2", rrf(3))]
    # WINDOW 1: one document from each side (K is at most WINDOW)
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "COMBINE", "RRF", 4, "WINDOW", 1,
               "CONSTANT", 2)
    assert keys_scores(d) == [("d1", rrf(1, 1, c=2))]
    assert d["total_results"] == 1
    # an explicit K above WINDOW is still cut to WINDOW under RRF
    d = hybrid(idx, "SEARCH", "blue", "VSIM", "@v", Q, "KNN", 2, "K", 4,
               "COMBINE", "RRF", 2, "WINDOW", 2)
    assert [k for k, _ in keys_scores(d)] == ["d1", "d4", "d2"]  # a tie: by document


def test_limit_stands_in_for_k_and_window(idx):
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "LIMIT", 0, 2)
    # text d1, d4; vector d1, d2: three fused, two shown
    assert d["total_results"] == 3
    assert keys_scores(d) == [("d1", rrf(1, 1)), ("d2", rrf(2))]
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "LIMIT", 1, 2)
    assert keys_scores(d) == [("d2", rrf(2)), ("d4", rrf(2))]
    # default LIMIT 0 10
    d = hybrid(idx, "SEARCH", "*", "VSIM", "@v", Q)
    assert len(d["results"]) == 4


def test_linear(idx):
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "COMBINE", "LINEAR", 4,
               "ALPHA", 0, "BETA", 1)
    # the vector similarity alone: 1 / (1 + distance)
    assert keys_scores(d) == [("d1", 1.0), ("d2", 0.5), ("d3", 0.5),
                              ("d4", round(1 / 3, 10))]
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "COMBINE", "LINEAR", 4,
               "BETA", 0, "ALPHA", 2, "LOAD", 3, "@__key", "@__score", "@ts")
    assert [row["__key"] for row in d["results"]] == ["d1", "d4", "d2", "d3"]
    assert d["results"][3]["__score"] == "0"
    # the text score weighted by ALPHA: twice what FT.SEARCH gives
    ws = deep(x(idx, "FT.SEARCH", "idx", "shoes", "WITHSCORES", "NOCONTENT"))
    scores = dict(zip(ws[1::2], (float(v) for v in ws[2::2])))
    for row in d["results"][:3]:
        assert float(row["__score"]) == pytest.approx(2 * scores[row["__key"]], rel=1e-9)


def test_vsim_filter_and_range(idx):
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "FILTER", "@tag:{b}")
    # vector side: d2, d4 only
    assert keys_scores(d) == [("d2", rrf(3, 1)), ("d4", rrf(2, 2)), ("d1", rrf(1))]
    d = hybrid(idx, "SEARCH", "gear", "VSIM", "@v", Q, "RANGE", 2, "RADIUS", 1,
               "YIELD_SCORE_AS", "vs", "LOAD", 2, "@__key", "@vs")
    # within distance 1: d1, d2, d3; the yielded value is the similarity
    assert d["results"] == [{"__key": "d3", "vs": "0.5"}, {"__key": "d1", "vs": "1"},
                            {"__key": "d2", "vs": "0.5"}]
    d = hybrid(idx, "SEARCH", "gear", "VSIM", "@v", Q, "RANGE", 2, "RADIUS", 1,
               "FILTER", "@n:[2 4]")
    assert [row["__key"] for row in d["results"]] == ["d3", "d2"]
    # EPSILON is HNSW's
    assert err(idx, "FT.HYBRID", "idx", "SEARCH", "gear", "VSIM", "@v", Q, "RANGE", 4,
               "RADIUS", 1, "EPSILON", 0.5) == \
        "Error parsing vector similarity parameters: Invalid option"
    d = hybrid(idx, "SEARCH", "gear", "VSIM", "@v", Q, "FILTER", "@n:[2 4]", "YIELD_SCORE_AS",
               "vs", "LOAD", 2, "@__key", "@vs")
    assert d["results"] == [{"__key": "d3", "vs": "0.5"}, {"__key": "d2", "vs": "0.5"},
                            {"__key": "d4", "vs": str(round(1 / 3, 12))}]
    # YIELD_SCORE_AS inside the KNN count
    d = hybrid(idx, "SEARCH", "nothing", "VSIM", "@v", Q, "KNN", 4, "K", 2,
               "YIELD_SCORE_AS", "sim", "LOAD", 1, "@sim")
    assert d["results"] == [{"sim": "1"}, {"sim": "0.5"}]


def test_yields_load_apply_sortby_filter_groupby(idx):
    d = hybrid(idx, "SEARCH", "shoes", "YIELD_SCORE_AS", "ts", "VSIM", "@v", Q,
               "COMBINE", "RRF", 2, "YIELD_SCORE_AS", "cs",
               "LOAD", 5, "@__key", "@ts", "@cs", "@__score", "@t")
    for row in d["results"]:
        assert row["cs"] == row["__score"]
    assert "ts" not in d["results"][-1]  # d3 is not in the text list
    assert d["results"][0]["t"] == "red shoes"
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "LOAD", 2, "@__key", "@n",
               "APPLY", "@n * 10", "AS", "n10", "SORTBY", 2, "@n10", "DESC")
    assert [(row["__key"], row["n10"]) for row in d["results"]] == [
        ("d4", "40"), ("d3", "30"), ("d2", "20"), ("d1", "10")]
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "COMBINE", "RRF", 2, "CONSTANT", 60,
               "FILTER", '@__key == "d2"')
    assert keys_scores(d) == [("d2", rrf(3, 2))]
    assert d["total_results"] == 1
    d = hybrid(idx, "SEARCH", "*", "VSIM", "@v", Q, "LOAD", 1, "@tag",
               "GROUPBY", 1, "@tag", "REDUCE", "COUNT", 0, "AS", "c", "SORTBY", 2, "@tag", "ASC")
    assert d["results"] == [{"tag": "a", "c": "2"}, {"tag": "b", "c": "2"}]
    assert d["total_results"] == 2
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q, "SORTBY", 2, "@__key", "DESC", "NOSORT")
    assert [row["__key"] for row in d["results"]] == ["d4", "d3", "d2", "d1"]


def test_params_and_dialect(idx):
    d = hybrid(idx, "SEARCH", "@t:$w", "VSIM", "@v", "$q", "FILTER", "@n:[$lo 4]",
               "PARAMS", 6, "w", "gear", "q", Q, "lo", 3)
    assert keys_scores(d) == [("d3", rrf(1, 1)), ("d4", rrf(2))]
    assert err(idx, "FT.HYBRID", "idx", "SEARCH", "gear", "VSIM", "@v", Q, "DIALECT", 5) == \
        "DIALECT requires a non negative integer >=1 and <= 4"
    assert err(idx, "FT.HYBRID", "idx", "SEARCH", "gear", "VSIM", "@v", "$q") == \
        "No such parameter `q`"


def test_resp3(raw, idx):
    c = raw()
    c.call("HELLO", 3)
    res = c.call("FT.HYBRID", "idx", "SEARCH", "gear", "VSIM", "@v", Q, "KNN", 2, "K", 1)
    assert set(res) == {b"total_results", b"results", b"warnings", b"execution_time"}
    assert res[b"total_results"] == 2 and res[b"warnings"] == []
    assert isinstance(res[b"execution_time"], float)
    assert res[b"results"] == [{b"__key": b"d1", b"__score": b"0.0163934426230"[:15]},
                               {b"__key": b"d3", b"__score": b"0.0163934426230"[:15]}] or \
        [r[b"__key"] for r in res[b"results"]] == [b"d1", b"d3"]
    assert res[b"results"][0] == {b"__key": b"d1", b"__score": b"0.016393442623"}


def test_errors(idx):
    def e(*a):
        return err(idx, "FT.HYBRID", "idx", *a)

    assert err(idx, "FT.HYBRID", "nosuch", "SEARCH", "x", "VSIM", "@v", Q) == "No such index nosuch"
    assert e("VSIM", "@v", Q) == "SEARCH argument is required"
    assert e("SEARCH") == "No query string provided for SEARCH"
    assert e("SEARCH", "x") == "VSIM argument is required"
    assert e("SEARCH", "x", "BOGUS", 1) == "Unknown argument `BOGUS` in SEARCH"
    assert e("SEARCH", "x", "VSIM") == "Missing vector field name"
    assert e("SEARCH", "x", "VSIM", "v", Q) == "Missing @ prefix for vector field name"
    assert e("SEARCH", "x", "VSIM", "@v") == "Missing vector argument"
    assert e("SEARCH", "x", "VSIM", "@v", Q, "KNN") == "Missing argument count"
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "KNN", "x")
            == "Invalid argument count: expected an unsigned integer")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 3, "K", 1, "EF_RUNTIME")
            == "Invalid argument count: 3 (must be a positive even number for key/value pairs)")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 4, "K", 1)
            == "Expected arguments 4, but 2 were provided")
    assert e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 2, "K", 0) == "Invalid K value"
    assert e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 2, "X", 1) == "Unknown argument `X` in KNN"
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 2, "EF_RUNTIME", 5)
            == "Missing required argument K")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "KNN", 4, "K", 1, "K", 2)
            == "Duplicate K argument")
    assert e("SEARCH", "x", "VSIM", "@v", Q, "RANGE", 2, "RADIUS", "x") == "Invalid RADIUS value"
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "RANGE", 2, "EPSILON", 1)
            == "Missing required argument RADIUS")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "COMBINE", "LINEAR", 2, "ALPHA", 1)
            == "Missing value for BETA")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "COMBINE", "LINEAR", 2, "WINDOW", 3)
            == "Missing value for ALPHA, BETA")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "COMBINE", "RRF", 2, "CONSTANT", 0)
            == "Invalid CONSTANT value in RRF")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "COMBINE", "RRF", 2, "WINDOW", -1)
            == "Invalid WINDOW value in RRF")
    assert (e("SEARCH", "x", "VSIM", "@v", Q, "COMBINE", "RRF", 2, "ALPHA", 1)
            == "Unknown argument `ALPHA` in RRF")
    assert e("SEARCH", "x", "VSIM", "@v", Q, "WITHCURSOR") == "Unknown argument `WITHCURSOR`"
    assert "Unknown argument `BOGUS`" in e("SEARCH", "x", "VSIM", "@v", Q, "BOGUS")
    assert e("SEARCH", "x", "VSIM", "@v", fp32(1)).startswith(
        "Error parsing vector similarity query: query vector blob size (4)")
    assert "Syntax error" in e("SEARCH", "(x", "VSIM", "@v", Q)
    assert "Property `nope` not loaded" in e("SEARCH", "x", "VSIM", "@v", Q,
                                             "SORTBY", 2, "@nope", "ASC")
    assert err(idx, "FT.HYBRID") == "wrong number of arguments for 'ft.hybrid' command"


def test_index_changes_and_json(r, idx):
    r.delete("d1")
    d = hybrid(idx, "SEARCH", "shoes", "VSIM", "@v", Q)
    assert [row["__key"] for row in d["results"]] == ["d2", "d4", "d3"]
    x(r, "FT.CREATE", "j", "ON", "JSON", "PREFIX", 1, "j:", "SCHEMA", "$.t", "AS", "t", "TEXT",
      "$.v", "AS", "v", "VECTOR", "FLAT", 6, "TYPE", "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2")
    x(r, "JSON.SET", "j:1", "$", '{"t": "hello world", "v": [0, 0]}')
    x(r, "JSON.SET", "j:2", "$", '{"t": "hello", "v": [3, 0]}')
    res = deep(x(r, "FT.HYBRID", "j", "SEARCH", "world", "VSIM", "@v", Q, "LOAD", 2, "@__key",
                 "@t"))
    assert res[3] == [["__key", "j:1", "t", "hello world"], ["__key", "j:2", "t", "hello"]]


# ---- COLLECT ------------------------------------------------------------------


@pytest.fixture
def grp(r):
    x(r, "FT.CREATE", "g", "ON", "HASH", "PREFIX", 1, "g:", "SCHEMA", "g", "TAG", "SORTABLE",
      "v", "NUMERIC", "SORTABLE", "t", "TEXT", "SORTABLE")
    rows = [("a", 1, "x"), ("a", 1, "x"), ("a", 2, "y"), ("a", 2, "y"), ("a", 3, "z"),
            ("b", 5, "q"), ("b", 5, "q")]
    for i, (g, v, t) in enumerate(rows):
        r.hset(f"g:{i}", mapping={"g": g, "v": v, "t": t})
    return r


def collect(r, *inner, load=()):
    res = deep(x(r, "FT.AGGREGATE", "g", "*", *load, "GROUPBY", 1, "@g", "REDUCE", "COLLECT",
                 len(inner), *inner, "AS", "vals", "SORTBY", 2, "@g", "ASC"))
    out = {}
    for row in res[1:]:
        d = dict(zip(row[0::2], row[1::2]))
        out[d["g"]] = [dict(zip(e[0::2], e[1::2])) for e in d["vals"]]
    return out


def test_collect(grp):
    got = collect(grp, "FIELDS", 1, "@v")
    assert sorted(int(e["v"]) for e in got["a"]) == [1, 1, 2, 2, 3]
    assert got["b"] == [{"v": "5"}, {"v": "5"}]
    got = collect(grp, "FIELDS", 1, "@v", "SORTBY", 2, "@v", "DESC", "DISTINCT")
    assert got == {"a": [{"v": "3"}, {"v": "2"}, {"v": "1"}], "b": [{"v": "5"}]}
    got = collect(grp, "FIELDS", 2, "@v", "@t", "SORTBY", 2, "@v", "ASC", "LIMIT", 1, 1,
                  "DISTINCT")
    assert got == {"a": [{"v": "2", "t": "y"}], "b": []}
    got = collect(grp, "FIELDS", "*", "DISTINCT", load=("LOAD", 2, "@v", "@t"))
    assert sorted((e["v"], e["t"]) for e in got["a"]) == [("1", "x"), ("2", "y"), ("3", "z")]
    # a field the document lacks is left out of its element
    grp.hset("g:9", mapping={"g": "c", "v": 7})
    got = collect(grp, "FIELDS", 2, "@v", "@t")
    assert got["c"] == [{"v": "7"}]


def test_collect_resp3(raw, grp):
    c = raw()
    c.call("HELLO", 3)
    res = c.call("FT.AGGREGATE", "g", "*", "GROUPBY", 1, "@g", "REDUCE", "COLLECT", 7,
                 "FIELDS", 1, "@v", "SORTBY", 2, "@v", "DESC", "AS", "vals",
                 "SORTBY", 2, "@g", "ASC")
    rows = [r[b"extra_attributes"] for r in res[b"results"]]
    assert rows[0] == {b"g": b"a", b"vals": [{b"v": b"3"}, {b"v": b"2"}, {b"v": b"2"},
                                            {b"v": b"1"}, {b"v": b"1"}]}
    assert rows[1] == {b"g": b"b", b"vals": [{b"v": b"5"}, {b"v": b"5"}]}


def test_collect_errors(grp):
    def e(*inner):
        return err(grp, "FT.AGGREGATE", "g", "*", "GROUPBY", 1, "@g", "REDUCE", "COLLECT",
                   len(inner), *inner, "AS", "vals")

    assert e("FIELDS", 1027, "@v") == "FIELDS count must be in [1, 1025]"
    assert e("FIELDS", 0) == "FIELDS count must be in [1, 1025]"
    sort = []
    for i in range(9):
        sort += ["@v", "ASC"]
    assert e("FIELDS", 1, "@v", "SORTBY", len(sort), *sort) == "SORTBY exceeds maximum of 8 fields"
    assert e("DISTINCT") == "Bad arguments for COLLECT: FIELDS is required"
    assert e("FIELDS", 1, "@v", "BOGUS") == "Unknown argument for COLLECT: BOGUS"
    assert e("FIELDS", 1, "v").startswith("Missing prefix: name requires '@' prefix")
    assert e("FIELDS", 1, "@nope") == "No such property `nope`"


# ---- timeouts -----------------------------------------------------------------


@pytest.fixture
def big(r):
    """20000 documents, each with its own 8-letter word: a fuzzy query
    walks every word of the dictionary."""
    x(r, "FT.CREATE", "big", "ON", "HASH", "PREFIX", 1, "b:", "SCHEMA", "t", "TEXT",
      "n", "NUMERIC", "v", "VECTOR", "FLAT", 6, "TYPE", "FLOAT32", "DIM", 2,
      "DISTANCE_METRIC", "L2")
    r.eval("""
        local seed = 7
        for i = 1, 20000 do
            local w = {}
            for j = 1, 8 do
                seed = (seed * 1103515245 + 12345) % 2147483648
                w[j] = string.char(97 + math.floor(seed / 65536) % 10)
            end
            redis.call('HSET', 'b:' .. i, 't', table.concat(w) .. ' common', 'n', i)
        end""", 0)
    yield r
    x(r, "CONFIG", "SET", "search-on-timeout", "fail")
    x(r, "CONFIG", "SET", "search-timeout", 500)


def test_timeout_fail_and_return(raw, big):
    # ten fuzzy terms: ten walks of the 20000-word dictionary (tens of ms)
    fuzzy = " | ".join("%%" + ("abcdefghij" * 2)[i:i + 8] + "%%" for i in range(10))
    assert err(big, "FT.SEARCH", "big", fuzzy, "TIMEOUT", 1) == "Timeout limit was reached"
    assert err(big, "FT.AGGREGATE", "big", "*", "LOAD", 1, "@t", "TIMEOUT", 1) == \
        "Timeout limit was reached"
    assert err(big, "FT.HYBRID", "big", "SEARCH", fuzzy, "VSIM", "@v", Q, "TIMEOUT", 1) == \
        "Timeout limit was reached"
    # TIMEOUT 0: no limit; a generous one is not reached
    full = x(big, "FT.SEARCH", "big", fuzzy, "TIMEOUT", 0, "LIMIT", 0, 0)
    assert x(big, "FT.SEARCH", "big", fuzzy, "TIMEOUT", 100000, "LIMIT", 0, 0) == full
    # search-timeout applies without TIMEOUT
    x(big, "CONFIG", "SET", "search-timeout", 1)
    assert err(big, "FT.SEARCH", "big", fuzzy) == "Timeout limit was reached"
    x(big, "FT.CONFIG", "SET", "TIMEOUT", 0)
    assert x(big, "FT.SEARCH", "big", fuzzy, "LIMIT", 0, 0) == full
    # RETURN: partial results, and RESP3 says so
    x(big, "FT.CONFIG", "SET", "ON_TIMEOUT", "RETURN")
    part = x(big, "FT.SEARCH", "big", fuzzy, "TIMEOUT", 1, "LIMIT", 0, 0)
    assert part[0] <= full[0]
    c = raw()
    c.call("HELLO", 3)
    res = c.call("FT.SEARCH", "big", fuzzy, "TIMEOUT", 1, "LIMIT", 0, 0)
    assert res[b"warning"] == [b"Timeout limit was reached"]
    res = c.call("FT.AGGREGATE", "big", "*", "LOAD", 1, "@t", "TIMEOUT", 1)
    assert res[b"warning"] == [b"Timeout limit was reached"]
    res = c.call("FT.HYBRID", "big", "SEARCH", fuzzy, "VSIM", "@v", Q, "TIMEOUT", 1)
    assert res[b"warnings"] == [b"Timeout limit was reached"]
    res = c.call("FT.SEARCH", "big", "common", "LIMIT", 0, 0, "TIMEOUT", 0)
    assert res[b"warning"] == [] and res[b"total_results"] == 20000
