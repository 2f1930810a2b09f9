/*
 * manifest.c - the AOF manifest: text form, naming and atomic replacement.
 *
 * The text form is Redis 7's, one line per file, base first, then history,
 * then incremental files in ascending sequence:
 *
 *     file appendonly.aof.2.base.aof seq 2 type b
 *     file appendonly.aof.1.incr.aof seq 1 type h
 *     file appendonly.aof.2.incr.aof seq 2 type i
 *
 * Each line is whitespace-separated key/value pairs; "file", "seq" and "type"
 * are required, other keys are ignored (Redis reserves them for the future),
 * lines starting with '#' are comments. A value may be double-quoted with
 * C-like escapes (\n, \xHH, ...) or single-quoted, the way redis.conf values
 * are; a file name that needs it is written double-quoted. Parse errors carry
 * Redis's messages so a user sees the same diagnosis from either server.
 *
 * Names: base "<prefix>.<seq>.base.aof" (streamd never writes the RDB
 * variant), incremental "<prefix>.<seq>.incr.aof". Base and incremental files
 * have their own sequence counters, recovered from the manifest on load.
 *
 * Replacing the manifest on disk is write temp file, fsync, rename over the
 * old one, fsync the directory: a crash leaves either the old or the new
 * manifest, never a mix. Files named by the new manifest are created and
 * synced before it is written, so the manifest never names a missing file.
 *
 * Rejected: a binary or JSON manifest (Redis could not read it), and keeping
 * the incremental list implicit in file names (a directory listing cannot say
 * which files are history after a crash between rename and delete).
 */
#include "persist/manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "net/resp.h"

/* Largest manifest file read: far more than any history list needs. */
#define MANIFEST_MAX_BYTES (16u << 20)

static void info_free(AofFileInfo *fi) {
    xfree(fi->name);
    fi->name = NULL;
}

static AofFileInfo info_dup(const AofFileInfo *fi) {
    AofFileInfo out = *fi;
    out.name = fi->name ? xstrdup(fi->name) : NULL;
    return out;
}

static void list_insert(AofFileInfo **v, int *n, int *cap, int at, AofFileInfo fi) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *v = xrealloc(*v, (size_t)*cap * sizeof **v);
    }
    memmove(*v + at + 1, *v + at, (size_t)(*n - at) * sizeof **v);
    (*v)[at] = fi;
    (*n)++;
}

static void list_push(AofFileInfo **v, int *n, int *cap, AofFileInfo fi) {
    list_insert(v, n, cap, *n, fi);
}

/* Returns an owned empty manifest; free with aof_manifest_free(). */
AofManifest *aof_manifest_new(void) {
    return xcalloc(1, sizeof(AofManifest));
}

/* Frees am and every name it owns; NULL is allowed. */
void aof_manifest_free(AofManifest *am) {
    if (!am) return;
    info_free(&am->base);
    for (int i = 0; i < am->n_history; i++) info_free(&am->history[i]);
    for (int i = 0; i < am->n_incr; i++) info_free(&am->incr[i]);
    xfree(am->history);
    xfree(am->incr);
    xfree(am);
}

/* Returns an owned deep copy of am (borrowed), to modify and swap in only when
 * every step of a change succeeded. */
AofManifest *aof_manifest_dup(const AofManifest *am) {
    AofManifest *c = aof_manifest_new();
    c->base = info_dup(&am->base);
    for (int i = 0; i < am->n_history; i++)
        list_push(&c->history, &c->n_history, &c->cap_history, info_dup(&am->history[i]));
    for (int i = 0; i < am->n_incr; i++)
        list_push(&c->incr, &c->n_incr, &c->cap_incr, info_dup(&am->incr[i]));
    c->base_seq = am->base_seq;
    c->incr_seq = am->incr_seq;
    return c;
}

/* Strict positive decimal. */
static int parse_seq(Slice s, long long *out) {
    if (s.len == 0 || s.p[0] < '1' || s.p[0] > '9') return -1;
    long long v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return -1;
        if (v > (0x7fffffffffffffffLL - (s.p[i] - '0')) / 10) return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    *out = v;
    return 0;
}

/* ---- Parsing ----------------------------------------------------------- */

#define MAX_LINE_TOKENS 64

static void set_err(AofManifestError *err, const char *msg, int line_no, const char *line,
                    size_t line_len) {
    err->msg = msg;
    err->line_no = line_no;
    if (line_len > AOF_MANIFEST_MAX_LINE) line_len = AOF_MANIFEST_MAX_LINE;
    if (line) memcpy(err->line, line, line_len);
    err->line[line ? line_len : 0] = '\0';
}

