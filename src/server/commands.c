/*
 * commands.c - the list of command families and the lookup table.
 *
 * Each family exports a NULL-terminated Command array; a new family adds one
 * line to `families` (and, if it has one, its init function to
 * commands_init). Lookup lower-cases the name into a stack buffer and finds
 * it in a table built once at start-up (see command_lookup()).
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bytes.h"
#include "server/acl.h"
#include "server/core.h"
#include "server/script.h"

extern const Command conn_commands[];
extern const Command keys_commands[];
extern const Command string_commands[];
extern const Command string_cas_commands[];
extern const Command bit_commands[];
extern const Command multi_commands[];
extern const Command admin_commands[];
extern const Command config_commands[];
extern const Command persist_commands[];
extern const Command backup_commands[];
extern const Command rdb_commands[];
extern const Command stream_commands[];
extern const Command group_commands[];
extern const Command stream_idmp_commands[];
extern const Command stream_refs_commands[];
extern const Command nack_commands[];
extern const Command pubsub_commands[];
extern const Command scripting_commands[];
extern const Command dump_commands[];
extern const Command standalone_commands[];
extern const Command acl_commands[];
extern const Command hotkeys_commands[];
extern const Command repl_commands[];
extern const Command replica_commands[];
extern const Command list_commands[];
extern const Command set_commands[];
extern const Command zset_commands[];
extern const Command geo_commands[];
extern const Command hash_commands[];
extern const Command hash_import_commands[];
extern const Command sort_commands[];
extern const Command array_commands[];
extern const Command migrate_commands[];
extern const Command bloom_commands[];
extern const Command sketch_commands[];
extern const Command vset_commands[];
extern const Command json_commands[];
extern const Command tseries_commands[];
extern const Command search_commands[];
extern const Command ftdict_commands[];
extern const Command ftconfig_commands[];
extern const Command ftsug_commands[];
extern const Command ftagg_commands[];
extern const Command lolwut_commands[];
extern const Command hll_commands[];
extern const Command fthybrid_commands[];
void stream_cmd_init(void);
void list_cmd_init(void);
void set_cmd_init(void);
void zset_cmd_init(void);
void hash_cmd_init(void);
void array_cmd_init(void);
void bloom_cmd_init(void);
void sketch_cmd_init(void);
void vset_cmd_init(void);
void json_cmd_init(void);
void tseries_cmd_init(void);
void search_cmd_init(void);
void ftdict_cmd_init(void);
void ftsug_cmd_init(void);
void group_cmd_init(void);

static const Command *const families[] = {
    conn_commands,    keys_commands,        string_commands,      multi_commands,
    admin_commands,   config_commands,      persist_commands,     stream_commands,
    group_commands,   stream_idmp_commands, stream_refs_commands, nack_commands,
    pubsub_commands,  scripting_commands,   dump_commands,        standalone_commands,
    acl_commands,     string_cas_commands,  bit_commands,         hotkeys_commands,
    rdb_commands,     repl_commands,        replica_commands,     list_commands,
    set_commands,     zset_commands,        hash_commands,        hash_import_commands,
    sort_commands,    backup_commands,      array_commands,       migrate_commands,
    bloom_commands,   sketch_commands,      vset_commands,        json_commands,
    tseries_commands, ftdict_commands,      ftconfig_commands,    ftsug_commands,
    search_commands,  ftagg_commands,       geo_commands,         lolwut_commands,
    hll_commands,     fthybrid_commands,
};

/* The top-level commands by lowercase name: open addressing over a fixed
 * table filled once at start-up (nothing is added later: no deletion, no
 * resize), at most half full (about a quarter with 8.10's commands). Every
 * command a client sends is looked up here. A slot keeps the name's first 16
 * bytes as two words, so a lookup loads the name a word at a time, lowers its
 * case in the register (ASCII letters only, as strcasecmp in the C locale),
 * hashes the two words and compares them: no copy, no loop and no memcmp for
 * names of up to 16 bytes. The keyspace dict used before took about 140
 * instructions per command for the lowered copy, the hash, the chain walk
 * and memcmp. No seed: clients cannot add names, so they cannot aim
 * collisions. */
#define CMD_SLOTS   1024
#define CMD_NAMEMAX 64

typedef struct CmdSlot {
    const Command *cmd; /* NULL: free */
    uint64_t w0, w1;    /* the lowered name's bytes 0-7 and 8-15, zero-padded */
    size_t len;
} CmdSlot;

static CmdSlot cmd_slots[CMD_SLOTS];
static size_t n_commands;

