"""Redis 8.2 consumer-group reference policies: KEEPREF | DELREF | ACKED on
XADD and XTRIM, XDELEX and XACKDEL (issue #5).

Expected values come from the Redis command documentation (xdelex, xackdel,
xtrim, xadd pages) and its examples; where the pages are silent they follow
Redis 8.6's behaviour as its own tests and fixes describe it:
  - ACKED keeps an entry while some group has not delivered it (ID above the
    group's last-delivered ID) or still has it pending; trimming skips such
    entries and goes on past them;
  - without consumer groups the policies have no effect;
  - with DELREF or ACKED, "~" trims entry by entry like "=" (only LIMIT
    still stops it, at a node boundary).
The last tests restart a server with the AOF on after each new mutation and
after trims whose node layout differs at replay.
"""

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.2 commands (redis-server 7.0 lacks them)")

E_ID = "Invalid stream ID specified as stream command argument"
E_SYNTAX = "syntax error"
E_NUMIDS = "Number of IDs must be a positive integer"
E_MATCH = "The `numids` parameter must match the number of arguments"
E_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def x(r, *args):
    return r.execute_command(*args)


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        x(r, *args)
    return str(e.value)


def ids(r, key="s"):
    return [e[0] for e in r.xrange(key)]


def pending(r, key="s", group="g"):
    return [p["message_id"] for p in r.xpending_range(key, group, min="-", max="+", count=1000)]


def consumer_pending(r, key="s", group="g"):
    return {c["name"]: c["pending"] for c in r.xinfo_consumers(key, group)}


def setup_stream(r):
    """Entries 1-0..10-0; group g delivered 1-0..6-0 to consumer c, which
    acknowledged 1-0 and 3-0: 2-0, 4-0, 5-0, 6-0 pending, 7-0.. undelivered."""
    for i in range(1, 11):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", 0)
    r.xreadgroup("g", "c", {"s": ">"}, count=6)
    assert r.xack("s", "g", "1-0", "3-0") == 2


def b(*names):
    return [n.encode() for n in names]


# ---- XTRIM / XADD with a policy ----------------------------------------------------


def test_xtrim_keepref_keeps_pending_references(r):
    setup_stream(r)
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, "KEEPREF") == 7
    assert ids(r) == b("8-0", "9-0", "10-0")
    assert pending(r) == b("2-0", "4-0", "5-0", "6-0")


def test_xtrim_default_is_keepref(r):
    setup_stream(r)
    assert x(r, "XTRIM", "s", "MAXLEN", 3) == 7
    assert pending(r) == b("2-0", "4-0", "5-0", "6-0")


def test_xtrim_delref_removes_pending_references(r):
    setup_stream(r)
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, "DELREF") == 7
    assert ids(r) == b("8-0", "9-0", "10-0")
    assert pending(r) == []
    assert consumer_pending(r) == {b"c": 0}
    assert r.xpending("s", "g")["pending"] == 0


def test_xtrim_acked_skips_referenced_entries(r):
    setup_stream(r)
    # Only the acknowledged entries go, even though the stream stays longer
    # than MAXLEN: pending and undelivered ones are skipped, not a barrier.
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, "ACKED") == 2
    assert ids(r) == b("2-0", "4-0", "5-0", "6-0", "7-0", "8-0", "9-0", "10-0")
    assert pending(r) == b("2-0", "4-0", "5-0", "6-0")
    # once acknowledged they can go too
    r.xack("s", "g", "2-0", "4-0")
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, "ACKED") == 2
    assert ids(r) == b("5-0", "6-0", "7-0", "8-0", "9-0", "10-0")


@pytest.mark.parametrize(
    "policy,trimmed,remaining,pend",
    [
        ("KEEPREF", 8, ["9-0", "10-0"], ["2-0", "4-0", "5-0", "6-0"]),
        ("DELREF", 8, ["9-0", "10-0"], []),
        ("ACKED", 2, ["2-0", "4-0", "5-0", "6-0", "7-0", "8-0", "9-0", "10-0"],
         ["2-0", "4-0", "5-0", "6-0"]),
    ],
)
def test_xtrim_minid_with_policy(r, policy, trimmed, remaining, pend):
    setup_stream(r)
    assert x(r, "XTRIM", "s", "MINID", "=", "9-0", policy) == trimmed
    assert ids(r) == b(*remaining)
    assert pending(r) == b(*pend)


def fill_three_nodes(r):
    """250 entries in nodes of 100, 100 and 50; group g read 150 and
    acknowledged the first 120."""
    p = r.pipeline(transaction=False)
    for i in range(1, 251):
        p.xadd("s", {"f": i}, id="%d-1" % i)
    p.execute()
    r.xgroup_create("s", "g", 0)
    r.xreadgroup("g", "c", {"s": ">"}, count=150)
    assert r.xack("s", "g", *["%d-1" % i for i in range(1, 121)]) == 120


@pytest.mark.parametrize("policy,trimmed,pend", [("KEEPREF", 200, 30), ("DELREF", 240, 0),
                                                 ("ACKED", 120, 30)])
def test_xtrim_approximate_with_policy(r, policy, trimmed, pend):
    fill_three_nodes(r)
    assert x(r, "XTRIM", "s", "MAXLEN", "~", 10, policy) == trimmed
    assert r.xlen("s") == 250 - trimmed
    assert r.xpending("s", "g")["pending"] == pend


