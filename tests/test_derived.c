/*
 * test_derived.c - filtered and derived KPIs on the real okrd: survey scores
 * become promoters and detractors by `where`, eNPS is a formula over them
 * with thresholds, conversion is a ratio of two sources, a tag filter
 * counts one channel; every value is checked against the same arithmetic
 * done here on the events sent.
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

#include "harness.h"
#include "wire.h"

#define HOUR INT64_C(3600000)

static h_okrd_t g_o;
static int64_t g_at;
static int g_prom, g_det, g_n, g_mql, g_sql, g_email;
static double g_email_sum;

static void send_ev(h_pub_t *p, const char *topic, double v, int64_t ts, const char *channel)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, channel ? 3 : 2);
    wire_pack_str(&pk, "value");
    msgpack_pack_double(&pk, v);
    wire_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    if (channel) {
        wire_pack_str(&pk, "tags");
        msgpack_pack_map(&pk, 1);
        wire_pack_str(&pk, "channel");
        wire_pack_str(&pk, channel);
    }
    h_pub_send(p, topic, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void send_keyed(h_pub_t *p, const char *topic, const char *key, int64_t ts)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    wire_pack_str(&pk, "key");
    wire_pack_str(&pk, key);
    wire_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    h_pub_send(p, topic, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static int setup(void **state)
{
    (void)state;
    int64_t now = h_now_ms();
    g_at = now - now % HOUR;
    h_okrd_init(&g_o);
    /* a chain of 20 derived KPIs, each referencing the one before four
     * times: evaluated once each, not 4^20 times */
    static char chain[8192];
    size_t off = 0;
    for (int i = 1; i <= 20; i++) {
        char prev[16];
        snprintf(prev, sizeof prev, i == 1 ? "web.visit" : "c%d", i - 1);
        off += (size_t)snprintf(chain + off, sizeof chain - off,
                                "  { name = \"c%d\"; formula = \"(count(%s) + count(%s) + "
                                "count(%s) + count(%s)) / 4\"; },\n",
                                i, prev, prev, prev, prev);
    }
    static char body[16384];
    snprintf(body, sizeof body,
             "kpis = (\n"
             "  { name = \"survey.enps\"; aggregate = \"count\"; },\n"
             "  { name = \"survey.promoters\"; source = \"survey.enps\"; where = \"value >= 9\";\n"
             "    aggregate = \"count\"; },\n"
             "  { name = \"survey.detractors\"; source = \"survey.enps\"; where = \"value <= 6\";\n"
             "    aggregate = \"count\"; },\n"
             "  { name = \"hr.enps\"; unit = \"points\";\n"
             "    formula = \"100 * (count(survey.promoters) - count(survey.detractors)) / "
             "count(survey.enps)\";\n"
             "    thresholds = { direction = \"higher\"; green = 30.0; amber = 10.0; }; },\n"
             "  { name = \"marketing.mql\"; aggregate = \"count\"; },\n"
             "  { name = \"marketing.sql\"; aggregate = \"count\"; },\n"
             "  { name = \"marketing.conversion\"; unit = \"%%\";\n"
             "    formula = \"100 * count(marketing.sql) / count(marketing.mql)\"; },\n"
             "  { name = \"sales.email\"; source = \"sales.order\";\n"
             "    where = \"tags.channel == \\\"email\\\" and value > 0\"; },\n"
             "  { name = \"sales.order\"; },\n"
             "  { name = \"web.visit\"; aggregate = \"count\"; },\n"
             "  { name = \"web.unique\"; source = \"web.visit\"; distinct = true;\n"
             "    aggregate = \"distinct\"; },\n"
             "  { name = \"hr.tth\"; quantiles = true; aggregate = \"p50\"; },\n"
             "%s"
             "  { name = \"last\"; formula = \"count(c20)\"; }\n"
             ");\n"
             "objectives = ( { id = \"funnel\"; period = { start = \"2020-01-01\"; end = "
             "\"2099-12-31\"; };\n"
             "  key_results = ( { id = \"conv\"; kpi = \"marketing.conversion\"; type = "
             "\"at_least\";\n"
             "    target = 25.0; window = \"24h\"; },\n"
             "    { id = \"enps-up\"; kpi = \"hr.enps\"; type = \"increase\"; start = 0.0;\n"
             "      target = 50.0; window = \"24h\"; checkin_every = \"1d\"; },\n"
             "    { id = \"users\"; kpi = \"web.unique\"; type = \"increase\"; start = 0.0;\n"
             "      target = 240.0; } ); } );\n",
             chain);
    h_okrd_write_config(&g_o, NULL, body);
    h_okrd_start(&g_o);

    h_pub_t *p = h_pub_open(g_o.ingest);
    int sent = 0;
    /* 40 survey answers over the last 10 hours: scores 0..10 cycling */
    for (int i = 0; i < 40; i++, sent++) {
        int score = (i * 7) % 11;
        send_ev(p, "survey.enps", score, g_at - 10 * HOUR + i * 900000, NULL);
        g_n++;
        g_prom += score >= 9;
        g_det += score <= 6;
    }
    /* 30 MQLs, 9 SQLs */
    for (int i = 0; i < 30; i++, sent++, g_mql++)
        send_ev(p, "marketing.mql", 1, g_at - 5 * HOUR + i * 60000, NULL);
    for (int i = 0; i < 9; i++, sent++, g_sql++)
        send_ev(p, "marketing.sql", 1, g_at - 4 * HOUR + i * 60000, NULL);
    /* orders by channel; a negative (refund) email order is filtered out */
    static const char *const ch[] = {"email", "web", "email", "store"};
    for (int i = 0; i < 20; i++, sent++) {
        double v = 10.0 + i;
        if (i == 6)
            v = -5;
        send_ev(p, "sales.order", v, g_at - 3 * HOUR + i * 60000, ch[i % 4]);
        if (strcmp(ch[i % 4], "email") == 0 && v > 0) {
            g_email++;
            g_email_sum += v;
        }
    }
    /* 300 visits by 120 users; times to hire 1..101 days */
    for (int i = 0; i < 300; i++, sent++) {
        char key[32];
        snprintf(key, sizeof key, "user-%d", (i * 7) % 120);
        send_keyed(p, "web.visit", key, g_at - 2 * HOUR + i * 1000);
    }
    for (int i = 0; i < 101; i++, sent++)
        send_ev(p, "hr.tth", (double)((i * 37) % 101 + 1), g_at - 6 * HOUR + i * 60000, NULL);
    h_pub_close(&p);
    h_wait_received(g_o.query, (uint64_t)sent);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_okrd_cleanup(&g_o);
    return 0;
}

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9 * fmax(1, fabs(want)))
        fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

