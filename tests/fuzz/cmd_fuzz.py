#!/usr/bin/python3
"""cmd_fuzz.py - a command-level fuzzer for streamd.

Starts a streamd binary (by default build-asan/streamd, with LeakSanitizer
on) in a temporary directory with appendonly yes, reads its command table
(COMMAND, COMMAND DOCS) and sends, over several pipelined connections in
RESP2 and RESP3, commands built from each command's documented argument
grammar: mostly plausible (known keys, groups, consumers, IDs near the ones
already added) with adversarial values mixed in (boundary integers, malformed
IDs, empty and long strings, wrong types, option keywords duplicated or in the
wrong place, IDS/STREAMS counts that do not match, MULTI, blocking variants
with small timeouts). The stream and consumer-group commands get most of the
traffic; every other command gets some.

After each batch the server must answer PING and its log must hold no
sanitizer report; a reply that does not come (a blocked client) is released
with CLIENT UNBLOCK and must then come, otherwise it is a hang. Periodically
it checks invariants that need no debugging command (XLEN against XRANGE,
XINFO STREAM against XRANGE, XPENDING summary against its extended form and
XINFO, ...) and that BGREWRITEAOF + DEBUG LOADAOF leave everything a client
can see unchanged. At the end the server is shut down and must exit cleanly
with a clean ASan/LSan log, and a restart from its AOF must show the same.

On a failure it prints the seed, the step and the last --history commands
(also written to <workdir>/failure.txt, with the server log) and exits 1.
--record FILE writes every command sent (JSON lines); --replay FILE replays
such a file against a fresh server; --minimize FILE shrinks it to a smaller
file that still crashes the server (or trips a sanitizer): for example 616
recorded commands down to the 2 that overflowed in XADD ~ (about 30 s).

    tests/fuzz/cmd_fuzz.py --seed 7 --minutes 5
    tests/fuzz/cmd_fuzz.py --bin build/streamd --steps 20000 --seed 3
    tests/fuzz/cmd_fuzz.py --replay /tmp/x.jsonl
    tests/fuzz/cmd_fuzz.py --minimize /tmp/x.jsonl --out /tmp/min.jsonl

Exit status: 0 clean, 1 a problem found, 2 usage or set-up error.
"""

import argparse
import collections
import faulthandler
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from testlib.dumppayload import seal  # noqa: E402
from testlib.resp import ConnectionClosed, RespConn, RespError, encode_command  # noqa: E402


def resolve_payload(a):
    """"@payload:<hex>" (a DUMP payload in a generated or recorded command,
    kept as text so --record can write it) -> its bytes."""
    if isinstance(a, str) and a.startswith("@payload:"):
        return bytes.fromhex(a[9:])
    return a

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "AddressSanitizer:DEADLYSIGNAL",
)

# ---------------------------------------------------------------------------
# Values


BOUNDARY_INTS = [
    "0", "1", "-1", "2", "3", "10", "100", "1000", "2147483647", "2147483648", "-2147483648",
    "-2147483649", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
    "18446744073709551616", "99999999999999999999999", "1e3", "0x10", " 1", "1 ", "+1",
    "-0", "00", "1.5", "", "abc", "inf", "-inf", "nan",
]
BAD_IDS = [
    "1-", "-1", "18446744073709551615-18446744073709551615", "0-0", "+", "-", "$", ">", "*",
    "0", "0-1", "1-*", "(0", "(0-0", "(1-1", "(", "(+", "(-", "18446744073709551615",
    "18446744073709551616-0", "0-18446744073709551616", "18446744073709551615-0",
    "0-18446744073709551615", "1-1-1", " 1-1", "1-1 ", "-1-1", "1--1", "9223372036854775807-9223372036854775807",
    "18446744073709551614-18446744073709551615", "(18446744073709551615-18446744073709551615",
    "abc", "", "1-a", "1.5", "0x1-0", "-", "+", "$", ">",
]
KEYWORDS = [
    "MAXLEN", "MINID", "~", "=", "LIMIT", "COUNT", "BLOCK", "STREAMS", "GROUP", "NOACK", "IDLE",
    "TIME", "RETRYCOUNT", "FORCE", "JUSTID", "LASTID", "MKSTREAM", "ENTRIESREAD", "NOMKSTREAM",
    "KEEPREF", "DELREF", "ACKED", "IDS", "IDMP", "IDMPAUTO", "CLAIM", "SILENT", "FAIL", "FATAL",
    "MAXCOUNT", "MAXSIZE", "IDMP-DURATION", "IDMP-MAXSIZE", "ENTRIESADDED", "MAXDELETEDID",
    "FULL", "CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER", "HELP", "NX", "XX",
    "GT", "LT", "EX", "PX", "GET", "KEEPTTL", "MATCH", "TYPE", "ASYNC", "SYNC", "WITHSCORES",
]
STREAM_KEYS = ["s1", "s2", "s3"]
KEYS = STREAM_KEYS + ["str", "nokey"]
GROUPS = ["g1", "g1", "g2"]
CONSUMERS = ["c1", "c2", "c3"]
PIDS = ["p1", "p2", "p3"]

# CONFIG SET parameters the fuzzer may change (the others would cut it off
# from the server: port, bind, dir, requirepass, maxclients, timeout, ...).
CONFIG_SAFE = {
    "stream-node-max-bytes": ["0", "1", "100", "4096", "-1", "2147483648", "abc"],
    "stream-node-max-entries": ["0", "1", "2", "5", "100", "-1", "9223372036854775808"],
    "stream-idmp-duration": ["0", "1", "10", "100", "86400", "-1", "abc"],
    "stream-idmp-maxsize": ["0", "1", "2", "10", "100", "10000", "-1"],
    "hz": ["1", "10", "100", "500", "0"],
    "appendfsync": ["always", "everysec", "no", "bad"],
    "slowlog-log-slower-than": ["0", "-1", "10000"],
    "slowlog-max-len": ["0", "1", "128", "1000"],
    "latency-tracking": ["yes", "no"],
    "latency-monitor-threshold": ["0", "1", "100"],
    "latency-tracking-info-percentiles": ["50 99 99.9", "", "0 100", "bad", "101"],
    "lazyfree-lazy-user-del": ["yes", "no", "maybe"],
    "activerehashing": ["yes", "no"],
    "busy-reply-threshold": ["0", "5000"],
    "auto-aof-rewrite-percentage": ["0", "100", "1"],
    "auto-aof-rewrite-min-size": ["67108864", "1", "0"],
    "loglevel": ["notice", "verbose", "warning", "bad"],
    "appendonly": ["yes", "no", "yes", "maybe"],
    "aof-use-rdb-preamble": ["no", "yes"],
    "aof-load-truncated": ["yes", "no"],
    # the drained subscriber (PSUBSCRIBE *) gets the notifications
    "notify-keyspace-events": ["", "KEA", "KEAmn", "Et", "Kx", "bad"],
}
# What a MONITOR connection gets: +<s>.<us> [<db> <client>] then quoted args.
MONITOR_LINE = re.compile(rb'^\+\d+\.\d{6} \[\d+ [^\]]+\]( "(?:[^"\\]|\\.)*")+$', re.S)

# Commands never sent as generated: they end the server or the fuzzer's
# access to it (MONITOR and CLIENT REPLY: no more replies to read), or they
# sleep (WAIT: its whole timeout, with no replica to answer; WAITAOF is
# generated with short timeouts by Gen.special; CLIENT PAUSE: a generated
# timeout holds the fuzzer's own next command, in ALL mode CLIENT UNPAUSE
# too, for as long as it says).
NEVER = {"shutdown", "monitor", "client|reply", "wait", "waitaof",
         # a subscription's pushes (and an unsubscription's one reply per
         # channel) do not fit one reply per command: PUBLISH/SPUBLISH are
         # generated, a dedicated subscriber connection is drained instead
         "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
         "sync", "psync", "replicaof", "slaveof", "failover", "save", "bgsave", "config|rewrite",
         "debug", "client|pause",
         # a debugging session takes the connection over (the next EVAL
         # stops at its first line and reads debugger commands; YES forks the
         # server for it, SYNC holds it): tests/compat/test_ldb_diff.py
         "script|debug",
         # BACKUP START holds every AOF rewrite (the AOF check's) until
         # BACKUP SEAL/ABORT, and writes files into dir; test_backup.py
         "backup", "backup|start", "backup|seal", "backup|status", "backup|list", "backup|abort",
         "backup|cleanup", "backup|help",
         # Not in streamd; listed for runs against redis-server (--bin).
         "acl", "module", "cluster", "readonly",
         # MIGRATE connects to whatever host and port it is given and waits
         # its timeout there (tests/compat/test_migrate_diff.py); RESTORE and
         # RESTORE-ASKING need payloads (test_dump_restore_diff.py)
         "migrate", "restore", "restore-asking", "blpop", "brpop", "blmove", "brpoplpush",
         "blmpop", "client|tracking", "debug",
         # blocking sorted-set pops: an empty key holds the fuzzer's connection
         "bzpopmin", "bzpopmax", "bzmpop",
         # TS.READ BLOCK 0 likewise: ts_cmd() sends it with short waits
         "ts.read"}


