"""The JSONPath filter extensions of Redis 8.10's JSON, from the "JSONPath
extensions" documentation page: each example's document, path and exact
JSON.GET reply; then the rules the page states in words (Nothing makes a
condition false, arity, 1 == 1.0, ordering against array literals, spaces
around arithmetic, "~" no longer a name character) and forms that stay
syntax errors (unknown functions, truth values where a value is wanted).
Top-level projections are in test_json_projections.py."""

import random

import pytest
from redis.exceptions import ResponseError

from testlib.cmds import err, x

# (document, path, JSON.GET's reply) -- the documentation's examples.
DOC_CASES = [
    # negation
    ('[{"a":1,"b":1},{"b":2},{"a":1},{"c":3}]', "$[?!@.a]", '[{"b":2},{"c":3}]'),
    ('[{"a":1,"b":1},{"b":2},{"a":1},{"c":3}]', "$[?!(@.a==1)]", '[{"b":2},{"c":3}]'),
    ('[{"a":1,"b":1},{"b":2},{"a":1},{"c":3}]', "$[?!@.a && @.b]", '[{"b":2}]'),
    # array and object literals
    ('{"arrs":[[1],[2],[1,2],[1,[2]]],"objs":[{"x":1},{"x":2},{"y":1}]}',
     "$.arrs[?(@ == [1])]", "[[1]]"),
    ('{"arrs":[[1],[2],[1,2],[1,[2]]],"objs":[{"x":1},{"x":2},{"y":1}]}',
     "$.arrs[?(@ == [1,[2]])]", "[[1,[2]]]"),
    ('{"arrs":[[1],[2],[1,2],[1,[2]]],"objs":[{"x":1},{"x":2},{"y":1}]}',
     '$.objs[?(@ == {"x":1})]', '[{"x":1}]'),
    # arithmetic
    ('[{"a":2,"b":3},{"a":5,"b":2}]', "$[?@.a + 1 == 3]", '[{"a":2,"b":3}]'),
    ('[{"a":2,"b":3},{"a":5,"b":2}]', "$[?@.a + @.b * 2 == 8]", '[{"a":2,"b":3}]'),
    ('[{"a":2,"b":3},{"a":5,"b":2}]', "$[?(@.a + @.b) * 2 == 10]", '[{"a":2,"b":3}]'),
    # in / nin
    ('{"a":[1,2,3,4],"allow":[2,3]}', "$.a[?@ in [2,4]]", "[2,4]"),
    ('{"a":[1,2,3,4],"allow":[2,3]}', "$.a[?@ nin [2,4]]", "[1,3]"),
    ('{"a":[1,2,3,4],"allow":[2,3]}', "$.a[?@ in $.allow]", "[2,3]"),
    # set relations
    ('{"a":[[1,2],[1,5],[]]}', "$.a[?@ subsetof [1,2,3]]", "[[1,2],[]]"),
    ('{"a":[[1,9],[8,9],[]]}', "$.a[?@ anyof [1,2,3]]", "[[1,9]]"),
    ('{"a":[[4,5],[1,9],[]]}', "$.a[?@ noneof [1,2,3]]", "[[4,5],[]]"),
    # sizeof / empty
    ('{"a":[[4,5],[1],[7,8,9]]}', "$.a[?@ sizeof 2]", "[[4,5]]"),
    ('{"a":[[],[1],"",[2,3],{},{"k":1}]}', "$.a[?@ empty true]", '[[],"",{}]'),
    ('{"a":[[],[1],"",[2,3],{},{"k":1}]}', "$.a[?@ empty false]", '[[1],[2,3],{"k":1}]'),
    # functions
    ('{"a":[[1,2,3],[1],"abcd","x"]}', "$.a[?length(@) > 2]", '[[1,2,3],"abcd"]'),
    ('[{"a":1,"b":2,"c":3},{"a":1}]', "$[?count(@.*) == 3]", '[{"a":1,"b":2,"c":3}]'),
    ('[{"a":1},{"a":2}]', "$[?value(@.a) == 1]", '[{"a":1}]'),
    ('{"a":["abc","xabc","a","b"]}', '$.a[?match(@, "a.*")]', '["abc","a"]'),
    ('{"a":["abc","xyz","b"]}', '$.a[?search(@, "b")]', '["abc","b"]'),
    ('{"a":[{"x":"a","y":"b"},{"x":"a","y":"c"}]}', '$.a[?concat(@.x, @.y) == "ab"]',
     '[{"x":"a","y":"b"}]'),
    ('{"a":[2.1,3.9,1.0]}', "$.a[?ceiling(@) == 3]", "[2.1]"),
    ('{"a":[2.1,2.9,3.5]}', "$.a[?floor(@) == 2]", "[2.1,2.9]"),
    ('{"a":[{"n":-5},{"n":5},{"n":-3}]}', "$.a[?abs(@.n) == 5]", '[{"n":-5},{"n":5}]'),
    ('{"a":[{"n":[1,2]},{"n":[9,8]}]}', "$.a[?first(@.n) == 1]", '[{"n":[1,2]}]'),
    ('{"a":[{"n":[1,2]},{"n":[9,8]}]}', "$.a[?last(@.n) == 8]", '[{"n":[9,8]}]'),
    ('{"a":[{"n":[1,2]},{"n":[9,8]}]}', "$.a[?index(@.n, -1) == 2]", '[{"n":[1,2]}]'),
    ('{"a":[{"n":[3,1,2]},{"n":[5,6]}]}', "$.a[?sum(@.n) == 6]", '[{"n":[3,1,2]}]'),
    ('{"a":[{"n":[3,1,2]},{"n":[5,6]}]}', "$.a[?avg(@.n) == 2]", '[{"n":[3,1,2]}]'),
]


