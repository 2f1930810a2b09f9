"""streamd as a master, Debian's redis-server 7.0 as its replica
(--replicaof): full and partial resync, the replication stream applied by
7.0 (a mixed workload compared key by key, streams through XINFO STREAM
FULL and XPENDING), WAIT, INFO replication, ROLE, CLIENT LIST/KILL of
replicas and the replica output-buffer limit.
"""

import time

import pytest

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd as master, redis-server 7.0 as replica")

DBS = (0, 1, 3)


def info(c, section="replication"):
    return c.info(section)


def wait_for(pred, what, timeout=10.0):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def link_up(replica, master):
    """Waits until the replica's link is up and the master has it online."""
    c, mc = replica.client(decode_responses=True), master.client(decode_responses=True)
    try:
        wait_for(lambda: info(c).get("master_link_status") == "up", "master_link_status:up")
        wait_for(lambda: info(mc).get("slave0", {}).get("state") == "online", "state=online")
    finally:
        c.close()
        mc.close()


def start_pair(make_server, master_args=(), replica_args=()):
    m = make_server(kind="streamd", args=list(master_args))
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)] + list(replica_args))
    link_up(s, m)
    return m, s


def stream_view(c, key):
    """XINFO STREAM FULL without what a replica may not share (times), as a
    comparable structure, plus XPENDING per group."""
    full = c.execute_command("XINFO", "STREAM", key, "FULL")
    d = dict(zip(full[::2], full[1::2]))
    out = {}
    for k in (b"length", b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
              b"recorded-first-entry-id", b"entries"):
        out[k] = d.get(k)
    groups = []
    for g in d[b"groups"]:
        gd = dict(zip(g[::2], g[1::2]))
        consumers = []
        for cons in gd[b"consumers"]:
            cd = dict(zip(cons[::2], cons[1::2]))
            consumers.append((cd[b"name"], cd[b"pel-count"], [(p[0], p[2]) for p in cd[b"pending"]]))
        groups.append((gd[b"name"], gd[b"last-delivered-id"], gd[b"entries-read"], gd[b"lag"],
                       gd[b"pel-count"], [(p[0], p[1], p[3]) for p in gd[b"pending"]],
                       sorted(consumers)))
        out[b"xpending:" + gd[b"name"]] = c.execute_command("XPENDING", key, gd[b"name"])
    out[b"groups"] = sorted(groups)
    return out


def dataset(c):
    """Every key of DBS: type, value (streams: stream_view) and whether and
    roughly how long it lives."""
    out = {}
    for db in DBS:
        c.execute_command("SELECT", db)
        for k in sorted(c.keys("*")):
            t = c.type(k)
            if t == b"string":
                v = c.get(k)
            else:
                v = stream_view(c, k)
            ttl = c.pttl(k)
            out[(db, k)] = (t, v, -1 if ttl < 0 else round(ttl / 5000.0))
    c.execute_command("SELECT", 0)
    return out


def workload(m):
    c = m.client()
    c.set("plain", "v")
    c.set("ttl", "x", px=60000)
    c.set("short", "gone", px=50)
    c.incrby("counter", 5)
    c.append("plain", "++")
    c.expire("plain", 120)
    c.persist("plain")
    for i in range(30):
        c.xadd("s", {"f": str(i), "g": "x" * (i % 3)})
    c.xadd("s", {"f": "explicit"}, id="99999999999999-5")
    c.xdel("s", "99999999999999-5")
    c.xtrim("s", maxlen=25)
    c.xtrim("s", maxlen=20, approximate=True)
    c.xgroup_create("s", "g1", id="0")
    c.xgroup_create("s", "g2", id="$", mkstream=True)
    c.xreadgroup("g1", "alice", {"s": ">"}, count=5)
    c.xreadgroup("g1", "bob", {"s": ">"}, count=3)
    ids = [e[0] for e in c.xrange("s", count=3)]
    c.xack("s", "g1", ids[0])
    c.xclaim("s", "g1", "carol", 0, [ids[1]])
    c.xautoclaim("s", "g1", "dave", 0, "0", count=2)
    c.execute_command("XGROUP", "CREATECONSUMER", "s", "g2", "erin")
    c.execute_command("XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "3")
    p = c.pipeline(transaction=True)
    p.set("tx1", "a")
    p.xadd("s2", {"a": "b"})
    p.incr("counter")
    p.execute()
    c.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('xadd', KEYS[2], '*', 'k', ARGV[1])",
           2, "lua", "ls", "fromlua")
    c.execute_command("SELECT", 1)
    c.set("db1key", "one")
    c.xadd("db1s", {"x": "1"})
    c.execute_command("SELECT", 3)
    c.set("doomed", "1")
    c.xadd("doomed-s", {"x": "1"})
    c.flushdb()
    c.set("after-flush", "3")
    c.execute_command("SELECT", 0)
    c.set("tmp", "1")
    c.delete("tmp")
    c.rename("tx1", "tx1-renamed")
    c.copy("plain", "plain-copy")
    c.getdel("lua")
    time.sleep(0.1)
    assert c.get("short") is None  # expired: a DEL reaches the replica
    c.close()


