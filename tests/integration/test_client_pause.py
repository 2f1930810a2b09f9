"""CLIENT PAUSE / CLIENT UNPAUSE through redis-py, beyond the differential
scripts (tests/compat/test_client_pause_diff.py): the client API, expiry
during a pause, the AOF, clients that go away while held, the end of a pause
by its timeout, SHUTDOWN, and the points where streamd follows Redis 7.2+/8.x
rather than 7.0 (each test says which).

Held commands are shown held by INFO blocked_clients (wait_blocked), never by
timing; only "nothing happened while paused" waits a while before looking.
"""

import os
import signal
import threading
import time

import pytest
import redis

from testlib import SLOW, IS_REDIS, streamd_only, wait_blocked

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]


@pytest.fixture(autouse=True)
def _unpaused(server):
    yield
    # a failed test leaves no pause behind (a monitor is never paused)
    if server.is_running():
        c = server.raw()
        c.send_cmd("MONITOR")
        c.send_cmd("CLIENT", "UNPAUSE")
        c.read_available(wait=0.05, first_wait=2)
        c.close()


class Background:
    """A redis-py call on its own thread: held commands block their caller."""

    def __init__(self, fn, *args, **kw):
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn, args, kw), daemon=True)
        self.thread.start()

    def _run(self, fn, args, kw):
        try:
            self.result = fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e

    def done(self):
        return not self.thread.is_alive()

    def wait(self):
        self.thread.join(timeout=20 * SLOW)
        assert not self.thread.is_alive(), "call still held"
        if self.error:
            raise self.error
        return self.result


def test_redis_py_pause_and_unpause(r, rr, raw):
    ctl = raw()
    r.set("k", "v0")
    assert r.client_pause(100000, all=False) is True
    w = rr()
    held = Background(w.set, "k", "v1")
    wait_blocked(ctl, 1)
    assert not held.done()
    assert rr().get("k") == b"v0"  # reads run in a WRITE pause
    assert r.client_unpause() == b"OK"
    assert held.wait() is True
    assert r.get("k") == b"v1"


def test_pause_ends_by_its_timeout(r, rr, raw):
    ctl = raw()
    assert r.client_pause(int(1000 * SLOW), all=False)
    held = Background(rr().xadd, "s", {"f": "v"}, id="1-1")
    wait_blocked(ctl, 1)
    assert held.wait() == b"1-1"  # no UNPAUSE: the timeout released it
    assert r.xlen("s") == 1


def test_expiry_waits_for_the_end_of_the_pause(r, raw):
    base = r.info("stats")["expired_keys"]
    p = r.pipeline(transaction=True)
    p.set("e", "v", px=100)
    p.xadd("s", {"f": "v"}, id="1-1")
    p.pexpire("s", 100)
    p.client_pause(100000, all=False)
    p.execute()
    time.sleep(0.4)  # past the TTLs and several active expiry cycles
    assert r.get("e") is None and r.exists("s") == 0  # expired for reads...
    assert r.dbsize() == 2  # ...but neither lazily nor actively deleted
    assert r.info("stats")["expired_keys"] == base
    assert r.client_unpause()
    assert r.get("e") is None and r.xlen("s") == 0
    assert r.dbsize() == 0
    assert r.info("stats")["expired_keys"] == base + 2


@streamd_only
def test_writes_after_pause_in_the_same_transaction_see_expired_keys_gone(r):
    """The pause starts when its transaction ends: writes queued after CLIENT
    PAUSE replace an expired key as they would before the pause. (Redis 7.0
    stops expiring at once, and its SET of the expired, undeleted key then
    aborts on an assertion in dbAdd: streamd must neither crash nor add a
    second entry for the key.)"""
    r.set("k", "old", px=1)
    r.xadd("s", {"f": "v"}, id="1-1")
    r.pexpire("s", 1)
    time.sleep(0.02)
    p = r.pipeline(transaction=True)
    p.client_pause(100000, all=False)
    p.set("k", "new", nx=True)
    p.xadd("s", {"f": "w"}, id="5-1")
    p.xlen("s")
    assert p.execute() == [True, True, b"5-1", 1]
    assert r.get("k") == b"new" and r.ttl("k") == -1 and r.dbsize() == 2
    assert r.client_unpause()


