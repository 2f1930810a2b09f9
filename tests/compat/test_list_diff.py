"""Lists, differentially against redis-server 7.0: every list command with
its options and its argument errors (in 7.0's order of checks), WRONGTYPE,
empty results, negative and huge indexes, binary-safe and integer-looking
elements, OBJECT ENCODING, RESP2 and RESP3; the blocking pops (served in
FIFO order, woken by pushes, inside MULTI, timeouts); keyspace
notifications; DUMP payloads byte for byte; random command sequences."""

import random

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, Recv

from test_notify_diff import compare

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

WRONG = ["SET str v", "XADD st 1-0 f v"]

PUSH = [
    "LPUSH l a", "LPUSH l b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l", "TYPE l",
    "OBJECT ENCODING l", "LPUSHX nope a", "RPUSHX nope a", "EXISTS nope", "LPUSHX l x y",
    "RPUSHX l z", "LRANGE l 0 -1", "LPUSH l", "RPUSH", "LPUSHX l", "RPUSH l ''",
    ("RPUSH", "l", b"\x00\xff\r\n bin"), "RPUSH l 1 -1 0 007 -0 127 128 4096 -4097 32768",
    "RPUSH l 9223372036854775807 -9223372036854775808 9223372036854775808 1.5 +3",
    "LRANGE l 0 -1", "LLEN l",
] + WRONG + [
    "LPUSH str a", "RPUSH st a", "LPUSHX str a", "RPUSHX st a", "LLEN str", "GET str",
]

POP = [
    "RPUSH l a b c d e f", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 0", "LPOP l 0",
    "LRANGE l 0 -1", "RPOP l 10", "EXISTS l", "LPOP l", "LPOP l 2", "RPOP l 0",
    "RPUSH l a", "LPOP l x y", "LPOP l -1", "LPOP l abc", "RPOP l 9223372036854775808",
    "LPOP l 9223372036854775807", "EXISTS l", "LPOP", "RPOP",
] + WRONG + ["LPOP str", "RPOP st 2", "LPOP str 0", "LPOP str -1"]

RANGE = [
    "RPUSH l a b c d e", "LRANGE l 0 0", "LRANGE l -1 -1", "LRANGE l -100 100",
    "LRANGE l 3 1", "LRANGE l 5 10", "LRANGE l -2 -1", "LRANGE l 1 -2", "LRANGE l -5 -6",
    "LRANGE l 9223372036854775807 -9223372036854775808", "LRANGE l -9223372036854775808 -1",
    "LRANGE l a 1", "LRANGE l 1 b", "LRANGE nope 0 -1", "LRANGE nope a 1", "LRANGE l 0",
    "LINDEX l 0", "LINDEX l -1", "LINDEX l 4", "LINDEX l 5", "LINDEX l -6", "LINDEX l x",
    "LINDEX nope 0", "LINDEX nope x", "LINDEX l 9223372036854775807",
    "LINDEX l -9223372036854775808", "LLEN nope", "LLEN l x",
] + WRONG + ["LRANGE str 0 -1", "LRANGE st a b", "LINDEX str 0", "LINDEX st x", "LLEN st"]

SET_INSERT = [
    "LSET nope 0 x", "LSET nope x x", "RPUSH l a b c", "LSET l 0 A", "LSET l -1 C",
    "LSET l 3 x", "LSET l -4 x", "LSET l x y", "LSET l 1 12345", "LRANGE l 0 -1",
    "LINSERT l BEFORE A z", "LINSERT l after C y", "LINSERT l BEFORE 12345 w",
    "LINSERT l AFTER nothere v", "LINSERT l MIDDLE A v", "LINSERT nope BEFORE a b",
    "LINSERT nope MIDDLE a b", "LRANGE l 0 -1", "LLEN l", "LINSERT l BEFORE A",
] + WRONG + [
    "LSET str 0 x", "LSET st x x", "LINSERT str BEFORE a b", "LINSERT st MIDDLE a b",
]

