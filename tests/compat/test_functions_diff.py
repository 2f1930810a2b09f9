"""Redis 7 Functions (FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/HELP, FCALL,
FCALL_RO), differentially: the same command sequences to streamd and to
Debian's redis-server 7.0, replies compared byte for byte in RESP2 and in
RESP3 (HELLO 3).

What is covered: every error of FUNCTION LOAD (the "#!<engine> name=<lib>"
metadata line, library and function names, compile and run-time errors at
load, redis.register_function misused in its positional and its table form,
a function that another library owns, REPLACE and its failure leaving the old
library in place); what the load-time environment holds (only
redis.register_function, redis.log, the LOG_* levels and REDIS_VERSION[_NUM]:
probed with `local t = <name>` at load time and type(t) returned at run time)
and what the run-time environment holds (no KEYS/ARGV: keys and arguments are
the callback's parameters); FCALL and FCALL_RO (numkeys errors, unknown and
case-insensitive function names, Lua -> RESP conversions, errors raised inside
a function with their "script: <name>, on @user_function:<line>." suffix,
redis.call errors, writes refused under FCALL_RO and by no-writes functions,
allow-oom over maxmemory); FUNCTION LIST (LIBRARYNAME patterns, WITHCODE,
argument errors, flags and descriptions), STATS, DELETE, FLUSH, HELP, KILL
with nothing running; FUNCTION and FCALL inside MULTI/EXEC; COMMAND INFO,
DOCS and GETKEYS of fcall, fcall_ro and the FUNCTION subcommands; INFO
commandstats of the commands a function ran; INFO memory's function counts.

Libraries and the functions of a library sit in hash tables in Redis, so the
order of FUNCTION LIST is not specified: replies listing more than one
library or function are compared after sorting libraries by name and
functions by name (list_sorted). FUNCTION DUMP payloads are compared byte
for byte where one library is loaded (with several, their order is the
tables' order), and FUNCTION RESTORE gets the same payloads, good and bad,
on both servers. used_memory_functions and used_memory_vm_functions are compared by
presence only (their values are allocator details). Busy functions, FUNCTION KILL of a running function and
persistence are in tests/integration/test_functions.py.
"""

import pytest

from testlib import Call
from testlib.resp import RespError


def lib(name, body):
    """The code of a Lua library called name."""
    return "#!lua name=%s\n%s" % (name, body)


def load(code, replace=False):
    return ("FUNCTION", "LOAD") + (("REPLACE",) if replace else ()) + (code,)


def reg(fname, body):
    """A register_function call (positional form) with body as the callback's."""
    return "redis.register_function('%s', function(keys, args) %s end)\n" % (fname, body)


def fc(fname, *rest):
    """FCALL fname numkeys keys... args...; rest starts with numkeys (an int)."""
    if not rest:
        rest = (0,)
    return ("FCALL", fname) + tuple(str(x) if isinstance(x, int) else x for x in rest)


def fc_ro(fname, *rest):
    return ("FCALL_RO",) + fc(fname, *rest)[1:]


# -- normalizers --------------------------------------------------------------


def _pairs(v):
    """A map (RESP3 dict) or a flat RESP2 array as a list of (key, value)."""
    if isinstance(v, dict):
        return list(v.items())
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def _rebuild(like, pairs):
    if isinstance(like, dict):
        return dict(pairs)
    out = []
    for k, x in pairs:
        out += [k, x]
    return out


def _lib_sorted(entry):
    pairs = []
    for k, x in _pairs(entry):
        if k == b"functions" and isinstance(x, list):
            x = sorted(x, key=lambda f: dict(_pairs(f)).get(b"name") or b"")
        pairs.append((k, x))
    return _rebuild(entry, pairs)


def list_sorted(v):
    """FUNCTION LIST with libraries sorted by name and each library's
    functions sorted by name (the wire types are kept: canon compares them)."""
    if not isinstance(v, list):
        return v
    libs = [_lib_sorted(e) for e in v]
    return sorted(libs, key=lambda e: dict(_pairs(e)).get(b"library_name") or b"")


def in_exec(norm):
    """Applies norm to each reply of an EXEC."""

    def f(v):
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return f


def info_lines(*prefixes, fields=None, presence=()):
    """A normalizer keeping the INFO lines whose key starts with one of the
    prefixes, sorted; with fields, only those k=v fields of the value; keys in
    presence keep only whether their value is an integer."""

    def norm(v):
        if isinstance(v, RespError):
            return v
        out = []
        for line in bytes(v).decode().splitlines():
            key, _, val = line.partition(":")
            if key in presence:
                out.append("%s:%s" % (key, "int" if val.strip().isdigit() else val))
                continue
            if not any(key.startswith(p) for p in prefixes):
                continue
            if fields is not None:
                kv = dict(x.split("=", 1) for x in val.split(","))
                val = ",".join("%s=%s" % (f, kv.get(f)) for f in fields)
            out.append("%s:%s" % (key, val))
        return sorted(out)

    return norm


def container_subcommands(v):
    """COMMAND INFO of a container with its subcommands sorted by name (7.0
    lists them in its dict's order)."""
    if not isinstance(v, list):
        return v
    out = []
    for e in v:
        if isinstance(e, list) and len(e) == 10 and isinstance(e[9], list):
            subs = sorted(e[9], key=lambda x: x[0])
            e = e[:9] + [subs]
        out.append(e)
    return out


def without_script_runner(v):
    """COMMAND INFO entries without Redis 8.10's script_runner flag, which
    streamd shows (7.0 predates it; tests/integration/test_command_meta_new.py
    checks it)."""
    if not isinstance(v, list):
        return v
    out = []
    for e in v:
        if isinstance(e, list) and len(e) > 2 and isinstance(e[2], list):
            flags = type(e[2])(f for f in e[2] if f != b"script_runner")
            e = e[:2] + [flags] + e[3:]
        out.append(e)
    return out


# -- scenarios: name -> list of commands (see testlib.diff) -------------------

SCENARIOS = {}


def scenario(name, steps):
    assert name not in SCENARIOS
    SCENARIOS[name] = steps


