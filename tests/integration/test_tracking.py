"""Client-side caching beyond the differential scripts (tests/compat/
test_tracking_diff.py): the tracking table's limit (whose evictions pick keys
at random), INFO's counters across disconnects and RESET, CLIENT LIST's
flags and redir=, a redirect target that goes away, and invalidations to a
client that turned its replies off. Runs against redis-server 7.0 as well
(STREAMD_TARGET=redis).
"""

import time

from testlib import wait_blocked
from testlib.resp import Push


def info(c):
    out = {}
    for line in c.call("INFO", "everything").decode().split("\r\n"):
        k, _, v = line.partition(":")
        if k.startswith("tracking_"):
            out[k] = int(v)
    return out


def client_fields(line):
    return dict(f.split("=", 1) for f in line.decode().strip().split(" "))


def n_clients(c):
    return c.call("CLIENT", "LIST").count(b"\n")


def wait_clients(c, n):
    deadline = time.time() + 10
    while n_clients(c) != n:
        assert time.time() < deadline
        time.sleep(0.005)


def pushes_until(c, token):
    """The invalidation pushes c receives before the answer to PING token."""
    c.send_cmd("PING", token)
    out = []
    while True:
        v = c.read()
        if v == token:
            return out
        assert isinstance(v, Push) and v[0] == b"invalidate", v
        out.append(v[1])


def test_table_limit_evicts_random_keys_with_invalidations(raw):
    ctl, c = raw(), raw()
    try:
        assert ctl.call("CONFIG", "GET", "tracking-table-max-keys") == [b"tracking-table-max-keys", b"1000000"]
        assert ctl.call("CONFIG", "SET", "tracking-table-max-keys", "5") == b"OK"
        c.call("HELLO", "3")
        assert c.call("CLIENT", "TRACKING", "ON") == b"OK"
        keys = [b"k%d" % i for i in range(20)]
        assert c.call("MGET", *keys) == [None] * 20
        # the next command finds the table over its limit: keys go until it fits,
        # each invalidated for the client that read it (before that command's reply)
        got = pushes_until(c, b"t1")
        flat = [k for arr in got for k in arr]
        assert len(flat) == 15 and len(set(flat)) == 15 and set(flat) <= set(keys)
        assert info(ctl)["tracking_total_keys"] == 5
        assert info(ctl)["tracking_total_items"] == 5
        # what was left is still tracked: changing it invalidates
        left = sorted(set(keys) - set(flat))
        ctl.call("MSET", *[x for k in left for x in (k, b"v")])
        assert sorted(k for arr in pushes_until(c, b"t2") for k in arr) == left
        # 0: no limit
        assert ctl.call("CONFIG", "SET", "tracking-table-max-keys", "0") == b"OK"
        c.call("MGET", *keys)
        assert pushes_until(c, b"t3") == []
        assert info(ctl)["tracking_total_keys"] == 20
    finally:
        ctl.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
        ctl.call("FLUSHALL")


def test_info_counters_follow_clients(raw):
    ctl = raw()
    ctl.call("FLUSHALL")
    assert info(ctl) == {"tracking_clients": 0, "tracking_total_keys": 0, "tracking_total_items": 0,
                         "tracking_total_prefixes": 0}
    a, b, c = raw(), raw(), raw()
    a.call("CLIENT", "TRACKING", "ON")
    b.call("CLIENT", "TRACKING", "ON")
    a.call("MGET", "x", "y")
    b.call("GET", "x")
    c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p", "PREFIX", "q")
    assert info(ctl) == {"tracking_clients": 3, "tracking_total_keys": 2, "tracking_total_items": 3,
                         "tracking_total_prefixes": 2}
    # a client that leaves or RESETs stops tracking; its entries stay in the
    # table until their keys change (7.0 drops them lazily)
    before = n_clients(ctl)
    a.close()
    assert c.call("RESET") == b"RESET"
    wait_clients(ctl, before - 1)
    assert info(ctl) == {"tracking_clients": 1, "tracking_total_keys": 2, "tracking_total_items": 3,
                         "tracking_total_prefixes": 0}
    ctl.call("SET", "x", "1")
    assert info(ctl)["tracking_total_keys"] == 1 and info(ctl)["tracking_total_items"] == 1
    ctl.call("FLUSHDB")
    assert info(ctl) == {"tracking_clients": 1, "tracking_total_keys": 0, "tracking_total_items": 0,
                         "tracking_total_prefixes": 0}
    b.call("CLIENT", "TRACKING", "OFF")
    assert info(ctl)["tracking_clients"] == 0


