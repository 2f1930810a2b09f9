"""Hash field expiration (Redis 7.4: HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT
HTTL HPTTL HEXPIRETIME HPEXPIRETIME HPERSIST) and Redis 8.0's HGETEX and
HSETEX. Redis 7.0 has none of them: the expected replies come from Redis's
documentation (reply codes, options, errors, examples).

Covered: every reply code and condition, the errors, lazy expiry (expired
fields invisible to every hash command, an emptied hash deleted), active
expiry (no command touches the key), keyspace events, what writes do to a
TTL (HSET drops it, HINCRBY keeps it), the AOF records (absolute times,
HDEL for expiry), AOF rewrite and reload, DUMP/RESTORE, DEBUG RELOAD and
RDB restart keeping TTLs (types 24 and 25), OBJECT ENCODING, hostile
payloads, and that a hash without TTLs is no bigger.
"""

import os
import time

import pytest

from testlib import IS_REDIS, SLOW, RespError
from testlib.dumppayload import seal
from testlib.cmds import AOF_ALWAYS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

DEBUG = ["--enable-debug-command", "yes"]
FAR = 4102444800  # 2100-01-01, seconds


def call(c, *args):
    try:
        return c.call(*args)
    except RespError as e:
        return e


def err(c, *args):
    r = call(c, *args)
    assert isinstance(r, RespError), (args, r)
    return str(r)


def wait_for(pred, timeout=5):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("condition never held")


def aof_incr(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(d) if ".incr." in f][0]
    with open(os.path.join(d, incr), "rb") as f:
        return f.read()


def test_hexpire_reply_codes_and_conditions(make_server):
    c = make_server().raw()
    c.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    # missing key: -2 per field
    assert c.call("HEXPIRE", "nokey", "100", "FIELDS", "2", "a", "b") == [-2, -2]
    assert c.call("HEXPIRE", "h", "100", "FIELDS", "2", "a", "zz") == [1, -2]
    ttl = c.call("HTTL", "h", "FIELDS", "3", "a", "b", "zz")
    assert ttl[1:] == [-1, -2] and 99 <= ttl[0] <= 100
    # NX: only fields without a TTL
    assert c.call("HEXPIRE", "h", "200", "NX", "FIELDS", "2", "a", "b") == [0, 1]
    # XX: only fields with one
    assert c.call("HEXPIRE", "h", "300", "XX", "FIELDS", "2", "a", "c") == [1, 0]
    # GT: a field without TTL counts as infinite, so never greater
    assert c.call("HEXPIRE", "h", "50", "GT", "FIELDS", "2", "a", "c") == [0, 0]
    assert c.call("HEXPIRE", "h", "400", "gt", "FIELDS", "1", "a") == [1]
    # LT: a field without TTL counts as infinite, so any TTL is less
    assert c.call("HEXPIRE", "h", "10", "LT", "FIELDS", "2", "a", "c") == [1, 1]
    assert c.call("HEXPIRE", "h", "20", "LT", "FIELDS", "1", "a") == [0]
    # time 0 (or in the past): the field is deleted, code 2
    assert c.call("HEXPIRE", "h", "0", "FIELDS", "1", "b") == [2]
    assert c.call("HPEXPIREAT", "h", "1000", "FIELDS", "1", "c") == [2]
    assert c.call("HGETALL", "h") == [b"a", b"1"]
    assert c.call("HEXPIREAT", "h", "1", "FIELDS", "1", "a") == [2]
    assert c.call("EXISTS", "h") == 0  # the emptied hash is gone
    # the four forms store the same absolute time
    c.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    now_ms = int(time.time() * 1000)
    assert c.call("HEXPIREAT", "h", str(FAR), "FIELDS", "1", "a") == [1]
    assert c.call("HPEXPIREAT", "h", str(FAR * 1000 + 7), "FIELDS", "1", "b") == [1]
    assert c.call("HPEXPIRE", "h", "100000", "FIELDS", "1", "c") == [1]
    assert c.call("HEXPIRETIME", "h", "FIELDS", "4", "a", "b", "d", "x") == [FAR, FAR + 1, -1, -2]
    assert c.call("HPEXPIRETIME", "h", "FIELDS", "2", "a", "b") == [FAR * 1000, FAR * 1000 + 7]
    pt = c.call("HPTTL", "h", "FIELDS", "1", "c")[0]
    assert 0 < pt <= 100000
    at = c.call("HPEXPIRETIME", "h", "FIELDS", "1", "c")[0]
    assert now_ms + 100000 <= at <= int(time.time() * 1000) + 100000
    # RESP3: the same integer arrays
    c.call("HELLO", "3")
    assert c.call("HEXPIRETIME", "h", "FIELDS", "1", "a") == [FAR]


