/*
 * cmd_okr.c - the OKR commands (SPEC sections 3 and 4): status (the tree,
 * okr.tree), objective (objective.get), kr (kr.get) and checkin.
 *
 * The drawing is okrview.c's; this file packs the requests, checks the
 * arguments, and lays out the headers and detail views.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "okrctl.h"
#include "okrview.h"
#include "render.h"
#include "request.h"
#include "wire.h"

/* SPEC section 4: the daemon's limits on check-in texts. */
#define MAX_NOTE   1000
#define MAX_AUTHOR 200

/* Check-ins listed by `kr` (the latest ones); --json has them all. */
#define MAX_CHECKINS_SHOWN 20

/* Sparkline width of `kr`'s history, in days shown. */
#define HISTORY_CELLS 60

/* --at, when given, into *at; *has says whether it was. */
static int at_option(const ctl_t *c, bool *has, int64_t *at)
{
    *has = c->opt[CTL_OPT_AT] != NULL;
    if (!*has)
        return CTL_EXIT_OK;
    return ctl_time_arg(c, c->opt[CTL_OPT_AT], at);
}

static void add_row(table_t *t, const char *k, const char *v)
{
    const char *cells[2] = {k, v};
    table_add(t, cells);
}

/* The instant asked for: --at, else now. */
static int64_t asked_at(const ctl_t *c)
{
    int64_t at;
    if (c->opt[CTL_OPT_AT] == NULL ||
        cal_parse_instant(&c->cal, c->opt[CTL_OPT_AT], c->now_ms, &at))
        return c->now_ms;
    return at;
}

/* "2025-11-22 10:00 UTC" for the reply's `at`, else for the one asked for. */
static const char *format_at(const ctl_t *c, const msgpack_object *m, char *buf, size_t len)
{
    char t[64], zone[16];
    int64_t at;

    if (!wire_int(wire_map_get(m, "at"), &at))
        at = asked_at(c);
    snprintf(buf, len, "%s %s", cal_format(&c->cal, at, t, sizeof(t)),
             ctl_zone(c, zone, sizeof(zone)));
    return buf;
}

/* The title line of a detail view: "Title [id]", or the id alone. */
static void print_title(const okrview_t *v, const msgpack_object *m, const char *fallback_id)
{
    char title[1024], id[256], painted[1100];

    render_obj_str(wire_map_get(m, "title"), title, sizeof(title));
    render_obj_str(wire_map_get(m, "id"), id, sizeof(id));
    if (strcmp(id, RENDER_NONE) == 0)
        render_sanitize(fallback_id, strlen(fallback_id), id, sizeof(id));
    if (strcmp(title, RENDER_NONE) == 0) {
        printf("%s\n", okrview_paint(v, "\033[1m", id, painted, sizeof(painted)));
        return;
    }
    printf("%s", okrview_paint(v, "\033[1m", title, painted, sizeof(painted)));
    snprintf(title, sizeof(title), "[%s]", id);
    printf(" %s\n", okrview_paint(v, "\033[2m", title, painted, sizeof(painted)));
}

/* ---- status ----------------------------------------------------------- */

static void show_tree(const ctl_t *c, const msgpack_object *m)
{
    const msgpack_object *objs = wire_map_get(m, "objectives");
    const char *period = c->opt[CTL_OPT_PERIOD], *owner = c->opt[CTL_OPT_OWNER];
    char at[96], filters[600] = "", buf[300], legend[64], painted[128];
    okrview_t v;

    okrview_init(&v, &c->cal, stdout);
    format_at(c, m, at, sizeof(at));
    if (period != NULL) {
        render_sanitize(period, strlen(period), buf, sizeof(buf));
        snprintf(filters + strlen(filters), sizeof(filters) - strlen(filters), ", period %s", buf);
    }
    if (owner != NULL) {
        render_sanitize(owner, strlen(owner), buf, sizeof(buf));
        snprintf(filters + strlen(filters), sizeof(filters) - strlen(filters), ", owner %s", buf);
    }
    if (objs == NULL || objs->type != MSGPACK_OBJECT_ARRAY || objs->via.array.size == 0) {
        printf("no objectives at %s%s\n", at, filters);
        if (filters[0] != '\0')
            printf("okrctl status without --period/--owner shows every objective\n");
        else
            printf("objectives come from okrd's configuration: add them to its 'objectives' list "
                   "(okrd.conf(5)), then reload okrd (SIGHUP)\n");
        return;
    }
    snprintf(legend, sizeof(legend), "(%s expected pace)", v.utf8 ? "\u2502" : "|");
    printf("objectives at %s%s  %s\n\n", at, filters,
           okrview_paint(&v, "\033[2m", legend, painted, sizeof(painted)));
    okrview_tree(&v, objs);
}

