/*
 * aggregate.h - the in-memory table of dirty buckets between two commits.
 *
 * Ingest adds each applied event to the minute, hour and day buckets of
 * every KPI that reads it; the table merges events in memory so that a group
 * commit writes each touched bucket once, however many events it saw.  The
 * writer thread owns the table: nothing here is thread-safe.
 *
 * The table allocates only when it grows past its largest size so far; once
 * warm, adding an event allocates nothing.  A small per-KPI cache remembers
 * the slot of the current bucket of each resolution, so the common case (the
 * next event falls in the same minute) costs no hash lookup at all.
 */
#ifndef OKR_AGGREGATE_H
#define OKR_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/calendar.h"
#include "bucket.h"
#include "sketch.h"

typedef struct bucket_key {
    uint32_t kpi; /* storage id */
    uint32_t res; /* res_t */
    int64_t start;
} bucket_key_t;

typedef struct aggr aggr_t;

aggr_t *aggr_new(void);
/* Frees the table; accepts NULL and sets *a to NULL. */
void aggr_destroy(aggr_t **a);

/*
 * Add value v at time ts to KPI kpi's buckets of the resolutions from
 * first_res (RES_MINUTE..RES_DAY) up to RES_DAY: ingest passes the finest
 * resolution whose retention still covers ts.  Returns 0, or -1 when the
 * table cannot grow (out of memory; nothing was added).
 */
int aggr_add(aggr_t *a, const cal_t *cal, uint32_t kpi, int64_t ts, double v, res_t first_res);

/*
 * aggr_add() for a KPI that keeps sketches: also adds key (when not NULL) to
 * the bucket's distinct-count sketch when distinct, and v to its quantile
 * sketch when quantiles.  A bucket's sketches are allocated when it is
 * first touched; if that fails the numbers are still added and the error
 * logged (the sketch then misses those events).
 */
int aggr_add_sketch(aggr_t *a, const cal_t *cal, uint32_t kpi, int64_t ts, double v,
                    res_t first_res, bool distinct, bool quantiles, const char *key,
                    size_t key_len);

/*
 * Make sure that the next calls to aggr_add() for KPI ids up to max_kpi,
 * creating up to nbuckets new buckets in all, cannot fail.  Returns 0 or -1
 * (out of memory).
 */
int aggr_reserve(aggr_t *a, uint32_t max_kpi, size_t nbuckets);

/* Number of dirty buckets. */
size_t aggr_size(const aggr_t *a);

/*
 * Call fn for every dirty bucket, in key order (KPI, resolution, start), so
 * that the store writes sequentially.  Stops at and returns the first
 * non-zero return of fn.
 */
typedef int (*aggr_fn)(void *ctx, const bucket_key_t *key, const agg_state_t *state);
int aggr_foreach(aggr_t *a, aggr_fn fn, void *ctx);

/* The same, with the bucket's sketches (NULL when it keeps none). */
typedef int (*aggr_sk_fn)(void *ctx, const bucket_key_t *key, const agg_state_t *state,
                          const hll_t *hll, const qsk_t *qsk);
int aggr_foreach_sketch(aggr_t *a, aggr_sk_fn fn, void *ctx);

/* Forget every dirty bucket (after a successful commit); keeps the table's
 * memory, frees the sketches. */
void aggr_clear(aggr_t *a);

#endif