@pytest.mark.parametrize("case", DOC_CASES, ids=[c[1] for c in DOC_CASES])
def test_docs_examples(r, case):
    doc, path, want = case
    assert x(r, "JSON.SET", "doc", "$", doc) == b"OK"
    assert x(r, "JSON.GET", "doc", path) == want.encode()


# (document, path, reply): the page's rules, on documents of our own.
RULE_CASES = [
    # Nothing: a non-number, division or modulo by zero, a missing member
    ('[{"a":"x"},{"a":4}]', "$[?@.a * 2 == 8]", '[{"a":4}]'),
    ('[{"a":1},{"a":4}]', "$[?@.a / 0 == 1 || @.a % 0 == 1]", "[]"),
    ('[{"a":1},{"b":4}]', "$[?@.a - 1 == 0]", '[{"a":1}]'),
    ('[{"a":1},{"b":4}]', "$[?@.a nin [5]]", '[{"a":1}]'),
    # division is floating point; % on integers and on floats; unary minus
    ('[{"a":3},{"a":4}]', "$[?@.a / 2 == 1.5]", '[{"a":3}]'),
    ('[{"a":7},{"a":8}]', "$[?@.a % 4 == 3]", '[{"a":7}]'),
    ('[{"a":7.5},{"a":8}]', "$[?@.a % 2 == 1.5]", '[{"a":7.5}]'),
    ('[{"a":-3},{"a":3}]', "$[?-@.a == 3]", '[{"a":-3}]'),
    ('[{"a":2},{"a":3}]', "$[?-(@.a * 2) < -5]", '[{"a":3}]'),
    # without spaces the operator is part of the member name
    ('[{"a":2,"a+1":9},{"a":3}]', "$[?@.a+1 == 9]", '[{"a":2,"a+1":9}]'),
    # 1 == 1.0, also in membership and inside arrays
    ('{"a":[1,2.0,3]}', "$.a[?@ in [1.0,2]]", "[1,2.0]"),
    ('{"a":[[1,2],[1,3]]}', "$.a[?@ == [1.0,2]]", "[[1,2]]"),
    ('{"a":[[1],[2,1]]}', "$.a[?@ subsetof [1.0,2.0]]", "[[1],[2,1]]"),
    # ordering against an array or object literal never matches
    ('{"a":[[1],[2]]}', "$.a[?@ >= [1]]", "[]"),
    ('{"a":[[1],[2]]}', "$.a[?@ != [1]]", "[[2]]"),
    # in against a non-array: false, and nin true
    ('{"a":[1,2],"b":5}', "$.a[?@ in $.b]", "[]"),
    ('{"a":[1,2],"b":5}', "$.a[?@ nin $.b]", "[1,2]"),
    # sizeof: strings count characters, objects members, n truncated
    ('{"a":["h\u00e9",{"x":1,"y":2},"abc",[1,2]]}', "$.a[?@ size 2]",
     '["h\u00e9",{"x":1,"y":2},[1,2]]'),
    ('{"a":[[1,2],[1]]}', "$.a[?@ sizeof 2.9]", "[[1,2]]"),
    ('{"a":[[1,2],[1]]}', '$.a[?@ sizeof "2"]', "[]"),
    ('{"a":[5,"",[]]}', "$.a[?@ empty true]", '["",[]]'),
    # any node of a list: @.* on either side
    ('[{"x":1,"y":7},{"x":2}]', "$[?@.* == 7]", '[{"x":1,"y":7}]'),
    ('[{"t":["a","b"]},{"t":["c"]}]', '$[?"b" in @.t]', '[{"t":["a","b"]}]'),
    # arity and argument types: Nothing
    ('{"a":["ab","c"]}', "$.a[?length(@, 1) == 2]", "[]"),
    ('{"a":["ab",5]}', "$.a[?length(@) == 2]", '["ab"]'),
    ('{"a":[{"x":1},{"x":1,"y":2}]}', "$.a[?count(@.*) == 1]", '[{"x":1}]'),
    ('{"a":[{"x":[1,2]},{"x":[3]}]}', "$.a[?value(@.x.*) == 3]", '[{"x":[3]}]'),
    ('{"a":[{"n":[1,"x"]},{"n":[]},{"n":[2,4]}]}', "$.a[?sum(@.n) == 6 || sum(@.n) == 0]",
     '[{"n":[2,4]}]'),
    ('{"a":[{"n":[1,3]},{"n":[5]}]}', "$.a[?stddev(@.n) == 1]", '[{"n":[1,3]}]'),
    ('{"a":[{"n":[1,3]},{"n":[5]}]}', "$.a[?min(@.n) == 1 || max(@.n) == 5]",
     '[{"n":[1,3]},{"n":[5]}]'),
    ('{"a":[{"n":[1,3]},{"n":[5]}]}', "$.a[?index(@.n, 1.7) == 3]", '[{"n":[1,3]}]'),
    ('{"a":[{"n":[1,3]},{"n":[5]}]}', "$.a[?index(@.n, 2) == 3]", "[]"),
    ('{"a":["a","b"]}', '$.a[?concat(@, 1) == "a1"]', "[]"),
    ('{"a":["ab","b(",5]}', '$.a[?match(@, "b(") || search(@, 5)]', "[]"),
    # method form, and chained
    ('{"a":[[1,2,3],[1]]}', "$.a[?@.length() == 3]", "[[1,2,3]]"),
    ('{"a":[{"k":{"x":1,"y":2}},{"k":{"x":1}}]}', "$.a[?@.k.keys().count() == 2]",
     '[{"k":{"x":1,"y":2}}]'),
    ('{"a":[{"k":{"x":1,"y":2}},{"k":{"z":1}}]}', '$.a[?"y" in keys(@.k)]', "[]"),
    ('{"a":[{"k":{"x":1,"y":2}},{"k":{"z":1}}]}', '$.a[?keys(@.k) == "z"]', '[{"k":{"z":1}}]'),
    # the keys operator ~ and append() inside filters
    ('{"a":[{"x":1,"y":2},{"z":3}]}', '$.a[?@~ == "z"]', '[{"z":3}]'),
    ('{"a":[{"n":[1,2]},{"n":[3]}]}', "$.a[?@.n.append(9) == [3,9]]", '[{"n":[3]}]'),
    ('{"a":[{"n":[1,2]},{"n":[3]}]}', "$.a[?append(@.n, @.m) == [3]]", "[]"),
    # a member named like a function stays a member without "("
    ('{"a":[{"length":1},{"x":2}]}', "$.a[?@.length]", '[{"length":1}]'),
    # and names like the new operators after a dot
    ('{"a":[{"size":1},{"in":2}]}', "$.a[?@.size == 1 || @.in == 2]", '[{"size":1},{"in":2}]'),
    # "~" is only reachable with brackets now
    ('{"a~b":1}', '$["a~b"]', "[1]"),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c[1] for c in RULE_CASES])
