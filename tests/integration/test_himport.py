"""HIMPORT (Redis 8.10): PREPARE / SET / DISCARD / DISCARDALL, the fieldsets
a connection holds, and what the hashes it creates look like to everyone
else (readers, notifications, MULTI, scripts, the AOF, a replica, Redis 7.0
loading the AOF).

The oracle is Redis 8.10's documentation and test suite (redis-server 7.0
has no HIMPORT): the error texts, the replies, RESTORE ... REPLACE as the
propagated form, fields in the compact-hash order (length, then bytes).
Fieldsets belong to a connection, so every client here is a single
connection (redis-py's pool would hand out another one).
"""

import os

import pytest

from testlib import redis_on_aof_of, streamd_only, wait_for
from testlib.notifylib import drain, flags, sub  # noqa: F401

pytestmark = streamd_only


def err(fn, *args):
    with pytest.raises(Exception) as e:
        fn(*args)
    return str(e.value)


@pytest.fixture
def c(rr):
    return rr(single_connection_client=True)


def hi(conn, *args):
    return conn.execute_command("HIMPORT", *args)


def test_prepare_set_read_back(c, rr, raw):
    assert hi(c, "PREPARE", "u", "name", "email", "age") == b"OK"
    assert hi(c, "SET", "user:1", "u", "alice", "alice@example.com", "30") == b"OK"
    assert hi(c, "SET", "user:2", "u", "bob", "bob@example.com", "25") == b"OK"
    other = rr()
    ordered = raw()
    assert other.type("user:1") == b"hash"
    assert other.hget("user:2", "name") == b"bob"
    # the compact hash's order: by length, then bytes
    assert ordered.call("HGETALL", "user:1") == [
        b"age", b"30", b"name", b"alice", b"email", b"alice@example.com"]
    assert hi(c, "PREPARE", "fs", "f1", "f2", "3") == b"OK"
    assert hi(c, "SET", "k", "fs", "v1", "v2", "3") == b"OK"
    assert ordered.call("HGETALL", "k") == [b"3", b"3", b"f1", b"v1", b"f2", b"v2"]
    assert other.hkeys("k") == [b"3", b"f1", b"f2"]
    # binary names and values, an empty field name, an empty fieldset name
    assert hi(c, "PREPARE", "", b"\x00\xff", "", "b") == b"OK"
    assert hi(c, "SET", "bin", "", b"v\r\n", "empty", b"") == b"OK"
    assert other.hgetall("bin") == {b"\x00\xff": b"v\r\n", b"": b"empty", b"b": b""}
    assert ordered.call("HKEYS", "bin") == [b"", b"b", b"\x00\xff"]
    # one field
    assert hi(c, "PREPARE", "one", "f") == b"OK"
    assert hi(c, "SET", "k1", "one", "v") == b"OK"
    assert other.hgetall("k1") == {b"f": b"v"}


def test_big_fieldset_becomes_a_table(c, r):
    fields = ["f%03d" % i for i in range(600)]
    assert hi(c, "PREPARE", "wide", *fields) == b"OK"
    assert hi(c, "SET", "w", "wide", *["v%d" % i for i in range(600)]) == b"OK"
    assert r.hlen("w") == 600
    assert r.hget("w", "f599") == b"v599"
    assert r.object("encoding", "w") == b"hashtable"
    assert hi(c, "PREPARE", "big", "a", "b") == b"OK"
    assert hi(c, "SET", "b", "big", "x" * 100, "y") == b"OK"
    assert r.object("encoding", "b") == b"hashtable"
    assert r.hget("b", "a") == b"x" * 100