class Gen:
    """Builds commands. Its choices depend only on its seed and on what it
    generated before (never on replies), so a seed gives the same command
    sequence every time."""

    def __init__(self, seed, docs, info, nconns):
        self.rng = random.Random(seed)
        self.docs = docs
        self.info = info  # name -> arity
        self.nconns = nconns
        self.ms_hi = 5
        self.want_check = False  # an invariant check right after this batch
        self.recent = []  # IDs of the last big burst (likely to exist)
        self.recent_key = "s1"
        self.in_multi = [False] * nconns
        names = sorted(info)
        self.stream_cmds = [n for n in names if n.startswith("x") and n not in ("xinfo", "xgroup")]
        self.other_cmds = [n for n in names if not n.startswith("x") and n not in NEVER
                           and n.split("|")[0] not in NEVER and "|" not in n
                           and n not in ("client", "config", "command", "object", "memory",
                                         "function", "xinfo", "xgroup", "pubsub")]
        self.sub_cmds = [n for n in names if "|" in n and n not in NEVER]
        # DUMP payloads of fuzzed keys, harvested by the runner between
        # batches (Runner.harvest_payload): RESTOREd as they are or corrupted
        # with the CRC fixed up, so that the parser behind it is exercised.
        self.payloads = []

    # -- values ----------------------------------------------------------

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    def key(self):
        r = self.rng.random()
        if r < 0.9:
            return self.pick(STREAM_KEYS)
        if r < 0.95:
            return "str"
        return self.pick(["nokey", "", "s1\x00", "x" * 300])

    def other_key(self):
        """A key for the non-stream commands: mostly not a stream's."""
        return self.pick(["str", "k2", "k3"]) if self.chance(0.85) else self.key()

    def group(self):
        return self.pick(GROUPS) if self.chance(0.93) else self.pick(["", "nog", "g" * 200, "$"])

    def consumer(self):
        return self.pick(CONSUMERS) if self.chance(0.93) else self.pick(["", "c" * 300, "c1 "])

    def valid_id(self):
        if self.recent and self.chance(0.5):
            return self.pick(self.recent)
        ms = self.rng.randint(0, self.ms_hi)
        r = self.rng.random()
        if r < 0.15:
            return str(ms)
        return "%d-%d" % (ms, self.rng.randint(0, 3))

    def new_id(self):
        """An ID for XADD: mostly a little above the ones seen so far."""
        r = self.rng.random()
        if r < 0.55:
            self.ms_hi += self.rng.randint(0, 2)
            return "%d-%d" % (self.ms_hi, self.rng.randint(0, 3))
        if r < 0.7:
            self.ms_hi += self.rng.randint(0, 1)
            return "%d-*" % self.ms_hi
        if r < 0.8:
            return self.valid_id()
        if r < 0.85:
            return "*"
        return self.bad_id()

    def bad_id(self):
        return self.pick(BAD_IDS)

    def any_id(self):
        return self.valid_id() if self.chance(0.8) else self.bad_id()

    def range_id(self, lo):
        r = self.rng.random()
        if r < 0.35:
            return "-" if lo else "+"
        if r < 0.5:
            return "(" + self.valid_id()
        if r < 0.9:
            return self.valid_id()
        return self.bad_id()

    def count(self):
        r = self.rng.random()
        if r < 0.75:
            return str(self.rng.randint(0, 10))
        return self.pick(BOUNDARY_INTS)

    def boundary(self):
        return self.pick(BOUNDARY_INTS)

    def block_ms(self):
        return self.pick(["1", "2", "5", "10", "20", "50"]) if self.chance(0.95) else self.pick(
            ["-1", "abc", "9223372036854775807", "18446744073709551615", "1.5", ""])

    def idle_ms(self):
        return self.pick(["0", "0", "1", "10", "100", "3600000"]) if self.chance(0.9) else self.boundary()

    def string(self):
        r = self.rng.random()
        if r < 0.7:
            return self.pick(["f", "v", "a", "1", "x", "field", "value"])
        if r < 0.8:
            return ""
        if r < 0.88:
            return "v" * self.rng.choice([100, 1000, 5000])
        if r < 0.94:
            return self.pick(KEYWORDS)
        return self.boundary()

    def json_value(self):
        """A JSON text (sometimes a broken one) for the JSON.* commands."""
        return self.pick(["1", "-2.5", "1e20", '"s"', '"t"', "true", "null", "[]", "{}",
                          "[1,2,3]", '{"a":1,"b":[true,{"a":"x"}]}', '{"a":{"a":{"a":2}}}',
                          "[" * 40 + "]" * 40, "[1,", '{"a"', "tru", "", '"\\u00e9"'])

    def json_path(self):
        return self.pick(["$", ".", "$.a", ".a", "a", "$..a", "$.*", "$[0]", "$[-1]", "$.b[*]",
                          "$..*", "$.a.a", "$[1:3]", "$[?(@.a>0)]", "$..[?(@ == 1)]", "$.b[0,1]",
                          "$['a','b']", "$.zz", "$.a[", "[0]", "a.a"])

    def threshold(self):
        return self.pick([self.count(), self.valid_id(), self.boundary(), self.bad_id()])

    # -- from COMMAND DOCS -------------------------------------------------

    def value(self, cmd, arg):
        name = arg.get("name", "")
        typ = arg.get("type", "string")
        if typ == "key":
            return self.key() if cmd.startswith("x") else self.other_key()
        if cmd.startswith("json.") and name in ("json", "json-value", "json-string", "path"):
            return self.json_path() if name == "path" else self.json_value()
        if name in ("group", "groupname"):
            return self.group()
        if name in ("consumer", "consumername"):
            return self.consumer()
        if name in ("producer-id", "pid"):
            return self.pick(PIDS) if self.chance(0.9) else self.string()
        if name in ("idempotent-id", "iid"):
            return str(self.rng.randint(0, 8)) if self.chance(0.8) else (
                str(self.rng.randint(0, 100000)) if self.chance(0.5) else self.string())
        if name == "id" and cmd == "xadd":
            return self.new_id()
        if name in ("id", "last-id", "max_deleted_entry_id", "stream-id", "lastid"):
            return self.any_id()
        if name == "start":
            return self.range_id(cmd != "xrevrange")
        if name == "end":
            return self.range_id(cmd == "xrevrange")
        if name == "threshold":
            return self.threshold()
        if name == "milliseconds" and cmd.startswith("xread"):
            return self.block_ms()
        if name == "min-idle-time" or name == "ms":
            return self.idle_ms()
        if name in ("count", "numids", "maxcount", "maxsize", "entries_added", "entries-read",
                    "entriesread", "iids-added", "iids-duplicates", "duration"):
            return self.count()
        if name in ("index", "db"):
            return self.pick(["0", "1", "-1", "16", "2147483648"])
        if name == "seconds" or name == "milliseconds" or typ == "unix-time":
            return self.pick(["100000", "1", "0", "-1", "9223372036854775807", "100000000"])
        if cmd.startswith("ts.") and name in ("timestamp", "fromTimestamp", "toTimestamp",
                                              "Timestamp", "alignTimestamp"):
            return self.pick(["*", "-", "+", "0", "5", "100", "1000"]) if self.chance(0.9) \
                else self.boundary()
        if cmd.startswith("ts.") and name in ("filterExpr", "label", "label1"):
            return self.pick(["a=b", "a=(b,c)", "a!=", "a=", "k=v", "bad", "a!=(b)"])
        if typ in ("integer", "double"):
            return self.count()
        if name == "field" or name == "value":
            return self.string()
        if name == "pattern":
            return self.pick(["*", "s*", "[", "\\", "*" * 50, "?"])
        return self.string()

    def from_docs(self, cmd, args, out):
        for a in args:
            flags = a.get("flags", ())
            if "optional" in flags and self.chance(0.55):
                continue
            reps = 1
            if "multiple" in flags:
                reps = self.pick([1, 1, 1, 2, 3])
            for i in range(reps):
                if a.get("token") and (i == 0 or "multiple_token" in flags):
                    out.append(a["token"])
                t = a.get("type")
                if t == "pure-token":
                    continue
                if t == "oneof":
                    self.from_docs(cmd, [self.pick(a["arguments"])], out)
                elif t == "block":
                    self.from_docs(cmd, a["arguments"], out)
                else:
                    out.append(self.value(cmd, a))

    def docs_command(self, name):
        doc = self.docs.get(name)
        words = name.split("|")
        out = list(words)
        if doc is None or self.chance(0.08):
            # Shapes from the arity alone: the minimum number of arguments,
            # one fewer, one more, a few more; filled with any values.
            arity = self.info.get(name, -1)
            n = abs(arity) + self.pick([0, 0, -1, 1, 3])
            while len(out) < n:
                out.append(self.pick([self.key(), self.any_id(), self.count(), self.string(),
                                      self.pick(KEYWORDS)]))
            return out[:max(n, 1)]
        self.from_docs(name, doc.get("arguments", []), out)
        return self.fix_counts(name, out)

    def fix_counts(self, name, out):
        """Mostly makes IDS numids and STREAMS key/ID counts agree."""
        if name in ("xdelex", "xackdel", "xnack") and "IDS" in out and self.chance(0.8):
            i = out.index("IDS")
            if i + 1 < len(out):
                n = 0
                for w in out[i + 2:]:
                    if w in ("RETRYCOUNT", "FORCE"):
                        break
                    n += 1
                out[i + 1] = str(n)
        if name in ("xread", "xreadgroup") and "STREAMS" in out and self.chance(0.85):
            i = out.index("STREAMS")
            nk = self.pick([1, 1, 1, 2, 3]) if self.chance(0.95) else self.rng.randint(15, 40)
            keys = [self.key() for _ in range(nk)]
            if name == "xreadgroup":
                ids = [">" if self.chance(0.7) else self.any_id() for _ in range(nk)]
            else:
                ids = [self.pick(["$", "0", "+"]) if self.chance(0.4) else self.any_id()
                       for _ in range(nk)]
            out[i + 1:] = keys + ids
        return out

    # -- hand-written shapes ----------------------------------------------

    def trim_opts(self):
        o = [self.pick(["MAXLEN", "MINID"])]
        if self.chance(0.6):
            o.append(self.pick(["=", "~"]))
        o.append(str(self.rng.randint(0, 200)) if o[0] == "MAXLEN" and self.chance(0.8)
                 else self.threshold())
        if self.chance(0.3):
            o += ["LIMIT", self.count()]
        return o

    def xadd(self):
        key = self.key()
        out = ["XADD", key]
        opts = []
        auto = key == "s3" or self.chance(0.002)  # s3 gets time-based IDs, and IDMP
        if self.chance(0.1):
            opts.append(["NOMKSTREAM"])
        if self.chance(0.2):
            opts.append([self.pick(["KEEPREF", "DELREF", "ACKED"])])
        if self.chance(0.6 if auto else 0.1):
            if self.chance(0.5):
                opts.append(["IDMP", self.pick(PIDS), str(self.rng.randint(0, 8))])
            else:
                opts.append(["IDMPAUTO", self.pick(PIDS)])
        if self.chance(0.25):
            opts.append(self.trim_opts())
        self.rng.shuffle(opts)
        for o in opts:
            out += o
        out.append("*" if auto and self.chance(0.95) else self.new_id())
        n = self.pick([1, 1, 1, 2, 3]) if self.chance(0.95) else self.rng.randint(15, 40)
        for _ in range(n):
            out += [self.pick(["f", "g", "h"]), self.pick(["1", "2", "", "abc", "x" * 50])]
        return out

    def n_ids(self):
        """How many IDs a command names: mostly a few, sometimes more than
        the 16 that fixed-size buffers hold."""
        return self.pick([1, 1, 1, 2, 3, 5]) if self.chance(0.93) else self.rng.randint(15, 40)

    def xreadgroup(self):
        out = ["XREADGROUP", "GROUP", self.group(), self.consumer()]
        opts = []
        if self.chance(0.6):
            opts.append(["COUNT", str(self.rng.randint(1, 5)) if self.chance(0.9) else self.count()])
        if self.chance(0.2):
            opts.append(["BLOCK", self.block_ms()])
        if self.chance(0.15):
            opts.append(["NOACK"])
        if self.chance(0.25):
            opts.append(["CLAIM", self.idle_ms()])
        if self.chance(0.1):
            opts.append(["MAXCOUNT", self.count()])
        if self.chance(0.1):
            opts.append(["MAXSIZE", self.pick(["1", "10", "100", "0", "1000000"])])
        self.rng.shuffle(opts)
        for o in opts:
            out += o
        return self.fix_counts("xreadgroup", out + ["STREAMS", self.key(), ">"])

    def xgroup_create(self):
        out = ["XGROUP", "CREATE", self.key(), self.group(),
               self.pick(["0", "$", "0", self.valid_id()]) if self.chance(0.9) else self.bad_id()]
        if self.chance(0.7):
            out.append("MKSTREAM")
        if self.chance(0.2):
            out += ["ENTRIESREAD", self.count()]
        return out

    def xclaim(self):
        out = ["XCLAIM", self.key(), self.group(), self.consumer(), self.idle_ms()]
        out += [self.any_id() for _ in range(self.n_ids())]
        for opt in ("IDLE", "TIME", "RETRYCOUNT", "FORCE", "JUSTID", "LASTID"):
            if self.chance(0.15):
                out.append(opt)
                if opt in ("IDLE", "RETRYCOUNT"):
                    out.append(self.count())
                elif opt == "TIME":
                    out.append(self.pick(["0", "1", "1000000000000", "9223372036854775807", "-1"]))
                elif opt == "LASTID":
                    out.append(self.any_id())
        return out

    def xack_like(self):
        cmd = self.pick(["XACK", "XACKDEL", "XNACK", "XDELEX", "XDEL"])
        ids = [self.valid_id() if self.chance(0.85) else self.bad_id()
               for _ in range(self.n_ids())]
        if cmd == "XACK":
            return [cmd, self.key(), self.group()] + ids
        if cmd == "XDEL":
            return [cmd, self.key()] + ids
        out = [cmd, self.key()]
        if cmd != "XDELEX":
            out.append(self.group())
        if cmd == "XNACK":
            out.append(self.pick(["SILENT", "FAIL", "FATAL"]))
        elif self.chance(0.5):
            out.append(self.pick(["KEEPREF", "DELREF", "ACKED"]))
        out += ["IDS", str(len(ids))] + ids
        if cmd == "XNACK":
            if self.chance(0.3):
                out += ["RETRYCOUNT", self.count()]
            if self.chance(0.3):
                out.append("FORCE")
        return out

    def big_burst(self):
        """Hundreds of entries delivered at once, so that pending lists
        outgrow a tree node (and a level), then bulk operations on runs of
        consecutive IDs."""
        key = self.pick(["s1", "s2"])
        n = self.rng.randint(150, 1500) if self.chance(0.85) else self.rng.randint(3000, 6000)
        ids = []
        # Mostly a fresh stream: the old one may hold a string, or IDs above
        # these (a "*" ID, XSETID, a RENAME of s3).
        cmds = [["DEL", key]] if self.chance(0.7) else []
        self.recent_key = key
        for _ in range(n):
            self.ms_hi += 1
            ids.append("%d-0" % self.ms_hi)
            cmds.append(["XADD", key, ids[-1], "f", "v"])
        self.recent = ids
        cmds.append(["XGROUP", "CREATE", key, self.group(), "0", "MKSTREAM"])
        for _ in range(self.rng.randint(1, 3)):
            cmds.append(["XREADGROUP", "GROUP", self.group(), self.consumer(), "COUNT",
                         str(self.rng.randint(100, 6000)), "STREAMS", key, ">"])
        for _ in range(self.rng.randint(0, 6)):
            k = self.rng.randint(1, 60) if self.chance(0.8) else self.rng.randint(100, 3000)
            at = self.rng.randrange(len(ids))
            run = ids[at:at + k]
            if self.chance(0.3):
                run = run[::-1]
            op = self.pick(["XACK", "XNACK", "XCLAIM", "XACKDEL", "XDEL", "XDELEX", "XAUTOCLAIM",
                            "XTRIM", "XSETID"])
            g = self.group()
            if op == "XACK":
                cmds.append([op, key, g] + run)
            elif op == "XNACK":
                cmds.append([op, key, g, self.pick(["SILENT", "FAIL", "FATAL"]), "IDS", str(len(run))]
                            + run + (["FORCE"] if self.chance(0.3) else []))
            elif op == "XCLAIM":
                cmds.append([op, key, g, self.consumer(), "0"] + run
                            + (["JUSTID"] if self.chance(0.3) else []))
            elif op in ("XACKDEL", "XDELEX"):
                cmds.append([op, key] + ([g] if op == "XACKDEL" else [])
                            + [self.pick(["KEEPREF", "DELREF", "ACKED"]), "IDS", str(len(run))] + run)
            elif op == "XDEL":
                cmds.append([op, key] + run)
            elif op == "XAUTOCLAIM":
                cmds.append([op, key, g, self.consumer(), "0", run[0], "COUNT",
                             str(self.rng.randint(1, 1000))])
            elif op == "XTRIM":
                cmds.append([op, key, "MINID", run[0]])
            else:
                cmds.append(["XGROUP", "SETID", key, g, run[0]])
        return cmds

    def acked_setid_scenario(self):
        """An ACKED trim walks to the end of a fresh stream (a group read
        everything and left a few entries pending), the top entries go, XSETID
        moves the last ID back under them and new entries land below where
        the trim walked: acknowledged (the group read past them), so the next
        ACKED trim must delete them. Sets want_check: the runner checks the
        ACKED trims right after this batch, before other commands lower
        streamd's trim bound or append past it."""
        key = self.pick(["s1", "s2"])
        g = self.group()
        ids = []
        cmds = [["DEL", key]]
        for _ in range(self.rng.randint(5, 150)):
            self.ms_hi += 1
            ids.append("%d-0" % self.ms_hi)
            cmds.append(["XADD", key, ids[-1], "f", "v"])
        self.recent_key = key
        self.recent = ids
        cmds.append(["XGROUP", "CREATE", key, g, "0"])
        cmds.append(["XREADGROUP", "GROUP", g, self.consumer(), "STREAMS", key, ">"])
        cmds.append(["XACK", key, g] + [i for i in ids if not self.chance(0.1)])
        cmds.append(["XTRIM", key, "MAXLEN", "=", "0", "ACKED"])
        k = self.rng.randint(1, 4)
        base = ids[-k - 1]
        cmds.append(["XDEL", key] + ids[-k:])
        cmds.append(["XSETID", key, base, "MAXDELETEDID", base])
        ms = base.split("-")[0]
        for j in range(1, self.rng.randint(2, 40)):
            cmds.append(["XADD", key, "%s-%d" % (ms, j), "f", "v"])
        self.want_check = True
        return cmds

    def acked_bound_scenario(self):
        """ACKED trims remember how far they found only kept entries
        (StreamTrim.known_kept) and step over those nodes next time, so
        every way an entry stops being kept must lower that bound. A fresh
        stream read by one or two groups, a few entries left pending here
        and there, an ACKED trim walking to the end; then one to three
        changes (ways an entry lets go, and changes that only look like
        one), sometimes inside MULTI. Sets want_check: the runner's exact
        ACKED trims follow right after this batch."""
        key = self.pick(["s1", "s2"])
        cmds = [["DEL", key]]
        ids = []
        for _ in range(self.rng.randint(8, 120)):
            self.ms_hi += self.rng.randint(1, 2)
            ids.append("%d-0" % self.ms_hi)
            cmds.append(["XADD", key, ids[-1], "f", "v"])
        self.recent_key = key
        self.recent = ids
        groups = ["g1", "g2"][:self.rng.randint(1, 2)]
        for g in groups:
            cmds.append(["XGROUP", "CREATE", key, g, "0" if self.chance(0.8) else self.pick(ids)])
            for c in CONSUMERS[:self.rng.randint(1, 3)]:
                cmds.append(["XREADGROUP", "GROUP", g, c, "COUNT", str(self.rng.randint(1, len(ids))),
                             "STREAMS", key, ">"])
            cmds.append(["XACK", key, g] + [i for i in ids if not self.chance(0.1)])
        cmds.append(["XTRIM", key, "MAXLEN", "=", "0", "ACKED"])
        ops = []
        for _ in range(self.rng.randint(1, 3)):
            ops += self.let_go(key, groups, ids)
        if self.chance(0.2):
            ops = [["MULTI"]] + ops + [["EXEC"]]
        self.want_check = True
        return cmds + ops

    def let_go(self, key, groups, ids):
        """One change for acked_bound_scenario."""
        g = self.pick(groups)
        c = self.pick(CONSUMERS)
        some = self.rng.sample(ids, min(len(ids), self.pick([1, 1, 2, 5])))
        policy = self.pick(["KEEPREF", "DELREF", "ACKED"])
        op = self.rng.randrange(17)
        if op == 0:
            return [["XACK", key, g] + some]
        if op == 1:
            return [["XACKDEL", key, g, policy, "IDS", str(len(some))] + some]
        if op == 2:
            return [["XGROUP", "DELCONSUMER", key, g, c]]
        if op == 3:
            return [["XDELEX", key, policy, "IDS", str(len(some))] + some]
        if op == 4:  # pending entries of deleted entries go with the claim
            return [["XDEL", key] + some,
                    ["XCLAIM", key, g, c, self.pick(["0", "3600000"])] + some
                    + (["JUSTID"] if self.chance(0.3) else [])]
        if op == 5:
            return [["XDEL", key] + some,
                    ["XAUTOCLAIM", key, g, c, "0", "0-0", "COUNT", str(self.rng.randint(1, 200))]]
        if op == 6:
            return [["XGROUP", "DESTROY", key, g]]
        if op == 7:  # the top goes, the last ID moves back, appends land below
            k = self.rng.randint(1, len(ids) - 1)
            base = ids[-k - 1]
            ms = base.split("-")[0]
            return [["XDEL", key] + ids[-k:], ["XSETID", key, base, "MAXDELETEDID", base]] + [
                ["XADD", key, "%s-%d" % (ms, j), "f", "w"] for j in range(1, self.rng.randint(2, 6))]
        if op == 8:
            return [["XGROUP", "SETID", key, g, self.pick(["0", "$", self.pick(ids)])]
                    + (["ENTRIESREAD", str(self.rng.randint(0, len(ids)))] if self.chance(0.3) else [])]
        if op == 9:
            return [["XGROUP", "CREATE", key, "g3", self.pick(["0", "$", self.pick(ids)])]]
        if op == 10:
            return [["XNACK", key, g, self.pick(["SILENT", "FAIL", "FATAL"]), "IDS", str(len(some))]
                    + some + (["FORCE"] if self.chance(0.4) else [])]
        if op == 11:
            return [["XREADGROUP", "GROUP", g, c, "COUNT", str(self.rng.randint(1, 20)), "CLAIM",
                     self.pick(["0", "3600000"]), "STREAMS", key, ">"]]
        if op == 12:
            return [["XREADGROUP", "GROUP", g, c] + (["NOACK"] if self.chance(0.5) else [])
                    + ["STREAMS", key, self.pick([">", "0"])]]
        if op == 13:
            return [["XCLAIM", key, g, c, "0"] + some + ["FORCE"]
                    + (["LASTID", self.pick(ids)] if self.chance(0.3) else [])]
        if op == 14:
            self.ms_hi += 1
            return [["XADD", key, policy, "MAXLEN", self.pick(["=", "~"]),
                     str(self.rng.randint(0, len(ids))), "%d-0" % self.ms_hi, "f", "v"]]
        if op == 15:
            return [["XTRIM", key, self.pick(["MAXLEN", "MINID"]), "=",
                     self.pick(["0", "5", self.pick(ids)]), policy]]
        return [["RENAME", key, "tmp"], ["RENAME", "tmp", key]] if self.chance(0.7) else [
            ["DEBUG", "LOADAOF"]]

    def idmp_burst(self):
        """Many idempotent adds: producers' tables fill, overflow, evict
        (IDMP-MAXSIZE) and see duplicates; XIDMPRECORD adds older IDs."""
        key = "s3"  # IDMP needs "*" IDs: s1 and s2 keep small explicit ones
        cmds = []
        if self.chance(0.6):
            cmds.append(["XCFGSET", key, "IDMP-MAXSIZE", self.pick(["1", "10", "100", "1000", "10000"])]
                        + (["IDMP-DURATION", self.pick(["1", "100", "86400"])] if self.chance(0.3) else []))
        n = self.rng.randint(50, 800)
        pid = self.pick(PIDS)
        base = self.rng.randint(0, 100000) if self.chance(0.5) else self.rng.randint(0, 20)
        for i in range(n):
            iid = str(base + (i if self.chance(0.8) else self.rng.randint(0, n)))
            if self.chance(0.9):
                cmds.append(["XADD", key, "IDMP", pid, iid, "*", "f", iid])
            else:
                cmds.append(["XADD", key, "IDMPAUTO", pid, "*", "f", str(self.rng.randint(0, n))])
        # Out of order records on a stream with known IDs (the last burst's).
        other = self.recent_key
        for _ in range(self.rng.randint(0, 40)):
            cmds.append(["XIDMPRECORD", other, self.pick(PIDS), str(self.rng.randint(0, 50)),
                         self.pick(self.recent[-60:]) if self.recent else self.valid_id()])
        return cmds

    def multi_block(self, conn):
        """A whole transaction: MULTI, a few commands, EXEC or DISCARD."""
        cmds = [["MULTI"]]
        for _ in range(self.rng.randint(0, 5)):
            cmds.append(self.one(conn, allow_multi=False))
        cmds.append(["EXEC"] if self.chance(0.85) else ["DISCARD"])
        return cmds

    def special(self, conn):
        r = self.rng.random()
        if r < 0.12:
            return ["HELLO", self.pick(["2", "3", "3", "2", "1", "4", "", "-1"])] + (
                ["SETNAME", self.pick(["n", "", "a b"])] if self.chance(0.1) else [])
        if r < 0.2:
            return ["SELECT", self.pick(["0", "0", "0", "1", "-1", "16", "x"])]
        if r < 0.27:
            return ["CONFIG", "SET"] + self.config_pair()
        if r < 0.32:
            return ["DEBUG", self.pick(["LOADAOF", "HELP", "LOG", "SLEEP", "NOSUCH"])] + (
                [self.pick(["0", "0.001", "x"])] if self.chance(0.5) else [])
        if r < 0.37:
            if self.chance(0.25):
                # RDB snapshots (DEBUG RELOAD: save, flush, load back) and
                # a HOTKEYS session around the generated traffic
                return self.pick([["BGSAVE"], ["BGSAVE", "SCHEDULE"], ["SAVE"], ["LASTSAVE"],
                                  ["DEBUG", "RELOAD"],
                                  ["HOTKEYS", "START", "METRICS", self.pick(["1", "2"]), "CPU",
                                   "NET", "COUNT", self.pick(["1", "10"])]
                                  + self.pick([[], ["SAMPLE", "3"], ["DURATION", "1"]]),
                                  ["HOTKEYS", "GET"], ["HOTKEYS", "STOP"], ["HOTKEYS", "RESET"]])
            if self.chance(0.6):
                return ["BGREWRITEAOF"]
            # WAITAOF: at once, at a short timeout, or (timeout 0 and never
            # met) released by the fuzzer's CLIENT UNBLOCK
            return ["WAITAOF", self.pick(["0", "1", "1", "1", "2", "x"]),
                    self.pick(["0", "0", "0", "1", "-1"]), self.pick(["0", "1", "10", "50", "-1"])]
        if r < 0.42:
            # Another fuzzing connection: mid-pipeline, possibly blocked.
            return ["CLIENT", "UNBLOCK", "@conn%d" % self.rng.randrange(self.nconns)] + (
                [self.pick(["TIMEOUT", "ERROR", "BAD"])] if self.chance(0.6) else [])
        if r < 0.45:
            if self.chance(0.85):
                return ["CLIENT", "KILL", "ID", "@conn%d" % self.rng.randrange(self.nconns)]
            # Filters: every other normal client (the blocked ones too), or
            # odd ones.
            return ["CLIENT", "KILL"] + self.pick([
                ["TYPE", "normal", "SKIPME", "yes"], ["TYPE", "pubsub"], ["USER", "default", "SKIPME", "yes"],
                ["ADDR", "127.0.0.1:1"], ["LADDR", "x"], ["MAXAGE", "0", "SKIPME", "yes"],
                ["ID", "@conn0", "ID", "@conn1"], ["SKIPME", "maybe"], ["TYPE", "nosuch"]])
        if r < 0.5:
            return ["FLUSHALL"] if self.chance(0.05) else ["DEL", self.key()]
        if r < 0.55:
            return ["SWAPDB", self.pick(["0", "1"]), self.pick(["0", "1", "2"])]
        if r < 0.6:
            return ["RESET"]
        if r < 0.65:
            return ["WATCH", self.key()]
        if r < 0.7:
            return ["EXPIRE", self.key(), self.pick(["100000", "0", "-1", "9223372036854775807"])]
        if r < 0.75:
            if self.chance(0.6):
                return ["SET", self.other_key(), "x"]
            # Redis 8.4's string conditions, on strings and on stream keys
            k = self.pick([self.other_key(), self.key()])
            cond = self.pick([["IFEQ", "x"], ["IFNE", "x"], ["IFDEQ", "2d06800538d394c2"],
                              ["IFDNE", "2D06800538D394C2"], ["IFDEQ", "xyz"], ["IFEQ"]])
            if self.chance(0.5):
                # the rest of the string and bitmap surface, on strings and
                # stream keys, with offsets and sizes near their limits
                off = self.pick(["0", "7", "100", "-1", "4294967295", "4294967296", "x"])
                return self.pick([
                    ["SETRANGE", k, off, self.pick(["ab", ""])], ["GETRANGE", k, off, "-1"],
                    ["SETBIT", k, off, self.pick(["0", "1", "2"])], ["GETBIT", k, off],
                    ["BITCOUNT", k] + self.pick([[], ["0", "-1"], ["0", "7", "BIT"], ["1"]]),
                    ["BITPOS", k, self.pick(["0", "1"])] + self.pick([[], ["2", "-1", "BYTE"]]),
                    ["BITOP", self.pick(["AND", "OR", "XOR", "NOT", "DIFF", "DIFF1", "ANDOR", "ONE"]),
                     self.other_key(), k] + self.pick([[], [self.other_key()], [k, self.key()]]),
                    ["BITFIELD", k, "INCRBY", self.pick(["i5", "u63", "i64", "u64"]), off,
                     self.pick(["1", "-9223372036854775808"])]
                    + self.pick([[], ["OVERFLOW", "FAIL", "SET", "u8", "#1", "255"]]),
                    ["BITFIELD_RO", k, "GET", "u8", off],
                    ["INCRBYFLOAT", k, self.pick(["1.5", "-inf", "1e308", "x"])],
                    ["GETEX", k] + self.pick([[], ["PERSIST"], ["PX", "100000"], ["EXAT", "1"]]),
                    ["GETSET", k, "v"], ["LCS", k, self.other_key()] + self.pick([[], ["IDX"], ["LEN"]]),
                    ["MSETNX", k, "1", self.other_key(), "2"], ["SETEX", k, "100", "v"],
                ])
            return self.pick([
                ["SET", k, self.pick(["x", ""])] + cond + self.pick([[], ["GET"], ["EX", "100"], ["NX"]]),
                ["DELEX", k] + self.pick([[], cond]), ["DIGEST", k],
                ["MSETEX", self.pick(["1", "2", "0", "3", "x"]), k, "x", self.other_key(), "y"]
                + self.pick([[], ["NX"], ["XX"], ["PX", "100000"], ["KEEPTTL"], ["EX", "0"]]),
            ])
        if r < 0.8:
            return ["TYPE", self.key()] if self.chance(0.5) else ["OBJECT", "ENCODING", self.key()]
        if r < 0.83:
            if self.chance(0.5):
                return [self.pick(["RENAME", "RENAMENX"]), self.key(), self.key()]
            # a stream with its groups copied or moved, maybe to another db
            if self.chance(0.3):
                return ["MOVE", self.key(), self.pick(["0", "1", "2"])]
            return ["COPY", self.key(), self.key()] + self.pick(
                [[], ["REPLACE"], ["DB", self.pick(["0", "1"])], ["DB", "1", "REPLACE"]])
        if r < 0.86:
            # The keys of a generated command (sometimes a wide one).
            inner = self.one(conn, allow_multi=False)
            if self.chance(0.2):
                inner = ["DEL"] + [self.key() for _ in range(self.rng.randint(200, 600))]
            return ["COMMAND", self.pick(["GETKEYS", "GETKEYSANDFLAGS"])] + inner
        if r < 0.92 and self.payloads:
            return self.restore()
        if r < 0.93:
            return ["DUMP", self.key()]
        if r < 0.95:
            return self.acl(conn)
        return self.xadd()

    ACL_RULES = ["on", "off", "nopass", "resetpass", ">pw", "<pw", "#" + "ab" * 32, "!" + "ab" * 32,
                 "+@all", "-@all", "+@stream", "-@write", "+xadd", "-xadd", "+client|id",
                 "+select|0", "+xinfo|stream|x", "+get|", "~s*", "%R~s1", "%W~x", "allkeys",
                 "resetkeys", "&ch*", "allchannels", "resetchannels", "reset", "+@nosuch", "bad",
                 "(+get)", "(+xadd ~s1 &c)", "(+get", "~x)", "clearselectors", "sanitize-payload"]

    def acl(self, conn):
        """ACL on users other than default (the fuzzer's connections stay
        default's): rules valid and not, descriptions, dry runs of generated
        commands, deletions."""
        user = self.pick(["fz1", "fz2", "fz3"])
        r = self.rng.random()
        if r < 0.4:
            return ["ACL", "SETUSER", user] + [self.pick(self.ACL_RULES)
                                               for _ in range(self.rng.randint(0, 6))]
        if r < 0.6:
            return ["ACL", "DRYRUN", user] + self.one(conn, allow_multi=False)
        return self.pick([["ACL", "GETUSER", user], ["ACL", "DELUSER", user], ["ACL", "LIST"],
                          ["ACL", "USERS"], ["ACL", "LOG", self.pick(["1", "RESET", "x"])],
                          ["ACL", "CAT", self.pick(["stream", "nosuch"])], ["ACL", "WHOAMI"]])

    # Scripts that run a generated command (or two) through redis.call /
    # redis.pcall, over RESP2 or RESP3 inside the script, with the replies
    # converted to Lua values and back; some fail on purpose.
    SCRIPTS = [
        "return redis.pcall(unpack(ARGV))",
        "return redis.call(unpack(ARGV))",
        "redis.setresp(3) return redis.pcall(unpack(ARGV))",
        "local r = redis.pcall(unpack(ARGV)) return {r, redis.pcall(unpack(ARGV))}",
        "local r = redis.pcall(unpack(ARGV)) if type(r) == 'table' then return #r end return r",
        "redis.setresp(3) local r = redis.pcall(unpack(ARGV)) return {type(r), r}",
        "redis.set_repl(redis.REPL_NONE) return redis.pcall(unpack(ARGV))",
        "return cjson.encode({redis.pcall(unpack(ARGV))})",
        "error({err = ARGV[1]})",
        "return redis.pcall(unpack(ARGV), 'extra')",
    ]

    FZ_LIB = ("#!lua name=fz\n"
              "redis.register_function('fz_pcall', function(k, a) return redis.pcall(unpack(a)) end)\n"
              "redis.register_function('fz_call', function(k, a) return redis.call(unpack(a)) end)\n"
              "redis.register_function{function_name='fz_ro', flags={'no-writes'},\n"
              "  callback=function(k, a) redis.setresp(3) return redis.pcall(unpack(a)) end}")

    def scripted(self, cmd):
        cmd = [str(a) for a in cmd]
        if not cmd:
            return ["EVAL", "return 1", "0"]
        r = self.rng.random()
        if r < 0.6:
            body = self.pick(self.SCRIPTS)
            return [self.pick(["EVAL", "EVAL", "EVAL_RO"]), body, "0"] + cmd
        if r < 0.75:
            # the same through a function (loaded now and then, flushed now and then)
            return [self.pick(["FCALL", "FCALL", "FCALL_RO"]),
                    self.pick(["fz_pcall", "fz_call", "fz_ro", "fz_none"]), "0"] + cmd
        if r < 0.8:
            return self.pick([["FUNCTION", "LOAD", "REPLACE", self.FZ_LIB],
                              ["FUNCTION", "DELETE", "fz"], ["FUNCTION", "FLUSH"],
                              ["FUNCTION", "LIST", "WITHCODE"], ["FUNCTION", "STATS"],
                              ["FUNCTION", "LOAD", "#!lua name=fzbad\nredis.register_function()"]])
        if r < 0.9:
            return ["SCRIPT", self.pick(["LOAD", "EXISTS", "FLUSH", "KILL", "HELP"]),
                    self.pick(self.SCRIPTS)]
        return ["EVALSHA", self.pick(["", "x" * 40, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"]),
                self.pick(["0", "1", "-1", "x"])] + cmd[:3]

    def restore(self):
        """RESTORE of a harvested payload into a fuzzed key: intact, or with
        bytes flipped, inserted, cut or the type changed, the CRC fixed so
        that the value parser (not the checksum) has to refuse it."""
        p = bytes.fromhex(self.pick(self.payloads))
        if self.chance(0.6) and len(p) > 10:
            body, version = bytearray(p[:-10]), p[-10] | p[-9] << 8
            for _ in range(self.pick([1, 1, 2, 3, 8])):
                if not body:
                    break
                r = self.rng.random()
                i = self.rng.randrange(len(body))
                if r < 0.6:
                    body[i] ^= 1 << self.rng.randrange(8)
                elif r < 0.7:
                    body[i] = self.pick([0, 0x7F, 0x80, 0xC0, 0xC3, 0xF0, 0xF4, 0xFF])
                elif r < 0.8:
                    del body[i:i + self.rng.randint(1, 16)]
                elif r < 0.9:
                    body[i:i] = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 8)))
                else:
                    body[0] = self.pick([0, 15, 19, 21, 26, 27, 208, 1, 99])
            if not body:
                body = bytearray(b"\x00")
            p = seal(body, self.pick([version, version, 9, 10, 11, 12, 13, 14, 16]))
        opts = self.pick([[], ["REPLACE"], ["REPLACE"], ["REPLACE"], ["REPLACE", "ABSTTL"],
                          ["REPLACE", "IDLETIME", "5"], ["FREQ", "3"],
                          ["REPLACE", "IDLETIME", "100000"]])
        ttl = self.pick(["0", "0", "0", "100000", "1", "-1"])
        if "ABSTTL" in opts:
            ttl = self.pick(["1", "99999999999999"])
        return ["RESTORE", self.key(), ttl, "@payload:" + p.hex()] + opts

    def config_pair(self):
        if self.chance(0.1):
            return [self.pick(["nosuch", "databases", "appendonly", "dir"]), "1"]
        out = []
        for _ in range(self.pick([1, 1, 1, 2, 3])):
            name = self.pick(sorted(CONFIG_SAFE))
            out += [name, self.pick(CONFIG_SAFE[name]) if self.chance(0.8) else self.boundary()]
        return out

    def one(self, conn, allow_multi=True):
        r = self.rng.random()
        if r < 0.18:
            cmd = self.xadd()
        elif r < 0.3:
            cmd = self.xreadgroup()
        elif r < 0.35:
            cmd = self.xgroup_create()
        elif r < 0.4:
            cmd = self.xack_like()
        elif r < 0.44:
            cmd = self.xclaim()
        elif r < 0.64:
            cmd = self.docs_command(self.pick(self.stream_cmds + ["xinfo|stream", "xinfo|groups",
                                                                   "xinfo|consumers", "xgroup|setid",
                                                                   "xgroup|createconsumer",
                                                                   "xgroup|delconsumer",
                                                                   "xgroup|destroy"]))
        elif r < 0.67:
            cmd = self.array_cmd()
        elif r < 0.73:  # Redis 8's module types, one generator each
            cmd = self.rng.choice([self.bloom_cmd, self.sketch_cmd, self.vset_cmd, self.ts_cmd,
                                   self.ftsug_cmd, self.ft_cmd, self.ftagg_cmd, self.geo_cmd,
                                   self.hll_cmd, self.fthybrid_cmd])()
        elif r < 0.76:
            cmd = self.docs_command(self.pick(self.other_cmds + self.sub_cmds))
            if cmd[0] == "config" and len(cmd) > 1 and cmd[1] == "set":
                cmd = ["config", "set"] + self.config_pair()
            if cmd[0] in ("flushall", "flushdb") and self.chance(0.8):
                cmd = ["ping"]
            if self.chance(0.15):  # to channels the drained subscriber listens to
                cmd = [self.pick(["publish", "spublish"]), self.pick(["s1", "s2", "k1", "c"]),
                       self.pick(["", "m", "x" * 300, "\x00\r\n"])]
        elif r < 0.78 and allow_multi:
            return self.multi_block(conn)
        elif r < 0.783 and allow_multi:
            return self.big_burst()
        elif r < 0.785 and allow_multi:
            return self.idmp_burst()
        elif r < 0.79 and allow_multi:
            # A burst of entries (and maybe deliveries), so that streams and
            # PELs grow past a few nodes.
            key = self.pick(STREAM_KEYS)
            cmds = []
            for _ in range(self.rng.randint(10, 60)):
                self.ms_hi += 1
                cmds.append(["XADD", key, "*" if key == "s3" else "%d-0" % self.ms_hi, "f", "v"])
            if self.chance(0.5):
                cmds.append(["XREADGROUP", "GROUP", self.group(), self.consumer(), "COUNT", "100",
                             "STREAMS", key, ">"])
            return cmds
        else:
            cmd = self.special(conn)
        if self.chance(0.2):
            cmd = self.mutate(cmd)
        if self.chance(0.06):
            cmd = self.scripted(cmd)
        if len(cmd) > 2 and str(cmd[0]).lower() == "debug" and str(cmd[1]).lower() == "sleep":
            cmd[2:] = ["0"]  # the server would really sleep that long
        return cmd

    def ar_index(self):
        """An array index: mostly small or near a slice edge, sometimes huge
        or the top of the range, rarely bad."""
        r = self.rng.random()
        if r < 0.6:
            return str(self.rng.randint(0, 40))
        if r < 0.75:
            return str(self.pick([4095, 4096, 8191, 8192, 1 << 20]) + self.rng.randint(-3, 3))
        if r < 0.9:
            return str(self.pick([2**63, 2**64 - 2, 2**64 - 3, 2**40, 2**64 - 4097]))
        return self.pick(["-1", "x", "", str(2**64 - 1), str(2**64), " 5", "+7", "1.5"])

    def array_cmd(self):
        """An array command (Redis 8.8) on a few array keys, "str" (WRONGTYPE)
        or a missing key, with indexes from ar_index()."""
        key = self.pick(["a1", "a2", "a2", "a3"]) if self.chance(0.92) else self.pick(
            ["str", "nokey", "k2"])
        vals = [self.pick(["v", "", "1", "-2", "3.5", "inf", "x" * 40, "\x00b", "abc"])
                for _ in range(self.rng.randint(1, 6))]
        i, j = self.ar_index(), self.ar_index()
        op = self.rng.randrange(17)
        if op == 0:
            return ["ARSET", key, i] + vals
        if op == 1:
            return ["ARMSET", key] + [x for v in vals for x in (self.ar_index(), v)]
        if op == 2:
            return ["ARGET", key, i]
        if op == 3:
            return ["ARMGET", key, i, j]
        if op == 4:
            return ["ARDEL", key, i, j]
        if op == 5:
            return ["ARDELRANGE", key, i, j]
        if op == 6:
            return [self.pick(["ARLEN", "ARCOUNT", "ARNEXT"]), key]
        if op == 7:
            return ["ARGETRANGE", key, i, str(int(i) + self.rng.randint(0, 50))
                    if i.isdigit() and int(i) < 2**63 else j]
        if op == 8:
            return ["ARSCAN", key, i, j] + (["LIMIT", self.pick(["1", "3", "0", "x"])]
                                             if self.chance(0.5) else [])
        if op == 9:
            return ["AROP", key, i, j] + self.pick(
                [["SUM"], ["MIN"], ["MAX"], ["AND"], ["OR"], ["XOR"], ["USED"], ["MATCH", "v"],
                 ["MATCH"], ["AVG"]])
        if op == 10:
            return ["ARINSERT", key] + vals
        if op == 11:
            return ["ARRING", key, self.pick(["1", "3", "5", "40", "0", "-1", "x"])] + vals
        if op == 12:
            return ["ARSEEK", key, self.pick([i, "0", str(2**64 - 1), str(2**64 - 2)])]
        if op == 13:
            return ["ARLASTITEMS", key, self.pick(["1", "3", "50", "0", "-1", "x"])] + (
                ["REV"] if self.chance(0.4) else [])
        if op == 14:
            return ["ARINFO", key] + (["FULL"] if self.chance(0.5) else [])
        if op == 15:
            preds = []
            for _ in range(self.rng.randint(1, 3)):
                preds += [self.pick(["EXACT", "MATCH", "GLOB", "RE"]),
                          self.pick(["v", "", "a*", "^[0-9]+$", "(", "x\\1", "3.5", "[[:alpha:]]"])]
            opts = [o for o in (["AND"], ["OR"], ["WITHVALUES"], ["NOCASE"], ["LIMIT", "2"])
                    if self.chance(0.3)]
            return ["ARGREP", key, self.pick(["-", "+", i]), self.pick(["-", "+", j])] + preds + [
                x for o in opts for x in o]
        return ["ARSET", key, i, self.pick(["v", "w"])]

    def ftagg_cmd(self):
        """FT.AGGREGATE pipelines (and FT.CURSOR) over a small hash index "fz"
        (created now and then), with good and broken steps, expressions and
        reducers, so that the pipeline's parser, expressions and cursors see
        hostile input."""
        op = self.rng.randrange(20)
        if op == 0:
            return ["FT.CREATE", "fz", "ON", "HASH", "PREFIX", "1", "fz:", "SCHEMA", "t", "TEXT",
                    "SORTABLE", "n", "NUMERIC", "g", "TAG", "SORTABLE"]
        if op < 4:
            return ["HSET", "fz:%d" % self.rng.randrange(12), "t", self.pick(["a b", "Hello", ""]),
                    "n", self.pick(["1", "2.5", "-3", "x", "1e300"]),
                    "g", self.pick(["x", "y,z", "", "\x00"])]
        if op == 4:
            return ["FT.CURSOR", self.pick(["READ", "DEL", "GC"]), "fz",
                    self.pick(["0", "1", "x", str(2**63), "-1"])] + \
                self.pick([[], ["COUNT", self.pick(["1", "0", "x"])]])
        expr = lambda: self.pick([
            "@n * 2", "@n % 0", "-@n ^ 0.5", "upper(@t)", "split(@t, ' ')", "exists(@n)",
            "@n > 1 && @t != 'a'", "!(@n)", "format('%s-%s', @t, @n)", "substr(@t, -1, 2)",
            "timefmt(@n)", "parsetime(@t, '%Y')", "geodistance('1,2', @t)", "contains(@t, '')",
            "@nosuch", "(((1)", "1 +", "nosuch(1)", "'unterminated", "@n == NULL", "log(-1)",
            "to_number(@t)", "strlen(@n)", "sqrt(@n) " * 3, "(" * 300 + "1" + ")" * 300])
        reducer = lambda: self.pick([
            ["COUNT", "0"], ["SUM", "1", "@n"], ["AVG", "1", "@n"], ["MIN", "1", "@n"],
            ["MAX", "1", "@n"], ["STDDEV", "1", "@n"], ["QUANTILE", "2", "@n", "0.5"],
            ["TOLIST", "1", "@t"], ["COUNT_DISTINCT", "1", "@g"], ["COUNT_DISTINCTISH", "1", "@t"],
            ["FIRST_VALUE", "4", "@t", "BY", "@n", "DESC"], ["RANDOM_SAMPLE", "2", "@n", "3"],
            ["COUNT", "1"], ["NOPE", "0"], ["QUANTILE", "2", "@n", "7"], ["SUM", "5", "@n"],
            ["COLLECT", "3", "FIELDS", "1", "@t"], ["COLLECT", "2", "FIELDS", "*"],
            ["COLLECT", "9", "FIELDS", "2", "@t", "@n", "SORTBY", "2", "@n", "DESC", "DISTINCT"],
            ["COLLECT", "6", "FIELDS", "1", "@n", "LIMIT", "1", "1"],
            ["COLLECT", "3", "FIELDS", "9999", "@t"], ["COLLECT", "1", "DISTINCT"],
            ["COLLECT", "4", "FIELDS", "1", "@t", "BOGUS"]])
        steps = []
        for _ in range(self.rng.randint(0, 5)):
            k = self.rng.randrange(9)
            if k == 0:
                steps += self.pick([["LOAD", "2", "@t", "@n"], ["LOAD", "*"],
                                    ["LOAD", "3", "@__key", "AS", "k"], ["LOAD", "9"]])
            elif k == 1:
                steps += ["GROUPBY", "1", self.pick(["@g", "@t", "@n", "g", "@a"])]
                for _ in range(self.rng.randint(0, 3)):
                    steps += ["REDUCE"] + reducer() + (["AS", "r"] if self.chance(0.5) else [])
            elif k == 2:
                steps += ["APPLY", expr()] + (["AS", self.pick(["a", "n", "t"])]
                                              if self.chance(0.8) else [])
            elif k == 3:
                steps += ["FILTER", expr()]
            elif k == 4:
                steps += ["SORTBY", self.pick(["2", "1", "4", "0", "x"]), "@n",
                          self.pick(["DESC", "ASC"]), "@t", "ASC"][:self.rng.randint(2, 6)]
                if self.chance(0.3):
                    steps += ["MAX", self.pick(["0", "3", "-1"])]
            elif k == 5:
                steps += ["LIMIT", self.pick(["0", "2", "-1"]), self.pick(["0", "3", "x"])]
            elif k == 6:
                steps += ["WITHCURSOR", "COUNT", self.pick(["1", "2", "0"]), "MAXIDLE",
                          self.pick(["10", "100000", "x"])]
            elif k == 7:
                steps += self.pick([["VERBATIM"], ["ADDSCORES"], ["DIALECT", "2"],
                                    ["PARAMS", "2", "p", "v"], ["TIMEOUT", "10"], ["BOGUS"]])
            else:
                steps += ["GROUPBY", "2", "@g", "@a"] if self.chance(0.3) else ["APPLY",
                                                                              "split(@t)", "AS",
                                                                              "a"]
        query = self.pick(["*", "a", "@n:[0 10]", "@g:{x}", "(("])
        if self.chance(0.1):  # the same pipelines profiled (a cursor is refused)
            return ["FT.PROFILE", self.pick(["fz", "nosuch"]), "AGGREGATE"] + \
                (["LIMITED"] if self.chance(0.3) else []) + ["QUERY", query] + steps
        if self.chance(0.08):  # spell checking the index's terms, the aliases
            return self.pick([
                ["FT.SPELLCHECK", self.pick(["fz", "nosuch"]),
                 self.pick(["helo", "a -b ~c", "@t:hllo", "\"hello b\"", "((", "x" * 150, ""]),
                 "DISTANCE", self.pick(["1", "4", "0", "x"])] +
                self.pick([[], ["TERMS", "INCLUDE", "fzd"], ["TERMS", "EXCLUDE", "nodict"],
                           ["TERMS"], ["DIALECT", "2"]]),
                ["FT.ALIASLIST", self.pick(["fz", "fzal", "nosuch"])],
                ["FT.ALIASADD", "fzal", "fz"], ["FT.DICTADD", "fzd", "hello", "helo", "b"]])
        return ["FT.AGGREGATE", self.pick(["fz", "fz", "nosuch"]), query] + steps

    def fthybrid_cmd(self):
        """FT.HYBRID over a small index "fzh" with a 2-dimensional vector
        field: good and broken SEARCH / VSIM / COMBINE clauses, then the
        aggregation tail, and TIMEOUT."""
        op = self.rng.randrange(12)
        if op == 0:
            return ["FT.CREATE", "fzh", "ON", "HASH", "PREFIX", "1", "fzh:", "SCHEMA", "t", "TEXT",
                    "n", "NUMERIC", "v", "VECTOR", self.pick(["FLAT", "HNSW"]), "6", "TYPE",
                    "FLOAT32", "DIM", "2", "DISTANCE_METRIC", self.pick(["L2", "IP", "COSINE"])]
        blob = lambda: struct.pack("<2f", self.rng.uniform(-2, 2), self.rng.uniform(-2, 2))
        if op < 3:
            return ["HSET", "fzh:%d" % self.rng.randrange(10), "t", self.pick(["a b", "b c", ""]),
                    "n", self.pick(["1", "5", "x"]), "v", blob() if self.chance(0.9) else "xyz"]
        cmd = ["FT.HYBRID", self.pick(["fzh", "fzh", "nosuch"]), "SEARCH",
               self.pick(["a", "*", "@t:b", "((", "-a", "$w", "%%a%%"])]
        if self.chance(0.2):
            cmd += self.pick([["SCORER", "TFIDF"], ["YIELD_SCORE_AS", "ts"], ["SCORER", "NOPE"]])
        if self.chance(0.95):
            cmd += ["VSIM", self.pick(["@v", "@v", "v", "@t", "@n"]),
                    self.pick(["$q", blob(), "$q", "$nope", "x"])]
        if self.chance(0.5):
            cmd += self.pick([["KNN", "2", "K", self.pick(["1", "3", "0", "x"])],
                              ["KNN", "4", "K", "2", "EF_RUNTIME", self.pick(["5", "x"])],
                              ["KNN", "4", "K", "2", "YIELD_SCORE_AS", "vs"],
                              ["RANGE", "2", "RADIUS", self.pick(["0.5", "3", "x", "-1"])],
                              ["RANGE", "4", "RADIUS", "1", "EPSILON", "0.1"],
                              ["KNN", "3", "K"], ["KNN"], ["RANGE", "2", "K", "1"]])
        if self.chance(0.3):
            cmd += ["FILTER", self.pick(["@n:[0 3]", "a", "((", "@t:b"])]
        if self.chance(0.5):
            cmd += ["COMBINE"] + self.pick([
                ["RRF", "2", "CONSTANT", self.pick(["1", "60", "0", "x"])],
                ["RRF", "4", "WINDOW", self.pick(["1", "5", "0"]), "YIELD_SCORE_AS", "cs"],
                ["LINEAR", "4", "ALPHA", self.pick(["0.3", "x"]), "BETA", "0.7"],
                ["LINEAR", "2", "ALPHA", "1"], ["RRF", "3", "CONSTANT"], ["BOGUS", "2"]])
        for _ in range(self.rng.randint(0, 3)):
            cmd += self.pick([["LOAD", "2", "@__key", "@t"], ["LOAD", "*"],
                              ["LIMIT", self.pick(["0", "1"]), self.pick(["2", "0", "x"])],
                              ["SORTBY", "2", "@__score", "ASC"], ["NOSORT"],
                              ["APPLY", "@__score * 2", "AS", "d"], ["FILTER", "@n > 1"],
                              ["GROUPBY", "1", "@n", "REDUCE", "COUNT", "0", "AS", "c"],
                              ["TIMEOUT", self.pick(["0", "1", "x"])], ["DIALECT", "2"],
                              ["WITHCURSOR"], ["BOGUS"]])
        if self.chance(0.8):
            cmd += ["PARAMS", "4", "q", blob() if self.chance(0.9) else "short", "w", "a"]
        return cmd

    def bloom_cmd(self):
        """A Bloom or Cuckoo filter command (Redis 8) on a few filter keys, the
        other filter type's keys (WRONGTYPE), "str" or a missing key; small
        capacities and odd options so that filters fill, scale and refuse."""
        bkey = self.pick(["b1", "b1", "b2", "c1", "str", "nokey"])
        ckey = self.pick(["c1", "c1", "c2", "b1", "str", "nokey"])
        items = [self.pick(["i", "j", "", "x" * 30, "\x00", "%d" % self.rng.randint(0, 300)])
                 for _ in range(self.rng.randint(1, 8))]
        # (not 2**30 itself: a Bloom filter that big at error 1e-5 is 3.2 GB,
        # which every AOF check then writes and loads; 2**30 + 1 is refused)
        num = lambda: self.pick(["0", "1", "2", "3", "8", "50", "100", "-1", "x", "1.5",
                                 str(2**30 + 1), "32768", "65535"])
        op = self.rng.randrange(16)
        if op == 0:
            return ["BF.RESERVE", bkey, self.pick(["0.01", "0.5", "0", "1", "2", "x", "1e-5"]),
                    num()] + self.pick([[], ["NONSCALING"], ["EXPANSION", num()],
                                        ["EXPANSION"], ["NONSCALING", "EXPANSION", num()]])
        if op in (1, 2):
            return [self.pick(["BF.ADD", "BF.EXISTS"]), bkey, items[0]]
        if op == 3:
            return [self.pick(["BF.MADD", "BF.MEXISTS"]), bkey] + items
        if op == 4:
            opts = [o for o in (["CAPACITY", num()], ["ERROR", self.pick(["0.1", "x", "0"])],
                                ["EXPANSION", num()], ["NOCREATE"], ["NONSCALING"], ["FOO"])
                    if self.chance(0.25)]
            return ["BF.INSERT", bkey] + [x for o in opts for x in o] + ["ITEMS"] + items
        if op == 5:
            return ["BF.INFO", bkey] + ([self.pick(["CAPACITY", "SIZE", "FILTERS", "ITEMS",
                                                    "EXPANSION", "x"])] if self.chance(0.5) else [])
        if op == 6:
            return [self.pick(["BF.CARD", "CF.INFO"]), self.pick([bkey, ckey])]
        if op == 7:
            return [self.pick(["BF.SCANDUMP", "CF.SCANDUMP"]), self.pick([bkey, ckey]),
                    self.pick(["0", "1", "2", "100", "-1", "x"])]
        if op == 8:
            hdr = self.pick([b"\x00" * 46, b"\x01" * 73, b"x", b"\x00" * 20 + b"\x01" * 53])
            return [self.pick(["BF.LOADCHUNK", "CF.LOADCHUNK"]), self.pick([bkey, ckey, "nk"]),
                    self.pick(["1", "2", "0", "9", "x"]), hdr]
        if op == 9:
            opts = [o for o in (["BUCKETSIZE", num()], ["MAXITERATIONS", num()],
                                ["EXPANSION", num()]) if self.chance(0.3)]
            return ["CF.RESERVE", ckey, num()] + [x for o in opts for x in o]
        if op in (10, 11):
            return [self.pick(["CF.ADD", "CF.ADDNX", "CF.EXISTS", "CF.COUNT", "CF.DEL"]), ckey,
                    items[0]]
        if op == 12:
            opts = [o for o in (["CAPACITY", num()], ["NOCREATE"], ["BAD"]) if self.chance(0.25)]
            return [self.pick(["CF.INSERT", "CF.INSERTNX"]), ckey] + [
                x for o in opts for x in o] + ["ITEMS"] + items
        if op == 13:
            return ["CF.MEXISTS", ckey] + items
        if op == 14:
            return ["BF.ADD", "b1", items[0]]
        return ["CF.ADD", ckey, items[0]]

    def sketch_cmd(self):
        """A count-min sketch, Top-K or t-digest command (Redis 8) on a few
        keys of each, another type's key (WRONGTYPE) or a missing one."""
        kind = self.rng.randrange(3)
        key = self.pick([["cm1", "cm2"], ["tk1", "tk2"], ["td1", "td2"]][kind]) \
            if self.chance(0.9) else self.pick(["str", "nokey", "a1", "cm1", "td1"])
        items = [self.pick(["a", "b", "c", "", "x" * 30, "\x00z", "42"])
                 for _ in range(self.rng.randint(1, 5))]
        num = lambda: self.pick(["0", "1", "3", "100", "-1", "x", "1.5", "99999", "100001"])
        dbl = lambda: self.pick(["0", "0.5", "1", "-3.25", "1e300", "inf", "nan", "x", "0.01"])
        op = self.rng.randrange(9)
        if kind == 0:
            if op == 0:
                return self.pick([["CMS.INITBYDIM", key, self.pick(["10", "50", "0", "x"]),
                                   self.pick(["2", "5", "0"])],
                                  ["CMS.INITBYPROB", key, self.pick(["0.01", "0.1", "1"]),
                                   self.pick(["0.01", "0.5", "0"])]])
            if op < 4:
                return ["CMS.INCRBY", key] + [x for i in items for x in (i, num())]
            if op < 6:
                return ["CMS.QUERY", key] + items
            if op < 8:
                src = [self.pick(["cm1", "cm2", "nokey"]) for _ in range(self.rng.randint(1, 3))]
                w = ["WEIGHTS"] + [self.pick(["1", "2", "-1", "x"]) for _ in src] \
                    if self.chance(0.4) else []
                return ["CMS.MERGE", key, str(len(src))] + src + w
            return ["CMS.INFO", key]
        if kind == 1:
            if op == 0:
                return ["TOPK.RESERVE", key, self.pick(["1", "3", "0", "x"])] + (
                    [self.pick(["8", "20", "0"]), self.pick(["3", "7"]),
                     self.pick(["0.9", "1", "0", "2"])] if self.chance(0.6) else [])
            if op < 3:
                return ["TOPK.ADD", key] + items
            if op < 5:
                return ["TOPK.INCRBY", key] + [x for i in items for x in (i, num())]
            if op == 5:
                return [self.pick(["TOPK.QUERY", "TOPK.COUNT"]), key] + items
            if op < 8:
                return ["TOPK.LIST", key] + self.pick([[], ["WITHCOUNT"], ["with"], ["x"]])
            return ["TOPK.INFO", key]
        if op == 0:
            return ["TDIGEST.CREATE", key] + (["COMPRESSION", self.pick(["10", "100", "0", "x"])]
                                               if self.chance(0.5) else [])
        if op < 3:
            return ["TDIGEST.ADD", key] + [dbl() for _ in items]
        if op == 3:
            src = [self.pick(["td1", "td2", "nokey"]) for _ in range(self.rng.randint(1, 3))]
            return ["TDIGEST.MERGE", key, str(len(src))] + src + self.pick(
                [[], ["OVERRIDE"], ["COMPRESSION", "50"], ["COMPRESSION"], ["FOO"]])
        if op == 4:
            return [self.pick(["TDIGEST.QUANTILE", "TDIGEST.CDF", "TDIGEST.RANK",
                               "TDIGEST.REVRANK", "TDIGEST.BYRANK", "TDIGEST.BYREVRANK"]), key] + [
                self.pick(["0", "0.5", "1", "3", "-1", "x", "100"]) for _ in items]
        if op == 5:
            return ["TDIGEST.TRIMMED_MEAN", key, self.pick(["0", "0.1", "x"]),
                    self.pick(["0.9", "1", "0.05"])]
        if op == 6:
            return [self.pick(["TDIGEST.MIN", "TDIGEST.MAX", "TDIGEST.INFO"]), key]
        if op == 7 and self.chance(0.3):
            return ["TDIGEST.RESET", key]
        return ["TDIGEST.ADD", key, self.pick(["1", "2", "3.5"])]

    def geo_cmd(self):
        """The GEO commands on a few sorted-set keys, "str" (WRONGTYPE) or a
        missing key: GEOADD with its options and coordinates at and past the
        limits, GEOPOS / GEODIST / GEOHASH, and the searches with random
        centres, radii, boxes, units and options (STORE forms included)."""
        def key():
            return self.pick(["g1", "g2", "g3"]) if self.chance(0.9) else self.pick(["str", "nokey"])

        def lon():
            return self.pick(["0", "13.36", "-73.98", "180", "-180", "179.9999", "180.1", "x",
                              "%.5f" % self.rng.uniform(-180, 180)])

        def lat():
            return self.pick(["0", "38.11", "85.05112878", "-85.05112878", "85.06", "-90", "",
                              "%.5f" % self.rng.uniform(-85, 85)])

        def member():
            return self.pick(["a", "b", "c", "d", "", "m\x00", "x" * 70])

        def size():
            return self.pick(["0", "1", "100", "5000", "20000", "1e9", "-1", "x"])

        def unit():
            return self.pick(["m", "km", "mi", "ft", "KM", "yd"])

        def opts(store):
            out = []
            for o in ("WITHDIST", "WITHCOORD", "WITHHASH", "ASC", "DESC", "ANY"):
                if self.chance(0.15):
                    out.append([o])
            if self.chance(0.4):
                out.append(["COUNT", self.pick(["1", "3", "100", "0", "-1", "x"])])
            if store and self.chance(0.5):
                out.append([self.pick(["STORE", "STOREDIST"]), key()])
            self.rng.shuffle(out)
            return [a for o in out for a in o]

        op = self.rng.randrange(9)
        if op < 3:
            cmd = ["GEOADD", key()] + [o for o in ("NX", "XX", "CH") if self.chance(0.15)]
            for _ in range(self.rng.randint(1, 4)):
                cmd += [lon(), lat(), member()]
            if self.chance(0.05):
                cmd.pop()
            return cmd
        if op == 3:
            return [self.pick(["GEOPOS", "GEOHASH"]), key()] + \
                [member() for _ in range(self.rng.randint(0, 3))]
        if op == 4:
            return ["GEODIST", key(), member(), member()] + ([unit()] if self.chance(0.6) else [])
        if op == 5:
            return [self.pick(["GEORADIUS", "GEORADIUS_RO"]), key(), lon(), lat(), size(), unit()] + \
                opts(True)
        if op == 6:
            return [self.pick(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]), key(), member(), size(),
                    unit()] + opts(True)
        frm = self.pick([["FROMMEMBER", member()], ["FROMLONLAT", lon(), lat()], []])
        by = self.pick([["BYRADIUS", size(), unit()], ["BYBOX", size(), size(), unit()], []])
        parts = [frm, by]
        self.rng.shuffle(parts)
        if op == 7:
            return ["GEOSEARCH", key()] + parts[0] + parts[1] + opts(False)
        return ["GEOSEARCHSTORE", key(), key()] + parts[0] + parts[1] + \
            [o for o in opts(False) if not o.startswith("WITH")] + \
            (["STOREDIST"] if self.chance(0.3) else [])

    def ts_cmd(self):
        """Redis 8.10's time-series reads on a few series keys, "str" (WRONGTYPE)
        or a missing key: TS.READ with its sentinels, options in any order and
        waits of at most 50 ms (BLOCK 0 would hold the connection), the
        TS.ADDs that wake it, TS.QUERYLABELS and MRANGE EXCLUDEEMPTY."""
        key = self.pick(["k2", "k3", "t1"]) if self.chance(0.9) else self.pick(["str", "nokey"])
        op = self.rng.randrange(6)
        if op < 2:
            return ["TS.ADD", key, self.pick(["*", "1", "5", "100", "1000", "0"]),
                    self.pick(["1", "2.5", "-3", "1e300"]),  # no NaN: the AOF check compares ==
                    "LABELS", "l", self.pick(["a", "b"]), self.pick(["m", "n"]), "1"]
        if op < 4:
            opts = []
            if self.chance(0.5):
                opts.append(["BLOCK", self.pick(["1", "5", "20", "50", "-1", "x", "1.5"]),
                             self.pick(["1", "2", "5", "0", "-1", "x"])])
            if self.chance(0.4):
                opts.append(["MAX_COUNT", self.pick(["1", "2", "10", "0", "-1", "x"])])
            self.rng.shuffle(opts)
            cmd = ["TS.READ", key, self.pick(["-", "+", "$", "0", "5", "1000", "-1", "x", "*"])]
            for o in opts:
                cmd += o
            if self.chance(0.05):
                cmd.append(self.pick(["BLOCK", "MAX_COUNT", "x"]))
            return cmd
        if op == 4:
            cmd = ["TS.QUERYLABELS"] + self.pick([["LABELS"], ["VALUES", self.pick(["l", "m", "x"])],
                                                  ["VALUES"], ["x"]])
            if self.chance(0.6):
                cmd += ["FILTER"] + [self.pick(["l=a", "l=(a,b)", "m!=", "bad", "l!=b"])
                                     for _ in range(self.rng.randint(0, 2))]
            return cmd
        return ["TS.MRANGE", self.pick(["-", "0", "5"]), self.pick(["+", "100"])] + \
            (["EXCLUDEEMPTY"] if self.chance(0.7) else []) + \
            ["FILTER", self.pick(["l=a", "l=(a,b)"])] + \
            (["GROUPBY", "l", "REDUCE", "max"] if self.chance(0.1) else [])
    def hll_cmd(self):
        """A HyperLogLog command (7.0's PF*) on two keys, "str" (WRONGTYPE),
        a missing key, or a hand-made HYLL string: sparse codes sound and
        corrupt, a dense one, a bad header."""
        keys = ["hl1", "hl2"]
        key = self.pick(keys) if self.chance(0.9) else self.pick(["str", "nokey"])
        op = self.rng.randrange(10)
        if op < 4:
            return ["PFADD", key] + ["e%d" % self.rng.randrange(3000)
                                     for _ in range(self.pick([0, 1, 3, 50, 400]))]
        if op < 6:
            return ["PFCOUNT"] + [self.pick(keys + ["nokey", "str"])
                                  for _ in range(self.pick([1, 1, 2, 3]))]
        if op < 7:
            return ["PFMERGE", key] + [self.pick(keys + ["nokey"]) for _ in range(self.pick([0, 1, 2]))]
        if op < 8:
            return ["PFDEBUG", self.pick(["TODENSE", "ENCODING", "DECODE", "GETREG", "x"]), key]
        hdr = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80"
        value = self.pick([
            hdr + b"\x7f\xff",                        # empty, sound
            hdr + b"\x7f\x00",                        # too few registers
            hdr + b"\x7f\xff\x80",                    # too many
            hdr + b"\x40",                             # a lone XZERO byte
            hdr + b"\x80\x7f\xfe",                    # a VAL, then the rest
            b"HYLL\x00\x00\x00\x00" + b"\x00" * 8 + b"\x3f" * 12288,  # dense
            b"HYLL\x02" + b"\x00" * 13,                # unknown encoding
        ])
        return ["SET", self.pick(keys), value]

    def ftsug_cmd(self):
        """A suggestion dictionary command (the query engine's FT.SUG*) on two
        keys, "str" (WRONGTYPE) or a missing key; with FT.DICT* now and then
        (server-wide state, no key)."""
        key = self.pick(["sg1", "sg2"]) if self.chance(0.92) else self.pick(["str", "nokey"])
        text = lambda: self.pick(["hello", "Hello world", "help", "hallo", "h", "", "\u00e9t\u00e9",
                                  "x" * 300, "\x00a", "hell"])
        op = self.rng.randrange(8)
        if op < 3:
            opts = [o for o in (["INCR"], ["PAYLOAD", self.pick(["p", "", "q" * 50])],
                                [self.pick(KEYWORDS)]) if self.chance(0.25)]
            return ["FT.SUGADD", key, text(), self.pick(["1", "0", "-2", "0.5", "1e30", "nan", "x",
                                                         "inf"])] + [x for o in opts for x in o]
        if op == 3:
            opts = [o for o in (["FUZZY"], ["WITHSCORES"], ["WITHPAYLOADS"], ["TRIM"],
                                ["MAX", self.pick(["1", "5", "0", "-1", "x", "100"])])
                    if self.chance(0.3)]
            return ["FT.SUGGET", key, self.pick(["he", "", "H", "hallo", "a" * 101, "\u00e9"])] + [
                x for o in opts for x in o]
        if op == 4:
            return ["FT.SUGDEL", key, text()]
        if op == 5:
            return ["FT.SUGLEN", key]
        if op == 6:
            return [self.pick(["FT.DICTADD", "FT.DICTDEL"]), self.pick(["d1", "d2"])] + [
                text() for _ in range(self.rng.randint(0, 3))]
        return ["FT.DICTDUMP", self.pick(["d1", "d2", "none"])]
    def ft_cmd(self):
        """A query engine command (Redis 8's FT.*): two indexes over the
        hashes d:* (one with a vector field), documents written and removed
        under them, and queries in the language's corners."""
        idx = self.pick(["fi", "fv", "nosuch"])
        op = self.rng.randrange(10)
        if op == 0:
            schema = {"fi": ["t", "TEXT", "SORTABLE", "g", "TAG", "n", "NUMERIC", "SORTABLE",
                             "loc", "GEO", "nm", "TEXT", "PHONETIC", "dm:en", "sh", "GEOSHAPE",
                             self.pick(["FLAT", "SPHERICAL"])],
                      "fv": ["g", "TAG", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
                             "DISTANCE_METRIC", self.pick(["L2", "COSINE", "IP"])]}.get(idx, ["t"])
            opts = self.pick([[], ["STOPWORDS", "1", "foo"], ["NOOFFSETS"], ["SKIPINITIALSCAN"],
                              ["FILTER", self.pick(["@n > 3", "(@n", "1"])]])
            return ["FT.CREATE", idx, "PREFIX", "1", "d:"] + opts + ["SCHEMA"] + schema
        if op < 4:
            word = lambda: self.pick(["hello", "world", "running", "runs", "a", "", "x" * 40])
            vec = struct.pack("<2f", self.rng.uniform(-2, 2), self.rng.uniform(-2, 2)) \
                if self.chance(0.9) else b"\x00\x01"
            return ["HSET", "d:%d" % self.rng.randrange(8), "t", "%s %s" % (word(), word()),
                    "g", self.pick(["a", "b,c", "", "A"]), "n", self.pick(["1", "5", "x", "-inf"]),
                    "loc", self.pick(["1,2", "500,500", "-122.4,37.7"]), "v", vec,
                    "nm", self.pick(["jon smith", "John Schmidt", "", "xavier"]),
                    "sh", self.pick(["POINT(1 1)", "POLYGON((0 0, 0 5, 5 5, 5 0, 0 0))",
                                     "POLYGON((0 0, 0 9, 9 9, 9 0, 0 0), (1 1, 2 1, 2 2, 1 1))",
                                     "POLYGON((1 1, 1 200, 1 100, 100 1, 1 1))", "POLIKON", ""])]
        if op == 4:
            return [self.pick(["DEL", "UNLINK"]), "d:%d" % self.rng.randrange(8)]
        if op < 8:
            q = self.pick(["hello", "hel*", "%wrld%", '"hello world"', "-hello", "~world hello",
                           "@t:(run|hello)", "@n:[1 (5]", "@g:{a|b}", "@loc:[1 2 100 km]",
                           "*", "(", "@nosuch:x", "*=>[KNN 2 @v $q AS d]",
                           "@v:[VECTOR_RANGE 1 $q]", "@n:[$lo +inf]", "ismissing(@n)",
                           "@sh:[%s $shape]" % self.pick(["WITHIN", "CONTAINS", "INTERSECTS",
                                                          "DISJOINT", "nope"]),
                           "@nm:smyth", "jon=>{$phonetic:false}", "@t:hello=>{$phonetic:true}"])
            opts = [o for o in (["NOCONTENT"], ["WITHSCORES"], ["VERBATIM"], ["SORTBY", "n"],
                                ["LIMIT", self.pick(["0", "1", "-1"]), self.pick(["0", "2"])],
                                ["RETURN", "1", "t"], ["HIGHLIGHT"], ["SUMMARIZE", "LEN", "2"],
                                ["SCORER", self.pick(["TFIDF", "BM25", "NOPE"])], ["INORDER"],
                                ["SLOP", "1"], ["INKEYS", "1", "d:1"],
                                ["PARAMS", "6", "q", struct.pack("<2f", 1, 1), "lo", "2",
                                 "shape", self.pick(["POINT(1 1)", "POLYGON((0 0, 0 6, 6 6, 0 0))",
                                                     "POLYGON(", "x" * 50])],
                                ["DIALECT", self.pick(["1", "2", "3", "4", "5"])])
                    if self.chance(0.25)]
            return [self.pick(["FT.SEARCH", "FT.EXPLAIN", "FT.PROFILE"]), idx, q] + \
                [x for o in opts for x in o] if self.chance(0.9) else \
                ["FT.PROFILE", idx, "SEARCH", "QUERY", q]
        if op == 8:
            return self.pick([["FT.INFO", idx], ["FT._LIST"], ["FT.TAGVALS", idx, "g"],
                              ["FT.ALIASADD", "al", idx], ["FT.ALIASDEL", "al"],
                              ["FT.SYNUPDATE", idx, "g1", "hello", "hi"], ["FT.SYNDUMP", idx]])
        return self.pick([["FT.DROPINDEX", idx], ["FT.DROPINDEX", idx, "DD"],
                          ["FT.ALTER", idx, "SCHEMA", "ADD", "extra", "TEXT"]])

    def vset_cmd(self):
        """A vector set command (Redis 8) on a few keys of dimension 3 (one
        reduced from 6), "str" (WRONGTYPE) or a missing key."""
        key = self.pick(["v1", "v2", "vr"]) if self.chance(0.92) else self.pick(["str", "nokey"])
        ele = self.pick(["e1", "e2", "e3", "e4", "e5", "\x00b", ""])
        num = lambda: self.pick(["1", "-1", "0", "0.5", "3.25", "1e9", "-0", "inf", "x", "1e-40"])
        dim = 6 if key == "vr" else 3
        if self.chance(0.3):
            vec = ["FP32", struct.pack("<%df" % dim, *[self.rng.uniform(-2, 2) for _ in range(dim)])
                   if self.chance(0.9) else b"\x00" * self.pick([0, 1, 4, 5])]
        else:
            vec = ["VALUES", str(dim if self.chance(0.9) else self.pick([0, 2, 4]))] + [
                num() for _ in range(dim)]
        op = self.rng.randrange(12)
        if op < 4:
            extra = [o for o in (["CAS"], [self.pick(["Q8", "NOQUANT", "BIN"])], ["EF", "50"],
                                 ["M", self.pick(["16", "4", "8"])],
                                 ["SETATTR", self.pick(['{"a": 1, "b": "x"}', "", "nojson"])])
                     if self.chance(0.2)]
            red = ["REDUCE", "3"] if key == "vr" else []
            return ["VADD", key] + red + vec + [ele] + [x for o in extra for x in o]
        if op == 4:
            return ["VREM", key, ele]
        if op == 5:
            opts = [o for o in (["WITHSCORES"], ["WITHATTRIBS"], ["COUNT", self.pick(["1", "5", "0"])],
                                ["EPSILON", self.pick(["0.5", "0", "2"])], ["EF", "20"], ["TRUTH"],
                                ["FILTER", self.pick([".a == 1", ".b in ['x']", "(.a", "not .c"])],
                                ["FILTER-EF", "5"], ["NOTHREAD"]) if self.chance(0.25)]
            src = ["ELE", ele] if self.chance(0.4) else vec
            return ["VSIM", key] + src + [x for o in opts for x in o]
        if op == 6:
            return ["VEMB", key, ele] + (["RAW"] if self.chance(0.4) else [])
        if op == 7:
            return ["VLINKS", key, ele] + (["WITHSCORES"] if self.chance(0.4) else [])
        if op == 8:
            return [self.pick(["VCARD", "VDIM", "VINFO"]), key]
        if op == 9:
            return ["VSETATTR", key, ele, self.pick(['{"a": 2}', "", '{"c": true}'])]
        if op == 10:
            return ["VRANDMEMBER", key] + ([self.pick(["1", "3", "-4", "0", "x"])]
                                           if self.chance(0.7) else [])
        return [self.pick(["VGETATTR", "VISMEMBER"]), key, ele] if self.chance(0.7) else [
            "VRANGE", key, self.pick(["-", "[e2", "(e1"]), self.pick(["+", "[e4", "(e5"])]

    def mutate(self, cmd):
        cmd = list(cmd)
        for _ in range(self.pick([1, 1, 1, 2, 3])):
            r = self.rng.random()
            i = self.rng.randrange(1, len(cmd)) if len(cmd) > 1 else None
            if r < 0.25 and i is not None:
                cmd[i] = self.boundary()
            elif r < 0.4 and i is not None:
                cmd[i] = self.bad_id()
            elif r < 0.55:
                cmd.insert(self.rng.randint(1, len(cmd)), self.pick(KEYWORDS))
            elif r < 0.65 and i is not None:
                del cmd[i]
            elif r < 0.75 and i is not None:
                j = self.rng.randint(i, len(cmd))
                cmd[i:i] = cmd[i:j]  # duplicate a run (options twice)
            elif r < 0.85 and i is not None:
                cmd = cmd[:i]  # truncate
            elif r < 0.92 and i is not None:
                j = self.rng.randrange(1, len(cmd))
                cmd[i], cmd[j] = cmd[j], cmd[i]
            elif i is not None:
                cmd[i] = self.pick(["", "x" * self.pick([1000, 70000]), "\r\n", "\x00", self.key()])
        return cmd

    def blocked_scenario(self):
        """One connection blocks on a stream, then another changes what it
        waits on (or kills it, or reloads the data set) while it waits."""
        a = self.rng.randrange(self.nconns)
        b_ = (a + self.rng.randrange(1, self.nconns)) % self.nconns
        key = self.pick(STREAM_KEYS)
        t = self.pick(["100", "200", "300"])
        group = self.group()
        setup = [(a, ["DEL", key])] if self.chance(0.3) else []
        if self.chance(0.8):
            setup.append((a, ["XGROUP", "CREATE", key, group, self.pick(["$", "0"]), "MKSTREAM"]))
        if self.chance(0.6):
            blk = ["XREADGROUP", "GROUP", group, self.consumer(), "COUNT", self.count(), "BLOCK", t]
            if self.chance(0.3):
                blk += ["CLAIM", self.pick(["0", "1", "50", "150"])]
            if self.chance(0.2):
                blk.append("NOACK")
            blk += ["STREAMS", key, ">"]
        else:
            blk = ["XREAD", "COUNT", self.count(), "BLOCK", t, "STREAMS", key, self.pick(["$", "+", "0"])]
        if self.chance(0.2):
            blk = self.mutate(blk)
        disrupt = self.pick([
            ["XADD", key, "*", "f", "v"], ["XADD", key, "*", "f", "v"],
            ["DEL", key], ["UNLINK", key], ["SET", key, "x"], ["RENAME", key, self.pick(STREAM_KEYS)],
            ["RENAME", self.pick(STREAM_KEYS), key], ["FLUSHALL" if self.chance(0.2) else "PING"],
            ["SWAPDB", "0", "1"],
            ["XGROUP", "DESTROY", key, group], ["XGROUP", "DELCONSUMER", key, group, self.consumer()],
            ["XGROUP", "SETID", key, group, self.pick(["0", "$", "1-1"])],
            ["XGROUP", "CREATE", key, group, "0", "MKSTREAM"],
            ["XTRIM", key, "MAXLEN", "0"], ["XSETID", key, self.pick(["0-1", "$", "99999999999999-0"])],
            ["XDEL", key, self.valid_id()], ["XACK", key, group, self.valid_id()],
            ["XCLAIM", key, group, self.consumer(), "0", self.valid_id(), "FORCE"],
            ["XAUTOCLAIM", key, group, self.consumer(), "0", "0", "COUNT", "5"],
            ["XNACK", key, group, self.pick(["SILENT", "FAIL", "FATAL"]), "IDS", "1", self.valid_id()],
            ["XACKDEL", key, group, "IDS", "1", self.valid_id()],
            ["XDELEX", key, "IDS", "1", self.valid_id()],
            ["DEBUG", "LOADAOF"], ["CLIENT", "KILL", "ID", "@conn%d" % a],
            ["CLIENT", "UNBLOCK", "@conn%d" % a, self.pick(["TIMEOUT", "ERROR"])],
            ["EXPIRE", key, "0"], ["PEXPIRE", key, "1"],
            ["CONFIG", "SET", "stream-node-max-entries", self.pick(["1", "2", "100"])],
            ["BGREWRITEAOF"],
        ])
        seq = setup + [(a, blk), (None, ["PAUSE", 15])]
        if self.chance(0.3):
            seq += [(b_, ["MULTI"]), (b_, disrupt), (b_, self.xadd()), (b_, ["EXEC"])]
        else:
            seq += [(b_, disrupt)]
        if self.chance(0.5):
            seq.append((b_, ["XADD", key, "*", "f", "v"]))
        if self.chance(0.5):
            seq.append((a, ["PING"]))
        return seq

    def ts_read_scenario(self):
        """Blocked TS.READ readers (Redis 8.10) on one series, then a write
        that wakes them, or a deletion, type change, rename, flush, swap,
        kill or unblock while they wait."""
        key = self.pick(["t1", "k2"])
        a = self.rng.randrange(self.nconns)
        seq = [(a, ["DEL", key])] if self.chance(0.3) else []
        if self.chance(0.7):
            seq.append((a, ["TS.ADD", key, self.pick(["1", "5", "*"]), "1", "LABELS", "l", "a"]))
        waiters = [c for c in range(self.nconns) if c != a]
        self.rng.shuffle(waiters)
        for w in waiters[:self.rng.randint(1, len(waiters))]:
            cmd = ["TS.READ", key, self.pick(["$", "+", "-", "6"]), "BLOCK",
                   self.pick(["100", "200", "300"]), self.pick(["1", "2", "3"])]
            if self.chance(0.3):
                cmd += ["MAX_COUNT", self.pick(["3", "5"])]
            seq.append((w, self.mutate(cmd) if self.chance(0.1) else cmd))
        seq.append((None, ["PAUSE", 15]))
        for _ in range(self.rng.randint(1, 3)):
            seq.append((a, self.pick([
                ["TS.ADD", key, "*", "2"], ["TS.ADD", key, "*", "2"],
                ["TS.MADD", key, "*", "3", key, "*", "4"], ["TS.INCRBY", key, "1"],
                ["TS.DEL", key, "0", "+"], ["DEL", key], ["SET", key, "x"],
                ["RENAME", key, self.pick(["t1", "k2", "k3"])], ["FLUSHALL"], ["SWAPDB", "0", "1"],
                ["PEXPIRE", key, "1"], ["CLIENT", "UNBLOCK", "@conn%d" % self.pick(waiters)],
                ["CLIENT", "KILL", "ID", "@conn%d" % self.pick(waiters)], ["DEBUG", "LOADAOF"],
                ["TS.CREATERULE", self.pick(["t1", "k2"]), key, "AGGREGATION", "sum", "1"]])))
        return seq

    def claim_wakeup_scenario(self):
        """Blocked XREADGROUP ... CLAIM readers that no command wakes: the
        pending entries become idle enough while they wait (the server's
        wake-up timer), sometimes with a change or a kill in between."""
        key = self.pick(["s1", "s2", "s3"])
        g = self.pick(["g1", "g2"])
        a = self.rng.randrange(self.nconns)
        seq = [(a, ["DEL", key]), (a, ["XGROUP", "CREATE", key, g, "0", "MKSTREAM"])]
        for _ in range(self.rng.randint(1, 5)):
            seq.append((a, ["XADD", key, "*", "f", "v"]))
        seq.append((a, ["XREADGROUP", "GROUP", g, "c1", "COUNT", "10", "STREAMS", key, ">"]))
        waiters = [c for c in range(self.nconns) if c != a]
        self.rng.shuffle(waiters)
        for w in waiters[:self.rng.randint(1, len(waiters))]:
            cmd = ["XREADGROUP", "GROUP", g, self.pick(CONSUMERS), "COUNT", self.pick(["1", "2", "10"]),
                   "BLOCK", self.pick(["200", "300", "500"]), "CLAIM", self.pick(["30", "60", "100", "150"])]
            if self.chance(0.2):
                cmd.append("NOACK")
            if self.chance(0.2):
                cmd += ["MAXCOUNT", self.pick(["1", "5"])] if self.chance(0.5) else ["MAXSIZE", "10"]
            seq.append((w, cmd + ["STREAMS", key, ">"]))
        seq.append((None, ["PAUSE", self.pick([5, 20, 40])]))
        if self.chance(0.6):
            seq.append((a, self.pick([
                ["XACK", key, g, "0-1"], ["XDEL", key, "0-1"], ["DEL", key], ["XTRIM", key, "MAXLEN", "0"],
                ["XGROUP", "DESTROY", key, g], ["XGROUP", "DELCONSUMER", key, g, "c1"],
                ["XGROUP", "SETID", key, g, "$"], ["XNACK", key, g, "FAIL", "IDS", "1", "0-1", "FORCE"],
                ["XAUTOCLAIM", key, g, "c3", "0", "0"], ["XADD", key, "*", "f", "w"],
                ["CLIENT", "KILL", "ID", "@conn%d" % self.pick(waiters)],
                ["CLIENT", "UNBLOCK", "@conn%d" % self.pick(waiters)], ["SWAPDB", "0", "1"],
                ["DEBUG", "LOADAOF"], ["FLUSHALL"]])))
        return seq

    def batch(self, n):
        """About n commands spread over the connections: [(conn, args), ...];
        (None, ["PAUSE", ms]) entries separate the parts of a scenario."""
        out = []
        while len(out) < n:
            if self.nconns > 1 and self.chance(0.008):
                out += self.blocked_scenario()
                continue
            if self.nconns > 1 and self.chance(0.004):
                out += self.claim_wakeup_scenario()
                continue
            if self.nconns > 1 and self.chance(0.003):
                out += self.ts_read_scenario()
                continue
            if self.chance(0.001):
                conn = self.rng.randrange(self.nconns)
                # ends the batch: the check comes before anything else
                return out + [(conn, c) for c in self.acked_setid_scenario()]
            if self.chance(0.002):
                conn = self.rng.randrange(self.nconns)
                return out + [(conn, c) for c in self.acked_bound_scenario()]
            conn = self.rng.randrange(self.nconns)
            r = self.one(conn)
            if r and isinstance(r[0], list):
                out += [(conn, c) for c in r]
            else:
                out.append((conn, r))
        return out


