/*
 * json.c - the JSON value tree: parser, serializer, edits.
 *
 * The parser follows serde_json (which RedisJSON uses) closely enough that
 * the same bad text gets the same message and the same line and column:
 * serde_json reports a position after the bytes it consumed, or, for an
 * error it finds by looking at the next byte, at that byte (the "peek"
 * position below). Integers that fit in 64 bits stay integers (negative
 * ones down to INT64_MIN, positive ones up to UINT64_MAX); other numbers
 * become doubles; a number too big for a double is refused ("number out of
 * range"), as serde_json refuses it.
 *
 * The serializer writes what serde_json writes: no spaces, strings escaped
 * with the short escapes and \u00XX for other control bytes (everything
 * else, non-ASCII included, raw), doubles in ryu's shortest round-trip form.
 * With INDENT/NEWLINE/SPACE it follows RedisJSON's formatter: a newline
 * string, then the indent string once per level, before every element and
 * before the closing bracket of a non-empty container; the space string
 * after each ':'.
 */
#include "types/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* ---- construction and edits ------------------------------------------------- */

static const JsonMember *dedup_base;
static int cmp_member_idx(const void *pa, const void *pb);
static void object_append(Json *o, const char *key, size_t klen, Json *v);

Json *json_new(JsonType t) {
    Json *j = xcalloc(1, sizeof *j);
    j->type = (uint8_t)t;
    return j;
}

Json *json_new_int(int64_t v) {
    Json *j = json_new(JSON_INT);
    j->v.i = v;
    return j;
}

Json *json_new_double(double d) {
    Json *j = json_new(JSON_DOUBLE);
    j->v.d = d;
    return j;
}

Json *json_new_string(const char *p, size_t len) {
    Json *j = json_new(JSON_STRING);
    j->v.s = xmalloc(len + 1);
    if (len) memcpy(j->v.s, p, len);
    j->v.s[len] = '\0';
    j->n = (uint32_t)len;
    return j;
}

static void free_content(Json *j) {
    switch (j->type) {
    case JSON_STRING:
        xfree(j->v.s);
        break;
    case JSON_ARRAY:
        for (uint32_t i = 0; i < j->n; i++) json_free(j->v.items[i]);
        xfree(j->v.items);
        break;
    case JSON_OBJECT:
        for (uint32_t i = 0; i < j->n; i++) {
            xfree(j->v.member[i].key);
            json_free(j->v.member[i].val);
        }
        xfree(j->v.member);
        break;
    default:
        break;
    }
}

void json_free(Json *j) {
    if (!j) return;
    free_content(j);
    xfree(j);
}

Json *json_dup(const Json *j) {
    Json *c = json_new((JsonType)j->type);
    *c = *j;
    switch (j->type) {
    case JSON_STRING:
        c->v.s = xmemdup(j->v.s, (size_t)j->n + 1);
        break;
    case JSON_ARRAY:
        c->cap = j->n;
        c->v.items = j->n ? xmalloc(sizeof(Json *) * j->n) : NULL;
        for (uint32_t i = 0; i < j->n; i++) c->v.items[i] = json_dup(j->v.items[i]);
        break;
    case JSON_OBJECT:
        c->cap = j->n;
        c->v.member = j->n ? xmalloc(sizeof(JsonMember) * j->n) : NULL;
        for (uint32_t i = 0; i < j->n; i++) {
            c->v.member[i].key = xmemdup(j->v.member[i].key, (size_t)j->v.member[i].klen + 1);
            c->v.member[i].klen = j->v.member[i].klen;
            c->v.member[i].val = json_dup(j->v.member[i].val);
        }
        break;
    default:
        break;
    }
    return c;
}

int json_is_number(const Json *j) {
    return j->type == JSON_INT || j->type == JSON_UINT || j->type == JSON_DOUBLE;
}

double json_number_as_double(const Json *j) {
    if (j->type == JSON_INT) return (double)j->v.i;
    if (j->type == JSON_UINT) return (double)j->v.u;
    return j->v.d;
}

static int key_cmp(const JsonMember *m, const char *key, size_t klen);

