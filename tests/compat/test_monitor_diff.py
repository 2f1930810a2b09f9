"""MONITOR, differentially: the same scripts run against streamd and Debian's
redis-server 7.0 while a connection monitors; the replies and the lines the
monitor gets must match, with the timestamp masked and each client address
replaced by the name of the connection it belongs to (checked to be that
connection's own ip:port). Only commands both servers have are used: a
command streamd does not implement (LPUSH, SUBSCRIBE) is refused before it
runs, so it would not be shown.

A script is a list of steps: ("a", *cmd) sends cmd on connection a and reads
its reply; ("a!", *cmd) sends without reading (a blocking command); ("a?",)
reads one pending reply; ("raw:a", bytes) sends bytes as they are and reads
one reply; ("a~", *cmd) sends cmd and takes whatever arrives within a moment
(for a connection that monitors itself: its reply and then lines). Another
connection, made first, monitors throughout; what it got is compared too.
"""

import re
import time

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

LINE = re.compile(rb"^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$", re.S)
IN_RAW = re.compile(rb"\+(\d+)\.\d{6} \[(\d+) ([^\]]+)\]")
MARK = ("ECHO", "--end-of-script--")


def run(srv, script, volatile=()):
    """Runs script against srv; returns (replies, lines the monitor got),
    with the volatile steps' replies replaced by their type name."""
    ctl = srv.raw()
    assert ctl.call("FLUSHALL") == b"OK"
    mon = srv.raw()
    assert mon.call("MONITOR") == b"OK"
    conns, names = {}, {}
    started = time.time()

    def conn(name):
        if name not in conns:
            c = srv.raw()
            conns[name] = c
            host, port = c.sock.getsockname()[:2]
            names[b"%s:%d" % (host.encode(), port)] = name.encode()
        return conns[name]

    def mask(raw):
        def one(m):
            assert started - 2 <= int(m.group(1)) <= time.time() + 2, raw
            return b"+T [%s %s]" % (m.group(2), names.get(m.group(3), m.group(3)))

        return IN_RAW.sub(one, raw)

    replies = []
    for i, step in enumerate(script):
        who, args = step[0], step[1:]
        if who == "blocked":
            # CLIENT LIST is not shown to monitors
            deadline = time.time() + 10
            while bytes(ctl.call("CLIENT", "LIST")).count(b" flags=b ") < args[0]:
                assert time.time() < deadline, "clients did not block"
                time.sleep(0.01)
            continue
        if who.startswith("raw:"):
            c = conn(who[4:])
            c.send(args[0])
            got = c.read_with_raw()[1]
        elif who.endswith("!"):
            conn(who[:-1]).send_cmd(*args)
            continue
        elif who.endswith("?"):
            got = conn(who[:-1]).read_with_raw()[1]
        elif who.endswith("~"):
            c = conn(who[:-1])
            c.send_cmd(*args)
            got = mask(c.read_available(wait=0.3, first_wait=0.3))
        else:
            got = conn(who).call_raw(*args)
        if i in volatile:
            got = type(got).__name__
        replies.append((who, got))
    conn("w").call(*MARK)
    lines = []
    while True:
        v = mon.read()
        m = LINE.match(v) if isinstance(v, bytes) else None
        assert m, v
        assert started - 2 <= int(m.group(1)) <= time.time() + 2, v
        body = m.group(5)
        if body == b'"ECHO" "%s"' % MARK[1].encode():
            break
        lines.append(b"[%s %s] %s" % (m.group(3), names.get(m.group(4), m.group(4)), body))
    for c in list(conns.values()) + [mon, ctl]:
        c.close()
    return replies, lines


def check(server, ref_server, script, volatile=()):
    ours = run(server, script, volatile)
    theirs = run(ref_server, script, volatile)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    return ours


BIN = b'a\x00\n\r\t\x07\x08"\\\x7f\x80\xff b~ {}'


