"""HyperLogLogs (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST) through
redis-py: its pfadd/pfcount/pfmerge helpers, reply bytes in RESP2 and
RESP3, the string the commands write (GET / DUMP / RESTORE / DEBUG RELOAD),
the records they propagate (the AOF: PFCOUNT only when it wrote a fresh
cached count, PFADD only when something changed, PFDEBUG TODENSE only when
it converted), AOF replay and rewrite, a replica, WATCH, ACL categories,
and the estimator's accuracy. tests/compat/test_hll_diff.py compares the
same against redis-server 7.0 byte for byte."""

import os
import struct
import time

import pytest
from redis.exceptions import ResponseError

from testlib.cmds import AOF_ALWAYS, err, x
from test_aof import aof_dir

# "r3465021361" hashes to a run of 32 zero bits (register 8118 gets 33),
# past what a sparse VAL opcode holds: found by a brute-force search over
# "r<n>" with base/hll.h's hash.
LONG_RUN = "r3465021361"


def test_redis_py_helpers(r):
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a") == 0
    assert r.pfcount("h") == 3
    assert r.pfadd("h2", *["x%d" % i for i in range(1000)]) == 1
    assert abs(r.pfcount("h2") - 1000) < 30
    assert r.pfmerge("m", "h", "h2") is True
    assert abs(r.pfcount("m") - 1003) < 30
    assert r.pfcount("h", "h2") == r.pfcount("m")
    assert r.pfcount("nokey") == 0
    assert r.type("h") == b"string"
    assert r.get("h").startswith(b"HYLL\x01")


