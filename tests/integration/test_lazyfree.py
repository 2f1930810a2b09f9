"""Lazy freeing (src/server/lazyfree.c): big values freed by the background
thread leave the server consistent and give their memory back.

The counts against Redis are in tests/compat/test_lazyfree_diff.py; here:
memory returns after UNLINK and FLUSHALL ASYNC, the keyspace is usable at
once after a flush whose old keys are still being freed, a long mix of big
values of every type deleted in every lazy way while other keys are written
(under ASan in CI: a value still referenced after the hand-over would be a
use after free), a snapshot forked while the thread frees, and a replica's
flush before a full sync with replica-lazy-flush.
"""

import random
import time

import pytest

from testlib import SLOW, streamd_only

pytestmark = streamd_only


def mem(c):
    return c.info("memory")


def settle(c, timeout=20):
    deadline = time.monotonic() + timeout * SLOW
    while True:
        m = mem(c)
        if m["lazyfree_pending_objects"] == 0:
            return m
        assert time.monotonic() < deadline, "lazyfree_pending_objects stays above 0"
        time.sleep(0.01)


def fill_hash(c, key, n):
    p = c.pipeline(transaction=False)
    for i in range(0, n, 500):
        p.hset(key, mapping={f"f{j}": f"value-{j}" for j in range(i, min(n, i + 500))})
    p.execute()


def fill(c, kind, key, n):
    p = c.pipeline(transaction=False)
    for i in range(0, n, 500):
        chunk = range(i, min(n, i + 500))
        if kind == "hash":
            p.hset(key, mapping={f"f{j}": f"value-{j}" for j in chunk})
        elif kind == "set":
            p.sadd(key, *[f"member-{j}" for j in chunk])
        elif kind == "zset":
            p.zadd(key, {f"member-{j}": j for j in chunk})
        elif kind == "list":
            p.rpush(key, *[f"element-{j}" * 8 for j in chunk])
        elif kind == "stream":
            for j in chunk:
                p.xadd(key, {"f": j})
    p.execute()
    if kind == "stream":
        c.xgroup_create(key, "g", id="0")
        # read in a script: a client's buffer would keep the big reply's size
        c.eval("redis.call('xreadgroup', 'group', 'g', 'c', 'count', ARGV[1], 'streams', KEYS[1],"
               " '>') return 1", 1, key, n // 2)


@pytest.mark.parametrize("kind", ["hash", "set", "zset", "list", "stream"])
def dataset_bytes(c):
    """MEMORY STATS dataset.bytes: used memory less client buffers and other
    overheads, which move on their own (a pipeline's query buffer shrinks
    after a second idle)."""
    v = c.execute_command("MEMORY", "STATS")
    return dict(zip(v[::2], v[1::2]))[b"dataset.bytes"]


@pytest.mark.parametrize("kind", ["hash", "set", "zset", "list", "stream"])
def test_unlink_gives_memory_back(r, kind):
    settle(r)
    base = dataset_bytes(r)
    fill(r, kind, "big", 100_000)
    full = dataset_bytes(r)
    assert full - base > 1_000_000
    freed0 = mem(r)["lazyfreed_objects"]
    assert r.unlink("big") == 1
    assert r.exists("big") == 0
    after = settle(r)
    assert after["lazyfreed_objects"] == freed0 + 1
    assert dataset_bytes(r) - base < (full - base) / 20


def test_flushall_async_then_write(r):
    for i in range(20):
        fill_hash(r, f"h{i}", 2000)
    freed0 = mem(r)["lazyfreed_objects"]
    assert r.flushall(asynchronous=True)
    # the databases are empty and writable while the old keys are freed
    assert r.dbsize() == 0
    fill_hash(r, "h0", 10)
    assert r.hlen("h0") == 10
    assert r.hget("h0", "f3") == b"value-3"
    after = settle(r)
    assert after["lazyfreed_objects"] == freed0 + 20
    assert r.hlen("h0") == 10


def test_flushdb_async_keeps_other_dbs(server, r):
    c1 = server.client(db=1)
    fill_hash(c1, "other", 1000)
    fill_hash(r, "mine", 1000)
    assert r.flushdb(asynchronous=True)
    assert r.dbsize() == 0
    settle(r)
    assert c1.hlen("other") == 1000
    c1.close()


def test_mixed_lazy_deletes(r):
    """Big values of every type, deleted by UNLINK, DEL, overwrite, RENAME,
    expiry and flushes with every lazyfree switch on, while other keys are
    written and read; then the survivors are checked."""
    rnd = random.Random(20261127)
    for name in ("lazyfree-lazy-user-del", "lazyfree-lazy-server-del", "lazyfree-lazy-expire"):
        r.config_set(name, "yes")
    try:
        kinds = ["hash", "set", "zset", "list", "stream"]
        for rnd_i in range(30):
            kind = rnd.choice(kinds)
            fill(r, kind, "big", rnd.choice([100, 1000, 5000]))
            r.set(f"keep{rnd_i}", rnd_i)
            how = rnd.choice(["unlink", "del", "overwrite", "rename", "expire", "flushdb"])
            if how == "unlink":
                r.unlink("big")
            elif how == "del":
                r.delete("big")
            elif how == "overwrite":
                r.set("big", "small")
                r.delete("big")
            elif how == "rename":
                fill(r, "hash", "src", 200)
                r.rename("src", "big")
                r.delete("big")
            elif how == "expire":
                r.pexpire("big", 1)
                time.sleep(0.01)
                assert r.exists("big") == 0
            else:
                keep = {k: r.get(k) for k in r.keys("keep*")}
                r.flushdb(asynchronous=True)
                for k, v in keep.items():
                    r.set(k, v)
            assert r.exists("big") == 0
        settle(r)
        for i in range(30):
            assert r.get(f"keep{i}") == str(i).encode()
    finally:
        for name in ("lazyfree-lazy-user-del", "lazyfree-lazy-server-del",
                     "lazyfree-lazy-expire"):
            r.config_set(name, "no")


def test_snapshot_while_freeing(server, r):
    for i in range(30):
        fill_hash(r, f"old{i}", 3000)
    r.flushall(asynchronous=True)
    fill_hash(r, "new", 100)
    # a fork while the thread may still be freeing: the child saves the new data
    r.bgsave()
    deadline = time.monotonic() + 20 * SLOW
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
    r.execute_command("DEBUG", "RELOAD")
    assert r.dbsize() == 1
    assert r.hlen("new") == 100
    settle(r)


def test_replica_lazy_flush(make_server):
    master = make_server()
    replica = make_server(args=["--replica-lazy-flush", "yes"])
    m, rc = master.client(), replica.client()
    m.set("from-master", "1")
    for i in range(7):
        rc.set(f"stale{i}", i)
    freed0 = mem(rc)["lazyfreed_objects"]
    assert rc.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    deadline = time.monotonic() + 15 * SLOW
    while rc.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert rc.keys("*") == [b"from-master"]
    assert settle(rc)["lazyfreed_objects"] == freed0 + 7
    rc.execute_command("REPLICAOF", "NO", "ONE")
    m.close()
    rc.close()
