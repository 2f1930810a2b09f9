"""Client-side caching (CLIENT TRACKING), differentially: each script drives a
few raw connections to streamd and to redis-server 7.0 and compares, byte
for byte, what every connection receives: replies, RESP3 invalidation pushes
and, over RESP2, the __redis__:invalidate messages a REDIRECT target gets.

A step sends one command on one connection and reads that connection's
reply (with any push before it); then every connection is sent PING <token>
and read up to its answer, so what each received in between is compared
exactly. Reading the reply first keeps the command alone in its event-loop
iteration, so BCAST invalidations (sent before the loop sleeps) land before
the PINGs on both servers. Connection ids differ between the servers: a
script names them as {0}, {1}, ... and the ids in replies (GETREDIR,
TRACKINGINFO, tracking-redir-broken, redir=) are mapped back to those names.
Active expiry is off so that an expired key is invalidated when a command
meets it, on both servers alike.
"""

import re
import time

import pytest

from testlib import IS_REDIS
from testlib.resp import Push, encode_command

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

VOLATILE = re.compile(rb"\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|rbs|rbp|obl|omem|"
                      rb"tot-mem)=\S*")
LIB = re.compile(rb" lib-name=\S* lib-ver=\S*")


def norm(b, ids, getredir=False):
    def name(m):
        n = int(m.group(2))
        return m.group(1) + (b"{%d}" % ids.index(n) if n in ids else m.group(2))

    b = re.sub(rb"(redirect\r\n:|tracking-redir-broken\r\n:|redir=)(\d+)", name, b)
    if getredir:
        b = re.sub(rb"^(:)(\d+)", name, b)
    b = LIB.sub(b"", VOLATILE.sub(rb"\1=?", b))
    return re.sub(rb"([=$])\d+\r\n(txt:)?id=", rb"\1?\r\n\2id=", b)


def read_reply(c, resp3):
    """The bytes of one reply and of the pushes before it."""
    out = b""
    while True:
        v, raw = c.read_with_raw()
        out += raw
        if not (resp3 and isinstance(v, Push)):
            return out


def sync(c, token):
    """Everything c receives up to the answer to PING token."""
    c.send(encode_command("PING", token))
    out = b""
    while True:
        v, raw = c.read_with_raw()
        out += raw
        if v == token or v == [b"pong", token]:
            return out[: -len(raw)]


def settle(ctl, n):
    deadline = time.time() + 10
    while ctl.call("CLIENT", "LIST").count(b"\n") != n:
        assert time.time() < deadline, "earlier connections never went away"
        time.sleep(0.005)


def run(srv, protos, steps):
    ctl = srv.raw()
    ctl.call("FLUSHALL")
    ctl.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    ctl.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
    conns = [srv.raw() for _ in protos]
    settle(ctl, len(conns) + 1)
    ids = [c.call("CLIENT", "ID") for c in conns]
    for c, p in zip(conns, protos):
        if p == 3:
            c.call("HELLO", "3")
    out = []
    token = 0
    in_multi = set()
    open_conns = set(range(len(conns)))
    try:
        for step in steps:
            if step[0] == "SLEEP":
                time.sleep(step[1])
                continue
            if step[0] == "CLOSE":
                conns[step[1]].close()
                open_conns.discard(step[1])
                settle(ctl, len(open_conns) + 1)
                continue
            i, cmd = step
            args = [a.format(*ids) if isinstance(a, str) else a for a in cmd]
            conns[i].send(encode_command(*args))
            got = {i: read_reply(conns[i], protos[i] == 3)}
            name = " ".join(str(a) for a in cmd[:2]).upper()
            if cmd[0].upper() == "MULTI":
                in_multi.add(i)
            elif cmd[0].upper() in ("EXEC", "DISCARD"):
                in_multi.discard(i)
            elif name == "HELLO 3":
                protos[i] = 3
            seen = []
            for k in sorted(open_conns):
                if k in in_multi:
                    seen.append(got.get(k, b""))
                    continue
                token += 1
                seen.append(norm(got.get(k, b"") + sync(conns[k], b"sync-%d" % token), ids,
                                 k == i and name == "CLIENT GETREDIR"))
            out.append((i, cmd, seen))
    finally:
        for k in open_conns:
            conns[k].close()
        ctl.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        ctl.close()
    return out


T = ("CLIENT", "TRACKING")
GET = "GET"

