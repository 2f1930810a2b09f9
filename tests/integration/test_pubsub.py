"""Pub/Sub through redis-py's PubSub object, and at its edges: many
subscribers, binary names and payloads, RESP3, disconnections, a subscriber
that does not read, MONITOR and the slow log.

Byte-exact replies are compared with redis-server 7.0 in
tests/compat/test_pubsub_diff.py; everything here is Redis 7.0's behaviour
(check with STREAMD_TARGET=redis) unless marked streamd-only.
"""

import time

import pytest

from testlib import IS_REDIS, streamd_only
from testlib.resp import encode_command


def get(p, timeout=5.0):
    """The next message that is not a subscription confirmation."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = p.get_message(timeout=deadline - time.time())
        if m is not None and m["type"] in ("message", "pmessage", "smessage"):
            return m
    raise AssertionError("no message")


def wait_until(fn, timeout=10.0):
    deadline = time.time() + timeout
    while not fn():
        assert time.time() < deadline, "condition never held"
        time.sleep(0.01)


def test_subscribe_and_get_message(rr):
    r = rr()
    p = rr().pubsub()
    p.subscribe("news")
    m = p.get_message(timeout=5)
    assert m == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    assert r.publish("news", "hello") == 1
    assert get(p) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
    assert r.publish("other", "x") == 0
    p.unsubscribe("news")
    m = p.get_message(timeout=5)
    assert m == {"type": "unsubscribe", "pattern": None, "channel": b"news", "data": 0}
    p.close()


def test_psubscribe_and_listen(rr):
    r = rr()
    p = rr().pubsub(ignore_subscribe_messages=True)
    p.psubscribe("room.*")
    p.subscribe("room.1")
    wait_until(lambda: r.pubsub_numpat() == 1 and r.pubsub_numsub("room.1")[0][1] == 1)
    assert r.publish("room.1", "a") == 2  # the channel and the pattern
    assert r.publish("room.2", "b") == 1
    got = []
    for m in p.listen():
        if m is None:
            continue
        got.append((m["type"], m["pattern"], m["channel"], m["data"]))
        if len(got) == 3:
            break
    assert got == [("message", None, b"room.1", b"a"),
                   ("pmessage", b"room.*", b"room.1", b"a"),
                   ("pmessage", b"room.*", b"room.2", b"b")]
    p.close()


def test_handler_callbacks(rr):
    r = rr()
    seen = []
    p = rr().pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"cb": lambda m: seen.append(m["data"])})
    wait_until(lambda: r.pubsub_numsub("cb")[0][1] == 1)
    r.publish("cb", "1")
    r.publish("cb", "2")
    deadline = time.time() + 5
    while len(seen) < 2 and time.time() < deadline:
        p.get_message(timeout=0.1)
    assert seen == [b"1", b"2"]
    p.close()


def test_many_subscribers(rr):
    r = rr()
    subs = []
    for i in range(60):
        p = rr().pubsub(ignore_subscribe_messages=True)
        p.subscribe("fan")
        if i % 3 == 0:
            p.psubscribe("f*")
        subs.append(p)
    wait_until(lambda: r.pubsub_numsub("fan")[0][1] == 60 and r.pubsub_numpat() == 1)
    assert r.publish("fan", "out") == 80
    for i, p in enumerate(subs):
        assert get(p)["data"] == b"out"
        if i % 3 == 0:
            assert get(p)["type"] == "pmessage"
        p.close()
    wait_until(lambda: r.pubsub_numsub("fan")[0][1] == 0)
    assert r.pubsub_channels() == [] and r.pubsub_numpat() == 0


def test_binary_channels_and_messages(rr):
    r = rr()
    p = rr().pubsub(ignore_subscribe_messages=True)
    chan = b"\x00bin\r\n\xff"
    payload = bytes(range(256)) * 300
    p.subscribe(chan)
    p.psubscribe(b"\x00bin*")
    wait_until(lambda: r.pubsub_numsub(chan)[0][1] == 1)
    assert r.publish(chan, payload) == 2
    m1, m2 = get(p), get(p)
    assert (m1["channel"], m1["data"]) == (chan, payload)
    assert (m2["pattern"], m2["channel"], m2["data"]) == (b"\x00bin*", chan, payload)
    assert r.pubsub_channels() == [chan]
    p.close()


def test_resp3_pushes(rr, raw):
    """redis-py here speaks RESP2 only: RESP3 through a raw connection."""
    r = rr()
    c = raw()
    c.call("HELLO", "3")
    c.send_cmd("SUBSCRIBE", "r3")
    assert c.read() == [b"subscribe", b"r3", 1]
    r.publish("r3", "pushed")
    m = c.read()
    assert type(m).__name__ == "Push" and m == [b"message", b"r3", b"pushed"]
    # over RESP3 a subscriber may run any command
    assert c.call("GET", "nokey") is None
    assert c.call("PUBLISH", "r3", "to self") == 1 or True  # the push comes first
    assert c.read() == 1


def test_disconnect_removes_subscriptions(rr):
    r = rr()
    p = rr().pubsub()
    p.subscribe("a", "b")
    p.psubscribe("x*")
    p.execute_command("SSUBSCRIBE", "s")
    wait_until(lambda: r.pubsub_numsub("a")[0][1] == 1 and r.execute_command("PUBSUB", "SHARDNUMSUB", "s")[1] == 1)
    assert sorted(r.pubsub_channels()) == [b"a", b"b"]
    assert int(r.info("clients").get("pubsub_clients", 1)) == 1 or IS_REDIS
    p.close()
    wait_until(lambda: r.pubsub_channels() == [] and r.pubsub_numpat() == 0)
    assert r.execute_command("PUBSUB", "SHARDCHANNELS") == []
    assert r.publish("a", "gone") == 0
    stats = r.info("stats")
    assert (stats["pubsub_channels"], stats["pubsub_patterns"], stats["pubsubshard_channels"]) == (0, 0, 0)


def test_client_kill_and_reset(rr):
    r = rr()
    p = rr().pubsub()
    p.subscribe("k")
    p.get_message(timeout=5)
    p.connection.send_command("CLIENT", "ID")  # allowed? no: refused in RESP2 subscribed mode
    with pytest.raises(Exception, match="Can't execute 'client|id'"):
        p.connection.read_response()
    # subscribers closed by earlier tests may not have been processed yet
    wait_until(lambda: len(r.client_list(_type="pubsub")) == 1)
    assert r.client_kill_filter(_type="pubsub") == 1
    wait_until(lambda: r.pubsub_numsub("k")[0][1] == 0)
    # RESET leaves every subscription
    c = rr().pubsub()
    c.subscribe("k2")
    c.get_message(timeout=5)
    c.connection.send_command("RESET")
    assert c.connection.read_response() == b"RESET"
    assert r.pubsub_numsub("k2")[0][1] == 0
    c.connection.send_command("GET", "x")
    assert c.connection.read_response() is None
    p.close()
    c.close()


def test_client_list_fields(rr):
    r = rr()
    p = rr().pubsub()
    p.subscribe("c1", "c2")
    p.psubscribe("p*")
    p.execute_command("SSUBSCRIBE", "s1")
    wait_until(lambda: r.execute_command("PUBSUB", "SHARDNUMSUB", "s1")[1] == 1)
    subs = r.client_list(_type="pubsub")
    assert len(subs) == 1
    e = subs[0]
    assert (e["sub"], e["psub"], e["ssub"], e["flags"]) == ("2", "1", "1", "P")
    assert all(x["flags"] != "P" for x in r.client_list(_type="normal"))
    p.close()


def test_slow_subscriber_gets_everything(rr):
    """A subscriber that does not read while less than its output buffer
    limit is published to it: the server keeps serving others, and the
    subscriber later gets every message in order."""
    r = rr()
    p = rr(socket_timeout=30).pubsub(ignore_subscribe_messages=True)
    p.subscribe("slow")
    wait_until(lambda: r.pubsub_numsub("slow")[0][1] == 1)
    payload = b"x" * 4096
    n = 1500  # ~6 MB: under the default 8 MB soft limit
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.publish("slow", b"%d:" % i + payload)
    assert pipe.execute() == [1] * n
    assert r.ping()
    for i in range(n):
        m = get(p, timeout=30)
        assert m["data"] == b"%d:" % i + payload
    p.close()


def test_subscriber_past_hard_limit_is_dropped(rr, raw):
    """client-output-buffer-limit pubsub: a subscriber that does not read is
    closed once what waits for it passes the hard limit; publishers go on."""
    r = rr()
    r.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
    try:
        sub = raw()
        sub.call("SUBSCRIBE", "flood")
        wait_until(lambda: r.pubsub_numsub("flood")[0][1] == 1)
        payload = b"z" * (256 * 1024)
        sent = 0
        # far more than the socket buffers take: the rest piles up server-side
        while r.pubsub_numsub("flood")[0][1] == 1:
            assert sent < 400, "subscriber never dropped"
            r.publish("flood", payload)
            sent += 1
        assert r.publish("flood", "after") == 0
        assert r.ping()
        got = sub.read_available(wait=0.2, first_wait=5)
        while not sub.eof:
            more = sub.read_available(wait=0.2, first_wait=5)
            if not more:
                break
            got += more
        assert sub.eof
    finally:
        r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")


def test_output_buffer_limit_config(rr):
    r = rr()
    assert r.config_get("client-output-buffer-limit") == {
        "client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}
    r.config_set("client-output-buffer-limit", "PUBSUB 1mb 1k 5 replica 1 2 3")
    assert r.config_get("client-output-buffer-limit")["client-output-buffer-limit"] == \
        "normal 0 0 0 slave 1 2 3 pubsub 1048576 1000 5"
    for bad, msg in [("pubsub 1 2", "Wrong number of arguments"), ("master 1 2 3", "Invalid client class"),
                     ("pubsub 1 2 -1", "Error in hard, soft or soft_seconds"),
                     ("pubsub 1x 2 3", "Error in hard, soft or soft_seconds")]:
        with pytest.raises(Exception, match=msg):
            r.config_set("client-output-buffer-limit", bad)
    r.config_set("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 32mb 8mb 60")
    assert r.config_get("client-output-buffer-limit")["client-output-buffer-limit"] == \
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"


def test_killed_slow_subscriber_frees_its_buffer(rr):
    """Killing a subscriber with a big pending output frees it (no leak under
    ASan) and publishers see one receiver fewer."""
    r = rr()
    p = rr().pubsub(ignore_subscribe_messages=True)
    p.subscribe("pile")
    wait_until(lambda: r.pubsub_numsub("pile")[0][1] == 1)
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.publish("pile", b"y" * 8192)
    pipe.execute()
    wait_until(lambda: len(r.client_list(_type="pubsub")) == 1)
    assert r.client_kill_filter(_type="pubsub") == 1
    wait_until(lambda: r.publish("pile", "z") == 0)
    p.close()


def test_monitor_and_slowlog_see_publish(rr, raw):
    r = rr()
    m = raw()
    assert m.call("MONITOR") == b"OK"
    r.publish("mon", "payload")
    line = m.read()
    assert line.endswith(b'"PUBLISH" "mon" "payload"'), line
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.publish("slow-chan", "m")
    entries = r.slowlog_get(10)
    assert any(e["command"] == b"PUBLISH slow-chan m" for e in entries)
    assert m.read().endswith(b'"PUBLISH" "slow-chan" "m"')
    r.config_set("slowlog-log-slower-than", 10000)
    # a monitor is a replica to Redis: it may not publish
    assert m.call_raw("PUBLISH", "mon", "x") == b"-ERR Replica can't interact with the keyspace\r\n"


@streamd_only
def test_pubsub_clients_in_info(rr):
    """INFO clients pubsub_clients (a field Redis added after 7.0)."""
    r = rr()
    p1, p2 = rr().pubsub(), rr().pubsub()
    p1.subscribe("a")
    p2.psubscribe("b*")
    wait_until(lambda: r.info("clients")["pubsub_clients"] == 2)
    p1.unsubscribe("a")
    wait_until(lambda: r.info("clients")["pubsub_clients"] == 1)
    p1.close()
    p2.close()
    wait_until(lambda: r.info("clients")["pubsub_clients"] == 0)


def test_normal_client_past_its_limit_is_dropped(rr, raw):
    """The normal class too (no limit by default): a pipeline whose replies
    pile up past the hard limit closes its client."""
    r = rr()
    r.set("big", b"v" * 65536)
    r.config_set("client-output-buffer-limit", "normal 1mb 0 0")
    try:
        c = raw()
        c.send(b"".join(encode_command("GET", "big") for _ in range(100)))
        got = b""
        while not c.eof:
            more = c.read_available(wait=0.2, first_wait=5)
            if not more:
                break
            got += more
        assert c.eof and len(got) < 100 * 65536
        assert r.ping()
    finally:
        r.config_set("client-output-buffer-limit", "normal 0 0 0")


def test_subscriber_over_soft_limit_for_too_long_is_dropped(rr, raw):
    """The soft limit: a subscriber over it is dropped only when a later
    message finds it still over, more than soft_seconds after it first was."""
    r = rr()
    r.config_set("client-output-buffer-limit", "pubsub 0 256kb 0")
    try:
        sub = raw()
        sub.call("SUBSCRIBE", "soft")
        wait_until(lambda: r.pubsub_numsub("soft")[0][1] == 1)
        payload = b"s" * (256 * 1024)
        sent = 0
        # past the socket buffers the server holds output for it; with no
        # hard limit only the soft one (once a later second finds it still
        # over) can drop it
        while r.pubsub_numsub("soft")[0][1] == 1:
            assert sent < 2000, "subscriber never dropped"
            r.publish("soft", payload)
            sent += 1
            if sent % 20 == 0:
                time.sleep(0.3)
        assert r.ping()
    finally:
        r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")
