"""COMMAND INFO / DOCS / GETKEYS / GETKEYSANDFLAGS / HELP against redis-server 7.0.

For every command in streamd's COMMAND LIST that redis-server 7.0 also has,
COMMAND INFO and COMMAND DOCS must reply byte for byte as 7.0 does, in RESP2
and RESP3, except for the deliberate differences src/server/command_meta.c
lists (and this module repeats, so a new difference fails here until it is
named):

  - DOCS of the stream commands Redis changed after 7.0 (newer summary,
    arguments and history) and of SET (8.4's IFEQ/IFNE/IFDEQ/IFDNE), BITOP (8.2's DIFF, DIFF1, ANDOR, ONE)
    and ZUNION/ZINTER/ZUNIONSTORE/ZINTERSTORE (8.8's AGGREGATE COUNT): NEWER_DOCS;
  - ZRANK / ZREVRANK with 7.2's WITHSCORE: INFO (arity -3) and DOCS: NEWER_INFO, NEWER_DOCS;
  - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL, FCALL_RO with 8.10's script_runner flag: NEWER_INFO;
  - commands 7.0 lacks (CLIENT NO-TOUCH, CLIENT SETINFO, WAITAOF, the 8.x stream commands,
    8.4's DIGEST, DELEX and MSETEX, 8.8's INCREX and array commands, 8.10's SUNIONCARD, SDIFFCARD, LMOVEM, BLMOVEM and HIMPORT, streamd's XIDMPCOUNTERS): not compared here; tests/integration/test_command_meta_new.py
    checks their structure;
  - containers list only the subcommands streamd has, in its order (Redis's
    order is its dict's and changes from run to run): compared as parsed
    values with Redis's list cut down and reordered to ours.
"""

import pytest

from testlib import IS_REDIS
from testlib.diff import canon
from testlib.resp import RespSet

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd's command table with 7.0's")

NEWER_DOCS = {"xadd", "xtrim", "xread", "xreadgroup", "xinfo|stream", "xinfo|consumers", "set", "bitop",
              "zrank", "zrevrank"}
# 7.2's ZRANK / ZREVRANK WITHSCORE: arity -3 (7.0: 3)
NEWER_INFO = {"zrank", "zrevrank"}
# 8.10's script_runner flag (last in the flags)
NEWER_INFO |= {"eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"}
NOT_IN_70 = {"client|no-touch", "client|setinfo", "waitaof", "xackdel", "xcfgset", "xdelex", "xidmpcounters", "xidmprecord",
             "xnack", "digest", "delex", "msetex", "hotkeys", "hotkeys|start", "hotkeys|stop", "hotkeys|get",
             "hotkeys|reset", "hotkeys|help"}
NOT_IN_70 |= {"hgetdel", "hgetex", "hsetex"}  # hashes: Redis 8.0
NOT_IN_70 |= {"hexpire", "hpexpire", "hexpireat", "hpexpireat", "httl", "hpttl", "hexpiretime",
              "hpexpiretime", "hpersist"}  # hashes: Redis 7.4 field expiration
NEWER_DOCS |= {"hscan"}  # hashes: 7.4's NOVALUES
NOT_IN_70 |= {"sunioncard", "sdiffcard"}  # sets: Redis 8.10
NOT_IN_70 |= {"increx"}  # strings: Redis 8.8
NOT_IN_70 |= {"lmovem", "blmovem"}  # lists: Redis 8.10
NOT_IN_70 |= {"himport", "himport|prepare", "himport|set", "himport|discard",
              "himport|discardall"}  # hashes: Redis 8.10
NOT_IN_70 |= {"cms.initbydim", "cms.initbyprob", "cms.incrby", "cms.query", "cms.merge", "cms.info",
              "topk.reserve", "topk.add", "topk.incrby", "topk.query", "topk.count", "topk.list",
              "topk.info", "tdigest.create", "tdigest.add", "tdigest.reset", "tdigest.merge",
              "tdigest.min", "tdigest.max", "tdigest.quantile", "tdigest.cdf", "tdigest.rank",
              "tdigest.revrank", "tdigest.byrank", "tdigest.byrevrank", "tdigest.trimmed_mean",
              "tdigest.info"}  # Redis 8's count-min sketch, Top-K and t-digest
