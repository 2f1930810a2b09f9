"""DUMP and RESTORE within streamd: restored keys surviving an AOF restart and
rewrite, streams with idempotent producers and XNACKed entries (Redis 8.8's
type 27; tests/integration/test_dump_stream_v4v5.py has the details),
random streams round-tripped, and
the command's propagation (relative TTLs become absolute, an expired RESTORE
with REPLACE becomes DEL). tests/compat/test_dump_restore_diff.py holds the
comparisons with redis-server 7.0.
"""

import os
import random
import time

import pytest

from testlib import IS_REDIS, SLOW, redis_on_aof_of
from testlib.dumppayload import decode, seal
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's own DUMP payloads and AOF")


def pairs(lst):
    return {bytes(lst[i]): lst[i + 1] for i in range(0, len(lst), 2)}


def state(c, key):
    """What a client sees of a stream key, with node layout left out."""
    full = pairs(c.call("XINFO", "STREAM", key, "FULL"))
    for k in (b"radix-tree-keys", b"radix-tree-nodes"):
        full.pop(k, None)
    groups = full.get(b"groups") or []
    out = [c.call("TYPE", key), c.call("XRANGE", key, "-", "+"), sorted(full.items())]
    for g in groups:
        name = pairs(g)[b"name"]
        out.append(c.call("XPENDING", key, name, "-", "+", 10000))
    return out


def strip_times(v):
    """Consumers' seen/active times: a replayed AOF rewrite sets them to the
    time of the replay (Redis's rewrite does not keep them either)."""
    if isinstance(v, list):
        out = []
        i = 0
        while i < len(v):
            if v[i] in (b"seen-time", b"active-time") and i + 1 < len(v):
                out += [v[i], "t"]
                i += 2
                continue
            out.append(strip_times(v[i]))
            i += 1
        return out
    if isinstance(v, tuple):
        return tuple(strip_times(x) for x in v)
    return v


def strip_idle(v):
    """XPENDING rows carry idle times that move with the clock."""
    return [[r[0], r[1], r[3]] if isinstance(r, list) and len(r) == 4 else r for r in v]


def roundtrip(c, key, dest):
    p = c.call("DUMP", key)
    assert c.call("RESTORE", dest, "0", p, "REPLACE") == b"OK"
    a, b = state(c, key), state(c, dest)
    assert a[:3] == b[:3]
    assert [strip_idle(x) for x in a[3:]] == [strip_idle(x) for x in b[3:]]
    return p


def test_empty_field_names_and_values(raw):
    """Empty field names and values (the master entry's only field empty):
    DUMP once passed a null pointer for the empty bytes to memcpy, which
    the sanitizer build stops on (cmd_fuzz seed 20261131). SAVE + DEBUG
    RELOAD writes the same listpacks."""
    c = raw()
    c.call("XADD", "s", "1-1", "", "")
    c.call("XADD", "s", "1-2", "", "v")
    c.call("XADD", "s", "1-3", "f", "")
    roundtrip(c, "s", "copy")
    c.call("XADD", "only", "1-1", "", "v")
    roundtrip(c, "only", "copy2")
    before = [state(c, k) for k in ("s", "only")]
    assert c.call("DEBUG", "RELOAD") == b"OK"
    assert [state(c, k) for k in ("s", "only")] == before


def test_idmp_and_nack_use_type_27(raw):
    c = raw()
    ids = [c.call("XADD", "s", "IDMP", "prod%d" % (i % 3), "iid%d" % i, "*", "f", str(i))
           for i in range(30)]
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "10", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "STREAMS", "s", ">")
    assert c.call("XNACK", "s", "g", "FAIL", "IDS", "3", ids[7], ids[3], ids[12]) == 3
    assert c.call("XNACK", "s", "g", "FATAL", "IDS", "1", ids[1]) == 1
    p = roundtrip(c, "s", "s2")
    d = decode(p)
    assert (d["type"], d["version"]) == (27, 14)
    assert d["value"]["groups"][0]["nacked"] == [tuple(map(int, ids[i].split(b"-")))
                                                 for i in (7, 3, 12, 1)]
    full = pairs(c.call("XINFO", "STREAM", "s2", "FULL"))
    assert full[b"iids-tracked"] == 30 and pairs(full[b"groups"][0])[b"nacked-count"] == 4
    # The idempotency records came along: a duplicate is recognised.
    assert c.call("XADD", "s2", "IDMP", "prod1", "iid1", "*", "f", "x") == ids[1]
    # Released entries are claimed first, in release order.
    for key in ("s", "s2"):
        got = c.call("XREADGROUP", "GROUP", "g", "carol", "COUNT", "3", "CLAIM", "0",
                     "STREAMS", key, ">")
        assert [e[0] for e in got[0][1]] == [ids[7], ids[3], ids[12]], key


