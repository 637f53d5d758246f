/*
 * bucket.h - the mergeable state kept per KPI and time bucket, and the
 * aggregates computed from it (SPEC section 2).
 *
 * A state summarises any set of events; merging the states of two disjoint
 * sets gives the state of their union.  That is what lets a window of any
 * length be answered by merging the few buckets that tile it.
 */
#ifndef OKR_BUCKET_H
#define OKR_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct agg_state {
    uint64_t count;
    double sum;
    double sumsq;
    double min;
    double max;
    double last;     /* value of the latest event by ts; ties: the later one */
    int64_t last_ts; /* ts of that event */
} agg_state_t;

/* The state of no events. */
#define AGG_STATE_EMPTY ((agg_state_t){0, 0, 0, 0, 0, 0, INT64_MIN})

/* Add one event. */
static inline void agg_add(agg_state_t *s, double v, int64_t ts)
{
    if (s->count == 0 || v < s->min)
        s->min = v;
    if (s->count == 0 || v > s->max)
        s->max = v;
    if (ts >= s->last_ts) {
        s->last = v;
        s->last_ts = ts;
    }
    s->count++;
    s->sum += v;
    s->sumsq += v * v;
}

/* Merge src into dst (dst becomes the state of both sets). */
void agg_merge(agg_state_t *dst, const agg_state_t *src);

/* Aggregates. */
typedef enum agg_kind {
    AGG_COUNT = 0,
    AGG_SUM,
    AGG_AVG,
    AGG_MIN,
    AGG_MAX,
    AGG_LAST,
    AGG_STDDEV,
    AGG_RATE,
    AGG_DISTINCT, /* needs a distinct-count sketch */
    AGG_QUANTILE, /* pNN; needs a quantile sketch */
} agg_kind_t;

typedef struct agg_spec {
    agg_kind_t kind;
    int q; /* AGG_QUANTILE: 1..99 */
} agg_spec_t;

/* Parse "count", "sum", ..., "p50". Returns 0 or -1. */
int agg_parse(const char *s, agg_spec_t *out);

/* Name of an aggregate into buf (>= 8 bytes); returns buf. */
const char *agg_name(agg_spec_t a, char *buf, unsigned len);

/*
 * The aggregate a of state s over a window of span_ms.  Returns false (nil)
 * where the aggregate has no value: avg/min/max/last/stddev of no events, or
 * an aggregate the state cannot answer (distinct, quantiles).  count, sum and
 * rate of no events are 0.
 */
bool agg_value(const agg_state_t *s, agg_spec_t a, int64_t span_ms, double *out);

/* Stored form: a versioned record, then the sketches its flags name, each
 * as a u32 length and the sketch's serialized bytes, in this order. */
#define BUCKET_RECORD_VERSION 1
#define BUCKET_HAS_HLL        1u
#define BUCKET_HAS_QSK        2u
typedef struct bucket_record {
    uint32_t version;
    uint32_t flags; /* BUCKET_HAS_* */
    agg_state_t state;
} bucket_record_t;

#endif
