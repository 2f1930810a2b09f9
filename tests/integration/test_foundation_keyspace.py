"""Foundation (issue #2): the keyspace.

Databases (SELECT, SWAPDB, DBSIZE, FLUSHDB/FLUSHALL), generic key commands
(DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX), expiry
(EXPIRE family with NX/XX/GT/LT, TTL/PTTL/EXPIRETIME/PEXPIRETIME/PERSIST,
lazy and active expiry), OBJECT ENCODING/IDLETIME, MEMORY USAGE, TIME and
LASTSAVE. Expected values are Redis 7.0's (check with STREAMD_TARGET=redis).
"""

import time

import pytest
import redis

from testlib import SLOW, RespError

E_INT = "value is not an integer or out of range"
E_SYNTAX = "syntax error"


def resp_err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def wait_until(pred, timeout=3.0):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


# ---- databases --------------------------------------------------------------


def test_select_and_isolation(r, raw):
    c = raw()
    assert c.call("SET", "k", "db0") == b"OK"
    assert c.call("SELECT", "15") == b"OK"
    assert c.call("GET", "k") is None
    assert c.call("SET", "k", "db15") == b"OK"
    assert c.call("DBSIZE") == 1
    assert c.call("SELECT", "0") == b"OK"
    assert c.call("GET", "k") == b"db0"
    assert c.call("SELECT", "16") == RespError("ERR DB index is out of range")
    assert c.call("SELECT", "-1") == RespError("ERR DB index is out of range")
    assert c.call("SELECT", "x") == RespError("ERR " + E_INT)
    assert c.call("SELECT") == RespError("ERR wrong number of arguments for 'select' command")
    assert c.call("GET", "k") == b"db0"  # a failed SELECT keeps the database


def test_databases_option(make_server):
    srv = make_server(["--databases", "4"])
    c = srv.raw()
    assert c.call("SELECT", "3") == b"OK"
    assert c.call("SELECT", "4") == RespError("ERR DB index is out of range")
    assert c.call("SWAPDB", "0", "4") == RespError("ERR DB index is out of range")
    c.close()


def test_swapdb(r, raw):
    c = raw()
    c.call("SET", "a", "in0")
    c.call("SET", "t", "ttl", "EX", "100")
    c.call("SELECT", "1")
    c.call("SET", "b", "in1")
    assert c.call("SWAPDB", "0", "1") == b"OK"
    assert c.call("GET", "a") == b"in0"
    assert 0 < c.call("TTL", "t") <= 100
    assert c.call("GET", "b") is None
    assert c.call("SELECT", "0") == b"OK"
    assert c.call("GET", "b") == b"in1"
    assert c.call("DBSIZE") == 1
    assert c.call("SWAPDB", "0", "0") == b"OK"
    assert c.call("SWAPDB", "0", "16") == RespError("ERR DB index is out of range")
    assert c.call("SWAPDB", "a", "1") == RespError("ERR invalid first DB index")
    assert c.call("SWAPDB", "0", "b") == RespError("ERR invalid second DB index")
    assert c.call("SWAPDB", "0") == RespError("ERR wrong number of arguments for 'swapdb' command")


def test_dbsize_flushdb_flushall(r, raw):
    c = raw()
    for i in range(50):
        c.call("SET", "k%d" % i, i)
    assert c.call("DBSIZE") == 50
    c.call("SELECT", "2")
    c.call("SET", "x", "1")
    assert c.call("FLUSHDB") == b"OK"
    assert c.call("DBSIZE") == 0
    c.call("SELECT", "0")
    assert c.call("DBSIZE") == 50
    assert c.call("FLUSHDB", "ASYNC") == b"OK"
    assert c.call("DBSIZE") == 0
    c.call("SET", "a", "1")
    c.call("SELECT", "3")
    c.call("SET", "b", "1")
    assert c.call("FLUSHALL", "SYNC") == b"OK"
    assert c.call("DBSIZE") == 0
    c.call("SELECT", "0")
    assert c.call("DBSIZE") == 0
    c.call("SET", "a", "1")
    assert c.call("FLUSHALL", "ASYNC") == b"OK"
    assert c.call("EXISTS", "a") == 0
    assert c.call("flushall", "async") == b"OK"
    assert c.call("FLUSHALL", "FOO") == RespError("ERR " + E_SYNTAX)
    assert c.call("FLUSHDB", "FOO") == RespError("ERR " + E_SYNTAX)
    assert c.call("FLUSHALL", "ASYNC", "SYNC") == RespError("ERR " + E_SYNTAX)
    assert c.call("DBSIZE", "x") == RespError("ERR wrong number of arguments for 'dbsize' command")


