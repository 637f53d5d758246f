/*
 * calendar.c - civil-date arithmetic in the organisation's fixed UTC offset.
 *
 * Instants are split into a local day number (days since 1970-01-01, local)
 * and the milliseconds into that local day; every boundary is computed on
 * that pair and converted back.  Dates use Howard Hinnant's days_from_civil /
 * civil_from_days (proleptic Gregorian), never the C library's time zone
 * machinery, so the result does not depend on TZ and needs no locking.
 *
 * Results that would not fit in an int64 saturate at INT64_MIN / INT64_MAX
 * instead of overflowing: a query may carry any `at`, and a silly one must
 * give a silly answer, not undefined behaviour.
 */
#include "calendar.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- integer helpers -------------------------------------------------- */

/* Floor division and the matching non-negative remainder (b > 0). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b < 0)
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* ---- civil dates ------------------------------------------------------ */

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Monday = 0 .. Sunday = 6; 1970-01-01 was a Thursday. */
static int64_t weekday(int64_t days)
{
    return floor_mod(days + 3, 7);
}

/* Monday of ISO week 1 of ISO year y: the week that holds January 4. */
static int64_t iso_week1(int64_t y)
{
    int64_t jan4 = days_from_civil(y, 1, 4);
    return jan4 - weekday(jan4);
}

/* Months since year 0 (y * 12 + m - 1) and back to the day the month starts. */
static int64_t month_index(int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return y * 12 + (m - 1);
}

static int64_t month_start(int64_t mi)
{
    return days_from_civil(floor_div(mi, 12), (int)floor_mod(mi, 12) + 1, 1);
}

/* ---- local time ------------------------------------------------------- */

static int64_t offset_ms(const cal_t *c)
{
    return (int64_t)c->utc_offset_s * 1000;
}

/* Out-of-range fiscal_start_month is taken as 1 rather than trusted. */
static int fiscal_start(const cal_t *c)
{
    return c->fiscal_start_month >= 1 && c->fiscal_start_month <= 12 ? c->fiscal_start_month : 1;
}

/*
 * Split t into its local day number and the ms since that local midnight,
 * without ever forming t + offset (which could overflow).
 */
static void to_local(const cal_t *c, int64_t t, int64_t *days, int64_t *msod)
{
    int64_t off = offset_ms(c);
    int64_t r = floor_mod(t, MS_DAY) + floor_mod(off, MS_DAY);
    *days = floor_div(t, MS_DAY) + floor_div(off, MS_DAY) + r / MS_DAY;
    *msod = r % MS_DAY;
}

/* The instant of local day `days` plus msod ms (saturating). */
static int64_t from_local(const cal_t *c, int64_t days, int64_t msod)
{
    int64_t ms;
    if (__builtin_mul_overflow(days, MS_DAY, &ms))
        return days < 0 ? INT64_MIN : INT64_MAX;
    return sat_add(ms, msod - offset_ms(c));
}

/* ---- resolutions ------------------------------------------------------ */

int64_t res_ms(res_t r)
{
    switch (r) {
    case RES_MINUTE:
        return MS_MINUTE;
    case RES_HOUR:
        return MS_HOUR;
    case RES_DAY:
        return MS_DAY;
    default:
        return 0;
    }
}

const char *res_name(res_t r)
{
    switch (r) {
    case RES_MINUTE:
        return "minute";
    case RES_HOUR:
        return "hour";
    case RES_DAY:
        return "day";
    default:
        return "?";
    }
}

/*
 * Every resolution divides a day, so the position of t inside its bucket is
 * its local ms-of-day modulo the bucket length.  An unknown r leaves t as is.
 */
int64_t cal_floor(const cal_t *c, res_t r, int64_t t)
{
    int64_t u = res_ms(r), days, msod;
    if (u <= 0)
        return t;
    to_local(c, t, &days, &msod);
    return sat_sub(t, msod % u);
}

int64_t cal_ceil(const cal_t *c, res_t r, int64_t t)
{
    int64_t u = res_ms(r), days, msod;
    if (u <= 0)
        return t;
    to_local(c, t, &days, &msod);
    int64_t rem = msod % u;
    return rem == 0 ? t : sat_add(t, u - rem);
}

/* ---- periods ---------------------------------------------------------- */

/* Local day number of the start of the period of unit u containing `days`. */
static int64_t period_start_days(const cal_t *c, period_unit_t u, int64_t days)
{
    int64_t mi, fs = fiscal_start(c) - 1;
    switch (u) {
    case PER_DAY:
        return days;
    case PER_WEEK:
        return days - weekday(days);
    case PER_MONTH:
        return month_start(month_index(days));
    case PER_QUARTER:
        mi = month_index(days);
        return month_start(mi - floor_mod(mi - fs, 3));
    case PER_YEAR:
        mi = month_index(days);
        return month_start(mi - floor_mod(mi - fs, 12));
    default:
        return days;
    }
}

