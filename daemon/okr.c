#include "okr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "expr.h"
#include "kpi.h"

/* Longest period whose days are kept for the forecast: a little over a
 * year; a longer period is forecast from its first this-many days. */
#define MAX_DAYS 400

bool okr_checkin_decode(const void *body, size_t len, msgpack_zone *zone, checkin_rec_t *out)
{
    memset(out, 0, sizeof *out);
    msgpack_object o;
    size_t off = 0;
    if (msgpack_unpack(body, len, &off, zone, &o) != MSGPACK_UNPACK_SUCCESS ||
        o.type != MSGPACK_OBJECT_MAP)
        return false;
    const msgpack_object *v = wire_map_get(&o, "value");
    out->has_value = wire_number(v, &out->value);
    v = wire_map_get(&o, "done");
    if (v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN) {
        out->has_done = true;
        out->done = v->via.boolean;
    }
    int64_t conf;
    if (wire_int(wire_map_get(&o, "confidence"), &conf) && conf >= 1 && conf <= 10) {
        out->has_confidence = true;
        out->confidence = (int)conf;
    }
    v = wire_map_get(&o, "note");
    if (v != NULL && v->type == MSGPACK_OBJECT_STR) {
        out->note = v->via.str.ptr;
        out->note_len = v->via.str.size;
    }
    v = wire_map_get(&o, "author");
    if (v != NULL && v->type == MSGPACK_OBJECT_STR) {
        out->author = v->via.str.ptr;
        out->author_len = v->via.str.size;
    }
    return true;
}

/* ---- check-ins ------------------------------------------------------------ */

/* What a key result's check-ins say up to at, and its daily values. */
typedef struct checkin_scan {
    msgpack_zone zone;
    int64_t from;  /* the period's start: day 1 ends at from + 1 day */
    int ndays;     /* complete days to report */
    double *daily; /* latest value as of the end of each day (manual) */
    bool *has_daily;
    bool has_value, has_done, has_confidence;
    double value;
    bool done;
    int confidence;
    int64_t last_ts;
} checkin_scan_t;

static int scan_checkin(void *ctx, int64_t ts, const void *body, size_t len)
{
    checkin_scan_t *s = ctx;
    checkin_rec_t rec;
    bool ok = okr_checkin_decode(body, len, &s->zone, &rec);
    msgpack_zone_clear(&s->zone);
    if (!ok)
        return 0;
    s->last_ts = ts;
    if (rec.has_value) {
        s->has_value = true;
        s->value = rec.value;
        /* This value stands at the end of every day from the one it falls in. */
        int64_t first = ts < s->from ? 0 : (ts - s->from) / MS_DAY;
        for (int64_t d = first; d < s->ndays; d++) {
            s->daily[d] = rec.value;
            s->has_daily[d] = true;
        }
    }
    if (rec.has_done) {
        s->has_done = true;
        s->done = rec.done;
    }
    if (rec.has_confidence) {
        s->has_confidence = true;
        s->confidence = rec.confidence;
    }
    return 0;
}

/* ---- KPI-backed key results ---------------------------------------------- */

typedef struct day_scan {
    int64_t from;
    int ndays;
    agg_state_t *days; /* state of each day of the period */
} day_scan_t;

static int scan_day(void *ctx, int64_t start, const agg_state_t *st)
{
    day_scan_t *d = ctx;
    int64_t i = (start - d->from) / MS_DAY;
    if (i >= 0 && i < d->ndays)
        agg_merge(&d->days[i], st);
    return 0;
}

/* The baseline period of an objective: the previous calendar period of the
 * same kind, or the span of the same length just before it. */
static void baseline_period(const config_t *cfg, const objective_def_t *o, int64_t *from,
                            int64_t *to)
{
    int64_t f, t;
    period_unit_t unit;
    if (cal_parse_period(&cfg->cal, o->period, &f, &t, &unit) == 0 && f == o->from && t == o->to) {
        *from = cal_period_add(&cfg->cal, unit, o->from, -1);
    } else {
        *from = o->from - (o->to - o->from);
    }
    *to = o->from;
}

