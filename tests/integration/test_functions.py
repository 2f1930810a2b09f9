"""Redis 7 Functions beyond single replies: persistence, busy functions,
CLIENT PAUSE WRITE, the flush commands, redis-py's function API.

  - FUNCTION LOAD / DELETE / FLUSH reach the AOF and are replayed at start-up;
    an AOF rewrite keeps the libraries (and a library deleted after it stays
    deleted); the AOF of either server loads in the other (streamd only);
  - SCRIPT FLUSH and FLUSHALL leave functions, FUNCTION FLUSH leaves EVAL
    scripts;
  - a function running past busy-reply-threshold: other clients get BUSY
    (naming FUNCTION KILL), SCRIPT KILL does not kill it, FUNCTION STATS shows
    it, FUNCTION KILL does (and the caller gets the kill error), a function
    that already wrote cannot be killed; while an EVAL script is busy, FUNCTION
    KILL and FUNCTION STATS answer BUSY naming SCRIPT KILL;
  - CLIENT PAUSE WRITE lets no-writes functions, FCALL_RO of them and the
    read-only FUNCTION subcommands run and holds the rest;
  - redis-py's function_load / fcall / fcall_ro / function_list /
    function_delete / function_flush / function_stats.

Every expectation was checked against Debian's redis-server 7.0
(STREAMD_TARGET=redis runs this file against it; the interop tests need
both servers and are skipped then).
"""

import os
import shutil
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW, RespError, redis_on_aof_of, wait_blocked

SERVER_ARGS = ["--appendonly", "yes", "--appendfsync", "always"]

BUSY_F = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
BUSY_S = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way using "
              "the SHUTDOWN NOSAVE command.")

LIB1 = """#!lua name=lib1
redis.register_function('inc', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{function_name='get', callback=function(keys) return redis.call('GET', keys[1]) end,
                        flags={'no-writes'}, description='reads a key'}
"""
LIB1_V2 = """#!lua name=lib1
redis.register_function('inc2', function(keys) return redis.call('INCRBY', keys[1], 2) end)
"""
LIB2 = "#!lua name=lib2\nredis.register_function('two', function() return 2 end)\n"
LIB3 = "#!lua name=lib3\nredis.register_function('three', function() return 3 end)\n"


def libraries(c):
    """FUNCTION LIST WITHCODE as {library: (code, {function: (description, flags)})}."""
    out = {}
    for lib in c.function_list(withcode=True):
        d = dict(zip(lib[::2], lib[1::2]))
        fns = {}
        for f in d[b"functions"]:
            fd = dict(zip(f[::2], f[1::2]))
            fns[fd[b"name"]] = (fd[b"description"], sorted(fd[b"flags"]))
        out[d[b"library_name"]] = (d[b"library_code"], fns)
    return out


