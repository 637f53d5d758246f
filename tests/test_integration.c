/*
 * test_integration.c - the real okrd, end to end: a temporary state
 * directory, ipc:// endpoints, events over a real XPUB, queries over a real
 * REQ socket, a real LMDB.  Every number checked here is computed in this
 * file from the list of events sent, independently of okrd's code.
 *
 * Synchronisation is never a sleep: h_wait_received() waits until okrd's
 * stats.received (published at each commit) reaches the number sent on one
 * connection, in order, so everything before it was processed and committed.
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "harness.h"
#include "wire.h"

#define MIN_MS  INT64_C(60000)
#define HOUR_MS INT64_C(3600000)
#define DAY_MS  INT64_C(86400000)

/* Default retention (SPEC section 5). */
#define RET_MINUTE (48 * HOUR_MS)
#define RET_HOUR   (90 * DAY_MS)

/* ---- small helpers -------------------------------------------------------- */

static int64_t floor_to(int64_t t, int64_t unit)
{
    return t - (((t % unit) + unit) % unit);
}

static int64_t ceil_to(int64_t t, int64_t unit)
{
    int64_t f = floor_to(t, unit);
    return f == t ? t : f + unit;
}

/* okrd's rounding of a bound, computed here from the SPEC: up to the minute
 * where minute buckets are kept, else to the hour, else to the day (UTC). */
