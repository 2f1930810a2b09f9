"""FAILOVER (Redis 6.2's coordinated failover) and LOLWUT, streamd against
redis-server 7.0 (src/server/repl.c, replica.c, src/cmd/lolwut.c).

Each failover scenario runs with streamd at the positions under test and
again with Debian's redis-server 7.0 everywhere (the oracle); what the two
runs observe must be the same: the replies (errors included), INFO
replication's master_failover_state as it moves, the roles afterwards, the
sync_full / sync_partial_ok / sync_partial_err counts of every node, how
many replication IDs the nodes hold, and the data (strings, streams with
their consumer groups).

- handover: a master M with replicas A and B (B a Redis when streamd is M):
  FAILOVER's argument errors; FAILOVER TO A (M becomes A's replica,
  continuing partially; B stays M's replica and continues with the new ID);
  B re-pointed to A; then FAILOVER without TO from A, which picks the first
  replica (in connection order) that acknowledged A's offset.
- PSYNC ... FAILOVER sent by hand to a master and to a replica (errors).
- hold: M with one replica A, stopped (SIGSTOP) so that it cannot catch up:
  waiting-for-sync with a write held (and released by FAILOVER ABORT), a
  second FAILOVER and REPLICAOF refused meanwhile; TIMEOUT aborting; TIMEOUT
  with FORCE failing over anyway; a target refusing PSYNC (ACL -psync)
  aborting the failover in progress, M a master again with a new ID and A
  continuing from it; a handover completing while a write is held (it then
  gets READONLY) and a reader is blocked (UNBLOCKED).

LOLWUT's art is random in Redis past the first two rows of squares; those
drawings are compared byte for byte, the others by their shape.
"""

import os
import re
import signal

import pytest

import redis

from testlib import IS_REDIS, wait_blocked, wait_for
from test_repl_chain_diff import (dataset, info, link_up, orders, replid, start, stats, synced,
                                  workload_a, workload_b)

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd and redis-server 7.0 in one setup")


def call(c, *args):
    """The reply, or the error's text."""
    try:
        r = c.execute_command(*args)
    except redis.ResponseError as e:
        return "error: %s" % e
    return r.decode() if isinstance(r, bytes) else r


def fo_state(node):
    c = node.client(decode_responses=True)
    try:
        return info(c)["master_failover_state"]
    finally:
        c.close()


def wait_state(node, state):
    wait_for(lambda: fo_state(node) == state, "%s reaches %s" % (node.kind, state))


def roles(*nodes):
    out = []
    for n in nodes:
        c = n.client()
        try:
            out.append(c.execute_command("ROLE")[0].decode())
        finally:
            c.close()
    return out


def acked(master, n):
    """Waits until the master's n replicas acknowledged its whole stream
    (their slaveN offset), so that a FAILOVER without TO picks by order."""
    c = master.client(decode_responses=True)
    try:
        def done():
            i = info(c)
            slaves = [i.get("slave%d" % k) for k in range(n)]
            return all(s and s["state"] == "online" and s["offset"] == i["master_repl_offset"]
                       for s in slaves)
        wait_for(done, "replicas acknowledge the master's offset")
    finally:
        c.close()


def stop(node):
    os.kill(node.proc.pid, signal.SIGSTOP)


def cont(node):
    os.kill(node.proc.pid, signal.SIGCONT)


