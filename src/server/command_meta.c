/*
 * command_meta.c - COMMAND INFO entries and COMMAND DOCS maps, built from the
 * dispatch tables (name, arity, flags, key range, ACL categories,
 * subcommands) and the metadata table (command_meta.h: tips, key specs,
 * docs).
 *
 * Which Redis the data follows. The wire layout is redis-server 7.0's for
 * every command: field order in the maps, RESP3 sets for flags, tips, key
 * specs, subcommands and history, 7.0's flag order, no display_text in
 * arguments. The content is 7.0's, byte for byte, for every command streamd
 * shares with 7.0, except where streamd implements a later surface:
 *   - stream commands Redis changed after 7.0 (XADD, XTRIM: KEEPREF / DELREF
 *     / ACKED in 8.2, XADD IDMP / IDMPAUTO in 8.6; XREAD "+" in 7.4 and
 *     MAXCOUNT / MAXSIZE in 8.10; XREADGROUP CLAIM in 8.4 and the caps in
 *     8.10; XINFO STREAM / CONSUMERS fields of 7.2 and 8.6) carry the newer
 *     summary, arguments and history entries, as Redis's own command JSON
 *     has them (which is not always what its docs pages show: XREAD has no
 *     complexity and no 7.4 history entry, XADD no 8.6 one);
 *   - ZRANK / ZREVRANK take 7.2's WITHSCORE: arity -3, and the argument and
 *     history entry in their docs;
 *   - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL and FCALL_RO show 8.10's
 *     script_runner flag (clients leave their replies out of client-side
 *     caches), after 7.0's flags;
 *   - ZUNION / ZINTER / ZUNIONSTORE / ZINTERSTORE take 8.8's AGGREGATE
 *     COUNT: the argument (since 8.8.0) and history entry in their docs;
 *   - commands newer than 7.0 (CLIENT SETINFO 7.2, XDELEX, XACKDEL 8.2,
 *     XCFGSET 8.6, XIDMPRECORD 8.6.2, XNACK, INCREX and the AR* array
 *     commands 8.8, SUNIONCARD, SDIFFCARD, LMOVEM, BLMOVEM and HIMPORT
 *     8.10) carry their own release's data,
 *     and XIDMPCOUNTERS (streamd's own, for the AOF) carries ours;
 * tests/integration/test_command_meta_redis8.py names the Redis commits the
 * 8.x data was taken from and pins it.
 *   - a container lists only the subcommands streamd has, in its table's
 *     order (Redis's order is its dict's, which changes from run to run).
 * tests/compat/test_command_meta.py holds the list of these exceptions and
 * checks everything else against redis-server 7.0.
 *
 * Rejected: a reply blob per command (unreadable, and RESP2/RESP3 would need
 * two); building the data at start-up from JSON (a parser in the server for
 * a table that never changes at run time).
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "server/command_meta.h"
#include "server/core.h"

const CommandMeta *command_meta_find(const char *fullname) {
    size_t lo = 0, hi = command_meta_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(fullname, command_meta_table[mid].name);
        if (r == 0) return &command_meta_table[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void command_meta_fullname(char *out, size_t n, const Command *cmd, const Command *parent) {
    if (parent)
        snprintf(out, n, "%s|%s", parent->name, cmd->name);
    else
        snprintf(out, n, "%s", cmd->name);
}

/* Redis 7.0's order (8.10's script_runner last); may_replicate and sentinel are
 * never shown. */
static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CMD_WRITE, "write"},
    {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},
    {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_ASKING, "asking"},
    {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"},
    {CMD_ALLOW_BUSY, "allow_busy"},
    {CMD_SCRIPT_RUNNER, "script_runner"}, /* Redis 8.10, after 7.0's flags */
};

/* Counts the space-separated words of s (NULL: none). */
static size_t count_words(const char *s) {
    size_t n = 0;
    for (const char *p = s; p && *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        n++;
        while (*p && *p != ' ') p++;
    }
    return n;
}

