"""XREADGROUP ... CLAIM min-idle-time (Redis 8.4): pending entries idle long
enough are claimed in the same call that reads new entries.

Written from the Redis XREADGROUP documentation ("The CLAIM option",
"Reply extension for claimed entries", "Ordering guarantees") and the XNACK
page: per stream, released (XNACK) entries first in release order, then
entries idle at least min-idle-time from the longest idle, then new entries;
COUNT bounds the total per stream; every entry in CLAIM mode is
[id, fields, idle-ms, delivery-count] (claimed: their idle time and the
count before this delivery; new: 0 and 0); NOACK applies to new entries
only; CLAIM is ignored with an ID other than ">"; the idle condition can
become true while the reader is blocked. Also: the errors, the claim order
with XCLAIM-set times, blocked readers (woken by time, by new entries, timed
out), entries trimmed away, RESP3, COMMAND GETKEYS and an AOF restart.

Debian's redis-server 7.0 has no CLAIM option: the module is skipped there.
"""

import threading
import time

import pytest
import redis

from testlib import IS_REDIS, SLOW

pytestmark = pytest.mark.skipif(IS_REDIS, reason="XREADGROUP CLAIM is Redis 8.4; oracle is 7.0")


def plain(r):
    """r without redis-py's reply parsing for the commands whose replies
    these tests look at element by element (redis-py 4.3 would drop the
    two elements CLAIM adds)."""
    for name in ("XREADGROUP", "XPENDING", "XCLAIM", "XAUTOCLAIM", "COMMAND"):
        r.set_response_callback(name, lambda resp, **kw: resp)
    return r


@pytest.fixture
def c(r):
    return plain(r)


