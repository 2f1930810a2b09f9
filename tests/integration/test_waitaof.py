"""WAITAOF numlocal numreplicas timeout (Redis 7.2+; redis-server 7.0 lacks it,
so the oracle is Redis's documentation and its tests/unit/wait.tcl).

WAITAOF answers [local, replicas]: local is 1 once every write this
connection made so far is fsynced to the AOF, replicas is always 0 (streamd
has none). It waits for what it asks for, or until its timeout; inside a
transaction it answers at once. Each test starts its own server so it can pick
the fsync policy and turn the AOF on and off.
"""

import os
import signal
import time

import pytest

from testlib import IS_REDIS, SLOW, RespError, wait_blocked

pytestmark = pytest.mark.skipif(IS_REDIS, reason="redis-server 7.0 has no WAITAOF")

NO_AOF = "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."


def aof(policy):
    return ["--appendonly", "yes", "--appendfsync", policy]


def incr_bytes(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    return b"".join(open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))
                    if n.endswith(".incr.aof"))


def rewrite_idle(c):
    i = c.info("persistence")
    return i["aof_rewrite_in_progress"] == 0 and i["aof_rewrite_scheduled"] == 0


def wait_until(cond, timeout=5):
    deadline = time.monotonic() + timeout * SLOW
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_arguments_and_errors(make_server):
    srv = make_server()  # no AOF
    c = srv.raw()
    # checked in this order: numlocal, numreplicas, timeout, then the AOF
    for args, err in [
        (("x", "0", "0"), "ERR value is not an integer or out of range"),
        (("2", "0", "0"), "ERR value is out of range, value must between 0 and 1"),
        (("-1", "0", "0"), "ERR value is out of range, value must between 0 and 1"),
        (("1", "x", "0"), "ERR value is not an integer or out of range"),
        (("1", "-1", "0"), "ERR value is out of range, must be positive"),
        (("1", "0", "x"), "ERR timeout is not an integer or out of range"),
        (("1", "0", "-5"), "ERR timeout is negative"),
        (("1", "0", "0"), NO_AOF),
        (("1", "5", "10"), NO_AOF),
    ]:
        assert c.call("WAITAOF", *args) == RespError(err), args
    assert c.call("WAITAOF", "0", "0") == RespError(
        "ERR wrong number of arguments for 'waitaof' command")
    # nothing local asked, no replicas: at once; replicas asked: the timeout
    c.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "0", "0", "0") == [0, 0]
    t0 = time.monotonic()
    assert c.call("WAITAOF", "0", "1", "50") == [0, 0]
    assert time.monotonic() - t0 >= 0.04
    assert c.call("PING") == b"PONG"


@pytest.mark.parametrize("policy", ["always", "everysec"])
def test_local_fsync_acknowledged(make_server, policy):
    srv = make_server(aof(policy))
    c = srv.raw()
    c.call("XADD", "s", "1-1", "f", "v")
    # everysec: the background fsync of the next second; always: already done
    assert c.call("WAITAOF", "1", "0", str(int(5000 * SLOW))) == [1, 0]
    assert b"1-1" in incr_bytes(srv)
    # the write and the wait in one packet, and a command behind the wait
    c.send_many([("XADD", "s", "2-1", "f", "v"), ("WAITAOF", "1", "0", str(int(5000 * SLOW))),
                 ("XLEN", "s")])
    assert [c.read() for _ in range(3)] == [b"2-1", [1, 0], 2]
    assert b"2-1" in incr_bytes(srv)
    # an acknowledged local copy and a replica nobody has: the timeout, [1, 0]
    assert c.call("WAITAOF", "1", "1", "30") == [1, 0]


def test_appendfsync_no_never_acknowledges(make_server):
    srv = make_server(aof("no"))
    c, other = srv.raw(), srv.raw()
    # a connection that wrote nothing has nothing to wait for
    other.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "1", "0", "0") == [1, 0]
    # its own write is never fsynced under "no": the timeout answers 0
    c.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "1", "0", "100") == [0, 0]
    # switching to always fsyncs what "no" left behind, without a new write
    assert c.call("CONFIG", "SET", "appendfsync", "always") == b"OK"
    assert c.call("WAITAOF", "1", "0", str(int(5000 * SLOW))) == [1, 0]
    # and from "no" to everysec, within the next second
    c.call("CONFIG", "SET", "appendfsync", "no")
    c.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "1", "0", "50") == [0, 0]
    c.call("CONFIG", "SET", "appendfsync", "everysec")
    assert c.call("WAITAOF", "1", "0", str(int(5000 * SLOW))) == [1, 0]


def test_inside_multi_answers_at_once(make_server):
    srv = make_server(aof("no"))
    c = srv.raw()
    c.call("XADD", "s", "*", "f", "v")
    c.call("MULTI")
    assert c.call("WAITAOF", "1", "0", "0") == b"QUEUED"
    assert c.call("WAITAOF", "0", "3", "0") == b"QUEUED"
    assert c.call("EXEC") == [[0, 0], [0, 0]]
    c.call("MULTI")
    c.call("WAITAOF", "1", "0", "0")
    c.call("CONFIG", "SET", "appendonly", "no")
    c.call("WAITAOF", "1", "0", "0")
    assert c.call("EXEC") == [[0, 0], b"OK", RespError(NO_AOF)]
    # a transaction's own writes reach the AOF when EXEC ends (as Redis
    # propagates them): a WAITAOF inside it waits only for earlier ones
    c.call("CONFIG", "SET", "appendonly", "yes")
    wait_until(lambda: rewrite_idle(srv.client()))
    fresh = srv.raw()
    fresh.call("MULTI")
    fresh.call("XADD", "t", "9-9", "f", "v")
    fresh.call("WAITAOF", "1", "0", "0")
    assert fresh.call("EXEC") == [b"9-9", [1, 0]]
    assert fresh.call("WAITAOF", "1", "0", "50") == [0, 0]  # never fsynced under "no"


