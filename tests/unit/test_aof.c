/*
 * Unit tests for the pure parts of the AOF: the manifest (parse, format,
 * naming, Redis's exact text and error messages), the record writer and
 * parser, the file reader across chunk boundaries, and the replay: a cut at
 * every byte offset of a file must read as a torn tail that keeps exactly the
 * whole commands before it (whole transactions only), and a damaged
 * structural byte anywhere must read as corruption at that offset.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "persist/aoffile.h"
#include "persist/manifest.h"
#include "test.h"

/* ---- Manifest ---------------------------------------------------------- */

static char *format_str(const AofManifest *am) {
    Buf b;
    buf_init(&b);
    aof_manifest_format(am, &b);
    buf_append_char(&b, '\0');
    return b.p;
}

static const char *parse_err(const char *text) {
    AofManifest *am = NULL;
    AofManifestError err;
    if (aof_manifest_parse(text, strlen(text), &am, &err) == 0) {
        aof_manifest_free(am);
        return NULL;
    }
    CHECK(am == NULL);
    return err.msg;
}

static void manifest_redis_text(void) {
    /* What Redis 7.0 writes on first start and after BGREWRITEAOF. */
    AofManifest *am = aof_manifest_new();
    CHECK(strcmp(aof_manifest_new_base(am, "appendonly.aof"), "appendonly.aof.1.base.aof") == 0);
    CHECK(strcmp(aof_manifest_last_incr(am, "appendonly.aof"), "appendonly.aof.1.incr.aof") == 0);
    CHECK(strcmp(aof_manifest_last_incr(am, "appendonly.aof"), "appendonly.aof.1.incr.aof") == 0);
    char *s = format_str(am);
    CHECK(strcmp(s, "file appendonly.aof.1.base.aof seq 1 type b\n"
                    "file appendonly.aof.1.incr.aof seq 1 type i\n") == 0);
    xfree(s);

    /* A rewrite: a new incr file opens, then the base is replaced. */
    CHECK(strcmp(aof_manifest_new_incr(am, "appendonly.aof"), "appendonly.aof.2.incr.aof") == 0);
    AofManifest *tmp = aof_manifest_dup(am);
    CHECK(strcmp(aof_manifest_new_base(tmp, "appendonly.aof"), "appendonly.aof.2.base.aof") == 0);
    aof_manifest_incr_to_history(tmp, 1);
    s = format_str(tmp);
    CHECK(strcmp(s, "file appendonly.aof.2.base.aof seq 2 type b\n"
                    "file appendonly.aof.1.incr.aof seq 1 type h\n"
                    "file appendonly.aof.1.base.aof seq 1 type h\n"
                    "file appendonly.aof.2.incr.aof seq 2 type i\n") == 0);
    xfree(s);
    aof_manifest_clear_history(tmp);
    s = format_str(tmp);
    CHECK(strcmp(s, "file appendonly.aof.2.base.aof seq 2 type b\n"
                    "file appendonly.aof.2.incr.aof seq 2 type i\n") == 0);
    xfree(s);
    /* The original is untouched by changes to the copy. */
    s = format_str(am);
    CHECK(strcmp(s, "file appendonly.aof.1.base.aof seq 1 type b\n"
                    "file appendonly.aof.1.incr.aof seq 1 type i\n"
                    "file appendonly.aof.2.incr.aof seq 2 type i\n") == 0);
    xfree(s);
    aof_manifest_free(tmp);
    aof_manifest_free(am);

    /* BGREWRITEAOF with the AOF off: a base, no incremental file at all. */
    am = aof_manifest_new();
    aof_manifest_new_base(am, "appendonly.aof");
    aof_manifest_incr_to_history(am, 0);
    s = format_str(am);
    CHECK(strcmp(s, "file appendonly.aof.1.base.aof seq 1 type b\n") == 0);
    xfree(s);
    aof_manifest_free(am);
}

