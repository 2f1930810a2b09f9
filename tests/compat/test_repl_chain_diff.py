"""Chained replication, failover and diskless sync, streamd against
redis-server 7.0 (src/server/repl.c and replica.c).

Each scenario runs twice: once with streamd at the positions under test and
once with Debian's redis-server 7.0 everywhere (the oracle), and what the
two runs observe must be the same: the data on every node (strings, and
streams with their consumer groups, compared through XINFO STREAM FULL and
XPENDING without times), which nodes share a replication ID, and the
sync_full / sync_partial_ok / sync_partial_err counts of every node, which
tell full resynchronisations from partial ones.

- chain: top -> middle -> bottom, the bottom joining while the top's stream
  has database 1 selected (the middle's RDB must say so: repl-stream-db),
  then the bottom's link dropped (it continues partially from the middle's
  backlog), the middle's link dropped (it continues from the top; the
  bottom stays connected), and the middle promoted (the bottom continues
  with its new ID); and the middle's backlog passed while the bottom is
  away (a full resync).
- failover: a master M with replicas A and B; A promoted (REPLICAOF NO ONE),
  B and then M re-pointed to A, then the reverse (M promoted again).
- diskless: the EOF-marked payload, repl-diskless-sync-delay and
  repl-diskless-sync-max-replicas, the disk-based bulk, and the configs.

Every node runs with a long repl-ping-replica-period: a PING written into a
master's stream after a replica's promotion would move the old master past
the point where the promoted one's history forked, and both servers would
then (rightly) answer a full resync.
"""

import time

import pytest

from testlib import IS_REDIS, wait_for

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd and redis-server 7.0 in one setup")

COMMON = ["--repl-ping-replica-period", "3600", "--repl-diskless-sync-delay", "0"]
STATS = ("sync_full", "sync_partial_ok", "sync_partial_err")


def info(c, section="replication"):
    return c.info(section)


def start(make_server, kind, master=None, args=()):
    extra = list(COMMON) + list(args)
    if master is not None:
        extra += ["--replicaof", "127.0.0.1", str(master.port)]
    return make_server(kind=kind, args=extra)


def link_up(node, master):
    c = node.client(decode_responses=True)
    try:
        wait_for(lambda: info(c).get("master_link_status") == "up"
                 and info(c).get("master_port") == master.port,
                 "%s link up to %s" % (node.kind, master.kind))
    finally:
        c.close()


def synced(top, *nodes):
    """Waits until every node applied the top's whole stream."""
    t = top.client(decode_responses=True)
    cs = [n.client(decode_responses=True) for n in nodes]
    try:
        def done():
            off = info(t)["master_repl_offset"]
            return all(info(c).get("master_link_status") == "up"
                       and info(c)["slave_repl_offset"] == off for c in cs)
        wait_for(done, "replicas reach the master's offset")
    finally:
        t.close()
        for c in cs:
            c.close()


def stream_view(c, key, counters):
    """XINFO STREAM FULL without times. counters: the groups' entries-read
    and lag too, which 7.0's own chain does not keep (its sub-replica, from
    the middle's RDB, differs from its master in them), so they are compared
    only between streamd nodes."""
    full = c.execute_command("XINFO", "STREAM", key, "FULL")
    d = dict(zip(full[::2], full[1::2]))
    out = {k: d.get(k) for k in (b"length", b"last-generated-id", b"max-deleted-entry-id",
                                 b"entries-added", b"recorded-first-entry-id", b"entries")}
    groups = []
    for g in d[b"groups"]:
        gd = dict(zip(g[::2], g[1::2]))
        consumers = sorted(
            (cd[b"name"], cd[b"pel-count"], [(p[0], p[2]) for p in cd[b"pending"]])
            for cd in (dict(zip(x[::2], x[1::2])) for x in gd[b"consumers"]))
        groups.append((gd[b"name"], gd[b"last-delivered-id"],
                       (gd[b"entries-read"], gd[b"lag"]) if counters else None, gd[b"pel-count"], [(p[0], p[1], p[3]) for p in gd[b"pending"]],
                       consumers))
        out[b"xpending:" + gd[b"name"]] = c.execute_command("XPENDING", key, gd[b"name"])
    out[b"groups"] = sorted(groups)
    return out


