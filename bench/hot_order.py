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

Needs valgrind (callgrind_annotate), redis-cli and redis-benchmark.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

THRESHOLD = 0.0002  # of a workload's instructions: about one per command
PORT = 7399
FIELDS = ["order_id", "__rand_int__", "product", "widget-blue", "quantity", "3", "price", "1999"]

# (name, setup commands, redis-benchmark arguments after the common ones)
WORKLOADS = [
    ("xadd", [], ["-P", "32", "XADD", "s", "*", *FIELDS]),
    ("xadd-idmp", [], ["-P", "32", "XADD", "s", "IDMP", "p1", "__rand_int__", "*", *FIELDS]),
    ("xadd-maxlen", [], ["-P", "32", "XADD", "s", "MAXLEN", "~", "1000", "*", *FIELDS]),
    ("xadd-c1", [], ["XADD", "s", "*", *FIELDS]),
    ("xrange", "fill", ["-P", "32", "XRANGE", "s", "-", "+", "COUNT", "10"]),
    ("xreadgroup", "fill", ["-P", "32", "XREADGROUP", "GROUP", "g", "c", "COUNT", "10",
                            "STREAMS", "s", ">"]),
    ("xack", "fill", ["-P", "32", "XACK", "s", "g", "1-__rand_int__"]),
    ("xlen", "fill", ["-P", "32", "XLEN", "s"]),
    ("xpending", "fill", ["-P", "32", "XPENDING", "s", "g", "-", "+", "10"]),
    ("ping", [], ["-P", "32", "PING"]),
    ("set", [], ["-P", "32", "SET", "key:__rand_int__", "value"]),
    ("get", [], ["-P", "32", "GET", "key:__rand_int__"]),
]


def wait_port(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not listen on {port}")


def cli(*args):
    subprocess.run(["redis-cli", "-p", str(PORT), *args], check=True, stdout=subprocess.DEVNULL)


def profile(server, name, setup, bench, requests, workdir):
    out = os.path.join(workdir, name + ".callgrind")
    data = os.path.join(workdir, name)
    os.makedirs(data)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                             server, "--port", str(PORT), "--dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(PORT)
        if setup == "fill":
            subprocess.run(["redis-benchmark", "-p", str(PORT), "-n", "20000", "-P", "32", "-q",
                            "-r", "1000000000", "XADD", "s", "*", *FIELDS],
                           check=True, stdout=subprocess.DEVNULL)
            cli("XGROUP", "CREATE", "s", "g", "0")
            subprocess.run(["redis-benchmark", "-p", str(PORT), "-n", "1000", "-q",
                            "XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s", ">"],
                           check=True, stdout=subprocess.DEVNULL)
        # what the setup ran is not the workload's
        subprocess.run(["callgrind_control", "--zero", str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["redis-benchmark", "-p", str(PORT), "-c", "10", "-n", str(requests), "-q",
                        "-r", "1000000000", *bench], check=True, stdout=subprocess.DEVNULL)
        cli("SHUTDOWN", "NOSAVE")
    finally:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
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
    for tool in ("valgrind", "callgrind_annotate", "callgrind_control", "redis-cli", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    seen = []
    with tempfile.TemporaryDirectory(prefix="hot-order.") as workdir:
        for name, setup, bench in WORKLOADS:
            fns = profile(os.path.abspath(args.server), name, setup, bench, args.requests, workdir)
            print(f"{name}: {len(fns)} functions", file=sys.stderr)
            seen += [fn for fn in fns if fn not in seen]
    for fn in seen:
        print(".text." + fn)


if __name__ == "__main__":
    main()
