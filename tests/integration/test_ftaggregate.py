"""FT.AGGREGATE and FT.CURSOR (Redis 8's bundled RediSearch): the pipeline
steps (LOAD, GROUPBY/REDUCE, SORTBY, APPLY, FILTER, LIMIT), the reply's
shapes in RESP2 and RESP3, errors, cursors (paging, DEL, MAXIDLE expiry,
FT.INFO's cursor_stats), and redis-py's AggregateRequest helpers. Expected
replies follow the command documentation and RediSearch's tests
(tests/pytests/test_aggregate.py, test_cursors.py), since Redis 7.0 has no
query engine to compare with."""

import time

import pytest
from redis.commands.search import reducers
from redis.commands.search.aggregation import AggregateRequest, Asc, Cursor, Desc

from testlib.cmds import err, x

DOCS = [
    ("doc:1", {"title": "Pad", "brand": "Sony", "price": 10, "stock": 3, "ts": 1517417144}),
    ("doc:2", {"title": "Console", "brand": "Sony", "price": 30, "stock": 0, "ts": 1517503544}),
    ("doc:3", {"title": "Switch", "brand": "Nintendo", "price": 20, "stock": 7, "ts": 1517417144}),
    ("doc:4", {"title": "Joycon", "brand": "Nintendo", "stock": 1, "ts": 1517503544}),
    ("doc:5", {"title": "Mouse", "brand": "Logi", "price": 5.5, "stock": 9, "extra": "x"}),
]


@pytest.fixture
def idx(r):
    assert x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", 1, "doc:", "SCHEMA",
             "title", "TEXT", "SORTABLE", "brand", "TAG", "SORTABLE", "price", "NUMERIC",
             "stock", "NUMERIC", "SORTABLE", "ts", "NUMERIC") == b"OK"
    for key, fields in DOCS:
        r.hset(key, mapping=fields)
    return r


def rows(reply):
    """The rows of a RESP2 reply as dicts (the total dropped)."""
    return [dict(zip(row[::2], row[1::2])) for row in reply[1:]]


def test_groupby_count_sort(idx):
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand",
              "REDUCE", "COUNT", 0, "AS", "n", "SORTBY", 4, "@n", "DESC", "@brand", "ASC")
    assert reply == [3, [b"brand", b"nintendo", b"n", b"2"], [b"brand", b"sony", b"n", b"2"],
                     [b"brand", b"logi", b"n", b"1"]]


def test_reducers(idx):
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand",
              "REDUCE", "SUM", 1, "@price", "AS", "sum",
              "REDUCE", "AVG", 1, "@price", "AS", "avg",
              "REDUCE", "MIN", 1, "@price", "AS", "min",
              "REDUCE", "MAX", 1, "@price", "AS", "max",
              "REDUCE", "COUNT_DISTINCT", 1, "@title", "AS", "titles",
              "REDUCE", "TOLIST", 1, "@title", "AS", "list",
              "REDUCE", "FIRST_VALUE", 4, "@title", "BY", "@price", "DESC", "AS", "top",
              "SORTBY", 2, "@brand", "ASC")
    got = rows(reply)
    assert reply[0] == 3
    assert got[0] == {b"brand": b"logi", b"sum": b"5.5", b"avg": b"5.5", b"min": b"5.5",
                      b"max": b"5.5", b"titles": b"1", b"list": [b"mouse"], b"top": b"mouse"}
    assert got[1][b"sum"] == b"20" and got[1][b"min"] == b"20" and got[1][b"titles"] == b"2"
    assert sorted(got[1][b"list"]) == [b"joycon", b"switch"]
    assert got[2] == {b"brand": b"sony", b"sum": b"40", b"avg": b"20", b"min": b"10",
                      b"max": b"30", b"titles": b"2", b"list": got[2][b"list"], b"top": b"console"}
    # QUANTILE and STDDEV over every document
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 0,
              "REDUCE", "QUANTILE", 2, "@stock", "0.5", "AS", "median",
              "REDUCE", "STDDEV", 1, "@stock", "AS", "sd",
              "REDUCE", "COUNT", 0)
    got = rows(reply)[0]
    assert got[b"median"] == b"3"
    assert abs(float(got[b"sd"]) - 3.872983346207417) < 1e-9
    assert got[b"__generated_aliascount"] == b"5"


