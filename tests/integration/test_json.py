"""The JSON type (Redis 8's JSON.* commands, RedisJSON), written from the
command documentation (its examples as cases, with their replies) and
RedisJSON's source and tests, since Redis 7.0 has no JSON to compare with:
legacy and JSONPath reply shapes, every error text, serde_json's number and
string forms, INDENT/NEWLINE/SPACE, filters and recursive descent, RESP3
shapes, WRONGTYPE both ways, the keyspace commands on JSON keys, MULTI,
keyspace events, ACL @json, and persistence (DEBUG RELOAD, DUMP/RESTORE as
RedisJSON's module value, AOF replay and rewrite). redis-py's r.json() is
used as a second client path."""

import json
import os
import struct

import pytest
from redis.exceptions import ResponseError

from testlib.dumppayload import seal
from testlib.notifylib import drain, flags, sub  # noqa: F401

from test_aof import aof_dir, wait_rewrite
from testlib.cmds import AOF_ALWAYS, err, x

def js(v):
    return json.loads(v)


# ---- the documentation's examples ----------------------------------------------


def test_docs_set_get(r):
    assert x(r, "JSON.SET", "doc", "$", '{"a":2}') == b"OK"
    assert x(r, "JSON.SET", "doc", "$.a", "3") == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":3}]'
    assert x(r, "JSON.SET", "doc", "$", '{"a":2}') == b"OK"
    assert x(r, "JSON.SET", "doc", "$.b", "8") == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":2,"b":8}]'
    assert x(r, "JSON.SET", "doc", "$", '{"f1": {"a":1}, "f2":{"a":2}}') == b"OK"
    assert x(r, "JSON.SET", "doc", "$..a", "3") == b"OK"
    assert x(r, "JSON.GET", "doc") == b'{"f1":{"a":3},"f2":{"a":3}}'
    assert x(r, "JSON.SET", "doc", "$", '{"a":2, "b": 3, "nested": {"a": 4, "b": null}}')
    assert x(r, "JSON.GET", "doc", "$..b") == b"[3,null]"
    assert js(x(r, "JSON.GET", "doc", "..a", "$..b")) == {"$..b": [3, None], "..a": [2, 4]}
    got = x(r, "JSON.GET", "doc", "$", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " ")
    assert got == (b'[\n\t{\n\t\t"a": 2,\n\t\t"b": 3,\n\t\t"nested": {\n\t\t\t"a": 4,\n'
                   b'\t\t\t"b": null\n\t\t}\n\t}\n]')


def test_docs_del_type_num(r):
    x(r, "JSON.SET", "doc", "$", '{"a": 1, "nested": {"a": 2, "b": 3}}')
    assert x(r, "JSON.DEL", "doc", "$..a") == 2
    assert x(r, "JSON.GET", "doc", "$") == b'[{"nested":{"b":3}}]'
    x(r, "JSON.SET", "doc", "$", '{"a":2, "nested": {"a": true}, "foo": "bar"}')
    assert x(r, "JSON.TYPE", "doc", "$..foo") == [b"string"]
    assert x(r, "JSON.TYPE", "doc", "$..a") == [b"integer", b"boolean"]
    assert x(r, "JSON.TYPE", "doc", "$..dummy") == []
    x(r, "JSON.SET", "doc", ".", '{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}')
    assert x(r, "JSON.NUMINCRBY", "doc", "$.a", "2") == b"[null]"
    assert x(r, "JSON.NUMINCRBY", "doc", "$..a", "2") == b"[null,4,7,null]"
    x(r, "JSON.SET", "doc", ".", '{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}')
    assert x(r, "JSON.NUMMULTBY", "doc", "$.a", "2") == b"[null]"
    assert x(r, "JSON.NUMMULTBY", "doc", "$..a", "2") == b"[null,4,10,null]"


def test_docs_strings_toggle_clear(r):
    x(r, "JSON.SET", "doc", "$", '{"a":"foo", "nested": {"a": "hello"}, "nested2": {"a": 31}}')
    assert x(r, "JSON.STRLEN", "doc", "$..a") == [3, 5, None]
    assert x(r, "JSON.STRAPPEND", "doc", "$..a", '"baz"') == [6, 8, None]
    assert x(r, "JSON.GET", "doc", "$") == (
        b'[{"a":"foobaz","nested":{"a":"hellobaz"},"nested2":{"a":31}}]')
    x(r, "JSON.SET", "doc", "$", '{"bool": true}')
    assert x(r, "JSON.TOGGLE", "doc", "$.bool") == [0]
    assert x(r, "JSON.GET", "doc", "$") == b'[{"bool":false}]'
    assert x(r, "JSON.TOGGLE", "doc", "$.bool") == [1]
    x(r, "JSON.SET", "doc", "$", '{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", '
      '"bool": true, "int": 42, "float": 3.14}')
    assert x(r, "JSON.CLEAR", "doc", "$.*") == 4
    assert x(r, "JSON.GET", "doc", "$") == (
        b'[{"obj":{},"arr":[],"str":"foo","bool":true,"int":0,"float":0}]')


def test_docs_objects_mget_mset_merge(r):
    x(r, "JSON.SET", "doc", "$", '{"a":[3], "nested": {"a": {"b":2, "c": 1}}}')
    assert x(r, "JSON.OBJKEYS", "doc", "$..a") == [None, [b"b", b"c"]]
    assert x(r, "JSON.OBJLEN", "doc", "$..a") == [None, 2]
    x(r, "JSON.SET", "doc1", "$", '{"a":1, "b": 2, "nested": {"a": 3}, "c": null}')
    x(r, "JSON.SET", "doc2", "$", '{"a":4, "b": 5, "nested": {"a": 6}, "c": null}')
    assert x(r, "JSON.MGET", "doc1", "doc2", "$..a") == [b"[1,3]", b"[4,6]"]
    r.delete("doc1", "doc2", "doc3")
    x(r, "JSON.MSET", "doc1", "$", '{"a":1}', "doc2", "$", '{"f":{"a":2}}', "doc3", "$",
      '{"f1":{"a":0},"f2":{"a":0}}')
    assert x(r, "JSON.MSET", "doc1", "$", '{"a":2}', "doc2", "$.f.a", "3", "doc3", "$",
             '{"f1": {"a":1}, "f2":{"a":2}}') == b"OK"
    assert x(r, "JSON.GET", "doc1", "$") == b'[{"a":2}]'
    assert x(r, "JSON.GET", "doc2", "$") == b'[{"f":{"a":3}}]'
    assert x(r, "JSON.GET", "doc3", "$") == b'[{"f1":{"a":1},"f2":{"a":2}}]'
    x(r, "JSON.SET", "doc", "$", '{"a":2}')
    assert x(r, "JSON.MERGE", "doc", "$.a", "3") == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":3}]'
    x(r, "JSON.SET", "doc", "$", '{"a":2}')
    assert x(r, "JSON.MERGE", "doc", "$", '{"b":8}') == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":2,"b":8}]'
    x(r, "JSON.SET", "doc", "$", '{"a":2}')
    assert x(r, "JSON.MERGE", "doc", "$", '{"a":null}') == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b"[{}]"
    x(r, "JSON.SET", "doc", "$", '{"a":[2,4,6,8]}')
    assert x(r, "JSON.MERGE", "doc", "$.a", "[10,12]") == b"OK"
    assert x(r, "JSON.GET", "doc", "$") == b'[{"a":[10,12]}]'
    x(r, "JSON.SET", "doc", "$", '{"f1": {"a":1}, "f2":{"a":2}}')
    assert x(r, "JSON.MERGE", "doc", "$", '{"f1": null, "f2":{"a":3, "b":4}, "f3":[2,4,6]}')
    assert x(r, "JSON.GET", "doc", "$") == b'[{"f2":{"a":3,"b":4},"f3":[2,4,6]}]'


