"""Auto-complete suggestion dictionaries (FT.SUGADD, FT.SUGGET, FT.SUGDEL,
FT.SUGLEN), written from RediSearch's tests/pytests/test_suggest.py and its
suggest.c / trie code: ranking (prefix length normalisation, FUZZY within one
edit, the exact-match boost), MAX, TRIM, payloads, INCR, case folding, the
length limits and every error text, WRONGTYPE both ways, the key type
(TYPE trietype0, OBJECT ENCODING, MEMORY USAGE, COPY, RENAME, MOVE), and
persistence (DEBUG RELOAD, RDB restart, AOF replay and rewrite, DUMP/RESTORE
with RediSearch's trietype0 layout). Some tests go through redis-py's
r.ft().sugadd()/sugget()."""

import math

import pytest
from redis.commands.search.suggestion import Suggestion

from test_aof import wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def b(*ss):
    return [s.encode() if isinstance(s, str) else s for s in ss]


def test_suggestions(r):
    assert x(r, "FT.SUGADD", "ac", "hello world", 1) == 1
    assert x(r, "FT.SUGADD", "ac", "hello world", 1, "INCR") == 1
    assert x(r, "FT.SUGGET", "ac", "hello") == [b"hello world"]
    sz = 2
    for term in ["hello werld", "hallo world", "yellow world", "wazzup", "herp", "derp"]:
        assert x(r, "FT.SUGADD", "ac", term, sz - 1) == sz
        sz += 1
    assert x(r, "FT.SUGLEN", "ac") == 7
    assert x(r, "FT.SUGGET", "ac", "hello") == b("hello world", "hello werld")
    assert x(r, "FT.SUGGET", "ac", "hello", "FUZZY") == b(
        "hello world", "hello werld", "yellow world", "hallo world")
    assert x(r, "FT.SUGGET", "ac", "hello", "FUZZY", "MAX", "1") == [b"hello world"]
    res = x(r, "FT.SUGGET", "ac", "hello", "WITHSCORES")
    assert len(res) == 4
    # 2 / sqrt(1 + 11 - 5) and 1 / sqrt(7), as floats
    assert float(res[1]) == pytest.approx(2 / math.sqrt(7), rel=1e-6)
    assert float(res[3]) == pytest.approx(1 / math.sqrt(7), rel=1e-6)
    res = x(r, "FT.SUGGET", "ac", "hello", "FUZZY", "WITHSCORES")
    # one edit costs e^-2
    assert float(res[5]) == pytest.approx(3 * math.exp(-2) / math.sqrt(8), rel=1e-6)
    assert x(r, "FT.SUGDEL", "ac", "hello world") == 1
    assert x(r, "FT.SUGDEL", "ac", "world") == 0
    assert x(r, "FT.SUGGET", "ac", "hello") == [b"hello werld"]