NEWER_DOCS |= {"slowlog|get"}  # 8.10's argument count in the entries: a history entry
NEWER_DOCS |= {"zunion", "zinter", "zunionstore", "zinterstore"}  # 8.8's AGGREGATE COUNT
NOT_IN_70 |= {"arset", "armset", "arget", "armget", "ardel", "ardelrange", "arlen", "arcount",
              "argetrange", "arscan", "argrep", "arop", "arinsert", "arring", "arnext", "arseek",
              "arlastitems", "arinfo"}  # arrays: Redis 8.8
NOT_IN_70 |= {"backup", "backup|start", "backup|seal", "backup|status", "backup|list", "backup|abort",
              "backup|cleanup", "backup|help"}  # BACKUP: Redis 8.10
NOT_IN_70 |= {"bf.reserve", "bf.add", "bf.madd", "bf.insert", "bf.exists", "bf.mexists", "bf.info",
              "bf.card", "bf.scandump", "bf.loadchunk", "cf.reserve", "cf.add", "cf.addnx",
              "cf.insert", "cf.insertnx", "cf.exists", "cf.mexists", "cf.count", "cf.del", "cf.info",
              "cf.scandump", "cf.loadchunk"}  # Bloom and Cuckoo filters: Redis 8
NOT_IN_70 |= {"vadd", "vrem", "vsim", "vdim", "vcard", "vemb", "vlinks", "vinfo", "vsetattr",
              "vgetattr", "vrandmember", "vismember", "vrange"}  # vector sets: Redis 8.0 .. 8.4
NOT_IN_70 |= {"json." + n for n in (  # JSON (RedisJSON): Redis 8.0
    "set", "get", "del", "forget", "mget", "mset", "merge", "type", "numincrby", "nummultby",
    "toggle", "strappend", "strlen", "arrappend", "arrindex", "arrinsert", "arrlen", "arrpop",
    "arrtrim", "objkeys", "objlen", "clear", "resp", "debug")}
NOT_IN_70 |= {"ts.create", "ts.alter", "ts.add", "ts.madd", "ts.incrby", "ts.decrby", "ts.del",
              "ts.get", "ts.info", "ts.range", "ts.revrange", "ts.createrule", "ts.deleterule",
              "ts.queryindex", "ts.mget", "ts.mrange", "ts.mrevrange", "ts.nrange",
              "ts.nrevrange", "ts.read",
              "ts.querylabels"}  # time series: Redis 8.0 (NRANGE, READ, QUERYLABELS: 8.10)
NOT_IN_70 |= {"ft.dictadd", "ft.dictdel", "ft.dictdump", "ft.config",
              "ft.sugadd", "ft.sugget", "ft.sugdel", "ft.suglen"}  # the query engine (ftaux): Redis 8.0
NOT_IN_70 |= {"ft.create", "ft.alter", "ft.dropindex", "ft.info", "ft._list", "ft.aliasadd",
              "ft.aliasupdate", "ft.aliasdel", "ft.tagvals", "ft.synupdate", "ft.syndump",
              "ft.explain", "ft.explaincli", "ft.search", "ft.profile", "ft.drop"}  # ftcore: Redis 8.0
NOT_IN_70 |= {"ft.spellcheck"}  # ftmore: Redis 8.0
NOT_IN_70 |= {"ft.aliaslist"}  # ftmore: Redis 8.10
NOT_IN_70 |= {"ft.aggregate", "ft.cursor", "ft.cursor|read", "ft.cursor|del",
              "ft.cursor|gc"}  # ftagg: Redis 8.0
NOT_IN_70 |= {"ft.hybrid"}  # fthybrid: Redis 8.4


