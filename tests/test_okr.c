/*
 * test_okr.c - objectives and key results on the real okrd: events with
 * explicit ts and check-ins, then okr.tree / objective.get / kr.get at
 * chosen instants, checked against numbers worked out here by hand; the
 * check-ins survive a restart; okrctl status draws the tree.
 *
 * The period is 30 days, from 20 days ago (local midnight, UTC) to 10 days
 * ahead, so every event is within retention; `at` is 15 days into it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "wire.h"

#define DAY  INT64_C(86400000)
#define HOUR INT64_C(3600000)

static h_okrd_t g_o;
static int64_t g_start, g_at;

static void ymd(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static void assert_near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9 * fmax(1, fabs(want)))
        fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

static void send_event(h_pub_t *p, const char *topic, double v, int64_t ts)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    wire_pack_str(&pk, "value");
    msgpack_pack_double(&pk, v);
    wire_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    h_pub_send(p, topic, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void checkin(const char *spec, ...);

static int setup(void **state)
{
    (void)state;
    int64_t now = h_now_ms();
    int64_t today = now - now % DAY;
    g_start = today - 20 * DAY;
    g_at = g_start + 15 * DAY;
    char s[16], e[16];
    ymd(g_start, s, sizeof s);
    ymd(g_start + 29 * DAY, e, sizeof e); /* inclusive: 30 days */
    char body[4096];
    snprintf(body, sizeof body,
             "kpis = ( { name = \"t.signups\"; aggregate = \"count\"; unit = \"members\"; },\n"
             "         { name = \"t.orders\"; unit = \"USD\"; },\n"
             "         { name = \"t.resp\"; aggregate = \"avg\"; unit = \"hours\"; },\n"
             "         { name = \"t.ping\"; aggregate = \"count\"; } );\n"
             "objectives = (\n"
             " { id = \"company\"; title = \"Be number one\"; owner = \"ceo\";\n"
             "   period = { start = \"%s\"; end = \"%s\"; }; },\n"
             " { id = \"marketing\"; title = \"Grow\"; parent = \"company\"; owner = \"mkt\";\n"
             "   period = { start = \"%s\"; end = \"%s\"; };\n"
             "   key_results = (\n"
             "    { id = \"signups\"; kpi = \"t.signups\"; type = \"increase\"; start = 0.0;\n"
             "      target = 100.0; },\n"
             "    { id = \"orders-up\"; kpi = \"t.orders\"; type = \"increase\";\n"
             "      change = \"+50%%\"; } ); },\n"
             " { id = \"service\"; title = \"Serve\"; parent = \"company\"; weight = 2.0;\n"
             "   owner = \"cs\"; period = { start = \"%s\"; end = \"%s\"; };\n"
             "   key_results = (\n"
             "    { id = \"resp\"; kpi = \"t.resp\"; type = \"at_most\"; target = 2.0;\n"
             "      scoring = \"days\"; },\n"
             "    { id = \"manual-kr\"; source = \"manual\"; type = \"increase\"; start = 0.0;\n"
             "      target = 10.0; checkin_every = \"7d\"; },\n"
             "    { id = \"launch\"; type = \"milestone\"; } ); },\n"
             " { id = \"ops\"; title = \"Stay up\"; owner = \"ops\";\n"
             "   period = { start = \"%s\"; end = \"%s\"; };\n"
             "   key_results = (\n"
             "    { id = \"fresh\"; kpi = \"t.ping\"; type = \"at_least\"; target = 1.0;\n"
             "      window = \"24h\"; checkin_every = \"7d\"; } ); } );\n",
             s, e, s, e, s, e, s, e);
    h_okrd_init(&g_o);
    h_okrd_write_config(&g_o, NULL, body);
    h_okrd_start(&g_o);

    h_pub_t *p = h_pub_open(g_o.ingest);
    uint64_t n = 0;
    /* signups: 3 a day for the first 15 days */
    for (int d = 0; d < 15; d++)
        for (int k = 0; k < 3; k++, n++)
            send_event(p, "t.signups", 1, g_start + d * DAY + 2 * HOUR + k * 600000);
    /* orders: 200 in the previous 30 days (the baseline), 150 in this period */
    send_event(p, "t.orders", 120, g_start - 25 * DAY);
    send_event(p, "t.orders", 80, g_start - 1);
    send_event(p, "t.orders", 100, g_start);
    send_event(p, "t.orders", 50, g_start + 14 * DAY);
    send_event(p, "t.orders", 1000, g_at); /* at `at`: does not count */
    n += 5;
    /* response time: days 0-9 average 1.5 h (ok), days 10-14 average 3 h */
    for (int d = 0; d < 15; d++, n += 2) {
        double v = d < 10 ? 1.5 : 3.0;
        send_event(p, "t.resp", v - 0.5, g_start + d * DAY + 9 * HOUR);
        send_event(p, "t.resp", v + 0.5, g_start + d * DAY + 15 * HOUR);
    }
    send_event(p, "t.ping", 1, g_at - 2 * DAY); /* outside fresh's 24h window */
    n++;
    h_pub_close(&p);
    h_wait_received(g_o.query, n);

    checkin("kr:s value:d ts:i", "manual-kr", 4.0, g_start + 3 * DAY);
    checkin("kr:s value:d ts:i confidence:i note:s author:s", "manual-kr", 6.0, g_start + 10 * DAY,
            (int64_t)7, "halfway there", "ana");
    checkin("kr:s done:b ts:i", "launch", 1, g_start + 12 * DAY);
    return 0;
}

