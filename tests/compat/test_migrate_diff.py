"""MIGRATE: streamd and redis-server 7.0 as sources, side by side.

Each script runs on both sources, command by command, with "{port}" (and
"{host}") standing for the source's own target: a redis-server 7.0 for one
run, a streamd for the other (one target per source, of the same kind). The
replies must be identical; afterwards both targets must hold the same keys,
values and TTLs, and both sources the same keys. Covered: the key and KEYS
forms, COPY, REPLACE, AUTH / AUTH2 (right and wrong), SELECT of the
destination database (sent only when the cached connection is elsewhere:
counted in the target's commandstats), TTLs, NOKEY, every argument error,
the target's errors (BUSYKEY, NOAUTH, WRONGPASS, a bad database), a port
where nobody listens, a listener that never answers (timeout: IOERR), a
cached connection the target closed (retried), MULTI/EXEC, ACL key
permissions, INFO migrate_cached_sockets, COMMAND GETKEYS(ANDFLAGS).
Scripted fake targets (one per source) check the commands on the wire and
the handling of a connection lost after some replies, of a connection lost
before any (retried once), of an over-long reply line and of an odd one.
"""

import shlex
import socket
import threading

import pytest

from testlib import IS_REDIS, Server, sorted_reply
from testlib.diff import norm_stream_state
from testlib.resp import RespError, parse_info, parse_kv

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

TARGET_PASS = "tpass"


def start(kind, name, args=()):
    srv = Server(kind=kind, args=list(args), name=name)
    srv.start()
    return srv


@pytest.fixture(scope="module", params=["redis", "streamd"])
def targets(request):
    """Two targets of one kind (the streamd source's, the redis source's),
    and two more that require a password (user "mig" too)."""
    kind = request.param
    made = []
    try:
        plain = [start(kind, "mig-t%d-%s" % (i, kind)) for i in range(2)]
        made += plain
        locked = [start(kind, "mig-a%d-%s" % (i, kind), ["--requirepass", TARGET_PASS])
                  for i in range(2)]
        made += locked
        for t in locked:
            c = t.raw()
            assert c.call("ACL", "SETUSER", "mig", "on", ">migpass", "~*", "+@all") == b"OK"
            c.close()
        yield kind, plain, locked
    finally:
        for s in made:
            s.stop()
            s.cleanup()


@pytest.fixture
def pair(make_server, targets):
    """Fresh sources for each test: MIGRATE's connection cache starts empty."""
    kind, plain, locked = targets
    srcs = [make_server(kind="streamd").raw(), make_server(kind="redis").raw()]
    tconns = [t.raw() for t in plain] + [t.raw() for t in locked]
    for c in tconns:
        c.call("FLUSHALL")
        c.call("CONFIG", "RESETSTAT")
    yield Pair(srcs, plain, locked, tconns)
    for c in srcs + tconns:
        c.close()


class Pair:
    def __init__(self, srcs, plain, locked, tconns):
        self.srcs = srcs
        self.plain = plain
        self.locked = locked
        self.tconns = tconns  # plain[0], plain[1], locked[0], locked[1]

    def run(self, script, locked=False, ports=None):
        """Runs script on both sources (ports: each one's target port, when
        not the plain or locked targets); returns the streamd source's
        replies."""
        targets = self.locked if locked else self.plain
        out = []
        for cmd in script:
            replies = []
            for i, src in enumerate(self.srcs):
                p = ports[i] if ports is not None else targets[i].port
                args = [a.format(port=p, host="127.0.0.1") if isinstance(a, str) else a
                        for a in (shlex.split(cmd) if isinstance(cmd, str) else cmd)]
                replies.append(src.call(*args))
            a, b = replies
            assert canon(a) == canon(b), "%r: streamd %r, redis %r" % (cmd, a, b)
            out.append(a)
        return out

    def check_data(self, dbs=(0,), locked=False):
        """Both targets (and both sources) hold the same data."""
        t = self.tconns[2:] if locked else self.tconns[:2]
        for db in dbs:
            for pair in (t, self.srcs):
                views = []
                for c in pair:
                    c.call("SELECT", db)
                    views.append(view_db(c))
                    c.call("SELECT", 0)
                assert views[0] == views[1], "db %d: %r != %r" % (db, views[0], views[1])


