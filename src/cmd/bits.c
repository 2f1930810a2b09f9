/*
 * bits.c - the bitmap commands: strings read as arrays of bits (SETBIT,
 * GETBIT, BITCOUNT, BITPOS, BITOP) or of packed integers (BITFIELD,
 * BITFIELD_RO), as Redis 7.0 has them.
 *
 * Bit 0 is the most significant bit of byte 0. Past the end a string reads
 * as zeros; a write past the end first grows it with zero bytes, up to
 * proto-max-bulk-len (an offset whose byte is past that limit is refused
 * before anything is allocated). A value a bit command writes is reported
 * "raw" by OBJECT ENCODING, as Redis turns it into a plain buffer to edit it.
 *
 * Ranges (BITCOUNT, BITPOS) are inclusive, negative indexes count from the
 * end, in bytes unless BIT is given; they are clamped the way 7.0 clamps
 * them, so an end before the start selects nothing but an end before the
 * string's start selects its first byte (bit).
 *
 * BITFIELD's overflow policies (WRAP, SAT, FAIL) decide from the same
 * comparisons Redis makes, including where those comparisons overflow for
 * SET of a value close to INT64_MIN (reported as overflowing upwards), so
 * that every reply matches. The writes propagate as the command itself,
 * which replays to the same bytes.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "server/core.h"

#define E_OFFSET "ERR bit offset is not an integer or out of range"

/* A bit offset argument; with bits > 0, "#n" means n * bits (BITFIELD's
 * index form). Refused when negative, when n * bits is past LLONG_MAX
 * (7.0 let the product wrap; Redis 8.10 refuses it, #15433) or when its
 * byte would be past proto-max-bulk-len (except while the AOF loads, which
 * replays what was accepted). 0, or -1 after replying. */
static int get_bit_offset(Client *c, Slice arg, int bits, uint64_t *out) {
    int by_index = bits > 0 && arg.len > 0 && arg.p[0] == '#';
    long long v;
    if (parse_ll(by_index ? slice_of(arg.p + 1, arg.len - 1) : arg, &v) != 0) goto bad;
    if (v < 0) goto bad;
    if (by_index) {
        if (v > LLONG_MAX / bits) goto bad;
        v *= bits;
    }
    if (!server.loading && (v >> 3) >= settings.proto_max_bulk_len) goto bad;
    *out = (uint64_t)v;
    return 0;
bad:
    reply_error(c, E_OFFSET);
    return -1;
}

/* The string at argv[1] for a bit write reaching bit max_bit, created or
 * grown with zeros as needed and marked raw; NULL after replying WRONGTYPE.
 * *created tells whether the key is new (then it is added already), *grown
 * whether it is new or longer than it was. */
static Obj *string_for_bit_write(Client *c, uint64_t max_bit, int *created, int *grown) {
    Slice key = c->argv[1];
    Obj *o = db_lookup_write(c->db, key);
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        return NULL;
    }
    size_t need = (size_t)(max_bit >> 3) + 1;
    *created = !o;
    *grown = !o || o->len < need;
    if (!o) {
        o = obj_new_string("", 0);
        obj_string_grow(o, need);
        o->str_enc = OBJ_STR_RAW;
        db_add(c->db, key, o);
    } else {
        obj_string_grow(o, need);
        o->str_enc = OBJ_STR_RAW;
        db_resized(c->db, o, o->len);
    }
    return o;
}

/* A string's bytes for a read, or NULL (after replying WRONGTYPE when the
 * key holds another type: *replied says which). */
static Obj *string_for_read(Client *c, int *replied) {
    Obj *o = db_lookup_read(c->db, c->argv[1]);
    *replied = 0;
    if (o && o->type != OBJ_STRING) {
        reply_wrongtype(c);
        *replied = 1;
        return NULL;
    }
    return o;
}