def assert_same(m, s):
    mc, sc = m.client(), s.client()
    mc.set("sentinel", "1")  # WAIT waits for this client's writes
    assert mc.wait(1, 5000 * SLOW) == 1
    # the replica applied what its ACK says; expiry of "short" too
    wait_for(lambda: dataset(sc) == dataset(mc), "the replica's data to match", timeout=5)
    mc.close()
    sc.close()


def test_full_sync_then_stream(make_server):
    m = make_server(kind="streamd")
    c = m.client()
    # data before the replica exists: it arrives in the RDB (several dbs,
    # a stream with groups, TTLs, and more than one 64 KiB chunk)
    c.set("pre", "1", ex=1000)
    for i in range(400):
        c.xadd("pre-s", {"i": str(i), "pad": "p" * 300})
    c.xgroup_create("pre-s", "pg", id="0")
    c.xreadgroup("pg", "pc", {"pre-s": ">"}, count=7)
    c.execute_command("SELECT", 3)
    c.set("pre3", "three")
    c.close()
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    link_up(s, m)
    assert_same(m, s)
    workload(m)
    assert_same(m, s)
    # 7.0 applied every record: it logs any it refuses
    assert "sending an error to its master" not in s.log()
    mc = m.client(decode_responses=True)
    i = info(mc)
    assert i["role"] == "master" and i["connected_slaves"] == 1
    assert i["slave0"]["state"] == "online" and i["slave0"]["port"] == s.port
    assert i["repl_backlog_active"] == 1
    sc = s.client(decode_responses=True)
    assert info(sc)["master_replid"] == i["master_replid"]

    def offsets_agree():
        a, b = info(mc), info(sc)
        return a["master_repl_offset"] == a["slave0"]["offset"] == b["master_repl_offset"]
    wait_for(offsets_agree, "the replica's ACK of the whole stream")
    i = info(mc)
    assert i["repl_backlog_histlen"] == i["master_repl_offset"]
    assert i["repl_backlog_first_byte_offset"] == 1
    role = mc.execute_command("ROLE")
    assert role[0] == "master" and role[1] == i["master_repl_offset"]
    assert role[2] == [["127.0.0.1", str(s.port), str(i["master_repl_offset"])]]
    stats = mc.info("stats")
    assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == (1, 0, 0)
    replicas = [x for x in mc.client_list() if "S" in x["flags"]]
    assert len(replicas) == 1
    assert len(mc.client_list(_type="replica")) == 1
    assert all("S" not in x["flags"] for x in mc.client_list(_type="normal"))
    assert mc.client_list(_type="master") == []
    # replicas are not counted, as 7.0 does
    listed = mc.client_list()
    assert mc.info("clients")["connected_clients"] == len(listed) - 1
    mc.close()


