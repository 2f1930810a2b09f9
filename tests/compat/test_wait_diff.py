"""WAIT, differentially: neither server has replicas, so WAIT answers 0 at
once when no replica is asked for (or inside a transaction), else when its
timeout passes or CLIENT UNBLOCK releases it; errors as redis-server 7.0's.
"""

import pytest

from testlib import IS_REDIS, wait_blocked

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def script(srv):
    c, ctl = srv.raw(), srv.raw()
    got = [c.call_raw(*cmd) for cmd in [
        ("WAIT", "0", "0"), ("WAIT", "-1", "0"), ("WAIT", "0", "100"),
        ("WAIT", "a", "0"), ("WAIT", "1", "a"), ("WAIT", "1", "-1"), ("WAIT", "1"),
        ("WAIT", "1", "0", "x")]]
    got.append(c.call_raw("WAIT", "1", "50"))  # times out: 0
    got += [c.call_raw(*cmd) for cmd in [("MULTI",), ("WAIT", "5", "0"), ("EXEC",)]]
    for how in ("TIMEOUT", "ERROR"):
        cid = c.call("CLIENT", "ID")
        c.send_cmd("WAIT", "1", "0")  # forever, until released
        wait_blocked(ctl, 1)
        got.append(ctl.call_raw("CLIENT", "UNBLOCK", str(cid), how))
        got.append(c.read_with_raw()[1])
    got.append(c.call_raw("PING"))
    c.close()
    ctl.close()
    return got


def test_wait(server, ref_server):
    assert script(server) == script(ref_server)
