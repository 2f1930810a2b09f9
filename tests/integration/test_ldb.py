"""The Lua debugger through real clients: redis-cli --ldb and
--ldb-sync-mode as a developer runs them, redis-py's SCRIPT DEBUG, and what
the server does with the children of forked sessions (reaped, and killed at
shutdown). Byte-level comparisons with redis-server 7.0 are in
tests/compat/test_ldb_diff.py.
"""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis

from testlib import IS_REDIS, encode_command as enc

REDIS_CLI = shutil.which("redis-cli")

SCRIPT = "local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nredis.debug('a is', a)\nreturn a + 1\n"


def cli_session(port, tmp_path, mode_flag, commands):
    path = tmp_path / "s.lua"
    path.write_text(SCRIPT)
    p = subprocess.run([REDIS_CLI, "-p", str(port), mode_flag, "--eval", str(path), "dk", ",", "val"],
                       input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=30)
    return p.stdout


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
def test_redis_cli_ldb_forked(server, r, tmp_path):
    out = cli_session(server.port, tmp_path, "--ldb", ["s", "p", "p a", "b 4", "c", "c"])
    assert "* Stopped at 1, stop reason = step over" in out
    assert "-> 1   local a = 1" in out
    assert "<value> a = 1" in out
    assert "<debug> line 3: \"a is\", 1" in out
    assert "->#4   return a + 1" in out
    assert "(integer) 2" in out
    assert "dataset changes rolled back" in out
    # the forked session wrote in its own copy of the dataset
    assert r.get("dk") is None


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
def test_redis_cli_ldb_sync(server, r, tmp_path):
    out = cli_session(server.port, tmp_path, "--ldb-sync-mode", ["s", "s", "c"])
    assert "<redis> set dk val" in out
    assert '<reply> "+OK"' in out
    assert "(integer) 2" in out
    assert r.get("dk") == b"val"


def test_redis_py_script_debug(r):
    assert r.execute_command("SCRIPT", "DEBUG", "NO") == b"OK"
    with pytest.raises(redis.ResponseError, match="Use SCRIPT DEBUG YES/SYNC/NO"):
        r.execute_command("SCRIPT", "DEBUG", "ON")
    assert r.execute_command("SCRIPT", "DEBUG", "YES") == b"OK"
    with pytest.raises(redis.ResponseError, match="Please use EVAL instead of EVALSHA"):
        r.evalsha(r.script_load("return 1"), 0)
    # NO turns it off again: EVAL is an ordinary call on the same connection
    assert r.execute_command("SCRIPT", "DEBUG", "NO") == b"OK"
    assert r.eval("return 40 + 2", 0) == 42
    assert b"DEBUG (YES|SYNC|NO)" in r.execute_command("SCRIPT", "HELP")


def read_until(s, marker):
    buf = b""
    while marker not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append((int(d), fields[0]))
    return kids


@pytest.mark.skipif(IS_REDIS, reason="looks at streamd's own processes")
def test_forked_sessions_reaped_and_killed(make_server):
    srv = make_server()
    pid = srv.proc.pid
    # a session that ends: its child is reaped (no zombie stays)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(enc("SCRIPT", "DEBUG", "YES"))
    read_until(s, b"+OK\r\n")
    s.sendall(enc("EVAL", "return 1", "0"))
    read_until(s, b"Stopped at 1")
    s.sendall(enc("c"))
    read_until(s, b":1\r\n")
    s.close()
    deadline = time.time() + 10
    while children_of(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert children_of(pid) == []
    # one left waiting at a stop is killed when the server shuts down
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(enc("SCRIPT", "DEBUG", "YES"))
    read_until(s, b"+OK\r\n")
    s.sendall(enc("EVAL", "return 1", "0"))
    read_until(s, b"Stopped at 1")
    kids = [k for k, state in children_of(pid)]
    assert len(kids) == 1
    c = srv.client()
    assert c.ping()
    try:
        c.shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    srv.wait_exit()
    deadline = time.time() + 10
    while os.path.exists("/proc/%d" % kids[0]) and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists("/proc/%d" % kids[0])
    s.close()
