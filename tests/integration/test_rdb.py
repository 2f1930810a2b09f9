"""RDB snapshots (dump.rdb): SAVE, BGSAVE, LASTSAVE, INFO persistence's rdb_*
fields, save points, SHUTDOWN / SIGTERM / FLUSHALL saving, loading at start-up
(and refusing what cannot be loaded), DEBUG RELOAD, MISCONF after a failed
background save, and the AOF's RDB base (aof-use-rdb-preamble, Redis < 7
preambles).

Every test starts its own server(s) with make_server so it can restart them
and look at their directories. Slow background saves use rdb-key-save-delay
(microseconds per key, as in Redis).
"""

import os
import shutil
import signal
import time

import pytest

from testlib import IS_REDIS, SLOW, RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

DEBUG = ["--enable-debug-command", "yes"]


def pinfo(c):
    return {k: str(v) for k, v in c.info("persistence").items()}


def pinfo_raw(c):
    text = c.call("INFO", "persistence").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def dump_path(srv):
    return os.path.join(srv.dir, "dump.rdb")


def wait_for(cond, timeout=5.0):
    end = time.time() + timeout * SLOW
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def expect_start_failure(srv, *needles):
    with pytest.raises(AssertionError):
        srv.start()
    srv.expect_exit = True
    log = srv.full_log()
    for n in needles:
        assert n in log, (n, log[-2000:])


def test_default_is_no_snapshots(make_server):
    srv = make_server()
    c = srv.client()
    assert c.config_get("save") == {"save": ""}
    c.set("k", "v")
    srv.stop()  # SIGTERM: no save points, nothing written
    assert not os.path.exists(dump_path(srv))


def test_save_lastsave_info_and_restart(make_server):
    srv = make_server()
    c = srv.client()
    info = pinfo(c)
    assert info["rdb_saves"] == "0" and info["rdb_bgsave_in_progress"] == "0"
    c.set("a", "1")
    c.set("b", "2", px=600000)
    c.xadd("s", {"f": "v"}, id="1-1")
    assert pinfo(c)["rdb_changes_since_last_save"] == "3"
    before = c.lastsave()
    time.sleep(1.05)
    assert c.save() is True
    info = pinfo(c)
    assert info["rdb_changes_since_last_save"] == "0"
    assert info["rdb_saves"] == "1"
    assert info["rdb_last_bgsave_status"] == "ok"
    assert c.lastsave() > before
    assert int(info["rdb_last_save_time"]) == int(c.lastsave().timestamp())
    with open(dump_path(srv), "rb") as f:
        assert f.read(9) == b"REDIS0010"
    srv.restart()
    c = srv.client()
    assert c.get("a") == b"1" and 0 < c.pttl("b") <= 600000
    assert c.xrange("s") == [(b"1-1", {b"f": b"v"})]
    info = pinfo(c)
    assert info["rdb_last_load_keys_loaded"] == "3"
    assert info["rdb_changes_since_last_save"] == "0"
    assert "Done loading RDB, keys loaded: 3, keys expired: 0." in srv.full_log()


def test_bgsave_and_its_errors(make_server):
    srv = make_server(["--rdb-key-save-delay", "200000"])
    c = srv.raw()
    c.call("SET", "k1", "v")
    c.call("SET", "k2", "v")
    assert c.call("BGSAVE") == b"Background saving started"
    assert c.call("BGSAVE") == RespError(b"ERR Background save already in progress")
    assert c.call("SAVE") == RespError(b"ERR Background save already in progress")
    assert c.call("BGSAVE", "x") == RespError(b"ERR syntax error")
    info = pinfo(srv.client())
    assert info["rdb_bgsave_in_progress"] == "1"
    assert int(info["rdb_current_bgsave_time_sec"]) >= 0
    # An AOF rewrite waits for the BGSAVE.
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    assert wait_for(lambda: pinfo(srv.client())["rdb_bgsave_in_progress"] == "0")
    info = pinfo(srv.client())
    assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == "1"
    assert info["rdb_current_bgsave_time_sec"] == "-1"
    assert "Background saving terminated with success" in srv.full_log()
    # ... then runs.
    assert wait_for(lambda: pinfo(srv.client())["aof_rewrites"] == "1")
    assert wait_for(lambda: pinfo(srv.client())["aof_rewrite_in_progress"] == "0")
    # While a rewrite runs (preamble: it writes an RDB, slowed down the same
    # way) BGSAVE refuses or schedules.
    c.call("CONFIG", "SET", "aof-use-rdb-preamble", "yes")
    assert c.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    assert c.call("BGSAVE") == RespError(
        b"ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
        b"SCHEDULE in order to schedule a BGSAVE whenever possible.")
    assert c.call("BGSAVE", "SCHEDULE") == b"Background saving scheduled"
    assert wait_for(lambda: pinfo(srv.client())["rdb_saves"] == "2", 10)
    # BGSAVE inside a transaction is scheduled, as in 7.0.
    assert wait_for(lambda: pinfo(srv.client())["rdb_bgsave_in_progress"] == "0")
    c.call("MULTI")
    c.call("BGSAVE")
    assert c.call("EXEC") == [b"Background saving scheduled"]
    assert wait_for(lambda: pinfo(srv.client())["rdb_saves"] == "3", 10)


