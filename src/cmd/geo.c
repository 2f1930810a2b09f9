/*
 * geo.c - Redis 7.0's GEO commands: GEOADD, GEOPOS, GEODIST, GEOHASH,
 * GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and GEOSEARCHSTORE.
 *
 * There is no GEO type. A point is a member of a sorted set whose score is
 * the 52-bit geohash of its position (src/base/geohash.h), exactly as Redis
 * stores it, so ZRANGE, DUMP/RESTORE and RDB files see the same set Redis
 * would have, and every sorted-set command works on it.
 *
 * GEOADD is ZADD: like 7.0 it checks every coordinate, rewrites itself to
 * "ZADD key [NX|XX] [CH] score member ..." and runs that, so its reply,
 * "zadd" event and propagated record are ZADD's.
 *
 * A search (the radius and box commands share one routine, as in Redis)
 * scans the score ranges of at most 9 geohash cells (geohash_cover()),
 * keeps the points inside the shape in the order found (cell by cell,
 * ascending score within a cell), then sorts by distance when asked to.
 * COUNT without ASC/DESC sorts ascending; COUNT ANY stops at the COUNTth
 * point found. Arguments are checked in 7.0's order, which the error a
 * client sees depends on: the source key's type first, the centre and
 * radius of GEORADIUS, then the options left to right, then the
 * combinations. The STORE forms write a sorted set (the geohash, or the
 * distance in the request's unit with STOREDIST), delete the destination
 * when nothing matched, and are propagated as sent.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/geohash.h"
#include "cmd/zset_int.h"
#include "server/core.h"

/* ---- argument helpers ------------------------------------------------------- */

/* Looks the source set up for reading: -1 after replying WRONGTYPE. */
static int lookup(Client *c, Slice key, Zset **out) {
    Obj *o = db_lookup_read(c->db, key);
    if (o && o->type != OBJ_ZSET) {
        reply_wrongtype(c);
        return -1;
    }
    *out = o ? o->ptr : NULL;
    return 0;
}

/* A double as Redis's getDoubleFromObjectOrReply reads it; msg replaces
 * the default error text. */
static int get_double_or_reply(Client *c, Slice s, double *out, const char *msg) {
    if (zset__parse_double(s, out) == 0) return 0;
    reply_error(c, "ERR %s", msg ? msg : "value is not a valid float");
    return -1;
}

