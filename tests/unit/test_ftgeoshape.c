/*
 * test_ftgeoshape.c - the WKT reader, the validity checks and the planar
 * predicates of GEOSHAPE fields (src/types/ftgeoshape.c), including a
 * randomized comparison of within/intersects against a brute-force grid
 * sampling of axis-aligned rectangles.
 */
#include "types/ftgeoshape.h"

#include <math.h>

#include "test.h"

static FtGeom *P(const char *wkt) {
    char err[256];
    FtGeom *g = ftgeom_parse(wkt, strlen(wkt), err, sizeof err);
    if (!g) fprintf(stderr, "parse failed: %s: %s\n", wkt, err);
    return g;
}

/* The error text for wkt ("" when it parses). */
static const char *E(const char *wkt) {
    static char err[256];
    FtGeom *g = ftgeom_parse(wkt, strlen(wkt), err, sizeof err);
    if (g) {
        ftgeom_free(g);
        return "";
    }
    return err;
}

static void test_reader(void) {
    double x, y;
    FtGeom *g = P("POINT(1.5 -2)");
    CHECK(g && ftgeom_is_point(g, &x, &y) && x == 1.5 && y == -2);
    ftgeom_free(g);
    g = P("  point ( 3e1   4 ) ");
    CHECK(g && ftgeom_is_point(g, &x, &y) && x == 30 && y == 4);
    ftgeom_free(g);
    g = P("POLYGON((0 0, 0 1, 1 1, 1 0, 0 0), (0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2))");
    CHECK(g && ftgeom_n_rings(g) == 2);
    ftgeom_free(g);
    g = P("POLYGON((0 0, 0 5, 5 5))"); /* closed by the reader */
    CHECK(g && ftgeom_n_rings(g) == 1);
    ftgeom_free(g);

    CHECK(!strcmp(E("POLIKON((1 1, 1 2, 2 2, 1 1))"),
                  "Should start with 'POLYGON' in 'POLIKON((1 1, 1 2, 2 2, 1 1))'"));
    CHECK(!strcmp(E(""), "Should start with 'POLYGON' in ''"));
    CHECK(!strcmp(E("POLYGON(1 1, 1 100, 100 100, 1 1))"),
                  "Expected '(' at '1' in 'POLYGON(1 1, 1 100, 100 100, 1 1))'"));
    CHECK(!strcmp(E("POLYGON"), "Expected '(' in 'POLYGON'"));
    CHECK(!strncmp(E("POLYGON((1 1, 1 100, 100 100, bart, 1 1))"),
                   "bad lexical cast: source type value could not be interpreted as target at "
                   "'bart'",
                   80));
    CHECK(!strcmp(E("POINT(1 2) x"), "Too many tokens at 'x' in 'POINT(1 2) x'"));
    CHECK(!strcmp(E("POINT(255, 255)"), "Expected ')' at ',' in 'POINT(255, 255)'"));
    CHECK(!strcmp(E("POLYGON(()())"), "invalid geometry: Geometry has too few points"));
    CHECK(
        !strcmp(E("POLYGON((1 1, 1 100, 1 1))"), "invalid geometry: Geometry has too few points"));
    CHECK(!strcmp(E("POLYGON((1 1, 1 200, 1 100, 100 1, 1 1))"),
                  "invalid geometry: Geometry has spikes"));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100, 50 50, 50 -50, 1 150, 100 50, 1 1))"),
                  "invalid geometry: Geometry has invalid self-intersections"));
    CHECK(!strcmp(E("POLYGON((0 0, 0 10, 10 10, 10 0, 0 0), (5 5, 15 5, 15 6, 5 6, 5 5))"),
                  "invalid geometry: Geometry has invalid self-intersections"));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100, 100 100, 100 1, 1 1) (25 150, 75 150, 75 250, 25 250, "
                    "25 150))"),
                  "invalid geometry: Geometry has interior rings defined outside the outer "
                  "boundary"));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100, 100 100, 100 1, 1 1) (25 25, 75 25, 75 75, 25 75, 25 "
                    "25) (49 49, 51 49, 51 51, 49 51, 49 49))"),
                  "invalid geometry: Geometry has nested interior rings"));
    CHECK(!strcmp(E("POINT(nan 1)"),
                  "invalid geometry: Geometry has point(s) with invalid coordinate(s)"));
    CHECK(!strcmp(E("POINT(0x10 1)"), "bad lexical cast: source type value could not be "
                                      "interpreted as target at '0x10' in 'POINT(0x10 1)'"));
    /* what the reader lets through */
    CHECK(!strcmp(E("POLYGON((1 1, 1 , 100 100, 100 1, 1 1))"), ""));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100 100 100, 100 1, 1 1))"), ""));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100, 100 100, 100 1, 100 1, 1 1))"), ""));
    CHECK(!strcmp(E("POLYGON((1 1, 1 100, 50 50, 50 -50, 1 1))"), ""));
    /* a hole touching the outer ring at one vertex is valid */
    CHECK(!strcmp(E("POLYGON((0 0, 0 10, 10 10, 10 0, 0 0), (0 0, 5 2, 2 5, 0 0))"), ""));
    /* stored text is read again without the checks */
    g = ftgeom_parse_valid("POLYGON((0 0, 0 5, 5 5))", 24);
    CHECK(g && ftgeom_n_rings(g) == 1);
    ftgeom_free(g);
    CHECK(ftgeom_parse_valid("POLIKON", 7) == NULL);
    /* a long message is cut, not overrun */
    char small[8];
    CHECK(ftgeom_parse("POLIKON", 7, small, sizeof small) == NULL && strlen(small) == 7);
}