static inline uint64_t load8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* w with each ASCII capital of its eight bytes lowered: per byte, with the
 * top bit cleared, adding 0x80 - 'A' sets the top bit from 'A' up and adding
 * 0x80 - 'Z' - 1 sets it above 'Z' (no carry crosses a byte); a byte with its
 * own top bit set is left alone. */
static inline uint64_t fold_word(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low7 = w & ~high;
    uint64_t from_a = low7 + ones * (0x80 - 'A');
    uint64_t past_z = low7 + ones * (0x80 - 'Z' - 1);
    return w | ((from_a & ~past_z & ~w & high) >> 2);
}

static inline unsigned char fold_byte(unsigned char c) {
    return (unsigned char)(c + (((unsigned)(c - 'A') < 26u) << 5));
}

/* The lowered first 16 bytes of name[0..len) as two words. */
static inline void name_words(const char *name, size_t len, uint64_t *w0, uint64_t *w1) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len <= 8) {
        *w0 = fold_word(bytes_le_upto8(name, len));
        *w1 = 0;
        return;
    }
    *w0 = fold_word(load8(name));
    *w1 = fold_word(len >= 16 ? load8(name + 8) : load8(name + len - 8) >> (8 * (16 - len)));
#else
    unsigned char b[16] = {0};
    for (size_t i = 0; i < len && i < 16; i++) b[i] = fold_byte((unsigned char)name[i]);
    memcpy(w0, b, 8);
    memcpy(w1, b + 8, 8);
#endif
}

static inline size_t slot_of(uint64_t w0, uint64_t w1, size_t len) {
    uint64_t h = (w0 * 0x9e3779b97f4a7c15ULL) ^ (w1 * 0xc2b2ae3d27d4eb4fULL) ^ len;
    return (size_t)(h ^ (h >> 29) ^ (h >> 47)) & (CMD_SLOTS - 1);
}

/* Whether the bytes of name past the first 16 lower to those of low. */
static int rest_equal(const char *low, const char *name, size_t len) {
    for (size_t i = 16; i < len; i++)
        if ((unsigned char)low[i] != fold_byte((unsigned char)name[i])) return 0;
    return 1;
}

const Command *command_lookup(const char *name, size_t len) {
    if (len == 0 || len >= CMD_NAMEMAX) return NULL;
    uint64_t w0, w1;
    name_words(name, len, &w0, &w1);
    for (size_t j = slot_of(w0, w1, len);; j = (j + 1) & (CMD_SLOTS - 1)) {
        const CmdSlot *s = &cmd_slots[j];
        if (!s->cmd) return NULL;
        if (s->w0 == w0 && s->w1 == w1 && s->len == len &&
            (len <= 16 || rest_equal(s->cmd->name, name, len)))
            return s->cmd;
    }
}

static void command_table_add(const Command *c) {
    size_t len = strlen(c->name);
    assert(len > 0 && len < CMD_NAMEMAX && n_commands < CMD_SLOTS / 2);
    for (size_t i = 0; i < len; i++) /* registered names are lowercase */
        assert(fold_byte((unsigned char)c->name[i]) == (unsigned char)c->name[i]);
    assert(command_lookup(c->name, len) == NULL); /* and unique */
    uint64_t w0, w1;
    name_words(c->name, len, &w0, &w1);
    size_t j = slot_of(w0, w1, len);
    while (cmd_slots[j].cmd) j = (j + 1) & (CMD_SLOTS - 1);
    cmd_slots[j] = (CmdSlot){c, w0, w1, len};
    n_commands++;
}

/* Calls fn for every top-level command. */
void commands_each(void (*fn)(const Command *cmd, void *priv), void *priv) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++) fn(c, priv);
}

size_t commands_count(void) {
    return n_commands;
}

void commands_init(void) {
    script_init();
    stream_cmd_init();
    group_cmd_init();
    list_cmd_init();
    set_cmd_init();
    zset_cmd_init();
    hash_cmd_init();
    array_cmd_init();
    bloom_cmd_init();
    sketch_cmd_init();
    vset_cmd_init();
    json_cmd_init();
    tseries_cmd_init();
    search_cmd_init();
    ftdict_cmd_init();
    ftsug_cmd_init();
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++) command_table_add(c);
    acl_init();
}

/* The container command of a subcommand, or NULL for a top-level command. */
const Command *command_parent(const Command *cmd) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const Command *c = families[f]; c->name; c++)
            for (const Command *s = c->subcommands; s && s->name; s++)
                if (s == cmd) return c;
    return NULL;
}

const Command *const *command_families(size_t *n);
const Command *const *command_families(size_t *n) {
    *n = sizeof families / sizeof families[0];
    return families;
}