def test_save_points_fire(make_server):
    srv = make_server()
    c = srv.client()
    c.config_set("save", "1 2")
    assert c.config_get("save") == {"save": "1 2"}
    with pytest.raises(Exception, match="Invalid save parameters"):
        c.config_set("save", "1 2 3")
    assert c.config_get("save") == {"save": "1 2"}
    c.set("x", "1")
    time.sleep(1.3)
    assert pinfo(c)["rdb_saves"] == "0"  # one change of the two needed
    c.set("y", "2")
    assert wait_for(lambda: "Background saving terminated with success" in srv.full_log(), 5)
    assert "2 changes in 1 seconds. Saving..." in srv.full_log()
    assert pinfo(c)["rdb_saves"] == "1"
    assert os.path.exists(dump_path(srv))
    assert pinfo(c)["rdb_changes_since_last_save"] == "0"


def shutdown(srv, *args):
    srv.raw().send_cmd("SHUTDOWN", *args)
    srv.wait_exit()


def test_shutdown_variants(make_server):
    srv = make_server()
    c = srv.client()
    c.set("k", "v1")
    shutdown(srv, "NOSAVE")
    assert not os.path.exists(dump_path(srv))
    srv.start()
    c = srv.client()
    c.set("k", "v2")
    shutdown(srv, "SAVE")
    srv.start(["--save", "3600 1"])
    c = srv.client()
    assert c.get("k") == b"v2"
    c.set("k", "v3")
    srv.stop()  # SIGTERM with save points: saved
    srv.start()
    assert srv.client().get("k") == b"v3"
    # A save that fails keeps the server up (FORCE goes anyway).
    c = srv.raw()
    c.call("CONFIG", "SET", "save", "3600 1")
    os.remove(dump_path(srv))
    os.mkdir(dump_path(srv))
    os.mkdir(os.path.join(dump_path(srv), "x"))
    assert c.call("SHUTDOWN") == RespError(b"ERR Errors trying to SHUTDOWN. Check logs.")
    assert c.call("PING") == b"PONG"
    # SIGTERM too: the server stays up.
    srv.proc.send_signal(signal.SIGTERM)
    # (7.0's line, once for the SHUTDOWN above and once for the signal)
    failed = "Errors trying to shut down the server. Check the logs for more information."
    assert wait_for(lambda: srv.full_log().count(failed) == 2)
    assert srv.raw().call("PING") == b"PONG"
    shutdown(srv, "FORCE")
    shutil.rmtree(dump_path(srv))


def test_flushall_saves_with_save_points(make_server):
    srv = make_server(["--save", "3600 100"])
    c = srv.client()
    c.set("k", "v")
    c.flushall()
    info = pinfo(c)
    assert info["rdb_saves"] == "1" and info["rdb_changes_since_last_save"] == "1"
    srv.stop()
    srv.start(["--save", ""])
    assert srv.client().dbsize() == 0


