/*
 * list_obj.h - the list value: a sequence of byte strings, packed in
 * listpack nodes (see list_obj.c for the layout and its reasons).
 *
 * Pure data structure: no server state, no replies. Positions are 0-based
 * from the head; callers turn Redis's negative indexes into these first.
 * Views (ListElem) borrow the list's bytes and are valid until the next
 * change of the list.
 */
#ifndef STREAMD_LIST_OBJ_H
#define STREAMD_LIST_OBJ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { LIST_HEAD = 0, LIST_TAIL = 1 };

typedef struct List {
    uint8_t **nodes;  /* listpacks; the live ones are nodes[head .. head + n_nodes) */
    uint32_t head;    /* free slots before the first node (cheap pushes at the head) */
    uint32_t n_nodes; /* never 0 nodes holding nothing: an empty node is removed */
    uint32_t cap;     /* slots allocated in nodes */
    int16_t fill;     /* list-max-listpack-size when the list was made (as Redis) */
    uint16_t depth;   /* list-compress-depth, likewise: nodes kept raw at each end */
    uint64_t count;   /* elements in all nodes */
} List;

/* One element: bytes (an integer stored packed is formatted into num, and
 * p points there: do not copy a ListElem and use the copy's p). */
typedef struct ListElem {
    const char *p;
    size_t len;
    char num[24];
} ListElem;

/* A cursor over a list, caller-allocated. */
typedef struct ListIter {
    const List *l;
    const uint8_t *lp; /* the current node's listpack (a view) */
    uint32_t node;     /* index into the live nodes */
    size_t off;        /* byte offset of the next element in that node */
    uint64_t left;     /* elements still to visit */
    int to_tail;       /* 1: head to tail, 0: tail to head */
} ListIter;

/* What lists made from now on get, as Redis gives each quicklist the
 * settings of its creation: list-max-listpack-size (a node's limit; negative:
 * a size class of 4, 8, 16, 32 or 64 KB; positive: a count of elements, with
 * nodes still kept under 8 KB) and list-compress-depth (0: no compression;
 * d: the d nodes at each end raw, the others LZF-compressed). */
void list_set_defaults(long long fill, long long depth);

/* Returns an owned empty list; free with list_free(). */
List *list_new(void);
void list_free(List *l);
/* Returns an owned deep copy. */
List *list_dup(const List *l);
/* Bytes the list holds (structure and nodes), for MEMORY USAGE. */
size_t list_mem_bytes(const List *l);

/* Copies p[0..len) in at the head or the tail (LIST_HEAD / LIST_TAIL). */
void list_push(List *l, int where, const char *p, size_t len);
/* Copies p[0..len) in before position idx (idx == count: at the tail). */
void list_insert(List *l, uint64_t idx, const char *p, size_t len);
/* Sets *e to a view of the element at idx; 0, or -1 when idx >= count. A
 * view of a compressed node's element lasts until the next read of another
 * compressed node (views from one iterator: until it moves to another node). */
int list_get(const List *l, uint64_t idx, ListElem *e);
/* Replaces the element at idx (< count) with a copy of p[0..len). */
void list_replace(List *l, uint64_t idx, const char *p, size_t len);
/* Removes n elements from position start (start + n <= count). */
void list_delete_range(List *l, uint64_t start, uint64_t n);
/* Removes up to max elements equal to p[0..len) (max 0: all), scanning from
 * the head (to_tail) or from the tail; returns how many. */
uint64_t list_remove_value(List *l, const char *p, size_t len, uint64_t max, int to_tail);

/* Starts a cursor at position idx (< count, or the cursor is at its end),
 * moving toward the tail (to_tail 1) or the head. */
void list_iter_init(ListIter *it, const List *l, uint64_t idx, int to_tail);
/* The next element: 1 with *e set, 0 at the end. */
int list_iter_next(ListIter *it, ListElem *e);

static inline int list_elem_eq(const ListElem *e, const char *p, size_t len) {
    return e->len == len && (len == 0 || memcmp(e->p, p, len) == 0);
}

/* ---- Nodes, for the RDB codec (quicklist 2 packs each node as is) ----- */
/* The i-th node's listpack bytes (a view, valid until the list changes). */
const uint8_t *list_node(const List *l, uint32_t i, size_t *len);
/* Appends a listpack the caller checked with lp_validate() (takes ownership
 * of lp, allocated with xmalloc; n_elems elements, at least 1). */
void list_append_node(List *l, uint8_t *lp, uint32_t n_elems);

/* Checks the structure's invariants (unit tests): 0, or -1. */
int list_check(const List *l);
/* How many nodes are kept compressed (tests). */
int list_n_compressed(const List *l);

#endif