/* Replies each word of s as a status (as_status) or a bulk string. */
static void reply_words(Client *c, const char *s, int as_status) {
    for (const char *p = s; p && *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *e = p;
        while (*e && *e != ' ') e++;
        char w[96];
        size_t len = (size_t)(e - p) < sizeof w - 1 ? (size_t)(e - p) : sizeof w - 1;
        memcpy(w, p, len);
        w[len] = '\0';
        if (as_status)
            reply_status(c, w);
        else
            reply_bulk(c, p, (size_t)(e - p));
        p = e;
    }
}

static void reply_key_spec(Client *c, const MetaKeySpec *ks) {
    reply_map(c, ks->notes ? 4 : 3);
    if (ks->notes) {
        reply_bulk_cstr(c, "notes");
        reply_bulk_cstr(c, ks->notes);
    }
    reply_bulk_cstr(c, "flags");
    reply_set(c, count_words(ks->flags));
    reply_words(c, ks->flags, 1);

    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    if (ks->bs_type == META_BS_INDEX) {
        reply_bulk_cstr(c, "index");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 1);
        reply_bulk_cstr(c, "index");
        reply_int(c, ks->bs_index);
    } else if (ks->bs_type == META_BS_KEYWORD) {
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 2);
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, ks->bs_keyword);
        reply_bulk_cstr(c, "startfrom");
        reply_int(c, ks->bs_index);
    } else {
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 0);
    }

    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    if (ks->fk_type == META_FK_RANGE) {
        reply_bulk_cstr(c, "range");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 3);
        reply_bulk_cstr(c, "lastkey");
        reply_int(c, ks->fk_a);
        reply_bulk_cstr(c, "keystep");
        reply_int(c, ks->fk_b);
        reply_bulk_cstr(c, "limit");
        reply_int(c, ks->fk_c);
    } else if (ks->fk_type == META_FK_KEYNUM) {
        reply_bulk_cstr(c, "keynum");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 3);
        reply_bulk_cstr(c, "keynumidx");
        reply_int(c, ks->fk_a);
        reply_bulk_cstr(c, "firstkey");
        reply_int(c, ks->fk_b);
        reply_bulk_cstr(c, "keystep");
        reply_int(c, ks->fk_c);
    } else {
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 0);
    }
}

void command_meta_reply_info(Client *c, const Command *cmd, const Command *parent) {
    char name[128];
    command_meta_fullname(name, sizeof name, cmd, parent);
    const CommandMeta *m = command_meta_find(name);
    reply_array(c, 10);
    reply_bulk_cstr(c, name);
    reply_int(c, cmd->arity);
    /* A Redis 8 module's command shows "module" right after denyoom, where
     * Redis's flag table has it. */
    int module = m && m->module;
    size_t nf = module;
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        nf += (cmd->flags & flag_names[i].flag) != 0;
    reply_set(c, nf);
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
        if (module && flag_names[i].flag == CMD_ADMIN) reply_status(c, "module");
        if (cmd->flags & flag_names[i].flag) reply_status(c, flag_names[i].name);
    }
    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);
    reply_set(c, count_words(cmd->acl));
    reply_words(c, cmd->acl, 1);
    const char *tips = m ? m->tips : NULL;
    reply_set(c, count_words(tips));
    reply_words(c, tips, 0);
    size_t nks = m ? m->nkey_specs : 0;
    reply_set(c, nks);
    for (size_t i = 0; i < nks; i++) reply_key_spec(c, &m->key_specs[i]);
    size_t ns = 0;
    for (const Command *s = cmd->subcommands; s && s->name; s++) ns++;
    reply_set(c, ns);
    for (const Command *s = cmd->subcommands; s && s->name; s++) command_meta_reply_info(c, s, cmd);
}

