"""The Redis 8.x surface checked against Redis's own source: error texts, which
error wins when several apply, reply shapes, keyspace events and WATCH.

Redis 7.0 (the differential oracle) has none of these commands, so the
expected behaviour was read from Redis's source as stored in the search
corpus (the newest copies found; redis/redis's own stored t_stream.c and
t_hash.c are older):
  - streams: src/t_stream.c of a Redis unstable tree with XNACK and the
    XIDMPRECORD command (Redis 8.8 era, before MAXCOUNT/MAXSIZE);
  - hash field TTLs: src/t_hash.c of a Redis unstable tree newer than 8.2
    (flexible keyword order for HEXPIRE/HGETEX/HSETEX), cross-checked with
    8.2.1's and with redis/redis's 8.0-era copy;
  - keyModified(c, db, key, val, signal) of src/db.c: only signal=1 touches
    WATCHed keys and client-side caches.
Each test states the behaviour in its own words; none copies Redis's tests.
"""

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.x features (the oracle is 7.0)")


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def watch_survives(r, other, key, *cmd):
    """WATCH key, run cmd from another client, then EXEC a transaction:
    True when EXEC ran (the WATCH stood), False when it was aborted."""
    with r.pipeline() as p:
        p.watch(key)
        other.execute_command(*cmd)
        p.multi()
        p.set("watch-probe", "1")
        try:
            p.execute()
        except redis.WatchError:
            return False
    return True


@pytest.fixture
def r(r):
    """The module's client with redis-py's reply parsing off (raw replies)."""
    r.response_callbacks.clear()
    return r


def pending_stream(r, key="s", n=3):
    for i in range(1, n + 1):
        r.execute_command("XADD", key, "%d-0" % i, "f", "v%d" % i)
    r.execute_command("XGROUP", "CREATE", key, "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", key, ">")


# ---- WATCH: what Redis signals (keyModified with signal=1) and what not -------------------


def test_xnack_leaves_watch_standing(r, rr):
    # xnackCommand: keyModified(..., 0) then signalKeyAsReady: blocked
    # readers wake, a WATCH stands.
    pending_stream(r)
    assert watch_survives(r, rr(), "s", "XNACK", "s", "g", "FAIL", "IDS", "1", "1-0")
    assert r.execute_command("XPENDING", "s", "g", "-", "+", "10")[0][1] == b""


def test_xcfgset_leaves_watch_standing(r, rr):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    assert watch_survives(r, rr(), "s", "XCFGSET", "s", "IDMP-DURATION", "321")
    info = r.execute_command("XINFO", "STREAM", "s")
    assert info[info.index(b"idmp-duration") + 1] == 321


def test_xidmprecord_leaves_watch_standing(r, rr):
    # a current ID: an iid is kept for IDMP-DURATION after its entry's time
    first = r.execute_command("XADD", "s", "*", "f", "v")
    assert watch_survives(r, rr(), "s", "XIDMPRECORD", "s", "p", "i", first)
    assert r.execute_command("XADD", "s", "IDMP", "p", "i", "*", "f", "v") == first


def test_xackdel_signals_only_when_it_deletes(r, rr):
    # xackdelCommand: keyModified(..., 1) when an entry went, (..., 0) when
    # it only acknowledged.
    pending_stream(r)
    other = rr()
    assert watch_survives(r, other, "s", "XACKDEL", "s", "g", "ACKED", "IDS", "1", "9-0")
    r.execute_command("XGROUP", "CREATE", "s", "g2", "0")  # 1-0..3-0 unread by g2
    assert r.execute_command("XACKDEL", "s", "g", "ACKED", "IDS", "1", "1-0") == [2]
    assert watch_survives(r, other, "s", "XACKDEL", "s", "g", "ACKED", "IDS", "1", "2-0")
    assert not watch_survives(r, other, "s", "XACKDEL", "s", "g", "IDS", "1", "3-0")


# ---- ACKED trims by MAXLEN: where they stop --------------------------------------------------


def nodes_of_five(x, key="s"):
    """Entries 1-0..10-0 in two nodes of five (stream-node-max-entries 5),
    all delivered to group g: 1-0..5-0 pending, 6-0..10-0 acknowledged."""
    for i in range(1, 11):
        x("XADD", key, "%d-0" % i, "f", "v")
    x("XGROUP", "CREATE", key, "g", "0")
    x("XREADGROUP", "GROUP", "g", "c", "STREAMS", key, ">")
    x("XACK", key, "g", *["%d-0" % i for i in range(6, 11)])


