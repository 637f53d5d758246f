/*
 * test_aggregate.c - bucket states (add, merge, aggregates) and the dirty
 * bucket table, checked against sums computed directly from the events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "bucket.h"
#include "calendar.h"

#define N_EVENTS 5000

typedef struct ev {
    double v;
    int64_t ts;
} ev_t;

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void make_events(ev_t *e, int n)
{
    for (int i = 0; i < n; i++) {
        e[i].v = (double)(int64_t)(next_rand() % 20001) / 100.0 - 100.0;
        e[i].ts = INT64_C(1790000000000) + (int64_t)(next_rand() % 1000000);
    }
}

static void assert_close(double a, double b)
{
    if (fabs(a - b) > 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b))))
        fail_msg("%.17g != %.17g", a, b);
}

/* Merging the states of any partition equals the state of the whole. */
static void test_merge_partitions(void **state)
{
    (void)state;
    static ev_t e[N_EVENTS];
    make_events(e, N_EVENTS);
    /* A tie on the latest ts: the later event wins. */
    e[N_EVENTS - 1].ts = INT64_C(1790000000000) + 2000000;
    e[N_EVENTS - 2].ts = e[N_EVENTS - 1].ts;

    agg_state_t whole = AGG_STATE_EMPTY;
    double sum = 0, sumsq = 0, mn = INFINITY, mx = -INFINITY;
    for (int i = 0; i < N_EVENTS; i++) {
        agg_add(&whole, e[i].v, e[i].ts);
        sum += e[i].v;
        sumsq += e[i].v * e[i].v;
        mn = fmin(mn, e[i].v);
        mx = fmax(mx, e[i].v);
    }
    for (int parts = 2; parts <= 64; parts *= 2) {
        agg_state_t p[64];
        for (int k = 0; k < parts; k++)
            p[k] = AGG_STATE_EMPTY;
        for (int i = 0; i < N_EVENTS; i++)
            agg_add(&p[next_rand() % (uint64_t)parts], e[i].v, e[i].ts);
        agg_state_t m = AGG_STATE_EMPTY;
        for (int k = 0; k < parts; k++)
            agg_merge(&m, &p[k]);
        assert_int_equal(m.count, N_EVENTS);
        assert_close(m.sum, sum);
        assert_close(m.sumsq, sumsq);
        assert_true(m.min == mn && m.max == mx);
        assert_int_equal(m.last_ts, e[N_EVENTS - 1].ts);
    }
    assert_true(whole.last == e[N_EVENTS - 1].v);
    /* Merging an empty state changes nothing, either way round. */
    agg_state_t empty = AGG_STATE_EMPTY, w2 = whole;
    agg_merge(&w2, &empty);
    assert_memory_equal(&w2, &whole, sizeof w2);
    agg_merge(&empty, &whole);
    assert_memory_equal(&empty, &whole, sizeof w2);
}

static void test_values(void **state)
{
    (void)state;
    agg_state_t s = AGG_STATE_EMPTY;
    const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    for (int i = 0; i < 8; i++)
        agg_add(&s, v[i], 1000 + i);
    double x;
    struct {
        const char *agg;
        double want;
    } rows[] = {
        {"count", 8},          {"sum", 40},   {"avg", 5}, {"min", 2}, {"max", 9},
        {"last", 9},           {"stddev", 2}, /* the population stddev of this set */
        {"rate", 40.0 / 60.0},                /* over a 60 s window */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        agg_spec_t a;
        assert_int_equal(agg_parse(rows[i].agg, &a), 0);
        assert_true(agg_value(&s, a, 60000, &x));
        assert_close(x, rows[i].want);
    }
    /* No events: count, sum and rate are 0; the others have no value. */
    agg_state_t e = AGG_STATE_EMPTY;
    const char *zero[] = {"count", "sum", "rate"};
    for (int i = 0; i < 3; i++) {
        agg_spec_t a;
        agg_parse(zero[i], &a);
        assert_true(agg_value(&e, a, 60000, &x));
        assert_true(x == 0);
    }
    const char *nil[] = {"avg", "min", "max", "last", "stddev", "distinct", "p50"};
    for (int i = 0; i < 7; i++) {
        agg_spec_t a;
        assert_int_equal(agg_parse(nil[i], &a), 0);
        assert_false(agg_value(&e, a, 60000, &x));
    }
    /* A constant series has stddev 0, never a NaN from rounding. */
    agg_state_t c = AGG_STATE_EMPTY;
    for (int i = 0; i < 1000; i++)
        agg_add(&c, 0.1, i);
    assert_true(agg_value(&c, (agg_spec_t){AGG_STDDEV, 0}, 1, &x));
    assert_true(x >= 0 && x < 1e-6);
}

