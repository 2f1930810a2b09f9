"""Redis 8.10's JSONPath projections: a query whose top level computes
values (arithmetic, a function, the keys operator ~, append()) instead of
selecting nodes. From the "JSONPath extensions" page: its examples with
their exact JSON.GET replies, the rules it states (Nothing gives [], a
plain or parenthesized path still selects, only JSON.GET / JSON.MGET /
JSON.RESP evaluate a projection and every other command refuses one without
changing anything), then streamd's choices where the page is silent
(aggregates over several matches, arithmetic on several matches) and the
errors."""

import json
import random

import pytest
from redis.exceptions import ResponseError

from testlib.cmds import err, x

DOC = ('{"a":2,"b":4,"arr":[1,2,3],"obj":{"x":1,"y":2},'
       '"books":[{"t":"a","price":30},{"t":"b","price":5}],'
       '"s":"h\u00e9llo","f":[1.5,-2.5,4],"n":null,"e":[],"eo":{},'
       '"mixed":[1,"x",2],"deep":{"a":{"a":7}},"big":9223372036854775807}')

# (document, query, JSON.GET's reply); None for DOC.
CASES = [
    # the page's examples
    ('{"a":2,"b":4,"arr":[1,2,3]}', "$.a + 1", "[3]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "$.a * $.b", "[8]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "($.a + $.b) / 2", "[3.0]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "$.arr.length()", "[3]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "$.a / 0", "[]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "-$.a", "[-2]"),
    ('{"a":2,"b":4,"arr":[1,2,3]}', "length($.arr)", "[3]"),
    ('{"obj":{"x":1,"y":2},"books":[{"t":"a"},{"t":"b"}]}', "$.obj~", '["x","y"]'),
    ('{"obj":{"x":1,"y":2},"books":[{"t":"a"},{"t":"b"}]}', "$~", '["obj","books"]'),
    ('{"obj":{"x":1,"y":2},"books":[{"t":"a"},{"t":"b"}]}', "$.books~", "[]"),
    ('{"obj":{"x":1,"y":2}}', "$.obj.keys()", '["x","y"]'),
    ('{"obj":{"x":1,"y":2}}', "$.obj.keys().count()", "[2]"),
    ('{"arr":[1,2,3]}', "$.arr.append(9)", "[1,2,3,9]"),
    ('{"books":[{"t":"a","price":30},{"t":"b","price":5}]}',
     '$.books[?(@.price >= 10)].append({"t":"X"})', '[{"t":"a","price":30},{"t":"X"}]'),
    # plain paths still select, also parenthesized; a+1 without spaces is a name
    (None, "$.a", "[2]"),
    (None, "($.a)", "[2]"),
    (None, "(($..a))", '[2,{"a":7},7]'),
    (None, "$.a+1", "[]"),
    ('{"a+1":5}', "$.a+1", "[5]"),
    (None, "$ .arr[0]", "[1]"),
    # arithmetic: precedence, parentheses, unary signs, integer / double
    (None, "$.a + $.b * 2", "[10]"),
    (None, "($.a + $.b) * 2", "[12]"),
    (None, "$.b - $.a - 1", "[1]"),
    (None, "$.b / $.a", "[2.0]"),
    (None, "$.b % 3", "[1]"),
    (None, "$.f[0] % 1", "[0.5]"),
    (None, "$.f[0] * 2", "[3.0]"),
    (None, "$.a * 0.5", "[1.0]"),
    (None, "+$.a", "[2]"),
    (None, "- $.f[1]", "[2.5]"),
    (None, "-(-$.a)", "[2]"),
    (None, "$.a + -1", "[1]"),
    (None, "$.arr[0] + $.arr[-1]", "[4]"),
    (None, "$.deep.a.a * $.a", "[14]"),
    (None, "$.big + 1", "[9.223372036854776e18]"),
    (None, "$.arr.length() * $.a + 1", "[7]"),
    # Nothing: a non-number, a zero divisor, a missing member, null, a container
    (None, "$.s + 1", "[]"),
    (None, "$.a % 0", "[]"),
    (None, "$.nosuch + 1", "[]"),
    (None, "$.n * 2", "[]"),
    (None, "$.arr + 1", "[]"),
    (None, "-$.s", "[]"),
    (None, "$ + 1", "[]"),
    # several matches as an arithmetic operand: Nothing (streamd's choice)
    (None, "$.arr[*] + 1", "[]"),
    (None, "$..a * 2", "[]"),
    # functions, prefix and method forms
    (None, "$.s.length()", "[5]"),
    (None, "$.obj.length()", "[2]"),
    (None, "length($.e)", "[0]"),
    (None, "$.a.length()", "[]"),
    (None, "$.nosuch.length()", "[]"),
    (None, "$..a.length()", "[]"),
    (None, "count($..a)", "[3]"),
    (None, "$.nosuch.count()", "[0]"),
    (None, "$.arr[*].count()", "[3]"),
    (None, "value($.obj)", '[{"x":1,"y":2}]'),
    (None, "value($.arr[*])", "[]"),
    (None, "$.arr.first()", "[1]"),
    (None, "last($.arr)", "[3]"),
    (None, "first($.e)", "[]"),
    (None, "index($.arr, 1)", "[2]"),
    (None, "$.arr.index(-1)", "[3]"),
    (None, "index($.arr, 1.9)", "[2]"),
    (None, "index($.arr, 3)", "[]"),
    (None, "$.f[1].abs()", "[2.5]"),
    (None, "abs(-$.a)", "[2]"),
    (None, "$.f[0].ceiling()", "[2.0]"),
    (None, "floor($.f[1])", "[-3.0]"),
    (None, "$.a.floor()", "[2]"),
    (None, 'concat($.s, "!", $.books[0].t)', '["h\u00e9llo!a"]'),
    (None, "concat($.s, $.a)", "[]"),
    (None, "$.arr.first() + $.arr.last()", "[4]"),
    # aggregates over one array
    (None, "$.arr.sum()", "[6]"),
    (None, "sum($.f)", "[3.0]"),
    (None, "$.arr.avg()", "[2.0]"),
    (None, "$.arr.min()", "[1]"),
    (None, "max($.f)", "[4]"),
    (None, "$.arr.stddev()", "[0.816496580927726]"),
    (None, "$.e.sum()", "[]"),
    (None, "$.mixed.sum()", "[]"),
    (None, "$.a.max()", "[]"),
    (None, "$..arr.sum()", "[6]"),
    # ... and over the nodes a query of several matches selected (streamd's choice)
    (None, "$.books[?@.price > 10].price.sum()", "[30]"),
    (None, "$.books[*].price.sum()", "[35]"),
    (None, "max($..price)", "[30]"),
    (None, "$.obj.*.avg()", "[1.5]"),
    (None, "min($.books[*].t)", "[]"),
    # keys: ~ and keys(), flattened over several objects
    (None, "$.deep~", '["a"]'),
    (None, "$.deep.a~", '["a"]'),
    (None, "$..a~", '["a"]'),
    (None, "$.books[*]~", '["t","price","t","price"]'),
    (None, "$.eo~", "[]"),
    (None, "$.nosuch~", "[]"),
    (None, "$.s~", "[]"),
    (None, "keys($.obj).count() + 1", "[3]"),
    (None, "$.obj.keys().first()", "[]"),
    # append(): into one array, after any other receiver
    (None, "append($.arr, 9, 10)", "[1,2,3,9,10]"),
    (None, "$.arr[*].append(9)", "[1,2,3,9]"),
    (None, "$.a.append(9)", "[2,9]"),
    (None, "$.nosuch.append(9)", "[9]"),
    (None, "$.e.append($.obj)", '[{"x":1,"y":2}]'),
    (None, "$.arr.append($.obj.*)", "[1,2,3,[1,2]]"),
    (None, "$.arr.append($.nosuch)", "[]"),
    (None, "$.arr.append($.a + 1)", "[1,2,3,3]"),
    (None, "$.arr.append(9).length()", "[4]"),
    (None, "$.arr.append(9).sum()", "[15]"),
    (None, "$.arr.append()", "[]"),
    # filters inside a projection
    (None, "$.books[?@.price < 10].price.sum()", "[5]"),
    (None, "count($.arr[?@ > 1])", "[2]"),
    (None, "$.arr[?@ in [1,3]].append(0)", "[1,3,0]"),
    # wrong arity: Nothing
    (None, "length($.arr, 1)", "[]"),
    (None, "index($.arr)", "[]"),
    (None, "$.arr.concat()", "[]"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_get(r, case):
    doc, query, want = case
    assert x(r, "JSON.SET", "doc", "$", doc or DOC) == b"OK"
    assert x(r, "JSON.GET", "doc", query) == want.encode()


# queries that do not compile, and the start of the error
ERRORS = [
    ("$.a == 1", "JSON Path error: a condition is only allowed in a filter"),
    ("match($.s, 'h.*')", "JSON Path error: a condition is only allowed in a filter"),
    ("!$.a", "JSON Path error"),
    ("(@.a)", "JSON Path error: path error: '@' outside a filter"),
    ("length(@)", "JSON Path error: path error: '@' outside a filter"),
    ("$.obj~.x", "JSON Path error: path error: '~' must end the path"),
    ("$.obj~~", "JSON Path error: path error: '~' must end the path"),
    ("$.obj~.length()", "JSON Path error: path error: '~' must end the path"),
    ("$.obj.keys()~", "JSON Path error: path error"),
    ("$.a +", "JSON Path error: path error: expected a value"),
    ("$.a + 1 )", "JSON Path error: path error: unexpected character"),
    ("length($.arr", "JSON Path error: path error: expected ')'"),
    ("$.a.nosuch()", "JSON Path error: path error: unknown function"),
    ("($.a", "JSON Path error: path error: expected ')'"),
    ("$.a + [1,", "JSON Path error: path error"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(r, case):
    query, want = case
    x(r, "JSON.SET", "doc", "$", DOC)
    assert err(r, "JSON.GET", "doc", query).startswith(want)
    assert err(r, "JSON.RESP", "doc", query).startswith(want)
    assert x(r, "JSON.MGET", "doc", query) == [None]


def test_get_several_paths(r):
    x(r, "JSON.SET", "doc", "$", '{"a":2,"b":4,"arr":[1,2,3]}')
    # the page's example: projections and paths mixed, each path a key
    assert x(r, "JSON.GET", "doc", "$.a + 1", "$.b") == b'{"$.a + 1":[3],"$.b":[4]}'
    assert json.loads(x(r, "JSON.GET", "doc", "$.arr.append(4)", "$.a / 0", "b")) == {
        "$.arr.append(4)": [1, 2, 3, 4], "$.a / 0": [], "b": [4]}
    # a legacy path among projections replies in JSONPath form
    assert json.loads(x(r, "JSON.GET", "doc", "a", "length($.arr)")) == {
        "a": [2], "length($.arr)": [3]}
    # formatting applies to computed values too
    assert x(r, "JSON.GET", "doc", "INDENT", "  ", "NEWLINE", "\n", "$.arr.append(4)") == \
        b"[\n  1,\n  2,\n  3,\n  4\n]"


def test_mget(r):
    x(r, "JSON.SET", "d1", "$", '{"a":1,"arr":[1,2]}')
    x(r, "JSON.SET", "d2", "$", '{"a":4,"arr":[5]}')
    x(r, "JSON.SET", "d3", "$", '{"a":"s"}')
    r.set("str", "v")
    # evaluated per key; a missing key or another type gives nil
    assert x(r, "JSON.MGET", "d1", "d2", "d3", "nokey", "str", "$.a * 10") == [
        b"[10]", b"[40]", b"[]", None, None]
    assert x(r, "JSON.MGET", "d1", "d2", "$.arr.append($.a)") == [b"[1,2,1]", b"[5,4]"]
    assert x(r, "JSON.MGET", "d1", "d2", "sum($..arr[*])") == [b"[3]", b"[5]"]


def test_resp(r):
    x(r, "JSON.SET", "doc", "$", DOC)
    assert x(r, "JSON.RESP", "doc", "$.obj~") == [b"x", b"y"]
    assert x(r, "JSON.RESP", "doc", "$.a + 1") == [3]
    assert x(r, "JSON.RESP", "doc", "$.b / $.a") == [b"2"]
    assert x(r, "JSON.RESP", "doc", "$.arr.append($.obj)") == [
        1, 2, 3, [b"{", b"x", 1, b"y", 2]]
    assert x(r, "JSON.RESP", "doc", "$.a / 0") == []
    assert x(r, "JSON.RESP", "nokey", "$.a + 1") is None


def test_resp3(raw):
    c = raw()
    c.call("HELLO", "3")
    c.call("JSON.SET", "k", "$", '{"a":2,"obj":{"x":1},"arr":[1,2]}')
    assert c.call_raw("JSON.GET", "k", "$.a + 1") == b"$3\r\n[3]\r\n"
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND", "$.a / 4", "$.obj~") == (
        b"*2\r\n*1\r\n,0.5\r\n*1\r\n$1\r\nx\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND1", "$.arr.append([3])") == (
        b"*1\r\n*3\r\n:1\r\n:2\r\n$3\r\n[3]\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND", "$.a / 0") == b"*1\r\n*0\r\n"


# every command other than the three value reads refuses a projection
WRITES = [
    ("JSON.SET", "doc", "$.a + 1", "5"),
    ("JSON.SET", "doc", "$.obj~", "5", "XX"),
    ("JSON.DEL", "doc", "$.arr.append(9)"),
    ("JSON.FORGET", "doc", "-$.a"),
    ("JSON.CLEAR", "doc", "$.obj.keys()"),
    ("JSON.NUMINCRBY", "doc", "$.a * 1", "1"),
    ("JSON.NUMMULTBY", "doc", "length($.arr)", "2"),
    ("JSON.TOGGLE", "doc", "$.a + 0"),
    ("JSON.STRAPPEND", "doc", "concat($.s)", '"x"'),
    ("JSON.ARRAPPEND", "doc", "$.arr.append(9)", "4"),
    ("JSON.ARRINSERT", "doc", "$.arr.append(9)", "0", "4"),
    ("JSON.ARRPOP", "doc", "$.arr.append(9)"),
    ("JSON.ARRTRIM", "doc", "$.arr.append(9)", "0", "1"),
    ("JSON.MERGE", "doc", "$.a + 1", "5"),
    ("JSON.MSET", "doc", "$.a + 1", "5"),
]
READS = [
    ("JSON.TYPE", "doc", "$.a + 1"),
    ("JSON.STRLEN", "doc", "$.s.length()"),
    ("JSON.ARRLEN", "doc", "$.arr.append(9)"),
    ("JSON.ARRINDEX", "doc", "$.arr.append(9)", "9"),
    ("JSON.OBJKEYS", "doc", "$.obj~"),
    ("JSON.OBJLEN", "doc", "$.obj~"),
    ("JSON.DEBUG", "MEMORY", "doc", "$.a + 1"),
]
REFUSED = "JSON Path error: a projection expression can only be read with JSON.GET, " \
    "JSON.MGET and JSON.RESP"


@pytest.mark.parametrize("cmd", WRITES + READS, ids=[c[0] + " " + c[2] for c in WRITES + READS])
def test_other_commands_refuse(r, cmd):
    x(r, "JSON.SET", "doc", "$", DOC)
    before = x(r, "JSON.GET", "doc", "$")
    assert err(r, *cmd) == REFUSED
    assert x(r, "JSON.GET", "doc", "$") == before
    # a parenthesized path is a path for them too
    if cmd[0] in ("JSON.TYPE", "JSON.OBJKEYS"):
        assert x(r, cmd[0], "doc", "($.obj)") in ([b"object"], [[b"x", b"y"]])


def test_paths_in_parentheses_write(r):
    x(r, "JSON.SET", "doc", "$", '{"a":1,"b":[1]}')
    assert x(r, "JSON.SET", "doc", "($.a)", "5") == b"OK"
    assert x(r, "JSON.NUMINCRBY", "doc", "( $.a )", "1") == b"[6]"
    assert x(r, "JSON.ARRAPPEND", "doc", "($.b)", "2") == [2]
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":6,"b":[1,2]}]'


def test_documents_unchanged(r):
    # append() and the rest compute the reply only
    x(r, "JSON.SET", "doc", "$", DOC)
    before = x(r, "JSON.GET", "doc", "$")
    for q in ("$.arr.append(9)", "$.books[*].append(1)", "$.a + 1", "$.obj~", "-$.big"):
        x(r, "JSON.GET", "doc", q)
    assert x(r, "JSON.GET", "doc", "$") == before
    assert x(r, "JSON.GET", "doc", "$.arr.append(9)") == b"[1,2,3,9]"


def test_legacy_paths_unaffected(r):
    # a legacy path that merely contains parentheses or signs stays legacy
    x(r, "JSON.SET", "doc", "$", '{"-a":1,"a":{"b":2}}')
    assert x(r, "JSON.GET", "doc", "-a") == b"1"
    assert x(r, "JSON.GET", "doc", ".a.b") == b"2"
    assert err(r, "JSON.GET", "doc", "nosuch(.a)").startswith("JSON Path error")


# ---- random projections: each one answers (values or a path error) ----------------

TERMS = ["$.a", "$.f[0]", "$.arr", "$.obj", "$..a", "$.s", "$.nosuch", "$.arr[*]", "$~",
         "$.obj~", "1", "-2.5", '"x"', "[1,2]", '{"k":1}', "null", "true"]
FUNCS = ["length", "count", "value", "keys", "concat", "abs", "ceiling", "floor", "first",
         "last", "index", "min", "max", "avg", "sum", "stddev", "append"]


def rand_expr(rng, d):
    k = rng.randint(0, 4 if d < 3 else 0)
    if k == 0:
        return rng.choice(TERMS)
    if k == 1:
        return rand_expr(rng, d + 1) + rng.choice([" + ", " - ", " * ", " / ", " % "]) + \
            rand_expr(rng, d + 1)
    if k == 2:
        return "-" + rand_expr(rng, d + 1) if rng.random() < .5 else \
            "(" + rand_expr(rng, d + 1) + ")"
    f = rng.choice(FUNCS)
    args = [rand_expr(rng, d + 1) for _ in range(rng.randint(0, 3))]
    if args and rng.random() < .5:
        return args[0] + "." + f + "(" + ", ".join(args[1:]) + ")"
    return f + "(" + ", ".join(args) + ")"


def test_random_projections(r):
    rng = random.Random(8100)
    x(r, "JSON.SET", "doc", "$", DOC)
    before = x(r, "JSON.GET", "doc", "$")
    answered = 0
    for _ in range(1500):
        q = "(" + rand_expr(rng, 0) + ")"  # always JSONPath, never a legacy path
        try:
            got = x(r, "JSON.GET", "doc", q)
            assert got is None or isinstance(json.loads(got), list), (q, got)
            answered += 1
        except ResponseError as e:
            assert str(e).startswith("JSON Path error"), (q, e)
    assert answered > 700
    assert x(r, "JSON.GET", "doc", "$") == before
