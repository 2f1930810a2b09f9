"""maxmemory eviction (src/server/evict.c) beyond what redis-server can be
compared on: evictions reach the AOF and replicas as deletions (UNLINK under
lazyfree-lazy-eviction, whose values the lazyfree thread frees), eviction
goes on from the cron with no command coming, a replica leaves eviction to
its master, streams and every other type can be evicted, and memory stays
bounded under a long mixed write load.
"""

import time

import pytest

from testlib import SLOW, streamd_only

pytestmark = streamd_only

VALUE = "x" * 200


def wait_for(cond, timeout=15):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def fill(c, prefix, n):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}{i}", VALUE)
    return p.execute(raise_on_error=False)


@pytest.mark.parametrize("lazy", ["no", "yes"])
def test_evictions_survive_restart_from_aof(make_server, lazy):
    srv = make_server(args=["--appendonly", "yes", "--lazyfree-lazy-eviction", lazy])
    c = srv.client()
    c.config_set("maxmemory-policy", "allkeys-lru")
    p = c.pipeline(transaction=False)
    for i in range(50):  # big values, freed by the lazyfree thread when lazy
        p.hset(f"h{i}", mapping={f"f{j}": j for j in range(600)})
    p.execute()
    time.sleep(1.1)  # older than what follows, so evicted first
    c.config_set("maxmemory", c.info("memory")["used_memory"] + 300_000)
    fill(c, "k", 5000)
    assert c.info("stats")["evicted_keys"] > 0
    if lazy == "yes":
        wait_for(lambda: c.info("memory")["lazyfree_pending_objects"] == 0)
        assert c.info("memory")["lazyfreed_objects"] > 0
    c.config_set("maxmemory", 0)  # (this command too evicts first while over it)
    keys = sorted(c.keys("*"))
    aof = open(srv.dir + "/appendonlydir/" + sorted(
        f for f in __import__("os").listdir(srv.dir + "/appendonlydir") if ".incr." in f)[-1],
        "rb").read()
    assert (b"UNLINK" in aof) == (lazy == "yes")
    assert b"DEL" in aof or lazy == "yes"
    c.close()
    srv.restart()
    c = srv.client()
    assert sorted(c.keys("*")) == keys
    c.close()


def test_replica_applies_master_evictions(make_server):
    master = make_server()
    replica = make_server()
    m, r = master.client(), replica.client()
    r.execute_command("REPLICAOF", "127.0.0.1", master.port)
    wait_for(lambda: r.info("replication").get("master_link_status") == "up")
    # the replica's own limit is ignored (replica-ignore-maxmemory): it only
    # applies what the master deletes
    r.config_set("maxmemory", 1)
    r.config_set("maxmemory-policy", "allkeys-random")
    m.config_set("maxmemory-policy", "allkeys-random")
    # (room for the replication backlog, which counts as used memory, as in
    # Redis: only replica output past it does not)
    m.config_set("maxmemory", m.info("memory")["used_memory"] + 3_000_000)
    for part in range(5):
        fill(m, f"k{part}-", 5000)
    assert m.info("stats")["evicted_keys"] > 0
    # no more evictions (the master's cron would go on evicting while the two
    # key sets are read), then a marker behind every eviction so far
    m.config_set("maxmemory", 0)
    m.set("marker", 1)
    wait_for(lambda: r.get("marker") == b"1")
    assert sorted(r.keys("*")) == sorted(m.keys("*"))
    assert r.info("stats")["evicted_keys"] == 0
    r.execute_command("REPLICAOF", "NO", "ONE")
    m.close()
    r.close()


