"""INFO memory and MEMORY STATS behave: the figures are measured, not fixed.

used_memory splits into overhead (start-up, clients, AOF buffer, keyspace
tables) and dataset; the dataset follows the data, the overhead follows the
clients' buffers, the start-up figure never moves, the allocator figures
are ordered as jemalloc defines them (with libc they are derived from
used_memory and the RSS, as Redis does), and the percentages and ratios are
printed as Redis prints them. Runs against Redis too (STREAMD_TARGET=redis)
except where it says streamd.
"""

import re
import socket

import pytest

from testlib import IS_REDIS, encode_command, parse_info, streamd_only, wait_for

NUM = ("used_memory", "used_memory_peak", "used_memory_overhead", "used_memory_startup",
       "used_memory_dataset", "used_memory_rss", "allocator_allocated", "allocator_active",
       "allocator_resident", "mem_clients_normal", "mem_aof_buffer", "allocator_frag_bytes",
       "allocator_rss_bytes", "rss_overhead_bytes", "mem_fragmentation_bytes")


def mem(c):
    info = parse_info(bytes(c.call("INFO", "memory")))
    for k in NUM:
        info[k] = int(info[k])
    return info


def stats(c):
    v = c.call("MEMORY", "STATS")
    if isinstance(v, list):
        v = dict(zip(v[::2], v[1::2]))
    return {k.decode(): val for k, val in v.items()}


def test_fields_add_up(raw):
    c = raw()
    c.call("SET", "k", "v" * 1000)
    m = mem(c)
    assert m["used_memory"] > m["used_memory_overhead"]
    assert m["used_memory"] == m["used_memory_overhead"] + m["used_memory_dataset"]
    assert m["used_memory_peak"] >= m["used_memory"]
    assert m["used_memory_startup"] <= m["used_memory_overhead"]
    for k in ("used_memory_peak_perc", "used_memory_dataset_perc"):
        assert re.fullmatch(r"\d+\.\d\d%", m[k]), (k, m[k])
    # (Redis takes the two from samples a moment apart: a little slack)
    assert abs(float(m["used_memory_peak_perc"][:-1]) -
               m["used_memory"] * 100 / m["used_memory_peak"]) <= 0.05
    net = max(m["used_memory"] - m["used_memory_startup"], 1)
    assert abs(float(m["used_memory_dataset_perc"][:-1]) - m["used_memory_dataset"] * 100 / net) <= 0.01
    for ratio, num, den in (("allocator_frag", "allocator_active", "allocator_allocated"),
                            ("allocator_rss", "allocator_resident", "allocator_active"),
                            ("rss_overhead", "used_memory_rss", "allocator_resident"),
                            ("mem_fragmentation", "used_memory_rss", "used_memory")):
        assert re.fullmatch(r"\d+\.\d\d", m[ratio + "_ratio"]), (ratio, m)
        if IS_REDIS:  # its RSS figures come from its last cron sample
            continue
        assert abs(float(m[ratio + "_ratio"]) - m[num] / m[den]) <= 0.01, (ratio, m)
        assert m[ratio + "_bytes"] == m[num] - m[den], (ratio, m)
    if not IS_REDIS:  # Redis updates its clients' figure in its cron
        assert m["mem_clients_normal"] > 0  # this connection at least
    assert m["mem_not_counted_for_evict"] == "0"
    assert m["number_of_cached_scripts"] == "0"


def test_allocator_figures(raw):
    c = raw()
    m = mem(c)
    if m["mem_allocator"] == "libc":
        # what Redis shows without allocator statistics
        assert m["allocator_allocated"] == m["used_memory"]
        assert m["allocator_active"] == m["allocator_resident"] == m["used_memory_rss"]
    else:
        assert m["mem_allocator"].startswith("jemalloc")
        assert 0 < m["allocator_allocated"] <= m["allocator_active"] <= m["allocator_resident"]
        # everything streamd counts sits in what the allocator has handed out
        assert m["used_memory"] <= m["allocator_allocated"]


def test_dataset_follows_the_data(raw):
    c = raw()
    before = mem(c)
    value = "x" * 1000
    c.pipeline([("SET", "key:%d" % i, value) for i in range(2000)])
    c.pipeline([("XADD", "s", "*", "f", value) for _ in range(500)])
    grown = mem(c)
    assert grown["used_memory_dataset"] - before["used_memory_dataset"] > 2_000_000
    # the keyspace tables are overhead: 2001 entries and their buckets
    assert grown["used_memory_overhead"] > before["used_memory_overhead"]
    assert c.call("FLUSHALL") == b"OK"
    after = mem(c)
    assert after["used_memory_dataset"] < before["used_memory_dataset"] + 200_000
    assert after["used_memory_overhead"] < grown["used_memory_overhead"]
    assert after["used_memory_peak"] >= grown["used_memory"]


def test_startup_stays_fixed(raw):
    c = raw()
    first = mem(c)["used_memory_startup"]
    assert first > 0
    c.pipeline([("SET", "key:%d" % i, "v") for i in range(500)])
    others = [raw() for _ in range(5)]
    for o in others:
        o.call("PING")
    assert mem(c)["used_memory_startup"] == first
    assert stats(c)["startup.allocated"] == first


