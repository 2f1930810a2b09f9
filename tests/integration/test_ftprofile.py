"""FT.PROFILE idx AGGREGATE [LIMITED] QUERY q [options]: the FT.AGGREGATE
reply and the profile after it, as FT.PROFILE SEARCH gives them here;
RediSearch's errors (a cursor, no SEARCH/AGGREGATE, an aggregate option's
error, a missing index); RESP3."""

from testlib.cmds import err, x


def docs(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT", "n", "NUMERIC", "SORTABLE")
    r.hset("a", mapping={"t": "hello world", "n": 1})
    r.hset("b", mapping={"t": "hello there", "n": 2})
    r.hset("c", mapping={"t": "bye", "n": 5})


def test_profile_aggregate(r):
    docs(r)
    args = ["hello", "GROUPBY", "0", "REDUCE", "SUM", "1", "@n", "AS", "s"]
    res, prof = x(r, "FT.PROFILE", "idx", "AGGREGATE", "QUERY", *args)
    assert res == x(r, "FT.AGGREGATE", "idx", *args) == [1, [b"s", b"3"]]
    prof = dict(zip(prof[::2], prof[1::2]))
    assert set(prof) == {b"Total profile time", b"Parsing and iteration time",
                         b"Result processing time", b"Query"}
    assert float(prof[b"Total profile time"]) >= 0
    assert prof[b"Query"] == x(r, "FT.EXPLAIN", "idx", "hello")
    args = ["*", "LOAD", "1", "@t", "SORTBY", "2", "@n", "DESC", "LIMIT", "0", "2"]
    res, _ = x(r, "FT.PROFILE", "idx", "AGGREGATE", "LIMITED", "QUERY", *args)
    assert res == x(r, "FT.AGGREGATE", "idx", *args)
    assert res[1:] == [[b"t", b"bye", b"n", b"5"], [b"t", b"hello there", b"n", b"2"]]


def test_profile_errors(r):
    docs(r)
    assert err(r, "FT.PROFILE", "idx", "AGGREGATE", "QUERY", "*", "WITHCURSOR") == \
        "FT.PROFILE does not support cursor"
    assert err(r, "FT.PROFILE", "idx", "AGGREGATE", "QUERY", "*", "BADARG") == \
        err(r, "FT.AGGREGATE", "idx", "*", "BADARG")
    assert err(r, "FT.PROFILE", "idx", "OTHER", "QUERY", "*") == "No `SEARCH` or `AGGREGATE` provided"
    assert err(r, "FT.PROFILE", "idx", "AGGREGATE", "NOTQUERY", "*") == "The QUERY keyword is expected"
    assert err(r, "FT.PROFILE", "nosuch", "AGGREGATE", "QUERY", "*").startswith("nosuch: no such index")
    assert err(r, "FT.PROFILE", "idx", "AGGREGATE", "QUERY", "@nofield:(x", "DIALECT", "2")
    assert "wrong number of arguments" in err(r, "FT.PROFILE", "idx", "AGGREGATE", "QUERY")


def test_profile_aggregate_resp3(r, raw):
    docs(r)
    c = raw()
    c.call("HELLO", 3)
    res, prof = c.call("FT.PROFILE", "idx", "AGGREGATE", "QUERY", "bye", "LOAD", "1", "@t")
    assert [d[b"extra_attributes"] for d in res[b"results"]] == [{b"t": b"bye"}]
    assert isinstance(prof[b"Total profile time"], float)
    assert prof[b"Query"].startswith(b"UNION {")