def test_errors(r):
    assert x(r, "FT.SUGADD", "ac", "olah", "1") == 1
    assert x(r, "FT.SUGADD", "ac", "olah", "1", "INCR") == 1
    assert "wrong number of arguments" in err(r, "FT.SUGADD", "ac", "missing")
    assert "wrong number of arguments" in err(r, "FT.SUGADD", "ac", "a", 1, "INCR", "PAYLOAD",
                                              "p", "x")
    assert err(r, "FT.SUGADD", "ac", "olah", "not_a_number") == "invalid score"
    assert err(r, "FT.SUGADD", "ac", "olah", "nan") == "invalid score"
    assert err(r, "FT.SUGADD", "ac", "olah", "1", "PAYLOAD") == (
        "Invalid payload: Expected an argument, but none provided")
    assert err(r, "FT.SUGADD", "ac", "olah", "1", "REDIS", "PAYLOAD", "payload") == (
        "Unknown argument `REDIS`")
    assert err(r, "FT.SUGGET", "ac", "olah", "FUZZ") == "Unrecognized argument: FUZZ"
    assert err(r, "FT.SUGGET", "ac", "olah", "MAX") == (
        "MAX: Expected an argument, but none provided")
    assert err(r, "FT.SUGGET", "ac", "olah", "MAX", "x") == (
        "MAX: Could not convert argument to expected type")
    assert err(r, "FT.SUGGET", "ac", "olah", "MAX", "0") == "MAX: Value is outside acceptable bounds"
    assert err(r, "FT.SUGGET", "ac", "olah", "MAX", "-1") == (
        "MAX: Value is outside acceptable bounds")
    assert "wrong number of arguments" in err(r, "FT.SUGGET", "ac")
    assert "wrong number of arguments" in err(r, "FT.SUGGET", "ac", "o", *(["FUZZY"] * 8))
    assert "wrong number of arguments" in err(r, "FT.SUGDEL", "ac")
    assert "wrong number of arguments" in err(r, "FT.SUGLEN")
    query = "verylongquery" * 8  # 104 characters
    assert "Invalid query" in err(r, "FT.SUGGET", "ac", query)
    assert "Invalid query length" in err(r, "FT.SUGGET", "ac", query + query)
    assert x(r, "FT.SUGLEN", "ac") == 1  # nothing changed


def test_max_prefix_length(r):
    term = "a" * 100
    assert x(r, "FT.SUGADD", "ac", term, 1) == 1
    assert x(r, "FT.SUGGET", "ac", term) == [term.encode()]
    assert x(r, "FT.SUGADD", "ac", term + "a", 1) == 2
    assert "Invalid query" in err(r, "FT.SUGGET", "ac", term + "a")
    # 254 characters are stored, 255 and more than 510 bytes are not
    assert x(r, "FT.SUGADD", "ac", "b" * 254, 1) == 3
    assert x(r, "FT.SUGADD", "ac", "c" * 255, 1) == 3
    assert x(r, "FT.SUGADD", "ac", "é" * 256, 1) == 3
    assert x(r, "FT.SUGADD", "ac", "", 1) == 3
    assert x(r, "FT.SUGADD", "empty", "", 1) == 0
    assert r.exists("empty") == 0


def test_payloads(r):
    assert x(r, "FT.SUGADD", "ac", "hello world", 1, "PAYLOAD", "foo") == 1
    assert x(r, "FT.SUGADD", "ac", "hello werld", 1, "PAYLOAD", "bar") == 2
    assert x(r, "FT.SUGADD", "ac", "hello nopayload", 1, "PAYLOAD", "") == 3
    assert x(r, "FT.SUGADD", "ac", "hello nopayload2", 1) == 4
    assert x(r, "FT.SUGGET", "ac", "hello", "WITHPAYLOADS") == [
        b"hello world", b"foo", b"hello werld", b"bar", b"hello nopayload", None,
        b"hello nopayload2", None]
    assert x(r, "FT.SUGGET", "ac", "hello") == b(
        "hello world", "hello werld", "hello nopayload", "hello nopayload2")
    assert len(x(r, "FT.SUGGET", "ac", "hello", "WITHPAYLOADS", "WITHSCORES")) == 12


def test_issue_490_payload_kept_and_replaced(r):
    assert x(r, "FT.SUGADD", "sug", "RediSearch", "1", "PAYLOAD",
             "RediSearch, an awesome search engine") == 1
    assert x(r, "FT.SUGGET", "sug", "Redis", "WITHPAYLOADS") == b(
        "RediSearch", "RediSearch, an awesome search engine")
    assert x(r, "FT.SUGADD", "sug", "RediSearch", "1", "INCR") == 1
    assert x(r, "FT.SUGGET", "sug", "Redis", "WITHPAYLOADS") == b(
        "RediSearch", "RediSearch, an awesome search engine")
    assert x(r, "FT.SUGADD", "sug", "RediSearch", "1", "INCR", "PAYLOAD",
             "RediSearch 2.0, next gen search engine") == 1
    assert x(r, "FT.SUGGET", "sug", "Redis", "WITHPAYLOADS") == b(
        "RediSearch", "RediSearch 2.0, next gen search engine")


