"""Big arguments, the hostile and careless ways.

test_big_args.py checks that big bulks round-trip however they arrive. This
file attacks the machinery behind that: the read path that sizes the query
buffer for an announced bulk (and must not trust the announcement), the
parse that resumes inside a payload, and big SET/SETNX/MSET values that take
the query buffer over instead of being copied (client.c, object.c). It
covers: proto-max-bulk-len lowered while a bulk arrives (Redis checks a
header once), claims at and past the limits, unauthenticated bulks,
client-query-buffer-limit with commands longer than it; two big
bulks in one command cut at every awkward boundary; commands of thousands of
arguments arriving in small pieces (the parse resumes where it stopped); big
SETs followed in the same write by whole and partial commands, inline ones
and a protocol error; big values set on keys blocked readers wait on;
MULTI/EXEC/DISCARD/WATCH with big values; SET GET/NX/XX and SETNX on
existing keys; keyspace commands on a taken-over value; memory accounting
(MEMORY USAGE, INFO used_memory) through set/overwrite/delete cycles; a
busy client's query buffer shrinking after one big argument;
CLIENT LIST while a bulk is half received; many clients announcing huge
bulks or leaving mid-bulk; big values through the AOF (DEBUG LOADAOF,
BGREWRITEAOF, restart); big XADD fields, values and IDMP ids.

Memory checks use INFO/MEMORY USAGE with generous bounds, never RSS, and no
check is timed. Everything not marked streamd_only passes against redis 7.0
(STREAMD_TARGET=redis).
"""

import time

import pytest

from testlib import SLOW, RespError, encode_command, streamd_only


