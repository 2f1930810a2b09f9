"""FT.ALIASLIST index (Redis 8.10, the command's page): the index's aliases
in the order they were added, an empty array without any, an error for a
missing index; aliases moved by FT.ALIASUPDATE or removed by FT.ALIASDEL
leave the list; an alias names its index here too."""

from testlib.cmds import err, x


def test_aliaslist(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "a:", "SCHEMA", "t", "TEXT")
    x(r, "FT.CREATE", "other", "ON", "HASH", "PREFIX", "1", "b:", "SCHEMA", "t", "TEXT")
    assert x(r, "FT.ALIASLIST", "idx") == []
    assert x(r, "FT.ALIASADD", "al1", "idx") == b"OK"
    assert x(r, "FT.ALIASADD", "al2", "idx") == b"OK"
    assert x(r, "FT.ALIASADD", "al3", "other") == b"OK"
    assert x(r, "FT.ALIASLIST", "idx") == [b"al1", b"al2"]
    assert x(r, "FT.ALIASLIST", "al2") == [b"al1", b"al2"]
    assert x(r, "FT.ALIASLIST", "other") == [b"al3"]
    assert x(r, "FT.ALIASUPDATE", "al1", "other") == b"OK"
    assert x(r, "FT.ALIASLIST", "idx") == [b"al2"]
    assert x(r, "FT.ALIASLIST", "other") == [b"al3", b"al1"]
    assert x(r, "FT.ALIASDEL", "al2") == b"OK"
    assert x(r, "FT.ALIASLIST", "idx") == []
    x(r, "FT.DROPINDEX", "other")
    assert err(r, "FT.ALIASLIST", "other") == "other: no such index"
    assert err(r, "FT.ALIASLIST", "al3") == "al3: no such index"
    assert err(r, "FT.ALIASLIST", "nosuch") == "nosuch: no such index"
    assert err(r, "FT.ALIASLIST")  # arity
    assert err(r, "FT.ALIASLIST", "idx", "more")


def test_aliaslist_resp3(r, raw):
    x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    x(r, "FT.ALIASADD", "al", "idx")
    c = raw()
    c.call("HELLO", 3)
    assert c.call("FT.ALIASLIST", "idx") == [b"al"]
