"""HOTKEYS (Redis 8.6): sessions, errors, the GET reply in RESP2 and RESP3,
and what each command is charged to its keys.

Redis 7.0 has no HOTKEYS, so Redis 8.6's documentation and behaviour are the
oracle (streamd-only). The network metric is deterministic: a command costs
its request as RESP plus the reply it produced, so these tests compute the
expected bytes from what they send and read. CPU time is not: its tests
check the ranking and that the per-key shares add up to the totals.
"""

import time

import pytest

from testlib import IS_REDIS, RespError
from testlib.resp import encode_command

pytestmark = pytest.mark.skipif(IS_REDIS, reason="HOTKEYS is Redis 8.6 (the oracle is 7.0)")

GET_FIELDS_BASE = [
    b"tracking-active",
    b"sample-ratio",
    b"selected-slots",
    b"all-commands-all-slots-us",
    b"net-bytes-all-commands-all-slots",
    b"collection-start-time-unix-ms",
    b"collection-duration-ms",
]
CPU_FIELDS = [b"total-cpu-time-user-ms", b"total-cpu-time-sys-ms"]


@pytest.fixture
def c(raw):
    """A raw connection with no HOTKEYS session left by an earlier test."""
    conn = raw()
    conn.call("HOTKEYS", "STOP")
    assert conn.call("HOTKEYS", "RESET") == b"OK"
    return conn


def err(msg):
    return RespError(msg)


def get(conn):
    """HOTKEYS GET as a dict (RESP2: an array of one flat array)."""
    reply = conn.call("HOTKEYS", "GET")
    if reply is None:
        return None
    assert isinstance(reply, list) and len(reply) == 1
    flat = reply[0]
    if isinstance(flat, dict):
        return flat
    return dict(zip(flat[0::2], flat[1::2]))


def ranking(flat):
    return list(zip(flat[0::2], flat[1::2]))


def charged(conn, *args):
    """Runs a command; returns its reply and the bytes it is charged."""
    raw_reply = conn.call_raw(*args)
    return raw_reply, len(encode_command(*args)) + len(raw_reply)


