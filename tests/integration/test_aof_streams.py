"""The append-only file with streams and consumer groups (issue #6).

Round trips: every stream and group command, then a restart (replay of the
incremental file) and a BGREWRITEAOF + restart (replay of the base) must
give the same streams, IDs, metadata, groups, consumers and pending entries
(owners, delivery times and counts), as XINFO STREAM FULL shows them.
Blocked readers are not state and must not come back. A crash test kills
the server with SIGKILL in the middle of acknowledged XADD/XREADGROUP/XACK
traffic; interop tests check the files with redis-check-aof and Debian's
redis-server 7.0 (both directions).
"""

import os
import random
import shutil
import subprocess
import threading
import time

import pytest

from testlib import IS_REDIS, SLOW, RespConn, RespError
from testlib.cmds import AOF_ALWAYS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

CHECK_AOF = "/usr/bin/redis-check-aof"


# ---- helpers -------------------------------------------------------------------------


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


def info_persistence(conn):
    text = bytes(conn.call("INFO", "persistence")).decode()
    return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)


def wait_rewrite(conn, timeout=20):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        i = info_persistence(conn)
        if i["aof_rewrite_in_progress"] == "0" and i["aof_rewrite_scheduled"] == "0":
            assert i["aof_last_bgrewrite_status"] == "ok"
            return i
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def rewrite(conn):
    wait_rewrite(conn)
    assert conn.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_rewrite(conn)


def pairs(lst):
    return {bytes(lst[i]): lst[i + 1] for i in range(0, len(lst), 2)}


# Fields that are not part of the persisted state: node layout (a rewrite
# repacks nodes) and consumers' seen/active times (set by the replay; Redis
# does not keep them either).
VOLATILE = {b"radix-tree-keys", b"radix-tree-nodes", b"seen-time", b"active-time"}


def strip(x):
    if isinstance(x, list) and len(x) % 2 == 0 and all(
        isinstance(x[i], bytes) and not isinstance(x[i], list) for i in range(0, len(x), 2)
    ) and any(bytes(x[i]) in (b"name", b"length", b"pel-count") for i in range(0, len(x), 2)):
        return [(bytes(x[i]), strip(x[i + 1])) for i in range(0, len(x), 2)
                if bytes(x[i]) not in VOLATILE]
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def stream_state(conn, key):
    full = conn.call("XINFO", "STREAM", key, "FULL", "COUNT", "0")
    assert not isinstance(full, RespError), full
    return strip(full)


def keyspace_state(conn):
    out = {}
    for db in (0, 1):
        conn.call("SELECT", db)
        cursor = b"0"
        keys = []
        while True:
            cursor, batch = conn.call("SCAN", cursor, "COUNT", "1000")
            keys += batch
            if cursor == b"0":
                break
        for k in keys:
            t = conn.call("TYPE", k)
            if t == b"stream":
                out[(db, k)] = ("stream", stream_state(conn, k), conn.call("PTTL", k) > 0)
            else:
                out[(db, k)] = (t, conn.call("GET", k), conn.call("PTTL", k) > 0)
    conn.call("SELECT", 0)
    return out


def ok(r):
    assert not isinstance(r, RespError), r
    return r


