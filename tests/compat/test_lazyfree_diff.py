"""Lazy freeing against redis-server 7.0: which deletions hand the value to
the background thread, as INFO's lazyfreed_objects counts them.

Each scenario runs the same commands on both servers (replies compared), waits
until lazyfree_pending_objects is 0 on each, and compares lazyfreed_objects:
UNLINK of big and small values of every type, DEL under lazyfree-lazy-user-del,
overwrites and RENAME under lazyfree-lazy-server-del, expiry under
lazyfree-lazy-expire, FLUSHDB / FLUSHALL with ASYNC, SYNC and
lazyfree-lazy-user-flush, MULTI and scripts, CONFIG RESETSTAT. Values are
built by Lua loops so both servers hold the same thing; "big" means above
Redis's threshold of 64 allocations (table entries, list nodes, stream nodes
plus pending entries), "small" at or below it.
"""

import time

import pytest

from testlib import IS_REDIS
from testlib.diff import call_or_error, canon

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

FILL = {
    # key type -> Lua body filling KEYS[1] with ARGV[1] elements
    "hash": "for i=1,ARGV[1] do redis.call('hset',KEYS[1],'f'..i,i) end",
    "set": "for i=1,ARGV[1] do redis.call('sadd',KEYS[1],'m'..i) end",
    "intset": "for i=1,ARGV[1] do redis.call('sadd',KEYS[1],i) end",
    "zset": "for i=1,ARGV[1] do redis.call('zadd',KEYS[1],i,'m'..i) end",
    "list": "for i=1,ARGV[1] do redis.call('rpush',KEYS[1],string.rep('x',100)..i) end",
    "stream": "for i=1,ARGV[1] do redis.call('xadd',KEYS[1],i..'-1','f',i) end",
    "string": "redis.call('set',KEYS[1],string.rep('x',ARGV[1]))",
}


def fill(kind, key, n):
    return ("EVAL", FILL[kind], 1, key, n)


def settle(c):
    deadline = time.monotonic() + 10
    while True:
        info = bytes(c.call("INFO", "memory")).decode()
        fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
        if fields["lazyfree_pending_objects"] == "0":
            return int(fields["lazyfreed_objects"])
        assert time.monotonic() < deadline, "lazyfree_pending_objects stays above 0"
        time.sleep(0.01)


def run_both(r, ref, cmds):
    for c in (r, ref):
        c.call("CONFIG", "RESETSTAT")
    got = []
    for cmd in cmds:
        if cmd == "settle":
            got.append((settle(r), settle(ref)))
            continue
        if isinstance(cmd, str):
            cmd = tuple(cmd.split())
        a, b = call_or_error(r, *cmd), call_or_error(ref, *cmd)
        assert canon(a) == canon(b), (cmd, a, b)
    freed = (settle(r), settle(ref))
    assert freed[0] == freed[1], f"lazyfreed_objects: streamd {freed[0]}, redis {freed[1]}"
    for a, b in got:
        assert a == b, f"lazyfreed_objects mid-scenario: streamd {a}, redis {b}"
    return freed[0]


