"""Regressions for what tests/fuzz/cmd_fuzz.py found (or its coverage
pointed at): each test is the minimised input of one finding, with what the
server must do instead.

They matter most under the sanitizer build (make test-asan), where the
original failures were reports; the release build checks the replies.
"""

import time

import pytest


@pytest.fixture
def node_entries(r):
    yield
    r.config_set("stream-node-max-entries", 100)


@pytest.mark.parametrize("n", ["9223372036854775807", "92233720368547758", "10000000000000000"])
def test_approx_trim_with_a_huge_node_size(r, node_entries, n):
    # An approximate trim limits its work to 100 nodes' worth of entries:
    # 100 * stream-node-max-entries overflowed a long long (UBSan: signed
    # integer overflow in parse_trim_args). Redis's value wraps to <= 0 and
    # becomes 10000, or is capped at 1000000; with such nodes every entry is
    # in one node, which an approximate trim never removes.
    assert r.config_set("stream-node-max-entries", n)
    for i in range(5):
        r.xadd("s", {"f": i}, id="%d-1" % (i + 1))
    assert r.xadd("s", {"f": "v"}, id="9-1", maxlen=1, approximate=True) == b"9-1"
    assert r.execute_command("XTRIM", "s", "MAXLEN", "~", "1") == 0
    assert r.execute_command("XTRIM", "s", "MINID", "~", "8-0") == 0
    assert r.xlen("s") == 6
    assert r.execute_command("XTRIM", "s", "MAXLEN", "=", "2") == 4
    assert r.ping()


def test_command_getkeys_returns_every_key(raw):
    # COMMAND GETKEYS stopped at 256 keys (a fixed-size buffer) and replied
    # the first 256 as if they were all.
    c = raw()
    keys = [b"k%d" % i for i in range(300)]
    assert c.call("COMMAND", "GETKEYS", "DEL", *keys) == keys
    mset = [x for k in keys for x in (k, b"v")]
    assert c.call("COMMAND", "GETKEYS", "MSET", *mset) == keys
    ids = ["0"] * len(keys)
    assert c.call("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", *keys, *ids) == keys
    got = c.call("COMMAND", "GETKEYSANDFLAGS", "XREADGROUP", "GROUP", "g", "c", "STREAMS",
                 *keys, *ids)
    assert [k for k, _ in got] == keys


def used_memory(c):
    info = c.info("memory")
    return info["used_memory"]


def test_records_of_a_large_command_are_not_kept(make_server):
    # A command propagating many records (XREADGROUP delivering 100000
    # entries writes one XCLAIM each) grew the array indexing them, which was
    # never shrunk: 2 MiB kept for good. The record buffer itself is kept up
    # to 1 MiB on purpose.
    srv = make_server(["--appendonly", "yes"])
    c = srv.client()
    base = used_memory(c)
    n = 100000
    p = c.pipeline(transaction=False)
    for i in range(1, n + 1):
        p.xadd("s", {"f": "v"}, id="%d-1" % i)
    p.execute()
    c.xgroup_create("s", "g", id="0")
    assert len(c.xreadgroup("g", "c", {"s": ">"}, count=n)[0][1]) == n
    c.flushall()
    assert c.config_set("appendonly", "no")  # frees the AOF's own buffer
    c.connection_pool.disconnect()  # and this client's buffers
    c = srv.client()
    deadline = time.monotonic() + 10
    while c.info("clients")["connected_clients"] > 1:  # the server saw the close
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert used_memory(c) - base < (1 << 20) + (256 << 10)


def groups_state(c):
    return [sorted(g.items()) for g in c.xinfo_groups("s")]


def wait_rewrite(c):
    deadline = time.monotonic() + 20
    while c.info("persistence")["aof_rewrite_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_entries_read_past_entries_added_survives_the_aof(make_server):
    # cmd_fuzz seed 505: a group told it had read more than it had (ENTRIESREAD
    # within entries-added, at an early ID) counts on while reading and passes
    # entries-added. The XGROUP SETID record of that read, and a rewrite's
    # XGROUP CREATE, carry the value; the loader capped it at entries-added, so
    # a restart changed entries-read (and the lag). Caps are for clients only.
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    for i in (1, 2, 3):
        c.xadd("s", {"f": "v"}, id="%d-0" % i)
    c.execute_command("XGROUP", "CREATE", "s", "g", "1-0", "ENTRIESREAD", "3")
    c.execute_command("XGROUP", "CREATE", "s", "capped", "0", "ENTRIESREAD", "9")
    assert len(c.xreadgroup("g", "c", {"s": ">"})[0][1]) == 2
    before = groups_state(c)
    assert dict(before[1])["entries-read"] == 5  # counted on from 3
    assert dict(before[0])["entries-read"] == 3  # a client's 9 is capped at 3
    c.connection_pool.disconnect()
    srv.restart()
    c = srv.client()
    assert groups_state(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    c.connection_pool.disconnect()
    srv.restart()
    c = srv.client()
    assert groups_state(c) == before


def test_history_read_of_a_fatal_entry_keeps_its_count(make_server):
    # cmd_fuzz seed 20261126: XNACK FATAL gives an entry the delivery count
    # LLONG_MAX; read again from the consumer's history (XREADGROUP with an
    # ID), it went to 2^63 (shown as a negative count), which the AOF cannot
    # carry: a rewrite and reload turned it into 1. Counts stop at LLONG_MAX
    # there too, as on every other delivery path.
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert c.call("XNACK", "s", "g", "FATAL", "IDS", "1", "1-0") == 1
    c.call("XCLAIM", "s", "g", "c", "0", "1-0", "JUSTID")  # to c, count kept
    for _ in range(2):
        c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0")

    def count():
        return c.call("XPENDING", "s", "g", "-", "+", "10")[0][3]

    assert count() == 9223372036854775807
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    deadline = time.monotonic() + 10
    while srv.client().info("persistence")["aof_rewrite_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    srv.restart()
    c = srv.raw()
    assert count() == 9223372036854775807


def test_entries_added_past_llong_max_survives_the_aof(make_server):
    # cmd_fuzz seed 20261127: XSETID ENTRIESADDED LLONG_MAX then XADD counts
    # entries-added on past it, as Redis does (XINFO shows it negative, as
    # Redis's does). A rewrite wrote it signed and the loader refused it, so
    # a reload made entries-added 2. Now the rewrite writes the unsigned value
    # and the AOF loader (only) takes it; clients keep Redis's LLONG_MAX.
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("XADD", "s", "1-1", "f", "v")
    c.call("XSETID", "s", "1-1", "ENTRIESADDED", "9223372036854775807")
    c.call("XADD", "s", "2-1", "f", "v")

    def added():
        info = c.call("XINFO", "STREAM", "s")
        return info[info.index(b"entries-added") + 1]

    assert added() == -9223372036854775808
    assert str(c.call("XSETID", "s", "2-1", "ENTRIESADDED", "9223372036854775808")) == \
        "ERR value is not an integer or out of range"
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    deadline = time.monotonic() + 10
    while srv.client().info("persistence")["aof_rewrite_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    srv.restart()
    c = srv.raw()
    assert added() == -9223372036854775808
