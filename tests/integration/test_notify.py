"""Keyspace notifications through redis-py's PubSub object: a keyevent
channel fed by XADD traffic, expired events from the active expiry, events in
another database, the setting in a config file and CONFIG REWRITE, and the
events of the Redis 8.x stream commands that 7.0 lacks.

Byte-exact comparisons with redis-server 7.0 are in
tests/compat/test_notify_diff.py; everything here not marked streamd-only is
Redis 7.0's behaviour (check with STREAMD_TARGET=redis).
"""

import re
import time

import pytest

from testlib import Push, streamd_only
from testlib.resp import encode_command


@pytest.fixture
def notify(r):
    """Sets notify-keyspace-events for the test; "" again afterwards."""
    def set_flags(flags):
        r.config_set("notify-keyspace-events", flags)
    yield set_flags
    r.config_set("notify-keyspace-events", "")


def events(p, n=None, timeout=5.0, quiet=0.1):
    """(channel, data) of the messages p receives: n of them, or (n None)
    every one that arrives before `quiet` seconds pass without any."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline and (n is None or len(out) < n):
        m = p.get_message(timeout=quiet if n is None else deadline - time.time())
        if m is None:
            if n is None:
                break
            continue
        if m["type"] in ("message", "pmessage"):
            out.append((m["channel"], m["data"]))
    return out


def subscribe(rr, *patterns):
    p = rr().pubsub()
    p.psubscribe(*patterns)
    for _ in patterns:
        assert p.get_message(timeout=5)["type"] == "psubscribe"
    return p


def test_keyevent_xadd_channel(rr, r, notify):
    notify("Et")
    p = subscribe(rr, "__keyevent@0__:xadd")
    for i in range(50):
        r.xadd("orders" if i % 2 else "payments", {"n": i})
    r.xtrim("orders", maxlen=1)  # another event: not on this channel
    r.set("plain", "x")  # not a stream event
    got = events(p, 50)
    assert got == [(b"__keyevent@0__:xadd", b"orders" if i % 2 else b"payments")
                   for i in range(50)]
    assert events(p) == []
    p.close()


def test_keyspace_channel_of_one_stream(rr, r, notify):
    notify("KEA")
    p = rr().pubsub()
    p.subscribe("__keyspace@0__:s")
    assert p.get_message(timeout=5)["type"] == "subscribe"
    r.xadd("s", {"f": "v"}, id="1-0")
    r.xadd("s", {"f": "v"}, id="2-0", maxlen=1, approximate=False)
    r.xadd("other", {"f": "v"})
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"})
    r.xdel("s", "2-0")
    r.delete("s")
    assert [d for _, d in events(p, 7)] == [b"xadd", b"xadd", b"xtrim", b"xgroup-create",
                                            b"xgroup-createconsumer", b"xdel", b"del"]
    p.close()


def test_nothing_when_off_or_without_k_and_e(rr, r, notify):
    p = subscribe(rr, "__key*__:*")
    r.set("a", "1")  # notifications are off by default
    notify("A")  # every class, but neither channel family
    r.set("a", "2")
    r.xadd("s", {"f": "v"})
    notify("KE")  # both families, no class
    r.set("a", "3")
    notify("Kt")
    r.set("a", "4")  # a string event: not selected
    r.xadd("s", {"f": "v"})
    assert events(p) == [(b"__keyspace@0__:s", b"xadd")]
    p.close()


def test_active_expiry_sends_expired(rr, r, notify):
    """Keys nobody reads again: the active expiry deletes them and announces
    each one."""
    notify("Ex")
    p = subscribe(rr, "__keyevent@0__:expired")
    names = ["k%d" % i for i in range(5)] + ["stream"]
    for k in names[:5]:
        r.set(k, "v", px=30)
    r.xadd("stream", {"f": "v"})
    r.pexpire("stream", 30)
    got = events(p, len(names), timeout=10)
    assert sorted(d for _, d in got) == sorted(n.encode() for n in names)
    assert r.dbsize() == 0
    p.close()


def test_lazy_expiry_then_new_key(rr, r, notify):
    notify("KEA")
    p = subscribe(rr, "__keyspace@0__:s")
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.xadd("s", {"f": "v"}, id="1-0")
        r.pexpire("s", 1)
        time.sleep(0.01)
        r.xadd("s", {"f": "v"}, id="1-0")  # the old stream expired: accepted
        assert [d for _, d in events(p, 4)] == [b"xadd", b"expire", b"expired", b"xadd"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    p.close()


def test_selected_database_and_move_copy_targets(rr, notify):
    notify("KEA")
    p = subscribe(rr, "__keyevent@*__:*")
    c = rr(db=5)
    c.xadd("s", {"f": "v"}, id="1-0")
    c.move("s", 7)
    c.execute_command("COPY", "s", "t", "DB", "3")  # s is in 7 now: nothing to copy
    c7 = rr(db=7)
    c7.execute_command("COPY", "s", "t", "DB", "3")
    assert events(p, 4) == [(b"__keyevent@5__:xadd", b"s"), (b"__keyevent@5__:move_from", b"s"),
                            (b"__keyevent@7__:move_to", b"s"), (b"__keyevent@3__:copy_to", b"t")]
    assert events(p) == []
    p.close()


def test_resp3_subscriber(raw, r, notify):
    notify("E$")
    c = raw()
    c.call("HELLO", "3")
    c.send(encode_command("PSUBSCRIBE", "__keyevent@0__:*"))
    assert list(c.read()) == [b"psubscribe", b"__keyevent@0__:*", 1]
    r.incr("n")
    r.append("n", "0")
    r.mset({"a": 1, "b": 2})
    got = [c.read() for _ in range(4)]
    assert all(isinstance(m, Push) for m in got)
    assert [list(m)[2:] for m in got] == [[b"__keyevent@0__:incrby", b"n"],
                                          [b"__keyevent@0__:append", b"n"],
                                          [b"__keyevent@0__:set", b"a"],
                                          [b"__keyevent@0__:set", b"b"]]


def test_config_file_and_rewrite(make_server, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text("notify-keyspace-events KEA\n")
    srv = make_server(config_file=str(conf))
    c = srv.client()
    assert c.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
    p = c.pubsub()
    p.psubscribe("__keyevent@0__:xadd")
    assert p.get_message(timeout=5)["type"] == "psubscribe"
    srv.client().xadd("s", {"f": "v"})
    assert events(p, 1) == [(b"__keyevent@0__:xadd", b"s")]
    p.close()
    c.config_set("notify-keyspace-events", "tEg")
    c.config_rewrite()
    text = conf.read_text()
    assert re.search(r'^notify-keyspace-events "?gtE"?$', text, re.M), text
    c.close()
    srv.restart()
    c = srv.client()
    assert c.config_get("notify-keyspace-events") == {"notify-keyspace-events": "gtE"}
    c.close()


def test_bad_letter_in_config_file_is_refused(make_server, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text("notify-keyspace-events KEQ\n")
    with pytest.raises(Exception):
        make_server(config_file=str(conf))


# ---- Redis 8.x stream commands (streamd-only: 7.0 lacks them) ----------------


@streamd_only
def test_8x_commands_events(rr, r, notify):
    """The events chosen for the commands 7.0 does not have (none of them is
    named by the keyspace notifications page):
      - XDELEX: "xdel" when it deleted an entry, as XDEL (Redis 8.2's XDELEX
        announces its deletions that way too); nothing when it deleted none;
      - XACKDEL: "xdel" when it deleted an entry, as XDELEX; its
        acknowledgements, like XACK's, announce nothing;
      - XNACK: nothing, as XACK and XCLAIM (it only changes the PEL);
      - XCFGSET: nothing, as in Redis (its xcfgsetCommand announces no
        event, even when it changed the settings);
      - XADD with KEEPREF/DELREF/ACKED: "xadd" then "xtrim" when it trimmed, as
        a plain XADD with MAXLEN; with IDMP: "xadd", and nothing for a
        duplicate (nothing is added);
      - XREADGROUP ... CLAIM: "xgroup-createconsumer" for a consumer it
        creates, as any XREADGROUP; its claims, like XCLAIM's, none.
    """
    notify("KEA")
    p = subscribe(rr, "__keyspace@0__:s")
    x = r.execute_command
    for i in range(1, 6):
        x("XADD", "s", "%d-0" % i, "f", "v")
    x("XGROUP", "CREATE", "s", "g", "0")
    x("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">")  # 1-0, 2-0 pending
    assert [d for _, d in events(p, 7)] == [b"xadd"] * 5 + [b"xgroup-create",
                                                            b"xgroup-createconsumer"]

    assert x("XDELEX", "s", "IDS", "2", "5-0", "99-0") == [1, -1]
    assert x("XDELEX", "s", "IDS", "1", "99-0") == [-1]
    assert x("XDELEX", "s", "ACKED", "IDS", "1", "1-0") == [2]  # still pending: kept
    assert [d for _, d in events(p)] == [b"xdel"]

    assert x("XACKDEL", "s", "g", "IDS", "1", "1-0") == [1]
    assert x("XACKDEL", "s", "g", "IDS", "1", "3-0") == [-1]  # not pending in g
    assert [d for _, d in events(p)] == [b"xdel"]

    assert x("XNACK", "s", "g", "FAIL", "IDS", "1", "2-0") == 1
    assert x("XCFGSET", "s", "IDMP-DURATION", "300") == b"OK"
    assert [d for _, d in events(p)] == []

    x("XADD", "s", "MAXLEN", "1", "DELREF", "10-0", "f", "v")
    x("XADD", "s", "MAXLEN", "5", "KEEPREF", "11-0", "f", "v")
    assert [d for _, d in events(p)] == [b"xadd", b"xtrim", b"xadd"]

    first = x("XADD", "s", "IDMP", "p", "i1", "*", "f", "v")
    assert x("XADD", "s", "IDMP", "p", "i1", "*", "f", "v") == first
    assert [d for _, d in events(p)] == [b"xadd"]

    x("XREADGROUP", "GROUP", "g", "c2", "CLAIM", "0", "STREAMS", "s", ">")
    x("XREADGROUP", "GROUP", "g", "c2", "CLAIM", "0", "STREAMS", "s", ">")
    assert [d for _, d in events(p)] == [b"xgroup-createconsumer"]
    p.close()


@streamd_only
def test_blocked_xreadgroup_consumer_event_order(rr, r, notify):
    """A consumer named by a blocking XREADGROUP exists from the call on, as
    in Redis 7.2+ (7.0 created it only once served): its
    xgroup-createconsumer comes when the read blocks, before the xadd that
    serves it. Redis 7.0 sends xadd then xgroup-createconsumer."""
    notify("Et")
    r.xadd("s", {"f": "v"}, id="1-0")
    r.xgroup_create("s", "g", id="$")
    p = subscribe(rr, "__keyevent@0__:*")
    b = rr()
    b.connection_pool.get_connection("_").send_command(
        "XREADGROUP", "GROUP", "g", "newc", "BLOCK", "10000", "STREAMS", "s", ">")
    assert events(p, 1) == [(b"__keyevent@0__:xgroup-createconsumer", b"s")]
    r.xadd("s", {"f": "v"}, id="2-0")
    assert events(p, 1) == [(b"__keyevent@0__:xadd", b"s")]
    assert events(p) == []
    p.close()
