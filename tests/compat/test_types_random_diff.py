"""A seeded random differential test of lists, sets, sorted sets and hashes:
the same random commands go to streamd and to Debian's redis-server 7.0, in
RESP2 and RESP3, and the replies are compared byte for byte -- except where
Redis itself leaves the order open (a hash table's iteration order), where
the replies are compared as multisets.

    STREAMD_TYPES_SEED=n    base seed (default: random; always printed)
    STREAMD_TYPES_STEPS=n   commands per round (default 4000)
    STREAMD_TYPES_ROUNDS=n  rounds (default 1), each with its own seed

Keys are few (two of each type, plus a string), members and fields come
from small pools (so commands meet each other's elements), values and
scores include integers (intsets, listpack integers), long strings (past
the listpack value limits), binary bytes and the edge scores (inf, -0,
1e308, 17 significant digits). Some commands name a key of another type
(WRONGTYPE), some are malformed on purpose (a dropped or surplus argument,
a bad number). Every round ends by comparing each key whole (type, content,
OBJECT ENCODING) and then again after DEBUG RELOAD on both servers, and
after streamd restarts from its AOF.

Deterministic by construction: no blocking commands, no random replies
(SRANDMEMBER, HRANDFIELD, ZRANDMEMBER only with counts covering the whole
value, compared as multisets; SPOP only with a count covering the set).
"""

import os
import random
import time

import pytest

from testlib import IS_REDIS, RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

SERVER_ARGS = ["--appendonly", "yes", "--enable-debug-command", "yes"]
REF_ARGS = ["--enable-debug-command", "yes"]

STEPS = int(os.environ.get("STREAMD_TYPES_STEPS", "4000"))
ROUNDS = int(os.environ.get("STREAMD_TYPES_ROUNDS", "1"))
BASE_SEED = int(os.environ.get("STREAMD_TYPES_SEED", str(random.randrange(1 << 31))))

LISTS, SETS, ZSETS, HASHES = ["l1", "l2"], ["s1", "s2"], ["z1", "z2"], ["h1", "h2"]
STRING = "str"
ALL_KEYS = LISTS + SETS + ZSETS + HASHES + [STRING, "none"]

LONG = "L" * 70  # past the 64-byte listpack value limit
ELEMS = ["a", "b", "c", "d", "e", "1", "2", "3", "-7", "100", "65536", "4294967296",
         "-9223372036854775808", "9223372036854775807", "007", "1.5", "", LONG, "\x00\xff", " 1"]
SCORES = ["0", "1", "-1", "2.5", "-2.5", "3", "10", "1e308", "-1e308", "inf", "-inf", "+inf",
          "-0", "0.1", "1.0000000000000002", "123456789012345678", "7", "5e-324"]
BAD_SCORES = ["nan", "abc", "", "1e", "0x10", "--1"]
INTS = ["0", "1", "-1", "2", "3", "-2", "5", "-5", "10", "100", "-100"]
BAD_INTS = ["abc", "1.5", "", "9223372036854775808", " 1"]
SCORE_RANGES = ["-inf", "+inf", "0", "1", "(1", "2.5", "(2.5", "-1", "(-1", "10", "(10", "inf",
                "(inf", "abc", "(", "nan"]
LEX_RANGES = ["-", "+", "[a", "(a", "[c", "(c", "[1", "(1", "[", "(", "a", "[" + LONG]


class Mismatch(AssertionError):
    pass