/* Equality of two big objects with as many members: b's keys sorted once
 * and searched (O(n log n) rather than O(n * n)). */
static int objects_equal_big(const Json *a, const Json *b) {
    uint32_t n = b->n;
    uint32_t *ix = xmalloc(sizeof(uint32_t) * n);
    for (uint32_t i = 0; i < n; i++) ix[i] = i;
    dedup_base = b->v.member;
    qsort(ix, n, sizeof *ix, cmp_member_idx);
    dedup_base = NULL;
    int eq = 1;
    for (uint32_t i = 0; i < a->n && eq; i++) {
        const JsonMember *m = &a->v.member[i];
        uint32_t lo = 0, hi = n;
        long at = -1;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int c = key_cmp(&b->v.member[ix[mid]], m->key, m->klen);
            if (c == 0) {
                at = ix[mid];
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        eq = at >= 0 && json_equal(m->val, b->v.member[at].val);
    }
    xfree(ix);
    return eq;
}

int json_equal(const Json *a, const Json *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NULL:
        return 1;
    case JSON_BOOL:
        return a->b == b->b;
    case JSON_INT:
        return a->v.i == b->v.i;
    case JSON_UINT:
        return a->v.u == b->v.u;
    case JSON_DOUBLE:
        return a->v.d == b->v.d;
    case JSON_STRING:
        return a->n == b->n && memcmp(a->v.s, b->v.s, a->n) == 0;
    case JSON_ARRAY:
        if (a->n != b->n) return 0;
        for (uint32_t i = 0; i < a->n; i++)
            if (!json_equal(a->v.items[i], b->v.items[i])) return 0;
        return 1;
    case JSON_OBJECT:
        if (a->n != b->n) return 0;
        if (a->n > 32) return objects_equal_big(a, b);
        for (uint32_t i = 0; i < a->n; i++) {
            long k = json_object_find(b, a->v.member[i].key, a->v.member[i].klen);
            if (k < 0 || !json_equal(a->v.member[i].val, b->v.member[k].val)) return 0;
        }
        return 1;
    }
    return 0;
}

static void grow(Json *c, size_t elem) {
    if (c->n < c->cap) return;
    uint32_t cap = c->cap ? c->cap * 2 : 4;
    if (c->type == JSON_ARRAY)
        c->v.items = xrealloc(c->v.items, elem * cap);
    else
        c->v.member = xrealloc(c->v.member, elem * cap);
    c->cap = cap;
}

void json_array_insert(Json *a, size_t at, Json *v) {
    grow(a, sizeof(Json *));
    memmove(a->v.items + at + 1, a->v.items + at, sizeof(Json *) * (a->n - at));
    a->v.items[at] = v;
    a->n++;
}

void json_array_append(Json *a, Json *v) {
    json_array_insert(a, a->n, v);
}

Json *json_array_remove(Json *a, size_t at) {
    Json *v = a->v.items[at];
    memmove(a->v.items + at, a->v.items + at + 1, sizeof(Json *) * (a->n - at - 1));
    a->n--;
    return v;
}

long json_object_find(const Json *o, const char *key, size_t klen) {
    for (uint32_t i = 0; i < o->n; i++)
        if (o->v.member[i].klen == klen && memcmp(o->v.member[i].key, key, klen) == 0)
            return (long)i;
    return -1;
}

void json_object_set(Json *o, const char *key, size_t klen, Json *v) {
    long at = json_object_find(o, key, klen);
    if (at >= 0) {
        json_free(o->v.member[at].val);
        o->v.member[at].val = v;
        return;
    }
    grow(o, sizeof(JsonMember));
    JsonMember *m = &o->v.member[o->n++];
    m->key = xmalloc(klen + 1);
    if (klen) memcpy(m->key, key, klen);
    m->key[klen] = '\0';
    m->klen = (uint32_t)klen;
    m->val = v;
}

/* Appends a member without looking for an existing one (the parser's fast
 * path; dedup_members() settles duplicates afterwards). */