def test_commands_are_shown_after_they_ran(server, ref_server):
    script = [
        ("a", "PING"),
        ("a", "SET", "k", "v"),
        ("a", "SET", "n", "123"),
        ("a", "SET", "bin", BIN),
        ("a", "GET", "bin"),
        ("a", "SET", "zeros", "007"),
        ("a", "SET", "neg", "-9223372036854775808"),
        ("a", "ECHO", "two words"),
        ("a", "ECHO", ""),
        ("a", "NOSUCHCOMMAND", "x"),  # refused before it runs: not shown
        ("a", "GET"),  # wrong arity: not shown
        ("a", "INCR", "k"),  # fails while running: shown
        ("a", "XADD", "k", "*", "f", "v"),  # WRONGTYPE: shown
        ("a", "XADD", "s", "1-1", "f", "v"),
        ("a", "XADD", "s", "MAXLEN", "~", "10", "2-1", "f", "v"),
        ("a", "XRANGE", "s", "-", "+"),
        ("a", "XGROUP", "CREATE", "s", "g", "0"),
        ("a", "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("a", "XACK", "s", "g", "1-1"),
        ("a", "XINFO", "GROUPS", "s"),
        ("a", "SELECT", "2"),  # shown with the database it switched to
        ("a", "SET", "k2", "v"),
        ("a", "SELECT", "0"),
        ("b", "CLIENT", "SETNAME", "worker"),
        ("b", "CLIENT", "GETNAME"),
        ("b", "DBSIZE"),
        ("b", "EXISTS", "k", "s", "nope"),
        ("raw:b", b"SET inline \"with space\"\r\n"),
        ("raw:b", b"PING\r\n"),
    ]
    check(server, ref_server, script)


def test_admin_commands_are_not_shown(server, ref_server):
    script = [
        ("a", "CONFIG", "GET", "maxmemory"),
        ("a", "CONFIG", "SET", "maxmemory", "0"),
        ("a", "DEBUG", "SLEEP", "0"),
        ("a", "CLIENT", "NO-EVICT", "off"),
        ("a", "BGREWRITEAOF"),
        ("a", "SET", "after", "admin"),
        ("a", "MONITOR"),  # a second monitor: MONITOR itself is not shown
        ("b", "SET", "seen", "by both"),
    ]
    # CLIENT LIST and BGREWRITEAOF replies differ; only their absence matters
    check(server, ref_server, script, volatile=(0, 4))


def test_credentials_are_redacted(server, ref_server):
    script = [
        ("a", "AUTH", "secret"),
        ("a", "AUTH", "someone", "secret"),
        ("a", "HELLO", "2", "AUTH", "default", "secret"),
        ("a", "HELLO", "2", "SETNAME", "AUTH", "AUTH", "u", "p"),
        ("a", "HELLO", "2", "SETNAME", "x"),
        ("a", "HELLO", "2"),
    ]
    check(server, ref_server, script, volatile=(2, 3, 4, 5))


def test_transactions(server, ref_server):
    script = [
        ("a", "MULTI"),
        ("a", "SET", "t", "1"),
        ("a", "INCR", "t"),
        ("a", "GET", "t"),
        ("a", "EXEC"),  # MULTI, the queued commands as they run, then EXEC
        ("a", "MULTI"),
        ("a", "SET", "t"),  # refused while queuing: the EXEC aborts
        ("a", "EXEC"),
        ("a", "MULTI"),
        ("a", "DISCARD"),
        ("a", "EXEC"),  # without MULTI
        ("a", "WATCH", "t"),
        ("b", "SET", "t", "changed"),
        ("a", "MULTI"),
        ("a", "GET", "t"),
        ("a", "EXEC"),  # null: the watched key changed
        ("a", "UNWATCH"),
        ("a", "MULTI"),
        ("a", "MONITOR"),
        ("a", "EXEC"),  # MONITOR refused inside EXEC
        ("a", "SET", "after", "exec"),  # a is not a monitor
    ]
    check(server, ref_server, script)


def test_blocked_commands_are_shown_once(server, ref_server):
    script = [
        ("a", "XADD", "s", "1-1", "f", "v"),
        ("a", "XGROUP", "CREATE", "s", "g", "$"),
        ("b!", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
        ("blocked", 1),
        ("c!", "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"),
        ("blocked", 2),
        ("a", "XADD", "s", "2-1", "f", "v"),
        ("b?",),
        ("c?",),
        ("d", "XREAD", "BLOCK", "10", "STREAMS", "s", "$"),  # times out
    ]
    check(server, ref_server, script)


def test_monitor_connection_itself(server, ref_server):
    script = [
        ("m", "MONITOR"),
        ("m~", "PING"),  # its reply, then its own line
        ("m~", "GET", "k"),  # a monitor may not touch the keyspace
        ("m~", "SET", "k", "v"),
        ("m~", "DBSIZE"),
        ("m~", "XLEN", "s"),
        ("m~", "MULTI"),
        ("m~", "SET", "k", "v"),  # refused while queuing
        ("m~", "EXEC"),
        ("m~", "MONITOR"),  # already monitoring: no reply at all
        ("m~", "ECHO", "still here"),
        ("a", "SET", "k", "1"),
        ("m~", "RESET"),  # out of monitor mode
        ("a", "SET", "k", "2"),
        ("m~", "GET", "k"),  # no line for a's SET before the reply
    ]
    replies, lines = check(server, ref_server, script)
    assert replies[1] == ("m~", b'+PONG\r\n+T [0 m] "PING"\r\n')
    assert replies[9] == ("m~", b"")
    assert replies[-1] == ("m~", b"$1\r\n2\r\n")
    assert b'[0 a] "SET" "k" "2"' in lines