static int64_t xround(int64_t t, int64_t now)
{
    if (t >= now - RET_MINUTE)
        return ceil_to(t, MIN_MS);
    if (t >= now - RET_HOUR)
        return ceil_to(t, HOUR_MS);
    return ceil_to(t, DAY_MS);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Start of the calendar month / quarter / year containing t, moved by add
 * periods (UTC). */
enum { P_MONTH, P_QUARTER, P_YEAR };
static int64_t period_start(int64_t t, int unit, int add)
{
    time_t s = (time_t)(floor_to(t, 1000) / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (unit == P_MONTH)
        tm.tm_mon += add;
    else if (unit == P_QUARTER)
        tm.tm_mon = tm.tm_mon / 3 * 3 + 3 * add;
    else {
        tm.tm_mon = 0;
        tm.tm_year += add;
    }
    return (int64_t)timegm(&tm) * 1000;
}

static void day_string(int64_t t, char *buf, size_t len)
{
    time_t s = (time_t)(floor_to(t, 1000) / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static uint64_t g_rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static bool near(double got, double want)
{
    return fabs(got - want) <= 1e-9 * fmax(1.0, fmax(fabs(got), fabs(want)));
}

/* A numeric field: nil when !has, else within 1e-9 (relative) of want. */
static void check_num(const h_reply_t *r, const char *field, bool has, double want, const char *ctx)
{
    const msgpack_object *o = h_get(r, field);
    double got = 0;
    if (!has) {
        if (o->type != MSGPACK_OBJECT_NIL) {
            wire_number(o, &got);
            fail_msg("%s: %s = %.17g, want nil", ctx, field, got);
        }
        return;
    }
    if (o->type == MSGPACK_OBJECT_NIL)
        fail_msg("%s: %s = nil, want %.17g", ctx, field, want);
    if (!wire_number(o, &got))
        fail_msg("%s: %s is not a number (type %d)", ctx, field, o->type);
    if (!near(got, want))
        fail_msg("%s: %s = %.17g, want %.17g", ctx, field, got, want);
}

static void check_int(const h_reply_t *r, const char *field, int64_t want, const char *ctx)
{
    int64_t got = h_int(r, field);
    if (got != want)
        fail_msg("%s: %s = %lld, want %lld", ctx, field, (long long)got, (long long)want);
}

static void check_strf(const h_reply_t *r, const char *field, const char *want, const char *ctx)
{
    char buf[256];
    h_str(r, field, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s: %s = '%s', want '%s'", ctx, field, buf, want);
}

/* Send a request packed in sb; fail when no reply comes. */
static void call_sb(const char *ep, const msgpack_sbuffer *sb, h_reply_t *rep, const char *what)
{
    if (!h_call_raw(ep, sb->data, sb->size, 1, 5000, rep))
        fail_msg("no reply to %s", what);
}

static void expect_ok(const h_reply_t *rep, const char *ctx)
{
    if (!h_ok(rep)) {
        char err[64] = "?", msg[512] = "?";
        const msgpack_object *e = rep->root ? wire_map_get(rep->root, "error") : NULL;
        const msgpack_object *m = rep->root ? wire_map_get(rep->root, "message") : NULL;
        wire_str_copy(e, err, sizeof err);
        wire_str_copy(m, msg, sizeof msg);
        fail_msg("%s: error reply %s: %s", ctx, err, msg);
    }
}

static void ping_ok(const char *ep, const char *after)
{
    h_reply_t rep;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    h_req(&sb, "op:s", "ping");
    bool got = h_call_raw(ep, sb.data, sb.size, 1, 5000, &rep);
    msgpack_sbuffer_destroy(&sb);
    if (!got)
        fail_msg("no reply to ping after %s", after);
    if (!h_ok(&rep))
        fail_msg("ping failed after %s", after);
    check_int(&rep, "protocol", 1, "ping");
    h_reply_free(&rep);
}

static void get_stats(const char *ep, h_reply_t *rep)
{
    h_call(ep, rep, "op:s", "stats");
    expect_ok(rep, "stats");
}

enum { R_MALFORMED, R_BAD_TOPIC, R_UNKNOWN_SOURCE, R_BAD_VALUE, R_BAD_TIME, R_DUPLICATE, R_N };
static const char *const reason_field[R_N] = {
    "rejected.malformed", "rejected.bad_topic", "rejected.unknown_source",
    "rejected.bad_value", "rejected.bad_time",  "rejected.duplicate",
};

/* Counters of what a test sent, to compare with stats. */
typedef struct tally {
    uint64_t received, applied, rej[R_N];
    double applied_sum; /* values of the applied events of the KPI under test */
} tally_t;

static void check_stats(const char *ep, const tally_t *t, const char *ctx)
{
    h_reply_t rep;
    get_stats(ep, &rep);
    char c[128];
    snprintf(c, sizeof c, "%s: stats", ctx);
    check_int(&rep, "received", (int64_t)t->received, c);
    check_int(&rep, "applied", (int64_t)t->applied, c);
    uint64_t total = (uint64_t)h_int(&rep, "applied");
    for (int i = 0; i < R_N; i++) {
        check_int(&rep, reason_field[i], (int64_t)t->rej[i], c);
        total += (uint64_t)h_int(&rep, reason_field[i]);
    }
    check_int(&rep, "received", (int64_t)total, "received == applied + sum(rejected)");
    h_reply_free(&rep);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* Fail, with okrd's first error line, when okrd has exited. */
static void check_alive(h_okrd_t *o, const char *when)
{
    int st = 0;
    if (o->pid <= 0 || waitpid(o->pid, &st, WNOHANG) != o->pid)
        return;
    o->pid = 0;
    char line[512] = "(nothing in the log)";
    FILE *f = fopen(o->log, "r");
    if (f != NULL) {
        char buf[512];
        bool found = false;
        while (!found && fgets(buf, sizeof buf, f) != NULL) {
            found = strstr(buf, "ERROR") != NULL || strstr(buf, "error") != NULL;
            snprintf(line, sizeof line, "%s", buf);
        }
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
    }
    fail_msg("okrd died after %s (%s %d); %s: %s", when, WIFEXITED(st) ? "exit" : "signal",
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), o->log, line);
}

/* h_wait_received, but fails at once, with the reason, if okrd dies. */
static void wait_received_alive(h_okrd_t *o, uint64_t n, const char *after)
{
    int64_t deadline = h_now_ms() + 10000;
    uint64_t seen = 0;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    h_req(&sb, "op:s", "stats");
    while (h_now_ms() < deadline) {
        check_alive(o, after);
        h_reply_t rep;
        if (h_call_raw(o->query, sb.data, sb.size, 1, 500, &rep) && h_ok(&rep))
            seen = (uint64_t)h_int(&rep, "received");
        h_reply_free(&rep);
        if (seen >= n) {
            msgpack_sbuffer_destroy(&sb);
            return;
        }
        usleep(10000);
    }
    msgpack_sbuffer_destroy(&sb);
    fail_msg("okrd received %llu events, expected %llu, within 10 s of %s",
             (unsigned long long)seen, (unsigned long long)n, after);
}

/* ---- events ---------------------------------------------------------------- */

enum { ENC_DOUBLE, ENC_INT, ENC_FLOAT32, ENC_DEFAULT };

typedef struct ev {
    int64_t ts;
    double v; /* 1 for ENC_DEFAULT (no value key) */
    int enc;
} ev_t;

/* Pack one event map: ts, value as enc says, and some extra fields by kind. */
static void pack_event(msgpack_packer *pk, const ev_t *e, int extra)
{
    uint32_t n = 1 + (e->enc != ENC_DEFAULT) + (extra % 4 != 0);
    if (extra % 4 == 3)
        n++; /* source_id and an unknown key */
    msgpack_pack_map(pk, n);
    wire_pack_str(pk, "ts");
    msgpack_pack_int64(pk, e->ts);
    if (e->enc != ENC_DEFAULT) {
        wire_pack_str(pk, "value");
        if (e->enc == ENC_INT)
            msgpack_pack_int64(pk, (int64_t)e->v);
        else if (e->enc == ENC_FLOAT32)
            msgpack_pack_float(pk, (float)e->v);
        else
            msgpack_pack_double(pk, e->v);
    }
    switch (extra % 4) {
    case 1:
        wire_pack_str(pk, "tags");
        msgpack_pack_map(pk, 2);
        wire_pack_str(pk, "team");
        wire_pack_str(pk, "a");
        wire_pack_str(pk, "channel");
        wire_pack_str(pk, "web");
        break;
    case 2:
        wire_pack_str(pk, "key");
        wire_pack_str(pk, "customer-42");
        break;
    case 3:
        wire_pack_str(pk, "source_id");
        wire_pack_str(pk, "gen-1"); /* no seq: no de-duplication */
        wire_pack_str(pk, "future_field");
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        wire_pack_str(pk, "x");
        break;
    default:
        break;
    }
}

/* ---- group A: one daemon with a known data set ------------------------------ */

#define MAX_EV 512

static h_okrd_t g_a;
static ev_t g_ev[MAX_EV];
static size_t g_nev;
static int64_t g_at; /* (now floored to the hour) - 1 h: every bound is aligned */
static uint64_t g_sent;
static const int64_t g_recv_vals[3] = {2, 3, 4}; /* events without ts */

static const char A_KPIS[] = "kpis = (\n"
                             "  { name = \"t.val\"; unit = \"EUR\"; aggregate = \"sum\"; },\n"
                             "  { name = \"t.avg\"; source = \"t.val\"; aggregate = \"avg\"; }\n"
                             ");\n";

static bool ts_used(int64_t ts)
{
    for (size_t i = 0; i < g_nev; i++)
        if (g_ev[i].ts == ts)
            return true;
    return false;
}

/* Add an event; a random one (bump) moves down 1 ms until its ts is unique,
 * so that "last" is never a tie. */
static void add_ev(int64_t ts, double v, int enc, bool bump)
{
    assert_true(g_nev < MAX_EV);
    while (ts_used(ts)) {
        if (!bump)
            fail_msg("two fixed events at %lld", (long long)ts);
        ts--;
    }
    g_ev[g_nev++] = (ev_t){ts, enc == ENC_DEFAULT ? 1.0 : v, enc};
}

static void build_dataset(void)
{
    const int64_t at = g_at;
    g_nev = 0;
    /* Fixed events at the edges of the windows checked. */
    add_ev(at - 5 * MIN_MS, 11.5, ENC_DOUBLE, false);               /* counts in 5m */
    add_ev(at - 5 * MIN_MS - 1, 5000, ENC_INT, false);              /* just before 5m */
    add_ev(at, 1000, ENC_INT, false);                               /* at: never counts */
    add_ev(at - 1, -7.25, ENC_DOUBLE, false);                       /* the last ms */
    add_ev(at - 3 * HOUR_MS - 17 * MIN_MS, 2.5, ENC_DOUBLE, false); /* explicit from */
    add_ev(at - 3 * HOUR_MS - 17 * MIN_MS - 1, 300, ENC_INT, false);
    add_ev(at - HOUR_MS, 77, ENC_INT, false);                       /* explicit to; in 1h */
    add_ev(at - 5 * HOUR_MS - 34 * MIN_MS, 0.1, ENC_DOUBLE, false); /* previous explicit */
    add_ev(at - 24 * HOUR_MS, -3, ENC_INT, false);
    add_ev(at - 24 * HOUR_MS - 1, 9, ENC_DOUBLE, false);
    add_ev(at - 5 * DAY_MS - 3 * HOUR_MS, 42, ENC_DOUBLE, false);
    add_ev(at - 7 * DAY_MS, 6, ENC_DOUBLE, false);
    add_ev(at - 10 * DAY_MS - 5 * HOUR_MS, 19, ENC_DOUBLE, false);
    add_ev(at - 20 * DAY_MS, -13.5, ENC_DOUBLE, false);
    add_ev(at - 29 * DAY_MS - 23 * HOUR_MS, 8.75, ENC_FLOAT32, false);
    add_ev(at - 30 * DAY_MS - 1, 123, ENC_DOUBLE, false);
    add_ev(at - 45 * DAY_MS, 3.25, ENC_DOUBLE, false);
    /* Around at - 20 min (test_unaligned_at) and at - 3 d (beyond the
     * minute buckets: at is rounded to the hour there). */
    add_ev(at - 20 * MIN_MS, 55, ENC_INT, false);             /* at the rounded at */
    add_ev(at - 20 * MIN_MS - 1, 0.5, ENC_DOUBLE, false);     /* just before it */
    add_ev(at - 20 * MIN_MS - 3000, 4.75, ENC_DOUBLE, false); /* after the raw at */
    add_ev(at - 3 * DAY_MS, 99, ENC_INT, false);
    add_ev(at - 3 * DAY_MS - 10 * MIN_MS, 21, ENC_INT, false);
    add_ev(at - 3 * DAY_MS - 30 * MIN_MS, -2, ENC_INT, false);
    add_ev(at - 3 * DAY_MS - 70 * MIN_MS, 0.75, ENC_DOUBLE, false);
    /* At least one event in each of the last 6 hours (for the series). */
    for (int k = 1; k <= 6; k++)
        add_ev(at - k * HOUR_MS + 17 * MIN_MS + k * 1000, k * 1.25, ENC_DOUBLE, false);
    /* Irregular ones over the last 40 hours: negative and fractional. */
    for (int i = 0; i < 280; i++) {
        int64_t ts = at - 2 - (int64_t)(rnd() % (uint64_t)(40 * HOUR_MS - 2));
        double v = ((double)(int64_t)(rnd() % 40001) - 15000.0) / 64.0;
        int enc = ENC_DOUBLE;
        if (i % 9 == 4)
            v = ((double)(int64_t)(rnd() % 1000) - 300.0) * 0.001; /* inexact decimals */
        if (i % 7 == 0 && v == floor(v))
            enc = ENC_INT;
        else if (i % 11 == 0 && (double)(float)v == v)
            enc = ENC_FLOAT32;
        else if (i % 13 == 0)
            enc = ENC_DEFAULT;
        add_ev(ts, v, enc, true);
    }
}

/* Publish every event: batches of various sizes, single maps, and one-element
 * arrays; then three events without ts. */
static void publish_dataset(void)
{
    static const int sizes[] = {1, 3, -1, 17, 64, 1, 40, 100, 2, 29};
    h_pub_t *p = h_pub_open(g_a.ingest);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    size_t i = 0;
    int b = 0;
    while (i < g_nev) {
        int size = sizes[b % (int)(sizeof sizes / sizeof *sizes)];
        b++;
        msgpack_packer pk;
        msgpack_sbuffer_clear(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        if (size == 1) {
            pack_event(&pk, &g_ev[i], (int)i);
            i++;
        } else {
            size_t n = size < 0 ? 1 : (size_t)size;
            if (n > g_nev - i)
                n = g_nev - i;
            msgpack_pack_array(&pk, n);
            for (size_t k = 0; k < n; k++, i++)
                pack_event(&pk, &g_ev[i], (int)i);
        }
        h_pub_send(p, "t.val", sb.data, sb.size);
    }
    /* Missing ts: the time of receipt (now, after g_at: in no window at g_at). */
    msgpack_packer pk;
    msgpack_sbuffer_clear(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    for (int k = 0; k < 3; k++) {
        msgpack_pack_map(&pk, 1);
        wire_pack_str(&pk, "value");
        msgpack_pack_int64(&pk, g_recv_vals[k]);
    }
    h_pub_send(p, "t.val", sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    g_sent = g_nev + 3;
    h_wait_received(g_a.query, g_sent);
    h_pub_close(&p);
}

static int group_a_setup(void **state)
{
    (void)state;
    int64_t now = h_now_ms();
    g_at = floor_to(now, HOUR_MS) - HOUR_MS;
    h_okrd_init(&g_a);
    h_okrd_write_config(&g_a, NULL, A_KPIS);
    h_okrd_start(&g_a);
    build_dataset();
    publish_dataset();
    return 0;
}

static int group_a_teardown(void **state)
{
    (void)state;
    h_okrd_cleanup(&g_a);
    return 0;
}

/* The expected state of the data set over [from, to).  Every window
 * checked is already clipped at the (rounded) at of its query. */
typedef struct xs {
    uint64_t count;
    double sum, min, max, last, mean, sd;
    int64_t last_ts;
} xs_t;

static xs_t xstate(int64_t from, int64_t to)
{
    xs_t s = {0};
    s.last_ts = INT64_MIN;
    for (size_t i = 0; i < g_nev; i++) {
        const ev_t *e = &g_ev[i];
        if (e->ts < from || e->ts >= to)
            continue;
        if (s.count == 0 || e->v < s.min)
            s.min = e->v;
        if (s.count == 0 || e->v > s.max)
            s.max = e->v;
        if (e->ts > s.last_ts) {
            s.last_ts = e->ts;
            s.last = e->v;
        }
        s.count++;
        s.sum += e->v;
    }
    if (s.count > 0) {
        s.mean = s.sum / (double)s.count;
        double ss = 0;
        for (size_t i = 0; i < g_nev; i++) {
            const ev_t *e = &g_ev[i];
            if (e->ts >= from && e->ts < to)
                ss += (e->v - s.mean) * (e->v - s.mean);
        }
        s.sd = sqrt(ss / (double)s.count);
    }
    return s;
}

/* An aggregate of an expected state over a window of span ms (SPEC section 2
 * and the empty-window rule: count 0, sum 0, rate 0, the others nil). */
static bool xagg(const xs_t *s, const char *agg, int64_t span, double *out)
{
    if (strcmp(agg, "count") == 0) {
        *out = (double)s->count;
        return true;
    }
    if (strcmp(agg, "sum") == 0) {
        *out = s->sum;
        return true;
    }
    if (strcmp(agg, "rate") == 0) {
        *out = span > 0 ? s->sum / ((double)span / 1000.0) : 0.0;
        return true;
    }
    if (s->count == 0)
        return false;
    if (strcmp(agg, "avg") == 0)
        *out = s->mean;
    else if (strcmp(agg, "min") == 0)
        *out = s->min;
    else if (strcmp(agg, "max") == 0)
        *out = s->max;
    else if (strcmp(agg, "last") == 0)
        *out = s->last;
    else if (strcmp(agg, "stddev") == 0)
        *out = s->sd;
    else
        fail_msg("test bug: aggregate %s", agg);
    return true;
}

/* One kpi.get: the request and the bounds it must resolve to. */
typedef struct get {
    const char *kpi, *primary; /* name and its primary aggregate */
    const char *agg;           /* override, or NULL */
    const char *window;        /* string, or NULL for {from, to} */
    int64_t wfrom, wto;        /* the explicit window */
    int64_t ef, et, pf, pt;    /* expected effective current and previous bounds */
    /* Check the rate over a window of no length (a to-date window at the
     * first instant of its period, a period after `at`): only
     * test_empty_windows does, so that other tests do not fail at the few
     * times of day when one of their windows happens to be of no length. */
    bool strict0;
    int64_t at; /* the query's at; 0: g_at */
} get_t;

static void pack_get(msgpack_sbuffer *sb, const get_t *g, int64_t at)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4 + (g->agg != NULL));
    wire_pack_str(&pk, "op");
    wire_pack_str(&pk, "kpi.get");
    wire_pack_str(&pk, "name");
    wire_pack_str(&pk, g->kpi);
    wire_pack_str(&pk, "window");
    if (g->window != NULL) {
        wire_pack_str(&pk, g->window);
    } else {
        msgpack_pack_map(&pk, 2);
        wire_pack_str(&pk, "from");
        msgpack_pack_int64(&pk, g->wfrom);
        wire_pack_str(&pk, "to");
        msgpack_pack_int64(&pk, g->wto);
    }
    wire_pack_str(&pk, "at");
    msgpack_pack_int64(&pk, at);
    if (g->agg != NULL) {
        wire_pack_str(&pk, "aggregate");
        wire_pack_str(&pk, g->agg);
    }
}

/* Ask, and check every field against the data set. */
static void check_get(const get_t *g)
{
    char ctx[160];
    snprintf(ctx, sizeof ctx, "kpi.get %s window=%s aggregate=%s at=%lld", g->kpi,
             g->window ? g->window : "{from,to}", g->agg ? g->agg : g->primary,
             (long long)(g->at ? g->at : g_at));
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    pack_get(&sb, g, g->at ? g->at : g_at);
    h_reply_t rep;
    call_sb(g_a.query, &sb, &rep, ctx);
    msgpack_sbuffer_destroy(&sb);
    expect_ok(&rep, ctx);

    const char *agg = g->agg ? g->agg : g->primary;
    check_strf(&rep, "name", g->kpi, ctx);
    check_strf(&rep, "window", g->window ? g->window : "custom", ctx);
    check_strf(&rep, "aggregate", agg, ctx);
    check_int(&rep, "from", g->ef, ctx);
    check_int(&rep, "to", g->et, ctx);

    xs_t s = xstate(g->ef, g->et), p = xstate(g->pf, g->pt);
    int64_t span = g->et - g->ef, pspan = g->pt - g->pf;
    double x;
    check_int(&rep, "count", (int64_t)s.count, ctx);
    static const char *const fields[] = {"sum", "avg", "min", "max", "last", "stddev", "rate"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (span == 0 && !g->strict0 && strcmp(fields[i], "rate") == 0)
            continue; /* see g->strict0 */
        bool has = xagg(&s, fields[i], span, &x);
        check_num(&rep, fields[i], has, x, ctx);
    }
    double v = 0, pv = 0;
    bool hv = xagg(&s, agg, span, &v);
    bool hp = xagg(&p, agg, pspan, &pv);
    bool lax = !g->strict0 && strcmp(agg, "rate") == 0 && (span == 0 || pspan == 0);
    if (!lax) {
        check_num(&rep, "value", hv, v, ctx);
        check_num(&rep, "previous", hp, pv, ctx);
        bool hc = hv && hp && pv != 0;
        check_num(&rep, "change_pct", hc, hc ? (v - pv) / fabs(pv) * 100 : 0, ctx);
    }
    h_reply_free(&rep);
}

/* A rolling window of span at `at` (rounded like okrd: [at_r - N, at_r)). */
static get_t rolling_at(const char *kpi, const char *primary, const char *agg, const char *w,
                        int64_t span, int64_t at)
{
    int64_t now = h_now_ms(), at_r = xround(at, now);
    get_t g = {kpi, primary, agg, w, 0, 0, 0, 0, 0, 0};
    g.at = at;
    g.ef = xround(at_r - span, now);
    g.et = at_r;
    g.pf = xround(at_r - 2 * span, now);
    g.pt = g.ef;
    return g;
}

static get_t rolling(const char *kpi, const char *primary, const char *agg, const char *w,
                     int64_t span)
{
    return rolling_at(kpi, primary, agg, w, span, g_at);
}

static void clip(int64_t at_r, int64_t *from, int64_t *to)
{
    if (*to > at_r)
        *to = at_r;
    if (*from > *to)
        *from = *to;
}

static get_t explicit_win(const char *kpi, const char *primary, const char *agg, int64_t from,
                          int64_t to)
{
    int64_t now = h_now_ms();
    get_t g = {kpi, primary, agg, NULL, from, to, 0, 0, 0, 0};
    g.ef = xround(from, now);
    g.et = max64(xround(to, now), g.ef);
    g.pf = xround(from - (to - from), now);
    g.pt = max64(xround(from, now), g.pf);
    clip(g_at, &g.ef, &g.et);
    clip(g_at, &g.pf, &g.pt);
    return g;
}

/* A whole period [p0, p1) whose previous period starts at pp0. */
static get_t whole_period(const char *kpi, const char *primary, const char *w, int64_t p0,
                          int64_t p1, int64_t pp0)
{
    int64_t now = h_now_ms();
    get_t g = {kpi, primary, NULL, w, 0, 0, 0, 0, 0, 0};
    g.ef = xround(p0, now);
    g.et = max64(xround(p1, now), g.ef);
    g.pf = xround(pp0, now);
    g.pt = max64(xround(p0, now), g.pf);
    clip(g_at, &g.ef, &g.et);
    clip(g_at, &g.pf, &g.pt);
    return g;
}

/* A to-date window: [start, at) and the same elapsed span of the previous
 * period, clamped to that period's end. */
static get_t to_date(const char *kpi, const char *primary, const char *w, int64_t start,
                     int64_t prev_start)
{
    int64_t now = h_now_ms();
    get_t g = {kpi, primary, NULL, w, 0, 0, 0, 0, 0, 0};
    g.ef = xround(start, now);
    g.et = g_at;
    g.pf = xround(prev_start, now);
    g.pt = max64(xround(min64(prev_start + (g_at - start), start), now), g.pf);
    clip(g_at, &g.ef, &g.et);
    clip(g_at, &g.pf, &g.pt);
    return g;
}

static const struct {
    const char *w;
    int64_t span;
} ROLLING[] = {
    {"5m", 5 * MIN_MS}, {"1h", HOUR_MS},      {"24h", 24 * HOUR_MS},
    {"7d", 7 * DAY_MS}, {"30d", 30 * DAY_MS},
};

static void check_rolling_and_explicit(void)
{
    const int64_t ef = g_at - 3 * HOUR_MS - 17 * MIN_MS, et = g_at - HOUR_MS;
    for (size_t i = 0; i < sizeof ROLLING / sizeof *ROLLING; i++) {
        get_t g = rolling("t.val", "sum", NULL, ROLLING[i].w, ROLLING[i].span);
        check_get(&g);
        g = rolling("t.avg", "avg", NULL, ROLLING[i].w, ROLLING[i].span);
        check_get(&g);
    }
    get_t g = explicit_win("t.val", "sum", NULL, ef, et);
    check_get(&g);
    g = explicit_win("t.avg", "avg", NULL, ef, et);
    check_get(&g);

    /* The aggregate override, on a rolling and on the explicit window. */
    static const char *const aggs[] = {"count", "sum",  "avg",    "min",
                                       "max",   "last", "stddev", "rate"};
    for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++) {
        g = rolling("t.val", "sum", aggs[i], "24h", 24 * HOUR_MS);
        check_get(&g);
        g = explicit_win("t.val", "sum", aggs[i], ef, et);
        check_get(&g);
        g = rolling("t.avg", "avg", aggs[i], "7d", 7 * DAY_MS);
        check_get(&g);
    }
}

/* t.avg's value is t.val's avg over the same window. */
static void check_avg_is_avg(void)
{
    for (size_t i = 0; i < sizeof ROLLING / sizeof *ROLLING; i++) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        h_reply_t a, b;
        get_t g = rolling("t.val", "sum", NULL, ROLLING[i].w, ROLLING[i].span);
        pack_get(&sb, &g, g_at);
        call_sb(g_a.query, &sb, &a, "kpi.get t.val");
        g = rolling("t.avg", "avg", NULL, ROLLING[i].w, ROLLING[i].span);
        pack_get(&sb, &g, g_at);
        call_sb(g_a.query, &sb, &b, "kpi.get t.avg");
        msgpack_sbuffer_destroy(&sb);
        expect_ok(&a, "kpi.get t.val");
        expect_ok(&b, "kpi.get t.avg");
        if (h_is_nil(&a, "avg")) {
            assert_true(h_is_nil(&b, "value"));
        } else if (!near(h_num(&b, "value"), h_num(&a, "avg"))) {
            fail_msg("window %s: t.avg value %.17g != t.val avg %.17g", ROLLING[i].w,
                     h_num(&b, "value"), h_num(&a, "avg"));
        }
        h_reply_free(&a);
        h_reply_free(&b);
    }
}

static void check_periods(void)
{
    char day[16];
    const int64_t d = floor_to(g_at, DAY_MS); /* g_at's day */
    /* The whole day before g_at's day. */
    day_string(d - DAY_MS, day, sizeof day);
    get_t g = whole_period("t.val", "sum", day, d - DAY_MS, d, d - 2 * DAY_MS);
    check_get(&g);
    g.kpi = "t.avg";
    g.primary = "avg";
    check_get(&g);
    /* g_at's own day: clipped at g_at (the event at g_at does not count). */
    day_string(d, day, sizeof day);
    g = whole_period("t.val", "sum", day, d, d + DAY_MS, d - DAY_MS);
    check_get(&g);
    /* To date. */
    g = to_date("t.val", "sum", "today", d, d - DAY_MS);
    check_get(&g);
    g = to_date("t.val", "sum", "mtd", period_start(g_at, P_MONTH, 0),
                period_start(g_at, P_MONTH, -1));
    check_get(&g);
    g = to_date("t.val", "sum", "qtd", period_start(g_at, P_QUARTER, 0),
                period_start(g_at, P_QUARTER, -1));
    check_get(&g);
    g = to_date("t.val", "sum", "ytd", period_start(g_at, P_YEAR, 0),
                period_start(g_at, P_YEAR, -1));
    check_get(&g);
}

/* kpi.series of kpi from `from` (rounded up to the minute) to g_at. */
static void check_series(const char *kpi, const char *agg, int64_t from, int64_t step,
                         const char *sstep)
{
    char ctx[128];
    snprintf(ctx, sizeof ctx, "kpi.series %s step=%s aggregate=%s", kpi, sstep, agg);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7);
    wire_pack_str(&pk, "op");
    wire_pack_str(&pk, "kpi.series");
    wire_pack_str(&pk, "name");
    wire_pack_str(&pk, kpi);
    wire_pack_str(&pk, "from");
    msgpack_pack_int64(&pk, from);
    wire_pack_str(&pk, "to");
    msgpack_pack_int64(&pk, g_at);
    wire_pack_str(&pk, "step");
    wire_pack_str(&pk, sstep);
    wire_pack_str(&pk, "aggregate");
    wire_pack_str(&pk, agg);
    wire_pack_str(&pk, "at");
    msgpack_pack_int64(&pk, g_at);
    h_reply_t rep;
    call_sb(g_a.query, &sb, &rep, ctx);
    msgpack_sbuffer_destroy(&sb);
    expect_ok(&rep, ctx);

    int64_t start = ceil_to(from, MIN_MS);
    int64_t npoints = (g_at - start + step - 1) / step;
    const msgpack_object *pts = h_get(&rep, "points");
    assert_int_equal(pts->type, MSGPACK_OBJECT_ARRAY);
    if ((int64_t)pts->via.array.size != npoints)
        fail_msg("%s: %u points, want %lld", ctx, pts->via.array.size, (long long)npoints);
    for (int64_t i = 0; i < npoints; i++) {
        const msgpack_object *pt = &pts->via.array.ptr[i];
        assert_int_equal(pt->type, MSGPACK_OBJECT_ARRAY);
        assert_int_equal(pt->via.array.size, 2);
        int64_t s = start + i * step, e = min64(s + step, g_at), t = 0;
        if (!wire_int(&pt->via.array.ptr[0], &t) || t != s)
            fail_msg("%s: point %lld starts at %lld, want %lld", ctx, (long long)i, (long long)t,
                     (long long)s);
        xs_t xs = xstate(s, e);
        double want = 0, got = 0;
        bool has = xagg(&xs, agg, e - s, &want);
        const msgpack_object *v = &pt->via.array.ptr[1];
        if (!has) {
            if (v->type != MSGPACK_OBJECT_NIL)
                fail_msg("%s: point %lld has a value, want nil", ctx, (long long)i);
            continue;
        }
        if (!wire_number(v, &got) || !near(got, want))
            fail_msg("%s: point %lld [%lld] = %.17g (type %d), want %.17g", ctx, (long long)i,
                     (long long)s, got, v->type, want);
    }
    h_reply_free(&rep);
}

static void check_all_series(void)
{
    /* Precondition of the data set: no empty hour in the last 6. */
    for (int k = 1; k <= 6; k++)
        assert_true(xstate(g_at - k * HOUR_MS, g_at - (k - 1) * HOUR_MS).count > 0);
    check_series("t.val", "sum", g_at - 6 * HOUR_MS, HOUR_MS, "1h");
    check_series("t.avg", "avg", g_at - 6 * HOUR_MS, HOUR_MS, "1h");
    /* from 30 s before an hour: rounded up to that hour. */
    check_series("t.val", "count", g_at - 6 * HOUR_MS - 30000, 2 * HOUR_MS, "2h");
    check_series("t.val", "max", g_at - 50 * MIN_MS, 5 * MIN_MS, "5m");
}

/* 1. Aggregates over rolling and explicit windows. */
static void test_aggregates(void **state)
{
    (void)state;
    /* Every event was applied, nothing rejected. */
    tally_t t = {.received = g_sent, .applied = g_sent};
    check_stats(g_a.query, &t, "after the data set");
    check_rolling_and_explicit();
    check_avg_is_avg();
}

static void test_periods(void **state)
{
    (void)state;
    check_periods();
}

static void test_series(void **state)
{
    (void)state;
    check_all_series();
}

/* Events without ts are stamped at receipt: they are in the last 5 minutes
 * (default at = now) and in no window at g_at. */
static void test_receipt_time(void **state)
{
    (void)state;
    h_reply_t rep;
    h_call(g_a.query, &rep, "op:s name:s window:s", "kpi.get", "t.val", "5m");
    expect_ok(&rep, "kpi.get t.val 5m at now");
    check_int(&rep, "count", 3, "5m at now");
    check_num(&rep, "sum", true, 9, "5m at now");
    check_num(&rep, "min", true, 2, "5m at now");
    check_num(&rep, "max", true, 4, "5m at now");
    h_reply_free(&rep);
}

/* Empty windows: count 0, sum 0, rate 0, the others nil. */
static void test_empty_windows(void **state)
{
    (void)state;
    /* Far in the past, nothing there (and nothing before it). */
    get_t g = explicit_win("t.val", "sum", NULL, g_at - 80 * DAY_MS, g_at - 79 * DAY_MS);
    check_get(&g);
    g = explicit_win("t.avg", "avg", NULL, g_at - 80 * DAY_MS, g_at - 79 * DAY_MS);
    check_get(&g);
    /* A whole day after g_at's day: clipped to nothing at g_at.  An empty
     * window: rate 0 like sum, however long it is. */
    char day[16];
    const int64_t d = floor_to(g_at, DAY_MS);
    day_string(d + DAY_MS, day, sizeof day);
    g = whole_period("t.val", "sum", day, d + DAY_MS, d + 2 * DAY_MS, d);
    g.strict0 = true;
    check_get(&g);
}

/* An unaligned at is rounded up (to the minute, or to the hour where the
 * minute buckets have expired), and so are the bounds it gives. */
static void test_unaligned_at(void **state)
{
    (void)state;
    const int64_t at1 = g_at - 20 * MIN_MS - 7000;              /* rounds up to g_at - 20 min */
    const int64_t at2 = g_at - 3 * DAY_MS - 17 * MIN_MS - 5000; /* to g_at - 3 d */
    for (size_t i = 0; i < sizeof ROLLING / sizeof *ROLLING; i++) {
        get_t g = rolling_at("t.val", "sum", NULL, ROLLING[i].w, ROLLING[i].span, at1);
        check_get(&g);
        g = rolling_at("t.avg", "avg", NULL, ROLLING[i].w, ROLLING[i].span, at1);
        check_get(&g);
        g = rolling_at("t.val", "sum", NULL, ROLLING[i].w, ROLLING[i].span, at2);
        check_get(&g);
    }
    /* The numbers that the rounding decides, spelled out. */
    get_t g = rolling_at("t.val", "sum", NULL, "1h", HOUR_MS, at2);
    assert_int_equal(g.et, g_at - 3 * DAY_MS);
    xs_t s = xstate(g.ef, g.et);
    assert_int_equal(s.count, 2); /* 21 and -2; not 99 (at the rounded at), not 0.75 */
    g = rolling_at("t.val", "sum", NULL, "5m", 5 * MIN_MS, at1);
    assert_int_equal(g.et, g_at - 20 * MIN_MS);
    s = xstate(g.ef, g.et);
    assert_true(s.count >= 2 && s.last == 0.5); /* 4.75 and 0.5 count; 55 does not */
}

/* 5. Query errors: each gets its error reply, then ping still answers. */
static void expect_error(const void *data, size_t len, int nframes, const char *code,
                         const char *what)
{
    h_reply_t rep;
    if (!h_call_raw(g_a.query, data, len, nframes, 5000, &rep))
        fail_msg("%s: no reply", what);
    if (h_ok(&rep))
        fail_msg("%s: ok reply, want error %s", what, code);
    char ctx[160];
    snprintf(ctx, sizeof ctx, "error reply to %s", what);
    check_strf(&rep, "error", code, ctx);
    char msg[512];
    h_str(&rep, "message", msg, sizeof msg);
    if (msg[0] == '\0')
        fail_msg("%s: empty message", ctx);
    h_reply_free(&rep);
    ping_ok(g_a.query, what);
}

/* Pack {op: "kpi.get", name: "t.val", KEY: <packed by fn>} */
typedef void (*packfn)(msgpack_packer *pk);
static void pk_window_7x(msgpack_packer *pk)
{
    wire_pack_str(pk, "window");
    wire_pack_str(pk, "7x");
}
static void pk_window_empty(msgpack_packer *pk)
{
    wire_pack_str(pk, "window");
    wire_pack_str(pk, "");
}
static void pk_window_month13(msgpack_packer *pk)
{
    wire_pack_str(pk, "window");
    wire_pack_str(pk, "2026-13");
}
static void pk_window_int(msgpack_packer *pk)
{
    wire_pack_str(pk, "window");
    msgpack_pack_int(pk, 12);
}
static void pk_window_badmap(msgpack_packer *pk)
{
    wire_pack_str(pk, "window");
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "from");
    wire_pack_str(pk, "yesterday");
    wire_pack_str(pk, "to");
    msgpack_pack_int64(pk, g_at);
}
static void pk_at_str(msgpack_packer *pk)
{
    wire_pack_str(pk, "at");
    wire_pack_str(pk, "yesterday");
}
static void pk_at_frac(msgpack_packer *pk)
{
    wire_pack_str(pk, "at");
    msgpack_pack_double(pk, 1.5e12 + 0.5);
}
static void pk_at_bool(msgpack_packer *pk)
{
    wire_pack_str(pk, "at");
    msgpack_pack_true(pk);
}

static void expect_get_error(packfn fn, const char *what)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    wire_pack_str(&pk, "op");
    wire_pack_str(&pk, "kpi.get");
    wire_pack_str(&pk, "name");
    wire_pack_str(&pk, "t.val");
    fn(&pk);
    expect_error(sb.data, sb.size, 1, "bad_request", what);
    msgpack_sbuffer_destroy(&sb);
}

static void series_request(msgpack_sbuffer *sb, const char *name, int64_t from, int64_t to,
                           const char *step)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    wire_pack_str(&pk, "op");
    wire_pack_str(&pk, "kpi.series");
    wire_pack_str(&pk, "name");
    wire_pack_str(&pk, name);
    wire_pack_str(&pk, "from");
    msgpack_pack_int64(&pk, from);
    wire_pack_str(&pk, "to");
    msgpack_pack_int64(&pk, to);
    wire_pack_str(&pk, "step");
    wire_pack_str(&pk, step);
}

