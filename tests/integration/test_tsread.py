"""Redis 8.10's new time-series reads: TS.READ (optionally blocking, woken by
writes from other connections), TS.QUERYLABELS and TS.MRANGE/MREVRANGE
EXCLUDEEMPTY, written from their command pages and RedisTimeSeries' tests.
redis-py 4.3 has no helper for them, so they go through execute_command; the
blocked readers are RespConns whose reply is read after the write that must
wake them, with INFO's blocked_clients (testlib.block) telling when they
wait and whether they still do."""

import glob
import os
import time

import pytest
from redis.exceptions import ResponseError

from testlib.block import blocked_clients, wait_blocked
from test_aof import aof_dir
from testlib.cmds import AOF_ALWAYS, err, x
from testlib.resp import RespError
from testlib.server import SLOW

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
DENIED = ("TSDB: blocking TS.READ (with BLOCK) is not allowed inside MULTI, EVAL, or a "
          "deny-blocking context")


def seed(r, key, *samples):
    for ts, v in samples:
        assert x(r, "TS.ADD", key, ts, v) == ts


def block(raw, *args):
    """A reader sent TS.READ args on its own connection, and an observer
    that has seen it block."""
    reader, watch = raw(), raw()
    reader.send_cmd("TS.READ", *args)
    wait_blocked(watch, 1)
    return reader, watch


# ---- non-blocking reads ------------------------------------------------------------


def test_reads_from_the_cursor_oldest_first(r):
    seed(r, "s", (300, 3), (100, 1), (200, 2))  # out of order: read back sorted
    assert x(r, "TS.READ", "s", 0) == [[100, b"1"], [200, b"2"], [300, b"3"]]
    assert x(r, "TS.READ", "s", 200) == [[200, b"2"], [300, b"3"]]
    assert x(r, "TS.READ", "s", 301) == []
    assert x(r, "TS.READ", "s", "-") == [[100, b"1"], [200, b"2"], [300, b"3"]]
    assert x(r, "TS.READ", "s", "+") == [[300, b"3"]]
    assert x(r, "TS.READ", "s", "$") == []


def test_max_count_pages_forward(r):
    seed(r, "s", (100, 1), (200, 2), (300, 3))
    assert x(r, "TS.READ", "s", "-", "MAX_COUNT", 2) == [[100, b"1"], [200, b"2"]]
    assert x(r, "TS.READ", "s", 201, "MAX_COUNT", 2) == [[300, b"3"]]
    # the options in either order and any case
    assert x(r, "TS.READ", "s", 0, "max_count", 1, "Block", 1000, 1) == [[100, b"1"]]


def test_missing_and_empty_series_read_empty(r):
    assert x(r, "TS.READ", "nokey", 0) == []
    for cur in ("-", "+", "$"):
        assert x(r, "TS.READ", "nokey", cur) == []
    x(r, "TS.CREATE", "e")
    assert x(r, "TS.READ", "e", "+") == []


def test_enough_samples_answer_at_once(r):
    seed(r, "s", (100, 1), (200, 2), (300, 3))
    t0 = time.monotonic()
    assert x(r, "TS.READ", "s", 101, "BLOCK", 5000, 2, "MAX_COUNT", 2) == [[200, b"2"],
                                                                          [300, b"3"]]
    assert x(r, "TS.READ", "s", "+", "BLOCK", 5000, 1) == [[300, b"3"]]
    # min_count gates, MAX_COUNT caps
    assert x(r, "TS.READ", "s", 0, "BLOCK", 5000, 2, "MAX_COUNT", 3) == [[100, b"1"], [200, b"2"],
                                                                        [300, b"3"]]
    assert time.monotonic() - t0 < 2 * SLOW


def test_retention_hides_old_samples(r):
    x(r, "TS.CREATE", "s", "RETENTION", 100)
    seed(r, "s", (100, 1), (150, 2), (300, 3))
    assert x(r, "TS.READ", "s", 0) == [[300, b"3"]]