def canon(v):
    if isinstance(v, RespError):
        return ("err", str(v))
    if isinstance(v, list):
        return [canon(x) for x in v]
    return v


def view_db(c):
    out = {}
    for k in sorted(c.call("KEYS", "*")):
        t = c.call("TYPE", k)
        v = [t, c.call("PTTL", k) > 0]
        if t == b"string":
            v.append(c.call("GET", k))
        elif t == b"list":
            v.append(c.call("LRANGE", k, 0, -1))
        elif t == b"set":
            v.append(sorted(c.call("SMEMBERS", k)))
        elif t == b"zset":
            v.append(c.call("ZRANGE", k, 0, -1, "WITHSCORES"))
        elif t == b"hash":
            v.append(sorted_reply(c.call("HGETALL", k)))
        elif t == b"stream":
            v.append(c.call("XRANGE", k, "-", "+"))
            v.append(mask_times(norm_stream_state(c.call("XINFO", "STREAM", k, "FULL"))))
        out[k] = v
    return out


def mask_times(v):
    """Unix-ms times (XINFO's seen-time, delivery times) as "T": the two
    sources' clocks differ by the time between their commands."""
    if isinstance(v, list):
        return [mask_times(x) for x in v]
    if isinstance(v, int) and v > 10**12:
        return "T"
    return v


def info_field(c, section, name):
    v = parse_info(c.call("INFO", section)).get(name)
    return int(v) if v is not None and v.isdigit() else v


SETUP = [
    "SET s1 hello",
    "SET s2 12345",
    "SET big " + "x" * 3000,
    "PEXPIRE s2 500000",
    "RPUSH l a b c 1 2 3",
    "SADD st a b c",
    "SADD si 1 2 3",
    "ZADD z 1 a 2.5 b -3 c",
    "HSET h f1 v1 f2 v2",
    "XADD x 1-1 f v",
    "XADD x 2-1 g w",
    "XGROUP CREATE x grp 0",
    "XREADGROUP GROUP grp alice COUNT 1 STREAMS x >",
    "EXPIRE x 900",
]


def test_single_keys_every_type(pair):
    pair.run(SETUP)
    pair.run([
        "MIGRATE {host} {port} s1 0 5000",
        "MIGRATE {host} {port} s2 0 5000",
        "MIGRATE {host} {port} big 0 5000",
        "MIGRATE {host} {port} l 0 5000",
        "MIGRATE {host} {port} st 0 5000",
        "MIGRATE {host} {port} si 0 5000",
        "MIGRATE {host} {port} z 0 5000",
        "MIGRATE {host} {port} h 0 5000",
        "MIGRATE {host} {port} x 0 5000",
        "MIGRATE {host} {port} nosuchkey 0 5000",
        "DBSIZE",
    ])
    pair.check_data()
    ttls = [c.call("PTTL", "s2") for c in pair.tconns[:2]]
    assert all(400000 < t <= 500000 for t in ttls), ttls


def test_keys_copy_replace(pair):
    pair.run(SETUP)
    pair.run([
        'MIGRATE {host} {port} "" 0 5000 COPY KEYS s1 l nosuch z',
        "EXISTS s1 l z",
        # already there: BUSYKEY for each, the first error is the reply
        'MIGRATE {host} {port} "" 0 5000 COPY KEYS s1 l',
        'MIGRATE {host} {port} "" 0 5000 KEYS s1 h',
        "EXISTS s1 h",
        "SET s1 changed",
        'MIGRATE {host} {port} "" 0 5000 copy replace KEYS s1 l',
        "EXISTS s1 l",
        'MIGRATE {host} {port} "" 0 5000 REPLACE KEYS s1 l x st',
        "DBSIZE",
        'MIGRATE {host} {port} "" 0 5000 KEYS nosuch other',
        'MIGRATE {host} {port} "" 0 5000 KEYS',
    ])
    pair.check_data()


