"""CONFIG GET with patterns, exact names and aliases, against 7.0.

Redis 7.0 keeps every option's name and its old alias (hash-max-ziplist-*,
slave-*, slaveof) as entries of their own: a pattern gives each name it
matches, aliases included; an exact name gives the option under the name as
spelled; a name already answered (in any case) is not repeated, but an
option and its alias may both be; a testing knob (rdb-key-save-delay) is
answered only by exact name. The reply's order is 7.0's hash order, so
replies are compared as sorted pairs.

streamd has fewer options than 7.0 (no cluster, TLS, defrag, ...): every
comparison is over the names streamd knows, found by asking it each of
7.0's names one at a time (independently of the pattern code under test),
and a separate check makes sure streamd answers no name 7.0 lacks besides
its own newer options.
"""

import pytest

from testlib import IS_REDIS
from testlib.diff import Call
from testlib.resp import RespError

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

# newer than 7.0 (Redis 8's idempotent XADD)
# Redis 8.x options 7.0 lacks: IDMP's stream defaults (8.6), the slow log's
# entry limits (8.8), BACKUP's (8.10)
STREAMD_ONLY = {b"stream-idmp-duration", b"stream-idmp-maxsize", b"slowlog-entry-max-argc",
                b"slowlog-entry-max-string-len", b"backupdirname", b"backup-sealed-ttl",
                b"tls-auth-clients-user", b"busy-poll-us"}
# Redis 8's Bloom and Cuckoo filter options
STREAMD_ONLY |= {b"bf-error-rate", b"bf-initial-size", b"bf-expansion-factor", b"cf-bucket-size",
                 b"cf-initial-size", b"cf-max-iterations", b"cf-expansion-factor",
                 b"cf-max-expansions"}
STREAMD_ONLY |= {b"ts-retention-policy", b"ts-chunk-size-bytes", b"ts-duplicate-policy",
                 b"ts-encoding", b"ts-ignore-max-time-diff",
                 b"ts-ignore-max-val-diff", b"ts-compaction-policy"}  # time series (Redis 8)
STREAMD_ONLY |= {n for n in (b"search-" + s for s in (  # the query engine (Redis 8)
    b"default-dialect", b"timeout", b"min-prefix", b"max-prefix-expansions",
    b"max-search-results", b"max-aggregate-results", b"cursor-max-idle", b"index-cursor-limit",
    b"max-doctablesize", b"min-stem-len", b"min-phonetic-term-len", b"union-iterator-heap",
    b"gc-scan-size", b"fork-gc-run-interval", b"fork-gc-clean-threshold",
    b"fork-gc-retry-interval", b"fork-gc-sleep-before-exit", b"workers",
    b"min-operation-workers", b"tiered-hnsw-buffer-limit", b"workers-priority-bias-threshold",
    b"multi-text-slop", b"vss-max-resize", b"bg-index-sleep-gap", b"_numeric-ranges-parents",
    b"on-timeout", b"no-gc", b"no-mem-pools", b"partial-indexed-docs", b"raw-docid-encoding",
    b"_numeric-compress", b"_free-resource-on-thread", b"_print-profile-clock",
    b"_prioritize-intersect-union-children", b"ext-load", b"friso-ini"))}
# values that differ by nature between the two servers of the test
MASKED = {b"port", b"dir", b"bind", b"aof-use-rdb-preamble"}
HIDDEN = [b"rdb-key-save-delay"]


def pairs(v):
    if isinstance(v, dict):
        return list(v.items())
    return list(zip(v[0::2], v[1::2]))


@pytest.fixture(scope="module")
def known(server, ref_server):
    """The names (lower case) both servers know: each of 7.0's names that
    streamd answers when asked for it alone."""
    red, sd = ref_server.raw(), server.raw()
    names = [k for k, _ in pairs(red.call("CONFIG", "GET", "*"))] + HIDDEN
    out = set()
    for name in names:
        got = sd.call("CONFIG", "GET", name)
        if got:
            assert pairs(got)[0][0] == name
            out.add(name.lower())
    red.close()
    sd.close()
    # enough of them, aliases included, for the comparisons to mean something
    assert len(out) > 60
    assert {b"hash-max-ziplist-entries", b"slaveof", b"slave-priority"} <= out
    return out


