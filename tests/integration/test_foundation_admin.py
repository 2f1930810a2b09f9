"""Foundation (issue #2): server and client administration.

INFO (sections and the fields clients and monitoring read), CONFIG
GET/SET/RESETSTAT/REWRITE, CLIENT ID/SETNAME/GETNAME/LIST/INFO/KILL/UNBLOCK/
NO-EVICT/SETINFO, COMMAND introspection, FUNCTION FLUSH/LIST, DEBUG SLEEP/LOG,
SHUTDOWN and graceful SIGTERM/SIGINT. Expected replies are Redis 7.0's
(check with STREAMD_TARGET=redis); streamd-only checks are marked.
"""

import os
import re
import signal
import time

import pytest

from testlib import SLOW, IS_REDIS, RespError, parse_info, parse_kv, streamd_only


E_SYNTAX = RespError("ERR syntax error")


def arity(name):
    return RespError("ERR wrong number of arguments for '%s' command" % name)


def info(c, *sections):
    return parse_info(c.call("INFO", *sections))


def sections(c, *args):
    text = bytes(c.call("INFO", *args)).decode()
    return [l[2:] for l in text.split("\r\n") if l.startswith("# ")]


# ---- INFO --------------------------------------------------------------------

FIELDS = {
    "server": ["redis_version", "redis_mode", "os", "arch_bits", "process_id", "run_id",
               "tcp_port", "uptime_in_seconds", "uptime_in_days", "hz", "executable",
               "config_file"],
    "clients": ["connected_clients", "maxclients", "blocked_clients"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
               "used_memory_peak_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
               "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_allocator",
               "total_system_memory", "total_system_memory_human"],
    "persistence": ["loading", "rdb_changes_since_last_save", "rdb_last_save_time",
                    "aof_enabled", "aof_rewrite_in_progress"],
    "stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
              "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits",
              "keyspace_misses", "total_error_replies", "instantaneous_input_kbps",
              "instantaneous_output_kbps", "total_reads_processed", "total_writes_processed",
              "unexpected_error_replies"],
    "replication": ["role", "connected_slaves", "master_replid", "master_repl_offset"],
    "cpu": ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_main_thread",
            "used_cpu_user_main_thread"],
}


def test_info_rates_follow_the_load(raw):
    # instantaneous_* average the last 1.6 s, sampled every 100 ms; a second of
    # pipelined traffic must show in them (they were hard-coded 0 once)
    c, load = raw(), raw()
    before = info(c, "stats")
    deadline = time.time() + 1.0
    n = 0
    while time.time() < deadline:
        load.send_many([("PING",)] * 200)
        for _ in range(200):
            load.read()
        n += 200
    st = info(c, "stats")
    assert int(st["instantaneous_ops_per_sec"]) > 0
    assert float(st["instantaneous_input_kbps"]) > 0 and float(st["instantaneous_output_kbps"]) > 0
    assert int(st["total_reads_processed"]) > int(before["total_reads_processed"])
    assert int(st["total_writes_processed"]) > int(before["total_writes_processed"])
    assert int(st["total_commands_processed"]) >= int(before["total_commands_processed"]) + n
    mem = info(c, "memory")
    assert int(mem["total_system_memory"]) > 0
    # the biggest buffer among the clients (was hard-coded 0): this INFO's
    # own query buffer at least
    assert int(info(c, "clients")["client_recent_max_input_buffer"]) > 0
    assert int(mem["mem_fragmentation_bytes"]) == int(mem["used_memory_rss"]) - int(
        mem["used_memory"]) or IS_REDIS  # Redis reads its allocator's figures


def test_info_keyspace_avg_ttl(raw):
    # estimated by the active expiry (was hard-coded 0): keys expiring in
    # about 100 s give an average between 0 and 100 s once a pass has run
    c = raw()
    for i in range(20):
        assert c.call("SET", "ttl%d" % i, "v", "EX", "100") == b"OK"
    deadline = time.time() + 10
    while True:
        db = parse_kv(info(c, "keyspace")["db0"])
        if int(db["avg_ttl"]) > 0:
            break
        assert time.time() < deadline, db
        time.sleep(0.05)
    assert 0 < int(db["avg_ttl"]) <= 100000
    assert c.call("FLUSHALL") == b"OK"
    assert c.call("SET", "plain", "v") == b"OK"
    assert parse_kv(info(c, "keyspace")["db0"])["avg_ttl"] == "0"


