"""Replies of megabytes and arguments of megabytes, differentially against
Debian's redis-server 7.0: whole-stream ranges both ways, XREAD of everything,
several of them pipelined on one connection, values of megabytes written and
read back, and small replies on the same connection afterwards.

Pipelined big replies fill the socket, so the output buffer holds a prefix
already written when the next command replies; an append that compacts the
buffer then moves the bytes under a deferred array header's mark (XREVRANGE's
count once went in the wrong place: src/server/reply.c).
"""

from testlib import Call, Recv

N = 120000


def _load(c):
    p = c.pipeline(transaction=False)
    for i in range(N):
        p.xadd("s", {"field": "value-%d" % i}, id="%d-%d" % (1000 + i // 3, i % 3))
    p.execute()


def test_big_replies_and_arguments(diff, r, ref):
    _load(r)
    _load(ref)
    big = b"v" * (3 << 20)
    diff([
        "XRANGE s - +",
        "XREVRANGE s + - COUNT 100000",
        "XRANGE s - + COUNT 3",
        "XREAD COUNT 200000 STREAMS s 0",
        Call("XRANGE s - +", wait=False),
        Call("XREVRANGE s + -", wait=False),
        Call("XLEN s", wait=False),
        Recv(), Recv(), Recv(),
        ["XADD", "v", "1-1", "f", big],
        ["XADD", "v", "1-2", "f", big[:100], "g", big + b"w"],
        "XRANGE v - +",
        "XREVRANGE v + - COUNT 1",
        ["SET", "k", big],
        "GET k",
        "STRLEN k",
        "XRANGE s 1000 1001",
    ])