def test_resp3_values_are_doubles(raw):
    c = raw()
    c.call("HELLO", "3")
    c.call("TS.ADD", "s", 1, "1.5")
    rep = c.call_raw("TS.READ", "s", "-")
    assert rep == b"*1\r\n*2\r\n:1\r\n,1.5\r\n"
    assert c.call_raw("TS.READ", "s", "$") == b"*0\r\n"


def test_errors(r):
    seed(r, "s", (100, 1))
    r.set("str", "v")
    arity = "wrong number of arguments for 'ts.read' command"
    for args in [("s",), ("s", 0, "FOO"), ("s", 0, "MAX_COUNT"), ("s", 0, "BLOCK", 10),
                 ("s", 0, "BLOCK"), ("s", 0, "MAX_COUNT", 1, "MAX_COUNT", 2),
                 ("s", 0, "BLOCK", 10, 1, "BLOCK", 10, 1), ("s", 0, "BLOCK", 10, 1, "MAX_COUNT", 1, "x")]:
        assert err(r, "TS.READ", *args) == arity, args
    for args, msg in [
            (("s", -1), "TSDB: invalid timestamp"),
            (("s", "1.5"), "TSDB: invalid timestamp"),
            (("s", "abc"), "TSDB: invalid timestamp"),
            (("s", "*"), "TSDB: invalid timestamp"),
            (("s", 0, "MAX_COUNT", 0), "TSDB: MAX_COUNT must be a positive integer"),
            (("s", 0, "MAX_COUNT", -1), "TSDB: MAX_COUNT must be a positive integer"),
            (("s", 0, "MAX_COUNT", "x"), "TSDB: MAX_COUNT must be a positive integer"),
            (("s", 0, "BLOCK", -1, 1), "TSDB: BLOCK milliseconds must be a non-negative integer"),
            (("s", 0, "BLOCK", "x", 1), "TSDB: BLOCK milliseconds must be a non-negative integer"),
            (("s", 0, "BLOCK", 10, "1.5"),
             "TSDB: BLOCK milliseconds must be a non-negative integer"),
            (("s", 0, "BLOCK", 10, 0), "TSDB: BLOCK min_count must be a positive integer"),
            (("s", 0, "BLOCK", 10, -1), "TSDB: BLOCK min_count must be a positive integer"),
            (("s", 0, "BLOCK", 10, 5, "MAX_COUNT", 2), "TSDB: BLOCK min_count must be <= MAX_COUNT"),
            # options first, then the timestamp, then the key
            (("nokey", 0, "BLOCK", 10, 5, "MAX_COUNT", 2),
             "TSDB: BLOCK min_count must be <= MAX_COUNT"),
            (("s", "x", "MAX_COUNT", 0), "TSDB: MAX_COUNT must be a positive integer"),
            (("str", "x"), "TSDB: invalid timestamp"),
            (("str", 0), WRONGTYPE),
            (("str", "+"), WRONGTYPE),
            (("str", 0, "BLOCK", 10, 1), WRONGTYPE)]:
        assert err(r, "TS.READ", *args) == msg, args


def test_error_codes_on_the_wire(raw):
    c = raw()
    assert c.call_raw("TS.READ", "s", "x") == b"-TSDB: invalid timestamp\r\n"
    assert c.call_raw("TS.READ", "s", 0, "BLOCK") == \
        b"-ERR wrong number of arguments for 'ts.read' command\r\n"


# ---- blocking -----------------------------------------------------------------------


