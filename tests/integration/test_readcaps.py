"""Redis 8.10 read caps: XREAD / XREADGROUP MAXCOUNT n and MAXSIZE bytes
(issue #5).

From the Redis documentation (the oracle for 8.x features, which Debian's
redis-server lacks): COUNT stays per stream, MAXCOUNT and MAXSIZE bound the
whole reply across all the streams of one call; streams are served in the
order given and, once a cap is reached, the remaining ones are left out;
the first entry is always returned (an oversized one too), and an entry
that would pass MAXSIZE is neither sent nor added to a pending list. Both
must be positive integers and MAXCOUNT may not be below COUNT.

Where the documentation is silent streamd follows Redis's t_stream.c: a
stream's COUNT is lowered to what MAXCOUNT leaves and no stream is started
once it is used up; the bytes MAXSIZE bounds are those the reply has written
so far - stream names and per-stream headers included, an array whose
length is still open counted once its header is written. A stream whose
first entry MAXSIZE refuses is left out of the reply. (Redis's code checks
before each entry whether the reply has already reached MAXSIZE, so there
the entry that crosses the cap still goes out; streamd keeps to the
documented rule.)
"""

import time

import pytest

from testlib import IS_REDIS, SLOW, RespError, blocked_clients

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.10 options (redis-server 7.0 lacks them)")

E_MAXCOUNT = RespError("ERR MAXCOUNT must be a positive integer")
E_MAXSIZE = RespError("ERR MAXSIZE must be a positive integer")
E_BELOW = RespError("ERR MAXCOUNT must be greater than or equal to COUNT")
E_NOT_INT = RespError("ERR value is not an integer or out of range")


def bulk(data):
    return len(b"$%d\r\n" % len(data)) + len(data) + 2


def entry_size(eid, fields):
    """Reply bytes of [eid, [f1, v1, ...]]."""
    return (4 + bulk(eid) + len(b"*%d\r\n" % len(fields))
            + sum(bulk(f) for f in fields))


def fill(c, key, n, start=1, value=b"v"):
    out = []
    for i in range(start, start + n):
        eid = c.call("XADD", key, "%d-0" % i, "f", value)
        out.append(eid)
    return out


def shape(reply):
    """{key: [ids]} of an XREAD/XREADGROUP reply (RESP2 list or RESP3 map)."""
    if reply is None:
        return None
    items = reply.items() if isinstance(reply, dict) else reply
    return [(k, [e[0] for e in entries]) for k, entries in items]


def wait_until(pred, timeout=3.0):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def three_streams(c, n=3):
    for k in (b"s1", b"s2", b"s3"):
        fill(c, k, n)


# ---- XREAD ---------------------------------------------------------------------------


