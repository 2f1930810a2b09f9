"""FAILOVER's write pause beside CLIENT PAUSE, and LOLWUT through redis-py
(src/server/repl.c, pause.c, src/cmd/lolwut.c). The failover itself, its
errors and its results are compared with Redis 7.0 in
tests/compat/test_failover_diff.py."""

import os
import signal

from testlib import blocked_clients, streamd_only, wait_blocked, wait_for


def version(r):
    return r.info("server")["redis_version"]


def test_lolwut_redis_py(r):
    v = version(r)
    assert r.lolwut() == ("Redis ver. %s\n" % v).encode()
    assert r.lolwut(7) == ("Redis ver. %s\n" % v).encode()
    # one column, one square: the square's corners at (0,0), (2,0), (2,2),
    # (0,2) on a 2x2 canvas light pixels (0,0), (1,0), (0,1): U+280B
    want = "\u280b\n\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. %s\n" % v
    assert r.lolwut(5, 1, 1, 1).decode() == want
    out = r.lolwut(6, 4, 2).decode()
    assert out.count("\x1b[0m") == 8
    assert out.endswith("Plaguemon by hikikomori. Redis ver. %s\n" % v)


def replica_pair(make_server):
    m = make_server()
    a = make_server(args=["--replicaof", "127.0.0.1", str(m.port)])
    mc = m.client(decode_responses=True)
    wait_for(lambda: (mc.info("replication").get("slave0") or {}).get("state") == "online",
             "the replica online")
    return m, a, mc


def state(c):
    return c.info("replication")["master_failover_state"]


@streamd_only
def test_failover_pause_beside_client_pause(make_server):
    m, a, mc = replica_pair(make_server)
    os.kill(a.proc.pid, signal.SIGSTOP)
    try:
        assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", a.port, "TIMEOUT", "60000") == "OK"
        assert state(mc) == "waiting-for-sync"
        # a CLIENT PAUSE WRITE that ends, or CLIENT UNPAUSE, leaves the
        # failover's hold in place
        assert mc.execute_command("CLIENT", "PAUSE", "1", "WRITE") == "OK"
        w = m.raw()
        w.send_cmd("SET", "k", "1")
        watcher = m.raw()
        wait_blocked(watcher, 1)
        assert mc.execute_command("CLIENT", "UNPAUSE") == "OK"
        assert mc.get("k") is None  # reads still run
        assert blocked_clients(watcher) == 1
        # a CLIENT PAUSE taken meanwhile outlives the failover's end
        assert mc.execute_command("CLIENT", "PAUSE", "60000", "WRITE") == "OK"
        assert mc.execute_command("FAILOVER", "ABORT") == "OK"
        assert state(mc) == "no-failover"
        assert blocked_clients(watcher) == 1
        assert mc.execute_command("CLIENT", "UNPAUSE") == "OK"
        assert w.read() == b"OK"
        assert mc.get("k") == "1"
        for x in (w, watcher):
            x.close()
    finally:
        os.kill(a.proc.pid, signal.SIGCONT)
    assert mc.execute_command("ROLE")[0] == "master"
    mc.close()


@streamd_only
def test_failover_to_replica_with_streams(make_server):
    """The handover keeps a stream's consumer group on both sides, and the
    new master takes the group's writes."""
    m, a, mc = replica_pair(make_server)
    mc.xadd("s", {"f": "1"}, id="1-1")
    mc.xgroup_create("s", "g", id="0")
    mc.xreadgroup("g", "c1", {"s": ">"})
    assert mc.execute_command("FAILOVER") == "OK"
    wait_for(lambda: state(mc) == "no-failover", "the failover completes")
    ac = a.client(decode_responses=True)
    assert ac.execute_command("ROLE")[0] == "master"
    assert mc.execute_command("ROLE")[0] == "slave"
    assert ac.xpending("s", "g")["pending"] == 1
    assert ac.xack("s", "g", "1-1") == 1
    wait_for(lambda: mc.xpending("s", "g")["pending"] == 0, "the old master applies the XACK")
    ai = ac.info("replication")
    assert ai["master_replid2"] != "0" * 40 and ai["connected_slaves"] == 1
    assert a.client().info("stats")["sync_partial_ok"] == 1
    ac.close()
    mc.close()
