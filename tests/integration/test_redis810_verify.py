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


def ix(r, key, *args):
    return r.execute_command("INCREX", key, *args)


def test_increx_float_bounds_may_be_infinite(r):
    """redis/redis#15045's review: BYFLOAT bounds parse as long doubles, so
    inf and -inf are bounds; a SATURATE result that would land on an
    infinite bound (or so far from the value that the applied increment
    is infinite) is an error (the INCREX docs: "An error is returned if the
    delta ... would produce Infinity in BYFLOAT mode"), nothing changes."""
    r.set("k", 10, ex=100)
    assert ix(r, "k", "BYFLOAT", "1.0", "LBOUND", "-inf") == [b"11", b"1"]
    assert ix(r, "k", "BYFLOAT", "1.0", "LBOUND", "-inf", "UBOUND", "-inf") == [b"11", b"0"]
    assert ix(r, "k", "BYFLOAT", "1.0", "LBOUND", "inf", "UBOUND", "inf") == [b"11", b"0"]
    assert ix(r, "k", "BYFLOAT", "1.0", "UBOUND", "inf", "SATURATE") == [b"12", b"1"]
    for bound in ("inf", "-inf"):
        with pytest.raises(redis.ResponseError, match="^applied increment would be Infinity$"):
            ix(r, "k", "BYFLOAT", "1.0", "LBOUND", bound, "UBOUND", bound, "SATURATE", "EX", 5)
    with pytest.raises(redis.ResponseError, match="LBOUND can't be greater than UBOUND"):
        ix(r, "k", "BYFLOAT", "1.0", "LBOUND", "inf", "UBOUND", "-inf")
    assert r.get("k") == b"12" and r.ttl("k") > 50
    # finite bounds whose distance from the value is past the largest long double
    big = "1e4932"
    r.set("k", "-" + big)
    with pytest.raises(redis.ResponseError, match="^applied increment would be Infinity$"):
        ix(r, "k", "BYFLOAT", big, "LBOUND", big, "SATURATE")
    assert r.get("k") == b"-1e4932"