@pytest.fixture
def five(r):
    old = r.execute_command("CONFIG", "GET", "stream-node-max-entries")[1]
    r.execute_command("CONFIG", "SET", "stream-node-max-entries", "5")
    yield r.execute_command
    r.execute_command("CONFIG", "SET", "stream-node-max-entries", old)


def test_acked_maxlen_ends_after_a_node_it_could_not_remove_whole(five):
    # Redis's streamTrim() goes on past a node only if that node could have
    # gone whole by count (length - its entries >= MAXLEN). The first node
    # (5 pending entries) could not (10 - 5 < 7), so the trim ends there,
    # though the acknowledged 6-0..8-0 could go.
    x = five
    nodes_of_five(x)
    assert x("XTRIM", "s", "MAXLEN", "=", "7", "ACKED") == 0
    assert x("XTRIM", "s", "MAXLEN", "~", "7", "ACKED") == 0
    assert x("XLEN", "s") == 10
    # XADD trims after appending: 11 entries, 11 - 5 < 7 still
    x("XADD", "s", "MAXLEN", "=", "7", "ACKED", "11-0", "f", "v")
    assert x("XLEN", "s") == 11
    # a node that could go whole by count (11 - 5 >= 3) is passed even
    # though the policy kept all of it; the next one goes whole
    assert x("XTRIM", "s", "MAXLEN", "=", "3", "ACKED") == 5
    assert [e[0] for e in x("XRANGE", "s", "-", "+")] == \
        [b"1-0", b"2-0", b"3-0", b"4-0", b"5-0", b"11-0"]
    # DELREF keeps nothing, so it always reaches the threshold
    assert x("XTRIM", "s", "MAXLEN", "=", "1", "DELREF") == 5
    assert x("XPENDING", "s", "g")[0] == 0


def test_approximate_acked_trim_replays_from_the_aof(make_server):
    # An approximate trim with a policy is recorded as MINID = <the ID
    # after the last entry it removed>: the MAXLEN = 8 that Redis records
    # would end at the first node on replay (10 - 5 < 8) and remove nothing.
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "5"])
    c = srv.client()
    c.response_callbacks.clear()
    x = c.execute_command
    nodes_of_five(x)
    x("XACK", "s", "g", *["%d-0" % i for i in range(1, 6)])  # g: nothing pending
    x("XGROUP", "CREATE", "s", "h", "0")
    x("XREADGROUP", "GROUP", "h", "c", "STREAMS", "s", ">")  # h: everything pending
    x("XACK", "s", "h", "6-0", "7-0")
    # first node: all pending in h (passed: 10 - 5 >= 3); second: 6-0 and
    # 7-0 acknowledged by both groups go
    assert x("XTRIM", "s", "MAXLEN", "~", "3", "ACKED") == 2
    before = x("XRANGE", "s", "-", "+")
    assert [e[0] for e in before] == [b"1-0", b"2-0", b"3-0", b"4-0", b"5-0", b"8-0", b"9-0",
                                      b"10-0"]
    x("XADD", "s", "MINID", "~", "10-0", "ACKED", "11-0", "f", "v")  # removes nothing
    before = x("XRANGE", "s", "-", "+")
    srv.restart()
    c = srv.client()
    c.response_callbacks.clear()
    assert c.execute_command("XRANGE", "s", "-", "+") == before


def test_exact_acked_trim_replays_with_another_node_size(make_server):
    # An exact trim with a policy is recorded in the MINID form too: its
    # replay does not depend on where the node boundaries fall (a MAXLEN
    # trim's end does, since Redis 8.x: see above).
    srv = make_server(["--appendonly", "yes", "--appendfsync", "always",
                       "--stream-node-max-entries", "5"])
    c = srv.client()
    c.response_callbacks.clear()
    x = c.execute_command
    nodes_of_five(x)
    x("XACK", "s", "g", "1-0", "2-0")  # pending: 3-0..5-0
    # the first node could not go whole (10 - 5 < 6): the trim ends with it;
    # in one node of 100 the same command would go on to 6-0 and 7-0
    assert x("XTRIM", "s", "MAXLEN", "6", "ACKED") == 2
    before = x("XRANGE", "s", "-", "+")
    assert len(before) == 8
    srv.restart(["--stream-node-max-entries", "100"])
    c = srv.client()
    c.response_callbacks.clear()
    assert c.execute_command("XRANGE", "s", "-", "+") == before
    assert c.execute_command("XPENDING", "s", "g")[0] == 3


# ---- hash field TTLs: keyword order (Redis 8.2+) ---------------------------------------------


