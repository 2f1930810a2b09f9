"""daemonize yes: streamd goes into the background as redis-server does. The
command that starts it returns at once; the server runs in a session of its
own with its pid in the pidfile, logs to the logfile, and removes the pidfile
when it shuts down."""

import os
import subprocess
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW
from testlib.server import STREAMD_BIN, free_port

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd itself")


def wait_for(cond, what, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_daemonize(tmp_path):
    port = free_port()
    pidfile, logfile = tmp_path / "streamd.pid", tmp_path / "streamd.log"
    started = subprocess.run([STREAMD_BIN, "--port", str(port), "--dir", str(tmp_path),
                              "--daemonize", "yes", "--pidfile", str(pidfile),
                              "--logfile", str(logfile)],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=10 * SLOW)
    assert started.returncode == 0 and started.stdout == b""
    wait_for(pidfile.exists, "no pidfile")
    pid = int(pidfile.read_text())
    try:
        r = redis.Redis(port=port, socket_timeout=5 * SLOW)
        wait_for(lambda: _pings(r), "the daemon does not answer")
        assert r.info("server")["process_id"] == pid
        assert r.config_get("daemonize") == {"daemonize": "yes"}
        assert os.getsid(pid) == pid  # a session of its own
        wait_for(lambda: b"Ready to accept connections" in logfile.read_bytes(), "no log")
        try:
            r.shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass
        wait_for(lambda: not _alive(pid), "the daemon did not exit")
        assert not pidfile.exists()
    finally:
        if _alive(pid):
            os.kill(pid, 9)


def _pings(r):
    try:
        return r.ping()
    except redis.exceptions.ConnectionError:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose (its parent, init, reaps it)
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False
