"""Stream commands without consumer groups: XADD, XRANGE, XREVRANGE, XLEN,
XDEL, XTRIM, XSETID, XREAD (blocking included), XINFO STREAM / HELP.

Replies and error texts are Redis 7.4's. Where 7.4 differs from Debian's
redis-server 7.0 the test says so (tests/compat/test_stream_diff.py compares
everything the two share, byte for byte). Blocking tests use raw connections
and wait until the server counts the reader as blocked before acting, so no
test depends on how the server orders commands of different connections.
"""

import os
import random
import time

import pytest

from testlib import TARGET, RespError, blocked_clients, wait_blocked

MAXU = 2**64 - 1
INVALID_ID = RespError("ERR Invalid stream ID specified as stream command argument")


# Redis 7.4 behaviour that Debian's 7.0 (STREAMD_TARGET=redis) does not have.
redis74 = pytest.mark.skipif(TARGET == "redis", reason="Redis 7.4 behaviour")


def entries(pairs):
    """[(id, {field: value})] from a redis-py range reply."""
    return [(i, dict(f)) for i, f in pairs]


@pytest.fixture
def small_nodes(r):
    r.config_set("stream-node-max-entries", 10)
    yield
    r.config_set("stream-node-max-entries", 100)
    r.config_set("stream-node-max-bytes", 4096)


# ---- XADD ----------------------------------------------------------------------------


def test_xadd_auto_ids_follow_the_clock(r):
    now = int(time.time() * 1000)
    ids = [r.xadd("s", {"f": i}) for i in range(50)]
    parsed = [tuple(map(int, i.split(b"-"))) for i in ids]
    assert parsed == sorted(parsed) and len(set(parsed)) == 50
    assert abs(parsed[0][0] - now) < 10000
    # the clock never moves IDs backwards: after a future ID, "*" continues from it
    r.xadd("t", {"f": 1}, id="%d-5" % (now + 10**9))
    assert r.xadd("t", {"f": 2}) == b"%d-6" % (now + 10**9)
    assert r.xadd("t", {"f": 3}, id="%d-*" % (now + 10**9)) == b"%d-7" % (now + 10**9)
    assert r.xadd("t", {"f": 3}, id="%d-*" % (now + 10**9 + 1)) == b"%d-0" % (now + 10**9 + 1)


def test_xadd_explicit_and_partial_ids(r):
    assert r.xadd("s", {"a": 1}, id="5") == b"5-0"
    assert r.xadd("s", {"a": 1}, id="5-*") == b"5-1"
    assert r.xadd("s", {"a": 1}, id="7-*") == b"7-0"
    with pytest.raises(Exception, match="equal or smaller than the target stream top item"):
        r.xadd("s", {"a": 1}, id="7-0")
    with pytest.raises(Exception, match="equal or smaller"):
        r.xadd("s", {"a": 1}, id="6-*")
    with pytest.raises(Exception, match="must be greater than 0-0"):
        r.xadd("n", {"a": 1}, id="0-0")
    assert r.exists("n") == 0
    assert r.xadd("n", {"a": 1}, id="0-*") == b"0-1"


