"""The Redis 8.x surface checked against Redis's own source: error texts, which
error wins when several apply, reply shapes, keyspace events and WATCH.

Redis 7.0 (the differential oracle) has none of these commands, so the
expected behaviour was read from Redis's source as stored in the search
corpus (the newest copies found; redis/redis's own stored t_stream.c and
t_hash.c are older):
  - streams: src/t_stream.c of a Redis unstable tree with XNACK and the
    XIDMPRECORD command (Redis 8.8 era, before MAXCOUNT/MAXSIZE);
  - hash field TTLs: src/t_hash.c of a Redis unstable tree newer than 8.2
    (flexible keyword order for HEXPIRE/HGETEX/HSETEX), cross-checked with
    8.2.1's and with redis/redis's 8.0-era copy;
  - keyModified(c, db, key, val, signal) of src/db.c: only signal=1 touches
    WATCHed keys and client-side caches.
Each test states the behaviour in its own words; none copies Redis's tests.
"""

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.x features (the oracle is 7.0)")


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def watch_survives(r, other, key, *cmd):
    """WATCH key, run cmd from another client, then EXEC a transaction:
    True when EXEC ran (the WATCH stood), False when it was aborted."""
    with r.pipeline() as p:
        p.watch(key)
        other.execute_command(*cmd)
        p.multi()
        p.set("watch-probe", "1")
        try:
            p.execute()
        except redis.WatchError:
            return False
    return True


@pytest.fixture
def r(r):
    """The module's client with redis-py's reply parsing off (raw replies)."""
    r.response_callbacks.clear()
    return r


def pending_stream(r, key="s", n=3):
    for i in range(1, n + 1):
        r.execute_command("XADD", key, "%d-0" % i, "f", "v%d" % i)
    r.execute_command("XGROUP", "CREATE", key, "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", key, ">")


# ---- WATCH: what Redis signals (keyModified with signal=1) and what not -------------------


def test_xnack_leaves_watch_standing(r, rr):
    # xnackCommand: keyModified(..., 0) then signalKeyAsReady: blocked
    # readers wake, a WATCH stands.
    pending_stream(r)
    assert watch_survives(r, rr(), "s", "XNACK", "s", "g", "FAIL", "IDS", "1", "1-0")
    assert r.execute_command("XPENDING", "s", "g", "-", "+", "10")[0][1] == b""


def test_xcfgset_leaves_watch_standing(r, rr):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    assert watch_survives(r, rr(), "s", "XCFGSET", "s", "IDMP-DURATION", "321")
    info = r.execute_command("XINFO", "STREAM", "s")
    assert info[info.index(b"idmp-duration") + 1] == 321


def test_xidmprecord_leaves_watch_standing(r, rr):
    # a current ID: an iid is kept for IDMP-DURATION after its entry's time
    first = r.execute_command("XADD", "s", "*", "f", "v")
    assert watch_survives(r, rr(), "s", "XIDMPRECORD", "s", "p", "i", first)
    assert r.execute_command("XADD", "s", "IDMP", "p", "i", "*", "f", "v") == first


def test_xackdel_signals_only_when_it_deletes(r, rr):
    # xackdelCommand: keyModified(..., 1) when an entry went, (..., 0) when
    # it only acknowledged.
    pending_stream(r)
    other = rr()
    assert watch_survives(r, other, "s", "XACKDEL", "s", "g", "ACKED", "IDS", "1", "9-0")
    r.execute_command("XGROUP", "CREATE", "s", "g2", "0")  # 1-0..3-0 unread by g2
    assert r.execute_command("XACKDEL", "s", "g", "ACKED", "IDS", "1", "1-0") == [2]
    assert watch_survives(r, other, "s", "XACKDEL", "s", "g", "ACKED", "IDS", "1", "2-0")
    assert not watch_survives(r, other, "s", "XACKDEL", "s", "g", "IDS", "1", "3-0")
