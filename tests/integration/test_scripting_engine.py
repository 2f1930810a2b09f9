"""Scripting behaviour redis-server 7.0 cannot be the oracle for, or that
only streamd's own files show: what a script's writes leave in the AOF, the
8.x bound on the EVAL script cache, the read-only globals, SELECT inside a
script (the caller's database stays), busy scripts and functions, and
function libraries kept by the AOF (its rewrite and DEBUG LOADAOF). The replies scripts give are compared
with redis-server 7.0 in tests/compat/test_scripting_diff.py.
"""

import os

import pytest

from testlib import IS_REDIS, RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's own files and 8.x limits")


def incr_aof(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    return b"".join(open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))
                    if n.endswith(".incr.aof"))


def test_effects_reach_the_aof_as_commands(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.execute_command("XADD", "s", "1-1", "f", "v")
    c.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('xadd', KEYS[2], '*', 'a', 'b'); "
           "return redis.call('get', KEYS[1])", 2, "k", "s", "val")
    c.eval("return redis.call('get', 'k')", 0)  # reads leave nothing
    aof = incr_aof(srv)
    assert b"EVAL" not in aof.upper()
    # two writes: wrapped in MULTI/EXEC so a replay applies both or none
    i = aof.index(b"MULTI")
    assert aof.upper().index(b"$3\r\nSET\r\n$1\r\nK\r\n$3\r\nVAL\r\n") > i
    assert aof.index(b"EXEC") > aof.upper().index(b"$4\r\nXADD\r\n", i) > i
    # the XADD '*' went to the AOF with its concrete ID
    assert b"$1\r\n*\r\n" not in aof
    # one write alone is not wrapped
    before = aof.count(b"MULTI")
    c.eval("redis.call('incr', 'n')", 0)
    assert incr_aof(srv).count(b"MULTI") == before
    srv.restart()
    c = srv.client()
    assert c.get("k") == b"val" and c.xlen("s") == 2 and c.get("n") == b"1"


