"""Blocked XREAD / XREADGROUP readers whose keys are deleted or change type.

What Redis 7.2+ does (its blocking.c and t_stream.c; its test suite pins the
single-key cases in "Blocking XREAD: key deleted / key type changed with SET"
and "Blocking XREADGROUP: key deleted / key type changed with SET / with
transaction"):

  - A key is "ready" for a blocked stream reader when it gets an entry (XADD),
    is created as a stream (XADD, XGROUP CREATE MKSTREAM, RENAME, SWAPDB...)
    or loses a group (XGROUP DESTROY); deleting or overwriting it makes it
    ready only for readers that asked to hear of that (XREADGROUP).
  - An XREAD is run again only for a ready key that holds a stream; it then
    runs in full, so any of its keys that now holds another type answers
    WRONGTYPE (the first one in the command's order), even when another key
    has new entries. A deleted key is simply empty.
  - An XREADGROUP is run again for any ready key whatever it holds: a key of
    another type answers WRONGTYPE, a missing key or group NOGROUP, again the
    first failing key in the command's order deciding.

Redis 7.0 served the ready key alone (so it answered the multi-key cases with
the other stream's entries, and XREADGROUP with "-UNBLOCKED the stream key no
longer exists"): those tests are marked redis72 and skipped against it.
tests/compat/test_stream_diff.py compares the cases where 7.0 agrees.

Every test waits until the server counts its readers as blocked before
acting, and checks that a reader still waits through INFO's blocked_clients
after a round trip on another connection (the server serves blocked clients
before it reads the next command).
"""

import re

import pytest

from testlib import TARGET, RespError, blocked_clients, wait_blocked

WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")

# Redis 7.2+ behaviour that Debian's 7.0 (STREAMD_TARGET=redis) does not have.
redis72 = pytest.mark.skipif(TARGET == "redis", reason="Redis 7.2+ behaviour")


def nogroup(key, group="g"):
    return RespError("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP "
                     "option" % (key, group))


def block(reader, ctl, n, *cmd):
    reader.send_cmd(*cmd)
    wait_blocked(ctl, n)


def transaction(w, *cmds):
    assert w.call("MULTI") == b"OK"
    for cmd in cmds:
        w.call(*cmd.split())
    return w.call("EXEC")


def two_streams(w, *keys):
    for k in keys:
        w.call("XADD", k, "5-1", "old", "1")


def two_groups(w, *keys):
    for k in keys:
        w.call("XADD", k, "5-1", "old", "1")
        w.call("XGROUP", "CREATE", k, "g", "$")


# ---- XREAD, one key --------------------------------------------------------


@pytest.mark.parametrize("retype", [
    ["SET k1 foo"],
    ["MULTI", "DEL k1", "SET k1 foo", "EXEC"],
    ["DEL k1", "SET k1 foo"],
])
def test_xread_one_key_retyped_waits_until_a_stream_again(raw, retype):
    c, w = raw(), raw()
    two_streams(w, "k1")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "$")
    for cmd in retype:
        w.call(*cmd.split())
    assert blocked_clients(w) == 1
    w.call("DEL", "k1")
    assert blocked_clients(w) == 1
    w.call("XADD", "k1", "6-1", "new", "1")
    assert c.read() == [[b"k1", [[b"6-1", [b"new", b"1"]]]]]


# ---- XREAD, several keys ---------------------------------------------------


@redis72
def test_xread_retyped_key_and_entry_on_other_key(raw):
    """k1 turned into a string, then k2 gets an entry: the command runs again
    and meets the string."""
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("SET", "k1", "foo")
    assert blocked_clients(w) == 1  # the string alone does not wake it
    w.call("XADD", "k2", "6-1", "new", "1")
    assert c.read() == WRONGTYPE
    assert blocked_clients(w) == 0
    assert c.call("PING") == b"PONG"


@redis72
@pytest.mark.parametrize("cmds", [
    ["SET k1 foo", "XADD k2 6-1 new 1"],
    ["XADD k2 6-1 new 1", "SET k1 foo"],
    ["DEL k1", "SET k1 foo", "XADD k2 6-1 new 1"],
])
def test_xread_retype_and_entry_in_one_transaction(raw, cmds):
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    transaction(w, *cmds)
    assert c.read() == WRONGTYPE


@redis72
def test_xread_retyped_second_key_entry_on_first(raw):
    """The key that holds another type need not come first, nor be the ready
    one."""
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("SET", "k2", "foo")
    w.call("XADD", "k1", "6-1", "new", "1")
    assert c.read() == WRONGTYPE


@redis72
def test_xread_retyped_key_and_key_created_as_stream(raw):
    """A missing key that becomes a stream wakes the reader too (RENAME of a
    stream onto it, or XGROUP CREATE MKSTREAM of an empty one)."""
    c, w = raw(), raw()
    two_streams(w, "k1")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "0-0")
    w.call("SET", "k1", "foo")
    w.call("XADD", "src", "1-1", "a", "1")
    w.call("RENAME", "src", "k2")
    assert c.read() == WRONGTYPE
    w.call("DEL", "k1", "k2")
    two_streams(w, "k1")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k2", "k1", "0-0", "$")
    w.call("SET", "k1", "foo")
    w.call("XGROUP", "CREATE", "k2", "g", "$", "MKSTREAM")
    assert c.read() == WRONGTYPE


def test_xread_deleted_key_is_empty_not_an_error(raw):
    """A deleted key keeps the reader waiting, and is just empty when another
    key gets an entry."""
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("DEL", "k1")
    assert blocked_clients(w) == 1
    w.call("XADD", "k2", "6-1", "new", "1")
    assert c.read() == [[b"k2", [[b"6-1", [b"new", b"1"]]]]]
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    transaction(w, "DEL k2", "XADD k1 1-1 a 1")
    assert c.read() == [[b"k1", [[b"1-1", [b"a", b"1"]]]]]