static void test_filters(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "survey.promoters", "24h",
           g_at);
    assert_int_equal(h_int(&rep, "count"), g_prom);
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "survey.detractors", "24h",
           g_at);
    assert_int_equal(h_int(&rep, "count"), g_det);
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "sales.email", "24h", g_at);
    assert_int_equal(h_int(&rep, "count"), g_email);
    near(h_num(&rep, "value"), g_email_sum, "email orders");
    h_reply_free(&rep);
    /* the unfiltered KPI of the same source sees every order */
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "sales.order", "24h", g_at);
    assert_int_equal(h_int(&rep, "count"), 20);
    h_reply_free(&rep);
}

static void test_formulas(void **state)
{
    (void)state;
    h_reply_t rep;
    char buf[32];
    double enps = 100.0 * (g_prom - g_det) / g_n;
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "hr.enps", "24h", g_at);
    assert_true(h_ok(&rep));
    near(h_num(&rep, "value"), enps, "eNPS");
    /* the window before had no answers: previous is nil (0 / 0) */
    assert_true(h_is_nil(&rep, "previous"));
    const char *want = enps >= 30 ? "green" : enps >= 10 ? "amber" : "red";
    assert_string_equal(h_str(&rep, "status", buf, sizeof buf), want);
    h_reply_free(&rep);

    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "marketing.conversion", "24h",
           g_at);
    near(h_num(&rep, "value"), 100.0 * g_sql / g_mql, "conversion");
    h_reply_free(&rep);

    /* a window with MQLs but no SQLs yet: 0 %; one with neither: nil */
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "marketing.conversion", "1h",
           g_at - 4 * HOUR);
    near(h_num(&rep, "value"), 0, "conversion before any SQL");
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "marketing.conversion", "1h",
           g_at - 20 * HOUR);
    assert_true(h_is_nil(&rep, "value"));
    h_reply_free(&rep);

    /* a series of a derived KPI: per-hour eNPS */
    h_call(g_o.query, &rep, "op:s name:s from:i to:i step:s at:i", "kpi.series", "hr.enps",
           g_at - 10 * HOUR, g_at, "1h", g_at);
    const msgpack_object *pts = h_get(&rep, "points");
    assert_int_equal(pts->via.array.size, 10);
    for (int hr = 0; hr < 10; hr++) {
        int p = 0, d = 0, n = 0;
        for (int i = 0; i < 40; i++) {
            if (i / 4 != hr)
                continue; /* 4 answers an hour */
            int score = (i * 7) % 11;
            n++;
            p += score >= 9;
            d += score <= 6;
        }
        double v;
        assert_true(wire_number(&pts->via.array.ptr[hr].via.array.ptr[1], &v));
        near(v, 100.0 * (p - d) / n, "hourly eNPS");
    }
    h_reply_free(&rep);

    /* an aggregate does not apply to a derived KPI */
    h_call(g_o.query, &rep, "op:s name:s aggregate:s", "kpi.get", "hr.enps", "sum");
    assert_false(h_ok(&rep));
    h_reply_free(&rep);
}

