/*
 * object.h - values stored in the keyspace.
 *
 * An Obj is a tagged pointer: the type and the type's own representation. The
 * string type is a length-counted byte array owned by the object, usually a
 * block of its own; a big value may instead sit at an offset in the query
 * buffer it arrived in, which the object took over (client_arg_string()). Other types
 * (the stream) register their free and size functions at start-up with
 * obj_register_type(), so the keyspace never includes the libraries behind
 * them.
 */
#ifndef STREAMD_OBJECT_H
#define STREAMD_OBJECT_H

#include <stddef.h>
#include <stdint.h>

/* The stream library registers OBJ_STREAM, src/cmd's families the others
 * (obj_register_type); a type nobody registered never reaches the keyspace. */
typedef enum ObjType {
    OBJ_STRING = 0,
    OBJ_STREAM = 1,
    OBJ_LIST = 2,
    OBJ_SET = 3,
    OBJ_ZSET = 4,
    OBJ_HASH = 5,
    OBJ_ARRAY = 6,
    /* Redis 8's module types (JSON, the probabilistic ones, time series,
     * vector sets):
     * TYPE names them as their module does, RDB writes them as type 7. */
    OBJ_JSON = 7,
    OBJ_BLOOM = 8,
    OBJ_CUCKOO = 9,
    OBJ_CMS = 10,
    OBJ_TOPK = 11,
    OBJ_TDIGEST = 12,
    OBJ_TSERIES = 13,
    OBJ_VSET = 14,
    OBJ_SUGTRIE = 15, /* FT.SUGADD's suggestion dictionaries (the query engine's only key type) */
    OBJ_TYPE_COUNT
} ObjType;

typedef struct Obj {
    ObjType type;
    uint32_t lru_s;   /* last access, seconds of the server clock (OBJECT IDLETIME) */
    uint8_t str_enc;  /* OBJ_STRING: what OBJECT ENCODING says (OBJ_STR_*) */
    uint8_t size_bin; /* INFO keysizes: the bin the value is counted in while in a db */
    uint8_t sub_ttl;  /* counted in its db's n_subexpiry (it has TTLs of its own) */
    uint8_t unshared; /* made under a maxmemory LRU/LFU policy: OBJECT REFCOUNT 1 for a
                         small integer, which Redis then does not share */
    uint32_t ptr_off; /* OBJ_STRING: ptr is this far into the block it owns (an adopted
                         query buffer starts with the command's header) */
    size_t len;       /* OBJ_STRING: byte length of ptr */
    void *ptr;        /* OBJ_STRING: owned bytes (NUL-terminated for convenience) */
} Obj;

/* A string is always plain bytes here; Redis picks a representation when it
 * makes the value, and OBJECT ENCODING shows that choice, so the object
 * remembers how it was made. */
enum {
    OBJ_STR_AUTO = 0,  /* a client's value: "int" if it reads as one, else by length */
    OBJ_STR_RAW = 1,   /* changed in place (APPEND, SETRANGE, SETBIT) or built whole (BITOP) */
    OBJ_STR_PLAIN = 2, /* computed text (INCRBYFLOAT): "embstr" or "raw" by length, never "int" */
};

typedef struct ObjTypeOps {
    const char *name;                            /* TYPE reply, e.g. "stream" */
    const char *encoding;                        /* OBJECT ENCODING reply, unless encoding_of */
    void (*free)(void *ptr);                     /* frees the type's value */
    size_t (*mem_usage)(const void *ptr);        /* bytes for MEMORY USAGE */
    uint64_t (*items)(const void *ptr);          /* elements, for INFO keysizes */
    Obj *(*dup)(const void *ptr);                /* an owned object holding a deep copy (COPY) */
    const char *(*encoding_of)(const void *ptr); /* NULL, or OBJECT ENCODING by the value */
    /* About how many allocations a free releases (lazyfree.c's threshold);
     * NULL: 1. The free itself must touch only the value's memory. */
    uint64_t (*free_effort)(const void *ptr);
} ObjTypeOps;

void obj_register_type(ObjType type, const ObjTypeOps *ops);
const ObjTypeOps *obj_type_ops(ObjType type);
/* Returns an owned object around ptr (ownership of ptr moves in). */
Obj *obj_new(ObjType type, void *ptr);
/* Returns an owned string object holding a copy of the bytes. */
Obj *obj_new_string(const char *p, size_t len);
/* Returns an owned string object over block[off..off+len), a block it does
 * not own yet; NULL while another object is borrowing. */
Obj *obj_new_string_borrowed(char *block, size_t off, size_t len);
/* The borrowing object if it still exists (its owner must now hand it the
 * block), else NULL; either way no object is borrowing afterwards. */
Obj *obj_borrowed_take(void);
/* Appends n bytes to a string object's value. */
void obj_string_append(Obj *o, const char *p, size_t n);
/* Makes string o (which owns its block) at least len bytes long, the new
 * bytes zero; returns its bytes, writable until the next change of o. */
char *obj_string_grow(Obj *o, size_t len);
/* Returns an owned deep copy of o, of the same type and string encoding. */
Obj *obj_dup(const Obj *o);
void obj_free(Obj *o);
/* obj_free() for a value that no client buffer backs, callable from the
 * lazyfree thread (src/server/lazyfree.c). */
void obj_free_detached(Obj *o);
/* Whether a string object still borrows a client's query buffer. */
int obj_any_borrowed(void);
/* ObjTypeOps.free_effort, 1 for strings. */
uint64_t obj_free_effort(const Obj *o);
size_t obj_mem_usage(const Obj *o);
/* What INFO keysizes measures: a string's length, another type's elements. */
uint64_t obj_items(const Obj *o);
/* OBJECT ENCODING's name for o's representation ("int", "embstr", "listpack",
 * "quicklist", ...): a static string. */
const char *obj_encoding(const Obj *o);
/* OBJECT REFCOUNT's answer for o (see obj_refcount() in object.c). */
long long obj_refcount(const Obj *o);

#endif
