"""CLUSTER, READONLY, READWRITE, ASKING and MODULE, differentially against
redis-server 7.0 run standalone without modules: what clients and tools see
when they probe for a cluster or for modules. Every CLUSTER subcommand
answers that cluster support is disabled once its argument count is right;
MODULE LOAD/LOADEX/UNLOAD are refused unless enable-module-command allows
them, and then fail as a failed load does. MODULE LIST differs by design: it
names the Redis 8 modules streamd builds in (checked on its own below).
"""

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

CLUSTER_SUBS = [
    ("INFO",), ("SLOTS",), ("SHARDS",), ("NODES",), ("MYID",), ("LINKS",), ("HELP",),
    ("KEYSLOT", "k"), ("COUNTKEYSINSLOT", "1"), ("GETKEYSINSLOT", "1", "2"),
    ("ADDSLOTS", "1", "2"), ("ADDSLOTSRANGE", "1", "2"), ("DELSLOTS", "1"),
    ("DELSLOTSRANGE", "1", "2"), ("FLUSHSLOTS",), ("SETSLOT", "1", "STABLE"),
    ("MEET", "127.0.0.1", "7000"), ("FORGET", "x"), ("REPLICATE", "x"), ("REPLICAS", "x"),
    ("SLAVES", "x"), ("FAILOVER",), ("FAILOVER", "FORCE"), ("RESET",), ("RESET", "HARD"),
    ("SAVECONFIG",), ("BUMPEPOCH",), ("SET-CONFIG-EPOCH", "1"),
    ("COUNT-FAILURE-REPORTS", "x"),
]


def cluster_script():
    out = []
    for sub in CLUSTER_SUBS:
        out.append(("CLUSTER",) + sub)
        out.append(("cluster", sub[0].lower()) + sub[1:])
    # wrong argument counts, unknown subcommands, the container alone
    out += [("CLUSTER", "INFO", "x"), ("CLUSTER", "KEYSLOT"), ("CLUSTER", "GETKEYSINSLOT", "1"),
            ("CLUSTER", "MEET", "h"), ("CLUSTER", "BOGUS"), ("CLUSTER",),
            ("READONLY",), ("READWRITE",), ("ASKING",), ("readonly", "x"), ("ASKING", "x")]
    return out


def test_cluster_and_friends(diff):
    diff.run(cluster_script())
    diff.run(cluster_script(), resp=3)


def test_cluster_in_multi(diff):
    diff.run(["MULTI", "CLUSTER INFO", "READONLY", "CLUSTER KEYSLOT", "EXEC",
              "MULTI", "CLUSTER SLOTS", "EXEC"])


def test_module_refused_by_default(diff):
    diff.run(["MODULE HELP", "MODULE LOAD /nonexistent.so",
              "MODULE LOAD /nonexistent.so a b", "MODULE LOADEX /x.so CONFIG a b ARGS c",
              "MODULE UNLOAD x", "MODULE LOAD", "MODULE LOADEX", "MODULE UNLOAD",
              "MODULE LIST x", "MODULE BOGUS", "MODULE",
              "CONFIG GET enable-module-command", "CONFIG SET enable-module-command yes",
              # refused before queueing: the transaction is aborted
              "MULTI", "MODULE LOAD x", "PING", "EXEC",
              "MULTI", "MODULE HELP", "EXEC"])
    diff.run(["MODULE HELP", "MODULE LIST x"], resp=3)


# COMMAND INFO / DOCS of these commands: test_command_meta.py compares every
# command streamd has with 7.0.


