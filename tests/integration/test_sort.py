"""SORT beyond what Redis 7.0 can be compared on: BY/GET through hash fields
that carry Redis 7.4 field TTLs (an expired field reads as missing, even
before anything removed it)."""

import time

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Debian's redis-server 7.0 has no field TTLs")

SERVER_ARGS = ["--enable-debug-command", "yes"]


def test_expired_hash_field_is_missing(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.rpush("l", "1", "2", "3")
        r.hset("h_1", "f", "10")
        r.hset("h_2", "f", "5")
        r.hset("h_3", "f", "7")
        assert r.execute_command("HPEXPIRE", "h_2", "1", "FIELDS", "1", "f") == [1]
        time.sleep(0.05)
        # h_2's f is gone: weight 0 (sorts first) and GET gives nil
        assert r.sort("l", by="h_*->f", get=["#", "h_*->f"]) == [b"2", None, b"3", b"7",
                                                                  b"1", b"10"]
        assert r.sort("l", by="h_*->f", get="#", store="dst") == 3
        assert r.lrange("dst", 0, -1) == [b"2", b"3", b"1"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
