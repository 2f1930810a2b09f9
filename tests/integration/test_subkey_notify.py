"""Subkey notifications (Redis 8.8): the hash commands name the fields they
changed on four channel families, each enabled by its own letter of
notify-keyspace-events:

    S  __subkeyspace@<db>__:<key>               <event>|<len>:<field>[,...]
    T  __subkeyevent@<db>__:<event>             <keylen>:<key>|<len>:<field>[,...]
    I  __subkeyspaceitem@<db>__:<key>\\n<field>  <event>   (one message a field)
    V  __subkeyspaceevent@<db>__:<event>|<key>  <len>:<field>[,...]

Redis 7.0 has none of this, so the expectations come from the Redis docs
(develop/pubsub/subkeyspace-notifications): the channel and payload formats,
the letters, the events each command announces with which fields, one
batched hexpired for expired fields, the safeguards (no S/V for an event
holding '|', no I for a key holding '\\n', nothing without a field). Where the
docs are silent the behaviour is Redis 8.8's source (read for behaviour):
the class letter (h) must be selected too, the order is K, E, S, T, I, V, a
repeated field is named as often as it is given, and CONFIG GET shows the
new letters after K E m, outside A.

Every test collects the messages up to a sentinel PUBLISH on __end, so an
expected absence is checked without waiting for silence.
"""

import time

import pytest

from testlib import Push, streamd_only
from testlib.notifylib import END, drain, flags, sub  # noqa: F401
from testlib.resp import encode_command

pytestmark = streamd_only


def run(r, p, *cmd):
    r.execute_command(*cmd)
    return drain(r, p)


def lp(fields):
    return b",".join(b"%d:%s" % (len(f), f) for f in fields)


def want(event, key, fields, db=0, letters="STIV"):
    """The messages the docs specify for event on key naming fields."""
    out = []
    if "K" in letters:
        out.append((b"__keyspace@%d__:%s" % (db, key), event))
    if "E" in letters:
        out.append((b"__keyevent@%d__:%s" % (db, event), key))
    if not fields:
        return out
    if "S" in letters and b"|" not in event:
        out.append((b"__subkeyspace@%d__:%s" % (db, key), event + b"|" + lp(fields)))
    if "T" in letters:
        out.append((b"__subkeyevent@%d__:%s" % (db, event), b"%d:%s|%s" % (len(key), key, lp(fields))))
    if "I" in letters and b"\n" not in key:
        for f in fields:
            out.append((b"__subkeyspaceitem@%d__:%s\n%s" % (db, key, f), event))
    if "V" in letters and b"|" not in event:
        out.append((b"__subkeyspaceevent@%d__:%s|%s" % (db, event, key), lp(fields)))
    return out


def deleted(key, db=0, letters="KE"):
    """The key-level del of a hash emptied by a command."""
    return want(b"del", key, [], db, letters)


# ---- the setting ------------------------------------------------------------


@pytest.mark.parametrize("given,shown", [
    ("STIV", "STIV"),
    ("VITS", "STIV"),
    ("hS", "hS"),
    ("Sx$", "$xS"),
    ("KEA", "AKE"),
    ("AKESTIV", "AKESTIV"),
    ("STIVKEAmn", "AKEmSTIV"),
    ("VnmT", "nmTV"),
    ("IIh", "hI"),
    ("", ""),
])
def test_config_letters_and_canonical_form(r, flags, given, shown):
    flags(given)
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": shown}


def test_config_refuses_other_letters_keeping_the_value(r, flags):
    flags("hST")
    for bad in ("STIVq", "s t", "v", "i"):
        with pytest.raises(Exception) as e:
            r.config_set("notify-keyspace-events", bad)
        assert "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." in str(e.value)
        assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "hST"}


def test_nothing_without_the_letters(r, sub, flags):
    # the class alone, the subkey letters without the class, A without them
    for v in ("", "h", "STIV", "gSTIV", "xSTIV", "A", "AKE", "Kh"):
        flags(v)
        got = run(r, sub, "HSET", "h", "f", "1")
        keylevel = "".join(x for x in "KE" if x in v)
        assert got == want(b"hset", b"h", [b"f"], letters=keylevel)
        assert len(got) == len(keylevel)


def test_each_letter_alone(r, sub, flags):
    for letter in "STIV":
        flags("h" + letter)
        got = run(r, sub, "HSET", "h", "f1", "1", "f2", "2")
        assert got == want(b"hset", b"h", [b"f1", b"f2"], letters=letter)
        assert len(got) == (2 if letter == "I" else 1)


