"""Lists beyond the reply-by-reply comparison with 7.0 (test_list_diff.py):
persistence (AOF replay of every list write, blocking pops included; AOF
rewrite; RDB; DEBUG RELOAD; Redis 7.0 loading streamd's files and the other
way round), RESTORE of every list encoding Redis has written (types 1, 10,
14, 18, plain nodes), hostile payloads, MEMORY USAGE against 7.0, and the
keyspace commands on lists (COPY, RENAME, MOVE, SCAN TYPE, OBJECT)."""

import os
import random
import shutil
import struct
import subprocess
import time

import pytest
from redis.exceptions import ResponseError

from testlib import IS_REDIS, SLOW, RespError
from testlib.dumppayload import seal

from test_aof import CHECK_AOF, aof_dir, redis_on, wait_rewrite

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]


def lists(c, dbs=(0, 1)):
    """Every list of the databases: {(db, key): elements}."""
    out = {}
    for db in dbs:
        c.execute_command("SELECT", db)
        for k in c.keys("*"):
            if c.type(k) == b"list":
                out[(db, k)] = c.lrange(k, 0, -1)
    c.execute_command("SELECT", 0)
    return out


VALUES = [b"a", b"", b"0", b"-1", b"127", b"128", b"-4096", b"4096", b"32767", b"8388608",
          b"2147483648", b"9223372036854775807", b"-9223372036854775808",
          b"9223372036854775808", b"007", b"1.5", b"x\x00y\r\n", b"v" * 70, b"w" * 5000]


def workload(c, seed, n=600):
    rnd = random.Random(seed)
    keys = ["l1", "l2", "l3"]
    for _ in range(n):
        k, k2 = rnd.choice(keys), rnd.choice(keys)
        v = rnd.choice(VALUES)
        op = rnd.randrange(12)
        try:
            if op < 3:
                c.execute_command(rnd.choice(["LPUSH", "RPUSH"]), k,
                                  *[rnd.choice(VALUES) for _ in range(rnd.randrange(1, 6))])
            elif op == 3:
                c.execute_command(rnd.choice(["LPOP", "RPOP"]), k, rnd.randrange(3))
            elif op == 4:
                c.execute_command("LSET", k, rnd.randrange(-3, 3), v)
            elif op == 5:
                c.execute_command("LINSERT", k, rnd.choice(["BEFORE", "AFTER"]),
                                  rnd.choice(VALUES), v)
            elif op == 6:
                c.execute_command("LREM", k, rnd.randrange(-2, 3), v)
            elif op == 7:
                c.execute_command("LTRIM", k, rnd.randrange(-5, 3), rnd.randrange(-3, 30))
            elif op == 8:
                c.execute_command("LMOVE", k, k2, rnd.choice(["LEFT", "RIGHT"]),
                                  rnd.choice(["LEFT", "RIGHT"]))
            elif op == 9:
                c.execute_command("LMPOP", 2, k, k2, rnd.choice(["LEFT", "RIGHT"]), "COUNT", 2)
            elif op == 10:
                c.execute_command("BLMPOP", 0, 1, k, "RIGHT", "COUNT", 2) if c.exists(k) else None
            else:
                c.execute_command("RPOPLPUSH", k, k2)
        except ResponseError:
            pass


