#include "okrview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "render.h"
#include "wire.h"

#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED    "\033[31m"
#define C_DIM    "\033[2m"
#define C_BOLD   "\033[1m"
#define C_RESET  "\033[0m"

/* Deeper cascades than this are cut (a reply cannot make us recurse forever). */
#define MAX_DEPTH 24

/* The width of the status column: the longest word, "no_baseline". */
#define STATUS_WIDTH 11

/* The glyphs of one output mode. */
typedef struct glyphs {
    const char *full, *empty, *mark;   /* bar cells and the expected-pace mark */
    const char *tee, *elbow;           /* "├─ ", "└─ " */
    const char *pipe, *blank;          /* "│  ", "   " */
    const char *sep, *arrow, *ge, *le; /* " · ", "→", "≥", "≤" */
    const char *up, *down, *ellipsis;  /* "↑", "↓", "…" */
    const char *levels[8];             /* sparkline, lowest first */
} glyphs_t;

static const glyphs_t utf8_glyphs = {
    "\u2588",
    "\u2591",
    "\u2502",
    "\u251c\u2500 ",
    "\u2514\u2500 ",
    "\u2502  ",
    "   ",
    " \u00b7 ",
    "\u2192",
    "\u2265",
    "\u2264",
    "\u2191",
    "\u2193",
    "\u2026",
    {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"},
};

static const glyphs_t ascii_glyphs = {
    "#",   "-",   "|",  "|- ", "`- ",
    "|  ", "   ", ", ", "->",  ">=",
    "<=",  "^",   "v",  "...", {"_", ".", "-", "=", "+", "*", "#", "@"},
};

static const glyphs_t *G(const okrview_t *v)
{
    return v->utf8 ? &utf8_glyphs : &ascii_glyphs;
}

/* The locale's character set is UTF-8 (LC_ALL, else LC_CTYPE, else LANG). */
static bool locale_utf8(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *s = getenv(vars[i]);
        if (s != NULL && s[0] != '\0')
            return strcasestr(s, "utf-8") != NULL || strcasestr(s, "utf8") != NULL;
    }
    return false;
}

void okrview_init(okrview_t *v, const cal_t *cal, FILE *f)
{
    v->f = f;
    v->cal = cal;
    v->color = render_color(f);
    v->utf8 = isatty(fileno(f)) == 1 && locale_utf8();
}

const char *okrview_arrow(const okrview_t *v)
{
    return G(v)->arrow;
}

const char *okrview_trend(const okrview_t *v, int sign)
{
    return sign > 0 ? G(v)->up : sign < 0 ? G(v)->down : "";
}

const char *okrview_ellipsis(const okrview_t *v)
{
    return G(v)->ellipsis;
}

const char *okrview_paint(const okrview_t *v, const char *code, const char *s, char *buf,
                          size_t len)
{
    if (v->color && code != NULL)
        snprintf(buf, len, "%s%s" C_RESET, code, s);
    else
        snprintf(buf, len, "%s", s);
    return buf;
}

/* A number that is finite, else false. */
static bool finite_num(const msgpack_object *o, double *d)
{
    return wire_number(o, d) && isfinite(*d);
}

/* The sanitized str at m[k], or "" when absent (unlike render_obj_str's "-"). */
static const char *str_field(const msgpack_object *m, const char *k, char *buf, size_t len)
{
    const msgpack_object *o = wire_map_get(m, k);
    if (o == NULL || o->type != MSGPACK_OBJECT_STR) {
        buf[0] = '\0';
        return buf;
    }
    render_sanitize(o->via.str.ptr, o->via.str.size, buf, len);
    return buf;
}

