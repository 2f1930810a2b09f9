"""BACKUP (Redis 8.10 online backups) over the multi-part AOF.

The workflow (START, LIST, SEAL, CLEANUP), then the proof that a sealed
backup restores: its files, copied into a fresh server's appendonlydir, load
exactly the data as of SEAL (streams with groups and pending entries
included, writes after SEAL absent). Then the state machine's errors, the
non-empty directory, a restart in the middle, the pending state and the
reuse of a running rewrite, BGREWRITEAOF and CONFIG SET appendonly no
during a backup, MULTI, and the temporary AOF of an appendonly-no server.
"""

import os
import shutil
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

AOF = ["--appendonly", "yes", "--auto-aof-rewrite-percentage", "0"]


def status(c):
    raw = c.execute_command("BACKUP", "STATUS")
    if isinstance(raw, dict):
        return {k.decode(): v for k, v in raw.items()}
    return {raw[i].decode(): raw[i + 1] for i in range(0, len(raw), 2)}


def state(c):
    return status(c)["state"].decode()


def wait_state(c, want, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while state(c) != want:
        assert time.monotonic() < deadline, "backup state %r, want %r" % (status(c), want)
        time.sleep(0.02)


def wait_for(cond, timeout=5):
    """Polls cond() (files deleted by the background thread)."""
    deadline = time.monotonic() + timeout * SLOW
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in %ss" % timeout
        time.sleep(0.01)


def pinfo(c):
    return {k: str(v) for k, v in c.info("persistence").items()}


def wait_no_rewrite(c, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while True:
        i = pinfo(c)
        if i["aof_rewrite_in_progress"] == "0" and i["aof_rewrite_scheduled"] == "0":
            return i
        assert time.monotonic() < deadline, "rewrite still running: %r" % i
        time.sleep(0.02)


def backup_dir(srv, name="backupdir"):
    return os.path.join(srv.dir, name)


def listing(c):
    return [p.decode() for p in c.execute_command("BACKUP", "LIST")]


def fill(c):
    c.set("s1", "v1")
    c.hset("h", mapping={"f1": "1", "f2": "2"})
    for i in range(1, 6):
        c.xadd("st", {"n": str(i)}, id="%d-1" % i)
    c.xgroup_create("st", "g", id="0")
    c.xreadgroup("g", "alice", {"st": ">"}, count=3)
    c.xack("st", "g", "1-1")


def snapshot(c):
    """What the restored server must hold: every key's type and content."""
    out = {}
    for k in sorted(c.keys("*")):
        t = c.type(k)
        if t == b"string":
            out[k] = (t, c.get(k))
        elif t == b"hash":
            out[k] = (t, c.hgetall(k))
        elif t == b"stream":
            full = c.execute_command("XINFO", "STREAM", k, "FULL")
            pend = c.xpending_range(k, "g", "-", "+", 100) if c.xinfo_groups(k) else []
            # delivery times are kept; idle times change with the clock
            pend = [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pend]
            out[k] = (t, c.xrange(k), c.xinfo_groups(k) and
                      [(g["name"], g["last-delivered-id"], g["pending"], g["entries-read"])
                       for g in c.xinfo_groups(k)], pend, full[1], full[3])
        else:
            out[k] = (t,)
    return out


def restore_into(make_server, files):
    """A fresh streamd whose appendonlydir holds only the backup's files."""
    srv = make_server()
    srv.stop()
    aof_dir = os.path.join(srv.dir, "appendonlydir")
    shutil.rmtree(aof_dir, ignore_errors=True)
    os.mkdir(aof_dir)
    for f in files:
        shutil.copy(f, aof_dir)
    srv.start(["--appendonly", "yes"])
    return srv


# ---- the workflow and the restore --------------------------------------------------


def test_workflow_and_restore(make_server):
    srv = make_server(AOF)
    c = srv.client()
    st = status(c)
    assert st == {"state": b"idle", "error": b"", "start_time": 0, "end_time": 0}
    assert listing(c) == []
    fill(c)
    before = int(time.time())
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    st = status(c)
    # (the server's clock may be the one its event loop read before ours: a
    # second boundary between the two reads makes it one less)
    assert st["error"] == b"" and st["end_time"] == 0 and st["start_time"] >= before - 1
    files = listing(c)
    assert len(files) == 1
    assert files[0] == os.path.join(os.path.realpath(srv.dir), "backupdir",
                                    os.path.basename(files[0]))
    assert ".base." in files[0] and os.path.exists(files[0])
    # Writes during the window belong to the backup (the INCR).
    c.set("during", "1")
    c.xadd("st", {"n": "6"}, id="6-1")
    c.xreadgroup("g", "bob", {"st": ">"}, count=1)
    c.xack("st", "g", "2-1")
    expected = snapshot(c)
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    st = status(c)
    assert st["state"] == b"sealed" and st["end_time"] >= st["start_time"] > 0
    files = listing(c)
    assert [os.path.basename(f) for f in files] == [
        os.path.basename(files[0]), files[1].rsplit("/", 1)[1], "appendonly.aof.manifest"]
    assert ".incr." in files[1]
    for f in files:
        assert os.path.isabs(f) and os.path.exists(f)
    with open(files[2]) as f:
        lines = f.read().splitlines()
    assert [line.split()[1] for line in lines] == [os.path.basename(files[0]),
                                                   os.path.basename(files[1])]
    assert [line.split()[5] for line in lines] == ["b", "i"]
    # After the seal, writes go to a new INCR: the sealed files do not move.
    sizes = [os.path.getsize(f) for f in files]
    c.set("after", "1")
    c.xadd("st", {"n": "7"}, id="7-1")
    c.delete("s1")
    c.execute_command("WAITAOF", 1, 0, 0)
    assert [os.path.getsize(f) for f in files] == sizes
    live = snapshot(c)

    restored = restore_into(make_server, files)
    r = restored.client()
    assert snapshot(r) == expected
    assert r.get("after") is None and r.get("s1") == b"v1"
    assert r.xrange("st", "7-1", "+") == []

    # The live server lost nothing either.
    srv.restart()
    assert snapshot(srv.client()) == live

    # CLEANUP empties the directory and goes back to idle.
    c = srv.client()
    wait_state(c, "idle")  # in-memory state: a restart forgets the backup
    shutil.rmtree(backup_dir(srv))
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert status(c) == {"state": b"idle", "error": b"", "start_time": 0, "end_time": 0}
    assert listing(c) == []
    assert os.listdir(backup_dir(srv)) == []


def test_restore_with_rdb_base_reusing_running_rewrite(make_server):
    """START during a BGREWRITEAOF reuses it (snapshotting, then
    incrementing); an RDB-format base restores too."""
    srv = make_server(AOF + ["--aof-use-rdb-preamble", "yes"])
    c = srv.client()
    fill(c)
    for i in range(10):
        c.set("pad%d" % i, i)
    c.config_set("rdb-key-save-delay", 100000)
    c.bgrewriteaof()
    assert pinfo(c)["aof_rewrite_in_progress"] == "1"
    rewrites = int(pinfo(c)["aof_rewrites"])
    assert c.execute_command("BACKUP", "START") == b"OK"
    assert state(c) == "snapshotting"
    assert listing(c) == []
    c.config_set("rdb-key-save-delay", 0)
    c.set("during", "x")
    wait_state(c, "incrementing", timeout=30)
    assert int(pinfo(c)["aof_rewrites"]) == rewrites  # no second rewrite
    files = listing(c)
    assert files[0].endswith(".base.rdb")
    expected = snapshot(c)
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    c.set("after", "y")
    restored = restore_into(make_server, listing(c))
    assert snapshot(restored.client()) == expected


# ---- errors and state transitions ----------------------------------------------------


def test_state_errors(make_server):
    srv = make_server(AOF)
    c = srv.client()
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("BACKUP")
    with pytest.raises(redis.ResponseError, match="unknown subcommand"):
        c.execute_command("BACKUP", "NOPE")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("BACKUP", "START", "x")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("BACKUP", "ABORT")
    assert str(e.value) == "No backup in progress"
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("BACKUP", "SEAL")
    assert str(e.value) == "No backup ready to seal (must be in the incrementing state)"
    help_lines = c.execute_command("BACKUP", "HELP")
    assert help_lines[0].startswith(b"BACKUP <subcommand>")
    assert all(s in help_lines for s in [b"START", b"SEAL", b"STATUS", b"LIST", b"ABORT",
                                         b"CLEANUP", b"HELP"])
    with pytest.raises(redis.ResponseError, match="not allowed from script"):
        c.eval("return redis.call('BACKUP', 'START')", 0)

    c.set("k", "v")
    assert c.execute_command("BACKUP", "START") == b"OK"
    with pytest.raises(redis.ResponseError, match="already in progress"):
        c.execute_command("BACKUP", "START")
    wait_state(c, "incrementing")
    with pytest.raises(redis.ResponseError, match="in progress"):
        c.execute_command("BACKUP", "CLEANUP")
    assert c.execute_command("BACKUP", "ABORT") == b"OK"
    st = status(c)
    assert st["state"] == b"failed" and st["error"] == b"aborted by user"
    assert listing(c) == [] and os.listdir(backup_dir(srv)) == []
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("BACKUP", "ABORT")
    assert str(e.value) == "No backup in progress"
    # A new backup may start after a failure.
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    with pytest.raises(redis.ResponseError, match="CLEANUP"):
        c.execute_command("BACKUP", "START")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("BACKUP", "ABORT")
    assert str(e.value) == "No backup in progress"
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert state(c) == "idle"


def test_backupdirname(make_server):
    srv = make_server(AOF)
    c = srv.client()
    assert c.config_get("backupdirname") == {"backupdirname": "backupdir"}
    for bad in ["/tmp/x", "a/b", "", ".."]:
        with pytest.raises(redis.ResponseError, match="backupdirname can't be a path"):
            c.config_set("backupdirname", bad)
    c.config_set("backupdirname", "mine")
    os.mkdir(os.path.join(srv.dir, "mine"))
    with open(os.path.join(srv.dir, "mine", "stale"), "w") as f:
        f.write("x")
    with pytest.raises(redis.ResponseError, match="is not empty"):
        c.execute_command("BACKUP", "START")
    assert state(c) == "idle"
    os.unlink(os.path.join(srv.dir, "mine", "stale"))
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert listing(c)[0].startswith(os.path.join(os.path.realpath(srv.dir), "mine") + "/")
    assert c.execute_command("BACKUP", "ABORT") == b"OK"


# ---- appendonly no: a temporary AOF ---------------------------------------------------


def test_appendonly_no_temporary_aof(make_server):
    srv = make_server(["--auto-aof-rewrite-percentage", "0"])
    aof_dir = os.path.join(srv.dir, "appendonlydir")
    os.mkdir(aof_dir)
    with open(os.path.join(aof_dir, "stale.aof"), "w") as f:
        f.write("not ours")
    c = srv.client()
    fill(c)
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert c.config_get("appendonly") == {"appendonly": "no"}
    c.set("during", "1")
    c.xadd("st", {"n": "6"}, id="6-1")
    expected = snapshot(c)
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    files = listing(c)
    assert len(files) == 3
    # The temporary AOF is gone, what it did not write stays.
    wait_for(lambda: sorted(os.listdir(aof_dir)) == ["stale.aof"])
    assert pinfo(c)["aof_enabled"] == "0"
    c.set("after", "1")
    restored = restore_into(make_server, files)
    assert snapshot(restored.client()) == expected
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert os.listdir(backup_dir(srv)) == []
    wait_for(lambda: sorted(os.listdir(aof_dir)) == ["stale.aof"])

    # ABORT stops it the same way.
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert c.execute_command("BACKUP", "ABORT") == b"OK"
    assert status(c)["error"] == b"aborted by user"
    assert os.listdir(backup_dir(srv)) == []
    wait_for(lambda: sorted(os.listdir(aof_dir)) == ["stale.aof"])
    # CONFIG SET appendonly no (already no) leaves a temporary AOF alone.
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    c.config_set("appendonly", "no")
    assert state(c) == "incrementing"
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"


def test_appendonly_no_bgrewriteaof_after_seal(make_server):
    srv = make_server(["--auto-aof-rewrite-percentage", "0"])
    c = srv.client()
    c.set("p", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    rewrites = int(pinfo(c)["aof_rewrites"])
    assert srv.raw().call("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    assert pinfo(c)["aof_rewrite_scheduled"] == "1"
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    i = wait_no_rewrite(c)
    assert int(i["aof_rewrites"]) == rewrites + 1
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert os.listdir(backup_dir(srv)) == []


def test_appendonly_yes_during_temporary_aof_stays(make_server):
    srv = make_server(["--auto-aof-rewrite-percentage", "0"])
    c = srv.client()
    c.set("e", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    c.config_set("appendonly", "yes")
    c.set("f", "2")
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    assert pinfo(c)["aof_enabled"] == "1"
    c.set("g", "3")
    c.execute_command("WAITAOF", 1, 0, 0)
    assert os.path.exists(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.manifest"))
    srv.restart(["--appendonly", "yes"])
    assert srv.client().mget("e", "f", "g") == [b"1", b"2", b"3"]


def test_appendonly_no_pending_until_bgsave_ends(make_server):
    srv = make_server()
    c = srv.client()
    for i in range(10):
        c.set("k%d" % i, i)
    c.config_set("rdb-key-save-delay", 100000)
    c.bgsave()
    assert c.execute_command("BACKUP", "START") == b"OK"
    assert state(c) == "pending"
    c.config_set("rdb-key-save-delay", 0)
    wait_state(c, "incrementing", timeout=30)
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    restored = restore_into(make_server, listing(c))
    assert restored.client().dbsize() == 10


def test_restart_in_the_middle(make_server):
    srv = make_server(AOF)
    c = srv.client()
    c.set("a", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    base = listing(c)[0]
    srv.restart()
    c = srv.client()
    assert state(c) == "idle" and listing(c) == []
    assert c.get("a") == b"1"
    # The pinned base stays: START refuses the directory until it is emptied.
    assert os.path.exists(base)
    with pytest.raises(redis.ResponseError, match="is not empty"):
        c.execute_command("BACKUP", "START")
    os.unlink(base)
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")


# ---- interplay with rewrites and appendonly ------------------------------------------


def test_bgrewriteaof_waits_for_seal(make_server):
    srv = make_server(AOF)
    c = srv.client()
    c.set("a", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    c.set("b", "2")
    rewrites = int(pinfo(c)["aof_rewrites"])
    assert srv.raw().call("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    time.sleep(0.3)
    i = pinfo(c)
    assert i["aof_rewrite_scheduled"] == "1" and int(i["aof_rewrites"]) == rewrites
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    i = wait_no_rewrite(c)
    assert int(i["aof_rewrites"]) == rewrites + 1
    # The rewrite deleted the old INCR from appendonlydir; the backup's link
    # still holds it.
    files = listing(c)
    aof_dir = os.path.join(srv.dir, "appendonlydir")
    wait_for(lambda: os.path.basename(files[1]) not in os.listdir(aof_dir))
    with open(files[1], "rb") as f:
        assert b"$1\r\nb\r\n$1\r\n2\r\n" in f.read()
    restored = restore_into(make_server, files)
    r = restored.client()
    assert r.mget("a", "b") == [b"1", b"2"]


def test_pending_until_bgsave_ends(make_server):
    srv = make_server(AOF)
    c = srv.client()
    for i in range(10):
        c.set("k%d" % i, i)
    c.config_set("rdb-key-save-delay", 100000)
    c.bgsave()
    assert c.execute_command("BACKUP", "START") == b"OK"
    assert state(c) == "pending"
    assert listing(c) == []
    c.config_set("rdb-key-save-delay", 0)
    wait_state(c, "incrementing", timeout=30)
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    restored = restore_into(make_server, listing(c))
    assert restored.client().dbsize() == 10


def test_appendonly_no_fails_the_backup(make_server):
    srv = make_server(AOF)
    c = srv.client()
    c.set("a", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    c.config_set("appendonly", "no")
    st = status(c)
    assert st["state"] == b"failed" and st["error"] == b"appendonly is stopped"
    assert os.listdir(backup_dir(srv)) == []
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"


def test_start_inside_multi(make_server):
    srv = make_server(AOF)
    c = srv.client()
    p = c.pipeline(transaction=True)
    p.set("before", "1")
    p.execute_command("BACKUP", "START")
    p.set("after", "1")
    assert p.execute() == [True, b"OK", True]
    wait_state(c, "incrementing")
    p = c.pipeline(transaction=True)
    p.execute_command("BACKUP", "SEAL")
    p.execute_command("BACKUP", "STATUS")
    res = p.execute()
    assert res[0] == b"OK"
    restored = restore_into(make_server, listing(c))
    assert restored.client().mget("before", "after") == [b"1", b"1"]


def test_resp3_status_is_a_map(make_server):
    srv = make_server(AOF)
    raw = srv.raw()
    assert raw.call("BACKUP", "STATUS") == [b"state", b"idle", b"error", b"", b"start_time", 0,
                                            b"end_time", 0]
    raw.call("HELLO", "3")
    st = raw.call("BACKUP", "STATUS")
    assert isinstance(st, dict) and st[b"state"] == b"idle" and st[b"start_time"] == 0


def test_backup_sealed_ttl(make_server):
    srv = make_server(AOF)
    c = srv.client()
    assert c.config_get("backup-sealed-ttl") == {"backup-sealed-ttl": "0"}
    c.set("a", "1")
    assert c.execute_command("BACKUP", "START") == b"OK"
    wait_state(c, "incrementing")
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    time.sleep(1.2)
    assert state(c) == "sealed"  # 0: kept until CLEANUP
    c.config_set("backup-sealed-ttl", 1)
    wait_state(c, "idle")
    assert listing(c) == [] and os.listdir(backup_dir(srv)) == []


def test_info_backup_in_progress(make_server):
    """Redis 8.10's INFO persistence field: 1 from BACKUP START until the
    backup is sealed or aborted (BACKUP STATUS's docs name it)."""
    srv = make_server(AOF)
    c = srv.client()
    assert pinfo(c)["backup_in_progress"] == "0"
    fill(c)
    assert c.execute_command("BACKUP", "START") == b"OK"
    assert pinfo(c)["backup_in_progress"] == "1"
    wait_state(c, "incrementing")
    assert pinfo(c)["backup_in_progress"] == "1"
    assert c.execute_command("BACKUP", "SEAL") == b"OK"
    assert pinfo(c)["backup_in_progress"] == "0"
    assert c.execute_command("BACKUP", "CLEANUP") == b"OK"
    assert c.execute_command("BACKUP", "START") == b"OK"
    assert pinfo(c)["backup_in_progress"] == "1"
    assert c.execute_command("BACKUP", "ABORT") == b"OK"
    assert pinfo(c)["backup_in_progress"] == "0"
    # without the AOF too (the field is written by the core then)
    assert pinfo(make_server().client())["backup_in_progress"] == "0"
