/*
 * test_okr_math.c - unit tests for daemon/okr_math.c (SPEC section 3).
 *
 * Table-driven.  Every expected value is worked out by hand in the comment
 * beside its row, not with the code under test; the least-squares fit is
 * also checked against the closed-form textbook formula evaluated here in
 * long double.  Threshold rows sit exactly on a boundary and one ulp below
 * it (BELOW), where the boundary is computed the way the spec words it
 * (0.9 * expected), so that the >= comparisons are pinned down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "okr_math.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The largest double below x. */
#define BELOW(x) nextafter((x), -INFINITY)

/* Relative closeness for computed (non-exact) results. */
static bool close_to(double got, double want, double tol)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    return fabs(got - want) <= tol * scale;
}

static void near(const char *row, const char *what, double got, double want, double tol)
{
    if (!close_to(got, want, tol))
        fail_msg("%s: %s = %.17g, want %.17g", row, what, got, want);
}

/* ---- status names ------------------------------------------------------ */

static void test_status_name(void **state)
{
    (void)state;
    static const struct {
        okr_status_t s;
        const char *name;
    } rows[] = {
        {OKR_ON_TRACK, "on_track"},       {OKR_AT_RISK, "at_risk"},
        {OKR_OFF_TRACK, "off_track"},     {OKR_DONE, "done"},
        {OKR_ACHIEVED, "achieved"},       {OKR_MISSED, "missed"},
        {OKR_NO_BASELINE, "no_baseline"},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        const char *got = okr_status_name(rows[i].s);
        if (got == NULL)
            fail_msg("status %d: NULL, want %s", (int)rows[i].s, rows[i].name);
        assert_string_equal(got, rows[i].name);
    }
    assert_null(okr_status_name(OKR_STATUS_NONE));
    assert_null(okr_status_name((okr_status_t)99));
    assert_null(okr_status_name((okr_status_t)-1));
}

/* ---- expected (pace) --------------------------------------------------- */

static void test_expected(void **state)
{
    (void)state;
    /* Q4 2026 in UTC: 2026-10-01 Z .. 2027-01-01 Z, 92 days of 86400000 ms */
    const int64_t q4 = 1790812800000, q4end = 1798761600000, day = 86400000;
    const struct {
        const char *name;
        int64_t from, to, at;
        double want;
    } rows[] = {
        {"before", 0, 100, -5, 0.0},                      /* clamped up to 0 */
        {"at start", 0, 100, 0, 0.0},                     /* 0 / 100 */
        {"quarter", 0, 100, 25, 0.25},                    /* 25 / 100 */
        {"half", 0, 100, 50, 0.5},                        /* 50 / 100 */
        {"at end", 0, 100, 100, 1.0},                     /* 100 / 100 */
        {"after", 0, 100, 150, 1.0},                      /* clamped down to 1 */
        {"offset", 1000, 1400, 1100, 0.25},               /* 100 / 400 */
        {"negative", -300, -100, -150, 0.75},             /* 150 / 200 */
        {"q4 day 1", q4, q4end, q4 + day, 1.0 / 92.0},    /* one day of 92 */
        {"q4 half", q4, q4end, q4 + 46 * day, 0.5},       /* 46 days of 92 */
        {"q4 last", q4, q4end, q4end - day, 91.0 / 92.0}, /* 91 days of 92 */
        {"empty before", 100, 100, 99, 0.0},              /* to <= from, at < to */
        {"empty at", 100, 100, 100, 1.0},                 /* to <= from, at >= to */
        {"empty after", 100, 100, 101, 1.0},              /* to <= from, at >= to */
        {"reversed before", 200, 100, 50, 0.0},           /* at < to */
        {"reversed at to", 200, 100, 100, 1.0},           /* at >= to */
        {"reversed between", 200, 100, 150, 1.0},         /* at >= to */
        {"reversed after from", 200, 100, 250, 1.0},      /* at >= to */
        {"whole range", INT64_MIN, INT64_MAX, 0, 0.5},    /* 2^63 / (2^64 - 1) */
        {"whole range min", INT64_MIN, INT64_MAX, INT64_MIN, 0.0},
        {"whole range max", INT64_MIN, INT64_MAX, INT64_MAX, 1.0},
    };
    for (size_t i = 0; i < NELEM(rows); i++)
        near(rows[i].name, "expected", okr_expected(rows[i].from, rows[i].to, rows[i].at),
             rows[i].want, 1e-15);
}

