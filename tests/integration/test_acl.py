"""ACL through redis-py: users and AUTH, the permission checks a client
meets (commands, keys, channels, MULTI/EXEC, scripts), ACL LOG, the
default user and requirepass, DELUSER closing clients, CLIENT LIST/KILL
USER, the ACL file (ACL SAVE / ACL LOAD, at start-up) and `user` lines in
the config file. Written against Redis 7.0's behaviour; run with
STREAMD_TARGET=redis to check the expectations themselves.
"""

import hashlib
import os
import subprocess

import pytest
import redis

from testlib import IS_REDIS, STREAMD_BIN, RespError, free_port


def reset_acl(c):
    for name in c.acl_users():
        if name != "default":
            c.acl_deluser(name)
    c.execute_command("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
    c.acl_log_reset()


@pytest.fixture
def admin(server, r):
    reset_acl(r)
    yield r
    c = server.client()
    try:
        c.auth("pw")
    except redis.ResponseError:
        pass
    reset_acl(c)
    c.close()


def test_users_authenticate_and_are_limited(admin, rr):
    assert admin.acl_setuser("app", enabled=True, passwords=["+secret"], commands=["+get", "+set", "+acl|whoami",
                             "+xadd", "+xrange"], keys=["app:*"])
    app = rr(username="app", password="secret")
    assert app.acl_whoami() == "app"
    assert app.set("app:1", "v") and app.get("app:1") == b"v"
    app.xadd("app:s", {"f": "v"})
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to access one of the keys"):
        app.get("other")
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to run the 'del' command"):
        app.delete("app:1")
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):
        rr(username="app", password="wrong").ping()
    # read-only patterns: %R~ lets GET through, not SET
    admin.execute_command("ACL", "SETUSER", "app", "resetkeys", "%R~ro:*", "~app:*")
    assert app.get("ro:x") is None
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.set("ro:x", "1")
    info = admin.acl_getuser("app")
    assert info["passwords"] == [hashlib.sha256(b"secret").hexdigest()]
    assert "on" in info["flags"]