static void test_query_errors(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;

    expect_error("\xc1", 1, 1, "bad_request", "a byte that is not MessagePack");
    expect_error("", 0, 1, "bad_request", "an empty request");
    expect_error("\x82\xa2op", 4, 1, "bad_request", "a truncated map");
    /* not a map */
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_int(&pk, 5);
    expect_error(sb.data, sb.size, 1, "bad_request", "an int request");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_array(&pk, 1);
    wire_pack_str(&pk, "ping");
    expect_error(sb.data, sb.size, 1, "bad_request", "an array request");
    /* no op / op not a string / unknown op */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 0);
    expect_error(sb.data, sb.size, 1, "bad_request", "an empty map");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    wire_pack_str(&pk, "name");
    wire_pack_str(&pk, "t.val");
    expect_error(sb.data, sb.size, 1, "bad_request", "no op");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    wire_pack_str(&pk, "op");
    msgpack_pack_int(&pk, 7);
    expect_error(sb.data, sb.size, 1, "bad_request", "op 7");
    h_req(&sb, "op:s", "frobnicate");
    expect_error(sb.data, sb.size, 1, "bad_request", "an unknown op");
    /* missing name, unknown KPI */
    h_req(&sb, "op:s window:s", "kpi.get", "24h");
    expect_error(sb.data, sb.size, 1, "bad_request", "kpi.get without name");
    h_req(&sb, "op:s name:i", "kpi.get", (int64_t)5);
    expect_error(sb.data, sb.size, 1, "bad_request", "kpi.get name 5");
    h_req(&sb, "op:s name:s", "kpi.get", "nope");
    expect_error(sb.data, sb.size, 1, "not_found", "kpi.get of an unknown KPI");
    h_req(&sb, "op:s", "kpi.series");
    expect_error(sb.data, sb.size, 1, "bad_request", "kpi.series without name");
    series_request(&sb, "nope", g_at - HOUR_MS, g_at, "1m");
    expect_error(sb.data, sb.size, 1, "not_found", "kpi.series of an unknown KPI");
    /* bad windows, non-integer at */
    expect_get_error(pk_window_7x, "window 7x");
    expect_get_error(pk_window_empty, "window \"\"");
    expect_get_error(pk_window_month13, "window 2026-13");
    expect_get_error(pk_window_int, "window 12");
    expect_get_error(pk_window_badmap, "window {from: \"yesterday\"}");
    expect_get_error(pk_at_str, "at \"yesterday\"");
    expect_get_error(pk_at_frac, "at 1.5e12+0.5");
    expect_get_error(pk_at_bool, "at true");
    /* more than 10000 points; exactly 10000 is fine */
    int64_t f = ceil_to(h_now_ms(), MIN_MS) - HOUR_MS;
    series_request(&sb, "t.val", f, f + 10001 * MIN_MS, "1m");
    expect_error(sb.data, sb.size, 1, "bad_request", "kpi.series of 10001 points");
    series_request(&sb, "t.val", f, f + 10000 * MIN_MS, "1m");
    h_reply_t rep;
    call_sb(g_a.query, &sb, &rep, "kpi.series of 10000 points");
    expect_ok(&rep, "kpi.series of 10000 points");
    assert_int_equal(h_get(&rep, "points")->via.array.size, 10000);
    h_reply_free(&rep);
    /* a request of two frames */
    h_req(&sb, "op:s", "ping");
    expect_error(sb.data, sb.size, 2, "bad_request", "a 2-frame ping");
    expect_error(sb.data, sb.size, 3, "bad_request", "a 3-frame ping");
    msgpack_sbuffer_destroy(&sb);
}

