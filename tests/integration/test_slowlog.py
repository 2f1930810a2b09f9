"""The slow log through redis-py and at its edges.

Entries, their arguments and the SLOWLOG replies are compared with
redis-server 7.0 in tests/compat/test_slowlog_diff.py; this covers a real
client's parser, the default threshold, blocked commands that time out or
are released (logged since Redis 7.2, with the time the handler ran, not the
time waited; 7.0 logs neither: streamd-only), clients that leave while
blocked, and what the AOF loader replays.
"""

import time

from testlib import streamd_only, wait_blocked


def entries(c):
    return c.call("SLOWLOG", "GET", "-1")


def test_redis_py_reads_the_slow_log(r):
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.client_setname("orders-worker")
    r.xadd("orders", {"id": "1"}, id="1-1")
    log = r.slowlog_get(2)
    assert log[0]["command"] == b"XADD orders 1-1 id 1"
    assert log[1]["command"] == b"CLIENT SETNAME orders-worker"
    assert log[0]["id"] == log[1]["id"] + 1
    assert abs(log[0]["start_time"] - time.time()) < 5
    assert r.slowlog_len() >= 2
    # redis-py 4.3 drops the address and name; they are there
    raw = r.execute_command("SLOWLOG", "GET", "1")
    assert raw[0][4].startswith(b"127.0.0.1:") and raw[0][5] == b"orders-worker"


def test_entries_carry_the_original_argument_count(r):
    """Redis 8.10's seventh field: the arguments the command had, name
    included, before the entry kept at most 32 of them."""
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.sadd("s", *["m%d" % i for i in range(31)])  # 33 arguments
    r.sadd("t", "a")
    e = r.execute_command("SLOWLOG", "GET", "2")
    assert [len(x) for x in e] == [7, 7]
    assert e[1][3][-1] == b"... (2 more arguments)" and len(e[1][3]) == 32 and e[1][6] == 33
    assert e[0][3] == [b"SADD", b"t", b"a"] and e[0][6] == 3
    # redis-py still reads the entries
    assert r.slowlog_get(1)[0]["command"] == b"SLOWLOG GET 2"


def test_default_threshold_logs_only_slow_commands(raw):
    c = raw()
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000") == b"OK"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    assert c.call("DEBUG", "SLEEP", "0.05") == b"OK"
    log = entries(c)
    assert [e[3] for e in log] == [[b"DEBUG", b"SLEEP", b"0.05"]]
    assert log[0][2] >= 50000


def test_max_len_keeps_the_newest(raw):
    c = raw()
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "3") == b"OK"
    for i in range(50):
        assert c.call("SET", "k%d" % i, "v" * 1000) == b"OK"
    log = entries(c)
    assert [e[3][:2] for e in log] == [[b"SET", b"k49"], [b"SET", b"k48"], [b"SET", b"k47"]]
    assert log[0][3][2] == b"v" * 128 + b"... (872 more bytes)"
    assert c.call("SLOWLOG", "LEN") == 3


@streamd_only
def test_blocked_commands_that_time_out_or_are_released(raw):
    c, b = raw(), raw()
    bid = b.call("CLIENT", "ID")
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
    assert c.call("XADD", "s", "1-1", "f", "v") == b"1-1"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    # timed out: logged once it replies, with the handler's time only
    assert b.call("XREAD", "BLOCK", "200", "STREAMS", "s", "$") is None
    log = entries(c)
    assert log[0][3] == [b"XREAD", b"BLOCK", b"200", b"STREAMS", b"s", b"$"]
    assert log[0][2] < 200000
    # released with CLIENT UNBLOCK: logged too
    b.send_cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    assert b.read().message.startswith(b"NOGROUP")  # no group: answered at once
    assert c.call("XGROUP", "CREATE", "s", "g", "$") == b"OK"
    b.send_cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", bid) == 1
    assert b.read() is None
    assert entries(c)[1][3] == [b"XREADGROUP", b"GROUP", b"g", b"c", b"BLOCK", b"0", b"STREAMS", b"s", b">"]