def test_session_lifecycle(c):
    assert c.call("HOTKEYS", "GET") is None
    assert c.call("HOTKEYS", "STOP") is None  # nothing to stop
    assert c.call("HOTKEYS", "RESET") == b"OK"  # nothing to release: fine
    before = int(time.time() * 1000)
    assert c.call("HOTKEYS", "START", "METRICS", "1", "CPU") == b"OK"
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET") == err(
        "ERR hotkey tracking session already in progress"
    )
    g = get(c)
    assert g[b"tracking-active"] == 1
    assert before <= g[b"collection-start-time-unix-ms"] <= int(time.time() * 1000)
    assert c.call("HOTKEYS", "RESET") == err(
        "ERR hotkey tracking session in progress, stop tracking first"
    )
    assert c.call("HOTKEYS", "STOP") == b"OK"
    assert c.call("HOTKEYS", "STOP") is None
    g = get(c)
    assert g[b"tracking-active"] == 0
    assert g[b"collection-duration-ms"] >= 0
    # the results stay until RESET, and a new START replaces them
    assert get(c) == g
    assert c.call("HOTKEYS", "START", "metrics", "1", "net") == b"OK"
    assert get(c)[b"tracking-active"] == 1
    assert c.call("HOTKEYS", "STOP") == b"OK"
    assert c.call("HOTKEYS", "RESET") == b"OK"
    assert c.call("HOTKEYS", "GET") is None


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "ERR METRICS parameter is required"),
        (["METRICS"], "ERR METRICS parameter is required"),
        (["COUNT", "5", "METRICS", "1", "CPU"], "ERR METRICS parameter is required"),
        (["METRICS", "0"], "ERR METRICS count must be > 0 and <= 2"),
        (["METRICS", "-1", "CPU"], "ERR METRICS count must be > 0 and <= 2"),
        (["METRICS", "3", "CPU", "NET"], "ERR METRICS count must be > 0 and <= 2"),
        (["METRICS", "x", "CPU"], "ERR METRICS count must be > 0 and <= 2"),
        (["METRICS", "2", "CPU"], "ERR METRICS count does not match number of metric types provided"),
        (["METRICS", "1", "CPU", "NET"], "ERR syntax error"),
        (["METRICS", "2", "CPU", "CPU"], "ERR METRICS CPU defined more than once!"),
        (["METRICS", "2", "net", "NET"], "ERR METRICS NET defined more than once!"),
        (["METRICS", "1", "GPU"], "ERR METRICS no valid metrics passed. Supported: CPU|NET"),
        (["METRICS", "2", "GPU", "NYET"], "ERR METRICS no valid metrics passed. Supported: CPU|NET"),
        (["METRICS", "1", "CPU", "COUNT", "0"], "ERR COUNT must be between 1 and 64"),
        (["METRICS", "1", "CPU", "COUNT", "65"], "ERR COUNT must be between 1 and 64"),
        (["METRICS", "1", "CPU", "COUNT", "ten"], "ERR COUNT must be between 1 and 64"),
        (["METRICS", "1", "CPU", "DURATION", "0"], "ERR DURATION must be between 1 and 1000000"),
        (["METRICS", "1", "CPU", "DURATION", "1000001"], "ERR DURATION must be between 1 and 1000000"),
        (["METRICS", "1", "CPU", "SAMPLE", "0"], "ERR SAMPLE ratio must be positive"),
        (["METRICS", "1", "CPU", "SAMPLE", "2147483648"], "ERR SAMPLE ratio must be positive"),
        (["METRICS", "1", "CPU", "SLOTS", "1", "0"], "ERR SLOTS parameter cannot be used in non-cluster mode"),
        (["METRICS", "1", "CPU", "SLOTS", "x"], "ERR SLOTS parameter cannot be used in non-cluster mode"),
        (["METRICS", "1", "CPU", "COUNT"], "ERR syntax error"),
        (["METRICS", "1", "CPU", "SLOTS"], "ERR syntax error"),
        (["METRICS", "1", "CPU", "BOGUS", "1"], "ERR syntax error"),
    ],
)
def test_start_errors(c, args, message):
    assert c.call("HOTKEYS", "START", *args) == err(message)
    assert c.call("HOTKEYS", "GET") is None  # nothing was started


def test_start_accepts_unknown_metric_names_beside_a_known_one(c):
    assert c.call("HOTKEYS", "START", "METRICS", "2", "GPU", "CPU") == b"OK"
    g = get(c)
    assert b"by-cpu-time-us" in g and b"by-net-bytes" not in g


def test_options_repeat_and_mix_case(c):
    assert (
        c.call("HOTKEYS", "start", "metrics", "2", "net", "cpu", "count", "3", "Count", "5",
               "sample", "1", "duration", "100")
        == b"OK"
    )
    g = get(c)
    assert g[b"sample-ratio"] == 1
    for i in range(8):
        c.call("SET", "k%d" % i, "v")
    assert len(ranking(get(c)[b"by-net-bytes"])) == 5  # the last COUNT


def test_subcommand_arity_and_unknown(c):
    assert c.call("HOTKEYS") == err("ERR wrong number of arguments for 'hotkeys' command")
    for sub in ("GET", "STOP", "RESET", "HELP"):
        assert c.call("HOTKEYS", sub, "x") == err(
            "ERR wrong number of arguments for 'hotkeys|%s' command" % sub.lower()
        )
    assert c.call("HOTKEYS", "FOO") == err("ERR unknown subcommand 'FOO'. Try HOTKEYS HELP.")


def test_help(c):
    lines = c.call("HOTKEYS", "HELP")
    assert lines[0] == b"HOTKEYS <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[1].startswith(b"START <METRICS count [CPU] [NET]> [COUNT k]")
    for word in (b"STOP", b"GET", b"RESET", b"HELP"):
        assert word in lines
    assert lines[-1] == b"    Print this help."


