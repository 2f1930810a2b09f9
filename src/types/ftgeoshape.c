/*
 * ftgeoshape.c - WKT geometries for GEOSHAPE fields and their predicates.
 *
 * Reading follows the WKT reader RediSearch uses (Boost.Geometry's): the
 * text is cut into tokens at blanks and at '(' ')' ','; the keyword is
 * POINT or POLYGON (any case); a point is up to two numbers, a missing one
 * keeping the previous point's value (so "1 1, 1 , 2 2" reads (1 1) (1 1)
 * (2 2)), and more numbers than two
 * simply start the next point; rings of a polygon may or may not be
 * separated by commas. Rings are closed when they are not. The errors keep
 * that reader's words ("Expected '(' at '1' in '...'", "bad lexical
 * cast: ...", "Should start with 'POLYGON'") and its validity checks'
 * ("invalid geometry: Geometry has too few points", spikes, invalid
 * self-intersections, interior rings outside the outer boundary, nested
 * interior rings).
 *
 * Predicates are exact on the plane, for points and polygons with holes:
 *   intersects(a, b)  an edge of a meets an edge of b, or a vertex of one
 *                     lies in (the closure of) the other;
 *   within(a, b)      every vertex of a is in b's closure; every piece of
 *                     a's edges, cut where b's edges cross them, has its
 *                     midpoint in b's closure; and no piece of b's edges
 *                     (cut likewise) runs through a's interior (which would
 *                     mean a covers a hole of b or reaches past b). A valid
 *                     polygon has an area, so a covered by b then also
 *                     shares interior points with b; a point is within a
 *                     polygon only when strictly inside.
 * A linear scan of the documents asks these per document; no spatial tree:
 * the numeric and geo filters of the engine scan the same way.
 *
 * SPHERICAL fields: RediSearch computes them on the ellipsoid (edges are
 * geodesics). Here both coordinate systems use the planar predicates; for
 * shapes spanning a few degrees the difference only shows for points
 * within metres of an edge. This is a known simplification.
 */
#include "types/ftgeoshape.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

typedef struct Pt {
    double x, y;
} Pt;

typedef struct Ring {
    Pt *p; /* closed: p[n-1] == p[0] */
    size_t n;
} Ring;

struct FtGeom {
    int is_point;
    Pt pt;
    Ring *rings; /* [0] outer, then holes */
    size_t n_rings;
};

/* ---- reading ------------------------------------------------------------ */

/* The largest WKT text accepted (a value or a query parameter). */
#define WKT_MAX_BYTES (16u << 20)

typedef struct Tok {
    const char *s;
    size_t len;
} Tok;

typedef struct Rd {
    Tok *t;
    size_t n, i;
    const char *wkt;
    size_t wkt_len;
    char *err;
    size_t err_len;
    int failed;
} Rd;

static void tokenize(Rd *r) {
    size_t cap = 0;
    const char *s = r->wkt;
    size_t len = r->wkt_len;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        size_t j = i + 1;
        if (c != '(' && c != ')' && c != ',')
            while (j < len && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' &&
                   s[j] != '(' && s[j] != ')' && s[j] != ',')
                j++;
        if (r->n == cap) {
            cap = cap ? cap * 2 : 32;
            r->t = xrealloc(r->t, cap * sizeof(Tok));
        }
        r->t[r->n++] = (Tok){s + i, j - i};
        i = j;
    }
}

static int tok_is(const Rd *r, const char *w) {
    if (r->i >= r->n) return 0;
    const Tok *t = &r->t[r->i];
    size_t wl = strlen(w);
    if (t->len != wl) return 0;
    for (size_t k = 0; k < wl; k++)
        if (toupper((unsigned char)t->s[k]) != toupper((unsigned char)w[k])) return 0;
    return 1;
}

