"""Streams with idempotent-producer state (Redis 8.6's RDB type 26, RDB
version 13) and XNACKed pending entries (Redis 8.8's type 27, version 14):
what DUMP writes (decoded by testlib.dumppayload, written separately from
the C codec), RESTORE of streamd's payloads and of payloads built here
field by field in Redis's layout, refusals of broken ones, the RDB file
(DEBUG RELOAD, restart) and the AOF's RDB preamble, and the type 208
payloads earlier streamd builds wrote, which still load.
"""

import os
import random
import struct
import time

import pytest

from testlib import IS_REDIS, SLOW
from testlib.dumppayload import (build_idmp, build_listpack, build_stream, decode, enc_len,
                                 enc_string, node_elems, seal)
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's own DUMP payloads")

IDMP_FIELDS = (b"idmp-duration", b"idmp-maxsize", b"pids-tracked", b"iids-tracked",
               b"iids-added", b"iids-duplicates")


def pairs(lst):
    return {bytes(lst[i]): lst[i + 1] for i in range(0, len(lst), 2)}


def tid(b):
    ms, seq = bytes(b).split(b"-")
    return (int(ms), int(seq))


def idmp_info(c, key):
    info = pairs(c.call("XINFO", "STREAM", key))
    return {k: info[k] for k in IDMP_FIELDS}


def pending(c, key, group):
    """XPENDING rows without the idle time (it moves with the clock)."""
    return [[r[0], r[1], r[3]] for r in c.call("XPENDING", key, group, "-", "+", 1000)]


def idmp_stream(c, key="s"):
    ids = [c.call("XADD", key, "IDMP", "p%d" % (i % 2), "i%d" % i, "*", "f", str(i))
           for i in range(6)]
    c.call("XCFGSET", key, "IDMP-DURATION", "5000", "IDMP-MAXSIZE", "3")
    # XCFGSET with new values forgets the iids; record a few again
    ids += [c.call("XADD", key, "IDMP", "prodA", "a%d" % i, "*", "f", str(i)) for i in range(4)]
    ids.append(c.call("XADD", key, "IDMP", "prodB", "b0", "*", "f", "x"))
    assert c.call("XADD", key, "IDMP", "prodB", "b0", "*", "f", "y") == ids[-1]  # a duplicate
    return ids


def test_idmp_stream_dumps_as_type_26(raw):
    c = raw()
    ids = idmp_stream(c)
    p = c.call("DUMP", "s")
    d = decode(p)
    assert (d["type"], d["version"]) == (26, 13)
    m = d["value"]["idmp"]
    assert (m["duration"], m["maxsize"]) == (5000, 3)
    # every producer with its live iids oldest first; prodA kept its last 3
    prods = dict(m["producers"])
    assert sorted(prods) == [b"prodA", b"prodB"]
    assert prods[b"prodA"] == [(b"a%d" % i, tid(ids[6 + i])) for i in (1, 2, 3)]
    assert prods[b"prodB"] == [(b"b0", tid(ids[10]))]
    info = idmp_info(c, "s")
    assert (m["added"], m["duplicates"]) == (info[b"iids-added"], info[b"iids-duplicates"])
    assert m["added"] == 11 and m["duplicates"] == 1
    assert c.call("RESTORE", "copy", "0", p) == b"OK"
    assert idmp_info(c, "copy") == info
    assert c.call("XRANGE", "copy", "-", "+") == c.call("XRANGE", "s", "-", "+")
    # still deduplicated after the restore
    n = c.call("XLEN", "copy")
    assert c.call("XADD", "copy", "IDMP", "prodA", "a2", "*", "f", "again") == ids[8]
    assert c.call("XLEN", "copy") == n
    assert idmp_info(c, "copy")[b"iids-duplicates"] == 2
    # an evicted iid is not: prodA's a0 went when a3 came (maxsize 3)
    assert c.call("XADD", "copy", "IDMP", "prodA", "a0", "*", "f", "new") not in ids
    m = decode(c.call("DUMP", "copy"))["value"]["idmp"]
    assert (m["added"], m["duplicates"]) == (12, 2)
    assert [iid for iid, _ in dict(m["producers"])[b"prodA"]] == [b"a2", b"a3", b"a0"]