def test_turning_the_aof_off_releases_a_local_wait(make_server):
    srv = make_server(aof("no"))
    c, ctl = srv.raw(), srv.raw()
    c.call("XADD", "s", "*", "f", "v")
    c.send_cmd("WAITAOF", "1", "0", "0")
    wait_blocked(ctl, 1)
    assert "flags=b" in ctl.call("CLIENT", "LIST").decode().split("cmd=waitaof")[0].split("\n")[-1]
    assert ctl.call("CONFIG", "SET", "appendonly", "no") == b"OK"
    assert c.read() == RespError(NO_AOF)
    # a wait for replicas alone is not affected: it ends at its timeout
    c.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "0", "1", "30") == [0, 0]
    assert c.call("PING") == b"PONG"


def test_client_unblock_and_disconnect(make_server):
    srv = make_server(aof("no"))
    c, ctl = srv.raw(), srv.raw()
    c.call("XADD", "s", "*", "f", "v")
    cid = c.call("CLIENT", "ID")
    c.send_cmd("WAITAOF", "1", "0", "0")
    wait_blocked(ctl, 1)
    assert ctl.call("CLIENT", "UNBLOCK", str(cid), "TIMEOUT") == 1
    assert c.read() == [0, 0]
    c.send_cmd("WAITAOF", "1", "0", "0")
    wait_blocked(ctl, 1)
    assert ctl.call("CLIENT", "UNBLOCK", str(cid), "ERROR") == 1
    assert c.read() == RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    # a waiter that goes away is forgotten
    c.send_cmd("WAITAOF", "1", "0", "0")
    wait_blocked(ctl, 1)
    c.close()
    wait_until(lambda: b"blocked_clients:0" in bytes(ctl.call("INFO", "clients")))
    assert ctl.call("PING") == b"PONG"


def test_rewrite_keeps_acknowledging(make_server):
    """Writes that land while a rewrite runs go to the new incremental file;
    the rewrite ending must not make everysec forget the fsync they are owed
    (it once did: WAITAOF then waited for the next write)."""
    srv = make_server(aof("everysec"))
    c = srv.raw()
    for i in range(4):
        c.call("XADD", "s", "*", "f", "v")
        assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
        c.call("XADD", "s", "*", "f", "v")  # during the rewrite, or just after
        assert c.call("WAITAOF", "1", "0", str(int(5000 * SLOW))) == [1, 0]
        wait_until(lambda: rewrite_idle(srv.client()))
    c.call("XADD", "s", "*", "f", "v")
    assert c.call("WAITAOF", "1", "0", str(int(5000 * SLOW))) == [1, 0]


def rewrite_child(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def test_enabled_at_run_time_waits_for_the_base(make_server):
    """Turned on by CONFIG SET, the AOF holds nothing until its first base is
    written: a local wait lasts until the rewrite ends (Redis's "WAITAOF local
    if AOFRW was postponed")."""
    srv = make_server(["--appendfsync", "always"])
    c, ctl = srv.raw(), srv.raw()
    pipe = srv.client().pipeline(transaction=False)
    for i in range(50000):
        pipe.xadd("big", {"f": "v" * 20})
    pipe.execute()
    for attempt in range(20):
        c.call("XADD", "s", "*", "f", "v")
        assert ctl.call("CONFIG", "SET", "appendonly", "yes") == b"OK"
        child = None
        deadline = time.monotonic() + 5 * SLOW
        while child is None and time.monotonic() < deadline:
            child = rewrite_child(srv.proc.pid)
        try:
            os.kill(child, signal.SIGSTOP)
        except (TypeError, ProcessLookupError):
            child = None
        if child is not None and not rewrite_idle(srv.client()):
            break
        if child is not None:
            os.kill(child, signal.SIGCONT)
        # the child finished before it could be stopped: try again
        wait_until(lambda: rewrite_idle(srv.client()))
        ctl.call("CONFIG", "SET", "appendonly", "no")
    else:
        pytest.skip("the rewrite child always finished before it could be stopped")
    try:
        # writes before the fork are in the base, the one after it in the
        # temp incremental file: neither counts until the base is done
        c.call("XADD", "s", "*", "f", "v")
        assert c.call("WAITAOF", "1", "0", "100") == [0, 0]
        c.send_cmd("WAITAOF", "1", "0", str(int(10000 * SLOW)))
        wait_blocked(ctl, 1)
    finally:
        os.kill(child, signal.SIGCONT)
    assert c.read() == [1, 0]
    wait_until(lambda: rewrite_idle(srv.client()))
    assert srv.client().info("persistence")["aof_enabled"] == 1


def test_command_metadata(make_server):
    srv = make_server()
    c = srv.raw()
    info = c.call("COMMAND", "INFO", "waitaof")[0]
    assert info[0] == b"waitaof" and info[1] == 4
    assert info[2] == [b"blocking"] or set(info[2]) == {"blocking"}
    assert set(x if isinstance(x, str) else x.decode() for x in info[6]) == {
        "@slow", "@blocking", "@connection"}
    docs = c.call("COMMAND", "DOCS", "waitaof")
    assert docs[0] == b"waitaof"
    d = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert d[b"since"] == b"7.2.0" and d[b"group"] == b"generic"
    assert [a[1] for a in d[b"arguments"]] == [b"numlocal", b"numreplicas", b"timeout"]