@pytest.mark.parametrize("mode", ["yes", "local"])
def test_module_allowed(make_server, mode):
    ours = make_server(args=["--enable-module-command", mode])
    theirs = make_server(args=["--enable-module-command", mode], kind="redis")
    script = [("MODULE", "LOAD", "/nonexistent.so"), ("MODULE", "LOAD", "/x.so", "a"),
              ("MODULE", "LOADEX", "/x.so", "CONFIG", "a", "b"), ("MODULE", "UNLOAD", "x"),
              ("CONFIG", "GET", "enable-module-command")]
    got = []
    for srv in (ours, theirs):
        c = srv.raw()
        got.append([c.call_raw(*cmd) for cmd in script])
        c.close()
    assert got[0] == got[1]
    assert got[0][0].startswith(b"-ERR Error loading the extension")


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_protected_commands_and_configs(make_server, mode):
    """DEBUG and CONFIG SET of dir / dbfilename, as Redis 7 guards them:
    enable-debug-command and enable-protected-configs default to no (the
    harness passes enable-debug-command yes; these servers put it back)."""
    args = ["--enable-debug-command", mode, "--enable-protected-configs", mode]
    got = []
    for kind in (None, "redis"):
        srv = make_server(args=args, kind=kind)
        c = srv.raw()
        script = [("DEBUG", "SLEEP", "0"), ("DEBUG",), ("DEBUG", "HELP", "x"), ("DEBUG", "SLEEP"),
                  ("DEBUG", "sleep", "0", "1"), ("DEBUG", "LOG"), ("DEBUG", "nosuch"),
                  ("CONFIG", "SET", "dir", srv.dir), ("CONFIG", "SET", "dbfilename", "x.rdb"),
                  ("CONFIG", "SET", "maxclients", "100", "dir", srv.dir),
                  ("CONFIG", "GET", "dbfilename"),
                  ("CONFIG", "SET", "enable-debug-command", "yes"),
                  ("CONFIG", "GET", "enable-debug-command"),
                  ("CONFIG", "GET", "enable-protected-configs"),
                  ("MULTI",), ("DEBUG", "SLEEP", "0"), ("EXEC",)]
        got.append([c.call_raw(*cmd) for cmd in script])
        c.close()
    assert got[0] == got[1]
    refused = got[0][0].startswith(b"-ERR DEBUG command not allowed")
    assert refused == (mode == "no")


BUILTIN = {"vectorset": 1, "timeseries": 81000, "search": 81000, "ReJSON": 81000, "bf": 81000}


def test_module_list_names_builtin_modules(r, make_server):
    """Redis 8 lists the modules it loads at start-up; clients (redis-om,
    RedisVL, LangChain) look there for what the server can do. The version
    follows redis_version as the modules encode theirs (8.10.0 -> 81000)."""
    version = r.info("server")["redis_version"]
    major, minor, patch = (int(x) for x in version.split("."))
    encoded = major * 10000 + minor * 100 + patch
    want = {n: (v if n == "vectorset" else encoded) for n, v in BUILTIN.items()}
    mods = r.module_list()
    assert {m[b"name"].decode(): m[b"ver"] for m in mods} == want
    for m in mods:
        assert m[b"path"] == b"" and m[b"args"] == []
    info = r.info("modules")
    # redis-py gathers the repeated "module:" lines into a list
    assert {m["name"]: m["ver"] for m in info["modules"]} == want
    # RESP3: one map per module
    c = make_server().raw()
    c.call("HELLO", "3")
    got = c.call_raw("MODULE", "LIST")
    assert got.startswith(b"*5\r\n%4\r\n$4\r\nname\r\n")
    c.close()


@pytest.mark.parametrize("mode", ["yes", "local"])
def test_module_unload_builtin_refused(make_server, mode):
    srv = make_server(args=["--enable-module-command", mode])
    c = srv.raw()
    for name in BUILTIN:
        assert c.call_raw("MODULE", "UNLOAD", name) == (
            b"-ERR Error unloading module: the module exports one or more module-side data "
            b"types, can't unload\r\n")
    # names are case-sensitive, as Redis's module dictionary is
    assert c.call_raw("MODULE", "UNLOAD", "rejson").startswith(b"-ERR Error unloading module: no such")
    assert len(srv.raw().call("MODULE", "LIST")) == len(BUILTIN)
    c.close()
