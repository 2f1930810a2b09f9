"""Pub/Sub, differentially: each script drives a few raw connections to
streamd and to redis-server 7.0, byte for byte. A step sends one command on
one connection; after it every connection is sent PING <token> and read up to
the token's echo, so what each connection received in between (replies,
pushed messages) is compared exactly (inside MULTI, once EXEC has run), in RESP2 and RESP3. Channel names are
chosen so that no reply depends on a hash table's order (7.0 lists channels,
and unsubscribes "all", in its dict's order): one channel where that order
would show, or replies sorted.
"""

import re
import time

import pytest

from testlib import IS_REDIS
from testlib.resp import encode_command

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

# CLIENT LIST/INFO fields that depend on the connection or the allocator, and
# the two fields 7.2 added that streamd shows
VOLATILE = re.compile(rb"\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|rbs|rbp|obl|omem|"
                      rb"tot-mem)=\S*")
LIB = re.compile(rb" lib-name=\S* lib-ver=\S*")


def norm(b):
    b = LIB.sub(b"", VOLATILE.sub(rb"\1=?", b))
    # HELLO's server version and connection id
    b = re.sub(rb"\$7\r\nversion\r\n\$\d+\r\n[^\r]*\r\n", b"version", b)
    b = re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"id", b)
    # and its modules (streamd lists the Redis 8 modules it builds in)
    b = re.sub(rb"\$7\r\nmodules\r\n\*\d+\r\n((%4|\*8)\r\n\$4\r\nname\r\n\$\d+\r\n[^\r]*\r\n"
               rb"\$3\r\nver\r\n:\d+\r\n\$4\r\npath\r\n\$0\r\n\r\n\$4\r\nargs\r\n\*0\r\n)*",
               b"modules", b)
    # a verbatim/bulk CLIENT LIST reply's length varies with the fields above
    return re.sub(rb"([=$])\d+\r\n(txt:)?id=", rb"\1?\r\n\2id=", b)


def settle(conns):
    """Waits until the server has let go of earlier tests' connections (their
    close is asynchronous): CLIENT LIST and the subscriptions are ours alone."""
    deadline = time.time() + 10
    while conns[0].call("CLIENT", "LIST").count(b"\n") != len(conns):
        assert time.time() < deadline, "earlier connections never went away"
        time.sleep(0.01)


def run(srv, n_conns, proto, steps):
    conns = [srv.raw() for _ in range(n_conns)]
    settle(conns)
    conns[0].call("FLUSHALL")
    for c in conns:
        if proto == 3:
            c.call("HELLO", "3")
    out = []
    token = 0
    in_multi = set()  # a PING there would be queued: those are read after EXEC
    quiet = set()  # CLIENT REPLY OFF: no PING answer to wait for
    for i, cmd in steps:
        conns[i].send(encode_command(*cmd))
        name = " ".join(x for x in cmd[:3] if isinstance(x, str)).upper()
        if name == "MULTI":
            in_multi.add(i)
        elif name in ("EXEC", "DISCARD"):
            in_multi.discard(i)
        elif name == "CLIENT REPLY OFF":
            quiet.add(i)
        elif name == "CLIENT REPLY ON":
            quiet.discard(i)
        # after SKIP, the PING would be the skipped command
        unsynced = quiet | ({i} if name == "CLIENT REPLY SKIP" else set())
        seen = []
        for k, c in enumerate(conns):
            if k in in_multi or k in unsynced:
                continue
            token += 1
            mark = b"sync-%d" % token
            c.send(encode_command("PING", mark))
            got = b""
            end = b"$%d\r\n%s\r\n" % (len(mark), mark)
            while not got.endswith(end):
                got += c.read_available(wait=0.02, first_wait=10)
                assert not c.eof, (cmd, got)
            seen.append(norm(got))
        for k in sorted(unsynced - in_multi):  # once the others have seen the step through
            seen.append(norm(conns[k].read_available(wait=0.1, first_wait=0.1)))
        out.append((i, cmd, seen))
    for c in conns:
        c.close()
    return out