def pattern(n, salt=0):
    """n bytes cycling through every byte value (CR, LF and NUL included)."""
    block = bytes((i * 7 + salt) & 0xFF for i in range(256))
    return (block * (n // 256 + 1))[:n]


def client_fields(watcher, cid):
    line = watcher.call("CLIENT", "LIST", "ID", cid)
    return dict(p.split("=", 1) for p in line.decode().strip().split(" "))


def wait_until(cond, what, detail=None):
    """Waits for cond(); fails with what (and detail(), when given)."""
    deadline = time.monotonic() + 10 * SLOW
    while not cond():
        if time.monotonic() >= deadline:
            raise AssertionError("%s %s" % (what, detail() if detail else ""))
        time.sleep(0.01)


def wait_read(watcher, cid, at_least):
    """Waits until the server holds at least at_least bytes of the client's
    pending input (CLIENT LIST qbuf; redis counts only the payload of a big
    bulk being read, streamd the whole command so far)."""
    wait_until(lambda: int(client_fields(watcher, cid)["qbuf"]) >= at_least,
               "server did not read %d bytes" % at_least)


def send_until_closed(c, data):
    """Sends data to a server that may close the connection before taking
    it all (a limit reached): the close is what the caller checks."""
    try:
        c.send(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def used_memory(r):
    return int(r.info("memory")["used_memory"])


def n_clients(r):
    return int(r.info("clients")["connected_clients"])


# ---- limits -------------------------------------------------------------------------------


def test_limit_lowered_while_a_big_bulk_arrives(r, raw):
    # Redis checks a bulk's length when its header arrives: lowering
    # proto-max-bulk-len (1 MB is its minimum) while a 1.5 MB bulk is on its
    # way does not reject it. A header that arrives after the change is
    # checked against the new limit.
    value = pattern(1500000, 1)
    head = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % len(value)
    c, watcher = raw(), raw()
    cid = c.call("CLIENT", "ID")
    try:
        c.send(head + value[:100000])
        wait_read(watcher, cid, 100000)
        r.config_set("proto-max-bulk-len", "1mb")
        c.send(value[100000:1000000])
        time.sleep(0.01)
        c.send(value[1000000:] + b"\r\n")
        assert c.read() == b"OK"
        assert r.get("k") == value
        # a second big bulk of the same command whose header comes after
        # the change: refused, the connection closed, nothing stored
        c2 = raw()
        r.config_set("proto-max-bulk-len", "512mb")
        c2.send(b"*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$%d\r\n" % len(value) + value + b"\r\n$1\r\nb\r\n")
        time.sleep(0.05)  # (whether or not the server has read it yet, the answer is the same)
        r.config_set("proto-max-bulk-len", "1mb")
        c2.send(b"$%d\r\n" % len(value) + value[:10])
        assert c2.read() == RespError("ERR Protocol error: invalid bulk length")
        assert c2.closed_by_peer(timeout=5 * SLOW)
        assert r.exists("a") == 0
        # the same connection goes on under the lowered limit
        assert c.call("SET", "k2", pattern(1048576, 2)) == b"OK"
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
        assert c.read() == RespError("ERR Protocol error: invalid bulk length")
        assert c.closed_by_peer(timeout=5 * SLOW)
        assert r.get("k") == value
    finally:
        r.config_set("proto-max-bulk-len", "512mb")


def test_limit_raised_while_a_bulk_header_waits(r, raw):
    # A header that arrives whole after the limit was raised is checked
    # against the new limit.
    try:
        r.config_set("proto-max-bulk-len", "1mb")
        value = pattern(1200000, 3)
        c = raw()
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$12")
        time.sleep(0.02)
        r.config_set("proto-max-bulk-len", "2mb")
        c.send(b"00000\r\n" + value + b"\r\n")
        assert c.read() == b"OK"
        assert r.get("k") == value
    finally:
        r.config_set("proto-max-bulk-len", "512mb")


@pytest.mark.parametrize("header,ok", [(b"$1048576", True), (b"$1048577", False),
                                       (b"$040000", False), (b"$ 40000", False),
                                       (b"$40000 ", False), (b"$-40000", False),
                                       (b"$99999999999999999999", False)])
def test_bulk_headers_around_the_limit(r, raw, header, ok):
    try:
        r.config_set("proto-max-bulk-len", "1mb")
        c = raw()
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + header + b"\r\n")
        if ok:
            c.send(pattern(1048576) + b"\r\n")
            assert c.read() == b"OK"
            assert r.strlen("k") == 1048576
        else:
            assert c.read() == RespError("ERR Protocol error: invalid bulk length")
            assert c.closed_by_peer(timeout=5 * SLOW)
            assert r.exists("k") == 0
    finally:
        r.config_set("proto-max-bulk-len", "512mb")


def test_query_buffer_limit_counts_the_input_not_parsed_yet(r, raw):
    # Redis 7.0 turns each whole argument into an object and drops it from
    # the query buffer, so client-query-buffer-limit bounds one argument
    # and the input after it, not a whole command: two 700 KB values under
    # a 1 MB limit are fine, as are 2 MB of small arguments, and 1.5 MB of
    # small commands in one write after a big argument; one bulk over it is
    # not, nor input piling up behind a blocked command.
    r.config_set("client-query-buffer-limit", "1mb")
    try:
        v1, v2 = pattern(700000, 1), pattern(700000, 2)
        c = raw()
        assert c.call("MSET", "a", v1, "b", v2) == b"OK"
        assert c.call("XADD", "s", "1-1", "f1", v1, "f2", v2, "f3", v1) == b"1-1"
        small = []
        for i in range(2000):
            small += ["m%d" % i, pattern(1000, i)]
        assert c.call("MSET", *small) == b"OK"
        assert r.get("a") == v1 and r.get("b") == v2 and r.get("m1999") == pattern(1000, 1999)
        assert r.xrange("s")[0][1] == {b"f1": v1, b"f2": v2, b"f3": v1}
        # a buffer left big by a big argument, then 1.5 MB of small commands
        # in one write: read and run as they come, not all at once
        assert c.call("XADD", "s", "2-1", "f", pattern(900000, 3)) == b"2-1"
        pipeline = [("SET", "p%d" % i, pattern(300, i)) for i in range(4500)]
        c.send(b"".join(encode_command(*cmd) for cmd in pipeline))
        assert [c.read() for _ in pipeline] == [b"OK"] * len(pipeline)
        assert r.get("p4499") == pattern(300, 4499)
        send_until_closed(c, encode_command("SET", "big", pattern(1100000)))
        assert c.closed_by_peer(timeout=5 * SLOW)
        blocked = raw()
        blocked.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "wake", "$"))
        wait_until(lambda: int(r.info("clients")["blocked_clients"]) == 1, "not blocked")
        send_until_closed(blocked, b"".join(encode_command("SET", "q%d" % i, v1) for i in range(3)))
        assert blocked.closed_by_peer(timeout=5 * SLOW)
        assert r.exists("big", "q0") == 0
    finally:
        r.config_set("client-query-buffer-limit", "1gb")


