"""SHUTDOWN and SIGTERM / SIGINT waiting for lagging replicas
(shutdown-timeout), SHUTDOWN ABORT, and INFO stats' replication byte
counters (src/server/shutdown.c, pause.c, repl.c, src/cmd/admin.c).

A replica is made to lag by stopping its process (SIGSTOP): it can neither
read the master's stream nor acknowledge it. Each scenario runs with a
streamd master and again with Debian's redis-server 7.0 as the master (the
oracle: the same replies, the same log lines, the same exits), and with
streamd and 7.0 replicas behind a streamd master."""

import os
import re
import signal
import time

import pytest

from testlib import IS_REDIS, RespError, blocked_clients, wait_blocked, wait_for

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd and redis-server 7.0 in one setup")

ERR_SHUTDOWN = RespError(b"ERR Errors trying to SHUTDOWN. Check logs.")
MASTERS = ["streamd", "redis"]
PAIRS = [("streamd", "streamd"), ("streamd", "redis"), ("redis", "streamd")]


def pair(make_server, master="streamd", replica="streamd", timeout=30, args=()):
    m = make_server(kind=master, args=["--shutdown-timeout", str(timeout)] + list(args))
    a = make_server(kind=replica, args=["--replicaof", "127.0.0.1", str(m.port)])
    mc = m.client(decode_responses=True)
    wait_for(lambda: (mc.info("replication").get("slave0") or {}).get("state") == "online",
             "the replica online")
    return m, a, mc


def synced(mc, a):
    """Waits until the replica acknowledged everything the master sent."""
    ac = a.client(decode_responses=True)
    want = mc.info("replication")["master_repl_offset"]
    wait_for(lambda: ac.info("replication").get("slave_repl_offset", -1) >= want,
             "the replica caught up")
    ac.close()


class Stopped:
    """The replica's process stopped (SIGSTOP) for the with-block, continued
    afterwards whatever happens."""

    def __init__(self, srv):
        self.srv = srv

    def __enter__(self):
        os.kill(self.srv.proc.pid, signal.SIGSTOP)
        return self

    def cont(self):
        os.kill(self.srv.proc.pid, signal.SIGCONT)

    def __exit__(self, *exc):
        self.cont()


@pytest.mark.parametrize("master", MASTERS)
def test_shutdown_waits_and_abort(make_server, master):
    m, a, mc = pair(make_server, master)
    mc.set("k", "1")
    synced(mc, a)
    with Stopped(a):
        mc.set("k", "2")
        s = m.raw()
        s.send_cmd("SHUTDOWN")
        watch = m.raw()
        wait_blocked(watch, 1)
        # reads and INFO go on; writes are held as by CLIENT PAUSE WRITE
        assert watch.call("PING") == b"PONG"
        assert watch.call("GET", "k") == b"2"
        w = m.raw()
        w.send_cmd("SET", "x", "1")
        wait_blocked(watch, 2)
        # CLIENT UNPAUSE does not lift the shutdown's hold
        assert watch.call("CLIENT", "UNPAUSE") == b"OK"
        time.sleep(0.1)
        assert blocked_clients(watch) == 2
        # another SHUTDOWN (whatever its flags) joins the one waiting
        s2 = m.raw()
        s2.send_cmd("SHUTDOWN", "NOW")
        wait_blocked(watch, 3)
        assert watch.call("SHUTDOWN", "ABORT") == b"OK"
        assert s.read() == ERR_SHUTDOWN
        assert s2.read() == ERR_SHUTDOWN
        assert w.read() == b"OK"
        assert watch.call("GET", "x") == b"1"
        assert watch.call("SHUTDOWN", "ABORT") == RespError(b"ERR No shutdown in progress.")
        assert blocked_clients(watch) == 0
    log = m.log()
    assert "User requested shutdown..." in log
    assert "Waiting for replicas before shutting down." in log
    assert "Shutdown manually aborted." in log
    assert m.is_running()
    for c in (s, s2, w, watch):
        c.close()
    mc.close()


