"""Lua scripting through real clients and across restarts.

The replies themselves are compared with redis-server 7.0 in
tests/compat/test_scripting_diff.py; this covers what a differential script
cannot: redis-py's Script objects (EVALSHA falling back to SCRIPT LOAD) and
its Lock (built on scripts), a script's effects in the AOF (its write
commands, not the EVAL; several in MULTI/EXEC) and after a restart, MONITOR
lines through redis-py's parser, blocked readers served by a script's
XADD, the script cache and its INFO fields, big scripts, many scripts and
big replies, and scripts that use TIME or RANDOMKEY before writing.
Expected behaviour is Redis 7.0's unless marked streamd-only (check with
STREAMD_TARGET=redis).
"""

import hashlib
import os
import re
import time

import pytest
import redis
from redis.exceptions import LockNotOwnedError, NoScriptError, ResponseError

from testlib import RespError, streamd_only, wait_blocked

# ---- redis-py's Script -------------------------------------------------------------------


def cmdstat(r, name):
    return r.info("commandstats").get("cmdstat_" + name, {"calls": 0, "failed_calls": 0})


def test_register_script_falls_back_to_load(r):
    r.script_flush()
    r.config_resetstat()
    s = r.register_script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")
    assert s(keys=["cnt"], args=["x"]) == [b"cnt", b"x", 1]
    # the first EVALSHA failed with NOSCRIPT, redis-py loaded the script and retried
    assert cmdstat(r, "evalsha")["calls"] == 2
    assert cmdstat(r, "evalsha")["failed_calls"] == 1
    assert cmdstat(r, "script|load")["calls"] == 1
    assert r.script_exists(s.sha) == [True]
    assert s(keys=["cnt"], args=["y"]) == [b"cnt", b"y", 2]
    assert cmdstat(r, "evalsha")["calls"] == 3
    # after a flush the same object loads it again
    r.script_flush()
    assert r.script_exists(s.sha) == [False]
    assert s(keys=["cnt"], args=["z"]) == [b"cnt", b"z", 3]
    assert r.get("cnt") == b"3"


def test_scripts_in_a_pipeline(r):
    r.script_flush()
    s = r.register_script("return redis.call('XADD', KEYS[1], ARGV[1], 'f', ARGV[2])")
    p = r.pipeline(transaction=True)
    for i in range(1, 6):
        s(keys=["stream"], args=["%d-1" % i, "v%d" % i], client=p)
    p.xlen("stream")
    # redis-py checks SCRIPT EXISTS and loads the missing script before EXEC
    assert p.execute() == [b"1-1", b"2-1", b"3-1", b"4-1", b"5-1", 5]
    assert [e[1][b"f"] for e in r.xrange("stream")] == [b"v1", b"v2", b"v3", b"v4", b"v5"]


def test_eval_evalsha_and_script_commands(r):
    r.script_flush()
    sha = r.script_load("return ARGV[1] .. ARGV[2]")
    assert sha == hashlib.sha1(b"return ARGV[1] .. ARGV[2]").hexdigest()
    assert r.evalsha(sha, 0, "a", "b") == b"ab"
    assert r.evalsha(sha.upper(), 0, "c", "d") == b"cd"
    assert r.eval("return ARGV[1] .. ARGV[2]", 0, "e", "f") == b"ef"
    assert r.script_exists(sha, "0" * 40) == [True, False]
    with pytest.raises(NoScriptError):
        r.evalsha("0" * 40, 0)
    with pytest.raises(ResponseError, match="Error compiling script"):
        r.script_load("return (")
    r.set("nonint", "x")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range script: "):
        r.eval("return redis.call('INCR', KEYS[1])", 1, "nonint")


def test_script_flush_empties_the_cache(r):
    r.script_flush()
    shas = [r.script_load("return %d" % i) for i in range(50)]
    assert r.info("memory")["number_of_cached_scripts"] == 50
    assert r.script_exists(*shas) == [True] * 50
    assert r.evalsha(shas[7], 0) == 7
    r.eval("return 'one more'", 0)
    assert r.info("memory")["number_of_cached_scripts"] == 51
    assert r.script_flush("ASYNC")
    assert r.script_exists(*shas) == [False] * 50
    assert r.info("memory")["number_of_cached_scripts"] == 0
    r.script_load("return 1")
    assert r.script_flush("SYNC")
    assert r.info("memory")["number_of_cached_scripts"] == 0
    with pytest.raises(NoScriptError):
        r.evalsha(shas[7], 0)


