/*
 * geohash.h - the geohash arithmetic of Redis's GEO commands: a point
 * (longitude, latitude) becomes a 52-bit integer (26 bits of each axis,
 * interleaved, longitude in the odd bits) that is the member's score in a
 * sorted set, so that every geohash cell is one contiguous score range.
 *
 * Everything here reproduces Redis 7.0's numbers to the last bit: the
 * latitude range is the Web Mercator one (+-85.05112878), a cell decodes to
 * its centre, distances are the haversine on a sphere of radius
 * 6372797.560856 m, and a search is covered by a cell of an estimated size
 * and its 8 neighbours (some dropped when the search area cannot reach
 * them). Pure functions: no allocation, no globals.
 */
#ifndef STREAMD_GEOHASH_H
#define STREAMD_GEOHASH_H

#include <stdint.h>

#define GEO_LON_MIN   -180.0
#define GEO_LON_MAX   180.0
#define GEO_LAT_MIN   -85.05112878
#define GEO_LAT_MAX   85.05112878
#define GEO_STEP_MAX  26 /* bits per axis of a stored score */
#define GEO_EARTH_R_M 6372797.560856

/* A cell: step bits per axis, interleaved in the low 2*step bits. The cell
 * {0, 0} means "none" (a neighbour the search dropped). */
typedef struct GeoCell {
    uint64_t bits;
    int step;
} GeoCell;

typedef struct GeoRange {
    double min, max;
} GeoRange;

/* A cell's extent in degrees. */
typedef struct GeoArea {
    GeoRange lon, lat;
} GeoArea;

/* A search shape centred on (lon, lat): a circle of the given radius or a
 * box width x height, in a unit of to_m meters. The sizes stay in the
 * user's unit because Redis converts them at different points of the
 * arithmetic, and the last bits of the results depend on where. */
typedef struct GeoShape {
    int is_box;
    double lon, lat;
    double to_m;
    double radius;
    double width, height;
} GeoShape;

/* The cells covering a search: centre first, then N, S, E, W, NE, NW, SE,
 * SW, as Redis visits them; dropped ones are {0, 0}. */
typedef struct GeoCover {
    GeoCell cells[9];
} GeoCover;

/* Encodes (lon, lat) within the ranges at step bits per axis (1..32):
 * 0 when a coordinate is outside Redis's limits or the ranges. */
int geohash_encode(GeoRange lon_r, GeoRange lat_r, double lon, double lat, int step, GeoCell *out);
/* geohash_encode() over Redis's ranges (-180..180, -85.05..85.05). */
int geohash_encode_wgs84(double lon, double lat, int step, GeoCell *out);
/* The cell's extent over Redis's ranges; 0 for the "none" cell. */
int geohash_decode_wgs84(GeoCell cell, GeoArea *out);
/* The 8 neighbours of a cell, in GeoCover's order after the centre. */
void geohash_neighbours(GeoCell cell, GeoCell out[8]);
/* A cell's bits left-aligned to 52 bits: the score its range starts at. */
uint64_t geohash_align52(GeoCell cell);

/* The 64-bit integer Redis takes from a score (a C cast on x86-64, with its
 * out-of-range results, computed without undefined behaviour). */
uint64_t geohash_score_bits(double score);
/* The point a stored score stands for: its cell's centre, clamped to the
 * limits (xy[0] longitude, xy[1] latitude). */
void geohash_score_to_point(double score, double xy[2]);
/* The score GEOADD stores for (lon, lat), which must be within the limits. */
uint64_t geohash_point_to_score(double lon, double lat);
/* The 11-character standard geohash (latitude over -90..90) of a score, as
 * GEOHASH replies it; buf holds 12 bytes (NUL-terminated). */
void geohash_score_to_string(double score, char buf[12]);

/* Great-circle distance in meters (Redis's haversine). */
double geohash_distance(double lon1, double lat1, double lon2, double lat2);
/* Whether (lon, lat) is inside the shape; *dist_m is its distance to the
 * centre when it is. */
int geohash_in_shape(const GeoShape *s, double lon, double lat, double *dist_m);
/* The step (bits per axis) Redis starts from for a search of radius_m
 * meters around latitude lat. */
int geohash_estimate_step(double radius_m, double lat);
/* The cells to scan for shape s. */
void geohash_cover(const GeoShape *s, GeoCover *out);

#endif