@redis74
def test_xadd_sequence_overflow_74_text(raw):
    c = raw()
    assert c.call("XADD", "s", "5-%d" % MAXU, "f", "v") == b"5-%d" % MAXU
    # 7.4 text (7.0 answered "Elements are too large to be stored" here)
    assert c.call("XADD", "s", "5-*", "f", "v") == RespError(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item")
    assert c.call("XADD", "s", "6-*", "f", "v") == b"6-0"


def test_xadd_exhausted_stream(raw):
    c = raw()
    c.call("XADD", "s", "%d-%d" % (MAXU, MAXU), "f", "v")
    exhausted = RespError(
        "ERR The stream has exhausted the last possible ID, unable to add more items")
    assert c.call("XADD", "s", "*", "f", "v") == exhausted
    assert c.call("XADD", "s", "1-1", "f", "v") == exhausted
    assert c.call("XLEN", "s") == 1


def test_xadd_nomkstream(r):
    assert r.xadd("s", {"a": 1}, nomkstream=True) is None
    assert r.exists("s") == 0
    r.xadd("s", {"a": 1}, id="1-1")
    assert r.xadd("s", {"a": 2}, id="2-1", nomkstream=True) == b"2-1"
    assert r.xlen("s") == 2


@pytest.mark.parametrize("args,err", [
    (["s", "1-1", "a"], "ERR wrong number of arguments for 'xadd' command"),
    (["s", "1-1", "a", "1", "b"], "ERR wrong number of arguments for 'xadd' command"),
    (["s", "MAXLEN", "-1", "*", "a", "1"], "ERR The MAXLEN argument must be >= 0."),
    (["s", "MAXLEN", "x", "*", "a", "1"], "ERR value is not an integer or out of range"),
    (["s", "MAXLEN", "1", "MINID", "1", "*", "a", "1"],
     "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"),
    (["s", "MAXLEN", "1", "LIMIT", "5", "*", "a", "1"],
     "ERR syntax error, LIMIT cannot be used without the special ~ option"),
    (["s", "LIMIT", "5", "*", "a", "1"],
     "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"),
    (["s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "a", "1"],
     "ERR The LIMIT argument must be >= 0."),
    (["s", "MINID", "x", "*", "a", "1"], INVALID_ID.message.decode()),
    (["s", "x-1", "a", "1"], INVALID_ID.message.decode()),
    (["s", "-", "a", "1"], INVALID_ID.message.decode()),
    (["s", "0-0", "a", "1"], "ERR The ID specified in XADD must be greater than 0-0"),
])
def test_xadd_errors(raw, args, err):
    c = raw()
    assert c.call("XADD", *args) == RespError(err)
    assert c.call("EXISTS", "s") == 0


def test_xadd_trimming(r, small_nodes):
    for i in range(1, 101):
        r.xadd("s", {"i": i}, id="%d-1" % i)
    # approximate: whole nodes of 10 only, never below the threshold
    r.xadd("s", {"i": 101}, id="101-1", maxlen=55, approximate=True)
    assert r.xlen("s") == 61
    r.xadd("s", {"i": 102}, id="102-1", maxlen=55, approximate=False)
    assert r.xlen("s") == 55
    assert r.xrange("s", count=1)[0][0] == b"48-1"
    r.xadd("s", {"i": 103}, id="103-1", minid="90", approximate=False)
    assert r.xrange("s", count=1)[0][0] == b"90-1"
    # LIMIT caps what an approximate trim removes (whole nodes only)
    # nodes now: [81..90] with 90 alone live, [91..100], [101..103]
    r.execute_command("XADD", "s", "MAXLEN", "~", "0", "LIMIT", "5", "104-1", "i", "104")
    assert r.xlen("s") == 14
    assert r.xinfo_stream("s")["entries-added"] == 104


def test_xadd_binary_and_many_fields(r):
    fields = {("f%d" % i).encode(): bytes(range(i, i + 20)) for i in range(40)}
    big = os.urandom(1 << 20)
    r.xadd("s", fields, id="1-1")
    r.xadd("s", {b"\x00\r\n": big, b"": b""}, id="2-1")
    got = r.xrange("s")
    assert got[0] == (b"1-1", fields)
    assert got[1] == (b"2-1", {b"\x00\r\n": big, b"": b""})


def test_values_round_trip_exactly(r):
    """Integer-looking values come back as sent, whatever the encoding."""
    rng = random.Random(7)
    samples = ["0", "-0", "007", "+1", " 1", "1 ", "-", "", "9223372036854775807",
               "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
               "18446744073709551616", "1e3", "0x10", "00", "-01"]
    samples += [str(rng.randint(-2**63, 2**63 - 1)) for _ in range(200)]
    samples += [str(rng.randint(-300, 300)) for _ in range(200)]
    sent = []
    for i, v in enumerate(samples):
        pairs = {"order_id": v, "n": samples[(i * 7) % len(samples)]}
        r.xadd("s", pairs, id="%d-1" % (i + 1))
        sent.append(pairs)
    got = [{k.decode(): x.decode() for k, x in f.items()} for _, f in r.xrange("s")]
    assert got == sent


# ---- XRANGE / XREVRANGE / XLEN / XDEL ---------------------------------------------------


def test_ranges(r):
    for ms, seq in [(1, 1), (1, 2), (2, 0), (3, 5), (5, 0)]:
        r.xadd("s", {"v": "%d.%d" % (ms, seq)}, id="%d-%d" % (ms, seq))
    ids = lambda reply: [i for i, _ in reply]  # noqa: E731
    assert ids(r.xrange("s", "1", "1")) == [b"1-1", b"1-2"]
    assert ids(r.xrange("s", "(1-1", "(3-5")) == [b"1-2", b"2-0"]
    assert ids(r.xrevrange("s", "+", "-", count=2)) == [b"5-0", b"3-5"]
    # "(5" as an end excludes 5-18446744073709551615 only
    assert ids(r.xrevrange("s", "(5", "2")) == [b"5-0", b"3-5", b"2-0"]
    assert ids(r.xrevrange("s", "(5-0", "2")) == [b"3-5", b"2-0"]
    assert r.xrange("s", "3", "2") == []
    assert r.xrange("nokey") == []
    assert r.execute_command("XRANGE", "s", "-", "+", "COUNT", "0") is None
    with pytest.raises(Exception, match="invalid start ID for the interval"):
        r.xrange("s", "(%d-%d" % (MAXU, MAXU), "+")
    with pytest.raises(Exception, match="invalid end ID for the interval"):
        r.xrange("s", "-", "(0-0")


def test_xdel_and_first_entry(r):
    for i in range(1, 6):
        r.xadd("s", {"i": i}, id="%d-1" % i)
    assert r.xdel("s", "1-1", "3-1", "9-9") == 2
    assert r.xdel("s", "1-1") == 0
    info = r.xinfo_stream("s")
    assert info["length"] == 3
    assert info["max-deleted-entry-id"] == b"3-1"
    assert info["recorded-first-entry-id"] == b"2-1"
    assert info["first-entry"][0] == b"2-1"
    with pytest.raises(Exception, match="Invalid stream ID"):
        r.xdel("s", "2-1", "bad")
    assert r.xlen("s") == 3  # nothing deleted when an ID is bad
    assert r.xdel("s", "2-1", "4-1", "5-1") == 3
    info = r.xinfo_stream("s")
    assert (info["length"], info["recorded-first-entry-id"], info["first-entry"]) == (0, b"0-0",
                                                                                      None)
    assert r.exists("s") == 1  # an emptied stream stays


# ---- XTRIM ----------------------------------------------------------------------------


def test_xtrim(r, small_nodes):
    for i in range(1, 101):
        r.xadd("s", {"i": i}, id="%d-1" % i)
    assert r.xtrim("s", maxlen=95, approximate=True) == 0
    assert r.xtrim("s", maxlen=85, approximate=True) == 10
    assert r.xtrim("s", maxlen=80) == 10
    assert r.xlen("s") == 80
    assert r.xtrim("s", minid="30-1", approximate=False) == 9
    assert r.execute_command("XTRIM", "s", "MINID", "~", "60", "LIMIT", "15") == 11
    assert r.xtrim("s", maxlen=0) == 60
    assert r.xtrim("nokey", maxlen=0) == 0
    info = r.xinfo_stream("s")
    assert (info["length"], info["radix-tree-keys"], info["entries-added"]) == (0, 0, 100)


def test_xtrim_default_limit(r):
    """'~' without LIMIT removes at most 100 x stream-node-max-entries (10000
    when that is 0), so a huge trim cannot stall the server."""
    r.config_set("stream-node-max-bytes", 1)  # one entry per node
    try:
        r.config_set("stream-node-max-entries", 1)
        p = r.pipeline(transaction=False)
        for i in range(1, 301):
            p.xadd("s", {"f": "v"}, id="%d-1" % i)
        p.execute()
        assert r.xtrim("s", maxlen=0, approximate=True) == 100
        assert r.execute_command("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0") == 200
    finally:
        r.config_set("stream-node-max-bytes", 4096)
        r.config_set("stream-node-max-entries", 100)


@pytest.mark.parametrize("args,err", [
    (["s"], "ERR wrong number of arguments for 'xtrim' command"),
    (["s", "FOO", "1"], "ERR syntax error"),
    (["s", "LIMIT", "1"], "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                          "strategy"),
    (["s", "NOMKSTREAM", "MAXLEN", "1"], "ERR syntax error"),
    (["s", "MAXLEN", "1", "LIMIT", "1"],
     "ERR syntax error, LIMIT cannot be used without the special ~ option"),
    (["s", "MAXLEN", "-1"], "ERR The MAXLEN argument must be >= 0."),
    (["s", "MINID", "-"], INVALID_ID.message.decode()),
    (["s", "MAXLEN", "=", "1", "x"], "ERR syntax error"),
])
def test_xtrim_errors(raw, args, err):
    assert raw().call("XTRIM", *args) == RespError(err)


# ---- XSETID ---------------------------------------------------------------------------


@redis74
def test_xsetid(raw):
    c = raw()
    assert c.call("XSETID", "s", "1-1") == RespError("ERR no such key")
    c.call("XADD", "s", "5-5", "f", "v")
    assert c.call("XSETID", "s", "5-4") == RespError(
        "ERR The ID specified in XSETID is smaller than the target stream top item")
    assert c.call("XSETID", "s", "9-0", "ENTRIESADDED", "0") == RespError(
        "ERR The entries_added specified in XSETID is smaller than the target stream length")
    assert c.call("XSETID", "s", "9-0", "ENTRIESADDED", "-1") == RespError(
        "ERR entries_added must be positive")
    assert c.call("XSETID", "s", "9-0", "MAXDELETEDID", "9-1") == RespError(
        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
    assert c.call("XSETID", "s", "9-0", "ENTRIESADDED", "7", "MAXDELETEDID", "4-0") == b"OK"
    info = dict(zip(*[iter(c.call("XINFO", "STREAM", "s"))] * 2))
    assert info[b"last-generated-id"] == b"9-0"
    assert info[b"entries-added"] == 7
    assert info[b"max-deleted-entry-id"] == b"4-0"
    # 7.2+: the ID may not go below the current max deleted ID (7.0 accepted
    # it), with or without MAXDELETEDID: the given value replaces the current
    # one only after the checks (Redis checks the current value first).
    c.call("XDEL", "s", "5-5")
    cur = RespError("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
    assert c.call("XSETID", "s", "5-4") == cur
    assert c.call("XSETID", "s", "5-4", "MAXDELETEDID", "5-0") == cur
    assert c.call("XSETID", "s", "5-5", "MAXDELETEDID", "5-0") == b"OK"
    info = dict(zip(*[iter(c.call("XINFO", "STREAM", "s"))] * 2))
    assert info[b"last-generated-id"] == b"5-5"
    assert info[b"max-deleted-entry-id"] == b"5-0"
    assert c.call("XSETID", "s", "5-4", "MAXDELETEDID", "5-0") == b"OK"
    assert c.call("XSETID", "s", "5-4", "FOO", "1") == RespError("ERR syntax error")


# ---- XINFO ----------------------------------------------------------------------------


def test_xinfo_stream_fields(r):
    r.config_set("stream-node-max-entries", 2)
    try:
        for i in range(1, 6):
            r.xadd("s", {"a": i}, id="%d-1" % i)
        r.xdel("s", "5-1")
        info = r.xinfo_stream("s")
        idmp = ["idmp-duration", "idmp-maxsize", "pids-tracked", "iids-tracked", "iids-added",
                "iids-duplicates"]  # Redis 8.6 (tests/integration/test_idmp.py)
        assert list(info) == ["length", "radix-tree-keys", "radix-tree-nodes",
                              "last-generated-id", "max-deleted-entry-id", "entries-added",
                              "recorded-first-entry-id"] + idmp + ["groups", "first-entry",
                                                                   "last-entry"]
        assert info["length"] == 4
        assert info["radix-tree-keys"] == 2  # 1-2, 3-4 (the node of 5 went with it)
        assert info["radix-tree-nodes"] == 6  # as Redis's rax would have it
        assert info["last-generated-id"] == b"5-1"
        assert info["first-entry"] == (b"1-1", {b"a": b"1"})
        assert info["last-entry"] == (b"4-1", {b"a": b"4"})
        full = r.execute_command("XINFO", "STREAM", "s", "FULL")
        assert full[0::2] == [b"length", b"radix-tree-keys", b"radix-tree-nodes",
                              b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
                              b"recorded-first-entry-id"] + [k.encode() for k in idmp] + [
                                  b"entries", b"groups"]
        assert [e[0] for e in full[27]] == [b"1-1", b"2-1", b"3-1", b"4-1"]
        assert full[29] == []
        assert len(r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "1")[27]) == 1
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_xinfo_errors_and_help(raw):
    c = raw()
    assert c.call("XINFO", "STREAM", "nokey") == RespError("ERR no such key")
    c.call("XADD", "s", "1-1", "f", "v")
    assert c.call("XINFO", "STREAM", "s", "FULL", "COUNT") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")
    assert c.call("XINFO", "STREAM", "s", "FULL", "COUNT", "x") == RespError(
        "ERR value is not an integer or out of range")
    help_lines = c.call("XINFO", "HELP")
    assert help_lines[0].startswith(b"XINFO <subcommand>") and len(help_lines) == 9


def test_type_encoding_memory(r):
    r.xadd("s", {"a": 1}, id="1-1")
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    assert r.memory_usage("s") > 0
    r.set("str", "x")
    for cmd in (["XLEN", "str"], ["XADD", "str", "*", "a", "1"], ["XRANGE", "str", "-", "+"],
                ["XREAD", "STREAMS", "str", "0"], ["XINFO", "STREAM", "str"]):
        with pytest.raises(Exception, match="WRONGTYPE"):
            r.execute_command(*cmd)


def test_node_limits_follow_config(r):
    r.config_set("stream-node-max-entries", 3)
    try:
        for i in range(1, 8):
            r.xadd("s", {"a": i}, id="%d-1" % i)
        assert r.xinfo_stream("s")["radix-tree-keys"] == 3
        r.config_set("stream-node-max-entries", 0)
        r.config_set("stream-node-max-bytes", 1)
        for i in range(8, 11):
            r.xadd("s", {"a": i}, id="%d-1" % i)
        assert r.xinfo_stream("s")["radix-tree-keys"] == 6
        got = r.config_get("stream-node-max-entries")
        assert {str(k, "ascii") if isinstance(k, bytes) else k: int(v) for k, v in got.items()} \
            == {"stream-node-max-entries": 0}
    finally:
        r.config_set("stream-node-max-entries", 100)
        r.config_set("stream-node-max-bytes", 4096)


# ---- XREAD ----------------------------------------------------------------------------


def test_xread_sync(r):
    r.xadd("a", {"x": 1}, id="1-1")
    r.xadd("a", {"x": 2}, id="2-1")
    r.xadd("b", {"y": 1}, id="1-1")
    assert r.xread({"a": 0, "b": "1-1", "c": 0}) == [[b"a", [(b"1-1", {b"x": b"1"}),
                                                              (b"2-1", {b"x": b"2"})]]]
    assert r.xread({"a": 0, "b": 0}, count=1) == [[b"a", [(b"1-1", {b"x": b"1"})]],
                                                  [b"b", [(b"1-1", {b"y": b"1"})]]]
    assert r.xread({"a": "$"}) == []


@redis74
def test_xread_plus_74(raw):
    """'+' (7.4): the last entry of each stream, without blocking."""
    c = raw()
    assert c.call("XREAD", "STREAMS", "s", "+") is None
    c.call("XADD", "s", "1-1", "a", "1")
    c.call("XADD", "s", "2-1", "b", "2")
    c.call("XADD", "t", "5-1", "c", "3")
    assert c.call("XREAD", "STREAMS", "s", "t", "+", "+") == [
        [b"s", [[b"2-1", [b"b", b"2"]]]], [b"t", [[b"5-1", [b"c", b"3"]]]]]
    c.call("XDEL", "s", "2-1")  # the last live entry, not the last ID
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "+") == [[b"s", [[b"1-1",
                                                                          [b"a", b"1"]]]]]
    c.call("XDEL", "s", "1-1")
    assert c.call("XREAD", "STREAMS", "s", "+") is None
    assert c.call("XREAD", "STREAMS", "s", "t", "0", "x") == INVALID_ID
    assert c.call("XREAD", "STREAMS", "s", "t", "0") == RespError(
        "ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must "
        "be specified.")


@redis74
def test_xread_block_plus_on_empty_stream(raw):
    c, w = raw(), raw()
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "+")
    wait_blocked(w, 1)
    w.call("XADD", "s", "3-1", "a", "1")
    assert c.read() == [[b"s", [[b"3-1", [b"a", b"1"]]]]]


@redis74
def test_xread_block_plus_is_resolved_again_on_wake(raw):
    """A blocked '+' reader is answered with the last entry when it wakes:
    Redis runs the command again and '+' is resolved anew (only '$' is fixed
    when the reader blocks). Entries added together (MULTI) give one entry."""
    c, w = raw(), raw()
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "t", "+", "$")
    wait_blocked(w, 1)
    assert w.call("MULTI") == b"OK"
    w.call("XADD", "s", "1-1", "a", "1")
    w.call("XADD", "t", "1-1", "b", "1")
    w.call("XADD", "s", "2-1", "a", "2")
    w.call("XADD", "t", "2-1", "b", "2")
    w.call("EXEC")
    assert c.read() == [[b"s", [[b"2-1", [b"a", b"2"]]]],
                        [b"t", [[b"1-1", [b"b", b"1"]], [b"2-1", [b"b", b"2"]]]]]
    # emptied while blocked: waits on, then gets the last entry after
    w.call("DEL", "s", "t")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "+")
    wait_blocked(w, 1)
    w.call("XADD", "s", "3-1", "a", "3")
    w.call("XADD", "s", "4-1", "a", "4")
    assert c.read() == [[b"s", [[b"3-1", [b"a", b"3"]]]]]


