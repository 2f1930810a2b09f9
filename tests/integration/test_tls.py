"""TLS on tls-port: real clients (redis-py with ssl=True, redis-cli --tls, Python's
ssl module) against streamd, and the same steps against Debian's redis-server
7.0 (built with TLS) wherever both can run them: the handshake rules of
tls-auth-clients, tls-protocols, CONFIG SET of the tls-* options (replies and
the log lines they leave), reloading a certificate, tls-port opened and closed
at run time, and start-up with a bad certificate. streamd only: OpenSSL is
mapped into the process once TLS is turned on and not before, and a library
that cannot be loaded is a clear error that leaves the server running.

Certificates are made once per module with the openssl command: a CA, a
server and a client certificate it signed, and a client certificate signed by
another CA (which verification must refuse)."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import redis

from testlib import SLOW, Server
from testlib.server import free_port

OPENSSL = shutil.which("openssl")
REDIS_CLI = shutil.which("redis-cli")

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


def _run(*args, cwd):
    subprocess.run(list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def _issue(d, name, ca, cn):
    _run(OPENSSL, "genrsa", "-out", name + ".key", "2048", cwd=d)
    csr = name + ".csr"
    _run(OPENSSL, "req", "-new", "-sha256", "-subj", "/O=streamd test/CN=" + cn, "-key",
         name + ".key", "-out", csr, cwd=d)
    _run(OPENSSL, "x509", "-req", "-sha256", "-in", csr, "-CA", ca + ".crt", "-CAkey",
         ca + ".key", "-CAcreateserial", "-days", "30", "-out", name + ".crt", cwd=d)


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="streamd-tls-")
    for ca in ("ca", "otherca"):
        _run(OPENSSL, "genrsa", "-out", ca + ".key", "2048", cwd=d)
        _run(OPENSSL, "req", "-x509", "-new", "-nodes", "-sha256", "-key", ca + ".key", "-days",
             "30", "-subj", "/O=streamd test/CN=" + ca, "-out", ca + ".crt", cwd=d)
    _issue(d, "server", "ca", "server-one")
    _issue(d, "server2", "ca", "server-two")
    _issue(d, "client", "ca", "client")
    _issue(d, "rogue", "otherca", "rogue")
    yield {n: os.path.join(d, n) for n in ("ca", "server", "server2", "client", "rogue")}
    shutil.rmtree(d, ignore_errors=True)


def tls_args(certs, port, *more):
    return ["--tls-port", port, "--tls-cert-file", certs["server"] + ".crt", "--tls-key-file",
            certs["server"] + ".key", "--tls-ca-cert-file", certs["ca"] + ".crt"] + list(more)


def start_pair(make_server, certs, *more, kinds=("streamd", "redis")):
    """A streamd and a redis-server with TLS on their own tls-ports:
    [(server, tls_port)]."""
    out = []
    for kind in kinds:
        port = free_port()
        out.append((make_server(args=tls_args(certs, port, *more), kind=kind), port))
    return out


def tls_client(port, certs, cert="client", **kw):
    kw.setdefault("socket_timeout", 10 * SLOW)
    if cert:
        kw["ssl_certfile"] = certs[cert] + ".crt"
        kw["ssl_keyfile"] = certs[cert] + ".key"
    return redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=certs["ca"] + ".crt",
                       ssl_cert_reqs="required", **kw)


def handshake(port, certs, cert="client", min_version=None, max_version=None):
    """A TLS handshake with Python's ssl module, then PING. Returns the
    reply and the server certificate's subject, or raises."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(certs["ca"] + ".crt")
    if cert:
        ctx.load_cert_chain(certs[cert] + ".crt", certs[cert] + ".key")
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
        with ctx.wrap_socket(s) as t:
            t.sendall(b"*1\r\n$4\r\nPING\r\n")
            got = b""
            while not got.endswith(b"\r\n"):
                chunk = t.recv(100)
                if not chunk:
                    break
                got += chunk
            subject = dict(x[0] for x in t.getpeercert()["subject"])
            return got, subject["commonName"], t.version()


