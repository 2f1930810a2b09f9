/*
 * id.c - parsing, formatting and stepping of stream IDs.
 *
 * The number grammar is Redis's for IDs, quirks included: Redis reads each
 * part with string2ull(), which takes a canonical decimal through string2ll()
 * and otherwise falls back to strtoull(). So leading white space, a '+' sign
 * and leading zeros are accepted, a '-' sign is accepted and wraps modulo
 * 2^64 unless the text is a canonical negative int64 (then it is refused),
 * and overflow is refused. The argument is read as a C string (it ends at the
 * first NUL) and may be at most 127 bytes long. Everything else is rejected so
 * that the handler can answer "Invalid stream ID specified as stream command
 * argument".
 */
#include "stream/id.h"

#include <assert.h>
#include <string.h>

#include "base/num.h"

/* 1 when s is what string2ll() accepts as a negative number. */
static int is_canonical_negative(const char *s, size_t len) {
    if (len < 2 || len > 20 || s[0] != '-' || s[1] < '1' || s[1] > '9') return 0;
    uint64_t v = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    return v <= (uint64_t)INT64_MAX + 1;
}

static int is_c_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* string2ull() of Redis over s[0, len). */
static int parse_u64(const char *s, size_t len, uint64_t *out) {
    if (is_canonical_negative(s, len)) return -1;
    size_t i = 0;
    while (i < len && is_c_space(s[i])) i++;
    int is_neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) is_neg = s[i++] == '-';
    if (i == len) return -1;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = is_neg ? 0 - v : v;
    return 0;
}

/* Applies Redis's view of an argument: at most 127 bytes, read up to a NUL. */
static int c_string_view(const char *s, size_t *len) {
    if (*len > 127) return -1;
    const char *nul = memchr(s, '\0', *len);
    if (nul) *len = (size_t)(nul - s);
    return 0;
}

int stream_id_parse(const char *s, size_t len, int flags, StreamId *out, int *is_excl) {
    if (is_excl) *is_excl = 0;
    int allow_minmax = (flags & STREAM_ID_ALLOW_MINMAX) != 0;
    if ((flags & STREAM_ID_ALLOW_EXCL) && len > 1 && s[0] == '(') {
        if (is_excl) *is_excl = 1;
        s++;
        len--;
        allow_minmax = 0; /* "(-" and "(+" are invalid, as in Redis */
    }
    if (c_string_view(s, &len) != 0) return -1;
    if (allow_minmax && len == 1 && (s[0] == '-' || s[0] == '+')) {
        *out = s[0] == '-' ? stream_id_make(0, 0) : stream_id_make(UINT64_MAX, UINT64_MAX);
        return 0;
    }
    const char *dash = memchr(s, '-', len);
    uint64_t ms, seq;
    if (!dash) {
        if (flags & STREAM_ID_STRICT) return -1;
        if (parse_u64(s, len, &ms) != 0) return -1;
        seq = (flags & STREAM_ID_SEQ_MAX) ? UINT64_MAX : 0;
    } else {
        size_t ms_len = (size_t)(dash - s);
        if (parse_u64(s, ms_len, &ms) != 0) return -1;
        if (parse_u64(dash + 1, len - ms_len - 1, &seq) != 0) return -1;
    }
    *out = stream_id_make(ms, seq);
    return 0;
}

int stream_id_parse_seq_auto(const char *s, size_t len, StreamId *out, int *seq_given) {
    *seq_given = 1;
    if (c_string_view(s, &len) != 0) return -1;
    const char *dash = memchr(s, '-', len);
    if (dash && (size_t)(dash - s) + 2 == len && dash[1] == '*') {
        uint64_t ms;
        if (parse_u64(s, (size_t)(dash - s), &ms) != 0) return -1;
        *out = stream_id_make(ms, 0);
        *seq_given = 0;
        return 0;
    }
    return stream_id_parse(s, len, 0, out, NULL);
}

/* Writes v in decimal (no NUL) into buf (>= 20 bytes); returns the length. */
size_t stream_fmt_u64(uint64_t v, char *buf) {
    return num_fmt_u64(v, buf);
}

size_t stream_id_format(StreamId id, char *buf) {
    size_t n = stream_fmt_u64(id.ms, buf);
    buf[n++] = '-';
    n += stream_fmt_u64(id.seq, buf + n);
    buf[n] = '\0';
    assert(n <= STREAM_ID_MAX_LEN);
    return n;
}

int stream_id_incr(StreamId *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) return -1;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return 0;
}

int stream_id_decr(StreamId *id) {
    if (id->seq == 0) {
        if (id->ms == 0) return -1;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return 0;
}
