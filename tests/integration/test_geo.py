"""GEO commands through redis-py's own helpers (r.geoadd, r.geosearch, ...):
what they send and parse works, the values are Redis's (the Palermo /
Catania examples of the redis.io pages and Redis's tests/unit/geo.tcl), the
set is an ordinary sorted set (ZSCORE, TYPE, persistence across a restart,
an AOF replay), and a GEO member removed with ZREM is gone.
"""

import pytest
import redis

from testlib import IS_REDIS

PALERMO = (13.361389, 38.115556, "Palermo")
CATANIA = (15.087269, 37.502669, "Catania")


def sicily(r):
    assert r.geoadd("Sicily", PALERMO + CATANIA) == 2


def test_geoadd_options(r):
    sicily(r)
    assert r.geoadd("Sicily", PALERMO) == 0
    assert r.geoadd("Sicily", (13.4, 38.1, "Palermo"), ch=True) == 1
    assert r.geoadd("Sicily", (1, 1, "Palermo"), nx=True) == 0
    assert r.geoadd("Sicily", (1, 1, "x"), xx=True) == 0
    assert r.zscore("Sicily", "x") is None
    assert r.type("Sicily") == b"zset"
    # the score is the 52-bit geohash (geo.tcl's value for Palermo)
    assert r.geoadd("g", PALERMO) == 1
    assert r.zscore("g", "Palermo") == 3479099956230698
    with pytest.raises(redis.ResponseError, match="invalid longitude,latitude pair 200.000000,1.000000"):
        r.geoadd("g", (200, 1, "bad"))
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("GEOADD", "g", "NX", "XX", "1", "1", "m")
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.geoadd("s", PALERMO)


def test_geopos_geodist_geohash(r, raw):
    sicily(r)
    pos = r.geopos("Sicily", "Palermo", "Catania", "nope")
    assert pos[0] == pytest.approx((13.361389, 38.115556), abs=1e-5)
    assert pos[1] == pytest.approx((15.087269, 37.502669), abs=1e-5)
    assert pos[2] is None
    c = raw()
    assert c.call_raw("GEOPOS", "Sicily", "Palermo") == \
        b"*1\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n"
    c.call("HELLO", "3")
    assert c.call_raw("GEOPOS", "Sicily", "Palermo", "x") == \
        b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"
    assert c.call_raw("GEODIST", "Sicily", "Palermo", "Catania") == b"$11\r\n166274.1516\r\n"
    assert r.geodist("Sicily", "Palermo", "Catania") == 166274.1516
    assert r.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    assert r.geodist("Sicily", "Palermo", "Catania", "mi") == 103.3182
    assert r.geodist("Sicily", "Palermo", "nope") is None
    assert r.geohash("Sicily", "Palermo", "Catania", "nope") == ["sqc8b49rny0", "sqdtr74hyu0", None]
    with pytest.raises(redis.ResponseError, match="unsupported unit provided. please use M, KM, FT, MI"):
        r.execute_command("GEODIST", "Sicily", "Palermo", "Catania", "yd")


def test_georadius_helpers(r):
    sicily(r)
    assert r.georadius("Sicily", 15, 37, 200, unit="km", sort="ASC") == [b"Catania", b"Palermo"]
    got = r.georadius("Sicily", 15, 37, 200, unit="km", withdist=True, withcoord=True,
                      withhash=True, sort="DESC")
    assert [g[0] for g in got] == [b"Palermo", b"Catania"]
    assert got[0][1] == 190.4424 and got[0][2] == 3479099956230698
    assert got[0][3] == pytest.approx((13.361389, 38.115556), abs=1e-5)
    assert r.georadius("Sicily", 15, 37, 200, unit="km", count=1) == [b"Catania"]
    assert len(r.georadius("Sicily", 15, 37, 200, unit="km", count=1, any=True)) == 1
    assert r.georadiusbymember("Sicily", "Palermo", 200, unit="km", withdist=True, sort="ASC") == \
        [[b"Palermo", 0.0], [b"Catania", 166.2742]]
    assert r.georadius("Sicily", 15, 37, 200, unit="km", store="dst") == 2
    assert r.zrange("dst", 0, -1, withscores=True) == [(b"Palermo", 3479099956230698.0),
                                                         (b"Catania", 3479447370796909.0)]
    assert r.georadius("Sicily", 15, 37, 200, unit="km", store_dist="dst") == 2
    assert r.zscore("dst", "Catania") == pytest.approx(56.4413, abs=1e-4)
    assert r.georadius("Sicily", 0, 0, 1, unit="km", store="dst") == 0
    assert r.exists("dst") == 0
    assert r.execute_command("GEORADIUS_RO", "Sicily", 15, 37, 200, "km", "ASC") == [b"Catania", b"Palermo"]
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("GEORADIUS_RO", "Sicily", 15, 37, 200, "km", "STORE", "x")
    with pytest.raises(redis.ResponseError, match="could not decode requested zset member"):
        r.georadiusbymember("Sicily", "nope", 1, unit="km")