def test_hpersist(make_server):
    c = make_server().raw()
    assert c.call("HPERSIST", "nokey", "FIELDS", "1", "a") == [-2]
    c.call("HSET", "h", "a", "1", "b", "2")
    c.call("HEXPIRE", "h", "100", "FIELDS", "1", "a")
    assert c.call("OBJECT", "ENCODING", "h") == b"listpackex"
    assert c.call("HPERSIST", "h", "FIELDS", "3", "a", "b", "zz") == [1, -1, -2]
    assert c.call("HTTL", "h", "FIELDS", "1", "a") == [-1]
    # Redis never turns LISTPACK_EX back into LISTPACK
    assert c.call("OBJECT", "ENCODING", "h") == b"listpackex"


def test_errors(make_server):
    """The texts of Redis 8.2+'s t_hash.c (keywords in any order for the
    HEXPIRE family, HGETEX and HSETEX); test_redis8_errors.py has the order
    in which they win."""
    c = make_server().raw()
    c.call("HSET", "h", "a", "1")
    fields_pos = "ERR Mandatory argument FIELDS is missing or not at the right position"
    count = "ERR Number of fields must be a positive integer"
    match = "ERR The `numfields` parameter must match the number of arguments"
    for cmd in ("HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT"):
        assert err(c, cmd, "h", "10", "FIELDS", "2", "a") == "ERR wrong number of arguments"
        assert err(c, cmd, "h", "10", "FIELDS", "1", "a", "b") == "ERR unknown argument: b"
        for n in ("0", "x", "-1"):
            assert err(c, cmd, "h", "10", "FIELDS", n, "a") == \
                "ERR Parameter `numFields` should be greater than 0"
        assert err(c, cmd, "h", "10", "XY", "FIELDS", "1", "a") == "ERR unknown argument: XY"
        assert err(c, cmd, "h", "10", "NX", "XX", "FIELDS", "1") == \
            "ERR FIELDS requires at least numfields and one field argument"
        assert err(c, cmd, "h", "10", "NX", "XX", "FIELDS", "1", "a") == \
            "ERR Multiple condition flags specified"
        assert err(c, cmd, "h", "10", "NX", "NX", "NX") == "ERR missing FIELDS argument"
        assert err(c, cmd, "h", "x", "FIELDS", "1", "a") == "ERR value is not an integer or out of range"
        assert err(c, cmd, "h", "-1", "FIELDS", "1", "a") == "ERR invalid expire time, must be >= 0"
        # beyond 2^46 - 1 ms (2 of the 48 bits kept back)
        assert err(c, cmd, "h", str(2 ** 48), "FIELDS", "1", "a") == \
            "ERR invalid expire time in '%s' command" % cmd.lower()
        assert err(c, cmd, "h", "10", "FIELDS") == \
            "ERR wrong number of arguments for '%s' command" % cmd.lower()
    for cmd in ("HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"):
        assert err(c, cmd, "h", "FIELDS", "2", "a") == match
        assert err(c, cmd, "h", "FIELDS", "-1", "a") == count
        assert err(c, cmd, "h", "FIELD", "1", "a") == fields_pos
        assert err(c, cmd, "h", "FIELDS", "1") == "ERR wrong number of arguments for '%s' command" % cmd.lower()
    assert err(c, "HGETEX", "h", "FIELDS", "2", "a") == "ERR wrong number of arguments"
    assert err(c, "HGETEX", "h", "EX", "10", "PX", "10", "FIELDS", "1", "a") == \
        "ERR Only one of EX, PX, EXAT, PXAT or PERSIST arguments can be specified"
    assert err(c, "HGETEX", "h", "EX", "-5", "FIELDS", "1", "a") == "ERR invalid expire time, must be >= 0"
    assert err(c, "HSETEX", "h", "FIELDS", "2", "a", "1") == "ERR wrong number of arguments"
    assert err(c, "HSETEX", "h", "FNX", "FXX", "FIELDS", "1", "a", "1") == \
        "ERR Only one of FXX or FNX arguments can be specified"
    assert err(c, "HSETEX", "h", "EX", "1", "KEEPTTL", "FIELDS", "1", "a", "1") == \
        "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
    c.call("SET", "s", "v")
    for args in (("HEXPIRE", "s", "10", "FIELDS", "1", "a"), ("HTTL", "s", "FIELDS", "1", "a"),
                 ("HPERSIST", "s", "FIELDS", "1", "a"), ("HGETEX", "s", "FIELDS", "1", "a"),
                 ("HSETEX", "s", "FIELDS", "1", "a", "1")):
        assert err(c, *args).startswith("WRONGTYPE"), args