def test_nacked_entries_dump_as_type_27(raw):
    c = raw()
    ids = [c.call("XADD", "s", "*", "f", str(i)) for i in range(8)]
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XGROUP", "CREATE", "s", "h", "0")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "5", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "h", "carl", "COUNT", "2", "STREAMS", "s", ">")
    assert c.call("XNACK", "s", "g", "FAIL", "IDS", "2", ids[6], ids[2]) == 2
    assert c.call("XNACK", "s", "g", "SILENT", "IDS", "1", ids[0]) == 1
    p = c.call("DUMP", "s")
    d = decode(p)
    assert (d["type"], d["version"]) == (27, 14)
    g, h = d["value"]["groups"]
    assert g["nacked"] == [tid(ids[i]) for i in (6, 2, 0)]  # release order
    assert h["nacked"] == []
    # NACKed entries: in the group's list with delivery time 0, in no consumer's
    pel = {e[0]: e for e in g["pel"]}
    assert [pel[tid(ids[i])][1] for i in (6, 2, 0)] == [0, 0, 0]
    owned = [x for cons in g["consumers"] for x in cons["pel"]]
    assert sorted(owned) == [tid(ids[i]) for i in (1, 3, 4, 5, 7)]
    # a stream that never used IDMP carries the configs and no producer
    assert d["value"]["idmp"] == {"duration": 100, "maxsize": 100, "producers": [],
                                  "added": 0, "duplicates": 0}
    assert c.call("RESTORE", "copy", "0", p) == b"OK"
    assert pending(c, "copy", "g") == pending(c, "s", "g")
    assert [r[1] for r in pending(c, "copy", "g")] == [b"", b"alice", b"", b"alice", b"alice",
                                                       b"bob", b"", b"bob"]
    full = pairs(c.call("XINFO", "STREAM", "copy", "FULL"))
    assert pairs(full[b"groups"][0])[b"nacked-count"] == 3
    assert idmp_info(c, "copy") == idmp_info(c, "s")
    # NACKed entries are claimed first, in release order
    for key in ("s", "copy"):
        got = c.call("XREADGROUP", "GROUP", "g", "dan", "COUNT", "2", "CLAIM", "0",
                     "STREAMS", key, ">")
        assert [e[0] for e in got[0][1]] == [ids[6], ids[2]], key


def test_idmp_and_nack_together_and_plain_types(raw):
    c = raw()
    ids = [c.call("XADD", "s", "IDMP", "p", "i%d" % i, "*", "f", str(i)) for i in range(3)]
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    c.call("XNACK", "s", "g", "FAIL", "IDS", "1", ids[1])
    d = decode(c.call("DUMP", "s"))
    assert (d["type"], d["version"]) == (27, 14)
    assert d["value"]["idmp"]["producers"] == [(b"p", [(b"i%d" % i, tid(ids[i])) for i in range(3)])]
    assert d["value"]["groups"][0]["nacked"] == [tid(ids[1])]
    # claimed back: no NACKed entry left, the IDMP state stays: type 26
    c.call("XCLAIM", "s", "g", "b", "0", ids[1])
    assert decode(c.call("DUMP", "s"))["type"] == 26
    # no state at all: type 21, RDB 11 (Redis 7.2+ restore it)
    c.call("XADD", "plain", "1-1", "f", "v")
    d = decode(c.call("DUMP", "plain"))
    assert (d["type"], d["version"]) == (21, 11)


def entries_node(n, ms0=1000):
    entries = [((ms0 + i, 0), [(b"f", b"v%d" % i)]) for i in range(n)]
    return [((ms0, 0), build_listpack(node_elems((ms0, 0), entries)))], entries