/* ---- increase / decrease ----------------------------------------------- */

static void test_move(void **state)
{
    (void)state;
    static const struct move_row {
        const char *name;
        double start, target, current;
        bool ok;
        double progress, attainment;
    } rows[] = {
        /* increase: 0 -> 3000 */
        {"inc half", 0, 3000, 1500, true, 0.5, 0.5},         /* 1500 / 3000 */
        {"inc at start", 0, 3000, 0, true, 0.0, 0.0},        /* 0 / 3000 */
        {"inc at target", 0, 3000, 3000, true, 1.0, 1.0},    /* 3000 / 3000 */
        {"inc over", 0, 3000, 3600, true, 1.0, 1.2},         /* 3600 / 3000, progress clamped */
        {"inc below start", 0, 3000, -300, true, 0.0, -0.1}, /* -300 / 3000, progress clamped */
        /* increase from a non-zero start: 100 -> 200 */
        {"inc offset", 100, 200, 175, true, 0.75, 0.75},      /* 75 / 100 */
        {"inc offset below", 100, 200, 50, true, 0.0, -0.5},  /* -50 / 100 */
        {"inc offset double", 100, 200, 300, true, 1.0, 2.0}, /* 200 / 100 */
        {"inc negative", -10, 0, -2.5, true, 0.75, 0.75},     /* 7.5 / 10 */
        /* decrease (lower is better): 48 -> 24 */
        {"dec quarter", 48, 24, 42, true, 0.25, 0.25},     /* -6 / -24 */
        {"dec", 48, 24, 30, true, 0.75, 0.75},             /* -18 / -24 */
        {"dec at start", 48, 24, 48, true, 0.0, 0.0},      /* 0 / -24 */
        {"dec at target", 48, 24, 24, true, 1.0, 1.0},     /* -24 / -24 */
        {"dec wrong way", 48, 24, 60, true, 0.0, -0.5},    /* 12 / -24: past start, wrong way */
        {"dec over", 48, 24, 12, true, 1.0, 1.5},          /* -36 / -24 */
        {"dec through zero", 48, 24, -24, true, 1.0, 3.0}, /* -72 / -24 */
        /* start == target: a configuration error, no answer */
        {"flat", 5, 5, 5, false, 0, 0},
        {"flat zero", 0, 0, 1, false, 0, 0},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        const struct move_row *r = &rows[i];
        double p = -7, a = -7;
        bool ok = okr_move(r->start, r->target, r->current, &p, &a);
        if (ok != r->ok)
            fail_msg("%s: ok = %d, want %d", r->name, ok, r->ok);
        if (!ok)
            continue;
        near(r->name, "progress", p, r->progress, 1e-15);
        near(r->name, "attainment", a, r->attainment, 1e-15);
        if (p < 0.0 || p > 1.0)
            fail_msg("%s: progress %.17g outside [0, 1]", r->name, p);
    }
}

/* ---- at_least / at_most ------------------------------------------------ */

static void test_keep_ok(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        kr_type_t type;
        double target, value;
        bool want;
    } rows[] = {
        {"at_least above", KR_AT_LEAST, 100, 150, true},
        {"at_least equal", KR_AT_LEAST, 100, 100, true}, /* equal counts as ok */
        {"at_least below", KR_AT_LEAST, 100, 99.99, false},
        {"at_least negative", KR_AT_LEAST, -5, -4, true},
        {"at_least negative below", KR_AT_LEAST, -5, -6, false},
        {"at_least zero", KR_AT_LEAST, 0, 0, true},
        {"at_most below", KR_AT_MOST, 2.5, 0, true},
        {"at_most equal", KR_AT_MOST, 2.5, 2.5, true}, /* equal counts as ok */
        {"at_most above", KR_AT_MOST, 2.5, 2.6, false},
        {"at_most negative", KR_AT_MOST, 2.5, -1, true},
        {"at_most just above", KR_AT_MOST, 0.1, 0.1000001, false},
        /* not a keep KR: never ok */
        {"increase", KR_INCREASE, 100, 150, false},
        {"decrease", KR_DECREASE, 100, 50, false},
        {"milestone", KR_MILESTONE, 1, 1, false},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        bool got = okr_keep_ok(rows[i].type, rows[i].target, rows[i].value);
        if (got != rows[i].want)
            fail_msg("%s: %d, want %d", rows[i].name, got, rows[i].want);
    }
}