def test_lazy_expiry_hides_fields_from_every_command(make_server):
    srv = make_server(DEBUG)
    c = srv.raw()
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    big = []
    for i in range(600):
        big += ["f%d" % i, "v%d" % i]
    for key, extra in (("small", []), ("big", big)):
        c.call("HSET", key, "keep", "1", "gone", "2", "gone2", "3", *extra)
        assert c.call("HPEXPIRE", key, "30", "FIELDS", "2", "gone", "gone2") == [1, 1]
    assert c.call("OBJECT", "ENCODING", "big") == b"hashtable"
    time.sleep(0.1)
    for key in ("small", "big"):
        n = 1 if key == "small" else 601
        assert c.call("HGET", key, "gone") is None
        assert c.call("HMGET", key, "gone", "keep") == [None, b"1"]
        assert c.call("HEXISTS", key, "gone2") == 0
        assert c.call("HSTRLEN", key, "gone") == 0
        assert c.call("HLEN", key) == n
        assert b"gone" not in c.call("HKEYS", key)
        assert len(c.call("HGETALL", key)) == 2 * n
        assert len(c.call("HVALS", key)) == n
        assert c.call("HTTL", key, "FIELDS", "1", "gone") == [-2]
        assert b"gone" not in c.call("HSCAN", key, "0", "COUNT", "1000")[1]
    # a hash whose every field expired is gone
    c.call("HSET", "all", "a", "1", "b", "2")
    c.call("HPEXPIRE", "all", "20", "FIELDS", "2", "a", "b")
    time.sleep(0.08)
    assert c.call("EXISTS", "all") == 1  # nothing removed it yet (no active expiry)
    assert c.call("HLEN", "all") == 0
    assert c.call("EXISTS", "all") == 0
    # the same for a write: HSETNX of an expired field sets it
    c.call("HSET", "w", "a", "1", "b", "2")
    c.call("HPEXPIRE", "w", "20", "FIELDS", "1", "a")
    time.sleep(0.08)
    assert c.call("HSETNX", "w", "a", "new") == 1
    assert c.call("HGET", "w", "a") == b"new"
    assert c.call("HTTL", "w", "FIELDS", "1", "a") == [-1]


def test_active_expiry_and_events(make_server):
    srv = make_server()
    c = srv.raw()
    sub = srv.raw()
    c.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    sub.call("PSUBSCRIBE", "__keyspace@0__:*")
    c.call("HSET", "h", "a", "1", "b", "2")
    assert c.call("HPEXPIRE", "h", "50", "FIELDS", "1", "a") == [1]
    assert c.call("HPERSIST", "h", "FIELDS", "1", "a") == [1]
    assert c.call("HPEXPIRE", "h", "50", "FIELDS", "2", "a", "b") == [1, 1]
    # no command touches h: the cron removes the fields, then the key
    wait_for(lambda: c.call("DBSIZE") == 0)
    got = [sub.read()[3] for _ in range(6)]
    assert got == [b"hset", b"hexpire", b"hpersist", b"hexpire", b"hexpired", b"del"]
    # a field deleted by a past time: hdel
    c.call("HSET", "k", "a", "1", "b", "2")
    c.call("HEXPIRE", "k", "0", "FIELDS", "1", "a")
    got = [sub.read()[3] for _ in range(2)]
    assert got == [b"hset", b"hdel"]
    # many hashes, many fields: all expire without being read
    for i in range(50):
        c.call("HSET", "m%d" % i, *sum([["f%d" % j, "v"] for j in range(20)], []))
        c.call("HPEXPIRE", "m%d" % i, "30", "FIELDS", "20", *["f%d" % j for j in range(20)])
    wait_for(lambda: c.call("DBSIZE") == 1)