/* "<msg>[ at '<token>'] in '<first 100 bytes of the text>'" */
static void rd_fail(Rd *r, const char *msg, int at_token) {
    if (r->failed) return;
    r->failed = 1;
    int n = snprintf(r->err, r->err_len, "%s", msg);
    if (n < 0) n = 0;
    size_t o = (size_t)n < r->err_len ? (size_t)n : r->err_len;
    if (at_token && r->i < r->n && o < r->err_len) {
        const Tok *t = &r->t[r->i];
        n = snprintf(r->err + o, r->err_len - o, " at '%.*s'", (int)(t->len > 100 ? 100 : t->len),
                     t->s);
        if (n > 0) o += (size_t)n < r->err_len - o ? (size_t)n : r->err_len - o;
    }
    if (o < r->err_len) {
        size_t wl = r->wkt_len > 100 ? 100 : r->wkt_len;
        snprintf(r->err + o, r->err_len - o, " in '%.*s'", (int)wl, r->wkt);
    }
}

static void expect(Rd *r, const char *what) {
    if (r->failed) return;
    if (r->i < r->n && r->t[r->i].len == 1 && r->t[r->i].s[0] == what[0]) {
        r->i++;
        return;
    }
    char msg[16];
    snprintf(msg, sizeof msg, "Expected '%s'", what);
    rd_fail(r, msg, 1);
}

static int at_sep(const Rd *r) {
    if (r->i >= r->n) return 1;
    const Tok *t = &r->t[r->i];
    return t->len == 1 && (t->s[0] == ',' || t->s[0] == ')');
}

/* A coordinate; a missing one (at ',' or ')') keeps the value it had
 * in the previous point, which is what RediSearch indexes for "1 ,". */
static double read_coord(Rd *r, double prev) {
    if (r->failed || at_sep(r)) return prev;
    const Tok *t = &r->t[r->i];
    char buf[64];
    int ok = t->len < sizeof buf;
    double v = 0;
    if (ok) {
        memcpy(buf, t->s, t->len);
        buf[t->len] = 0;
        /* lexical_cast takes decimal notation only: no hex, no blanks */
        for (size_t k = 0; k < t->len && ok; k++)
            if (buf[k] == 'x' || buf[k] == 'X') ok = 0;
        if (ok) {
            char *end;
            errno = 0;
            v = strtod(buf, &end);
            ok = end != buf && *end == 0;
        }
    }
    if (!ok) {
        rd_fail(r, "bad lexical cast: source type value could not be interpreted as target", 1);
        return 0;
    }
    r->i++;
    return v;
}

static Pt read_point(Rd *r, Pt prev) {
    Pt p;
    p.x = read_coord(r, prev.x);
    p.y = read_coord(r, prev.y);
    return p;
}

static void ring_push(Ring *g, size_t *cap, Pt p) {
    if (g->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        g->p = xrealloc(g->p, *cap * sizeof(Pt));
    }
    g->p[g->n++] = p;
}

static void read_ring(Rd *r, Ring *g) {
    size_t cap = 0;
    Pt p = {0, 0};
    expect(r, "(");
    while (!r->failed && r->i < r->n && !tok_is(r, ")")) {
        p = read_point(r, p);
        if (r->failed) break;
        ring_push(g, &cap, p);
        if (tok_is(r, ",")) r->i++;
    }
    expect(r, ")");
    /* close the ring, as the corrector does */
    if (!r->failed && g->n > 0 && (g->p[0].x != g->p[g->n - 1].x || g->p[0].y != g->p[g->n - 1].y))
        ring_push(g, &cap, g->p[0]);
}

/* ---- validity ------------------------------------------------------------ */

