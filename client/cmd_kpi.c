/*
 * cmd_kpi.c - kpi list, kpi get, kpi series.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "okrctl.h"
#include "okrview.h"
#include "render.h"
#include "request.h"
#include "wire.h"

/* ---- kpi list --------------------------------------------------------- */

/* A formula or a filtered source is cut to this many characters. */
#define SOURCE_MAX_CHARS 40

#define C_GREEN "\033[32m"
#define C_AMBER "\033[33m"
#define C_RED   "\033[31m"

/* A KPI's threshold status ("green", "amber", "red") coloured when the
 * view allows; "-" when absent. */
static const char *format_status(const okrview_t *v, const msgpack_object *o, char *buf, size_t len)
{
    char s[64];
    const char *colour = NULL;

    render_obj_str(o, s, sizeof(s));
    if (strcmp(s, "green") == 0)
        colour = C_GREEN;
    else if (strcmp(s, "amber") == 0)
        colour = C_AMBER;
    else if (strcmp(s, "red") == 0)
        colour = C_RED;
    return okrview_paint(v, colour, s, buf, len);
}

/*
 * The SOURCE cell: the formula of a derived KPI, else the source, with
 * " where FILTER" when the KPI filters it; cut to SOURCE_MAX_CHARS.
 */
static const char *format_source(const okrview_t *v, const msgpack_object *k, char *buf, size_t len)
{
    const msgpack_object *formula = wire_map_get(k, "formula");
    const msgpack_object *where = wire_map_get(k, "where");
    const msgpack_object *derived = wire_map_get(k, "derived");
    char src[512], filter[512], full[1100];

    if (formula != NULL && formula->type == MSGPACK_OBJECT_STR && formula->via.str.size > 0)
        render_obj_str(formula, src, sizeof(src));
    else if (strcmp(render_obj_str(wire_map_get(k, "source"), src, sizeof(src)), RENDER_NONE) ==
                 0 &&
             derived != NULL && derived->type == MSGPACK_OBJECT_BOOLEAN && derived->via.boolean)
        snprintf(src, sizeof(src), "(derived)");
    if (where != NULL && where->type == MSGPACK_OBJECT_STR && where->via.str.size > 0)
        snprintf(full, sizeof(full), "%s where %s", src,
                 render_obj_str(where, filter, sizeof(filter)));
    else
        snprintf(full, sizeof(full), "%s", src);
    return render_truncate(full, SOURCE_MAX_CHARS, okrview_ellipsis(v), buf, len);
}

/* Columns 1 to 5 are where they always were (awk users); DESCRIPTION, free
 * text, stays last. */
static void print_kpi_list(const ctl_t *c, const msgpack_object *m)
{
    static const char *const head[] = {"NAME",   "UNIT",   "KIND",       "AGGREGATE",
                                       "SOURCE", "STATUS", "DESCRIPTION"};
    const msgpack_object *list = wire_map_get(m, "kpis");
    table_t *t = table_new(7, head, "lllllll");
    okrview_t v;

    if (t == NULL)
        return;
    okrview_init(&v, &c->cal, stdout);
    if (list != NULL && list->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *k = &list->via.array.ptr[i];
            char name[256], unit[64], kind[64], agg[256], src[256], st[64], desc[512];
            const char *cells[7] = {
                render_obj_str(wire_map_get(k, "name"), name, sizeof(name)),
                render_obj_str(wire_map_get(k, "unit"), unit, sizeof(unit)),
                render_obj_str(wire_map_get(k, "kind"), kind, sizeof(kind)),
                render_obj_str(wire_map_get(k, "aggregate"), agg, sizeof(agg)),
                format_source(&v, k, src, sizeof(src)),
                format_status(&v, wire_map_get(k, "status"), st, sizeof(st)),
                render_obj_str(wire_map_get(k, "description"), desc, sizeof(desc)),
            };
            table_add(t, cells);
        }
    }
    table_print(t, stdout);
    table_destroy(&t);
}

int cmd_kpi_list(ctl_t *c)
{
    return request_run_op(c, "kpi.list", print_kpi_list);
}

