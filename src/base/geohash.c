/*
 * geohash.c - see geohash.h.
 *
 * Bit layout of a cell at step s (bits per axis), as Redis lays it out:
 *
 *   bit   2s-1   2s-2   ...    3      2      1      0
 *         lon    lat    ...    lon    lat    lon    lat
 *         (most significant pair first: the first halving of each range)
 *
 * A stored score is the step-26 cell, so its 52 bits order the cells of
 * every coarser step contiguously: the cell c at step s covers the scores
 * [c << (52-2s), (c+1) << (52-2s)).
 *
 * The floating-point expressions keep Redis's order of operations on
 * purpose: a different but equivalent formula moves the last bit, which
 * shows in a coordinate printed with 17 decimals or a point on the edge of
 * a radius. The build is ISO C (no contraction into fused multiply-adds).
 */
#include "base/geohash.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

#define DEG_TO_RAD   (M_PI / 180.0)
#define MERCATOR_MAX 20037726.37

static const char geo_alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";

static double deg_rad(double deg) {
    return deg * DEG_TO_RAD;
}

static double rad_deg(double rad) {
    return rad / DEG_TO_RAD;
}

/* Spreads the 32 bits of v over the even bits of the result. */
static uint64_t spread(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gathers the even bits of v into 32 bits (the inverse of spread). */
static uint32_t gather(uint64_t v) {
    uint64_t x = v & 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

static uint64_t interleave(uint32_t lat_i, uint32_t lon_i) {
    return spread(lat_i) | (spread(lon_i) << 1);
}

static int outside_limits(double lon, double lat) {
    return lon > GEO_LON_MAX || lon < GEO_LON_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN;
}

int geohash_encode(GeoRange lon_r, GeoRange lat_r, double lon, double lat, int step, GeoCell *out) {
    assert(out != NULL);
    if (step < 1 || step > 32) return 0;
    if (lat_r.max == lat_r.min || lon_r.max == lon_r.min) return 0;
    if (outside_limits(lon, lat)) return 0;
    out->bits = 0;
    out->step = step;
    if (lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max) return 0;
    double lat_off = (lat - lat_r.min) / (lat_r.max - lat_r.min);
    double lon_off = (lon - lon_r.min) / (lon_r.max - lon_r.min);
    lat_off *= (double)(1ULL << step);
    lon_off *= (double)(1ULL << step);
    /* Both are within [0, 2^step]: the conversion is defined. */
    out->bits = interleave((uint32_t)lat_off, (uint32_t)lon_off);
    return 1;
}

static GeoRange lon_range(void) {
    return (GeoRange){GEO_LON_MIN, GEO_LON_MAX};
}

static GeoRange lat_range(void) {
    return (GeoRange){GEO_LAT_MIN, GEO_LAT_MAX};
}

int geohash_encode_wgs84(double lon, double lat, int step, GeoCell *out) {
    return geohash_encode(lon_range(), lat_range(), lon, lat, step, out);
}

static int decode(GeoRange lon_r, GeoRange lat_r, GeoCell cell, GeoArea *out) {
    if (cell.bits == 0 && cell.step == 0) return 0;
    uint32_t lat_i = gather(cell.bits), lon_i = gather(cell.bits >> 1);
    double lat_scale = lat_r.max - lat_r.min, lon_scale = lon_r.max - lon_r.min;
    double cells = (double)(1ULL << cell.step);
    /* i + 1 wraps at 2^32 as Redis's 32-bit arithmetic does (only a score
     * that is no geohash gets there). */
    uint32_t lat_j = lat_i + 1, lon_j = lon_i + 1;
    out->lat.min = lat_r.min + (lat_i * 1.0 / cells) * lat_scale;
    out->lat.max = lat_r.min + (lat_j * 1.0 / cells) * lat_scale;
    out->lon.min = lon_r.min + (lon_i * 1.0 / cells) * lon_scale;
    out->lon.max = lon_r.min + (lon_j * 1.0 / cells) * lon_scale;
    return 1;
}

int geohash_decode_wgs84(GeoCell cell, GeoArea *out) {
    return decode(lon_range(), lat_range(), cell, out);
}

/* The cell moved by dlon and dlat cells (each -1, 0 or 1), wrapping around
 * each axis within the step. Like Redis, only a moved axis is brought back
 * within the step: a cell encoded on the top edge (latitude 85.05112878
 * exactly gives index 2^step) keeps its out-of-grid bit when it moves east
 * or west. */
static GeoCell moved(GeoCell c, int dlon, int dlat) {
    uint64_t mask = (c.step >= 32) ? 0xFFFFFFFFULL : ((1ULL << c.step) - 1);
    uint64_t bits = c.bits;
    if (dlon) {
        uint64_t lon_i = (gather(bits >> 1) + (uint64_t)(int64_t)dlon) & mask;
        bits = (bits & 0x5555555555555555ULL) | (spread((uint32_t)lon_i) << 1);
    }
    if (dlat) {
        uint64_t lat_i = (gather(bits) + (uint64_t)(int64_t)dlat) & mask;
        bits = (bits & 0xAAAAAAAAAAAAAAAAULL) | spread((uint32_t)lat_i);
    }
    return (GeoCell){bits, c.step};
}

void geohash_neighbours(GeoCell cell, GeoCell out[8]) {
    assert(cell.step >= 1 && cell.step <= 32);
    out[0] = moved(cell, 0, 1);   /* north */
    out[1] = moved(cell, 0, -1);  /* south */
    out[2] = moved(cell, 1, 0);   /* east */
    out[3] = moved(cell, -1, 0);  /* west */
    out[4] = moved(cell, 1, 1);   /* north-east */
    out[5] = moved(cell, -1, 1);  /* north-west */
    out[6] = moved(cell, 1, -1);  /* south-east */
    out[7] = moved(cell, -1, -1); /* south-west */
}

uint64_t geohash_align52(GeoCell cell) {
    assert(cell.step >= 0 && cell.step <= 26);
    return cell.bits << (52 - cell.step * 2);
}

uint64_t geohash_score_bits(double score) {
    /* gcc's x86-64 conversion: below 2^63 through a signed conversion,
     * from 2^63 on through score - 2^63 with the top bit flipped; the
     * signed conversion gives 2^63 for what it cannot represent. */
    const double two63 = 9223372036854775808.0;
    if (score >= two63) {
        double rest = score - two63;
        uint64_t v = rest < two63 ? (uint64_t)(int64_t)rest : 0x8000000000000000ULL;
        return v ^ 0x8000000000000000ULL;
    }
    if (!(score > -two63) && !(score == -two63)) return 0x8000000000000000ULL; /* -inf, NaN */
    return (uint64_t)(int64_t)score;
}

void geohash_score_to_point(double score, double xy[2]) {
    GeoCell cell = {geohash_score_bits(score), GEO_STEP_MAX};
    GeoArea a;
    decode(lon_range(), lat_range(), cell, &a);
    xy[0] = (a.lon.min + a.lon.max) / 2;
    if (xy[0] > GEO_LON_MAX) xy[0] = GEO_LON_MAX;
    if (xy[0] < GEO_LON_MIN) xy[0] = GEO_LON_MIN;
    xy[1] = (a.lat.min + a.lat.max) / 2;
    if (xy[1] > GEO_LAT_MAX) xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN) xy[1] = GEO_LAT_MIN;
}

uint64_t geohash_point_to_score(double lon, double lat) {
    GeoCell cell;
    int ok = geohash_encode_wgs84(lon, lat, GEO_STEP_MAX, &cell);
    assert(ok);
    (void)ok;
    return geohash_align52(cell);
}

void geohash_score_to_string(double score, char buf[12]) {
    double xy[2];
    geohash_score_to_point(score, xy);
    GeoCell cell = {0, 0};
    /* The standard geohash spans latitudes -90..90, so the decoded point is
     * encoded again over that range. */
    geohash_encode((GeoRange){-180, 180}, (GeoRange){-90, 90}, xy[0], xy[1], GEO_STEP_MAX, &cell);
    for (int i = 0; i < 10; i++) buf[i] = geo_alphabet[(cell.bits >> (52 - (i + 1) * 5)) & 0x1f];
    buf[10] = '0'; /* 52 bits fill 10 characters; Redis pads the 11th */
    buf[11] = '\0';
}

/* The distance along a meridian: what the haversine reduces to when the
 * longitudes are equal (asin(sin(x)) = x for a latitude difference). */
static double lat_distance(double lat1, double lat2) {
    return GEO_EARTH_R_M * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geohash_distance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = deg_rad(lon1), lon2r = deg_rad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* Redis 7.0 takes the shortcut, and its result differs from the full
     * formula in the last digits */
    if (v == 0.0) return lat_distance(lat1, lat2);
    double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * GEO_EARTH_R_M * asin(sqrt(a));
}

int geohash_in_shape(const GeoShape *s, double lon, double lat, double *dist_m) {
    if (!s->is_box) {
        *dist_m = geohash_distance(s->lon, s->lat, lon, lat);
        return *dist_m <= s->radius * s->to_m;
    }
    double width_m = s->width * s->to_m, height_m = s->height * s->to_m;
    /* the north-south distance along the point's meridian, then the
     * east-west one along its parallel */
    if (lat_distance(lat, s->lat) > height_m / 2) return 0;
    if (geohash_distance(lon, lat, s->lon, lat) > width_m / 2) return 0;
    *dist_m = geohash_distance(s->lon, s->lat, lon, lat);
    return 1;
}

int geohash_estimate_step(double radius_m, double lat) {
    if (radius_m == 0) return 26;
    int step = 1;
    while (radius_m < MERCATOR_MAX) {
        radius_m *= 2;
        step++;
    }
    step -= 2; /* one level coarser: the 9 cells then cover the radius */
    /* cells narrow toward the poles */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return step;
}

/* The search area's bounding box in degrees: [0] min lon, [1] min lat,
 * [2] max lon, [3] max lat. The east-west reach is taken on the parallel
 * nearer the pole (the wider one in degrees). */
static void bounding_box(const GeoShape *s, double b[4]) {
    double height = s->to_m * (s->is_box ? s->height / 2 : s->radius);
    double width = s->to_m * (s->is_box ? s->width / 2 : s->radius);
    const double lat_delta = rad_deg(height / GEO_EARTH_R_M);
    const double lon_delta_top = rad_deg(width / GEO_EARTH_R_M / cos(deg_rad(s->lat + lat_delta)));
    const double lon_delta_bottom =
        rad_deg(width / GEO_EARTH_R_M / cos(deg_rad(s->lat - lat_delta)));
    int is_south = s->lat < 0;
    b[0] = is_south ? s->lon - lon_delta_bottom : s->lon - lon_delta_top;
    b[2] = is_south ? s->lon + lon_delta_bottom : s->lon + lon_delta_top;
    b[1] = s->lat - lat_delta;
    b[3] = s->lat + lat_delta;
}

static void cover_at(const GeoShape *s, int step, GeoCell *centre, GeoCell nb[8], GeoArea *area) {
    geohash_encode_wgs84(s->lon, s->lat, step, centre);
    geohash_neighbours(*centre, nb);
    geohash_decode_wgs84(*centre, area);
}

void geohash_cover(const GeoShape *s, GeoCover *out) {
    double b[4];
    bounding_box(s, b);
    /* a box is covered through the circle around it */
    double radius_m =
        s->is_box ? sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2))
                  : s->radius;
    radius_m *= s->to_m;
    int step = geohash_estimate_step(radius_m, s->lat);

    GeoCell centre, nb[8];
    GeoArea area;
    cover_at(s, step, &centre, nb, &area);

    /* When the area reaches past a direct neighbour (the centre near a
     * cell's edge), the cells are one level too small. */
    GeoArea n, so, e, w;
    geohash_decode_wgs84(nb[0], &n);
    geohash_decode_wgs84(nb[1], &so);
    geohash_decode_wgs84(nb[2], &e);
    geohash_decode_wgs84(nb[3], &w);
    int too_small = n.lat.max < b[3] || so.lat.min > b[1] || e.lon.max < b[2] || w.lon.min > b[0];
    if (step > 1 && too_small) {
        step--;
        cover_at(s, step, &centre, nb, &area);
    }

    /* Drops the neighbours on a side the area does not reach. */
    const GeoCell none = {0, 0};
    if (step >= 2) {
        if (area.lat.min < b[1]) nb[1] = nb[7] = nb[6] = none;
        if (area.lat.max > b[3]) nb[0] = nb[4] = nb[5] = none;
        if (area.lon.min < b[0]) nb[3] = nb[7] = nb[5] = none;
        if (area.lon.max > b[2]) nb[2] = nb[6] = nb[4] = none;
    }
    out->cells[0] = centre;
    for (int i = 0; i < 8; i++) out->cells[i + 1] = nb[i];
}
