/*
 * test_calendar.c - unit tests for common/calendar.c.
 *
 * Expected instants are literals computed with Python's datetime, not with
 * the code under test; the comment beside each is the date it stands for
 * ("Z" = UTC, otherwise local at the given offset).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Calendars used below (initialisers, so that they can sit in tables). */
/* clang-format off */
#define UTC  {0, 1}
#define NPT  {20700, 1}  /* +05:45, Nepal */
#define PST  {-28800, 1} /* -08:00 */
#define FY4  {0, 4}      /* fiscal year starting in April */
#define FY11 {0, 11}     /* fiscal year starting in November */
/* clang-format on */

/* Compare, naming the table row on failure. */
static void eq64(const char *row, const char *what, int64_t got, int64_t want)
{
    if (got != want)
        fail_msg("%s: %s = %lld, want %lld", row, what, (long long)got, (long long)want);
}

/* ---- resolutions, floor and ceil -------------------------------------- */

static void test_res(void **state)
{
    (void)state;
    assert_int_equal(res_ms(RES_MINUTE), 60000);
    assert_int_equal(res_ms(RES_HOUR), 3600000);
    assert_int_equal(res_ms(RES_DAY), 86400000);
    assert_string_equal(res_name(RES_MINUTE), "minute");
    assert_string_equal(res_name(RES_HOUR), "hour");
    assert_string_equal(res_name(RES_DAY), "day");
}

static const struct floor_row {
    const char *name;
    cal_t cal;
    res_t res;
    int64_t t, floor, ceil;
} floor_rows[] = {
    {"utc minute", UTC, RES_MINUTE, 1795343415500 /* 2026-11-22 10:30:15.500 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */, 1795343460000 /* 2026-11-22 10:31 Z */},
    {"utc minute aligned", UTC, RES_MINUTE, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */, 1795343400000 /* 2026-11-22 10:30 Z */},
    {"utc hour", UTC, RES_HOUR, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795341600000 /* 2026-11-22 10:00 Z */, 1795345200000 /* 2026-11-22 11:00 Z */},
    {"utc day", UTC, RES_DAY, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795305600000 /* 2026-11-22 Z */, 1795392000000 /* 2026-11-23 Z */},
    {"utc day aligned", UTC, RES_DAY, 1795305600000 /* 2026-11-22 Z */,
     1795305600000 /* 2026-11-22 Z */, 1795305600000 /* 2026-11-22 Z */},
    {"utc minute -1", UTC, RES_MINUTE, -1, -60000, 0},
    {"utc hour -1", UTC, RES_HOUR, -1, -3600000, 0},
    {"utc day -1", UTC, RES_DAY, -1, -86400000, 0},
    {"utc day -1d", UTC, RES_DAY, -86400000, -86400000, -86400000},
    {"utc day 1969", UTC, RES_DAY, -14182940000 /* 1969-07-20 20:17:40 Z */,
     -14256000000 /* 1969-07-20 Z */, -14169600000 /* 1969-07-21 Z */},
    {"utc minute 1969", UTC, RES_MINUTE, -14182940000 /* 1969-07-20 20:17:40 Z */,
     -14182980000 /* 1969-07-20 20:17 Z */, -14182920000 /* 1969-07-20 20:18 Z */},
    /* +05:45: local hours and days start at :15 and :45 past a UTC hour */
    {"npt minute", NPT, RES_MINUTE, 1795343415000 /* 2026-11-22 10:30:15 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */, 1795343460000 /* 2026-11-22 10:31 Z */},
    {"npt hour", NPT, RES_HOUR, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795342500000 /* 2026-11-22 16:00 +05:45 */, 1795346100000 /* 2026-11-22 17:00 +05:45 */},
    {"npt hour aligned", NPT, RES_HOUR, 1795342500000 /* 2026-11-22 10:15 Z */,
     1795342500000 /* 2026-11-22 10:15 Z */, 1795342500000 /* 2026-11-22 10:15 Z */},
    {"npt day", NPT, RES_DAY, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795284900000 /* 2026-11-22 +05:45 */, 1795371300000 /* 2026-11-23 +05:45 */},
    {"npt day after utc 18:15", NPT, RES_DAY, 1795377600000 /* 2026-11-22 20:00 Z */,
     1795371300000 /* 2026-11-23 +05:45 */, 1795457700000 /* 2026-11-24 +05:45 */},
    {"npt day at epoch", NPT, RES_DAY, 0, -20700000 /* 1970-01-01 +05:45 */,
     65700000 /* 1970-01-02 +05:45 */},
    {"npt hour at epoch", NPT, RES_HOUR, 0, -2700000 /* 1970-01-01 05:00 +05:45 */,
     900000 /* 1970-01-01 06:00 +05:45 */},
    /* -08:00: the local day starts at 08:00 UTC */
    {"pst day", PST, RES_DAY, 1795323600000 /* 2026-11-22 05:00 Z */,
     1795248000000 /* 2026-11-21 -08:00 */, 1795334400000 /* 2026-11-22 -08:00 */},
    {"pst hour", PST, RES_HOUR, 1795327199999 /* 2026-11-22 05:59:59.999 Z */,
     1795323600000 /* 2026-11-22 05:00 Z */, 1795327200000 /* 2026-11-22 06:00 Z */},
    {"pst day -1", PST, RES_DAY, -1, -57600000 /* 1969-12-31 -08:00 */,
     28800000 /* 1970-01-01 -08:00 */},
};

static void test_floor_ceil(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(floor_rows); i++) {
        const struct floor_row *r = &floor_rows[i];
        eq64(r->name, "floor", cal_floor(&r->cal, r->res, r->t), r->floor);
        eq64(r->name, "ceil", cal_ceil(&r->cal, r->res, r->t), r->ceil);
    }
}

/* Bucket invariants over many instants: floor <= t < floor + len, aligned. */
static void test_floor_ceil_sweep(void **state)
{
    (void)state;
    static const int32_t offsets[] = {0, 20700, -28800, 50400, -43200, 19800, -34200};
    uint64_t x = 88172645463325252u; /* xorshift64 */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* +-300 years around the epoch */
        int64_t t = (int64_t)(x % (600 * 366 * (uint64_t)MS_DAY)) - 300 * 366 * MS_DAY;
        cal_t c = {offsets[i % NELEM(offsets)], 1};
        for (int r = 0; r < RES_COUNT; r++) {
            int64_t u = res_ms((res_t)r);
            int64_t f = cal_floor(&c, (res_t)r, t), ce = cal_ceil(&c, (res_t)r, t);
            int64_t lf = f + c.utc_offset_s * INT64_C(1000);
            assert_true(f <= t && t < f + u);
            assert_true(ce >= t && ce - t < u);
            assert_true(((lf % u) + u) % u == 0);
            assert_true(ce == f || ce == f + u);
            assert_true((ce == t) == (f == t));
        }
    }
}

static void test_extremes(void **state)
{
    (void)state;
    cal_t c = NPT;
    char buf[64];
    /* Results saturate instead of overflowing (UBSan would abort). */
    assert_true(cal_ceil(&c, RES_DAY, INT64_MAX) == INT64_MAX);
    assert_true(cal_floor(&c, RES_DAY, INT64_MIN) == INT64_MIN);
    assert_true(cal_period_start(&c, PER_YEAR, INT64_MIN) == INT64_MIN);
    assert_true(cal_period_add(&c, PER_YEAR, 0, INT_MAX) == INT64_MAX);
    assert_true(cal_period_add(&c, PER_YEAR, 0, INT_MIN) == INT64_MIN);
    int64_t wk = cal_period_start(&c, PER_WEEK, INT64_MAX);
    assert_true(wk > INT64_MAX - 8 * MS_DAY && cal_floor(&c, RES_DAY, wk) == wk);
    assert_true(strlen(cal_format(&c, INT64_MIN, buf, sizeof buf)) >= 16);
    assert_true(strlen(cal_format(&c, INT64_MAX, buf, sizeof buf)) >= 16);
    int64_t ret[RES_COUNT] = {INT64_MAX, INT64_MAX, INT64_MAX};
    window_avail_t a = window_avail_at(-10, ret);
    assert_true(a.keep_from[RES_MINUTE] == INT64_MIN);
    window_t w = {.kind = WIN_EXPLICIT, .from = INT64_MIN, .to = INT64_MAX};
    int64_t f, t, pf, pt;
    window_resolve(&c, &a, &w, INT64_MAX, &f, &t, &pf, &pt);
    assert_true(f <= t && pf <= pt);
    /* an unknown resolution or unit leaves t alone */
    assert_true(cal_floor(&c, RES_COUNT, 12345) == 12345);
    assert_true(cal_period_start(&c, PER_COUNT, 12345) == 12345);
    /* an unknown window kind resolves to empty windows at the rounded at */
    w.kind = (window_kind_t)99;
    window_resolve(&c, &a, &w, 90001, &f, &t, &pf, &pt);
    assert_true(f == 120000 && t == 120000 && pf == 120000 && pt == 120000);
    /* an out-of-range fiscal_start_month is taken as 1 */
    cal_t bad = {0, 13};
    assert_true(cal_period_start(&bad, PER_YEAR, 1795305600000 /* 2026-11-22 Z */) ==
                1767225600000 /* 2026-01-01 Z */);
}