static void object_append(Json *o, const char *key, size_t klen, Json *v) {
    grow(o, sizeof(JsonMember));
    JsonMember *m = &o->v.member[o->n++];
    m->key = xmalloc(klen + 1);
    if (klen) memcpy(m->key, key, klen);
    m->key[klen] = '\0';
    m->klen = (uint32_t)klen;
    m->val = v;
}

static int cmp_member_idx(const void *pa, const void *pb) {
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const JsonMember *x = &dedup_base[a], *y = &dedup_base[b];
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c == 0) c = x->klen < y->klen ? -1 : x->klen > y->klen;
    if (c == 0) c = a < b ? -1 : a > b;
    return c;
}

/* A repeated key keeps its first position and its last value (as an object
 * built member by member with json_object_set() would): sorts member
 * indexes by key in O(n log n) rather than looking each key up. */
static void dedup_members(Json *o) {
    uint32_t n = o->n;
    uint32_t *ix = xmalloc(sizeof(uint32_t) * n);
    for (uint32_t i = 0; i < n; i++) ix[i] = i;
    dedup_base = o->v.member;
    qsort(ix, n, sizeof *ix, cmp_member_idx);
    dedup_base = NULL;
    uint8_t *gone = xcalloc(n, 1);
    int any = 0;
    for (uint32_t i = 0; i + 1 < n;) {
        uint32_t j = i + 1;
        while (j < n && o->v.member[ix[j]].klen == o->v.member[ix[i]].klen &&
               memcmp(o->v.member[ix[j]].key, o->v.member[ix[i]].key, o->v.member[ix[i]].klen) == 0)
            j++;
        if (j - i > 1) {
            /* the first keeps the last's value; the others go */
            JsonMember *first = &o->v.member[ix[i]];
            json_free(first->val);
            first->val = o->v.member[ix[j - 1]].val;
            o->v.member[ix[j - 1]].val = NULL;
            for (uint32_t k = i + 1; k < j; k++) gone[ix[k]] = 1;
            any = 1;
        }
        i = j;
    }
    if (any) {
        uint32_t w = 0;
        for (uint32_t r = 0; r < n; r++) {
            JsonMember *m = &o->v.member[r];
            if (gone[r]) {
                xfree(m->key);
                json_free(m->val);
            } else {
                o->v.member[w++] = *m;
            }
        }
        o->n = w;
    }
    xfree(gone);
    xfree(ix);
}

void json_compact(Json *c) {
    uint32_t w = 0;
    if (c->type == JSON_ARRAY) {
        for (uint32_t r = 0; r < c->n; r++)
            if (c->v.items[r]) c->v.items[w++] = c->v.items[r];
    } else if (c->type == JSON_OBJECT) {
        for (uint32_t r = 0; r < c->n; r++) {
            if (c->v.member[r].val)
                c->v.member[w++] = c->v.member[r];
            else
                xfree(c->v.member[r].key);
        }
    } else {
        return;
    }
    c->n = w;
}

void json_object_remove(Json *o, size_t at) {
    xfree(o->v.member[at].key);
    json_free(o->v.member[at].val);
    memmove(o->v.member + at, o->v.member + at + 1, sizeof(JsonMember) * (o->n - at - 1));
    o->n--;
}

void json_clear(Json *j) {
    switch (j->type) {
    case JSON_ARRAY:
    case JSON_OBJECT: {
        JsonType t = (JsonType)j->type;
        free_content(j);
        memset(j, 0, sizeof *j);
        j->type = (uint8_t)t;
        break;
    }
    case JSON_INT:
    case JSON_UINT:
    case JSON_DOUBLE:
        j->type = JSON_INT;
        j->v.i = 0;
        break;
    default:
        break;
    }
}

void json_replace(Json *dst, Json *src) {
    free_content(dst);
    *dst = *src;
    xfree(src);
}

static int key_cmp(const JsonMember *m, const char *key, size_t klen) {
    size_t n = m->klen < klen ? m->klen : klen;
    int c = memcmp(m->key, key, n);
    if (c == 0) c = m->klen < klen ? -1 : m->klen > klen;
    return c;
}