def test_set_repl_none_keeps_writes_out_of_the_aof(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client()
    c.eval("redis.set_repl(redis.REPL_NONE); redis.call('set', 'gone', '1'); "
           "redis.set_repl(redis.REPL_ALL); redis.call('set', 'kept', '1')", 0)
    aof = incr_aof(srv)
    assert b"gone" not in aof and b"kept" in aof
    # the next script propagates again without asking
    c.eval("redis.call('set', 'next', '1')", 0)
    assert b"next" in incr_aof(srv)


def test_eval_cache_is_bounded_load_is_not(make_server):
    srv = make_server()
    c = srv.client()
    loaded = c.script_load("return 'loaded'")
    shas = []
    for i in range(520):
        body = "return %d" % i
        assert c.eval(body, 0) == i
        shas.append(c.execute_command("SCRIPT", "LOAD", body) if i == 0 else None)
    info = c.info("memory")
    # 500 EVAL scripts at most, plus those SCRIPT LOAD brought (even if EVAL saw them first)
    assert info["number_of_cached_scripts"] <= 502
    assert c.script_exists(loaded) == [True]
    assert c.script_exists(shas[0]) == [True]  # loaded after EVAL: no longer evictable
    assert c.evalsha(loaded, 0) == b"loaded"
    # the oldest EVAL script went: EVALSHA says so, EVAL brings it back
    import hashlib
    old = hashlib.sha1(b"return 1").hexdigest()
    assert c.script_exists(old) == [False]
    r = srv.raw().call("EVALSHA", old, "0")
    assert isinstance(r, RespError) and str(r).startswith("NOSCRIPT")
    assert c.eval("return 1", 0) == 1


def test_globals_are_read_only_and_scripts_leave_nothing(make_server):
    srv = make_server()
    c = srv.raw()
    for body in ["x = 1", "string.upper = nil", "redis.call = nil", "rawset(_G, 'y', 1)",
                 "_G.z = 1", "setmetatable(_G, nil)", "loadstring('w = 1')()"]:
        r = c.call("EVAL", body, "0")
        assert isinstance(r, RespError) and "readonly table" in str(r), (body, r)
    assert c.call("EVAL", "return string.upper('a') .. type(redis.call)", "0") == b"Afunction"
    # no file access, no bytecode
    for name in ["dofile", "loadfile", "print", "require", "os", "io", "debug", "newproxy"]:
        r = c.call("EVAL", "return " + name, "0")
        assert isinstance(r, RespError) and "nonexistent global" in str(r), name
    r = c.call("EVAL", "return loadstring(string.dump(function() return 1 end))", "0")
    assert r is None
    # pairs() over the globals sees them (through the read-only view)
    names = c.call("EVAL", "local t = {} for k in pairs(_G) do t[#t+1] = k end "
                   "table.sort(t) return t", "0")
    assert b"redis" in names and b"string" in names and b"print" not in names


def test_select_inside_a_script_keeps_the_callers_db(make_server):
    srv = make_server()
    c = srv.raw()
    assert c.call("EVAL", "redis.call('select', 3); redis.call('set', 'k', 'in3'); "
                  "return redis.call('get', 'k')", "0") == b"in3"
    assert c.call("GET", "k") is None
    c.call("SELECT", "3")
    assert c.call("GET", "k") == b"in3"


def test_script_error_does_not_undo_earlier_writes(make_server):
    srv = make_server()
    c = srv.raw()
    r = c.call("EVAL", "redis.call('set', 'a', '1'); redis.call('incr', 'a'); "
               "redis.call('xadd', 'a', '*', 'f', 'v')", "0")
    assert isinstance(r, RespError) and str(r).startswith("WRONGTYPE")
    assert c.call("GET", "a") == b"2"


BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."


def wait_busy(c, timeout=5.0):
    import time
    deadline = time.monotonic() + timeout
    while True:
        r = c.call("PING")
        if isinstance(r, RespError):
            assert str(r) == BUSY
            return
        assert time.monotonic() < deadline, "the script never became busy"
        time.sleep(0.02)


def test_busy_script_is_killed_and_the_server_goes_on(make_server):
    srv = make_server(["--busy-reply-threshold", "100"])
    runner, other = srv.raw(), srv.raw()
    # the script's own connection has a command queued behind it
    runner.send_cmd("EVAL", "local i = 0 while true do i = i + 1 end", "0")
    runner.send_cmd("SET", "after", "1")
    wait_busy(other)
    assert str(other.call("GET", "k")) == BUSY
    assert other.call("MULTI") == b"OK"  # allowed beside a script
    assert str(other.call("SET", "k", "v")).startswith("BUSY")  # refused, as queuing
    assert other.call("DISCARD") == b"OK"
    assert str(other.call("SHUTDOWN")) == BUSY  # only NOSAVE
    assert other.call("SCRIPT", "KILL") == b"OK"
    r = runner.read()
    assert isinstance(r, RespError)
    assert str(r).startswith("ERR Script killed by user with SCRIPT KILL... script: ")
    assert runner.read() == b"OK"  # the queued command ran after the script
    assert other.call("GET", "after") == b"1"
    assert str(other.call("SCRIPT", "KILL")).startswith("NOTBUSY")


def test_pcall_cannot_swallow_a_kill(make_server):
    srv = make_server(["--busy-reply-threshold", "100"])
    runner, other = srv.raw(), srv.raw()
    runner.send_cmd("EVAL", "while true do pcall(function() while true do end end) end", "0")
    wait_busy(other)
    assert other.call("SCRIPT", "KILL") == b"OK"
    assert str(runner.read()).startswith("ERR Script killed by user with SCRIPT KILL...")
    assert other.call("PING") == b"PONG"


def test_a_script_that_wrote_is_unkillable_shutdown_nosave_ends_it(make_server):
    srv = make_server(["--busy-reply-threshold", "100", "--appendonly", "yes",
                       "--appendfsync", "always"])
    runner, other = srv.raw(), srv.raw()
    runner.send_cmd("EVAL", "redis.call('set', 'half', '1') while true do end", "0")
    wait_busy(other)
    assert str(other.call("SCRIPT", "KILL")).startswith(
        "UNKILLABLE Sorry the script already executed write commands against the dataset.")
    other.send_cmd("SHUTDOWN", "NOSAVE")
    srv.wait_exit() if hasattr(srv, "wait_exit") else srv.proc.wait(timeout=10)
    # the half-run script's write never reached the AOF
    assert b"half" not in incr_aof(srv)
    srv.start()
    assert srv.raw().call("EXISTS", "half") == 0


LIB1 = "#!lua name=lib1\nredis.register_function('g1', function(k, a) return redis.call('incr', k[1]) end)"
LIB2 = "#!lua name=lib2\nredis.register_function('g2', function() return 2 end)"
LIB3 = ("#!lua name=lib3\nredis.register_function{function_name='g3', "
        "callback=function() return 3 end, flags={'no-writes'}}")


def test_function_libraries_persist_through_the_aof_rewrite_and_loadaof(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    assert c.call("FUNCTION", "LOAD", LIB1) == b"lib1"
    assert c.call("FCALL", "g1", "1", "cnt") == 1
    assert c.call("FUNCTION", "LOAD", LIB2) == b"lib2"
    assert c.call("FUNCTION", "DELETE", "lib2") == b"OK"
    # the base a rewrite writes holds the libraries (FUNCTION LOAD first)
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    import time
    while srv.client().info("persistence")["aof_rewrite_in_progress"]:
        time.sleep(0.01)
    d = os.path.join(srv.dir, "appendonlydir")
    base = b"".join(open(os.path.join(d, n), "rb").read() for n in os.listdir(d) if ".base." in n)
    assert base.startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n") and b"lib2" not in base
    assert c.call("FUNCTION", "LOAD", LIB3) == b"lib3"
    # DEBUG LOADAOF empties the libraries too before the AOF brings them back
    assert c.call("DEBUG", "LOADAOF") == b"OK"
    assert c.call("FCALL", "g1", "1", "cnt") == 2
    assert c.call("FCALL_RO", "g3", "0") == 3
    srv.restart()
    c = srv.raw()
    assert c.call("FCALL", "g1", "1", "cnt") == 3
    assert str(c.call("FCALL", "g2", "0")) == "ERR Function not found"
    assert c.call("FUNCTION", "FLUSH") == b"OK"
    srv.restart()
    assert str(srv.raw().call("FCALL", "g1", "1", "cnt")) == "ERR Function not found"


def test_script_and_function_caches_are_separate(make_server):
    srv = make_server()
    c = srv.raw()
    c.call("FUNCTION", "LOAD", LIB3)
    sha = c.call("SCRIPT", "LOAD", "return 'script'")
    assert c.call("SCRIPT", "FLUSH") == b"OK"
    assert c.call("FCALL", "g3", "0") == 3
    sha = c.call("SCRIPT", "LOAD", "return 'script'")
    assert c.call("FUNCTION", "FLUSH") == b"OK"
    assert c.call("EVALSHA", sha, "0") == b"script"
    assert c.call("FLUSHALL") == b"OK"
    assert c.call("EVALSHA", sha, "0") == b"script"  # FLUSHALL keeps scripts
    c.call("FUNCTION", "LOAD", LIB3)
    c.call("FLUSHALL")
    assert c.call("FCALL", "g3", "0") == 3  # ... and functions
    info = srv.client().info("memory")
    assert info["number_of_functions"] == 1 and info["number_of_libraries"] == 1
    assert info["used_memory_vm_functions"] > 0 and info["used_memory_functions"] > 0


def test_busy_function_is_killed_by_function_kill_only(make_server):
    srv = make_server(["--busy-reply-threshold", "100"])
    runner, other = srv.raw(), srv.raw()
    other.call("FUNCTION", "LOAD",
               "#!lua name=busy\nredis.register_function('spin', function() while true do end end)")
    runner.send_cmd("FCALL", "spin", "0")
    import time
    deadline = time.monotonic() + 5
    while not isinstance(other.call("PING"), RespError):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    fbusy = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
    assert str(other.call("GET", "k")) == fbusy
    assert str(other.call("SCRIPT", "KILL")) == fbusy
    stats = other.call("FUNCTION", "STATS")
    assert stats[0] == b"running_script" and stats[1][1] == b"spin"
    assert other.call("FUNCTION", "KILL") == b"OK"
    assert str(runner.read()).startswith("ERR Script killed by user with SCRIPT KILL... script: spin")
    assert other.call("PING") == b"PONG"


def test_function_restore_reaches_the_aof_as_loads(make_server):
    """FUNCTION RESTORE is written to the AOF as what it did (FUNCTION FLUSH
    for the FLUSH policy, then FUNCTION LOAD REPLACE per library), so the
    AOF holds no payload and any reader replays it; a restart keeps them."""
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("FUNCTION", "LOAD", LIB1)
    c.call("FUNCTION", "LOAD", LIB3)
    payload = c.call("FUNCTION", "DUMP")
    assert c.call("FUNCTION", "FLUSH") == b"OK"
    assert c.call("FUNCTION", "RESTORE", payload) == b"OK"
    assert c.call("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    aof = incr_aof(srv)
    assert b"RESTORE" not in aof
    assert aof.count(b"$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$7\r\nREPLACE\r\n") == 4
    srv.restart()
    c = srv.raw()
    assert c.call("FCALL", "g1", "1", "n") == 1 and c.call("FCALL_RO", "g3", "0") == 3
    # a payload from a server with the same libraries restores to the same
    assert sorted(c.call("FUNCTION", "LIST")[i][1] for i in range(2)) == [b"lib1", b"lib3"]