/* ---- status ------------------------------------------------------------ */

static void test_status(void **state)
{
    (void)state;
    /* automatic, so that rows may use BELOW() and 0.9 * expected */
    const struct {
        const char *name;
        bool has;
        double progress, expected;
        bool over;
        okr_status_t want;
    } rows[] = {
        {"nil", false, 0.5, 0.5, false, OKR_STATUS_NONE},
        {"nil over", false, 1.0, 1.0, true, OKR_STATUS_NONE},
        {"nil early", false, 0.0, 0.0, false, OKR_STATUS_NONE},

        /* running, expected 1: thresholds 0.9 and 0.6 */
        {"done", true, 1.0, 1.0, false, OKR_DONE},
        {"done early", true, 1.0, 0.1, false, OKR_DONE},
        {"done over-achieved", true, 1.2, 0.5, false, OKR_DONE},
        {"just short of done", true, BELOW(1.0), 1.0, false, OKR_ON_TRACK},
        {"on track at 0.9", true, 0.9, 1.0, false, OKR_ON_TRACK},   /* 0.9 >= 0.9 */
        {"below 0.9", true, BELOW(0.9), 1.0, false, OKR_AT_RISK},   /* < 0.9, >= 0.6 */
        {"at risk at 0.6", true, 0.6, 1.0, false, OKR_AT_RISK},     /* 0.6 >= 0.6 */
        {"below 0.6", true, BELOW(0.6), 1.0, false, OKR_OFF_TRACK}, /* < 0.6 */
        {"zero late", true, 0.0, 1.0, false, OKR_OFF_TRACK},

        /* running, expected 0.5: thresholds 0.45 and 0.3 */
        {"half on track", true, 0.45, 0.5, false, OKR_ON_TRACK}, /* 0.9 * 0.5 */
        {"half below on", true, BELOW(0.45), 0.5, false, OKR_AT_RISK},
        {"half ahead", true, 0.7, 0.5, false, OKR_ON_TRACK},
        {"half at risk", true, 0.3, 0.5, false, OKR_AT_RISK}, /* 0.6 * 0.5 */
        {"half below risk", true, BELOW(0.3), 0.5, false, OKR_OFF_TRACK},

        /* running, expected 0.8: thresholds 0.72 and 0.48, as computed */
        {"0.8 on", true, 0.9 * 0.8, 0.8, false, OKR_ON_TRACK},
        {"0.8 below on", true, BELOW(0.9 * 0.8), 0.8, false, OKR_AT_RISK},
        {"0.8 risk", true, 0.6 * 0.8, 0.8, false, OKR_AT_RISK},
        {"0.8 below risk", true, BELOW(0.6 * 0.8), 0.8, false, OKR_OFF_TRACK},

        /* the first 5 % of the period: on track whatever the progress */
        {"start", true, 0.0, 0.0, false, OKR_ON_TRACK},
        {"early", true, 0.0, 0.04, false, OKR_ON_TRACK},
        {"just under 5%", true, 0.0, BELOW(0.05), false, OKR_ON_TRACK},
        {"at 5% nothing", true, 0.0, 0.05, false, OKR_OFF_TRACK}, /* 0 < 0.6 * 0.05 */
        {"at 5% on", true, 0.9 * 0.05, 0.05, false, OKR_ON_TRACK},
        {"at 5% below on", true, BELOW(0.9 * 0.05), 0.05, false, OKR_AT_RISK},
        {"at 5% risk", true, 0.6 * 0.05, 0.05, false, OKR_AT_RISK},
        {"at 5% below risk", true, BELOW(0.6 * 0.05), 0.05, false, OKR_OFF_TRACK},

        /* over: achieved or missed, whatever expected says */
        {"achieved", true, 1.0, 1.0, true, OKR_ACHIEVED},
        {"achieved over", true, 1.2, 1.0, true, OKR_ACHIEVED},
        {"missed just", true, BELOW(1.0), 1.0, true, OKR_MISSED},
        {"missed 0.95", true, 0.95, 1.0, true, OKR_MISSED},
        {"missed zero", true, 0.0, 1.0, true, OKR_MISSED},
        {"missed early expected", true, 0.0, 0.01, true, OKR_MISSED}, /* < 5 % only while running */
        {"missed zero expected", true, 0.5, 0.0, true, OKR_MISSED},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        okr_status_t got =
            okr_status(rows[i].has, rows[i].progress, rows[i].expected, rows[i].over);
        if (got != rows[i].want)
            fail_msg("%s: %s, want %s", rows[i].name, okr_status_name(got),
                     okr_status_name(rows[i].want));
    }
}

