"""Vector fields of the query engine (FT.CREATE ... VECTOR, KNN and
VECTOR_RANGE queries), written from the query engine's vector documentation
and RediSearch's tests/pytests/test_vecsim.py (Debian's 7.0 has no query
engine to compare with): FT.INFO's vector attributes, FT.CREATE's VECTOR
errors, KNN through raw commands and redis-py's Query (PARAMS, DIALECT 2, AS,
SORTBY the score, RETURN), hybrid queries with a filter, VECTOR_RANGE with
$YIELD_DISTANCE_AS, JSON vectors, every element type, updates and deletes,
bad blobs counted as indexing failures, query errors, and HNSW's answers
against the exact ones."""

import math
import random
import struct

import pytest
from redis.commands.search.field import NumericField, TagField, TextField, VectorField
from redis.commands.search.indexDefinition import IndexDefinition, IndexType
from redis.commands.search.query import Query
from redis.exceptions import ResponseError


def fp32(*v):
    return struct.pack("<%df" % len(v), *v)


def fp64(*v):
    return struct.pack("<%dd" % len(v), *v)


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def s(v):
    return v.decode() if isinstance(v, bytes) else v


def deep(v):
    if isinstance(v, (list, tuple)):
        return [deep(x) for x in v]
    return s(v)


