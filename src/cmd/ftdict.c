/*
 * ftdict.c - FT.DICTADD, FT.DICTDEL, FT.DICTDUMP: the query engine's named
 * term dictionaries (FT.SPELLCHECK's TERMS INCLUDE / EXCLUDE).
 *
 * They are server-wide, outside the keyspace: a table of dictionaries by
 * name, each a set of terms. A dictionary exists while it holds a term
 * (DICTDEL of its last term removes it, DICTDUMP of a missing one is an
 * empty set), and FLUSHALL empties them all, as RediSearch does. Names and
 * terms end at their first NUL byte (RediSearch keeps them as C strings); a
 * term of no byte, of more than 510 bytes or of 255 characters or more is
 * not added (RediSearch's trie limits), and is not counted.
 *
 * Terms are kept in a hash table, not a trie: DICTDUMP sorts them (byte
 * order, which is code point order for UTF-8, the order RediSearch's
 * lexicographic trie gives) when asked; membership is what spell checking
 * needs most.
 *
 * Persistence (persist/globalstate.h): the AOF rewrite writes FT.DICTADD
 * commands of up to 64 terms; an RDB holds one module-aux record after the
 * keys under RediSearch's own module type "scdtype00", encoding version 1,
 * with RediSearch's fields, so either server reads the other's file:
 *
 *   uint   number of dictionaries
 *   per dictionary:
 *     string   name, then a NUL byte
 *     uint     number of terms
 *     per term:  string term + NUL, double 1.0 (its score in the trie)
 */
#include "cmd/ftdict.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "persist/globalstate.h"
#include "persist/rdbmodule.h"
#include "server/dict.h"
#include "server/server.h"

#define TERM_MAX_BYTES 510 /* RediSearch: 255 runes of two bytes */
#define TERM_MAX_CHARS 254
#define REWRITE_TERMS  64

static Dict *dicts; /* name -> Dict of terms (values unused) */

static Slice until_nul(Slice s) {
    const char *z = memchr(s.p, '\0', s.len);
    return z ? slice_of(s.p, (size_t)(z - s.p)) : s;
}

/* Characters of UTF-8 text (a stray byte counts as one). */
static size_t utf8_chars(Slice s) {
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.p[i] & 0xC0) != 0x80) n++;
    return n;
}

static int term_fits(Slice t) {
    return t.len > 0 && t.len <= TERM_MAX_BYTES && utf8_chars(t) <= TERM_MAX_CHARS;
}

static Dict *terms_of(Slice name) {
    if (!dicts) return NULL;
    name = until_nul(name);
    DictEntry *e = dict_find(dicts, name.p, name.len);
    return e ? e->val : NULL;
}

static void free_terms(void *d) {
    dict_free(d, NULL);
}

/* Adds the terms (after until_nul) to the named dictionary; the count added. */
static long long dict_add_terms(Slice name, const Slice *terms, int n) {
    name = until_nul(name);
    if (!dicts) dicts = dict_new();
    DictEntry *e = dict_find(dicts, name.p, name.len);
    Dict *d = e ? e->val : NULL;
    long long added = 0;
    for (int i = 0; i < n; i++) {
        Slice t = until_nul(terms[i]);
        if (!term_fits(t)) continue;
        if (!d) d = dict_new();
        if (dict_find(d, t.p, t.len)) continue;
        dict_add(d, t.p, t.len, NULL);
        added++;
    }
    if (d && !e) dict_add(dicts, name.p, name.len, d);
    return added;
}

static void drop_dict(Slice name) {
    DictEntry *e = dict_unlink(dicts, name.p, name.len);
    if (!e) return;
    free_terms(e->val);
    dict_entry_free(e);
}

static void cmd_ft_dictadd(Client *c) {
    long long added = dict_add_terms(c->argv[1], c->argv + 2, c->argc - 2);
    reply_int(c, added);
    if (added > 0) {
        server.dirty += added;
        propagate_argv(c);
    }
}

static void cmd_ft_dictdel(Client *c) {
    Dict *d = terms_of(c->argv[1]);
    long long deleted = 0;
    for (int i = 2; d && i < c->argc; i++) {
        Slice t = until_nul(c->argv[i]);
        DictEntry *e = dict_unlink(d, t.p, t.len);
        if (!e) continue;
        dict_entry_free(e);
        deleted++;
    }
    if (d && dict_size(d) == 0) drop_dict(until_nul(c->argv[1]));
    reply_int(c, deleted);
    if (deleted > 0) {
        server.dirty += deleted;
        propagate_argv(c);
    }
}

typedef struct TermList {
    Slice *v;
    size_t n;
} TermList;

static void collect(void *priv, DictEntry *e) {
    TermList *l = priv;
    l->v[l->n++] = slice_of(e->key, e->key_len);
}

static int cmp_term(const void *a, const void *b) {
    const Slice *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->p, y->p, n);
    if (r) return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The terms of d sorted; free l->v with xfree. */
static void sorted_terms(Dict *d, TermList *l) {
    l->n = 0;
    l->v = xmalloc((d ? dict_size(d) : 0) * sizeof *l->v + 1);
    if (!d) return;
    dict_foreach(d, collect, l);
    qsort(l->v, l->n, sizeof *l->v, cmp_term);
}

static void cmd_ft_dictdump(Client *c) {
    TermList l;
    sorted_terms(terms_of(c->argv[1]), &l);
    reply_set(c, l.n);
    for (size_t i = 0; i < l.n; i++) reply_bulk_slice(c, l.v[i]);
    xfree(l.v);
}

/* ---- the interface of ftdict.h -------------------------------------------- */

int ftdict_exists(Slice name) {
    return terms_of(name) != NULL;
}