def test_apply_filter_limit(idx):
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 2, "@title", "@price",
              "APPLY", "@price * 2", "AS", "double",
              "FILTER", "@double > 15", "SORTBY", 2, "@double", "DESC", "LIMIT", 0, 2)
    assert reply == [5, [b"title", b"Console", b"price", b"30", b"double", b"60"],
                     [b"title", b"Switch", b"price", b"20", b"double", b"40"]]
    # the docs' example: visits per day and brand
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 1, "@ts",
              "APPLY", "day(@ts)", "AS", "day", "APPLY", "timefmt(@day)", "AS", "date",
              "GROUPBY", 2, "@date", "@brand", "REDUCE", "COUNT", 0, "AS", "n",
              "SORTBY", 4, "@date", "ASC", "@brand", "DESC")
    assert rows(reply) == [
        {b"date": None, b"brand": b"logi", b"n": b"1"},  # no ts: a null sorts first
        {b"date": b"2018-01-31T00:00:00Z", b"brand": b"sony", b"n": b"1"},
        {b"date": b"2018-01-31T00:00:00Z", b"brand": b"nintendo", b"n": b"1"},
        {b"date": b"2018-02-01T00:00:00Z", b"brand": b"sony", b"n": b"1"},
        {b"date": b"2018-02-01T00:00:00Z", b"brand": b"nintendo", b"n": b"1"},
    ]
    # an APPLY without AS is named by its expression; a SORTABLE attribute
    # it reads comes in its sortable (lowercased) form and shows in the row
    reply = x(idx, "FT.AGGREGATE", "idx", "@brand:{logi}", "APPLY", "upper(@title)")
    assert reply == [1, [b"title", b"mouse", b"upper(@title)", b"MOUSE"]]
    # string functions over loaded values
    reply = x(idx, "FT.AGGREGATE", "idx", "@brand:{sony}", "LOAD", 2, "@title", "@price",
              "APPLY", "format(\"%s-%s\", @title, @price)", "AS", "f",
              "SORTBY", 2, "@f", "ASC")
    assert [row[b"f"] for row in rows(reply)] == [b"Console-30", b"Pad-10"]


def test_load_star_and_key(idx):
    reply = x(idx, "FT.AGGREGATE", "idx", "@brand:{logi}", "LOAD", "*")
    assert reply[0] == 1
    assert rows(reply)[0] == {b"title": b"Mouse", b"brand": b"Logi", b"price": b"5.5",
                              b"stock": b"9", b"extra": b"x"}
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 3, "@__key", "AS", "key",
              "SORTBY", 2, "@key", "ASC")
    assert [row[b"key"] for row in rows(reply)] == [b"doc:1", b"doc:2", b"doc:3", b"doc:4",
                                                    b"doc:5"]
    # without LOAD the rows are empty; the first number counts as RediSearch does
    assert x(idx, "FT.AGGREGATE", "idx", "*") == [1, [], [], [], [], []]


def test_missing_values(idx):
    reply = x(idx, "FT.AGGREGATE", "idx", "@brand:{nintendo}", "LOAD", 1, "@price",
              "FILTER", "exists(@price)")
    assert rows(reply) == [{b"price": b"20"}]
    reply = x(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 1, "@extra",
              "GROUPBY", 0, "REDUCE", "SUM", 1, "@extra", "AS", "s",
              "REDUCE", "TOLIST", 1, "@extra", "AS", "l")
    assert rows(reply) == [{b"s": b"nan", b"l": [b"x"]}]


def test_errors(idx):
    assert (err(idx, "FT.AGGREGATE", "nope", "*") == "nope: no such index")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "SORTBY", 1, "@price", "SORTBY", 1, "@stock")
            == "Multiple SORTBY steps are not allowed. Sort multiple fields in a single step")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand", "LOAD", 1, "@title")
            == "LOAD cannot be applied after projectors or reducers")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand", "REDUCE", "COUNT", 1,
                "@brand") == "Count accepts 0 values only")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand", "REDUCE", "COUNT", 1)
            == "Bad arguments for COUNT: Expected an argument, but none provided")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "FILTER", "@price > 5")
            == "Property `price` not loaded nor in pipeline")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "SORTBY", 1, "@extra")
            == "Property `extra` not loaded nor in schema")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "FILTER", "bad filter")
            == "Syntax error at offset 4 near 'filter'")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "APPLY", "nosuch(1)", "AS", "x")
            == "Unknown function name 'nosuch'")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand", "REDUCE", "NOPE", 0)
            == "No such reducer `NOPE`")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "LIMIT", 0)
            == "Bad arguments for LIMIT: Expected an argument, but none provided")
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 1, "@title", "APPLY", "@title + 1",
                "AS", "x") == "Could not convert value to a number")
    assert (err(idx, "FT.AGGREGATE", "idx")
            == "wrong number of arguments for 'ft.aggregate' command")


