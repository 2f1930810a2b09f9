/*
 * acl.c - users, their rules, the permission check, ACL LOG, the ACL file
 * and the ACL command, as Redis 7.0 has them.
 *
 * Commands get dense ids at start-up (every command, then its subcommands,
 * in the command tables' order); a user's permission to run commands is a
 * bitmap over those ids. Rules are applied in order to the bitmap (a
 * category sets or clears the bits of its commands, a container's bit
 * carries its subcommands'), so, as in Redis, a user's rules are not kept
 * as typed: ACL LIST and ACL GETUSER describe the bitmap again. That
 * description starts from +@all (when the user may run commands added
 * later: it took +@all and no -@all since) or -@all, then names the
 * categories that fit best (fewest commands disagreeing first), then the single commands
 * still different. Redis lists those single commands in its hash table's
 * order (random per process); here they come in the command tables' order.
 *
 * Alternatives rejected: keeping the rule text (ACL LIST would not
 * collapse `+get -get`, as 7.0 does); a per-client copy of the permissions
 * (ACL SETUSER must apply to the clients already authenticated as the
 * user). A user that may do everything is marked is_unrestricted so the
 * dispatch tests one field (acl.h).
 *
 * A user's permissions are its root selector plus any number of selectors
 * (7.0's "(...)" rules), each a bitmap, key patterns and channel patterns;
 * a command may run if any of them allows all of it.
 *
 * ACL SETUSER applies its rules to a copy and installs it only if every rule
 * was valid, so a bad rule changes nothing. Users are kept sorted by name
 * (ACL USERS, ACL LIST, ACL SAVE list them so).
 */
#include "server/acl.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/sha256.h"
#include "server/command_meta.h"
#include "server/core.h"

enum { ACL_USER_ON = 1, ACL_USER_NOPASS = 2, ACL_USER_SANITIZE = 4, ACL_USER_SKIP_SANITIZE = 8 };
enum {
    ACL_SEL_ALLKEYS = 1,
    ACL_SEL_ALLCHANNELS = 2,
    ACL_SEL_ALLCOMMANDS = 4, /* +@all and no removal since: the bits need no look */
    ACL_SEL_FUTURE = 8,      /* +@all and no -@all since: commands added later are allowed */
};
enum { PERM_READ = 1, PERM_WRITE = 2, PERM_ALL = 3 };

typedef struct AclKeyPattern {
    char *pat;
    size_t len;
    int perm; /* PERM_* */
} AclKeyPattern;

/* ---- commands and categories ------------------------------------------ */

static const char *const cat_names[] = {
    "keyspace", "read",       "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap",     "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",       "blocking",    "dangerous", "connection", "transaction", "scripting",
    "array",    "bloom",      "cuckoo",      "cms",       "topk",       "tdigest",     "vectorset",
    "json",     "timeseries", "search",      NULL,
};
/* 7.0's categories, then Redis 8.8's "array", then Redis 8's module types'
 * (Bloom, Cuckoo, count-min sketch, Top-K, t-digest, vector sets, JSON,
 * time series, the query engine) */
#define N_CATS 31
_Static_assert(N_CATS <= 32, "a command's categories are the bits of a uint32_t");

typedef struct AclCmd {
    const Command *cmd;
    const Command *parent;
    uint32_t cats; /* bit j: cat_names[j] */
    int first_sub, n_subs;
    char fullname[64];
    const CommandMeta *meta;
} AclCmd;

static AclCmd *cmd_table;
static int n_cmds, n_words;
static Dict *cmd_ids; /* the Command's address -> id + 1 */

static int cmd_id(const Command *cmd) {
    DictEntry *e = dict_find(cmd_ids, (const char *)&cmd, sizeof cmd);
    return e ? (int)(intptr_t)e->val - 1 : -1;
}

static int cat_index(const char *name, size_t len) {
    for (int j = 0; cat_names[j]; j++)
        if (strlen(cat_names[j]) == len && strncasecmp(cat_names[j], name, len) == 0) return j;
    return -1;
}

static uint32_t parse_cats(const char *s) {
    uint32_t bits = 0;
    while (s && *s) {
        while (*s == ' ') s++;
        const char *w = s;
        while (*s && *s != ' ') s++;
        if (*w == '@') {
            int j = cat_index(w + 1, (size_t)(s - w - 1));
            if (j >= 0) bits |= 1u << j;
        }
    }
    return bits;
}

static void add_cmd(const Command *cmd, const Command *parent) {
    AclCmd *e = &cmd_table[n_cmds];
    e->cmd = cmd;
    e->parent = parent;
    e->cats = parse_cats(cmd->acl);
    command_meta_fullname(e->fullname, sizeof e->fullname, cmd, parent);
    e->meta = command_meta_find(e->fullname);
    dict_add(cmd_ids, (const char *)&cmd, sizeof cmd, (void *)(intptr_t)(n_cmds + 1));
    n_cmds++;
}

static void count_cmd(const Command *cmd, void *priv) {
    int *n = priv;
    (*n)++;
    for (const Command *s = cmd->subcommands; s && s->name; s++) (*n)++;
}

static void register_cmd(const Command *cmd, void *priv) {
    (void)priv;
    int id = n_cmds;
    add_cmd(cmd, NULL);
    cmd_table[id].first_sub = n_cmds;
    for (const Command *s = cmd->subcommands; s && s->name; s++) add_cmd(s, cmd);
    cmd_table[id].n_subs = n_cmds - cmd_table[id].first_sub;
}

const char *acl_command_fullname(const Command *cmd) {
    int id = cmd_id(cmd);
    return id >= 0 ? cmd_table[id].fullname : cmd->name;
}

/* A command by its ACL name: "get", "client|list" (any case); NULL if none. */
static int lookup_cmd(const char *name, size_t len) {
    const char *bar = memchr(name, '|', len);
    const Command *cmd = command_lookup(name, bar ? (size_t)(bar - name) : len);
    if (!cmd) return -1;
    if (!bar) return cmd_id(cmd);
    Slice sub = slice_of(bar + 1, len - (size_t)(bar + 1 - name));
    if (memchr(sub.p, '|', sub.len)) return -1;
    for (const Command *s = cmd->subcommands; s && s->name; s++)
        if (strlen(s->name) == sub.len && strncasecmp(s->name, sub.p, sub.len) == 0)
            return cmd_id(s);
    return -1;
}

/* ---- users ------------------------------------------------------------- */

static AclUser **users;
static int n_users;
static AclUser *default_user;
static AclUser super_user; /* fake clients' (AOF loading): never in the table */

static int get_bit(const AclSelector *u, int id) {
    return (u->cmd_bits[id / 64] >> (id % 64)) & 1;
}

static void set_bit(AclSelector *u, int id, int v) {
    if (v)
        u->cmd_bits[id / 64] |= 1ull << (id % 64);
    else
        u->cmd_bits[id / 64] &= ~(1ull << (id % 64));
}

static void free_firstargs_of(AclSelector *u, int id) {
    if (!u->firstargs || !u->firstargs[id]) return;
    for (char **p = u->firstargs[id]; *p; p++) xfree(*p);
    xfree(u->firstargs[id]);
    u->firstargs[id] = NULL;
}

static void free_all_firstargs(AclSelector *u) {
    if (!u->firstargs) return;
    for (int i = 0; i < n_cmds; i++) free_firstargs_of(u, i);
    xfree(u->firstargs);
    u->firstargs = NULL;
}

static void clear_keys(AclSelector *u) {
    for (int i = 0; i < u->n_keys; i++) xfree(u->keys[i].pat);
    xfree(u->keys);
    u->keys = NULL;
    u->n_keys = 0;
}

static void clear_channels(AclSelector *u) {
    for (int i = 0; i < u->n_channels; i++) xfree((char *)u->channels[i].p);
    xfree(u->channels);
    u->channels = NULL;
    u->n_channels = 0;
}

static void update_unrestricted(AclUser *u) {
    int all = ACL_SEL_ALLCOMMANDS | ACL_SEL_ALLKEYS | ACL_SEL_ALLCHANNELS;
    u->is_unrestricted = (u->root.sel_flags & all) == all;
}

static void selector_clear(AclSelector *s) {
    xfree(s->cmd_bits);
    free_all_firstargs(s);
    clear_keys(s);
    clear_channels(s);
    memset(s, 0, sizeof *s);
}

/* A selector with no rights (-@all, no keys, and resetchannels, or
 * allchannels under acl-pubsub-default allchannels, as Redis makes them). */
static void selector_init(AclSelector *s) {
    memset(s, 0, sizeof *s);
    s->cmd_bits = xcalloc((size_t)n_words, sizeof(uint64_t));
    if (settings.acl_pubsub_default) s->sel_flags |= ACL_SEL_ALLCHANNELS;
}

