"""INFO keysizes: per database, how many strings have how many bytes and how
many streams have how many entries, in power-of-two bins (Redis 8's
"# Keysizes" section, with the distrib_streams_items line of Redis's newest
releases).

Expected values follow Redis's own tests of the section (its info-keysizes
and stream keysizes suites): a value of n > 0 elements is counted in the bin
labelled by the largest power of two <= n, an empty one in bin "0"; labels
from 1024 on are written 1K, 2K, ..., 1M, ...; a line per database and type,
only when that database holds a value of the type; the counts follow every
write, rename, expiry, swap and flush, and are rebuilt when the AOF loads.
Redis commands streamd lacks (COPY, MOVE, RESTORE, DELEX, other data types)
are not exercised. The last test checks the counts against the keyspace after
a random mix of commands.
"""

import random
import time

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="INFO keysizes is Redis 8 (redis-server 7.0 lacks it)")


def keysizes(c):
    """{line name: value} of INFO keysizes, e.g. {"db0_distrib_streams_items": "1=1,4=2"}."""
    text = bytes(c.call("INFO", "keysizes")).decode()
    lines = text.split("\r\n")
    assert lines[0] == "# Keysizes", text
    return dict(l.split(":", 1) for l in lines[1:] if l)


def streams(c, db=0):
    return keysizes(c).get("db%d_distrib_streams_items" % db, "")


def strings(c, db=0):
    return keysizes(c).get("db%d_distrib_strings_sizes" % db, "")


def label(n):
    """The bin label of a value of n elements (the model)."""
    if n == 0:
        return "0"
    p = 1 << (n.bit_length() - 1)
    for unit in ("", "K", "M", "G", "T", "P", "E"):
        if p < 1024:
            return "%d%s" % (p, unit)
        p >>= 10
    raise AssertionError(n)


def histogram(sizes):
    """The value INFO writes for a list of element counts."""
    counts = {}
    for n in sizes:
        b = n.bit_length()  # the bin: 0 for an empty value
        counts[b] = counts.get(b, 0) + 1
    return ",".join("%s=%d" % (label(1 << (b - 1)) if b else "0", counts[b]) for b in sorted(counts))


def xadd_n(c, key, n, start=1):
    for i in range(start, start + n):
        c.call("XADD", key, "%d-1" % i, "f", "v")


# ---- the section --------------------------------------------------------------


def test_section_in_default_info_and_alone(raw):
    c = raw()
    text = bytes(c.call("INFO")).decode()
    assert "# Keyspace\r\n" in text and "# Keysizes\r\n" in text
    assert text.index("# Keysizes") > text.index("# Keyspace")
    assert "# Keysizes" in bytes(c.call("INFO", "all")).decode()
    assert "# Keysizes" in bytes(c.call("INFO", "everything")).decode()
    assert bytes(c.call("INFO", "keysizes")) == b"# Keysizes\r\n"
    assert bytes(c.call("INFO", "KEYSIZES")) == b"# Keysizes\r\n"


def test_stream_bins(raw):
    c = raw()
    c.call("XADD", "a", "1-1", "f", "v")
    xadd_n(c, "b", 2)
    xadd_n(c, "c", 5)
    assert keysizes(c) == {"db0_distrib_streams_items": "1=1,2=1,4=1"}


def test_sample_follows_the_stream_across_powers_of_two(raw):
    c = raw()
    expected = []
    for n in range(1, 70):
        c.call("XADD", "k", "%d-1" % n, "f", "v")
        expected.append(streams(c))
    assert expected == ["%s=1" % label(n) for n in range(1, 70)]
    assert label(64) == "64" and expected[63] == "64=1"


def test_kilo_bins_for_big_streams(raw):
    c = raw()
    for batch in range(3):
        c.pipeline([("XADD", "big", "*", "f", "v")] * 1000)
        n = 1000 * (batch + 1)
        assert streams(c) == "%s=1" % label(n)
    assert label(1000) == "512" and label(2000) == "1K" and label(3000) == "2K"