def test_a_selects_the_hash_class(r, sub, flags):
    """A is a class alias (g$lshzxetd): with it the subkey letters work."""
    flags("ASTIV")
    assert run(r, sub, "HSET", "h", "f", "1") == want(b"hset", b"h", [b"f"])


def test_docs_example_exact_bytes(r, sub, flags):
    """The docs' HSET myhash field1 val1 field2 val2 with ST; the docs print
    7:field1 and 5:myhash, but a length is the field's byte count (6)."""
    flags("STh")
    assert run(r, sub, "HSET", "myhash", "field1", "val1", "field2", "val2") == [
        (b"__subkeyspace@0__:myhash", b"hset|6:field1,6:field2"),
        (b"__subkeyevent@0__:hset", b"6:myhash|6:field1,6:field2"),
    ]


def test_order_with_keyspace_events(r, sub, flags):
    """K and E first, then S, T, I (field by field), V; a hash emptied by
    HDEL then gets its del on the key-level channels only."""
    flags("KEghSTIV")
    r.hset("h", "a", "1")
    drain(r, sub)
    assert run(r, sub, "HDEL", "h", "a") == [
        (b"__keyspace@0__:h", b"hdel"),
        (b"__keyevent@0__:hdel", b"h"),
        (b"__subkeyspace@0__:h", b"hdel|1:a"),
        (b"__subkeyevent@0__:hdel", b"1:h|1:a"),
        (b"__subkeyspaceitem@0__:h\na", b"hdel"),
        (b"__subkeyspaceevent@0__:hdel|h", b"1:a"),
        (b"__keyspace@0__:h", b"del"),
        (b"__keyevent@0__:del", b"h"),
    ]


def test_keyspace_events_unchanged_by_subkey_letters(r, sub, flags):
    flags("KEA")
    plain = [run(r, sub, *cmd) for cmd in (
        ("HSET", "h", "a", "1", "b", "2"), ("HDEL", "h", "a"), ("HINCRBY", "h", "n", "1"),
        ("HEXPIRE", "h", "100", "FIELDS", "1", "b"), ("HPERSIST", "h", "FIELDS", "1", "b"),
        ("DEL", "h"))]
    flags("KEASTIV")
    mixed = [run(r, sub, *cmd) for cmd in (
        ("HSET", "h", "a", "1", "b", "2"), ("HDEL", "h", "a"), ("HINCRBY", "h", "n", "1"),
        ("HEXPIRE", "h", "100", "FIELDS", "1", "b"), ("HPERSIST", "h", "FIELDS", "1", "b"),
        ("DEL", "h"))]
    keylevel = [[m for m in got if m[0].startswith((b"__keyspace", b"__keyevent"))]
                for got in mixed]
    assert keylevel == plain


# ---- the commands -----------------------------------------------------------


def test_hset_hmset_hsetnx(r, sub, flags):
    flags("hSTIV")
    assert run(r, sub, "HSET", "h", "a", "1", "b", "2") == want(b"hset", b"h", [b"a", b"b"])
    # a field given twice is named twice; an overwrite is a set too
    assert run(r, sub, "HSET", "h", "a", "3", "a", "4") == want(b"hset", b"h", [b"a", b"a"])
    assert run(r, sub, "HMSET", "h", "c", "1") == want(b"hset", b"h", [b"c"])
    assert run(r, sub, "HSETNX", "h", "a", "x") == []
    assert run(r, sub, "HSETNX", "h", "d", "x") == want(b"hset", b"h", [b"d"])
    assert run(r, sub, "HSETNX", "new", "d", "x") == want(b"hset", b"new", [b"d"])


def test_hdel(r, sub, flags):
    flags("KEghSTIV")
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    drain(r, sub)
    assert run(r, sub, "HDEL", "h", "nope") == []
    assert run(r, sub, "HDEL", "missing", "a") == []
    # only the fields removed, in argument order, once each
    assert run(r, sub, "HDEL", "h", "b", "nope", "a", "b") == want(
        b"hdel", b"h", [b"b", b"a"], letters="KESTIV")
    assert run(r, sub, "HDEL", "h", "c", "zz") == want(
        b"hdel", b"h", [b"c"], letters="KESTIV") + deleted(b"h")