def test_db_selection_and_select_tracking(pair):
    pair.run(["SET a 1", "SET b 2", "SET c 3", "SET d 4", "SET e 5"])
    pair.run([
        "MIGRATE {host} {port} a 0 5000",
        "MIGRATE {host} {port} b 0 5000",
        "MIGRATE {host} {port} c 3 5000",
        "MIGRATE {host} {port} d 3 5000",
        "MIGRATE {host} {port} e 99 5000",
        "MIGRATE {host} {port} e -1 5000",
        "MIGRATE {host} {port} e 3 5000",
        "INFO",
    ][:-1])
    # SELECT went out when the cached connection was elsewhere: 0 (new
    # connection), 3, 99 (refused: the connection's db is forgotten, -1), not
    # for -1 (taken for the db it is in: the key goes to db 3, as in 7.0), 3.
    sel = [parse_kv(info_field(c, "commandstats", "cmdstat_select")) for c in pair.tconns[:2]]
    assert int(sel[0]["calls"]) == int(sel[1]["calls"]) == 4, sel
    pair.check_data(dbs=(0, 3))


def test_ttl_carried(pair):
    pair.run(["SET k v", "PEXPIRE k 300000", "SET p v", "RPUSH q a", "PEXPIREAT q 99999999999999"])
    pair.run(['MIGRATE {host} {port} "" 0 5000 KEYS k p q'])
    for c in pair.tconns[:2]:
        assert 200000 < c.call("PTTL", "k") <= 300000
        assert c.call("PTTL", "p") == -1
        # sent as a relative TTL (7.0 too): the deadline moves by the transfer time
        assert abs(c.call("PEXPIRETIME", "q") - 99999999999999) < 5000


def test_argument_errors(pair):
    pair.run(["SET k v"])
    pair.run([
        "MIGRATE",
        "MIGRATE {host} {port} k 0",
        "MIGRATE {host} {port} k 0 5000 BOGUS",
        "MIGRATE {host} {port} k 0 5000 AUTH",
        "MIGRATE {host} {port} k 0 5000 AUTH2 user",
        "MIGRATE {host} {port} k 0 5000 COPY AUTH2",
        "MIGRATE {host} {port} k 0 5000 KEYS k",
        "MIGRATE {host} {port} k 0 5000 BOGUS KEYS k",
        "MIGRATE {host} {port} k 0 5000 KEYS k BOGUS",
        "MIGRATE {host} {port} k 0 notanumber",
        "MIGRATE {host} {port} k notanumber 5000",
        "MIGRATE {host} {port} k notanumber notanumber",
        "MIGRATE {host} {port} k 0 99999999999999999999",
        "MIGRATE {host} {port} k 0 9223372036854775807 COPY",
        "MIGRATE {host} {port} k 0 -9223372036854775808 COPY",
        "MIGRATE {host} {port} k 0 0 COPY REPLACE",
        "MIGRATE {host} {port} k 1.5 5000",
        "MIGRATE {host} {port} nosuch notanumber 5000",
        "MIGRATE {host} {port} nosuch 0 5000 BOGUS",
        # a missing key is found before any connection is made
        "MIGRATE 127.0.0.1 1 nosuch 0 5000",
        "EXISTS k",
    ])


def test_connect_errors(pair):
    pair.run(["SET k v", "SET j v"])
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nobody listens there
    pair.run([
        "MIGRATE 127.0.0.1 %d k 0 1000" % port,
        "MIGRATE 127.0.0.1 notaport k 0 1000",
        "MIGRATE 127.0.0.1 0 k 0 1000",
        "MIGRATE 127.0.0.1 70000 k 0 1000",
        "MIGRATE 127.0.0.1 -5 k 0 1000",
        "MIGRATE 127.0.0.1 %d k 0 1000 COPY" % port,
        "EXISTS k",
        "INFO stats",
    ][:-1])
    for c in pair.srcs:
        assert info_field(c, "stats", "migrate_cached_sockets") == 0


def test_target_never_answers(pair):
    pair.run(["SET k v", "RPUSH l a"])
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(8)  # connections complete in the backlog; nothing is ever read or sent
    try:
        port = lsn.getsockname()[1]
        pair.run([
            "MIGRATE 127.0.0.1 %d k 0 200" % port,
            'MIGRATE 127.0.0.1 %d "" 0 200 KEYS k l' % port,
            "MIGRATE 127.0.0.1 %d k 0 200 AUTH pw" % port,
            "EXISTS k l",
        ])
        for c in pair.srcs:  # a timed-out connection is not kept
            assert info_field(c, "stats", "migrate_cached_sockets") == 0
    finally:
        lsn.close()