def test_maxcount_across_streams_docs_example(raw):
    c = raw()
    three_streams(c)
    full = c.call("XREAD", "COUNT", 2, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert [len(e) for _, e in shape(full)] == [2, 2, 2]
    capped = c.call("XREAD", "COUNT", 2, "MAXCOUNT", 3, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert shape(capped) == [(b"s1", [b"1-0", b"2-0"]), (b"s2", [b"1-0"])]
    # entries are the full entries, as without the cap
    assert capped[0][1][0] == [b"1-0", [b"f", b"v"]]


def test_maxcount_without_count(raw):
    c = raw()
    three_streams(c)
    rep = c.call("XREAD", "MAXCOUNT", 4, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert shape(rep) == [(b"s1", [b"1-0", b"2-0", b"3-0"]), (b"s2", [b"1-0"])]
    rep = c.call("XREAD", "MAXCOUNT", 1, "STREAMS", "s1", "s2", "s3", "3-0", 0, 0)
    assert shape(rep) == [(b"s2", [b"1-0"])]  # empty streams take nothing
    rep = c.call("XREAD", "MAXCOUNT", 100, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert rep == c.call("XREAD", "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert c.call("XREAD", "MAXCOUNT", 5, "STREAMS", "s1", "9-0") is None


def test_maxcount_equal_to_count_and_count_zero(raw):
    c = raw()
    three_streams(c)
    rep = c.call("XREAD", "COUNT", 2, "MAXCOUNT", 2, "STREAMS", "s1", "s2", 0, 0)
    assert shape(rep) == [(b"s1", [b"1-0", b"2-0"])]
    rep = c.call("XREAD", "COUNT", 0, "MAXCOUNT", 1, "STREAMS", "s1", "s2", 0, 0)
    assert shape(rep) == [(b"s1", [b"1-0"])]
    rep = c.call("XREAD", "MAXCOUNT", 2, "COUNT", 1, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert shape(rep) == [(b"s1", [b"1-0"]), (b"s2", [b"1-0"])]


def maxsize_cut(streams, maxsize, resp=2, count=0):
    """The reply MAXSIZE leaves of XREAD's full reply `streams` ([(key,
    [(id, fields)])], streams without entries left out), as shape() gives
    it: an entry that is not the first goes out only if the reply's bytes
    with it stay within maxsize, and the first refused ends the reply; no
    stream starts once the reply holds an entry and has reached maxsize. The
    top-level length is written last, so it never counts; a stream's
    entry-array length counts once the stream is done."""
    total, sent, out = 0, 0, []
    for key, entries in streams:
        if sent and total >= maxsize:
            break
        t = total + (4 if resp == 2 else 0) + bulk(key)
        took, full = [], False
        for eid, fields in entries[:count or None]:
            size = entry_size(eid, fields)
            if sent and t + size > maxsize:
                full = True
                break
            t += size
            took.append(eid)
            sent += 1
        if not took:
            break
        total = t + len(b"*%d\r\n" % len(took))
        out.append((key, took))
        if full:
            break
    return out


def test_maxsize_counts_reply_bytes(raw):
    c = raw()
    fill(c, "a", 3, value=b"x" * 10)
    fill(c, "b", 3, value=b"y" * 20)
    one_a = entry_size(b"1-0", [b"f", b"x" * 10])
    one_b = entry_size(b"1-0", [b"f", b"y" * 20])
    assert one_a == 41 and one_b == 51
    head = 4 + bulk(b"a")  # "*2" and the stream name come before the entries
    assert head == 11
    # The reply with entry k of "a" is head + k * one_a bytes; entry k > 1
    # goes out when that is within MAXSIZE.
    a3 = [(b"a", [b"1-0", b"2-0", b"3-0"])]
    cases = [
        (1, [(b"a", [b"1-0"])]),
        (head + one_a, [(b"a", [b"1-0"])]),
        (head + 2 * one_a - 1, [(b"a", [b"1-0"])]),
        (head + 2 * one_a, [(b"a", [b"1-0", b"2-0"])]),
        (head + 3 * one_a - 1, [(b"a", [b"1-0", b"2-0"])]),
        (head + 3 * one_a, a3),
        # after "a": its three entries and its "*3" header; "b" is left out
        # (not replied empty) while its first entry does not fit
        (head + 3 * one_a + 4, a3),
        (2 * head + 3 * one_a + 4 + one_b - 1, a3),
        (2 * head + 3 * one_a + 4 + one_b, a3 + [(b"b", [b"1-0"])]),
        (10 ** 9, [(b"a", [b"1-0", b"2-0", b"3-0"]), (b"b", [b"1-0", b"2-0", b"3-0"])]),
    ]
    for maxsize, want in cases:
        rep = c.call("XREAD", "MAXSIZE", maxsize, "STREAMS", "a", "b", 0, 0)
        assert shape(rep) == want, maxsize
    full = [(k, [(e[0], e[1]) for e in es]) for k, es in
            c.call("XREAD", "STREAMS", "a", "b", 0, 0)]
    for maxsize in range(1, 320):
        rep = c.call("XREAD", "MAXSIZE", maxsize, "STREAMS", "a", "b", 0, 0)
        assert shape(rep) == maxsize_cut(full, maxsize), maxsize
        rep = c.call("XREAD", "COUNT", 2, "MAXSIZE", maxsize, "STREAMS", "a", "b", 0, 0)
        assert shape(rep) == maxsize_cut(full, maxsize, count=2), maxsize


def test_maxsize_always_returns_one_entry(raw):
    c = raw()
    big = b"z" * 10000
    c.call("XADD", "big", "1-0", "payload", big)
    c.call("XADD", "big", "2-0", "small", "1")
    c.call("XADD", "other", "1-0", "small", "1")
    rep = c.call("XREAD", "MAXSIZE", 1, "STREAMS", "big", "other", 0, 0)
    assert rep == [[b"big", [[b"1-0", [b"payload", big]]]]]
    rep = c.call("XREAD", "MAXSIZE", 1, "STREAMS", "big", "other", "1-0", 0)
    assert shape(rep) == [(b"big", [b"2-0"])]
    # a small first entry, then a big one that would pass: the big one is
    # not sent, and nothing after it either
    rep = c.call("XREAD", "MAXSIZE", 100, "STREAMS", "other", "big", 0, 0)
    assert shape(rep) == [(b"other", [b"1-0"])]
    rep = c.call("XREAD", "MAXSIZE", 100, "STREAMS", "other", "big", "other", 0, "1-0", 0)
    assert shape(rep) == [(b"other", [b"1-0"])]


def test_maxcount_and_maxsize_together(raw):
    c = raw()
    fill(c, "a", 5)
    size = entry_size(b"1-0", [b"f", b"v"])
    head = 4 + bulk(b"a")
    rep = c.call("XREAD", "MAXCOUNT", 4, "MAXSIZE", head + 2 * size, "STREAMS", "a", 0)
    assert shape(rep) == [(b"a", [b"1-0", b"2-0"])]
    rep = c.call("XREAD", "MAXCOUNT", 4, "MAXSIZE", head + 3 * size - 1, "STREAMS", "a", 0)
    assert shape(rep) == [(b"a", [b"1-0", b"2-0"])]
    rep = c.call("XREAD", "MAXCOUNT", 4, "MAXSIZE", head + 3 * size, "STREAMS", "a", 0)
    assert shape(rep) == [(b"a", [b"1-0", b"2-0", b"3-0"])]
    rep = c.call("XREAD", "MAXSIZE", 10 * size, "MAXCOUNT", 3, "COUNT", 2, "STREAMS", "a", "a",
                 0, "2-0")
    assert shape(rep) == [(b"a", [b"1-0", b"2-0"]), (b"a", [b"3-0"])]


def test_xread_plus_id_with_caps(raw):
    c = raw()
    three_streams(c)
    rep = c.call("XREAD", "MAXCOUNT", 2, "STREAMS", "s1", "s2", "s3", "+", "+", "+")
    assert shape(rep) == [(b"s1", [b"3-0"]), (b"s2", [b"3-0"])]


def test_resp3_reply(raw):
    c = raw()
    assert isinstance(c.call("HELLO", 3), dict)
    three_streams(c)
    rep = c.call("XREAD", "COUNT", 2, "MAXCOUNT", 3, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
    assert rep == {b"s1": [[b"1-0", [b"f", b"v"]], [b"2-0", [b"f", b"v"]]],
                   b"s2": [[b"1-0", [b"f", b"v"]]]}
    # RESP3 has no "*2" per stream: the same MAXSIZE cuts later
    size = entry_size(b"1-0", [b"f", b"v"])
    rep = c.call("XREAD", "MAXSIZE", bulk(b"s1") + 2 * size, "STREAMS", "s1", "s2", 0, 0)
    assert list(rep.keys()) == [b"s1"] and len(rep[b"s1"]) == 2
    rep = c.call("XREAD", "MAXSIZE", bulk(b"s1") + 2 * size - 1, "STREAMS", "s1", "s2", 0, 0)
    assert list(rep.keys()) == [b"s1"] and len(rep[b"s1"]) == 1
    full = [(k, [(e[0], e[1]) for e in es]) for k, es in
            c.call("XREAD", "STREAMS", "s1", "s2", "s3", 0, 0, 0).items()]
    for maxsize in range(1, 200):
        rep = c.call("XREAD", "MAXSIZE", maxsize, "STREAMS", "s1", "s2", "s3", 0, 0, 0)
        assert shape(rep) == maxsize_cut(full, maxsize, resp=3), maxsize


def test_errors(raw):
    c = raw()
    fill(c, "s", 2)
    for bad in (0, -1, "-9223372036854775808"):
        assert c.call("XREAD", "MAXCOUNT", bad, "STREAMS", "s", 0) == E_MAXCOUNT
        assert c.call("XREAD", "MAXSIZE", bad, "STREAMS", "s", 0) == E_MAXSIZE
        assert c.call("XREADGROUP", "GROUP", "g", "c", "MAXCOUNT", bad, "STREAMS", "s",
                      ">") == E_MAXCOUNT
        assert c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", bad, "STREAMS", "s",
                      ">") == E_MAXSIZE
    # Redis 8.10 reads the value as an integer first: not one is the generic error.
    for bad in ("x", "1.5", "", "01", "99999999999999999999"):
        for cap in ("MAXCOUNT", "MAXSIZE"):
            assert c.call("XREAD", cap, bad, "STREAMS", "s", 0) == E_NOT_INT
            assert c.call("XREADGROUP", "GROUP", "g", "c", cap, bad, "STREAMS", "s",
                          ">") == E_NOT_INT
    assert c.call("XREAD", "COUNT", 3, "MAXCOUNT", 2, "STREAMS", "s", 0) == E_BELOW
    assert c.call("XREAD", "MAXCOUNT", 2, "COUNT", 3, "STREAMS", "s", 0) == E_BELOW
    assert c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", 3, "MAXCOUNT", 2, "STREAMS", "s",
                  ">") == E_BELOW
    # a value is required; a missing one leaves a syntax error
    assert c.call("XREAD", "STREAMS", "s", 0, "MAXCOUNT") == RespError(
        "ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must be "
        "specified.")
    assert c.call("XREAD", "MAXCOUNT") == RespError(
        "ERR wrong number of arguments for 'xread' command")
    assert c.call("XREAD", "MAXSIZE", 10, "COUNT") == RespError("ERR syntax error")
    # the caps are checked before the keys
    c.call("SET", "str", "x")
    assert c.call("XREAD", "MAXCOUNT", 0, "STREAMS", "str", 0) == E_MAXCOUNT
    assert c.call("XREAD", "MAXCOUNT", 1, "STREAMS", "str", 0) == RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    # Redis 8.10's order: each option as read, STREAMS present, GROUP present
    # (XREADGROUP), MAXCOUNT against COUNT, then the keys and IDs.
    assert c.call("XREAD", "COUNT", 3, "MAXCOUNT", 2, "MAXSIZE", 0, "STREAMS", "s",
                  0) == E_MAXSIZE
    assert c.call("XREAD", "COUNT", 3, "MAXCOUNT", 2, "BOGUS", "STREAMS", "s", 0) == \
        RespError("ERR syntax error")
    assert c.call("XREAD", "COUNT", 3, "MAXCOUNT", 2) == RespError("ERR syntax error")
    assert c.call("XREADGROUP", "COUNT", 3, "MAXCOUNT", 2, "STREAMS", "s", ">") == \
        RespError("ERR Missing GROUP option for XREADGROUP")
    assert c.call("XREAD", "COUNT", 3, "MAXCOUNT", 2, "STREAMS", "str", "bad") == E_BELOW
    assert c.call("XREADGROUP", "GROUP", "nog", "c", "COUNT", 3, "MAXCOUNT", 2, "STREAMS",
                  "s", ">") == E_BELOW


def test_getkeys(raw):
    c = raw()
    assert c.call("COMMAND", "GETKEYS", "XREAD", "MAXCOUNT", 2, "MAXSIZE", 9, "STREAMS", "a",
                  "b", 0, 0) == [b"a", b"b"]
    assert c.call("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 9,
                  "MAXCOUNT", 1, "STREAMS", "a", ">") == [b"a"]


# ---- XREADGROUP ------------------------------------------------------------------------


def pel_ids(c, key, group="g"):
    return [row[0] for row in c.call("XPENDING", key, group, "-", "+", 1000)]


def group_info(c, key, group="g"):
    for g in c.call("XINFO", "GROUPS", key):
        d = {g[i]: g[i + 1] for i in range(0, len(g), 2)}
        if d[b"name"] == group.encode():
            return d
    raise AssertionError("no group")


def test_xreadgroup_maxcount_and_the_pel(raw):
    c = raw()
    three_streams(c)
    for k in ("s1", "s2", "s3"):
        c.call("XGROUP", "CREATE", k, "g", 0)
    rep = c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "MAXCOUNT", 3, "STREAMS",
                 "s1", "s2", "s3", ">", ">", ">")
    assert shape(rep) == [(b"s1", [b"1-0", b"2-0"]), (b"s2", [b"1-0"])]
    # only what was sent is pending and delivered
    assert pel_ids(c, "s1") == [b"1-0", b"2-0"]
    assert pel_ids(c, "s2") == [b"1-0"]
    assert pel_ids(c, "s3") == []
    for k, last, read, lag in (("s1", b"2-0", 2, 1), ("s2", b"1-0", 1, 2), ("s3", b"0-0", None, 3)):
        gi = group_info(c, k)
        assert (gi[b"last-delivered-id"], gi[b"entries-read"], gi[b"lag"]) == (last, read, lag)
    # the next read goes on where the cap stopped
    rep = c.call("XREADGROUP", "GROUP", "g", "bob", "MAXCOUNT", 4, "STREAMS", "s1", "s2", "s3",
                 ">", ">", ">")
    assert shape(rep) == [(b"s1", [b"3-0"]), (b"s2", [b"2-0", b"3-0"]), (b"s3", [b"1-0"])]
    # Redis stops before a stream the cap leaves out: no consumer there
    names = [kv[1] for kv in c.call("XINFO", "CONSUMERS", "s3", "g")]
    assert names == [b"bob"]


def test_xreadgroup_maxsize_refused_entry_not_pending(raw):
    c = raw()
    c.call("XADD", "s", "1-0", "f", "small")
    c.call("XADD", "s", "2-0", "f", "x" * 5000)
    c.call("XADD", "s", "3-0", "f", "small")
    c.call("XGROUP", "CREATE", "s", "g", 0)
    # 2-0 would pass the cap: neither sent nor pending, and the group stays
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 200, "STREAMS", "s", ">")
    assert shape(rep) == [(b"s", [b"1-0"])]
    assert pel_ids(c, "s") == [b"1-0"]
    gi = group_info(c, "s")
    assert (gi[b"last-delivered-id"], gi[b"entries-read"]) == (b"1-0", 1)
    # as the first entry of the next reply it goes out, alone
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 200, "STREAMS", "s", ">")
    assert shape(rep) == [(b"s", [b"2-0"])]
    assert pel_ids(c, "s") == [b"1-0", b"2-0"]
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 200, "STREAMS", "s", ">")
    assert shape(rep) == [(b"s", [b"3-0"])]
    assert pel_ids(c, "s") == [b"1-0", b"2-0", b"3-0"]
    # NOACK: the refused entry is not read either
    c.call("XADD", "s", "4-0", "f", "small")
    c.call("XADD", "s", "5-0", "f", "x" * 500)
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 200, "NOACK", "STREAMS", "s", ">")
    assert shape(rep) == [(b"s", [b"4-0"])]
    assert group_info(c, "s")[b"last-delivered-id"] == b"4-0"
    assert pel_ids(c, "s") == [b"1-0", b"2-0", b"3-0"]


