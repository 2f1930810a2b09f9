/*
 * object.c - keyspace values and the registry of value types.
 */
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

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
    o->lru_s = lru_clock_s();
    o->is_raw = 0;
    o->size_bin = 0;
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

void obj_free(Obj *o) {
    if (!o) return;
    if (o->type == OBJ_STRING) {
        xfree(o->ptr);
    } else if (type_ops[o->type] && type_ops[o->type]->free) {
        type_ops[o->type]->free(o->ptr);
    }
    xfree(o);
}

size_t obj_mem_usage(const Obj *o) {
    size_t n = xsize(o);
    if (o->type == OBJ_STRING) return n + xsize(o->ptr);
    if (type_ops[o->type] && type_ops[o->type]->mem_usage)
        return n + type_ops[o->type]->mem_usage(o->ptr);
    return n;
}

uint64_t obj_items(const Obj *o) {
    if (o->type == OBJ_STRING) return o->len;
    if (type_ops[o->type] && type_ops[o->type]->items) return type_ops[o->type]->items(o->ptr);
    return 0;
}