/* argv[0], argv[1]: a longitude and a latitude within Redis's limits. */
static int get_lonlat_or_reply(Client *c, const Slice *argv, double xy[2]) {
    for (int i = 0; i < 2; i++)
        if (get_double_or_reply(c, argv[i], &xy[i], NULL) != 0) return -1;
    if (xy[0] < GEO_LON_MIN || xy[0] > GEO_LON_MAX || xy[1] < GEO_LAT_MIN || xy[1] > GEO_LAT_MAX) {
        reply_error(c, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return -1;
    }
    return 0;
}

/* A unit's size in meters, or -1 after replying the error. */
static double get_unit_or_reply(Client *c, Slice u) {
    if (slice_eq_nocase(u, "m")) return 1;
    if (slice_eq_nocase(u, "km")) return 1000;
    if (slice_eq_nocase(u, "ft")) return 0.3048;
    if (slice_eq_nocase(u, "mi")) return 1609.34;
    reply_error(c, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

/* argv[0] argv[1]: "<radius> <unit>". */
static int get_radius_or_reply(Client *c, const Slice *argv, GeoShape *s) {
    double r;
    if (get_double_or_reply(c, argv[0], &r, "need numeric radius") != 0) return -1;
    if (r < 0) {
        reply_error(c, "ERR radius cannot be negative");
        return -1;
    }
    s->radius = r;
    double to_m = get_unit_or_reply(c, argv[1]);
    if (to_m < 0) return -1;
    s->to_m = to_m;
    s->is_box = 0;
    return 0;
}

/* argv[0..2]: "<width> <height> <unit>". */
static int get_box_or_reply(Client *c, const Slice *argv, GeoShape *s) {
    double w, h;
    if (get_double_or_reply(c, argv[0], &w, "need numeric width") != 0 ||
        get_double_or_reply(c, argv[1], &h, "need numeric height") != 0)
        return -1;
    if (h < 0 || w < 0) {
        reply_error(c, "ERR height or width cannot be negative");
        return -1;
    }
    s->width = w;
    s->height = h;
    double to_m = get_unit_or_reply(c, argv[2]);
    if (to_m < 0) return -1;
    s->to_m = to_m;
    s->is_box = 1;
    return 0;
}

/* The position of member in z: 0 with xy, -1 when it is not there. */
static int member_point(const Zset *z, Slice member, double xy[2]) {
    double score;
    if (!zset_score(z, member.p, member.len, &score)) return -1;
    geohash_score_to_point(score, xy);
    return 0;
}

/* A distance as GEODIST and WITHDIST give it: 4 decimals, a bulk string in
 * both protocols. */
static void reply_distance(Client *c, double d) {
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%.4f", d);
    reply_bulk(c, buf, (size_t)n);
}

/* A coordinate as Redis prints one (17 decimals, trailing zeros dropped):
 * a RESP3 double, a RESP2 bulk string. */
static void reply_coord(Client *c, double v) {
    char buf[512];
    size_t n = format_long_double(buf, sizeof buf, (long double)v);
    reply_double_text(c, buf, n);
}

/* ---- GEOADD / GEOPOS / GEODIST / GEOHASH ------------------------------------- */

static void cmd_geoadd(Client *c) {
    int nx = 0, xx = 0, first = 2;
    for (; first < c->argc; first++) {
        Slice a = c->argv[first];
        if (slice_eq_nocase(a, "nx"))
            nx = 1;
        else if (slice_eq_nocase(a, "xx"))
            xx = 1;
        else if (!slice_eq_nocase(a, "ch")) /* CH is ZADD's */
            break;
    }
    if ((c->argc - first) % 3 || (nx && xx)) {
        reply_syntax_error(c);
        return;
    }
    int n = (c->argc - first) / 3;
    int argc = first + 2 * n;
    Slice *argv = xmalloc((size_t)argc * sizeof(Slice));
    char(*scores)[24] = xmalloc((size_t)(n ? n : 1) * sizeof *scores);
    argv[0] = slice_cstr("zadd"); /* as 7.0 writes it to the AOF */
    for (int i = 1; i < first; i++) argv[i] = c->argv[i];
    for (int i = 0; i < n; i++) {
        const Slice *triple = c->argv + first + 3 * i;
        double xy[2];
        if (get_lonlat_or_reply(c, triple, xy) != 0) goto done;
        uint64_t bits = geohash_point_to_score(xy[0], xy[1]);
        size_t len = ll_to_str((long long)bits, scores[i]);
        argv[first + 2 * i] = slice_of(scores[i], len);
        argv[first + 2 * i + 1] = triple[2];
    }
    int saved_argc = c->argc;
    Slice *saved_argv = c->argv;
    c->argc = argc;
    c->argv = argv;
    zset__zadd_command(c);
    c->argc = saved_argc;
    c->argv = saved_argv;
done:
    xfree(scores);
    xfree(argv);
}

static void cmd_geopos(Client *c) {
    Zset *z;
    if (lookup(c, c->argv[1], &z) != 0) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (!z || member_point(z, c->argv[j], xy) != 0) {
            reply_null_array(c);
            continue;
        }
        reply_array(c, 2);
        reply_coord(c, xy[0]);
        reply_coord(c, xy[1]);
    }
}

static void cmd_geodist(Client *c) {
    double to_m = 1;
    if (c->argc == 5) {
        to_m = get_unit_or_reply(c, c->argv[4]);
        if (to_m < 0) return;
    } else if (c->argc > 5) {
        reply_syntax_error(c);
        return;
    }
    Zset *z;
    if (lookup(c, c->argv[1], &z) != 0) return;
    double a[2], b[2];
    if (!z || member_point(z, c->argv[2], a) != 0 || member_point(z, c->argv[3], b) != 0) {
        reply_null(c);
        return;
    }
    reply_distance(c, geohash_distance(a[0], a[1], b[0], b[1]) / to_m);
}

static void cmd_geohash(Client *c) {
    Zset *z;
    if (lookup(c, c->argv[1], &z) != 0) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (!z || !zset_score(z, c->argv[j].p, c->argv[j].len, &score)) {
            reply_null(c);
            continue;
        }
        char buf[12];
        geohash_score_to_string(score, buf);
        reply_bulk(c, buf, 11);
    }
}

/* ---- searches ----------------------------------------------------------------- */

/* A point found. Its member is a view into the source set, which no search
 * changes before it is done with the points. */
typedef struct GeoPoint {
    double lon, lat;
    double dist; /* meters, then the request's unit */
    double score;
    const char *member;
    size_t member_len;
    size_t seq; /* order found: ties in distance keep it */
} GeoPoint;

typedef struct GeoFound {
    GeoPoint *v;
    size_t n, cap;
} GeoFound;

/* Adds the points of z whose scores are in [min, max) and that lie in the
 * shape, stopping once found holds limit points (0: no limit). */
static void scan_range(const Zset *z, double min, double max, const GeoShape *s, GeoFound *found,
                       size_t limit) {
    ZsetIter it;
    zset_iter_init(&it, z, zset_rank_by_score(z, min, 0), 0);
    const char *m;
    size_t len;
    double score;
    while (zset_iter_next(&it, &m, &len, &score) && score < max) {
        double xy[2], dist;
        geohash_score_to_point(score, xy);
        if (geohash_in_shape(s, xy[0], xy[1], &dist)) {
            if (found->n == found->cap) {
                found->cap = found->cap ? found->cap * 2 : 8;
                found->v = xrealloc(found->v, found->cap * sizeof *found->v);
            }
            found->v[found->n] = (GeoPoint){xy[0], xy[1], dist, score, m, len, found->n};
            found->n++;
        }
        if (limit && found->n >= limit) break;
    }
    zset_iter_done(&it);
}

/* Scans the cells covering s, in Redis's order. Like Redis, a cell equal
 * to the one scanned just before it is skipped (a huge radius makes
 * neighbours coincide), but the centre cell never serves as "the one
 * before". */
static void scan_cover(const Zset *z, const GeoShape *s, GeoFound *found, size_t limit) {
    GeoCover cover;
    geohash_cover(s, &cover);
    int last = 0;
    for (int i = 0; i < 9; i++) {
        GeoCell cell = cover.cells[i];
        if (cell.bits == 0 && cell.step == 0) continue;
        if (last && cell.bits == cover.cells[last].bits && cell.step == cover.cells[last].step)
            continue;
        if (limit && found->n >= limit) break;
        GeoCell next = {cell.bits + 1, cell.step};
        scan_range(z, (double)geohash_align52(cell), (double)geohash_align52(next), s, found,
                   limit);
        last = i;
    }
}

/* Redis sorts all the points with the C library's qsort, which glibc
 * implements as a stable merge sort: ties in distance keep the order found. */
static int by_dist_asc(const void *pa, const void *pb) {
    const GeoPoint *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist > b->dist ? 1 : -1;
    return a->seq > b->seq ? 1 : a->seq < b->seq ? -1 : 0;
}

static int by_dist_desc(const void *pa, const void *pb) {
    const GeoPoint *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist < b->dist ? 1 : -1;
    return a->seq > b->seq ? 1 : a->seq < b->seq ? -1 : 0;
}

/* ---- the partial sort ---------------------------------------------------------- */

/* When COUNT keeps fewer points than were found, Redis sorts only as much as
 * the first COUNT need, with its own partial quicksort (Bentley and
 * McIlroy's, which skips the partitions wholly past the first COUNT). Ties
 * in distance then come out in the order that algorithm leaves them, so it
 * is reproduced step for step here: same pivots, same swaps, comparisons
 * that answer 0 for equal distances. */

typedef int (*PointCmp)(const GeoPoint *a, const GeoPoint *b);

static int near_first(const GeoPoint *a, const GeoPoint *b) {
    return a->dist > b->dist ? 1 : a->dist == b->dist ? 0 : -1;
}

static int far_first(const GeoPoint *a, const GeoPoint *b) {
    return -near_first(a, b);
}

static void swap_points(GeoPoint *v, size_t i, size_t j) {
    GeoPoint t = v[i];
    v[i] = v[j];
    v[j] = t;
}

/* Swaps the n points from i with the n from j (the runs do not overlap). */
static void swap_runs(GeoPoint *v, size_t i, size_t j, size_t n) {
    for (size_t k = 0; k < n; k++) swap_points(v, i + k, j + k);
}

static size_t median3(const GeoPoint *v, size_t a, size_t b, size_t c, PointCmp cmp) {
    if (cmp(&v[a], &v[b]) < 0) return cmp(&v[b], &v[c]) < 0 ? b : (cmp(&v[a], &v[c]) < 0 ? c : a);
    return cmp(&v[b], &v[c]) > 0 ? b : (cmp(&v[a], &v[c]) < 0 ? a : c);
}

/* Orders v[0..n) so that its first k points (k >= 1) are the k first in
 * cmp's order, sorted. */
static void partial_sort(GeoPoint *v, size_t n, size_t k, PointCmp cmp) {
    for (;;) {
        if (n < 7) {
            for (size_t m = 1; m < n; m++)
                for (size_t l = m; l > 0 && cmp(&v[l - 1], &v[l]) > 0; l--)
                    swap_points(v, l, l - 1);
            return;
        }
        size_t pm = n / 2;
        if (n > 7) {
            size_t pl = 0, pn = n - 1;
            if (n > 40) {
                size_t d = n / 8;
                pl = median3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = median3(v, pm - d, pm, pm + d, cmp);
                pn = median3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median3(v, pl, pm, pn, cmp);
        }
        swap_points(v, 0, pm);
        /* [1, pa) equal to the pivot, [pa, pb) below, (pc, pd] above,
         * (pd, n) equal */
        size_t pa = 1, pb = 1;
        ptrdiff_t pc = (ptrdiff_t)n - 1, pd = pc;
        for (;;) {
            int r;
            while ((ptrdiff_t)pb <= pc && (r = cmp(&v[pb], &v[0])) <= 0) {
                if (r == 0) swap_points(v, pa++, pb);
                pb++;
            }
            while ((ptrdiff_t)pb <= pc && (r = cmp(&v[pc], &v[0])) >= 0) {
                if (r == 0) swap_points(v, (size_t)pc, (size_t)pd--);
                pc--;
            }
            if ((ptrdiff_t)pb > pc) break;
            swap_points(v, pb++, (size_t)pc--);
        }
        size_t r = pa < pb - pa ? pa : pb - pa;
        swap_runs(v, 0, pb - r, r);
        size_t above = (size_t)(pd - pc), tail = n - (size_t)pd - 1;
        r = above < tail ? above : tail;
        swap_runs(v, pb, n - r, r);
        if (pb - pa > 1) partial_sort(v, pb - pa, k, cmp);
        size_t right = (size_t)(pd - pc);
        if (right <= 1 || k <= n - right) return; /* nothing of the first k there */
        v += n - right;
        k -= n - right;
        n = right;
    }
}

enum {
    GEO_COORDS = 1 << 0,  /* GEORADIUS[_RO]: centre and radius given */
    GEO_MEMBER = 1 << 1,  /* GEORADIUSBYMEMBER[_RO] */
    GEO_NOSTORE = 1 << 2, /* the _RO forms */
    GEO_SEARCH = 1 << 3,  /* GEOSEARCH[STORE] */
    GEO_STORE = 1 << 4,   /* GEOSEARCHSTORE */
};

enum { SORT_NONE, SORT_ASC, SORT_DESC };

/* The parsed request. */
typedef struct GeoReq {
    GeoShape shape;
    const Slice *store; /* destination key, or NULL */
    int storedist;
    int withdist, withhash, withcoord;
    int frommember, fromlonlat, byradius, bybox;
    int sort, any;
    long long count; /* 0: all */
} GeoReq;

/* Parses the options after base (7.0's loop); -1 after replying. z is the
 * source (NULL when missing: FROMMEMBER is then taken unchecked). */
static int parse_options(Client *c, int base, int flags, const Zset *z, GeoReq *q) {
    int remaining = c->argc - base;
    for (int i = 0; i < remaining; i++) {
        const Slice *a = c->argv + base + i;
        if (slice_eq_nocase(*a, "withdist")) {
            q->withdist = 1;
        } else if (slice_eq_nocase(*a, "withhash")) {
            q->withhash = 1;
        } else if (slice_eq_nocase(*a, "withcoord")) {
            q->withcoord = 1;
        } else if (slice_eq_nocase(*a, "any")) {
            q->any = 1;
        } else if (slice_eq_nocase(*a, "asc")) {
            q->sort = SORT_ASC;
        } else if (slice_eq_nocase(*a, "desc")) {
            q->sort = SORT_DESC;
        } else if (slice_eq_nocase(*a, "count") && i + 1 < remaining) {
            if (get_ll_or_reply(c, a[1], &q->count) != 0) return -1;
            if (q->count <= 0) {
                reply_error(c, "ERR COUNT must be > 0");
                return -1;
            }
            i++;
        } else if ((slice_eq_nocase(*a, "store") || slice_eq_nocase(*a, "storedist")) &&
                   i + 1 < remaining && !(flags & GEO_NOSTORE) && !(flags & GEO_SEARCH)) {
            q->store = &a[1];
            q->storedist = slice_eq_nocase(*a, "storedist");
            i++;
        } else if (slice_eq_nocase(*a, "storedist") && (flags & GEO_STORE)) {
            q->storedist = 1;
        } else if (slice_eq_nocase(*a, "frommember") && i + 1 < remaining && (flags & GEO_SEARCH) &&
                   !q->fromlonlat) {
            if (z) {
                double xy[2];
                if (member_point(z, a[1], xy) != 0) {
                    reply_error(c, "ERR could not decode requested zset member");
                    return -1;
                }
                q->shape.lon = xy[0];
                q->shape.lat = xy[1];
            }
            q->frommember = 1;
            i++;
        } else if (slice_eq_nocase(*a, "fromlonlat") && i + 2 < remaining && (flags & GEO_SEARCH) &&
                   !q->frommember) {
            double xy[2];
            if (get_lonlat_or_reply(c, a + 1, xy) != 0) return -1;
            q->shape.lon = xy[0];
            q->shape.lat = xy[1];
            q->fromlonlat = 1;
            i += 2;
        } else if (slice_eq_nocase(*a, "byradius") && i + 2 < remaining && (flags & GEO_SEARCH) &&
                   !q->bybox) {
            if (get_radius_or_reply(c, a + 1, &q->shape) != 0) return -1;
            q->byradius = 1;
            i += 2;
        } else if (slice_eq_nocase(*a, "bybox") && i + 3 < remaining && (flags & GEO_SEARCH) &&
                   !q->byradius) {
            if (get_box_or_reply(c, a + 1, &q->shape) != 0) return -1;
            q->bybox = 1;
            i += 3;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* The combinations 7.0 refuses, in its order; -1 after replying. */
static int check_options(Client *c, int flags, const GeoReq *q) {
    int name_len = (int)c->argv[0].len;
    const char *name = c->argv[0].p; /* as the client typed it */
    if (q->store && (q->withdist || q->withhash || q->withcoord)) {
        reply_error(c, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                    (flags & GEO_STORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return -1;
    }
    if ((flags & GEO_SEARCH) && !(q->frommember || q->fromlonlat)) {
        reply_error(c, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                    name_len, name);
        return -1;
    }
    if ((flags & GEO_SEARCH) && !(q->byradius || q->bybox)) {
        reply_error(c, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s", name_len,
                    name);
        return -1;
    }
    if (q->any && !q->count) {
        reply_error(c, "ERR the ANY argument requires COUNT argument");
        return -1;
    }
    return 0;
}

/* Replaces dst with the points (or deletes it when there are none), replies
 * the count, notifies and propagates as 7.0 does. */
static void store_points(Client *c, Slice dst, const GeoPoint *pts, size_t n, int storedist,
                         int flags) {
    int dbid = db_index(c->db);
    if (n == 0) {
        if (db_delete(c->db, dst)) {
            notify_keyspace_event(NOTIFY_GENERIC, "del", dst, dbid);
            propagate_argv(c);
        }
        reply_int(c, 0);
        return;
    }
    Zset *z = zset_new();
    zset_to_indexed(z);
    size_t max_len = 0;
    for (size_t i = 0; i < n; i++) {
        zset_set(z, pts[i].member, pts[i].member_len, storedist ? pts[i].dist : pts[i].score);
        if (pts[i].member_len > max_len) max_len = pts[i].member_len;
    }
    if (zset__fits_packed(zset_len(z), max_len)) zset_to_packed(z);
    db_set(c->db, dst, zset__obj(z), 0);
    notify_keyspace_event(NOTIFY_ZSET, (flags & GEO_SEARCH) ? "geosearchstore" : "georadiusstore",
                          dst, dbid);
    propagate_argv(c);
    reply_int(c, (long long)n);
}

static void reply_points(Client *c, const GeoReq *q, const GeoPoint *pts, size_t n) {
    size_t extra = (size_t)(q->withdist + q->withhash + q->withcoord);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        const GeoPoint *p = &pts[i];
        if (extra) reply_array(c, extra + 1);
        reply_bulk(c, p->member, p->member_len);
        if (q->withdist) reply_distance(c, p->dist);
        if (q->withhash) reply_int(c, (long long)p->score);
        if (q->withcoord) {
            reply_array(c, 2);
            reply_coord(c, p->lon);
            reply_coord(c, p->lat);
        }
    }
}

/* GEORADIUS, GEORADIUSBYMEMBER (and _RO), GEOSEARCH, GEOSEARCHSTORE: the
 * source key at src_at. */
static void search_command(Client *c, int src_at, int flags) {
    Zset *z;
    if (lookup(c, c->argv[src_at], &z) != 0) return;
    GeoReq q;
    memset(&q, 0, sizeof q);
    int base;
    if (flags & GEO_COORDS) {
        base = 6;
        double xy[2];
        if (get_lonlat_or_reply(c, c->argv + 2, xy) != 0) return;
        q.shape.lon = xy[0];
        q.shape.lat = xy[1];
        if (get_radius_or_reply(c, c->argv + 4, &q.shape) != 0) return;
    } else if (flags & GEO_MEMBER) {
        base = 5;
        /* with no source, 7.0 goes straight to the options: the member
         * and the radius are never looked at */
        if (z) {
            double xy[2];
            if (member_point(z, c->argv[2], xy) != 0) {
                reply_error(c, "ERR could not decode requested zset member");
                return;
            }
            q.shape.lon = xy[0];
            q.shape.lat = xy[1];
            if (get_radius_or_reply(c, c->argv + 3, &q.shape) != 0) return;
        }
    } else {
        base = 2;
        if (flags & GEO_STORE) {
            base = 3;
            q.store = &c->argv[1];
        }
    }
    if (parse_options(c, base, flags, z, &q) != 0) return;
    if (check_options(c, flags, &q) != 0) return;

    if (!z) {
        if (q.store)
            store_points(c, *q.store, NULL, 0, 0, flags);
        else
            reply_empty_array(c);
        return;
    }
    if (q.count && q.sort == SORT_NONE && !q.any) q.sort = SORT_ASC;

    GeoFound found = {NULL, 0, 0};
    scan_cover(z, &q.shape, &found, q.any ? (size_t)q.count : 0);
    if (found.n == 0 && !q.store) {
        reply_empty_array(c);
        goto done;
    }
    size_t n = found.n;
    if (q.count && (size_t)q.count < n) n = (size_t)q.count;
    if (q.sort != SORT_NONE && found.n > 1) {
        if (n == found.n)
            qsort(found.v, n, sizeof *found.v, q.sort == SORT_ASC ? by_dist_asc : by_dist_desc);
        else
            partial_sort(found.v, found.n, n, q.sort == SORT_ASC ? near_first : far_first);
    }
    for (size_t i = 0; i < n; i++) found.v[i].dist /= q.shape.to_m;
    if (q.store)
        store_points(c, *q.store, found.v, n, q.storedist, flags);
    else
        reply_points(c, &q, found.v, n);
done:
    xfree(found.v);
}

static void cmd_georadius(Client *c) {
    search_command(c, 1, GEO_COORDS);
}

static void cmd_georadius_ro(Client *c) {
    search_command(c, 1, GEO_COORDS | GEO_NOSTORE);
}

static void cmd_georadiusbymember(Client *c) {
    search_command(c, 1, GEO_MEMBER);
}

static void cmd_georadiusbymember_ro(Client *c) {
    search_command(c, 1, GEO_MEMBER | GEO_NOSTORE);
}

static void cmd_geosearch(Client *c) {
    search_command(c, 1, GEO_SEARCH);
}

static void cmd_geosearchstore(Client *c) {
    search_command(c, 2, GEO_SEARCH | GEO_STORE);
}

#define R_GEO "@read @geo @slow"
#define W_GEO "@write @geo @slow"

const Command geo_commands[] = {
    {"geoadd", cmd_geoadd, -5, CMD_WRITE | CMD_DENYOOM, W_GEO, 1, 1, 1, NULL},
    {"geopos", cmd_geopos, -2, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"geodist", cmd_geodist, -4, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"geohash", cmd_geohash, -2, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"georadius", cmd_georadius, -6, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, W_GEO, 1, 1, 1,
     NULL},
    {"georadius_ro", cmd_georadius_ro, -6, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"georadiusbymember", cmd_georadiusbymember, -5, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     W_GEO, 1, 1, 1, NULL},
    {"georadiusbymember_ro", cmd_georadiusbymember_ro, -5, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"geosearch", cmd_geosearch, -7, CMD_READONLY, R_GEO, 1, 1, 1, NULL},
    {"geosearchstore", cmd_geosearchstore, -8, CMD_WRITE | CMD_DENYOOM, W_GEO, 1, 2, 1, NULL},
    END_OF_COMMANDS,
};