def multiset(v):
    """A reply whose order Redis leaves open, as a sorted list of its
    elements (pairs kept together for maps and WITHSCORES-like flat lists
    when pairs=True)."""
    if isinstance(v, dict):
        return sorted((repr(k), repr(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return sorted(repr(x) for x in v)
    return v


def pairs_multiset(v):
    if isinstance(v, dict):
        return multiset(v)
    if isinstance(v, (list, tuple)):
        if v and isinstance(v[0], (list, tuple)):
            return sorted(repr(x) for x in v)
        return sorted((repr(v[i]), repr(v[i + 1])) for i in range(0, len(v) - 1, 2))
    return v


class Gen:
    def __init__(self, rng, peek):
        self.rng = rng
        self.peek = peek  # asks the reference alone

    def lex_safe(self, key):
        """Lex ranges only over a sorted set whose scores are all equal:
        otherwise Redis's answer depends on its skiplist's random levels."""
        v = self.peek("ZRANGE", key, "0", "-1", "WITHSCORES")
        return not isinstance(v, list) or len(set(v[1::2])) <= 1

    def pick(self, xs):
        return self.rng.choice(xs)

    def some(self, xs, lo=1, hi=4):
        return [self.pick(xs) for _ in range(self.rng.randint(lo, hi))]

    def key(self, own):
        # mostly a key of the command's type, sometimes any key (WRONGTYPE)
        return self.pick(own) if self.rng.random() < 0.9 else self.pick(ALL_KEYS)

    def elem(self):
        return self.pick(ELEMS)

    def score(self):
        return self.pick(BAD_SCORES) if self.rng.random() < 0.03 else self.pick(SCORES)

    def int_(self):
        return self.pick(BAD_INTS) if self.rng.random() < 0.03 else self.pick(INTS)

    def index(self):
        return self.pick(["0", "1", "2", "-1", "-2", "5", "-5", "100", "-100", "3"] +
                         (BAD_INTS if self.rng.random() < 0.05 else []))

    # ---- commands: (args, kind) where kind is "exact", "set" or "pairs" ----

    def list_cmd(self):
        k = lambda: self.key(LISTS)  # noqa: E731
        e, i = self.elem, self.index
        r = self.rng.randrange(22)
        if r < 4:
            return [self.pick(["LPUSH", "RPUSH"]), k()] + self.some(ELEMS, 1, 6), "exact"
        if r == 4:
            return [self.pick(["LPUSHX", "RPUSHX"]), k()] + self.some(ELEMS), "exact"
        if r == 5:
            c = [] if self.rng.random() < 0.5 else [self.pick(["0", "1", "2", "5", "-1", "abc"])]
            return [self.pick(["LPOP", "RPOP"]), k()] + c, "exact"
        if r == 6:
            return ["LLEN", k()], "exact"
        if r in (7, 8):
            return ["LRANGE", k(), i(), i()], "exact"
        if r == 9:
            return ["LINDEX", k(), i()], "exact"
        if r == 10:
            return ["LSET", k(), i(), e()], "exact"
        if r == 11:
            return ["LINSERT", k(), self.pick(["BEFORE", "AFTER", "MIDDLE"]), e(), e()], "exact"
        if r == 12:
            return ["LREM", k(), self.pick(["0", "1", "-1", "2", "-2"]), e()], "exact"
        if r == 13:
            return ["LTRIM", k(), i(), i()], "exact"
        if r == 14:
            opts = []
            for o in self.rng.sample(["RANK", "COUNT", "MAXLEN"], self.rng.randint(0, 2)):
                opts += [o, self.pick(["1", "-1", "2", "0", "-2", "5"])]
            return ["LPOS", k(), e()] + opts, "exact"
        if r in (15, 16):
            return ["LMOVE", k(), k(), self.pick(["LEFT", "RIGHT"]),
                    self.pick(["LEFT", "RIGHT"])], "exact"
        if r == 17:
            return ["RPOPLPUSH", k(), k()], "exact"
        if r == 18:
            keys = self.some(LISTS, 1, 2)
            opt = [] if self.rng.random() < 0.5 else ["COUNT", self.pick(["1", "2", "10", "0"])]
            return ["LMPOP", str(len(keys))] + keys + [self.pick(["LEFT", "RIGHT"])] + opt, "exact"
        if r == 19:
            return ["LPUSH", k()], "exact"  # arity error
        if r == 20:
            return ["RPUSH", k(), LONG + str(self.rng.randrange(5))], "exact"
        return ["LRANGE", k(), "0", "-1"], "exact"

    def set_cmd(self):
        k = lambda: self.key(SETS)  # noqa: E731
        r = self.rng.randrange(20)
        if r < 4:
            return ["SADD", k()] + self.some(ELEMS, 1, 6), "exact"
        if r == 4:
            return ["SREM", k()] + self.some(ELEMS), "exact"
        if r == 5:
            return ["SMEMBERS", k()], "set"
        if r == 6:
            return ["SISMEMBER", k(), self.elem()], "exact"
        if r == 7:
            return ["SMISMEMBER", k()] + self.some(ELEMS), "exact"
        if r == 8:
            return ["SCARD", k()], "exact"
        if r == 9:
            # a count covering the whole set: deterministic
            return ["SPOP", k(), self.pick(["100", "1000"])], "set"
        if r == 10:
            return ["SRANDMEMBER", k(), self.pick(["100", "1000"])], "set"
        if r == 11:
            return ["SMOVE", k(), k(), self.elem()], "exact"
        if r == 12:
            return [self.pick(["SINTER", "SUNION", "SDIFF"])] + self.some(SETS, 1, 3), "set"
        if r == 13:
            return ([self.pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), k()] +
                    self.some(SETS, 1, 3)), "exact"
        if r == 14:
            keys = self.some(SETS, 1, 3)
            opt = [] if self.rng.random() < 0.5 else ["LIMIT", self.pick(["0", "1", "2", "-1"])]
            return ["SINTERCARD", str(len(keys))] + keys + opt, "exact"
        if r == 15:
            return ["SADD", k()] + self.some(INTS, 1, 8), "exact"
        if r == 16:
            return ["SADD", k()], "exact"  # arity error
        if r == 17:
            return ["SISMEMBER", k()], "exact"  # arity error
        return ["SCARD", k()], "exact"

    def zset_cmd(self):
        k = lambda: self.key(ZSETS)  # noqa: E731
        e, s = self.elem, self.score
        r = self.rng.randrange(30)
        if r < 5:
            opts = []
            for o in (["NX", "XX"], ["GT", "LT"], ["CH"], ["INCR"]):
                if self.rng.random() < 0.15:
                    opts.append(self.pick(o))
            n = 1 if "INCR" in opts else self.rng.randint(1, 4)
            sm = [x for _ in range(n) for x in (s(), e())]
            return ["ZADD", k()] + opts + sm, "exact"
        if r == 5:
            return ["ZINCRBY", k(), s(), e()], "exact"
        if r == 6:
            return ["ZREM", k()] + self.some(ELEMS), "exact"
        if r == 7:
            return ["ZCARD", k()], "exact"
        if r == 8:
            return ["ZSCORE", k(), e()], "exact"
        if r == 9:
            return ["ZMSCORE", k()] + self.some(ELEMS), "exact"
        if r == 10:
            return [self.pick(["ZRANK", "ZREVRANK"]), k(), e()], "exact"
        if r == 11:
            return ["ZCOUNT", k(), self.pick(SCORE_RANGES), self.pick(SCORE_RANGES)], "exact"
        if r == 12 or r == 17 or (r == 20 and self.rng.random() < 0.3):
            key = k()
            if not self.lex_safe(key):
                return ["ZSCORE", key, e()], "exact"
            cmd = self.pick(["ZLEXCOUNT", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREMRANGEBYLEX", "ZRANGE"])
            args = [cmd, key, self.pick(LEX_RANGES), self.pick(LEX_RANGES)]
            if cmd == "ZRANGE":
                args.append("BYLEX")
                if self.rng.random() < 0.3:
                    args.append("REV")
            if cmd != "ZLEXCOUNT" and cmd != "ZREMRANGEBYLEX" and self.rng.random() < 0.3:
                args += ["LIMIT", "0", self.pick(["1", "-1"])]
            return args, "exact"
        if r == 29:
            # equal scores: the lex commands' own ground
            return ["ZADD", k()] + [x for m in self.some(ELEMS, 1, 5) for x in ("0", m)], "exact"
        if r in (13, 14, 15):
            by = self.pick(["", "BYSCORE"])
            rng = {"": [self.index(), self.index()],
                   "BYSCORE": [self.pick(SCORE_RANGES), self.pick(SCORE_RANGES)],
                   "BYLEX": [self.pick(LEX_RANGES), self.pick(LEX_RANGES)]}[by]
            opts = [by] if by else []
            if self.rng.random() < 0.3:
                opts.append("REV")
            if self.rng.random() < 0.3:
                opts += ["LIMIT", self.pick(["0", "1", "-1"]), self.pick(["1", "2", "-1", "0"])]
            if self.rng.random() < 0.5:
                opts.append("WITHSCORES")
            self.rng.shuffle(opts) if self.rng.random() < 0.1 else None
            return ["ZRANGE", k()] + rng + opts, "exact"
        if r == 16:
            cmd = self.pick(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"])
            opts = ["WITHSCORES"] if self.rng.random() < 0.5 else []
            if self.rng.random() < 0.3:
                opts += ["LIMIT", self.pick(["0", "1"]), self.pick(["1", "-1", "3"])]
            return [cmd, k(), self.pick(SCORE_RANGES), self.pick(SCORE_RANGES)] + opts, "exact"
        if r == 18:
            opts = ["WITHSCORES"] if self.rng.random() < 0.5 else []
            return ["ZREVRANGE", k(), self.index(), self.index()] + opts, "exact"
        if r == 19:
            return ["ZRANGESTORE", k(), k(), self.index(), self.index()], "exact"
        if r == 20:
            cmd = self.pick(["ZREMRANGEBYRANK", "ZREMRANGEBYSCORE"])
            a = {"ZREMRANGEBYRANK": self.index,
                 "ZREMRANGEBYSCORE": lambda: self.pick(SCORE_RANGES)}[cmd]
            return [cmd, k(), a(), a()], "exact"
        if r == 21:
            c = [] if self.rng.random() < 0.5 else [self.pick(["0", "1", "3", "-1"])]
            return [self.pick(["ZPOPMIN", "ZPOPMAX"]), k()] + c, "exact"
        if r == 22:
            keys = self.some(ZSETS, 1, 2)
            opt = [] if self.rng.random() < 0.5 else ["COUNT", self.pick(["1", "3", "0"])]
            return ["ZMPOP", str(len(keys))] + keys + [self.pick(["MIN", "MAX"])] + opt, "exact"
        if r in (23, 24):
            cmd = self.pick(["ZUNION", "ZINTER", "ZDIFF"])
            keys = self.some(ZSETS, 1, 3)
            opts = []
            if cmd != "ZDIFF" and self.rng.random() < 0.4:
                opts += ["WEIGHTS"] + [self.pick(["1", "2", "-1", "0.5", "inf"]) for _ in keys]
            if cmd != "ZDIFF" and self.rng.random() < 0.4:
                opts += ["AGGREGATE", self.pick(["SUM", "MIN", "MAX"])]
            if self.rng.random() < 0.6:
                opts.append("WITHSCORES")
            return [cmd, str(len(keys))] + keys + opts, "exact"
        if r == 25:
            cmd = self.pick(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
            keys = self.some(ZSETS, 1, 3)
            opts = []
            if cmd != "ZDIFFSTORE" and self.rng.random() < 0.4:
                opts += ["AGGREGATE", self.pick(["SUM", "MIN", "MAX"])]
            return [cmd, k(), str(len(keys))] + keys + opts, "exact"
        if r == 26:
            keys = self.some(ZSETS, 1, 2)
            opt = [] if self.rng.random() < 0.5 else ["LIMIT", self.pick(["0", "1"])]
            return ["ZINTERCARD", str(len(keys))] + keys + opt, "exact"
        if r == 27:
            return ["ZRANDMEMBER", k(), "1000", "WITHSCORES"], "pairs"
        if r == 28:
            return ["ZADD", k(), s()], "exact"  # arity error
        return ["ZRANGE", k(), "0", "-1", "WITHSCORES"], "exact"

    def hash_cmd(self):
        k = lambda: self.key(HASHES)  # noqa: E731
        e = self.elem
        r = self.rng.randrange(20)
        if r < 4:
            n = self.rng.randint(1, 4)
            return [self.pick(["HSET", "HMSET"]), k()] + [x for _ in range(n)
                                                          for x in (e(), e())], "exact"
        if r == 4:
            return ["HSETNX", k(), e(), e()], "exact"
        if r == 5:
            return ["HGET", k(), e()], "exact"
        if r == 6:
            return ["HMGET", k()] + self.some(ELEMS), "exact"
        if r == 7:
            return ["HDEL", k()] + self.some(ELEMS), "exact"
        if r == 8:
            return ["HLEN", k()], "exact"
        if r == 9:
            return ["HSTRLEN", k(), e()], "exact"
        if r == 10:
            return ["HEXISTS", k(), e()], "exact"
        if r == 11:
            return [self.pick(["HKEYS", "HVALS"]), k()], "set"
        if r == 12:
            return ["HGETALL", k()], "pairs"
        if r == 13:
            return ["HINCRBY", k(), e(), self.int_()], "exact"
        if r == 14:
            return ["HINCRBYFLOAT", k(), e(), self.pick(["1", "1.5", "-0.25", "1e10", "abc", "inf"])
                    ], "exact"
        if r == 15:
            return ["HRANDFIELD", k(), "1000", "WITHVALUES"], "pairs"
        if r == 16:
            return ["HSET", k(), e()], "exact"  # arity error
        if r == 17:
            return ["HSET", k(), e(), LONG + str(self.rng.randrange(3))], "exact"
        return ["HGETALL", k()], "pairs"

    def key_cmd(self):
        r = self.rng.randrange(8)
        k = lambda: self.pick(ALL_KEYS)  # noqa: E731
        if r == 0:
            return ["TYPE", k()], "exact"
        if r == 1:
            return ["EXISTS", k(), k()], "exact"
        if r == 2:
            return ["COPY", k(), k(), "REPLACE"], "exact"
        if r == 3:
            return ["DEL", k()], "exact"
        if r == 4:
            return ["RENAME", k(), k()], "exact"
        if r == 5:
            return ["SET", STRING, self.elem()], "exact"
        if r == 6:
            return ["OBJECT", "ENCODING", k()], "exact"
        return ["EXPIRE", k(), "1000"], "exact"

    def command(self):
        r = self.rng.random()
        if r < 0.22:
            return self.list_cmd()
        if r < 0.42:
            return self.set_cmd()
        if r < 0.72:
            return self.zset_cmd()
        if r < 0.94:
            return self.hash_cmd()
        return self.key_cmd()


def snapshot(c, encodings=True):
    """Every key whole: its type, encoding, TTL state and content in an
    order-free form where Redis's order is open."""
    out = {}
    for k in ALL_KEYS:
        t = c.call("TYPE", k)
        if t == b"none":
            continue
        enc = c.call("OBJECT", "ENCODING", k) if encodings else None
        ttl = c.call("TTL", k) > 0
        if t == b"list":
            v = c.call("LRANGE", k, "0", "-1")
        elif t == b"set":
            v = sorted(c.call("SMEMBERS", k))
        elif t == b"zset":
            v = c.call("ZRANGE", k, "0", "-1", "WITHSCORES")
        elif t == b"hash":
            v = pairs_multiset(c.call("HGETALL", k))
        else:
            v = c.call("GET", k)
        out[k] = (t, enc, ttl, v)
    return out


class Runner:
    def __init__(self, server, ref_server):
        self.server, self.ref_server = server, ref_server
        self.connect()

    def connect(self):
        self.pairs = []
        for resp in (2, 3):
            a, b = self.server.raw(), self.ref_server.raw()
            if resp == 3:
                a.call("HELLO", "3")
                b.call("HELLO", "3")
            self.pairs.append((a, b))
        self.peek_conn = self.ref_server.raw()

    def close(self):
        self.peek_conn.close()
        for a, b in self.pairs:
            a.close()
            b.close()

    def send(self, pair, args, kind, history):
        a, b = self.pairs[pair]
        a.send_cmd(*args)
        b.send_cmd(*args)
        va, ra = a.read_with_raw()
        vb, rb = b.read_with_raw()
        history.append((pair, args))
        if ra == rb:
            return
        if kind == "set" and not isinstance(vb, RespError) and multiset(va) == multiset(vb):
            return
        if kind == "pairs" and not isinstance(vb, RespError) and \
                pairs_multiset(va) == pairs_multiset(vb):
            return
        raise Mismatch("RESP%d %r\n  streamd: %r\n  redis:   %r\n  last commands:\n%s" % (
            2 + pair, args, ra[:400], rb[:400],
            "\n".join("    RESP%d %r" % (2 + p, x) for p, x in history[-25:])))

    def compare_state(self, what, history):
        a, b = self.pairs[0]
        sa, sb = snapshot(a), snapshot(b)
        if sa != sb:
            diff = {k: (sa.get(k), sb.get(k)) for k in set(sa) | set(sb) if sa.get(k) != sb.get(k)}
            raise Mismatch("state differs %s: %r\n  last commands:\n%s" % (
                what, diff, "\n".join("    RESP%d %r" % (2 + p, x) for p, x in history[-25:])))

    def round(self, seed, steps, limits):
        rng = random.Random(seed)
        gen = Gen(rng, self.peek_conn.call)
        for a, b in self.pairs[:1]:
            for c in (a, b):
                c.call("FLUSHALL")
                for name, value in limits.items():
                    assert c.call("CONFIG", "SET", name, value) == b"OK"
        history = []
        for _ in range(steps):
            args, kind = gen.command()
            self.send(0 if rng.random() < 0.75 else 1, args, kind, history)
        self.compare_state("after the commands", history)
        for a, b in self.pairs[:1]:
            a.call("DEBUG", "RELOAD")
            b.call("DEBUG", "RELOAD")
        self.compare_state("after DEBUG RELOAD", history)


# The encodings' limits: Redis 7.0's defaults, and limits small enough that
# values change encoding (listpack/intset to hashtable/skiplist) all the time.
DEFAULT_LIMITS = {"hash-max-listpack-entries": "128", "set-max-intset-entries": "512",
                  "zset-max-listpack-entries": "128", "list-max-listpack-size": "-2"}
SMALL_LIMITS = {"hash-max-listpack-entries": "4", "set-max-intset-entries": "4",
                "zset-max-listpack-entries": "4", "list-max-listpack-size": "4"}


@pytest.mark.parametrize("limits", [DEFAULT_LIMITS, SMALL_LIMITS], ids=["default", "small"])
def test_types_random_diff(server, ref_server, limits):
    print("STREAMD_TYPES_SEED=%d steps=%d rounds=%d" % (BASE_SEED, STEPS, ROUNDS))
    runner = Runner(server, ref_server)
    t0 = time.monotonic()
    try:
        for i in range(ROUNDS):
            seed = BASE_SEED * 1000 + i + 500 * (limits is SMALL_LIMITS)
            try:
                runner.round(seed, STEPS, limits)
            except Mismatch as e:
                raise Mismatch("seed %d (STREAMD_TYPES_SEED=%d, round %d): %s" % (
                    seed, BASE_SEED, i, e)) from None
        # the AOF: streamd restarted from it must hold what the reference holds
        # Data only: an encoding depends on the value's history (DEBUG
        # RELOAD re-chose it on the reference, the AOF replays the commands)
        b = runner.pairs[0][1]
        want = snapshot(b, encodings=False)
        runner.close()
        # the round's encoding limits again (CONFIG SET does not outlive a restart)
        server.restart([x for name, value in limits.items() for x in ("--" + name, value)])
        runner.connect()
        got = snapshot(runner.pairs[0][0], encodings=False)
        assert got == want, "after an AOF restart: %r" % {
            k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
    finally:
        runner.close()
        for c in (server.raw(), ref_server.raw()):
            for name, value in DEFAULT_LIMITS.items():
                c.call("CONFIG", "SET", name, value)
            c.close()
    print("%d rounds in %.1fs" % (ROUNDS, time.monotonic() - t0))
