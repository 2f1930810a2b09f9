"""Keys' access data in RDB files: under an LRU maxmemory-policy Redis 7.0
writes each key's idle seconds (opcode 0xF8) before it, under an LFU one its
access counter (0xF9), and a loading server applies the idle time unless its
own policy is LFU, the counter only when it is. So a restart, DEBUG RELOAD or
a replica's full sync keeps hot keys hot.

Idle times and counters are set with RESTORE ... IDLETIME / FREQ (no
sleeping); lfu-decay-time 0 keeps counters from decaying while a test runs.
Each file written by one server is loaded by the other and the OBJECT
IDLETIME / FREQ answers compared, and the bytes of each key's record (expiry,
IDLE, FREQ, type, name, value) compared between the two servers' files.
"""

import os
import shutil
import time

import pytest

from testlib import SLOW, streamd_only

pytestmark = streamd_only

LRU = ["--maxmemory-policy", "allkeys-lru"]
LFU = ["--maxmemory-policy", "allkeys-lfu", "--lfu-decay-time", "0"]

# key -> (IDLETIME, FREQ, TTL ms or 0): set on both servers.
KEYS = {
    b"hot": (0, 255, 0),
    b"warm": (100, 30, 0),
    b"cold": (86400, 1, 0),
    b"frozen": (5000000, 0, 0),  # an idle time written as a four-byte length
    b"ttl": (777, 9, 3600000),
}


def dump_path(srv):
    return os.path.join(srv.dir, "dump.rdb")


def fill(c, lfu):
    c.set(b"tmp", b"value")
    payload = c.dump(b"tmp")
    c.delete(b"tmp")
    for k, (idle, freq, ttl) in KEYS.items():
        extra = ["FREQ", freq] if lfu else ["IDLETIME", idle]
        if ttl:
            c.execute_command("RESTORE", k, ttl, payload, *extra)
        else:
            c.execute_command("RESTORE", k, 0, payload, *extra)


def idles(c):
    return {k: c.object("idletime", k) for k in KEYS}


def freqs(c):
    return {k: c.object("freq", k) for k in KEYS}


def assert_idles_near(got):
    for k, (idle, _, _) in KEYS.items():
        assert idle <= got[k] <= idle + 3 * SLOW, (k, got)


# ---- reading the key records of an RDB ------------------------------------


def read_len(d, p):
    b = d[p]
    kind = b >> 6
    if kind == 0:
        return b & 0x3F, p + 1, False
    if kind == 1:
        return (b & 0x3F) << 8 | d[p + 1], p + 2, False
    if b == 0x80:
        return int.from_bytes(d[p + 1:p + 5], "big"), p + 5, False
    if b == 0x81:
        return int.from_bytes(d[p + 1:p + 9], "big"), p + 9, False
    assert kind == 3, hex(b)
    return b & 0x3F, p + 1, True


def skip_string(d, p):
    n, p, special = read_len(d, p)
    if not special:
        return p + n
    if n < 3:
        return p + (1, 2, 4)[n]
    assert n == 3
    clen, p, _ = read_len(d, p)
    _, p, _ = read_len(d, p)
    return p + clen


def key_records(d):
    """{key name: bytes of its record} of an RDB whose values are strings."""
    assert d[:5] == b"REDIS"
    p, out, start = 9, {}, None
    while True:
        op = d[p]
        if op == 0xFF:
            return out
        if op == 0xFA:
            p = skip_string(d, skip_string(d, p + 1))
        elif op == 0xFE:
            p = read_len(d, p + 1)[1]
        elif op == 0xFB:
            p = read_len(d, read_len(d, p + 1)[1])[1]
        else:
            if start is None:
                start = p
            if op == 0xFC:
                p += 9
            elif op == 0xF8:
                p = read_len(d, p + 1)[1]
            elif op == 0xF9:
                p += 2
            else:
                assert op == 0, hex(op)
                n, q, special = read_len(d, p + 1)
                assert not special
                name = d[q:q + n]
                p = skip_string(d, q + n)
                out[name] = d[start:p]
                start = None


