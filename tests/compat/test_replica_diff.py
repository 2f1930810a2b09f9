"""streamd as a replica of redis-server 7.0 (REPLICAOF, src/server/replica.c).

A 7.0 master is filled with strings (some with TTLs, in two databases),
streams with consumer groups, pending entries and consumers, a function
library, and keys of types streamd does not store (a list, a hash). streamd
replicates it: after the full resync, and again after more writes on the
master (stream commands that 7.0 propagates as XCLAIM / XGROUP SETID /
XTRIM effects, EXPIRE, MULTI/EXEC, SELECT, scripts, FLUSHDB, commands on the
foreign types), everything a client reads of the data must match what the
master answers, once the replica's offset has reached the master's.

Also: the READONLY refusal and the INFO replication / ROLE of a replica
compared with a 7.0 replica of the same master, promotion with REPLICAOF NO
ONE, partial resynchronisation after the link drops (from either side: the
master's sync_partial_ok counts it), keys that expire on the master, and
the REPLICAOF argument errors.
"""

import socket
import time

import pytest

from testlib import IS_REDIS, SLOW
from testlib.diff import as_flat, call_or_error, norm_stream_state
from testlib.resp import RespError, Status

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd replicating redis-server 7.0")

OK = Status(b"OK")
# what 7.0 does not report, or what differs by when a command ran on each
MASK = frozenset({b"idle", b"seen-time"})

DISKLESS = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
            "--enable-debug-command", "yes"]
DISK = ["--repl-diskless-sync", "no", "--enable-debug-command", "yes"]

LIB = ("#!lua name=repllib\n"
       "redis.register_function('incrf', function(keys, args) "
       "return redis.call('INCR', keys[1]) end)\n")