def test_partial_resync_after_kill(make_server):
    m, s = start_pair(make_server)
    c = m.client(decode_responses=True)
    c.set("k1", "v1")
    assert c.wait(1, 5000 * SLOW) == 1
    replid = info(c)["master_replid"]
    assert c.execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
    c.set("k2", "v2")  # while the replica is away: served from the backlog
    c.xadd("s", {"a": "1"})
    link_up(s, m)
    assert c.wait(1, 5000 * SLOW) == 1
    stats = c.info("stats")
    assert (stats["sync_full"], stats["sync_partial_ok"]) == (1, 1)
    assert info(c)["master_replid"] == replid
    sc = s.client(decode_responses=True)
    assert sc.get("k2") == "v2" and sc.xlen("s") == 1
    assert "Partial resynchronization request" in m.log()
    # a replica whose replication ID is unknown gets a full resync
    r = m.raw()
    assert r.call("PSYNC", "0" * 40, "1").startswith(b"FULLRESYNC ")
    r.close()
    wait_for(lambda: c.info("stats")["sync_partial_err"] == 1, "sync_partial_err")
    sc.close()
    c.close()


def test_writes_during_full_sync_reach_the_replica(make_server):
    # the RDB child writes slowly (1 ms per key): what is written meanwhile
    # is kept for the replica and sent after the RDB
    m = make_server(kind="streamd", args=["--rdb-key-save-delay", "1000"])
    c = m.client()
    for i in range(200):
        c.set("k%d" % i, i)
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    mc = m.client(decode_responses=True)
    wait_for(lambda: mc.info("replication").get("slave0", {}).get("state") == "wait_bgsave",
             "a replica in wait_bgsave")
    for i in range(50):
        c.xadd("during", {"i": str(i)})
    c.execute_command("SELECT", 2)
    c.set("db2", "x")
    link_up(s, m)
    assert c.wait(1, 5000 * SLOW) == 1
    sc = s.client()
    assert sc.xlen("during") == 50 and sc.dbsize() == 201
    sc.execute_command("SELECT", 2)
    assert sc.get("db2") == b"x"
    c.close()
    sc.close()
    mc.close()


def test_wait_semantics(make_server):
    m = make_server(kind="streamd")
    c = m.client()
    assert c.wait(0, 0) == 0
    assert c.wait(1, 50) == 0  # no replica: times out with 0
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    link_up(s, m)
    assert c.wait(0, 0) == 1  # counts what acknowledged, even when 0 are asked
    c.set("x", "1")
    assert c.wait(1, 0) == 1
    t0 = time.time()
    assert c.wait(2, 200) == 1  # only one exists: the timeout ends it
    assert time.time() - t0 >= 0.15
    p = c.pipeline(transaction=True)
    p.set("y", "2")
    p.wait(5, 0)  # inside EXEC: answers at once
    assert p.execute()[1] in (0, 1)
    # WAITAOF: a 7.0 replica sends no FACK, so no replica counts
    assert c.execute_command("WAITAOF", "0", "1", "100") == [0, 0]
    c.close()


def test_private_records_are_skipped_by_7_0(make_server):
    # XCFGSET (Redis 8.6) and XIDMPCOUNTERS (streamd's own) mean nothing to
    # 7.0: it logs the error it would send its master and applies what
    # follows; the stream itself replicates.
    m, s = start_pair(make_server)
    c = m.client()
    c.xadd("s", {"a": "1"})
    c.execute_command("XCFGSET", "s", "IDMP-DURATION", "50", "IDMP-MAXSIZE", "10")
    c.set("after", "1")
    assert c.wait(1, 5000 * SLOW) == 1
    sc = s.client()
    assert sc.get("after") == b"1" and sc.xlen("s") == 1
    wait_for(lambda: "This replica is sending an error to its master" in s.log(),
             "the replica's log line")
    assert s.is_running()
    c.close()
    sc.close()


def test_replica_output_limit_and_backlog_config(make_server):
    m = make_server(kind="streamd", args=["--rdb-key-save-delay", "20000",
                                         "--client-output-buffer-limit", "replica 1mb 0 0"])
    c = m.client(decode_responses=True)
    for i in range(50):
        c.set("k%d" % i, i)
    make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    wait_for(lambda: c.info("replication").get("connected_slaves") == 1, "a replica")
    big = "x" * (256 * 1024)
    for i in range(6):  # 1.5 MB of stream kept while the child writes
        c.set("big%d" % i, big)
    wait_for(lambda: "overcoming of output buffer limits" in m.log(), "the limit's log line")
    # a closed replica leaves the backlog, which keeps its bytes
    i = info(c)
    assert i["repl_backlog_active"] == 1 and i["repl_backlog_histlen"] == 1048576
    c.config_set("repl-backlog-size", "65536")
    i = info(c)
    assert i["repl_backlog_size"] == 65536 and i["repl_backlog_histlen"] == 65536
    assert i["repl_backlog_first_byte_offset"] == i["master_repl_offset"] - 65536 + 1
    assert c.config_get("repl-ping-slave-period") == {"repl-ping-slave-period": "10"}
    c.close()