static void reply_args(Client *c, const MetaArg *args, size_t n) {
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        const MetaArg *a = &args[i];
        size_t nflags = 0;
        for (unsigned f = a->flags; f; f &= f - 1) nflags++;
        reply_map(c, 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->summary != NULL) +
                         (a->since != NULL) + (a->deprecated_since != NULL) + (nflags > 0) +
                         (a->nargs > 0));
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, a->name);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, a->type);
        if (a->key_spec_index >= 0) {
            reply_bulk_cstr(c, "key_spec_index");
            reply_int(c, a->key_spec_index);
        }
        if (a->token) {
            reply_bulk_cstr(c, "token");
            reply_bulk_cstr(c, a->token);
        }
        if (a->summary) {
            reply_bulk_cstr(c, "summary");
            reply_bulk_cstr(c, a->summary);
        }
        if (a->since) {
            reply_bulk_cstr(c, "since");
            reply_bulk_cstr(c, a->since);
        }
        if (a->deprecated_since) {
            reply_bulk_cstr(c, "deprecated_since");
            reply_bulk_cstr(c, a->deprecated_since);
        }
        if (nflags) {
            reply_bulk_cstr(c, "flags");
            reply_set(c, nflags);
            if (a->flags & META_ARG_OPTIONAL) reply_status(c, "optional");
            if (a->flags & META_ARG_MULTIPLE) reply_status(c, "multiple");
            if (a->flags & META_ARG_MULTIPLE_TOKEN) reply_status(c, "multiple_token");
        }
        if (a->nargs) {
            reply_bulk_cstr(c, "arguments");
            reply_args(c, a->args, a->nargs);
        }
    }
}

void command_meta_reply_docs(Client *c, const Command *cmd, const Command *parent) {
    char name[128];
    command_meta_fullname(name, sizeof name, cmd, parent);
    const CommandMeta *m = command_meta_find(name);
    size_t ns = 0;
    for (const Command *s = cmd->subcommands; s && s->name; s++) ns++;
    if (!m) {
        /* Every command has metadata (a test checks it); this keeps a new
         * one without an entry from breaking COMMAND DOCS. */
        reply_map(c, ns > 0);
    } else {
        reply_map(c, 3 + (m->complexity != NULL) + (m->module != NULL) + (m->doc_flags != NULL) +
                         (m->deprecated_since != NULL) + (m->replaced_by != NULL) +
                         (m->nhistory > 0) + (m->nargs > 0) + (ns > 0));
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, m->summary);
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, m->since);
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, m->group);
        if (m->complexity) {
            reply_bulk_cstr(c, "complexity");
            reply_bulk_cstr(c, m->complexity);
        }
        if (m->module) {
            reply_bulk_cstr(c, "module");
            reply_bulk_cstr(c, m->module);
        }
        if (m->doc_flags) {
            reply_bulk_cstr(c, "doc_flags");
            reply_set(c, count_words(m->doc_flags));
            reply_words(c, m->doc_flags, 1);
        }
        if (m->deprecated_since) {
            reply_bulk_cstr(c, "deprecated_since");
            reply_bulk_cstr(c, m->deprecated_since);
        }
        if (m->replaced_by) {
            reply_bulk_cstr(c, "replaced_by");
            reply_bulk_cstr(c, m->replaced_by);
        }
        if (m->nhistory) {
            reply_bulk_cstr(c, "history");
            reply_set(c, m->nhistory);
            for (size_t i = 0; i < m->nhistory; i++) {
                reply_array(c, 2);
                reply_bulk_cstr(c, m->history[2 * i]);
                reply_bulk_cstr(c, m->history[2 * i + 1]);
            }
        }
        if (m->nargs) {
            reply_bulk_cstr(c, "arguments");
            reply_args(c, m->args, m->nargs);
        }
    }
    if (ns) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, ns);
        for (const Command *s = cmd->subcommands; s->name; s++) {
            char sub[128];
            command_meta_fullname(sub, sizeof sub, s, cmd);
            reply_bulk_cstr(c, sub);
            command_meta_reply_docs(c, s, cmd);
        }
    }
}

/* The position of the keyword a KEYWORD begin-search looks for, or -1. */
static int find_keyword(const MetaKeySpec *ks, int argc, const Slice *argv) {
    int from = ks->bs_index;
    int start = from > 0 ? from : argc + from;
    int end = from > 0 ? argc - 1 : 1;
    int step = from > 0 ? 1 : -1;
    for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
        if (i >= argc || i < 1) break;
        if (slice_eq_nocase(argv[i], ks->bs_keyword)) return i;
    }
    return -1;
}

/* MIGRATE's keys as 7.0 finds them. Its specs come first: the key argument,
 * and, when a KEYS is found searching back from the last but one argument,
 * the KEYS spec, which is incomplete (the word could be an AUTH password),
 * so 7.0 finds the keys by parsing the options instead: the words after the
 * KEYS found stepping over the options' own arguments from argument 6 (none
 * when the key argument is not empty), or the key argument. */