/* json_merge_patch() of two big objects: j's keys sorted once and searched,
 * removals emptied in place and compacted at the end, so the merge costs
 * O((n + m) log n), not O(n * m). Patch keys are distinct, so a member the
 * merge appends is never looked up again. */
static void merge_big(Json *j, const Json *patch) {
    uint32_t n0 = j->n;
    uint32_t *ix = xmalloc(sizeof(uint32_t) * n0);
    for (uint32_t i = 0; i < n0; i++) ix[i] = i;
    dedup_base = j->v.member;
    qsort(ix, n0, sizeof *ix, cmp_member_idx);
    dedup_base = NULL;
    int removed = 0;
    for (uint32_t p = 0; p < patch->n; p++) {
        const JsonMember *m = &patch->v.member[p];
        long at = -1;
        uint32_t lo = 0, hi = n0;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int c = key_cmp(&j->v.member[ix[mid]], m->key, m->klen);
            if (c == 0) {
                at = ix[mid];
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (m->val->type == JSON_NULL) {
            if (at >= 0 && j->v.member[at].val) {
                json_free(j->v.member[at].val);
                j->v.member[at].val = NULL;
                removed = 1;
            }
        } else if (at >= 0 && j->v.member[at].val) {
            json_merge_patch(j->v.member[at].val, m->val);
        } else {
            Json *nv = json_new(JSON_NULL);
            json_merge_patch(nv, m->val);
            object_append(j, m->key, m->klen, nv);
        }
    }
    if (removed) json_compact(j);
    xfree(ix);
}

void json_merge_patch(Json *j, const Json *patch) {
    if (patch->type != JSON_OBJECT) {
        json_replace(j, json_dup(patch));
        return;
    }
    if (j->type != JSON_OBJECT) json_replace(j, json_new(JSON_OBJECT));
    if (j->n > 32 && patch->n > 8) {
        merge_big(j, patch);
        return;
    }
    for (uint32_t i = 0; i < patch->n; i++) {
        const JsonMember *m = &patch->v.member[i];
        long at = json_object_find(j, m->key, m->klen);
        if (m->val->type == JSON_NULL) {
            if (at >= 0) json_object_remove(j, (size_t)at);
        } else if (at >= 0) {
            json_merge_patch(j->v.member[at].val, m->val);
        } else {
            Json *nv = json_new(JSON_NULL);
            json_merge_patch(nv, m->val);
            json_object_set(j, m->key, m->klen, nv);
        }
    }
}

const char *json_type_name(const Json *j) {
    switch (j->type) {
    case JSON_NULL:
        return "null";
    case JSON_BOOL:
        return "boolean";
    case JSON_INT:
    case JSON_UINT:
        return "integer";
    case JSON_DOUBLE:
        return "number";
    case JSON_STRING:
        return "string";
    case JSON_ARRAY:
        return "array";
    default:
        return "object";
    }
}

size_t json_mem_bytes(const Json *j) {
    size_t n = sizeof *j;
    switch (j->type) {
    case JSON_STRING:
        n += (size_t)j->n + 1;
        break;
    case JSON_ARRAY:
        n += sizeof(Json *) * j->cap;
        for (uint32_t i = 0; i < j->n; i++) n += json_mem_bytes(j->v.items[i]);
        break;
    case JSON_OBJECT:
        n += sizeof(JsonMember) * j->cap;
        for (uint32_t i = 0; i < j->n; i++)
            n += (size_t)j->v.member[i].klen + 1 + json_mem_bytes(j->v.member[i].val);
        break;
    default:
        break;
    }
    return n;
}

uint64_t json_node_count(const Json *j) {
    uint64_t n = 1;
    if (j->type == JSON_ARRAY)
        for (uint32_t i = 0; i < j->n; i++) n += json_node_count(j->v.items[i]);
    else if (j->type == JSON_OBJECT)
        for (uint32_t i = 0; i < j->n; i++) n += json_node_count(j->v.member[i].val);
    return n;
}

int json_depth(const Json *j) {
    int d = 0;
    if (j->type == JSON_ARRAY) {
        for (uint32_t i = 0; i < j->n; i++) {
            int c = json_depth(j->v.items[i]);
            if (c > d) d = c;
        }
        return d + 1;
    }
    if (j->type == JSON_OBJECT) {
        for (uint32_t i = 0; i < j->n; i++) {
            int c = json_depth(j->v.member[i].val);
            if (c > d) d = c;
        }
        return d + 1;
    }
    return 0;
}

/* ---- parser -------------------------------------------------------------------- */

typedef struct Parser {
    const unsigned char *p;
    size_t len, i;
    int depth_left;
    char *err;
    size_t errcap;
    int failed;
} Parser;

/* Records msg at serde_json's position for byte offset at. */
static void fail_at(Parser *ps, const char *msg, size_t at) {
    if (ps->failed) return;
    ps->failed = 1;
    size_t line = 1, start = 0;
    for (size_t k = 0; k < at; k++)
        if (ps->p[k] == '\n') line++, start = k + 1;
    snprintf(ps->err, ps->errcap, "%s at line %zu column %zu", msg, line, at - start);
}

/* An error found after consuming bytes. */
static void fail(Parser *ps, const char *msg) {
    fail_at(ps, msg, ps->i);
}

/* An error found by looking at the next byte. */
static void fail_peek(Parser *ps, const char *msg) {
    fail_at(ps, msg, ps->i + 1 < ps->len ? ps->i + 1 : ps->len);
}

static int skip_ws(Parser *ps) {
    while (ps->i < ps->len) {
        unsigned char c = ps->p[ps->i];
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return c;
        ps->i++;
    }
    return -1;
}

static Json *parse_value(Parser *ps);

static int parse_ident(Parser *ps, const char *rest) {
    for (; *rest; rest++) {
        if (ps->i >= ps->len) {
            fail(ps, "EOF while parsing a value");
            return -1;
        }
        if (ps->p[ps->i++] != (unsigned char)*rest) {
            fail(ps, "expected ident");
            return -1;
        }
    }
    return 0;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits after "\u"; -1 on error (recorded). */
static long read_hex4(Parser *ps) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
        if (ps->i >= ps->len) {
            fail(ps, "EOF while parsing a string");
            return -1;
        }
        int h = hexval(ps->p[ps->i++]);
        if (h < 0) {
            fail(ps, "invalid escape");
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static void put_utf8(Buf *b, unsigned long cp) {
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, tmp, n);
}

/* Parses a string body (the opening quote consumed) into b. */
static int parse_string(Parser *ps, Buf *b) {
    for (;;) {
        size_t start = ps->i;
        while (ps->i < ps->len) {
            unsigned char c = ps->p[ps->i];
            if (c == '"' || c == '\\' || c < 0x20) break;
            ps->i++;
        }
        if (ps->i > start) buf_append(b, ps->p + start, ps->i - start);
        if (ps->i >= ps->len) {
            fail(ps, "EOF while parsing a string");
            return -1;
        }
        unsigned char c = ps->p[ps->i++];
        if (c == '"') return 0;
        if (c < 0x20) {
            fail(ps, "control character (\\u0000-\\u001F) found while parsing a string");
            return -1;
        }
        if (ps->i >= ps->len) {
            fail(ps, "EOF while parsing a string");
            return -1;
        }
        unsigned char e = ps->p[ps->i++];
        switch (e) {
        case '"':
        case '\\':
        case '/':
            buf_append_char(b, (char)e);
            break;
        case 'b':
            buf_append_char(b, '\b');
            break;
        case 'f':
            buf_append_char(b, '\f');
            break;
        case 'n':
            buf_append_char(b, '\n');
            break;
        case 'r':
            buf_append_char(b, '\r');
            break;
        case 't':
            buf_append_char(b, '\t');
            break;
        case 'u': {
            long cp = read_hex4(ps);
            if (cp < 0) return -1;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, "lone leading surrogate in hex escape");
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (ps->i + 1 >= ps->len || ps->p[ps->i] != '\\' || ps->p[ps->i + 1] != 'u') {
                    if (ps->i < ps->len && ps->p[ps->i] == '\\')
                        ps->i++;
                    else if (ps->i >= ps->len) {
                        fail(ps, "EOF while parsing a string");
                        return -1;
                    }
                    fail(ps, "unexpected end of hex escape");
                    return -1;
                }
                ps->i += 2;
                long lo = read_hex4(ps);
                if (lo < 0) return -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, "lone leading surrogate in hex escape");
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(b, (unsigned long)cp);
            break;
        }
        default:
            fail(ps, "invalid escape");
            return -1;
        }
    }
}

