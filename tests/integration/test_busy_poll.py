"""busy-poll-us: streamd's event loop asks epoll again for a few microseconds
before it sleeps, while that pays off (the window adapts; README,
Configuration). Only streamd has the option. What is checked here is what a
user relies on: the option's range and errors, that replies and blocking
timeouts are the same whatever the window, and that an idle server does not
keep polling. How much faster it answers is a benchmark's business
(../shared/bench/compare.py), not a test's.
"""

import os
import threading
import time

import pytest
import redis

from testlib import streamd_only

pytestmark = streamd_only


def cpu_seconds(srv):
    """The server process's user + system CPU time so far."""
    with open("/proc/%d/stat" % srv.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_config_range_and_errors(make_server):
    srv = make_server()
    c = srv.client()
    assert c.config_get("busy-poll-us") == {"busy-poll-us": "50"}
    for v in (0, 10000, 1, 50):
        assert c.config_set("busy-poll-us", v)
        assert c.config_get("busy-poll-us") == {"busy-poll-us": str(v)}
    for bad in (-1, 10001, 1 << 40, "ten", ""):
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("busy-poll-us", bad)
        assert "busy-poll-us" in str(e.value)
        assert c.config_get("busy-poll-us") == {"busy-poll-us": "50"}
    # several pairs at once are atomic: the bad one keeps the good one out
    with pytest.raises(redis.ResponseError):
        c.execute_command("CONFIG", "SET", "busy-poll-us", "7", "hz", "nope")
    assert c.config_get("busy-poll-us") == {"busy-poll-us": "50"}
    srv2 = make_server(args=["--busy-poll-us", "0"])
    assert srv2.client().config_get("busy-poll-us") == {"busy-poll-us": "0"}


@pytest.mark.parametrize("window", ["0", "50", "10000"])
def test_replies_and_block_timeouts_whatever_the_window(make_server, window):
    srv = make_server(args=["--busy-poll-us", window])
    c = srv.client()
    # pipelined writers on several connections: every entry once, in order per writer
    def writer(n):
        w = srv.client()
        p = w.pipeline(transaction=False)
        for i in range(500):
            p.xadd("s", {"w": n, "i": i})
        ids = p.execute()
        assert len(set(ids)) == 500
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert c.xlen("s") == 2000
    entries = c.xrange("s")
    for n in range(4):
        got = [int(f[b"i"]) for _, f in entries if f[b"w"] == str(n).encode()]
        assert got == list(range(500))
    # a blocking read times out when it should, not early and not much late
    t0 = time.monotonic()
    assert c.xread({"empty": "$"}, block=200) in (None, [], {})
    took = time.monotonic() - t0
    assert 0.19 <= took < 5, took
    # and a blocked reader is woken by a write
    got = []
    reader = threading.Thread(target=lambda: got.append(
        srv.client().xread({"t": "$"}, block=0)))
    reader.start()
    time.sleep(0.2)
    c.xadd("t", {"k": "v"})
    reader.join(10)
    assert not reader.is_alive() and got and got[0][0][1][0][1] == {b"k": b"v"}


@pytest.mark.parametrize("window", ["50", "10000"])
def test_an_idle_server_stops_polling(make_server, window):
    """After a burst of commands the window shrinks away: an idle server
    sleeps in epoll_wait, as it does with busy-poll-us 0. A server that kept
    polling would use one CPU second per second; one whose window never
    shrank, half of one (hz 100: it sleeps 10 ms at a time, after polling up
    to 10 ms)."""
    srv = make_server(args=["--busy-poll-us", window, "--hz", "100"])
    c = srv.client()
    for i in range(3000):
        c.ping()
    time.sleep(1.0)
    before = cpu_seconds(srv)
    time.sleep(2.0)
    used = cpu_seconds(srv) - before
    print("idle CPU: %.3f s in 2 s" % used)
    assert used < 0.2, used