/* Local day number n periods of unit u after the period starting at `start`. */
static int64_t period_add_days(period_unit_t u, int64_t start, int n)
{
    switch (u) {
    case PER_DAY:
        return start + n;
    case PER_WEEK:
        return start + (int64_t)n * 7;
    case PER_MONTH:
        return month_start(month_index(start) + n);
    case PER_QUARTER:
        return month_start(month_index(start) + (int64_t)n * 3);
    case PER_YEAR:
        return month_start(month_index(start) + (int64_t)n * 12);
    default:
        return start;
    }
}

int64_t cal_period_start(const cal_t *c, period_unit_t u, int64_t t)
{
    int64_t days, msod;
    if ((unsigned)u >= PER_COUNT)
        return t;
    to_local(c, t, &days, &msod);
    return from_local(c, period_start_days(c, u, days), 0);
}

/*
 * start should be a period start; if it is not, the period containing it is
 * the one counted from.
 */
int64_t cal_period_add(const cal_t *c, period_unit_t u, int64_t start, int n)
{
    int64_t days, msod;
    if ((unsigned)u >= PER_COUNT)
        return start;
    to_local(c, start, &days, &msod);
    return from_local(c, period_add_days(u, period_start_days(c, u, days), n), 0);
}

/* ---- parsing ---------------------------------------------------------- */

