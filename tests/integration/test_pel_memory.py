"""The pending list gives its peak memory back (stream/pel.h, "Compaction").

A group's pending entries live in 1024-record chunks that used to be freed
only when empty: after a peak (many entries delivered, nearly all of them
acknowledged, the survivors spread over the ID range) every chunk kept a few
survivors and MEMORY USAGE stayed near the peak. Each way of freeing
entries (XACK, XACKDEL, XDELEX DELREF, XAUTOCLAIM of deleted entries,
XGROUP DELCONSUMER, a DELREF trim over two groups) must now bring it down
to about what the survivors need, and the survivors must read back as they were: XPENDING (summary and
extended), XINFO STREAM FULL, the claim order of XREADGROUP CLAIM (released
entries first, in the order XNACK released them) and XAUTOCLAIM.

streamd only: the memory figures are streamd's and XNACK / CLAIM are
Redis 8.x; Redis 7.0 (Debian) keeps ~240 bytes per pending entry.
"""

import random

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="streamd's PEL; XNACK and CLAIM are Redis 8.x")

N = 30000  # 29+ chunks of records at the peak
KEPT = [i for i in range(1, N + 1) if i % 100 == 37]  # 1% left, spread over the range
N_RELEASED = 12
SMALL = 40 * len(KEPT) + 2 * 24 * 1024 + 8192  # what the survivors may keep, in bytes


@pytest.fixture
def c(r):
    for name in ("XREADGROUP", "XPENDING", "XCLAIM", "XAUTOCLAIM", "XINFO"):
        r.set_response_callback(name, lambda resp, **kw: resp)
    return r


def sid(i):
    return "%d-1" % i


def mem(c):
    return c.memory_usage("s", samples=0)


def batches(items, n=500):
    for k in range(0, len(items), n):
        yield items[k:k + n]


def peak(c):
    """The stream, a group read by three consumers to N + 1 pending entries,
    the kept ones moved to k1/k2 (two of them with RETRYCOUNT past 16
    bits), the claim order's tree built. Returns the memory before the
    reads and at the peak."""
    p = c.pipeline(transaction=False)
    for i in range(1, N + 1):
        p.execute_command("XADD", "s", sid(i), "n", str(i))
    p.execute()
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    before = mem(c)
    for k in range(N // 1000):
        c.execute_command("XREADGROUP", "GROUP", "g", "c%d" % (k % 3 + 1), "COUNT", "1000",
                          "STREAMS", "s", ">")
    c.execute_command("XADD", "s", sid(N + 1), "n", str(N + 1))
    for j, ids in enumerate(batches([sid(i) for i in KEPT], 50)):
        c.execute_command("XCLAIM", "s", "g", "k%d" % (j % 2 + 1), "0", *ids, "JUSTID")
    c.execute_command("XCLAIM", "s", "g", "k1", "0", sid(KEPT[3]), "RETRYCOUNT", "70000",
                      "JUSTID")
    c.execute_command("XCLAIM", "s", "g", "k2", "0", sid(KEPT[-2]), "RETRYCOUNT", str(2**40),
                      "JUSTID")
    # The claim order's tree is built by the first CLAIM read: nothing is
    # idle enough, so it reads the one new entry, N + 1, for k1.
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "k1", "COUNT", "1", "CLAIM",
                            "100000000", "STREAMS", "s", ">")
    assert [e[0] for e in rep[0][1]] == [sid(N + 1).encode()]
    return before, mem(c)


def release(c, rnd):
    """XNACKs some kept entries (FAIL keeps their counts); returns them in
    release order."""
    released = rnd.sample(KEPT[:-1], N_RELEASED)
    for i in released:
        assert c.execute_command("XNACK", "s", "g", "FAIL", "IDS", "1", sid(i)) == 1
    return released


