/*
 * lolwut.c - LOLWUT [VERSION v] [args...]: computer art and the version.
 *
 * As Redis 7.0 picks the drawing: VERSION v reads as the release "v.0.0"
 * (v an integer, printed unsigned); without VERSION the release is the
 * redis_version streamd reports. 5.x (and 4.9) draws Georg Nees's
 * "Schotter", 6.x (and 5.9) an 8-bit city skyline; anything else answers
 * only "Redis ver. <redis_version>". The reply is verbatim text (a bulk
 * string in RESP2).
 *
 * Schotter (LOLWUT VERSION 5 [cols] [squares per row] [squares per
 * column], defaults 66, 8, 12, each clamped to 1..1000 / 1..200 / 1..200):
 * a grid of squares on a canvas of 2*cols by (side*rows + padding) pixels,
 * the squares of the third row and below turned and moved at random, more
 * so further down. Pixels are shown eight at a time as one Braille
 * character (U+2800 + the dot bits), 2 pixels wide and 4 tall. The first
 * two rows are never disturbed, so with at most two rows of squares the
 * drawing is a function of its arguments (and Redis 7.0 draws the same
 * bytes: tests/compat/test_failover_diff.py compares them). Unlike Redis,
 * the canvas holds at most 16M pixels: few wide squares in many rows would
 * need hundreds of megabytes; such a drawing is cut at the bottom.
 *
 * The skyline (LOLWUT VERSION 6 [cols] [rows], defaults 80 by 20, each
 * clamped to 1..1000): buildings of random widths and heights in two grays
 * behind a row of black ones with lit windows, on a white sky; every cell
 * is a space with an ANSI colour. Random in Redis too, so only its shape
 * can be compared.
 *
 * rand() is the C library's, shared with the rest of the process: the art
 * needs no reproducible sequence.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "server/core.h"
#include "version.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The most pixels a Schotter canvas holds (see draw_schotter()). */
#define SCHOTTER_MAX_PIXELS (16 << 20)

typedef struct Canvas {
    int width, height;
    unsigned char *pixels; /* width * height colours */
} Canvas;

static Canvas *canvas_new(int width, int height, int color) {
    Canvas *cv = xmalloc(sizeof *cv);
    cv->width = width;
    cv->height = height;
    size_t n = (size_t)width * (size_t)height;
    cv->pixels = xmalloc(n ? n : 1);
    memset(cv->pixels, color, n);
    return cv;
}

static void canvas_free(Canvas *cv) {
    xfree(cv->pixels);
    xfree(cv);
}

static void set_pixel(Canvas *cv, int x, int y, int color) {
    if (x < 0 || x >= cv->width || y < 0 || y >= cv->height) return;
    cv->pixels[x + y * cv->width] = (unsigned char)color;
}

static int get_pixel(const Canvas *cv, int x, int y) {
    if (x < 0 || x >= cv->width || y < 0 || y >= cv->height) return 0;
    return cv->pixels[x + y * cv->width];
}

/* Bresenham's line from (x1,y1) to (x2,y2), both ends drawn. */
static void draw_line(Canvas *cv, int x1, int y1, int x2, int y2, int color) {
    int dx = abs(x2 - x1), dy = abs(y2 - y1);
    int step_x = x1 < x2 ? 1 : -1, step_y = y1 < y2 ? 1 : -1;
    int err = dx - dy;
    for (;;) {
        set_pixel(cv, x1, y1, color);
        if (x1 == x2 && y1 == y2) break;
        int e2 = err * 2;
        if (e2 > -dy) {
            err -= dy;
            x1 += step_x;
        }
        if (e2 < dx) {
            err += dx;
            y1 += step_y;
        }
    }
}

/* A square centred on (x,y) whose diagonal is size, turned by angle
 * radians. The single-precision steps are the ones Redis takes: a
 * different rounding would move a corner by a pixel. */