def error_of(r, *args):
    with pytest.raises(ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def info_dict(r, idx):
    raw = r.execute_command("FT.INFO", idx)
    return {s(raw[i]): raw[i + 1] for i in range(0, len(raw), 2)}


def attribute(r, idx, name):
    for a in info_dict(r, idx)["attributes"]:
        a = deep(a)
        if a[1] == name:
            return a
    raise AssertionError("no attribute %s" % name)


# --------------------------------------------------------------- FT.CREATE


def test_create_and_info(r):
    r.execute_command(
        "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
        "title", "TEXT", "emb", "VECTOR", "HNSW", "10", "TYPE", "FLOAT32", "DIM", "4",
        "DISTANCE_METRIC", "COSINE", "M", "8", "EF_CONSTRUCTION", "100",
        "flat", "VECTOR", "FLAT", "6", "TYPE", "FLOAT64", "DIM", "3", "DISTANCE_METRIC", "L2")
    assert attribute(r, "idx", "emb") == [
        "identifier", "emb", "attribute", "emb", "type", "VECTOR", "algorithm", "HNSW",
        "data_type", "FLOAT32", "dim", 4, "distance_metric", "COSINE", "M", 8,
        "ef_construction", 100]
    assert attribute(r, "idx", "flat") == [
        "identifier", "flat", "attribute", "flat", "type", "VECTOR", "algorithm", "FLAT",
        "data_type", "FLOAT64", "dim", 3, "distance_metric", "L2"]
    # defaults, lower-case words
    r.execute_command("FT.CREATE", "idx2", "SCHEMA", "v", "VECTOR", "hnsw", "6", "type",
                      "bfloat16", "dim", "2", "distance_metric", "ip")
    assert attribute(r, "idx2", "v")[6:] == [
        "algorithm", "HNSW", "data_type", "BFLOAT16", "dim", 2, "distance_metric", "IP",
        "M", 16, "ef_construction", 200]


def test_create_with_redis_py_fields(r):
    schema = (
        TextField("title"),
        TagField("genre"),
        NumericField("year"),
        VectorField("v", "HNSW", {"TYPE": "FLOAT32", "DIM": 2, "DISTANCE_METRIC": "L2"}),
    )
    r.ft("movies").create_index(
        schema, definition=IndexDefinition(prefix=["m:"], index_type=IndexType.HASH))
    assert attribute(r, "movies", "v")[6:10] == ["algorithm", "HNSW", "data_type", "FLOAT32"]


@pytest.mark.parametrize("args,want", [
    ([], "Bad arguments for vector similarity algorithm"),
    (["FLAT"], "Bad arguments for vector similarity number of parameters"),
    (["FLAT", "6"], "Expected 6 parameters but got 0"),
    (["FLAT", "1"], "Bad number of arguments for vector similarity index: got 1 but expected "
                    "even number"),
    (["FLAT", "2", "SIZE"], "Bad arguments for algorithm FLAT: SIZE"),
    (["HNSW", "2", "SIZE"], "Bad arguments for algorithm HNSW: SIZE"),
    (["HNSW", "4", "DIM", "1024", "DISTANCE_METRIC", "IP"],
     "Missing mandatory parameter: cannot create HNSW index without specifying TYPE argument"),
    (["FLAT", "4", "TYPE", "FLOAT32", "DISTANCE_METRIC", "IP"],
     "Missing mandatory parameter: cannot create FLAT index without specifying DIM argument"),
    (["FLAT", "4", "TYPE", "FLOAT32", "DIM", "1024"],
     "Missing mandatory parameter: cannot create FLAT index without specifying "
     "DISTANCE_METRIC argument"),
    (["HNSW", "6", "TYPE", "DOUBLE", "DIM", "1024", "DISTANCE_METRIC", "IP"],
     "Bad arguments for vector similarity HNSW index `TYPE`: Unknown argument"),
    (["HNSW", "6", "TYPE", "FLOAT32", "DIM", "str", "DISTANCE_METRIC", "IP"],
     "Bad arguments for vector similarity HNSW index `DIM`"),
    (["HNSW", "6", "TYPE", "FLOAT32", "DIM", "1024", "DISTANCE_METRIC", "REDIS"],
     "Bad arguments for vector similarity HNSW index `DISTANCE_METRIC`"),
    (["REDIS", "6", "TYPE", "FLOAT32", "DIM", "1024", "DISTANCE_METRIC", "IP"],
     "Bad arguments for vector similarity algorithm"),
    (["HNSW", "8", "TYPE", "FLOAT32", "DIM", "16", "DISTANCE_METRIC", "IP", "EF_RUNTIME",
      "-10"], "Bad arguments for vector similarity HNSW index `EF_RUNTIME`"),
    (["HNSW", "8", "TYPE", "FLOAT32", "DIM", "16", "DISTANCE_METRIC", "IP", "EPSILON", "-1"],
     "Bad arguments for vector similarity HNSW index `EPSILON`"),
])
def test_create_errors(r, args, want):
    msg = error_of(r, "FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", *args)
    assert want in msg
    # nothing was created
    assert b"idx" not in r.execute_command("FT._LIST")


# --------------------------------------------------------------------- KNN


def four_docs(r, algo="HNSW"):
    """RediSearch's test_vecsim example: FLOAT32 DIM 2 L2 over 8-byte blobs."""
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", algo, "6", "TYPE",
                      "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2", "t", "TEXT")
    r.execute_command("HSET", "b", "v", "aaaabaaa", "t", "title")
    r.execute_command("HSET", "c", "v", "aaaaabaa", "t", "title")
    r.execute_command("HSET", "d", "v", "aaaaaaba", "t", "title")
    r.execute_command("HSET", "a", "v", "aaaaaaaa", "t", "title")


@pytest.mark.parametrize("algo", ["FLAT", "HNSW"])
def test_knn_redisearch_figures(r, algo):
    four_docs(r, algo)
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 2 @v $vec]", "PARAMS", "2", "vec",
                            "aaaaaaaa", "SORTBY", "__v_score", "RETURN", "1", "__v_score",
                            "DIALECT", "2")
    assert deep(res) == [2, "a", ["__v_score", "0"], "b", ["__v_score", "3.09485009821e+26"]]
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 4 @v $blob AS score]", "PARAMS", "2",
                            "blob", "aaaaabaa", "SORTBY", "score", "ASC", "RETURN", "2",
                            "score", "v", "DIALECT", "2")
    assert deep(res) == [4,
                         "c", ["score", "0", "v", "aaaaabaa"],
                         "b", ["score", "2.01242627636e+31", "v", "aaaabaaa"],
                         "a", ["score", "2.02824096037e+31", "v", "aaaaaaaa"],
                         "d", ["score", "1.31886368448e+36", "v", "aaaaaaba"]]
    # K from PARAMS; the whole document comes back with the score
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN $k @v $vec]", "PARAMS", "4", "vec",
                            "aaaaaaaa", "k", "1", "DIALECT", "2")
    assert res[0] == 1 and s(res[1]) == "a"
    fields = deep(res[2])
    got = dict(zip(fields[::2], fields[1::2]))
    assert got["__v_score"] == "0" and got["t"] == "title"