static double cross(Pt o, Pt a, Pt b) {
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int pt_eq(Pt a, Pt b) {
    return a.x == b.x && a.y == b.y;
}

/* q on segment [a, b], given a, b, q collinear */
static int on_seg(Pt a, Pt b, Pt q) {
    return fmin(a.x, b.x) <= q.x && q.x <= fmax(a.x, b.x) && fmin(a.y, b.y) <= q.y &&
           q.y <= fmax(a.y, b.y);
}

static int sgn(double v) {
    return (v > 0) - (v < 0);
}

/* Segments [a,b] and [c,d] share a point. */
static int seg_meet(Pt a, Pt b, Pt c, Pt d) {
    int d1 = sgn(cross(c, d, a)), d2 = sgn(cross(c, d, b));
    int d3 = sgn(cross(a, b, c)), d4 = sgn(cross(a, b, d));
    if (d1 * d2 < 0 && d3 * d4 < 0) return 1;
    if (d1 == 0 && on_seg(c, d, a)) return 1;
    if (d2 == 0 && on_seg(c, d, b)) return 1;
    if (d3 == 0 && on_seg(a, b, c)) return 1;
    if (d4 == 0 && on_seg(a, b, d)) return 1;
    return 0;
}

/* Segments cross at one point interior to both, or overlap along a piece. */
static int seg_cross_or_overlap(Pt a, Pt b, Pt c, Pt d) {
    int d1 = sgn(cross(c, d, a)), d2 = sgn(cross(c, d, b));
    int d3 = sgn(cross(a, b, c)), d4 = sgn(cross(a, b, d));
    if (d1 * d2 < 0 && d3 * d4 < 0) return 1;
    if (d1 == 0 && d2 == 0) { /* collinear: overlap of positive length? */
        int use_x = fabs(b.x - a.x) >= fabs(b.y - a.y);
        double a0 = use_x ? a.x : a.y, a1 = use_x ? b.x : b.y;
        double c0 = use_x ? c.x : c.y, c1 = use_x ? d.x : d.y;
        double lo = fmax(fmin(a0, a1), fmin(c0, c1)), hi = fmin(fmax(a0, a1), fmax(c0, c1));
        return lo < hi;
    }
    return 0;
}

/* Removes consecutive repeated points of a closed ring. */
static void ring_dedup(Ring *g) {
    size_t w = 0;
    for (size_t i = 0; i < g->n; i++)
        if (w == 0 || !pt_eq(g->p[w - 1], g->p[i])) g->p[w++] = g->p[i];
    g->n = w;
}

/* -1 outside, 0 on the boundary, 1 inside (the ring alone). */
static int ring_locate(const Ring *g, Pt q) {
    int in = 0;
    for (size_t i = 0; i + 1 < g->n; i++) {
        Pt a = g->p[i], b = g->p[i + 1];
        if (cross(a, b, q) == 0 && on_seg(a, b, q)) return 0;
        if ((a.y > q.y) != (b.y > q.y)) {
            double x = a.x + (q.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if (q.x < x) in = !in;
        }
    }
    return in ? 1 : -1;
}

static int geom_locate(const FtGeom *g, Pt q) {
    if (g->is_point) return pt_eq(g->pt, q) ? 1 : -1;
    int r = ring_locate(&g->rings[0], q);
    if (r <= 0) return r;
    for (size_t h = 1; h < g->n_rings; h++) {
        int rh = ring_locate(&g->rings[h], q);
        if (rh == 0) return 0;
        if (rh > 0) return -1;
    }
    return 1;
}

/* A point of ring h not on ring o's boundary (a vertex, else an edge's
 * midpoint): its side of o tells the side of the whole ring when the two
 * do not cross. */
static int ring_side(const Ring *h, const Ring *o) {
    for (size_t i = 0; i + 1 < h->n; i++) {
        int s = ring_locate(o, h->p[i]);
        if (s != 0) return s;
        Pt m = {(h->p[i].x + h->p[i + 1].x) / 2, (h->p[i].y + h->p[i + 1].y) / 2};
        s = ring_locate(o, m);
        if (s != 0) return s;
    }
    return 0;
}

/* An edge for the sweep of self_intersects(). */
typedef struct Edge {
    Pt a, b;
    double xmin, xmax;
    size_t ring, idx;
} Edge;

static int edge_cmp(const void *x, const void *y) {
    const Edge *e = x, *f = y;
    return (e->xmin > f->xmin) - (e->xmin < f->xmin);
}

/* Whether two edges of a ring that are not neighbours meet, or edges of
 * two rings cross or overlap (touching at a point is allowed between
 * rings). Edges sorted by their left end are compared only with those that
 * start before they end, so shapes of many small edges cost about
 * n log n rather than n^2. */
static int self_intersects(const FtGeom *g) {
    size_t n = 0;
    for (size_t k = 0; k < g->n_rings; k++) n += g->rings[k].n - 1;
    Edge *e = xmalloc(n * sizeof(Edge));
    size_t w = 0;
    for (size_t k = 0; k < g->n_rings; k++) {
        const Ring *r = &g->rings[k];
        for (size_t i = 0; i + 1 < r->n; i++) {
            Pt a = r->p[i], b = r->p[i + 1];
            e[w++] = (Edge){a, b, fmin(a.x, b.x), fmax(a.x, b.x), k, i};
        }
    }
    assert(w == n);
    qsort(e, n, sizeof(Edge), edge_cmp);
    int hit = 0;
    for (size_t i = 0; i < n && !hit; i++) {
        double ylo = fmin(e[i].a.y, e[i].b.y), yhi = fmax(e[i].a.y, e[i].b.y);
        for (size_t j = i + 1; j < n && e[j].xmin <= e[i].xmax && !hit; j++) {
            if (fmax(e[j].a.y, e[j].b.y) < ylo || fmin(e[j].a.y, e[j].b.y) > yhi) continue;
            if (e[i].ring == e[j].ring) {
                size_t m = g->rings[e[i].ring].n - 1;
                size_t lo = e[i].idx < e[j].idx ? e[i].idx : e[j].idx;
                size_t hi = e[i].idx < e[j].idx ? e[j].idx : e[i].idx;
                if (hi == lo + 1 || (lo == 0 && hi == m - 1)) continue; /* neighbours */
                hit = seg_meet(e[i].a, e[i].b, e[j].a, e[j].b);
            } else {
                hit = seg_cross_or_overlap(e[i].a, e[i].b, e[j].a, e[j].b);
            }
        }
    }
    xfree(e);
    return hit;
}

static const char *validate(FtGeom *g) {
    for (size_t k = 0; k < g->n_rings; k++)
        for (size_t i = 0; i < g->rings[k].n; i++)
            if (!isfinite(g->rings[k].p[i].x) || !isfinite(g->rings[k].p[i].y))
                return "Geometry has point(s) with invalid coordinate(s)";
    for (size_t k = 0; k < g->n_rings; k++) {
        Ring *r = &g->rings[k];
        ring_dedup(r);
        if (r->n < 4) return "Geometry has too few points";
    }
    for (size_t k = 0; k < g->n_rings; k++) {
        const Ring *r = &g->rings[k];
        size_t m = r->n - 1; /* distinct vertices, cyclic */
        for (size_t i = 0; i < m; i++) {
            Pt a = r->p[(i + m - 1) % m], b = r->p[i], c = r->p[(i + 1) % m];
            if (cross(b, a, c) == 0 && (a.x - b.x) * (c.x - b.x) + (a.y - b.y) * (c.y - b.y) > 0)
                return "Geometry has spikes";
        }
    }
    if (self_intersects(g)) return "Geometry has invalid self-intersections";
    for (size_t h = 1; h < g->n_rings; h++)
        if (ring_side(&g->rings[h], &g->rings[0]) < 0)
            return "Geometry has interior rings defined outside the outer boundary";
    for (size_t h = 1; h < g->n_rings; h++)
        for (size_t l = 1; l < g->n_rings; l++)
            if (h != l && ring_side(&g->rings[h], &g->rings[l]) > 0)
                return "Geometry has nested interior rings";
    return NULL;
}

/* ---- public ---------------------------------------------------------------- */

/* Parses WKT (see the file header). Returns an owned geometry, free with
 * ftgeom_free(); NULL with the reason in err when the text is not WKT of a
 * point or polygon, or the polygon is not valid. */
static FtGeom *parse(const char *wkt, size_t len, char *err, size_t err_len, int check) {
    assert(err && err_len > 0);
    err[0] = 0;
    if (len > WKT_MAX_BYTES) {
        snprintf(err, err_len, "WKT text is too long");
        return NULL;
    }
    Rd r = {0};
    r.wkt = wkt;
    r.wkt_len = len;
    r.err = err;
    r.err_len = err_len;
    tokenize(&r);
    FtGeom *g = xcalloc(1, sizeof *g);
    if (tok_is(&r, "POINT")) {
        r.i++;
        g->is_point = 1;
        expect(&r, "(");
        if (!r.failed) g->pt = read_point(&r, g->pt);
        expect(&r, ")");
        if (!r.failed && r.i < r.n) rd_fail(&r, "Too many tokens", 1);
        if (!r.failed && (!isfinite(g->pt.x) || !isfinite(g->pt.y))) {
            snprintf(err, err_len, "invalid geometry: %s",
                     "Geometry has point(s) with invalid coordinate(s)");
            r.failed = 1;
        }
    } else if (tok_is(&r, "POLYGON")) {
        r.i++;
        size_t cap = 0;
        expect(&r, "(");
        while (!r.failed && r.i < r.n && !tok_is(&r, ")")) {
            if (g->n_rings == cap) {
                cap = cap ? cap * 2 : 2;
                g->rings = xrealloc(g->rings, cap * sizeof(Ring));
            }
            Ring *ring = &g->rings[g->n_rings++];
            memset(ring, 0, sizeof *ring);
            read_ring(&r, ring);
            if (tok_is(&r, ",")) r.i++;
        }
        expect(&r, ")");
        if (!r.failed && r.i < r.n) rd_fail(&r, "Too many tokens", 1);
        if (!r.failed && check) {
            const char *why = g->n_rings ? validate(g) : "Geometry has too few points";
            if (why) {
                snprintf(err, err_len, "invalid geometry: %s", why);
                r.failed = 1;
            }
        }
    } else {
        rd_fail(&r, "Should start with 'POLYGON'", 0);
    }
    xfree(r.t);
    if (r.failed) {
        ftgeom_free(g);
        return NULL;
    }
    return g;
}

FtGeom *ftgeom_parse(const char *wkt, size_t len, char *err, size_t err_len) {
    return parse(wkt, len, err, err_len, 1);
}

/* The same for text ftgeom_parse() accepted before (a document's stored
 * value): the validity checks, quadratic in the vertices, are skipped. */
FtGeom *ftgeom_parse_valid(const char *wkt, size_t len) {
    char err[8];
    return parse(wkt, len, err, sizeof err, 0);
}

void ftgeom_free(FtGeom *g) {
    if (!g) return;
    for (size_t k = 0; k < g->n_rings; k++) xfree(g->rings[k].p);
    xfree(g->rings);
    xfree(g);
}

int ftgeom_is_point(const FtGeom *g, double *x, double *y) {
    if (!g->is_point) return 0;
    if (x) *x = g->pt.x;
    if (y) *y = g->pt.y;
    return 1;
}

size_t ftgeom_n_rings(const FtGeom *g) {
    return g->is_point ? 0 : g->n_rings;
}

static int edges_meet(const FtGeom *a, const FtGeom *b) {
    for (size_t k = 0; k < a->n_rings; k++)
        for (size_t i = 0; i + 1 < a->rings[k].n; i++)
            for (size_t l = 0; l < b->n_rings; l++)
                for (size_t j = 0; j + 1 < b->rings[l].n; j++)
                    if (seg_meet(a->rings[k].p[i], a->rings[k].p[i + 1], b->rings[l].p[j],
                                 b->rings[l].p[j + 1]))
                        return 1;
    return 0;
}

/* Whether a and b share a point. */
int ftgeom_intersects(const FtGeom *a, const FtGeom *b) {
    if (a->is_point) return geom_locate(b, a->pt) >= 0;
    if (b->is_point) return geom_locate(a, b->pt) >= 0;
    if (edges_meet(a, b)) return 1;
    /* no boundary contact: one lies inside the other or they are apart */
    return geom_locate(b, a->rings[0].p[0]) >= 0 || geom_locate(a, b->rings[0].p[0]) >= 0;
}

static int dbl_cmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The pieces of segment [p, q] cut where other's edges meet it: calls ok()
 * on each piece's midpoint; returns 0 as soon as ok() says no. */
static int pieces_ok(Pt p, Pt q, const FtGeom *other, int (*ok)(const FtGeom *, Pt),
                     const FtGeom *against) {
    size_t cap = 16, n = 0;
    double *t = xmalloc(cap * sizeof(double));
    t[n++] = 0;
    t[n++] = 1;
    double dx = q.x - p.x, dy = q.y - p.y;
    double len2 = dx * dx + dy * dy;
    for (size_t l = 0; l < other->n_rings; l++) {
        const Ring *r = &other->rings[l];
        for (size_t j = 0; j + 1 < r->n; j++) {
            Pt c = r->p[j], d = r->p[j + 1];
            if (!seg_meet(p, q, c, d)) continue;
            double cand[2];
            int nc = 0;
            double den = dx * (d.y - c.y) - dy * (d.x - c.x);
            if (den != 0) {
                cand[nc++] = ((c.x - p.x) * (d.y - c.y) - (c.y - p.y) * (d.x - c.x)) / den;
            } else if (len2 > 0) { /* collinear: the other segment's ends */
                cand[nc++] = ((c.x - p.x) * dx + (c.y - p.y) * dy) / len2;
                cand[nc++] = ((d.x - p.x) * dx + (d.y - p.y) * dy) / len2;
            }
            for (int k = 0; k < nc; k++) {
                if (!(cand[k] > 0 && cand[k] < 1)) continue;
                if (n == cap) {
                    cap *= 2;
                    t = xrealloc(t, cap * sizeof(double));
                }
                t[n++] = cand[k];
            }
        }
    }
    qsort(t, n, sizeof(double), dbl_cmp);
    int good = 1;
    for (size_t i = 0; i + 1 < n && good; i++) {
        if (t[i + 1] == t[i]) continue;
        double m = (t[i] + t[i + 1]) / 2;
        Pt mp = {p.x + m * dx, p.y + m * dy};
        good = ok(against, mp);
    }
    xfree(t);
    return good;
}

static int in_closure(const FtGeom *g, Pt q) {
    return geom_locate(g, q) >= 0;
}

static int not_in_interior(const FtGeom *g, Pt q) {
    return geom_locate(g, q) <= 0;
}

/* Whether a lies within b (see the file header). */
int ftgeom_within(const FtGeom *a, const FtGeom *b) {
    if (a->is_point) return geom_locate(b, a->pt) > 0;
    if (b->is_point) return 0;
    for (size_t k = 0; k < a->n_rings; k++)
        for (size_t i = 0; i < a->rings[k].n; i++)
            if (!in_closure(b, a->rings[k].p[i])) return 0;
    for (size_t k = 0; k < a->n_rings; k++)
        for (size_t i = 0; i + 1 < a->rings[k].n; i++)
            if (!pieces_ok(a->rings[k].p[i], a->rings[k].p[i + 1], b, in_closure, b)) return 0;
    for (size_t k = 0; k < b->n_rings; k++)
        for (size_t i = 0; i + 1 < b->rings[k].n; i++)
            if (!pieces_ok(b->rings[k].p[i], b->rings[k].p[i + 1], a, not_in_interior, a)) return 0;
    return 1;
}