def run_handover(make_server, kinds):
    m = start(make_server, kinds[0])
    mc = m.client()
    obs = {"alone": [call(mc, "FAILOVER"), call(mc, "FAILOVER", "TO", "127.0.0.1", "1")]}
    workload_a(mc)
    mc.execute_command("SELECT", 0)
    a = start(make_server, kinds[1], m)
    b = start(make_server, kinds[2], m)
    link_up(a, m)
    link_up(b, m)
    synced(m, a, b)
    acked(m, 2)
    ac = a.client()
    ap = str(a.port)
    obs["errors"] = [
        call(mc, *args) for args in [
            ("FAILOVER", "TO", "127.0.0.1", "1"),
            ("FAILOVER", "TO", "localhost", ap),
            ("FAILOVER", "TO", "127.0.0.1", "port"),
            ("FAILOVER", "TO", "127.0.0.1"),
            ("FAILOVER", "TO", "127.0.0.1", ap, "FORCE"),
            ("FAILOVER", "FORCE", "TIMEOUT", "100"),
            ("FAILOVER", "FORCE"),
            ("FAILOVER", "TIMEOUT", "0"),
            ("FAILOVER", "TIMEOUT", "-5"),
            ("FAILOVER", "TIMEOUT", "x"),
            ("FAILOVER", "TIMEOUT"),
            ("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "10"),
            ("FAILOVER", "FORCE", "FORCE"),
            ("FAILOVER", "TO", "127.0.0.1", ap, "TO", "127.0.0.1", ap),
            ("FAILOVER", "ABORT"),
            ("FAILOVER", "ABORT", "TIMEOUT", "10"),
            ("FAILOVER", "BOGUS"),
            ("FAILOVER", "TIMEOUT", "x", "BOGUS"),
        ]] + [call(ac, "FAILOVER"), call(ac, "FAILOVER", "ABORT")]
    obs["state-before"] = fo_state(m)
    # to A: M follows it, partially; B, M's replica, stays and continues
    assert call(mc, "FAILOVER", "TO", "127.0.0.1", ap) == "OK"
    wait_state(m, "no-failover")
    link_up(m, a)
    obs["roles-1"] = roles(m, a, b)
    aw = a.client()
    workload_b(aw, 300)
    orders(aw, "orders", 700, 2)
    synced(a, m, b)
    bc = b.client()
    assert bc.execute_command("REPLICAOF", "127.0.0.1", a.port) == b"OK"
    link_up(b, a)
    aw.execute_command("SELECT", 0)
    aw.xreadgroup("billing", "b7", {"orders": ">"}, count=1)
    synced(a, m, b)
    obs["after-1"] = [dataset(n) for n in (m, a, b)]
    obs["stats-1"] = [stats(n) for n in (m, a, b)]
    obs["ids-1"] = len({replid(n) for n in (m, a, b)})
    # to any replica from A: M came first, B second
    acked(a, 2)
    assert call(ac, "FAILOVER", "TIMEOUT", "5000") == "OK"
    wait_state(a, "no-failover")
    obs["roles-2"] = roles(m, a, b)
    link_up(a, m)
    mw = m.client()
    orders(mw, "orders", 900, 3)
    synced(m, a, b)
    obs["after-2"] = [dataset(n) for n in (m, a, b)]
    obs["stats-2"] = [stats(n) for n in (m, a, b)]
    obs["ids-2"] = len({replid(n) for n in (m, a, b)})
    for d in obs["after-1"] + obs["after-2"]:
        assert d  # not vacuous
    assert obs["after-1"][0] == obs["after-1"][1] == obs["after-1"][2]
    assert obs["after-2"][0] == obs["after-2"][1] == obs["after-2"][2]
    for c in (mc, ac, aw, bc, mw):
        c.close()
    return obs


@pytest.mark.parametrize("kinds", [("streamd", "streamd", "redis"),
                                   ("redis", "streamd", "redis"),
                                   ("streamd", "redis", "streamd"),
                                   ("streamd", "streamd", "streamd")])
def test_failover_handover(make_server, kinds):
    got = run_handover(make_server, kinds)
    want = run_handover(make_server, ("redis", "redis", "redis"))
    assert want["roles-1"] == ["slave", "master", "slave"]
    assert want["roles-2"] == ["master", "slave", "slave"]
    # A: M's and B's PSYNCs both partial
    assert want["stats-1"][1] == (0, 2, 0)
    for k in sorted(want):
        assert got[k] == want[k], k


def run_hold(make_server, kinds):
    m = start(make_server, kinds[0])
    mc = m.client()
    workload_a(mc)
    mc.execute_command("SELECT", 0)
    a = start(make_server, kinds[1], m)
    link_up(a, m)
    synced(m, a)
    acked(m, 1)
    ap = str(a.port)
    obs = {}
    # waiting-for-sync, a write held, ABORT releases it
    stop(a)
    try:
        mc.set("k1", "v1")
        assert call(mc, "FAILOVER", "TO", "127.0.0.1", ap, "TIMEOUT", "60000") == "OK"
        obs["waiting"] = fo_state(m)
        held = m.raw()
        held.send_cmd("SET", "k2", "held")
        watcher = m.raw()
        wait_blocked(watcher, 1)
        obs["during"] = [call(mc, "GET", "k1"), call(mc, "FAILOVER"),
                         call(mc, "FAILOVER", "TO", "127.0.0.1", ap),
                         call(mc, "REPLICAOF", "127.0.0.1", "1"),
                         call(mc, "REPLICAOF", "NO", "ONE"),
                         call(mc, "CLIENT", "UNPAUSE"), fo_state(m)]
        obs["abort"] = call(mc, "FAILOVER", "ABORT")
        obs["released"] = held.read()
        obs["after-abort"] = fo_state(m)
        held.close()
        watcher.close()
    finally:
        cont(a)
    synced(m, a)
    obs["roles-abort"] = roles(m, a)
    # TIMEOUT without FORCE: aborted when the replica does not catch up
    stop(a)
    try:
        mc.set("k3", "v3")
        assert call(mc, "FAILOVER", "TO", "127.0.0.1", ap, "TIMEOUT", "300") == "OK"
        wait_state(m, "no-failover")
        obs["roles-timeout"] = roles(m)
    finally:
        cont(a)
    synced(m, a)
    obs["stats-1"] = [stats(n) for n in (m, a)]
    # the target refuses PSYNC: the failover in progress aborts, M is a
    # master again with a new ID, A continues from it
    ac = a.client()
    ac.execute_command("ACL", "SETUSER", "default", "-psync")
    old_id = replid(m)
    assert call(mc, "FAILOVER", "TO", "127.0.0.1", ap) == "OK"
    wait_state(m, "no-failover")
    link_up(a, m)
    ac.execute_command("ACL", "SETUSER", "default", "+psync")
    obs["roles-rejected"] = roles(m, a)
    mc.set("k4", "v4")
    synced(m, a)
    imc = m.client(decode_responses=True)
    im = info(imc)
    imc.close()
    obs["rejected-ids"] = (im["master_replid"] != old_id, im["master_replid2"] == old_id)
    obs["stats-2"] = [stats(n) for n in (m, a)]
    obs["data-2"] = dataset(m)
    assert dataset(a) == obs["data-2"]
    # TIMEOUT with FORCE: fails over anyway (the data then agrees, whether
    # the stopped replica applied the last write first or not)
    stop(a)
    try:
        mc.set("k5", "v5")
        assert call(mc, "FAILOVER", "TO", "127.0.0.1", ap, "TIMEOUT", "200", "FORCE") == "OK"
        wait_state(m, "failover-in-progress")
        obs["force-roles-during"] = roles(m)
    finally:
        cont(a)
    wait_state(m, "no-failover")
    link_up(m, a)
    synced(a, m)
    obs["roles-force"] = roles(m, a)
    assert dataset(m) == dataset(a)
    # and back to M, completing while a write waits and a reader blocks on
    # A: the write then gets READONLY, the reader UNBLOCKED
    aw = a.client()
    stop(m)
    try:
        aw.set("k6", "v6")
        assert call(aw, "FAILOVER", "TO", "127.0.0.1", str(m.port)) == "OK"
        held = a.raw()
        held.send_cmd("XADD", "orders", "*", "f", "v")
        reader = a.raw()
        reader.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "orders", "$")
        watcher = a.raw()
        wait_blocked(watcher, 2)
        obs["back-waiting"] = fo_state(a)
    finally:
        cont(m)
    wait_state(a, "no-failover")
    obs["back-held"] = str(held.read())
    obs["back-reader"] = str(reader.read())
    for x in (held, reader, watcher):
        x.close()
    link_up(a, m)
    synced(m, a)
    obs["roles-back"] = roles(m, a)
    obs["data-back"] = dataset(m)
    assert dataset(a) == obs["data-back"]
    aw.close()
    mc.close()
    ac.close()
    return obs