def test_hgetdel(r, sub, flags):
    flags("KEghSTIV")
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    drain(r, sub)
    assert run(r, sub, "HGETDEL", "h", "FIELDS", "2", "x", "y") == []
    assert run(r, sub, "HGETDEL", "h", "FIELDS", "4", "a", "x", "a", "b") == want(
        b"hdel", b"h", [b"a", b"b"], letters="KESTIV")
    assert run(r, sub, "HGETDEL", "h", "FIELDS", "1", "c") == want(
        b"hdel", b"h", [b"c"], letters="KESTIV") + deleted(b"h")


def test_hincrby_hincrbyfloat(r, sub, flags):
    flags("hSTIV")
    assert run(r, sub, "HINCRBY", "h", "n", "5") == want(b"hincrby", b"h", [b"n"])
    assert run(r, sub, "HINCRBYFLOAT", "h", "x", "1.5") == want(b"hincrbyfloat", b"h", [b"x"])
    # a refused increment changes nothing and says nothing
    r.hset("h", "s", "text")
    drain(r, sub)
    with pytest.raises(Exception):
        r.hincrby("h", "s", 1)
    with pytest.raises(Exception):
        r.hincrbyfloat("h", "s", 1)
    assert drain(r, sub) == []


def test_hexpire_family(r, sub, flags):
    flags("KEghSTIV")
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    drain(r, sub)
    assert run(r, sub, "HEXPIRE", "h", "100", "FIELDS", "3", "a", "x", "b") == want(
        b"hexpire", b"h", [b"a", b"b"], letters="KESTIV")
    # NX: only c, which has no TTL yet; a condition met by none says nothing
    assert run(r, sub, "HPEXPIRE", "h", "200000", "NX", "FIELDS", "2", "a", "c") == want(
        b"hexpire", b"h", [b"c"], letters="KESTIV")
    assert run(r, sub, "HEXPIRE", "h", "50", "GT", "FIELDS", "1", "a") == []
    far = int(time.time()) + 3600
    assert run(r, sub, "HEXPIREAT", "h", str(far), "FIELDS", "2", "a", "a") == want(
        b"hexpire", b"h", [b"a", b"a"], letters="KESTIV")
    # a time already past deletes: hdel
    assert run(r, sub, "HEXPIRE", "h", "0", "FIELDS", "2", "b", "x") == want(
        b"hdel", b"h", [b"b"], letters="KESTIV")
    assert run(r, sub, "HPEXPIREAT", "h", "1", "FIELDS", "2", "c", "a") == want(
        b"hdel", b"h", [b"c", b"a"], letters="KESTIV") + deleted(b"h")
    assert run(r, sub, "HEXPIRE", "h", "10", "FIELDS", "1", "a") == []


def test_hpersist(r, sub, flags):
    flags("hSTIV")
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    r.execute_command("HEXPIRE", "h", "100", "FIELDS", "2", "a", "c")
    drain(r, sub)
    assert run(r, sub, "HPERSIST", "h", "FIELDS", "4", "c", "b", "x", "a") == want(
        b"hpersist", b"h", [b"c", b"a"])
    assert run(r, sub, "HPERSIST", "h", "FIELDS", "1", "a") == []


def test_hgetex(r, sub, flags):
    flags("KEghSTIV")
    r.hset("h", mapping={"a": 1, "b": 2})
    drain(r, sub)
    assert run(r, sub, "HGETEX", "h", "FIELDS", "1", "a") == []
    assert run(r, sub, "HGETEX", "h", "EX", "100", "FIELDS", "2", "a", "x") == want(
        b"hexpire", b"h", [b"a"], letters="KESTIV")
    assert run(r, sub, "HGETEX", "h", "PERSIST", "FIELDS", "2", "b", "a") == want(
        b"hpersist", b"h", [b"a"], letters="KESTIV")
    assert run(r, sub, "HGETEX", "h", "PERSIST", "FIELDS", "1", "a") == []
    assert run(r, sub, "HGETEX", "h", "PXAT", "1", "FIELDS", "3", "b", "x", "a") == want(
        b"hdel", b"h", [b"b", b"a"], letters="KESTIV") + deleted(b"h")