static void draw_square(Canvas *cv, int x, int y, float size, float angle, int color) {
    int px[4], py[4];
    size = (float)(size / 1.4142135623);
    size = (float)round(size);
    float k = (float)(M_PI / 4 + angle);
    for (int j = 0; j < 4; j++) {
        px[j] = (int)round(sin(k) * size + x);
        py[j] = (int)round(cos(k) * size + y);
        k = (float)(k + M_PI / 2);
    }
    for (int j = 0; j < 4; j++)
        draw_line(cv, px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
}

static float rand_unit(void) {
    return (float)rand() / (float)RAND_MAX;
}

static Canvas *draw_schotter(int cols, int per_row, int per_col) {
    int width = cols * 2;
    int padding = width > 4 ? 2 : 0;
    float side = (float)(width - padding * 2) / (float)per_row;
    int height = (int)(side * (float)per_col + (float)(padding * 2));
    /* one column of 200 squares on 1000 columns would be 800 MB of canvas
     * (Redis allocates it): the canvas is clipped at the bottom instead */
    if ((int64_t)width * height > SCHOTTER_MAX_PIXELS) height = SCHOTTER_MAX_PIXELS / width;
    Canvas *cv = canvas_new(width, height, 0);
    for (int y = 0; y < per_col; y++) {
        for (int x = 0; x < per_row; x++) {
            int sx = (int)((float)x * side + side / 2 + (float)padding);
            int sy = (int)((float)y * side + side / 2 + (float)padding);
            float angle = 0;
            if (y > 1) {
                float r1 = rand_unit() / (float)per_col * (float)y;
                float r2 = rand_unit() / (float)per_col * (float)y;
                float r3 = rand_unit() / (float)per_col * (float)y;
                if (rand() % 2) r1 = -r1;
                if (rand() % 2) r2 = -r2;
                if (rand() % 2) r3 = -r3;
                angle = r1;
                sx = (int)((float)sx + r2 * side / 3);
                sy = (int)((float)sy + r3 * side / 3);
            }
            draw_square(cv, sx, sy, side, angle, 1);
        }
    }
    return cv;
}

/* Eight pixels (2 wide, 4 tall from x,y) as the Braille character whose
 * dots they light, UTF-8 encoded (three bytes). */
static void braille_cell(const Canvas *cv, int x, int y, char out[3]) {
    static const struct {
        int dx, dy;
    } dots[8] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}};
    unsigned code = 0x2800;
    for (int i = 0; i < 8; i++)
        if (get_pixel(cv, x + dots[i].dx, y + dots[i].dy)) code |= 1u << i;
    out[0] = (char)(0xE0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code & 0x3F));
}

static void render_braille(const Canvas *cv, Buf *b) {
    for (int y = 0; y < cv->height; y += 4) {
        for (int x = 0; x < cv->width; x += 2) {
            char cell[3];
            braille_cell(cv, x, y, cell);
            buf_append(b, cell, 3);
        }
        /* Redis's test for the last row, which a step of 4 rarely meets */
        if (y != cv->height - 1) buf_append(b, "\n", 1);
    }
}

/* ---- the skyline (version 6) --------------------------------------------- */

typedef struct Building {
    int xoff, width, height, color, has_windows;
} Building;

/* Colours: 0 black, 1 dark gray, 2 light gray, 3 white (the sky). */
static void draw_building(Canvas *cv, const Building *bd) {
    int bottom = cv->height - 1, top = bottom - bd->height + 1;
    for (int y = bottom; y >= top; y--) {
        for (int x = bd->xoff; x < bd->xoff + bd->width; x++) {
            /* the roof is four pixels narrower */
            if (y == top && (x <= bd->xoff + 1 || x >= bd->xoff + bd->width - 2)) continue;
            int color = bd->color;
            if (bd->has_windows && x > bd->xoff + 1 && x < bd->xoff + bd->width - 2 &&
                y > top + 1 && y < bottom - 1) {
                int relx = x - (bd->xoff + 1), rely = y - (top + 1);
                /* windows two cells wide (a terminal cell is tall), one tall */
                if ((relx / 2) % 2 && rely % 2) {
                    do {
                        color = 1 + rand() % 2;
                    } while (color == bd->color);
                    if (relx % 2) color = get_pixel(cv, x - 1, y);
                }
            }
            set_pixel(cv, x, y, color);
        }
    }
}

