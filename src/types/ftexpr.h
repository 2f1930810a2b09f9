/*
 * ftexpr.h - the expression language of the query engine's APPLY and FILTER
 * steps (FT.AGGREGATE) and of FT.CREATE's FILTER: literals, @field
 * references, arithmetic, comparisons, logic and RediSearch's functions
 * (string, math, time, geo). See ftexpr.c.
 */
#ifndef STREAMD_TYPES_FTEXPR_H
#define STREAMD_TYPES_FTEXPR_H

#include <stddef.h>

/* A value of the pipeline: null, a number, a string, or an array (what
 * split() returns), or a map (an element of the COLLECT reducer's list:
 * arr holds len values, names and values alternating). A value owns its
 * bytes and elements. */
typedef enum FtValType { FTV_NULL = 0, FTV_NUM, FTV_STR, FTV_ARR, FTV_MAP } FtValType;

typedef struct FtVal {
    FtValType type;
    double num;        /* FTV_NUM */
    char *str;         /* FTV_STR: owned, NUL-terminated, len bytes */
    size_t len;        /* FTV_STR: bytes; FTV_ARR/FTV_MAP: elements */
    struct FtVal *arr; /* FTV_ARR/FTV_MAP: owned array of len values */
} FtVal;

/* Constructors: the string one copies p[0..len). */
FtVal ftval_null(void);
FtVal ftval_num(double d);
FtVal ftval_str(const char *p, size_t len);
/* Frees what v owns and leaves it null. */
void ftval_free(FtVal *v);
/* A deep copy of src into *dst (which owns nothing yet). */
void ftval_copy(FtVal *dst, const FtVal *src);
/* The truth of a value as FILTER sees it. */
int ftval_truthy(const FtVal *v);
/* A value as a number: numbers as they are, strings parsed as a whole
 * (strtod rules); 0 and *out set, or -1 when it is not a number. */
int ftval_to_num(const FtVal *v, double *out);
/* Formats a number the way RediSearch writes it into replies (integers
 * without a fraction, else %.12g); dst has room for 32 bytes;
 * returns the length. */
size_t ftval_fmt_num(double d, char *dst);

/* Looks a field up for a row: 0 with *out set (owned by the caller) when
 * the row has it, 1 when it is missing (null); -1 when the name is not known
 * at all, which fails the evaluation with RediSearch's "not loaded" error. */
typedef int (*FtExprLookup)(void *opaque, const char *name, size_t len, FtVal *out);

typedef struct FtExpr FtExpr;

/* Parses src[0..len); returns an owned expression (ftexpr_free), or NULL
 * with *err an owned message (xfree) in RediSearch's words. */
FtExpr *ftexpr_parse(const char *src, size_t len, char **err);
void ftexpr_free(FtExpr *e);
/* Calls fn once per @field reference (in order, duplicates included);
 * name is borrowed from e. */
void ftexpr_fields(const FtExpr *e, void (*fn)(void *opaque, const char *name, size_t len),
                   void *opaque);
/* Evaluates e for one row; 0 with *out set (owned), or -1 with *err an
 * owned message. */
int ftexpr_eval(const FtExpr *e, FtExprLookup lookup, void *opaque, FtVal *out, char **err);

#endif
