/*
 * calendar.h - time, calendar and window arithmetic shared by okrd and okrctl.
 *
 * All instants are int64 milliseconds since the Unix epoch, UTC.  The
 * organisation's calendar is a fixed UTC offset (whole minutes) and the month
 * its fiscal year starts in.  Every bucket and period boundary is computed in
 * that local time: a "day" starts at local midnight, an "hour" at a local
 * full hour (so days always tile by hours, even for offsets like +05:45).
 *
 * Fiscal years are named after the calendar year they start in: with
 * fiscal_start_month = 4, "2026" is 2026-04-01 .. 2027-03-31 and "2026-Q1"
 * is April..June 2026.  With the default (1) this is the plain calendar.
 *
 * Every function here is pure (no clock, no allocation) and thread-safe.
 */
#ifndef OKR_CALENDAR_H
#define OKR_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define MS_MINUTE INT64_C(60000)
#define MS_HOUR   INT64_C(3600000)
#define MS_DAY    INT64_C(86400000)
#define MS_WEEK   (7 * MS_DAY)

typedef struct cal {
    int32_t utc_offset_s;   /* seconds east of UTC, a whole number of minutes */
    int fiscal_start_month; /* 1..12 */
} cal_t;

#define CAL_DEFAULT ((cal_t){0, 1})

/* Bucket resolutions, finest first. */
typedef enum res { RES_MINUTE = 0, RES_HOUR = 1, RES_DAY = 2, RES_COUNT = 3 } res_t;

/* Length of one bucket of resolution r, in ms. */
int64_t res_ms(res_t r);
const char *res_name(res_t r);

/* Start of the bucket of resolution r that contains t (floor, in local time). */
int64_t cal_floor(const cal_t *c, res_t r, int64_t t);
/* t rounded up to the next boundary of resolution r; t itself when aligned. */
int64_t cal_ceil(const cal_t *c, res_t r, int64_t t);

/* Calendar periods. */
typedef enum period_unit {
    PER_DAY = 0,
    PER_WEEK, /* ISO week, Monday to Sunday */
    PER_MONTH,
    PER_QUARTER, /* fiscal quarter */
    PER_YEAR,    /* fiscal year */
    PER_COUNT
} period_unit_t;

/* Start of the period of unit u that contains t. */
int64_t cal_period_start(const cal_t *c, period_unit_t u, int64_t t);
/* Start of the period n periods after (n < 0: before) the one starting at start. */
int64_t cal_period_add(const cal_t *c, period_unit_t u, int64_t start, int n);

/*
 * Parse a whole calendar period: "2026", "2026-Q4", "2026-11", "2026-W47",
 * "2026-11-22".  Sets [*from, *to) and, if unit is not NULL, its unit.
 * Returns 0, or -1 if s is not a valid period (e.g. "2026-13", "2026-W54",
 * "2026-02-30").
 */
int cal_parse_period(const cal_t *c, const char *s, int64_t *from, int64_t *to,
                     period_unit_t *unit);

/*
 * Parse a local calendar date "YYYY-MM-DD" into the instant of its local
 * midnight.  Returns 0 or -1.
 */
int cal_parse_date(const cal_t *c, const char *s, int64_t *t);

/*
 * Parse an instant for command lines: integer ms since the epoch, "now",
 * "YYYY-MM-DD" (local midnight), "YYYY-MM-DDTHH:MM[:SS]" (local time) or the
 * same with a trailing "Z" (UTC).  now_ms is what "now" means.
 * Returns 0 or -1.
 */
int cal_parse_instant(const cal_t *c, const char *s, int64_t now_ms, int64_t *t);

/* Format t as local "YYYY-MM-DD HH:MM" into buf (>= 20 bytes). Returns buf. */
char *cal_format(const cal_t *c, int64_t t, char *buf, unsigned len);