def refused(port, certs, cert):
    """Whether the server refuses the handshake (or drops the connection
    right after it, as TLS 1.3 lets a server refuse a client certificate)."""
    try:
        got, _, _ = handshake(port, certs, cert=cert)
    except (ssl.SSLError, ConnectionError, OSError):
        return True
    return got != b"+PONG\r\n"


def wait_log(srv, text, timeout=5.0):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if text in srv.log():
            return True
        time.sleep(0.02)
    return False


# ---- commands over TLS ------------------------------------------------------


def test_commands_streams_and_big_values_over_tls(make_server, certs):
    (srv, port), = start_pair(make_server, certs, kinds=("streamd",))
    c = tls_client(port, certs)
    assert c.ping()
    ids = [c.xadd("s", {"n": i, "pad": "x" * 100}) for i in range(50)]
    assert [e[0] for e in c.xrange("s")] == ids
    c.xgroup_create("s", "g", id="0")
    got = c.xreadgroup("g", "alice", {"s": ">"}, count=50)
    assert len(got[0][1]) == 50
    assert c.xack("s", "g", *ids) == 50
    # values much larger than a TLS record (16 KB) and than one read
    big = os.urandom(3 * 1024 * 1024 + 7)
    c.set("big", big)
    assert c.get("big") == big
    assert c.strlen("big") == len(big)
    # a deep pipeline in both directions
    p = c.pipeline(transaction=False)
    for i in range(2000):
        p.xadd("p", {"i": i})
    assert len(p.execute()) == 2000
    assert c.xlen("p") == 2000
    # big arguments followed by more commands in the same pipeline: the
    # reads that end a big argument are shorter than a TLS record, so the
    # rest of the record waits inside OpenSSL with no socket event for it
    for n in (40000, 100001, 1024 * 1024 + 3):
        v = os.urandom(n)
        p = c.pipeline(transaction=False)
        p.set("a", v)
        p.get("a")
        p.set("b", v[:5000])
        p.get("b")
        p.xadd("s", {"after": n})
        res = p.execute()
        assert res[1] == v and res[3] == v[:5000]
    # the plain port serves the same data
    assert srv.client().get("big") == big
    c.close()


def test_hello_and_pubsub_over_tls(make_server, certs):
    (srv, port), = start_pair(make_server, certs, kinds=("streamd",))
    sub = tls_client(port, certs)
    ps = sub.pubsub()
    ps.subscribe("ch")
    assert ps.get_message(timeout=5)["type"] == "subscribe"
    assert srv.client().publish("ch", b"hello") == 1
    msg = None
    deadline = time.time() + 5 * SLOW
    while msg is None and time.time() < deadline:
        msg = ps.get_message(timeout=1)
    assert msg["data"] == b"hello"
    ps.close()
    c = tls_client(port, certs)
    hello = c.execute_command("HELLO", "2")
    assert hello[hello.index(b"proto") + 1] == 2
    c.close()


def test_blocked_xread_over_tls_is_woken_by_a_plain_client(make_server, certs):
    (srv, port), = start_pair(make_server, certs, kinds=("streamd",))
    import threading

    out = {}
    c = tls_client(port, certs)

    def reader():
        out["r"] = c.xread({"s": "$"}, block=10000)

    t = threading.Thread(target=reader)
    t.start()
    plain = srv.client()
    deadline = time.time() + 5 * SLOW
    while plain.info("clients")["blocked_clients"] == 0 and time.time() < deadline:
        time.sleep(0.01)
    eid = plain.xadd("s", {"k": "v"})
    t.join(10 * SLOW)
    assert out["r"][0][1][0][0] == eid


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
def test_redis_cli_over_tls(make_server, certs):
    for srv, port in start_pair(make_server, certs):
        base = [REDIS_CLI, "-p", str(port), "--tls", "--cacert", certs["ca"] + ".crt", "--cert",
                certs["client"] + ".crt", "--key", certs["client"] + ".key"]
        out = subprocess.run(base + ["XADD", "s", "1-1", "f", "v"], capture_output=True,
                             timeout=20 * SLOW)
        assert out.stdout == b"1-1\n", (srv.kind, out)
        out = subprocess.run(base + ["XRANGE", "s", "-", "+"], capture_output=True,
                             timeout=20 * SLOW)
        assert out.stdout == b"1-1\nf\nv\n", (srv.kind, out)