REM_TRIM = [
    "RPUSH l a b a c a b a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1",
    "LREM l 0 b", "LRANGE l 0 -1", "LREM l 0 nothere", "LREM l x a", "LREM nope 1 a",
    "LREM nope x a", "LREM l -9223372036854775808 a", "EXISTS l",
    "RPUSH l 1 2 3 4 5 6 7 8 9", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l 0 -1",
    "LTRIM l -3 100", "LRANGE l 0 -1", "LTRIM l 2 1", "EXISTS l", "LTRIM nope 0 1",
    "LTRIM nope a 1", "RPUSH l a b c", "LTRIM l a 1", "LTRIM l 0 b", "LTRIM l 5 10",
    "EXISTS l", "RPUSH l a b c", "LTRIM l -100 -3", "LRANGE l 0 -1",
] + WRONG + ["LREM str 0 a", "LREM st x a", "LTRIM str 0 1", "LTRIM st a b"]

LPOS = [
    "RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1",
    "LPOS l c RANK -2", "LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c RANK 2 COUNT 0",
    "LPOS l c RANK -1 COUNT 2", "LPOS l c MAXLEN 3", "LPOS l c MAXLEN 2", "LPOS l c COUNT 0 MAXLEN 7",
    "LPOS l c RANK 4", "LPOS l c RANK 4 COUNT 1", "LPOS l x", "LPOS l x COUNT 1", "LPOS l 1",
    "LPOS l c RANK 0", "LPOS l c RANK x", "LPOS l c COUNT -1", "LPOS l c COUNT x",
    "LPOS l c MAXLEN -1", "LPOS l c MAXLEN x", "LPOS l c FOO 1", "LPOS l c RANK",
    "LPOS l c RANK -9223372036854775808", "LPOS l c RANK -9223372036854775808 COUNT 2",
    "LPOS l c RANK 9223372036854775807", "LPOS l c COUNT 9223372036854775807",
    "LPOS nope a", "LPOS nope a COUNT 1", "LPOS nope a RANK 0", "LPOS l",
] + WRONG + ["LPOS str a", "LPOS st a COUNT 1", "LPOS str a RANK 0"]

MOVE = [
    "RPUSH s a b c", "LMOVE s d LEFT RIGHT", "LMOVE s d right left", "LRANGE s 0 -1",
    "LRANGE d 0 -1", "LMOVE s s LEFT RIGHT", "LRANGE s 0 -1", "LMOVE s s RIGHT LEFT",
    "LMOVE s d LEFT LEFT", "EXISTS s", "LMOVE s d LEFT LEFT", "LMOVE nope d LEFT MIDDLE",
    "LMOVE d d UP LEFT", "RPOPLPUSH d s", "RPOPLPUSH d d", "LRANGE d 0 -1", "LRANGE s 0 -1",
    "RPOPLPUSH nope s", "RPUSH one x", "RPOPLPUSH one one", "LRANGE one 0 -1",
    "LMOVE one one LEFT LEFT", "LMOVE s", "RPOPLPUSH s",
] + WRONG + [
    "LMOVE str d LEFT LEFT", "LMOVE s str LEFT LEFT", "LRANGE s 0 -1", "RPOPLPUSH s st",
    "RPOPLPUSH st s", "LMOVE nope str LEFT LEFT", "RPOPLPUSH nope str",
]

MPOP = [
    "RPUSH a 1 2 3", "RPUSH b x", "LMPOP 2 nope a LEFT", "LMPOP 2 a b RIGHT COUNT 10",
    "LMPOP 2 a b LEFT COUNT 10", "LMPOP 2 a b LEFT", "LMPOP 1 a LEFT", "RPUSH a 1 2 3",
    "LMPOP 0 a LEFT", "LMPOP -1 a LEFT", "LMPOP x a LEFT", "LMPOP 1 a MIDDLE",
    "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1", "LMPOP 1 a LEFT COUNT x",
    "LMPOP 1 a LEFT COUNT 1 COUNT 2", "LMPOP 1 a LEFT FOO", "LMPOP 1 a LEFT COUNT",
    "LMPOP 2 a LEFT", "LMPOP 3 a LEFT", "LMPOP 9223372036854775807 a LEFT",
    "LMPOP 1 a left count 2", "LRANGE a 0 -1", "LMPOP 1 a", "LMPOP 1",
] + WRONG + [
    "LMPOP 2 str a LEFT", "LMPOP 2 nope st LEFT", "LMPOP 2 a str LEFT", "LRANGE a 0 -1",
]