def test_xtrim_approximate_policy_stops_at_limit(r):
    fill_three_nodes(r)
    # LIMIT still counts per node: the second node would pass 150
    assert x(r, "XTRIM", "s", "MAXLEN", "~", 10, "LIMIT", 150, "DELREF") == 100
    assert ids(r)[0] == b"101-1"
    assert r.xpending("s", "g")["pending"] == 30
    # ACKED stops at the first entry above the group's last-delivered ID
    assert x(r, "XTRIM", "s", "MINID", "~", "240-1", "LIMIT", 100, "ACKED") == 20
    assert ids(r)[0] == b"121-1"


def test_xtrim_approximate_minid_with_policy(r):
    r.config_set("stream-node-max-entries", 2)
    try:
        for i in range(1, 7):
            r.xadd("s", {"f": "v"}, id="%d-0" % i)
        r.xgroup_create("s", "g", 0)
        r.xreadgroup("g", "c", {"s": ">"}, count=4)
        r.xack("s", "g", "1-0", "2-0")
        # nodes (1,2) acked, (3,4) pending: the first goes in approximate mode too
        assert x(r, "XTRIM", "s", "MINID", "~", "5-0", "ACKED") == 2
        assert ids(r) == b("3-0", "4-0", "5-0", "6-0")
        assert x(r, "XTRIM", "s", "MINID", "~", "5-0", "DELREF") == 2
        assert ids(r) == b("5-0", "6-0")
        assert pending(r) == []
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_policies_without_groups_have_no_effect(r):
    for policy in ("KEEPREF", "DELREF", "ACKED"):
        r.delete("s")
        for i in range(1, 11):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, policy) == 7
        assert ids(r) == b("8-0", "9-0", "10-0")
        assert x(r, "XTRIM", "s", "MINID", "~", "10-0", policy) == 0  # one node: nothing whole


def test_acked_with_groups_at_different_positions(r):
    for i in range(1, 11):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "at-end", "$")  # delivered everything, nothing pending
    r.xgroup_create("s", "behind", "4-0")  # has yet to read 5-0 onwards
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 3, "ACKED") == 4
    assert ids(r) == b("5-0", "6-0", "7-0", "8-0", "9-0", "10-0")
    # a third group reads 5-0..7-0 and holds 6-0; "behind" catches up
    r.xgroup_create("s", "reader", "4-0")
    r.xreadgroup("reader", "c", {"s": ">"}, count=3)
    r.xack("s", "reader", "5-0", "7-0")
    r.xreadgroup("behind", "c", {"s": ">"}, count=10, noack=True)
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 2  # 5-0 and 7-0
    assert ids(r) == b("6-0", "8-0", "9-0", "10-0")
    r.xack("s", "reader", "6-0")
    assert x(r, "XTRIM", "s", "MINID", "9-0", "ACKED") == 1  # "reader" has not read 8-0
    assert ids(r) == b("8-0", "9-0", "10-0")
    r.xreadgroup("reader", "c", {"s": ">"}, noack=True)
    # group positions moved back make entries referenced again
    r.xgroup_setid("s", "at-end", "8-0")
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 1
    assert ids(r) == b("9-0", "10-0")