@streamd_only
def test_info_keyspace_avg_ttl_far_future(raw):
    # TTLs near the 64-bit limit: their sum once overflowed (found by
    # cmd_fuzz: UBSan stopped the server, the release build showed a
    # negative avg_ttl)
    c = raw()
    for k in ("far1", "far2", "far3"):
        c.call("SET", k, "v")
        assert c.call("PEXPIREAT", k, "9223372036854775000") == 1
    deadline = time.time() + 10
    while int(parse_kv(info(c, "keyspace")["db0"])["avg_ttl"]) == 0:
        assert time.time() < deadline
        time.sleep(0.05)
    assert int(parse_kv(info(c, "keyspace")["db0"])["avg_ttl"]) > 9 * 10**18
    c.call("FLUSHALL")


def test_info_default_sections(raw):
    c = raw()
    names = sections(c)
    for s in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
              "Errorstats", "Keyspace"]:
        assert s in names, names
    assert "Commandstats" not in names  # only on request, as in Redis
    assert sections(c, "default") == names
    assert "Commandstats" in sections(c, "all")
    assert "Commandstats" in sections(c, "everything")
    assert c.call("INFO", "nosuch") == b""


@pytest.mark.parametrize("section", sorted(FIELDS))
def test_info_fields(raw, section):
    c = raw()
    assert sections(c, section) == [{"cpu": "CPU"}.get(section, section.capitalize())]
    fields = info(c, section)
    for f in FIELDS[section]:
        assert f in fields, "INFO %s lacks %s" % (section, f)


def test_info_values(server, raw):
    c = raw()
    i = info(c)
    assert re.fullmatch(r"\d+\.\d+\.\d+", i["redis_version"])
    assert i["redis_mode"] == "standalone"
    assert int(i["tcp_port"]) == server.port
    assert int(i["process_id"]) == server.proc.pid
    assert re.fullmatch(r"[0-9a-f]{40}", i["run_id"])
    assert int(i["connected_clients"]) >= 1
    assert int(i["used_memory"]) > 0
    assert i["role"] == "master"
    assert int(i["uptime_in_seconds"]) >= 0


def test_info_multiple_sections_and_case(raw):
    c = raw()
    assert sections(c, "server", "clients") == ["Server", "Clients"]
    assert sections(c, "SERVER") == ["Server"]


def test_info_keyspace(raw):
    c = raw()
    assert info(c, "keyspace") == {}
    c.call("SET", "a", "1")
    c.call("SET", "b", "1", "EX", "100")
    c.call("SELECT", "2")
    c.call("SET", "x", "1")
    ks = info(c, "keyspace")
    assert sorted(ks) == ["db0", "db2"]
    db0 = parse_kv(ks["db0"])
    assert db0["keys"] == "2" and db0["expires"] == "1" and "avg_ttl" in db0
    assert parse_kv(ks["db2"])["keys"] == "1"


def test_info_stats_counters(raw):
    c = raw()
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    c.call("SET", "k", "v")
    c.call("GET", "k")
    c.call("GET", "k")
    c.call("GET", "missing")
    c.call("EXISTS", "k")
    s = info(c, "stats")
    assert int(s["keyspace_hits"]) >= 2
    assert int(s["keyspace_misses"]) >= 1
    assert int(s["total_commands_processed"]) >= 5
    assert int(s["total_connections_received"]) >= 0


def test_info_commandstats_and_errorstats(raw):
    c = raw()
    c.call("CONFIG", "RESETSTAT")
    c.call("GET", "x")
    c.call("GET", "x")
    c.call("GET")  # rejected
    c.call("SET", "s", "a")
    c.call("INCR", "s")  # failed
    cs = info(c, "commandstats")
    get = parse_kv(cs["cmdstat_get"])
    assert get["calls"] == "2" and get["rejected_calls"] == "1" and get["failed_calls"] == "0"
    assert {"usec", "usec_per_call"} <= set(get)
    incr = parse_kv(cs["cmdstat_incr"])
    assert incr["calls"] == "1" and incr["failed_calls"] == "1"
    assert "cmdstat_config|resetstat" in cs
    es = info(c, "errorstats")
    assert parse_kv(es["errorstat_ERR"])["count"] == "2"
    assert int(info(c, "stats")["total_error_replies"]) == 2


