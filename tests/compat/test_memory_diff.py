"""INFO memory and MEMORY against redis-server 7.0, differentially.

The figures are each server's own, so what must match is the structure:
INFO memory's field names in 7.0's order and the shape of their values,
MEMORY STATS's keys, order and value types (per-database entries included)
in RESP2 and RESP3, the reply types of DOCTOR / MALLOC-STATS / PURGE, and
byte for byte MEMORY HELP and the errors.
"""

import re

import pytest

from testlib import IS_REDIS
from testlib.diff import canon
from testlib.resp import Double, Verbatim

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def info_fields(c):
    """[(name, value)] of INFO memory, in order."""
    text = bytes(c.call("INFO", "memory")).decode()
    lines = text.split("\r\n")
    assert lines[0] == "# Memory"
    out = []
    for line in lines[1:]:
        if line:
            k, v = line.split(":", 1)
            out.append((k, v))
    return out


def shape(v):
    """The kind of an INFO value: human size, percentage, ratio, integer, word."""
    if re.fullmatch(r"\d+(\.\d\d)?[BKMGTP]", v):
        return "human"
    if re.fullmatch(r"\d+\.\d\d%", v):
        return "perc"
    if re.fullmatch(r"-?\d+\.\d\d", v):
        return "ratio"
    if re.fullmatch(r"-?\d+", v):
        return "int"
    return "word"


def pairs(v):
    """MEMORY STATS (RESP2 flat array or RESP3 map) as [(name, value)]."""
    if isinstance(v, dict):
        return list(v.items())
    assert isinstance(v, list) and len(v) % 2 == 0, v
    return list(zip(v[::2], v[1::2]))


def stats_shape(v):
    out = []
    for k, val in pairs(v):
        if isinstance(val, (list, dict)):
            out.append((k, [(k2, canon(v2)[0]) for k2, v2 in pairs(val)]))
        else:
            kind = canon(val)[0]
            if kind == "bulk":  # a double in RESP2
                float(val)
            out.append((k, kind))
    return out


def fill(c):
    c.call("SET", "a", "1")
    c.call("SET", "b", "2")
    c.call("EXPIRE", "a", "100")
    c.call("SELECT", "3")
    c.call("XADD", "s", "*", "f", "v")
    c.call("SELECT", "0")


def test_info_memory_fields_in_order(server, ref_server, r, ref):
    a, b = server.raw(), ref_server.raw()
    mine, theirs = info_fields(a), info_fields(b)
    assert [k for k, _ in mine] == [k for k, _ in theirs]
    # mem_allocator names the allocator; the rest are numbers of one kind
    for (k, v), (_, w) in zip(mine, theirs):
        if k in ("mem_allocator", "maxmemory_policy"):
            continue
        assert shape(v) == shape(w), (k, v, w)
    a.close()
    b.close()


@pytest.mark.parametrize("proto", [2, 3])
def test_memory_stats_structure(server, ref_server, r, ref, proto):
    a, b = server.raw(), ref_server.raw()
    for c in (a, b):
        if proto == 3:
            c.call("HELLO", "3")
    # empty: no db.N entries on either side
    assert stats_shape(a.call("MEMORY", "STATS")) == stats_shape(b.call("MEMORY", "STATS"))
    fill(a)
    fill(b)
    mine, theirs = a.call("MEMORY", "STATS"), b.call("MEMORY", "STATS")
    assert stats_shape(mine) == stats_shape(theirs)
    assert [k for k, _ in pairs(mine)].count(b"db.3") == 1
    if proto == 3:
        assert isinstance(dict(pairs(mine))[b"dataset.percentage"], Double)
    a.close()
    b.close()


def test_memory_help_byte_exact(server, ref_server, r, ref):
    a, b = server.raw(), ref_server.raw()
    for args in (("MEMORY", "HELP"), ("memory", "help")):
        assert a.call_raw(*args) == b.call_raw(*args)
    a.close()
    b.close()


ERRORS = [
    ("MEMORY",),
    ("MEMORY", "FOO"),
    ("MEMORY", "STATS", "x"),
    ("MEMORY", "DOCTOR", "x"),
    ("MEMORY", "PURGE", "x"),
    ("MEMORY", "MALLOC-STATS", "x"),
    ("MEMORY", "HELP", "x"),
    ("MEMORY", "USAGE"),
    ("MEMORY", "USAGE", "a", "SAMPLES"),
    ("MEMORY", "USAGE", "a", "SAMPLES", "x"),
    ("memory", "Stats", "1", "2"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_memory_errors_byte_exact(server, ref_server, r, ref, proto):
    a, b = server.raw(), ref_server.raw()
    for c in (a, b):
        if proto == 3:
            c.call("HELLO", "3")
        c.call("SET", "a", "1")
    for args in ERRORS:
        assert a.call_raw(*args) == b.call_raw(*args), args
    a.close()
    b.close()


@pytest.mark.parametrize("proto", [2, 3])
def test_memory_reply_types(server, ref_server, r, ref, proto):
    a, b = server.raw(), ref_server.raw()
    for c in (a, b):
        if proto == 3:
            c.call("HELLO", "3")
    assert a.call_raw("MEMORY", "PURGE") == b.call_raw("MEMORY", "PURGE") == b"+OK\r\n"
    for sub in ("DOCTOR", "doctor"):
        mine, theirs = a.call("MEMORY", sub), b.call("MEMORY", sub)
        assert canon(mine)[0] == canon(theirs)[0]
        assert bytes(mine).endswith(b"\n")
    jemalloc = dict(info_fields(a))["mem_allocator"].startswith("jemalloc")
    mine, theirs = a.call("MEMORY", "MALLOC-STATS"), b.call("MEMORY", "MALLOC-STATS")
    if jemalloc:
        assert canon(mine)[0] == canon(theirs)[0]
        assert bytes(mine).startswith(b"___ Begin jemalloc statistics ___\n")
        assert bytes(mine).rstrip().endswith(b"--- End jemalloc statistics ---")
    else:  # what 7.0 answers when built with libc
        assert a.call_raw("MEMORY", "MALLOC-STATS") == b"$45\r\nStats not supported for the current allocator\r\n"
    if proto == 3 and jemalloc:
        assert isinstance(mine, Verbatim) and mine.format == b"txt"
    a.close()
    b.close()