/* Parses one non-comment line into *fi (owned name). Returns NULL or the
 * error message. */
static const char *parse_line(const char *line, size_t len, AofFileInfo *fi) {
    RespArgv tok;
    resp_argv_init(&tok);
    const char *err = NULL;
    fi->name = NULL;
    fi->seq = 0;
    fi->type = 0;
    int n = resp_split_args(line, len, &tok) == 0 ? tok.n : -1;
    if (n < 6 || n % 2 || n > MAX_LINE_TOKENS) {
        err = "Invalid AOF manifest file format";
        goto done;
    }
    for (int i = 0; i < n; i += 2) {
        Slice k = tok.v[i], v = tok.v[i + 1];
        if (slice_eq_nocase(k, "file")) {
            if (v.len == 0 || memchr(v.p, '\0', v.len)) {
                err = "Invalid AOF manifest file format";
                goto done;
            }
            if (memchr(v.p, '/', v.len) || memchr(v.p, '\\', v.len)) {
                err = "File can't be a path, just a filename";
                goto done;
            }
            xfree(fi->name);
            fi->name = xmalloc(v.len + 1);
            memcpy(fi->name, v.p, v.len);
            fi->name[v.len] = '\0';
        } else if (slice_eq_nocase(k, "seq")) {
            if (parse_seq(v, &fi->seq) != 0) {
                err = "Invalid AOF manifest file format";
                goto done;
            }
        } else if (slice_eq_nocase(k, "type")) {
            fi->type = v.len ? v.p[0] : 0;
        }
    }
    if (!fi->name || !fi->seq || !fi->type) err = "Invalid AOF manifest file format";
done:
    resp_argv_free(&tok);
    if (err) info_free(fi);
    return err;
}

/*
 * Parses manifest text (borrowed). On success returns 0 and *out, owned (free
 * with aof_manifest_free()); otherwise -1 with *err filled (messages are
 * Redis's). Accepts what Redis 7 accepts: comments, unknown keys, any
 * order of keys on a line.
 */
int aof_manifest_parse(const char *text, size_t len, AofManifest **out, AofManifestError *err) {
    AofManifest *am = aof_manifest_new();
    long long max_incr_seq = 0;
    int line_no = 0;
    size_t pos = 0;
    set_err(err, NULL, 0, NULL, 0);
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t raw_len = nl ? (size_t)(nl - line) : len - pos;
        line_no++;
        pos += raw_len + (nl ? 1 : 0);
        if (line[0] == '#') continue;
        if (!nl || raw_len > AOF_MANIFEST_MAX_LINE) {
            set_err(err, "The AOF manifest file contains too long line", line_no, line, raw_len);
            goto fail;
        }
        /* Trim spaces, tabs, CR and LF at both ends. */
        size_t b = 0, e = raw_len;
        while (b < e && strchr(" \t\r\n", line[b])) b++;
        while (e > b && strchr(" \t\r\n", line[e - 1])) e--;
        if (b == e || memchr(line + b, '\0', e - b)) {
            /* quoted trimmed, as Redis quotes it */
            set_err(err, "Invalid AOF manifest file format", line_no, line + b, e - b);
            goto fail;
        }
        AofFileInfo fi;
        const char *msg = parse_line(line + b, e - b, &fi);
        if (msg) {
            set_err(err, msg, line_no, line + b, e - b);
            goto fail;
        }
        if (fi.type == AOF_FILE_BASE) {
            if (am->base.name) {
                info_free(&fi);
                set_err(err, "Found duplicate base file information", line_no, line + b, e - b);
                goto fail;
            }
            am->base = fi;
            am->base_seq = fi.seq;
        } else if (fi.type == AOF_FILE_HIST) {
            list_push(&am->history, &am->n_history, &am->cap_history, fi);
        } else if (fi.type == AOF_FILE_INCR) {
            if (fi.seq <= max_incr_seq) {
                info_free(&fi);
                set_err(err, "Found a non-monotonic sequence number", line_no, line + b, e - b);
                goto fail;
            }
            max_incr_seq = fi.seq;
            am->incr_seq = fi.seq;
            list_push(&am->incr, &am->n_incr, &am->cap_incr, fi);
        } else {
            info_free(&fi);
            set_err(err, "Unknown AOF file type", line_no, line + b, e - b);
            goto fail;
        }
    }
    if (line_no == 0) {
        set_err(err, "Found an empty AOF manifest", 0, NULL, 0);
        goto fail;
    }
    *out = am;
    return 0;