def test_xadd_maxlen_trims_within_the_command(raw):
    c = raw()
    for i in range(1, 9):
        c.call("XADD", "k", "MAXLEN", "4", "%d-1" % i, "f", "v")
    assert c.call("XLEN", "k") == 4
    assert streams(c) == "4=1"


def test_xtrim_and_xdel_move_the_sample_down(raw):
    c = raw()
    xadd_n(c, "k", 8)
    assert streams(c) == "8=1"
    assert c.call("XDEL", "k", "8-1", "7-1", "6-1", "5-1") == 4
    assert streams(c) == "4=1"
    assert c.call("XDEL", "k", "99-1") == 0
    assert streams(c) == "4=1"
    assert c.call("XTRIM", "k", "MAXLEN", "1") == 3
    assert streams(c) == "1=1"
    assert c.call("XTRIM", "k", "MINID", "100") == 1
    assert streams(c) == "0=1"


def test_xdelex_and_xackdel(raw):
    c = raw()
    xadd_n(c, "k", 4)
    assert c.call("XDELEX", "k", "IDS", "2", "4-1", "3-1") == [1, 1]
    assert c.call("XLEN", "k") == 2
    assert streams(c) == "2=1"
    xadd_n(c, "j", 4)
    c.call("XGROUP", "CREATE", "j", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "4", "STREAMS", "j", ">")
    assert streams(c) == "2=1,4=1"
    assert c.call("XACKDEL", "j", "g", "IDS", "2", "1-1", "2-1") == [1, 1]
    assert streams(c) == "2=2"
    # ACKED keeps what another group still needs: nothing moves
    c.call("XGROUP", "CREATE", "j", "other", "0")
    assert c.call("XACKDEL", "j", "g", "ACKED", "IDS", "1", "3-1") == [2]
    assert streams(c) == "2=2"


def test_acked_and_delref_trimming(raw):
    c = raw()
    xadd_n(c, "k", 10)
    c.call("XGROUP", "CREATE", "k", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "k", ">")
    # only delivered-and-acknowledged entries may go under ACKED: none yet
    assert c.call("XTRIM", "k", "MAXLEN", "2", "ACKED") == 0
    assert streams(c) == "8=1"
    assert c.call("XTRIM", "k", "MAXLEN", "2", "DELREF") == 8
    assert streams(c) == "2=1"


def test_emptied_and_mkstream_streams_are_in_bin_zero(raw):
    c = raw()
    c.call("XADD", "k", "1-1", "f", "v")
    c.call("XDEL", "k", "1-1")
    assert c.call("XLEN", "k") == 0
    assert streams(c) == "0=1"
    c.call("XGROUP", "CREATE", "m", "g", "0", "MKSTREAM")
    assert streams(c) == "0=2"
    c.call("XADD", "e", "MAXLEN", "0", "*", "f", "v")
    assert streams(c) == "0=3"


def test_refused_and_duplicate_adds_change_nothing(raw):
    c = raw()
    xadd_n(c, "k", 3)
    assert isinstance(c.call("XADD", "k", "1-1", "f", "v"), Exception)
    assert isinstance(c.call("XADD", "k", "MAXLEN", "x", "*", "f", "v"), Exception)
    assert c.call("XADD", "none", "NOMKSTREAM", "*", "f", "v") is None
    first = c.call("XADD", "k", "IDMP", "p", "i1", "*", "f", "v")
    assert c.call("XADD", "k", "IDMP", "p", "i1", "*", "f", "v") == first
    assert streams(c) == "4=1"


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_delete_removes_only_that_sample(raw, cmd):
    c = raw()
    c.call("XADD", "a", "1-1", "f", "v")
    c.call("XADD", "b", "1-1", "f", "v")
    assert streams(c) == "1=2"
    assert c.call(cmd, "a") == 1
    assert streams(c) == "1=1"
    assert c.call(cmd, "b", "nosuch") == 1
    assert keysizes(c) == {}


def test_overwriting_a_stream_with_a_string(raw):
    c = raw()
    c.call("XADD", "k", "1-1", "f", "v")
    assert c.call("SET", "k", "now a string") == b"OK"
    assert keysizes(c) == {"db0_distrib_strings_sizes": "8=1"}
    assert c.call("SET", "k", "") == b"OK"
    assert strings(c) == "0=1"


