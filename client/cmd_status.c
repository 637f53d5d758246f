/*
 * cmd_status.c - the daemon-level commands: ping, stats, source list.
 */
#include <stdio.h>
#include <string.h>

#include "okrctl.h"
#include "render.h"
#include "request.h"
#include "wire.h"

/* Pack {op: OP} and send it. */
static int simple_request(ctl_t *c, const char *op, reply_t *r)
{
    msgpack_sbuffer sb;

    request_op(&sb, op);
    int rc = request_send(c, &sb, r);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int cmd_ping(ctl_t *c)
{
    reply_t r;
    char version[128], proto[32], up[64];
    int64_t uptime;

    int rc = simple_request(c, "ping", &r);
    if (rc == CTL_EXIT_OK && c->json)
        rc = reply_print_json(&r);
    else if (rc == CTL_EXIT_OK) {
        const char *v = render_obj_str(wire_map_get(r.map, "version"), version, sizeof(version));
        const char *p = render_obj_plain_int(wire_map_get(r.map, "protocol"), proto, sizeof(proto));
        const char *u = wire_int(wire_map_get(r.map, "uptime_s"), &uptime)
                            ? render_duration(uptime, up, sizeof(up))
                            : RENDER_NONE;
        printf("okrd %s (protocol %s) up %s at %s\n", v, p, u, r.raw.endpoint);
    }
    reply_free(&r);
    return rc;
}

/* ---- stats ------------------------------------------------------------ */

/* The fields of a stats reply, in display order. */
static const char *const stats_fields[] = {
    "received", "applied", "rejected",   "gaps",    "commits",
    "db_bytes", "kpis",    "objectives", "sources", "publishers",
};

static bool is_stats_field(const msgpack_object *k)
{
    if (wire_str_eq(k, "ok"))
        return true;
    for (size_t i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++)
        if (wire_str_eq(k, stats_fields[i]))
            return true;
    return false;
}

static void add_row(table_t *t, const char *k, const char *v)
{
    const char *cells[2] = {k, v};
    table_add(t, cells);
}

/* "rejected" with the total, then one indented row per reason: the known
 * reasons first, in SPEC order, then any others the daemon reports. */
static void add_rejected(table_t *t, const msgpack_object *rej)
{
    char num[64], name[96];
    double total = 0, v;

    if (rej == NULL || rej->type != MSGPACK_OBJECT_MAP) {
        add_row(t, "rejected", RENDER_NONE);
        return;
    }
    for (uint32_t i = 0; i < rej->via.map.size; i++)
        if (wire_number(&rej->via.map.ptr[i].val, &v))
            total += v;
    add_row(t, "rejected", render_num(total, num, sizeof(num)));
    for (int reason = WIRE_MALFORMED; reason < WIRE_REASON_COUNT; reason++) {
        const char *rn = wire_reason_name((wire_reason_t)reason);
        snprintf(name, sizeof(name), "  %s", rn);
        add_row(t, name, render_obj_num(wire_map_get(rej, rn), num, sizeof(num)));
    }
    for (uint32_t i = 0; i < rej->via.map.size; i++) {
        const msgpack_object *k = &rej->via.map.ptr[i].key;
        bool known = false;
        for (int reason = WIRE_MALFORMED; reason < WIRE_REASON_COUNT; reason++)
            known = known || wire_str_eq(k, wire_reason_name((wire_reason_t)reason));
        if (known || k->type != MSGPACK_OBJECT_STR)
            continue;
        char kn[64];
        render_sanitize(k->via.str.ptr, k->via.str.size, kn, sizeof(kn));
        snprintf(name, sizeof(name), "  %s", kn);
        add_row(t, name, render_obj_num(&rej->via.map.ptr[i].val, num, sizeof(num)));
    }
}

static void print_stats(const ctl_t *c, const msgpack_object *m)
{
    (void)c;
    char num[64];
    double v;
    table_t *t = table_new(2, NULL, "lr");

    if (t == NULL)
        return;
    for (size_t i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++) {
        const char *f = stats_fields[i];
        const msgpack_object *o = wire_map_get(m, f);
        if (strcmp(f, "rejected") == 0)
            add_rejected(t, o);
        else if (strcmp(f, "db_bytes") == 0)
            add_row(t, f, wire_number(o, &v) ? render_bytes(v, num, sizeof(num)) : RENDER_NONE);
        else
            add_row(t, f, render_obj_num(o, num, sizeof(num)));
    }
    /* Counters a newer okrd adds: shown too, after the known ones. */
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        const msgpack_object *val = &m->via.map.ptr[i].val;
        char kn[64];
        if (k->type != MSGPACK_OBJECT_STR || is_stats_field(k) || !wire_number(val, &v))
            continue;
        render_sanitize(k->via.str.ptr, k->via.str.size, kn, sizeof(kn));
        add_row(t, kn, render_obj_num(val, num, sizeof(num)));
    }
    table_print(t, stdout);
    table_destroy(&t);
}

int cmd_stats(ctl_t *c)
{
    return request_run_op(c, "stats", print_stats);
}

/* ---- source list ------------------------------------------------------ */

static void print_sources(const ctl_t *c, const msgpack_object *m)
{
    static const char *const head[] = {"SOURCE_ID", "LAST_SEQ", "LAST_TS", "GAPS"};
    const msgpack_object *list = wire_map_get(m, "sources");
    table_t *t = table_new(4, head, "lrlr");

    if (t == NULL)
        return;
    if (list != NULL && list->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *s = &list->via.array.ptr[i];
            char id[256], seq[32], ts[64], gaps[64];
            const char *cells[4] = {
                render_obj_str(wire_map_get(s, "source_id"), id, sizeof(id)),
                render_obj_plain_int(wire_map_get(s, "last_seq"), seq, sizeof(seq)),
                render_obj_time(&c->cal, wire_map_get(s, "last_ts"), ts, sizeof(ts)),
                render_obj_num(wire_map_get(s, "gaps"), gaps, sizeof(gaps)),
            };
            table_add(t, cells);
        }
    }
    table_print(t, stdout);
    table_destroy(&t);
}

int cmd_source_list(ctl_t *c)
{
    return request_run_op(c, "source.list", print_sources);
}