static int is_digit(int c) {
    return c >= '0' && c <= '9';
}

static Json *parse_number(Parser *ps) {
    size_t start = ps->i;
    int neg = 0;
    if (ps->p[ps->i] == '-') {
        neg = 1;
        ps->i++;
    }
    int c = ps->i < ps->len ? ps->p[ps->i] : -1;
    ps->i++;
    if (c == '0') {
        if (ps->i < ps->len && is_digit(ps->p[ps->i])) {
            fail_peek(ps, "invalid number");
            return NULL;
        }
    } else if (c >= '1' && c <= '9') {
        while (ps->i < ps->len && is_digit(ps->p[ps->i])) ps->i++;
    } else {
        if (c < 0) ps->i--; /* nothing consumed at the end */
        fail(ps, "invalid number");
        return NULL;
    }
    int is_float = 0;
    if (ps->i < ps->len && ps->p[ps->i] == '.') {
        is_float = 1;
        ps->i++;
        size_t d0 = ps->i;
        while (ps->i < ps->len && is_digit(ps->p[ps->i])) ps->i++;
        if (ps->i == d0) {
            fail_peek(ps, ps->i < ps->len ? "invalid number" : "EOF while parsing a value");
            return NULL;
        }
    }
    if (ps->i < ps->len && (ps->p[ps->i] == 'e' || ps->p[ps->i] == 'E')) {
        is_float = 1;
        ps->i++;
        if (ps->i < ps->len && (ps->p[ps->i] == '+' || ps->p[ps->i] == '-')) ps->i++;
        if (ps->i >= ps->len) {
            fail(ps, "EOF while parsing a value");
            return NULL;
        }
        if (!is_digit(ps->p[ps->i++])) {
            fail(ps, "invalid number");
            return NULL;
        }
        while (ps->i < ps->len && is_digit(ps->p[ps->i])) ps->i++;
    }
    char small[64];
    size_t n = ps->i - start;
    char *txt = n < sizeof small ? small : xmalloc(n + 1);
    memcpy(txt, ps->p + start, n);
    txt[n] = '\0';
    Json *j = NULL;
    if (!is_float) {
        errno = 0;
        if (neg) {
            long long v = strtoll(txt, NULL, 10);
            if (errno == 0) j = json_new_int(v);
        } else {
            unsigned long long v = strtoull(txt, NULL, 10);
            if (errno == 0) {
                if (v <= (unsigned long long)INT64_MAX) {
                    j = json_new_int((int64_t)v);
                } else {
                    j = json_new(JSON_UINT);
                    j->v.u = v;
                }
            }
        }
    }
    if (!j) {
        double d = strtod(txt, NULL);
        if (!isfinite(d))
            fail(ps, "number out of range");
        else
            j = json_new_double(d);
    }
    if (txt != small) xfree(txt);
    return j;
}

