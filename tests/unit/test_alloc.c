/*
 * Unit tests for the allocation wrapper's xprefault(): it makes the whole
 * pages of a big block resident (checked with mincore() on fresh anonymous
 * memory), leaves partial pages at either end and small blocks alone, skips
 * pages already resident, and never changes a byte. Where the kernel lacks
 * MADV_POPULATE_WRITE only the "changes nothing" half can be checked.
 *
 * And the allocator's own figures (INFO memory's allocator_*): jemalloc's
 * follow an allocation and keep allocated <= active <= resident; libc has
 * none, no report, and a purge that does nothing.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/alloc.h"
#include "test.h"

static size_t page;

/* Which of the n pages from p are resident, as a string of '1' and '0'. */
static void residency(char *p, size_t n_pages, char *out) {
    unsigned char vec[4096];
    CHECK(n_pages <= sizeof vec);
    CHECK(mincore(p, n_pages * page, vec) == 0);
    for (size_t i = 0; i < n_pages; i++) out[i] = (vec[i] & 1) ? '1' : '0';
    out[n_pages] = '\0';
}

static char *fresh(size_t n_pages) {
    void *p =
        mmap(NULL, n_pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    return p;
}

static int kernel_populates(void) {
#ifdef MADV_POPULATE_WRITE
    char *p = fresh(1);
    int ok = madvise(p, page, MADV_POPULATE_WRITE) == 0;
    munmap(p, page);
    return ok;
#else
    return 0;
#endif
}

static void populate(int supported) {
    enum { N = 64 };
    char *p = fresh(N);
    char before[N + 1], after[N + 1];
    /* a few pages already touched, with bytes that must survive */
    p[3 * page + 7] = 'a';
    p[10 * page] = 'b';
    p[40 * page + page - 1] = 'c';
    residency(p, N, before);
    CHECK(before[0] == '0' && before[3] == '1' && before[10] == '1' && before[40] == '1');
    size_t used = alloc_used_bytes();
    /* from inside page 0 to inside page N-1: only pages 1..N-2 are whole */
    xprefault(p + 100, (N - 1) * page);
    residency(p, N, after);
    if (supported) {
        CHECK(after[0] == '0' && after[N - 1] == '0');
        int whole = 1;
        for (int i = 1; i < N - 1; i++) whole &= after[i] == '1';
        CHECK(whole);
    } else {
        CHECK(strcmp(before, after) == 0);
    }
    CHECK(p[3 * page + 7] == 'a' && p[10 * page] == 'b' && p[40 * page + page - 1] == 'c');
    CHECK(p[5 * page] == 0 && p[N * page - 200] == 0);
    CHECK_EQ_INT(alloc_used_bytes(), used);
    munmap(p, N * page);

    /* under 64 KB: left to fault page by page */
    size_t small = (64 * 1024 - 1) / page;
    p = fresh(small);
    xprefault(p, small * page);
    residency(p, small, after);
    CHECK(strchr(after, '1') == NULL);
    munmap(p, small * page);
}

/* A block from the allocator, partly written, keeps every byte. */
static void keeps_contents(void) {
    size_t n = 3 * 1024 * 1024 + 123;
    unsigned char *p = xmalloc(n);
    for (size_t i = 0; i < n; i += 4093) p[i] = (unsigned char)(i * 31 + 7);
    xprefault(p, n);
    int same = 1;
    for (size_t i = 0; i < n; i += 4093) same &= p[i] == (unsigned char)(i * 31 + 7);
    CHECK(same);
    xfree(p);
    xprefault(NULL, 0);
}

static void count_text(void *opaque, const char *text) {
    *(size_t *)opaque += strlen(text);
}

static void allocator_figures(void) {
    size_t allocated, active, resident, bytes = 0;
    int jemalloc = alloc_allocator_info(&allocated, &active, &resident) == 0;
    CHECK(jemalloc == (strncmp(alloc_name(), "jemalloc", 8) == 0));
    if (!jemalloc) {
        CHECK(allocated == 0 && active == 0 && resident == 0);
        CHECK(alloc_stats_print(count_text, &bytes) == -1 && bytes == 0);
        CHECK(alloc_purge() == 0);
        return;
    }
    CHECK(allocated > 0 && allocated <= active && active <= resident);
    size_t n = 8 * 1024 * 1024;
    char *p = xmalloc(n);
    memset(p, 1, n);
    size_t allocated2, active2, resident2;
    CHECK(alloc_allocator_info(&allocated2, &active2, &resident2) == 0);
    CHECK(allocated2 >= allocated + n);
    CHECK(allocated2 <= active2 && active2 <= resident2);
    xfree(p);
    CHECK(alloc_allocator_info(&allocated, &active, &resident) == 0);
    CHECK(allocated + n <= allocated2);
    CHECK(alloc_purge() == 0);
    CHECK(alloc_stats_print(count_text, &bytes) == 0 && bytes > 1000);
}

int main(void) {
    test_seed("test_alloc");
    page = (size_t)sysconf(_SC_PAGESIZE);
    int supported = kernel_populates();
    if (!supported) printf("test_alloc: no MADV_POPULATE_WRITE: residency not checked\n");
    populate(supported);
    keeps_contents();
    allocator_figures();
    return test_report("test_alloc");
}
