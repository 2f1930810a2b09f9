"""The query engine's settings: Redis 8's search-* configs through CONFIG
GET / SET, and FT.CONFIG GET / SET / HELP under RediSearch's old names over
the same values, written from RediSearch's tests/pytests/test_config.py and
Redis 8's redis.conf: defaults, bounds, immutables, the replies FT.CONFIG
gives as simple strings (EXCESSARGS, No such configuration action), and
redis-py's r.ft().config_get()."""

import pytest
from redis.exceptions import ResponseError

from testlib.cmds import err, x

DEFAULTS = {
    "search-default-dialect": b"1", "search-timeout": b"500", "search-on-timeout": b"fail",
    "search-min-prefix": b"2", "search-max-prefix-expansions": b"200",
    "search-max-search-results": b"1000000", "search-max-aggregate-results": b"2147483648",
    "search-cursor-max-idle": b"300000", "search-max-doctablesize": b"1000000",
    "search-min-stem-len": b"4", "search-index-cursor-limit": b"128",
    "search-no-gc": b"no", "search-ext-load": b"", "search-workers": b"0",
}

FT_DEFAULTS = {
    b"EXTLOAD": None, b"NOGC": b"false", b"MINPREFIX": b"2", b"FORKGC_SLEEP_BEFORE_EXIT": b"0",
    b"MAXDOCTABLESIZE": b"1000000", b"MAXSEARCHRESULTS": b"1000000",
    b"MAXAGGREGATERESULTS": b"unlimited", b"MAXEXPANSIONS": b"200",
    b"MAXPREFIXEXPANSIONS": b"200", b"TIMEOUT": b"500", b"WORKERS": b"0",
    b"MIN_OPERATION_WORKERS": b"4", b"TIERED_HNSW_BUFFER_LIMIT": b"1024",
    b"WORKERS_PRIORITY_BIAS_THRESHOLD": b"1", b"FRISOINI": None, b"ON_TIMEOUT": b"fail",
    b"GCSCANSIZE": b"100", b"MIN_PHONETIC_TERM_LEN": b"3", b"GC_POLICY": b"fork",
    b"FORK_GC_RUN_INTERVAL": b"30", b"FORK_GC_CLEAN_THRESHOLD": b"100",
    b"FORK_GC_RETRY_INTERVAL": b"5", b"CURSOR_MAX_IDLE": b"300000", b"NO_MEM_POOLS": b"false",
    b"PARTIAL_INDEXED_DOCS": b"false", b"_NUMERIC_COMPRESS": b"false",
    b"_NUMERIC_RANGES_PARENTS": b"0", b"_PRIORITIZE_INTERSECT_UNION_CHILDREN": b"false",
    b"_FREE_RESOURCE_ON_THREAD": b"true", b"BG_INDEX_SLEEP_GAP": b"100",
    b"UNION_ITERATOR_HEAP": b"20", b"INDEX_CURSOR_LIMIT": b"128", b"MINSTEMLEN": b"4",
    b"DEFAULT_DIALECT": b"1", b"MULTI_TEXT_SLOP": b"100",
}


@pytest.fixture(autouse=True)
def restore(r):
    yield
    for name, value in DEFAULTS.items():
        if name not in ("search-max-doctablesize", "search-no-gc", "search-ext-load"):
            r.config_set(name, value)


def test_config_get_defaults(r):
    for name, value in DEFAULTS.items():
        assert r.config_get(name) == {name: value.decode()}, name
    got = r.config_get("search-*")
    assert len(got) >= 30 and got["search-min-stem-len"] == "4"


def test_ft_config_get_all(r):
    res = x(r, "FT.CONFIG", "GET", "*")
    d = {e[0]: e[1] for e in res}
    assert all(len(e) == 2 for e in res)
    for k, v in FT_DEFAULTS.items():
        assert d[k] == v, k
    assert x(r, "FT.CONFIG", "GET", "timeout") == [[b"TIMEOUT", b"500"]]
    assert x(r, "FT.CONFIG", "GET", "nosuch") == []
    assert x(r, "FT.CONFIG", "HELP", "TIMEOUT") == [
        [b"TIMEOUT", b"Description", b"Query (search) timeout", b"Value", b"500"]]
    assert x(r, "FT.CONFIG", "HELP", "idx") == []
    assert r.ft().config_get("TIMEOUT") == {b"TIMEOUT": b"500"}


def test_one_value_two_names(r):
    assert x(r, "FT.CONFIG", "SET", "TIMEOUT", 42) == b"OK"
    assert r.config_get("search-timeout") == {"search-timeout": "42"}
    r.config_set("search-min-prefix", 5)
    assert x(r, "FT.CONFIG", "GET", "MINPREFIX") == [[b"MINPREFIX", b"5"]]
    r.config_set("search-default-dialect", 2)
    assert x(r, "FT.CONFIG", "GET", "DEFAULT_DIALECT") == [[b"DEFAULT_DIALECT", b"2"]]
    # MAXEXPANSIONS and MAXPREFIXEXPANSIONS are one setting
    assert x(r, "FT.CONFIG", "SET", "MAXEXPANSIONS", 7) == b"OK"
    assert x(r, "FT.CONFIG", "GET", "MAXPREFIXEXPANSIONS") == [[b"MAXPREFIXEXPANSIONS", b"7"]]
    assert r.config_get("search-max-prefix-expansions") == {"search-max-prefix-expansions": "7"}
    r.config_set("search-on-timeout", "return")
    assert x(r, "FT.CONFIG", "GET", "ON_TIMEOUT") == [[b"ON_TIMEOUT", b"return"]]
    assert x(r, "FT.CONFIG", "SET", "ON_TIMEOUT", "FAIL") == b"OK"
    assert r.config_get("search-on-timeout") == {"search-on-timeout": "fail"}
    # results limits: -1 and 2^31 read as unlimited
    assert x(r, "FT.CONFIG", "SET", "MAXSEARCHRESULTS", -1) == b"OK"
    assert x(r, "FT.CONFIG", "GET", "MAXSEARCHRESULTS") == [[b"MAXSEARCHRESULTS", b"unlimited"]]
    assert r.config_get("search-max-search-results") == {
        "search-max-search-results": "2147483648"}
    assert x(r, "FT.CONFIG", "SET", "MAXAGGREGATERESULTS", 100) == b"OK"
    assert r.config_get("search-max-aggregate-results") == {
        "search-max-aggregate-results": "100"}