def conns(server, ref_server, proto):
    a, b = server.raw(), ref_server.raw()
    if proto == 3:
        a.call("HELLO", "3")
        b.call("HELLO", "3")
    return a, b


@pytest.fixture(scope="module")
def names(server):
    c = server.raw()
    out = sorted(x.decode() for x in c.call("COMMAND", "LIST"))
    c.close()
    return out


@pytest.fixture(scope="module")
def containers(server):
    c = server.raw()
    out = {}
    for e in c.call("COMMAND"):
        if e[9]:
            out[e[0].decode()] = [s[0].decode() for s in e[9]]
    c.close()
    return out


def test_exception_lists_are_current(names, containers):
    for n in NEWER_DOCS | NEWER_INFO | NOT_IN_70:
        assert n in names
    assert {"xinfo", "xgroup", "config", "client", "command", "object", "memory"} <= set(containers)


@pytest.mark.parametrize("proto", [2, 3])
def test_info_and_docs_byte_exact(server, ref_server, names, containers, proto):
    a, b = conns(server, ref_server, proto)
    compared = 0
    bad = []
    for n in names:
        if n in NOT_IN_70 or n in containers:
            continue
        for kind in ("INFO", "DOCS"):
            if (kind == "DOCS" and n in NEWER_DOCS) or (kind == "INFO" and n in NEWER_INFO):
                continue
            mine, theirs = a.call_raw("COMMAND", kind, n), b.call_raw("COMMAND", kind, n)
            compared += 1
            if mine != theirs:
                bad.append((kind, n, mine[:300], theirs[:300]))
    assert not bad, bad
    assert compared > 120


def _reorder_info(entry, order):
    subs = {s[0].decode(): s for s in entry[9]}
    return entry[:9] + [RespSet(subs[n] for n in order if n in subs)]


def _reorder_docs(doc, order):
    out = dict(doc)
    if b"subcommands" in doc:
        subs = {k.decode(): v for k, v in doc[b"subcommands"].items()}
        out[b"subcommands"] = {n.encode(): subs[n] for n in order if n in subs}
    return out


@pytest.mark.parametrize("proto", [2, 3])
def test_containers(server, ref_server, containers, proto):
    a, b = conns(server, ref_server, proto)
    for name, subs in containers.items():
        if name in NOT_IN_70:  # a container 7.0 lacks (HOTKEYS)
            continue
        shared = [s for s in subs if s not in NOT_IN_70]
        mine = a.call("COMMAND", "INFO", name)[0]
        theirs = b.call("COMMAND", "INFO", name)[0]
        if proto == 2:  # maps are flat arrays in RESP2: compare the entries by name
            assert len(mine) == 10 and len(theirs) == 10
        assert {s[0].decode() for s in theirs[9]} >= set(shared), name
        assert canon(_reorder_info(mine, shared)) == canon(_reorder_info(theirs, shared)), name
        if proto == 3:
            d_mine = a.call("COMMAND", "DOCS", name)[name.encode()]
            d_theirs = b.call("COMMAND", "DOCS", name)[name.encode()]
            d_mine = _reorder_docs(d_mine, [s for s in shared if s not in NEWER_DOCS])
            d_theirs = _reorder_docs(d_theirs, [s for s in shared if s not in NEWER_DOCS])
            assert canon(d_mine) == canon(d_theirs), name


