"""Differential tests for the foundation (issue #2): the same command scripts
go to streamd and to Debian's redis-server 7.0, and the replies must match
byte for byte (types, error texts, null kinds), except where a call names a
normalizer for a legitimately volatile value (TTLs, times, ids, memory sizes,
the order of KEYS/SCAN).

Each SCRIPTS entry is one test. A script is a list of commands for the
`diff` fixture (see tests/testlib/diff.py): strings are split like a shell
line, tuples are passed as they are, Call(...) adds options.
"""

import time

import pytest

from testlib import SLOW, Call, Recv, approx, same_type, sorted_reply, without_lrm

from test_groups_diff import xinfo_full_groups


def T(cmd, d=1):
    """A call whose integer reply may differ by d (TTL-like)."""
    return Call(cmd, cmp=approx(d))


def V(cmd):
    """A call whose value is volatile: only the reply type must match."""
    return Call(cmd, cmp=same_type())


def S(cmd):
    """A call whose array reply is unordered."""
    return Call(cmd, norm=sorted_reply)


def scan_all_keys(v):
    return sorted(v[1]) if isinstance(v, list) and len(v) == 2 else v


def hello_norm(v):
    """HELLO with version, id and modules blanked (they differ legitimately:
    streamd lists the Redis 8 modules it builds in, test_standalone_diff.py)."""
    blank = (b"version", b"id", b"modules")
    if isinstance(v, dict):
        return {k: (b"*" if k in blank else x) for k, x in v.items()}
    if isinstance(v, list):
        return [b"*" if i > 0 and v[i - 1] in blank else x for i, x in enumerate(v)]
    return v


def command_info_head(v):
    """COMMAND INFO reduced to name, arity, flags, key positions, ACL categories."""
    if isinstance(v, list):
        return [x[:7] if isinstance(x, list) else x for x in v]
    return v


now = int(time.time())
FAR = now + 100000

