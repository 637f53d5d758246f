/*
 * cmd_kpi.c - kpi list, kpi get, kpi series.
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "okrctl.h"
#include "render.h"
#include "request.h"
#include "wire.h"

/* ---- kpi list --------------------------------------------------------- */

static void print_kpi_list(const msgpack_object *m)
{
    static const char *const head[] = {"NAME",      "UNIT",   "KIND",
                                       "AGGREGATE", "SOURCE", "DESCRIPTION"};
    const msgpack_object *list = wire_map_get(m, "kpis");
    table_t *t = table_new(6, head, "llllll");

    if (t == NULL)
        return;
    if (list != NULL && list->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *k = &list->via.array.ptr[i];
            const msgpack_object *derived = wire_map_get(k, "derived");
            char name[256], unit[64], kind[64], agg[256], src[256], desc[512];
            const char *source = render_obj_str(wire_map_get(k, "source"), src, sizeof(src));
            if (strcmp(source, RENDER_NONE) == 0 && derived != NULL &&
                derived->type == MSGPACK_OBJECT_BOOLEAN && derived->via.boolean)
                source = "(derived)";
            const char *cells[6] = {
                render_obj_str(wire_map_get(k, "name"), name, sizeof(name)),
                render_obj_str(wire_map_get(k, "unit"), unit, sizeof(unit)),
                render_obj_str(wire_map_get(k, "kind"), kind, sizeof(kind)),
                render_obj_str(wire_map_get(k, "aggregate"), agg, sizeof(agg)),
                source,
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
    msgpack_sbuffer sb;
    msgpack_packer pk;
    reply_t r;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_kv_str(&pk, "op", "kpi.list");
    int rc = request_send(c, &sb, &r);
    msgpack_sbuffer_destroy(&sb);
    if (rc == CTL_EXIT_OK && c->json)
        rc = reply_print_json(&r);
    else if (rc == CTL_EXIT_OK)
        print_kpi_list(r.map);
    reply_free(&r);
    return rc;
}

/* ---- kpi get ---------------------------------------------------------- */

static void add_row(table_t *t, const char *k, const char *v)
{
    const char *cells[2] = {k, v};
    table_add(t, cells);
}

/* "+12.5% ↑", "-3% ↓", "0%", or "-" without data. */
static const char *format_change(const msgpack_object *o, char *buf, size_t len)
{
    char num[64];
    double v;

    if (!wire_number(o, &v))
        return RENDER_NONE;
    render_num(v, num, sizeof(num));
    if (v > 0)
        snprintf(buf, len, "+%s%% \u2191", num);
    else if (v < 0)
        snprintf(buf, len, "%s%% \u2193", num);
    else
        snprintf(buf, len, "%s%%", num);
    return buf;
}

static const char *format_status(const msgpack_object *o, char *buf, size_t len)
{
    char s[64];
    const char *colour = NULL;

    render_obj_str(o, s, sizeof(s));
    if (render_color(stdout)) {
        if (strcmp(s, "green") == 0)
            colour = "\033[32m";
        else if (strcmp(s, "amber") == 0)
            colour = "\033[33m";
        else if (strcmp(s, "red") == 0)
            colour = "\033[31m";
    }
    if (colour != NULL)
        snprintf(buf, len, "%s%s\033[0m", colour, s);
    else
        snprintf(buf, len, "%s", s);
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
    table_t *t = table_new(2, NULL, "ll");

    if (t == NULL)
        return;
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
    add_row(t, "change", format_change(wire_map_get(m, "change_pct"), buf, sizeof(buf)));
    if (wire_map_get(m, "status") != NULL)
        add_row(t, "status", format_status(wire_map_get(m, "status"), buf, sizeof(buf)));
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
    reply_t r;
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

    rc = request_send(c, &sb, &r);
    msgpack_sbuffer_destroy(&sb);
    if (rc == CTL_EXIT_OK && c->json)
        rc = reply_print_json(&r);
    else if (rc == CTL_EXIT_OK)
        print_kpi(c, r.map);
    reply_free(&r);
    return rc;
}

/* ---- kpi series ------------------------------------------------------- */

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
}

int cmd_kpi_series(ctl_t *c)
{
    const char *from_s = c->opt[CTL_OPT_FROM], *to_s = c->opt[CTL_OPT_TO];
    const char *step = c->opt[CTL_OPT_STEP], *agg = c->opt[CTL_OPT_AGGREGATE];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    reply_t r;
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

    rc = request_send(c, &sb, &r);
    msgpack_sbuffer_destroy(&sb);
    if (rc == CTL_EXIT_OK && c->json)
        rc = reply_print_json(&r);
    else if (rc == CTL_EXIT_OK)
        print_series(c, r.map);
    reply_free(&r);
    return rc;
}
