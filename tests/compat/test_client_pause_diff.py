"""CLIENT PAUSE / CLIENT UNPAUSE, differentially against redis-server 7.0.

Each scenario is a function run once against streamd and once against 7.0;
it returns the raw replies it saw (and what it observed of the held clients:
INFO blocked_clients, CLIENT LIST flags and cmd), which must be the same
byte for byte. A held command is shown to be held by INFO blocked_clients
(wait_blocked) before the pause is lifted, never by timing; its replies
are read after CLIENT UNPAUSE, so their order is the order the server ran
them in.

An ALL pause holds every client's commands, CLIENT UNPAUSE and INFO
included; a MONITOR connection is not paused (Redis counts monitors as
replicas, which are never paused), so the ALL scenarios watch and lift the
pause from one.

Where 7.0 and Redis 7.2+/8.x differ, streamd follows the newer Redis and
tests/integration/test_client_pause.py checks it instead: a blocked
XREADGROUP whose key becomes ready during a WRITE pause is held (7.0 served
it, writing during the pause), CLIENT UNBLOCK of a held client answers 0
(7.0 crashed), RANDOMKEY over only expired keys answers one of them (7.0
looped for ever), and a timeout whose end overflows the clock is refused
("ERR timeout is out of range"; 7.0 accepted it and the pause ended at
once).
"""

import re
import time

import pytest

from testlib import IS_REDIS, Status, wait_blocked

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

LONG = "100000"  # ms: a pause that only CLIENT UNPAUSE ends


def held_fields(ctl, cid):
    """(flags, cmd, multi) of client cid in CLIENT LIST."""
    listing = ctl.call("CLIENT", "LIST")
    for line in bytes(listing).decode().splitlines():
        f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        if f["id"] == str(cid):
            return f["flags"], f["cmd"], f["multi"]
    return None


def nothing_yet(c):
    """The bytes a held client got so far: none."""
    return c.read_available(wait=0.05)


def read_n(c, n):
    return [c.read_with_raw()[1] for _ in range(n)]


def mon_call(m, *args):
    """A command on a MONITOR connection: its reply, skipping monitor lines."""
    m.send_cmd(*args)
    while True:
        v, raw = m.read_with_raw()
        if isinstance(v, Status) and re.match(rb"\d+\.\d+ \[", bytes(v)):
            continue
        return raw


def mon_wait_blocked(m, n):
    deadline = time.monotonic() + 10
    while True:
        info = mon_call(m, "INFO", "clients")
        if int(re.search(rb"blocked_clients:(\d+)", info).group(1)) >= n:
            return
        assert time.monotonic() < deadline, "no client held"
        time.sleep(0.005)


def run(srv, scenario):
    conns = []

    def conn():
        c = srv.raw()
        conns.append(c)
        return c

    ctl = conn()
    ctl.call("FLUSHALL")
    try:
        return scenario(conn, ctl)
    finally:
        for c in conns:
            c.close()
        # a scenario that failed half-way leaves no pause to the next one
        c = srv.raw()
        c.send_cmd("MONITOR")
        c.send_cmd("CLIENT", "UNPAUSE")
        c.read_available(wait=0.05, first_wait=2)
        c.close()


# -- scenarios ---------------------------------------------------------------


def errors(conn, ctl):
    cmds = [
        ("CLIENT", "PAUSE"), ("CLIENT", "PAUSE", "abc"), ("CLIENT", "PAUSE", "-1"),
        ("CLIENT", "PAUSE", "1.5"), ("CLIENT", "PAUSE", "+10"), ("CLIENT", "PAUSE", "010"),
        ("CLIENT", "PAUSE", ""), ("CLIENT", "PAUSE", "99999999999999999999"),
        ("CLIENT", "PAUSE", "10", "bad"), ("CLIENT", "PAUSE", "10", ""),
        ("CLIENT", "PAUSE", "abc", "bad"),  # the mode is checked first
        ("CLIENT", "PAUSE", "-5", "read"),
        ("CLIENT", "PAUSE", "10", "write", "extra"), ("CLIENT", "Pause", "10", "ALL", "x"),
        ("CLIENT", "UNPAUSE", "x"), ("CLIENT", "UNPAUSE"),  # nothing paused: OK
        ("CLIENT", "PAUSE", "0"), ("CLIENT", "PAUSE", "0", "wRiTe"), ("CLIENT", "PAUSE", "0", "all"),
        ("MULTI",), ("CLIENT", "PAUSE", "x"), ("CLIENT", "PAUSE", "0", "WRITE"), ("EXEC",),
        ("CLIENT", "UNPAUSE"), ("PING",),
    ]
    return [ctl.call_raw(*c) for c in cmds]


