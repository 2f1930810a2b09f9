"""CLIENT REPLY beyond the differential scripts (tests/compat/
test_client_reply_diff.py): fire-and-forget producers, a blocked read whose
answer is skipped, monitors that asked for no replies, and QUIT from a client
that wants none, which streamd closes (Redis 7.0 leaves such a connection
open: streamd-only).
"""

from testlib import streamd_only, wait_blocked


def test_fire_and_forget_producer(raw):
    c = raw()
    n = 5000
    c.send_many([("CLIENT", "REPLY", "OFF")] + [("XADD", "events", "*", "i", str(i)) for i in range(n)])
    c.send_many([("XRANGE", "events", "-", "+")] * 3)  # big replies, dropped
    assert c.call("CLIENT", "REPLY", "ON") == b"OK"
    assert c.call("XLEN", "events") == n
    assert c.call("XRANGE", "events", "-", "+", "COUNT", "1")[0][1] == [b"i", b"0"]


def test_skipped_answer_of_a_blocked_read(raw):
    c, p = raw(), raw()
    c.send_many([("CLIENT", "REPLY", "SKIP"), ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), ("PING", "next")])
    wait_blocked(p, 1)
    assert p.call("XADD", "s", "1-1", "f", "v") == b"1-1"
    assert c.read() == b"next"  # the XREAD's entries were not sent


def test_monitor_that_wants_no_replies(server, raw):
    m = raw()
    assert m.call("MONITOR") == b"OK"
    m.send_cmd("CLIENT", "REPLY", "OFF")
    w = raw()
    assert w.call("SET", "k", "1") == b"OK"
    m.send_cmd("CLIENT", "REPLY", "ON")
    assert m.read() == b"OK"
    assert m.read().endswith(b'"CLIENT" "REPLY" "ON"')  # its own line, after its reply
    assert w.call("SET", "k", "2") == b"OK"
    line = m.read()
    assert line.endswith(b'"SET" "k" "2"'), line


@streamd_only
def test_quit_closes_a_client_that_wants_no_replies(raw):
    c = raw()
    c.send_many([("CLIENT", "REPLY", "OFF"), ("QUIT",)])
    assert c.closed_by_peer(timeout=5)
