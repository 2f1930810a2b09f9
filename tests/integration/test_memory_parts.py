"""DEBUG MEMORY-PARTS (streamd's own): what the server holds besides values,
part by part, in bytes. Each part follows what it names (connections'
buffers, the propagation buffer kept between commands, command and error
statistics, the slow log, the script cache, function libraries, the key
tables), and "other", what no part explains, stays small when the data comes
and goes: it is what tests/fuzz/cmd_fuzz.py's emptied-memory check bounds.
"""

import socket
import time

from testlib import SLOW, streamd_only

pytestmark = streamd_only

NAMES = ["used", "startup", "clients.count", "clients", "propagation", "aof.buffer",
         "replication.backlog", "cmdstats", "errorstats", "slowlog", "scripts", "functions",
         "hotkeys", "keyspace.tables", "other"]


def parts(c):
    if hasattr(c, "execute_command"):
        r = c.execute_command("DEBUG", "MEMORY-PARTS")
    else:
        r = c.call("DEBUG", "MEMORY-PARTS")
    if isinstance(r, list):
        r = dict(zip(r[::2], r[1::2]))
    return {bytes(k).decode(): v for k, v in r.items()}


def test_names_and_protocols(server):
    for proto in (2, 3):
        c = server.raw()
        c.call("HELLO", str(proto))
        p = parts(c)
        assert list(p) == NAMES
        assert p["clients.count"] >= 1 and p["clients"] > 0
        assert p["startup"] > 0 and p["used"] > p["startup"]
        c.close()
    c = server.client()
    try:
        c.execute_command("DEBUG", "MEMORY-PARTS", "x")
        raise AssertionError("extra argument accepted")
    except Exception as e:
        assert "unknown subcommand or wrong number of arguments for 'MEMORY-PARTS'" in str(e)
    assert any(b"MEMORY-PARTS" in line for line in c.execute_command("DEBUG", "HELP"))


def test_scripts_functions_slowlog_errors(r):
    r.script_flush()
    r.function_flush()
    r.slowlog_reset()
    r.config_resetstat()
    p0 = parts(r)
    body = "return '" + "x" * 10000 + "'"
    r.script_load(body)
    lib = "#!lua name=big\nredis.register_function('f', function() return '%s' end)" % ("y" * 8000)
    r.function_load(lib)
    r.config_set("slowlog-log-slower-than", 0)
    r.set("k", "v" * 1000)
    r.config_set("slowlog-log-slower-than", 10000)
    try:
        r.execute_command("NOSUCHCOMMAND")
    except Exception:
        pass
    p1 = parts(r)
    assert p1["scripts"] - p0["scripts"] >= 10000
    assert p1["functions"] - p0["functions"] >= 8000
    assert p1["slowlog"] > 0 and p0["slowlog"] == 0
    assert p1["errorstats"] > p0["errorstats"]
    r.script_flush()
    r.function_flush()
    r.slowlog_reset()
    r.config_resetstat()
    p2 = parts(r)
    assert p2["scripts"] == p0["scripts"] and p2["functions"] == p0["functions"]
    assert p2["slowlog"] == 0 and p2["errorstats"] <= 128  # the emptied table


def test_client_buffers(server, r):
    before = parts(r)["clients"]
    s = socket.create_connection(("127.0.0.1", server.port))
    try:
        # A command whose argument has not all arrived: its bytes wait in the
        # connection's query buffer.
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n" + b"x" * 150000)
        deadline = time.monotonic() + 5 * SLOW
        while parts(r)["clients"] - before < 150000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert parts(r)["clients"] - before >= 150000
    finally:
        s.close()
    deadline = time.monotonic() + 5 * SLOW
    while parts(r)["clients"] - before > 10000 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert parts(r)["clients"] - before <= 10000


def test_keyspace_tables_follow_the_keys_and_other_stays_small(r):
    p0 = parts(r)
    pipe = r.pipeline(transaction=False)
    for i in range(5000):
        pipe.set("key:%d" % i, "v")
        pipe.xadd("s:%d" % (i % 50), {"f": "v"})
    pipe.execute()
    p1 = parts(r)
    assert p1["keyspace.tables"] - p0["keyspace.tables"] >= 5000 * 32
    r.flushall()
    p2 = parts(r)
    assert p2["keyspace.tables"] - p0["keyspace.tables"] <= 4096
    assert abs(p2["other"] - p0["other"]) <= 64 * 1024, (p0, p2)


def test_a_big_command_does_not_leave_its_propagation_buffer(make_server):
    """Up to 64 KiB of record buffer (and 1024 records' index) is kept for
    the next command; a bigger command's buffer is freed after it (a 1 MiB
    one used to stay allocated for good)."""
    srv = make_server(["--appendonly", "yes"])
    c = srv.client()
    c.set("small", "v")
    kept = parts(c)["propagation"]
    assert 0 < kept <= 16 * 1024
    c.set("big", "x" * 600000)
    assert parts(c)["propagation"] <= 80 * 1024
    c.xadd("s", {"f": "v"})
    c.xgroup_create("s", "g", id="0")
    pipe = c.pipeline(transaction=False)
    for i in range(3000):
        pipe.xadd("s", {"f": i})
    pipe.execute()
    c.xreadgroup("g", "alice", {"s": ">"})  # one XCLAIM record per entry
    assert parts(c)["propagation"] <= 80 * 1024


def test_the_scripts_client_buffer_is_counted_and_bounded(r):
    """The scripts' fake client keeps its reply buffer up to 64 KiB."""
    script = "redis.call('GET', KEYS[1]) return 1"
    r.set("small", "v")
    r.set("big", "x" * 40000)
    r.set("huge", "x" * 1000000)
    r.eval(script, 1, "small")
    p0 = parts(r)["scripts"]
    r.eval(script, 1, "big")
    assert parts(r)["scripts"] - p0 >= 40000
    r.eval(script, 1, "huge")
    assert parts(r)["scripts"] - p0 <= 64 * 1024 + 8192


def test_hotkeys_session(r):
    r.execute_command("HOTKEYS", "RESET")
    assert parts(r)["hotkeys"] == 0
    r.execute_command("HOTKEYS", "START", "METRICS", "2", "CPU", "NET", "COUNT", "10")
    r.set("k", "v")
    running = parts(r)["hotkeys"]
    assert running > 10 * 32 * 2 * 8
    r.execute_command("HOTKEYS", "STOP")
    assert parts(r)["hotkeys"] == running  # kept for HOTKEYS GET
    r.execute_command("HOTKEYS", "RESET")
    assert parts(r)["hotkeys"] == 0