def test_restore_hand_built_type_27(raw):
    """A payload built field by field in Redis 8.8's layout (the fixture of
    redis/librdb's stream_v14_xnack: four entries, the middle two NACKed)."""
    c = raw()
    nodes, _ = entries_node(4)
    e = [(1000 + i, 0) for i in range(4)]
    group = {"name": b"mygroup", "last_id": e[3], "entries_read": 4,
             "pel": [(e[0], 1779170192004, 1), (e[1], 0, 1), (e[2], 0, 2),
                     (e[3], 1779170192004, 1)],
             "consumers": [{"name": b"consumer1", "seen": 1779170192004,
                            "active": 1779170192004, "pel": [e[0], e[3]]}],
             "nacked": [e[2], e[1]]}
    m = {"duration": 300, "maxsize": 50, "added": 7, "duplicates": 2,
         "producers": [(b"pA", [(b"x", e[0]), (b"y", e[1])]), (b"pB", [(b"z", e[3])])]}
    p = build_stream(nodes, 4, e[3], [group], first_id=e[0], entries_added=4,
                     type_byte=27, version=14, idmp=m)
    assert c.call("RESTORE", "k", "0", p) == b"OK"
    assert pending(c, "k", "mygroup") == [[b"1000-0", b"consumer1", 1], [b"1001-0", b"", 1],
                                          [b"1002-0", b"", 2], [b"1003-0", b"consumer1", 1]]
    # the iids' age is their entries' ms part: 1000 ms (1970) is long past
    # the 300 s window, so they are gone; the window and counters stay
    assert idmp_info(c, "k") == {b"idmp-duration": 300, b"idmp-maxsize": 50,
                                 b"pids-tracked": 0, b"iids-tracked": 0, b"iids-added": 7,
                                 b"iids-duplicates": 2}
    full = pairs(c.call("XINFO", "STREAM", "k", "FULL"))
    assert pairs(full[b"groups"][0])[b"nacked-count"] == 2
    got = c.call("XREADGROUP", "GROUP", "mygroup", "c2", "COUNT", "2", "CLAIM", "0",
                 "STREAMS", "k", ">")
    assert [x[0] for x in got[0][1]] == [b"1002-0", b"1001-0"]
    # and DUMP gives type 27 again with the same NACK zone and producers
    c.call("RESTORE", "k2", "0", p)
    d = decode(c.call("DUMP", "k2"))
    assert (d["type"], d["version"]) == (27, 14)
    assert d["value"]["groups"][0]["nacked"] == [e[2], e[1]]


def test_restore_hand_built_type_26_live_iids(raw):
    c = raw()
    now = int(time.time() * 1000)
    entries = [((now + i, 0), [(b"f", b"v%d" % i)]) for i in range(3)]
    nodes = [((now, 0), build_listpack(node_elems((now, 0), entries)))]
    e = [x[0] for x in entries]
    m = {"duration": 1000, "maxsize": 10, "added": 3, "duplicates": 0,
         "producers": [(b"p", [(b"i0", e[0]), (b"i1", e[1]), (b"i2", e[2])])]}
    for version in (13, 14, 15):
        p = build_stream(nodes, 3, e[2], first_id=e[0], type_byte=26, version=version, idmp=m)
        assert c.call("RESTORE", "k", "0", p, "REPLACE") == b"OK"
        assert c.call("XADD", "k", "IDMP", "p", "i1", "*", "f", "dup") == b"%d-0" % e[1][0]
        assert c.call("XLEN", "k") == 3
    # a stream with the default window and nothing recorded has no state
    p = build_stream(nodes, 3, e[2], first_id=e[0], type_byte=26, version=13)
    assert c.call("RESTORE", "plain", "0", p) == b"OK"
    assert decode(c.call("DUMP", "plain"))["type"] == 21
    # another window is state of its own, kept
    p = build_stream(nodes, 3, e[2], first_id=e[0], type_byte=26, version=13,
                     idmp={"duration": 77})
    assert c.call("RESTORE", "win", "0", p) == b"OK"
    assert idmp_info(c, "win")[b"idmp-duration"] == 77
    assert decode(c.call("DUMP", "win"))["value"]["idmp"]["duration"] == 77
    # version 16 is newer than streamd reads
    p = build_stream(nodes, 3, e[2], first_id=e[0], type_byte=26, version=16)
    r = c.call("RESTORE", "v16", "0", p)
    assert isinstance(r, RespError) and "checksum" in str(r)