def test_errors(c, r):
    assert err(hi, c) == "wrong number of arguments for 'himport' command"
    assert err(hi, c, "foobar") == "unknown subcommand 'foobar'. Try HIMPORT HELP."
    for args, name in ((("PREPARE",), "prepare"), (("PREPARE", "fs"), "prepare"),
                       (("SET",), "set"), (("SET", "k"), "set"), (("SET", "k", "fs"), "set"),
                       (("DISCARD",), "discard"), (("DISCARD", "a", "b"), "discard"),
                       (("DISCARDALL", "x"), "discardall")):
        assert err(hi, c, *args) == (
            "wrong number of arguments for 'himport|%s' command" % name), args
    for fields in (("a", "a", "b"), ("a", "b", "a"), ("same", "same")):
        assert err(hi, c, "PREPARE", "fs1", *fields) == "duplicate field name in fieldset"
    assert err(hi, c, "SET", "k", "fs1", "v1", "v2", "v3") == "no such fieldset"
    # a refused PREPARE leaves the definition it would have replaced
    assert hi(c, "PREPARE", "keep", "x", "y") == b"OK"
    assert err(hi, c, "PREPARE", "keep", "q", "q") == "duplicate field name in fieldset"
    assert hi(c, "SET", "k", "keep", "1", "2") == b"OK"
    assert err(hi, c, "SET", "k", "keep", "1") == (
        "value count does not match fieldset field count")
    assert err(hi, c, "SET", "k", "keep", "1", "2", "3") == (
        "value count does not match fieldset field count")
    assert r.hgetall("k") == {b"x": b"1", b"y": b"2"}
    # WRONGTYPE comes first (before the fieldset is looked up) and changes nothing
    r.set("str", "string value")
    assert err(hi, c, "SET", "str", "keep", "a", "b").startswith("WRONGTYPE")
    assert err(hi, c, "SET", "str", "nosuch", "a").startswith("WRONGTYPE")
    assert r.get("str") == b"string value"
    # an error does not end the session
    assert hi(c, "SET", "k2", "keep", "3", "4") == b"OK"


def test_set_replaces_the_key_and_its_ttl(c, r):
    r.hset("h", mapping={"old": "1", "name": "zed"})
    r.expire("h", 1000)
    r.execute_command("HEXPIRE", "h", 1000, "FIELDS", 1, "old")
    assert hi(c, "PREPARE", "user", "name", "email") == b"OK"
    assert hi(c, "SET", "h", "user", "dave", "dave@example.com") == b"OK"
    assert r.hgetall("h") == {b"name": b"dave", b"email": b"dave@example.com"}
    assert r.ttl("h") == -1
    assert r.execute_command("HTTL", "h", "FIELDS", 1, "name") == [-1]
    # PREPARE under an existing name replaces the definition
    assert hi(c, "PREPARE", "user", "city", "country", "zip") == b"OK"
    assert err(hi, c, "SET", "h", "user", "a", "b") == (
        "value count does not match fieldset field count")
    assert hi(c, "SET", "h", "user", "Paris", "France", "75") == b"OK"
    assert r.hgetall("h") == {b"city": b"Paris", b"country": b"France", b"zip": b"75"}


def test_watch_and_dirty(c, r, rr):
    w = rr(single_connection_client=True)
    w.execute_command("WATCH", "k")
    w.execute_command("MULTI")
    w.execute_command("SET", "other", "1")
    assert hi(c, "PREPARE", "fs", "a") == b"OK"
    before = r.info("persistence")["rdb_changes_since_last_save"]
    assert hi(c, "SET", "k", "fs", "1") == b"OK"
    assert r.info("persistence")["rdb_changes_since_last_save"] == before + 1
    assert w.execute_command("EXEC") is None
    assert r.get("other") is None