def dataset(node, counters=False):
    c = node.client()
    out = {}
    try:
        for db in (0, 1):
            c.execute_command("SELECT", db)
            for k in sorted(c.keys("*")):
                t = c.type(k)
                out[(db, k)] = (t, c.get(k) if t == b"string" else stream_view(c, k, counters))
    finally:
        c.close()
    return out


def stats(node):
    c = node.client(decode_responses=True)
    try:
        s = info(c, "stats")
        return tuple(s[k] for k in STATS)
    finally:
        c.close()


def replid(node):
    c = node.client(decode_responses=True)
    try:
        return info(c)["master_replid"]
    finally:
        c.close()


def orders(c, stream, base, n):
    """Order-pipeline writes with explicit IDs (the same in both runs)."""
    for i in range(n):
        c.xadd(stream, {"order": str(base + i), "qty": str(i % 4)}, id="%d-1" % (base + i))


def workload_a(c):
    c.set("s0", "zero")
    orders(c, "orders", 1, 12)
    c.xgroup_create("orders", "billing", id="0")
    c.xgroup_create("orders", "shipping", id="0")
    c.xreadgroup("billing", "b1", {"orders": ">"}, count=5)
    c.xreadgroup("shipping", "s1", {"orders": ">"}, count=2)
    c.xack("orders", "billing", "1-1", "2-1")
    p = c.pipeline(transaction=True)
    p.xadd("orders", {"order": "tx"}, id="100-1")
    p.incr("ctr")
    p.execute()
    c.execute_command("SELECT", 1)
    orders(c, "audit", 1, 3)
    c.set("s1", "one")


def workload_b(c, base):
    """Writes on a connection whose database is 1 (no SELECT in the stream
    when the master's stream already has 1 selected)."""
    orders(c, "audit", base, 3)
    c.set("s1", "one-%d" % base)
    c.execute_command("SELECT", 0)
    orders(c, "orders", base, 4)
    c.xreadgroup("billing", "b2", {"orders": ">"}, count=3)
    c.xclaim("orders", "shipping", "s2", 0, ["1-1"])
    c.execute_command("XGROUP", "CREATECONSUMER", "orders", "billing", "b-%d" % base)
    c.incr("ctr")
    c.execute_command("SELECT", 1)


def kill(node, type_):
    c = node.client()
    try:
        return c.execute_command("CLIENT", "KILL", "TYPE", type_)
    finally:
        c.close()


def run_chain(make_server, kinds):
    top = start(make_server, kinds[0])
    w = top.client()
    workload_a(w)  # leaves w (and the top's stream) in database 1
    mid = start(make_server, kinds[1], top)
    link_up(mid, top)
    synced(top, mid)
    workload_b(w, 200)
    synced(top, mid)
    bottom = start(make_server, kinds[2], mid)
    link_up(bottom, mid)
    orders(w, "audit", 300, 2)  # the stream goes on in database 1, no SELECT
    synced(top, mid, bottom)
    obs = {"after-join": [dataset(n) for n in (top, mid, bottom)]}
    mc = mid.client(decode_responses=True)
    mi = info(mc)
    obs["mid-backlog"] = mi["repl_backlog_active"]
    # INFO replication of a replica with a replica: 7.0's fields in 7.0's
    # order (streamd's own replica_* counts after them)
    obs["mid-info"] = ([k for k in mi if not k.startswith("replica_")],
                       {k: v for k, v in mi["slave0"].items() if k in ("state", "ip")},
                       mi["connected_slaves"])
    obs["ids"] = len({replid(n) for n in (top, mid, bottom)})
    # the bottom's link drops: it continues from the middle's backlog
    assert kill(mid, "replica") == 1
    wait_for(lambda: stats(mid)[1] == 1, "the bottom continues partially")
    workload_b(w, 400)
    synced(top, mid, bottom)
    # the middle's link drops: it continues from the top, the bottom stays
    assert kill(mid, "master") == 1
    wait_for(lambda: stats(top)[1] == 1, "the middle continues partially")
    workload_b(w, 500)
    synced(top, mid, bottom)
    obs["end"] = [dataset(n) for n in (top, mid, bottom)]
    obs["stats"] = [stats(n) for n in (top, mid, bottom)]
    obs["ids-end"] = len({replid(n) for n in (top, mid, bottom)})
    if set(kinds) == {"streamd"}:
        exact = [dataset(n, counters=True) for n in (top, mid, bottom)]
        assert exact[0] == exact[1] == exact[2]
    for d in obs["after-join"] + obs["end"]:
        assert d  # not vacuous
    assert obs["after-join"][0] == obs["after-join"][2]
    assert obs["end"][0] == obs["end"][1] == obs["end"][2]
    # the middle promoted: the bottom learns the new ID and continues
    assert mc.execute_command("REPLICAOF", "NO", "ONE") == "OK"
    new_id = replid(mid)
    bc = bottom.client(decode_responses=True)
    wait_for(lambda: info(bc)["master_link_status"] == "up" and replid(bottom) == new_id,
             "the bottom follows the promoted middle")
    mw = mid.client()
    workload_b(mw, 600)
    synced(mid, bottom)
    obs["promoted"] = [stats(n) for n in (mid, bottom)], dataset(bottom)
    assert dataset(mid) == obs["promoted"][1]
    bc.close()
    mw.close()
    mc.close()
    w.close()
    return obs