def test_acked_trims_after_every_way_an_entry_lets_go(r):
    """Repeated ACKED trims over entries stuck in pending lists, in small
    nodes: streamd steps over the nodes it found holding only kept entries
    (group.h's known_kept), so every way an entry stops being kept must be
    seen by the next trim: XACK, DELCONSUMER, XGROUP DESTROY, XACKDEL on
    another group; claiming, XNACK, new groups and new reads change nothing."""
    r.config_set("stream-node-max-entries", 10)
    try:
        for i in range(1, 201):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        r.xgroup_create("s", "g", 0)
        r.xgroup_create("s", "h", 0)
        r.xreadgroup("g", "a", {"s": ">"}, count=100)
        r.xreadgroup("g", "b", {"s": ">"}, count=100)
        r.xreadgroup("h", "x", {"s": ">"})
        stuck_g = {15: "a", 55: "a", 95: "a", 115: "b", 155: "b", 175: "b"}
        stuck_h = {95, 135}
        for grp, stuck in (("g", stuck_g), ("h", stuck_h)):
            r.xack("s", grp, *["%d-0" % i for i in range(1, 201) if i not in stuck])

        def trim(expect_deleted, live):
            assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == expect_deleted
            assert ids(r) == [b"%d-0" % i for i in sorted(live)]
            # again, and with XADD's trim: nothing more goes
            assert x(r, "XTRIM", "s", "MAXLEN", "~", 0, "ACKED") == 0
            assert x(r, "XTRIM", "s", "MINID", "=", "300-0", "ACKED") == 0

        live = set(stuck_g) | stuck_h
        trim(200 - len(live), live)
        # the same entries stay pending whoever holds them
        r.xclaim("s", "g", "c", 0, ["15-0"])
        assert r.xautoclaim("s", "g", "c", 0, "100-0", count=1)[1][0][0] == b"115-0"
        x(r, "XNACK", "s", "g", "SILENT", "IDS", 1, "155-0")
        r.xgroup_create("s", "late", "$")
        trim(0, live)
        # appended entries the groups have not read stay, then go once read
        for i in range(201, 206):
            assert x(r, "XADD", "s", "MAXLEN", "=", 0, "ACKED", "%d-0" % i, "f", i) == \
                ("%d-0" % i).encode()
            live.add(i)
        trim(0, live)
        for grp in ("g", "h", "late"):
            r.xreadgroup(grp, "y", {"s": ">"}, noack=True)
        live -= set(range(201, 206))
        trim(5, live)
        # XACK of one stuck entry in the middle
        r.xack("s", "g", "55-0")
        live.discard(55)
        trim(1, live)
        # DELCONSUMER: b's entries (175; 115 is c's now, 155 released)
        assert r.xgroup_delconsumer("s", "g", "b") == 1
        live.discard(175)
        trim(1, live)
        # XACKDEL on g of an entry h still holds keeps it; its ack counts
        assert x(r, "XACKDEL", "s", "g", "ACKED", "IDS", 1, "95-0") == [2]
        trim(0, live)
        r.xack("s", "h", "95-0")
        live.discard(95)
        trim(1, live)
        # the group holding 135 goes
        r.xgroup_destroy("s", "h")
        live.discard(135)
        trim(1, live)
        # the last ones: 15 and 115 (c), 155 (released)
        r.xack("s", "g", "155-0")
        live.discard(155)
        trim(1, live)
        r.xack("s", "g", "15-0", "115-0")
        trim(2, set())
        assert r.xlen("s") == 0
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_acked_trims_as_group_positions_move(r):
    """The bound an ACKED trim leaves (nodes below it hold only entries some
    group has pending) against moves of the groups' last-delivered IDs: a
    group set forward acknowledges what it passes, one set back, or a new
    group behind, makes stepped-over entries undelivered (kept all the
    same), and the trim must still stop where the slowest group stands."""
    r.config_set("stream-node-max-entries", 5)
    try:
        for i in range(1, 41):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        r.xgroup_create("s", "g", 0)
        r.xgroup_create("s", "h", 0)
        r.xreadgroup("g", "a", {"s": ">"})
        r.xack("s", "g", *["%d-0" % i for i in range(1, 41) if i not in (7, 18, 33)])
        r.xreadgroup("h", "x", {"s": ">"}, count=20, noack=True)

        def trim(expect_deleted, live):
            assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == expect_deleted
            assert ids(r) == [b"%d-0" % i for i in live]

        # h has read up to 20-0: the trim stops at 21-0
        trim(18, [7, 18] + list(range(21, 41)))
        trim(0, [7, 18] + list(range(21, 41)))
        # h set forward has delivered (and acknowledged) 21-0..40-0
        r.xgroup_setid("s", "h", "$")
        trim(19, [7, 18, 33])
        # g set back: nothing is delivered to it, new entries neither
        r.xgroup_setid("s", "g", 0)
        trim(0, [7, 18, 33])
        for i in range(41, 46):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        trim(0, [7, 18, 33, 41, 42, 43, 44, 45])
        x(r, "XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", 45)
        trim(0, [7, 18, 33, 41, 42, 43, 44, 45])  # h has not read 41-0..45-0
        r.xreadgroup("h", "x", {"s": ">"}, noack=True)
        trim(5, [7, 18, 33])
        # a new group behind every entry left, then acknowledgements
        r.xgroup_create("s", "late", "10-0")
        trim(0, [7, 18, 33])
        r.xack("s", "g", "7-0", "18-0")
        trim(1, [18, 33])  # 18-0 is past late's last ID
        r.xreadgroup("late", "y", {"s": ">"}, noack=True)
        trim(1, [33])
        x(r, "XGROUP", "SETID", "s", "g", "20-0", "ENTRIESREAD", 3)
        r.xack("s", "g", "33-0")
        trim(0, [33])
        r.xgroup_setid("s", "g", "$")
        trim(1, [])
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_acked_trim_after_xsetid_moves_the_top_back(r):
    """XSETID may move the last ID back once the top entries are deleted
    (MAXDELETEDID lowers the floor first); entries appended after that sit
    below IDs an earlier ACKED trim already walked past. One the group has
    read past and does not hold is acknowledged, and the next trim takes it."""
    for i in (1, 2):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", 0)
    r.xreadgroup("g", "c", {"s": ">"})
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 0
    assert r.xdel("s", "1-0", "2-0") == 2
    x(r, "XSETID", "s", "2-0", "MAXDELETEDID", "0-1")
    x(r, "XSETID", "s", "0-5")
    r.xadd("s", {"f": 3}, id="1-5")
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 1
    assert r.xlen("s") == 0
    # a trim (unlike XDEL) leaves the max deleted ID alone: one step down
    r.xadd("s", {"f": 4}, id="3-0")
    r.xreadgroup("g", "c", {"s": ">"})
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 0
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0) == 1
    x(r, "XSETID", "s", "2-5")
    r.xadd("s", {"f": 5}, id="2-7")
    assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 1
    assert r.xlen("s") == 0