def test_xread_block_wakes_readers_in_order(raw):
    readers = [raw() for _ in range(3)]
    w = raw()
    w.call("XADD", "s", "1-1", "old", "1")
    for i, c in enumerate(readers):
        c.send_cmd("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$")
        wait_blocked(w, i + 1)
    w.call("XADD", "s", "2-1", "new", "1")
    w.call("XADD", "s", "3-1", "newer", "1")
    for c in readers:
        assert c.read() == [[b"s", [[b"2-1", [b"new", b"1"]]]]]
    assert blocked_clients(w) == 0


def test_xread_block_timeout(raw):
    c = raw()
    start = time.monotonic()
    assert c.call("XREAD", "BLOCK", "100", "STREAMS", "s", "$") is None
    assert time.monotonic() - start >= 0.09
    assert c.call_raw("XREAD", "BLOCK", "10", "STREAMS", "s", "$") == b"*-1\r\n"
    c.call("HELLO", "3")
    assert c.call_raw("XREAD", "BLOCK", "10", "STREAMS", "s", "$") == b"_\r\n"


@redis74
def test_xread_block_several_keys_74(raw):
    """7.4: a reader woken after a transaction gets every stream that has
    new entries (7.0 answered with the first one only)."""
    c, w, ctl = raw(), raw(), raw()
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$")
    wait_blocked(ctl, 1)
    assert w.call("MULTI") == b"OK"
    w.call("XADD", "b", "1-1", "y", "1")
    w.call("XADD", "a", "1-1", "x", "1")
    assert blocked_clients(ctl) == 1  # nothing happens before EXEC
    assert w.call("EXEC") == [b"1-1", b"1-1"]
    assert c.read() == [[b"a", [[b"1-1", [b"x", b"1"]]]], [b"b", [[b"1-1", [b"y", b"1"]]]]]