def test_discard_and_discardall(c, r):
    assert hi(c, "DISCARD", "none") == 0
    assert hi(c, "DISCARDALL") == 0
    assert hi(c, "PREPARE", "fs", "a", "b", "c") == b"OK"
    assert hi(c, "SET", "k", "fs", "1", "2", "3") == b"OK"
    assert hi(c, "DISCARD", "fs") == 1
    assert hi(c, "DISCARD", "fs") == 0
    assert r.hgetall("k") == {b"a": b"1", b"b": b"2", b"c": b"3"}
    assert err(hi, c, "SET", "k2", "fs", "1", "2", "3") == "no such fieldset"
    for name in ("fs1", "fs2", "fs3"):
        assert hi(c, "PREPARE", name, "x", "y") == b"OK"
    assert hi(c, "DISCARDALL") == 3
    assert hi(c, "DISCARDALL") == 0
    for name in ("fs1", "fs2", "fs3"):
        assert err(hi, c, "SET", "k", name, "1", "2") == "no such fieldset"


def tot_mem(conn):
    info = conn.execute_command("CLIENT", "INFO").decode()
    return int(info.split("tot-mem=")[1].split()[0])


def test_fieldsets_belong_to_the_connection(c, rr):
    other = rr(single_connection_client=True)
    assert hi(c, "PREPARE", "fs", "a", "b") == b"OK"
    assert err(hi, other, "SET", "k", "fs", "1", "2") == "no such fieldset"
    assert hi(other, "DISCARD", "fs") == 0
    assert hi(c, "SET", "k", "fs", "1", "2") == b"OK"
    # RESET drops them
    assert c.execute_command("RESET") in ("RESET", b"RESET")
    assert err(hi, c, "SET", "k", "fs", "1", "2") == "no such fieldset"
    assert hi(c, "DISCARDALL") == 0
    # they count in the client's memory, and leave it when discarded
    base = tot_mem(c)
    for i in range(50):
        assert hi(c, "PREPARE", "fs%d" % i, *["field_%d_%d" % (i, f) for f in range(64)]) == b"OK"
    grown = tot_mem(c)
    assert grown - base > 50 * 64 * 8
    assert hi(c, "DISCARD", "fs0") == 1
    assert tot_mem(c) < grown
    assert hi(c, "DISCARDALL") == 49
    assert tot_mem(c) < base + 2048  # the query buffer may have grown meanwhile
    assert hi(c, "PREPARE", "again", "a") == b"OK"
    assert hi(c, "DISCARD", "again") == 1
    assert tot_mem(c) < base + 2048
    # a connection that goes away takes its fieldsets (ASan: nothing leaks)
    gone = rr(single_connection_client=True)
    assert hi(gone, "PREPARE", "fs", "a") == b"OK"
    gone.close()


def test_fieldsets_count_for_client_eviction(c, r):
    """A connection whose fieldsets pass maxmemory-clients is evicted (8.10's
    tests evict through fieldsets too); a small one next to it stays."""
    small = c
    assert hi(small, "PREPARE", "s", "a") == b"OK"
    big = r.connection_pool.get_connection("HIMPORT")  # one connection of its own
    big.send_command("CLIENT", "SETNAME", "big")
    assert big.read_response() == b"OK"
    r.config_set("maxmemory-clients", "1mb")
    try:
        for i in range(200):
            big.send_command("HIMPORT", "PREPARE", "fs%d" % i,
                             *["field_%d_%d_%s" % (i, f, "x" * 40) for f in range(100)])
            try:
                big.read_response()
            except Exception:
                break
            if i % 10 == 9 and b"name=big" not in r.execute_command("CLIENT", "LIST"):
                break
        assert b"name=big" not in r.execute_command("CLIENT", "LIST")
        assert r.info("stats")["evicted_clients"] >= 1
        assert hi(small, "SET", "k", "s", "1") == b"OK"
    finally:
        r.config_set("maxmemory-clients", 0)
        big.disconnect()