def test_docs_arrays(r):
    x(r, "JSON.SET", "item:1", "$", '{"name":"Noise-cancelling Bluetooth headphones",'
      '"description":"Wireless Bluetooth headphones with noise-cancelling technology",'
      '"connection":{"wireless":true,"type":"Bluetooth"},"price":99.98,"stock":25,'
      '"colors":["black","silver"]}')
    assert x(r, "JSON.ARRAPPEND", "item:1", "$.colors", '"blue"') == [3]
    assert x(r, "JSON.GET", "item:1") == (
        b'{"name":"Noise-cancelling Bluetooth headphones","description":"Wireless Bluetooth '
        b'headphones with noise-cancelling technology","connection":{"wireless":true,'
        b'"type":"Bluetooth"},"price":99.98,"stock":25,"colors":["black","silver","blue"]}')
    assert x(r, "JSON.ARRINSERT", "item:1", "$.colors", 2, '"yellow"', '"gold"') == [5]
    assert x(r, "JSON.GET", "item:1", "$.colors") == (
        b'[["black","silver","yellow","gold","blue"]]')
    assert x(r, "JSON.ARRINDEX", "item:1", "$..colors", '"silver"') == [1]
    assert x(r, "JSON.ARRLEN", "item:1", "$.colors") == [5]
    assert x(r, "JSON.ARRPOP", "item:1", "$.colors", 0) == [b'"black"']
    assert x(r, "JSON.ARRTRIM", "item:1", "$.colors", 0, 1) == [2]
    assert x(r, "JSON.GET", "item:1", "$.colors") == b'[["silver","yellow"]]'
    assert x(r, "JSON.ARRPOP", "item:1", "$.colors") == [b'"yellow"']
    assert x(r, "JSON.ARRPOP", "item:1", "$.price") == [None]


def test_redis_py_json_helpers(r):
    j = r.json()
    assert j.set("p", "$", {"name": "x", "tags": ["a"], "n": 1})
    assert j.get("p", "$.name") == ["x"]
    assert j.arrappend("p", "$.tags", "b", "c") == [3]
    assert j.numincrby("p", "$.n", 2) == [3]
    assert j.objkeys("p", "$") == [[b"name", b"tags", b"n"]]
    assert j.type("p", "$.tags") == [b"array"]
    assert j.get("p") == {"name": "x", "tags": ["a", "b", "c"], "n": 3}
    assert j.delete("p", "$.tags") == 1
    assert j.get("p") == {"name": "x", "n": 3}


# ---- values: numbers, strings, formatting ---------------------------------------------


def test_number_and_string_forms(r):
    x(r, "JSON.SET", "n", "$", '[1, 1.0, -0.0, 1e2, 1.5e-7, 1e20, 12345678901234567890, '
      '-9223372036854775808, 18446744073709551616, 0.1, "\\u00e9\\n\\u0001\\/", true, null]')
    assert x(r, "JSON.GET", "n") == (
        b'[1,1.0,-0.0,100.0,1.5e-7,1e20,12345678901234567890,-9223372036854775808,'
        b'1.8446744073709552e19,0.1,"\xc3\xa9\\n\\u0001/",true,null]')
    assert x(r, "JSON.TYPE", "n", "$[*]") == [
        b"integer", b"number", b"number", b"number", b"number", b"number", b"integer",
        b"integer", b"number", b"number", b"string", b"boolean", b"null"]
    x(r, "JSON.SET", "k", "$", '{"i":1,"f":1.5}')
    assert x(r, "JSON.NUMINCRBY", "k", ".i", "1") == b"2"
    assert x(r, "JSON.NUMINCRBY", "k", ".i", "1.0") == b"3.0"
    assert x(r, "JSON.NUMMULTBY", "k", ".f", "2") == b"3.0"
    assert x(r, "JSON.NUMINCRBY", "k", "$.i", "9223372036854775807") == b"[9.223372036854776e18]"
    assert err(r, "JSON.NUMMULTBY", "k", "$.f", "1e308") == "result is not a number"
    assert err(r, "JSON.NUMINCRBY", "k", "$.f", "x") == "expected value at line 1 column 1"
    assert err(r, "JSON.NUMINCRBY", "k", "$.f", '"1"') == "bad input number"
    assert err(r, "JSON.NUMINCRBY", "k", ".nope", "1") == (
        "Path does not exist or does not contains a number")


def test_parse_errors(r):
    cases = [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("{", "EOF while parsing an object at line 1 column 1"),
        ("[1,]", "trailing comma at line 1 column 4"),
        ('{"a" 1}', "expected `:` at line 1 column 6"),
        ("tru", "EOF while parsing a value at line 1 column 3"),
        ("[1] x", "trailing characters at line 1 column 5"),
        ("[\n01]", "invalid number at line 2 column 2"),
        ("'a'", "expected value at line 1 column 1"),
        ('"\x01"', "control character (\\u0000-\\u001F) found while parsing a string at line 1 "
                   "column 2"),
    ]
    for text, want in cases:
        assert err(r, "JSON.SET", "k", "$", text) == want, text
    assert err(r, "JSON.SET", "k", "$", "[" * 128 + "]" * 128) == (
        "recursion limit exceeded at line 1 column 128")
    assert x(r, "JSON.SET", "k", "$", "[" * 127 + "]" * 127) == b"OK"
    assert err(r, "JSON.SET", "k", "$", b'"\xff"') == "Couldn't parse as UTF-8 string"
    # writes cannot nest a document deeper than a parsed one may be
    x(r, "JSON.SET", "d", "$", '{"a":' * 100 + "1" + "}" * 100)
    deep_path = "$" + ".a" * 99
    assert x(r, "JSON.SET", "d", deep_path, "[" * 28 + "]" * 28) == b"OK"
    before = x(r, "JSON.GET", "d")
    # a write that would go deeper does not happen: nil for SET/MSET/MERGE,
    # an error for the array commands
    assert x(r, "JSON.SET", "d", deep_path, "[" * 29 + "]" * 29) is None
    assert x(r, "JSON.SET", "d", deep_path + "[0].b", "1") is None
    assert x(r, "JSON.MSET", "d", deep_path, "[" * 29 + "]" * 29) is None
    assert x(r, "JSON.MERGE", "d", deep_path, "[" * 29 + "]" * 29) is None
    assert err(r, "JSON.ARRAPPEND", "d", deep_path, "[" * 28 + "]" * 28) == (
        "recursion limit exceeded")
    assert err(r, "JSON.ARRINSERT", "d", deep_path, "0", "[" * 28 + "]" * 28) == (
        "recursion limit exceeded")
    assert x(r, "JSON.GET", "d") == before
    assert r.exists("k") == 1