/* Parse a UTC offset "+HH:MM" / "-HH:MM" / "Z" into seconds. 0 or -1. */
int cal_parse_offset(const char *s, int32_t *seconds);

/*
 * Parse a duration "N" followed by a unit: s, m, h, d, w, y (365 d).  N is a
 * positive integer.  Returns 0 or -1.  Used for retention ("48h", "5y"),
 * rolling windows and series steps.
 */
int cal_parse_duration(const char *s, int64_t *ms);

/* ---- windows ---------------------------------------------------------- */

typedef enum window_kind {
    WIN_ROLLING = 0, /* [at - span, at) */
    WIN_TO_DATE,     /* [start of the period containing at, at) */
    WIN_PERIOD,      /* a whole calendar period [from, to) */
    WIN_EXPLICIT,    /* [from, to) as given */
} window_kind_t;

typedef struct window {
    window_kind_t kind;
    int64_t span;       /* WIN_ROLLING: length in ms */
    period_unit_t unit; /* WIN_TO_DATE, WIN_PERIOD: the period's unit */
    int64_t from, to;   /* WIN_PERIOD, WIN_EXPLICIT: the bounds */
} window_t;

/*
 * Parse a window string: "5m", "24h", "7d", "2w" (rolling: N with m/h/d/w),
 * "today", "wtd", "mtd", "qtd", "ytd", or a whole period (cal_parse_period).
 * Returns 0 or -1.
 */
int window_parse(const cal_t *c, const char *s, window_t *w);

/*
 * Where buckets of each resolution still exist: a time t can be served from
 * resolution r iff t >= keep_from[r].  keep_from[RES_DAY] is the oldest time
 * any data exists for.  Built from the clock and the retention settings.
 */
typedef struct window_avail {
    int64_t keep_from[RES_COUNT];
} window_avail_t;

/* Availability at wall-clock now for the given retention lengths (ms). */
window_avail_t window_avail_at(int64_t now, const int64_t retention[RES_COUNT]);

/*
 * Round t up to the finest boundary still available: to the next minute
 * (unchanged when aligned) where minute buckets exist at that point, else to
 * the hour, else to the day.
 */
int64_t window_round(const cal_t *c, const window_avail_t *a, int64_t t);

/*
 * Resolve w at instant at (rounded first) into the current span [*from, *to)
 * and the previous one [*pfrom, *pto) per SPEC section 4: the previous N for a
 * rolling window, the same elapsed span of the previous period for a
 * to-date window (clamped to that period's end), the previous period for a
 * whole period, and [from - (to - from), from) for an explicit window.  All
 * four bounds are rounded with window_round; *to >= *from always.
 *
 * A to-date window uses the period containing the rounded at, so it is empty
 * when that is the period's first instant.  For WIN_PERIOD and WIN_EXPLICIT
 * at does not matter: a whole period is the whole period whatever at is (the
 * query layer leaves out events at or after the rounded at).
 */
void window_resolve(const cal_t *c, const window_avail_t *a, const window_t *w, int64_t at,
                    int64_t *from, int64_t *to, int64_t *pfrom, int64_t *pto);

/*
 * Tile [from, to) (both minute-aligned) by the coarsest buckets: whole days in
 * the middle, whole hours at the edges, minutes at the outer edges.  Fills up
 * to 5 pieces, in time order, and returns how many.  A piece [start, end) of
 * resolution r covers the buckets of r whose start lies in [start, end).
 * Availability (see window_avail_t) is not consulted: bounds rounded with
 * window_round are aligned to the finest resolution still available at
 * them, so (with retention minute <= hour <= day) every piece this returns
 * is available.  Empty pieces are left out; from >= to gives 0 pieces.
 * The exact rule is in the comment above window_tile in calendar.c.
 */
typedef struct window_piece {
    res_t res;
    int64_t start, end;
} window_piece_t;

int window_tile(const cal_t *c, int64_t from, int64_t to, window_piece_t out[5]);

#endif