def test_blocks_until_min_count_then_replies(r, raw):
    seed(r, "s", (100, 1), (200, 2), (300, 3))
    reader, watch = block(raw, "s", 101, "BLOCK", 0, 5, "MAX_COUNT", 5)
    seed(r, "s", (400, 4))
    assert blocked_clients(watch) == 1  # 3 of 5
    seed(r, "s", (500, 5))
    assert blocked_clients(watch) == 1  # 4 of 5
    # a reader told of the key's deletion (INFO's keys_on_nokey)
    assert b"total_blocking_keys_on_nokey:1" in bytes(watch.call("INFO", "clients"))
    seed(r, "s", (600, 6))
    assert reader.read() == [[200, b"2"], [300, b"3"], [400, b"4"], [500, b"5"], [600, b"6"]]
    assert blocked_clients(watch) == 0
    assert b"total_blocking_keys_on_nokey:0" in bytes(watch.call("INFO", "clients"))


def test_madd_wakes_with_the_oldest_max_count(r, raw):
    seed(r, "s", (100, 1))
    reader, watch = block(raw, "s", 101, "BLOCK", 10000, 2, "MAX_COUNT", 3)
    assert x(r, "TS.MADD", "s", 200, 2, "s", 300, 3, "s", 400, 4, "s", 500, 5) == [200, 300, 400,
                                                                                   500]
    assert reader.read() == [[200, b"2"], [300, b"3"], [400, b"4"]]


def test_incrby_decrby_wake(r, raw):
    seed(r, "s", (100, 1))
    reader, _ = block(raw, "s", "$", "BLOCK", 10000, 1)
    x(r, "TS.INCRBY", "s", 5, "TIMESTAMP", 200)
    assert reader.read() == [[200, b"6"]]
    reader, _ = block(raw, "s", "$", "BLOCK", 10000, 1)
    x(r, "TS.DECRBY", "s", 1, "TIMESTAMP", 300)
    assert reader.read() == [[300, b"5"]]


def test_dollar_waits_for_new_samples_only(r, raw):
    seed(r, "s", (100, 1), (200, 2), (300, 3))
    reader, watch = block(raw, "s", "$", "BLOCK", 10000, 1)
    # an upsert of an older sample does not qualify: the cursor stays at 301
    x(r, "TS.ADD", "s", 200, 9, "ON_DUPLICATE", "LAST")
    assert blocked_clients(watch) == 1
    seed(r, "s", (400, 4))
    assert reader.read() == [[400, b"4"]]


def test_plus_with_min_count_two_waits_for_one_more(r, raw):
    seed(r, "s", (100, 1), (300, 3))
    reader, _ = block(raw, "s", "+", "BLOCK", 10000, 2)
    seed(r, "s", (400, 4))
    assert reader.read() == [[300, b"3"], [400, b"4"]]


@pytest.mark.parametrize("cursor", ["-", "+", "$", "0"])
def test_missing_key_waits_for_its_first_sample(r, raw, cursor):
    reader, watch = block(raw, "s", cursor, "BLOCK", 10000, 1)
    # another key's writes and a FLUSHALL leave it waiting
    seed(r, "other", (1, 1))
    r.flushall()
    assert blocked_clients(watch) == 1
    seed(r, "s", (100, 1))
    assert reader.read() == [[100, b"1"]]


def test_every_reader_gets_the_sample(r, raw):
    seed(r, "s", (100, 1))
    readers = [raw() for _ in range(4)]
    watch = raw()
    for rd in readers:
        rd.send_cmd("TS.READ", "s", 101, "BLOCK", 10000, 1)
    wait_blocked(watch, 4)
    seed(r, "s", (200, 2))
    for rd in readers:
        assert rd.read() == [[200, b"2"]]
    assert blocked_clients(watch) == 0


def test_compaction_destination_wakes_on_bucket_commit(r, raw):
    x(r, "TS.CREATE", "src")
    x(r, "TS.CREATE", "dst")
    x(r, "TS.CREATERULE", "src", "dst", "AGGREGATION", "avg", 10)
    reader, watch = block(raw, "dst", "-", "BLOCK", 10000, 1)
    seed(r, "src", (1, 1), (2, 2))
    assert blocked_clients(watch) == 1  # the bucket is still open
    seed(r, "src", (15, 3))
    assert reader.read() == [[0, b"1.5"]]