static int migrate_keys(int argc, const Slice *argv, int *pos, const char **kflags, int max) {
    int first = 3, last = 3, has_keys = 0;
    for (int i = argc - 2; i >= 2 && !has_keys; i--) has_keys = slice_eq_nocase(argv[i], "KEYS");
    for (int i = 6; i < argc && has_keys; i++) {
        if (slice_eq_nocase(argv[i], "KEYS")) {
            if (argv[3].len) return 0;
            first = i + 1;
            last = argc - 1;
            break;
        }
        if (slice_eq_nocase(argv[i], "AUTH"))
            i += 1;
        else if (slice_eq_nocase(argv[i], "AUTH2"))
            i += 2;
    }
    int n = 0;
    for (int i = first; i <= last && i < argc && n < max; i++) {
        pos[n] = i;
        kflags[n++] = "RW access delete";
    }
    return n;
}

/* Fills pos/kflags with the keys the key specs of m find in argv (the
 * command's own words, argv[0] its name); returns their count. Redis's
 * key-spec walk: a spec whose keyword is missing finds nothing; positions
 * past argc are skipped. kflags point into the table (static). */
int command_meta_getkeys(const CommandMeta *m, const Command *cmd, int argc, const Slice *argv,
                         int *pos, const char **kflags, int max) {
    if (m && strcmp(m->name, "migrate") == 0) return migrate_keys(argc, argv, pos, kflags, max);
    int n = 0;
    for (size_t j = 0; m && j < m->nkey_specs; j++) {
        const MetaKeySpec *ks = &m->key_specs[j];
        int first, last, step;
        if (ks->bs_type == META_BS_INDEX) {
            first = ks->bs_index;
        } else if (ks->bs_type == META_BS_KEYWORD) {
            int k = find_keyword(ks, argc, argv);
            if (k < 0) continue;
            first = k + 1;
        } else {
            continue;
        }
        if (ks->fk_type == META_FK_RANGE) {
            step = ks->fk_b;
            if (ks->fk_a >= 0)
                last = first + ks->fk_a;
            else if (!ks->fk_c)
                last = argc + ks->fk_a;
            else
                last = first + ((argc - first) / ks->fk_c + ks->fk_a);
        } else if (ks->fk_type == META_FK_KEYNUM) {
            if (first + ks->fk_a >= argc) continue;
            long long nk;
            Slice a = argv[first + ks->fk_a];
            if (num_parse_ll(a.p, a.len, &nk) != 0 || nk < 0 || nk > argc) continue;
            step = ks->fk_c;
            first += ks->fk_b;
            /* the keys are step apart (MSETEX's key value pairs): Redis 8's
             * walk, where 7.0 ignored the step (no 7.0 command has one) */
            last = first + ((int)nk - 1) * step;
            if (last >= argc) continue; /* more keys than arguments: none (Redis) */
        } else {
            continue;
        }
        assert(step > 0);
        for (int i = first; i <= last && n < max; i += step) {
            if (i >= argc || i < first) continue; /* too few arguments: no key there */
            pos[n] = i;
            kflags[n] = ks->flags;
            n++;
        }
    }
    /* SET's spec has variable flags: GET or a value condition (8.4) makes
     * the write a read-modify-write; so does a condition DELEX's delete. */
    if (n == 1 && strcmp(m->name, "set") == 0) {
        kflags[0] = "OW update";
        for (int i = 3; i < argc; i++)
            if (slice_eq_nocase(argv[i], "GET") || slice_eq_nocase(argv[i], "IFEQ") ||
                slice_eq_nocase(argv[i], "IFNE") || slice_eq_nocase(argv[i], "IFDEQ") ||
                slice_eq_nocase(argv[i], "IFDNE"))
                kflags[0] = "RW access update";
    } else if (n == 1 && strcmp(m->name, "delex") == 0) {
        kflags[0] = argc > 2 ? "RW access delete" : "RM delete";
    }
    return n;
}

/* Replies the set of key-spec flags in flags (space-separated). */
void command_meta_reply_key_flags(Client *c, const char *flags) {
    reply_set(c, count_words(flags));
    reply_words(c, flags, 1);
}
