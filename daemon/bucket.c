#include "bucket.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void agg_merge(agg_state_t *dst, const agg_state_t *src)
{
    if (src->count == 0)
        return;
    if (dst->count == 0) {
        *dst = *src;
        return;
    }
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->last_ts >= dst->last_ts) {
        dst->last = src->last;
        dst->last_ts = src->last_ts;
    }
    dst->count += src->count;
    dst->sum += src->sum;
    dst->sumsq += src->sumsq;
}

static const char *const agg_names[] = {"count", "sum",    "avg",  "min",     "max",
                                        "last",  "stddev", "rate", "distinct"};

int agg_parse(const char *s, agg_spec_t *out)
{
    for (int i = 0; i <= AGG_DISTINCT; i++) {
        if (strcmp(s, agg_names[i]) == 0) {
            *out = (agg_spec_t){(agg_kind_t)i, 0};
            return 0;
        }
    }
    if (s[0] == 'p' && s[1] >= '0' && s[1] <= '9') {
        char *end;
        long q = strtol(s + 1, &end, 10);
        if (*end == '\0' && q >= 1 && q <= 99 && !(s[1] == '0')) {
            *out = (agg_spec_t){AGG_QUANTILE, (int)q};
            return 0;
        }
    }
    return -1;
}

const char *agg_name(agg_spec_t a, char *buf, unsigned len)
{
    if (a.kind == AGG_QUANTILE)
        snprintf(buf, len, "p%d", a.q);
    else
        snprintf(buf, len, "%s", agg_names[a.kind]);
    return buf;
}

bool agg_value(const agg_state_t *s, agg_spec_t a, int64_t span_ms, double *out)
{
    switch (a.kind) {
    case AGG_COUNT:
        *out = (double)s->count;
        return true;
    case AGG_SUM:
        *out = s->sum;
        return true;
    case AGG_RATE:
        /* An empty window (even of zero length) has rate 0, like its sum. */
        *out = span_ms > 0 ? s->sum / ((double)span_ms / 1000.0) : 0.0;
        return true;
    default:
        break;
    }
    if (s->count == 0)
        return false;
    switch (a.kind) {
    case AGG_AVG:
        *out = s->sum / (double)s->count;
        return true;
    case AGG_MIN:
        *out = s->min;
        return true;
    case AGG_MAX:
        *out = s->max;
        return true;
    case AGG_LAST:
        *out = s->last;
        return true;
    case AGG_STDDEV: {
        double mean = s->sum / (double)s->count;
        double var = s->sumsq / (double)s->count - mean * mean;
        *out = var > 0 ? sqrt(var) : 0.0;
        return true;
    }
    default:
        return false;
    }
}