static void manifest_parse_forms(void) {
    const char *text = "# a comment\n"
                       "file appendonly.aof.2.base.rdb seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "  FILE appendonly.aof.4.incr.aof   SEQ 4 TYPE i newkey newval \r\n"
                       "type i seq 5 file \"app\\x20x\\\"\"\n";
    AofManifest *am;
    AofManifestError err;
    CHECK(aof_manifest_parse(text, strlen(text), &am, &err) == 0);
    if (!am) return;
    CHECK(am->base.name && strcmp(am->base.name, "appendonly.aof.2.base.rdb") == 0);
    CHECK_EQ_INT(am->base_seq, 2);
    CHECK_EQ_INT(am->n_history, 1);
    CHECK_EQ_INT(am->n_incr, 2);
    CHECK(strcmp(am->incr[1].name, "app x\"") == 0);
    CHECK_EQ_INT(am->incr_seq, 5);
    CHECK(strcmp(aof_manifest_new_incr(am, "p"), "p.6.incr.aof") == 0);
    CHECK(strcmp(aof_manifest_new_base(am, "p"), "p.3.base.aof") == 0);
    /* An RDB base (aof-use-rdb-preamble yes): the same sequence, .rdb. */
    int hist = am->n_history;
    CHECK(strcmp(aof_manifest_new_base_rdb(am, "p"), "p.4.base.rdb") == 0);
    CHECK_EQ_INT(am->n_history, hist + 1);
    CHECK(strcmp(am->history[0].name, "p.3.base.aof") == 0);
    char *s = format_str(am);
    CHECK(strstr(s, "file p.4.base.rdb seq 4 type b\n") != NULL);
    CHECK(strstr(s, "file \"app x\\\"\" seq 5 type i\n") != NULL);
    xfree(s);
    aof_manifest_free(am);

    /* Only comments: valid and empty. */
    CHECK(parse_err("# nothing\n") == NULL);
    CHECK(parse_err("# no newline at the end") == NULL);
    /* Single quotes. */
    CHECK(parse_err("file 'a b' seq 1 type i\n") == NULL);
}

static void manifest_errors(void) {
    const char *invalid = "Invalid AOF manifest file format";
    CHECK(parse_err("") && strcmp(parse_err(""), "Found an empty AOF manifest") == 0);
    CHECK(strcmp(parse_err("file a seq 1 type b"),
                 "The AOF manifest file contains too long line") == 0);
    char longline[2100];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "file ", 5);
    strcpy(longline + 2000, " seq 1 type b\n");
    CHECK(strcmp(parse_err(longline), "The AOF manifest file contains too long line") == 0);
    CHECK(strcmp(parse_err("\n"), invalid) == 0);
    CHECK(strcmp(parse_err("   \t\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a seq 1\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a seq 1 type b x\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a seq x type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a seq 0 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a seq -1 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file a sequ 1 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file \"a seq 1 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file \"a\"b seq 1 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file '' seq 1 type b\n"), invalid) == 0);
    CHECK(strcmp(parse_err("file dir/a seq 1 type b\n"), "File can't be a path, just a filename") ==
          0);
    CHECK(strcmp(parse_err("file a seq 1 type b\nfile b seq 2 type b\n"),
                 "Found duplicate base file information") == 0);
    CHECK(strcmp(parse_err("file a seq 2 type i\nfile b seq 2 type i\n"),
                 "Found a non-monotonic sequence number") == 0);
    CHECK(strcmp(parse_err("file a seq 1 type x\n"), "Unknown AOF file type") == 0);

    AofManifest *am;
    AofManifestError err;
    const char *t = "file a seq 1 type b\nfile b seq 1 type z\n";
    CHECK(aof_manifest_parse(t, strlen(t), &am, &err) == -1);
    CHECK_EQ_INT(err.line_no, 2);
    CHECK(strcmp(err.line, "file b seq 1 type z") == 0);
}

/* Random names with every byte but NUL, '/' and '\\' survive format + parse. */
static void manifest_roundtrip_random(void) {
    for (int round = 0; round < 300; round++) {
        AofManifest *am = aof_manifest_new();
        int n = 1 + (int)test_rand_below(6);
        for (int i = 0; i < n; i++) {
            char name[40];
            size_t len = 1 + test_rand_below(30);
            for (size_t k = 0; k < len; k++) {
                char c;
                do c = (char)(1 + test_rand_below(255));
                while (c == '/' || c == '\\');
                name[k] = c;
            }
            name[len] = '\0';
            int what = (int)test_rand_below(3);
            if (what == 0 && !am->base.name) {
                aof_manifest_set_base(am, name, 1 + (long long)test_rand_below(100));
            } else if (what == 1) {
                AofFileInfo fi = {xstrdup(name), 1 + (long long)test_rand_below(100), 'h'};
                if (am->n_history == am->cap_history) {
                    am->cap_history = am->cap_history ? am->cap_history * 2 : 4;
                    am->history =
                        xrealloc(am->history, (size_t)am->cap_history * sizeof *am->history);
                }
                am->history[am->n_history++] = fi;
            } else {
                const char *nm = aof_manifest_new_incr(am, "x");
                xfree(am->incr[am->n_incr - 1].name);
                am->incr[am->n_incr - 1].name = xstrdup(name);
                (void)nm;
            }
        }
        char *s = format_str(am);
        AofManifest *back;
        AofManifestError err;
        int rc = aof_manifest_parse(s, strlen(s), &back, &err);
        CHECK(rc == 0);
        if (rc != 0) {
            fprintf(stderr, "roundtrip failed: %s (line %d)\n", err.msg, err.line_no);
        } else {
            char *s2 = format_str(back);
            CHECK(strcmp(s, s2) == 0);
            CHECK_EQ_INT(back->n_incr, am->n_incr);
            CHECK_EQ_INT(back->n_history, am->n_history);
            xfree(s2);
            aof_manifest_free(back);
        }
        xfree(s);
        aof_manifest_free(am);
    }
}