/* ---- grade ------------------------------------------------------------- */

static void test_grade(void **state)
{
    (void)state;
    /*
     * Decimal literals times 10 land exactly on the half (0.65 * 10 == 6.5),
     * but computed progress need not: 0.7 - 0.05 is 0.6499999999999999 in
     * binary, and must still grade as 0.65 -> 0.7.  A real shortfall of
     * 1e-8 or more is not a rounding artefact and rounds down.
     * Automatic, so that rows may use BELOW() and arithmetic.
     */
    const struct {
        double progress, want; /* want is the decimal literal: compared with == */
    } rows[] = {
        {0.0, 0.0},         {0.04999, 0.0},    {0.05, 0.1},
        {BELOW(0.05), 0.1}, /* one ulp short of 0.05 */
        {0.1, 0.1},         {0.123, 0.1},      {0.149999, 0.1},
        {0.15, 0.2},        {0.25, 0.3},       {BELOW(0.25), 0.3},
        {0.3, 0.3},         {0.35, 0.4},       {0.45, 0.5},
        {1.0 - 0.55, 0.5}, /* 0.44999999999999996 */
        {0.55, 0.6},        {0.6, 0.6},        {0.649999, 0.6},
        {0.65 - 1e-8, 0.6},                    /* short by more than the epsilon */
        {0.65, 0.7},        {0.7 - 0.05, 0.7}, /* 0.6499999999999999 */
        {BELOW(0.65), 0.7}, {0.66, 0.7},       {0.7, 0.7},
        {0.74, 0.7},        {0.75, 0.8},       {0.85, 0.9},
        {0.94999, 0.9},     {0.95, 1.0},       {0.99, 1.0},
        {1.0, 1.0},         {1.25, 1.3},       {-0.04, 0.0}, /* never -0 */
        {-0.05, -0.1},      {-0.25, -0.3},     {2.0 / 3.0, 0.7},
        {1.0 / 3.0, 0.3},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        double got = okr_grade(rows[i].progress);
        if (got != rows[i].want)
            fail_msg("grade(%.17g) = %.17g, want %.17g", rows[i].progress, got, rows[i].want);
        /* exactly the decimal: k / 10.0 for a whole k */
        if (got != round(got * 10.0) / 10.0)
            fail_msg("grade(%.17g) = %.17g is not k/10", rows[i].progress, got);
        if (signbit(got) && got == 0.0)
            fail_msg("grade(%.17g) is -0", rows[i].progress);
    }
}

/* ---- least squares ----------------------------------------------------- */

/*
 * The reference: b = (n Sxy - Sx Sy) / (n Sxx - Sx^2), a = (Sy - b Sx) / n,
 * over the present points (i + 1, y[i]), in long double.
 */
static bool ref_fit(const double *y, const bool *has, int n, double *a, double *b)
{
    long double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (has && !has[i])
            continue;
        long double x = i + 1;
        m++;
        sx += x;
        sy += y[i];
        sxx += x * x;
        sxy += x * y[i];
    }
    if (m < 3)
        return false;
    long double bb = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    *b = (double)bb;
    *a = (double)((sy - bb * sx) / m);
    return true;
}