/* ---- periods ---------------------------------------------------------- */

static const struct period_row {
    const char *name;
    cal_t cal;
    period_unit_t unit;
    int64_t t, start, next, prev;
} period_rows[] = {
    {"week sunday", UTC, PER_WEEK, 1795343400000 /* 2026-11-22 10:30 Z */,
     1794787200000 /* 2026-11-16 Z */, 1795392000000 /* 2026-11-23 Z */,
     1794182400000 /* 2026-11-09 Z */},
    {"week monday 00:00", UTC, PER_WEEK, 1794787200000 /* 2026-11-16 Z */,
     1794787200000 /* 2026-11-16 Z */, 1795392000000 /* 2026-11-23 Z */,
     1794182400000 /* 2026-11-09 Z */},
    {"week across new year", UTC, PER_WEEK, 1767268800000 /* 2026-01-01 12:00 Z */,
     1766966400000 /* 2025-12-29 Z */, 1767571200000 /* 2026-01-05 Z */,
     1766361600000 /* 2025-12-22 Z */},
    {"week epoch thursday", UTC, PER_WEEK, 0, -259200000 /* 1969-12-29 Z */,
     345600000 /* 1970-01-05 Z */, -864000000 /* 1969-12-22 Z */},
    {"month leap day", UTC, PER_MONTH, 1709208000000 /* 2024-02-29 12:00 Z */,
     1706745600000 /* 2024-02-01 Z */, 1709251200000 /* 2024-03-01 Z */,
     1704067200000 /* 2024-01-01 Z */},
    {"month december", UTC, PER_MONTH, 1798761599999 /* 2026-12-31 23:59:59.999 Z */,
     1796083200000 /* 2026-12-01 Z */, 1798761600000 /* 2027-01-01 Z */,
     1793491200000 /* 2026-11-01 Z */},
    {"month 1969", UTC, PER_MONTH, -1468800000 /* 1969-12-15 Z */, -2678400000 /* 1969-12-01 Z */,
     0, -5270400000 /* 1969-11-01 Z */},
    {"quarter q4", UTC, PER_QUARTER, 1795343400000 /* 2026-11-22 10:30 Z */,
     1790812800000 /* 2026-10-01 Z */, 1798761600000 /* 2027-01-01 Z */,
     1782864000000 /* 2026-07-01 Z */},
    {"quarter q1", UTC, PER_QUARTER, 1775001540000 /* 2026-03-31 23:59 Z */,
     1767225600000 /* 2026-01-01 Z */, 1775001600000 /* 2026-04-01 Z */,
     1759276800000 /* 2025-10-01 Z */},
    {"quarter 1969", UTC, PER_QUARTER, -5270400000 /* 1969-11-01 Z */,
     -7948800000 /* 1969-10-01 Z */, 0, -15897600000 /* 1969-07-01 Z */},
    {"year", UTC, PER_YEAR, 1795343400000 /* 2026-11-22 10:30 Z */,
     1767225600000 /* 2026-01-01 Z */, 1798761600000 /* 2027-01-01 Z */,
     1735689600000 /* 2025-01-01 Z */},
    {"year 1900", UTC, PER_YEAR, -2195942400000 /* 1900-06-01 Z */,
     -2208988800000 /* 1900-01-01 Z */, -2177452800000 /* 1901-01-01 Z */,
     -2240524800000 /* 1899-01-01 Z */},
    {"fy4 quarter jan", FY4, PER_QUARTER, 1771113600000 /* 2026-02-15 Z */,
     1767225600000 /* 2026-01-01 Z */, 1775001600000 /* 2026-04-01 Z */,
     1759276800000 /* 2025-10-01 Z */},
    {"fy4 quarter may", FY4, PER_QUARTER, 1778371200000 /* 2026-05-10 Z */,
     1775001600000 /* 2026-04-01 Z */, 1782864000000 /* 2026-07-01 Z */,
     1767225600000 /* 2026-01-01 Z */},
    {"fy4 year feb", FY4, PER_YEAR, 1771113600000 /* 2026-02-15 Z */,
     1743465600000 /* 2025-04-01 Z */, 1775001600000 /* 2026-04-01 Z */,
     1711929600000 /* 2024-04-01 Z */},
    {"fy4 year apr 1", FY4, PER_YEAR, 1775001600000 /* 2026-04-01 Z */,
     1775001600000 /* 2026-04-01 Z */, 1806537600000 /* 2027-04-01 Z */,
     1743465600000 /* 2025-04-01 Z */},
    /* with April the quarters fall on calendar quarters; November shifts them */
    {"fy11 quarter", FY11, PER_QUARTER, 1795305600000 /* 2026-11-22 Z */,
     1793491200000 /* 2026-11-01 Z */, 1801440000000 /* 2027-02-01 Z */,
     1785542400000 /* 2026-08-01 Z */},
    {"fy11 quarter jan", FY11, PER_QUARTER, 1801439940000 /* 2027-01-31 23:59 Z */,
     1793491200000 /* 2026-11-01 Z */, 1801440000000 /* 2027-02-01 Z */,
     1785542400000 /* 2026-08-01 Z */},
    {"fy11 year", FY11, PER_YEAR, 1793491140000 /* 2026-10-31 23:59 Z */,
     1761955200000 /* 2025-11-01 Z */, 1793491200000 /* 2026-11-01 Z */,
     1730419200000 /* 2024-11-01 Z */},
    {"fy4 month is calendar", FY4, PER_MONTH, 1776211200000 /* 2026-04-15 Z */,
     1775001600000 /* 2026-04-01 Z */, 1777593600000 /* 2026-05-01 Z */,
     1772323200000 /* 2026-03-01 Z */},
    {"npt day", NPT, PER_DAY, 1795377600000 /* 2026-11-22 20:00 Z */,
     1795371300000 /* 2026-11-23 +05:45 */, 1795457700000 /* 2026-11-24 +05:45 */,
     1795284900000 /* 2026-11-22 +05:45 */},
    {"npt week", NPT, PER_WEEK, 1795371240000 /* 2026-11-22 18:14 Z */,
     1794766500000 /* 2026-11-16 +05:45 */, 1795371300000 /* 2026-11-23 +05:45 */,
     1794161700000 /* 2026-11-09 +05:45 */},
    {"npt week next", NPT, PER_WEEK, 1795371300000 /* 2026-11-22 18:15 Z */,
     1795371300000 /* 2026-11-23 +05:45 */, 1795976100000 /* 2026-11-30 +05:45 */,
     1794766500000 /* 2026-11-16 +05:45 */},
    {"pst month", PST, PER_MONTH, 1796101200000 /* 2026-12-01 05:00 Z */,
     1793520000000 /* 2026-11-01 -08:00 */, 1796112000000 /* 2026-12-01 -08:00 */,
     1790841600000 /* 2026-10-01 -08:00 */},
    {"pst year", PST, PER_YEAR, 1798790340000 /* 2027-01-01 07:59 Z */,
     1767254400000 /* 2026-01-01 -08:00 */, 1798790400000 /* 2027-01-01 -08:00 */,
     1735718400000 /* 2025-01-01 -08:00 */},
    {"day -1", UTC, PER_DAY, -1, -86400000, 0, -2 * 86400000},
};

static void test_periods(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(period_rows); i++) {
        const struct period_row *r = &period_rows[i];
        int64_t s = cal_period_start(&r->cal, r->unit, r->t);
        eq64(r->name, "start", s, r->start);
        eq64(r->name, "next", cal_period_add(&r->cal, r->unit, s, 1), r->next);
        eq64(r->name, "prev", cal_period_add(&r->cal, r->unit, s, -1), r->prev);
        eq64(r->name, "add 0", cal_period_add(&r->cal, r->unit, s, 0), r->start);
    }
}