def saved_records(srv):
    assert srv.client().save()
    with open(dump_path(srv), "rb") as f:
        return key_records(f.read())


def without_expiry(rec):
    return rec[9:] if rec[0] == 0xFC else rec


def move_file(src, dst):
    """dst (stopped) will load what src saved last."""
    shutil.copy(dump_path(src), dump_path(dst))


# ---- tests ------------------------------------------------------------------


def test_lru_file_written_as_70_writes_it(make_server):
    ref = make_server(LRU, kind="redis")
    sd = make_server(LRU)
    # The idle times grow with the clock: both saves must fall in the same
    # second for the bytes to be equal.
    for _ in range(5):
        for s in (ref, sd):
            s.client().flushall()
            fill(s.client(), lfu=False)
        a, b = saved_records(ref), saved_records(sd)
        if {k: without_expiry(v) for k, v in a.items()} == \
                {k: without_expiry(v) for k, v in b.items()}:
            break
    assert {k: without_expiry(v) for k, v in b.items()} == \
        {k: without_expiry(v) for k, v in a.items()}
    assert all(v[0] == 0xF8 for k, v in b.items() if k != b"ttl")
    assert b[b"ttl"][0] == 0xFC and b[b"ttl"][9] == 0xF8
    assert b[b"frozen"][:6] == b"\xf8\x80" + (5000000).to_bytes(4, "big")


def test_lfu_file_written_as_70_writes_it(make_server):
    ref = make_server(LFU, kind="redis")
    sd = make_server(LFU)
    for s in (ref, sd):
        fill(s.client(), lfu=True)
    a, b = saved_records(ref), saved_records(sd)
    assert {k: without_expiry(v) for k, v in b.items()} == \
        {k: without_expiry(v) for k, v in a.items()}
    assert b[b"hot"] == b"\xf9\xff\x00\x03hot\x05value"
    assert b[b"ttl"][9:11] == b"\xf9\x09"


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-random", "volatile-ttl"])
def test_other_policies_write_nothing_extra(make_server, policy):
    sd = make_server(["--maxmemory-policy", policy])
    fill(sd.client(), lfu=False)
    recs = saved_records(sd)
    assert recs[b"hot"] == b"\x00\x03hot\x05value"
    assert recs[b"ttl"][0] == 0xFC and recs[b"ttl"][9] == 0


def test_volatile_policies_write_it_for_every_key(make_server):
    sd = make_server(["--maxmemory-policy", "volatile-lru"])
    fill(sd.client(), lfu=False)
    assert saved_records(sd)[b"hot"][0] == 0xF8
    sd.client().config_set("maxmemory-policy", "volatile-lfu")
    assert saved_records(sd)[b"hot"][0] == 0xF9


def test_70_lru_file_loads_into_streamd(make_server):
    ref = make_server(LRU, kind="redis")
    fill(ref.client(), lfu=False)
    assert ref.client().save()
    sd = make_server(LRU)
    for args in (LRU, ["--maxmemory-policy", "noeviction"]):
        sd.stop()
        move_file(ref, sd)
        sd.start(args)
        c = sd.client()
        assert c.dbsize() == len(KEYS)
        assert_idles_near(idles(c))
        assert 0 < c.pttl(b"ttl") <= 3600000


def test_70_lfu_file_loads_into_streamd(make_server):
    ref = make_server(LFU, kind="redis")
    fill(ref.client(), lfu=True)
    assert ref.client().save()
    sd = make_server(LFU)
    sd.stop()
    move_file(ref, sd)
    sd.start()
    assert freqs(sd.client()) == {k: v[1] for k, v in KEYS.items()}