def test_hsetex(r, sub, flags):
    flags("KEghSTIV")
    assert run(r, sub, "HSETEX", "h", "EX", "100", "FIELDS", "2", "a", "1", "b", "2") == (
        want(b"hset", b"h", [b"a", b"b"], letters="KESTIV")
        + want(b"hexpire", b"h", [b"a", b"b"], letters="KESTIV"))
    assert run(r, sub, "HSETEX", "h", "KEEPTTL", "FIELDS", "1", "a", "3") == want(
        b"hset", b"h", [b"a"], letters="KESTIV")
    assert run(r, sub, "HSETEX", "h", "FNX", "FIELDS", "2", "z", "1", "a", "1") == []
    assert run(r, sub, "HSETEX", "h", "FXX", "FIELDS", "1", "z", "1") == []
    assert run(r, sub, "HSETEX", "h", "FIELDS", "1", "c", "1") == want(
        b"hset", b"h", [b"c"], letters="KESTIV")
    # a past time: set, then deleted; a repeated field is set and deleted
    # twice (Redis 8.8 handles the pairs one by one)
    assert run(r, sub, "HSETEX", "h", "PXAT", "1", "FIELDS", "4", "a", "1", "a", "2", "b", "1",
               "c", "2") == (
        want(b"hset", b"h", [b"a", b"a", b"b", b"c"], letters="KESTIV")
        + want(b"hdel", b"h", [b"a", b"a", b"b", b"c"], letters="KESTIV") + deleted(b"h"))
    assert r.exists("h") == 0


# ---- field expiry -----------------------------------------------------------


def server_ms(r):
    sec, usec = r.time()
    return sec * 1000 + usec // 1000


def wait_past(r, when_ms):
    """Sleeps until the server's clock passes when_ms, touching no hash (any
    command on one, even HPTTL, would expire its due fields)."""
    while True:
        now = server_ms(r)
        if now > when_ms:
            return
        time.sleep((when_ms + 1 - now) / 1000)


def test_lazy_expiry_one_batched_hexpired(r, sub, flags):
    """Expired fields a command finds are announced in one hexpired, in
    expiry order; the command's own events follow."""
    flags("KEghSTIV")
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.hset("h", mapping={"a": 1, "b": 2, "c": 3, "d": 4})
        t = server_ms(r) + 100
        r.execute_command("HPEXPIREAT", "h", t + 20, "FIELDS", "1", "a")
        r.execute_command("HPEXPIREAT", "h", t, "FIELDS", "1", "c")
        r.execute_command("HPEXPIREAT", "h", t + 10, "FIELDS", "1", "b")
        wait_past(r, t + 20)
        drain(r, sub)
        assert run(r, sub, "HSET", "h", "e", "5") == (
            want(b"hexpired", b"h", [b"c", b"b", b"a"], letters="KESTIV")
            + want(b"hset", b"h", [b"e"], letters="KESTIV"))
        # a read command expires too; the emptied hash goes after hexpired
        t = server_ms(r) + 100
        r.execute_command("HPEXPIREAT", "h", t + 5, "FIELDS", "1", "d")
        r.execute_command("HPEXPIREAT", "h", t, "FIELDS", "1", "e")
        wait_past(r, t + 5)
        drain(r, sub)
        assert run(r, sub, "HGET", "h", "d") == (
            want(b"hexpired", b"h", [b"e", b"d"], letters="KESTIV") + deleted(b"h"))
        # fields due at the same millisecond: by their bytes (streamd's
        # choice; the docs and Redis's TTL index leave ties unordered)
        fields = [b"m", b"zz", b"", b"a", b"\xff", b"ab"]
        r.hset("t", mapping={f: 1 for f in fields + [b"keep"]})
        t = server_ms(r) + 100
        r.execute_command("HPEXPIREAT", "t", t, "FIELDS", len(fields), *fields)
        wait_past(r, t)
        drain(r, sub)
        assert run(r, sub, "HLEN", "t") == want(b"hexpired", b"t", sorted(fields),
                                                letters="KESTIV")
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_active_expiry_hexpired(r, sub, flags):
    flags("hSTIV")
    r.hset("h", mapping={"a": 1, "b": 2})
    r.execute_command("HPEXPIRE", "h", "10", "FIELDS", "1", "b")
    drain(r, sub)
    # no command touches h: the cron expires b
    expected = want(b"hexpired", b"h", [b"b"])
    got = []
    deadline = time.time() + 10
    while len(got) < len(expected) and time.time() < deadline:
        m = sub.get_message(timeout=1)
        if m and m["type"] == "pmessage":
            got.append((m["channel"], m["data"]))
    assert got == expected
    assert drain(r, sub) == []
    assert r.hgetall("h") == {b"a": b"1"}


# ---- odd bytes, databases, subscriptions, RESP3 ----------------------------