def test_a_client_that_leaves_while_blocked_is_not_logged(raw):
    c, b = raw(), raw()
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    b.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "gone", "$")
    wait_blocked(c, 1)
    b.close()
    deadline = time.time() + 10
    while b" flags=b " in bytes(c.call("CLIENT", "LIST")):
        assert time.time() < deadline
        time.sleep(0.01)
    assert all(e[3][0] != b"XREAD" for e in entries(c))


def test_aof_replay_is_not_logged(make_server):
    srv = make_server(["--appendonly", "yes"])
    c = srv.raw()
    assert c.call("XADD", "s", "1-1", "f", "v") == b"1-1"
    assert c.call("SET", "k", "v") == b"OK"
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    assert c.call("DEBUG", "LOADAOF") == b"OK"
    assert [e[3] for e in entries(c)] == [[b"DEBUG", b"LOADAOF"], [b"SLOWLOG", b"RESET"]]


@streamd_only
def test_a_long_log_gives_its_memory_back(raw):
    # the entries and the ring that held them (a fuzz run once kept a 512 KB
    # ring after SLOWLOG RESET)
    c = raw()

    def used():
        return int(bytes(c.call("INFO", "memory")).split(b"used_memory:")[1].split(b"\r\n")[0])

    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    before = used()
    assert c.call("CONFIG", "SET", "slowlog-max-len", "100000", "slowlog-log-slower-than", "0") == b"OK"
    c.send_many([("PING",)] * 20000)
    for _ in range(20000):
        c.read()
    assert c.call("SLOWLOG", "LEN") >= 20000
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1", "slowlog-max-len", "128") == b"OK"
    assert c.call("SLOWLOG", "RESET") == b"OK"
    assert used() - before < 64 * 1024


@streamd_only  # Redis 8.8's configs; 7.0 has the fixed 32 and 128
def test_entry_limits_are_configs(r):
    """slowlog-entry-max-argc (2..INT_MAX) and slowlog-entry-max-string-len
    (1..LONG_MAX), Redis 8.8: the replies of 8.8's tests/unit/slowlog.tcl."""
    assert r.config_get("slowlog-entry-max-*") == {
        "slowlog-entry-max-argc": "32", "slowlog-entry-max-string-len": "128"}
    for name, low in (("slowlog-entry-max-argc", 1), ("slowlog-entry-max-string-len", 0)):
        try:
            r.config_set(name, low)
            raise AssertionError("accepted " + name)
        except Exception as e:
            assert "argument must be between" in str(e)
    r.config_set("slowlog-log-slower-than", 0)
    try:
        r.config_set("slowlog-entry-max-argc", 2)
        r.slowlog_reset()
        r.sadd("myset", "a", "b", "c", "d")
        e = r.execute_command("SLOWLOG", "GET", "1")[0]
        assert e[3] == [b"SADD", b"... (5 more arguments)"] and e[6] == 6
        r.config_set("slowlog-entry-max-argc", 5)
        r.sadd("myset", "a", "b", "c")  # as many as the limit: kept whole
        assert r.execute_command("SLOWLOG", "GET", "1")[0][3] == [b"SADD", b"myset", b"a",
                                                                   b"b", b"c"]
        r.config_set("slowlog-entry-max-argc", 32)
        r.set("k1", "C" * 50)
        r.config_set("slowlog-entry-max-string-len", 8)
        r.mset({"k2": "v1", "k3": "C" * 50})
        r.set("k4", "B" * 8)  # as long as the limit: kept whole
        log = r.execute_command("SLOWLOG", "GET", "6")
        by_cmd = {x[3][0]: x[3] for x in log}
        assert by_cmd[b"MSET"] == [b"MSET", b"k2", b"v1", b"k3", b"CCCCCCCC... (42 more bytes)"]
        assert [b"SET", b"k4", b"B" * 8] in [x[3] for x in log]
        # the entry logged before the change keeps its 50 bytes
        assert [b"SET", b"k1", b"C" * 50] in [x[3] for x in log]
    finally:
        r.config_set("slowlog-entry-max-argc", 32)
        r.config_set("slowlog-entry-max-string-len", 128)
