"""Random command streams: the server survives them and its AOF replays them.

A seeded generator sends thousands of stream, group and keyspace commands,
most of them malformed or out of order (bad IDs, missing groups, wrong
types, odd options, the Redis 8.x options), pipelined over several
connections. Afterwards the server must still answer, and the state it holds
must come back identical from the append-only file: after DEBUG LOADAOF
(replay of the incremental file), after BGREWRITEAOF + restart (replay of the
rewritten base), and after a restart with a different node size (the layout
may change; nothing a client sees apart from it may). The seed is printed;
STREAMD_REPLAY_SEED replays one.
"""

import os
import random
import time

import pytest

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's AOF and its 8.x commands")

KEYS = ["s", "s2", "t", "str"]
WORDS = [
    "s", "s2", "g", "g2", "c", "c2", "*", "$", ">", "0", "0-0", "1", "1-1", "+", "-", "(1",
    "MAXLEN", "MINID", "~", "=", "LIMIT", "COUNT", "BLOCK", "STREAMS", "GROUP", "NOACK",
    "IDLE", "TIME", "RETRYCOUNT", "FORCE", "JUSTID", "LASTID", "MKSTREAM", "ENTRIESREAD",
    "CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER", "f", "v", "NOMKSTREAM",
    "KEEPREF", "DELREF", "ACKED", "IDS", "IDMP", "IDMPAUTO", "p1", "CLAIM", "SILENT", "FAIL",
    "FATAL", "MAXCOUNT", "MAXSIZE", "IDMP-DURATION", "IDMP-MAXSIZE", "ENTRIESADDED",
    "MAXDELETEDID", "18446744073709551615", "-1", "10", "100", "",
]
COMMANDS = [
    "XADD", "XADD", "XADD", "XADD", "XRANGE", "XREVRANGE", "XLEN", "XDEL", "XTRIM", "XSETID",
    "XINFO", "XREAD", "XGROUP", "XGROUP", "XREADGROUP", "XREADGROUP", "XREADGROUP", "XACK",
    "XPENDING", "XCLAIM", "XAUTOCLAIM", "XDELEX", "XACKDEL", "XNACK", "XCFGSET", "DEL", "SET",
    "TYPE", "EXPIRE", "MULTI", "EXEC",
]