/* Deep and repetitive formulas: the value is the count all the way down. */
static void test_chain(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "last", "24h", g_at);
    assert_true(h_ok(&rep));
    near(h_num(&rep, "value"), 300, "count(c20)");
    h_reply_free(&rep);
}

static void test_list(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s", "kpi.list");
    const msgpack_object *kpis = h_get(&rep, "kpis");
    int derived = 0;
    for (uint32_t i = 0; i < kpis->via.array.size; i++) {
        const msgpack_object *k = &kpis->via.array.ptr[i];
        const msgpack_object *d = wire_map_get(k, "derived");
        assert_non_null(d);
        if (d->via.boolean) {
            derived++;
            assert_int_equal(wire_map_get(k, "source")->type, MSGPACK_OBJECT_NIL);
        }
        if (wire_str_eq(wire_map_get(k, "name"), "survey.promoters"))
            assert_true(wire_str_eq(wire_map_get(k, "where"), "value >= 9"));
    }
    assert_int_equal(derived, 23); /* hr.enps, conversion, c1..c20, last */
    h_reply_free(&rep);
}

/* Key results read derived KPIs like any other. */
static void test_key_results(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "conv", g_at);
    assert_true(h_ok(&rep));
    near(h_num(&rep, "current"), 100.0 * g_sql / g_mql, "conv current");
    near(h_num(&rep, "progress"), 100.0 * g_sql / g_mql >= 25 ? 1 : 0, "conv progress");
    h_reply_free(&rep);
    double enps = 100.0 * (g_prom - g_det) / g_n;
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "enps-up", g_at);
    near(h_num(&rep, "current"), enps, "enps current");
    near(h_num(&rep, "attainment"), enps / 50.0, "enps attainment");
    /* fresh: its formula's KPIs had answers within the day */
    assert_false(h_get(&rep, "stale")->via.boolean);
    assert_true(h_is_nil(&rep, "aggregate"));
    h_reply_free(&rep);
    /* a distinct count as a key result: 120 users of 240 */
    h_call(g_o.query, &rep, "op:s id:s at:i", "kr.get", "users", g_at);
    near(h_num(&rep, "current"), 120, "users current");
    near(h_num(&rep, "progress"), 0.5, "users progress");
    char agg[16];
    assert_string_equal(h_str(&rep, "aggregate", agg, sizeof agg), "distinct");
    h_reply_free(&rep);
}

/* Distinct counts are exact below 512 keys; quantiles within 1 %, through
 * a restart (the sketches are stored with the buckets). */
static void check_sketches(void)
{
    h_reply_t rep;
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "web.unique", "24h", g_at);
    assert_true(h_ok(&rep));
    near(h_num(&rep, "value"), 120, "unique users");
    near(h_num(&rep, "distinct"), 120, "distinct field");
    assert_int_equal(h_int(&rep, "count"), 300);
    h_reply_free(&rep);
    /* 1h windows tile from minute buckets: their sketches merge too */
    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "web.unique", "1h",
           g_at - HOUR);
    near(h_num(&rep, "value"), 120, "unique users, first hour");
    h_reply_free(&rep);

    h_call(g_o.query, &rep, "op:s name:s window:s at:i", "kpi.get", "hr.tth", "24h", g_at);
    /* values 1..101: the q-quantile is the value at rank floor(q * 100) */
    static const struct {
        const char *field;
        double want;
    } q[] = {{"value", 51}, {"quantiles.p50", 51}, {"quantiles.p90", 91}, {"quantiles.p99", 100}};
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        double got = h_num(&rep, q[i].field);
        if (fabs(got - q[i].want) > 0.01 * q[i].want)
            fail_msg("%s: %g, expected %g within 1%%", q[i].field, got, q[i].want);
    }
    h_reply_free(&rep);
    h_call(g_o.query, &rep, "op:s name:s window:s at:i aggregate:s", "kpi.get", "hr.tth", "24h",
           g_at, "p90");
    if (fabs(h_num(&rep, "value") - 91) > 0.91)
        fail_msg("p90 as the aggregate: %g", h_num(&rep, "value"));
    h_reply_free(&rep);
}

static void test_sketches(void **state)
{
    (void)state;
    check_sketches();
    assert_int_equal(h_okrd_stop(&g_o, SIGTERM), 0);
    h_okrd_start(&g_o);
    check_sketches();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),     cmocka_unit_test(test_formulas),
        cmocka_unit_test(test_list),        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_key_results), cmocka_unit_test(test_sketches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