def test_rules_apply_to_clients_already_authenticated(admin, rr):
    admin.execute_command("ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    u = rr(username="u", password="p")
    assert u.set("k", "1")
    admin.execute_command("ACL", "SETUSER", "u", "-set")
    with pytest.raises(redis.exceptions.NoPermissionError):
        u.set("k", "2")
    # a transaction queued before the rules changed is checked again at EXEC
    admin.execute_command("ACL", "SETUSER", "u", "+set")
    p = u.pipeline(transaction=True)
    p.set("k", "3").get("k")
    raw = u.connection_pool.get_connection("MULTI")
    raw.send_command("MULTI")
    assert raw.read_response() == b"OK"
    raw.send_command("SET", "k", "4")
    assert raw.read_response() == b"QUEUED"
    admin.execute_command("ACL", "SETUSER", "u", "-set")
    raw.send_command("EXEC")
    res = raw.read_response()
    assert isinstance(res[0], redis.ResponseError)
    assert str(res[0]).startswith("ACLs rules changed between the moment the transaction was "
                                  "accumulated and the EXEC call.")
    u.connection_pool.release(raw)
    assert admin.get("k") == b"1"
    log = admin.acl_log()
    assert log[0]["context"] == "multi" and log[0]["object"] == "set"


def test_deluser_closes_its_clients(admin, rr, server):
    admin.execute_command("ACL", "SETUSER", "gone", "on", ">p", "+@all", "~*")
    victim = server.raw(auth=False)
    assert victim.call("AUTH", "gone", "p") == b"OK"
    assert b"user=gone" in bytes(admin.execute_command("CLIENT", "LIST", "TYPE", "normal"))
    assert admin.acl_deluser("gone") == 1
    with pytest.raises(Exception):
        victim.call("PING")
        victim.call("PING")
    victim.close()
    # and a client deleting its own user gets the reply, then is closed
    admin.execute_command("ACL", "SETUSER", "self", "on", ">p", "+@all", "~*")
    me = server.raw(auth=False)
    assert me.call("AUTH", "self", "p") == b"OK"
    assert me.call("ACL", "DELUSER", "self") == 1
    assert me.closed_by_peer()
    me.close()


def test_client_kill_user_and_info(admin, rr):
    admin.execute_command("ACL", "SETUSER", "k", "on", ">p", "+@all", "~*")
    a = rr(username="k", password="p")
    b = rr(username="k", password="p")
    a.ping(), b.ping()
    assert "user=k " in a.execute_command("CLIENT", "INFO").decode()
    with pytest.raises(redis.ResponseError, match="No such user 'nobody'"):
        admin.execute_command("CLIENT", "KILL", "USER", "nobody")
    assert admin.execute_command("CLIENT", "KILL", "USER", "k") == 2


def test_channels(admin, rr, server):
    admin.execute_command("ACL", "SETUSER", "s", "on", ">p", "+@pubsub", "&news.*")
    s = rr(username="s", password="p")
    assert s.publish("news.a", "m") == 0
    with pytest.raises(redis.exceptions.NoPermissionError, match="channels"):
        s.publish("other", "m")
    p = s.pubsub()
    with pytest.raises(redis.exceptions.NoPermissionError):
        p.psubscribe("news.*x")
        p.get_message(timeout=1)
    p.close()
    p = s.pubsub()
    p.psubscribe("news.*")
    assert p.get_message(timeout=1)["type"] == "psubscribe"
    p.close()
    # subscribers that lose a channel are disconnected; others stay
    keep, lose = server.raw(auth=False), server.raw(auth=False)
    for c, ch in ((keep, "news.a"), (lose, "news.b")):
        assert c.call("AUTH", "s", "p") == b"OK"
        assert c.call("SUBSCRIBE", ch)[0] == b"subscribe"
    admin.execute_command("ACL", "SETUSER", "s", "+ping", "resetchannels", "&news.a", "&x")
    assert lose.closed_by_peer()
    assert keep.call("PING") == [b"pong", b""]
    keep.close(), lose.close()


def test_scripts_run_as_the_caller(admin, rr):
    admin.execute_command("ACL", "SETUSER", "sc", "on", ">p", "+eval", "+get", "~a*")
    s = rr(username="sc", password="p")
    assert s.eval("return redis.call('get', 'a1')", 0) is None
    with pytest.raises(redis.ResponseError, match="can't access at least one of the keys"):
        s.eval("return redis.call('get', 'b1')", 0)
    with pytest.raises(redis.ResponseError, match="can't run this command or subcommand"):
        s.eval("return redis.call('set', 'a1', 'x')", 0)
    assert s.eval("return redis.acl_check_cmd('get', 'a1')", 0) == 1
    assert s.eval("return redis.acl_check_cmd('get', 'b1')", 0) is None
    log = admin.acl_log()
    assert [e["context"] for e in log[:2]] == ["lua", "lua"]
    assert log[0]["reason"] == "command" and log[1]["reason"] == "key"
    # the client-info of a refusal in a script is the caller's
    info = log[0]["client-info"]
    assert info["cmd"] == "eval" and info["user"] == "sc"


def test_acl_log_groups_counts_and_trims(admin, rr):
    admin.execute_command("ACL", "SETUSER", "l", "on", ">p", "+ping")
    c = rr(username="l", password="p")
    for _ in range(3):
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.get("x")
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):
        rr(username="l", password="bad").ping()
    log = admin.acl_log()
    assert [(e["reason"], e["count"]) for e in log] == [("auth", 1), ("command", 3)]
    assert log[0]["username"] == "l" and log[1]["object"] == "get"
    assert len(admin.acl_log(count=1)) == 1
    admin.config_set("acllog-max-len", 1)  # trimmed at the next entry
    assert len(admin.acl_log()) == 2
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.set("x", "1")
    assert [e["object"] for e in admin.acl_log()] == ["set"]
    admin.config_set("acllog-max-len", 128)
    assert admin.acl_log_reset() and admin.acl_log() == []


