"""Redis's process and persistence configs that a stock redis.conf sets:
streamd starts on Debian's /etc/redis/redis.conf as it is (only the port,
directory and daemonizing changed), and each of those directives does what
it does in Redis: the title ps shows (set-proc-title, proc-title-template),
the OOM score (oom-score-adj, oom-score-adj-values), transparent huge pages
(disable-thp), jemalloc's background thread (jemalloc-bg-thread), the logo
(always-show-logo), the cron's rate (dynamic-hz), AOF timestamps
(aof-timestamp-enabled) and fsyncs held back during a rewrite
(no-appendfsync-on-rewrite).
"""

import os
import re
import socket
import time

import pytest

from testlib import SLOW, STREAMD_BIN, redis_on_aof_of, streamd_only, wait_for

pytestmark = streamd_only

STOCK_CONF = "/etc/redis/redis.conf"


def proc(srv, name):
    with open("/proc/%d/%s" % (srv.proc.pid, name), "rb") as f:
        return f.read()



@pytest.mark.skipif(not os.path.exists(STOCK_CONF), reason="Debian's redis.conf is not installed")
def test_starts_on_debians_stock_redis_conf(make_server, tmp_path):
    text = open(STOCK_CONF).read()
    directives = sorted({line.split()[0] for line in text.splitlines()
                         if line.strip() and not line.lstrip().startswith("#")})
    # only what would stop a test server: running in the background, files outside its directory
    text = re.sub(r"(?m)^(daemonize|pidfile|logfile|dir|supervised|unixsocket)\b.*$", "", text)
    conf = tmp_path / "redis.conf"
    conf.write_text(text)
    srv = make_server(config_file=str(conf))
    c = srv.client()
    assert c.ping()
    known = set(c.config_get("*"))
    missing = [d for d in directives if d not in known and d not in ("include", "rename-command")]
    assert missing == [], missing
    # values as the file gives them
    got = c.config_get("oom-score-adj-values")
    assert got["oom-score-adj-values"] == "0 200 800"
    for name in ("disable-thp", "jemalloc-bg-thread", "dynamic-hz", "set-proc-title",
                 "aof-rewrite-incremental-fsync", "rdb-save-incremental-fsync"):
        assert c.config_get(name)[name] == "yes", name
    for name in ("always-show-logo", "rdb-del-sync-files", "repl-disable-tcp-nodelay",
                 "no-appendfsync-on-rewrite", "aof-timestamp-enabled"):
        assert c.config_get(name)[name] == "no", name


def test_proc_title(make_server):
    srv = make_server()
    c = srv.client()
    argv = proc(srv, "cmdline").rstrip(b"\0").split(b"\0")
    assert argv[0].endswith(b"streamd 127.0.0.1:%d" % srv.port)
    c.config_set("proc-title-template", "{title} {{x}} port={port} tls={tls-port} {server-mode}")
    assert wait_for(lambda: b"port=%d tls=0" % srv.port in proc(srv, "cmdline"),
                    "b'port=%d tls=0' % srv.port in proc(srv, 'cmdline')")
    assert proc(srv, "cmdline").rstrip(b"\0").endswith(b"{x} port=%d tls=0" % srv.port)
    for bad in ("{nosuch}", "{title", "x}", "", "   ", "{server-mode}"):
        with pytest.raises(Exception, match="template format is invalid or contains unknown variables"):
            c.config_set("proc-title-template", bad)
    assert c.config_get("proc-title-template")["proc-title-template"].startswith("{title} {{x}}")
    with pytest.raises(Exception, match="can't set immutable config"):
        c.config_set("set-proc-title", "no")
    srv2 = make_server(args=["--set-proc-title", "no"])
    assert b"127.0.0.1:" not in proc(srv2, "cmdline")


