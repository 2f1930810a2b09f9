"""streamd-check-aof and streamd-check-rdb (src/persist/check.c).

Differential: every AOF case is written twice, once for Debian's
redis-check-aof (7.0) and once for streamd-check-aof (the symlink next to
STREAMD_BIN), and the two runs must print the same stdout (program names and
the log lines' pid and time replaced), exit with the same code and leave the
same files behind (--fix, --truncate-to-timestamp). Files come from
hand-built RESP (truncations, bad prefixes and lengths, garbage, MULTI
without EXEC, #TS annotations, manifests with several INCR files) and from a
running streamd (multi-part directories, an RDB-preamble base from
BGREWRITEAOF with aof-use-rdb-preamble yes). After --fix, a streamd server
starts on the repaired directory with the data up to the cut.

streamd-check-rdb is compared with redis-check-rdb on what 7.0 reads (a
streamd SAVE of 7.0's types, a redis-server SAVE, a corrupted checksum) and
checked alone on what only streamd writes (RDB 13, module values,
module-aux records) and on cut files.

A seeded, bounded differential fuzz (byte flips, cuts and insertions in a
small AOF) closes the module. The checkers' stderr must never hold a
sanitizer report.
"""

import os
import random
import re
import subprocess
import time

import pytest

from testlib import IS_REDIS, SLOW, STREAMD_BIN
from testlib import encode_command as enc
from testlib.server import SANITIZER_MARKERS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="runs streamd's checkers")

REDIS_CHECK_AOF = "/usr/bin/redis-check-aof"
REDIS_CHECK_RDB = "/usr/bin/redis-check-rdb"
CHECK_AOF = os.path.join(os.path.dirname(STREAMD_BIN), "streamd-check-aof")
CHECK_RDB = os.path.join(os.path.dirname(STREAMD_BIN), "streamd-check-rdb")
TIMEOUT = 60 * SLOW
MANIFEST = "ad/appendonly.aof.manifest"
LOG_PREFIX = re.compile(rb"^\d+:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} ", re.M)


# ---- helpers -------------------------------------------------------------------------


def ts(t):
    return b"#TS:%d\r\n" % t


SEL = enc("SELECT", 0)
SET = enc("SET", "a", "b")
MULTI = enc("MULTI")
EXEC = enc("EXEC")
BODY = SEL + SET + enc("XADD", "s", "1-1", "f", "v")


def run(argv, cwd, stdin=b""):
    """(exit code, stdout with program names and log prefixes replaced)."""
    r = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT)
    err = r.stderr.decode("latin1")
    for m in SANITIZER_MARKERS:
        assert m not in err, err
    out = r.stdout.replace(argv[0].encode(), b"PROG")
    out = re.sub(rb"(redis|streamd)-check-aof", b"CHECK-AOF", out)
    return r.returncode, LOG_PREFIX.sub(b"LOG ", out).decode("latin1")


def snapshot(d):
    out = {}
    for dp, _, fs in os.walk(d):
        for f in fs:
            p = os.path.join(dp, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = fh.read()
    return out


def write_files(d, files):
    for rel, data in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)


def both(tmp_path, files, args, stdin=b"", tools=(REDIS_CHECK_AOF, CHECK_AOF)):
    """Runs both checkers on their own copy of files; asserts the same
    output, exit code and files afterwards; returns streamd's."""
    got = []
    for tool in tools:
        d = tmp_path / os.path.basename(tool)
        d.mkdir(parents=True)
        write_files(str(d), files)
        rc, out = run([tool] + args, str(d), stdin)
        got.append((rc, out, snapshot(str(d))))
    assert got[1][:2] == got[0][:2]
    assert got[1][2] == got[0][2]
    return got[1]


def one_file(data, name="appendonly.aof"):
    return {name: data}


def multi_part(base, *incrs, base_name="b.aof"):
    files = {"ad/" + base_name: base}
    lines = ["file %s seq 1 type b" % base_name]
    for i, data in enumerate(incrs, 1):
        files["ad/i%d.aof" % i] = data
        lines.append("file i%d.aof seq %d type i" % (i, i))
    files[MANIFEST] = ("\n".join(lines) + "\n").encode()
    return files


def wait_rewrite(c):
    deadline = time.monotonic() + 10 * SLOW
    while time.monotonic() < deadline:
        i = c.info("persistence")
        if not i["aof_rewrite_in_progress"] and not i["aof_rewrite_scheduled"]:
            return
        time.sleep(0.02)
    raise AssertionError("rewrite still running")