def free_all_but_kept(c, how):
    kept = set(KEPT)
    gone = [sid(i) for i in range(1, N + 2) if i not in kept]
    if how == "xack":
        for ids in batches(gone):
            c.execute_command("XACK", "s", "g", *ids)
    elif how == "xackdel":
        for ids in batches(gone):
            c.execute_command("XACKDEL", "s", "g", "IDS", len(ids), *ids)
    elif how == "delref":
        for ids in batches(gone):
            c.execute_command("XDELEX", "s", "DELREF", "IDS", len(ids), *ids)
    elif how == "xclaim":
        # Entries deleted (KEEPREF) stay pending until a claim finds them
        # gone; a min-idle-time no entry has leaves the others alone.
        for ids in batches(gone):
            c.execute_command("XDEL", "s", *ids)
        for ids in batches(gone):
            assert c.execute_command("XCLAIM", "s", "g", "k3", "100000000", *ids) == []
    elif how == "xautoclaim":
        # As above (run before any XNACK: released entries are claimable
        # whatever the min-idle-time).
        for ids in batches(gone):
            c.execute_command("XDEL", "s", *ids)
        cursor = b"0-0"
        while True:
            cursor, claimed, deleted = c.execute_command(
                "XAUTOCLAIM", "s", "g", "k3", "100000000", cursor, "COUNT", "1000")
            assert claimed == []
            if cursor == b"0-0":
                break
    elif how == "delconsumer":
        c.execute_command("XACK", "s", "g", sid(N + 1))
        for name in ("c1", "c2", "c3"):
            c.execute_command("XGROUP", "DELCONSUMER", "s", "g", name)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how",
                         ["xack", "xackdel", "delref", "xclaim", "xautoclaim", "delconsumer"])
def test_memory_drops_and_survivors_stay(c, how):
    rnd = random.Random(len(how))
    before, at_peak = peak(c)
    released = release(c, rnd) if how != "xautoclaim" else []
    # Expected state of the survivors, taken before anything is freed.
    everything = c.execute_command("XPENDING", "s", "g", "-", "+", str(N + 10))
    assert len(everything) == N + 1
    kept_ids = {sid(i).encode() for i in KEPT}
    want = [[e[0], e[1], e[3]] for e in everything if e[0] in kept_ids]
    assert len(want) == len(KEPT)

    free_all_but_kept(c, how)
    after = mem(c)
    if how == "xautoclaim":
        released = release(c, rnd)
        for e in want:
            if int(e[0].split(b"-")[0]) in released:
                e[1] = b""
    # At the peak: ~38 bytes per pending entry. Before the slab was repacked,
    # ~24 KB per surviving chunk stayed (~700 KB here); now the records
    # (24 bytes) and packed trees remain, plus at most the two chunks of
    # free slots (48 KB) that pel_compact() leaves to avoid thrashing.
    assert at_peak - before > N * 30
    assert after - before < SMALL, (before, at_peak, after)

    # XPENDING, extended and summary.
    got = c.execute_command("XPENDING", "s", "g", "-", "+", str(N))
    assert [[e[0], e[1], e[3]] for e in got] == want
    assert all(e[2] == -1 for e in got if e[1] == b"")
    n, first, last, per_consumer = c.execute_command("XPENDING", "s", "g")
    assert (n, first, last) == (len(KEPT), want[0][0], want[-1][0])
    owned = {}
    for e in want:
        if e[1]:
            owned[e[1]] = owned.get(e[1], 0) + 1
    assert {k: int(v) for k, v in per_consumer} == owned
    assert sum(owned.values()) == len(KEPT) - N_RELEASED

    # XINFO STREAM FULL: the group's PEL, its NACKed count, each consumer's.
    full = c.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
    full = dict(zip(full[0::2], full[1::2]))
    (group,) = full[b"groups"]
    group = dict(zip(group[0::2], group[1::2]))
    assert group[b"pel-count"] == len(KEPT)
    assert group[b"nacked-count"] == N_RELEASED
    assert [[e[0], e[1], e[3]] for e in group[b"pending"]] == want
    for cons in group[b"consumers"]:
        cons = dict(zip(cons[0::2], cons[1::2]))
        mine = [e for e in want if e[1] == cons[b"name"]]
        assert cons[b"pel-count"] == len(mine)
        assert [[e[0], e[2]] for e in cons[b"pending"]] == [[e[0], e[2]] for e in mine]

    # Claim order: the released entries first, in the order XNACK released
    # them, then the owned ones from the longest idle: the XCLAIM order,
    # which was ID order, the two re-claimed with RETRYCOUNT last.
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "k3", "COUNT", str(N_RELEASED + 3),
                            "CLAIM", "0", "STREAMS", "s", ">")
    es = rep[0][1]
    owned_order = [i for i in KEPT if i not in released and i not in (KEPT[3], KEPT[-2])]
    assert [e[0] for e in es] == [sid(i).encode() for i in released + owned_order[:3]]
    counts = {e[0]: e[2] for e in want}
    for e in es:
        assert e[1] == [b"n", e[0].split(b"-")[0]]
        assert e[3] == counts[e[0]]

    # XAUTOCLAIM from the start: the smallest pending IDs, whoever owns them.
    cursor, claimed, deleted = c.execute_command("XAUTOCLAIM", "s", "g", "k4", "0", "0-0",
                                                 "COUNT", "20", "JUSTID")
    assert claimed == [e[0] for e in want[:20]] and deleted == []
    assert cursor == want[20][0]
    assert [e[0] for e in c.execute_command("XPENDING", "s", "g", "-", "+", "100", "k4")] == \
        [e[0] for e in want[:20]]
    assert c.execute_command("XPENDING", "s", "g")[0] == len(KEPT)