def test_odd_bytes_in_fields(r, sub, flags):
    flags("hSTIV")
    odd = [b"a,b", b"x|y", b"l\nm", b"", b"\x00\xff", b":", b"2:x"]
    args = []
    for f in odd:
        args += [f, b"v"]
    got = run(r, sub, "HSET", "h", *args)
    assert got == want(b"hset", b"h", odd)
    # the payload spelled out: lengths make every field recoverable
    assert got[0] == (b"__subkeyspace@0__:h",
                      b"hset|3:a,b,3:x|y,3:l\nm,0:,2:\x00\xff,1::,3:2:x")
    assert (b"__subkeyspaceitem@0__:h\n", b"hset") in got  # the empty field


def test_odd_keys(r, sub, flags):
    flags("hSTIV")
    # a key holding '\n' gets no I messages (the key/field separator)
    got = run(r, sub, "HSET", b"k\nx", "f", "1")
    assert got == [
        (b"__subkeyspace@0__:k\nx", b"hset|1:f"),
        (b"__subkeyevent@0__:hset", b"3:k\nx|1:f"),
        (b"__subkeyspaceevent@0__:hset|k\nx", b"1:f"),
    ]
    # '|' in a key is fine everywhere: the key length or the first '|' after
    # the event name delimit it
    got = run(r, sub, "HSET", b"a|b", "f", "1")
    assert got == want(b"hset", b"a|b", [b"f"])
    assert (b"__subkeyevent@0__:hset", b"3:a|b|1:f") in got
    assert (b"__subkeyspaceevent@0__:hset|a|b", b"1:f") in got
    got = run(r, sub, "HSET", b"", "f", "1")
    assert got == want(b"hset", b"", [b"f"])


def test_several_databases(rr, r, sub, flags):
    flags("hSTIV")
    for db in (1, 9, 15):
        c = rr(db=db)
        c.hset("h", "f", "1")
        got = drain(r, sub)
        assert got == want(b"hset", b"h", [b"f"], db=db)
        assert got[0][0] == b"__subkeyspace@%d__:h" % db


def test_subscribe_exact_channels(rr, r, flags):
    flags("hSTIV")
    p = rr().pubsub()
    chans = [b"__subkeyspace@0__:h", b"__subkeyevent@0__:hdel",
             b"__subkeyspaceitem@0__:h\nf2", b"__subkeyspaceevent@0__:hset|h", END]
    p.subscribe(*chans)
    for _ in chans:
        assert p.get_message(timeout=5)["type"] == "subscribe"
    r.hset("h", mapping={"f1": 1, "f2": 2})
    r.hdel("h", "f2")
    r.hset("other", "f2", "1")
    assert drain(r, p) == [
        (b"__subkeyspace@0__:h", b"hset|2:f1,2:f2"),
        (b"__subkeyspaceitem@0__:h\nf2", b"hset"),
        (b"__subkeyspaceevent@0__:hset|h", b"2:f1,2:f2"),
        (b"__subkeyspace@0__:h", b"hdel|2:f2"),
        (b"__subkeyevent@0__:hdel", b"1:h|2:f2"),
        (b"__subkeyspaceitem@0__:h\nf2", b"hdel"),
    ]
    p.close()


def test_psubscribe_patterns(rr, r, flags):
    flags("hSTIV")
    p = rr().pubsub()
    pats = [b"__subkeyspaceitem@*__:h\n*", b"__subkeyevent@0__:h*", END]
    p.psubscribe(*pats)
    for _ in pats:
        assert p.get_message(timeout=5)["type"] == "psubscribe"
    r.hset("h", "a", "1")
    r.hincrby("h", "n", 2)
    assert drain(r, p) == [
        (b"__subkeyevent@0__:hset", b"1:h|1:a"),
        (b"__subkeyspaceitem@0__:h\na", b"hset"),
        (b"__subkeyevent@0__:hincrby", b"1:h|1:n"),
        (b"__subkeyspaceitem@0__:h\nn", b"hincrby"),
    ]
    p.close()


def test_resp3_push(raw, r, flags):
    flags("hSTIV")
    c = raw()
    c.call("HELLO", "3")
    c.send(encode_command("PSUBSCRIBE", "__sub*"))
    assert list(c.read()) == [b"psubscribe", b"__sub*", 1]
    r.hset("h", "f", "1")
    got = [c.read() for _ in range(4)]
    assert all(isinstance(m, Push) for m in got)
    assert [tuple(m[2:]) for m in got] == want(b"hset", b"h", [b"f"])
    assert all(m[:2] == [b"pmessage", b"__sub*"] for m in got)
