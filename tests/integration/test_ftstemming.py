"""Stem expansion of query terms as RediSearch's stemmer expander does it:
every term is looked up with its "+stem" form whatever its length (so "fox"
finds "foxes" and the other way round), while search-min-stem-len only
limits what the indexer stems (RediSearch's tests/pytests/test_stemming
MINSTEMLEN cases); VERBATIM and NOSTEM turn it off; FT.EXPLAIN prints the
expansion as RediSearch does."""

from testlib.cmds import x


def docs(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "n", "TEXT", "NOSTEM")
    r.hset("d:1", "t", "the foxes jumped")
    r.hset("d:2", "t", "a fox runs")
    r.hset("d:3", "t", "running dogs")


def ids(r, *args):
    return sorted(x(r, "FT.SEARCH", "idx", *args, "NOCONTENT")[1:])


def test_short_terms_expand(r):
    docs(r)
    assert ids(r, "fox") == [b"d:1", b"d:2"]
    assert ids(r, "foxes") == [b"d:1", b"d:2"]
    assert ids(r, "dog") == [b"d:3"]
    assert ids(r, "run") == [b"d:2", b"d:3"]
    assert ids(r, "fox", "VERBATIM") == [b"d:2"]
    assert ids(r, "@t:fox") == [b"d:1", b"d:2"]
    assert x(r, "FT.EXPLAIN", "idx", "fox") == b"UNION {\n  fox\n  +fox(expanded)\n}\n"
    assert x(r, "FT.EXPLAIN", "idx", "foxes") == b"UNION {\n  foxes\n  +fox(expanded)\n  fox(expanded)\n}\n"
    assert x(r, "FT.EXPLAIN", "idx", "fox", "VERBATIM") == b"fox\n"
    # a NOSTEM field: no expansion for it
    r.hset("d:4", "n", "foxes")
    assert ids(r, "@n:fox") == []
    assert ids(r, "@n:foxes") == [b"d:4"]


def test_min_stem_len_is_the_indexers(r):
    try:
        x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT")
        r.hset("d:1", "t", "fry")
        r.hset("d:2", "t", "fries")
        r.hset("d:3", "t", "frying")
        # "fry" is shorter than 4: indexed as it is, so "fried" (+fri) misses it
        assert ids(r, "fried") == [b"d:2", b"d:3"]
        assert ids(r, "fry") == [b"d:1", b"d:2", b"d:3"]
        x(r, "FT.CONFIG", "SET", "MINSTEMLEN", 3)
        x(r, "FT.CREATE", "i3", "ON", "HASH", "PREFIX", "1", "e:", "SCHEMA", "t", "TEXT")
        r.hset("e:1", "t", "fry")
        r.hset("e:2", "t", "fries")
        assert sorted(x(r, "FT.SEARCH", "i3", "fried", "NOCONTENT")[1:]) == [b"e:1", b"e:2"]
    finally:
        x(r, "FT.CONFIG", "SET", "MINSTEMLEN", 4)