def test_info_clients_counts(raw):
    c = raw()
    others = [raw() for _ in range(3)]
    ids = {o.call("CLIENT", "ID") for o in others}
    # sampled atomically: connections of earlier tests may be reaped meanwhile
    c.call("MULTI")
    c.call("INFO", "clients")
    c.call("CLIENT", "LIST")
    clients, listing = c.call("EXEC")
    rows = [client_fields(l) for l in bytes(listing).decode().splitlines()]
    assert int(parse_info(clients)["connected_clients"]) == len(rows) >= 4
    assert ids <= {int(f["id"]) for f in rows}


@streamd_only
def test_info_streamd_version(raw):
    i = info(raw(), "server")
    assert "streamd_version" in i
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", i["streamd_version"])
    # redis_version names the Redis release whose stream surface streamd
    # implements, at least 7.4
    major, minor = (int(x) for x in i["redis_version"].split(".")[:2])
    assert (major, minor) >= (7, 4)


# ---- CONFIG ------------------------------------------------------------------------


def test_config_get_glob(raw):
    c = raw()
    reply = c.call("CONFIG", "GET", "maxmemory*")
    got = dict(zip(reply[0::2], reply[1::2]))
    assert {b"maxmemory", b"maxmemory-policy"} <= set(got)
    assert all(k.startswith(b"maxmemory") for k in got)
    everything = c.call("CONFIG", "GET", "*")
    allc = dict(zip(everything[0::2], everything[1::2]))
    for k in [b"port", b"bind", b"dir", b"maxclients", b"timeout", b"maxmemory", b"databases",
              b"requirepass", b"proto-max-bulk-len", b"client-query-buffer-limit",
              b"tcp-keepalive", b"appendonly", b"appendfsync", b"protected-mode"]:
        assert k in allc, k
    assert c.call("CONFIG", "GET", "nosuch") == []
    assert c.call("CONFIG", "GET", "port") == [b"port", allc[b"port"]]
    assert c.call("CONFIG", "GET", "PORT") == [b"PORT", allc[b"port"]]
    assert c.call("CONFIG", "GET", "databases") == [b"databases", b"16"]
    two = c.call("CONFIG", "GET", "port", "timeout", "port")
    assert sorted(two[0::2]) == [b"port", b"timeout"]


def test_config_set_multiple_and_atomic(raw):
    c = raw()
    try:
        assert c.call("CONFIG", "SET", "maxmemory", "10mb", "timeout", "5") == b"OK"
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
        assert c.call("CONFIG", "GET", "timeout") == [b"timeout", b"5"]
        # one bad value: nothing changes
        bad = c.call("CONFIG", "SET", "timeout", "7", "maxmemory", "abc")
        assert bad == RespError("ERR CONFIG SET failed (possibly related to argument "
                                "'maxmemory') - argument must be a memory value")
        assert c.call("CONFIG", "GET", "timeout") == [b"timeout", b"5"]
        assert c.call("CONFIG", "SET", "timeout", "1", "timeout", "2") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter")
        assert c.call("CONFIG", "SET", "nosuch", "1") == RespError(
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
        assert c.call("CONFIG", "SET", "timeout", "abc") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't "
            "be parsed into an integer")
        assert c.call("CONFIG", "SET", "daemonize", "yes") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config")
        assert c.call("CONFIG", "SET", "port") == arity("config|set")
        assert c.call("CONFIG", "SET", "timeout", "1", "maxmemory") == E_SYNTAX
        assert c.call("CONFIG", "SET", "MaxMemory", "1gb") == b"OK"
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"1073741824"]
    finally:
        c.call("CONFIG", "SET", "maxmemory", "0", "timeout", "0")