int cmd_okr_status(ctl_t *c)
{
    const char *period = c->opt[CTL_OPT_PERIOD], *owner = c->opt[CTL_OPT_OWNER];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool has_at;
    int64_t at;
    int rc;

    if ((rc = at_option(c, &has_at, &at)) != CTL_EXIT_OK)
        return rc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1 + (period != NULL) + (owner != NULL) + has_at);
    pack_kv_str(&pk, "op", "okr.tree");
    if (period != NULL)
        pack_kv_str(&pk, "period", period);
    if (owner != NULL)
        pack_kv_str(&pk, "owner", owner);
    if (has_at)
        pack_kv_int(&pk, "at", at);
    return request_run(c, &sb, show_tree);
}

/* ---- objective -------------------------------------------------------- */

/* A date when t is a local midnight, else date and time. */
static const char *format_day(const cal_t *cal, int64_t t, char *buf, size_t len)
{
    cal_format(cal, t, buf, (unsigned)len);
    if (cal_floor(cal, RES_DAY, t) == t && strlen(buf) > 10)
        buf[10] = '\0';
    return buf;
}

/* "2025-Q4: 2025-10-01 → 2025-12-31 UTC" (inclusive dates, as configured). */
static const char *format_period(const ctl_t *c, const okrview_t *v, const msgpack_object *m,
                                 char *buf, size_t len)
{
    char name[128], from[64], to[64], zone[16];
    int64_t f, t;

    render_obj_str(wire_map_get(m, "period"), name, sizeof(name));
    if (!wire_int(wire_map_get(m, "from"), &f) || !wire_int(wire_map_get(m, "to"), &t) || t <= f) {
        snprintf(buf, len, "%s", name);
        return buf;
    }
    format_day(&c->cal, f, from, sizeof(from));
    /* [from, to) whole days: show the last day, as people write periods. */
    if (cal_floor(&c->cal, RES_DAY, f) == f && cal_floor(&c->cal, RES_DAY, t) == t)
        format_day(&c->cal, t - MS_DAY, to, sizeof(to));
    else
        cal_format(&c->cal, t, to, sizeof(to));
    snprintf(buf, len, "%s: %s %s %s %s", name, from, okrview_arrow(v), to,
             ctl_zone(c, zone, sizeof(zone)));
    return buf;
}

static void show_objective(const ctl_t *c, const msgpack_object *m)
{
    char buf[512], a[128], b[128], at[96];
    okrview_t v;
    table_t *t = table_new(2, NULL, "ll");

    if (t == NULL)
        return;
    okrview_init(&v, &c->cal, stdout);
    print_title(&v, m, c->args[0]);
    add_row(t, "period", format_period(c, &v, m, buf, sizeof(buf)));
    render_obj_str(wire_map_get(m, "kind"), a, sizeof(a));
    render_obj_str(wire_map_get(m, "commitment"), b, sizeof(b));
    if (strcmp(a, RENDER_NONE) != 0 && strcmp(b, RENDER_NONE) != 0)
        snprintf(buf, sizeof(buf), "%s, %s", a, b);
    else
        snprintf(buf, sizeof(buf), "%s", strcmp(a, RENDER_NONE) != 0 ? a : b);
    add_row(t, "kind", buf);
    add_row(t, "owner", render_obj_str(wire_map_get(m, "owner"), buf, sizeof(buf)));
    add_row(t, "parent", render_obj_str(wire_map_get(m, "parent"), buf, sizeof(buf)));
    add_row(t, "weight", render_obj_num(wire_map_get(m, "weight"), buf, sizeof(buf)));
    add_row(t, "expected", okrview_pct(wire_map_get(m, "expected"), buf, sizeof(buf)));
    if (wire_map_get(m, "grade") != NULL && wire_map_get(m, "grade")->type != MSGPACK_OBJECT_NIL)
        add_row(t, "grade", render_obj_num(wire_map_get(m, "grade"), buf, sizeof(buf)));
    add_row(t, "at", format_at(c, m, at, sizeof(at)));
    table_print(t, stdout);
    table_destroy(&t);
    putchar('\n');
    okrview_objective(&v, m);
}