/* The KR's value over its own window as it stood at instant at. */
static int window_value(const okr_ctx_t *c, const kr_def_t *kr, const kpi_def_t *k, int64_t at,
                        bool *has, double *v, agg_state_t *st)
{
    int64_t f, t, pf, pt;
    window_resolve(&c->cfg->cal, &c->av, &kr->window, at, &f, &t, &pf, &pt);
    int64_t at_r = window_round(&c->cfg->cal, &c->av, at);
    if (t > at_r)
        t = at_r;
    if (f > t)
        f = t;
    *st = AGG_STATE_EMPTY;
    return kpi_value(c->rd, c->cfg, k, kr->aggregate, f, t, has, v, st);
}

/* The value of sketch aggregate a from accumulated sketches. */
static bool sketch_agg(agg_spec_t a, const hll_t *hll, const qsk_t *qsk, double *v)
{
    if (a.kind == AGG_DISTINCT) {
        *v = hll_count(hll);
        return true;
    }
    return qsk_quantile(qsk, a.q / 100.0, v);
}

/*
 * kpi_values for a distinct or pNN key result over its period: one pass
 * over the day buckets, each day's sketches read once into that day's own
 * (dayv) and merged into running ones (daily, then current with the rest of
 * the last day).
 */
static int sketch_values(const okr_ctx_t *c, const kr_def_t *kr, const kpi_def_t *k,
                         const objective_def_t *o, int64_t end, int ndays, kr_eval_t *out,
                         double *daily, bool *has_daily, double *dayv, bool *has_dayv)
{
    bool distinct = kr->aggregate.kind == AGG_DISTINCT;
    if (distinct ? !k->distinct : !k->quantiles)
        return 0; /* no sketch kept: nil */
    hll_t *rh = distinct ? hll_new() : NULL, *dh = NULL;
    qsk_t *rq = distinct ? NULL : qsk_new(), *dq = NULL;
    agg_state_t cum = AGG_STATE_EMPTY, st;
    int rc = rh == NULL && rq == NULL ? -ENOMEM : 0;
    for (int d = 0; rc == 0 && d < ndays; d++) {
        int64_t day = o->from + (int64_t)d * MS_DAY;
        dh = distinct ? hll_new() : NULL;
        dq = distinct ? NULL : qsk_new();
        st = AGG_STATE_EMPTY;
        rc = dh == NULL && dq == NULL
                 ? -ENOMEM
                 : store_read_merge_sketch(c->rd, k->id, RES_DAY, day, day + MS_DAY, &st, dh, dq);
        if (rc == 0 && ((dh && hll_merge(rh, dh) != 0) || (dq && qsk_merge(rq, dq) != 0)))
            rc = -ENOMEM;
        if (rc == 0) {
            agg_merge(&cum, &st);
            has_dayv[d] = st.count > 0 && sketch_agg(kr->aggregate, dh, dq, &dayv[d]);
            has_daily[d] = cum.count > 0 && sketch_agg(kr->aggregate, rh, rq, &daily[d]);
        }
        hll_free(&dh);
        qsk_free(&dq);
    }
    if (rc == 0)
        rc = kpi_state_sketch(c->rd, &c->cfg->cal, k, o->from + (int64_t)ndays * MS_DAY, end, &st,
                              rh, rq);
    if (rc == 0) {
        agg_merge(&cum, &st);
        out->has_current = cum.count > 0 && sketch_agg(kr->aggregate, rh, rq, &out->current);
        out->last_activity = cum.count > 0 ? cum.last_ts : INT64_MIN;
    }
    hll_free(&rh);
    qsk_free(&rq);
    return rc;
}

/* The latest event in [f, t) of raw KPI k, or of the raw KPIs derived KPI k
 * references, each looked at once (seen). */