# ---------------------------------------------------------------------------
# The server


class Failure(Exception):
    pass


class ServerProc:
    def __init__(self, binary, workdir, extra_args=(), slow=1):
        self.binary = binary
        self.dir = workdir
        self.extra = list(extra_args)
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None
        self.port = None
        self.slow = slow

    def start(self):
        for _ in range(5):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            env = dict(os.environ)
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
            env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
            argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                    "--appendonly", "yes", "--enable-debug-command", "yes"] + self.extra
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                                             stderr=subprocess.STDOUT, cwd=self.dir, env=env,
                                             start_new_session=True)
            deadline = time.monotonic() + 15 * self.slow
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self.ping():
                    return
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if "in use" not in self.log():
                raise Failure("server did not start:\n" + self.log()[-3000:])
        raise Failure("server did not start (ports)")

    def ping(self, timeout=2.0):
        try:
            c = RespConn("127.0.0.1", self.port, timeout=timeout)
        except OSError:
            return False
        try:
            return c.call("PING") == b"PONG"
        except (OSError, ConnectionClosed, ValueError):
            return False
        finally:
            c.close()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def sanitizer_report(self):
        log = self.log()
        return next((m for m in SANITIZER_MARKERS if m in log), None)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM and wait; returns the exit status (None if it had to be
        killed)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30 * self.slow)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def load_schema(conn):
    """{name: arity} and {name: docs} (subcommands as "parent|sub"), with the
    docs' keys decoded to str."""

    def dec(x):
        if isinstance(x, bytes):
            return x.decode("utf-8", "replace")
        if isinstance(x, dict):
            return {dec(k): dec(v) for k, v in x.items()}
        if isinstance(x, list):
            return [dec(v) for v in x]
        return x

    info = {}

    def add(entry):
        # Pub/sub, scripting and non-stream blocking commands (redis-server
        # has them) would change the connection's protocol or stall it.
        flags = set(dec(list(entry[2])) + dec(list(entry[6])))
        name = dec(entry[0])
        if flags & {"pubsub", "@pubsub", "@scripting"} or (
                "blocking" in flags and not name.startswith("x")):
            return
        info[name] = entry[1]

    for entry in conn.call("COMMAND"):
        add(entry)
        if len(entry) > 9:
            for sub in entry[9] or []:
                add(sub)
    docs = {}
    for name, d in dec(conn.call("COMMAND", "DOCS")).items():
        docs[name] = d
        for sub, sd in (d.get("subcommands") or {}).items():
            docs[sub] = sd
    return info, docs


