"""Consumer groups, differentially: the same scripts to streamd and to Debian's
redis-server 7.0; replies must match byte for byte, except for what
legitimately differs:

  - times (idle, delivery time, seen/active time) are masked;
  - fields Redis added after 7.0 (XINFO CONSUMERS `inactive`, XINFO STREAM
    FULL `active-time`) are dropped from our side before comparing;
  - texts Redis changed after 7.0 (the unbalanced-streams error of
    XREADGROUP; the errors of a blocked XREADGROUP whose key or group went
    away, compared as the pair of texts each version gives), lag after trimming past a group (fixed in 7.4), and the
    consumer a non-serving XREADGROUP creates (7.2+) are left to
    tests/integration/test_groups.py, which checks the 7.4 values.
"""

from testlib import Call, Recv, as_flat

# ---- normalizers ------------------------------------------------------------------


def mask_pending_rows(v):
    """XPENDING <key> <group> <start> <end> <count>: idle times masked."""
    if isinstance(v, list):
        return [[r[0], r[1], "idle", r[3]] if isinstance(r, list) and len(r) == 4 else r for r in v]
    return v


def _pairs(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _drop(flat, *names):
    out = []
    for k, val in _pairs(flat):
        if k in names:
            continue
        out += [k, val]
    return out


def xinfo_consumers(v):
    """Idle masked; `inactive` (7.2+) dropped."""
    if not isinstance(v, list):
        return v
    out = []
    for c in v:
        flat = _drop(as_flat(c), b"inactive")
        out.append([(k, "t" if k == b"idle" else val) for k, val in _pairs(flat)])
    return out


def xinfo_full_groups(v):
    """XINFO STREAM FULL reduced to its groups, with times masked."""
    if not isinstance(v, (list, dict)):
        return v
    flat = as_flat(v)
    groups = dict(_pairs(flat)).get(b"groups")
    out = []
    for g in groups or []:
        gd = dict(_pairs(as_flat(g)))
        pending = [[p[0], p[1], "t", p[3]] for p in gd[b"pending"]]
        consumers = []
        for c in gd[b"consumers"]:
            cd = dict(_pairs(as_flat(c)))
            consumers.append((cd[b"name"], cd[b"pel-count"],
                              [[p[0], "t", p[2]] for p in cd[b"pending"]]))
        out.append((gd[b"name"], gd[b"last-delivered-id"], gd[b"entries-read"], gd[b"lag"],
                    gd[b"pel-count"], pending, consumers))
    return out


def mask_lag(v):
    """XINFO GROUPS with lag masked: used where a group was created or set
    with an ENTRIESREAD behind its position, which 7.0 took at face value and
    7.4 (trimmed-past-the-group rule) does not; test_groups.py checks 7.4."""
    if not isinstance(v, list):
        return v
    return [[("t" if k == b"lag" else val) for k, val in _pairs(as_flat(g))] for g in v]


def xinfo_stream_groups_count(v):
    d = dict(_pairs(as_flat(v))) if isinstance(v, (list, dict)) else {}
    return d.get(b"groups", v)


def orders(key, n, start=1):
    return [("XADD", key, "%d-1" % i, "order_id", i, "sku", "s%d" % (i % 3)) for i in
            range(start, start + n)]


# ---- scripts ----------------------------------------------------------------------


def test_xgroup_diff(diff):
    diff([
        "XGROUP CREATE s g $",
        "XGROUP CREATE s g $ MKSTREAM",
        "XGROUP CREATE s g $ MKSTREAM",
        "XGROUP CREATE s g 0",
        "TYPE s",
        "XADD s 5-5 f v",
        "XGROUP CREATE s g2 $",
        "XGROUP CREATE s g3 7",
        "XGROUP CREATE s g4 0 ENTRIESREAD 1",
        "XGROUP CREATE s g5 0 entriesread -1 mkstream",
        "XGROUP CREATE s g6 0 MKSTREAM ENTRIESREAD 3 MKSTREAM",
        "XGROUP CREATE s x 0 ENTRIESREAD -2",
        "XGROUP CREATE s x 0 ENTRIESREAD z",
        "XGROUP CREATE s x 0 ENTRIESREAD",
        "XGROUP CREATE s x 0 FOO",
        "XGROUP create s x 0 foo",
        "XGROUP CREATE s x bad",
        "XGROUP CREATE s x +",
        "XGROUP CREATE s x -",
        "XGROUP CREATE s x 1-x",
        "XGROUP CREATE s x 18446744073709551615-18446744073709551615",
        "XGROUP CREATE s x 18446744073709551616",
        "XGROUP CREATE s",
        "XGROUP CREATE s x 0 1 2 3 4",
        "XGROUP CREATE nokey x bad",
        "SET str x",
        "XGROUP CREATE str g 0",
        "XGROUP CREATE str g 0 MKSTREAM",
        "XGROUP SETID str g 0",
        ("XGROUP", "CREATE", "s", b"a\x00b", "0"),
        Call("XINFO GROUPS s", norm=mask_lag),
        "XGROUP SETID s nog 0",
        "XGROUP SETID nokey g 0",
        "XGROUP SETID s g 3",
        # (ENTRIESREAD at most the entries added: newer Redis caps larger
        # values, 7.0 does not; test_groups.py checks the cap)
        "XGROUP SETID s g $ ENTRIESREAD 1",
        "XGROUP SETID s g -",
        "XGROUP SETID s g +",
        "XGROUP SETID s g bad",
        "XGROUP SETID s g 0 MKSTREAM",
        "XGROUP SETID s g 0 ENTRIESREAD -3",
        "XGROUP SETID s g 0 ENTRIESREAD 4 extra",
        "XGROUP SETID s g 0 ENTRIESREAD 0",
        Call("XINFO GROUPS s", norm=mask_lag),
        "XGROUP CREATECONSUMER s g c1",
        "XGROUP CREATECONSUMER s g c1",
        "XGROUP CREATECONSUMER s nog c1",
        "XGROUP CREATECONSUMER nokey g c1",
        "XGROUP CREATECONSUMER s g",
        "XGROUP DELCONSUMER s g c1",
        "XGROUP DELCONSUMER s g c1",
        "XGROUP DELCONSUMER s nog c1",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY nokey g",
        "XGROUP DESTROY s",
        "XGROUP FOO s g",
        "XGROUP",
        "XGROUP HELP",
        "XGROUP help",
        "XGROUP HELP x",
        Call("XINFO GROUPS s", norm=mask_lag),
    ])


def test_xreadgroup_diff(diff):
    diff(orders("s", 6) + [
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
        "XREADGROUP GROUP g alice STREAMS s 0",
        "XREADGROUP GROUP g alice STREAMS s 1-1",
        "XREADGROUP GROUP g alice STREAMS s 2",
        "XREADGROUP GROUP g alice COUNT 1 STREAMS s 0-0",
        "XREADGROUP GROUP g bob STREAMS s 0",
        "XREADGROUP GROUP g bob COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g bob NOACK COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g bob COUNT -5 STREAMS s >",
        "XREADGROUP GROUP g bob STREAMS s >",
        "XREADGROUP GROUP g bob COUNT 0 STREAMS s 0",
        "XDEL s 1-1 4-1",
        "XREADGROUP GROUP g alice STREAMS s 0",
        "XREADGROUP GROUP g bob STREAMS s 0",
        "XREADGROUP GROUP g bob STREAMS s 18446744073709551615-18446744073709551615",
        Call("XPENDING s g - + 100", norm=mask_pending_rows),
        "XPENDING s g",
        # errors, in Redis's order
        "XREADGROUP GROUP g c COUNT x STREAMS s >",
        "XREADGROUP GROUP g c BLOCK -1 STREAMS s >",
        "XREADGROUP GROUP g c BLOCK x STREAMS s >",
        "XREADGROUP GROUP g c FOO STREAMS s >",
        "XREADGROUP GROUP g c STREAMS s",
        "XREADGROUP COUNT 1 BLOCK 1 STREAMS s >",
        "XREADGROUP GROUP nog c STREAMS s >",
        "XREADGROUP GROUP g c STREAMS nokey >",
        "XREADGROUP GROUP g c STREAMS s $",
        "XREADGROUP GROUP g c STREAMS s -",
        "XREADGROUP GROUP g c STREAMS s bad",
        "XREADGROUP GROUP g c STREAMS s nokey bad >",
        "XREADGROUP GROUP g c STREAMS nokey s > bad",
        "SET str x",
        "XREADGROUP GROUP g c STREAMS str >",
        "XREADGROUP GROUP g c STREAMS s str > >",
        "XREADGROUP GROUP g c GROUP g bob STREAMS s >",
        "XREADGROUP GROUP g c COUNT 1 COUNT 2 STREAMS s 0",
        "XREADGROUP group g c count 1 noack streams s 0",
        "XREADGROUP GROUP g STREAMS s > x",
        "XINFO GROUPS s",
    ])


def test_xreadgroup_multi_stream_diff(diff):
    diff(orders("a", 3) + orders("b", 2, start=10) + [
        "XGROUP CREATE a g 0",
        "XGROUP CREATE b g 0",
        "XREADGROUP GROUP g c NOACK COUNT 2 STREAMS a b > >",
        "XREADGROUP GROUP g c STREAMS a b > >",
        "XREADGROUP GROUP g c STREAMS a b > >",
        "XREADGROUP GROUP g c STREAMS a b 0 >",
        "XREADGROUP GROUP g d STREAMS a b 0 0",
        "XPENDING a g",
        "XPENDING b g",
        "XADD a 20-1 f v",
        "XADD a 21-1 f v",
        "XREADGROUP GROUP g c COUNT 1 STREAMS a a > >",
        "XREADGROUP GROUP g c COUNT 1 STREAMS a a 0 >",
        "XREADGROUP GROUP g c STREAMS a a > 0",
        "XPENDING a g",
    ])
    diff(orders("a", 3) + [
        "XGROUP CREATE a g 0",
        "XREADGROUP GROUP g c COUNT 2 STREAMS a >",
        "XDEL a 1-1",
        "XREADGROUP GROUP g c STREAMS a 0",
        "XREADGROUP GROUP g c STREAMS a >",
        "XREADGROUP GROUP g c STREAMS a >",
        "XPENDING a g",
        "XPENDING a nog",
        "XAUTOCLAIM a g d 0 0 JUSTID",
        "XAUTOCLAIM a g d 0 0",
        "XCLAIM a g e 0 2-1 3-1",
        "XGROUP CREATE a g 0",
        "XGROUP HELP",
        "XREADGROUP GROUP g c BLOCK 1 STREAMS a >",
    ], resp=3)


def test_xack_xpending_diff(diff):
    diff(orders("s", 8) + [
        "XGROUP CREATE s g 0",
        "XPENDING s g",
        "XPENDING s g - + 10",
        "XREADGROUP GROUP g bob COUNT 3 STREAMS s >",
        "XREADGROUP GROUP g alice COUNT 4 STREAMS s >",
        "XGROUP CREATECONSUMER s g idle",
        "XPENDING s g",
        Call("XPENDING s g - + 10", norm=mask_pending_rows),
        Call("XPENDING s g (1-1 (5-1 10", norm=mask_pending_rows),
        Call("XPENDING s g 2 4 2", norm=mask_pending_rows),
        Call("XPENDING s g - + 10 bob", norm=mask_pending_rows),
        Call("XPENDING s g - + 10 bob extra", norm=mask_pending_rows),
        "XPENDING s g - + 10 nobody",
        "XPENDING s g - + 0",
        "XPENDING s g - + -3",
        "XPENDING s g 5 1 10",
        "XPENDING s g IDLE 600000 - + 10",
        Call("XPENDING s g IDLE -5 - + 10", norm=mask_pending_rows),
        Call("XPENDING s g IDLE 0 - + 10 alice", norm=mask_pending_rows),
        "XPENDING s g - +",
        "XPENDING s g IDLE 10 - +",
        "XPENDING s g - + x",
        "XPENDING s g IDLE x - + 1",
        "XPENDING s g bad + 1",
        "XPENDING s g - bad 1",
        "XPENDING s g (- + 1",
        "XPENDING s g - (+ 1",
        "XPENDING s g ( + 1",
        "XPENDING s g (0-0 (0-0 1",
        "XPENDING s g (18446744073709551615-18446744073709551615 + 1",
        "XPENDING s g 5-1 (5-1 1",
        "XPENDING s nog",
        "XPENDING nokey g - + 1",
        "XPENDING nokey g - + x",
        "XPENDING s",
        "XPENDING s g a b c d e f",
        "XACK s g 1-1 1-1 99",
        "XACK s nog 2-1",
        "XACK nokey g 2-1",
        "XACK nokey g bad",
        "XACK s g 2-1 bad",
        "XACK s g 2-1",
        "XACK s g 3",
        "XACK s g -",
        "XACK s g",
        "SET str x",
        "XACK str g 1",
        "XPENDING str g",
        "XPENDING s g",
    ])


def test_xclaim_diff(diff):
    diff(orders("s", 6) + [
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XCLAIM s g bob 600000 1-1",
        "XCLAIM s g bob 0 1-1 2-1 99-1",
        "XCLAIM s g carol 0 1-1 JUSTID",
        "XCLAIM s g carol 0 2-1 RETRYCOUNT 7 IDLE 5000 JUSTID",
        "XCLAIM s g carol 0 3-1 TIME 99999999999999 JUSTID",
        "XCLAIM s g carol 0 4-1 TIME -10 JUSTID",
        "XCLAIM s g carol 0 4-1 RETRYCOUNT -5 JUSTID",
        "XCLAIM s g carol 0 4-1 RETRYCOUNT 0",
        Call("XPENDING s g - + 10", norm=mask_pending_rows),
        "XACK s g 5-1",
        "XCLAIM s g dave 0 5-1 77-1 FORCE",
        "XACK s g 5-1",
        "XCLAIM s g dave 0 5-1 FORCE JUSTID",
        "XACK s g 5-1",
        "XCLAIM s g dave 0 5-1 FORCE RETRYCOUNT 9 JUSTID",
        Call("XPENDING s g - + 10", norm=mask_pending_rows),
        "XCLAIM s g dave 0 5-1 LASTID 50-1 JUSTID",
        "XINFO GROUPS s",
        "XCLAIM s g dave 0 5-1 LASTID 6-1 JUSTID",
        "XINFO GROUPS s",
        "XCLAIM s g dave 0 LASTID 60-1",
        "XINFO GROUPS s",
        "XDEL s 3-1",
        "XCLAIM s g bob 0 3-1 4-1 JUSTID",
        Call("XPENDING s g - + 10", norm=mask_pending_rows),
        "XCLAIM s g bob -5 4-1 justid force idle 0",
        "XCLAIM s g c x 1-1",
        "XCLAIM s g c 0 bad",
        "XCLAIM s g c 0 1-1 IDLE",
        "XCLAIM s g c 0 1-1 IDLE x",
        "XCLAIM s g c 0 1-1 TIME x",
        "XCLAIM s g c 0 1-1 RETRYCOUNT x",
        "XCLAIM s g c 0 1-1 LASTID x",
        "XCLAIM s g c 0 1-1 FOO",
        "XCLAIM s g c 0 1-1 JUSTID FOO",
        "XCLAIM s nog c 0 1-1",
        "XCLAIM s nog c x 1-1",
        "XCLAIM nokey g c 0 1-1",
        "XCLAIM s g c 0",
        "SET str x",
        "XCLAIM str g c 0 1-1",
    ])


def test_xautoclaim_diff(diff):
    diff(orders("s", 10) + [
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XAUTOCLAIM s g bob 600000 0",
        "XAUTOCLAIM s g bob 0 0 COUNT 3",
        "XAUTOCLAIM s g bob 0 4-1 COUNT 3 JUSTID",
        Call("XPENDING s g - + 10", norm=mask_pending_rows),
        "XDEL s 7-1 8-1",
        "XAUTOCLAIM s g carol 0 7-1 COUNT 3",
        "XPENDING s g",
        "XAUTOCLAIM s g carol 0 (9-1",
        "XAUTOCLAIM s g carol 0 - COUNT 1",
        "XAUTOCLAIM s g carol 0 + COUNT 1",
        "XDEL s 1-1 2-1 3-1 4-1 5-1 6-1",
        "XAUTOCLAIM s g carol 0 0 COUNT 2",
        "XAUTOCLAIM s g carol 0 0 COUNT 2 JUSTID",
        "XAUTOCLAIM s g carol 0 0",
        "XPENDING s g",
        "XAUTOCLAIM s g c x 0",
        "XAUTOCLAIM s g c 0 bad",
        "XAUTOCLAIM s g c 0 (-",
        "XAUTOCLAIM s g c 0 0 COUNT 0",
        "XAUTOCLAIM s g c 0 0 COUNT x",
        "XAUTOCLAIM s g c 0 0 COUNT -1",
        "XAUTOCLAIM s g c 0 0 COUNT 1000000000000000000",
        "XAUTOCLAIM s g c 0 0 COUNT",
        "XAUTOCLAIM s g c 0 0 FOO",
        "XAUTOCLAIM s nog c 0 0",
        "XAUTOCLAIM s nog c 0 0 FOO",
        "XAUTOCLAIM nokey g c 0 0",
        "XAUTOCLAIM s g c 0 (18446744073709551615-18446744073709551615",
        "XAUTOCLAIM s g c 0",
    ])


def test_xautoclaim_attempts_diff(diff):
    """The scan stops after COUNT*10 attempts; the cursor says where."""
    script = orders("s", 40) + ["XGROUP CREATE s g 0", "XREADGROUP GROUP g a STREAMS s >"]
    script += ["XAUTOCLAIM s g b 0 0 COUNT 1 JUSTID"]
    script += [("XCLAIM", "s", "g", "a", "0", "%d-1" % i, "JUSTID") for i in range(1, 41)]
    script += ["XAUTOCLAIM s g b 600000 0 COUNT 2", "XAUTOCLAIM s g b 600000 21-1 COUNT 2"]
    diff(script)


def test_xinfo_diff(diff):
    diff(orders("s", 3) + [
        "XINFO GROUPS s",
        "XGROUP CREATE s b 0",
        "XGROUP CREATE s a $",
        "XGROUP CREATE s ab 0",
        "XREADGROUP GROUP b zed COUNT 2 STREAMS s >",
        "XGROUP CREATECONSUMER s b amy",
        "XGROUP CREATECONSUMER s b Zed",
        "XGROUP CREATECONSUMER s b zedd",
        "XINFO GROUPS s",
        Call("XINFO CONSUMERS s b", norm=xinfo_consumers),
        Call("XINFO STREAM s", norm=xinfo_stream_groups_count),
        Call("XINFO STREAM s FULL", norm=xinfo_full_groups),
        Call("XINFO STREAM s FULL COUNT 1", norm=xinfo_full_groups),
        Call("XINFO STREAM s FULL COUNT 0", norm=xinfo_full_groups),
        "XINFO CONSUMERS s nog",
        "XINFO CONSUMERS nokey g",
        "XINFO GROUPS nokey",
        "XINFO GROUPS s x",
        "XINFO CONSUMERS s",
        "SET str x",
        "XINFO GROUPS str",
        "XINFO CONSUMERS str g",
    ])
    diff(orders("s", 3) + [
        "XGROUP CREATE s b 0",
        "XREADGROUP GROUP b zed COUNT 2 STREAMS s >",
        "XINFO GROUPS s",
        Call("XINFO CONSUMERS s b", norm=xinfo_consumers),
    ], resp=3)


def test_lag_diff(diff):
    diff(orders("s", 5) + [
        "XGROUP CREATE s g 0",
        "XGROUP CREATE s h $",
        "XGROUP CREATE s k 2-1",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g c COUNT 2 STREAMS s >",
        "XINFO GROUPS s",
        "XDEL s 4-1",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g c COUNT 1 STREAMS s >",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g c STREAMS s >",
        "XINFO GROUPS s",
        "XADD s 6-1 f v",
        "XINFO GROUPS s",
        "XDEL s 2-1",
        "XREADGROUP GROUP g c STREAMS s >",
        "XREADGROUP GROUP h c STREAMS s >",
        "XINFO GROUPS s",
        "XGROUP SETID s g 3-1 ENTRIESREAD 3",
        "XINFO GROUPS s",
        "XGROUP SETID s g 3-1",
        "XINFO GROUPS s",
        "XDEL s 1-1 3-1 5-1 6-1",
        "XINFO GROUPS s",
    ])
    diff(orders("u", 2) + [
        "XGROUP CREATE u g 0",
        "XDEL u 1-1 2-1",
        "XINFO GROUPS u",
        "XADD u 3-1 f v",
        "XREADGROUP GROUP g c STREAMS u >",
        "XINFO GROUPS u",
    ])


def blocked_gone(text_70):
    """The error of a blocked XREADGROUP whose key or group went away: Redis
    7.2+ re-runs the command (XREADGROUP's NOGROUP error), 7.0 had a text of
    its own."""
    text_74 = b"NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"

    def cmp(ours, ref):
        return (getattr(ours, "message", None) == text_74
                and getattr(ref, "message", None) == text_70)
    return cmp


def test_blocking_diff(diff):
    diff([
        "XGROUP CREATE s g $ MKSTREAM",
        Call("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", client=1, wait=False),
        Call("XREADGROUP GROUP g c2 BLOCK 0 STREAMS s >", client=2, wait=False),
        "XADD s 1-1 f v",
        Recv(client=1),
        "XADD s 2-1 f v",
        Recv(client=2),
        Call("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", client=1, wait=False),
        "XGROUP DESTROY s g",
        Recv(client=1, cmp=blocked_gone(
            b"NOGROUP the consumer group this client was blocked on no longer exists")),
        "XGROUP CREATE s g $",
        Call("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", client=1, wait=False),
        "DEL s",
        Recv(client=1, cmp=blocked_gone(b"UNBLOCKED the stream key no longer exists")),
        "XGROUP CREATE s g $ MKSTREAM",
        Call("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", client=1, wait=False),
        "XACK s g 1-1",
        "XGROUP SETID s g 0",
        "XADD s 3-1 f v",
        Recv(client=1),
        "XREADGROUP GROUP g c BLOCK 10 STREAMS s >",
        "XREADGROUP GROUP g c BLOCK 0 STREAMS s 0",
        "MULTI",
        "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
        "EXEC",
    ])


def test_many_entries_diff(diff):
    """A PEL big enough for multi-level trees, acked and claimed out of order."""
    n = 600
    script = orders("s", n) + ["XGROUP CREATE s g 0"]
    for k in range(6):
        script.append("XREADGROUP GROUP g c%d COUNT 100 STREAMS s >" % k)
    script.append("XPENDING s g")
    script.append(("XACK", "s", "g") + tuple("%d-1" % i for i in range(1, n + 1, 3)))
    script.append("XPENDING s g")
    script.append(Call("XPENDING s g 100 400 50 c2", norm=mask_pending_rows))
    script.append("XAUTOCLAIM s g z 0 250-1 COUNT 77 JUSTID")
    script.append("XPENDING s g")
    script.append("XGROUP DELCONSUMER s g c3")
    script.append("XPENDING s g")
    script.append(Call("XPENDING s g - + 1000", norm=mask_pending_rows))
    script.append("XREADGROUP GROUP g z COUNT 30 STREAMS s 300-1")
    script.append("XINFO GROUPS s")
    diff(script)


def test_watch_stream_commands_diff(diff):
    """Which stream and group commands break a WATCH on their key: Redis
    counts the entries, the key's existence and its TTL, but not XSETID nor
    XGROUP DESTROY (which wakes blocked readers, not watchers), nor the
    group-state commands (SETID, CREATECONSUMER, DELCONSUMER, XREADGROUP,
    XACK, XCLAIM, XAUTOCLAIM). Each change comes from a second client; its
    own reply is compared by type only (XINFO STREAM FULL has fields of later
    versions), the EXEC after it byte for byte."""
    script = ["XADD s 1-1 f v", "XADD s 2-1 f v", "XGROUP CREATE s g 0"]
    changes = [
        "XSETID s 5-0", "XSETID s 6-0 ENTRIESADDED 9 MAXDELETEDID 1-0",
        "XGROUP CREATE s g2 0", "XGROUP SETID s g2 0 ENTRIESREAD 1",
        "XGROUP CREATECONSUMER s g2 c", "XREADGROUP GROUP g2 c STREAMS s >",
        "XACK s g2 1-1", "XCLAIM s g2 d 0 2-1", "XAUTOCLAIM s g2 e 0 0",
        "XGROUP DELCONSUMER s g2 e", "XGROUP DESTROY s g2", "XGROUP DESTROY s g2",
        "XINFO STREAM s FULL", "XDEL s 9-9", "XDEL s 1-1", "XTRIM s MAXLEN 5",
        "XADD s NOMKSTREAM 7-1 f v", "XTRIM s MAXLEN 0", "XADD nokey NOMKSTREAM * f v",
        "XGROUP CREATE t g $ MKSTREAM", "XSETID nokey 1-1", "XADD s bad f v",
    ]
    for cmd in changes:
        key = "t" if " t " in cmd else "s"
        script += ["WATCH %s nokey" % key, Call(cmd, client=1, norm=lambda v: type(v).__name__),
                   "MULTI", "PING", "EXEC"]
    diff(script)