/* ---- kpi get ---------------------------------------------------------- */

static void add_row(table_t *t, const char *k, const char *v)
{
    const char *cells[2] = {k, v};
    table_add(t, cells);
}

/*
 * Whether a move of the value in direction sign (+1 up, -1 down) is for the
 * better (+1), the worse (-1) or unknown (0).  The reply does not say which
 * way the KPI's thresholds point, so this guesses from the status: a value
 * that rose and is green is taken as higher-is-better, one that rose and is
 * red as lower-is-better.  Anything else (a fall, amber, no status) stays
 * uncoloured: the status is a level, not a direction, and may mislead.
 */
/* +1 when a change of this sign is for the better, -1 for the worse, 0
 * when the KPI says nothing (no thresholds): okrd's `direction` field. */
static int change_quality(const msgpack_object *direction, int sign)
{
    if (wire_str_eq(direction, "higher"))
        return sign;
    if (wire_str_eq(direction, "lower"))
        return -sign;
    return 0;
}

/* "+12.5% ↑" ("^" without Unicode), "-3% ↓" ("v"), "0%", or "-" without
 * data; the arrow green when the change is for the better, red when for the
 * worse (change_quality), if colour is allowed. */
static const char *format_change(const okrview_t *v, const msgpack_object *o,
                                 const msgpack_object *direction, char *buf, size_t len)
{
    char num[64], arrow[64];
    double d;

    if (!wire_number(o, &d) || !isfinite(d)) {
        snprintf(buf, len, "%s", render_obj_num(o, num, sizeof(num)));
        return buf;
    }
    render_num(d, num, sizeof(num));
    int sign = d > 0 ? 1 : d < 0 ? -1 : 0;
    int q = change_quality(direction, sign);
    okrview_paint(v,
                  q > 0   ? C_GREEN
                  : q < 0 ? C_RED
                          : NULL,
                  okrview_trend(v, sign), arrow, sizeof(arrow));
    if (sign == 0)
        snprintf(buf, len, "%s%%", num);
    else
        snprintf(buf, len, "%s%s%% %s", sign > 0 ? "+" : "", num, arrow);
    return buf;
}

/* "24h: 2026-11-21 10:01 → 2026-11-22 10:01 UTC" */
static const char *format_window(const ctl_t *c, const msgpack_object *m, char *buf, size_t len)
{
    char w[128], from[64], to[64], zone[16];
    const msgpack_object *wo = wire_map_get(m, "window");

    render_obj_time(&c->cal, wire_map_get(m, "from"), from, sizeof(from));
    render_obj_time(&c->cal, wire_map_get(m, "to"), to, sizeof(to));
    ctl_zone(c, zone, sizeof(zone));
    if (wo != NULL && wo->type == MSGPACK_OBJECT_STR && wo->via.str.size > 0) {
        render_sanitize(wo->via.str.ptr, wo->via.str.size, w, sizeof(w));
        snprintf(buf, len, "%s: %s \u2192 %s %s", w, from, to, zone);
    } else {
        snprintf(buf, len, "%s \u2192 %s %s", from, to, zone);
    }
    return buf;
}