/* h_req has no bool: check-ins with done are packed here. */
static void checkin(const char *spec, ...)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    uint32_t n = 1;
    for (char *c = buf; *c; c++)
        n += *c == ':';
    msgpack_pack_map(&pk, n);
    wire_pack_str(&pk, "op");
    wire_pack_str(&pk, "checkin");
    va_list ap;
    va_start(ap, spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        wire_pack_str(&pk, tok);
        switch (colon[1]) {
        case 's':
            wire_pack_str(&pk, va_arg(ap, const char *));
            break;
        case 'd':
            msgpack_pack_double(&pk, va_arg(ap, double));
            break;
        case 'i':
            msgpack_pack_int64(&pk, va_arg(ap, int64_t));
            break;
        case 'b':
            if (va_arg(ap, int))
                msgpack_pack_true(&pk);
            else
                msgpack_pack_false(&pk);
            break;
        }
    }
    va_end(ap);
    h_reply_t rep;
    assert_true(h_call_raw(g_o.query, sb.data, sb.size, 1, 15000, &rep));
    if (!h_ok(&rep)) {
        char msg[256];
        fail_msg("checkin failed: %s", h_str(&rep, "message", msg, sizeof msg));
    }
    h_reply_free(&rep);
    msgpack_sbuffer_destroy(&sb);
}

static int teardown(void **state)
{
    (void)state;
    h_okrd_cleanup(&g_o);
    return 0;
}

/* The numbers, worked out by hand at at = start + 15 days:
 *   signups: 45 of 100 -> 0.45; expected 15/30 = 0.5; 0.45 >= 0.9 * 0.5 -> on_track.
 *            daily cumulative 3, 6, ..., 45 -> line y = 3x -> 90 at day 30: forecast 0.9;
 *            reaches 100 at x = 33.3 -> eta = start + 34 days.
 *   orders-up: baseline 200 -> target 300; current 150 -> attainment -0.5, progress 0:
 *            0 < 0.6 * 0.5 -> off_track.
 *   resp:    10 of 15 days at most 2 h -> 2/3 (at_risk? 0.667 >= 0.45 -> on_track).
 *   manual-kr: latest check-in 6 -> 0.6, on_track; stale: last check-in 5 days ago < 7d.
 *   launch:  done -> 1, status done.
 *   marketing = (0.45 + 0) / 2 = 0.225; service = (2/3 + 0.6 + 1) / 3;
 *   company (no KRs) = (1 * marketing + 2 * service) / 3. */
#define P_MKT  0.225
#define P_SVC  ((2.0 / 3.0 + 0.6 + 1.0) / 3.0)
#define P_COMP ((P_MKT + 2 * P_SVC) / 3.0)

static void check_kr(const char *id, double progress, const char *status)
{
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", id, g_at);
    assert_true(h_ok(&rep));
    char st[32];
    assert_near(h_num(&rep, "progress"), progress, id);
    assert_string_equal(h_str(&rep, "status", st, sizeof st), status);
    assert_near(h_num(&rep, "expected"), 0.5, "expected");
    h_reply_free(&rep);
}