static void clear_selectors(AclUser *u) {
    for (int i = 0; i < u->n_selectors; i++) selector_clear(&u->selectors[i]);
    xfree(u->selectors);
    u->selectors = NULL;
    u->n_selectors = 0;
}

/* Frees what u owns (not u itself). */
static void user_clear(AclUser *u) {
    xfree(u->name);
    xfree(u->passwords);
    selector_clear(&u->root);
    clear_selectors(u);
    memset(u, 0, sizeof *u);
}

/* A new user with no rights: off, no password, no commands, keys or
 * channels. Returns owned; free with user_clear() and xfree(). */
static AclUser *user_new(const char *name, size_t len) {
    AclUser *u = xcalloc(1, sizeof *u);
    u->name = xmemdup(name, len + 1);
    u->name[len] = '\0';
    u->name_len = len;
    selector_init(&u->root);
    return u;
}

/* Deep copy of src into dst (dst is uninitialised). */
static void selector_copy(AclSelector *dst, const AclSelector *src) {
    memset(dst, 0, sizeof *dst);
    dst->sel_flags = src->sel_flags;
    dst->cmd_bits = xmemdup(src->cmd_bits, (size_t)n_words * sizeof(uint64_t));
    if (src->firstargs) {
        dst->firstargs = xcalloc((size_t)n_cmds, sizeof(char **));
        for (int i = 0; i < n_cmds; i++) {
            if (!src->firstargs[i]) continue;
            int n = 0;
            while (src->firstargs[i][n]) n++;
            dst->firstargs[i] = xcalloc((size_t)n + 1, sizeof(char *));
            for (int k = 0; k < n; k++) dst->firstargs[i][k] = xstrdup(src->firstargs[i][k]);
        }
    }
    dst->n_keys = src->n_keys;
    if (src->n_keys) {
        dst->keys = xmalloc((size_t)src->n_keys * sizeof *dst->keys);
        for (int i = 0; i < src->n_keys; i++) {
            dst->keys[i] = src->keys[i];
            dst->keys[i].pat = xmemdup(src->keys[i].pat, src->keys[i].len + 1);
        }
    }
    dst->n_channels = src->n_channels;
    if (src->n_channels) {
        dst->channels = xmalloc((size_t)src->n_channels * sizeof(Slice));
        for (int i = 0; i < src->n_channels; i++)
            dst->channels[i] = slice_of(xmemdup(src->channels[i].p, src->channels[i].len + 1),
                                        src->channels[i].len);
    }
}

