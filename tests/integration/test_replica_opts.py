"""A replica's own options of Redis 7.0: replica-announce-ip (the address
its master shows), bind-source-addr (the source address of its link, and of
MIGRATE's connections), and replica-ignore-disk-write-errors (what it does
with its master's writes when its AOF cannot be written).
"""

import os
import time

import pytest

from testlib import streamd_only, wait_for

pytestmark = streamd_only


def link_up(r):
    return r.info("replication").get("master_link_status") == "up"


@pytest.mark.parametrize("master_kind", ["streamd", "redis"])
def test_announce_ip(make_server, master_kind):
    master = make_server(kind=master_kind)
    replica = make_server(args=["--replica-announce-ip", "10.9.8.7"])
    r = replica.client()
    r.replicaof("127.0.0.1", master.port)
    wait_for(lambda: link_up(r), "replica link up")
    m = master.client()
    slave0 = wait_for(lambda: m.info("replication").get("slave0"), "slave0 in INFO")
    assert slave0["ip"] == "10.9.8.7"
    assert r.config_get("slave-announce-ip") == {"slave-announce-ip": "10.9.8.7"}


def test_bind_source_addr(make_server):
    master = make_server()
    replica = make_server(args=["--bind-source-addr", "127.0.0.2"])
    r = replica.client()
    r.replicaof("127.0.0.1", master.port)
    wait_for(lambda: link_up(r), "replica link up")
    m = master.client()
    slave0 = m.info("replication")["slave0"]
    assert slave0["ip"] == "127.0.0.2"
    # MIGRATE's connection leaves from it too
    target = make_server()
    r.replicaof("no", "one")
    r.set("mk", "v")
    assert r.migrate("127.0.0.1", target.port, "mk", 0, 5000) == b"OK"
    clients = target.client().client_list()
    assert any(c["addr"].startswith("127.0.0.2:") for c in clients), clients


@pytest.mark.parametrize("ignore", ["no", "yes"])
def test_disk_write_errors(make_server, ignore):
    master = make_server()
    replica = make_server(args=["--appendonly", "yes",
                                "--replica-ignore-disk-write-errors", ignore])
    r = replica.client()
    r.replicaof("127.0.0.1", master.port)
    wait_for(lambda: link_up(r), "replica link up")
    # (the full sync's own AOF rewrite first)
    wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
             and r.info("persistence")["aof_rewrite_scheduled"] == 0, "no rewrite running")
    done = r.info("persistence").get("aof_rewrites", 0)
    # the AOF's next incremental file is /dev/full: every write fails
    d = os.path.join(replica.dir, "appendonlydir")
    seq = max(int(f.split(".")[2]) for f in os.listdir(d) if ".incr." in f or ".base." in f)
    os.symlink("/dev/full", os.path.join(d, "appendonly.aof.%d.incr.aof" % (seq + 1)))
    r.bgrewriteaof()
    wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
             and r.info("persistence").get("aof_rewrites", 0) > done, "rewrite done")
    m = master.client()
    m.set("a", 1)  # the replica's write of it fails: writes are refused from now on
    wait_for(lambda: r.info("persistence")["aof_last_write_status"] == "err", "AOF error")
    if ignore == "no":
        replica.expect_exit = True
        m.set("b", 2)
        wait_for(lambda: not replica.is_running(), "the replica stops")
        assert "Replica was unable to write command to disk." in replica.log()
    else:
        m.set("b", 2)
        wait_for(lambda: r.get("b") == b"2", "the write applied")
        assert "applying a command even though it is unable to write to disk" in replica.log()