def test_xadd_in_multi_wakes_reader_after_exec(raw):
    c, w, ctl = raw(), raw(), raw()
    w.call("XADD", "s", "1-1", "a", "1")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(ctl, 1)
    w.call("MULTI")
    w.call("XADD", "s", "2-1", "b", "2")
    w.call("XADD", "s", "3-1", "c", "3")
    time.sleep(0.05)
    assert blocked_clients(ctl) == 1
    w.call("EXEC")
    assert c.read() == [[b"s", [[b"2-1", [b"b", b"2"]], [b"3-1", [b"c", b"3"]]]]]


def test_xread_block_inside_multi_does_not_block(raw):
    c = raw()
    c.call("MULTI")
    c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert c.call("EXEC") == [None]


def test_xread_reader_survives_delete_and_type_change(raw):
    c, w = raw(), raw()
    w.call("XADD", "s", "5-1", "a", "1")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(w, 1)
    w.call("DEL", "s")
    w.call("SET", "s", "x")
    time.sleep(0.05)
    assert blocked_clients(w) == 1
    w.call("DEL", "s")
    w.call("XADD", "s", "1-1", "below", "1")  # not above the ID resolved at block time
    time.sleep(0.05)
    assert blocked_clients(w) == 1
    w.call("XADD", "s", "6-1", "above", "1")
    assert c.read() == [[b"s", [[b"6-1", [b"above", b"1"]]]]]