/* Deep copy of src into dst (dst's old contents are freed). */
static void user_copy(AclUser *dst, const AclUser *src) {
    user_clear(dst);
    dst->name = xmemdup(src->name, src->name_len + 1);
    dst->name_len = src->name_len;
    dst->flags = src->flags;
    dst->is_unrestricted = src->is_unrestricted;
    dst->n_passwords = src->n_passwords;
    if (src->n_passwords)
        dst->passwords = xmemdup(src->passwords, (size_t)src->n_passwords * sizeof *src->passwords);
    selector_copy(&dst->root, &src->root);
    dst->n_selectors = src->n_selectors;
    if (src->n_selectors) {
        dst->selectors = xmalloc((size_t)src->n_selectors * sizeof *dst->selectors);
        for (int i = 0; i < src->n_selectors; i++)
            selector_copy(&dst->selectors[i], &src->selectors[i]);
    }
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int r = memcmp(a, b, n);
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

/* The position of name in users, or where it would go (*found 0). */
static int user_pos(Slice name, int *found) {
    int lo = 0, hi = n_users;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int r = name_cmp(users[mid]->name, users[mid]->name_len, name.p, name.len);
        if (r == 0) {
            *found = 1;
            return mid;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

AclUser *acl_find_user(Slice name) {
    int found;
    int i = user_pos(name, &found);
    return found ? users[i] : NULL;
}

static AclUser *user_insert(AclUser *u) {
    int found;
    int i = user_pos(slice_of(u->name, u->name_len), &found);
    assert(!found);
    users = xrealloc(users, (size_t)(n_users + 1) * sizeof *users);
    memmove(users + i + 1, users + i, (size_t)(n_users - i) * sizeof *users);
    users[i] = u;
    n_users++;
    return u;
}

AclUser *acl_default_user(void) {
    return default_user;
}

AclUser *acl_superuser(void) {
    return &super_user;
}

int acl_auth_required(void) {
    return !(default_user->flags & ACL_USER_NOPASS) || !(default_user->flags & ACL_USER_ON);
}

/* ---- rules ------------------------------------------------------------- */

/* The errors a rule can get, with Redis's texts. */
enum {
    RULE_OK = 0,
    RULE_SYNTAX,
    RULE_UNKNOWN,
    RULE_KEY_AFTER_ALL,
    RULE_CHANNEL_AFTER_ALL,
    RULE_NO_SUCH_PASS,
    RULE_BAD_HASH,
    RULE_SUB_FIRSTARG,
};

static const char *rule_error_text(int e) {
    switch (e) {
    case RULE_UNKNOWN:
        return "Unknown command or category name in ACL";
    case RULE_KEY_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
               "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case RULE_CHANNEL_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
               "does not have any effect. Try 'resetchannels' to start with an empty list of "
               "channels";
    case RULE_NO_SUCH_PASS:
        return "The password you are trying to remove from the user does not exist";
    case RULE_BAD_HASH:
        return "The password hash must be exactly 64 characters and contain only lowercase "
               "hexadecimal characters";
    case RULE_SUB_FIRSTARG:
        return "Allowing first-arg of a subcommand is not supported";
    default:
        return "Syntax error";
    }
}

/* Sets or clears a command's bit; a container's carries its subcommands'.
 * First arguments allowed for it are forgotten either way. */
static void change_perm(AclSelector *u, int id, int allow) {
    set_bit(u, id, allow);
    free_firstargs_of(u, id);
    const AclCmd *e = &cmd_table[id];
    for (int k = 0; k < e->n_subs; k++) set_bit(u, e->first_sub + k, allow);
}

static void set_category(AclSelector *u, int cat, int allow) {
    for (int i = 0; i < n_cmds; i++)
        if (cmd_table[i].cats & (1u << cat)) change_perm(u, i, allow);
}

static void set_all_commands(AclSelector *u, int allow) {
    memset(u->cmd_bits, allow ? 0xff : 0, (size_t)n_words * sizeof(uint64_t));
    free_all_firstargs(u);
}

static void add_firstarg(AclSelector *u, int id, const char *arg, size_t len) {
    if (!u->firstargs) u->firstargs = xcalloc((size_t)n_cmds, sizeof(char **));
    int n = 0;
    if (u->firstargs[id]) {
        for (; u->firstargs[id][n]; n++)
            if (strlen(u->firstargs[id][n]) == len &&
                strncasecmp(u->firstargs[id][n], arg, len) == 0)
                return;
    }
    u->firstargs[id] = xrealloc(u->firstargs[id], (size_t)(n + 2) * sizeof(char *));
    u->firstargs[id][n] = xmemdup(arg, len + 1);
    u->firstargs[id][n][len] = '\0';
    u->firstargs[id][n + 1] = NULL;
}

static int find_password(const AclUser *u, const char *hex) {
    for (int i = 0; i < u->n_passwords; i++)
        if (memcmp(u->passwords[i], hex, 64) == 0) return i;
    return -1;
}

static void add_password(AclUser *u, const char *hex) {
    if (find_password(u, hex) >= 0) return;
    u->passwords = xrealloc(u->passwords, (size_t)(u->n_passwords + 1) * sizeof *u->passwords);
    memcpy(u->passwords[u->n_passwords], hex, 64);
    u->passwords[u->n_passwords][64] = '\0';
    u->n_passwords++;
}

static int remove_password(AclUser *u, const char *hex) {
    int i = find_password(u, hex);
    if (i < 0) return RULE_NO_SUCH_PASS;
    memmove(u->passwords + i, u->passwords + i + 1,
            (size_t)(u->n_passwords - i - 1) * sizeof *u->passwords);
    u->n_passwords--;
    return RULE_OK;
}

static int valid_hash(const char *p, size_t len) {
    if (len != 64) return 0;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return 0;
    return 1;
}

static int word_is(const char *op, size_t len, const char *w) {
    return strlen(w) == len && strncasecmp(op, w, len) == 0;
}

static int add_key_pattern(AclSelector *u, const char *op, size_t len) {
    /* "~*" is "allkeys", also when the keys are all already (7.0) */
    if (len == 2 && op[0] == '~' && op[1] == '*') {
        clear_keys(u);
        u->sel_flags |= ACL_SEL_ALLKEYS;
        return RULE_OK;
    }
    if (u->sel_flags & ACL_SEL_ALLKEYS) return RULE_KEY_AFTER_ALL;
    int perm = 0;
    size_t off = 1;
    if (op[0] == '%') {
        for (; off < len; off++) {
            int ch = toupper((unsigned char)op[off]);
            if (ch == 'R' && !(perm & PERM_READ)) {
                perm |= PERM_READ;
            } else if (ch == 'W' && !(perm & PERM_WRITE)) {
                perm |= PERM_WRITE;
            } else if (op[off] == '~') {
                off++;
                break;
            } else {
                return RULE_SYNTAX;
            }
        }
    } else {
        perm = PERM_ALL;
    }
    const char *pat = op + off;
    size_t plen = len - off;
    if (perm == PERM_ALL && plen == 1 && pat[0] == '*') {
        clear_keys(u);
        u->sel_flags |= ACL_SEL_ALLKEYS;
        return RULE_OK;
    }
    if (!perm) return RULE_SYNTAX;
    for (int i = 0; i < u->n_keys; i++) {
        if (u->keys[i].len == plen && memcmp(u->keys[i].pat, pat, plen) == 0) {
            u->keys[i].perm |= perm;
            return RULE_OK;
        }
    }
    u->keys = xrealloc(u->keys, (size_t)(u->n_keys + 1) * sizeof *u->keys);
    AclKeyPattern *k = &u->keys[u->n_keys++];
    k->pat = xmemdup(pat, plen + 1);
    k->pat[plen] = '\0';
    k->len = plen;
    k->perm = perm;
    return RULE_OK;
}

static int add_channel(AclSelector *u, const char *pat, size_t plen) {
    if (plen == 1 && pat[0] == '*') {
        clear_channels(u);
        u->sel_flags |= ACL_SEL_ALLCHANNELS;
        return RULE_OK;
    }
    if (u->sel_flags & ACL_SEL_ALLCHANNELS) return RULE_CHANNEL_AFTER_ALL;
    for (int i = 0; i < u->n_channels; i++)
        if (slice_eq(u->channels[i], slice_of(pat, plen))) return RULE_OK;
    u->channels = xrealloc(u->channels, (size_t)(u->n_channels + 1) * sizeof(Slice));
    char *copy = xmemdup(pat, plen + 1);
    copy[plen] = '\0';
    u->channels[u->n_channels++] = slice_of(copy, plen);
    return RULE_OK;
}

static int command_rule(AclSelector *u, const char *op, size_t len) {
    int allow = op[0] == '+';
    if (len >= 2 && op[1] == '@') {
        if (word_is(op + 2, len - 2, "all")) {
            set_all_commands(u, allow);
            if (allow)
                u->sel_flags |= ACL_SEL_ALLCOMMANDS | ACL_SEL_FUTURE;
            else
                u->sel_flags &= ~(ACL_SEL_ALLCOMMANDS | ACL_SEL_FUTURE);
            return RULE_OK;
        }
        int cat = cat_index(op + 2, len - 2);
        if (cat < 0) return RULE_UNKNOWN;
        set_category(u, cat, allow);
        if (!allow) u->sel_flags &= ~ACL_SEL_ALLCOMMANDS;
        return RULE_OK;
    }
    const char *name = op + 1;
    size_t nlen = len - 1;
    const char *bar = NULL;
    for (size_t i = nlen; i > 0; i--)
        if (name[i - 1] == '|') {
            bar = name + i - 1;
            break;
        }
    if (!allow || !bar) {
        int id = lookup_cmd(name, nlen);
        if (id < 0) return RULE_UNKNOWN;
        change_perm(u, id, allow);
        if (!allow) u->sel_flags &= ~ACL_SEL_ALLCOMMANDS;
        return RULE_OK;
    }
    /* +cmd|x: a subcommand, or a first argument of a command that has no
     * subcommands (`+select|0`) */
    int base = lookup_cmd(name, (size_t)(bar - name));
    if (base < 0) return RULE_UNKNOWN;
    if (cmd_table[base].parent) return RULE_SUB_FIRSTARG;
    size_t sublen = nlen - (size_t)(bar + 1 - name);
    if (sublen == 0) return RULE_SYNTAX;
    if (cmd_table[base].n_subs) {
        int id = lookup_cmd(name, nlen);
        if (id < 0) return RULE_UNKNOWN;
        change_perm(u, id, 1);
        return RULE_OK;
    }
    add_firstarg(u, base, bar + 1, sublen);
    return RULE_OK;
}

static int has_space(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (isspace((unsigned char)p[i]) || p[i] == '\0') return 1;
    return 0;
}

/* Applies one rule about commands, keys or channels to a selector (the
 * user's own or one in parentheses): RULE_OK or the error. */
static int selector_apply(AclSelector *u, const char *op, size_t len) {
    if (len == 0) return RULE_OK;
    if (word_is(op, len, "allkeys")) {
        clear_keys(u);
        u->sel_flags |= ACL_SEL_ALLKEYS;
    } else if (word_is(op, len, "resetkeys")) {
        clear_keys(u);
        u->sel_flags &= ~ACL_SEL_ALLKEYS;
    } else if (word_is(op, len, "allchannels")) {
        clear_channels(u);
        u->sel_flags |= ACL_SEL_ALLCHANNELS;
    } else if (word_is(op, len, "resetchannels")) {
        clear_channels(u);
        u->sel_flags &= ~ACL_SEL_ALLCHANNELS;
    } else if (word_is(op, len, "allcommands")) {
        return command_rule(u, "+@all", 5);
    } else if (word_is(op, len, "nocommands")) {
        return command_rule(u, "-@all", 5);
    } else if (op[0] == '~' || op[0] == '%') {
        if (has_space(op, len)) return RULE_SYNTAX;
        return add_key_pattern(u, op, len);
    } else if (op[0] == '&') {
        if (has_space(op, len)) return RULE_SYNTAX;
        return add_channel(u, op + 1, len - 1);
    } else if ((op[0] == '+' || op[0] == '-') && len > 1) {
        return command_rule(u, op, len);
    } else {
        return RULE_SYNTAX;
    }
    return RULE_OK;
}

/* "(rule rule ...)": a new selector made of the rules, added to u. */
static int add_selector(AclUser *u, const char *op, size_t len) {
    AclSelector sel;
    selector_init(&sel);
    const char *p = op + 1, *end = op + len - 1;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        const char *w = p;
        while (p < end && *p != ' ') p++;
        int rc = selector_apply(&sel, w, (size_t)(p - w));
        if (rc != RULE_OK) {
            selector_clear(&sel);
            return rc;
        }
    }
    u->selectors = xrealloc(u->selectors, (size_t)(u->n_selectors + 1) * sizeof *u->selectors);
    u->selectors[u->n_selectors++] = sel;
    return RULE_OK;
}

/* Applies one rule to u: RULE_OK or the error. */
static int user_apply(AclUser *u, const char *op, size_t len) {
    int rc = RULE_OK;
    char hex[65];
    if (len == 0) return RULE_SYNTAX;
    if (word_is(op, len, "on")) {
        u->flags |= ACL_USER_ON;
    } else if (word_is(op, len, "off")) {
        u->flags &= ~ACL_USER_ON;
    } else if (word_is(op, len, "skip-sanitize-payload")) {
        u->flags = (u->flags & ~ACL_USER_SANITIZE) | ACL_USER_SKIP_SANITIZE;
    } else if (word_is(op, len, "sanitize-payload")) {
        u->flags = (u->flags & ~ACL_USER_SKIP_SANITIZE) | ACL_USER_SANITIZE;
    } else if (word_is(op, len, "nopass")) {
        u->flags |= ACL_USER_NOPASS;
        u->n_passwords = 0;
    } else if (word_is(op, len, "resetpass")) {
        u->flags &= ~ACL_USER_NOPASS;
        u->n_passwords = 0;
    } else if (op[0] == '>' || op[0] == '<') {
        sha256_hex(op + 1, len - 1, hex);
        if (op[0] == '>') {
            add_password(u, hex);
            u->flags &= ~ACL_USER_NOPASS;
        } else {
            rc = remove_password(u, hex);
        }
    } else if (op[0] == '#' || op[0] == '!') {
        if (!valid_hash(op + 1, len - 1)) return RULE_BAD_HASH;
        if (op[0] == '#') {
            add_password(u, op + 1);
            u->flags &= ~ACL_USER_NOPASS;
        } else {
            rc = remove_password(u, op + 1);
        }
    } else if (op[0] == '(' && op[len - 1] == ')') {
        rc = add_selector(u, op, len);
    } else if (word_is(op, len, "clearselectors")) {
        clear_selectors(u);
    } else if (word_is(op, len, "reset")) {
        u->flags &= ~ACL_USER_NOPASS;
        u->n_passwords = 0;
        clear_keys(&u->root);
        u->root.sel_flags &= ~ACL_SEL_ALLKEYS;
        clear_channels(&u->root);
        u->root.sel_flags &= ~ACL_SEL_ALLCHANNELS;
        if (settings.acl_pubsub_default) u->root.sel_flags |= ACL_SEL_ALLCHANNELS;
        u->flags &= ~ACL_USER_ON;
        u->flags = (u->flags & ~ACL_USER_SKIP_SANITIZE) | ACL_USER_SANITIZE;
        clear_selectors(u);
        rc = command_rule(&u->root, "-@all", 5);
    } else {
        rc = selector_apply(&u->root, op, len);
    }
    update_unrestricted(u);
    return rc;
}

/* Joins the arguments of each selector given over several words ("(+get"
 * "~a*)") into one "(+get ~a*)"; returns the count, or -1 with *err (owned)
 * when a selector is not closed. *out: owned array of owned copies. */
static int merge_selector_args(int argc, const Slice *argv, Slice **out, char **err) {
    Slice *v = xcalloc((size_t)argc + 1, sizeof *v);
    int n = 0, open = -1;
    Buf cur;
    buf_init(&cur);
    for (int i = 0; i < argc; i++) {
        Slice a = argv[i];
        if (open >= 0) {
            buf_append_char(&cur, ' ');
            buf_append(&cur, a.p, a.len);
            if (a.len && a.p[a.len - 1] == ')') {
                v[n++] = slice_of(xmemdup(cur.p, cur.len), cur.len);
                buf_clear(&cur);
                open = -1;
            }
        } else if (a.len && a.p[0] == '(' && (a.len == 1 || a.p[a.len - 1] != ')')) {
            open = i;
            buf_append(&cur, a.p, a.len);
        } else {
            v[n++] = slice_of(xmemdup(a.p, a.len + 1), a.len);
        }
    }
    buf_free(&cur);
    if (open >= 0) {
        Buf b;
        buf_init(&b);
        buf_printf(&b, "Unmatched parenthesis in acl selector starting at '%.*s'.",
                   (int)argv[open].len, argv[open].p);
        buf_append_char(&b, '\0');
        *err = b.p;
        for (int i = 0; i < n; i++) xfree((char *)v[i].p);
        xfree(v);
        return -1;
    }
    *out = v;
    return n;
}

static void free_merged(Slice *v, int n) {
    for (int i = 0; i < n; i++) xfree((char *)v[i].p);
    xfree(v);
}

/* Applies rules to a copy of u (or a new user) and, if all are valid,
 * installs the result: 0, or -1 with the error in *err (owned). */
int acl_setuser(Slice name, int argc, const Slice *argv, char **err) {
    Slice *ops;
    int n_ops = merge_selector_args(argc, argv, &ops, err);
    if (n_ops < 0) return -1;
    AclUser *u = acl_find_user(name);
    AclUser *tmp = u ? xcalloc(1, sizeof *tmp) : user_new(name.p, name.len);
    if (u) user_copy(tmp, u);
    for (int i = 0; i < n_ops; i++) {
        int rc = user_apply(tmp, ops[i].p, ops[i].len);
        if (rc != RULE_OK) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "Error in ACL SETUSER modifier '%.*s': %s", (int)ops[i].len, ops[i].p,
                       rule_error_text(rc));
            buf_append_char(&b, '\0');
            *err = b.p;
            user_clear(tmp);
            xfree(tmp);
            free_merged(ops, n_ops);
            return -1;
        }
    }
    free_merged(ops, n_ops);
    if (u) {
        /* swap the contents: clients keep pointing to u */
        user_clear(u);
        *u = *tmp;
        xfree(tmp);
    } else {
        user_insert(tmp);
    }
    return 0;
}