def test_unauthenticated_big_bulks(make_server):
    # Before AUTH a bulk over 16 KB is a protocol error, announced or not;
    # one of 16 KB is read whole and refused as a command.
    srv = make_server(["--requirepass", "pw"])
    c = srv.raw(auth=False)
    c.send(encode_command("SET", "k", pattern(16384)))
    assert c.read() == RespError("NOAUTH Authentication required.")
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n" + pattern(100))
    assert c.read() == RespError("ERR Protocol error: unauthenticated bulk length")
    assert c.closed_by_peer(timeout=5 * SLOW)
    c = srv.raw(auth=False)
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n")
    assert c.read() == RespError("ERR Protocol error: unauthenticated bulk length")
    assert c.closed_by_peer(timeout=5 * SLOW)
    a = srv.raw()
    assert a.call("EXISTS", "k") == 0
    assert a.call("SET", "k", pattern(50000)) == b"OK"


# ---- framing ------------------------------------------------------------------------------


def awkward_cuts(cmd, payload_lens):
    """Cut points around every bulk header of a payload length in
    payload_lens: inside the '$' header, before its CR, between CR and LF,
    right after it, one byte into the payload, around the trailer."""
    cuts = set()
    for n in payload_lens:
        h = b"$%d\r\n" % n
        at = cmd.index(h)
        end = at + len(h)
        cuts |= {at, at + 1, at + 2, end - 2, end - 1, end, end + 1, end + n - 1, end + n,
                 end + n + 1, end + n + 2}
    return sorted(c for c in cuts if 0 < c < len(cmd))


@pytest.mark.parametrize("cmd_name", ["MSET", "XADD"])
def test_two_big_bulks_cut_at_every_awkward_boundary(raw, r, cmd_name):
    # The first big bulk is not the last argument; each cut alone, then all
    # of them at once with pauses so each piece is its own read.
    v1, v2 = pattern(40000, 1), pattern(33001, 2)

    def command(i):
        if cmd_name == "MSET":
            return encode_command("MSET", "a", v1, "b%06d" % i, v2), b"OK"
        eid = b"%d-1" % (i + 100000)  # an ID of the same length every time
        return encode_command("XADD", "s", eid, v1, v2), eid

    cuts = awkward_cuts(command(0)[0], [len(v1), len(v2)])
    c = raw()
    for i, cut in enumerate(cuts):
        cmd, want = command(i)
        c.send(cmd[:cut])
        time.sleep(0.003)
        c.send(cmd[cut:])
        assert c.read() == want
    cmd, want = command(len(cuts))
    prev = 0
    for cut in cuts:
        c.send(cmd[prev:cut])
        time.sleep(0.003)
        prev = cut
    c.send(cmd[prev:])
    assert c.read() == want
    if cmd_name == "MSET":
        assert r.get("a") == v1
        assert all(r.get("b%06d" % i) == v2 for i in range(len(cuts) + 1))
    else:
        got = r.xrange("s")
        assert len(got) == len(cuts) + 1 and all(e[1] == {v1: v2} for e in got)
    assert c.call("PING") == b"PONG"


def test_big_bulk_dripped_behind_many_arguments(raw, r):
    # 3000 small fields, then a big value arriving in many small writes:
    # every byte where it belongs.
    fields = []
    for i in range(3000):
        fields += ["f%d" % i, "v"]
    value = pattern(40000, 9)
    cmd = encode_command("XADD", "s", "1-1", *fields, "big", value)
    at = cmd.index(b"$40000\r\n")
    c = raw()
    c.send(cmd[:at + 3])
    for k in range(at + 3, at + 20):
        c.send(cmd[k:k + 1])
        time.sleep(0.001)
    step = 997
    for k in range(at + 20, len(cmd), step):
        c.send(cmd[k:k + step])
    assert c.read() == b"1-1"
    got = r.xrange("s")[0][1]
    assert len(got) == 3001 and got[b"big"] == value and got[b"f2999"] == b"v"


