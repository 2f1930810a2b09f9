"""Foundation (issue #2): the plain string type.

GET/SET (EX/PX/EXAT/PXAT/NX/XX/KEEPTTL/GET), SETNX, GETDEL, MGET, MSET,
INCR/DECR/INCRBY/DECRBY (overflow, not-an-integer), APPEND, STRLEN. Expected
replies and error texts are Redis 7.0's (check with STREAMD_TARGET=redis).
"""

import time

import pytest

from testlib import RespError, SLOW

E_INT = RespError("ERR value is not an integer or out of range")
E_SYNTAX = RespError("ERR syntax error")
E_OVERFLOW = RespError("ERR increment or decrement would overflow")
MAX = 9223372036854775807
MIN = -9223372036854775808


def arity(name):
    return RespError("ERR wrong number of arguments for '%s' command" % name)


@pytest.fixture
def c(raw):
    return raw()


def test_get_set_binary_safe(c):
    for v in [b"", b"x", b"\x00\r\n\xff", bytes(range(256)), b"y" * 100000]:
        assert c.call("SET", b"k\x00\n", v) == b"OK"
        assert c.call("GET", b"k\x00\n") == v
    assert c.call("GET", "missing") is None
    assert c.call("SET", "", "empty key") == b"OK"
    assert c.call("GET", "") == b"empty key"
    assert c.call("GET") == arity("get")
    assert c.call("SET", "k") == arity("set")


def test_set_large_value(c):
    v = bytes(range(256)) * 4096  # 1 MiB
    assert c.call("SET", "big", v) == b"OK"
    assert c.call("GET", "big") == v
    assert c.call("STRLEN", "big") == len(v)


def test_set_nx_xx(c):
    assert c.call("SET", "k", "1", "NX") == b"OK"
    assert c.call("SET", "k", "2", "NX") is None
    assert c.call("GET", "k") == b"1"
    assert c.call("SET", "k", "3", "XX") == b"OK"
    assert c.call("GET", "k") == b"3"
    assert c.call("SET", "m", "1", "XX") is None
    assert c.call("EXISTS", "m") == 0
    assert c.call("SET", "k", "4", "nx") is None
    assert c.call("SET", "k", "v", "NX", "XX") == E_SYNTAX


def test_set_get_option(c):
    assert c.call("SET", "k", "1", "GET") is None
    assert c.call("SET", "k", "2", "GET") == b"1"
    assert c.call("SET", "k", "3", "XX", "GET") == b"2"
    assert c.call("SET", "new", "x", "XX", "GET") is None
    assert c.call("EXISTS", "new") == 0
    # NX and GET together are allowed since Redis 7.0
    assert c.call("SET", "k", "4", "NX", "GET") == b"3"
    assert c.call("GET", "k") == b"3"
    assert c.call("SET", "k2", "x", "NX", "GET") is None
    assert c.call("GET", "k2") == b"x"
    assert c.call("SET", "k", "5", "EX", "100", "GET") == b"3"
    assert 99 <= c.call("TTL", "k") <= 100


def test_set_expiry_options(c):
    assert c.call("SET", "k", "v", "EX", "100") == b"OK"
    assert 99 <= c.call("TTL", "k") <= 100
    assert c.call("SET", "k", "v", "PX", "100000") == b"OK"
    assert 99000 <= c.call("PTTL", "k") <= 100000
    now = int(time.time())
    assert c.call("SET", "k", "v", "EXAT", now + 200) == b"OK"
    assert c.call("EXPIRETIME", "k") == now + 200
    assert c.call("SET", "k", "v", "PXAT", (now + 300) * 1000 + 5) == b"OK"
    assert c.call("PEXPIRETIME", "k") == (now + 300) * 1000 + 5
    assert c.call("SET", "k", "v2", "KEEPTTL") == b"OK"
    assert c.call("PEXPIRETIME", "k") == (now + 300) * 1000 + 5
    assert c.call("GET", "k") == b"v2"
    assert c.call("SET", "k", "v3") == b"OK"
    assert c.call("TTL", "k") == -1
    assert c.call("SET", "k", "v", "ex", "10", "xx") == b"OK"
    # an absolute time in the past: the key is set and gone at once
    assert c.call("SET", "gone", "v", "EXAT", "1") == b"OK"
    assert c.call("EXISTS", "gone") == 0
    assert c.call("SET", "gone", "v", "PXAT", int(time.time() * 1000) - 1000) == b"OK"
    assert c.call("GET", "gone") is None


def test_set_expiry_option_errors(c):
    c.call("SET", "k", "orig")
    invalid = RespError("ERR invalid expire time in 'set' command")
    for args in [("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-5"), ("EXAT", "0"),
                 ("PXAT", "-1"), ("EX", str(MAX)), ("PX", str(MAX)), ("EXAT", str(MAX))]:
        assert c.call("SET", "k", "v", *args) == invalid, args
    for args in [("EX", "abc"), ("PX", "1.5"), ("EXAT", ""), ("EX", "99999999999999999999")]:
        assert c.call("SET", "k", "v", *args) == E_INT, args
    for args in [("EX",), ("EX", "10", "PX", "100"),
                 ("KEEPTTL", "EX", "10"), ("PX", "10", "KEEPTTL"), ("EXAT", "1", "PXAT", "1"),
                 ("FOO",), ("NX", "NX", "XX"), ("GET", "GET", "PX")]:
        assert c.call("SET", "k", "v", *args) == E_SYNTAX, args
    assert c.call("GET", "k") == b"orig"
    assert c.call("TTL", "k") == -1
    # repeating the same option is accepted
    assert c.call("SET", "k", "v", "EX", "10", "EX", "20") == b"OK"
    assert 19 <= c.call("TTL", "k") <= 20
    assert c.call("SET", "k", "v", "NX", "NX") is None


