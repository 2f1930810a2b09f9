"""Random set workloads against redis-server 7.0: seeded streams of set
commands (integer and string members of many lengths, sets crossing the
intset, packed and hash table sizes, missing keys, a string key for
WRONGTYPE, keys used as both source and destination) run on both servers;
every reply is compared (sorted where 7.0's order is its hash table's), and
every few steps the whole state: members, SCARD, OBJECT ENCODING, and each
key's DUMP restored on the other server. Random picks (SPOP, SRANDMEMBER)
appear only where their outcome is determined (a count reaching the size).
The seed is in the test id.
"""

import random

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, sorted_reply
from testlib.resp import RespSet

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

KEYS = ["a", "b", "c", "d", "str"]


def unordered(v):
    if isinstance(v, RespSet):
        return RespSet(sorted_reply(list(v)))
    return sorted_reply(v)


def member(rng):
    r = rng.random()
    if r < 0.45:
        return str(rng.randrange(-20, 150))
    if r < 0.55:
        return str(rng.choice([rng.randrange(-2 ** 63, 2 ** 63), 2 ** 31, -2 ** 31 - 1, 40000]))
    if r < 0.65:
        return rng.choice(["01", "+1", "-0", "1.0", " 1", "", "1e3"])
    if r < 0.9:
        return "m%d" % rng.randrange(60)
    return "L" * rng.randrange(60, 70) + str(rng.randrange(5))  # around the packed limit


def gen(rng, n):
    out = []
    for _ in range(n):
        k = lambda: rng.choice(KEYS) if rng.random() < 0.9 else "nokey"  # noqa: E731
        op = rng.randrange(20)
        if op < 6:
            many = rng.random() < 0.1
            args = ["SADD", k()] + [member(rng) for _ in range(rng.randrange(150, 200) if many
                                                             else rng.randrange(1, 6))]
            if many:
                args += [str(i) for i in range(rng.randrange(0, 600))]
            out.append(tuple(args))
        elif op < 9:
            out.append(tuple(["SREM", k()] + [member(rng) for _ in range(rng.randrange(1, 30))]))
        elif op == 9:
            out.append(("SMOVE", k(), k(), member(rng)))
        elif op == 10:
            out.append(tuple([rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), k()] +
                             [k() for _ in range(rng.randrange(1, 4))]))
        elif op == 11:
            out.append(Call(tuple([rng.choice(["SINTER", "SUNION", "SDIFF"])] +
                                  [k() for _ in range(rng.randrange(1, 4))]), norm=unordered))
        elif op == 12:
            ks = [k() for _ in range(rng.randrange(1, 4))]
            out.append(tuple(["SINTERCARD", str(len(ks))] + ks +
                             (["LIMIT", str(rng.randrange(0, 5))] if rng.random() < 0.5 else [])))
        elif op == 13:
            out.append(tuple(["SMISMEMBER", k()] + [member(rng) for _ in range(3)]))
        elif op == 14:
            out.append(("SISMEMBER", k(), member(rng)))
        elif op == 15:
            out.append(("SCARD", k()))
        elif op == 16:
            out.append(Call(("SMEMBERS", k()), norm=unordered))
        elif op == 17:
            # only whole-set pops and draws: their outcome is determined
            out.append(Call(("SPOP", k(), "100000"), norm=unordered))
        elif op == 18:
            out.append(Call(("SRANDMEMBER", k(), "100000"), norm=unordered))
        else:
            out.append(("OBJECT", "ENCODING", k()))
    return out


def state(c):
    out = {}
    for k in KEYS:
        t = c.call("TYPE", k)
        if t == b"set":
            out[k] = (sorted(c.call("SMEMBERS", k)), c.call("SCARD", k),
                      c.call("OBJECT", "ENCODING", k))
        else:
            out[k] = t
    return out


@pytest.mark.parametrize("seed", range(1, 9))
def test_random_workload(diff, server, ref_server, seed):
    rng = random.Random(seed)
    a, b = server.raw(), ref_server.raw()
    try:
        for c in (a, b):
            c.call("FLUSHALL")
            c.call("SET", "str", "x")
            if seed % 3 == 0:
                c.call("CONFIG", "SET", "set-max-intset-entries", "5")
        for rnd in range(8):
            diff.run(gen(rng, 60), resp=2 if rnd % 2 else 3)
            assert state(a) == state(b)
            # each set's DUMP restores on the other server to the same set
            for k in KEYS:
                if a.call("TYPE", k) != b"set":
                    continue
                pa, pb = a.call("DUMP", k), b.call("DUMP", k)
                assert b.call("RESTORE", "x:" + k, "0", pa, "REPLACE") == b"OK"
                assert a.call("RESTORE", "x:" + k, "0", pb, "REPLACE") == b"OK"
                for c in (a, b):
                    assert sorted(c.call("SMEMBERS", "x:" + k)) == sorted(c.call("SMEMBERS", k))
                assert a.call("OBJECT", "ENCODING", "x:" + k) == b.call("OBJECT", "ENCODING",
                                                                        "x:" + k)
                for c in (a, b):
                    c.call("DEL", "x:" + k)
    finally:
        for c in (a, b):
            c.call("CONFIG", "SET", "set-max-intset-entries", "512")
            c.close()
