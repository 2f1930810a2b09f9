/*
 * rdbmodule.h - the RDB layout of a module value (RDB type 7, MODULE_2), for
 * the types Redis 8 keeps in modules (JSON, the probabilistic types, time
 * series).
 *
 * A module value is the module id (an RDB length of 64 bits: nine name
 * characters of six bits each, then a ten-bit encoding version), then the
 * module's fields, each an RDB length holding its opcode and then the field,
 * then the EOF opcode:
 *
 *   1 signed integer     an RDB length holding the two's complement bits
 *   2 unsigned integer   an RDB length
 *   3 float              4 bytes, little-endian IEEE 754
 *   4 double             8 bytes, little-endian IEEE 754
 *   5 string             an RDB string
 *   0 EOF
 *
 * dumpvalue.c writes the id and the EOF around a registered module type's
 * rdb_write() and checks them around its rdb_read(); the types write and
 * read their fields with the functions below.
 */
#ifndef STREAMD_PERSIST_RDBMODULE_H
#define STREAMD_PERSIST_RDBMODULE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "persist/rdbcodec.h"

enum {
    RDBM_EOF = 0,
    RDBM_SINT = 1,
    RDBM_UINT = 2,
    RDBM_FLOAT = 3,
    RDBM_DOUBLE = 4,
    RDBM_STRING = 5,
};

#define RDBM_ENCVER_MAX 1023

/* The module id of a nine-character type name (letters, digits, '-', '_')
 * and an encoding version (0..1023); 0 for a name outside that alphabet. */
uint64_t rdbm_module_id(const char *name, int encver);
/* The name (NUL-terminated, ten bytes) and encoding version of an id. */
void rdbm_id_split(uint64_t id, char name[10], int *encver);

void rdbm_put_sint(Buf *b, int64_t v);
void rdbm_put_uint(Buf *b, uint64_t v);
void rdbm_put_float(Buf *b, float v);
void rdbm_put_double(Buf *b, double v);
void rdbm_put_string(Buf *b, const void *p, size_t len);

/* Each reads one field of its kind: RDB_OK, or RDB_ERR for another opcode,
 * a truncated field or (strings) one longer than max_len. */
int rdbm_get_sint(RdbReader *r, int64_t *out);
int rdbm_get_uint(RdbReader *r, uint64_t *out);
int rdbm_get_float(RdbReader *r, float *out);
int rdbm_get_double(RdbReader *r, double *out);
/* An owned copy (xfree), NUL-terminated past *out_len. */
int rdbm_get_string(RdbReader *r, size_t max_len, char **out, size_t *out_len);
/* A view into r's bytes, or into scratch when the string was compressed. */
int rdbm_get_string_view(RdbReader *r, size_t max_len, Buf *scratch, const uint8_t **out,
                         size_t *out_len);

#endif