static const struct add_row {
    const char *name;
    cal_t cal;
    period_unit_t unit;
    int64_t start;
    int n;
    int64_t want;
} add_rows[] = {
    {"month +13", UTC, PER_MONTH, 1767225600000 /* 2026-01-01 Z */, 13,
     1801440000000 /* 2027-02-01 Z */},
    {"month -13", UTC, PER_MONTH, 1767225600000 /* 2026-01-01 Z */, -13,
     1733011200000 /* 2024-12-01 Z */},
    {"month -1000", UTC, PER_MONTH, 1767225600000 /* 2026-01-01 Z */, -1000,
     -862617600000 /* 1942-09-01 Z */},
    {"quarter +4 fy4", FY4, PER_QUARTER, 1775001600000 /* 2026-04-01 Z */, 4,
     1806537600000 /* 2027-04-01 Z */},
    {"quarter -5", UTC, PER_QUARTER, 1790812800000 /* 2026-10-01 Z */, -5,
     1751328000000 /* 2025-07-01 Z */},
    {"week +47", UTC, PER_WEEK, 1766966400000 /* 2025-12-29 Z */, 47,
     1795392000000 /* 2026-11-23 Z */},
    {"year -100", UTC, PER_YEAR, 1767225600000 /* 2026-01-01 Z */, -100,
     -1388534400000 /* 1926-01-01 Z */},
    {"day -1 from epoch", UTC, PER_DAY, 0, -1, -86400000},
    {"npt day +366", NPT, PER_DAY, 1704046500000 /* 2024-01-01 +05:45 */, 366,
     1735668900000 /* 2025-01-01 +05:45 */},
    /* a start inside a period counts from that period */
    {"unaligned month", UTC, PER_MONTH, 1768471200000 /* 2026-01-15 10:00 Z */, 1,
     1769904000000 /* 2026-02-01 Z */},
};

static void test_period_add(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(add_rows); i++) {
        const struct add_row *r = &add_rows[i];
        eq64(r->name, "add", cal_period_add(&r->cal, r->unit, r->start, r->n), r->want);
    }
}

/* Periods tile time: start <= t < next, weeks start on Monday and last 7 d. */
static void test_period_sweep(void **state)
{
    (void)state;
    static const cal_t cals[] = {UTC, NPT, PST, FY4, {-34200, 11}};
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 5000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = (int64_t)(x % (400 * 366 * (uint64_t)MS_DAY)) - 200 * 366 * MS_DAY;
        const cal_t *c = &cals[i % NELEM(cals)];
        for (int u = 0; u < PER_COUNT; u++) {
            int64_t s = cal_period_start(c, (period_unit_t)u, t);
            int64_t e = cal_period_add(c, (period_unit_t)u, s, 1);
            assert_true(s <= t && t < e);
            assert_true(cal_period_start(c, (period_unit_t)u, s) == s);
            assert_true(cal_period_start(c, (period_unit_t)u, e - 1) == s);
            assert_true(cal_period_add(c, (period_unit_t)u, e, -1) == s);
            assert_true(cal_floor(c, RES_DAY, s) == s);
            if (u == PER_WEEK) {
                char buf[32];
                assert_true(e - s == MS_WEEK);
                /* 1970-01-05 was a Monday */
                int64_t ld = (s + c->utc_offset_s * INT64_C(1000)) / MS_DAY - 4;
                assert_true(((ld % 7) + 7) % 7 == 0);
                assert_string_equal(cal_format(c, s, buf, sizeof buf) + 10, " 00:00");
            }
        }
    }
}

/*
 * Every day from 1600-01-01 to 2400-12-31, counted by a naive calendar,
 * parses to the right instant and formats back.
 */
static void test_civil_days(void **state)
{
    (void)state;
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    cal_t c = UTC;
    int64_t day = -135140; /* 1600-01-01, days from the epoch */
    char s[48], back[48];
    for (int y = 1600; y <= 2400; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int n = dim[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= n; d++, day++) {
                int64_t t = 0;
                snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
                if (cal_parse_date(&c, s, &t) != 0 || t != day * MS_DAY)
                    fail_msg("%s parsed to %lld", s, (long long)t);
                cal_format(&c, t + 59 * MS_MINUTE + 23 * MS_HOUR, back, sizeof back);
                strcat(s, " 23:59");
                assert_string_equal(back, s);
            }
            int64_t t;
            snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, n + 1);
            assert_int_equal(cal_parse_date(&c, s, &t), -1);
        }
    }
    assert_true(day == 157420); /* 2401-01-01 */
}

/* ISO weeks: consecutive, and 71 of every 400 years have a week 53. */
static void test_iso_weeks(void **state)
{
    (void)state;
    cal_t c = UTC;
    int64_t from, to, prev_to = 0;
    int long_years = 0;
    char s[16];
    for (int y = 2000; y < 2400; y++) {
        for (int w = 1; w <= 53; w++) {
            snprintf(s, sizeof s, "%04d-W%02d", y, w);
            if (cal_parse_period(&c, s, &from, &to, NULL) != 0) {
                assert_int_equal(w, 53);
                break;
            }
            if (w == 53)
                long_years++;
            if (y > 2000 || w > 1)
                eq64(s, "from", from, prev_to);
            eq64(s, "length", to - from, MS_WEEK);
            prev_to = to;
        }
    }
    assert_int_equal(long_years, 71);
}

/* ---- parsers ---------------------------------------------------------- */

static const struct period_parse_row {
    cal_t cal;
    const char *s;
    period_unit_t unit;
    int64_t from, to;
} period_ok[] = {
    {UTC, "2026", PER_YEAR, 1767225600000 /* 2026-01-01 Z */, 1798761600000 /* 2027-01-01 Z */},
    {FY4, "2026", PER_YEAR, 1775001600000 /* 2026-04-01 Z */, 1806537600000 /* 2027-04-01 Z */},
    {UTC, "2026-Q1", PER_QUARTER, 1767225600000 /* 2026-01-01 Z */,
     1775001600000 /* 2026-04-01 Z */},
    {UTC, "2026-Q4", PER_QUARTER, 1790812800000 /* 2026-10-01 Z */,
     1798761600000 /* 2027-01-01 Z */},
    {FY4, "2026-Q1", PER_QUARTER, 1775001600000 /* 2026-04-01 Z */,
     1782864000000 /* 2026-07-01 Z */},
    {FY4, "2026-Q3", PER_QUARTER, 1790812800000 /* 2026-10-01 Z */,
     1798761600000 /* 2027-01-01 Z */},
    {FY4, "2026-Q4", PER_QUARTER, 1798761600000 /* 2027-01-01 Z */,
     1806537600000 /* 2027-04-01 Z */},
    {FY11, "2026", PER_YEAR, 1793491200000 /* 2026-11-01 Z */, 1825027200000 /* 2027-11-01 Z */},
    {FY11, "2026-Q1", PER_QUARTER, 1793491200000 /* 2026-11-01 Z */,
     1801440000000 /* 2027-02-01 Z */},
    {FY11, "2026-Q2", PER_QUARTER, 1801440000000 /* 2027-02-01 Z */,
     1809129600000 /* 2027-05-01 Z */},
    {FY11, "2026-Q4", PER_QUARTER, 1817078400000 /* 2027-08-01 Z */,
     1825027200000 /* 2027-11-01 Z */},
    {UTC, "2026-11", PER_MONTH, 1793491200000 /* 2026-11-01 Z */, 1796083200000 /* 2026-12-01 Z */},
    {UTC, "2026-12", PER_MONTH, 1796083200000 /* 2026-12-01 Z */, 1798761600000 /* 2027-01-01 Z */},
    {FY4, "2026-01", PER_MONTH, 1767225600000 /* 2026-01-01 Z */, 1769904000000 /* 2026-02-01 Z */},
    {UTC, "2024-02", PER_MONTH, 1706745600000 /* 2024-02-01 Z */, 1709251200000 /* 2024-03-01 Z */},
    {UTC, "2100-02", PER_MONTH, 4105123200000 /* 2100-02-01 Z */, 4107542400000 /* 2100-03-01 Z */},
    {UTC, "2000-02", PER_MONTH, 949363200000 /* 2000-02-01 Z */, 951868800000 /* 2000-03-01 Z */},
    {UTC, "1969-12", PER_MONTH, -2678400000 /* 1969-12-01 Z */, 0},
    {UTC, "2026-W47", PER_WEEK, 1794787200000 /* 2026-11-16 Z */, 1795392000000 /* 2026-11-23 Z */},
    {UTC, "2026-W01", PER_WEEK, 1766966400000 /* 2025-12-29 Z */, 1767571200000 /* 2026-01-05 Z */},
    {UTC, "2026-W53", PER_WEEK, 1798416000000 /* 2026-12-28 Z */, 1799020800000 /* 2027-01-04 Z */},
    {UTC, "2020-W53", PER_WEEK, 1609113600000 /* 2020-12-28 Z */, 1609718400000 /* 2021-01-04 Z */},
    {UTC, "2015-W53", PER_WEEK, 1451260800000 /* 2015-12-28 Z */, 1451865600000 /* 2016-01-04 Z */},
    {UTC, "2021-W01", PER_WEEK, 1609718400000 /* 2021-01-04 Z */, 1610323200000 /* 2021-01-11 Z */},
    {UTC, "1970-W01", PER_WEEK, -259200000 /* 1969-12-29 Z */, 345600000 /* 1970-01-05 Z */},
    {UTC, "2026-11-22", PER_DAY, 1795305600000 /* 2026-11-22 Z */,
     1795392000000 /* 2026-11-23 Z */},
    {UTC, "2024-02-29", PER_DAY, 1709164800000 /* 2024-02-29 Z */,
     1709251200000 /* 2024-03-01 Z */},
    {UTC, "2000-02-29", PER_DAY, 951782400000 /* 2000-02-29 Z */, 951868800000 /* 2000-03-01 Z */},
    {UTC, "2026-12-31", PER_DAY, 1798675200000 /* 2026-12-31 Z */,
     1798761600000 /* 2027-01-01 Z */},
    {NPT, "2026-11-22", PER_DAY, 1795284900000 /* 2026-11-22 +05:45 */,
     1795371300000 /* 2026-11-23 +05:45 */},
    {NPT, "2026-W47", PER_WEEK, 1794766500000 /* 2026-11-16 +05:45 */,
     1795371300000 /* 2026-11-23 +05:45 */},
    {PST, "2026", PER_YEAR, 1767254400000 /* 2026-01-01 -08:00 */,
     1798790400000 /* 2027-01-01 -08:00 */},
    {PST, "2026-Q4", PER_QUARTER, 1790841600000 /* 2026-10-01 -08:00 */,
     1798790400000 /* 2027-01-01 -08:00 */},
};