/* {op, id, at?} */
static int get_by_id(ctl_t *c, const char *op, void (*show)(const ctl_t *, const msgpack_object *))
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool has_at;
    int64_t at;
    int rc;

    if ((rc = at_option(c, &has_at, &at)) != CTL_EXIT_OK)
        return rc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2 + has_at);
    pack_kv_str(&pk, "op", op);
    pack_kv_str(&pk, "id", c->args[0]);
    if (has_at)
        pack_kv_int(&pk, "at", at);
    return request_run(c, &sb, show);
}

int cmd_objective(ctl_t *c)
{
    return get_by_id(c, "objective.get", show_objective);
}

/* ---- kr --------------------------------------------------------------- */

/* "loyalty.signup, count over the objective's period"; manual and milestone KRs. */
static const char *format_source(const msgpack_object *m, char *buf, size_t len)
{
    char kpi[256], agg[128], win[128];

    if (wire_str_eq(wire_map_get(m, "type"), "milestone")) {
        snprintf(buf, len, "milestone: done by check-in");
        return buf;
    }
    render_obj_str(wire_map_get(m, "kpi"), kpi, sizeof(kpi));
    if (strcmp(kpi, RENDER_NONE) == 0 && wire_map_get(m, "type") == NULL) {
        snprintf(buf, len, "%s", RENDER_NONE);
        return buf;
    }
    if (strcmp(kpi, RENDER_NONE) == 0) {
        snprintf(buf, len, "manual: the latest check-in's value");
        return buf;
    }
    render_obj_str(wire_map_get(m, "aggregate"), agg, sizeof(agg));
    render_obj_str(wire_map_get(m, "window"), win, sizeof(win));
    snprintf(buf, len, "%s, %s over %s", kpi,
             strcmp(agg, RENDER_NONE) == 0 ? "its primary aggregate" : agg,
             strcmp(win, RENDER_NONE) == 0 ? "the objective's period" : win);
    return buf;
}

/* "41%", or "100% (attainment 125%)" */
static const char *format_progress(const msgpack_object *m, char *buf, size_t len)
{
    char pct[32], num[64];
    double a, p;

    okrview_pct(wire_map_get(m, "progress"), pct, sizeof(pct));
    /* Attainment is progress unclamped: worth a mention when they differ. */
    bool same = wire_number(wire_map_get(m, "progress"), &p) &&
                wire_number(wire_map_get(m, "attainment"), &a) && fabs(a - p) < 1e-9;
    if (!same && wire_number(wire_map_get(m, "attainment"), &a) && isfinite(a) && fabs(a) < 1e12)
        snprintf(buf, len, "%s (attainment %s%%)", pct, render_num(a * 100, num, sizeof(num)));
    else
        snprintf(buf, len, "%s", pct);
    return buf;
}

/* "2026-01-10 (in 49 days)" */
static const char *format_eta(const ctl_t *c, const msgpack_object *m, char *buf, size_t len)
{
    int64_t eta, at;
    char day[64];

    if (!wire_int(wire_map_get(m, "eta"), &eta)) {
        snprintf(buf, len, "%s", RENDER_NONE);
        return buf;
    }
    format_day(&c->cal, eta, day, sizeof(day));
    if (!wire_int(wire_map_get(m, "at"), &at))
        at = asked_at(c);
    /* Whole days between, rounded; clamp so absurd values cannot overflow. */
    double days = floor(((double)eta - (double)at) / (double)MS_DAY + 0.5);
    if (fabs(days) > 1e7)
        snprintf(buf, len, "%s", day);
    else if (days == 0)
        snprintf(buf, len, "%s (today)", day);
    else if (days > 0)
        snprintf(buf, len, "%s (in %.0f day%s)", day, days, days == 1 ? "" : "s");
    else
        snprintf(buf, len, "%s (%.0f day%s ago)", day, -days, days == -1 ? "" : "s");
    return buf;
}