@pytest.mark.parametrize("metrics", [["CPU"], ["NET"], ["CPU", "NET"], ["NET", "CPU"]])
def test_get_fields_in_order_resp2(c, metrics):
    assert c.call("HOTKEYS", "START", "METRICS", str(len(metrics)), *metrics) == b"OK"
    c.call("SET", "k", "v")
    reply = c.call("HOTKEYS", "GET")
    assert len(reply) == 1
    names = reply[0][0::2]
    want = list(GET_FIELDS_BASE)
    if "CPU" in metrics:
        want += CPU_FIELDS
    if "NET" in metrics:
        want.append(b"total-net-bytes")
    if "CPU" in metrics:
        want.append(b"by-cpu-time-us")
    if "NET" in metrics:
        want.append(b"by-net-bytes")
    assert names == want
    g = dict(zip(reply[0][0::2], reply[0][1::2]))
    assert g[b"selected-slots"] == [[0, 16383]]  # a standalone server has every slot
    assert g[b"sample-ratio"] == 1


def test_get_reply_shape_resp3(c):
    assert c.call("HELLO", "3")[b"proto"] == 3
    assert c.call("HOTKEYS", "GET") is None
    assert c.call_raw("HOTKEYS", "GET") == b"_\r\n"
    assert c.call_raw("HOTKEYS", "STOP") == b"_\r\n"
    assert c.call("HOTKEYS", "START", "METRICS", "2", "CPU", "NET", "COUNT", "2") == b"OK"
    # CPU is charged in whole microseconds, which one small SET may not reach:
    # enough of them that k is charged something
    for _ in range(50):
        c.call("SET", "k", "v" * 100_000)
    raw_reply = c.call_raw("HOTKEYS", "GET")
    assert raw_reply.startswith(b"*1\r\n%12\r\n$15\r\ntracking-active\r\n:1\r\n")
    assert b"$14\r\nselected-slots\r\n*1\r\n*2\r\n:0\r\n:16383\r\n" in raw_reply
    # the rankings are flat arrays of key, value in RESP3 too
    assert b"$12\r\nby-net-bytes\r\n*2\r\n$1\r\nk\r\n:" in raw_reply
    g = get(c)
    assert isinstance(g, dict) and len(g) == 12
    assert ranking(g[b"by-cpu-time-us"])[0][0] == b"k"


def test_get_reply_shape_resp2_bytes(c):
    assert c.call_raw("HOTKEYS", "GET") == b"$-1\r\n"
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET") == b"OK"
    raw_reply = c.call_raw("HOTKEYS", "GET")
    # 7 common fields, total-net-bytes and by-net-bytes: 9 pairs
    assert raw_reply.startswith(b"*1\r\n*18\r\n$15\r\ntracking-active\r\n:1\r\n")
    assert raw_reply.endswith(b"$12\r\nby-net-bytes\r\n*0\r\n")


def test_ranking_and_exact_network_bytes(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "2", "CPU", "NET") == b"OK"
    expect = {}
    for i in range(1, 1001):
        reply, cost = charged(w, "XADD", "big", "%d-1" % i, "field", "value%d" % i)
        assert reply.startswith(b"$")
        expect[b"big"] = expect.get(b"big", 0) + cost
    for i in range(1, 11):
        _, cost = charged(w, "XADD", "small", "%d-1" % i, "f", "v")
        expect[b"small"] = expect.get(b"small", 0) + cost
    # a failing command is still charged to its key
    reply, cost = charged(w, "XADD", "small", "1-1", "f", "v")
    assert reply.startswith(b"-ERR")
    expect[b"small"] += cost
    # commands without keys count nowhere
    w.call("PING")
    w.call("CLIENT", "ID")
    assert c.call("HOTKEYS", "STOP") == b"OK"
    g = get(c)
    net = ranking(g[b"by-net-bytes"])
    assert net == [(b"big", expect[b"big"]), (b"small", expect[b"small"])]
    total = expect[b"big"] + expect[b"small"]
    assert g[b"net-bytes-all-commands-all-slots"] == total
    assert g[b"total-net-bytes"] == total
    cpu = ranking(g[b"by-cpu-time-us"])
    assert [k for k, _ in cpu][0] == b"big"
    assert cpu[0][1] > 0
    # one key per command: the shares add up to the all-commands total
    assert sum(v for _, v in cpu) == g[b"all-commands-all-slots-us"]
    assert g[b"total-cpu-time-user-ms"] >= 0 and g[b"total-cpu-time-sys-ms"] >= 0