def test_cron_evicts_without_commands(server, r):
    fill(r, "k", 3000)
    sub = server.client()
    r.config_set("notify-keyspace-events", "Ee")
    ps = sub.pubsub()
    ps.psubscribe("__keyevent@0__:evicted")
    ps.get_message(timeout=1)
    try:
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.config_set("maxmemory", r.info("memory")["used_memory"] - 200_000)
        # no further command on any connection: the events come from the cron
        got = 0
        deadline = time.monotonic() + 5 * SLOW
        while got < 100 and time.monotonic() < deadline:
            msg = ps.get_message(timeout=0.5)
            if msg and msg["type"] == "pmessage":
                got += 1
        assert got >= 100
    finally:
        ps.close()
        sub.close()
        r.config_set("maxmemory", 0)
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("notify-keyspace-events", "")


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "volatile-ttl"])
def test_every_type_evictable_and_bounded(r, policy):
    r.config_set("maxmemory-policy", policy)
    r.config_set("maxmemory", r.info("memory")["used_memory"] + 1_000_000)
    try:
        ex = 10000 if policy == "volatile-ttl" else None
        for i in range(300):
            p = r.pipeline(transaction=False)
            k = f"key{i}"
            kind = i % 5
            if kind == 0:
                p.set(k, VALUE * 10)
            elif kind == 1:
                p.rpush(k, *[VALUE] * 20)
            elif kind == 2:
                p.sadd(k, *[f"m{j}" for j in range(100)])
            elif kind == 3:
                p.zadd(k, {f"m{j}": j for j in range(100)})
            else:
                for j in range(20):
                    p.xadd(k, {"f": VALUE})
            if ex:
                p.expire(k, ex + i)
            p.execute()
            m = r.info("memory")
            assert m["used_memory"] <= m["maxmemory"] + 200_000
        assert r.info("stats")["evicted_keys"] > 100
        types = {r.type(k) for k in r.keys("*")}
        assert b"stream" in types or policy != "volatile-ttl"
    finally:
        r.config_set("maxmemory", 0)
        r.config_set("maxmemory-policy", "noeviction")


@pytest.mark.parametrize("policy", ["allkeys-lrm", "volatile-lrm"])
def test_lrm_clock_moves_on_changes_only(r, policy):
    """Redis 8.6's least-recently-modified policies: reads leave a key's
    clock alone, a command that changes the key stamps it, and one that fails
    on it does not."""
    r.config_set("maxmemory-policy", policy)
    try:
        assert r.config_get("maxmemory-policy")["maxmemory-policy"] == policy
        assert r.info("memory")["maxmemory_policy"] == policy
        r.set("src", "v")
        payload = r.dump("src")
        r.restore("k", 0, payload, idletime=1000)
        assert r.object("idletime", "k") >= 999
        for _ in range(3):
            assert r.get("k") == b"v"
            assert r.strlen("k") == 1
            assert r.exists("k") == 1
        r.touch("k")
        assert r.object("idletime", "k") >= 999
        with pytest.raises(Exception, match="WRONGTYPE"):
            r.lpush("k", "x")
        assert r.object("idletime", "k") >= 999
        r.append("k", "w")
        assert r.object("idletime", "k") <= 1
        # the same reads under allkeys-lru do move it
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.restore("k2", 0, payload, idletime=1000)
        r.get("k2")
        assert r.object("idletime", "k2") <= 1
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_lrm_evicts_least_recently_modified(r):
    """Keys read all the time but not changed for long go first under
    allkeys-lrm; recently changed ones stay."""
    r.set("src", VALUE)
    payload = r.dump("src")
    r.delete("src")
    p = r.pipeline(transaction=False)
    for i in range(300):
        p.restore(f"old{i}", 0, payload, idletime=100_000)
    for i in range(20):
        p.set(f"new{i}", VALUE)
    p.execute()
    r.config_set("maxmemory-policy", "allkeys-lrm")
    try:
        for _ in range(3):  # reads: under LRU these would make the old keys the newest
            r.mget([f"old{i}" for i in range(300)])
        used = r.info("memory")["used_memory"]
        r.config_set("maxmemory", used - 20_000)
        fill(r, "more", 20)
        assert r.info("stats")["evicted_keys"] > 0
        assert all(r.exists(f"new{i}") for i in range(20))
        assert r.dbsize() < 340
    finally:
        r.config_set("maxmemory", 0)
        r.config_set("maxmemory-policy", "noeviction")
