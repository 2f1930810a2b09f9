"""The struct and cmsgpack script libraries, differentially: the same EVAL
scripts to streamd and to redis-server 7.0, replies compared byte for byte
(MessagePack bytes, struct strings, the values decoded, error replies with
their texts). Fixed cases cover every encoding choice, the decoders' types,
offsets and limits and each error; random cases pack random Lua values,
unpack random, truncated and corrupted MessagePack, and pack/unpack random
struct formats. Decoded values come back through a Lua serializer (Redis
turns numbers into integers), so floats and tables compare exactly.

The random seed is printed; STREAMD_TEST_SEED=n replays a run. Until streamd
has EVAL the module is skipped (against redis-server itself it compares 7.0
with 7.0, which checks the test).
"""

import os
import random

import pytest

from testlib import IS_REDIS
from testlib.diff import Call

SERIALIZE = r"""
local function ser1(v, depth)
  local t = type(v)
  if t == 'string' then
    return 's' .. (string.gsub(v, '.', function(c) return string.format('%02x', string.byte(c)) end))
  elseif t == 'number' then
    return 'n' .. string.format('%.17g', v)
  elseif t == 'boolean' then
    return v and 'b1' or 'b0'
  elseif t == 'nil' then
    return 'nil'
  elseif t == 'table' then
    if depth > 40 then return '{...}' end
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = ser1(k, depth + 1) .. '=' .. ser1(x, depth + 1)
    end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return t
end
local function ser(...)
  local out = {}
  for i = 1, select('#', ...) do out[#out + 1] = ser1((select(i, ...)), 0) end
  return table.concat(out, ' ')
end
"""


@pytest.fixture(scope="module")
def has_eval(server):
    c = server.raw()
    info = c.call("COMMAND", "INFO", "EVAL")
    c.close()
    if info == [None]:
        pytest.skip("streamd has no EVAL yet")


@pytest.fixture(scope="module")
def rng():
    seed = int(os.environ.get("STREAMD_TEST_SEED", random.randrange(1 << 30)))
    print("test_lua_libs_diff seed %d (replay with STREAMD_TEST_SEED=%d)" % (seed, seed))
    return random.Random(seed)


def ev(body, *argv):
    return Call(("EVAL", body, "0") + tuple(argv))


def evs(expr, *argv):
    """The serialized results of pcall(function() return expr end)."""
    return ev(SERIALIZE + "return ser(pcall(function() return %s end))" % expr, *argv)


# --- fixed cases ---------------------------------------------------------------

PACK = [
    "cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296)",
    "cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)",
    "cmsgpack.pack(2^53, 2^63, -2^63, 2^64, 1.5, 0.1, 1e300, 1/0, -1/0, 0/0, -0.0)",
    "cmsgpack.pack('', 'abc', string.rep('a', 31), string.rep('b', 32), string.rep('c', 256))",
    "cmsgpack.pack(string.rep('d', 65536))",
    "cmsgpack.pack(nil, true, false, {}, {1, 2, 3}, {a = 1}, {1, 2, nil, 4}, {[2] = 1})",
    "cmsgpack.pack({1, 2, x = 3}, {[0] = 1}, {[1.5] = 2}, {['1'] = 5}, {[2^32 + 1] = 5})",
    "cmsgpack.pack((function() local t = {} for i = 1, 16 do t[i] = i end return t end)())",
    "cmsgpack.pack((function() local t = {} for i = 1, 70000 do t[i] = i end return t end)())",
    "cmsgpack.pack((function() local t = {} for i = 1, 70000 do t['k' .. i] = i end return t end)())",
    "cmsgpack.pack((function() local t = {} for i = 1, 30 do t['key' .. i] = {i} end return t end)())",
    "cmsgpack.pack({{{{{{{{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}}}}}}}}, {{1}})",
    "cmsgpack.pack({[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[1]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1}]=1})",
    "cmsgpack.pack(function() end, coroutine.create(function() end), string.len)",
    "cmsgpack.pack(unpack({}, 1, 4000))",
    "struct.pack('>i <i i b B h H l L T', 1, 1, -2, 200, -1, 70000, -1, 1, 2^64, 5)",
    "struct.pack('>i3 <i16 >I16 i17 i0 i32', 131073, -1, 1, 1, 1, -3)",
    "struct.pack('f >d >f <d', 1.5, 1.5, 0.1, -0.0)",
    "struct.pack('f f f d', 1e300, -1e39, 0/0, 1/0)",
    "struct.pack('s s c c1 c0 c3', 'ab', 'a\\0b', 'ab', 'ab', 'xyz', 'abcdef')",
    "struct.pack('!4 b i ! b d !2 b i !8 b i3 b i5 b i6 b i7', 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2)",
    "struct.pack('>!4 b h i x b !8 b s d', 1, 2, 3, 4, 1, 'ab', 2)",
    "struct.pack('i8 i8 I8 i8 i8 i8 i8', 2^63, -2^63, 2^64 - 1, 0/0, -1e30, 1e30, 2^63 + 2^12)",
    "struct.pack('i i i i1 I1', 1.9, -1.9, '12', 300, -1)",
    "struct.pack('c9000 c9000', string.rep('a', 9000), string.rep('b', 9000))",
]

