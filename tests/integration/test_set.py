"""Sets beyond single replies: what every write leaves in the AOF (random
pops propagate as what they removed), restarts and BGREWRITEAOF rebuilding
the same sets in the same encodings, Redis 7.0 loading streamd's AOF, WATCH
and INFO keysizes following set changes, and DEBUG RELOAD.
"""

import os
import random
import re
import subprocess
import time

import pytest

from testlib import IS_REDIS, SLOW, RespError, redis_on_aof_of

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]
CHECK_AOF = "/usr/bin/redis-check-aof"


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


def aof_bytes(srv, kind):
    """The bytes of the AOF files of one kind (base / incr), in order."""
    d = aof_dir(srv)
    out = b""
    with open(os.path.join(d, "appendonly.aof.manifest")) as f:
        for line in f:
            parts = line.split()
            if parts[5] == kind:
                with open(os.path.join(d, parts[1]), "rb") as g:
                    out += g.read()
    return out


def wait_rewrite(c, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        i = c.call("INFO", "persistence").decode()
        if "aof_rewrite_in_progress:0" in i and "aof_rewrite_scheduled:0" in i:
            return
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def state(c):
    """Every set, its members sorted, its encoding; other keys' types."""
    out = {}
    for db in (0, 1):
        c.call("SELECT", str(db))
        for k in c.call("KEYS", "*"):
            t = c.call("TYPE", k)
            if t == b"set":
                out[(db, k)] = (sorted(c.call("SMEMBERS", k)), c.call("OBJECT", "ENCODING", k),
                                c.call("PTTL", k) > 0)
            else:
                out[(db, k)] = t
    c.call("SELECT", "0")
    return out


def canonical_int(m):
    try:
        return str(int(m)).encode() == m and -2 ** 63 <= int(m) < 2 ** 63
    except ValueError:
        return False


def rebuilt(st):
    """st as SADD of each set's members rebuilds it (a rewritten AOF, Redis
    7.0 loading it): an intset when every member is an integer and there are
    at most 512, whatever the encoding was."""
    out = {}
    for k, v in st.items():
        if isinstance(v, tuple):
            members, _, ttl = v
            enc = b"intset" if len(members) <= 512 and all(map(canonical_int, members)) \
                else b"hashtable"
            v = (members, enc, ttl)
        out[k] = v
    return out


def random_workload(c, seed, n=1500):
    rng = random.Random(seed)
    keys = ["s%d" % i for i in range(8)]

    def member():
        r = rng.random()
        if r < 0.5:
            return str(rng.randrange(-50, 300))
        if r < 0.6:
            return str(rng.randrange(-2 ** 63, 2 ** 63))
        return rng.choice(["a", "b", "c", "", "x y", "01", "\x00z"]) + str(rng.randrange(40))

    for _ in range(n):
        op = rng.randrange(14)
        k, k2, k3 = rng.choice(keys), rng.choice(keys), rng.choice(keys)
        if op < 4:
            args = ["SADD", k] + [member() for _ in range(rng.randrange(1, 80))]
        elif op == 4:
            args = ["SREM", k] + [member() for _ in range(rng.randrange(1, 20))]
        elif op == 5:
            args = ["SPOP", k]
        elif op == 6:
            args = ["SPOP", k, str(rng.choice([0, 1, 3, 30, 200, 1000]))]
        elif op == 7:
            args = ["SMOVE", k, k2, member()]
        elif op == 8:
            args = [rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), k, k2, k3]
        elif op == 9:
            args = ["EXPIRE", k, "1000"]
        elif op == 10:
            args = ["MULTI"]
            c.call(*args)
            for _ in range(3):
                c.call("SPOP", rng.choice(keys), "2")
                c.call("SADD", rng.choice(keys), member())
            args = ["EXEC"]
        elif op == 11:
            args = ["SELECT", str(rng.randrange(2))]
        elif op == 12:
            args = ["EVAL", "return redis.call('SPOP', KEYS[1])", "1", k]
        else:
            args = ["SADD", k] + [str(i) for i in range(rng.randrange(400, 700))]
        c.call(*args)
    c.call("SELECT", "0")