def bad_payloads():
    nodes, _ = entries_node(3)
    e = [(1000 + i, 0) for i in range(3)]

    def group(**kw):
        g = {"name": b"g", "last_id": e[2], "entries_read": 3,
             "pel": [(e[0], 5, 1), (e[1], 0, 1)],
             "consumers": [{"name": b"c", "seen": 5, "active": 5, "pel": [e[0]]}],
             "nacked": [e[1]]}
        g.update(kw)
        return g

    def s27(groups=None, idmp=None):
        return build_stream(nodes, 3, e[2], [group()] if groups is None else groups,
                            first_id=e[0], type_byte=27, version=14, idmp=idmp)

    bad = {
        "nacked not pending": s27([group(nacked=[e[1], e[2]])]),
        "nacked twice": s27([group(nacked=[e[1], e[1]])]),
        "nacked and owned": s27([group(nacked=[e[0], e[1]])]),
        "pending for nobody": s27([group(nacked=[])]),
        "empty pid": s27(idmp={"producers": [(b"", [(b"i", e[0])])]}),
        "empty iid": s27(idmp={"producers": [(b"p", [(b"", e[0])])]}),
        "pid twice": s27(idmp={"producers": [(b"p", [(b"i", e[0])]), (b"p", [(b"j", e[1])])]}),
        "duration 0": s27(idmp={"duration": 0}),
        "duration too long": s27(idmp={"duration": 86401}),
        "maxsize 0": s27(idmp={"maxsize": 0}),
        "maxsize too big": s27(idmp={"maxsize": 10001}),
    }
    now = int(time.time() * 1000)
    live = (now, 0)
    bad["iid twice"] = s27(idmp={"duration": 86400,
                                 "producers": [(b"p", [(b"i", live), (b"i", live)])]})
    good = s27(idmp={"duration": 600, "maxsize": 20, "added": 5, "duplicates": 1,
                     "producers": [(b"p", [(b"i", live), (b"j", live)]), (b"q", [(b"k", live)])]})
    # type 26 has no NACK zone: the same groups read as 26 leave a byte over
    bad["26 with a NACK zone"] = bytes([26]) + s27()[1:-10]
    bad["26 with a NACK zone"] = seal(bad["26 with a NACK zone"], 13)
    return good, bad


def test_bad_payloads_refused_and_change_nothing(raw):
    c = raw()
    good, bad = bad_payloads()
    assert c.call("RESTORE", "ok", "0", good) == b"OK"
    c.call("SET", "k", "keep")
    for name, p in bad.items():
        r = c.call("RESTORE", "k", "0", p, "REPLACE")
        assert isinstance(r, RespError) and str(r) == "ERR Bad data format", name
        assert c.call("GET", "k") == b"keep", name
    body = good[:-10]
    # cut anywhere, sealed again: refused
    for n in range(1, len(body)):
        r = c.call("RESTORE", "k", "0", seal(body[:n], 14), "REPLACE")
        assert isinstance(r, RespError) and str(r) == "ERR Bad data format", n
    # bytes flipped, inserted, cut: refused, or a stream that reads back
    rnd = random.Random(27)
    for i in range(int(400 * min(SLOW, 2))):
        b = bytearray(body)
        op = rnd.randrange(3)
        if op == 0:
            b[rnd.randrange(1, len(b))] = rnd.randrange(256)
        elif op == 1:
            pos = rnd.randrange(1, len(b))
            del b[pos:pos + rnd.randrange(1, 6)]
        else:
            pos = rnd.randrange(1, len(b))
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 5)))
        r = c.call("RESTORE", "k", "0", seal(b, 14), "REPLACE")
        if isinstance(r, RespError):
            assert str(r) == "ERR Bad data format"
            assert c.call("GET", "k") == b"keep"
        else:
            assert r == b"OK"
            assert c.call("TYPE", "k") == b"stream"
            c.call("DUMP", "k")
            c.call("SET", "k", "keep")
    assert c.call("PING") == b"PONG"


