"""GEOSHAPE fields of the query engine: WKT points and polygons (with
holes) in hashes and JSON documents, @f:[WITHIN|CONTAINS|INTERSECTS|DISJOINT
$wkt] queries, indexing failures for bad WKT, query errors, FT.INFO's
coord_system and FT.EXPLAIN. Expected replies follow RediSearch's tests
(tests/pytests/test_geoshape.py, test_geometry.py); Redis 7.0 has no query
engine to compare with."""

import pytest
from redis.commands.search.query import Query

from testlib.cmds import err, x

SMALL = "POLYGON((1 1, 1 100, 100 100, 100 1, 1 1))"
LARGE_HOLE = "POLYGON((1 1, 1 200, 200 200, 200 1, 1 1), (2 2, 49 2, 49 49, 2 49, 2 2))"


def search(r, pred, wkt, *extra, field="geom"):
    return x(r, "FT.SEARCH", "idx", f"@{field}:[{pred} $poly]", "PARAMS", 2, "poly", wkt,
             *extra, "DIALECT", 3)


def nocontent(r, pred, wkt, field="geom"):
    rep = search(r, pred, wkt, "NOCONTENT", field=field)
    return [rep[0]] + sorted(k.decode() for k in rep[1:])


def info(r, idx="idx"):
    rep = x(r, "FT.INFO", idx)
    return dict(zip(rep[::2], rep[1::2]))


@pytest.fixture
def flat(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "geom", "GEOSHAPE", "FLAT") == b"OK"
    return r


def test_within_contains_with_hole(flat):
    r = flat
    r.hset("small", "geom", SMALL)
    r.hset("large", "geom", LARGE_HOLE)
    q = "POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))"
    assert search(r, "within", q) == [1, b"small", [b"geom", SMALL.encode()]]
    assert search(r, "contains", q) == [0]
    q = "POLYGON((50 50, 50 99, 99 99, 99 50, 50 50))"
    assert search(r, "within", q) == [0]
    assert nocontent(r, "contains", q) == [2, "large", "small"]
    # inside the hole: the large polygon does not contain it
    q = "POLYGON((10 10, 10 20, 20 20, 20 10, 10 10))"
    assert nocontent(r, "contains", q) == [1, "small"]
    assert nocontent(r, "intersects", q) == [1, "small"]
    assert nocontent(r, "disjoint", q) == [1, "large"]
    q = "POLYGON((0 0, 0 250, 250 250, 250 0, 0 0))"
    assert nocontent(r, "within", q) == [2, "large", "small"]
    assert search(r, "contains", q) == [0]
    # a shared edge is still within
    q = "POLYGON((1 1, 1 100, 100 100, 100 1, 1 1))"
    assert nocontent(r, "within", q) == [1, "small"]
    assert nocontent(r, "contains", q) == [1, "small"]


def test_points(flat):
    r = flat
    r.hset("point", "geom", "POINT(10 10)")
    r.hset("small", "geom", SMALL)
    r.hset("large", "geom", "POLYGON((1 1, 1 200, 200 200, 200 1, 1 1))")
    q = "POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))"
    assert search(r, "within", q) == [2, b"point", [b"geom", b"POINT(10 10)"],
                                      b"small", [b"geom", SMALL.encode()]]
    assert search(r, "contains", "POLYGON((2 2, 2 50, 50 50, 50 2, 2 2))", "NOCONTENT")[0] == 2
    assert nocontent(r, "contains", "POINT(50 50)") == [2, "large", "small"]
    assert nocontent(r, "contains", "POINT(10 10)") == [3, "large", "point", "small"]
    # a point on the boundary is not within
    assert nocontent(r, "within", "POLYGON((10 10, 10 20, 20 20, 20 10, 10 10))") == [0]
    assert nocontent(r, "intersects", "POLYGON((10 10, 10 20, 20 20, 20 10, 10 10))") == \
        [3, "large", "point", "small"]
    assert nocontent(r, "within", "POLYGON((0 0, 0 250, 250 250, 250 0, 0 0))") == \
        [3, "large", "point", "small"]
    # a bad point fails indexing and leaves the index
    r.hset("point", "geom", "POINT(255, 255)")
    assert nocontent(r, "within", "POLYGON((0 0, 0 250, 250 250, 250 0, 0 0))") == \
        [2, "large", "small"]