static void test_key_results(void **state)
{
    (void)state;
    check_kr("signups", 0.45, "on_track");
    check_kr("orders-up", 0.0, "off_track");
    check_kr("resp", 2.0 / 3.0, "on_track");
    check_kr("manual-kr", 0.6, "on_track");
    check_kr("launch", 1.0, "done");

    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "signups", g_at);
    assert_near(h_num(&rep, "current"), 45, "signups current");
    assert_near(h_num(&rep, "forecast"), 0.9, "signups forecast");
    assert_int_equal(h_int(&rep, "eta"), g_start + 34 * DAY);
    char unit[32];
    assert_string_equal(h_str(&rep, "unit", unit, sizeof unit), "members");
    h_reply_free(&rep);

    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "orders-up", g_at);
    assert_near(h_num(&rep, "start"), 200, "baseline");
    assert_near(h_num(&rep, "target"), 300, "target");
    assert_near(h_num(&rep, "current"), 150, "orders current");
    assert_near(h_num(&rep, "attainment"), -0.5, "attainment");
    h_reply_free(&rep);

    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "manual-kr", g_at);
    assert_false(h_get(&rep, "stale")->via.boolean);
    assert_int_equal(h_int(&rep, "confidence"), 7);
    const msgpack_object *ck = h_get(&rep, "checkins");
    assert_int_equal(ck->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(ck->via.array.size, 2);
    char note[64];
    assert_int_equal(wire_str_copy(wire_map_get(&ck->via.array.ptr[1], "note"), note, sizeof note),
                     0);
    assert_string_equal(note, "halfway there");
    h_reply_free(&rep);

    /* A KPI-backed KR is stale by its KPI's latest event, whatever its own
     * window: 2 days ago is fresh for a 7d cadence, 9 days ago is not. */
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "fresh", g_at);
    assert_false(h_get(&rep, "stale")->via.boolean);
    assert_near(h_num(&rep, "current"), 0, "fresh current (24h window)");
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "fresh", g_at + 7 * DAY);
    assert_true(h_get(&rep, "stale")->via.boolean);
    h_reply_free(&rep);

    /* Eight days after the last check-in, a 7d cadence is stale. */
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "manual-kr", g_start + 18 * DAY + HOUR);
    assert_true(h_get(&rep, "stale")->via.boolean);
    h_reply_free(&rep);
}

static const msgpack_object *find_node(const msgpack_object *arr, const char *id)
{
    for (uint32_t i = 0; arr && i < arr->via.array.size; i++) {
        const msgpack_object *n = &arr->via.array.ptr[i];
        if (wire_str_eq(wire_map_get(n, "id"), id))
            return n;
        const msgpack_object *c = find_node(wire_map_get(n, "children"), id);
        if (c)
            return c;
    }
    return NULL;
}

static double node_progress(const msgpack_object *n)
{
    double v = -1;
    assert_non_null(n);
    assert_true(wire_number(wire_map_get(n, "progress"), &v));
    return v;
}

static void test_tree(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s at:i", "okr.tree", g_at);
    assert_true(h_ok(&rep));
    const msgpack_object *roots = h_get(&rep, "objectives");
    assert_int_equal(roots->via.array.size, 2); /* company (the others nest under it), ops */
    assert_near(node_progress(find_node(roots, "company")), P_COMP, "company");
    assert_near(node_progress(find_node(roots, "marketing")), P_MKT, "marketing");
    assert_near(node_progress(find_node(roots, "service")), P_SVC, "service");
    h_reply_free(&rep);

    /* Filtered by owner: service alone, as a root. */
    h_call(g_o.query, &rep, "op:s owner:s at:i", "okr.tree", "cs", g_at);
    roots = h_get(&rep, "objectives");
    assert_int_equal(roots->via.array.size, 1);
    assert_true(wire_str_eq(wire_map_get(&roots->via.array.ptr[0], "id"), "service"));
    h_reply_free(&rep);

    h_call(g_o.query, &rep, "op:s id:s at:i", "objective.get", "marketing", g_at);
    assert_true(h_ok(&rep));
    assert_near(h_num(&rep, "progress"), P_MKT, "objective.get");
    assert_int_equal(h_get(&rep, "key_results")->via.array.size, 2);
    h_reply_free(&rep);

    /* After the period: grades and achieved/missed. */
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "launch", g_start + 31 * DAY);
    char st[32];
    assert_string_equal(h_str(&rep, "status", st, sizeof st), "achieved");
    assert_near(h_num(&rep, "grade"), 1.0, "grade");
    h_reply_free(&rep);

    /* Before anything happened: at the period's start nothing counts. */
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "signups", g_start);
    assert_near(h_num(&rep, "progress"), 0, "progress at start");
    assert_string_equal(h_str(&rep, "status", st, sizeof st), "on_track");
    h_reply_free(&rep);
}