static bool is_true(const msgpack_object *o)
{
    return o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* ---- pieces ----------------------------------------------------------- */

static const char *status_color(const char *s)
{
    if (strcmp(s, "on_track") == 0 || strcmp(s, "done") == 0 || strcmp(s, "achieved") == 0)
        return C_GREEN;
    if (strcmp(s, "at_risk") == 0)
        return C_YELLOW;
    if (strcmp(s, "off_track") == 0 || strcmp(s, "missed") == 0)
        return C_RED;
    if (strcmp(s, "no_baseline") == 0)
        return C_DIM;
    return NULL;
}

const char *okrview_status(const okrview_t *v, const msgpack_object *o, char *buf, size_t len)
{
    char s[64];

    render_obj_str(o, s, sizeof(s));
    return okrview_paint(v, status_color(s), s, buf, len);
}

const char *okrview_pct(const msgpack_object *o, char *buf, size_t len)
{
    double p;

    if (!finite_num(o, &p) || fabs(p) > 1e9) {
        snprintf(buf, len, "%s", RENDER_NONE);
        return buf;
    }
    double pct = floor(p * 100 + 0.5);
    /* Not done is not 100%. */
    if (p < 1 && pct >= 100)
        pct = 99;
    snprintf(buf, len, "%.0f%%", pct == 0 ? 0 : pct);
    return buf;
}

/* Append s to buf[0..len) at *o, as far as it fits. */
static void append(char *buf, size_t len, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o >= len)
        return;
    if (n > len - 1 - *o)
        n = len - 1 - *o;
    memcpy(buf + *o, s, n);
    *o += n;
    buf[*o] = '\0';
}

const char *okrview_bar(const okrview_t *v, const msgpack_object *node, char *buf, size_t len)
{
    const glyphs_t *g = G(v);
    double p, e;
    int filled = 0, mark = -1;
    char st[64];
    const char *colour;
    size_t o = 0;
    bool painting = false;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (finite_num(wire_map_get(node, "progress"), &p))
        filled = (int)floor(fmin(fmax(p, 0), 1) * OKRVIEW_BAR_CELLS + 0.5);
    if (finite_num(wire_map_get(node, "expected"), &e)) {
        mark = (int)floor(fmin(fmax(e, 0), 1) * OKRVIEW_BAR_CELLS);
        if (mark >= OKRVIEW_BAR_CELLS)
            mark = OKRVIEW_BAR_CELLS - 1;
    }
    render_obj_str(wire_map_get(node, "status"), st, sizeof(st));
    colour = v->color ? status_color(st) : NULL;
    for (int i = 0; i < OKRVIEW_BAR_CELLS; i++) {
        bool fill = i < filled && i != mark;
        if (colour != NULL && fill != painting) {
            append(buf, len, &o, fill ? colour : C_RESET);
            painting = fill;
        }
        append(buf, len, &o, i == mark ? g->mark : fill ? g->full : g->empty);
    }
    if (painting)
        append(buf, len, &o, C_RESET);
    return buf;
}

const char *okrview_quantity(const msgpack_object *num, const msgpack_object *unit, char *buf,
                             size_t len)
{
    char n[64], u[64];

    render_obj_num(num, n, sizeof(n));
    if (unit == NULL || unit->type != MSGPACK_OBJECT_STR || unit->via.str.size == 0 ||
        strcmp(n, RENDER_NONE) == 0) {
        snprintf(buf, len, "%s", n);
        return buf;
    }
    render_sanitize(unit->via.str.ptr, unit->via.str.size, u, sizeof(u));
    snprintf(buf, len, strcmp(u, "%") == 0 ? "%s%s" : "%s %s", n, u);
    return buf;
}

const char *okrview_kr_value(const okrview_t *v, const msgpack_object *kr, char *buf, size_t len)
{
    const msgpack_object *unit = wire_map_get(kr, "unit");
    const msgpack_object *cur = wire_map_get(kr, "current");
    const msgpack_object *tgt = wire_map_get(kr, "target");
    const msgpack_object *type = wire_map_get(kr, "type");
    char c[128], t[128];
    double d;

    if (wire_str_eq(type, "milestone")) {
        bool done = (finite_num(cur, &d) && d >= 1) ||
                    (finite_num(wire_map_get(kr, "progress"), &d) && d >= 1);
        snprintf(buf, len, "%s", done ? "done" : "not done");
        return buf;
    }
    okrview_quantity(tgt, unit, t, sizeof(t));
    if (wire_str_eq(type, "at_least") || wire_str_eq(type, "at_most")) {
        okrview_quantity(cur, unit, c, sizeof(c));
        snprintf(buf, len, "%s (%s %s)", c, wire_str_eq(type, "at_least") ? G(v)->ge : G(v)->le, t);
        return buf;
    }
    /* increase, decrease, or a type this client does not know; without a
     * target (no baseline yet) the value alone */
    if (!finite_num(tgt, &d))
        return okrview_quantity(cur, unit, buf, len);
    if (wire_str_eq(unit, "%"))
        okrview_quantity(cur, unit, c, sizeof(c));
    else
        render_obj_num(cur, c, sizeof(c));
    snprintf(buf, len, "%s / %s", c, t);
    return buf;
}