def test_info_memory_scripting_fields(r):
    r.script_flush()
    before = r.info("memory")
    for f in ("used_memory_lua", "number_of_cached_scripts", "used_memory_scripts"):
        assert isinstance(before[f], int), f
    assert before["used_memory_lua"] > 0
    body = "local t = {} for i = 1, 100 do t[i] = '%s' end return #t" % ("x" * 1000)
    for i in range(200):
        r.script_load(body + " -- %d" % i)
    after = r.info("memory")
    assert after["number_of_cached_scripts"] == 200
    # 200 bodies of more than 1 KB each are held by the cache
    assert after["used_memory_scripts"] >= before["used_memory_scripts"] + 200 * 1000
    r.script_flush()
    flushed = r.info("memory")
    assert flushed["number_of_cached_scripts"] == 0
    assert flushed["used_memory_scripts"] < after["used_memory_scripts"] - 200 * 1000


# ---- redis-py's Lock -----------------------------------------------------------------------


def test_lock_acquire_extend_release(r, rr):
    lock = r.lock("res", timeout=10)
    assert lock.acquire(blocking=False)
    assert lock.owned()
    assert 9000 < r.pttl("res") <= 10000
    other = rr().lock("res", timeout=10)
    assert not other.acquire(blocking=False)
    assert not other.owned()
    assert lock.extend(20)
    assert 29000 < r.pttl("res") <= 30000
    assert lock.extend(5, replace_ttl=True)
    assert 4000 < r.pttl("res") <= 5000
    assert lock.reacquire()
    assert 9000 < r.pttl("res") <= 10000
    # a release with a token that is not the owner's is refused by the script
    other.local.token = b"not-the-owner"
    with pytest.raises(LockNotOwnedError):
        other.release()
    assert r.exists("res") == 1
    token = lock.local.token
    lock.release()
    assert r.exists("res") == 0
    lock.local.token = token  # released twice: the script finds no key
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert other.acquire(blocking=False)
    other.release()


def test_lock_lost_to_expiry_or_another_owner(r):
    lock = r.lock("res2", timeout=100)
    assert lock.acquire(blocking=False)
    r.delete("res2")  # as if it had expired
    with pytest.raises(LockNotOwnedError):
        lock.extend(10)
    with pytest.raises(LockNotOwnedError):
        lock.reacquire()
    assert lock.acquire(blocking=False)
    r.set("res2", "someone-else")
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert r.get("res2") == b"someone-else"
    # a lock without a timeout cannot be extended, and persists
    forever = r.lock("res3")
    assert forever.acquire(blocking=False)
    assert r.ttl("res3") == -1
    forever.release()


def test_lock_as_context_manager_serialises_counters(r, rr):
    for i in range(20):
        with rr().lock("ctx", timeout=5, blocking_timeout=5):
            r.incr("counter")
    assert r.get("counter") == b"20"
    assert r.exists("ctx") == 0


# ---- effects in the AOF ---------------------------------------------------------------------


def parse_resp_commands(data):
    """The commands of an AOF file (RESP arrays of bulk strings)."""
    out, i = [], 0
    while i < len(data):
        assert data[i:i + 1] == b"*", data[i:i + 40]
        j = data.index(b"\r\n", i)
        n = int(data[i + 1:j])
        i = j + 2
        args = []
        for _ in range(n):
            assert data[i:i + 1] == b"$"
            j = data.index(b"\r\n", i)
            ln = int(data[i + 1:j])
            args.append(data[j + 2:j + 2 + ln])
            i = j + 2 + ln + 2
        out.append(args)
    return out