LDB_SCRIPT = "local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nreturn a + 1\n"


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
@pytest.mark.parametrize("mode", ["--ldb", "--ldb-sync-mode"])
def test_lua_debugger_over_tls(make_server, certs, tmp_path, mode):
    # a forked session takes the TLS connection over in the child; a
    # synchronous one reads and writes it blocking in the server
    (srv, port), = start_pair(make_server, certs, kinds=("streamd",))
    path = tmp_path / "s.lua"
    path.write_text(LDB_SCRIPT)
    p = subprocess.run([REDIS_CLI, "-p", str(port), "--tls", "--cacert", certs["ca"] + ".crt",
                        "--cert", certs["client"] + ".crt", "--key", certs["client"] + ".key",
                        mode, "--eval", str(path), "dk", ",", "val"],
                       input="s\ns\nc\n", capture_output=True, text=True, timeout=30 * SLOW)
    assert "<redis> set dk val" in p.stdout, p
    assert "(integer) 2" in p.stdout, p
    assert srv.client().get("dk") == (b"val" if mode == "--ldb-sync-mode" else None)
    assert tls_client(port, certs).ping()


# ---- the handshake's rules ----------------------------------------------------


def test_auth_clients_yes_optional_no(make_server, certs):
    for srv, port in start_pair(make_server, certs):
        assert handshake(port, certs)[0] == b"+PONG\r\n", srv.kind
        assert refused(port, certs, None), srv.kind
        assert refused(port, certs, "rogue"), srv.kind
        assert wait_log(srv, "Error accepting a client connection: "), srv.kind
        srv.client().config_set("tls-auth-clients", "optional")
        assert handshake(port, certs, cert=None)[0] == b"+PONG\r\n", srv.kind
        assert refused(port, certs, "rogue"), srv.kind
        srv.client().config_set("tls-auth-clients", "no")
        assert handshake(port, certs, cert=None)[0] == b"+PONG\r\n", srv.kind
        assert handshake(port, certs, cert="rogue")[0] == b"+PONG\r\n", srv.kind
        srv.check_alive()


def test_plain_client_on_tls_port_is_dropped_and_logged(make_server, certs):
    for srv, port in start_pair(make_server, certs):
        with socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            s.settimeout(5 * SLOW)
            try:
                data = s.recv(1024)
            except ConnectionError:
                data = b""
            assert b"PONG" not in data, srv.kind
        assert wait_log(srv, "Error accepting a client connection: "), srv.kind
        assert srv.client().ping()


def test_protocols(make_server, certs):
    for srv, port in start_pair(make_server, certs, "--tls-protocols", "TLSv1.2"):
        assert handshake(port, certs)[2] == "TLSv1.2", srv.kind
        with pytest.raises((ssl.SSLError, ConnectionError)):
            handshake(port, certs, min_version=ssl.TLSVersion.TLSv1_3)
        srv.client().config_set("tls-protocols", "TLSv1.3")
        assert handshake(port, certs)[2] == "TLSv1.3", srv.kind
        with pytest.raises((ssl.SSLError, ConnectionError)):
            handshake(port, certs, max_version=ssl.TLSVersion.TLSv1_2)