def test_auth(pair):
    pair.run(["SET a 1", "SET b 2", "SET c 3", "SET d 4", "SET e 5"])
    pair.run([
        "MIGRATE {host} {port} a 0 5000",
        "MIGRATE {host} {port} a 0 5000 AUTH wrong",
        "MIGRATE {host} {port} a 0 5000 AUTH2 mig wrong",
        "MIGRATE {host} {port} a 0 5000 AUTH2 nosuchuser migpass",
        "EXISTS a",
        "MIGRATE {host} {port} a 0 5000 AUTH " + TARGET_PASS,
        "MIGRATE {host} {port} b 2 5000 AUTH2 mig migpass",
        "MIGRATE {host} {port} c 2 5000 AUTH2 default " + TARGET_PASS,
        # the cached connection stays authenticated, as in 7.0
        "MIGRATE {host} {port} d 2 5000",
        'MIGRATE {host} {port} "" 0 5000 AUTH ' + TARGET_PASS + " REPLACE KEYS e",
        "DBSIZE",
    ], locked=True)
    pair.check_data(dbs=(0, 2), locked=True)


def test_retry_after_target_closed_connection(pair):
    pair.run(["SET a 1", "SET b 2"])
    pair.run(["MIGRATE {host} {port} a 0 5000", "INFO stats"][:1])
    for t in pair.tconns[:2]:
        assert t.call("CLIENT", "KILL", "TYPE", "normal") == 1
    # the cached connection is dead: MIGRATE reconnects once and succeeds
    pair.run(["MIGRATE {host} {port} b 0 5000", "DBSIZE"])
    pair.check_data()


def test_multi(pair):
    pair.run(["SET a 1", "SET b 2"])
    pair.run([
        "MULTI",
        "MIGRATE {host} {port} a 0 5000",
        "MIGRATE {host} {port} a 0 5000",
        "MIGRATE {host} {port} b 0 5000 COPY",
        "MIGRATE {host} {port} b 0 5000 COPY",
        "MIGRATE {host} {port} b 0",
        "EXEC",
        "EXISTS a b",
    ])
    pair.check_data()


def test_from_a_script(pair):
    pair.run(["SET a 1", "SET b 2"])
    pair.run([
        "EVAL \"return redis.call('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 5000)\" 1 a "
        "{host} {port}",
        "EVAL \"return redis.pcall('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 5000, 'COPY')\" 1 b "
        "{host} {port}",
        "EVAL \"return redis.pcall('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 5000, 'COPY')\" 1 b "
        "{host} {port}",
        "EXISTS a b",
    ])
    pair.check_data()


def test_acl_key_permissions(pair):
    pair.run([
        "SET ok1 1", "SET ok2 2", "SET no1 3",
        "ACL SETUSER mu on >p ~ok* +@all",
        "AUTH mu p",
        "MIGRATE {host} {port} no1 0 5000",
        'MIGRATE {host} {port} "" 0 5000 KEYS ok1 no1',
        'MIGRATE {host} {port} "" 0 5000 AUTH KEYS KEYS ok1',
        'MIGRATE {host} {port} "" 0 5000 KEYS ok1 ok2',
        "AUTH default x",
        "ACL DELUSER mu",
    ][:-2])
    for c in pair.srcs:
        c.call("AUTH", "default", "")
        c.call("ACL", "DELUSER", "mu")
    pair.check_data()


def test_cached_sockets_info(pair):
    pair.run(["SET a 1", "SET b 2", "SET c 3"])
    pair.run(["MIGRATE {host} {port} a 0 5000", "MIGRATE {host} {port} b 0 5000"])
    for c in pair.srcs:
        assert info_field(c, "stats", "migrate_cached_sockets") == 1
    pair.run(["MIGRATE {host} {port} c 0 5000 AUTH2 mig migpass"], locked=True)
    for c in pair.srcs:
        assert info_field(c, "stats", "migrate_cached_sockets") == 2


def test_getkeys(diff):
    diff.run([
        "COMMAND GETKEYS MIGRATE h 1 k 0 5",
        "COMMAND GETKEYS MIGRATE h 1 k 0 5 COPY REPLACE",
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5 KEYS a b c',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5 COPY AUTH KEYS KEYS a b',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5 AUTH2 KEYS KEYS KEYS a',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5 BOGUS KEYS a',
        "COMMAND GETKEYS MIGRATE h 1 k 0 5 KEYS a",
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5 KEYS',
        'COMMAND GETKEYS MIGRATE h 1 "" 0 5',
        "COMMAND GETKEYS MIGRATE h 1 k 0",
        "COMMAND GETKEYSANDFLAGS MIGRATE h 1 k 0 5",
        'COMMAND GETKEYSANDFLAGS MIGRATE h 1 "" 0 5 KEYS a b',
        "COMMAND GETKEYS RESTORE-ASKING k 0 payload",
        "COMMAND INFO MIGRATE RESTORE-ASKING",
        "COMMAND DOCS MIGRATE",
    ])


