"""The append-only file (issue #6): layout, round trips, rewrite, repair.

Every test starts its own server(s) with make_server so it can restart them
and look at their directories. Streams and groups have their own module
(test_aof_streams.py); this one covers the machinery with strings: the
multi-part layout Redis 7 writes, restarts, BGREWRITEAOF, CONFIG SET
appendonly, torn tails and corruption, write errors, loading, and interop
with Debian's redis-server and redis-check-aof.
"""

import os
import random
import re
import resource
import shutil
import socket
import subprocess
import time

import pytest

from testlib import IS_REDIS, SLOW, RespConn, RespError, parse_info

pytestmark = pytest.mark.skipif(IS_REDIS, reason="starts streamd servers with their own options")

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]
AOF_EVERYSEC = ["--appendonly", "yes", "--appendfsync", "everysec"]
REDIS_BIN = "/usr/bin/redis-server"
CHECK_AOF = "/usr/bin/redis-check-aof"


# ---- helpers -------------------------------------------------------------------------


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def manifest(srv):
    return read(os.path.join(aof_dir(srv), "appendonly.aof.manifest"), "r")


def manifest_files(srv, kind=None):
    out = []
    for line in manifest(srv).splitlines():
        parts = line.split()
        if kind is None or parts[5] == kind:
            out.append(parts[1])
    return out


def pinfo(c):
    """INFO persistence as strings (redis-py converts numbers)."""
    return {k: str(v) for k, v in c.info("persistence").items()}


