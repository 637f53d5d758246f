#include "aggregate.h"

#include "../common/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct slot {
    bucket_key_t key;
    agg_state_t state;
    hll_t *hll; /* sketches, for KPIs that keep them; NULL otherwise */
    qsk_t *qsk;
    uint32_t used; /* generation the slot was filled in; 0 = never */
} slot_t;

/* The slot of the current bucket of one KPI and resolution. */
typedef struct cache_ent {
    int64_t start;
    uint32_t gen; /* valid only when equal to the table's generation */
    uint32_t slot;
} cache_ent_t;

struct aggr {
    slot_t *slots;
    uint32_t cap; /* power of two */
    uint32_t n;
    uint32_t gen;        /* bumped by clear and by growth: invalidates slots and cache */
    uint32_t *order;     /* indices of used slots, in insertion order */
    log_limit_t oom_log; /* sketch allocation failures, at most one line a second */
    cache_ent_t (*cache)[RES_COUNT];
    uint32_t cache_n; /* KPI ids covered by the cache */
};

static void free_sketches(aggr_t *a);

static uint32_t key_hash(uint32_t kpi, uint32_t res, int64_t start)
{
    uint64_t h = (uint64_t)start * UINT64_C(0x9E3779B97F4A7C15);
    h ^= ((uint64_t)kpi << 2 | res) * UINT64_C(0xC2B2AE3D27D4EB4F);
    h ^= h >> 29;
    return (uint32_t)h;
}

static int table_alloc(aggr_t *a, uint32_t cap)
{
    slot_t *slots = calloc(cap, sizeof *slots);
    uint32_t *order = malloc((size_t)cap / 2 * sizeof *order);
    if (slots == NULL || order == NULL) {
        free(slots);
        free(order);
        return -1;
    }
    a->slots = slots;
    a->order = order;
    a->cap = cap;
    return 0;
}

aggr_t *aggr_new(void)
{
    aggr_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->gen = 1;
    if (table_alloc(a, 1024) != 0) {
        free(a);
        return NULL;
    }
    return a;
}

void aggr_destroy(aggr_t **ap)
{
    if (ap == NULL || *ap == NULL)
        return;
    aggr_t *a = *ap;
    free_sketches(a);
    free(a->slots);
    free(a->order);
    free(a->cache);
    free(a);
    *ap = NULL;
}

/* Find the slot of key, or the empty slot where it belongs. */
static uint32_t probe(const aggr_t *a, uint32_t kpi, uint32_t res, int64_t start)
{
    uint32_t mask = a->cap - 1;
    uint32_t i = key_hash(kpi, res, start) & mask;
    for (;;) {
        const slot_t *s = &a->slots[i];
        if (s->used != a->gen)
            return i;
        if (s->key.start == start && s->key.kpi == kpi && s->key.res == res)
            return i;
        i = (i + 1) & mask;
    }
}

static int grow(aggr_t *a)
{
    slot_t *old = a->slots;
    uint32_t *old_order = a->order;
    uint32_t n = a->n, old_gen = a->gen;
    if (a->cap > UINT32_MAX / 4 || table_alloc(a, a->cap * 2) != 0)
        return -1;
    a->gen = old_gen + 1;
    a->n = 0;
    for (uint32_t k = 0; k < n; k++) {
        const slot_t *s = &old[old_order[k]];
        uint32_t i = probe(a, s->key.kpi, s->key.res, s->key.start);
        a->slots[i] = *s;
        a->slots[i].used = a->gen;
        a->order[a->n++] = i;
    }
    free(old);
    free(old_order);
    return 0;
}

static int cache_reserve(aggr_t *a, uint32_t kpi)
{
    if (kpi < a->cache_n)
        return 0;
    uint32_t n = a->cache_n ? a->cache_n : 64;
    while (n <= kpi)
        n *= 2;
    cache_ent_t(*c)[RES_COUNT] = realloc(a->cache, (size_t)n * sizeof *c);
    if (c == NULL)
        return -1;
    memset(c + a->cache_n, 0, (size_t)(n - a->cache_n) * sizeof *c);
    a->cache = c;
    a->cache_n = n;
    return 0;
}

/* The state of the bucket of resolution res holding ts, created empty if new.  The caller
 * makes sure the table has room (it never grows here, so pointers returned
 * by earlier calls stay valid). */
static slot_t *slot_get(aggr_t *a, const cal_t *cal, uint32_t kpi, res_t res, int64_t ts)
{
    /* Buckets have a fixed length in local time (the offset is fixed), so
     * the common case, an event in the cached bucket, needs no division. */
    static const int64_t len[RES_COUNT] = {MS_MINUTE, MS_HOUR, MS_DAY};
    cache_ent_t *ce = &a->cache[kpi][res];
    if (ce->gen == a->gen && ts >= ce->start && ts - ce->start < len[res])
        return &a->slots[ce->slot];
    int64_t start = cal_floor(cal, res, ts);
    uint32_t i = probe(a, kpi, res, start);
    slot_t *s = &a->slots[i];
    if (s->used != a->gen) {
        s->key = (bucket_key_t){kpi, res, start};
        s->state = AGG_STATE_EMPTY;
        s->hll = NULL;
        s->qsk = NULL;
        s->used = a->gen;
        a->order[a->n++] = i;
    }
    *ce = (cache_ent_t){start, a->gen, i};
    return s;
}

