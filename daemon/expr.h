/*
 * expr.h - the two small languages of KPI definitions (SPEC section 2):
 *
 *   where    a filter on an event: comparisons of `value` with a number
 *            (==, !=, <, <=, >, >=), tag equality and inequality
 *            (tags.channel == "email", tags.region != "eu"), joined by
 *            `and` / `or` (and binds tighter), with parentheses and `not`.
 *   formula  arithmetic over other KPIs: numbers, + - * /, parentheses,
 *            unary minus, and AGG(kpi_name) with AGG any aggregate
 *            (count, sum, avg, min, max, last, stddev, rate, distinct, pNN).
 *
 * Both compile once, at configuration load, into a flat program; evaluating
 * allocates nothing.  A formula's division by zero, or a reference with no
 * value, makes the whole result nil, never inf or nan.
 */
#ifndef OKR_EXPR_H
#define OKR_EXPR_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bucket.h"

typedef struct expr expr_t;

/*
 * Compile a `where` filter.  On error returns NULL and writes a message
 * naming the column and what was expected into err, e.g.
 * "column 9: expected a number after '>='".
 */
expr_t *expr_where_compile(const char *src, char *err, size_t errlen);

/* True when an event with this value and these tags (str -> str pairs, as
 * decoded by wire_event_decode) passes the filter. */
bool expr_where_match(const expr_t *e, double value, const msgpack_object_kv *tags, uint32_t ntags);

/*
 * Compile a formula.  References are collected (see below) but not
 * resolved: the configuration checks they name KPIs and have no cycles.
 */
expr_t *expr_formula_compile(const char *src, char *err, size_t errlen);

/* The formula's references, in order of first appearance (duplicates kept
 * once): the KPI name and aggregate of each. */
int expr_nrefs(const expr_t *e);
const char *expr_ref_name(const expr_t *e, int i);
agg_spec_t expr_ref_agg(const expr_t *e, int i);

/*
 * Evaluate a formula; value(ctx, i, &v) gives reference i's value and
 * returns false when it has none.  Returns false (nil) when a reference has
 * no value or a division by zero occurs, or the result is not finite.
 */
typedef bool (*expr_ref_fn)(void *ctx, int ref, double *v);
bool expr_formula_eval(const expr_t *e, expr_ref_fn value, void *ctx, double *out);

void expr_free(expr_t **e);

#endif