def test_query_buffers_are_overhead(server, raw):
    c = raw()
    base = mem(c)
    n, chunk = 10, 300_000
    socks = []
    for _ in range(n):
        s = socket.create_connection((server.host, server.port))
        # a SET whose value is still arriving: the bytes wait in the query buffer
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$2000000\r\n" + b"z" * chunk)
        socks.append(s)
    grown = wait_for(lambda: (lambda m: m if m["mem_clients_normal"] - base["mem_clients_normal"] >=
                              n * chunk else None)(mem(c)), "query buffers counted")
    assert grown["used_memory_overhead"] - base["used_memory_overhead"] >= n * chunk
    assert grown["used_memory"] == grown["used_memory_overhead"] + grown["used_memory_dataset"]
    st = stats(c)
    assert st["clients.normal"] >= n * chunk
    for s in socks:
        s.close()
    wait_for(lambda: mem(c)["mem_clients_normal"] < base["mem_clients_normal"] + chunk,
             "query buffers released")


def test_pending_replies_are_overhead(server, raw):
    c = raw()
    c.call("SET", "big", "b" * 1_000_000)
    base = mem(c)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((server.host, server.port))
    gets = 40  # 40 MB of replies the client does not read
    s.sendall(encode_command("GET", "big") * gets)
    grown = wait_for(lambda: (lambda m: m if m["mem_clients_normal"] - base["mem_clients_normal"] >
                              10_000_000 else None)(mem(c)), "pending replies counted")
    assert grown["used_memory_overhead"] - base["used_memory_overhead"] > 10_000_000
    s.close()
    wait_for(lambda: mem(c)["mem_clients_normal"] < base["mem_clients_normal"] + 1_000_000,
             "pending replies released")


def test_memory_stats_agree_with_info(raw):
    c = raw()
    c.call("SET", "a", "1")
    c.call("PEXPIRE", "a", "100000")
    c.call("SELECT", "5")
    c.call("SET", "b", "2")
    st = stats(c)
    parts = (st["startup.allocated"] + st["replication.backlog"] + st["clients.slaves"] +
             st["clients.normal"] + st["cluster.links"] + st["aof.buffer"] + st["lua.caches"] +
             st["functions.caches"])
    dbs = {k: v for k, v in st.items() if k.startswith("db.")}
    assert set(dbs) == {"db.0", "db.5"}
    for v in dbs.values():
        d = dict(zip(v[::2], v[1::2])) if isinstance(v, list) else v
        parts += d[b"overhead.hashtable.main"] + d[b"overhead.hashtable.expires"]
        assert d[b"overhead.hashtable.main"] > 0
    assert st["overhead.total"] == parts
    assert st["keys.count"] == 2
    assert st["total.allocated"] == st["overhead.total"] + st["dataset.bytes"]
    assert st["keys.bytes-per-key"] == (st["total.allocated"] - st["startup.allocated"]) // 2
    assert st["peak.allocated"] >= st["total.allocated"]
    assert abs(float(st["peak.percentage"]) - st["total.allocated"] * 100 / st["peak.allocated"]) < 0.01
    if not IS_REDIS:  # Redis reports the RSS figures of its last cron sample
        assert st["fragmentation.bytes"] == (st["allocator.resident"] + st["rss-overhead.bytes"] -
                                             st["total.allocated"])
    m = mem(c)
    assert m["used_memory_startup"] == st["startup.allocated"]
    assert m["mem_aof_buffer"] == st["aof.buffer"]


def test_aof_buffer_is_zero_without_aof(raw):
    c = raw()
    c.call("SET", "a", "1")
    m = mem(c)
    assert m["mem_aof_buffer"] == 0
    assert stats(c)["aof.buffer"] == 0


@streamd_only
def test_aof_buffer_counted_with_aof(make_server):
    srv = make_server(args=["--appendonly", "yes"])
    c = srv.raw()
    c.call("SET", "a", "x" * 10_000)
    m = mem(c)
    # the buffer keeps its capacity once written out, so it shows now
    assert m["mem_aof_buffer"] >= 10_000
    st = stats(c)
    assert st["aof.buffer"] >= 10_000
    assert m["used_memory_overhead"] >= m["used_memory_startup"] + m["mem_aof_buffer"]
    c.close()


def test_purge_and_doctor(raw):
    c = raw()
    assert c.call("MEMORY", "PURGE") == b"OK"
    text = bytes(c.call("MEMORY", "DOCTOR"))
    assert text.endswith(b"\n") and len(text) > 20
    m = mem(c)
    if m["mem_allocator"] != "libc":
        assert bytes(c.call("MEMORY", "MALLOC-STATS")).startswith(b"___ Begin jemalloc statistics ___")


@streamd_only
def test_doctor_reports(raw):
    c = raw()
    small = bytes(c.call("MEMORY", "DOCTOR")).decode()
    assert "too little" in small
    # 30 MB of data, then most of it deleted: the peak is far above usage
    value = "v" * 100_000
    c.pipeline([("SET", "k%d" % i, value) for i in range(300)])
    healthy = bytes(c.call("MEMORY", "DOCTOR")).decode()
    assert "Past peak" not in healthy
    if mem(c)["mem_allocator"] != "libc":  # ASan's shadow memory swells the RSS
        assert healthy.startswith("No memory problems found"), healthy
    c.pipeline([("DEL", "k%d" % i) for i in range(240)])
    m = mem(c)
    assert m["used_memory_peak"] > m["used_memory"] * 1.5
    report = bytes(c.call("MEMORY", "DOCTOR")).decode()
    assert report.startswith("Found ") and "Past peak" in report, report