def incr_commands(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    with open(os.path.join(d, "appendonly.aof.manifest")) as f:
        incr = [line.split()[1] for line in f.read().splitlines() if line.split()[5] == "i"]
    out = []
    for name in incr:
        with open(os.path.join(d, name), "rb") as f:
            out += parse_resp_commands(f.read())
    return out


def masked(cmds, now_ms):
    """Command names upper-cased, SELECTs dropped, times near now as <ms>."""
    out = []
    for c in cmds:
        name = c[0].upper()
        if name == b"SELECT":
            continue
        args = []
        for a in c[1:]:
            m = re.fullmatch(rb"(\d{13})(-0)?", a)
            if m and abs(int(m.group(1)) - now_ms) < 600000:
                a = b"<ms>" + (m.group(2) or b"")
            args.append(a)
        out.append([name] + args)
    return out


AOF = ["--appendonly", "yes", "--appendfsync", "always"]


def test_aof_holds_the_commands_a_script_ran(make_server):
    srv = make_server(AOF)
    c = srv.client()
    ev = c.eval
    assert ev("return redis.call('SET','a','1')", 0) == b"OK"
    assert ev("redis.call('SET','b','2') redis.call('INCR','b') return 1", 0) == 1
    assert ev("return redis.call('GET','a')", 0) == b"1"
    with pytest.raises(ResponseError):
        ev("redis.call('SET','c','3') error('x')", 0)
    assert ev("redis.set_repl(redis.REPL_NONE) redis.call('SET','d','4') "
              "redis.set_repl(redis.REPL_ALL) redis.call('SET','e','5') return 1", 0) == 1
    assert ev("redis.call('SET','f','6','EX','100') redis.call('EXPIRE','a','100') return 1", 0) == 1
    assert ev("redis.call('SELECT','2') redis.call('SET','g','7') return 1", 0) == 1
    assert ev("redis.call('XADD','s','1-1','f','v') redis.call('XGROUP','CREATE','s','g','0-0') "
              "return 1", 0) == 1
    auto_id = ev("return redis.call('XADD','s','*','f','w')", 0)
    assert ev("redis.call('SET','h','8') redis.call('DEL','nokey') return 1", 0) == 1
    assert ev("return redis.call('DEL','nokey')", 0) == 0
    assert c.execute_command("EVAL_RO", "return redis.call('GET','a')", 0) == b"1"
    with c.pipeline(transaction=True) as p:
        p.eval("return redis.call('SET','m','1')", 0)
        p.set("n", "1")
        assert p.execute() == [b"OK", True]
    sha = c.script_load("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('APPEND', KEYS[1], 'x')")
    assert c.evalsha(sha, 1, "o", "v") == 2
    now_ms = int(time.time() * 1000)
    got = masked(incr_commands(srv), now_ms)
    assert got == [
        [b"SET", b"a", b"1"],
        [b"MULTI"], [b"SET", b"b", b"2"], [b"INCR", b"b"], [b"EXEC"],
        [b"SET", b"c", b"3"],
        [b"SET", b"e", b"5"],
        [b"MULTI"], [b"SET", b"f", b"6", b"PXAT", b"<ms>"], [b"PEXPIREAT", b"a", b"<ms>"], [b"EXEC"],
        [b"SET", b"g", b"7"],
        [b"MULTI"], [b"XADD", b"s", b"1-1", b"f", b"v"], [b"XGROUP", b"CREATE", b"s", b"g", b"0-0"],
        [b"EXEC"],
        [b"XADD", b"s", b"<ms>-0", b"f", b"w"],
        [b"SET", b"h", b"8"],
        [b"MULTI"], [b"SET", b"m", b"1"], [b"SET", b"n", b"1"], [b"EXEC"],
        [b"MULTI"], [b"SET", b"o", b"v"], [b"APPEND", b"o", b"x"], [b"EXEC"],
    ], got
    assert not any(c[0] in (b"EVAL", b"EVALSHA", b"EVAL_RO", b"SCRIPT") for c in got)
    # the XADD with * was written with the ID it got
    raw = incr_commands(srv)
    assert [b"XADD", b"s", auto_id, b"f", b"w"] in [[x[0].upper()] + x[1:] for x in raw]

    srv.restart()
    c = srv.client()
    assert c.get("a") == b"1" and 0 < c.ttl("a") <= 100
    assert c.get("b") == b"3"
    assert c.get("c") == b"3"
    assert c.get("d") is None  # written with REPL_NONE: not persisted
    assert c.get("e") == b"5"
    assert c.get("f") == b"6" and 0 < c.ttl("f") <= 100
    assert c.get("h") == b"8"
    assert c.get("m") == b"1" and c.get("n") == b"1"
    assert c.get("o") == b"vx"
    assert [e[0] for e in c.xrange("s")] == [b"1-1", auto_id]
    assert c.xinfo_groups("s")[0]["name"] == b"g"
    assert c.get("g") is None
    c.execute_command("SELECT", 2)
    assert c.get("g") == b"7"


def test_aof_random_and_time_commands_before_writes(make_server):
    srv = make_server(AOF)
    c = srv.client()
    c.set("only", "key")
    # 7.0 replicates a script's effects, so writes after TIME/RANDOMKEY are allowed
    assert c.eval("local k = redis.call('RANDOMKEY') redis.call('SET', 'picked', k) return k", 0) \
        == b"only"
    t = c.eval("local t = redis.call('TIME') redis.call('SET', 'time', t[1]) return t", 0)
    assert c.get("time") == t[0]
    ids = c.eval("local ids = {} for i = 1, 3 do ids[i] = redis.call('XADD', 'st', '*', 'i', i) end "
                 "return ids", 0)
    assert len(set(ids)) == 3
    cmds = [[x[0].upper()] + x[1:] for x in incr_commands(srv)]
    assert [b"SET", b"time", t[0]] in cmds
    assert [b"SET", b"picked", b"only"] in cmds
    for i, id_ in enumerate(ids):
        assert [b"XADD", b"st", id_, b"i", str(i + 1).encode()] in cmds
    srv.restart()
    c = srv.client()
    assert c.get("time") == t[0]
    assert [e[0] for e in c.xrange("st")] == ids


def test_aof_group_reads_by_a_script_survive_restart(make_server):
    srv = make_server(AOF)
    c = srv.client()
    for i in range(1, 6):
        c.xadd("jobs", {"n": i}, id="%d-1" % i)
    c.xgroup_create("jobs", "workers", id="0")
    claim = ("local r = redis.call('XREADGROUP', 'GROUP', 'workers', ARGV[1], 'COUNT', ARGV[2], "
             "'STREAMS', KEYS[1], '>') local ids = {} for i, e in ipairs(r[1][2]) do ids[i] = e[1] end "
             "redis.call('XACK', KEYS[1], 'workers', ids[1]) return ids")
    assert c.eval(claim, 1, "jobs", "alice", 3) == [b"1-1", b"2-1", b"3-1"]
    assert c.eval(claim, 1, "jobs", "bob", 1) == [b"4-1"]
    assert c.eval("return redis.call('XCLAIM', KEYS[1], 'workers', 'bob', 0, '2-1', 'JUSTID')",
                  1, "jobs") == [b"2-1"]
    # entries-read and lag are left out: 7.0's AOF loses them for any
    # XREADGROUP (it propagates no ENTRIESREAD), script or not
    groups = (lambda c: [{k: g[k] for k in ("name", "consumers", "pending", "last-delivered-id")}
                         for g in c.xinfo_groups("jobs")])
    before = (c.xpending("jobs", "workers"), groups(c),
              [(e["message_id"], e["consumer"], e["times_delivered"])
               for e in c.xpending_range("jobs", "workers", "-", "+", 10)])
    assert before[0]["pending"] == 2
    srv.restart()
    c = srv.client()
    after = (c.xpending("jobs", "workers"), groups(c),
             [(e["message_id"], e["consumer"], e["times_delivered"])
              for e in c.xpending_range("jobs", "workers", "-", "+", 10)])
    assert after == before
    assert c.xreadgroup("workers", "carol", {"jobs": ">"}) == [[b"jobs", [(b"5-1", {b"n": b"5"})]]]


# ---- MONITOR, blocked readers ------------------------------------------------------------------


def test_monitor_shows_script_commands_as_lua(r):
    with r.monitor() as m:
        r.eval("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('XADD', 'ms', '1-1', 'f', 'v')",
               1, "mk", "mv")
        cmds = [m.next_command() for _ in range(3)]
    assert cmds[0]["command"].startswith("EVAL ")
    assert cmds[0]["client_type"] == "tcp"
    assert [(c["client_type"], c["command"], c["db"]) for c in cmds[1:]] == [
        ("lua", "SET mk mv", 0), ("lua", "XADD ms 1-1 f v", 0)]


def test_script_xadd_serves_blocked_readers(server, r, raw):
    ctl = raw()
    r.xadd("s", {"f": "old"}, id="1-1")
    r.xgroup_create("s", "g", id="$")
    xread, group = raw(), raw()
    xread.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    group.send_cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(ctl, 2)
    assert r.eval("redis.call('XADD', KEYS[1], '2-1', 'f', 'a') "
                  "return redis.call('XADD', KEYS[1], '3-1', 'f', 'b')", 1, "s") == b"3-1"
    assert xread.read() == [[b"s", [[b"2-1", [b"f", b"a"]], [b"3-1", [b"f", b"b"]]]]]
    assert group.read() == [[b"s", [[b"2-1", [b"f", b"a"]], [b"3-1", [b"f", b"b"]]]]]
    assert r.xpending("s", "g")["pending"] == 2


def test_entry_added_and_deleted_by_one_script_as_by_multi(server, r, raw):
    """A reader blocked on a stream to which one script adds an entry and
    deletes it again fares as when a MULTI/EXEC does the same: 7.0 serves it
    its stream with no entries, newer Redis (and streamd) keep it waiting."""
    ctl = raw()
    r.xadd("s2", {"f": "old"}, id="1-1")
    reader = raw()
    cid = reader.call("CLIENT", "ID")
    outcomes = []
    for step in ("script", "multi"):
        reader.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "s2", "$")
        wait_blocked(ctl, 1)
        if step == "script":
            assert r.eval("redis.call('XADD', KEYS[1], '2-1', 'f', 'a') "
                          "return redis.call('XDEL', KEYS[1], '2-1')", 1, "s2") == 1
        else:
            with r.pipeline(transaction=True) as p:
                p.xadd("s2", {"f": "a"}, id="3-1")
                p.xdel("s2", "3-1")
                assert p.execute() == [b"3-1", 1]
        if b"blocked_clients:1\r\n" in bytes(ctl.call("INFO", "clients")):
            assert ctl.call("CLIENT", "UNBLOCK", cid) == 1
            assert reader.read() is None
            outcomes.append("kept waiting")
        else:
            outcomes.append(reader.read())
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] in ("kept waiting", [[b"s2", []]])
    assert r.xlen("s2") == 1


