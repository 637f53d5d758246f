/*
 * sketch.h - mergeable sketches kept per bucket for the KPIs that ask for
 * them (SPEC section 2).
 *
 * hll_t: distinct count over event keys.  Exact while small (a sorted list
 * of 64-bit key hashes, up to HLL_SPARSE_MAX of them: small teams see exact
 * numbers), then HyperLogLog with 2^HLL_P registers: a standard error of
 * 1.04 / sqrt(2^HLL_P) = 0.8 %, so 2 % is about 2.5 standard errors (12 KiB
 * on disk once dense; P = 12 would give 1.6 % and 3 KiB).
 *
 * qsk_t: quantiles of event values with relative error <= 1 % for any pNN:
 * a DDSketch-style log-bucketed histogram (gamma = 1.02) over positive and
 * negative values plus a zero count, stored sparsely.
 *
 * Both merge exactly (merging the sketches of two disjoint sets gives the
 * sketch of their union) and serialize to a compact, versioned byte form
 * that is independent of the host's word size (little-endian).  Adding to a
 * warm sketch allocates only when its storage grows.
 */
#ifndef OKR_SKETCH_H
#define OKR_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HLL_P          14
#define HLL_SPARSE_MAX 512

typedef struct hll hll_t;

hll_t *hll_new(void);
void hll_free(hll_t **h);
/* Add a key (any bytes).  Returns 0 or -1 (out of memory; nothing added). */
int hll_add(hll_t *h, const void *key, size_t len);
/* Merge src into dst.  0 or -1. */
int hll_merge(hll_t *dst, const hll_t *src);
/* Estimated number of distinct keys (exact in the sparse form). */
double hll_count(const hll_t *h);
/* Serialized size, and serialize into buf (of at least that size). */
size_t hll_size(const hll_t *h);
void hll_write(const hll_t *h, unsigned char *buf);
/* Parse a serialized sketch; NULL when the bytes are not one. */
hll_t *hll_read(const unsigned char *buf, size_t len);

typedef struct qsk qsk_t;

qsk_t *qsk_new(void);
void qsk_free(qsk_t **q);
/* Add a finite value.  0 or -1 (out of memory; nothing added). */
int qsk_add(qsk_t *q, double v);
int qsk_merge(qsk_t *dst, const qsk_t *src);
/* The q-quantile (0 < q < 1) of the values added, with relative error
 * <= 1 %; false when the sketch is empty. */
bool qsk_quantile(const qsk_t *s, double q, double *out);
uint64_t qsk_count(const qsk_t *s);
size_t qsk_size(const qsk_t *q);
void qsk_write(const qsk_t *q, unsigned char *buf);
qsk_t *qsk_read(const unsigned char *buf, size_t len);

#endif