SCENARIOS = {
    "unlink-small": [fill("hash", "h", 60), fill("set", "s", 60), fill("intset", "i", 500),
                     fill("zset", "z", 60), fill("list", "l", 50), fill("stream", "x", 50),
                     fill("string", "str", 1 << 20), "UNLINK h s i z l x str nosuchkey"],
    "unlink-big-hash": [fill("hash", "h", 2000), "UNLINK h"],
    "unlink-hash-512": [fill("hash", "h", 512), "UNLINK h"],  # listpack: one block
    "unlink-hash-513": [fill("hash", "h", 513), "UNLINK h"],  # a table of 513
    "unlink-big-set": [fill("set", "s", 100), "UNLINK s"],
    "unlink-set-64": [fill("set", "s", 64), "UNLINK s"],
    "unlink-set-65": [fill("set", "s", 65), "UNLINK s"],
    "unlink-big-zset": [fill("zset", "z", 200), "UNLINK z"],
    "unlink-big-list": [fill("list", "l", 20000), "UNLINK l"],
    "unlink-big-stream": [fill("stream", "x", 20000), "UNLINK x"],
    "unlink-stream-pel": [fill("stream", "x", 100), "XGROUP CREATE x g 0",
                          "XREADGROUP GROUP g c COUNT 100 STREAMS x >", "UNLINK x"],
    "unlink-several": [fill("hash", "h", 600), fill("set", "s", 200), fill("zset", "z", 10),
                       "UNLINK h s z"],
    "del-sync": [fill("hash", "h", 600), "DEL h"],
    "del-user-del": ["CONFIG SET lazyfree-lazy-user-del yes", fill("hash", "h", 600),
                     fill("zset", "z", 300), "DEL h z", "CONFIG SET lazyfree-lazy-user-del no"],
    "overwrite-sync": [fill("hash", "h", 600), "SET h v"],
    "overwrite-server-del": ["CONFIG SET lazyfree-lazy-server-del yes", fill("hash", "h", 600),
                             "SET h v", fill("set", "a", 300), fill("set", "b", 300),
                             "RENAME a b", "CONFIG SET lazyfree-lazy-server-del no"],
    "expire-lazy": ["CONFIG SET lazyfree-lazy-expire yes", fill("hash", "h", 600),
                    fill("hash", "k", 10), "PEXPIRE h 1", "PEXPIRE k 1", "DEBUG SLEEP 0.02",
                    "EXISTS h k", "CONFIG SET lazyfree-lazy-expire no"],
    "expire-sync": [fill("hash", "h", 600), "PEXPIRE h 1", "DEBUG SLEEP 0.02", "EXISTS h"],
    "flushdb-async": [fill("string", "a", 10), fill("string", "b", 10), "SELECT 1",
                      fill("string", "c", 10), "SELECT 0", "FLUSHDB ASYNC", "DBSIZE"],
    "flushall-async": [fill("string", "a", 10), fill("hash", "h", 300), "SELECT 1",
                       fill("string", "c", 10), "SELECT 0", "FLUSHALL ASYNC", "DBSIZE"],
    "flushall-sync": [fill("hash", "h", 300), "FLUSHALL SYNC", fill("hash", "h", 300), "FLUSHALL"],
    "flushall-user-flush": ["CONFIG SET lazyfree-lazy-user-flush yes", fill("string", "a", 10),
                            fill("string", "b", 10), "FLUSHALL", fill("string", "c", 1),
                            "FLUSHDB", "FLUSHALL SYNC", "CONFIG SET lazyfree-lazy-user-flush no"],
    "flush-empty": ["FLUSHALL ASYNC", "FLUSHDB ASYNC"],
    "flush-syntax": [fill("string", "a", 10), "FLUSHALL LAZY", "FLUSHDB ASYNC SYNC", "DBSIZE"],
    "multi": [fill("hash", "h", 600), "MULTI", "UNLINK h", "FLUSHALL ASYNC", "EXEC"],
    "script": [fill("zset", "z", 200), ("EVAL", "return redis.call('unlink', KEYS[1])", 1, "z")],
    "resetstat": [fill("hash", "h", 600), "UNLINK h", "settle", "CONFIG RESETSTAT"],
}


@pytest.fixture
def pair(server, ref_server, r, ref):
    a, b = server.raw(), ref_server.raw()
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_lazyfreed_objects(pair, name):
    run_both(*pair, SCENARIOS[name])


def test_configs(diff):
    diff(["CONFIG GET lazyfree-lazy-user-del", "CONFIG GET lazyfree-lazy-server-del",
          "CONFIG GET lazyfree-lazy-expire", "CONFIG GET lazyfree-lazy-user-flush",
          "CONFIG GET lazyfree-lazy-eviction", "CONFIG GET replica-lazy-flush",
          "CONFIG GET slave-lazy-flush",
          "CONFIG SET lazyfree-lazy-expire maybe", "CONFIG SET replica-lazy-flush yes",
          "CONFIG GET replica-lazy-flush", "CONFIG SET slave-lazy-flush no",
          "CONFIG GET replica-lazy-flush"])