/* SETBIT key offset 0|1: replies the bit's old value. */
static void cmd_setbit(Client *c) {
    uint64_t off;
    if (get_bit_offset(c, c->argv[2], 0, &off) != 0) return;
    long long on;
    if (parse_ll(c->argv[3], &on) != 0 || (on & ~1LL)) {
        reply_error(c, "ERR bit is not an integer or out of range");
        return;
    }
    int created, grown;
    Obj *o = string_for_bit_write(c, off, &created, &grown);
    if (!o) return;
    unsigned char *p = (unsigned char *)o->ptr + (off >> 3);
    int shift = 7 - (int)(off & 7);
    int old = (*p >> shift) & 1;
    *p = (unsigned char)((*p & ~(1 << shift)) | ((int)on << shift));
    if (!created) db_signal_key(c->db, c->argv[1]);
    notify_keyspace_event(NOTIFY_STRING, "setbit", c->argv[1], db_index(c->db));
    propagate_argv(c);
    reply_int(c, old);
}

/* GETBIT key offset */
static void cmd_getbit(Client *c) {
    uint64_t off;
    if (get_bit_offset(c, c->argv[2], 0, &off) != 0) return;
    int replied;
    Obj *o = string_for_read(c, &replied);
    if (replied) return;
    int bit = 0;
    if (o && (off >> 3) < o->len)
        bit = (((const unsigned char *)o->ptr)[off >> 3] >> (7 - (off & 7))) & 1;
    reply_int(c, bit);
}

/* A range [start, end] of a value of len bytes (or len * 8 bits when
 * is_bit), clamped as 7.0 clamps it; start > end when it is empty. */
static void clamp_range(long long *start, long long *end, long long len) {
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= len) *end = len - 1;
}

static long long popcount(const unsigned char *p, size_t n) {
    long long count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += __builtin_popcountll(w);
    }
    for (; i < n; i++) count += __builtin_popcount(p[i]);
    return count;
}

/* 1 when s is BIT, 0 when BYTE, -1 after replying a syntax error. */
static int parse_unit(Client *c, Slice s) {
    if (slice_eq_nocase(s, "BIT")) return 1;
    if (slice_eq_nocase(s, "BYTE")) return 0;
    reply_syntax_error(c);
    return -1;
}

/* The mask of the bits of a byte at positions first..last (0 = MSB). */
static unsigned char bit_span(int first, int last) {
    return (unsigned char)((0xFFu >> first) & (0xFFu << (7 - last)));
}

/* BITCOUNT key [start end [BYTE|BIT]]: as 7.0, the key is looked up before
 * the range is read (a missing key answers 0 whatever follows). */
static void cmd_bitcount(Client *c) {
    int replied;
    Obj *o = string_for_read(c, &replied);
    if (replied) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    const unsigned char *p = o->ptr;
    long long len = (long long)o->len, start = 0, end = len - 1;
    int is_bit = 0;
    if (c->argc == 4 || c->argc == 5) {
        if (get_ll_or_reply(c, c->argv[2], &start) != 0) return;
        if (get_ll_or_reply(c, c->argv[3], &end) != 0) return;
        if (start < 0 && end < 0 && start > end) {
            reply_int(c, 0);
            return;
        }
        if (c->argc == 5 && (is_bit = parse_unit(c, c->argv[4])) < 0) return;
        clamp_range(&start, &end, is_bit ? len * 8 : len);
    } else if (c->argc != 2) {
        reply_syntax_error(c);
        return;
    }
    if (start > end) {
        reply_int(c, 0);
        return;
    }
    if (!is_bit) {
        reply_int(c, popcount(p + start, (size_t)(end - start + 1)));
        return;
    }
    long long b0 = start >> 3, b1 = end >> 3;
    long long count;
    if (b0 == b1) {
        count = __builtin_popcount(p[b0] & bit_span((int)(start & 7), (int)(end & 7)));
    } else {
        count = __builtin_popcount(p[b0] & bit_span((int)(start & 7), 7)) +
                popcount(p + b0 + 1, (size_t)(b1 - b0 - 1)) +
                __builtin_popcount(p[b1] & bit_span(0, (int)(end & 7)));
    }
    reply_int(c, count);
}

/* The first bit equal to want in bits [from, to] of p, or -1. */
static long long find_bit(const unsigned char *p, long long from, long long to, int want) {
    long long i = from;
    unsigned char skip = want ? 0x00 : 0xFF; /* a byte with no bit of interest */
    while (i <= to) {
        if ((i & 7) == 0 && i + 7 <= to && p[i >> 3] == skip) {
            i += 8;
            continue;
        }
        if (((p[i >> 3] >> (7 - (i & 7))) & 1) == want) return i;
        i++;
    }
    return -1;
}

