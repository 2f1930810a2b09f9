"""ACL, differentially: the same ACL commands, authentications and refused
commands to streamd and redis-server 7.0, replies compared byte for byte.

What differs by nature is compared by shape: ACL GENPASS (random), ACL LOG's
age-seconds and client-info (time, ports, buffer sizes), and the order of
the single commands in a user's rules (Redis lists them in its hash table's
order, random per process: those rules are compared as sets of words).
streamd has fewer commands than Redis 7.0, so how a rule set is described
(which categories stand for which commands) is compared only where both
servers' categories hold the same commands in the case at hand.
"""

import pytest

from testlib import IS_REDIS
from testlib.diff import Call, as_flat, sorted_reply
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def _reset_acl(conn):
    for name in conn.call("ACL", "USERS"):
        if name != b"default":
            conn.call("ACL", "DELUSER", name)
    conn.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
    conn.call("ACL", "LOG", "RESET")


@pytest.fixture
def acl(diff, server, ref_server):
    for srv in (server, ref_server):
        c = srv.raw()
        _reset_acl(c)
        c.close()
    yield diff
    diff.close()
    for srv in (server, ref_server):
        c = srv.raw(auth=False)
        try:
            c.call("AUTH", "default", "pw")
        except RespError:
            pass
        _reset_acl(c)
        c.close()


def without_array(v):
    """ACL CAT without the categories 7.0 lacks: Redis 8.8's "array", Redis
    8's module types' "bloom", "cuckoo", "cms", "topk", "tdigest", "vectorset", "json",
    "timeseries" and "search"."""
    newer = {b"array", b"bloom", b"cuckoo", b"cms", b"topk", b"tdigest", b"vectorset", b"json",
             b"timeseries", b"search"}
    return [x for x in v if x not in newer] if isinstance(v, list) else v


def rule_words(v):
    """A user's description with its words as a set after the first (the
    -@all / +@all base stays first): single commands come in hash order."""
    def words(b):
        parts = b.split(b" ")
        return (parts[0], tuple(sorted(parts[1:])))

    if isinstance(v, bytes) and (v.startswith(b"-@all") or v.startswith(b"+@all")):
        return words(v)
    if isinstance(v, bytes) and v.startswith(b"user "):
        return tuple(sorted(v.split(b" ")))
    if isinstance(v, (list, dict)):
        return [rule_words(x) for x in as_flat(v)]
    return v


def log_shape(v):
    """ACL LOG entries with age-seconds checked to be a small number and
    client-info reduced to its user= and db= fields."""
    out = []
    for e in v:
        e = as_flat(e)
        m = dict(zip(e[::2], e[1::2]))
        assert 0 <= float(m[b"age-seconds"]) < 30
        fields = dict(kv.split(b"=", 1) for kv in m[b"client-info"].split(b" ") if b"=" in kv)
        m[b"age-seconds"] = "age"
        m[b"client-info"] = (fields[b"user"], fields[b"db"])
        out.append([e[i] for i in range(0, len(e), 2)] + [m[k] for k in e[::2]])
    return out


def test_setuser_errors(acl):
    acl.run([
        "ACL SETUSER x foo",
        "ACL SETUSER x +nosuch",
        "ACL SETUSER x +@nosuch",
        "ACL SETUSER x ~a allkeys ~b",
        "ACL SETUSER x allkeys ~b",
        "ACL SETUSER x allchannels &b",
        "ACL SETUSER x <nopass",
        "ACL SETUSER x !abc",
        "ACL SETUSER x #ABC",
        "ACL SETUSER x +xinfo|stream|x",
        "ACL SETUSER x +xinfo|nosuch",
        "ACL SETUSER x +@stream|x",
        "ACL SETUSER x +get|",
        "ACL SETUSER x +|",
        "ACL SETUSER x -select|0",
        "ACL SETUSER x a|y",
        "ACL SETUSER x %Q~a",
        "ACL SETUSER x %~a",
        "ACL SETUSER x '~a b'",
        "ACL SETUSER x '(+set' '~b*'",
        "ACL SETUSER x '(+set' '~b*)x'",
        "ACL SETUSER x '(+set ~b* on)'",
        "ACL SETUSER x '(+set allkeys ~x)'",
        "ACL SETUSER x '+get)'",
        "ACL SETUSER x on >p1 +get nosuchrule",  # one bad rule: nothing applied
        "ACL GETUSER x",
        "ACL SETUSER 'a b' on",
        "ACL SETUSER",
        "ACL DELUSER default",
        "ACL CAT nosuch",
        "ACL GENPASS 0",
        "ACL GENPASS 4097",
        "ACL GENPASS abc",
        "ACL WHOAMI x",
        "ACL LOG x",
        "ACL LOG reset x",
        "ACL NOSUCH",
        "ACL",
        "ACL USERS x",
        "ACL DRYRUN nosuch get",
        "ACL DRYRUN default nosuchcmd",
        "ACL DRYRUN default get",
        "ACL LOAD",
        "ACL SAVE",
        "AUTH a b c",
        "AUTH onlypass",
    ])