def test_many_arguments_arriving_in_pieces(raw, r):
    # Commands of thousands of arguments, a big one among them, in pieces
    # of 1 byte to a few KB: the parse goes on where the last read stopped
    # while the buffer grows and moves (resp.h, RespLimits.resume), and
    # every argument lands where it belongs.
    big = pattern(40000, 7)
    fields = []
    for i in range(20000):
        fields += ["f%d" % i, big if i == 7000 else "v%d" % i]
    pairs = []
    for i in range(5000):
        pairs += ["m%d" % i, big if i == 4999 else "x%d" % i]
    data = encode_command("XADD", "s", "1-1", *fields) + encode_command("MSET", *pairs)
    c = raw()
    at, step = 0, 1
    while at < len(data):
        c.send(data[at:at + step])
        at += step
        step = (step * 7 + 3) % 4000 + 1
        if at % 11 == 0:
            time.sleep(0.001)
    assert c.read() == b"1-1"
    assert c.read() == b"OK"
    got = r.xrange("s")[0][1]
    assert len(got) == 20000 and got[b"f7000"] == big
    assert got[b"f0"] == b"v0" and got[b"f19999"] == b"v19999"
    assert r.get("m4999") == big and r.get("m0") == b"x0" and r.get("m4998") == b"x4998"


def test_big_set_then_more_commands_in_the_same_write(raw, r):
    big, big2 = pattern(100000, 1), pattern(40000, 2)
    nxt = encode_command("SET", "c", big2)
    c = raw()
    # whole commands, an inline one, and the start of another big SET
    c.send(encode_command("SET", "a", big) + encode_command("GET", "a") + b"SET b small\r\n" +
           encode_command("STRLEN", "a") + nxt[:20000])
    assert c.read() == b"OK"
    assert c.read() == big
    assert c.read() == b"OK"
    assert c.read() == len(big)
    c.send(nxt[20000:] + b"GET b\r\n")
    assert c.read() == b"OK"
    assert c.read() == b"small"
    assert r.get("c") == big2 and r.get("a") == big
    # a big SET, then a protocol error in the same write: the SET is done,
    # the error answered and the connection closed
    c2 = raw()
    c2.send(encode_command("SET", "d", big) + b"*1x\r\n" + encode_command("SET", "e", "1"))
    assert c2.read() == b"OK"
    assert c2.read() == RespError("ERR Protocol error: invalid multibulk length")
    assert c2.closed_by_peer(timeout=5 * SLOW)
    assert r.get("d") == big and r.exists("e") == 0


def test_inline_commands_mixed_with_big_bulks(raw, r):
    big = pattern(50000, 4)
    inline_val = b"x" * 60000  # an inline line may be 64 KB long
    c = raw()
    c.send(b"PING\r\n" + encode_command("SET", "a", big) + b"SET i " + inline_val + b"\r\n" +
           encode_command("XADD", "s", "1-1", "f", big) + b"STRLEN i\n" + b"APPEND a " +
           inline_val[:40000] + b"\r\n")
    assert c.read() == b"PONG"
    assert c.read() == b"OK"
    assert c.read() == b"OK"
    assert c.read() == b"1-1"
    assert c.read() == 60000
    assert c.read() == 90000
    assert r.get("i") == inline_val and r.get("a") == big + inline_val[:40000]
    # an inline line past 64 KB is refused before its end arrives
    send_until_closed(c, b"SET j " + b"y" * 70000)
    assert c.read() == RespError("ERR Protocol error: too big inline request")
    assert c.closed_by_peer(timeout=5 * SLOW)
    assert r.exists("j") == 0


# ---- transactions and string commands ---------------------------------------------------------