DATASET = [
    ("SET", "plain", "hello"),
    ("SET", "int", "12345"),
    ("SET", "ttl", "soon", "PX", "3600000"),
    ("XADD", "s", "1-1", "f", "v1"),
    ("XADD", "s", "1-2", "f", "v2", "g", "w"),
    ("XADD", "s", "2-0", "f", "v3"),
    ("XADD", "s", "3-0", "other", "fields"),
    ("XDEL", "s", "1-2"),
    ("XGROUP", "CREATE", "s", "g1", "0"),
    ("XGROUP", "CREATE", "s", "g2", "$"),
    ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "s", ">"),
    ("XACK", "s", "g1", "1-1"),
    ("XADD", "long", "MAXLEN", "50", "99-0", "k", "v"),
    ("PEXPIRE", "long", "7200000"),
    ("LPUSH", "alist", "a", "b"),
    ("HSET", "ahash", "f", "v"),
    ("SADD", "iset", "3", "1"),
    ("SADD", "sset", "a", "1"),
    ("ZADD", "azset", "1", "a", "2.5", "b", "-inf", "c"),
    ("ZADD", "bigzset") + tuple(x for i in range(200) for x in (str(i), "m%d" % i)),
    ("SELECT", "3"),
    ("SET", "db3", "three"),
    ("XADD", "s3", "7-7", "a", "1"),
    ("SELECT", "0"),
    ("FUNCTION", "LOAD", LIB),
]
for i in range(120):
    DATASET.append(("XADD", "long", "%d-%d" % (100 + i // 3, i % 3), "field", "v%d" % i))

# Writes after the full resync: what 7.0 sends for them is what streamd must
# apply (XREADGROUP as XCLAIM + XGROUP SETID, XAUTOCLAIM and XCLAIM as
# XCLAIM, approximate trims as exact ones, scripts as their effects).
MORE = [
    ("XADD", "s", "*", "new", "1"),
    ("XADD", "s", "9999999999999-5", "explicit", "id"),
    ("XREADGROUP", "GROUP", "g2", "carol", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g1", "dave", "COUNT", "1", "STREAMS", "s", ">"),
    ("XACK", "s", "g2", "9999999999999-5"),
    ("XCLAIM", "s", "g1", "erin", "0", "2-0"),
    ("XAUTOCLAIM", "s", "g1", "frank", "0", "0-0", "COUNT", "1"),
    ("XGROUP", "CREATECONSUMER", "s", "g1", "gina"),
    ("XGROUP", "DELCONSUMER", "s", "g1", "bob"),
    ("XGROUP", "SETID", "s", "g2", "1-1", "ENTRIESREAD", "1"),
    ("XGROUP", "CREATE", "s", "g3", "0", "MKSTREAM"),
    ("XGROUP", "DESTROY", "s", "g3"),
    ("XTRIM", "long", "MAXLEN", "~", "40"),
    ("XTRIM", "long", "MINID", "120-0"),
    ("XDEL", "long", "125-0", "125-1"),
    ("XADD", "capped", "NOMKSTREAM", "*", "a", "b"),
    ("XADD", "capped", "MAXLEN", "2", "*", "a", "1"),
    ("XADD", "capped", "MAXLEN", "2", "*", "a", "2"),
    ("XADD", "capped", "MAXLEN", "2", "*", "a", "3"),
    ("XSETID", "capped", "9999999999999-9"),
    ("EXPIRE", "plain", "1000"),
    ("PEXPIREAT", "int", str(int(time.time() * 1000) + 5000000)),
    ("PERSIST", "ttl"),
    ("SET", "gone", "x"),
    ("DEL", "gone"),
    ("SET", "gone2", "x"),
    ("UNLINK", "gone2"),
    ("MULTI",), ("INCR", "counter"), ("XADD", "s", "*", "in", "multi"), ("SET", "m", "1"),
    ("EXEC",),
    ("EVAL", "redis.call('SET', KEYS[1], 'lua'); redis.call('RPUSH', 'alist', 'c'); "
     "return redis.call('XADD', KEYS[2], '*', 'lua', '1')", "2", "fromlua", "s"),
    ("FCALL", "incrf", "1", "counter"),
    ("FUNCTION", "LOAD", LIB.replace("repllib", "lib2").replace("incrf", "incr2")),
    ("LPUSH", "alist", "d"),
    ("HSET", "ahash", "g", "w"),
    ("SADD", "aset", "m"),
    ("ZINCRBY", "azset", "5", "a"),
    ("ZPOPMIN", "bigzset", "3"),
    ("ZMPOP", "1", "bigzset", "MAX", "COUNT", "2"),
    ("BZPOPMIN", "azset", "0"),
    ("ZUNIONSTORE", "zu", "2", "azset", "bigzset", "WEIGHTS", "2", "1"),
    ("ZREMRANGEBYSCORE", "bigzset", "10", "20"),
    ("SELECT", "1"),
    ("SET", "db1", "one"),
    ("XADD", "s1", "1-1", "a", "b"),
    ("SETEX", "db1ttl", "500", "x"),
    ("SELECT", "3"),
    ("APPEND", "db3", "-more"),
    ("SELECT", "0"),
    ("SET", "later", "v", "GET"),
    ("GETDEL", "later"),
    ("INCRBYFLOAT", "flt", "1.5"),
]

STORED = (Status(b"string"), Status(b"stream"), Status(b"hash"), Status(b"set"), Status(b"zset"),
          Status(b"list"))


def run(srv, cmds):
    c = srv.raw()
    for cmd in cmds:
        r = call_or_error(c, *cmd)
        assert not isinstance(r, RespError), (cmd, r)


class Ttl:
    """A remaining time to live read from one server, equal to another read
    within 5 s: two servers are read one after the other, so their TTLs
    differ by the time between the reads (rounding both to 10 s buckets
    failed when the two fell on either side of a bucket boundary)."""

    def __init__(self, ms):
        self.ms = ms

    def __eq__(self, other):
        return isinstance(other, Ttl) and abs(self.ms - other.ms) <= 5000

    def __repr__(self):
        return f"Ttl({self.ms})"


def snapshot(srv, dbs=(0, 1, 3)):
    """Every read of the string, stream and sorted-set keys, normalised (TTLs compared loosely)."""
    c = srv.raw()
    out = []
    for db in dbs:
        call_or_error(c, "SELECT", str(db))
        keys = sorted(k for k in call_or_error(c, "KEYS", "*") if call_or_error(c, "TYPE", k) in STORED)
        out.append(("keys", db, keys))
        for k in keys:
            t = call_or_error(c, "TYPE", k)
            pttl = call_or_error(c, "PTTL", k)
            out.append((k, "type", t, pttl if pttl < 0 else Ttl(pttl)))
            if t == Status(b"string"):
                out.append((k, "get", call_or_error(c, "GET", k)))
                continue
            if t == Status(b"hash"):
                out.append((k, "hgetall", sorted(as_flat(call_or_error(c, "HGETALL", k)))))
                continue
            if t == Status(b"set"):
                out.append((k, "smembers", sorted(call_or_error(c, "SMEMBERS", k))))
                continue
            if t == Status(b"zset"):
                out.append((k, "zrange", call_or_error(c, "ZRANGE", k, "0", "-1", "WITHSCORES")))
                continue
            if t == Status(b"list"):
                out.append((k, "lrange", call_or_error(c, "LRANGE", k, "0", "-1")))
                continue
            out.append((k, "xrange", call_or_error(c, "XRANGE", k, "-", "+")))
            out.append((k, "full", norm_stream_state(call_or_error(c, "XINFO", "STREAM", k, "FULL"), MASK)))
            groups = call_or_error(c, "XINFO", "GROUPS", k)
            out.append((k, "groups", norm_stream_state(groups, MASK)))
            for g in groups:
                name = as_flat(g)[1]
                out.append((k, name, "consumers", norm_stream_state(call_or_error(c, "XINFO", "CONSUMERS", k, name), MASK)))
                out.append((k, name, "pending", call_or_error(c, "XPENDING", k, name)))
                ext = call_or_error(c, "XPENDING", k, name, "-", "+", "100")
                out.append((k, name, "pending-ext", [e[:2] + e[3:] for e in ext]))
    call_or_error(c, "SELECT", "0")
    # libraries in name order (7.0 lists them in its hash table's order)
    out.append(("functions", sorted(norm_stream_state(call_or_error(c, "FUNCTION", "LIST", "WITHCODE"), MASK))))
    return out


def info(srv, section="replication"):
    text = srv.raw().call("INFO", section).decode()
    out = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def info_keys(srv):
    text = srv.raw().call("INFO", "replication").decode()
    return [ln.split(":", 1)[0] for ln in text.split("\r\n") if ":" in ln]


def wait_synced(master, replica, timeout=10.0):
    """Until the replica's link is up and its offset is the master's."""
    deadline = time.time() + timeout
    while True:
        r = info(replica)
        m = info(master)
        if r.get("master_link_status") == "up" and \
                r.get("slave_repl_offset") == m.get("master_repl_offset"):
            return
        if time.time() > deadline:
            raise AssertionError("replica not in sync: %r vs %r\n%s"
                                 % (r, m.get("master_repl_offset"), replica.log_tail(30)))
        time.sleep(0.02)


def follow(replica, master):
    assert replica.raw().call("REPLICAOF", "127.0.0.1", str(master.port)) == OK
    wait_synced(master, replica)


def test_full_resync_then_stream(make_server):
    red = make_server(kind="redis", args=DISKLESS)
    run(red, DATASET)
    sd = make_server(kind="streamd")
    sd.raw().call("SET", "old", "data")  # replaced by the master's dataset
    follow(sd, red)
    assert snapshot(sd) == snapshot(red)
    i = info(sd)
    assert i["replica_skipped_keys"] == "0"  # every type is stored
    # The oracle for the stream is a 7.0 replica of the same master: 7.0
    # propagates XREADGROUP as XCLAIM ... LASTID, which leaves a replica's
    # entries-read unknown where the master's counts on.
    ref = make_server(kind="redis")
    follow(ref, red)
    run(red, MORE)
    wait_synced(red, sd)
    wait_synced(red, ref)
    assert snapshot(sd) == snapshot(ref)
    i = info(sd)
    # every command of the stream applies (lists, hashes, sets, scripts)
    assert "replica_skipped_by_name" not in i
    assert i["replica_failed_commands"] == "0"
    log = sd.full_log()
    assert "is a command streamd does not have" not in log
    # FLUSHDB and FLUSHALL reach the replica too
    c = red.raw()
    c.call("SELECT", "1")
    c.call("FLUSHDB")
    wait_synced(red, sd)
    wait_synced(red, ref)
    assert snapshot(sd) == snapshot(ref)
    c.call("FLUSHALL")
    wait_synced(red, sd)
    assert snapshot(sd) == snapshot(red)
    assert sd.raw().call("DBSIZE") == 0


def test_readonly_info_role_vs_70_replica(make_server):
    red = make_server(kind="redis", args=DISKLESS)
    run(red, DATASET[:5] + [("FUNCTION", "LOAD", LIB)])
    # an idle master is not a client that times out
    sd = make_server(kind="streamd", args=["--timeout", "1"])
    ref = make_server(kind="redis")
    follow(sd, red)
    follow(ref, red)
    time.sleep(2.2)
    assert info(sd)["master_link_status"] == "up"
    assert "Connection with master lost" not in sd.full_log()
    script = [("SET", "k", "v"), ("XADD", "s", "*", "a", "b"), ("DEL", "plain"),
              ("XGROUP", "CREATE", "s", "gx", "0"), ("GET", "plain"), ("XLEN", "s"),
              ("MULTI",), ("SET", "k", "v"), ("GET", "plain"), ("EXEC",),
              ("EVAL", "return redis.call('SET','k','v')", "0"),
              ("EVAL", "return redis.call('GET','plain')", "0"),
              ("EVAL", "#!lua\nreturn redis.call('GET','plain')", "0"),
              ("EVAL", "#!lua flags=no-writes\nreturn redis.call('GET','plain')", "0"),
              ("EVAL", "#!lua flags=no-writes\nreturn redis.call('SET','k','v')", "0"),
              ("EVAL_RO", "return redis.call('GET','plain')", "0"),
              ("FCALL", "incrf", "1", "c"), ("FCALL_RO", "incrf", "1", "c"),
              ("CONFIG", "GET", "replica-read-only"), ("CONFIG", "GET", "replicaof"),
              ("CONFIG", "GET", "slaveof"), ("CONFIG", "SET", "replicaof", "127.0.0.1 1"),
              ("REPLICAOF", "127.0.0.1", str(red.port)), ("REPLICAOF", "127.0.0.1", "x"),
              ("REPLICAOF", "127.0.0.1", "70000"), ("REPLICAOF", "no"),
              ("SLAVEOF", "127.0.0.1", str(red.port))]
    a, b = sd.raw(), ref.raw()
    for cmd in script:
        assert call_or_error(a, *cmd) == call_or_error(b, *cmd), cmd
    # INFO replication: 7.0's fields in 7.0's order (streamd's own counts
    # follow); the replica's backlog holds the stream since its sync
    keys = [k for k in info_keys(sd) if not k.startswith("replica_skipped")
            and k != "replica_failed_commands"]
    assert keys == info_keys(ref)
    si, ri = info(sd), info(ref)
    for k in ("role", "master_host", "master_port", "master_link_status",
              "master_sync_in_progress", "slave_repl_offset", "slave_read_repl_offset",
              "slave_priority", "slave_read_only", "replica_announced", "connected_slaves",
              "master_replid", "master_replid2", "master_repl_offset", "second_repl_offset",
              "repl_backlog_active", "repl_backlog_size"):
        assert si[k] == ri[k], k
    for i in (si, ri):
        assert i["repl_backlog_active"] == "1"
        assert int(i["repl_backlog_first_byte_offset"]) + int(i["repl_backlog_histlen"]) - 1 \
            == int(i["master_repl_offset"])
    assert a.call("ROLE") == b.call("ROLE")
    assert a.call("ROLE")[3] == b"connected"
    listing = a.call("CLIENT", "LIST", "TYPE", "master").decode()
    assert "flags=M" in listing and listing.count("\n") == 1
    assert " addr=127.0.0.1:%d laddr=127.0.0.1:" % red.port in listing
    for cmd in (("CLIENT", "LIST", "TYPE", "replica"), ("CLIENT", "KILL", "TYPE", "slave")):
        assert a.call(*cmd) == b.call(*cmd), cmd
    # MONITOR shows the master's stream, as on a 7.0 replica (and a monitor
    # does not time out: Redis counts it a replica)
    ma, mb = sd.raw(), ref.raw()
    for m in (ma, mb):
        assert m.call("MONITOR") == OK
    time.sleep(1.5)
    red.raw().call("SET", "seen", "1")
    wait_synced(red, sd)
    wait_synced(red, ref)
    seen = []
    src = b"[0 127.0.0.1:%d] " % red.port
    for m in (ma, mb):
        lines = [m.read()]
        while b'"seen"' not in lines[-1]:
            lines.append(m.read())
        seen.append([ln.split(b" ", 1)[1] for ln in lines if src in ln])
    assert seen[0] == seen[1]
    assert seen[0][-1] == src + b'"SET" "seen" "1"'
    # a writable replica takes writes; the master's stream still applies
    a = sd.raw()  # (the first one timed out meanwhile)
    a.call("CONFIG", "SET", "replica-read-only", "no")
    assert a.call("SET", "local", "1") == OK
    red.raw().call("SET", "fromm", "2")
    wait_synced(red, sd)
    assert a.call("MGET", "local", "fromm") == [b"1", b"2"]


def test_promotion(make_server):
    red = make_server(kind="redis", args=DISKLESS)
    run(red, DATASET[:5])
    sd = make_server(kind="streamd")
    follow(sd, red)
    before = info(sd)
    c = sd.raw()
    assert str(call_or_error(c, "SET", "x", "1")).startswith("READONLY")
    assert c.call("REPLICAOF", "NO", "ONE") == OK
    after = info(sd)
    assert after["role"] == "master"
    assert after["master_replid2"] == before["master_replid"]
    assert after["master_replid"] != before["master_replid"]
    assert after["second_repl_offset"] == str(int(before["master_repl_offset"]) + 1)
    assert c.call("ROLE")[0] == b"master"
    assert c.call("CONFIG", "GET", "replicaof") == [b"replicaof", b""]
    # the data stays, writes work, keys expire again
    assert c.call("GET", "plain") == b"hello"
    assert c.call("SET", "x", "1") == OK
    assert c.call("XADD", "s", "*", "a", "b")
    assert c.call("REPLICAOF", "NO", "ONE") == OK
    # the master no longer counts it
    deadline = time.time() + 5
    while info(red)["connected_slaves"] != "0":
        assert time.time() < deadline
        time.sleep(0.05)


def test_partial_resync_after_link_drops(make_server):
    red = make_server(kind="redis", args=DISK)
    run(red, DATASET)
    sd = make_server(kind="streamd")
    ref = make_server(kind="redis")
    follow(sd, red)
    follow(ref, red)
    stats = info(red, "stats")
    full, partial = int(stats["sync_full"]), int(stats["sync_partial_ok"])
    # dropped by the replica
    assert sd.raw().call("CLIENT", "KILL", "TYPE", "master") == 1
    run(red, MORE[:12])
    wait_synced(red, sd)
    # dropped by the master, in the middle of a transaction's stream
    m = red.raw()
    m.call("MULTI")
    m.call("XADD", "s", "*", "t", "1")
    m.call("SET", "tx", "1")
    m.call("EXEC")
    assert m.call("CLIENT", "KILL", "TYPE", "replica") == 2  # streamd and the 7.0 replica
    run(red, MORE[12:])
    wait_synced(red, sd)
    stats = info(red, "stats")
    assert int(stats["sync_full"]) == full
    assert int(stats["sync_partial_ok"]) == partial + 3
    wait_synced(red, ref)
    assert snapshot(sd) == snapshot(ref)
    assert "Successful partial resynchronization with master." in sd.full_log()


def test_keys_expire_by_the_masters_del(make_server):
    red = make_server(kind="redis", args=DISKLESS)
    sd = make_server(kind="streamd")
    m = red.raw()
    m.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    # Both expire TTL after this: the replica sees them until then (checked
    # while the clock says it is still before, as the sync can take longer
    # than TTL under load), and then not, which is polled for, not slept.
    ttl = 1.0
    m.call("SET", "k", "v", "PX", str(int(ttl * 1000)))
    m.call("XADD", "st", "1-1", "a", "b")
    m.call("PEXPIRE", "st", str(int(ttl * 1000)))
    expires_by = time.monotonic() + ttl
    follow(sd, red)
    c = sd.raw()
    got, got_len = c.call("GET", "k"), c.call("XLEN", "st")
    left = expires_by - time.monotonic()
    if left > 0.1:
        assert (got, got_len) == (b"v", 1), (left, c.call("PTTL", "k"), c.call("PTTL", "st"))
    deadline = expires_by + 10 * SLOW
    while c.call("EXISTS", "k", "st") != 0:  # st's PEXPIRE came a little later
        assert time.monotonic() < deadline, "k or st never expired on the replica"
        time.sleep(0.02)
    # logically expired: missing to clients, but still stored until the
    # master deletes it
    assert c.call("GET", "k") is None
    assert c.call("XLEN", "st") == 0
    assert c.call("EXISTS", "k", "st") == 0
    assert c.call("DBSIZE") == 2
    assert m.call("GET", "k") is None  # the master expires it: DEL
    assert m.call("EXISTS", "st") == 0
    wait_synced(red, sd)
    assert c.call("DBSIZE") == 0


def test_masterauth_and_config_file(make_server, tmp_path):
    red = make_server(kind="redis", args=DISKLESS + ["--requirepass", "sekret"])
    conf = tmp_path / "replica.conf"
    conf.write_text("replicaof 127.0.0.1 %d\nmasterauth sekret\n" % red.port)
    sd = make_server(kind="streamd", config_file=str(conf))
    a = red.client()
    a.set("hello", "world")
    deadline = time.time() + 10
    while sd.raw().call("GET", "hello") != b"world":
        assert time.time() < deadline, sd.log_tail(20)
        time.sleep(0.05)
    assert sd.raw().call("CONFIG", "GET", "replicaof") == [b"replicaof",
                                                           b"127.0.0.1 %d" % red.port]
    assert sd.raw().call("CONFIG", "GET", "masterauth") == [b"masterauth", b"sekret"]
    # a wrong password: logged, the link stays down and is retried
    bad = make_server(kind="streamd", args=["--masterauth", "wrong"])
    assert bad.raw().call("REPLICAOF", "127.0.0.1", str(red.port)) == OK
    deadline = time.time() + 10
    while "Unable to AUTH to MASTER" not in bad.full_log():
        assert time.time() < deadline, bad.log_tail(20)
        time.sleep(0.05)
    assert info(bad)["master_link_status"] == "down"


def test_replica_aof_holds_the_synced_data(make_server):
    """With appendonly yes the full resync rewrites the AOF from the loaded
    data (the old file plus the stream would not be it): a restart, no
    longer a replica, has what the replica had."""
    red = make_server(kind="redis", args=DISKLESS)
    run(red, DATASET)
    sd = make_server(kind="streamd", args=["--appendonly", "yes"])
    sd.raw().call("SET", "old", "data")
    follow(sd, red)
    run(red, MORE[:20])
    wait_synced(red, sd)
    deadline = time.time() + 10
    while True:
        p = info(sd, "persistence")
        if p["aof_rewrite_in_progress"] == "0" and p["aof_rewrite_scheduled"] == "0":
            break
        assert time.time() < deadline
        time.sleep(0.05)
    want = snapshot(sd)
    sd.restart()
    assert info(sd)["role"] == "master"
    assert snapshot(sd) == want


def test_stale_replica_vs_70(make_server):
    """replica-serve-stale-data no: with the master gone, what a 7.0 replica
    refuses with -MASTERDOWN streamd refuses, and what it serves is served."""
    red = make_server(kind="redis", args=DISKLESS)
    run(red, DATASET[:5])
    sd = make_server(kind="streamd")
    ref = make_server(kind="redis")
    follow(sd, red)
    follow(ref, red)
    a, b = sd.raw(), ref.raw()
    for c in (a, b):
        assert c.call("CONFIG", "SET", "replica-serve-stale-data", "no") == OK
    red.stop()
    deadline = time.time() + 10
    while info(sd)["master_link_status"] != "down" or info(ref)["master_link_status"] != "down":
        assert time.time() < deadline
        time.sleep(0.05)
    # the link down: INFO replication has 7.0's fields in 7.0's order
    keys = [k for k in info_keys(sd) if not k.startswith("replica_skipped")
            and k != "replica_failed_commands"]
    assert keys == info_keys(ref)
    assert "master_link_down_since_seconds" in keys
    assert a.call("ROLE")[3] in (b"connect", b"connecting")
    script = [("GET", "plain"), ("SET", "k", "v"), ("XLEN", "s"), ("PING",), ("ECHO", "x"),
              ("DBSIZE",), ("CONFIG", "GET", "replica-serve-stale-data"), ("TIME",),
              ("MULTI",), ("GET", "plain"), ("EXEC",), ("ROLE",),
              ("EVAL", "return 1", "0"), ("CLIENT", "ID"), ("SELECT", "1"), ("COMMAND", "COUNT"),
              ("EXISTS", "plain"), ("TYPE", "plain"), ("KEYS", "*")]
    for cmd in script:
        x, y = call_or_error(a, *cmd), call_or_error(b, *cmd)
        if cmd in (("TIME",), ("CLIENT", "ID"), ("COMMAND", "COUNT")):
            assert isinstance(x, RespError) == isinstance(y, RespError), cmd
            continue
        if cmd == ("ROLE",):
            x, y = x[:3], y[:3]
        assert x == y, cmd


def test_info_while_syncing_vs_70(make_server):
    """During the transfer of a full resync (a slow BGSAVE on a disk-based
    master): master_sync_in_progress:1 and the transfer fields, in 7.0's
    order, and ROLE's state "sync"."""
    red = make_server(kind="redis", args=DISK + ["--rdb-key-save-delay", "150000"])
    run(red, [("SET", "k%d" % i, "v") for i in range(10)])
    sd = make_server(kind="streamd")
    ref = make_server(kind="redis")
    for s in (sd, ref):
        assert s.raw().call("REPLICAOF", "127.0.0.1", str(red.port)) == OK
    deadline = time.time() + 5
    while info(sd)["master_sync_in_progress"] != "1" or \
            info(ref)["master_sync_in_progress"] != "1":
        assert time.time() < deadline
        time.sleep(0.02)
    keys = [k for k in info_keys(sd) if not k.startswith("replica_skipped")
            and k != "replica_failed_commands"]
    assert keys == info_keys(ref)
    si, ri = info(sd), info(ref)
    for k in ("master_sync_total_bytes", "master_sync_read_bytes", "master_sync_left_bytes",
              "master_sync_perc", "master_last_io_seconds_ago", "master_link_status"):
        assert si[k] == ri[k], k
    assert sd.raw().call("ROLE")[3:] == ref.raw().call("ROLE")[3:] == [b"sync", -1]
    wait_synced(red, sd)
    assert sd.raw().call("DBSIZE") == 10


def test_blocked_clients_unblocked_on_replicaof(make_server):
    """A master turning replica answers its blocked clients with 7.0's error
    and closes them."""
    red = make_server(kind="redis", args=DISKLESS)
    out = []
    for kind in ("streamd", "redis"):
        s = make_server(kind=kind)
        b = s.raw()
        b.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "zz", "$")
        time.sleep(0.1)
        assert s.raw().call("REPLICAOF", "127.0.0.1", str(red.port)) == OK
        out.append(b.read())
        b.send_cmd("PING")
        assert b.read_available(first_wait=1.0) == b""  # closed after the reply
    assert out[0] == out[1]
    assert str(out[0]).startswith("UNBLOCKED force unblock")


# ---- a scripted master: the protocol byte for byte ---------------------------

def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class FakeMaster:
    """Accepts the replica's connection and reads what it sends."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.conn = None
        self.buf = b""

    def accept(self):
        self.ls.settimeout(10)
        self.conn, _ = self.ls.accept()
        self.conn.settimeout(10)
        self.buf = b""

    def read_command(self):
        while True:
            parsed = _parse_multibulk(self.buf)
            if parsed:
                args, used = parsed
                self.buf = self.buf[used:]
                return args
            chunk = self.conn.recv(65536)
            assert chunk, "replica closed the link"
            self.buf += chunk

    def send(self, data):
        self.conn.sendall(data)

    def handshake(self):
        """Answers PING, REPLCONF, REPLCONF; returns PSYNC's arguments."""
        self.accept()
        assert self.read_command() == [b"PING"]
        self.send(b"+PONG\r\n")
        port = self.read_command()
        assert port[:2] == [b"REPLCONF", b"listening-port"]
        self.send(b"+OK\r\n")
        assert self.read_command() == [b"REPLCONF", b"capa", b"eof", b"capa", b"psync2", b"capa",
                                       b"streamd"]
        self.send(b"+OK\r\n")
        psync = self.read_command()
        assert psync[0] == b"PSYNC"
        return psync[1:]

    def wait_ack(self, want):
        """Reads REPLCONF ACKs until one says want; fails on a later one."""
        while True:
            cmd = self.read_command()
            assert cmd[:2] == [b"REPLCONF", b"ACK"], cmd
            got = int(cmd[2])
            if got == want:
                return
            assert got < want, (got, want)


def _parse_multibulk(buf):
    if not buf.startswith(b"*"):
        return None
    end = buf.find(b"\r\n")
    if end < 0:
        return None
    n, pos, args = int(buf[1:end]), end + 2, []
    for _ in range(n):
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        ln = int(buf[pos + 1:end])
        if len(buf) < end + 2 + ln + 2:
            return None
        args.append(buf[end + 2:end + 2 + ln])
        pos = end + 2 + ln + 2
    return args, pos


EMPTY_RDB = b"REDIS0010\xff" + b"\x00" * 8  # a zero CRC is not checked
REPLID = b"a" * 40


def test_scripted_master_offsets_getack_and_continue(make_server):
    """The offsets streamd acknowledges count every byte of the stream it
    applied, not those of a transaction still open (a link cut there resumes
    before its MULTI); an EOF-marked payload may be followed by the stream in
    the same packet; +CONTINUE resumes with the selected database kept."""
    fm = FakeMaster()
    sd = make_server(kind="streamd")
    c = sd.raw()
    own_id = sd.client(decode_responses=True).info("replication")["master_replid"]
    assert c.call("REPLICAOF", "127.0.0.1", str(fm.port)) == OK
    # a master turning replica offers its own history, as 7.0 does
    assert fm.handshake() == [own_id.encode(), b"1"]
    mark = b"m" * 40
    s1 = resp("SELECT", 0) + resp("SET", "a", 1) + resp("LPUSH", "l", "x")
    s2 = resp("MULTI") + resp("SET", "b", 2)
    getack = resp("REPLCONF", "GETACK", "*")
    fm.send(b"+FULLRESYNC " + REPLID + b" 100\r\n\n\n$EOF:" + mark + b"\r\n" + EMPTY_RDB + mark
            + s1 + s2 + getack)
    fm.wait_ack(100)  # at once after the load
    fm.wait_ack(100 + len(s1))  # GETACK inside the open transaction
    s3 = resp("XADD", "s", "1-1", "f", "v") + resp("EXEC") + resp("SELECT", 1)
    fm.send(s3 + getack)
    offset = 100 + len(s1) + len(getack) + len(s2) + len(s3)
    fm.wait_ack(offset)  # GETACK answers the offset before itself
    offset += len(getack)
    assert c.call("MGET", "a", "b") == [b"1", b"2"]
    assert c.call("XLEN", "s") == 1
    assert info(sd)["slave_repl_offset"] == str(offset)
    assert info(sd)["master_replid"] == REPLID.decode()
    # the master goes away; the replica asks to continue after the last byte
    fm.conn.close()
    assert fm.handshake() == [REPLID, str(offset + 1).encode()]
    fm.send(b"+CONTINUE\r\n" + resp("SET", "c", 3) + getack)
    offset += len(resp("SET", "c", 3))
    fm.wait_ack(offset)
    c.call("SELECT", "1")
    assert c.call("GET", "c") == b"3"  # in the database SELECTed before the cut
    # cut inside a transaction: the replica resumes before its MULTI
    fm.send(resp("MULTI") + resp("SET", "d", 4))
    time.sleep(0.1)
    fm.conn.close()
    assert fm.handshake() == [REPLID, str(offset + len(getack) + 1).encode()]
    offset += len(getack)
    # a new history id on +CONTINUE: the old one becomes replid2
    new_id = b"b" * 40
    tx = resp("MULTI") + resp("SET", "d", 4) + resp("EXEC")
    fm.send(b"+CONTINUE " + new_id + b"\r\n" + tx + getack)
    fm.wait_ack(offset + len(tx))
    assert c.call("GET", "d") == b"4"
    i = info(sd)
    assert i["master_replid"] == new_id.decode()
    assert i["master_replid2"] == REPLID.decode()
    assert i["second_repl_offset"] == str(offset + 1)
    assert "replica_skipped_by_name" not in i  # the LPUSH was applied
    c.call("SELECT", "0")
    assert c.call("LRANGE", "l", "0", "-1") == [b"x"]
    fm.conn.close()
    fm.ls.close()