int ftdict_has(Slice name, Slice term) {
    Dict *d = terms_of(name);
    return d && dict_find(d, term.p, term.len) != NULL;
}

size_t ftdict_foreach(Slice name, void (*fn)(void *priv, Slice term), void *priv) {
    TermList l;
    sorted_terms(terms_of(name), &l);
    for (size_t i = 0; i < l.n; i++) fn(priv, l.v[i]);
    xfree(l.v);
    return l.n;
}

/* ---- persistence ------------------------------------------------------------ */

typedef struct DictList {
    DictEntry **v;
    size_t n;
} DictList;

static void collect_dict(void *priv, DictEntry *e) {
    DictList *l = priv;
    l->v[l->n++] = e;
}

static int cmp_dict(const void *a, const void *b) {
    const DictEntry *x = *(DictEntry *const *)a, *y = *(DictEntry *const *)b;
    Slice sx = slice_of(x->key, x->key_len), sy = slice_of(y->key, y->key_len);
    return cmp_term(&sx, &sy);
}

/* Every dictionary, by name (a stable order for the files). */
static void all_dicts(DictList *l) {
    l->n = 0;
    l->v = xmalloc((dicts ? dict_size(dicts) : 0) * sizeof *l->v + 1);
    if (!dicts) return;
    dict_foreach(dicts, collect_dict, l);
    qsort(l->v, l->n, sizeof *l->v, cmp_dict);
}

static void dict_aof_rewrite(PersistEmitFn emit, void *priv) {
    DictList dl;
    all_dicts(&dl);
    Slice argv[2 + REWRITE_TERMS];
    argv[0] = slice_cstr("FT.DICTADD");
    for (size_t i = 0; i < dl.n; i++) {
        argv[1] = slice_of(dl.v[i]->key, dl.v[i]->key_len);
        TermList l;
        sorted_terms(dl.v[i]->val, &l);
        for (size_t at = 0; at < l.n; at += REWRITE_TERMS) {
            size_t k = l.n - at < REWRITE_TERMS ? l.n - at : REWRITE_TERMS;
            memcpy(argv + 2, l.v + at, k * sizeof *argv);
            emit(priv, (int)(2 + k), argv);
        }
        xfree(l.v);
    }
    xfree(dl.v);
}

/* A string with the NUL RediSearch writes after it. */
static void put_cstring(Buf *out, Slice s) {
    char *z = xmalloc(s.len + 1);
    memcpy(z, s.p, s.len);
    z[s.len] = '\0';
    rdbm_put_string(out, z, s.len + 1);
    xfree(z);
}

static int dict_rdb_write(Buf *out) {
    if (!dicts || dict_size(dicts) == 0) return 0;
    DictList dl;
    all_dicts(&dl);
    rdbm_put_uint(out, dl.n);
    for (size_t i = 0; i < dl.n; i++) {
        put_cstring(out, slice_of(dl.v[i]->key, dl.v[i]->key_len));
        TermList l;
        sorted_terms(dl.v[i]->val, &l);
        rdbm_put_uint(out, l.n);
        for (size_t j = 0; j < l.n; j++) {
            put_cstring(out, l.v[j]);
            rdbm_put_double(out, 1.0);
        }
        xfree(l.v);
    }
    xfree(dl.v);
    return 1;
}

/* A string written with its NUL: the bytes before it (a missing NUL is
 * tolerated, as RediSearch's loader only drops the last byte). */
static int get_cstring(RdbReader *r, char **s, size_t *len) {
    if (rdbm_get_string(r, persist_string_max(), s, len) != RDB_OK) return RDB_ERR;
    if (*len > 0 && (*s)[*len - 1] == '\0') (*len)--;
    return RDB_OK;
}

static int dict_rdb_read(RdbReader *r, int encver) {
    (void)encver;
    uint64_t n_dicts;
    if (rdbm_get_uint(r, &n_dicts) != RDB_OK) return RDB_ERR;
    for (uint64_t i = 0; i < n_dicts; i++) {
        char *name;
        size_t name_len;
        uint64_t n_terms;
        if (get_cstring(r, &name, &name_len) != RDB_OK) return RDB_ERR;
        if (rdbm_get_uint(r, &n_terms) != RDB_OK) {
            xfree(name);
            return RDB_ERR;
        }
        for (uint64_t j = 0; j < n_terms; j++) {
            char *term;
            size_t term_len;
            double score;
            if (get_cstring(r, &term, &term_len) != RDB_OK) {
                xfree(name);
                return RDB_ERR;
            }
            if (rdbm_get_double(r, &score) != RDB_OK) {
                xfree(term);
                xfree(name);
                return RDB_ERR;
            }
            Slice t = slice_of(term, term_len);
            dict_add_terms(slice_of(name, name_len), &t, 1);
            xfree(term);
        }
        xfree(name);
    }
    return RDB_OK;
}

static void dict_reset(void) {
    if (dicts) dict_clear(dicts, free_terms);
}

static const PersistGlobalOps dict_persist = {
    "scdtype00",   1,          PERSIST_GLOBAL_AFTER_KEYS, dict_aof_rewrite, dict_rdb_write,
    dict_rdb_read, dict_reset,
};

/* ---- registration ----------------------------------------------------------- */

const Command ftdict_commands[] = {
    {"ft.dictadd", cmd_ft_dictadd, -3, CMD_WRITE | CMD_DENYOOM, "@write @search @slow", 0, 0, 0,
     NULL},
    {"ft.dictdel", cmd_ft_dictdel, -3, CMD_WRITE, "@write @search @slow", 0, 0, 0, NULL},
    {"ft.dictdump", cmd_ft_dictdump, 2, CMD_READONLY, "@read @search @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

void ftdict_cmd_init(void);
void ftdict_cmd_init(void) {
    persist_register_global(&dict_persist);
}