/* 8. okrctl against the live daemon. */
static void test_okrctl(void **state)
{
    (void)state;
    char out[8192], at[32], ep[400];
    snprintf(at, sizeof at, "%lld", (long long)g_at);
    snprintf(ep, sizeof ep, "%s", g_a.query);

    const char *get[] = {OKRCTL_BIN, "-e",       ep,   "--json", "kpi", "get",
                         "t.val",    "--window", "1h", "--at",   at,    NULL};
    int rc = h_run_timeout(get, out, sizeof out, 10000);
    if (rc != 0)
        fail_msg("okrctl kpi get exited %d: %s", rc, out);
    const char *p = strstr(out, "\"value\":");
    if (p == NULL)
        fail_msg("no \"value\" in okrctl's JSON: %s", out);
    char *end;
    double v = strtod(p + 8, &end);
    if (end == p + 8)
        fail_msg("\"value\" is not a number in okrctl's JSON: %s", out);
    xs_t s = xstate(g_at - HOUR_MS, g_at);
    if (!near(v, s.sum))
        fail_msg("okrctl value %.17g, want %.17g: %s", v, s.sum, out);

    const char *ping[] = {OKRCTL_BIN, "-e", ep, "ping", NULL};
    rc = h_run_timeout(ping, out, sizeof out, 10000);
    if (rc != 0)
        fail_msg("okrctl ping exited %d: %s", rc, out);

    const char *away[] = {OKRCTL_BIN, "-e", "ipc:///nonexistent/x", "-t", "300", "ping", NULL};
    rc = h_run_timeout(away, out, sizeof out, 10000);
    if (rc != 3)
        fail_msg("okrctl ping of nothing exited %d, want 3: %s", rc, out);

    const char *nope[] = {OKRCTL_BIN, "-e", ep, "kpi", "get", "nope", NULL};
    rc = h_run_timeout(nope, out, sizeof out, 10000);
    if (rc != 1)
        fail_msg("okrctl kpi get nope exited %d, want 1: %s", rc, out);
}