def test_requirepass_is_the_default_users_password(admin, server):
    admin.config_set("requirepass", "pw")
    assert admin.acl_getuser("default")["passwords"] == [hashlib.sha256(b"pw").hexdigest()]
    c = server.raw(auth=False)
    assert c.call("PING") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "pw") == b"OK"
    assert c.call("ACL", "WHOAMI") == b"default"
    # RESET: back to the default user, authenticated only if it needs no password
    assert c.call("RESET") == b"RESET"
    assert c.call("PING") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "default", "pw") == b"OK"
    assert c.call("CONFIG", "SET", "requirepass", "") == b"OK"
    assert "nopass" in admin.acl_getuser("default")["flags"]
    c.close()
    # a default user turned off makes new clients authenticate too
    admin.execute_command("ACL", "SETUSER", "other", "on", ">o", "+@all", "~*", "&*")
    admin.execute_command("ACL", "SETUSER", "default", "off")
    c = server.raw(auth=False)
    assert c.call("PING") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "default", "x") == RespError(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", "other", "o") == b"OK"
    assert c.call("ACL", "SETUSER", "default", "on") == b"OK"
    c.close()


@pytest.mark.skipif(IS_REDIS, reason="starts streamd binaries")
def test_acl_file_save_load_and_startup(make_server, tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user alice on >pw ~a* +get\n")
    srv = make_server(["--aclfile", str(path)])
    c = srv.client()
    assert c.acl_users() == ["alice", "default"]
    assert c.execute_command("ACL", "SETUSER", "bob", "on", ">x", "+@all") == b"OK"
    assert c.execute_command("ACL", "SETUSER", "sel", "+get", "~a*", "(+set ~b* &c)") == b"OK"
    assert c.execute_command("ACL", "SAVE") == b"OK"
    lines = path.read_text().splitlines()
    assert lines == [
        "user alice on #%s ~a* resetchannels -@all +get" % hashlib.sha256(b"pw").hexdigest(),
        "user bob on #%s resetchannels +@all" % hashlib.sha256(b"x").hexdigest(),
        "user default on nopass ~* &* +@all",
        "user sel off ~a* resetchannels -@all +get (~b* resetchannels &c -@all +set)",
    ]
    listed = c.acl_list()
    assert c.execute_command("ACL", "LOAD") == b"OK"
    assert c.acl_list() == listed
    bob = srv.client(username="bob", password="x")
    assert bob.ping()
    # a file with errors changes nothing and names every bad line
    path.write_text("user alice on >pw +nosuch\nfoo\nuser carol allkeys ~x\n")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("ACL", "LOAD")
    msg = str(e.value)
    assert "%s:1: Error in applying operation '+nosuch': Unknown command or category name in " \
        "ACL." % path in msg
    assert "%s:2 should start with user keyword followed by the username." % path in msg
    assert msg.endswith("WARNING: ACL errors detected, no change to the previously active ACL "
                        "rules was performed")
    assert c.acl_users() == ["alice", "bob", "default", "sel"]
    # a good file replaces the users; bob's clients are closed
    path.write_text("user carol on nopass ~* +@all\n")
    assert c.execute_command("ACL", "LOAD") == b"OK"
    assert c.acl_users() == ["carol", "default"]
    assert b"user=bob" not in bytes(c.execute_command("CLIENT", "LIST"))
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):  # reconnects: bob is gone
        bob.execute_command("PING")
    # a bad file at start-up stops the server with the errors
    path.write_text("user x +nosuch\n")
    out = subprocess.run([STREAMD_BIN, "--port", str(free_port()), "--aclfile", str(path)],
                         capture_output=True, text=True, timeout=10, cwd=str(tmp_path))
    assert out.returncode != 0
    assert "Unknown command or category name in ACL" in out.stderr


@pytest.mark.skipif(IS_REDIS, reason="starts streamd binaries")
def test_user_lines_in_the_config_file(make_server, tmp_path):
    conf = tmp_path / "streamd.conf"
    conf.write_text("user worker on >w ~jobs:* +@stream\nuser default on nopass ~* &* +@all\n")
    srv = make_server(config_file=str(conf))
    c = srv.client()
    assert c.acl_users() == ["default", "worker"]
    w = srv.client(username="worker", password="w")
    w.xadd("jobs:1", {"a": "b"})
    with pytest.raises(redis.exceptions.NoPermissionError):
        w.xadd("other", {"a": "b"})
    # CONFIG REWRITE writes the users as they are now, in the places of the
    # user lines, in name order, the rest at the end
    c.execute_command("ACL", "SETUSER", "carol", "on", "(+get ~x)")
    assert c.config_rewrite()
    users = [l for l in conf.read_text().splitlines() if l.startswith("user ")]
    assert users == [
        "user carol on resetchannels -@all (~x resetchannels -@all +get)",
        "user default on nopass sanitize-payload ~* &* +@all",  # a configured user starts from reset
        "user worker on #%s ~jobs:* resetchannels -@all +@stream" % hashlib.sha256(b"w").hexdigest(),
    ]
    assert conf.read_text().startswith("user carol ")
    # users in the config file and an aclfile at once: refused at start-up
    conf.write_text("user worker on >w\naclfile %s\n" % (tmp_path / "x.acl"))
    out = subprocess.run([STREAMD_BIN, str(conf), "--port", str(free_port())],
                         capture_output=True, text=True, timeout=10, cwd=str(tmp_path))
    assert out.returncode != 0 and "ACL file" in out.stderr