def test_xreadgroup_maxsize_history_claims_and_empty_streams(raw):
    c = raw()
    e = entry_size(b"1-0", [b"f", b"v"])
    head = 4 + bulk(b"a")
    deleted = 4 + bulk(b"2-0") + len(b"*-1\r\n")  # [id, nil]
    assert (e, head, deleted) == (31, 11, 18)

    # history: a deleted pending entry is an entry of the reply, with its bytes
    def history(m):
        c.call("DEL", "a")
        fill(c, "a", 3)
        c.call("XGROUP", "CREATE", "a", "g", 0)
        c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">")
        c.call("XDEL", "a", "2-0")
        return shape(c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", m, "STREAMS", "a", 0))

    assert history(head + e) == [(b"a", [b"1-0"])]
    assert history(head + e + deleted - 1) == [(b"a", [b"1-0"])]
    assert history(head + e + deleted) == [(b"a", [b"1-0", b"2-0"])]
    assert history(head + 2 * e + deleted - 1) == [(b"a", [b"1-0", b"2-0"])]
    assert history(head + 2 * e + deleted) == [(b"a", [b"1-0", b"2-0", b"3-0"])]
    # a refused history entry is not delivered again: 3-0 keeps its count
    counts = {p[0]: p[3] for p in c.call("XPENDING", "a", "g", "-", "+", 9)}
    assert counts == {b"1-0": 2, b"2-0": 1, b"3-0": 2}
    history(head + e)
    counts = {p[0]: p[3] for p in c.call("XPENDING", "a", "g", "-", "+", 9)}
    assert counts == {b"1-0": 2, b"2-0": 1, b"3-0": 1}

    # CLAIM: a released entry comes as [id, fields, now, 1] (a 13-digit idle
    # time), a new one as [id, fields, 0, 0]
    claimed = 4 + bulk(b"1-0") + 4 + bulk(b"f") + bulk(b"v") + len(b":1795655000000\r\n:1\r\n")
    new_one = e + len(b":0\r\n:0\r\n")

    def claim(m):
        c.call("DEL", "a")
        fill(c, "a", 3)
        c.call("XGROUP", "CREATE", "a", "g", 0)
        c.call("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "a", ">")
        c.call("XNACK", "a", "g", "FAIL", "IDS", 2, "1-0", "2-0")
        c.call("XADD", "a", "4-0", "f", "v")
        rep = c.call("XREADGROUP", "GROUP", "g", "c2", "MAXSIZE", m, "CLAIM", 600000, "STREAMS",
                     "a", ">")
        return shape(rep), [(p[0], p[1]) for p in c.call("XPENDING", "a", "g", "-", "+", 9)]

    assert claim(head + claimed) == ([(b"a", [b"1-0"])], [
        (b"1-0", b"c2"), (b"2-0", b""), (b"3-0", b"c1")])
    assert claim(head + 2 * claimed - 1) == ([(b"a", [b"1-0"])], [
        (b"1-0", b"c2"), (b"2-0", b""), (b"3-0", b"c1")])
    assert claim(head + 2 * claimed) == ([(b"a", [b"1-0", b"2-0"])], [
        (b"1-0", b"c2"), (b"2-0", b"c2"), (b"3-0", b"c1")])
    assert claim(head + 2 * claimed + new_one - 1) == ([(b"a", [b"1-0", b"2-0"])], [
        (b"1-0", b"c2"), (b"2-0", b"c2"), (b"3-0", b"c1")])
    assert claim(head + 2 * claimed + new_one) == ([(b"a", [b"1-0", b"2-0", b"4-0"])], [
        (b"1-0", b"c2"), (b"2-0", b"c2"), (b"3-0", b"c1"), (b"4-0", b"c2")])
    assert new_one == 39

    # a stream whose first entry does not fit is left out of the reply; its
    # group has not moved and nothing of it is pending
    for k in ("x", "y"):
        c.call("DEL", k)
        fill(c, k, 1)
        c.call("XGROUP", "CREATE", k, "g", 0)
    after_x = head + e + len(b"*1\r\n")
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", after_x + 1, "STREAMS", "x", "y",
                 ">", ">")
    assert rep == [[b"x", [[b"1-0", [b"f", b"v"]]]]]
    assert group_info(c, "y")[b"last-delivered-id"] == b"0-0"
    assert pel_ids(c, "y") == []
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXSIZE", 1, "STREAMS", "x", "y", ">", ">")
    assert shape(rep) == [(b"y", [b"1-0"])]


def test_xreadgroup_noack_with_caps(raw):
    c = raw()
    fill(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", 0)
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "NOACK", "MAXCOUNT", 2, "STREAMS", "s", ">")
    assert shape(rep) == [(b"s", [b"1-0", b"2-0"])]
    assert pel_ids(c, "s") == []
    assert group_info(c, "s")[b"last-delivered-id"] == b"2-0"


def test_xreadgroup_history_with_caps(raw):
    c = raw()
    fill(c, "a", 4)
    fill(c, "b", 4)
    for k in ("a", "b"):
        c.call("XGROUP", "CREATE", k, "g", 0)
        c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">")
    c.call("XDEL", "a", "2-0")
    counts = {row[0]: row[3] for row in c.call("XPENDING", "a", "g", "-", "+", 10)}
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXCOUNT", 5, "STREAMS", "a", "b", 0, 0)
    # a deleted entry still counts as an entry of the reply
    assert rep == [[b"a", [[b"1-0", [b"f", b"v"]], [b"2-0", None], [b"3-0", [b"f", b"v"]],
                           [b"4-0", [b"f", b"v"]]]],
                   [b"b", [[b"1-0", [b"f", b"v"]]]]]
    after = {row[0]: row[3] for row in c.call("XPENDING", "a", "g", "-", "+", 10)}
    assert after[b"1-0"] == counts[b"1-0"] + 1 and after[b"2-0"] == counts[b"2-0"]
    bcounts = {row[0]: row[3] for row in c.call("XPENDING", "b", "g", "-", "+", 10)}
    assert bcounts == {b"1-0": 2, b"2-0": 1, b"3-0": 1, b"4-0": 1}  # only what was sent
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXCOUNT", 4, "STREAMS", "a", "b", 0, 0)
    assert shape(rep) == [(b"a", [b"1-0", b"2-0", b"3-0", b"4-0"])]  # b left out


