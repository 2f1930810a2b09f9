"""COMMAND DOCS of the Redis 8.x stream surface, pinned field by field.

The expectations are transcribed from Redis's own command JSON files (the
source of its commands.def), not from streamd's table, so a wrong name,
token, flag, since or history entry in tools/command_meta.json fails here:

  - XADD, XTRIM, XDELEX, XACKDEL, XCFGSET, XIDMPRECORD, XINFO STREAM,
    XINFO CONSUMERS: redis/redis src/commands.def at 3a84fd1c (the 8.6
    line, where XIDMPRECORD is new in 8.6.2);
  - XNACK: src/commands/xnack.json at a3e68716 (8.8.0, with RETRYCOUNT and
    FORCE);
  - XREAD, XREADGROUP: src/commands/xread.json / xreadgroup.json of the
    8.10 development line (MAXCOUNT / MAXSIZE): XREAD has no complexity
    and one history entry, XREADGROUP's CLAIM carries since 8.4.0.

The wire order of a map's fields is 7.0's (tests/compat checks it); each
expectation below lists the fields in that order, so order is pinned too.
"""

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.x metadata (oracle is 7.0)")


def plain(x):
    """A reply as plain values: maps as lists of (key, value) in wire order."""
    if isinstance(x, dict):
        return [(plain(k), plain(v)) for k, v in x.items()]
    if isinstance(x, list):  # arrays and sets
        return [plain(v) for v in x]
    if isinstance(x, bytes):
        return x.decode()
    return x


def arg(name, type_, ksi=None, token=None, since=None, flags=(), args=None):
    out = [("name", name), ("type", type_)]
    if ksi is not None:
        out.append(("key_spec_index", ksi))
    if token is not None:
        out.append(("token", token))
    if since is not None:
        out.append(("since", since))
    if flags:
        out.append(("flags", list(flags)))
    if args is not None:
        out.append(("arguments", args))
    return out


def tok(name, token, **kw):
    return arg(name, "pure-token", token=token, **kw)


def doc(summary, since, complexity=None, history=None, args=None):
    out = [("summary", summary), ("since", since), ("group", "stream")]
    if complexity is not None:
        out.append(("complexity", complexity))
    if history:
        out.append(("history", [list(h) for h in history]))
    if args is not None:
        out.append(("arguments", args))
    return out


KEY = arg("key", "key", ksi=0)
OPT = ("optional",)
CONDITION = arg("condition", "oneof", flags=OPT, args=[
    tok("keepref", "KEEPREF"), tok("delref", "DELREF"), tok("acked", "ACKED")])
IDS = arg("ids", "block", token="IDS", args=[
    arg("numids", "integer"), arg("id", "string", flags=("multiple",))])
TRIM_HEAD = [
    arg("strategy", "oneof", args=[tok("maxlen", "MAXLEN"), tok("minid", "MINID", since="6.2.0")]),
    arg("operator", "oneof", flags=OPT, args=[tok("equal", "="), tok("approximately", "~")]),
    arg("threshold", "string"),
    arg("count", "integer", token="LIMIT", since="6.2.0", flags=OPT),
]
STREAMS = arg("streams", "block", token="STREAMS", args=[
    arg("key", "key", ksi=0, flags=("multiple",)), arg("id", "string", flags=("multiple",))])
READ_CAPS = [
    arg("maxcount", "integer", token="MAXCOUNT", since="8.10.0", flags=OPT),
    arg("maxsize", "integer", token="MAXSIZE", since="8.10.0", flags=OPT),
]
CAPS_HISTORY = ("8.10.0", "Added the `MAXCOUNT` and `MAXSIZE` options.")

