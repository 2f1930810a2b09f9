/*
 * rdbmodule.c - module ids and the opcode-tagged fields of a module value
 * (see rdbmodule.h).
 */
#include "persist/rdbmodule.h"

#include <string.h>

#include "base/bytes.h"

static const char id_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t rdbm_module_id(const char *name, int encver) {
    if (strlen(name) != 9 || encver < 0 || encver > RDBM_ENCVER_MAX) return 0;
    uint64_t id = 0;
    for (int i = 0; i < 9; i++) {
        const char *at = name[i] ? strchr(id_alphabet, name[i]) : NULL;
        if (!at) return 0;
        id = id << 6 | (uint64_t)(at - id_alphabet);
    }
    return id << 10 | (uint64_t)encver;
}

void rdbm_id_split(uint64_t id, char name[10], int *encver) {
    *encver = (int)(id & RDBM_ENCVER_MAX);
    id >>= 10;
    for (int i = 8; i >= 0; i--) {
        name[i] = id_alphabet[id & 63];
        id >>= 6;
    }
    name[9] = '\0';
}

void rdbm_put_sint(Buf *b, int64_t v) {
    rdb_write_len(b, RDBM_SINT);
    rdb_write_len(b, (uint64_t)v);
}

void rdbm_put_uint(Buf *b, uint64_t v) {
    rdb_write_len(b, RDBM_UINT);
    rdb_write_len(b, v);
}

void rdbm_put_float(Buf *b, float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint8_t le[4];
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(bits >> (8 * i));
    rdb_write_len(b, RDBM_FLOAT);
    buf_append(b, le, 4);
}

void rdbm_put_double(Buf *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(bits >> (8 * i));
    rdb_write_len(b, RDBM_DOUBLE);
    buf_append(b, le, 8);
}

void rdbm_put_string(Buf *b, const void *p, size_t len) {
    rdb_write_len(b, RDBM_STRING);
    rdb_write_string(b, p, len);
}

static int expect_opcode(RdbReader *r, uint64_t op) {
    uint64_t got;
    if (rdb_read_len(r, &got) != RDB_OK || got != op) return RDB_ERR;
    return RDB_OK;
}

int rdbm_get_sint(RdbReader *r, int64_t *out) {
    uint64_t v;
    if (expect_opcode(r, RDBM_SINT) != RDB_OK || rdb_read_len(r, &v) != RDB_OK) return RDB_ERR;
    *out = (int64_t)v;
    return RDB_OK;
}

int rdbm_get_uint(RdbReader *r, uint64_t *out) {
    if (expect_opcode(r, RDBM_UINT) != RDB_OK) return RDB_ERR;
    return rdb_read_len(r, out);
}

int rdbm_get_float(RdbReader *r, float *out) {
    const uint8_t *p;
    if (expect_opcode(r, RDBM_FLOAT) != RDB_OK || rdb_read_raw(r, 4, &p) != RDB_OK) return RDB_ERR;
    uint32_t bits = (uint32_t)bytes_le32(p);
    memcpy(out, &bits, 4);
    return RDB_OK;
}

int rdbm_get_double(RdbReader *r, double *out) {
    const uint8_t *p;
    if (expect_opcode(r, RDBM_DOUBLE) != RDB_OK || rdb_read_raw(r, 8, &p) != RDB_OK) return RDB_ERR;
    uint64_t bits = bytes_le64(p);
    memcpy(out, &bits, 8);
    return RDB_OK;
}

int rdbm_get_string(RdbReader *r, size_t max_len, char **out, size_t *out_len) {
    if (expect_opcode(r, RDBM_STRING) != RDB_OK) return RDB_ERR;
    return rdb_read_string(r, max_len, out, out_len);
}

int rdbm_get_string_view(RdbReader *r, size_t max_len, Buf *scratch, const uint8_t **out,
                         size_t *out_len) {
    if (expect_opcode(r, RDBM_STRING) != RDB_OK) return RDB_ERR;
    return rdb_read_string_view(r, max_len, scratch, out, out_len);
}