static int W_geom(const FtGeom *g) {
    FtGeom *o = P("POINT(0 0)");
    int r = ftgeom_within(o, g);
    ftgeom_free(o);
    return r;
}

/* A ring of many vertices: a valid circle, then the same with two far
 * vertices swapped (its edges cross). */
static void test_many_vertices(void) {
    enum { N = 20000 };
    char *wkt = malloc((size_t)N * 48 + 64);
    for (int bad = 0; bad < 2; bad++) {
        size_t o = (size_t)sprintf(wkt, "POLYGON((");
        for (int i = 0; i <= N; i++) {
            int k = i % N;
            if (bad && k == 10)
                k = N / 2;
            else if (bad && k == N / 2)
                k = 10;
            double t = 2 * 3.14159265358979 * k / N;
            o += (size_t)sprintf(wkt + o, "%s%.9f %.9f", i ? ", " : "", 100 * cos(t), 100 * sin(t));
        }
        o += (size_t)sprintf(wkt + o, "))");
        char err[256];
        FtGeom *g = ftgeom_parse(wkt, o, err, sizeof err);
        if (!bad) {
            CHECK(g != NULL);
            if (g) CHECK_EQ_INT(W_geom(g), 1);
        } else {
            CHECK(g == NULL && !strcmp(err, "invalid geometry: Geometry has invalid "
                                            "self-intersections"));
        }
        ftgeom_free(g);
    }
    free(wkt);
}

static int W(const char *a, const char *b) {
    FtGeom *ga = P(a), *gb = P(b);
    int r = ga && gb ? ftgeom_within(ga, gb) : -1;
    ftgeom_free(ga);
    ftgeom_free(gb);
    return r;
}

static int I(const char *a, const char *b) {
    FtGeom *ga = P(a), *gb = P(b);
    int r = ga && gb ? ftgeom_intersects(ga, gb) : -1;
    ftgeom_free(ga);
    ftgeom_free(gb);
    return r;
}