def test_geosearch_helpers(r):
    sicily(r)
    r.geoadd("Sicily", (12.758489, 38.788135, "edge1", 17.241510, 38.788135, "edge2"))
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC") == \
        [b"Catania", b"Palermo"]
    got = r.geosearch("Sicily", longitude=15, latitude=37, width=400, height=400, unit="km",
                      sort="ASC", withdist=True, withcoord=True)
    assert [g[0] for g in got] == [b"Catania", b"Palermo", b"edge2", b"edge1"]
    assert got[0][1] == 56.4413
    assert r.geosearch("Sicily", member="Palermo", radius=200, unit="km", count=1, sort="DESC") == \
        [b"Catania"]
    assert r.geosearchstore("dst", "Sicily", member="Catania", radius=200, unit="km") == 2
    assert r.geosearchstore("dst", "Sicily", longitude=15, latitude=37, width=400, height=400,
                            unit="km", storedist=True, count=1) == 1
    assert r.zrange("dst", 0, -1, withscores=True) == [(b"Catania", pytest.approx(56.4413, abs=1e-4))]
    with pytest.raises(redis.ResponseError, match="exactly one of BYRADIUS and BYBOX"):
        r.execute_command("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "ASC", "WITHDIST", "WITHHASH")
    with pytest.raises(redis.ResponseError, match="the ANY argument requires COUNT argument"):
        r.execute_command("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km", "ANY")


def test_geo_set_is_a_zset(r):
    sicily(r)
    assert r.zrem("Sicily", "Palermo") == 1
    assert r.geopos("Sicily", "Palermo") == [None]
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=500, unit="km") == [b"Catania"]
    assert r.zadd("Sicily", {"far": 0}) == 1
    assert r.geohash("Sicily", "far") == ["00bh0hbj200"]


def test_big_set_and_encoding(r):
    pts = []
    for i in range(300):
        pts += [(i % 60) * 0.01 + 10, (i // 60) * 0.01 + 40, "p%d" % i]
    for i in range(0, len(pts), 30):
        r.geoadd("big", pts[i:i + 30])
    assert r.zcard("big") == 300
    assert r.object("encoding", "big") == b"skiplist"
    near = r.geosearch("big", longitude=10, latitude=40, radius=2, unit="km", sort="ASC",
                       withdist=True)
    assert near[0][0] == b"p0"
    assert all(a[1] <= b[1] for a, b in zip(near, near[1:]))
    assert all(d <= 2 for _, d in near)
    assert r.geosearchstore("small", "big", longitude=10, latitude=40, radius=2, unit="km") == len(near)
    assert r.object("encoding", "small") == b"listpack"


@pytest.mark.skipif(IS_REDIS, reason="streamd's persistence paths")
def test_survives_restart_and_aof(server, r):
    sicily(r)
    r.config_set("appendonly", "yes")
    r.geoadd("Sicily", (12, 37, "Marsala"))
    r.georadius("Sicily", 15, 37, 200, unit="km", store="near")
    r.save()
    before = r.zrange("Sicily", 0, -1, withscores=True), r.zrange("near", 0, -1, withscores=True)
    server.restart()
    c = server.client()
    assert (c.zrange("Sicily", 0, -1, withscores=True), c.zrange("near", 0, -1, withscores=True)) == before
    assert c.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    c.config_set("appendonly", "no")


def test_acl_category(r):
    cmds = {c.decode() if isinstance(c, bytes) else c for c in r.acl_cat("geo")}
    assert cmds == {"geoadd", "geodist", "geohash", "geopos", "georadius", "georadius_ro",
                    "georadiusbymember", "georadiusbymember_ro", "geosearch", "geosearchstore"}