def test_big_values_in_transactions(raw, r):
    big, big2 = pattern(70000, 1), pattern(40000, 2)
    c = raw()
    # queued in one write with the EXEC
    c.send(b"".join(encode_command(*cmd) for cmd in [
        ("MULTI",), ("SET", "k", big), ("MSET", "a", big, "b", big2, "a", big2),
        ("APPEND", "k", big2), ("SETNX", "k", big), ("EXEC",)]))
    assert [c.read() for _ in range(6)] == [b"OK", b"QUEUED", b"QUEUED", b"QUEUED", b"QUEUED",
                                            [b"OK", b"OK", len(big) + len(big2), 0]]
    assert r.get("k") == big + big2 and r.get("a") == big2 and r.get("b") == big2
    # DISCARD drops the queued values
    c.send(b"".join(encode_command(*cmd) for cmd in [
        ("MULTI",), ("SET", "d", big), ("DISCARD",), ("EXISTS", "d")]))
    assert [c.read() for _ in range(4)] == [b"OK", b"QUEUED", b"OK", 0]
    # an error while queueing aborts the EXEC
    c.send(b"".join(encode_command(*cmd) for cmd in [
        ("MULTI",), ("SET", "e", big), ("SET", "e"), ("EXEC",)]))
    got = [c.read() for _ in range(4)]
    assert got[:3] == [b"OK", b"QUEUED",
                       RespError("ERR wrong number of arguments for 'set' command")]
    assert got[3] == RespError("EXECABORT Transaction discarded because of previous errors.")
    assert r.exists("e") == 0
    # a watched key overwritten with a big value by another client
    assert c.call("WATCH", "k") == b"OK"
    assert raw().call("SET", "k", big2) == b"OK"
    c.send(encode_command("MULTI") + encode_command("SET", "k", big) + encode_command("EXEC"))
    assert [c.read() for _ in range(3)] == [b"OK", b"QUEUED", None]
    assert r.get("k") == big2


def test_set_variants_on_existing_keys(raw, r):
    big, big2, big3 = pattern(80000, 1), pattern(40000, 2), pattern(33000, 3)
    c = raw()
    assert c.call("SET", "k", big) == b"OK"
    assert c.call("SET", "k", big2, "GET") == big
    assert c.call("SET", "k", big3, "NX") is None
    assert c.call("SET", "k", big3, "NX", "GET") == big2
    assert c.call("SET", "nope", big3, "XX") is None
    assert c.call("SET", "nope", big3, "XX", "GET") is None
    assert r.exists("nope") == 0
    assert c.call("SETNX", "k", big) == 0
    assert r.get("k") == big2
    assert c.call("SET", "k", big3, "KEEPTTL", "GET") == big2
    assert c.call("SET", "k", big, "XX", "EX", "100") == b"OK"
    assert 0 < r.ttl("k") <= 100
    assert c.call("SET", "k", big2, "KEEPTTL") == b"OK"
    assert 0 < r.ttl("k") <= 100 and r.get("k") == big2
    assert c.call("SET", "k", big3) == b"OK"
    assert r.ttl("k") == -1
    # on a key of another type: refused with GET, nothing changes
    r.xadd("s", {"f": "v"}, id="1-1")
    assert c.call("SET", "s", big, "GET") == RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert r.type("s") == b"stream"
    assert c.call("SET", "s", big) == b"OK"
    assert r.get("s") == big
    # three big values for one key, a long key, many small arguments first
    assert c.call("MSET", "m", big, "m", big2, "m", big3) == b"OK"
    assert r.get("m") == big3
    long_key = "L" * 5000
    assert c.call("SET", long_key, big) == b"OK"
    small = []
    for i in range(200):
        small += ["s%d" % i, "v%d" % i]
    assert c.call("MSET", *small, "last", big2) == b"OK"
    assert r.get(long_key) == big and r.get("last") == big2 and r.get("s199") == b"v199"


