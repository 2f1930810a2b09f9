/*
 * ftgeoshape.h - the geometries of GEOSHAPE fields: a POINT or a POLYGON
 * (with holes) read from WKT, checked for validity, and the predicates the
 * query language asks about (@f:[WITHIN|CONTAINS|INTERSECTS|DISJOINT $wkt]).
 *
 * Coordinates are taken on the plane (x, y); see ftgeoshape.c for why a
 * SPHERICAL field is computed the same way.
 */
#ifndef STREAMD_TYPES_FTGEOSHAPE_H
#define STREAMD_TYPES_FTGEOSHAPE_H

#include <stddef.h>

typedef struct FtGeom FtGeom;

/* Parses and validates WKT text: returns an owned geometry (free with
 * ftgeom_free()), or NULL with the reason written to err (err_len bytes,
 * NUL-terminated), worded as RediSearch words it. */
FtGeom *ftgeom_parse(const char *wkt, size_t len, char *err, size_t err_len);
/* Reads WKT that ftgeom_parse() accepted before, without the validity
 * checks (quadratic in the vertices); NULL if it does not read. */
FtGeom *ftgeom_parse_valid(const char *wkt, size_t len);
void ftgeom_free(FtGeom *g);

/* Whether a lies within b: no point of a outside b, and some interior point
 * of a in b's interior (a point on b's boundary is not within b). */
int ftgeom_within(const FtGeom *a, const FtGeom *b);
/* Whether a and b have at least one point in common (boundaries count). */
int ftgeom_intersects(const FtGeom *a, const FtGeom *b);
/* Whether g is a point, and its coordinates (for tests). */
int ftgeom_is_point(const FtGeom *g, double *x, double *y);
/* Number of rings of a polygon (outer + holes); 0 for a point. */
size_t ftgeom_n_rings(const FtGeom *g);

#endif