static void test_errors(void **state)
{
    (void)state;
    h_reply_t rep;
    char code[32];
    h_call(g_o.query, &rep, "op:s id:s", "kr.get", "nope");
    assert_string_equal(h_str(&rep, "error", code, sizeof code), "not_found");
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s kr:s value:d", "checkin", "launch", 1.0);
    assert_string_equal(h_str(&rep, "error", code, sizeof code), "bad_request");
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s kr:s", "checkin", "manual-kr");
    assert_string_equal(h_str(&rep, "error", code, sizeof code), "bad_request");
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s period:s", "okr.tree", "2026-Q5");
    assert_string_equal(h_str(&rep, "error", code, sizeof code), "bad_request");
    h_reply_free(&rep);
}

static void test_restart_keeps_checkins(void **state)
{
    (void)state;
    assert_int_equal(h_okrd_stop(&g_o, SIGTERM), 0);
    h_okrd_start(&g_o);
    check_kr("manual-kr", 0.6, "on_track");
    check_kr("launch", 1.0, "done");
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s", "stats");
    assert_int_equal(h_int(&rep, "objectives"), 4);
    h_reply_free(&rep);
}

static void test_okrctl_status(void **state)
{
    (void)state;
    char at[32], out[16384];
    snprintf(at, sizeof at, "%lld", (long long)g_at);
    const char *const human[] = {OKRCTL_BIN, "-e", g_o.query, "status", "--at", at, NULL};
    assert_int_equal(h_run(human, out, sizeof out), 0);
    /* The cascade: company first, marketing and service indented under it. */
    char *company = strstr(out, "company"), *mkt = strstr(out, "marketing");
    char *svc = strstr(out, "service"), *signups = strstr(out, "signups");
    if (!company || !mkt || !svc || !signups)
        fail_msg("okrctl status output lacks the tree:\n%s", out);
    assert_true(company < mkt && mkt < signups && signups < svc);
    assert_non_null(strstr(out, "45%")); /* signups */
    assert_null(strstr(out, "\033["));   /* no colour when piped */

    const char *const json[] = {OKRCTL_BIN, "-e", g_o.query, "--json", "status", "--at", at, NULL};
    assert_int_equal(h_run(json, out, sizeof out), 0);
    char *p = strstr(out, "\"id\":\"company\"");
    assert_non_null(p);
    p = strstr(p, "\"progress\":");
    assert_non_null(p);
    assert_near(strtod(p + 11, NULL), P_COMP, "okrctl --json company progress");
}

/* A start-up failure after the sockets were made exits 3, never hangs. */
static void test_startup_failure_exits(void **state)
{
    (void)state;
    h_okrd_t o;
    h_okrd_init(&o);
    FILE *f = fopen(o.conf, "w");
    assert_non_null(f);
    fprintf(f,
            "daemon = { state_dir = \"%s\"; };\n"
            "ingest = { bind = [ \"%s\" ]; };\n"
            /* the same TCP port twice: the second bind fails, whatever the port */
            "query = { bind = [ \"%s\", \"tcp://127.0.0.1:47991\",\n"
            "                   \"tcp://127.0.0.1:47991\" ]; };\n",
            o.state, o.ingest, o.query);
    fclose(f);
    char out[4096];
    const char *const argv[] = {OKRD_BIN, "-c", o.conf, NULL};
    assert_int_equal(h_run_timeout(argv, out, sizeof out, 10000), 3);
    assert_non_null(strstr(out, "cannot bind the query socket"));
    h_okrd_cleanup(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_results),   cmocka_unit_test(test_tree),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_restart_keeps_checkins),
        cmocka_unit_test(test_okrctl_status), cmocka_unit_test(test_startup_failure_exits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