def test_timeout_answers_what_there_is(r):
    seed(r, "s", (100, 1), (200, 2), (300, 3))
    t0 = time.monotonic()
    assert x(r, "TS.READ", "s", 101, "BLOCK", 200, 10) == [[200, b"2"], [300, b"3"]]
    assert 0.15 <= time.monotonic() - t0 < 3 * SLOW
    assert x(r, "TS.READ", "s", 301, "BLOCK", 100, 1) == []
    assert x(r, "TS.READ", "nokey", 0, "BLOCK", 50, 1) == []
    assert x(r, "TS.READ", "s", 101, "BLOCK", 50, 10, "MAX_COUNT", 10) == [[200, b"2"],
                                                                          [300, b"3"]]


@pytest.mark.parametrize("how", ["DEL", "UNLINK", "FLUSHDB", "FLUSHALL", "EXPIRE"])
def test_removing_the_key_answers_empty(r, raw, how):
    seed(r, "s", (100, 1))
    readers = [raw() for _ in range(2)]
    watch = raw()
    for rd in readers:
        rd.send_cmd("TS.READ", "s", 0, "BLOCK", 0, 5)
    wait_blocked(watch, 2)
    if how == "EXPIRE":
        r.pexpire("s", 1)
        deadline = time.monotonic() + 5 * SLOW
        while r.exists("s") and time.monotonic() < deadline:
            time.sleep(0.005)
    elif how in ("DEL", "UNLINK"):
        assert r.execute_command(how, "s") == 1
    else:
        r.execute_command(how)
    for rd in readers:
        assert rd.read() == []
    assert blocked_clients(watch) == 0


def test_type_change_answers_wrongtype(r, raw):
    seed(r, "s", (100, 1))
    reader, _ = block(raw, "s", 0, "BLOCK", 0, 5)
    r.set("s", "now a string")
    assert reader.read() == RespError(WRONGTYPE)


def test_rename_onto_the_key_serves_the_new_series(r, raw):
    seed(r, "s", (100, 1))
    seed(r, "t", (100, 1), (200, 2), (300, 3))
    reader, _ = block(raw, "s", 100, "BLOCK", 10000, 3)
    r.rename("t", "s")
    assert reader.read() == [[100, b"1"], [200, b"2"], [300, b"3"]]


def test_client_unblock(r, raw):
    seed(r, "s", (100, 1))
    reader, watch = block(raw, "s", 0, "BLOCK", 0, 5)
    cid = next(cl["id"] for cl in r.client_list() if cl["cmd"] == "ts.read")
    assert r.client_unblock(cid) is True  # TIMEOUT: what there is
    assert reader.read() == [[100, b"1"]]
    reader, watch = block(raw, "s", 0, "BLOCK", 0, 5)
    cid = next(cl["id"] for cl in r.client_list() if cl["cmd"] == "ts.read")
    assert r.client_unblock(cid, error=True) is True
    assert reader.read() == RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK")


def test_disconnected_reader_is_forgotten(r, raw):
    seed(r, "s", (100, 1))
    reader, watch = block(raw, "s", 101, "BLOCK", 0, 1)
    reader.close()
    deadline = time.monotonic() + 5 * SLOW
    while blocked_clients(watch) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert blocked_clients(watch) == 0
    seed(r, "s", (200, 2))