@streamd_only
def test_randomkey_over_only_expired_keys(r):
    """Redis 7.2+: RANDOMKEY answers an expired key when every key has a TTL
    and a pause keeps them (7.0 loops for ever)."""
    p = r.pipeline(transaction=True)
    p.set("key", "v", px=50)
    p.client_pause(100000, all=False)
    p.execute()
    time.sleep(0.1)
    assert r.randomkey() == b"key"
    assert r.get("key") is None
    assert r.client_unpause()
    assert r.randomkey() is None


@streamd_only
def test_timeout_out_of_range(r):
    """Redis 7.2+ refuses a pause whose end overflows the clock (7.0 accepted
    it and the pause was over at once)."""
    with pytest.raises(redis.ResponseError, match="^timeout is out of range$"):
        r.client_pause(2**63 - 1)


@streamd_only
def test_client_unblock_does_not_release_a_held_client(r, rr, raw):
    """Redis 7.2+ answers 0 (7.0 crashed); the held command runs when the
    pause ends, and a client blocked on a key can still be unblocked."""
    ctl = raw()
    w = rr()
    wid = w.client_id()
    assert r.client_pause(100000, all=False)
    held = Background(w.set, "k", "1")
    wait_blocked(ctl, 1)
    assert r.client_unblock(wid) is False
    assert r.client_unblock(wid, error=True) is False
    assert not held.done()
    b = rr()
    bid = b.client_id()
    reader = Background(b.xread, {"s": "$"}, block=0)
    wait_blocked(ctl, 2)
    assert r.client_unblock(bid) is True  # a blocked read is not held: it can be
    assert reader.wait() in (None, [])  # answered as a timeout
    assert r.client_unpause()
    assert held.wait() is True


@streamd_only
def test_blocked_xreadgroup_is_held_by_a_write_pause(r, rr, raw):
    """Redis 7.2+: a blocked XREADGROUP (a write: it moves the group) whose
    stream gets an entry during a WRITE pause is held and runs again when the
    pause ends (7.0 served it during the pause)."""
    ctl = raw()
    r.xgroup_create("s", "g", id="$", mkstream=True)
    reader = Background(rr().xreadgroup, "g", "c", {"s": ">"}, block=0)
    wait_blocked(ctl, 1)
    p = r.pipeline(transaction=True)
    p.client_pause(100000, all=False)
    p.xadd("s", {"f": "v"}, id="1-1")
    p.execute()
    time.sleep(0.1)
    assert not reader.done()
    assert r.xpending("s", "g")["pending"] == 0  # nothing delivered while paused
    line = [c for c in r.client_list() if c["cmd"] == "xreadgroup"]
    assert len(line) == 1 and line[0]["flags"] == "b"
    assert r.client_unpause()
    assert reader.wait() == [[b"s", [(b"1-1", {b"f": b"v"})]]]
    assert r.xpending("s", "g")["pending"] == 1


def test_client_kill_of_held_clients(r, raw):
    ctl = raw()
    assert r.client_pause(100000, all=False)
    ids = []
    for i in range(3):
        c = raw()
        ids.append(c.call("CLIENT", "ID"))
        c.send_many([("SET", "k%d" % i, "1"), ("XADD", "s", "*", "f", "v")])
        wait_blocked(ctl, i + 1)
    held = raw()
    held.send_cmd("SET", "kept", "1")
    wait_blocked(ctl, 4)
    for cid in ids:
        assert ctl.call("CLIENT", "KILL", "ID", str(cid)) == 1
    assert b"blocked_clients:1\r" in bytes(ctl.call("INFO", "clients"))
    assert r.client_unpause()
    assert held.read() == b"OK"
    assert r.exists("k0", "k1", "k2", "s") == 0
    assert r.get("kept") == b"1"


def test_socket_closed_while_held(r, raw):
    ctl = raw()
    assert r.client_pause(100000, all=False)
    c = raw()
    c.send_cmd("SET", "gone", "1")
    wait_blocked(ctl, 1)
    c.close()
    deadline = time.monotonic() + 5 * SLOW
    while b"blocked_clients:0\r" not in bytes(ctl.call("INFO", "clients")):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert r.client_unpause()
    assert r.get("gone") is None


