/*
 * hash_import.c - HIMPORT (Redis 8.10): bulk creation of hashes that share
 * one set of field names. A connection names an ordered list of fields once
 * (HIMPORT PREPARE name field...) and then creates each hash by sending only
 * the values (HIMPORT SET key name value...), which pairs them with the
 * fields by position. DISCARD and DISCARDALL drop fieldsets.
 *
 * Where fieldsets live. On the connection, as in Redis: another connection
 * does not see them; RESET and the connection's end free them; the client a
 * script runs its commands on drops them after every EVAL / FCALL, so two
 * invocations never share one. Per client: a dict from the fieldset's name
 * (any bytes, the empty string included) to a Fieldset, one allocation each
 * (header, field views, sort order, the field bytes). Their bytes count in
 * the client's tot-mem (CLIENT LIST / CLIENT INFO), as Redis counts them. No
 * limit on their number: Redis has none; the client's memory is what bounds
 * it.
 *
 * What a key holds. HIMPORT SET replaces key (and its TTL) with a new hash
 * of exactly the fieldset's fields, as Redis does; WRONGTYPE when key holds
 * another type, checked before the fieldset is looked up. Redis 8.10 stores
 * such a hash in its "compact hash" encoding (a shared template of the field
 * names, OBJECT ENCODING template-listpack / template-array), whose fields
 * iterate sorted by length, then bytes ("age", "name", "email"). streamd
 * keeps its own hash encodings (OBJECT ENCODING listpack / hashtable) but
 * inserts the fields in that order, so HGETALL, HKEYS and HSCAN of a packed
 * hash answer in Redis's order.
 *
 * Propagation. A replica or the AOF has no fieldsets, so HIMPORT SET goes
 * out self-contained, as Redis sends it: RESTORE key 0 <payload> REPLACE,
 * the payload being what DUMP gives for the new hash (RDB version 10, which
 * Redis 7.0 loads too). PREPARE and DISCARD change no data and are not
 * propagated.
 *
 * Notifications: "hset" on the key (its fields on the subkey channels), and
 * "new" / "overwritten" from the keyspace as for any value set whole.
 *
 * Rejected: a list instead of a dict for a client's fieldsets (Redis
 * documents DISCARD as linear in their number, but a bulk loader with
 * thousands of them would pay that on every SET).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "persist/dumpvalue.h"
#include "server/core.h"
#include "server/dict.h"
#include "types/hashobj.h"

/* One prepared fieldset: n field views (declared order) into the bytes that
 * follow the arrays, and order[i], the declared index of the i-th field in
 * Redis's template order (length, then bytes). */
typedef struct Fieldset {
    uint32_t n;
    size_t mem_bytes; /* the allocation and its dict entry, for the client's tot-mem */
    Slice *fields;
    uint32_t *order;
} Fieldset;

struct HimportState {
    Dict *sets; /* name -> Fieldset */
    size_t mem_bytes;
};

static int field_cmp(Slice a, Slice b) {
    if (a.len != b.len) return a.len < b.len ? -1 : 1;
    return a.len ? memcmp(a.p, b.p, a.len) : 0;
}

/* qsort() has no context argument: the fields being sorted. */
static const Slice *sort_fields;

static int order_cmp(const void *pa, const void *pb) {
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return field_cmp(sort_fields[a], sort_fields[b]);
}

/* Returns an owned fieldset of the n fields (borrowed, copied), or NULL
 * when a name repeats. Free with xfree(). */
static Fieldset *fieldset_new(const Slice *fields, uint32_t n) {
    assert(n >= 1); /* PREPARE's arity */
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) bytes += fields[i].len;
    size_t size = sizeof(Fieldset) + n * sizeof(Slice) + n * sizeof(uint32_t) + bytes;
    Fieldset *fs = xmalloc(size);
    fs->n = n;
    fs->mem_bytes = size;
    fs->fields = (Slice *)(fs + 1);
    fs->order = (uint32_t *)(fs->fields + n);
    char *p = (char *)(fs->order + n);
    for (uint32_t i = 0; i < n; i++) {
        if (fields[i].len) memcpy(p, fields[i].p, fields[i].len);
        fs->fields[i] = slice_of(p, fields[i].len);
        p += fields[i].len;
        fs->order[i] = i;
    }
    sort_fields = fs->fields;
    qsort(fs->order, n, sizeof(uint32_t), order_cmp);
    sort_fields = NULL;
    for (uint32_t i = 1; i < n; i++) {
        if (field_cmp(fs->fields[fs->order[i - 1]], fs->fields[fs->order[i]]) == 0) {
            xfree(fs);
            return NULL;
        }
    }
    return fs;
}

static void fieldset_free(void *ptr) {
    xfree(ptr);
}

static struct HimportState *state_of(Client *c, int create) {
    ClientFull *cf = CF(c);
    if (!cf->himport && create) {
        cf->himport = xcalloc(1, sizeof *cf->himport);
        cf->himport->sets = dict_new();
    }
    return cf->himport;
}