def test_restore_asking(diff, ref):
    ref.set("k", "v")
    payload = ref.dump("k")
    diff.run([
        "SET k v",
        "DUMP k",
        ("RESTORE-ASKING", "k2", "0", payload),
        "RESTORE-ASKING k 0 bad",
        "RESTORE-ASKING k2 0 bad REPLACE",
        "RESTORE-ASKING k",
        ("RESTORE-ASKING", "k3", "-1", payload),
        ("RESTORE-ASKING", "k2", "0", payload),
        ("RESTORE-ASKING", "k2", "0", payload, "REPLACE", "ABSTTL"),
        "GET k2",
    ])


CLOSE = object()


def parse_commands(buf):
    """The complete RESP commands at the start of buf, and the rest."""
    cmds = []
    while True:
        pos = 0
        if not buf.startswith(b"*"):
            return cmds, buf
        end = buf.find(b"\r\n")
        if end < 0:
            return cmds, buf
        n = int(buf[1:end])
        pos = end + 2
        args = []
        for _ in range(n):
            end = buf.find(b"\r\n", pos)
            if end < 0:
                return cmds, buf
            ln = int(buf[pos + 1:end])
            if len(buf) < end + 2 + ln + 2:
                return cmds, buf
            args.append(buf[end + 2:end + 2 + ln])
            pos = end + 2 + ln + 2
        cmds.append(args)
        buf = buf[pos:]


class FakeTarget:
    """A listener answering each command as answer(conn_index, cmd_index,
    args) says: reply bytes, or CLOSE to close the connection unanswered.
    Records every connection's commands in .seen."""

    def __init__(self, answer):
        self.answer = answer
        self.seen = []
        self.lsn = socket.socket()
        self.lsn.bind(("127.0.0.1", 0))
        self.lsn.listen(8)
        self.port = self.lsn.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                s, _ = self.lsn.accept()
            except OSError:
                return
            self.seen.append([])
            threading.Thread(target=self._serve, args=(s, len(self.seen) - 1),
                             daemon=True).start()

    def _serve(self, s, n):
        s.settimeout(10)
        buf = b""
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    return
                cmds, buf = parse_commands(buf + data)
                for args in cmds:
                    self.seen[n].append(args)
                    r = self.answer(n, len(self.seen[n]) - 1, args)
                    if r is CLOSE:
                        return
                    s.sendall(r)
        except OSError:
            pass
        finally:
            s.close()

    def close(self):
        self.lsn.close()


@pytest.fixture
def fakes():
    made = []

    def factory(answer):
        pair = [FakeTarget(answer), FakeTarget(answer)]
        made.extend(pair)
        return pair

    yield factory
    for f in made:
        f.close()


def without_payloads(seen):
    return [[a[:3] + a[4:] if a[0] == b"RESTORE" else a for a in conn] for conn in seen]


def test_wire_commands(pair, fakes):
    fs = fakes(lambda n, i, args: b"+OK\r\n")
    ports = [f.port for f in fs]
    pair.run(["SET a 1", "SET b 2", "PEXPIRE b 100000", "SET c 3"])
    pair.run([
        "MIGRATE {host} {port} a 5 5000 COPY",
        'MIGRATE {host} {port} "" 5 5000 REPLACE AUTH pw KEYS a b nosuch',
        "MIGRATE {host} {port} c 6 5000 AUTH2 user pw",
    ], ports=ports)
    seen = [without_payloads(f.seen) for f in fs]
    for s in seen:  # PEXPIRE 100000: the TTL sent is a little less
        for cmd in s[0]:
            if cmd[:2] == [b"RESTORE", b"b"]:
                assert 99000 < int(cmd[2]) <= 100000
                cmd[2] = b"ttl"
    assert seen[0] == seen[1]
    assert seen[0] == [[
        [b"SELECT", b"5"], [b"RESTORE", b"a", b"0"],
        [b"AUTH", b"pw"], [b"RESTORE", b"a", b"0", b"REPLACE"],
        [b"RESTORE", b"b", b"ttl", b"REPLACE"],
        [b"AUTH", b"user", b"pw"], [b"SELECT", b"6"], [b"RESTORE", b"c", b"0"]]]
    # a string's payload is 7.0's, byte for byte
    assert fs[0].seen[0][1][3] == fs[1].seen[0][1][3]


