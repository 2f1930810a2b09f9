/*
 * tdigest.c - the merging t-digest (see tdigest.h).
 *
 * The arithmetic is t-digest-c's as RedisBloom ships it in Redis 8: the same
 * capacity, the same merge criterion (k-scale bound z <= q(1-q) at both ends
 * of the proposed centroid), the same incremental mean update, and the same
 * interpolation in cdf/quantile (singleton centroids are not spread, the
 * tails interpolate towards min and max), so results equal Redis 8's for the
 * same additions. One difference: equal means are sorted stably here (by
 * arrival), where t-digest-c's introsort may reorder them; it matters only
 * when centroids with exactly equal means and different weights meet a
 * merge boundary.
 */
#include "types/tdigest.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"

#define TD_PI 3.14159265358979323846

TDigest *td_new(long long compression) {
    assert(compression >= 1 && compression <= TD_MAX_COMPRESSION);
    TDigest *t = xcalloc(1, sizeof *t);
    t->compression = (double)compression;
    t->cap = (int)(6 * compression + 10);
    t->mean = xcalloc((size_t)t->cap, sizeof *t->mean);
    t->weight = xcalloc((size_t)t->cap, sizeof *t->weight);
    td_reset(t);
    return t;
}

void td_free(TDigest *t) {
    if (!t) return;
    xfree(t->mean);
    xfree(t->weight);
    xfree(t);
}

TDigest *td_dup(const TDigest *t) {
    TDigest *d = xmalloc(sizeof *d);
    *d = *t;
    d->mean = xmemdup(t->mean, (size_t)t->cap * sizeof *t->mean);
    d->weight = xmemdup(t->weight, (size_t)t->cap * sizeof *t->weight);
    return d;
}

void td_reset(TDigest *t) {
    t->min = DBL_MAX;
    t->max = -DBL_MAX;
    t->merged_nodes = 0;
    t->unmerged_nodes = 0;
    t->merged_weight = 0;
    t->unmerged_weight = 0;
    t->total_compressions = 0;
}

long long td_size(const TDigest *t) {
    return t->merged_weight + t->unmerged_weight;
}

size_t td_mem_bytes(const TDigest *t) {
    return 8 + 2 * (size_t)t->cap * sizeof(double);
}

/* Stable merge sort of mean[lo..hi) with weight in step (tmp: n slots). */
static void sort_nodes(double *mean, long long *weight, int n) {
    if (n < 2) return;
    double *tm = xmalloc((size_t)n * sizeof *tm);
    long long *tw = xmalloc((size_t)n * sizeof *tw);
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (mean[j] < mean[i]) {
                    tm[k] = mean[j];
                    tw[k++] = weight[j++];
                } else {
                    tm[k] = mean[i];
                    tw[k++] = weight[i++];
                }
            }
            while (i < mid) {
                tm[k] = mean[i];
                tw[k++] = weight[i++];
            }
            while (j < hi) {
                tm[k] = mean[j];
                tw[k++] = weight[j++];
            }
        }
        memcpy(mean, tm, (size_t)n * sizeof *tm);
        memcpy(weight, tw, (size_t)n * sizeof *tw);
    }
    xfree(tm);
    xfree(tw);
}

static int overflowed(double unmerged, double total) {
    if (unmerged == INFINITY || total == INFINITY) return 1;
    return 2 * TD_PI * total * log(total) == INFINITY;
}

int td_compress(TDigest *t) {
    if (t->unmerged_nodes == 0) return 0;
    int n = t->merged_nodes + t->unmerged_nodes;
    double total = (double)t->merged_weight + (double)t->unmerged_weight;
    if (overflowed((double)t->unmerged_weight, total)) return -1;
    sort_nodes(t->mean, t->weight, n);
    if (total <= 1) {
        t->merged_nodes = n;
        t->merged_weight = (long long)total;
        t->unmerged_nodes = 0;
        t->unmerged_weight = 0;
        t->total_compressions++;
        return 0;
    }
    double denom = 2 * TD_PI * total * log(total);
    double normalizer = t->compression / denom;
    if (denom == INFINITY || normalizer == INFINITY) return -1;
    int cur = 0;
    double so_far = 0;
    for (int i = 1; i < n; i++) {
        double proposed = (double)t->weight[cur] + (double)t->weight[i];
        double z = proposed * normalizer;
        double q0 = so_far / total;
        double q2 = (so_far + proposed) / total;
        if (z <= q0 * (1 - q0) && z <= q2 * (1 - q2)) {
            t->weight[cur] += t->weight[i];
            double delta = t->mean[i] - t->mean[cur];
            t->mean[cur] += delta * (double)t->weight[i] / (double)t->weight[cur];
        } else {
            so_far += (double)t->weight[cur];
            cur++;
            t->weight[cur] = t->weight[i];
            t->mean[cur] = t->mean[i];
        }
        if (cur != i) {
            t->weight[i] = 0;
            t->mean[i] = 0.0;
        }
    }
    t->merged_nodes = cur + 1;
    t->merged_weight = (long long)total;
    t->unmerged_nodes = 0;
    t->unmerged_weight = 0;
    t->total_compressions++;
    return 0;
}

