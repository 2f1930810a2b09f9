#!/usr/bin/python3
"""Snapshot speed: SAVE and load of big streams, streamd against Redis 7.0.

Both servers are started side by side (pinned to one CPU, the load
generators to another, as ../shared/bench/compare.py does) and given the same
kind of data through that harness's driver (a pipelined XADD import):

    bench:stream   --entries entries of the compare.py shape (four fields:
                   order_id <rand> product widget-blue quantity 3 price 1999)
    bench:group    --group-entries entries, one consumer group "g" whose four
                   consumers read every entry without acknowledging it (a
                   pending list as long as the stream)

Then, for rdbcompression yes and no, each round times on each server, the
two servers alternating (A B, then B A):

    save   SAVE: wall time, and the server's CPU time meanwhile (schedstat)
    load   a restart on the same directory: the load time the server logs
           ("DB loaded from disk: N seconds", both servers write it), the
           wall time until it answers without -LOADING (polled every 20 ms),
           and the CPU time the new process used by then

After every load XLEN, XINFO STREAM (without its changing fields), XINFO
GROUPS and the XPENDING summary must be what they were before the save.
Reported: medians over rounds, the ratio streamd / redis of each, and the
size of dump.rdb.

Usage (from the project root):
    /usr/bin/python3 bench/rdb.py --server './build/streamd --port {port} --dir {dir}'
        [--rounds 3] [--entries 1000000] [--group-entries 100000] [--quick]
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time

import harness  # noqa: E402,F401  (puts ../shared/bench on sys.path)

from streambench.resp import pairs  # noqa: E402
from streambench.servers import Server  # noqa: E402
from streambench.tools import Driver  # noqa: E402

REFERENCE = ('redis-server --port {port} --bind 127.0.0.1 --save "" --appendonly no '
             '--dir {dir}')
KEY, GROUP_KEY, GROUP = "bench:stream", "bench:group", "g"
CONSUMERS = 4
LOADED_RE = re.compile(r"DB loaded from disk: ([0-9.]+) seconds")
# XINFO STREAM fields that hold for the same data in any process.
STABLE = ("length", "radix-tree-keys", "last-generated-id", "max-deleted-entry-id",
          "entries-added", "recorded-first-entry-id", "groups", "first-entry", "last-entry")


def call(server, *args):
    with server.client(timeout=600) as client:
        return client.call(*args)


def fill(driver, server, entries, group_entries):
    driver.run("load", server.port, key=KEY, count=entries, pipeline=64, conns=1)
    driver.run("load", server.port, key=GROUP_KEY, count=group_entries, pipeline=64, conns=1)
    if call(server, "XGROUP", "CREATE", GROUP_KEY, GROUP, "0") != "OK":
        sys.exit(f"{server.name}: XGROUP CREATE failed")
    driver.run("pending", server.port, key=GROUP_KEY, group=GROUP, conns=CONSUMERS,
               pipeline=8, batch=100, expect=group_entries)


def state(server):
    """What a save and load must keep."""
    out = {}
    for key in (KEY, GROUP_KEY):
        info = pairs(call(server, "XINFO", "STREAM", key))
        # radix-tree-keys/nodes count nodes, which a reload may cut anew.
        out[key] = {k: info[k] for k in STABLE if k in info and k != "radix-tree-keys"}
        out[key]["xlen"] = call(server, "XLEN", key)
    groups = call(server, "XINFO", "GROUPS", GROUP_KEY)
    out["groups"] = [pairs(g) for g in groups]
    out["xpending"] = call(server, "XPENDING", GROUP_KEY, GROUP)
    return out


def check(server, want, entries, group_entries, when):
    got = state(server)
    if got != want:
        sys.exit(f"{server.name}: state {when} differs:\n  before {want!r:.1500}\n"
                 f"  after  {got!r:.1500}")
    if got[KEY]["xlen"] != entries or got[GROUP_KEY]["xlen"] != group_entries:
        sys.exit(f"{server.name}: XLEN {got[KEY]['xlen']}/{got[GROUP_KEY]['xlen']} {when}")


def save(server, compression):
    if call(server, "CONFIG", "SET", "rdbcompression", compression) != "OK":
        sys.exit(f"{server.name}: CONFIG SET rdbcompression failed")
    cpu0 = server.cpu_seconds()
    t0 = time.monotonic()
    reply = call(server, "SAVE")
    wall = time.monotonic() - t0
    cpu = server.cpu_seconds() - cpu0
    if reply != "OK":
        sys.exit(f"{server.name}: SAVE gave {reply!r}")
    size = os.path.getsize(os.path.join(server.dir, "dump.rdb"))
    return wall, cpu, size


def load(server):
    """Restarts the server on its directory; (logged, wall, cpu) seconds."""
    server.stop()
    with open(server.log_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        log_at = f.tell()
    t0 = time.monotonic()
    server.start(timeout=600)
    wall = time.monotonic() - t0
    cpu = server.cpu_seconds()
    with open(server.log_path, errors="replace") as f:
        f.seek(log_at)
        found = LOADED_RE.findall(f.read())
    if not found:
        sys.exit(f"{server.name}: no 'DB loaded from disk' in the log after a restart")
    return float(found[-1]), wall, cpu


def ratio(a, b):
    return a / b if b else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True, help="streamd command template with {port} {dir}")
    ap.add_argument("--reference", default=REFERENCE, help=f"default: {REFERENCE}")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--group-entries", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="a fifth of the data, one round")
    ap.add_argument("--compression", choices=["yes", "no", "both"], default="both")
    ap.add_argument("--pin", default="1:0",
                    help="SERVER_CPU:CLIENT_CPU as compare.py (default 1:0), or off")
    ap.add_argument("--workdir", default="/var/tmp")
    args = ap.parse_args()
    if args.quick:
        args.entries //= 5
        args.group_entries //= 5
        args.rounds = 1
    if args.pin != "off" and len(os.sched_getaffinity(0)) >= 2:
        server_cpus, client_cpus = ({int(c) for c in part.split(",")}
                                    for part in args.pin.split(":"))
        Server.cpus = server_cpus
        os.sched_setaffinity(0, client_cpus)
    modes = ["yes", "no"] if args.compression == "both" else [args.compression]
    driver = Driver(timeout=600)
    names = ("streamd", "redis")
    figures = {(n, m): {"save": [], "save_cpu": [], "size": [], "load": [], "load_wall": [],
                        "load_cpu": []} for n in names for m in modes}
    with tempfile.TemporaryDirectory(prefix="streamd-rdb-bench-", dir=args.workdir) as workdir:
        servers = {"streamd": Server(args.server, workdir, "streamd"),
                   "redis": Server(args.reference, workdir, "redis")}
        try:
            for s in servers.values():
                s.start()
            want = {}
            for name in names:
                t0 = time.monotonic()
                fill(driver, servers[name], args.entries, args.group_entries)
                want[name] = state(servers[name])
                check(servers[name], want[name], args.entries, args.group_entries, "after fill")
                print(f"{name}: filled in {time.monotonic() - t0:.1f} s", flush=True)
            step = 0
            for rnd in range(args.rounds):
                for mode in modes:
                    order = names if step % 2 == 0 else names[::-1]
                    step += 1
                    for name in order:
                        wall, cpu, size = save(servers[name], mode)
                        f = figures[(name, mode)]
                        f["save"].append(wall)
                        f["save_cpu"].append(cpu)
                        f["size"].append(size)
                    for name in order:
                        logged, wall, cpu = load(servers[name])
                        check(servers[name], want[name], args.entries, args.group_entries,
                              f"after load (rdbcompression {mode}, round {rnd + 1})")
                        f = figures[(name, mode)]
                        f["load"].append(logged)
                        f["load_wall"].append(wall)
                        f["load_cpu"].append(cpu)
                    line = ", ".join(
                        f"{n} save {figures[(n, mode)]['save'][-1]:.3f} s "
                        f"load {figures[(n, mode)]['load'][-1]:.3f} s" for n in names)
                    print(f"  round {rnd + 1} rdbcompression {mode}: {line}", flush=True)
        finally:
            for s in servers.values():
                s.close()
    print()
    print(f"{args.entries:,} entries + {args.group_entries:,} entries with as many pending; "
          f"medians of {args.rounds} round(s); ratio = streamd / redis (lower is better)")
    print(f"{'rdbcompression':<15} {'metric':<16} {'streamd':>12} {'redis':>12} {'ratio':>7}")
    rows = [("save", "save wall s", "{:.3f}"), ("save_cpu", "save cpu s", "{:.3f}"),
            ("load", "load logged s", "{:.3f}"), ("load_wall", "load wall s", "{:.3f}"),
            ("load_cpu", "load cpu s", "{:.3f}"), ("size", "dump.rdb MB", "{:.2f}")]
    for mode in modes:
        for key, label, fmt in rows:
            a = statistics.median(figures[("streamd", mode)][key])
            b = statistics.median(figures[("redis", mode)][key])
            if key == "size":
                a, b = a / 1e6, b / 1e6
            print(f"{mode:<15} {label:<16} {fmt.format(a):>12} {fmt.format(b):>12} "
                  f"{ratio(a, b):>7.3f}")


if __name__ == "__main__":
    main()