# ---------------------------------------------------------------------------
# Invariants


def as_map(x):
    if isinstance(x, dict):
        return {(k.decode() if isinstance(k, bytes) else k): v for k, v in x.items()}
    if isinstance(x, list):
        return {x[i].decode(): x[i + 1] for i in range(0, len(x) - 1, 2)}
    raise Failure("expected a map, got %r" % (x,))


def ok(reply, what):
    if isinstance(reply, RespError):
        raise Failure("%s: unexpected error %r" % (what, reply))
    return reply


def parse_id(i):
    a, s = i.split(b"-")
    return (int(a), int(s))


def check_stream(c, key):
    """DEBUG-free consistency of one stream; returns a snapshot of what a
    client can see of it (for the AOF comparison)."""
    rng = ok(c.call("XRANGE", key, "-", "+"), "XRANGE")
    xlen = ok(c.call("XLEN", key), "XLEN")
    if xlen != len(rng):
        raise Failure("%s: XLEN %d but XRANGE - + returns %d entries" % (key, xlen, len(rng)))
    ids = [e[0] for e in rng]
    if ids != sorted(ids, key=parse_id) or len(set(ids)) != len(ids):
        raise Failure("%s: XRANGE IDs not strictly increasing: %r" % (key, ids[:50]))
    rev = ok(c.call("XREVRANGE", key, "+", "-"), "XREVRANGE")
    if rev != rng[::-1]:
        raise Failure("%s: XREVRANGE + - is not XRANGE - + reversed" % key)
    # Paging with exclusive bounds walks the same entries, both ways.
    for step in ((1, 3, 7) if len(rng) < 300 else (97, 1000)):
        page, start, got = None, "-", []
        while page != []:
            page = ok(c.call("XRANGE", key, start, "+", "COUNT", str(step)), "XRANGE COUNT")
            if len(page) > step:
                raise Failure("%s: XRANGE COUNT %d returned %d entries" % (key, step, len(page)))
            got += page
            if page:
                start = b"(" + page[-1][0]
                if page[-1][0] == b"18446744073709551615-18446744073709551615":
                    break  # nothing comes after it (and "(max" is refused)
            if len(got) > len(rng):
                break
        if got != rng:
            raise Failure("%s: XRANGE paged by %d differs from XRANGE - +" % (key, step))
        page, end, got = None, "+", []
        while page != []:
            page = ok(c.call("XREVRANGE", key, end, "-", "COUNT", str(step)), "XREVRANGE COUNT")
            got += page
            if page:
                end = b"(" + page[-1][0]
                if page[-1][0] == b"0-0":
                    break
            if len(got) > len(rng):
                break
        if got != rng[::-1]:
            raise Failure("%s: XREVRANGE paged by %d differs from XRANGE reversed" % (key, step))
    if ok(c.call("XREAD", "COUNT", str(len(rng) + 1), "STREAMS", key, "0-0"), "XREAD") != (
            {key: rng} if c.proto == 3 else [[key, rng]]) and rng:
        raise Failure("%s: XREAD STREAMS key 0-0 differs from XRANGE - +" % key)
    info = as_map(ok(c.call("XINFO", "STREAM", key), "XINFO STREAM"))
    if info["length"] != len(rng):
        raise Failure("%s: XINFO length %r, XRANGE %d" % (key, info["length"], len(rng)))
    first = rng[0] if rng else None
    last = rng[-1] if rng else None
    if info["first-entry"] != first or info["last-entry"] != last:
        raise Failure("%s: XINFO first/last %r %r, XRANGE %r %r"
                      % (key, info["first-entry"], info["last-entry"], first, last))
    if last is not None and parse_id(info["last-generated-id"]) < parse_id(last[0]):
        raise Failure("%s: last-generated-id %r below the last entry" % (key, info["last-generated-id"]))
    added = info["entries-added"]
    if added < 0:
        added += 1 << 64  # counted past LLONG_MAX (XSETID ENTRIESADDED), shown signed as Redis
    if added < len(rng):
        raise Failure("%s: entries-added %r below length %d" % (key, info["entries-added"], len(rng)))
    groups = ok(c.call("XINFO", "GROUPS", key), "XINFO GROUPS")
    if len(groups) != info["groups"]:
        raise Failure("%s: XINFO STREAM groups %r, XINFO GROUPS %d" % (key, info["groups"], len(groups)))
    full = as_map(ok(c.call("XINFO", "STREAM", key, "FULL", "COUNT", "0"), "XINFO STREAM FULL"))
    fgroups = {as_map(g)["name"]: as_map(g) for g in full["groups"]}
    if sorted(fgroups) != sorted(as_map(g)["name"] for g in groups):
        raise Failure("%s: XINFO STREAM FULL groups %r, XINFO GROUPS %r" % (key, sorted(fgroups), groups))
    if full["entries"] != rng:
        raise Failure("%s: XINFO STREAM FULL entries differ from XRANGE - +" % key)
    snap_groups = {}
    for g in groups:
        g = as_map(g)
        name = g["name"]
        summ = ok(c.call("XPENDING", key, name), "XPENDING")
        total = summ[0]
        if total != g["pending"]:
            raise Failure("%s/%s: XPENDING count %r, XINFO GROUPS pending %r" % (key, name, total, g["pending"]))
        per = {row[0]: int(row[1]) for row in (summ[3] or [])}
        # Entries released by XNACK are pending but belong to no consumer.
        fg = fgroups.get(name)
        if fg is None:
            raise Failure("%s/%s: in XINFO GROUPS, not in XINFO STREAM FULL" % (key, name))
        nacked = fg.get("nacked-count", 0)
        if sum(per.values()) + nacked != total:
            raise Failure("%s/%s: XPENDING per-consumer counts %r and %d released do not add up to %r"
                          % (key, name, per, nacked, total))
        ext = ok(c.call("XPENDING", key, name, "-", "+", str(total + 10)), "XPENDING extended")
        if len(ext) != total:
            raise Failure("%s/%s: extended XPENDING has %d rows, summary says %d" % (key, name, len(ext), total))
        if total:
            if summ[1] != ext[0][0] or summ[2] != ext[-1][0]:
                raise Failure("%s/%s: XPENDING summary range %r..%r, extended %r..%r"
                              % (key, name, summ[1], summ[2], ext[0][0], ext[-1][0]))
        eids = [row[0] for row in ext]
        if eids != sorted(eids, key=parse_id) or len(set(eids)) != len(eids):
            raise Failure("%s/%s: XPENDING IDs not strictly increasing" % (key, name))
        cons = ok(c.call("XINFO", "CONSUMERS", key, name), "XINFO CONSUMERS")
        if len(cons) != g["consumers"]:
            raise Failure("%s/%s: XINFO GROUPS consumers %r, XINFO CONSUMERS %d" % (key, name, g["consumers"], len(cons)))
        cpend = {}
        for cn in cons:
            cn = as_map(cn)
            cpend[cn["name"]] = cn["pending"]
            rows = ok(c.call("XPENDING", key, name, "-", "+", str(total + 10), cn["name"]), "XPENDING consumer")
            if len(rows) != cn["pending"]:
                raise Failure("%s/%s/%r: XINFO CONSUMERS pending %r, XPENDING for it %d"
                              % (key, name, cn["name"], cn["pending"], len(rows)))
        for cname, n in per.items():
            if cpend.get(cname) != n:
                raise Failure("%s/%s: XPENDING says %r has %d, XINFO CONSUMERS %r" % (key, name, cname, n, cpend.get(cname)))
        if fg["pel-count"] != total or len(fg["pending"]) != total:
            raise Failure("%s/%s: XINFO STREAM FULL group disagrees with XPENDING" % (key, name))
        # FULL's group PEL [id, consumer, time, count] and each consumer's
        # [id, time, count] are two views of the same records.
        gpel = {row[0]: (row[1], row[2], row[3]) for row in fg["pending"]}
        if [row[0] for row in fg["pending"]] != eids or [gpel[i][0] for i in eids] != [row[1] for row in ext]:
            raise Failure("%s/%s: XINFO STREAM FULL's PEL differs from XPENDING's" % (key, name))
        # Released entries show the consumer "" (which may also be a real
        # consumer's name) and idle -1 in XPENDING.
        released = {row[0] for row in ext if row[2] == -1}
        if len(released) != nacked:
            raise Failure("%s/%s: nacked-count %d, XPENDING shows %d entries idle -1"
                          % (key, name, nacked, len(released)))
        owned = collections.Counter(v[0] for i, v in gpel.items() if i not in released)
        for fc in fg["consumers"]:
            fc = as_map(fc)
            rows = fc["pending"]
            if fc["pel-count"] != len(rows) or len(rows) != owned.get(fc["name"], 0) or \
                    fc["pel-count"] != cpend.get(fc["name"]):
                raise Failure("%s/%s/%r: XINFO STREAM FULL consumer pel-count %r, %d rows, %d owned in the "
                              "group PEL, XINFO CONSUMERS %r" % (key, name, fc["name"], fc["pel-count"],
                                                                  len(rows), owned.get(fc["name"], 0),
                                                                  cpend.get(fc["name"])))
            for row in rows:
                if gpel.get(row[0]) != (fc["name"], row[1], row[2]):
                    raise Failure("%s/%s/%r: consumer PEL row %r, group PEL %r"
                                  % (key, name, fc["name"], row, gpel.get(row[0])))
        snap_groups[name] = {
            "info": {k: v for k, v in g.items()},
            "pending": [(row[0], row[1], row[3]) for row in ext],
            "consumers": sorted(cpend.items()),
        }
    idmp = {k: v for k, v in info.items() if k.startswith(("idmp", "pids", "iids"))}
    # Tracked IDs expire after idmp-duration seconds: the counts of the ones
    # still tracked may drop between two snapshots (never grow).
    tracked = (idmp.pop("pids-tracked", None), idmp.pop("iids-tracked", None))
    return {"tracked": tracked, "entries": rng, "last-generated-id": info["last-generated-id"],
            "max-deleted-entry-id": info["max-deleted-entry-id"],
            "entries-added": info["entries-added"],
            "recorded-first-entry-id": info.get("recorded-first-entry-id"),
            "idmp": idmp, "groups": snap_groups}