def test_group_destroy_and_reuse_after_compaction(c):
    """A group whose slab was repacked keeps working: new deliveries and
    acknowledgements, then XGROUP DESTROY frees it all."""
    before, _ = peak(c)
    release(c, random.Random(7))
    free_all_but_kept(c, "xack")
    assert mem(c) - before < SMALL
    for i in range(N + 2, N + 2002):
        c.execute_command("XADD", "s", sid(i), "n", str(i))
    rep = c.execute_command("XREADGROUP", "GROUP", "g", "c9", "COUNT", "5000", "STREAMS", "s",
                            ">")
    assert len(rep[0][1]) == 2000
    assert c.execute_command("XPENDING", "s", "g")[0] == len(KEPT) + 2000
    assert c.execute_command("XACK", "s", "g", *[sid(i) for i in range(N + 2, N + 2002)]) == 2000
    assert c.execute_command("XPENDING", "s", "g")[0] == len(KEPT)
    assert c.execute_command("XGROUP", "DESTROY", "s", "g") == 1
    with pytest.raises(redis.ResponseError):
        c.execute_command("XPENDING", "s", "g")


def test_delref_trim_repacks_every_group(c):
    """A DELREF trim removes each deleted ID from every group's pending
    list, repacking each list as it goes (inside the trim's walk). g got
    its entries in ID order, so its records go chunk by chunk; h got them
    by XCLAIM FORCE in a shuffled order, so the trim's prefix leaves a few
    survivors in every one of h's chunks and only repacks give those back.
    Both lists must read back as they were."""
    n, left = 6000, 60
    p = c.pipeline(transaction=False)
    for i in range(1, n + 1):
        p.execute_command("XADD", "s", sid(i), "n", str(i))
    p.execute()
    c.execute_command("XGROUP", "CREATE", "s", "g", "0")
    c.execute_command("XGROUP", "CREATE", "s", "h", "$")
    c.execute_command("XREADGROUP", "GROUP", "g", "a", "COUNT", str(n), "STREAMS", "s", ">")
    order = [sid(i) for i in range(1, n + 1)]
    random.Random(5).shuffle(order)
    for ids in batches(order):
        c.execute_command("XCLAIM", "s", "h", "b", "0", *ids, "FORCE", "RETRYCOUNT", "4",
                          "JUSTID")
    want = {}
    for group in ("g", "h"):
        got = c.execute_command("XPENDING", "s", group, "-", "+", str(n))
        want[group] = [[e[0], e[1], e[3]] for e in got[n - left:]]
    assert [e[1:] for e in want["h"]] == [[b"b", 4]] * left
    assert c.execute_command("XTRIM", "s", "MINID", "=", sid(n - left + 1), "DELREF") == n - left
    with_pels = mem(c)
    for group in ("g", "h"):
        got = c.execute_command("XPENDING", "s", group, "-", "+", str(n))
        assert [[e[0], e[1], e[3]] for e in got] == want[group]
        assert c.execute_command("XPENDING", "s", group)[0] == left
        assert c.execute_command("XACK", "s", group, *[e[0] for e in want[group]]) == left
    # What the two lists held after the trim: the survivors' records and
    # trees, and up to the two chunks of free slots a list may keep (g's
    # last chunk, h's last repacked one). Without the repacks h kept its
    # six chunks (~147 KB).
    assert with_pels - mem(c) < 2 * 24 * 1024 + 2 * 40 * left + 8192, (with_pels, mem(c))