def test_ciphersuites_and_prefer_server_ciphers(make_server, certs):
    for srv, port in start_pair(make_server, certs):
        r = srv.client()
        assert r.config_set("tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
        assert r.config_set("tls-prefer-server-ciphers", "yes")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(certs["ca"] + ".crt")
        ctx.load_cert_chain(certs["client"] + ".crt", certs["client"] + ".key")
        with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
            with ctx.wrap_socket(s) as t:
                assert t.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256", srv.kind


# ---- configuration ------------------------------------------------------------

BAD_SETS = [
    ("tls-cert-file", "/nonexistent/cert.pem"),
    ("tls-key-file", "/nonexistent/key.pem"),
    ("tls-ca-cert-file", "/nonexistent/ca.pem"),
    ("tls-protocols", "TLSv9"),
    ("tls-ciphers", "NO-SUCH-CIPHER"),
    ("tls-ciphersuites", "NO_SUCH_SUITE"),
    ("tls-dh-params-file", "/nonexistent/dh.pem"),
    ("tls-auth-clients", "sometimes"),
    ("tls-port", "65536"),
    ("tls-session-cache-size", "-1"),
    ("tls-prefer-server-ciphers", "maybe"),
]

LOG_LINES = [
    "Failed to load certificate: /nonexistent/cert.pem: ",
    "Failed to load private key: /nonexistent/key.pem: ",
    "Failed to configure CA certificate(s) file/directory: ",
    "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
    "'TLSv1.3'.",
    "Failed to configure ciphers: NO-SUCH-CIPHER",
    "Failed to configure ciphersuites: NO_SUCH_SUITE",
    "Failed to load /nonexistent/dh.pem: No such file or directory",
]


def test_config_set_errors_match_redis(make_server, certs):
    replies = {}
    for srv, port in start_pair(make_server, certs):
        r = srv.client()
        got = []
        for name, value in BAD_SETS:
            try:
                got.append(r.config_set(name, value))
            except redis.ResponseError as e:
                got.append(str(e))
        replies[srv.kind] = got
        log = srv.log()
        for line in LOG_LINES:
            assert line in log, (srv.kind, line)
        # nothing changed: the old context still serves
        assert handshake(port, certs)[0] == b"+PONG\r\n", srv.kind
        assert r.config_get("tls-cert-file") == {"tls-cert-file": certs["server"] + ".crt"}
    assert replies["streamd"] == replies["redis"]
    assert all("Unable to update TLS configuration" in x or "must be" in x or "argument" in x
               for x in replies["streamd"])


def test_config_get_defaults_match_redis(make_server):
    a = make_server(kind="streamd").client()
    b = make_server(kind="redis").client()
    # (tls-auth-clients-user is Redis 8.6's)
    assert a.config_get("tls-auth-clients-user") == {"tls-auth-clients-user": "off"}
    a.config_set("tls-auth-clients-user", "CN")
    assert a.config_get("tls-auth-clients-user") == {"tls-auth-clients-user": "CN"}

    def tls_configs(c):
        got = c.config_get("tls-*")
        got.pop("tls-auth-clients-user", None)
        return got

    assert tls_configs(a) == tls_configs(b)
    # with TLS off a change is only stored: no context is built
    for r in (a, b):
        assert r.config_set("tls-protocols", "bogus")
        assert r.config_set("tls-cert-file", "/nonexistent")
        assert r.config_get("tls-protocols") == {"tls-protocols": "bogus"}
    assert tls_configs(a) == tls_configs(b)


def test_ca_required_when_clients_are_verified(make_server, certs):
    for kind in ("streamd", "redis"):
        srv = make_server(kind=kind, args=["--tls-cert-file", certs["server"] + ".crt",
                                           "--tls-key-file", certs["server"] + ".key"])
        r = srv.client()
        with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
            r.config_set("tls-port", free_port())
        assert wait_log(srv, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                             "tls-cluster, tls-replication or tls-auth-clients are enabled!")
        assert r.config_set("tls-auth-clients", "no")
        port = free_port()
        assert r.config_set("tls-port", port)
        assert handshake(port, certs, cert=None)[0] == b"+PONG\r\n", kind


def test_tls_port_opened_and_closed_at_run_time(make_server, certs):
    for kind in ("streamd", "redis"):
        srv = make_server(kind=kind, args=["--tls-cert-file", certs["server"] + ".crt",
                                           "--tls-key-file", certs["server"] + ".key",
                                           "--tls-ca-cert-file", certs["ca"] + ".crt"])
        r = srv.client()
        port = free_port()
        assert r.config_set("tls-port", port)
        assert r.config_get("tls-port") == {"tls-port": str(port)}
        c = tls_client(port, certs)
        assert c.set("k", "v")
        port2 = free_port()
        assert r.config_set("tls-port", port2)
        assert tls_client(port2, certs).get("k") == b"v"
        with pytest.raises((ConnectionError, OSError)):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        assert c.get("k") == b"v"  # a connection made before stays
        assert r.config_set("tls-port", 0)
        with pytest.raises((ConnectionError, OSError)):
            socket.create_connection(("127.0.0.1", port2), timeout=2).close()
        c.close()


def test_certificate_reload(make_server, certs):
    # CONFIG SET of the pair at once (rotation): new handshakes get the new
    # certificate, a connection made before goes on
    for srv, port in start_pair(make_server, certs):
        assert handshake(port, certs)[1] == "server-one"
        r = srv.client()
        old = tls_client(port, certs)
        assert old.ping()
        assert r.execute_command("CONFIG", "SET", "tls-cert-file", certs["server2"] + ".crt",
                                 "tls-key-file", certs["server2"] + ".key") == b"OK"
        assert handshake(port, certs)[1] == "server-two", srv.kind
        assert old.ping()
        # the same value again reloads the files (a renewed certificate)
        assert r.config_set("tls-cert-file", certs["server2"] + ".crt")
        assert handshake(port, certs)[1] == "server-two", srv.kind


def test_key_mismatch_at_set_time(make_server, certs):
    # a certificate whose key is not the configured one is refused at once
    for srv, port in start_pair(make_server, certs):
        r = srv.client()
        with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
            r.config_set("tls-cert-file", certs["server2"] + ".crt")
        assert handshake(port, certs)[1] == "server-one", srv.kind


def failed_start_log(kind, args):
    """Starts a server that must refuse to start; returns its log."""
    srv = Server(kind=kind, name="tls-bad-start", args=args)
    try:
        with pytest.raises(AssertionError):
            srv.start()
        return srv.log()
    finally:
        srv.expect_exit = True
        try:
            srv.stop()
        except AssertionError:
            pass
        srv.cleanup()


def test_bad_certificate_stops_start_up(certs):
    for kind in ("streamd", "redis"):
        log = failed_start_log(kind, ["--tls-port", free_port(), "--tls-cert-file",
                                      "/nonexistent/c.pem", "--tls-key-file",
                                      certs["server"] + ".key", "--tls-ca-cert-file",
                                      certs["ca"] + ".crt"])
        assert "Failed to load certificate: /nonexistent/c.pem: " in log, kind
        assert "Failed to configure TLS. Check logs for more info." in log, kind


# ---- replication ------------------------------------------------------------------


def wait_link_up(srv, timeout=20.0):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if srv.client().info("replication").get("master_link_status") == "up":
            return True
        time.sleep(0.05)
    return False


def wait_equal(fn, want, timeout=10.0):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if fn() == want:
            return True
        time.sleep(0.02)
    return fn() == want


def test_streamd_replica_follows_a_redis_master_over_tls(make_server, certs):
    mport = free_port()
    master = make_server(kind="redis", args=tls_args(certs, mport))
    m = master.client()
    big = os.urandom(200 * 1024)
    for i in range(50):
        m.set("big%d" % i, big)  # a payload of ~10 MB: many TLS records
    m.xadd("s", {"n": 0}, id="1-1")
    rport = free_port()
    replica = make_server(kind="streamd", args=tls_args(certs, rport) + [
        "--tls-replication", "yes", "--replicaof", "127.0.0.1", mport])
    assert wait_link_up(replica), replica.log_tail()
    r = replica.client()
    assert r.get("big49") == big
    p = m.pipeline(transaction=False)
    for i in range(2, 3000):
        p.xadd("s", {"n": i, "pad": "x" * 40}, id="%d-1" % i)
    p.execute()
    assert wait_equal(lambda: r.xlen("s"), 2999)
    assert r.xrange("s", count=2) == m.xrange("s", count=2)
    assert r.xrevrange("s", count=1) == m.xrevrange("s", count=1)
    # the link drops and comes back (CLIENT KILL of the replica on the
    # master): a partial resync over TLS
    m.client_kill_filter(_type="slave")
    m.xadd("s", {"after": "kill"}, id="5000-1")
    assert wait_equal(lambda: r.xlen("s"), 3000)
    assert wait_link_up(replica)
    assert "Partial resynchronization" in replica.log() or "+CONTINUE" in replica.log()


def test_tls_replication_needs_a_ca_as_in_redis(make_server, certs):
    for kind in ("streamd", "redis"):
        srv = make_server(kind=kind, args=["--tls-cert-file", certs["server"] + ".crt",
                                           "--tls-key-file", certs["server"] + ".key",
                                           "--tls-auth-clients", "no"])
        r = srv.client()
        with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
            r.config_set("tls-replication", "yes")
        assert r.config_get("tls-replication") == {"tls-replication": "no"}


# ---- what streamd does not do over TLS ------------------------------------------


@pytest.mark.parametrize("replica_kind", ["streamd", "redis"])
def test_replicas_of_a_streamd_master_over_tls(make_server, certs, replica_kind):
    # the full sync of a TLS replica: the child writes the RDB to a file and
    # the server sends it through the session, then the stream
    mport = free_port()
    master = make_server(kind="streamd", args=tls_args(certs, mport))
    m = master.client()
    big = os.urandom(300 * 1024)
    for i in range(30):
        m.set("big%d" % i, big)  # ~9 MB: many output-buffer refills
    for i in range(1, 200):
        m.xadd("s", {"n": i}, id="%d-1" % i)
    m.xgroup_create("s", "g", id="0")
    m.xreadgroup("g", "alice", {"s": ">"}, count=10)
    replica = make_server(kind=replica_kind, args=tls_args(certs, free_port()) + [
        "--tls-replication", "yes", "--replicaof", "127.0.0.1", mport])
    # writes while the sync runs reach the replica after the payload
    for i in range(200, 400):
        m.xadd("s", {"n": i}, id="%d-1" % i)
    assert wait_link_up(replica), replica.log_tail()
    r = replica.client()
    assert wait_equal(lambda: r.xlen("s"), 399)
    assert r.get("big29") == big
    assert r.xpending("s", "g")["pending"] == 10
    m.xadd("s", {"n": "live"}, id="1000-1")
    assert wait_equal(lambda: r.xlen("s"), 400)
    assert wait_equal(lambda: m.info("replication")["slave0"]["state"], "online")
    assert "Synchronization with replica" in master.log()
    # a partial resync over TLS after the link drops
    m.client_kill_filter(_type="slave")
    m.xadd("s", {"n": "after"}, id="1001-1")
    assert wait_equal(lambda: r.xlen("s"), 401)
    assert wait_link_up(replica)


def test_garbage_and_abandoned_handshakes(make_server, certs):
    # random bytes, a ClientHello cut short, a connection closed mid-
    # handshake or mid-command: each is dropped; the server goes on
    import random
    (srv, port), = start_pair(make_server, certs, kinds=("streamd",))
    rnd = random.Random(7)
    hello = bytes.fromhex("16030100c8010000c40303") + bytes(rnd.randrange(256) for _ in range(40))
    for i in range(60):
        with socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) as s:
            k = i % 3
            if k == 0:
                s.sendall(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000))))
            elif k == 1:
                s.sendall(hello[:rnd.randrange(1, len(hello))])
            s.settimeout(0.2)
            try:
                s.recv(4096)
            except (socket.timeout, ConnectionError):
                pass
    # a TLS client that sends half a command and goes away
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(certs["ca"] + ".crt")
    ctx.load_cert_chain(certs["client"] + ".crt", certs["client"] + ".key")
    for _ in range(10):
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW))
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nxxx")
        s.close()
    assert handshake(port, certs)[0] == b"+PONG\r\n"
    assert srv.client().dbsize() == 0
    srv.check_alive()