static void draw_skyline(Canvas *cv) {
    Building bd;
    /* the grays first, the lighter behind */
    for (int color = 2; color >= 1; color--) {
        bd.color = color;
        bd.has_windows = 0;
        for (int offset = -10; offset < cv->width;) {
            offset += rand() % 8;
            bd.xoff = offset;
            bd.width = 10 + rand() % 9;
            bd.height = cv->height / 2 + (rand() % cv->height) / (color == 2 ? 2 : 3);
            draw_building(cv, &bd);
            offset += color == 2 ? bd.width / 2 : bd.width + 1;
        }
    }
    bd.color = 0;
    bd.has_windows = 1;
    for (int offset = -10; offset < cv->width;) {
        offset += rand() % 8;
        bd.xoff = offset;
        bd.width = 5 + rand() % 14;
        if (bd.width % 4) bd.width += bd.width % 3;
        bd.height = cv->height / 3 + (rand() % cv->height) / 2;
        draw_building(cv, &bd);
        offset += bd.width + 5;
    }
}

static void render_ansi(const Canvas *cv, Buf *b) {
    static const char *const colors[4] = {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"};
    for (int y = 0; y < cv->height; y++) {
        for (int x = 0; x < cv->width; x++) {
            int color = get_pixel(cv, x, y);
            buf_printf(b, "\033[%s \033[0m", colors[color >= 0 && color < 4 ? color : 0]);
        }
        if (y != cv->height - 1) buf_append(b, "\n", 1);
    }
}

/* ---- the command ------------------------------------------------------------ */

/* argv[0..argc) after VERSION v: the drawing's own integer arguments, each
 * defaulting to def[i], clamped to [lo[i], hi[i]]. 0, or -1 (replied). */
static int art_args(Client *c, const Slice *argv, int argc, int n, const long long *def,
                    const long long *lo, const long long *hi, long long *out) {
    for (int i = 0; i < n; i++) {
        out[i] = def[i];
        if (i + 1 < argc && get_ll_or_reply(c, argv[i + 1], &out[i]) != 0) return -1;
        if (out[i] < lo[i]) out[i] = lo[i];
        if (out[i] > hi[i]) out[i] = hi[i];
    }
    return 0;
}

static void cmd_lolwut(Client *c) {
    char release[64];
    snprintf(release, sizeof release, "%s", STREAMD_REDIS_VERSION);
    const Slice *argv = c->argv;
    int argc = c->argc;
    if (argc >= 3 && slice_eq_nocase(argv[1], "version")) {
        long long v;
        if (get_ll_or_reply(c, argv[2], &v) != 0) return;
        snprintf(release, sizeof release, "%u.0.0", (unsigned)v);
        argv += 2; /* the drawing sees its own arguments after argv[0] */
        argc -= 2;
    }
    int is5 = (release[0] == '5' && release[1] == '.' && release[2] != '9') ||
              (release[0] == '4' && release[1] == '.' && release[2] == '9');
    int is6 = (release[0] == '6' && release[1] == '.' && release[2] != '9') ||
              (release[0] == '5' && release[1] == '.' && release[2] == '9');
    Buf b;
    buf_init(&b);
    if (is5) {
        static const long long def[3] = {66, 8, 12}, lo[3] = {1, 1, 1}, hi[3] = {1000, 200, 200};
        long long a[3];
        if (art_args(c, argv, argc, 3, def, lo, hi, a) != 0) return;
        Canvas *cv = draw_schotter((int)a[0], (int)a[1], (int)a[2]);
        render_braille(cv, &b);
        canvas_free(cv);
        buf_append_cstr(&b, "\nGeorg Nees - schotter, plotter on paper, 1968. ");
    } else if (is6) {
        static const long long def[2] = {80, 20}, lo[2] = {1, 1}, hi[2] = {1000, 1000};
        long long a[2];
        if (art_args(c, argv, argc, 2, def, lo, hi, a) != 0) return;
        Canvas *cv = canvas_new((int)a[0], (int)a[1], 3);
        draw_skyline(cv);
        render_ansi(cv, &b);
        canvas_free(cv);
        buf_append_cstr(&b, "\nDedicated to the 8 bit game developers of past and present.\n"
                            "Original 8 bit image from Plaguemon by hikikomori. ");
    }
    buf_printf(&b, "Redis ver. %s\n", STREAMD_REDIS_VERSION);
    reply_verbatim(c, buf_data(&b), buf_live(&b));
    buf_free(&b);
}

const Command lolwut_commands[] = {
    {"lolwut", cmd_lolwut, -1, CMD_READONLY | CMD_FAST, "@read @fast", 0, 0, 0, NULL},
    END_OF_COMMANDS,
};