P = "PUBLISH"
SCRIPTS = {
    "subscribe-publish": (3, [
        (0, ("SUBSCRIBE", "news", "news", "sport")), (1, ("PSUBSCRIBE", "n*", "n*")),
        (0, ("PSUBSCRIBE", "*s")), (2, (P, "news", "hello")), (2, (P, "sport", "x")),
        (2, (P, "nothing", "y")), (2, (P, "ns", "both patterns")), (0, ("PUNSUBSCRIBE", "*s")),
        (2, (P, "ns", "one")),
        (0, ("UNSUBSCRIBE", "news")), (2, (P, "news", "z")), (0, ("UNSUBSCRIBE", "sport")),
        (0, ("GET", "k")), (1, ("PUNSUBSCRIBE",)), (1, ("GET", "k"))]),
    "counts-mix-channels-and-patterns": (2, [
        (0, ("SUBSCRIBE", "a")), (0, ("PSUBSCRIBE", "a*", "b*")), (0, ("SSUBSCRIBE", "s1")),
        (0, ("SSUBSCRIBE", "s2", "s1")), (0, ("SUBSCRIBE", "b")), (0, ("UNSUBSCRIBE", "a", "nope")),
        (0, ("PUNSUBSCRIBE", "a*", "a*")), (0, ("SUNSUBSCRIBE", "s1")), (0, ("CLIENT", "INFO")),
        (1, ("CLIENT", "LIST", "TYPE", "pubsub")), (1, ("CLIENT", "LIST", "TYPE", "normal")),
        (0, ("SUNSUBSCRIBE",)), (0, ("PUNSUBSCRIBE",)), (0, ("UNSUBSCRIBE",)), (0, ("CLIENT", "INFO")),
        (0, ("GET", "k"))]),
    "unsubscribe-when-subscribed-to-nothing": (1, [
        (0, ("UNSUBSCRIBE",)), (0, ("PUNSUBSCRIBE",)), (0, ("SUNSUBSCRIBE",)),
        (0, ("UNSUBSCRIBE", "x", "y")), (0, ("PUNSUBSCRIBE", "x*")), (0, ("SUNSUBSCRIBE", "x")),
        (0, ("GET", "k"))]),
    "subscribed-mode-refusals": (1, [
        (0, ("SUBSCRIBE", "c")), (0, ("GET", "k")), (0, ("SET", "k", "v")), (0, ("CLIENT", "LIST")),
        (0, ("HELLO", "3")), (0, ("PUBLISH", "c", "m")), (0, ("PUBSUB", "NUMSUB", "c")),
        (0, ("CONFIG", "GET", "x")), (0, ("NOSUCH",)), (0, ("SUBSCRIBE",)), (0, ("PING", "a", "b")),
        (0, ("PING",)), (0, ("PING", "msg")), (0, ("ECHO", "x")), (0, ("PSUBSCRIBE", "d*")),
        (0, ("UNSUBSCRIBE", "c")), (0, ("GET", "k")), (0, ("PUNSUBSCRIBE", "d*")), (0, ("GET", "k"))]),
    "reset-and-quit-allowed": (2, [
        (0, ("SUBSCRIBE", "c")), (0, ("PSUBSCRIBE", "c*")), (0, ("SSUBSCRIBE", "c")),
        (1, ("PUBSUB", "NUMSUB", "c")), (0, ("RESET",)), (1, ("PUBSUB", "NUMSUB", "c")),
        (1, ("PUBSUB", "NUMPAT")), (1, ("PUBSUB", "SHARDNUMSUB", "c")), (1, (P, "c", "m")),
        (0, ("CLIENT", "INFO")), (0, ("GET", "k"))]),
    "shard-channels": (2, [
        (0, ("SSUBSCRIBE", "s", "t")), (1, ("SPUBLISH", "s", "m")), (1, (P, "s", "not shard")),
        (1, ("PUBSUB", "SHARDCHANNELS", "s")), (1, ("PUBSUB", "SHARDCHANNELS", "t*")),
        (1, ("PUBSUB", "SHARDCHANNELS", "nope")), (1, ("PUBSUB", "SHARDNUMSUB", "s", "t", "u")),
        (1, ("PUBSUB", "CHANNELS")), (0, ("PSUBSCRIBE", "*")), (1, ("SPUBLISH", "t", "pattern ignored")),
        (0, ("SUNSUBSCRIBE", "s", "t", "s")), (1, ("PUBSUB", "SHARDCHANNELS")), (0, ("GET", "k"))]),
    "introspection": (3, [
        (0, ("SUBSCRIBE", "ch1")), (1, ("SUBSCRIBE", "ch1")), (1, ("PSUBSCRIBE", "ch*", "x?")),
        (0, ("PSUBSCRIBE", "ch*")), (2, ("PUBSUB", "CHANNELS", "ch?")), (2, ("PUBSUB", "CHANNELS", "x*")),
        (2, ("PUBSUB", "NUMSUB", "ch1", "ch2", "ch1")), (2, ("PUBSUB", "NUMSUB")), (2, ("PUBSUB", "NUMPAT")),
        (2, ("PUBSUB", "CHANNELS", "a", "b")), (2, ("PUBSUB", "SHARDCHANNELS", "a", "b")),
        (2, ("PUBSUB", "NUMPAT", "x")), (2, ("PUBSUB", "HELP")), (2, ("PUBSUB", "HELP", "x")),
        (2, ("PUBSUB", "nosuch")), (2, ("PUBSUB",)), (2, ("PUBSUB", "SHARDNUMSUB")),
        (2, (P, "ch1", "two channel receivers and two pattern ones")), (1, ("UNSUBSCRIBE", "ch1")),
        (2, ("PUBSUB", "NUMSUB", "ch1")), (0, ("UNSUBSCRIBE", "ch1")), (2, ("PUBSUB", "CHANNELS")),
        (1, ("PUNSUBSCRIBE", "ch*")), (2, ("PUBSUB", "NUMPAT")), (0, ("PUNSUBSCRIBE",)),
        (2, ("PUBSUB", "NUMPAT"))]),
    "arity-and-errors": (2, [
        (0, ("SUBSCRIBE",)), (0, ("PSUBSCRIBE",)), (0, ("SSUBSCRIBE",)), (0, (P,)), (0, (P, "c")),
        (0, (P, "c", "m", "x")), (0, ("SPUBLISH", "c")), (0, (P, "nobody", "m")), (0, ("SPUBLISH", "nobody", "m"))]),
    "binary-and-empty": (2, [
        (0, ("SUBSCRIBE", "", "b\x00in\r\n")), (0, ("PSUBSCRIBE", "b\x00*")), (1, (P, "", "")),
        (1, (P, "b\x00in\r\n", b"\xff\x00\r\n")), (1, ("PUBSUB", "NUMSUB", "", "b\x00in\r\n")),
        (0, ("UNSUBSCRIBE", "")), (0, ("PUNSUBSCRIBE", "b\x00*")), (0, ("UNSUBSCRIBE",))]),
    "glob-patterns": (2, [
        (0, ("PSUBSCRIBE", "h[ae]llo")), (0, ("PSUBSCRIBE", "h\\*o")), (0, ("PSUBSCRIBE", "[^x]")),
        (1, (P, "hello", "1")), (1, (P, "hallo", "2")), (1, (P, "hillo", "3")), (1, (P, "h*o", "4")),
        (1, (P, "hxo", "5")), (1, (P, "y", "6")), (1, (P, "x", "7")), (1, (P, "HELLO", "case")),
        (0, ("PUNSUBSCRIBE",))]),
    "multi": (2, [
        (0, ("MULTI",)), (0, ("SUBSCRIBE", "a")), (0, ("PSUBSCRIBE", "b*")), (0, ("SSUBSCRIBE", "s")),
        (0, (P, "a", "from exec")), (0, ("EXEC",)), (1, (P, "a", "later")), (1, ("PUBSUB", "NUMSUB", "a")),
        (1, ("MULTI",)), (1, (P, "a", "1")), (1, ("PUBSUB", "NUMPAT")), (1, ("EXEC",)),
        (0, ("UNSUBSCRIBE",)), (0, ("PUNSUBSCRIBE",)), (0, ("GET", "k"))]),
    "hello-keeps-subscriptions": (2, [
        (0, ("SUBSCRIBE", "a")), (0, ("RESET",)), (0, ("HELLO", "3")), (0, ("SUBSCRIBE", "a")),
        (1, (P, "a", "push")), (0, ("GET", "k")), (0, ("HELLO", "2")), (1, (P, "a", "array")),
        (0, ("GET", "k")), (0, ("PING",)), (0, ("UNSUBSCRIBE",)), (0, ("GET", "k"))]),
    "frames-reach-a-client-with-replies-off": (2, [
        (0, ("SUBSCRIBE", "a")), (0, ("CLIENT", "REPLY", "OFF")), (1, (P, "a", "while off")),
        (0, ("PSUBSCRIBE", "a*")), (1, (P, "a", "two")), (0, ("UNSUBSCRIBE", "a")),
        (0, ("CLIENT", "REPLY", "ON")), (1, (P, "a", "on again")), (0, ("PUNSUBSCRIBE",))]),
    "frames-reach-a-client-skipping-a-reply": (2, [
        (0, ("CLIENT", "REPLY", "SKIP")), (0, ("SUBSCRIBE", "x", "y")), (1, (P, "x", "m")),
        (0, ("PING",)), (0, ("UNSUBSCRIBE", "x", "y"))]),
    "client-kill-type-pubsub": (3, [
        (0, ("SUBSCRIBE", "a")), (1, ("PSUBSCRIBE", "x*")), (2, ("CLIENT", "KILL", "TYPE", "pubsub")),
        (2, ("PUBSUB", "NUMSUB", "a")), (2, ("PUBSUB", "NUMPAT")), (2, (P, "a", "nobody")),
        (2, ("CLIENT", "KILL", "TYPE", "pubsub"))]),
}