def aof_files(srv):
    """The server's appendonlydir, as files under ad/."""
    d = os.path.join(srv.dir, "appendonlydir")
    return {"ad/" + f: open(os.path.join(d, f), "rb").read() for f in os.listdir(d)}


def last_incr(files):
    lines = files[MANIFEST].decode().split("\n")
    return "ad/" + [l.split()[1] for l in lines if l.endswith("type i")][-1]


# ---- old-style files -------------------------------------------------------------------


def test_good_file_with_annotations(tmp_path):
    rc, out, _ = both(tmp_path, one_file(ts(100) + BODY + ts(101) + MULTI + SET + EXEC),
                      ["appendonly.aof"])
    assert rc == 0 and "is valid" in out and "Start checking Old-Style AOF" in out


@pytest.mark.parametrize("tail", [
    b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nab",  # mid-bulk
    b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nabcde",  # bulk without its CRLF
    b"*2",  # in the array header: the previous header's bytes are quoted
    b"*",
    b"*3\r\n$",  # in a length line
    b"*3\r\n$12",
    b"*1\r",
])
def test_truncated(tmp_path, tail):
    rc, out, _ = both(tmp_path, one_file(BODY + tail), ["appendonly.aof"])
    assert rc == 1 and "--fix" in out


def test_truncated_first_record(tmp_path):
    both(tmp_path, one_file(b"*2"), ["appendonly.aof"])


@pytest.mark.parametrize("tail", [
    b"*1\r\nx3\r\nabc\r\n",  # not a length prefix
    b"*1\r\n\x00",
    b"*1 \r\n$4\r\nPING\r\n",  # a space after the count
    b"*1\n$4\r\nPING\r\n",  # LF alone
    b"*1\r\n$4\r\nPING\n\n",  # bulk ended by LF LF
    b"*1\r\n$1\r\n\x80\x81\r\n",  # quoted bytes are signed chars: ffffff81
    b"x",  # garbage where a record starts
    b"\r\n",
    b" *1\r\n",
])
def test_bad_bytes(tmp_path, tail):
    rc, out, _ = both(tmp_path, one_file(BODY + tail), ["appendonly.aof"])
    assert rc == 1


@pytest.mark.parametrize("tail", [
    b"*2\r\n$-5\r\nab\r\n",
    b"*2\r\n$-1\r\n",
    b"*2\r\n$99999999999\r\nabc",  # more than the file holds
    b"*2\r\n$99999999999999999999\r\nabc",  # past LONG_MAX
    b"*99999999999999999999\r\n",  # a count the file cannot hold
])
def test_bad_lengths(tmp_path, tail):
    rc, out, _ = both(tmp_path, one_file(BODY + tail), ["appendonly.aof"])
    assert rc == 1


def test_lenient_counts_pass(tmp_path):
    # strtol() reads these as Redis's tool does: signs, spaces, zero
    data = BODY + b"*-1\r\n*0\r\n* 1\r\n$4\r\nPING\r\n*+1\r\n$ 4\r\nPING\r\n"
    rc, out, _ = both(tmp_path, one_file(data), ["appendonly.aof"])
    assert rc == 0


@pytest.mark.parametrize("tail", [
    MULTI + SET,  # unterminated
    MULTI + SET + MULTI + SET + EXEC,  # nested
    EXEC,  # without MULTI
    MULTI + SET + EXEC + SET + MULTI + SET,
    enc(b"multi\x00xy") + SET,  # a C string: "multi"
])
def test_multi_exec(tmp_path, tail):
    rc, out, _ = both(tmp_path, one_file(BODY + tail), ["appendonly.aof"])
    assert rc == 1


def test_empty_file(tmp_path):
    rc, out, _ = both(tmp_path, one_file(b""), ["appendonly.aof"])
    assert rc == 0 and "is empty" in out


@pytest.mark.parametrize("args", [[], ["--fixx", "x"], ["a", "b", "c", "d", "e"],
                                  ["--truncate-to-timestamp", "12x", "appendonly.aof"],
                                  ["missing.aof"]])
def test_arguments(tmp_path, args):
    rc, out, _ = both(tmp_path, one_file(BODY), args)
    assert rc == 1


@pytest.mark.parametrize("answer", [b"y\n", b"Y\n", b"n\n", b""])
def test_fix(tmp_path, answer):
    data = BODY + MULTI + SET
    rc, out, files = both(tmp_path, one_file(data), ["--fix", "appendonly.aof"], stdin=answer)
    assert "Continue? [y/N]: " in out
    if answer.lower().startswith(b"y"):
        assert rc == 0 and files["appendonly.aof"] == BODY
    else:
        assert rc == 1 and files["appendonly.aof"] == data