static void test_predicates(void) {
    const char *sq = "POLYGON((0 0, 0 10, 10 10, 10 0, 0 0))";
    const char *holed = "POLYGON((0 0, 0 10, 10 10, 10 0, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))";
    CHECK_EQ_INT(W("POINT(5 5)", sq), 1);
    CHECK_EQ_INT(W("POINT(0 5)", sq), 0); /* boundary */
    CHECK_EQ_INT(I("POINT(0 5)", sq), 1);
    CHECK_EQ_INT(W("POINT(5 5)", holed), 0);
    CHECK_EQ_INT(I("POINT(5 5)", holed), 0);
    CHECK_EQ_INT(I("POINT(4 5)", holed), 1); /* on the hole's edge */
    CHECK_EQ_INT(W("POINT(1 1)", "POINT(1 1)"), 1);
    CHECK_EQ_INT(I("POINT(1 1)", "POINT(1 2)"), 0);
    CHECK_EQ_INT(W(sq, "POINT(1 1)"), 0);
    CHECK_EQ_INT(W(sq, sq), 1);
    CHECK_EQ_INT(W("POLYGON((1 1, 1 2, 2 2, 2 1, 1 1))", sq), 1);
    CHECK_EQ_INT(W("POLYGON((0 0, 0 2, 2 2, 2 0, 0 0))", sq), 1); /* shares a corner */
    CHECK_EQ_INT(W("POLYGON((1 1, 1 2, 2 2, 2 1, 1 1))", holed), 1);
    CHECK_EQ_INT(W("POLYGON((4.5 4.5, 4.5 5, 5 5, 4.5 4.5))", holed), 0); /* in the hole */
    CHECK_EQ_INT(I("POLYGON((4.5 4.5, 4.5 5, 5 5, 4.5 4.5))", holed), 0);
    CHECK_EQ_INT(W("POLYGON((3 3, 3 7, 7 7, 7 3, 3 3))", holed), 0); /* covers the hole */
    CHECK_EQ_INT(W(holed, "POLYGON((-1 -1, -1 11, 11 11, 11 -1, -1 -1))"), 1);
    CHECK_EQ_INT(W(sq, holed), 0);
    CHECK_EQ_INT(W(holed, sq), 1);
    CHECK_EQ_INT(I(sq, "POLYGON((10 10, 10 20, 20 20, 20 10, 10 10))"), 1); /* corner touch */
    CHECK_EQ_INT(I(sq, "POLYGON((11 11, 11 20, 20 20, 20 11, 11 11))"), 0);
    CHECK_EQ_INT(I(sq, "POLYGON((2 2, 2 3, 3 3, 2 2))"), 1);           /* inside */
    CHECK_EQ_INT(I("POLYGON((2 2, 2 3, 3 3, 2 2))", sq), 1);           /* and the other way */
    CHECK_EQ_INT(W("POLYGON((5 -1, 5 11, 6 11, 6 -1, 5 -1))", sq), 0); /* crosses */
    /* concave: a C shape; a box in its mouth is outside it */
    const char *c = "POLYGON((0 0, 0 10, 10 10, 10 8, 2 8, 2 2, 10 2, 10 0, 0 0))";
    CHECK_EQ_INT(I("POLYGON((4 4, 4 6, 6 6, 6 4, 4 4))", c), 0);
    CHECK_EQ_INT(W("POLYGON((0 0, 0 10, 1 10, 1 0, 0 0))", c), 1);
    CHECK_EQ_INT(W("POLYGON((0 0, 0 10, 3 10, 3 0, 0 0))", c), 0);
}

/* Random axis-aligned rectangles on an integer grid: within and intersects
 * against counting the grid's cells and points. */
static void test_random_rects(void) {
    for (int it = 0; it < 400; it++) {
        int r[2][4];
        for (int k = 0; k < 2; k++) {
            int x0 = (int)test_rand_below(10), y0 = (int)test_rand_below(10);
            r[k][0] = x0;
            r[k][1] = y0;
            r[k][2] = x0 + 1 + (int)test_rand_below(6);
            r[k][3] = y0 + 1 + (int)test_rand_below(6);
        }
        char a[128], b[128];
        snprintf(a, sizeof a, "POLYGON((%d %d, %d %d, %d %d, %d %d, %d %d))", r[0][0], r[0][1],
                 r[0][0], r[0][3], r[0][2], r[0][3], r[0][2], r[0][1], r[0][0], r[0][1]);
        snprintf(b, sizeof b, "POLYGON((%d %d, %d %d, %d %d, %d %d, %d %d))", r[1][0], r[1][1],
                 r[1][2], r[1][1], r[1][2], r[1][3], r[1][0], r[1][3], r[1][0], r[1][1]);
        int within =
            r[0][0] >= r[1][0] && r[0][1] >= r[1][1] && r[0][2] <= r[1][2] && r[0][3] <= r[1][3];
        int meet =
            r[0][0] <= r[1][2] && r[1][0] <= r[0][2] && r[0][1] <= r[1][3] && r[1][1] <= r[0][3];
        CHECK_EQ_INT(W(a, b), within);
        CHECK_EQ_INT(I(a, b), meet);
        CHECK_EQ_INT(I(b, a), meet);
    }
}

int main(void) {
    test_seed("test_ftgeoshape");
    test_reader();
    test_many_vertices();
    test_predicates();
    test_random_rects();
    return test_report("test_ftgeoshape");
}