def test_rules(r, case):
    doc, path, want = case
    assert x(r, "JSON.SET", "doc", "$", doc) == b"OK"
    assert x(r, "JSON.GET", "doc", path) == want.encode()


@pytest.mark.parametrize("path", [
    "$.a~b", "$[?@.a + 1]", "$[?1 + 2 == 3 && 5]", "$[?nosuch(@) == 1]", "$[?@ in]",
    "$[?@ == [1,]]", "$[?match(@, 'a') == true]", "$.a ==", "$.arr.length(", "$[?@ size]",
    "$[?(@.a + @.b) * 2]", "$.obj~.a", "$[?@.a~.b]", "$.arr.append(9",
])
def test_syntax_errors(r, path):
    x(r, "JSON.SET", "doc", "$", '{"a":1}')
    assert err(r, "JSON.GET", "doc", path).startswith("JSON Path error")


def test_filters_in_updates(r):
    # the extended filters select for every path command, not only JSON.GET
    x(r, "JSON.SET", "doc", "$", '{"a":[1,2,3,4]}')
    assert x(r, "JSON.SET", "doc", "$.a[?@ in [2,4]]", "0") == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":[1,0,3,0]}]'
    assert x(r, "JSON.NUMINCRBY", "doc", "$.a[?@ % 2 == 1]", "10") == b"[11,13]"
    assert x(r, "JSON.DEL", "doc", "$.a[?@ > 5 && @ nin [13]]") == 1
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":[0,13,0]}]'