def test_intersects_disjoint(flat):
    r = flat
    wide = "POLYGON((1 1, 1 200, 100 200, 100 1, 1 1))"
    tall = "POLYGON((1 1, 1 100, 200 100, 200 1, 1 1))"
    r.hset("wide", "geom", wide)
    r.hset("tall", "geom", tall)
    assert nocontent(r, "intersects", wide) == [2, "tall", "wide"]
    assert nocontent(r, "disjoint", wide) == [0]
    q = "POLYGON((0 101, 0 150, 150 150, 150 101, 0 101))"
    assert search(r, "intersects", q) == [1, b"wide", [b"geom", wide.encode()]]
    assert search(r, "disjoint", q) == [1, b"tall", [b"geom", tall.encode()]]
    q = "POLYGON((101 101, 101 150, 150 150, 150 101, 101 101))"
    assert nocontent(r, "disjoint", q) == [2, "tall", "wide"]


def test_mod_7126(flat):
    r = flat
    r.hset("point1", "geom", "POINT(10 10)")
    r.hset("point2", "geom", "POINT(50 50)")
    r.hset("triangle", "geom", "POLYGON((20 20, 25 35, 35 25, 20 20))")
    r.hset("rectangle", "geom", "POLYGON((60 60, 65 75, 70 70, 65 55, 60 60))")
    q = "POLYGON((15 15, 75 15, 50 70, 20 40, 15 15))"
    assert nocontent(r, "intersects", q) == [2, "point2", "triangle"]
    assert nocontent(r, "disjoint", q) == [2, "point1", "rectangle"]


def test_update_and_delete(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "geom", "GEOSHAPE", "FLAT",
             "geom2", "GEOSHAPE", "FLAT") == b"OK"
    r.hset("k1", "geom", SMALL)
    r.hset("k2", "geom", "POLYGON((1 1, 1 200, 200 200, 200 1, 1 1))")
    r.hset("k3", mapping={"geom": "POLYGON((1 1, 1 200, 200 200, 200 1, 1 1))",
                          "geom2": "POLYGON((1 1, 1 140, 140 140, 140 1, 1 1))"})
    q = "POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))"
    assert nocontent(r, "within", q) == [1, "k1"]
    r.hset("k2", "geom", "POLYGON((1 1, 1 120, 120 120, 120 1, 1 1))")
    assert nocontent(r, "within", q) == [2, "k1", "k2"]
    r.hset("k2", "geom", "")  # fails indexing: out of the index
    assert nocontent(r, "within", q) == [1, "k1"]
    r.delete("k1")
    assert nocontent(r, "within", q) == [0]
    q2 = "POLYGON((2 2, 2 150, 150 150, 150 2, 2 2))"
    assert nocontent(r, "contains", q2) == [1, "k3"]
    assert nocontent(r, "contains", q2, field="geom2") == [0]
    assert nocontent(r, "within", q2.replace("150", "160"), field="geom2") == [0]
    assert nocontent(r, "within", "POLYGON((0 0, 0 160, 160 160, 160 0, 0 0))",
                     field="geom2") == [1, "k3"]
    r.delete("k3")
    assert nocontent(r, "contains", q2) == [0]


def test_json_and_combined(r):
    assert x(r, "FT.CREATE", "idx", "ON", "JSON", "SCHEMA", "$.geom", "AS", "geom", "GEOSHAPE",
             "FLAT", "$.name", "AS", "name", "TEXT") == b"OK"
    x(r, "JSON.SET", "p1", "$", '{"geom": "POLYGON((1 1, 1 100, 100 100, 100 1, 1 1))", '
      '"name": "Homer"}')
    x(r, "JSON.SET", "p2", "$", '{"geom": "POLYGON((1 1, 1 100, 90 90, 100 1, 1 1))", '
      '"name": "Bart"}')
    x(r, "JSON.SET", "p3", "$", '{"geom": "POLYGON((1 1, 1 300, 300 300, 300 1, 1 1))", '
      '"name": "Homer"}')
    q = "POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))"
    assert x(r, "FT.SEARCH", "idx", "@name:(Ho*) @geom:[within $poly]", "PARAMS", 2, "poly", q,
             "NOCONTENT", "DIALECT", 2) == [1, b"p1"]
    assert x(r, "FT.SEARCH", "idx", "-@name:homer @geom:[within $poly]", "PARAMS", 2, "poly", q,
             "NOCONTENT", "DIALECT", 2) == [1, b"p2"]
    assert x(r, "FT.SEARCH", "idx", "@geom:[within $poly]", "PARAMS", 2, "poly", q,
             "RETURN", 1, "geom", "DIALECT", 3)[0] == 2


