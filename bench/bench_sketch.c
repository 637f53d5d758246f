/*
 * bench_sketch.c - accuracy, size and speed of the sketches in
 * daemon/sketch.c (SPEC section 2), for the figures in the README.
 *
 *     bench_sketch
 *
 * Distinct counts (hll_t): the error of one growing sketch of "user-N" keys
 * at 1 k .. 10 M keys; the RMS error and the share of sketches beyond 2 %
 * over 100 independent key sets per size; bytes per sketch, serialized
 * (hll_size) and on the heap (malloc's own count, mallinfo2, so allocator
 * overhead included); ns per hll_add in the sparse and the dense form.
 *
 * Quantiles (qsk_t): the largest relative error over p1..p99 for 100 k
 * values of each data set (uniform, lognormal, exponential, negatives and
 * zeros, constant, wide range), against the exact x[floor(q (n - 1))] of
 * the sorted values; bytes per sketch for 100, 10 k and 1 M lognormal
 * values; ns per qsk_add.
 *
 * Exit status: 0, or 1 when a quantile error exceeds 1 % or an RMS
 * distinct-count error exceeds 2 %.
 */
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sketch.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 42;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rnd01(void)
{
    return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double rnd_normal(void)
{
    return sqrt(-2 * log(rnd01())) * cos(2 * M_PI * rnd01());
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static size_t heap_used(void)
{
    return mallinfo2().uordblks;
}

static void die_oom(void)
{
    fprintf(stderr, "bench_sketch: out of memory\n");
    exit(1);
}

/* ---- distinct counts ------------------------------------------------------ */

static int bench_hll(void)
{
    int bad = 0;
    char key[32];

    printf("distinct counts (HLL_P = %d, sparse up to %d keys)\n", HLL_P, HLL_SPARSE_MAX);
    static const long at[] = {1000, 10000, 100000, 1000000, 10000000};
    hll_t *h = hll_new();
    if (h == NULL)
        die_oom();
    long i = 0;
    for (size_t k = 0; k < NELEM(at); k++) {
        for (; i < at[k]; i++) {
            int n = snprintf(key, sizeof(key), "user-%ld", i);
            if (hll_add(h, key, (size_t)n) < 0)
                die_oom();
        }
        double c = hll_count(h);
        printf("  %9ld \"user-N\" keys: estimate %11.1f  error %+6.3f %%\n", at[k], c,
               100 * (c - (double)at[k]) / (double)at[k]);
    }
    hll_free(&h);

    enum { SETS = 100 };
    static const long sizes[] = {1000, 10000, 100000, 1000000};
    for (size_t s = 0; s < NELEM(sizes); s++) {
        double sumsq = 0, worst = 0;
        int over = 0;
        for (uint64_t set = 0; set < SETS; set++) {
            hll_t *hs = hll_new();
            if (hs == NULL)
                die_oom();
            for (long k = 0; k < sizes[s]; k++) {
                int n = snprintf(key, sizeof(key), "set%" PRIu64 "-user-%ld", set, k);
                if (hll_add(hs, key, (size_t)n) < 0)
                    die_oom();
            }
            double err = fabs(hll_count(hs) - (double)sizes[s]) / (double)sizes[s];
            sumsq += err * err;
            over += err > 0.02;
            worst = err > worst ? err : worst;
            hll_free(&hs);
        }
        double rms = sqrt(sumsq / SETS);
        printf("  %9ld keys, %d key sets: RMS error %.3f %%, worst %.3f %%, beyond 2 %%: %d %%\n",
               sizes[s], SETS, 100 * rms, 100 * worst, over * 100 / SETS);
        bad |= rms > 0.02;
    }

    /* bytes */
    static const long shapes[] = {0, 100, HLL_SPARSE_MAX, HLL_SPARSE_MAX + 1, 1000000};
    for (size_t s = 0; s < NELEM(shapes); s++) {
        size_t before = heap_used();
        hll_t *hs = hll_new();
        if (hs == NULL)
            die_oom();
        for (long k = 0; k < shapes[s]; k++) {
            int n = snprintf(key, sizeof(key), "user-%ld", k);
            if (hll_add(hs, key, (size_t)n) < 0)
                die_oom();
        }
        printf("  bytes at %7ld keys (%s): serialized %5zu, heap %5zu\n", shapes[s],
               shapes[s] <= HLL_SPARSE_MAX ? "sparse" : "dense ", hll_size(hs),
               heap_used() - before);
        hll_free(&hs);
    }

    /* speed: keys made beforehand, "user-N" */
    enum { NKEYS = 1 << 20, KEYLEN = 16 };
    char *keys = malloc((size_t)NKEYS * KEYLEN);
    int *lens = malloc(NKEYS * sizeof(int));
    if (keys == NULL || lens == NULL)
        die_oom();
    for (int k = 0; k < NKEYS; k++)
        lens[k] = snprintf(keys + (size_t)k * KEYLEN, KEYLEN, "user-%d", k);
    /* sparse: fresh sketches of HLL_SPARSE_MAX keys each */
    double t0 = now_ns();
    long adds = 0;
    for (int k = 0; k + HLL_SPARSE_MAX <= NKEYS; k += HLL_SPARSE_MAX) {
        hll_t *hs = hll_new();
        if (hs == NULL)
            die_oom();
        for (int j = k; j < k + HLL_SPARSE_MAX; j++)
            if (hll_add(hs, keys + (size_t)j * KEYLEN, (size_t)lens[j]) < 0)
                die_oom();
        adds += HLL_SPARSE_MAX;
        hll_free(&hs);
    }
    double sparse_ns = (now_ns() - t0) / adds;
    /* dense: one sketch, every key 10 times */
    h = hll_new();
    if (h == NULL)
        die_oom();
    t0 = now_ns();
    for (int r = 0; r < 10; r++)
        for (int k = 0; k < NKEYS; k++)
            if (hll_add(h, keys + (size_t)k * KEYLEN, (size_t)lens[k]) < 0)
                die_oom();
    double dense_ns = (now_ns() - t0) / (10.0 * NKEYS);
    t0 = now_ns();
    volatile double sink = 0;
    for (int r = 0; r < 1000; r++)
        sink += hll_count(h);
    double count_ns = (now_ns() - t0) / 1000;
    (void)sink;
    printf("  ns per hll_add: %.1f sparse (incl. new/free per %d keys), %.1f dense;"
           " hll_count (dense): %.0f ns\n",
           sparse_ns, HLL_SPARSE_MAX, dense_ns, count_ns);
    hll_free(&h);
    free(keys);
    free(lens);
    return bad;
}

/* ---- quantiles ------------------------------------------------------------- */

enum { DS_UNIFORM, DS_LOGNORMAL, DS_EXPONENTIAL, DS_MIXED, DS_CONSTANT, DS_WIDE, DS_N };

static const char *ds_name[DS_N] = {
    "uniform 0..1000", "lognormal (sigma 2)",    "exponential (mean 250)", "30% neg, 15% zero",
    "constant",        "wide (1e-17..1e17, +-)",
};

static double ds_value(int d)
{
    double u = rnd01();
    switch (d) {
    case DS_UNIFORM:
        return 1000 * u;
    case DS_LOGNORMAL:
        return 100 * exp(2 * rnd_normal());
    case DS_EXPONENTIAL:
        return -250 * log(u);
    case DS_MIXED:
        return u < 0.30 ? -exp(3 * rnd_normal()) : u < 0.45 ? 0 : 20 * exp(rnd_normal());
    case DS_CONSTANT:
        return 42.125;
    default:
        return (rnd() & 1 ? 1 : -1) * pow(10, 34 * u - 17);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int bench_qsk(void)
{
    int bad = 0;
    enum { N = 100000 };
    double *x = malloc(N * sizeof(double));
    if (x == NULL)
        die_oom();

    printf("quantiles (gamma 1.02, at most 4096 bins per sign)\n");
    for (int d = 0; d < DS_N; d++) {
        qsk_t *q = qsk_new();
        if (q == NULL)
            die_oom();
        rng_state = 1000 + (uint64_t)d;
        for (int i = 0; i < N; i++)
            if (qsk_add(q, x[i] = ds_value(d)) < 0)
                die_oom();
        qsort(x, N, sizeof(double), cmp_double);
        double worst = 0;
        int worst_p = 1;
        for (int p = 1; p <= 99; p++) {
            double got, want = x[(size_t)floor(p / 100.0 * (N - 1))];
            if (!qsk_quantile(q, p / 100.0, &got))
                got = NAN;
            double err = want == 0 ? (got == 0 ? 0 : INFINITY) : fabs(got - want) / fabs(want);
            if (!(err <= worst))
                worst = err, worst_p = p;
        }
        printf("  %-24s 100k values: max error over p1..p99 %.4f %% (p%d), %5zu bytes\n",
               ds_name[d], 100 * worst, worst_p, qsk_size(q));
        bad |= !(worst <= 0.01);
        qsk_free(&q);
    }
    free(x);

    static const long sizes[] = {100, 10000, 1000000};
    for (size_t s = 0; s < NELEM(sizes); s++) {
        rng_state = 7;
        size_t before = heap_used();
        qsk_t *q = qsk_new();
        if (q == NULL)
            die_oom();
        for (long i = 0; i < sizes[s]; i++)
            if (qsk_add(q, ds_value(DS_LOGNORMAL)) < 0)
                die_oom();
        printf("  bytes at %7ld lognormal values: serialized %5zu, heap %5zu\n", sizes[s],
               qsk_size(q), heap_used() - before);
        qsk_free(&q);
    }

    enum { NV = 1 << 22 };
    double *v = malloc(NV * sizeof(double));
    if (v == NULL)
        die_oom();
    rng_state = 8;
    for (int i = 0; i < NV; i++)
        v[i] = ds_value(DS_LOGNORMAL);
    qsk_t *q = qsk_new();
    if (q == NULL)
        die_oom();
    double t0 = now_ns();
    for (int i = 0; i < NV; i++)
        if (qsk_add(q, v[i]) < 0)
            die_oom();
    double add_ns = (now_ns() - t0) / NV;
    t0 = now_ns();
    volatile double sink = 0;
    double out;
    for (int p = 1; p <= 99; p++)
        for (int r = 0; r < 100; r++)
            if (qsk_quantile(q, p / 100.0, &out))
                sink += out;
    double quant_ns = (now_ns() - t0) / (99 * 100);
    (void)sink;
    printf("  ns per qsk_add: %.1f (lognormal, warm sketch); qsk_quantile: %.0f ns\n", add_ns,
           quant_ns);
    qsk_free(&q);
    free(v);
    return bad;
}

int main(void)
{
    int bad = bench_hll();
    bad |= bench_qsk();
    return bad ? 1 : 0;
}