/* ---- describing a user -------------------------------------------------- */

/* The commands of category cat that u may (*on) and may not (*off) run. */
static void count_cat(const AclSelector *u, int cat, int *on, int *off) {
    *on = *off = 0;
    for (int i = 0; i < n_cmds; i++) {
        if (!(cmd_table[i].cats & (1u << cat))) continue;
        if (get_bit(u, i))
            (*on)++;
        else
            (*off)++;
    }
}

static void append_cmd_rules(Buf *b, const AclSelector *u) {
    AclSelector fake, left;
    memset(&fake, 0, sizeof fake);
    memset(&left, 0, sizeof left);
    fake.cmd_bits = xcalloc((size_t)n_words, sizeof(uint64_t));
    left.cmd_bits = xmemdup(u->cmd_bits, (size_t)n_words * sizeof(uint64_t));
    int additive = !(u->sel_flags & ACL_SEL_FUTURE);
    if (additive) {
        buf_append_cstr(b, "-@all ");
    } else {
        buf_append_cstr(b, "+@all ");
        set_all_commands(&fake, 1);
    }
    /* Categories, best fit first: among those where more of the commands
     * agree with the user than not, the one with the fewest disagreeing
     * (then the most agreeing). Each taken category is undone in `left`,
     * so what it covered does not count for the next. */
    for (;;) {
        int best = -1, best_diff = INT_MAX, best_same = 0;
        for (int cat = 0; cat < N_CATS; cat++) {
            int on, off;
            count_cat(&left, cat, &on, &off);
            int diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < best_diff || (diff == best_diff && same > best_same))) {
                best = cat;
                best_diff = diff;
                best_same = same;
            }
        }
        if (best < 0) break;
        buf_printf(b, "%c@%s ", additive ? '+' : '-', cat_names[best]);
        set_category(&fake, best, additive);
        set_category(&left, best, !additive);
    }
    /* then single commands, a container before its subcommands */
    for (int i = 0; i < n_cmds; i++) {
        if (cmd_table[i].parent) continue;
        for (int j = i; j < i + 1 + cmd_table[i].n_subs; j++) {
            int ub = get_bit(u, j);
            if (ub != get_bit(&fake, j)) {
                buf_printf(b, "%c%s ", ub ? '+' : '-', cmd_table[j].fullname);
                change_perm(&fake, j, ub);
            }
        }
        if (!get_bit(u, i) && u->firstargs && u->firstargs[i])
            for (char **p = u->firstargs[i]; *p; p++)
                buf_printf(b, "+%s|%s ", cmd_table[i].fullname, *p);
    }
    free_all_firstargs(&fake);
    free_all_firstargs(&left);
    xfree(fake.cmd_bits);
    xfree(left.cmd_bits);
    if (b->len && b->p[b->len - 1] == ' ') b->len--;
}

static void append_key_pattern(Buf *b, const AclKeyPattern *k) {
    if (k->perm == PERM_READ)
        buf_append_cstr(b, "%R~");
    else if (k->perm == PERM_WRITE)
        buf_append_cstr(b, "%W~");
    else
        buf_append_char(b, '~');
    buf_append(b, k->pat, k->len);
}

static void append_keys(Buf *b, const AclSelector *u) {
    if (u->sel_flags & ACL_SEL_ALLKEYS) {
        buf_append_cstr(b, "~*");
        return;
    }
    for (int i = 0; i < u->n_keys; i++) {
        if (i) buf_append_char(b, ' ');
        append_key_pattern(b, &u->keys[i]);
    }
}

static void append_channels(Buf *b, const AclSelector *u) {
    if (u->sel_flags & ACL_SEL_ALLCHANNELS) {
        buf_append_cstr(b, "&*");
        return;
    }
    for (int i = 0; i < u->n_channels; i++) {
        if (i) buf_append_char(b, ' ');
        buf_append_char(b, '&');
        buf_append(b, u->channels[i].p, u->channels[i].len);
    }
}

static const char *const flag_words[] = {"on", "off", "nopass", "skip-sanitize-payload",
                                         "sanitize-payload"};

static int user_flag_words(const AclUser *u, const char **out) {
    int n = 0;
    out[n++] = flag_words[(u->flags & ACL_USER_ON) ? 0 : 1];
    if (u->flags & ACL_USER_NOPASS) out[n++] = flag_words[2];
    if (u->flags & ACL_USER_SKIP_SANITIZE) out[n++] = flag_words[3];
    if (u->flags & ACL_USER_SANITIZE) out[n++] = flag_words[4];
    return n;
}

/* The `user ...` line of ACL LIST and the ACL file. */
/* A selector's keys, channels and commands, as ACL LIST shows them. */
static void describe_selector(Buf *b, const AclSelector *s) {
    size_t before = b->len;
    append_keys(b, s);
    if (b->len > before) buf_append_char(b, ' ');
    if (s->sel_flags & ACL_SEL_ALLCHANNELS) {
        buf_append_cstr(b, "&* ");
    } else {
        buf_append_cstr(b, "resetchannels ");
        before = b->len;
        append_channels(b, s);
        if (b->len > before) buf_append_char(b, ' ');
    }
    append_cmd_rules(b, s);
}

