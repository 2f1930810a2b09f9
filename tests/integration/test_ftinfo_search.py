"""INFO's search sections (Redis 8 reports the query engine's statistics
under INFO SEARCH and INFO EVERYTHING, not under INFO or INFO ALL): index
counts, fields by type with their indexing failures, the dialects used, the
settings. Section and field names follow RediSearch's info_redis.c."""

import redis

from testlib.cmds import x


def raw_info(r, *sections):
    """INFO's text as sent (redis-py parses INFO into a dict)."""
    c = redis.Redis(connection_pool=r.connection_pool)
    c.response_callbacks.pop("INFO", None)
    rep = c.execute_command("INFO", *sections)
    return rep.decode() if isinstance(rep, bytes) else rep


def test_info_search_sections(r):
    assert r.info("search")["search_number_of_indexes"] == 0
    assert x(r, "FT.CREATE", "idx", "SCHEMA", "t", "TEXT", "SORTABLE", "n", "NUMERIC", "g",
             "GEOSHAPE", "tg", "TAG", "CASESENSITIVE", "v", "VECTOR", "HNSW", 6, "TYPE",
             "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2") == b"OK"
    assert x(r, "FT.CREATE", "idx2", "SCHEMA", "t", "TEXT", "NOINDEX") == b"OK"
    r.hset("a", "n", "not a number")
    r.hset("b", "g", "POLIKON((1 1))")
    r.hset("c", "t", "hello")
    x(r, "FT.SEARCH", "idx", "hello", "DIALECT", 2)
    info = r.info("search")
    assert info["search_version"] == info["search_redis_version"].split(" ")[0]
    assert info["search_number_of_indexes"] == 2
    assert info["search_total_active_write_threads"] == 0
    assert info["search_fields_text"] == {"Text": 2, "Sortable": 1, "NoIndex": 1,
                                          "IndexErrors": 0}
    assert info["search_fields_numeric"] == {"Numeric": 1, "IndexErrors": 1}
    assert info["search_fields_geoshape"] == {"Geoshape": 1, "IndexErrors": 1}
    assert info["search_fields_tag"] == {"Tag": 1, "CaseSensitive": 1, "IndexErrors": 0}
    assert info["search_fields_vector"] == {"Vector": 1, "HNSW": 1, "IndexErrors": 0}
    assert "search_fields_geo" not in info
    assert info["search_errors_indexing_failures"] == 2
    assert info["search_errors_for_index_with_max_failures"] == 2
    assert [info["search_dialect_%d" % d] for d in range(1, 5)] == [0, 1, 0, 0]
    assert info["search_min_phonetic_term_length"] == 3
    assert info["search_used_memory_vector_index"] >= 0
    raw = raw_info(r, "search")
    assert raw.startswith("# search_version\r\n")
    assert [ln for ln in raw.split("\r\n") if ln.startswith("#")] == [
        "# search_version", "# search_indexes", "# search_fields_statistics", "# search_memory",
        "# search_garbage_collector", "# search_warnings_and_errors",
        "# search_dialect_statistics", "# search_runtime_configurations"]
    assert "search_number_of_indexes" in raw_info(r, "everything")
    assert "search_" not in raw_info(r, "all")
    assert "search_" not in raw_info(r)
    x(r, "FT.DROPINDEX", "idx")
    info = r.info("search")
    assert info["search_number_of_indexes"] == 1
    assert info["search_errors_indexing_failures"] == 0