def test_oom_score_adj(make_server):
    srv = make_server()
    c = srv.client()
    base = int(proc(srv, "oom_score_adj"))
    c.config_set("oom-score-adj-values", "7 300 900")
    assert int(proc(srv, "oom_score_adj")) == base  # oom-score-adj no
    c.config_set("oom-score-adj", "absolute")
    assert int(proc(srv, "oom_score_adj")) == 7
    c.config_set("oom-score-adj", "relative")
    assert c.config_get("oom-score-adj")["oom-score-adj"] == "yes"
    assert int(proc(srv, "oom_score_adj")) == min(1000, base + 7)
    # a replica's class (the master need not be there)
    c.replicaof("127.0.0.1", 1)
    assert wait_for(lambda: int(proc(srv, "oom_score_adj")) == min(1000, base + 300),
                    "int(proc(srv, 'oom_score_adj')) == min(1000, base + 300)")
    c.replicaof("no", "one")
    assert wait_for(lambda: int(proc(srv, "oom_score_adj")) == min(1000, base + 7),
                    "int(proc(srv, 'oom_score_adj')) == min(1000, base + 7)")
    for bad, msg in (("1 2", "wrong number of arguments"), ("1 2 3 4", "wrong number of arguments"),
                     ("0 2001 3", "elements must be between -2000 and 2000"),
                     ("0 x 3", "elements must be between -2000 and 2000")):
        with pytest.raises(Exception, match=msg):
            c.config_set("oom-score-adj-values", bad)
    with pytest.raises(Exception, match="must be one of the following: no, yes, relative, absolute"):
        c.config_set("oom-score-adj", "maybe")
    c.config_set("oom-score-adj", "no")
    assert int(proc(srv, "oom_score_adj")) == base


def test_thp_jemalloc_thread_and_logo(make_server):
    srv = make_server(args=["--always-show-logo", "yes"])
    c = srv.client()
    assert b"THP_enabled:\t0" in proc(srv, "status")
    assert "the Redis stream server" in srv.log()

    def threads():
        out = []
        for t in os.listdir("/proc/%d/task" % srv.proc.pid):
            try:
                out.append(open("/proc/%d/task/%s/comm" % (srv.proc.pid, t)).read().strip())
            except OSError:
                pass
        return out

    if c.info("memory")["mem_allocator"].startswith("jemalloc"):
        assert wait_for(lambda: "jemalloc_bg_thd" in threads(), "'jemalloc_bg_thd' in threads()")
        c.config_set("jemalloc-bg-thread", "no")
        assert wait_for(lambda: "jemalloc_bg_thd" not in threads(),
                        "'jemalloc_bg_thd' not in threads()")
        c.config_set("jemalloc-bg-thread", "yes")
        assert wait_for(lambda: "jemalloc_bg_thd" in threads(), "'jemalloc_bg_thd' in threads()")
    srv2 = make_server(args=["--disable-thp", "no"])
    assert b"THP_enabled:\t0" not in proc(srv2, "status")


def test_dynamic_hz(make_server):
    """More than 200 clients per cron tick double the rate (Redis's rule)."""
    srv = make_server(args=["--hz", "1"])
    c = srv.client()
    assert c.info("server")["hz"] == 1
    socks = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(250)]
    try:
        assert wait_for(lambda: c.info("server")["hz"] == 2, "c.info('server')['hz'] == 2")
        assert c.info("server")["configured_hz"] == 1
        c.config_set("dynamic-hz", "no")
        assert wait_for(lambda: c.info("server")["hz"] == 1, "c.info('server')['hz'] == 1")
    finally:
        for s in socks:
            s.close()


def test_aof_timestamps(make_server):
    srv = make_server(args=["--appendonly", "yes", "--aof-timestamp-enabled", "yes",
                            "--aof-use-rdb-preamble", "no"])
    c = srv.client()
    c.xadd("s", {"f": "v1"})
    time.sleep(1.05)
    c.xadd("s", {"f": "v2"})
    c.set("k", "v")
    d = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(d) if ".incr." in f][-1]
    data = open(os.path.join(d, incr), "rb").read()
    stamps = re.findall(rb"#TS:(\d+)\r\n", data)
    assert len(stamps) == 2 and int(stamps[1]) > int(stamps[0])
    # one per second: the second annotation sits before the second XADD only
    assert data.index(b"#TS:" + stamps[1]) < data.index(b"v2")
    c.bgrewriteaof()
    assert wait_for(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0
                    and any(".base.aof" in f for f in os.listdir(d)), "c.info('persistence')['aof_rewrite_in_progress'] == 0 and any('.bas...")
    time.sleep(0.2)
    base = [f for f in os.listdir(d) if ".base." in f][-1]
    assert open(os.path.join(d, base), "rb").read().startswith(b"#TS:")
    c.set("k2", "v2")
    srv.restart()
    c = srv.client()
    assert c.xlen("s") == 2 and c.get("k2") == b"v2"
    # and Redis 7.0 reads the annotated files too
    red = redis_on_aof_of(make_server, srv)
    rc = red.client()
    assert rc.xlen("s") == 2 and rc.get("k2") == b"v2"


