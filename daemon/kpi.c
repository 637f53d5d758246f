#include "kpi.h"

#include <errno.h>

#include "expr.h"

/* Formulas may reference derived KPIs; the configuration refuses cycles,
 * and this bounds the recursion whatever happens. */
#define MAX_DEPTH 16

typedef struct ref_ctx {
    store_reader_t *rd;
    const config_t *cfg;
    const kpi_def_t *k;
    int64_t from, to;
    int depth;
    int rc; /* the first store error */
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

/* A formula reference's value, over the same window. */
static bool ref_value(void *ctx, int i, double *v)
{
    ref_ctx_t *c = ctx;
    const kpi_def_t *ref = &c->cfg->kpis[c->k->refs[i]];
    ref_ctx_t sub = *c;
    sub.k = ref;
    sub.depth = c->depth + 1;
    bool has = false;
    int rc = value_at_depth(&sub, ref, expr_ref_agg(c->k->formula, i), &has, v, NULL);
    if (rc != 0 && c->rc == 0)
        c->rc = rc;
    return rc == 0 && has;
}

static int value_at_depth(ref_ctx_t *c, const kpi_def_t *k, agg_spec_t a, bool *has, double *v,
                          agg_state_t *st)
{
    *has = false;
    if (k->formula == NULL && (a.kind == AGG_DISTINCT || a.kind == AGG_QUANTILE))
        return sketch_value(c, k, a, has, v, st);
    if (k->formula == NULL) {
        agg_state_t s;
        int rc = kpi_state(c->rd, &c->cfg->cal, k, c->from, c->to, &s);
        if (rc != 0)
            return rc;
        *has = agg_value(&s, a, c->to - c->from, v);
        if (st != NULL)
            *st = s;
        return 0;
    }
    if (c->depth >= MAX_DEPTH)
        return -ELOOP;
    ref_ctx_t sub = *c;
    sub.k = k;
    sub.rc = 0;
    *has = expr_formula_eval(k->formula, ref_value, &sub, v);
    return sub.rc;
}

int kpi_value(store_reader_t *rd, const config_t *cfg, const kpi_def_t *k, agg_spec_t a,
              int64_t from, int64_t to, bool *has, double *v, agg_state_t *st)
{
    ref_ctx_t c = {rd, cfg, k, from, to, 0, 0};
    return value_at_depth(&c, k, a, has, v, st);
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