void acl_describe_user(Buf *b, const AclUser *u) {
    const char *words[4];
    buf_append_cstr(b, "user ");
    buf_append(b, u->name, u->name_len);
    int nw = user_flag_words(u, words);
    for (int i = 0; i < nw; i++) buf_printf(b, " %s", words[i]);
    for (int i = 0; i < u->n_passwords; i++) buf_printf(b, " #%s", u->passwords[i]);
    buf_append_char(b, ' ');
    describe_selector(b, &u->root);
    for (int i = 0; i < u->n_selectors; i++) {
        buf_append_cstr(b, " (");
        describe_selector(b, &u->selectors[i]);
        buf_append_char(b, ')');
    }
}

int acl_config_user_line(int i, Buf *out) {
    if (i < 0 || i >= n_users) return 0;
    acl_describe_user(out, users[i]);
    buf_append_char(out, '\n');
    return 1;
}

/* ---- the check ------------------------------------------------------------ */

static int key_perm_of(const char *flags) {
    int need = 0;
    if (strstr(flags, "access")) need |= PERM_READ;
    if (strstr(flags, "insert") || strstr(flags, "delete") || strstr(flags, "update"))
        need |= PERM_WRITE;
    return need;
}

static int key_allowed(const AclSelector *u, Slice key, int need) {
    for (int i = 0; i < u->n_keys; i++) {
        const AclKeyPattern *k = &u->keys[i];
        if ((k->perm & need) != need) continue;
        if (glob_match(k->pat, k->len, key.p, key.len, 0)) return 1;
    }
    return 0;
}

static int channel_allowed(const AclSelector *u, Slice ch, int is_pattern) {
    for (int i = 0; i < u->n_channels; i++) {
        Slice p = u->channels[i];
        if (is_pattern ? slice_eq(p, ch) : glob_match(p.p, p.len, ch.p, ch.len, 0)) return 1;
    }
    return 0;
}

static int selector_check(const AclSelector *u, const Command *cmd, int argc, const Slice *argv,
                          int *errpos) {
    int id = cmd_id(cmd);
    const AclCmd *e = &cmd_table[id];
    if (!(u->sel_flags & ACL_SEL_ALLCOMMANDS) && !(cmd->flags & CMD_NO_AUTH) && !get_bit(u, id)) {
        int idx = e->parent ? 2 : 1;
        char **fa = u->firstargs ? u->firstargs[id] : NULL;
        int ok = 0;
        for (; fa && *fa && argc > idx && !ok; fa++)
            ok = strlen(*fa) == argv[idx].len && strncasecmp(*fa, argv[idx].p, argv[idx].len) == 0;
        if (!ok) return ACL_DENIED_CMD;
    }
    if (!(u->sel_flags & ACL_SEL_ALLKEYS) && e->meta && e->meta->nkey_specs) {
        size_t max = (size_t)argc * e->meta->nkey_specs;
        int pos_small[64];
        const char *fl_small[64];
        int *pos = max <= 64 ? pos_small : xmalloc(max * sizeof *pos);
        const char **fl = max <= 64 ? fl_small : xmalloc(max * sizeof *fl);
        int n = command_meta_getkeys(e->meta, cmd, argc, argv, pos, fl, (int)max);
        int denied = -1;
        for (int i = 0; i < n && denied < 0; i++) {
            if (strstr(fl[i], "not_key")) continue;
            if (!key_allowed(u, argv[pos[i]], key_perm_of(fl[i]))) denied = pos[i];
        }
        if (pos != pos_small) xfree(pos);
        if (fl != fl_small) xfree(fl);
        if (denied >= 0) {
            *errpos = denied;
            return ACL_DENIED_KEY;
        }
    }
    if (!(u->sel_flags & ACL_SEL_ALLCHANNELS) && (cmd->flags & CMD_PUBSUB) && !e->parent) {
        const char *n = cmd->name;
        int from = 0, to = 0, is_pattern = 0;
        if (!strcmp(n, "subscribe") || !strcmp(n, "ssubscribe")) {
            from = 1, to = argc;
        } else if (!strcmp(n, "psubscribe")) {
            from = 1, to = argc, is_pattern = 1;
        } else if (!strcmp(n, "publish") || !strcmp(n, "spublish")) {
            from = 1, to = argc > 1 ? 2 : 1;
        }
        for (int i = from; i < to; i++) {
            if (!channel_allowed(u, argv[i], is_pattern)) {
                *errpos = i;
                return ACL_DENIED_CHANNEL;
            }
        }
    }
    return ACL_OK;
}

/* A selector reading every key: allkeys, or a pattern "*" with read access. */
static int selector_all_keys(const AclSelector *s) {
    if (s->sel_flags & ACL_SEL_ALLKEYS) return 1;
    for (int i = 0; i < s->n_keys; i++)
        if (s->keys[i].len == 1 && s->keys[i].pat[0] == '*' && (s->keys[i].perm & PERM_READ))
            return 1;
    return 0;
}

int acl_has_unrestricted_keys(const AclUser *u, const Command *cmd, int argc, const Slice *argv) {
    if (u->is_unrestricted || cmd_id(cmd) < 0) return 1;
    int pos = 0;
    if (selector_check(&u->root, cmd, argc, argv, &pos) == ACL_OK && selector_all_keys(&u->root))
        return 1;
    for (int i = 0; i < u->n_selectors; i++)
        if (selector_check(&u->selectors[i], cmd, argc, argv, &pos) == ACL_OK &&
            selector_all_keys(&u->selectors[i]))
            return 1;
    return 0;
}

int acl_key_readable(const AclUser *u, Slice key) {
    if (u->is_unrestricted) return 1;
    if ((u->root.sel_flags & ACL_SEL_ALLKEYS) || key_allowed(&u->root, key, PERM_READ)) return 1;
    for (int i = 0; i < u->n_selectors; i++)
        if ((u->selectors[i].sel_flags & ACL_SEL_ALLKEYS) ||
            key_allowed(&u->selectors[i], key, PERM_READ))
            return 1;
    return 0;
}

/* The root's answer, or the first selector's that allows the command;
 * refused by all, the most telling refusal (a channel, then a key, then the
 * command), the first of its kind, as 7.0 reports it. */
int acl_check_command(const AclUser *u, const Command *cmd, int argc, const Slice *argv,
                      int *errpos) {
    if (cmd_id(cmd) < 0) return ACL_OK; /* not a table command: nothing to check */
    int pos = 0;
    int best = selector_check(&u->root, cmd, argc, argv, &pos);
    if (best == ACL_OK) return ACL_OK;
    *errpos = pos;
    for (int i = 0; i < u->n_selectors; i++) {
        int rc = selector_check(&u->selectors[i], cmd, argc, argv, &pos);
        if (rc == ACL_OK) return ACL_OK;
        if (rc > best) {
            best = rc;
            *errpos = pos;
        }
    }
    return best;
}

void acl_denied_message(Buf *out, int reason, const AclUser *u, const Command *cmd, Slice object,
                        int verbose) {
    const char *who = verbose ? "This" : "this";
    switch (reason) {
    case ACL_DENIED_CMD:
        buf_printf(out, "%s user has no permissions to run the '%s' command", who,
                   acl_command_fullname(cmd));
        break;
    case ACL_DENIED_KEY:
        if (verbose)
            buf_printf(out, "This user has no permissions to access the '%.*s' key",
                       (int)object.len, object.p);
        else
            buf_append_cstr(out, "this user has no permissions to access one of the keys used as "
                                 "arguments");
        break;
    case ACL_DENIED_CHANNEL:
        if (verbose)
            buf_printf(out, "This user has no permissions to access the '%.*s' channel",
                       (int)object.len, object.p);
        else
            buf_append_cstr(out,
                            "this user has no permissions to access one of the channels used as "
                            "arguments");
        break;
    default:
        buf_append_cstr(out, "no permission");
        break;
    }
    (void)u;
}

/* ---- authentication ------------------------------------------------------ */

static int pass_ok(const AclUser *u, Slice pass) {
    if (!(u->flags & ACL_USER_ON)) return 0;
    if (u->flags & ACL_USER_NOPASS) return 1;
    char hex[65];
    sha256_hex(pass.p, pass.len, hex);
    int ok = 0;
    /* every stored hash is compared in full: the time taken tells nothing */
    for (int i = 0; i < u->n_passwords; i++) {
        unsigned diff = 0;
        for (int k = 0; k < 64; k++) diff |= (unsigned)(hex[k] ^ u->passwords[i][k]);
        ok |= diff == 0;
    }
    return ok;
}