static const char *const period_bad[] = {
    "2026-13",    "2026-00",     "2026-02-30", "2025-02-29",  "2100-02-29",  "2026-04-31",
    "2026-11-00", "2026-11-31",  "2026-W54",   "2026-W00",    "2021-W53",    "2025-W53",
    "2026-Q5",    "2026-Q0",     "2026-q4",    "2026-w47",    "2026-Q",      "2026-Q44",
    "2026-W4",    "2026-W047",   "",           "202",         "20260",       "2026-",
    "2026-1",     "2026-011",    "2026-11-2",  "2026-11-222", "2026-11-22 ", " 2026",
    "2026-Q4x",   "2026/11",     "abcd",       "+2026",       "-2026",       "2026-11-22T00:00",
    "2026-W47-1", "2026-11-22Z", "today",      "24h",
};

static void test_parse_period(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(period_ok); i++) {
        const struct period_parse_row *r = &period_ok[i];
        int64_t from = -1, to = -1;
        period_unit_t u = PER_COUNT;
        if (cal_parse_period(&r->cal, r->s, &from, &to, &u) != 0)
            fail_msg("'%s' did not parse", r->s);
        eq64(r->s, "from", from, r->from);
        eq64(r->s, "to", to, r->to);
        eq64(r->s, "unit", u, r->unit);
        /* unit may be NULL */
        assert_int_equal(cal_parse_period(&r->cal, r->s, &from, &to, NULL), 0);
    }
    for (size_t i = 0; i < NELEM(period_bad); i++) {
        cal_t c = UTC;
        int64_t from = 7, to = 7;
        if (cal_parse_period(&c, period_bad[i], &from, &to, NULL) != -1)
            fail_msg("'%s' parsed", period_bad[i]);
        eq64(period_bad[i], "untouched", from + to, 14);
    }
}

static const struct dur_row {
    const char *s;
    int64_t ms;
} dur_ok[] = {
    {"1s", 1000},
    {"30s", 30000},
    {"5m", 300000},
    {"007m", 420000},
    {"1h", 3600000},
    {"48h", 172800000},
    {"90d", 7776000000},
    {"2w", 1209600000},
    {"1y", 31536000000},
    {"5y", 157680000000},
    {"9223372036854775s", 9223372036854775000},
    {"106751991167d", 9223372036828800000},
};

static const char *const dur_bad[] = {
    "",
    "0m",
    "0s",
    "-5m",
    "+5m",
    "5",
    "m",
    "24x",
    "5mm",
    "5 m",
    " 5m",
    "5m ",
    "1.5h",
    "5M",
    "5ms",
    "1h30m",
    "9223372036854775808s",     /* N itself overflows */
    "9223372036854776s",        /* N * 1000 overflows */
    "106751991168d",            /* N * 86400000 overflows */
    "99999999999999999999999m", /* far too many digits */
};

static void test_parse_duration(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(dur_ok); i++) {
        int64_t ms = -1;
        if (cal_parse_duration(dur_ok[i].s, &ms) != 0)
            fail_msg("'%s' did not parse", dur_ok[i].s);
        eq64(dur_ok[i].s, "ms", ms, dur_ok[i].ms);
    }
    for (size_t i = 0; i < NELEM(dur_bad); i++) {
        int64_t ms = 7;
        if (cal_parse_duration(dur_bad[i], &ms) != -1)
            fail_msg("'%s' parsed", dur_bad[i]);
        eq64(dur_bad[i], "untouched", ms, 7);
    }
}

static const struct off_row {
    const char *s;
    int32_t seconds;
} off_ok[] = {
    {"+00:00", 0},      {"-00:00", 0},      {"Z", 0},           {"+05:45", 20700},
    {"-08:00", -28800}, {"+14:00", 50400},  {"-12:00", -43200}, {"-09:30", -34200},
    {"+18:00", 64800},  {"-18:00", -64800},
};

static const char *const off_bad[] = {
    "",        "+5:45", "+0545", "05:45", "+05:60",  "+18:01",  "+19:00", "-24:00",
    "+05:45Z", "z",     "+05",   "UTC",   "+05:45 ", " +05:45", "+-5:45", "+05:4",
};

static void test_parse_offset(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(off_ok); i++) {
        int32_t s = -1;
        if (cal_parse_offset(off_ok[i].s, &s) != 0)
            fail_msg("'%s' did not parse", off_ok[i].s);
        eq64(off_ok[i].s, "seconds", s, off_ok[i].seconds);
    }
    for (size_t i = 0; i < NELEM(off_bad); i++) {
        int32_t s = 7;
        if (cal_parse_offset(off_bad[i], &s) != -1)
            fail_msg("'%s' parsed", off_bad[i]);
        eq64(off_bad[i], "untouched", s, 7);
    }
}

#define NOW 12345

static const struct instant_row {
    cal_t cal;
    const char *s;
    int64_t t;
} instant_ok[] = {
    {UTC, "1763807400000", 1763807400000},
    {UTC, "0", 0},
    {UTC, "-1", -1},
    {UTC, "9223372036854775807", INT64_MAX},
    {UTC, "-9223372036854775808", INT64_MIN},
    {NPT, "2026", 2026}, /* an integer is always ms */
    {UTC, "now", NOW},
    {NPT, "now", NOW},
    {UTC, "2026-11-22", 1795305600000 /* 2026-11-22 Z */},
    {NPT, "2026-11-22", 1795284900000 /* 2026-11-22 +05:45 */},
    {PST, "2026-11-22", 1795334400000 /* 2026-11-22 -08:00 */},
    {NPT, "2026-11-22T16:15", 1795343400000 /* 2026-11-22 10:30 Z */},
    {PST, "2026-11-22T10:30:15", 1795372215000 /* 2026-11-22 18:30:15 Z */},
    {PST, "2026-11-22T10:30Z", 1795343400000 /* 2026-11-22 10:30 Z */},
    {NPT, "2026-11-22T10:30:15Z", 1795343415000 /* 2026-11-22 10:30:15 Z */},
    {UTC, "1969-12-31T23:59:59", -1000},
    {UTC, "2024-02-29T23:59", 1709251140000 /* 2024-02-29 23:59 Z */},
};