def test_append_below_deleted_entries_left_by_an_acked_trim(r):
    """An ACKED trim keeps the pending 3-0 and deletes 4-0 and 5-0, which stay
    stored in the last node (a trim does not move the max deleted ID); XSETID
    may then move the last ID back to 3-0 and XADD append 3-1 under them.
    streamd asserted and died there (an entry must follow the node's last
    stored one); the deleted entries above the last ID now go first."""
    r.config_set("stream-node-max-entries", 10)
    try:
        for i in range(1, 6):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        r.xgroup_create("s", "g", 0)
        r.xreadgroup("g", "c", {"s": ">"})
        r.xack("s", "g", "1-0", "2-0", "4-0", "5-0")
        assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 4
        x(r, "XSETID", "s", "3-0")
        for seq in range(1, 12):  # past the node's size: a second node
            assert r.xadd("s", {"f": "n%d" % seq}, id="3-%d" % seq) == b"3-%d" % seq
        want = [b"3-0"] + [b"3-%d" % q for q in range(1, 12)]
        assert ids(r) == want
        assert [e[0] for e in r.xrevrange("s")] == want[::-1]
        assert r.xrange("s", "3-5", "3-6") == [(b"3-5", {b"f": b"n5"}), (b"3-6", {b"f": b"n6"})]
        info = r.xinfo_stream("s")
        assert info["length"] == 12 and info["last-generated-id"] == b"3-11"
        assert info["first-entry"][0] == b"3-0" and info["last-entry"][0] == b"3-11"
        # the group read up to 5-0: the new entries are behind it, not new
        # to it, and acknowledged (not pending), so ACKED takes them
        assert r.xreadgroup("g", "c", {"s": ">"}) == []
        assert r.xdel("s", "3-2") == 1
        assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 10
        assert ids(r) == [b"3-0"]
        r.xack("s", "g", "3-0")
        assert x(r, "XTRIM", "s", "MAXLEN", "=", 0, "ACKED") == 1
        assert r.xlen("s") == 0
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_append_after_the_last_id_went_under_a_whole_node(r):
    """The last ID moved back under every entry of the last node (all of them
    deleted, the node kept by an exact trim) and some of the node before it:
    both give way to the new entry."""
    r.config_set("stream-node-max-entries", 3)
    try:
        for i in range(1, 7):
            r.xadd("s", {"f": i}, id="%d-0" % i)
        assert r.xdel("s", "3-0", "6-0") == 2
        # MINID 6-0 removes the first node whole and leaves the second with
        # no live entry (as Redis does, an exact trim keeps the node it ends in)
        assert x(r, "XTRIM", "s", "MINID", "=", "6-0") == 4
        assert r.xlen("s") == 0
        x(r, "XSETID", "s", "6-0", "MAXDELETEDID", "0-1")
        x(r, "XSETID", "s", "0-2")
        assert r.xadd("s", {"f": "new"}, id="0-3") == b"0-3"
        assert r.xrange("s") == [(b"0-3", {b"f": b"new"})]
        assert r.xinfo_stream("s")["radix-tree-keys"] == 1
    finally:
        r.config_set("stream-node-max-entries", 100)


def test_xadd_with_delref(r):
    for i in range(1, 6):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", 0)
    r.xreadgroup("g", "c", {"s": ">"})
    assert x(r, "XADD", "s", "DELREF", "MAXLEN", "=", 2, "6-0", "f", 6) == b"6-0"
    assert ids(r) == b("5-0", "6-0")
    assert pending(r) == b("5-0")
    assert consumer_pending(r) == {b"c": 1}


def test_xadd_with_acked(r):
    for i in range(1, 6):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", 0)
    r.xreadgroup("g", "c", {"s": ">"}, count=3)
    r.xack("s", "g", "2-0")
    assert x(r, "XADD", "s", "MAXLEN", "=", 2, "ACKED", "6-0", "f", 6) == b"6-0"
    assert ids(r) == b("1-0", "3-0", "4-0", "5-0", "6-0")
    assert pending(r) == b("1-0", "3-0")


def test_policy_position_and_case(r):
    for i in range(1, 6):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    assert x(r, "XADD", "s", "keepref", "NOMKSTREAM", "MAXLEN", 5, "6-0", "f", 6) == b"6-0"
    assert x(r, "XADD", "s", "MAXLEN", 5, "Acked", "7-0", "f", 7) == b"7-0"
    assert x(r, "XTRIM", "s", "delref", "MAXLEN", 4) == 1
    assert x(r, "XTRIM", "s", "MINID", "5-0", "ACKED") == 1
    assert x(r, "XTRIM", "s", "MAXLEN", "~", 4, "ACKED", "LIMIT", 10) == 0
    # without a trimming strategy the policy has nothing to act on
    assert x(r, "XADD", "s", "DELREF", "8-0", "f", 8) == b"8-0"
    # after the ID a policy word is a field
    assert x(r, "XADD", "s", "9-0", "ACKED", "v") == b"9-0"
    assert ids(r) == b("5-0", "6-0", "7-0", "8-0", "9-0")
    assert r.xrange("s", "9-0", "9-0") == [(b"9-0", {b"ACKED": b"v"})]


def test_policy_errors(r):
    r.xadd("s", {"f": 1}, id="1-0")
    # a second policy word is not an option any more: XADD takes it for the ID
    assert err(r, "XADD", "s", "KEEPREF", "DELREF", "*", "f", "v") == E_ID
    assert err(r, "XTRIM", "s", "MAXLEN", 1, "ACKED", "DELREF") == E_SYNTAX
    assert err(r, "XTRIM", "s", "ACKED", "ACKED", "MAXLEN", 1) == E_SYNTAX
    assert err(r, "XADD", "s", "KEEPREF", "*").startswith("wrong number of arguments")
    assert err(r, "XTRIM", "s", "ACKED", "DELREF") == E_SYNTAX
    assert err(r, "XTRIM", "s", "ACKED", "NOPE") == E_SYNTAX
    assert err(r, "XTRIM", "s", "MINID", "1-0", "ACKED", "KEEP") == E_SYNTAX
    assert err(r, "XTRIM", "s", "ACKED", "LIMIT", 1) == (
        "syntax error, LIMIT cannot be used without specifying a trimming strategy")
    assert err(r, "XTRIM", "s", "ACKED", "NOMKSTREAM") == E_SYNTAX
    assert err(r, "XTRIM", "s", "DELREF", "MAXLEN") == E_SYNTAX
    r.set("str", "x")
    assert err(r, "XTRIM", "str", "MAXLEN", 1, "DELREF") == E_WRONGTYPE
    assert x(r, "XTRIM", "nokey", "MAXLEN", 1, "ACKED") == 0
    assert ids(r) == b("1-0")


