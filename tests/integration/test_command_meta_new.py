"""COMMAND INFO / DOCS for what redis-server 7.0 cannot be asked about: the
commands and arguments of Redis 7.2 .. 8.10 that streamd implements (their
structure, spot-checked), metadata for every command streamd has, the
generated table in step with its JSON, and redis-py parsing the replies.
The byte-exact comparison with 7.0 is tests/compat/test_command_meta.py.
"""

import os
import subprocess
import sys

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 7.2 .. 8.10 metadata (oracle is 7.0)")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# XREAD: Redis 7.2 dropped its complexity; MONITOR never had one
# (PSYNC, SYNC and LOLWUT have none in 7.0 either)
NO_COMPLEXITY = {"xread", "monitor", "psync", "sync", "lolwut"}


def resp3(raw):
    c = raw()
    c.call("HELLO", "3")
    return c


def docs(c, name):
    return c.call("COMMAND", "DOCS", name)[name.encode()]


def info(c, name):
    return c.call("COMMAND", "INFO", name)[0]


def arg_named(args, name):
    found = [a for a in args if a[b"name"] == name.encode()]
    assert len(found) == 1, (name, args)
    return found[0]


def spec(flags, index=1):
    return {
        b"flags": flags,
        b"begin_search": {b"type": b"index", b"spec": {b"index": index}},
        b"find_keys": {b"type": b"range", b"spec": {b"lastkey": 0, b"keystep": 1, b"limit": 0}},
    }


def test_generated_table_matches_json():
    subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "gen_command_meta.py"), "--check"], check=True
    )


def test_every_command_has_metadata(raw):
    c = resp3(raw)
    names = [n.decode() for n in c.call("COMMAND", "LIST")]
    assert len(names) > 70
    for n in names:
        d = docs(c, n)
        assert d[b"summary"] and d[b"since"] and d[b"group"], n
        # Redis 7.2 dropped XREAD's complexity from its command JSON
        assert (b"complexity" in d) == (n not in NO_COMPLEXITY), n
        e = info(c, n)
        has_keys = e[3] > 0 or b"movablekeys" in e[2]
        assert bool(e[8]) == has_keys, n  # key specs exactly when the command has keys


@pytest.mark.parametrize(
    "name,flags",
    [
        ("xdelex", [b"RW", b"delete"]),
        ("xackdel", [b"RW", b"update", b"delete"]),
        ("xnack", [b"RW", b"update"]),
        ("xcfgset", [b"RW", b"update"]),
        ("xidmprecord", [b"RW", b"update"]),
    ],
)
def test_new_command_key_specs(raw, name, flags):
    c = resp3(raw)
    e = info(c, name)
    assert e[0] == name.encode() and e[3:6] == [1, 1, 1]
    assert list(e[7]) == []
    assert [dict(s) for s in e[8]] == [spec(flags)]
    assert list(e[9]) == []
    d = docs(c, name)
    assert d[b"arguments"][0] == {b"name": b"key", b"type": b"key", b"key_spec_index": 0}


def test_new_command_docs(raw):
    c = resp3(raw)
    d = docs(c, "xackdel")
    assert d[b"since"] == b"8.2.0" and d[b"group"] == b"stream"
    assert [a[b"name"] for a in d[b"arguments"]] == [b"key", b"group", b"condition", b"ids"]
    cond = arg_named(d[b"arguments"], "condition")
    assert [a[b"token"] for a in cond[b"arguments"]] == [b"KEEPREF", b"DELREF", b"ACKED"]
    ids = arg_named(d[b"arguments"], "ids")
    assert ids[b"token"] == b"IDS" and ids[b"type"] == b"block"
    assert [a[b"name"] for a in ids[b"arguments"]] == [b"numids", b"id"]
    d = docs(c, "xnack")
    assert [a[b"name"] for a in d[b"arguments"]] == [
        b"key", b"group", b"mode", b"ids", b"count", b"force",
    ]
    mode = arg_named(d[b"arguments"], "mode")
    assert [a[b"token"] for a in mode[b"arguments"]] == [b"SILENT", b"FAIL", b"FATAL"]
    assert b"flags" not in mode  # the mode is required
    d = docs(c, "client|setinfo")
    assert d[b"since"] == b"7.2.0"
    assert list(info(c, "client|setinfo")[7]) == [
        b"request_policy:all_nodes",
        b"response_policy:all_succeeded",
    ]


def test_xadd_info_is_70s(raw):
    # INFO is 7.0's: XADD's dispatch surface did not change
    c = resp3(raw)
    e = info(c, "xadd")
    assert e[1] == -5 and list(e[7]) == [b"nondeterministic_output"]


def test_read_docs_have_the_8x_options(raw):
    c = resp3(raw)
    d = docs(c, "xreadgroup")
    names = [a[b"name"] for a in d[b"arguments"]]
    assert names == [b"group-block", b"count", b"maxcount", b"maxsize", b"milliseconds",
                     b"min-idle-time", b"noack", b"streams"]
    claim = arg_named(d[b"arguments"], "min-idle-time")
    assert claim[b"token"] == b"CLAIM" and claim[b"since"] == b"8.4.0"
    assert arg_named(d[b"arguments"], "maxcount")[b"since"] == b"8.10.0"
    d = docs(c, "xread")
    assert [a[b"name"] for a in d[b"arguments"]] == [b"count", b"maxcount", b"maxsize",
                                                      b"milliseconds", b"streams"]
    d = docs(c, "xtrim")
    assert [a[b"name"] for a in d[b"arguments"]] == [b"key", b"trim"]
    trim = arg_named(d[b"arguments"], "trim")
    assert [a[b"name"] for a in trim[b"arguments"]][-1] == b"condition"


def test_getkeysandflags_new_commands(raw):
    c = resp3(raw)
    assert c.call("COMMAND", "GETKEYSANDFLAGS", "XACKDEL", "s", "g", "IDS", "1", "1-1") == [
        [b"s", [b"RW", b"update", b"delete"]]
    ]
    assert c.call("COMMAND", "GETKEYS", "XREAD", "MAXCOUNT", "3", "STREAMS", "a", "b", "0", "0") \
        == [b"a", b"b"]
    assert c.call(
        "COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "CLAIM", "10", "STREAMS", "a", ">"
    ) == [b"a"]


def test_redis_py_parses_the_replies(r):
    cmds = r.command()
    assert cmds["xadd"]["arity"] == -5
    assert cmds["xread"]["flags"] == ["readonly", "blocking", "movablekeys"]
    assert cmds["xinfo"]["subcommands"]
    assert r.command_count() == len(cmds)
    assert r.command_getkeys("XNACK", "s", "g", "FAIL", "IDS", "1", "1-1") == ["s"]
    assert r.execute_command("COMMAND GETKEYSANDFLAGS", "SET", "k", "v") == [[b"k", [b"OW", b"update"]]]
    d = r.execute_command("COMMAND DOCS", "xnack")
    assert d[0] == b"xnack"


def test_script_runner_flag(raw):
    """Redis 8.10 marks the commands that run a script or a function."""
    c = raw()
    runners = ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]
    for e in c.call("COMMAND", "INFO", *runners):
        ro = [b"readonly"] if e[0].endswith(b"_ro") else []
        assert e[2] == ro + [b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys",
                             b"movablekeys", b"script_runner"], e[0]
    for e in c.call("COMMAND"):
        assert (b"script_runner" in e[2]) == (e[0].decode() in runners), e[0]
        for s in e[9]:
            assert b"script_runner" not in s[2], s[0]