# ---- size limits and robustness ---------------------------------------------------------------


def test_big_scripts_args_and_replies(r):
    big = "return #'" + "x" * 2000000 + "'"
    assert r.eval(big, 0) == 2000000
    constructor = "return #{" + ",".join(["1"] * 100000) + "}"
    assert r.eval(constructor, 0) == 100000
    args = [str(i) for i in range(50000)]
    assert r.eval("return {#KEYS, #ARGV, ARGV[#ARGV]}", 10, *args) == [10, 49990, b"49999"]
    reply = r.eval("local t = {} for i = 1, 100000 do t[i] = i end return t", 0)
    assert len(reply) == 100000 and reply[-1] == 100000
    assert len(r.eval("return string.rep('ab', 5000000)", 0)) == 10000000
    r.set("big", "v" * 1000000)
    assert r.eval("return #redis.call('GET', KEYS[1])", 1, "big") == 1000000


def test_many_distinct_scripts(r):
    r.script_flush()
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.script_load("return %d * 2" % i)
    shas = p.execute()
    assert len(set(shas)) == 2000
    assert r.info("memory")["number_of_cached_scripts"] == 2000
    p = r.pipeline(transaction=False)
    for sha in shas:
        p.evalsha(sha, 0)
    assert p.execute() == [i * 2 for i in range(2000)]
    assert r.script_exists(*shas) == [True] * 2000
    r.script_flush()
    assert r.info("memory")["number_of_cached_scripts"] == 0