def test_delref_trim_while_consumers_hold_entries(r, raw):
    c = raw()
    for i in range(1, 21):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", 0)
    r.xgroup_create("s", "h", 0)
    r.xreadgroup("g", "alice", {"s": ">"}, count=5)
    r.xreadgroup("g", "bob", {"s": ">"}, count=5)
    r.xreadgroup("h", "carol", {"s": ">"}, count=12)
    assert x(r, "XADD", "s", "MAXLEN", "=", 13, "DELREF", "21-0", "f", 21) == b"21-0"
    # 1-0..8-0 are gone from the stream and from every pending list
    assert ids(r)[0] == b"9-0"
    assert consumer_pending(r, "s", "g") == {b"alice": 0, b"bob": 2}
    assert pending(r, "s", "g") == b("9-0", "10-0")
    assert pending(r, "s", "h") == b("9-0", "10-0", "11-0", "12-0")
    # history reads no longer see the trimmed entries
    hist = c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    assert hist == [[b"s", []]]
    hist = c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0")
    assert [e[0] for e in hist[0][1]] == b("9-0", "10-0")
    # with KEEPREF the pending references stay, as deleted entries
    x(r, "XTRIM", "s", "MINID", "10-0")
    hist = c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0")
    assert hist[0][1][0] == [b"9-0", None]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", 0, "0-0") == [
        b"0-0", [[b"10-0", [b"f", b"10"]]], [b"9-0"]]
    info = {g["name"]: g for g in r.xinfo_groups("s")}
    assert info[b"g"]["pending"] == 1 and info[b"h"]["pending"] == 4


# ---- XDELEX ----------------------------------------------------------------------------


def test_xdelex_docs_example(r):
    for i in (1, 2, 3):
        x(r, "XADD", "mystream", "*", "field%d" % i, "value%d" % i)
    assert x(r, "XDELEX", "mystream", "KEEPREF", "IDS", 2, "1526919030474-55",
             "1526919030474-56") == [-1, -1]
    assert r.xlen("mystream") == 3


def test_xdelex_keepref(r):
    setup_stream(r)
    assert x(r, "XDELEX", "s", "IDS", 3, "1-0", "2-0", "99-0") == [1, 1, -1]
    assert x(r, "XDELEX", "s", "KEEPREF", "IDS", 1, "2-0") == [-1]
    assert ids(r)[:2] == b("3-0", "4-0")
    assert pending(r) == b("2-0", "4-0", "5-0", "6-0")
    info = r.xinfo_stream("s")
    assert info["max-deleted-entry-id"] == b"2-0" and info["length"] == 8


def test_xdelex_missing_key(r):
    assert x(r, "XDELEX", "nope", "IDS", 2, "1-1", "2-2") == [-1, -1]
    assert x(r, "XDELEX", "nope", "ACKED", "IDS", 1, "1-1") == [-1]
    assert r.exists("nope") == 0


def test_xdelex_acked(r):
    # the example of the documentation: pending, then acknowledged
    eid = r.xadd("s4", {"a": 1})
    r.xgroup_create("s4", "grp", 0)
    r.xreadgroup("grp", "cons1", {"s4": ">"}, count=10)
    assert x(r, "XDELEX", "s4", "ACKED", "IDS", 1, eid) == [2]
    assert r.xlen("s4") == 1
    assert r.xack("s4", "grp", eid) == 1
    assert x(r, "XDELEX", "s4", "ACKED", "IDS", 1, eid) == [1]
    assert r.xlen("s4") == 0


def test_xdelex_acked_entries_a_group_has_not_read(r):
    for i in range(1, 4):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", "1-0")
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 3, "1-0", "2-0", "3-0") == [1, 2, 2]
    assert ids(r) == b("2-0", "3-0")
    # an ID that is not in the stream but that a group would still deliver
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 2, "9-0", "0-5") == [2, -1]
    # without groups ACKED deletes like KEEPREF
    r.xgroup_destroy("s", "g")
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 2, "2-0", "9-0") == [1, -1]


def test_xdelex_acked_several_groups(r):
    setup_stream(r)
    r.xgroup_create("s", "h", "3-0")
    # 1-0 acked by g and delivered to h (below its last ID): deletable
    # 3-0 acked by g, delivered to h; 5-0 pending in g; 8-0 not read by g
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 4, "1-0", "3-0", "5-0", "8-0") == [1, 1, 2, 2]
    r.xack("s", "g", "5-0")
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 1, "5-0") == [2]  # h has not read it
    r.xreadgroup("h", "c", {"s": ">"}, count=2, noack=True)
    assert x(r, "XDELEX", "s", "ACKED", "IDS", 1, "5-0") == [1]


def test_xdelex_delref(r):
    setup_stream(r)
    r.xgroup_create("s", "h", 0)
    r.xreadgroup("h", "c2", {"s": ">"}, count=3)
    assert x(r, "XDELEX", "s", "DELREF", "IDS", 3, "2-0", "3-0", "8-0") == [1, 1, 1]
    assert pending(r, "s", "g") == b("4-0", "5-0", "6-0")
    assert pending(r, "s", "h") == b("1-0")
    # a dangling reference left by XDEL is removed too, the reply is -1
    assert r.xdel("s", "4-0") == 1
    assert pending(r, "s", "g") == b("4-0", "5-0", "6-0")
    assert x(r, "XDELEX", "s", "DELREF", "IDS", 1, "4-0") == [-1]
    assert pending(r, "s", "g") == b("5-0", "6-0")
    assert consumer_pending(r, "s", "g") == {b"c": 2}


