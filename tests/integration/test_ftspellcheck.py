"""FT.SPELLCHECK wired to an index (written from RediSearch's tests/pytests/
test_spell_check.py and the command's page): the query's plain terms in
query order, a field-limited term checked against that field's terms,
INCLUDE / EXCLUDE dictionaries, DISTANCE, argument errors, a missing index or
dictionary, DIALECT / PARAMS, RESP3's map, and redis-py's r.ft().spellcheck()."""

import pytest

from testlib.cmds import err, x


def names(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "SCHEMA", "name", "TEXT", "body", "TEXT")
    r.hset("doc1", mapping={"name": "name1", "body": "body1"})
    r.hset("doc2", mapping={"name": "name2", "body": "body2"})
    r.hset("doc3", mapping={"name": "name2", "body": "name2"})


def test_basic(r):
    names(r)
    assert x(r, "FT.SPELLCHECK", "idx", "name") == [
        [b"TERM", b"name", [[b"0.66666666666666663", b"name2"], [b"0.33333333333333331", b"name1"]]]
    ]
    # only the documents holding the suggestion in the term's field count
    assert x(r, "FT.SPELLCHECK", "idx", "@body:name") == [
        [b"TERM", b"name", [[b"0.66666666666666663", b"name2"]]]
    ]
    assert x(r, "FT.SPELLCHECK", "idx", "somenotexiststext") == [[b"TERM", b"somenotexiststext", []]]


def test_existing_term_and_order(r):
    names(r)
    assert x(r, "FT.SPELLCHECK", "idx", "name1") == []
    x(r, "FT.CREATE", "i2", "ON", "HASH", "PREFIX", "1", "p:", "SCHEMA", "name", "TEXT")
    r.hset("p:1", "name", "Elior")
    r.hset("p:2", "name", "Hila")
    assert x(r, "FT.SPELLCHECK", "i2", "Elioh Hilh") == [
        [b"TERM", b"elioh", [[b"0.5", b"elior"]]],
        [b"TERM", b"hilh", [[b"0.5", b"hila"]]],
    ]
    # terms under NOT / OPTIONAL / a phrase are checked, prefixes and tags are not
    assert [t[1] for t in x(r, "FT.SPELLCHECK", "i2", 'elioh -hilh ~eliorr "hilx elio" hil*')] == [
        b"elioh", b"hilh", b"eliorr", b"hilx", b"elio"
    ]
    # no stem expansion: "hilas" is checked as it is
    assert x(r, "FT.SPELLCHECK", "i2", "hilas") == [[b"TERM", b"hilas", [[b"0.5", b"hila"]]]]


def test_distance(r):
    names(r)
    assert x(r, "FT.SPELLCHECK", "idx", "nam", "DISTANCE", "1") == [[b"TERM", b"nam", []]]
    res = x(r, "FT.SPELLCHECK", "idx", "nam", "DISTANCE", "2")
    assert res == [[b"TERM", b"nam", [[b"0.66666666666666663", b"name2"], [b"0.33333333333333331", b"name1"]]]]


def test_dictionaries(r):
    names(r)
    x(r, "FT.DICTADD", "dict", "name3", "name4", "name5")
    want = [
        [b"0.66666666666666663", b"name2"],
        [b"0.33333333333333331", b"name1"],
        [b"0", b"name3"],
        [b"0", b"name4"],
        [b"0", b"name5"],
    ]
    assert x(r, "FT.SPELLCHECK", "idx", "name", "TERMS", "INCLUDE", "dict") == [[b"TERM", b"name", want]]
    assert x(r, "FT.SPELLCHECK", "idx", "name", "TERMS", "include", "dict") == [[b"TERM", b"name", want]]
    x(r, "FT.DICTADD", "ex", "name")
    assert x(r, "FT.SPELLCHECK", "idx", "name", "TERMS", "EXCLUDE", "ex") == []
    x(r, "FT.CREATE", "incidents", "ON", "HASH", "PREFIX", "1", "inc:", "SCHEMA", "report", "TEXT")
    x(r, "FT.DICTADD", "slang", "timmies", "toque", "toonie", "serviette", "kerfuffle", "chesterfield")
    res = x(r, "FT.SPELLCHECK", "incidents", "Tooni toque kerfuffle",
            "TERMS", "EXCLUDE", "slang", "TERMS", "INCLUDE", "slang")
    assert res == [[b"TERM", b"tooni", [[b"0", b"toonie"]]]]


def test_errors(r):
    names(r)
    assert err(r, "FT.SPELLCHECK", "nosuch", "name").startswith("nosuch: no such index")
    assert err(r, "FT.SPELLCHECK", "idx")  # arity
    for args in (["TERMS"], ["TERMS", "INCLUDE"], ["TERMS", "EXCLUDE"], ["DISTANCE"],
                 ["DISTANCE", "0"], ["DISTANCE", "-1"], ["DISTANCE", "5"]):
        assert err(r, "FT.SPELLCHECK", "idx", "name", *args)
    assert err(r, "FT.SPELLCHECK", "idx", "name", "TERMS", "INCLUDE", "nodict") == "Dict does not exist: nodict"
    assert err(r, "FT.SPELLCHECK", "idx", "name", "TERMS", "EXCLUDE", "nodict") == "Dict does not exist: nodict"
    assert err(r, "FT.SPELLCHECK", "idx", "name", "DIALECT", "9").startswith("DIALECT requires")
    assert err(r, "FT.SPELLCHECK", "idx", "@nofield:name", "DIALECT", "2")


def test_dialect_params_and_alias(r):
    names(r)
    x(r, "FT.ALIASADD", "al", "idx")
    want = [[b"TERM", b"name", [[b"0.66666666666666663", b"name2"], [b"0.33333333333333331", b"name1"]]]]
    assert x(r, "FT.SPELLCHECK", "al", "name", "DIALECT", "2") == want
    assert x(r, "FT.SPELLCHECK", "idx", "$t", "PARAMS", "2", "t", "name", "DIALECT", "2") == want


def test_resp3(r, raw):
    names(r)
    c = raw()
    c.call("HELLO", 3)
    res = c.call("FT.SPELLCHECK", "idx", "name nme1")
    assert res == {b"results": {
        b"name": [{b"name2": pytest.approx(2 / 3)}, {b"name1": pytest.approx(1 / 3)}],
        b"nme1": [{b"name1": pytest.approx(1 / 3)}],
    }}
    assert c.call("FT.SPELLCHECK", "idx", "name1") == {b"results": {}}


def test_redis_py(r):
    names(r)
    x(r, "FT.DICTADD", "dict", "name3")
    res = r.ft("idx").spellcheck("name", distance=1, include="dict")
    assert res == {b"name": [{"score": b"0.66666666666666663", "suggestion": b"name2"},
                             {"score": b"0.33333333333333331", "suggestion": b"name1"},
                             {"score": b"0", "suggestion": b"name3"}]}
    assert r.ft("idx").spellcheck("name1") == {}
