"""Self-tests of the test harness (tests/testlib): the RESP parser reads every
RESP3 type, and the differential harness does fail when replies differ, so a
green differential run means something."""

import socket
import threading

import pytest

from testlib import (Call, Diff, DiffMismatch, Double, Push, RespConn, RespError, RespSet,
                     Status, Verbatim, approx, same_type)


def canned_server(payload):
    """A one-shot TCP server that sends payload and closes; returns its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def serve():
        conn, _ = ls.accept()
        conn.sendall(payload)
        conn.close()
        ls.close()

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


def test_resp_parser_all_types():
    payload = (b"+OK\r\n-ERR bad\r\n:42\r\n$3\r\na\r\n\r\n$-1\r\n*-1\r\n_\r\n"
               b"*2\r\n:1\r\n$1\r\nx\r\n%2\r\n$1\r\nk\r\n:1\r\n*1\r\n:2\r\n,3.5\r\n"
               b"~2\r\n:1\r\n:2\r\n#t\r\n#f\r\n(12345678901234567890\r\n"
               b"=7\r\ntxt:abc\r\n>2\r\n$7\r\nmessage\r\n$1\r\nm\r\n"
               b"|1\r\n$3\r\nttl\r\n:5\r\n$1\r\nv\r\n!5\r\nERR x\r\n,inf\r\n")
    c = RespConn(port=canned_server(payload))
    assert c.read() == Status(b"OK") and isinstance(c.read_with_raw()[0], RespError)
    assert c.read() == 42
    v, raw = c.read_with_raw()
    assert v == b"a\r\n" and raw == b"$3\r\na\r\n\r\n"
    assert c.read_with_raw() == (None, b"$-1\r\n")
    assert c.read_with_raw() == (None, b"*-1\r\n")
    assert c.read_with_raw() == (None, b"_\r\n")
    assert c.read() == [1, b"x"]
    m = c.read()
    assert m == {b"k": 1, (2,): Double(3.5)} and isinstance(m[(2,)], Double)
    s = c.read()
    assert isinstance(s, RespSet) and s == [1, 2]
    assert c.read() is True and c.read() is False
    assert c.read() == 12345678901234567890
    v = c.read()
    assert isinstance(v, Verbatim) and v == b"abc" and v.format == b"txt"
    p = c.read()
    assert isinstance(p, Push) and p == [b"message", b"m"]
    assert c.read() == b"v"  # the attribute is skipped
    assert c.read() == RespError("ERR x")
    assert c.read() == float("inf")
    assert c.closed_by_peer()


def test_diff_detects_mismatches(make_server):
    a = make_server(kind="redis")
    b = make_server(kind="redis", args=["--databases", "4"])
    d = Diff(a.raw, b.raw)
    d(["SET k v", "GET k", Call("TIME", cmp=same_type())])
    with pytest.raises(DiffMismatch, match="SELECT 5"):
        d(["SELECT 5"])
    b.client().set("only-b", "1")
    with pytest.raises(DiffMismatch):
        d(["GET only-b"])
    with pytest.raises(DiffMismatch):
        d([Call("DBSIZE", cmp=approx(0))])
    d([Call("DBSIZE", cmp=approx(5))])
    # multiple clients and fresh connections per run
    d(["SET w 1", "WATCH w", Call("SET w 2", client=1), "MULTI", "PING", "EXEC"])
    d.close()