@redis74
def test_xread_stays_blocked_when_new_entry_is_trimmed_away_74(raw):
    """7.4 retries the read: an XADD whose entry is trimmed at once leaves
    nothing to serve, so the reader keeps waiting (7.0 sent an empty list)."""
    c, w = raw(), raw()
    w.call("XADD", "s", "1-1", "a", "1")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(w, 1)
    w.call("XADD", "s", "MAXLEN", "0", "2-1", "b", "2")
    time.sleep(0.05)
    assert blocked_clients(w) == 1
    w.call("XADD", "s", "3-1", "c", "3")
    assert c.read() == [[b"s", [[b"3-1", [b"c", b"3"]]]]]


def test_blocked_reader_disconnects(raw):
    c, w = raw(), raw()
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(w, 1)
    c.close()
    deadline = time.monotonic() + 5
    while blocked_clients(w) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert blocked_clients(w) == 0
    assert w.call("XADD", "s", "1-1", "a", "1") == b"1-1"


@pytest.mark.parametrize("args,err", [
    (["STREAMS", "s"], "ERR wrong number of arguments for 'xread' command"),
    (["COUNT", "1", "s", "0"], "ERR syntax error"),
    (["BLOCK", "x", "STREAMS", "s", "0"], "ERR timeout is not an integer or out of range"),
    (["BLOCK", "-1", "STREAMS", "s", "0"], "ERR timeout is negative"),
    (["COUNT", "x", "STREAMS", "s", "0"], "ERR value is not an integer or out of range"),
    (["STREAMS", "s", ">"], "ERR The > ID can be specified only when calling XREADGROUP using "
                            "the GROUP <group> <consumer> option."),
    (["GROUP", "g", "c", "STREAMS", "s", "0"],
     "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."),
    (["NOACK", "STREAMS", "s", "0"],
     "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."),
])
def test_xread_errors(raw, args, err):
    assert raw().call("XREAD", *args) == RespError(err)


