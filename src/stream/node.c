/*
 * node.c - the byte format of a stream node: its master section and entries.
 *
 * A node's data[] is a master section followed by entries:
 *
 *   master:  | n_fields (varint) | field_1 (str) | ref_1 (zigzag varint) | ... |
 *
 *   entry:   | hdr (1) | id delta | [n_fields varint] | body | backlen |
 *
 *   hdr bits:  0 deleted, 1 same fields, 2-3 ID mode, 4-7 field count (15: a
 *              varint with count-15 follows the ID delta; unused when same)
 *   ID delta against the previous entry of the node (the first entry of a
 *   node has none: its ID is the node's first_id):
 *     mode 0  same ms, seq + 1                  (no bytes)
 *     mode 1  same ms, seq + 2 + a              (varint a)
 *     mode 2  ms + 1 + a, seq + unzigzag(b)     (varint a, varint b; modulo 2^64)
 *     mode 3  ms + 1 + a, same seq              (varint a)
 *   body:     same fields: value_1 ... value_N  (names are the master's)
 *             otherwise:   field_1 value_1 ... field_N value_N
 *   backlen:  the byte length of hdr..body as a varint stored back to front
 *             (the last byte holds the low 7 bits, 0x80 = more bytes before),
 *             so the entry before any offset can be found going backwards.
 *
 *   value:  0xxxxxxx           integer ref + x - 16
 *           10llllll ...       string, length 0-63
 *           110dsnnn m[n+1]    integer t = s ? ~m : m (m little-endian);
 *                              value = d ? ref + t : t
 *           1110llll l ...     string, length 64-4095 (12-bit length)
 *           11110000 l[4] ...  string, 32-bit little-endian length
 *   A husk (stream.c's compaction) is a deleted entry with no fields: hdr
 *   0x01 plus its ID delta and back-length.
 *   Field names always use the string forms. `ref` is the master's reference
 *   value for the field in same-fields entries and 0 otherwise; the master's
 *   reference is the node's first entry's value when that is an integer, so
 *   counters and small numbers usually take one byte. Only text that reads
 *   back identically ("canonical" decimal: no sign '+', no leading zeros, no
 *   "-0", within int64) is stored as an integer.
 *
 * Rejected: Redis's listpack with an element header and back-length per field
 * (about 2 extra bytes per element) and IDs relative to the master ID (whose
 * ms delta grows across the node); deltas to the previous entry plus one
 * back-length per entry are smaller and still walk both ways.
 *
 * Nodes are built only by this code, so decoding asserts instead of checking.
 */
#include <assert.h>
#include <string.h>

#include "stream/stream_int.h"

/* ---- varints ------------------------------------------------------------- */

