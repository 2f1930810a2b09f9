/*
 * ftconfig.h - the query engine's settings, as the rest of FT.* reads them.
 *
 * Redis 8 names them search-* (CONFIG GET / SET, the config file, the
 * command line); FT.CONFIG GET / SET / HELP (src/cmd/ftconfig.c) reaches
 * the same values under RediSearch's older names (TIMEOUT, MINPREFIX, ...).
 * Every getter reads the live value: call it per query, do not cache it.
 */
#ifndef STREAMD_TYPES_FTCONFIG_H
#define STREAMD_TYPES_FTCONFIG_H

enum { FTCONF_ON_TIMEOUT_RETURN = 0, FTCONF_ON_TIMEOUT_FAIL = 1 };

/* search-default-dialect: the DIALECT a query without one uses (1..4, default 1). */
int ftconfig_default_dialect(void);
/* search-timeout: a query's time budget in ms (default 500; 0 set through
 * FT.CONFIG SET TIMEOUT means none). */
long long ftconfig_timeout_ms(void);
/* search-on-timeout: FTCONF_ON_TIMEOUT_FAIL (the default) or _RETURN. */
int ftconfig_on_timeout(void);
/* search-min-prefix: the shortest prefix a `foo*` query expands (default 2). */
long long ftconfig_min_prefix(void);
/* search-max-prefix-expansions: terms one prefix / suffix / fuzzy term
 * expands to at most (default 200). */
long long ftconfig_max_prefix_expansions(void);
/* search-max-search-results: the highest LIMIT offset + count FT.SEARCH
 * takes (default 1000000; 2^31 shows as "unlimited"). */
long long ftconfig_max_search_results(void);
/* search-max-aggregate-results: the same for FT.AGGREGATE (default 2^31). */
long long ftconfig_max_aggregate_results(void);
/* search-cursor-max-idle: the highest MAXIDLE a cursor may ask, ms (default 300000). */
long long ftconfig_cursor_max_idle_ms(void);
/* search-index-cursor-limit: open cursors per index at most (default 128). */
long long ftconfig_index_cursor_limit(void);
/* search-max-doctablesize (default 1000000). */
long long ftconfig_max_doctablesize(void);
/* search-min-stem-len: words shorter than this are not stemmed (default 4). */
long long ftconfig_min_stem_len(void);
/* search-min-phonetic-term-len (default 3). */
long long ftconfig_min_phonetic_term_len(void);
/* search-union-iterator-heap (default 20). */
long long ftconfig_union_iterator_heap(void);
/* search-multi-text-slop: position gap between the values of a multi-value
 * TEXT field (JSON arrays; default 100). */
long long ftconfig_multi_text_slop(void);
/* search-vss-max-resize: bytes, 0 = no limit (default 0). */
long long ftconfig_vss_max_resize(void);

#endif
