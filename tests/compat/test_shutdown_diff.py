"""SHUTDOWN's arguments and ABORT, shutdown-timeout, and INFO stats'
replication byte counters, streamd against redis-server 7.0
(src/cmd/admin.c, src/server/shutdown.c, src/server/config.c). The waits
for lagging replicas themselves run against both servers in
tests/integration/test_shutdown_wait.py."""

import os
import tempfile

import pytest

from testlib import IS_REDIS
from testlib.diff import Call

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

ARGS = [
    # ABORT takes no other flag; an unknown word is a syntax error first
    "SHUTDOWN ABORT", "SHUTDOWN abort", "SHUTDOWN ABORT NOW", "SHUTDOWN NOW ABORT",
    "SHUTDOWN ABORT ABORT", "SHUTDOWN ABORT FORCE", "SHUTDOWN SAVE ABORT", "SHUTDOWN NOSAVE ABORT",
    "SHUTDOWN FOO", "SHUTDOWN ABORT FOO", "SHUTDOWN FOO ABORT", "SHUTDOWN SAVE NOSAVE",
    "SHUTDOWN NOSAVE SAVE NOW", "SHUTDOWN NOW NOW FOO", "SHUTDOWN SAVE NOSAVE FOO",
    "MULTI", "SHUTDOWN ABORT", "SHUTDOWN NOW", "EXEC",
]



def pairs(v):
    """A CONFIG GET reply as sorted pairs (a glob's order is 7.0's hash
    table's)."""
    return sorted(zip(v[::2], v[1::2])) if isinstance(v, list) else v


GLOB = Call("CONFIG GET shutdown-*", norm=pairs)

CONFIG = [
    "CONFIG GET shutdown-timeout", GLOB,
    "CONFIG SET shutdown-timeout 0", "CONFIG GET shutdown-timeout",
    "CONFIG SET shutdown-timeout 2147483647", "CONFIG GET shutdown-timeout",
    "CONFIG SET shutdown-timeout 2147483648", "CONFIG SET shutdown-timeout -1",
    "CONFIG SET shutdown-timeout abc", "CONFIG SET shutdown-timeout 1.5",
    "CONFIG SET shutdown-timeout ''", "CONFIG SET shutdown-timeout 10",
    "CONFIG GET shutdown-timeout",
    "CONFIG SET shutdown-timeout 5 shutdown-on-sigterm nosave", GLOB,
    "CONFIG SET shutdown-timeout 10 shutdown-on-sigterm default",
]


def test_shutdown_arguments(diff):
    diff.run(ARGS)
    diff.run(ARGS, resp=3)


def test_shutdown_timeout_config(diff):
    diff.run(CONFIG)


def rewritten(make_server, kind):
    """The shutdown-timeout lines of a config file after CONFIG REWRITE with
    the value 7, then with the default 10."""
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("shutdown-timeout 3\n")
    conf.close()
    try:
        srv = make_server(kind=kind, config_file=conf.name)
        c = srv.client(decode_responses=True)
        assert c.config_get("shutdown-timeout") == {"shutdown-timeout": "3"}
        out = []
        for value in ("7", "10"):
            c.config_set("shutdown-timeout", value)
            c.config_rewrite()
            with open(conf.name) as f:
                out.append([ln for ln in f.read().splitlines() if "shutdown-timeout" in ln])
        c.close()
        return out
    finally:
        os.unlink(conf.name)


def test_shutdown_timeout_rewrite(make_server):
    got = rewritten(make_server, "streamd")
    assert got[0] == ["shutdown-timeout 7"]
    assert got == rewritten(make_server, "redis")


def stats_names(c):
    """INFO stats' field names in their order."""
    return list(c.info("stats").keys())


def test_info_stats_fields(r, ref):
    names, want = stats_names(r), stats_names(ref)
    i = want.index("total_net_input_bytes")
    # 7.0's order from the byte counters to rejected_connections
    assert names[names.index("total_net_input_bytes"):names.index("rejected_connections") + 1] \
        == want[i:want.index("rejected_connections") + 1]
    for n in ("total_net_repl_input_bytes", "total_net_repl_output_bytes",
              "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps"):
        assert n in names
    # and the whole section's fields that both have come in the same order
    common = [n for n in want if n in names]
    assert [n for n in names if n in common] == common
