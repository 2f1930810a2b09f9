"""Behaviour changes of Redis 8.2-8.10 to commands streamd already had, each
read from Redis's merged pull requests and release notes (the search tool's
issues and docs corpora), where 8.10 replies differently from 7.0, the
differential oracle.
"""

import pytest
import redis

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8.x behaviour (the oracle is 7.0)")

BAD_OFFSET = "bit offset is not an integer or out of range"


def test_bitfield_index_offset_past_llong_max_is_refused(r):
    """redis/redis#15433 (8.10): "#n" times the width past LLONG_MAX is the
    offset error; 7.0 let the product wrap (2^61 * 8 read bit 0)."""
    r.set("k", b"\xff\x01")
    for off in ("#2305843009213693952", "#2305843009213693953", "#1152921504606846976"):
        with pytest.raises(redis.ResponseError, match=BAD_OFFSET):
            r.execute_command("BITFIELD", "k", "GET", "u8", off)
        with pytest.raises(redis.ResponseError, match=BAD_OFFSET):
            r.execute_command("BITFIELD_RO", "k", "GET", "u8", off)
    with pytest.raises(redis.ResponseError, match=BAD_OFFSET):
        r.execute_command("BITFIELD", "k", "GET", "i64", "#144115188075855872")
    # the largest index whose product fits is still only refused for its size
    with pytest.raises(redis.ResponseError, match=BAD_OFFSET):
        r.execute_command("BITFIELD", "k", "GET", "u8", "#1152921504606846975")
    assert r.execute_command("BITFIELD", "k", "GET", "u8", "#1") == [1]
    assert r.get("k") == b"\xff\x01"