def test_client_list_flags_and_redir(raw):
    ctl = raw()
    target, t, bc = raw(), raw(), raw()
    tid = target.call("CLIENT", "ID")
    assert client_fields(t.call("CLIENT", "INFO"))["redir"] == "-1"
    t.call("CLIENT", "TRACKING", "ON", "REDIRECT", str(tid))
    bc.call("CLIENT", "TRACKING", "ON", "BCAST")
    f = client_fields(t.call("CLIENT", "INFO"))
    assert (f["flags"], f["redir"]) == ("t", str(tid))
    f = client_fields(bc.call("CLIENT", "INFO"))
    assert (f["flags"], f["redir"]) == ("tB", "0")
    t.call("GET", "k")
    before = n_clients(ctl)
    target.close()
    wait_clients(ctl, before - 1)
    ctl.call("SET", "k", "1")  # the invalidation finds no target: R
    listing = [client_fields(x.encode()) for x in ctl.call("CLIENT", "LIST").decode().splitlines() if x]
    mine = next(f for f in listing if f["id"] == str(t.call("CLIENT", "ID")))
    assert (mine["flags"], mine["redir"]) == ("tR", str(tid))
    assert t.call("CLIENT", "GETREDIR") == tid
    info_map = t.call("CLIENT", "TRACKINGINFO")
    assert info_map[:2] == [b"flags", [b"on", b"broken_redirect"]]
    # turning tracking on again clears R
    t.call("CLIENT", "TRACKING", "ON")
    assert client_fields(t.call("CLIENT", "INFO"))["flags"] == "t"
    t.call("CLIENT", "TRACKING", "OFF")
    assert client_fields(t.call("CLIENT", "INFO"))["flags"] == "N"
    assert t.call("CLIENT", "GETREDIR") == -1


def test_invalidations_reach_a_client_with_replies_off(raw):
    ctl, c = raw(), raw()
    c.call("HELLO", "3")
    c.call("CLIENT", "TRACKING", "ON")
    c.call("GET", "k")
    c.send_cmd("CLIENT", "REPLY", "OFF")
    ctl.call("SET", "k", "1")
    v = c.read()
    assert v == Push([b"invalidate", [b"k"]])
    assert c.call("CLIENT", "REPLY", "ON") == b"OK"


def test_many_clients_and_keys(raw):
    """Every reader of a key gets its invalidation once, and the table
    empties as the keys change."""
    ctl = raw()
    readers = [raw() for _ in range(8)]
    keys = [b"key:%d" % i for i in range(200)]
    for r in readers:
        r.call("HELLO", "3")
        r.call("CLIENT", "TRACKING", "ON")
        r.call("MGET", *keys)
    assert info(ctl)["tracking_total_items"] == 8 * 200
    ctl.call("MSET", *[x for k in keys for x in (k, b"v")])
    for i, r in enumerate(readers):
        got = pushes_until(r, b"t%d" % i)
        assert [k for arr in got for k in arr] == keys
    assert info(ctl)["tracking_total_keys"] == 0 and info(ctl)["tracking_total_items"] == 0


def test_blocked_read_is_tracked_when_it_blocks(raw):
    """As in 7.0: XREAD BLOCK remembers its keys when it blocks, so the XADD
    that serves it first invalidates them; the entries it is then served
    are not remembered again."""
    c, p, ctl = raw(), raw(), raw()
    c.call("HELLO", "3")
    c.call("CLIENT", "TRACKING", "ON")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(ctl, 1)
    assert p.call("XADD", "s", "1-1", "f", "v") == b"1-1"
    assert c.read() == Push([b"invalidate", [b"s"]])
    assert c.read() == {b"s": [[b"1-1", [b"f", b"v"]]]}
    assert p.call("XADD", "s", "2-1", "f", "v") == b"2-1"
    assert pushes_until(c, b"t") == []