VALUES = [
    "cmsgpack.unpack('\\147\\1\\2\\3\\1\\2\\3')",
    "cmsgpack.unpack('\\192\\194\\195\\127\\128\\143\\144\\159\\160\\191\\224\\255')",
    "cmsgpack.unpack('\\204\\255\\205\\255\\255\\206\\255\\255\\255\\255\\207\\0\\0\\0\\1\\0\\0\\0\\0')",
    "cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255\\211\\128\\0\\0\\0\\0\\0\\0\\0')",
    "cmsgpack.unpack('\\208\\128\\209\\128\\0\\210\\128\\0\\0\\0\\202\\64\\73\\15\\219\\203\\64\\9\\33\\251\\84\\68\\45\\24')",
    "cmsgpack.unpack('\\217\\2ab\\218\\0\\3abc\\219\\0\\0\\0\\1z\\220\\0\\2\\1\\2\\221\\0\\0\\0\\1\\192')",
    "cmsgpack.unpack('\\222\\0\\1\\161a\\2\\223\\0\\0\\0\\1\\1\\2\\130\\161a\\145\\1\\145\\1\\161b')",
    "cmsgpack.unpack('')",
    "cmsgpack.unpack(12)",
    "cmsgpack.unpack_one('\\1\\2\\3'), cmsgpack.unpack_one('\\1\\2\\3', 1), cmsgpack.unpack_one('\\1\\2\\3', 2)",
    "cmsgpack.unpack_one('\\1\\2\\3', 3), cmsgpack.unpack_one(''), cmsgpack.unpack_one('\\1\\2\\3', 1.5)",
    "cmsgpack.unpack_limit('\\1\\2\\3', 2), cmsgpack.unpack_limit('\\1\\2\\3', 2, 2)",
    "cmsgpack.unpack_limit('\\1\\2\\3', 0), cmsgpack.unpack_limit('\\1\\2\\3', 5)",
    "cmsgpack.unpack_limit('\\1\\2\\3', 2^32)",
    "cmsgpack.unpack_limit('\\1\\2\\3', 0, 1), cmsgpack.unpack_limit('\\193\\2\\3', 0, 2)",
    "cmsgpack.unpack_limit('\\1\\2\\3', 0, 3)",
    "select('#', cmsgpack.unpack(string.rep('\\1', 7999)))",
    "select('#', cmsgpack.unpack_limit(string.rep('\\1', 7998), 9000, 0))",
    "type(cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1'))",
    "type(cmsgpack.unpack(string.rep('\\129', 7997) .. '\\1\\1' .. string.rep('\\1', 7996)))",
    "struct.unpack('i >i b B', '\\1\\0\\0\\0\\1\\0\\0\\0\\255\\255')",
    "struct.unpack('i', '\\1\\0\\0\\0\\2\\0\\0\\0', 5)",
    "struct.unpack('s c2 x c1 c0', 'ab\\0cdef3ghij')",
    "struct.unpack('<i16 <I8 <i3 >I9', string.rep('\\255', 16) .. string.rep('\\255', 8) .. '\\255\\255\\255\\1\\0\\0\\0\\0\\0\\0\\0\\2')",
    "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0\\3', 2)",
    "struct.unpack('>d <f d c0', struct.pack('>d <f d', -2.75, 1/0, 2.5) .. 'abc')",
    "select('#', struct.unpack(string.rep('b', 7997), string.rep('\\1', 7997)))",
    "struct.size('i'), struct.size('!8 b d b'), struct.size('z'), struct.size('i 4'), struct.size('c2147483647')",
]