static const char *yes_no(const msgpack_object *o)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
        return RENDER_NONE;
    return o->via.boolean ? "yes" : "no";
}

static void show_checkins(const ctl_t *c, const msgpack_object *list)
{
    static const char *const head[] = {"TIME", "VALUE", "DONE", "CONFIDENCE", "AUTHOR", "NOTE"};
    uint32_t n = list != NULL && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0;
    uint32_t first = n > MAX_CHECKINS_SHOWN ? n - MAX_CHECKINS_SHOWN : 0;

    if (n == 0) {
        printf("no check-ins yet (okrctl checkin %s ...)\n", c->args[0]);
        return;
    }
    table_t *t = table_new(6, head, "lrlrll");
    if (t == NULL)
        return;
    printf("check-ins");
    if (first > 0)
        printf(" (the latest %d of %" PRIu32 "; --json lists them all)", MAX_CHECKINS_SHOWN, n);
    printf(":\n");
    for (uint32_t i = first; i < n; i++) {
        const msgpack_object *ci = &list->via.array.ptr[i];
        char ts[64], val[64], conf[32], author[256], note[1200];
        const char *cells[6] = {
            render_obj_time(&c->cal, wire_map_get(ci, "ts"), ts, sizeof(ts)),
            render_obj_num(wire_map_get(ci, "value"), val, sizeof(val)),
            yes_no(wire_map_get(ci, "done")),
            render_obj_plain_int(wire_map_get(ci, "confidence"), conf, sizeof(conf)),
            render_obj_str(wire_map_get(ci, "author"), author, sizeof(author)),
            render_obj_str(wire_map_get(ci, "note"), note, sizeof(note)),
        };
        table_add(t, cells);
    }
    table_print(t, stdout);
    table_destroy(&t);
}

/* "history   ▁▂▃▅  2% → 41%  (2025-10-01 → 2025-11-21, 52 days)" */
static void show_history(const ctl_t *c, const okrview_t *v, const msgpack_object *h)
{
    char spark[HISTORY_CELLS * 4 + 1], p0[32], p1[32], d0[64], d1[64];
    int cells = okrview_sparkline(v, h, HISTORY_CELLS, spark, sizeof(spark));

    if (cells == 0) {
        printf("history: none yet (okrd records progress once a day)\n");
        return;
    }
    const msgpack_object *first = &h->via.array.ptr[0];
    const msgpack_object *last = &h->via.array.ptr[h->via.array.size - 1];
    const msgpack_object *f0 = NULL, *f1 = NULL, *t0 = NULL, *t1 = NULL;
    if (first->type == MSGPACK_OBJECT_ARRAY && first->via.array.size >= 2) {
        t0 = &first->via.array.ptr[0];
        f0 = &first->via.array.ptr[1];
    }
    if (last->type == MSGPACK_OBJECT_ARRAY && last->via.array.size >= 2) {
        t1 = &last->via.array.ptr[0];
        f1 = &last->via.array.ptr[1];
    }
    int64_t a, b;
    if (wire_int(t0, &a))
        format_day(&c->cal, a, d0, sizeof(d0));
    else
        snprintf(d0, sizeof(d0), "%s", RENDER_NONE);
    if (wire_int(t1, &b))
        format_day(&c->cal, b, d1, sizeof(d1));
    else
        snprintf(d1, sizeof(d1), "%s", RENDER_NONE);
    printf("history: %s  %s %s %s  (%s %s %s, %" PRIu32 " day%s)\n", spark,
           okrview_pct(f0, p0, sizeof(p0)), okrview_arrow(v), okrview_pct(f1, p1, sizeof(p1)), d0,
           okrview_arrow(v), d1, h->via.array.size, h->via.array.size == 1 ? "" : "s");
}