static void manifest_disk(void) {
    char dir[] = "/tmp/test_aof_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    AofManifest *am = NULL;
    char *err = NULL;
    CHECK_EQ_INT(aof_manifest_load(dir, "appendonly.aof", &am, &err), 1);
    am = aof_manifest_new();
    aof_manifest_new_base(am, "appendonly.aof");
    aof_manifest_last_incr(am, "appendonly.aof");
    CHECK_EQ_INT(aof_manifest_persist(am, dir, "appendonly.aof", &err), 0);
    AofManifest *back = NULL;
    CHECK_EQ_INT(aof_manifest_load(dir, "appendonly.aof", &back, &err), 0);
    if (back) {
        char *a = format_str(am), *b = format_str(back);
        CHECK(strcmp(a, b) == 0);
        xfree(a);
        xfree(b);
        aof_manifest_free(back);
    }
    char *tmp = aof_path_join(dir, "temp-appendonly.aof.manifest");
    CHECK(access(tmp, F_OK) != 0); /* the temp file was renamed away */
    xfree(tmp);
    char *path = aof_path_join(dir, "appendonly.aof.manifest");
    FILE *f = fopen(path, "w");
    fputs("file x seq 1 type q\n", f);
    fclose(f);
    CHECK_EQ_INT(aof_manifest_load(dir, "appendonly.aof", &back, &err), -1);
    CHECK(err && strstr(err, "Unknown AOF file type") && strstr(err, "line 1"));
    xfree(err);
    unlink(path);
    xfree(path);
    rmdir(dir);
    aof_manifest_free(am);
    CHECK(aof_fsync_dir("/nonexistent-dir-for-test") == -1);
}

/* ---- Records ----------------------------------------------------------- */

static void random_arg(char *p, size_t *len) {
    *len = test_rand_below(12);
    for (size_t i = 0; i < *len; i++) {
        /* mostly letters, sometimes CR, LF, '*', '$', NUL */
        static const char special[] = "\r\n*$#\0";
        p[i] = test_rand_below(8) ? (char)('a' + test_rand_below(26))
                                  : special[test_rand_below(sizeof special - 1)];
    }
}

static void record_roundtrip(void) {
    for (int round = 0; round < 500; round++) {
        int argc = 1 + (int)test_rand_below(6);
        char bytes[6][16];
        Slice argv[6];
        for (int i = 0; i < argc; i++) {
            size_t len;
            random_arg(bytes[i], &len);
            argv[i] = slice_of(bytes[i], len);
        }
        Buf b;
        buf_init(&b);
        aof_cat_command(&b, argc, argv);
        AofArgv a = {0};
        int kind = 0;
        size_t used = 0, bad = 0;
        const char *why = NULL;
        CHECK_EQ_INT(aof_parse_record(b.p, b.len, &a, &kind, &used, &bad, &why), AOF_PARSE_OK);
        CHECK_EQ_INT(used, b.len);
        CHECK_EQ_INT(kind, AOF_RECORD_COMMAND);
        CHECK_EQ_INT(a.n, argc);
        for (int i = 0; i < argc && i < a.n; i++) CHECK(slice_eq(a.v[i], argv[i]));
        /* Every proper prefix is incomplete, never bad. */
        for (size_t cut = 0; cut < b.len; cut++)
            CHECK_EQ_INT(aof_parse_record(b.p, cut, &a, &kind, &used, &bad, &why), AOF_PARSE_MORE);
        aof_argv_free(&a);
        buf_free(&b);
    }
    /* Exact bytes of SELECT and a command, as Redis writes them. */
    Buf b;
    buf_init(&b);
    aof_cat_select(&b, 3);
    Slice set[3] = {slice_cstr("set"), slice_cstr("a"), slice_cstr("")};
    aof_cat_command(&b, 3, set);
    aof_cat_bulk_ll(&b, -12);
    buf_append_char(&b, '\0');
    CHECK(strcmp(b.p, "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$0\r\n\r\n"
                      "$3\r\n-12\r\n") == 0);
    buf_free(&b);
}