def test_misconf_after_failed_bgsave(make_server):
    srv = make_server()
    c = srv.raw()
    c.call("SET", "k", "v")
    os.mkdir(dump_path(srv))
    os.mkdir(os.path.join(dump_path(srv), "x"))
    assert c.call("BGSAVE") == b"Background saving started"
    assert wait_for(lambda: pinfo(srv.client())["rdb_last_bgsave_status"] == "err")
    # No save points: writes go on.
    assert c.call("SET", "k", "v2") == b"OK"
    c.call("CONFIG", "SET", "save", "3600 1000")
    err = c.call("SET", "k", "v3")
    assert isinstance(err, RespError) and str(err).startswith(
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist")
    assert c.call("GET", "k") == b"v2"
    assert c.call("PING") == err  # as 7.0: PING sees the disk error too
    assert pinfo_raw(c)["rdb_saves"] == "1"  # attempts are counted
    c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
    assert c.call("SET", "k", "v4") == b"OK"
    c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
    assert isinstance(c.call("SET", "k", "v5"), RespError)
    shutil.rmtree(dump_path(srv))
    assert c.call("SAVE") == b"OK"
    assert c.call("SET", "k", "v6") == b"OK"


def test_debug_reload(make_server):
    srv = make_server(DEBUG)
    c = srv.client()
    c.set("k", "v", px=500000)
    c.xadd("s", {"a": "b"}, id="5-5")
    c.xgroup_create("s", "g", id="0")
    c.xreadgroup("g", "alice", {"s": ">"})
    full = c.xinfo_stream("s", full=True)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert c.get("k") == b"v" and c.pttl("k") > 0
    assert c.xinfo_stream("s", full=True) == full
    assert pinfo(c)["rdb_saves"] == "1"
    os.remove(dump_path(srv))
    with pytest.raises(Exception, match="Error trying to load the RDB dump"):
        c.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")


def test_refuses_types_streamd_lacks(make_server):
    # A module value (RDB type 7, MODULE_2): no module exists in streamd, and
    # the loader stops at the key, before the module's own bytes. The file is
    # written by hand: a string, then the module value, sealed with its CRC.
    from testlib.dumppayload import crc64
    body = (b"REDIS0010\xfe\x00\x00\x02ok\x011"
            b"\x07\x05mymod\x81\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff")
    data = body + crc64(body).to_bytes(8, "little")
    srv = make_server()
    srv.stop()
    open(dump_path(srv), "wb").write(data)
    expect_start_failure(srv, "Key 'mymod' is a module value (RDB type 7), which streamd does "
                         "not store", "Fatal error loading the DB")


def test_refuses_corrupt_and_truncated_files(make_server):
    srv = make_server()
    c = srv.client()
    for i in range(50):
        c.set("key:%d" % i, "value %d" % i)
    c.save()
    srv.stop()
    good = open(dump_path(srv), "rb").read()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x20
    open(dump_path(srv), "wb").write(bytes(bad))
    expect_start_failure(srv, "Fatal error loading the DB")
    open(dump_path(srv), "wb").write(good[:len(good) - 20])
    expect_start_failure(srv, "Unexpected EOF", "Fatal error loading the DB")
    open(dump_path(srv), "wb").write(b"REDIS0016" + good[9:])
    expect_start_failure(srv, "Can't handle RDB format version 16")
    open(dump_path(srv), "wb").write(good)
    srv.start()
    assert srv.client().dbsize() == 50


def test_aof_rdb_base_both_ways(make_server):
    # Redis 7.0 with aof-use-rdb-preamble yes: a .base.rdb and commands.
    red = make_server(kind="redis", args=["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    rc = red.client()
    rc.set("k", "v")
    rc.xadd("s", {"f": "v"}, id="1-1")
    rc.bgrewriteaof()
    assert wait_for(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0
                    and rc.info("persistence")["aof_rewrite_scheduled"] == 0)
    rc.set("after", "rewrite")
    red.stop()
    adir = os.path.join(red.dir, "appendonlydir")
    assert any(n.endswith(".base.rdb") for n in os.listdir(adir))
    srv = make_server(["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    srv.stop()
    shutil.rmtree(os.path.join(srv.dir, "appendonlydir"))
    shutil.copytree(adir, os.path.join(srv.dir, "appendonlydir"))
    srv.start()
    c = srv.client()
    assert c.get("k") == b"v" and c.get("after") == b"rewrite"
    assert c.xrange("s") == [(b"1-1", {b"f": b"v"})]
    # streamd's own rewrite writes an RDB base that it and 7.0 load.
    c.bgrewriteaof()
    assert wait_for(lambda: pinfo(c)["aof_rewrite_in_progress"] == "0"
                    and pinfo(c)["aof_rewrite_scheduled"] == "0")
    c.set("later", "x")
    mine = os.path.join(srv.dir, "appendonlydir")
    bases = [n for n in os.listdir(mine) if ".base." in n]
    assert len(bases) == 1 and bases[0].endswith(".base.rdb"), bases
    with open(os.path.join(mine, bases[0]), "rb") as f:
        assert f.read(5) == b"REDIS"
    srv.restart()
    c = srv.client()
    assert (c.get("k"), c.get("after"), c.get("later")) == (b"v", b"rewrite", b"x")
    srv.stop()
    red.stop()
    shutil.rmtree(adir)
    shutil.copytree(mine, adir)
    red.start()
    rc = red.client()
    assert (rc.get("k"), rc.get("after"), rc.get("later")) == (b"v", b"rewrite", b"x")


def test_pre7_aof_with_rdb_preamble(make_server):
    src = make_server()
    sc = src.client()
    sc.set("from-rdb", "1")
    sc.xadd("s", {"a": "b"}, id="3-3")
    sc.save()
    rdb = open(dump_path(src), "rb").read()
    srv = make_server(["--appendonly", "yes"])
    srv.stop()
    shutil.rmtree(os.path.join(srv.dir, "appendonlydir"))
    tail = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$9\r\nfrom-tail\r\n$1\r\n2\r\n"
    with open(os.path.join(srv.dir, "appendonly.aof"), "wb") as f:
        f.write(rdb + tail)
    srv.start()
    c = srv.client()
    assert c.get("from-rdb") == b"1" and c.get("from-tail") == b"2"
    assert c.xrange("s") == [(b"3-3", {b"a": b"b"})]
    c.set("new", "3")
    srv.restart()
    assert srv.client().get("new") == b"3"


def test_config_file_save_lines_add_up(make_server, tmp_path):
    conf = tmp_path / "s.conf"
    conf.write_text('save 900 1\nsave 300 10\n')
    srv = make_server(config_file=str(conf))
    assert srv.client().config_get("save") == {"save": "900 1 300 10"}
    conf.write_text('save 900 1\nsave ""\nsave 60 5\n')
    srv2 = make_server(config_file=str(conf))
    assert srv2.client().config_get("save") == {"save": "60 5"}