@pytest.mark.parametrize("kinds", [("streamd", "streamd", "redis"),
                                   ("redis", "streamd", "redis"),
                                   ("redis", "redis", "streamd"),
                                   ("streamd", "streamd", "streamd")])
def test_chain(make_server, kinds):
    got = run_chain(make_server, kinds)
    want = run_chain(make_server, ("redis", "redis", "redis"))
    assert got["stats"] == want["stats"]
    assert got["stats"][1] == (1, 1, 0)  # the middle: one full, one partial
    assert got["mid-backlog"] == want["mid-backlog"] == 1
    assert got["mid-info"] == want["mid-info"]
    assert got["ids"] == got["ids-end"] == 1
    assert got["end"] == want["end"]
    assert got["after-join"] == want["after-join"]
    assert want["promoted"][0][0] == (1, 2, 0)  # the bottom's third sync: partial
    assert got["promoted"] == want["promoted"]


def run_backlog_overflow(make_server, kinds):
    """The middle's backlog (repl-backlog-size 16kb) is passed while the
    bottom is away: the bottom's PSYNC then gets a full resync."""
    top = start(make_server, kinds[0])
    mid = start(make_server, kinds[1], top, args=["--repl-backlog-size", "16kb"])
    link_up(mid, top)
    bottom = start(make_server, kinds[2], mid)
    link_up(bottom, mid)
    w = top.client()
    workload_a(w)
    synced(top, mid, bottom)
    asleep = bottom.raw()
    asleep.send_cmd("DEBUG", "SLEEP", 2)  # the bottom cannot reconnect meanwhile
    time.sleep(0.2)  # not a pass/fail wait: lets the DEBUG SLEEP start
    assert kill(mid, "replica") == 1
    p = w.pipeline(transaction=False)
    for i in range(400):
        p.set("big:%d" % i, "x" * 100)
    p.execute()
    assert asleep.read() == b"OK"
    synced(top, mid, bottom)
    out = [stats(n) for n in (top, mid, bottom)], [dataset(n) for n in (top, mid, bottom)]
    assert out[1][0] == out[1][1] == out[1][2]
    w.close()
    return out


@pytest.mark.parametrize("kinds", [("redis", "streamd", "redis"),
                                   ("streamd", "streamd", "streamd")])
def test_chain_backlog_overflow(make_server, kinds):
    got = run_backlog_overflow(make_server, kinds)
    want = run_backlog_overflow(make_server, ("redis", "redis", "redis"))
    assert want[0][1] == (2, 0, 1)  # the middle: two full syncs, one refused PSYNC
    assert got == want