def test_setnx(c):
    assert c.call("SETNX", "k", "1") == 1
    assert c.call("SETNX", "k", "2") == 0
    assert c.call("GET", "k") == b"1"
    assert c.call("SETNX", "k") == arity("setnx")


def test_getdel(c):
    c.call("SET", "k", "v", "EX", "100")
    assert c.call("GETDEL", "k") == b"v"
    assert c.call("EXISTS", "k") == 0
    assert c.call("GETDEL", "k") is None
    assert c.call("GETDEL") == arity("getdel")


def test_mget_mset(c):
    assert c.call("MSET", "a", "1", "b", "2", "a", "3") == b"OK"
    assert c.call("MGET", "a", "b", "missing", "a") == [b"3", b"2", None, b"3"]
    c.call("SET", "t", "x", "EX", "100")
    c.call("MSET", "t", "y")
    assert c.call("TTL", "t") == -1  # MSET replaces the TTL like SET
    assert c.call("MSET", "a") == arity("mset")
    assert c.call("MSET", "a", "1", "b") == arity("mset")
    assert c.call("MGET") == arity("mget")


def test_incr_decr(c):
    assert c.call("INCR", "n") == 1
    assert c.call("INCR", "n") == 2
    assert c.call("DECR", "n") == 1
    assert c.call("INCRBY", "n", "100") == 101
    assert c.call("DECRBY", "n", "200") == -99
    assert c.call("INCRBY", "n", "-1") == -100
    assert c.call("DECRBY", "n", "-100") == 0
    assert c.call("DECR", "fresh") == -1
    assert c.call("GET", "n") == b"0"
    c.call("SET", "s", " 12")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "12 ")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "1.5")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "0x10")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "+1")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "01")
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "1" * 25)
    assert c.call("INCR", "s") == E_INT
    c.call("SET", "s", "-0")
    assert c.call("INCR", "s") == E_INT
    assert c.call("GET", "s") == b"-0"
    assert c.call("INCRBY", "n", "x") == E_INT
    assert c.call("INCRBY", "n", "1.0") == E_INT
    assert c.call("INCRBY", "n", "99999999999999999999") == E_INT
    assert c.call("INCR") == arity("incr")
    assert c.call("INCRBY", "n") == arity("incrby")


def test_incr_overflow(c):
    c.call("SET", "n", str(MAX - 1))
    assert c.call("INCR", "n") == MAX
    assert c.call("INCR", "n") == E_OVERFLOW
    assert c.call("INCRBY", "n", "1") == E_OVERFLOW
    assert c.call("GET", "n") == str(MAX).encode()
    c.call("SET", "n", str(MIN + 1))
    assert c.call("DECR", "n") == MIN
    assert c.call("DECR", "n") == E_OVERFLOW
    assert c.call("DECRBY", "n", "1") == E_OVERFLOW
    assert c.call("INCRBY", "n", "-1") == E_OVERFLOW
    assert c.call("GET", "n") == str(MIN).encode()
    c.call("SET", "m", "-1")
    assert c.call("INCRBY", "m", str(MIN)) == E_OVERFLOW
    c.call("SET", "m", "0")
    assert c.call("DECRBY", "m", str(MIN)) == RespError("ERR decrement would overflow")
    assert c.call("INCRBY", "m", str(MIN)) == MIN
    c.call("SET", "m", "5")
    assert c.call("INCRBY", "m", str(MAX)) == E_OVERFLOW


def test_incr_keeps_ttl(c):
    c.call("SET", "n", "1", "EX", "100")
    c.call("INCRBY", "n", "5")
    assert c.call("GET", "n") == b"6"
    assert c.call("TTL", "n") > 0


def test_append_strlen(c):
    assert c.call("STRLEN", "k") == 0
    assert c.call("APPEND", "k", "abc") == 3
    assert c.call("APPEND", "k", b"\x00\r\n") == 6
    assert c.call("APPEND", "k", "") == 6
    assert c.call("GET", "k") == b"abc\x00\r\n"
    assert c.call("STRLEN", "k") == 6
    c.call("SET", "n", "12")
    assert c.call("APPEND", "n", "34") == 4
    assert c.call("INCR", "n") == 1235
    assert c.call("STRLEN", "n") == 4
    assert c.call("APPEND", "k") == arity("append")
    assert c.call("STRLEN") == arity("strlen")


def test_append_respects_proto_max_bulk_len(c):
    assert c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"OK"
    try:
        c.call("SET", "k", b"x" * (1024 * 1024 - 1))
        assert c.call("APPEND", "k", "y") == 1024 * 1024
        assert c.call("APPEND", "k", "z") == RespError(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        assert c.call("STRLEN", "k") == 1024 * 1024
    finally:
        c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_many_keys_and_rehash(c):
    # Enough keys to grow the table several times; every key stays readable.
    n = 20000
    c.pipeline([("SET", "key:%d" % i, i) for i in range(n)])
    assert c.call("DBSIZE") == n
    got = c.pipeline([("GET", "key:%d" % i) for i in range(0, n, 7)])
    assert got == [str(i).encode() for i in range(0, n, 7)]
    assert c.pipeline([("DEL", "key:%d" % i) for i in range(0, n, 2)]) == [1] * (n // 2)
    assert c.call("DBSIZE") == n // 2
    got = c.pipeline([("EXISTS", "key:%d" % i) for i in range(n)])
    assert got == [i % 2 for i in range(n)]