int acl_authenticate(ClientFull *c, Slice user, Slice pass) {
    AclUser *u = acl_find_user(user);
    if (u && pass_ok(u, pass)) {
        c->user = u;
        c->pub.flags |= CLIENT_AUTHENTICATED;
        return 0;
    }
    acl_log_add(c, ACL_DENIED_AUTH,
                (c->pub.flags & CLIENT_MULTI) ? ACL_CTX_MULTI : ACL_CTX_TOPLEVEL, c->pub.argv[0],
                user);
    return -1;
}

int acl_authenticate_cert(ClientFull *c, Slice user) {
    AclUser *u = acl_find_user(user);
    if (u && (u->flags & ACL_USER_ON)) {
        c->user = u;
        c->pub.flags |= CLIENT_AUTHENTICATED;
        return 0;
    }
    acl_log_add(c, ACL_DENIED_TLS_CERT, ACL_CTX_TOPLEVEL, slice_cstr(""), user);
    return -1;
}

/* Closes the clients authenticated as u (deleted), the caller after its
 * reply; they fall back to the default user, unauthenticated, meanwhile. */
static void kill_clients_of(AclUser *u, ClientFull *self) {
    for (ClientFull *o = core.clients; o; o = o->next) {
        if (o->user != u) continue;
        o->user = default_user;
        o->pub.flags &= ~CLIENT_AUTHENTICATED;
        if (o == self)
            o->close_after_command = 1;
        else if (!o->is_closing)
            client_close_async(o);
    }
}

static int subscription_allowed(void *priv, Slice ch, int is_pattern) {
    const AclUser *u = priv;
    if ((u->root.sel_flags & ACL_SEL_ALLCHANNELS) || channel_allowed(&u->root, ch, is_pattern))
        return 1;
    for (int i = 0; i < u->n_selectors; i++)
        if ((u->selectors[i].sel_flags & ACL_SEL_ALLCHANNELS) ||
            channel_allowed(&u->selectors[i], ch, is_pattern))
            return 1;
    return 0;
}

/* After u's channels changed: its subscribers that are subscribed to what
 * it may no longer use are closed (the caller after its reply), as 7.0
 * does. */
static void kill_lost_subscribers(AclUser *u, ClientFull *self) {
    if (u->root.sel_flags & ACL_SEL_ALLCHANNELS) return;
    for (ClientFull *o = core.clients; o; o = o->next) {
        if (o->user != u || o->is_closing || !(o->pub.flags & CLIENT_PUBSUB)) continue;
        if (pubsub_client_each(o, subscription_allowed, u)) continue;
        if (o == self)
            o->close_after_command = 1;
        else
            client_close_async(o);
    }
}

/* ---- ACL LOG ------------------------------------------------------------- */

typedef struct AclLogEntry {
    long long count;
    int reason, context;
    char *object;
    size_t object_len;
    char *username;
    size_t username_len;
    int64_t ctime_ms;
    char *client_info;
} AclLogEntry;

static AclLogEntry *log_v; /* newest first */
static size_t log_n;

static void log_entry_free(AclLogEntry *e) {
    xfree(e->object);
    xfree(e->username);
    xfree(e->client_info);
}

static void log_trim(void) {
    long long max = settings.acllog_max_len;
    while (log_n > 0 && (long long)log_n > max) log_entry_free(&log_v[--log_n]);
}

static char *client_info_of(ClientFull *c) {
    if (c->pub.flags & CLIENT_SCRIPT) {
        ClientFull *caller = script_caller_client();
        if (caller) c = caller;
    }
    Buf b;
    buf_init(&b);
    client_info_line(c, &b);
    buf_append_char(&b, '\0');
    return b.p;
}

static unsigned long long denied_counts[ACL_DENIED_TLS_CERT + 1];

unsigned long long acl_denied_count(int reason) {
    return reason > 0 && reason <= ACL_DENIED_TLS_CERT ? denied_counts[reason] : 0;
}

void acl_reset_denied_counts(void) {
    memset(denied_counts, 0, sizeof denied_counts);
}

void acl_log_add(ClientFull *c, int reason, int context, Slice object, Slice username) {
    int64_t now = now_ms();
    if (reason > 0 && reason <= ACL_DENIED_TLS_CERT) denied_counts[reason]++;
    /* the same refusal again within a minute counts in the entry it made
     * (among the 10 newest), which moves to the front */
    for (size_t i = 0; i < log_n && i < 10; i++) {
        AclLogEntry *e = &log_v[i];
        if (e->reason == reason && e->context == context &&
            slice_eq(slice_of(e->object, e->object_len), object) &&
            slice_eq(slice_of(e->username, e->username_len), username) &&
            now - e->ctime_ms < 60000) {
            AclLogEntry moved = *e;
            moved.count++;
            moved.ctime_ms = now;
            xfree(moved.client_info);
            moved.client_info = client_info_of(c);
            memmove(log_v + 1, log_v, i * sizeof *log_v);
            log_v[0] = moved;
            return;
        }
    }
    if (settings.acllog_max_len <= 0) return;
    log_v = xrealloc(log_v, (log_n + 1) * sizeof *log_v);
    memmove(log_v + 1, log_v, log_n * sizeof *log_v);
    log_n++;
    AclLogEntry *e = &log_v[0];
    e->count = 1;
    e->reason = reason;
    e->context = context;
    e->object = xmemdup(object.p, object.len + 1);
    e->object[object.len] = '\0';
    e->object_len = object.len;
    e->username = xmemdup(username.p, username.len + 1);
    e->username[username.len] = '\0';
    e->username_len = username.len;
    e->ctime_ms = now;
    e->client_info = client_info_of(c);
    log_trim();
}

static void log_reply(Client *c, long long count) {
    static const char *const reasons[] = {"", "command", "key", "auth", "channel", "tls-cert"};
    static const char *const contexts[] = {"toplevel", "multi", "lua"};
    size_t n = count < 0 ? 0 : (size_t)count < log_n ? (size_t)count : log_n;
    int64_t now = now_ms();
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        AclLogEntry *e = &log_v[i];
        reply_map(c, 7);
        reply_bulk_cstr(c, "count");
        reply_int(c, e->count);
        reply_bulk_cstr(c, "reason");
        reply_bulk_cstr(c, reasons[e->reason]);
        reply_bulk_cstr(c, "context");
        reply_bulk_cstr(c, contexts[e->context]);
        reply_bulk_cstr(c, "object");
        reply_bulk(c, e->object, e->object_len);
        reply_bulk_cstr(c, "username");
        reply_bulk(c, e->username, e->username_len);
        reply_bulk_cstr(c, "age-seconds");
        reply_double(c, (double)(now - e->ctime_ms) / 1000.0);
        reply_bulk_cstr(c, "client-info");
        reply_bulk_cstr(c, e->client_info);
    }
}

static void log_reset(void) {
    for (size_t i = 0; i < log_n; i++) log_entry_free(&log_v[i]);
    xfree(log_v);
    log_v = NULL;
    log_n = 0;
}

int acl_user_skips_sanitize(const AclUser *u) {
    return u && (u->flags & ACL_USER_SKIP_SANITIZE);
}

/* ---- start-up, requirepass, the ACL file --------------------------------- */

static AclUser *make_default_user(void) {
    AclUser *u = user_new("default", 7);
    static const char *const rules[] = {"+@all", "~*", "&*", "on", "nopass"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        user_apply(u, rules[i], strlen(rules[i]));
    return u;
}

void acl_init(void) {
    int total = 0;
    commands_each(count_cmd, &total);
    cmd_table = xcalloc((size_t)total, sizeof *cmd_table);
    cmd_ids = dict_new();
    commands_each(register_cmd, NULL);
    assert(n_cmds == total);
    n_words = (n_cmds + 63) / 64;
    default_user = user_insert(make_default_user());
    selector_init(&super_user.root);
    user_apply(&super_user, "+@all", 5);
    user_apply(&super_user, "~*", 2);
    user_apply(&super_user, "&*", 2);
    user_apply(&super_user, "on", 2);
    acl_apply_requirepass(NULL);
}

int acl_apply_requirepass(const char **err) {
    (void)err;
    if (!default_user) return 0;
    const char *rp = settings.requirepass ? settings.requirepass : "";
    user_apply(default_user, "resetpass", 9);
    if (*rp) {
        char *op = xmalloc(strlen(rp) + 2);
        op[0] = '>';
        strcpy(op + 1, rp);
        user_apply(default_user, op, strlen(op));
        xfree(op);
    } else {
        user_apply(default_user, "nopass", 6);
    }
    return 0;
}

/* `user` directives of the config file, applied once the commands exist. */
typedef struct PendingUser {
    int argc;
    Slice *argv;
} PendingUser;
static PendingUser *pending;
static int n_pending;

int acl_config_user(int argc, const Slice *argv, char **err) {
    if (argc < 2) {
        *err = xstrdup("Bad directive or wrong number of arguments: 'user'");
        return -1;
    }
    pending = xrealloc(pending, (size_t)(n_pending + 1) * sizeof *pending);
    pending[n_pending].argc = argc - 1;
    pending[n_pending].argv = argv_copy(argc - 1, argv + 1);
    n_pending++;
    return 0;
}

/* Splits one line of the ACL file into words (spaces and tabs). Returns the
 * count; words are views into line. */
static int split_words(char *line, Slice *out, int max) {
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) break;
        char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') p++;
        out[n++] = slice_of(w, (size_t)(p - w));
    }
    return n;
}