def test_taken_over_value_under_keyspace_commands(raw, r):
    big = pattern(120000, 5)
    c = raw()
    assert c.call("SET", "k", big) == b"OK"
    assert c.call("RENAME", "k", "k2") == b"OK"
    assert c.call("STRLEN", "k2") == len(big)
    assert c.call("OBJECT", "ENCODING", "k2") == b"raw"
    assert c.call("APPEND", "k2", "!") == len(big) + 1
    assert c.call("GETDEL", "k2") == big + b"!"
    assert c.call("EXISTS", "k2") == 0
    assert c.call("SET", "k", big) == b"OK"
    assert c.call("INCR", "k") == RespError("ERR value is not an integer or out of range")
    assert c.call("SWAPDB", "0", "1") == b"OK"
    assert c.call("EXISTS", "k") == 0
    assert c.call("SELECT", "1") == b"OK"
    assert c.call("GET", "k") == big
    assert c.call("MSET", "x", big, "y", big) == b"OK"
    assert c.call("FLUSHDB") == b"OK"
    assert c.call("DBSIZE") == 0
    assert c.call("SELECT", "0") == b"OK"
    assert c.call("SET", "e", big, "PX", "30") == b"OK"
    assert c.call("SET", "f", big) == b"OK"
    assert c.call("PEXPIRE", "f", "30") == 1
    time.sleep(0.06)
    assert c.call("GET", "e") is None
    assert c.call("EXISTS", "f") == 0
    assert c.call("SET", "g", big) == b"OK"
    assert c.call("SET", "g", "small") == b"OK"
    assert c.call("GET", "g") == b"small"
    assert c.call("FLUSHALL") == b"OK"
    assert c.call("DBSIZE") == 0


def test_big_set_on_keys_blocked_readers_wait_on(raw, r):
    # A big value set, already expired, on a key an XREAD waits on, and an
    # MSET that replaces its own big value: the waiters look at the keys
    # while the command that made the values is still running. Redis 7.0
    # does not wake XREAD for a string; an XADD later does.
    big = pattern(100000, 6)
    w1, w2 = raw(), raw()
    w1.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "k", "$"))
    w2.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "m", "$"))
    wait_until(lambda: int(r.info("clients")["blocked_clients"]) == 2, "readers not blocked")
    c = raw()
    assert c.call("SET", "k", big, "PXAT", "1") == b"OK"
    assert c.call("MSET", "m", big, "m", big[:50000]) == b"OK"
    assert r.exists("k") == 0 and r.strlen("m") == 50000
    assert c.call("DEL", "m") == 1
    r.xadd("k", {"f": "v"}, id="1-1")
    r.xadd("m", {"f": "v"}, id="1-1")
    assert w1.read() == [[b"k", [[b"1-1", [b"f", b"v"]]]]]
    assert w2.read() == [[b"m", [[b"1-1", [b"f", b"v"]]]]]


# ---- memory -------------------------------------------------------------------------------


def test_memory_accounting_of_big_values(r, raw):
    # MEMORY USAGE covers a value (and not much more); deleting, expiring,
    # overwriting and flushing give the memory back, cycle after cycle.
    sizes = [33000, 40000, 100000, 300000, 1048577]

    def cycle(salt):
        c = raw()
        for i, n in enumerate(sizes):
            assert c.call("SET", "k%d" % i, pattern(n, salt)) == b"OK"
        assert c.call("MSET", "m0", pattern(50000, salt), "m1", pattern(60000, salt)) == b"OK"
        assert c.call("SETNX", "n", pattern(70000, salt)) == 1
        for i, n in enumerate(sizes):
            mu = r.memory_usage("k%d" % i)
            assert n <= mu <= 2 * n + 65536, (n, mu)
        assert c.call("SET", "k0", pattern(45000, salt)) == b"OK"  # overwrite
        assert c.call("APPEND", "k1", pattern(40000, salt)) == 80000
        assert c.call("GETDEL", "k2") == pattern(100000, salt)
        assert c.call("PEXPIRE", "k3", "1") == 1
        assert c.call("DEL", "k4", "m0", "n") == 3
        assert c.call("SWAPDB", "0", "1") == b"OK"
        assert c.call("FLUSHALL") == b"OK"
        c.close()

    clients = n_clients(r)
    cycle(0)
    time.sleep(1.2)  # idle query buffers are trimmed after a second
    base = used_memory(r)
    for salt in (1, 2, 3):
        cycle(salt)
    wait_until(lambda: n_clients(r) <= clients, "clients did not go")
    time.sleep(1.2)
    assert used_memory(r) - base < 1 << 20