def test_port_change_that_cannot_bind_keeps_the_old_listeners(make_server, certs):
    # the new sockets first, then the old ones closed: a port in use is
    # refused and the server still listens where it did (as Redis)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    taken = busy.getsockname()[1]
    try:
        for srv, tport in start_pair(make_server, certs):
            r = srv.client()
            for name, current in (("port", srv.port), ("tls-port", tport)):
                with pytest.raises(redis.ResponseError, match="Unable to listen on this port"):
                    r.config_set(name, taken)
                assert r.config_get(name) == {name: str(current)}, srv.kind
                assert r.config_set(name, current)  # the same value: nothing moves
            assert r.ping()
            assert handshake(tport, certs)[0] == b"+PONG\r\n", srv.kind
    finally:
        busy.close()


# ---- OpenSSL loaded on first use (streamd only) ---------------------------------

needs_proc_maps = pytest.mark.skipif(not os.path.exists("/proc/self/maps"),
                                     reason="no /proc/<pid>/maps (not Linux)")


def openssl_mapped(srv):
    """The OpenSSL libraries mapped into the server process (file names)."""
    with open("/proc/%d/maps" % srv.proc.pid) as f:
        return sorted({os.path.basename(line.split()[-1]) for line in f
                       if "/libssl.so" in line or "/libcrypto.so" in line})