@pytest.mark.parametrize("kinds", [("streamd", "redis"), ("redis", "streamd"),
                                   ("streamd", "streamd")])
def test_failover_hold(make_server, kinds):
    got = run_hold(make_server, kinds)
    want = run_hold(make_server, ("redis", "redis"))
    assert want["waiting"] == "waiting-for-sync"
    assert want["roles-force"] == ["slave", "master"]
    for k in sorted(want):
        assert got[k] == want[k], k


def run_psync_errors(make_server, kind):
    """PSYNC ... FAILOVER sent by hand: to a master, and to a replica with
    an ID not its own; then FAILOVER inside MULTI (allowed, as in 7.0)."""
    m = start(make_server, "redis")
    r = start(make_server, kind, m)
    link_up(r, m)
    out = []
    for node in (m, r):
        raw = node.raw()
        out.append(str(raw.call("PSYNC", "?", "-1", "FAILOVER")))
        out.append(str(raw.call("PSYNC", "0" * 40, "1", "FAILOVER")))
        raw.close()
    rc = r.client()
    p = rc.pipeline(transaction=True)
    p.execute_command("FAILOVER", "ABORT")
    p.execute_command("FAILOVER")
    out.append([str(x) for x in p.execute(raise_on_error=False)])
    out.append(roles(m, r))
    rc.close()
    return out