def test_xdelex_ids_block_first_and_duplicates(r):
    setup_stream(r)
    assert x(r, "XDELEX", "s", "IDS", 2, "1-0", "2-0", "ACKED") == [1, 2]
    assert x(r, "XDELEX", "s", "IDS", 3, "3-0", "3-0", "3", "delref") == [1, -1, -1]
    assert x(r, "XDELEX", "s", "IDS", 1, "4") == [1]  # "<ms>" means <ms>-0


def test_xdelex_errors(r):
    r.xadd("s", {"f": 1}, id="1-0")
    assert err(r, "XDELEX", "s", "IDS", 0, "1-0") == E_NUMIDS
    assert err(r, "XDELEX", "s", "IDS", -1, "1-0") == E_NUMIDS
    assert err(r, "XDELEX", "s", "IDS", "x", "1-0") == E_NUMIDS
    assert err(r, "XDELEX", "s", "IDS", 3, "1-0") == E_MATCH
    assert err(r, "XDELEX", "s", "IDS", 2, "1-0") == E_MATCH
    assert err(r, "XDELEX", "s", "BOGUS", "IDS", 1, "1-0") == E_SYNTAX
    assert err(r, "XDELEX", "s", "IDS", 1, "1-0", "ACKED", "DELREF") == E_SYNTAX
    # A later IDS block replaces an earlier one (Redis 8.2's parser).
    assert x(r, "XDELEX", "s", "IDS", 2, "9-0", "8-0", "IDS", 1, "7-0") == [-1]
    assert err(r, "XDELEX", "s", "KEEPREF", "KEEPREF", "IDS", 1, "1-0") == E_SYNTAX
    assert err(r, "XDELEX", "s", "IDS", 1, "1-0", "extra") == E_SYNTAX
    assert err(r, "XDELEX", "s", "IDS", 1, "nope") == E_ID
    assert err(r, "XDELEX", "s", "IDS", 2, "1-0", "+") == E_ID
    assert err(r, "XDELEX", "s", "IDS", 1, "-") == E_ID
    assert err(r, "XDELEX", "s", "IDS", 1).startswith("wrong number of arguments for 'xdelex'")
    r.set("str", "v")
    assert err(r, "XDELEX", "str", "IDS", 1, "1-0") == E_WRONGTYPE
    # Redis checks the key's type before the arguments, and the IDs only
    # when the key exists.
    assert err(r, "XDELEX", "str", "IDS", 1, "bad") == E_WRONGTYPE
    assert err(r, "XDELEX", "str", "BOGUS", "IDS", 0, "1-0") == E_WRONGTYPE
    assert x(r, "XDELEX", "nokey", "IDS", 2, "bad", "+") == [-1, -1]
    assert err(r, "XDELEX", "nokey", "IDS", 0, "1-0") == E_NUMIDS
    assert r.exists("nokey") == 0
    assert ids(r) == b("1-0")


# ---- XACKDEL ----------------------------------------------------------------------------


def test_xackdel_docs_example(raw):
    c = raw()
    a = c.call("XADD", "mystream", "*", "field1", "value1")
    b2 = c.call("XADD", "mystream", "*", "field2", "value2")
    assert c.call("XGROUP", "CREATE", "mystream", "mygroup", 0) == b"OK"
    c.call("XREADGROUP", "GROUP", "mygroup", "consumer1", "COUNT", 2, "STREAMS", "mystream", ">")
    assert c.call("XPENDING", "mystream", "mygroup") == [2, a, b2, [[b"consumer1", b"2"]]]
    assert c.call("XACKDEL", "mystream", "mygroup", "KEEPREF", "IDS", 2, a, b2) == [1, 1]
    assert c.call("XPENDING", "mystream", "mygroup") == [0, None, None, None]
    assert c.call("XRANGE", "mystream", "-", "+") == []


def test_xackdel_only_pending_ids(r):
    setup_stream(r)
    # 2-0 pending: acknowledged and deleted; 3-0 acknowledged earlier and
    # 8-0 never delivered: -1 and nothing changes; 99-0 does not exist
    assert x(r, "XACKDEL", "s", "g", "IDS", 4, "2-0", "3-0", "8-0", "99-0") == [1, -1, -1, -1]
    assert ids(r)[:3] == b("1-0", "3-0", "4-0")
    assert pending(r) == b("4-0", "5-0", "6-0")


def test_xackdel_entry_already_deleted(raw):
    """An ID pending in the group whose stream entry is already gone (deleted
    with KEEPREF through another group) is acknowledged and answers 1 with
    every policy, as in Redis's stream-cgroups.tcl ("XACKDEL with KEEPREF");
    an ID not pending answers -1."""
    c = raw()
    for policy in ("KEEPREF", "DELREF", "ACKED"):
        c.call("DEL", "s")
        c.call("XADD", "s", "1-0", "f", "v")
        c.call("XADD", "s", "2-0", "f", "v")
        for g in ("g1", "g2"):
            c.call("XGROUP", "CREATE", "s", g, "0")
            c.call("XREADGROUP", "GROUP", g, "c", "STREAMS", "s", ">")
        assert c.call("XACKDEL", "s", "g1", "KEEPREF", "IDS", 2, "1-0", "2-0") == [1, 1]
        assert c.call("XLEN", "s") == 0
        assert c.call("XACKDEL", "s", "g2", policy, "IDS", 3, "1-0", "9-0", "1-0") == [1, -1, -1]
        assert c.call("XPENDING", "s", "g2")[0] == 1
        assert c.call("XACKDEL", "s", "g2", policy, "IDS", 1, "2-0") == [1]
        assert c.call("XPENDING", "s", "g2")[0] == 0