@pytest.mark.parametrize("hold", ["yes", "no"])
def test_no_appendfsync_on_rewrite(make_server, hold):
    """While a child writes a snapshot, no-appendfsync-on-rewrite yes holds
    the AOF's fsyncs back: WAITAOF's local count stays at 0 until it ends."""
    srv = make_server(args=["--appendonly", "yes", "--appendfsync", "always",
                            "--no-appendfsync-on-rewrite", hold, "--rdb-key-save-delay", "100000"])
    c = srv.client()
    for i in range(40):
        c.set(f"k{i}", i)
    c.bgsave()
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 1,
                    "c.info('persistence')['rdb_bgsave_in_progress'] == 1")
    c.set("during", 1)
    local, _ = c.execute_command("WAITAOF", 1, 0, 200)
    assert local == (0 if hold == "yes" else 1)
    c.config_set("rdb-key-save-delay", 0)
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0,
                    "c.info('persistence')['rdb_bgsave_in_progress'] == 0", timeout=30)
    c.set("after", 1)
    local, _ = c.execute_command("WAITAOF", 1, 0, 2000)
    assert local == 1


def test_supervised_systemd(make_server, tmp_path, monkeypatch):
    """supervised systemd: READY=1 on $NOTIFY_SOCKET once it accepts
    connections; INFO says who supervises it."""
    path = str(tmp_path / "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10 * SLOW)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    srv = make_server(args=["--supervised", "systemd"])
    msg = s.recv(1000)
    assert b"READY=1\n" in msg and b"STATUS=Ready to accept connections" in msg
    c = srv.client()
    assert c.info("server")["process_supervised"] == "systemd"
    assert c.config_get("supervised")["supervised"] == "systemd"
    with pytest.raises(Exception, match="can't set immutable config"):
        c.config_set("supervised", "no")
    s.close()
    monkeypatch.delenv("NOTIFY_SOCKET")
    srv2 = make_server(args=["--supervised", "auto"])
    assert srv2.client().info("server")["process_supervised"] == "no"


@pytest.mark.skipif(os.path.exists("/dev/log") or os.geteuid() != 0,
                    reason="needs to stand in for the system log at /dev/log")
def test_syslog(make_server):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("/dev/log")
    try:
        s.settimeout(10 * SLOW)
        srv = make_server(args=["--syslog-enabled", "yes", "--syslog-ident", "streamd-test",
                                "--syslog-facility", "local3"])
        got = b""
        while b"Ready to accept connections" not in got:
            got += s.recv(65536) + b"\n"
        # <priority>: local3 (19) * 8 + notice (5)
        assert re.search(rb"<157>.*streamd-test\[%d\]: .*Ready to accept connections" % srv.proc.pid, got)
        c = srv.client()
        assert c.config_get("syslog-*") == {"syslog-enabled": "yes", "syslog-ident": "streamd-test",
                                            "syslog-facility": "local3"}
    finally:
        s.close()
        os.unlink("/dev/log")


@pytest.mark.parametrize("how,saved", [("default", True), ("nosave", False), ("save", True)])
def test_shutdown_on_sigterm(make_server, how, saved):
    """SIGTERM shuts down as SHUTDOWN would with shutdown-on-sigterm's
    flags: with save points set, default and save write dump.rdb, nosave does
    not."""
    srv = make_server(args=["--save", "3600 1", "--shutdown-on-sigterm", how])
    c = srv.client()
    c.set("k", "v")
    srv.proc.send_signal(15)
    srv.wait_exit()
    assert os.path.exists(os.path.join(srv.dir, "dump.rdb")) == saved


@pytest.mark.skipif("asan" in STREAMD_BIN, reason="a sanitizer build reports crashes itself")
def test_crash_report(make_server):
    srv = make_server()
    c = srv.client()
    try:
        c.execute_command("DEBUG", "SEGFAULT")
    except Exception:
        pass
    srv.wait_exit()
    log = srv.log()
    assert "=== STREAMD BUG REPORT START" in log and "------ STACK TRACE ------" in log
    assert "crashed by signal: 11" in log


def test_propagation_error_behavior_aof(make_server):
    """An AOF command that fails on load is skipped (ignore), or stops the
    server (panic)."""
    srv = make_server(args=["--appendonly", "yes"])
    c = srv.client()
    c.set("k", "abc")
    c.set("n", "1")
    srv.stop()
    d = os.path.join(srv.dir, "appendonlydir")
    incr = [f for f in os.listdir(d) if ".incr." in f][-1]
    with open(os.path.join(d, incr), "ab") as f:
        f.write(b"*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
    srv.start()
    assert srv.client().get("n") == b"2"  # the failing INCR was passed over
    srv.stop()
    with pytest.raises(Exception, match="during start-up"):
        srv.start(["--appendonly", "yes", "--propagation-error-behavior", "panic"])
    srv.expect_exit = True
    assert "panicked sending an error to its AOF" in srv.log()


def test_propagation_error_behavior_replica(make_server):
    master = make_server()
    replica = make_server(args=["--replica-read-only", "no",
                                "--propagation-error-behavior", "panic-on-replicas"])
    m, r = master.client(), replica.client()
    m.set("k", "1")
    r.replicaof("127.0.0.1", master.port)
    assert wait_for(lambda: r.info("replication")["master_link_status"] == "up"
                    and r.get("k") == b"1", "r.info('replication')['master_link_status'] == 'up' and r.get('k') ...")
    r.set("k", "abc")  # the replica's own write: the master's INCR fails here
    replica.expect_exit = True
    m.incr("k")
    assert wait_for(lambda: not replica.is_running(), "not replica.is_running()")
    assert "This replica panicked sending an error to its master" in replica.log()


def test_aof_disable_auto_gc(make_server):
    srv = make_server(args=["--appendonly", "yes", "--aof-disable-auto-gc", "yes"])
    c = srv.client()
    d = os.path.join(srv.dir, "appendonlydir")
    for i in range(2):
        c.set(f"k{i}", i)
        c.bgrewriteaof()
        assert wait_for(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0,
                        "c.info('persistence')['aof_rewrite_in_progress'] == 0")
        time.sleep(0.2)
    manifest = open(os.path.join(d, [f for f in os.listdir(d) if f.endswith(".manifest")][0])).read()
    assert " type h" in manifest
    kept = len(os.listdir(d))
    c.config_set("aof-disable-auto-gc", "no")
    assert wait_for(lambda: len(os.listdir(d)) < kept, "len(os.listdir(d)) < kept")
    manifest = open(os.path.join(d, [f for f in os.listdir(d) if f.endswith(".manifest")][0])).read()
    assert " type h" not in manifest


def test_cpulists_and_socket_mark(make_server):
    """server_cpulist binds the main thread, bio_cpulist the background
    threads, bgsave_cpulist a snapshot child; socket-mark-id marks the
    listening sockets."""
    ncpu = os.cpu_count() or 1
    last = str(ncpu - 1)
    srv = make_server(args=["--server_cpulist", "0", "--bio_cpulist", last,
                            "--bgsave_cpulist", last, "--appendonly", "yes",
                            "--socket-mark-id", "7"])
    c = srv.client()
    c.set("k", "v")  # the AOF's background thread is running

    def allowed(path):
        for line in open(path + "/status"):
            if line.startswith("Cpus_allowed_list:"):
                return line.split()[1]

    tasks = {}
    for t in os.listdir("/proc/%d/task" % srv.proc.pid):
        base = "/proc/%d/task/%s" % (srv.proc.pid, t)
        tasks[open(base + "/comm").read().strip()] = allowed(base)
    assert tasks["streamd"] == "0"
    assert tasks["bio_aof"] == last
    assert c.config_get("*cpulist*") == {"server_cpulist": "0", "bio_cpulist": last,
                                         "aof_rewrite_cpulist": "", "bgsave_cpulist": last}
    with pytest.raises(Exception, match="can't set immutable config"):
        c.config_set("server_cpulist", "1")
    if os.path.exists("/usr/bin/ss") or os.path.exists("/bin/ss"):
        import subprocess
        out = subprocess.run(["ss", "-ltne"], capture_output=True, text=True).stdout
        lines = [l for l in out.splitlines() if ":%d " % srv.port in l]
        assert lines and all("fwmark:0x7" in l for l in lines), out
    srv2 = make_server()
    with pytest.raises(Exception, match="Invalid cpulist"):
        srv2.stop()
        srv2.start(["--server_cpulist", "0-x"])
    srv2.expect_exit = True