def test_blocking_is_refused_in_multi_and_scripts_only_when_it_would_wait(r):
    seed(r, "s", (100, 1))
    p = r.pipeline(transaction=True)
    p.execute_command("TS.READ", "s", 0, "BLOCK", 0, 1)
    p.execute_command("TS.READ", "s", 101, "BLOCK", 1000, 1)
    p.execute_command("TS.READ", "s", 101, "BLOCK", 0, 1)
    p.execute_command("TS.READ", "s", 101)
    got = p.execute(raise_on_error=False)
    assert got[0] == [[100, b"1"]]
    assert isinstance(got[1], ResponseError) and str(got[1]) == DENIED
    assert isinstance(got[2], ResponseError) and str(got[2]) == DENIED
    assert got[3] == []
    assert x(r, "EVAL", "return redis.call('TS.READ', KEYS[1], 0, 'BLOCK', 0, 1)", 1, "s") == \
        [[100, b"1"]]
    with pytest.raises(ResponseError) as e:
        x(r, "EVAL", "return redis.call('TS.READ', KEYS[1], 101, 'BLOCK', 1000, 1)", 1, "s")
    assert DENIED in str(e.value)
    assert x(r, "EVAL", "return redis.call('TS.READ', KEYS[1], 101)", 1, "s") == []