/* Exactly n decimal digits at *p; advances *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool lit(const char **p, char ch)
{
    if (**p != ch)
        return false;
    (*p)++;
    return true;
}

/* "YYYY-MM-DD" at *p, a real date; sets the local day number. */
static bool parse_ymd(const char **p, int64_t *days)
{
    int y, m, d;
    if (!digits(p, 4, &y) || !lit(p, '-') || !digits(p, 2, &m) || !lit(p, '-') || !digits(p, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

/*
 * Grammar (exact digit counts, upper-case Q and W, nothing after):
 *   YYYY         fiscal year          YYYY-Qn     fiscal quarter, n 1..4
 *   YYYY-MM      calendar month       YYYY-Www    ISO week, 01..52 or 53
 *   YYYY-MM-DD   day
 */
int cal_parse_period(const cal_t *c, const char *s, int64_t *from, int64_t *to, period_unit_t *unit)
{
    const char *p = s;
    int y, n, d;
    int64_t start;
    period_unit_t u;

    if (!digits(&p, 4, &y))
        return -1;
    if (*p == '\0') {
        u = PER_YEAR;
        start = month_start((int64_t)y * 12 + fiscal_start(c) - 1);
    } else if (!lit(&p, '-')) {
        return -1;
    } else if (lit(&p, 'Q')) {
        if (!digits(&p, 1, &n) || n < 1 || n > 4 || *p != '\0')
            return -1;
        u = PER_QUARTER;
        start = month_start((int64_t)y * 12 + fiscal_start(c) - 1 + 3 * (n - 1));
    } else if (lit(&p, 'W')) {
        if (!digits(&p, 2, &n) || *p != '\0')
            return -1;
        int64_t w1 = iso_week1(y);
        if (n < 1 || n > (iso_week1(y + 1) - w1) / 7)
            return -1;
        u = PER_WEEK;
        start = w1 + (int64_t)(n - 1) * 7;
    } else {
        if (!digits(&p, 2, &n) || n < 1 || n > 12)
            return -1;
        if (*p == '\0') {
            u = PER_MONTH;
            start = days_from_civil(y, n, 1);
        } else {
            if (!lit(&p, '-') || !digits(&p, 2, &d) || *p != '\0')
                return -1;
            if (d < 1 || d > days_in_month(y, n))
                return -1;
            u = PER_DAY;
            start = days_from_civil(y, n, d);
        }
    }
    *from = from_local(c, start, 0);
    *to = from_local(c, period_add_days(u, start, 1), 0);
    if (unit != NULL)
        *unit = u;
    return 0;
}

int cal_parse_date(const cal_t *c, const char *s, int64_t *t)
{
    const char *p = s;
    int64_t days;
    if (!parse_ymd(&p, &days) || *p != '\0')
        return -1;
    *t = from_local(c, days, 0);
    return 0;
}

/* [-]digits as an int64, rejecting overflow. */
static int parse_int64(const char *s, int64_t *out)
{
    const char *p = s;
    bool neg = lit(&p, '-');
    int64_t v = 0;
    if (*p == '\0')
        return -1;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        int dig = *p - '0';
        /* Accumulate negatively so that INT64_MIN itself parses. */
        if (v < (INT64_MIN + dig) / 10)
            return -1;
        v = v * 10 - dig;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return -1;
        v = -v;
    }
    *out = v;
    return 0;
}

/*
 * A date alone ("2026-11-22") is local midnight; "Z" is accepted only after
 * a time of day ("2026-11-22T00:00Z"), as the header describes.
 */
int cal_parse_instant(const cal_t *c, const char *s, int64_t now_ms, int64_t *t)
{
    const char *p = s;
    int64_t days;
    int hh, mm, ss = 0;

    if (strcmp(s, "now") == 0) {
        *t = now_ms;
        return 0;
    }
    if (strspn(s + (s[0] == '-'), "0123456789") == strlen(s + (s[0] == '-')))
        return parse_int64(s, t);
    if (!parse_ymd(&p, &days))
        return -1;
    if (*p == '\0') {
        *t = from_local(c, days, 0);
        return 0;
    }
    if (!lit(&p, 'T') || !digits(&p, 2, &hh) || !lit(&p, ':') || !digits(&p, 2, &mm))
        return -1;
    if (lit(&p, ':') && !digits(&p, 2, &ss))
        return -1;
    if (hh > 23 || mm > 59 || ss > 59)
        return -1;
    int64_t msod = ((int64_t)hh * 3600 + mm * 60 + ss) * 1000;
    if (lit(&p, 'Z')) {
        if (*p != '\0')
            return -1;
        *t = days * MS_DAY + msod;
        return 0;
    }
    if (*p != '\0')
        return -1;
    *t = from_local(c, days, msod);
    return 0;
}

char *cal_format(const cal_t *c, int64_t t, char *buf, unsigned len)
{
    int64_t days, msod, y;
    int m, d;
    if (buf == NULL || len == 0)
        return buf;
    to_local(c, t, &days, &msod);
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02d-%02d %02d:%02d", (long long)y, m, d, (int)(msod / MS_HOUR),
             (int)(msod % MS_HOUR / MS_MINUTE));
    return buf;
}

/*
 * "+HH:MM", "-HH:MM" or "Z".  Offsets beyond +-18:00 are refused (real ones
 * run from -12:00 to +14:00; 18 h is the usual sanity bound, e.g. Java's
 * ZoneOffset).
 */
int cal_parse_offset(const char *s, int32_t *seconds)
{
    const char *p = s;
    int hh, mm, sign;
    if (strcmp(s, "Z") == 0) {
        *seconds = 0;
        return 0;
    }
    if (lit(&p, '+'))
        sign = 1;
    else if (lit(&p, '-'))
        sign = -1;
    else
        return -1;
    if (!digits(&p, 2, &hh) || !lit(&p, ':') || !digits(&p, 2, &mm) || *p != '\0')
        return -1;
    if (mm > 59 || hh * 60 + mm > 18 * 60)
        return -1;
    *seconds = sign * (hh * 3600 + mm * 60);
    return 0;
}

static int64_t unit_ms(char u)
{
    switch (u) {
    case 's':
        return 1000;
    case 'm':
        return MS_MINUTE;
    case 'h':
        return MS_HOUR;
    case 'd':
        return MS_DAY;
    case 'w':
        return MS_WEEK;
    case 'y':
        return 365 * MS_DAY;
    default:
        return 0;
    }
}

int cal_parse_duration(const char *s, int64_t *ms)
{
    const char *p = s;
    int64_t n = 0, u, r;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (INT64_MAX - (*p - '0')) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    u = unit_ms(*p);
    if (n == 0 || u == 0 || p[1] != '\0')
        return -1;
    if (__builtin_mul_overflow(n, u, &r))
        return -1;
    *ms = r;
    return 0;
}

/* ---- windows ---------------------------------------------------------- */

int window_parse(const cal_t *c, const char *s, window_t *w)
{
    static const struct {
        const char *name;
        period_unit_t unit;
    } to_date[] = {
        {"today", PER_DAY},   {"wtd", PER_WEEK}, {"mtd", PER_MONTH},
        {"qtd", PER_QUARTER}, {"ytd", PER_YEAR},
    };
    window_t r = {.kind = WIN_ROLLING, .unit = PER_DAY};
    size_t len = strlen(s);

    for (size_t i = 0; i < sizeof to_date / sizeof to_date[0]; i++) {
        if (strcmp(s, to_date[i].name) == 0) {
            r.kind = WIN_TO_DATE;
            r.unit = to_date[i].unit;
            *w = r;
            return 0;
        }
    }
    /* A period never ends in a letter, so a trailing unit means rolling. */
    if (len > 0 && strchr("mhdw", s[len - 1]) != NULL) {
        if (cal_parse_duration(s, &r.span) != 0)
            return -1;
        *w = r;
        return 0;
    }
    if (cal_parse_period(c, s, &r.from, &r.to, &r.unit) != 0)
        return -1;
    r.kind = WIN_PERIOD;
    *w = r;
    return 0;
}

window_avail_t window_avail_at(int64_t now, const int64_t retention[RES_COUNT])
{
    window_avail_t a;
    for (int r = 0; r < RES_COUNT; r++)
        a.keep_from[r] = sat_sub(now, retention[r]);
    return a;
}

int64_t window_round(const cal_t *c, const window_avail_t *a, int64_t t)
{
    if (t >= a->keep_from[RES_MINUTE])
        return cal_ceil(c, RES_MINUTE, t);
    if (t >= a->keep_from[RES_HOUR])
        return cal_ceil(c, RES_HOUR, t);
    return cal_ceil(c, RES_DAY, t);
}

/*
 * `at` matters only for rolling and to-date windows.  A whole period is the
 * whole period whatever `at` is, and an explicit window is what it says;
 * leaving out events at or after `at` is the query layer's job.
 *
 * An explicit window with to < from is taken as the empty [from, from).
 * An unknown kind resolves to empty windows at the rounded `at`.
 */
void window_resolve(const cal_t *c, const window_avail_t *a, const window_t *w, int64_t at,
                    int64_t *from, int64_t *to, int64_t *pfrom, int64_t *pto)
{
    int64_t at_r = window_round(c, a, at);
    int64_t f, t, pf, pt, start, len;

    switch (w->kind) {
    case WIN_ROLLING:
        f = sat_sub(at_r, w->span);
        t = at_r;
        pf = sat_sub(f, w->span);
        pt = f;
        break;
    case WIN_TO_DATE:
        /* The period containing at_r: empty when at_r is its first instant. */
        start = cal_period_start(c, w->unit, at_r);
        f = start;
        t = at_r;
        pf = cal_period_add(c, w->unit, start, -1);
        pt = min64(sat_add(pf, sat_sub(at_r, start)), start);
        break;
    case WIN_PERIOD:
        f = w->from;
        t = w->to;
        pf = cal_period_add(c, w->unit, f, -1);
        pt = f;
        break;
    case WIN_EXPLICIT:
        /* The previous window is the span of the same length just before the
         * window as rounded, so both cover as much time. */
        f = window_round(c, a, w->from);
        t = max64(window_round(c, a, max64(w->to, w->from)), f);
        len = sat_sub(t, f);
        pf = sat_sub(f, len);
        pt = f;
        break;
    default:
        f = t = pf = pt = at_r;
        break;
    }
    /* Rounding is monotonic per resolution, but the resolution can change
     * between two bounds; clamp so that no window ends before it starts. */
    *from = window_round(c, a, f);
    *to = max64(window_round(c, a, t), *from);
    *pfrom = window_round(c, a, pf);
    *pto = max64(window_round(c, a, pt), *pfrom);
}

/*
 * With h1/d1 the first hour/day boundary at or after from, and d2/h2 the last
 * day/hour boundary at or before to:
 *   d1 < d2 (a whole day inside):  minutes [from,h1) hours [h1,d1) days [d1,d2)
 *                                  hours [d2,h2) minutes [h2,to)
 *   else h1 < h2 (a whole hour):   minutes [from,h1) hours [h1,h2) minutes [h2,to)
 *   else:                          minutes [from,to)
 * Empty pieces are left out; from >= to gives no piece.  Availability is not
 * checked here: a bound rounded by window_round is aligned to the finest
 * resolution available at it (an hour- or day-aligned bound makes the finer
 * edge pieces empty), so with retention minute <= hour <= day every piece
 * returned is available.
 */
static void piece(window_piece_t *out, int *n, res_t r, int64_t start, int64_t end)
{
    if (start < end)
        out[(*n)++] = (window_piece_t){r, start, end};
}

int window_tile(const cal_t *c, int64_t from, int64_t to, window_piece_t out[5])
{
    int n = 0;
    if (from >= to)
        return 0;
    int64_t h1 = cal_ceil(c, RES_HOUR, from), d1 = cal_ceil(c, RES_DAY, from);
    int64_t d2 = cal_floor(c, RES_DAY, to), h2 = cal_floor(c, RES_HOUR, to);
    if (d1 < d2) {
        piece(out, &n, RES_MINUTE, from, h1);
        piece(out, &n, RES_HOUR, h1, d1);
        piece(out, &n, RES_DAY, d1, d2);
        piece(out, &n, RES_HOUR, d2, h2);
        piece(out, &n, RES_MINUTE, h2, to);
    } else if (h1 < h2) {
        piece(out, &n, RES_MINUTE, from, h1);
        piece(out, &n, RES_HOUR, h1, h2);
        piece(out, &n, RES_MINUTE, h2, to);
    } else {
        piece(out, &n, RES_MINUTE, from, to);
    }
    return n;
}