@pytest.mark.parametrize("to,data", [
    (150, ts(100) + BODY + ts(150) + SET + ts(200) + SET),  # cut at #TS:200
    (150, ts(100) + BODY + ts(150) + SET),  # nothing to cut
    (50, ts(100) + BODY),  # nothing before the timestamp
    (150, ts(100) + BODY + b"#TS:1x\r\n" + SET),  # a bad annotation
    (150, ts(100) + BODY + ts(200) + SET + b"*3"),  # cut before a torn tail
    (0, ts(100) + BODY + ts(200) + SET),  # 0: no cut
])
def test_truncate_to_timestamp(tmp_path, to, data):
    both(tmp_path, one_file(data), ["--truncate-to-timestamp", str(to), "appendonly.aof"])


def test_timestamp_inside_multi_is_not_a_cut(tmp_path):
    # The one deliberate difference: Redis cuts inside the transaction.
    d = str(tmp_path)
    data = ts(100) + BODY + MULTI + SET + ts(200) + SET + EXEC + ts(300) + SET
    write_files(d, one_file(data))
    rc, out = run([CHECK_AOF, "--truncate-to-timestamp", "250", "appendonly.aof"], d)
    assert rc == 0 and "Successfully truncated AOF appendonly.aof to timestamp 250" in out
    assert open(os.path.join(d, "appendonly.aof"), "rb").read() == data[:data.index(ts(300))]


def test_check_aof_flag(tmp_path):
    d = str(tmp_path)
    write_files(d, one_file(BODY + b"*3"))
    by_name = run([CHECK_AOF, "appendonly.aof"], d)
    by_flag = run([STREAMD_BIN, "--check-aof", "appendonly.aof"], d)
    assert by_flag == by_name and by_name[0] == 1


# ---- multi-part ------------------------------------------------------------------------


def test_multi_part_several_incr(tmp_path):
    files = multi_part(ts(100) + BODY, SET, b"", ts(101) + MULTI + SET + EXEC, SET)
    rc, out, _ = both(tmp_path, files, [MANIFEST])
    assert rc == 0 and out.count("INCR AOF") == 4


@pytest.mark.parametrize("torn", [0, 1, 2])
def test_multi_part_torn(tmp_path, torn):
    incrs = [SET, SET, SET]
    incrs[torn] += b"*3\r\n$3\r\nSET"
    rc, out, _ = both(tmp_path, multi_part(BODY, *incrs), [MANIFEST])
    assert rc == 1


@pytest.mark.parametrize("torn", [1, 2])
def test_multi_part_fix(tmp_path, torn):
    # only the last INCR file may be cut
    incrs = [SET, SET, SET]
    incrs[torn] += MULTI + SET
    rc, out, files = both(tmp_path, multi_part(BODY, *incrs), ["--fix", MANIFEST], stdin=b"y\n")
    assert rc == (0 if torn == 2 else 1)


def test_multi_part_base_only_and_empty(tmp_path):
    rc, out, _ = both(tmp_path, multi_part(b"", b""), [MANIFEST])
    assert rc == 0 and "BASE AOF b.aof is empty" in out


@pytest.mark.parametrize("manifest", [
    b"file b.aof seq 1 type b\nfile i1.aof seq 1 type x\n",  # unknown type
    b"file b.aof seq 1 type b\nfile i1.aof seq 2 type i\nfile i2.aof seq 1 type i\n",
    b"file b.aof seq 1 type b\nfile b.aof seq 2 type b\n",  # two bases
    b"file b.aof seq 1 type b\n  \nfile i1.aof seq 1 type i\n",  # a blank line
    b"file b.aof seq 1 type b\nfile i1.aof seq 1\n",  # a missing field
    b"file b.aof seq 1 type b\nfile ../i1.aof seq 1 type i\n",  # a path
    b"file b.aof seq 1 type b\n" + b"x" * 2000 + b"\n",  # a long line
    b"# a comment\nfile b.aof seq 1 type b\nfile i1.aof seq 1 type h\n",  # history: skipped
    b'file "b.aof" seq 1 type b\nfile i1.aof seq 1 type i future 1\n',  # quoting, more keys
    b"file b.aof seq 1 type b\nfile i9.aof seq 9 type i\n",  # a missing file
    b"file b9.aof seq 1 type b\n",  # a missing base
])
def test_manifests(tmp_path, manifest):
    files = multi_part(BODY, SET)
    files[MANIFEST] = manifest
    both(tmp_path, files, [MANIFEST])


