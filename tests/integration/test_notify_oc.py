"""The o and c classes of notify-keyspace-events (Redis 8.2): a command that
replaces a key's whole value announces "overwritten", then "type_changed"
when the new value's type differs from the old one's. Neither is part of A.

Redis 7.0 has neither, so the expectations come from the Redis docs
(develop/pubsub/keyspace-notifications: the letters, the event names, A
leaving them out) and, where the docs are silent, from Redis 8.2's source,
read for behaviour: the events come from setKey (the SET family, the *STORE
commands, SORT STORE, BITOP) before the command's own event; RENAME, COPY and
RESTORE REPLACE announce them after theirs; a value replaced by the same one
still counts; INCR and INCRBYFLOAT replace the value without announcing it,
as every change in place (APPEND, RPUSH, SADD, ...) does; CONFIG GET shows o
and c after n, and hides them under A like n.

Every test collects the messages up to a sentinel PUBLISH on __end, so an
expected absence is checked without waiting for silence.
"""

import pytest

from testlib import streamd_only
from testlib.notifylib import END, drain, flags, sub  # noqa: F401

pytestmark = streamd_only


def events(r, p, *cmd, db=0):
    """The keyevent messages cmd caused, as (event, key) pairs (those of the
    set-up before it are dropped)."""
    drain(r, p)
    r.execute_command(*cmd)
    pre = b"__keyevent@%d__:" % db
    out = []
    for ch, data in drain(r, p):
        assert ch.startswith(pre), (ch, data)
        out.append((ch[len(pre):].decode(), data.decode()))
    return out


def ow(key, changed=False):
    return [("overwritten", key)] + ([("type_changed", key)] if changed else [])


def test_set_family(r, sub, flags):
    flags("EAoc")
    assert events(r, sub, "SET", "k", "1") == [("set", "k")]
    # the same value again still replaces it
    assert events(r, sub, "SET", "k", "1") == ow("k") + [("set", "k")]
    r.rpush("l", "a")
    assert events(r, sub, "SET", "l", "v") == ow("l", True) + [("set", "l")]
    assert events(r, sub, "SET", "k", "2", "XX", "KEEPTTL") == ow("k") + [("set", "k")]
    assert events(r, sub, "SET", "k", "3", "NX") == []
    assert events(r, sub, "SET", "k", "3", "GET") == ow("k") + [("set", "k")]
    assert events(r, sub, "SETEX", "k", "100", "v") == ow("k") + [("set", "k"), ("expire", "k")]
    assert events(r, sub, "PSETEX", "k", "100000", "v") == ow("k") + [("set", "k"),
                                                                       ("expire", "k")]
    assert events(r, sub, "GETSET", "k", "w") == ow("k") + [("set", "k")]
    r.sadd("s", "m")
    assert events(r, sub, "MSET", "s", "1", "k", "2", "new", "3") == (
        ow("s", True) + [("set", "s")] + ow("k") + [("set", "k"), ("set", "new")])
    assert events(r, sub, "MSETNX", "k", "1", "other", "2") == []
    assert events(r, sub, "MSETNX", "a1", "1", "a2", "2") == [("set", "a1"), ("set", "a2")]
    assert events(r, sub, "SETNX", "k", "1") == []


def test_new_comes_only_for_a_missing_key(r, sub, flags):
    flags("Enoc$")
    assert events(r, sub, "SET", "k", "1") == [("new", "k"), ("set", "k")]
    assert events(r, sub, "SET", "k", "2") == ow("k") + [("set", "k")]


def test_in_place_writes_announce_neither(r, sub, flags):
    flags("EAoc")
    r.set("k", "1")
    r.set("f", "1.5")
    r.rpush("l", "a")
    r.sadd("s", "a")
    r.hset("h", "f", "v")
    r.zadd("z", {"a": 1})
    r.xadd("x", {"f": "v"}, id="1-0")
    # INCREX (Redis 8.8) is taken to store its result as INCR does
    for cmd in (("APPEND", "k", "2"), ("INCR", "k"), ("INCRBY", "k", "5"), ("DECR", "k"),
                ("INCREX", "k"), ("INCRBYFLOAT", "f", "1"), ("SETRANGE", "k", "0", "9"),
                ("RPUSH", "l", "b"), ("LSET", "l", "0", "c"), ("SADD", "s", "b"),
                ("HSET", "h", "f", "w"), ("ZADD", "z", "2", "a"), ("XADD", "x", "2-0", "f", "v"),
                ("EXPIRE", "k", "100"), ("PERSIST", "k")):
        got = events(r, sub, *cmd)
        assert got and all(e not in ("overwritten", "type_changed") for e, _ in got), (cmd, got)