/* 2. SIGTERM, start again on the same state: the same numbers. */
static void test_restart(void **state)
{
    (void)state;
    int rc = h_okrd_stop(&g_a, SIGTERM);
    assert_int_equal(rc, 0);
    h_okrd_start(&g_a);
    /* stats are per process: a fresh start has received nothing */
    tally_t t = {0};
    check_stats(g_a.query, &t, "after restart");
    check_rolling_and_explicit();
    check_avg_is_avg();
    check_periods();
    check_all_series();
}

/* ---- 3. exact de-duplication ------------------------------------------------ */

static const char D_KPIS[] = "kpis = ( { name = \"d.val\"; } );\n";

static int own_setup(void **state)
{
    h_okrd_t *o = calloc(1, sizeof *o);
    assert_non_null(o);
    h_okrd_init(o);
    *state = o;
    return 0;
}

static int own_teardown(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_cleanup(o);
    free(o);
    return 0;
}

/* Publish seq lo..hi of source_id id (value seq / 2, ts base + seq s) as
 * batches of up to 16. */
static void pub_seq(h_pub_t *p, const char *id, uint64_t lo, uint64_t hi, int64_t base)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (uint64_t s = lo; s <= hi;) {
        uint64_t n = hi - s + 1 < 16 ? hi - s + 1 : 16;
        if (s % 3 == 0)
            n = 1; /* some as single maps */
        msgpack_packer pk;
        msgpack_sbuffer_clear(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        if (n > 1 || s % 2 == 0)
            msgpack_pack_array(&pk, n);
        for (uint64_t k = 0; k < n; k++, s++) {
            msgpack_pack_map(&pk, 4);
            wire_pack_str(&pk, "source_id");
            wire_pack_str(&pk, id);
            wire_pack_str(&pk, "seq");
            msgpack_pack_uint64(&pk, s);
            wire_pack_str(&pk, "value");
            msgpack_pack_double(&pk, (double)s / 2);
            wire_pack_str(&pk, "ts");
            msgpack_pack_int64(&pk, base + (int64_t)s * 1000);
        }
        h_pub_send(p, "d.val", sb.data, sb.size);
    }
    msgpack_sbuffer_destroy(&sb);
}

/* One event of source_id id: seq, value v (NaN allowed), ts; bad_key adds a
 * malformed key. */
static void pub_one(h_pub_t *p, const char *id, uint64_t seq, double v, int64_t ts, bool bad_key)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4 + bad_key);
    wire_pack_str(&pk, "source_id");
    wire_pack_str(&pk, id);
    wire_pack_str(&pk, "seq");
    msgpack_pack_uint64(&pk, seq);
    wire_pack_str(&pk, "value");
    msgpack_pack_double(&pk, v);
    wire_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    if (bad_key) {
        wire_pack_str(&pk, "key");
        msgpack_pack_int(&pk, 1);
    }
    h_pub_send(p, "d.val", sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static double seq_sum(uint64_t lo, uint64_t hi)
{
    double s = 0;
    for (uint64_t k = lo; k <= hi; k++)
        s += (double)k / 2;
    return s;
}

static void check_dval(const char *ep, int64_t base, uint64_t count, double sum, const char *ctx)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    get_t g = {"d.val", "sum", NULL, NULL, base, base + HOUR_MS, 0, 0, 0, 0};
    pack_get(&sb, &g, base + HOUR_MS);
    h_reply_t rep;
    call_sb(ep, &sb, &rep, ctx);
    msgpack_sbuffer_destroy(&sb);
    expect_ok(&rep, ctx);
    check_int(&rep, "count", (int64_t)count, ctx);
    check_num(&rep, "sum", true, sum, ctx);
    h_reply_free(&rep);
}

/* The source.list entry of id: last_seq and gaps (and last_ts). */
static void check_source(const char *ep, const char *id, uint64_t last_seq, uint64_t gaps,
                         int64_t last_ts, const char *ctx)
{
    h_reply_t rep;
    h_call(ep, &rep, "op:s", "source.list");
    expect_ok(&rep, ctx);
    const msgpack_object *a = h_get(&rep, "sources");
    assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
    bool found = false;
    for (uint32_t i = 0; i < a->via.array.size && !found; i++) {
        const msgpack_object *e = &a->via.array.ptr[i];
        if (!wire_str_eq(wire_map_get(e, "source_id"), id))
            continue;
        found = true;
        int64_t ls = -1, g = -1, lt = -1;
        if (!wire_int(wire_map_get(e, "last_seq"), &ls) || (uint64_t)ls != last_seq)
            fail_msg("%s: %s last_seq %lld, want %llu", ctx, id, (long long)ls,
                     (unsigned long long)last_seq);
        if (!wire_int(wire_map_get(e, "gaps"), &g) || (uint64_t)g != gaps)
            fail_msg("%s: %s gaps %lld, want %llu", ctx, id, (long long)g,
                     (unsigned long long)gaps);
        if (!wire_int(wire_map_get(e, "last_ts"), &lt) || lt != last_ts)
            fail_msg("%s: %s last_ts %lld, want %lld", ctx, id, (long long)lt, (long long)last_ts);
    }
    if (!found)
        fail_msg("%s: source_id %s not in source.list", ctx, id);
    h_reply_free(&rep);
}