static int latest_event(const okr_ctx_t *c, const kpi_def_t *k, int64_t f, int64_t t, bool *seen,
                        int64_t *last)
{
    size_t idx = (size_t)(k - c->cfg->kpis);
    if (seen[idx])
        return 0;
    seen[idx] = true;
    if (k->formula == NULL) {
        agg_state_t st;
        int rc = kpi_state(c->rd, &c->cfg->cal, k, f, t, &st);
        if (rc == 0 && st.count > 0 && st.last_ts > *last)
            *last = st.last_ts;
        return rc;
    }
    for (int i = 0; i < expr_nrefs(k->formula); i++) {
        int rc = latest_event(c, &c->cfg->kpis[k->refs[i]], f, t, seen, last);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * Current value, daily values (for the forecast: the value as it stood at
 * the end of each complete day) and day values (for scoring = "days": the
 * value of each day on its own) of a KPI-backed key result.
 */
static int kpi_values(const okr_ctx_t *c, const kr_def_t *kr, const objective_def_t *o,
                      int64_t at_r, int ndays, kr_eval_t *out, double *daily, bool *has_daily,
                      double *dayv, bool *has_dayv)
{
    const config_t *cfg = c->cfg;
    const kpi_def_t *k = &cfg->kpis[kr->kpi];
    agg_state_t st;
    int rc;
    int64_t end = at_r < o->to ? at_r : o->to;
    if (end < o->from)
        end = o->from;
    bool sketch = kr->aggregate.kind == AGG_DISTINCT || kr->aggregate.kind == AGG_QUANTILE;
    if (sketch && k->formula == NULL && !kr->has_window)
        return sketch_values(c, kr, k, o, end, ndays, out, daily, has_daily, dayv, has_dayv);
    if (k->formula != NULL && !kr->has_window) {
        /* A derived KPI has no buckets of its own: its formula over the
         * period up to each day's end (daily) and over each day (dayv). */
        for (int d = 0; d < ndays; d++) {
            int64_t day = o->from + (int64_t)d * MS_DAY;
            rc = kpi_value(c->rd, cfg, k, kr->aggregate, o->from, day + MS_DAY, &has_daily[d],
                           &daily[d], NULL);
            if (rc == 0)
                rc = kpi_value(c->rd, cfg, k, kr->aggregate, day, day + MS_DAY, &has_dayv[d],
                               &dayv[d], NULL);
            if (rc != 0)
                return rc;
        }
        return kpi_value(c->rd, cfg, k, kr->aggregate, o->from, end, &out->has_current,
                         &out->current, NULL);
    }
    if (kr->has_window) {
        rc = window_value(c, kr, k, at_r, &out->has_current, &out->current, &st);
        if (rc != 0)
            return rc;
        out->last_activity = st.count > 0 ? st.last_ts : INT64_MIN;
        for (int d = 0; d < ndays; d++) {
            rc = window_value(c, kr, k, o->from + (int64_t)(d + 1) * MS_DAY, &has_daily[d],
                              &daily[d], &st);
            if (rc != 0)
                return rc;
            dayv[d] = daily[d];
            has_dayv[d] = has_daily[d];
        }
        return 0;
    }
    /* The period up to at: its complete days from the day buckets in one
     * pass, the rest of the last day from hours and minutes. */
    agg_state_t *days = calloc((size_t)ndays + 1, sizeof *days);
    if (days == NULL)
        return -ENOMEM;
    for (int d = 0; d < ndays; d++)
        days[d] = AGG_STATE_EMPTY;
    day_scan_t ds = {o->from, ndays, days};
    rc = store_read_each(c->rd, k->id, RES_DAY, o->from, o->from + (int64_t)ndays * MS_DAY,
                         scan_day, &ds);
    agg_state_t cum = AGG_STATE_EMPTY;
    for (int d = 0; rc == 0 && d < ndays; d++) {
        agg_merge(&cum, &days[d]);
        has_daily[d] = agg_value(&cum, kr->aggregate, (int64_t)(d + 1) * MS_DAY, &daily[d]);
        has_dayv[d] = agg_value(&days[d], kr->aggregate, MS_DAY, &dayv[d]);
    }
    free(days);
    if (rc == 0)
        rc = kpi_state(c->rd, &cfg->cal, k, o->from + (int64_t)ndays * MS_DAY, end, &st);
    if (rc != 0)
        return rc;
    agg_merge(&cum, &st);
    out->has_current = agg_value(&cum, kr->aggregate, end - o->from, &out->current);
    out->last_activity = cum.count > 0 ? cum.last_ts : INT64_MIN;
    return 0;
}

/* start and target of a `change` KR from its baseline; false: no baseline. */
static int baseline(const okr_ctx_t *c, const kr_def_t *kr, const objective_def_t *o, int64_t at_r,
                    kr_eval_t *out, bool *found)
{
    int64_t f, t;
    baseline_period(c->cfg, o, &f, &t);
    if (t > at_r)
        t = at_r;
    if (f > t)
        f = t;
    const kpi_def_t *k = &c->cfg->kpis[kr->kpi];
    agg_state_t st = AGG_STATE_EMPTY;
    double b;
    bool has;
    int rc = kpi_value(c->rd, c->cfg, k, kr->aggregate, f, t, &has, &b, &st);
    if (rc != 0)
        return rc;
    /* No data: no events (a raw KPI), or no value (a derived one). */
    *found = has && (k->formula != NULL || st.count > 0);
    if (!*found)
        return 0;
    double target =
        kr->change == CHANGE_PCT ? b * (1 + kr->change_amount / 100) : b + kr->change_amount;
    if (target == b) {
        *found = false; /* e.g. +20% of 0: nothing to move */
        return 0;
    }
    out->has_start = out->has_target = true;
    out->start = b;
    out->target = target;
    return 0;
}

int okr_eval_kr(const okr_ctx_t *c, const kr_def_t *kr, int64_t at, kr_eval_t *out)
{
    const config_t *cfg = c->cfg;
    const objective_def_t *o = &cfg->objectives[kr->objective];
    memset(out, 0, sizeof *out);
    out->last_activity = INT64_MIN;
    int64_t at_r = window_round(&cfg->cal, &c->av, at);
    out->expected = okr_expected(o->from, o->to, at_r);
    bool over = at_r >= o->to;

    /* Complete days of the period before at. */
    int64_t upto = at_r < o->to ? at_r : o->to;
    int ndays = upto > o->from ? (int)((upto - o->from) / MS_DAY) : 0;
    if (ndays > MAX_DAYS)
        ndays = MAX_DAYS;
    double daily[MAX_DAYS], dayv[MAX_DAYS];
    bool has_daily[MAX_DAYS] = {false}, has_dayv[MAX_DAYS] = {false};

    /* Check-ins: every kind of KR may have them (confidence, notes). */
    checkin_scan_t cs = {.from = o->from,
                         .ndays = kr->manual ? ndays : 0,
                         .daily = daily,
                         .has_daily = has_daily,
                         .last_ts = INT64_MIN};
    msgpack_zone_init(&cs.zone, 1024);
    int rc = store_read_checkins(c->rd, kr->id, INT64_MIN, at_r, false, 0, scan_checkin, &cs);
    msgpack_zone_destroy(&cs.zone);
    if (rc != 0)
        return rc;
    out->has_confidence = cs.has_confidence;
    out->confidence = cs.confidence;

    bool no_baseline = false;
    if (kr->type == KR_MILESTONE) {
        out->has_current = out->has_progress = true;
        out->current = out->progress = out->attainment = cs.has_done && cs.done ? 1.0 : 0.0;
        out->has_start = out->has_target = true;
        out->start = 0;
        out->target = 1;
        out->last_activity = cs.last_ts;
    } else {
        if (kr->manual) {
            out->has_current = cs.has_value;
            out->current = cs.value;
            out->last_activity = cs.last_ts;
            for (int d = 0; d < ndays; d++) {
                dayv[d] = daily[d];
                has_dayv[d] = has_daily[d];
            }
        } else {
            rc = kpi_values(c, kr, o, at_r, ndays, out, daily, has_daily, dayv, has_dayv);
            if (rc != 0)
                return rc;
        }
        if (kr->change != CHANGE_NONE) {
            bool found;
            rc = baseline(c, kr, o, at_r, out, &found);
            if (rc != 0)
                return rc;
            no_baseline = !found;
        } else {
            out->has_start = kr->has_start;
            out->start = kr->start;
            out->has_target = kr->has_target;
            out->target = kr->target;
        }
        if (no_baseline) {
            /* no progress */
        } else if (kr->type == KR_INCREASE || kr->type == KR_DECREASE) {
            out->has_progress = out->has_current && okr_move(out->start, out->target, out->current,
                                                             &out->progress, &out->attainment);
        } else if (kr->scoring == SCORE_DAYS && ndays > 0) {
            int judged = 0, ok = 0;
            for (int d = 0; d < ndays; d++) {
                if (has_dayv[d]) {
                    judged++;
                    ok += okr_keep_ok(kr->type, out->target, dayv[d]);
                }
            }
            out->has_progress = judged > 0;
            out->progress = out->attainment = judged > 0 ? (double)ok / judged : 0;
        } else if (out->has_current) {
            out->has_progress = true;
            out->progress = out->attainment =
                okr_keep_ok(kr->type, out->target, out->current) ? 1.0 : 0.0;
        }
    }

    out->status = no_baseline ? OKR_NO_BASELINE
                              : okr_status(out->has_progress, out->progress, out->expected, over);
    if (over && out->has_progress) {
        out->has_grade = true;
        out->grade = okr_grade(out->progress);
    }

    /* Forecast and eta: the trend of the daily values, read at the last day. */
    double a, b, x;
    if ((kr->type == KR_INCREASE || kr->type == KR_DECREASE) && out->has_start && out->has_target &&
        !no_baseline && okr_fit(daily, has_daily, ndays, &a, &b)) {
        int64_t period_days = (o->to - o->from + MS_DAY - 1) / MS_DAY;
        double att;
        out->has_forecast =
            okr_move(out->start, out->target, a + b * (double)period_days, &out->forecast, &att);
        if (okr_line_reaches(a, b, out->start, out->target, &x) && x < 1e7) {
            out->has_eta = true;
            out->eta = o->from + (int64_t)ceil(x) * MS_DAY;
        }
    }

    if (kr->checkin_every_ms > 0) {
        /* Stale: nothing (no check-in; no event of the KPI, whatever the KR's
         * window) within checkin_every before at, once that long has passed
         * since the period started. */
        int64_t since = out->last_activity;
        if (kr->kpi >= 0 && since < at_r - kr->checkin_every_ms) {
            /* the KPI's own events, or those of the KPIs its formula reads */
            int64_t f = window_round(&cfg->cal, &c->av, at_r - kr->checkin_every_ms);
            bool *seen = calloc((size_t)cfg->nkpis + 1, sizeof *seen);
            if (seen == NULL)
                return -ENOMEM;
            rc = latest_event(c, &cfg->kpis[kr->kpi], f < at_r ? f : at_r, at_r, seen, &since);
            free(seen);
            if (rc != 0)
                return rc;
        }
        if (since == INT64_MIN || since < o->from)
            since = o->from;
        out->stale = at_r - since > kr->checkin_every_ms;
    }
    return 0;
}

int okr_eval_all(const okr_ctx_t *c, int64_t at, obj_eval_t *objs, kr_eval_t *const *krs)
{
    const config_t *cfg = c->cfg;
    int64_t at_r = window_round(&cfg->cal, &c->av, at);
    for (int i = 0; i < cfg->nobjectives; i++)
        for (int j = 0; j < cfg->objectives[i].nkrs; j++) {
            int rc = okr_eval_kr(c, &cfg->objectives[i].krs[j], at, &krs[i][j]);
            if (rc != 0)
                return rc;
        }
    /* Parents come before their children, so the reverse order rolls up
     * every child before its parent.  An objective averages at most all its
     * key results and all other objectives. */
    int n = cfg->nobjectives, maxkrs = 0;
    for (int i = 0; i < n; i++)
        if (cfg->objectives[i].nkrs > maxkrs)
            maxkrs = cfg->objectives[i].nkrs;
    size_t cap = (size_t)n + (size_t)maxkrs + 1;
    double *v = malloc(cap * sizeof *v), *w = malloc(cap * sizeof *w);
    bool *has = malloc(cap * sizeof *has);
    if (v == NULL || w == NULL || has == NULL) {
        free(v);
        free(w);
        free(has);
        return -ENOMEM;
    }
    for (int i = n - 1; i >= 0; i--) {
        const objective_def_t *o = &cfg->objectives[i];
        int m = 0;
        for (int j = 0; j < o->nkrs; j++, m++) {
            v[m] = krs[i][j].progress;
            has[m] = krs[i][j].has_progress;
            w[m] = o->krs[j].weight;
        }
        if (o->include_children) {
            for (int ch = i + 1; ch < n; ch++) {
                if (cfg->objectives[ch].parent != i)
                    continue;
                v[m] = objs[ch].progress;
                has[m] = objs[ch].has_progress;
                w[m] = cfg->objectives[ch].weight;
                m++;
            }
        }
        obj_eval_t *e = &objs[i];
        memset(e, 0, sizeof *e);
        e->has_progress = okr_weighted_mean(v, has, w, m, &e->progress);
        e->expected = okr_expected(o->from, o->to, at_r);
        bool over = at_r >= o->to;
        e->status = okr_status(e->has_progress, e->progress, e->expected, over);
        if (over && e->has_progress) {
            e->has_grade = true;
            e->grade = okr_grade(e->progress);
        }
    }
    free(v);
    free(w);
    free(has);
    return 0;
}