NEAR_EXPIRY = ("near-expiry",)


def snapshot(c, dbs):
    """Checks every stream in the given databases; returns what a client sees
    (keys with a TTL under a minute are left out: they may expire; those under
    three minutes are also named under NEAR_EXPIRY, so that a key one snapshot
    has and the next, taken after a slow rewrite, leaves out is no difference)."""
    snap = {NEAR_EXPIRY: set()}
    for db in dbs:
        ok(c.call("SELECT", str(db)), "SELECT")
        keys = []
        cursor = b"0"
        while True:
            cursor, batch = ok(c.call("SCAN", cursor, "COUNT", "1000"), "SCAN")
            keys += batch
            if cursor == b"0":
                break
        for k in sorted(set(keys)):
            ttl = c.call("PTTL", k)
            if isinstance(ttl, int) and 0 <= ttl < 60000:
                continue
            if isinstance(ttl, int) and 0 <= ttl < 180000:
                snap[NEAR_EXPIRY].add((db, k))
            t = c.call("TYPE", k)
            if t == b"stream":
                snap[(db, k)] = ("stream", check_stream(c, k))
            elif t == b"none":
                continue
            elif t == b"TSDB-TYPE":
                v = ok(c.call("TS.INFO", k), "TS.INFO")
                i = dict(zip(v[0::2], v[1::2])) if isinstance(v, list) else dict(v)
                i.pop(b"memoryUsage", None)
                snap[(db, k)] = ("ts", ok(c.call("TS.RANGE", k, "-", "+"), "TS.RANGE"),
                                 repr(sorted(i.items())))
            elif t == b"hash":
                v = c.call("HGETALL", k)
                pairs = v.items() if isinstance(v, dict) else zip(v[0::2], v[1::2])
                snap[(db, k)] = ("hash", sorted(pairs))
            elif t == b"set":
                snap[(db, k)] = ("set", sorted(ok(c.call("SMEMBERS", k), "SMEMBERS")))
            elif t == b"ReJSON-RL":
                snap[(db, k)] = ("json", ok(c.call("JSON.GET", k), "JSON.GET"))
            elif t == b"array":
                pairs = ok(c.call("ARSCAN", k, "0", str(2**64 - 2)), "ARSCAN")
                count, length = c.call("ARCOUNT", k), c.call("ARLEN", k)
                if count != len(pairs) or not pairs or length != pairs[-1][0] + 1:
                    raise Failure("array %r: ARCOUNT %r, ARLEN %r, ARSCAN %d pairs ending at %r"
                                  % (k, count, length, len(pairs), pairs[-1][0] if pairs else None))
                snap[(db, k)] = ("array", [tuple(p) for p in pairs], c.call("ARNEXT", k))
            elif t in (b"MBbloom--", b"MBbloomCF"):
                cmd = "BF.SCANDUMP" if t == b"MBbloom--" else "CF.SCANDUMP"
                chunks, it = [], 0
                while True:
                    it, data = ok(c.call(cmd, k, str(it)), cmd)
                    if it == 0:
                        break
                    chunks.append((it, data))
                info = ok(c.call("BF.INFO" if t == b"MBbloom--" else "CF.INFO", k), "INFO")
                snap[(db, k)] = (bytes(t), chunks, info)
            elif t in (b"CMSk-TYPE", b"TopK-TYPE", b"TDIS-TYPE", b"trietype0"):
                snap[(db, k)] = (bytes(t), c.call("DUMP", k))  # the module's whole layout
            else:
                snap[(db, k)] = (bytes(t), c.call("GET", k) if t == b"string" else None)
    ok(c.call("SELECT", "0"), "SELECT")
    return snap


