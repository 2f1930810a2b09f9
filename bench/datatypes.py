#!/usr/bin/python3
"""Lists, sets, sorted sets and hashes: streamd against redis-server.

../shared/bench/compare.py measures streams and strings only; this script
reuses its pieces (server wrapper with CPU pinning, redis-benchmark runner,
CPU time from schedstat, 50 clients, pipelines of 32) for the other types:

    lpush / rpop         one list growing to about 1M elements, then drained
    lrange-100           LRANGE of the first 100 of a 1000-element list
    sadd / sismember     one set, members member:<rand> (100k distinct)
    hset / hget          10 small hashes of up to 10 fields (key and field
                         each drawn from 0..9): the listpack regime
    zadd / zrange-10     one sorted set, score and member from <rand>
                         (100k distinct); ZRANGE 0 9 WITHSCORES

Each round starts both servers fresh; every metric runs in chunks that
alternate between them (ours, ref, then ref, ours, ...), so a pair sees the
same machine. Throughput figures are medians over the rounds, and the ratio
is ours/ref; "cpu o/r" is server CPU per operation, ours/ref.

Memory (RSS growth / elements, each read 0.5 s after the load):
    hash-small   100k hashes of 10 fields (8-byte fields, 16-byte values)
    set-big      one set of 1M members (member:<n>)
    zset-big     one sorted set of 1M members
    list-big     one list of 1M 16-byte elements

After each round the servers are checked: the lists and the key count
must agree, the random set and sorted-set sizes must be within range.

Usage (from the project root):
    /usr/bin/python3 bench/datatypes.py --server './build/streamd --port {port} --dir {dir}'
        [--rounds 3] [--quick] [--only a,b]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import harness  # noqa: E402,F401  (puts ../shared/bench on sys.path)

from streambench.servers import Server  # noqa: E402
from streambench.tools import RedisBenchmark  # noqa: E402

REFERENCE = "redis-server --port {port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {dir}"
CLIENTS, PIPELINE, CHUNKS = 50, 32, 4
VALUE = "x" * 57

# name, setup commands (run once per round, on both), measured command,
# requests (full run), random range
WORKLOADS = [
    ("lpush", [], ["LPUSH", "b:list", VALUE], 1_000_000, None),
    ("rpop", [], ["RPOP", "b:list"], 1_000_000, None),
    ("lrange-100", [["RPUSH", "b:l1000"] + [f"e{i}" for i in range(1000)]],
     ["LRANGE", "b:l1000", "0", "99"], 200_000, None),
    ("sadd", [], ["SADD", "b:set", "member:__rand_int__"], 1_000_000, 100_000),
    ("sismember", [], ["SISMEMBER", "b:set", "member:__rand_int__"], 1_000_000, 100_000),
    ("hset", [], ["HSET", "b:h:__rand_int__", "f__rand_int__", VALUE[:16]], 1_000_000, 10),
    ("hget", [], ["HGET", "b:h:__rand_int__", "f__rand_int__"], 1_000_000, 10),
    ("zadd", [], ["ZADD", "b:zset", "__rand_int__", "m:__rand_int__"], 1_000_000, 100_000),
    ("zrange-10", [], ["ZRANGE", "b:zset", "0", "9", "WITHSCORES"], 600_000, 100_000),
]


def load(server, commands, batch=1000):
    with server.client() as client:
        client.call_many(commands, batch)


def rss_growth(server, commands):
    time.sleep(0.5)
    before = server.rss_bytes()
    load(server, commands)
    time.sleep(0.5)
    return server.rss_bytes() - before


def memory_cases(scale):
    n_small = 100_000 // scale
    n_big = 1_000_000 // scale
    yield ("hash-small", n_small * 10,
           [["HSET", f"h:{k}"] + [x for f in range(10) for x in (f"field:{f:02}", f"value-{k:010}")]
            for k in range(n_small)])
    yield ("set-big", n_big, [["SADD", "s"] + [f"member:{n}" for n in range(i, i + 100)]
                              for i in range(0, n_big, 100)])
    yield ("zset-big", n_big, [["ZADD", "z"] + [x for n in range(i, i + 100)
                                                 for x in (str(n * 7 % 1000003), f"m:{n}")]
                               for i in range(0, n_big, 100)])
    yield ("list-big", n_big, [["RPUSH", "l"] + [f"element-{n:08}" for n in range(i, i + 100)]
                               for i in range(0, n_big, 100)])


def check_same(servers):
    """What the round leaves is the same on both servers where the workloads
    are deterministic (the lists, the key count), and plausible where they
    drew random members (set and sorted-set sizes within their ranges)."""
    exact = [["LLEN", "b:list"], ["LRANGE", "b:l1000", "0", "-1"], ["DBSIZE"]]
    got = {}
    for name, s in servers.items():
        with s.client() as c:
            got[name] = [c.call(*p) for p in exact]
            for probe, top in ((["SCARD", "b:set"], 100_000), (["ZCARD", "b:zset"], 100_000)):
                n = c.call(*probe)
                if not 0 <= n <= top:
                    sys.exit(f"{name}: {probe} is {n}")
    if got["ours"] != got["ref"]:
        sys.exit("the servers disagree after the round: LLEN %r/%r, DBSIZE %r/%r" % (
            got["ours"][0], got["ref"][0], got["ours"][2], got["ref"][2]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True, help="streamd command template with {port} {dir}")
    ap.add_argument("--reference", default=REFERENCE)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="a fifth of the work, one round")
    ap.add_argument("--only", help="comma-separated workload or memory names")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if len(os.sched_getaffinity(0)) >= 2:
        Server.cpus = {1}
        os.sched_setaffinity(0, {0})
    bench = RedisBenchmark()
    rounds = 1 if args.quick else args.rounds
    scale = 5 if args.quick else 1
    rps = {w[0]: {"ours": [], "ref": []} for w in WORKLOADS}
    cpu = {w[0]: {"ours": [], "ref": []} for w in WORKLOADS}
    mem = {}
    with tempfile.TemporaryDirectory(prefix="streamd-types-bench-") as workdir:
        for rnd in range(rounds):
            servers = {"ours": Server(args.server, workdir, "ours"),
                       "ref": Server(args.reference, workdir, "ref")}
            try:
                for s in servers.values():
                    s.start()
                for name, setup, cmd, total, rand in WORKLOADS:
                    if only and name not in only:
                        continue
                    for s in servers.values():
                        load(s, setup)
                    total //= scale
                    per_chunk = max(PIPELINE, total // CHUNKS // PIPELINE * PIPELINE)
                    got = {"ours": [], "ref": []}
                    for chunk in range(CHUNKS):
                        order = ("ours", "ref") if (chunk + rnd) % 2 == 0 else ("ref", "ours")
                        for side in order:
                            s = servers[side]
                            c0 = s.cpu_seconds()
                            r = bench.run(s.port, cmd, per_chunk, CLIENTS, PIPELINE, rand)
                            got[side].append((r["rps"], (s.cpu_seconds() - c0) / per_chunk))
                    for side in got:
                        secs = sum(per_chunk / r for r, _ in got[side])
                        rps[name][side].append(per_chunk * CHUNKS / secs)
                        cpu[name][side].append(sum(c for _, c in got[side]) / CHUNKS)
                    print(f"  round {rnd + 1} {name}: ours {rps[name]['ours'][-1]:,.0f}, "
                          f"ref {rps[name]['ref'][-1]:,.0f} ops/s", flush=True)
                check_same(servers)
            finally:
                for s in servers.values():
                    s.close()
        for name, n, commands in memory_cases(scale):
            if only and name not in only:
                continue
            for side, template in (("ours", args.server), ("ref", args.reference)):
                with Server(template, workdir, side) as s:
                    s.start()
                    mem.setdefault(name, {})[side] = rss_growth(s, commands) / n
    print()
    print(f"{'metric':<12} {'ours ops/s':>12} {'ref ops/s':>12} {'ours/ref':>9} {'cpu o/r':>8}")
    for name, *_ in WORKLOADS:
        if not rps[name]["ours"]:
            continue
        o, r = statistics.median(rps[name]["ours"]), statistics.median(rps[name]["ref"])
        co, cr = statistics.median(cpu[name]["ours"]), statistics.median(cpu[name]["ref"])
        print(f"{name:<12} {o:>12,.0f} {r:>12,.0f} {o / r:>9.2f} {co / cr:>8.2f}")
    if mem:
        print()
        print(f"{'memory':<12} {'ours B/elem':>12} {'ref B/elem':>12} {'ours/ref':>9}")
        for name, m in mem.items():
            print(f"{name:<12} {m['ours']:>12.1f} {m['ref']:>12.1f} {m['ours'] / m['ref']:>9.2f}")


if __name__ == "__main__":
    main()