def test_count_limits_the_ranking(c):
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET") == b"OK"
    for i in range(15):
        for _ in range(i + 1):
            c.call("SET", "key%02d" % i, "v")
    g = get(c)
    keys = [k for k, _ in ranking(g[b"by-net-bytes"])]
    assert keys == [b"key%02d" % i for i in range(14, 4, -1)]  # the default K is 10
    assert c.call("HOTKEYS", "STOP") == b"OK"
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET", "COUNT", "3") == b"OK"
    for i in range(5):
        for _ in range(i + 1):
            c.call("SET", "key%02d" % i, "v")
    assert [k for k, _ in ranking(get(c)[b"by-net-bytes"])] == [b"key04", b"key03", b"key02"]


def test_multi_key_commands_split_their_cost(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET", "COUNT", "64") == b"OK"
    args = ["MSET"]
    for i in range(40):
        args += ["m%02d" % i, "v"]
    _, cost = charged(w, *args)
    g = get(c)
    shares = dict(ranking(g[b"by-net-bytes"]))
    assert set(shares) == {b"m%02d" % i for i in range(40)}
    assert sum(shares.values()) == cost == g[b"total-net-bytes"]
    assert max(shares.values()) - min(shares.values()) <= 1
    # a key named twice is charged twice
    assert c.call("HOTKEYS", "STOP") == b"OK"
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET") == b"OK"
    _, cost = charged(w, "MSET", "a", "1", "a", "2", "b", "3")
    shares = dict(ranking(get(c)[b"by-net-bytes"]))
    assert shares[b"a"] + shares[b"b"] == cost and shares[b"a"] > shares[b"b"]


def test_multi_exec_charges_each_command(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "2", "CPU", "NET") == b"OK"
    assert w.call("MULTI") == b"OK"
    assert w.call("XADD", "tx1", "1-1", "f", "v") == b"QUEUED"
    assert w.call("SET", "tx2", "v") == b"QUEUED"
    assert w.call("EXEC") == [b"1-1", b"OK"]
    g = get(c)
    net = dict(ranking(g[b"by-net-bytes"]))
    assert set(net) == {b"tx1", b"tx2"}
    # each is charged its request and its own reply inside EXEC's array
    assert net[b"tx1"] == len(encode_command("XADD", "tx1", "1-1", "f", "v")) + len(b"$3\r\n1-1\r\n")
    assert net[b"tx2"] == len(encode_command("SET", "tx2", "v")) + len(b"+OK\r\n")
    assert {k for k, _ in ranking(g[b"by-cpu-time-us"])} <= {b"tx1", b"tx2"}


def test_scripts_charge_their_declared_keys(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET") == b"OK"
    script = "redis.call('SET', KEYS[1], 'v'); redis.call('SET', 'undeclared', 'v'); return 1"
    _, cost = charged(w, "EVAL", script, "1", "declared")
    net = dict(ranking(get(c)[b"by-net-bytes"]))
    # the EVAL, request and reply, goes to the key it declared; the commands
    # the script ran are not counted apart
    assert net == {b"declared": cost}
    # HOTKEYS itself may not run from a script
    reply = w.call("EVAL", "return redis.call('HOTKEYS', 'GET')", "0")
    assert isinstance(reply, RespError)


def test_blocked_command_is_charged_when_served(c, raw):
    reader, writer = raw(), raw()
    assert c.call("HOTKEYS", "START", "METRICS", "2", "CPU", "NET") == b"OK"
    xread = ("XREAD", "BLOCK", "0", "STREAMS", "feed", "$")
    reader.send_cmd(*xread)
    deadline = time.time() + 10
    while b"cmd=xread" not in c.call("CLIENT", "LIST", "TYPE", "normal"):
        assert time.time() < deadline
        time.sleep(0.01)
    _, xadd_cost = charged(writer, "XADD", "feed", "5-1", "f", "v")
    served = reader.read_with_raw()[1]
    assert served.startswith(b"*1\r\n*2\r\n$4\r\nfeed\r\n")
    g = get(c)
    # the XREAD is charged when it blocks (no reply yet) and when it is
    # served (its request again, as Redis re-runs it, and the entries)
    request = len(encode_command(*xread))
    assert dict(ranking(g[b"by-net-bytes"])) == {b"feed": xadd_cost + 2 * request + len(served)}
    assert {k for k, _ in ranking(g[b"by-cpu-time-us"])} == {b"feed"}


def test_sample_keeps_totals_and_thins_the_ranking(c, raw):
    w = raw()
    # 1 in 2^31 - 1: no key is sampled, in all likelihood
    assert c.call("HOTKEYS", "START", "METRICS", "2", "CPU", "NET", "SAMPLE", "2147483647") == b"OK"
    total = 0
    for i in range(200):
        _, cost = charged(w, "SET", "s%d" % (i % 7), "v")
        total += cost
    g = get(c)
    assert g[b"sample-ratio"] == 2147483647
    assert g[b"net-bytes-all-commands-all-slots"] == total  # every command counts here
    assert g[b"by-net-bytes"] == [] and g[b"total-net-bytes"] == 0
    assert g[b"by-cpu-time-us"] == []
    assert c.call("HOTKEYS", "STOP") == b"OK"
    # 1 in 2: about half of 2000 equal commands
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET", "SAMPLE", "2") == b"OK"
    _, cost = charged(w, "SET", "half", "v")
    w.pipeline([("SET", "half", "v")] * 1999)
    g = get(c)
    assert g[b"net-bytes-all-commands-all-slots"] == 2000 * cost
    sampled = g[b"total-net-bytes"]
    assert sampled % cost == 0
    assert 700 <= sampled // cost <= 1300  # binomial(2000, 1/2): 13 standard deviations
    assert ranking(g[b"by-net-bytes"]) == [(b"half", sampled)]


def test_duration_stops_the_session(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET", "DURATION", "1") == b"OK"
    _, cost = charged(w, "SET", "early", "v")
    deadline = time.time() + 10
    while get(c)[b"tracking-active"] == 1:
        assert time.time() < deadline, "the session did not stop after its DURATION"
        time.sleep(0.05)
    g = get(c)
    assert g[b"collection-duration-ms"] == 1000  # the duration asked for
    # nothing after the deadline is counted
    w.call("SET", "late", "v")
    g2 = get(c)
    assert ranking(g2[b"by-net-bytes"]) == [(b"early", cost)]
    assert g2 == g
    # stopped by its deadline: STOP has nothing to do, RESET and START work
    assert c.call("HOTKEYS", "STOP") is None
    assert c.call("HOTKEYS", "START", "METRICS", "1", "CPU") == b"OK"
    assert c.call("HOTKEYS", "STOP") == b"OK"
    assert c.call("HOTKEYS", "RESET") == b"OK"


def test_duration_expiry_seen_by_a_command(c, raw):
    w = raw()
    assert c.call("HOTKEYS", "START", "METRICS", "1", "NET", "DURATION", "1") == b"OK"
    time.sleep(1.1)  # past the deadline, whatever the scheduling
    w.call("SET", "late", "v")  # the first command after it ends the session
    g = get(c)
    assert g[b"tracking-active"] == 0 and g[b"by-net-bytes"] == []
    assert g[b"net-bytes-all-commands-all-slots"] == 0


def test_start_stop_get_reset_are_admin_and_dangerous(c, raw):
    info = {e[0]: e for e in c.call("COMMAND", "INFO", "hotkeys")[0][9]}
    for sub in (b"start", b"stop", b"get", b"reset"):
        cats = set(info[b"hotkeys|" + sub][6])
        assert {b"@admin", b"@slow", b"@dangerous"} <= cats
        assert set(info[b"hotkeys|" + sub][2]) >= {b"admin", b"noscript"}
    assert set(info[b"hotkeys|help"][6]) == {b"@slow"}
    dangerous = set(c.call("ACL", "CAT", "dangerous"))
    assert {b"hotkeys|start", b"hotkeys|get"} <= dangerous
    assert b"hotkeys|help" not in dangerous
    try:
        assert c.call("ACL", "SETUSER", "hk", "on", "nopass", "~*", "+@all", "-@dangerous") == b"OK"
        u = raw()
        assert u.call("AUTH", "hk", "x") == b"OK"
        reply = u.call("HOTKEYS", "START", "METRICS", "1", "CPU")
        assert isinstance(reply, RespError) and reply.code == b"NOPERM"
        assert u.call("HOTKEYS", "HELP")[0].startswith(b"HOTKEYS <subcommand>")
        assert c.call("HOTKEYS", "GET") is None
    finally:
        c.call("ACL", "DELUSER", "hk")


def test_redis_py_round_trip(r):
    r.execute_command("HOTKEYS", "STOP")
    r.execute_command("HOTKEYS", "RESET")
    assert r.execute_command("HOTKEYS", "START", "METRICS", "2", "CPU", "NET", "COUNT", "5")
    for i in range(30):
        r.xadd("orders", {"n": i})
    r.xadd("audit", {"n": 1})
    reply = r.execute_command("HOTKEYS", "GET")
    g = dict(zip(reply[0][0::2], reply[0][1::2]))
    assert g[b"by-net-bytes"][0] == b"orders"
    # CPU time is measured: one preempted XADD can outweigh thirty, and one
    # XADD alone can measure under a microsecond and not be listed, so only
    # membership is certain (the order by CPU has its own tests above)
    by_cpu = set(g[b"by-cpu-time-us"][0::2])
    assert b"orders" in by_cpu and by_cpu <= {b"orders", b"audit"}
    assert r.execute_command("HOTKEYS", "STOP")
    assert r.execute_command("HOTKEYS", "RESET")
    assert r.execute_command("HOTKEYS", "GET") is None


def test_command_docs(c):
    assert c.call("HELLO", "3")[b"proto"] == 3
    docs = c.call("COMMAND", "DOCS", "hotkeys")[b"hotkeys"]
    assert docs[b"since"] == b"8.6.0" and docs[b"group"] == b"server"
    subs = docs[b"subcommands"]
    assert set(subs) == {b"hotkeys|" + s for s in (b"start", b"stop", b"get", b"reset", b"help")}
    start = subs[b"hotkeys|start"]
    assert [a[b"name"] for a in start[b"arguments"]] == [b"metrics", b"k", b"seconds", b"ratio", b"slots"]
    metrics = start[b"arguments"][0]
    assert metrics[b"token"] == b"METRICS" and metrics[b"type"] == b"block"
    assert [a[b"name"] for a in metrics[b"arguments"]] == [b"count", b"cpu", b"net"]
    assert subs[b"hotkeys|help"][b"since"] == b"8.6.1"
    assert c.call("COMMAND", "GETKEYS", "HOTKEYS", "GET") == RespError(
        "ERR The command has no key arguments"
    )