def test_xreadgroup_mixed_history_and_new(raw):
    c = raw()
    fill(c, "a", 3)
    fill(c, "b", 3)
    for k in ("a", "b"):
        c.call("XGROUP", "CREATE", k, "g", 0)
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", 2, "STREAMS", "a", ">")
    rep = c.call("XREADGROUP", "GROUP", "g", "c", "MAXCOUNT", 3, "STREAMS", "a", "b", 0, ">")
    assert shape(rep) == [(b"a", [b"1-0", b"2-0"]), (b"b", [b"1-0"])]
    assert pel_ids(c, "b") == [b"1-0"]


# ---- blocking ---------------------------------------------------------------------------


def test_blocked_xread_woken_with_caps(raw):
    c, w = raw(), raw()
    c.call("XADD", "s1", "1-0", "f", "v")
    c.call("XADD", "s2", "1-0", "f", "v")
    w.send_cmd("XREAD", "BLOCK", 0, "MAXCOUNT", 3, "STREAMS", "s1", "s2", "$", "$")
    assert wait_until(lambda: blocked_clients(c) == 1)
    c.call("MULTI")
    for i in range(2, 5):
        c.call("XADD", "s1", "%d-0" % i, "f", "v")
        c.call("XADD", "s2", "%d-0" % i, "f", "v")
    c.call("EXEC")
    assert shape(w.read()) == [(b"s1", [b"2-0", b"3-0", b"4-0"])]
    # the same with MAXSIZE: the cap applies when the reader is served
    size = entry_size(b"2-0", [b"f", b"v"])
    w.send_cmd("XREAD", "BLOCK", 0, "MAXSIZE", 4 + bulk(b"s2") + 2 * size, "STREAMS", "s1",
               "s2", "$", "$")
    assert wait_until(lambda: blocked_clients(c) == 1)
    c.call("MULTI")
    for i in range(5, 8):
        c.call("XADD", "s2", "%d-0" % i, "f", "v")
    c.call("EXEC")
    assert shape(w.read()) == [(b"s2", [b"5-0", b"6-0"])]