static void test_parse(void **state)
{
    (void)state;
    static const char *const good[] = {"count",  "sum",  "avg",      "min", "max", "last",
                                       "stddev", "rate", "distinct", "p1",  "p50", "p99"};
    static const char *const bad[] = {"", "Sum", "p0", "p100", "p05", "p", "p9x", "median", "p-1"};
    agg_spec_t a;
    char buf[16];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        assert_int_equal(agg_parse(good[i], &a), 0);
        assert_string_equal(agg_name(a, buf, sizeof buf), good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(agg_parse(bad[i], &a), -1);
    assert_int_equal(agg_parse("p90", &a), 0);
    assert_int_equal(a.kind, AGG_QUANTILE);
    assert_int_equal(a.q, 90);
}

/* ---- the dirty table ---- */

#define NKPI 7
#define SPAN (3 * 86400000LL) /* three days of events */

typedef struct expect {
    /* per kpi: sums per day, hour and minute index from BASE */
    double day[NKPI][4], hour[NKPI][80];
    uint64_t nday[NKPI][4];
    double *minute; /* [NKPI][4400] */
    int buckets;
    int64_t prev_key[3];
    int ordered;
} expect_t;

#define BASE INT64_C(1790121600000) /* 2026-09-23 00:00 UTC, a day boundary */

static int check_bucket(void *ctx, const bucket_key_t *k, const agg_state_t *st)
{
    expect_t *x = ctx;
    int64_t key[3] = {k->kpi, k->res, k->start};
    if (x->buckets > 0 && memcmp(key, x->prev_key, sizeof key) != 0) {
        for (int i = 0; i < 3; i++) {
            if (key[i] != x->prev_key[i]) {
                if (key[i] < x->prev_key[i])
                    x->ordered = 0;
                break;
            }
        }
    }
    memcpy(x->prev_key, key, sizeof key);
    x->buckets++;
    int64_t off = k->start - BASE;
    switch (k->res) {
    case RES_DAY:
        assert_int_equal(off % 86400000, 0);
        assert_close(st->sum, x->day[k->kpi][off / 86400000]);
        assert_int_equal(st->count, x->nday[k->kpi][off / 86400000]);
        break;
    case RES_HOUR:
        assert_int_equal(off % 3600000, 0);
        assert_close(st->sum, x->hour[k->kpi][off / 3600000]);
        break;
    default:
        assert_int_equal(off % 60000, 0);
        assert_close(st->sum, x->minute[k->kpi * 4400 + off / 60000]);
        break;
    }
    return 0;
}

static void test_dirty_table(void **state)
{
    (void)state;
    aggr_t *a = aggr_new();
    assert_non_null(a);
    cal_t cal = CAL_DEFAULT;
    expect_t *x = calloc(1, sizeof *x);
    x->minute = calloc(NKPI * 4400, sizeof(double));
    x->ordered = 1;
    /* Enough distinct buckets to grow the table several times over. */
    for (int i = 0; i < 60000; i++) {
        uint32_t kpi = (uint32_t)(next_rand() % NKPI);
        int64_t ts = BASE + (int64_t)(next_rand() % (uint64_t)SPAN);
        double v = (double)(next_rand() % 1000);
        assert_int_equal(aggr_add(a, &cal, kpi, ts, v, RES_MINUTE), 0);
        x->day[kpi][(ts - BASE) / 86400000] += v;
        x->nday[kpi][(ts - BASE) / 86400000]++;
        x->hour[kpi][(ts - BASE) / 3600000] += v;
        x->minute[kpi * 4400 + (ts - BASE) / 60000] += v;
    }
    size_t n = aggr_size(a);
    assert_true(n > 20000);
    assert_int_equal(aggr_foreach(a, check_bucket, x), 0);
    assert_int_equal((size_t)x->buckets, n);
    assert_true(x->ordered);

    /* After a clear the table is empty and reusable; the cache must not
     * hand back a slot from before the clear. */
    aggr_clear(a);
    assert_int_equal(aggr_size(a), 0);
    assert_int_equal(aggr_add(a, &cal, 3, BASE + 5, 2.5, RES_MINUTE), 0);
    assert_int_equal(aggr_add(a, &cal, 3, BASE + 6, 2.5, RES_DAY), 0);
    memset(x->day, 0, sizeof x->day);
    memset(x->nday, 0, sizeof x->nday);
    memset(x->hour, 0, sizeof x->hour);
    memset(x->minute, 0, NKPI * 4400 * sizeof(double));
    x->day[3][0] = 5.0;
    x->nday[3][0] = 2;
    x->hour[3][0] = 2.5;
    x->minute[3 * 4400] = 2.5;
    x->buckets = 0;
    aggr_foreach(a, check_bucket, x);
    assert_int_equal(x->buckets, 3);
    free(x->minute);
    free(x);
    aggr_destroy(&a);
    assert_null(a);
    aggr_destroy(&a); /* NULL is accepted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_partitions),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_dirty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
