#!/usr/bin/python3
"""What an idempotent producer costs: XADD with IDMP against plain XADD.

Redis 7 has no IDMP, so ../shared/bench/compare.py cannot measure it; this
script reuses that harness's pieces (its server wrapper, its redis-benchmark
runner, its XADD workload shape: four field/value pairs, 50 clients) and
compares streamd with itself:

    plain   XADD bench:stream * order_id <rand> product widget-blue ...
    idmp    XADD bench:stream IDMP producer-1 <rand> * order_id <rand> ...

The iid is redis-benchmark's __rand_int__ (12 digits out of 10^9), so nearly
every message is new: the steady state of a busy producer, where every add
also evicts the oldest of its stream-idmp-maxsize iids. Each round starts two
fresh servers and alternates chunks between them (A B, B A, ...) as the
harness does; the figures are medians over rounds of ops/s and of server CPU
per op (schedstat), for the unpipelined and the pipelined (32 deep) shapes.
"pairs" is what ../shared/bench/compare.py reports as ours/ref: the median
over the back-to-back pairs (each chunk of one mode next to the other's of
the same round) of the idmp/plain ratio, with their range; on a machine
whose speed drifts between rounds it is steadier than the ratio of the two
medians ("medians"), which is printed too.

A check follows each round: on the IDMP server XLEN plus iids-duplicates must
equal the messages sent, and iids-added must equal XLEN.

Usage (from the project root):
    /usr/bin/python3 bench/idmp.py --server './build/streamd --port {port} --dir {dir}'
        [--rounds 3] [--quick]
"""

import argparse
import os
import statistics
import sys
import tempfile

import harness  # noqa: E402,F401  (puts ../shared/bench on sys.path)

from streambench.resp import pairs  # noqa: E402
from streambench.servers import Server  # noqa: E402
from streambench.tools import RedisBenchmark  # noqa: E402
from streambench.workloads import (CLIENTS, KEY, PIPELINE, RAND_RANGE,  # noqa: E402
                                   XADD_ARGS)

IDMP_ARGS = ["IDMP", "producer-1", "__rand_int__"]
SHAPES = [("xadd-c50", 1, 100_000), ("xadd-c50-p32", PIPELINE, 1_000_000)]
CHUNKS = 4


def command(mode):
    return ["XADD", KEY, *(IDMP_ARGS if mode == "idmp" else []), "*", *XADD_ARGS]


def call(server, *args):
    with server.client() as client:
        return client.call(*args)


def measure(bench, server, mode, requests, pipeline):
    cpu0 = server.cpu_seconds()
    result = bench.run(server.port, command(mode), requests, CLIENTS, pipeline, RAND_RANGE)
    cpu = server.cpu_seconds() - cpu0
    return result["rps"], cpu / requests


def check(servers, sent):
    plain, idmp = servers["plain"], servers["idmp"]
    n = call(plain, "XLEN", KEY)
    if n != sent:
        sys.exit(f"plain: XLEN is {n}, expected {sent}")
    info = pairs(call(idmp, "XINFO", "STREAM", KEY))
    n = call(idmp, "XLEN", KEY)
    if n + info["iids-duplicates"] != sent or info["iids-added"] != n:
        sys.exit(f"idmp: XLEN {n}, iids-added {info['iids-added']}, iids-duplicates "
                 f"{info['iids-duplicates']}; {sent} messages sent")


def run_shape(bench, template, workdir, name, pipeline, total, rounds):
    per_chunk = max(pipeline, total // CHUNKS // pipeline * pipeline)
    rps = {"plain": [], "idmp": []}
    cpu = {"plain": [], "idmp": []}
    pair_rps, pair_cpu = [], []
    for rnd in range(rounds):
        servers = {m: Server(template, workdir, m) for m in ("plain", "idmp")}
        try:
            for s in servers.values():
                s.start()
            got = {"plain": [], "idmp": []}
            for chunk in range(CHUNKS):
                order = ("plain", "idmp") if (chunk + rnd) % 2 == 0 else ("idmp", "plain")
                for mode in order:
                    got[mode].append(measure(bench, servers[mode], mode, per_chunk, pipeline))
                (pr, pc), (ir, ic) = got["plain"][-1], got["idmp"][-1]
                pair_rps.append(ir / pr)
                pair_cpu.append(ic / pc)
            check(servers, per_chunk * CHUNKS)
        finally:
            for s in servers.values():
                s.close()
        for mode in got:
            ops = per_chunk * CHUNKS
            seconds = sum(per_chunk / r for r, _ in got[mode])
            rps[mode].append(ops / seconds)
            cpu[mode].append(sum(c for _, c in got[mode]) / CHUNKS)
        print(f"  {name} round {rnd + 1}: plain {rps['plain'][-1]:,.0f} ops/s, "
              f"idmp {rps['idmp'][-1]:,.0f} ops/s", flush=True)
    p, i = statistics.median(rps["plain"]), statistics.median(rps["idmp"])
    cp, ci = statistics.median(cpu["plain"]), statistics.median(cpu["idmp"])
    pairs = (statistics.median(pair_rps), min(pair_rps), max(pair_rps),
             statistics.median(pair_cpu))
    return p, i, cp, ci, pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True, help="streamd command template with {port} {dir}")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="a fifth of the work, one round")
    ap.add_argument("--only", choices=[s[0] for s in SHAPES])
    args = ap.parse_args()
    bench = RedisBenchmark()
    rounds = 1 if args.quick else args.rounds
    rows = []
    with tempfile.TemporaryDirectory(prefix="streamd-idmp-bench-") as workdir:
        for name, pipeline, total in SHAPES:
            if args.only and name != args.only:
                continue
            if args.quick:
                total //= 5
            rows.append((name, *run_shape(bench, args.server, workdir, name, pipeline, total,
                                          rounds)))
    print()
    print(f"{'':<14} {'':>12} {'':>12} {'idmp/plain':>23} {'':>12} {'':>11} "
          f"{'cpu/op i/p':>16}")
    print(f"{'shape':<14} {'plain ops/s':>12} {'idmp ops/s':>12} {'pairs':>6} {'range':>11} "
          f"{'medians':>7} {'ns/op plain':>12} {'ns/op idmp':>11} {'pairs':>6} {'medians':>8}")
    for name, p, i, cp, ci, (pr, lo, hi, pc) in rows:
        print(f"{name:<14} {p:>12,.0f} {i:>12,.0f} {pr:>6.3f} {lo:>5.3f}-{hi:<5.3f} "
              f"{i / p:>7.3f} {cp * 1e9:>12.0f} {ci * 1e9:>11.0f} {pc:>6.3f} {ci / cp:>8.3f}")


if __name__ == "__main__":
    main()