/* BITPOS key bit [start [end [BYTE|BIT]]]: the first bit set (or clear) in
 * the range. A missing key is all zeros (0 for a clear bit, -1 for a set
 * one). Looking for a clear bit without an end, a string of ones answers
 * the first bit past it, as if zeros followed; with an end given, -1. */
static void cmd_bitpos(Client *c) {
    long long want;
    if (get_ll_or_reply(c, c->argv[2], &want) != 0) return;
    if (want != 0 && want != 1) {
        reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    int replied;
    Obj *o = string_for_read(c, &replied);
    if (replied) return;
    if (!o) {
        reply_int(c, want ? -1 : 0);
        return;
    }
    const unsigned char *p = o->ptr;
    long long len = (long long)o->len, start = 0, end = len - 1;
    int is_bit = 0, end_given = 0;
    if (c->argc >= 4 && c->argc <= 6) {
        if (get_ll_or_reply(c, c->argv[3], &start) != 0) return;
        if (c->argc == 6 && (is_bit = parse_unit(c, c->argv[5])) < 0) return;
        if (c->argc >= 5) {
            if (get_ll_or_reply(c, c->argv[4], &end) != 0) return;
            end_given = 1;
        } else {
            end = is_bit ? len * 8 - 1 : len - 1;
        }
        clamp_range(&start, &end, is_bit ? len * 8 : len);
    } else if (c->argc != 3) {
        reply_syntax_error(c);
        return;
    }
    if (start > end) {
        reply_int(c, -1);
        return;
    }
    long long from = is_bit ? start : start * 8, to = is_bit ? end : end * 8 + 7;
    long long pos = find_bit(p, from, to, (int)want);
    if (pos < 0 && !want && !end_given) pos = (to | 7) + 1;
    reply_int(c, pos);
}

/* BITOP AND|OR|XOR|NOT|DIFF|DIFF1|ANDOR|ONE dest key [key ...]: dest gets
 * the result, as long as the longest source (shorter ones read as zeros),
 * or is deleted when every source is empty; replies its length. Redis 8.2's
 * operations compare the first source X with the others Y1..Yn: DIFF is
 * X & ~(Y1 | ... | Yn), DIFF1 ~X & (Y1 | ... | Yn), ANDOR X & (Y1 | ... |
 * Yn); ONE keeps the bits set in exactly one source. Those four reach the
 * AOF as the SET (or DEL) of their result, which Redis 7 can replay. */
static void cmd_bitop(Client *c) {
    static const char *const names[] = {"AND", "OR", "XOR", "NOT", "DIFF", "DIFF1", "ANDOR", "ONE"};
    enum { AND, OR, XOR, NOT, DIFF, DIFF1, ANDOR, ONE, N_OPS } kind;
    for (kind = AND; kind < N_OPS; kind++)
        if (slice_eq_nocase(c->argv[1], names[kind])) break;
    if (kind == N_OPS) {
        reply_syntax_error(c);
        return;
    }
    if (kind == NOT && c->argc != 4) {
        reply_error(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    if ((kind == DIFF || kind == DIFF1 || kind == ANDOR) && c->argc < 5) {
        reply_error(c, "ERR BITOP %s must be called with at least two source keys.", names[kind]);
        return;
    }
    int as_set = kind >= DIFF; /* propagated as its result */
    int n = c->argc - 3;
    const Obj **src = xcalloc((size_t)n, sizeof *src);
    size_t max_len = 0;
    for (int j = 0; j < n; j++) {
        Obj *o = db_lookup_read(c->db, c->argv[j + 3]);
        if (o && o->type != OBJ_STRING) {
            reply_wrongtype(c);
            xfree(src);
            return;
        }
        src[j] = o;
        if (o && o->len > max_len) max_len = o->len;
    }
    Slice dest = c->argv[2];
    if (max_len == 0) {
        xfree(src);
        if (db_delete(c->db, dest)) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", dest, db_index(c->db));
            Slice argv[2] = {slice_cstr("DEL"), dest};
            if (as_set)
                propagate(c, 2, argv);
            else
                propagate_argv(c);
        }
        reply_int(c, 0);
        return;
    }
    Obj *res = obj_new_string("", 0);
    unsigned char *out = (unsigned char *)obj_string_grow(res, max_len);
    res->str_enc = OBJ_STR_RAW;
    for (size_t i = 0; i < max_len; i++) {
        unsigned char x = src[0] && i < src[0]->len ? ((const unsigned char *)src[0]->ptr)[i] : 0;
        unsigned char acc = kind == NOT ? (unsigned char)~x : x;
        unsigned char any = 0, seen = x, multi = 0; /* Y1 | ... | Yn; ONE's tallies */
        for (int j = 1; j < n; j++) {
            unsigned char b =
                src[j] && i < src[j]->len ? ((const unsigned char *)src[j]->ptr)[i] : 0;
            if (kind == AND)
                acc &= b;
            else if (kind == OR)
                acc |= b;
            else if (kind == XOR)
                acc ^= b;
            any |= b;
            multi |= seen & b;
            seen |= b;
        }
        if (kind == DIFF)
            acc = x & (unsigned char)~any;
        else if (kind == DIFF1)
            acc = (unsigned char)~x & any;
        else if (kind == ANDOR)
            acc = x & any;
        else if (kind == ONE)
            acc = seen & (unsigned char)~multi;
        out[i] = acc;
    }
    xfree(src);
    db_set(c->db, dest, res, 0);
    notify_keyspace_event(NOTIFY_STRING, "set", dest, db_index(c->db));
    if (as_set) {
        Slice argv[3] = {slice_cstr("SET"), dest, slice_of(res->ptr, max_len)};
        propagate(c, 3, argv);
    } else {
        propagate_argv(c);
    }
    reply_int(c, (long long)max_len);
}

/* ---- BITFIELD --------------------------------------------------------- */

enum { BF_GET, BF_SET, BF_INCRBY };
enum { OV_WRAP, OV_SAT, OV_FAIL };

typedef struct BitfieldOp {
    uint64_t offset;
    int64_t value; /* SET's value, INCRBY's increment */
    int kind, overflow, is_signed, bits;
} BitfieldOp;

/* bits bits at bit offset off of p (which holds them), as unsigned. */
static uint64_t bf_get(const unsigned char *p, uint64_t off, int bits) {
    uint64_t v = 0;
    for (int i = 0; i < bits; i++, off++) v = (v << 1) | ((p[off >> 3] >> (7 - (off & 7))) & 1);
    return v;
}

static void bf_set(unsigned char *p, uint64_t off, int bits, uint64_t v) {
    for (int i = bits - 1; i >= 0; i--, off++) {
        int bit = (int)((v >> i) & 1);
        int shift = 7 - (int)(off & 7);
        p[off >> 3] = (unsigned char)((p[off >> 3] & ~(1 << shift)) | (bit << shift));
    }
}

/* The low bits bits of v as a signed number of that width. */
static int64_t sign_extend(uint64_t v, int bits) {
    if (bits == 64) return (int64_t)v;
    uint64_t high = ~0ULL << bits;
    return (int64_t)(v & (1ULL << (bits - 1)) ? v | high : v & ~high);
}

/* The value of reading a field after value + incr: 0 when it fits, else 1
 * (too big) or -1 (too small) with *out what the policy stores (WRAP: the
 * low bits; SAT: the limit). Redis's comparisons, including for SET's
 * incr 0: see the file comment. */
static int bf_signed(int64_t value, int64_t incr, int bits, int policy, int64_t *out) {
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ULL << (bits - 1)) - 1);
    int64_t min = -max - 1;
    int64_t max_incr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t min_incr = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir = 0;
    if (value > max || (bits != 64 && incr > max_incr) ||
        (value >= 0 && incr > 0 && incr > max_incr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < min_incr) ||
             (value < 0 && incr < 0 && incr < min_incr))
        dir = -1;
    if (dir == 0) return 0;
    if (policy == OV_WRAP)
        *out = sign_extend((uint64_t)value + (uint64_t)incr, bits);
    else if (policy == OV_SAT)
        *out = dir > 0 ? max : min;
    return dir;
}

