#!/usr/bin/env python3
"""Generates src/server/command_meta_data.c from tools/command_meta.json.

    /usr/bin/python3 tools/gen_command_meta.py        # rewrite the C table
    /usr/bin/python3 tools/gen_command_meta.py --check  # fail if it is stale

The JSON holds, per full command name ("xadd", "xinfo|stream"), what COMMAND
DOCS replies (summary, since, group, module, complexity, doc_flags,
deprecated_since, replaced_by, history, arguments) and the parts of COMMAND
INFO the dispatch tables do not hold (tips, key_specs). "module" names the
Redis 8 module a command belongs to ("bf", "ReJSON", "timeseries",
"vectorset"): such a command has group "module", the module field in COMMAND
DOCS and the module flag in COMMAND INFO. Keys inside each
entry and inside each argument carry the names and values COMMAND DOCS /
COMMAND INFO reply with, so an entry reads like the reply it produces; the
order of the fields on the wire is fixed by src/server/command_meta.c, not
by the JSON.

The C output is a set of static arrays plus command_meta_table, sorted by
name for binary search. It is committed so that building streamd needs no
Python; tests/integration/test_command_meta.py runs --check so the two cannot
drift apart. The output is marked clang-format off: its layout is this
script's.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "tools", "command_meta.json")
DST = os.path.join(ROOT, "src", "server", "command_meta_data.c")

ARG_KEYS = {"name", "type", "key_spec_index", "token", "summary", "since",
            "deprecated_since", "flags", "arguments"}
ARG_FLAGS = {"optional": "META_ARG_OPTIONAL", "multiple": "META_ARG_MULTIPLE",
             "multiple_token": "META_ARG_MULTIPLE_TOKEN"}
CMD_KEYS = {"summary", "since", "group", "module", "complexity", "doc_flags", "deprecated_since",
            "replaced_by", "history", "arguments", "tips", "key_specs"}


def cstr(s):
    if s is None:
        return "NULL"
    out = ['"']
    prev = ""
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "?" and prev == "?":
            out.append("\\?")  # no trigraphs
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
        prev = ch
    out.append('"')
    return "".join(out)


def ident(name):
    return "".join(c if c.isalnum() else "_" for c in name)


class Gen:
    def __init__(self):
        self.out = []

    def args(self, prefix, args):
        """Emits the array of args (children first); returns its C name."""
        for i, a in enumerate(args):
            extra = set(a) - ARG_KEYS
            if extra:
                raise SystemExit("%s: unknown argument keys %s" % (prefix, sorted(extra)))
            if a.get("arguments"):
                self.args("%s_%d" % (prefix, i), a["arguments"])
        name = "a_" + prefix
        self.out.append("static const MetaArg %s[] = {" % name)
        for i, a in enumerate(args):
            flags = " | ".join(ARG_FLAGS[f] for f in a.get("flags", ())) or "0"
            sub = a.get("arguments")
            self.out.append(
                "    {%s, %s, %d, %s, %s, %s, %s, %s, %s, %d}," % (
                    cstr(a["name"]), cstr(a["type"]), a.get("key_spec_index", -1),
                    cstr(a.get("token")), cstr(a.get("summary")), cstr(a.get("since")),
                    cstr(a.get("deprecated_since")), flags,
                    ("a_%s_%d" % (prefix, i)) if sub else "NULL", len(sub or ())))
        self.out.append("};")
        return name

    def key_specs(self, prefix, specs):
        name = "k_" + prefix
        self.out.append("static const MetaKeySpec %s[] = {" % name)
        for ks in specs:
            bs, fk = ks["begin_search"], ks["find_keys"]
            if bs["type"] == "index":
                b = "META_BS_INDEX, %d, NULL" % bs["index"]
            elif bs["type"] == "keyword":
                b = "META_BS_KEYWORD, %d, %s" % (bs["startfrom"], cstr(bs["keyword"]))
            else:
                b = "META_BS_UNKNOWN, 0, NULL"
            if fk["type"] == "range":
                f = "META_FK_RANGE, %d, %d, %d" % (fk["lastkey"], fk["keystep"], fk["limit"])
            elif fk["type"] == "keynum":
                f = "META_FK_KEYNUM, %d, %d, %d" % (fk["keynumidx"], fk["firstkey"],
                                                    fk["keystep"])
            else:
                f = "META_FK_UNKNOWN, 0, 0, 0"
            self.out.append("    {%s, %s, %s, %s}," % (cstr(ks.get("notes")),
                                                     cstr(" ".join(ks["flags"])), b, f))
        self.out.append("};")
        return name

    def history(self, prefix, hist):
        name = "h_" + prefix
        self.out.append("static const char *const %s[] = {" % name)
        for v, text in hist:
            self.out.append("    %s, %s," % (cstr(v), cstr(text)))
        self.out.append("};")
        return name


def generate(meta):
    g = Gen()
    rows = []
    for cname in sorted(meta):
        m = meta[cname]
        extra = set(m) - CMD_KEYS
        if extra:
            raise SystemExit("%s: unknown keys %s" % (cname, sorted(extra)))
        p = ident(cname)
        args = g.args(p, m["arguments"]) if m.get("arguments") else "NULL"
        ks = g.key_specs(p, m["key_specs"]) if m.get("key_specs") else "NULL"
        hist = g.history(p, m["history"]) if m.get("history") else "NULL"

        def words(key):
            v = m.get(key)
            return cstr(" ".join(v)) if v else "NULL"

        rows.append("    {%s, %s, %s, %s, %s, %s, %s, %s, %s, %d, %s, %s, %d, %s, %d, %s}," % (
            cstr(cname), cstr(m["summary"]), cstr(m["since"]), cstr(m["group"]),
            cstr(m.get("complexity")), words("doc_flags"), cstr(m.get("deprecated_since")),
            cstr(m.get("replaced_by")), hist, len(m.get("history") or ()), words("tips"), ks,
            len(m.get("key_specs") or ()), args, len(m.get("arguments") or ()),
            cstr(m.get("module"))))
    head = [
        "/*",
        " * command_meta_data.c - GENERATED by tools/gen_command_meta.py from",
        " * tools/command_meta.json; edit the JSON and run the script, never this",
        " * file. The types and the rule for which Redis release each entry follows",
        " * are in command_meta.h / command_meta.c.",
        " */",
        "/* clang-format off */",
        "#include <stddef.h>",
        "",
        '#include "server/command_meta.h"',
        "",
    ]
    tail = ["", "const CommandMeta command_meta_table[] = {"] + rows + [
        "};",
        "const size_t command_meta_count = sizeof command_meta_table / sizeof command_meta_table[0];",
        "",
    ]
    return "\n".join(head + g.out + tail)


def main():
    with open(SRC) as f:
        meta = json.load(f)
    text = generate(meta)
    if "--check" in sys.argv[1:]:
        with open(DST) as f:
            if f.read() != text:
                sys.exit("%s is stale: run tools/gen_command_meta.py" % DST)
        return
    with open(DST, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
