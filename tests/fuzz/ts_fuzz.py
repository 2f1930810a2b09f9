#!/usr/bin/env python3
"""Random TS.* traffic against one streamd, checking what must hold.

    /usr/bin/python3 tests/fuzz/ts_fuzz.py --bin build-asan/streamd --seed 3 --seconds 60

Commands are drawn from the whole time series surface (options, filters,
aggregators, rules, the label index, and the keyspace commands that move a
series: DEL, RENAME, COPY, EXPIRE) over a handful of keys, most arguments
valid, some not. Every 500 commands: each series' samples must survive a
DUMP/RESTORE round trip and a DEBUG RELOAD, and DUMP payloads with flipped
bits must be refused or loaded, never crash the server. The server runs
with the AOF on, and must exit cleanly; under ASan any report ends the run
(the server dies and the client sees the connection drop). A seed gives the
same command sequence every time.
"""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import redis

KEYS = ["a", "b", "c", "d", "s"]
AGGS = ["avg", "sum", "min", "max", "range", "count", "first", "last", "std.p", "std.s",
        "var.p", "var.s", "twa"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.n = 0

    def ts(self):
        return self.rng.choice(["*", "-", "+", str(self.rng.randint(0, 200)),
                                str(self.rng.randint(0, 5000)), "-1", "x"])

    def val(self):
        return self.rng.choice(["1", "2.5", "nan", "-3", str(self.rng.random() * 100), "1e300", "x"])

    def opts(self):
        rng, o = self.rng, []
        for _ in range(rng.randint(0, 3)):
            o += rng.choice([
                ["RETENTION", str(rng.randint(0, 300))],
                ["CHUNK_SIZE", rng.choice(["48", "64", "128", "4096", "50"])],
                ["ENCODING", rng.choice(["COMPRESSED", "UNCOMPRESSED"])],
                ["DUPLICATE_POLICY", rng.choice(["BLOCK", "LAST", "SUM", "MIN", "FIRST", "MAX"])],
                ["IGNORE", str(rng.randint(0, 5)), str(rng.random())],
                ["LABELS", "t", rng.choice(["x", "y"]), "k", rng.choice(KEYS)]])
        return o

    def ropts(self):
        rng, o = self.rng, []
        for _ in range(rng.randint(0, 3)):
            o += rng.choice([
                ["COUNT", str(rng.randint(0, 5))], ["FILTER_BY_VALUE", "0", "50"],
                ["FILTER_BY_TS"] + [str(rng.randint(0, 200)) for _ in range(3)],
                ["AGGREGATION", ",".join(rng.sample(AGGS, rng.randint(1, 3))),
                 str(rng.randint(0, 50))] + rng.choice(
                     [[], ["EMPTY"], ["BUCKETTIMESTAMP", rng.choice(["-", "+", "~"])]]),
                ["ALIGN", rng.choice(["start", "end", "5"]), "AGGREGATION", rng.choice(AGGS), "7"],
                ["LATEST"]])
        return o

    def command(self):
        rng = self.rng
        k, k2 = rng.choice(KEYS), rng.choice(KEYS)
        self.n += 1
        return rng.choice([
            ["TS.CREATE", k] + self.opts(), ["TS.ALTER", k] + self.opts(),
            ["TS.ADD", k, self.ts(), self.val()] + self.opts()
            + rng.choice([[], ["ON_DUPLICATE", rng.choice(["SUM", "LAST", "BLOCK"])]]),
            ["TS.ADD", k, str(self.n), self.val()],
            ["TS.ADD", k, str(rng.randint(0, self.n + 1)), self.val(), "ON_DUPLICATE", "LAST"],
            ["TS.MADD", k, self.ts(), self.val(), k2, self.ts(), self.val()],
            ["TS.INCRBY", k, self.val(), "TIMESTAMP", self.ts()] + self.opts(),
            ["TS.DECRBY", k, self.val()], ["TS.DEL", k, self.ts(), self.ts()],
            ["TS.GET", k] + rng.choice([[], ["LATEST"]]), ["TS.INFO", k] + rng.choice([[], ["DEBUG"]]),
            ["TS.RANGE", k, self.ts(), self.ts()] + self.ropts(),
            ["TS.REVRANGE", k, self.ts(), self.ts()] + self.ropts(),
            ["TS.CREATERULE", k, k2, "AGGREGATION", rng.choice(AGGS), str(rng.randint(0, 20))]
            + rng.choice([[], [str(rng.randint(0, 5))]]),
            ["TS.DELETERULE", k, k2], ["TS.QUERYINDEX", rng.choice(["t=x", "t=(x,y)", "k!=a", "t="])],
            ["TS.MGET", "WITHLABELS", "FILTER", "t=(x,y)"],
            ["TS.MRANGE", "-", "+"] + self.ropts() + ["FILTER", "t=(x,y)"]
            + rng.choice([[], ["GROUPBY", "t", "REDUCE", rng.choice(["max", "sum", "avg"])]]),
            ["TS.NRANGE", "2", k, k2, self.ts(), self.ts()] + self.ropts(),
            ["DEL", k], ["SET", "s", "v"], ["RENAME", k, k2], ["COPY", k, k2, "REPLACE"],
            ["EXPIRE", k, "100"]])


def check(r, rng):
    """Samples survive DUMP/RESTORE and DEBUG RELOAD; corrupt payloads are
    refused or loaded."""
    snap = {}
    for key in KEYS:
        if r.type(key) != b"TSDB-TYPE":
            continue
        snap[key] = r.execute_command("TS.RANGE", key, "-", "+")
        dump = r.dump(key)
        r.restore("rt", 0, dump, replace=True)
        assert r.execute_command("TS.RANGE", "rt", "-", "+") == snap[key], key
        b = bytearray(dump)
        for _ in range(3):
            i = rng.randrange(len(b) - 10)
            b[i] ^= 1 << rng.randrange(8)
        try:
            r.restore("bad", 0, bytes(b), replace=True)
        except redis.ResponseError:
            pass
        r.delete("rt", "bad")
    r.execute_command("DEBUG", "RELOAD")
    for key, v in snap.items():
        assert r.execute_command("TS.RANGE", key, "-", "+") == v, key


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="tsfuzz-")
    port = free_port()
    log = open(os.path.join(work, "log"), "w")
    srv = subprocess.Popen([a.bin, "--port", str(port), "--dir", work, "--enable-debug-command",
                            "yes", "--appendonly", "yes"], stdout=log, stderr=subprocess.STDOUT)
    try:
        r = redis.Redis(port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        gen, t0 = Gen(a.seed), time.time()
        while time.time() - t0 < a.seconds:
            try:
                r.execute_command(*gen.command())
            except redis.ResponseError:
                pass
            if gen.n % 500 == 0:
                check(r, gen.rng)
        r.bgrewriteaof()
        print("ts_fuzz: seed %d: %d commands: clean" % (a.seed, gen.n))
    finally:
        srv.terminate()
        rc = srv.wait()
        log.close()
    text = open(os.path.join(work, "log")).read()
    if rc not in (0, -15) or "ERROR: AddressSanitizer" in text or "runtime error" in text:
        print(text[-4000:])
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