def test_users_and_their_description(acl):
    acl.run([
        "ACL SETUSER u1 on >abc +@stream -xadd +client|id ~foo* %R~bar &ch* +get",
        Call("ACL GETUSER u1", norm=rule_words),
        "ACL SETUSER y +select|0 +select|1 -@all +select|2",
        "ACL GETUSER y",
        "ACL SETUSER y resetkeys ~a* ~b %RW~c %W~d %R~e %R",
        "ACL GETUSER y",
        "ACL SETUSER r on nopass sanitize-payload ~a &b +get",
        "ACL GETUSER r",
        "ACL SETUSER r reset",
        "ACL GETUSER r",
        "ACL SETUSER r10 ~a %R~a %W~b ~b",
        "ACL SETUSER r11 on >a >b >a <b > <",
        "ACL SETUSER r12 on #ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        "ACL SETUSER r12 !ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        "ACL SETUSER r3 +@all -get",
        "ACL SETUSER r4 allcommands -@all",
        "ACL SETUSER r5 -@all +@all",
        "ACL SETUSER r7 +@all -@read +get",
        "ACL SETUSER r8 +client +@all -client|kill",
        "ACL SETUSER r9 -@all +client -client|kill",
        "ACL SETUSER r13 +@all -@dangerous",
        "ACL SETUSER r15 -@all +@admin +@dangerous",
        "ACL SETUSER r16 -@all +@fast",
        "ACL SETUSER r17 +@all -@fast +get",
        "ACL SETUSER r18 -@all +@read +@write",
        "ACL SETUSER r19 +xadd +@read -get",
        "ACL SETUSER r22 +@all -@admin",
        "ACL SETUSER r24 +@stream -@write",
        "ACL SETUSER r20 on skip-sanitize-payload allkeys allchannels nocommands +xadd",
        "ACL SETUSER r21 ~* resetkeys &* resetchannels",
        "ACL SETUSER s1 on nopass +get ~a* (+set ~b*) '(+del' '&ch*' '%R~c*)' '(' ')' ()",
        "ACL GETUSER s1",
        "ACL DRYRUN s1 set a1 v",
        "ACL DRYRUN s1 set b1 v",
        "ACL DRYRUN s1 del c1",
        "ACL DRYRUN s1 get d1",
        "ACL DRYRUN s1 publish x m",
        "ACL SETUSER s2 (~x +get) reset",
        "ACL SETUSER s3 '(+@all ~* &*)' +get",
        "ACL SETUSER s4 (+get ~x) (+set) clearselectors",
        Call("ACL LIST", norm=rule_words),
        "ACL USERS",
        "ACL DELUSER r r3 nosuch",
        "ACL USERS",
        "ACL GETUSER nosuch",
        "ACL WHOAMI",
        Call("ACL CAT", norm=without_array),
        Call("ACL CAT pubsub", norm=sorted_reply),
        Call("ACL CAT transaction", norm=sorted_reply),
        "ACL HELP",
        "ACL LOG -1",
        "ACL LOG",
    ])
    acl.run([Call("ACL GETUSER u1", norm=rule_words)], resp=3)
    ours = acl.run([Call("ACL GENPASS", cmp=lambda a, b: len(a) == len(b) == 64),
                    Call("ACL GENPASS 5", cmp=lambda a, b: len(a) == len(b) == 2),
                    Call("ACL GENPASS 4096", cmp=lambda a, b: len(a) == len(b) == 1024)])
    assert all(set(p) <= set(b"0123456789abcdef") for p in ours)


