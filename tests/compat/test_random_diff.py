"""A seeded random differential tester: the same random stream of stream and
consumer-group commands goes to streamd and to Debian's redis-server 7.0, and
every reply is compared, byte for byte unless a normalizer below says why not.

    STREAMD_DIFF_SEED=n     base seed (default: random; always printed)
    STREAMD_DIFF_STEPS=n    commands per round (default 12000)
    STREAMD_DIFF_ROUNDS=n   rounds per configuration, each its own seed
                            (default 1)
    STREAMD_DIFF_KEEP_GOING=1  log every mismatching round and go on with the
                            next seed (a long exploratory run), fail at the end
    STREAMD_DIFF_STATS=1    print replies / errors / normalized per command
                            (for the blocked reads: replies / errors /
                            ended by CLIENT UNBLOCK)
    STREAMD_DIFF_NODES=a,b  the stream-node-max-entries values (default
                            4,10,100; a lossless round always uses 10)
    STREAMD_DIFF_BYTES=1    stream-node-max-bytes 1 (one entry per node)
                            instead of 0

A long run: STREAMD_DIFF_STEPS=5000 STREAMD_DIFF_ROUNDS=50
STREAMD_DIFF_KEEP_GOING=1 pytest -s tests/compat/test_random_diff.py (with
STREAMD_BIN=build-asan/streamd for the sanitizer build).

Each round starts from FLUSHALL with one stream-node-max-entries (4, 10 or
the default 100) and stream-node-max-bytes 0 on both servers (the default
4096 would apply, streamd's nodes being laid out unlike listpacks): a byte
limit cuts nodes elsewhere (radix-tree-keys/nodes, what "~" trims), whereas
node boundaries set by entry counts alone must match exactly. One
configuration is "lossless": no entry ever leaves its stream there, so lag
and entries-read are compared (see mask_lag). Keys are few (s1, s2, s3; s3 is
often a string) and IDs small, so commands meet each other's entries,
groups and consumers. About a quarter of the commands go over a second
connection pair in RESP3; some come as MULTI/EXEC blocks, some of them
after a WATCH and a command from the other connection (does it break the
WATCH?), some with a command refused at queueing time; some are malformed
on purpose (dropped or surplus arguments, bad IDs and numbers, unknown or
duplicated options, options in another order), or drawn word by word from
a pool (c_tokens). Key-level commands (DEL/UNLINK, SWAPDB, expiry, string
commands on streams, KEYS/SCAN, OBJECT) act on the same keys. Some reads
block (BLOCK 0) on one connection while the other pair sends a command,
mostly an XADD the read waits for; CLIENT UNBLOCK then ends a read still
blocked (see Runner.blocked: nothing depends on time).

The generator is interactive: it reads the reference server's replies (the
last ID of a key, the consumers known to exist), and asks the reference
alone for XINFO STREAM before an XSETID, so that it can keep away from the
places where streamd deliberately answers as Redis 7.2+/7.4 does:
  - a consumer that a command would create only in 7.2+ (XREADGROUP serving
    nothing, XCLAIM claiming nothing): every consumer is created with XGROUP
    CREATECONSUMER (compared too) before a command names it, unless the
    reference's replies showed it exists;
  - XSETID below the current max-deleted ID (7.2+ refuses it): such an ID is
    raised to the max-deleted ID;
  - "*" IDs (clock), XREAD "+" (7.4), blocking reads, and the options of
    Redis 8.x (KEEPREF/DELREF/ACKED, IDMP, CLAIM, MAXCOUNT/MAXSIZE) are
    never generated.
What remains different on purpose is normalized: see the norm_* functions
and mask_lag, each naming the Redis version that changed the reply.
"""

import os
import random
import select
import time

import pytest

from testlib import IS_REDIS, RespError, blocked_clients, canon
from testlib.diff import fmt_args, scan_keys, sorted_reply

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

GROUPS = ["g1", "g2"]
CONSUMERS = ["c1", "c2", "c3"]
BAD_IDS = ["1-", "-1", "18446744073709551616-0", "1-18446744073709551616", "abc", "1-x", "",
           " 1", "+1", "1--1", "0x1", "1.5", "-", "+", "1-2-3"]
BAD_NUMS = ["abc", "-1", "1.5", "", "9223372036854775808", "-9223372036854775809", " 2", "0x2"]
# "+" is a valid XREAD ID since 7.4 (and XREADGROUP's error for it changed
# with it): never generated as the ID of a read
READ_BAD_IDS = [i for i in BAD_IDS if i != "+"]
# IDs at the edges of the 64-bit halves (overflow of "(" and "ms-*")
EDGE_IDS = ["18446744073709551615-18446744073709551615", "18446744073709551615",
            "18446744073709551615-0", "9223372036854775808-0", "5-18446744073709551615",
            "0-18446744073709551615", "(18446744073709551615-18446744073709551615",
            "18446744073709551614-18446744073709551615"]
BIG_COUNTS = ["9223372036854775807", "4294967296", "2147483648", "100000"]
XAUTOCLAIM_COUNTS = ["9223372036854775807", "576460752303423488", "2147483648", "100000"]
# field values that an integer-packing encoding must give back as sent
VALUES = ["v", "1", "-5", "007", "0", "-0", "+1", " 1", "1e3", "1.5", "9223372036854775807",
          "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
          "18446744073709551615", "4294967296", "-1", "", "\x00\xff", "12345678901234567890"]
# unknown option words: none of them is an option of any Redis version
UNKNOWN = ["FOO", "BAR", "COUNTS", "NOACKS", "STREAM"]
# Times far apart from each other and from the run's length, so that idle
# filters and min-idle-times give the same answer on both servers whatever
# milliseconds pass between their calls: 0 (every entry), 500000 (only entries
# claimed with IDLE 1000000 or TIME 0/1), 10**12 (only TIME 0/1, delivered in
# 1970), 10**15 (nothing; as XCLAIM IDLE it drives the time below 0 and Redis
# clamps it to now).
IDLES = ["0", "500000", "1000000000000"]
CLAIM_IDLES = ["0", "1000000", "1000000000000000"]
CLAIM_TIMES = ["0", "1", "99999999999999"]

IDMP_FIELDS = {b"idmp-duration", b"idmp-maxsize", b"pids-tracked", b"iids-tracked",
               b"iids-added", b"iids-duplicates"}


# ---- normalizers -------------------------------------------------------------------


def _pairs(v):
    if isinstance(v, dict):
        return list(v.items())
    return [(v[i], v[i + 1]) for i in range(0, len(v) - 1, 2)]


def _rebuild(v, pairs):
    if isinstance(v, dict):
        return dict(pairs)
    out = []
    for k, x in pairs:
        out += [k, x]
    return out


def _map(v, drop=(), mask=(), fn=None):
    """A map reply (flat list in RESP2, dict in RESP3) without the fields in
    drop, with the fields in mask replaced by "t", others through fn."""
    if not isinstance(v, (list, dict)):
        return v
    out = []
    for k, x in _pairs(v):
        if k in drop:
            continue
        if k in mask:
            x = "t"
        elif fn is not None:
            x = fn(k, x)
        out.append((k, x))
    return _rebuild(v, out)