def test_xread_retyped_key_and_other_changes_on_other_key(raw):
    """Changes that add no entry to the other stream (XDEL, XTRIM, XSETID,
    XGROUP) do not run the reader again, so it does not meet the string."""
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    w.call("XADD", "k2", "5-2", "old", "2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("SET", "k1", "foo")
    w.call("XDEL", "k2", "5-1")
    w.call("XTRIM", "k2", "MAXLEN", "0")
    w.call("XSETID", "k2", "9-9")
    w.call("XGROUP", "CREATE", "k2", "g", "$")
    w.call("XGROUP", "SETID", "k2", "g", "0")
    w.call("EXPIRE", "k2", "1000")
    assert blocked_clients(w) == 1
    w.call("DEL", "k1")
    w.call("XADD", "k2", "10-1", "new", "1")
    assert c.read() == [[b"k2", [[b"10-1", [b"new", b"1"]]]]]


def test_xread_retyped_key_made_a_stream_again(raw):
    """The string is gone by the time a key gets an entry: served."""
    c, w = raw(), raw()
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("SET", "k1", "foo")
    transaction(w, "DEL k1", "XADD k2 6-1 new 1")
    assert c.read() == [[b"k2", [[b"6-1", [b"new", b"1"]]]]]


@redis72
def test_xread_two_readers_one_meets_the_string(raw):
    """Readers are run again in the order they blocked; the one that waits on
    the retyped key gets WRONGTYPE, the other its entries."""
    a, b, w = raw(), raw(), raw()
    two_streams(w, "k1", "k2")
    block(a, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    block(b, w, 2, "XREAD", "BLOCK", "0", "STREAMS", "k2", "$")
    transaction(w, "SET k1 foo", "XADD k2 6-1 new 1")
    assert a.read() == WRONGTYPE
    assert b.read() == [[b"k2", [[b"6-1", [b"new", b"1"]]]]]
    assert blocked_clients(w) == 0


@redis72
def test_xread_plus_and_count_with_retyped_key(raw):
    """'+' and COUNT do not change the rule; the failed read counts as a
    failed call of XREAD."""
    c, w = raw(), raw()
    w.call("CONFIG", "RESETSTAT")
    block(c, w, 1, "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "k1", "k2", "+", "+")
    w.call("SET", "k2", "foo")
    assert blocked_clients(w) == 1
    w.call("XADD", "k1", "1-1", "a", "1")
    assert c.read() == WRONGTYPE
    stats = bytes(w.call("INFO", "commandstats")).decode()
    assert re.search(r"cmdstat_xread:calls=1,.*failed_calls=1", stats), stats


@redis72
def test_xread_retyped_key_resp3(raw):
    c, w = raw(), raw()
    c.call("HELLO", "3")
    two_streams(w, "k1", "k2")
    block(c, w, 1, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    transaction(w, "SET k1 foo", "XADD k2 6-1 new 1")
    assert c.read_with_raw()[1] == (b"-WRONGTYPE Operation against a key holding the wrong kind "
                                    b"of value\r\n")


# ---- XREADGROUP --------------------------------------------------------------


@redis72
@pytest.mark.parametrize("cmds,err", [
    (["SET k1 foo"], WRONGTYPE),
    (["SET k2 foo"], WRONGTYPE),
    (["MULTI", "DEL k1", "SET k1 foo", "EXEC"], WRONGTYPE),
    (["MULTI", "SET k1 foo", "XADD k2 6-1 new 1", "EXEC"], WRONGTYPE),
    (["MULTI", "XADD k2 6-1 new 1", "SET k1 foo", "EXEC"], WRONGTYPE),
    (["DEL k2"], nogroup("k2")),
    (["MULTI", "DEL k2", "XADD k2 6-1 new 1", "EXEC"], nogroup("k2")),
    # the first failing key in the command's order decides
    (["MULTI", "SET k2 foo", "DEL k1", "EXEC"], nogroup("k1")),
    (["MULTI", "DEL k2", "SET k1 foo", "EXEC"], WRONGTYPE),
])
def test_xreadgroup_key_retyped_or_deleted(raw, cmds, err):
    c, w = raw(), raw()
    two_groups(w, "k1", "k2")
    block(c, w, 1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k1", "k2", ">", ">")
    for cmd in cmds:
        w.call(*cmd.split())
    assert c.read() == err
    assert blocked_clients(w) == 0


def test_xreadgroup_key_recreated_with_its_group_waits_on(raw):
    """Run again after the key was replaced by a stream that has the group
    too: nothing new for the group, so it waits on, and is served later."""
    c, w = raw(), raw()
    two_groups(w, "k1", "k2")
    block(c, w, 1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k1", "k2", ">", ">")
    transaction(w, "DEL k1", "XGROUP CREATE k1 g $ MKSTREAM")
    assert blocked_clients(w) == 1
    w.call("XADD", "k2", "6-1", "new", "1")
    assert c.read() == [[b"k2", [[b"6-1", [b"new", b"1"]]]]]


@redis72
def test_xread_and_xreadgroup_on_the_same_retyped_key(raw):
    """SET on a key both wait on: XREADGROUP hears of it at once, XREAD waits
    until an entry comes to its other key."""
    g, x, w = raw(), raw(), raw()
    two_groups(w, "k1")
    two_streams(w, "k2")
    block(g, w, 1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k1", ">")
    block(x, w, 2, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    w.call("SET", "k1", "foo")
    assert g.read() == WRONGTYPE
    assert blocked_clients(w) == 1
    w.call("XADD", "k2", "6-1", "new", "1")
    assert x.read() == WRONGTYPE
