"""Empty lists, sets, sorted sets and hashes in RDB files, against 7.0.

Redis versions before 7.0 could save a collection of no element. 7.0 skips
such a key when it loads a file (logging it and counting the skipped keys)
instead of refusing the file, and RESTORE refuses the same value as "Bad
data format". An empty intset or zipmap is different: 7.0's integrity check
calls it corrupt and the server stops. The files here are built by hand,
one key per encoding, with a zero checksum (not checked, as Redis allows)
and loaded by both servers: at start-up, as an AOF's RDB base, and by DEBUG
RELOAD; what a client then reads and what the log says must match.
"""

import os
import shutil
import struct

import pytest

from testlib import IS_REDIS
from testlib.diff import call_or_error
from testlib.dumppayload import build_listpack, enc_len, enc_string, seal
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

EMPTY_ZIPLIST = struct.pack("<IIH", 11, 10, 0) + b"\xff"
EMPTY_LISTPACK = build_listpack([])

# name -> (RDB type, value bytes): every encoding 7.0 skips when empty
SKIPPED = {
    "list": (1, enc_len(0)),
    "list_ziplist": (10, enc_string(EMPTY_ZIPLIST)),
    "quicklist_no_node": (14, enc_len(0)),
    "quicklist_empty_node": (14, enc_len(1) + enc_string(EMPTY_ZIPLIST)),
    "quicklist2_no_node": (18, enc_len(0)),
    "quicklist2_empty_node": (18, enc_len(1) + enc_len(2) + enc_string(EMPTY_LISTPACK)),
    "set": (2, enc_len(0)),
    "zset": (3, enc_len(0)),
    "zset2": (5, enc_len(0)),
    "zset_ziplist": (12, enc_string(EMPTY_ZIPLIST)),
    "zset_listpack": (17, enc_string(EMPTY_LISTPACK)),
    "hash": (4, enc_len(0)),
    "hash_ziplist": (13, enc_string(EMPTY_ZIPLIST)),
    "hash_listpack": (16, enc_string(EMPTY_LISTPACK)),
}

# empty, but corrupt to 7.0's integrity checks
REFUSED = {
    "intset": (11, enc_string(struct.pack("<II", 2, 0))),
    "zipmap": (9, enc_string(b"\x00\xff")),
}

FAR = 4102444800000  # 2100-01-01 in ms


def key_record(name, type_byte, value, expire_ms=None):
    out = b""
    if expire_ms is not None:
        out += b"\xfc" + struct.pack("<Q", expire_ms)
    return out + bytes([type_byte]) + enc_string(name.encode()) + value


def rdb_file(dbs):
    """dbs: {db: [record bytes]} -> a whole RDB 10 file with a zero CRC."""
    out = b"REDIS0010" + b"\xfa" + enc_string(b"redis-ver") + enc_string(b"6.2.6")
    for db, records in sorted(dbs.items()):
        out += b"\xfe" + enc_len(db)
        out += b"".join(records)
    return out + b"\xff" + b"\x00" * 8


def mixed_file():
    """Every skipped encoding in db 0 (some with an expiry), live keys
    between and after them, two more empties and a list in db 2."""
    db0 = [key_record("first", 0, enc_string(b"v1"))]
    for i, (name, (t, v)) in enumerate(sorted(SKIPPED.items())):
        db0.append(key_record(name, t, v, FAR if i % 3 == 0 else None))
        if i == 4:
            db0.append(key_record("middle", 0, enc_string(b"v2"), FAR))
    db0.append(key_record("last", 1, enc_len(2) + enc_string(b"a") + enc_string(b"b")))
    db2 = [key_record("e2", 4, enc_len(0)), key_record("s2", 0, enc_string(b"x")),
           key_record("e3", 2, enc_len(0))]
    return rdb_file({0: db0, 2: db2})


def snapshot(srv):
    c = srv.raw()
    out = []
    for db in (0, 2):
        call_or_error(c, "SELECT", str(db))
        keys = sorted(call_or_error(c, "KEYS", "*"))
        out.append((db, keys, call_or_error(c, "DBSIZE")))
        for k in keys:
            out.append((k, call_or_error(c, "TYPE", k), call_or_error(c, "PEXPIRETIME", k),
                        call_or_error(c, "DUMP", k)))
    c.close()
    return out


def loaded_counts(srv):
    c = srv.raw()
    info = call_or_error(c, "INFO", "persistence").decode()
    c.close()
    return [line for line in info.split("\r\n")
            if line.startswith(("rdb_last_load_keys_loaded", "rdb_last_load_keys_expired"))]