@pytest.mark.parametrize("master,replica", PAIRS)
def test_shutdown_exits_once_the_replica_caught_up(make_server, master, replica):
    """Nothing acknowledged is lost: the writes before SHUTDOWN reach the
    lagging replica before the master exits."""
    m, a, mc = pair(make_server, master, replica)
    with Stopped(a) as st:
        mc.set("k", "v")
        mc.xadd("s", {"f": "1"}, id="1-1")
        s = m.raw()
        s.send_cmd("SHUTDOWN", "NOSAVE")
        watch = m.raw()
        wait_blocked(watch, 1)
        time.sleep(0.3)
        assert m.is_running()
        st.cont()
        assert m.wait_exit(timeout=5) == 0
    assert s.closed_by_peer()
    ac = a.client(decode_responses=True)
    assert ac.get("k") == "v"
    assert ac.xrange("s") == [("1-1", {"f": "1"})]
    ac.close()
    assert "1 of 1 replicas are in sync when shutting down." in m.log()
    assert "Lagging replica" not in m.log()


@pytest.mark.parametrize("master", MASTERS)
def test_shutdown_timeout_expires(make_server, master):
    m, a, mc = pair(make_server, master, timeout=1)
    with Stopped(a):
        mc.set("k", "v")
        s = m.raw()
        t0 = time.monotonic()
        s.send_cmd("SHUTDOWN")
        assert m.wait_exit(timeout=5) == 0
        assert time.monotonic() - t0 >= 0.9
    log = m.log()
    assert re.search(r"Lagging replica 127\.0\.0\.1:%d reported offset \d+ behind master, "
                     r"lag=\d+, state=online\." % a.port, log), log
    assert "0 of 1 replicas are in sync when shutting down." in log


@pytest.mark.parametrize("master", MASTERS)
def test_shutdown_now_and_timeout_zero(make_server, master):
    m, a, mc = pair(make_server, master)
    with Stopped(a):
        mc.set("k", "v")
        m.raw().send_cmd("SHUTDOWN", "NOW")
        assert m.wait_exit(timeout=3) == 0
    assert "Waiting for replicas" not in m.log()
    assert "0 of 1 replicas are in sync when shutting down." in m.log()
    m2, a2, mc2 = pair(make_server, master)
    with Stopped(a2):
        mc2.config_set("shutdown-timeout", "0")
        mc2.set("k", "v")
        m2.raw().send_cmd("SHUTDOWN")
        assert m2.wait_exit(timeout=3) == 0
    assert "Waiting for replicas" not in m2.log()


@pytest.mark.parametrize("master", MASTERS)
def test_sigterm_waits(make_server, master):
    m, a, mc = pair(make_server, master)
    with Stopped(a) as st:
        mc.set("k", "v")
        m.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "Waiting for replicas before shutting down." in m.log(), "the wait")
        watch = m.raw()
        assert watch.call("PING") == b"PONG"
        w = m.raw()
        w.send_cmd("SET", "held", "1")
        wait_blocked(watch, 1)
        # a second SIGTERM changes nothing
        m.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert m.is_running()
        st.cont()
        assert m.wait_exit(timeout=5) == 0
    assert w.closed_by_peer()
    ac = a.client(decode_responses=True)
    assert ac.get("k") == "v" and ac.get("held") is None
    ac.close()


@pytest.mark.parametrize("master", MASTERS)
def test_sigterm_now_flag_does_not_wait(make_server, master):
    m, a, mc = pair(make_server, master, args=["--shutdown-on-sigterm", "now nosave"])
    with Stopped(a):
        mc.set("k", "v")
        m.proc.send_signal(signal.SIGTERM)
        assert m.wait_exit(timeout=3) == 0
    assert "Waiting for replicas" not in m.log()
    assert "0 of 1 replicas are in sync when shutting down." in m.log()


@pytest.mark.parametrize("master", MASTERS)
def test_second_sigint_exits_at_once(make_server, master):
    m, a, mc = pair(make_server, master)
    with Stopped(a):
        mc.set("k", "v")
        m.proc.send_signal(signal.SIGINT)
        wait_for(lambda: "Waiting for replicas before shutting down." in m.log(), "the wait")
        m.proc.send_signal(signal.SIGINT)
        assert m.wait_exit(timeout=3) == 1
    assert "You insist... exiting now." in m.log()


@pytest.mark.parametrize("master", MASTERS)
def test_abort_forgets_the_signal(make_server, master):
    """After SHUTDOWN ABORT of a wait that SIGINT started, a SIGINT is a
    first one again: it waits."""
    m, a, mc = pair(make_server, master)
    with Stopped(a):
        mc.set("k", "v")
        m.proc.send_signal(signal.SIGINT)
        wait_for(lambda: "Waiting for replicas before shutting down." in m.log(), "the wait")
        assert mc.execute_command("SHUTDOWN", "ABORT") in ("OK", True)
        m.proc.send_signal(signal.SIGINT)
        wait_for(lambda: m.log().count("Waiting for replicas before shutting down.") == 2,
                 "the second wait")
        assert m.is_running()
        assert mc.execute_command("SHUTDOWN", "ABORT") in ("OK", True)
    mc.close()