ONE = "redis.register_function('f', function() return 1 end)"

scenario("load-metadata-errors", [
    load("return 1"), load(""), load("#!"), load("#!lua"), load("#!lua\nreturn 1"),
    load("#!lua name=x"), load("#!lua name=x\n"), load("#!lua name=x\nreturn 1"),
    load("#!lua name=\n" + ONE), load("#!lua name=a-b\n" + ONE), load("#!lua name=a.b\n" + ONE),
    load("#!lua name=a b\n" + ONE), load("#!lua name=é\n" + ONE),
    load("#!python name=x\n" + ONE), load("#! name=x\n" + ONE), load("#!lua2 name=x\n" + ONE),
    load("#!lua name=x foo=bar\n" + ONE), load("#!lua name=x name=y\n" + ONE),
    load("#!lua name=x flags=no-writes\n" + ONE), load("#!lua name\n" + ONE),
    load("#!lua noeq\n" + ONE), load("#!lua =x\n" + ONE), load("#!lua name==x\n" + ONE),
    load("#!lua name=x=y\n" + ONE), load(" #!lua name=x\n" + ONE),
    load("\n#!lua name=x\n" + ONE),
    # accepted: the engine's name and the field's in any case, spaces around
    # the fields
    load("#!lua NAME=x\n" + reg("fx", "return 'x'")), ("FCALL", "fx", "0"),
    load("#!LUA name=up\n" + ONE), load("#!lua   name=sp  \n" + reg("g", "return 2")),
    load("#!lua name=a_B9\n" + reg("h", "return 3")),
    load("#!lua name=" + "L" * 300 + "\n" + reg("long", "return 4")),
    ("FCALL", "f", "0"), ("FCALL", "g", "0"), ("FCALL", "h", "0"), ("FCALL", "long", "0"),
    ("FUNCTION", "LOAD"), ("FUNCTION", "LOAD", "REPLACE"), ("FUNCTION", "LOAD", "BLAH", "x"),
    ("FUNCTION", "LOAD", "#!lua name=z\n" + ONE, "REPLACE"),
    ("FUNCTION", "LOAD", "REPLACE", "REPLACE", "#!lua name=up\n" + ONE),
    ("FUNCTION", "LOAD", "replace", "#!lua name=up\n" + reg("f", "return 'replaced'")),
    ("FCALL", "f", "0"),
    Call(("FUNCTION", "LIST"), norm=list_sorted),
])

scenario("load-shebang-edges", [
    load("#!lua name=crlf\r\n" + reg("f1", "return 1")),
    load("#!lua\tname=tab\n" + reg("f2", "return 2")),
    load("#!lua name=tab2\t\n" + reg("f3", "return 3")),
    load("#!lua name=cr\r" + reg("f4", "return 4")),
    load("#!lua name=123\n" + reg("f5", "return 5")),
    load("#!lua name=n\x00ul\n" + reg("f6", "return 6")),
    load("#!lua name=nul2\n" + reg("f7", "return 'a\\0b'") + "-- \x00 tail"),
    load("#!lua name=\"q\"\n" + reg("f8", "return 8")),
    load("#!lua name='q'\n" + reg("f9", "return 9")),
    load("#!lua name=x -- comment\n" + reg("f10", "return 10")),
    load("#!lua name=dup\n#!lua name=dup2\n" + reg("f11", "return 11")),
    *[fc("f%d" % i) for i in range(1, 12)],
    Call(("FUNCTION", "LIST", "WITHCODE"), norm=list_sorted),
])

scenario("load-registration-errors", [
    load(lib("L", b)) for b in [
        "redis.register_function()",
        "redis.register_function('f')",
        "redis.register_function('f', function() return 1 end, 'x')",
        "redis.register_function('f', 'notfn')",
        "redis.register_function('f', nil)",
        "redis.register_function(function() end, 'f')",
        "redis.register_function(nil, function() end)",
        "redis.register_function({}, function() end)",
        "redis.register_function('', function() return 1 end)",
        "redis.register_function('a-b', function() return 1 end)",
        "redis.register_function('a b', function() return 1 end)",
        "redis.register_function('a.b', function() return 1 end)",
        "redis.register_function{}",
        "redis.register_function{function_name='f'}",
        "redis.register_function{callback=function() end}",
        "redis.register_function{function_name='f', callback=function() end, foo=1}",
        "redis.register_function{function_name='f', callback=function() end, flags={'bad-flag'}}",
        "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}",
        "redis.register_function{function_name='f', callback=function() end, flags={1}}",
        "redis.register_function{function_name='f', callback=function() end, flags={'no-script'}}",
        "redis.register_function{function_name='f', callback=function() end, description={}}",
        "redis.register_function{function_name={}, callback=function() end}",
        "redis.register_function{function_name='f', callback='x'}",
        "redis.register_function{function_name='a-b', callback=function() end}",
        "redis.register_function({function_name='f', callback=function() end}, 2)",
        "redis.register_function{'f', function() end}",
        "redis.register_function{[1]='x', function_name='f', callback=function() end}",
        "redis.register_function('f', function() end) "
        "redis.register_function{function_name='f', callback=function() end}",
        "redis.register_function('a', function() return 1 end) "
        "redis.register_function('a', function() return 2 end)",
        "redis.register_function('ok1', function() end) redis.register_function('bad name', function() end)",
        "redis.register_function('f', function() end) redis.register_function()",
    ]
] + [
    # nothing of a library whose load failed remains
    ("FCALL", "ok1", "0"), ("FCALL", "f", "0"), ("FUNCTION", "LIST"), ("FUNCTION", "STATS"),
])