static int parse_rc(const char *s, size_t *bad, const char **why) {
    AofArgv a = {0};
    int kind;
    size_t used;
    int rc = aof_parse_record(s, strlen(s), &a, &kind, &used, bad, why);
    aof_argv_free(&a);
    return rc;
}

static void record_bad(void) {
    size_t bad;
    const char *why;
    CHECK_EQ_INT(parse_rc("x", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(parse_rc("*0\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 1);
    CHECK_EQ_INT(parse_rc("*0", &bad, &why), AOF_PARSE_BAD); /* decided at the '0' */
    CHECK_EQ_INT(parse_rc("*01\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(parse_rc("*1\r\n$01\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 6);
    CHECK_EQ_INT(parse_rc("*1\r\n$0", &bad, &why), AOF_PARSE_MORE);
    CHECK_EQ_INT(parse_rc("*-1\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 1);
    CHECK_EQ_INT(parse_rc("*\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(parse_rc("*1\rx", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 3);
    CHECK_EQ_INT(parse_rc("*1\r\n:1\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 4);
    CHECK_EQ_INT(parse_rc("*1\r\n$3\r\nabcd\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 11);
    CHECK_EQ_INT(parse_rc("*1\r\n$3\r\nabc\rx", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(bad, 12);
    CHECK_EQ_INT(parse_rc("*99999999999\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(parse_rc("*1\r\n$600000000\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(parse_rc("*1\r\n$99999999999999999999999\r\n", &bad, &why), AOF_PARSE_BAD);
    CHECK_EQ_INT(parse_rc("*1\r\n$3\r\nab", &bad, &why), AOF_PARSE_MORE);
    CHECK_EQ_INT(parse_rc("*2000000\r\n$1\r\na\r\n", &bad, &why), AOF_PARSE_MORE);
    CHECK_EQ_INT(parse_rc("#TS:123", &bad, &why), AOF_PARSE_MORE);
    char longann[AOF_MAX_ANNOTATION + 10];
    memset(longann, 'x', sizeof longann - 1);
    longann[0] = '#';
    longann[sizeof longann - 1] = '\0';
    CHECK_EQ_INT(parse_rc(longann, &bad, &why), AOF_PARSE_BAD);
    AofArgv a = {0};
    int kind;
    size_t used;
    CHECK_EQ_INT(aof_parse_record("#TS:1\r\n*1", 10, &a, &kind, &used, &bad, &why), AOF_PARSE_OK);
    CHECK_EQ_INT(kind, AOF_RECORD_ANNOTATION);
    CHECK_EQ_INT(used, 7);
    aof_argv_free(&a);
}

/* ---- Replay ------------------------------------------------------------ */

/* Executed commands are recorded as their formatted bytes. */
typedef struct Log {
    Buf cmds;
    uint64_t n;
    uint64_t fail_at; /* fail the command starting at this offset (UINT64_MAX: never) */
} Log;

static int log_exec(void *ctx, int argc, const Slice *argv, uint64_t off) {
    Log *l = ctx;
    if (off == l->fail_at) return -1;
    aof_cat_command(&l->cmds, argc, argv);
    l->n++;
    return 0;
}

static int tmp_file(char *path) {
    strcpy(path, "/tmp/test_aof_file_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    return fd;
}

static int load_bytes(int fd, const char *p, size_t len, Log *log, AofLoadResult *res) {
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(pwrite(fd, p, len, 0) == (ssize_t)len);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    buf_clear(&log->cmds);
    log->n = 0;
    AofLoadHooks h = {log_exec, NULL, log};
    return aof_load_fd(fd, &h, res);
}

/* A file of units: single commands, MULTI/EXEC groups, annotations. For each
 * unit: its end offset and the bytes of the commands it applies. */
typedef struct Model {
    Buf file;
    size_t unit_end[400];
    size_t applied_len[400]; /* bytes of the expected log after this unit */
    int n_units;
    Buf expected;            /* all applied commands, formatted */
    size_t boundaries[4000]; /* every record boundary */
    int n_bounds;
} Model;

static void model_command(Model *m, Buf *into) {
    int argc = 1 + (int)test_rand_below(4);
    char bytes[4][16];
    Slice argv[4];
    for (int i = 0; i < argc; i++) {
        size_t len;
        random_arg(bytes[i], &len);
        argv[i] = slice_of(bytes[i], len);
    }
    /* Never MULTI/EXEC by chance: the first argument gets a fixed prefix. */
    bytes[0][0] = 'k';
    if (argv[0].len == 0) argv[0].len = 1;
    aof_cat_command(&m->file, argc, argv);
    aof_cat_command(into, argc, argv);
    m->boundaries[m->n_bounds++] = m->file.len;
}

static void model_build(Model *m, int n_units) {
    memset(m, 0, sizeof *m);
    buf_init(&m->file);
    buf_init(&m->expected);
    m->boundaries[m->n_bounds++] = 0;
    for (int u = 0; u < n_units; u++) {
        int what = (int)test_rand_below(6);
        if (what == 0) {
            Slice multi = slice_cstr("MULTI"), exec = slice_cstr("exec");
            aof_cat_command(&m->file, 1, &multi);
            m->boundaries[m->n_bounds++] = m->file.len;
            int n = (int)test_rand_below(4);
            for (int i = 0; i < n; i++) model_command(m, &m->expected);
            aof_cat_command(&m->file, 1, &exec);
            m->boundaries[m->n_bounds++] = m->file.len;
        } else if (what == 1) {
            buf_append_cstr(&m->file, "#TS:1700000000\r\n");
            m->boundaries[m->n_bounds++] = m->file.len;
        } else {
            model_command(m, &m->expected);
        }
        m->unit_end[m->n_units] = m->file.len;
        m->applied_len[m->n_units] = m->expected.len;
        m->n_units++;
    }
}

static void model_free(Model *m) {
    buf_free(&m->file);
    buf_free(&m->expected);
}

static void replay_every_cut(void) {
    char path[64];
    int fd = tmp_file(path);
    Log log = {.fail_at = UINT64_MAX};
    buf_init(&log.cmds);
    for (int round = 0; round < 4; round++) {
        Model m;
        model_build(&m, 30);
        for (size_t cut = 0; cut <= m.file.len; cut++) {
            AofLoadResult res;
            load_bytes(fd, m.file.p, cut, &log, &res);
            /* the last unit wholly inside the cut */
            int u = -1;
            while (u + 1 < m.n_units && m.unit_end[u + 1] <= cut) u++;
            size_t valid = u >= 0 ? m.unit_end[u] : 0;
            size_t applied = u >= 0 ? m.applied_len[u] : 0;
            int want;
            if (cut == 0)
                want = AOF_LOAD_EMPTY;
            else if (cut == valid)
                want = AOF_LOAD_OK;
            else
                want = AOF_LOAD_TRUNCATED;
            CHECK_EQ_INT(res.status, want);
            if (want == AOF_LOAD_TRUNCATED) CHECK_EQ_INT(res.valid_up_to, valid);
            CHECK_EQ_INT(log.cmds.len, applied);
            CHECK(applied == 0 || memcmp(log.cmds.p, m.expected.p, applied) == 0);
            if (res.status != want) {
                fprintf(stderr, "cut %zu of %zu: status %d want %d\n", cut, m.file.len, res.status,
                        want);
                break;
            }
        }
        model_free(&m);
    }
    buf_free(&log.cmds);
    close(fd);
    unlink(path);
}

/* A structural byte (header, CRLF) replaced by 'x' reads as corruption at
 * exactly that offset, wherever it is. */
static void replay_corrupt_bytes(void) {
    char path[64];
    int fd = tmp_file(path);
    Log log = {.fail_at = UINT64_MAX};
    buf_init(&log.cmds);
    Model m;
    model_build(&m, 40);
    char *copy = xmalloc(m.file.len);
    int tested = 0;
    for (size_t pos = 0; pos < m.file.len; pos++) {
        /* Is pos structural? Re-parse to find record spans and payloads. */
        size_t rec = 0;
        int in_payload = 0, in_annotation = 0;
        for (int b = 0; b + 1 < m.n_bounds; b++) {
            if (m.boundaries[b] <= pos && pos < m.boundaries[b + 1]) rec = m.boundaries[b];
        }
        if (m.file.p[rec] == '#') in_annotation = pos > rec;
        if (!in_annotation && m.file.p[rec] == '*') {
            size_t i = rec;
            while (m.file.p[i] != '\n') i++;
            i++;
            while (i < pos + 1 && m.file.p[i] == '$') {
                size_t len = (size_t)strtoul(m.file.p + i + 1, NULL, 10);
                while (m.file.p[i] != '\n') i++;
                i++;
                if (pos >= i && pos < i + len) in_payload = 1;
                i += len + 2;
            }
        }
        if (in_payload || in_annotation) continue;
        memcpy(copy, m.file.p, m.file.len);
        copy[pos] = 'x';
        AofLoadResult res;
        load_bytes(fd, copy, m.file.len, &log, &res);
        CHECK_EQ_INT(res.status, AOF_LOAD_BAD);
        CHECK_EQ_INT(res.err_offset, pos);
        if (res.status != AOF_LOAD_BAD || res.err_offset != pos)
            fprintf(stderr, "flip at %zu: status %d offset %llu (%s)\n", pos, res.status,
                    (unsigned long long)res.err_offset, res.why ? res.why : "");
        tested++;
    }
    CHECK(tested > 100);
    xfree(copy);
    model_free(&m);
    buf_free(&log.cmds);
    close(fd);
    unlink(path);
}

static void replay_special(void) {
    char path[64];
    int fd = tmp_file(path);
    Log log = {.fail_at = UINT64_MAX};
    buf_init(&log.cmds);
    AofLoadResult res;
    const char *rdb = "REDIS0009\xfa\x09redis-ver";
    CHECK_EQ_INT(load_bytes(fd, rdb, strlen(rdb), &log, &res), AOF_LOAD_RDB);
    const char *nested = "*1\r\n$5\r\nMULTI\r\n*1\r\n$5\r\nmulti\r\n";
    CHECK_EQ_INT(load_bytes(fd, nested, strlen(nested), &log, &res), AOF_LOAD_BAD);
    CHECK_EQ_INT(res.err_offset, 15);
    const char *exec = "*1\r\n$4\r\nEXEC\r\n";
    CHECK_EQ_INT(load_bytes(fd, exec, strlen(exec), &log, &res), AOF_LOAD_BAD);
    CHECK_EQ_INT(res.err_offset, 0);
    /* An exec failure stops the load at that command. */
    const char *two = "*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n*1\r\n$1\r\nc\r\n";
    log.fail_at = 11;
    CHECK_EQ_INT(load_bytes(fd, two, strlen(two), &log, &res), AOF_LOAD_FAILED);
    CHECK_EQ_INT(res.err_offset, 11);
    CHECK_EQ_INT(log.n, 1);
    log.fail_at = UINT64_MAX;
    /* A file that ends right after a complete MULTI body but before EXEC. */
    const char *open_tx = "*1\r\n$1\r\na\r\n*1\r\n$5\r\nMULTI\r\n*1\r\n$1\r\nb\r\n";
    CHECK_EQ_INT(load_bytes(fd, open_tx, strlen(open_tx), &log, &res), AOF_LOAD_TRUNCATED);
    CHECK_EQ_INT(res.valid_up_to, 11);
    CHECK_EQ_INT(log.n, 1);

    /* Records larger than the read chunk, split across reads. */
    Buf big;
    buf_init(&big);
    size_t sizes[] = {1, 300000, 1 << 20, 5, 700000};
    char *payload = xmalloc(1 << 20);
    memset(payload, 'p', 1 << 20);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        Slice argv[3] = {slice_cstr("set"), slice_cstr("k"), slice_of(payload, sizes[i])};
        aof_cat_command(&big, 3, argv);
    }
    CHECK_EQ_INT(load_bytes(fd, big.p, big.len, &log, &res), AOF_LOAD_OK);
    CHECK_EQ_INT(log.n, 5);
    CHECK_EQ_INT(log.cmds.len, big.len);
    CHECK(memcmp(log.cmds.p, big.p, big.len) == 0);
    CHECK_EQ_INT(load_bytes(fd, big.p, big.len - 1, &log, &res), AOF_LOAD_TRUNCATED);
    CHECK_EQ_INT(log.n, 4);
    xfree(payload);
    buf_free(&big);
    buf_free(&log.cmds);
    close(fd);
    unlink(path);
}

int main(void) {
    test_seed("test_aof");
    manifest_redis_text();
    manifest_parse_forms();
    manifest_errors();
    manifest_roundtrip_random();
    manifest_disk();
    record_roundtrip();
    record_bad();
    replay_every_cut();
    replay_corrupt_bytes();
    replay_special();
    return test_report("test_aof");
}
