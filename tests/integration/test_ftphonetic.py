"""PHONETIC matching of TEXT fields (dm:en/fr/pt/es, Double Metaphone):
words indexed by sound too, queries on phonetic fields matching by sound by
default, the $phonetic attribute, errors and FT.INFO/FT.EXPLAIN. Expected
replies follow RediSearch's tests/pytests/test_phonetic.py; Redis 7.0 has
no query engine to compare with."""

import pytest
from redis.commands.search.query import Query

from testlib.cmds import err, x


@pytest.fixture
def idx(r):
    assert x(r, "FT.CREATE", "idx", "ON", "HASH", "SCHEMA", "text", "TEXT", "PHONETIC", "dm:en",
             "SORTABLE", "text1", "TEXT", "SORTABLE") == b"OK"
    r.hset("doc1", mapping={"text": "morfix", "text1": "phonetic"})
    return r


def test_basic(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "text", "TEXT", "PHONETIC", "dm:en",
             "SORTABLE") == b"OK"
    r.hset("doc1", "text", "morfix")
    hit = [1, b"doc1", [b"text", b"morfix"]]
    assert x(r, "FT.SEARCH", "idx", "morphix") == hit
    assert x(r, "FT.SEARCH", "idx", "@text:morphix") == hit
    assert x(r, "FT.SEARCH", "idx", "@text:morphix=>{$phonetic:true}") == hit
    assert x(r, "FT.SEARCH", "idx", "@text:morphix=>{$phonetic:false}") == [0]
    assert x(r, "FT.SEARCH", "idx", "morphix", "VERBATIM") == [0]
    assert x(r, "FT.SEARCH", "idx", '"morphix"') == [0]  # an exact phrase is not expanded


def test_non_phonetic_field(idx):
    r = idx
    both = [1, b"doc1", [b"text", b"morfix", b"text1", b"phonetic"]]
    assert x(r, "FT.SEARCH", "idx", "morphix") == both
    assert x(r, "FT.SEARCH", "idx", "@text:morphix") == both
    assert x(r, "FT.SEARCH", "idx", "phonetic") == both
    assert x(r, "FT.SEARCH", "idx", "fonetic") == [0]
    assert x(r, "FT.SEARCH", "idx", "@text1:morphix") == [0]
    for attr in ("true", "false"):
        assert err(r, "FT.SEARCH", "idx", "@text1:morphix=>{$phonetic:%s}" % attr) == \
            "field does not support phonetics"


def test_aggregate(idx):
    r = idx
    assert x(r, "FT.AGGREGATE", "idx", "morphix", "LOAD", 2, "@text", "@text1") == \
        [1, [b"text", b"morfix", b"text1", b"phonetic"]]
    assert x(r, "FT.AGGREGATE", "idx", "@text1:morphix", "LOAD", 2, "@text", "@text1") == [0]
    assert "field does not support phonetics" in err(r, "FT.AGGREGATE", "idx",
                                                     "@text1:morphix=>{$phonetic:true}")


def test_small_terms_and_names(r):
    assert x(r, "FT.CREATE", "complainants", "SCHEMA", "name", "TEXT", "PHONETIC", "dm:en",
             "almamater", "TEXT", "PHONETIC", "dm:en") == b"OK"
    r.hset("foo64", mapping={"name": "jon smith", "almamater": "Trent"})
    r.hset("foo65", mapping={"name": "john jones", "almamater": "Toronto"})
    r.hset("foo66", mapping={"name": "Schmidt", "almamater": "Oxford"})
    res = x(r, "FT.SEARCH", "complainants", "@name:(john=>{$phonetic:true})", "NOCONTENT")
    assert sorted(res[1:]) == [b"foo64", b"foo65"]
    # Smith and Schmidt share a code (XMT)
    res = x(r, "FT.SEARCH", "complainants", "@name:smith", "NOCONTENT")
    assert sorted(res[1:]) == [b"foo64", b"foo66"]
    # words shorter than search-min-phonetic-term-len (3) get no code
    r.hset("foo67", mapping={"name": "jo"})
    assert x(r, "FT.SEARCH", "complainants", "@name:ja", "NOCONTENT") == [0]


def test_numbers(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "test", "TEXT", "PHONETIC", "dm:en") == b"OK"
    r.hset("doc1", "test", "this is 2015 test")
    r.hset("doc2", "test", "this is 04 test")
    assert x(r, "FT.SEARCH", "idx", "04") == [1, b"doc2", [b"test", b"this is 04 test"]]


def test_issue_1313_and_long_terms(r):
    assert x(r, "FT.CREATE", "test", "SCHEMA", "topic2", "TEXT", "NOINDEX", "topic", "TEXT",
             "PHONETIC", "dm:en") == b"OK"
    assert x(r, "FT.SEARCH", "test", "@topic:(tmp)=>{$phonetic:true}") == [0]
    assert x(r, "FT.CREATE", "test1", "SCHEMA", "topic", "TEXT", "PHONETIC", "dm:en", "topic2",
             "TEXT", "NOINDEX") == b"OK"
    assert x(r, "FT.SEARCH", "test1", "@topic:(tmp)=>{$phonetic: true}") == [0]
    r.hset("doc1", "topic", "morfix")
    assert x(r, "FT.SEARCH", "test1", "@topic:%s=>{$phonetic:true}" % ("A" * 100000)) == [0]


def test_create_errors_and_info(r):
    for m in ("something", "kk:tt", "dm:tt", "ll:en"):
        assert err(r, "FT.CREATE", "idx", "SCHEMA", "text", "TEXT", "PHONETIC", m).startswith(
            "Matcher Format")
    for m in ("dm:en", "dm:fr", "dm:pt", "dm:es"):
        assert x(r, "FT.CREATE", "i" + m, "SCHEMA", "t", "TEXT", "PHONETIC", m) == b"OK"
        rep = x(r, "FT.INFO", "i" + m)
        attrs = dict(zip(rep[::2], rep[1::2]))[b"attributes"][0]
        assert attrs[-2:] == [b"PHONETIC", m.encode()]


def test_explain(idx):
    r = idx
    assert x(r, "FT.EXPLAIN", "idx", "morphix") == \
        b"UNION {\n  morphix\n  <MRFK(expanded)\n  +morphix(expanded)\n}\n"
    assert x(r, "FT.EXPLAIN", "idx", "@text:smith") == \
        (b"@text:UNION {\n  @text:smith\n  @text:<SM0(expanded)\n  @text:<XMT(expanded)\n"
         b"  @text:+smith(expanded)\n}\n")
    assert x(r, "FT.EXPLAIN", "idx", "@text1:smith") == \
        b"@text1:UNION {\n  @text1:smith\n  @text1:+smith(expanded)\n}\n"


def test_json_and_redis_py(r):
    assert x(r, "FT.CREATE", "jidx", "ON", "JSON", "PREFIX", 1, "p:", "SCHEMA", "$.name", "AS",
             "name", "TEXT", "PHONETIC", "dm:es") == b"OK"
    x(r, "JSON.SET", "p:1", "$", '{"name": "Catherine"}')
    x(r, "JSON.SET", "p:2", "$", '{"name": "Kathryn"}')
    x(r, "JSON.SET", "p:3", "$", '{"name": "Robert"}')
    res = r.ft("jidx").search(Query("@name:katerin").no_content())
    assert sorted(d.id for d in res.docs) == ["p:1", "p:2"]
    res = r.ft("jidx").search(Query("@name:(katerin)=>{$phonetic:false}").no_content())
    assert res.total == 0
