"""Stream node compaction, differentially: streamd rebuilds a node without
its deleted entries once XDEL leaves more deleted than live ones in it
(src/stream/stream.c); Debian's redis-server 7.0 never does. Every reply a
client can see must still be the same: ranges both ways with COUNT and
exclusive bounds, XREAD, XREADGROUP of history (deleted entries show as nil),
XPENDING / XCLAIM / XAUTOCLAIM of pending entries whose stream entry went,
XINFO STREAM (FULL included, radix-tree counts too), trimming replies, and
where appends start new nodes after the nodes behind a compacted node went.

Node boundaries are set by stream-node-max-entries alone (max-bytes 0), as
in test_stream_diff.py, so they must match exactly. Times (idle, delivery,
seen), lag and entries-read are masked; fields newer than 7.0 are dropped.
"""

import random

import pytest

from testlib import Call, as_flat

# ---- normalizers ------------------------------------------------------------------


def _pairs(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


NEWER_THAN_70 = {b"idmp-duration", b"idmp-maxsize", b"pids-tracked", b"iids-tracked",
                 b"iids-added", b"iids-duplicates", b"active-time", b"inactive", b"nacked-count"}
# times, and the group counters whose rules changed after 7.0 when entries
# are deleted or trimmed (tests/integration/test_groups.py checks ours)
TIMES = {b"seen-time", b"idle", b"lag", b"entries-read"}


def _mask_record(v):
    """A field/value record with newer fields dropped and times masked."""
    out = []
    for k, val in _pairs(as_flat(v)):
        if k in NEWER_THAN_70:
            continue
        out += [k, "t" if k in TIMES else val]
    return out


def xinfo_stream(v):
    """XINFO STREAM [FULL]: groups, consumers and PEL rows with times masked."""
    if not isinstance(v, (list, dict)):
        return v
    out = []
    for k, val in _pairs(as_flat(v)):
        if k in NEWER_THAN_70:
            continue
        if k == b"groups" and isinstance(val, list):
            groups = []
            for g in val:
                gd = []
                for gk, gv in _pairs(as_flat(g)):
                    if gk in NEWER_THAN_70:
                        continue
                    if gk == b"pending":
                        gv = [[p[0], p[1], "t", p[3]] for p in gv]
                    elif gk == b"consumers":
                        cons = []
                        for c in gv:
                            cd = []
                            for ck, cv in _pairs(as_flat(c)):
                                if ck in NEWER_THAN_70:
                                    continue
                                if ck == b"pending":
                                    cv = [[p[0], "t", p[2]] for p in cv]
                                cd += [ck, "t" if ck in TIMES else cv]
                            cons.append(cd)
                        gv = cons
                    gd += [gk, "t" if gk in TIMES else gv]
                groups.append(gd)
            val = groups
        out += [k, val]
    return out


def pending_rows(v):
    if isinstance(v, list):
        return [[r[0], r[1], "t", r[3]] if isinstance(r, list) and len(r) == 4 else r for r in v]
    return v


def xinfo_groups(v):
    if not isinstance(v, list):
        return v
    return [_mask_record(g) for g in v]


# ---- the script ---------------------------------------------------------------------


def _entry(rng, i):
    """Field/value pairs: mostly the node's own fields, sometimes others."""
    if rng.random() < 0.75:
        return ["order", str(i), "qty", str(rng.randint(-20, 300)),
                "note", rng.choice(["", "x" * rng.randint(1, 80), "007", str(rng.getrandbits(62))])]
    return [x for k in range(rng.randint(1, 17)) for x in ("g%d" % k, str(rng.randint(0, 99)))]


def compaction_script(rng, max_entries, n_entries, rounds):
    script = ["CONFIG SET stream-node-max-bytes 0",
              "CONFIG SET stream-node-max-entries %d" % max_entries]
    live = []
    seq = [0]

    def add(n):
        for _ in range(n):
            seq[0] += 1
            i = seq[0]
            script.append(("XADD", "s", "%d-1" % i) + tuple(_entry(rng, i)))
            live.append(i)

    add(n_entries)
    script += ["XGROUP CREATE s g 0", "XGROUP CREATE s h $", "XGROUP CREATECONSUMER s h zed",
               "XREADGROUP GROUP g alice COUNT %d STREAMS s >" % (n_entries // 2),
               "XREADGROUP GROUP g bob COUNT %d STREAMS s >" % (n_entries // 4)]

    def rand_id():
        i = rng.randint(0, seq[0] + 1)
        return "%d-%d" % (i, rng.choice([0, 1, 1, 1, 2]))

    def read_calls():
        a, b = sorted([rand_id(), rand_id()])
        if rng.random() < 0.3:
            a = "(" + a
        if rng.random() < 0.3:
            b = "(" + b
        count = ["COUNT", str(rng.randint(1, 7))] if rng.random() < 0.5 else []
        return [("XRANGE", "s", a, b, *count), ("XREVRANGE", "s", b, a, *count)]

    for _ in range(rounds):
        r = rng.random()
        if r < 0.45 and live:
            # out-of-order deletes, mostly away from the head and the tail
            for _ in range(rng.randint(1, 6)):
                if not live:
                    break
                k = int(len(live) * rng.betavariate(2, 2))
                i = live.pop(min(k, len(live) - 1))
                # acknowledged first or not (XACKDEL is newer than 7.0; this
                # is what it does with KEEPREF)
                if rng.random() < 0.5:
                    script.append("XACK s g %d-1" % i)
                script.append("XDEL s %d-1" % i)
        elif r < 0.60:
            script += read_calls()
        elif r < 0.66:
            script.append(Call("XINFO STREAM s", norm=xinfo_stream))
            script.append(Call("XINFO STREAM s FULL", norm=xinfo_stream))
        elif r < 0.72:
            script.append(Call("XPENDING s g - + 1000", norm=pending_rows))
            script.append("XPENDING s g")
            script.append("XREADGROUP GROUP g alice STREAMS s 0")
            script.append("XREADGROUP GROUP g bob COUNT 3 STREAMS s %s" % rand_id())
        elif r < 0.76:
            # existing consumers only: which calls create one changed after 7.0
            script.append("XCLAIM s g bob 0 %s %s %s" % (rand_id(), rand_id(), rand_id()))
            script.append("XAUTOCLAIM s g alice 0 %s COUNT %d" % (rand_id(), rng.randint(1, 9)))
            script.append("XAUTOCLAIM s g bob 0 0-0 COUNT 5 JUSTID")
        elif r < 0.80:
            script.append("XREAD COUNT %d STREAMS s %s" % (rng.randint(1, 9), rand_id()))
            script.append("XREADGROUP GROUP h zed COUNT 4 STREAMS s >")
        elif r < 0.86:
            add(rng.randint(1, 2 * max_entries))
        elif r < 0.90 and live:
            # everything after some point goes: the nodes behind it are freed
            # and an older, maybe compacted, node becomes the tail again
            cut = rng.randint(max(0, len(live) - max_entries - 3), len(live) - 1)
            gone, live[cut:] = live[cut:], []
            script.append(("XDEL", "s") + tuple("%d-1" % i for i in gone))
            add(rng.randint(1, max_entries + 1))
            script.append(Call("XINFO STREAM s", norm=xinfo_stream))
        elif r < 0.95:
            kind = rng.choice(["MINID", "MAXLEN"])
            approx = rng.choice(["~", "="])
            if kind == "MINID":
                arg = rand_id()
            else:
                arg = str(max(0, len(live) - rng.randint(0, 3 * max_entries)))
            script.append("XTRIM s %s %s %s" % (kind, approx, arg))
            script.append("XLEN s")
        else:
            script.append(Call("XINFO GROUPS s", norm=xinfo_groups))
            script.append(Call("XINFO CONSUMERS s g", norm=xinfo_groups))
    script += ["XRANGE s - +", "XREVRANGE s + -", "XLEN s",
               Call("XINFO STREAM s FULL", norm=xinfo_stream),
               Call("XPENDING s g - + 1000", norm=pending_rows)]
    return script


@pytest.mark.parametrize("max_entries", [3, 4, 10, 16, 100])
def test_compaction_random(diff, max_entries):
    seed = random.randrange(1 << 30)
    print("seed", seed, "max_entries", max_entries)
    rng = random.Random(seed)
    n = 6 * max_entries if max_entries < 100 else 450
    script = compaction_script(rng, max_entries, n, 160)
    try:
        diff(script)
    except AssertionError as e:
        raise AssertionError("seed %d max_entries %d: %s" % (seed, max_entries, e)) from None


def test_compaction_middle_nodes(diff):
    """Most entries of every middle node deleted, in a scattered order; then
    every read, the trims, and appends after the tail nodes went."""
    script = ["CONFIG SET stream-node-max-bytes 0", "CONFIG SET stream-node-max-entries 10"]
    script += [("XADD", "s", "%d-1" % i, "a", str(i), "b", "v%d" % i) for i in range(1, 61)]
    script += ["XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 60 STREAMS s >"]
    order = [i for i in range(11, 51) if i % 10 not in (3, 8)]
    random.Random(7).shuffle(order)
    script += ["XDEL s %d-1" % i for i in order]
    script += ["XRANGE s - +", "XREVRANGE s + -", "XRANGE s (13-1 (48-1", "XREVRANGE s + - COUNT 3",
               "XREVRANGE s 45 12 COUNT 4", "XRANGE s 14 47", "XREAD COUNT 5 STREAMS s 12-1",
               "XREADGROUP GROUP g c COUNT 12 STREAMS s 9-1",
               Call("XPENDING s g - + 100", norm=pending_rows), "XPENDING s g",
               "XCLAIM s g c 0 14-1 18-1 23-1 1-1", "XAUTOCLAIM s g c 0 10-1 COUNT 6",
               Call("XINFO STREAM s", norm=xinfo_stream),
               Call("XINFO STREAM s FULL", norm=xinfo_stream),
               # the tail nodes go: node 41-50 (compacted) is the tail again
               ("XDEL", "s") + tuple("%d-1" % i for i in range(51, 61)) + ("48-1", "43-1"),
               "XADD s 61-1 a 61", "XADD s 62-1 a 62",
               Call("XINFO STREAM s", norm=xinfo_stream), "XRANGE s 40 +", "XREVRANGE s + 40",
               "XTRIM s MINID ~ 24-1", "XTRIM s MINID ~ 33-1", "XTRIM s MINID = 34-1",
               "XTRIM s MAXLEN ~ 1", "XRANGE s - +", "XLEN s",
               Call("XINFO STREAM s FULL", norm=xinfo_stream)]
    diff(script)