def test_blocked_xread_timeout_with_caps(raw):
    c = raw()
    t0 = time.monotonic()
    assert c.call("XREAD", "BLOCK", 30, "MAXCOUNT", 1, "MAXSIZE", 1, "STREAMS", "nokey",
                  "$") is None
    assert time.monotonic() - t0 >= 0.025


def test_blocked_xreadgroup_woken_with_caps(raw):
    c, w = raw(), raw()
    for k in ("s1", "s2"):
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    w.send_cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "COUNT", 2, "MAXCOUNT", 3, "STREAMS",
               "s1", "s2", ">", ">")
    assert wait_until(lambda: blocked_clients(c) == 1)
    c.call("MULTI")
    for i in range(1, 4):
        c.call("XADD", "s1", "%d-0" % i, "f", "v")
        c.call("XADD", "s2", "%d-0" % i, "f", "v")
    c.call("EXEC")
    assert shape(w.read()) == [(b"s1", [b"1-0", b"2-0"]), (b"s2", [b"1-0"])]
    assert pel_ids(c, "s1") == [b"1-0", b"2-0"] and pel_ids(c, "s2") == [b"1-0"]
    assert group_info(c, "s2")[b"lag"] == 2
    # what the cap left stays for the next reader, without blocking
    rep = w.call("XREADGROUP", "GROUP", "g", "d", "BLOCK", 0, "MAXCOUNT", 10, "STREAMS", "s1",
                 "s2", ">", ">")
    assert shape(rep) == [(b"s1", [b"3-0"]), (b"s2", [b"2-0", b"3-0"])]