#define MAXPTS 12

static void test_fit(void **state)
{
    (void)state;
    /* has all-true rows are given with all = true; y beyond n is unused */
    static const struct fit_row {
        const char *name;
        int n;
        double y[MAXPTS];
        bool all;
        bool has[MAXPTS];
        bool ok;
        double a, b; /* by hand; checked when hand is true */
        bool hand;
    } rows[] = {
        /* y = 2 + 3x at x = 1..5: 5, 8, 11, 14, 17 */
        {"line", 5, {5, 8, 11, 14, 17}, true, {0}, true, 2, 3, true},
        /* y = 2 + 3x with x = 2 and 4 missing */
        {"line gaps", 5, {5, 99, 11, 99, 17}, false, {1, 0, 1, 0, 1}, true, 2, 3, true},
        /* falling: y = 10 - 0.5x: 9.5, 9, 8.5 */
        {"falling", 3, {9.5, 9, 8.5}, true, {0}, true, 10, -0.5, true},
        /* flat: y = 4 */
        {"flat", 4, {4, 4, 4, 4}, true, {0}, true, 4, 0, true},
        /* (1,1) (2,3) (3,2): mx = my = 2, Sxy = 1, Sxx = 2: b = 0.5, a = 2 - 1 = 1 */
        {"three", 3, {1, 3, 2}, true, {0}, true, 1, 0.5, true},
        /*
         * present x = 1, 3, 4, 6, y = 1, 4, 4, 8: mx = 3.5, my = 4.25;
         * dx = -2.5 -0.5 0.5 2.5, dy = -3.25 -0.25 -0.25 3.75;
         * Sxy = 8.125 + 0.125 - 0.125 + 9.375 = 17.5, Sxx = 13;
         * b = 17.5 / 13, a = 4.25 - 3.5 * 17.5 / 13 = -6 / 13
         */
        {"gaps",
         6,
         {1, 50, 4, 4, -50, 8},
         false,
         {1, 0, 1, 1, 0, 1},
         true,
         -6.0 / 13.0,
         17.5 / 13.0,
         true},
        /* noisy, against the reference only */
        {"noisy", 7, {3.1, 4.9, 8.2, 10.8, 14.1, 17.0, 19.9}, true, {0}, true, 0, 0, false},
        {"noisy gaps",
         10,
         {120, 0, 118.5, 117, 0, 0, 110.2, 111, 104.9, 103.3},
         false,
         {1, 0, 1, 1, 0, 0, 1, 1, 1, 1},
         true,
         0,
         0,
         false},
        {"noisy leading gap",
         8,
         {0, 0, 0.1, 0.12, 0.2, 0.19, 0.31, 0.33},
         false,
         {0, 0, 1, 1, 1, 1, 1, 1},
         true,
         0,
         0,
         false},
        /* fewer than 3 present points */
        {"none", 0, {0}, true, {0}, false, 0, 0, false},
        {"one", 1, {5}, true, {0}, false, 0, 0, false},
        {"two", 2, {5, 8}, true, {0}, false, 0, 0, false},
        {"two of five", 5, {5, 8, 11, 14, 17}, false, {0, 1, 0, 0, 1}, false, 0, 0, false},
        {"none of four", 4, {5, 8, 11, 14}, false, {0, 0, 0, 0}, false, 0, 0, false},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        const struct fit_row *r = &rows[i];
        const bool *has = r->all ? NULL : r->has;
        double a = -7, b = -7, ra = 0, rb = 0;
        bool ok = okr_fit(r->y, has, r->n, &a, &b);
        if (ok != r->ok)
            fail_msg("%s: ok = %d, want %d", r->name, ok, r->ok);
        if (ref_fit(r->y, has, r->n, &ra, &rb) != r->ok)
            fail_msg("%s: reference disagrees on ok", r->name);
        if (!ok)
            continue;
        if (r->hand) {
            near(r->name, "a", a, r->a, 1e-12);
            near(r->name, "b", b, r->b, 1e-12);
        }
        near(r->name, "a vs reference", a, ra, 1e-9);
        near(r->name, "b vs reference", b, rb, 1e-9);
    }
}