def test_aof_replay_rewrite_and_redis_loads_it(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    random_workload(c, 1)
    c.call("SADD", "big", *[str(i) for i in range(1000)])  # a hash table of integers
    c.call("SADD", "ints", *[str(i * 1000) for i in range(100)])
    c.call("SET", "str", "x")
    before = state(c)
    assert any(v[1] == b"intset" for v in before.values() if isinstance(v, tuple))
    assert any(v[1] == b"hashtable" for v in before.values() if isinstance(v, tuple))
    incr = aof_bytes(srv, "i")
    # random pops are never propagated as such
    assert b"SPOP" not in incr.upper()
    srv.restart()
    c = srv.raw()
    assert state(c) == before
    assert c.call("BGREWRITEAOF")
    wait_rewrite(c)
    base = aof_bytes(srv, "b")
    # SADD records of at most 64 members
    for m in re.finditer(rb"\*(\d+)\r\n\$4\r\nSADD\r\n", base):
        assert 3 <= int(m.group(1)) <= 66
    assert b"$4\r\nSADD\r\n$3\r\nbig\r\n" in base
    srv.restart()
    c = srv.raw()
    assert state(c) == rebuilt(before)
    srv.stop()
    out = subprocess.run([CHECK_AOF, os.path.join(aof_dir(srv), "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out
    red = redis_on_aof_of(make_server, srv)
    assert state(red.raw()) == rebuilt(before)


def test_pops_propagate_as_removals(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    c.call("SADD", "s", "only")
    assert c.call("SPOP", "s") == b"only"
    c.call("SADD", "t", *[str(i) for i in range(50)])
    popped = c.call("SPOP", "t", "5")
    c.call("SADD", "u", "a", "b")
    assert sorted(c.call("SPOP", "u", "10")) == [b"a", b"b"]
    assert c.call("SADD", "u", "a") == 1
    assert c.call("SADD", "u", "a") == 0  # changes nothing: not propagated
    assert c.call("SREM", "u", "zz") == 0
    assert c.call("SPOP", "u", "0") == []
    incr = aof_bytes(srv, "i")
    assert b"*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n$4\r\nonly\r\n" in incr
    srem_t = b"*7\r\n$4\r\nSREM\r\n$1\r\nt\r\n" + b"".join(
        b"$%d\r\n%s\r\n" % (len(m), m) for m in popped)
    assert srem_t in incr
    assert b"*2\r\n$3\r\nDEL\r\n$1\r\nu\r\n" in incr
    assert incr.count(b"$4\r\nSADD\r\n$1\r\nu\r\n") == 2  # the one that changed nothing is absent
    assert b"SREM\r\n$1\r\nu\r\n$2\r\nzz" not in incr


def test_big_spop_batches(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    c.call("SADD", "s", *["m%d" % i for i in range(3000)])
    assert len(c.call("SPOP", "s", "2500")) == 2500
    incr = aof_bytes(srv, "i")
    sizes = [int(m.group(1)) for m in re.finditer(rb"\*(\d+)\r\n\$4\r\nSREM\r\n", incr)]
    assert sizes == [1026, 1026, 454]
    assert b"MULTI" in incr  # one command, several records: a transaction
    before = state(c)
    srv.restart()
    assert state(srv.raw()) == before


def test_watch(server):
    c1, c2 = server.raw(), server.raw()
    c1.call("FLUSHALL")
    c1.call("SADD", "s", "a")
    for change, aborts in ((("SADD", "s", "a"), False), (("SREM", "s", "zz"), False),
                           (("SADD", "s", "b"), True), (("SREM", "s", "b"), True),
                           (("SPOP", "s", "0"), False), (("SMOVE", "nokey", "s", "a"), False),
                           (("SMOVE", "s", "s", "a"), False), (("SINTERSTORE", "s", "s"), True),
                           (("SISMEMBER", "s", "a"), False)):
        c1.call("WATCH", "s")
        c1.call("MULTI")
        c1.call("PING")
        c2.call(*change)
        got = c1.call("EXEC")
        assert (got is None) == aborts, change


def test_keysizes(server):
    c = server.raw()
    c.call("FLUSHALL")

    def line():
        for ln in c.call("INFO", "keysizes").decode().split("\r\n"):
            if ln.startswith("db0_distrib_sets_items:"):
                return ln.split(":", 1)[1]
        return None

    c.call("SADD", "s", "1", "2", "3")
    assert line() == "2=1"
    c.call("SADD", "s", "x")
    assert line() == "4=1"
    c.call("SREM", "s", "1", "2", "3")
    assert line() == "1=1"
    c.call("SADD", "t", *[str(i) for i in range(600)])
    assert line() == "1=1,512=1"
    c.call("SPOP", "t", "100")
    assert line() == "1=1,256=1"
    c.call("SMOVE", "s", "t", "x")
    assert line() == "256=1"
    c.call("SINTERSTORE", "u", "t", "t")
    assert line() == "256=2"
    c.call("SPOP", "t", "1000")
    c.call("DEL", "u")
    assert line() is None


def test_debug_reload_and_copy(server):
    c = server.raw()
    c.call("FLUSHALL")
    c.call("SADD", "i", "3", "1", "2")
    c.call("SADD", "h", "a", "b")
    c.call("SADD", "w", *[str(i) for i in range(20)])
    c.call("SREM", "w", *[str(i) for i in range(2, 20)])
    c.call("SADD", "w", "q")
    c.call("SREM", "w", "q")  # a hash table of two integers
    assert c.call("OBJECT", "ENCODING", "w") == b"hashtable"
    before = state(c)
    assert c.call("DEBUG", "RELOAD") == b"OK"
    after = state(c)
    # a small all-integer hash table comes back an intset, as in 7.0
    assert after.pop((0, b"w")) == (sorted([b"0", b"1"]), b"intset", False)
    before.pop((0, b"w"))
    assert after == before
    assert c.call("COPY", "h", "h2") == 1
    c.call("SADD", "h2", "c")
    assert sorted(c.call("SMEMBERS", "h")) == [b"a", b"b"]
    assert c.call("SCARD", "h2") == 3
    assert c.call("SMEMBERS", "i") == [b"1", b"2", b"3"]


def test_sscan_guarantees_under_changes(server):
    """Members present for the whole scan come back at least once while
    others are added and removed and the table grows and shrinks."""
    c = server.raw()
    c.call("FLUSHALL")
    stable = ["keep%d" % i for i in range(500)]
    c.call("SADD", "s", *stable)
    seen, cur, i = set(), b"0", 0
    while True:
        cur, got = c.call("SSCAN", "s", cur, "COUNT", "20")
        seen.update(got)
        i += 1
        if i % 2:
            c.call("SADD", "s", *["tmp%d_%d" % (i, j) for j in range(60)])
        else:
            c.call("SREM", "s", *["tmp%d_%d" % (i - 1, j) for j in range(60)])
        if cur == b"0":
            break
    assert {m.encode() for m in stable} <= seen


def test_huge_counts_and_lua_types(server):
    c = server.raw()
    c.call("FLUSHALL")
    c.call("SADD", "s", "1", "2")
    assert sorted(c.call("SRANDMEMBER", "s", "9223372036854775807")) == [b"1", b"2"]
    assert sorted(c.call("SPOP", "s", "9223372036854775807")) == [b"1", b"2"]
    assert c.call("EXISTS", "s") == 0
    c.call("SADD", "s", "x")
    assert c.call("SRANDMEMBER", "s", "-5") == [b"x"] * 5
    assert c.call("EVAL", "return redis.call('SMEMBERS', KEYS[1])", "1", "s") == [b"x"]
    assert isinstance(c.call("EVAL", "return redis.call('SADD', KEYS[1], 'y')", "1", "str0"), int)
    c.call("SET", "str", "v")
    got = c.call("EVAL", "return redis.pcall('SADD', KEYS[1], 'y')", "1", "str")
    assert isinstance(got, RespError) and b"WRONGTYPE" in got.message