def test_empty_prefix_and_order_of_ties(r):
    assert x(r, "FT.SUGADD", "sug", "test123", "1") == 1
    assert x(r, "FT.SUGADD", "sug", "test456", "1") == 2
    assert x(r, "FT.SUGDEL", "sug", "test") == 0
    assert x(r, "FT.SUGGET", "sug", "") == [b"test123", b"test456"]


def test_max(r):
    for i in range(10):
        assert x(r, "FT.SUGADD", "sug", "test%d" % i, i + 1) == i + 1
    expected = []
    for i in range(9, -1, -1):
        expected += [("test%d" % i).encode(), (i + 1) / math.sqrt(2)]
    for n in range(1, 11):
        res = x(r, "FT.SUGGET", "sug", "test", "MAX", n, "WITHSCORES")
        assert res[::2] == expected[0:2 * n:2]
        for got, want in zip(res[1::2], expected[1:2 * n:2]):
            assert float(got) == pytest.approx(want, rel=1e-6)
    # the default is 5
    assert len(x(r, "FT.SUGGET", "sug", "test")) == 5
    assert x(r, "FT.SUGGET", "sug", "test", "MAX", 1, "WITHSCORES")[1] == b"7.0710678100585938"


def test_exact_match_boost(r):
    x(r, "FT.SUGADD", "s", "foo", 1)
    x(r, "FT.SUGADD", "s", "food", 100)
    assert x(r, "FT.SUGGET", "s", "foo") == [b"foo", b"food"]
    assert x(r, "FT.SUGGET", "s", "fo") == [b"food", b"foo"]
    res = x(r, "FT.SUGGET", "s", "foo", "WITHSCORES")
    assert float(res[1]) == 2147483648.0  # 2^31 / sqrt(1 + 0)


def test_trim(r):
    assert x(r, "FT.SUGADD", "sug", "ha", "100") == 1
    for i, t in enumerate(["hb", "hc", "hd", "he"]):
        assert x(r, "FT.SUGADD", "sug", t, "1") == i + 2
    assert x(r, "FT.SUGGET", "sug", "h", "MAX", "10", "TRIM") == [b"ha"]
    assert sorted(x(r, "FT.SUGGET", "sug", "h", "MAX", "10", "OPTIMIZE")) == b(
        "ha", "hb", "hc", "hd", "he")


def test_zero_and_negative_scores(r):
    assert x(r, "FT.SUGADD", "ac", "foo", 0) == 1
    res = x(r, "FT.SUGGET", "ac", "fo", "WITHSCORES")
    assert res[0] == b"foo" and float(res[1]) == 0.0
    assert x(r, "FT.SUGADD", "b", "foo", 2) == 1
    assert x(r, "FT.SUGADD", "b", "foo", -2, "INCR") == 1
    res = x(r, "FT.SUGGET", "b", "fo", "WITHSCORES")
    assert res[0] == b"foo" and float(res[1]) == 0.0
    assert x(r, "FT.SUGDEL", "b", "foo") == 1
    assert x(r, "FT.SUGLEN", "b") == 0
    x(r, "FT.SUGADD", "c", "foo zero", 0)
    x(r, "FT.SUGADD", "c", "foo one", 1)
    x(r, "FT.SUGADD", "c", "foo two", 2)
    assert x(r, "FT.SUGGET", "c", "foo") == b("foo two", "foo one", "foo zero")


def test_incr_keeps_entry_reachable(r):
    x(r, "FT.SUGADD", "ac", "abcdef", 1)
    x(r, "FT.SUGADD", "ac", "abcdeg", 1)
    for _ in range(8):
        x(r, "FT.SUGADD", "ac", "abcdef", 1, "INCR")
    x(r, "FT.SUGADD", "ac", "abcx", 0.5)
    x(r, "FT.SUGADD", "ac", "abcy", 3)
    x(r, "FT.SUGADD", "ac", "abcz", 3)
    res = x(r, "FT.SUGGET", "ac", "abc", "MAX", "2")
    assert len(res) == 2 and res[0] == b"abcdef"