static inline size_t vlen(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *vput(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline const uint8_t *vget(const uint8_t *p, uint64_t *out) {
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = *p++;
        assert(shift < 64);
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *out = v;
    return p;
}

static inline uint64_t zigzag(int64_t v) {
    uint64_t u = (uint64_t)v << 1;
    return v < 0 ? ~u : u;
}

static inline int64_t unzigzag(uint64_t u) {
    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

/* Wrapping difference a - b, viewed as signed. */
static inline int64_t wrap_sub(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t wrap_add(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* ---- canonical integers ---------------------------------------------------- */

/* Returns 0 and sets *out when s is an integer written exactly as it would be
 * printed back; -1 otherwise. Borrows s. */
int stream__parse_i64(const char *s, size_t len, int64_t *out) {
    if (len == 0 || len > 20) return -1;
    size_t i = 0;
    int is_neg = 0;
    if (s[0] == '-') {
        if (len == 1) return -1;
        is_neg = 1;
        i = 1;
    }
    if (s[i] == '0' && (len - i > 1 || is_neg)) return -1; /* leading zero, "-0" */
    uint64_t v = 0;
    /* Nineteen digits cannot overflow 64 bits: only a 20-digit value needs
     * the check, on its last digit. */
    size_t safe = len - i < 19 ? len : i + 19;
    for (; i < safe; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return -1;
        v = v * 10 + d;
    }
    if (i < len) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (is_neg) {
        if (v > (uint64_t)INT64_MAX + 1) return -1;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return -1;
        *out = (int64_t)v;
    }
    return 0;
}

/* Writes v in decimal (no NUL) into buf (>= 20 bytes); returns the length. */
size_t stream__fmt_i64(int64_t v, char *buf) {
    if (v >= 0) return stream_fmt_u64((uint64_t)v, buf);
    buf[0] = '-';
    return 1 + stream_fmt_u64(0 - (uint64_t)v, buf + 1);
}

/* ---- strings ------------------------------------------------------------- */

static inline size_t str_size(size_t len) {
    return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

static uint8_t *str_put(uint8_t *p, const char *s, size_t len) {
    if (len < 64) {
        *p++ = (uint8_t)(0x80 | len);
    } else if (len < 4096) {
        *p++ = (uint8_t)(0xE0 | (len >> 8));
        *p++ = (uint8_t)(len & 0xff);
    } else {
        assert(len <= UINT32_MAX);
        *p++ = 0xF0;
        for (int i = 0; i < 4; i++) *p++ = (uint8_t)(len >> (8 * i));
    }
    if (len) memcpy(p, s, len);
    return p + len;
}

static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads a string element at p into *out (a view into the node); returns the
 * byte after it. Inline here for the loops of this file (matching an XADD's
 * fields against a master runs it per field); stream__field_get() is the
 * same for the other files. */
static inline __attribute__((always_inline)) const uint8_t *field_get(const uint8_t *p,
                                                                      Slice *out) {
    uint8_t t = *p;
    size_t len;
    if ((t & 0xC0) == 0x80) {
        len = t & 0x3f;
        p += 1;
    } else if ((t & 0xF0) == 0xE0) {
        len = (size_t)(t & 0x0f) << 8 | p[1];
        p += 2;
    } else {
        assert(t == 0xF0);
        len = le32(p + 1);
        p += 5;
    }
    *out = slice_of((const char *)p, len);
    return p + len;
}

const uint8_t *stream__field_get(const uint8_t *p, Slice *out) {
    return field_get(p, out);
}

/* Reads one master field (a view into the node) and its reference value. */
static inline __attribute__((always_inline)) const uint8_t *
master_next(const uint8_t *p, Slice *field, int64_t *ref) {
    uint64_t z;
    p = field_get(p, field);
    p = vget(p, &z);
    *ref = unzigzag(z);
    return p;
}

/* ---- values -------------------------------------------------------------- */

#define SMALL_BIAS 16 /* the one-byte form covers ref-16 .. ref+111 */

static inline unsigned mag_bytes(int64_t t) {
    uint64_t m = t < 0 ? ~(uint64_t)t : (uint64_t)t;
    unsigned n = 1;
    while (n < 8 && (m >> (8 * n))) n++;
    return n;
}

/* How integer v is stored against ref: returns the encoded size and sets the
 * tag and the stored offset t (value = tag's d ? ref + t : t). */
static size_t int_plan(int64_t v, int64_t ref, uint8_t *tag, int64_t *t) {
    int64_t rel = wrap_sub(v, ref);
    if (rel >= -SMALL_BIAS && rel <= 127 - SMALL_BIAS) {
        *tag = (uint8_t)(rel + SMALL_BIAS);
        *t = rel;
        return 1;
    }
    unsigned nb_abs = mag_bytes(v);
    unsigned nb_rel = ref != 0 ? mag_bytes(rel) : 9;
    int is_rel = nb_rel < nb_abs;
    int64_t x = is_rel ? rel : v;
    unsigned nb = is_rel ? nb_rel : nb_abs;
    *tag = (uint8_t)(0xC0 | (is_rel ? 0x10 : 0) | (x < 0 ? 0x08 : 0) | (nb - 1));
    *t = x;
    return 1 + nb;
}

/* Bytes of the text of v in decimal. */
size_t stream__i64_text_len(int64_t v) {
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0 ? 2 : 1;
    while (m >= 10) {
        m /= 10;
        n++;
    }
    return n;
}

static size_t value_size(const StreamVal *v, int64_t ref) {
    int64_t t;
    uint8_t tag;
    if (v->is_int) return int_plan(v->i, ref, &tag, &t);
    return str_size(v->s.len);
}

static uint8_t *value_put(uint8_t *p, const StreamVal *v, int64_t ref) {
    int64_t t;
    uint8_t tag;
    if (!v->is_int) return str_put(p, v->s.p, v->s.len);
    size_t n = int_plan(v->i, ref, &tag, &t);
    *p++ = tag;
    if (n > 1) {
        uint64_t m = t < 0 ? ~(uint64_t)t : (uint64_t)t;
        for (size_t i = 0; i < n - 1; i++) *p++ = (uint8_t)(m >> (8 * i));
    }
    return p;
}

/* Decodes the value at p into *out: a view into the node for strings, or the
 * text of an integer written into ibuf (>= 20 bytes). Returns the byte after
 * the value. */
const uint8_t *stream__value_get(const uint8_t *p, int64_t ref, char *ibuf, Slice *out) {
    uint8_t t = *p;
    int64_t v;
    if (t < 0x80) {
        v = wrap_add(ref, (int64_t)t - SMALL_BIAS);
        p += 1;
    } else if ((t & 0xE0) == 0xC0) {
        unsigned nb = (t & 7u) + 1;
        uint64_t m = 0;
        for (unsigned i = 0; i < nb; i++) m |= (uint64_t)p[1 + i] << (8 * i);
        int64_t x = (t & 0x08) ? (int64_t)~m : (int64_t)m;
        v = (t & 0x10) ? wrap_add(ref, x) : x;
        p += 1 + nb;
    } else {
        return field_get(p, out);
    }
    *out = slice_of(ibuf, stream__fmt_i64(v, ibuf));
    return p;
}

/* Decodes the value at p as stored (no text for an integer); a string is a
 * view into the node. Returns the byte after the value. */
const uint8_t *stream__value_get_val(const uint8_t *p, int64_t ref, StreamVal *out) {
    uint8_t t = *p;
    if (t < 0x80) {
        out->is_int = 1;
        out->i = wrap_add(ref, (int64_t)t - SMALL_BIAS);
        return p + 1;
    }
    if ((t & 0xE0) == 0xC0) {
        unsigned nb = (t & 7u) + 1;
        uint64_t m = 0;
        for (unsigned i = 0; i < nb; i++) m |= (uint64_t)p[1 + i] << (8 * i);
        int64_t x = (t & 0x08) ? (int64_t)~m : (int64_t)m;
        out->is_int = 1;
        out->i = (t & 0x10) ? wrap_add(ref, x) : x;
        return p + 1 + nb;
    }
    out->is_int = 0;
    return field_get(p, &out->s);
}

/* Reads n pairs of an entry body at vp into f (names views into the node,
 * values in node form): values only, names from the master section at mp,
 * when is_same; else name/value pairs. Returns the byte after them. One
 * call per entry lets the element readers above inline. */
const uint8_t *stream__entry_vals(const uint8_t *vp, const uint8_t *mp, int is_same, uint32_t n,
                                  StreamField *f) {
    if (is_same) {
        for (uint32_t i = 0; i < n; i++) {
            int64_t ref;
            mp = master_next(mp, &f[i].name, &ref);
            vp = stream__value_get_val(vp, ref, &f[i].val);
        }
    } else {
        for (uint32_t i = 0; i < n; i++) {
            vp = field_get(vp, &f[i].name);
            vp = stream__value_get_val(vp, 0, &f[i].val);
        }
    }
    return vp;
}

/* Returns the byte after the value or string element at p. */
const uint8_t *stream__value_skip(const uint8_t *p) {
    uint8_t t = *p;
    if (t < 0x80) return p + 1;
    if (t < 0xC0) return p + 1 + (t & 0x3f);
    if (t < 0xE0) return p + 2 + (t & 7);
    if (t < 0xF0) return p + 2 + ((size_t)(t & 0x0f) << 8 | p[1]);
    assert(t == 0xF0);
    return p + 5 + le32(p + 1);
}

/* ---- master section ------------------------------------------------------ */

/* Bytes of a master section for these fields. */
size_t stream__master_size(const StreamField *f, size_t n_fields) {
    size_t n = vlen(n_fields);
    for (size_t i = 0; i < n_fields; i++) {
        int64_t ref = f[i].val.is_int ? f[i].val.i : 0;
        n += str_size(f[i].name.len) + vlen(zigzag(ref));
    }
    return n;
}

/* Writes the master section at p; returns the byte after it. Borrows f. */
uint8_t *stream__master_put(uint8_t *p, const StreamField *f, size_t n_fields) {
    p = vput(p, n_fields);
    for (size_t i = 0; i < n_fields; i++) {
        int64_t ref = f[i].val.is_int ? f[i].val.i : 0;
        p = str_put(p, f[i].name.p, f[i].name.len);
        p = vput(p, zigzag(ref));
    }
    return p;
}

/* Returns a pointer to the first master field of n (a view into the node)
 * and sets *n_fields. */
const uint8_t *stream__master_begin(const StreamNode *n, uint32_t *n_fields) {
    uint64_t nf;
    const uint8_t *p = vget(n->data, &nf);
    assert(nf <= UINT32_MAX);
    *n_fields = (uint32_t)nf;
    return p;
}

const uint8_t *stream__master_next(const uint8_t *p, Slice *field, int64_t *ref) {
    return master_next(p, field, ref);
}

/* 1 when f has exactly the master's field names in order, with the master's
 * reference values in refs (n_fields of room) unless refs is NULL. Borrows
 * all. */
int stream__master_match(const StreamNode *n, const StreamField *f, size_t n_fields,
                         int64_t *refs) {
    uint32_t nf;
    const uint8_t *p = stream__master_begin(n, &nf);
    if (nf != n_fields) return 0;
    for (size_t i = 0; i < n_fields; i++) {
        Slice name;
        int64_t ref;
        p = master_next(p, &name, &ref);
        if (!slice_eq(name, f[i].name)) return 0;
        if (refs) refs[i] = ref;
    }
    return 1;
}

/* ---- entries ------------------------------------------------------------- */

/* Plans the ID delta from prev to id: sets the mode and its varints a, b;
 * returns their encoded size. */
static size_t delta_plan(StreamId prev, StreamId id, unsigned *mode, uint64_t *a, uint64_t *b) {
    assert(stream_id_cmp(id, prev) > 0);
    if (id.ms == prev.ms) {
        uint64_t d = id.seq - prev.seq;
        if (d == 1) {
            *mode = 0;
            return 0;
        }
        *mode = 1;
        *a = d - 2;
        return vlen(*a);
    }
    *a = id.ms - prev.ms - 1;
    uint64_t ds = id.seq - prev.seq;
    if (ds == 0) {
        *mode = 3;
        return vlen(*a);
    }
    *mode = 2;
    *b = zigzag((int64_t)ds);
    return vlen(*a) + vlen(*b);
}

static size_t body_size(const StreamNode *n, int is_same, const StreamField *f, size_t n_fields,
                        const int64_t *refs) {
    size_t size = 0;
    if (is_same && refs) {
        for (size_t i = 0; i < n_fields; i++) size += value_size(&f[i].val, refs[i]);
    } else if (is_same) {
        uint32_t nf;
        const uint8_t *m = stream__master_begin(n, &nf);
        assert(nf == n_fields);
        for (size_t i = 0; i < n_fields; i++) {
            Slice name;
            int64_t ref;
            m = master_next(m, &name, &ref);
            size += value_size(&f[i].val, ref);
        }
    } else {
        for (size_t i = 0; i < n_fields; i++)
            size += str_size(f[i].name.len) + value_size(&f[i].val, 0);
    }
    return size;
}

/* Bytes of an entry's header (see header_put). */
static size_t header_size(int is_same, int is_first, StreamId prev, StreamId id, size_t n_fields) {
    size_t size = 1;
    if (!is_first) {
        unsigned mode;
        uint64_t a, b;
        size += delta_plan(prev, id, &mode, &a, &b);
    }
    if (!is_same && n_fields >= 15) size += vlen(n_fields - 15);
    return size;
}

/* Writes an entry's header at start (the header byte, the ID delta from prev
 * unless is_first, the field count when not same-fields); returns where the
 * body goes. */
static uint8_t *header_put(uint8_t *start, int is_deleted, int is_same, int is_first, StreamId prev,
                           StreamId id, size_t n_fields) {
    uint8_t *p = start + 1;
    unsigned mode = 0;
    uint64_t a = 0, b = 0;
    if (!is_first) {
        (void)delta_plan(prev, id, &mode, &a, &b);
        if (mode == 1 || mode == 3) p = vput(p, a);
        if (mode == 2) p = vput(vput(p, a), b);
    }
    unsigned nf_bits = 0;
    if (!is_same) {
        nf_bits = n_fields < 15 ? (unsigned)n_fields : 15;
        if (n_fields >= 15) p = vput(p, n_fields - 15);
    }
    *start = (uint8_t)((is_deleted ? ENTRY_DELETED : 0) | (is_same ? ENTRY_SAME : 0) |
                       mode << ENTRY_MODE_SHIFT | nf_bits << ENTRY_NF_SHIFT);
    return p;
}

/* Writes the back-length of an entry of len bytes (hdr..body) at p, back to
 * front; returns its size. */
static size_t backlen_put(uint8_t *p, size_t len) {
    size_t nb = vlen(len);
    for (size_t i = 0; i < nb; i++)
        p[nb - 1 - i] = (uint8_t)(((len >> (7 * i)) & 0x7f) | (i + 1 < nb ? 0x80 : 0));
    return nb;
}

/* Bytes the entry would take appended to n after an entry with ID prev
 * (is_first: it would be n's first entry). refs: for a same-fields entry,
 * the master's reference values if the caller has them (else NULL: read
 * from n). Borrows f and refs. */
size_t stream__entry_size(const StreamNode *n, int is_same, int is_first, StreamId prev,
                          StreamId id, const StreamField *f, size_t n_fields, const int64_t *refs) {
    size_t size = header_size(is_same, is_first, prev, id, n_fields);
    size += body_size(n, is_same, f, n_fields, refs);
    return size + vlen(size);
}

/* Bytes of the first entry of a node whose master section comes from the
 * same fields: integers are then stored against themselves (one byte). */
size_t stream__first_entry_size(const StreamField *f, size_t n_fields) {
    size_t size = 1;
    for (size_t i = 0; i < n_fields; i++) size += f[i].val.is_int ? 1 : str_size(f[i].val.s.len);
    return size + vlen(size);
}

/* Appends the entry at data[used] (the caller made room and updates the
 * counts); returns the bytes written. refs as for stream__entry_size().
 * Borrows f and refs. */
size_t stream__entry_put(StreamNode *n, int is_same, int is_first, StreamId prev, StreamId id,
                         const StreamField *f, size_t n_fields, const int64_t *refs) {
    return stream__entry_write(n->data + n->used, n, is_same, is_first, prev, id, f, n_fields,
                               refs);
}

/* stream__entry_put() into start (room for the entry) instead of n's data:
 * n only provides the master section. */
size_t stream__entry_write(uint8_t *start, const StreamNode *n, int is_same, int is_first,
                           StreamId prev, StreamId id, const StreamField *f, size_t n_fields,
                           const int64_t *refs) {
    uint8_t *p = header_put(start, 0, is_same, is_first, prev, id, n_fields);
    if (is_same && refs) {
        for (size_t i = 0; i < n_fields; i++) p = value_put(p, &f[i].val, refs[i]);
    } else if (is_same) {
        uint32_t nf;
        const uint8_t *m = stream__master_begin(n, &nf);
        assert(nf == n_fields);
        for (size_t i = 0; i < n_fields; i++) {
            Slice name;
            int64_t ref;
            m = master_next(m, &name, &ref);
            p = value_put(p, &f[i].val, ref);
        }
    } else {
        for (size_t i = 0; i < n_fields; i++) {
            p = str_put(p, f[i].name.p, f[i].name.len);
            p = value_put(p, &f[i].val, 0);
        }
    }
    p += backlen_put(p, (size_t)(p - start));
    return (size_t)(p - start);
}

/* Re-encodes the entry of src at off (header h, ID id) for the node being
 * built in dst, after an entry with ID prev (is_first: as dst's first entry):
 * a live entry keeps its body verbatim (its values are stored against the
 * master section, which compaction copies unchanged) under a new header and
 * back-length; a deleted one becomes a husk, a deleted entry without fields.
 * With dst NULL nothing is written. Returns the bytes the entry takes in
 * dst. */
size_t stream__entry_recode(StreamNode *dst, const StreamNode *src, uint32_t off,
                            const EntryHead *h, int is_first, StreamId prev, StreamId id) {
    int is_husk = (h->hdr & ENTRY_DELETED) != 0;
    int is_same = !is_husk && (h->hdr & ENTRY_SAME);
    uint32_t n_fields = is_husk ? 0 : h->n_fields;
    size_t len = header_size(is_same, is_first, prev, id, n_fields);
    const uint8_t *body_end = h->body;
    if (!is_husk) {
        uint64_t elements = is_same ? n_fields : 2 * (uint64_t)n_fields;
        for (uint64_t i = 0; i < elements; i++) body_end = stream__value_skip(body_end);
    }
    size_t body_len = (size_t)(body_end - h->body);
    assert(h->body >= src->data + off && body_end <= src->data + src->used);
    len += body_len;
    size_t total = len + vlen(len);
    if (!dst) return total;
    uint8_t *start = dst->data + dst->used;
    uint8_t *p = header_put(start, is_husk, is_same, is_first, prev, id, n_fields);
    if (body_len) memcpy(p, h->body, body_len);
    p += body_len;
    assert((size_t)(p - start) == len);
    (void)backlen_put(p, len);
    return total;
}

/* Decodes the header of the entry at off. */
void stream__entry_head(const StreamNode *n, uint32_t off, EntryHead *h) {
    assert(off >= n->entries_off && off < n->used);
    const uint8_t *p = n->data + off;
    uint8_t hdr = *p++;
    h->hdr = hdr;
    h->d_ms = 0;
    h->d_seq = 0;
    if (off != n->entries_off) {
        uint64_t a, b;
        switch ((hdr >> ENTRY_MODE_SHIFT) & 3u) {
        case 0:
            h->d_seq = 1;
            break;
        case 1:
            p = vget(p, &a);
            h->d_seq = a + 2;
            break;
        case 2:
            p = vget(vget(p, &a), &b);
            h->d_ms = a + 1;
            h->d_seq = (uint64_t)unzigzag(b);
            break;
        default:
            p = vget(p, &a);
            h->d_ms = a + 1;
            break;
        }
    }
    if (hdr & ENTRY_SAME) {
        uint64_t nf;
        (void)vget(n->data, &nf);
        h->n_fields = (uint32_t)nf;
    } else {
        uint64_t nf = hdr >> ENTRY_NF_SHIFT;
        if (nf == 15) {
            uint64_t extra;
            p = vget(p, &extra);
            nf += extra;
        }
        h->n_fields = (uint32_t)nf;
    }
    h->body = p;
}

/* Offset just past the entry at off (whose header is h). */
uint32_t stream__entry_end(const StreamNode *n, uint32_t off, const EntryHead *h) {
    const uint8_t *p = h->body;
    uint64_t elements = (h->hdr & ENTRY_SAME) ? h->n_fields : 2 * (uint64_t)h->n_fields;
    for (uint64_t i = 0; i < elements; i++) p = stream__value_skip(p);
    size_t len = (size_t)(p - (n->data + off));
    size_t end = off + len + vlen(len);
    assert(end <= n->used);
    return (uint32_t)end;
}

/* Offset of the entry that ends at end (found through its back-length). */
uint32_t stream__entry_start_before(const StreamNode *n, uint32_t end) {
    assert(end > n->entries_off && end <= n->used);
    const uint8_t *p = n->data + end;
    uint64_t len = 0;
    unsigned i = 0;
    uint8_t b;
    do {
        b = *--p;
        len |= (uint64_t)(b & 0x7f) << (7 * i);
        i++;
    } while (b & 0x80);
    assert(len + i <= (uint64_t)(end - n->entries_off));
    return (uint32_t)(end - i - len);
}