# ---- random filters: every one answers (a match list or a path error) -------------

PATHS = ["@", "$", "@.a", "@.b", "@.*", "$.n", "@.a[0]", "@..a", "@.k", "$.a[*]", "@~", "@.b~"]
LITS = ["1", "-2", "2.5", "0", '"x"', "'a'", "true", "false", "null", "[1,2]", '{"k":1}', "[]",
        '"a.*"']
FUNCS = {"length": 1, "count": 1, "value": 1, "keys": 1, "concat": 2, "abs": 1, "ceiling": 1,
         "floor": 1, "first": 1, "last": 1, "index": 2, "min": 1, "max": 1, "avg": 1, "sum": 1,
         "stddev": 1, "append": 2}
OPS = ["==", "!=", "<", ">=", "=~", "in", "nin", "subsetof", "anyof", "noneof", "size", "sizeof",
       "empty"]


def rand_value(rng, d):
    k = rng.randint(0, 5 if d < 4 else 1)
    if k == 0:
        return rng.choice(PATHS)
    if k == 1:
        return rng.choice(LITS)
    if k == 2:
        return rand_value(rng, d + 1) + rng.choice([" + ", " - ", " * ", " / ", " % "]) + \
            rand_value(rng, d + 1)
    if k == 3:
        return "-" + rand_value(rng, d + 1) if rng.random() < .5 else \
            "(" + rand_value(rng, d + 1) + ")"
    f = rng.choice(sorted(FUNCS))
    args = [rand_value(rng, d + 1) for _ in range(max(FUNCS[f] + rng.choice([0, 0, -1, 1]), 0))]
    if args and rng.random() < .3:
        return args[0] + "." + f + "(" + ", ".join(args[1:]) + ")"
    return f + "(" + ", ".join(args) + ")"


def rand_test(rng, d):
    k = rng.randint(0, 4 if d < 4 else 1)
    if k == 0:
        return rng.choice(PATHS)
    if k == 1:
        return rand_value(rng, d + 1) + " " + rng.choice(OPS) + " " + rand_value(rng, d + 1)
    if k == 2:
        return "!" + rand_test(rng, d + 1)
    if k == 3:
        return "(" + rand_test(rng, d + 1) + rng.choice([" && ", " || "]) + \
            rand_test(rng, d + 1) + ")"
    return rng.choice(["match", "search"]) + "(" + rand_value(rng, d + 1) + ", " + \
        rand_value(rng, d + 1) + ")"


def test_random_filters(r):
    rng = random.Random(810)
    docs = ['{"a":[1,2,{"a":[3,"x"],"b":{"k":1}}],"n":[1,2.5,-3],"b":"str","k":[1,2]}',
            '[[],{},"",0,[1,[2]],{"a":{"b":[1]}},{"a":[9223372036854775807],'
            '"k":-9223372036854775808}]']
    answered = 0
    for _ in range(1500):
        x(r, "JSON.SET", "f", "$", rng.choice(docs))
        path = rng.choice(["$..[?", "$[?", "$.a[?"]) + rand_test(rng, 0) + "]" + \
            rng.choice(["", ".a", "[0]"])
        try:
            got = r.execute_command("JSON.GET", "f", path)
            assert got.startswith(b"[")
            answered += 1
            r.execute_command("JSON.DEL", "f", path)
        except ResponseError as e:
            assert str(e).startswith("JSON Path error"), (path, e)
    assert answered > 1000
    assert r.ping()
