/*
 * Unit tests for the geohash arithmetic (src/base/geohash.c): values read
 * from Debian's redis-server 7.0 (scores, decoded coordinates, GEOHASH
 * strings, distances), encode/decode round trips, neighbours against the
 * decoded cell edges, the score conversion's out-of-range results, and a
 * model test of the search cover: for random circles and boxes away from
 * the poles and the antimeridian, every random point inside the shape lies
 * in one of the covering cells (checked by brute force over the points).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/geohash.h"

#include "test.h"

static double rand_unit(void) {
    return (double)(test_rand() >> 11) / 9007199254740992.0;
}

static double rand_in(double lo, double hi) {
    return lo + (hi - lo) * rand_unit();
}

static void check_fmt(const char *fmt, double v, const char *want) {
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    if (strcmp(buf, want) != 0) fprintf(stderr, "got %s, want %s\n", buf, want);
    CHECK(strcmp(buf, want) == 0);
}

/* 17 decimals, trailing zeros dropped: how GEOPOS prints a coordinate. */
static void check_coord(double v, const char *want) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17Lf", (long double)v);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '0') buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.') buf[--n] = '\0';
    if (strcmp(buf, want) != 0) fprintf(stderr, "got %s, want %s\n", buf, want);
    CHECK(strcmp(buf, want) == 0);
}

static void test_known_values(void) {
    CHECK(geohash_point_to_score(13.361389, 38.115556) == 3479099956230698ULL);
    CHECK(geohash_point_to_score(15.087269, 37.502669) == 3479447370796909ULL);
    double p[2], c[2];
    geohash_score_to_point(3479099956230698.0, p);
    check_coord(p[0], "13.36138933897018433");
    check_coord(p[1], "38.11555639549629859");
    geohash_score_to_point(3479447370796909.0, c);
    check_coord(c[0], "15.08726745843887329");
    check_coord(c[1], "37.50266842333162032");
    check_fmt("%.4f", geohash_distance(p[0], p[1], c[0], c[1]), "166274.1516");
    check_fmt("%.4f", geohash_distance(p[0], p[1], c[0], c[1]) / 1000, "166.2742");
    char h[12];
    geohash_score_to_string(3479099956230698.0, h);
    CHECK(strcmp(h, "sqc8b49rny0") == 0);
    geohash_score_to_string(3479447370796909.0, h);
    CHECK(strcmp(h, "sqdtr74hyu0") == 0);
    geohash_score_to_string(0, h);
    CHECK(strcmp(h, "00bh0hbj200") == 0);
    /* the limits encode (the top edge gives the out-of-grid index 2^26) */
    GeoCell cell;
    CHECK(geohash_encode_wgs84(180, 85.05112878, GEO_STEP_MAX, &cell));
    CHECK(geohash_encode_wgs84(-180, -85.05112878, GEO_STEP_MAX, &cell) && cell.bits == 0);
    CHECK(!geohash_encode_wgs84(180.000001, 0, GEO_STEP_MAX, &cell));
    CHECK(!geohash_encode_wgs84(0, -85.06, GEO_STEP_MAX, &cell));
    CHECK(!geohash_encode_wgs84(0, 0, 0, &cell));
    CHECK(!geohash_encode_wgs84(0, 0, 33, &cell));
}

static void test_score_bits(void) {
    CHECK(geohash_score_bits(1.5) == 1);
    CHECK(geohash_score_bits(-1.0) == 0xFFFFFFFFFFFFFFFFULL);
    CHECK(geohash_score_bits(9223372036854775808.0) == 0x8000000000000000ULL);
    CHECK(geohash_score_bits(18446744073709551616.0) == 0);
    CHECK(geohash_score_bits(INFINITY) == 0);
    CHECK(geohash_score_bits(-INFINITY) == 0x8000000000000000ULL);
    CHECK(geohash_score_bits(NAN) == 0x8000000000000000ULL);
    CHECK(geohash_score_bits(4503599627370495.0) == 4503599627370495ULL);
    /* whatever the score, the point is within the limits */
    double xy[2];
    const double odd[] = {-1.0, 1e30, -1e30, INFINITY, -INFINITY, 4503599627370496.0, 0.5};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        geohash_score_to_point(odd[i], xy);
        CHECK(xy[0] >= GEO_LON_MIN && xy[0] <= GEO_LON_MAX);
        CHECK(xy[1] >= GEO_LAT_MIN && xy[1] <= GEO_LAT_MAX);
    }
}