static void test_dedup(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_write_config(o, NULL, D_KPIS);
    h_okrd_start(o);
    const int64_t base = floor_to(h_now_ms(), HOUR_MS) - 2 * HOUR_MS;
    tally_t t = {0};

    h_pub_t *p = h_pub_open(o->ingest);
    pub_seq(p, "pub-1", 1, 50, base);
    t.received += 50;
    t.applied += 50;
    h_wait_received(o->query, t.received);
    check_stats(o->query, &t, "seq 1..50");
    check_dval(o->query, base, 50, seq_sum(1, 50), "seq 1..50");
    check_source(o->query, "pub-1", 50, 0, base + 50000, "seq 1..50");

    pub_seq(p, "pub-1", 1, 50, base); /* the replay: all duplicates */
    t.received += 50;
    t.rej[R_DUPLICATE] += 50;
    h_wait_received(o->query, t.received);
    check_stats(o->query, &t, "replay of 1..50");
    check_dval(o->query, base, 50, seq_sum(1, 50), "replay of 1..50");

    pub_seq(p, "pub-1", 60, 60, base); /* 51..59 missing: 9 gaps */
    t.received += 1;
    t.applied += 1;
    /* Another publisher: its first seq (100) is no gap; 103 after 100 is 2. */
    pub_seq(p, "pub-2", 100, 100, base);
    pub_seq(p, "pub-2", 103, 103, base);
    pub_seq(p, "pub-2", 103, 103, base);
    t.received += 3;
    t.applied += 2;
    t.rej[R_DUPLICATE] += 1;
    h_wait_received(o->query, t.received);
    check_stats(o->query, &t, "seq 60");
    double sum = seq_sum(1, 50) + 30 + 50 + 51.5;
    check_dval(o->query, base, 53, sum, "seq 60");

    /* A rejected event does not move its publisher's last seq: its seq
     * can come again, valid, without being a duplicate or making a gap. */
    const int64_t b3 = base + 200000;
    pub_one(p, "pub-3", 1, 7, b3 + 1000, false);
    pub_one(p, "pub-3", 2, NAN, b3 + 2000, false);           /* bad_value */
    pub_one(p, "pub-3", 2, 8, b3 + 2000, false);             /* applied */
    pub_one(p, "pub-3", 4, 10, h_now_ms() + HOUR_MS, false); /* bad_time */
    pub_one(p, "pub-3", 3, 9, b3 + 3000, false);             /* applied */
    pub_one(p, "pub-3", 5, 10, b3 + 5000, true);             /* malformed */
    pub_one(p, "pub-3", 4, 10, b3 + 4000, false);            /* applied */
    t.received += 7;
    t.applied += 4;
    t.rej[R_BAD_VALUE]++;
    t.rej[R_BAD_TIME]++;
    t.rej[R_MALFORMED]++;
    h_wait_received(o->query, t.received);
    check_stats(o->query, &t, "pub-3");
    sum += 7 + 8 + 9 + 10;
    check_dval(o->query, base, 57, sum, "pub-3");
    check_source(o->query, "pub-3", 4, 0, b3 + 4000, "pub-3");
    check_source(o->query, "pub-1", 60, 9, base + 60000, "seq 60");
    check_source(o->query, "pub-2", 103, 2, base + 103000, "pub-2");
    h_reply_t rep;
    get_stats(o->query, &rep);
    check_int(&rep, "gaps", 11, "stats after seq 60, pub-2 and pub-3");
    h_reply_free(&rep);
    h_pub_close(&p);

    /* Restart: the last seq was committed with the data. */
    assert_int_equal(h_okrd_stop(o, SIGTERM), 0);
    h_okrd_start(o);
    p = h_pub_open(o->ingest);
    pub_seq(p, "pub-1", 1, 60, base);
    tally_t t2 = {.received = 60, .rej[R_DUPLICATE] = 60};
    h_wait_received(o->query, t2.received);
    check_stats(o->query, &t2, "replay of 1..60 after restart");
    check_dval(o->query, base, 57, sum, "replay of 1..60 after restart");
    check_source(o->query, "pub-1", 60, 9, base + 60000, "after restart");
    check_source(o->query, "pub-2", 103, 2, base + 103000, "pub-2 after restart");

    /* SIGKILL right after sending 61..80: whatever was committed, a replay
     * of everything ends with each event counted exactly once. */
    pub_seq(p, "pub-1", 61, 80, base);
    h_pub_close(&p);
    assert_int_equal(h_okrd_stop(o, SIGKILL), 128 + SIGKILL);
    h_okrd_start(o);
    p = h_pub_open(o->ingest);
    pub_seq(p, "pub-1", 1, 80, base);
    h_wait_received(o->query, 80);
    get_stats(o->query, &rep);
    int64_t applied = h_int(&rep, "applied"), dup = h_int(&rep, "rejected.duplicate");
    h_reply_free(&rep);
    if (applied + dup != 80 || dup < 60)
        fail_msg("replay after SIGKILL: applied %lld + duplicate %lld, want 80 with >= 60 "
                 "duplicates",
                 (long long)applied, (long long)dup);
    check_dval(o->query, base, 77, sum + seq_sum(61, 80), "replay after SIGKILL");
    check_source(o->query, "pub-1", 80, 9, base + 80000, "after SIGKILL");
    h_pub_close(&p);
}

/* ---- 4. garbage ----------------------------------------------------------- */

static const char G_KPIS[] = "kpis = ( { name = \"t.val\"; } );\n";

typedef struct gctx {
    h_pub_t *p;
    tally_t t;
    msgpack_sbuffer sb;
    msgpack_packer pk;
} gctx_t;

static msgpack_packer *gbegin(gctx_t *g)
{
    msgpack_sbuffer_clear(&g->sb);
    msgpack_packer_init(&g->pk, &g->sb, msgpack_sbuffer_write);
    return &g->pk;
}

/* Send what gbegin() started on topic; count it as n events with reason r
 * (-1: applied, with value v). */
static void gsend(gctx_t *g, const char *topic, int r, uint64_t n, double v)
{
    h_pub_send(g->p, topic, g->sb.data, g->sb.size);
    g->t.received += n;
    if (r < 0) {
        g->t.applied += n;
        g->t.applied_sum += v * (double)n;
    } else {
        g->t.rej[r] += n;
    }
}

static void gsend_raw(gctx_t *g, const char *topic, const void *body, size_t len, int r)
{
    h_pub_send(g->p, topic, body, len);
    g->t.received++;
    g->t.rej[r]++;
}

/* {ts: now, value: <fn>} */
static void pk_ts_now(msgpack_packer *pk)
{
    wire_pack_str(pk, "ts");
    msgpack_pack_int64(pk, h_now_ms());
}

static void pk_strn(msgpack_packer *pk, char c, size_t n)
{
    char buf[512];
    assert_true(n <= sizeof buf);
    memset(buf, c, n);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, buf, n);
}

/* An event {value: 1.5} with one more field (key, packed by the caller). */
static msgpack_packer *gev_with(gctx_t *g)
{
    msgpack_packer *pk = gbegin(g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 1.5);
    return pk;
}

static void pk_tags(msgpack_packer *pk, int n, size_t klen, size_t vlen, bool int_value)
{
    wire_pack_str(pk, "tags");
    msgpack_pack_map(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        char k[128];
        assert_true(klen < sizeof k && klen >= 3);
        memset(k, 'k', klen);
        k[0] = (char)('a' + i % 26);
        k[1] = (char)('a' + i / 26);
        msgpack_pack_str(pk, klen);
        msgpack_pack_str_body(pk, k, klen);
        if (int_value && i == n - 1)
            msgpack_pack_int(pk, 5);
        else
            pk_strn(pk, 'v', vlen);
    }
}

/* Random bodies that okrd must count as malformed: anything that does not
 * decode, whole, to a map or an array.  Bytes 0xdd and 0xdf (array32 and
 * map32 headers, which announce up to 4 G elements) are left out here:
 * test_hostile_sizes_* cover them on purpose. */
static void send_random_bodies(gctx_t *g, int count)
{
    g_rng = 20251122;
    unsigned char body[64];
    for (int i = 0; i < count;) {
        size_t len = 1 + rnd() % sizeof body;
        for (size_t k = 0; k < len; k++) {
            body[k] = (unsigned char)rnd();
            if (body[k] == 0xdd || body[k] == 0xdf)
                body[k] = 0xc1;
        }
        msgpack_zone zone;
        msgpack_zone_init(&zone, 1024);
        msgpack_object obj;
        size_t off = 0;
        msgpack_unpack_return rc = msgpack_unpack((const char *)body, len, &off, &zone, &obj);
        bool container = rc == MSGPACK_UNPACK_SUCCESS &&
                         (obj.type == MSGPACK_OBJECT_MAP || obj.type == MSGPACK_OBJECT_ARRAY);
        msgpack_zone_destroy(&zone);
        if (container)
            continue; /* might be a valid event: not garbage */
        gsend_raw(g, "t.val", body, len, R_MALFORMED);
        i++;
    }
}