def write_mode(conn, ctl):
    """Reads run, writes wait in arrival order, errors are answered at once."""
    p, w1, w2, rd = conn(), conn(), conn(), conn()
    ctl.call("SET", "k", "v0")
    ctl.call("XADD", "s", "1-1", "f", "v")
    ctl.call("XGROUP", "CREATE", "s", "g", "0")
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "WRITE")]
    w1id = w1.call("CLIENT", "ID")
    w1.send_many([("XADD", "s", "2-1", "f", "a"), ("SET", "k", "v1"), ("GET", "k")])
    wait_blocked(ctl, 1)
    w2.send_many([("XADD", "s", "3-1", "f", "b"), ("XLEN", "s")])
    wait_blocked(ctl, 2)
    for cmd in [("GET", "k"), ("XLEN", "s"), ("XRANGE", "s", "-", "+"), ("XREAD", "STREAMS", "s", "0"),
                ("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"), ("EXISTS", "k"), ("DBSIZE",),
                ("TYPE", "s"), ("PING",), ("ECHO", "e"), ("SELECT", "0"), ("SET", "k"),
                ("XADD", "s"), ("NOSUCH", "x"), ("WAIT", "0", "0"), ("MULTI",), ("GET", "k"),
                ("EXEC",)]:
        out.append(rd.call_raw(*cmd))
    out += [nothing_yet(w1), nothing_yet(w2), held_fields(ctl, w1id)]
    out.append(re.search(rb"blocked_clients:\d+", ctl.call_raw("INFO", "clients")).group(0))
    # XREADGROUP writes (it moves the group), even without BLOCK
    g = conn()
    g.send_cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    wait_blocked(ctl, 3)
    out.append(ctl.call_raw("CLIENT", "UNPAUSE"))
    out += read_n(w1, 3) + read_n(w2, 2) + read_n(g, 1)
    out += [ctl.call_raw("XLEN", "s"), ctl.call_raw("GET", "k"), ctl.call_raw("XPENDING", "s", "g")]
    return out


def transactions(conn, ctl):
    """In a WRITE pause a write is held when it is queued; EXEC of a
    transaction that writes is held, a read-only one runs."""
    p, t1, t2, t3 = conn(), conn(), conn(), conn()
    ctl.call("SET", "x", "1")
    t3.call("MULTI")
    t3.call("SET", "x", "3")  # queued before the pause
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "WRITE")]
    t1id = t1.call("CLIENT", "ID")
    out.append(t1.call_raw("MULTI"))
    t1.send_many([("SET", "x", "2"), ("GET", "x"), ("EXEC",), ("PING",)])
    wait_blocked(ctl, 1)
    out += [nothing_yet(t1), held_fields(ctl, t1id)]
    out += [t2.call_raw(*c) for c in [("MULTI",), ("GET", "x"), ("PING",), ("EXEC",)]]
    t3.send_cmd("EXEC")
    wait_blocked(ctl, 2)
    out.append(nothing_yet(t3))
    out.append(ctl.call_raw("CLIENT", "UNPAUSE"))
    out += read_n(t1, 4) + read_n(t3, 1)
    out.append(ctl.call_raw("GET", "x"))
    return out


def pause_inside_multi(conn, ctl):
    """A pause issued inside a transaction starts when the transaction ends."""
    p, w = conn(), conn()
    out = [p.call_raw(*c) for c in [("MULTI",), ("SET", "f1", "a"), ("CLIENT", "PAUSE", LONG, "WRITE"),
                                    ("SET", "f2", "b"), ("EXEC",)]]
    w.send_cmd("SET", "f3", "c")
    wait_blocked(ctl, 1)
    out += [nothing_yet(w), ctl.call_raw("MGET", "f1", "f2", "f3"), ctl.call_raw("CLIENT", "UNPAUSE")]
    out += read_n(w, 1)
    out.append(ctl.call_raw("MGET", "f1", "f2", "f3"))
    return out


