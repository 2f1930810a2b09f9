"""CLIENT REPLY ON|OFF|SKIP, differentially: each script is pipelined on one
connection to streamd and to redis-server 7.0, followed by CLIENT REPLY ON
and ECHO; the bytes that come back up to the ECHO's reply must be the same
(which replies were dropped, and what the rest were). Redis's own oddities
are kept: a command refused before it runs uses up a SKIP too, SKIP inside
MULTI reaches past EXEC, and OFF inside a transaction leaves EXEC's array
short.
"""

import pytest

from testlib import IS_REDIS
from testlib.resp import encode_command

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

END = b"$12\r\n--end-mark--\r\n"


def run(srv, cmds):
    c = srv.raw()
    c.call("FLUSHALL")
    c.send(b"".join(encode_command(*x) for x in cmds + [("CLIENT", "REPLY", "ON"), ("ECHO", "--end-mark--")]))
    got = b""
    while not got.endswith(END):
        got += c.read_available(wait=0.05, first_wait=10)
        assert not c.eof, got
    c.close()
    return got


SCRIPTS = {
    "off-then-on": [("CLIENT", "REPLY", "OFF"), ("SET", "a", "1"), ("GET", "a"), ("NOPE",),
                    ("XADD", "s", "1-1", "f", "v"), ("CLIENT", "REPLY", "ON"), ("GET", "a"), ("XLEN", "s")],
    "skip-one": [("SET", "a", "2"), ("CLIENT", "REPLY", "SKIP"), ("GET", "a"), ("GET", "a")],
    "skip-a-refused-command": [("CLIENT", "REPLY", "SKIP"), ("NOPE",), ("GET",), ("PING",)],
    "skip-while-off": [("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"), ("PING",),
                       ("CLIENT", "REPLY", "ON"), ("PING", "after")],
    "skip-twice": [("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "SKIP"), ("PING",), ("PING", "x")],
    "skip-then-on": [("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"), ("PING",)],
    "errors": [("CLIENT", "REPLY", "BAD"), ("CLIENT", "REPLY"), ("CLIENT", "REPLY", "ON", "x"),
               ("CLIENT", "REPLY", "on")],
    "off-inside-multi": [("MULTI",), ("SET", "b", "1"), ("CLIENT", "REPLY", "OFF"), ("GET", "b"),
                         ("EXEC",), ("CLIENT", "REPLY", "ON"), ("PING",)],
    "skip-inside-multi": [("MULTI",), ("CLIENT", "REPLY", "SKIP"), ("GET", "b"), ("PING",), ("EXEC",),
                          ("PING", "skipped"), ("PING", "shown")],
    "reset-clears-off": [("CLIENT", "REPLY", "OFF"), ("RESET",), ("PING",)],
    "skip-a-blocking-read": [("CLIENT", "REPLY", "SKIP"), ("XREAD", "BLOCK", "50", "STREAMS", "nokey", "$"),
                             ("PING",)],
    "off-stream-commands": [("CLIENT", "REPLY", "OFF"), ("XADD", "s", "1-1", "f", "v"),
                            ("XGROUP", "CREATE", "s", "g", "0"),
                            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
                            ("XPENDING", "s", "g", "-", "+", "10"), ("XINFO", "STREAM", "s"),
                            ("CLIENT", "REPLY", "ON"), ("XPENDING", "s", "g")],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_client_reply(server, ref_server, name):
    ours, theirs = run(server, SCRIPTS[name]), run(ref_server, SCRIPTS[name])
    assert ours == theirs