def run_failover(make_server, kinds):
    """kinds: M (the first master), A (promoted), B (the other replica)."""
    m = start(make_server, kinds[0])
    w = m.client()
    workload_a(w)
    w.execute_command("SELECT", 0)
    a = start(make_server, kinds[1], m)
    b = start(make_server, kinds[2], m)
    link_up(a, m)
    link_up(b, m)
    workload_b(w, 200)
    synced(m, a, b)
    old_id = replid(m)
    obs = {}
    ac, bc, mc = a.client(), b.client(), m.client()
    # failover to A: B and then the old master follow it, partially
    assert ac.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    ia = info(ac)
    obs["a-promoted"] = (ia["role"], ia["master_replid2"] == old_id,
                         ia["second_repl_offset"] == ia["master_repl_offset"] + 1)
    assert bc.execute_command("REPLICAOF", "127.0.0.1", a.port) == b"OK"
    link_up(b, a)
    aw = a.client()
    orders(aw, "orders", 800, 3)  # the new master takes writes
    aw.xreadgroup("shipping", "s9", {"orders": ">"}, count=2)
    aw.execute_command("SELECT", 1)
    assert mc.execute_command("REPLICAOF", "127.0.0.1", a.port) == b"OK"
    link_up(m, a)
    workload_b(aw, 850)
    synced(a, m, b)
    obs["after-failover"] = [dataset(n) for n in (m, a, b)]
    obs["stats-a"] = stats(a)
    obs["ids"] = len({replid(n) for n in (m, a, b)})
    # and back: M promoted again, A and B follow it
    assert mc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert ac.execute_command("REPLICAOF", "127.0.0.1", m.port) == b"OK"
    assert bc.execute_command("REPLICAOF", "127.0.0.1", m.port) == b"OK"
    link_up(a, m)
    link_up(b, m)
    mw = m.client()
    workload_b(mw, 950)
    synced(m, a, b)
    obs["end"] = [dataset(n) for n in (m, a, b)]
    obs["stats-m"] = stats(m)
    if set(kinds) == {"streamd"}:
        exact = [dataset(n, counters=True) for n in (m, a, b)]
        assert exact[0] == exact[1] == exact[2]
    assert obs["end"][0] == obs["end"][1] == obs["end"][2]
    assert obs["after-failover"][0] == obs["after-failover"][1] == obs["after-failover"][2]
    for c in (ac, bc, mc, aw, mw, w):
        c.close()
    return obs


@pytest.mark.parametrize("kinds", [("redis", "streamd", "redis"),
                                   ("streamd", "redis", "streamd"),
                                   ("streamd", "streamd", "streamd")])
def test_failover(make_server, kinds):
    got = run_failover(make_server, kinds)
    want = run_failover(make_server, ("redis", "redis", "redis"))
    assert got["a-promoted"] == want["a-promoted"] == ("master", True, True)
    # no full resync after the failovers: B and M continue, then A and B
    assert want["stats-a"] == (0, 2, 0)
    assert got["stats-a"] == want["stats-a"]
    assert got["stats-m"] == want["stats-m"]
    assert got["ids"] == 1
    assert got["after-failover"] == want["after-failover"]
    assert got["end"] == want["end"]


def test_replica_refusals(make_server):
    """WAIT on a replica, PSYNC to a replica whose link is down, and
    min-replicas-to-write (which gates only a master's writes)."""
    got = []
    for kind in ("streamd", "redis"):
        m = start(make_server, "redis")
        r = start(make_server, kind, m, args=["--min-replicas-to-write", "1",
                                              "--replica-read-only", "no"])
        link_up(r, m)
        c = r.raw()
        out = [c.call("WAIT", 0, 0), c.call("SET", "local", "1")]
        m.stop()
        rc = r.client(decode_responses=True)
        wait_for(lambda: info(rc)["master_link_status"] == "down", "link down")
        out.append(c.call("PSYNC", "?", "-1"))
        got.append(out)
    assert got[0] == got[1]
    assert got[0][2].message.startswith(b"NOMASTERLINK")


# ---- diskless sync ---------------------------------------------------------

