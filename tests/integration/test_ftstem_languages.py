"""Stemming in the query engine's languages other than English (Snowball
stemmers, src/types/ftstem.c and ftstem_more.c): the index's LANGUAGE, a document's
LANGUAGE_FIELD (an unknown value falls back on the index's default, as
RediSearch does), FT.SEARCH's LANGUAGE argument, VERBATIM, FT.EXPLAIN's
expansion and HIGHLIGHT. The word pairs share a Snowball stem in their
language (tests/unit/stemdata) and not in English."""

import pytest
import redis
from redis.commands.search.field import TextField
from redis.commands.search.indexDefinition import IndexDefinition, IndexType
from redis.commands.search.query import Query

from testlib.cmds import x


def ids(r, idx, *args):
    return sorted(x(r, "FT.SEARCH", idx, *args, "NOCONTENT")[1:])


# language, the indexed word, a query word with the same stem, that stem
PAIRS = [
    ("french", "abandonnait", "abandonner", "abandon"),
    ("german", "Häuser", "Haus", "haus"),
    ("spanish", "abonada", "abonador", "abon"),
    ("italian", "abbassava", "abbassavate", "abbass"),
    ("portuguese", "abnegasse", "abnegou", "abneg"),
    ("dutch", "afdragen", "afdraag", "afdrag"),
    ("russian", "Авторизации", "авторизация", "авторизац"),
    ("romanian", "acceptată", "acceptare", "accept"),
    ("finnish", "alapuolella", "alapuolelle", "alapuol"),
    ("hungarian", "alrendszerben", "alrendszernek", "alrendszer"),
    ("swedish", "anhalterna", "anhalten", "anhalt"),
    ("norwegian", "karbonpapirene", "karbonpapira", "karbonpapir"),
    ("danish", "affaldsproblemerne", "affaldsproblemer", "affaldsproblem"),
    ("turkish", "yapılandırmaları", "yapılandırmaya", "yapılandırma"),
    ("arabic", "الأوكرانية", "الأوكراني", "اوكران"),
    ("indonesian", "diimplementasikan", "mengimplementasi", "implementasi"),
    ("catalan", "descomprimint", "descomprimir", "descomprim"),
    ("irish", "comhoiriúnacht", "chomhoiriúnach", "comhoiriún"),
    ("basque", "direktorioak", "direktorioan", "direktorio"),
    ("lithuanian", "spausdintuvas", "spausdintuvų", "spausdintuv"),
    ("greek", "κρυπτογραφημένα", "κρυπτογραφημένου", "κρυπτογραφημεν"),
    ("hindi", "उपयोगकर्ताओं", "उपयोगकर्ता", "उपयोगकर्त"),
    ("nepali", "प्लेटफर्मका", "प्लेटफर्ममा", "प्लेटफर्म"),
    ("tamil", "நிகழ்ச்சிகளை", "நிகழ்ச்சிகள்", "நிகழ்ச்சி"),
    ("yiddish", "דורכבלעטערערס", "דורכבלעטערער", "דורכבלעטער"),
]


@pytest.mark.parametrize("lang,word,query,stem", PAIRS)
def test_index_language_stems(r, lang, word, query, stem):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", lang, "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", f"le {word} x")
    r.hset("d:2", "t", "nothing here")
    assert ids(r, "idx", query) == [b"d:1"]
    assert ids(r, "idx", word) == [b"d:1"]
    # without stemming only the word itself matches
    assert ids(r, "idx", query, "VERBATIM") == []
    assert ids(r, "idx", word.lower(), "VERBATIM") == [b"d:1"]
    q = query.lower()
    want = f"UNION {{\n  {q}\n  +{stem}(expanded)\n"
    if stem != q:
        want += f"  {stem}(expanded)\n"
    assert x(r, "FT.EXPLAIN", "idx", query) == (want + "}\n").encode()
    # the index's language is reported by FT.INFO
    info = x(r, "FT.INFO", "idx")
    assert info[info.index(b"index_definition") + 1][
        info[info.index(b"index_definition") + 1].index(b"default_language") + 1
    ] == lang.encode()


