"""The query engine's term dictionaries (FT.DICTADD, FT.DICTDEL,
FT.DICTDUMP), written from RediSearch's tests (tests/pytests/
test_spell_check.py) and command pages: counts, sorted dumps, a missing
dictionary, FLUSHALL, wrong arity, NUL-terminated terms, and persistence of
this server-wide state (not a key) through DEBUG RELOAD, an RDB restart, AOF
replay, and AOF rewrites with and without the RDB preamble. Some tests go
through redis-py's r.ft() client."""

import os

from test_aof import wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x


def test_add_count_and_dump(r):
    ft = r.ft()
    assert ft.dict_add("dict", "term1", "term2", "term3") == 3
    assert ft.dict_add("dict", "term1", "term2", "term4") == 1
    assert ft.dict_dump("dict") == [b"term1", b"term2", b"term3", b"term4"]
    # byte (code point) order, case kept
    assert x(r, "FT.DICTADD", "d2", "b", "B", "a", "é", "z", "ab") == 6
    assert x(r, "FT.DICTDUMP", "d2") == [b"B", b"a", b"ab", b"b", b"z", "é".encode()]
    assert r.keys("*") == []  # not keys


def test_delete(r):
    ft = r.ft()
    assert ft.dict_add("dict", "term1", "term2", "term3") == 3
    assert ft.dict_del("dict", "term1", "term2", "term4") == 2
    assert ft.dict_dump("dict") == [b"term3"]
    assert ft.dict_del("dict", "term3") == 1
    assert ft.dict_dump("dict") == []
    assert ft.dict_del("nodict", "term1") == 0
    assert r.keys("*") == []


def test_missing_and_flushall(r):
    assert x(r, "FT.DICTDUMP", "nosuch") == []
    assert x(r, "FT.DICTADD", "dict", "term1", "term2", "term3") == 3
    assert r.flushall()
    assert x(r, "FT.DICTDUMP", "dict") == []
    assert x(r, "FT.DICTADD", "dict", "term4", "term5", "term6") == 3
    assert x(r, "FT.DICTDUMP", "dict") == [b"term4", b"term5", b"term6"]
    r.flushdb()  # only FLUSHALL empties them
    assert x(r, "FT.DICTDUMP", "dict") == [b"term4", b"term5", b"term6"]


def test_arity(r):
    assert "wrong number of arguments" in err(r, "FT.DICTADD", "dict")
    assert "wrong number of arguments" in err(r, "FT.DICTDEL", "dict")
    assert "wrong number of arguments" in err(r, "FT.DICTDUMP")
    assert "wrong number of arguments" in err(r, "FT.DICTDUMP", "a", "b")


def test_odd_terms(r):
    # a term ends at its first NUL; an empty term is not added
    assert x(r, "FT.DICTADD", "dict", b"foo\x00bar", b"foo\x00baz", b"") == 1
    assert x(r, "FT.DICTDUMP", "dict") == [b"foo"]
    # 254 characters fit, 255 do not; more than 510 bytes do not either
    assert x(r, "FT.DICTADD", "dict", "a" * 254, "b" * 255, "é" * 254) == 2
    assert x(r, "FT.DICTADD", "dict", "é" * 255, "c" * 600) == 0
    assert len(x(r, "FT.DICTDUMP", "dict")) == 3
    assert x(r, "FT.DICTDEL", "dict", b"foo\x00zzz") == 1
    # the name ends at a NUL too
    assert x(r, "FT.DICTADD", b"n\x00x", "t") == 1
    assert x(r, "FT.DICTDUMP", "n") == [b"t"]


def test_resp_bytes(raw):
    c = raw()
    assert c.call_raw("FT.DICTADD", "dict", "b", "a") == b":2\r\n"
    assert c.call_raw("FT.DICTDUMP", "dict") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    c.call("HELLO", 3)
    assert c.call_raw("FT.DICTDUMP", "dict") == b"~2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert c.call_raw("FT.DICTDUMP", "none") == b"~0\r\n"


def fill(c):
    assert x(c, "FT.DICTADD", "dict", "bar", "baz", "hakuna matata") == 3
    assert x(c, "FT.DICTADD", "other", *["t%03d" % i for i in range(150)]) == 150
    assert x(c, "FT.DICTADD", "gone", "x") == 1
    assert x(c, "FT.DICTDEL", "gone", "x") == 1
    assert x(c, "FT.DICTDEL", "other", "t007") == 1
    x(c, "SET", "k", "v")


def snapshot(c):
    return {n: x(c, "FT.DICTDUMP", n) for n in ("dict", "other", "gone")}


def test_debug_reload(r):
    fill(r)
    before = snapshot(r)
    assert len(before["other"]) == 149
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    assert r.get("k") == b"v"


def test_rdb_restart(make_server):
    srv = make_server()
    c = srv.client()
    fill(c)
    before = snapshot(c)
    c.save()
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    assert c.get("k") == b"v"
    # an RDB without dictionaries holds no record for them
    x(c, "FLUSHALL")
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == {"dict": [], "other": [], "gone": []}


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS + ["--aof-use-rdb-preamble", "no"])
    c = srv.client()
    fill(c)
    before = snapshot(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    base = [f for f in os.listdir(os.path.join(srv.dir, "appendonlydir")) if ".base." in f]
    with open(os.path.join(srv.dir, "appendonlydir", base[0]), "rb") as f:
        text = f.read()
    assert b"FT.DICTADD" in text and b"t149" in text
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    # the RDB preamble carries them as a module-aux record
    x(c, "CONFIG", "SET", "aof-use-rdb-preamble", "yes")
    c.bgrewriteaof()
    wait_rewrite(c)
    x(c, "FT.DICTADD", "dict", "after")
    before = snapshot(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    assert c.get("k") == b"v"


def test_debug_loadaof_resets(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    fill(c)
    before = snapshot(c)
    assert x(c, "DEBUG", "LOADAOF") == b"OK"
    assert snapshot(c) == before