@streamd_only
def test_eval_cache_is_bounded(r):
    """Scripts that EVAL brought in are evicted beyond 500, least recently
    used first, as in Redis 7.4+ (7.0 kept every one: a client building a new
    body per call grew the server without bound); SCRIPT LOAD's stay."""
    r.script_flush()
    pinned = r.script_load("return 'pinned'")
    shas = []
    for i in range(500):
        assert r.eval("return %d" % i, 0) == i
        shas.append(hashlib.sha1(b"return %d" % i).hexdigest())
    assert r.info("memory")["number_of_cached_scripts"] == 501
    assert r.evalsha(shas[0], 0) == 0  # used again: now the most recent
    assert r.eval("return 500", 0) == 500
    assert r.info("memory")["number_of_cached_scripts"] == 501
    assert r.script_exists(shas[0], shas[1], shas[2], pinned) == [True, False, True, True]
    # loading an EVAL'd script on purpose makes it stay
    r.script_load("return 2")
    for i in range(1000, 2000):
        r.eval("return %d" % i, 0)
    assert r.info("memory")["number_of_cached_scripts"] == 502
    assert r.script_exists(pinned, shas[2], shas[0]) == [True, True, False]
    with pytest.raises(NoScriptError):
        r.evalsha(shas[3], 0)
    r.script_flush()
    assert r.info("memory")["number_of_cached_scripts"] == 0