def test_knn_redis_py_query(r):
    r.ft("idx").create_index(
        (TagField("genre"),
         VectorField("emb", "FLAT", {"TYPE": "FLOAT32", "DIM": 3, "DISTANCE_METRIC": "L2"})),
        definition=IndexDefinition(prefix=["doc:"], index_type=IndexType.HASH))
    vecs = {1: (0, 0, 0), 2: (1, 0, 0), 3: (0, 2, 0), 4: (0, 0, 3), 5: (1, 1, 1)}
    for i, v in vecs.items():
        r.hset("doc:%d" % i, mapping={"emb": fp32(*v), "genre": "a" if i % 2 else "b"})
    q = (Query("*=>[KNN 3 @emb $vec AS dist]").sort_by("dist").return_fields("dist", "genre")
         .dialect(2))
    res = r.ft("idx").search(q, query_params={"vec": fp32(0, 0, 0)})
    assert res.total == 3
    assert [d.id for d in res.docs] == ["doc:1", "doc:2", "doc:5"]
    assert [d.dist for d in res.docs] == ["0", "1", "3"]
    assert [d.genre for d in res.docs] == ["a", "b", "a"]
    # paging through the KNN results
    q = (Query("*=>[KNN 4 @emb $vec AS dist]").sort_by("dist").return_fields("dist")
         .paging(1, 2).dialect(2))
    res = r.ft("idx").search(q, query_params={"vec": fp32(0, 0, 0)})
    assert [d.id for d in res.docs] == ["doc:2", "doc:5"]


def test_knn_hybrid_filter(r):
    r.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
                      "genre", "TAG", "year", "NUMERIC", "v", "VECTOR", "HNSW", "6", "TYPE",
                      "FLOAT32", "DIM", "1", "DISTANCE_METRIC", "L2")
    for i in range(1, 101):
        r.hset("doc:%d" % i, mapping={"v": fp32(i), "genre": "even" if i % 2 == 0 else "odd",
                                     "year": 1900 + i})
    q = (Query("(@genre:{odd})=>[KNN 3 @v $vec AS d]").sort_by("d").return_fields("d")
         .dialect(2))
    res = r.ft("idx").search(q, query_params={"vec": fp32(50)})
    assert sorted(d.id for d in res.docs) == ["doc:49", "doc:51", "doc:53"] \
        or sorted(d.id for d in res.docs) == ["doc:47", "doc:49", "doc:51"]
    assert [d.d for d in res.docs][:2] == ["1", "1"]
    # a selective filter still gives k results
    res = r.execute_command("FT.SEARCH", "idx", "@year:[1990 1995]=>[KNN 4 @v $vec AS d]",
                            "PARAMS", "2", "vec", fp32(0), "SORTBY", "d", "RETURN", "1", "d",
                            "DIALECT", "2")
    assert res[0] == 4
    assert [s(x) for x in res[1::2]] == ["doc:90", "doc:91", "doc:92", "doc:93"]
    assert [s(x[1]) for x in res[2::2]] == ["8100", "8281", "8464", "8649"]
    # fewer pass than k: all of them
    res = r.execute_command("FT.SEARCH", "idx", "@year:[1999 2100]=>[KNN 10 @v $vec]",
                            "PARAMS", "2", "vec", fp32(0), "NOCONTENT", "DIALECT", "2")
    assert res[0] == 2 and sorted(s(x) for x in res[1:]) == ["doc:100", "doc:99"]
    # hybrid attributes
    res = r.execute_command("FT.SEARCH", "idx",
                            "@genre:{even}=>[KNN 2 @v $vec HYBRID_POLICY ADHOC_BF AS d]",
                            "PARAMS", "2", "vec", fp32(0), "SORTBY", "d", "NOCONTENT",
                            "DIALECT", "2")
    assert [s(x) for x in res[1:]] == ["doc:2", "doc:4"]
    res = r.execute_command("FT.SEARCH", "idx",
                            "@genre:{even}=>[KNN 2 @v $vec HYBRID_POLICY BATCHES BATCH_SIZE 10"
                            " AS d]", "PARAMS", "2", "vec", fp32(0), "SORTBY", "d", "NOCONTENT",
                            "DIALECT", "2")
    assert [s(x) for x in res[1:]] == ["doc:2", "doc:4"]