def test_many_held_clients_run_in_arrival_order(r, raw):
    ctl = raw()
    assert r.client_pause(100000, all=False)
    conns = []
    for i in range(1, 21):
        c = raw()
        c.send_many([("XADD", "s", "%d-1" % i, "n", str(i)), ("XLEN", "s")])
        wait_blocked(ctl, i)
        conns.append(c)
    assert r.client_unpause()
    for i, c in enumerate(conns, 1):
        assert c.read() == b"%d-1" % i
        assert c.read() == i


@streamd_only
def test_aof_gets_held_writes_when_they_run(make_server):
    srv = make_server(AOF_ALWAYS)
    path = os.path.join(srv.dir, "appendonlydir", "appendonly.aof.1.incr.aof")
    ctl, w = srv.raw(), srv.raw()
    assert ctl.call("XADD", "s", "1-1", "f", "before") == b"1-1"
    assert ctl.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    w.send_many([("XADD", "s", "*", "f", "held"), ("SET", "k", "v")])
    wait_blocked(ctl, 1)
    with open(path, "rb") as f:
        during = f.read()
    assert b"before" in during and b"held" not in during
    assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
    new_id = w.read()
    assert w.read() == b"OK"
    with open(path, "rb") as f:
        after = f.read()
    assert after.startswith(during)
    rest = after[len(during):]
    assert b"$4\r\nXADD\r\n$1\r\ns\r\n$%d\r\n%s\r\n" % (len(new_id), new_id) in rest  # concrete ID
    assert rest.index(b"held") < rest.index(b"$3\r\nSET\r\n")
    srv.restart()
    c = srv.raw()
    assert c.call("XLEN", "s") == 2 and c.call("GET", "k") == b"v"


def test_shutdown_in_a_write_pause(make_server):
    srv = make_server()
    c, s = srv.raw(), srv.raw()
    assert c.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    s.send_cmd("SHUTDOWN", "NOSAVE")  # not a write: runs at once
    assert s.closed_by_peer(timeout=5 * SLOW)
    assert srv.wait_exit() == 0


def test_shutdown_waits_for_an_all_pause(make_server):
    """SHUTDOWN is held by an ALL pause like any command, and runs when the
    pause ends; SIGTERM is not a command and is not held."""
    srv = make_server()
    c, s = srv.raw(), srv.raw()
    assert c.call("CLIENT", "PAUSE", str(int(300 * SLOW)), "ALL") == b"OK"
    s.send_cmd("SHUTDOWN", "NOSAVE")
    assert s.closed_by_peer(timeout=10 * SLOW)
    assert srv.wait_exit() == 0
    srv2 = make_server()
    c = srv2.raw()
    assert c.call("CLIENT", "PAUSE", "100000", "ALL") == b"OK"
    srv2.proc.send_signal(signal.SIGTERM)
    assert srv2.wait_exit() == 0


@pytest.mark.skipif(IS_REDIS, reason="streamd's CLIENT HELP lists only what it has")
def test_help_lists_pause(raw):
    text = raw().call("CLIENT", "HELP")
    assert b"PAUSE <timeout> [WRITE|ALL]" in text and b"UNPAUSE" in text


@streamd_only
def test_xreadgroup_claim_wakeup_is_held_by_a_write_pause(raw):
    """XREADGROUP ... CLAIM (Redis 8.4) blocked until a pending entry gets
    idle enough: when that time comes during a WRITE pause the claim (a
    write) is held, and made when the pause ends."""
    ctl, reader = raw(), raw()
    ctl.call("XADD", "s", "1-0", "f", "v")
    ctl.call("XGROUP", "CREATE", "s", "g", "0")
    ctl.call("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">")
    # (long enough for the pause to start before the entry is idle enough)
    reader.send_cmd("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "CLAIM", "1000", "STREAMS", "s", ">")
    wait_blocked(ctl, 1)
    assert ctl.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    time.sleep(1.2)  # the entry is idle enough now: the wake-up came during the pause
    assert reader.read_available(wait=0.05) == b""
    assert ctl.call("XPENDING", "s", "g", "-", "+", "10")[0][1] == b"c1"  # not claimed
    assert b"blocked_clients:1\r" in bytes(ctl.call("INFO", "clients"))
    assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
    got = reader.read()
    assert got[0][0] == b"s" and got[0][1][0][0] == b"1-0"
    assert ctl.call("XPENDING", "s", "g", "-", "+", "10")[0][1] == b"c2"