int td_add(TDigest *t, double value, long long weight) {
    if (!isfinite(value)) return -1;
    if (t->merged_nodes + t->unmerged_nodes >= t->cap - 1 && td_compress(t) != 0) return -1;
    int pos = t->merged_nodes + t->unmerged_nodes;
    if (pos >= t->cap) return -1;
    long long unmerged, total;
    if (__builtin_add_overflow(t->unmerged_weight, weight, &unmerged) ||
        __builtin_add_overflow(unmerged, t->merged_weight, &total))
        return -1;
    if (overflowed((double)unmerged, (double)total)) return -1;
    if (value < t->min) t->min = value;
    if (value > t->max) t->max = value;
    t->mean[pos] = value;
    t->weight[pos] = weight;
    t->unmerged_nodes++;
    t->unmerged_weight = unmerged;
    return 0;
}

int td_merge_into(TDigest *into, TDigest *from) {
    if (td_compress(into) != 0 || td_compress(from) != 0) return -1;
    int n = from->merged_nodes + from->unmerged_nodes;
    for (int i = 0; i < n; i++)
        if (td_add(into, from->mean[i], from->weight[i]) != 0) return -1;
    return 0;
}

double td_cdf(TDigest *t, double x) {
    td_compress(t);
    if (t->merged_nodes == 0) return NAN;
    if (x < t->min) return 0;
    if (x > t->max) return 1;
    if (t->merged_nodes == 1) {
        double width = t->max - t->min;
        if (x - t->min <= width) return 0.5; /* too close together to interpolate */
        return (x - t->min) / width;
    }
    int n = t->merged_nodes;
    double total = (double)t->merged_weight;
    double m0 = t->mean[0], w0 = (double)t->weight[0];
    if (x < m0) {
        double width = m0 - t->min;
        if (width > 0) {
            if (x == t->min) return 0.5 / total;
            return (1 + (x - t->min) / width * (w0 / 2 - 1)) / total;
        }
        return 0;
    }
    double mn = t->mean[n - 1], wn = (double)t->weight[n - 1];
    if (x > mn) {
        double width = t->max - mn;
        if (width > 0) {
            if (x == t->max) return 1 - 0.5 / total;
            return 1 - (1 + (t->max - x) / width * (wn / 2 - 1)) / total;
        }
        return 1;
    }
    double so_far = 0;
    for (int i = 0; i < n - 1; i++) {
        if (t->mean[i] == x) {
            double dw = 0;
            while (i < n && t->mean[i] == x) {
                dw += (double)t->weight[i];
                i++;
            }
            return (so_far + dw / 2) / total;
        } else if (t->mean[i] <= x && x < t->mean[i + 1]) {
            double wl = (double)t->weight[i], wr = (double)t->weight[i + 1];
            double ml = t->mean[i], mr = t->mean[i + 1];
            if (mr - ml > 0) {
                /* a singleton's weight sits exactly at its mean: not spread */
                double left_excl = 0, right_excl = 0;
                if (wl == 1) {
                    if (wr == 1) return (so_far + 1) / total;
                    left_excl = 0.5;
                } else if (wr == 1) {
                    right_excl = 0.5;
                }
                double dw = (wl + wr) / 2;
                double dw_no_single = dw - left_excl - right_excl;
                double base = so_far + wl / 2 + left_excl;
                return (base + dw_no_single * (x - ml) / (mr - ml)) / total;
            }
            return (so_far + (wl + wr) / 2) / total;
        } else {
            so_far += (double)t->weight[i];
        }
    }
    return 1 - 0.5 / total;
}

