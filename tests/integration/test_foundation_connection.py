"""Foundation (issue #2): connections and the protocol.

PING/ECHO/QUIT/RESET/HELLO/AUTH, RESP3, inline commands, pipelining, the
central command checks (unknown command, arity, NOAUTH) and every protocol
limit with Redis's exact error text and the connection state Redis leaves
(closed after the reply, or open). Written against Redis 7.0's behaviour; run
with STREAMD_TARGET=redis to check the expectations themselves.
"""

import os
import socket
import time

import pytest
import redis

from testlib import (IS_REDIS, SLOW, ConnectionClosed, RespConn, RespError, Status, encode_command,
                     parse_info, parse_kv, streamd_only)

ERR_ARITY = "ERR wrong number of arguments for '%s' command"


def err(msg):
    return RespError(msg)


def expect_error_then_close(c, data, message):
    c.send(data)
    assert c.read() == err(message)
    assert c.closed_by_peer(), "connection still open after a protocol error"


# ---- PING / ECHO / QUIT / RESET -----------------------------------------


def test_ping(raw):
    c = raw()
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert c.call_raw("PING", "hello") == b"$5\r\nhello\r\n"
    assert c.call_raw("ping", "") == b"$0\r\n\r\n"
    assert c.call("PING", "a", "b") == err(ERR_ARITY % "ping")
    assert c.call("HELLO", "3")[b"proto"] == 3
    assert c.call_raw("PING") == b"+PONG\r\n"


def test_echo(raw):
    c = raw()
    assert c.call("ECHO", b"bin\x00\xff\r\n") == b"bin\x00\xff\r\n"
    assert c.call("ECHO") == err(ERR_ARITY % "echo")
    assert c.call("ECHO", "a", "b") == err(ERR_ARITY % "echo")


def test_commands_are_case_insensitive(raw):
    c = raw()
    assert c.call("sEt", "k", "v") == b"OK"
    assert c.call("gEt", "k") == b"v"


def test_quit_replies_ok_and_closes(raw):
    c = raw()
    c.send_cmd("SET", "k", "v")
    c.send_cmd("QUIT")
    c.send_cmd("GET", "k")  # never executed
    assert c.read() == b"OK"
    assert c.read() == Status(b"OK")
    assert c.closed_by_peer()


def test_reset_restores_connection_state(raw):
    c = raw()
    assert c.call("SELECT", "3") == b"OK"
    assert c.call("CLIENT", "SETNAME", "before") == b"OK"
    assert c.call("HELLO", "3")[b"proto"] == 3
    assert c.call("WATCH", "k") == b"OK"
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "k", "queued") == b"QUEUED"
    assert c.call_raw("RESET") == b"+RESET\r\n"
    # back to RESP2 (null bulk), db 0, no name, no transaction
    assert c.call_raw("GET", "k") == b"$-1\r\n"
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("EXEC") == err("ERR EXEC without MULTI")
    info = c.call("CLIENT", "INFO")
    assert b" db=0 " in info and b" resp=2" in info
    assert c.call("RESET", "x") == err(ERR_ARITY % "reset")


# ---- HELLO and RESP3 ------------------------------------------------------


def check_hello_fields(reply, proto):
    assert isinstance(reply, dict), reply
    assert list(reply.keys()) == [b"server", b"version", b"proto", b"id", b"mode", b"role",
                                  b"modules"]
    assert reply[b"server"] == b"redis"
    assert reply[b"proto"] == proto
    assert isinstance(reply[b"id"], int)
    assert reply[b"mode"] == b"standalone"
    assert reply[b"role"] == b"master"
    # the Redis 8 modules streamd builds in, as MODULE LIST names them (a
    # Redis 7.0 without modules: none)
    if IS_REDIS:
        assert reply[b"modules"] == []
        return
    mods = [m if isinstance(m, dict) else dict(zip(m[::2], m[1::2])) for m in reply[b"modules"]]
    assert sorted(m[b"name"] for m in mods) == [b"ReJSON", b"bf", b"search",
                                                              b"timeseries", b"vectorset"]


def pairs(lst):
    return dict(zip(lst[0::2], lst[1::2]))