/*
 * Far from zero, small moves: y = 1e9 + 0.25 x for x = 1..200, every value
 * exact in a double.  The centred sums keep b = 0.25 and a = 1e9.
 */
static void test_fit_offset(void **state)
{
    (void)state;
    double y[200];
    bool has[200];
    for (int i = 0; i < 200; i++) {
        y[i] = 1e9 + 0.25 * (i + 1);
        has[i] = i % 7 != 3;
    }
    double a = 0, b = 0;
    assert_true(okr_fit(y, NULL, 200, &a, &b));
    near("offset", "b", b, 0.25, 1e-12);
    near("offset", "a", a, 1e9, 1e-15);
    assert_true(okr_fit(y, has, 200, &a, &b));
    near("offset gaps", "b", b, 0.25, 1e-12);
    near("offset gaps", "a", a, 1e9, 1e-15);
}

/* ---- eta --------------------------------------------------------------- */

static void test_line_reaches(void **state)
{
    (void)state;
    static const struct reach_row {
        const char *name;
        double a, b, start, target;
        bool ok;
        double x;
    } rows[] = {
        /* up: start 0, target 100 */
        {"up", 0, 10, 0, 100, true, 10},                   /* (100 - 0) / 10 */
        {"up fraction", 0, 3, 0, 10, true, 10.0 / 3},      /* (10 - 0) / 3 */
        {"up offset", 40, 2, 0, 100, true, 30},            /* (100 - 40) / 2 */
        {"up at day 1", 90, 10, 0, 100, true, 1},          /* 90 + 10 = 100 >= 100 */
        {"up past", 120, -5, 0, 100, true, 1},             /* 120 - 5 = 115 >= 100, falling */
        {"up past flat", 150, 0, 0, 100, true, 1},         /* 150 >= 100 */
        {"up past by day 1", 95, 10, 0, 100, true, 1},     /* 105 >= 100; not (100 - 95) / 10 */
        {"up at day 1 falling", 101, -1, 0, 100, true, 1}, /* 100 >= 100, then falls */
        {"up short by day 1", 101, -2, 0, 100, false, 0},  /* 99 < 100 and falling */
        {"up flat", 50, 0, 0, 100, false, 0},              /* never moves */
        {"up wrong way", 50, -1, 0, 100, false, 0},        /* moves away */
        {"up just short", 0, 1e-9, 0, 100, true, 1e11},    /* slow but gets there */
        /* down (lower is better): start 48, target 24 */
        {"down", 50, -2, 48, 24, true, 13},               /* (24 - 50) / -2 */
        {"down fraction", 48, -0.75, 48, 24, true, 32},   /* (24 - 48) / -0.75 */
        {"down at day 1", 26, -2, 48, 24, true, 1},       /* 26 - 2 = 24 <= 24 */
        {"down past", 20, 1, 48, 24, true, 1},            /* 20 + 1 = 21 <= 24, rising */
        {"down past by day 1", 30, -10, 48, 24, true, 1}, /* 20 <= 24; not (24 - 30) / -10 */
        {"down at day 1 rising", 23, 1, 48, 24, true, 1}, /* 24 <= 24, then rises */
        {"down short by day 1", 23, 2, 48, 24, false, 0}, /* 25 > 24 and rising */
        {"down flat", 30, 0, 48, 24, false, 0},
        {"down wrong way", 30, 0.5, 48, 24, false, 0},
        /* negative targets */
        {"down to negative", 0, -5, 0, -20, true, 4},  /* (-20 - 0) / -5 */
        {"up from negative", -20, 4, -20, 0, true, 5}, /* (0 + 20) / 4 */
        /* start == target: never */
        {"no move", 0, 10, 5, 5, false, 0},
        {"no move past", 100, 0, 5, 5, false, 0},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        const struct reach_row *r = &rows[i];
        double x = -7;
        bool ok = okr_line_reaches(r->a, r->b, r->start, r->target, &x);
        if (ok != r->ok)
            fail_msg("%s: ok = %d, want %d", r->name, ok, r->ok);
        if (!ok)
            continue;
        near(r->name, "x", x, r->x, 1e-12);
        if (x < 1.0)
            fail_msg("%s: x = %.17g < 1", r->name, x);
    }
}