static double weighted_average(double x1, double w1, double x2, double w2) {
    if (x1 > x2) {
        double tx = x1, tw = w1;
        x1 = x2;
        w1 = w2;
        x2 = tx;
        w2 = tw;
    }
    double x = (x1 * w1 + x2 * w2) / (w1 + w2);
    if (x > x2) x = x2;
    return x < x1 ? x1 : x;
}

/* The value at index (a position in the sorted weights), walking the
 * centroids from *pos with *so_far carried between ascending calls. */
static double value_at(const TDigest *t, double index, double w0, int n, double *so_far, int *pos) {
    if (w0 > 1 && index < w0 / 2)
        return t->min + (index - 1) / (w0 / 2 - 1) * (t->mean[0] - t->min);
    if (index > (double)t->merged_weight - 1) return t->max;
    double wn = (double)t->weight[n - 1], mn = t->mean[n - 1];
    if (wn > 1 && (double)t->merged_weight - index <= wn / 2)
        return t->max - ((double)t->merged_weight - index - 1) / (wn / 2 - 1) * (t->max - mn);
    for (; *pos < n - 1; (*pos)++) {
        int i = *pos;
        double wl = (double)t->weight[i], wr = (double)t->weight[i + 1];
        double ml = t->mean[i], mr = t->mean[i + 1];
        double dw = (wl + wr) / 2;
        if (*so_far + dw > index) {
            double left_unit = 0, right_unit = 0;
            if (wl == 1) {
                if (index - *so_far < 0.5) return ml;
                left_unit = 0.5;
            }
            if (wr == 1) {
                if (*so_far + dw - index <= 0.5) return mr;
                right_unit = 0.5;
            }
            double z1 = index - *so_far - left_unit;
            double z2 = *so_far + dw - index - right_unit;
            return weighted_average(ml, z2, mr, z1);
        }
        *so_far += dw;
    }
    double z1 = index - (double)t->merged_weight - wn / 2.0;
    double z2 = wn / 2 - z1;
    return weighted_average(mn, z1, t->max, z2);
}

double td_quantile(TDigest *t, double q) {
    td_compress(t);
    if (q < 0.0 || q > 1.0 || t->merged_nodes == 0) return NAN;
    if (t->merged_nodes == 1) return t->mean[0];
    double index = q * (double)t->merged_weight;
    if (index < 1) return t->min;
    double w0 = (double)t->weight[0];
    double so_far = w0 / 2;
    int pos = 0;
    return value_at(t, index, w0, t->merged_nodes, &so_far, &pos);
}

void td_quantiles(TDigest *t, const double *qs, double *out, size_t n) {
    td_compress(t);
    int nodes = t->merged_nodes;
    if (nodes == 0) {
        for (size_t i = 0; i < n; i++) out[i] = NAN;
        return;
    }
    if (nodes == 1) {
        for (size_t i = 0; i < n; i++) out[i] = (qs[i] < 0 || qs[i] > 1) ? NAN : t->mean[0];
        return;
    }
    double w0 = (double)t->weight[0];
    double so_far = w0 / 2;
    int pos = 0;
    for (size_t i = 0; i < n; i++)
        out[i] = value_at(t, qs[i] * (double)t->merged_weight, w0, nodes, &so_far, &pos);
}

double td_trimmed_mean(TDigest *t, double low, double high) {
    td_compress(t);
    if (t->merged_nodes == 0 || low < 0 || low > 1 || high < 0 || high > 1) return NAN;
    if (t->merged_nodes == 1) return t->mean[0];
    double lo_w = floor((double)t->merged_weight * low);
    double hi_w = ceil((double)t->merged_weight * high);
    double done = 0, sum = 0, count = 0;
    for (int i = 0; i < t->merged_nodes; i++) {
        double w = (double)t->weight[i];
        double add = w;
        double skip = lo_w - done > 0 ? lo_w - done : 0;
        add -= skip < add ? skip : add;
        double room = hi_w - done > 0 ? hi_w - done : 0;
        add = room < add ? room : add;
        done += w;
        sum += t->mean[i] * add;
        count += add;
        if (done >= hi_w) break;
    }
    return sum / count;
}
