"""MONITOR through real clients and at its edges.

The replies and lines themselves are compared with redis-server 7.0 in
tests/compat/test_monitor_diff.py; this covers what a differential script
cannot: redis-py's monitor parser, Unix-socket clients, big and binary
arguments, what the AOF loader replays, monitors that go away, and the one
place streamd deliberately differs (HELLO credentials are redacted even when
HELLO fails on its protocol version, which Redis 7.0 shows in clear).
Expected behaviour is Redis 7.0's unless marked streamd-only (check with
STREAMD_TARGET=redis).
"""

import os
import re

import pytest

from testlib import streamd_only
from testlib.resp import RespConn

LINE = re.compile(rb"^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$", re.S)


def monitor(srv):
    m = srv.raw()
    assert m.call("MONITOR") == b"OK"
    return m


def lines_until(m, marker):
    """The argument parts of the lines m gets up to ECHO marker, excluded."""
    out = []
    while True:
        v = m.read()
        g = LINE.match(v)
        assert g, v
        if g.group(5) == b'"ECHO" "%s"' % marker:
            return out
        out.append(g.group(5))


def test_redis_py_monitor_parses_the_lines(server, r):
    with r.monitor() as m:
        r.xadd("orders", {"id": "42", "note": 'say "hi"'}, id="1-1")
        r.execute_command("SELECT", 3)
        r.set("k", "v")
        r.execute_command("SELECT", 0)
        cmds = [m.next_command() for _ in range(4)]
    assert cmds[0]["command"] == 'XADD orders 1-1 id 42 note say "hi"'
    assert cmds[0]["db"] == 0
    assert cmds[0]["client_type"] == "tcp"
    assert cmds[0]["client_address"] == "127.0.0.1"
    assert int(cmds[0]["client_port"]) > 0
    assert isinstance(cmds[0]["time"], float)
    assert [c["db"] for c in cmds[1:]] == [3, 3, 0]
    assert cmds[2]["command"] == "SET k v"


def test_unix_socket_clients_are_named_by_the_socket(make_server):
    path = os.path.join("/tmp", "streamd-mon-%d.sock" % os.getpid())
    srv = make_server(["--unixsocket", path, "--unixsocketperm", "700"])
    m = monitor(srv)
    with RespConn(unix_path=path) as c:
        assert c.call("XADD", "s", "1-1", "f", "v") == b"1-1"
        assert c.call("ECHO", "end") == b"end"
    v = m.read()
    assert re.match(rb'^\d+\.\d{6} \[0 unix:%s\] "XADD" "s" "1-1" "f" "v"$' % re.escape(path.encode()), v), v
    m.close()


def test_every_monitor_gets_every_line_and_flags_show_it(server, raw):
    m1, m2 = monitor(server), monitor(server)
    c = raw()
    listing = bytes(c.call("CLIENT", "LIST"))  # admin: not shown
    assert listing.count(b" flags=O ") == 2
    assert c.call("SET", "k", "v") == b"OK"
    assert c.call("ECHO", "end") == b"end"
    assert lines_until(m1, b"end") == [b'"SET" "k" "v"']
    assert lines_until(m2, b"end") == [b'"SET" "k" "v"']


def test_big_and_binary_arguments(server, raw):
    m = monitor(server)
    c = raw()
    big = bytes(range(256)) * 400  # 100 KB: a value that takes the query buffer over
    assert c.call("SET", "big", big) == b"OK"
    assert c.call("XADD", "s", "*", "f", big[:70000]) is not None
    assert c.call("GET", "big") == big
    assert c.call("ECHO", "end") == b"end"
    got = lines_until(m, b"end")

    def repr_(b):
        out = []
        for x in b:
            ch = chr(x)
            esc = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b"}
            if ch in esc:
                out.append(esc[ch])
            elif 0x20 <= x <= 0x7E:
                out.append(ch)
            else:
                out.append("\\x%02x" % x)
        return ('"' + "".join(out) + '"').encode()

    assert got[0] == b'"SET" "big" ' + repr_(big)
    assert got[1].startswith(b'"XADD" "s" "*" "f" ') and got[1].endswith(repr_(big[:70000]))
    assert got[2] == b'"GET" "big"'


def test_a_monitor_that_goes_away(server, raw):
    gone = monitor(server)
    killed = server.raw()
    kid = killed.call("CLIENT", "ID")
    assert killed.call("MONITOR") == b"OK"
    gone.close()
    c = raw()
    assert c.call("CLIENT", "KILL", "ID", kid) == 1
    for i in range(200):  # lines for monitors that left must go nowhere
        assert c.call("SET", "k%d" % i, "v" * 100) == b"OK"
    assert c.call("PING") == b"PONG"
    listing = bytes(c.call("CLIENT", "LIST"))
    assert b" flags=O " not in listing
    killed.close()


def test_aof_replay_is_not_shown(make_server):
    srv = make_server(["--appendonly", "yes"])
    c = srv.raw()
    assert c.call("XADD", "s", "1-1", "f", "v") == b"1-1"
    assert c.call("SET", "k", "v") == b"OK"
    m = monitor(srv)
    assert c.call("DEBUG", "LOADAOF") == b"OK"
    assert c.call("ECHO", "end") == b"end"
    assert lines_until(m, b"end") == []
    assert c.call("XLEN", "s") == 1


@streamd_only
def test_hello_credentials_redacted_even_when_hello_fails(server, raw):
    # Redis 7.0 checks the protocol version before it redacts and so shows
    # these in clear; streamd never shows a credential.
    m = monitor(server)
    c = raw()
    assert bytes(c.call("HELLO", "4", "AUTH", "default", "pw").message).startswith(b"NOPROTO")
    assert c.call("ECHO", "end") == b"end"
    assert lines_until(m, b"end") == [b'"HELLO" "4" "AUTH" "(redacted)" "(redacted)"']


def test_monitor_lines_keep_up_with_a_pipeline(server, raw):
    m = monitor(server)
    c = raw()
    n = 2000
    c.send_many([("XADD", "p", "*", "i", str(i)) for i in range(n)] + [("ECHO", "end")])
    for _ in range(n + 1):
        c.read()
    got = lines_until(m, b"end")
    assert len(got) == n
    assert got[-1] == b'"XADD" "p" "*" "i" "%d"' % (n - 1)