def test_ingest_errors(r):
    assert x(r, "FT.CREATE", "idx", "ON", "JSON", "SCHEMA", "$.geom", "AS", "geom", "GEOSHAPE",
             "$.name", "AS", "name", "TEXT") == b"OK"

    def last_error():
        return info(r)[b"Index Errors"][3].decode()

    def put(key, wkt):
        x(r, "JSON.SET", key, "$", '{"geom": "%s", "name": "n"}' % wkt)

    put("p1", "POLIKON((1 1, 1 100, 100 100, 100 1, 1 1))")
    assert "Error indexing geoshape: Should start with 'POLYGON'" in last_error()
    put("p2", "POLYGON(1 1, 1 100, 100 100, 100 1, 1 1))")
    assert "Error indexing geoshape: Expected '(' at '1'" in last_error()
    put("p6", "POLYGON(()())")
    assert "Error indexing geoshape: invalid geometry: Geometry has too few points" in last_error()
    put("p7", "POLYGON((1 1, 1 100, 1 1))")
    assert "Error indexing geoshape: invalid geometry: Geometry has too few points" in last_error()
    put("p8", "POLYGON((1 1, 1 200, 1 100, 100 1, 1 1))")
    assert "Error indexing geoshape: invalid geometry: Geometry has spikes" in last_error()
    put("p9", "POLYGON((1 1, 1 100, 50 50, 50 -50, 1 150, 100 50, 1 1))")
    assert "Geometry has invalid self-intersections" in last_error()
    put("p10", "POLYGON((1 1, 1 100, 100 100, 100 1, 1 1) "
        "(25 150, 75 150, 75 250, 25 250, 25 150))")
    assert "Geometry has interior rings defined outside the outer boundary" in last_error()
    put("p11", "POLYGON((1 1, 1 100, 100 100, 100 1, 1 1) (25 25, 75 25, 75 75, 25 75, 25 25) "
        "(49 49, 51 49, 51 51, 49 51, 49 49))")
    assert "Geometry has nested interior rings" in last_error()
    put("p14", "POLYGON((1 1, 1 100, 100 100, bart, 1 1))")
    assert "Error indexing geoshape: bad lexical cast" in last_error()
    # what the WKT reader lets through
    put("p3", "POLYGON((1 1, 1 , 100 100, 100 1, 1 1))")
    put("p4", "POLYGON((1 1, 1 100 100 100, 100 1, 1 1))")
    put("p5", "POLYGON((1 1 1 100, 100 100, 100 1, 1 1))")
    put("p13", "POLYGON((1 1, 1 100, 100 100, 100 1, 100 1, 1 1))")
    put("p15", "POLYGON((1 1, 1 100, 50 50, 50 -50, 1 1))")
    put("p16", "polygon((0 0, 0 5, 5 5))")  # closed by the reader, any case
    d = info(r)
    assert int(d[b"hash_indexing_failures"]) == 9
    assert int(d[b"num_docs"]) == 6