def _accepted():
    bodies = [
        "redis.register_function(1, function() return 1 end)",
        "redis.register_function('a_B9', function() return 1 end)",
        "redis.register_function{function_name='f', callback=function() end, flags={}}",
        "redis.register_function{function_name='f', callback=function() end, description='desc'}",
        "redis.register_function{function_name='f', callback=function() end, description=5}",
        "redis.register_function{function_name=1, callback=function() end}",
        "redis.register_function{function_name='f', callback=function() end, "
        "flags={'no-writes','no-writes'}}",
        "redis.register_function{function_name='f', callback=function() end, flags={'NO-WRITES'}}",
        "redis.register_function{function_name='f', callback=function() end, "
        "flags={x='no-writes', y='allow-oom'}}",
        "redis.register_function{function_name='f', callback=function() end, "
        "flags={'allow-cross-slot-keys', 'no-cluster', 'allow-stale', 'allow-oom', 'no-writes'}}",
        "redis.register_function{function_name='f', callback=function() end, description=''}",
        "redis.register_function{function_name='f', callback=function() end, description=nil}",
        "redis.register_function{function_name='f', callback=function() end, flags=nil}",
        "redis.register_function('f', function() end) return 5",
        "redis.register_function('" + "x" * 70 + "', function() end)",
        "redis.register_function('f', function() end) redis.log(redis.LOG_WARNING, 'loading')",
        "redis.register_function{function_name='f', callback=function() end, "
        "flags={'no-writes'}, description='d'}",
    ]
    steps = []
    for b in bodies:
        # one function per library: the reply's order is fixed, compared raw
        steps += [("FUNCTION", "LOAD", "REPLACE", lib("L", b)), ("FUNCTION", "LIST"),
                  ("FUNCTION", "LIST", "WITHCODE")]
    steps += [
        ("FUNCTION", "LOAD", "REPLACE", lib("L", "local f = function() return 'same' end "
                                                 "redis.register_function('f1', f) "
                                                 "redis.register_function('f2', f)")),
        ("FCALL", "f1", "0"), ("FCALL", "f2", "0"),
        Call(("FUNCTION", "LIST"), norm=list_sorted),
    ]
    return steps


scenario("load-registration-accepted", _accepted())

scenario("load-replace", [
    load(lib("lib1", reg("f1", "return 'one'") + reg("f1b", "return 'one-b'"))),
    load(lib("lib1", reg("f9", "return 9"))),
    load(lib("lib2", reg("f1", "return 'two'"))),
    load(lib("lib2", reg("f2", "return 'two'"))),
    load(lib("LIB1", reg("g", "return 'upper'"))),
    # REPLACE swaps the whole library: f1b is gone, f3 is new
    load(lib("lib1", reg("f1", "return 'one again'") + reg("f3", "return 3")), replace=True),
    fc("f1"), fc("f1b"), fc("f3"),
    # a REPLACE that fails (another library's function, a compile error, an
    # error while loading, no function) keeps the old library as it was
    load(lib("lib1", reg("f2", "return 'stolen'")), replace=True),
    load(lib("lib1", "return ("), replace=True),
    load(lib("lib1", reg("f1", "return 0") + "local x = nil + 1"), replace=True),
    load(lib("lib1", "local x = 1"), replace=True),
    load(lib("lib1", reg("f1", "return 0") + reg("f1", "return 0")), replace=True),
    fc("f1"), fc("f2"), fc("f3"),
    # REPLACE of a library that does not exist just loads it
    load(lib("lib3", reg("f4", "return 4")), replace=True), fc("f4"),
    # a function may move between libraries only once its library lets it go
    load(lib("lib3", reg("f5", "return 5")), replace=True),
    load(lib("lib2", reg("f2", "return 'two'") + reg("f4", "return 'four in lib2'")), replace=True),
    fc("f4"), fc("f5"),
    Call(("FUNCTION", "LIST"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "WITHCODE"), norm=list_sorted),
    ("FUNCTION", "STATS"),
])

# Function names are case-insensitive in 7.0 (FCALL, and collisions at
# load); library names are not (DELETE, the "already exists" check), and
# LIBRARYNAME patterns match in any case.
scenario("name-case", [
    load(lib("c1", reg("MyFn", "return 'mine'"))),
    fc("myfn"), fc("MYFN"), fc("MyFn"), fc_ro("myfn"),
    load(lib("c2", reg("myfn", "return 'other'"))),
    load(lib("c2", reg("MYFN", "return 'other'"))),
    load(lib("c3", reg("a", "return 1") + reg("A", "return 2"))),
    load(lib("c1", reg("myfn", "return 'lower now'")), replace=True),
    fc("MyFn"),
    load(lib("C1", reg("other", "return 'upper lib'"))),
    ("FUNCTION", "DELETE", "c1"), fc("myfn"), fc("OTHER"),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "c*"), norm=list_sorted),
    ("FUNCTION", "DELETE", "c1"),
])

scenario("load-compile-and-runtime-errors", [
    load(lib("e", "return (")),
    load(lib("e", "\n\nlocal = 1")),
    load(lib("e", reg("f", "return ("))),
    load(lib("e", "error('boom')")),
    load(lib("e", "local x = nil + 1")),
    load(lib("e", "local t = nil; t.x = 1")),
    load(lib("e", "redis.call('PING')")),
    load(lib("e", "redis.pcall('PING')")),
    load(lib("e", "redis.register_function('f', function() end) x = 5")),
    load(lib("e", "redis.register_function('f', function() end) local t = bad_global")),
    load(lib("e", "redis.register_function('f', function() end) redis.setresp(3)")),
    load(lib("e", "redis.register_function('f', function() end) redis.sha1hex('x')")),
    load(lib("e", "redis.register_function('f', function() end) redis.error_reply('x')")),
    load(lib("e", "redis.register_function('f', function() end) redis.x = 1")),
    load(lib("e", "redis.register_function('f', function() end) string.x = 1")),
    load(lib("e", "redis.register_function('f', function() end) local ok = pcall(print)")),
    load(lib("e", "for i = 1, 10 do end")),
    load(lib("e", "local t = {} for i = 1, 100000 do t[i] = i end " + ONE)),
    fc("f"),
    ("FUNCTION", "LIST"),
])

