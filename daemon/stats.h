/*
 * stats.h - the counters behind the `stats` op.
 *
 * The ingest thread counts in plain fields of its own (no atomic operation
 * per event) and publishes totals here at each commit; the query thread
 * reads them.  So `stats`, like every reply, reflects committed work.
 */
#ifndef OKR_STATS_H
#define OKR_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "../common/wire.h"

typedef struct stats_counts {
    uint64_t received; /* events received (an undecodable message counts once) */
    uint64_t applied;
    uint64_t rejected[WIRE_REASON_COUNT]; /* [WIRE_OK] unused */
    uint64_t gaps;
    uint64_t commits;
} stats_counts_t;

typedef struct stats {
    _Atomic uint64_t received, applied, gaps, commits, publishers;
    _Atomic uint64_t rejected[WIRE_REASON_COUNT];
} stats_t;

static inline void stats_publish(stats_t *s, const stats_counts_t *c, uint64_t publishers)
{
    atomic_store_explicit(&s->received, c->received, memory_order_relaxed);
    atomic_store_explicit(&s->applied, c->applied, memory_order_relaxed);
    atomic_store_explicit(&s->gaps, c->gaps, memory_order_relaxed);
    atomic_store_explicit(&s->commits, c->commits, memory_order_relaxed);
    atomic_store_explicit(&s->publishers, publishers, memory_order_relaxed);
    for (int i = 0; i < WIRE_REASON_COUNT; i++)
        atomic_store_explicit(&s->rejected[i], c->rejected[i], memory_order_relaxed);
}

#endif