NONBLOCKING_BLOCKERS = [
    "RPUSH a 1 2 3 4", "BLPOP nope a 0", "BRPOP a 0", "BLPOP a 0.5", "BRPOP nope a 1",
    "RPUSH a 1 2 3", "BLMPOP 0 2 nope a LEFT COUNT 2", "BLMPOP 0 1 a RIGHT COUNT 5",
    "RPUSH a 1 2 3", "BLMOVE a b LEFT RIGHT 0", "BRPOPLPUSH a b 0", "LRANGE b 0 -1",
    "RPUSH a 1 2 3 4 5 6 7 8 9", "BLPOP a x", "BLPOP a -1", "BLPOP a -0.001", "BLPOP a inf", "BLPOP a nan", "BLPOP a 1e100",
    "BLPOP a ''", "BLPOP a ' 1'", "BLPOP a 1x", "BLPOP a 0x10", "BLPOP a", "BLPOP",
    "BLMOVE a b LEFT MIDDLE 0", "BLMOVE a b LEFT LEFT x", "BLMOVE a b LEFT MIDDLE x",
    "BRPOPLPUSH a b x", "BRPOPLPUSH a b -1", "BLMPOP x 1 a LEFT", "BLMPOP 0 0 a LEFT",
    "BLMPOP -1 1 a LEFT", "BLMPOP x 0 a LEFT", "BLMPOP 0 1 a MIDDLE", "BLMPOP 0 1 a LEFT COUNT 0",
    "BLMPOP 0 2 a LEFT", "BLMPOP 0 1 a", "BLMPOP 0 1 a LEFT COUNT 1 COUNT 1",
] + WRONG + [
    "BLPOP str 0", "BLPOP nope st 0", "BLPOP a str 0", "BRPOP st 1", "BLMOVE str a LEFT LEFT 0",
    "RPUSH a x", "BLMOVE a str LEFT LEFT 0", "BRPOPLPUSH st a 0", "BLMPOP 0 2 nope str LEFT",
    "LRANGE a 0 -1",
]

MULTI = [
    "MULTI", "BLPOP nope 0", "BRPOP nope 1", "BLMOVE nope d LEFT LEFT 0", "BRPOPLPUSH nope d 0",
    "BLMPOP 0 1 nope LEFT", "RPUSH a 1 2", "BLPOP a 0", "BLMOVE a d LEFT RIGHT 0",
    "LPUSH x v", "LRANGE x 0 -1", "LINSERT x BEFORE v w", "LPOS x w", "LREM x 0 w",
    "LTRIM x 0 0", "LSET x 0 z", "LMPOP 1 x LEFT", "EXEC", "LRANGE d 0 -1", "EXISTS a x",
]

CONFIG = [
    "CONFIG GET list-max-listpack-size", "CONFIG GET list-max-ziplist-size",
    "CONFIG GET list-compress-depth", "CONFIG SET list-max-listpack-size -6",
    "CONFIG GET list-max-ziplist-size", "CONFIG SET list-max-ziplist-size 100000",
    "CONFIG GET list-max-listpack-size", "CONFIG SET list-max-listpack-size abc",
    "CONFIG SET list-max-listpack-size 9999999999", "CONFIG SET list-max-listpack-size 1.5",
    "CONFIG SET list-compress-depth -1", "CONFIG SET list-compress-depth abc",
    "CONFIG SET list-compress-depth 70000", "CONFIG GET list-compress-depth",
    "RPUSH l a b c", "LRANGE l 0 -1", "CONFIG SET list-compress-depth 0",
    "CONFIG SET list-max-listpack-size -2",
]

# Which list commands touch a WATCHed key (EXEC answers nil) and which not
WATCH = []
for cmd in ["LTRIM k 0 -1", "LTRIM k 5 1", "LREM k 0 zz", "LREM k 1 a", "LINSERT k BEFORE zz x",
            "LINSERT k BEFORE a x", "LSET k 0 q", "LPUSHX k y", "LPUSHX nope y", "LPOP nope",
            "LPOP k 0", "RPOP k", "LMOVE nope k LEFT LEFT", "LMOVE k k LEFT LEFT",
            "LPOS k a", "LRANGE k 0 -1", "LMPOP 1 nope LEFT", "BLPOP k 0"]:
    WATCH += ["DEL k", "RPUSH k a b c", "WATCH k", cmd, "MULTI", "PING", "EXEC"]

