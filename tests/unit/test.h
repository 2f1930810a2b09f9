/*
 * test.h - the unit-test harness: checks that count instead of abort, a seed
 * that is printed and can be set (TEST_SEED=n) so a random failure replays,
 * and one summary line per binary: "<name>: N passed, N failed".
 * tests/run-all.sh adds these lines up.
 */
#ifndef STREAMD_TEST_H
#define STREAMD_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int test_passed, test_failed;
static uint64_t test_rng_state;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ == b_) {                                                                            \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                    a_, b_);                                                                       \
        }                                                                                          \
    } while (0)

/* Seeds the generator from TEST_SEED or the clock and prints the seed. */
static inline void test_seed(const char *name) {
    const char *env = getenv("TEST_SEED");
    test_rng_state = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    if (test_rng_state == 0) test_rng_state = 1;
    printf("%s: seed %" PRIu64 " (replay with TEST_SEED=%" PRIu64 ")\n", name, test_rng_state,
           test_rng_state);
}

/* xorshift64*: fast, good enough for tests. */
static inline uint64_t test_rand(void) {
    test_rng_state ^= test_rng_state >> 12;
    test_rng_state ^= test_rng_state << 25;
    test_rng_state ^= test_rng_state >> 27;
    return test_rng_state * 2685821657736338717ULL;
}

static inline uint64_t test_rand_below(uint64_t n) {
    return n ? test_rand() % n : 0;
}

/* Prints the summary line and returns the exit status for main(). */
static inline int test_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