static int bf_unsigned(uint64_t value, int64_t incr, int bits, int policy, uint64_t *out) {
    uint64_t max = (1ULL << bits) - 1; /* bits <= 63 */
    int64_t max_incr = (int64_t)(max - value);
    int64_t min_incr = -(int64_t)value;
    int dir = 0;
    if (value > max || incr > max_incr)
        dir = 1;
    else if (incr < 0 && incr < min_incr)
        dir = -1;
    if (dir == 0) return 0;
    if (policy == OV_WRAP)
        *out = (value + (uint64_t)incr) & max;
    else if (policy == OV_SAT)
        *out = dir > 0 ? max : 0;
    return dir;
}

/* A type argument: i1..i64 or u1..u63 (lower case, as Redis reads it). */
static int parse_bf_type(Client *c, Slice s, int *is_signed, int *bits) {
    long long n;
    if (s.len < 2 || (s.p[0] != 'i' && s.p[0] != 'u') ||
        parse_ll(slice_of(s.p + 1, s.len - 1), &n) != 0 || n < 1 || n > (s.p[0] == 'i' ? 64 : 63)) {
        reply_error(c, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is "
                       "not supported but i64 is.");
        return -1;
    }
    *is_signed = s.p[0] == 'i';
    *bits = (int)n;
    return 0;
}