fail:
    aof_manifest_free(am);
    *out = NULL;
    return -1;
}

/* ---- Formatting -------------------------------------------------------- */

static int needs_quotes(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\' || c == '"' || c == '\'' || !isprint(c) || isspace(c)) return 1;
    }
    return 0;
}

static void format_line(Buf *out, const AofFileInfo *fi) {
    buf_append_cstr(out, "file ");
    if (needs_quotes(fi->name))
        buf_append_repr(out, fi->name, strlen(fi->name));
    else
        buf_append_cstr(out, fi->name);
    buf_printf(out, " seq %lld type %c\n", fi->seq, fi->type);
}

/* Appends the manifest's text to out (borrowed both): base, history, incr. */
void aof_manifest_format(const AofManifest *am, Buf *out) {
    if (am->base.name) format_line(out, &am->base);
    for (int i = 0; i < am->n_history; i++) format_line(out, &am->history[i]);
    for (int i = 0; i < am->n_incr; i++) format_line(out, &am->incr[i]);
}

/* ---- Naming ------------------------------------------------------------ */

static char *make_name_ext(const char *prefix, long long seq, const char *kind, const char *ext) {
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s.%lld.%s.%s", prefix, seq, kind, ext);
    buf_append_char(&b, '\0');
    return b.p;
}

static char *make_name(const char *prefix, long long seq, const char *kind) {
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s.%lld.%s.aof", prefix, seq, kind);
    buf_append_char(&b, '\0');
    return b.p;
}

/* Names a new base file "<prefix>.<seq>.base.aof" and makes the previous base
 * (if any) history. Returns a view of the name, valid while am is. */
const char *aof_manifest_new_base(AofManifest *am, const char *prefix) {
    if (am->base.name) {
        /* History lists newest first, as Redis orders it. */
        AofFileInfo old = am->base;
        old.type = AOF_FILE_HIST;
        list_insert(&am->history, &am->n_history, &am->cap_history, 0, old);
    }
    am->base.seq = ++am->base_seq;
    am->base.type = AOF_FILE_BASE;
    am->base.name = make_name(prefix, am->base.seq, "base");
    return am->base.name;
}

/* The same for a base in RDB format: "<prefix>.<seq>.base.rdb", as Redis 7
 * names it with aof-use-rdb-preamble yes. */
const char *aof_manifest_new_base_rdb(AofManifest *am, const char *prefix) {
    aof_manifest_new_base(am, prefix);
    xfree(am->base.name);
    am->base.name = make_name_ext(prefix, am->base.seq, "base", "rdb");
    return am->base.name;
}

/* Sets the base to an existing file (the upgrade from a single-file AOF);
 * name is borrowed and copied. */
void aof_manifest_set_base(AofManifest *am, const char *name, long long seq) {
    info_free(&am->base);
    am->base.name = xstrdup(name);
    am->base.seq = seq;
    am->base.type = AOF_FILE_BASE;
    if (am->base_seq < seq) am->base_seq = seq;
}

/* Appends a new incremental file "<prefix>.<seq>.incr.aof"; returns a view of
 * its name, valid until am changes. */
const char *aof_manifest_new_incr(AofManifest *am, const char *prefix) {
    AofFileInfo fi;
    fi.seq = ++am->incr_seq;
    fi.type = AOF_FILE_INCR;
    fi.name = make_name(prefix, fi.seq, "incr");
    list_push(&am->incr, &am->n_incr, &am->cap_incr, fi);
    return fi.name;
}

/* The incremental file to append to: the last one, or a new one when there is
 * none. Returns a view valid until am changes. */
const char *aof_manifest_last_incr(AofManifest *am, const char *prefix) {
    if (am->n_incr == 0) return aof_manifest_new_incr(am, prefix);
    return am->incr[am->n_incr - 1].name;
}

/* After a rewrite: every incremental file (but the last when keep_last, the
 * one being written to) becomes history. */
void aof_manifest_incr_to_history(AofManifest *am, int keep_last) {
    int n_move = am->n_incr - (keep_last && am->n_incr > 0 ? 1 : 0);
    for (int i = 0; i < n_move; i++) {
        AofFileInfo fi = am->incr[i];
        fi.type = AOF_FILE_HIST;
        list_insert(&am->history, &am->n_history, &am->cap_history, i, fi);
    }
    if (n_move == 0) return;
    memmove(am->incr, am->incr + n_move, (size_t)(am->n_incr - n_move) * sizeof *am->incr);
    am->n_incr -= n_move;
}