def shorter_pause_keeps_end(conn, ctl):
    """A later pause with an earlier end does not shorten the pause."""
    p, w = conn(), conn()
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "WRITE"), p.call_raw("CLIENT", "PAUSE", "1", "WRITE")]
    time.sleep(0.05)  # the 1 ms pause is over: the first one still holds
    w.send_cmd("SET", "k", "1")
    wait_blocked(ctl, 1)
    out += [nothing_yet(w), ctl.call_raw("CLIENT", "UNPAUSE")] + read_n(w, 1)
    return out


def stricter_mode_wins(conn, ctl):
    """WRITE then ALL: ALL (to the later end); ALL then WRITE: still ALL."""
    out = []
    for first, second in [(("CLIENT", "PAUSE", LONG, "WRITE"), ("CLIENT", "PAUSE", "1", "ALL")),
                          (("CLIENT", "PAUSE", LONG, "ALL"), ("CLIENT", "PAUSE", "1", "WRITE"))]:
        p, r, m = conn(), conn(), conn()
        m.call("MONITOR")
        # one transaction: in an ALL pause the pausing client is held too
        out += [p.call_raw(*c) for c in [("MULTI",), first, second, ("EXEC",)]]
        time.sleep(0.05)
        r.send_cmd("GET", "k")  # a read: held only by ALL
        mon_wait_blocked(m, 1)
        out += [nothing_yet(r), mon_call(m, "CLIENT", "UNPAUSE")] + read_n(r, 1)
    return out


def all_mode(conn, ctl):
    """ALL holds every command (CLIENT UNPAUSE, INFO, QUIT, the pausing
    client's own); refused commands behind a held one wait behind it."""
    m, p, a, b, q = conn(), conn(), conn(), conn(), conn()
    m.call("MONITOR")
    ctl.call("SET", "k", "v")
    out = [p.call_raw("CLIENT", "PAUSE", LONG)]  # ALL is the default
    a.send_many([("PING",), ("NOSUCH",), ("GET",), ("GET", "k"), ("CLIENT", "UNPAUSE"), ("INFO", "nosuch")])
    mon_wait_blocked(m, 1)
    b.send_many([("MULTI",), ("GET", "k"), ("EXEC",)])
    mon_wait_blocked(m, 2)
    p.send_cmd("PING", "self")
    mon_wait_blocked(m, 3)
    q.send_cmd("QUIT")
    mon_wait_blocked(m, 4)
    out += [nothing_yet(a), nothing_yet(b), nothing_yet(p), nothing_yet(q)]
    out.append(mon_call(m, "PING"))  # a monitor is not paused
    out.append(mon_call(m, "CLIENT", "UNPAUSE"))
    out += read_n(a, 6) + read_n(b, 3) + read_n(p, 1) + read_n(q, 1)
    out.append(q.closed_by_peer())
    return out


def errors_not_held(conn, ctl):
    """Unknown commands, arity errors and refused commands are answered at
    once in an ALL pause: the checks come before the pause's."""
    m, p, a = conn(), conn(), conn()
    m.call("MONITOR")
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "ALL")]
    a.send_many([("NOSUCH", "a"), ("SET", "k"), ("CLIENT", "NOSUCH"), ("XADD", "s")])
    out += read_n(a, 4)
    out.append(mon_call(m, "CLIENT", "UNPAUSE"))
    return out


def release_order_and_repause(conn, ctl):
    """Released clients run in arrival order, each with its pipelined input;
    one that pauses again holds the ones after it."""
    m, p, a, b, c = conn(), conn(), conn(), conn(), conn()
    m.call("MONITOR")
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "ALL")]
    a.send_many([("XADD", "s", "1-1", "f", "a"), ("CLIENT", "PAUSE", LONG, "WRITE"), ("XLEN", "s")])
    mon_wait_blocked(m, 1)
    b.send_many([("XADD", "s", "2-1", "f", "b"), ("XLEN", "s")])
    mon_wait_blocked(m, 2)
    c.send_many([("XLEN", "s"), ("XRANGE", "s", "-", "+")])
    mon_wait_blocked(m, 3)
    out.append(mon_call(m, "CLIENT", "UNPAUSE"))
    out += read_n(a, 3) + read_n(c, 2)
    wait_blocked(ctl, 1)  # b's write, held again by a's WRITE pause
    out += [nothing_yet(b), ctl.call_raw("CLIENT", "UNPAUSE")] + read_n(b, 2)
    return out