# What a library can see while it loads and what a function sees when it
# runs. The load-time probe reads the name at load (an error for what does
# not exist then) and returns its type at run time.
ENV_NAMES = [
    "redis", "redis.register_function", "redis.log", "redis.LOG_DEBUG", "redis.LOG_VERBOSE",
    "redis.LOG_NOTICE", "redis.LOG_WARNING", "redis.REDIS_VERSION", "redis.REDIS_VERSION_NUM",
    "redis.call", "redis.pcall", "redis.setresp", "redis.set_repl", "redis.replicate_commands",
    "redis.breakpoint", "redis.debug", "redis.sha1hex", "redis.error_reply", "redis.status_reply",
    "redis.acl_check_cmd", "redis.REPL_ALL", "redis.REPL_NONE", "redis.nope",
    "string", "string.format", "table", "table.insert", "math", "math.random", "cjson",
    "cjson.encode", "bit", "struct", "cmsgpack", "os", "os.clock", "io", "KEYS", "ARGV",
    "pcall", "xpcall", "error", "print", "type", "tostring", "tonumber", "select", "pairs",
    "ipairs", "unpack", "next", "assert", "loadstring", "load", "dofile", "require", "module",
    "setmetatable", "getmetatable", "rawget", "rawset", "rawequal", "setfenv", "getfenv",
    "collectgarbage", "_G", "_VERSION", "coroutine", "debug", "newproxy", "gcinfo",
    "__redis__err__handler", "nope",
]


def _env_steps():
    steps = []
    for name in ENV_NAMES:
        steps += [
            ("FUNCTION", "FLUSH"),
            load(lib("probe", "local t = %s\n" % name + reg("probe", "return type(t)"))),
            fc("probe"),
            ("FUNCTION", "FLUSH"),
            load(lib("probe", reg("probe", "return type(%s)" % name))),
            fc("probe"),
        ]
    steps += [
        load(lib("probe", reg("probe", "return {type(keys), type(args), #keys, #args}")),
             replace=True),
        fc("probe"), fc("probe", 2, "k1", "k2", "a1"),
        load(lib("probe", "local n = select('#', 1, 2)\n" + reg("probe", "return 1")), replace=True),
        load(lib("probe", "local v = redis.REDIS_VERSION_NUM > 0x060000 and 1 or 0\n"
                 + reg("probe", "return v")), replace=True),
        fc("probe"),
        load(lib("probe", "redis.log(redis.LOG_NOTICE, 'at load', 1, 2)\n"
                 + reg("probe", "return 'logged'")), replace=True),
        fc("probe"),
        load(lib("probe", "redis.log(redis.LOG_NOTICE)\n" + reg("probe", "return 1")),
             replace=True),
        load(lib("probe", "redis.log('bad', 'x')\n" + reg("probe", "return 1")), replace=True),
        load(lib("probe", "redis.log(99, 'x')\n" + reg("probe", "return 1")), replace=True),
    ]
    return steps


scenario("load-time-and-run-time-environment", _env_steps())

FCALL_LIB = lib("t", "".join([
    reg("echo", "return {keys, args}"),
    "redis.register_function('nargs', function(...) return select('#', ...) end)\n",
    reg("globals", "return {type(KEYS), type(ARGV)}"),
    reg("err", "error('my bad')"),
    reg("errt", "error({err='MYCODE tbl'})"),
    reg("errr", "return redis.error_reply('CUSTOM x')"),
    reg("errnospace", "return redis.error_reply('NOSPACE')"),
    reg("stat", "return redis.status_reply('FINE')"),
    reg("call_err", "return redis.call('INCR', keys[1])"),
    reg("call_unknown", "return redis.call('NOPE')"),
    reg("call_arity", "return redis.call('GET')"),
    reg("call_noargs", "return redis.call()"),
    reg("pcall_err", "return redis.pcall('INCR', keys[1])"),
    reg("pcall_type", "local e = redis.pcall('INCR', keys[1]) return {type(e), e.err}"),
    reg("set", "return redis.call('SET', keys[1], args[1])"),
    reg("nilidx", "local x = nil; return x.y"),
    reg("conv", "return {1, 'a', true, false, {ok='st'}, 3.7, {2, {3}}, nil, 5}"),
    reg("conv_nil", "return nil"),
    reg("conv_false", "return false"),
    reg("conv_true", "return true"),
    reg("conv_float", "return -3.99"),
    reg("conv3", "redis.setresp(3) return {double=1.5}"),
    reg("conv3b", "redis.setresp(3) return {true, false, nil}"),
    reg("map", "return {map={a=1}}"),
    reg("set3", "return {set={x=true}}"),
    reg("bignum", "return {big_number='123456789012345678901234567890'}"),
    reg("verb", "return {verbatim_string={format='txt', string='hello'}}"),
    reg("get", "return redis.call('GET', keys[1])"),
    reg("get_nil", "return {redis.call('GET', 'nokey') == false, type(redis.call('GET', 'nokey'))}"),
    reg("xread", "return redis.call('XRANGE', keys[1], '-', '+')"),
    reg("eval", "return redis.call('EVAL', 'return 1', 0)"),
    reg("fcall", "return redis.call('FCALL', 'echo', 0)"),
    reg("fcall_ro", "return redis.call('FCALL_RO', 'echo', 0)"),
    reg("function_list", "return redis.call('FUNCTION', 'LIST')"),
    reg("function_load", "return redis.call('FUNCTION', 'LOAD', 'x')"),
    reg("script_flush", "return redis.call('SCRIPT', 'FLUSH')"),
    reg("multi", "return redis.call('MULTI')"),
    reg("setg", "gx = 1 return 1"),
    reg("readg", "return type(gx)"),
    reg("sha", "return redis.sha1hex('abc')"),
    reg("set_repl", "redis.set_repl(redis.REPL_ALL) return 1"),
    reg("replicate", "return redis.replicate_commands()"),
    reg("multiline", "local a = 1\nlocal b = 2\nerror('line 3 of the function')"),
    reg("argn", "return {keys[1], keys[2], args[1], args[2], #args}"),
    reg("sel", "redis.call('SELECT', 5) return redis.call('SET', keys[1], 'in5')"),
    reg("cjson", "return cjson.encode({1, 2})"),
    reg("loop", "local n = 0 for i = 1, 1000 do n = n + i end return n"),
    reg("err_num", "error(123)"),
    reg("err_bool", "error(true)"),
    reg("err_nil", "error()"),
    reg("err_crlf", "error('with\\r\\nnewline')"),
    reg("err_empty_reply", "return redis.error_reply('')"),
    reg("lua_pcall", "local ok, e = pcall(redis.call, 'INCR', keys[1]) "
                     "return {tostring(ok), type(e), e}"),
    reg("lua_pcall_ok", "local ok, e = pcall(redis.call, 'GET', keys[1]) return {tostring(ok), e}"),
    reg("breakpoint", "return redis.breakpoint()"),
    reg("debug", "return redis.debug('x')"),
    reg("version", "return redis.REDIS_VERSION_NUM > 0"),
    reg("acl", "return redis.acl_check_cmd('SET', 'k', 'v')"),
    reg("acl_bad", "return redis.acl_check_cmd('NOPE')"),
    reg("log", "redis.log(redis.LOG_WARNING, 'from a function') return 'logged'"),
    reg("keys_many", "return #keys + 100 * #args"),
]))