@pytest.mark.parametrize("master", MASTERS)
def test_failed_save_cancels_the_shutdown(make_server, master):
    """The save after the wait fails (dump.rdb is a directory): the blocked
    caller gets the error and the held writes run."""
    m, a, mc = pair(make_server, master, timeout=1)
    dump = os.path.join(m.dir, "dump.rdb")
    os.mkdir(dump)
    os.mkdir(os.path.join(dump, "x"))
    try:
        with Stopped(a):
            mc.set("k", "v")
            s = m.raw()
            s.send_cmd("SHUTDOWN", "SAVE")
            watch = m.raw()
            wait_blocked(watch, 1)
            w = m.raw()
            w.send_cmd("SET", "x", "1")
            assert s.read() == ERR_SHUTDOWN
            assert w.read() == b"OK"
            assert watch.call("SHUTDOWN", "ABORT") == RespError(b"ERR No shutdown in progress.")
        log = m.log()
        assert "Error trying to save the DB, can't exit." in log
        assert "Errors trying to shut down the server. Check the logs for more information." in log
        assert m.is_running()
    finally:
        for root, dirs, _ in os.walk(dump, topdown=False):
            for d in dirs:
                os.rmdir(os.path.join(root, d))
        os.rmdir(dump)


def test_shutdown_caller_not_unblockable(make_server):
    """CLIENT UNBLOCK leaves a waiting SHUTDOWN blocked (7.0 crashed on it)."""
    m, a, mc = pair(make_server)
    with Stopped(a):
        mc.set("k", "v")
        s = m.raw()
        sid = s.call("CLIENT", "ID")
        s.send_cmd("SHUTDOWN")
        watch = m.raw()
        wait_blocked(watch, 1)
        assert watch.call("CLIENT", "UNBLOCK", sid) == 0
        assert watch.call("CLIENT", "UNBLOCK", sid, "ERROR") == 0
        assert blocked_clients(watch) == 1
        assert watch.call("SHUTDOWN", "ABORT") == b"OK"
        assert s.read() == ERR_SHUTDOWN


def test_no_replicas_exits_at_once(make_server):
    m = make_server(args=["--shutdown-timeout", "30"])
    m.raw().send_cmd("SHUTDOWN")
    assert m.wait_exit(timeout=3) == 0
    assert "Waiting for replicas" not in m.log()
    assert "replicas are in sync" not in m.log()


@pytest.mark.parametrize("master", MASTERS)
def test_replication_byte_counters(make_server, master):
    """The stream to a replica counts in total_net_repl_output_bytes, and,
    as in 7.0, in total_net_output_bytes too (the totals include the
    replication share); the replica counts it in total_net_repl_input_bytes
    and total_net_input_bytes. A client's command counts in the totals
    only."""
    m, a, mc = pair(make_server, master)
    ac = a.client(decode_responses=True)
    synced(mc, a)
    ms0, as0 = mc.info("stats"), ac.info("stats")
    # the full sync's payload (an RDB of an empty dataset) counted both ways
    assert 0 < ms0["total_net_repl_output_bytes"] <= ms0["total_net_output_bytes"]
    assert 0 < as0["total_net_repl_input_bytes"] <= as0["total_net_input_bytes"]
    mc.set("big", "x" * 200000)
    synced(mc, a)
    ms1, as1 = mc.info("stats"), ac.info("stats")

    def grew(before, after, name):
        return after[name] - before[name]

    repl_out = grew(ms0, ms1, "total_net_repl_output_bytes")
    assert 200000 <= repl_out < 220000
    assert repl_out <= grew(ms0, ms1, "total_net_output_bytes") < repl_out + 20000
    repl_in = grew(as0, as1, "total_net_repl_input_bytes")
    assert 200000 <= repl_in < 220000
    assert repl_in <= grew(as0, as1, "total_net_input_bytes") < repl_in + 20000
    assert grew(ms0, ms1, "total_net_input_bytes") >= 200000  # the SET itself
    assert grew(ms0, ms1, "total_net_repl_input_bytes") == 0
    assert grew(as0, as1, "total_net_repl_output_bytes") == 0
    for st in (ms1, as1):
        assert st["instantaneous_input_repl_kbps"] >= 0
        assert st["instantaneous_output_repl_kbps"] >= 0
    ac.close()
    mc.close()