def test_diskless_payload_to_redis_replica(make_server):
    """A 7.0 replica (capa eof) gets the EOF-marked payload; with
    repl-diskless-sync no, the length-prefixed one."""
    for diskless, said in (("yes", "EOF"), ("no", "bytes from master to disk")):
        m = start(make_server, "streamd", args=["--repl-diskless-sync", diskless])
        w = m.client()
        workload_a(w)
        r = start(make_server, "redis", m)
        link_up(r, m)
        workload_b(w, 200)
        synced(m, r)
        assert dataset(r) == dataset(m)
        wait_for(lambda: said in r.log(), "the replica's log says how it received")
        target = "replicas sockets" if diskless == "yes" else "disk"
        assert "with target: %s" % target in m.log()


def test_diskless_delay_and_max_replicas(make_server):
    """Diskless syncs wait repl-diskless-sync-delay seconds for more
    replicas, or until repl-diskless-sync-max-replicas are waiting."""
    for kind in ("streamd", "redis"):
        m = start(make_server, kind, args=["--repl-diskless-sync-delay", "2"])
        workload_a(m.client())
        t0 = time.monotonic()
        r = start(make_server, "redis", m)
        link_up(r, m)
        assert time.monotonic() - t0 >= 2.0, kind  # held for the delay
        # a long delay, cut short by the second replica of two
        m2 = start(make_server, kind, args=["--repl-diskless-sync-delay", "3600",
                                            "--repl-diskless-sync-max-replicas", "2"])
        workload_a(m2.client())
        r1 = start(make_server, "redis", m2)
        mc = m2.client(decode_responses=True)
        wait_for(lambda: info(mc).get("connected_slaves") == 1, "first replica waiting")
        time.sleep(0.3)  # not a pass/fail wait: gives the sync a chance to start too early
        assert info(r1.client(decode_responses=True))["master_link_status"] == "down", kind
        r2 = start(make_server, "streamd", m2)
        link_up(r1, m2)
        link_up(r2, m2)
        synced(m2, r1, r2)
        assert dataset(r1) == dataset(m2) == dataset(r2)
        assert stats(m2) == (2, 0, 0)


def test_diskless_configs(make_server):
    s = make_server(kind="streamd").client(decode_responses=True)
    r = make_server(kind="redis").client(decode_responses=True)
    names = ("repl-diskless-sync", "repl-diskless-sync-delay",
             "repl-diskless-sync-max-replicas", "repl-diskless-load")
    for c in (s, r):  # the defaults (the test harness sets the delay to 0)
        c.config_set("repl-diskless-sync-delay", "5")
    assert s.config_get("repl-diskless*") == r.config_get("repl-diskless*")
    assert s.config_get("repl-diskless*")["repl-diskless-load"] == "disabled"
    for name, value in (("repl-diskless-load", "swapdb"), ("repl-diskless-load", "on-empty-db"),
                        ("repl-diskless-load", "bogus"), ("repl-diskless-sync", "maybe"),
                        ("repl-diskless-sync-delay", "-1"),
                        ("repl-diskless-sync-max-replicas", "3"), ("repl-diskless-sync", "no")):
        got = []
        for c in (s, r):
            try:
                got.append(c.config_set(name, value))
            except Exception as e:  # the error text compared
                got.append(str(e))
        assert got[0] == got[1], (name, value, got)
    assert s.config_get("repl-diskless*") == r.config_get("repl-diskless*")


@pytest.mark.parametrize("load", ["disabled", "on-empty-db", "swapdb"])
def test_streamd_replica_diskless_load(make_server, load):
    """Every repl-diskless-load setting takes a diskless payload (streamd
    keeps it in memory in all three) and a re-sync replaces the data."""
    m = start(make_server, "redis", args=["--repl-diskless-sync", "yes"])
    w = m.client()
    workload_a(w)
    s = start(make_server, "streamd", m, args=["--repl-diskless-load", load])
    link_up(s, m)
    synced(m, s)
    assert dataset(s) == dataset(m)
    # a full resync over existing data: the old keys go
    sc = s.client()
    sc.execute_command("REPLICAOF", "NO", "ONE")
    sc.set("stale", "x")
    w.execute_command("SELECT", 0)
    w.set("fresh", "y")
    sc.execute_command("REPLICAOF", "127.0.0.1", m.port)
    link_up(s, m)
    synced(m, s)
    assert sc.get("stale") is None and sc.get("fresh") == b"y"
    assert dataset(s) == dataset(m)