@needs_proc_maps
def test_openssl_is_mapped_only_once_tls_is_on(make_server, certs):
    srv = make_server(kind="streamd")
    r = srv.client()
    assert r.set("k", "v") and r.info("server")
    assert openssl_mapped(srv) == []
    # tls-* settings while no TLS listener or link uses them load nothing
    assert r.config_set("tls-cert-file", certs["server"] + ".crt")
    assert r.config_set("tls-key-file", certs["server"] + ".key")
    assert r.config_set("tls-ca-cert-file", certs["ca"] + ".crt")
    assert openssl_mapped(srv) == []
    port = free_port()
    assert r.config_set("tls-port", port)
    mapped = openssl_mapped(srv)
    assert any(m.startswith("libssl.so") for m in mapped), mapped
    assert any(m.startswith("libcrypto.so") for m in mapped), mapped
    c = tls_client(port, certs)
    assert c.get("k") == b"v"
    assert handshake(port, certs)[1] == "server-one"
    # closing the TLS port keeps the library (never unloaded), opening it again works
    assert r.config_set("tls-port", 0)
    port = free_port()
    assert r.config_set("tls-port", port)
    assert tls_client(port, certs).get("k") == b"v"
    c.close()


@needs_proc_maps
def test_tls_replication_setting_loads_openssl(make_server, certs):
    srv = make_server(kind="streamd", args=["--tls-cert-file", certs["server"] + ".crt",
                                            "--tls-key-file", certs["server"] + ".key",
                                            "--tls-ca-cert-file", certs["ca"] + ".crt"])
    r = srv.client()
    assert openssl_mapped(srv) == []
    assert r.config_set("tls-replication", "yes")
    assert any(m.startswith("libssl.so") for m in openssl_mapped(srv))