static void show_kr(const ctl_t *c, const msgpack_object *m)
{
    const msgpack_object *unit = wire_map_get(m, "unit");
    char buf[1024], bar[256], at[96];
    okrview_t v;
    table_t *t = table_new(2, NULL, "ll");

    if (t == NULL)
        return;
    okrview_init(&v, &c->cal, stdout);
    print_title(&v, m, c->args[0]);
    add_row(t, "objective", render_obj_str(wire_map_get(m, "objective"), buf, sizeof(buf)));
    add_row(t, "type", render_obj_str(wire_map_get(m, "type"), buf, sizeof(buf)));
    add_row(t, "source", format_source(m, buf, sizeof(buf)));
    if (wire_str_eq(wire_map_get(m, "type"), "milestone")) {
        /* start 0, target 1: the state says it all */
        add_row(t, "current", okrview_kr_value(&v, m, buf, sizeof(buf)));
    } else {
        add_row(t, "start", okrview_quantity(wire_map_get(m, "start"), unit, buf, sizeof(buf)));
        add_row(t, "target", okrview_quantity(wire_map_get(m, "target"), unit, buf, sizeof(buf)));
        add_row(t, "current", okrview_quantity(wire_map_get(m, "current"), unit, buf, sizeof(buf)));
    }
    okrview_bar(&v, m, bar, sizeof(bar));
    char prog[128];
    snprintf(buf, sizeof(buf), "%s  %s", bar, format_progress(m, prog, sizeof(prog)));
    add_row(t, "progress", buf);
    add_row(t, "expected", okrview_pct(wire_map_get(m, "expected"), buf, sizeof(buf)));
    add_row(t, "status", okrview_status(&v, wire_map_get(m, "status"), buf, sizeof(buf)));
    if (wire_map_get(m, "grade") != NULL && wire_map_get(m, "grade")->type != MSGPACK_OBJECT_NIL)
        add_row(t, "grade", render_obj_num(wire_map_get(m, "grade"), buf, sizeof(buf)));
    double f;
    if (wire_number(wire_map_get(m, "forecast"), &f) && isfinite(f)) {
        char pct[32];
        snprintf(buf, sizeof(buf), "%s by the end of the period",
                 okrview_pct(wire_map_get(m, "forecast"), pct, sizeof(pct)));
        add_row(t, "forecast", buf);
    } else {
        add_row(t, "forecast", RENDER_NONE);
    }
    add_row(t, "eta", format_eta(c, m, buf, sizeof(buf)));
    const msgpack_object *stale = wire_map_get(m, "stale");
    add_row(t, "stale",
            stale != NULL && stale->type == MSGPACK_OBJECT_BOOLEAN && stale->via.boolean
                ? okrview_paint(&v, "\033[33m", "yes", buf, sizeof(buf))
                : yes_no(stale));
    int64_t conf;
    if (wire_int(wire_map_get(m, "confidence"), &conf)) {
        char num[32];
        snprintf(buf, sizeof(buf), "%s/10",
                 render_obj_plain_int(wire_map_get(m, "confidence"), num, sizeof(num)));
        add_row(t, "confidence", buf);
    } else {
        add_row(t, "confidence", RENDER_NONE);
    }
    add_row(t, "weight", render_obj_num(wire_map_get(m, "weight"), buf, sizeof(buf)));
    add_row(t, "at", format_at(c, m, at, sizeof(at)));
    table_print(t, stdout);
    table_destroy(&t);
    putchar('\n');
    show_checkins(c, wire_map_get(m, "checkins"));
    putchar('\n');
    show_history(c, &v, wire_map_get(m, "history"));
}

int cmd_kr(ctl_t *c)
{
    return get_by_id(c, "kr.get", show_kr);
}

/* ---- checkin ---------------------------------------------------------- */

typedef struct checkin_args {
    bool has_value, value_is_int;
    int64_t ivalue;
    double dvalue;
    int confidence; /* 0: none */
    bool has_ts;
    int64_t ts;
    const char *note, *author;
    int done; /* -1 not given, 0 --not-done, 1 --done */
} checkin_args_t;

/* VALUE: an integer (sent as a msgpack int) or a finite float. */
static int parse_value(const char *s, checkin_args_t *a)
{
    char *end;

    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return ctl_usage_error("invalid value '%s': not a finite number", s);
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0) {
        a->has_value = a->value_is_int = true;
        a->ivalue = i;
        return CTL_EXIT_OK;
    }
    errno = 0;
    double d = strtod(s, &end);
    if (*end != '\0' || !isfinite(d) || errno == ERANGE)
        return ctl_usage_error("invalid value '%s': not a finite number", s);
    a->has_value = true;
    a->dvalue = d;
    return CTL_EXIT_OK;
}

