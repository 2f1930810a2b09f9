#!/usr/bin/env python3
"""Adds commands' metadata to tools/command_meta.json from a running Redis.

    /usr/bin/python3 tools/pull_command_meta.py --port 6379 cluster readonly ...

For each full command name ("cluster", "cluster|info"), asks the server for
COMMAND DOCS and COMMAND INFO and writes the entry in the JSON's layout (see
gen_command_meta.py): the DOCS fields, then tips and key_specs from INFO with
each key spec's begin_search / find_keys "spec" map flattened into its parent.
A container named alone brings its subcommands too. Existing entries are
replaced. Run gen_command_meta.py afterwards to rewrite the C table.
"""

import argparse
import json
import os
import socket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JSON = os.path.join(ROOT, "tools", "command_meta.json")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline()[:-2]
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def arg_entry(flat):
    a = pairs(flat)
    if "arguments" in a:
        a["arguments"] = [arg_entry(x) for x in a["arguments"]]
    return a


def docs_entry(flat):
    d = pairs(flat)
    if "arguments" in d:
        d["arguments"] = [arg_entry(x) for x in d["arguments"]]
    d.pop("subcommands", None)
    return d


def key_spec(flat):
    ks = pairs(flat)
    for part in ("begin_search", "find_keys"):
        p = pairs(ks[part])
        spec = pairs(p.pop("spec", []))
        p.update(spec)
        ks[part] = p
    return ks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    c = Conn(args.port)
    meta = json.load(open(JSON))
    names = []
    for n in args.names:
        names.append(n)
        if "|" not in n:
            info = c.call("COMMAND", "INFO", n)[0]
            if info and len(info) > 9 and info[9]:
                names.extend(sub[0] for sub in info[9])
    for n in names:
        docs = c.call("COMMAND", "DOCS", n)
        if not docs:
            raise SystemExit("no docs for %s" % n)
        entry = docs_entry(docs[1])
        info = c.call("COMMAND", "INFO", n)[0]
        if info is None:
            raise SystemExit("no info for %s" % n)
        if info[7]:
            entry["tips"] = info[7]
        if info[8]:
            entry["key_specs"] = [key_spec(k) for k in info[8]]
        meta[n] = entry
    with open(JSON, "w") as f:
        json.dump(dict(sorted(meta.items())), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