SCRIPTS = {
    # default mode over RESP3: what a client read is invalidated once, when
    # another client (or the client itself: after its reply) changes it
    "default-resp3": ([3, 2], [
        (0, T + ("ON",)), (0, (GET, "a")), (0, ("MGET", "b", "c")), (1, ("SET", "a", "1")),
        (1, ("SET", "a", "2")), (1, ("MSET", "b", "1", "c", "2")), (0, (GET, "a")),
        (0, ("SET", "a", "3")), (0, (GET, "a")), (1, ("DEL", "a", "b")), (0, ("STRLEN", "x")),
        (1, ("APPEND", "x", "y")), (0, (GET, "x")), (1, ("RENAME", "x", "z")), (0, (GET, "z")),
        (0, T + ("OFF",)), (1, ("SET", "z", "1")), (0, ("CLIENT", "TRACKINGINFO")),
        (0, (GET, "z")), (1, ("SET", "z", "2"))]),
    # streams: the read commands remember their keys, every change invalidates
    "streams": ([3, 2], [
        (1, ("XADD", "s", "1-1", "f", "v")), (0, T + ("ON",)), (0, ("XLEN", "s")),
        (1, ("XADD", "s", "2-1", "f", "v")), (0, ("XRANGE", "s", "-", "+")),
        (1, ("XDEL", "s", "1-1")), (0, ("XREVRANGE", "s", "+", "-", "COUNT", "1")),
        (1, ("XTRIM", "s", "MAXLEN", "5")), (1, ("XTRIM", "s", "MAXLEN", "0")),
        (0, ("XREAD", "COUNT", "1", "STREAMS", "s", "t", "0", "0")),
        (1, ("XADD", "t", "1-1", "f", "v")), (1, ("XADD", "s", "3-1", "f", "v")),
        (0, ("XINFO", "GROUPS", "s")), (1, ("XGROUP", "CREATE", "s", "g", "0")),
        (0, ("XPENDING", "s", "g")), (1, ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")),
        (0, ("XLEN", "s")), (1, ("XACK", "s", "g", "3-1")), (1, ("XSETID", "s", "9-9")),
        (1, ("XGROUP", "DESTROY", "s", "g")), (1, ("DEL", "s")), (0, ("XADD", "s", "1-1", "a", "b")),
        (0, ("XLEN", "s")), (0, ("XADD", "s", "2-1", "a", "b"))]),
    "xinfo-stream-tracks": ([3, 2], [
        (1, ("XADD", "s", "1-1", "f", "v")), (0, T + ("ON",)), (0, ("EXISTS", "s")),
        (1, ("XADD", "s", "2-1", "f", "v")), (0, ("TYPE", "s")), (1, ("XADD", "s", "3-1", "f", "v"))]),
    # RESP2: invalidations go to the REDIRECT client as messages when it is
    # subscribed (to anything), in the tracking client's protocol's null on
    # a flush; a RESP3 target gets pushes
    "redirect-resp2": ([2, 2, 2, 3], [
        (0, ("SUBSCRIBE", "__redis__:invalidate")), (1, T + ("ON", "REDIRECT", "{0}")),
        (1, ("CLIENT", "GETREDIR")), (1, (GET, "a")), (2, ("SET", "a", "1")), (1, (GET, "a")),
        (1, ("SET", "a", "2")), (1, (GET, "a")), (2, ("FLUSHALL",)),
        (3, T + ("ON", "REDIRECT", "{0}")), (3, (GET, "b")), (2, ("SET", "b", "1")),
        (3, (GET, "b")), (2, ("FLUSHDB",)), (1, T + ("ON", "REDIRECT", "{2}")), (1, (GET, "c")),
        (3, ("SET", "c", "1")), (1, T + ("ON", "REDIRECT", "{3}")), (1, (GET, "c")),
        (2, ("SET", "c", "2")), (1, ("CLIENT", "TRACKINGINFO")), (1, ("CLIENT", "INFO")),
        (0, ("UNSUBSCRIBE",)), (1, (GET, "d")), (2, ("SET", "d", "1")), (0, ("PSUBSCRIBE", "x*")),
        (1, T + ("ON", "REDIRECT", "{0}")), (1, (GET, "d")), (2, ("SET", "d", "2"))]),
    # a redirect target that went away: RESP3 clients are told, RESP2 ones
    # only show R
    "redirect-broken": ([3, 2, 2, 2], [
        (0, T + ("ON", "REDIRECT", "{1}")), (2, T + ("ON", "REDIRECT", "{1}")), (0, (GET, "a")),
        (2, (GET, "a")), ("CLOSE", 1), (3, ("SET", "a", "1")), (0, ("CLIENT", "TRACKINGINFO")),
        (0, ("CLIENT", "GETREDIR")), (0, ("CLIENT", "INFO")), (2, ("CLIENT", "INFO")),
        (0, (GET, "b")), (0, ("SET", "b", "1")), (3, ("FLUSHALL",)), (0, T + ("ON",)),
        (0, ("CLIENT", "TRACKINGINFO")), (0, (GET, "c")), (3, ("SET", "c", "1"))]),
    # BCAST: keys under each prefix, sorted, once per event-loop iteration
    "bcast-prefixes": ([3, 3, 2, 3], [
        (0, T + ("ON", "BCAST", "PREFIX", "user:", "PREFIX", "obj:")), (1, T + ("ON", "BCAST")),
        (2, ("MSET", "user:2", "x", "obj:1", "y", "other", "z", "user:1", "w")),
        (2, ("MULTI",)), (2, ("SET", "user:b", "1")), (2, ("SET", "user:a", "1")),
        (2, ("DEL", "user:b", "nokey")), (2, ("EXEC",)), (0, ("SET", "obj:9", "1")),
        (0, ("CLIENT", "TRACKINGINFO")), (0, ("CLIENT", "INFO")), (3, T + ("ON", "BCAST", "PREFIX", "u")),
        (2, ("SET", "user:c", "1")), (2, ("SET", "u", "1")), (2, ("SET", "", "1")),
        (1, T + ("OFF",)), (2, ("SET", "user:d", "1")), (0, ("FLUSHDB",)),
        (0, T + ("ON", "BCAST", "PREFIX", "new:")), (2, ("SET", "new:1", "1")),
        (0, ("CLIENT", "TRACKINGINFO"))]),
    "bcast-noloop": ([3, 3, 2], [
        (0, T + ("ON", "BCAST", "NOLOOP", "PREFIX", "k")), (1, T + ("ON", "BCAST", "PREFIX", "k")),
        (0, ("SET", "k1", "1")), (2, ("SET", "k1", "2")), (0, ("MULTI",)), (0, ("SET", "k2", "1")),
        (0, ("SET", "k3", "1")), (0, ("EXEC",)),
        (0, ("EVAL", "redis.call('set', KEYS[1], 'x') return 1", "1", "k4")),
        (0, ("CLIENT", "TRACKINGINFO"))]),
    "default-noloop": ([3, 2], [
        (0, T + ("ON", "NOLOOP")), (0, (GET, "a")), (0, ("SET", "a", "1")), (1, ("SET", "a", "2")),
        (0, (GET, "a")), (1, ("SET", "a", "3")), (0, ("CLIENT", "TRACKINGINFO"))]),
    # OPTIN / OPTOUT: CLIENT CACHING changes the next command or transaction
    "optin": ([3, 2], [
        (0, T + ("ON", "OPTIN")), (0, (GET, "a")), (0, ("CLIENT", "CACHING", "YES")),
        (0, ("CLIENT", "TRACKINGINFO")), (0, (GET, "b")), (0, (GET, "c")),
        (1, ("MSET", "a", "1", "b", "1", "c", "1")), (0, ("CLIENT", "CACHING", "YES")),
        (0, ("MULTI",)), (0, (GET, "d")), (0, (GET, "e")), (0, ("EXEC",)),
        (0, ("CLIENT", "CACHING", "YES")), (0, ("CLIENT", "GETNAME")), (0, (GET, "f")),
        (0, ("CLIENT", "CACHING", "YES")), (0, ("PING",)), (0, (GET, "g")),
        (0, ("CLIENT", "CACHING", "YES")), (0, ("NOSUCH",)), (0, (GET, "h")),
        (1, ("MSET", "d", "1", "e", "1", "f", "1", "g", "1", "h", "1")),
        (0, ("MULTI",)), (0, ("CLIENT", "CACHING", "YES")), (0, (GET, "i")), (0, ("EXEC",)),
        (1, ("SET", "i", "1")), (0, ("CLIENT", "TRACKINGINFO"))]),
    "optout": ([3, 2], [
        (0, T + ("ON", "OPTOUT")), (0, (GET, "a")), (0, ("CLIENT", "CACHING", "NO")),
        (0, ("CLIENT", "TRACKINGINFO")), (0, (GET, "b")), (0, (GET, "c")),
        (1, ("MSET", "a", "1", "b", "1", "c", "1")), (0, ("CLIENT", "CACHING", "YES")),
        (0, T + ("ON", "OPTOUT", "NOLOOP")), (0, ("CLIENT", "TRACKINGINFO")),
        (0, T + ("ON",)), (0, ("CLIENT", "TRACKINGINFO"))]),
    # flushes: a null to every tracking client, BCAST ones too, in the
    # tracking client's protocol; the flushing client's after its reply
    "flush": ([3, 3, 2], [
        (0, T + ("ON",)), (1, T + ("ON", "BCAST")), (0, (GET, "a")), (2, ("FLUSHDB",)),
        (2, ("SET", "a", "1")), (0, ("FLUSHALL",)), (2, ("SET", "a", "2")), (0, (GET, "a")),
        (2, ("SELECT", "1")), (2, ("FLUSHDB", "ASYNC")), (2, ("SET", "a", "3")),
        (2, ("SELECT", "0")), (2, ("SET", "a", "4")), (1, ("FLUSHALL", "SYNC"))]),
    # expired keys are invalidated when a command meets them (active expiry
    # is off here): the reader's own after its reply
    "expiry": ([3, 2], [
        (1, ("SET", "a", "1")), (1, ("PEXPIRE", "a", "100")), (0, T + ("ON",)), (0, (GET, "a")),
        ("SLEEP", 0.12), (1, ("EXISTS", "a")), (1, ("SET", "b", "1")), (1, ("PEXPIRE", "b", "100")),
        (0, (GET, "b")), ("SLEEP", 0.12), (0, (GET, "b")), (1, ("SET", "c", "1", "PX", "100")),
        (0, ("MGET", "c", "d")), ("SLEEP", 0.12), (1, ("SET", "d", "1"))]),
    # MULTI: a client's own invalidations come after EXEC's reply
    "multi-exec": ([3, 2], [
        (0, T + ("ON",)), (0, (GET, "a")), (0, ("MULTI",)), (0, ("SET", "a", "1")), (0, (GET, "a")),
        (0, ("SET", "a", "2")), (0, (GET, "b")), (0, ("EXEC",)), (1, ("SET", "b", "1")),
        (0, ("MULTI",)), (0, (GET, "c")), (0, ("DISCARD",)), (1, ("SET", "c", "1")),
        (0, (GET, "d")), (1, ("MULTI",)), (1, ("SET", "d", "1")), (1, ("SET", "d", "2")),
        (1, ("EXEC",))]),
    # scripts: the commands a script runs remember their keys for the caller
    "scripts": ([3, 2], [
        (0, T + ("ON",)), (0, ("EVAL", "return redis.call('get', KEYS[1])", "1", "a")),
        (1, ("SET", "a", "1")),
        (0, ("EVAL_RO", "return redis.call('get', KEYS[1])", "2", "b", "c")),
        (1, ("SET", "b", "1")), (1, ("SET", "c", "1")),
        (0, ("EVAL", "redis.call('get', KEYS[1]) return redis.call('set', KEYS[1], 'x')", "1", "d")),
        (0, ("EVAL", "return redis.call('xlen', KEYS[1])", "1", "s")),
        (1, ("XADD", "s", "1-1", "f", "v"))]),
    "errors": ([3], [
        (0, T + ("ON", "PREFIX", "a")), (0, T + ("ON", "REDIRECT", "999999")),
        (0, T + ("ON", "REDIRECT", "abc")), (0, T + ("ON", "REDIRECT", "0")),
        (0, T + ("ON", "REDIRECT", "-1")), (0, T + ("OFF", "REDIRECT", "999999")),
        (0, T + ("ON", "REDIRECT", "{0}", "REDIRECT", "{0}")), (0, T + ("ON", "REDIRECT")),
        (0, T + ("ON", "PREFIX")), (0, T + ("ON", "OPTIN", "OPTOUT")),
        (0, T + ("ON", "BCAST", "OPTIN")), (0, T + ("ON", "BCAST", "OPTOUT")), (0, T + ("ON", "FOO")),
        (0, T + ("MAYBE",)), (0, T), (0, ("CLIENT", "CACHING", "YES")), (0, ("CLIENT", "CACHING")),
        (0, ("CLIENT", "GETREDIR", "x")), (0, ("CLIENT", "TRACKINGINFO", "x")),
        (0, T + ("ON", "BCAST", "PREFIX", "a", "PREFIX", "ab")),
        (0, T + ("ON", "BCAST", "PREFIX", "z", "PREFIX", "z")),
        (0, T + ("ON", "BCAST", "PREFIX", "", "PREFIX", "x")), (0, T + ("ON", "BCAST", "PREFIX", "x")),
        (0, T + ("ON", "BCAST", "PREFIX", "xy")), (0, T + ("ON", "BCAST", "PREFIX", "x")),
        (0, T + ("ON", "BCAST", "PREFIX", "y")), (0, T + ("ON", "BCAST")),
        (0, T + ("ON", "BCAST", "PREFIX", "q")), (0, ("CLIENT", "TRACKINGINFO")), (0, T + ("ON",)),
        (0, T + ("ON", "OPTIN")), (0, T + ("OFF",)), (0, T + ("ON", "OPTIN")),
        (0, T + ("ON", "OPTOUT")), (0, ("CLIENT", "CACHING", "NO")), (0, ("CLIENT", "CACHING", "x")),
        (0, ("CLIENT", "CACHING", "yes")), (0, ("CLIENT", "TRACKINGINFO")), (0, T + ("ON", "optin")),
        (0, ("CLIENT", "TRACKINGINFO")), (0, ("CLIENT", "GETREDIR")), (0, T + ("off",)),
        (0, ("CLIENT", "GETREDIR")), (0, ("CLIENT", "TRACKINGINFO")),
        (0, T + ("on", "redirect", "{0}", "noloop", "bcast", "prefix", "p")),
        (0, ("CLIENT", "TRACKINGINFO")), (0, ("CLIENT", "INFO")), (0, ("RESET",)),
        (0, ("CLIENT", "TRACKINGINFO")), (0, ("CLIENT", "INFO"))]),
    "resp2-self-gets-nothing": ([2, 2], [
        (0, T + ("ON",)), (0, (GET, "a")), (1, ("SET", "a", "1")), (0, ("CLIENT", "INFO")),
        (0, T + ("ON", "BCAST")), (0, T + ("OFF",)), (0, T + ("ON", "BCAST")),
        (1, ("SET", "a", "2")), (0, ("CLIENT", "INFO"))]),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_tracking(server, ref_server, name):
    protos, steps = SCRIPTS[name]
    ours = run(server, list(protos), steps)
    theirs = run(ref_server, list(protos), steps)
    for a, b in zip(ours, theirs):
        assert a == b
    assert len(ours) == len(theirs)


def info_fields(srv):
    c = srv.raw()
    text = c.call("INFO", "everything").decode()
    c.close()
    out = {}
    for line in text.split("\r\n"):
        k, _, v = line.partition(":")
        if k.startswith("tracking_"):
            out[k] = v
    return out


def test_info_counts(server, ref_server):
    """INFO's tracking_clients and tracking_total_* agree with 7.0's after
    the same reads, prefixes and changes."""
    steps = [(0, T + ("ON",)), (0, ("MGET", "a", "b", "c")), (1, T + ("ON",)), (1, (GET, "a")),
             (2, T + ("ON", "BCAST", "PREFIX", "x", "PREFIX", "y")), (3, T + ("ON", "BCAST", "PREFIX", "x")),
             (1, ("SET", "b", "1"))]
    seen = []
    for srv in (server, ref_server):
        ctl = srv.raw()
        ctl.call("FLUSHALL")
        conns = [srv.raw() for _ in range(4)]
        for i, cmd in steps:
            assert conns[i].call(*cmd) is not None or cmd[0] == GET
        fields = [info_fields(srv)]
        conns[0].call(*T, "OFF")
        conns[3].close()
        settle(ctl, 4)
        fields.append(info_fields(srv))
        ctl.call("FLUSHALL")
        fields.append(info_fields(srv))
        for c in conns[:3]:
            c.close()
        ctl.close()
        seen.append(fields)
    assert seen[0] == seen[1]
    assert seen[0][0] == {"tracking_clients": "4", "tracking_total_keys": "2", "tracking_total_items": "3",
                          "tracking_total_prefixes": "2"}