def test_legacy_type_208_still_loads(raw):
    """Type 21's layout, then per group the released IDs, then the
    idempotency trailer: what earlier streamd builds wrote."""
    c = raw()
    now = int(time.time() * 1000)
    entries = [((now + i, 0), [(b"f", b"v%d" % i)]) for i in range(3)]
    e = [x[0] for x in entries]
    nodes = [((now, 0), build_listpack(node_elems((now, 0), entries)))]
    g = {"name": b"g", "last_id": e[2], "entries_read": 3,
         "pel": [(e[0], now, 1), (e[1], 0, 1), (e[2], 0, 1)],
         "consumers": [{"name": b"c", "seen": now, "active": now, "pel": [e[0]]}]}
    p = build_stream(nodes, 3, e[2], [g], first_id=e[0], type_byte=21, version=11)
    body = bytearray(p[:-10])
    body[0] = 208
    body += enc_len(2) + struct.pack(">QQ", *e[2]) + struct.pack(">QQ", *e[1])
    body += b"\x01" + enc_len(600) + enc_len(10) + enc_len(4) + enc_len(1) + enc_len(1)
    body += enc_string(b"p") + enc_string(b"i") + enc_len(e[1][0]) + enc_len(0)
    assert c.call("RESTORE", "k", "0", seal(body, 11)) == b"OK"
    assert [r[1] for r in pending(c, "k", "g")] == [b"c", b"", b""]
    assert c.call("XADD", "k", "IDMP", "p", "i", "*", "f", "x") == b"%d-0" % e[1][0]
    info = idmp_info(c, "k")
    assert (info[b"idmp-duration"], info[b"iids-added"], info[b"iids-duplicates"]) == (600, 4, 2)
    # written back as Redis's type 27
    d = decode(c.call("DUMP", "k"))
    assert d["type"] == 27 and d["value"]["groups"][0]["nacked"] == [e[2], e[1]]


def state(c, key):
    full = pairs(c.call("XINFO", "STREAM", key, "FULL"))
    for k in (b"radix-tree-keys", b"radix-tree-nodes"):
        full.pop(k, None)
    for g in full.get(b"groups") or []:
        for i, cons in enumerate(g[g.index(b"consumers") + 1]):
            pc = pairs(cons)
            pc.pop(b"seen-time")
            pc.pop(b"active-time")
            g[g.index(b"consumers") + 1][i] = sorted(pc.items())
    return [c.call("XRANGE", key, "-", "+"), sorted(full.items()), idmp_info(c, key),
            pending(c, key, "g")]


def populate(c):
    ids = [c.call("XADD", "s", "IDMP", "p%d" % (i % 3), "i%d" % i, "*", "f", str(i))
           for i in range(12)]
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "6", "STREAMS", "s", ">")
    c.call("XNACK", "s", "g", "FAIL", "IDS", "2", ids[4], ids[1])
    c.call("XADD", "only-idmp", "IDMP", "q", "j", "*", "f", "v")
    c.call("XGROUP", "CREATE", "only-idmp", "g", "0")
    return ids


def test_rdb_file_and_reload(make_server):
    srv = make_server()
    c = srv.raw()
    ids = populate(c)
    before = state(c, "s"), state(c, "only-idmp")
    assert c.call("DEBUG", "RELOAD") == b"OK"
    assert (state(c, "s"), state(c, "only-idmp")) == before
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        assert f.read(9) == b"REDIS0014"  # the newest type written: 27
    c.call("DEL", "s")
    c.call("SAVE")
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        assert f.read(9) == b"REDIS0013"  # type 26 only
    c.close()
    srv.restart()
    c = srv.raw()
    assert state(c, "only-idmp") == before[1]
    assert c.call("XADD", "only-idmp", "IDMP", "q", "j", "*", "f", "again") == \
        before[1][0][0][0]
    assert ids


def test_aof_rdb_preamble(make_server):
    srv = make_server(["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    c = srv.raw()
    ids = populate(c)
    before = state(c, "s"), state(c, "only-idmp")
    c.call("BGREWRITEAOF")
    for _ in range(int(200 * SLOW)):
        info = bytes(c.call("INFO", "persistence")).decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            break
        time.sleep(0.05)
    adir = os.path.join(srv.dir, "appendonlydir")
    bases = [n for n in os.listdir(adir) if ".base." in n]
    assert len(bases) == 1 and bases[0].endswith(".base.rdb"), bases
    with open(os.path.join(adir, bases[0]), "rb") as f:
        assert f.read(9) == b"REDIS0014"
    c.close()
    srv.restart()
    c = srv.raw()
    assert (state(c, "s"), state(c, "only-idmp")) == before
    assert c.call("XADD", "s", "IDMP", "p1", "i1", "*", "f", "x") == ids[1]