GETKEYS_LINES = [
    "set k v",
    "set k v get",
    "set k v ex 10 get",
    "get k",
    "getdel k",
    "mset a 1 b 2",
    "mget a b c",
    "del a b c",
    "unlink a",
    "exists a b",
    "rename a b",
    "renamenx a b",
    "expire k 10",
    "ttl k",
    "append k v",
    "incrby k 2",
    "xadd s * f v",
    "xadd s maxlen ~ 10 * f v",
    "xrange s - +",
    "xlen s",
    "xtrim s maxlen 0",
    "xdel s 1-1",
    "xread count 1 streams a b 0 0",
    "xread count 1 streams a b 0",
    "xread streams a 0",
    "xread count 1",
    "xread count 1 block 0",
    "xreadgroup group g c streams a 0",
    "xreadgroup group g c count 1 streams a b > >",
    "xreadgroup group g c count 1 noack x y",
    "xack s g 1-1",
    "xpending s g",
    "xclaim s g c 0 1-1",
    "xautoclaim s g c 0 0",
    "xsetid s 1-1",
    "xgroup create s g $",
    "xgroup help",
    "xinfo stream k",
    "xinfo groups k",
    "xinfo consumers k g",
    "xinfo nosuch k",
    "object encoding k",
    "memory usage k",
    "type k",
    "ping",
    "ping a",
    "echo a",
    "get",
    "nosuch a",
    "config get x",
    "multi",
    "command info x",
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("sub", ["GETKEYS", "GETKEYSANDFLAGS"])
def test_getkeys(server, ref_server, proto, sub):
    a, b = conns(server, ref_server, proto)
    bad = []
    for line in GETKEYS_LINES:
        args = ["COMMAND", sub] + line.split()
        mine, theirs = a.call_raw(*args), b.call_raw(*args)
        if mine != theirs:
            bad.append((line, mine, theirs))
    assert not bad, bad


@pytest.mark.parametrize("proto", [2, 3])
def test_misc_replies(server, ref_server, proto):
    a, b = conns(server, ref_server, proto)
    for args in [
        ("COMMAND", "HELP"),
        ("COMMAND", "INFO", "nosuch"),
        ("COMMAND", "INFO", "get", "nosuch", "XINFO|STREAM", "xinfo|nosuch", "Set"),
        ("COMMAND", "DOCS", "nosuch"),
        ("COMMAND", "DOCS", "get", "nosuch", "xlen"),
        ("COMMAND", "DOCS", "config|get"),
        ("COMMAND", "DOCS", "GET", "XLen", "CONFIG|GET", "config|Get", "Echo"),
        ("COMMAND", "GETKEYS"),
        ("COMMAND", "GETKEYSANDFLAGS", "get"),
    ]:
        assert a.call_raw(*args) == b.call_raw(*args), args


@pytest.mark.parametrize("proto", [2, 3])
def test_full_listing_is_the_entries(server, names, proto):
    """COMMAND, COMMAND INFO and COMMAND DOCS without names: one entry per
    top-level command, each the same as when asked for by name."""
    a = server.raw()
    if proto == 3:
        a.call("HELLO", "3")
    count = a.call("COMMAND", "COUNT")
    top = [n for n in names if "|" not in n]
    assert count == len(top)
    for listing in (a.call("COMMAND"), a.call("COMMAND", "INFO")):
        assert sorted(e[0].decode() for e in listing) == top
        for e in listing:
            assert canon(e) == canon(a.call("COMMAND", "INFO", e[0])[0])
    docs = a.call("COMMAND", "DOCS")
    if proto == 2:
        docs = {docs[i]: docs[i + 1] for i in range(0, len(docs), 2)}
    assert sorted(k.decode() for k in docs) == top
    for k, v in docs.items():
        one = a.call("COMMAND", "DOCS", k)
        if proto == 2:
            one = {one[0]: one[1]}
        assert canon(one[k]) == canon(v)


@pytest.mark.parametrize("cat", ["stream", "keyspace", "read", "write", "fast", "slow", "admin",
                                 "dangerous", "connection", "pubsub", "blocking", "string",
                                 "transaction"])
def test_list_filterby_aclcat(server, ref_server, names, containers, cat):
    """COMMAND LIST FILTERBY ACLCAT: the commands and subcommands (as
    parent|sub) of a category, as 7.0 lists those streamd has."""
    ours_all = set(names) | {"%s|%s" % (p, s) for p, subs in containers.items() for s in subs}
    a, b = server.raw(), ref_server.raw()
    mine = {x.decode() for x in a.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)}
    theirs = {x.decode() for x in b.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)}
    assert mine - NOT_IN_70 == theirs & ours_all
    a.close()
    b.close()