def test_plain_stream_uses_type_21(raw):
    c = raw()
    c.call("XADD", "s", "1-1", "a", "1")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    p = roundtrip(c, "s", "d")
    d = decode(p)
    assert d["type"] == 21 and d["version"] == 11
    assert d["value"]["groups"][0]["consumers"][0]["pel"] == [(1, 1)]


def random_stream(c, key, rnd):
    ids = []
    ms = rnd.randrange(1, 1000)
    for i in range(rnd.randrange(0, 400)):
        ms += rnd.choice([0, 0, 1, 5, 1000])
        eid = c.call("XADD", key, "%d-*" % ms, *sum(
            ([rnd.choice("abcd"), rnd.choice(["1", "-3", "x" * rnd.randrange(0, 80), "99999999999"])]
             for _ in range(rnd.randrange(1, 4))), []))
        ids.append(eid)
    if not ids:
        c.call("XADD", key, "MAXLEN", "0", "1-1", "x", "y")
    for eid in rnd.sample(ids, min(len(ids), rnd.randrange(0, 40))):
        c.call("XDEL", key, eid)
    if rnd.random() < 0.3 and ids:
        c.call("XTRIM", key, "MAXLEN", rnd.choice(["~", "="]), str(rnd.randrange(0, len(ids))))
    for g in range(rnd.randrange(0, 4)):
        c.call("XGROUP", "CREATE", key, "g%d" % g, rnd.choice(["0", "$", ids[len(ids) // 2] if ids else "0"]))
        for cons in range(rnd.randrange(0, 4)):
            c.call("XREADGROUP", "GROUP", "g%d" % g, "c%d" % cons, "COUNT", str(rnd.randrange(1, 50)),
                   "STREAMS", key, ">")
        if ids and rnd.random() < 0.5:
            c.call("XACK", key, "g%d" % g, *rnd.sample(ids, min(10, len(ids))))
        if rnd.random() < 0.3:
            c.call("XGROUP", "CREATECONSUMER", key, "g%d" % g, "idle")


def test_random_streams_round_trip(raw):
    c = raw()
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    for n in range(25):
        key = "r%d" % n
        random_stream(c, key, rnd)
        try:
            roundtrip(c, key, key + "-copy")
        except AssertionError as e:
            raise AssertionError("seed %d stream %d: %s" % (seed, n, e))
    # Node limits of the restoring server do not change the contents.
    c.call("CONFIG", "SET", "stream-node-max-entries", "7")
    for n in range(0, 25, 5):
        roundtrip(c, "r%d" % n, "r%d-small" % n)


def test_restore_propagation_survives_restart_and_rewrite(make_server):
    srv = make_server(["--appendonly", "yes"])
    c = srv.raw()
    c.call("SET", "src", "hello")
    ids = [c.call("XADD", "st", "IDMP", "p", "i%d" % i, "*", "f", str(i)) for i in range(50)]
    c.call("XGROUP", "CREATE", "st", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "x", "COUNT", "5", "STREAMS", "st", ">")
    assert c.call("XNACK", "st", "g", "FAIL", "IDS", "1", ids[2]) == 1
    ps, pst = c.call("DUMP", "src"), c.call("DUMP", "st")
    assert c.call("RESTORE", "s1", "100000", ps) == b"OK"
    assert c.call("RESTORE", "s2", "0", ps, "IDLETIME", "50") == b"OK"
    assert c.call("RESTORE", "st2", "0", pst) == b"OK"
    c.call("SET", "old", "v")
    assert c.call("RESTORE", "old", "1", ps, "ABSTTL", "REPLACE") == b"OK"
    deadline = c.call("PEXPIRETIME", "s1")
    before = state(c, "st2")
    c.close()
    srv.restart()
    c = srv.raw()
    assert c.call("GET", "s1") == b"hello" and c.call("PEXPIRETIME", "s1") == deadline
    assert c.call("GET", "s2") == b"hello" and c.call("TTL", "s2") == -1
    assert c.call("EXISTS", "old") == 0
    after = state(c, "st2")
    # (a type 27 payload goes to the AOF as the commands that rebuild the
    # key: consumers' times are those of the replay)
    assert strip_times(after[:3]) == strip_times(before[:3])
    aof = open(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.1.incr.aof"), "rb").read()
    assert b"ABSTTL" in aof and b"RESTORE" in aof and b"XNACK" in aof
    c.call("BGREWRITEAOF")
    for _ in range(int(200 * SLOW)):
        info = bytes(c.call("INFO", "persistence")).decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            break
        time.sleep(0.05)
    c.close()
    srv.restart()
    c = srv.raw()
    assert strip_times(state(c, "st2")[:3]) == strip_times(before[:3])


def test_bad_payloads_change_nothing(raw):
    c = raw()
    c.call("XADD", "s", "1-1", "a", "b")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    good = c.call("DUMP", "s")
    c.call("SET", "k", "keep")
    body = bytearray(good[:-10])
    rnd = random.Random(3)
    for i in range(500):
        b = bytearray(body)
        op = rnd.randrange(3)
        if op == 0:
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        elif op == 1:
            del b[rnd.randrange(len(b)):]
        else:
            pos = rnd.randrange(len(b))
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 5)))
        r = c.call("RESTORE", "k", "0", seal(b, 11), "REPLACE")
        if isinstance(r, RespError):
            assert str(r) == "ERR Bad data format"
            assert c.call("GET", "k") == b"keep"
        else:
            c.call("SET", "k", "keep")
    assert c.call("PING") == b"PONG"


def test_aof_with_restores_loads_in_redis7(make_server):
    """RESTOREs of payloads 7.0 reads stay RESTOREs in the AOF; a type 21
    stream goes out as the commands that rebuild it: Redis 7 loads the
    file and sees the same keys."""
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("SET", "src", "v" * 100)
    for i in range(1, 300):
        c.call("XADD", "st", "%d-1" % i, "f", str(i), "g", "x")
    c.call("XDEL", "st", "5-1")
    c.call("XGROUP", "CREATE", "st", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "7", "STREAMS", "st", ">")
    c.call("XGROUP", "CREATECONSUMER", "st", "g", "bob")
    ps, pst = c.call("DUMP", "src"), c.call("DUMP", "st")
    assert pst[0] == 21
    c.call("SET", "st2", "old")
    assert c.call("RESTORE", "s1", "100000", ps) == b"OK"
    assert c.call("RESTORE", "st2", "200000", pst, "REPLACE") == b"OK"
    before = {k: (c.call("DUMP", k), c.call("PEXPIRETIME", k)) for k in (b"s1", b"st2")}
    xr = c.call("XRANGE", "st2", "-", "+")
    pend = c.call("XPENDING", "st2", "g", "-", "+", 100)
    c.close()
    red = redis_on_aof_of(make_server, srv)
    rc = red.raw()
    assert rc.call("GET", "s1") == b"v" * 100
    assert rc.call("PEXPIRETIME", "s1") == before[b"s1"][1]
    assert rc.call("PEXPIRETIME", "st2") == before[b"st2"][1]
    assert rc.call("XRANGE", "st2", "-", "+") == xr
    assert [p[0:2] + p[3:] for p in rc.call("XPENDING", "st2", "g", "-", "+", 100)] == \
        [p[0:2] + p[3:] for p in pend]
    rc.close()