def test_case_folding_and_utf8(r):
    x(r, "FT.SUGADD", "ac", "Hello World", 1)
    x(r, "FT.SUGADD", "ac", "hello there", 1)
    assert x(r, "FT.SUGGET", "ac", "HELLO") == b("Hello World", "hello there")
    x(r, "FT.SUGADD", "u", "Ärger", 2)
    x(r, "FT.SUGADD", "u", "ärmel", 1)
    x(r, "FT.SUGADD", "u", "Привет мир", 1)
    assert x(r, "FT.SUGGET", "u", "är") == b("Ärger", "ärmel")
    assert x(r, "FT.SUGGET", "u", "ПРИВ") == b("Привет мир")
    # an edit is one character, not one byte
    assert x(r, "FT.SUGGET", "u", "arg", "FUZZY") == b("Ärger")
    # different strings that fold alike are different entries
    x(r, "FT.SUGADD", "ac", "hello world", 3)
    assert x(r, "FT.SUGLEN", "ac") == 3
    assert x(r, "FT.SUGDEL", "ac", "HELLO WORLD") == 0
    assert x(r, "FT.SUGDEL", "ac", "Hello World") == 1
    assert x(r, "FT.SUGGET", "ac", "hello w") == b("hello world")


def test_missing_and_emptied(r):
    assert r.exists("unexistent_sug") == 0
    assert x(r, "FT.SUGLEN", "unexistent_sug") == 0
    assert x(r, "FT.SUGGET", "unexistent_sug", "hello") == []
    assert x(r, "FT.SUGDEL", "unexistent_sug", "hello") == 0
    assert x(r, "FT.SUGADD", "sug", "hello world", "1") == 1
    assert x(r, "FT.SUGDEL", "sug", "hello world") == 1
    assert r.exists("sug") == 0
    assert x(r, "FT.SUGGET", "sug", "hello") == []


def test_wrongtype_both_ways(r):
    r.set("sug", "hello")
    for cmd in (["FT.SUGADD", "sug", "hello world", "1"], ["FT.SUGLEN", "sug"],
                ["FT.SUGGET", "sug", "hello"], ["FT.SUGDEL", "sug", "hello world"]):
        assert err(r, *cmd) == WRONGTYPE
    # the type check comes before the score's
    assert err(r, "FT.SUGADD", "sug", "a", "x") == WRONGTYPE
    x(r, "FT.SUGADD", "ac", "a", 1)
    assert err(r, "GET", "ac") == WRONGTYPE
    assert err(r, "LPUSH", "ac", "x") == WRONGTYPE


def test_key_type(r):
    x(r, "FT.SUGADD", "ac", "hello", 1, "PAYLOAD", "p")
    x(r, "FT.SUGADD", "ac", "help", 2)
    assert r.type("ac") == b"trietype0"
    assert r.object("encoding", "ac") == b"raw"
    assert r.memory_usage("ac") > 50
    assert r.copy("ac", "ac2")
    x(r, "FT.SUGDEL", "ac", "help")
    assert x(r, "FT.SUGGET", "ac2", "hel", "WITHPAYLOADS") == b("help", None, "hello", "p")
    assert r.rename("ac2", "ac3")
    assert r.move("ac3", 1)
    r.execute_command("SELECT", 1)
    assert x(r, "FT.SUGLEN", "ac3") == 2
    r.execute_command("SELECT", 0)
    assert r.keys("*") == [b"ac"]