static int check_checkin(const ctl_t *c, checkin_args_t *a)
{
    const char *conf = c->opt[CTL_OPT_CONFIDENCE];
    int rc;

    memset(a, 0, sizeof(*a));
    a->done = -1;
    if (c->nargs > 1 && (rc = parse_value(c->args[1], a)) != CTL_EXIT_OK)
        return rc;
    if (c->opt[CTL_OPT_DONE] != NULL && c->opt[CTL_OPT_NOT_DONE] != NULL)
        return ctl_usage_error("--done and --not-done exclude each other");
    if (c->opt[CTL_OPT_DONE] != NULL)
        a->done = 1;
    else if (c->opt[CTL_OPT_NOT_DONE] != NULL)
        a->done = 0;
    if (conf != NULL) {
        char *end;
        errno = 0;
        long v = strtol(conf, &end, 10);
        if (conf[0] < '0' || conf[0] > '9' || *end != '\0' || errno != 0 || v < 1 || v > 10)
            return ctl_usage_error("invalid confidence '%s' (an integer from 1 to 10)", conf);
        a->confidence = (int)v;
    }
    a->note = c->opt[CTL_OPT_NOTE];
    if (a->note != NULL && strlen(a->note) > MAX_NOTE)
        return ctl_usage_error("note too long (at most %d bytes)", MAX_NOTE);
    if (a->note != NULL && a->note[0] == '\0')
        return ctl_usage_error("empty note");
    a->author = c->opt[CTL_OPT_AUTHOR];
    if (a->author != NULL && (a->author[0] == '\0' || strlen(a->author) > MAX_AUTHOR))
        return ctl_usage_error("invalid author (1-%d bytes)", MAX_AUTHOR);
    if (a->author == NULL) {
        /* Who checked in, by default: the login name, when it is usable. */
        const char *user = getenv("USER");
        if (user != NULL && user[0] != '\0' && strlen(user) <= MAX_AUTHOR)
            a->author = user;
    }
    if (c->opt[CTL_OPT_TS] != NULL) {
        if ((rc = ctl_time_arg(c, c->opt[CTL_OPT_TS], &a->ts)) != CTL_EXIT_OK)
            return rc;
        a->has_ts = true;
    }
    if (!a->has_value && a->done < 0 && a->confidence == 0 && a->note == NULL)
        return ctl_usage_error(
            "'checkin' needs a value, --done, --not-done, --confidence or --note");
    return CTL_EXIT_OK;
}

static void show_checkin(const ctl_t *c, const msgpack_object *m)
{
    char id[256];
    okrview_t v;

    okrview_init(&v, &c->cal, stdout);
    render_sanitize(c->args[0], strlen(c->args[0]), id, sizeof(id));
    printf("checked in on '%s'\n", id);
    okrview_kr_line(&v, m);
}

int cmd_checkin(ctl_t *c)
{
    checkin_args_t a;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int rc;

    if ((rc = check_checkin(c, &a)) != CTL_EXIT_OK)
        return rc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2 + a.has_value + (a.done >= 0) + (a.confidence > 0) + (a.note != NULL) +
                              (a.author != NULL) + a.has_ts);
    pack_kv_str(&pk, "op", "checkin");
    pack_kv_str(&pk, "kr", c->args[0]);
    if (a.has_value) {
        wire_pack_str(&pk, "value");
        if (a.value_is_int)
            msgpack_pack_int64(&pk, a.ivalue);
        else
            msgpack_pack_double(&pk, a.dvalue);
    }
    if (a.done >= 0) {
        wire_pack_str(&pk, "done");
        if (a.done)
            msgpack_pack_true(&pk);
        else
            msgpack_pack_false(&pk);
    }
    if (a.confidence > 0)
        pack_kv_int(&pk, "confidence", a.confidence);
    if (a.note != NULL)
        pack_kv_str(&pk, "note", a.note);
    if (a.author != NULL)
        pack_kv_str(&pk, "author", a.author);
    if (a.has_ts)
        pack_kv_int(&pk, "ts", a.ts);
    return request_run(c, &sb, show_checkin);
}