def test_connection_lost_after_some_replies(pair, fakes):
    # replies to SELECT and the first RESTORE, then closes: IOERR, and only
    # a, the key acknowledged, leaves the source (propagated as DEL a)
    fs = fakes(lambda n, i, args: CLOSE if i == 2 else b"+OK\r\n")
    pair.run(["SET a 1", "SET b 2", "SET c 3"])
    out = pair.run(['MIGRATE {host} {port} "" 0 5000 KEYS a b c', "EXISTS a b c"],
                   ports=[f.port for f in fs])
    assert out == [RespError(b"IOERR error or timeout reading to target instance"), 2], out
    for c in pair.srcs:
        assert info_field(c, "stats", "migrate_cached_sockets") == 0
    assert [len(f.seen) for f in fs] == [1, 1]  # no retry once a key was acknowledged


def test_connection_lost_before_any_reply_is_retried(pair, fakes):
    fs = fakes(lambda n, i, args: CLOSE if n == 0 else b"+OK\r\n")
    pair.run(["SET a 1", "SET b 2"])
    pair.run(['MIGRATE {host} {port} "" 0 5000 KEYS a b', "EXISTS a b"],
             ports=[f.port for f in fs])
    assert [len(f.seen) for f in fs] == [2, 2]
    # closed every time: one retry, then IOERR
    fs = fakes(lambda n, i, args: CLOSE)
    pair.run(["SET a 1", 'MIGRATE {host} {port} "" 0 5000 KEYS a', "EXISTS a"],
             ports=[f.port for f in fs])
    assert [len(f.seen) for f in fs] == [2, 2]


def test_odd_replies(pair, fakes):
    long_error = b"-ERR " + b"x" * 1500 + b"y" * 1000 + b"\r\n"

    def answer(n, i, args):
        if args[0] == b"RESTORE" and args[1] == b"long":
            return long_error
        if args[0] == b"RESTORE" and args[1] == b"int":
            return b":1\r\n"
        return b"+OK\r\n"

    fs = fakes(answer)
    pair.run(["SET long 1", "SET int 1", "SET next 1", "SET after 1"])
    out = pair.run([
        # the first 1023 bytes of the line are the error...
        "MIGRATE {host} {port} long 0 5000",
        # ...the rest is read as the next reply (not an error: success)
        "MIGRATE {host} {port} next 0 5000",
        "MIGRATE {host} {port} int 0 5000",
        "MIGRATE {host} {port} after 0 5000",
        "EXISTS long int next after",
    ], ports=[f.port for f in fs])
    assert out[0] == RespError(b"ERR Target instance replied with error: ERR "
                               + b"x" * 1018), out[0]
    assert out[1:] == [b"OK", b"OK", b"OK", 1], out


def test_cache_holds_64_connections(pair, fakes):
    fs = [fakes(lambda n, i, args: b"+OK\r\n") for _ in range(65)]
    pair.run(["SET k v"])
    for f in fs:
        pair.run(["MIGRATE {host} {port} k 0 5000 COPY"], ports=[f[0].port, f[1].port])
        for c in pair.srcs:
            assert info_field(c, "stats", "migrate_cached_sockets") == min(
                fs.index(f) + 1, 64)
    # each target got one connection: the cache reused none
    assert all(len(f[0].seen) == len(f[1].seen) == 1 for f in fs)
    # streamd dropped the least recently used (7.0: a random one): the 64
    # others are reused
    sd = pair.srcs[0]
    for f in fs[1:]:
        assert sd.call("MIGRATE", "127.0.0.1", f[0].port, "k", 0, 5000, "COPY") == b"OK"
        assert len(f[0].seen) == 1
    assert sd.call("MIGRATE", "127.0.0.1", fs[0][0].port, "k", 0, 5000, "COPY") == b"OK"
    assert len(fs[0][0].seen) == 2