/* Forgets the history files (after their deletion was scheduled). */
void aof_manifest_clear_history(AofManifest *am) {
    for (int i = 0; i < am->n_history; i++) info_free(&am->history[i]);
    am->n_history = 0;
}

/* ---- Disk -------------------------------------------------------------- */

/* Returns owned "dir/name" (xfree). */
char *aof_path_join(const char *dir, const char *name) {
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s/%s", dir, name);
    buf_append_char(&b, '\0');
    return b.p;
}

/* fsyncs a directory so that renames and creations in it are durable.
 * Returns 0 or -1 with errno set. */
int aof_fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *errorf(const char *fmt, ...) {
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_append_char(&b, '\0');
    return b.p;
}

/*
 * Reads "<dir>/<prefix>.manifest". Returns 0 with *out owned, 1 when the file
 * does not exist (*out NULL), or -1 with *err an owned message (xfree) for an
 * unreadable or invalid manifest, which must stop the server.
 */
int aof_manifest_load(const char *dir, const char *prefix, AofManifest **out, char **err) {
    *out = NULL;
    *err = NULL;
    char name[4096];
    snprintf(name, sizeof name, "%s.manifest", prefix);
    char *path = aof_path_join(dir, name);
    int fd = open(path, O_RDONLY);
    if (fd == -1) {
        int e = errno;
        if (e == ENOENT) {
            xfree(path);
            return 1;
        }
        *err = errorf("Fatal error: can't open the AOF manifest file %s for reading: %s", path,
                      strerror(e));
        xfree(path);
        return -1;
    }
    Buf text;
    buf_init(&text);
    for (;;) {
        buf_reserve(&text, 8192);
        ssize_t n = read(fd, text.p + text.len, text.cap - text.len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *err = errorf("Read AOF manifest failed: %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0) break;
        text.len += (size_t)n;
        if (text.len > MANIFEST_MAX_BYTES) {
            *err = errorf("The AOF manifest file %s is larger than %u bytes", path,
                          MANIFEST_MAX_BYTES);
            break;
        }
    }
    close(fd);
    if (!*err) {
        AofManifestError perr;
        if (aof_manifest_parse(text.p ? text.p : "", text.len, out, &perr) != 0) {
            if (perr.line_no)
                *err = errorf("*** FATAL AOF MANIFEST FILE ERROR *** %s: reading the manifest "
                              "file %s, at line %d: '%s'",
                              perr.msg, path, perr.line_no, perr.line);
            else
                *err = errorf("*** FATAL AOF MANIFEST FILE ERROR *** %s: %s", perr.msg, path);
        }
    }
    buf_free(&text);
    xfree(path);
    return *err ? -1 : 0;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/*
 * Replaces "<dir>/<prefix>.manifest" with am (borrowed), atomically and
 * durably: temp file, fsync, rename, fsync of the directory. Returns 0, or -1
 * with *err an owned message (the old manifest is then still in place, or the
 * new one is complete: never a mix).
 */
int aof_manifest_persist(const AofManifest *am, const char *dir, const char *prefix, char **err) {
    *err = NULL;
    char name[4096], tmp_name[4096];
    snprintf(name, sizeof name, "%s.manifest", prefix);
    snprintf(tmp_name, sizeof tmp_name, "temp-%s.manifest", prefix);
    char *path = aof_path_join(dir, name);
    char *tmp_path = aof_path_join(dir, tmp_name);
    Buf text;
    buf_init(&text);
    aof_manifest_format(am, &text);
    int fd = open(tmp_path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        *err = errorf("Can't open the AOF manifest file %s: %s", tmp_name, strerror(errno));
        goto done;
    }
    if (write_all(fd, text.p ? text.p : "", text.len) != 0) {
        *err = errorf("Error trying to write the temporary AOF manifest file %s: %s", tmp_name,
                      strerror(errno));
        goto done;
    }
    if (fdatasync(fd) != 0) {
        *err = errorf("Fail to fsync the temp AOF file %s: %s.", tmp_name, strerror(errno));
        goto done;
    }
    if (rename(tmp_path, path) != 0) {
        *err = errorf("Error trying to rename the temporary AOF manifest file %s into %s: %s",
                      tmp_name, name, strerror(errno));
        goto done;
    }
    if (aof_fsync_dir(dir) != 0) {
        *err = errorf("Fail to fsync AOF directory %s: %s.", dir, strerror(errno));
        goto done;
    }
done:
    if (fd != -1) close(fd);
    buf_free(&text);
    xfree(path);
    xfree(tmp_path);
    return *err ? -1 : 0;
}