def test_resp3_shape(raw, idx):
    c = raw()
    c.call("HELLO", 3)
    reply = c.call("FT.AGGREGATE", "idx", "*", "GROUPBY", 1, "@brand",
                   "REDUCE", "COUNT", 0, "AS", "n", "SORTBY", 2, "@brand", "ASC", "LIMIT", 0, 1)
    assert reply[b"attributes"] == []
    assert reply[b"format"] == b"STRING"
    assert reply[b"total_results"] == 3
    assert reply[b"warning"] == []
    assert reply[b"results"] == [{b"extra_attributes": {b"brand": b"logi", b"n": b"1"},
                                  b"values": []}]


def test_cursor_paging(idx):
    first, cid = x(idx, "FT.AGGREGATE", "idx", "*", "LOAD", 1, "@__key",
                   "SORTBY", 2, "@__key", "ASC", "WITHCURSOR", "COUNT", 2)
    assert first == [5, [b"__key", b"doc:1"], [b"__key", b"doc:2"]]
    assert cid != 0
    page, cid2 = x(idx, "FT.CURSOR", "READ", "idx", cid)
    assert page == [0, [b"__key", b"doc:3"], [b"__key", b"doc:4"]] and cid2 == cid
    page, cid3 = x(idx, "FT.CURSOR", "READ", "idx", cid, "COUNT", 5)
    assert page == [0, [b"__key", b"doc:5"]] and cid3 == 0
    assert err(idx, "FT.CURSOR", "READ", "idx", cid) == f"Cursor not found, id: {cid}"
    # everything fits: the cursor ends at once
    page, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR")
    assert len(page) == 6 and cid == 0
    # an exact multiple of COUNT: one more, empty read ends it
    page, cid = x(idx, "FT.AGGREGATE", "idx", "*", "LIMIT", 0, 4, "WITHCURSOR", "COUNT", 2)
    assert len(page) == 3 and cid != 0
    page, cid = x(idx, "FT.CURSOR", "READ", "idx", cid)
    assert len(page) == 3 and cid != 0
    page, cid = x(idx, "FT.CURSOR", "READ", "idx", cid)
    assert len(page) == 1 and cid == 0


def test_cursor_del_and_stats(idx):
    _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
    assert cid != 0
    stats = info_cursor_stats(idx)
    assert stats[b"index_total"] == 1 and stats[b"global_total"] == 1
    assert stats[b"global_idle"] == 1 and stats[b"index_capacity"] == 128
    assert x(idx, "FT.CURSOR", "DEL", "idx", cid) == b"OK"
    assert err(idx, "FT.CURSOR", "DEL", "idx", cid) == "Cursor does not exist"
    assert err(idx, "FT.CURSOR", "READ", "idx", "abc") == "Bad cursor ID"
    assert info_cursor_stats(idx)[b"index_total"] == 0


def info_cursor_stats(c):
    """FT.INFO's cursor_stats as a dict."""
    v = x(c, "FT.INFO", "idx")
    s = dict(zip(v[::2], v[1::2]))[b"cursor_stats"]
    return dict(zip(s[::2], s[1::2]))


def test_cursor_maxidle(idx):
    # reaped by the server's cron (every 100 ms) once idle for MAXIDLE ms
    _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1, "MAXIDLE", 50)
    _, keep = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
    assert cid != 0 and keep != 0
    time.sleep(0.5)
    assert err(idx, "FT.CURSOR", "READ", "idx", cid) == f"Cursor not found, id: {cid}"
    page, same = x(idx, "FT.CURSOR", "READ", "idx", keep)
    assert len(page) == 2 and same == keep
    # FT.CURSOR GC reaps at once
    _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1, "MAXIDLE", 1)
    time.sleep(0.01)
    assert x(idx, "FT.CURSOR", "GC", "idx", "0") in (0, 1)
    time.sleep(0.2)
    assert err(idx, "FT.CURSOR", "READ", "idx", cid) == f"Cursor not found, id: {cid}"