def wait_rewrite(c):
    deadline = time.monotonic() + 10 * SLOW
    while time.monotonic() < deadline:
        i = c.info("persistence")
        if i["aof_rewrite_in_progress"] == 0 and i["aof_rewrite_scheduled"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def test_aof_replays_load_delete_flush(server, r):
    r.function_flush()
    assert r.function_load(LIB1) == b"lib1"
    assert r.function_load(LIB2) == b"lib2"
    assert r.fcall("inc", 1, "n", 5) == 5
    assert r.function_load(LIB1_V2, replace=True) == b"lib1"
    assert r.function_delete("lib2") is True
    with pytest.raises(redis.ResponseError, match="^Library 'lib1' already exists$"):
        r.function_load(LIB1)  # refused: must not reach the AOF
    with pytest.raises(redis.ResponseError, match="^Library not found$"):
        r.function_delete("lib2")
    assert r.fcall("inc2", 1, "n") == 7
    before = libraries(r)
    assert set(before) == {b"lib1"}
    r.close()

    server.restart()
    c = server.client()
    assert libraries(c) == before
    assert c.get("n") == b"7"
    assert c.fcall("inc2", 1, "n") == 9
    with pytest.raises(redis.ResponseError, match="^Function not found$"):
        c.fcall("two", 0)
    assert c.function_flush() is True
    assert c.function_load(LIB3) == b"lib3"
    c.close()

    server.restart()
    c = server.client()
    assert set(libraries(c)) == {b"lib3"}
    assert c.fcall("three", 0) == 3
    assert c.function_flush("ASYNC") is True
    c.close()

    server.restart()
    c = server.client()
    assert c.function_list() == []
    c.close()


def test_aof_rewrite_keeps_libraries(server, r):
    r.function_flush()
    r.function_load(LIB1)
    r.function_load(LIB2)
    r.function_load(LIB3)
    r.set("k", "v")
    r.bgrewriteaof()
    wait_rewrite(r)
    # after the rewrite: one library goes, one is replaced
    r.function_delete("lib3")
    r.function_load(LIB1_V2, replace=True)
    before = libraries(r)
    assert set(before) == {b"lib1", b"lib2"}
    r.close()

    server.restart()
    c = server.client()
    assert libraries(c) == before
    assert c.get("k") == b"v"
    c.bgrewriteaof()
    wait_rewrite(c)
    c.close()

    # a rewrite of the replayed state, alone
    server.restart()
    c = server.client()
    assert libraries(c) == before
    assert c.fcall("inc2", 1, "m") == 2
    assert c.fcall("two", 0) == 2
    c.close()


def test_flushes_leave_the_other_kind(r):
    r.function_flush()
    r.script_flush()
    r.function_load(LIB2)
    sha = r.script_load("return 'script'")
    r.set("k", "v")
    assert r.script_flush() is True
    assert r.fcall("two", 0) == 2
    assert r.script_exists(sha) == [False]
    sha = r.script_load("return 'script'")
    assert r.flushall() is True
    assert r.fcall("two", 0) == 2
    assert r.script_exists(sha) == [True]
    assert r.get("k") is None
    assert r.function_flush() is True
    assert r.script_exists(sha) == [True]
    assert r.evalsha(sha, 0) == b"script"
    with pytest.raises(redis.ResponseError, match="^Function not found$"):
        r.fcall("two", 0)
    info = r.info("memory")
    assert info["number_of_functions"] == 0 and info["number_of_libraries"] == 0
    assert info["number_of_cached_scripts"] == 1


SPIN = """#!lua name=busy
redis.register_function('spin', function() while true do end end)
redis.register_function{function_name='rospin', callback=function() while true do end end,
                        flags={'no-writes'}}
redis.register_function('wspin', function(keys) redis.call('SET', keys[1], 'x') while true do end end)
"""


def wait_busy(c):
    """Polls PING on a raw connection until the server answers an error
    (BUSY); returns that error's message."""
    deadline = time.monotonic() + 10 * SLOW
    while True:
        v = c.call("PING")
        if isinstance(v, RespError):
            return v.message.decode()
        assert time.monotonic() < deadline, "the server never became busy"
        time.sleep(0.01)


def err(c, *cmd):
    """The error message a command gets on a raw connection (fails when it
    succeeds)."""
    v = c.call(*cmd)
    assert isinstance(v, RespError), (cmd, v)
    return v.message.decode()


def unbusy(srv):
    """Ends whatever script or function still runs (after a failed test)."""
    c = srv.raw()
    try:
        for _ in range(100):
            if c.call("PING") == b"PONG":
                break
            c.call("FUNCTION", "KILL")
            c.call("SCRIPT", "KILL")
            time.sleep(0.02)
    finally:
        c.close()


@pytest.fixture
def busy_threshold(server, r):
    r.config_set("busy-reply-threshold", "100")
    yield
    unbusy(server)
    r.config_set("busy-reply-threshold", "5000")


def stats_map(reply):
    return dict(zip(reply[::2], reply[1::2]))


@pytest.mark.parametrize("fn", ["spin", "rospin"])
def test_function_kill_stops_a_busy_function(server, r, raw, busy_threshold, fn):
    r.function_flush()
    r.function_load(SPIN)
    caller = raw()
    caller.send_cmd("FCALL", fn, "0")
    other = raw()
    assert wait_busy(other) == BUSY_F
    assert err(other, "GET", "k") == BUSY_F
    assert err(other, "FCALL", "spin", "0") == BUSY_F
    assert err(other, "EVAL", "return 1", "0") == BUSY_F
    # SCRIPT KILL does not kill a function
    assert err(other, "SCRIPT", "KILL") == BUSY_F
    s = stats_map(other.call("FUNCTION", "STATS"))
    running = stats_map(s[b"running_script"])
    assert running[b"name"] == fn.encode()
    assert running[b"command"] == [b"FCALL", fn.encode(), b"0"]
    assert isinstance(running[b"duration_ms"], int) and running[b"duration_ms"] >= 0
    assert other.call("FUNCTION", "KILL") == b"OK"
    reply = caller.read()
    line = {"spin": 2, "rospin": 3}[fn]
    assert reply == RespError(b"ERR Script killed by user with SCRIPT KILL... script: %s, "
                              b"on @user_function:%d." % (fn.encode(), line))
    assert other.call("PING") == b"PONG"
    s = stats_map(other.call("FUNCTION", "STATS"))
    assert s[b"running_script"] is None
    assert err(other, "FUNCTION", "KILL") == "NOTBUSY No scripts in execution right now."


def test_function_kill_while_an_eval_script_is_busy(r, raw, busy_threshold):
    caller = raw()
    caller.send_cmd("EVAL", "while true do end", "0")
    other = raw()
    assert wait_busy(other) == BUSY_S
    assert err(other, "FUNCTION", "KILL") == BUSY_S
    assert err(other, "FUNCTION", "STATS") == BUSY_S
    assert other.call("SCRIPT", "KILL") == b"OK"
    assert caller.read().message.startswith(b"ERR Script killed by user with SCRIPT KILL... script: ")
    assert other.call("PING") == b"PONG"


def test_a_function_that_wrote_cannot_be_killed(make_server):
    srv = make_server(args=["--busy-reply-threshold", "100"])
    c = srv.client()
    c.function_load(SPIN)
    c.close()
    caller, other, ctl = srv.raw(), srv.raw(), srv.raw()
    caller.send_cmd("FCALL", "wspin", "1", "k")
    assert wait_busy(other) == BUSY_F
    assert err(other, "FUNCTION", "KILL") == UNKILLABLE
    assert err(other, "SCRIPT", "KILL") == UNKILLABLE
    ctl.send_cmd("SHUTDOWN", "NOSAVE")
    assert ctl.closed_by_peer(timeout=10 * SLOW)
    assert srv.wait_exit() == 0
    for x in (caller, other, ctl):
        x.close()


PAUSE_LIB = """#!lua name=pz
redis.register_function('w', function(keys, args) return redis.call('SET', keys[1], args[1]) end)
redis.register_function('r', function(keys) return redis.call('GET', keys[1]) end)
redis.register_function{function_name='ro', callback=function(keys) return redis.call('GET', keys[1]) end,
                        flags={'no-writes'}}
"""


def test_client_pause_write(server, r, raw):
    r.function_flush()
    r.set("k", "v0")
    r.function_load(PAUSE_LIB)
    ctl = raw()
    assert ctl.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    try:
        rd = raw(timeout=5 * SLOW)  # a wrongly held command fails soon
        assert rd.call("FCALL", "ro", "1", "k") == b"v0"
        assert rd.call("FCALL_RO", "ro", "1", "k") == b"v0"
        assert rd.call("FCALL", "ro", "x").message == b"ERR Bad number of keys provided"
        assert rd.call("FUNCTION", "STATS")[:2] == [b"running_script", None]
        assert len(rd.call("FUNCTION", "LIST")) == 1
        assert rd.call("FUNCTION", "KILL").message == b"NOTBUSY No scripts in execution right now."
        assert rd.call("FUNCTION", "HELP")[0].startswith(b"FUNCTION <subcommand>")
        # held: functions without no-writes (even when they only read, even
        # through FCALL_RO), unknown functions, FUNCTION LOAD/DELETE/FLUSH
        held = [
            ("FCALL", "w", "1", "k", "v1"),
            ("FCALL", "r", "1", "k"),
            ("FCALL_RO", "w", "1", "k", "v2"),
            ("FCALL", "nope", "0"),
            ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('xx', function() return 1 end)"),
            ("FUNCTION", "DELETE", "pz"),
        ]
        conns = []
        for i, cmd in enumerate(held):
            c = raw()
            c.send_cmd(*cmd)
            conns.append(c)
            try:
                wait_blocked(ctl, i + 1)
            except AssertionError:
                raise AssertionError("not held by CLIENT PAUSE WRITE: %r (answered %r)"
                                     % (cmd, c.read_available(wait=0.05)))
        for c in conns:
            assert c.read_available(wait=0.05) == b""
        assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
        got = [c.read() for c in conns]
    finally:
        ctl.call("CLIENT", "UNPAUSE")
    assert got[0] == b"OK"
    assert got[1] == b"v1"
    assert got[2].message == b"ERR Can not execute a script with write flag using *_ro command."
    assert got[3].message == b"ERR Function not found"
    assert got[4] == b"x"
    assert got[5] == b"OK"
    assert r.get("k") == b"v1"
    assert set(libraries(r)) == {b"x"}


def test_redis_py_function_api(r):
    r.function_flush()
    assert r.function_load(LIB1) == b"lib1"
    assert r.function_load(LIB2) == b"lib2"
    with pytest.raises(redis.ResponseError, match="^Library 'lib2' already exists$"):
        r.function_load(LIB2)
    assert r.function_load(LIB2, replace=True) == b"lib2"
    assert r.fcall("inc", 1, "n", 10) == 10
    assert r.fcall("inc", 1, "n", -3) == 7
    assert r.fcall_ro("get", 1, "n") == b"7"
    with pytest.raises(redis.ResponseError,
                       match=r"^Can not execute a script with write flag using \*_ro command\.$"):
        r.fcall_ro("inc", 1, "n", 1)
    listing = r.function_list()
    assert sorted(dict(zip(e[::2], e[1::2]))[b"library_name"] for e in listing) == [b"lib1", b"lib2"]
    one = r.function_list(library="lib1")
    assert len(one) == 1
    d = dict(zip(one[0][::2], one[0][1::2]))
    assert d[b"library_name"] == b"lib1" and d[b"engine"] == b"LUA"
    assert b"library_code" not in d
    fns = {f[1]: dict(zip(f[::2], f[1::2])) for f in d[b"functions"]}
    assert set(fns) == {b"inc", b"get"}
    assert fns[b"get"][b"description"] == b"reads a key" and fns[b"get"][b"flags"] == [b"no-writes"]
    assert fns[b"inc"][b"description"] is None and fns[b"inc"][b"flags"] == []
    coded = r.function_list(library="lib*", withcode=True)
    assert sorted(dict(zip(e[::2], e[1::2]))[b"library_code"] for e in coded) == sorted(
        [LIB1.encode(), LIB2.encode()])
    assert r.function_list(library="nomatch") == []
    stats = stats_map(r.function_stats())
    assert stats[b"running_script"] is None
    engines = stats_map(stats[b"engines"])
    assert stats_map(engines[b"LUA"]) == {b"libraries_count": 2, b"functions_count": 3}
    with pytest.raises(redis.ResponseError, match=r"^NOTBUSY No scripts in execution right now\.$"):
        r.function_kill()
    assert r.function_delete("lib2") is True
    with pytest.raises(redis.ResponseError, match="^Library not found$"):
        r.function_delete("lib2")
    with pytest.raises(redis.ResponseError, match="^Function not found$"):
        r.fcall("two", 0)
    assert r.function_flush("SYNC") is True
    assert r.function_list() == []


# -- the AOF of one server loads in the other --------------------------------


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


@pytest.mark.skipif(IS_REDIS, reason="needs streamd and redis-server")
def test_interop_redis_loads_streamd_functions(make_server):
    srv = make_server(SERVER_ARGS)
    c = srv.client()
    c.function_load(LIB1)
    c.function_load(LIB2)
    c.bgrewriteaof()
    wait_rewrite(c)
    c.function_load(LIB3)
    c.function_delete("lib2")
    before = libraries(c)
    red = redis_on_aof_of(make_server, srv)
    assert libraries(red.client()) == before


@pytest.mark.skipif(IS_REDIS, reason="needs streamd and redis-server")
def test_interop_streamd_loads_redis_functions(make_server):
    red = make_server(kind="redis", args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    rc = red.client()
    rc.function_load(LIB1)
    rc.function_load(LIB2)
    rc.bgrewriteaof()
    wait_rewrite(rc)
    rc.function_load(LIB3)
    rc.function_delete("lib2")
    rc.function_load(LIB1_V2, replace=True)
    before = libraries(rc)
    red.stop()
    srv = make_server(SERVER_ARGS)
    srv.stop()
    shutil.rmtree(aof_dir(srv))
    shutil.copytree(aof_dir(red), aof_dir(srv))
    srv.start()
    assert libraries(srv.client()) == before