SCRIPTS = {"push": PUSH, "pop": POP, "range": RANGE, "set_insert": SET_INSERT,
           "rem_trim": REM_TRIM, "lpos": LPOS, "move": MOVE, "mpop": MPOP,
           "blockers_nonblocking": NONBLOCKING_BLOCKERS, "multi": MULTI, "watch": WATCH,
           "config": CONFIG}


@pytest.mark.parametrize("script", list(SCRIPTS.values()), ids=list(SCRIPTS))
def test_lists(diff, script):
    diff.run(["FLUSHALL"] + script)
    diff.run(["FLUSHALL"] + script, resp=3)


def test_scripts_never_block(diff):
    diff.run([
        "FLUSHALL", "EVAL \"return redis.call('blpop', 'nope', 0)\" 0",
        "EVAL \"return redis.call('brpop', 'nope', 1)\" 0",
        "EVAL \"return redis.call('blmove', 'nope', 'd', 'left', 'left', 0)\" 0",
        "EVAL \"return redis.call('brpoplpush', 'nope', 'd', 0)\" 0",
        "EVAL \"return redis.call('blmpop', 0, 1, 'nope', 'left')\" 0",
        "RPUSH a 1 2", "EVAL \"return redis.call('blpop', 'a', 0)\" 0",
        "EVAL \"return redis.call('lpop', 'a')\" 0", "EVAL \"return redis.call('lpop', 'a')\" 0",
    ])


BLOCKING = {
    # FIFO per key: the first to block is served first, one element each
    "fifo": [
        Call("BLPOP k 0", client=1, wait=False), Call("BRPOP k 0", client=2, wait=False),
        "RPUSH k a b c", Recv(client=1), Recv(client=2), "LRANGE k 0 -1",
    ],
    # a push of one element serves one client; the next push the next client
    "one_each": [
        Call("BLPOP k 0", client=1, wait=False), Call("BLPOP k 0", client=2, wait=False),
        "LPUSH k a", Recv(client=1), "EXISTS k", "RPUSH k b", Recv(client=2), "EXISTS k",
    ],
    # several keys: the key pushed to serves, its name in the reply
    "many_keys": [
        Call("BLPOP k1 k2 k3 0", client=1, wait=False), "SET other v", "RPUSH k3 x y",
        Recv(client=1), "LRANGE k3 0 -1",
    ],
    "blmpop": [
        Call("BLMPOP 0 2 k1 k2 RIGHT COUNT 2", client=1, wait=False), "RPUSH k2 a b c",
        Recv(client=1), "LRANGE k2 0 -1",
        Call("BLMPOP 0 1 k1 LEFT", client=1, wait=False), "RPUSH k1 a b c", Recv(client=1),
    ],
    "blmove": [
        Call("BLMOVE src dst RIGHT LEFT 0", client=1, wait=False), "RPUSH src a b",
        Recv(client=1), "LRANGE src 0 -1", "LRANGE dst 0 -1",
        Call("BRPOPLPUSH empty dst 0", client=1, wait=False), "LPUSH empty z", Recv(client=1),
        "LRANGE dst 0 -1", "EXISTS empty",
    ],
    # the moved element wakes a client blocked on the destination
    "chain": [
        Call("BLPOP dst 0", client=2, wait=False),
        Call("BLMOVE src dst LEFT LEFT 0", client=1, wait=False), "RPUSH src a",
        Recv(client=1), Recv(client=2), "EXISTS src dst",
    ],
    # rotation on the same key while blocked
    "rotate": [
        Call("BLMOVE r r LEFT RIGHT 0", client=1, wait=False), "RPUSH r a", Recv(client=1),
        "LRANGE r 0 -1",
    ],
    # a destination of another type: WRONGTYPE, the element stays (7.0)
    "dst_wrongtype": [
        Call("BLMOVE src dst LEFT LEFT 0", client=1, wait=False), "SET dst v", "RPUSH src a",
        Recv(client=1), "LRANGE src 0 -1", "GET dst",
    ],
    # a key of another type does not wake a list waiter (7.0); a list later does
    "other_type": [
        Call("BLPOP k 0", client=1, wait=False), "SET k v", "DEL k", "RPUSH k a",
        Recv(client=1),
    ],
    # pushes in a transaction wake the client after EXEC, with what is left
    "multi_push": [
        Call("BLPOP k 0", client=1, wait=False), "MULTI", "RPUSH k a b", "LPOP k", "EXEC",
        Recv(client=1), "LRANGE k 0 -1",
        Call("BLPOP k2 0", client=1, wait=False), "MULTI", "RPUSH k2 a", "DEL k2", "EXEC",
        "RPUSH k2 b", Recv(client=1),
    ],
    "timeout": [
        Call("BLPOP k 0.05", client=1, wait=False), Recv(client=1),
        Call("BLMOVE k d LEFT LEFT 0.05", client=1, wait=False), Recv(client=1),
        Call("BLMPOP 0.05 1 k LEFT", client=1, wait=False), Recv(client=1),
        Call("BRPOPLPUSH k d 0.05", client=1, wait=False), Recv(client=1),
    ],
    # a script's pushes wake the client after the script, with what is left
    "script_push": [
        Call("BLPOP k 0", client=1, wait=False),
        "EVAL \"redis.call('rpush', KEYS[1], 'a', 'b'); redis.call('lpop', KEYS[1])\" 1 k",
        Recv(client=1), "EXISTS k",
    ],
    # a list arriving by RENAME, COPY or RESTORE serves the waiter
    "arrivals": [
        "RPUSH src a b", Call("BLPOP k 0", client=1, wait=False), "RENAME src k",
        Recv(client=1), Call("BRPOP k2 0", client=1, wait=False), "COPY k k2",
        Recv(client=1), "EXISTS k k2",
    ],
    # FLUSHALL then a push: the waiter is still there
    "flush": [
        Call("BLPOP k 0", client=1, wait=False), "FLUSHALL", "RPUSH k z", Recv(client=1),
    ],
    # LPUSH with many elements to a key with several waiters
    "lpush_many": [
        Call("BRPOP k 0", client=1, wait=False), Call("BLPOP k 0", client=2, wait=False),
        "LPUSH k a b c", Recv(client=1), Recv(client=2), "LRANGE k 0 -1",
    ],
}


