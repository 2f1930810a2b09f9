"""The query engine's indexes and FT.SEARCH (Redis 8's bundled RediSearch):
FT.CREATE's options and schema errors, indexing that follows the keyspace
(HSET, HDEL, DEL, EXPIRE, RENAME, JSON.SET, FLUSHALL), FT.INFO, FT._LIST,
FT.DROPINDEX [DD], FT.ALTER, aliases, FT.TAGVALS, synonyms, FT.SEARCH's
options and reply shapes in RESP2 and RESP3 (also through redis-py's
r.ft() client), vector KNN, and the definitions surviving AOF and RDB
restarts. Expected replies follow the command documentation and
RediSearch's tests, since Redis 7.0 has no query engine to compare with."""

import struct
import time

from testlib import SLOW

import pytest
from redis.commands.search.field import NumericField, TagField, TextField, VectorField
from redis.commands.search.indexDefinition import IndexDefinition, IndexType
from redis.commands.search.query import NumericFilter, Query

from test_aof import wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x


def info(c, idx):
    v = x(c, "FT.INFO", idx)
    return dict(zip(v[::2], v[1::2]))


def keys_of(reply):
    """The document keys of a RESP2 FT.SEARCH reply with content."""
    return [reply[i] for i in range(1, len(reply), 2)]


def docs(reply):
    """{key: {field: value}} of a RESP2 FT.SEARCH reply with content."""
    out = {}
    for i in range(1, len(reply), 2):
        f = reply[i + 1]
        out[reply[i]] = dict(zip(f[::2], f[1::2]))
    return out


def books(c):
    x(c, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", 1, "book:", "SCHEMA",
      "title", "TEXT", "WEIGHT", 5.0, "body", "TEXT", "tags", "TAG",
      "price", "NUMERIC", "SORTABLE", "loc", "GEO")
    c.hset("book:1", mapping={"title": "hello world", "body": "the quick brown fox",
                              "tags": "red,blue", "price": 10, "loc": "-122.41,37.77"})
    c.hset("book:2", mapping={"title": "hello redis", "body": "jumps over the lazy dog",
                              "tags": "blue", "price": 20, "loc": "2.35,48.85"})
    c.hset("book:3", mapping={"title": "goodbye world", "body": "running foxes",
                              "tags": "Green", "price": 30})
    c.hset("other:1", mapping={"title": "hello"})


# ---- FT.CREATE / FT._LIST / FT.INFO / FT.DROPINDEX ---------------------------


