/*
 * vexpr.h - the FILTER expressions of VSIM: a small language over the JSON
 * attributes of a vector set's elements (.field selectors, numbers,
 * strings, [tuples], null, arithmetic, comparisons, and/or/not, in).
 * See vexpr.c.
 */
#ifndef STREAMD_TYPES_VEXPR_H
#define STREAMD_TYPES_VEXPR_H

#include <stddef.h>

typedef struct VExpr VExpr;

/* Compiles src[0..len) (read up to a NUL, as Redis reads it); returns an
 * owned program (vexpr_free), or NULL with *errpos the offset the syntax
 * error is reported at. */
VExpr *vexpr_compile(const char *src, size_t len, size_t *errpos);
void vexpr_free(VExpr *e);
/* Whether json (an element's attributes, borrowed) satisfies e: 0 when a
 * selected field is missing or not a scalar/array, or json is not an
 * object. */
int vexpr_match(VExpr *e, const char *json, size_t len);

#endif