def test_xackdel_missing_key_or_group(r):
    assert x(r, "XACKDEL", "nope", "g", "IDS", 1, "1-1") == [-1]
    r.xadd("s", {"f": 1}, id="1-1")
    assert x(r, "XACKDEL", "s", "missing", "IDS", 2, "1-1", "2-2") == [-1, -1]
    assert r.exists("nope") == 0 and r.xlen("s") == 1


def test_xackdel_acked(r):
    r.xadd("s", {"f": 1}, id="1-0")
    r.xgroup_create("s", "g", 0)
    r.xgroup_create("s", "later", 0)
    r.xreadgroup("g", "c", {"s": ">"})
    # "later" has not read 1-0: acknowledged in g, but not deleted
    assert x(r, "XACKDEL", "s", "g", "ACKED", "IDS", 1, "1-0") == [2]
    assert ids(r) == b("1-0") and pending(r) == []
    r.xreadgroup("later", "c", {"s": ">"})
    assert x(r, "XACKDEL", "s", "later", "ACKED", "IDS", 1, "1-0") == [1]
    assert r.xlen("s") == 0


def test_xackdel_acked_two_readers(r):
    r.xadd("s", {"f": 1}, id="1-1")
    r.xgroup_create("s", "g1", 0)
    r.xgroup_create("s", "g2", 0)
    r.xreadgroup("g1", "c", {"s": ">"})
    r.xreadgroup("g2", "c", {"s": ">"})
    assert x(r, "XACKDEL", "s", "g1", "ACKED", "IDS", 1, "1-1") == [2]
    assert r.xlen("s") == 1
    assert x(r, "XACKDEL", "s", "g2", "ACKED", "IDS", 1, "1-1") == [1]
    assert r.xlen("s") == 0


def test_xackdel_delref(r):
    r.xadd("s", {"f": 1}, id="1-1")
    r.xadd("s", {"f": 2}, id="2-1")
    for g in ("g1", "g2"):
        r.xgroup_create("s", g, 0)
        r.xreadgroup(g, "c", {"s": ">"})
    assert x(r, "XACKDEL", "s", "g1", "DELREF", "IDS", 1, "1-1") == [1]
    assert r.xlen("s") == 1
    assert pending(r, "s", "g2") == b("2-1")
    # a pending entry deleted from the stream is acknowledged, its other
    # references go, and the reply is 1 (Redis counts an acknowledged ID
    # whose entry is already gone as deleted)
    assert r.xdel("s", "2-1") == 1
    assert x(r, "XACKDEL", "s", "g1", "DELREF", "IDS", 1, "2-1") == [1]
    assert pending(r, "s", "g1") == [] and pending(r, "s", "g2") == []


def test_xackdel_keepref_leaves_other_groups(r):
    r.xadd("s", {"f": 1}, id="1-1")
    for g in ("g1", "g2"):
        r.xgroup_create("s", g, 0)
        r.xreadgroup(g, "c", {"s": ">"})
    assert x(r, "XACKDEL", "s", "g1", "IDS", 1, "1-1") == [1]
    assert r.xlen("s") == 0
    assert pending(r, "s", "g1") == [] and pending(r, "s", "g2") == b("1-1")


def test_xackdel_errors(r):
    r.xadd("s", {"f": 1}, id="1-0")
    assert err(r, "XACKDEL", "s", "g", "IDS", 0, "1-1") == E_NUMIDS
    assert err(r, "XACKDEL", "s", "g", "IDS", 3, "1-1") == E_MATCH
    assert err(r, "XACKDEL", "s", "g", "BOGUS", "IDS", 1, "1-1") == E_SYNTAX
    assert err(r, "XACKDEL", "s", "g", "DELREF", "ACKED", "IDS", 1, "1-0") == E_SYNTAX
    assert err(r, "XACKDEL", "s", "g", "IDS", 1).startswith(
        "wrong number of arguments for 'xackdel'")
    # The IDs are checked only when the group exists (Redis 8.2's order).
    assert x(r, "XACKDEL", "s", "g", "IDS", 1, "not-an-id") == [-1]
    assert x(r, "XACKDEL", "nokey", "g", "IDS", 2, "bad", "-") == [-1, -1]
    r.xgroup_create("s", "g", 0)
    assert err(r, "XACKDEL", "s", "g", "IDS", 1, "not-an-id") == E_ID
    assert err(r, "XACKDEL", "s", "g", "IDS", 2, "1-0", "+") == E_ID
    assert x(r, "XACKDEL", "s", "g", "IDS", 2, "9-0", "8-0", "IDS", 1, "7-0") == [-1]
    r.set("str", "v")
    assert err(r, "XACKDEL", "str", "g", "IDS", 1, "1-0") == E_WRONGTYPE
    assert err(r, "XACKDEL", "str", "g", "BOGUS", "IDS", 0, "x") == E_WRONGTYPE
    assert r.xlen("s") == 1 and r.exists("nokey") == 0