/* Replaces the user table with the users of the given lines (all or
 * nothing). The default user, if not among them, is made anew. Returns 0,
 * or -1 with the errors (owned) in *err. */
static int load_users(const char *origin, int n_lines, char **lines, ClientFull *self, char **err) {
    AclUser **saved = users;
    int saved_n = n_users;
    users = NULL;
    n_users = 0;
    Buf errors;
    buf_init(&errors);
    for (int ln = 0; ln < n_lines; ln++) {
        Slice w[512];
        int n = split_words(lines[ln], w, 512);
        if (n == 0) continue;
        if (!slice_eq(w[0], slice_cstr("user")) || n < 2) {
            buf_printf(&errors, "%s:%d should start with user keyword followed by the username. ",
                       origin, ln + 1);
            continue;
        }
        if (has_space(w[1].p, w[1].len)) {
            buf_printf(&errors, "%s:%d: Syntax error. ", origin, ln + 1);
            continue;
        }
        if (acl_find_user(w[1])) {
            buf_printf(&errors, "WARNING: Duplicate user '%.*s' found on line %d. ", (int)w[1].len,
                       w[1].p, ln + 1);
            continue;
        }
        AclUser *u = user_new(w[1].p, w[1].len);
        Slice *ops;
        char *merr = NULL;
        int n_ops = merge_selector_args(n - 2, w + 2, &ops, &merr);
        int bad = 0;
        if (n_ops < 0) {
            buf_printf(&errors, "%s:%d: Unmatched parenthesis in selector definition. ", origin,
                       ln + 1);
            xfree(merr);
            bad = 1;
            n_ops = 0;
            ops = NULL;
        }
        for (int i = 0; i < n_ops && !bad; i++) {
            int rc = user_apply(u, ops[i].p, ops[i].len);
            if (rc != RULE_OK && ops[i].p[0] == '(') {
                /* 7.0 names the operation, but not a selector */
                buf_printf(&errors, "%s:%d: %s. ", origin, ln + 1, rule_error_text(rc));
                bad = 1;
            } else if (rc != RULE_OK) {
                buf_printf(&errors, "%s:%d: Error in applying operation '%.*s': %s. ", origin,
                           ln + 1, (int)ops[i].len, ops[i].p, rule_error_text(rc));
                bad = 1;
            }
        }
        if (ops) free_merged(ops, n_ops);
        if (bad) {
            user_clear(u);
            xfree(u);
            continue;
        }
        user_insert(u);
    }
    if (errors.len) {
        buf_append_cstr(&errors, "WARNING: ACL errors detected, no change to the previously "
                                 "active ACL rules was performed");
        for (int i = 0; i < n_users; i++) {
            user_clear(users[i]);
            xfree(users[i]);
        }
        xfree(users);
        users = saved;
        n_users = saved_n;
        buf_append_char(&errors, '\0');
        *err = errors.p;
        return -1;
    }
    buf_free(&errors);
    /* the default user object stays (clients point to it): it takes the
     * new rules; other users are replaced, their clients closed */
    AclUser *new_default = acl_find_user(slice_cstr("default"));
    if (!new_default) new_default = user_insert(make_default_user());
    int pos, found;
    pos = user_pos(slice_cstr("default"), &found);
    user_clear(default_user);
    *default_user = *new_default;
    xfree(new_default);
    users[pos] = default_user;
    kill_lost_subscribers(default_user, self);
    for (int i = 0; i < saved_n; i++) {
        if (saved[i] == default_user) continue;
        kill_clients_of(saved[i], self);
        user_clear(saved[i]);
        xfree(saved[i]);
    }
    xfree(saved);
    return 0;
}

/* Reads the ACL file into lines (owned); -1 with *err on failure. */
static int read_acl_file(const char *path, char ***lines_out, int *n_out, char **err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        Buf b;
        buf_init(&b);
        buf_printf(&b, "Error loading ACLs, opening file '%s': %s", path, strerror(errno));
        buf_append_char(&b, '\0');
        *err = b.p;
        return -1;
    }
    char **lines = NULL;
    int n = 0;
    Buf line;
    buf_init(&line);
    int ch;
    for (;;) {
        ch = fgetc(f);
        if (ch == EOF || ch == '\n') {
            if (ch == EOF && line.len == 0) break;
            buf_append_char(&line, '\0');
            lines = xrealloc(lines, (size_t)(n + 1) * sizeof *lines);
            lines[n++] = xstrdup(line.p);
            buf_clear(&line);
            if (ch == EOF) break;
        } else {
            buf_append_char(&line, (char)ch);
        }
    }
    buf_free(&line);
    fclose(f);
    *lines_out = lines;
    *n_out = n;
    return 0;
}

static int load_acl_file(const char *path, ClientFull *self, char **err) {
    char **lines;
    int n;
    if (read_acl_file(path, &lines, &n, err) != 0) return -1;
    int rc = load_users(path, n, lines, self, err);
    for (int i = 0; i < n; i++) xfree(lines[i]);
    xfree(lines);
    return rc;
}

int acl_load_at_startup(char **err) {
    int has_file = settings.aclfile && *settings.aclfile;
    if (has_file && n_pending) {
        *err = xstrdup("Configuring Redis with users defined in redis.conf and at the same setting "
                       "an ACL file path is invalid. This setup is very likely to lead to "
                       "configuration errors and security holes, please define either an ACL file "
                       "or declare users directly in your redis.conf, but not both.");
        return -1;
    }
    for (int i = 0; i < n_pending; i++) {
        PendingUser *p = &pending[i];
        char *e = NULL;
        int rc = 0;
        if (has_space(p->argv[0].p, p->argv[0].len)) {
            e = xstrdup("Usernames can't contain spaces or null characters");
            rc = -1;
        } else if (acl_find_user(p->argv[0]) && !slice_eq(p->argv[0], slice_cstr("default"))) {
            e = xstrdup("Duplicate user found. A user can only be defined once in config files");
            rc = -1;
        } else {
            /* a configured default user starts from nothing, as others do */
            if (slice_eq(p->argv[0], slice_cstr("default"))) user_apply(default_user, "reset", 5);
            rc = acl_setuser(p->argv[0], p->argc - 1, p->argv + 1, &e);
        }
        if (rc != 0) {
            Buf b;
            buf_init(&b);
            buf_printf(&b, "Error in user declaration '%.*s': %s", (int)p->argv[0].len,
                       p->argv[0].p, e);
            buf_append_char(&b, '\0');
            xfree(e);
            *err = b.p;
            return -1;
        }
        xfree(p->argv);
    }
    xfree(pending);
    pending = NULL;
    n_pending = 0;
    if (has_file) return load_acl_file(settings.aclfile, NULL, err);
    return 0;
}

static int save_acl_file(const char *path, char **err) {
    Buf b;
    buf_init(&b);
    for (int i = 0; i < n_users; i++) {
        acl_describe_user(&b, users[i]);
        buf_append_char(&b, '\n');
    }
    Buf tmp;
    buf_init(&tmp);
    buf_printf(&tmp, "%s.tmp-%d", path, (int)getpid());
    buf_append_char(&tmp, '\0');
    int rc = -1;
    int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) goto fail;
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            close(fd);
            unlink(tmp.p);
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.p, path) != 0) {
        unlink(tmp.p);
        goto fail;
    }
    rc = 0;
    goto out;
fail : {
    Buf e;
    buf_init(&e);
    buf_printf(&e, "There was an error trying to save the ACLs. Please check the server logs for "
                   "more information");
    buf_append_char(&e, '\0');
    log_warning("Saving the ACL file '%s': %s", path, strerror(errno));
    *err = e.p;
}
out:
    buf_free(&tmp);
    buf_free(&b);
    return rc;
}

/* ---- the ACL command ------------------------------------------------------ */

#define NO_ACLFILE_ERROR                                                                           \
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users " \
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "      \
    "configuration file set) in order to store users in the Redis configuration."

