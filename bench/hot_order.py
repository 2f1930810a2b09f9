#!/usr/bin/python3
"""Writes src/hot.order: the functions the benchmark workloads spend their
time in, which the release build's linker places next to each other
(Makefile: -ffunction-sections, gold's --section-ordering-file).

Why: the hot code of an XADD is about 16 KB, spread over a 2 MB text. A
32 KB 8-way L1 instruction cache has 64 sets, chosen by address bits 6-11;
scattered code lands more than 8 hot lines in some set by chance, and those
lines then evict each other on every command (callgrind's cache simulation
of a pipelined XADD with IDMP: 20 L1i misses per command, of which 18 from
two sets of 9 lines; with the functions together, 2). Which sets overflow
changes with every edit anywhere in the tree; placed together, hot code
spreads evenly over the sets.

How: each workload below runs against the server under callgrind; every
function of the streamd binary with at least THRESHOLD of a workload's
instructions is listed, workload by workload, in order of cost. A function
that was renamed or removed is just not found by the linker, so a stale
list costs nothing but the placement; run this again after big changes:

    /usr/bin/python3 bench/hot_order.py --server ./build/streamd > src/hot.order

Needs valgrind (callgrind_annotate, callgrind_control) and redis-benchmark; the
servers are started and stopped by the harness (../shared/bench).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import harness  # noqa: E402,F401  (puts ../shared/bench on sys.path)

from streambench.servers import Server  # noqa: E402
from streambench.tools import RedisBenchmark  # noqa: E402

THRESHOLD = 0.0002  # of a workload's instructions: about one per command
FIELDS = ["order_id", "__rand_int__", "product", "widget-blue", "quantity", "3", "price", "1999"]
RAND_RANGE = 1000000000

# (name, setup, pipeline depth, the command)
WORKLOADS = [
    ("xadd", None, 32, ["XADD", "s", "*", *FIELDS]),
    ("xadd-idmp", None, 32, ["XADD", "s", "IDMP", "p1", "__rand_int__", "*", *FIELDS]),
    ("xadd-maxlen", None, 32, ["XADD", "s", "MAXLEN", "~", "1000", "*", *FIELDS]),
    ("xadd-c1", None, 1, ["XADD", "s", "*", *FIELDS]),
    ("xrange", "fill", 32, ["XRANGE", "s", "-", "+", "COUNT", "10"]),
    ("xreadgroup", "fill", 32, ["XREADGROUP", "GROUP", "g", "c", "COUNT", "10",
                                "STREAMS", "s", ">"]),
    ("xack", "fill", 32, ["XACK", "s", "g", "1-__rand_int__"]),
    ("xlen", "fill", 32, ["XLEN", "s"]),
    ("xpending", "fill", 32, ["XPENDING", "s", "g", "-", "+", "10"]),
    ("ping", None, 32, ["PING"]),
    ("set", None, 32, ["SET", "key:__rand_int__", "value"]),
    ("get", None, 32, ["GET", "key:__rand_int__"]),
]


def profile(bench, server, name, setup, pipeline, command, requests, workdir):
    """The functions of `server` (a binary) that ran the workload, costliest
    first: the server runs under callgrind (the harness's Server, whose
    SIGTERM lets it exit and callgrind write its profile), counters zeroed
    after the setup."""
    out = os.path.join(workdir, name + ".callgrind")
    srv = Server(f"valgrind --tool=callgrind --callgrind-out-file={out} {server} "
                 "--port {port} --dir {dir}", workdir, name)
    try:
        srv.start(timeout=120)
        if setup == "fill":
            bench.run(srv.port, ["XADD", "s", "*", *FIELDS], 20000, 50, 32, RAND_RANGE)
            with srv.client() as c:
                c.call("XGROUP", "CREATE", "s", "g", "0")
            bench.run(srv.port, ["XREADGROUP", "GROUP", "g", "c", "COUNT", "10",
                                 "STREAMS", "s", ">"], 1000, 50)
        # what the setup ran is not the workload's
        subprocess.run(["callgrind_control", "--zero", str(srv.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bench.run(srv.port, command, requests // pipeline * pipeline, 10, pipeline, RAND_RANGE)
    finally:
        srv.close()
    text = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", out],
                          check=True, capture_output=True, text=True).stdout
    binary = os.path.basename(server)
    costs, total = {}, 0
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S+) \[(\S+)\]$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        total += n
        fn = m.group(2).rsplit(":", 1)[-1]
        if os.path.basename(m.group(3)) == binary and re.fullmatch(r"[A-Za-z_][\w.]*", fn):
            costs[fn] = costs.get(fn, 0) + n
    return [fn for fn, n in sorted(costs.items(), key=lambda kv: -kv[1]) if n >= THRESHOLD * total]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", default="./build/streamd", help="the streamd binary to profile")
    p.add_argument("--requests", type=int, default=50000, help="commands per workload")
    args = p.parse_args()
    for tool in ("valgrind", "callgrind_annotate", "callgrind_control"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    bench = RedisBenchmark(timeout=600)
    seen = []
    with tempfile.TemporaryDirectory(prefix="hot-order.") as workdir:
        for name, setup, pipeline, command in WORKLOADS:
            fns = profile(bench, os.path.abspath(args.server), name, setup, pipeline, command,
                          args.requests, workdir)
            print(f"{name}: {len(fns)} functions", file=sys.stderr)
            seen += [fn for fn in fns if fn not in seen]
    for fn in seen:
        print(".text." + fn)


if __name__ == "__main__":
    main()