def test_reply_bytes(raw):
    raw = raw()
    assert raw.call_raw("PFADD", "h") == b":1\r\n"
    assert raw.call_raw("PFADD", "h") == b":0\r\n"
    assert raw.call_raw("PFCOUNT", "h") == b":0\r\n"
    assert raw.call_raw("PFMERGE", "d", "h") == b"+OK\r\n"
    assert raw.call_raw("PFDEBUG", "ENCODING", "h") == b"+sparse\r\n"
    assert raw.call_raw("PFDEBUG", "DECODE", "h") == b"$7\r\nZ:16384\r\n"
    assert raw.call_raw("PFDEBUG", "TODENSE", "h") == b":1\r\n"
    assert raw.call_raw("PFDEBUG", "DECODE", "h") == b"-ERR HLL encoding is not sparse\r\n"
    assert raw.call_raw("PFSELFTEST") == b"+OK\r\n"
    getreg = raw.call_raw("PFDEBUG", "GETREG", "h")
    assert getreg.startswith(b"*16384\r\n:0\r\n") and getreg.count(b":0\r\n") == 16384
    raw.call("SET", "s", "not an hll at all")
    assert raw.call_raw("PFADD", "s", "a") == (
        b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n")
    raw.call("HELLO", "3")
    assert raw.call_raw("PFADD", "h3", "a") == b":1\r\n"
    assert raw.call_raw("PFCOUNT", "h3") == b":1\r\n"
    assert raw.call_raw("PFMERGE", "h3") == b"+OK\r\n"


def test_layout(r):
    """The bytes of an empty HLL, one element, the cached count."""
    r.pfadd("e")
    assert r.get("e") == b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xff"
    assert r.pfcount("e") == 0
    assert r.get("e") == b"HYLL\x01\x00\x00\x00" + b"\x00" * 8 + b"\x7f\xff"
    assert r.object("encoding", "e") == b"raw"
    assert r.execute_command("STRLEN", "e") == 18
    r.pfadd("e", "a", "b", "c")
    assert r.pfcount("e") == 3
    assert r.get("e")[8:16] == struct.pack("<Q", 3)


def test_errors(r):
    r.set("str", "hello")
    r.rpush("list", "a")
    hll_err = "Key is not a valid HyperLogLog string value."
    assert hll_err in err(r, "PFADD", "str", "a")
    assert hll_err in err(r, "PFCOUNT", "str")
    assert hll_err in err(r, "PFMERGE", "d", "str")
    assert not r.exists("d")
    assert "wrong kind of value" in err(r, "PFADD", "list", "a")
    assert "wrong kind of value" in err(r, "PFCOUNT", "nokey", "list")
    assert err(r, "PFDEBUG", "GETREG", "nokey") == "The specified key does not exist"
    r.pfadd("h", "a")
    assert err(r, "PFDEBUG", "FOO", "h") == "Unknown PFDEBUG subcommand 'FOO'"
    assert "wrong number of arguments" in err(r, "PFDEBUG", "GETREG")
    assert "wrong number of arguments" in err(r, "PFADD")
    # a corrupt sparse code: the header is right, the opcodes cover one register
    bad = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x00"  # 1 register
    r.set("bad", bad)
    # a valid cached count is answered without reading the registers
    r.set("cached", bad[:15] + b"\x00" + bad[16:])
    assert r.pfcount("cached") == 0
    assert err(r, "PFCOUNT", "bad") == "INVALIDOBJ Corrupted HLL object detected"
    assert err(r, "PFADD", "bad", "a") == "INVALIDOBJ Corrupted HLL object detected"
    assert err(r, "PFMERGE", "d", "bad") == "INVALIDOBJ Corrupted HLL object detected"
    assert err(r, "PFCOUNT", "h", "bad") == "INVALIDOBJ Corrupted HLL object detected"
    assert err(r, "PFDEBUG", "TODENSE", "bad") == "INVALIDOBJ Corrupted HLL object detected"
    assert r.get("bad") == bad


def test_accuracy_and_dense(r):
    """Counts within a few standard errors through the sparse/dense turn."""
    n = 0
    for size in (10, 100, 1000, 5000, 20000, 70000):
        r.pfadd("h", *["a:%d" % i for i in range(n, n + size)])
        n += size
        got = r.pfcount("h")
        assert abs(got - n) <= max(3, n * 0.03), (n, got)
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    assert r.execute_command("STRLEN", "h") == 16 + 12288


def test_sparse_max_bytes_config(r):
    assert r.config_get("hll-sparse-max-bytes") == {"hll-sparse-max-bytes": "3000"}
    r.config_set("hll-sparse-max-bytes", 0)
    r.pfadd("h")
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"sparse"
    r.pfadd("h", "a")
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    with pytest.raises(ResponseError):
        r.config_set("hll-sparse-max-bytes", -1)
    r.config_set("hll-sparse-max-bytes", 3000)


def test_persistence(r):
    r.pfadd("h", *["p%d" % i for i in range(500)])
    r.pfadd("d", *["p%d" % i for i in range(9000)])
    r.pfcount("h")
    before = {k: r.execute_command("GET", k) for k in ("h", "d")}
    r.restore("h2", 0, r.dump("h"))
    assert r.execute_command("GET", "h2") == before["h"]
    r.execute_command("DEBUG", "RELOAD")
    assert {k: r.execute_command("GET", k) for k in ("h", "d")} == before
    assert abs(r.pfcount("h") - 500) < 20


def test_watch(r, rr):
    rr = rr()
    r.pfadd("h", "a")
    p = r.pipeline()
    p.watch("h")
    rr.pfadd("h", "a")  # no change: the watch holds
    p.multi()
    p.pfadd("h", "b")
    assert p.execute() == [1]
    p.watch("h")
    rr.pfcount("h")  # writes the cached count: a change
    p.multi()
    p.pfadd("h", "c")
    with pytest.raises(Exception):
        p.execute()
    p.reset()


def test_acl_categories(r):
    cat = r.acl_cat("hyperloglog")
    assert sorted(cat) == [
        "pfadd", "pfcount", "pfdebug", "pfmerge", "pfselftest"]


def read_aof_incr(srv):
    d = aof_dir(srv)
    data = b""
    for f in sorted(os.listdir(d)):
        if ".incr." in f:
            with open(os.path.join(d, f), "rb") as fh:
                data += fh.read()
    return data


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_propagation_and_aof(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    start = len(read_aof_incr(srv))
    x(c, "PFADD", "h", "a", "b")
    x(c, "PFADD", "h", "a")            # no change: not propagated
    x(c, "PFCOUNT", "h")               # writes the cache: propagated
    x(c, "PFCOUNT", "h")               # cache valid: not propagated
    x(c, "PFCOUNT", "h", "nokey")      # several keys: never written
    x(c, "PFMERGE", "m", "h")
    x(c, "PFDEBUG", "TODENSE", "m")
    x(c, "PFDEBUG", "TODENSE", "m")    # already dense: not propagated
    x(c, "PFDEBUG", "ENCODING", "m")
    got = read_aof_incr(srv)[start:]
    want = (resp("SELECT", "0") + resp("PFADD", "h", "a", "b") + resp("PFCOUNT", "h")
            + resp("PFMERGE", "m", "h") + resp("PFDEBUG", "TODENSE", "m"))
    assert got == want
    x(c, "PFADD", "big", *["b%d" % i for i in range(4000)])
    x(c, "PFCOUNT", "big")
    before = {k: x(c, "GET", k) for k in (b"h", b"m", b"big")}
    srv.restart()
    c = srv.client()
    assert {k: x(c, "GET", k) for k in (b"h", b"m", b"big")} == before
    c.bgrewriteaof()
    deadline = time.monotonic() + 20
    while c.info("persistence")["aof_rewrite_in_progress"] or c.info("persistence")[
            "aof_rewrite_scheduled"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    srv.restart()
    c = srv.client()
    assert {k: x(c, "GET", k) for k in (b"h", b"m", b"big")} == before


def test_replica(make_server):
    master, replica = make_server(), make_server()
    m, rep = master.client(), replica.client()
    x(m, "PFADD", "before", "a", "b")
    assert x(rep, "REPLICAOF", "127.0.0.1", master.port) == b"OK"
    deadline = time.monotonic() + 15
    while rep.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    x(m, "PFADD", "h", *["r%d" % i for i in range(3000)])
    x(m, "PFCOUNT", "h")
    x(m, "PFADD", "s", "x")
    x(m, "PFMERGE", "s", "before")
    x(m, "PFDEBUG", "GETREG", "before")
    assert x(m, "WAIT", 1, 5000) == 1
    while rep.info("replication")["slave_repl_offset"] != m.info("replication")[
            "master_repl_offset"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for k in ("before", "h", "s"):
        assert x(rep, "GET", k) == x(m, "GET", k), k
    # a PFCOUNT on the replica writes its own cached count (as 7.0's does)
    # and sends nothing upstream; the master's later PFCOUNT writes the same
    x(m, "PFADD", "late", "a", "b", "c")
    assert x(m, "WAIT", 1, 5000) == 1
    assert x(rep, "PFCOUNT", "late") == 3
    assert x(m, "PFCOUNT", "late") == 3
    assert x(m, "WAIT", 1, 5000) == 1
    assert x(rep, "GET", "late") == x(m, "GET", "late")
    assert x(m, "PFADD", "late", "d") == 1
    assert x(m, "WAIT", 1, 5000) == 1
    assert x(rep, "PFCOUNT", "late") == 4
    assert x(rep, "GET", "late")[15] == 0 and x(m, "GET", "late")[15] & 0x80


def test_register_past_32_turns_dense(r):
    """An element whose run makes a register of 34 cannot stay sparse."""
    r.pfadd("h", "a")
    assert r.pfadd("h", LONG_RUN) == 1
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    regs = r.execute_command("PFDEBUG", "GETREG", "h")
    assert regs[8118] == 33 and max(regs) == 33 and sum(1 for v in regs if v) == 2
    assert r.get("h")[15] & 0x80  # the cached count is stale
    assert r.pfcount("h") == 2