static void cmd_acl_setuser(Client *c) {
    Slice name = c->argv[2];
    if (has_space(name.p, name.len)) {
        reply_error(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    char *err = NULL;
    if (acl_setuser(name, c->argc - 3, c->argv + 3, &err) != 0) {
        reply_error(c, "ERR %s", err);
        xfree(err);
        return;
    }
    kill_lost_subscribers(acl_find_user(name), CF(c));
    reply_ok(c);
}

/* "commands", "keys", "channels" and their descriptions (3 map pairs). */
static void reply_selector_fields(Client *c, const AclSelector *s) {
    Buf b;
    buf_init(&b);
    append_cmd_rules(&b, s);
    reply_bulk_cstr(c, "commands");
    reply_bulk(c, b.p ? b.p : "", b.len);
    buf_clear(&b);
    append_keys(&b, s);
    reply_bulk_cstr(c, "keys");
    reply_bulk(c, b.p ? b.p : "", b.len);
    buf_clear(&b);
    append_channels(&b, s);
    reply_bulk_cstr(c, "channels");
    reply_bulk(c, b.p ? b.p : "", b.len);
    buf_free(&b);
}

static void cmd_acl_getuser(Client *c) {
    AclUser *u = acl_find_user(c->argv[2]);
    if (!u) {
        reply_null(c);
        return;
    }
    const char *words[4];
    int nw = user_flag_words(u, words);
    reply_map(c, 6);
    reply_bulk_cstr(c, "flags");
    reply_set(c, (size_t)nw);
    for (int i = 0; i < nw; i++) reply_bulk_cstr(c, words[i]);
    reply_bulk_cstr(c, "passwords");
    reply_array(c, (size_t)u->n_passwords);
    for (int i = 0; i < u->n_passwords; i++) reply_bulk(c, u->passwords[i], 64);
    reply_selector_fields(c, &u->root);
    reply_bulk_cstr(c, "selectors");
    reply_array(c, (size_t)u->n_selectors);
    for (int i = 0; i < u->n_selectors; i++) {
        reply_map(c, 3);
        reply_selector_fields(c, &u->selectors[i]);
    }
}

static void cmd_acl_deluser(Client *c) {
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        if (slice_eq(c->argv[i], slice_cstr("default"))) {
            reply_error(c, "ERR The 'default' user cannot be removed");
            return;
        }
        int found;
        int pos = user_pos(c->argv[i], &found);
        if (!found) continue;
        AclUser *u = users[pos];
        memmove(users + pos, users + pos + 1, (size_t)(n_users - pos - 1) * sizeof *users);
        n_users--;
        kill_clients_of(u, CF(c));
        user_clear(u);
        xfree(u);
        deleted++;
    }
    reply_int(c, deleted);
}

static void cmd_acl_users(Client *c) {
    reply_array(c, (size_t)n_users);
    for (int i = 0; i < n_users; i++) reply_bulk(c, users[i]->name, users[i]->name_len);
}

static void cmd_acl_list(Client *c) {
    reply_array(c, (size_t)n_users);
    Buf b;
    buf_init(&b);
    for (int i = 0; i < n_users; i++) {
        buf_clear(&b);
        acl_describe_user(&b, users[i]);
        reply_bulk(c, b.p, b.len);
    }
    buf_free(&b);
}

static void cmd_acl_whoami(Client *c) {
    const AclUser *u = CF(c)->user;
    reply_bulk(c, u->name, u->name_len);
}

static void cmd_acl_cat(Client *c) {
    if (c->argc == 2) {
        reply_array(c, N_CATS);
        for (int j = 0; j < N_CATS; j++) reply_bulk_cstr(c, cat_names[j]);
        return;
    }
    int cat = cat_index(c->argv[2].p, c->argv[2].len);
    if (cat < 0) {
        reply_error(c, "ERR Unknown category '%.*s'",
                    (int)(c->argv[2].len > 128 ? 128 : c->argv[2].len), c->argv[2].p);
        return;
    }
    ReplyDeferred d = reply_defer(c);
    size_t n = 0;
    for (int i = 0; i < n_cmds; i++) {
        if (!(cmd_table[i].cats & (1u << cat))) continue;
        reply_bulk_cstr(c, cmd_table[i].fullname);
        n++;
    }
    reply_set_array_len(c, d, n);
}

static void cmd_acl_genpass(Client *c) {
    long long bits = 256;
    if (c->argc == 3) {
        if (get_ll_or_reply(c, c->argv[2], &bits) != 0) return;
        if (bits <= 0 || bits > 4096) {
            reply_error(c, "ERR ACL GENPASS argument must be the number of bits for the output "
                           "password, a positive number up to 4096");
            return;
        }
    }
    size_t chars = (size_t)(bits + 3) / 4;
    unsigned char raw[512];
    size_t nbytes = (chars + 1) / 2;
    int fd = open("/dev/urandom", O_RDONLY);
    size_t got = 0;
    while (fd >= 0 && got < nbytes) {
        ssize_t r = read(fd, raw + got, nbytes - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    if (fd >= 0) close(fd);
    if (got < nbytes) {
        reply_error(c, "ERR Failed to generate a random password");
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char out[1025];
    for (size_t i = 0; i < chars; i++) out[i] = hex[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 15];
    reply_bulk(c, out, chars);
}

static void cmd_acl_log(Client *c) {
    long long count = 10;
    if (c->argc > 3) {
        reply_error(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try ACL HELP.",
                    (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    if (c->argc == 3) {
        if (slice_eq_nocase(c->argv[2], "reset")) {
            log_reset();
            reply_ok(c);
            return;
        }
        if (get_ll_or_reply(c, c->argv[2], &count) != 0) return;
    }
    log_reply(c, count);
}

static void cmd_acl_dryrun(Client *c) {
    AclUser *u = acl_find_user(c->argv[2]);
    if (!u) {
        reply_error(c, "ERR User '%.*s' not found",
                    (int)(c->argv[2].len > 128 ? 128 : c->argv[2].len), c->argv[2].p);
        return;
    }
    int argc = c->argc - 3;
    const Slice *argv = c->argv + 3;
    const Command *cmd = command_lookup(argv[0].p, argv[0].len);
    if (cmd && cmd->subcommands && argc > 1) {
        const Command *sub = NULL;
        for (const Command *s = cmd->subcommands; s->name; s++)
            if (slice_eq_nocase(argv[1], s->name)) sub = s;
        cmd = sub;
    }
    if (!cmd) {
        reply_error(c, "ERR Command '%.*s' not found", (int)(argv[0].len > 128 ? 128 : argv[0].len),
                    argv[0].p);
        return;
    }
    if ((cmd->arity > 0 && argc != cmd->arity) || argc < -cmd->arity) {
        reply_error(c, "ERR wrong number of arguments for '%s' command", acl_command_fullname(cmd));
        return;
    }
    int pos = 0;
    int rc = acl_check_command(u, cmd, argc, argv, &pos);
    if (rc == ACL_OK) {
        reply_ok(c);
        return;
    }
    Buf b;
    buf_init(&b);
    acl_denied_message(&b, rc, u, cmd, argv[pos], 1);
    reply_bulk(c, b.p, b.len);
    buf_free(&b);
}

static void cmd_acl_load(Client *c) {
    if (!settings.aclfile || !*settings.aclfile) {
        reply_error(c, NO_ACLFILE_ERROR);
        return;
    }
    char *err = NULL;
    if (load_acl_file(settings.aclfile, CF(c), &err) != 0) {
        reply_error(c, "ERR %s", err);
        xfree(err);
        return;
    }
    reply_ok(c);
}

static void cmd_acl_save(Client *c) {
    if (!settings.aclfile || !*settings.aclfile) {
        reply_error(c, NO_ACLFILE_ERROR);
        return;
    }
    char *err = NULL;
    if (save_acl_file(settings.aclfile, &err) != 0) {
        reply_error(c, "ERR %s", err);
        xfree(err);
        return;
    }
    reply_ok(c);
}

#define DRYRUN_HELP                                                                                \
    "    Returns whether the user can execute the given command without executing the command."

static void cmd_acl_help(Client *c) {
    static const char *const help[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        DRYRUN_HELP,
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(c, help, sizeof help / sizeof help[0]);
}

#define ACL_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
static const Command acl_subcommands[] = {
    {"cat", cmd_acl_cat, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"deluser", cmd_acl_deluser, -3, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"dryrun", cmd_acl_dryrun, -4, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"genpass", cmd_acl_genpass, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0,
     NULL},
    {"getuser", cmd_acl_getuser, 3, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"help", cmd_acl_help, 2, CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    {"list", cmd_acl_list, 2, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"load", cmd_acl_load, 2, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"log", cmd_acl_log, -2, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"save", cmd_acl_save, 2, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"setuser", cmd_acl_setuser, -3, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"users", cmd_acl_users, 2, ACL_FLAGS, "@admin @slow @dangerous", 0, 0, 0, NULL},
    {"whoami", cmd_acl_whoami, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, "@slow", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};

const Command acl_commands[] = {
    {"acl", NULL, -2, 0, "@slow", 0, 0, 0, acl_subcommands},
    END_OF_COMMANDS,
};
