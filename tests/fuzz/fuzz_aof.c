/*
 * libFuzzer target for the AOF record parser and the manifest parser.
 *
 * Records: the input is read as an AOF file. The central promise (a torn
 * tail is never taken for corruption and the other way round) is checked by
 * cutting the input at a point taken from its first byte: the prefix must
 * yield exactly the whole input's records that end inside it, then either a
 * clean end (the cut falls on a record boundary), the whole input's
 * corruption at the same offset (when it lies inside the prefix), or "more
 * bytes needed".
 *
 * Manifest: the same bytes are parsed as a manifest; whatever parses must
 * format to text that parses back to the same text (unless quoting made a
 * line longer than the 1024 bytes a reader accepts).
 *
 * Build and run: make fuzz && ./build-fuzz/fuzz_aof -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/aoffile.h"
#include "persist/manifest.h"
#include "persist/rdbcodec.h"

/* The longest argument the AOF reader takes, as persist/rdbcodec.c computes
 * it with the default proto-max-bulk-len (512 MB): that file would bring the
 * server's settings, and the rest of the server, into this target. */
unsigned long long persist_string_max(void) {
    return (512ull << 20) + 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Run {
    size_t ends[4096]; /* end offset of each record */
    uint64_t hash[4096];
    int n;
    int status; /* AOF_PARSE_MORE (also a clean end) or AOF_PARSE_BAD */
    size_t bad_at;
} Run;

static void parse_all(const char *buf, size_t len, Run *r) {
    AofArgv a = {0};
    size_t pos = 0;
    r->n = 0;
    for (;;) {
        int kind;
        size_t used = 0, bad = 0;
        const char *why;
        int rc = aof_parse_record(buf + pos, len - pos, &a, &kind, &used, &bad, &why);
        if (rc == AOF_PARSE_OK) {
            if (used == 0 || used > len - pos) abort();
            uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
            for (int i = 0; i < a.n; i++) {
                for (size_t k = 0; k < a.v[i].len; k++)
                    h = (h ^ (uint8_t)a.v[i].p[k]) * 1099511628211ULL;
                h = (h ^ 0x1ff) * 1099511628211ULL;
            }
            pos += used;
            if (r->n < 4096) {
                r->ends[r->n] = pos;
                r->hash[r->n] = h;
            }
            r->n++;
            continue;
        }
        r->status = rc;
        r->bad_at = pos + bad;
        break;
    }
    aof_argv_free(&a);
}

static void check_records(const uint8_t *data, size_t size) {
    size_t cut = data[0] % size;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    if (cut > len) cut = len;
    static Run whole, prefix;
    parse_all(buf, len, &whole);
    parse_all(buf, cut, &prefix);
    if (whole.n > 4096 || prefix.n > 4096) return;
    int expect_n = 0;
    while (expect_n < whole.n && whole.ends[expect_n] <= cut) expect_n++;
    if (prefix.n != expect_n) abort();
    for (int i = 0; i < expect_n; i++)
        if (prefix.ends[i] != whole.ends[i] || prefix.hash[i] != whole.hash[i]) abort();
    if (whole.status == AOF_PARSE_BAD && whole.bad_at < cut) {
        if (prefix.status != AOF_PARSE_BAD || prefix.bad_at != whole.bad_at) abort();
    } else if (prefix.status != AOF_PARSE_MORE) {
        abort();
    }
}

static void check_manifest(const uint8_t *data, size_t size) {
    AofManifest *am;
    AofManifestError err;
    if (aof_manifest_parse((const char *)data, size, &am, &err) != 0) return;
    Buf a, b;
    buf_init(&a);
    buf_init(&b);
    aof_manifest_format(am, &a);
    /* Quoting can make a line longer than a reader accepts: not comparable. */
    for (size_t i = 0, start = 0; i < a.len; i++) {
        if (a.p[i] != '\n') continue;
        if (i - start > AOF_MANIFEST_MAX_LINE) goto out;
        start = i + 1;
    }
    AofManifest *back;
    if (aof_manifest_parse(a.p ? a.p : "", a.len, &back, &err) != 0) {
        /* only an all-comment manifest formats to nothing */
        if (a.len != 0) abort();
    } else {
        aof_manifest_format(back, &b);
        if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0)) abort();
        aof_manifest_free(back);
    }
out:
    buf_free(&a);
    buf_free(&b);
    aof_manifest_free(am);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    check_records(data, size);
    check_manifest(data, size);
    return 0;
}