def test_vector_range(r):
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE",
                      "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2", "n", "NUMERIC")
    for i in range(10):
        r.hset("k%d" % i, mapping={"v": fp32(i, 0), "n": i})
    res = r.execute_command("FT.SEARCH", "idx",
                            "@v:[VECTOR_RANGE $r $vec]=>{$YIELD_DISTANCE_AS: dist}",
                            "PARAMS", "4", "r", "9", "vec", fp32(0, 0), "SORTBY", "dist",
                            "RETURN", "1", "dist", "DIALECT", "2")
    assert deep(res) == [4, "k0", ["dist", "0"], "k1", ["dist", "1"], "k2", ["dist", "4"],
                         "k3", ["dist", "9"]]
    # combined with another clause
    res = r.execute_command("FT.SEARCH", "idx",
                            "@v:[VECTOR_RANGE 20 $vec]=>{$YIELD_DISTANCE_AS: dist} @n:[2 10]",
                            "PARAMS", "2", "vec", fp32(0, 0), "SORTBY", "dist", "NOCONTENT",
                            "DIALECT", "2")
    assert [s(x) for x in res[1:]] == ["k2", "k3", "k4"]
    # nothing in range
    res = r.execute_command("FT.SEARCH", "idx", "@v:[VECTOR_RANGE 0.5 $vec]", "PARAMS", "2",
                            "vec", fp32(100, 100), "DIALECT", "2")
    assert res == [0]


def test_hnsw_range_and_epsilon(r):
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE",
                      "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    for i in range(20):
        r.hset("k%d" % i, mapping={"v": fp32(i, 0)})
    res = r.execute_command("FT.SEARCH", "idx",
                            "@v:[VECTOR_RANGE 4 $vec]=>{$YIELD_DISTANCE_AS: d; $EPSILON: 0.5}",
                            "PARAMS", "2", "vec", fp32(10, 0), "SORTBY", "d", "NOCONTENT",
                            "DIALECT", "2")
    assert res[0] == 5 and sorted(s(x) for x in res[1:]) == ["k10", "k11", "k12", "k8", "k9"]


def test_cosine_and_ip(r):
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "c", "VECTOR", "HNSW", "6", "TYPE",
                      "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "COSINE", "i", "VECTOR",
                      "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "IP")
    r.hset("x", mapping={"c": fp32(1, 0), "i": fp32(0.5, 0)})
    r.hset("y", mapping={"c": fp32(0, 5), "i": fp32(0, 2)})
    r.hset("z", mapping={"c": fp32(1, 1), "i": fp32(-1, 0)})
    r.hset("w", mapping={"c": fp32(-2, 0), "i": fp32(1, 1)})
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 4 @c $q AS d]", "PARAMS", "2", "q",
                            fp32(3, 0), "SORTBY", "d", "RETURN", "1", "d", "DIALECT", "2")
    assert deep(res) == [4, "x", ["d", "0"], "z", ["d", "0.292893230915"], "y", ["d", "1"],
                         "w", ["d", "2"]]
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 4 @i $q AS d]", "PARAMS", "2", "q",
                            fp32(1, 0), "SORTBY", "d", "RETURN", "1", "d", "DIALECT", "2")
    assert deep(res) == [4, "w", ["d", "0"], "x", ["d", "0.5"], "y", ["d", "1"],
                         "z", ["d", "2"]]


