"""Foundation (issue #2): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

Queueing, EXECABORT after a refused queued command (Redis's exact texts),
runtime errors inside EXEC, and WATCH races: every way another client (or
the clock) can touch a watched key between WATCH and EXEC. Expected replies
are Redis 7.0's (check with STREAMD_TARGET=redis).
"""

import threading
import time

import pytest
import redis

from testlib import RespError

EXECABORT = RespError("EXECABORT Transaction discarded because of previous errors.")


@pytest.fixture
def two(raw):
    return raw(), raw()


def test_multi_exec_basic(raw):
    c = raw()
    assert c.call_raw("MULTI") == b"+OK\r\n"
    assert c.call_raw("SET", "a", "1") == b"+QUEUED\r\n"
    assert c.call_raw("INCR", "a") == b"+QUEUED\r\n"
    assert c.call_raw("GET", "a") == b"+QUEUED\r\n"
    assert c.call_raw("EXEC") == b"*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n"
    assert c.call("GET", "a") == b"2"
    assert c.call("MULTI") == b"OK"
    assert c.call_raw("EXEC") == b"*0\r\n"


def test_multi_state_errors(raw):
    c = raw()
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert c.call("DISCARD") == RespError("ERR DISCARD without MULTI")
    assert c.call("MULTI", "x") == RespError("ERR wrong number of arguments for 'multi' command")
    assert c.call("WATCH") == RespError("ERR wrong number of arguments for 'watch' command")
    assert c.call("UNWATCH", "x") == RespError(
        "ERR wrong number of arguments for 'unwatch' command")
    assert c.call("MULTI") == b"OK"
    # a nested MULTI or a WATCH is refused but does not abort the transaction
    assert c.call("MULTI") == RespError("ERR MULTI calls can not be nested")
    assert c.call("WATCH", "x") == RespError("ERR WATCH inside MULTI is not allowed")
    assert c.call("SET", "x", "1") == b"QUEUED"
    assert c.call("EXEC") == [b"OK"]


def test_discard(raw):
    c = raw()
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "d", "1") == b"QUEUED"
    assert c.call("DISCARD") == b"OK"
    assert c.call("GET", "d") is None
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")


@pytest.mark.parametrize("bad,queued_error", [
    (("SET", "x"), "ERR wrong number of arguments for 'set' command"),
    (("NOSUCH", "a"), "ERR unknown command 'NOSUCH', with args beginning with: 'a' "),
    (("CONFIG", "NOPE"), "ERR unknown subcommand 'NOPE'. Try CONFIG HELP."),
])
def test_execabort(raw, bad, queued_error):
    c = raw()
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "before", "1") == b"QUEUED"
    assert c.call(*bad) == RespError(queued_error)
    assert c.call("SET", "after", "1") == b"QUEUED"
    assert c.call("EXEC") == EXECABORT
    # nothing ran, and the client left the MULTI state
    assert c.call("EXISTS", "before", "after") == 0
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")