scenario("fcall", [
    ("FUNCTION", "LOAD", FCALL_LIB),
    ("FCALL",), ("FCALL", "echo"), ("FCALL", "echo", "x"), ("FCALL", "echo", "-1"),
    ("FCALL", "echo", "2", "a"), ("FCALL", "echo", "1"), ("FCALL", "echo", "1.0", "x"),
    ("FCALL", "echo", " 1", "x"), ("FCALL", "echo", "99999999999999999999"),
    ("FCALL", "echo", "0x1", "x"), ("FCALL", "echo", ""),
    ("FCALL", "nope", "0"), ("FCALL", "nope", "x"), ("FCALL", "nope", "-1"),
    ("FCALL", "nope", "5", "a"), ("FCALL", "", "0"),
    ("FCALL_RO",), ("FCALL_RO", "nope", "0"), ("FCALL_RO", "echo", "1"),
    ("FCALL_RO", "echo", "x"), ("FCALL_RO", "nope", "x"),
    fc("echo"), fc("echo", 0, "a", "b"), fc("echo", 2, "k1", "k2", "a1"),
    fc("echo", 1, b"bin\x00ary", b"\xff\xfe"), fc("ECHO"), fc("Echo", 1, "k"),
    fc("nargs"), fc("nargs", 1, "k", "a"), fc("globals"),
    fc("err"), fc("errt"), fc("errr"), fc("errnospace"), fc("stat"),
    ("SET", "str", "abc"),
    fc("call_err", 1, "str"), fc("call_unknown"), fc("call_arity"), fc("call_noargs"),
    fc("pcall_err", 1, "str"), fc("pcall_type", 1, "str"),
    fc("set", 1, "k", "v"), fc("get", 1, "k"), fc("get", 1, "nokey"), fc("get_nil"),
    fc("nilidx"), fc("conv"), fc("conv_nil"), fc("conv_false"), fc("conv_true"),
    fc("conv_float"), fc("conv3"), fc("conv3b"), fc("map"), fc("set3"), fc("bignum"),
    fc("verb"),
    ("XADD", "s", "1-1", "f", "v"), fc("xread", 1, "s"), fc("get", 1, "s"),
    fc("eval"), fc("fcall"), fc("fcall_ro"), fc("function_list"), fc("function_load"),
    fc("script_flush"), fc("multi"), fc("setg"), fc("readg"), fc("sha"), fc("set_repl"),
    fc("replicate"), fc("multiline"), fc("argn", 2, "a", "b", "c", "d"), fc("sel", 1, "k5"),
    ("GET", "k5"), ("SELECT", "5"), ("GET", "k5"), ("SELECT", "0"),
    fc("cjson"), fc("loop"), fc("err_num"), fc("err_bool"), fc("err_nil"), fc("err_crlf"),
    fc("err_empty_reply"), fc("lua_pcall", 1, "str"), fc("lua_pcall_ok", 1, "str"),
    fc("breakpoint"), fc("debug"), fc("version"), fc("acl"), fc("acl_bad"), fc("log"),
    fc("keys_many", 3, "a", "b", "c", "d", "e"), fc("keys_many", 5, "a", "b", "c", "d", "e"),
    ("FCALL_RO", "get", "1", "k"), ("FCALL_RO", "echo", "0"),
])

scenario("no-writes-and-fcall-ro", [
    load(lib("ro", "".join([
        reg("set", "return redis.call('SET', keys[1], args[1])"),
        "redis.register_function{function_name='ro_set', callback=function(keys, args) "
        "return redis.call('SET', keys[1], args[1]) end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='ro_pset', callback=function(keys, args) "
        "return redis.pcall('SET', keys[1], args[1]) end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='ro_get', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='ro_xadd', callback=function(keys, args) "
        "return redis.call('XADD', keys[1], '*', 'f', 'v') end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='ro_pub', callback=function(keys, args) "
        "return redis.call('PUBLISH', 'ch', 'm') end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='oom_get', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'allow-oom'}}\n",
        "redis.register_function{function_name='stale', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'allow-stale', 'no-cluster'}}\n",
    ]))),
    ("SET", "k", "v0"),
    fc("set", 1, "k", "v1"), fc_ro("set", 1, "k", "v2"),
    fc("ro_set", 1, "k", "v3"), fc_ro("ro_set", 1, "k", "v4"),
    fc("ro_pset", 1, "k", "v5"), fc_ro("ro_pset", 1, "k", "v6"),
    fc("ro_get", 1, "k"), fc_ro("ro_get", 1, "k"),
    fc("ro_xadd", 1, "s"), fc_ro("ro_pub"), fc("ro_pub"),
    fc_ro("oom_get", 1, "k"), fc("oom_get", 1, "k"), fc_ro("stale", 1, "k"), fc("stale", 1, "k"),
    ("GET", "k"), ("EXISTS", "s"),
])