def test_get_formatting_and_multi_paths(r):
    x(r, "JSON.SET", "k", "$", '{"a":[1,{}],"b":{},"c":[]}')
    assert x(r, "JSON.GET", "k", "INDENT", "  ") == b'{  "a":[    1,    {}  ],  "b":{},  "c":[]}'
    assert x(r, "JSON.GET", "k", "newline", "\n", "space", "_") == (
        b'{\n"a":_[\n1,\n{}\n],\n"b":_{},\n"c":_[]\n}')
    assert x(r, "JSON.GET", "k", "NOESCAPE", "$.b") == b"[{}]"
    assert js(x(r, "JSON.GET", "k", ".a", ".b")) == {".a": [1, {}], ".b": {}}
    assert js(x(r, "JSON.GET", "k", "$.a", ".b", "$.zz")) == {"$.a": [[1, {}]], ".b": [{}],
                                                              "$.zz": []}
    assert err(r, "JSON.GET", "k", ".a", ".zz") == "Path '.zz' does not exist"
    assert err(r, "JSON.GET", "k", ".zz") == "Path '$.zz' does not exist"
    assert x(r, "JSON.GET", "k", "$.zz") == b"[]"
    assert x(r, "JSON.GET", "nosuch") is None
    assert err(r, "JSON.GET", "k", "INDENT") == "wrong number of arguments for 'json.get' command"
    assert err(r, "JSON.GET", "k", "FORMAT", "EXPAND") == "FORMAT argument is not supported on RESP2"


def test_paths(r):
    x(r, "JSON.SET", "s", "$", '{"store":{"book":[{"category":"reference","author":"Nigel Rees",'
      '"title":"Sayings of the Century","price":8.95},{"category":"fiction","author":"Evelyn '
      'Waugh","title":"Sword of Honour","price":12.99},{"category":"fiction","author":"Herman '
      'Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99}],"bicycle":'
      '{"color":"red","price":19.95}}}')
    assert js(x(r, "JSON.GET", "s", "$..author")) == ["Nigel Rees", "Evelyn Waugh",
                                                      "Herman Melville"]
    assert js(x(r, "JSON.GET", "s", "$.store.*.price")) == [19.95]
    assert js(x(r, "JSON.GET", "s", "$..book[?(@.price < 10)].title")) == [
        "Sayings of the Century", "Moby Dick"]
    assert js(x(r, "JSON.GET", "s", "$..book[?(@.isbn)].title")) == ["Moby Dick"]
    assert js(x(r, "JSON.GET", "s", "$..book[-1:].title")) == ["Moby Dick"]
    assert js(x(r, "JSON.GET", "s", "$..book[0,2].price")) == [8.95, 8.99]
    assert js(x(r, "JSON.GET", "s", "$..book[:2].category")) == ["reference", "fiction"]
    assert js(x(r, "JSON.GET", "s", "$.store.book[?(@.category=='fiction' && @.price > 10)]"
                ".author")) == ["Evelyn Waugh"]
    assert js(x(r, "JSON.GET", "s", '$..book[?(@.author =~ "^H")].price')) == [8.99]
    assert js(x(r, "JSON.GET", "s", "$['store']['bicycle']['color','price']")) == ["red", 19.95]
    assert x(r, "JSON.GET", "s", "store.bicycle.color") == b'"red"'
    assert x(r, "JSON.GET", "s", ".store.book[1].price") == b"12.99"
    assert x(r, "JSON.GET", "s", "store.book[-1].price") == b"8.99"
    assert err(r, "JSON.GET", "s", "$.store[").startswith("JSON Path error")


def test_set_options_and_errors(r):
    assert x(r, "JSON.SET", "k", "$", '{"a":1}', "XX") is None
    assert x(r, "JSON.SET", "k", "$", '{"a":1}', "NX") == b"OK"
    assert x(r, "JSON.SET", "k", "$", '{"a":1}', "NX") is None
    assert x(r, "JSON.SET", "k", "$.a", "2", "NX") is None
    assert x(r, "JSON.SET", "k", "$.b", "2", "XX") is None
    assert x(r, "JSON.SET", "k", "$.b", "2", "nx") == b"OK"
    assert x(r, "JSON.SET", "k", "$.a", "5", "xx") == b"OK"
    assert x(r, "JSON.GET", "k") == b'{"a":5,"b":2}'
    assert err(r, "JSON.SET", "k", "$", "1", "NX", "XX") == "syntax error"
    assert err(r, "JSON.SET", "k", "$", "1", "FOO") == "syntax error"
    assert err(r, "JSON.SET", "new", "$.a", "1") == "new objects must be created at the root"
    assert x(r, "JSON.SET", "k", "$.x.y", "1") is None
    x(r, "JSON.SET", "arr", "$", "[1,2]")
    assert err(r, "JSON.SET", "arr", "$[5]", "1") == "array index out of range"
    assert x(r, "JSON.SET", "arr", "$[-1]", "9") == b"OK"
    assert x(r, "JSON.GET", "arr") == b"[1,9]"
    assert err(r, "JSON.SET", "k") == "wrong number of arguments for 'json.set' command"
    r.set("str", "v")
    assert err(r, "JSON.SET", "str", "$", "1").startswith("WRONGTYPE")
    assert err(r, "JSON.GET", "str").startswith("WRONGTYPE")
    assert x(r, "JSON.MGET", "str", "k", "$.a") == [None, b"[5]"]
    assert err(r, "GET", "k").startswith("WRONGTYPE")
    assert err(r, "LPUSH", "k", "x").startswith("WRONGTYPE")