EXPECTED = {
    "xnack": doc(
        "Releases claimed messages back to the group's PEL without acknowledging them, making "
        "them available for re-delivery.",
        "8.8.0", "O(1) for each message ID processed.", args=[
            KEY, arg("group", "string"),
            arg("mode", "oneof", args=[tok("silent", "SILENT"), tok("fail", "FAIL"),
                                       tok("fatal", "FATAL")]),
            IDS,
            arg("count", "integer", token="RETRYCOUNT", flags=OPT),
            tok("force", "FORCE", flags=OPT),
        ]),
    "xcfgset": doc(
        "Sets the IDMP configuration parameters for a stream.", "8.6.0", "O(1)", args=[
            KEY,
            arg("idmp-duration-block", "block", flags=OPT, args=[
                tok("idmp-duration-token", "IDMP-DURATION"), arg("duration", "integer")]),
            arg("idmp-maxsize-block", "block", flags=OPT, args=[
                tok("idmp-maxsize-token", "IDMP-MAXSIZE"), arg("maxsize", "integer")]),
        ]),
    "xidmprecord": doc(
        "An internal command for setting IDMP metadata on an existing stream message.",
        "8.6.2", "O(1)", args=[
            KEY, arg("pid", "string"), arg("iid", "string"), arg("stream-id", "string")]),
    "xadd": doc(
        "Appends a new message to a stream. Creates the key if it doesn't exist.", "5.0.0",
        "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
        "evicted.",
        history=[
            ("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` "
                      "option."),
            ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
            ("8.2.0", "Added the `KEEPREF`, `DELREF` and `ACKED` options."),
        ],
        args=[
            KEY,
            tok("nomkstream", "NOMKSTREAM", since="6.2.0", flags=OPT),
            CONDITION,
            arg("idmp", "oneof", flags=OPT, args=[
                arg("idmpauto-with-pid", "block", args=[
                    tok("idmpauto-token", "IDMPAUTO"), arg("pid", "string")]),
                arg("idmp-with-pid-iid", "block", args=[
                    tok("idmp-token", "IDMP"), arg("pid", "string"), arg("iid", "string")]),
            ]),
            arg("trim", "block", flags=OPT, args=TRIM_HEAD),
            arg("id-selector", "oneof", args=[tok("auto-id", "*"), arg("id", "string")]),
            arg("data", "block", flags=("multiple",), args=[
                arg("field", "string"), arg("value", "string")]),
        ]),
    "xtrim": doc(
        "Deletes messages from the beginning of a stream.", "5.0.0",
        "O(N), with N being the number of evicted entries. Constant times are very small "
        "however, since entries are organized in macro nodes containing multiple entries that "
        "can be released with a single deallocation.",
        history=[
            ("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."),
            ("8.2.0", "Added the `KEEPREF`, `DELREF` and `ACKED` options."),
        ],
        args=[KEY, arg("trim", "block", args=TRIM_HEAD + [CONDITION])]),
    "xdelex": doc(
        "Deletes one or multiple entries from the stream.", "8.2.0",
        "O(1) for each single item to delete in the stream, regardless of the stream size.",
        args=[KEY, CONDITION, IDS]),
    "xackdel": doc(
        "Acknowledges and deletes one or multiple messages for a stream consumer group.", "8.2.0",
        "O(1) for each message ID processed.", args=[KEY, arg("group", "string"), CONDITION, IDS]),
    "xread": doc(
        "Returns messages from multiple streams with IDs greater than the ones requested. Blocks "
        "until a message is available otherwise.", "5.0.0", history=[CAPS_HISTORY],
        args=[arg("count", "integer", token="COUNT", flags=OPT)] + READ_CAPS + [
            arg("milliseconds", "integer", token="BLOCK", flags=OPT), STREAMS]),
    "xreadgroup": doc(
        "Returns new or historical messages from a stream for a consumer in a group. Blocks "
        "until a message is available otherwise.", "5.0.0",
        "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
        "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
        "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
        "serve the N clients blocked on the stream getting new data.",
        history=[("8.4.0", "Added the `CLAIM` option."), CAPS_HISTORY],
        args=[
            arg("group-block", "block", token="GROUP", args=[
                arg("group", "string"), arg("consumer", "string")]),
            arg("count", "integer", token="COUNT", flags=OPT),
        ] + READ_CAPS + [
            arg("milliseconds", "integer", token="BLOCK", flags=OPT),
            arg("min-idle-time", "integer", token="CLAIM", since="8.4.0", flags=OPT),
            tok("noack", "NOACK", flags=OPT),
            STREAMS,
        ]),
    "xinfo|stream": doc(
        "Returns information about a stream.", "5.0.0", "O(1)",
        history=[
            ("6.0.0", "Added the `FULL` modifier."),
            ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, "
                      "`recorded-first-entry-id`, `entries-read` and `lag` fields"),
            ("7.2.0", "Added the `active-time` field, and changed the meaning of `seen-time`."),
            ("8.6.0", "Added the `idmp-duration`, `idmp-maxsize`, `pids-tracked`, `iids-tracked`, "
                      "`iids-added` and `iids-duplicates` fields for IDMP tracking."),
        ],
        args=[KEY, arg("full-block", "block", flags=OPT, args=[
            tok("full", "FULL"), arg("count", "integer", token="COUNT", flags=OPT)])]),
    "xinfo|consumers": doc(
        "Returns a list of the consumers in a consumer group.", "5.0.0", "O(1)",
        history=[("7.2.0", "Added the `inactive` field, and changed the meaning of `idle`.")],
        args=[KEY, arg("group", "string")]),
}


def docs_of(c, name):
    """COMMAND DOCS of name; a subcommand's comes from its container's map."""
    if "|" in name:
        parent = name.split("|")[0]
        d = c.call("COMMAND", "DOCS", parent)[parent.encode()]
        return d[b"subcommands"][name.encode()]
    return c.call("COMMAND", "DOCS", name)[name.encode()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_docs_match_redis_json(raw, name):
    c = raw()
    c.call("HELLO", "3")
    assert plain(docs_of(c, name)) == EXPECTED[name]


def test_resp2_docs_through_redis_py(r):
    # RESP2 flattens maps: ["summary", ..., "arguments", [[name, ..., ...], ...]]
    reply = r.execute_command("COMMAND DOCS", "XCFGSET")
    assert reply[0] == b"xcfgset"
    fields = reply[1]
    args = fields[fields.index(b"arguments") + 1]
    assert [a[1] for a in args] == [b"key", b"idmp-duration-block", b"idmp-maxsize-block"]
    duration = args[1]
    sub = duration[duration.index(b"arguments") + 1]
    assert sub == [
        [b"name", b"idmp-duration-token", b"type", b"pure-token", b"token", b"IDMP-DURATION"],
        [b"name", b"duration", b"type", b"integer"],
    ]
    reply = r.execute_command("COMMAND DOCS", "XNACK")
    fields = reply[1]
    assert fields[fields.index(b"summary") + 1].startswith(b"Releases claimed messages")