static Json *parse_array(Parser *ps) {
    Json *a = json_new(JSON_ARRAY);
    int first = 1;
    for (;;) {
        int c = skip_ws(ps);
        if (c == ']') {
            ps->i++;
            return a;
        }
        if (c == ',' && !first) {
            ps->i++;
            c = skip_ws(ps);
        } else if (c < 0) {
            fail_peek(ps, "EOF while parsing a list");
            goto err;
        } else if (!first) {
            fail_peek(ps, "expected `,` or `]`");
            goto err;
        }
        first = 0;
        if (c == ']') {
            fail_peek(ps, "trailing comma");
            goto err;
        }
        if (c < 0) {
            fail_peek(ps, "EOF while parsing a value");
            goto err;
        }
        if (a->n == JSON_MAX_COUNT) {
            fail(ps, "array too long");
            goto err;
        }
        Json *v = parse_value(ps);
        if (!v) goto err;
        json_array_append(a, v);
    }
err:
    json_free(a);
    return NULL;
}

static Json *parse_object(Parser *ps) {
    Json *o = json_new(JSON_OBJECT);
    Buf key;
    buf_init(&key);
    int first = 1, big = 0;
    for (;;) {
        int c = skip_ws(ps);
        if (c == '}') {
            ps->i++;
            buf_free(&key);
            if (big) dedup_members(o);
            return o;
        }
        if (c == ',' && !first) {
            ps->i++;
            c = skip_ws(ps);
        } else if (c < 0) {
            fail_peek(ps, "EOF while parsing an object");
            goto err;
        } else if (!first) {
            fail_peek(ps, "expected `,` or `}`");
            goto err;
        }
        first = 0;
        if (c == '}') {
            fail_peek(ps, "trailing comma");
            goto err;
        }
        if (c < 0) {
            fail_peek(ps, "EOF while parsing a value");
            goto err;
        }
        if (c != '"') {
            fail_peek(ps, "key must be a string");
            goto err;
        }
        ps->i++;
        buf_clear(&key);
        if (parse_string(ps, &key) != 0) goto err;
        c = skip_ws(ps);
        if (c != ':') {
            fail_peek(ps, c < 0 ? "EOF while parsing an object" : "expected `:`");
            goto err;
        }
        ps->i++;
        if (skip_ws(ps) < 0) {
            fail_peek(ps, "EOF while parsing a value");
            goto err;
        }
        Json *v = parse_value(ps);
        if (!v) goto err;
        if (o->n == JSON_MAX_COUNT) {
            json_free(v);
            fail(ps, "object too long");
            goto err;
        }
        /* small objects look keys up as they go; big ones settle repeated
         * keys once at the end (no quadratic parse) */
        if (o->n < 32)
            json_object_set(o, buf_data(&key), buf_live(&key), v);
        else
            object_append(o, buf_data(&key), buf_live(&key), v), big = 1;
    }
err:
    buf_free(&key);
    json_free(o);
    return NULL;
}