/* ---- weighted roll-up -------------------------------------------------- */

#define MAXW 5

static void test_weighted_mean(void **state)
{
    (void)state;
    static const struct wm_row {
        const char *name;
        int n;
        double v[MAXW];
        bool all;
        bool has[MAXW];
        double w[MAXW];
        bool ok;
        double want;
    } rows[] = {
        {"equal", 2, {0.5, 1.0}, true, {0}, {1, 1}, true, 0.75},        /* 1.5 / 2 */
        {"weighted", 2, {1.0, 0.0}, true, {0}, {3, 1}, true, 0.75},     /* 3 / 4 */
        {"three", 3, {0.2, 0.5, 0.8}, true, {0}, {1, 2, 1}, true, 0.5}, /* (0.2+1+0.8) / 4 */
        /* (0.2 + 0.25) / 0.75: */
        {"fractional weights", 2, {0.4, 1.0}, true, {0}, {0.5, 0.25}, true, 0.6},
        {"single", 1, {0.3}, true, {0}, {2}, true, 0.3},
        {"over one", 2, {1.5, 0.5}, true, {0}, {1, 1}, true, 1.0}, /* 2 / 2 */
        /* nil items are left out, weight and all */
        /* (0.2 + 1.8) / 4: */
        {"nil skipped", 3, {0.2, 0.9, 0.6}, false, {1, 0, 1}, {1, 5, 3}, true, 0.5},
        {"nil first", 3, {0, 0.4, 0.8}, false, {0, 1, 1}, {9, 1, 1}, true, 0.6}, /* 1.2 / 2 */
        {"one present", 4, {0.1, 0.2, 0.3, 0.4}, false, {0, 0, 1, 0}, {1, 1, 1, 1}, true, 0.3},
        /* zero weights count for nothing */
        {"zero weight", 2, {1.0, 0.0}, true, {0}, {1, 0}, true, 1.0},          /* 1 / 1 */
        {"zero weight inf", 2, {0.5, INFINITY}, true, {0}, {1, 0}, true, 0.5}, /* 0.5 / 1 */
        /* 0.8 / 2: */
        {"zero weight mixed", 3, {0.2, 1.0, 0.6}, true, {0}, {1, 0, 1}, true, 0.4},
        /* nothing to average */
        {"all zero weights", 2, {0.5, 1.0}, true, {0}, {0, 0}, false, 0},
        {"all nil", 3, {0.5, 1.0, 0.2}, false, {0, 0, 0}, {1, 1, 1}, false, 0},
        {"present all zero", 3, {0.5, 1.0, 0.2}, false, {1, 0, 1}, {0, 4, 0}, false, 0},
        {"empty", 0, {0}, true, {0}, {0}, false, 0},
    };
    for (size_t i = 0; i < NELEM(rows); i++) {
        const struct wm_row *r = &rows[i];
        double out = -7;
        bool ok = okr_weighted_mean(r->v, r->all ? NULL : r->has, r->w, r->n, &out);
        if (ok != r->ok)
            fail_msg("%s: ok = %d, want %d", r->name, ok, r->ok);
        if (ok)
            near(r->name, "mean", out, r->want, 1e-15);
        /* the same row with an explicit all-true has */
        if (r->all) {
            bool has[MAXW] = {1, 1, 1, 1, 1};
            double out2 = -7;
            bool ok2 = okr_weighted_mean(r->v, has, r->w, r->n, &out2);
            if (ok2 != ok || (ok && out2 != out))
                fail_msg("%s: explicit has differs", r->name);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_name),  cmocka_unit_test(test_expected),
        cmocka_unit_test(test_move),         cmocka_unit_test(test_keep_ok),
        cmocka_unit_test(test_status),       cmocka_unit_test(test_grade),
        cmocka_unit_test(test_fit),          cmocka_unit_test(test_fit_offset),
        cmocka_unit_test(test_line_reaches), cmocka_unit_test(test_weighted_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