/* Removes the fieldset called name; 1 when there was one. */
static int discard_one(struct HimportState *st, Slice name) {
    if (!st) return 0;
    DictEntry *e = dict_unlink(st->sets, name.p, name.len);
    if (!e) return 0;
    Fieldset *fs = e->val;
    st->mem_bytes -= fs->mem_bytes;
    fieldset_free(fs);
    dict_entry_free(e);
    return 1;
}

/* Frees every fieldset of c (RESET, a closing connection, the end of a
 * script); returns how many there were. */
size_t himport_discard_all(ClientFull *c) {
    struct HimportState *st = c->himport;
    if (!st) return 0;
    size_t n = dict_size(st->sets);
    dict_free(st->sets, fieldset_free);
    xfree(st);
    c->himport = NULL;
    return n;
}

/* Bytes c's fieldsets hold (0 without any), for its tot-mem. */
size_t himport_client_mem(const ClientFull *c) {
    return c->himport ? sizeof *c->himport + c->himport->mem_bytes : 0;
}

/* HIMPORT PREPARE fieldset-name field [field ...] */
static void cmd_himport_prepare(Client *c) {
    Slice name = c->argv[2];
    Fieldset *fs = fieldset_new(&c->argv[3], (uint32_t)(c->argc - 3));
    if (!fs) {
        reply_error(c, "ERR duplicate field name in fieldset");
        return;
    }
    struct HimportState *st = state_of(c, 1);
    discard_one(st, name);
    fs->mem_bytes += sizeof(DictEntry) + name.len + 1; /* its entry in the dict */
    dict_add(st->sets, name.p, name.len, fs);
    st->mem_bytes += fs->mem_bytes;
    reply_ok(c);
}

/* RESTORE key 0 <DUMP of o> REPLACE: what a replica or the AOF replays. */
static void propagate_restore(Client *c, Slice key, const Obj *o) {
    Buf payload = {0};
    dump_value(o, now_ms(), &payload);
    Slice argv[5] = {slice_cstr("RESTORE"), key, slice_cstr("0"),
                     slice_of(buf_data(&payload), buf_live(&payload)), slice_cstr("REPLACE")};
    propagate(c, 5, argv);
    buf_free(&payload);
}

/* HIMPORT SET key fieldset-name value [value ...] */
static void cmd_himport_set(Client *c) {
    Slice key = c->argv[2];
    Obj *old = db_lookup_write(c->db, key);
    if (old && old->type != OBJ_HASH) {
        reply_wrongtype(c);
        return;
    }
    struct HimportState *st = state_of(c, 0);
    DictEntry *e = st ? dict_find(st->sets, c->argv[3].p, c->argv[3].len) : NULL;
    if (!e) {
        reply_error(c, "ERR no such fieldset");
        return;
    }
    Fieldset *fs = e->val;
    if ((size_t)(c->argc - 4) != fs->n) {
        reply_error(c, "ERR value count does not match fieldset field count");
        return;
    }
    HashLimits lim;
    lim.max_entries = (uint64_t)settings.hash_max_listpack_entries;
    lim.max_value = (uint64_t)settings.hash_max_listpack_value;
    HashObj *h = hashobj_new();
    for (uint32_t i = 0; i < fs->n; i++) {
        uint32_t at = fs->order[i];
        hashobj_set(&h, fs->fields[at], c->argv[4 + at], &lim);
    }
    Obj *o = obj_new(OBJ_HASH, h);
    db_set(c->db, key, o, 0); /* one change (server.dirty), as the replayed RESTORE counts */
    int dbid = db_index(c->db);
    if (notify_wants_subkeys(NOTIFY_HASH)) {
        Slice *sub = xmalloc(fs->n * sizeof(Slice));
        for (uint32_t i = 0; i < fs->n; i++) sub[i] = fs->fields[fs->order[i]];
        notify_keyspace_event_subkeys(NOTIFY_HASH, "hset", key, dbid, sub, fs->n);
        xfree(sub);
    } else {
        notify_keyspace_event(NOTIFY_HASH, "hset", key, dbid);
    }
    if (propagate_is_active()) propagate_restore(c, key, o);
    reply_ok(c);
}

/* HIMPORT DISCARD fieldset-name */
static void cmd_himport_discard(Client *c) {
    struct HimportState *st = state_of(c, 0);
    int removed = discard_one(st, c->argv[2]);
    if (removed && dict_size(st->sets) == 0) himport_discard_all(CF(c)); /* the dict goes too */
    reply_int(c, removed);
}

/* HIMPORT DISCARDALL */
static void cmd_himport_discardall(Client *c) {
    reply_int(c, (long long)himport_discard_all(CF(c)));
}

static const Command himport_subcommands[] = {
    {"prepare", cmd_himport_prepare, -4, CMD_DENYOOM, "@hash @slow", 0, 0, 0, NULL},
    {"set", cmd_himport_set, -5, CMD_WRITE | CMD_DENYOOM, "@write @hash @slow", 2, 2, 1, NULL},
    {"discard", cmd_himport_discard, 3, 0, "@hash @slow", 0, 0, 0, NULL},
    {"discardall", cmd_himport_discardall, 2, 0, "@hash @slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command hash_import_commands[] = {
    {"himport", NULL, -2, 0, "@hash @slow", 0, 0, 0, himport_subcommands},
    END_OF_COMMANDS,
};