def wait_rewrite(c, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        i = pinfo(c)
        if i["aof_rewrite_in_progress"] == "0" and i["aof_rewrite_scheduled"] == "0":
            return i
        time.sleep(0.02)
    raise AssertionError("rewrite still running: %r" % pinfo(c))


def wait_for(cond, timeout=5):
    """Polls cond() until it is true (background deletions, fsyncs)."""
    deadline = time.monotonic() + timeout * SLOW
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in %ss" % timeout
        time.sleep(0.01)


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def dataset(c, dbs=range(4)):
    """Every key of the given databases: (db, key) -> (value, has_ttl)."""
    out = {}
    for db in dbs:
        c.execute_command("SELECT", db)
        keys = list(c.scan_iter(count=1000))
        p = c.pipeline(transaction=False)
        for k in keys:
            p.get(k)
            p.pttl(k)
        r = p.execute()
        for i, k in enumerate(keys):
            out[(db, k)] = (r[2 * i], r[2 * i + 1] > 0)
    c.execute_command("SELECT", 0)
    return out


def fill_strings(c):
    c.set("plain", "v1")
    c.set("bin", b"\x00\r\n*3\r\n$\xff")
    c.set("empty", "")
    c.set("ttl", "x", px=500000)
    c.set("gone", "y")
    c.delete("gone")
    c.incr("counter")
    c.incrby("counter", 41)
    c.append("plain", "+more")
    c.mset({"m1": "a", "m2": "b"})
    c.rename("m2", "m3")
    c.expire("m3", 1000)
    c.persist("m3")
    c.execute_command("SELECT", 3)
    c.set("in3", "three")
    c.execute_command("SELECT", 0)
    with c.pipeline(transaction=True) as p:
        p.set("tx1", "a")
        p.incr("tx2")
        p.execute()


def expect_start_failure(srv, *needles):
    """Starting srv must fail; its log must contain every needle."""
    with pytest.raises(AssertionError) as e:
        srv.start()
    text = str(e.value)
    for n in needles:
        assert n in text, "%r not in the log:\n%s" % (n, text)
    srv.proc = None
    return text


# ---- layout ---------------------------------------------------------------------------


def test_layout_is_redis7_multipart(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    assert manifest(srv) == (
        "file appendonly.aof.1.base.aof seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n"
    )
    d = aof_dir(srv)
    assert read(os.path.join(d, "appendonly.aof.1.base.aof")) == b""
    c.set("k", "v")
    c.execute_command("SELECT", 2)
    c.set("k2", "v2")
    assert read(os.path.join(d, "appendonly.aof.1.incr.aof")) == (
        resp("SELECT", "0") + resp("SET", "k", "v") + resp("SELECT", "2") + resp("SET", "k2", "v2")
    )
    assert c.bgrewriteaof() in (True, b"Background append only file rewriting started")
    wait_rewrite(c)
    assert manifest(srv) == (
        "file appendonly.aof.2.base.aof seq 2 type b\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n"
    )
    # history files are deleted in the background
    wait_for(lambda: sorted(os.listdir(d)) == [
        "appendonly.aof.2.base.aof",
        "appendonly.aof.2.incr.aof",
        "appendonly.aof.manifest",
    ])
    base = read(os.path.join(d, "appendonly.aof.2.base.aof"))
    assert resp("SELECT", "0") + resp("SET", "k", "v") in base
    assert resp("SELECT", "2") + resp("SET", "k2", "v2") in base
    c.execute_command("SELECT", 0)
    c.set("after", "1")
    # the new incremental file starts with a SELECT
    assert read(os.path.join(d, "appendonly.aof.2.incr.aof")) == resp("SELECT", "0") + resp(
        "SET", "after", "1"
    )


def test_info_persistence_fields(make_server):
    srv = make_server(AOF_EVERYSEC)
    c = srv.client()
    i = pinfo(c)
    for f in [
        "loading", "async_loading", "rdb_changes_since_last_save", "aof_enabled",
        "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
        "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
        "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size", "aof_current_size",
        "aof_base_size", "aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync",
        "aof_delayed_fsync",
    ]:
        assert f in i, f
    assert i["aof_enabled"] == "1"
    assert i["aof_last_rewrite_time_sec"] == "-1"
    assert i["aof_rewrites"] == "0"
    assert i["aof_last_write_status"] == "ok"
    size0 = int(i["aof_current_size"])
    c.set("k", "v" * 100)
    assert int(pinfo(c)["aof_current_size"]) > size0
    c.bgrewriteaof()
    i = wait_rewrite(c)
    assert i["aof_rewrites"] == "1"
    assert i["aof_last_bgrewrite_status"] == "ok"
    assert i["aof_last_rewrite_time_sec"] in ("0", "1")  # whole seconds
    assert int(i["aof_base_size"]) == int(i["aof_current_size"]) > 0
    srv2 = make_server()
    i2 = pinfo(srv2.client())
    assert i2["aof_enabled"] == "0" and "aof_current_size" not in i2


# ---- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("fsync", ["always", "everysec", "no"])
def test_restart_roundtrip_strings(make_server, fsync):
    srv = make_server(["--appendonly", "yes", "--appendfsync", fsync])
    c = srv.client()
    fill_strings(c)
    before = dataset(c)
    assert before[(0, b"counter")] == (b"42", False)
    assert before[(0, b"ttl")] == (b"x", True)
    srv.restart()
    c = srv.client()
    assert dataset(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("post", "rewrite")
    before[(0, b"post")] = (b"rewrite", False)
    srv.restart()
    c = srv.client()
    assert dataset(c) == before
    # SIGKILL after the replies: with always/everysec the data is in the
    # file (everysec: written before the loop slept, the kernel has it).
    c.set("last", "one")
    before[(0, b"last")] = (b"one", False)
    srv.kill9()
    srv.start()
    assert dataset(srv.client()) == before


def test_expired_keys_stay_deleted(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("short", "v", px=50)
    c.set("keep", "v")
    time.sleep(0.2)
    assert c.get("short") is None  # expires: the deletion is propagated
    srv.restart()
    c = srv.client()
    assert c.exists("short") == 0 and c.get("keep") == b"v"


def test_rewrite_keeps_ttl_absolute(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("t", "v", px=200000)
    c.bgrewriteaof()
    wait_rewrite(c)
    base = read(os.path.join(aof_dir(srv), "appendonly.aof.2.base.aof"))
    m = re.search(rb"PEXPIREAT\r\n\$1\r\nt\r\n\$13\r\n(\d{13})\r\n", base)
    assert m, base
    assert abs(int(m.group(1)) - (time.time() * 1000 + 200000)) < 5000
    srv.restart()
    assert 190000 < srv.client().pttl("t") <= 200000


def test_bgrewriteaof_replies(make_server):
    srv = make_server(AOF_ALWAYS)
    raw = srv.raw()
    raw.call("SET", "k", "v")
    assert raw.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    # inside MULTI it is scheduled, then run
    c = srv.client()
    wait_rewrite(c)
    raw.call("MULTI")
    raw.call("BGREWRITEAOF")
    assert raw.call("EXEC") == [b"Background append only file rewriting scheduled"]
    i = wait_rewrite(c)
    assert i["aof_rewrites"] == "2"
    # with the AOF off, BGREWRITEAOF still writes a base (as Redis)
    srv2 = make_server()
    c2 = srv2.client()
    c2.set("x", "y")
    c2.bgrewriteaof()
    wait_rewrite(c2)
    assert manifest_files(srv2) == ["appendonly.aof.1.base.aof"]


def test_config_set_appendonly(make_server):
    srv = make_server(["--appendfsync", "always"])
    c = srv.client()
    fill_strings(c)
    assert not os.path.exists(aof_dir(srv))
    assert c.config_set("appendonly", "yes")
    i = wait_rewrite(c)
    assert i["aof_enabled"] == "1"
    assert manifest(srv) == (
        "file appendonly.aof.1.base.aof seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n"
    )
    c.set("after-enable", "1")
    before = dataset(c)
    srv.restart(["--appendonly", "yes"])
    c = srv.client()
    assert dataset(c) == before
    # off: nothing more is appended
    assert c.config_set("appendonly", "no")
    assert pinfo(c)["aof_enabled"] == "0"
    incr = os.path.join(aof_dir(srv), manifest_files(srv, "i")[-1])
    size = os.path.getsize(incr)
    c.set("not-logged", "1")
    assert os.path.getsize(incr) == size
    srv.restart(["--appendonly", "yes"])
    assert srv.client().get("not-logged") is None


def test_auto_rewrite_on_growth(make_server):
    srv = make_server(AOF_ALWAYS + ["--auto-aof-rewrite-percentage", "100",
                                    "--auto-aof-rewrite-min-size", "20000"])
    c = srv.client()
    for i in range(100):
        c.set("same", "x" * 300)  # grows the file, not the data
    deadline = time.monotonic() + 5 * SLOW
    while pinfo(c)["aof_rewrites"] == "0":
        assert time.monotonic() < deadline, pinfo(c)
        time.sleep(0.05)
    wait_rewrite(c)
    # The base holds the one key. (INFO's aof_base_size is the whole AOF's size
    # when the rewrite ended, as in Redis, so it includes what the loop wrote
    # meanwhile: look at the base file itself.)
    base = manifest_files(srv, "b")
    assert len(base) == 1
    assert os.path.getsize(os.path.join(aof_dir(srv), base[0])) < 1000
    assert "Starting automatic rewriting of AOF on" in srv.log()
    srv.restart()
    assert srv.client().get("same") == b"x" * 300


def test_reenabling_continues_the_sequence(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("a", "1")
    srv.restart(["--appendonly", "no"])
    c = srv.client()
    c.set("b", "2")
    c.config_set("appendonly", "yes")
    wait_rewrite(c)
    assert manifest(srv) == (
        "file appendonly.aof.2.base.aof seq 2 type b\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n"
    )
    wait_for(lambda: sorted(os.listdir(aof_dir(srv))) == [
        "appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"])
    srv.restart(["--appendonly", "yes"])
    c = srv.client()
    assert c.get("a") is None and c.get("b") == b"2"  # "a" was lost with appendonly no


def test_history_left_by_a_crash_is_deleted_at_start(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("a", "1")
    srv.stop()
    d = aof_dir(srv)
    with open(os.path.join(d, "old.incr.aof"), "wb") as f:
        f.write(resp("SET", "never", "loaded"))
    with open(os.path.join(d, "appendonly.aof.manifest"), "a") as f:
        f.write("file old.incr.aof seq 7 type h\n")
    srv.start()
    c = srv.client()
    assert c.get("a") == b"1" and c.get("never") is None
    wait_for(lambda: not os.path.exists(os.path.join(d, "old.incr.aof")))
    assert "type h" not in manifest(srv)


def test_writes_during_rewrite_go_to_new_incr(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    pipe = c.pipeline(transaction=False)
    for i in range(20000):
        pipe.set("k%d" % i, "v" * 50)
    pipe.execute()
    c.bgrewriteaof()
    # write while the child runs (it may already be done on a fast machine)
    for i in range(200):
        c.set("during%d" % i, i)
    wait_rewrite(c)
    c.set("z", "last")
    before = dataset(c, dbs=[0])
    srv.restart()
    assert dataset(srv.client(), dbs=[0]) == before


def test_enable_at_run_time_under_writes(make_server):
    srv = make_server(["--appendfsync", "everysec"])
    c = srv.client()
    pipe = c.pipeline(transaction=False)
    for i in range(30000):
        pipe.set("k%d" % i, "v" * 40)
    pipe.execute()
    assert c.config_set("appendonly", "yes")
    # these land while the child writes the base: in the temp incr file
    for i in range(300):
        c.set("during%d" % i, i)
        c.delete("k%d" % i)
    wait_rewrite(c)
    c.set("after", "1")
    before = dataset(c, dbs=[0])
    srv.restart(["--appendonly", "yes"])
    assert dataset(srv.client(), dbs=[0]) == before
    assert not any(n.startswith("temp-") for n in os.listdir(aof_dir(srv)))


def test_sigterm_during_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    pipe = c.pipeline(transaction=False)
    for i in range(30000):
        pipe.set("k%d" % i, "v" * 40)
    pipe.execute()
    c.bgrewriteaof()
    srv.stop()  # SIGTERM: the child is stopped, its temp file removed
    assert not any(n.startswith("temp-") for n in os.listdir(aof_dir(srv)))
    srv.start()
    c = srv.client()
    assert c.dbsize() == 30000 and c.get("k29999") == b"v" * 40


def test_debug_loadaof(make_server):
    srv = make_server(AOF_EVERYSEC)
    c = srv.client()
    fill_strings(c)
    before = dataset(c)
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert dataset(c) == before
    # it reloads what is on disk, not what is in memory
    c.set("extra", "1")
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert c.get("extra") == b"1"


# ---- torn tails and corruption ------------------------------------------------------------


def prepare_torn(make_server, n=30):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    for i in range(n):
        c.set("k%d" % i, "value-%d" % i)
    srv.stop()
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    data = read(incr)
    last = resp("SET", "k%d" % (n - 1), "value-%d" % (n - 1))
    assert data.endswith(last)
    return srv, incr, data, len(data) - len(last)


def test_torn_tail_is_truncated_and_logged(make_server):
    srv, incr, data, last_start = prepare_torn(make_server)
    offsets = sorted(set([last_start + 1, len(data) - 1, len(data) - 2] +
                         random.sample(range(last_start + 1, len(data)), 6)))
    for cut in offsets:
        with open(incr, "wb") as f:
            f.write(data[:cut])
        srv.start()
        c = srv.client()
        assert c.dbsize() == 29, cut
        assert c.get("k28") == b"value-28"
        log = srv.log()
        assert "Truncating the AOF appendonly.aof.1.incr.aof at offset %d" % last_start in log
        assert os.path.getsize(incr) == last_start
        # appends continue after the cut, and the file is whole again
        c.set("k29", "again")
        srv.stop()
        srv.start()
        assert srv.client().get("k29") == b"again"
        srv.stop()


def test_torn_tail_refused_without_aof_load_truncated(make_server):
    srv, incr, data, last_start = prepare_torn(make_server)
    with open(incr, "wb") as f:
        f.write(data[:-3])
    srv.extra_args = ["--aof-load-truncated", "no"]
    expect_start_failure(srv, "Unexpected end of file reading the append only file "
                              "appendonly.aof.1.incr.aof", "aof-load-truncated")
    assert os.path.getsize(incr) == len(data) - 3


def test_torn_transaction_applies_nothing(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("before", "1")
    with c.pipeline(transaction=True) as p:
        p.set("tx-a", "1")
        p.set("tx-b", "2")
        p.execute()
    srv.stop()
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    data = read(incr)
    assert data.endswith(resp("EXEC"))
    multi_at = data.rindex(resp("MULTI"))
    for cut in [len(data) - 1, multi_at + len(resp("MULTI")), multi_at + 20]:
        with open(incr, "wb") as f:
            f.write(data[:cut])
        srv.start()
        c = srv.client()
        assert c.get("before") == b"1"
        assert c.get("tx-a") is None and c.get("tx-b") is None
        assert "ends inside a MULTI/EXEC transaction" in srv.log() or \
            "ends inside a command" in srv.log()
        assert os.path.getsize(incr) == multi_at
        srv.stop()


def test_corrupt_middle_refuses_with_file_and_offset(make_server):
    srv, incr, data, last_start = prepare_torn(make_server)
    for pos in random.sample([i for i in range(len(data) // 2) if data[i:i + 1] in b"*$\r\n"], 4):
        bad = bytearray(data)
        bad[pos] = ord("x")
        with open(incr, "wb") as f:
            f.write(bytes(bad))
        expect_start_failure(srv, "Bad file format reading the append only file "
                                  "appendonly.aof.1.incr.aof at offset %d" % pos)
        assert read(incr) == bytes(bad)  # nothing was "repaired"


def test_truncated_file_that_is_not_last_refuses(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    c.set("a", "1")
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("b", "2")
    srv.stop()
    base = os.path.join(aof_dir(srv), "appendonly.aof.2.base.aof")
    data = read(base)
    with open(base, "wb") as f:
        f.write(data[:-2])
    expect_start_failure(srv, "appendonly.aof.2.base.aof", "is not the last file")


def test_bad_manifest_refuses(make_server):
    srv = make_server(AOF_ALWAYS)
    srv.stop()
    path = os.path.join(aof_dir(srv), "appendonly.aof.manifest")
    with open(path, "w") as f:
        f.write("file appendonly.aof.1.base.aof seq 1 type b\nfile x seq 1 type z\n")
    expect_start_failure(srv, "Unknown AOF file type", "line 2")
    with open(path, "w") as f:
        f.write("file appendonly.aof.1.base.aof seq 1 type b\n"
                "file appendonly.aof.9.incr.aof seq 9 type i\n")
    expect_start_failure(srv, "appendonly.aof.9.incr.aof")


# ---- errors while writing -----------------------------------------------------------------


def set_fsize(srv, limit):
    """RLIMIT_FSIZE on the running server: writes past it fail with EFBIG.
    It applies to the server's log too, which the tests keep smaller than
    the AOF (a large first value) so the log lines still get written."""
    resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def test_write_error_refuses_writes_until_it_clears(make_server):
    srv = make_server(AOF_EVERYSEC)
    raw = srv.raw()
    raw.call("SET", "a", "1" * 200000)
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    set_fsize(srv, os.path.getsize(incr))
    raw.call("SET", "b", "x" * 100)  # accepted; its write fails (everysec may postpone it)
    wait_for(lambda: parse_info(raw.call("INFO", "persistence"))["aof_last_write_status"] == "err")
    r = raw.call("SET", "c", "1")
    assert r == RespError("MISCONF Errors writing to the AOF file: File too large"), r
    assert raw.call("GET", "a") == b"1" * 200000  # reads go on
    i = parse_info(raw.call("INFO", "persistence"))
    assert i["aof_last_write_status"] == "err"
    set_fsize(srv, resource.RLIM_INFINITY)
    deadline = time.monotonic() + 5
    while raw.call("SET", "c", "1") != b"OK":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert parse_info(raw.call("INFO", "persistence"))["aof_last_write_status"] == "ok"
    assert "Error writing to the AOF file" in srv.log()
    srv.restart()
    c = srv.client()
    assert c.get("b") == b"x" * 100 and c.get("c") == b"1"


def test_write_error_with_always_exits(make_server):
    srv = make_server(AOF_ALWAYS)
    raw = srv.raw()
    raw.call("SET", "a", "1" * 200000)
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    set_fsize(srv, os.path.getsize(incr) + 10)
    with pytest.raises(Exception):
        raw.call("SET", "b", "x" * 100)  # never acknowledged
    assert srv.wait_exit() == 1
    assert "Can't recover from AOF write error when the AOF fsync policy is 'always'" in srv.log()
    srv.start()
    c = srv.client()
    assert c.get("a") == b"1" * 200000 and c.get("b") is None


# ---- loading ----------------------------------------------------------------------------


def test_loading_answers_loading(make_server):
    srv = make_server(AOF_EVERYSEC)
    srv.stop()
    # a big incremental file, written directly
    incr = os.path.join(aof_dir(srv), "appendonly.aof.1.incr.aof")
    with open(incr, "wb") as f:
        f.write(resp("SELECT", "0"))
        chunk = b"".join(resp("SET", "key:%d" % i, "v" * 20) for i in range(1000))
        for _ in range(600):
            f.write(chunk)
    log = open(srv.log_path, "ab")
    proc = subprocess.Popen(srv.command_line(), stdout=log, stderr=subprocess.STDOUT,
                            cwd=srv.dir)
    try:
        saw_loading = saw_info = False
        deadline = time.monotonic() + 30 * SLOW
        while time.monotonic() < deadline:
            try:
                conn = RespConn("127.0.0.1", srv.port, timeout=10 * SLOW)
            except OSError:
                time.sleep(0.005)
                continue
            try:
                reply = conn.call("GET", "key:1")
                if reply == RespError("LOADING Redis is loading the dataset in memory"):
                    saw_loading = True
                    i = parse_info(conn.call("INFO", "persistence"))
                    if i["loading"] == "1" and int(i["loading_total_bytes"]) > 0:
                        saw_info = True
                elif reply == b"v" * 20:
                    break
            finally:
                conn.close()
            time.sleep(0.002)
        assert saw_loading and saw_info
        c = srv.client()
        assert c.dbsize() == 1000 and pinfo(c)["loading"] == "0"
    finally:
        proc.terminate()
        proc.wait()
        log.close()


# ---- interop with Redis -----------------------------------------------------------------


def redis_on(make_server, dir_, args=()):
    srv = make_server(kind="redis", args=["--appendonly", "yes"] + list(args))
    srv.stop()
    shutil.rmtree(srv.dir)
    shutil.copytree(dir_, srv.dir)
    srv.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    return srv


def test_interop_redis_loads_streamd_aof(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    fill_strings(c)
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("in-incr", "1")
    before = dataset(c)
    srv.stop()
    out = subprocess.run([CHECK_AOF, os.path.join(aof_dir(srv), "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "All AOF files and manifest are valid" in out.stdout, out
    red = redis_on(make_server, srv.dir)
    assert dataset(red.client()) == before


def test_interop_streamd_loads_redis_aof(make_server, tmp_path):
    red = make_server(kind="redis", args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    rc = red.client()
    fill_strings(rc)
    rc.bgrewriteaof()
    wait_rewrite(rc)
    rc.set("in-incr", "1")
    before = dataset(rc)
    red.stop()
    srv = make_server(AOF_ALWAYS)
    srv.stop()
    shutil.rmtree(aof_dir(srv))
    shutil.copytree(aof_dir(red), aof_dir(srv))
    srv.start()
    assert dataset(srv.client()) == before


def test_old_single_file_aof_is_upgraded(make_server):
    srv = make_server(AOF_ALWAYS)
    srv.stop()
    shutil.rmtree(aof_dir(srv))
    with open(os.path.join(srv.dir, "appendonly.aof"), "wb") as f:
        f.write(resp("SELECT", "0") + resp("SET", "old", "style"))
    srv.start()
    c = srv.client()
    assert c.get("old") == b"style"
    assert not os.path.exists(os.path.join(srv.dir, "appendonly.aof"))
    assert manifest(srv) == (
        "file appendonly.aof seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n"
    )
    assert "Successfully migrated an old-style AOF file" in srv.log()
    c.set("new", "1")
    srv.restart()
    c = srv.client()
    assert c.get("old") == b"style" and c.get("new") == b"1"