/* One operation's reply, executed on the value's bytes p (at least up to the
 * field when it writes); returns 1 when it wrote. */
static int bf_run(Client *c, const BitfieldOp *op, unsigned char *p, size_t len) {
    if (op->kind == BF_GET) {
        /* read through a zero-padded copy of the up to 9 bytes spanned */
        unsigned char buf[9] = {0};
        uint64_t first = op->offset >> 3;
        for (uint64_t i = 0; i < 9 && p && first + i < len; i++) buf[i] = p[first + i];
        uint64_t v = bf_get(buf, op->offset & 7, op->bits);
        reply_int(c, op->is_signed ? sign_extend(v, op->bits) : (long long)v);
        return 0;
    }
    uint64_t raw = bf_get(p, op->offset, op->bits);
    int overflow;
    long long reply;
    uint64_t store;
    if (op->is_signed) {
        int64_t old = sign_extend(raw, op->bits), nv, limited = 0;
        if (op->kind == BF_INCRBY) {
            overflow = bf_signed(old, op->value, op->bits, op->overflow, &limited);
            nv = overflow ? limited : (int64_t)((uint64_t)old + (uint64_t)op->value);
            reply = nv;
        } else {
            overflow = bf_signed(op->value, 0, op->bits, op->overflow, &limited);
            nv = overflow ? limited : op->value;
            reply = old;
        }
        store = (uint64_t)nv;
    } else {
        uint64_t nv, limited = 0;
        if (op->kind == BF_INCRBY) {
            overflow = bf_unsigned(raw, op->value, op->bits, op->overflow, &limited);
            nv = overflow ? limited : raw + (uint64_t)op->value;
            reply = (long long)nv;
        } else {
            overflow = bf_unsigned((uint64_t)op->value, 0, op->bits, op->overflow, &limited);
            nv = overflow ? limited : (uint64_t)op->value;
            reply = (long long)raw;
        }
        store = nv;
    }
    if (overflow && op->overflow == OV_FAIL) {
        reply_null(c);
        return 0;
    }
    bf_set(p, op->offset, op->bits, store);
    reply_int(c, reply);
    return 1;
}

/* BITFIELD key [GET type offset] [SET type offset value] [INCRBY type
 * offset incr] [OVERFLOW WRAP|SAT|FAIL] ...: every argument is checked
 * before anything runs; OVERFLOW applies to the SET/INCRBY after it. With a
 * write, the key is created or grown up to the highest field written even
 * when OVERFLOW FAIL then stops the write, as in Redis, which then notifies
 * nothing; unlike Redis (which leaves the AOF without the new bytes) the
 * command still propagates, so a replay gives the same value. */