static void test_garbage(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_write_config(o, NULL, G_KPIS);
    h_okrd_start(o);
    gctx_t g = {0};
    msgpack_sbuffer_init(&g.sb);
    msgpack_packer *pk;
    const int64_t now = h_now_ms();

    /* An oversize message, on a connection of its own: ZeroMQ drops it and
     * closes the connection; the XPUB reconnects and okrd subscribes again. */
    h_pub_t *big = h_pub_open(o->ingest);
    h_pub_set_verbose(big);
    size_t biglen = 1048576 + 1;
    char *bigbody = calloc(1, biglen);
    assert_non_null(bigbody);
    h_pub_send(big, "t.val", bigbody, biglen);
    free(bigbody);
    if (!h_pub_wait_resubscribe(big, 10000))
        fail_msg("okrd did not drop the connection of an oversize message");
    g.p = big;
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 0.25);
    gsend(&g, "t.val", -1, 1, 0.25); /* the reconnected publisher works */
    wait_received_alive(o, g.t.received, "an oversize message");
    h_pub_close(&big);

    g.p = h_pub_open(o->ingest);
    send_random_bodies(&g, 200);

    /* Frames. */
    {
        const void *f1[1] = {"t.val"};
        size_t l1[1] = {5};
        h_pub_sendv(g.p, 1, f1, l1);
        g.t.received++;
        g.t.rej[R_MALFORMED]++;
        pk = gbegin(&g);
        msgpack_pack_map(pk, 0);
        const void *f3[3] = {"t.val", g.sb.data, g.sb.data};
        size_t l3[3] = {5, g.sb.size, g.sb.size};
        h_pub_sendv(g.p, 3, f3, l3);
        g.t.received++;
        g.t.rej[R_MALFORMED]++;
    }
    gsend_raw(&g, "t.val", "", 0, R_MALFORMED); /* empty body */

    /* Body shapes. */
    pk = gbegin(&g);
    wire_pack_str(pk, "value");
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* a string */
    pk = gbegin(&g);
    msgpack_pack_int(pk, 42);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* an int */
    pk = gbegin(&g);
    msgpack_pack_nil(pk);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_array(pk, 0);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* empty array */
    pk = gbegin(&g);
    msgpack_pack_array(pk, 2);
    msgpack_pack_map(pk, 0);
    msgpack_pack_int(pk, 5);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* a non-map in an array */
    pk = gbegin(&g);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 5);
    msgpack_pack_map(pk, 0);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_array(pk, 10001);
    for (int i = 0; i < 10001; i++)
        msgpack_pack_map(pk, 0);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* one too many */
    pk = gbegin(&g);
    msgpack_pack_array(pk, 10000);
    for (int i = 0; i < 10000; i++)
        msgpack_pack_map(pk, 0);
    gsend(&g, "no.such.kpi", R_UNKNOWN_SOURCE, 10000, 0); /* the largest batch */
    pk = gbegin(&g);
    for (int i = 0; i < 999; i++)
        msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 0);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* nested 1000 levels deep */
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 2);
    msgpack_pack_nil(pk);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* trailing bytes */
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* truncated */

    /* Values. */
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        pk = gbegin(&g);
        msgpack_pack_map(pk, 2);
        pk_ts_now(pk);
        wire_pack_str(pk, "value");
        msgpack_pack_double(pk, bad[i]);
        gsend(&g, "t.val", R_BAD_VALUE, 1, 0);
        pk = gbegin(&g);
        msgpack_pack_map(pk, 1);
        wire_pack_str(pk, "value");
        msgpack_pack_float(pk, (float)bad[i]);
        gsend(&g, "t.val", R_BAD_VALUE, 1, 0);
    }
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    wire_pack_str(pk, "12");
    gsend(&g, "t.val", R_BAD_VALUE, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_nil(pk);
    gsend(&g, "t.val", R_BAD_VALUE, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_true(pk);
    gsend(&g, "t.val", R_BAD_VALUE, 1, 0);
    /* a bad value and a malformed field: malformed, in either order */
    pk = gbegin(&g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "value");
    wire_pack_str(pk, "x");
    wire_pack_str(pk, "key");
    msgpack_pack_int(pk, 5);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "key");
    msgpack_pack_int(pk, 5);
    wire_pack_str(pk, "value");
    wire_pack_str(pk, "x");
    gsend(&g, "t.val", R_MALFORMED, 1, 0);

    /* key */
    pk = gev_with(&g);
    wire_pack_str(pk, "key");
    pk_strn(pk, 'k', 300);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "key");
    pk_strn(pk, 'k', 257);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "key");
    pk_strn(pk, 'k', 256);
    gsend(&g, "t.val", -1, 1, 1.5); /* the limit */
    pk = gev_with(&g);
    wire_pack_str(pk, "key");
    msgpack_pack_int(pk, 17);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);

    /* tags */
    pk = gev_with(&g);
    pk_tags(pk, 17, 8, 8, false);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    pk_tags(pk, 16, 64, 64, false);
    gsend(&g, "t.val", -1, 1, 1.5); /* the limits */
    pk = gev_with(&g);
    pk_tags(pk, 2, 8, 8, true);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* a non-str value */
    pk = gev_with(&g);
    pk_tags(pk, 2, 8, 65, false);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    pk_tags(pk, 2, 65, 8, false);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "tags");
    msgpack_pack_array(pk, 1);
    wire_pack_str(pk, "team");
    gsend(&g, "t.val", R_MALFORMED, 1, 0);

    /* topics */
    pk = gev_with(&g);
    wire_pack_str(pk, "key");
    wire_pack_str(pk, "k");
    gsend(&g, "has space", R_BAD_TOPIC, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_array(pk, 3);
    for (int i = 0; i < 3; i++)
        msgpack_pack_map(pk, 0);
    gsend(&g, "has space", R_BAD_TOPIC, 3, 0);
    {
        char t201[202], t200[201];
        memset(t201, 'a', 201);
        t201[201] = '\0';
        memset(t200, 'a', 200);
        t200[200] = '\0';
        pk = gbegin(&g);
        msgpack_pack_map(pk, 0);
        gsend(&g, t201, R_BAD_TOPIC, 1, 0);
        gsend(&g, t200, R_UNKNOWN_SOURCE, 1, 0); /* valid, but no KPI reads it */
        gsend(&g, "", R_BAD_TOPIC, 1, 0);
        gsend(&g, "t.v\xc3\xa4l", R_BAD_TOPIC, 1, 0);
        gsend(&g, "t.val\n", R_BAD_TOPIC, 1, 0);
    }
    /* a bad topic with an undecodable body: malformed, once */
    gsend_raw(&g, "has space", "\xc1\xc1", 2, R_MALFORMED);
    /* the topic is checked before the events */
    pk = gbegin(&g);
    msgpack_pack_array(pk, 2);
    for (int i = 0; i < 2; i++) {
        msgpack_pack_map(pk, 1);
        wire_pack_str(pk, "value");
        msgpack_pack_double(pk, NAN);
    }
    gsend(&g, "has space", R_BAD_TOPIC, 2, 0);
    gsend(&g, "no.such.kpi", R_UNKNOWN_SOURCE, 2, 0);
    pk = gbegin(&g);
    msgpack_pack_array(pk, 4);
    for (int i = 0; i < 4; i++)
        msgpack_pack_map(pk, 0);
    gsend(&g, "no.such.kpi", R_UNKNOWN_SOURCE, 4, 0);
    gsend(&g, "t.val.sub", R_UNKNOWN_SOURCE, 4, 0);

    /* ts */
    struct {
        int64_t ts;
        int r;
    } tss[] = {
        {now + HOUR_MS, R_BAD_TIME},  {now - 6 * 365 * DAY_MS, R_BAD_TIME},
        {now + 200 * 1000, -1},       /* within max_future_s */
        {now - 4 * 365 * DAY_MS, -1}, /* day buckets only */
        {now - 60 * DAY_MS, -1},      /* hour and day buckets */
    };
    for (size_t i = 0; i < sizeof tss / sizeof *tss; i++) {
        pk = gev_with(&g);
        wire_pack_str(pk, "ts");
        msgpack_pack_int64(pk, tss[i].ts);
        gsend(&g, "t.val", tss[i].r, 1, 1.5);
    }
    pk = gev_with(&g);
    wire_pack_str(pk, "ts");
    msgpack_pack_double(pk, (double)now);
    gsend(&g, "t.val", R_MALFORMED, 1, 0); /* a float ts */
    pk = gev_with(&g);
    wire_pack_str(pk, "ts");
    wire_pack_str(pk, "2026-11-22");
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "ts");
    msgpack_pack_nil(pk);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);

    /* source_id and seq */
    pk = gbegin(&g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "source_id");
    wire_pack_str(pk, "g-1");
    wire_pack_str(pk, "seq");
    msgpack_pack_int64(pk, -1);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "source_id");
    wire_pack_str(pk, "g-1");
    wire_pack_str(pk, "seq");
    msgpack_pack_double(pk, 1.5);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gbegin(&g);
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "source_id");
    wire_pack_str(pk, "g-1");
    wire_pack_str(pk, "seq");
    wire_pack_str(pk, "7");
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "source_id");
    msgpack_pack_int(pk, 3);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "source_id");
    pk_strn(pk, 's', 65);
    gsend(&g, "t.val", R_MALFORMED, 1, 0);
    pk = gev_with(&g);
    wire_pack_str(pk, "source_id");
    pk_strn(pk, 's', 64);
    gsend(&g, "t.val", -1, 1, 1.5); /* the limit */
    /* duplicates and gaps: 5, 5 (dup), 3 (dup), 9 (3 missing) */
    const uint64_t seqs[] = {5, 5, 3, 9};
    const int seq_r[] = {-1, R_DUPLICATE, R_DUPLICATE, -1};
    for (size_t i = 0; i < 4; i++) {
        pk = gbegin(&g);
        msgpack_pack_map(pk, 3);
        wire_pack_str(pk, "source_id");
        wire_pack_str(pk, "g-2");
        wire_pack_str(pk, "seq");
        msgpack_pack_uint64(pk, seqs[i]);
        wire_pack_str(pk, "value");
        msgpack_pack_int(pk, 2);
        gsend(&g, "t.val", seq_r[i], 1, 2);
    }

    /* Unknown keys are ignored, a non-str key included; value defaults to 1. */
    pk = gbegin(&g);
    msgpack_pack_map(pk, 3);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
    wire_pack_str(pk, "values");
    wire_pack_str(pk, "x");
    wire_pack_str(pk, "Value");
    msgpack_pack_nil(pk);
    gsend(&g, "t.val", -1, 1, 1);

    /* A batch where each event stands on its own. */
    pk = gbegin(&g);
    msgpack_pack_array(pk, 6);
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 3.5); /* applied */
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, NAN); /* bad_value */
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 100);
    wire_pack_str(pk, "ts");
    msgpack_pack_int64(pk, now + 2 * HOUR_MS); /* bad_time */
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 100);
    wire_pack_str(pk, "key");
    pk_strn(pk, 'k', 300); /* malformed */
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "value");
    msgpack_pack_int(pk, -4); /* applied */
    msgpack_pack_map(pk, 2);
    wire_pack_str(pk, "value");
    msgpack_pack_double(pk, 100);
    wire_pack_str(pk, "seq");
    msgpack_pack_int(pk, -1); /* malformed */
    h_pub_send(g.p, "t.val", g.sb.data, g.sb.size);
    g.t.received += 6;
    g.t.applied += 2;
    g.t.applied_sum += 3.5 - 4;
    g.t.rej[R_BAD_VALUE]++;
    g.t.rej[R_BAD_TIME]++;
    g.t.rej[R_MALFORMED] += 2;

    wait_received_alive(o, g.t.received, "garbage");
    ping_ok(o->query, "garbage");
    check_stats(o->query, &g.t, "after garbage");
    h_reply_t rep;
    get_stats(o->query, &rep);
    check_int(&rep, "gaps", 3, "stats after seq 5, 9");
    h_reply_free(&rep);

    /* Nothing rejected was partly applied: every applied event of t.val, and
     * only those, is in a window that covers them all. */
    msgpack_sbuffer_clear(&g.sb);
    get_t q = {"t.val", "sum", NULL, "1900d", 0, 0, 0, 0, 0, 0};
    pack_get(&g.sb, &q, h_now_ms() + 10 * MIN_MS);
    call_sb(o->query, &g.sb, &rep, "kpi.get t.val 1900d");
    expect_ok(&rep, "kpi.get t.val 1900d");
    check_int(&rep, "count", (int64_t)g.t.applied, "t.val over everything");
    check_num(&rep, "sum", true, g.t.applied_sum, "t.val over everything");
    h_reply_free(&rep);

    h_pub_close(&g.p);
    msgpack_sbuffer_destroy(&g.sb);
}