static const char *const instant_bad[] = {
    "",
    "now ",
    "Now",
    "-",
    "--1",
    "+5",
    "12a",
    "1e3",
    "9223372036854775808",
    "-9223372036854775809",
    "2026-11-22Z",
    "2026-11-22T",
    "2026-11-22T10",
    "2026-11-22T10:3",
    "2026-11-22T24:00",
    "2026-11-22T10:60",
    "2026-11-22T10:30:60",
    "2026-11-22T10:30:1",
    "2026-11-22 10:30",
    "2026-11-22t10:30",
    "2026-11-22T10:30ZZ",
    "2026-11-22T10:30z",
    "2026-11-22T10:30+01:00",
    "2026-02-30",
    "2025-02-29T00:00",
    "2026-11",
};

static void test_parse_instant(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(instant_ok); i++) {
        const struct instant_row *r = &instant_ok[i];
        int64_t t = -7;
        if (cal_parse_instant(&r->cal, r->s, NOW, &t) != 0)
            fail_msg("'%s' did not parse", r->s);
        eq64(r->s, "t", t, r->t);
    }
    for (size_t i = 0; i < NELEM(instant_bad); i++) {
        cal_t c = UTC;
        int64_t t = 7;
        if (cal_parse_instant(&c, instant_bad[i], NOW, &t) != -1)
            fail_msg("'%s' parsed", instant_bad[i]);
        eq64(instant_bad[i], "untouched", t, 7);
    }
}

static void test_parse_date(void **state)
{
    (void)state;
    cal_t npt = NPT;
    int64_t t = 7;
    assert_int_equal(cal_parse_date(&npt, "2026-11-22", &t), 0);
    eq64("2026-11-22", "t", t, 1795284900000 /* 2026-11-22 +05:45 */);
    t = 7;
    assert_int_equal(cal_parse_date(&npt, "2026-11", &t), -1);
    assert_int_equal(cal_parse_date(&npt, "2026-11-22T00:00", &t), -1);
    assert_int_equal(cal_parse_date(&npt, "2026-11-22 ", &t), -1);
    assert_int_equal(cal_parse_date(&npt, "1763807400000", &t), -1);
    assert_int_equal(cal_parse_date(&npt, "now", &t), -1);
    eq64("bad dates", "untouched", t, 7);
}

static const struct format_row {
    cal_t cal;
    int64_t t;
    const char *s;
} format_rows[] = {
    {UTC, 0, "1970-01-01 00:00"},
    {NPT, 0, "1970-01-01 05:45"},
    {PST, 0, "1969-12-31 16:00"},
    {UTC, -1, "1969-12-31 23:59"},
    {UTC, 1795343459999 /* 2026-11-22 10:30:59.999 Z */, "2026-11-22 10:30"},
    {NPT, 1795371299000 /* 2026-11-22 18:14:59 Z */, "2026-11-22 23:59"},
    {NPT, 1795371300000 /* 2026-11-22 18:15 Z */, "2026-11-23 00:00"},
    {PST, 1798790340000 /* 2027-01-01 07:59 Z */, "2026-12-31 23:59"},
    {UTC, 1709208000000 /* 2024-02-29 12:00 Z */, "2024-02-29 12:00"},
};

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    for (size_t i = 0; i < NELEM(format_rows); i++) {
        const struct format_row *r = &format_rows[i];
        memset(buf, 'x', sizeof buf);
        assert_ptr_equal(cal_format(&r->cal, r->t, buf, sizeof buf), buf);
        assert_string_equal(buf, r->s);
    }
    /* a short buffer is truncated, never overrun */
    cal_t c = UTC;
    memset(buf, 'x', sizeof buf);
    cal_format(&c, 0, buf, 11);
    assert_string_equal(buf, "1970-01-01");
    assert_int_equal(buf[11], 'x');
}

/* ---- windows ---------------------------------------------------------- */

static const struct wparse_row {
    cal_t cal;
    const char *s;
    window_kind_t kind;
    int64_t span;
    period_unit_t unit;
    int64_t from, to;
} wparse_ok[] = {
    {UTC, "5m", WIN_ROLLING, 300000, PER_DAY, 0, 0},
    {UTC, "1h", WIN_ROLLING, 3600000, PER_DAY, 0, 0},
    {UTC, "24h", WIN_ROLLING, 86400000, PER_DAY, 0, 0},
    {UTC, "7d", WIN_ROLLING, 604800000, PER_DAY, 0, 0},
    {UTC, "30d", WIN_ROLLING, 2592000000, PER_DAY, 0, 0},
    {UTC, "90d", WIN_ROLLING, 7776000000, PER_DAY, 0, 0},
    {UTC, "2w", WIN_ROLLING, 1209600000, PER_DAY, 0, 0},
    {UTC, "today", WIN_TO_DATE, 0, PER_DAY, 0, 0},
    {UTC, "wtd", WIN_TO_DATE, 0, PER_WEEK, 0, 0},
    {UTC, "mtd", WIN_TO_DATE, 0, PER_MONTH, 0, 0},
    {UTC, "qtd", WIN_TO_DATE, 0, PER_QUARTER, 0, 0},
    {UTC, "ytd", WIN_TO_DATE, 0, PER_YEAR, 0, 0},
    {UTC, "2026-Q4", WIN_PERIOD, 0, PER_QUARTER, 1790812800000 /* 2026-10-01 Z */,
     1798761600000 /* 2027-01-01 Z */},
    {FY4, "2026-Q4", WIN_PERIOD, 0, PER_QUARTER, 1798761600000 /* 2027-01-01 Z */,
     1806537600000 /* 2027-04-01 Z */},
    {UTC, "2026-11", WIN_PERIOD, 0, PER_MONTH, 1793491200000 /* 2026-11-01 Z */,
     1796083200000 /* 2026-12-01 Z */},
    {UTC, "2026-W47", WIN_PERIOD, 0, PER_WEEK, 1794787200000 /* 2026-11-16 Z */,
     1795392000000 /* 2026-11-23 Z */},
    {NPT, "2026-11-22", WIN_PERIOD, 0, PER_DAY, 1795284900000 /* 2026-11-22 +05:45 */,
     1795371300000 /* 2026-11-23 +05:45 */},
    {UTC, "2026", WIN_PERIOD, 0, PER_YEAR, 1767225600000 /* 2026-01-01 Z */,
     1798761600000 /* 2027-01-01 Z */},
};

static const char *const wparse_bad[] = {
    "",
    "5s",
    "1y",
    "0m",
    "-5m",
    "+5m",
    "24x",
    "5",
    "x",
    "Today",
    "mtd ",
    " mtd",
    "MTD",
    "qtdx",
    "2026-13",
    "2026-W54",
    "2026-Q5",
    "5mm",
    "2026-11-22T00:00",
    "now",
    "1h30m",
};

static void test_window_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(wparse_ok); i++) {
        const struct wparse_row *r = &wparse_ok[i];
        window_t w;
        memset(&w, 0x5a, sizeof w);
        if (window_parse(&r->cal, r->s, &w) != 0)
            fail_msg("'%s' did not parse", r->s);
        eq64(r->s, "kind", w.kind, r->kind);
        if (r->kind == WIN_ROLLING)
            eq64(r->s, "span", w.span, r->span);
        if (r->kind != WIN_ROLLING)
            eq64(r->s, "unit", w.unit, r->unit);
        if (r->kind == WIN_PERIOD) {
            eq64(r->s, "from", w.from, r->from);
            eq64(r->s, "to", w.to, r->to);
        }
    }
    for (size_t i = 0; i < NELEM(wparse_bad); i++) {
        cal_t c = UTC;
        window_t w;
        if (window_parse(&c, wparse_bad[i], &w) != -1)
            fail_msg("'%s' parsed", wparse_bad[i]);
    }
}

/*
 * Availability used below: now = 2026-11-22 12:00Z with the default
 * retention (48h, 90d, 5y).  Minutes exist from 2026-11-20 12:00Z, hours
 * from 2026-08-24 12:00Z, days from 2021-11-23 12:00Z.
 */
#define AVAIL_NOW 1795348800000 /* 2026-11-22 12:00 Z */
static const int64_t default_retention[RES_COUNT] = {172800000, 7776000000, 157680000000};

static window_avail_t fresh(void)
{
    return window_avail_at(AVAIL_NOW, default_retention);
}

/* Everything still at minute resolution. */
static window_avail_t all(void)
{
    return (window_avail_t){{INT64_MIN, INT64_MIN, INT64_MIN}};
}