def test_missing_openssl_is_a_clear_error_and_the_server_goes_on(make_server, certs,
                                                                 monkeypatch):
    # STREAMD_LIBSSL names the library to load (the default is the soname of
    # the headers streamd was built with)
    monkeypatch.setenv("STREAMD_LIBSSL", "/nonexistent/libssl.so.3")
    srv = make_server(kind="streamd", args=["--tls-cert-file", certs["server"] + ".crt",
                                            "--tls-key-file", certs["server"] + ".key",
                                            "--tls-ca-cert-file", certs["ca"] + ".crt"])
    r = srv.client()
    r.set("k", "v")
    port = free_port()
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-port", port)
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'tls-port') - "
                            "Unable to update TLS configuration: OpenSSL could not be loaded. "
                            "Check server logs.")
    assert wait_log(srv, "Failed to load OpenSSL (/nonexistent/libssl.so.3, libcrypto.so.3), "
                         "TLS is unavailable: /nonexistent/libssl.so.3: cannot open shared "
                         "object file")
    assert r.config_get("tls-port") == {"tls-port": "0"}
    with pytest.raises((ConnectionError, OSError)):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(redis.ResponseError, match="OpenSSL could not be loaded"):
        r.config_set("tls-replication", "yes")
    assert r.config_get("tls-replication") == {"tls-replication": "no"}
    assert r.get("k") == b"v"
    if os.path.exists("/proc/self/maps"):
        assert not any(m.startswith("libssl.so") for m in openssl_mapped(srv))


def test_missing_openssl_stops_a_tls_start_up(certs, monkeypatch):
    monkeypatch.setenv("STREAMD_LIBSSL", "/nonexistent/libssl.so.3")
    log = failed_start_log("streamd", tls_args(certs, free_port()))
    assert "Failed to load OpenSSL (/nonexistent/libssl.so.3, libcrypto.so.3)" in log
    assert "Failed to configure TLS. Check logs for more info." in log
