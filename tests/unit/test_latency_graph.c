/*
 * Unit tests for LATENCY GRAPH's rendering (latency_graph_text): samples
 * captured from redis-server 7.0.15 (LATENCY HISTORY, the all-time maximum
 * from LATENCY LATEST and the server's TIME, taken in the same second as
 * its LATENCY GRAPH) must give 7.0's graph byte for byte. Times are
 * relative to that second. One case of 8 samples (one band), one of 90
 * (two bands, labels in seconds and minutes); plus a single sample and
 * equal samples, where the range is empty.
 */
#include <string.h>

#include "base/buf.h"
#include "server/core.h"
#include "test.h"

static void check_graph(const char *event, const int64_t *ago, const uint32_t *ms, int n,
                        uint32_t max, const char *want) {
    int64_t now = 1795750914, times[200];
    for (int i = 0; i < n; i++) times[i] = now + ago[i];
    Buf b;
    buf_init(&b);
    latency_graph_text(&b, event, times, ms, n, max, now);
    CHECK(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0);
    if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0)
        fprintf(stderr, "got:\n%.*s\nwant:\n%s\n", (int)b.len, b.p, want);
    buf_free(&b);
}

static void redis_g8(void) {
    static const int64_t ago[] = {-8, -7, -6, -5, -4, -3, -2, -1};
    static const uint32_t ms[] = {5, 20, 100, 50, 300, 7, 12, 12};
    check_graph("command", ago, ms, 8, 300,
                "command - high 300 ms, low 5 ms (all time high 300 ms)\n"
                "--------------------------------------------------------------------------------\n"
                "    #   \n"
                "    |   \n"
                "  _ |   \n"
                "__|o|___\n"
                "        \n"
                "87654321\n"
                "ssssssss\n");
}

static void redis_g90(void) {
    static const int64_t ago[] = {
        -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75,
        -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57,
        -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39,
        -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21,
        -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9,  -8,  -7,  -6,  -5,  -4,  -3};
    static const uint32_t ms[] = {
        5,   20, 100, 50, 300, 7,  12,  12, 40,  3,  150, 77, 9,   1,  33,  66, 99,  2,
        250, 18, 6,   21, 101, 51, 301, 8,  13,  13, 41,  4,  151, 76, 10,  2,  34,  67,
        100, 3,  251, 19, 7,   23, 102, 52, 302, 9,  14,  14, 42,  5,  152, 77, 11,  3,
        35,  68, 101, 4,  252, 20, 8,   23, 104, 53, 303, 10, 15,  15, 43,  6,  153, 78,
        12,  4,  38,  69, 102, 6,  253, 21, 9,   24, 104, 54, 304, 11, 16,  16, 44,  7};
    check_graph("command", ago, ms, 90, 304,
                "command - high 304 ms, low 1 ms (all time high 304 ms)\n"
                "--------------------------------------------------------------------------------\n"
                "    #             _     #             _     #             _     #             _ \n"
                "    |             |     |             |     |             |     |     _       | \n"
                "  _ |     #_    _ |   _ |     #     _ |   o |     #_    _ |   o |     |_    o | \n"
                "__|o|___o_||__o#|_|___|o|___o_|#__o#|_|___|#|___o_||__o#|_|___|#|___o_||__o#|_|_\n"
                "                                                                                \n"
                "11111111111111111111111111111111155555555554444444444333333333322222222221111111\n"
                "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm98765432109876543210987654321098765432109876543\n"
                "                                 sssssssssssssssssssssssssssssssssssssssssssssss\n"
                "\n"
                "    #     \n"
                "    |     \n"
                "  o |     \n"
                "__|#|___o_\n"
                "          \n"
                "1119876543\n"
                "210sssssss\n"
                "sss       \n");
}

static void flat(void) {
    static const int64_t ago[] = {-5, -3, -1};
    static const uint32_t ms[] = {7, 7, 7};
    check_graph("fork", ago, ms, 1, 9,
                "fork - high 7 ms, low 7 ms (all time high 9 ms)\n"
                "--------------------------------------------------------------------------------\n"
                " \n \n \n_\n \n5\ns\n");
    check_graph("fork", ago, ms, 3, 9,
                "fork - high 7 ms, low 7 ms (all time high 9 ms)\n"
                "--------------------------------------------------------------------------------\n"
                "   \n   \n   \n___\n   \n531\nsss\n");
}

static void labels(void) {
    static const int64_t ago[] = {-200000, -7200, -61, 0};
    static const uint32_t ms[] = {1, 2, 3, 4};
    check_graph("x", ago, ms, 4, 4,
                "x - high 4 ms, low 1 ms (all time high 4 ms)\n"
                "--------------------------------------------------------------------------------\n"
                "   #\n  #|\n o||\n_|||\n    \n2210\ndhms\n");
}

int main(void) {
    test_seed("test_latency_graph");
    redis_g8();
    redis_g90();
    flat();
    labels();
    return test_report("test_latency_graph");
}
