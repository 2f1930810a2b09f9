/*
 * ftconfig.c - the getters of ftconfig.h over the server's settings (the
 * search-* entries of src/server/config.c's table hold the values).
 */
#include "types/ftconfig.h"

#include "server/core.h"

int ftconfig_default_dialect(void) {
    return (int)settings.search.default_dialect;
}

long long ftconfig_timeout_ms(void) {
    return settings.search.timeout;
}

int ftconfig_on_timeout(void) {
    return settings.search.on_timeout;
}

long long ftconfig_min_prefix(void) {
    return settings.search.min_prefix;
}

long long ftconfig_max_prefix_expansions(void) {
    return settings.search.max_prefix_expansions;
}

long long ftconfig_max_search_results(void) {
    return settings.search.max_search_results;
}

long long ftconfig_max_aggregate_results(void) {
    return settings.search.max_aggregate_results;
}

long long ftconfig_cursor_max_idle_ms(void) {
    return settings.search.cursor_max_idle;
}

long long ftconfig_index_cursor_limit(void) {
    return settings.search.index_cursor_limit;
}

long long ftconfig_max_doctablesize(void) {
    return settings.search.max_doctablesize;
}

long long ftconfig_min_stem_len(void) {
    return settings.search.min_stem_len;
}

long long ftconfig_min_phonetic_term_len(void) {
    return settings.search.min_phonetic_term_len;
}

long long ftconfig_union_iterator_heap(void) {
    return settings.search.union_iterator_heap;
}

long long ftconfig_multi_text_slop(void) {
    return settings.search.multi_text_slop;
}

long long ftconfig_vss_max_resize(void) {
    return settings.search.vss_max_resize;
}
