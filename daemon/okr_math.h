/*
 * okr_math.h - the arithmetic of key results and objectives (SPEC section
 * 3): progress, attainment, expected pace, status, grade, the least-squares
 * forecast and eta, and the weighted roll-up.
 *
 * Pure functions of numbers: no store, no clock, no allocation.  A "nil"
 * value is a double with a has-flag of false.
 */
#ifndef OKR_OKR_MATH_H
#define OKR_OKR_MATH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

typedef enum okr_status {
    OKR_STATUS_NONE = 0, /* nil: nothing to judge (an objective with no progress) */
    OKR_ON_TRACK,
    OKR_AT_RISK,
    OKR_OFF_TRACK,
    OKR_DONE,        /* progress >= 1 while the period runs */
    OKR_ACHIEVED,    /* progress >= 1 after the period */
    OKR_MISSED,      /* progress < 1 after the period */
    OKR_NO_BASELINE, /* a `change` KR whose baseline period has no data */
} okr_status_t;

/* "on_track", "at_risk", ...; NULL for OKR_STATUS_NONE. */
const char *okr_status_name(okr_status_t s);

/* The fraction of [from, to) elapsed at at, clamped to [0, 1]. */
double okr_expected(int64_t from, int64_t to, int64_t at);

/*
 * increase / decrease: attainment = (current - start) / (target - start),
 * unclamped; progress = attainment clamped to [0, 1].  The same formula
 * serves both directions.  Returns false when start == target.
 */
bool okr_move(double start, double target, double current, double *progress, double *attainment);

/* at_least: value >= target; at_most: value <= target. */
bool okr_keep_ok(kr_type_t type, double target, double value);

/*
 * Status from progress and expected: after the period (over), achieved
 * when progress >= 1, else missed; while it runs, done when progress >= 1,
 * on_track when progress >= 0.9 * expected or expected < 0.05, at_risk when
 * progress >= 0.6 * expected, else off_track.  Without a progress (has
 * false): OKR_STATUS_NONE.
 */
okr_status_t okr_status(bool has, double progress, double expected, bool over);

/* progress rounded to the nearest 0.1 (half away from zero): 0.65 -> 0.7. */
double okr_grade(double progress);

/*
 * The least-squares line y = a + b x through the points (i + 1, y[i]) for
 * i < n where has[i] (has may be NULL: all present).  Returns false with
 * fewer than 3 points.
 */
bool okr_fit(const double *y, const bool *has, int n, double *a, double *b);

/*
 * The first day x >= 1 at which the line a + b x is at or past target,
 * moving away from start (up when target > start, down when target < start):
 * a fractional day number.  Returns false when the line never gets there
 * (flat or moving the wrong way and not already past target at x = 1), or
 * when start == target.
 */
bool okr_line_reaches(double a, double b, double start, double target, double *x);

/*
 * Weighted mean of v[i] with weights w[i] over the i < n where has[i].
 * Returns false when no item has a value or all their weights are 0.
 */
bool okr_weighted_mean(const double *v, const bool *has, const double *w, int n, double *out);

#endif
