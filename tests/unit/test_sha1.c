/*
 * Unit tests for SHA-1: the FIPS 180 examples, a million 'a's, and a
 * patterned input at every length around the padding boundaries (55/56 and
 * 119/120 bytes decide whether the length fits in the last block); the
 * expected digests come from Python's hashlib.
 */
#include "base/sha1.h"
#include "test.h"

static void check_hex(const void *p, size_t len, const char *want) {
    char got[41];
    sha1_hex(p, len, got);
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "  len %zu: got %s want %s\n", len, got, want);
}

int main(void) {
    check_hex("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_hex(m, strlen(m), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    static char million[1000000];
    memset(million, 'a', sizeof million);
    check_hex(million, sizeof million, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    static const struct {
        size_t n;
        const char *hex;
    } vec[] = {
        {0, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {1, "9842926af7ca0a8cca12604f945414f07b01e13d"},
        {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
        {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
        {57, "11a02dcf95859677a62e75024067c22b165d890f"},
        {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
        {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
        {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
        {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
        {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
        {127, "34d5e582029e9b9b85b2febe31da3db7cdabaaea"},
        {128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
        {129, "808aea332ce367541d37adae7f94e59c5c1a934e"},
        {1000, "4231a8a50a10fa9758db8ec71fdef855b751048a"},
    };
    static unsigned char pat[1000];
    for (size_t i = 0; i < sizeof pat; i++) pat[i] = (unsigned char)((i * 7 + 3) & 255);
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) check_hex(pat, vec[i].n, vec[i].hex);
    printf("test_sha1: %d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
