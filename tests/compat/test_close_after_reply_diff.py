"""Clients flagged to close after their reply, differentially: each script is
sent in one write on one connection to streamd and to redis-server 7.0; the
bytes received up to the server's close must be the same, and so must the
keys it leaves. Once a command flags its client to close after its reply
(QUIT, CLIENT KILL of itself, an ACL change that logs its own user out), the
reply of that command is the last one sent: the commands after it in the
pipeline are not run, and inside EXEC the rest of the transaction runs but
its replies (and pushes: messages, invalidations) are dropped.

"$ID" in a script stands for the connection's own client id.
"""

import time

import pytest

from testlib import IS_REDIS
from testlib.resp import encode_command

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

KEYS = ("k", "k2", "l")


def state(srv):
    c = srv.raw()
    got = (c.call("MGET", "k", "k2"), c.call("LRANGE", "l", 0, -1), c.call("DBSIZE"))
    c.close()
    return got


def read_to_close(c):
    got = b""
    deadline = time.monotonic() + 10
    while not c.eof and time.monotonic() < deadline:
        got += c.read_available(wait=0.2, first_wait=2)
    assert c.eof, got
    return got


HELLO3 = ("HELLO", "3")


def run(srv, cmds):
    c = srv.raw()
    c.call("FLUSHALL")
    c.call("ACL", "DELUSER", "u")
    if cmds and cmds[0] == HELLO3:
        c.call(*HELLO3)  # its reply differs by design (version, modules)
        cmds = cmds[1:]
    myid = str(c.call("CLIENT", "ID"))
    payload = b""
    for x in cmds:
        if isinstance(x, bytes):
            payload += x
        else:
            payload += encode_command(*[a.replace("$ID", myid) for a in x])
    c.send(payload)
    got = read_to_close(c)
    c.close()
    return got, state(srv)


SCRIPTS = {
    "quit-in-pipeline": [("PING",), ("QUIT",), ("SET", "k", "v"), ("PING",)],
    "quit-inline": [b"PING\r\nQUIT\r\nSET k v\r\nPING\r\n"],
    "quit-then-protocol-error": [("SET", "k", "v"), ("QUIT",), b"*1\r\n$-5\r\n"],
    "kill-self-by-id": [("SET", "k", "v"), ("CLIENT", "KILL", "ID", "$ID", "SKIPME", "no"),
                        ("SET", "k2", "v"), ("PING",)],
    "kill-self-by-user": [("CLIENT", "KILL", "USER", "default", "SKIPME", "no"), ("SET", "k", "v")],
    "quit-in-multi": [("MULTI",), ("SET", "k", "v"), ("QUIT",), ("SET", "k2", "v"), ("EXEC",), ("PING",)],
    # the transaction goes on after the kill; its replies stop there
    "kill-self-in-exec": [("MULTI",), ("SET", "k", "v"), ("CLIENT", "KILL", "ID", "$ID", "SKIPME", "no"),
                          ("SET", "k2", "v"), ("LRANGE", "l", "0", "-1"), ("PING",), ("EXEC",),
                          ("PING",)],
    "kill-self-in-exec-deferred-replies": [("RPUSH", "l", "a", "b"), ("MULTI",),
                                           ("CLIENT", "KILL", "ID", "$ID", "SKIPME", "no"),
                                           ("XRANGE", "k", "-", "+"), ("LRANGE", "l", "0", "-1"),
                                           ("HGETALL", "nohash"), ("CLIENT", "LIST", "ID", "$ID"),
                                           ("EXEC",)],
    "deluser-self": [("ACL", "SETUSER", "u", "on", ">p", "~*", "&*", "+@all"), ("AUTH", "u", "p"),
                     ("ACL", "DELUSER", "u"), ("SET", "k", "v")],
    "deluser-self-in-exec": [("ACL", "SETUSER", "u", "on", ">p", "~*", "&*", "+@all"), ("AUTH", "u", "p"),
                             ("MULTI",), ("ACL", "DELUSER", "u"), ("SET", "k", "v"), ("PING",), ("EXEC",),
                             ("SET", "k2", "v")],
    "subscriber-quits": [("SUBSCRIBE", "ch"), ("QUIT",), ("SET", "k", "v")],
    "no-message-after-kill": [HELLO3, ("SUBSCRIBE", "ch"), ("MULTI",),
                              ("CLIENT", "KILL", "ID", "$ID", "SKIPME", "no"), ("PUBLISH", "ch", "m"),
                              ("SET", "k", "v"), ("EXEC",)],
    "no-invalidation-after-kill": [HELLO3, ("CLIENT", "TRACKING", "on"), ("GET", "k"), ("MULTI",),
                                   ("CLIENT", "KILL", "ID", "$ID", "SKIPME", "no"), ("SET", "k", "x"),
                                   ("EXEC",)],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_close_after_reply(server, ref_server, name):
    (ours, ours_state), (theirs, theirs_state) = run(server, SCRIPTS[name]), run(ref_server, SCRIPTS[name])
    assert ours == theirs
    assert ours_state == theirs_state


def _killed_with_pending_input(srv):
    a, b = srv.raw(), srv.raw()
    a.call("FLUSHALL")
    aid = a.call("CLIENT", "ID")
    # a waits on l with a command behind it; b serves l and kills a in the
    # same transaction: a is neither served nor runs what it sent after
    a.send(encode_command("BLPOP", "l", "0") + encode_command("SET", "k", "v"))
    deadline = time.monotonic() + 10
    while b.call("CLIENT", "LIST", "ID", aid).find(b"cmd=blpop") < 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    b.send_many([("MULTI",), ("LPUSH", "l", "x"), ("CLIENT", "KILL", "ID", str(aid)), ("EXEC",)])
    replies = [b.read() for _ in range(4)]
    got = read_to_close(a)
    a.close()
    b.close()
    return replies, got, state(srv)


def test_killed_by_another_with_pending_input(server, ref_server):
    assert _killed_with_pending_input(server) == _killed_with_pending_input(ref_server)