def test_create_list_drop(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT") == b"OK"
    assert err(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT") == "Index already exists"
    assert x(r, "FT._LIST") == [b"idx"]
    assert x(r, "FT.DROPINDEX", "idx") == b"OK"
    assert x(r, "FT._LIST") == []
    assert err(r, "FT.DROPINDEX", "idx") == "Unknown index name"
    assert err(r, "FT.INFO", "idx") == "Unknown index name"


def test_create_errors(r):
    assert err(r, "FT.CREATE", "i", "SCHEMA") == "Fields arguments are missing"
    assert err(r, "FT.CREATE", "i", "PREFIX", 1, "a:") == "No schema found"
    assert err(r, "FT.CREATE", "i", "BOGUS", "SCHEMA", "t", "TEXT") == "Unknown argument `BOGUS`"
    assert err(r, "FT.CREATE", "i", "SCHEMA", "t") == "Field `t` does not have a type"
    assert err(r, "FT.CREATE", "i", "SCHEMA", "t", "FOO") == "Invalid field type for field `t`"
    assert (err(r, "FT.CREATE", "i", "SCHEMA", "t", "TEXT", "t", "TAG")
            == "Duplicate field in schema - t")
    assert (err(r, "FT.CREATE", "i", "SCHEMA", "t", "TAG", "SEPARATOR", "ab")
            == "Tag separator must be a single character. Got `ab`")
    assert (err(r, "FT.CREATE", "i", "ON", "LIST", "SCHEMA", "t", "TEXT")
            == "Invalid `ON` type. Expected `HASH` or `JSON`")
    assert "PREFIX" in err(r, "FT.CREATE", "i", "PREFIX", 5, "a", "SCHEMA", "t", "TEXT")
    # nothing was created by the failures
    assert x(r, "FT._LIST") == []


def test_info_layout(r):
    books(r)
    i = info(r, "idx")
    assert i[b"index_name"] == b"idx"
    d = dict(zip(i[b"index_definition"][::2], i[b"index_definition"][1::2]))
    assert d[b"key_type"] == b"HASH"
    assert d[b"prefixes"] == [b"book:"]
    assert d[b"default_score"] == b"1"
    attrs = i[b"attributes"]
    assert attrs[0] == [b"identifier", b"title", b"attribute", b"title", b"type", b"TEXT",
                        b"WEIGHT", b"5"]
    assert attrs[2] == [b"identifier", b"tags", b"attribute", b"tags", b"type", b"TAG",
                        b"SEPARATOR", b","]
    assert attrs[3] == [b"identifier", b"price", b"attribute", b"price", b"type", b"NUMERIC",
                        b"SORTABLE"]
    assert i[b"num_docs"] == 3
    assert i[b"hash_indexing_failures"] == 0
    assert i[b"indexing"] == 0
    assert float(i[b"percent_indexed"]) == 1.0


def test_info_resp3(r, raw):
    books(r)
    c = raw()
    c.call("HELLO", 3)
    i = c.call("FT.INFO", "idx")
    assert i[b"num_docs"] == 3
    assert i[b"index_definition"][b"key_type"] == b"HASH"


def test_indexing_failures_counted(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "n", "NUMERIC", "g", "GEO")
    r.hset("a", "n", "12")
    r.hset("b", "n", "notanumber")
    r.hset("c", "g", "500,500")
    i = info(r, "idx")
    assert i[b"num_docs"] == 1
    assert i[b"hash_indexing_failures"] == 2
    e = dict(zip(i[b"Index Errors"][::2], i[b"Index Errors"][1::2]))
    assert e[b"indexing failures"] == 2
    assert e[b"last indexing error"] == b"Invalid geo string: '500,500'"
    assert e[b"last indexing error key"] == b"c"
    x(r, "FT.SEARCH", "idx", "*", "DIALECT", 2)
    d = dict(zip(info(r, "idx")[b"dialect_stats"][::2], info(r, "idx")[b"dialect_stats"][1::2]))
    assert d[b"dialect_2"] == 1 and d[b"dialect_1"] == 0


def test_existing_keys_scanned(r):
    for k in range(200):
        r.hset("d:%d" % k, mapping={"t": "word%d common" % k, "n": k})
    r.set("d:str", "not a hash")
    x(r, "FT.CREATE", "idx", "PREFIX", 1, "d:", "SCHEMA", "t", "TEXT", "n", "NUMERIC")
    assert info(r, "idx")[b"num_docs"] == 200
    assert x(r, "FT.SEARCH", "idx", "common", "LIMIT", 0, 0) == [200]
    x(r, "FT.CREATE", "skip", "PREFIX", 1, "d:", "SKIPINITIALSCAN", "SCHEMA", "t", "TEXT")
    assert info(r, "skip")[b"num_docs"] == 0
    r.hset("d:new", "t", "fresh")
    assert info(r, "skip")[b"num_docs"] == 1


def test_keyspace_follows(r):
    books(r)
    assert x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT")[0] == 2
    r.hset("book:3", "title", "hello again")
    assert x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT")[0] == 3
    r.delete("book:1")
    assert sorted(x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT")[1:]) == [b"book:2", b"book:3"]
    r.rename("book:2", "book:9")
    assert sorted(x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT")[1:]) == [b"book:3", b"book:9"]
    r.rename("book:9", "elsewhere")
    assert x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT") == [1, b"book:3"]
    r.hdel("book:3", "title")
    assert x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT") == [0]
    r.pexpire("book:3", 1)
    time.sleep(0.05)
    assert x(r, "FT.SEARCH", "idx", "*", "NOCONTENT") == [0]
    assert r.exists("book:3") == 0
    assert info(r, "idx")[b"num_docs"] == 0


def test_multi_sees_its_writes(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    p = r.pipeline(transaction=True)
    p.hset("a", "t", "alpha")
    p.execute_command("FT.SEARCH", "idx", "alpha", "NOCONTENT")
    assert p.execute()[1] == [1, b"a"]


def test_flushall_drops_indexes(r):
    books(r)
    r.flushall()
    assert x(r, "FT._LIST") == []


def test_dropindex_dd(r):
    books(r)
    assert x(r, "FT.DROPINDEX", "idx", "DD") == b"OK"
    assert r.exists("book:1", "book:2", "book:3") == 0
    assert r.exists("other:1") == 1


def test_alter_adds_field(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    r.hset("a", mapping={"t": "x", "n": 5})
    assert x(r, "FT.SEARCH", "idx", "@n:[1 10]", "NOCONTENT") == [0]
    assert x(r, "FT.ALTER", "idx", "SCHEMA", "ADD", "n", "NUMERIC") == b"OK"
    assert x(r, "FT.SEARCH", "idx", "@n:[1 10]", "NOCONTENT") == [1, b"a"]
    assert err(r, "FT.ALTER", "nope", "SCHEMA", "ADD", "x", "TEXT") == "Unknown index name"


def test_aliases(r):
    books(r)
    assert x(r, "FT.ALIASADD", "books", "idx") == b"OK"
    assert x(r, "FT.SEARCH", "books", "hello", "NOCONTENT")[0] == 2
    assert err(r, "FT.ALIASADD", "books", "idx") == "Alias already exists"
    x(r, "FT.CREATE", "idx2", "SCHEMA", "t", "TEXT")
    assert x(r, "FT.ALIASUPDATE", "books", "idx2") == b"OK"
    assert x(r, "FT.SEARCH", "books", "hello", "NOCONTENT") == [0]
    assert x(r, "FT.ALIASDEL", "books") == b"OK"
    assert err(r, "FT.ALIASDEL", "books") == "Alias does not exist"
    assert err(r, "FT.SEARCH", "books", "x") == "books: no such index"


def test_tagvals(r):
    books(r)
    assert sorted(x(r, "FT.TAGVALS", "idx", "tags")) == [b"blue", b"green", b"red"]
    assert err(r, "FT.TAGVALS", "nope", "tags") == "nope: no such index"


def test_synonyms(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    assert x(r, "FT.SYNUPDATE", "idx", "g1", "Boy", "child") == b"OK"
    d = x(r, "FT.SYNDUMP", "idx")
    d = dict(zip(d[::2], d[1::2]))
    assert d == {b"boy": [b"g1"], b"child": [b"g1"]}
    r.hset("a", "t", "a child plays")
    r.hset("b", "t", "the boy runs")
    r.hset("c", "t", "the girl runs")
    assert sorted(x(r, "FT.SEARCH", "idx", "boy", "NOCONTENT")[1:]) == [b"a", b"b"]
    assert sorted(x(r, "FT.SEARCH", "idx", "child", "NOCONTENT")[1:]) == [b"a", b"b"]
    # a group made after the documents: they are indexed again
    x(r, "FT.SYNUPDATE", "idx", "g2", "girl", "kid")
    assert x(r, "FT.SEARCH", "idx", "kid", "NOCONTENT") == [1, b"c"]


# ---- FT.SEARCH ------------------------------------------------------------------


def test_search_basic_shapes(r):
    books(r)
    res = x(r, "FT.SEARCH", "idx", "hello")
    assert res[0] == 2
    got = docs(res)
    assert set(got) == {b"book:1", b"book:2"}
    assert got[b"book:1"][b"title"] == b"hello world"
    assert x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT", "SORTBY", "price", "DESC") == [
        2, b"book:2", b"book:1"]
    res = x(r, "FT.SEARCH", "idx", "hello", "RETURN", 1, "price", "SORTBY", "price")
    assert res == [2, b"book:1", [b"price", b"10"], b"book:2", [b"price", b"20"]]
    res = x(r, "FT.SEARCH", "idx", "hello", "RETURN", 3, "price", "AS", "p", "SORTBY", "price",
            "LIMIT", 1, 1)
    assert res == [2, b"book:2", [b"p", b"20"]]
    assert x(r, "FT.SEARCH", "idx", "nomatch") == [0]
    assert x(r, "FT.SEARCH", "idx", "*", "LIMIT", 0, 0) == [3]


def test_search_withscores_payloads_sortkeys(r):
    books(r)
    res = x(r, "FT.SEARCH", "idx", "hello", "WITHSCORES", "NOCONTENT")
    assert res[0] == 2 and len(res) == 5
    assert float(res[2]) > 0 and float(res[4]) > 0
    res = x(r, "FT.SEARCH", "idx", "hello", "NOCONTENT", "WITHSORTKEYS", "SORTBY", "price")
    assert res == [2, b"book:1", b"#10", b"book:2", b"#20"]


def test_search_fields_and_operators(r):
    books(r)
    s = lambda q, *a: sorted(x(r, "FT.SEARCH", "idx", q, "NOCONTENT", *a)[1:])
    assert s("@title:hello") == [b"book:1", b"book:2"]
    assert s("@body:hello") == []
    assert s("hello world") == [b"book:1"]
    assert s("hello | goodbye") == [b"book:1", b"book:2", b"book:3"]
    assert s("hello -world") == [b"book:2"]
    assert s("@price:[15 +inf]") == [b"book:2", b"book:3"]
    assert s("@price:[(10 30]") == [b"book:2", b"book:3"]
    assert s("@tags:{blue}") == [b"book:1", b"book:2"]
    assert s("@tags:{green}") == [b"book:3"]
    assert s("@tags:{red | green}") == [b"book:1", b"book:3"]
    assert s("@loc:[-122.41 37.77 10 km]") == [b"book:1"]
    assert s("hel*") == [b"book:1", b"book:2"]
    assert s("%wrld%") == [b"book:1", b"book:3"]
    assert s('"hello world"') == [b"book:1"]
    assert s('"world hello"') == []
    # stemming: "foxes" finds "fox" too
    assert s("@body:foxes") == [b"book:1", b"book:3"]
    assert s("@body:foxes", "VERBATIM") == [b"book:3"]
    # options
    assert s("hello", "INKEYS", 1, "book:2") == [b"book:2"]
    assert s("hello", "FILTER", "price", 15, 25) == [b"book:2"]
    assert s("*", "GEOFILTER", "loc", 2.35, 48.85, 5, "km") == [b"book:2"]
    assert s("hello", "INFIELDS", 1, "body") == []


def test_search_slop_inorder(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    r.hset("a", "t", "one two three four")
    s = lambda q, *a: x(r, "FT.SEARCH", "idx", q, "NOCONTENT", *a)
    assert s("one four", "SLOP", 1) == [0]
    assert s("one four", "SLOP", 2) == [1, b"a"]
    assert s("four one", "SLOP", 5, "INORDER") == [0]
    assert s("one four", "SLOP", 5, "INORDER") == [1, b"a"]


def test_search_params_dialect(r):
    books(r)
    res = x(r, "FT.SEARCH", "idx", "@price:[$lo $hi]", "NOCONTENT", "PARAMS", 4, "lo", 15,
            "hi", 25, "DIALECT", 2)
    assert res == [1, b"book:2"]


def test_search_errors(r):
    books(r)
    assert err(r, "FT.SEARCH", "nope", "x") == "nope: no such index"
    assert (err(r, "FT.SEARCH", "idx", "x", "BOGUS")
            == "Unknown argument `BOGUS` at position 1 for <main>")
    assert (err(r, "FT.SEARCH", "idx", "x", "LIMIT", 5, 0)
            == "The `offset` of the LIMIT must be 0 when `num` is 0")
    assert err(r, "FT.SEARCH", "idx", "x", "LIMIT", 0) == "LIMIT requires two arguments"
    assert err(r, "FT.SEARCH", "idx", "x", "LIMIT", "a", 1) == "LIMIT needs two numeric arguments"
    assert (err(r, "FT.SEARCH", "idx", "x", "EXPLAINSCORE")
            == "EXPLAINSCORE must be accompanied with WITHSCORES")
    assert (err(r, "FT.SEARCH", "idx", "x", "SORTBY", "price", "SORTBY", "price")
            == "Multiple SORTBY steps are not allowed")
    assert err(r, "FT.SEARCH", "idx", "x", "LIMIT", 0, 2000000) == "LIMIT exceeds maximum of 1000000"
    assert err(r, "FT.SEARCH", "idx", "x", "SCORER", "NOPE") == "Scoring function `NOPE` not found"
    assert (err(r, "FT.SEARCH", "idx", "x", "SORTBY", "nofield")
            == "Property `nofield` not loaded nor in schema")
    assert err(r, "FT.SEARCH", "idx", "x", "DIALECT", 9).startswith("DIALECT")


def test_search_resp3(r, raw):
    books(r)
    c = raw()
    c.call("HELLO", 3)
    res = c.call("FT.SEARCH", "idx", "hello", "SORTBY", "price", "WITHSCORES")
    assert res[b"total_results"] == 2
    assert [d[b"id"] for d in res[b"results"]] == [b"book:1", b"book:2"]
    assert res[b"results"][0][b"extra_attributes"][b"title"] == b"hello world"
    assert isinstance(res[b"results"][0][b"score"], float)
    assert res[b"format"] == b"STRING"


def test_scorers(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    r.hset("a", "t", "apple apple apple banana")
    r.hset("b", "t", "apple cherry cherry cherry")
    for scorer in ("BM25STD", "TFIDF", "TFIDF.DOCNORM", "BM25", "DISMAX", "DOCSCORE"):
        res = x(r, "FT.SEARCH", "idx", "apple", "WITHSCORES", "NOCONTENT", "SCORER", scorer)
        assert res[0] == 2
        if scorer not in ("DOCSCORE",):
            assert res[1] == b"a", scorer  # the higher frequency ranks first
    res = x(r, "FT.SEARCH", "idx", "apple", "WITHSCORES", "NOCONTENT", "SCORER", "DOCSCORE")
    assert float(res[2]) == 1.0


def test_json_index(r):
    x(r, "FT.CREATE", "j", "ON", "JSON", "PREFIX", 1, "u:", "SCHEMA", "$.name", "AS", "name",
      "TEXT", "$.age", "AS", "age", "NUMERIC", "$.tags[*]", "AS", "tags", "TAG")
    x(r, "JSON.SET", "u:1", "$", '{"name":"Alice Smith","age":30,"tags":["a","b"]}')
    x(r, "JSON.SET", "u:2", "$", '{"name":"Bob","age":40,"tags":["b"]}')
    assert x(r, "FT.SEARCH", "j", "alice", "NOCONTENT") == [1, b"u:1"]
    assert sorted(x(r, "FT.SEARCH", "j", "@tags:{b}", "NOCONTENT")[1:]) == [b"u:1", b"u:2"]
    res = x(r, "FT.SEARCH", "j", "@age:[35 50]")
    assert res[0] == 1 and res[1] == b"u:2"
    assert res[2][0] == b"$"
    res = x(r, "FT.SEARCH", "j", "@age:[35 50]", "RETURN", 1, "name")
    assert res == [1, b"u:2", [b"name", b"Bob"]]
    x(r, "JSON.SET", "u:2", "$.age", 20)
    assert x(r, "FT.SEARCH", "j", "@age:[35 50]", "NOCONTENT") == [0]


def test_redis_py_client(r):
    ft = r.ft("py")
    ft.create_index((TextField("title", weight=5.0), TextField("body"), TagField("tag"),
                     NumericField("price", sortable=True)),
                    definition=IndexDefinition(prefix=["py:"], index_type=IndexType.HASH))
    r.hset("py:1", mapping={"title": "Redis search", "body": "fast", "tag": "db", "price": 3})
    r.hset("py:2", mapping={"title": "Search engines", "body": "slow", "tag": "web",
                            "price": 7})
    res = ft.search(Query("search").return_fields("title", "price").sort_by("price")
                    .paging(0, 10))
    assert res.total == 2
    assert [d.id for d in res.docs] == ["py:1", "py:2"]
    assert res.docs[0].title == "Redis search"
    res = ft.search(Query("search").add_filter(NumericFilter("price", 5, 10)))
    assert [d.id for d in res.docs] == ["py:2"]
    assert ft.info()["num_docs"] in (2, "2")
    assert ft.tagvals("tag") in ([b"db", b"web"], ["db", "web"])
    ft.dropindex(delete_documents=False)
    assert x(r, "FT._LIST") == []


def vec(*v):
    return struct.pack("<%df" % len(v), *v)


def test_vector_knn(r):
    x(r, "FT.CREATE", "v", "PREFIX", 1, "p:", "SCHEMA", "tag", "TAG", "emb", "VECTOR", "FLAT",
      6, "TYPE", "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2")
    r.hset("p:1", mapping={"tag": "a", "emb": vec(0, 0)})
    r.hset("p:2", mapping={"tag": "b", "emb": vec(1, 0)})
    r.hset("p:3", mapping={"tag": "a", "emb": vec(3, 0)})
    r.hset("p:bad", mapping={"tag": "a", "emb": b"xyz"})
    assert info(r, "v")[b"hash_indexing_failures"] == 1
    res = x(r, "FT.SEARCH", "v", "*=>[KNN 2 @emb $q AS d]", "PARAMS", 2, "q", vec(0.9, 0),
            "RETURN", 1, "d", "DIALECT", 2)
    assert [res[0], res[1], res[3]] == [2, b"p:2", b"p:1"]
    assert res[2][0] == b"d" and abs(float(res[2][1]) - 0.01) < 1e-6
    assert abs(float(res[4][1]) - 0.81) < 1e-6
    res = x(r, "FT.SEARCH", "v", "(@tag:{a})=>[KNN 1 @emb $q AS d]", "PARAMS", 2, "q",
            vec(0.9, 0), "RETURN", 1, "d", "DIALECT", 2)
    assert res[1] == b"p:1"
    res = x(r, "FT.SEARCH", "v", "*=>[KNN 3 @emb $q AS d]", "PARAMS", 2, "q", vec(0, 0),
            "SORTBY", "d", "DESC", "NOCONTENT", "DIALECT", 2)
    assert res == [3, b"p:3", b"p:2", b"p:1"]
    ft = r.ft("v")
    q = Query("*=>[KNN 1 @emb $q AS d]").return_field("d").dialect(2)
    out = ft.search(q, query_params={"q": vec(2.9, 0)})
    assert [d.id for d in out.docs] == ["p:3"]


# ---- persistence ------------------------------------------------------------------


def snapshot(c):
    out = {}
    for name in sorted(x(c, "FT._LIST")):
        i = info(c, name)
        out[name] = (i[b"num_docs"], i[b"attributes"],
                     sorted(x(c, "FT.SEARCH", name, "*", "NOCONTENT", "LIMIT", 0, 100)[1:]))
    return out


def fill(c):
    books(c)
    x(c, "FT.ALTER", "idx", "SCHEMA", "ADD", "extra", "TEXT")
    x(c, "FT.ALIASADD", "al", "idx")
    x(c, "FT.CREATE", "j", "ON", "JSON", "SCHEMA", "$.n", "AS", "n", "NUMERIC")
    x(c, "JSON.SET", "jj", "$", '{"n": 5}')


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    fill(c)
    before = snapshot(c)
    assert before[b"idx"][0] == 3
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    assert x(c, "FT.SEARCH", "al", "hello", "NOCONTENT")[0] == 2
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    assert x(c, "FT.SEARCH", "al", "hello", "NOCONTENT")[0] == 2


def test_aof_rewrite_keeps_each_index_in_its_database(make_server):
    """The rewrite writes the definitions after the keys, when the last SELECT
    is that of the last database with keys: each definition must name its own
    database, or the replay creates the index in another one."""
    srv = make_server(AOF_ALWAYS)
    c0 = srv.client()
    c3 = srv.client(db=3)
    c5 = srv.client(db=5)
    x(c0, "FT.CREATE", "i0", "PREFIX", 1, "d:", "SCHEMA", "t", "TEXT")
    x(c3, "FT.CREATE", "i3", "PREFIX", 1, "d:", "SCHEMA", "t", "TEXT")
    c0.hset("d:0", "t", "zero")
    c3.hset("d:3", "t", "three")
    c5.hset("d:5", "t", "five")
    c3.bgrewriteaof()
    wait_rewrite(c3)
    x(c5, "SET", "after", "1")  # an incremental record after the base, in db 5
    srv.restart()
    c0, c3 = srv.client(), srv.client(db=3)
    assert x(c0, "FT.SEARCH", "i0", "*", "NOCONTENT") == [1, b"d:0"]
    assert x(c3, "FT.SEARCH", "i3", "*", "NOCONTENT") == [1, b"d:3"]
    assert srv.client(db=5).get("after") == b"1"


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    fill(c)
    before = snapshot(c)
    c.save()
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    x(c, "DEBUG", "RELOAD")
    assert snapshot(c) == before


def test_highlight_summarize(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT", "u", "TEXT", "n", "NUMERIC")
    r.hset("a", mapping={"t": "The quick brown foxes jumped over the lazy dog while running "
                              "away from the hunters in the forest", "u": "foxes too", "n": 1})
    res = x(r, "FT.SEARCH", "idx", "foxes", "HIGHLIGHT", "FIELDS", 1, "t", "TAGS", "[", "]")
    d = docs(res)[b"a"]
    assert d[b"t"] == (b"The quick brown [foxes] jumped over the lazy dog while running away "
                       b"from the hunters in the forest")
    assert d[b"u"] == b"foxes too"
    assert d[b"n"] == b"1"
    res = x(r, "FT.SEARCH", "idx", "running", "HIGHLIGHT", "SUMMARIZE", "FIELDS", 1, "t",
            "FRAGS", 1, "LEN", 4)
    assert docs(res)[b"a"][b"t"] == b"dog while <b>running</b> away... "
    res = x(r, "FT.SEARCH", "idx", "foxes", "HIGHLIGHT", "RETURN", 1, "u")
    assert res == [1, b"a", [b"u", b"<b>foxes</b> too"]]


def test_tag_case(r):
    x(r, "FT.CREATE", "idx", "SCHEMA", "a", "TAG", "b", "TAG", "CASESENSITIVE")
    r.hset("k", mapping={"a": "Red", "b": "Red"})
    assert x(r, "FT.SEARCH", "idx", "@a:{RED}", "NOCONTENT") == [1, b"k"]
    assert x(r, "FT.SEARCH", "idx", "@b:{red}", "NOCONTENT") == [0]
    assert x(r, "FT.SEARCH", "idx", "@b:{Red}", "NOCONTENT") == [1, b"k"]
    assert x(r, "FT.TAGVALS", "idx", "b") == [b"Red"]


def wait_for(cond, timeout=15):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_replica_follows(make_server):
    master = make_server()
    replica = make_server()
    m, rep = master.client(), replica.client()
    books(m)  # before the full sync: the definition travels in the snapshot
    assert rep.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    wait_for(lambda: rep.info("replication").get("master_link_status") == "up")
    wait_for(lambda: x(rep, "FT._LIST") == [b"idx"])
    x(m, "FT.CREATE", "later", "PREFIX", 1, "book:", "SCHEMA", "tags", "TAG")
    m.hset("book:4", mapping={"title": "hello again", "tags": "pink"})
    x(m, "FT.ALIASADD", "al", "idx")
    assert m.execute_command("WAIT", 1, 5000) == 1
    wait_for(lambda: rep.info("replication")["slave_repl_offset"]
             == m.info("replication")["master_repl_offset"])
    assert sorted(x(rep, "FT._LIST")) == [b"idx", b"later"]
    assert snapshot(rep) == snapshot(m)
    assert x(rep, "FT.SEARCH", "al", "hello", "NOCONTENT", "SORTBY", "price")[0] == 3
    assert x(rep, "FT.SEARCH", "later", "@tags:{pink}", "NOCONTENT") == [1, b"book:4"]
    x(m, "FT.DROPINDEX", "later")
    assert m.execute_command("WAIT", 1, 5000) == 1
    wait_for(lambda: x(rep, "FT._LIST") == [b"idx"])


def test_score_and_payload_fields(r):
    x(r, "FT.CREATE", "idx", "SCORE_FIELD", "s", "PAYLOAD_FIELD", "p", "SCHEMA", "t", "TEXT")
    r.hset("a", mapping={"t": "hello", "s": "0.5", "p": "pa"})
    r.hset("b", mapping={"t": "hello", "s": "0.25"})
    res = x(r, "FT.SEARCH", "idx", "hello", "WITHSCORES", "WITHPAYLOADS", "NOCONTENT", "SCORER",
            "DOCSCORE")
    assert res == [2, b"a", b"0.5", b"pa", b"b", b"0.25", None]
    x(r, "FT.CREATE", "d", "PREFIX", 1, "dd", "SCHEMA", "t", "TEXT")
    r.hset("dd1", mapping={"t": "x", "__score": "0.1", "__payload": "pl"})
    res = x(r, "FT.SEARCH", "d", "x", "WITHSCORES", "WITHPAYLOADS", "NOCONTENT", "SCORER",
            "DOCSCORE")
    assert res == [1, b"dd1", b"0.10000000000000001", b"pl"]


def test_filter_expression(r):
    x(r, "FT.CREATE", "idx", "FILTER", "@age > 18 && startswith(@__key, 'u')", "SCHEMA",
      "name", "TEXT", "age", "NUMERIC")
    r.hset("u1", mapping={"name": "ann", "age": 30})
    r.hset("u2", mapping={"name": "bob", "age": 10})
    r.hset("v3", mapping={"name": "cy", "age": 40})
    assert x(r, "FT.SEARCH", "idx", "*", "NOCONTENT") == [1, b"u1"]
    r.hset("u2", "age", 20)
    assert sorted(x(r, "FT.SEARCH", "idx", "*", "NOCONTENT")[1:]) == [b"u1", b"u2"]
    assert "FILTER" not in err(r, "FT.CREATE", "bad", "FILTER", "@a ==", "SCHEMA", "t", "TEXT")


def test_configs_apply(r):
    books(r)
    try:
        x(r, "FT.CONFIG", "SET", "MAXSEARCHRESULTS", 5)
        assert err(r, "FT.SEARCH", "idx", "*", "LIMIT", 0, 6) == "LIMIT exceeds maximum of 5"
        x(r, "FT.CONFIG", "SET", "DEFAULT_DIALECT", 2)
        assert x(r, "FT.SEARCH", "idx", "@price:[$lo 15]", "NOCONTENT", "PARAMS", 2, "lo", 5) == [
            1, b"book:1"]
    finally:
        x(r, "FT.CONFIG", "SET", "MAXSEARCHRESULTS", 1000000)
        x(r, "FT.CONFIG", "SET", "DEFAULT_DIALECT", 1)