static void bitfield(Client *c, int read_only) {
    BitfieldOp *ops = xcalloc((size_t)c->argc, sizeof *ops);
    int n_ops = 0, policy = OV_WRAP, has_write = 0;
    uint64_t max_bit = 0;
    for (int j = 2; j < c->argc; j++) {
        Slice sub = c->argv[j];
        int left = c->argc - j - 1;
        BitfieldOp op = {0};
        if (slice_eq_nocase(sub, "GET") && left >= 2) {
            op.kind = BF_GET;
        } else if (slice_eq_nocase(sub, "SET") && left >= 3) {
            op.kind = BF_SET;
        } else if (slice_eq_nocase(sub, "INCRBY") && left >= 3) {
            op.kind = BF_INCRBY;
        } else if (slice_eq_nocase(sub, "OVERFLOW") && left >= 1) {
            Slice how = c->argv[++j];
            if (slice_eq_nocase(how, "WRAP")) {
                policy = OV_WRAP;
            } else if (slice_eq_nocase(how, "SAT")) {
                policy = OV_SAT;
            } else if (slice_eq_nocase(how, "FAIL")) {
                policy = OV_FAIL;
            } else {
                reply_error(c, "ERR Invalid OVERFLOW type specified");
                goto done;
            }
            continue;
        } else {
            reply_syntax_error(c);
            goto done;
        }
        if (parse_bf_type(c, c->argv[j + 1], &op.is_signed, &op.bits) != 0) goto done;
        if (get_bit_offset(c, c->argv[j + 2], op.bits, &op.offset) != 0) goto done;
        if (op.kind != BF_GET) {
            has_write = 1;
            if (op.offset + (uint64_t)op.bits - 1 > max_bit)
                max_bit = op.offset + (uint64_t)op.bits - 1;
            long long v;
            if (get_ll_or_reply(c, c->argv[j + 3], &v) != 0) goto done;
            op.value = v;
        }
        op.overflow = policy;
        ops[n_ops++] = op;
        j += op.kind == BF_GET ? 2 : 3;
    }
    Obj *o;
    int created = 0, grown = 0, n_changes = 0;
    if (!has_write) {
        int replied;
        o = string_for_read(c, &replied);
        if (replied) goto done;
    } else {
        if (read_only) {
            reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
            goto done;
        }
        o = string_for_bit_write(c, max_bit, &created, &grown);
        if (!o) goto done;
    }
    reply_array(c, (size_t)n_ops);
    for (int k = 0; k < n_ops; k++)
        n_changes += bf_run(c, &ops[k], o ? (unsigned char *)o->ptr : NULL, o ? o->len : 0);
    if (n_changes) {
        db_signal_key(c->db, c->argv[1]);
        notify_keyspace_event(NOTIFY_STRING, "setbit", c->argv[1], db_index(c->db));
    }
    if (n_changes || grown) propagate_argv(c);
done:
    xfree(ops);
}

static void cmd_bitfield(Client *c) {
    bitfield(c, 0);
}

static void cmd_bitfield_ro(Client *c) {
    bitfield(c, 1);
}

#define W (CMD_WRITE | CMD_DENYOOM)
const Command bit_commands[] = {
    {"setbit", cmd_setbit, 4, W, "@write @bitmap @slow", 1, 1, 1, NULL},
    {"getbit", cmd_getbit, 3, CMD_READONLY | CMD_FAST, "@read @bitmap @fast", 1, 1, 1, NULL},
    {"bitcount", cmd_bitcount, -2, CMD_READONLY, "@read @bitmap @slow", 1, 1, 1, NULL},
    {"bitpos", cmd_bitpos, -3, CMD_READONLY, "@read @bitmap @slow", 1, 1, 1, NULL},
    {"bitop", cmd_bitop, -4, W, "@write @bitmap @slow", 2, -1, 1, NULL},
    {"bitfield", cmd_bitfield, -2, W, "@write @bitmap @slow", 1, 1, 1, NULL},
    {"bitfield_ro", cmd_bitfield_ro, -2, CMD_READONLY | CMD_FAST, "@read @bitmap @fast", 1, 1, 1,
     NULL},
    END_OF_COMMANDS,
};