def make_norm(known):
    def norm(v):
        if isinstance(v, RespError):
            return v
        return sorted((k, b"<masked>" if k.lower() in MASKED else val)
                      for k, val in pairs(v) if k.lower() in known)
    return norm


PATTERNS = [
    ("*",), ("*max*",), ("*MAX*",), ("*ziplist*",), ("*listpack*",), ("list-*",), ("*slave*",),
    ("slave*",), ("*replica*",), ("replica*",), ("?axmemory",), ("[hz]*",), ("*-max-*-value",),
    ("*max-*-entries*",), ("h*",), ("*entries",), ("*of",), ("*delay*",), ("rdb*",),
    ("*[",), ("[",), ("nosuch*",), ("",),
    # exact names: options, aliases, other cases
    ("hash-max-ziplist-entries",), ("HASH-MAX-ZIPLIST-ENTRIES",), ("hash-max-listpack-entries",),
    ("zset-max-ziplist-value",), ("list-max-ziplist-size",), ("slaveof",), ("replicaof",),
    ("slave-priority",), ("SLAVE-Priority",), ("rdb-key-save-delay",), ("nosuch",),
    # several at once
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("HASH-MAX-ZIPLIST-ENTRIES", "hash-max-ziplist-entries"),
    ("*ziplist*", "*listpack*"), ("*ziplist*", "*ziplist*"),
    ("maxmemory", "MAXMEMORY", "max*"), ("max*", "MAXMEMORY"), ("MAXMEMORY", "max*"),
    ("slaveof", "replicaof", "*of"), ("*of", "SLAVEOF"),
    ("rdb-key-save-delay", "*delay*"), ("*delay*", "rdb-key-save-delay"),
    ("list-max-ziplist-size", "list-*", "LIST-MAX-LISTPACK-SIZE"),
    ("*", "hash-max-ziplist-entries", "HASH-MAX-LISTPACK-ENTRIES"),
    ("nosuch", "port", "*nosuch*", "timeout", "port"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_patterns_and_aliases(diff, known, resp):
    norm = make_norm(known)
    diff.run([Call(("CONFIG", "GET") + p, norm=norm) for p in PATTERNS], resp=resp)


def test_aliases_follow_set(diff, known):
    """A value set through either name shows under both."""
    norm = make_norm(known)
    script = [
        ("CONFIG", "SET", "hash-max-ziplist-entries", "77"),
        Call(("CONFIG", "GET", "hash-max-*-entries"), norm=norm),
        ("CONFIG", "SET", "zset-max-listpack-value", "33"),
        Call(("CONFIG", "GET", "zset-max-*-value", "ZSET-MAX-ZIPLIST-VALUE"), norm=norm),
        ("CONFIG", "SET", "slave-priority", "5"),
        Call(("CONFIG", "GET", "*priority*"), norm=norm),
        ("CONFIG", "SET", "hash-max-listpack-entries", "128"),
        ("CONFIG", "SET", "zset-max-listpack-value", "64"),
        ("CONFIG", "SET", "replica-priority", "100"),
    ]
    diff.run(script)


def test_streamd_invents_no_name(server, ref_server):
    """Every name streamd answers to `*` is one 7.0 answers too (or one of
    streamd's newer options), each once."""
    sd, red = server.raw(), ref_server.raw()
    mine = [k for k, _ in pairs(sd.call("CONFIG", "GET", "*"))]
    theirs = {k for k, _ in pairs(red.call("CONFIG", "GET", "*"))}
    sd.close()
    red.close()
    assert len(mine) == len(set(mine))
    assert set(mine) - theirs == STREAMD_ONLY
    for hidden in HIDDEN:
        assert hidden not in mine and hidden not in theirs
