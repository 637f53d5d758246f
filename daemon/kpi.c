#include "kpi.h"

#include <errno.h>
#include <stdlib.h>

#include "expr.h"

/* Derived KPIs evaluated during one kpi_value() call, by KPI index: the
 * window is the same throughout, so each is evaluated once however many
 * formulas reference it. */
typedef struct memo {
    signed char *state; /* 0 not yet, 1 has a value, -1 nil */
    double *val;
} memo_t;

typedef struct ref_ctx {
    store_reader_t *rd;
    const config_t *cfg;
    const kpi_def_t *k;
    int64_t from, to;
    int depth; /* formulas refuse cycles, so a chain is shorter than nkpis */
    memo_t *memo;
    const double *vals; /* the current formula's reference values */
    const bool *has;
} ref_ctx_t;

int kpi_state_sketch(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from,
                     int64_t to, agg_state_t *out, hll_t *hll, qsk_t *qsk)
{
    *out = AGG_STATE_EMPTY;
    window_piece_t pieces[5];
    int n = window_tile(cal, from, to, pieces);
    for (int i = 0; i < n; i++) {
        int rc = store_read_merge_sketch(rd, k->id, pieces[i].res, pieces[i].start, pieces[i].end,
                                         out, k->distinct ? hll : NULL, k->quantiles ? qsk : NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int kpi_state(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from, int64_t to,
              agg_state_t *out)
{
    return kpi_state_sketch(rd, cal, k, from, to, out, NULL, NULL);
}

/* distinct or pNN of raw KPI k over [from, to), from its sketches; nil
 * when k does not keep the sketch. */
static int sketch_value(ref_ctx_t *c, const kpi_def_t *k, agg_spec_t a, bool *has, double *v,
                        agg_state_t *st)
{
    bool distinct = a.kind == AGG_DISTINCT;
    if (distinct ? !k->distinct : !k->quantiles)
        return 0;
    hll_t *hll = distinct ? hll_new() : NULL;
    qsk_t *qsk = distinct ? NULL : qsk_new();
    agg_state_t s;
    int rc = hll == NULL && qsk == NULL
                 ? -ENOMEM
                 : kpi_state_sketch(c->rd, &c->cfg->cal, k, c->from, c->to, &s, hll, qsk);
    if (rc == 0) {
        if (distinct) {
            *v = hll_count(hll);
            *has = true;
        } else {
            *has = qsk_quantile(qsk, a.q / 100.0, v);
        }
        if (st != NULL)
            *st = s;
    }
    hll_free(&hll);
    qsk_free(&qsk);
    return rc;
}

static int value_at_depth(ref_ctx_t *c, const kpi_def_t *k, agg_spec_t a, bool *has, double *v,
                          agg_state_t *st);

/* A formula reference's value: evaluated beforehand, once per reference. */
static bool ref_value(void *ctx, int i, double *v)
{
    ref_ctx_t *c = ctx;
    *v = c->vals[i];
    return c->has[i];
}

/* A derived KPI's value: its references once each, then its formula. */
static int derived_value(ref_ctx_t *c, const kpi_def_t *k, bool *has, double *v)
{
    size_t idx = (size_t)(k - c->cfg->kpis);
    if (c->memo->state[idx] != 0) {
        *has = c->memo->state[idx] > 0;
        *v = c->memo->val[idx];
        return 0;
    }
    if (c->depth > c->cfg->nkpis)
        return -ELOOP;
    int n = expr_nrefs(k->formula);
    double *vals = malloc(((size_t)n + 1) * sizeof *vals);
    bool *hs = malloc(((size_t)n + 1) * sizeof *hs);
    int rc = vals && hs ? 0 : -ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        ref_ctx_t sub = *c;
        sub.depth = c->depth + 1;
        rc = value_at_depth(&sub, &c->cfg->kpis[k->refs[i]], expr_ref_agg(k->formula, i), &hs[i],
                            &vals[i], NULL);
    }
    if (rc == 0) {
        ref_ctx_t ev = *c;
        ev.vals = vals;
        ev.has = hs;
        *has = expr_formula_eval(k->formula, ref_value, &ev, v);
        c->memo->state[idx] = *has ? 1 : -1;
        c->memo->val[idx] = *v;
    }
    free(vals);
    free(hs);
    return rc;
}

static int value_at_depth(ref_ctx_t *c, const kpi_def_t *k, agg_spec_t a, bool *has, double *v,
                          agg_state_t *st)
{
    *has = false;
    if (k->formula != NULL)
        return derived_value(c, k, has, v);
    if (a.kind == AGG_DISTINCT || a.kind == AGG_QUANTILE)
        return sketch_value(c, k, a, has, v, st);
    agg_state_t s;
    int rc = kpi_state(c->rd, &c->cfg->cal, k, c->from, c->to, &s);
    if (rc != 0)
        return rc;
    *has = agg_value(&s, a, c->to - c->from, v);
    if (st != NULL)
        *st = s;
    return 0;
}

int kpi_value(store_reader_t *rd, const config_t *cfg, const kpi_def_t *k, agg_spec_t a,
              int64_t from, int64_t to, bool *has, double *v, agg_state_t *st)
{
    memo_t memo = {NULL, NULL};
    if (k->formula != NULL) {
        memo.state = calloc((size_t)cfg->nkpis + 1, sizeof *memo.state);
        memo.val = calloc((size_t)cfg->nkpis + 1, sizeof *memo.val);
        if (memo.state == NULL || memo.val == NULL) {
            free(memo.state);
            free(memo.val);
            return -ENOMEM;
        }
    }
    ref_ctx_t c = {rd, cfg, k, from, to, 0, &memo, NULL, NULL};
    int rc = value_at_depth(&c, k, a, has, v, st);
    free(memo.state);
    free(memo.val);
    return rc;
}

const char *kpi_status(const kpi_def_t *k, double v)
{
    const kpi_thresholds_t *t = &k->thresholds;
    if (!t->set)
        return NULL;
    if (t->higher)
        return v >= t->green ? "green" : v >= t->amber ? "amber" : "red";
    return v <= t->green ? "green" : v <= t->amber ? "amber" : "red";
}