def expiry(conn, ctl):
    """Expired keys read as missing during a pause but are not deleted
    (lazily or actively) until it ends."""
    r = conn()
    base = int(re.search(rb"expired_keys:(\d+)", ctl.call_raw("INFO", "stats")).group(1))
    # TTLs long enough not to pass while the transaction runs (7.0 deletes a
    # key at once when its new TTL is already over)
    out = [ctl.call_raw(*c) for c in [("MULTI",), ("SET", "e1", "v", "PX", "100"),
                                      ("XADD", "e2", "1-1", "f", "v"), ("PEXPIRE", "e2", "100"),
                                      ("SET", "keep", "v"), ("CLIENT", "PAUSE", LONG, "WRITE"), ("EXEC",)]]
    time.sleep(0.4)  # past the keys' TTL, and several active expiry cycles
    for cmd in [("GET", "e1"), ("EXISTS", "e1", "e2", "keep"), ("TTL", "e1"), ("PTTL", "e2"),
                ("TYPE", "e2"), ("XLEN", "e2"), ("XRANGE", "e2", "-", "+"), ("DBSIZE",), ("KEYS", "*"),
                ("SCAN", "0"), ("MGET", "e1", "keep"), ("STRLEN", "e1")]:
        out.append(r.call_raw(*cmd))
    out.append(re.search(rb"db0:keys=\d+,expires=\d+", ctl.call_raw("INFO", "keyspace")).group(0))
    now = int(re.search(rb"expired_keys:(\d+)", ctl.call_raw("INFO", "stats")).group(1))
    out.append(now - base)
    out.append(ctl.call_raw("CLIENT", "UNPAUSE"))
    out += [r.call_raw("GET", "e1"), r.call_raw("XLEN", "e2"), r.call_raw("DBSIZE")]
    now = int(re.search(rb"expired_keys:(\d+)", ctl.call_raw("INFO", "stats")).group(1))
    out.append(now - base)
    return out


def kill_and_disconnect(conn, ctl):
    """A held client that is killed or goes away never runs its command."""
    p, w = conn(), conn()
    wid = w.call("CLIENT", "ID")
    out = [p.call_raw("CLIENT", "PAUSE", LONG, "WRITE")]
    w.send_cmd("SET", "k1", "1")
    wait_blocked(ctl, 1)
    out.append(ctl.call_raw("CLIENT", "KILL", "ID", str(wid)))
    out.append(w.closed_by_peer())
    out.append(re.search(rb"blocked_clients:\d+", ctl.call_raw("INFO", "clients")).group(0))
    d = conn()
    d.send_cmd("SET", "k2", "1")
    wait_blocked(ctl, 1)
    d.close()
    deadline = time.monotonic() + 10
    while b"blocked_clients:0" not in ctl.call_raw("INFO", "clients"):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    out.append(ctl.call_raw("CLIENT", "UNPAUSE"))
    out.append(ctl.call_raw("MGET", "k1", "k2"))
    return out


def blocked_xread(conn, ctl):
    """A blocked XREAD (a read) is served during a WRITE pause; one that times
    out answers as usual."""
    r1, r2 = conn(), conn()
    ctl.call("XADD", "s", "1-1", "f", "v")
    r1.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(ctl, 1)
    out = [ctl.call_raw(*c) for c in [("MULTI",), ("CLIENT", "PAUSE", LONG, "WRITE"),
                                      ("XADD", "s", "2-1", "f", "w"), ("EXEC",)]]
    out += read_n(r1, 1)
    out.append(r2.call_raw("XREAD", "BLOCK", "100", "STREAMS", "other", "$"))
    out.append(ctl.call_raw("CLIENT", "UNPAUSE"))
    return out


SCENARIOS = {f.__name__: f for f in [
    errors, write_mode, transactions, pause_inside_multi, shorter_pause_keeps_end,
    stricter_mode_wins, all_mode, errors_not_held, release_order_and_repause, expiry,
    kill_and_disconnect, blocked_xread]}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_client_pause(server, ref_server, name):
    ours = run(server, SCENARIOS[name])
    theirs = run(ref_server, SCENARIOS[name])
    assert ours == theirs