def test_types(r):
    r.execute_command(
        "FT.CREATE", "idx", "SCHEMA",
        "d", "VECTOR", "FLAT", "6", "TYPE", "FLOAT64", "DIM", "2", "DISTANCE_METRIC", "L2",
        "h", "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM", "2", "DISTANCE_METRIC", "L2",
        "b", "VECTOR", "HNSW", "6", "TYPE", "BFLOAT16", "DIM", "2", "DISTANCE_METRIC", "L2",
        "i", "VECTOR", "FLAT", "6", "TYPE", "INT8", "DIM", "2", "DISTANCE_METRIC", "L2",
        "u", "VECTOR", "HNSW", "6", "TYPE", "UINT8", "DIM", "2", "DISTANCE_METRIC", "L2")
    r.hset("k", mapping={
        "d": fp64(1.5, -2), "h": struct.pack("<2H", 0x3C00, 0xC000),  # 1, -2
        "b": struct.pack("<2H", 0x3F80, 0xC040),  # 1, -3
        "i": struct.pack("<2b", -128, 5), "u": struct.pack("<2B", 255, 3)})
    cases = [("d", fp64(0, 0), "6.25"), ("h", struct.pack("<2H", 0, 0), "5"),
             ("b", struct.pack("<2H", 0, 0), "10"), ("i", struct.pack("<2b", 0, 0), "16409"),
             ("u", struct.pack("<2B", 0, 0), "65034")]
    for field, q, want in cases:
        res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 1 @%s $q AS d]" % field, "PARAMS",
                                "2", "q", q, "RETURN", "1", "d", "DIALECT", "2")
        assert deep(res) == [1, "k", ["d", want]], field
    # the blob sizes follow the type
    assert "query vector blob size (4) does not match index's expected size (16)" in error_of(
        r, "FT.SEARCH", "idx", "*=>[KNN 1 @d $q]", "PARAMS", "2", "q", fp32(0), "DIALECT", "2")
    assert "query vector blob size (4) does not match index's expected size (2)" in error_of(
        r, "FT.SEARCH", "idx", "*=>[KNN 1 @i $q]", "PARAMS", "2", "q", fp32(0), "DIALECT", "2")


def test_json_vectors(r):
    r.execute_command("FT.CREATE", "jidx", "ON", "JSON", "PREFIX", "1", "j:", "SCHEMA",
                      "$.title", "AS", "title", "TEXT", "$.emb", "AS", "emb", "VECTOR", "FLAT",
                      "6", "TYPE", "FLOAT32", "DIM", "3", "DISTANCE_METRIC", "L2")
    r.execute_command("JSON.SET", "j:1", "$", '{"title":"one","emb":[1,0,0]}')
    r.execute_command("JSON.SET", "j:2", "$", '{"title":"two","emb":[0,2,0]}')
    r.execute_command("JSON.SET", "j:3", "$", '{"title":"three","emb":[0.5,0.25,0]}')
    r.execute_command("JSON.SET", "j:bad", "$", '{"title":"bad","emb":[1,2]}')
    res = r.execute_command("FT.SEARCH", "jidx", "*=>[KNN 3 @emb $q AS d]", "PARAMS", "2",
                            "q", fp32(0, 0, 0), "SORTBY", "d", "RETURN", "2", "d", "title",
                            "DIALECT", "2")
    assert deep(res) == [3, "j:3", ["d", "0.3125", "title", "three"],
                         "j:1", ["d", "1", "title", "one"], "j:2", ["d", "4", "title", "two"]]
    # the array of the wrong length is an indexing failure
    assert int(info_dict(r, "jidx")["hash_indexing_failures"]) == 1
    # an update moves the document
    r.execute_command("JSON.SET", "j:2", "$.emb", "[0,0,0.1]")
    res = r.execute_command("FT.SEARCH", "jidx", "*=>[KNN 1 @emb $q AS d]", "PARAMS", "2",
                            "q", fp32(0, 0, 0), "RETURN", "1", "d", "DIALECT", "2")
    assert s(res[1]) == "j:2"


