"""SORT and SORT_RO, differentially against redis-server 7.0: lists, sets
(intset and hash table) and sorted sets; numeric and ALPHA order, ASC/DESC,
LIMIT, BY patterns (string keys, hash fields with "->", constant patterns
that keep the value's own order), GET patterns ("#", keys, hash fields,
missing ones), STORE (a list, replacing any type; an empty result deletes
the destination), errors (syntax, LIMIT not an integer, scores that are not
numbers, WRONGTYPE), the ACL rule on BY/GET, RESP2 and RESP3.
"""

import pytest

from testlib import IS_REDIS
from testlib.diff import sorted_reply

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


def both(diff, script, norm=None):
    diff.run(script, norm=norm)
    diff.run(script, resp=3, norm=norm)


DATA = [
    "RPUSH l 3 1 2 10 -5 2.5 1e2 007",
    "RPUSH words banana apple cherry Apple '' b",
    "SADD si 5 3 9 1", "SADD ss pear fig kiwi",
    "ZADD z 3 c 1 a 2 b 0 d", "ZADD zn 5 10 4 2 3 30 1 1",
    "MSET w_3 30 w_1 10 w_2 20 w_10 5 w_-5 7 w_2.5 2 w_1e2 0 w_007 9",
    "MSET n_a Alice n_b Bob n_c Carol",
    "HSET h_3 f 3 g x", "HSET h_1 f 1", "HSET h_2 f 2 g y", "HSET h_10 f -1",
    "SET str v",
]

READS = [
    "SORT l", "SORT l DESC", "SORT l ASC", "SORT l LIMIT 0 3", "SORT l LIMIT 2 2",
    "SORT l LIMIT -1 2", "SORT l LIMIT 5 100", "SORT l LIMIT 100 1", "SORT l LIMIT 0 -1",
    "SORT l LIMIT 0 0", "SORT l DESC LIMIT 1 3", "SORT l ALPHA", "SORT l ALPHA DESC",
    "SORT words", "SORT words ALPHA", "SORT words ALPHA DESC LIMIT 1 2",
    "SORT si", "SORT si DESC", "SORT ss ALPHA", "SORT z ALPHA", "SORT zn", "SORT zn DESC",
    "SORT l BY w_*", "SORT l BY w_* DESC", "SORT l BY w_* ALPHA", "SORT l BY w_* LIMIT 1 3",
    "SORT l BY nosort", "SORT l BY nosort DESC", "SORT l BY nosort LIMIT 1 2",
    "SORT l BY nosort DESC LIMIT 2 3", "SORT z BY nosort", "SORT z BY nosort DESC",
    "SORT z BY nosort LIMIT 1 2", "SORT z BY nosort DESC LIMIT 1 10", "SORT zn BY nosort",
    "SORT l BY h_*->f", "SORT l BY h_*->f DESC", "SORT l BY h_*->g ALPHA",
    "SORT l BY h_*-> ", "SORT l BY h_*->",
    "SORT l GET #", "SORT l GET w_*", "SORT l GET # GET w_* GET h_*->f GET h_*->g",
    "SORT l BY w_* GET # GET w_*", "SORT l GET nostar", "SORT l GET str",
    "SORT zn GET n_* ALPHA", "SORT ss ALPHA GET #", "SORT l BY str GET #",
    "SORT_RO l", "SORT_RO l BY w_* GET # LIMIT 0 2", "SORT_RO zn DESC",
    "SORT missing", "SORT missing ALPHA", "SORT missing BY nosort GET #",
    # errors
    "SORT", "SORT str", "SORT l FOO", "SORT l LIMIT 1", "SORT l LIMIT a 1", "SORT l LIMIT 1 b",
    "SORT l BY", "SORT l GET", "SORT words", "SORT l BY n_*", "SORT_RO l STORE dst",
    "SORT l ALPHA LIMIT 1", "SORT str BY nosort", "SORT l limit 0 1 desc alpha",
]


def test_sort_reads(diff):
    both(diff, DATA + READS)


def test_sort_unordered_set_order(diff):
    """A set with BY nosort: the set's own order is the server's (compared
    sorted), except that STORE sorts it (ALPHA) so replicas agree."""
    big = "SADD big " + " ".join("m%d" % i for i in range(300))
    diff.run(["SADD s c a b", big, "SORT s BY nosort", "SORT big BY nosort"], norm=sorted_reply)
    both(diff, ["SADD s c a b", big, "SORT s BY nosort STORE d", "LRANGE d 0 -1",
                "SORT big BY nosort STORE d2", "LRANGE d2 0 -1", "SORT si BY nosort"])


STORES = [
    "SORT l STORE dst", "LRANGE dst 0 -1", "TYPE dst", "OBJECT ENCODING dst",
    "SORT l BY w_* GET # GET w_* STORE dst", "LRANGE dst 0 -1",
    "SORT l GET nokey_* STORE dst", "LRANGE dst 0 -1",
    "SET dst x", "SORT words ALPHA STORE dst", "LRANGE dst 0 -1",
    "SORT missing STORE dst", "EXISTS dst", "SORT missing STORE dst", "EXISTS dst",
    "SORT l LIMIT 100 1 STORE dst", "EXISTS dst", "SORT z ALPHA DESC STORE z",
    "TYPE z", "LRANGE z 0 -1", "SORT l STORE l", "LRANGE l 0 -1",
    "SORT words STORE dst", "EXISTS dst",
]


def test_sort_store(diff):
    both(diff, DATA + STORES)


def test_sort_zset_encoding(diff):
    """SORT turns a packed sorted set into a skiplist, as 7.0 does."""
    both(diff, ["ZADD z 1 a 2 b", "OBJECT ENCODING z", "SORT z ALPHA", "OBJECT ENCODING z"])


def test_sort_in_scripts_and_multi(diff):
    both(diff, ["SADD s c a b 10", "EVAL \"return redis.call('SORT', KEYS[1], 'BY', 'nosort')\" 1 s",
                "EVAL \"return redis.call('SORT', KEYS[1], 'ALPHA')\" 1 s",
                "MULTI", "SORT s ALPHA", "SORT s ALPHA STORE d", "EXEC", "LRANGE d 0 -1"])


def test_sort_acl(diff):
    both(diff, DATA + [
        "ACL SETUSER u on nopass ~l* ~w_* ~h_* +@all",
        "ACL SETUSER v on nopass %R~* +@all",
        "ACL SETUSER x on nopass allkeys +@all",
        "ACL SETUSER y on nopass ~* -sort +sort_ro (~* +sort)",
        "AUTH u pass", "SORT l", "SORT l BY w_*", "SORT l GET #", "SORT l BY nosort", "SORT_RO l GET w_*",
        "AUTH v pass", "SORT l BY w_*", "SORT_RO l GET #",
        "AUTH x pass", "SORT l BY w_* GET #",
        "AUTH y pass", "SORT l BY w_*", "SORT_RO l BY w_*",
        "AUTH default pass",
    ])