# connections a script kills: they are not read after the kill
KILLED = {"client-kill-type-pubsub": {0, 1}}


def run_script(srv, name, proto):
    n, steps = SCRIPTS[name]
    if name in KILLED:
        return run_killing(srv, n, proto, steps, KILLED[name])
    return run(srv, n, proto, steps)


def run_killing(srv, n, proto, steps, killed):
    conns = [srv.raw() for _ in range(n)]
    settle(conns)
    for c in conns:
        if proto == 3:
            c.call("HELLO", "3")
    out = []
    kill_step = next(j for j, (_, cmd) in enumerate(steps) if cmd[:2] == ("CLIENT", "KILL"))
    for j, (i, cmd) in enumerate(steps):
        conns[i].send(encode_command(*cmd))
        live = [k for k in range(n) if j < kill_step or k not in killed]
        for k in live:
            got = conns[k].read_available(wait=0.05, first_wait=10) if k == i else b""
            out.append((j, k, norm(got)))
    for k in killed:
        conns[k].read_available(wait=0.05, first_wait=1)
        assert conns[k].eof
    for c in conns:
        c.close()
    return out


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_pubsub(server, ref_server, name, proto):
    ours, theirs = run_script(server, name, proto), run_script(ref_server, name, proto)
    for a, b in zip(ours, theirs):
        assert a == b
    assert len(ours) == len(theirs)


