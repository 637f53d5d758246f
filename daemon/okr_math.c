/*
 * okr_math.c - the arithmetic of key results and objectives (SPEC section 3).
 *
 * Everything here is a pure function of its arguments; okr_math.h is the
 * contract.  Comparisons against thresholds are exact (>=, <=): the spec's
 * boundaries ("progress >= 0.9 x expected") are taken literally, and only
 * okr_grade() allows for binary floating point, because there the input is
 * a decimal-looking number that a user expects to round the decimal way.
 */
#include "okr_math.h"

#include <math.h>

static const char *const status_names[] = {
    [OKR_ON_TRACK] = "on_track",       [OKR_AT_RISK] = "at_risk",
    [OKR_OFF_TRACK] = "off_track",     [OKR_DONE] = "done",
    [OKR_ACHIEVED] = "achieved",       [OKR_MISSED] = "missed",
    [OKR_NO_BASELINE] = "no_baseline",
};

const char *okr_status_name(okr_status_t s)
{
    if ((int)s <= OKR_STATUS_NONE || (int)s > OKR_NO_BASELINE)
        return NULL;
    return status_names[s];
}

/*
 * The order of the tests makes an empty or reversed period (to <= from) a
 * step: 0 before to, 1 from to on.  The span is taken in unsigned
 * arithmetic, which is exact for any from < to, so extreme instants cannot
 * overflow.
 */
double okr_expected(int64_t from, int64_t to, int64_t at)
{
    if (at >= to)
        return 1.0;
    if (at <= from)
        return 0.0;
    /* here from < at < to */
    uint64_t span = (uint64_t)to - (uint64_t)from;
    uint64_t done = (uint64_t)at - (uint64_t)from;
    double e = (double)done / (double)span;
    return e > 1.0 ? 1.0 : e; /* rounding of two huge spans can touch 1 */
}

bool okr_move(double start, double target, double current, double *progress, double *attainment)
{
    if (start == target)
        return false;
    double a = (current - start) / (target - start);
    double p = a;
    if (p < 0.0)
        p = 0.0;
    else if (p > 1.0)
        p = 1.0;
    *attainment = a;
    *progress = p;
    return true;
}

/* Any other type is not a "keep" KR and is never ok here. */
bool okr_keep_ok(kr_type_t type, double target, double value)
{
    switch (type) {
    case KR_AT_LEAST:
        return value >= target;
    case KR_AT_MOST:
        return value <= target;
    default:
        return false;
    }
}

okr_status_t okr_status(bool has, double progress, double expected, bool over)
{
    if (!has)
        return OKR_STATUS_NONE;
    if (over)
        return progress >= 1.0 ? OKR_ACHIEVED : OKR_MISSED;
    if (progress >= 1.0)
        return OKR_DONE;
    if (progress >= 0.9 * expected || expected < 0.05)
        return OKR_ON_TRACK;
    if (progress >= 0.6 * expected)
        return OKR_AT_RISK;
    return OKR_OFF_TRACK;
}

/*
 * Tenths, in units of which a binary double like 0.65 (really
 * 0.65000000000000002) or 0.35 (really 0.34999999999999998) lands within a
 * few ulps of a half.  Nudging by GRADE_EPS (1e-9 tenths, i.e. progress
 * within 1e-10 of a half-tenth counts as that half-tenth) makes every
 * decimal x.x5 round away from zero, while 0.649999 still rounds down.
 * The result is (whole tenths) / 10.0, the double nearest to the decimal,
 * so it compares equal to the literal 0.7 and prints as "0.7".
 */
#define GRADE_EPS 1e-9

double okr_grade(double progress)
{
    double t = progress * 10.0;
    double r = floor(fabs(t) + 0.5 + GRADE_EPS);
    if (r == 0.0)
        return 0.0; /* never -0.0 */
    return t < 0.0 ? -r / 10.0 : r / 10.0;
}

/*
 * Two passes: the means first, then the centred sums.  Centring keeps the
 * sums small when the values sit far from zero (a revenue KR around 1e9
 * that moves by units), where the textbook n*Sxy - Sx*Sy cancels badly.
 * x = i + 1 are distinct, so with three or more points Sxx > 0.
 */
bool okr_fit(const double *y, const bool *has, int n, double *a, double *b)
{
    int m = 0;
    double sx = 0.0, sy = 0.0;
    for (int i = 0; i < n; i++) {
        if (has && !has[i])
            continue;
        m++;
        sx += (double)(i + 1);
        sy += y[i];
    }
    if (m < 3)
        return false;
    double mx = sx / m, my = sy / m;
    double sxx = 0.0, sxy = 0.0;
    for (int i = 0; i < n; i++) {
        if (has && !has[i])
            continue;
        double dx = (double)(i + 1) - mx;
        sxx += dx * dx;
        sxy += dx * (y[i] - my);
    }
    *b = sxy / sxx;
    *a = my - *b * mx;
    return true;
}

bool okr_line_reaches(double a, double b, double start, double target, double *x)
{
    if (start == target)
        return false;
    bool up = target > start;
    double y1 = a + b; /* the line at x = 1 */
    if (up ? y1 >= target : y1 <= target) {
        *x = 1.0;
        return true;
    }
    /* not there at x = 1: it must be moving towards target */
    if (up ? !(b > 0.0) : !(b < 0.0))
        return false;
    *x = (target - a) / b; /* > 1, since the line is short of target at x = 1 */
    return true;
}

/* has may be NULL here too (all present), as for okr_fit(). */
bool okr_weighted_mean(const double *v, const bool *has, const double *w, int n, double *out)
{
    double sw = 0.0, swv = 0.0;
    for (int i = 0; i < n; i++) {
        if (has && !has[i])
            continue;
        if (w[i] == 0.0)
            continue; /* counts for nothing, even if its value is inf or NaN */
        sw += w[i];
        swv += w[i] * v[i];
    }
    if (!(sw > 0.0))
        return false; /* nothing present, or every present weight 0 */
    *out = swv / sw;
    return true;
}