def skip_lines(srv):
    """The log's lines about empty keys, without pid and time stamps."""
    out = []
    for line in srv.full_log().splitlines():
        for what in ("skipping empty key", "empty keys skipped"):
            if what in line:
                out.append(line[line.index(what):] if what == "empty keys skipped"
                           else line[line.index("rdbLoadObject"):])
    return out


def start_with(srv, name, data, subdir=None):
    srv.stop()
    d = os.path.join(srv.dir, subdir) if subdir else srv.dir
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    srv.start()


def test_start_up_skips_empty_keys(make_server):
    data = mixed_file()
    sd, red = make_server(kind="streamd"), make_server(kind="redis")
    start_with(sd, "dump.rdb", data)
    start_with(red, "dump.rdb", data)
    got, want = snapshot(sd), snapshot(red)
    assert got == want
    assert want[0] == (0, [b"first", b"last", b"middle"], 3)
    assert loaded_counts(sd) == loaded_counts(red)
    # the first ten keys by name, then the count of all skipped
    lines = skip_lines(red)
    assert len(lines) == 11 and lines[-1].startswith("empty keys skipped: 16.")
    assert skip_lines(sd) == lines


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_each_encoding_alone(make_server, name):
    t, v = SKIPPED[name]
    data = rdb_file({0: [key_record(name, t, v), key_record("k", 0, enc_string(b"v"))]})
    sd, red = make_server(kind="streamd"), make_server(kind="redis")
    start_with(sd, "dump.rdb", data)
    start_with(red, "dump.rdb", data)
    assert snapshot(sd) == snapshot(red)
    assert skip_lines(sd) == skip_lines(red) == [
        "rdbLoadObject skipping empty key: %s" % name, "empty keys skipped: 1."]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_empty_intset_and_zipmap_are_corrupt(make_server, name):
    t, v = REFUSED[name]
    data = rdb_file({0: [key_record(name, t, v)]})
    for kind in ("redis", "streamd"):
        srv = make_server(kind=kind)
        srv.stop()
        with open(os.path.join(srv.dir, "dump.rdb"), "wb") as f:
            f.write(data)
        with pytest.raises(AssertionError):
            srv.start()
        srv.expect_exit = True
        assert "skipping empty key" not in srv.full_log()


def test_aof_base_skips_empty_keys(make_server):
    """A multi-part AOF whose base is an RDB with empty keys, and a
    command after it in the incremental file."""
    manifest = (b"file appendonly.aof.1.base.rdb seq 1 type b\n"
                b"file appendonly.aof.1.incr.aof seq 1 type i\n")
    incr = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n"
    out = []
    for kind in ("streamd", "redis"):
        srv = make_server(kind=kind, args=["--appendonly", "yes"])
        srv.stop()
        d = os.path.join(srv.dir, "appendonlydir")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in (("appendonly.aof.manifest", manifest),
                           ("appendonly.aof.1.base.rdb", mixed_file()),
                           ("appendonly.aof.1.incr.aof", incr)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        srv.start()
        out.append((snapshot(srv), [x for x in skip_lines(srv) if "rdbLoadObject" in x]))
    assert out[0] == out[1]
    assert out[0][0][0] == (0, [b"after", b"first", b"last", b"middle"], 4)
    assert len(out[0][1]) == 10


def test_debug_reload_of_a_file_with_empty_keys(make_server):
    """DEBUG RELOAD NOSAVE loads the file again: the same keys, the empty
    ones skipped again (an empty key never survives a save either)."""
    data = mixed_file()
    out = []
    for kind in ("streamd", "redis"):
        srv = make_server(kind=kind)
        start_with(srv, "dump.rdb", data)
        c = srv.raw()
        assert call_or_error(c, "SET", "extra", "x") == b"OK"  # flushed by the reload
        assert call_or_error(c, "DEBUG", "RELOAD", "NOSAVE") == b"OK"
        c.close()
        out.append((snapshot(srv), loaded_counts(srv), len(skip_lines(srv))))
    assert out[0] == out[1]
    assert out[0][2] == 22


@pytest.mark.parametrize("name", sorted(SKIPPED) + sorted(REFUSED))
def test_restore_refuses_empty_values(diff, name):
    t, v = {**SKIPPED, **REFUSED}[name]
    got = diff.run([
        ("RESTORE", "k", "0", seal(bytes([t]) + v, 10)),
        ("RESTORE", "k", "0", seal(bytes([t]) + v, 9)),
        ("EXISTS", "k"),
    ])
    assert got[0] == RespError(b"ERR Bad data format")