int okrview_sparkline(const okrview_t *v, const msgpack_object *history, int max_cells, char *buf,
                      size_t len)
{
    return okrview_sparkline_range(v, history, 0, 1, max_cells, buf, len);
}

int okrview_sparkline_range(const okrview_t *v, const msgpack_object *points, double lo, double hi,
                            int max_cells, char *buf, size_t len)
{
    size_t o = 0;

    if (len == 0)
        return 0;
    buf[0] = '\0';
    if (points == NULL || points->type != MSGPACK_OBJECT_ARRAY || points->via.array.size == 0 ||
        max_cells <= 0 || !isfinite(lo) || !isfinite(hi))
        return 0;
    uint32_t n = points->via.array.size;
    uint32_t cells = n < (uint32_t)max_cells ? n : (uint32_t)max_cells;
    for (uint32_t i = 0; i < cells; i++) {
        /* The last value of the stretch [first, end) of points this cell stands for. */
        uint32_t first = (uint32_t)((uint64_t)i * n / cells);
        uint32_t end = (uint32_t)((uint64_t)(i + 1) * n / cells);
        bool have = false;
        double p = 0, x;
        for (uint32_t k = first; k < end; k++) {
            const msgpack_object *pt = &points->via.array.ptr[k];
            if (pt->type == MSGPACK_OBJECT_ARRAY && pt->via.array.size >= 2 &&
                finite_num(&pt->via.array.ptr[1], &x)) {
                p = x;
                have = true;
            }
        }
        if (!have) {
            append(buf, len, &o, " ");
            continue;
        }
        /* A flat line (hi == lo) sits in the middle. */
        double f = hi > lo ? (p - lo) / (hi - lo) : 0.5;
        int lvl = (int)floor(fmin(fmax(f, 0), 1) * 7 + 0.5);
        append(buf, len, &o, G(v)->levels[lvl]);
    }
    return (int)cells;
}

/* ---- lines ------------------------------------------------------------ */

/* Details are joined with the separator. */
typedef struct details {
    char buf[1024];
    size_t o;
    const okrview_t *v;
} details_t;

static void detail(details_t *d, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return;
    if (d->o > 0)
        append(d->buf, sizeof(d->buf), &d->o, G(d->v)->sep);
    append(d->buf, sizeof(d->buf), &d->o, s);
}

/* "grade 0.7" when the node has one. */
static void detail_grade(details_t *d, const msgpack_object *node)
{
    char num[64], s[80];
    double g;
    if (finite_num(wire_map_get(node, "grade"), &g)) {
        snprintf(s, sizeof(s), "grade %s", render_num(g, num, sizeof(num)));
        detail(d, s);
    }
}

static void objective_details(const okrview_t *v, const msgpack_object *node, details_t *d)
{
    char buf[256];
    (void)v;
    detail(d, str_field(node, "owner", buf, sizeof(buf)));
    detail(d, str_field(node, "period", buf, sizeof(buf)));
    detail_grade(d, node);
}

static void kr_details(const okrview_t *v, const msgpack_object *kr, details_t *d)
{
    char buf[256], pct[32], num[32];
    double f;
    int64_t conf;

    detail(d, okrview_kr_value(v, kr, buf, sizeof(buf)));
    if (is_true(wire_map_get(kr, "stale")))
        detail(d, okrview_paint(v, C_YELLOW, "stale", buf, sizeof(buf)));
    if (finite_num(wire_map_get(kr, "forecast"), &f)) {
        snprintf(buf, sizeof(buf), "%s %s by end", G(v)->arrow,
                 okrview_pct(wire_map_get(kr, "forecast"), pct, sizeof(pct)));
        detail(d, buf);
    }
    if (wire_int(wire_map_get(kr, "confidence"), &conf)) {
        snprintf(buf, sizeof(buf), "confidence %s/10",
                 render_obj_plain_int(wire_map_get(kr, "confidence"), num, sizeof(num)));
        detail(d, buf);
    }
    detail_grade(d, kr);
}

/*
 * One line: bar, percent, status, then the tree prefix, the title (bold for
 * an objective), the id and the details.  A node without a title shows its
 * id alone.
 */