def test_client_list_while_a_big_bulk_is_half_received(raw, r):
    c, watcher = raw(), raw()
    cid = c.call("CLIENT", "ID")
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n" + pattern(300000))
    wait_read(watcher, cid, 300000)
    f = client_fields(watcher, cid)
    assert 300000 <= int(f["qbuf"]) <= 300100, f
    # the room reserved covers the rest of the announced bulk
    assert int(f["qbuf"]) + int(f["qbuf-free"]) >= 1000000, f
    assert int(f["tot-mem"]) >= int(f["qbuf"]), f
    c.send(pattern(1000000)[300000:] + b"\r\n")
    assert c.read() == b"OK"
    f = client_fields(watcher, cid)
    assert int(f["qbuf"]) == 0, f
    assert r.strlen("k") == 1000000


def test_a_busy_client_does_not_keep_a_big_query_buffer(raw, r):
    # One big argument, then only small commands, never a second idle: the
    # query buffer sized for the argument goes back (Redis resizes a query
    # buffer much bigger than the input it recently held, idle or not).
    c, watcher = raw(), raw()
    cid = c.call("CLIENT", "ID")
    assert c.call("XADD", "s", "1-1", "f", pattern(1048576, 1)) == b"1-1"
    f = client_fields(watcher, cid)
    assert int(f["qbuf"]) + int(f["qbuf-free"]) >= 1 << 20, f

    def small():
        assert c.call("PING") == b"PONG"
        f = client_fields(watcher, cid)
        return int(f["qbuf"]) + int(f["qbuf-free"]) < 256 << 10

    wait_until(small, "the query buffer kept its size")
    assert r.xlen("s") == 1


@streamd_only
def test_many_clients_announcing_huge_bulks_stay_bounded(r, raw):
    # 30 clients each announce a 512 MB bulk and send 20 KB of it (redis 7.0
    # reserves the whole claim: 512 MB each). Memory stays within what
    # arrived plus about 1 MB reserved ahead per client, and comes back
    # when they leave.
    base = used_memory(r)
    watcher = raw()
    assert watcher.call("PING") == b"PONG"  # accepted and counted before counting
    clients = n_clients(r)
    head = b"*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$536870912\r\n"
    conns = []
    for i in range(30):
        c = raw()
        cid = c.call("CLIENT", "ID")
        c.send(head)
        time.sleep(0.002)
        c.send(pattern(20000, i))
        conns.append((c, cid))
    for c, cid in conns:
        wait_read(watcher, cid, len(head) + 20000)
    grown = used_memory(r) - base
    assert grown < 30 * ((1 << 20) + (128 << 10)) + (4 << 20), grown
    for c, cid in conns:
        f = client_fields(watcher, cid)
        assert int(f["rbs"]) <= (1 << 20) + (64 << 10), f
    for c, _ in conns:
        c.close()
    wait_until(lambda: n_clients(r) <= clients, "clients did not go",
               lambda: (clients, r.execute_command("CLIENT", "LIST")))
    assert used_memory(r) - base < 2 << 20
    assert r.exists("huge") == 0


def test_clients_leaving_at_every_point_of_a_big_bulk(r, raw):
    base = n_clients(r)
    cmd = encode_command("MSET", "a", pattern(40000, 1), "b", pattern(1048577, 2))
    cuts = awkward_cuts(cmd, [40000, 1048577]) + [3, 600000]
    for cut in cuts:
        c = raw()
        c.send(cmd[:cut])
        if cut % 3 == 0:
            time.sleep(0.002)
        c.close()
    wait_until(lambda: n_clients(r) <= base, "clients did not go")
    assert r.exists("a", "b") == 0
    assert raw().call("MSET", "a", "1", "b", "2") == b"OK"


# ---- persistence ----------------------------------------------------------------------------


