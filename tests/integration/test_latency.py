"""Latency tracking beyond the differential checks (tests/compat/
test_latency_diff.py): the figures themselves, a blocked command counted
once it is served, the INFO section's place, redis-py's parser.
"""

import re

from testlib import RespError, streamd_only, wait_blocked


def hist(c, name):
    v = c.call("LATENCY", "HISTOGRAM", name)
    if not v:
        return None
    entry = dict(zip(v[1][::2], v[1][1::2]))
    return entry[b"calls"], dict(zip(entry[b"histogram_usec"][::2], entry[b"histogram_usec"][1::2]))


def test_a_slow_command_shows_in_the_percentiles(raw):
    c = raw()
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    assert c.call("DEBUG", "SLEEP", "0.02") == b"OK"
    line = [x for x in bytes(c.call("INFO", "latencystats")).split(b"\r\n") if b"_debug:" in x][0]
    vals = [float(v) for v in re.findall(rb"=(\d+\.\d{3})", line)]
    assert len(vals) == 3 and all(v >= 20000 for v in vals), line
    calls, buckets = hist(c, "debug")
    assert calls == 1 and min(buckets) >= 16384 and list(buckets.values()) == [1]


def test_a_blocked_read_counts_when_it_is_served(raw):
    c, b = raw(), raw()
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    b.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "lat", "$")
    wait_blocked(c, 1)
    assert hist(c, "xread") is None  # waiting: not yet a call
    assert c.call("XADD", "lat", "1-1", "f", "v") == b"1-1"
    assert b.read() is not None
    assert hist(c, "xread")[0] == 1


def test_section_place_and_redis_py(r, raw):
    r.config_resetstat()
    r.xadd("s", {"f": "v"})
    stats = r.info("latencystats")
    xadd = stats["latency_percentiles_usec_xadd"]
    assert set(xadd) == {"p50", "p99", "p99.9"} and xadd["p50"] <= xadd["p99"] <= xadd["p99.9"]
    c = raw()
    names = [x[2:] for x in bytes(c.call("INFO", "everything")).decode().split("\r\n")
             if x.startswith("# ")]
    assert names.index("Errorstats") < names.index("Latencystats") < names.index("Cluster")
    assert b"# Latencystats" not in bytes(c.call("INFO"))


@streamd_only
def test_a_refused_config_set_leaves_the_percentiles(make_server):
    # CONFIG SET is all or nothing: when a later parameter fails, the
    # percentiles INFO prints go back with the setting (they are derived)
    import shutil

    srv = make_server()
    c = srv.raw()
    shutil.rmtree(srv.dir)  # turning the AOF on now fails
    r = c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "10 20", "appendonly", "yes")
    assert isinstance(r, RespError)
    assert c.call("CONFIG", "GET", "latency-tracking-info-percentiles")[1] == b"50 99 99.9"
    line = [x for x in bytes(c.call("INFO", "latencystats")).split(b"\r\n") if b"usec_config|get:" in x]
    assert re.match(rb".*:p50=[\d.]+,p99=[\d.]+,p99\.9=[\d.]+$", line[0]), line


def test_doctor_reports_events_and_advice(raw):
    """LATENCY DOCTOR (streamd's own wording, Redis's content): off, quiet,
    then a slow command's event with its figures and advice that names the
    slow log setting to use."""
    c = raw()
    c.call("LATENCY", "RESET")
    c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
    assert "latency-monitor-threshold" in bytes(c.call("LATENCY", "DOCTOR")).decode()
    c.call("CONFIG", "SET", "latency-monitor-threshold", "5")
    quiet = bytes(c.call("LATENCY", "DOCTOR")).decode()
    assert "5 ms" in quiet and "command" not in quiet
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "100000")
    c.call("DEBUG", "SLEEP", "0.02")
    report = bytes(c.call("LATENCY", "DOCTOR")).decode()
    assert "1. command: 1 sample," in report, report
    assert "slowlog-log-slower-than 5000" in report, report
    assert "fast-command" not in report
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "1000")
    assert "slowlog-log-slower-than 5000" not in bytes(c.call("LATENCY", "DOCTOR")).decode()
    # a threshold of any size: its microseconds are capped (the fuzzer's
    # LLONG_MAX overflowed them, which UBSan reported)
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    c.call("CONFIG", "SET", "latency-monitor-threshold", "9223372036854775807")
    report = bytes(c.call("LATENCY", "DOCTOR")).decode()
    assert "slowlog-log-slower-than 9223372036854775807" in report, report
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
    c.call("LATENCY", "RESET")


def test_aof_write_is_an_event(make_server):
    """A big write to the AOF (32 MB: well over a millisecond to copy into
    the page cache) is sampled as "aof-write" and "aof-write-alone" (no
    fsync or rewrite under way), both exact names for HISTORY and GRAPH;
    LATENCY DOCTOR advises about the disk."""
    srv = make_server(["--appendonly", "yes", "--appendfsync", "no",
                       "--latency-monitor-threshold", "1"])
    c = srv.raw()
    assert c.call("SET", "big", b"x" * (32 << 20)) == b"OK"
    names = {e[0] for e in c.call("LATENCY", "LATEST")}
    assert {b"aof-write", b"aof-write-alone"} <= names, names
    hist = c.call("LATENCY", "HISTORY", "aof-write")
    assert len(hist) == 1 and hist[0][1] >= 1, hist
    assert c.call("LATENCY", "HISTORY", "AOF-WRITE") == []
    assert bytes(c.call("LATENCY", "GRAPH", "aof-write")).startswith(b"aof-write - high ")
    assert "disk" in bytes(c.call("LATENCY", "DOCTOR")).decode()
    assert c.call("LATENCY", "RESET", "AOF-write", "aof-write-alone") == 2