def test_updates_deletes_and_bad_blobs(r):
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE",
                      "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    r.hset("a", "v", fp32(0, 0))
    r.hset("b", "v", fp32(1, 0))
    r.hset("c", "v", fp32(2, 0))

    def knn(k=3):
        res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN %d @v $q AS d]" % k, "PARAMS",
                                "2", "q", fp32(0, 0), "SORTBY", "d", "RETURN", "1", "d",
                                "DIALECT", "2")
        return [(s(res[i]), s(res[i + 1][1])) for i in range(1, len(res), 2)]

    assert knn() == [("a", "0"), ("b", "1"), ("c", "4")]
    r.hset("a", "v", fp32(3, 0))
    assert knn() == [("b", "1"), ("c", "4"), ("a", "9")]
    r.delete("b")
    assert knn() == [("c", "4"), ("a", "9")]
    # a blob of the wrong size: the document leaves the index, a failure is counted
    r.hset("c", "v", b"abc")
    assert knn() == [("a", "9")]
    assert int(info_dict(r, "idx")["hash_indexing_failures"]) == 1
    r.hset("c", "v", fp32(0, 1))
    assert knn() == [("c", "1"), ("a", "9")]
    assert int(info_dict(r, "idx")["num_docs"]) == 2
    # the vector field missing: not a KNN candidate
    r.hset("e", "other", "x")
    assert knn(5) == [("c", "1"), ("a", "9")]
    r.execute_command("FLUSHALL")


def test_query_errors(r):
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "s", "TEXT", "t", "TAG", "v", "VECTOR",
                      "HNSW", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "COSINE",
                      "v_flat", "VECTOR", "FLAT", "6", "TYPE", "FLOAT64", "DIM", "2",
                      "DISTANCE_METRIC", "L2")
    r.hset("a", mapping={"v": fp32(1, 1), "v_flat": fp64(1, 1), "s": "hello"})

    def search(q, blob=b"abcdefgh"):
        return error_of(r, "FT.SEARCH", "idx", q, "PARAMS", "2", "b", blob, "DIALECT", "2")

    assert ("Error parsing vector similarity query: query vector blob size (7) does not match "
            "index's expected size (8).") in search("*=>[KNN 2 @v $b]", b"abcdefg")
    assert "query vector blob size (17) does not match index's expected size (16)." in search(
        "*=>[KNN 2 @v_flat $b]", b"abcdefghabcdefghi")
    prefix = "Error parsing vector similarity parameters: "
    assert prefix + "Invalid value was given" in search("*=>[KNN 2 @v $b EF_RUNTIME -42]")
    assert prefix + "Invalid value was given" in search("*=>[KNN 2 @v $b EF_RUNTIME 2.71828]")
    assert prefix + "Parameter was specified twice" in search(
        "*=>[KNN 2 @v $b EF_RUNTIME 5 EF_RUNTIME 6]")
    assert prefix + "Invalid option" in search("*=>[KNN 2 @v $b EF_FUNTIME 30]")
    assert prefix + "Invalid option" in search("*=>[KNN 2 @v_flat $b EF_RUNTIME 30]",
                                               b"abcdefghabcdefgh")
    assert prefix + "hybrid query attributes were sent for a non-hybrid query" in search(
        "*=>[KNN 2 @v $b BATCH_SIZE 100]")
    assert prefix + "hybrid query attributes were sent for a non-hybrid query" in search(
        "*=>[KNN 2 @v $b HYBRID_POLICY ADHOC_BF]")
    assert prefix + "invalid hybrid policy was given" in search(
        "@s:hello=>[KNN 2 @v $b HYBRID_POLICY bad_policy]")
    assert prefix + "'batch size' is irrelevant for 'ADHOC_BF' policy" in search(
        "@s:hello=>[KNN 2 @v $b HYBRID_POLICY ADHOC_BF BATCH_SIZE 100]")
    assert prefix + "'EF_RUNTIME' is irrelevant for 'ADHOC_BF' policy" in search(
        "@s:hello=>[KNN 2 @v $b HYBRID_POLICY ADHOC_BF EF_RUNTIME 100]")
    assert prefix + "range query attributes were sent for a non-range query" in search(
        "*=>[KNN 2 @v $b EPSILON 2.71828]")
    # EF_RUNTIME that is valid works
    res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 2 @v $b EF_RUNTIME 50]", "PARAMS", "2",
                            "b", fp32(1, 0), "NOCONTENT", "DIALECT", "2")
    assert res == [1, b"a"]


