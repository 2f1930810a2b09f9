/*
 * globalstate.c - the registry of server-wide state that is not a key, and
 * its module-aux records in RDB files (see globalstate.h for the contract
 * and the layout).
 *
 * A fixed table: a handful of families register once at start-up, the
 * writers walk it in registration order, so a file's records come out in
 * the same order every time.
 */
#include "persist/globalstate.h"

#include <assert.h>
#include <string.h>

#include "persist/rdbmodule.h"

#define MAX_GLOBALS   8
#define OP_MODULE_AUX 0xF7

static const PersistGlobalOps *globals[MAX_GLOBALS];
static int n_globals;

void persist_register_global(const PersistGlobalOps *ops) {
    assert(n_globals < MAX_GLOBALS);
    assert(rdbm_module_id(ops->module_name, ops->encver) != 0);
    assert(ops->when == PERSIST_GLOBAL_BEFORE_KEYS || ops->when == PERSIST_GLOBAL_AFTER_KEYS);
    for (int i = 0; i < n_globals; i++)
        if (globals[i] == ops) return; /* registered twice (unit tests): once is enough */
    globals[n_globals++] = ops;
}

void persist_globals_aof_rewrite(int when, PersistEmitFn emit, void *priv) {
    for (int i = 0; i < n_globals; i++)
        if (globals[i]->when == when && globals[i]->aof_rewrite)
            globals[i]->aof_rewrite(emit, priv);
}

void persist_globals_rdb_write(int when, Buf *out) {
    Buf fields;
    buf_init(&fields);
    for (int i = 0; i < n_globals; i++) {
        const PersistGlobalOps *g = globals[i];
        if (g->when != when || !g->rdb_write) continue;
        buf_clear(&fields);
        /* Like Redis's aux_save2: a module with nothing to say writes no record. */
        if (!g->rdb_write(&fields)) continue;
        buf_append_char(out, (char)OP_MODULE_AUX);
        rdb_write_len(out, rdbm_module_id(g->module_name, g->encver));
        rdb_write_len(out, RDBM_UINT);
        rdb_write_len(out, (uint64_t)when);
        buf_append(out, buf_data(&fields), buf_live(&fields));
        rdb_write_len(out, RDBM_EOF);
    }
    buf_free(&fields);
}

int persist_globals_rdb_read(RdbReader *r, char name[10]) {
    uint64_t id, when_op, when, eof;
    name[0] = '\0';
    if (rdb_read_len(r, &id) != RDB_OK) return RDB_ERR;
    int encver;
    rdbm_id_split(id, name, &encver);
    if (rdb_read_len(r, &when_op) != RDB_OK || when_op != RDBM_UINT ||
        rdb_read_len(r, &when) != RDB_OK)
        return RDB_ERR;
    const PersistGlobalOps *g = NULL;
    for (int i = 0; i < n_globals && !g; i++)
        if (strcmp(globals[i]->module_name, name) == 0) g = globals[i];
    if (!g) return 1;
    /* A record written before the keys by a module that only saves after
     * them (Redis's aux_save without aux_save2) holds no fields: nothing to
     * read but its EOF. */
    if (when == (uint64_t)g->when && g->rdb_read(r, encver) != RDB_OK) return RDB_ERR;
    if (rdb_read_len(r, &eof) != RDB_OK || eof != RDBM_EOF) return RDB_ERR;
    return RDB_OK;
}

void persist_globals_reset(void) {
    for (int i = 0; i < n_globals; i++)
        if (globals[i]->reset) globals[i]->reset();
}
