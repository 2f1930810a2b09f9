"""Big arguments: values from 16 KB to a few MB, however they arrive.

A bulk of 32 KB or more is read into a query buffer grown once to the
argument's end (client.c, reserve_for_read) instead of in 16 KB steps, and a
length announced far beyond what has arrived reserves only a bounded amount.
These tests check that the bytes still round-trip exactly: sizes around the
16 KB read size and the 32 KB threshold, values cut into many writes with
pauses (cuts inside the length header too), big and small commands pipelined
together, a wrong trailer after a big bulk (accepted or refused exactly as
Redis 7.0 does), clients that leave in the middle of a bulk, and the query
buffer limit. The buffer-size checks read CLIENT LIST's rbs (streamd only).
Run with STREAMD_TARGET=redis to check the expectations themselves.
"""

import os
import random
import time

import pytest

from testlib import SLOW, RespError, encode_command, streamd_only

# Sizes around the 16 KB reads, the 32 KB big-argument threshold, 1 MB, and
# past the 1 MB the read path reserves ahead of the data.
SIZES = [16383, 16384, 16385, 32767, 32768, 32769, 100000, 1048576, 1048577, 3 * 1048576 + 7]


def pattern(n, salt=0):
    """n bytes cycling through every byte value (CR, LF and NUL included), so
    a misplaced or lost byte shows."""
    block = bytes((i * 7 + salt) & 0xFF for i in range(256))
    return (block * (n // 256 + 1))[:n]


def client_fields(line):
    if isinstance(line, bytes):
        line = line.decode()
    return dict(p.split("=", 1) for p in line.strip().split(" "))


def fields_of(watcher, cid):
    return client_fields(watcher.call("CLIENT", "LIST", "ID", cid))


def wait_qbuf(watcher, cid, at_least):
    """Waits until the server has read at least that many bytes of the
    client's pending command; returns its CLIENT LIST fields."""
    deadline = time.monotonic() + 10 * SLOW
    while True:
        f = fields_of(watcher, cid)
        if int(f["qbuf"]) >= at_least or time.monotonic() > deadline:
            return f
        time.sleep(0.01)


@pytest.mark.parametrize("size", SIZES)
def test_values_round_trip(r, size):
    value = pattern(size, size)
    eid = r.xadd("s", {"f": value, "small": "x"})
    r.set("k", value)
    assert r.xrange("s") == [(eid, {b"f": value, b"small": b"x"})]
    assert r.get("k") == value
    # the big value as a field name and in a later argument position
    eid2 = r.xadd("s", {value: "v"})
    assert r.xrange("s", eid2, eid2) == [(eid2, {value: b"v"})]


@pytest.mark.parametrize("size", [40000, 1048577])
def test_value_split_across_writes_with_pauses(raw, r, size):
    # Cuts inside the length header, right after it, one byte into the
    # payload, across the trailer, and plenty in between.
    value = pattern(size, 3)
    cmd = encode_command("XADD", "s", "1-1", "f", value)
    hdr = cmd.index(b"$%d\r\n" % size)
    cuts = sorted({hdr + 1, hdr + 3, hdr + len(b"$%d\r\n" % size), hdr + len(b"$%d\r\n" % size) + 1,
                   len(cmd) - 2, len(cmd) - 1} | set(range(hdr, len(cmd), max(1, size // 7))))
    c = raw()
    prev = 0
    for cut in cuts:
        if cut <= prev or cut >= len(cmd):
            continue
        c.send(cmd[prev:cut])
        time.sleep(0.005)
        prev = cut
    c.send(cmd[prev:])
    assert c.read() == b"1-1"
    assert r.xrange("s") == [(b"1-1", {b"f": value})]


def test_byte_at_a_time_around_the_header(raw, r):
    # The header and the first bytes of a big bulk one byte per write.
    value = pattern(50000, 9)
    cmd = encode_command("SET", "k", value)
    hdr = cmd.index(b"$50000\r\n")
    c = raw()
    c.send(cmd[:hdr])
    for i in range(hdr, hdr + 12):
        c.send(cmd[i:i + 1])
        time.sleep(0.002)
    c.send(cmd[hdr + 12:])
    assert c.read() == b"OK"
    assert r.get("k") == value


def test_pipelined_big_and_small(raw, r):
    big1, big2, big3 = pattern(100000, 1), pattern(1048577, 2), pattern(40000, 3)
    cmds = [("PING",), ("SET", "a", "1"), ("XADD", "s", "1-1", "f", big1), ("GET", "a"),
            ("SET", "b", big2), ("XADD", "s", "2-1", "f", "small"), ("SET", "c", big3),
            ("XADD", "s", "3-1", "f", big2), ("APPEND", "a", big3), ("STRLEN", "b"), ("PING",)]
    want = [b"PONG", b"OK", b"1-1", b"1", b"OK", b"2-1", b"OK", b"3-1", 1 + len(big3), len(big2),
            b"PONG"]
    data = b"".join(encode_command(*cmd) for cmd in cmds)
    # in one write, then in uneven pieces so commands and bulks straddle reads
    c = raw()
    c.send(data)
    assert [c.read() for _ in cmds] == want
    r.delete("a", "s")
    c2 = raw()
    step = 70001
    for at in range(0, len(data), step):
        c2.send(data[at:at + step])
    assert [c2.read() for _ in cmds] == want
    assert r.xrange("s") == [(b"1-1", {b"f": big1}), (b"2-1", {b"f": b"small"}),
                             (b"3-1", {b"f": big2})]
    assert r.get("b") == big2 and r.get("c") == big3 and r.get("a") == b"1" + big3


def test_many_big_values_back_to_back(raw, r):
    # A pipeline of big bulks: each one starts where the last ended, deep in
    # a buffer sized for the one before.
    values = [pattern(n, i) for i, n in enumerate([300000, 40000, 1048577, 32768, 700000, 50])]
    cmds = [("XADD", "s", "%d-1" % (i + 1), "f", v) for i, v in enumerate(values)]
    c = raw()
    c.send(b"".join(encode_command(*cmd) for cmd in cmds))
    assert [c.read() for _ in cmds] == [b"%d-1" % (i + 1) for i in range(len(values))]
    got = r.xrange("s")
    assert [e[1][b"f"] for e in got] == values


@pytest.mark.parametrize("size", [100, 40000, 1048577])
def test_wrong_trailer_after_bulk_as_redis(raw, r, size):
    # Redis does not check the two bytes after a bulk: "XY" instead of CRLF
    # is taken as the trailer and the next command parses.
    value = pattern(size, 5)
    c = raw()
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size + value + b"XY" +
           encode_command("PING"))
    assert c.read() == b"OK"
    assert c.read() == b"PONG"
    assert r.get("k") == value
    # A length one short of the payload: its last byte and CR become the
    # trailer, LF an empty inline line, and what follows a bad count header:
    # the protocol error Redis gives, then the connection is closed.
    c = raw()
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (size - 1) + value + b"\r\n*1x\r\n")
    assert c.read() == b"OK"
    assert c.read() == RespError("ERR Protocol error: invalid multibulk length")
    assert c.closed_by_peer(timeout=5 * SLOW)
    assert r.get("k") == value[:-1]


def test_client_leaves_mid_bulk(raw, r):
    base = int(r.info("clients")["connected_clients"])
    for n, sent in [(1048577, 600000), (40000, 20000), (536870912, 100000), (100000, 0)]:
        c = raw()
        c.send(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$%d\r\n" % n + pattern(sent))
        time.sleep(0.02)
        c.close()
    deadline = time.monotonic() + 10 * SLOW
    while int(r.info("clients")["connected_clients"]) > base and time.monotonic() < deadline:
        time.sleep(0.02)
    assert int(r.info("clients")["connected_clients"]) == base
    assert r.exists("half") == 0
    assert r.ping()


def test_query_buffer_limit_with_a_whole_big_bulk(r, raw):
    # A single bulk past client-query-buffer-limit closes the connection even
    # though the read path sized the buffer for it.
    r.config_set("client-query-buffer-limit", "1mb")
    try:
        c = raw()
        c.send(encode_command("SET", "k", pattern(1200000)))
        assert c.closed_by_peer(timeout=5 * SLOW)
        assert r.exists("k") == 0
        value = pattern(900000)
        assert raw().call("SET", "k", value) == b"OK"
        assert r.get("k") == value
    finally:
        r.config_set("client-query-buffer-limit", "1gb")


@streamd_only
def test_big_bulk_buffer_sized_once(raw):
    # Once the header of a 1 MB bulk has been read, the query buffer is grown
    # to end exactly where the command does, not doubled step by step.
    size = 1048576
    c, watcher = raw(), raw()
    cid = c.call("CLIENT", "ID")
    head = encode_command("SET", "k", b"")[:-2].replace(b"$0\r\n", b"$%d\r\n" % size)
    total = len(head) + size + 2
    c.send(head + pattern(60000))
    f = wait_qbuf(watcher, cid, len(head) + 60000)
    assert int(f["qbuf"]) == len(head) + 60000
    assert int(f["rbs"]) == total, f
    c.send(pattern(size)[60000:] + b"\r\n")
    assert c.read() == b"OK"


@streamd_only
def test_announced_bulk_reserves_little(raw, r):
    # "$536870912" and a trickle of bytes: the buffer holds what arrived plus
    # at most about 1 MB, or as much again as arrived, never the claim.
    c, watcher = raw(), raw()
    cid = c.call("CLIENT", "ID")
    used0 = int(r.info("memory")["used_memory"])
    head = b"*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$536870912\r\n"
    c.send(head + pattern(100000))
    f = wait_qbuf(watcher, cid, len(head) + 100000)
    assert int(f["rbs"]) <= len(head) + 100000 + (1 << 20) + 16384, f
    assert int(r.info("memory")["used_memory"]) - used0 < 16 << 20
    sent = 100000
    for _ in range(8):
        c.send(pattern(500000))
        sent += 500000
        f = wait_qbuf(watcher, cid, len(head) + sent)
        live = int(f["qbuf"])
        assert live == len(head) + sent
        assert int(f["rbs"]) <= max(2 * live, live + (1 << 20)) + 16384, f
    assert int(r.info("memory")["used_memory"]) - used0 < 32 << 20
    c.close()
    assert r.exists("huge") == 0


@streamd_only
def test_announced_bulk_completes_in_steps(raw, r):
    # A 6 MB bulk outgrows the 1 MB reserved ahead several times over; the
    # value still arrives whole.
    value = pattern(6 << 20, 11)
    cmd = encode_command("XADD", "s", "1-1", "f", value)
    c = raw()
    for at in range(0, len(cmd), 1 << 19):
        c.send(cmd[at:at + (1 << 19)])
        time.sleep(0.002)
    assert c.read() == b"1-1"
    assert r.xrange("s") == [(b"1-1", {b"f": value})]


# ---- big string values: the buffer a value arrived in becomes the value --------------


def test_string_commands_on_big_values(r, raw):
    big, big2 = pattern(200000, 1), pattern(70000, 2)
    c = raw()
    assert c.call("SET", "k", big) == b"OK"
    assert c.call("APPEND", "k", "tail") == len(big) + 4
    assert r.get("k") == big + b"tail"
    assert c.call("SET", "k", big2, "GET") == big + b"tail"
    assert r.get("k") == big2 and r.strlen("k") == len(big2)
    assert r.object("encoding", "k") == b"raw"
    assert r.memory_usage("k") >= len(big2)
    assert c.call("SETNX", "n", big) == 1 and c.call("SETNX", "n", big2) == 0
    assert r.get("n") == big
    # two big values in one command, also for the same key twice
    assert c.call("MSET", "a", big, "b", big2) == b"OK"
    assert r.get("a") == big and r.get("b") == big2
    assert c.call("MSET", "a", big2, "a", big) == b"OK"
    assert r.get("a") == big
    # a value whose key is long, and one already expired when set
    long_key = "key" * 1000
    assert c.call("SET", long_key, big2) == b"OK"
    assert r.get(long_key) == big2
    assert c.call("SET", "gone", big, "PXAT", "1") == b"OK"
    assert r.get("gone") is None
    # queued in MULTI, then run by EXEC
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "m", big) == b"QUEUED"
    assert c.call("SET", "m2", big2) == b"QUEUED"
    assert c.call("EXEC") == [b"OK", b"OK"]
    assert r.get("m") == big and r.get("m2") == big2
    assert c.call("DEL", "k", "n", "a", "b", "m", "m2", long_key) == 7


def test_big_values_then_more_input_in_the_same_read(raw, r):
    # The rest of a read after a big SET moves on to the next command.
    vals = [pattern(40000 + i, i) for i in range(6)]
    cmds = []
    for i, v in enumerate(vals):
        cmds += [("SET", "v%d" % i, v), ("GET", "v%d" % i), ("STRLEN", "v%d" % i)]
    c = raw()
    c.send(b"".join(encode_command(*cmd) for cmd in cmds))
    got = [c.read() for _ in cmds]
    for i, v in enumerate(vals):
        assert got[3 * i:3 * i + 3] == [b"OK", v, len(v)]
    for i, v in enumerate(vals):
        assert r.get("v%d" % i) == v


def test_big_sets_piled_up_behind_a_blocked_command(raw, r):
    # Input waits while its client is blocked, so one buffer may end up
    # holding many big SETs. A value takes the query buffer over only when
    # little input follows it (the rest is copied to a new buffer each
    # time: with every value taking it over, 300 values of 40 KB cost ~2 GB
    # of copying, and 1000 of 32 KB ~8 s of CPU).
    vals = [pattern(40000 + i, i) for i in range(300)]
    cmds = []
    for i, v in enumerate(vals):
        cmds += [("SET", "v%d" % i, v), ("STRLEN", "v%d" % i)]
    c = raw()
    cid = c.call("CLIENT", "ID")
    c.send(encode_command("XREAD", "BLOCK", 0, "STREAMS", "wake", "$"))
    deadline = time.monotonic() + 10 * SLOW
    while b"cmd=xread" not in r.execute_command("CLIENT", "LIST", "ID", cid):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    data = b"".join(encode_command(*cmd) for cmd in cmds)
    c.send(data)
    watcher = raw()
    f = wait_qbuf(watcher, cid, len(data))
    assert int(f["qbuf"]) == len(data)
    r.xadd("wake", {"f": "v"}, id="1-1")
    assert c.read() == [[b"wake", [[b"1-1", [b"f", b"v"]]]]]
    got = [c.read() for _ in cmds]
    for i, v in enumerate(vals):
        assert got[2 * i:2 * i + 2] == [b"OK", len(v)]
    for i in (0, 1, 150, 299):
        assert r.get("v%d" % i) == vals[i]
    assert c.call("PING") == b"PONG"


def test_big_values_survive_aof_rewrite_and_restart(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "everysec"])
    c = srv.raw()
    vals = {"s%d" % i: pattern(n, i) for i, n in enumerate([33000, 100000, 1048577])}
    for k, v in vals.items():
        assert c.call("SET", k, v) == b"OK"
    assert c.call("APPEND", "s0", "!") == len(vals["s0"]) + 1
    vals["s0"] += b"!"
    assert c.call("XADD", "x", "1-1", "f", vals["s2"]) == b"1-1"
    srv.restart()
    r = srv.client()
    assert {k: r.get(k) for k in vals} == vals
    r.bgrewriteaof()
    deadline = time.monotonic() + 20 * SLOW
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0:
            break
        time.sleep(0.05)
    srv.restart()
    r = srv.client()
    assert {k: r.get(k) for k in vals} == vals
    assert r.xrange("x") == [(b"1-1", {b"f": vals["s2"]})]


def test_random_big_and_small_string_traffic(raw, r):
    # Random SET/SETNX/MSET/APPEND/GETDEL/... with values on both sides of
    # the 32 KB threshold, pipelined and cut at random points, against a
    # model of the keyspace. Replay a failure with its seed.
    seed = int(os.environ.get("BIG_ARGS_SEED", random.randrange(1 << 30)))
    print("seed", seed)
    rng = random.Random(seed)
    sizes = [0, 5, 1000, 16384, 32767, 32768, 40000, 100000, 300000]
    keys = ["k%d" % i for i in range(5)]
    model = {}
    cmds, want = [], []

    def value():
        n = rng.choice(sizes) + rng.randrange(3)
        return pattern(n, rng.randrange(256))

    for _ in range(120):
        k, op = rng.choice(keys), rng.randrange(8)
        if op == 0:
            v = value()
            cmds.append(("SET", k, v))
            want.append(b"OK")
            model[k] = v
        elif op == 1:
            v = value()
            cmds.append(("SET", k, v, "GET"))
            want.append(model.get(k))
            model[k] = v
        elif op == 2:
            v = value()
            cmds.append(("SETNX", k, v))
            want.append(0 if k in model else 1)
            model.setdefault(k, v)
        elif op == 3:
            k2, v, v2 = rng.choice(keys), value(), value()
            cmds.append(("MSET", k, v, k2, v2))
            want.append(b"OK")
            model[k] = v
            model[k2] = v2
        elif op == 4:
            v = value()[:rng.choice([3, 40000])]
            cmds.append(("APPEND", k, v))
            model[k] = model.get(k, b"") + v
            want.append(len(model[k]))
        elif op == 5:
            cmds.append(("GETDEL", k))
            want.append(model.pop(k, None))
        elif op == 6:
            cmds.append(("GET", k))
            want.append(model.get(k))
        else:
            cmds.append(("STRLEN", k))
            want.append(len(model.get(k, b"")))
    data = b"".join(encode_command(*cmd) for cmd in cmds)
    c = raw()
    at = 0
    while at < len(data):
        step = rng.choice([1, 100, 5000, 40000, 300000])
        c.send(data[at:at + step])
        at += step
        if rng.randrange(20) == 0:
            time.sleep(0.002)
    got = [c.read() for _ in cmds]
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, (seed, i, cmds[i][:2])
    for k in keys:
        assert r.get(k) == model.get(k), (seed, k)
