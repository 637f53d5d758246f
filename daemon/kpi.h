/*
 * kpi.h - a KPI's state over a window, read from committed buckets.
 *
 * A window [from, to) whose bounds were rounded by window_round() is tiled
 * by the coarsest buckets that fit it (days inside, hours and minutes at the
 * edges) and their states merged: a 30-day window reads a few dozen
 * records, not 43 200 minutes.
 */
#ifndef OKR_KPI_H
#define OKR_KPI_H

#include "../common/calendar.h"
#include "bucket.h"
#include "config.h"
#include "store.h"

/* The merged state of KPI k over [from, to).  Returns 0 or -errno. */
int kpi_state(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from, int64_t to,
              agg_state_t *out);

#endif