def info_fields(c, section):
    text = c.call("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def wait_no_channels(c):
    """Connections closed by earlier tests may not have been processed yet."""
    deadline = time.time() + 10
    while (c.call("PUBSUB", "CHANNELS") or c.call("PUBSUB", "NUMPAT")) and time.time() < deadline:
        time.sleep(0.01)


def test_info_counts(server, ref_server):
    got = []
    for srv in (server, ref_server):
        a, b, ctl = srv.raw(), srv.raw(), srv.raw()
        wait_no_channels(ctl)
        a.call("SUBSCRIBE", "x", "y")
        a.call("PSUBSCRIBE", "p*")
        b.call("PSUBSCRIBE", "p*", "q*")
        b.call("SSUBSCRIBE", "s")
        f = info_fields(ctl, "stats")
        got.append([f[k] for k in ("pubsub_channels", "pubsub_patterns", "pubsubshard_channels")])
        a.close()
        b.close()
    assert got[0] == got[1] == ["2", "2", "1"]


@pytest.mark.parametrize("cmd", ["PUBLISH", "SPUBLISH"])
def test_publish_held_by_write_pause(server, ref_server, cmd):
    """7.0's PUBLISH and SPUBLISH may replicate: CLIENT PAUSE WRITE holds
    them until the pause ends."""
    got = []
    for srv in (server, ref_server):
        sub, pub, ctl = srv.raw(), srv.raw(), srv.raw()
        sub.call("SSUBSCRIBE" if cmd == "SPUBLISH" else "SUBSCRIBE", "c")
        ctl.call("CLIENT", "PAUSE", "20000", "WRITE")
        pub.send(encode_command(cmd, "c", "m"))
        held = pub.read_available(wait=0.2, first_wait=0.2) + sub.read_available(wait=0.05)
        ctl.call("CLIENT", "UNPAUSE")
        got.append((held, pub.read_available(wait=0.05, first_wait=5),
                    sub.read_available(wait=0.05, first_wait=5)))
        for c in (sub, pub, ctl):
            c.close()
    assert got[0] == got[1]
    assert got[0][0] == b"" and got[0][1] == b":1\r\n"


def test_getkeys(server, ref_server):
    """Shard channels are key specs marked not_key: COMMAND GETKEYS finds no
    key in SSUBSCRIBE/SUNSUBSCRIBE/SPUBLISH, as 7.0."""
    cmds = [("SSUBSCRIBE", "a", "b"), ("SUNSUBSCRIBE", "a"), ("SPUBLISH", "a", "m"), ("PUBLISH", "a", "m"),
            ("SUBSCRIBE", "a"), ("PUBSUB", "NUMSUB", "a"), ("SUNSUBSCRIBE",)]
    got = []
    for srv in (server, ref_server):
        c = srv.raw()
        got.append([c.call_raw("COMMAND", sub, *cmd) for cmd in cmds for sub in ("GETKEYS", "GETKEYSANDFLAGS")])
        c.close()
    assert got[0] == got[1]


def test_output_buffer_limit_config(server, ref_server):
    """CONFIG SET client-output-buffer-limit splits at every single space as
    7.0 does (a doubled or trailing space is an empty word: refused), takes
    any number of groups, and refuses bad ones whole."""
    groups17 = " ".join("pubsub %d 0 0" % i for i in range(1, 18))
    values = ["", "pubsub 1 0 0 ", "pubsub  1 0 0", "pubsub 1mb 2mb 3", "normal 1 2 3 pubsub 1 2 3",
              groups17, "bogus 1 2 3", "pubsub x 1 1", "pubsub 1 1 -1", "pubsub 1 2",
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"]

    def script(srv):
        c = srv.raw()
        out = []
        for v in values:
            out.append(c.call_raw("CONFIG", "SET", "client-output-buffer-limit", v))
            out.append(c.call_raw("CONFIG", "GET", "client-output-buffer-limit"))
        c.close()
        return out

    assert script(server) == script(ref_server)