def keysizes_bin(n):
    """INFO keysizes' label for a value of n elements (strings: bytes)."""
    if n == 0:
        return "0"
    p = 1 << (n.bit_length() - 1)
    unit = 0
    while p >= 1024:
        p >>= 10
        unit += 1
    return "%d%s" % (p, " KMGTPE"[unit].strip())


def check_keysizes(c):
    """INFO keysizes against the keyspace: every value counted once, in the
    bin of its length. Skipped (returns False) when a key could expire while
    it runs or an expired key is not deleted yet (INFO keyspace counts it, KEYS
    does not list it), and on a server without the section."""
    text = bytes(ok(c.call("INFO", "keysizes"), "INFO keysizes")).decode()
    if not text.startswith("# Keysizes"):
        return False
    keyspace = bytes(ok(c.call("INFO", "keyspace"), "INFO keyspace")).decode()
    expected = {}
    try:
        for line in keyspace.split("\r\n"):
            if not line.startswith("db"):
                continue
            db, fields = line.split(":", 1)
            n_keys = int(fields.split(",")[0].split("=")[1])
            ok(c.call("SELECT", db[2:]), "SELECT")
            keys = ok(c.call("KEYS", "*"), "KEYS")
            if len(keys) != n_keys:
                return False
            for k in keys:
                ttl = ok(c.call("PTTL", k), "PTTL")
                if ttl == -2 or 0 <= ttl < 30000:
                    return False
                t = ok(c.call("TYPE", k), "TYPE")
                line = {b"string": ("distrib_strings_sizes", "STRLEN"),
                        b"stream": ("distrib_streams_items", "XLEN"),
                        b"hash": ("distrib_hashes_items", "HLEN"),
                        b"set": ("distrib_sets_items", "SCARD"),
                        b"zset": ("distrib_zsets_items", "ZCARD"),
                        b"list": ("distrib_lists_items", "LLEN"),
                        b"array": ("distrib_arrays_items", "ARCOUNT")}.get(bytes(t))
                if line is None:
                    continue  # module types (vectorset, ...) are not in keysizes
                name, size_cmd = line
                n = ok(c.call(size_cmd, k), size_cmd)
                bins = expected.setdefault("%s_%s" % (db, name), collections.Counter())
                bins[n.bit_length()] += 1
    finally:
        ok(c.call("SELECT", "0"), "SELECT")
    want = {}
    for line_name, bins in expected.items():
        want[line_name] = ",".join("%s=%d" % (keysizes_bin(1 << (b - 1)) if b else "0", bins[b])
                                   for b in sorted(bins))
    text = bytes(ok(c.call("INFO", "keysizes"), "INFO keysizes")).decode()
    got = dict(l.split(":", 1) for l in text.split("\r\n")[1:] if l)
    # Lines come per database, then per type (strings before streams).
    if got != want:
        raise Failure("INFO keysizes %r, the keyspace gives %r" % (got, want))
    return True


