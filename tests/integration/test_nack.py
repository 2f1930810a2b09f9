"""XNACK (Redis 8.8): pending entries handed back to the group unacknowledged.

    XNACK key group SILENT|FAIL|FATAL IDS numids id [id ...] [RETRYCOUNT n] [FORCE]

Written from the Redis command documentation (the XNACK page and what the
XPENDING, XCLAIM, XAUTOCLAIM, XREADGROUP and XINFO STREAM pages say of
released entries): released entries have no owner (XPENDING shows "" and
idle -1, XINFO STREAM FULL "" and delivery time 0), are claimable by XCLAIM
and XAUTOCLAIM whatever the min-idle-time (by XREADGROUP CLAIM with any up
to the clock, their delivery time being 0), come first in XREADGROUP CLAIM
in release order (with the idle time now - 0: the server's clock, as Redis's
t_stream.c computes it), and are counted by `nacked-count` in XINFO STREAM
FULL. SILENT takes one off the delivery count (not below 0), FAIL keeps it,
FATAL sets
LLONG_MAX, RETRYCOUNT sets it outright; FORCE releases IDs that are not
pending when the stream has the entry. Also: every error text, the
interactions with XCLAIM/XAUTOCLAIM/XACK/DELCONSUMER/XDEL, a blocked CLAIM
reader woken by XNACK, and the state surviving an AOF replay and rewrite.

Debian's redis-server 7.0 has no XNACK: the module is skipped against it.
"""

import re
import threading
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="XNACK is Redis 8.8; the oracle is 7.0")

LLONG_MAX = 9223372036854775807


@pytest.fixture
def c(r):
    """r without redis-py's reply parsing for the stream commands whose
    replies these tests look at element by element."""
    for name in ("XREADGROUP", "XPENDING", "XCLAIM", "XAUTOCLAIM"):
        r.set_response_callback(name, lambda resp, **kw: resp)
    return r


