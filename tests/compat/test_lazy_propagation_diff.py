"""What a deletion propagates under the lazyfree options, against
redis-server 7.0: the same commands on both servers (appendonly yes), then
the commands each wrote to its AOF, compared.

7.0 writes UNLINK instead of DEL where it frees the value lazily:
lazyfree-lazy-expire for a key found expired (by a command or by the active
cycle), EXPIRE with a time already past and GETEX EXAT/PXAT in the past;
lazyfree-lazy-user-del for GETDEL. SPOP of a whole set and RESTORE of an
already expired value stay DEL whatever the options. INCREX (Redis 8.8, not
in 7.0) deletes a key whose new expiry has passed as GETEX does: UNLINK
under lazyfree-lazy-expire, as 8.8's tests/unit/type/increx.tcl expects.
"""

import os
import time

import pytest

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

AOF = ["--appendonly", "yes", "--appendfsync", "always"]


def aof_commands(srv):
    """The commands of the server's incr AOF, PXAT times replaced by '<ms>'."""
    d = os.path.join(srv.dir, "appendonlydir")
    name = [f for f in os.listdir(d) if f.endswith(".incr.aof")][0]
    with open(os.path.join(d, name), "rb") as f:
        lines = f.read().split(b"\r\n")
    out, i = [], 0
    while i < len(lines) and lines[i]:
        n = int(lines[i][1:])
        args = [lines[i + 2 + 2 * k] for k in range(n)]
        i += 1 + 2 * n
        for k in range(len(args) - 1):
            if args[k].upper() == b"PXAT":
                args[k + 1] = b"<ms>"
        out.append(args)
    return out


def wait_empty(c):
    deadline = time.time() + 5 * SLOW
    while c.dbsize() and time.time() < deadline:
        time.sleep(0.02)
    assert c.dbsize() == 0


def workload(c):
    c.set("a", "1")
    assert c.execute_command("GETEX", "a", "EXAT", "1") == b"1"
    c.set("b", "1")
    assert c.execute_command("EXPIRE", "b", "-1") == 1
    c.set("c", "1")
    assert c.execute_command("GETDEL", "c") == b"1"
    c.sadd("s", "x", "y")
    assert len(c.execute_command("SPOP", "s", "5")) == 2
    c.set("d", "1")
    payload = c.dump("d")
    assert c.execute_command("RESTORE", "d", "1", payload, "REPLACE", "ABSTTL") == b"OK"
    c.set("e", "1", px=1)
    time.sleep(0.01)
    assert c.get("e") is None  # expired when read
    c.set("f", "1", px=1)
    wait_empty(c)  # expired by the active cycle


@pytest.mark.parametrize("option", [
    None, "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del"])
def test_deletes_propagate_as_7_0(make_server, option):
    args = AOF + (["--" + option, "yes"] if option else [])
    seen = {}
    for kind in ("redis", "streamd"):
        srv = make_server(args, kind=kind)
        workload(srv.client())
        seen[kind] = aof_commands(srv)
    assert seen["streamd"] == seen["redis"]
    verbs = [cmd[0].upper() for cmd in seen["streamd"]]
    assert verbs.count(b"UNLINK") == {"lazyfree-lazy-expire": 4,
                                      "lazyfree-lazy-user-del": 1}.get(option, 0)


@pytest.mark.parametrize("lazy", ["no", "yes"])
def test_increx_past_expiry_propagates_unlink_when_lazy(make_server, lazy):
    srv = make_server(AOF + ["--lazyfree-lazy-expire", lazy])
    c = srv.client()
    c.set("k", "10")
    assert c.execute_command("INCREX", "k", "BYINT", "1", "PXAT", "1") == [11, 1]
    assert c.exists("k") == 0
    assert aof_commands(srv)[-1] == [b"UNLINK" if lazy == "yes" else b"DEL", b"k"]