def test_multi_exec(r, raw):
    c = raw()
    assert c.call("MULTI") == b"OK"
    for args in (("PREPARE", "fs", "a", "b", "c"), ("SET", "key", "fs", "v1", "v2", "v3"),
                 ("SET", "key2", "nosuch", "v1"), ("DISCARD", "fs")):
        assert c.call("HIMPORT", *args) == b"QUEUED"
    out = c.call("EXEC")
    assert out[:2] == [b"OK", b"OK"] and out[3] == 1
    assert str(out[2]) == "ERR no such fieldset"
    assert r.hgetall("key") == {b"a": b"v1", b"b": b"v2", b"c": b"v3"}
    assert c.call("HIMPORT", "PREPARE", "fs1", "a") == b"OK"
    assert c.call("HIMPORT", "PREPARE", "fs2", "b") == b"OK"
    assert c.call("MULTI") == b"OK"
    assert c.call("HIMPORT", "DISCARDALL") == b"QUEUED"
    assert c.call("EXEC") == [2]
    assert str(c.call("HIMPORT", "SET", "k", "fs1", "1")) == "ERR no such fieldset"
    # queued commands see the fieldsets as EXEC runs them
    assert c.call("MULTI") == b"OK"
    assert c.call("HIMPORT", "SET", "k", "late", "1") == b"QUEUED"
    assert c.call("HIMPORT", "PREPARE", "late", "f") == b"QUEUED"
    assert c.call("HIMPORT", "SET", "k", "late", "2") == b"QUEUED"
    out = c.call("EXEC")
    assert str(out[0]) == "ERR no such fieldset" and out[1:] == [b"OK", b"OK"]
    assert r.hgetall("k") == {b"f": b"2"}
    # an arity error is queued as refused: EXECABORT
    assert c.call("MULTI") == b"OK"
    assert "wrong number of arguments" in str(c.call("HIMPORT", "DISCARD"))
    assert str(c.call("EXEC")).startswith("EXECABORT")


def test_scripts_get_fresh_fieldsets(c, r):
    assert c.eval("redis.call('HIMPORT','PREPARE','fs','a'); return 'OK'", 0) == b"OK"
    assert "no such fieldset" in err(c.eval, "return redis.call('HIMPORT','SET','k','fs','1')", 0)
    # nor does the caller's own connection lend its fieldsets to its scripts
    assert hi(c, "PREPARE", "mine", "a") == b"OK"
    assert "no such fieldset" in err(c.eval, "return redis.call('HIMPORT','SET','k','mine','1')",
                                     0)
    assert c.eval("redis.call('HIMPORT','PREPARE','fs','a')\n"
                  "return redis.call('HIMPORT','SET',KEYS[1],'fs','1')", 1, "k") == b"OK"
    assert r.hgetall("k") == {b"a": b"1"}
    c.execute_command("FUNCTION", "LOAD", "REPLACE", "#!lua name=himporttest\n"
                      "redis.register_function('prep', function(k, a)\n"
                      "  return redis.call('HIMPORT','PREPARE','fs','a') end)\n"
                      "redis.register_function('set1', function(k, a)\n"
                      "  return redis.call('HIMPORT','SET',k[1],'fs','2') end)\n"
                      "redis.register_function('both', function(k, a)\n"
                      "  redis.call('HIMPORT','PREPARE','fs','b')\n"
                      "  return redis.call('HIMPORT','SET',k[1],'fs','3') end)\n")
    assert c.execute_command("FCALL", "prep", 0) == b"OK"
    assert "no such fieldset" in err(c.execute_command, "FCALL", "set1", 1, "k")
    assert c.execute_command("FCALL", "both", 1, "k") == b"OK"
    assert r.hgetall("k") == {b"b": b"3"}
    c.execute_command("FUNCTION", "FLUSH")