ERRORS = [
    "cmsgpack.pack()",
    "cmsgpack.pack(unpack({}, 1, 4001))",
    "cmsgpack.unpack()",
    "cmsgpack.unpack_one({})",
    "cmsgpack.unpack_one('\\1\\2\\3', 4)",
    "cmsgpack.unpack_one('\\1\\2\\3', -1)",
    "cmsgpack.unpack_one('\\1\\2\\3', 2^31)",
    "cmsgpack.unpack_limit('\\1')",
    "cmsgpack.unpack_limit('\\1', 'x')",
    "cmsgpack.unpack_limit('\\1\\2\\3', 2, 2^40)",
    "cmsgpack.unpack('\\147\\1\\2')",
    "cmsgpack.unpack('\\193')",
    "cmsgpack.unpack('\\196\\1a')",
    "cmsgpack.unpack('\\216\\1' .. string.rep('\\1', 16))",
    "cmsgpack.unpack('\\129\\192\\1')",
    "cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')",
    "cmsgpack.unpack(string.rep('\\1', 8000))",
    "cmsgpack.unpack_limit(string.rep('\\1', 7999), 9000)",
    "cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1')",
    "cmsgpack.unpack(string.rep('\\129\\1', 4000) .. '\\1')",
    "struct.pack('c3', 'ab')",
    "struct.pack('b c3', 1, 'ab')",
    "struct.pack('!3 b i', 1, 2)",
    "struct.pack('z', 1)",
    "struct.pack('=i', 1)",
    "struct.pack('i')",
    "struct.pack('iii', 1)",
    "struct.pack('s', {})",
    "struct.pack('c9000 i', string.rep('a', 9000))",
    "struct.pack('i33', 1)",
    "struct.pack('i99999999999', 1)",
    "struct.unpack('i', '\\1\\0\\0')",
    "struct.unpack('i', '\\1\\0\\0\\0', 0)",
    "struct.unpack('i', '\\1\\0\\0\\0', -1)",
    "struct.unpack('s', 'abcd')",
    "struct.unpack('c0', 'abc')",
    "struct.unpack('bc0', '\\255abc')",
    "struct.unpack(string.rep('b', 7998), string.rep('\\1', 7998))",
    "struct.size('s')",
    "struct.size('bc0')",
    "struct.size('!3')",
]


def test_pack_bytes(diff, has_eval):
    """The bytes themselves, as the script's bulk reply."""
    diff([ev("return " + e) for e in PACK])


def test_values(diff, has_eval):
    """Decoded values: as Redis converts them (integers, arrays) and
    serialized (exact floats, maps)."""
    script = []
    for e in VALUES:
        script.append(ev("return {%s}" % e))
        script.append(evs(e))
    diff(script)


def test_errors(diff, has_eval):
    """Errors raised from the libraries: the error reply (its text, the
    script position) and, caught with pcall, the message itself."""
    script = []
    for e in ERRORS:
        script.append(ev("return " + e))
        script.append(evs(e))
    diff(script)


def test_tables(diff, has_eval):
    diff([
        ev("local r = {} for k, v in pairs(struct) do r[#r + 1] = k .. ':' .. type(v) end "
           "table.sort(r) return r"),
        ev("local r = {} for k, v in pairs(cmsgpack) do if k ~= '_COPYRIGHT' then "
           "r[#r + 1] = k .. ':' .. (type(v) == 'string' and v or type(v)) end end "
           "table.sort(r) return r"),
    ])