@pytest.mark.parametrize("to,last_ts", [(150, 200), (150, 120), (50, 200)])
def test_multi_part_truncate_to_timestamp(tmp_path, to, last_ts):
    files = multi_part(ts(10) + BODY, ts(100) + SET + ts(last_ts) + SET, ts(300) + SET)
    both(tmp_path, files, ["--truncate-to-timestamp", str(to), MANIFEST])
    files = multi_part(ts(10) + BODY, ts(100) + SET, SET + ts(last_ts) + SET)
    both(tmp_path / "last", files, ["--truncate-to-timestamp", str(to), MANIFEST])


def fill(c):
    c.set("s1", "v1")
    c.xadd("st", {"f": "v"}, id="1-1")
    c.xgroup_create("st", "g", id="0")
    c.xreadgroup("g", "c1", {"st": ">"})
    c.rpush("l", "a", "b")
    c.set("exp", "1", ex=1000)
    c.hset("h", "f", "v")


@pytest.mark.parametrize("preamble", ["no", "yes"])
def test_streamd_directory(make_server, tmp_path, preamble):
    srv = make_server(args=["--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                            "--aof-timestamp-enabled", "yes"])
    c = srv.client()
    fill(c)
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("after", "1")
    c.execute_command("MULTI")
    c.execute_command("SET", "t", "1")
    c.execute_command("EXEC")
    srv.stop()
    files = aof_files(srv)
    rc, out, _ = both(tmp_path, files, [MANIFEST])
    assert rc == 0 and ("(RDB format)" in out) == (preamble == "yes")
    if preamble == "yes":
        assert "[offset 0] Checking RDB file appendonly.aof." in out and "Checksum OK" in out


def preamble_files(make_server):
    """A streamd AOF directory whose base is an RDB."""
    srv = make_server(args=["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    fill(srv.client())
    srv.client().bgrewriteaof()
    wait_rewrite(srv.client())
    srv.stop()
    return aof_files(srv)


def test_rdb_preamble_bad_checksum(make_server, tmp_path):
    files = preamble_files(make_server)
    base = [k for k in files if k.endswith(".base.rdb")][0]
    b = bytearray(files[base])
    b[-3] ^= 0x55  # in the CRC
    files[base] = bytes(b)
    rc, out, _ = both(tmp_path, files, [MANIFEST])
    assert rc == 1 and "RDB CRC error" in out and "not sane" in out
    b = bytearray(files[base])
    b[-8:] = b"\0" * 8  # saved without a checksum
    files[base] = bytes(b)
    rc, out, _ = both(tmp_path / "nocrc", files, [MANIFEST])
    assert rc == 0 and "checksum disabled" in out


def test_old_style_preamble_fix(make_server, tmp_path):
    files = preamble_files(make_server)
    base = [v for k, v in files.items() if k.endswith(".base.rdb")][0]
    data = base + SET + b"*3\r\n$3"
    rc, out, got = both(tmp_path, one_file(data), ["--fix", "appendonly.aof"], stdin=b"y\n")
    assert rc == 0 and got["appendonly.aof"] == base + SET


@pytest.mark.parametrize("tail", [b"*3\r\n$3\r\nSET\r\n$2\r\nk9", MULTI + enc("SET", "k9", "x")])
def test_fix_then_streamd_loads(make_server, tmp_path, tail):
    srv = make_server(args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    c = srv.client()
    for i in range(5):
        c.set("k%d" % i, "v%d" % i)
    srv.stop()
    d = os.path.join(srv.dir, "appendonlydir")
    files = aof_files(srv)
    incr = last_incr(files)
    files[incr] += tail
    both(tmp_path, files, [MANIFEST])  # not valid, the same report
    with open(os.path.join(srv.dir, incr.replace("ad/", "appendonlydir/")), "ab") as f:
        f.write(tail)
    rc, out = run([CHECK_AOF, "--fix", "appendonly.aof.manifest"], d, stdin=b"y\n")
    assert rc == 0 and "Successfully truncated AOF" in out
    rc, out = run([CHECK_AOF, "appendonly.aof.manifest"], d)
    assert rc == 0 and "All AOF files and manifest are valid" in out
    srv.start()
    c = srv.client()
    assert [c.get("k%d" % i) for i in range(5)] == [b"v%d" % i for i in range(5)]
    assert c.get("k9") is None and c.dbsize() == 5


# ---- RDB ------------------------------------------------------------------------------


def rdb_both(d, name="dump.rdb"):
    r = run([REDIS_CHECK_RDB, name], d)
    s = run([CHECK_RDB, name], d)
    assert s == r
    return s


@pytest.mark.parametrize("kind", ["streamd", "redis"])
def test_rdb_same_report(make_server, kind):
    srv = make_server(kind=kind)
    c = srv.client()
    fill(c)
    c.zadd("z", {"a": 1, "b": 2})
    c.sadd("si", 1, 2, 3)
    c.sadd("ss", "a", "b")
    c.set("big", "x" * 5000)
    c.pfadd("hll", "a", "b")
    c.select(3)
    c.set("in3", "1")
    c.execute_command("FUNCTION", "LOAD",
                      "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
    c.save()
    rc, out = rdb_both(srv.dir)
    assert rc == 0 and "Selecting DB ID 3" in out and "\\o/ RDB looks OK! \\o/" in out
    # a changed byte in a value: the checksum catches it
    p = os.path.join(srv.dir, "dump.rdb")
    data = open(p, "rb").read()
    i = data.index(b"\x02s1\x02v1") + 4
    with open(os.path.join(srv.dir, "bad.rdb"), "wb") as f:
        f.write(data[:i] + b"w" + data[i + 1:])
    rc, out = rdb_both(srv.dir, "bad.rdb")
    assert rc == 1 and "RDB CRC error" in out


def test_rdb_streamd_only_types(make_server):
    srv = make_server()
    c = srv.client()
    fill(c)
    c.execute_command("JSON.SET", "j", "$", '{"a":1}')
    c.execute_command("BF.ADD", "bf", "x")
    c.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    c.execute_command("XADD", "st", "IDMP", "p1", "i1", "*", "a", "b")
    c.save()
    rc, out = run([CHECK_RDB, "dump.rdb"], srv.dir)
    assert rc == 0, out
    assert "MODULE AUX for: stmdftidx" in out and "\\o/ RDB looks OK! \\o/" in out
    assert "[info] 7 keys read\n[info] 1 expires\n[info] 0 already expired\n" in out
    data = open(os.path.join(srv.dir, "dump.rdb"), "rb").read()
    for cut in sorted({9, 10, 30, len(data) // 3, len(data) // 2, len(data) - 9, len(data) - 1}):
        with open(os.path.join(srv.dir, "cut.rdb"), "wb") as f:
            f.write(data[:cut])
        rc, out = run([CHECK_RDB, "cut.rdb"], srv.dir)
        assert rc == 1 and "--- RDB ERROR DETECTED ---" in out, (cut, out)


def test_rdb_arguments(tmp_path):
    d = str(tmp_path)
    for args in ([], ["a", "b"]):
        r = subprocess.run([REDIS_CHECK_RDB] + args, capture_output=True)
        s = subprocess.run([CHECK_RDB] + args, capture_output=True)
        assert s.returncode == r.returncode == 1 and b"<rdb-file-name>" in s.stderr
    with open(os.path.join(d, "x.rdb"), "wb") as f:
        f.write(b"NOTRDB000\xff" + b"\0" * 8)
    assert rdb_both(d, "x.rdb")[0] == 1
    rc, out = run([CHECK_RDB, "missing.rdb"], d)
    assert rc == 1 and "Checking RDB file missing.rdb" in out


# ---- fuzz -----------------------------------------------------------------------------


def test_fuzz_differential(tmp_path):
    """Seeded byte flips, cuts and insertions of a small AOF: both checkers
    say the same thing (the records' lines are short, so no quoted byte
    comes from Redis's uninitialised stack)."""
    seed = int(os.environ.get("STREAMD_FUZZ_SEED", "20261128"))
    rnd = random.Random(seed)
    good = ts(100) + BODY + MULTI + enc("XADD", "s", "2-1", "f", "v") + EXEC + ts(200) + SET
    for i in range(60):
        d = bytearray(good)
        op = rnd.randrange(3)
        if op == 0:
            d[rnd.randrange(len(d))] = rnd.randrange(256)
        elif op == 1:
            d = d[:rnd.randrange(len(d))]
        else:
            p = rnd.randrange(len(d))
            d[p:p] = bytes([rnd.choice(b"*$\r\n0123456789-#x\x00")])
        try:
            both(tmp_path / str(i), one_file(bytes(d)), ["appendonly.aof"])
        except AssertionError:
            raise AssertionError("seed %d case %d: %r" % (seed, i, bytes(d)))