# (document, command, reply, document afterwards): RedisJSON's own table of
# set/merge/mset cases, its replies with deep-path auto-creation off (the
# default)
NIL = None
SET_CASES = [
    ('{"a":{}}', ("JSON.SET", "k", "$.a.b.c", "5"), NIL, '[{"a":{}}]'),
    ('{"a":{}}', ("JSON.SET", "k", "$.a.b", "5"), b"OK", '[{"a":{"b":5}}]'),
    ('{"a":3}', ("JSON.SET", "k", "$.a.b.c", "5"), NIL, '[{"a":3}]'),
    ('{"a":[1,2]}', ("JSON.SET", "k", "$.a.b", "5"), NIL, '[{"a":[1,2]}]'),
    (None, ("JSON.SET", "k", "$.a", "5"), "new objects must be created at the root", None),
    (None, ("JSON.SET", "k", "$..a", "5"), "new objects must be created at the root", None),
    ("{}", ("JSON.SET", "k", "$.a.b.c", "5", "XX"), NIL, "[{}]"),
    ("{}", ("JSON.SET", "k", "$.a.b.c", "5", "NX"), NIL, "[{}]"),
    ('{"a":{"b":{"c":1}}}', ("JSON.SET", "k", "$.a.b.c", "5", "NX"), NIL,
     '[{"a":{"b":{"c":1}}}]'),
    ('{"a":{},"b":{"c":1}}', ("JSON.SET", "k", "$['a','b'].c", "9"), b"OK",
     '[{"a":{},"b":{"c":9}}]'),
    ('{"p":{},"q":{},"s":"str"}', ("JSON.SET", "k", "$.*.n", "7"), "Err wrong static path",
     '[{"p":{},"q":{},"s":"str"}]'),
    ('{"a":{}}', ("JSON.SET", "k", "$..n", "7"), "Err wrong static path", '[{"a":{}}]'),
    ('{"a":{"a":1}}', ("JSON.SET", "k", "$..a", "5"), b"OK", '[{"a":5}]'),
    ('{"p":{"n":1},"q":{"n":2}}', ("JSON.SET", "k", "$.*.n", "9"), b"OK",
     '[{"p":{"n":9},"q":{"n":9}}]'),
    ('{"arr":[1,2]}', ("JSON.SET", "k", "$..[0]", "9"), b"OK", '[{"arr":[9,2]}]'),
    ('{"a":{"a":1}}', ("JSON.MERGE", "k", "$..a", '{"a":"b"}'), b"OK",
     '[{"a":{"a":{"a":"b"}}}]'),
    ('{"arr":[]}', ("JSON.SET", "k", "$.arr[0]", "7"), "array index out of range",
     '[{"arr":[]}]'),
    ('{"arr":[]}', ("JSON.SET", "k", "$.a.b[0]", "7"), "array index out of range", None),
    ('{"arr":[]}', ("JSON.SET", "k", "$..[9]", "7"), "Err wrong static path", None),
    ('{"a":{}}', ("JSON.MERGE", "k", "$.a.b.c", "5"), NIL, '[{"a":{}}]'),
    ('{"a":{}}', ("JSON.MERGE", "k", "$.a.b", "5"), b"OK", '[{"a":{"b":5}}]'),
    ('{"a":{},"b":{"c":{"x":1}}}', ("JSON.MERGE", "k", "$['a','b'].c", '{"y":2}'), b"OK",
     '[{"a":{},"b":{"c":{"x":1,"y":2}}}]'),
    ('{"items":[{},{"details":{"keep":1}},3]}',
     ("JSON.MERGE", "k", "$.items[*].details.profile", '{"active":true}'),
     "Err wrong static path", '[{"items":[{},{"details":{"keep":1}},3]}]'),
    ('{"a":{"b":1}}', ("JSON.MERGE", "k", "$.a", "null"), b"OK", '[{"a":null}]'),
    ("{}", ("JSON.MERGE", "k", "$.a.b", "null"), NIL, "[{}]"),
    ('{"a":{"b":1,"c":2}}', ("JSON.MERGE", "k", "$.a", '{"b":null}'), b"OK",
     '[{"a":{"c":2}}]'),
    ('{"a":{}}', ("JSON.MSET", "k", "$.a.b.c", "5"), NIL, '[{"a":{}}]'),
    ('{"a":{}}', ("JSON.MSET", "k", "$.a.b", "5"), b"OK", '[{"a":{"b":5}}]'),
    (None, ("JSON.MSET", "k", "$.a.b.c", "5"), "new objects must be created at the root", None),
    ('{"a":{}}', ("JSON.MSET", "k", "$..n", "7"), "Err wrong static path", '[{"a":{}}]'),
    ("{}", ("JSON.MSET", "k", "$.a.b", "1", "k", "$.a.c", "2"), NIL, "[{}]"),
    ('{"a":{"b":1}}', ("JSON.MSET", "k", "$.a", "5", "k", "$.a.b", "2", "k", "$.after", "3"),
     NIL, '[{"a":5,"after":3}]'),
    ('{"keep":1}', ("JSON.MSET", "k", "$.x", "1", "k2", "$.a.b", "2"),
     "new objects must be created at the root", '[{"keep":1}]'),
    ('{"a":{"x":1}}', ("JSON.MSET", "k", "$.a.x", "2", "k", "$[?(@.x==1)].x", "3"), b"OK",
     '[{"a":{"x":3}}]'),
    ('{"a":{}}', ("JSON.MSET", "k", "$.a", '{"b":1}', "k", "$.a.b", "2"), NIL,
     '[{"a":{"b":1}}]'),
    ('{"a":{}}', ("JSON.ARRAPPEND", "k", "$.a.b", "1"), [], '[{"a":{}}]'),
    ('{"a":{}}', ("JSON.ARRAPPEND", "k", ".a.b", "1"), "Path does not exist or not an array",
     None),
    ('{"a":"str"}', ("JSON.ARRAPPEND", "k", "$.a", "1"), [None], '[{"a":"str"}]'),
    (None, ("JSON.ARRAPPEND", "k", "$.a.b", "1"),
     "could not perform this operation on a key that doesn't exist", None),
    ("{}", ("JSON.ARRINSERT", "k", "$.a.b", "0", "1"), [], "[{}]"),
    ('{"a":{"b":[1,2]}}', ("JSON.ARRINSERT", "k", "$.a.b", "1", "9"), [3],
     '[{"a":{"b":[1,9,2]}}]'),
    ('{"a":{}}', ("JSON.NUMINCRBY", "k", "$.a.b", "5"), b"[]", '[{"a":{}}]'),
    ('{"a":{}}', ("JSON.NUMINCRBY", "k", ".a.b", "5"),
     "Path does not exist or does not contains a number", None),
    ('{"a":"str"}', ("JSON.NUMINCRBY", "k", "$.a", "5"), b"[null]", None),
    ("{}", ("JSON.NUMINCRBY", "k", "$.a.b", "notanumber"), b"[]", "[{}]"),
    ("{}", ("JSON.STRAPPEND", "k", "$.a.b", "5"), [], "[{}]"),
    ('{"s":"x"}', ("JSON.STRAPPEND", "k", "$.s", '"y"'), [2], '[{"s":"xy"}]'),
    ('{"a":{}}', ("JSON.STRAPPEND", "k", ".a.b", '"hi"'), "Path does not exist or not a string",
     None),
    ('{"a":{}}', ("JSON.SET", "k", ".a.b.c", "5"), NIL, '[{"a":{}}]'),
    ("{}", ("JSON.SET", "k", "$.a", '{"d":' * 126 + "{}" + "}" * 126), NIL, "[{}]"),
]


@pytest.mark.parametrize("case", SET_CASES, ids=[str(i) for i in range(len(SET_CASES))])
def test_redisjson_cases(r, case):
    doc, cmd, want, after = case
    if doc is not None:
        x(r, "JSON.SET", "k", "$", doc)
    if isinstance(want, str):
        got = err(r, *cmd)
        assert got == want or got == "ERR " + want, got
    else:
        assert x(r, *cmd) == want
    if after is not None:
        assert x(r, "JSON.GET", "k", "$") == after.encode()