def test_config_resetstat(raw):
    c = raw()
    c.call("GET", "x")
    c.call("NOSUCH")
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    assert "cmdstat_get" not in info(c, "commandstats")
    assert info(c, "errorstats") == {}
    assert c.call("CONFIG", "RESETSTAT", "x") == arity("config|resetstat")


def test_config_rewrite_without_file(raw):
    assert raw().call("CONFIG", "REWRITE") == RespError(
        "ERR The server is running without a config file")


def test_config_rewrite(make_server, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text("# test config\nmaxmemory 1mb\ntimeout 0\n")
    srv = make_server(config_file=str(conf))
    c = srv.raw()
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"1048576"]
    assert c.call("CONFIG", "SET", "maxmemory", "2mb", "timeout", "33") == b"OK"
    assert c.call("CONFIG", "REWRITE") == b"OK"
    c.close()
    text = conf.read_text()
    assert "# test config" in text  # comments are kept
    assert re.search(r"^timeout 33$", text, re.M), text
    srv.restart()
    c = srv.raw()
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"2097152"]
    assert c.call("CONFIG", "GET", "timeout") == [b"timeout", b"33"]
    c.close()


def test_config_file_and_command_line(make_server, tmp_path):
    conf = tmp_path / "s.conf"
    conf.write_text("timeout 11\nmaxclients 77\n")
    srv = make_server(["--timeout", "12"], config_file=str(conf))
    c = srv.raw()
    assert c.call("CONFIG", "GET", "timeout") == [b"timeout", b"12"]  # command line wins
    assert c.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"77"]
    c.close()


# ---- CLIENT ------------------------------------------------------------------------


def client_fields(line):
    if isinstance(line, bytes):
        line = line.decode()
    return dict(p.split("=", 1) for p in line.strip().split(" "))


CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub",
                 "psub", "multi", "qbuf", "qbuf-free", "obl", "oll", "omem", "tot-mem",
                 "events", "cmd", "user", "resp"]


def test_client_id_and_names(raw):
    a, b = raw(), raw()
    ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
    assert isinstance(ida, int) and idb > ida
    assert a.call("CLIENT", "GETNAME") is None
    assert a.call("CLIENT", "SETNAME", "alpha") == b"OK"
    assert a.call("CLIENT", "GETNAME") == b"alpha"
    for bad in ["a b", "a\nb", "\x01"]:
        assert a.call("CLIENT", "SETNAME", bad) == RespError(
            "ERR Client names cannot contain spaces, newlines or special characters.")
    assert a.call("CLIENT", "GETNAME") == b"alpha"
    assert a.call("CLIENT", "SETNAME", "") == b"OK"
    assert a.call("CLIENT", "GETNAME") is None
    assert a.call("CLIENT", "SETNAME") == arity("client|setname")
    assert a.call("CLIENT", "ID", "x") == arity("client|id")