static Json *parse_value(Parser *ps) {
    int c = skip_ws(ps);
    if (c < 0) {
        fail_peek(ps, "EOF while parsing a value");
        return NULL;
    }
    switch (c) {
    case 'n':
        ps->i++;
        return parse_ident(ps, "ull") == 0 ? json_new(JSON_NULL) : NULL;
    case 't':
    case 'f': {
        ps->i++;
        if (parse_ident(ps, c == 't' ? "rue" : "alse") != 0) return NULL;
        Json *j = json_new(JSON_BOOL);
        j->b = c == 't';
        return j;
    }
    case '"': {
        ps->i++;
        Buf b;
        buf_init(&b);
        Json *j = NULL;
        if (parse_string(ps, &b) == 0) {
            if (buf_live(&b) > JSON_MAX_COUNT)
                fail(ps, "string too long");
            else
                j = json_new_string(buf_data(&b), buf_live(&b));
        }
        buf_free(&b);
        return j;
    }
    case '[':
    case '{': {
        if (--ps->depth_left < 0) {
            fail_peek(ps, "recursion limit exceeded");
            return NULL;
        }
        ps->i++;
        Json *j = c == '[' ? parse_array(ps) : parse_object(ps);
        ps->depth_left++;
        return j;
    }
    default:
        if (c == '-' || is_digit(c)) return parse_number(ps);
        fail_peek(ps, "expected value");
        return NULL;
    }
}

Json *json_parse(const char *p, size_t len, int max_depth, char *err, size_t errcap) {
    Parser ps = {(const unsigned char *)p, len, 0, max_depth, err, errcap, 0};
    Json *j = parse_value(&ps);
    if (!j) return NULL;
    if (skip_ws(&ps) >= 0) {
        fail_peek(&ps, "trailing characters");
        json_free(j);
        return NULL;
    }
    return j;
}

/* ---- serializer ------------------------------------------------------------------ */