static void print_kpi(const ctl_t *c, const msgpack_object *m)
{
    static const char *const numbers[] = {"value", "count", "sum",    "avg",  "min",
                                          "max",   "last",  "stddev", "rate", "distinct"};
    char name[256], unit[64], buf[512];
    const msgpack_object *quantiles = wire_map_get(m, "quantiles");
    const msgpack_object *status = wire_map_get(m, "status");
    table_t *t = table_new(2, NULL, "ll");
    okrview_t v;

    if (t == NULL)
        return;
    okrview_init(&v, &c->cal, stdout);
    if (strcmp(render_obj_str(wire_map_get(m, "name"), name, sizeof(name)), RENDER_NONE) == 0)
        render_sanitize(c->args[0], strlen(c->args[0]), name, sizeof(name));
    if (strcmp(render_obj_str(wire_map_get(m, "unit"), unit, sizeof(unit)), RENDER_NONE) != 0)
        printf("%s (%s)\n", name, unit);
    else
        printf("%s\n", name);

    /* A derived KPI has a formula and a value, not a state to show. */
    const msgpack_object *formula = wire_map_get(m, "formula");
    bool derived = formula != NULL && formula->type == MSGPACK_OBJECT_STR;
    add_row(t, "window", format_window(c, m, buf, sizeof(buf)));
    if (derived)
        add_row(t, "formula", render_obj_str(formula, buf, sizeof(buf)));
    else
        add_row(t, "aggregate", render_obj_str(wire_map_get(m, "aggregate"), buf, sizeof(buf)));
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        const msgpack_object *o = wire_map_get(m, numbers[i]);
        /* distinct only when the KPI keeps it; a derived KPI only its value */
        if ((o == NULL && strcmp(numbers[i], "distinct") == 0) || (derived && i > 0))
            continue;
        add_row(t, numbers[i], render_obj_num(o, buf, sizeof(buf)));
    }
    if (quantiles != NULL && quantiles->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < quantiles->via.map.size; i++) {
            char q[32];
            const msgpack_object_kv *kv = &quantiles->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR)
                continue;
            render_sanitize(kv->key.via.str.ptr, kv->key.via.str.size, q, sizeof(q));
            add_row(t, q, render_obj_num(&kv->val, buf, sizeof(buf)));
        }
    }
    add_row(t, "previous", render_obj_num(wire_map_get(m, "previous"), buf, sizeof(buf)));
    add_row(t, "change",
            format_change(&v, wire_map_get(m, "change_pct"), wire_map_get(m, "direction"), buf,
                          sizeof(buf)));
    /* only KPIs with thresholds have a status */
    if (status != NULL && status->type == MSGPACK_OBJECT_STR)
        add_row(t, "status", format_status(&v, status, buf, sizeof(buf)));
    table_print(t, stdout);
    table_destroy(&t);
}

/* Pack --window: "FROM..TO" as an explicit {from, to} map, else the string. */
static int pack_window(const ctl_t *c, msgpack_packer *pk, const char *w)
{
    const char *dots = strstr(w, "..");
    int64_t from, to;
    char first[128];

    if (dots == NULL) {
        pack_kv_str(pk, "window", w);
        return CTL_EXIT_OK;
    }
    if ((size_t)(dots - w) >= sizeof(first))
        return ctl_usage_error("invalid window '%s'", w);
    memcpy(first, w, (size_t)(dots - w));
    first[dots - w] = '\0';
    int rc = ctl_time_arg(c, first, &from);
    if (rc == CTL_EXIT_OK)
        rc = ctl_time_arg(c, dots + 2, &to);
    if (rc != CTL_EXIT_OK)
        return rc;
    wire_pack_str(pk, "window");
    msgpack_pack_map(pk, 2);
    pack_kv_int(pk, "from", from);
    pack_kv_int(pk, "to", to);
    return CTL_EXIT_OK;
}

int cmd_kpi_get(ctl_t *c)
{
    const char *window = c->opt[CTL_OPT_WINDOW], *at_s = c->opt[CTL_OPT_AT];
    const char *agg = c->opt[CTL_OPT_AGGREGATE];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int64_t at = 0;
    int rc;

    if (at_s != NULL && (rc = ctl_time_arg(c, at_s, &at)) != CTL_EXIT_OK)
        return rc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2 + (window != NULL) + (at_s != NULL) + (agg != NULL));
    pack_kv_str(&pk, "op", "kpi.get");
    pack_kv_str(&pk, "name", c->args[0]);
    if (window != NULL && (rc = pack_window(c, &pk, window)) != CTL_EXIT_OK) {
        msgpack_sbuffer_destroy(&sb);
        return rc;
    }
    if (at_s != NULL)
        pack_kv_int(&pk, "at", at);
    if (agg != NULL)
        pack_kv_str(&pk, "aggregate", agg);

    return request_run(c, &sb, print_kpi);
}