@pytest.mark.parametrize("script", list(BLOCKING.values()), ids=list(BLOCKING))
def test_blocking(diff, script):
    diff.run(["FLUSHALL"] + script)
    diff.run(["FLUSHALL"] + script, resp=3)


NOTIFY = [
    ("LPUSH", "a", "1", "2"), ("RPUSH", "a", "3"), ("LPUSHX", "a", "0"), ("RPUSHX", "nope", "0"),
    ("LPOP", "a"), ("RPOP", "a", "1"), ("LPOP", "nope"), ("LRANGE", "nope", "0", "1"),
    ("LINDEX", "nope", "0"), ("LLEN", "nope"), ("LPOS", "nope", "x"),
    ("RPUSH", "b", "x", "y", "z"), ("LSET", "b", "0", "X"), ("LSET", "b", "9", "X"),
    ("LINSERT", "b", "BEFORE", "y", "w"), ("LINSERT", "b", "BEFORE", "nothere", "w"),
    ("LREM", "b", "0", "w"), ("LREM", "b", "0", "nothere"), ("LTRIM", "b", "0", "-1"),
    ("LTRIM", "b", "1", "1"), ("LTRIM", "b", "5", "1"), ("RPUSH", "c", "1", "2"),
    ("LMOVE", "c", "d", "LEFT", "RIGHT"), ("LMOVE", "c", "c", "LEFT", "RIGHT"),
    ("RPOPLPUSH", "c", "d"), ("LMPOP", "1", "d", "LEFT", "COUNT", "5"), ("LMPOP", "1", "d", "LEFT"),
    ("RPUSH", "e", "1"), ("BLPOP", "e", "0"), ("RPUSH", "e", "1"), ("BLMOVE", "e", "f", "LEFT",
                                                                      "LEFT", "0"),
    ("BLMPOP", "0", "1", "f", "RIGHT"), ("RPUSH", "g", "1", "2"), ("LPOP", "g", "2"),
    ("RPUSH", "g", "1"), ("LREM", "g", "1", "1"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_notifications(server, ref_server, proto):
    for flags in ("KEA", "KEAmn", "Kl", "Eg"):
        compare(server, ref_server, flags, proto, NOTIFY)


def test_dump_payloads_match(diff):
    """DUMP of lists built by pushes is byte for byte 7.0's (quicklist 2 of
    listpacks, nodes split where 7.0 splits them). Without compression:
    streamd's LZF finds other matches than Redis's in long strings (a string
    value's DUMP differs too), which changes no value."""
    script = ["FLUSHALL", "CONFIG SET rdbcompression no", "RPUSH small a 1 -5 300 70000 x",
              "DUMP small"]
    big = ["RPUSH big"] + ["element-%d" % i for i in range(1500)]
    script += [" ".join(big), "DUMP big", "LPUSH big " + " ".join(str(i) for i in range(800)),
               "DUMP big", "RPUSH large " + " ".join(["v" * 3000] * 5), "DUMP large",
               "RPUSH older a", "CONFIG SET list-max-listpack-size 5",
               "RPUSH five " + " ".join("abcdefghijklm"), "DUMP five",
               # a list keeps the node size it was made with, as in 7.0
               "RPUSH older " + " ".join("abcdefghijklm"), "DUMP older", "CONFIG SET list-max-ziplist-size -1",
               "CONFIG GET list-max-listpack-size", "CONFIG GET list-max-ziplist-size",
               "RPUSH m " + " ".join(["x" * 100] * 100), "DUMP m",
               "CONFIG SET list-max-listpack-size -2", "CONFIG SET rdbcompression yes",
               "DUMP small"]
    diff.run(script)


def test_restore_crosswise(server, ref_server):
    a, b = server.client(), ref_server.client()
    for c in (a, b):
        c.flushall()
        c.rpush("l", *(["x%d" % i for i in range(2000)] + ["1", "-1", "", "y" * 20000]))
    for src, dst in ((a, b), (b, a)):
        payload = src.dump("l")
        dst.restore("copy", 0, payload, replace=True)
        assert dst.lrange("copy", 0, -1) == src.lrange("l", 0, -1)
    a.close()
    b.close()


def random_script(seed, n, dump=True):
    rnd = random.Random(seed)
    keys = ["k1", "k2", "k3"]
    vals = ["a", "b", "1", "-2", "300", "", "long" * 20, "x\x00y"]
    idx = ["0", "1", "-1", "2", "-3", "10", "-10"]

    def k():
        return rnd.choice(keys)

    def v():
        return rnd.choice(vals)

    def side():
        return rnd.choice(["LEFT", "RIGHT"])

    out = []
    for _ in range(n):
        op = rnd.randrange(16)
        if op < 3:
            out.append([rnd.choice(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), k()] +
                       [v() for _ in range(rnd.randrange(1, 5))])
        elif op == 3:
            out.append([rnd.choice(["LPOP", "RPOP"]), k()] +
                       ([str(rnd.randrange(4))] if rnd.randrange(2) else []))
        elif op == 4:
            out.append(["LRANGE", k(), rnd.choice(idx), rnd.choice(idx)])
        elif op == 5:
            out.append(["LINDEX", k(), rnd.choice(idx)])
        elif op == 6:
            out.append(["LSET", k(), rnd.choice(idx), v()])
        elif op == 7:
            out.append(["LINSERT", k(), rnd.choice(["BEFORE", "AFTER"]), v(), v()])
        elif op == 8:
            out.append(["LREM", k(), rnd.choice(idx), v()])
        elif op == 9:
            out.append(["LTRIM", k(), rnd.choice(idx), rnd.choice(idx)])
        elif op == 10:
            args = ["LPOS", k(), v()]
            if rnd.randrange(2):
                args += ["RANK", rnd.choice(["1", "2", "-1", "-2"])]
            if rnd.randrange(2):
                args += ["COUNT", rnd.choice(["0", "1", "2"])]
            if rnd.randrange(2):
                args += ["MAXLEN", rnd.choice(["0", "2", "5"])]
            out.append(args)
        elif op == 11:
            out.append(["LMOVE", k(), k(), side(), side()])
        elif op == 12:
            out.append(["LMPOP", "2", k(), k(), side(), "COUNT", str(rnd.randrange(1, 4))])
        elif op == 13:
            out.append(["RPOPLPUSH", k(), k()])
        elif op == 14:
            out.append(["LLEN", k()])
        else:
            out.append(["LRANGE", k(), "0", "-1"])
    out += [["LRANGE", key, "0", "-1"] for key in keys]
    if dump:
        out += [["DUMP", key] for key in keys]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_random(diff, seed):
    diff.run(["FLUSHALL", "CONFIG SET rdbcompression no"] + random_script(seed, 300) +
             ["CONFIG SET rdbcompression yes"])


def test_random_small_nodes(diff):
    """Node splits, inserts into full nodes and deletions across nodes, with
    nodes of at most 3 elements."""
    script = ["FLUSHALL", "CONFIG SET list-max-listpack-size 3", "CONFIG SET rdbcompression no"]
    script += random_script(99, 600)
    script += ["CONFIG SET list-max-listpack-size -2", "CONFIG SET rdbcompression yes"]
    diff.run(script)


@pytest.mark.parametrize("depth", [1, 2])
def test_random_compressed(diff, depth):
    """list-compress-depth: interior nodes compressed (replies unchanged).
    DUMP is not compared: 7.0 writes its compressed nodes as they are."""
    script = ["FLUSHALL", "CONFIG SET list-max-listpack-size 4",
              "CONFIG SET list-compress-depth %d" % depth, "CONFIG GET list-compress-depth"]
    script += random_script(50 + depth, 800, dump=False)
    script += ["RPUSH big " + " ".join("v%d" % (i % 7) * 10 for i in range(300)),
               "LRANGE big 100 120", "LINDEX big 150", "LSET big 150 x", "LPOS big x",
               "LINSERT big BEFORE x y", "LREM big 3 v3v3v3v3v3v3v3v3v3v3", "LTRIM big 10 -10",
               "LRANGE big 0 -1", "OBJECT ENCODING big"]
    script += ["CONFIG SET list-max-listpack-size -2", "CONFIG SET list-compress-depth 0"]
    diff.run(script)


def test_replica_70_of_streamd(make_server):
    """A Redis 7.0 replica of streamd gets the lists of the RDB and every
    list write after it, served blocking pops as their non-blocking form."""
    from testlib import SLOW
    from testlib.block import wait_blocked
    from test_repl_master_diff import link_up
    m = make_server(kind="streamd", args=["--list-max-listpack-size", "5"])
    c = m.client()
    c.rpush("pre", *["p%d" % i for i in range(1000)])
    s = make_server(kind="redis", args=["--replicaof", "127.0.0.1", str(m.port)])
    link_up(s, m)
    for cmd in random_script(7, 500, dump=False):
        try:
            c.execute_command(*cmd)
        except Exception as e:  # an error reply: nothing was written
            assert "WRONGTYPE" in str(e) or "no such key" in str(e) or "range" in str(e), e
    w, ctl = m.raw(), m.raw()
    w.send_cmd("BLMOVE", "bsrc", "bdst", "LEFT", "RIGHT", "0")
    wait_blocked(ctl, 1)
    c.rpush("bsrc", "a", "b")
    assert w.read() == b"a"
    w.send_cmd("BLMPOP", "0", "1", "bm", "RIGHT", "COUNT", "2")
    wait_blocked(ctl, 1)
    c.rpush("bm", "1", "2", "3")
    assert w.read() == [b"bm", [b"3", b"2"]]
    assert c.wait(1, int(5000 * SLOW)) == 1
    sc = s.client()
    want = {k: c.lrange(k, 0, -1) for k in c.keys("*") if c.type(k) == b"list"}
    assert {k: sc.lrange(k, 0, -1) for k in sc.keys("*") if sc.type(k) == b"list"} == want
    assert want[b"bsrc"] == [b"b"] and want[b"bdst"] == [b"a"] and want[b"bm"] == [b"1"]
    assert "sending an error to its master" not in s.log()