def test_reads_are_not_propagated(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    reader = srv.raw()
    watch = srv.raw()
    x(c, "TS.ADD", "s", 100, 1)
    reader.send_cmd("TS.READ", "s", "$", "BLOCK", 0, 1)
    wait_blocked(watch, 1)
    x(c, "TS.ADD", "s", 200, 2)
    assert reader.read() == [[200, b"2"]]
    assert x(c, "TS.READ", "s", "-") == [[100, b"1"], [200, b"2"]]
    x(c, "TS.QUERYLABELS", "LABELS")
    aof = b"".join(open(f, "rb").read() for f in glob.glob(os.path.join(aof_dir(srv), "*.aof")))
    assert aof.count(b"TS.ADD") == 2
    assert b"TS.READ" not in aof.upper() and b"QUERYLABELS" not in aof.upper()
    srv.restart()
    assert x(srv.client(), "TS.READ", "s", 0) == [[100, b"1"], [200, b"2"]]


def test_command_info(r, raw):
    c = raw()
    for name, arity, first in [("TS.READ", -3, 1), ("TS.QUERYLABELS", -2, 0)]:
        info = c.call("COMMAND", "INFO", name)[0]
        assert info[1] == arity and info[3] == first
        assert b"readonly" in info[2] and b"module" in info[2]
        assert sorted(info[6]) == [b"@read", b"@slow", b"@timeseries"]  # as TS.NRANGE
    assert c.call("COMMAND", "GETKEYS", "TS.READ", "k", "0", "BLOCK", "0", "1") == [b"k"]


# ---- TS.QUERYLABELS -----------------------------------------------------------------


def fixture(r):
    x(r, "TS.CREATE", "tester1", "LABELS", "name", "bob", "class", "middle", "generation", "x")
    x(r, "TS.CREATE", "tester2", "LABELS", "name", "rudy", "class", "junior", "generation", "x")
    x(r, "TS.CREATE", "tester3", "LABELS", "name", "fabi", "class", "top", "generation", "x", "x",
      "2")
    x(r, "TS.CREATE", "tester4", "LABELS", "name", "anybody", "class", "top", "type", "noone", "x",
      "2", "z", "3")


def test_querylabels_labels_and_values(r):
    fixture(r)
    assert sorted(x(r, "TS.QUERYLABELS", "LABELS", "FILTER", "generation=x")) == \
        [b"class", b"generation", b"name", b"x"]
    assert sorted(x(r, "TS.QUERYLABELS", "LABELS")) == [b"class", b"generation", b"name",
                                                        b"type", b"x", b"z"]
    assert sorted(x(r, "TS.QUERYLABELS", "values", "name", "FILTER", "generation=x")) == \
        [b"bob", b"fabi", b"rudy"]
    assert sorted(x(r, "TS.QUERYLABELS", "VALUES", "class")) == [b"junior", b"middle", b"top"]
    assert x(r, "TS.QUERYLABELS", "VALUES", "x", "FILTER", "generation=x") == [b"2"]
    assert x(r, "TS.QUERYLABELS", "VALUES", "type", "FILTER", "generation=x") == []
    assert x(r, "TS.QUERYLABELS", "VALUES", "nosuchlabel") == []
    assert x(r, "TS.QUERYLABELS", "LABELS", "FILTER", "name=nobody") == []
    # other types and label-less series do not count
    r.set("str", "v")
    x(r, "TS.CREATE", "bare")
    assert len(x(r, "TS.QUERYLABELS", "LABELS")) == 6


def test_querylabels_resp3_is_a_set(raw):
    c = raw()
    c.call("HELLO", "3")
    c.call("TS.CREATE", "a", "LABELS", "k", "v")
    assert c.call_raw("TS.QUERYLABELS", "LABELS") == b"~1\r\n$1\r\nk\r\n"
    assert c.call_raw("TS.QUERYLABELS", "VALUES", "k") == b"~1\r\n$1\r\nv\r\n"


def test_querylabels_errors(r):
    fixture(r)
    assert err(r, "TS.QUERYLABELS") == "wrong number of arguments for 'ts.querylabels' command"
    assert err(r, "TS.QUERYLABELS", "VALUES") == \
        "wrong number of arguments for 'ts.querylabels' command"
    assert err(r, "TS.QUERYLABELS", "NOT_A_SUBTYPE") == \
        "TSDB: unknown subtype, must be one of LABELS|VALUES"
    assert err(r, "TS.QUERYLABELS", "LABELS", "FILTER") == \
        "TSDB: FILTER given with no filter expressions"
    assert err(r, "TS.QUERYLABELS", "LABELS", "garbage", "FILTER", "generation=x") == \
        "TSDB: unknown argument, expected FILTER"
    assert err(r, "TS.QUERYLABELS", "VALUES", "name", "garbage", "FILTER", "generation=x") == \
        "TSDB: unknown argument, expected FILTER"
    assert err(r, "TS.QUERYLABELS", "LABELS", "FILTER", "nonsense") == \
        "TSDB: failed parsing labels"
    assert err(r, "TS.QUERYLABELS", "LABELS", "FILTER", "a!=b") == \
        "TSDB: please provide at least one matcher"


def test_querylabels_leaves_out_unreadable_series(r, rr):
    x(r, "TS.CREATE", "allowed_key", "LABELS", "group", "acltest", "onlyallowed", "x")
    x(r, "TS.CREATE", "blocked_key", "LABELS", "group", "acltest", "onlyblocked", "y")
    r.execute_command("ACL", "SETUSER", "ql", "on", ">pass", "+@all", "~allowed_key*")
    u = rr(username="ql", password="pass")
    assert sorted(x(u, "TS.QUERYLABELS", "LABELS", "FILTER", "group=acltest")) == \
        [b"group", b"onlyallowed"]
    assert x(u, "TS.QUERYLABELS", "VALUES", "onlyblocked") == []
    assert sorted(x(u, "TS.QUERYLABELS", "LABELS")) == [b"group", b"onlyallowed"]
    # a selector reaching the other key counts too
    r.execute_command("ACL", "SETUSER", "ql", "(~blocked_key +@all)")
    assert sorted(x(u, "TS.QUERYLABELS", "LABELS")) == [b"group", b"onlyallowed", b"onlyblocked"]


# ---- TS.MRANGE EXCLUDEEMPTY -----------------------------------------------------------


def test_mrange_excludeempty(r):
    x(r, "TS.CREATE", "a", "LABELS", "t", "1")
    x(r, "TS.CREATE", "b", "LABELS", "t", "1")
    x(r, "TS.CREATE", "c", "LABELS", "t", "1")
    seed(r, "a", (10, 1), (20, 2))
    seed(r, "c", (30, 3))
    assert [e[0] for e in x(r, "TS.MRANGE", "-", "+", "FILTER", "t=1")] == [b"a", b"b", b"c"]
    assert x(r, "TS.MRANGE", "-", "+", "EXCLUDEEMPTY", "FILTER", "t=1") == [
        [b"a", [], [[10, b"1"], [20, b"2"]]], [b"c", [], [[30, b"3"]]]]
    assert x(r, "TS.MREVRANGE", 0, 25, "excludeempty", "WITHLABELS", "FILTER", "t=1") == [
        [b"a", [[b"t", b"1"]], [[20, b"2"], [10, b"1"]]]]
    # what counts is what would be reported: filters and aggregation first
    assert x(r, "TS.MRANGE", "-", "+", "FILTER_BY_VALUE", 3, 5, "EXCLUDEEMPTY", "FILTER",
             "t=1") == [[b"c", [], [[30, b"3"]]]]
    assert [e[0] for e in x(r, "TS.MRANGE", "-", "+", "AGGREGATION", "count", 100,
                            "EXCLUDEEMPTY", "FILTER", "t=1")] == [b"a", b"c"]
    assert x(r, "TS.MRANGE", 100, 200, "EXCLUDEEMPTY", "FILTER", "t=1") == []
    # it also ends a SELECTED_LABELS list
    assert x(r, "TS.MRANGE", "-", "+", "SELECTED_LABELS", "t", "EXCLUDEEMPTY", "FILTER",
             "t=1")[0] == [b"a", [[b"t", b"1"]], [[10, b"1"], [20, b"2"]]]
    assert err(r, "TS.MRANGE", "-", "+", "EXCLUDEEMPTY", "FILTER", "t=1", "GROUPBY", "t",
               "REDUCE", "max") == "TSDB: EXCLUDEEMPTY is not allowed with GROUPBY"


def test_mrange_excludeempty_resp3(raw):
    c = raw()
    c.call("HELLO", "3")
    c.call("TS.CREATE", "a", "LABELS", "t", "1")
    c.call("TS.CREATE", "b", "LABELS", "t", "1")
    c.call("TS.ADD", "a", 1, 1)
    rep = c.call("TS.MRANGE", "-", "+", "EXCLUDEEMPTY", "FILTER", "t=1")
    assert list(rep.keys()) == [b"a"]


# ---- countNaN / countAll (Redis 8.6) and NaN in the other aggregators ---------------


def nan_pair(r):
    x(r, "TS.CREATE", "stock:A", "LABELS", "type", "stock", "name", "A")
    x(r, "TS.CREATE", "stock:B", "LABELS", "type", "stock", "name", "B")
    x(r, "TS.MADD", "stock:A", 1000, 100, "stock:A", 1010, 110, "stock:A", 1020, 120,
      "stock:A", 1030, "NaN")
    x(r, "TS.MADD", "stock:B", 1000, 120, "stock:B", 1010, 110, "stock:B", 1020, "NaN",
      "stock:B", 1030, "NaN")


def reduced(r, reducer):
    rep = x(r, "TS.MRANGE", "-", "+", "FILTER", "type=stock", "GROUPBY", "type", "REDUCE", reducer)
    return [(ts, v.decode()) for ts, v in rep[0][2]]


def test_reducers_count_nan_apart(r):
    # RedisTimeSeries' test_groupby_reduce_count_with_nan
    nan_pair(r)
    assert reduced(r, "count") == [(1000, "2"), (1010, "2"), (1020, "1"), (1030, "0")]
    assert reduced(r, "countnan") == [(1000, "0"), (1010, "0"), (1020, "1"), (1030, "2")]
    assert reduced(r, "countall") == [(1000, "2"), (1010, "2"), (1020, "2"), (1030, "2")]
    # the others take the numbers only; NaN when there is none
    assert reduced(r, "max") == [(1000, "120"), (1010, "110"), (1020, "120"), (1030, "nan")]
    assert reduced(r, "sum") == [(1000, "220"), (1010, "220"), (1020, "120"), (1030, "nan")]
    assert reduced(r, "CountNaN")[3] == (1030, "2")


def test_countnan_countall_aggregators(r):
    nan_pair(r)
    assert x(r, "TS.RANGE", "stock:B", "-", "+", "AGGREGATION", "countnan", 20) == [
        [1000, b"0"], [1020, b"2"]]
    assert x(r, "TS.RANGE", "stock:B", "-", "+", "AGGREGATION", "COUNTALL", 20) == [
        [1000, b"2"], [1020, b"2"]]
    assert x(r, "TS.REVRANGE", "stock:B", "-", "+", "AGGREGATION", "countAll", 20) == [
        [1020, b"2"], [1000, b"2"]]
    # without a NaN count NaN samples stay out, buckets of them included
    assert x(r, "TS.RANGE", "stock:B", "-", "+", "AGGREGATION", "avg", 20) == [[1000, b"115"]]
    # with one, every bucket with samples is there: NaN where no number is
    assert x(r, "TS.RANGE", "stock:B", "-", "+", "AGGREGATION", "avg,countnan,count", 10) == [
        [1000, b"120", b"0", b"1"], [1010, b"110", b"0", b"1"], [1020, b"nan", b"1", b"0"],
        [1030, b"nan", b"1", b"0"]]
    got = x(r, "TS.MRANGE", "-", "+", "AGGREGATION", "countnan", 1000, "FILTER", "type=stock")
    assert [(e[0], e[2]) for e in got] == [(b"stock:A", [[1000, b"1"]]),
                                           (b"stock:B", [[1000, b"2"]])]
    assert x(r, "TS.NRANGE", 2, "stock:A", "stock:B", "-", "+", "AGGREGATION", "countnan",
             "countall", 1000) == [[1000, [b"1", b"4"]]]


def test_nan_counts_through_redis_py(r):
    ts = r.ts()
    assert ts.create("py") and ts.create("dst")
    assert ts.madd([("py", 1, 1.5), ("py", 2, float("nan")), ("py", 12, float("nan"))]) == [1, 2,
                                                                                           12]
    assert ts.range("py", "-", "+", aggregation_type="countnan", bucket_size_msec=10) == [
        (0, 1.0), (10, 1.0)]
    assert ts.revrange("py", "-", "+", aggregation_type="countall", bucket_size_msec=10) == [
        (10, 1.0), (0, 2.0)]
    assert ts.range("py", "-", "+", aggregation_type="count", bucket_size_msec=10) == [(0, 1.0)]
    assert ts.createrule("py", "dst", "countnan", 5)
    assert ts.info("py").rules[0][2] == b"COUNTNAN"


def test_countnan_compaction_survives_reload(r):
    x(r, "TS.CREATE", "src")
    x(r, "TS.CREATE", "nans")
    x(r, "TS.CREATE", "all")
    x(r, "TS.CREATERULE", "src", "nans", "AGGREGATION", "countnan", 20)
    x(r, "TS.CREATERULE", "src", "all", "AGGREGATION", "countall", 20)
    info = x(r, "TS.INFO", "src")
    rules = info[info.index(b"rules") + 1]
    assert sorted(rl[2] for rl in rules) == [b"COUNTALL", b"COUNTNAN"]
    x(r, "TS.MADD", "src", 1, "nan", "src", 2, "nan", "src", 3, 1)
    x(r, "DEBUG", "RELOAD")  # the open bucket's NaN count is part of the value
    x(r, "TS.ADD", "src", 25, "nan")
    assert x(r, "TS.RANGE", "nans", "-", "+") == [[0, b"2"]]
    assert x(r, "TS.RANGE", "all", "-", "+") == [[0, b"3"]]
    x(r, "TS.ADD", "src", 26, 5)
    dump = r.dump("src")
    r.delete("src")
    r.restore("src", 0, dump)
    x(r, "TS.ADD", "src", 45, 1)
    assert x(r, "TS.RANGE", "nans", "-", "+") == [[0, b"2"], [20, b"1"]]
    assert x(r, "TS.RANGE", "all", "-", "+") == [[0, b"3"], [20, b"2"]]
    assert x(r, "TS.GET", "nans", "LATEST") == [40, b"0"]