def test_big_values_through_the_aof(make_server):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = make_server(args)
    c = srv.raw()
    big = {n: pattern(n, n & 0xFF) for n in (32768, 40000, 100000, 1048577)}
    cmds = [("SET", "a", big[40000]), ("MSET", "b", big[100000], "c", big[32768], "b",
                                       big[1048577]),
            ("SETNX", "d", big[40000]), ("SETNX", "d", big[100000]), ("APPEND", "a", big[32768]),
            ("SET", "e", big[100000], "EX", "1000"), ("SET", "gone", big[40000], "PX", "1"),
            ("SET", "f", big[40000], "GET"), ("RENAME", "f", "g"),
            ("XADD", "s", "1-1", big[32768], big[100000]), ("XADD", "s", "2-1", "f", big[40000])]
    c.send(b"".join(encode_command(*cmd) for cmd in cmds))
    assert [c.read() for _ in cmds][:5] == [b"OK", b"OK", 1, 0, 40000 + 32768]
    want = {"a": big[40000] + big[32768], "b": big[1048577], "c": big[32768], "d": big[40000],
            "e": big[100000], "g": big[40000]}

    def check(r):
        assert {k: r.get(k) for k in want} == want
        assert r.exists("gone", "f") == 0
        assert 0 < r.ttl("e") <= 1000
        assert r.xrange("s") == [(b"1-1", {big[32768]: big[100000]}),
                                 (b"2-1", {b"f": big[40000]})]

    r = srv.client()
    check(r)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    check(r)
    r.bgrewriteaof()
    wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0 and
               r.info("persistence")["aof_rewrite_scheduled"] == 0, "rewrite did not end")
    assert c.call("SET", "h", big[100000]) == b"OK"  # after the rewrite, in the new file
    want["h"] = big[100000]
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    check(r)
    srv.restart()
    check(srv.client())


# ---- streams --------------------------------------------------------------------------------


def test_big_stream_entries(raw, r):
    # Each big entry starts a fresh node (made resident in one call); the
    # same big field name again, a big value after small entries, deletes.
    f1, v1, v2 = pattern(70000, 1), pattern(200000, 2), pattern(1048577, 3)
    c = raw()
    c.send(b"".join(encode_command(*cmd) for cmd in [
        ("XADD", "s", "1-1", f1, v1), ("XADD", "s", "2-1", f1, v2), ("XADD", "s", "3-1", "a", "b"),
        ("XADD", "s", "4-1", "a", v1, "c", v2), ("XLEN", "s")]))
    assert [c.read() for _ in range(5)] == [b"1-1", b"2-1", b"3-1", b"4-1", 4]
    assert r.xrange("s") == [(b"1-1", {f1: v1}), (b"2-1", {f1: v2}), (b"3-1", {b"a": b"b"}),
                             (b"4-1", {b"a": v1, b"c": v2})]
    mu = r.memory_usage("s")
    assert mu >= len(f1) + len(v1) + len(v2) + len(v2)
    assert c.call("XDEL", "s", "2-1", "4-1") == 2
    assert c.call("XTRIM", "s", "MAXLEN", "1") == 1
    assert r.xrange("s") == [(b"3-1", {b"a": b"b"})]
    assert r.memory_usage("s") < mu // 4


@streamd_only
def test_big_values_with_idmp(raw, r):
    # Redis 8.6's idempotent XADD (not in 7.0) with big values and a big
    # producer id and iid: a repeat answers the first entry's ID and adds
    # nothing.
    big, big2 = pattern(100000, 1), pattern(40000, 2)
    pid, iid = pattern(33000, 3), pattern(50000, 4)
    c = raw()
    c.send(b"".join(encode_command(*cmd) for cmd in [
        ("XADD", "s", "IDMP", pid, iid, "*", "f", big),
        ("XADD", "s", "IDMP", pid, iid, "*", "f", big2),
        ("XADD", "s", "IDMPAUTO", pid, "*", "f", big2),
        ("XADD", "s", "IDMPAUTO", pid, "*", "f", big2),
        ("XADD", "s", "IDMPAUTO", pid, "*", "f", big),
        ("XLEN", "s")]))
    got = [c.read() for _ in range(6)]
    assert got[0] == got[1] and got[2] == got[3] and len({got[0], got[2], got[4]}) == 3, got
    assert got[5] == 3
    assert r.xrange("s") == [(got[0], {b"f": big}), (got[2], {b"f": big2}),
                             (got[4], {b"f": big})]
    assert c.call("DEL", "s") == 1
