"""A string as long as streamd lets it grow survives every way of saving and
loading it.

Redis checks BITFIELD's bit offset, not where the field ends, so a 64-bit
field at the last allowed offset makes a string 8 bytes longer than
proto-max-bulk-len (512 MB). The AOF, RDB and DUMP readers must take what
the server can make: once they refused any argument over 512 MB, so a
rewrite followed by a reload (or a restart) failed with "argument length out
of range" and the data could not be loaded again (found by cmd_fuzz).
"""

import time

from testlib import SLOW, streamd_only

pytestmark = streamd_only

BITS = 4294967295  # the last bit offset below 512 MB
LEN = 536870920  # where an i64 field written there ends


def wait_rewrite(c):
    deadline = time.monotonic() + 60 * SLOW
    while time.monotonic() < deadline:
        i = c.info("persistence")
        if i["aof_rewrite_in_progress"] == 0 and i["aof_rewrite_scheduled"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("rewrite still running")


def test_bitfield_overshoot_reloads_from_aof_and_rdb(make_server):
    srv = make_server(["--appendonly", "yes"])
    c = srv.client(socket_timeout=120 * SLOW)
    assert c.execute_command("BITFIELD", "big", "SET", "i64", BITS, 0x0102030405060708) == [0]
    assert c.strlen("big") == LEN
    tail = c.getrange("big", LEN - 16, -1)
    assert tail[-8:] != b"\0" * 8
    c.bgrewriteaof()
    wait_rewrite(c)
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert c.strlen("big") == LEN and c.getrange("big", LEN - 16, -1) == tail
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"  # an RDB save and load
    assert c.strlen("big") == LEN and c.getrange("big", LEN - 16, -1) == tail
    c.delete("big")