def test_streamd_files_load_into_70(make_server):
    sd = make_server(LRU)
    fill(sd.client(), lfu=False)
    assert sd.client().save()
    ref = make_server(LRU, kind="redis")
    ref.stop()
    move_file(sd, ref)
    ref.start()
    assert_idles_near(idles(ref.client()))
    sd.client().flushall()
    sd.client().config_set("maxmemory-policy", "allkeys-lfu")
    sd.client().config_set("lfu-decay-time", "0")
    fill(sd.client(), lfu=True)
    assert sd.client().save()
    ref.stop()
    move_file(sd, ref)
    ref.start(LFU)
    assert freqs(ref.client()) == {k: v[1] for k, v in KEYS.items()}


def test_data_of_the_other_kind_is_ignored_as_70_ignores_it(make_server):
    """An LRU file loaded under an LFU policy gives new counters, an LFU file
    under an LRU policy new access times: the same answers from both."""
    src = make_server(LRU)
    fill(src.client(), lfu=False)
    assert src.client().save()
    lru_file = open(dump_path(src), "rb").read()
    src.client().flushall()
    src.client().config_set("maxmemory-policy", "allkeys-lfu")
    fill(src.client(), lfu=True)
    assert src.client().save()
    lfu_file = open(dump_path(src), "rb").read()
    answers = []
    for kind in ("redis", "streamd"):
        s = make_server(kind=kind)
        s.stop()
        got = []
        for data, args, ask in ((lru_file, LFU, freqs), (lfu_file, LRU, idles)):
            with open(dump_path(s), "wb") as f:
                f.write(data)
            s.start(args)
            got.append(ask(s.client()))
            s.stop()
        # a fresh access time reads 0, or 1 when the load and the question
        # straddle a second (the sanitizer builds start slowly)
        got[1] = {k: 0 if v <= 1 else v for k, v in got[1].items()}
        answers.append(got)
    assert answers[0] == answers[1]
    assert set(answers[1][0].values()) == {5}  # LFU_INIT_VAL
    assert set(answers[1][1].values()) == {0}


@pytest.mark.parametrize("kind", ["redis", "streamd"])
def test_debug_reload(make_server, kind):
    s = make_server(LRU, kind=kind)
    c = s.client()
    fill(c, lfu=False)
    assert c.execute_command("DEBUG", "RELOAD")
    assert_idles_near(idles(c))
    # Under noeviction nothing is written: the keys come back as new.
    c.config_set("maxmemory-policy", "noeviction")
    assert c.execute_command("DEBUG", "RELOAD")
    assert set(idles(c).values()) == {0}
    c.flushall()
    c.config_set("maxmemory-policy", "allkeys-lfu")
    c.config_set("lfu-decay-time", "0")
    fill(c, lfu=True)
    assert c.execute_command("DEBUG", "RELOAD")
    assert freqs(c) == {k: v[1] for k, v in KEYS.items()}


def test_replica_full_sync_keeps_them(make_server):
    master = make_server(LFU)
    fill(master.client(), lfu=True)
    replica = make_server(LFU)
    rc = replica.client()
    rc.replicaof("127.0.0.1", master.port)
    deadline = time.monotonic() + 15 * SLOW
    while time.monotonic() < deadline:
        if rc.info("replication").get("master_link_status") == "up" and rc.dbsize() == len(KEYS):
            break
        time.sleep(0.05)
    assert rc.dbsize() == len(KEYS)
    assert freqs(rc) == {k: v[1] for k, v in KEYS.items()}


def test_aof_rdb_base_keeps_them(make_server):
    sd = make_server(LFU + ["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    c = sd.client()
    fill(c, lfu=True)
    c.bgrewriteaof()
    deadline = time.monotonic() + 10 * SLOW
    while time.monotonic() < deadline:
        p = c.info("persistence")
        if p["aof_rewrites"] >= 1 and not p["aof_rewrite_in_progress"]:
            break
        time.sleep(0.05)
    sd.restart()
    assert freqs(sd.client()) == {k: v[1] for k, v in KEYS.items()}