def test_hexpire_keywords_in_any_order(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HEXPIRE", "h", "100", "FIELDS", "1", "a", "NX") == [1]
    assert r.execute_command("HPEXPIRE", "h", "100", "fields", "2", "a", "b", "nx") == [0, 1]
    # a condition word may come twice, and around the fields
    assert r.execute_command("HEXPIRE", "h", "50", "LT", "FIELDS", "1", "a", "LT") == [1]
    assert r.execute_command("HTTL", "h", "FIELDS", "1", "a") == [50]


def test_hexpire_error_order(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "s", "v")
    # the key's type before anything else
    assert err(r, "HEXPIRE", "s", "x", "BOGUS", "FIELDS", "0").startswith("WRONGTYPE")
    # the time before the other arguments
    assert err(r, "HEXPIRE", "h", "x", "BOGUS", "FIELDS", "1", "a") == \
        "value is not an integer or out of range"
    # arguments as they come: an unknown word before a later bad count
    assert err(r, "HEXPIRE", "h", "10", "BOGUS", "FIELDS", "0", "a") == "unknown argument: BOGUS"
    assert err(r, "HEXPIRE", "h", "10", "FIELDS", "0", "a", "BOGUS") == \
        "Parameter `numFields` should be greater than 0"
    # a second FIELDS block is refused, even a valid one
    assert err(r, "HEXPIRE", "h", "10", "FIELDS", "1", "a", "FIELDS", "1", "a") == \
        "FIELDS keyword specified multiple times"
    # an unknown word wins over conflicting conditions (checked last)
    assert err(r, "HEXPIRE", "h", "10", "NX", "XX", "FIELDS", "1", "a", "ZZ") == \
        "unknown argument: ZZ"
    # a missing FIELDS wins over conflicting conditions too
    assert err(r, "HEXPIRE", "h", "10", "NX", "XX", "GT") == "missing FIELDS argument"
    # nothing changed
    assert r.execute_command("HTTL", "h", "FIELDS", "1", "a") == [-1]


def test_field_ttl_api_limit(r):
    # Redis keeps 2 of the 48 bits of a field's expiry time back: a command
    # may set at most 2^46 - 1 ms.
    top = 2 ** 46 - 1
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HPEXPIREAT", "h", str(top), "FIELDS", "1", "a") == [1]
    assert r.execute_command("HPEXPIRETIME", "h", "FIELDS", "1", "a") == [top]
    for cmd, t in (("HPEXPIREAT", top + 1), ("HEXPIREAT", top // 1000 + 1)):
        assert err(r, cmd, "h", str(t), "FIELDS", "1", "b") == \
            "invalid expire time in '%s' command" % cmd.lower()
    assert err(r, "HSETEX", "h", "PXAT", str(top + 1), "FIELDS", "1", "b", "3") == \
        "invalid expire time in 'hsetex' command"
    assert err(r, "HGETEX", "h", "PXAT", str(top + 1), "FIELDS", "1", "b") == \
        "invalid expire time in 'hgetex' command"
    assert r.execute_command("HPEXPIRETIME", "h", "FIELDS", "1", "b") == [-1]


def test_negative_times(r):
    r.execute_command("HSET", "h", "a", "1")
    for args in (("HEXPIRE", "h", "-1", "FIELDS", "1", "a"),
                 ("HPEXPIREAT", "h", "-5", "FIELDS", "1", "a"),
                 ("HGETEX", "h", "PX", "-1", "FIELDS", "1", "a"),
                 ("HSETEX", "h", "EXAT", "-1", "FIELDS", "1", "a", "2")):
        assert err(r, *args) == "invalid expire time, must be >= 0", args


def test_hsetex_hgetex_keywords_in_any_order(r):
    assert r.execute_command("HSETEX", "h", "FIELDS", "1", "a", "1", "PX", "100000", "FNX") == 1
    ttl = r.execute_command("HPTTL", "h", "FIELDS", "1", "a")[0]
    assert 0 < ttl <= 100000
    assert r.execute_command("HSETEX", "h", "FIELDS", "1", "a", "2", "KEEPTTL", "FXX") == 1
    assert r.execute_command("HPTTL", "h", "FIELDS", "1", "a")[0] > 0
    assert r.execute_command("HGETEX", "h", "FIELDS", "1", "a", "PERSIST") == [b"2"]
    assert r.execute_command("HTTL", "h", "FIELDS", "1", "a") == [-1]
    assert r.execute_command("HGETEX", "h", "fields", "1", "a", "ex", "100") == [b"2"]
    assert r.execute_command("HTTL", "h", "FIELDS", "1", "a") == [100]


def test_hsetex_hgetex_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "s", "v")
    # HSETEX checks its arguments before the key; HGETEX the key first
    assert err(r, "HSETEX", "s", "FIELDS", "0", "a", "1") == "invalid number of fields"
    assert err(r, "HSETEX", "s", "FIELDS", "1", "a", "1").startswith("WRONGTYPE")
    assert err(r, "HGETEX", "s", "FIELDS", "0", "a").startswith("WRONGTYPE")
    for cmd, fv in (("HGETEX", ("a",)), ("HSETEX", ("a", "1"))):
        assert err(r, cmd, "h", "FIELDS", "x", *fv) == "invalid number of fields"
        assert err(r, cmd, "h", "FIELDS", "1", *fv, "FIELDS", "1", *fv) == \
            "FIELDS keyword specified multiple times"
        assert err(r, cmd, "h", "FIELDS", "1", *fv, "EX") == "missing expire time"
        assert err(r, cmd, "h", "FIELDS", "1", *fv, "BOGUS") == "unknown argument: BOGUS"
        assert err(r, cmd, "h", "FIELDS", "1", *fv, "ZZ", "EX") == "unknown argument: ZZ"
        # a conflicting option is refused before its value is looked at
        assert err(r, cmd, "h", "EX", "10", "FIELDS", "1", *fv, "PX", "x").startswith(
            "Only one of EX, PX, EXAT, PXAT or ")
    # each command's own options only
    assert err(r, "HGETEX", "h", "KEEPTTL", "FIELDS", "1", "a") == "unknown argument: KEEPTTL"
    assert err(r, "HGETEX", "h", "FXX", "FIELDS", "1", "a") == "unknown argument: FXX"
    assert err(r, "HSETEX", "h", "PERSIST", "FIELDS", "1", "a", "1") == "unknown argument: PERSIST"
    assert err(r, "HGETEX", "h", "PERSIST", "EX", "10", "FIELDS", "1", "a") == \
        "Only one of EX, PX, EXAT, PXAT or PERSIST arguments can be specified"
    assert err(r, "HSETEX", "h", "KEEPTTL", "KEEPTTL", "FIELDS", "1", "a", "1") == \
        "Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
    assert err(r, "HSETEX", "h", "FXX", "FXX", "FIELDS", "1", "a", "1") == \
        "Only one of FXX or FNX arguments can be specified"
    # FIELDS as the last argument: an arity error, as for a short command
    assert err(r, "HSETEX", "h", "FXX", "EX", "10", "FIELDS") == \
        "wrong number of arguments for 'hsetex' command"
    # nothing was written
    assert r.execute_command("HGETALL", "h") == [b"a", b"1"]
    assert r.execute_command("HTTL", "h", "FIELDS", "1", "a") == [-1]


# ---- listpackex stays listpackex (t_hash.c never converts LISTPACK_EX back) -------------------


def test_listpackex_without_ttls_stays_listpackex(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("OBJECT", "ENCODING", "h") == b"listpack"
    r.execute_command("HEXPIRE", "h", "100", "FIELDS", "2", "a", "b")
    assert r.execute_command("OBJECT", "ENCODING", "h") == b"listpackex"
    assert r.execute_command("HPERSIST", "h", "FIELDS", "1", "a") == [1]
    r.execute_command("HDEL", "h", "b")  # the other TTL goes with its field
    assert r.execute_command("OBJECT", "ENCODING", "h") == b"listpackex"
    r.execute_command("HSET", "h", "c", "3")
    assert r.execute_command("OBJECT", "ENCODING", "h") == b"listpackex"
    # DUMP writes it as type 25 (earliest TTL 0: none), and RESTORE keeps it
    payload = r.execute_command("DUMP", "h")
    assert payload[0] == 25 and payload[1:9] == bytes(8)
    r.execute_command("RESTORE", "h2", "0", payload)
    assert r.execute_command("OBJECT", "ENCODING", "h2") == b"listpackex"
    assert r.execute_command("HGETALL", "h2") == [b"a", b"1", b"c", b"3"]
    assert r.execute_command("HTTL", "h2", "FIELDS", "2", "a", "c") == [-1, -1]
    # a hash that never had a TTL is still a plain listpack (type 16)
    r.execute_command("HSET", "p", "a", "1")
    assert r.execute_command("DUMP", "p")[0] == 16


def test_table_without_ttls_is_a_plain_table(r):
    args = []
    for i in range(600):
        args += ["f%d" % i, "v"]
    r.execute_command("HSET", "t", *args)
    r.execute_command("HEXPIRE", "t", "100", "FIELDS", "1", "f1")
    assert r.execute_command("DUMP", "t")[0] == 24
    r.execute_command("HPERSIST", "t", "FIELDS", "1", "f1")
    assert r.execute_command("OBJECT", "ENCODING", "t") == b"hashtable"
    assert r.execute_command("DUMP", "t")[0] == 4