def err(r, *args):
    """The full error text of a command: redis-py drops the "ERR " of ERR
    errors and keeps other codes."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    text = str(e.value)
    return text if text.split(" ")[0] in ("NOGROUP", "WRONGTYPE") else "ERR " + text


def add(c, key, *ids):
    for i in ids:
        c.execute_command("XADD", key, i, "f", "v" + i.split("-")[0])


def xrg(c, consumer, *opts, key="s", group="g", id=">"):
    return c.execute_command("XREADGROUP", "GROUP", group, consumer, *opts, "STREAMS", key, id)


def entries(rep, i=0):
    return rep[i][1]


def pending(c, key="s", group="g"):
    return c.execute_command("XPENDING", key, group, "-", "+", "100")


def server_ms(c):
    now_s, now_us = c.time()
    return now_s * 1000 + now_us // 1000


def age(c, key, group, owner, ids_ages):
    """Sets delivery times in the past with XCLAIM TIME: {id: ms ago}."""
    now_s, now_us = c.time()
    now = now_s * 1000 + now_us // 1000
    for i, ms in ids_ages.items():
        c.execute_command("XCLAIM", key, group, owner, "0", i, "TIME", str(now - ms), "JUSTID")


# ---- claiming ------------------------------------------------------------------------


def test_claims_idle_entries_then_reads_new_ones(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    age(c, "s", "g", "c1", {"1-0": 500, "2-0": 400})
    add(c, "s", "3-0", "4-0")
    rep = xrg(c, "c2", "CLAIM", "100")
    assert rep[0][0] == b"s"
    es = entries(rep)
    assert [e[0] for e in es] == [b"1-0", b"2-0", b"3-0", b"4-0"]
    assert es[0][1] == [b"f", b"v1"] and es[2][1] == [b"f", b"v3"]
    # claimed: idle time and the count before this delivery
    assert 500 <= es[0][2] < 5000 and es[0][3] == 1
    assert 400 <= es[1][2] < 5000 and es[1][3] == 1
    # new: 0 and 0
    assert (es[2][2], es[2][3]) == (0, 0) and (es[3][2], es[3][3]) == (0, 0)
    rows = pending(c)
    assert [(p[0], p[1], p[3]) for p in rows] == [
        (b"1-0", b"c2", 2), (b"2-0", b"c2", 2), (b"3-0", b"c2", 1), (b"4-0", b"c2", 1)]
    assert all(p[2] < 1000 for p in rows)
    assert c.xinfo_consumers("s", "g")[1]["pending"] == 4


def test_nothing_idle_enough_and_nothing_new_is_nil(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    assert xrg(c, "c2", "CLAIM", "100000") is None
    add(c, "s", "3-0")
    es = entries(xrg(c, "c2", "CLAIM", "60000"))
    assert [(e[0], e[2], e[3]) for e in es] == [(b"3-0", 0, 0)]


def test_without_pending_entries_new_entries_come_in_claim_form(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    es = entries(xrg(c, "c1", "CLAIM", "100"))
    assert es == [[b"1-0", [b"f", b"v1"], 0, 0], [b"2-0", [b"f", b"v2"], 0, 0]]


def test_count_bounds_claimed_and_new_together(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    age(c, "s", "g", "c1", {"1-0": 300, "2-0": 200, "3-0": 100})
    add(c, "s", "4-0", "5-0", "6-0")
    es = entries(xrg(c, "c2", "COUNT", "2", "CLAIM", "50"))
    assert [e[0] for e in es] == [b"1-0", b"2-0"]
    es = entries(xrg(c, "c2", "COUNT", "4", "CLAIM", "50"))
    assert [e[0] for e in es] == [b"3-0", b"4-0", b"5-0", b"6-0"]
    assert [e[3] for e in es] == [1, 0, 0, 0]


def test_claim_order_is_longest_idle_first(c):
    add(c, "s", *["%d-0" % i for i in range(1, 7)])
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "10")
    # Times set out of ID order, so the order cannot be the ID order.
    age(c, "s", "g", "c1", {"3-0": 50000, "1-0": 40000, "4-0": 30000, "2-0": 20000,
                            "6-0": 2000, "5-0": 1000})
    es = entries(xrg(c, "c2", "CLAIM", "10000", "COUNT", "10"))
    assert [e[0] for e in es] == [b"3-0", b"1-0", b"4-0", b"2-0"]
    assert [e[2] // 1000 for e in es] == [50, 40, 30, 20]
    es = entries(xrg(c, "c2", "CLAIM", "1500", "COUNT", "10"))
    assert [e[0] for e in es] == [b"6-0"]
    es = entries(xrg(c, "c2", "CLAIM", "500", "COUNT", "10"))
    assert [e[0] for e in es] == [b"5-0"]
    # Entries with the same delivery time come in the order that time was
    # given to them (Redis's time-ordered list puts an entry whose time is
    # set after every entry of that time).
    age(c, "s", "g", "c1", {"6-0": 7000, "2-0": 7000, "4-0": 7000})
    es = entries(xrg(c, "c3", "CLAIM", "6000", "COUNT", "10"))
    assert [e[0] for e in es] == [b"6-0", b"2-0", b"4-0"]


def test_same_time_claim_order_is_update_order(c):
    add(c, "s", "1-0", "2-0", "3-0", "4-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    t = str(server_ms(c) - 60000)
    # one XCLAIM, several IDs, one time: the arguments' order
    c.execute_command("XCLAIM", "s", "g", "c1", "0", "3-0", "1-0", "4-0", "2-0", "TIME", t,
                      "JUSTID")
    es = entries(xrg(c, "c2", "CLAIM", "50000", "COUNT", "2"))
    assert [e[0] for e in es] == [b"3-0", b"1-0"]
    # those two now have the claim's time; the other two keep their order
    c.execute_command("XCLAIM", "s", "g", "c1", "0", "2-0", "TIME", t, "JUSTID")
    c.execute_command("XCLAIM", "s", "g", "c1", "0", "1-0", "3-0", "TIME", t, "JUSTID")
    es = entries(xrg(c, "c3", "CLAIM", "50000"))
    assert [e[0] for e in es] == [b"4-0", b"2-0", b"1-0", b"3-0"]


def test_released_entries_come_first_in_release_order(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    age(c, "s", "g", "c1", {"1-0": 90000, "2-0": 80000, "3-0": 70000})
    c.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", "3-0")
    c.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", "2-0")
    # A released entry's delivery time is 0 (Redis's pelListInsertNacked), so
    # the idle time CLAIM replies with (now - delivery time) is the server's
    # clock in ms.
    t0 = server_ms(c)
    es = entries(xrg(c, "c2", "CLAIM", "60000"))
    t1 = server_ms(c)
    assert [e[0] for e in es][:2] == [b"3-0", b"2-0"]
    assert all(t0 <= e[2] <= t1 for e in es[:2])
    assert es[2][0] == b"1-0" and 90000 <= es[2][2] < 10 ** 9
    # A released entry's idle time is the clock: claimable with any
    # min-idle-time up to it (XCLAIM and XAUTOCLAIM take it whatever their
    # min-idle-time; Redis's CLAIM loop compares like for any entry).
    c.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", "1-0")
    assert xrg(c, "c3", "CLAIM", "9223372036854775807") is None
    assert xrg(c, "c3", "CLAIM", str(server_ms(c) + 86400000)) is None
    t0 = server_ms(c)
    es = entries(xrg(c, "c3", "CLAIM", str(t0 - 1000)))
    t1 = server_ms(c)
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 2)] and t0 <= es[0][2] <= t1
    c.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", "1-0")
    rep = c.execute_command("XCLAIM", "s", "g", "c4", "9223372036854775807", "1-0", "JUSTID")
    assert rep == [b"1-0"]


def test_noack_applies_to_new_entries_only(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    es = entries(xrg(c, "c1", "NOACK", "CLAIM", "0"))
    assert len(es) == 2
    assert c.execute_command("XPENDING", "s", "g")[0] == 0
    assert xrg(c, "c1", "NOACK", "CLAIM", "0") is None

    c.delete("s")
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "1")
    age(c, "s", "g", "c1", {"1-0": 1000})
    es = entries(xrg(c, "c2", "NOACK", "CLAIM", "500"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1), (b"2-0", 0)]
    assert [(p[0], p[1], p[3]) for p in pending(c)] == [(b"1-0", b"c2", 2)]
    age(c, "s", "g", "c2", {"1-0": 1000})
    es = entries(xrg(c, "c2", "NOACK", "CLAIM", "500"))
    assert [e[0] for e in es] == [b"1-0"]


def test_several_streams(c):
    for k, (a, b) in (("s1", ("1-0", "2-0")), ("s2", ("3-0", "4-0")), ("s3", ("5-0", "6-0"))):
        add(c, k, a, b)
        c.execute_command("XGROUP", "CREATE", k, "g", "0")
    c.execute_command("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s1", "s2", "s3",
                      ">", ">", ">")
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c1", "CLAIM", "0", "STREAMS", "s1", "s2",
                            "s3", ">", ">", ">")
    assert [x[0] for x in rep] == [b"s1", b"s2", b"s3"]
    assert [[(e[0], e[3]) for e in x[1]] for x in rep] == [
        [(b"1-0", 1), (b"2-0", 0)], [(b"3-0", 1), (b"4-0", 0)], [(b"5-0", 1), (b"6-0", 0)]]
    # A stream with nothing to serve is left out.
    add(c, "s2", "7-0")
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c1", "CLAIM", "60000", "STREAMS", "s1",
                            "s2", "s3", ">", ">", ">")
    assert [(x[0], [e[0] for e in x[1]]) for x in rep] == [(b"s2", [b"7-0"])]


def test_min_idle_zero_and_largest(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "1")
    es = entries(xrg(c, "c1", "CLAIM", "0"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1), (b"2-0", 0)]
    add(c, "s", "3-0")
    es = entries(xrg(c, "c1", "CLAIM", "9223372036854775807"))
    assert [(e[0], e[3]) for e in es] == [(b"3-0", 0)]


def test_claim_is_ignored_with_an_id(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    rep = xrg(c, "c1", "CLAIM", "0", id="0")
    assert [len(e) for e in entries(rep)] == [2, 2, 2]


def test_repeated_claims_count_deliveries(c):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    for n in range(1, 6):
        es = entries(xrg(c, "c%d" % (n % 3 + 2), "CLAIM", "0"))
        assert [(e[0], e[3]) for e in es] == [(b"1-0", n)]
    assert c.execute_command("XPENDING", "s", "g")[0] == 1
    assert pending(c)[0][3] == 6


def test_xclaim_counts_are_seen_by_claim(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    c.execute_command("XCLAIM", "s", "g", "c3", "0", "2-0", "3-0")
    es = entries(xrg(c, "c2", "CLAIM", "0"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1), (b"2-0", 2), (b"3-0", 2)]
    # entries XCLAIM FORCE made are claimable too
    c.delete("s")
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    c.execute_command("XCLAIM", "s", "g", "c3", "0", "1-0", "2-0", "FORCE", "JUSTID")
    es = entries(xrg(c, "c2", "CLAIM", "0", "COUNT", "2"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1), (b"2-0", 1)]


def test_acked_and_deleted_consumers_entries_are_gone(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    c.execute_command("XACK", "s", "g", "1-0", "3-0")
    es = entries(xrg(c, "c2", "CLAIM", "0"))
    assert [e[0] for e in es] == [b"2-0"]
    c.execute_command("XACK", "s", "g", "2-0")
    assert xrg(c, "c2", "CLAIM", "0") is None
    add(c, "s", "4-0")
    xrg(c, "c1")
    c.execute_command("XGROUP", "DELCONSUMER", "s", "g", "c1")
    assert xrg(c, "c2", "CLAIM", "0") is None


def test_setid_back_claims_and_redelivers(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    xrg(c, "c2", "CLAIM", "0")
    c.execute_command("XGROUP", "SETID", "s", "g", "0")
    es = entries(xrg(c, "c2", "CLAIM", "0"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 2), (b"2-0", 2), (b"1-0", 0), (b"2-0", 0)]
    es = entries(xrg(c, "c2", "CLAIM", "0"))
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1), (b"2-0", 1)]


def test_pending_entries_trimmed_away_are_passed_over(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    c.execute_command("XTRIM", "s", "MAXLEN", "1")
    es = entries(xrg(c, "c2", "CLAIM", "0", "COUNT", "1"))
    assert [(e[0], e[3]) for e in es] == [(b"3-0", 1)]
    # As in Redis, CLAIM passes over pending entries whose stream entry is
    # gone without replying or counting them, and leaves them pending.
    assert [(p[0], p[1], p[3]) for p in pending(c)] == [
        (b"1-0", b"c1", 1), (b"2-0", b"c1", 1), (b"3-0", b"c2", 2)]
    c.execute_command("XTRIM", "s", "MAXLEN", "0")
    assert xrg(c, "c2", "CLAIM", "0") is None
    assert c.execute_command("XPENDING", "s", "g")[0] == 3
    # XAUTOCLAIM is what drops them.
    rep = c.execute_command("XAUTOCLAIM", "s", "g", "c3", "0", "0")
    assert rep == [b"0-0", [], [b"1-0", b"2-0", b"3-0"]]
    assert c.execute_command("XPENDING", "s", "g")[0] == 0


def test_claim_after_a_history_stream_is_off(c):
    """Redis's xreadCommand turns CLAIM off (min_idle_time = -1) when it
    serves a stream from history, and keeps it off for the streams after."""
    add(c, "s", "1-0")
    add(c, "t", "1-0", "2-0")
    for k in ("s", "t"):
        c.execute_command("XGROUP", "CREATE", k, "g", "0")
    c.execute_command("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "t", ">",
                      ">")
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c1", "CLAIM", "0", "STREAMS", "s", "t",
                            "0", ">")
    # t is read without CLAIM: its pending 1-0 is not claimed, its new 2-0
    # comes as [id, fields]
    assert rep == [[b"s", [[b"1-0", [b"f", b"v1"]]]], [b"t", [[b"2-0", [b"f", b"v2"]]]]]
    assert [(p[0], p[3]) for p in pending(c, key="t")] == [(b"1-0", 1), (b"2-0", 1)]
    c.execute_command("XADD", "t", "3-0", "f", "v3")
    # before the history stream, CLAIM applies
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c1", "CLAIM", "0", "STREAMS", "t", "s",
                            ">", "0")
    assert [(e[0], e[3]) for e in rep[0][1]] == [(b"1-0", 1), (b"2-0", 1), (b"3-0", 0)]
    assert [len(e) for e in rep[1][1]] == [2]
    # only claimable entries and nothing new, after a history stream: t is
    # left out
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c1", "CLAIM", "0", "STREAMS", "s", "t",
                            "0", ">")
    assert [x[0] for x in rep] == [b"s"]


def test_read_caps_bound_claims_too(c):
    add(c, "s", "1-0", "2-0", "3-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    age(c, "s", "g", "c1", {"1-0": 3000, "2-0": 2000, "3-0": 1000})
    add(c, "s", "4-0")
    es = entries(xrg(c, "c2", "MAXCOUNT", "2", "CLAIM", "500"))
    assert [e[0] for e in es] == [b"1-0", b"2-0"]
    # what the cap refused was neither claimed nor read
    assert [(p[0], p[1]) for p in pending(c)] == [(b"1-0", b"c2"), (b"2-0", b"c2"),
                                                  (b"3-0", b"c1")]
    assert c.xinfo_groups("s")[0]["last-delivered-id"] == b"3-0"
    # the first entry of a reply always goes, whatever MAXSIZE says
    es = entries(xrg(c, "c2", "MAXSIZE", "1", "CLAIM", "500"))
    assert [e[0] for e in es] == [b"3-0"]
    es = entries(xrg(c, "c2", "MAXSIZE", "1", "CLAIM", "500"))
    assert [(e[0], e[3]) for e in es] == [(b"4-0", 0)]


def test_large_pel(c):
    c.execute_command("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")
    p = c.pipeline(transaction=False)
    for i in range(1, 5001):
        p.execute_command("XADD", "s", "%d-0" % i, "f", "v")
    p.execute()
    xrg(c, "c1")
    es = entries(xrg(c, "c2", "CLAIM", "0", "COUNT", "1000"))
    assert len(es) == 1000 and es[0][0] == b"1-0" and es[-1][0] == b"1000-0"
    es = entries(xrg(c, "c2", "CLAIM", "0", "COUNT", "4001"))
    # 1001..5000 were delivered first, 1..1000 just now: they come last.
    assert len(es) == 4001 and es[0][0] == b"1001-0" and es[-2][0] == b"5000-0"
    assert es[-1][0] == b"1-0"


def test_in_multi(c):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    p = c.pipeline(transaction=True)
    p.execute_command("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "CLAIM", "0", "STREAMS",
                      "s", ">")
    p.execute_command("XPENDING", "s", "g")
    p.execute_command("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "CLAIM", "60000", "STREAMS",
                      "s", ">")
    res = p.execute()
    assert res[0][0][1][0][0] == b"1-0"
    assert res[1][3] == [[b"c2", b"1"]]
    assert res[2] is None  # never blocks inside MULTI


# ---- errors ----------------------------------------------------------------------------


def test_errors(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "1")
    not_int = "ERR min-idle-time is not an integer or out of range"
    for bad in ("test", "5.5", "5,5", "10e", "+10", "*10", "10/2", "-0", "-5.5", "(-10)*2",
                "99999999999999999999"):
        assert err(c, "XREADGROUP", "GROUP", "g", "c1", "CLAIM", bad, "STREAMS", "s", ">") == \
            not_int
    for bad in ("-10", "-42", "-9223372036854775808"):
        assert err(c, "XREADGROUP", "GROUP", "g", "c1", "CLAIM", bad, "STREAMS", "s", ">") == \
            "ERR min-idle-time must be a positive integer"
    # CLAIM takes the next word whatever it is.
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "CLAIM", "10", "CLAIM", "COUNT", "1",
               "STREAMS", "s", ">") == not_int
    assert err(c, "XREADGROUP", "CLAIM", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s",
               ">") == not_int
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "CLAIM", "STREAMS", "s", ">") == not_int
    # After STREAMS it is a key or an ID.
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "CLAIM", "50",
               ">").startswith("NOGROUP No such key 'CLAIM'")
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "CLAIM",
               ">").startswith("ERR Unbalanced 'xreadgroup' list of streams")
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">", "CLAIM",
               "50") == "ERR Invalid stream ID specified as stream command argument"
    assert err(c, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">",
               "CLAIM").startswith("ERR Unbalanced")
    assert err(c, "XREADGROUP", "GROUP", "g", "CLAIM", "50", "c1", "STREAMS", "s", ">") == \
        "ERR syntax error"
    assert err(c, "XREADGROUP", "GROUP", "nog", "c1", "CLAIM", "50", "STREAMS", "s", ">") == \
        "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"
    # XREAD refuses CLAIM with its own error (Redis 8.4's xreadCommand);
    # without a value it is just an unknown word.
    assert err(c, "XREAD", "COUNT", "2", "CLAIM", "10", "STREAMS", "s", "0-0") == \
        "ERR The CLAIM option is only supported by XREADGROUP. You called XREAD instead."
    assert err(c, "XREAD", "COUNT", "2", "CLAIM") == "ERR syntax error"
    # Nothing was claimed by any of it.
    assert [(p[0], p[1], p[3]) for p in pending(c)] == [(b"1-0", b"c1", 1)]


def test_option_positions(c):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "1")
    counts = []
    for opts in (("COUNT", "1", "CLAIM", "0"), ("CLAIM", "0", "COUNT", "1"),
                 ("CLAIM", "999999", "COUNT", "1", "CLAIM", "0")):
        es = entries(xrg(c, "c1", *opts))
        assert [e[0] for e in es] == [b"1-0"]
        counts.append(es[0][3])
    assert counts == [1, 2, 3]
    rep = c.execute_command("XREADGROUP", "CLAIM", "0", "GROUP", "g", "c1", "COUNT", "1",
                            "STREAMS", "s", ">")
    assert rep[0][1][0][0] == b"1-0" and rep[0][1][0][3] == 4
    keys = c.execute_command("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c1", "CLAIM",
                             "10", "STREAMS", "s", "t", ">", ">")
    assert keys == [b"s", b"t"]


def test_resp3_reply_shape(c, raw):
    add(c, "s", "1-0", "2-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1", "COUNT", "1")
    age(c, "s", "g", "c1", {"1-0": 3000})
    conn = raw()
    conn.call("HELLO", "3")
    data = conn.call_raw("XREADGROUP", "GROUP", "g", "c2", "CLAIM", "1000", "STREAMS", "s", ">")
    head = b"%1\r\n$1\r\ns\r\n*2\r\n*4\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv1\r\n:"
    assert data.startswith(head)
    idle = int(data[len(head):].split(b"\r\n")[0])
    assert 3000 <= idle < 60000
    assert data.endswith(b"\r\n:1\r\n*4\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv2\r\n:0\r\n:0\r\n")
    conn.close()


# ---- blocking ---------------------------------------------------------------------------


def blocked_read(server, *args):
    """Runs an XREADGROUP on its own connection in a thread; returns a dict
    that gets its reply ("rep") and the seconds it took ("secs")."""
    out = {}

    def run():
        cl = plain(server.client())
        t0 = time.monotonic()
        out["rep"] = cl.execute_command("XREADGROUP", *args)
        out["secs"] = time.monotonic() - t0
        cl.close()

    th = threading.Thread(target=run)
    th.start()
    out["thread"] = th
    return out


def wait_blocked(c, n=1):
    deadline = time.monotonic() + 5 * SLOW
    while c.info("clients")["blocked_clients"] != n and time.monotonic() < deadline:
        time.sleep(0.005)
    assert c.info("clients")["blocked_clients"] == n


def test_blocked_reader_is_served_when_an_entry_becomes_idle(c, server):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    out = blocked_read(server, "GROUP", "g", "c2", "BLOCK", "5000", "CLAIM", "400", "STREAMS", "s",
                       ">")
    wait_blocked(c)
    out["thread"].join(10 * SLOW)
    assert 0.3 <= out["secs"] < 3 * SLOW
    es = entries(out["rep"])
    assert [(e[0], e[3]) for e in es] == [(b"1-0", 1)] and es[0][2] >= 400
    assert [(p[0], p[1], p[3]) for p in pending(c)] == [(b"1-0", b"c2", 2)]
    assert c.info("clients")["blocked_clients"] == 0


def test_blocked_reader_wakes_for_a_new_entry_before_that(c, server):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    out = blocked_read(server, "GROUP", "g", "c2", "BLOCK", "5000", "CLAIM", "3000", "STREAMS",
                       "s", ">")
    wait_blocked(c)
    add(c, "s", "2-0")
    out["thread"].join(10 * SLOW)
    assert out["secs"] < 2.5
    assert [(e[0], e[2], e[3]) for e in entries(out["rep"])] == [(b"2-0", 0, 0)]


def test_blocked_reader_times_out_when_nothing_gets_idle_enough(c, server):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    t0 = time.monotonic()
    assert xrg(c, "c2", "BLOCK", "200", "CLAIM", "5000") is None
    assert 0.15 <= time.monotonic() - t0 < 2 * SLOW
    # The wake-up for the entry that would become idle later is not a reply.
    assert c.info("clients")["blocked_clients"] == 0


def test_blocked_reader_and_acked_entry(c, server):
    """The entry the wake-up was for is acknowledged meanwhile: the reader
    keeps waiting, then times out."""
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    out = blocked_read(server, "GROUP", "g", "c2", "BLOCK", "900", "CLAIM", "300", "STREAMS", "s",
                       ">")
    wait_blocked(c)
    c.execute_command("XACK", "s", "g", "1-0")
    out["thread"].join(10 * SLOW)
    assert out["rep"] is None and out["secs"] >= 0.85


def test_claimable_now_does_not_block(c):
    add(c, "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(c, "c1")
    t0 = time.monotonic()
    es = entries(xrg(c, "c2", "BLOCK", "5000", "CLAIM", "0"))
    assert [e[0] for e in es] == [b"1-0"] and time.monotonic() - t0 < 2


def test_two_blocked_claim_readers_and_a_new_entry(c, server):
    add(c, "s", "1-0")
    c.execute_command("XDEL", "s", "1-0")
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    a = blocked_read(server, "GROUP", "g", "c1", "BLOCK", "0", "CLAIM", "100", "STREAMS", "s", ">")
    b = blocked_read(server, "GROUP", "g", "c2", "BLOCK", "0", "CLAIM", "100", "STREAMS", "s", ">")
    wait_blocked(c, 2)
    add(c, "s", "2-0")
    # One of them gets the entry at once; the other claims it once it is
    # idle for 100 ms.
    a["thread"].join(10 * SLOW)
    b["thread"].join(10 * SLOW)
    got = sorted((entries(x["rep"])[0][0], entries(x["rep"])[0][3]) for x in (a, b))
    assert got == [(b"2-0", 0), (b"2-0", 1)]


# ---- persistence -------------------------------------------------------------------------


def group_state(r, key="s"):
    """The pending entries of every group with absolute delivery times and
    counts, and each consumer's pending entries (seen/active times are the
    replay time after a restart, in Redis too, so they are left out)."""
    full = r.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
    full = dict(zip(full[0::2], full[1::2]))
    out = []
    for g in full[b"groups"]:
        g = dict(zip(g[0::2], g[1::2]))
        cons = [dict(zip(x[0::2], x[1::2])) for x in g[b"consumers"]]
        out.append((g[b"name"], g[b"last-delivered-id"], g[b"entries-read"], g[b"pel-count"],
                    g[b"nacked-count"], g[b"pending"],
                    [(x[b"name"], x[b"pending"]) for x in cons]))
    return out


def test_claims_survive_a_restart(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    r = plain(srv.client())
    add(r, "s", "1-0", "2-0", "3-0", "4-0", "5-0")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    xrg(r, "c1", "COUNT", "4")
    age(r, "s", "g", "c1", {"1-0": 5000, "2-0": 4000, "4-0": 100})
    r.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", "3-0")
    es = entries(xrg(r, "c2", "CLAIM", "3000", "COUNT", "3"))
    assert [(e[0], e[3]) for e in es] == [(b"3-0", 1), (b"1-0", 1), (b"2-0", 1)]
    es = entries(xrg(r, "c3", "NOACK", "CLAIM", "60000"))
    assert [(e[0], e[3]) for e in es] == [(b"5-0", 0)]
    # entries trimmed away are dropped by the next claim
    add(r, "s", "6-0")
    r.execute_command("XDEL", "s", "4-0")
    age(r, "s", "g", "c1", {"4-0": 9000})
    es = entries(xrg(r, "c4", "CLAIM", "8000"))
    assert [(e[0], e[3]) for e in es] == [(b"6-0", 0)]
    before = group_state(r)
    assert before[0][3] == 4  # 1-0, 2-0, 3-0 (c2), 6-0 (c4); 4-0 dropped, 5-0 NOACK
    r.close()
    srv.restart()
    r = srv.client()
    assert group_state(r) == before
    r.close()