def test_replica_client_protocol(make_server):
    m = make_server(kind="streamd")
    r = m.raw()
    assert r.call("REPLCONF", "listening-port", "1234") == b"OK"
    assert r.call("REPLCONF", "capa", "eof", "capa", "psync2") == b"OK"
    assert r.call("REPLCONF", "ip-address", "10.1.2.3") == b"OK"
    assert r.call_raw("REPLCONF", "nope", "1") == b"-ERR Unrecognized REPLCONF option: nope\r\n"
    assert r.call_raw("REPLCONF", "listening-port") == b"-ERR syntax error\r\n"
    assert r.call_raw("REPLCONF", "listening-port", "x") == \
        b"-ERR value is not an integer or out of range\r\n"
    # ACK from a client that is no replica: no answer at all
    r.send_cmd("REPLCONF", "ACK", "5")
    assert r.call("PING") == b"PONG"
    r.close()
    # a hand-made replica: +FULLRESYNC, the RDB as a bulk, then the stream
    c = m.client(decode_responses=True)
    c.set("before", "1")
    r = m.raw()
    assert r.call("REPLCONF", "listening-port", "4321") == b"OK"
    r.send_cmd("PSYNC", "?", "-1")
    line = r._line()
    assert line.startswith(b"+FULLRESYNC ")
    replid, offset = line.split()[1:]
    assert len(replid) == 40 and replid.decode() == info(c)["master_replid"]
    n = int(r._line()[1:])
    rdb = bytes(r.buf[r.pos:r.pos + n]) if len(r.buf) - r.pos >= n else None
    while rdb is None:
        r._fill()
        rdb = bytes(r.buf[r.pos:r.pos + n]) if len(r.buf) - r.pos >= n else None
    r.pos += n
    assert rdb.startswith(b"REDIS0010") and b"before" in rdb
    c.execute_command("SELECT", 2)
    c.set("after", "v")
    stream = r.read_available(wait=0.2, first_wait=2)
    assert b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\nv\r\n" in stream
    # PSYNC again from a replica: ignored; ACKs count for WAIT and INFO
    r.send_cmd("PSYNC", "?", "-1")
    end = int(offset) + len(stream)
    r.send_cmd("REPLCONF", "ACK", str(end))
    wait_for(lambda: info(c)["slave0"]["offset"] == end, "the ACK")
    assert info(c)["slave0"]["port"] == 4321
    assert c.execute_command("WAIT", "1", "0") == 1
    # a WAIT that needs a newer ACK sends REPLCONF GETACK * down the stream
    c.set("more", "1")
    c2 = m.client()
    c2.execute_command("SELECT", 2)
    c2.set("x", "y")
    assert c2.wait(1, 100) == 0
    assert b"REPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n" in r.read_available(wait=0.1)
    r.close()
    wait_for(lambda: info(c)["connected_slaves"] == 0, "the replica to go")
    c.close()
    c2.close()


def noreplicas_script(srv):
    c = srv.raw()
    cmds = [
        ("SET", "a", "1"), ("PING",), ("GET", "a"), ("XADD", "s", "*", "f", "v"),
        ("MULTI",), ("SET", "a", "2"), ("GET", "a"), ("EXEC",),
        ("MULTI",), ("GET", "a"), ("EXEC",),
        ("EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "a"),
        ("EVAL", "return redis.pcall('set', KEYS[1], 'x')", "1", "a"),
        ("EVAL", "#!lua\nreturn redis.call('get', KEYS[1])", "1", "a"),
        ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "a"),
        ("CONFIG", "SET", "min-replicas-max-lag", "0"), ("SET", "a", "3"),
        ("CONFIG", "SET", "min-replicas-max-lag", "10"), ("SET", "a", "4"),
        ("CONFIG", "SET", "min-slaves-to-write", "0"), ("SET", "a", "5"), ("GET", "a"),
        ("CONFIG", "GET", "min-replicas-to-write"), ("CONFIG", "GET", "min-slaves-max-lag"),
    ]
    got = [c.call_raw(*cmd) for cmd in cmds]
    c.close()
    return got


