"""COMMAND INFO / COMMAND DOCS / COMMAND LIST of the Redis 8 module commands.

Redis 8 ships Bloom/Cuckoo/CMS/Top-K/t-digest (module "bf"), JSON
("ReJSON"), time series ("timeseries") and vector sets ("vectorset") as
modules registered through the module API. A command made that way carries
the "module" flag in COMMAND INFO (after denyoom, where Redis's flag table
has it), its COMMAND DOCS has group "module" and a "module" field with the
module's name right after complexity, and COMMAND LIST FILTERBY MODULE
<name> (name in any case) lists it. The names are the ones each module
passes to RedisModule_Init; the field order is that of Redis's
addReplyCommandDocs.
"""

import pytest

from testlib import IS_REDIS
from testlib.cmds import x

pytestmark = pytest.mark.skipif(IS_REDIS, reason="Redis 8 modules (the oracle is 7.0)")

MODULES = {
    "bf": ["bf.add", "bf.reserve", "cf.add", "cf.scandump", "cms.incrby", "cms.merge",
           "topk.add", "topk.list", "tdigest.create", "tdigest.quantile"],
    "ReJSON": ["json.set", "json.get", "json.mget", "json.arrappend", "json.debug"],
    "timeseries": ["ts.add", "ts.create", "ts.mrange", "ts.queryindex"],
    "vectorset": ["vadd", "vsim", "vrem", "vcard", "vrange"],
}


@pytest.fixture
def r(r):
    """The client with redis-py's reply parsing off (raw replies)."""
    r.response_callbacks.clear()
    return r


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def info_flags(r, name):
    entry = x(r, "COMMAND", "INFO", name)[0]
    return [text(f) for f in entry[2]]


def docs_fields(r, name):
    reply = x(r, "COMMAND", "DOCS", name)
    assert text(reply[0]) == name
    fields = reply[1]
    return [(text(fields[i]), fields[i + 1]) for i in range(0, len(fields), 2)]


@pytest.mark.parametrize("module,name", [(m, n) for m, ns in MODULES.items() for n in ns])
def test_module_command_info_and_docs(r, module, name):
    flags = info_flags(r, name)
    assert "module" in flags
    # Redis's flag order: write, readonly, denyoom, module, admin, ...
    order = ["write", "readonly", "denyoom", "module"]
    seen = [f for f in flags if f in order]
    assert seen == [f for f in order if f in seen]
    assert flags.index("module") == len(seen) - 1

    fields = docs_fields(r, name)
    keys = [k for k, _ in fields]
    values = dict(fields)
    assert text(values["group"]) == "module"
    assert text(values["module"]) == module
    want = ["summary", "since", "group"]
    if "complexity" in values:
        want.append("complexity")
    want.append("module")
    assert keys[:len(want)] == want


def test_module_flags_exact(r):
    assert info_flags(r, "bf.add") == ["write", "denyoom", "module"]
    assert info_flags(r, "cms.query") == ["readonly", "module"]
    assert info_flags(r, "ts.get") == ["readonly", "module", "fast"]
    assert info_flags(r, "json.get") == ["readonly", "module"]


def test_core_commands_have_no_module_flag(r):
    for name in ("set", "xadd", "get", "command"):
        assert "module" not in info_flags(r, name)
        assert "module" not in dict(docs_fields(r, name))


def test_sketch_groups_are_module(r):
    """CMS, Top-K and t-digest live in RedisBloom: group "module", not their
    own type's name."""
    for name in ("cms.query", "topk.reserve", "tdigest.add"):
        assert text(dict(docs_fields(r, name))["group"]) == "module"


def test_command_list_filterby_module(r):
    for module, names in MODULES.items():
        for spelled in (module, module.upper(), module.lower()):
            got = {text(n) for n in x(r, "COMMAND", "LIST", "FILTERBY", "MODULE", spelled)}
            assert set(names) <= got
            assert "set" not in got and "xadd" not in got
    bf = {text(n) for n in x(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "bf")}
    json = {text(n) for n in x(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "rejson")}
    assert not bf & json
    assert all(n.split(".")[0] in ("bf", "cf", "cms", "topk", "tdigest") for n in bf)
    assert all(n.startswith("json.") for n in json)
    assert x(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "nosuchmodule") == []