/* Like fresh(), but now = 2026-11-22 12:30Z: retention bounds are not whole hours. */
static window_avail_t late(void)
{
    return window_avail_at(1795350600000 /* 2026-11-22 12:30 Z */, default_retention);
}

static window_avail_t avail_of(int which)
{
    return which == 0 ? all() : which == 1 ? fresh() : late();
}

static void test_window_avail(void **state)
{
    (void)state;
    window_avail_t a = fresh();
    eq64("fresh", "minute", a.keep_from[RES_MINUTE], 1795176000000 /* 2026-11-20 12:00 Z */);
    eq64("fresh", "hour", a.keep_from[RES_HOUR], 1787572800000 /* 2026-08-24 12:00 Z */);
    eq64("fresh", "day", a.keep_from[RES_DAY], 1637668800000 /* 2021-11-23 12:00 Z */);
}

static const struct round_row {
    const char *name;
    cal_t cal;
    int avail; /* 0: all(), 1: fresh(), 2: late() */
    int64_t t, want;
} round_rows[] = {
    {"minute up", UTC, 1, 1795343415000 /* 2026-11-22 10:30:15 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */},
    {"minute aligned", UTC, 1, 1795343400000 /* 2026-11-22 10:30 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */},
    {"minute +1ms", UTC, 1, 1795343400001 /* 2026-11-22 10:30:00.001 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */},
    {"at minute keep", UTC, 1, 1795176015000 /* 2026-11-20 12:00:15 Z */,
     1795176060000 /* 2026-11-20 12:01 Z */},
    {"before minute keep", UTC, 1, 1795175970000 /* 2026-11-20 11:59:30 Z */,
     1795176000000 /* 2026-11-20 12:00 Z */},
    {"hour up", UTC, 1, 1795170600000 /* 2026-11-20 10:30 Z */,
     1795172400000 /* 2026-11-20 11:00 Z */},
    {"hour aligned", UTC, 1, 1795168800000 /* 2026-11-20 10:00 Z */,
     1795168800000 /* 2026-11-20 10:00 Z */},
    {"npt hour up", NPT, 1, 1795170600000 /* 2026-11-20 10:30 Z */,
     1795173300000 /* 2026-11-20 11:15 Z */},
    {"at hour keep", UTC, 1, 1787574600000 /* 2026-08-24 12:30 Z */,
     1787576400000 /* 2026-08-24 13:00 Z */},
    {"before hour keep", UTC, 1, 1787571000000 /* 2026-08-24 11:30 Z */,
     1787616000000 /* 2026-08-25 Z */},
    {"day aligned", UTC, 1, 1787529600000 /* 2026-08-24 Z */, 1787529600000 /* 2026-08-24 Z */},
    {"npt day up", NPT, 1, 1787571000000 /* 2026-08-24 11:30 Z */,
     1787595300000 /* 2026-08-25 +05:45 */},
    {"pst day up", PST, 1, 1787571000000 /* 2026-08-24 11:30 Z */,
     1787644800000 /* 2026-08-25 -08:00 */},
    {"before day keep", UTC, 1, 1577872800000 /* 2020-01-01 10:00 Z */,
     1577923200000 /* 2020-01-02 Z */},
    /* at exactly keep_from a resolution is still available */
    {"exactly minute keep", UTC, 2, 1795177800000 /* 2026-11-20 12:30 Z */,
     1795177800000 /* 2026-11-20 12:30 Z */},
    {"just before minute keep", UTC, 2, 1795177799999 /* 2026-11-20 12:29:59.999 Z */,
     1795179600000 /* 2026-11-20 13:00 Z */},
    {"exactly hour keep", UTC, 2, 1787574600000 /* 2026-08-24 12:30 Z */,
     1787576400000 /* 2026-08-24 13:00 Z */},
    {"just before hour keep", UTC, 2, 1787574599999 /* 2026-08-24 12:29:59.999 Z */,
     1787616000000 /* 2026-08-25 Z */},
    {"all: old minute", UTC, 0, 1577872801000 /* 2020-01-01 10:00:01 Z */,
     1577872860000 /* 2020-01-01 10:01 Z */},
    {"all: -1", UTC, 0, -1, 0},
    {"all: -60001", UTC, 0, -60001, -60000},
};

static void test_window_round(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(round_rows); i++) {
        const struct round_row *r = &round_rows[i];
        window_avail_t a = avail_of(r->avail);
        eq64(r->name, "round", window_round(&r->cal, &a, r->t), r->want);
    }
}