def test_legacy_replies_and_errors(r):
    x(r, "JSON.SET", "k", ".", '{"s":"ab","n":1,"a":[1,2,3],"o":{"x":1},"b":false}')
    assert x(r, "JSON.TYPE", "k") == b"object"
    assert x(r, "JSON.TYPE", "k", ".zz") is None
    assert x(r, "JSON.TYPE", "nosuch") is None
    assert x(r, "JSON.STRLEN", "k", ".s") == 2
    assert err(r, "JSON.STRLEN", "k", ".n") == (
        "WRONGTYPE wrong type of path value - expected string but found integer")
    assert err(r, "JSON.STRLEN", "k", ".zz") == "Path '$.zz' does not exist"
    assert x(r, "JSON.STRLEN", "nosuch", ".s") is None
    assert x(r, "JSON.STRAPPEND", "k", ".s", '"c"') == 3
    assert err(r, "JSON.STRAPPEND", "k", '"d"') == "Path does not exist or not a string"
    assert err(r, "JSON.STRAPPEND", "k", ".n", '"c"') == "Path does not exist or not a string"
    assert err(r, "JSON.STRAPPEND", "k", ".s", "1") == (
        "WRONGTYPE wrong type of path value - expected string but found 1")
    assert x(r, "JSON.TOGGLE", "k", ".b") == b"true"
    assert err(r, "JSON.TOGGLE", "k", ".n") == "Path does not exist or not a bool"
    assert x(r, "JSON.ARRLEN", "k", ".a") == 3
    assert err(r, "JSON.ARRLEN", "k", ".n") == "Path does not exist or not an array"
    assert err(r, "JSON.ARRLEN", "k", ".zz") == "Path does not exist"
    assert x(r, "JSON.ARRLEN", "nosuch", ".a") is None
    assert err(r, "JSON.ARRLEN", "nosuch", "$.a") == (
        "could not perform this operation on a key that doesn't exist")
    assert x(r, "JSON.ARRAPPEND", "k", ".a", "4") == 4
    assert err(r, "JSON.ARRAPPEND", "k", ".n", "4") == "Path does not exist or not an array"
    assert err(r, "JSON.ARRAPPEND", "k", ".a") == (
        "wrong number of arguments for 'json.arrappend' command")
    assert x(r, "JSON.ARRINDEX", "k", ".a", "3") == 2
    assert x(r, "JSON.ARRINDEX", "k", ".a", "3.0") == -1
    assert x(r, "JSON.ARRINDEX", "k", ".a", "1", "1") == -1
    assert x(r, "JSON.ARRINDEX", "k", ".a", "4", "-1", "0") == 3
    assert err(r, "JSON.ARRINDEX", "k", ".n", "1") == (
        "WRONGTYPE wrong type of path value - expected array but found integer")
    assert err(r, "JSON.ARRINDEX", "k", ".a", "1", "x") == "Couldn't parse as integer"
    assert err(r, "JSON.ARRINDEX", "nosuch", ".a", "1") == "Path does not exist"
    assert x(r, "JSON.ARRINSERT", "k", ".a", "0", "0") == 5
    assert x(r, "JSON.ARRINSERT", "k", ".a", "-1", '"x"') == 6
    assert err(r, "JSON.ARRINSERT", "k", ".a", "99", "1") == "index out of bounds"
    assert x(r, "JSON.GET", "k", ".a") == b'[0,1,2,3,"x",4]'
    assert x(r, "JSON.ARRPOP", "k", ".a") == b"4"
    assert x(r, "JSON.ARRPOP", "k", ".a", "0") == b"0"
    assert x(r, "JSON.ARRPOP", "k", ".a", "99") == b'"x"'
    assert x(r, "JSON.ARRTRIM", "k", ".a", "1", "-1") == 2
    assert x(r, "JSON.GET", "k", ".a") == b"[2,3]"
    assert x(r, "JSON.ARRTRIM", "k", ".a", "5", "9") == 0
    assert x(r, "JSON.ARRPOP", "k", ".a") is None
    assert x(r, "JSON.OBJKEYS", "k", ".o") == [b"x"]
    assert x(r, "JSON.OBJKEYS", "k", ".zz") is None
    assert err(r, "JSON.OBJKEYS", "k", ".n") == "Path does not exist or not an object"
    assert x(r, "JSON.OBJLEN", "k") == 5
    assert err(r, "JSON.OBJLEN", "k", ".n") == (
        "WRONGTYPE wrong type of path value - expected object but found integer")
    assert x(r, "JSON.OBJLEN", "k", ".zz") is None
    assert x(r, "JSON.RESP", "k", ".o") == [b"{", b"x", 1]
    assert x(r, "JSON.RESP", "k", "$.a") == [[b"["]]
    assert err(r, "JSON.TOGGLE", "nosuch", "$.b") == (
        "could not perform this operation on a key that doesn't exist")
    assert x(r, "JSON.DEBUG", "HELP") == [b"MEMORY <key> [path] - reports memory usage",
                                          b"HELP                - this message"]
    assert x(r, "JSON.DEBUG", "MEMORY", "nosuch") == 0
    assert x(r, "JSON.DEBUG", "MEMORY", "nosuch", "$") == []
    assert x(r, "JSON.DEBUG", "MEMORY", "k", "$.n") == [8]
    assert x(r, "JSON.DEBUG", "MEMORY", "k") > 100
    assert err(r, "JSON.DEBUG", "FOO") == "unknown subcommand - try `JSON.DEBUG HELP`"


def test_del_clear_forget(r):
    x(r, "JSON.SET", "k", "$", '{"a":{"a":{"a":1}},"b":[1,2,3],"c":0}')
    assert x(r, "JSON.DEL", "k", "$..a") == 1  # only the outermost of nested matches
    assert x(r, "JSON.FORGET", "k", "$.b[0,2]") == 2
    assert x(r, "JSON.GET", "k") == b'{"b":[2],"c":0}'
    assert x(r, "JSON.DEL", "k", "$.zz") == 0
    assert x(r, "JSON.CLEAR", "k") == 1
    assert x(r, "JSON.GET", "k") == b"{}"
    assert x(r, "JSON.CLEAR", "k") == 0
    assert x(r, "JSON.DEL", "nosuch") == 0
    x(r, "JSON.SET", "k", "$", '{"a":1}')
    assert x(r, "JSON.DEL", "k", "$.a") == 1
    assert r.exists("k") == 0  # emptied by JSON.DEL: the key goes
    x(r, "JSON.SET", "k", "$", "[1]")
    assert x(r, "JSON.DEL", "k") == 1 and r.exists("k") == 0
    x(r, "JSON.SET", "k", "$", "1")
    assert x(r, "JSON.DEL", "k", "$") == 1 and r.exists("k") == 0