def mask_lag(g, masked):
    """A group's lag and entries-read masked when its name is in masked (or
    masked is True). Redis 7.4 changed how both are derived once entries
    left the stream (a group trimmed past counts the remaining length;
    reading past a deletion re-derives the counter) or once the group was
    set with an ENTRIESREAD, an ID or XCLAIM LASTID: 7.0's values differ
    there (tests/integration/test_groups.py checks the 7.4 ones). Where no
    entry ever left the stream and the group only moved by reading, both
    versions count alike and the fields are compared."""
    name = dict(_pairs(g)).get(b"name") if isinstance(g, (list, dict)) else None
    if masked is True or (masked and name in masked):
        return _map(g, mask={b"lag", b"entries-read"})
    return g


def norm_xinfo_stream(v, masked=True):
    """XINFO STREAM [FULL]: the Redis 8.6 idmp fields dropped; in FULL, the
    groups' nacked-count (8.8) and the consumers' active-time (7.2) dropped,
    and every clock value (seen-time, delivery times) masked; lag and
    entries-read as mask_lag says."""

    def consumer(k, x):
        if k == b"pending" and isinstance(x, list):
            return [[p[0], "t", p[2]] for p in x]
        return x

    def group(k, x):
        if k == b"pending" and isinstance(x, list):
            return [[p[0], p[1], "t", p[3]] for p in x]
        if k == b"consumers" and isinstance(x, list):
            return [_map(c, drop={b"active-time"}, mask={b"seen-time"}, fn=consumer) for c in x]
        return x

    def top(k, x):
        if k == b"groups" and isinstance(x, list):
            return [mask_lag(_map(g, drop={b"nacked-count"}, fn=group), masked) for g in x]
        return x

    return _map(v, drop=IDMP_FIELDS, fn=top)


def norm_xinfo_groups(v, masked=True):
    if not isinstance(v, list):
        return v
    return [mask_lag(g, masked) for g in v]


def norm_xinfo_consumers(v, masked=None):
    """XINFO CONSUMERS: idle masked, `inactive` (7.2) dropped."""
    if not isinstance(v, list):
        return v
    return [_map(c, drop={b"inactive"}, mask={b"idle"}) for c in v]


def norm_xpending(v, masked=None):
    """XPENDING's extended form: the idle times masked."""
    if isinstance(v, list) and all(isinstance(r, list) and len(r) == 4 for r in v):
        return [[r[0], r[1], "t", r[3]] for r in v]
    return v


def norm_error(v, masked=None):
    """The unbalanced-streams error texts of XREAD/XREADGROUP changed after
    7.0 (they name '+' and the command in quotes): the code word and the
    first two words are compared."""
    if isinstance(v, RespError) and v.message.startswith(b"ERR Unbalanced"):
        return RespError(b"ERR Unbalanced")
    return v


def norm_xadd(v, masked=None):
    """XADD <ms>-* when the last ID is <ms>-18446744073709551615: 7.0 answers
    "Elements are too large to be stored" (an errno left unset), 7.4 the
    ID-too-small text (tests/integration/test_stream.py checks it)."""
    if isinstance(v, RespError) and v.message in (
            b"ERR Elements are too large to be stored",
            b"ERR The ID specified in XADD is equal or smaller than the target stream top item"):
        return RespError(b"ERR XADD ms-* overflow")
    return v


def norm_xsetid(v, masked=None):
    """XSETID below the current max-deleted ID: 7.2+ refuses it before the
    other state checks, with a text of its own (the generator keeps valid
    IDs above it, but IDs that parse leniently, like " 2", slip through).
    When both servers refuse, any error text is the same here."""
    if isinstance(v, RespError) and v.message.startswith(b"ERR The ID specified in XSETID is"):
        return RespError(b"ERR The ID specified in XSETID is ...")
    return v


def norm_clock(v, masked=None):
    """TTL, PTTL, EXPIRETIME, PEXPIRETIME, OBJECT IDLETIME: a count of
    seconds or milliseconds that the clock moves between the two servers'
    calls; a positive value masked (-1 and -2 compared)."""
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return "t"
    return v


def norm_keys(v, masked=None):
    """KEYS: the order is the hash table's."""
    return sorted_reply(v)


def norm_scan(v, masked=None):
    """SCAN: the cursor and the order are the hash table's."""
    return scan_keys(v)


def norm_blocked(v, masked=None):
    """The reply of an XREADGROUP blocked while its key or group went away
    or its key turned into a string: Redis 7.2+ re-runs the command and
    answers its NOGROUP or WRONGTYPE error, 7.0 had texts of its own
    (tests/compat/test_groups_diff.py compares the pairs)."""
    if isinstance(v, RespError) and (
            v.message.startswith(b"NOGROUP No such key ") or v.code == b"WRONGTYPE" or
            v.message == b"UNBLOCKED the stream key no longer exists" or
            v.message == b"NOGROUP the consumer group this client was blocked on no longer exists"):
        return RespError(b"gone")
    return v


UNBLOCKED = RespError(b"UNBLOCKED client unblocked via CLIENT UNBLOCK")


def served_nothing(v):
    """A read woken by a command whose new entries were trimmed away by the
    same command (XADD ... MAXLEN ~ 0): 7.0 served it once the stream's last
    ID had moved past the read's, with empty entry lists; since 7.2 the woken
    command runs again and, finding no entry, blocks on (streamd does so;
    tests/integration/test_stream.py checks it)."""
    if isinstance(v, dict):
        v = [[k, x] for k, x in v.items()]
    return isinstance(v, list) and len(v) > 0 and all(
        isinstance(kv, list) and len(kv) == 2 and kv[1] == [] for kv in v)


# A stream command now and then runs through a script (redis.pcall, its reply
# converted to a Lua value and back): what both servers answer must still
# match, and so must the state it leaves.
SCRIPT_WRAP = "return redis.pcall(unpack(ARGV))"


def scripted(args):
    return ["EVAL", SCRIPT_WRAP, "0"] + list(args)


def normalizer(args):
    if len(args) > 3 and args[0] == "EVAL" and args[1] == SCRIPT_WRAP:
        return normalizer(args[3:])
    name = args[0].upper()
    sub = args[1].upper() if len(args) > 1 else ""
    if name in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME") or \
            (name == "OBJECT" and sub == "IDLETIME"):
        return norm_clock
    if name == "KEYS":
        return norm_keys
    if name == "SCAN":
        return norm_scan
    if name == "XINFO" and sub == "STREAM":
        return norm_xinfo_stream
    if name == "XINFO" and sub == "GROUPS":
        return norm_xinfo_groups
    if name == "XINFO" and sub == "CONSUMERS":
        return norm_xinfo_consumers
    if name == "XPENDING":
        return norm_xpending
    if name == "XSETID":
        return norm_xsetid
    if name == "XADD":
        return norm_xadd
    if name in ("XREAD", "XREADGROUP"):
        return norm_error
    return None


# ---- the generator -----------------------------------------------------------------