def test_exec_with_wrong_arity_inside_multi(raw):
    c = raw()
    c.call("MULTI")
    c.call("SET", "k", "1")
    assert c.call("EXEC", "x") == RespError(
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert c.call("GET", "k") is None


def test_runtime_errors_do_not_stop_exec(raw):
    c = raw()
    c.call("SET", "s", "abc")
    c.call("MULTI")
    c.call("INCR", "s")
    c.call("SET", "t", "1")
    c.call("SET", "u", "v", "EX", "0")
    c.call("INCR", "t")
    assert c.call_raw("EXEC") == (b"*4\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
                                  b"-ERR invalid expire time in 'set' command\r\n:2\r\n")


def test_select_inside_multi(raw):
    c = raw()
    c.call("MULTI")
    c.call("SELECT", "2")
    c.call("SET", "q", "1")
    assert c.call("EXEC") == [b"OK", b"OK"]
    assert c.call("GET", "q") == b"1"  # the SELECT stays in effect
    c.call("SELECT", "0")
    assert c.call("GET", "q") is None


def test_quit_inside_multi(raw):
    c, d = raw(), raw()
    c.call("MULTI")
    c.call("SET", "qq", "1")
    assert c.call("QUIT") == b"OK"
    assert c.closed_by_peer()
    assert d.call("GET", "qq") is None


# ---- WATCH -----------------------------------------------------------------------


def exec_after(c, *cmds):
    assert c.call("MULTI") == b"OK"
    for cmd in cmds or [("PING",)]:
        assert c.call(*cmd) == b"QUEUED"
    return c.call_raw("EXEC")


def test_watch_unmodified_key_commits(two):
    a, b = two
    a.call("SET", "w", "1")
    assert a.call("WATCH", "w", "other") == b"OK"
    b.call("GET", "w")
    b.call("SET", "unrelated", "1")
    assert exec_after(a, ("INCR", "w")) == b"*1\r\n:2\r\n"


@pytest.mark.parametrize("touch", [
    [("SET", "w", "2")],
    [("SET", "w", "1")],  # the same value still counts
    [("DEL", "w")],
    [("INCR", "w")],
    [("APPEND", "w", "x")],
    [("EXPIRE", "w", "100")],
    [("PERSIST", "w")],
    [("RENAME", "w", "w2")],
    [("RENAME", "v", "w")],
    [("GETDEL", "w")],
    [("MSET", "z", "1", "w", "2")],
    [("FLUSHDB",)],
    [("FLUSHALL",)],
    [("SWAPDB", "0", "1")],
    [("SET", "w", "x", "KEEPTTL")],
])
def test_watch_race_aborts(two, touch):
    a, b = two
    a.call("SET", "w", "1")
    a.call("SET", "v", "0")
    if touch[0][0] == "PERSIST":
        a.call("PEXPIRE", "w", "1000000")
    assert a.call("WATCH", "w") == b"OK"
    for cmd in touch:
        assert not isinstance(b.call(*cmd), RespError)
    assert exec_after(a, ("SET", "w", "mine")) == b"*-1\r\n"
    assert a.call("GET", "w") != b"mine"
    # the WATCH is gone after EXEC: the next transaction commits
    assert exec_after(a, ("SET", "w", "mine")) == b"*1\r\n+OK\r\n"


@pytest.mark.parametrize("touch", [
    [("SET", "w", "1", "NX")],  # a command that changes nothing
    [("DEL", "w")],             # deleting a missing key
    [("GET", "w")],
    [("SELECT", "3"), ("SET", "w", "1")],  # the same name in another database
])
def test_watch_non_modifications_commit(two, touch):
    a, b = two
    if touch[0] == ("SET", "w", "1", "NX"):
        a.call("SET", "w", "1")
    assert a.call("WATCH", "w") == b"OK"
    for cmd in touch:
        b.call(*cmd)
    assert exec_after(a) == b"*1\r\n+PONG\r\n"


def test_watch_flushall_of_missing_key_commits(two):
    a, b = two
    assert a.call("WATCH", "nope") == b"OK"
    b.call("FLUSHALL")
    assert exec_after(a) == b"*1\r\n+PONG\r\n"


def test_watch_swapdb_bringing_the_key(two):
    a, b = two
    assert a.call("WATCH", "w") == b"OK"
    b.call("SELECT", "1")
    b.call("SET", "w", "z")
    b.call("SWAPDB", "0", "1")
    assert exec_after(a) == b"*-1\r\n"


def test_watch_own_modification_aborts(raw):
    a = raw()
    a.call("SET", "w", "1")
    a.call("WATCH", "w")
    a.call("SET", "w", "2")
    assert exec_after(a) == b"*-1\r\n"


def test_watch_expired_key_aborts(raw):
    a = raw()
    a.call("SET", "e", "1", "PX", "20")
    a.call("WATCH", "e")
    time.sleep(0.05)
    assert exec_after(a, ("GET", "e")) == b"*-1\r\n"


def test_unwatch_and_discard_clear_watches(two):
    a, b = two
    a.call("SET", "w", "1")
    a.call("WATCH", "w")
    assert a.call("UNWATCH") == b"OK"
    b.call("SET", "w", "2")
    assert exec_after(a) == b"*1\r\n+PONG\r\n"
    a.call("WATCH", "w")
    a.call("MULTI")
    assert a.call("DISCARD") == b"OK"
    b.call("SET", "w", "3")
    assert exec_after(a) == b"*1\r\n+PONG\r\n"


def test_watch_in_another_database(two):
    a, b = two
    a.call("SELECT", "4")
    a.call("WATCH", "w")
    a.call("SELECT", "0")
    b.call("SELECT", "4")
    b.call("SET", "w", "1")
    assert exec_after(a) == b"*-1\r\n"


def test_watch_abort_resp3_null(two):
    a, b = two
    a.call("HELLO", "3")
    a.call("WATCH", "r3")
    b.call("SET", "r3", "1")
    assert exec_after(a) == b"_\r\n"


def test_watch_optimistic_counter(server, rr):
    # Two threads increment one counter with WATCH/MULTI/EXEC retries; no
    # increment may be lost.
    n_per_thread = 200
    errors = []

    def worker():
        try:
            c = rr()
            done = 0
            while done < n_per_thread:
                with c.pipeline(transaction=True) as p:
                    try:
                        p.watch("counter")
                        v = int(p.get("counter") or 0)
                        p.multi()
                        p.set("counter", v + 1)
                        p.execute()
                        done += 1
                    except redis.WatchError:
                        continue
        except Exception as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert int(rr().get("counter")) == 2 * n_per_thread


def test_redis_py_transaction(r):
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").get("a").mget("a", "b")
    assert p.execute() == [True, 2, b"2", [b"2", None]]
    p = r.pipeline(transaction=True)
    p.set("s", "x").incr("s").set("t", 1)
    with pytest.raises(redis.ResponseError, match="not an integer"):
        p.execute()
    assert r.get("t") == b"1"