@pytest.mark.parametrize("kind", ["streamd"])
def test_psync_failover_errors(make_server, kind):
    got = run_psync_errors(make_server, kind)
    assert got[2] == "ERR PSYNC FAILOVER replid must match my replid."
    assert got == run_psync_errors(make_server, "redis")


# ---- LOLWUT ------------------------------------------------------------------

def lolwut(node, *args):
    c = node.client()
    try:
        return call(c, "LOLWUT", *args)
    finally:
        c.close()


def version_of(node):
    c = node.client(decode_responses=True)
    try:
        return c.info("server")["redis_version"]
    finally:
        c.close()


def test_lolwut(make_server):
    s = make_server(kind="streamd")
    r = make_server(kind="redis")
    sv, rv = version_of(s), version_of(r)

    def same(*args):
        got, want = lolwut(s, *args), lolwut(r, *args)
        if isinstance(want, str) and not want.startswith("error"):
            want = want.replace("Redis ver. " + rv, "Redis ver. " + sv)
        assert got == want, args
        return got

    # the version line alone (no drawing for 7.x, 8.x, or what VERSION
    # names besides 5 and 6)
    assert same() == "Redis ver. %s\n" % sv
    for args in [("VERSION", "7"), ("VERSION", "1"), ("VERSION", "0"), ("VERSION", "-1"),
                 ("VERSION", "50"), ("VERSION", "4"), ("foo",), ("VERSION",),
                 ("VERSION", "x"), ("VERSION", "5", "x"), ("VERSION", "6", "1", "y"),
                 ("VERSION", "9999999999999999999999")]:
        same(*args)
    # Schotter with at most two rows of squares: no randomness
    for args in [("1", "1", "1"), ("66", "8", "2"), ("40", "5", "1"), ("3", "1", "2"),
                 ("0", "0", "0"), ("-5", "1", "1"), ("100", "7", "2"), ("2000", "300", "2"),
                 ("13", "3", "2", "extra")]:
        out = same("VERSION", "5", *args)
        assert "Georg Nees - schotter" in out
    # the random ones: the shape
    for node, ver in ((s, sv), (r, rv)):
        out = lolwut(node, "VERSION", "5")
        lines = out.split("\n")
        assert lines[-1] == "" and lines[-2].endswith("Redis ver. %s" % ver)
        art = lines[:-3]
        assert len(art) == 49 and all(len(x) == 66 for x in art)
        assert all(0x2800 <= ord(ch) <= 0x28FF for x in art for ch in x)
        out = lolwut(node, "VERSION", "6", "30", "7")
        lines = out.split("\n")
        assert lines[-3] == "Dedicated to the 8 bit game developers of past and present."
        assert lines[-2] == "Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + ver
        art = lines[:-3]
        cell = re.compile(r"\x1b\[0;(30;40|90;100|37;47|97;107)m \x1b\[0m")
        assert len(art) == 7 and all(len(cell.findall(x)) == 30 and not cell.sub("", x)
                                     for x in art)
        assert lolwut(node, "VERSION", "6").count("\n") == 20 + 2
    # streamd clips a canvas past 16M pixels (Redis would allocate 800 MB)
    out = lolwut(s, "VERSION", "5", "1000", "1", "200")
    assert out.count("\n") == (16 << 20) // 2000 // 4 + 2
    # RESP3: verbatim text, as Redis sends it
    raws = []
    for node in (s, r):
        rc = node.raw()
        rc.call("HELLO", "3")
        raws.append(rc.call_raw("LOLWUT", "VERSION", "5", "9", "2", "2"))
        rc.close()
    assert raws[0] == raws[1].replace(rv.encode(), sv.encode()).replace(
        b"=%d\r\n" % (len(raws[1]) - 8 - len(str(len(raws[1])))),
        b"=%d\r\n" % (len(raws[1]) - 8 - len(str(len(raws[1]))) + len(sv) - len(rv)))
    assert raws[0].startswith(b"=") and b"\r\ntxt:" in raws[0]
