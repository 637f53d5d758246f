/*
 * okr.h - key results and objectives evaluated at an instant (SPEC
 * section 3), from committed buckets and check-ins.
 *
 * A KPI-backed key result reads its KPI over the objective's period up to
 * `at` (or over its own window), its baseline over the previous period when
 * it is given as a `change`, and its daily values for the forecast, all in
 * one pass over the period's day buckets.  Manual key results and
 * milestones read their check-ins.  Objectives roll up their key results
 * and children.  Nothing here writes.
 */
#ifndef OKR_OKR_H
#define OKR_OKR_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/calendar.h"
#include "config.h"
#include "okr_math.h"
#include "store.h"

typedef struct kr_eval {
    bool has_current, has_start, has_target, has_progress, has_forecast, has_eta, has_confidence,
        has_grade;
    double current, start, target;
    double progress, attainment; /* has_progress */
    double expected;
    okr_status_t status;
    double forecast;
    int64_t eta; /* ms: the end of the day the trend line reaches target */
    bool stale;
    int confidence; /* 1..10, of the latest check-in that has one */
    double grade;
    int64_t last_activity; /* latest event or check-in; INT64_MIN: none */
} kr_eval_t;

typedef struct obj_eval {
    bool has_progress, has_grade;
    double progress, expected, grade;
    okr_status_t status;
} obj_eval_t;

typedef struct okr_ctx {
    store_reader_t *rd; /* inside store_reader_begin() */
    const config_t *cfg;
    window_avail_t av; /* from the clock and the retention */
} okr_ctx_t;

/* Evaluate one key result at at.  Returns 0 or -errno (store errors). */
int okr_eval_kr(const okr_ctx_t *c, const kr_def_t *kr, int64_t at, kr_eval_t *out);

/*
 * Evaluate every key result and objective at at.  objs has
 * cfg->nobjectives entries; krs[i] has cfg->objectives[i].nkrs entries.
 * Returns 0 or -errno.
 */
int okr_eval_all(const okr_ctx_t *c, int64_t at, obj_eval_t *objs, kr_eval_t *const *krs);

/* Check-in fields, decoded from a stored MessagePack map. */
typedef struct checkin_rec {
    bool has_value, has_done, has_confidence;
    double value;
    bool done;
    int confidence;
    const char *note, *author; /* point into the record; lengths below */
    uint32_t note_len, author_len;
} checkin_rec_t;

/* Decode a stored check-in body; returns false when it is not a map. */
bool okr_checkin_decode(const void *body, size_t len, msgpack_zone *zone, checkin_rec_t *out);

#endif