static const struct resolve_row {
    const char *name;
    cal_t cal;
    int avail; /* 0: all(), 1: fresh(), 2: late() */
    window_t w;
    int64_t at;
    int64_t from, to, pfrom, pto;
} resolve_rows[] = {
    {"24h",
     UTC,
     0,
     {.kind = WIN_ROLLING, .span = 86400000},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1795257060000 /* 2026-11-21 10:31 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1795170660000 /* 2026-11-20 10:31 Z */,
     1795257060000 /* 2026-11-21 10:31 Z */},
    /* the previous window's start is past minute retention: rounded to the hour */
    {"24h fresh",
     UTC,
     1,
     {.kind = WIN_ROLLING, .span = 86400000},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1795257060000 /* 2026-11-21 10:31 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1795172400000 /* 2026-11-20 11:00 Z */,
     1795257060000 /* 2026-11-21 10:31 Z */},
    {"30d fresh",
     UTC,
     1,
     {.kind = WIN_ROLLING, .span = 2592000000},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1792753200000 /* 2026-10-23 11:00 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1790161200000 /* 2026-09-23 11:00 Z */,
     1792753200000 /* 2026-10-23 11:00 Z */},
    {"7d at epoch",
     UTC,
     0,
     {.kind = WIN_ROLLING, .span = 604800000},
     0,
     -604800000,
     0,
     -1209600000,
     -604800000},
    /* minutes kept from 2026-11-20 12:30: 12:25 rounds up to 13:00, past to */
    {"10m clamped",
     UTC,
     2,
     {.kind = WIN_ROLLING, .span = 600000},
     1795178100000 /* 2026-11-20 12:35 Z */,
     1795179600000 /* 2026-11-20 13:00 Z */,
     1795179600000 /* 2026-11-20 13:00 Z */,
     1795179600000 /* 2026-11-20 13:00 Z */,
     1795179600000 /* 2026-11-20 13:00 Z */},
    {"today",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_DAY},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1795219200000 /* 2026-11-21 Z */,
     1795257060000 /* 2026-11-21 10:31 Z */},
    {"today at midnight",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_DAY},
     1795305600000 /* 2026-11-22 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1795219200000 /* 2026-11-21 Z */,
     1795219200000 /* 2026-11-21 Z */},
    /* at rounds up to midnight, so today is the new (empty) day */
    {"today rounds to midnight",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_DAY},
     1795305570000 /* 2026-11-21 23:59:30 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1795219200000 /* 2026-11-21 Z */,
     1795219200000 /* 2026-11-21 Z */},
    {"today npt",
     NPT,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_DAY},
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795284900000 /* 2026-11-22 +05:45 */,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795198500000 /* 2026-11-21 +05:45 */,
     1795257000000 /* 2026-11-21 10:30 Z */},
    {"wtd sunday",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_WEEK},
     1795343400000 /* 2026-11-22 10:30 Z */,
     1794787200000 /* 2026-11-16 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1794182400000 /* 2026-11-09 Z */,
     1794738600000 /* 2026-11-15 10:30 Z */},
    {"mtd mid-month",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_MONTH},
     1773568800000 /* 2026-03-15 10:00 Z */,
     1772323200000 /* 2026-03-01 Z */,
     1773568800000 /* 2026-03-15 10:00 Z */,
     1769904000000 /* 2026-02-01 Z */,
     1771149600000 /* 2026-02-15 10:00 Z */},
    /* 30 d 10 h into March is past the end of February: clamped */
    {"mtd march 31",
     UTC,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_MONTH},
     1774951200000 /* 2026-03-31 10:00 Z */,
     1772323200000 /* 2026-03-01 Z */,
     1774951200000 /* 2026-03-31 10:00 Z */,
     1769904000000 /* 2026-02-01 Z */,
     1772323200000 /* 2026-03-01 Z */},
    {"qtd fy4",
     FY4,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_QUARTER},
     1778414400000 /* 2026-05-10 12:00 Z */,
     1775001600000 /* 2026-04-01 Z */,
     1778414400000 /* 2026-05-10 12:00 Z */,
     1767225600000 /* 2026-01-01 Z */,
     1770638400000 /* 2026-02-09 12:00 Z */},
    {"qtd npt",
     NPT,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_QUARTER},
     1795343400000 /* 2026-11-22 10:30 Z */,
     1790792100000 /* 2026-10-01 +05:45 */,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1782843300000 /* 2026-07-01 +05:45 */,
     1787394600000 /* 2026-08-22 16:15 +05:45 */},
    {"ytd fy4",
     FY4,
     0,
     {.kind = WIN_TO_DATE, .unit = PER_YEAR},
     1771113600000 /* 2026-02-15 Z */,
     1743465600000 /* 2025-04-01 Z */,
     1771113600000 /* 2026-02-15 Z */,
     1711929600000 /* 2024-04-01 Z */,
     1739577600000 /* 2025-02-15 Z */},
    /* a year ago is past hour retention: the previous end rounds to the day */
    {"ytd fresh",
     UTC,
     1,
     {.kind = WIN_TO_DATE, .unit = PER_YEAR},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1767225600000 /* 2026-01-01 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1735689600000 /* 2025-01-01 Z */,
     1763856000000 /* 2025-11-23 Z */},
    {"period q4",
     UTC,
     0,
     {.kind = WIN_PERIOD,
      .unit = PER_QUARTER,
      .from = 1790812800000 /* 2026-10-01 Z */,
      .to = 1798761600000 /* 2027-01-01 Z */},
     1795343415000 /* 2026-11-22 10:30:15 Z */,
     1790812800000 /* 2026-10-01 Z */,
     1798761600000 /* 2027-01-01 Z */,
     1782864000000 /* 2026-07-01 Z */,
     1790812800000 /* 2026-10-01 Z */},
    /* at does not matter for a whole period */
    {"period q4 other at",
     UTC,
     1,
     {.kind = WIN_PERIOD,
      .unit = PER_QUARTER,
      .from = 1790812800000 /* 2026-10-01 Z */,
      .to = 1798761600000 /* 2027-01-01 Z */},
     0,
     1790812800000 /* 2026-10-01 Z */,
     1798761600000 /* 2027-01-01 Z */,
     1782864000000 /* 2026-07-01 Z */,
     1790812800000 /* 2026-10-01 Z */},
    {"period w47",
     UTC,
     0,
     {.kind = WIN_PERIOD,
      .unit = PER_WEEK,
      .from = 1794787200000 /* 2026-11-16 Z */,
      .to = 1795392000000 /* 2026-11-23 Z */},
     0,
     1794787200000 /* 2026-11-16 Z */,
     1795392000000 /* 2026-11-23 Z */,
     1794182400000 /* 2026-11-09 Z */,
     1794787200000 /* 2026-11-16 Z */},
    {"period march",
     UTC,
     0,
     {.kind = WIN_PERIOD,
      .unit = PER_MONTH,
      .from = 1772323200000 /* 2026-03-01 Z */,
      .to = 1775001600000 /* 2026-04-01 Z */},
     0,
     1772323200000 /* 2026-03-01 Z */,
     1775001600000 /* 2026-04-01 Z */,
     1769904000000 /* 2026-02-01 Z */,
     1772323200000 /* 2026-03-01 Z */},
    {"period fy4 2026",
     FY4,
     0,
     {.kind = WIN_PERIOD,
      .unit = PER_YEAR,
      .from = 1775001600000 /* 2026-04-01 Z */,
      .to = 1806537600000 /* 2027-04-01 Z */},
     0,
     1775001600000 /* 2026-04-01 Z */,
     1806537600000 /* 2027-04-01 Z */,
     1743465600000 /* 2025-04-01 Z */,
     1775001600000 /* 2026-04-01 Z */},
    {"period npt day",
     NPT,
     0,
     {.kind = WIN_PERIOD,
      .unit = PER_DAY,
      .from = 1795284900000 /* 2026-11-22 +05:45 */,
      .to = 1795371300000 /* 2026-11-23 +05:45 */},
     0,
     1795284900000 /* 2026-11-22 +05:45 */,
     1795371300000 /* 2026-11-23 +05:45 */,
     1795198500000 /* 2026-11-21 +05:45 */,
     1795284900000 /* 2026-11-22 +05:45 */},
    {"explicit",
     UTC,
     0,
     {.kind = WIN_EXPLICIT,
      .from = 1795341630000 /* 2026-11-22 10:00:30 Z */,
      .to = 1795345200000 /* 2026-11-22 11:00 Z */},
     0,
     1795341660000 /* 2026-11-22 10:01 Z */,
     1795345200000 /* 2026-11-22 11:00 Z */,
     /* the previous window has the rounded window's length, 59 min */
     1795338120000 /* 2026-11-22 09:02 Z */,
     1795341660000 /* 2026-11-22 10:01 Z */},
    {"explicit reversed",
     UTC,
     0,
     {.kind = WIN_EXPLICIT,
      .from = 1795345200000 /* 2026-11-22 11:00 Z */,
      .to = 1795341600000 /* 2026-11-22 10:00 Z */},
     0,
     1795345200000 /* 2026-11-22 11:00 Z */,
     1795345200000 /* 2026-11-22 11:00 Z */,
     1795345200000 /* 2026-11-22 11:00 Z */,
     1795345200000 /* 2026-11-22 11:00 Z */},
    {"explicit fresh",
     UTC,
     1,
     {.kind = WIN_EXPLICIT,
      .from = 1795084200000 /* 2026-11-19 10:30 Z */,
      .to = 1795257000000 /* 2026-11-21 10:30 Z */},
     0,
     1795086000000 /* 2026-11-19 11:00 Z */,
     1795257000000 /* 2026-11-21 10:30 Z */,
     /* 47.5 h before the rounded from is 11-17 11:30, past the minute
      * retention: rounded up to the hour */
     1794916800000 /* 2026-11-17 12:00 Z */,
     1795086000000 /* 2026-11-19 11:00 Z */},
};

static void test_window_resolve(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(resolve_rows); i++) {
        const struct resolve_row *r = &resolve_rows[i];
        window_avail_t a = avail_of(r->avail);
        int64_t f = 1, t = 2, pf = 3, pt = 4;
        window_resolve(&r->cal, &a, &r->w, r->at, &f, &t, &pf, &pt);
        eq64(r->name, "from", f, r->from);
        eq64(r->name, "to", t, r->to);
        eq64(r->name, "pfrom", pf, r->pfrom);
        eq64(r->name, "pto", pt, r->pto);
    }
}

/* Parsed windows resolve the same as the hand-built ones. */
static void test_window_parse_resolve(void **state)
{
    (void)state;
    cal_t c = FY4;
    window_avail_t a = all();
    window_t w;
    int64_t f, t, pf, pt;
    assert_int_equal(window_parse(&c, "qtd", &w), 0);
    window_resolve(&c, &a, &w, 1778414341000 /* 2026-05-10 11:59:01 Z */, &f, &t, &pf, &pt);
    eq64("qtd", "from", f, 1775001600000 /* 2026-04-01 Z */);
    eq64("qtd", "to", t, 1778414400000 /* 2026-05-10 12:00 Z */);
    eq64("qtd", "pfrom", pf, 1767225600000 /* 2026-01-01 Z */);
    eq64("qtd", "pto", pt, 1770638400000 /* 2026-02-09 12:00 Z */);
    assert_int_equal(window_parse(&c, "2026-Q1", &w), 0);
    window_resolve(&c, &a, &w, 0, &f, &t, &pf, &pt);
    eq64("2026-Q1", "from", f, 1775001600000 /* 2026-04-01 Z */);
    eq64("2026-Q1", "to", t, 1782864000000 /* 2026-07-01 Z */);
    eq64("2026-Q1", "pfrom", pf, 1767225600000 /* 2026-01-01 Z */);
    eq64("2026-Q1", "pto", pt, 1775001600000 /* 2026-04-01 Z */);
}

#define P(r, s, e)                                                                                 \
    {                                                                                              \
        RES_##r, s, e                                                                              \
    }