scenario("allow-oom-over-maxmemory", [
    load(lib("oom", "".join([
        reg("set", "return redis.call('SET', keys[1], args[1])"),
        reg("get", "return redis.call('GET', keys[1])"),
        "redis.register_function{function_name='oom_set', callback=function(keys, args) "
        "return redis.call('SET', keys[1], args[1]) end, flags={'allow-oom'}}\n",
        "redis.register_function{function_name='ro_get', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n",
        "redis.register_function{function_name='ro_oom_pset', callback=function(keys, args) "
        "return redis.pcall('SET', keys[1], args[1]) end, flags={'no-writes', 'allow-oom'}}\n",
    ]))),
    ("SET", "k", "v"),
    ("CONFIG", "SET", "maxmemory", "1"),
    fc("set", 1, "k", "x"), fc("get", 1, "k"), fc("oom_set", 1, "k", "oom"), fc("ro_get", 1, "k"),
    fc_ro("ro_get", 1, "k"), fc("ro_oom_pset", 1, "k", "no"),
    load(lib("more", reg("m", "return 1"))),
    ("FUNCTION", "DELETE", "more"),
    ("MULTI",), fc("set", 1, "k", "m"), ("EXEC",),
    ("CONFIG", "SET", "maxmemory", "0"),
    ("GET", "k"), fc("m"),
])

LIST_LIBS = [
    lib("alpha", "redis.register_function{function_name='a1', callback=function() return 1 end, "
        "description='first of alpha', flags={'no-writes', 'allow-stale'}}\n"
        + reg("a2", "return 2") + reg("a3", "return 3")),
    lib("beta", reg("b1", "return 1")),
    lib("alphabet", reg("ab1", "return 1")),
    lib("Gamma", "redis.register_function{function_name='g1', callback=function() return 1 end, "
        "description='multi\\nline'}"),
]

scenario("function-list", [
    ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "WITHCODE"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "*"),
    *[load(code) for code in LIST_LIBS],
    Call(("FUNCTION", "LIST"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "WITHCODE"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "*"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "alpha*"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "alpha"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "be?a"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "[ab]*"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "gamma"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "*a"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "nomatch"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "LIBRARYNAME", "beta", "WITHCODE"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "beta"), norm=list_sorted),
    Call(("FUNCTION", "LIST", "withcode", "libraryname", "Gamma"), norm=list_sorted),
    ("FUNCTION", "LIST", "LIBRARYNAME", "beta"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "Gamma", "WITHCODE"),
    ("FUNCTION", "LIST", "foo"), ("FUNCTION", "LIST", "LIBRARYNAME"),
    ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
    ("FUNCTION", "LIST", "WITHCODE", "foo"), ("FUNCTION", "LIST", "LIBRARYNAME", "a", "foo"),
])

scenario("function-stats-delete-flush", [
    ("FUNCTION", "STATS"), ("FUNCTION", "STATS", "x"),
    *[load(code) for code in LIST_LIBS],
    ("FUNCTION", "STATS"),
    ("FUNCTION", "DELETE"), ("FUNCTION", "DELETE", "alpha", "beta"),
    ("FUNCTION", "DELETE", "nolib"), ("FUNCTION", "DELETE", "ALPHA"), ("FUNCTION", "DELETE", "gamma"),
    ("FUNCTION", "DELETE", "alpha"), ("FUNCTION", "DELETE", "alpha"),
    fc("a1"), fc("ab1"), ("FUNCTION", "STATS"),
    # a deleted library's functions can be registered again elsewhere
    load(lib("alpha2", reg("a1", "return 'again'"))), fc("a1"),
    Call(("FUNCTION", "LIST"), norm=list_sorted),
    ("FUNCTION", "FLUSH", "BAD"), ("FUNCTION", "FLUSH", "SYNC", "ASYNC"),
    ("FUNCTION", "FLUSH", "SYNC", "SYNC"),
    ("FUNCTION", "FLUSH", "async"), ("FUNCTION", "LIST"), ("FUNCTION", "STATS"), fc("b1"),
    load(LIST_LIBS[1]), ("FUNCTION", "FLUSH", "SYNC"), ("FUNCTION", "LIST"),
    load(LIST_LIBS[1]), ("FUNCTION", "FLUSH"), ("FUNCTION", "LIST"), ("FUNCTION", "FLUSH"),
    ("FUNCTION", "DELETE", "beta"),
])

scenario("function-help-kill-unknown", [
    ("FUNCTION", "HELP"), ("FUNCTION", "help"),
    ("FUNCTION", "HELP", "x"),
    ("FUNCTION",), ("FUNCTION", "NOPE"), ("FUNCTION", "NOPE", "a", "b"),
    ("FUNCTION", "KILL"), ("FUNCTION", "KILL", "x"), ("SCRIPT", "KILL"),
    ("FUNCTION", "LOAD", "REPLACE"),
])

from testlib.dumppayload import enc_string, seal  # noqa: E402

DUMP_LIB = lib("zz", reg("zf", "return 1"))
DUMP_LIB2 = lib("z2", reg("zf", "return 2"))


def fn_payload(*codes, version=10, opcode=0xF5):
    """A FUNCTION DUMP payload holding codes (bytes or str)."""
    body = b"".join(bytes([opcode]) + enc_string(c.encode() if isinstance(c, str) else c)
                    for c in codes)
    return seal(body, version)