def test_notifications(c, r, flags, sub):  # noqa: F811
    flags("KEhgno")
    r.hset("old", "x", "1")
    drain(r, sub)
    assert hi(c, "PREPARE", "fs", "name", "id") == b"OK"
    assert hi(c, "SET", "new", "fs", "n", "1") == b"OK"
    assert hi(c, "SET", "old", "fs", "n", "2") == b"OK"
    assert hi(c, "DISCARD", "fs") == 1
    got = drain(r, sub)
    assert got == [
        (b"__keyspace@0__:new", b"new"), (b"__keyevent@0__:new", b"new"),
        (b"__keyspace@0__:new", b"hset"), (b"__keyevent@0__:hset", b"new"),
        (b"__keyspace@0__:old", b"overwritten"), (b"__keyevent@0__:overwritten", b"old"),
        (b"__keyspace@0__:old", b"hset"), (b"__keyevent@0__:hset", b"old")]


def test_subkey_notification_names_the_fields(c, r, flags, sub):  # noqa: F811
    flags("Th")
    assert hi(c, "PREPARE", "fs", "name", "id") == b"OK"
    assert hi(c, "SET", "k", "fs", "n", "1") == b"OK"
    got = drain(r, sub)
    assert len(got) == 1 and got[0][0] == b"__subkeyevent@0__:hset"
    assert b"id" in got[0][1] and b"name" in got[0][1]


def incr_aof(srv):
    d = os.path.join(srv.dir, "appendonlydir")
    out = b""
    for name in sorted(os.listdir(d)):
        if ".incr." in name:
            with open(os.path.join(d, name), "rb") as f:
                out += f.read()
    return out


