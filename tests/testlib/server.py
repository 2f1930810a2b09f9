"""Starting and stopping server processes for tests.

A Server is one streamd (or, under STREAMD_TARGET=redis, one Debian
redis-server) on an ephemeral port with its own temporary directory. Its
stdout and stderr go to <dir>/server.log. Stopping sends SIGTERM, waits, then
SIGKILLs; a process that exited non-zero without being asked to, or whose log
holds a sanitizer report, fails the test loudly with the log.

Why a temporary port chosen by binding port 0 and closing: neither server can
report the port it bound, and the window in which another process could take
the port is tiny; a start that fails with "Address already in use" is retried
on a fresh port.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import redis

from .resp import RespConn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("STREAMD_TARGET", "streamd")
if TARGET not in ("streamd", "redis"):
    raise RuntimeError("STREAMD_TARGET must be streamd or redis, not %r" % TARGET)
STREAMD_BIN = os.path.abspath(
    os.environ.get("STREAMD_BIN", os.path.join(REPO, "build", "streamd")))
REDIS_BIN = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
# Sanitizer builds are several times slower to start and to stop.
SLOW = 4 if ("ASAN_OPTIONS" in os.environ or "asan" in STREAMD_BIN) else 1

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "ThreadSanitizer",
    "MemorySanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(AssertionError):
    pass


class Server:
    """One server process. kind is "streamd" or "redis".

    args: extra command-line arguments (["--requirepass", "x"]), appended
    after the defaults (--port, --bind, --dir; for redis also --save '' and
    --appendonly no). config_file, when given, is passed first, as
    redis-server takes it. The directory persists across restart().
    """

    def __init__(self, kind=None, args=(), name="server", config_file=None):
        self.kind = kind or TARGET
        self.config_file = config_file
        self.base_args = [str(a) for a in args]
        self.extra_args = []
        self.name = name
        self.host = "127.0.0.1"
        self.port = None
        self.dir = tempfile.mkdtemp(prefix="streamd-test-%s-" % name)
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.log_offset = 0
        self.expect_exit = False
        self.password = None
        self.n_starts = 0
        self.n_crashes = 0
        self.death_reported = False

    # -- properties ------------------------------------------------------

    @property
    def is_streamd(self):
        return self.kind == "streamd"

    @property
    def is_redis(self):
        return self.kind == "redis"

    @property
    def args(self):
        return self.base_args + self.extra_args

    def command_line(self):
        conf = [self.config_file] if self.config_file else []
        # DEBUG is refused by default (enable-debug-command no, as Redis 7):
        # the tests use it on both servers; a test that wants the default
        # passes "--enable-debug-command", "no" after these.
        # Full syncs start at once: both default to a diskless sync that
        # waits 5 s for more replicas (repl-diskless-sync-delay, as 7.0).
        common = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                  "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"]
        if self.kind == "redis":
            return [REDIS_BIN] + conf + common + ["--save", "", "--appendonly", "no"] + self.args
        return [STREAMD_BIN] + conf + common + self.args

    # -- lifecycle -------------------------------------------------------

    def start(self, extra_args=None):
        """Starts the process (extra_args replace the previous extras when
        given) and waits until it answers PING."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("%s: already running" % self.name)
        if extra_args is not None:
            self.extra_args = [str(a) for a in extra_args]
        a = self.args
        self.password = None
        for i, v in enumerate(a[:-1]):
            if v == "--requirepass":
                self.password = a[i + 1] or None
        if self.kind == "streamd" and not os.access(STREAMD_BIN, os.X_OK):
            raise ServerError("streamd binary not found at %s (set STREAMD_BIN)" % STREAMD_BIN)
        fixed_port = self.port is not None
        for attempt in range(5):
            if not fixed_port:
                self.port = free_port()
            if self._spawn_and_wait():
                self.n_starts += 1
                return self
            if fixed_port and attempt >= 2:
                break
            time.sleep(0.05)
        raise ServerError("%s: could not start\n%s" % (self.name, self.log_tail()))

    def _spawn_and_wait(self):
        with open(self.log_path, "ab") as logf:
            self.log_offset = logf.tell()
            logf.write(("=== %s start: %s\n" % (self.name, " ".join(map(repr, self.command_line())))).encode())
            logf.flush()
            self.proc = subprocess.Popen(
                self.command_line(),
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                start_new_session=True,
            )
        self.expect_exit = False
        self.death_reported = False
        deadline = time.monotonic() + 10 * SLOW
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log()
                if "already in use" in log or "Address in use" in log:
                    return False
                raise ServerError(
                    "%s exited with status %s during start-up\n%s"
                    % (self.name, self.proc.returncode, log)
                )
            if self._ping_ok():
                return True
            time.sleep(0.01)
        self._terminate(check=False)
        raise ServerError("%s: no PONG within %ds\n%s" % (self.name, 10 * SLOW, self.log()))

    def _ping_ok(self):
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = b""
                while b"\r\n" not in data:
                    chunk = s.recv(1024)
                    if not chunk:
                        return False
                    data += chunk
                return data.startswith(b"+PONG") or data.startswith(b"-NOAUTH")
        except OSError:
            return False

    def _terminate(self, check=True, sig=signal.SIGTERM):
        p = self.proc
        if p is None:
            return None
        if p.poll() is None:
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10 * SLOW)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                if check:
                    raise ServerError(
                        "%s did not exit within %ds of SIGTERM (killed)\n%s"
                        % (self.name, 10 * SLOW, self.log())
                    )
        rc = p.returncode
        if check:
            self.check_log()
            if rc != 0 and not (sig == signal.SIGKILL and rc == -signal.SIGKILL):
                raise ServerError("%s exited with status %s\n%s" % (self.name, rc, self.log()))
        return rc

    def stop(self):
        """SIGTERM, wait, SIGKILL on timeout; fails on a bad exit or a
        sanitizer report. A process that already exited is checked too,
        unless wait_exit() or kill9() accounted for it."""
        if self.proc is None:
            return
        if self.proc.poll() is not None and not self.expect_exit:
            rc = self.proc.returncode
            self.proc = None
            raise ServerError("%s died unexpectedly (status %s)\n%s" % (self.name, rc, self.log()))
        if self.proc.poll() is not None:
            if not self.death_reported:
                self.check_log()
            self.proc = None
            return
        try:
            self._terminate(check=True)
        finally:
            self.proc = None

    def restart(self, extra_args=None):
        """stop() then start() on the same port and directory."""
        self.stop()
        return self.start(extra_args)

    def kill9(self):
        """SIGKILL, as a crash would; the data directory is kept."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.expect_exit = True
        self.check_log()

    def wait_exit(self, timeout=5.0):
        """Waits for a process that was asked to exit (SHUTDOWN); returns the
        exit status and checks the log for sanitizer reports."""
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            raise ServerError("%s still running after %.1fs" % (self.name, timeout * SLOW))
        self.expect_exit = True
        self.check_log()
        return rc

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        """Raises with the log if the process died without being asked to.

        The death is reported once: afterwards the server counts as stopped,
        so the next test starts it again instead of failing for the same
        crash (the crash belongs to the test during which it happened)."""
        if self.proc is not None and self.proc.poll() is not None and not self.expect_exit:
            self.expect_exit = True
            self.death_reported = True
            self.n_crashes += 1
            raise ServerError(
                "%s died (status %s)\n%s" % (self.name, self.proc.returncode, self.log())
            )

    def cleanup(self):
        """Stops the process if needed (without checks) and removes the dir."""
        if self.proc is not None and self.proc.poll() is None:
            self._terminate(check=False, sig=signal.SIGKILL)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- logs --------------------------------------------------------------

    def log(self):
        """The log of the current (or last) run."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def full_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=60):
        return "\n".join(self.full_log().splitlines()[-n:])

    def check_log(self):
        log = self.log()
        for m in SANITIZER_MARKERS:
            if m in log:
                raise ServerError("%s: sanitizer report in the log\n%s" % (self.name, log))

    # -- clients -------------------------------------------------------------

    def client(self, **kw):
        """A redis-py client (decode_responses=False unless given)."""
        kw.setdefault("socket_timeout", 10 * SLOW)
        kw.setdefault("socket_connect_timeout", 5)
        if self.password is not None:
            kw.setdefault("password", self.password)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def raw(self, timeout=None, auth=True):
        """A RespConn; authenticated with requirepass when the server has one
        and auth is true."""
        c = RespConn(self.host, self.port, timeout=timeout or 10 * SLOW)
        if auth and self.password is not None:
            reply = c.call("AUTH", self.password)
            if reply != b"OK":
                c.close()
                raise ServerError("AUTH failed: %r" % (reply,))
        return c

    def __repr__(self):
        return "<Server %s %s:%s>" % (self.kind, self.host, self.port)


def redis_on_aof_of(make_server, srv):
    """A redis-server 7.0 started on a copy of srv's data directory (srv
    stopped first), reading its AOF without an RDB preamble: whether 7.0
    replays streamd's records to the same state."""
    srv.stop()
    red = make_server(kind="redis", args=["--appendonly", "yes"])
    red.stop()
    shutil.rmtree(red.dir)
    shutil.copytree(srv.dir, red.dir)
    red.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    return red
