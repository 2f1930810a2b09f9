/*
 * json.h - JSON values for the JSON type (RedisJSON's JSON.* commands): a
 * tree parsed from RFC 8259 text, serialized back byte for byte as RedisJSON
 * (serde_json) writes it, and the path engine (jsonpath.c) that addresses
 * nodes in it.
 *
 * A value is a tree of Json nodes, each its own allocation: containers hold
 * arrays of child pointers, so a child's address stays valid while its
 * parent grows or shrinks. Objects keep their members in insertion order in
 * one array scanned linearly (RedisJSON's order; JSON documents' objects are
 * small). Numbers keep what RedisJSON keeps: a signed 64-bit integer, an
 * unsigned one above INT64_MAX, or a double ("1.0" stays a double and prints
 * as 1.0).
 */
#ifndef STREAMD_TYPES_JSON_H
#define STREAMD_TYPES_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef enum JsonType {
    JSON_NULL = 0,
    JSON_BOOL,
    JSON_INT,    /* int64 */
    JSON_UINT,   /* uint64 above INT64_MAX */
    JSON_DOUBLE, /* finite double */
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct Json Json;

typedef struct JsonMember {
    char *key; /* owned, NUL-terminated for convenience */
    uint32_t klen;
    Json *val; /* owned */
} JsonMember;

struct Json {
    uint8_t type;
    uint8_t b;    /* JSON_BOOL */
    uint32_t n;   /* JSON_STRING: bytes; JSON_ARRAY: items; JSON_OBJECT: members */
    uint32_t cap; /* JSON_ARRAY / JSON_OBJECT: allocated slots */
    union {
        int64_t i;
        uint64_t u;
        double d;
        char *s;            /* owned, NUL-terminated */
        Json **items;       /* owned array of owned nodes */
        JsonMember *member; /* owned array */
    } v;
};

/* The nesting RedisJSON's parser accepts (serde_json's limit: the 128th
 * opening bracket fails). */
#define JSON_MAX_PARSE_DEPTH 127
/* A string's or container's element count fits the node's 32-bit count. */
#define JSON_MAX_COUNT UINT32_MAX

/* Parses len bytes of JSON text. Returns an owned tree (free with
 * json_free()) or NULL with err filled with serde_json's message ("expected
 * value at line 1 column 1"); deeper nesting than max_depth fails with
 * "recursion limit exceeded". */
Json *json_parse(const char *p, size_t len, int max_depth, char *err, size_t errcap);
void json_free(Json *j);
/* Returns an owned deep copy. */
Json *json_dup(const Json *j);
/* Deep equality as JSON.ARRINDEX compares (numbers of the same kind). */
int json_equal(const Json *a, const Json *b);

/* Constructors: each returns an owned node. */
Json *json_new(JsonType t);
Json *json_new_int(int64_t v);
Json *json_new_double(double d);
Json *json_new_string(const char *p, size_t len);

/* Array and object edits; they take ownership of the values they get. */
void json_array_insert(Json *a, size_t at, Json *v);
void json_array_append(Json *a, Json *v);
/* Returns the owned removed item. */
Json *json_array_remove(Json *a, size_t at);
/* The member's index, or -1. */
long json_object_find(const Json *o, const char *key, size_t klen);
/* Sets key to v (replacing in place an existing member's value). */
void json_object_set(Json *o, const char *key, size_t klen, Json *v);
void json_object_remove(Json *o, size_t at);
/* Drops the NULL slots of a container (items, or members whose value is
 * NULL: their keys are freed) left by removals made in place. */
void json_compact(Json *c);
/* Empties a container, zeroes a number; other types are unchanged. */
void json_clear(Json *j);
/* Replaces *dst's content by src's (src is consumed: its node is freed). */
void json_replace(Json *dst, Json *src);

/* RFC 7396 merge patch of j with patch (borrowed). */
void json_merge_patch(Json *j, const Json *patch);

/* JSON.TYPE's name for j: "null" "boolean" "integer" "number" "string"
 * "array" "object". */
const char *json_type_name(const Json *j);
/* Whether a number is an integer (JSON_INT / JSON_UINT) or a double. */
int json_is_number(const Json *j);
double json_number_as_double(const Json *j);

/* JSON.GET's formatting strings (NULL: none). */
typedef struct JsonFormat {
    const char *indent;
    size_t indent_len;
    const char *newline;
    size_t newline_len;
    const char *space;
    size_t space_len;
} JsonFormat;

/* Appends j serialized (fmt NULL: compact, as serde_json::to_string). */
void json_serialize(const Json *j, const JsonFormat *fmt, Buf *out);
/* A JSON array of the n values serialized. */
void json_serialize_list(Json *const *v, size_t n, const JsonFormat *fmt, Buf *out);
/* Appends a string as a JSON string literal. */
void json_serialize_string(const char *p, size_t len, Buf *out);
/* Formats a double as RedisJSON prints one (ryu's shortest form, "1.0",
 * "1e20", "1.5e-7"); returns the length (buf >= 32 bytes). */
size_t json_format_double(double d, char *buf);

/* Approximate bytes j takes (MEMORY USAGE, JSON.DEBUG MEMORY). */
size_t json_mem_bytes(const Json *j);
/* Nodes in j (the free effort of a big value). */
uint64_t json_node_count(const Json *j);
/* Depth of j: 0 for a scalar, 1 for a flat container. */
int json_depth(const Json *j);

#endif