static void test_round_trip(void) {
    for (int i = 0; i < 20000; i++) {
        double lon = rand_in(-180, 180), lat = rand_in(GEO_LAT_MIN, GEO_LAT_MAX);
        int step = 1 + (int)test_rand_below(26);
        GeoCell cell;
        CHECK(geohash_encode_wgs84(lon, lat, step, &cell));
        CHECK(cell.bits < (1ULL << (2 * step)));
        GeoArea a;
        CHECK(geohash_decode_wgs84(cell, &a));
        if (!(a.lon.min <= lon && lon <= a.lon.max && a.lat.min <= lat && lat <= a.lat.max)) {
            CHECK(0);
            fprintf(stderr, "(%.17g, %.17g) step %d not in its cell\n", lon, lat, step);
        }
        /* the stored score decodes to within half a step-26 cell */
        double xy[2];
        geohash_score_to_point((double)geohash_point_to_score(lon, lat), xy);
        CHECK(fabs(xy[0] - lon) <= 360.0 / (1 << 26));
        CHECK(fabs(xy[1] - lat) <= 170.2 / (1 << 26));
        /* a coarser cell is the prefix of the stored score */
        uint64_t score = geohash_point_to_score(lon, lat);
        CHECK(geohash_align52(cell) <= score);
        GeoCell next = {cell.bits + 1, cell.step};
        CHECK(score < geohash_align52(next));
    }
}

static void test_neighbours(void) {
    for (int i = 0; i < 5000; i++) {
        int step = 1 + (int)test_rand_below(26);
        GeoCell cell;
        geohash_encode_wgs84(rand_in(-180, 180), rand_in(-85, 85), step, &cell);
        GeoCell nb[8];
        geohash_neighbours(cell, nb);
        GeoArea a, n, s, e, w, ne, sw;
        geohash_decode_wgs84(cell, &a);
        geohash_decode_wgs84(nb[0], &n);
        geohash_decode_wgs84(nb[1], &s);
        geohash_decode_wgs84(nb[2], &e);
        geohash_decode_wgs84(nb[3], &w);
        geohash_decode_wgs84(nb[4], &ne);
        geohash_decode_wgs84(nb[7], &sw);
        uint64_t top = (1ULL << step) - 1;
        uint64_t lat_i = 0, lon_i = 0;
        for (int b = 0; b < step; b++) {
            lat_i |= ((cell.bits >> (2 * b)) & 1) << b;
            lon_i |= ((cell.bits >> (2 * b + 1)) & 1) << b;
        }
        /* adjacent cells share an edge, except across a wrap */
        if (lat_i < top) CHECK(n.lat.min == a.lat.max && n.lon.min == a.lon.min);
        if (lat_i > 0) CHECK(s.lat.max == a.lat.min && s.lon.min == a.lon.min);
        if (lon_i < top) CHECK(e.lon.min == a.lon.max && e.lat.min == a.lat.min);
        if (lon_i > 0) CHECK(w.lon.max == a.lon.min && w.lat.min == a.lat.min);
        if (lat_i < top && lon_i < top) CHECK(ne.lat.min == a.lat.max && ne.lon.min == a.lon.max);
        if (lat_i > 0 && lon_i > 0) CHECK(sw.lat.max == a.lat.min && sw.lon.max == a.lon.min);
        /* wraps: east of the last column is the first */
        if (lon_i == top) CHECK(e.lon.min == GEO_LON_MIN);
        if (lat_i == 0) CHECK(s.lat.max == GEO_LAT_MAX);
        /* moving back returns the cell */
        GeoCell back[8];
        geohash_neighbours(nb[0], back);
        CHECK(back[1].bits == cell.bits && back[1].step == step);
        geohash_neighbours(nb[2], back);
        CHECK(back[3].bits == cell.bits);
    }
}