def test_dump_restore(r):
    x(r, "FT.SUGADD", "ac", "hello", 1.5, "PAYLOAD", "p")
    x(r, "FT.SUGADD", "ac", "hallo", 2)
    payload = r.dump("ac")
    assert payload[0] == 7  # a module value
    assert r.restore("ac2", 0, payload)
    assert x(r, "FT.SUGGET", "ac2", "h", "WITHSCORES", "WITHPAYLOADS") == x(
        r, "FT.SUGGET", "ac", "h", "WITHSCORES", "WITHPAYLOADS")


def test_resp3(raw):
    c = raw()
    c.call("FT.SUGADD", "ac", "abcd", 8)  # 8 / sqrt(1 + 4 - 1)
    assert c.call_raw("FT.SUGGET", "ac", "a", "WITHSCORES") == b"*2\r\n$4\r\nabcd\r\n$1\r\n4\r\n"
    c.call("HELLO", 3)
    assert c.call_raw("FT.SUGGET", "ac", "a", "WITHSCORES") == b"*2\r\n$4\r\nabcd\r\n,4\r\n"


def test_redis_py_client(r):
    ft = r.ft()
    assert ft.sugadd("ac", Suggestion("hello world", 2.0, payload="p1"),
                     Suggestion("hello there", 1.0)) == 2
    assert ft.sugadd("ac", Suggestion("hello there", 5.0), increment=True) == 2
    sugs = ft.sugget("ac", "hello", with_scores=True, with_payloads=True)
    assert [s.string for s in sugs] == ["hello there", "hello world"]
    assert [s.payload for s in sugs] == [None, "p1"]
    assert sugs[0].score == pytest.approx(6 / math.sqrt(7), rel=1e-6)
    assert ft.suglen("ac") == 2
    assert ft.sugdel("ac", "hello there") == 1
    assert [s.string for s in ft.sugget("ac", "helo", fuzzy=True)] == ["hello world"]


def test_multi_and_watch(r):
    x(r, "FT.SUGADD", "ac", "a", 1)
    p = r.pipeline()
    p.watch("ac")
    x(r, "FT.SUGADD", "ac", "a", 1, "INCR")
    p.multi()
    p.execute_command("FT.SUGLEN", "ac")
    with pytest.raises(Exception):
        p.execute()


def fill(c):
    x(c, "FT.SUGADD", "ac", "hello world", 2, "PAYLOAD", "pay")
    x(c, "FT.SUGADD", "ac", "hello werld", 1)
    x(c, "FT.SUGADD", "ac", "hello werld", 0.1, "INCR")
    x(c, "FT.SUGADD", "ac", "Ärger", 1 / 3)
    x(c, "FT.SUGADD", "ac", "tie", 1)
    x(c, "FT.SUGADD", "ac", "tiE", 1)
    x(c, "FT.SUGADD", "ac", "infinite", "inf", "PAYLOAD", "\x00")
    x(c, "FT.SUGADD", "ac", "nan", "inf")
    x(c, "FT.SUGADD", "ac", "nan", "-inf", "INCR")  # a NaN score
    for i in range(100):
        x(c, "FT.SUGADD", "big", "term%03d" % i, i)


def snapshot(c):
    return (x(c, "FT.SUGGET", "ac", "", "MAX", 100, "WITHSCORES", "WITHPAYLOADS"),
            x(c, "FT.SUGGET", "big", "term0", "MAX", 100, "WITHSCORES"),
            x(c, "FT.SUGGET", "ac", "hellp", "FUZZY", "WITHSCORES"),
            x(c, "FT.SUGLEN", "big"))


def test_debug_reload(r):
    fill(r)
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before


def test_rdb_restart(make_server):
    srv = make_server()
    c = srv.client()
    fill(c)
    before = snapshot(c)
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == before


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS + ["--aof-use-rdb-preamble", "no"])
    c = srv.client()
    fill(c)
    x(c, "FT.SUGDEL", "big", "term050")
    before = snapshot(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    x(c, "CONFIG", "SET", "aof-use-rdb-preamble", "yes")
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    assert snapshot(srv.client()) == before
