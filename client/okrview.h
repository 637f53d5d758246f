/*
 * okrview.h - human output of objectives and key results (SPEC section 3):
 * the indented tree with progress bars, status words, KR values with their
 * units, and sparklines of a KR's history.
 *
 * Like render.h, everything accepts any msgpack object: a missing field or
 * one of the wrong type shows as "-" (a node that is not a map is a line of
 * "-"), so no reply shape can crash the client.  Glyphs are Unicode (block
 * and box-drawing characters) only on a terminal with a UTF-8 locale, ASCII
 * otherwise, so piped output stays readable and greppable; colour only
 * where render_color() allows it.
 */
#ifndef OKRCTL_OKRVIEW_H
#define OKRCTL_OKRVIEW_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "calendar.h"

/* Cells of a progress bar. */
#define OKRVIEW_BAR_CELLS 20

typedef struct okrview {
    FILE *f;          /* where the lines go */
    const cal_t *cal; /* the zone times are shown in */
    bool utf8;        /* Unicode glyphs */
    bool color;       /* ANSI colours */
} okrview_t;

/* Decide glyphs and colour for f. */
void okrview_init(okrview_t *v, const cal_t *cal, FILE *f);

/*
 * The OKR tree: for each objective of the array, its line, then its key
 * results and child objectives indented under it, recursively.  A line is
 * the progress bar with the expected-pace mark, the percent, the status word
 * and the title with its id and details (objectives: owner, period, grade;
 * key results: current / target with the unit, stale, forecast, confidence,
 * grade).
 */
void okrview_tree(const okrview_t *v, const msgpack_object *objectives);

/* One objective node and its subtree, as okrview_tree draws it. */
void okrview_objective(const okrview_t *v, const msgpack_object *node);

/* The line of one key result node, without tree prefix. */
void okrview_kr_line(const okrview_t *v, const msgpack_object *kr);

/* ---- pieces, for detail views --------------------------------------- */

/* The progress bar of a node (its progress, expected and status). */
const char *okrview_bar(const okrview_t *v, const msgpack_object *node, char *buf, size_t len);

/* A 0..1 fraction as a whole percent ("45%"; "99%" below 1), else "-". */
const char *okrview_pct(const msgpack_object *o, char *buf, size_t len);

/* A status word, coloured when allowed; "-" when absent. */
const char *okrview_status(const okrview_t *v, const msgpack_object *o, char *buf, size_t len);

/* A number with the node's unit: "1,234 USD", "12.5%", "3 members", "-". */
const char *okrview_quantity(const msgpack_object *num, const msgpack_object *unit, char *buf,
                             size_t len);

/* A KR's value against its target, by type: "1,234 / 3,000 members",
 * "12.4% (>= 12%)", "done". */
const char *okrview_kr_value(const okrview_t *v, const msgpack_object *kr, char *buf, size_t len);

/*
 * A sparkline of the progress values of history ([[day_ms, progress], ...]),
 * one character per point on a fixed 0..1 scale, at most max_cells wide (a
 * longer history is sampled: the last value of each stretch).  nil points
 * are blanks.  Returns the number of points used (0: nothing to draw).
 */
int okrview_sparkline(const okrview_t *v, const msgpack_object *history, int max_cells, char *buf,
                      size_t len);

/*
 * okrview_sparkline on the scale [lo, hi] instead of 0..1 (values outside
 * are clamped; lo == hi draws a flat line in the middle).  points is
 * [[ts, value], ...], like history.
 */
int okrview_sparkline_range(const okrview_t *v, const msgpack_object *points, double lo, double hi,
                            int max_cells, char *buf, size_t len);

/* "→" or "->". */
const char *okrview_arrow(const okrview_t *v);

/* "↑" or "^" for sign > 0, "↓" or "v" for sign < 0, "" for 0. */
const char *okrview_trend(const okrview_t *v, int sign);

/* "…" or "...". */
const char *okrview_ellipsis(const okrview_t *v);

/* s wrapped in the ANSI code (e.g. "\033[2m") when colour is allowed. */
const char *okrview_paint(const okrview_t *v, const char *code, const char *s, char *buf,
                          size_t len);

#endif
