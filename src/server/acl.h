/*
 * acl.h - users and their permissions (Redis 7.0's ACL).
 *
 * A user has a name, on/off, passwords (kept only as SHA-256 hex digests) or
 * nopass, and sets of permissions (its own and its selectors'): the commands it may run (a bit per
 * command and subcommand, plus "first arguments" allowed for a command it
 * may not otherwise run, as `+select|0`), the key patterns it may read or
 * write, and the Pub/Sub channel patterns it may use. Every client points to
 * a user (`default` until it authenticates as another).
 *
 * The dispatch asks acl_check_command() only for a user that lacks some
 * permission: AclUser.is_unrestricted (all commands, all keys, all
 * channels) is the one test a command pays otherwise.
 */
#ifndef STREAMD_ACL_H
#define STREAMD_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "server/command.h"

struct ClientFull;
struct Client;

/* One set of permissions: a user's own (root) and each of its selectors.
 * A command may run if the root or any selector allows it. */
typedef struct AclSelector {
    int sel_flags;      /* ACL_SEL_* (acl.c) */
    uint64_t *cmd_bits; /* one bit per command id (acl.c) */
    char ***firstargs;  /* NULL, or per command id NULL or a NULL-terminated array */
    struct AclKeyPattern *keys;
    int n_keys;
    Slice *channels; /* owned bytes */
    int n_channels;
} AclSelector;

typedef struct AclUser {
    /* All commands, all keys and all channels: the dispatch's fast path.
     * Kept up to date by every change of the user's rules. */
    int is_unrestricted;
    /* The rest is acl.c's. */
    char *name;
    size_t name_len;
    int flags; /* ACL_USER_* */
    char (*passwords)[65];
    int n_passwords;
    AclSelector root;
    AclSelector *selectors; /* 7.0's "(...)" rules, in the order they were added */
    int n_selectors;
} AclUser;

/* Why a command was refused (also ACL LOG's reasons). */
enum {
    ACL_OK = 0,
    ACL_DENIED_CMD = 1,
    ACL_DENIED_KEY = 2,
    ACL_DENIED_AUTH = 3,
    ACL_DENIED_CHANNEL = 4,
    ACL_DENIED_TLS_CERT = 5 /* Redis 8.6: a certificate's user could not log in */
};
/* Where it was refused (ACL LOG's context). */
enum { ACL_CTX_TOPLEVEL = 0, ACL_CTX_MULTI = 1, ACL_CTX_LUA = 2 };

/* Builds the command ids and the `default` user; after commands_init(). */
void acl_init(void);
/* The user every connection starts as. */
AclUser *acl_default_user(void);
/* The user scripts' commands run as when no client does (AOF loading): may run anything. */
AclUser *acl_superuser(void);
/* The user named name, or NULL. */
AclUser *acl_find_user(Slice name);

/* Whether a client that has not authenticated must do so first (the default
 * user has a password, or is off). */
int acl_auth_required(void);

/* AUTH / HELLO AUTH: 0 and c now runs as user, or -1 (wrong password,
 * unknown or disabled user: logged in ACL LOG as an auth failure). */
int acl_authenticate(struct ClientFull *c, Slice user, Slice pass);

/* Whether u may run cmd with argv[0..argc) (argv[0] the command name, then
 * the subcommand's name for a subcommand): ACL_OK, or the reason it may
 * not and, in *errpos, the index of the key or channel refused. */
int acl_check_command(const AclUser *u, const Command *cmd, int argc, const Slice *argv,
                      int *errpos);

/* 1 when u's key patterns (its own or a selector's) let it read key, whatever
 * the command (a module's RM_ACLCheckKeyPermissions: TS.QUERYLABELS leaves out
 * the series the user may not read). */
int acl_key_readable(const AclUser *u, Slice key);
/* The user has the skip-sanitize-payload flag. */
int acl_user_skips_sanitize(const AclUser *u);
/* The refusal text after "NOPERM " for a client (verbose 0) or for ACL
 * DRYRUN (verbose 1), into out. */
/* 1 when u may run cmd (argv) under rules that reach every key: its own or
 * a selector's that allow the command and have allkeys or a readable "*"
 * pattern. SORT's BY and GET patterns name keys no key specification shows,
 * and Redis 7.0 refuses them otherwise. */
int acl_has_unrestricted_keys(const AclUser *u, const Command *cmd, int argc, const Slice *argv);
void acl_denied_message(Buf *out, int reason, const AclUser *u, const Command *cmd, Slice object,
                        int verbose);

/* Adds (or counts again) an ACL LOG entry: object is the command's full name
 * (ACL_DENIED_CMD), the key or channel, or for ACL_DENIED_AUTH the command
 * typed; username the user refused (for auth, the one tried). c is the
 * client whose command it was (its CLIENT INFO line is kept). */
void acl_log_add(struct ClientFull *c, int reason, int context, Slice object, Slice username);
/* How many refusals of a reason (ACL_DENIED_*) acl_log_add() has seen since
 * the start or CONFIG RESETSTAT (INFO's acl_access_denied_*). */
unsigned long long acl_denied_count(int reason);
void acl_reset_denied_counts(void);
/* tls-auth-clients-user CN: logs c in as the user its certificate names, if
 * that user exists and is on; else an ACL LOG entry (reason tls-cert) and c
 * stays as it was. 0 or -1. */
int acl_authenticate_cert(struct ClientFull *c, Slice user);

/* ACL SETUSER name rules...: applies the rules to a copy of the user (made
 * when missing) and installs it only if all are valid. 0, or -1 with 7.0's
 * error text (without "ERR ") in *err, owned (free with xfree). */
int acl_setuser(Slice name, int argc, const Slice *argv, char **err);
/* Appends u's ACL LIST line ("user <name> ...") to out. */
void acl_describe_user(Buf *out, const AclUser *u);
/* CONFIG REWRITE without an aclfile: appends the i-th user's line (by name),
 * newline-ended, and returns 1; 0 past the last user. */
int acl_config_user_line(int i, Buf *out);

/* The full name of a command ("client|list"): a static string. */
const char *acl_command_fullname(const Command *cmd);

/* The apply hook of requirepass: the default user's password follows it. */
int acl_apply_requirepass(const char **err);

/* Config file: a `user <name> <rules...>` directive. 0, or -1 with *err
 * (owned; free with xfree). */
int acl_config_user(int argc, const Slice *argv, char **err);
/* At start-up, after the config: loads the aclfile if one is set (and
 * refuses users defined both ways). 0, or -1 with *err owned. */
int acl_load_at_startup(char **err);

#endif