SCRIPTS = {
    # ---- connection ------------------------------------------------------------
    "ping_echo": [
        "PING", "PING hello", "PING ''", "PING a b", "ping", "ECHO x", "ECHO", "ECHO a b",
        ("ECHO", b"\x00\xff\r\n"),
    ],
    "hello": [
        Call("HELLO", norm=hello_norm), Call("HELLO 2", norm=hello_norm),
        Call("HELLO 3", norm=hello_norm), "GET missing", "PING",
        Call("HELLO 2 SETNAME myname", norm=hello_norm), "CLIENT GETNAME",
        "HELLO 4", "HELLO 0", "HELLO -1", "HELLO abc", "HELLO 3 FOO", "HELLO 3 SETNAME",
        "HELLO 3 AUTH x", Call("HELLO 3 AUTH default x", norm=hello_norm), "HELLO 3 AUTH nobody x",
        "HELLO 3 SETNAME 'a b'", "GET missing",
    ],
    "auth_without_password": [
        "AUTH x", "AUTH default x", "AUTH nobody x", "AUTH", "AUTH a b c", "PING",
    ],
    "select": [
        "SET k 0", "SELECT 1", "GET k", "SET k 1", "SELECT 15", "SET k 15", "SELECT 16",
        "SELECT -1", "SELECT x", "SELECT 1.5", "SELECT", "SELECT 1 2", "GET k", "SELECT 1",
        "GET k", "DBSIZE", "SELECT 0", "GET k", "SELECT 2147483648", "SELECT -2147483649",
        "SELECT 2147483647", "SELECT 9223372036854775808",
    ],
    "reset": [
        "SELECT 2", "CLIENT SETNAME x", "MULTI", "SET a 1", "RESET", "EXEC", "CLIENT GETNAME",
        "SET a 1", "GET a", "SELECT 0", "GET a", "RESET x",
    ],
    "unknown_and_arity": [
        "FOO", "foo a", "foo a 'b c'", ("foo", "x" * 200), ("foo", "a" * 100, "b" * 100, "c"),
        ("foo\r\n", "x\ny"), "GET", "GET a b", "SET a", "MSET a", "MSET a 1 b", "MGET",
        "CONFIG", "CONFIG GET", "CONFIG NOPE", "CLIENT", "CLIENT NOPE x", "OBJECT", "OBJECT X",
        "OBJECT ENCODING", "MEMORY", "MEMORY NOPE", "FUNCTION", "FUNCTION NOPE", "COMMAND NOPE",
        "DEBUG", "PING",
    ],
    "client_basics": [
        V("CLIENT ID"), "CLIENT GETNAME", "CLIENT SETNAME n1", "CLIENT GETNAME",
        "CLIENT SETNAME 'a b'", ("CLIENT", "SETNAME", "a\nb"), "CLIENT SETNAME ''", "CLIENT GETNAME",
        "CLIENT SETNAME", "CLIENT ID x", "CLIENT NO-EVICT on", "CLIENT NO-EVICT off",
        "CLIENT NO-EVICT maybe", "CLIENT NO-EVICT", "CLIENT UNBLOCK 999999",
        "CLIENT UNBLOCK 999999 TIMEOUT", "CLIENT UNBLOCK 999999 ERROR", "CLIENT UNBLOCK x",
        "CLIENT UNBLOCK 1 FOO", "CLIENT KILL ID 999999", "CLIENT KILL ID x", "CLIENT KILL ID 0",
        "CLIENT KILL TYPE foo", "CLIENT KILL SKIPME maybe", "CLIENT KILL FOO bar",
        "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ADDR 1.2.3.4:5", "CLIENT KILL LADDR 1.2.3.4:5",
        "CLIENT KILL", "CLIENT LIST TYPE foo", "CLIENT LIST ID x", "CLIENT LIST FOO",
        "CLIENT LIST ID 999999", "CLIENT LIST TYPE pubsub", "CLIENT KILL TYPE pubsub",
    ],
    # ---- keyspace -----------------------------------------------------------------
    "dbsize_flush": [
        "DBSIZE", "MSET a 1 b 2 c 3", "DBSIZE", "SELECT 1", "SET x 1", "DBSIZE", "FLUSHDB",
        "DBSIZE", "SELECT 0", "DBSIZE", "FLUSHDB ASYNC", "DBSIZE", "SET a 1", "FLUSHDB SYNC",
        "SET a 1", "FLUSHALL", "DBSIZE", "SET a 1", "FLUSHALL ASYNC", "DBSIZE", "FLUSHALL sync",
        "FLUSHALL FOO", "FLUSHDB FOO", "FLUSHALL ASYNC SYNC", "DBSIZE x",
    ],
    "swapdb": [
        "SET a 0", "SELECT 1", "SET b 1", "SWAPDB 0 1", "GET a", "GET b", "SELECT 0", "GET b",
        "SWAPDB 0 0", "SWAPDB 0 16", "SWAPDB -1 0", "SWAPDB a 1", "SWAPDB 0 b", "SWAPDB 0",
        "SWAPDB 15 0", "DBSIZE", "SWAPDB 0 2147483648", "SWAPDB 4294967296 0",
        "SWAPDB 0 -2147483649", "SWAPDB 0 2147483647", "SWAPDB -2147483648 0",
    ],
    "del_exists_unlink_type": [
        "MSET a 1 b 2 c 3", "EXISTS a", "EXISTS a a b zz", "DEL a zz a", "UNLINK b c d",
        "EXISTS a b c", "DEL nothing", "DEL", "EXISTS", "UNLINK", "SET s v", "TYPE s",
        "TYPE missing", "TYPE", "TYPE a b",
    ],
    "keys_patterns": [
        ("MSET", "one", 1, "two", 2, "three", 3, "four", 4, b"h\x00llo", 5, "hallo", 6,
         "hxllo", 7, "a*b", 8, "a[b", 9, "a\\b", 10),
        S("KEYS *"), S("KEYS t*"), S("KEYS h?llo"), S("KEYS h[ax]llo"), S("KEYS h[^a]llo"),
        S("KEYS h[a-b]llo"), S("KEYS h[b-a]llo"), S(("KEYS", "a\\*b")), S(("KEYS", "a\\[b")),
        S(("KEYS", "a\\\\b")), S("KEYS nomatch*"), S("KEYS *o*"), S("KEYS [a"), S(("KEYS", "\\")),
        S("KEYS ***"), S(("KEYS", "h[\\a]llo")), S("KEYS"), S("KEYS a b"),
    ],
    "move": [
        "SET a 1 EX 100", "MOVE a 1", "GET a", "EXISTS a", "SELECT 1", "GET a", T("TTL a"),
        "MOVE a 1", "MOVE a 0", "MOVE a 0", "SELECT 0", "GET a", "SET a 2", "SELECT 1",
        "MOVE a 0", "GET a", "SELECT 0", "GET a", "MOVE missing 1", "MOVE a 16", "MOVE a -1",
        "MOVE a x", "MOVE a 2147483648", "MOVE a -2147483649", "MOVE a 1.5", "MOVE a", "MOVE a 1 2",
        "SET b 1 PX 1", "DEBUG SLEEP 0.01", "MOVE b 1", "SELECT 1", "EXISTS b", "SELECT 0",
        # a stream with its groups, pending entries and consumers goes whole
        "XADD s 1-1 f v", "XADD s 2-1 f w", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
        "XACK s g 1-1", "MOVE s 3", "TYPE s", "SELECT 3", "XLEN s", "XRANGE s - +",
        Call("XINFO STREAM s FULL", norm=xinfo_full_groups), "XPENDING s g", "XACK s g 2-1",
        "SELECT 0",
        # a reader blocked on the key in the destination database is served
        Call("SELECT 4", client=1), Call("XREAD BLOCK 0 STREAMS t 0", client=1, wait=False),
        "XADD t 5-1 f v", "MOVE t 4", Recv(client=1),
        # WATCH sees the key leave and arrive
        "SET w 1", "WATCH w", Call("MOVE w 5", client=1), "MULTI", "PING", "EXEC",
        "MULTI", "MOVE w 6", "MOVE nope 6", "EXEC",
    ],
    "copy": [
        "SET a hello EX 100", "COPY a b", "GET b", T("TTL b"), "COPY a b", "COPY a b REPLACE",
        "SET long " + "x" * 60, "APPEND a !", "COPY a r REPLACE", "OBJECT ENCODING r",
        "COPY long l", "OBJECT ENCODING l", "SET n 12", "COPY n n2", "OBJECT ENCODING n2",
        "COPY a a", "COPY a a DB 0", "COPY a a DB 1", "SELECT 1", "GET a", T("TTL a"), "SELECT 0",
        "COPY missing x", "COPY a b DB", "COPY a b DB 16", "COPY a b DB -1", "COPY a b DB x",
        "COPY a b DB 2147483648", "COPY a b FOO", "COPY a b REPLACE REPLACE", "COPY a",
        "COPY a b DB 1 DB 2 REPLACE", "SELECT 2", "GET b", "SELECT 0",
        "SET w 1", "WATCH w", Call("COPY a w REPLACE", client=1), "MULTI", "PING", "EXEC",
        "MULTI", "COPY s s9", "EXEC", "XLEN s9",
    ],
    # the HELP replies whose subcommands streamd has all of (CLIENT's and
    # DEBUG's and LATENCY's list only what streamd has)
    "help": [
        "OBJECT HELP", "CONFIG HELP", "COMMAND HELP", "MEMORY HELP", "SLOWLOG HELP",
        "XINFO HELP", "XGROUP HELP", "OBJECT HELP x",
    ],
    "role": [
        "ROLE", "ROLE x", "SET a 1", "ROLE", "MULTI", "ROLE", "EXEC",
    ],
    "touch": [
        "SET a 1", "SET b 2", "TOUCH a", "TOUCH a b missing a", "TOUCH missing", "TOUCH",
        "XADD s 1-1 f v", "TOUCH s", "OBJECT IDLETIME a", "SET e 1 PX 1", "DEBUG SLEEP 0.01",
        "TOUCH e", "EXISTS e", "MULTI", "TOUCH a", "EXEC",
    ],
    "randomkey": [
        "RANDOMKEY", "SET only 1", "RANDOMKEY", "RANDOMKEY x",
    ],
    "rename": [
        "SET a 1 EX 100", "RENAME a b", "GET a", "GET b", T("TTL b"), "SET c 3", "RENAME b c",
        "GET c", T("TTL c"), "SET d 4 EX 50", "SET e 5", "RENAME e d", "TTL d", "RENAME d d",
        "GET d", "RENAME missing x", "RENAME missing missing", "RENAME a", "RENAMENX d f",
        "RENAMENX f d", "SET g 1", "RENAMENX d g", "RENAMENX d d", "RENAMENX missing x",
        "GET f", "GET g",
    ],
    "scan": [
        ("MSET",) + tuple(x for i in range(60) for x in ("key:%d" % i, i)),
        ("MSET",) + tuple(x for i in range(20) for x in ("other:%d" % i, i)),
        Call("SCAN 0 COUNT 1000", norm=scan_all_keys),
        Call("SCAN 0 MATCH key:1* COUNT 1000", norm=scan_all_keys),
        Call("SCAN 0 MATCH other:? COUNT 1000 TYPE string", norm=scan_all_keys),
        Call("SCAN 0 TYPE stream COUNT 1000", norm=scan_all_keys),
        Call("SCAN 0 TYPE nosuchtype COUNT 1000", norm=scan_all_keys),
        Call("SCAN 0 MATCH nomatch COUNT 1000", norm=scan_all_keys),
        "SCAN abc", "SCAN 18446744073709551616", "SCAN 1x", "SCAN ' 1'", "SCAN 0 COUNT 0",
        "SCAN 0 COUNT -1", "SCAN 0 COUNT x", "SCAN 0 MATCH", "SCAN 0 FOO bar", "SCAN 0 COUNT",
        "SCAN 0 TYPE", "SCAN",
    ],
    "scan_empty": ["SCAN 0", "SCAN 0 MATCH * COUNT 5 TYPE string", "SELECT 3", "SCAN 0"],
    # ---- expiry ---------------------------------------------------------------------
    "ttl_basics": [
        "SET k v", "TTL k", "PTTL k", "TTL missing", "PTTL missing", "EXPIRE k 100", T("TTL k"),
        T("PTTL k", 100), "PEXPIRE k 50000", T("TTL k"), "EXPIRE missing 10", "PERSIST k",
        "PERSIST k", "PERSIST missing", "TTL k", "EXPIRETIME k", "PEXPIRETIME k",
        "EXPIRETIME missing", "PEXPIRETIME missing", "EXPIREAT k %d" % FAR, "EXPIRETIME k",
        "PEXPIRETIME k", "PEXPIREAT k %d" % (FAR * 1000 + 123), "PEXPIRETIME k", "EXPIRETIME k",
        # EXPIRETIME rounds to the nearest second
        "PEXPIREAT k %d" % (FAR * 1000 + 499), "EXPIRETIME k",
        "PEXPIREAT k %d" % (FAR * 1000 + 500), "EXPIRETIME k",
        "PEXPIREAT k %d" % (FAR * 1000 + 999), "EXPIRETIME k",
        # the farthest expiry times (the rounding once overflowed: cmd_fuzz seed 303)
        "PEXPIREAT k 9223372036854775807", "EXPIRETIME k", "PEXPIRETIME k",
        "PEXPIREAT k 9223372036854775499", "EXPIRETIME k", "PEXPIREAT k 9223372036854775500",
        "EXPIRETIME k",
        "EXPIREAT missing %d" % FAR, "TTL", "PTTL a b", "PERSIST", "EXPIRETIME", "PEXPIRETIME",
    ],
    "expire_past_deletes": [
        "MSET a 1 b 1 c 1 d 1", "EXPIRE a -1", "PEXPIRE b 0", "EXPIREAT c 1",
        "PEXPIREAT d 1000", "EXISTS a b c d", "DBSIZE", "EXPIRE missing -1",
    ],
    "expire_options": [
        "SET k v", "EXPIRE k 100 NX", "EXPIRE k 200 NX", T("TTL k"), "SET n v",
        "EXPIRE n 100 XX", "TTL n", "EXPIRE k 300 XX", T("TTL k"), "EXPIRE k 200 GT",
        "EXPIRE k 400 GT", "EXPIRE n 400 GT", "TTL n", "EXPIRE k 500 LT", "EXPIRE k 50 LT",
        T("TTL k"), "EXPIRE n 60 LT", T("TTL n"), "PEXPIRE k 10000 xx lt",
        "PEXPIREAT k %d GT" % (FAR * 1000), "EXPIREAT missing 100 NX", "EXPIRE k 10 NX XX",
        "EXPIRE k 10 NX GT", "EXPIRE k 10 NX LT", "EXPIRE k 10 GT LT", "EXPIRE k 10 XX GT",
        "EXPIRE k 10 FOO", "EXPIRE k 10 NX FOO", "EXPIRE k ten", "EXPIRE k 1.5", "EXPIRE k ''",
        "EXPIRE k 9223372036854775807", "PEXPIRE k 9223372036854775807",
        "EXPIREAT k 9223372036854775807", "PEXPIREAT k 9223372036854775807",
        "EXPIRE k -9223372036854775808", "PEXPIRE k -9223372036854775807",
        "EXPIRE k 9223372036854775", "EXPIRE k 9223372036854776", "EXPIRE k", "EXPIRE",
        "EXPIRE k 10 NX NX", "EXISTS k",
        # the options are read before the time (the differential tester found
        # streamd reading the time first)
        "EXPIRE k NX 100", "EXPIRE k ten NX XX", "EXPIRE k ten GT LT", "EXPIRE k ten FOO",
        "PEXPIREAT k ten NX", "EXPIRE missing NX 100", "EXPIRE k 99999999999999999 NX",
    ],
    "expire_gt_lt_persistent": [
        "SET p v", "EXPIRE p 100 GT", "TTL p", "EXPIRE p 100 LT", T("TTL p"), "PERSIST p",
        "PEXPIRE p 100000 GT", "PEXPIREAT p %d LT" % (FAR * 1000), T("TTL p", 2),
    ],
    "ttl_is_kept_or_cleared": [
        "SET k v EX 100", "APPEND k w", T("TTL k"), "SET k x", "TTL k", "SET n 1 EX 100",
        "INCR n", "INCRBY n 2", "DECR n", "DECRBY n 1", T("TTL n"), "MSET n 5", "TTL n",
        "SET k v EX 100", "SET k w KEEPTTL", T("TTL k"), "SETNX k z", T("TTL k"),
        "GETDEL k", "TTL k", "SET r v EX 100", "RENAME r r2", T("TTL r2"),
    ],
    # ---- objects ---------------------------------------------------------------------------
    "object_encoding": [
        "SET int 12345", "SET neg -42", "SET short hello", ("SET", "44", "x" * 44),
        ("SET", "45", "x" * 45), ("SET", "big", "9" * 25), "SET lead0 0123", "SET plus +1",
        "SET minus0 -0", "SET space ' 1'", ("SET", "maxll", "9223372036854775807"),
        ("SET", "overll", "9223372036854775808"), ("SET", "minll", "-9223372036854775808"),
        "SET float 1.5", "SET app ab", "APPEND app c", "SET empty ''", "SET zero 0",
        "SET n 10", "INCR n", "SET m 10000", "INCRBY m 10000", "SET app2 12", "APPEND app2 3",
        ("SET", "k20", "1" * 20), ("SET", "k21", "1" * 21),
        "OBJECT ENCODING int", "OBJECT ENCODING neg", "OBJECT ENCODING short",
        "OBJECT ENCODING 44", "OBJECT ENCODING 45", "OBJECT ENCODING big",
        "OBJECT ENCODING lead0", "OBJECT ENCODING plus", "OBJECT ENCODING minus0",
        "OBJECT ENCODING space", "OBJECT ENCODING maxll", "OBJECT ENCODING overll",
        "OBJECT ENCODING minll", "OBJECT ENCODING float", "OBJECT ENCODING app",
        "OBJECT ENCODING empty", "OBJECT ENCODING zero", "OBJECT ENCODING n",
        "OBJECT ENCODING m", "OBJECT ENCODING app2", "OBJECT ENCODING k20",
        "OBJECT ENCODING k21", "OBJECT ENCODING missing", "OBJECT ENCODING a b",
    ],
    # Redis's shared integers 0-9999 (SET, MSET, INCR, APPEND to a new key)
    # report a count of INT_MAX; anything else, a stream too, counts 1
    "object_refcount": [
        "SET a 5", "SET b 9999", "SET c 10000", "SET d -1", "SET e 0", "SET f 05", "INCR g",
        "APPEND h 7", "SET i 1", "APPEND i ''", "MSET j 3", "SET k 12", "INCRBY k -12",
        "DECR k", "SET l ' 5'", "XADD s 1-1 f 5", "OBJECT REFCOUNT a", "OBJECT REFCOUNT b",
        "OBJECT REFCOUNT c", "OBJECT REFCOUNT d", "OBJECT REFCOUNT e", "OBJECT REFCOUNT f",
        "OBJECT REFCOUNT g", "OBJECT REFCOUNT h", "OBJECT REFCOUNT i", "OBJECT REFCOUNT j",
        "OBJECT REFCOUNT k", "APPEND h 7", "OBJECT REFCOUNT h", "OBJECT REFCOUNT l",
        "OBJECT REFCOUNT s", "OBJECT REFCOUNT missing",
    ],
    "object_idletime_memory": [
        "SET k v", Call("OBJECT IDLETIME k", cmp=approx(1)), "OBJECT IDLETIME missing",
        "OBJECT IDLETIME", V("MEMORY USAGE k"), "MEMORY USAGE missing",
        V("MEMORY USAGE k SAMPLES 5"), V("MEMORY USAGE k SAMPLES 0"), "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES x", "MEMORY USAGE k FOO 1", "MEMORY USAGE",
    ],
    "time_lastsave": [
        V("TIME"), "TIME x", V("LASTSAVE"), "LASTSAVE x",
    ],
    # ---- strings --------------------------------------------------------------------------
    "get_set": [
        "GET k", "SET k v", "GET k", ("SET", b"bin\x00\r\n", b"\x00\xff\r\n"),
        ("GET", b"bin\x00\r\n"), "SET '' empty", "GET ''", ("SET", "big", "z" * 100000),
        ("STRLEN", "big"), "GET", "GET a b", "SET k", "SET", "SET k v extra",
    ],
    "set_nx_xx_get": [
        "SET k 1 NX", "SET k 2 NX", "GET k", "SET k 3 XX", "GET k", "SET m 1 XX", "EXISTS m",
        "SET k 4 nx", "SET k v NX XX", "SET k 5 GET", "SET k 6 XX GET", "SET new x XX GET",
        "EXISTS new", "SET k 7 NX GET", "SET k2 x NX GET", "GET k2", "SET k 8 EX 100 GET",
        T("TTL k"), "SET k v GET GET", "SET k v NX NX", "SET k v XX XX GET",
    ],
    "set_expiry_options": [
        "SET k v EX 100", T("TTL k"), "SET k v PX 100000", T("PTTL k", 100),
        "SET k v EXAT %d" % FAR, "EXPIRETIME k", "SET k v PXAT %d" % (FAR * 1000 + 5),
        "PEXPIRETIME k", "SET k v2 KEEPTTL", "PEXPIRETIME k", "GET k", "SET k v3", "TTL k",
        "SET k v ex 10 xx", T("TTL k"), "SET gone v EXAT 1", "EXISTS gone",
        "SET gone v PXAT 1000", "GET gone", "SET k v EX 10 EX 20", T("TTL k"),
        "SET k v KEEPTTL KEEPTTL", T("TTL k"),
    ],
    "set_expiry_errors": [
        "SET k orig", "SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v PX -5",
        "SET k v EXAT 0", "SET k v PXAT -1", "SET k v EX 9223372036854775807",
        "SET k v PX 9223372036854775807", "SET k v EXAT 9223372036854775807",
        "SET k v PXAT 9223372036854775807", "SET k v EX 9223372036854775",
        "SET k v EX 9223372036854776", "SET k v EX abc", "SET k v PX 1.5", "SET k v EXAT ''",
        "SET k v EX 99999999999999999999", "SET k v EX", "SET k v EX 10 PX 100",
        "SET k v KEEPTTL EX 10", "SET k v PX 10 KEEPTTL", "SET k v EXAT 1 PXAT 1", "SET k v FOO",
        "SET k v NX NX XX", "SET k v GET GET PX", "SET k v PX", "SET k v EX 10 GET FOO",
        "GET k", "TTL k",
    ],
    "setnx_getdel_mget_mset": [
        "SETNX k 1", "SETNX k 2", "GET k", "SETNX k", "SET d v EX 100", "GETDEL d", "EXISTS d",
        "GETDEL d", "GETDEL", "GETDEL a b", "MSET a 1 b 2 a 3", "MGET a b missing a",
        "MGET missing", "SET t x EX 100", "MSET t y", "TTL t", "MSET a", "MSET a 1 b", "MGET",
        "MSET", "MSET '' x", "MGET ''",
    ],
    "incr_decr": [
        "INCR n", "INCR n", "DECR n", "INCRBY n 100", "DECRBY n 200", "INCRBY n -1",
        "DECRBY n -100", "DECR fresh", "GET n", "INCRBY n 0", "SET s ' 12'", "INCR s",
        "SET s '12 '", "INCR s", "SET s 1.5", "INCR s", "SET s ''", "INCR s", "SET s 0x10",
        "INCR s", "SET s +1", "INCR s", "SET s 01", "INCR s", ("SET", "s", "1" * 25), "INCR s",
        "SET s -0", "INCR s", "GET s", "SET s 00", "DECR s", "SET s -", "INCR s",
        "INCRBY n x", "INCRBY n 1.0", "INCRBY n 99999999999999999999", "INCRBY n ''",
        "DECRBY n +1", "INCR", "INCRBY n", "DECRBY n", "DECR", "INCR a b", "INCRBY n 1 2",
        ("SET", "bin", b"1\x00"), "INCR bin",
    ],
    "incr_overflow": [
        "SET n 9223372036854775806", "INCR n", "INCR n", "INCRBY n 1", "GET n",
        "SET n -9223372036854775807", "DECR n", "DECR n", "DECRBY n 1", "INCRBY n -1", "GET n",
        "SET m -1", "INCRBY m -9223372036854775808", "SET m 0",
        "DECRBY m -9223372036854775808", "INCRBY m -9223372036854775808", "SET m 5",
        "INCRBY m 9223372036854775807", "DECRBY m -9223372036854775807", "SET m -5",
        "DECRBY m 9223372036854775807", "DECRBY m 9223372036854775804", "GET m",
        "INCRBY m 9223372036854775808", "SET m 9223372036854775807", "INCRBY m 0",
        "DECRBY m -1", "SET m 9223372036854775808", "INCR m",
    ],
    "append_strlen": [
        "STRLEN k", "APPEND k abc", ("APPEND", "k", b"\x00\r\n"), "APPEND k ''", "GET k",
        "STRLEN k", "SET n 12", "APPEND n 34", "INCR n", "STRLEN n", "OBJECT ENCODING n",
        "APPEND k", "STRLEN", "STRLEN a b", "APPEND new ''", "EXISTS new", "GET new",
    ],
    # ---- transactions -----------------------------------------------------------------------
    "multi_exec": [
        "MULTI", "SET a 1", "INCR a", "GET a", "MGET a b", "EXEC", "GET a", "MULTI", "EXEC",
        "EXEC", "DISCARD", "MULTI x", "MULTI", "MULTI", "WATCH x", "SET x 1", "EXEC",
        "MULTI", "SET d 1", "DISCARD", "GET d", "DISCARD",
    ],
    "multi_execabort": [
        "MULTI", "SET before 1", "SET x", "NOSUCH a", "CONFIG NOPE", "SET after 1", "EXEC",
        "EXISTS before after", "EXEC", "MULTI", "SET k 1", "EXEC x", "EXEC", "GET k",
    ],
    "multi_runtime_errors": [
        "SET s abc", "MULTI", "INCR s", "SET t 1", "SET u v EX 0", "INCR t", "RENAME nope x",
        "SELECT 99", "EXPIRE t 10 NX XX", "EXEC", "GET t",
    ],
    "multi_select": [
        "MULTI", "SELECT 2", "SET q 1", "GET q", "EXEC", "GET q", "SELECT 0", "GET q",
    ],
    "multi_resp3": [
        Call("HELLO 3", norm=hello_norm), "MULTI", "GET missing", "SET k v", "INCR k", "EXEC", "MULTI", "EXEC",
    ],
    "watch_races": [
        "SET w 1",
        Call("WATCH w", client=0), Call("SET w 2", client=1), "MULTI", "SET w mine", "EXEC",
        "GET w",
        "WATCH w", Call("SET w 2", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("SET w 1 NX", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("EXPIRE w 100", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("PERSIST w", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("PERSIST w", client=1), "MULTI", "PING", "EXEC",
        "WATCH nokey", Call("DEL nokey", client=1), "MULTI", "PING", "EXEC",
        "WATCH nokey", Call("FLUSHALL", client=1), "MULTI", "PING", "EXEC",
        "SET w 1", "WATCH w", Call("FLUSHDB", client=1), "MULTI", "PING", "EXEC",
        "SET w 1", "WATCH w", Call("SWAPDB 0 1", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("SELECT 1", client=1), Call("SET w z", client=1),
        Call("SWAPDB 0 1", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", "UNWATCH", Call("SET w 3", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", "MULTI", "DISCARD", Call("SET w 4", client=1), "MULTI", "PING", "EXEC",
        "WATCH a b c", Call("SET c 1", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", Call("GET w", client=1), "MULTI", "PING", "EXEC",
        "WATCH w", "SET w own", "MULTI", "PING", "EXEC",
        "SELECT 4", "WATCH w", "SELECT 0", Call("SELECT 4", client=2), Call("SET w x", client=2),
        "MULTI", "PING", "EXEC",
        Call("SET m 1", client=1), "WATCH m", Call("RENAME m m2", client=1), "MULTI", "PING",
        "EXEC",
        "WATCH m2", Call("RENAME n1 m2", client=1), "MULTI", "PING", "EXEC",
    ],
    # ---- admin -------------------------------------------------------------------------------
    "config": [
        "CONFIG GET maxmemory", "CONFIG GET timeout", "CONFIG GET databases",
        "CONFIG GET maxmemory-policy", "CONFIG GET proto-max-bulk-len",
        "CONFIG GET client-query-buffer-limit", "CONFIG GET tcp-keepalive", "CONFIG GET TIMEOUT",
        "CONFIG GET nosuch", "CONFIG GET nosuch*", "CONFIG GET timeout timeout",
        "CONFIG SET maxmemory 10mb timeout 5", "CONFIG GET maxmemory", "CONFIG GET timeout",
        "CONFIG SET timeout 7 maxmemory abc", "CONFIG GET timeout",
        "CONFIG SET timeout 1 timeout 2", "CONFIG SET nosuch 1", "CONFIG SET timeout abc",
        "CONFIG SET timeout -1", "CONFIG SET maxmemory -1", "CONFIG SET maxmemory 1.5mb",
        "CONFIG SET maxmemory 1gb", "CONFIG GET maxmemory", "CONFIG SET maxmemory 2GB",
        "CONFIG GET maxmemory", "CONFIG SET maxmemory 100k", "CONFIG GET maxmemory",
        "CONFIG SET daemonize yes", "CONFIG SET port", "CONFIG SET timeout 1 maxmemory",
        "CONFIG SET MaxMemory 0 TIMEOUT 0", "CONFIG GET maxmemory",
        "CONFIG SET proto-max-bulk-len 1000", "CONFIG SET client-query-buffer-limit 1000",
        Call("CONFIG SET maxmemory-policy nosuch", norm=without_lrm),
        "CONFIG SET maxmemory-policy noeviction",
        "CONFIG SET requirepass a requirepass b", "CONFIG RESETSTAT", "CONFIG RESETSTAT x",
        "CONFIG REWRITE", "CONFIG REWRITE x", "CONFIG", "CONFIG GET",
    ],
    # integers read as string2ll reads them, memory values as memtoull does
    # (no blanks or signs; no digits at all is 0; a unit, any case); hz is
    # taken at any value and kept within 1..500
    "config_numbers": [
        "CONFIG SET stream-node-max-entries ' 1'", "CONFIG SET stream-node-max-entries '1 '",
        "CONFIG SET stream-node-max-entries +1", "CONFIG SET stream-node-max-entries 01",
        "CONFIG SET stream-node-max-entries 1k", "CONFIG SET stream-node-max-entries -1",
        "CONFIG SET stream-node-max-entries ''", "CONFIG SET stream-node-max-entries 0x10",
        "CONFIG SET stream-node-max-entries 9223372036854775808",
        "CONFIG GET stream-node-max-entries", "CONFIG SET stream-node-max-bytes ' 1'",
        "CONFIG SET stream-node-max-bytes +1", "CONFIG SET stream-node-max-bytes 01kB",
        "CONFIG GET stream-node-max-bytes", "CONFIG SET stream-node-max-bytes '1kb '",
        "CONFIG SET stream-node-max-bytes 1.5", "CONFIG SET stream-node-max-bytes ''",
        "CONFIG GET stream-node-max-bytes", "CONFIG SET stream-node-max-bytes 99999999999999999999",
        "CONFIG SET stream-node-max-bytes 99999999999999999999gb",
        "CONFIG SET stream-node-max-bytes 18446744073709551615",
        "CONFIG SET stream-node-max-bytes 9223372036854775807b",
        "CONFIG SET stream-node-max-bytes 4096", "CONFIG SET timeout ' 1'",
        "CONFIG SET maxmemory ' 5'", "CONFIG SET maxmemory '5 mb'", "CONFIG SET hz +5",
        "CONFIG SET hz 0", "CONFIG GET hz", "CONFIG SET hz 1000", "CONFIG GET hz",
        "CONFIG SET hz 2147483648", "CONFIG SET hz 10", "CONFIG GET hz",
        "CONFIG SET stream-node-max-entries 100",
    ],
    "function_debug": [
        "FUNCTION LIST", "FUNCTION LIST WITHCODE", "FUNCTION LIST LIBRARYNAME x",
        "FUNCTION FLUSH", "FUNCTION FLUSH ASYNC", "FUNCTION FLUSH sync", "FUNCTION FLUSH x",
        "DEBUG SLEEP 0", "DEBUG SLEEP 0.01", "DEBUG LOG hello", "FUNCTION LIST",
    ],
    "command_introspection": [
        "COMMAND GETKEYS SET a b", "COMMAND GETKEYS MSET a 1 b 2", "COMMAND GETKEYS RENAME x y",
        "COMMAND GETKEYS GET k", "COMMAND GETKEYS EXISTS a b c", "COMMAND GETKEYS nosuch a",
        "COMMAND GETKEYS PING x", "COMMAND GETKEYS GET", "COMMAND GETKEYS", "COMMAND COUNT x",
        Call("COMMAND INFO get set mget mset del exists expire ping", norm=command_info_head),
        Call("COMMAND INFO nosuch GET", norm=command_info_head),
        Call("COMMAND INFO config|get client|list", norm=command_info_head),
        "COMMAND DOCS nosuch", S("COMMAND LIST FILTERBY PATTERN mge*"),
        S("COMMAND LIST FILTERBY PATTERN client|*name"), S("COMMAND LIST FILTERBY PATTERN nosuch"),
        "COMMAND LIST FILTERBY FOO x", "COMMAND LIST FOO",
    ],
    "shutdown_errors": [
        "SHUTDOWN FOO", "SHUTDOWN NOSAVE SAVE", "MULTI", "SHUTDOWN NOSAVE", "EXEC", "PING",
    ],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script(diff, name):
    diff(SCRIPTS[name])


@pytest.mark.parametrize("name", ["ping_echo", "get_set", "set_nx_xx_get", "incr_decr",
                                  "multi_exec", "multi_execabort", "config", "scan",
                                  "command_introspection", "object_encoding", "role"])
def test_script_resp3(diff, name):
    diff(SCRIPTS[name], resp=3)


# Commands of the foundation that Redis 7.0 has, for the arity sweep.
FOUNDATION_COMMANDS = [
    "ping", "echo", "quit", "reset", "hello", "auth", "select", "swapdb", "dbsize", "flushdb",
    "flushall", "del", "unlink", "exists", "type", "keys", "scan", "randomkey", "rename",
    "renamenx", "move", "copy", "touch", "role", "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "persist",
    "expiretime", "pexpiretime", "time", "lastsave", "get", "set", "setnx", "getdel", "mget",
    "mset", "incr", "decr", "incrby", "decrby", "append", "strlen", "multi", "exec", "discard",
    "watch", "unwatch", "info", "shutdown", "object|encoding", "object|idletime",
    "memory|usage", "config|get", "config|set", "config|resetstat", "config|rewrite",
    "client|id", "client|setname", "client|getname", "client|list", "client|info",
    "client|kill", "client|unblock", "client|no-evict", "command|count", "command|info",
    "command|docs", "command|list", "command|getkeys", "function|flush", "function|list",
]


def test_arity_sweep(diff, ref_server):
    """Every foundation command with one argument too few (or too many, for a
    fixed arity): the arity error must be Redis's, name included."""
    script = []
    c = ref_server.raw()
    for name in FOUNDATION_COMMANDS:
        info = c.call("COMMAND", "INFO", name)
        assert info[0] is not None, name
        arity = info[0][1]
        parts = name.split("|")
        n = abs(arity)
        if arity > 0:
            args = parts + ["x"] * (n + 1 - len(parts))  # one too many
        else:
            if n - 1 < len(parts):
                continue  # no count below the minimum is expressible
            args = parts + ["x"] * (n - 1 - len(parts))  # one too few
        if name in ("quit", "shutdown", "reset"):
            continue  # would close or stop; covered elsewhere
        if len(args) < len(parts) or (len(parts) == 2 and len(args) < 2):
            continue
        script.append(tuple(args))
    c.close()
    assert len(script) > 40
    diff(script)


def _raw_exchange(srv, data, wait, first_wait):
    c = srv.raw()
    try:
        c.send(data)
        got = c.read_available(wait, first_wait=first_wait)
        return got, c.eof
    finally:
        c.close()


PROTOCOL_CASES = {
    "inline_ping": b"PING\r\nPING\n",
    "inline_quotes": b"SET k \"a b\\x41\\n\"\r\nGET k\r\nSET k2 'x \\' y'\r\nGET k2\r\n",
    "inline_empty_lines": b"   \r\n\r\n  ECHO   spaced   \r\n",
    "inline_unbalanced": b"SET k \"abc\r\n",
    "inline_unbalanced_single": b"SET k 'abc\r\n",
    "inline_quote_then_char": b"ECHO \"a\"b\r\n",
    "inline_unknown": b"nosuch a b\r\n",
    "inline_too_big": b"x" * (64 * 1024 + 10),
    "mb_bad_count": b"*abc\r\n",
    "mb_count_overflow": b"*2147483648\r\n",
    "mb_count_huge": b"*" + b"9" * 30 + b"\r\n",
    "mb_expected_dollar": b"*2\r\n+GET\r\n",
    "mb_expected_dollar_int": b"*2\r\n$3\r\nGET\r\n:1\r\n",
    "bulk_negative": b"*1\r\n$-5\r\n",
    "bulk_bad": b"*1\r\n$abc\r\n",
    "bulk_huge": b"*1\r\n$" + b"9" * 30 + b"\r\n",
    "bulk_over_default_limit": b"*2\r\n$3\r\nGET\r\n$536870913\r\n",
    "empty_and_negative_mb": b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n",
    "bulk_without_crlf_then_more": b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
    "good_then_bad": b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$x\r\n",
    "mixed_pipeline": b"PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nECHO y\r\n",
    "quit_then_more": b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
    "multibulk_waits": b"*1048577\r\n$4\r\nPING\r\n",
}


NO_REPLY = {"multibulk_waits"}


@pytest.mark.parametrize("name", sorted(PROTOCOL_CASES))
def test_protocol_bytes(server, ref_server, r, ref, name):
    """Raw bytes in, raw bytes out, and whether the connection was closed."""
    data = PROTOCOL_CASES[name]
    # the first byte may be slow on a loaded machine; where no reply is
    # expected, waiting for one only costs time
    first = 0.3 * SLOW if name in NO_REPLY else 1.0 * SLOW
    got = _raw_exchange(server, data, 0.15 * SLOW, first)
    want = _raw_exchange(ref_server, data, 0.15 * SLOW, first)
    assert got == want, "%s: streamd %r vs redis %r" % (name, got, want)


def _blocked_counts(srv, c):
    """INFO's blocked_clients and clients_in_timeout_table while one client
    blocks forever and two block with a timeout (one on XREADGROUP)."""
    c.xadd("s", {"a": 1}, id="1-1")
    c.xgroup_create("s", "g", id="$")
    socks = []
    for cmd in (("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
                ("XREAD", "BLOCK", "100000", "STREAMS", "s", "$"),
                ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "100000", "STREAMS", "s", ">")):
        s = srv.raw()
        s.send_cmd(*cmd)
        socks.append(s)
    deadline = time.monotonic() + 10 * SLOW
    while c.info("clients")["blocked_clients"] < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    info = c.info("clients")
    got = (info["blocked_clients"], info["clients_in_timeout_table"])
    c.xadd("s", {"a": 2}, id="2-1")
    for s in socks:
        s.close()
    return got


def test_clients_in_timeout_table_diff(server, ref_server, r, ref):
    """Only clients blocked with a timeout are in the timeout table."""
    assert _blocked_counts(server, r) == _blocked_counts(ref_server, ref) == (3, 2)


def test_subcommands_named_like_transaction_commands_are_queued(diff):
    # SLOWLOG RESET, LATENCY RESET: a subcommand is never MULTI's own RESET
    # (nor DISCARD, EXEC, ...), so it is queued like any other
    diff.run(["MULTI", "SLOWLOG RESET", "LATENCY RESET", "PING", "EXEC"])
    diff.run(["MULTI", "SLOWLOG RESET", "DISCARD", "PING"])