class Model:
    """What the generator knows of the reference server's state."""

    def __init__(self):
        self.last = {}  # key -> (ms, seq) of its last ID, as far as known
        self.consumers = set()  # (key, group, consumer) known to exist
        self.moved = set()  # (key, group) placed by other means than reading
        self.facts_set = set()  # keys given ENTRIESADDED / MAXDELETEDID by XSETID

    def swap_db(self):
        """SWAPDB 0 1: the facts of database 0 become those of database 1
        (kept in self.other) and back."""
        mine = (self.last, self.consumers, self.moved, self.facts_set)
        other = getattr(self, "other", None) or ({}, set(), set(), set())
        self.last, self.consumers, self.moved, self.facts_set = other
        self.other = mine

    def flush(self):
        self.last, self.consumers, self.moved, self.facts_set = {}, set(), set(), set()

    def forget_key(self, key):
        self.last.pop(key, None)
        self.consumers = {c for c in self.consumers if c[0] != key}
        self.moved = {g for g in self.moved if g[0] != key}
        self.facts_set.discard(key)

    def rename(self, src, dst):
        """The key's facts go with it (a stream keeps its groups)."""
        if src == dst:
            return
        self.copy(src, dst)
        self.forget_key(src)

    def copy(self, src, dst):
        """COPY in database 0: the copy has the source's facts (consumers are
        not carried over: the generator creates them again before use)."""
        if src == dst:
            return
        last = self.last.get(src)
        moved = {g for k, g in self.moved if k == src}
        facts = src in self.facts_set
        self.forget_key(dst)
        if last:
            self.last[dst] = last
        self.moved |= {(dst, g) for g in moved}
        if facts:
            self.facts_set.add(dst)

    def copy_to_other_db(self, src, dst):
        """COPY ... DB 1 or MOVE: the key in database 1 has the source's facts
        (its groups come along, with how they were placed: a group set with
        ENTRIESREAD must stay masked there, and after a SWAPDB here)."""
        last, consumers, moved, facts = getattr(self, "other", None) or ({}, set(), set(), set())
        last.pop(dst, None)
        consumers = {c for c in consumers if c[0] != dst}
        moved = {g for g in moved if g[0] != dst}
        facts = facts - {dst}
        if src in self.last:
            last[dst] = self.last[src]
        moved |= {(dst, g) for k, g in self.moved if k == src}
        if src in self.facts_set:
            facts = facts | {dst}
        self.other = (last, consumers, moved, facts)

    def forget_group(self, key, group):
        self.consumers = {c for c in self.consumers if c[:2] != (key, group)}
        self.moved.discard((key, group))