def test_min_replicas_to_write_vs_7_0(make_server):
    # no replica at all: 7.0 and streamd refuse the same writes the same way
    args = ["--min-replicas-to-write", "1"]
    a = make_server(kind="streamd", args=args)
    b = make_server(kind="redis", args=args)
    got_a, got_b = noreplicas_script(a), noreplicas_script(b)
    assert got_a[0] == b"-NOREPLICAS Not enough good replicas to write.\r\n"
    assert got_a == got_b


def test_min_replicas_with_a_replica(make_server):
    m, s = start_pair(make_server, master_args=["--min-replicas-to-write", "1"])
    c = m.client()
    assert c.set("ok", "1")  # the replica is online, its last ACK fresh
    c.config_set("min-replicas-to-write", "2")
    try:
        c.set("no", "1")
        raise AssertionError("a write with too few replicas")
    except Exception as e:  # redis-py's error for -NOREPLICAS
        assert "NOREPLICAS" in str(e)
    assert c.ping()
    c.close()


def test_backlog_wraps_and_runs_out(make_server):
    m, s = start_pair(make_server, master_args=["--repl-backlog-size", "16384"])
    c = m.client(decode_responses=True)
    for i in range(100):  # the backlog wraps several times
        c.set("k%d" % i, str(i) * 1000)
    assert c.wait(1, 5000 * SLOW) == 1

    def away_while(writes):
        # atomic: the replica cannot come back before the writes are done
        p = c.pipeline(transaction=True)
        p.execute_command("CLIENT", "KILL", "TYPE", "replica")
        for k, v in writes:
            p.set(k, v)
        p.execute()
        link_up(s, m)
        c.set("marker", "1")
        assert c.wait(1, 5000 * SLOW) == 1

    away_while([("while-away", "w" * 5000)])  # fits: continued from the wrapped backlog
    st = c.info("stats")
    assert (st["sync_full"], st["sync_partial_ok"], st["sync_partial_err"]) == (1, 1, 0)
    away_while([("big%d" % i, "b" * 1000) for i in range(20)])  # 20 KB: too far back
    st = c.info("stats")
    assert (st["sync_full"], st["sync_partial_ok"], st["sync_partial_err"]) == (2, 1, 1)
    sc = s.client()
    mc = m.client()
    assert dataset(sc) == dataset(mc)
    i = info(c)
    assert i["repl_backlog_histlen"] == 16384
    c.close()
    sc.close()
    mc.close()


def test_backlog_ttl(make_server):
    m, s = start_pair(make_server, master_args=["--repl-backlog-ttl", "1"])
    c = m.client(decode_responses=True)
    replid = info(c)["master_replid"]
    s.stop()
    wait_for(lambda: info(c)["repl_backlog_active"] == 0, "the backlog to be freed", timeout=5)
    i = info(c)
    assert i["connected_slaves"] == 0 and i["master_replid"] != replid
    assert "Replication backlog freed" in m.log()
    c.close()


def test_replica_lost_during_full_sync(make_server):
    m = make_server(kind="streamd", args=["--rdb-key-save-delay", "10000"])
    c = m.client(decode_responses=True)
    for i in range(100):  # about a second of RDB writing
        c.set("k%d" % i, i)
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    wait_for(lambda: info(c).get("slave0", {}).get("state") == "wait_bgsave", "wait_bgsave")
    s.kill9()
    # the sync child is ended with its replica, and the next replica syncs
    wait_for(lambda: info(c)["connected_slaves"] == 0, "the replica to go")
    c.config_set("rdb-key-save-delay", "0")
    s2 = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    link_up(s2, m)
    c.set("after", "1")
    assert c.wait(1, 5000 * SLOW) == 1
    assert s2.client().dbsize() == 101
    assert c.info("stats")["sync_full"] == 2
    log = m.log()
    assert "Connection with replica" in log
    assert log.count("Synchronization with replica 127.0.0.1") == 1  # the second only
    c.close()