static void test_distance(void) {
    CHECK(geohash_distance(10, 20, 10, 20) == 0);
    /* one degree of the equator, and of a meridian (the shortcut) */
    double deg = GEO_EARTH_R_M * M_PI / 180.0;
    CHECK(fabs(geohash_distance(0, 0, 1, 0) - deg) < 1e-6);
    CHECK(fabs(geohash_distance(13, 10, 13, 11) - deg) < 1e-6);
    CHECK(fabs(geohash_distance(0, 0, 180, 0) - deg * 180) < 1e-3);
    for (int i = 0; i < 2000; i++) {
        double a = rand_in(-180, 180), b = rand_in(-85, 85), c = rand_in(-180, 180),
               d = rand_in(-85, 85);
        double x = geohash_distance(a, b, c, d), y = geohash_distance(c, d, a, b);
        CHECK(fabs(x - y) <= 1e-6);
        CHECK(x >= 0 && x <= deg * 180 + 1e-3);
    }
}

static void test_estimate_step(void) {
    CHECK(geohash_estimate_step(0, 0) == 26);
    CHECK(geohash_estimate_step(1e-9, 0) == 26);
    CHECK(geohash_estimate_step(1e9, 0) == 1);
    int prev = 26;
    for (double r = 0.5; r < 3e7; r *= 1.7) {
        int s = geohash_estimate_step(r, 0);
        CHECK(s <= prev && s >= 1);
        prev = s;
        int polar = geohash_estimate_step(r, 70), far = geohash_estimate_step(r, -81);
        CHECK(polar == (s > 1 ? s - 1 : 1));
        CHECK(far == (s > 2 ? s - 2 : 1));
    }
}

#define N_POINTS 400

/* Every point inside the shape is in a covering cell. */
static void test_cover(void) {
    static double pts[N_POINTS][2];
    static uint64_t scores[N_POINTS];
    for (int round = 0; round < 300; round++) {
        GeoShape s;
        memset(&s, 0, sizeof s);
        s.lon = rand_in(-150, 150);
        s.lat = rand_in(-60, 60);
        s.to_m = (const double[]){1, 1000, 0.3048, 1609.34}[test_rand_below(4)];
        double size_m = rand_in(10, 500000);
        s.is_box = (int)test_rand_below(2);
        s.radius = size_m / s.to_m;
        s.width = size_m / s.to_m * rand_in(0.3, 2);
        s.height = size_m / s.to_m * rand_in(0.3, 2);
        double spread = size_m / 50000.0 + 0.001; /* degrees around the centre */
        for (int i = 0; i < N_POINTS; i++) {
            pts[i][0] = s.lon + rand_in(-spread, spread) * 2;
            pts[i][1] = s.lat + rand_in(-spread, spread);
            scores[i] = geohash_point_to_score(pts[i][0], pts[i][1]);
        }
        GeoCover cover;
        geohash_cover(&s, &cover);
        for (int i = 0; i < N_POINTS; i++) {
            double xy[2], dist;
            geohash_score_to_point((double)scores[i], xy);
            if (!geohash_in_shape(&s, xy[0], xy[1], &dist)) continue;
            int covered = 0;
            for (int k = 0; k < 9 && !covered; k++) {
                GeoCell c = cover.cells[k];
                if (c.bits == 0 && c.step == 0) continue;
                GeoCell next = {c.bits + 1, c.step};
                covered = geohash_align52(c) <= scores[i] && scores[i] < geohash_align52(next);
            }
            if (!covered)
                fprintf(stderr, "point (%.6f, %.6f) of shape at (%.6f, %.6f) not covered\n", xy[0],
                        xy[1], s.lon, s.lat);
            CHECK(covered);
        }
    }
}

int main(void) {
    test_seed("test_geohash");
    test_known_values();
    test_score_bits();
    test_round_trip();
    test_neighbours();
    test_distance();
    test_estimate_step();
    test_cover();
    return test_report("test_geohash");
}