def test_query_errors(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "geom", "GEOSHAPE", "name", "TEXT") == b"OK"
    r.hset("a", "geom", SMALL)
    good = "POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))"
    for q in ["@geom:[wizin $poly]", "@geom:[containss $poly]",
              "@geom:[within POLYGON((0 0, 0 150, 150 150, 150 0, 0 0))]",
              "@geom:[within $]", "@geom:[within poly]"]:
        assert "Syntax error" in err(r, "FT.SEARCH", "idx", q, "PARAMS", 2, "poly", good,
                                     "DIALECT", 3)
    e = err(r, "FT.SEARCH", "idx", "@geom:[within $poly]", "PARAMS", 2, "poly",
            "POLIGON((0 0, 0 150, 150 150, 150 0, 0 0))", "DIALECT", 3)
    assert e.startswith("Error querying geoshape index: Should start with 'POLYGON'")
    assert "POLIGON" in e
    for bad in ["", "0 0", "POLYGON((0 0, a 150, 150 150, 150 0, 0 0))",
                "POLYGON(0 0, 0 150, 150 150, 150 0, 0 0))"]:
        assert err(r, "FT.SEARCH", "idx", "@geom:[contains $poly]", "PARAMS", 2, "poly", bad,
                   "DIALECT", 3).startswith("Error querying geoshape index")
    assert "Expected" in err(r, "FT.SEARCH", "idx", "@geom:[contains $poly]", "PARAMS", 2,
                             "poly", "POLYGON", "DIALECT", 3)
    assert "No such parameter" in err(r, "FT.SEARCH", "idx", "@geom:[contains $poly]",
                                      "PARAMS", 2, "moly", good, "DIALECT", 3)
    assert "No such parameter" in err(r, "FT.SEARCH", "idx", "@geom:[within $poly]",
                                      "DIALECT", 3)


def test_info_and_explain(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "g1", "GEOSHAPE", "FLAT", "g2", "GEOSHAPE",
             "g3", "GEOSHAPE", "SPHERICAL") == b"OK"
    attrs = info(r)[b"attributes"]
    assert attrs[0] == [b"identifier", b"g1", b"attribute", b"g1", b"type", b"GEOSHAPE",
                        b"coord_system", b"FLAT"]
    assert attrs[1][-2:] == [b"coord_system", b"SPHERICAL"]
    assert attrs[2][-2:] == [b"coord_system", b"SPHERICAL"]
    assert x(r, "FT.EXPLAIN", "idx", "@g1:[within $p]", "PARAMS", 2, "p", "POINT(1 2)",
             "DIALECT", 3) == b"GEOSHAPE{2 POINT(1 2)}\n"


def test_spherical_small_shapes(r):
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "geom", "GEOSHAPE", "SPHERICAL") == b"OK"
    r.hset("small", "geom", "POLYGON((34.9001 29.7001, 34.9001 29.7100, 34.9100 29.7100, "
           "34.9100 29.7001, 34.9001 29.7001))")
    r.hset("large", "geom", "POLYGON((34.9001 29.7001, 34.9001 29.7200, 34.9200 29.7200, "
           "34.9200 29.7001, 34.9001 29.7001))")
    q = ("POLYGON((34.9000 29.7000, 34.9000 29.7150, 34.9150 29.7150, 34.9150 29.7000, "
         "34.9000 29.7000))")
    assert nocontent(r, "within", q) == [1, "small"]
    q = ("POLYGON((34.9002 29.7002, 34.9002 29.7050, 34.9050 29.7050, 34.9050 29.7002, "
         "34.9002 29.7002))")
    assert nocontent(r, "contains", q) == [2, "large", "small"]


def test_redis_py_helpers(r):
    # Debian's redis-py has no GeoShapeField: the index is made by hand
    assert x(r, "FT.CREATE", "idx", "PREFIX", 1, "shape:", "SCHEMA", "geom", "GEOSHAPE", "FLAT",
             "name", "TEXT") == b"OK"
    r.hset("shape:1", mapping={"name": "green", "geom": "POLYGON((1 1, 1 3, 3 3, 3 1, 1 1))"})
    r.hset("shape:2", mapping={"name": "blue", "geom": "POINT(2 2)"})
    r.hset("shape:3", mapping={"name": "far", "geom": "POINT(20 20)"})
    q = Query("@geom:[within $poly]").dialect(3)
    res = r.ft("idx").search(q, query_params={"poly": "POLYGON((0 0, 0 5, 5 5, 5 0, 0 0))"})
    assert res.total == 2
    assert sorted(d.id for d in res.docs) == ["shape:1", "shape:2"]
    q = Query("@geom:[contains $pt]").dialect(3)
    res = r.ft("idx").search(q, query_params={"pt": "POINT(2.5 1.5)"})
    assert [d.id for d in res.docs] == ["shape:1"]
    q = Query("@geom:[disjoint $poly] @name:far").dialect(3)
    res = r.ft("idx").search(q, query_params={"poly": "POLYGON((0 0, 0 5, 5 5, 5 0, 0 0))"})
    assert [d.id for d in res.docs] == ["shape:3"]