def test_client_list_and_info(raw):
    a, b = raw(), raw()
    a.call("CLIENT", "SETNAME", "lister")
    ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
    b.call("SELECT", "3")
    text = a.call("CLIENT", "LIST")
    assert isinstance(text, bytes) and text.endswith(b"\n")
    rows = {int(client_fields(l)["id"]): client_fields(l) for l in text.decode().splitlines()}
    assert ida in rows and idb in rows
    me = rows[ida]
    for f in CLIENT_FIELDS:
        assert f in me, f
    assert me["name"] == "lister"
    assert me["cmd"] == "client|list"
    assert me["laddr"].endswith(":%d" % a.sock.getpeername()[1])
    assert me["addr"] == "%s:%d" % a.sock.getsockname()
    assert rows[idb]["db"] == "3"
    assert rows[idb]["cmd"] == "select"
    assert me["resp"] == "2" and me["flags"] == "N"
    own = client_fields(a.call("CLIENT", "INFO"))
    assert own["id"] == str(ida) and own["cmd"] == "client|info"
    # filters
    only_b = a.call("CLIENT", "LIST", "ID", idb, 999999)
    assert [client_fields(l)["id"] for l in only_b.decode().splitlines()] == [str(idb)]
    assert a.call("CLIENT", "LIST", "ID", 999999) == b""
    normal = a.call("CLIENT", "LIST", "TYPE", "normal")
    assert len(normal.decode().splitlines()) == len(rows)
    assert a.call("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert a.call("CLIENT", "LIST", "TYPE", "foo") == RespError("ERR Unknown client type 'foo'")
    assert a.call("CLIENT", "LIST", "ID", "x") == RespError("ERR Invalid client ID")
    assert a.call("CLIENT", "LIST", "FOO") == E_SYNTAX


def test_client_info_in_multi_and_resp3(raw):
    a = raw()
    a.call("HELLO", "3")
    a.call("MULTI")
    a.call("SET", "x", "1")
    a.call("CLIENT", "INFO")
    reply = a.call("EXEC")
    f = client_fields(bytes(reply[1]))
    assert f["resp"] == "3"


def accepted(c):
    """A connection the server has accepted for sure (connect() alone may
    complete before the server's accept())."""
    assert c.call("PING") == b"PONG"
    return c


def test_client_kill_by_id_and_addr(raw):
    a, b, c = raw(), raw(), accepted(raw())
    idb = b.call("CLIENT", "ID")
    assert a.call("CLIENT", "KILL", "ID", idb) == 1
    assert b.closed_by_peer()
    assert a.call("CLIENT", "KILL", "ID", idb) == 0
    addr = "%s:%d" % c.sock.getsockname()
    assert a.call("CLIENT", "KILL", addr) == b"OK"  # old form
    assert c.closed_by_peer()
    assert a.call("CLIENT", "KILL", addr) == RespError("ERR No such client")
    d = accepted(raw())
    assert a.call("CLIENT", "KILL", "ADDR", "%s:%d" % d.sock.getsockname()) == 1
    assert d.closed_by_peer()
    e = accepted(raw())
    laddr = "%s:%d" % e.sock.getpeername()
    # LADDR matches every client of the listener, the caller too unless SKIPME
    assert a.call("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "yes") >= 1
    assert e.closed_by_peer()
    assert a.call("PING") == b"PONG"


def test_client_kill_type_skipme(raw):
    a, b, c = raw(), raw(), raw()
    b.call("PING")
    c.call("PING")
    assert a.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 2
    assert b.closed_by_peer() and c.closed_by_peer()
    assert a.is_open()
    assert a.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no") >= 1
    assert a.closed_by_peer()


def test_client_kill_errors(raw):
    a = raw()
    assert a.call("CLIENT", "KILL", "ID", "x") == RespError(
        "ERR client-id should be greater than 0")
    assert a.call("CLIENT", "KILL", "TYPE", "foo") == RespError("ERR Unknown client type 'foo'")
    assert a.call("CLIENT", "KILL", "SKIPME", "maybe") == E_SYNTAX
    assert a.call("CLIENT", "KILL", "FOO", "bar") == E_SYNTAX
    assert a.call("CLIENT", "KILL", "1.2.3.4:5") == RespError("ERR No such client")
    assert a.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
    assert a.call("CLIENT", "KILL") == arity("client|kill")
    assert a.is_open()


def test_client_unblock_not_blocked(raw):
    a, b = raw(), raw()
    idb = b.call("CLIENT", "ID")
    assert a.call("CLIENT", "UNBLOCK", idb) == 0
    assert a.call("CLIENT", "UNBLOCK", 999999) == 0
    assert a.call("CLIENT", "UNBLOCK", idb, "TIMEOUT") == 0
    assert a.call("CLIENT", "UNBLOCK", "x") == RespError(
        "ERR value is not an integer or out of range")
    assert a.call("CLIENT", "UNBLOCK", idb, "FOO") == RespError(
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert b.is_open()


def _block_on_stream(c):
    """Sends a blocking XREAD; skips the test when the server has no streams."""
    probe = c.call("XADD", "probe-stream", "*", "f", "v")
    if isinstance(probe, RespError) and b"unknown command" in probe.message:
        pytest.skip("no stream commands yet")
    c.call("DEL", "probe-stream")
    c.send_cmd("XREAD", "BLOCK", "0", "STREAMS", "blk", "$")


def test_client_unblock_blocked(raw):
    a, b = raw(), raw()
    idb = b.call("CLIENT", "ID")
    _block_on_stream(b)
    deadline = time.monotonic() + 2 * SLOW
    while int(info(a, "clients")["blocked_clients"]) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert a.call("CLIENT", "UNBLOCK", idb) == 1
    assert b.read_with_raw()[1] == b"*-1\r\n"
    _block_on_stream(b)
    while int(info(a, "clients")["blocked_clients"]) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert a.call("CLIENT", "UNBLOCK", idb, "ERROR") == 1
    assert b.read() == RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    assert b.is_open()


def test_client_no_evict(raw):
    a = raw()
    assert a.call("CLIENT", "NO-EVICT", "on") == b"OK"
    assert "e" in client_fields(a.call("CLIENT", "INFO"))["flags"]
    assert a.call("CLIENT", "NO-EVICT", "OFF") == b"OK"
    assert "e" not in client_fields(a.call("CLIENT", "INFO"))["flags"]
    assert a.call("CLIENT", "NO-EVICT", "maybe") == E_SYNTAX
    assert a.call("CLIENT", "NO-EVICT") == arity("client|no-evict")


@streamd_only
def test_client_setinfo(raw):
    a = raw()
    assert a.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert a.call("CLIENT", "SETINFO", "lib-ver", "4.3.4") == b"OK"
    f = client_fields(a.call("CLIENT", "INFO"))
    assert f["lib-name"] == "redis-py" and f["lib-ver"] == "4.3.4"
    bad = a.call("CLIENT", "SETINFO", "lib-name", "a b")
    assert isinstance(bad, RespError) and bad.code == b"ERR"
    bad = a.call("CLIENT", "SETINFO", "color", "blue")
    assert isinstance(bad, RespError) and bad.code == b"ERR"
    assert a.call("CLIENT", "SETINFO", "lib-name") == arity("client|setinfo")
    # RESET keeps the library attributes
    a.call("RESET")
    assert client_fields(a.call("CLIENT", "INFO"))["lib-name"] == "redis-py"


def test_client_help_and_unknown(raw):
    a = raw()
    helptext = a.call("CLIENT", "HELP")
    assert isinstance(helptext, list) and len(helptext) > 5
    assert a.call("CLIENT", "NOPE") == RespError("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")


# ---- COMMAND -------------------------------------------------------------------------


def test_command_introspection(raw):
    c = raw()
    n = c.call("COMMAND", "COUNT")
    assert isinstance(n, int) and n > 40
    every = c.call("COMMAND")
    assert len(every) == n
    names = {e[0] for e in every}
    for name in [b"get", b"set", b"ping", b"hello", b"multi", b"exec", b"scan", b"config",
                 b"client", b"info", b"command", b"select"]:
        assert name in names, name
    get = c.call("COMMAND", "INFO", "get")
    assert len(get) == 1
    name, arity_, flags, first, last, step = get[0][:6]
    assert (name, arity_, first, last, step) == (b"get", 2, 1, 1, 1)
    assert b"readonly" in flags
    mset = c.call("COMMAND", "INFO", "MSET")[0]
    assert mset[:2] == [b"mset", -3] and mset[3:6] == [1, -1, 2]
    assert c.call("COMMAND", "INFO", "nosuch", "ping")[0] is None
    cfg = c.call("COMMAND", "INFO", "config|get")[0]
    assert cfg[0] == b"config|get" and cfg[1] == -3
    parent = c.call("COMMAND", "INFO", "config")[0]
    assert b"config|get" in {s[0] for s in parent[9]}
    listed = c.call("COMMAND", "LIST")
    assert b"get" in listed and b"config|get" in listed and len(listed) > n
    assert c.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "mge*") == [b"mget"]
    docs = c.call("COMMAND", "DOCS", "get")
    assert docs[0] == b"get"
    d = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert d[b"summary"] and d[b"since"] and d[b"group"] == b"string"
    assert c.call("COMMAND", "DOCS", "nosuch") == []
    assert c.call("COMMAND", "FOO") == RespError("ERR unknown subcommand 'FOO'. Try COMMAND HELP.")


def test_command_getkeys(raw):
    c = raw()
    assert c.call("COMMAND", "GETKEYS", "SET", "a", "b") == [b"a"]
    assert c.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    assert c.call("COMMAND", "GETKEYS", "RENAME", "x", "y") == [b"x", b"y"]
    assert c.call("COMMAND", "GETKEYS", "nosuch", "a") == RespError(
        "ERR Invalid command specified")
    assert c.call("COMMAND", "GETKEYS", "PING", "x") == RespError(
        "ERR The command has no key arguments")
    assert c.call("COMMAND", "GETKEYS", "GET") == arity("command|getkeys")


def test_command_resp3_uses_sets(raw):
    c = raw()
    c.call("HELLO", "3")
    assert c.call_raw("COMMAND", "INFO", "get").startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~")


# ---- FUNCTION, DEBUG ----------------------------------------------------------------------


def test_function_list_and_flush(raw):
    c = raw()
    assert c.call_raw("FUNCTION", "LIST") == b"*0\r\n"
    assert c.call("FUNCTION", "LIST", "WITHCODE") == []
    assert c.call("FUNCTION", "LIST", "LIBRARYNAME", "x") == []
    assert c.call("FUNCTION", "FLUSH") == b"OK"
    assert c.call("FUNCTION", "FLUSH", "ASYNC") == b"OK"
    assert c.call("FUNCTION", "FLUSH", "sync") == b"OK"
    assert c.call("FUNCTION", "FLUSH", "x") == RespError(
        "ERR FUNCTION FLUSH only supports SYNC|ASYNC option")


def test_debug_sleep_and_log(server, raw):
    c = raw()
    assert c.call("DEBUG", "SLEEP", "0") == b"OK"
    t = time.monotonic()
    assert c.call("DEBUG", "SLEEP", "0.05") == b"OK"
    assert time.monotonic() - t >= 0.045
    assert c.call("DEBUG", "LOG", "marker-from-the-test") == b"OK"
    deadline = time.monotonic() + 2
    while "marker-from-the-test" not in server.log():
        assert time.monotonic() < deadline, "DEBUG LOG text not in the server log"
        time.sleep(0.02)


def test_debug_set_active_expire(raw):
    """DEBUG SET-ACTIVE-EXPIRE 0 stops the cron's expiry: an expired key stays
    until something looks it up; 1 brings the expiry back. (Runs against
    redis-server 7.0 too, whose DEBUG this build enables.)"""
    c = raw()
    assert c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    try:
        c.call("SET", "k", "v", "PX", "1")
        c.call("SET", "keep", "v")
        time.sleep(0.5)  # several cron ticks
        assert c.call("DBSIZE") == 2  # DBSIZE looks nothing up
        assert b"expired_keys:0" in c.call("INFO", "stats")
        assert c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
        deadline = time.monotonic() + 5 * SLOW
        while c.call("DBSIZE") != 1:
            assert time.monotonic() < deadline, "the cron never expired the key"
            time.sleep(0.02)
        assert b"expired_keys:1" in c.call("INFO", "stats")
        # read as atoi(): not a number is 0
        assert c.call("DEBUG", "SET-ACTIVE-EXPIRE", "x") == b"OK"
        c.call("SET", "k2", "v", "PX", "1")
        time.sleep(0.3)
        assert c.call("DBSIZE") == 2
        assert c.call("EXISTS", "k2") == 0  # a lookup expires it
        assert c.call("DBSIZE") == 1
    finally:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---- SHUTDOWN and signals -------------------------------------------------------------


def test_shutdown_errors(raw):
    c = raw()
    assert c.call("SHUTDOWN", "FOO") == E_SYNTAX
    assert c.call("SHUTDOWN", "NOSAVE", "SAVE") == E_SYNTAX
    assert c.is_open()


def test_shutdown_nosave(make_server):
    srv = make_server()
    c = srv.raw()
    c.send_cmd("SHUTDOWN", "NOSAVE")
    assert c.closed_by_peer(timeout=5 * SLOW)  # no reply on success
    assert srv.wait_exit() == 0


def test_shutdown_inside_multi_is_refused_or_queued(make_server):
    srv = make_server()
    c = srv.raw()
    c.call("MULTI")
    reply = c.call("SHUTDOWN", "NOSAVE")
    # Redis 7.0 refuses SHUTDOWN inside MULTI (no-multi flag)
    assert reply == RespError("ERR Command not allowed inside a transaction")
    assert c.call("EXEC") == RespError(
        "EXECABORT Transaction discarded because of previous errors.")
    assert srv.is_running()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_graceful_signal(make_server, sig):
    srv = make_server()
    c = srv.raw()
    c.call("SET", "k", "v")
    srv.proc.send_signal(sig)
    assert srv.wait_exit() == 0
    assert c.closed_by_peer()


def _idle_buffers_small(watcher, cid):
    """Waits (bounded) until the client's buffers are back to small sizes: an
    idle connection's big empty buffers are freed within about two seconds."""
    deadline = time.monotonic() + 10
    while True:
        f = client_fields(watcher.call("CLIENT", "LIST", "ID", cid))
        small = int(f["omem"]) < 256 * 1024 and int(f["tot-mem"]) < 1024 * 1024
        if small or time.monotonic() > deadline:
            return f if not small else None
        time.sleep(0.1)


def test_big_reply_buffer_given_back(r, raw):
    # A connection that got replies of megabytes keeps no output buffer of
    # that size once idle (Redis frees its reply blocks as it writes them).
    p = r.pipeline(transaction=False)
    for i in range(100000):
        p.xadd("s", {"f": "v" * 30}, id="%d-1" % (i + 1))
    p.execute()
    a, watcher = raw(), raw()
    cid = a.call("CLIENT", "ID")
    reply = a.call("XRANGE", "s", "-", "+")
    assert len(reply) == 100000 and reply[-1][0] == b"100000-1"
    assert _idle_buffers_small(watcher, cid) is None
    replies = a.pipeline([("XREVRANGE", "s", "+", "-")] * 3 + [("GET", "nosuch")])
    assert [len(x) for x in replies[:3]] == [100000] * 3 and replies[3] is None
    assert _idle_buffers_small(watcher, cid) is None
    assert a.call("XRANGE", "s", "-", "+", "COUNT", "1") == [[b"1-1", [b"f", b"v" * 30]]]


@streamd_only
def test_big_argument_buffer_given_back(raw):
    # Likewise the query buffer a big argument grew (Redis trims it in its
    # cron too, on its own schedule).
    a, watcher = raw(), raw()
    cid = a.call("CLIENT", "ID")
    big = b"y" * (3 << 20)
    assert a.call("SET", "k", big) == b"OK"
    assert a.pipeline([("SET", "k2", big), ("STRLEN", "k2")]) == [b"OK", len(big)]
    assert _idle_buffers_small(watcher, cid) is None
    assert a.call("GET", "k") == big


@streamd_only
def test_idle_buffers_given_back_while_blocked_queued_or_partial(r, raw):
    # The idle rule frees only empty buffers, and nothing may point into a
    # freed one: a client blocked on a big key (its command is kept aside),
    # one in MULTI with a big queued argument, one whose big command has not
    # all arrived (its query buffer is not empty, so it stays).
    big_key = "k" * (1 << 20)
    blk, multi, part, watcher = raw(), raw(), raw(), raw()
    blk_id, multi_id = blk.call("CLIENT", "ID"), multi.call("CLIENT", "ID")
    blk.send_cmd("XREAD", "BLOCK", "0", "STREAMS", big_key, "$")
    assert multi.call("MULTI") == b"OK"
    assert multi.call("SET", "m", "w" * (1 << 20)) == b"QUEUED"
    part.send(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$600000\r\n" + b"v" * 500000)
    deadline = time.monotonic() + 10 * SLOW
    while True:
        sizes = [int(client_fields(watcher.call("CLIENT", "LIST", "ID", i))["rbs"])
                 for i in (blk_id, multi_id)]
        if max(sizes) < 256 * 1024 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert max(sizes) < 256 * 1024, sizes
    part.send(b"v" * 100000 + b"\r\n")
    assert part.read() == b"OK"
    assert r.strlen("big") == 600000
    r.xadd(big_key, {"a": "b"}, id="5-1")
    assert blk.read() == [[big_key.encode(), [[b"5-1", [b"a", b"b"]]]]]
    assert multi.call("EXEC") == [b"OK"]
    assert r.get("m") == b"w" * (1 << 20)