/* ---- kpi series ------------------------------------------------------- */

/* The terminal's width, or 80. */
static int term_columns(void)
{
    struct winsize ws;
    if (ioctl(fileno(stdout), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/*
 * For people at a terminal: the series as a sparkline (a blank for a step
 * without a value) on the scale of its min and max, then the two.
 */
static void print_sparkline(const ctl_t *c, const msgpack_object *points)
{
    char spark[1024], lo_s[64], hi_s[64], line[1200];
    double lo = INFINITY, hi = -INFINITY, x;
    okrview_t v;

    if (points == NULL || points->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < points->via.array.size; i++) {
        const msgpack_object *p = &points->via.array.ptr[i];
        if (p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size >= 2 &&
            wire_number(&p->via.array.ptr[1], &x) && isfinite(x)) {
            lo = fmin(lo, x);
            hi = fmax(hi, x);
        }
    }
    if (lo > hi)
        return; /* no values at all */
    okrview_init(&v, &c->cal, stdout);
    render_num(lo, lo_s, sizeof(lo_s));
    render_num(hi, hi_s, sizeof(hi_s));
    snprintf(line, sizeof(line), "  min %s  max %s", lo_s, hi_s);
    /* one line: the sparkline and the min and max after it */
    int cells = term_columns() - (int)strlen(line) - 1;
    if (cells > 120)
        cells = 120;
    if (cells < 10)
        cells = 10;
    if (okrview_sparkline_range(&v, points, lo, hi, cells, spark, sizeof(spark)) > 0)
        printf("\n%s%s\n", spark, line);
}

static void print_series(const ctl_t *c, const msgpack_object *m)
{
    static const char *const head[] = {"TIME", "VALUE"};
    const msgpack_object *points = wire_map_get(m, "points");
    table_t *t = table_new(2, head, "lr");

    if (t == NULL)
        return;
    if (points != NULL && points->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < points->via.array.size; i++) {
            const msgpack_object *p = &points->via.array.ptr[i];
            const msgpack_object *ts = NULL, *v = NULL;
            char tbuf[64], vbuf[64];
            if (p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size >= 2) {
                ts = &p->via.array.ptr[0];
                v = &p->via.array.ptr[1];
            }
            const char *cells[2] = {
                render_obj_time(&c->cal, ts, tbuf, sizeof(tbuf)),
                render_obj_num(v, vbuf, sizeof(vbuf)),
            };
            table_add(t, cells);
        }
    }
    table_print(t, stdout);
    table_destroy(&t);
    if (isatty(fileno(stdout)) == 1)
        print_sparkline(c, points);
}

int cmd_kpi_series(ctl_t *c)
{
    const char *from_s = c->opt[CTL_OPT_FROM], *to_s = c->opt[CTL_OPT_TO];
    const char *step = c->opt[CTL_OPT_STEP], *agg = c->opt[CTL_OPT_AGGREGATE];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int64_t from, to, step_ms;
    int rc;

    if (from_s == NULL)
        return ctl_usage_error("'kpi series' needs --from");
    if (to_s == NULL)
        return ctl_usage_error("'kpi series' needs --to");
    if (step == NULL)
        return ctl_usage_error("'kpi series' needs --step");
    if ((rc = ctl_time_arg(c, from_s, &from)) != CTL_EXIT_OK ||
        (rc = ctl_time_arg(c, to_s, &to)) != CTL_EXIT_OK)
        return rc;
    if (cal_parse_duration(step, &step_ms) != 0)
        return ctl_usage_error("invalid step '%s'", step);
    if (to <= from)
        return ctl_usage_error("--to must be after --from");

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5 + (agg != NULL));
    pack_kv_str(&pk, "op", "kpi.series");
    pack_kv_str(&pk, "name", c->args[0]);
    pack_kv_int(&pk, "from", from);
    pack_kv_int(&pk, "to", to);
    pack_kv_str(&pk, "step", step);
    if (agg != NULL)
        pack_kv_str(&pk, "aggregate", agg);

    return request_run(c, &sb, print_series);
}