@pytest.mark.parametrize("cmd", ["RENAME", "RENAMENX"])
def test_rename_keeps_the_value_counted_once(raw, cmd):
    c = raw()
    xadd_n(c, "a", 3)
    c.call(cmd, "a", "b")
    assert c.call("EXISTS", "a") == 0
    assert keysizes(c) == {"db0_distrib_streams_items": "2=1"}
    # RENAME over an existing key drops that key's sample
    c.call("SET", "s", "xy")
    c.call("RENAME", "s", "b")
    assert keysizes(c) == {"db0_distrib_strings_sizes": "2=1"}


def test_expiry_removes_the_sample(raw):
    c = raw()
    c.call("XADD", "k", "1-1", "f", "v")
    c.call("SET", "s", "abc")
    c.call("PEXPIRE", "k", "10")
    c.call("PEXPIRE", "s", "10")
    deadline = time.monotonic() + 5
    while keysizes(c) and time.monotonic() < deadline:
        time.sleep(0.02)  # the active expiry cycle deletes them
    assert keysizes(c) == {}


def test_databases_are_independent_and_swapdb_swaps(raw):
    c = raw()
    c.call("SELECT", "9")
    xadd_n(c, "a", 4)
    c.call("SELECT", "10")
    xadd_n(c, "b", 8)
    c.call("SET", "s", "x" * 40)
    assert keysizes(c) == {"db9_distrib_streams_items": "4=1",
                           "db10_distrib_strings_sizes": "32=1",
                           "db10_distrib_streams_items": "8=1"}
    text = bytes(c.call("INFO", "keysizes")).decode()
    assert text == ("# Keysizes\r\ndb9_distrib_streams_items:4=1\r\n"
                    "db10_distrib_strings_sizes:32=1\r\ndb10_distrib_streams_items:8=1\r\n")
    c.call("SWAPDB", "9", "10")
    assert keysizes(c) == {"db10_distrib_streams_items": "4=1",
                           "db9_distrib_strings_sizes": "32=1",
                           "db9_distrib_streams_items": "8=1"}
    c.call("SELECT", "9")
    c.call("XADD", "b", "9-1", "f", "v")  # the swapped stream now lives in db 9
    assert streams(c, 9) == "8=1"
    c.call("FLUSHDB")
    assert keysizes(c) == {"db10_distrib_streams_items": "4=1"}
    c.call("FLUSHALL")
    assert keysizes(c) == {}


def test_multi_exec(raw):
    c = raw()
    c.call("MULTI")
    c.call("XADD", "k", "1-1", "f", "v")
    c.call("XADD", "k", "2-1", "f", "v")
    c.call("SET", "s", "abcd")
    c.call("XDEL", "k", "1-1")
    assert len(c.call("EXEC")) == 4
    assert keysizes(c) == {"db0_distrib_strings_sizes": "4=1", "db0_distrib_streams_items": "1=1"}


# ---- strings ----------------------------------------------------------------


def test_string_bins_by_length(raw):
    c = raw()
    for n in range(1, 11):
        c.call("SET", "k", "x" * n)
        assert strings(c) == "%s=1" % label(n), n
    assert [label(n) for n in (1, 2, 3, 4, 7, 8, 10)] == ["1", "2", "2", "4", "4", "8", "8"]


def test_string_bytes_kilo_mega(raw):
    c = raw()
    c.call("SET", "x", "0123456789ABCDEF")
    assert strings(c) == "16=1"
    want = ["32", "64", "128", "256", "512", "1K", "2K", "4K", "8K", "16K", "32K", "64K", "128K",
            "256K", "512K", "1M", "2M"]
    got = []
    for _ in want:
        c.call("APPEND", "x", c.call("GET", "x"))
        got.append(strings(c))
    assert got == ["%s=1" % w for w in want]