def test_writes_and_ttls(make_server):
    c = make_server().raw()
    c.call("HSET", "h", "a", "1", "b", "2", "c", "x")
    c.call("HEXPIRE", "h", "100", "FIELDS", "3", "a", "b", "c")
    # HSET (a new value) drops the TTL; HINCRBY/HINCRBYFLOAT (in place) keep it
    c.call("HSET", "h", "a", "5")
    assert c.call("HTTL", "h", "FIELDS", "1", "a") == [-1]
    assert c.call("HINCRBY", "h", "b", "3") == 5
    assert c.call("HTTL", "h", "FIELDS", "1", "b")[0] > 0
    assert c.call("HINCRBYFLOAT", "h", "b", "0.5") == b"5.5"
    assert c.call("HTTL", "h", "FIELDS", "1", "b")[0] > 0
    assert c.call("HSETNX", "h", "c", "y") == 0
    assert c.call("HTTL", "h", "FIELDS", "1", "c")[0] > 0
    # HDEL then HSET: a new field, no TTL
    c.call("HDEL", "h", "c")
    c.call("HSET", "h", "c", "z")
    assert c.call("HTTL", "h", "FIELDS", "1", "c") == [-1]
    # HGETDEL takes the TTL with the field
    assert c.call("HGETDEL", "h", "FIELDS", "1", "b") == [b"5.5"]
    assert c.call("HTTL", "h", "FIELDS", "1", "b") == [-2]


def test_hgetex(make_server):
    c = make_server().raw()
    assert c.call("HGETEX", "nokey", "EX", "10", "FIELDS", "2", "a", "b") == [None, None]
    c.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    # no option: HMGET
    assert c.call("HGETEX", "h", "FIELDS", "2", "a", "zz") == [b"1", None]
    assert c.call("HTTL", "h", "FIELDS", "1", "a") == [-1]
    assert c.call("HGETEX", "h", "EX", "100", "FIELDS", "2", "a", "zz") == [b"1", None]
    assert 99 <= c.call("HTTL", "h", "FIELDS", "1", "a")[0] <= 100
    assert c.call("HGETEX", "h", "PX", "200000", "FIELDS", "1", "b") == [b"2"]
    assert 199 <= c.call("HTTL", "h", "FIELDS", "1", "b")[0] <= 200
    assert c.call("HGETEX", "h", "EXAT", str(FAR), "FIELDS", "1", "a") == [b"1"]
    assert c.call("HEXPIRETIME", "h", "FIELDS", "1", "a") == [FAR]
    assert c.call("HGETEX", "h", "PXAT", str(FAR * 1000 + 1), "FIELDS", "1", "a") == [b"1"]
    assert c.call("HPEXPIRETIME", "h", "FIELDS", "1", "a") == [FAR * 1000 + 1]
    assert c.call("HGETEX", "h", "PERSIST", "FIELDS", "2", "a", "c") == [b"1", b"3"]
    assert c.call("HTTL", "h", "FIELDS", "2", "a", "c") == [-1, -1]
    # a past time: the values, then the fields are deleted (the key with the last)
    assert c.call("HGETEX", "h", "EXAT", "1", "FIELDS", "1", "c") == [b"3"]
    assert c.call("HKEYS", "h") == [b"a", b"b"]
    assert c.call("HGETEX", "h", "PX", "0", "FIELDS", "2", "a", "b") == [b"1", b"2"]
    assert c.call("EXISTS", "h") == 0