def test_aof_restart_and_redis_7_loads_it(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.client(single_connection_client=True)
    c.hset("plain", "x", "1")
    c.set("was-string", "s")
    c.expire("plain", 100000)
    assert hi(c, "PREPARE", "fs", "name", "email", "age") == b"OK"
    assert hi(c, "SET", "u1", "fs", "alice", "a@x", "30") == b"OK"
    assert hi(c, "SET", "plain", "fs", "bob", "b@x", "40") == b"OK"
    assert hi(c, "PREPARE", "wide", *["f%d" % i for i in range(300)]) == b"OK"
    assert hi(c, "SET", "w", "wide", *["v%d" % i for i in range(300)]) == b"OK"
    m = srv.raw()
    assert m.call("HIMPORT", "PREPARE", "fs", "name", "email", "age") == b"OK"
    assert m.call("MULTI") == b"OK"
    assert m.call("HIMPORT", "SET", "m", "fs", "carol", "c@x", "50") == b"QUEUED"
    assert m.call("EXEC") == [b"OK"]
    assert hi(c, "DISCARDALL") == 2
    aof = incr_aof(srv)
    assert b"HIMPORT" not in aof.upper()
    assert b"$7\r\nRESTORE\r\n$2\r\nu1\r\n$1\r\n0\r\n" in aof
    assert aof.count(b"$7\r\nREPLACE\r\n") == 4
    keys = ["u1", "plain", "w", "m"]
    want = {k: c.hgetall(k) for k in keys}
    assert want["plain"] == {b"name": b"bob", b"email": b"b@x", b"age": b"40"}
    assert c.ttl("plain") == -1
    order = srv.raw().call("HGETALL", "u1")
    assert order == [b"age", b"30", b"name", b"alice", b"email", b"a@x"]
    srv.restart()
    c = srv.client()
    assert {k: c.hgetall(k) for k in keys} == want
    assert srv.raw().call("HGETALL", "u1") == order
    assert c.ttl("plain") == -1
    # Redis 7.0 replays the same records to the same state
    red = redis_on_aof_of(make_server, srv)
    rc = red.client()
    assert {k: rc.hgetall(k) for k in keys} == want


def test_replica_gets_the_hashes(make_server):
    master = make_server()
    replica = make_server()
    m = master.client(single_connection_client=True)
    rep = replica.client()
    assert hi(m, "PREPARE", "fs", "f1", "f2", "f3") == b"OK"
    assert hi(m, "SET", "before", "fs", "1", "2", "3") == b"OK"
    assert rep.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    wait_for(lambda: rep.info("replication").get("master_link_status") == "up", "link up")
    big = "x" * 100
    assert hi(m, "SET", "after", "fs", "4", big, "6") == b"OK"
    m.set("s", "1")
    assert hi(m, "SET", "before", "fs", "7", "8", "9") == b"OK"
    m.set("sentinel", "1")
    wait_for(lambda: rep.exists("sentinel"), "replicated")
    for k in ("before", "after"):
        assert rep.hgetall(k) == m.hgetall(k)
    # a packed hash in the same (compact-hash) order; a table has its own
    assert replica.raw().call("HGETALL", "before") == [b"f1", b"7", b"f2", b"8", b"f3", b"9"]
    assert rep.hget("after", "f2") == big.encode()
    # the replica has no fieldsets and runs no HIMPORT
    assert rep.info("commandstats").get("cmdstat_himport|set") is None
    assert rep.info("commandstats")["cmdstat_restore"]["calls"] == 2


def test_command_metadata_and_acl(c, r, raw):
    conn = raw()
    info = conn.call("COMMAND", "INFO", "himport")[0]
    assert info[:7] == [b"himport", -2, [], 0, 0, 0, [b"@hash", b"@slow"]]
    subs = {e[0]: e for e in info[9]}
    assert sorted(subs) == [b"himport|discard", b"himport|discardall", b"himport|prepare",
                            b"himport|set"]
    assert subs[b"himport|prepare"][1:7] == [-4, [b"denyoom"], 0, 0, 0, [b"@hash", b"@slow"]]
    assert subs[b"himport|set"][1:7] == [-5, [b"write", b"denyoom"], 2, 2, 1,
                                         [b"@write", b"@hash", b"@slow"]]
    assert subs[b"himport|discard"][1:3] == [3, []]
    assert subs[b"himport|discardall"][1:3] == [2, []]
    assert subs[b"himport|prepare"][7] == [b"request_policy:all_shards"]
    assert conn.call("COMMAND", "GETKEYSANDFLAGS", "HIMPORT", "SET", "k", "fs", "v") == [
        [b"k", [b"OW", b"update"]]]
    # SET's own GET rule is not HIMPORT SET's
    assert conn.call("COMMAND", "GETKEYSANDFLAGS", "HIMPORT", "SET", "k", "fs", "GET") == [
        [b"k", [b"OW", b"update"]]]
    docs = conn.call("COMMAND", "DOCS", "himport|set")
    d = dict(zip(docs[1][::2], docs[1][1::2]))
    assert d[b"since"] == b"8.10.0" and d[b"group"] == b"hash"
    r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "+@all", "~app:*")
    app = r.__class__(host=r.connection_pool.connection_kwargs["host"],
                      port=r.connection_pool.connection_kwargs["port"], username="app",
                      password="pw", single_connection_client=True)
    try:
        assert hi(app, "PREPARE", "fs", "a") == b"OK"
        assert hi(app, "SET", "app:1", "fs", "1") == b"OK"
        assert "no permissions to access one of the keys" in err(hi, app, "SET", "x", "fs", "1")
        r.execute_command("ACL", "SETUSER", "app", "-@hash")
        assert "no permissions to run the 'himport|prepare' command" in err(
            hi, app, "PREPARE", "fs", "a")
    finally:
        app.close()
        r.execute_command("ACL", "DELUSER", "app")


def test_replica_refuses_set_but_takes_prepare(make_server):
    master = make_server()
    replica = make_server()
    rep = replica.client(single_connection_client=True)
    assert rep.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    wait_for(lambda: rep.info("replication").get("master_link_status") == "up", "link up")
    assert hi(rep, "PREPARE", "fs", "a") == b"OK"  # no write flag: a replica takes it
    assert err(hi, rep, "SET", "k", "fs", "1").startswith(
        "You can't write against a read only replica.")
    assert hi(rep, "DISCARDALL") == 1