def test_hello_2_and_3(raw):
    c = raw()
    my_id = c.call("CLIENT", "ID")
    h2 = c.call("HELLO", "2")
    assert isinstance(h2, list) and len(h2) == 14
    check_hello_fields(pairs(h2), 2)
    assert pairs(h2)[b"id"] == my_id
    c.send_cmd("HELLO", "3")
    h3, raw3 = c.read_with_raw()
    assert raw3.startswith(b"%7\r\n$6\r\nserver\r\n")
    check_hello_fields(h3, 3)
    assert h3[b"id"] == my_id
    # HELLO without a version reports the current protocol and keeps it
    assert c.call("HELLO")[b"proto"] == 3
    info = c.call("INFO", "server")
    version = [l for l in bytes(info).split(b"\r\n") if l.startswith(b"redis_version:")][0]
    assert h3[b"version"] == version.split(b":", 1)[1]
    h = c.call("HELLO", "2")
    assert isinstance(h, list) and pairs(h)[b"proto"] == 2


def test_hello_errors(raw):
    c = raw()
    assert c.call("HELLO", "4") == err("NOPROTO unsupported protocol version")
    assert c.call("HELLO", "1") == err("NOPROTO unsupported protocol version")
    assert c.call("HELLO", "x") == err("ERR Protocol version is not an integer or out of range")
    assert c.call("HELLO", "3", "FOO") == err("ERR Syntax error in HELLO option 'FOO'")
    assert c.call("HELLO", "3", "SETNAME") == err("ERR Syntax error in HELLO option 'SETNAME'")
    assert c.call("HELLO", "3", "AUTH", "u") == err("ERR Syntax error in HELLO option 'AUTH'")
    assert c.call("HELLO", "3", "SETNAME", "a b") == err(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    # a failed HELLO changes nothing
    assert c.call_raw("GET", "missing") == b"$-1\r\n"


def test_hello_setname(raw):
    c = raw()
    c.call("HELLO", "3", "SETNAME", "conn-a")
    assert c.call("CLIENT", "GETNAME") == b"conn-a"


def test_resp3_reply_types(raw):
    c = raw()
    c.call("HELLO", "3")
    assert c.call_raw("GET", "missing") == b"_\r\n"
    assert c.call_raw("SET", "a", "1") == b"+OK\r\n"
    assert c.call_raw("INCR", "a") == b":2\r\n"
    assert c.call_raw("MGET", "a", "b") == b"*2\r\n$1\r\n2\r\n_\r\n"
    assert c.call_raw("CONFIG", "GET", "maxmemory") == b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    assert c.call_raw("SET", "b", "x", "GET") == b"_\r\n"
    assert c.call_raw("SET", "b", "y", "NX") == b"_\r\n"
    assert c.call_raw("EXISTS", "a", "b") == b":2\r\n"
    # CLIENT INFO and INFO are verbatim strings in RESP3
    assert c.call_raw("CLIENT", "INFO").startswith(b"=")
    info, rawinfo = c.call("INFO", "server"), c.call_raw("INFO", "server")
    assert rawinfo.startswith(b"=") and rawinfo[rawinfo.index(b"\r\n") + 2:].startswith(b"txt:")
    assert info.format == b"txt"
    assert c.call_raw("MULTI") == b"+OK\r\n"
    assert c.call_raw("EXEC") == b"*0\r\n"
    assert c.call("FOO") == err("ERR unknown command 'FOO', with args beginning with: ")


def test_resp2_null_kinds(raw):
    c = raw()
    assert c.call_raw("GET", "missing") == b"$-1\r\n"
    assert c.call_raw("MGET", "missing") == b"*1\r\n$-1\r\n"


# ---- inline commands ------------------------------------------------------


def test_inline_commands(raw):
    c = raw()
    c.send(b"PING\r\n")
    assert c.read() == b"PONG"
    c.send(b"PING\n")  # a bare LF ends an inline command too
    assert c.read() == b"PONG"
    c.send(b"SET k \"a b\\x41\\n\"\r\nGET k\r\n")
    assert c.read() == b"OK"
    assert c.read() == b"a bA\n"
    c.send(b"SET k2 'single \\' quoted'\r\nGET k2\r\n")
    assert c.read() == b"OK"
    assert c.read() == b"single ' quoted"
    c.send(b"   \r\n\r\n  ECHO   spaced   \r\n")  # empty lines are ignored
    assert c.read() == b"spaced"
    assert c.read_available(0.05) == b""


def test_inline_unbalanced_quotes(raw):
    c = raw()
    expect_error_then_close(c, b"SET k \"abc\r\n", "ERR Protocol error: unbalanced quotes in request")


def test_inline_too_big(raw):
    c = raw()
    c.send(b"x" * (64 * 1024 + 10))
    assert c.read() == err("ERR Protocol error: too big inline request")
    assert c.closed_by_peer()


def test_inline_below_limit_waits(raw):
    c = raw()
    c.send(b"ECHO " + b"y" * (32 * 1024))
    assert c.read_available(0.1) == b""
    c.send(b"\r\n")
    assert c.read() == b"y" * (32 * 1024)


# ---- multibulk protocol errors and limits --------------------------------


@pytest.mark.parametrize("data,message", [
    (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*" + b"9" * 30 + b"\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*2\r\n+GET\r\n", "ERR Protocol error: expected '$', got '+'"),
    (b"*2\r\n$3\r\nGET\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"),
    (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$" + b"9" * 30 + b"\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*2\r\n$3\r\nGET\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"),
])
def test_protocol_errors_close(raw, data, message):
    c = raw()
    expect_error_then_close(c, data, message)


def test_protocol_error_after_good_commands(raw):
    c = raw()
    c.send(encode_command("SET", "k", "v") + b"*1\r\n$x\r\n")
    assert c.read() == b"OK"
    assert c.read() == err("ERR Protocol error: invalid bulk length")
    assert c.closed_by_peer()
    assert raw().call("GET", "k") == b"v"


def test_empty_and_negative_multibulk_are_ignored(raw):
    c = raw()
    c.send(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")
    assert c.read() == b"PONG"
    assert c.read_available(0.05) == b""


def test_huge_multibulk_count_waits(raw):
    # A count below INT_MAX is legal: the server waits for the arguments.
    c = raw()
    c.send(b"*1048577\r\n$4\r\nPING\r\n")
    assert c.read_available(0.1) == b""
    assert not c.eof
    assert raw().call("PING") == b"PONG"


def test_proto_max_bulk_len(r, raw):
    assert r.config_set("proto-max-bulk-len", "1mb")
    try:
        c = raw()
        c.send(b"*2\r\n$4\r\nECHO\r\n$1048576\r\n")  # exactly the limit: accepted
        assert c.read_available(0.05) == b""
        c.send(b"z" * 1048576 + b"\r\n")
        assert c.read() == b"z" * 1048576
        expect_error_then_close(raw(), b"*2\r\n$4\r\nECHO\r\n$1048577\r\n",
                                "ERR Protocol error: invalid bulk length")
        assert r.config_set("proto-max-bulk-len", "1000") is not True
    except redis.ResponseError as e:
        assert str(e).startswith(
            "CONFIG SET failed (possibly related to argument 'proto-max-bulk-len')")
    finally:
        r.config_set("proto-max-bulk-len", "512mb")


def test_client_query_buffer_limit_closes(r, raw):
    r.config_set("client-query-buffer-limit", "1mb")
    try:
        c = raw()
        # an argument announced at 2 MB, 1.5 MB of it sent: past the limit
        c.send(encode_command("PING") + b"*2\r\n$3\r\nGET\r\n$2000000\r\n" + b"x" * 1500000)
        assert c.read() == b"PONG"
        assert c.closed_by_peer(timeout=5 * SLOW)
        assert raw().call("PING") == b"PONG"
    finally:
        r.config_set("client-query-buffer-limit", "1gb")


def test_every_split_of_a_pipeline(raw):
    # Commands cut at every byte boundary give the same replies as one write.
    data = (encode_command("SET", "k", "abc") + b"GET k\r\n" + encode_command("APPEND", "k", "de")
            + encode_command("GET", "k"))
    c = raw()
    for cut in range(1, len(data), 3):
        c.send(data[:cut])
        time.sleep(0.001)
        c.send(data[cut:])
        assert [c.read() for _ in range(4)] == [b"OK", b"abc", 5, b"abcde"]


# ---- pipelining ------------------------------------------------------------


def test_pipeline_10000_raw(raw):
    c = raw()
    n = 10000
    cmds = []
    for i in range(n):
        if i % 3 == 0:
            cmds.append(("SET", "k%d" % (i % 100), str(i)))
        elif i % 3 == 1:
            cmds.append(("INCR", "counter"))
        else:
            cmds.append(("GET", "k%d" % ((i - 2) % 100)))
    replies = c.pipeline(cmds)
    assert len(replies) == n
    incr = 0
    for i, rep in enumerate(replies):
        if i % 3 == 0:
            assert rep == b"OK"
        elif i % 3 == 1:
            incr += 1
            assert rep == incr
        else:
            assert rep == str(i - 2).encode()
    assert c.call("GET", "counter") == str(incr).encode()


def test_pipeline_10000_redis_py(r):
    p = r.pipeline(transaction=False)
    for i in range(10000):
        p.set("p%d" % i, i)
    assert all(x is True for x in p.execute())
    assert r.dbsize() == 10000
    p = r.pipeline(transaction=False)
    for i in range(10000):
        p.get("p%d" % i)
    assert p.execute() == [str(i).encode() for i in range(10000)]


def test_pipelined_inline_and_multibulk_mix(raw):
    c = raw()
    c.send(b"PING\r\n" + encode_command("ECHO", "x") + b"ECHO y\r\n" * 100)
    assert c.read() == b"PONG"
    assert c.read() == b"x"
    assert [c.read() for _ in range(100)] == [b"y"] * 100


# ---- central command checks --------------------------------------------------


def test_unknown_command_texts(raw):
    c = raw()
    assert c.call("foo", "a") == err("ERR unknown command 'foo', with args beginning with: 'a' ")
    assert c.call("FOO") == err("ERR unknown command 'FOO', with args beginning with: ")
    assert c.call("foo", "a", "b c") == err(
        "ERR unknown command 'foo', with args beginning with: 'a' 'b c' ")
    assert c.call("foo", "x" * 200) == err(
        "ERR unknown command 'foo', with args beginning with: '%s' " % ("x" * 128))
    assert c.call("foo", "a" * 100, "b" * 100, "c") == err(
        "ERR unknown command 'foo', with args beginning with: '%s' '%s' " % ("a" * 100, "b" * 25))
    # the connection stays usable
    assert c.call("PING") == b"PONG"


def test_command_names_any_case(raw):
    """Every command is found whatever the case of its name's letters, and
    only then: a byte that is not an ASCII letter must match exactly."""
    c = raw()
    names = [n.decode() for n in c.call("COMMAND", "LIST") if b"|" not in n]
    assert len(names) > 200
    for name in names:
        want = c.call("COMMAND", "INFO", name)
        assert want[0] is not None, name
        for variant in (name.upper(), name.swapcase(), name[:1].upper() + name[1:]):
            assert c.call("COMMAND", "INFO", variant) == want, variant
    assert c.call("xAdD", "s", "1-1", "f", "v") == b"1-1"
    # near misses of every length around the word boundaries: no match
    near = ["eval\x7fro", "EVAL\x7fRO", "xadd\x00", "xadd ", "xad", "xaddx", "x\xc1dd",
            "zrangebyscor", "zrangebyscorex", "zrangebyscore_", "zremrangebyscorE_",
            "evalsha_r", "evalsha_roo", "a" * 8, "b" * 9, "c" * 15, "d" * 16, "e" * 17,
            "georadiusbymember_rq", "x" * 63, "x" * 64, "x" * 200]
    for name in near:
        assert c.call("COMMAND", "INFO", name) == [None], repr(name)
        reply = c.call(name)
        assert isinstance(reply, RespError) and "unknown command" in str(reply), repr(name)
    assert c.call("PING") == b"PONG"


def test_unknown_command_inline(raw):
    c = raw()
    c.send(b"nosuch a b\r\n")
    assert c.read() == err("ERR unknown command 'nosuch', with args beginning with: 'a' 'b' ")
    assert c.is_open()


def test_wrong_arity_texts(raw):
    c = raw()
    assert c.call("GET") == err(ERR_ARITY % "get")
    assert c.call("GET", "a", "b") == err(ERR_ARITY % "get")
    assert c.call("set", "a") == err(ERR_ARITY % "set")
    assert c.call("MSET", "a") == err(ERR_ARITY % "mset")
    assert c.call("MSET", "a", "1", "b") == err(ERR_ARITY % "mset")
    assert c.call("CONFIG", "GET") == err(ERR_ARITY % "config|get")
    assert c.call("CONFIG") == err(ERR_ARITY % "config")
    assert c.call("CONFIG", "NOPE") == err("ERR unknown subcommand 'NOPE'. Try CONFIG HELP.")
    assert c.call("CLIENT", "nope", "x") == err("ERR unknown subcommand 'nope'. Try CLIENT HELP.")
    assert c.call("OBJECT", "FOO", "x") == err("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")


def test_errors_count_in_errorstats(r, raw):
    r.config_resetstat()
    c = raw()
    c.call("GET")
    c.call("nosuch")
    stats = parse_info(c.call("INFO", "errorstats"))
    assert parse_kv(stats["errorstat_ERR"])["count"] == "2"


# ---- AUTH / requirepass ------------------------------------------------------


@pytest.fixture(scope="module")
def auth_server():
    from testlib import Server

    srv = Server(args=["--requirepass", "s3cret"], name="auth")
    srv.start()
    yield srv
    try:
        srv.stop()
    finally:
        srv.cleanup()


NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def test_auth_required(auth_server):
    c = auth_server.raw(auth=False)
    with c:
        assert c.call("GET", "a") == err(NOAUTH)
        assert c.call("PING") == err(NOAUTH)
        # an unknown command is reported as such even before AUTH
        assert c.call("nosuch") == err("ERR unknown command 'nosuch', with args beginning with: ")
        assert c.call("MULTI") == err(NOAUTH)
        assert c.call("AUTH") == err(ERR_ARITY % "auth")
        assert c.call("AUTH", "wrong") == err(WRONGPASS)
        assert c.call("AUTH", "default", "wrong") == err(WRONGPASS)
        assert c.call("AUTH", "s3cret") == b"OK"
        assert c.call("SET", "a", "1") == b"OK"
        assert c.call("AUTH", "wrong") == err(WRONGPASS)
        assert c.call("GET", "a") == b"1"  # a failed AUTH keeps the old state
        assert c.call("RESET") == b"RESET"
        assert c.call("GET", "a") == err(NOAUTH)  # RESET de-authenticates
        assert c.call("AUTH", "default", "s3cret") == b"OK"
        assert c.call("GET", "a") == b"1"
    c = auth_server.raw(auth=False)
    with c:
        assert c.call("QUIT") == b"OK"
        assert c.closed_by_peer()


def test_auth_hello(auth_server):
    with auth_server.raw(auth=False) as c:
        assert c.call("HELLO", "3") == err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time")
        assert c.call("HELLO", "3", "AUTH", "default", "wrong") == err(WRONGPASS)
        h = c.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "cn")
        assert h[b"proto"] == 3
        assert c.call("CLIENT", "GETNAME") == b"cn"
        assert c.call_raw("GET", "missing") == b"_\r\n"


def test_auth_unauthenticated_limits(auth_server):
    with auth_server.raw(auth=False) as c:
        expect_error_then_close(c, b"*11\r\n", "ERR Protocol error: unauthenticated multibulk length")
    with auth_server.raw(auth=False) as c:
        expect_error_then_close(c, b"*2\r\n$3\r\nGET\r\n$16385\r\n",
                                "ERR Protocol error: unauthenticated bulk length")
    with auth_server.raw(auth=False) as c:
        c.send(b"*10\r\n$3\r\nGET\r\n$16384\r\n")
        assert c.read_available(0.05) == b""
        assert not c.eof


def test_auth_redis_py(auth_server):
    c = auth_server.client()
    assert c.ping()
    bad = auth_server.client(password="nope")
    with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
        bad.ping()
    noauth = auth_server.client(password=None)
    with pytest.raises(redis.AuthenticationError):
        noauth.get("x")


def test_auth_without_password_configured(raw):
    c = raw()
    assert c.call("AUTH", "x") == err(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    # the default user has no password: any password authenticates it
    assert c.call("AUTH", "default", "x") == b"OK"
    assert c.call("AUTH", "nobody", "x") == err(WRONGPASS)


def test_requirepass_config_set(r, rr, raw):
    r.config_set("requirepass", "later")
    try:
        c = raw(auth=False)
        assert c.call("PING") == err(NOAUTH)
        assert c.call("AUTH", "later") == b"OK"
        # connections authenticated before the change stay authenticated
        assert r.ping()
    finally:
        r.config_set("requirepass", "")
    assert raw(auth=False).call("PING") == b"PONG"


# ---- maxclients, timeout, sockets --------------------------------------------


def test_maxclients(make_server):
    srv = make_server(["--maxclients", "2"])
    a = srv.raw()
    # the start-up probe's connection may not be reaped yet: wait until a is alone
    deadline = time.monotonic() + 2 * SLOW
    while parse_info(a.call("INFO", "clients"))["connected_clients"] != "1":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    b = srv.raw()
    assert b.call("PING") == b"PONG"
    c = srv.raw(auth=False)
    c.send(b"PING\r\n")
    assert c.read() == err("ERR max number of clients reached")
    assert c.closed_by_peer()
    a.close()
    deadline = time.monotonic() + 2 * SLOW
    while True:
        d = srv.raw()
        try:
            if d.call("PING") == b"PONG":
                break
        except ConnectionClosed:
            pass
        assert time.monotonic() < deadline, "a slot did not free up after a client left"
        time.sleep(0.02)
    d.close()
    b.close()


def test_idle_timeout_closes(raw):
    assert raw().call("CONFIG", "SET", "timeout", "1") == b"OK"
    try:
        c = raw()
        assert c.call("PING") == b"PONG"
        assert c.closed_by_peer(timeout=4 * SLOW)
    finally:
        # a new connection: every idle one, the one that set it too, is gone
        assert raw().call("CONFIG", "SET", "timeout", "0") == b"OK"


def test_unix_socket(make_server):
    path = os.path.join("/tmp", "streamd-test-%d.sock" % os.getpid())
    srv = make_server(["--unixsocket", path, "--unixsocketperm", "700"])
    with RespConn(unix_path=path) as c:
        assert c.call("SET", "u", "1") == b"OK"
        assert srv.raw().call("GET", "u") == b"1"
        assert b" flags=U " in c.call("CLIENT", "INFO")


def _has_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback")
def test_ipv6_bind(make_server):
    srv = make_server(["--bind", "127.0.0.1 ::1"])
    with socket.create_connection(("::1", srv.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
        # Redis writes an IPv6 peer as [host]:port, in CLIENT LIST / INFO and
        # in what CLIENT KILL ADDR matches
        port = s.getsockname()[1]
        s.sendall(b"CLIENT INFO\r\n")
        info = s.recv(4096)
        assert b" addr=[::1]:%d " % port in info
        assert b" laddr=[::1]:%d " % srv.port in info
    with socket.create_connection(("::1", srv.port), timeout=5) as victim:
        victim.sendall(b"PING\r\n")
        assert victim.recv(100) == b"+PONG\r\n"
        addr = "[::1]:%d" % victim.getsockname()[1]
        r = srv.client()
        assert r.execute_command("CLIENT", "KILL", "ADDR", addr) == 1
        assert victim.recv(100) == b""


def test_client_kill_self(raw):
    # a client killing itself gets the reply, then the connection closes
    c = raw()
    cid = c.call("CLIENT", "ID")
    assert c.call("CLIENT", "KILL", "ID", str(cid)) == 0  # SKIPME yes by default
    c.send(encode_command("CLIENT", "KILL", "ID", str(cid), "SKIPME", "no") + encode_command("PING"))
    assert c.read() == 1
    assert c.closed_by_peer()
    # inside MULTI the connection closes as soon as CLIENT KILL ran: what
    # EXEC still had to send is dropped after the array header and the
    # kill's own reply, as Redis does
    c = raw()
    addr = dict(f.split("=", 1) for f in c.call("CLIENT", "INFO").decode().split() if "=" in f)["addr"]
    c.send(encode_command("MULTI") + encode_command("CLIENT", "KILL", addr) + encode_command("PING") +
           encode_command("EXEC") + encode_command("PING"))
    data = b""
    s = c.sock
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n"


# ---- streamd-only ----------------------------------------------------------


@streamd_only
def test_hello_version_matches_streamd_info(raw):
    c = raw()
    h = c.call("HELLO", "3")
    info = bytes(c.call("INFO", "server"))
    assert b"streamd_version:" in info
    assert h[b"version"] in info


def test_hello_role_on_a_replica(make_server):
    """HELLO says "replica" while the server follows a master, as Redis does."""
    master = make_server()
    replica = make_server()
    c = replica.raw()
    assert c.call("HELLO", "3")[b"role"] == b"master"
    c.call("REPLICAOF", "127.0.0.1", str(master.port))
    assert c.call("HELLO", "3")[b"role"] == b"replica"
    assert c.call("HELLO", "2")[5 * 2 + 1] == b"replica"
    c.call("REPLICAOF", "NO", "ONE")
    assert c.call("HELLO", "3")[b"role"] == b"master"
    c.close()