def test_hsetex(make_server):
    c = make_server().raw()
    assert c.call("HSETEX", "h", "EX", "100", "FIELDS", "2", "a", "1", "b", "2") == 1
    assert [99 <= t <= 100 for t in c.call("HTTL", "h", "FIELDS", "2", "a", "b")] == [True, True]
    # FNX: none of the fields may exist; FXX: all must
    assert c.call("HSETEX", "h", "FNX", "FIELDS", "2", "a", "x", "c", "3") == 0
    assert c.call("HSETEX", "h", "FXX", "FIELDS", "2", "a", "x", "c", "3") == 0
    assert c.call("HGETALL", "h") == [b"a", b"1", b"b", b"2"]
    assert c.call("HSETEX", "h", "FNX", "PX", "300000", "FIELDS", "1", "c", "3") == 1
    assert 299 <= c.call("HTTL", "h", "FIELDS", "1", "c")[0] <= 300
    # KEEPTTL keeps each field's TTL; no option drops it (as HSET)
    assert c.call("HSETEX", "h", "FXX", "KEEPTTL", "FIELDS", "1", "c", "33") == 1
    assert 299 <= c.call("HTTL", "h", "FIELDS", "1", "c")[0] <= 300
    assert c.call("HSETEX", "h", "FIELDS", "1", "c", "34") == 1
    assert c.call("HTTL", "h", "FIELDS", "1", "c") == [-1]
    assert c.call("HSETEX", "h", "EXAT", str(FAR), "FIELDS", "1", "d", "4") == 1
    assert c.call("HEXPIRETIME", "h", "FIELDS", "1", "d") == [FAR]
    assert c.call("HSETEX", "h", "PXAT", str(FAR * 1000 + 9), "FIELDS", "1", "d", "4") == 1
    assert c.call("HPEXPIRETIME", "h", "FIELDS", "1", "d") == [FAR * 1000 + 9]
    # a past time: set then deleted; a new key is never created
    assert c.call("HSETEX", "h", "PXAT", "1", "FIELDS", "1", "d", "4") == 1
    assert c.call("HEXISTS", "h", "d") == 0
    assert c.call("HSETEX", "n", "EX", "0", "FIELDS", "1", "d", "4") == 1
    assert c.call("EXISTS", "n") == 0
    # a big value makes it a table, TTLs and all
    assert c.call("HSETEX", "h", "EX", "100", "FIELDS", "1", "big", "x" * 100) == 1
    assert c.call("OBJECT", "ENCODING", "h") == b"hashtable"
    assert 99 <= c.call("HTTL", "h", "FIELDS", "1", "big")[0] <= 100
    assert 99 <= c.call("HTTL", "h", "FIELDS", "1", "a")[0] <= 100


def ttl_state(c):
    """Every hash: (field, value, PEXPIRETIME) sorted."""
    out = {}
    for k in c.call("KEYS", "*"):
        fields = c.call("HKEYS", k)
        vals = c.call("HMGET", k, *fields)
        times = c.call("HPEXPIRETIME", k, "FIELDS", str(len(fields)), *fields)
        out[k] = (c.call("OBJECT", "ENCODING", k), sorted(zip(fields, vals, times)))
    return out


def fill(c):
    c.call("HSET", "small", "a", "1", "b", "2", "n", "7", "c", "3")
    c.call("HEXPIREAT", "small", str(FAR), "FIELDS", "1", "a")
    c.call("HPEXPIRE", "small", "500000", "FIELDS", "1", "n")
    c.call("HINCRBY", "small", "n", "5")
    args = []
    for i in range(600):
        args += ["f%d" % i, "v%d" % i]
    c.call("HSET", "big", *args)
    c.call("HPEXPIREAT", "big", str(FAR * 1000 + 5), "FIELDS", "3", "f1", "f2", "f3")
    c.call("HSETEX", "big", "PX", "600000", "FIELDS", "1", "f4", "new")
    c.call("HINCRBYFLOAT", "big", "f4x", "1.5")
    c.call("HSETEX", "big", "PX", "600000", "FIELDS", "1", "fl", "1")
    c.call("HINCRBYFLOAT", "big", "fl", "1.5")
    c.call("HSET", "plain", "x", "1")