@pytest.mark.xfail(not IS_REDIS, strict=True, reason="streamd's Lua (Debian's 5.1) hashes strings of 32 bytes "
                   "or more by sampling; 7.0's bundled Lua hashes every byte (redis#9449), so "
                   "such keys come out of pairs()/lua_next in another order")
def test_long_string_keys(diff, has_eval):
    diff([ev("local t = {} for i = 1, 20 do t[string.rep('k', i) .. string.rep('z', 32) .. i] = i "
             "end return cmsgpack.pack(t)")])


# --- random cases -------------------------------------------------------------


def lua_string(b):
    return '"' + "".join("\\%03d" % c for c in b) + '"'


def rnd_number(r):
    k = r.randrange(10)
    if k == 0:
        return str(r.randint(-40, 140))
    if k == 1:
        return str(r.randint(-70000, 70000))
    if k == 2:
        return str(r.randint(-2 ** 63, 2 ** 63))
    if k == 3:
        return "%s2^%d" % (r.choice(["", "-"]), r.randint(0, 70))
    if k == 4:
        return repr(r.uniform(-1, 1) * 10 ** r.randint(-300, 300))
    if k == 5:
        return repr(r.randint(-4000, 4000) / 8)
    if k == 6:
        return r.choice(["(1/0)", "(-1/0)", "(0/0)", "(-0.0)", "4294967295", "4294967296",
                         "2^53+1", "3.4028234663852886e38", "1e39", "2^-149"])
    return repr(r.random())


def rnd_bytes(r, lo=0):
    k = r.randrange(12)
    n = r.randint(0, 40) if k < 8 else r.randint(0, 300) if k < 11 else r.randint(65530, 65540)
    return bytes(r.randint(lo, 255) for _ in range(n))


def rnd_value(r, depth):
    if depth == 1 and r.randrange(20) == 0:  # around the nesting limit (16)
        inner = rnd_value(r, 30)
        for _ in range(r.randint(12, 20)):
            inner = r.choice(["{%s}", "{[%s] = 1}", "{x = %s}"]) % inner
        return inner
    k = r.randrange(12 if r.random() < 0.6 / depth else 7)
    if k < 3:
        return rnd_number(r)
    if k < 5:
        return lua_string(rnd_bytes(r))
    if k == 5:
        return r.choice(["true", "false"])
    if k == 6:
        return "nil"
    n = r.choice([r.randint(0, 20), r.randint(0, 3)])
    if k < 9:  # array-like, holes included
        return "{" + ", ".join(rnd_value(r, depth + 1) for _ in range(n)) + "}"
    items = []
    for _ in range(n):
        # No table keys: tables hash by address, so their order differs even
        # between two runs of 7.0 (a map of one table key is in the fixed
        # cases). No string keys of 32 bytes or more: see test_long_string_keys.
        key = r.choice([rnd_number(r), lua_string(rnd_bytes(r)[:31]), "true", "false"])
        if key == "(0/0)":
            key = "1"
        items.append("[%s] = %s" % (key, rnd_value(r, depth + 1)))
    return "{" + ", ".join(items) + "}"


def test_random_pack(diff, has_eval, rng):
    script = []
    for _ in range(300):
        vals = [rnd_value(rng, 1) for _ in range(rng.randint(1, 4))]
        script.append(ev("return cmsgpack.pack(%s)" % ", ".join(vals)))
    diff(script)