int aggr_reserve(aggr_t *a, uint32_t max_kpi, size_t nbuckets)
{
    if (max_kpi >= a->cache_n && cache_reserve(a, max_kpi) != 0)
        return -1;
    while ((a->n + nbuckets) * 2 > a->cap)
        if (grow(a) != 0)
            return -1;
    return 0;
}

int aggr_add(aggr_t *a, const cal_t *cal, uint32_t kpi, int64_t ts, double v, res_t first_res)
{
    /* Room for every bucket this event may create, so that nothing moves. */
    if (aggr_reserve(a, kpi, RES_COUNT) != 0)
        return -1;
    for (int r = first_res; r < RES_COUNT; r++)
        agg_add(&slot_get(a, cal, kpi, (res_t)r, ts)->state, v, ts);
    return 0;
}

int aggr_add_sketch(aggr_t *a, const cal_t *cal, uint32_t kpi, int64_t ts, double v,
                    res_t first_res, bool distinct, bool quantiles, const char *key, size_t key_len)
{
    if (aggr_reserve(a, kpi, RES_COUNT) != 0)
        return -1;
    for (int r = first_res; r < RES_COUNT; r++) {
        slot_t *s = slot_get(a, cal, kpi, (res_t)r, ts);
        agg_add(&s->state, v, ts);
        bool failed = false;
        if (distinct && key != NULL) {
            if (s->hll == NULL)
                s->hll = hll_new();
            failed |= s->hll == NULL || hll_add(s->hll, key, key_len) != 0;
        }
        if (quantiles) {
            if (s->qsk == NULL)
                s->qsk = qsk_new();
            failed |= s->qsk == NULL || qsk_add(s->qsk, v) != 0;
        }
        if (failed) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            if (log_limit_pass(&a->oom_log, (int64_t)now.tv_sec * 1000) >= 0)
                log_error("event=sketch_failed reason=out_of_memory");
        }
    }
    return 0;
}

size_t aggr_size(const aggr_t *a)
{
    return a->n;
}

static int cmp_order(const void *x, const void *y, void *ctx)
{
    const slot_t *slots = ctx;
    const bucket_key_t *p = &slots[*(const uint32_t *)x].key;
    const bucket_key_t *q = &slots[*(const uint32_t *)y].key;
    if (p->kpi != q->kpi)
        return p->kpi < q->kpi ? -1 : 1;
    if (p->res != q->res)
        return p->res < q->res ? -1 : 1;
    if (p->start != q->start)
        return p->start < q->start ? -1 : 1;
    return 0;
}

int aggr_foreach_sketch(aggr_t *a, aggr_sk_fn fn, void *ctx)
{
    qsort_r(a->order, a->n, sizeof *a->order, cmp_order, a->slots);
    for (uint32_t k = 0; k < a->n; k++) {
        const slot_t *s = &a->slots[a->order[k]];
        int rc = fn(ctx, &s->key, &s->state, s->hll, s->qsk);
        if (rc != 0)
            return rc;
    }
    return 0;
}

typedef struct plain {
    aggr_fn fn;
    void *ctx;
} plain_t;

static int plain_cb(void *ctx, const bucket_key_t *key, const agg_state_t *state, const hll_t *hll,
                    const qsk_t *qsk)
{
    (void)hll;
    (void)qsk;
    plain_t *p = ctx;
    return p->fn(p->ctx, key, state);
}

int aggr_foreach(aggr_t *a, aggr_fn fn, void *ctx)
{
    plain_t p = {fn, ctx};
    return aggr_foreach_sketch(a, plain_cb, &p);
}

/* Free the sketches of the dirty buckets. */
static void free_sketches(aggr_t *a)
{
    for (uint32_t k = 0; k < a->n; k++) {
        slot_t *s = &a->slots[a->order[k]];
        hll_free(&s->hll);
        qsk_free(&s->qsk);
    }
}

void aggr_clear(aggr_t *a)
{
    free_sketches(a);
    a->n = 0;
    if (++a->gen == 0) { /* wrapped: 0 means "never used", so wipe once */
        for (uint32_t i = 0; i < a->cap; i++)
            a->slots[i].used = 0;
        for (uint32_t k = 0; k < a->cache_n; k++)
            for (int r = 0; r < RES_COUNT; r++)
                a->cache[k][r].gen = 0;
        a->gen = 1;
    }
}