def test_aof_records_and_reload(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    c.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    c.call("HEXPIRE", "h", "1000", "FIELDS", "2", "a", "zz")
    at = c.call("HPEXPIRETIME", "h", "FIELDS", "1", "a")[0]
    c.call("HEXPIRE", "h", "0", "FIELDS", "1", "b")
    c.call("HPEXPIRE", "h", "40", "FIELDS", "1", "c")
    text = aof_incr(srv)
    # relative times become absolute; a past time is an HDEL
    assert (b"*6\r\n$10\r\nHPEXPIREAT\r\n$1\r\nh\r\n$13\r\n%d\r\n$6\r\nFIELDS\r\n$1\r\n1\r\n$1\r\na\r\n" % at) in text
    assert b"HEXPIRE\r\n" not in text
    assert b"*3\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\nb\r\n" in text
    # expiry by the server: HDEL
    wait_for(lambda: b"*3\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\nc\r\n" in aof_incr(srv))
    c.call("HGETEX", "h", "PERSIST", "FIELDS", "1", "a")
    assert b"*5\r\n$8\r\nHPERSIST\r\n$1\r\nh\r\n$6\r\nFIELDS\r\n$1\r\n1\r\n$1\r\na\r\n" in aof_incr(srv)
    fill(c)
    text = aof_incr(srv)
    assert b"HGETEX" not in text
    # HINCRBYFLOAT of a field with a TTL keeps it on replay
    assert b"*7\r\n$6\r\nHSETEX\r\n$3\r\nbig\r\n$7\r\nKEEPTTL\r\n$6\r\nFIELDS\r\n$1\r\n1\r\n$2\r\nfl\r\n" in text
    before = ttl_state(c)
    srv.restart()
    c = srv.raw()
    assert ttl_state(c) == before
    assert c.call("BGREWRITEAOF")
    wait_for(lambda: "aof_rewrite_in_progress:0" in c.call("INFO", "persistence").decode()
             and "aof_rewrite_scheduled:0" in c.call("INFO", "persistence").decode())
    d = os.path.join(srv.dir, "appendonlydir")
    base = [f for f in os.listdir(d) if ".base." in f][0]
    with open(os.path.join(d, base), "rb") as f:
        text = f.read()
    assert (b"$10\r\nHPEXPIREAT\r\n$3\r\nbig\r\n$13\r\n%d\r\n" % (FAR * 1000 + 5)) in text
    srv.restart()
    # a rewritten AOF (commands, as Redis's without the RDB preamble) carries
    # no encoding: "h", a listpackex without TTLs, comes back a listpack
    before[b"h"] = (b"listpack", before[b"h"][1])
    assert ttl_state(srv.raw()) == before


def test_dump_restore_rdb_and_reload(make_server):
    srv = make_server(DEBUG)
    c = srv.raw()
    fill(c)
    before = ttl_state(c)
    assert before[b"small"][0] == b"listpackex" and before[b"big"][0] == b"hashtable"
    for k, t in ((b"small", 25), (b"big", 24), (b"plain", 16)):
        payload = c.call("DUMP", k)
        assert payload[0] == t, (k, payload[0])
        if t > 16:
            assert payload[-10] == 12  # RDB 12, as 7.4 writes these types
        c.call("RESTORE", k + b"2", "0", payload)
        a = ttl_state(c)
        assert a[k + b"2"] == a[k]
    assert c.call("DEBUG", "RELOAD") == b"OK"
    after = ttl_state(c)
    assert {k: v for k, v in after.items() if not k.endswith(b"2")} == before
    assert c.call("SAVE") == b"OK"
    srv.restart()
    assert ttl_state(srv.raw()) == after


def test_hostile_payloads(make_server):
    c = make_server().raw()
    bad = "ERR Bad data format"
    lp_ok = bytes([0x0f, 0x00, 0x00, 0x00, 0x03, 0x00, 0x81, ord("a"), 0x02, 0x81, ord("b"), 0x02,
                   0x05, 0x01, 0xff])
    assert len(lp_ok) == 0x0f
    good = bytes([25]) + (1000).to_bytes(8, "little") + bytes([len(lp_ok)]) + lp_ok
    c.call("RESTORE", "ok", "0", seal(good, 12))
    assert c.call("HGET", "ok", "a") is None  # TTL 5 ms after 1970: expired
    assert c.call("EXISTS", "ok") == 0
    cases = [
        bytes([25]) + (1000).to_bytes(8, "little"),  # no listpack
        bytes([25]) + (1000).to_bytes(8, "little") + bytes([len(lp_ok)]) + lp_ok[:-1] + b"\x00",
        bytes([24]) + (1000).to_bytes(8, "little") + bytes([0]),  # empty
        bytes([24]) + (1000).to_bytes(8, "little") + bytes([1, 0, 1]) + b"a",  # no value
        bytes([24]) + (2 ** 62).to_bytes(8, "little") + bytes([1, 2, 1]) + b"a" + bytes([1]) + b"b",
        bytes([24]) + (1000).to_bytes(8, "little") + bytes([2, 0, 1]) + b"a" + bytes([1]) + b"b"
        + bytes([0, 1]) + b"a" + bytes([1]) + b"b",  # duplicate field
    ]
    for p in cases:
        assert err(c, "RESTORE", "k", "0", seal(p, 12)) == bad, p
    # a valid type 24 payload
    p = bytes([24]) + (FAR * 1000).to_bytes(8, "little") + bytes([2, 0, 1]) + b"a" + bytes([1]) \
        + b"b" + bytes([3, 1]) + b"c" + bytes([1]) + b"d"
    c.call("RESTORE", "t24", "0", seal(p, 12))
    assert c.call("HPEXPIRETIME", "t24", "FIELDS", "2", "a", "c") == [-1, FAR * 1000 + 2]


def test_memory_of_a_hash_without_ttls(make_server):
    """A hash that never had a TTL pays nothing for the feature; one that
    had some keeps the wrapper while packed ("listpackex", as in Redis) and
    sheds it as a table."""
    c = make_server().raw()
    c.call("HSET", "a", "f1", "v1", "f2", "v2")
    c.call("HSET", "b", "f1", "v1", "f2", "v2")
    base = c.call("MEMORY", "USAGE", "a")
    c.call("HEXPIRE", "b", "100", "FIELDS", "1", "f1")
    assert c.call("MEMORY", "USAGE", "b") > base
    c.call("HPERSIST", "b", "FIELDS", "1", "f1")
    assert c.call("MEMORY", "USAGE", "b") > base
    big = []
    for i in range(600):
        big += ["f%d" % i, "v%d" % i]
    c.call("HSET", "ta", *big)
    c.call("HSET", "tb", *big)
    tbase = c.call("MEMORY", "USAGE", "ta")
    c.call("HEXPIRE", "tb", "100", "FIELDS", "1", "f1")
    assert c.call("MEMORY", "USAGE", "tb") > tbase
    c.call("HPERSIST", "tb", "FIELDS", "1", "f1")
    assert c.call("MEMORY", "USAGE", "tb") == tbase


def test_redis70_replica_gets_hashes_without_ttls(make_server):
    """A Redis 7.0 replica takes RDB types up to 7.0's: the full sync writes
    a hash with field TTLs as a plain listpack / hash table."""
    m = make_server(kind="streamd")
    c = m.raw()
    fill(c)
    want = {k: sorted((f, v) for f, v, _ in st[1]) for k, st in ttl_state(c).items()}
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    r = s.raw()
    wait_for(lambda: b"master_link_status:up" in r.call("INFO", "replication"), timeout=10)
    got = {}
    for k in r.call("KEYS", "*"):
        fields = r.call("HKEYS", k)
        got[k] = sorted(zip(fields, r.call("HMGET", k, *fields)))
    assert got == want
    assert r.call("OBJECT", "ENCODING", "small") == b"listpack"


def test_pause_hides_expired_fields_without_deleting(make_server):
    """CLIENT PAUSE WRITE: an expired field reads as gone but nothing is
    deleted (no HDEL recorded) until the pause ends."""
    srv = make_server(AOF_ALWAYS + DEBUG)
    c = srv.raw()
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.call("HSET", "h", "a", "1", "b", "2")
    c.call("HSET", "all", "x", "1")
    c.call("HPEXPIRE", "h", "30", "FIELDS", "1", "a")
    c.call("HPEXPIRE", "all", "30", "FIELDS", "1", "x")
    c.call("CLIENT", "PAUSE", "100000", "WRITE")
    time.sleep(0.08)
    assert c.call("HGETALL", "h") == [b"b", b"2"]
    assert c.call("HLEN", "h") == 1
    assert c.call("HTTL", "h", "FIELDS", "1", "a") == [-2]
    assert c.call("HGETALL", "all") == []
    assert c.call("HLEN", "all") == 0
    assert b"HDEL" not in aof_incr(srv)
    c.call("CLIENT", "UNPAUSE")
    assert c.call("HGET", "h", "a") is None
    assert c.call("EXISTS", "all") == 1  # EXISTS is no hash command
    assert c.call("HLEN", "all") == 0
    assert c.call("EXISTS", "all") == 0
    text = aof_incr(srv)
    assert b"*3\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\na\r\n" in text
    assert b"*3\r\n$4\r\nHDEL\r\n$3\r\nall\r\n$1\r\nx\r\n" in text


def test_streamd_replica_follows_field_ttls(make_server):
    """A streamd replica gets the TTLs (full sync: type 24/25; live: the
    HPEXPIREAT records), hides a field whose TTL passed while the master
    has not yet expired it, and drops it on the master's HDEL."""
    master = make_server(DEBUG)
    replica = make_server()
    m, r = master.raw(), replica.raw()
    m.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    m.call("HEXPIREAT", "h", str(FAR), "FIELDS", "1", "a")
    assert r.call("REPLICAOF", "127.0.0.1", str(master.port)) == b"OK"
    wait_for(lambda: b"master_link_status:up" in r.call("INFO", "replication"), timeout=10)
    m.call("HPEXPIRE", "h", "500000", "FIELDS", "1", "b")
    at = m.call("HPEXPIRETIME", "h", "FIELDS", "2", "a", "b")
    wait_for(lambda: r.call("HPEXPIRETIME", "h", "FIELDS", "2", "a", "b") == at)
    m.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    m.call("HPEXPIRE", "h", "40", "FIELDS", "1", "c")
    wait_for(lambda: r.call("HTTL", "h", "FIELDS", "1", "c") != [-1])
    time.sleep(0.1)
    # expired on the replica's clock: hidden, the master has not deleted it
    assert r.call("HEXISTS", "h", "c") == 0
    assert r.call("HLEN", "h") == 2
    assert m.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    wait_for(lambda: m.call("HLEN", "h") == 2 and r.call("HKEYS", "h") == [b"a", b"b"])
    assert r.call("HPEXPIRETIME", "h", "FIELDS", "2", "a", "b") == at


def test_info_keyspace_subexpiry(make_server):
    """INFO keyspace's subexpiry (7.4): the keys whose hashes have field
    TTLs, kept through every way a value enters, changes and leaves a db."""
    c = make_server(DEBUG).raw()

    def sub():
        out = {}
        for line in c.call("INFO", "keyspace").decode().split("\r\n"):
            if line.startswith("db"):
                db, kv = line.split(":", 1)
                out[db] = dict(x.split("=") for x in kv.split(","))["subexpiry"]
        return out

    c.call("HSET", "a", "f", "1", "g", "2")
    c.call("HSET", "b", "f", "1")
    assert sub() == {"db0": "0"}
    c.call("HEXPIRE", "a", "100", "FIELDS", "2", "f", "g")
    c.call("HSETEX", "b", "EX", "100", "FIELDS", "1", "f", "2")
    assert sub() == {"db0": "2"}
    c.call("HSET", "a", "f", "x")  # one TTL left
    assert sub() == {"db0": "2"}
    c.call("HPERSIST", "a", "FIELDS", "1", "g")
    assert sub() == {"db0": "1"}
    c.call("COPY", "b", "b2")
    assert sub() == {"db0": "2"}
    c.call("MOVE", "b2", "1")
    c.call("RENAME", "b", "bb")
    assert sub() == {"db0": "1", "db1": "1"}
    c.call("SWAPDB", "0", "1")
    assert sub() == {"db0": "1", "db1": "1"}
    assert c.call("DEBUG", "RELOAD") == b"OK"
    assert sub() == {"db0": "1", "db1": "1"}
    c.call("HGETEX", "b2", "PERSIST", "FIELDS", "1", "f")
    assert sub() == {"db0": "0", "db1": "1"}
    c.call("SELECT", "1")
    c.call("HPEXPIRE", "bb", "20", "FIELDS", "1", "f")
    wait_for(lambda: c.call("DBSIZE") == 1)
    assert sub() == {"db0": "0", "db1": "0"}
    c.call("HEXPIRE", "a", "100", "FIELDS", "1", "f")
    assert sub() == {"db0": "0", "db1": "1"}
    c.call("FLUSHDB")
    assert sub() == {"db0": "0"}