size_t json_format_double(double d, char *buf) {
    char *o = buf;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - buf) + 3;
    }
    /* shortest digits that read back as d, and their decimal exponent */
    char tmp[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = tmp;
    for (; *q && *q != 'e'; q++)
        if (is_digit(*q)) digits[nd++] = *q;
    int e10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    int k = e10 - (int)(nd - 1); /* exponent of the last digit */
    int kk = (int)nd + k;        /* position of the decimal point */
    if (k >= 0 && kk <= 16) {
        memcpy(o, digits, nd);
        o += nd;
        for (int z = 0; z < k; z++) *o++ = '0';
        *o++ = '.';
        *o++ = '0';
    } else if (kk > 0 && kk <= 16) {
        memcpy(o, digits, (size_t)kk);
        o += kk;
        *o++ = '.';
        memcpy(o, digits + kk, nd - (size_t)kk);
        o += nd - (size_t)kk;
    } else if (kk > -5 && kk <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int z = 0; z < -kk; z++) *o++ = '0';
        memcpy(o, digits, nd);
        o += nd;
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, nd - 1);
            o += nd - 1;
        }
        o += sprintf(o, "e%d", kk - 1);
    }
    *o = '\0';
    return (size_t)(o - buf);
}

void json_serialize_string(const char *p, size_t len, Buf *out) {
    static const char hex[] = "0123456789abcdef";
    buf_append_char(out, '"');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (i > start) buf_append(out, p + start, i - start);
        start = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        buf_append(out, esc, n);
    }
    if (len > start) buf_append(out, p + start, len - start);
    buf_append_char(out, '"');
}

static void newline(const JsonFormat *f, int level, Buf *out) {
    if (!f) return;
    if (f->newline) buf_append(out, f->newline, f->newline_len);
    if (f->indent)
        for (int i = 0; i < level; i++) buf_append(out, f->indent, f->indent_len);
}

static void ser(const Json *j, const JsonFormat *f, int level, Buf *out) {
    char num[40];
    switch (j->type) {
    case JSON_NULL:
        buf_append(out, "null", 4);
        break;
    case JSON_BOOL:
        if (j->b)
            buf_append(out, "true", 4);
        else
            buf_append(out, "false", 5);
        break;
    case JSON_INT:
        buf_append_ll(out, j->v.i);
        break;
    case JSON_UINT:
        buf_append(out, num, (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)j->v.u));
        break;
    case JSON_DOUBLE:
        buf_append(out, num, json_format_double(j->v.d, num));
        break;
    case JSON_STRING:
        json_serialize_string(j->v.s, j->n, out);
        break;
    case JSON_ARRAY:
        buf_append_char(out, '[');
        for (uint32_t i = 0; i < j->n; i++) {
            if (i) buf_append_char(out, ',');
            newline(f, level + 1, out);
            ser(j->v.items[i], f, level + 1, out);
        }
        if (j->n) newline(f, level, out);
        buf_append_char(out, ']');
        break;
    case JSON_OBJECT:
        buf_append_char(out, '{');
        for (uint32_t i = 0; i < j->n; i++) {
            if (i) buf_append_char(out, ',');
            newline(f, level + 1, out);
            json_serialize_string(j->v.member[i].key, j->v.member[i].klen, out);
            buf_append_char(out, ':');
            if (f && f->space) buf_append(out, f->space, f->space_len);
            ser(j->v.member[i].val, f, level + 1, out);
        }
        if (j->n) newline(f, level, out);
        buf_append_char(out, '}');
        break;
    }
}

void json_serialize(const Json *j, const JsonFormat *fmt, Buf *out) {
    ser(j, fmt, 0, out);
}

void json_serialize_list(Json *const *v, size_t n, const JsonFormat *fmt, Buf *out) {
    buf_append_char(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_append_char(out, ',');
        newline(fmt, 1, out);
        if (v[i])
            ser(v[i], fmt, 1, out);
        else
            buf_append(out, "null", 4);
    }
    if (n) newline(fmt, 0, out);
    buf_append_char(out, ']');
}