def test_big_documents(r):
    n = 50000
    doc = "{" + ",".join('"k%d":%d' % (i, i) for i in range(n)) + ',"k7":"dup"}'
    assert x(r, "JSON.SET", "big", "$", doc) == b"OK"
    assert x(r, "JSON.OBJLEN", "big") == n
    assert x(r, "JSON.GET", "big", "$.k7") == b'["dup"]'
    assert x(r, "JSON.DEL", "big", "$[?(@ > 10)]") == n - 11  # k0..k10 stay (k7 is the string "dup")
    assert x(r, "JSON.OBJKEYS", "big")[:3] == [b"k0", b"k1", b"k2"]
    assert x(r, "JSON.OBJLEN", "big") == 11
    x(r, "JSON.SET", "arr", "$", "[" + ",".join(str(i) for i in range(n)) + "]")
    assert x(r, "JSON.DEL", "arr", "$[*]") == n
    assert x(r, "JSON.GET", "arr") is None  # emptied: the key goes


def rfc7396(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = rfc7396(target.get(k), v)
    return target


def test_merge_against_model(r):
    """JSON.MERGE against RFC 7396 as Python spells it (dicts keep insertion
    order, as RedisJSON's objects do), small and big objects alike."""
    import random
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)

    def value(depth):
        k = rng.randrange(6 if depth < 3 else 4)
        if k == 0:
            return None
        if k == 1:
            return rng.randrange(100)
        if k == 2:
            return "s%d" % rng.randrange(5)
        if k == 3:
            return [rng.randrange(3)]
        return {"k%d" % rng.randrange(60): value(depth + 1) for _ in range(rng.randrange(50))}

    for _ in range(60):
        target = {"k%d" % i: value(1) for i in range(rng.choice([5, 40, 60]))}
        target = json.loads(json.dumps(target))
        x(r, "JSON.SET", "m", "$", json.dumps(target))
        patch = {"k%d" % rng.randrange(70): value(1) for _ in range(rng.choice([3, 20, 50]))}
        assert x(r, "JSON.MERGE", "m", "$", json.dumps(patch)) == b"OK"
        want = rfc7396(json.loads(json.dumps(target)), patch)
        got = json.loads(x(r, "JSON.GET", "m"))
        assert json.dumps(got) == json.dumps(want), seed


def test_resp3_shapes(raw):
    c = raw()
    c.call("HELLO", "3")
    c.call("JSON.SET", "k", "$", '{"a":1,"b":2.5,"c":[true,null],"d":"s"}')
    assert c.call_raw("JSON.GET", "k", "$.a") == b"$3\r\n[1]\r\n"
    assert c.call_raw("JSON.TYPE", "k", "$.a") == b"*1\r\n*1\r\n$7\r\ninteger\r\n"
    assert c.call_raw("JSON.TYPE", "k") == b"*1\r\n$6\r\nobject\r\n"
    assert c.call_raw("JSON.NUMINCRBY", "k", "$.a", "1") == b"*1\r\n:2\r\n"
    assert c.call_raw("JSON.NUMINCRBY", "k", "$..*", "1") == (
        b"*6\r\n:3\r\n,3.5\r\n_\r\n_\r\n_\r\n_\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND", "$.c") == (
        b"*1\r\n*1\r\n*2\r\n#t\r\n_\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND1", "$.c", "$.b") == (
        b"*2\r\n*1\r\n$11\r\n[true,null]\r\n*1\r\n,3.5\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "EXPAND", "$") == (
        b"*1\r\n*1\r\n%4\r\n$1\r\na\r\n:3\r\n$1\r\nb\r\n,3.5\r\n$1\r\nc\r\n*2\r\n#t\r\n_\r\n"
        b"$1\r\nd\r\n$1\r\ns\r\n")
    assert c.call_raw("JSON.GET", "k", "FORMAT", "STRINGS") == b"-ERR wrong reply format\r\n"
    assert c.call_raw("JSON.RESP", "k", "$.b") == b"*1\r\n,3.5\r\n"
    assert c.call_raw("JSON.ARRPOP", "k", "FORMAT", "EXPAND", "$.c", "0") == b"*1\r\n#t\r\n"
    assert c.call_raw("JSON.ARRPOP", "k", "FORMAT", "EXPAND", ".c") == (
        b"-Legacy paths are supported only with FORMAT STRINGS\r\n")
    assert c.call_raw("JSON.STRLEN", "k", "$.zz") == b"*0\r\n"


# ---- the keyspace, transactions, events, ACL ----------------------------------------------


def test_keyspace_commands(r):
    x(r, "JSON.SET", "k", "$", '{"a":[1,2]}')
    assert r.type("k") == b"ReJSON-RL"
    assert r.object("encoding", "k") == b"raw"
    assert r.scan(0, _type="ReJSON-RL") == (0, [b"k"])
    assert r.copy("k", "k2")
    x(r, "JSON.ARRAPPEND", "k2", "$.a", "3")
    assert x(r, "JSON.GET", "k") == b'{"a":[1,2]}' and x(r, "JSON.GET", "k2") == b'{"a":[1,2,3]}'
    assert r.rename("k2", "k3") and x(r, "JSON.GET", "k3") == b'{"a":[1,2,3]}'
    assert r.expire("k3", 100) and 0 < r.ttl("k3") <= 100
    x(r, "JSON.SET", "k3", "$.a", "0")
    assert 0 < r.ttl("k3") <= 100  # a JSON write keeps the TTL
    assert r.memory_usage("k") > 0
    assert r.delete("k", "k3") == 2


def test_multi_and_watch(r, rr):
    x(r, "JSON.SET", "k", "$", '{"n":1}')
    p = r.pipeline(transaction=True)
    p.execute_command("JSON.NUMINCRBY", "k", "$.n", "1")
    p.execute_command("JSON.GET", "k")
    assert p.execute() == [b"[2]", b'{"n":2}']
    p = r.pipeline(transaction=True)
    p.watch("k")
    x(rr(), "JSON.SET", "k", "$.n", "5")
    p.multi()
    p.execute_command("JSON.GET", "k")
    with pytest.raises(Exception, match="Watched variable changed"):
        p.execute()