def blocked_pops(srv, c):
    """Pops served after blocking (propagated as LPOP / LMOVE / RPOPLPUSH /
    LPOP count), each reply checked."""
    cases = [(("BLPOP", "b1", "b2", 0), ("RPUSH", "b2", "x", "y"), [b"b2", b"x"]),
             (("BRPOP", "b1", 0), ("RPUSH", "b1", "p", "q"), [b"b1", b"q"]),
             (("BLMOVE", "b3", "b4", "LEFT", "RIGHT", 0), ("RPUSH", "b3", "m", "n"), b"m"),
             (("BRPOPLPUSH", "b5", "b4", 0), ("RPUSH", "b5", "r"), b"r"),
             (("BLMPOP", 0, 1, "b6", "LEFT", "COUNT", 5), ("RPUSH", "b6", "1", "2", "3"),
              [b"b6", [b"1", b"2", b"3"]])]
    for block, push, want in cases:
        w = srv.raw()
        w.send_cmd(*block)
        deadline = time.time() + 5 * SLOW
        while int(c.info("clients")["blocked_clients"]) < 1:
            assert time.time() < deadline
            time.sleep(0.005)
        c.execute_command(*push)
        assert w.read() == want
        w.close()


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS + ["--list-max-listpack-size", "4"])
    c = srv.client()
    workload(c, 1)
    blocked_pops(srv, c)
    c.execute_command("SELECT", 1)
    c.rpush("big", *[b"e%d" % i for i in range(3000)])
    c.execute_command("SELECT", 0)
    c.execute_command("MULTI")
    c.execute_command("RPUSH", "tx", "a", "b")
    c.execute_command("LPOP", "tx")
    c.execute_command("EXEC")
    before = lists(c)
    assert before[(1, b"big")][-1] == b"e2999" and before[(0, b"b4")] == [b"r", b"m"]
    srv.restart()  # the AOF's records replayed
    c = srv.client()
    assert lists(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert lists(c) == before
    base = [f for f in os.listdir(aof_dir(srv)) if ".base." in f][0]
    data = open(os.path.join(aof_dir(srv), base), "rb").read()
    assert b"$5\r\nRPUSH\r\n" in data and b"*66\r\n$5\r\nRPUSH\r\n" in data  # 64 a record
    assert b"*67\r\n" not in data
    srv.stop()
    out = subprocess.run([CHECK_AOF, os.path.join(aof_dir(srv), "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "All AOF files and manifest are valid" in out.stdout, out
    red = redis_on(make_server, srv.dir)
    assert lists(red.client()) == before


def test_rdb_both_ways_and_debug_reload(make_server):
    srv = make_server(["--list-max-listpack-size", "-1"])
    c = srv.client()
    workload(c, 2)
    c.rpush("big", *[b"%d" % (i * 7919) for i in range(20000)])
    c.rpush("huge-elements", *[b"h" * 100000 for _ in range(3)])
    before = lists(c)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert lists(c) == before
    c.save()
    srv.restart()
    c = srv.client()
    assert lists(c) == before
    # Redis 7.0 loads streamd's RDB, and streamd loads what 7.0 saves
    red = make_server(kind="redis")
    red.stop()
    shutil.copy(os.path.join(srv.dir, "dump.rdb"), os.path.join(red.dir, "dump.rdb"))
    red.start()
    rc = red.client()
    assert lists(rc) == before
    rc.rpush("from-redis", *[b"r%d" % i for i in range(5000)])
    rc.save()
    want = lists(rc)
    srv.stop()
    shutil.copy(os.path.join(red.dir, "dump.rdb"), os.path.join(srv.dir, "dump.rdb"))
    srv.start()
    assert lists(srv.client()) == want


# ---- hand-built payloads of the older encodings ---------------------------------------


def enc_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def rdb_string(s):
    return enc_len(len(s)) + s


def ziplist(items):
    """A ziplist (Redis < 7.0) holding items: ints picked in every encoding."""
    entries = []
    prev = 0
    for it in items:
        pl = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(it, int):
            if 0 <= it <= 12:
                enc = bytes([0xF1 + it])
            elif -128 <= it <= 127:
                enc = b"\xfe" + struct.pack("<b", it)
            elif -32768 <= it <= 32767:
                enc = b"\xc0" + struct.pack("<h", it)
            elif -(1 << 23) <= it < (1 << 23):
                enc = b"\xf0" + struct.pack("<i", it)[:3]
            elif -(1 << 31) <= it < (1 << 31):
                enc = b"\xd0" + struct.pack("<i", it)
            else:
                enc = b"\xe0" + struct.pack("<q", it)
        else:
            n = len(it)
            if n < 64:
                enc = bytes([n]) + it
            elif n < 16384:
                enc = bytes([0x40 | (n >> 8), n & 0xFF]) + it
            else:
                enc = b"\x80" + struct.pack(">I", n) + it
        e = pl + enc
        entries.append(e)
        prev = len(e)
    body = b"".join(entries)
    tail = 10 + len(body) - (len(entries[-1]) if entries else 0)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, min(len(items), 65535)) + body + b"\xff"


def listpack(items):
    """A listpack of strings only (each 6-bit or 12-bit encoded)."""
    out = b""
    for s in items:
        enc = bytes([0x80 | len(s)]) + s if len(s) < 64 else \
            bytes([0xE0 | (len(s) >> 8), len(s) & 0xFF]) + s
        n = len(enc)
        back = bytes([n]) if n <= 127 else bytes([n >> 7, (n & 127) | 128])
        out += enc + back
    return struct.pack("<IH", 6 + len(out) + 1, len(items)) + out + b"\xff"


ZL_ITEMS = [0, 5, 12, 13, -1, 127, -128, 300, -32768, 70000, -8388608, 2147483647, -(1 << 31),
            1 << 40, -(1 << 63), b"", b"str", b"s" * 100, b"L" * 20000, b"x" * 300]


def as_bytes(it):
    return b"%d" % it if isinstance(it, int) else it


def payloads():
    items = [as_bytes(i) for i in ZL_ITEMS]
    t1 = b"\x01" + enc_len(len(items)) + b"".join(rdb_string(s) for s in items)
    t10 = b"\x0a" + rdb_string(ziplist(ZL_ITEMS))
    t14 = b"\x0e" + enc_len(2) + rdb_string(ziplist(ZL_ITEMS[:7])) + \
        rdb_string(ziplist(ZL_ITEMS[7:]))
    t18 = (b"\x12" + enc_len(4) + enc_len(2) + rdb_string(listpack(items[:3])) + enc_len(1) +
           rdb_string(items[3]) + enc_len(2) + rdb_string(listpack([])) + enc_len(2) +
           rdb_string(listpack([s for s in items[4:] if len(s) < 4000])))
    want18 = items[:4] + [s for s in items[4:] if len(s) < 4000]
    return {"list": (seal(t1, 9), items), "ziplist": (seal(t10, 9), items),
            "quicklist": (seal(t14, 9), items), "quicklist2": (seal(t18, 10), want18)}


@pytest.mark.parametrize("kind", ["list", "ziplist", "quicklist", "quicklist2"])
def test_restore_every_encoding(server, ref_server, kind):
    payload, want = payloads()[kind]
    for srv in (server, ref_server):  # the hand-built payloads are what 7.0 reads
        c = srv.client()
        c.delete("k")
        assert c.restore("k", 0, payload) == b"OK"
        assert c.lrange("k", 0, -1) == want
        assert c.object("encoding", "k") == b"quicklist"
    # what streamd DUMPs back, 7.0 restores
    d = server.client().dump("k")
    r = ref_server.client()
    r.restore("k2", 0, d, replace=True)
    assert r.lrange("k2", 0, -1) == want


def test_hostile_payloads(server):
    c = server.client()
    rnd = random.Random(7)
    good = [p for p, _ in payloads().values()]
    c.rpush("src", *[b"e%d" % i for i in range(300)] + [b"12345", b"x" * 500])
    good.append(c.dump("src"))
    for bad in (seal(b"\x01\x00", 10), seal(b"\x12\x00", 10),
                seal(b"\x12\x01\x03" + rdb_string(listpack([b"a"])), 10),
                seal(b"\x12\x01\x02" + rdb_string(b"\x07\x00\x00\x00\x00\x00\xfe"), 10),
                seal(b"\x0a" + rdb_string(b"\x0b\x00\x00\x00\x0a\x00\x00\x00\x00\x00\xff"[:-1]),
                     10),
                seal(b"\x0e\x05" + rdb_string(ziplist([1])), 10)):
        with pytest.raises(ResponseError, match="Bad data format"):
            c.restore("bad", 0, bad, replace=True)
    n_ok = 0
    for i in range(3000):
        p = bytearray(rnd.choice(good)[:-10])
        for _ in range(rnd.randrange(1, 4)):
            j = rnd.randrange(len(p))
            p[j] = rnd.randrange(256) if rnd.randrange(2) else p[j] ^ (1 << rnd.randrange(8))
        if rnd.randrange(5) == 0:
            p = p[:rnd.randrange(len(p))]
        try:
            c.restore("fz", 0, seal(p, 10), replace=True)
            n_ok += 1
            c.lrange("fz", 0, -1)
            c.rpush("fz", "x")
            c.lpos("fz", "x")
            c.linsert("fz", "BEFORE", "x", "y")
            c.lrem("fz", 0, "x")
        except ResponseError as e:
            assert "Bad data format" in str(e) or "WRONGTYPE" in str(e), e
    assert c.ping()
    assert n_ok > 0


def test_memory_usage_against_70(server, ref_server):
    """MEMORY USAGE of a small and a big list: streamd no more than 7.0."""
    got = []
    for srv in (server, ref_server):
        c = srv.client()
        c.flushall()
        c.rpush("small", "a", "b", "c", "1", "2")
        p = c.pipeline()
        for i in range(0, 100000, 1000):
            p.rpush("big", *[b"value-%d" % j for j in range(i, i + 1000)])
        p.execute()
        got.append((c.memory_usage("small"), c.memory_usage("big", samples=0)))
    print("MEMORY USAGE small/big: streamd %r, redis 7.0 %r" % tuple(got))
    assert got[0][0] <= got[1][0] and got[0][1] <= got[1][1]


def test_keyspace_commands(server):
    c = server.client()
    c.flushall()
    c.rpush("l", *[b"v%d" % i for i in range(1000)])
    assert c.type("l") == b"list" and c.object("encoding", "l") == b"quicklist"
    assert c.copy("l", "l2") and c.lrange("l2", 0, -1) == c.lrange("l", 0, -1)
    c.rpush("l2", "more")
    assert c.llen("l") == 1000 and c.llen("l2") == 1001
    c.rename("l2", "l3")
    assert c.llen("l3") == 1001
    assert c.move("l3", 2)
    c.execute_command("SELECT", 2)
    assert c.llen("l3") == 1001
    c.execute_command("SELECT", 0)
    c.set("s", "v")
    assert sorted(c.scan(0, _type="list", count=100)[1]) == [b"l"]
    c.expire("l", 100)
    assert 0 < c.ttl("l") <= 100
    assert c.info("keysizes")["db0_distrib_lists_items"] == "512=1"
    c.ltrim("l", 0, 9)
    assert c.info("keysizes")["db0_distrib_lists_items"] == "8=1"
    c.delete("l")
    assert "db0_distrib_lists_items" not in c.info("keysizes")


def test_client_unblock_and_deleted_key(server):
    c = server.client()
    c.flushall()
    w = server.raw()
    w.send_cmd("BLPOP", "k", 0)
    deadline = time.time() + 5 * SLOW
    while int(c.info("clients")["blocked_clients"]) < 1:
        assert time.time() < deadline
        time.sleep(0.005)
    wid = int([l for l in c.execute_command("CLIENT", "LIST").decode().split("\n")
               if "cmd=blpop" in l][0].split("id=")[1].split()[0])
    # a key of another type, set then deleted: the client keeps waiting
    c.set("k", "v")
    c.delete("k")
    assert int(c.info("clients")["blocked_clients"]) == 1
    assert c.client_unblock(wid) == 1
    assert w.read() is None
    w.send_cmd("BRPOP", "k", 0)
    while int(c.info("clients")["blocked_clients"]) < 1:
        assert time.time() < deadline
        time.sleep(0.005)
    assert c.client_unblock(wid, error=True) == 1
    r = w.read()
    assert isinstance(r, RespError) and "UNBLOCKED" in str(r), r


def test_compress_depth(server, ref_server):
    """list-compress-depth 1: interior nodes compressed (less memory than
    uncompressed, about 7.0's), every read and write unchanged, the value
    surviving COPY, DEBUG RELOAD, DUMP/RESTORE both ways and the AOF."""
    sizes = []
    for srv in (server, ref_server):
        c = srv.client()
        c.flushall()
        vals = [b"value-%d-" % (i % 100) * 8 for i in range(20000)]
        c.rpush("plain", *vals)
        c.config_set("list-compress-depth", 1)
        c.rpush("packed", *vals)
        c.config_set("list-compress-depth", 0)
        assert c.lrange("packed", 0, -1) == vals
        sizes.append((c.memory_usage("plain", samples=0), c.memory_usage("packed", samples=0)))
    print("MEMORY USAGE plain/compressed: streamd %r, redis 7.0 %r" % tuple(sizes))
    assert sizes[0][1] * 3 < sizes[0][0]
    assert sizes[0][1] <= sizes[1][1] * 1.3  # LZF: streamd's finds fewer matches
    c = server.client()
    want = c.lrange("packed", 0, -1)
    c.lset("packed", 10000, "changed")
    c.linsert("packed", "BEFORE", "changed", "before")
    want[10000:10001] = [b"before", b"changed"]
    assert c.lrange("packed", 0, -1) == want
    assert c.lindex("packed", 10001) == b"changed" and c.lpos("packed", "before") == 10000
    c.copy("packed", "copy")
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert c.lrange("packed", 0, -1) == want and c.lrange("copy", 0, -1) == want
    r = ref_server.client()
    r.restore("fromsd", 0, c.dump("packed"), replace=True)
    assert r.lrange("fromsd", 0, -1) == want
    c.restore("fromredis", 0, r.dump("packed"), replace=True)
    assert c.lrange("fromredis", 0, -1) == r.lrange("packed", 0, -1)
    c.ltrim("packed", 5, -5)
    c.lrem("packed", 0, want[100])
    exp = [v for v in want[5:-4] if v != want[100]]
    assert c.lrange("packed", 0, -1) == exp
    assert c.lpop("packed", 3) == exp[:3] and c.rpop("packed", 3) == exp[-3:][::-1]


def test_compressed_aof(make_server):
    srv = make_server(AOF_ALWAYS + ["--list-compress-depth", "1", "--list-max-listpack-size", "8"])
    c = srv.client()
    workload(c, 3, 1500)
    c.rpush("big", *[b"e%d" % (i % 10) * 20 for i in range(5000)])
    before = lists(c)
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    assert lists(srv.client()) == before