@redis74
def test_block_timeout_out_of_range(raw):
    """7.2+: a BLOCK whose deadline (now + ms) would overflow is refused,
    even where the read would not block (7.0 let the sum overflow; the
    random differential tester found it through UBSan)."""
    c = raw()
    c.call("XADD", "s", "1-1", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    big = "9223372036854775807"
    assert c.call("XREAD", "BLOCK", big, "STREAMS", "s", "0") == RespError(
        "ERR timeout is out of range")
    assert c.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", big, "STREAMS", "s", ">") == \
        RespError("ERR timeout is out of range")
    assert c.call("MULTI") == b"OK"
    c.call("XREAD", "BLOCK", big, "STREAMS", "s", "$")
    assert c.call("EXEC") == [RespError("ERR timeout is out of range")]
    # a deadline far away but in range is accepted (served at once here)
    assert c.call("XREAD", "BLOCK", str(2**62), "STREAMS", "s", "0")[0][0] == b"s"


# ---- propagation ----------------------------------------------------------------------


def _incr_aof(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    name = [f for f in sorted(os.listdir(d)) if f.endswith(".incr.aof")][-1]
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


@pytest.mark.skipif(TARGET == "redis", reason="streamd's own record format")
def test_propagation_is_deterministic(make_server):
    """Records carry concrete IDs and exact trims, so a restart (which replays
    them) rebuilds the same stream."""
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "5"])
    c = srv.raw()
    ids = [c.call("XADD", "s", "*", "i", str(i)) for i in range(30)]
    c.call("XADD", "s", "MAXLEN", "~", "12", "*", "i", "30")
    c.call("XADD", "s", "MINID", "~", ids[20].decode(), "LIMIT", "100", "*", "i", "31")
    c.call("XTRIM", "s", "MAXLEN", "~", "3")
    c.call("XTRIM", "s", "MAXLEN", "~", "100")  # removes nothing: no record
    c.call("XDEL", "s", ids[-1].decode(), "1-1")
    c.call("XDEL", "s", "1-1")  # deletes nothing: no record
    assert c.call("XSETID", "s", "%d-0" % (2**50), "ENTRIESADDED", "100") == b"OK"
    aof = _incr_aof(srv)
    assert b"$1\r\n*\r\n" not in aof and b"$1\r\n~\r\n" not in aof and b"LIMIT" not in aof
    assert aof.count(b"XTRIM") == 1
    assert aof.count(b"XDEL") == 1
    before = (c.call("XRANGE", "s", "-", "+"), c.call("XINFO", "STREAM", "s", "FULL"))
    c.close()
    srv.restart()
    c = srv.raw()
    after = (c.call("XRANGE", "s", "-", "+"), c.call("XINFO", "STREAM", "s", "FULL"))
    assert after == before