scenario("function-dump-restore", [
    ("FUNCTION", "DUMP"), load(DUMP_LIB), ("FUNCTION", "DUMP"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB)),  # APPEND: the library exists
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB), "APPEND"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB), "replace"), fc("zf"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB2)),  # zf is zz's
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB2), "REPLACE"),  # ... still
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB2), "FLUSH"), fc("zf"), ("FUNCTION", "DUMP"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB, DUMP_LIB), "FLUSH"),  # twice in one payload
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB, DUMP_LIB2), "FLUSH"),  # zf twice
    ("FUNCTION", "RESTORE", fn_payload("return 1"), "FLUSH"),
    ("FUNCTION", "RESTORE", fn_payload(lib("bad", "return 1")), "FLUSH"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB, opcode=0)),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB, version=99)),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB)[:-1] + b"x"),
    ("FUNCTION", "RESTORE", fn_payload(DUMP_LIB)[:20] + fn_payload()[0:0]),
    ("FUNCTION", "RESTORE", seal(bytes([0xF5]) + enc_string(DUMP_LIB.encode())[:9], 10)),
    ("FUNCTION", "RESTORE", b"short"), ("FUNCTION", "RESTORE", b""),
    ("FUNCTION", "RESTORE", fn_payload(), "BOGUS"), ("FUNCTION", "RESTORE", "a", "b", "c"),
    ("FUNCTION", "RESTORE", fn_payload()), ("FUNCTION", "LIST"),
    ("FUNCTION", "RESTORE", fn_payload(), "FLUSH"), ("FUNCTION", "LIST"), ("FUNCTION", "DUMP"),
    ("FUNCTION", "DUMP", "x"), ("FUNCTION", "RESTORE"),
])

scenario("multi-exec", [
    ("MULTI",),
    load(lib("m", reg("fm", "return redis.call('INCR', keys[1])"))),
    fc("fm", 1, "n"), fc("fm", 1, "n"), ("FUNCTION", "LIST"), ("FUNCTION", "STATS"),
    fc_ro("fm", 1, "n"), fc("nope"), ("FCALL", "fm", "x"), ("FUNCTION", "KILL"),
    ("FUNCTION", "DELETE", "m"), fc("fm", 1, "n"),
    ("EXEC",),
    ("GET", "n"),
    # errors at queue time discard the transaction
    ("MULTI",), ("FCALL", "fm"), ("FUNCTION", "LOAD"), ("FUNCTION", "NOPE"), ("EXEC",),
    ("MULTI",), load(lib("m2", reg("fm2", "return 2"))), load(lib("m2", reg("fm3", "return 3"))),
    ("FUNCTION", "FLUSH"), fc("fm2"), ("EXEC",),
    # WATCH sees a function's writes
    load(lib("w", reg("w", "return redis.call('SET', keys[1], 'w')"))),
    ("WATCH", "wk"), fc("w", 1, "wk"), ("MULTI",), ("GET", "wk"), ("EXEC",),
    # FUNCTION LOAD/DELETE touch no key: a watch stays valid
    ("WATCH", "wk"), load(lib("w2", reg("w2", "return 1"))), ("FUNCTION", "DELETE", "w2"),
    ("MULTI",), ("GET", "wk"), ("EXEC",),
])

scenario("command-meta", [
    Call(("COMMAND", "INFO", "fcall", "fcall_ro"), norm=without_script_runner),
    Call(("COMMAND", "INFO", "function"), norm=container_subcommands),
    ("COMMAND", "INFO", "function|load", "function|delete", "function|flush", "function|list",
     "function|stats", "function|kill", "function|help"),
    ("COMMAND", "DOCS", "fcall"), ("COMMAND", "DOCS", "fcall_ro"),
    ("COMMAND", "DOCS", "function|load"), ("COMMAND", "DOCS", "function|list"),
    ("COMMAND", "DOCS", "function|flush"), ("COMMAND", "DOCS", "function|delete"),
    ("COMMAND", "DOCS", "function|stats"), ("COMMAND", "DOCS", "function|kill"),
    ("COMMAND", "DOCS", "function|help"),
    ("COMMAND", "GETKEYS", "FCALL", "f", "2", "a", "b", "c"), ("COMMAND", "GETKEYS", "FCALL", "f", "0"),
    ("COMMAND", "GETKEYS", "FCALL", "f", "x"), ("COMMAND", "GETKEYS", "FCALL", "f", "-1"),
    ("COMMAND", "GETKEYS", "FCALL", "f", "3", "a"), ("COMMAND", "GETKEYS", "FCALL_RO", "f", "1", "a"),
    ("COMMAND", "GETKEYS", "FCALL", "f"), ("COMMAND", "GETKEYS", "FUNCTION", "LOAD", "x"),
    ("COMMAND", "GETKEYS", "FUNCTION", "STATS"),
    Call(("COMMAND", "LIST", "FILTERBY", "PATTERN", "fcall*"), norm=lambda v: sorted(v)
         if isinstance(v, list) else v),
    Call(("COMMAND", "LIST", "FILTERBY", "ACLCAT", "scripting"), norm=lambda v: sorted(
        x for x in v if x.startswith((b"fcall", b"function")))
        if isinstance(v, list) else v),
])

scenario("commandstats", [
    load(lib("cs", reg("w", "redis.call('SET', keys[1], 'v') redis.call('GET', keys[1]) "
                        "redis.pcall('INCR', keys[1]) return redis.call('XLEN', 'nos')")
             + reg("bad", "return redis.call('GET')")
             + reg("nope", "return redis.pcall('NOPE')")
             + "redis.register_function{function_name='ro', callback=function(keys) "
               "return redis.pcall('SET', keys[1], 'x') end, flags={'no-writes'}}\n")),
    ("CONFIG", "RESETSTAT"),
    fc("w", 1, "k"), fc("w", 1, "k"), fc("bad"), fc("nope"), fc("ro", 1, "k"), fc_ro("w", 1, "k"),
    fc("missing"), ("FCALL", "w", "x"), fc_ro("ro", 1, "k"),
    load(lib("cs", reg("x", "return 1"))), ("FUNCTION", "LIST", "LIBRARYNAME", "zz"),
    ("FUNCTION", "STATS"), ("FUNCTION", "DELETE", "nolib"), ("FUNCTION", "KILL"),
    Call(("INFO", "commandstats"), norm=info_lines(
        "cmdstat_set", "cmdstat_get", "cmdstat_incr", "cmdstat_xlen", "cmdstat_fcall",
        "cmdstat_fcall_ro", "cmdstat_function", fields=("calls", "rejected_calls", "failed_calls"))),
    Call(("INFO", "errorstats"), norm=info_lines("errorstat_")),
])