def test_string_writers(raw):
    c = raw()
    c.call("SET", "n", "9")
    c.call("INCR", "n")  # "10": two bytes
    assert strings(c) == "2=1"
    c.call("MSET", "a", "abcd", "b", "abcdefgh")
    assert strings(c) == "2=1,4=1,8=1"
    c.call("APPEND", "new", "abc")
    assert strings(c) == "2=2,4=1,8=1"
    c.call("SET", "a", "", "EX", "100")
    assert strings(c) == "0=1,2=2,8=1"
    assert c.call("GETDEL", "b") == b"abcdefgh"
    assert strings(c) == "0=1,2=2"


# ---- persistence and the model --------------------------------------------------


def test_rebuilt_when_the_aof_loads(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("XADD", "a", "1-1", "f", "v")
    xadd_n(c, "c", 5)
    c.call("SET", "s", "hello")
    c.call("SELECT", "3")
    xadd_n(c, "d", 2)
    before = keysizes(c)
    assert before == {"db0_distrib_strings_sizes": "4=1", "db0_distrib_streams_items": "1=1,4=1",
                      "db3_distrib_streams_items": "2=1"}
    c.close()
    srv.restart()
    c = srv.raw()
    assert keysizes(c) == before
    assert c.call("BGREWRITEAOF")
    deadline = time.monotonic() + 20
    while b"aof_rewrite_in_progress:0" not in bytes(c.call("INFO", "persistence")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    c.close()
    srv.restart()
    c = srv.raw()
    assert keysizes(c) == before
    c.close()


def expected_from_keyspace(c, dbs):
    out = {}
    for db in dbs:
        c.call("SELECT", str(db))
        sizes = {"string": [], "stream": []}
        for k in c.call("KEYS", "*"):
            t = c.call("TYPE", k)
            if t == b"string":
                sizes["string"].append(c.call("STRLEN", k))
            else:
                sizes["stream"].append(c.call("XLEN", k))
        for t, name in (("string", "distrib_strings_sizes"), ("stream", "distrib_streams_items")):
            if sizes[t]:
                out["db%d_%s" % (db, name)] = histogram(sizes[t])
    c.call("SELECT", "0")
    return out


def test_random_commands_against_the_keyspace(raw):
    """After each batch of random writes, INFO keysizes equals the histogram
    computed from SCAN-free reads of every key (KEYS, TYPE, STRLEN, XLEN)."""
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    c = raw()
    keys = ["k%d" % i for i in range(6)]
    for batch in range(40):
        for _ in range(60):
            k = rng.choice(keys)
            op = rng.randrange(14)
            if op < 4:
                c.call("XADD", k, "*", "f", "v" * rng.randrange(3))
            elif op == 4:
                c.call("XADD", k, "MAXLEN", str(rng.randrange(0, 40)), "*", "f", "v")
            elif op == 5:
                c.call("XTRIM", k, rng.choice(["MAXLEN", "MINID"]), rng.choice(["~", "="]),
                       str(rng.randrange(0, 50)))
            elif op == 6:
                ids = c.call("XRANGE", k, "-", "+", "COUNT", "5")
                if isinstance(ids, list) and ids:
                    c.call("XDEL", k, *[e[0] for e in rng.sample(ids, rng.randrange(1, len(ids) + 1))])
            elif op == 7:
                c.call("SET", k, "x" * rng.randrange(0, 300))
            elif op == 8:
                c.call("APPEND", k, "y" * rng.randrange(0, 300))
            elif op == 9:
                c.call("DEL", k)
            elif op == 10:
                c.call("RENAME", k, rng.choice(keys))
            elif op == 11:
                c.call("SWAPDB", "0", "1")
            elif op == 12:
                c.call("SELECT", str(rng.randrange(2)))
                c.call("XADD", k, "*", "a", "b")
                c.call("SELECT", "0")
            else:
                ids = c.call("XRANGE", k, "-", "+", "COUNT", "3")
                if isinstance(ids, list) and ids:
                    c.call("XDELEX", k, "IDS", str(len(ids)), *[e[0] for e in ids])
        assert keysizes(c) == expected_from_keyspace(c, (0, 1)), "seed %d batch %d" % (seed, batch)