def test_notifications(r, flags, sub):  # noqa: F811
    flags("KEA")
    x(r, "JSON.SET", "k", "$", '{"a":[1],"s":"x","b":true,"n":1}')
    x(r, "JSON.SET", "k", "$.a", "[1,2]")
    x(r, "JSON.SET", "k", "$", "1", "NX")  # nothing changed: no event
    x(r, "JSON.ARRAPPEND", "k", "$.a", "3")
    x(r, "JSON.ARRINSERT", "k", "$.a", "0", "0")
    x(r, "JSON.ARRPOP", "k", "$.a")
    x(r, "JSON.ARRTRIM", "k", "$.a", "0", "0")
    x(r, "JSON.STRAPPEND", "k", "$.s", '"y"')
    x(r, "JSON.TOGGLE", "k", "$.b")
    x(r, "JSON.NUMINCRBY", "k", "$.n", "1")
    x(r, "JSON.NUMMULTBY", "k", "$.n", "2")
    x(r, "JSON.MERGE", "k", "$", '{"m":1}')
    x(r, "JSON.CLEAR", "k", "$.a")
    x(r, "JSON.MSET", "k", "$.z", "1", "k2", "$", "2")
    x(r, "JSON.DEL", "k", "$.zz")  # nothing deleted: no event
    x(r, "JSON.DEL", "k")
    got = [m for m in drain(r, sub) if m[0].startswith(b"__keyevent")]
    assert [ch.split(b":", 1)[1] for ch, _ in got] == [
        b"json.set", b"json.set", b"json.arrappend", b"json.arrinsert", b"json.arrpop",
        b"json.arrtrim", b"json.strappend", b"json.toggle", b"json.numincrby",
        b"json.nummultby", b"json.merge", b"json.clear", b"json.mset", b"json.mset",
        b"json.del"]
    flags("Kd")
    x(r, "JSON.SET", "j", "$", "1")
    assert [d for _, d in drain(r, sub)] == [b"json.set"]


def test_acl_category(r):
    cats = x(r, "ACL", "CAT")
    assert b"json" in cats
    names = set(x(r, "ACL", "CAT", "json"))
    assert {b"json.set", b"json.get", b"json.del", b"json.arrpop", b"json.debug"} <= names
    r.execute_command("ACL", "SETUSER", "u", "on", ">p", "~*", "+@all", "-@json")
    c = r.connection_pool.connection_class(host=r.connection_pool.connection_kwargs["host"],
                                           port=r.connection_pool.connection_kwargs["port"])
    c.connect()
    c.send_command("AUTH", "u", "p")
    assert c.read_response() == b"OK"
    c.send_command("JSON.GET", "k")
    with pytest.raises(Exception, match="no permissions"):
        c.read_response()
    c.disconnect()
    r.execute_command("ACL", "DELUSER", "u")


# ---- persistence ----------------------------------------------------------------------------


def snapshot(c):
    return {k: x(c, "JSON.GET", k) for k in c.keys("*") if c.type(k) == b"ReJSON-RL"}