def diff_snapshots(a, b):
    """What differs between two snapshots (None: nothing); streams' tracked
    IDMP counts may only have gone down; a key near its expiry in either one
    may be missing from the other."""
    near = a.get(NEAR_EXPIRY, set()) | b.get(NEAR_EXPIRY, set())
    for k in sorted((set(a) | set(b)) - {NEAR_EXPIRY}, key=repr):
        x, y = a.get(k), b.get(k)
        if (x is None or y is None) and k in near:
            continue
        if x and y and x[0] == y[0] == "stream":
            tx, ty = x[1]["tracked"], y[1]["tracked"]
            if tx != ty and (None in tx or None in ty or ty[0] > tx[0] or ty[1] > tx[1]):
                return "%r: IDMP tracked (pids, iids) before %r, after %r" % (k, tx, ty)
            x = ("stream", dict(x[1], tracked=None))
            y = ("stream", dict(y[1], tracked=None))
        if x != y:
            return "%r: before %r\n after %r" % (k, x, y)
    return None


# ---------------------------------------------------------------------------
# The run


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.history = collections.deque(maxlen=args.history)
        self.record = open(args.record, "w") if args.record else None
        self.step = 0
        self.stats = collections.Counter()
        self.errors = collections.Counter()
        self.messages = collections.Counter()
        self.slow = 4 if (args.slow or "asan" in args.bin) else 1
        self.workdir = tempfile.mkdtemp(prefix="cmdfuzz-")
        extra = list(args.server_arg)
        if not any("stream-node-max-entries" in x for x in extra):
            # Small nodes, so that entries span several of them.
            extra += ["--stream-node-max-entries", str([100, 2, 5, 10][args.seed % 4])]
        if not any("stream-node-max-bytes" in x for x in extra):
            extra += ["--stream-node-max-bytes", str([4096, 4096, 100, 1][args.seed // 4 % 4])]
        self.srv = ServerProc(args.bin, self.workdir, extra, self.slow)
        self.conns = []
        self.ids = []
        self.ctl = None
        self.mon = None  # a MONITOR connection, drained after every batch
        self.sub = None  # a connection subscribed to every channel, drained likewise
        self.sub_token = 0
        self.mon_buf = bytearray()

    # -- connections --------------------------------------------------------

    def connect(self, i):
        c = RespConn("127.0.0.1", self.srv.port, timeout=10 * self.slow)
        cid = c.call("CLIENT", "ID")
        if not isinstance(cid, int):
            raise Failure("CLIENT ID: %r" % (cid,))
        if i % 2 == 1:
            c.call("HELLO", "3")
        return c, cid

    def control(self):
        if self.ctl is None:
            self.ctl = RespConn("127.0.0.1", self.srv.port, timeout=20 * self.slow)
            if self.ctl.call("HELLO", "3").__class__ is RespError:
                raise Failure("control connection: HELLO 3 refused")
            self.ctl.proto = 3
        return self.ctl

    def reset_control(self):
        if self.ctl is not None:
            self.ctl.close()
        self.ctl = None

    def drain_monitor(self):
        """Reads what the MONITOR connection got: every line must have the
        monitor format. Reopened when a CLIENT KILL took it."""
        if self.mon is None or self.mon.eof:
            if self.mon is not None:
                self.mon.close()
            self.mon = RespConn("127.0.0.1", self.srv.port, timeout=10 * self.slow)
            self.mon_buf = bytearray()
            if self.mon.call("MONITOR") != b"OK":
                raise Failure("MONITOR refused")
        self.mon_buf += self.mon.read_available(wait=0.001)
        *lines, rest = bytes(self.mon_buf).split(b"\r\n")
        self.mon_buf = bytearray(rest)
        for line in lines:
            if not MONITOR_LINE.match(line):
                raise Failure("malformed MONITOR line: %r" % line[:300])
        self.stats["monitor lines"] += len(lines)

    def drain_subscriber(self):
        """Reads what the subscriber (PSUBSCRIBE * and SSUBSCRIBE of a few
        keys, over RESP2) got up to the answer to a PING: every frame must be
        a well-formed message. Reopened when a CLIENT KILL took it."""
        for attempt in range(2):
            try:
                if self.sub is None or self.sub.eof:
                    if self.sub is not None:
                        self.sub.close()
                    self.sub = RespConn("127.0.0.1", self.srv.port, timeout=10 * self.slow)
                    self.sub.send(encode_command("PSUBSCRIBE", "*") +
                                  encode_command("SSUBSCRIBE", "s1", "s2", "k1"))
                    want = [[b"psubscribe", b"*", 1], [b"ssubscribe", b"s1", 1],
                            [b"ssubscribe", b"s2", 2], [b"ssubscribe", b"k1", 3]]
                    for w in want:
                        got = self.sub.read()
                        if got != w:
                            raise Failure("subscriber: %r answered instead of %r" % (got, w))
                self.sub_token += 1
                mark = b"t%d" % self.sub_token
                self.sub.send(encode_command("PING", mark))
                while True:
                    v = self.sub.read()
                    if v == [b"pong", mark]:
                        return
                    ok = (isinstance(v, list) and
                          ((len(v) == 4 and v[0] == b"pmessage" and v[1] == b"*") or
                           (len(v) == 3 and v[0] == b"smessage" and v[1] in (b"s1", b"s2", b"k1"))) and
                          all(isinstance(x, bytes) for x in v))
                    if not ok:
                        raise Failure("malformed Pub/Sub message: %r" % (v,))
                    self.stats["pubsub messages"] += 1
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                if attempt == 1:
                    raise Failure("subscriber connection lost twice")
                self.sub = None

    def ctl_call(self, *args):
        for attempt in range(2):
            try:
                return self.control().call(*args)
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                # CLIENT KILL with a filter may hit the control connection.
                self.reset_control()
                if attempt:
                    raise
        return None

    # -- sending ------------------------------------------------------------

    def resolve(self, args):
        out = []
        for a in args:
            if isinstance(a, str) and a.startswith("@conn"):
                # a fixed "@conn1" (CLIENT KILL's filters) under --conns 1
                out.append(str(self.ids[int(a[5:]) % len(self.ids)]))
            else:
                out.append(resolve_payload(a))
        return out

    def harvest_payload(self):
        """DUMPs one fuzzed key (on the control connection) for the
        generator's RESTOREs; the payload is part of the recorded RESTORE
        commands, so a replay does not depend on it."""
        if not self.is_streamd or self.harvest_rng.random() > 0.3:
            return
        key = self.harvest_rng.choice(STREAM_KEYS + ["str"])
        p = self.ctl_call("DUMP", key)
        if isinstance(p, bytes) and len(p) < 200000:
            self.gen.payloads.append(p.hex())
            del self.gen.payloads[:-16]

    def run_batch(self, batch):
        """Sends the batch in order (consecutive commands for one connection
        in one write; a PAUSE entry waits, so that a blocking command is
        blocked before what follows arrives), then reads every reply."""
        per = collections.defaultdict(list)
        out = []  # (conn, [encoded commands])

        def flush():
            for conn, chunks in out:
                try:
                    self.conns[conn].send(b"".join(chunks))
                except OSError:
                    pass  # killed by CLIENT KILL: noticed while reading
            out.clear()

        for conn, args in batch:
            if conn is None:
                flush()
                if self.record:
                    self.record.write(json.dumps([None, args]) + "\n")
                time.sleep(args[1] / 1000.0)
                continue
            raw, args = args, self.resolve(args)
            self.step += 1
            self.history.append((self.step, conn, args, raw))
            if self.record:
                self.record.write(json.dumps([conn, raw]) + "\n")
            per[conn].append(args)
            self.stats[str(args[0]).lower()] += 1
            if out and out[-1][0] == conn:
                out[-1][1].append(encode_command(*args))
            else:
                out.append((conn, [encode_command(*args)]))
        flush()
        for conn, cmds in per.items():
            self.read_replies(conn, cmds)

    def read_replies(self, conn, cmds):
        for args in cmds:
            try:
                r = self.read_one(conn)
                if isinstance(r, RespError):
                    self.errors[str(args[0]).lower()] += 1
                    self.messages[(str(args[0]).lower(), r.message[:60])] += 1
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                # CLIENT KILL or QUIT: the rest of this pipeline is lost.
                self.check_server("connection %d closed" % conn)
                self.conns[conn], self.ids[conn] = self.connect(conn)
                return
        # One reply per command: nothing may be left over.
        c = self.conns[conn]
        extra = bytes(c.buf[c.pos:])
        if not extra:
            c.sock.setblocking(False)  # (with a timeout, recv would wait)
            try:
                extra = c.sock.recv(4096, socket.MSG_PEEK)
            except (BlockingIOError, InterruptedError):
                extra = b""
            except OSError:
                extra = b""  # reset: noticed on the next read
            finally:
                c.sock.settimeout(c.timeout)
        if extra:
            raise Failure("connection %d: bytes after the last reply of the batch: %r" % (conn, extra[:200]))

    def read_one(self, conn):
        c = self.conns[conn]
        c.sock.settimeout(1.0 * self.slow)
        try:
            try:
                return c.read()
            except socket.timeout:
                pass
            # Blocked (BLOCK 0, a long timeout): release it; it must answer.
            self.check_server("reply %d missing" % conn)
            self.ctl_call("CLIENT", "UNBLOCK", str(self.ids[conn]))
            c.sock.settimeout(10 * self.slow)
            try:
                return c.read()
            except socket.timeout:
                raise Failure("hang: connection %d got no reply even after CLIENT UNBLOCK" % conn)
        finally:
            c.sock.settimeout(c.timeout)

    # -- checks -------------------------------------------------------------

    def check_server(self, where):
        if not self.srv.alive():
            raise Failure("server died (%s), exit status %s" % (where, self.srv.proc.returncode))
        m = self.srv.sanitizer_report()
        if m:
            raise Failure("sanitizer report (%s): %s" % (where, m))

    def check_ping(self):
        self.check_server("after batch")
        self.drain_monitor()
        self.drain_subscriber()
        try:
            r = self.ctl_call("PING")
        except (OSError, ValueError) as e:
            self.check_server("PING")
            raise Failure("PING failed: %r" % e)
        if r != b"PONG":
            raise Failure("PING answered %r" % (r,))

    def hold_evictions(self):
        """With a maxmemory limit (--server-args), a key may be evicted between
        two reads of a check, which would then see two states: the limit is
        lifted for the check (maxmemory 0) and returned after. Returns it."""
        v = self.control().call("CONFIG", "GET", "maxmemory")
        limit = list(v.values())[0] if isinstance(v, dict) else v[1]
        if limit not in (b"0", "0"):
            self.control().call("CONFIG", "SET", "maxmemory", "0")
        return limit

    def resume_evictions(self, limit):
        if limit not in (b"0", "0"):
            self.control().call("CONFIG", "SET", "maxmemory", limit)

    def check_invariants(self):
        self.stats["invariant checks"] += 1
        snap = snapshot(self.control(), (0, 1))
        if check_keysizes(self.control()):
            self.stats["keysizes checks"] += 1
        if self.args.verbose:
            print("step %d: %s" % (self.step, ", ".join(
                "%s:%d entries/%d groups/%d pending" % (k[1].decode(), len(v[1]["entries"]), len(v[1]["groups"]),
                                                        sum(len(g["pending"]) for g in v[1]["groups"].values()))
                for k, v in snap.items() if k != NEAR_EXPIRY and v[0] == "stream")), flush=True)
        return snap

    def check_acked_trim(self, snap):
        """An exact XTRIM ... ACKED on one stream with groups, against the
        rule worked out from the snapshot (entries in ID order until the
        threshold; one some group has not delivered ends the trim; one
        pending in some group stays; the rest go; a MAXLEN trim that would
        delete past a kept entry is made MAXLEN 0, see below). streamd remembers what
        earlier ACKED trims kept, so a wrong reply here means a way for an
        entry to stop being kept that it missed. Recorded like a command
        of connection "ctl", so that a replay sends it too."""
        if not self.is_streamd:
            return
        streams = (k for k, v in snap.items() if k != NEAR_EXPIRY and v[0] == "stream")
        for db, key in sorted(k for k in streams if snap[k][1]["groups"]):
            self.check_acked_trim_key(db, key, snap[(db, key)][1])

    def check_acked_trim_key(self, db, key, s):
        rng = self.check_rng
        ids = [e[0] for e in s["entries"]]
        min_last = min(parse_id(g["info"]["last-delivered-id"]) for g in s["groups"].values())
        pending = {row[0] for g in s["groups"].values() for row in g["pending"]}
        if rng.random() < 0.5:
            maxlen, minid = (rng.randint(0, len(ids)) if rng.random() < 0.7 else 0), None
            args = ["XTRIM", key, "MAXLEN", "=", str(maxlen), "ACKED"]
        else:
            maxlen = None
            minid = parse_id(rng.choice(ids)) if ids and rng.random() < 0.8 else (1 << 62, 0)
            args = ["XTRIM", key, "MINID", "=", "%d-%d" % minid, "ACKED"]

        def simulate(maxlen):
            length, gone, skipped, after_skip = len(ids), set(), False, False
            for i in ids:
                if (length <= maxlen) if maxlen is not None else parse_id(i) >= minid:
                    break
                if parse_id(i) > min_last:
                    break
                if i not in pending:
                    gone.add(i)
                    length -= 1
                    after_skip |= skipped
                else:
                    skipped = True
            return gone, after_skip

        gone, after_skip = simulate(maxlen)
        if maxlen and after_skip:
            # Where a MAXLEN trim that kept entries ends depends on the node
            # boundaries (Redis goes past a node only if it could have gone
            # whole by count), which the snapshot does not show: MAXLEN 0
            # passes every node.
            maxlen = 0
            args[4] = "0"
            gone, _ = simulate(maxlen)
        c = self.control()
        for cmd in (["SELECT", str(db)], args):
            if self.record:
                self.record.write(json.dumps(["ctl", [a.decode() if isinstance(a, bytes) else a
                                                      for a in cmd]]) + "\n")
        ok(c.call("SELECT", str(db)), "SELECT")
        got = c.call(*args)
        self.stats["acked trim checks"] += 1
        if got != len(gone):
            raise Failure("%r: %d entries expected to go, reply %r" % (args, len(gone), got))
        left = [e[0] for e in ok(c.call("XRANGE", key, "-", "+"), "XRANGE")]
        if left != [i for i in ids if i not in gone]:
            raise Failure("%r: left %r, expected %r" % (args, left[:20], [i for i in ids if i not in gone][:20]))

    def wait_rewrite(self):
        deadline = time.monotonic() + 60 * self.slow
        while time.monotonic() < deadline:
            info = self.ctl_call("INFO", "persistence")
            text = bytes(info).decode()
            if "aof_rewrite_in_progress:0" in text and "aof_rewrite_scheduled:0" in text:
                return text
            time.sleep(0.05)
        raise Failure("AOF rewrite did not finish")

    def check_aof(self):
        self.stats["aof checks"] += 1
        c = self.control()
        r = c.call("CONFIG", "SET", "appendonly", "yes")
        ok(r, "CONFIG SET appendonly yes")
        self.wait_rewrite()
        before = snapshot(c, (0, 1))
        for _ in range(20):
            r = c.call("BGREWRITEAOF")
            # An automatic rewrite (auto-aof-rewrite-*) may have just started.
            if not (isinstance(r, RespError) and b"already in progress" in r.message):
                break
            self.wait_rewrite()
        if isinstance(r, RespError):
            raise Failure("BGREWRITEAOF: %r" % r)
        text = self.wait_rewrite()
        if "aof_last_bgrewrite_status:ok" not in text:
            raise Failure("AOF rewrite failed:\n" + text)
        mid = snapshot(c, (0, 1))
        d = diff_snapshots(before, mid)
        if d:
            raise Failure("BGREWRITEAOF changed the data:\n" + d)
        r = c.call("DEBUG", "LOADAOF")
        if r != b"OK":
            self.check_server("DEBUG LOADAOF")
            raise Failure("DEBUG LOADAOF: %r" % (r,))
        after = snapshot(c, (0, 1))
        d = diff_snapshots(before, after)
        if d:
            raise Failure("BGREWRITEAOF + DEBUG LOADAOF changed what clients see:\n" + d)

    # -- main loop ----------------------------------------------------------

    def used_memory(self):
        """INFO's used_memory (None if the server has none), once the lazyfree
        thread has freed what it was handed (UNLINK, or DEL under
        lazyfree-lazy-user-del, just before the check)."""
        deadline = time.monotonic() + 30 * self.slow
        while True:
            text = bytes(self.ctl_call("INFO", "memory")).decode()
            if "used_memory:" not in text:
                return None
            pending = text.split("lazyfree_pending_objects:")[1].split("\r\n")[0]
            if pending == "0" or time.monotonic() > deadline:
                return int(text.split("used_memory:")[1].split("\r\n")[0])
            time.sleep(0.01)

    # What an emptied server may keep beyond its start, by name in DEBUG
    # MEMORY-PARTS (streamd's): the connections' buffers, the propagation
    # buffer kept between commands, statistics made as commands run, the
    # script cache and function libraries. Each is bounded; the rest (key
    # tables and whatever no part names) must fit in --memory-slack.
    KEPT_PARTS = ("clients", "propagation", "aof.buffer", "replication.backlog", "cmdstats",
                  "errorstats", "slowlog", "scripts", "functions")

    def memory_parts(self):
        """DEBUG MEMORY-PARTS as {name: bytes}, or None (redis-server)."""
        if not self.is_streamd:
            return None
        r = self.ctl_call("DEBUG", "MEMORY-PARTS")
        if isinstance(r, dict):
            return {bytes(k).decode(): v for k, v in r.items()}
        if isinstance(r, list):
            return {bytes(r[i]).decode(): r[i + 1] for i in range(0, len(r), 2)}
        return None

    def setup(self):
        self.srv.start()
        self.base_memory = self.used_memory()
        self.is_streamd = b"streamd_version:" in bytes(self.ctl_call("INFO", "server"))
        self.base_parts = self.memory_parts()
        self.check_rng = random.Random(self.args.seed * 7 + 1)
        self.harvest_rng = random.Random(self.args.seed * 13 + 5)
        info, docs = load_schema(self.control())
        self.gen = Gen(self.args.seed, docs, info, self.args.conns)
        for i in range(self.args.conns):
            c, cid = self.connect(i)
            self.conns.append(c)
            self.ids.append(cid)

    def run(self):
        a = self.args
        deadline = time.monotonic() + a.minutes * 60 if a.minutes else None
        nbatch = 0
        while True:
            if a.steps and self.step >= a.steps:
                break
            if deadline and time.monotonic() >= deadline:
                break
            self.run_batch(self.gen.batch(a.batch))
            nbatch += 1
            self.check_ping()
            self.harvest_payload()
            if nbatch % a.check_every == 0 or self.gen.want_check:
                self.gen.want_check = False
                held = self.hold_evictions()
                self.check_acked_trim(self.check_invariants())
                self.resume_evictions(held)
            if a.aof_every and nbatch % a.aof_every == 0:
                held = self.hold_evictions()
                self.check_aof()
                self.resume_evictions(held)
        self.hold_evictions()
        self.check_invariants()
        if a.aof_every:
            self.check_aof()

    def stop_checked(self):
        rc = self.srv.stop()
        if rc is None:
            raise Failure("server did not exit within %ds of SIGTERM" % (30 * self.slow))
        m = self.srv.sanitizer_report()
        if m:
            raise Failure("sanitizer report at exit: " + m)
        if rc != 0:
            raise Failure("server exited with status %s" % rc)

    def finish(self):
        """Stops the server, checks its exit, starts it again on the same
        directory (the AOF) and compares what a client sees. Before stopping,
        with the AOF switched off (so that the restart still loads the data),
        empties every database: the memory in use must come back to about
        what it was at the start (memory still reachable but no longer used
        is a leak LeakSanitizer cannot see)."""
        for c in self.conns:
            c.close()
        self.conns = []
        if self.mon is not None:
            self.mon.close()
            self.mon = None
        if self.sub is not None:  # its output buffer may have grown (notifications)
            self.sub.close()
            self.sub = None
        before = None
        c = self.control()
        if self.args.aof_every:
            ok(c.call("CONFIG", "SET", "appendonly", "yes"), "CONFIG SET appendonly yes")
            # A stream that never used IDMP shows these configs, which the
            # restart resets to their defaults (redis-server 7.0: no such
            # configs, an error).
            c.call("CONFIG", "SET", "stream-idmp-duration", "100", "stream-idmp-maxsize", "100")
            self.wait_rewrite()
            before = snapshot(c, (0, 1))
        if self.base_memory is not None and self.args.memory_slack:
            ok(c.call("CONFIG", "SET", "appendonly", "no"), "CONFIG SET appendonly no")
            self.wait_rewrite()
            r = c.call("CONFIG", "GET", "databases")
            n_dbs = int(r[b"databases"]) if isinstance(r, dict) and b"databases" in r else 16
            for db in range(n_dbs):
                ok(c.call("SELECT", str(db)), "SELECT")
                ok(c.call("FLUSHDB"), "FLUSHDB")
            ok(c.call("CONFIG", "RESETSTAT"), "CONFIG RESETSTAT")  # error stats
            ok(c.call("SLOWLOG", "RESET"), "SLOWLOG RESET")  # up to slowlog-max-len entries
            # The users ACL SETUSER made (their names may be long strings),
            # the ACL log and a HOTKEYS session go too: what stays of them is
            # a leak.
            ok(c.call("ACL", "LOG", "RESET"), "ACL LOG RESET")
            c.call("HOTKEYS", "STOP")  # an error when none runs
            c.call("HOTKEYS", "RESET")
            users = c.call("ACL", "USERS")
            for u in users if isinstance(users, list) else []:
                if bytes(u) != b"default":
                    c.call("ACL", "DELUSER", bytes(u))
            self.reset_control()
            used = self.used_memory()
            parts = self.memory_parts()
            self.reset_control()
            kept = 0
            if parts and self.base_parts:
                kept = sum(parts[k] - self.base_parts[k] for k in self.KEPT_PARTS)
            self.stats[" emptied memory"] = used - self.base_memory
            self.stats[" emptied memory, kept parts"] = kept
            if used - kept > self.base_memory + self.args.memory_slack:
                table = ""
                if parts and self.base_parts:
                    table = "\n".join("  %-20s %10d %10d %+10d" % (
                        k, self.base_parts[k], parts[k], parts[k] - self.base_parts[k])
                        for k in parts)
                    table = ("\nDEBUG MEMORY-PARTS (start, end, growth; %s are kept parts):\n"
                             % ", ".join(self.KEPT_PARTS) + table)
                raise Failure("%d bytes in use with every database empty and no client but one, "
                              "%d at the start, %d of them in kept parts%s"
                              % (used, self.base_memory, kept, table))
        self.reset_control()
        self.check_server("end")
        self.stop_checked()
        if before is None:
            return
        self.srv.start()
        self.stats["restart checks"] += 1
        after = snapshot(self.control(), (0, 1))
        self.reset_control()
        d = diff_snapshots(before, after)
        if d:
            raise Failure("a restart from the AOF changed what clients see:\n" + d)
        self.stop_checked()

    def report(self, err):
        lines = ["cmd_fuzz: FAILURE at step %d (seed %d): %s" % (self.step, self.args.seed, err),
                 "last %d commands (step, connection, arguments):" % len(self.history)]
        for step, conn, args, _ in self.history:
            text = json.dumps(args, default=lambda b: "@payload:" + b.hex())
            lines.append("  %d c%d %s" % (step, conn, text[:400]))
        log = self.srv.log()
        lines.append("server log (tail):")
        lines.append(log[-12000:])
        text = "\n".join(lines)
        path = os.path.join(self.workdir, "failure.txt")
        with open(path, "w") as f:
            f.write(text)
        with open(os.path.join(self.workdir, "last.jsonl"), "w") as f:
            for _, conn, _, raw in self.history:
                f.write(json.dumps([conn, raw], default=lambda b: "@payload:" + b.hex()) + "\n")
        print(text)
        print("cmd_fuzz: details in %s; replay the last commands with --replay %s/last.jsonl"
              % (path, self.workdir))


# ---------------------------------------------------------------------------
# Replay and minimisation


def replay(binary, cmds, slow, keep=None, server_args=()):
    """Runs recorded [conn, args] pairs one by one against a fresh server;
    returns a failure description or None."""
    workdir = tempfile.mkdtemp(prefix="cmdfuzz-replay-")
    srv = ServerProc(binary, workdir, server_args, slow)
    try:
        srv.start()
        conns = {}
        ids = {}
        pending = collections.Counter()  # replies not read yet, per connection

        def opened(conn):
            """(Re)connects; False if the server is gone."""
            try:
                conns[conn] = RespConn("127.0.0.1", srv.port, timeout=2 * slow)
                ids[conn] = conns[conn].call("CLIENT", "ID")
                return True
            except (OSError, ConnectionClosed):
                return False
        for conn, args in cmds:
            if conn is None:
                time.sleep(args[1] / 1000.0)
                continue
            if conn not in conns and not opened(conn):
                break
            args = [str(ids.get(int(a[5:]), 0)) if isinstance(a, str) and a.startswith("@conn")
                    else resolve_payload(a) for a in args]
            try:
                conns[conn].send_cmd(*args)
                pending[conn] += 1
                # Read what comes; a blocked reply is left for later.
                conns[conn].sock.settimeout(0.2 * slow)
                try:
                    while pending[conn]:
                        conns[conn].read()
                        pending[conn] -= 1
                except (socket.timeout, ValueError):
                    pass
            except (OSError, ConnectionClosed):
                pending[conn] = 0
                if not opened(conn):
                    break
            if not srv.alive():
                break
        time.sleep(0.1 * slow)
        if not srv.alive():
            return "server died (status %s)" % srv.proc.returncode
        m = srv.sanitizer_report()
        if m:
            return "sanitizer: " + m
        if not srv.ping(5 * slow):
            return "no PONG"
        for c in conns.values():
            c.close()
        rc = srv.stop()
        m = srv.sanitizer_report()
        if m:
            return "sanitizer at exit: " + m
        if rc != 0:
            return "exit status %s" % rc
        return None
    finally:
        srv.kill()
        if keep is not None:
            keep.append(srv.log())
        shutil.rmtree(workdir, ignore_errors=True)


def load_cmds(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def minimize(binary, cmds, slow, server_args=()):
    """Delta debugging over the command list: drops chunks while the replay
    still fails."""
    if replay(binary, cmds, slow, server_args=server_args) is None:
        print("the recorded commands do not fail on replay")
        return cmds
    n = 2
    while len(cmds) >= 2:
        chunk = max(1, len(cmds) // n)
        reduced = False
        for start in range(0, len(cmds), chunk):
            cand = cmds[:start] + cmds[start + chunk:]
            if cand and replay(binary, cand, slow, server_args=server_args) is not None:
                cmds = cand
                n = max(n - 1, 2)
                reduced = True
                print("minimize: %d commands" % len(cmds), flush=True)
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(cmds), n * 2)
    return cmds


def on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: where is it?
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default=os.path.join(REPO, "build-asan", "streamd"))
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--steps", type=int, default=0, help="stop after this many commands")
    p.add_argument("--minutes", type=float, default=0, help="stop after this long")
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--batch", type=int, default=40, help="commands between PING checks")
    p.add_argument("--conns", type=int, default=4)
    p.add_argument("--check-every", type=int, default=10, help="batches between invariant checks")
    p.add_argument("--aof-every", type=int, default=50, help="batches between AOF checks (0: none)")
    p.add_argument("--history", type=int, default=200, help="commands kept for the failure report")
    p.add_argument("--record", help="write every command sent to this file (JSON lines)")
    p.add_argument("--replay", help="replay a recorded file against a fresh server")
    p.add_argument("--minimize", help="shrink a recorded failing file")
    p.add_argument("--out", help="where --minimize writes its result")
    p.add_argument("--server-args", default="", help="extra server arguments (one string)")
    p.add_argument("--memory-slack", type=int, default=256 * 1024,
                   help="bytes an emptied server may hold beyond its start besides the "
                   "parts it keeps by design (DEBUG MEMORY-PARTS: client buffers, the "
                   "propagation buffer, statistics, scripts): tables that do not shrink "
                   "all the way, ACL users and the like; 0: no check (redis-server)")
    p.add_argument("--slow", action="store_true",
                   help="allow sanitizer-build timeouts (implied by 'asan' in --bin)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    a.server_arg = a.server_args.split()
    a.bin = os.path.abspath(a.bin)
    if a.seconds:
        a.minutes = a.seconds / 60.0
    if not os.access(a.bin, os.X_OK):
        print("cmd_fuzz: no executable at %s (make asan?)" % a.bin, file=sys.stderr)
        return 2
    slow = 4 if (a.slow or "asan" in a.bin) else 1
    if a.replay or a.minimize:
        cmds = load_cmds(a.replay or a.minimize)
        if a.replay:
            logs = []
            err = replay(a.bin, cmds, slow, logs, a.server_arg)
            print("replay of %d commands: %s" % (len(cmds), err or "no failure"))
            if err:
                print(logs[-1][-8000:])
            return 1 if err else 0
        small = minimize(a.bin, cmds, slow, a.server_arg)
        out = a.out or (a.minimize + ".min")
        with open(out, "w") as f:
            for c in small:
                f.write(json.dumps(c) + "\n")
        print("minimize: %d commands written to %s" % (len(small), out))
        for c in small:
            print("  c%d %s" % (c[0], json.dumps(c[1])[:300]))
        return 0
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 30)
    if not a.steps and not a.minutes:
        a.steps = 5000
    # SIGTERM (timeout(1), a test's watchdog) unwinds like ^C, so the server
    # is killed too.
    signal.signal(signal.SIGTERM, on_sigterm)
    f = Fuzzer(a)
    print("cmd_fuzz: seed %d, binary %s, work dir %s" % (a.seed, a.bin, f.workdir), flush=True)
    t0 = time.monotonic()
    try:
        f.setup()
        f.run()
        f.finish()
    except (Failure, OSError, ValueError, ConnectionClosed) as e:
        f.report("%s: %s" % (type(e).__name__, e))
        f.srv.kill()
        return 1
    finally:
        f.srv.kill()  # whatever happened (an interrupt, SIGTERM), no server is left behind
        if f.record:
            f.record.close()
    print("cmd_fuzz: seed %d: %d commands in %.0fs, %d invariant checks (%d of INFO keysizes), "
          "%d ACKED trim checks, %d AOF checks, %d MONITOR lines, %d Pub/Sub messages, "
          "%+d bytes in use when emptied (%+d in kept parts): clean"
          % (a.seed, f.step, time.monotonic() - t0, f.stats["invariant checks"],
             f.stats["keysizes checks"], f.stats["acked trim checks"], f.stats["aof checks"],
             f.stats["monitor lines"], f.stats["pubsub messages"], f.stats[" emptied memory"],
             f.stats[" emptied memory, kept parts"]))
    if a.verbose:
        print("commands (errors):", ", ".join("%s %d (%d)" % (k, v, f.errors[k]) for k, v in
                                              sorted(f.stats.items(), key=lambda kv: -kv[1])))
        for (cmd, msg), n in f.messages.most_common(150):
            print("  %5d %s %s" % (n, cmd, msg.decode("utf-8", "replace")))
    if not a.keep:
        shutil.rmtree(f.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