# ---- generic key commands ----------------------------------------------------


def test_del_unlink_exists(r):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.exists("a", "a", "b", "zz") == 3
    assert r.delete("a", "zz", "a") == 1
    assert r.unlink("b", "c", "d") == 2
    assert r.exists("a", "b", "c") == 0
    assert r.delete("nothing") == 0
    assert "wrong number" in resp_err(r, "DEL")
    assert resp_err(r, "EXISTS") == "wrong number of arguments for 'exists' command"
    assert resp_err(r, "UNLINK") == "wrong number of arguments for 'unlink' command"


def test_type(r, raw):
    r.set("s", "v")
    c = raw()
    assert c.call_raw("TYPE", "s") == b"+string\r\n"
    assert c.call_raw("TYPE", "missing") == b"+none\r\n"
    assert c.call("TYPE") == RespError("ERR wrong number of arguments for 'type' command")


def test_keys(r):
    names = [b"one", b"two", b"three", b"four", b"h\x00llo", b"hallo", b"hxllo", b"a*b", b"a[b"]
    for n in names:
        r.set(n, 1)
    assert sorted(r.keys()) == sorted(names)
    assert sorted(r.keys("*")) == sorted(names)
    assert sorted(r.keys("t*")) == [b"three", b"two"]
    assert sorted(r.keys("h?llo")) == [b"h\x00llo", b"hallo", b"hxllo"]
    assert sorted(r.keys("h[ax]llo")) == [b"hallo", b"hxllo"]
    assert sorted(r.keys("h[^a]llo")) == [b"h\x00llo", b"hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == [b"hallo"]
    assert r.keys("a\\*b") == [b"a*b"]
    assert r.keys("a\\[b") == [b"a[b"]
    assert r.keys("nomatch*") == []
    assert sorted(r.keys("*o*")) == [b"four", b"h\x00llo", b"hallo", b"hxllo", b"one", b"two"]


def test_randomkey(r):
    assert r.randomkey() is None
    r.set("only", 1)
    assert r.randomkey() == b"only"
    for i in range(20):
        r.set("k%d" % i, i)
    seen = {r.randomkey() for _ in range(200)}
    assert len(seen) > 5
    assert seen <= set(r.keys())


def test_rename(r):
    r.set("a", "1", ex=100)
    assert r.rename("a", "b")
    assert r.get("a") is None and r.get("b") == b"1"
    assert 0 < r.ttl("b") <= 100  # the TTL moves with the value
    r.set("c", "3")
    assert r.rename("b", "c")  # overwrites, and the target takes b's TTL
    assert r.get("c") == b"1" and r.ttl("c") > 0
    r.set("d", "4", ex=50)
    r.set("e", "5")
    assert r.rename("e", "d")  # the target's old TTL goes away
    assert r.ttl("d") == -1
    assert r.rename("d", "d")  # same name: OK, unchanged
    assert r.get("d") == b"5"
    assert resp_err(r, "RENAME", "missing", "x") == "no such key"
    assert resp_err(r, "RENAME", "missing", "missing") == "no such key"
    assert resp_err(r, "RENAME", "a") == "wrong number of arguments for 'rename' command"


def test_renamenx(r):
    r.set("a", "1")
    r.set("b", "2")
    assert r.renamenx("a", "b") is False
    assert r.get("a") == b"1" and r.get("b") == b"2"
    assert r.renamenx("a", "c") is True
    assert r.get("c") == b"1" and r.exists("a") == 0
    assert r.renamenx("c", "c") is False
    assert resp_err(r, "RENAMENX", "missing", "x") == "no such key"


def test_rename_across_databases_is_per_db(r, raw):
    c = raw()
    c.call("SELECT", "1")
    c.call("SET", "a", "x")
    assert c.call("RENAME", "a", "b") == b"OK"
    c.call("SELECT", "0")
    assert c.call("EXISTS", "a", "b") == 0


# ---- SCAN ---------------------------------------------------------------------


def scan_all(c, *opts, count_calls=False):
    cursor = b"0"
    seen = []
    calls = 0
    while True:
        reply = c.call("SCAN", cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, keys = reply
        calls += 1
        seen.extend(keys)
        if cursor == b"0":
            break
        assert calls < 100000
    return (seen, calls) if count_calls else seen


def test_scan_complete(r, raw):
    names = {b"key:%d" % i for i in range(1000)}
    p = r.pipeline(transaction=False)
    for n in names:
        p.set(n, 1)
    p.execute()
    c = raw()
    seen, calls = scan_all(c, count_calls=True)
    assert set(seen) == names
    assert calls > 1  # the default COUNT (10) does not return everything at once
    seen, calls = scan_all(c, "COUNT", "100000", count_calls=True)
    assert set(seen) == names
    assert calls == 1
    assert set(scan_all(c, "COUNT", "7")) == names


def test_scan_match_type(r, raw):
    for i in range(300):
        r.set("user:%d" % i, i)
        r.set("item:%d" % i, i)
    c = raw()
    assert set(scan_all(c, "MATCH", "user:*")) == {b"user:%d" % i for i in range(300)}
    assert set(scan_all(c, "MATCH", "item:1?", "COUNT", "50")) == {b"item:1%d" % i for i in range(10)}
    assert set(scan_all(c, "TYPE", "string", "MATCH", "item:29?")) == {
        b"item:29%d" % i for i in range(10)}
    assert scan_all(c, "TYPE", "stream") == []
    assert scan_all(c, "MATCH", "nothing*") == []


def test_scan_sees_stable_keys_under_changes(r, raw):
    # Keys present for the whole scan are returned at least once even while
    # other keys are added and removed (the table may grow or shrink).
    stable = {b"s%d" % i for i in range(500)}
    p = r.pipeline(transaction=False)
    for k in stable:
        p.set(k, 1)
    p.execute()
    c = raw()
    cursor, seen, n = b"0", set(), 0
    while True:
        cursor, keys = c.call("SCAN", cursor, "COUNT", "20")
        seen.update(keys)
        p = r.pipeline(transaction=False)
        for j in range(40):
            p.set("t%d" % (n * 40 + j), 1)
        if n >= 2:
            p.delete(*["t%d" % ((n - 2) * 40 + j) for j in range(40)])
        p.execute()
        n += 1
        if cursor == b"0":
            break
    assert stable <= seen


def test_scan_per_database(r, raw):
    c = raw()
    c.call("SET", "zero", "1")
    c.call("SELECT", "5")
    c.call("SET", "five", "1")
    assert scan_all(c) == [b"five"]


def test_scan_errors(raw):
    c = raw()
    assert c.call("SCAN", "abc") == RespError("ERR invalid cursor")
    assert c.call("SCAN", "18446744073709551616") == RespError("ERR invalid cursor")
    assert c.call("SCAN", "1x") == RespError("ERR invalid cursor")
    assert c.call("SCAN", "0", "COUNT", "0") == RespError("ERR " + E_SYNTAX)
    assert c.call("SCAN", "0", "COUNT", "x") == RespError("ERR " + E_INT)
    assert c.call("SCAN", "0", "MATCH") == RespError("ERR " + E_SYNTAX)
    assert c.call("SCAN", "0", "FOO", "bar") == RespError("ERR " + E_SYNTAX)
    assert c.call("SCAN") == RespError("ERR wrong number of arguments for 'scan' command")


# ---- expiry -----------------------------------------------------------------------


def test_expire_ttl_basics(r):
    r.set("k", "v")
    assert r.ttl("k") == -1 and r.pttl("k") == -1
    assert r.ttl("missing") == -2 and r.pttl("missing") == -2
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100
    assert 98000 < r.pttl("k") <= 100000
    assert r.pexpire("k", 50000) is True
    assert 49 <= r.ttl("k") <= 50
    assert r.expire("missing", 10) is False
    assert r.persist("k") is True
    assert r.persist("k") is False
    assert r.persist("missing") is False
    assert r.ttl("k") == -1


def test_expireat_and_expiretime(r, raw):
    now = int(time.time())
    r.set("k", "v")
    c = raw()
    assert c.call("EXPIRETIME", "k") == -1
    assert c.call("PEXPIRETIME", "k") == -1
    assert c.call("EXPIRETIME", "missing") == -2
    assert c.call("PEXPIRETIME", "missing") == -2
    assert c.call("EXPIREAT", "k", now + 1000) == 1
    assert c.call("EXPIRETIME", "k") == now + 1000
    assert c.call("PEXPIRETIME", "k") == (now + 1000) * 1000
    assert c.call("PEXPIREAT", "k", (now + 500) * 1000 + 123) == 1
    assert c.call("PEXPIRETIME", "k") == (now + 500) * 1000 + 123
    assert c.call("EXPIRETIME", "k") == now + 500
    assert c.call("EXPIREAT", "missing", now + 10) == 0


def test_expire_in_the_past_deletes(r):
    r.set("a", 1)
    r.set("b", 1)
    r.set("c", 1)
    r.set("d", 1)
    assert r.expire("a", -1) is True
    assert r.pexpire("b", 0) is True
    assert r.expireat("c", 1) is True
    assert r.execute_command("PEXPIREAT", "d", int(time.time() * 1000) - 10) == 1
    assert r.exists("a", "b", "c", "d") == 0
    assert r.dbsize() == 0


def test_expire_options(r, raw):
    c = raw()
    c.call("SET", "k", "v")
    # NX: only when there is no TTL
    assert c.call("EXPIRE", "k", "100", "NX") == 1
    assert c.call("EXPIRE", "k", "200", "NX") == 0
    assert 99 <= c.call("TTL", "k") <= 100
    # XX: only when there is a TTL
    c.call("SET", "n", "v")
    assert c.call("EXPIRE", "n", "100", "XX") == 0
    assert c.call("TTL", "n") == -1
    assert c.call("EXPIRE", "k", "300", "XX") == 1
    assert 299 <= c.call("TTL", "k") <= 300
    # GT: only when greater (no TTL counts as infinite: never greater)
    assert c.call("EXPIRE", "k", "200", "GT") == 0
    assert c.call("EXPIRE", "k", "400", "GT") == 1
    assert c.call("EXPIRE", "n", "400", "GT") == 0
    assert c.call("TTL", "n") == -1
    # LT: only when smaller (no TTL counts as infinite: always smaller)
    assert c.call("EXPIRE", "k", "500", "LT") == 0
    assert c.call("EXPIRE", "k", "50", "LT") == 1
    assert 49 <= c.call("TTL", "k") <= 50
    assert c.call("EXPIRE", "n", "60", "LT") == 1
    assert 59 <= c.call("TTL", "n") <= 60
    # options combine with XX; case-insensitive
    assert c.call("PEXPIRE", "k", "10000", "xx", "lt") == 1
    assert c.call("PEXPIREAT", "k", int(time.time() * 1000) + 900000, "GT") == 1
    assert c.call("EXPIREAT", "missing", "100", "NX") == 0


def test_expire_errors(raw):
    c = raw()
    c.call("SET", "k", "v")
    nx_xx = RespError("ERR NX and XX, GT or LT options at the same time are not compatible")
    assert c.call("EXPIRE", "k", "10", "NX", "XX") == nx_xx
    assert c.call("EXPIRE", "k", "10", "NX", "GT") == nx_xx
    assert c.call("EXPIRE", "k", "10", "NX", "LT") == nx_xx
    assert c.call("EXPIRE", "k", "10", "GT", "LT") == RespError(
        "ERR GT and LT options at the same time are not compatible")
    assert c.call("EXPIRE", "k", "10", "FOO") == RespError("ERR Unsupported option FOO")
    assert c.call("EXPIRE", "k", "ten") == RespError("ERR " + E_INT)
    assert c.call("EXPIRE", "k", "1.5") == RespError("ERR " + E_INT)
    assert c.call("EXPIRE", "k", "9223372036854775807") == RespError(
        "ERR invalid expire time in 'expire' command")
    assert c.call("PEXPIRE", "k", "9223372036854775807") == RespError(
        "ERR invalid expire time in 'pexpire' command")
    assert c.call("EXPIREAT", "k", "9223372036854775807") == RespError(
        "ERR invalid expire time in 'expireat' command")
    assert c.call("EXPIRE", "k") == RespError("ERR wrong number of arguments for 'expire' command")
    assert c.call("TTL") == RespError("ERR wrong number of arguments for 'ttl' command")
    assert c.call("TTL", "k") == -1  # nothing changed


def test_set_clears_ttl_and_other_writes_keep_it(r):
    r.set("k", "v", ex=100)
    r.append("k", "w")
    assert r.ttl("k") > 0
    r.incr("n")
    r.expire("n", 100)
    r.incr("n")
    assert r.ttl("n") > 0
    r.set("k", "x")
    assert r.ttl("k") == -1
    r.set("k", "y", ex=100)
    r.getdel("k")
    r.set("k", "z")
    assert r.ttl("k") == -1


def test_lazy_expiry(r, raw):
    c = raw()
    c.call("SET", "k", "v", "PX", "30")
    c.call("SET", "keep", "v")
    time.sleep(0.06)
    assert c.call("GET", "k") is None
    assert c.call("EXISTS", "k") == 0
    assert c.call("TTL", "k") == -2
    assert c.call("TYPE", "k") == b"none"
    assert c.call("KEYS", "*") == [b"keep"]
    c.call("SET", "k2", "v", "PX", "30")
    time.sleep(0.06)
    assert scan_all(c) == [b"keep"]
    c.call("SET", "k3", "v", "PX", "30")
    time.sleep(0.06)
    assert c.call("RENAME", "k3", "x") == RespError("ERR no such key")
    c.call("SET", "k4", "v", "PX", "30")
    time.sleep(0.06)
    assert c.call("SET", "k4", "new", "NX") == b"OK"


def test_active_expiry(r):
    # Keys that expire disappear from DBSIZE without being touched.
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.set("e%d" % i, i, px=50)
    for i in range(20):
        p.set("stay%d" % i, i)
    p.execute()
    assert r.dbsize() == 220
    assert wait_until(lambda: r.dbsize() == 20, timeout=5.0), r.dbsize()
    assert r.info("stats")["expired_keys"] >= 200


def test_active_expiry_other_databases(r, rr):
    c = rr(db=7)
    for i in range(50):
        c.set("e%d" % i, i, px=30)
    assert wait_until(lambda: c.dbsize() == 0, timeout=5.0), c.dbsize()


# ---- OBJECT, MEMORY, TIME, LASTSAVE ---------------------------------------------


def test_object_encoding(r, raw):
    c = raw()
    c.call("SET", "int", "12345")
    c.call("SET", "neg", "-42")
    c.call("SET", "short", "hello")
    c.call("SET", "44", "x" * 44)
    c.call("SET", "45", "x" * 45)
    c.call("SET", "big", "9" * 25)  # not a long long
    c.call("SET", "lead0", "0123")
    c.call("SET", "app", "ab")
    c.call("APPEND", "app", "c")
    assert c.call("OBJECT", "ENCODING", "int") == b"int"
    assert c.call("OBJECT", "ENCODING", "neg") == b"int"
    assert c.call("OBJECT", "ENCODING", "short") == b"embstr"
    assert c.call("OBJECT", "ENCODING", "44") == b"embstr"
    assert c.call("OBJECT", "ENCODING", "45") == b"raw"
    assert c.call("OBJECT", "ENCODING", "big") == b"embstr"
    assert c.call("OBJECT", "ENCODING", "lead0") == b"embstr"
    assert c.call("OBJECT", "ENCODING", "app") == b"raw"
    c.call("INCR", "int")
    assert c.call("OBJECT", "ENCODING", "int") == b"int"
    assert c.call("OBJECT", "ENCODING", "missing") is None
    assert c.call("OBJECT", "ENCODING") == RespError(
        "ERR wrong number of arguments for 'object|encoding' command")


def test_object_idletime(r, raw):
    c = raw()
    c.call("SET", "k", "v")
    assert c.call("OBJECT", "IDLETIME", "k") in (0, 1)
    assert c.call("OBJECT", "IDLETIME", "missing") is None
    assert c.call("OBJECT", "IDLETIME") == RespError(
        "ERR wrong number of arguments for 'object|idletime' command")


def test_memory_usage(r, raw):
    c = raw()
    c.call("SET", "small", "x")
    c.call("SET", "large", "x" * 10000)
    small = c.call("MEMORY", "USAGE", "small")
    large = c.call("MEMORY", "USAGE", "large")
    assert isinstance(small, int) and small > 0
    assert large >= 10000 > small
    assert c.call("MEMORY", "USAGE", "large", "SAMPLES", "5") == large
    assert c.call("MEMORY", "USAGE", "missing") is None
    assert c.call("MEMORY", "USAGE", "large", "SAMPLES") == RespError("ERR " + E_SYNTAX)
    assert c.call("MEMORY", "USAGE", "large", "SAMPLES", "x") == RespError("ERR " + E_INT)


def test_time(raw):
    c = raw()
    reply, raw_bytes = c.call("TIME"), c.call_raw("TIME")
    assert raw_bytes.startswith(b"*2\r\n$")
    secs, usecs = int(reply[0]), int(reply[1])
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1000000
    assert c.call("TIME", "x") == RespError("ERR wrong number of arguments for 'time' command")


def test_lastsave(raw):
    c = raw()
    t = c.call("LASTSAVE")
    assert isinstance(t, int) and 0 < t <= time.time() + 1