def test_store_commands(r, sub, flags):
    flags("EAoc")
    r.sadd("s1", "a", "b")
    r.sadd("s2", "b", "c")
    r.zadd("z1", {"a": 1, "b": 2})
    r.set("d", "x")
    assert events(r, sub, "SUNIONSTORE", "d", "s1", "s2") == ow("d", True) + [("sunionstore", "d")]
    assert events(r, sub, "SINTERSTORE", "d", "s1", "s2") == ow("d") + [("sinterstore", "d")]
    assert events(r, sub, "SDIFFSTORE", "d", "s1", "s2") == ow("d") + [("sdiffstore", "d")]
    # an empty result deletes the destination: not an overwrite
    assert events(r, sub, "SDIFFSTORE", "d", "s1", "s1") == [("del", "d")]
    r.set("d", "x")
    assert events(r, sub, "ZUNIONSTORE", "d", "1", "z1") == ow("d", True) + [("zunionstore", "d")]
    assert events(r, sub, "ZINTERSTORE", "d", "1", "z1") == ow("d") + [("zinterstore", "d")]
    assert events(r, sub, "ZDIFFSTORE", "d", "1", "z1") == ow("d") + [("zdiffstore", "d")]
    assert events(r, sub, "ZRANGESTORE", "d", "z1", "0", "-1") == ow("d") + [("zrangestore", "d")]
    r.rpush("src", "3", "1", "2")
    assert events(r, sub, "SORT", "src", "STORE", "d") == ow("d", True) + [("sortstore", "d")]
    assert events(r, sub, "SORT", "src", "STORE", "d") == ow("d") + [("sortstore", "d")]
    r.set("b1", "ab")
    assert events(r, sub, "BITOP", "AND", "d", "b1") == ow("d", True) + [("set", "d")]
    assert events(r, sub, "BITOP", "OR", "d", "b1") == ow("d") + [("set", "d")]
    assert events(r, sub, "SUNIONSTORE", "fresh", "s1") == [("sunionstore", "fresh")]


def test_rename_copy_restore_announce_after_their_own(r, sub, flags):
    flags("EAnoc")
    r.set("a", "1")
    r.rpush("b", "x")
    assert events(r, sub, "RENAME", "a", "b") == (
        [("new", "b"), ("rename_from", "a"), ("rename_to", "b")] + ow("b", True))
    r.set("a", "2")
    assert events(r, sub, "RENAMENX", "a", "b") == []
    assert events(r, sub, "RENAME", "a", "c") == [
        ("new", "c"), ("rename_from", "a"), ("rename_to", "c")]
    r.set("a", "3")
    assert events(r, sub, "RENAME", "a", "c") == (
        [("new", "c"), ("rename_from", "a"), ("rename_to", "c")] + ow("c"))

    r.sadd("s", "m")
    assert events(r, sub, "COPY", "s", "c") == []
    assert events(r, sub, "COPY", "s", "c", "REPLACE") == (
        [("new", "c"), ("copy_to", "c")] + ow("c", True))
    assert events(r, sub, "COPY", "s", "c", "REPLACE") == [("new", "c"), ("copy_to", "c")] + ow("c")
    assert events(r, sub, "COPY", "s", "fresh") == [("new", "fresh"), ("copy_to", "fresh")]

    dump = r.dump("s")
    r.set("t", "1")
    assert events(r, sub, "RESTORE", "t", "0", dump, "REPLACE") == (
        [("new", "t"), ("restore", "t")] + ow("t", True))
    assert events(r, sub, "RESTORE", "t", "0", dump, "REPLACE") == (
        [("new", "t"), ("restore", "t")] + ow("t"))
    assert events(r, sub, "RESTORE", "u", "0", dump, "REPLACE") == [("new", "u"), ("restore", "u")]


def test_copy_to_another_db(r, rr, sub, flags):
    flags("Eoc")
    r.set("k", "v")
    rr(db=1).rpush("k", "x")
    assert events(r, sub, "COPY", "k", "k", "DB", "1", "REPLACE", db=1) == ow("k", True)


def test_each_letter_alone(r, sub, flags):
    r.rpush("l", "a")
    r.set("k", "1")
    flags("Eo")
    assert events(r, sub, "SET", "l", "v") == ow("l")
    flags("Ec")
    assert events(r, sub, "SET", "l", "v") == []
    r.rpush("l2", "a")
    assert events(r, sub, "SET", "l2", "v") == [("type_changed", "l2")]
    flags("EA")
    r.rpush("l3", "a")
    assert events(r, sub, "SET", "l3", "v") == [("set", "l3")]
    flags("")
    assert events(r, sub, "SET", "l3", "v") == []


def test_keyspace_channel(r, sub, flags):
    flags("Koc$")
    r.hset("h", "f", "v")
    drain(r, sub)
    r.execute_command("SET", "h", "x")
    assert drain(r, sub) == [(b"__keyspace@0__:h", b"overwritten"),
                             (b"__keyspace@0__:h", b"type_changed"),
                             (b"__keyspace@0__:h", b"set")]
    flags("KEo")
    r.execute_command("SET", "h", "y")
    assert drain(r, sub) == [(b"__keyspace@0__:h", b"overwritten"),
                             (b"__keyevent@0__:overwritten", b"h")]


@pytest.mark.parametrize("given,shown", [
    ("o", "o"), ("c", "c"), ("co", "oc"), ("Kco", "ocK"), ("EcKon", "nocKE"),
    ("g$lshzxetadnocKE", "AKE"), ("g$lshzxetdnocKE", "g$lshzxetdnocKE"), ("KEAoc", "AKE"), ("Aoc", "A"), ("ocA", "A"),
    ("xocmS", "xocmS"), ("dnocKEm", "dnocKEm"), ("oooc", "oc"),
])
def test_config_letters(r, flags, given, shown):
    flags(given)
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == shown


def test_a_hides_o_and_c_but_keeps_them(r, sub, flags):
    flags("AocE")
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AE"
    r.set("k", "1")
    r.rpush("l", "a")
    assert events(r, sub, "SET", "l", "v") == ow("l", True) + [("set", "l")]
