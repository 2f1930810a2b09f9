/*
 * object.c - keyspace values and the registry of value types.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"
#include "server/evict.h"

static const ObjTypeOps *type_ops[OBJ_TYPE_COUNT];

void obj_register_type(ObjType type, const ObjTypeOps *ops) {
    type_ops[type] = ops;
}

const ObjTypeOps *obj_type_ops(ObjType type) {
    return type_ops[type];
}

Obj *obj_new(ObjType type, void *ptr) {
    Obj *o = xmalloc(sizeof *o);
    o->type = type;
    o->len = 0;
    o->ptr = ptr;
    o->lru_s = evict_new_stamp();
    o->unshared = evict_objects_unshared();
    o->str_enc = OBJ_STR_AUTO;
    o->size_bin = 0;
    o->sub_ttl = 0;
    o->ptr_off = 0;
    return o;
}

Obj *obj_new_string(const char *p, size_t len) {
    char *copy = xmalloc(len + 1);
    if (len) memcpy(copy, p, len);
    copy[len] = '\0';
    Obj *o = obj_new(OBJ_STRING, copy);
    o->len = len;
    return o;
}

Obj *obj_dup(const Obj *o) {
    if (o->type != OBJ_STRING) return type_ops[o->type]->dup(o->ptr);
    Obj *d = obj_new_string(o->ptr, o->len);
    d->str_enc = o->str_enc;
    return d;
}

/* The string object, if any, whose bytes still belong to a client's query
 * buffer while the command that made it runs. A command may drop the object
 * again (MSET of one key twice, a key overwritten): obj_free() then leaves
 * the bytes alone, and obj_borrowed_take() tells the client not to hand its
 * buffer over. */
static Obj *borrowed;

/* Returns an owned string object over block[off..off+len), which stays the
 * caller's until obj_borrowed_take() returns the object and the caller moves
 * the block into it (the block must hold off + len + 1 bytes: the byte after
 * the value becomes its NUL). NULL when another object is borrowing: at most
 * one does at a time. */
Obj *obj_new_string_borrowed(char *block, size_t off, size_t len) {
    if (borrowed || off > UINT32_MAX) return NULL;
    Obj *o = obj_new(OBJ_STRING, block + off);
    o->len = len;
    o->ptr_off = (uint32_t)off;
    block[off + len] = '\0';
    borrowed = o;
    return o;
}

Obj *obj_borrowed_take(void) {
    Obj *o = borrowed;
    borrowed = NULL;
    return o;
}

/* Appends n bytes (not overlapping the value) to string o, which owns its
 * block; a value at an offset in its block moves to the start first. */
void obj_string_append(Obj *o, const char *p, size_t n) {
    assert(o->type == OBJ_STRING && o != borrowed);
    char *base = (char *)o->ptr - o->ptr_off;
    if (o->ptr_off) {
        memmove(base, o->ptr, o->len);
        o->ptr_off = 0;
    }
    base = xrealloc(base, o->len + n + 1);
    memcpy(base + o->len, p, n);
    o->len += n;
    base[o->len] = '\0';
    o->ptr = base;
}

char *obj_string_grow(Obj *o, size_t len) {
    assert(o->type == OBJ_STRING && o != borrowed);
    if (len <= o->len) return o->ptr;
    char *base = (char *)o->ptr - o->ptr_off;
    if (o->ptr_off) {
        memmove(base, o->ptr, o->len);
        o->ptr_off = 0;
    }
    base = xrealloc(base, len + 1);
    memset(base + o->len, 0, len + 1 - o->len);
    o->len = len;
    o->ptr = base;
    return base;
}

void obj_free_detached(Obj *o) {
    if (!o) return;
    if (o->type == OBJ_STRING)
        xfree((char *)o->ptr - o->ptr_off);
    else if (type_ops[o->type] && type_ops[o->type]->free)
        type_ops[o->type]->free(o->ptr);
    xfree(o);
}

void obj_free(Obj *o) {
    if (o && o == borrowed) {
        borrowed = NULL; /* the bytes are still the query buffer's */
        xfree(o);
        return;
    }
    obj_free_detached(o);
}

int obj_any_borrowed(void) {
    return borrowed != NULL;
}

uint64_t obj_free_effort(const Obj *o) {
    if (o->type == OBJ_STRING || !type_ops[o->type] || !type_ops[o->type]->free_effort) return 1;
    return type_ops[o->type]->free_effort(o->ptr);
}

size_t obj_mem_usage(const Obj *o) {
    size_t n = xsize(o);
    if (o->type == OBJ_STRING) return n + xsize((char *)o->ptr - o->ptr_off);
    if (type_ops[o->type] && type_ops[o->type]->mem_usage)
        return n + type_ops[o->type]->mem_usage(o->ptr);
    return n;
}

uint64_t obj_items(const Obj *o) {
    if (o->type == OBJ_STRING) return o->len;
    if (type_ops[o->type] && type_ops[o->type]->items) return type_ops[o->type]->items(o->ptr);
    return 0;
}

static const char *string_encoding(const Obj *o) {
    long long v;
    if (o->str_enc == OBJ_STR_RAW) return "raw";
    if (o->str_enc == OBJ_STR_PLAIN) return o->len <= 44 ? "embstr" : "raw";
    if (o->len <= 20 && parse_ll(slice_of(o->ptr, o->len), &v) == 0) return "int";
    return o->len <= 44 ? "embstr" : "raw";
}

const char *obj_encoding(const Obj *o) {
    if (o->type == OBJ_STRING) return string_encoding(o);
    const ObjTypeOps *ops = type_ops[o->type];
    return ops->encoding_of ? ops->encoding_of(o->ptr) : ops->encoding;
}

/* Every value has one owner here. Redis keeps the integers 0-9999 as shared
 * objects, whose count it reports as INT_MAX; so does this, except for one
 * made under a maxmemory LRU or LFU policy (Obj.unshared), which Redis does
 * not share because its access data is its own. */
long long obj_refcount(const Obj *o) {
    long long v;
    if (!o->unshared && o->type == OBJ_STRING && strcmp(string_encoding(o), "int") == 0 &&
        parse_ll(slice_of(o->ptr, o->len), &v) == 0 && v >= 0 && v < 10000)
        return INT_MAX;
    return 1;
}