static void node_line(const okrview_t *v, const msgpack_object *node, bool objective,
                      const char *prefix)
{
    char bar[256], pct[32], st[64], stp[96], title[1024], id[256], painted[1100];
    details_t d = {.o = 0, .v = v};

    d.buf[0] = '\0';
    okrview_bar(v, node, bar, sizeof(bar));
    okrview_pct(wire_map_get(node, "progress"), pct, sizeof(pct));
    render_obj_str(wire_map_get(node, "status"), st, sizeof(st));
    /* Pad before painting: escape codes have no width. */
    int pad = STATUS_WIDTH - (int)strlen(st);
    okrview_paint(v, status_color(st), st, stp, sizeof(stp));
    str_field(node, "title", title, sizeof(title));
    str_field(node, "id", id, sizeof(id));
    if (objective)
        objective_details(v, node, &d);
    else
        kr_details(v, node, &d);

    fprintf(v->f, "%s %4s  %s%*s  %s", bar, pct, stp, pad > 0 ? pad : 0, "", prefix);
    if (title[0] != '\0') {
        fputs(okrview_paint(v, objective ? C_BOLD : NULL, title, painted, sizeof(painted)), v->f);
        if (id[0] != '\0') {
            char bracketed[300];
            snprintf(bracketed, sizeof(bracketed), "[%s]", id);
            fprintf(v->f, " %s", okrview_paint(v, C_DIM, bracketed, painted, sizeof(painted)));
        }
    } else {
        fputs(okrview_paint(v, objective ? C_BOLD : NULL, id[0] ? id : RENDER_NONE, painted,
                            sizeof(painted)),
              v->f);
    }
    if (d.o > 0)
        fprintf(v->f, "  %s", d.buf);
    fputc('\n', v->f);
}

void okrview_kr_line(const okrview_t *v, const msgpack_object *kr)
{
    node_line(v, kr, false, "");
}

static uint32_t array_size(const msgpack_object *o)
{
    return o != NULL && o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size : 0;
}

/*
 * The objective's line, then its key results and child objectives.  prefix
 * is what goes before the line's connector ("" for a root); its buffer has
 * room for MAX_DEPTH levels.
 */
static void objective_tree(const okrview_t *v, const msgpack_object *node, char *prefix, size_t cap,
                           bool root, bool last, int depth)
{
    const glyphs_t *g = G(v);
    size_t plen = strlen(prefix);
    char line_prefix[512];

    snprintf(line_prefix, sizeof(line_prefix), "%s%s", prefix,
             root   ? ""
             : last ? g->elbow
                    : g->tee);
    node_line(v, node, true, line_prefix);

    const msgpack_object *krs = wire_map_get(node, "key_results");
    const msgpack_object *kids = wire_map_get(node, "children");
    uint32_t nkr = array_size(krs), nkid = array_size(kids), n = nkr + nkid;
    if (n == 0)
        return;
    /* The children's prefix: ours, continued under our connector. */
    if (!root && plen + strlen(g->pipe) < cap) {
        strcat(prefix, last ? g->blank : g->pipe);
    }
    if (depth >= MAX_DEPTH) {
        fprintf(v->f, "%*s%s%s...\n", OKRVIEW_BAR_CELLS + 7 + STATUS_WIDTH + 2, "", prefix,
                g->elbow);
        prefix[plen] = '\0';
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        bool is_last = i == n - 1;
        if (i < nkr) {
            snprintf(line_prefix, sizeof(line_prefix), "%s%s", prefix, is_last ? g->elbow : g->tee);
            node_line(v, &krs->via.array.ptr[i], false, line_prefix);
        } else {
            objective_tree(v, &kids->via.array.ptr[i - nkr], prefix, cap, false, is_last,
                           depth + 1);
        }
    }
    prefix[plen] = '\0';
}

void okrview_objective(const okrview_t *v, const msgpack_object *node)
{
    char prefix[(MAX_DEPTH + 2) * 8] = "";
    objective_tree(v, node, prefix, sizeof(prefix), true, true, 0);
}

void okrview_tree(const okrview_t *v, const msgpack_object *objectives)
{
    for (uint32_t i = 0; i < array_size(objectives); i++) {
        /* A blank line between cascades. */
        if (i > 0)
            fputc('\n', v->f);
        okrview_objective(v, &objectives->via.array.ptr[i]);
    }
}