def mp_value(r, depth, is_key=False):
    """Random MessagePack bytes, in forms 7.0's encoder never chooses too.
    Keys are never arrays or maps: tables hash by address, so the order of a
    map with table keys differs even between two calls on one 7.0."""
    k = r.randrange(14 if depth < 6 and not is_key else 11)
    if k == 0:
        return bytes([r.choice([0xc0, 0xc2, 0xc3, r.randrange(0x80), 0xe0 + r.randrange(32)])])
    if k == 1:
        t, n = r.choice([(0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8), (0xd0, 1), (0xd1, 2),
                         (0xd2, 4), (0xd3, 8), (0xca, 4), (0xcb, 8)])
        return bytes([t]) + bytes(r.randrange(256) for _ in range(n))
    if k in (2, 3):
        s = rnd_bytes(r)[:31] if is_key else rnd_bytes(r)  # see test_long_string_keys
        form = r.randrange(4)
        if form == 0 and len(s) < 32:
            return bytes([0xa0 | len(s)]) + s
        if form == 1 and len(s) < 256:
            return bytes([0xd9, len(s)]) + s
        if form == 2 and len(s) < 65536:
            return bytes([0xda]) + len(s).to_bytes(2, "big") + s
        return bytes([0xdb]) + len(s).to_bytes(4, "big") + s
    if k == 4:  # types 7.0 does not decode
        t = r.choice([0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8])
        return bytes([t]) + bytes(r.randrange(256) for _ in range(r.randint(0, 20)))
    if k < 11:
        return bytes([r.randrange(0x80)])
    n = r.randint(0, 6)
    is_map = k == 13
    form = r.randrange(3)
    if form == 0 and n < 16:
        head = bytes([(0x80 if is_map else 0x90) | n])
    elif form == 1:
        head = bytes([0xde if is_map else 0xdc]) + n.to_bytes(2, "big")
    else:
        head = bytes([0xdf if is_map else 0xdd]) + n.to_bytes(4, "big")
    body = b"".join(mp_value(r, depth + 1, is_key=is_map and i % 2 == 0)
                    for i in range(n * (2 if is_map else 1)))
    return head + body


def test_random_unpack(diff, has_eval, rng):
    """Random MessagePack through unpack, unpack_one and unpack_limit, whole,
    truncated and with a corrupted byte."""
    script = []
    for _ in range(300):
        data = b"".join(mp_value(rng, 0) for _ in range(rng.randint(1, 4)))
        how = rng.randrange(4)
        if how == 1 and len(data) > 1:
            data = data[:rng.randrange(1, len(data))]
        elif how == 2:
            i = rng.randrange(len(data))
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
        off = rng.randint(0, len(data))
        script.append(evs("cmsgpack.unpack(ARGV[1])", data))
        script.append(evs("cmsgpack.unpack_one(ARGV[1], %d)" % off, data))
        script.append(evs("cmsgpack.unpack_limit(ARGV[1], %d, %d)" % (rng.randint(0, 3), off), data))
    diff(script)


def test_random_repack(diff, has_eval, rng):
    """Decoded tables packed again: map order is lua_next's on both."""
    script = []
    for _ in range(100):
        data = mp_value(rng, 0)
        script.append(ev("local ok, v = pcall(cmsgpack.unpack, ARGV[1]) "
                         "if not ok then return v end return cmsgpack.pack(v)", data))
    diff(script)


STRUCT_ITEMS = ["<", ">", "!", "!1", "!2", "!4", "!8", "!16", " ", "x", "b", "B", "h", "H", "l",
                "L", "T", "i", "I", "f", "d", "s", "c", "c0", "c3", "i1", "i3", "I5", "i8", "I9",
                "i16", "=", "z", "!3"]


def struct_value(r, opt):
    if opt.startswith("s") or opt.startswith("c"):
        return lua_string(rnd_bytes(r, 1 if opt == "s" else 0)[:r.choice([3, 50])])
    return rnd_number(r)


def test_random_struct(diff, has_eval, rng):
    script = []
    for _ in range(300):
        items = [rng.choice(STRUCT_ITEMS) for _ in range(rng.randint(1, 8))]
        fmt = "".join(items)
        vals = [struct_value(rng, o) for o in items if o[0] not in "<>! x=z"]
        if rng.randrange(4) == 0 and vals:
            vals.pop()
        data = bytes(rng.randrange(256) if rng.randrange(3) else 0 for _ in range(rng.randint(0, 60)))
        script.append(evs("struct.pack(%s%s)" % (lua_string(fmt.encode()),
                                                 "".join(", " + v for v in vals))))
        script.append(evs("struct.unpack(ARGV[1], struct.pack(ARGV[1], %s))" % ", ".join(vals or ["1"]),
                          fmt))
        script.append(evs("struct.unpack(ARGV[1], ARGV[2], %d)" % rng.randint(-1, 10), fmt, data))
        script.append(evs("struct.size(ARGV[1])", fmt))
    diff(script)
