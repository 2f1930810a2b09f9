"""Shared pytest fixtures for streamd's integration and differential tests.

Every test module gets its own fresh server process on an ephemeral port:
streamd from $STREAMD_BIN (default <repo>/build/streamd) or, with
STREAMD_TARGET=redis, Debian's redis-server, so that the tests themselves can
be validated against real Redis. A module configures its server with
module-level lists:

    SERVER_ARGS = ["--requirepass", "pw"]      # both targets
    SERVER_ARGS_STREAMD = [...]                  # streamd only
    SERVER_ARGS_REDIS = [...]                    # redis-server only
    REF_ARGS = [...]                             # the reference redis-server
                                                 # (default: SERVER_ARGS)

Fixtures
  server       module-scoped testlib.Server: .host .port .dir .kind
               .start(extra) .restart(extra=None) .kill9() .stop() .log()
               .client() .raw() .wait_exit(); a test that kill9()s it gets it
               restarted for the next test automatically.
  r            redis.Redis to `server` (decode_responses=False).
  rr           factory for more redis.Redis clients: rr(**redis_kwargs).
  raw          factory for raw RESP connections: raw(srv=None, timeout=None,
               auth=True) -> testlib.RespConn (RESP3, inline, protocol errors).
               r, rr, raw and diff start each test with FLUSHALL.
  ref_server   module-scoped Debian redis-server 7.0 (the oracle).
  ref          redis.Redis to ref_server, after FLUSHALL.
  diff         testlib.Diff between `server` and `ref_server`:
               diff(script, resp=2, norm=None) -> streamd-side replies.
  make_server  factory for extra servers for one test:
               make_server(args=(), kind=None, config_file=None) -> started Server,
               stopped (and checked) at the end of the test.

Each test runs under a watchdog (STREAMD_TEST_TIMEOUT seconds, default 60,
scaled for sanitizer builds) so a hung server fails the test instead of the
whole run. A server that exits badly or prints a sanitizer report fails the
test during which it happened (or the module's last test, at teardown), with
its log.

Test file names must be unique across tests/integration and tests/compat
(the directories are not packages).
"""

import faulthandler
import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from testlib import SLOW, TARGET, Diff, Server  # noqa: E402

TEST_TIMEOUT = int(os.environ.get("STREAMD_TEST_TIMEOUT", "60")) * SLOW
KEEP_TMP = os.environ.get("STREAMD_KEEP_TMP") == "1"


def _module_args(request, *names):
    out = []
    for n in names:
        out += [str(a) for a in getattr(request.module, n, ())]
    return out


def _server_args(request, kind):
    extra = "SERVER_ARGS_REDIS" if kind == "redis" else "SERVER_ARGS_STREAMD"
    return _module_args(request, "SERVER_ARGS", extra)


def _finish(srv):
    try:
        srv.stop()
    finally:
        if KEEP_TMP:
            print("kept server directory %s" % srv.dir)
        else:
            srv.cleanup()


def _start_or_clean(srv):
    try:
        srv.start()
    except BaseException:
        if not KEEP_TMP:
            srv.cleanup()
        raise


@pytest.fixture(scope="module")
def server(request):
    srv = Server(args=_server_args(request, TARGET), name=request.module.__name__)
    _start_or_clean(srv)
    yield srv
    _finish(srv)


@pytest.fixture(scope="module")
def ref_server(request):
    if hasattr(request.module, "REF_ARGS"):
        args = _module_args(request, "REF_ARGS")
    else:
        args = _server_args(request, "redis")
    srv = Server(kind="redis", args=args, name=request.module.__name__ + "-ref")
    _start_or_clean(srv)
    yield srv
    _finish(srv)


def _ensure_running(srv):
    if srv.expect_exit and not srv.is_running():
        srv.start()
    srv.check_alive()


@pytest.fixture
def _fresh(server):
    """The module's server, running, with every database empty."""
    _ensure_running(server)
    c = server.client()
    c.flushall()
    c.close()
    yield server
    server.check_alive()


@pytest.fixture
def r(_fresh):
    c = _fresh.client()
    yield c
    c.close()


@pytest.fixture
def rr(_fresh):
    server = _fresh
    made = []

    def factory(**kw):
        c = server.client(**kw)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@pytest.fixture
def raw(_fresh):
    server = _fresh
    made = []

    def factory(srv=None, timeout=None, auth=True):
        c = (srv or server).raw(timeout=timeout, auth=auth)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@pytest.fixture
def ref(ref_server):
    _ensure_running(ref_server)
    c = ref_server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def diff(server, ref_server, r, ref):
    d = Diff(server.raw, ref_server.raw, name_a=server.kind, name_b="redis-ref")
    yield d
    d.close()


@pytest.fixture
def make_server(request):
    made = []

    def factory(args=(), kind=None, config_file=None):
        srv = Server(kind=kind, args=args, name=request.node.name[:40], config_file=config_file)
        _start_or_clean(srv)
        made.append(srv)
        return srv

    yield factory
    errors = []
    for srv in made:
        try:
            _finish(srv)
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        raise AssertionError("\n\n".join(errors))


class _Timeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _watchdog(request):
    def on_alarm(signum, frame):
        faulthandler.dump_traceback(file=sys.stderr)
        raise _Timeout("test exceeded %ds (STREAMD_TEST_TIMEOUT)" % TEST_TIMEOUT)

    old = signal.signal(signal.SIGALRM, on_alarm)
    # @pytest.mark.watchdog(seconds): a test that runs long by design
    m = request.node.get_closest_marker("watchdog")
    signal.alarm(int(m.args[0] * SLOW) if m else TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def pytest_configure(config):
    config.addinivalue_line("markers", "watchdog(seconds): this test's own time limit")