def test_english_index_does_not_stem_french(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", "abandonnait")
    assert ids(r, "idx", "abandonner") == []
    assert x(r, "FT.EXPLAIN", "idx", "abandonner") == (
        b"UNION {\n  abandonner\n  +abandonn(expanded)\n  abandonn(expanded)\n}\n"
    )


def test_explaincli_shows_the_expansion(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "LANGUAGE", "french", "SCHEMA", "t", "TEXT")
    assert x(r, "FT.EXPLAINCLI", "idx", "abandonner") == [
        b"UNION {",
        b"  abandonner",
        b"  +abandon(expanded)",
        b"  abandon(expanded)",
        b"}",
        b"",
    ]


def test_language_field_per_document(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE_FIELD", "lang", "SCHEMA", "t", "TEXT")
    r.hset("d:1", mapping={"t": "abandonnait", "lang": "french"})
    r.hset("d:2", mapping={"t": "abandonnait"})  # no field: english
    r.hset("d:3", mapping={"t": "abandonnait", "lang": "klingon"})  # unknown: the default
    r.hset("d:4", mapping={"t": "Häuser", "lang": "GERMAN"})
    # the query side stems with the query's LANGUAGE (default english)
    assert ids(r, "idx", "abandonner") == []
    assert ids(r, "idx", "abandonner", "LANGUAGE", "french") == [b"d:1"]
    assert ids(r, "idx", "abandonnait") == [b"d:1", b"d:2", b"d:3"]
    assert ids(r, "idx", "haus", "LANGUAGE", "german") == [b"d:4"]
    # (english leaves "haus" as it is, and its "+haus" is German's stem)
    assert ids(r, "idx", "haus", "VERBATIM") == []
    # re-indexing a document follows its new language
    r.hset("d:1", "lang", "english")
    assert ids(r, "idx", "abandonner", "LANGUAGE", "french") == []


def test_language_field_on_json(r):
    x(r, "FT.CREATE", "idx", "ON", "JSON", "PREFIX", "1", "j:", "LANGUAGE_FIELD", "$.lang",
      "SCHEMA", "$.t", "AS", "t", "TEXT")
    x(r, "JSON.SET", "j:1", "$", '{"t": "abandonnait", "lang": "french"}')
    x(r, "JSON.SET", "j:2", "$", '{"t": "abandonnait", "lang": 3}')
    assert ids(r, "idx", "abandonner", "LANGUAGE", "french") == [b"j:1"]
    # the path is compiled once at FT.CREATE: it still applies to documents
    # indexed later and after a reload (which creates the index again)
    x(r, "JSON.SET", "j:3", "$", '{"t": "abandonnait", "lang": "french"}')
    assert ids(r, "idx", "abandonner", "LANGUAGE", "french") == [b"j:1", b"j:3"]
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    x(r, "JSON.SET", "j:4", "$", '{"t": "abandonnait", "lang": "french"}')
    assert ids(r, "idx", "abandonner", "LANGUAGE", "french") == [b"j:1", b"j:3", b"j:4"]


@pytest.mark.parametrize("field", ["$.lang[", "$.lang + 1", "$..lang.first()"])
def test_language_field_on_json_not_a_path(r, field):
    # a LANGUAGE_FIELD that is no JSONPath (or a projection) gives every
    # document the index's default language
    x(r, "FT.CREATE", "idx", "ON", "JSON", "PREFIX", "1", "j:", "LANGUAGE_FIELD", field,
      "LANGUAGE", "french", "SCHEMA", "$.t", "AS", "t", "TEXT")
    x(r, "JSON.SET", "j:1", "$", '{"t": "abandonnait", "lang": "english"}')
    assert ids(r, "idx", "abandonner") == [b"j:1"]


def test_search_language_argument(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", "french", "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", "abandon")
    # an index in french, a query in english: "abandonner" expands to +abandonn
    assert ids(r, "idx", "abandonner", "LANGUAGE", "english") == []
    assert ids(r, "idx", "abandonner") == [b"d:1"]
    assert ids(r, "idx", "abandonner", "LANGUAGE", "French") == [b"d:1"]
    with pytest.raises(redis.ResponseError, match="No such language klingon"):
        x(r, "FT.SEARCH", "idx", "abandonner", "LANGUAGE", "klingon")
    with pytest.raises(redis.ResponseError, match="Expected an argument"):
        x(r, "FT.SEARCH", "idx", "abandonner", "LANGUAGE")


def test_chinese_is_not_stemmed(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", "chinese", "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", "foxes")
    assert ids(r, "idx", "fox") == []
    assert x(r, "FT.EXPLAIN", "idx", "foxes") == b"foxes\n"


def test_nostem_field_and_min_stem_len(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", "spanish",
      "SCHEMA", "t", "TEXT", "n", "TEXT", "NOSTEM")
    r.hset("d:1", mapping={"t": "abonada", "n": "abonada"})
    assert ids(r, "idx", "@t:abonador") == [b"d:1"]
    assert ids(r, "idx", "@n:abonador") == []
    # shorter than search-min-stem-len (4): indexed as it is
    r.hset("d:2", "t", "ama")
    assert ids(r, "idx", "amo") == []


def test_highlight_uses_the_language(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", "italian", "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", "lui abbassava la voce")
    res = x(r, "FT.SEARCH", "idx", "abbassavate", "HIGHLIGHT", "FIELDS", "1", "t")
    assert res[0] == 1
    assert res[2] == [b"t", b"lui <b>abbassava</b> la voce"]


def test_redis_py_helpers(r):
    r.ft("idx").create_index(
        [TextField("t")],
        definition=IndexDefinition(prefix=["d:"], index_type=IndexType.HASH, language="german",
                                   language_field="sprache"),
    )
    r.hset("d:1", "t", "die Häuser")
    r.hset("d:2", mapping={"t": "die Häuser", "sprache": "english"})
    res = r.ft("idx").search(Query("haus").no_content())
    assert [d.id for d in res.docs] == ["d:1"]
    res = r.ft("idx").search(Query("haus").no_content().language("german"))
    assert [d.id for d in res.docs] == ["d:1"]
    res = r.ft("idx").search(Query("haus").no_content().verbatim())
    assert res.total == 0


def test_aggregate_language(r):
    x(r, "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "d:", "LANGUAGE", "french", "SCHEMA", "t", "TEXT")
    r.hset("d:1", "t", "abandon")
    r.hset("d:2", "t", "autre")

    def keys(*args):
        res = x(r, "FT.AGGREGATE", "idx", "abandonner", *args, "LOAD", "1", "@__key")
        return sorted(row[1] for row in res[1:])

    assert keys() == [b"d:1"]
    assert keys("LANGUAGE", "english") == []
    assert keys("LANGUAGE", "FRENCH") == [b"d:1"]
    assert keys("VERBATIM") == []
    with pytest.raises(redis.ResponseError, match="No such language klingon"):
        x(r, "FT.AGGREGATE", "idx", "abandonner", "LANGUAGE", "klingon")
    with pytest.raises(redis.ResponseError, match="Expected an argument"):
        x(r, "FT.AGGREGATE", "idx", "abandonner", "LANGUAGE")
