/*
 * Unit tests for XXH3-64: the examples of Redis's DIGEST documentation and
 * a patterned input at the lengths where the algorithm changes path (0, 1-3,
 * 4-8, 9-16, 17-128 in 32-byte steps, 129-240, then stripes of 64 and
 * blocks of 1024 bytes); the expected values come from python3-xxhash.
 */
#include "base/xxh3.h"
#include "test.h"

static void check_hex(const void *p, size_t len, const char *want) {
    char got[17];
    xxh3_hex(p, len, got);
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "  len %zu: got %s want %s\n", len, got, want);
}

int main(void) {
    check_hex("Hello world", 11, "b6acb9d84a38ff74");
    check_hex("test", 4, "9ec9f7918d7dfc40");
    check_hex("hello", 5, "9555e8555c62dcfd");
    check_hex("Hello, Dragonfly!", 17, "063b4909128e92b7");
    CHECK(xxh3_64("Hello world", 11) == 0xb6acb9d84a38ff74ull);
    static const struct {
        size_t n;
        const char *hex;
    } vec[] = {
        {0, "2d06800538d394c2"},    {1, "13e608bc156defed"},    {2, "1c9074b93943b86c"},
        {3, "a9088dda485b481c"},    {4, "6d9253b16c8b1ed3"},    {5, "998620e10e3a4b37"},
        {7, "8e8291ad89127e2e"},    {8, "60539db630471163"},    {9, "feff668361d723a8"},
        {15, "9ec169f4a98231c1"},   {16, "b8c859b0f030b585"},   {17, "714a04408e79b80f"},
        {31, "ed41ac283d0674b3"},   {32, "19ff4ee1d6ba1a55"},   {33, "3e44983ad21679c8"},
        {63, "1353bea3d0ebf7e1"},   {64, "287eb1fa9e4be2c1"},   {65, "829218de4d798646"},
        {95, "ce51f0954dfbdb63"},   {96, "f084e7cfbc624743"},   {97, "1daa83271a8e7b7c"},
        {127, "998fa0631fd78d0b"},  {128, "67425a03650261bf"},  {129, "c664bf3311c6abc4"},
        {143, "8b313780705af3a7"},  {144, "606a17fa700bb932"},  {239, "1d861931c1f3cafa"},
        {240, "64556dc6b462a6cf"},  {241, "8beadd3a8874fe17"},  {255, "b67b6637a76e6c39"},
        {256, "3c38817f6d79c0da"},  {1023, "d26986a0b85dcc44"}, {1024, "9b81661c641c72b1"},
        {1025, "806c2072ed713576"}, {1087, "0d058f8dbd85227e"}, {1088, "2f8781e01841f0da"},
        {1089, "2a90437fe231e7e8"}, {2047, "e36fcecaa2c0ecba"}, {2048, "abe604813ba62ed1"},
        {2049, "55aed42c9f1554b6"}, {4999, "11fe9beb341ea18d"},
    };
    static unsigned char pat[5000];
    for (size_t i = 0; i < sizeof pat; i++) pat[i] = (unsigned char)((i * 7 + 3) & 255);
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) check_hex(pat, vec[i].n, vec[i].hex);
    printf("test_xxh3: %d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