def test_deep_nesting_is_refused_not_crashed(server, raw):
    c = raw()
    c.send_cmd("EVAL", "local t = {} local x = t for i = 1, 100000 do x[1] = {} x = x[1] end "
               "return t", "0")
    c.send_cmd("PING")
    got = b""
    while not got.endswith(b"+PONG\r\n"):
        got += c.read_available(wait=0.05, first_wait=10)
        assert not c.eof
    assert b"reached lua stack limit" in got
    assert got.startswith(b"*1\r\n")
    server.check_alive()


@streamd_only
def test_error_with_a_table_without_err(server, raw):
    # Debian's redis-server 7.0.15 crashes on these; streamd must answer an error
    c = raw()
    for src in ("error({})", "error({ok='x'})", "error({err=5})", "error(setmetatable({}, {}))"):
        v = c.call("EVAL", src, "0")
        assert isinstance(v, RespError), (src, v)
    assert c.call("PING") == b"PONG"
    server.check_alive()


def test_redis_log_reaches_the_server_log(server, r):
    marker = "script-log-marker-%d" % time.time_ns()
    assert r.eval("redis.log(redis.LOG_WARNING, ARGV[1], 'and', 42) return 1", 0, marker) == 1
    r.eval("redis.log(redis.LOG_DEBUG, ARGV[1]) return 1", 0, marker + "-debug")
    deadline = time.monotonic() + 5
    while marker not in server.log():
        assert time.monotonic() < deadline, server.log()[-2000:]
        time.sleep(0.01)
    line = [ln for ln in server.log().splitlines() if marker in ln][0]
    assert line.endswith(marker + " and 42")
    # below the default loglevel (notice)
    assert marker + "-debug" not in server.log()


def test_script_errors_leave_the_connection_usable(r):
    for src in ("return (", "error('x')", "return redis.call('nope')", "x = 1",
                "return redis.call('MULTI')", "return redis.setresp(9)"):
        with pytest.raises(ResponseError):
            r.eval(src, 0)
        assert r.ping()
    assert r.eval("return 'still fine'", 0) == b"still fine"


def test_select_inside_a_script_does_not_change_the_callers_db(r):
    r.execute_command("SELECT", 5)
    assert r.eval("redis.call('SELECT', 9) redis.call('SET', 'x', 'in9') return 1", 0) == 1
    assert r.get("x") is None
    r.set("mine", "in5")
    r.execute_command("SELECT", 9)
    assert r.get("x") == b"in9"
    r.execute_command("SELECT", 5)
    assert r.get("mine") == b"in5"
    r.execute_command("SELECT", 0)


def test_eval_ro_and_no_writes_through_redis_py(r):
    r.set("k", "v")
    assert r.execute_command("EVAL_RO", "return redis.call('GET', KEYS[1])", 1, "k") == b"v"
    with pytest.raises(ResponseError, match="Write commands are not allowed from read-only scripts"):
        r.execute_command("EVAL_RO", "return redis.call('SET', KEYS[1], 'w')", 1, "k")
    sha = r.script_load("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])")
    assert r.execute_command("EVALSHA_RO", sha, 1, "k") == b"v"
    assert r.get("k") == b"v"



def test_the_script_client_is_not_listed(r, raw):
    c, ctl = raw(), raw()
    cid = c.call("CLIENT", "ID")
    before = bytes(ctl.call("CLIENT", "LIST")).count(b"\n")
    assert c.call("EVAL", "redis.call('SET', 'k', 'v') return redis.call('PING')", "0") == b"PONG"
    listing = bytes(ctl.call("CLIENT", "LIST"))
    assert listing.count(b"\n") == before
    assert b"lua" not in listing

    def last_cmd():
        for line in bytes(ctl.call("CLIENT", "LIST")).splitlines():
            if line.startswith(b"id=%d " % cid):
                return re.search(rb" cmd=(\S+)", line).group(1)

    assert last_cmd() == b"eval"
    c.call("EVALSHA", hashlib.sha1(b"return 1").hexdigest(), "0")
    assert last_cmd() == b"evalsha"
    c.call("SCRIPT", "EXISTS", "x")
    assert last_cmd() == b"script|exists"