def test_hnsw_against_exact(r):
    """More documents than a brute-force fallback would take: the graph is
    searched, and its answers are (nearly) the exact ones."""
    rnd = random.Random(7)
    dim, n = 8, 1500
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", "HNSW", "8", "TYPE",
                      "FLOAT32", "DIM", str(dim), "DISTANCE_METRIC", "L2", "EF_RUNTIME", "50")
    vecs = {}
    p = r.pipeline(transaction=False)
    for i in range(n):
        v = [f32(rnd.uniform(-1, 1)) for _ in range(dim)]
        vecs["k%d" % i] = v
        p.hset("k%d" % i, "v", fp32(*v))
    p.execute()
    hits = total = 0
    for _ in range(20):
        q = [f32(rnd.uniform(-1, 1)) for _ in range(dim)]
        exact = sorted(vecs, key=lambda k: sum((a - b) ** 2 for a, b in zip(vecs[k], q)))[:10]
        res = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 10 @v $q AS d]", "PARAMS", "2",
                                "q", fp32(*q), "SORTBY", "d", "RETURN", "1", "d", "DIALECT",
                                "2")
        got = [s(res[i]) for i in range(1, len(res), 2)]
        assert res[0] == 10 and len(got) == 10
        dists = [float(s(res[i + 1][1])) for i in range(1, len(res), 2)]
        assert dists == sorted(dists)
        for k, d in zip(got, dists):
            assert math.isclose(d, sum((a - b) ** 2 for a, b in zip(vecs[k], q)), rel_tol=1e-5)
        hits += len(set(got) & set(exact))
        total += 10
    assert hits / total >= 0.9


def test_aggregate_over_vector_queries(r):
    r.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "SCHEMA", "v",
                      "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC",
                      "L2", "g", "TAG")
    for i in range(5):
        r.hset("d:%d" % i, mapping={"v": fp32(i, 0), "g": "x" if i % 2 else "y"})
    res = r.execute_command("FT.AGGREGATE", "idx", "*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q",
                            fp32(0, 0), "LOAD", "1", "@d", "SORTBY", "2", "@d", "ASC",
                            "DIALECT", "2")
    assert deep(res[1:]) == [["d", "0"], ["d", "1"], ["d", "4"]]
    res = r.execute_command("FT.AGGREGATE", "idx",
                            "@v:[VECTOR_RANGE 4 $q]=>{$YIELD_DISTANCE_AS: d}", "PARAMS", "2", "q",
                            fp32(0, 0), "LOAD", "2", "@d", "@g", "GROUPBY", "1", "@g", "REDUCE",
                            "MIN", "1", "@d", "AS", "m", "SORTBY", "2", "@m", "ASC", "DIALECT",
                            "2")
    assert deep(res[1:]) == [["g", "y", "m", "0"], ["g", "x", "m", "1"]]