def exercise(c):
    """Every stream and group command that changes state, with the cases
    that make propagation interesting. c is a RespConn."""
    ok(c.call("XADD", "s", "1-1", "a", "1"))
    ok(c.call("XADD", "s", "1-*", "b", "2", "c", "3"))
    ok(c.call("XADD", "s", "*", "f", "v"))
    for i in range(300):  # several nodes
        ok(c.call("XADD", "s", "*", "n", str(i), "blob", "x" * (i % 50)))
    ok(c.call("XADD", "s", "MAXLEN", "~", "250", "*", "trim", "approx"))
    ok(c.call("XADD", "s2", "NOMKSTREAM", "*", "a", "b"))  # no key: nothing
    ids = [e[0] for e in ok(c.call("XRANGE", "s", "-", "+"))]
    ok(c.call("XDEL", "s", ids[5], ids[6], ids[-1]))
    ok(c.call("XTRIM", "s", "MAXLEN", "=", "200"))
    ids = [e[0] for e in ok(c.call("XRANGE", "s", "-", "+"))]
    ok(c.call("XTRIM", "s", "MINID", ids[3]))
    ok(c.call("XADD", "t", "5-5", "k", "v"))
    ok(c.call("XDEL", "t", "5-5"))  # an empty stream with metadata
    ok(c.call("XSETID", "t", "9-9", "ENTRIESADDED", "12", "MAXDELETEDID", "7-7"))
    # groups
    ok(c.call("XGROUP", "CREATE", "s", "g1", "0"))
    ok(c.call("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"))
    ok(c.call("XGROUP", "CREATE", "s", "gone", "0"))
    ok(c.call("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"))
    ok(c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s", ">"))
    ok(c.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "4", "STREAMS", "s", ">"))
    ok(c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s", "0"))  # history
    ok(c.call("XREADGROUP", "GROUP", "g1", "zed", "NOACK", "COUNT", "3", "STREAMS", "s", ">"))
    ok(c.call("XREADGROUP", "GROUP", "g", "nobody", "COUNT", "1", "STREAMS", "empty", ">"))
    pend = ok(c.call("XPENDING", "s", "g1", "-", "+", "100"))
    pids = [p[0] for p in pend]
    assert ok(c.call("XACK", "s", "g1", pids[0], pids[1])) == 2
    ok(c.call("XCLAIM", "s", "g1", "carol", "0", pids[2]))
    ok(c.call("XCLAIM", "s", "g1", "dave", "0", pids[3], "IDLE", "5000", "RETRYCOUNT", "7"))
    ok(c.call("XCLAIM", "s", "g1", "dave", "0", pids[4], "TIME", "1700000000000", "JUSTID"))
    ok(c.call("XAUTOCLAIM", "s", "g1", "erin", "0", "0", "COUNT", "2"))
    ok(c.call("XGROUP", "CREATECONSUMER", "s", "g1", "frank"))
    ok(c.call("XGROUP", "DELCONSUMER", "s", "g1", "bob"))
    ok(c.call("XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "0"))
    ok(c.call("XREADGROUP", "GROUP", "g2", "x", "COUNT", "3", "STREAMS", "s", ">"))
    ok(c.call("XGROUP", "DESTROY", "s", "gone"))
    # an XADD and an XACK in one transaction
    ok(c.call("MULTI"))
    c.call("XADD", "s", "*", "in", "tx")
    c.call("XACK", "s", "g1", pids[5])
    ok(c.call("EXEC"))
    # a stream in another db, one with a TTL, one deleted
    ok(c.call("SELECT", "1"))
    ok(c.call("XADD", "db1", "*", "k", "v"))
    ok(c.call("SELECT", "0"))
    ok(c.call("XADD", "ttl", "*", "k", "v"))
    ok(c.call("PEXPIRE", "ttl", "500000"))
    ok(c.call("XADD", "deleted", "*", "k", "v"))
    ok(c.call("DEL", "deleted"))
    ok(c.call("SET", "str", "plain"))


# ---- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_every_command_survives_restart_and_rewrite(make_server, fsync):
    srv = make_server(["--appendonly", "yes", "--appendfsync", fsync])
    c = srv.raw()
    exercise(c)
    before = keyspace_state(c)
    c.close()
    srv.restart()
    c = srv.raw()
    assert keyspace_state(c) == before
    rewrite(c)
    base = os.path.join(aof_dir(srv), "appendonly.aof.2.base.aof")
    assert b"XSETID" in open(base, "rb").read()
    c.close()
    srv.restart()
    c = srv.raw()
    assert keyspace_state(c) == before
    # and once more from a base written by a base
    rewrite(c)
    c.close()
    srv.kill9()
    srv.start()
    c = srv.raw()
    assert keyspace_state(c) == before
    out = subprocess.run([CHECK_AOF, os.path.join(aof_dir(srv), "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "All AOF files and manifest are valid" in out.stdout, out
    c.close()


def test_blocked_readers_are_not_persisted(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    ok(c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"))
    blocked = srv.raw()
    blocked.send_cmd("XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "0", "STREAMS", "s", ">")
    blocked2 = srv.raw()
    blocked2.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    deadline = time.monotonic() + 5
    while b"blocked_clients:2" not in bytes(c.call("INFO", "clients")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    before = keyspace_state(c)
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    size = os.path.getsize(incr)
    blocked.close()
    blocked2.close()
    c.close()
    srv.restart()
    c = srv.raw()
    assert keyspace_state(c) == before
    assert b"blocked_clients:0" in bytes(c.call("INFO", "clients"))
    # an XADD now serves nobody: the waiter's consumer exists only if the
    # blocking read created it (as Redis does), with nothing pending
    ok(c.call("XADD", "s", "*", "k", "v"))
    assert ok(c.call("XPENDING", "s", "g"))[0] == 0
    assert os.path.getsize(incr) > size


def test_served_blocked_reader_is_persisted(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    ok(c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"))
    blocked = srv.raw()
    blocked.send_cmd("XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "0", "STREAMS", "s", ">")
    deadline = time.monotonic() + 5
    while b"blocked_clients:1" not in bytes(c.call("INFO", "clients")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    new_id = ok(c.call("XADD", "s", "*", "k", "v"))
    reply = blocked.read()
    assert reply[0][1][0][0] == new_id
    before = keyspace_state(c)
    pend = ok(c.call("XPENDING", "s", "g", "-", "+", "10"))
    assert [p[0] for p in pend] == [new_id] and pend[0][1] == b"waiter"
    srv.restart()
    c = srv.raw()
    assert keyspace_state(c) == before


# ---- crash -------------------------------------------------------------------------------


class Writer(threading.Thread):
    """Appends entries, reads them through the group and acknowledges about
    three in four, recording what the server acknowledged."""

    def __init__(self, port, name, stop):
        super().__init__(daemon=True)
        self.port, self.name_, self.stop_ev = port, name, stop
        self.added = {}  # id -> payload, acknowledged XADDs
        self.sent_payloads = set()
        self.acked = set()  # ids whose XACK returned 1
        self.ack_sent = set()
        self.ops = 0
        self.error = None

    def run(self):
        try:
            c = RespConn("127.0.0.1", self.port, timeout=10)
            seq = 0
            while not self.stop_ev.is_set():
                batch = []
                for _ in range(20):
                    payload = "%s-%d" % (self.name_, seq)
                    seq += 1
                    batch.append(payload)
                    self.sent_payloads.add(payload)
                c.send_many([("XADD", "s", "*", "p", p, "pad", "x" * 16) for p in batch])
                for p in batch:
                    r = c.read()
                    if isinstance(r, RespError):
                        raise AssertionError(r)
                    self.added[r] = p
                    self.ops += 1
                read = c.call("XREADGROUP", "GROUP", "g", "c-" + self.name_, "COUNT", "20",
                              "STREAMS", "s", ">")
                self.ops += 1
                if not read:
                    continue
                ids = [e[0] for e in read[0][1]]
                to_ack = [i for i in ids if random.random() < 0.75]
                if not to_ack:
                    continue
                c.send_many([("XACK", "s", "g", i) for i in to_ack])
                self.ack_sent.update(to_ack)
                for i in to_ack:
                    if c.read() == 1:
                        self.acked.add(i)
                    self.ops += 1
        except Exception as e:  # the kill ends the connection
            self.error = e


def id_key(i):
    ms, seq = i.split(b"-")
    return (int(ms), int(seq))


def check_after_crash(c, writers):
    entries = {e[0]: e[1] for e in ok(c.call("XRANGE", "s", "-", "+"))}
    assert ok(c.call("XLEN", "s")) == len(entries)
    sent = set().union(*(w.sent_payloads for w in writers))
    for e in entries.values():  # nothing half-applied: every entry whole
        assert len(e) == 4 and e[0] == b"p" and e[1].decode() in sent and e[3] == b"x" * 16
    for w in writers:
        for i, p in w.added.items():
            assert i in entries, "acknowledged XADD %r lost" % i
            assert entries[i][1] == p.encode()
    g = pairs(ok(c.call("XINFO", "GROUPS", "s"))[0])
    last = id_key(g[b"last-delivered-id"])
    pending = {p[0] for p in ok(c.call("XPENDING", "s", "g", "-", "+", str(10 ** 6)))}
    assert g[b"pending"] == len(pending)
    acked = set().union(*(w.acked for w in writers))
    ack_sent = set().union(*(w.ack_sent for w in writers))
    assert not (pending & acked), "acknowledged XACKs undone"
    for i in pending:  # a delivery is whole: entry, pending entry, last-delivered-id
        assert i in entries and id_key(i) <= last
    for i in entries:  # delivered and not pending: only if an XACK was sent
        if id_key(i) <= last and i not in pending:
            assert i in ack_sent, i
    return len(entries)


def test_crash_keeps_every_acknowledged_write(make_server):
    """Three SIGKILLs at random moments of XADD/XREADGROUP/XACK traffic from
    four connections (100,000 acknowledged operations before the first)."""
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    ok(c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"))
    c.close()
    all_writers = []
    for cycle, target in enumerate([100000, 20000, 20000]):
        stop = threading.Event()
        writers = [Writer(srv.port, "k%dw%d" % (cycle, n), stop) for n in range(4)]
        all_writers += writers
        for w in writers:
            w.start()
        deadline = time.monotonic() + 90 * SLOW
        while sum(w.ops for w in writers) < target:
            assert time.monotonic() < deadline, sum(w.ops for w in writers)
            assert all(w.is_alive() for w in writers), [w.error for w in writers]
            time.sleep(0.02)
        time.sleep(random.random() * 0.3)  # a random moment in the traffic
        srv.kill9()
        stop.set()
        for w in writers:
            w.join(10)
            assert not w.is_alive()
        srv.start()
        c = srv.raw()
        n = check_after_crash(c, all_writers)
        assert n >= sum(len(w.added) for w in all_writers)
        c.close()


# ---- interop with Redis -----------------------------------------------------------------


def interop_state(conn, key):
    groups = [pairs(g) for g in ok(conn.call("XINFO", "GROUPS", key))]
    out = {
        "range": ok(conn.call("XRANGE", key, "-", "+")),
        "groups": groups,
    }
    for g in groups:
        name = g[b"name"]
        out[b"summary:" + name] = ok(conn.call("XPENDING", key, name))
        out[b"detail:" + name] = [(p[0], p[1], p[3]) for p in
                                  ok(conn.call("XPENDING", key, name, "-", "+", "1000"))]
    return out


def interop_exercise(c):
    for i in range(50):
        ok(c.call("XADD", "s", "*", "n", str(i)))
    ok(c.call("XGROUP", "CREATE", "s", "g1", "0"))
    ok(c.call("XGROUP", "CREATE", "s", "g2", "0"))
    ok(c.call("XREADGROUP", "GROUP", "g1", "a", "COUNT", "10", "STREAMS", "s", ">"))
    ok(c.call("XREADGROUP", "GROUP", "g1", "b", "COUNT", "5", "STREAMS", "s", ">"))
    ok(c.call("XREADGROUP", "GROUP", "g2", "a", "COUNT", "20", "STREAMS", "s", ">"))
    pend = ok(c.call("XPENDING", "s", "g1", "-", "+", "100"))
    ok(c.call("XACK", "s", "g1", pend[0][0], pend[3][0]))
    ok(c.call("XCLAIM", "s", "g1", "c", "0", pend[5][0], "RETRYCOUNT", "4"))
    ok(c.call("XGROUP", "CREATECONSUMER", "s", "g2", "idle"))


def test_interop_redis_serves_streamd_aof(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.raw()
    interop_exercise(c)
    rewrite(c)
    ok(c.call("XADD", "s", "*", "after", "rewrite"))
    ok(c.call("XREADGROUP", "GROUP", "g2", "z", "COUNT", "2", "STREAMS", "s", ">"))
    ours = interop_state(c, "s")
    c.close()
    srv.stop()
    out = subprocess.run([CHECK_AOF, os.path.join(aof_dir(srv), "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out
    red = make_server(kind="redis")
    red.stop()
    shutil.copytree(aof_dir(srv), aof_dir(red))
    red.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    rc = red.raw()
    assert interop_state(rc, "s") == ours


def test_interop_streamd_loads_redis_aof(make_server):
    red = make_server(kind="redis", args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    rc = red.raw()
    interop_exercise(rc)
    rewrite(rc)
    ok(rc.call("XADD", "s", "*", "after", "rewrite"))
    ok(rc.call("XREADGROUP", "GROUP", "g2", "z", "COUNT", "2", "STREAMS", "s", ">"))
    rc.close()
    # What Redis itself rebuilds from these files: Redis 7.0 does not record
    # every change it makes (XREADGROUP's entries-read), so its own reload is
    # the reference, not its state before the restart.
    red.restart()
    rc = red.raw()
    theirs = interop_state(rc, "s")
    rc.close()
    red.stop()
    srv = make_server(AOF_ALWAYS)
    srv.stop()
    shutil.rmtree(aof_dir(srv))
    shutil.copytree(aof_dir(red), aof_dir(srv))
    srv.start()
    assert interop_state(srv.raw(), "s") == theirs
