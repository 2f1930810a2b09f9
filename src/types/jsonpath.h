/*
 * jsonpath.h - JSONPath over json.h trees, as RedisJSON evaluates it.
 *
 * A path is compiled once (jsonpath_compile) and evaluated against a tree
 * (jsonpath_eval) into a list of matches. Each match has the node and the
 * route to it from the root (member names and array indexes), so a command
 * that changes the tree can find a match again after earlier changes moved
 * things (jsonpath_resolve), as RedisJSON does with its match paths.
 *
 * Syntax: $ then segments: .name, ['name'] / ["name"] (several separated by
 * commas), .* / [*], [i] / [i,j] (negative counts from the end),
 * [start:end:step], [?(filter)], each optionally after .. (recursive
 * descent). A filter compares @-relative or $-absolute paths and literals
 * (numbers, strings, true, false, null, and JSON arrays and objects) with
 * == != < <= > >= and =~ (a regular expression, POSIX extended here),
 * combined with && || ! and parentheses; a path alone tests existence.
 * Redis 8.10's extensions are there too: arithmetic (+ - * / % and unary
 * - +, the binary ones between spaces), in nin subsetof anyof noneof,
 * size/sizeof, empty, and the functions length count value keys match
 * search concat abs ceiling floor first last index min max avg sum stddev
 * append (also as methods, @.a.length()) and the keys operator (@.obj~); a
 * value that cannot be computed is "Nothing" and makes its comparison
 * false.
 *
 * Projections (8.10): the whole query may be such a value expression
 * instead of a path ($.a + 1, -$.a, $.arr.length(), length($.arr), $.obj~,
 * $.arr.append(9)); it computes values rather than selecting nodes, so only
 * jsonpath_compile_projection() accepts one and only jsonpath_values()
 * evaluates it. A parenthesized plain path, ($.a), is still a path.
 */
#ifndef STREAMD_TYPES_JSONPATH_H
#define STREAMD_TYPES_JSONPATH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "types/json.h"

typedef struct JsonPath JsonPath;

/* Returns an owned compiled path (free with jsonpath_free()), or NULL with
 * a message in err. */
JsonPath *jsonpath_compile(const char *p, size_t len, char *err, size_t errcap);
/* jsonpath_compile() that also accepts a projection. */
JsonPath *jsonpath_compile_projection(const char *p, size_t len, char *err, size_t errcap);
void jsonpath_free(JsonPath *jp);
/* Whether text that does not start with '$' opens a projection: '(' , a
 * unary sign, or a function call such as length( . */
int jsonpath_starts_projection(const char *p, size_t len);
/* Whether every segment names one member or one index (no wildcard, descent,
 * slice, union or filter): only such a path can create a member. */
int jsonpath_is_static(const JsonPath *jp);
/* Segments after the root. */
size_t jsonpath_n_segments(const JsonPath *jp);
/* For a static path's last segment: 1 and the name if it names a member,
 * 0 if it is an index. */
int jsonpath_last_name(const JsonPath *jp, const char **name, size_t *len);

typedef struct JsonStep {
    uint32_t idx;  /* array index, or the member's index when found */
    int64_t key;   /* offset of the member name in JsonMatches.keys, -1 for an index */
    uint32_t klen; /* member name length */
} JsonStep;

typedef struct JsonMatch {
    Json *val; /* valid until the tree changes */
    size_t first_step, n_steps;
} JsonMatch;

typedef struct JsonMatches {
    JsonMatch *m;
    size_t n, cap;
    JsonStep *steps;
    size_t n_steps, steps_cap;
    Buf keys;
} JsonMatches;

void jsonmatches_init(JsonMatches *ms);
void jsonmatches_free(JsonMatches *ms);
/* Appends the matches of jp (not a projection) in root (borrowed), in
 * RedisJSON's order. */
void jsonpath_eval(const JsonPath *jp, Json *root, JsonMatches *out);

/* A list of values: nodes borrowed from a document (valid until it changes)
 * and computed ones owned by the list (own[i] = 1). */
typedef struct JsonValues {
    Json **v;
    uint8_t *own;
    size_t n, cap;
} JsonValues;

void jsonvalues_free(JsonValues *vs);
/* Appends to out (zeroed or holding values) what jp gives in root
 * (borrowed): a path's matched nodes, or a projection's computed values
 * (none for Nothing). */
void jsonpath_values(const JsonPath *jp, Json *root, JsonValues *out);
/* jsonpath_eval() of the path's first n_segments segments only. */
void jsonpath_eval_prefix(const JsonPath *jp, size_t n_segments, Json *root, JsonMatches *out);
/* Finds match i again in root: the node, and its parent and index there
 * (NULL parent for the root). NULL if the route no longer leads anywhere. */
Json *jsonpath_resolve(Json *root, const JsonMatches *ms, size_t i, Json **parent, size_t *idx);
/* Orders match indexes for in-place changes: deeper routes first, and at the
 * first differing step a higher index first (RedisJSON's order), so no
 * change moves a later match. */
void jsonmatches_sort_for_update(const JsonMatches *ms, size_t *order, size_t n);
/* Marks (nested[i] = 1) matches, made in root, that lie inside another
 * match or repeat an earlier one. */
void jsonmatches_mark_nested(const JsonMatches *ms, const Json *root, uint8_t *nested);

#endif