def slowlog_entries(v):
    """SLOWLOG GET without ids, times and durations; the client address is
    kept only when it is not a real one (commands run by a function)."""
    if not isinstance(v, list):
        return v
    out = []
    for e in v:
        addr = e[4] if e[4] in (b"?:0", b"") else b"client"
        out.append([e[3], addr, e[5]])
    return out


scenario("slowlog", [
    load(lib("sl", reg("w", "redis.call('SET', keys[1], args[1]) return redis.call('GET', keys[1])")
             + reg("bad", "return redis.call('INCR', 'str')"))),
    ("SET", "str", "abc"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "0"),
    ("SLOWLOG", "RESET"),
    fc("w", 1, "k", "v"), fc("bad"), fc("nope"), fc_ro("w", 1, "k", "v"),
    ("FUNCTION", "STATS"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "10000"),
    Call(("SLOWLOG", "GET", "20"), norm=slowlog_entries),
])

scenario("info-memory-counts", [
    Call(("INFO", "memory"), norm=info_lines(
        "number_of_functions", "number_of_libraries",
        presence=("used_memory_functions", "used_memory_vm_functions", "used_memory_scripts"))),
    *[load(code) for code in LIST_LIBS],
    Call(("INFO", "memory"), norm=info_lines(
        "number_of_functions", "number_of_libraries",
        presence=("used_memory_functions", "used_memory_vm_functions", "used_memory_scripts"))),
    ("FUNCTION", "DELETE", "alpha"),
    Call(("INFO",), norm=info_lines("number_of_functions", "number_of_libraries")),
    # many functions from a loop, each a closure over its own upvalue
    load(lib("many", "for i = 1, 500 do redis.register_function('m' .. i, "
                     "function() return i end) end")),
    fc("m1"), fc("m250"), fc("m500"), fc("m501"), ("FUNCTION", "STATS"),
    Call(("INFO", "memory"), norm=info_lines("number_of_functions", "number_of_libraries")),
    ("FUNCTION", "FLUSH"),
    Call(("INFO", "memory"), norm=info_lines("number_of_functions", "number_of_libraries")),
])


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_functions(diff, server, ref_server, name, resp):
    # every scenario starts without libraries, so one that leaves something
    # behind fails only itself
    for srv in (server, ref_server):
        c = srv.raw()
        c.call("FUNCTION", "FLUSH")
        c.call("CONFIG", "SET", "maxmemory", "0")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.close()
    try:
        diff(SCENARIOS[name], resp=resp)
    finally:
        for srv in (server, ref_server):
            c = srv.raw()
            c.call("CONFIG", "SET", "maxmemory", "0")
            c.close()


# -- MONITOR lines and keyspace notifications of what functions run ----------

OBSERVED_LIB = lib("obs", "".join([
    reg("w", "redis.call('SET', keys[1], args[1]) redis.pcall('INCR', keys[1]) "
             "redis.call('EXPIRE', keys[1], 100) return redis.call('GET', keys[1])"),
    reg("x", "redis.call('XADD', keys[1], '1-1', 'f', 'v') "
             "return redis.call('XTRIM', keys[1], 'MAXLEN', 0)"),
    reg("fail", "redis.call('SET', keys[1], 'before') error('after the write')"),
    reg("sel", "redis.call('SELECT', 3) return redis.call('SET', keys[1], 'in3')"),
    "redis.register_function{function_name='r', callback=function(keys) "
    "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n",
]))

OBSERVED_STEPS = [
    fc("w", 1, "k", "v"), fc_ro("r", 1, "k"), fc("x", 1, "s"), fc("fail", 1, "f"),
    fc("sel", 1, "k3"), fc("nope"), ("FCALL", "w", "x"), fc_ro("w", 1, "k", "v"),
    ("MULTI",), fc("w", 1, "m", "1"), fc("r", 1, "m"), ("EXEC",),
    ("FUNCTION", "LIST", "LIBRARYNAME", "zz"),
    load(lib("z", reg("z", "return redis.call('PING')"))), fc("z"), ("FUNCTION", "DELETE", "z"),
]


def observe(srv):
    """Runs OBSERVED_STEPS with a MONITOR and a keyspace subscriber on the
    side; returns the replies, the MONITOR lines (time and client address
    dropped) and the notifications."""
    ctl, mon, sub, cmd = srv.raw(), srv.raw(), srv.raw(), srv.raw()
    try:
        assert ctl.call("FLUSHALL") == b"OK"
        assert ctl.call("FUNCTION", "FLUSH") == b"OK"
        assert ctl.call("FUNCTION", "LOAD", OBSERVED_LIB) == b"obs"
        assert ctl.call("CONFIG", "SET", "notify-keyspace-events", "KEA") == b"OK"
        assert mon.call("MONITOR") == b"OK"
        sub.send_cmd("PSUBSCRIBE", "__key*__:*")
        assert sub.read()[0] == b"psubscribe"
        replies = [cmd.call_raw(*step) for step in OBSERVED_STEPS]
        cmd.call("ECHO", "--end--")
        lines = []
        while True:
            raw = mon.read_with_raw()[1].rstrip(b"\r\n")
            stamp, _, rest = raw.partition(b" ")
            assert stamp.startswith(b"+"), raw
            where, _, args = rest.partition(b"] ")
            db, _, who = where.lstrip(b"[").partition(b" ")
            if args == b'"ECHO" "--end--"':
                break
            lines.append(b"[%s %s] %s" % (db, b"lua" if who == b"lua" else b"client", args))
        # the notifications: up to the one of a key touched last, on purpose
        ctl.call("SET", "--end--", "x")
        notes = []
        while True:
            m = sub.read()
            notes.append(tuple(m[2:]))
            if m[2] == b"__keyevent@0__:set" and m[3] == b"--end--":
                break
        return replies, lines, notes
    finally:
        c = srv.raw()
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        c.close()
        for c in (ctl, mon, sub, cmd):
            c.close()


def test_monitor_and_notifications_of_functions(server, ref_server):
    ours, theirs = observe(server), observe(ref_server)
    assert ours[0] == theirs[0], "replies"
    assert ours[1] == theirs[1], "MONITOR lines"
    assert ours[2] == theirs[2], "keyspace notifications"