static const struct tile_row {
    const char *name;
    cal_t cal;
    int64_t from, to;
    int n;
    window_piece_t want[5];
} tile_rows[] = {
    {"30d to a non-aligned minute",
     UTC,
     1792751460000 /* 2026-10-23 10:31 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     5,
     {P(MINUTE, 1792751460000 /* 2026-10-23 10:31 Z */, 1792753200000 /* 2026-10-23 11:00 Z */),
      P(HOUR, 1792753200000 /* 2026-10-23 11:00 Z */, 1792800000000 /* 2026-10-24 Z */),
      P(DAY, 1792800000000 /* 2026-10-24 Z */, 1795305600000 /* 2026-11-22 Z */),
      P(HOUR, 1795305600000 /* 2026-11-22 Z */, 1795341600000 /* 2026-11-22 10:00 Z */),
      P(MINUTE, 1795341600000 /* 2026-11-22 10:00 Z */, 1795343460000 /* 2026-11-22 10:31 Z */)}},
    /* same instants at +05:45: hours and days follow local time */
    {"30d npt",
     NPT,
     1792751460000 /* 2026-10-23 10:31 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     5,
     {P(MINUTE, 1792751460000 /* 2026-10-23 10:31 Z */,
        1792754100000 /* 2026-10-23 17:00 +05:45 */),
      P(HOUR, 1792754100000 /* 2026-10-23 17:00 +05:45 */, 1792779300000 /* 2026-10-24 +05:45 */),
      P(DAY, 1792779300000 /* 2026-10-24 +05:45 */, 1795284900000 /* 2026-11-22 +05:45 */),
      P(HOUR, 1795284900000 /* 2026-11-22 +05:45 */, 1795342500000 /* 2026-11-22 16:00 +05:45 */),
      P(MINUTE, 1795342500000 /* 2026-11-22 16:00 +05:45 */,
        1795343460000 /* 2026-11-22 10:31 Z */)}},
    {"inside one hour",
     UTC,
     1795341900000 /* 2026-11-22 10:05 Z */,
     1795344300000 /* 2026-11-22 10:45 Z */,
     1,
     {P(MINUTE, 1795341900000 /* 2026-11-22 10:05 Z */, 1795344300000 /* 2026-11-22 10:45 Z */)}},
    {"crossing one hour boundary",
     UTC,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795346100000 /* 2026-11-22 11:15 Z */,
     1,
     {P(MINUTE, 1795343400000 /* 2026-11-22 10:30 Z */, 1795346100000 /* 2026-11-22 11:15 Z */)}},
    {"one whole hour",
     UTC,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795349700000 /* 2026-11-22 12:15 Z */,
     3,
     {P(MINUTE, 1795343400000 /* 2026-11-22 10:30 Z */, 1795345200000 /* 2026-11-22 11:00 Z */),
      P(HOUR, 1795345200000 /* 2026-11-22 11:00 Z */, 1795348800000 /* 2026-11-22 12:00 Z */),
      P(MINUTE, 1795348800000 /* 2026-11-22 12:00 Z */, 1795349700000 /* 2026-11-22 12:15 Z */)}},
    {"hours, aligned",
     UTC,
     1795341600000 /* 2026-11-22 10:00 Z */,
     1795356000000 /* 2026-11-22 14:00 Z */,
     1,
     {P(HOUR, 1795341600000 /* 2026-11-22 10:00 Z */, 1795356000000 /* 2026-11-22 14:00 Z */)}},
    {"24h not day-aligned",
     UTC,
     1795255200000 /* 2026-11-21 10:00 Z */,
     1795341600000 /* 2026-11-22 10:00 Z */,
     1,
     {P(HOUR, 1795255200000 /* 2026-11-21 10:00 Z */, 1795341600000 /* 2026-11-22 10:00 Z */)}},
    {"one day",
     UTC,
     1795219200000 /* 2026-11-21 Z */,
     1795305600000 /* 2026-11-22 Z */,
     1,
     {P(DAY, 1795219200000 /* 2026-11-21 Z */, 1795305600000 /* 2026-11-22 Z */)}},
    {"week of days",
     UTC,
     1793491200000 /* 2026-11-01 Z */,
     1794096000000 /* 2026-11-08 Z */,
     1,
     {P(DAY, 1793491200000 /* 2026-11-01 Z */, 1794096000000 /* 2026-11-08 Z */)}},
    {"days then edge",
     UTC,
     1795132800000 /* 2026-11-20 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     3,
     {P(DAY, 1795132800000 /* 2026-11-20 Z */, 1795305600000 /* 2026-11-22 Z */),
      P(HOUR, 1795305600000 /* 2026-11-22 Z */, 1795341600000 /* 2026-11-22 10:00 Z */),
      P(MINUTE, 1795341600000 /* 2026-11-22 10:00 Z */, 1795343460000 /* 2026-11-22 10:31 Z */)}},
    {"one minute",
     UTC,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1,
     {P(MINUTE, 1795343400000 /* 2026-11-22 10:30 Z */, 1795343460000 /* 2026-11-22 10:31 Z */)}},
    {"pst local days",
     PST,
     1795248000000 /* 2026-11-21 -08:00 */,
     1795420800000 /* 2026-11-23 -08:00 */,
     1,
     {P(DAY, 1795248000000 /* 2026-11-21 -08:00 */, 1795420800000 /* 2026-11-23 -08:00 */)}},
    {"utc days at pst bounds",
     UTC,
     1795248000000 /* 2026-11-21 -08:00 */,
     1795420800000 /* 2026-11-23 -08:00 */,
     3,
     {P(HOUR, 1795248000000 /* 2026-11-21 08:00 Z */, 1795305600000 /* 2026-11-22 Z */),
      P(DAY, 1795305600000 /* 2026-11-22 Z */, 1795392000000 /* 2026-11-23 Z */),
      P(HOUR, 1795392000000 /* 2026-11-23 Z */, 1795420800000 /* 2026-11-23 08:00 Z */)}},
    {"around the epoch",
     UTC,
     -5400000,
     1800000,
     3,
     {P(MINUTE, -5400000, -3600000), P(HOUR, -3600000, 0), P(MINUTE, 0, 1800000)}},
    {"empty",
     UTC,
     1795343400000 /* 2026-11-22 10:30 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */,
     0,
     {{0}}},
    {"reversed",
     UTC,
     1795343460000 /* 2026-11-22 10:31 Z */,
     1795343400000 /* 2026-11-22 10:30 Z */,
     0,
     {{0}}},
};

static void test_window_tile(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(tile_rows); i++) {
        const struct tile_row *r = &tile_rows[i];
        window_piece_t got[5];
        memset(got, 0x5a, sizeof got);
        int n = window_tile(&r->cal, r->from, r->to, got);
        eq64(r->name, "pieces", n, r->n);
        for (int k = 0; k < n; k++) {
            char what[32];
            snprintf(what, sizeof what, "piece %d res", k);
            eq64(r->name, what, got[k].res, r->want[k].res);
            snprintf(what, sizeof what, "piece %d start", k);
            eq64(r->name, what, got[k].start, r->want[k].start);
            snprintf(what, sizeof what, "piece %d end", k);
            eq64(r->name, what, got[k].end, r->want[k].end);
        }
    }
}

/* Pieces of random minute-aligned windows are contiguous and aligned. */
static void test_window_tile_sweep(void **state)
{
    (void)state;
    static const cal_t cals[] = {UTC, NPT, PST};
    uint64_t x = 0x2545f4914f6cdd1du;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const cal_t *c = &cals[i % NELEM(cals)];
        int64_t from = (int64_t)(x % 1000000) * MS_MINUTE + 1735689600000 /* 2025-01-01 Z */;
        int64_t to = from + (int64_t)((x >> 32) % (3 * 24 * 60 * (1 + i % 40))) * MS_MINUTE;
        window_piece_t p[5];
        int n = window_tile(c, from, to, p);
        assert_true(n >= (from < to) && n <= 5);
        int64_t at = from;
        for (int k = 0; k < n; k++) {
            int64_t u = res_ms(p[k].res);
            assert_true(p[k].start == at && p[k].start < p[k].end);
            assert_true(cal_floor(c, p[k].res, p[k].start) == p[k].start);
            assert_true(cal_floor(c, p[k].res, p[k].end) == p[k].end);
            assert_true((p[k].end - p[k].start) % u == 0);
            /* never two neighbours of the same resolution */
            if (k > 0)
                assert_true(p[k].res != p[k - 1].res);
            at = p[k].end;
        }
        assert_true(at == (n > 0 ? to : from));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_res),
        cmocka_unit_test(test_floor_ceil),
        cmocka_unit_test(test_floor_ceil_sweep),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_period_add),
        cmocka_unit_test(test_period_sweep),
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_parse_period),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_offset),
        cmocka_unit_test(test_parse_instant),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_window_parse),
        cmocka_unit_test(test_window_avail),
        cmocka_unit_test(test_window_round),
        cmocka_unit_test(test_window_resolve),
        cmocka_unit_test(test_window_parse_resolve),
        cmocka_unit_test(test_window_tile),
        cmocka_unit_test(test_window_tile_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