def test_enforcement(acl):
    acl.run([
        "ACL SETUSER lim on >pw ~k* &ch* -@all +get +set +xadd +xrange +eval +multi +exec "
        "+subscribe +psubscribe +publish +ssubscribe +spublish +acl|whoami +client|id +select|1 "
        "+pubsub|numsub +unsubscribe +ping",
        "ACL DRYRUN lim get k1",
        "ACL DRYRUN lim get x1",
        "ACL DRYRUN lim del x1",
        "ACL DRYRUN lim publish zz m",
        "ACL DRYRUN lim client list",
        "ACL DRYRUN lim select 1",
        "ACL DRYRUN lim select 2",
        "ACL DRYRUN lim psubscribe ch*",
        "ACL DRYRUN lim psubscribe c*",
        "ACL DRYRUN lim ssubscribe zz",
        "ACL DRYRUN lim auth a b",
        "ACL DRYRUN lim xadd k1 * f v",
        "ACL DRYRUN lim xadd x1 * f v",
        "AUTH lim wrong",
        "AUTH nosuch pw",
        "AUTH lim pw",
        "ACL WHOAMI",
        "GET x1",
        "GET k1",
        "SET k1 v",
        "SET x1 v",
        "XADD k2 1-1 f v",
        "XRANGE x2 - +",
        "DEL x",
        "CLIENT LIST",
        Call("CLIENT ID", cmp=lambda a, b: isinstance(a, int) and isinstance(b, int)),
        "PUBLISH zz m",
        "PUBLISH ch1 m",
        "SSUBSCRIBE zz",
        "SPUBLISH zz m",
        "EVAL \"return redis.call('get','x1')\" 0",
        "EVAL \"return redis.pcall('get','x1')\" 0",
        "EVAL \"return redis.pcall('get','k1')\" 0",
        "EVAL \"return redis.pcall('del','x1')\" 0",
        "EVAL \"return redis.pcall('publish','zz', 'x')\" 0",
        "EVAL \"return redis.acl_check_cmd('get','x1')\" 0",
        "EVAL \"return redis.acl_check_cmd('get','k1')\" 0",
        "EVAL \"return redis.acl_check_cmd('del','k1')\" 0",
        "EVAL \"return redis.acl_check_cmd('nosuch','k1')\" 0",
        "MULTI",
        "GET x",
        "GET k",
        "EXEC",
        "MULTI",
        "GET k",
        "DEL k",
        "EXEC",
        "SELECT 2",
        "SELECT 1",
        "SUBSCRIBE ch1 zz",
        "PSUBSCRIBE c*",
        "SUBSCRIBE ch1",
        "PSUBSCRIBE ch*",
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "PING",
        "RESET",
        "ACL WHOAMI",
        Call("ACL LOG 1", norm=log_shape),
        Call("ACL LOG", norm=log_shape),
        "ACL LOG RESET",
        "ACL LOG",
    ])


def test_auth_and_default_user(acl):
    acl.run([
        "AUTH default anything",  # nopass: any password does
        "ACL SETUSER default resetpass >pw",
        Call("PING", client=1),
        Call("AUTH wrong", client=1),
        Call("HELLO 2 AUTH default wrong", client=1, norm=lambda v: v),
        Call("HELLO 3", client=1),
        Call("AUTH pw", client=1),
        Call("ACL WHOAMI", client=1),
        "ACL SETUSER bob on >bobpw +@all ~*",
        Call("HELLO 2 AUTH bob nope", client=2),
        Call("HELLO 2 AUTH bob bobpw SETNAME x", client=2, norm=lambda v: as_flat(v)[:2]),
        Call("ACL WHOAMI", client=2),
        "ACL SETUSER bob off",
        Call("AUTH bob bobpw", client=3),
        Call("ACL WHOAMI", client=2),  # already authenticated: stays
        "ACL DELUSER bob",
        "ACL SETUSER default nopass",
        Call("ACL LOG", norm=log_shape),
    ])