def random_arg(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(WORDS)
    if r < 0.8:
        return "%d-%d" % (rng.randint(0, 9), rng.randint(0, 5))
    return str(rng.randint(-2, 300))


def random_command(rng):
    cmd = rng.choice(COMMANDS)
    if cmd in ("MULTI", "EXEC"):
        return [cmd]
    key = rng.choice(KEYS)
    if cmd in ("DEL", "SET", "EXPIRE") and rng.random() < 0.9:
        key = "str"  # streams should live long enough to grow
    if cmd == "XADD" and rng.random() < 0.7:  # mostly well formed, so state builds up
        opts = rng.choice([[], ["MAXLEN", "~", "20"], ["IDMP", "p", str(rng.randint(0, 30))],
                           ["MINID", "3"], ["KEEPREF"], ["NOMKSTREAM"]])
        return [cmd, key] + opts + ["*", "f", str(rng.randint(0, 9)), "g", "x" * rng.randint(0, 5)]
    if cmd == "XREADGROUP" and rng.random() < 0.6:
        return [cmd, "GROUP", rng.choice(["g", "g2"]), rng.choice(["c", "c2", "c3"]), "COUNT",
                str(rng.randint(1, 5))] + rng.choice([[], ["NOACK"], ["CLAIM", "0"]]) + [
                    "STREAMS", key, rng.choice([">", "0"])]
    if cmd == "XGROUP" and rng.random() < 0.5:
        return [cmd, "CREATE", key, rng.choice(["g", "g2"]), rng.choice(["0", "$"]), "MKSTREAM"]
    return [cmd, key] + [random_arg(rng) for _ in range(rng.randint(0, 8))]


def send_all(conns, commands):
    """Pipelines commands round-robin and reads every reply (any reply is
    fine; only the server's survival and state are checked)."""
    per = [[] for _ in conns]
    for i, cmd in enumerate(commands):
        per[i % len(conns)].append(cmd)
    for conn, cmds in zip(conns, per):
        for cmd in cmds:
            conn.send_cmd(*cmd)
    for conn, cmds in zip(conns, per):
        for _ in cmds:
            conn.read()


def snapshot(conn, layout=True):
    """Every key with what a client can see of it (idle and seen times are
    masked: replay happens later than the original)."""
    state = {}
    for key in sorted(conn.call("KEYS", "*")):
        kind = bytes(conn.call("TYPE", key))
        if kind == b"stream":
            full = conn.call("XINFO", "STREAM", key, "FULL", "COUNT", "0")
            state[key] = (kind, mask(full, layout))
        elif kind == b"string":
            state[key] = (kind, conn.call("GET", key), conn.call("PEXPIRETIME", key))
    return state


VOLATILE = {b"seen-time", b"active-time", b"idle", b"inactive"}
LAYOUT = {b"radix-tree-keys", b"radix-tree-nodes"}


def mask(value, layout):
    if isinstance(value, list):
        out, i = [], 0
        while i < len(value):
            v = value[i]
            if isinstance(v, bytes) and i + 1 < len(value) and (
                    v in VOLATILE or (not layout and v in LAYOUT)):
                out.append((v, "masked"))
                i += 2
                continue
            out.append(mask(v, layout))
            i += 1
        return out
    return value


def first_difference(a, b, path=()):
    """Where two snapshots first differ, for a readable failure."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, path + (i,))
            if d:
                return d
        if len(a) != len(b):
            return path, "length %d" % len(a), "length %d" % len(b)
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            d = first_difference(a.get(k), b.get(k), path + (k,))
            if d:
                return d
        return None
    return None if a == b else (path, a, b)


def test_random_commands_survive_and_replay(make_server):
    seed = int(os.environ.get("STREAMD_REPLAY_SEED", random.randrange(1 << 30)))
    print("seed", seed, "(replay with STREAMD_REPLAY_SEED=%d)" % seed)
    rng = random.Random(seed)
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "4"])
    conns = [srv.raw() for _ in range(3)]
    for _ in range(6):
        send_all(conns, [random_command(rng) for _ in range(500)])
    for conn in conns:
        conn.call("DISCARD")  # a connection may have been left inside MULTI
        assert conn.call("PING") == b"PONG"
    c = conns[0]
    # and always some group state, with a pending entry whose stream entry is
    # deleted (XDEL keeps the reference; the rewrite must too)
    c.call("DEL", "z")
    c.call("XGROUP", "CREATE", "z", "gz", "0", "MKSTREAM")
    ids = [c.call("XADD", "z", "*", "f", str(i)) for i in range(5)]
    c.call("XREADGROUP", "GROUP", "gz", "cz", "STREAMS", "z", ">")
    c.call("XDEL", "z", ids[1])
    c.call("XNACK", "z", "gz", "FAIL", "IDS", "2", ids[3], ids[1])
    before = snapshot(c)
    streams = [v for v in before.values() if v[0] == b"stream"]
    assert streams, "the generator built no stream"
    print("keys", len(before), "streams", len(streams), "snapshot bytes", len(repr(streams)))
    # strings with a TTL may expire between the snapshots: compare those without them
    before = {k: v for k, v in before.items() if v[0] != b"string" or v[2] == -1}

    def without_expiring(state):
        return {k: v for k, v in state.items() if v[0] != b"string" or v[2] == -1}

    def same(expected, state, stage):
        state = without_expiring(state)
        assert state == expected, "after %s, first difference (path, before, after): %r" % (
            stage, first_difference(expected, state))

    # replaying the same history rebuilds even the node layout
    assert c.call("DEBUG", "LOADAOF") == b"OK"
    same(before, snapshot(c), "DEBUG LOADAOF")

    # a rewrite packs the surviving entries into fresh nodes, and a different
    # node size lays them out differently: only the layout may change
    layout_free = {k: (v[0], mask(v[1], False)) if v[0] == b"stream" else v
                   for k, v in before.items()}
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    deadline = time.monotonic() + 20 * SLOW
    while b"aof_rewrite_in_progress:1" in bytes(c.call("INFO", "persistence")):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for conn in conns:
        conn.close()
    srv.restart()
    c = srv.raw()
    same(layout_free, snapshot(c, layout=False), "BGREWRITEAOF and a restart")
    c.close()
    srv.restart(["--stream-node-max-entries", "100"])
    c = srv.raw()
    same(layout_free, snapshot(c, layout=False), "a restart with another node size")
    c.close()