/* Container headers that announce 4 G elements in 5 or 6 bytes: rejected
 * like any other undecodable body, never allocated (SPEC section 1: nothing
 * a publisher sends can crash okrd). */
static const char *const HOSTILE[] = {"\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff",
                                      "\x91\xdd\x7f\xff\xff\xff"};
static const size_t HOSTILE_LEN[] = {5, 5, 6};
static const char *const HOSTILE_NAME[] = {"array32 of 2^32-1", "map32 of 2^32-1",
                                           "[array32 of 2^31-1]"};

static void test_hostile_sizes_ingest(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_write_config(o, NULL, G_KPIS);
    h_okrd_start(o);
    h_pub_t *p = h_pub_open(o->ingest);
    tally_t t = {0};
    for (int i = 0; i < 3; i++) {
        h_pub_send(p, "t.val", HOSTILE[i], HOSTILE_LEN[i]);
        t.received++;
        t.rej[R_MALFORMED]++;
        char what[96];
        snprintf(what, sizeof what, "an event body %s", HOSTILE_NAME[i]);
        wait_received_alive(o, t.received, what);
    }
    check_stats(o->query, &t, "after 4 G element headers");
    h_pub_close(&p);
}

static void test_hostile_sizes_query(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_write_config(o, NULL, G_KPIS);
    h_okrd_start(o);
    for (int i = 0; i < 3; i++) {
        char what[96];
        snprintf(what, sizeof what, "a request %s", HOSTILE_NAME[i]);
        h_reply_t rep;
        bool got = h_call_raw(o->query, HOSTILE[i], HOSTILE_LEN[i], 1, 5000, &rep);
        check_alive(o, what);
        if (!got)
            fail_msg("no reply to %s", what);
        assert_false(h_ok(&rep));
        check_strf(&rep, "error", "bad_request", what);
        h_reply_free(&rep);
        ping_ok(o->query, what);
    }
}

/* ---- 6. a second okrd; --check-config --------------------------------------- */

static void test_second_instance_and_check_config(void **state)
{
    h_okrd_t *o = *state;
    h_okrd_write_config(o, NULL, G_KPIS);
    h_okrd_start(o);
    char out[8192];
    const char *argv[] = {OKRD_BIN, "-c", o->conf, "--foreground", NULL};
    int rc = h_run_timeout(argv, out, sizeof out, 10000);
    if (rc != 3)
        fail_msg("a second okrd on the same state dir exited %d, want 3: %s", rc, out);
    if (strstr(out, "in use by another okrd") == NULL)
        fail_msg("the second okrd's message does not say 'in use by another okrd': %s", out);
    ping_ok(o->query, "a second okrd was refused");

    const char *good[] = {OKRD_BIN, "--check-config", o->conf, NULL};
    rc = h_run_timeout(good, out, sizeof out, 10000);
    if (rc != 0 || strstr(out, "configuration OK") == NULL)
        fail_msg("--check-config on a good file: exit %d: %s", rc, out);

    char bad[400], want[480];
    snprintf(bad, sizeof bad, "%s/bad.conf", o->dir);
    write_file(bad, "daemon = { state_dir = \"/tmp/okrd-nowhere\"; };\n" /* 1 */
                    "kpis = (\n"                                         /* 2 */
                    "  { name = \"a.b\";\n"                              /* 3 */
                    "    colour = \"red\"; }\n"                          /* 4 */
                    ");\n"                                               /* 5 */
                    "retention = { minute = \"48h\"; hourly = \"1d\"; };\n" /* 6 */);
    const char *badv[] = {OKRD_BIN, "--check-config", bad, NULL};
    rc = h_run_timeout(badv, out, sizeof out, 10000);
    if (rc != 1)
        fail_msg("--check-config on a bad file exited %d, want 1: %s", rc, out);
    snprintf(want, sizeof want, "%s:4: ", bad);
    if (strstr(out, want) == NULL || strstr(out, "colour") == NULL)
        fail_msg("--check-config output lacks '%s...colour': %s", want, out);
    snprintf(want, sizeof want, "%s:6: ", bad);
    if (strstr(out, want) == NULL || strstr(out, "hourly") == NULL)
        fail_msg("--check-config output lacks '%s...hourly': %s", want, out);
    if (strstr(out, "configuration OK") != NULL)
        fail_msg("--check-config on a bad file says OK: %s", out);
}

/* ---- 7. map growth ---------------------------------------------------------- */

static void test_map_growth(void **state)
{
    h_okrd_t *o = *state;
    char kpis[1024];
    size_t off = (size_t)snprintf(kpis, sizeof kpis, "kpis = (\n");
    for (int k = 0; k < 10; k++)
        off += (size_t)snprintf(kpis + off, sizeof kpis - off,
                                "  { name = \"m.k%d\"; source = \"m.src\"; }%s\n", k,
                                k < 9 ? "," : "");
    snprintf(kpis + off, sizeof kpis - off, ");\n");
    h_okrd_write_config(o, "map_size_mb = 1;", kpis);
    h_okrd_start(o);

    const int64_t base = floor_to(h_now_ms(), MIN_MS);
    const int minutes = 2800, per_minute = 2;
    h_pub_t *p = h_pub_open(o->ingest);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    double sum = 0;
    uint64_t n = 0;
    for (int m0 = 0; m0 < minutes; m0 += 200) {
        msgpack_sbuffer_clear(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, 200 * (size_t)per_minute);
        for (int m = m0; m < m0 + 200; m++) {
            for (int k = 0; k < per_minute; k++) {
                double v = (double)(m % 13) - 4.5 + k;
                msgpack_pack_map(&pk, 2);
                wire_pack_str(&pk, "ts");
                msgpack_pack_int64(&pk, base - (m + 1) * MIN_MS + (m * 7919 + k * 17) % MIN_MS);
                wire_pack_str(&pk, "value");
                msgpack_pack_double(&pk, v);
                sum += v;
                n++;
            }
        }
        h_pub_send(p, "m.src", sb.data, sb.size);
        /* Queries while the writer commits and grows the map. */
        msgpack_sbuffer qsb;
        msgpack_sbuffer_init(&qsb);
        get_t q = {"m.k0", "sum", NULL, "48h", 0, 0, 0, 0, 0, 0};
        pack_get(&qsb, &q, h_now_ms());
        h_reply_t rep;
        call_sb(o->query, &qsb, &rep, "kpi.get m.k0 during ingest");
        msgpack_sbuffer_destroy(&qsb);
        expect_ok(&rep, "kpi.get m.k0 during ingest");
        assert_true(h_int(&rep, "count") <= (int64_t)n);
        h_reply_free(&rep);
    }
    h_pub_close(&p);
    h_wait_received(o->query, n);
    tally_t t = {.received = n, .applied = n};
    check_stats(o->query, &t, "map growth");

    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < 10; k++) {
            char name[16], ctx[64];
            snprintf(name, sizeof name, "m.k%d", k);
            snprintf(ctx, sizeof ctx, "%s over 48h%s", name, pass ? " after restart" : "");
            get_t q = {name, "sum", NULL, "48h", 0, 0, 0, 0, 0, 0};
            pack_get(&sb, &q, h_now_ms());
            h_reply_t rep;
            call_sb(o->query, &sb, &rep, ctx);
            expect_ok(&rep, ctx);
            check_int(&rep, "count", (int64_t)n, ctx);
            check_num(&rep, "sum", true, sum, ctx);
            h_reply_free(&rep);
        }
        h_reply_t rep;
        get_stats(o->query, &rep);
        int64_t db = h_int(&rep, "db_bytes");
        h_reply_free(&rep);
        if (db <= 1024 * 1024)
            fail_msg("db_bytes %lld, want > 1 MiB", (long long)db);
        if (pass == 0) {
            if (!file_contains(o->log, "event=map_grown"))
                fail_msg("no event=map_grown in %s", o->log);
            assert_int_equal(h_okrd_stop(o, SIGTERM), 0);
            h_okrd_start(o);
        }
    }
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    const struct CMUnitTest group_a[] = {
        cmocka_unit_test(test_aggregates),   cmocka_unit_test(test_periods),
        cmocka_unit_test(test_series),       cmocka_unit_test(test_receipt_time),
        cmocka_unit_test(test_unaligned_at), cmocka_unit_test(test_empty_windows),
        cmocka_unit_test(test_query_errors), cmocka_unit_test(test_okrctl),
        cmocka_unit_test(test_restart),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test_setup_teardown(test_dedup, own_setup, own_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, own_setup, own_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_sizes_ingest, own_setup, own_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_sizes_query, own_setup, own_teardown),
        cmocka_unit_test_setup_teardown(test_second_instance_and_check_config, own_setup,
                                        own_teardown),
        cmocka_unit_test_setup_teardown(test_map_growth, own_setup, own_teardown),
    };
    /* OKR_TEST_FILTER=test_garbage (a glob) runs only the matching tests. */
    const char *filter = getenv("OKR_TEST_FILTER");
    if (filter != NULL && filter[0] != '\0')
        cmocka_set_test_filter(filter);
    int failed = cmocka_run_group_tests_name("okrd with a data set", group_a, group_a_setup,
                                             group_a_teardown);
    failed += cmocka_run_group_tests_name("okrd on its own", own, NULL, NULL);
    return failed;
}
