"""streamd replicating from streamd: the master side (repl.c) and the replica
side (replica.c) together.

The replica asks for `capa streamd`, so the full resync carries streamd's
own RDB types and the stream carries the 8.x records (IDMP, XNACK, XACKDEL,
XCFGSET) that a Redis 7.0 replica would skip: both servers must end with
the same data, idempotency state and pending lists. A replica serves
replicas of its own (chaining), and REPLICAOF NO ONE keeps the replica's
replication identity, so that its replica continues partially.
"""

import time

import pytest
import redis

from testlib import SLOW, streamd_only

pytestmark = streamd_only


def info(c):
    return c.info("replication")


def wait_for(cond, timeout=15):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def snapshot(c):
    out = {}
    for k in sorted(c.keys("*")):
        t = c.type(k)
        if t == b"string":
            out[k] = (t, c.get(k), c.pexpiretime(k))
        else:
            full = c.execute_command("XINFO", "STREAM", k, "FULL")
            d = dict(zip(full[::2], full[1::2]))
            for x in (b"radix-tree-keys", b"radix-tree-nodes"):
                d.pop(x, None)
            groups = d.pop(b"groups") or []
            gs = []
            for g in groups:
                gd = dict(zip(g[::2], g[1::2]))
                for cons in gd.get(b"consumers") or []:
                    for i in range(0, len(cons), 2):  # times move with the clock
                        if cons[i] in (b"seen-time", b"active-time"):
                            cons[i + 1] = 0
                gd[b"pending"] = [p[:2] + p[3:] if len(p) == 4 else p for p in gd[b"pending"]]
                for cons in gd.get(b"consumers") or []:
                    for i in range(0, len(cons), 2):
                        if cons[i] == b"pending":
                            cons[i + 1] = [p[:1] + p[2:] for p in cons[i + 1]]
                gs.append(sorted(gd.items()))
            out[k] = (t, sorted(d.items()), gs, c.xrange(k))
    return out


def test_streamd_replica_of_streamd(make_server):
    master = make_server()
    replica = make_server()
    m, r = master.client(), replica.client()
    m.set("before", "sync", px=500000)
    m.execute_command("XADD", "orders", "IDMP", "p1", "i1", "*", "f", "1")
    m.xgroup_create("orders", "g", id="0")
    assert r.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    wait_for(lambda: info(r).get("master_link_status") == "up")
    # the 8.x stream surface through the live stream
    m.execute_command("XADD", "orders", "IDMP", "p1", "i1", "*", "f", "dup")  # a duplicate
    m.execute_command("XADD", "orders", "IDMP", "p1", "i2", "*", "f", "2")
    m.execute_command("XCFGSET", "orders", "IDMP-DURATION", "600")
    m.execute_command("XADD", "orders", "IDMPAUTO", "p2", "*", "f", "3")
    got = m.execute_command("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "orders", ">")
    ids = [e[0] for e in got[0][1]]
    m.execute_command("XNACK", "orders", "g", "FAIL", "IDS", 1, ids[0])
    m.execute_command("XACKDEL", "orders", "g", "IDS", 1, ids[1])
    m.set("cas", "v1")
    m.execute_command("SET", "cas", "v2", "IFEQ", "v1")
    m.execute_command("MSETEX", 2, "a", "1", "b", "2", "PX", 600000)
    m.execute_command("SELECT", 3)
    m.execute_command("SELECT", 0)
    assert m.execute_command("WAIT", 1, 5000) == 1
    wait_for(lambda: info(r)["slave_repl_offset"] == info(m)["master_repl_offset"])
    assert snapshot(r) == snapshot(m)
    assert r.execute_command("XINFO", "STREAM", "orders")[
        r.execute_command("XINFO", "STREAM", "orders").index(b"iids-duplicates") + 1] == 1
    # writes are refused on the replica; a third server chains to it
    with pytest.raises(redis.exceptions.ReadOnlyError):
        r.set("x", 1)
    third = make_server()
    t = third.client()
    t.execute_command("REPLICAOF", "127.0.0.1", replica.port)
    wait_for(lambda: info(t).get("master_link_status") == "up")
    wait_for(lambda: info(t)["slave_repl_offset"] == info(m)["master_repl_offset"])
    assert snapshot(t) == snapshot(m)
    assert info(t)["master_replid"] == info(m)["master_replid"]
    # promotion: the master side takes the replica's identity and offset
    old_master_id = info(m)["master_replid"]
    offset = info(r)["slave_repl_offset"]
    assert r.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    i = info(r)
    assert i["role"] == "master" and i["master_replid2"] == old_master_id
    assert i["second_repl_offset"] == offset + 1 and i["master_repl_offset"] == offset
    assert r.set("x", 1) is True
    # its replica was closed to learn the new ID, and continues partially
    wait_for(lambda: info(t).get("master_link_status") == "up"
             and info(t)["master_replid"] == i["master_replid"])
    stats = r.info("stats")
    assert stats["sync_partial_ok"] == 1 and stats["sync_full"] == 1
    assert r.execute_command("WAIT", 1, 5000) == 1
    wait_for(lambda: info(t)["slave_repl_offset"] == info(r)["master_repl_offset"])
    assert snapshot(t) == snapshot(r)
