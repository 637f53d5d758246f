/*
 * kpi.h - a KPI's state and value over a window, read from committed
 * buckets.
 *
 * A window [from, to) whose bounds were rounded by window_round() is tiled
 * by the coarsest buckets that fit it (days inside, hours and minutes at the
 * edges) and their states merged: a 30-day window reads a few dozen
 * records, not 43 200 minutes.  A derived KPI's value is its formula over
 * the values of the KPIs it references, each over the same window.
 */
#ifndef OKR_KPI_H
#define OKR_KPI_H

#include <stdbool.h>

#include "../common/calendar.h"
#include "bucket.h"
#include "sketch.h"
#include "config.h"
#include "store.h"

/* The merged state of raw KPI k over [from, to).  Returns 0 or -errno. */
int kpi_state(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from, int64_t to,
              agg_state_t *out);

/* kpi_state, also merging the buckets' sketches into hll and qsk when they
 * are not NULL (and k keeps them). */
int kpi_state_sketch(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from,
                     int64_t to, agg_state_t *out, hll_t *hll, qsk_t *qsk);

/*
 * The value of KPI k over [from, to): for a raw KPI, aggregate a of its
 * state; for a derived one, its formula (a is not used).  *has is false for
 * nil (no data, a division by zero).  When st is not NULL and k is raw, it
 * receives the state.  Returns 0 or -errno.
 */
int kpi_value(store_reader_t *rd, const config_t *cfg, const kpi_def_t *k, agg_spec_t a,
              int64_t from, int64_t to, bool *has, double *v, agg_state_t *st);

/* The status of value v against k's thresholds: "green", "amber", "red",
 * or NULL when k has none. */
const char *kpi_status(const kpi_def_t *k, double v);

#endif