def err(r, *args):
    """The full error text of a command: redis-py drops the "ERR " of ERR
    errors and keeps other codes."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    text = str(e.value)
    return text if text.split(" ")[0] in ("NOGROUP", "WRONGTYPE") else "ERR " + text


def prepare(c, n=3, group="grp", read=True, key="s"):
    for i in range(1, n + 1):
        c.execute_command("XADD", key, "%d-0" % i, "f", "v%d" % i)
    c.execute_command("XGROUP", "CREATE", key, group, "0")
    if read:
        c.execute_command("XREADGROUP", "GROUP", group, "c1", "STREAMS", key, ">")


def pending(c, key="s", group="grp", *extra):
    return [list(e) for e in c.execute_command("XPENDING", key, group, "-", "+", "100", *extra)]


def xinfo_groups_full(c, key="s"):
    full = c.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
    full = dict(zip(full[0::2], full[1::2]))
    out = []
    for g in full[b"groups"]:
        out.append(dict(zip(g[0::2], g[1::2])))
    return out


def claim_one(c, key="s", group="grp", consumer="c2"):
    rep = c.execute_command("XREADGROUP", "GROUP", group, consumer, "COUNT", "1", "CLAIM", "0",
                            "STREAMS", key, ">")
    return rep[0][1][0][0] if rep else None


# ---- the documentation's example and the three modes ----------------------------------


def test_docs_example_fail_mode(c):
    c.execute_command("XADD", "mystream", "1526569498055-0", "field", "value1")
    c.execute_command("XADD", "mystream", "1526569498056-0", "field", "value2")
    assert c.execute_command("XGROUP", "CREATE", "mystream", "mygroup", "0") == b"OK"
    rep = c.execute_command("XREADGROUP", "GROUP", "mygroup", "consumer1", "STREAMS", "mystream",
                            ">")
    assert [e[0] for e in rep[0][1]] == [b"1526569498055-0", b"1526569498056-0"]
    assert c.execute_command("XNACK", "mystream", "mygroup", "FAIL", "IDS", "2",
                             "1526569498055-0", "1526569498056-0") == 2
    assert pending(c, "mystream", "mygroup") == [
        [b"1526569498055-0", b"", -1, 1],
        [b"1526569498056-0", b"", -1, 1],
    ]


def test_silent_takes_one_off_and_stops_at_zero(c):
    prepare(c, 1)
    assert pending(c)[0][3] == 1
    assert c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0") == 1
    assert pending(c) == [[b"1-0", b"", -1, 0]]
    c.execute_command("XCLAIM", "s", "grp", "c2", "0", "1-0", "RETRYCOUNT", "0")
    assert c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0") == 1
    assert pending(c)[0][3] == 0
    for _ in range(3):
        c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    assert pending(c)[0][3] == 3
    c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0")
    assert pending(c) == [[b"1-0", b"", -1, 2]]


def test_fail_keeps_the_count(c):
    prepare(c, 1)
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0") == 1
    assert pending(c) == [[b"1-0", b"", -1, 1]]
    # Releasing a released entry again with FAIL changes nothing but succeeds.
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0") == 1
    assert pending(c) == [[b"1-0", b"", -1, 1]]


def test_fatal_poisons_the_count(c):
    prepare(c, 1)
    assert c.execute_command("XNACK", "s", "grp", "fatal", "IDS", "1", "1-0") == 1
    assert pending(c) == [[b"1-0", b"", -1, LLONG_MAX]]
    # A claim of a poisoned entry cannot overflow the count into negatives.
    rep = c.execute_command("XCLAIM", "s", "grp", "c2", "0", "1-0")
    assert rep[0][0] == b"1-0"
    assert pending(c)[0][1:2] == [b"c2"] and pending(c)[0][3] == LLONG_MAX


def test_modes_on_a_released_entry(c):
    prepare(c, 1)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0")
    assert pending(c)[0][3] == 0
    c.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "1", "1-0")
    assert pending(c)[0][3] == LLONG_MAX
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0") == 1


def test_retrycount_overrides_every_mode(c):
    prepare(c, 1)
    assert c.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "1", "1-0", "RETRYCOUNT",
                             "42") == 1
    assert pending(c) == [[b"1-0", b"", -1, 42]]
    c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0", "RETRYCOUNT", "10")
    assert pending(c)[0][3] == 10
    c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "0")
    assert pending(c) == [[b"1-0", b"", -1, 0]]
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "99")
    assert pending(c) == [[b"1-0", b"", -1, 99]]
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", str(LLONG_MAX))
    assert pending(c)[0][3] == LLONG_MAX


# ---- what is counted, FORCE ---------------------------------------------------------


def test_return_value_counts_released_ids(c):
    prepare(c, 3)
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "9-9") == 0
    assert c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "3", "1-0", "2-0", "3-0") == 3
    assert pending(c) == [[b"1-0", b"", -1, 0], [b"2-0", b"", -1, 0], [b"3-0", b"", -1, 0]]
    c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0", "2-0", "3-0")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "5", "1-0", "9-9", "2-0", "8-8",
                             "3-0") == 3
    assert all(e[1] == b"" for e in pending(c))
    # A repeated ID counts each time (the second finds it released already).
    c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "1-0", "1-0") == 2
    assert pending(c)[0] == [b"1-0", b"", -1, 2]
    c.execute_command("XACK", "s", "grp", "1-0", "2-0", "3-0")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0") == 0


def test_force_releases_ids_that_are_not_pending(c):
    prepare(c, 3, read=False)
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 1
    assert pending(c) == [[b"1-0", b"", -1, 0]]
    rep = c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    assert [e[0] for e in rep] == [b"1-0"]
    # Only entries the stream has.
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "9-9", "FORCE") == 0
    c.execute_command("XACK", "s", "grp", "1-0")
    assert c.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "1", "1-0", "FORCE") == 1
    assert pending(c) == [[b"1-0", b"", -1, LLONG_MAX]]
    c.execute_command("XACK", "s", "grp", "1-0")
    assert c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "2", "1-0", "2-0", "FORCE") == 2
    assert pending(c) == [[b"1-0", b"", -1, 0], [b"2-0", b"", -1, 0]]
    # Pending entries follow the ordinary path; released ones are not doubled.
    c.execute_command("XACK", "s", "grp", "1-0", "2-0")
    c.execute_command("XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "s", ">")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "3", "1-0", "2-0", "3-0",
                             "FORCE") == 3
    assert pending(c) == [[b"%d-0" % i, b"", -1, 1] for i in (1, 2, 3)]
    assert pending(c, "s", "grp", "c1") == []
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 1
    assert len(pending(c)) == 3
    # The group of an empty stream has nothing to release.
    c.delete("s")
    c.execute_command("XGROUP", "CREATE", "s", "grp", "$", "MKSTREAM")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "FORCE") == 0
    assert c.execute_command("XPENDING", "s", "grp")[0] == 0


def test_force_with_retrycount(c):
    prepare(c, 3, read=False)
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "7",
                             "FORCE") == 1
    assert c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "2-0", "RETRYCOUNT", "5",
                             "FORCE") == 1
    assert c.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "1", "3-0", "RETRYCOUNT", "99",
                             "FORCE") == 1
    assert pending(c) == [[b"1-0", b"", -1, 7], [b"2-0", b"", -1, 5], [b"3-0", b"", -1, 99]]


def test_options_before_and_after_the_ids(c):
    prepare(c, 3, read=False)
    forms = [
        ("FORCE", "IDS", "1", "1-0"),
        ("FORCE", "RETRYCOUNT", "42", "IDS", "1", "1-0"),
        ("RETRYCOUNT", "5", "IDS", "1", "1-0", "FORCE"),
        ("FORCE", "IDS", "1", "1-0", "RETRYCOUNT", "3"),
        ("IDS", "1", "1-0", "RETRYCOUNT", "20", "FORCE"),
    ]
    expect = [0, 42, 5, 3, 20]
    for form, count in zip(forms, expect):
        assert c.execute_command("XNACK", "s", "grp", "FAIL", *form) == 1
        assert pending(c) == [[b"1-0", b"", -1, count]]
        c.execute_command("XACK", "s", "grp", "1-0")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "RETRYCOUNT", "10", "IDS", "3", "1-0",
                             "2-0", "3-0", "FORCE") == 3


# ---- errors -------------------------------------------------------------------------


def test_errors(c):
    for args in ([], ["k"], ["k", "g"], ["k", "g", "SILENT"], ["k", "g", "SILENT", "IDS"],
                 ["k", "g", "SILENT", "IDS", "1"], ["k", "g", "FAIL", "RETRYCOUNT"]):
        assert err(c, "XNACK", *args) == "ERR wrong number of arguments for 'xnack' command"
    assert err(c, "XNACK", "nokey", "grp", "SILENT", "IDS", "1", "1-0") == \
        "NOGROUP No such key 'nokey' or consumer group 'grp'"
    c.execute_command("XADD", "s", "1-0", "f", "v")
    assert err(c, "XNACK", "s", "nogroup", "SILENT", "IDS", "1", "1-0") == \
        "NOGROUP No such key 's' or consumer group 'nogroup'"
    c.set("str", "x")
    assert err(c, "XNACK", "str", "grp", "FAIL", "IDS", "1", "1-0") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    c.delete("s")
    prepare(c, 2)

    def e(*args):
        return err(c, "XNACK", "s", "grp", *args)

    unrecognized = "ERR Unrecognized XNACK option '%s'"
    assert e("FAIL", "BADOPT", "IDS", "1", "1-0") == unrecognized % "BADOPT"
    assert e("FAIL", "IDS", "1", "1-0", "BADOPT") == unrecognized % "BADOPT"
    assert e("SILENT", "BADOPT", "IDS", "1", "1-0", "FORCE") == unrecognized % "BADOPT"
    assert e("SILENT", "FORCE", "BADOPT", "IDS", "1", "1-0") == unrecognized % "BADOPT"
    assert e("FAIL", "RETRYCOUNT", "5", "BADOPT", "IDS", "1", "1-0") == unrecognized % "BADOPT"
    assert e("FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "5", "BADOPT") == unrecognized % "BADOPT"
    assert e("FAIL", "FORCE", "IDS", "1", "1-0", "BADOPT", "RETRYCOUNT", "5") == \
        unrecognized % "BADOPT"
    assert e("BADMODE", "IDS", "1", "1-0") == "ERR mode must be SILENT, FAIL, or FATAL"
    # One mode only: a second mode word is just an unknown option.
    assert e("FAIL", "FATAL", "IDS", "1", "1-0") == unrecognized % "FATAL"
    assert e("SILENT", "FAIL", "IDS", "1", "1-0") == unrecognized % "FAIL"
    assert e("FAIL", "SILENT", "FATAL", "IDS", "1", "1-0") == unrecognized % "SILENT"
    assert e("SILENT", "NOTIDS", "1", "1-0") == unrecognized % "NOTIDS"
    assert e("SILENT", "FORCE", "RETRYCOUNT", "5") == "ERR syntax error, expected IDS keyword"
    for bad in ("abc", "0", "-1"):
        assert e("SILENT", "IDS", bad, "1-0") == "ERR numids must be a positive integer"
    assert e("SILENT", "IDS", "2", "1-0") == "ERR number of IDs doesn't match numids"
    assert e("FAIL", "IDS", "1", "not-a-valid-id") == \
        "ERR Invalid stream ID specified as stream command argument"
    assert e("FAIL", "IDS", "2", "1-0", "+") == \
        "ERR Invalid stream ID specified as stream command argument"
    assert e("FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "abc") == \
        "ERR value is not an integer or out of range"
    assert e("FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "-1") == \
        "ERR Invalid RETRYCOUNT value, must be >= 0"
    assert e("FAIL", "IDS", "1", "1-0", "RETRYCOUNT", "99999999999999999999") == \
        "ERR value is not an integer or out of range"
    assert e("FAIL", "IDS", "1", "1-0", "RETRYCOUNT") == unrecognized % "RETRYCOUNT"
    # A surplus ID is read as an option.
    assert e("FAIL", "IDS", "1", "1-0", "2-0") == unrecognized % "2-0"
    # numids is read as a C int (Redis's getRangeLongFromObjectOrReply).
    assert e("SILENT", "IDS", "2147483648", "1-0") == "ERR numids must be a positive integer"
    assert e("SILENT", "IDS", "2147483647", "1-0") == "ERR number of IDs doesn't match numids"
    # Nothing changed through all of it.
    assert [p[1] for p in pending(c)] == [b"c1", b"c1"]


def test_error_order(c):
    """Redis 8.8's xnackCommand: the key and group, the mode, the options in
    order (a later IDS block replacing an earlier one), IDS given, the IDs."""
    c.set("str", "x")
    assert err(c, "XNACK", "str", "grp", "BADMODE", "BADOPT", "IDS", "0") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert err(c, "XNACK", "nokey", "grp", "BADMODE", "IDS", "1", "bad") == \
        "NOGROUP No such key 'nokey' or consumer group 'grp'"
    prepare(c, 2)

    def e(*args):
        return err(c, "XNACK", "s", "grp", *args)

    assert err(c, "XNACK", "s", "nogrp", "BADMODE", "IDS", "1", "bad") == \
        "NOGROUP No such key 's' or consumer group 'nogrp'"
    assert e("BADMODE", "BADOPT", "IDS", "0", "1-0") == "ERR mode must be SILENT, FAIL, or FATAL"
    assert e("FAIL", "IDS", "1", "bad", "BADOPT") == "ERR Unrecognized XNACK option 'BADOPT'"
    assert e("FAIL", "IDS", "1", "bad", "RETRYCOUNT", "-1") == \
        "ERR Invalid RETRYCOUNT value, must be >= 0"
    assert e("FAIL", "IDS", "1", "bad", "IDS", "0", "1-0") == \
        "ERR numids must be a positive integer"
    assert e("FAIL", "IDS", "1", "bad", "IDS", "1", "-") == \
        "ERR Invalid stream ID specified as stream command argument"
    assert e("FAIL", "RETRYCOUNT", "x", "IDS", "1", "bad") == \
        "ERR value is not an integer or out of range"
    # The last IDS block is the one that counts: the first one's bad ID is
    # never read.
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "bad", "IDS", "1",
                             "2-0") == 1
    assert [(p[0], p[1]) for p in pending(c)] == [(b"1-0", b"c1"), (b"2-0", b"")]


# ---- the released zone among the other commands ---------------------------------------


def test_consumers_lose_released_entries(c):
    prepare(c, 3)
    c.execute_command("XREADGROUP", "GROUP", "grp", "c2", "STREAMS", "s", "0")  # creates c2
    cons = c.xinfo_consumers("s", "grp")
    assert [(x["name"], x["pending"]) for x in cons] == [(b"c1", 3), (b"c2", 0)]
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "1-0", "2-0")
    assert c.xinfo_consumers("s", "grp")[0]["pending"] == 1
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "3-0")
    assert pending(c, "s", "grp", "c1") == []
    # XNACK neither creates nor deletes consumers.
    assert c.xinfo_groups("s")[0]["consumers"] == 2
    assert c.xinfo_groups("s")[0]["pending"] == 3
    # The consumer's own history no longer has them.
    rep = c.execute_command("XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "s", "0")
    assert rep == [[b"s", []]]


def test_history_read_skips_released_entries(c):
    prepare(c, 3)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "1-0", "3-0")
    rep = c.execute_command("XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "s", "0-0")
    assert [e[0] for e in rep[0][1]] == [b"2-0"]


def test_xpending_views(c):
    prepare(c, 3)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "2-0")
    # Summary: the total counts released entries; no consumer owns them.
    assert c.execute_command("XPENDING", "s", "grp") == [3, b"1-0", b"3-0", [[b"c1", b"2"]]]
    # Released entries are idle enough for any IDLE filter.
    rows = c.execute_command("XPENDING", "s", "grp", "IDLE", "99999999", "-", "+", "10")
    assert rows == [[b"2-0", b"", -1, 1]]
    rows = c.execute_command("XPENDING", "s", "grp", "(1-0", "+", "1")
    assert rows == [[b"2-0", b"", -1, 1]]
    # No consumer is named "" unless someone makes one.
    assert c.execute_command("XPENDING", "s", "grp", "-", "+", "10", "") == []


def test_release_order_is_fifo_and_a_rerelease_goes_last(c):
    prepare(c, 4)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "3-0")
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    rows = pending(c)
    assert [(p[0], p[1], p[2]) for p in rows if p[1] == b""] == [(b"1-0", b"", -1),
                                                                  (b"3-0", b"", -1)]
    g = xinfo_groups_full(c)[0]
    assert g[b"pending"][0] == [b"1-0", b"", 0, 1]
    assert g[b"pending"][2] == [b"3-0", b"", 0, 1]
    assert g[b"pending"][1][1] == b"c1" and g[b"pending"][1][2] > 0
    assert [claim_one(c) for _ in range(2)] == [b"3-0", b"1-0"]

    c.delete("s")
    prepare(c, 3)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "3", "1-0", "2-0", "3-0")
    assert xinfo_groups_full(c)[0][b"nacked-count"] == 3
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    g = xinfo_groups_full(c)[0]
    assert g[b"nacked-count"] == 3 and g[b"pel-count"] == 3
    assert [claim_one(c) for _ in range(3)] == [b"2-0", b"3-0", b"1-0"]


def test_nacked_count_in_xinfo_stream_full(c):
    prepare(c, 4)
    g = xinfo_groups_full(c)[0]
    assert list(g) == [b"name", b"last-delivered-id", b"entries-read", b"lag", b"pel-count",
                       b"nacked-count", b"pending", b"consumers"]
    assert g[b"nacked-count"] == 0 and g[b"pel-count"] == 4
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    g = xinfo_groups_full(c)[0]
    assert (g[b"nacked-count"], g[b"pel-count"]) == (1, 4)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "2-0", "3-0")
    assert xinfo_groups_full(c)[0][b"nacked-count"] == 3
    c.execute_command("XCLAIM", "s", "grp", "c1", "0", "1-0")
    g = xinfo_groups_full(c)[0]
    assert (g[b"nacked-count"], g[b"pel-count"]) == (2, 4)
    c.execute_command("XACK", "s", "grp", "2-0")
    g = xinfo_groups_full(c)[0]
    assert (g[b"nacked-count"], g[b"pel-count"]) == (1, 3)
    c.execute_command("XACK", "s", "grp", "3-0")
    assert xinfo_groups_full(c)[0][b"nacked-count"] == 0
    # Per group.
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "grp2", "0")
    c.execute_command("XREADGROUP", "GROUP", "grp2", "c2", "COUNT", "4", "STREAMS", "s", ">")
    assert [g[b"nacked-count"] for g in xinfo_groups_full(c)] == [1, 0]
    # XINFO GROUPS keeps its 7.4 fields.
    assert list(c.xinfo_groups("s")[0]) == ["name", "consumers", "pending", "last-delivered-id",
                                            "entries-read", "lag"]


def test_xnack_then_xautoclaim_and_xclaim(c):
    # Released entries satisfy any min-idle-time.
    prepare(c, 2)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    rep = c.execute_command("XAUTOCLAIM", "s", "grp", "c2", "99999", "0-0")
    assert [e[0] for e in rep[1]] == [b"1-0"] and rep[2] == []
    assert [p[0] for p in pending(c, "s", "grp", "c2")] == [b"1-0"]
    assert pending(c, "s", "grp", "c2")[0][3] == 2  # one more delivery
    c.delete("s")
    prepare(c, 2)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    rep = c.execute_command("XCLAIM", "s", "grp", "c2", "99999", "1-0")
    assert [e[0] for e in rep] == [b"1-0"]
    assert [p[0] for p in pending(c, "s", "grp", "c2")] == [b"1-0"]
    c.delete("s")
    prepare(c, 1)
    c.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "1", "1-0")
    rep = c.execute_command("XAUTOCLAIM", "s", "grp", "c2", "0", "0-0", "JUSTID")
    assert rep[1] == [b"1-0"]
    assert pending(c)[0][1:2] == [b"c2"] and pending(c)[0][3] == 0  # JUSTID: no increment


def test_claiming_released_entries_whose_stream_entry_is_gone(c):
    prepare(c, 3)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "1-0", "3-0")
    c.execute_command("XDEL", "s", "1-0", "3-0")
    assert c.execute_command("XCLAIM", "s", "grp", "c2", "0", "1-0") == []
    rows = pending(c)
    assert [r[0] for r in rows] == [b"2-0", b"3-0"] and rows[1] == [b"3-0", b"", -1, 1]
    rep = c.execute_command("XAUTOCLAIM", "s", "grp", "c2", "0", "0-0")
    assert [e[0] for e in rep[1]] == [b"2-0"] and rep[2] == [b"3-0"]
    rows = pending(c)
    assert len(rows) == 1 and rows[0][0] == b"2-0" and rows[0][1] == b"c2" and rows[0][3] == 2


def test_released_entries_outlive_xdel_and_xtrim(c):
    prepare(c, 2)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    c.execute_command("XDEL", "s", "1-0")
    assert pending(c)[0] == [b"1-0", b"", -1, 1] and len(pending(c)) == 2
    c.delete("s")
    prepare(c, 3)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    c.execute_command("XTRIM", "s", "MAXLEN", "1")
    assert pending(c)[0] == [b"1-0", b"", -1, 1] and len(pending(c)) == 3


def test_delconsumer_keeps_and_destroy_drops_released_entries(c):
    prepare(c, 2)
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    assert c.execute_command("XGROUP", "DELCONSUMER", "s", "grp", "c1") == 1
    assert pending(c) == [[b"1-0", b"", -1, 1]]
    assert xinfo_groups_full(c)[0][b"nacked-count"] == 1
    assert [e[0] for e in c.execute_command("XCLAIM", "s", "grp", "c2", "0", "1-0")] == [b"1-0"]
    c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "1-0")
    assert c.execute_command("XGROUP", "DESTROY", "s", "grp") == 1
    c.execute_command("XGROUP", "CREATE", "s", "grp2", "0")
    assert c.execute_command("XPENDING", "s", "grp2")[0] == 0


def test_many_ids_in_one_call(c):
    c.execute_command("XGROUP", "CREATE", "s", "grp", "$", "MKSTREAM")
    ids = []
    for i in range(1, 51):
        c.execute_command("XADD", "s", "%d-0" % i, "f", "v")
        ids.append("%d-0" % i)
    c.execute_command("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "50", "STREAMS", "s", ">")
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "50", *ids) == 50
    rows = pending(c)
    assert len(rows) == 50 and all(p[1] == b"" for p in rows)


def test_xnack_in_multi(c):
    prepare(c, 2)
    p = c.pipeline(transaction=True)
    p.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "1", "1-0")
    p.execute_command("XPENDING", "s", "grp")
    res = p.execute()
    assert res[0] == 1 and res[1][0] == 2 and res[1][3] == [[b"c1", b"1"]]


def test_xnack_wakes_a_blocked_claim_reader(c, server):
    prepare(c, 2)
    out = {}

    def reader():
        cl = server.client()
        cl.set_response_callback("XREADGROUP", lambda resp, **kw: resp)
        t0 = time.monotonic()
        out["rep"] = cl.execute_command("XREADGROUP", "GROUP", "grp", "c2", "BLOCK", "5000",
                                        "CLAIM", "100000", "STREAMS", "s", ">")
        out["secs"] = time.monotonic() - t0
        cl.close()

    th = threading.Thread(target=reader)
    th.start()
    deadline = time.monotonic() + 5 * SLOW
    while c.info("clients")["blocked_clients"] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c.info("clients")["blocked_clients"] == 1
    assert c.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "2", "1-0", "2-0") == 2
    th.join(10 * SLOW)
    rep = out["rep"]
    assert out["secs"] < 4
    assert rep[0][0] == b"s"
    # released: delivery time 0, so CLAIM's idle time is the server's clock
    assert [(e[0], e[3]) for e in rep[0][1]] == [(b"1-0", 1), (b"2-0", 1)]
    assert all(e[2] > 10 ** 12 for e in rep[0][1])
    assert [(p[0], p[1], p[3]) for p in pending(c)] == [(b"1-0", b"c2", 2), (b"2-0", b"c2", 2)]


# ---- persistence --------------------------------------------------------------------

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]


def released_state(r, key="s"):
    """XPENDING of every group, XINFO STREAM FULL's groups without times,
    and the release order (the order XREADGROUP CLAIM would serve)."""
    r.set_response_callback("XPENDING", lambda resp, **kw: resp)
    out = []
    for g in xinfo_groups_full(r, key):
        rows = r.execute_command("XPENDING", key, g[b"name"], "-", "+", "1000")
        rows = [[x[0], x[1], x[2] if x[2] == -1 else "t", x[3]] for x in rows]
        out.append((g[b"name"], g[b"pel-count"], g[b"nacked-count"], rows,
                    [(p[0], p[1], p[3]) for p in g[b"pending"]]))
    return out


def release_order(r, key, group, n):
    r.set_response_callback("XREADGROUP", lambda resp, **kw: resp)
    order = []
    for _ in range(n):
        rep = r.execute_command("XREADGROUP", "GROUP", group, "zz", "COUNT", "1", "CLAIM",
                                "99999999", "STREAMS", key, ">")
        # a released entry's idle time is the clock (its delivery time is 0)
        if not rep or not rep[0][1] or rep[0][1][0][2] < 10 ** 12:
            break
        order.append(rep[0][1][0][0])
    return order


def build_released_state(r):
    for i in range(1, 71):
        r.execute_command("XADD", "s", "%d-0" % i, "f", "v%d" % i)
    r.execute_command("XGROUP", "CREATE", "s", "grp", "0")
    r.execute_command("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "66", "STREAMS", "s", ">")
    # 65 released in a scrambled order with mixed counts, one owned tail entry
    ids = ["%d-0" % i for i in range(1, 66)]
    scrambled = ids[40:] + ids[:40]
    r.execute_command("XNACK", "s", "grp", "FAIL", "IDS", str(len(scrambled)), *scrambled)
    r.execute_command("XNACK", "s", "grp", "FATAL", "IDS", "2", "5-0", "6-0")
    r.execute_command("XNACK", "s", "grp", "SILENT", "IDS", "2", "7-0", "8-0")
    r.execute_command("XNACK", "s", "grp", "FAIL", "IDS", "1", "9-0", "RETRYCOUNT", "42")
    # a second group with FORCE-made entries only
    r.execute_command("XGROUP", "CREATE", "s", "grp2", "0")
    r.execute_command("XNACK", "s", "grp2", "FAIL", "IDS", "1", "3-0", "FORCE")
    r.execute_command("XNACK", "s", "grp2", "FATAL", "IDS", "1", "2-0", "RETRYCOUNT", "77", "FORCE")
    r.execute_command("XNACK", "s", "grp2", "SILENT", "IDS", "1", "1-0", "RETRYCOUNT", "33",
                      "FORCE")


def wait_rewrite(r, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("AOF rewrite still running")


@pytest.mark.parametrize("rewrite", [False, True], ids=["replay", "rewrite"])
def test_released_entries_survive_a_restart(make_server, rewrite):
    srv = make_server(AOF_ALWAYS)
    r = srv.client()
    build_released_state(r)
    before = released_state(r)
    assert before[0][1:3] == (66, 65) and before[1][1:3] == (3, 3)
    counts = {row[0]: row[3] for row in before[0][3]}
    assert counts[b"5-0"] == LLONG_MAX and counts[b"7-0"] == 0 and counts[b"9-0"] == 42
    assert counts[b"66-0"] == 1 and before[0][3][-1][1] == b"c1"
    if rewrite:
        r.execute_command("BGREWRITEAOF")
        wait_rewrite(r)
    r.close()
    srv.restart()
    r = srv.client()
    assert released_state(r) == before
    # FIFO: the scrambled batch, then the re-released entries at the tail.
    order = list(range(41, 66)) + [1, 2, 3, 4] + list(range(10, 41)) + [5, 6, 7, 8, 9]
    assert release_order(r, "s", "grp", 65) == [b"%d-0" % i for i in order]
    assert release_order(r, "s", "grp2", 3) == [b"3-0", b"2-0", b"1-0"]
    r.close()


# ---- exact bytes -----------------------------------------------------------------------


def _timeless(raw_bytes):
    """Reply bytes with every 13-digit integer (a Unix ms time) as T."""
    return re.sub(rb":\d{13}\r\n", b":T\r\n", raw_bytes)


def _bulk(s):
    return b"$%d\r\n%s\r\n" % (len(s), s)


def _pairs(resp, n):
    return b"%%%d\r\n" % n if resp == 3 else b"*%d\r\n" % (2 * n)


@pytest.mark.parametrize("resp", [2, 3])
def test_reply_bytes_with_released_entries(raw, resp):
    """The layouts of Redis's xinfoReplyWithStreamInfo (FULL: 15 fields, a
    group's 8 with nacked-count after pel-count, a pending entry's consumer
    "" and delivery time 0 when released), xpendingCommand (the summary's
    consumer list leaves released entries out: an empty array, not nil) and
    XINFO CONSUMERS, byte for byte."""
    c = raw()
    if resp == 3:
        c.call("HELLO", 3)
    for i in (1, 2):
        c.call("XADD", "s", "%d-0" % i, "f", "v%d" % i)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">")
    assert c.call("XNACK", "s", "g", "FAIL", "IDS", "2", "2-0", "1-0") == 2
    got = _timeless(c.call_raw("XINFO", "STREAM", "s", "FULL"))
    ints = b"".join(_bulk(k) + b":%d\r\n" % v for k, v in (
        (b"idmp-duration", 100), (b"idmp-maxsize", 100), (b"pids-tracked", 0),
        (b"iids-tracked", 0), (b"iids-added", 0), (b"iids-duplicates", 0)))
    want = (_pairs(resp, 15) + _bulk(b"length") + b":2\r\n" + _bulk(b"radix-tree-keys") +
            b":1\r\n" + _bulk(b"radix-tree-nodes") + b":2\r\n" + _bulk(b"last-generated-id") +
            _bulk(b"2-0") + _bulk(b"max-deleted-entry-id") + _bulk(b"0-0") +
            _bulk(b"entries-added") + b":2\r\n" + _bulk(b"recorded-first-entry-id") +
            _bulk(b"1-0") + ints + _bulk(b"entries") + b"*2\r\n" +
            b"*2\r\n" + _bulk(b"1-0") + b"*2\r\n" + _bulk(b"f") + _bulk(b"v1") +
            b"*2\r\n" + _bulk(b"2-0") + b"*2\r\n" + _bulk(b"f") + _bulk(b"v2") +
            _bulk(b"groups") + b"*1\r\n" + _pairs(resp, 8) + _bulk(b"name") + _bulk(b"g") +
            _bulk(b"last-delivered-id") + _bulk(b"2-0") + _bulk(b"entries-read") + b":2\r\n" +
            _bulk(b"lag") + b":0\r\n" + _bulk(b"pel-count") + b":2\r\n" +
            _bulk(b"nacked-count") + b":2\r\n" + _bulk(b"pending") + b"*2\r\n" +
            b"*4\r\n" + _bulk(b"1-0") + _bulk(b"") + b":0\r\n:1\r\n" +
            b"*4\r\n" + _bulk(b"2-0") + _bulk(b"") + b":0\r\n:1\r\n" +
            _bulk(b"consumers") + b"*1\r\n" + _pairs(resp, 5) + _bulk(b"name") + _bulk(b"c1") +
            _bulk(b"seen-time") + b":T\r\n" + _bulk(b"active-time") + b":T\r\n" +
            _bulk(b"pel-count") + b":0\r\n" + _bulk(b"pending") + b"*0\r\n")
    assert got == want
    assert c.call_raw("XPENDING", "s", "g") == (b"*4\r\n:2\r\n" + _bulk(b"1-0") + _bulk(b"2-0") +
                                                b"*0\r\n")
    assert c.call_raw("XPENDING", "s", "g", "IDLE", "9999999", "-", "+", "9") == (
        b"*2\r\n*4\r\n" + _bulk(b"1-0") + _bulk(b"") + b":-1\r\n:1\r\n" +
        b"*4\r\n" + _bulk(b"2-0") + _bulk(b"") + b":-1\r\n:1\r\n")
    got = c.call_raw("XINFO", "CONSUMERS", "s", "g")
    assert re.fullmatch(re.escape(b"*1\r\n" + _pairs(resp, 4) + _bulk(b"name") + _bulk(b"c1") +
                                  _bulk(b"pending") + b":0\r\n" + _bulk(b"idle")) +
                        rb":\d+\r\n" + re.escape(_bulk(b"inactive")) + rb":\d+\r\n", got)
    # XREADGROUP CLAIM: [id, fields, idle, count], the idle time of a
    # released entry being now - 0
    got = _timeless(c.call_raw("XREADGROUP", "GROUP", "g", "c2", "CLAIM", "0", "STREAMS", "s",
                               ">"))
    head = b"*1\r\n*2\r\n" if resp == 2 else b"%1\r\n"
    assert got == (head + _bulk(b"s") + b"*2\r\n" +
                   b"*4\r\n" + _bulk(b"2-0") + b"*2\r\n" + _bulk(b"f") + _bulk(b"v2") +
                   b":T\r\n:1\r\n" +
                   b"*4\r\n" + _bulk(b"1-0") + b"*2\r\n" + _bulk(b"f") + _bulk(b"v1") +
                   b":T\r\n:1\r\n")