class Gen:
    def __init__(self, rng, peek, lossless=False):
        # lossless: no command removes entries (XDEL, XTRIM, XADD's trims) or
        # sets entries-added / max-deleted (XSETID): the rounds in which lag
        # and entries-read are compared (see mask_lag)
        self.lossless = lossless
        self.rng = rng
        self.peek = peek  # args -> the reference's reply (not compared)
        self.m = Model()
        self.in_multi = False  # what a block did before is not known

    # -- pieces --

    def chance(self, p):
        return self.rng.random() < p

    def key(self):
        return self.rng.choice(["s1", "s1", "s1", "s2", "s2", "s3"])

    def keys(self, n):
        return [self.key() for _ in range(n)]

    def small_id(self, plain=False, read=False):
        r = self.rng
        x = r.random()
        if not plain and x < 0.04:
            return r.choice(READ_BAD_IDS if read else BAD_IDS)
        if x < 0.06:
            return r.choice(EDGE_IDS)
        if x < 0.12:
            return str(r.randint(0, 12))
        if x < 0.15:
            return r.choice(["0", "0-0", "0-1"])
        return "%d-%d" % (r.randint(0, 12), r.randint(0, 3))

    def range_id(self, low):
        r = self.rng
        x = r.random()
        if x < 0.2:
            return "-" if low else "+"
        if x < 0.25:
            return "+" if low else "-"
        i = self.small_id()
        if self.chance(0.25):
            i = "(" + i
        return i

    def num(self, lo, hi):
        if self.chance(0.03):
            return self.rng.choice(BAD_NUMS)
        return str(self.rng.randint(lo, hi))

    def next_id(self, key):
        ms, seq = self.m.last.get(key, (0, 0))
        x = self.rng.random()
        if x < 0.5:
            return "%d-%d" % (ms, seq + 1)
        if x < 0.75:
            return "%d-%d" % (ms + self.rng.randint(1, 2), self.rng.randint(0, 2))
        if x < 0.85:
            return "%d-*" % (ms + self.rng.randint(0, 1))
        if x < 0.9:
            return "%d" % (ms + 1)
        return self.small_id()

    def trim_args(self, allow_limit=True):
        r = self.rng
        args = [r.choice(["MAXLEN", "MINID"])]
        op = r.choice(["", "=", "~", "~"])
        if op:
            args.append(op)
        if args[0] == "MAXLEN":
            args.append(self.num(0, 12))
        else:
            args.append(self.small_id())
        if allow_limit and (op == "~" or self.chance(0.1)) and self.chance(0.5):
            args += ["LIMIT", self.num(0, 8)]
        return args

    def fields(self):
        r = self.rng
        n = r.choice([1, 1, 2, 3])
        out = []
        for i in range(n):
            out += [r.choice(["f", "a", "b", "f%d" % i, "1", ""]), r.choice(VALUES)
                    if self.chance(0.8) else "x" * r.choice([0, 1, 20, 63, 64, 65, 300])]
        return out

    def ensure(self, key, group, consumer):
        """XGROUP CREATECONSUMER first unless the consumer is known to exist
        (7.2+ creates consumers where 7.0 did not; see the module comment)."""
        if (key, group, consumer) in self.m.consumers and not self.in_multi:
            return []
        return [["XGROUP", "CREATECONSUMER", key, group, consumer]]

    # -- commands --

    def c_xadd(self):
        r = self.rng
        k = self.key()
        args = ["XADD", k]
        opts = []
        if self.chance(0.1):
            opts.append(["NOMKSTREAM"])
        if self.chance(0.3) and not self.lossless:
            opts.append(self.trim_args())
        r.shuffle(opts)
        for o in opts:
            args += o
        args.append(self.next_id(k))
        args += self.fields()
        return [args]

    def c_range(self):
        r = self.rng
        name = r.choice(["XRANGE", "XREVRANGE"])
        a, b = self.range_id(True), self.range_id(False)
        if name == "XREVRANGE":
            a, b = b, a
        args = [name, self.key(), a, b]
        if self.chance(0.4):
            args += ["COUNT", r.choice(["0", "-1", "1", "2", "3", "10"]) if self.chance(0.9)
                     else self.num(0, 5)]
        return [args]

    def c_simple(self):
        r = self.rng
        x = r.random()
        if x < 0.3:
            return [["XLEN", self.key()]]
        if x < 0.55 and self.lossless:
            return [["XRANGE", self.key(), "-", "+"]]
        if x < 0.55:
            return [["XDEL", self.key()] + [self.small_id() for _ in range(r.randint(1, 3))]]
        if x < 0.75 and not self.lossless:
            return [["XTRIM", self.key()] + self.trim_args()]
        if x < 0.82:
            return [["TYPE", self.key()]]
        if x < 0.88:
            return [["EXISTS"] + self.keys(r.randint(1, 3))]
        if x < 0.91:
            k = r.choice(["s3", "s3", "s2", "s2", "s1"])
            return [["DEL", k]]
        if x < 0.94:
            y = r.random()
            if y < 0.4:
                return [[r.choice(["RENAME", "RENAMENX"]), self.key(), self.key()]]
            if y < 0.6:
                return [["OBJECT", "ENCODING", self.key()]]
            if y < 0.8:
                # (no GT: see c_keys)
                return [["EXPIRE", self.key(), "100000"] + r.choice([[], ["NX"], ["XX"]])]
            return [["PERSIST", self.key()]]
        k = r.choice(["s3"] * 9 + ["s2"])
        return [["SET", k, "str"]]

    def c_xsetid(self):
        r = self.rng
        k = self.key()
        if self.chance(0.7):
            ms, seq = self.m.last.get(k, (0, 0))
            i = "%d-%d" % (ms + r.randint(0, 1), seq + r.randint(0, 2))
        else:
            i = self.small_id()
        args = ["XSETID", k, i]
        if self.chance(0.3) and not self.lossless:
            args += ["ENTRIESADDED", self.num(0, 20)]
        if self.chance(0.3) and not self.lossless:
            args += ["MAXDELETEDID", self.small_id()]
        return [self.xsetid_floor(args)]

    def xsetid_floor(self, args):
        """Raises an XSETID's ID that parses below the key's max-deleted ID
        (which 7.2+ refuses and 7.0 takes) to it, asking the reference."""
        if len(args) < 3 or str(args[0]).upper() != "XSETID":
            return args
        parsed = parse_id(args[2])
        info = self.peek(["XINFO", "STREAM", args[1]])
        if parsed is not None and isinstance(info, list):
            maxdel = parse_id(dict(_pairs(info)).get(b"max-deleted-entry-id", b"0-0").decode())
            if maxdel is not None and parsed < maxdel:
                args[2] = "%d-%d" % maxdel
        return args

    def c_xread(self):
        r = self.rng
        ks = self.keys(r.randint(1, 3))
        ids = [("$" if self.chance(0.15) else self.small_id(read=True)) for _ in ks]
        args = ["XREAD"]
        if self.in_multi and self.chance(0.3):
            # inside MULTI a read never blocks: it answers at once
            args += ["BLOCK", r.choice(["0", "100"])]
        elif self.chance(0.01):
            # served at once, or a timeout after 1 ms (nothing else writes;
            # rare: a server notices a timeout only on its next tick)
            args += ["BLOCK", "1"]
        if self.chance(0.4):
            args += ["COUNT", r.choice(["0", "-1", "1", "2"]) if self.chance(0.9) else self.num(0, 3)]
        return [args + ["STREAMS"] + ks + ids]

    def c_xgroup(self):
        r = self.rng
        k, g = self.key(), r.choice(GROUPS)
        x = r.random()
        if x < 0.35:
            args = ["XGROUP", "CREATE", k, g, "$" if self.chance(0.3) else self.small_id()]
            opts = []
            if self.chance(0.5):
                opts.append(["MKSTREAM"])
            if self.chance(0.03 if self.lossless else 0.3):
                opts.append(["ENTRIESREAD", self.num(-1, 12)])
            r.shuffle(opts)
            for o in opts:
                args += o
            return [args]
        if x < 0.55:
            args = ["XGROUP", "SETID", k, g, "$" if self.chance(0.3) else self.small_id()]
            if self.chance(0.03 if self.lossless else 0.4):
                args += ["ENTRIESREAD", self.num(-1, 12)]
            return [args]
        if x < 0.6:
            return [["XGROUP", "DESTROY", k, g]]
        if x < 0.85:
            return [["XGROUP", "CREATECONSUMER", k, g, r.choice(CONSUMERS)]]
        return [["XGROUP", "DELCONSUMER", k, g, r.choice(CONSUMERS)]]

    def c_xreadgroup(self):
        r = self.rng
        g, c = r.choice(GROUPS), r.choice(CONSUMERS)
        ks = self.keys(r.choice([1, 1, 1, 2, 3]))
        ids = [(">" if self.chance(0.65) else self.small_id(read=True)) for _ in ks]
        opts = []
        if self.chance(0.5):
            opts.append(["COUNT", r.choice(["0", "-1", "1", "2", "3"]) if self.chance(0.9)
                         else self.num(0, 3)])
        if self.chance(0.2):
            opts.append(["NOACK"])
        if self.in_multi and self.chance(0.3):
            opts.append(["BLOCK", r.choice(["0", "100"])])
        elif self.chance(0.01):
            opts.append(["BLOCK", "1"])  # (see c_xread)
        r.shuffle(opts)
        args = ["XREADGROUP", "GROUP", g, c]
        for o in opts:
            args += o
        pre = []
        if len(ks) == 1 and ids == [">"] and not self.in_multi and self.chance(0.5) and \
                self.will_serve(ks[0], g):
            # a read that serves creates its consumer in 7.0 too
            return [args + ["STREAMS"] + ks + ids]
        for k in dict.fromkeys(ks):
            pre += self.ensure(k, g, c)
        return pre + [args + ["STREAMS"] + ks + ids]

    def will_serve(self, key, group):
        """Whether XREADGROUP ... > on key serves an entry (the reference,
        asked without side effects: the group's last ID, then XRANGE)."""
        groups = self.peek(["XINFO", "GROUPS", key])
        if not isinstance(groups, list):
            return False
        for gr in groups:
            d = dict(_pairs(gr))
            if d.get(b"name") == group.encode():
                last = d[b"last-delivered-id"].decode()
                after = self.peek(["XRANGE", key, "(" + last, "+", "COUNT", "1"])
                return isinstance(after, list) and len(after) == 1
        return False

    def c_xack(self):
        k, g = self.key(), self.rng.choice(GROUPS)
        return [["XACK", k, g] + [self.small_id() for _ in range(self.rng.randint(1, 3))]]

    def c_xpending(self):
        r = self.rng
        k, g = self.key(), r.choice(GROUPS)
        if self.chance(0.3):
            return [["XPENDING", k, g]]
        args = ["XPENDING", k, g]
        if self.chance(0.3):
            args += ["IDLE", r.choice(IDLES)]
        args += [self.range_id(True), self.range_id(False), r.choice(["1", "2", "10", "0", "-1"])]
        if self.chance(0.4):
            args.append(r.choice(CONSUMERS))
        return [args]

    def c_xclaim(self):
        r = self.rng
        k, g, c = self.key(), r.choice(GROUPS), r.choice(CONSUMERS)
        args = ["XCLAIM", k, g, c, r.choice(IDLES)]
        args += [self.small_id() for _ in range(r.randint(1, 3))]
        opts = []
        if self.chance(0.2):
            opts.append(["IDLE", r.choice(CLAIM_IDLES)])
        if self.chance(0.15):
            opts.append(["TIME", r.choice(CLAIM_TIMES)])
        if self.chance(0.25):
            opts.append(["RETRYCOUNT", self.num(0, 5)])
        if self.chance(0.3):
            opts.append(["FORCE"])
        if self.chance(0.3):
            opts.append(["JUSTID"])
        if self.chance(0.02 if self.lossless else 0.2):
            opts.append(["LASTID", self.small_id()])
        r.shuffle(opts)
        for o in opts:
            args += o
        return self.ensure(k, g, c) + [args]

    def c_xautoclaim(self):
        r = self.rng
        k, g, c = self.key(), r.choice(GROUPS), r.choice(CONSUMERS)
        args = ["XAUTOCLAIM", k, g, c, r.choice(["0", "0", "500000"]), self.range_id(True)]
        opts = []
        if self.chance(0.4):
            opts.append(["COUNT", r.choice(["1", "2", "5", "0", "-1"]) if self.chance(0.9)
                         else self.num(1, 3)])
        if self.chance(0.3):
            opts.append(["JUSTID"])
        r.shuffle(opts)
        for o in opts:
            args += o
        return self.ensure(k, g, c) + [args]

    def c_xinfo(self):
        r = self.rng
        k = self.key()
        x = r.random()
        if x < 0.3:
            return [["XINFO", "STREAM", k]]
        if x < 0.5:
            args = ["XINFO", "STREAM", k, "FULL"]
            if self.chance(0.4):
                args += ["COUNT", r.choice(["0", "1", "2", "-1", "10", "100"])]
            return [args]
        if x < 0.75:
            return [["XINFO", "GROUPS", k]]
        if x < 0.77:
            return [[r.choice(["XINFO", "XGROUP"]), "HELP"]]
        return [["XINFO", "CONSUMERS", k, r.choice(GROUPS)]]

    def c_keys(self):
        """Key-level commands on the stream keys: deletion, databases,
        expiry (TTL-like replies through norm_clock), type errors of string
        commands, keyspace listings."""
        r = self.rng
        k = self.key()
        x = r.random()
        if x < 0.12:
            return [[r.choice(["DEL", "UNLINK"])] + self.keys(r.randint(1, 3))]
        if x < 0.2:
            # the facts of database 0 move to database 1 and back (Model.swap_db)
            return [["SWAPDB"] + r.choice([["0", "1"], ["1", "0"], ["0", "0"], ["0", "16"],
                                           ["0", "x"]])]
        if x < 0.3:
            return [[r.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), k]]
        if x < 0.4:
            y = r.random()
            # GT and LT only with absolute times: a relative one given
            # twice compares two clock readings
            if y < 0.3:
                return [["PEXPIRE", k, "100000000"] + r.choice([[], ["NX"], ["XX"]])]
            if y < 0.6:
                return [["EXPIREAT", k, r.choice(["4000000000", "5000000000"])] +
                        r.choice([[], ["NX"], ["XX"], ["LT"], ["GT"]])]
            if y < 0.75:
                return [["EXPIREAT", k, "4000000000", r.choice(["NX", "XX", "GT", "LT", "FOO"]),
                         r.choice(["NX", "XX", "GT", "LT"])]]
            # deletes the key at once (rare: streams are what is explored;
            # never a TTL that runs out during the round)
            return [r.choice([["EXPIRE", k, r.choice(["0", "-5"])], ["PEXPIRE", k, "-1"],
                              ["EXPIREAT", k, r.choice(["1", "0"])]])]
        if x < 0.55:
            return [[r.choice(["GET", "GETDEL", "STRLEN", "INCR"]), k]] if self.chance(0.7) \
                else [["APPEND", k, "x"]]
        if x < 0.65:
            # (not REFCOUNT inside MULTI: while EXEC runs, Redis's queued
            # arguments still hold the values SET stored from them, counting
            # 2; an artefact of its object sharing that streamd does not copy)
            subs = ["IDLETIME", "ENCODING", "FREQ"] + ([] if self.in_multi else ["REFCOUNT"])
            return [["OBJECT", r.choice(subs), k]]
        if x < 0.75:
            # (SCAN with a COUNT above the key count: one page, whatever
            # the hash tables' sizes)
            return [r.choice([["KEYS", "*"], ["KEYS", "s[12]"], ["DBSIZE"],
                              ["SCAN", "0", "COUNT", "1000"],
                              ["SCAN", "0", "TYPE", "stream", "COUNT", "1000"],
                              ["SCAN", "0", "COUNT", "1000", "TYPE", "string"],
                              ["SCAN", "0", "MATCH", "s*", "COUNT", "1000"]])]
        if x < 0.85:
            return [["TYPE", k]]
        if x < 0.95:
            src = "s4" if self.chance(0.2) else k
            dst = r.choice(["s1", "s2", "s3", "s4"])
            y = r.random()
            if y < 0.15:
                # a stream copied whole (groups, pending entries, consumers)
                return [["COPY", src, dst] + r.choice([[], ["REPLACE"], ["DB", "1"],
                                                       ["DB", "1", "REPLACE"], ["DB", "0"]])]
            if y < 0.25:
                return [["MOVE", src, r.choice(["1", "1", "0", "16"])]]
            return [[r.choice(["RENAME", "RENAMENX"]), src, dst]]
        if x < 0.97:
            return [["MSET", r.choice(["s3", "s4"]), "str"]]
        y = r.random()
        if y < 0.3:
            return [["FLUSHDB"]]
        if y < 0.6:
            # new nodes from now on are cut at another size (the round's
            # own size comes back with the next round)
            return [["CONFIG", "SET", "stream-node-max-entries", r.choice(["1", "2", "4", "100"])]]
        return [["EXISTS", "s4"]]

    def c_tokens(self):
        """A stream command with words drawn from a pool of its own words:
        argument parsing in every order and arity. Kept out: "*" IDs (the
        clock), BLOCK, "+" as a read ID (7.4), XSETID below the max-deleted
        ID (7.2+), XPENDING IDLE values, and the commands that create
        consumers in 7.2+ only (XREADGROUP, XCLAIM, XAUTOCLAIM)."""
        r = self.rng
        name = r.choice(["XADD", "XRANGE", "XREVRANGE", "XLEN", "XDEL", "XTRIM", "XGROUP",
                         "XINFO", "XACK", "XPENDING", "XREAD"])
        pool = ["s1", "s2", "s3", "g1", "g2", "c1", "0", "1", "3", "-1", "1-1", "2-0", "0-0", "-",
                "$", ">", "COUNT", "STREAMS", "FULL", "MAXLEN", "MINID", "~", "=", "LIMIT",
                "NOMKSTREAM", "ENTRIESREAD", "MKSTREAM", "CREATE", "SETID", "DESTROY",
                "CREATECONSUMER", "DELCONSUMER", "STREAM", "GROUPS", "CONSUMERS", "HELP", "f",
                "v", "GROUP", "NOACK", "18446744073709551615-18446744073709551615", "1.5", ""]
        if name != "XREAD":
            pool.append("+")
        args = [name] + [r.choice(pool) for _ in range(r.randint(0, 6))]
        return [args]

    KINDS = [
        ("c_xadd", 26), ("c_range", 8), ("c_simple", 10), ("c_xsetid", 2), ("c_xread", 6),
        ("c_xgroup", 8), ("c_xreadgroup", 12), ("c_xack", 5), ("c_xpending", 5),
        ("c_xclaim", 6), ("c_xautoclaim", 4), ("c_xinfo", 8), ("c_keys", 4), ("c_tokens", 3),
    ]

    def one(self, in_multi=False):
        """A list of commands (a step; helpers such as CREATECONSUMER first)."""
        self.in_multi = in_multi
        kinds = [k for k in self.KINDS if not (in_multi and k[0] == "c_xsetid") and
                 not (self.lossless and k[0] == "c_tokens")]
        name = self.rng.choices([k[0] for k in kinds], [k[1] for k in kinds])[0]
        cmds = getattr(self, name)()
        # (an XREADGROUP without its CREATECONSUMER must stay one that serves)
        last = cmds[-1]
        if self.chance(0.08) and not (last[0] == "XREADGROUP" and len(cmds) == 1 and
                                      (last[-2], last[2], last[3]) not in self.m.consumers):
            # (a mutated XSETID ID, "+1" say, must stay above the max-deleted ID)
            cmds[-1] = self.xsetid_floor(self.mutate(cmds[-1]))
        last = cmds[-1]
        if self.chance(0.05) and last and str(last[0]).upper().startswith("X") and \
                not any(str(a).upper() == "BLOCK" for a in last):
            cmds[-1] = scripted(last)
        return cmds

    def mutate(self, args):
        """One malformation of a command (arity, values, options). The words
        up to the consumer of XREADGROUP/XCLAIM/XAUTOCLAIM stay as they are:
        a consumer that only a malformed command names would be created by
        7.2+ where 7.0 does not (see the module comment); so does the
        min-idle-time of XCLAIM/XAUTOCLAIM and XPENDING's IDLE, which must
        keep their clock-proof values (IDLES)."""
        r = self.rng
        args = list(args)
        first = {"XREADGROUP": 4, "XCLAIM": 5, "XAUTOCLAIM": 5}.get(args[0], 2)
        x = r.random()
        if args[0] == "XPENDING" and "IDLE" in args:
            x = min(x, 0.549)  # no swap or repeat: a count would become an idle time
        if x < 0.2 and len(args) > 1:
            return args[:r.randint(1, len(args) - 1)]
        if x < 0.35:
            args.insert(r.randint(min(first, len(args)), len(args)), r.choice(UNKNOWN))
            return args
        # XREADGROUP's keys stay too: a key that only a malformed read names
        # (another key renamed to a word of the bad-values pool) has groups
        # whose consumers were never created first
        keep = set()
        if args[0] == "XREADGROUP" and "STREAMS" in args:
            at = args.index("STREAMS")
            keep = set(range(at + 1, at + 1 + (len(args) - at - 1) // 2))
        if x < 0.55 and len(args) > first and not keep:
            i = r.randint(first, len(args) - 1)
            read = args[0] in ("XREAD", "XREADGROUP")
            args[i] = r.choice((READ_BAD_IDS if read else BAD_IDS) + BAD_NUMS)
            return args
        if x < 0.7 and len(args) > first + 1:
            # an option word and its value repeated
            i = r.randint(first, len(args) - 1)
            args += args[i:i + 2]
            return args
        if x < 0.55 and keep and len(args) > first + len(keep):
            i = r.choice([i for i in range(first, len(args)) if i not in keep])
            args[i] = r.choice(READ_BAD_IDS + BAD_NUMS)
            return args
        if x < 0.85 and len(args) > first + 1 and not keep:
            i, j = r.sample(range(first, len(args)), 2)
            args[i], args[j] = args[j], args[i]
            return args
        if x < 0.9 and len(args) > first:
            # every option word and the command in lower case
            return [a.lower() if a.isalpha() and a.isupper() else a for a in args]
        if x < 0.95 and len(args) > first:
            i = r.randint(first, len(args) - 1)
            # (a BLOCK past the clock's range is refused since 7.2 only)
            if args[i].lstrip("-").isdigit() and args[i - 1].upper() != "BLOCK":
                # XAUTOCLAIM's COUNT sizes an allocation in Redis, which
                # answers per the machine's allocator between 2^31 and
                # LONG_MAX/16; streamd refuses above 2^31 (src/cmd/group.c)
                big = XAUTOCLAIM_COUNTS if args[0] == "XAUTOCLAIM" else BIG_COUNTS
                if args[i - 1].upper() == "RETRYCOUNT":
                    # a delivery count of LLONG_MAX stays there in streamd
                    # (as XNACK FATAL's, Redis 8.8) where 7.0 goes on
                    # counting past it, answering negative counts
                    big = [b for b in big if b != "9223372036854775807"]
                args[i] = r.choice(big)
                return args
        args[0] = args[0].lower()
        if len(args) > 1:
            args[1] = args[1].lower()
        return args


def _part(p):
    """One half of an ID as Redis's string2ull reads it (strtoull: leading
    blanks and a '+' are accepted), or None."""
    t = p.lstrip(" \t\n\v\f\r")
    if t.startswith("+"):
        t = t[1:]
    if not t.isdigit() or not t.isascii():
        return None
    v = int(t)
    return v if v < 2**64 else None


def parse_id(s):
    """An explicit ID as the servers read it, as (ms, seq), or None."""
    ms, sep, seq = s.partition("-")
    a = _part(ms)
    b = _part(seq) if sep else 0
    return None if a is None or b is None else (a, b)


# ---- the runner --------------------------------------------------------------------


def first_difference(a, b, path=()):
    """The path to the first place where two canon() forms differ, and the
    two values there."""
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, path + (i,))
    return "%r: %r vs %r" % (path, a, b) if a != b else "none"


class Mismatch(AssertionError):
    pass


class Runner:
    def __init__(self, server, ref_server):
        self.pairs = []
        for resp in (2, 3):
            a, b = server.raw(), ref_server.raw()
            if resp == 3:
                a.call("HELLO", "3")
                b.call("HELLO", "3")
            self.pairs.append((a, b))
        self.peek_conn = ref_server.raw()
        # for the blocked reads: INFO and CLIENT UNBLOCK on each server, and
        # the client ID of each connection
        self.status = (server.raw(), ref_server.raw())
        self.ids = [(a.call("CLIENT", "ID"), b.call("CLIENT", "ID")) for a, b in self.pairs]
        self.history = []
        self.stats = {}  # command -> [replies, errors, normalized]

    def close(self):
        for a, b in self.pairs:
            a.close()
            b.close()
        self.peek_conn.close()
        for c in self.status:
            c.close()

    def peek(self, args):
        return self.peek_conn.call(*args)

    def both(self, args):
        for c in (self.pairs[0][0], self.pairs[0][1]):
            c.call(*args)

    def send(self, pair, args, norms):
        """Sends one command to both sides of a pair and compares the replies;
        returns the reference's reply. norms: normalizers of the commands of
        a MULTI block, for EXEC."""
        a, b = self.pairs[pair]
        a.send_cmd(*args)
        b.send_cmd(*args)
        va, ra = a.read_with_raw()
        vb, rb = b.read_with_raw()
        self.history.append("%s%s -> %r" % ("[resp3] " if pair else "", fmt_args(args), rb[:120]))
        st = self.stats.setdefault(args[0].upper(), [0, 0, 0])
        st[0] += 1
        st[1] += isinstance(vb, RespError)
        if ra == rb:
            return vb
        st[2] += 1
        name = args[0].upper()
        if name == "EXEC" and isinstance(va, list) and isinstance(vb, list) \
                and len(va) == len(vb) == len(norms):
            ok = all(canon(n(x) if n else x) == canon(n(y) if n else y)
                     for n, x, y in zip(norms, va, vb))
        else:
            n = normalizer(args)
            masked = self.lag_masked(args) if n in (norm_xinfo_stream, norm_xinfo_groups) \
                else None
            ok = n is not None and canon(n(va, masked)) == canon(n(vb, masked))
        if not ok:
            raise Mismatch("reply differs for %s%s (first difference: %s)\n  streamd: %r\n  redis:   %r\n"
                           "  streamd raw: %r\n  redis raw:   %r\nlast commands:\n  %s"
                           % ("[resp3] " if pair else "", fmt_args(args),
                              first_difference(canon(va), canon(vb)), va, vb, ra[:600],
                              rb[:600], "\n  ".join(self.history[-25:])))
        return vb

    def lag_masked(self, args):
        """Which groups' lag and entries-read to mask (see mask_lag): all of
        them once an entry left the stream (entries-added above the length,
        or a max-deleted ID) or XSETID set the counters (ENTRIESADDED below
        what the groups read), else those placed by other means than reads."""
        if len(args) > 3 and args[0] == "EVAL" and args[1] == SCRIPT_WRAP:
            args = args[3:]
        if len(args) < 3 or args[2] in self.model.facts_set:
            return True
        info = self.peek(["XINFO", "STREAM", args[2]])
        if isinstance(info, list):
            d = dict(_pairs(info))
            if d.get(b"entries-added") != d.get(b"length") or \
                    d.get(b"max-deleted-entry-id") != b"0-0":
                return True
        return {g.encode() for k, g in self.model.moved if k == args[2]}

    def blocked(self, rng, gen, pair):
        """A read that blocks (BLOCK 0) on one connection of a pair while a
        command, mostly an XADD to a key it waits on, comes from the other
        pair; then CLIENT UNBLOCK (compared: was it still blocked?) and the
        read's reply. Nothing depends on time: the read is known to be
        blocked or answered before the command goes. Returns the number of
        commands sent."""
        a, b = self.pairs[pair]
        ks = list(dict.fromkeys(gen.keys(rng.randint(1, 2))))
        n = 0
        if rng.random() < 0.5:
            args = ["XREAD"]
            if rng.random() < 0.3:
                args += ["COUNT", rng.choice(["1", "2"])]
            args += ["BLOCK", "0", "STREAMS"] + ks
            args += ["$" if rng.random() < 0.7 else gen.small_id(plain=True) for _ in ks]
        else:
            g, c = rng.choice(GROUPS), rng.choice(CONSUMERS)
            # mostly a group the first key has (else the read fails at once)
            info = self.peek(["XINFO", "GROUPS", ks[0]])
            names = [n.decode() for n in (dict(_pairs(x)).get(b"name") for x in info)
                     if n is not None] if isinstance(info, list) else []
            if names and g not in names and rng.random() < 0.8:
                g = rng.choice(sorted(names))
            for k in ks:
                for cmd in gen.ensure(k, g, c):
                    self.observe(gen.m, cmd, self.send(pair, cmd, None))
                    n += 1
            args = ["XREADGROUP", "GROUP", g, c]
            if rng.random() < 0.3:
                args += ["COUNT", rng.choice(["1", "2"])]
            if rng.random() < 0.2:
                args.append("NOACK")
            args += ["BLOCK", "0", "STREAMS"] + ks + [">"] * len(ks)
        a.send_cmd(*args)
        b.send_cmd(*args)
        for conn, status in ((a, self.status[0]), (b, self.status[1])):
            deadline = time.monotonic() + 10
            while not (conn.pos < len(conn.buf) or select.select([conn.sock], [], [], 0)[0]
                       or blocked_clients(status) >= 1):
                if time.monotonic() > deadline:
                    raise Mismatch("%s neither answered nor blocked" % fmt_args(args))
                time.sleep(0.0005)
        cmds = None if rng.random() < 0.6 else gen.one()
        if cmds is None or (len(ks) > 1 and any(
                c[0].upper() in ("SWAPDB", "FLUSHDB") for c in cmds)):
            # A command that readies several keys at once (SWAPDB) meets a
            # documented change: 7.2+ runs a woken XREAD again in full (the
            # other keys' entries, or WRONGTYPE for a key now a string),
            # 7.0 served the ready key alone; see test_block_retype.py
            k = rng.choice(ks)
            cmds = [["XADD", k, gen.next_id(k)] + gen.fields()]
        for cmd in cmds:
            self.observe(gen.m, cmd, self.send(1 - pair, cmd, None))
            n += 1
        how = rng.choice([[], [], ["TIMEOUT"], ["ERROR"]])
        unblock = [st.call("CLIENT", "UNBLOCK", str(i), *how) for st, i in zip(self.status,
                                                                              self.ids[pair])]
        va, ra = a.read_with_raw()
        vb, rb = b.read_with_raw()
        self.history.append("%s[blocked] %s -> %r (unblocked: %r)" % (
            "[resp3] " if pair else "", fmt_args(args), rb[:120], unblock[1]))
        if unblock == [1, 0] and (va is None or va == UNBLOCKED) and served_nothing(vb):
            pass  # see served_nothing
        elif unblock[0] != unblock[1] or (ra != rb and canon(norm_blocked(va)) !=
                                          canon(norm_blocked(vb))):
            raise Mismatch("blocked read differs: %s (CLIENT UNBLOCK %r vs %r)\n  streamd: %r\n"
                           "  redis:   %r\nlast commands:\n  %s"
                           % (fmt_args(args), unblock[0], unblock[1], va, vb,
                              "\n  ".join(self.history[-25:])))
        st = self.stats.setdefault("(blocked " + args[0] + ")", [0, 0, 0])
        st[0] += 1
        st[1] += isinstance(vb, RespError)
        st[2] += unblock[1] == 1
        self.observe(gen.m, args, vb)
        return n + 1

    def watch(self, rng, gen, pair):
        """WATCH before a MULTI block, then, mostly, a command that may
        touch a watched key, from the other connection or this one (EXEC
        answers nil if it did). Returns the number of commands sent."""
        n = 1
        self.send(pair, ["WATCH"] + gen.keys(rng.randint(1, 2)), None)
        if rng.random() < 0.8:
            other = 1 - pair if rng.random() < 0.7 else pair
            for args in gen.one():
                reply = self.send(other, args, None)
                self.observe(gen.m, args, reply)
                n += 1
        if rng.random() < 0.1:
            self.send(pair, ["UNWATCH"], None)
            n += 1
        return n

    def observe(self, m, args, reply):
        """Updates the model from a command and the reference's reply."""
        if len(args) > 3 and args[0] == "EVAL" and args[1] == SCRIPT_WRAP:
            args = args[3:]  # the command the script ran; its reply is the same
        name = args[0].upper()
        if isinstance(reply, RespError):
            return
        if name == "XADD" and isinstance(reply, bytes):
            p = parse_id(reply.decode())
            if p:
                m.last[args[1]] = p
        elif name == "XSETID":
            p = parse_id(args[2])
            if p:
                m.last[args[1]] = p
            if len(args) > 3:
                m.facts_set.add(args[1])
        elif name in ("DEL", "UNLINK"):
            for k in args[1:]:
                m.forget_key(k)
        elif name in ("SET", "GETDEL", "INCR", "APPEND", "MSET") and len(args) > 1:
            m.forget_key(args[1])
        elif name in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT") and reply == 1 and \
                self.peek(["EXISTS", args[1]]) == 0:
            m.forget_key(args[1])  # a time in the past deletes the key
        elif name == "SWAPDB" and args[1:] in (["0", "1"], ["1", "0"]):
            m.swap_db()
        elif name == "FLUSHDB":
            m.flush()
        elif name in ("RENAME", "RENAMENX") and len(args) == 3 and reply != 0:
            m.rename(args[1], args[2])
        elif name == "COPY" and reply == 1:
            up = [a.upper() for a in args]
            if "DB" in up and up.index("DB") + 1 < len(args) and args[up.index("DB") + 1] == "1":
                m.copy_to_other_db(args[1], args[2])
            else:
                m.copy(args[1], args[2])
        elif name == "MOVE" and reply == 1:
            m.copy_to_other_db(args[1], args[1])
            m.forget_key(args[1])
        elif name == "XGROUP" and len(args) >= 4:
            sub = args[1].upper()
            if sub == "CREATECONSUMER" and len(args) == 5 and isinstance(reply, int):
                m.consumers.add((args[2], args[3], args[4]))
            elif sub == "DELCONSUMER" and len(args) == 5:
                m.consumers.discard((args[2], args[3], args[4]))
            elif sub in ("DESTROY", "CREATE"):
                m.forget_group(args[2], args[3])
                if "ENTRIESREAD" in [a.upper() for a in args]:
                    m.moved.add((args[2], args[3]))
            elif sub == "SETID" and "ENTRIESREAD" in [a.upper() for a in args]:
                m.moved.add((args[2], args[3]))
        elif name == "XCLAIM" and "LASTID" in [a.upper() for a in args]:
            m.moved.add((args[1], args[2]))

    def round(self, seed, steps, node_entries, lossless=False):
        rng = random.Random(seed)
        gen = Gen(rng, self.peek, lossless)
        self.model = gen.m
        self.history = []
        self.both(["FLUSHALL"])
        self.both(["CONFIG", "SET", "stream-node-max-entries", str(node_entries)])
        self.both(["CONFIG", "SET", "stream-node-max-bytes", NODE_BYTES])
        done = 0
        while done < steps:
            pair = 1 if rng.random() < 0.25 else 0
            if rng.random() < 0.02:
                done += self.blocked(rng, gen, pair)
                continue
            if rng.random() < 0.06:
                if rng.random() < 0.4:
                    done += self.watch(rng, gen, pair)
                cmds = [["MULTI"]]
                for _ in range(rng.randint(1, 4)):
                    cmds += gen.one(in_multi=True)
                if rng.random() < 0.08:
                    # refused at once (nested MULTI, WATCH inside MULTI,
                    # an unknown command: the last two abort the EXEC)
                    cmds.insert(rng.randint(1, len(cmds)), rng.choice(
                        [["MULTI"], ["WATCH", "s1"], ["XFOO", "s1"], ["XINFO"]]))
                cmds.append(["EXEC"] if rng.random() < 0.9 else ["DISCARD"])
                norms = []
                queued = []
                for args in cmds:
                    reply = self.send(pair, args, norms)
                    if reply == b"QUEUED":
                        norms.append(normalizer(args))
                        queued.append(args)
                if isinstance(reply, list):
                    for args, rep in zip(queued, reply):
                        self.observe(gen.m, args, rep)
                # the consumers are not tracked through blocks (ensure()
                # always creates them there): forget them
                gen.m.consumers.clear()
                done += len(cmds)
                continue
            for args in gen.one():
                reply = self.send(pair, args, None)
                self.observe(gen.m, args, reply)
                done += 1


STEPS = int(os.environ.get("STREAMD_DIFF_STEPS", "12000"))
ROUNDS = int(os.environ.get("STREAMD_DIFF_ROUNDS", "1"))
BASE_SEED = int(os.environ.get("STREAMD_DIFF_SEED", str(random.randrange(1 << 31))))
KEEP_GOING = os.environ.get("STREAMD_DIFF_KEEP_GOING") == "1"


# 0 (no limit) or 1 (one entry per node in both servers); see the module comment
NODE_BYTES = os.environ.get("STREAMD_DIFF_BYTES", "0")
NODES = [int(n) for n in os.environ.get("STREAMD_DIFF_NODES", "4,10,100").split(",")]


@pytest.mark.parametrize("node_entries,lossless", [(n, False) for n in NODES] + [(10, True)])
def test_random_diff(server, ref_server, r, ref, node_entries, lossless):
    seed0 = BASE_SEED * 1000 + node_entries + 500 * lossless
    print("STREAMD_DIFF_SEED=%d steps=%d rounds=%d node-max-entries=%d lossless=%d"
          % (BASE_SEED, STEPS, ROUNDS, node_entries, lossless))
    runner = Runner(server, ref_server)
    failures = []
    t0 = time.monotonic()
    try:
        for i in range(ROUNDS):
            seed = seed0 + i * 7919
            try:
                runner.round(seed, STEPS, node_entries, lossless)
            except Mismatch as e:
                msg = "round seed %d (STREAMD_DIFF_SEED=%d, node-max-entries %d, round %d): %s" % (
                    seed, BASE_SEED, node_entries, i, e)
                if not KEEP_GOING:
                    raise Mismatch(msg) from None
                print(msg)
                failures.append(msg)
                runner.close()
                runner = Runner(server, ref_server)
    finally:
        runner.close()
        for c in (r, ref):
            c.config_set("stream-node-max-entries", 100)
            c.config_set("stream-node-max-bytes", 4096)
    print("%d rounds in %.1fs, %d with mismatches" % (ROUNDS, time.monotonic() - t0,
                                                     len(failures)))
    if os.environ.get("STREAMD_DIFF_STATS") == "1":
        for name, (n, errors, normalized) in sorted(runner.stats.items()):
            print("  %-12s %7d replies %7d errors %7d normalized" % (name, n, errors, normalized))
    assert not failures, "%d rounds with mismatches (first above)" % len(failures)