def test_ft_config_set_errors(r):
    assert x(r, "FT.CONFIG", "SET", "MINPREFIX", 1, 2) == b"EXCESSARGS"
    assert x(r, "FT.CONFIG", "no_such_command", "idx") == b"No such configuration action"
    assert "wrong number of arguments" in err(r, "FT.CONFIG", "idx")
    assert err(r, "FT.CONFIG", "SET", "MINPREFIX", "str") == (
        "Could not convert argument to expected type")
    assert err(r, "FT.CONFIG", "SET", "TIMEOUT", "1.5") == (
        "Could not convert argument to expected type")
    for name in ("EXTLOAD", "NOGC", "MAXDOCTABLESIZE", "FRISOINI", "GC_POLICY", "NO_MEM_POOLS",
                 "PARTIAL_INDEXED_DOCS", "RAW_DOCID_ENCODING", "BG_INDEX_SLEEP_GAP",
                 "TIERED_HNSW_BUFFER_LIMIT", "MULTI_TEXT_SLOP"):
        assert err(r, "FT.CONFIG", "SET", name, 1) == "Not modifiable at runtime", name
        assert err(r, "FT.CONFIG", "SET", name) == "Not modifiable at runtime", name
    assert err(r, "FT.CONFIG", "SET", "ON_TIMEOUT", 1) == "Invalid ON_TIMEOUT value"
    assert err(r, "FT.CONFIG", "SET", "_NUMERIC_RANGES_PARENTS", 3) == (
        "Max depth for range cannot be higher than max depth for balance")
    assert "Minimum stem length cannot be lower than" in err(r, "FT.CONFIG", "SET", "MINSTEMLEN",
                                                              1)
    assert "Number of worker threads cannot exceed" in err(r, "FT.CONFIG", "SET", "WORKERS",
                                                           2 ** 13 + 1)
    assert err(r, "FT.CONFIG", "SET", "INDEX_CURSOR_LIMIT", -1) == (
        "Value is outside acceptable bounds")
    assert err(r, "FT.CONFIG", "SET", "DEFAULT_DIALECT", 5) == "Value is outside acceptable bounds"
    assert "Unknown option" in err(r, "FT.CONFIG", "SET", "NOSUCH", 1)
    # nothing changed by the refusals
    assert x(r, "FT.CONFIG", "GET", "DEFAULT_DIALECT") == [[b"DEFAULT_DIALECT", b"1"]]
    assert x(r, "FT.CONFIG", "GET", "_NUMERIC_RANGES_PARENTS") == [
        [b"_NUMERIC_RANGES_PARENTS", b"0"]]
    # the mutable flags take true/false
    assert x(r, "FT.CONFIG", "SET", "_NUMERIC_COMPRESS", "true") == b"OK"
    assert x(r, "FT.CONFIG", "GET", "_NUMERIC_COMPRESS") == [[b"_NUMERIC_COMPRESS", b"true"]]
    assert r.config_get("search-_numeric-compress") == {"search-_numeric-compress": "yes"}
    assert x(r, "FT.CONFIG", "SET", "_NUMERIC_COMPRESS", "false") == b"OK"


def test_config_set_bounds(r):
    for name, bad in (("search-default-dialect", 5), ("search-default-dialect", 0),
                      ("search-timeout", 0), ("search-min-prefix", "x"),
                      ("search-min-stem-len", 1), ("search-workers", 17),
                      ("search-on-timeout", "later"), ("search-max-search-results", 2 ** 31 + 1)):
        with pytest.raises(ResponseError) as e:
            r.config_set(name, bad)
        assert "CONFIG SET failed" in str(e.value)
    for name in ("search-max-doctablesize", "search-no-gc", "search-ext-load",
                 "search-friso-ini", "search-multi-text-slop"):
        with pytest.raises(ResponseError) as e:
            r.config_set(name, "1")
        assert "immutable" in str(e.value)
    assert r.config_get("search-default-dialect") == {"search-default-dialect": "1"}
    r.config_set("search-default-dialect", 4)
    assert r.config_get("search-default-dialect") == {"search-default-dialect": "4"}


def test_startup_args(make_server):
    srv = make_server(["--search-default-dialect", "3", "--search-max-doctablesize", "123456"])
    c = srv.client()
    assert x(c, "FT.CONFIG", "GET", "DEFAULT_DIALECT") == [[b"DEFAULT_DIALECT", b"3"]]
    assert x(c, "FT.CONFIG", "GET", "MAXDOCTABLESIZE") == [[b"MAXDOCTABLESIZE", b"123456"]]