def test_debug_reload_and_dump(r):
    x(r, "JSON.SET", "a", "$", '{"x":[1,2.5,"s\\n",null,true],"y":{"z":{}}}')
    x(r, "JSON.SET", "b", "$", '"' + "w" * 20000 + '"')
    before = snapshot(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(r) == before
    d = r.dump("a")
    assert d[0] == 7  # a module value
    # the module id: "ReJSON-RL" in 6-bit characters, encoding version 3
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    mid = 0
    for ch in "ReJSON-RL":
        mid = (mid << 6) | chars.index(ch)
    mid = (mid << 10) | 3
    assert d[1] == 0x81 and struct.unpack(">Q", d[2:10])[0] == mid
    doc = b'{"x":[1,2.5,"s\\n",null,true],"y":{"z":{}}}'
    assert d[10] == 5 and d[11] == len(doc) and d[12:12 + len(doc)] == doc
    assert d[12 + len(doc)] == 0  # EOF opcode
    r.restore("a2", 0, d)
    assert x(r, "JSON.GET", "a2") == before[b"a"]
    # a payload as RedisJSON writes it (encoding version 3), and version 2
    for ver, extra in [(3, b""), (2, b"\x02\x00")]:
        m = (mid >> 10 << 10) | ver
        body = b"\x07\x81" + struct.pack(">Q", m) + b"\x05\x07[1,\"a\"]" + extra + b"\x00"
        r.restore("v%d" % ver, 0, seal(body, 10))
        assert x(r, "JSON.GET", "v%d" % ver) == b'[1,"a"]'
    # hostile payloads refuse cleanly
    bad = [
        b"\x07\x81" + struct.pack(">Q", mid) + b"\x05\x03[1,\x00",  # bad JSON
        b"\x07\x81" + struct.pack(">Q", mid) + b"\x05\x03[1]",  # no EOF
        b"\x07\x81" + struct.pack(">Q", mid) + b"\x02\x03\x00",  # not a string
        b"\x07\x81" + struct.pack(">Q", (mid >> 10 << 10) | 9) + b"\x05\x03[1]\x00",  # version
        b"\x07\x81" + struct.pack(">Q", mid) + b"\x05\x09[1]\x00",  # truncated
    ]
    for i, b in enumerate(bad):
        with pytest.raises(ResponseError, match="Bad data format"):
            r.restore("bad%d" % i, 0, seal(b, 10))
    assert r.exists(*["bad%d" % i for i in range(len(bad))]) == 0


def test_aof_replay_and_rewrite(make_server):
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    x(c, "JSON.SET", "a", "$", '{"n":1,"l":[1,2,3],"s":"x","o":{"p":{"q":[]}}}')
    x(c, "JSON.NUMINCRBY", "a", "$.n", "0.5")
    x(c, "JSON.NUMMULTBY", "a", "$.n", "3")
    x(c, "JSON.ARRPOP", "a", "$.l", "0")
    x(c, "JSON.ARRINSERT", "a", "$.l", "1", '"in"')
    x(c, "JSON.STRAPPEND", "a", "$.s", '"yz"')
    x(c, "JSON.MERGE", "a", "$.o", '{"p":{"r":1}}')
    x(c, "JSON.SET", "b", "$", "[1,2,3,4,5]")
    x(c, "JSON.ARRTRIM", "b", "$", "1", "2")
    x(c, "JSON.MSET", "c", "$", '{"k":true}', "b", "$[0]", "20")
    x(c, "JSON.SET", "gone", "$", "1")
    x(c, "JSON.DEL", "gone")
    c.restore("a2", 0, c.dump("a"))
    before = snapshot(c)
    assert set(before) == {b"a", b"b", b"c", b"a2"}
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    c.bgrewriteaof()
    wait_rewrite(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before
    base = [f for f in os.listdir(aof_dir(srv)) if ".base." in f][0]
    data = open(os.path.join(aof_dir(srv), base), "rb").read()
    if base.endswith(".aof"):
        assert b"$8\r\nJSON.SET\r\n$1\r\nb\r\n$1\r\n$\r\n$9\r\n[20,3,4]\r\n" not in data
        assert b"*4\r\n$8\r\nJSON.SET\r\n$1\r\nb\r\n$1\r\n$\r\n$6\r\n[20,3]\r\n" in data


def test_rdb_save_restart(make_server):
    srv = make_server()
    c = srv.client()
    x(c, "JSON.SET", "a", "$", '{"x":[1,{"y":null}],"z":1e20}')
    before = snapshot(c)
    c.save()
    srv.restart()
    assert snapshot(srv.client()) == before


def random_json_commands(rng, n):
    """n random JSON.* commands on a few keys, valid and invalid."""
    keys = ["j1", "j2", "j3"]
    values = ["1", "-2.5", "1e3", '"s"', "true", "null", "[]", "{}", "[1,2,[3]]",
              '{"a":1,"b":[true,{"a":"x"}],"c":{"a":{"a":2}}}', '{"a":[1,2,3],"n":5}', "[1,"]
    paths = ["$", ".", "$.a", ".a", "a", "$..a", "$.*", "$[0]", "$[-1]", "$.b[*]", "$..*",
             "$.a.a", "$[1:3]", "$[?(@.a>0)]", "$..[?(@ == 1)]", "$.b[0,1]", "$['a','c']",
             "$.n", ".c.a", "$.new"]
    out = []
    for _ in range(n):
        k, p, v = rng.choice(keys), rng.choice(paths), rng.choice(values)
        cmd = rng.choice([
            ("JSON.SET", k, p, v), ("JSON.SET", k, "$", v), ("JSON.SET", k, p, v, "NX"),
            ("JSON.SET", k, p, v, "XX"), ("JSON.DEL", k, p), ("JSON.MERGE", k, p, v),
            ("JSON.NUMINCRBY", k, p, rng.choice(["1", "2.5", "-1"])),
            ("JSON.NUMMULTBY", k, p, rng.choice(["2", "0.5"])), ("JSON.TOGGLE", k, p),
            ("JSON.STRAPPEND", k, p, '"z"'), ("JSON.ARRAPPEND", k, p, v, v),
            ("JSON.ARRINSERT", k, p, str(rng.randint(-3, 3)), v),
            ("JSON.ARRPOP", k, p, str(rng.randint(-3, 3))),
            ("JSON.ARRTRIM", k, p, str(rng.randint(-3, 3)), str(rng.randint(-3, 3))),
            ("JSON.CLEAR", k, p), ("JSON.MSET", k, p, v, rng.choice(keys), "$", v),
            ("JSON.GET", k, p, "$..*"), ("JSON.TYPE", k, p), ("JSON.ARRINDEX", k, p, v),
            ("JSON.OBJKEYS", k, p), ("JSON.RESP", k, p), ("JSON.DEBUG", "MEMORY", k, p),
        ])
        out.append(cmd)
    return out


def test_random_commands_resp3(raw):
    """The same random commands over RESP3, with the reply formats: every
    reply is well formed (the connection stays in step)."""
    import random
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    c = raw()
    c.call("HELLO", "3")
    for cmd in random_json_commands(rng, 2000):
        if cmd[0] == "JSON.GET" and rng.random() < 0.5:
            cmd = cmd[:2] + ("FORMAT", rng.choice(["EXPAND", "EXPAND1", "STRING"])) + cmd[2:]
        if cmd[0] == "JSON.ARRPOP" and rng.random() < 0.5:
            cmd = cmd[:2] + ("FORMAT", rng.choice(["EXPAND", "EXPAND1", "STRINGS"])) + cmd[2:]
        c.call(*cmd)
    assert c.call("PING") == b"PONG", seed


def test_random_commands_persist(make_server):
    """Random JSON commands (errors included): the AOF replays to the same
    documents, and so do DEBUG RELOAD and DUMP/RESTORE."""
    import random
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    srv = make_server(AOF_ALWAYS)
    c = srv.client()
    for cmd in random_json_commands(rng, 3000):
        try:
            c.execute_command(*cmd)
        except ResponseError:
            pass
    before = snapshot(c)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(c) == before, seed
    for k in before:
        c.restore(k + b"-copy", 0, c.dump(k))
        assert x(c, "JSON.GET", k + b"-copy") == before[k], seed
    before = snapshot(c)
    srv.restart()
    c = srv.client()
    assert snapshot(c) == before, seed


def test_merge_clear_element_of_number_array(r):
    """Redis 8.10's error list: JSON.MERGE and JSON.CLEAR cannot change one
    element of an array that holds only numbers (RedisJSON keeps it in a
    compact typed form) and answer "ERR bad object type"; JSON.SET and
    JSON.NUMINCRBY can, and a mixed array's elements stay mergeable."""
    x(r, "JSON.SET", "k", "$", '{"a":[1,2],"f":[1.5,-2],"m":[1,"x"],"z":[0,3],"n":4}')
    for args in (("JSON.CLEAR", "k", "$.a[0]"), ("JSON.CLEAR", "k", "$.f[*]"),
                 ("JSON.CLEAR", "k", ".a[1]"), ("JSON.MERGE", "k", "$.a[0]", "5"),
                 ("JSON.MERGE", "k", ".f[1]", '{"x":1}'), ("JSON.MERGE", "k", "$.z[0]", "1")):
        assert err(r, *args) == "bad object type", args
    assert x(r, "JSON.GET", "k") == b'{"a":[1,2],"f":[1.5,-2],"m":[1,"x"],"z":[0,3],"n":4}'
    assert x(r, "JSON.CLEAR", "k", "$.z[0]") == 0  # already 0: nothing to change
    assert x(r, "JSON.MERGE", "k", "$.m[0]", "5") == b"OK"
    assert x(r, "JSON.CLEAR", "k", "$.m[0]") == 1
    assert x(r, "JSON.CLEAR", "k", "$.n") == 1
    assert x(r, "JSON.SET", "k", "$.a[0]", "7") == b"OK"
    assert x(r, "JSON.NUMINCRBY", "k", "$.a[1]", "1") == b"[3]"
    assert x(r, "JSON.CLEAR", "k", "$.a") == 1  # the whole array is fine
    assert x(r, "JSON.GET", "k") == b'{"a":[],"f":[1.5,-2],"m":[0,"x"],"z":[0,3],"n":0}'


def test_parse_error_prefix_on_the_wire(raw):
    """A value to store that is not JSON (JSON.SET, MSET, MERGE, ARRAPPEND,
    ARRINSERT) is answered with the parser's bare sentence, no ERR; the
    commands that parse a number or a scalar to compare (NUMINCRBY,
    NUMMULTBY, STRAPPEND, ARRINDEX) say ERR first -- Redis 8.10's JSON error
    list. redis-py drops a leading ERR, so this reads the raw reply."""
    c = raw()
    assert c.call_raw("JSON.SET", "k", "$", '{"a":[1],"s":"x","n":1}') == b"+OK\r\n"
    bare = b"-expected value at line 1 column 1\r\n"
    with_err = b"-ERR expected value at line 1 column 1\r\n"
    for args in (("JSON.SET", "k", "$", "x"), ("JSON.SET", "new", "$", "x"),
                 ("JSON.MSET", "k", "$.n", "x"), ("JSON.MERGE", "k", "$", "x"),
                 ("JSON.ARRAPPEND", "k", "$.a", "x"), ("JSON.ARRINSERT", "k", "$.a", "0", "x")):
        assert c.call_raw(*args) == bare, args
    assert c.call_raw("JSON.SET", "k", "$", "{") == (
        b"-EOF while parsing an object at line 1 column 1\r\n")
    for args in (("JSON.NUMINCRBY", "k", "$.n", "x"), ("JSON.NUMMULTBY", "k", "$.n", "x"),
                 ("JSON.STRAPPEND", "k", "$.s", "x"), ("JSON.ARRINDEX", "k", "$.a", "x")):
        assert c.call_raw(*args) == with_err, args