def test_blocked_readers_keep_their_options_over_many_wakeups(raw):
    """Every entry added wakes every reader waiting on the stream; most find
    nothing for them and wait on. Each must still read with its own options
    (COUNT, MAXCOUNT, NOACK, its consumer, its six streams) when its turn
    comes, however often it was woken before."""
    c = raw()
    keys = ["k%d" % i for i in range(6)]
    for k in keys:
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    readers = []
    for i in range(4):
        w = raw()
        opts = ["COUNT", 2 + i] + (["NOACK"] if i % 2 else []) + ["MAXCOUNT", 3 + i]
        w.send_cmd("XREADGROUP", "GROUP", "g", "c%d" % i, *opts, "BLOCK", 0, "STREAMS",
                   *keys, *[">"] * 6)
        readers.append(w)
        assert wait_until(lambda: blocked_clients(c) == i + 1)
    # a change that serves nobody wakes them all: the group is read by
    # another consumer in the same transaction as the entry is added
    for n in range(1, 6):
        c.call("MULTI")
        c.call("XADD", "k5", "%d-0" % n, "f", "v")
        c.call("XREADGROUP", "GROUP", "g", "other", "STREAMS", "k5", ">")
        c.call("EXEC")
    assert blocked_clients(c) == 4
    # now 8 entries in k0 and 8 in k1: the first reader takes 2 of k0
    # (COUNT 2) and 1 of k1 (MAXCOUNT 3), the next 3 + 1 (COUNT 3, MAXCOUNT
    # 4), then 2 + 2 and the rest
    c.call("MULTI")
    for n in range(1, 9):
        c.call("XADD", "k0", "%d-0" % n, "f", "v")
        c.call("XADD", "k1", "%d-0" % n, "f", "v")
    c.call("EXEC")
    got = [shape(w.read()) for w in readers]
    assert got[0] == [(b"k0", [b"1-0", b"2-0"]), (b"k1", [b"1-0"])]
    assert got[1] == [(b"k0", [b"3-0", b"4-0", b"5-0"]), (b"k1", [b"2-0"])]
    assert got[2] == [(b"k0", [b"6-0", b"7-0", b"8-0"]), (b"k1", [b"3-0", b"4-0"])]
    assert got[3] == [(b"k1", [b"5-0", b"6-0", b"7-0", b"8-0"])]
    # NOACK readers (c1, c3) left nothing pending
    assert pel_ids(c, "k0") == [b"1-0", b"2-0", b"6-0", b"7-0", b"8-0"]
    assert pel_ids(c, "k1") == [b"1-0", b"3-0", b"4-0"]
    cons = {x[1]: x[3] for x in c.call("XINFO", "CONSUMERS", "k0", "g")}
    assert cons == {b"c0": 2, b"c1": 0, b"c2": 3, b"c3": 0}


def test_caps_inside_multi(raw):
    c = raw()
    three_streams(c)
    c.call("MULTI")
    c.call("XREAD", "BLOCK", 0, "MAXCOUNT", 2, "STREAMS", "s1", "s2", 0, 0)
    c.call("XREAD", "BLOCK", 0, "MAXCOUNT", 2, "STREAMS", "s1", "s2", "$", "$")
    rep = c.call("EXEC")
    assert shape(rep[0]) == [(b"s1", [b"1-0", b"2-0"])]
    assert rep[1] is None