def test_cursor_capacity(idx):
    cids = []
    for _ in range(128):
        _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
        cids.append(cid)
    assert len(set(cids)) == 128
    assert (err(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
            == "Too many cursors allocated for index")
    for cid in cids:
        assert x(idx, "FT.CURSOR", "DEL", "idx", cid) == b"OK"
    _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
    assert cid != 0


def test_redis_py_helpers(idx):
    ft = idx.ft("idx")
    req = (AggregateRequest("*")
           .group_by("@brand", reducers.count().alias("n"), reducers.sum("@price").alias("total"))
           .sort_by(Desc("@total"), Asc("@brand")))
    res = ft.aggregate(req)
    assert res.rows == [[b"brand", b"sony", b"n", b"2", b"total", b"40"],
                        [b"brand", b"nintendo", b"n", b"2", b"total", b"20"],
                        [b"brand", b"logi", b"n", b"1", b"total", b"5.5"]]
    req = (AggregateRequest("@brand:{sony}").load("@title", "@price")
           .apply(cheap="@price < 20").filter("@cheap == 1").limit(0, 10))
    res = ft.aggregate(req)
    assert res.rows == [[b"title", b"Pad", b"price", b"10", b"cheap", b"1"]]
    req = (AggregateRequest("*").group_by(
        [], reducers.quantile("@stock", 0.5).alias("q"), reducers.stddev("@stock").alias("sd"),
        reducers.count_distinctish("@brand").alias("cd"), reducers.tolist("@brand").alias("l"),
        reducers.first_value("@title", Desc("@stock")).alias("most"),
        reducers.first_value("@title", Asc).alias("first_title"),
        reducers.random_sample("@stock", 2).alias("rs")).verbatim())
    row = dict(zip(*[iter(ft.aggregate(req).rows[0])] * 2))
    assert row[b"q"] == b"3" and row[b"sd"] == b"3.87298334621" and row[b"cd"] == b"3"
    assert sorted(row[b"l"]) == [b"logi", b"nintendo", b"sony"]
    assert row[b"most"] == b"mouse" and row[b"first_title"] == b"console"
    assert len(row[b"rs"]) == 2 and set(row[b"rs"]) <= {b"3", b"0", b"7", b"1", b"9"}
    res = ft.aggregate(AggregateRequest("@brand:{logi}").load())
    assert res.rows == [[b"title", b"Mouse", b"brand", b"Logi", b"price", b"5.5", b"stock", b"9",
                         b"extra", b"x"]]
    # cursors through redis-py
    req = AggregateRequest("*").load("@title").sort_by("@title").cursor(count=2, max_idle=5.0)
    res = ft.aggregate(req)
    seen = [row[1] for row in res.rows]
    while res.cursor and res.cursor.cid:
        res = ft.aggregate(res.cursor)
        seen += [row[1] for row in res.rows]
    assert seen == [b"Console", b"Joycon", b"Mouse", b"Pad", b"Switch"]
    assert isinstance(res.cursor, Cursor)


def test_cursors_go_with_the_index(idx):
    _, cid = x(idx, "FT.AGGREGATE", "idx", "*", "WITHCURSOR", "COUNT", 1)
    assert cid != 0
    assert x(idx, "FT.DROPINDEX", "idx") == b"OK"
    assert x(idx, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", 1, "doc:", "SCHEMA",
             "title", "TEXT") == b"OK"
    assert err(idx, "FT.CURSOR", "READ", "idx", cid) == f"Cursor not found, id: {cid}"


def test_json_index(r):
    assert x(r, "FT.CREATE", "jidx", "ON", "JSON", "PREFIX", 1, "j:", "SCHEMA",
             "$.brand", "AS", "brand", "TAG", "$.price", "AS", "price", "NUMERIC") == b"OK"
    r.execute_command("JSON.SET", "j:1", "$", '{"brand": "a", "price": 3, "name": "x"}')
    r.execute_command("JSON.SET", "j:2", "$", '{"brand": "a", "price": 4, "name": "y"}')
    r.execute_command("JSON.SET", "j:3", "$", '{"brand": "b", "price": 10, "name": "z"}')
    reply = x(r, "FT.AGGREGATE", "jidx", "*", "GROUPBY", 1, "@brand",
              "REDUCE", "SUM", 1, "@price", "AS", "total", "SORTBY", 2, "@total", "DESC")
    assert reply == [2, [b"brand", b"b", b"total", b"10"], [b"brand", b"a", b"total", b"7"]]
    reply = x(r, "FT.AGGREGATE", "jidx", "*", "LOAD", 3, "$.name", "AS", "name",
              "SORTBY", 2, "@name", "DESC", "LIMIT", 0, 1)
    assert reply == [3, [b"name", b"z"]]


def test_knn_distance(r):
    import struct
    assert x(r, "FT.CREATE", "vidx", "ON", "HASH", "PREFIX", 1, "v:", "SCHEMA", "emb", "VECTOR",
             "FLAT", 6, "TYPE", "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2",
             "tag", "TAG") == b"OK"
    for key, vec, tag in (("v:1", (0, 0), "a"), ("v:2", (1, 0), "a"), ("v:3", (3, 0), "b")):
        r.hset(key, mapping={"emb": struct.pack("<2f", *vec), "tag": tag})
    blob = struct.pack("<2f", 0, 0)
    reply = x(r, "FT.AGGREGATE", "vidx", "*=>[KNN 3 @emb $B AS dist]", "PARAMS", 2, "B", blob,
              "DIALECT", 2, "LOAD", 1, "@__key", "SORTBY", 2, "@dist", "DESC")
    assert reply == [3, [b"__key", b"v:3", b"dist", b"9"], [b"__key", b"v:2", b"dist", b"1"],
                     [b"__key", b"v:1", b"dist", b"0"]]
    reply = x(r, "FT.AGGREGATE", "vidx", "*=>[KNN 3 @emb $B AS dist]", "PARAMS", 2, "B", blob,
              "DIALECT", 2, "GROUPBY", 1, "@tag", "REDUCE", "MIN", 1, "@dist", "AS", "nearest",
              "SORTBY", 2, "@nearest", "ASC")
    assert reply == [2, [b"tag", b"a", b"nearest", b"0"], [b"tag", b"b", b"nearest", b"9"]]
    reply = x(r, "FT.AGGREGATE", "vidx", "@tag:{$t}", "PARAMS", 2, "t", "b", "DIALECT", 2,
              "LOAD", 1, "@__key")
    assert reply == [1, [b"__key", b"v:3"]]


def test_json_load_paths_outside_the_schema(r):
    # LOAD and RETURN of JSONPaths the schema does not name: more paths than
    # the index keeps compiled (8), in one query and across queries, each
    # document's values where they belong; a path that does not compile and
    # one no document has give nothing.
    assert x(r, "FT.CREATE", "jp", "ON", "JSON", "PREFIX", 1, "jp:", "SCHEMA",
             "$.n", "AS", "n", "NUMERIC", "SORTABLE") == b"OK"
    n_fields = 12
    long_name = "k" * 300  # a path longer than the index keeps compiled
    for d in range(10):
        doc = {"n": d, long_name: f"long{d}", **{f"f{k}": f"v{d}-{k}" for k in range(n_fields)}}
        r.execute_command("JSON.SET", f"jp:{d}", "$", __import__("json").dumps(doc))
    paths = [f"$.f{k}" for k in range(n_fields)]
    for order in (paths, paths[::-1], paths[::2] + paths[1::2]):
        reply = x(r, "FT.AGGREGATE", "jp", "*", "LOAD", len(order) + 1, *order, "$.nothing",
                  "SORTBY", 2, "@n", "ASC", "LOAD", 1, "@n", "LIMIT", 0, 10)
        got = rows(reply)
        assert len(got) == 10
        for d, row in enumerate(got):
            assert row == {**{p.encode(): f"v{d}-{p[3:]}".encode() for p in order},
                           b"n": str(d).encode()}
    reply = x(r, "FT.SEARCH", "jp", "@n:[3 3]", "RETURN", 4, "$.f11", "$.f0", "$[", "$.nothing")
    assert reply == [1, b"jp:3", [b"$.f11", b"v3-11", b"$.f0", b"v3-0"]]
    long_path = f"$['{long_name}']"
    for _ in range(2):
        reply = x(r, "FT.SEARCH", "jp", "@n:[4 5]", "SORTBY", "n", "RETURN", 2, long_path, "$.f1")
        assert reply == [2, b"jp:4", [long_path.encode(), b"long4", b"$.f1", b"v4-1"],
                         b"jp:5", [long_path.encode(), b"long5", b"$.f1", b"v5-1"]]