def test_commands_in_command_table(raw):
    c = raw()
    info = c.call("COMMAND", "INFO", "XDELEX", "XACKDEL")
    assert info[0][0] == b"xdelex" and info[0][1] == -5
    assert info[1][0] == b"xackdel" and info[1][1] == -6
    assert c.call("COMMAND", "GETKEYS", "XACKDEL", "k", "g", "IDS", 1, "1-0") == [b"k"]


def test_xdelex_in_multi(r):
    setup_stream(r)
    p = r.pipeline(transaction=True)
    p.execute_command("XDELEX", "s", "DELREF", "IDS", 1, "2-0")
    p.execute_command("XACKDEL", "s", "g", "ACKED", "IDS", 1, "4-0")
    assert p.execute() == [[1], [1]]
    assert pending(r) == b("5-0", "6-0")


# ---- propagation: AOF round trips --------------------------------------------------------


def state(c, key):
    """XINFO STREAM FULL without the node layout and consumer times."""
    volatile = {b"radix-tree-keys", b"radix-tree-nodes", b"seen-time", b"active-time"}

    def strip(v):
        if isinstance(v, list) and len(v) % 2 == 0 and v and all(
                isinstance(v[i], bytes) for i in range(0, len(v), 2)) and any(
                v[i] in (b"name", b"length") for i in range(0, len(v), 2)):
            return [(v[i], strip(v[i + 1])) for i in range(0, len(v), 2) if v[i] not in volatile]
        if isinstance(v, list):
            return [strip(e) for e in v]
        return v

    return strip(c.call("XINFO", "STREAM", key, "FULL", "COUNT", "0"))


def aof_scenario(c):
    def add(key, n, start=1):
        for i in range(start, start + n):
            c.call("XADD", key, "%d-0" % i, "f", str(i))

    add("a", 40)
    c.call("XGROUP", "CREATE", "a", "g", "0")
    c.call("XGROUP", "CREATE", "a", "h", "5-0")
    c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "20", "STREAMS", "a", ">")
    c.call("XREADGROUP", "GROUP", "h", "c2", "COUNT", "10", "STREAMS", "a", ">")
    c.call("XACK", "a", "g", *["%d-0" % i for i in range(1, 15)])
    c.call("XACK", "a", "h", *["%d-0" % i for i in range(6, 12)])
    assert c.call("XDELEX", "a", "IDS", "2", "1-0", "16-0") == [1, 1]
    assert c.call("XDELEX", "a", "ACKED", "IDS", "3", "2-0", "8-0", "14-0") == [1, 1, 2]
    assert c.call("XDELEX", "a", "DELREF", "IDS", "2", "15-0", "16-0") == [1, -1]  # dangling
    assert c.call("XACKDEL", "a", "g", "IDS", "1", "17-0") == [1]
    assert c.call("XACKDEL", "a", "g", "ACKED", "IDS", "2", "18-0", "19-0") == [2, 2]
    assert c.call("XACKDEL", "a", "h", "DELREF", "IDS", "1", "13-0") == [1]
    assert c.call("XTRIM", "a", "MAXLEN", "=", "20", "ACKED") > 0
    assert c.call("XADD", "a", "MAXLEN", "=", "25", "DELREF", "*", "new", "1")
    assert c.call("XTRIM", "a", "MINID", "=", "30-0", "KEEPREF") >= 0
    # approximate trims with policies, whose node layout differs on replay
    add("b", 300)
    c.call("XGROUP", "CREATE", "b", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "180", "STREAMS", "b", ">")
    c.call("XACK", "b", "g", *["%d-0" % i for i in range(1, 150) if i % 7])
    assert c.call("XTRIM", "b", "MAXLEN", "~", "50", "LIMIT", "120", "ACKED") > 0
    assert c.call("XTRIM", "b", "MINID", "~", "200-0", "LIMIT", "250", "DELREF") > 0
    assert c.call("XADD", "b", "MAXLEN", "~", "60", "ACKED", "*", "x", "y")
    add("n", 100)  # no groups: the policy is KEEPREF's
    assert c.call("XTRIM", "n", "MINID", "~", "55-0", "ACKED") == 50


def test_new_mutations_survive_aof_restart(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "10"])
    c = srv.raw()
    aof_scenario(c)
    before = {k: state(c, k) for k in ("a", "b", "n")}
    c.close()
    # replay with another node size: the records must carry exact effects
    srv.restart(["--stream-node-max-entries", "7"])
    c = srv.raw()
    assert {k: state(c, k) for k in ("a", "b", "n")} == before
    c.close()


def test_append_below_trimmed_entries_survives_aof_restart(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "10"])
    c = srv.raw()
    for i in range(1, 6):
        c.call("XADD", "s", "%d-0" % i, "f", str(i))
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    c.call("XACK", "s", "g", "1-0", "2-0", "4-0", "5-0")
    assert c.call("XTRIM", "s", "MAXLEN", "=", "0", "ACKED") == 4
    c.call("XSETID", "s", "3-0")
    c.call("XADD", "s", "3-1", "f", "new")
    before = state(c, "s")
    c.close()
    srv.restart()
    c = srv.raw()
    assert state(c, "s") == before
    assert c.call("XADD", "s", "3-2", "f", "again") == b"3-2"
    c.close()


def test_dangling_delref_is_propagated(make_server):
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert c.call("XDEL", "s", "1-0") == 1
    assert c.call("XDELEX", "s", "DELREF", "IDS", "1", "1-0") == [-1]
    assert c.call("XPENDING", "s", "g")[0] == 0
    c.close()
    srv.restart()
    c = srv.raw()
    assert c.call("XPENDING", "s", "g")[0] == 0
    c.close()
