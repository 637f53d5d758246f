/*
 * test_expr.c - the `where` and `formula` languages: table-driven
 * must_parse / must_not_parse rows (with exact error messages), evaluation
 * tables, references, limits, and random formulas checked against a tree
 * evaluated directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "expr.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A string of n copies of s followed by mid and m copies of t; caller frees. */
static char *repeat(const char *s, int n, const char *mid, const char *t, int m)
{
    size_t len = strlen(s) * (size_t)n + strlen(mid) + strlen(t) * (size_t)m + 1;
    char *buf = malloc(len), *p = buf;
    assert_non_null(buf);
    for (int i = 0; i < n; i++)
        p = stpcpy(p, s);
    p = stpcpy(p, mid);
    for (int i = 0; i < m; i++)
        p = stpcpy(p, t);
    return buf;
}

typedef struct bad_row {
    const char *src;
    const char *err; /* exact message, or NULL: any "column N: ..." */
} bad_row_t;

static void check_bad(expr_t *(*compile)(const char *, char *, size_t), const bad_row_t *rows,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char err[256] = "untouched";
        expr_t *e = compile(rows[i].src, err, sizeof err);
        if (e) {
            expr_free(&e);
            fail_msg("compiled but should not: '%s'", rows[i].src);
        }
        if (strncmp(err, "column ", 7) != 0)
            fail_msg("'%s': message '%s' does not name the column", rows[i].src, err);
        if (rows[i].err && strcmp(err, rows[i].err) != 0)
            fail_msg("'%s':\n  got      '%s'\n  expected '%s'", rows[i].src, err, rows[i].err);
    }
}

static void check_good(expr_t *(*compile)(const char *, char *, size_t), const char *const *rows,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        expr_t *e = compile(rows[i], err, sizeof err);
        if (!e)
            fail_msg("'%s' does not compile: %s", rows[i], err);
        assert_string_equal(err, "");
        expr_free(&e);
        assert_null(e);
    }
}

/* ---- where ----------------------------------------------------------- */

static const char *const where_good[] = {
    "value >= 9",
    "value>=9",
    "  value\t<\n-3.5e2  ",
    "value == 0",
    "value != 1.",
    "value < .5",
    "value <= +2",
    "value > 1E-3",
    "value > 1e+3",
    "value > 1e308",
    "value > 1e-400", /* underflows to 0: finite, accepted */
    "9 <= value",
    "-1.5 > value",
    "tags.channel == \"email\"",
    "tags.region != \"eu\"",
    "tags.a.b:c/d-e_f == \"x\"",
    "tags.x == \"\"",
    "tags.x == \"a\\\"b\\\\c\"",
    "tags.x==\"y\"",
    "tags.x == \"with spaces and (parens) and 'and'\"",
    "value > 1 and value < 5",
    "value > 1 or value < 5 and not tags.x == \"y\"",
    "not (value > 1)",
    "not(value>1)",
    "not not value > 1",
    "((value > 1))",
    "(value > 1 or value < -1) and tags.team == \"core\"",
    "value > 1 and(value < 2)or(value > 3)",
};

static const bad_row_t where_bad[] = {
    {"", "column 1: empty filter"},
    {"   ", "column 1: empty filter"},
    {"value >= x", "column 10: expected a number after '>='"},
    {"value >=", "column 9: expected a number after '>='"},
    {"value > nan", "column 9: expected a number after '>'"},
    {"value > inf", "column 9: expected a number after '>'"},
    {"value > -inf", "column 9: expected a number after '>'"},
    {"value > 1e999", "column 9: number out of range"},
    {"value > -1e999", "column 9: number out of range"},
    {"value > 1e", "column 9: malformed number"},
    {"value > 1e+", "column 9: malformed number"},
    {"value > 3and value < 5", "column 9: malformed number"},
    {"value > 0x10", "column 9: malformed number"},
    {"value > 1.2.3", "column 9: malformed number"},
    {"value > - 3", "column 9: expected a number after '>'"},
    {"value > .", "column 9: expected a number after '>'"},
    {"value = 3", "column 7: expected a comparison operator after 'value'"},
    {"value", "column 6: expected a comparison operator after 'value'"},
    {"value > value", "column 9: expected a number after '>'"},
    {"Value > 3", "column 1: expected 'value', 'tags.NAME', 'not' or '('"},
    {"valuex > 3", "column 1: expected 'value', 'tags.NAME', 'not' or '('"},
    {"value > 3 AND value < 5", "column 11: expected 'and', 'or' or end of filter"},
    {"value > 3 && value < 5", "column 11: expected 'and', 'or' or end of filter"},
    {"value > 3 andvalue < 5", "column 11: expected 'and', 'or' or end of filter"},
    {"value > 3 and", "column 14: expected 'value', 'tags.NAME', 'not' or '('"},
    {"not", "column 4: expected 'value', 'tags.NAME', 'not' or '('"},
    {"NOT value > 3", "column 1: expected 'value', 'tags.NAME', 'not' or '('"},
    {"()", "column 2: expected 'value', 'tags.NAME', 'not' or '('"},
    {"(value > 3", "column 11: expected ')'"},
    {"(value > 3 xyz)", "column 12: expected ')'"},
    {"value > 3)", "column 10: unmatched ')'"},
    {"3 < 4", "column 5: expected 'value' after '<'"},
    {"1e999 < value", "column 1: number out of range"},
    {"1x < value", "column 1: malformed number"},
    {"3 value", "column 3: expected a comparison operator after the number"},
    {"tags.channel = \"email\"", "column 14: expected '==' or '!=' after 'tags.channel'"},
    {"tags.channel < \"email\"", "column 14: expected '==' or '!=' after 'tags.channel'"},
    {"tags.channel == email", "column 17: expected a string after '=='"},
    {"tags.channel != 'email'", "column 17: expected a string after '!='"},
    {"tags.channel == \"email", "column 17: unterminated string"},
    {"tags.channel == \"email\\\"", "column 17: unterminated string"},
    {"tags.x == \"a\\nb\"", "column 13: bad escape in string (only \\\" and \\\\)"},
    {"tags. == \"x\"", "column 6: expected a tag name after 'tags.'"},
    {"tags == \"x\"", "column 1: expected 'value', 'tags.NAME', 'not' or '('"},
    {"tags.x == \"y\" or", "column 17: expected 'value', 'tags.NAME', 'not' or '('"},
    {"tags.x == \"y\" \"z\"", "column 15: expected 'and', 'or' or end of filter"},
    {"value > 1 # comment", "column 11: expected 'and', 'or' or end of filter"},
};

static void test_where_must_parse(void **state)
{
    (void)state;
    check_good(expr_where_compile, where_good, NELEMS(where_good));
}

static void test_where_must_not_parse(void **state)
{
    (void)state;
    check_bad(expr_where_compile, where_bad, NELEMS(where_bad));
}

/* Tag and string lengths: 64 bytes pass, 65 do not. */
static void test_where_lengths(void **state)
{
    (void)state;
    char err[256];
    char *src = repeat("tags.", 1, "", "n", 64);
    char *full = repeat(src, 1, " == \"", "v", 64);
    char *line = repeat(full, 1, "\"", "", 0);
    expr_t *e = expr_where_compile(line, err, sizeof err);
    assert_non_null(e);
    expr_free(&e);
    free(line);
    line = repeat(full, 1, "v\"", "", 0); /* a 65-byte string */
    assert_null(expr_where_compile(line, err, sizeof err));
    assert_string_equal(err, "column 74: string longer than 64 bytes");
    free(line);
    free(full);
    free(src);

    line = repeat("tags.", 1, "", "n", 65);
    char *l2 = repeat(line, 1, " == \"v\"", "", 0);
    assert_null(expr_where_compile(l2, err, sizeof err));
    assert_string_equal(err, "column 6: tag name longer than 64 bytes");
    free(l2);
    free(line);

    /* An escape counts as the one byte it stands for. */
    line = repeat("tags.x == \"", 1, "", "\\\\", 64);
    l2 = repeat(line, 1, "\"", "", 0);
    e = expr_where_compile(l2, err, sizeof err);
    assert_non_null(e);
    msgpack_object_kv kv = {{.type = MSGPACK_OBJECT_STR}, {.type = MSGPACK_OBJECT_STR}};
    char val[64];
    memset(val, '\\', sizeof val);
    kv.key.via.str.ptr = "x";
    kv.key.via.str.size = 1;
    kv.val.via.str.ptr = val;
    kv.val.via.str.size = 64;
    assert_true(expr_where_match(e, 0, &kv, 1));
    expr_free(&e);
    free(l2);
    free(line);
}

static msgpack_object str_obj(const char *s)
{
    msgpack_object o = {.type = MSGPACK_OBJECT_STR};
    o.via.str.ptr = s;
    o.via.str.size = (uint32_t)strlen(s);
    return o;
}

typedef struct tagset {
    msgpack_object_kv kv[4];
    uint32_t n;
} tagset_t;

enum { T_NONE, T_EMAIL_EU, T_SMS, T_EMPTY, T_ESC, T_PREFIX, T_NONSTR, T_DUP, NSETS };
static tagset_t sets[NSETS];

static void add_tag(tagset_t *t, const char *k, const char *v)
{
    t->kv[t->n].key = str_obj(k);
    t->kv[t->n].val = str_obj(v);
    t->n++;
}

static void make_sets(void)
{
    memset(sets, 0, sizeof sets);
    add_tag(&sets[T_EMAIL_EU], "channel", "email");
    add_tag(&sets[T_EMAIL_EU], "region", "eu");
    add_tag(&sets[T_SMS], "channel", "sms");
    add_tag(&sets[T_EMPTY], "x", "");
    add_tag(&sets[T_ESC], "x", "a\"b\\c");
    add_tag(&sets[T_PREFIX], "chan", "email");
    add_tag(&sets[T_PREFIX], "channels", "email");
    add_tag(&sets[T_NONSTR], "channel", "");
    sets[T_NONSTR].kv[0].val = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER};
    add_tag(&sets[T_DUP], "channel", "sms"); /* the first pair decides */
    add_tag(&sets[T_DUP], "channel", "email");
}

typedef struct where_row {
    const char *src;
    double value;
    int tags;
    bool match;
} where_row_t;

static const where_row_t where_eval[] = {
    {"value >= 9", 9, T_NONE, true},
    {"value >= 9", 8.999, T_NONE, false},
    {"value > 9", 9, T_NONE, false},
    {"value <= 9", 9, T_NONE, true},
    {"value < 9", 9, T_NONE, false},
    {"value == 0.1", 0.1, T_NONE, true},
    {"value != 1", 1, T_NONE, false},
    {"value != 1", 2, T_NONE, true},
    {"value > -3.5e2", -349, T_NONE, true},
    {"value == 0", -0.0, T_NONE, true},
    {"9 <= value", 9, T_NONE, true},
    {"9 <= value", 8, T_NONE, false},
    {"3 > value", 2, T_NONE, true},
    {"3 > value", 3, T_NONE, false},
    {"3 == value", 3, T_NONE, true},
    {"3 != value", 3, T_NONE, false},
    {"3 >= value", 3, T_NONE, true},
    {"3 < value", 3, T_NONE, false},
    {"tags.channel == \"email\"", 1, T_EMAIL_EU, true},
    {"tags.channel == \"email\"", 1, T_SMS, false},
    {"tags.channel == \"email\"", 1, T_NONE, false},
    {"tags.channel != \"email\"", 1, T_NONE, true},
    {"tags.channel != \"email\"", 1, T_SMS, true},
    {"tags.channel != \"email\"", 1, T_EMAIL_EU, false},
    {"tags.region == \"eu\"", 1, T_SMS, false},
    {"tags.region != \"eu\"", 1, T_SMS, true},
    {"tags.region == \"\"", 1, T_SMS, false},
    {"tags.x == \"\"", 1, T_EMPTY, true},
    {"tags.x != \"\"", 1, T_EMPTY, false},
    {"tags.x == \"\"", 1, T_NONE, false},
    {"tags.x == \"a\\\"b\\\\c\"", 1, T_ESC, true},
    {"tags.x == \"a\\\"b\\\\\"", 1, T_ESC, false},
    {"tags.channel == \"email\"", 1, T_PREFIX, false},
    {"tags.chan == \"email\"", 1, T_PREFIX, true},
    {"tags.channel == \"emai\"", 1, T_EMAIL_EU, false},
    {"tags.channel == \"\"", 1, T_NONSTR, false},
    {"tags.channel != \"\"", 1, T_NONSTR, true},
    {"tags.channel == \"sms\"", 1, T_DUP, true},
    {"tags.Channel == \"email\"", 1, T_EMAIL_EU, false},
    /* and binds tighter than or */
    {"value > 1 or value < 0 and value > 100", 5, T_NONE, true},
    {"(value > 1 or value < 0) and value > 100", 5, T_NONE, false},
    {"value > 100 and value < 0 or value == 5", 5, T_NONE, true},
    {"value > 100 and (value < 0 or value == 5)", 5, T_NONE, false},
    /* not binds tighter than and */
    {"not value > 1 and value < 0", -1, T_NONE, true},
    {"not value > 1 and value < 0", 0.5, T_NONE, false},
    {"not (value > 1 and value < 0)", 0.5, T_NONE, true},
    {"not value > 1 or value > 0", 5, T_NONE, true},
    {"not (value > 1 or value > 0)", 5, T_NONE, false},
    {"not not value > 1", 2, T_NONE, true},
    {"not not not value > 1", 2, T_NONE, false},
    {"value > 1 and tags.channel == \"email\" or tags.region == \"eu\"", 0, T_EMAIL_EU, true},
    {"value > 1 and (tags.channel == \"email\" or tags.region == \"eu\")", 0, T_EMAIL_EU, false},
    {"value >= 9 and tags.channel != \"sms\"", 10, T_SMS, false},
    {"value >= 9 and tags.channel != \"sms\"", 10, T_NONE, true},
    {"((value > 1) and ((value < 3)))", 2, T_NONE, true},
    {"value > 1 or value > 2 or value > 3", 2.5, T_NONE, true},
    {"value > 1 and value > 2 and value > 3", 2.5, T_NONE, false},
};

static void test_where_eval(void **state)
{
    (void)state;
    make_sets();
    for (size_t i = 0; i < NELEMS(where_eval); i++) {
        const where_row_t *r = &where_eval[i];
        char err[256];
        expr_t *e = expr_where_compile(r->src, err, sizeof err);
        if (!e)
            fail_msg("'%s' does not compile: %s", r->src, err);
        const tagset_t *t = &sets[r->tags];
        bool m = expr_where_match(e, r->value, t->n ? t->kv : NULL, t->n);
        if (m != r->match)
            fail_msg("'%s' with value %g and tag set %d: got %d", r->src, r->value, r->tags,
                     (int)m);
        assert_int_equal(expr_nrefs(e), 0);
        expr_free(&e);
    }
}

/* ---- formula --------------------------------------------------------- */

static const char *const formula_good[] = {
    "1",
    "  42  ",
    "-1",
    "--1",
    "- 1",
    "1.5e3",
    ".5",
    "5.",
    "1e-400",
    "sum(a)",
    "sum ( a )",
    "\tsum\n(\ra\n)\t",
    "p99(x)",
    "p1(x)",
    "p50(x)",
    "count(x)",
    "avg(x)",
    "min(x)",
    "max(x)",
    "last(x)",
    "stddev(x)",
    "rate(x)",
    "distinct(users.active)",
    "sum(sales.order) / count(sales.order)",
    "100 * (count(survey.promoters) - count(survey.detractors)) / count(survey.enps)",
    "rate(a:b/c-d_e.f)",
    "sum(0)",
    "sum(-)",
    "-(1)",
    "2*-3",
    "1-2",
    "1 - -2",
    "((((1))))",
    "stddev(x)*2",
    "1+2*3-4/5",
};

static const bad_row_t formula_bad[] = {
    {"", "column 1: empty formula"},
    {" \t\n ", "column 1: empty formula"},
    {"sum(a) + median(a)", "column 10: unknown aggregate 'median'"},
    {"(1+2", "column 5: expected ')'"},
    {"((1+2)", "column 7: expected ')'"},
    {"1 +", "column 4: expected a number, an aggregate or '('"},
    {"1 2", "column 3: expected an operator or end of formula"},
    {"2(3)", "column 2: expected an operator or end of formula"},
    {"sum(a)(b)", "column 7: expected an operator or end of formula"},
    {"sum(a) sum(b)", "column 8: expected an operator or end of formula"},
    {"1 ^ 2", "column 3: expected an operator or end of formula"},
    {"sum(a", "column 6: expected ')'"},
    {"sum(a b)", "column 7: expected ')'"},
    {"sum(a+b)", "column 6: expected ')'"},
    {"sum(\"a\")", "column 5: expected a KPI name"},
    {"sum()", "column 5: expected a KPI name"},
    {"sum a", "column 5: expected '(' after 'sum'"},
    {"sum", "column 4: expected '(' after 'sum'"},
    {"p100(x)", "column 1: unknown aggregate 'p100'"},
    {"p0(x)", "column 1: unknown aggregate 'p0'"},
    {"p05(x)", "column 1: unknown aggregate 'p05'"},
    {"Sum(x)", "column 1: unknown aggregate 'Sum'"},
    {"COUNT(x)", "column 1: unknown aggregate 'COUNT'"},
    {"sales.order", "column 1: unknown aggregate 'sales'"},
    {"nan", "column 1: unknown aggregate 'nan'"},
    {"1 + inf", "column 5: unknown aggregate 'inf'"},
    {"averylongaggregatename(x)", "column 1: unknown aggregate 'averylongaggregatename'"},
    {"sum(a) )", "column 8: unmatched ')'"},
    {")", "column 1: expected a number, an aggregate or '('"},
    {"+1", "column 1: expected a number, an aggregate or '('"},
    {"1 + +1", "column 5: expected a number, an aggregate or '('"},
    {"1 ** 2", "column 4: expected a number, an aggregate or '('"},
    {"sum(a)/", "column 8: expected a number, an aggregate or '('"},
    {"()", "column 2: expected a number, an aggregate or '('"},
    {".", "column 1: expected a number, an aggregate or '('"},
    {"1e999", "column 1: number out of range"},
    {"2 * 1e400", "column 5: number out of range"},
    {"1..2", "column 1: malformed number"},
    {"1e", "column 1: malformed number"},
    {"0x10", "column 1: malformed number"},
    {"3sum(a)", "column 1: malformed number"},
    {"value > 1", "column 1: unknown aggregate 'value'"},
};

static void test_formula_must_parse(void **state)
{
    (void)state;
    check_good(expr_formula_compile, formula_good, NELEMS(formula_good));
}

static void test_formula_must_not_parse(void **state)
{
    (void)state;
    check_bad(expr_formula_compile, formula_bad, NELEMS(formula_bad));
}

static void test_formula_kpi_name_length(void **state)
{
    (void)state;
    char err[256];
    char *src = repeat("sum(", 1, "", "k", 200);
    char *line = repeat(src, 1, ")", "", 0);
    expr_t *e = expr_formula_compile(line, err, sizeof err);
    assert_non_null(e);
    assert_int_equal(strlen(expr_ref_name(e, 0)), 200);
    expr_free(&e);
    free(line);
    line = repeat(src, 1, "k)", "", 0);
    assert_null(expr_formula_compile(line, err, sizeof err));
    assert_string_equal(err, "column 5: KPI name longer than 200 bytes");
    free(line);
    free(src);
}

/* References resolved by name and aggregate, as the daemon will. */
typedef struct refval {
    const char *name;
    const char *agg;
    bool has;
    double v;
} refval_t;

static const refval_t refvals[] = {
    {"a", "sum", true, 10},
    {"a", "count", true, 4},
    {"b", "sum", true, 0},
    {"c", "avg", false, 0},
    {"d", "p95", true, 2.5},
    {"neg", "last", true, -3},
    {"big", "max", true, 1e300},
    {"inf", "max", true, INFINITY},
    {"nan", "max", true, NAN},
    {"survey.promoters", "count", true, 0},
    {"survey.detractors", "count", true, 0},
    {"survey.enps", "count", true, 0},
};

typedef struct lookup {
    const expr_t *e;
    const refval_t *vals;
    size_t nvals;
    int calls;
} lookup_t;

static bool lookup_value(void *ctx, int ref, double *v)
{
    lookup_t *l = ctx;
    l->calls++;
    const char *name = expr_ref_name(l->e, ref);
    assert_non_null(name);
    char agg[16];
    agg_name(expr_ref_agg(l->e, ref), agg, sizeof agg);
    for (size_t i = 0; i < l->nvals; i++) {
        if (strcmp(l->vals[i].name, name) == 0 && strcmp(l->vals[i].agg, agg) == 0) {
            *v = l->vals[i].v;
            return l->vals[i].has;
        }
    }
    fail_msg("no value for %s(%s)", agg, name);
    return false;
}

/* Evaluate src; returns whether it has a value. */
static bool eval_with(const char *src, const refval_t *vals, size_t nvals, double *out)
{
    char err[256];
    expr_t *e = expr_formula_compile(src, err, sizeof err);
    if (!e)
        fail_msg("'%s' does not compile: %s", src, err);
    lookup_t l = {e, vals, nvals, 0};
    bool ok = expr_formula_eval(e, lookup_value, &l, out);
    expr_free(&e);
    return ok;
}

typedef struct formula_row {
    const char *src;
    bool has; /* false: nil */
    double v;
} formula_row_t;

static const formula_row_t formula_eval[] = {
    {"1", true, 1},
    {"1 + 2 * 3", true, 7},
    {"1 * 2 + 3", true, 5},
    {"(1 + 2) * 3", true, 9},
    {"10 - 4 - 3", true, 3},
    {"10 - (4 - 3)", true, 9},
    {"100 / 10 / 5", true, 2},
    {"100 / (10 / 5)", true, 50},
    {"2 * 3 / 4", true, 1.5},
    {"1 + 2 * 3 - 4 / 8", true, 6.5},
    {"-2 * 3", true, -6},
    {"-(2 + 3)", true, -5},
    {"--2", true, 2},
    {"---2", true, -2},
    {"2 - -3", true, 5},
    {"-2 - 3", true, -5},
    {"- 2 * - 3", true, 6},
    {"2 * -3 + 1", true, -5},
    {"-2 + 3", true, 1},
    {"((((1 + 2)) * (3 - (4 - 5))))", true, 12},
    {"((2))*((3))", true, 6},
    {"1.5e3 + .5", true, 1500.5},
    {"sum(a) / count(a)", true, 2.5},
    {"sum(a) - count(a) * 2", true, 2},
    {"(sum(a) - count(a)) * 2", true, 12},
    {"-sum(a)", true, -10},
    {"p95(d) * 4", true, 10},
    {"last(neg) * -1", true, 3},
    /* division by zero */
    {"1 / 0", false, 0},
    {"0 / 0", false, 0},
    {"1 / (2 - 2)", false, 0},
    {"1 / -0", false, 0},
    {"sum(a) / sum(b)", false, 0},
    {"sum(b) / sum(a)", true, 0},
    {"0 / 1", true, 0},
    {"-0", true, 0},
    {"0 * -1", true, 0},
    /* nil references */
    {"avg(c)", false, 0},
    {"avg(c) + 1", false, 0},
    {"0 * avg(c)", false, 0},
    {"sum(a) + avg(c) * 0", false, 0},
    /* non-finite */
    {"1e308 * 10", false, 0},
    {"1 / (1e308 * 10)", false, 0},
    {"1e308 + 1e308 - 1e308", false, 0},
    {"max(big) * max(big)", false, 0},
    {"1 / (max(big) * max(big))", false, 0},
    {"max(inf)", false, 0},
    {"0 * max(inf)", false, 0},
    {"1 / max(inf)", false, 0},
    {"max(nan) * 0", false, 0},
    {"1e-300 / 1e300", true, 0},
    {"1e300 / 1e-300", false, 0},
};

static void test_formula_eval(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEMS(formula_eval); i++) {
        const formula_row_t *r = &formula_eval[i];
        double v = 12345;
        bool has = eval_with(r->src, refvals, NELEMS(refvals), &v);
        if (has != r->has)
            fail_msg("'%s': got %s", r->src, has ? "a value" : "nil");
        if (has && (v != r->v || signbit(v) != signbit(r->v)))
            fail_msg("'%s': got %.17g, expected %.17g", r->src, v, r->v);
    }
}

static void check_refs(const char *src, int n, const char *const *names, const char *const *aggs)
{
    char err[256];
    expr_t *e = expr_formula_compile(src, err, sizeof err);
    if (!e)
        fail_msg("'%s' does not compile: %s", src, err);
    assert_int_equal(expr_nrefs(e), n);
    for (int i = 0; i < n; i++) {
        char buf[16];
        assert_string_equal(expr_ref_name(e, i), names[i]);
        assert_string_equal(agg_name(expr_ref_agg(e, i), buf, sizeof buf), aggs[i]);
    }
    assert_null(expr_ref_name(e, n));
    assert_null(expr_ref_name(e, -1));
    expr_free(&e);
}

static void test_formula_refs(void **state)
{
    (void)state;
    check_refs("1 + 2", 0, NULL, NULL);
    check_refs("sum(a)", 1, (const char *[]){"a"}, (const char *[]){"sum"});
    /* order of first appearance; a (name, aggregate) pair kept once */
    check_refs("sum(a) / count(a) + sum(a) * p95(b) - count( a ) + count(a2) + p95(b)", 4,
               (const char *[]){"a", "a", "b", "a2"},
               (const char *[]){"sum", "count", "p95", "count"});
    /* a name that is a prefix of another is another name */
    check_refs("sum(ab) + sum(a) + sum(abc) + sum(a)", 3, (const char *[]){"ab", "a", "abc"},
               (const char *[]){"sum", "sum", "sum"});
    check_refs("p9(x) + p90(x) + p99(x) + p9(x)", 3, (const char *[]){"x", "x", "x"},
               (const char *[]){"p9", "p90", "p99"});

    /* every occurrence reads the one reference */
    char err[256];
    expr_t *e = expr_formula_compile("sum(a) * sum(a) - sum(a)", err, sizeof err);
    assert_non_null(e);
    lookup_t l = {e, refvals, NELEMS(refvals), 0};
    double v;
    assert_true(expr_formula_eval(e, lookup_value, &l, &v));
    assert_true(v == 90);
    assert_int_equal(l.calls, 3);
    expr_free(&e);

    /* a filter has no references */
    e = expr_where_compile("value > 1", err, sizeof err);
    assert_int_equal(expr_nrefs(e), 0);
    assert_null(expr_ref_name(e, 0));
    expr_free(&e);
    assert_int_equal(expr_nrefs(NULL), 0);
    assert_null(expr_ref_name(NULL, 0));
}

/* eNPS = 100 * (promoters - detractors) / respondents; no respondents: nil. */
static void test_enps(void **state)
{
    (void)state;
    const char *src =
        "100 * (count(survey.promoters) - count(survey.detractors)) / count(survey.enps)";
    check_refs(src, 3, (const char *[]){"survey.promoters", "survey.detractors", "survey.enps"},
               (const char *[]){"count", "count", "count"});
    static const struct {
        double pro, det, all;
        bool has;
        double enps;
    } rows[] = {
        {60, 15, 100, true, 45}, {10, 30, 50, true, -40}, {0, 0, 7, true, 0},
        {25, 25, 80, true, 0},   {40, 0, 40, true, 100},  {0, 40, 40, true, -100},
        {3, 1, 8, true, 25},     {0, 0, 0, false, 0},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        refval_t vals[] = {
            {"survey.promoters", "count", true, rows[i].pro},
            {"survey.detractors", "count", true, rows[i].det},
            {"survey.enps", "count", true, rows[i].all},
        };
        double v = 0;
        bool has = eval_with(src, vals, NELEMS(vals), &v);
        assert_int_equal(has, rows[i].has);
        if (has && fabs(v - rows[i].enps) > 1e-12)
            fail_msg("eNPS row %zu: %.17g != %.17g", i, v, rows[i].enps);
    }
    /* no data at all for one reference: nil */
    refval_t none[] = {
        {"survey.promoters", "count", true, 60},
        {"survey.detractors", "count", false, 0},
        {"survey.enps", "count", true, 100},
    };
    double v;
    assert_false(eval_with(src, none, NELEMS(none), &v));
}

/* ---- limits ---------------------------------------------------------- */

static void must_fail(expr_t *(*compile)(const char *, char *, size_t), const char *src,
                      const char *msg)
{
    char err[256];
    expr_t *e = compile(src, err, sizeof err);
    if (e) {
        expr_free(&e);
        fail_msg("compiled but should not (length %zu)", strlen(src));
    }
    if (msg)
        assert_string_equal(err, msg);
}

static void test_limits_nesting(void **state)
{
    (void)state;
    char err[256];
    double v;
    char *s;
    expr_t *e;

    /* parentheses: 64 levels pass, 65 do not */
    s = repeat("(", 64, "1", ")", 64);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_formula_eval(e, NULL, NULL, &v) && v == 1);
    expr_free(&e);
    free(s);
    s = repeat("(", 65, "1", ")", 65);
    must_fail(expr_formula_compile, s, "column 65: nesting deeper than 64 levels");
    free(s);

    /* unary minus */
    s = repeat("-", 64, "1", "", 0);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_formula_eval(e, NULL, NULL, &v) && v == 1);
    expr_free(&e);
    free(s);
    s = repeat("-", 65, "1", "", 0);
    must_fail(expr_formula_compile, s, "column 65: nesting deeper than 64 levels");
    free(s);

    /* where: parentheses and not */
    s = repeat("(", 64, "value > 1", ")", 64);
    e = expr_where_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_where_match(e, 2, NULL, 0));
    expr_free(&e);
    free(s);
    s = repeat("(", 65, "value > 1", ")", 65);
    must_fail(expr_where_compile, s, "column 65: nesting deeper than 64 levels");
    free(s);
    s = repeat("not ", 64, "value > 1", "", 0);
    e = expr_where_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_where_match(e, 2, NULL, 0));
    expr_free(&e);
    free(s);
    s = repeat("not ", 65, "value > 1", "", 0);
    must_fail(expr_where_compile, s, "column 257: nesting deeper than 64 levels");
    free(s);

    /* far beyond the limit: an error, not a stack overflow */
    s = repeat("(", 1000000, "1", ")", 1000000);
    must_fail(expr_formula_compile, s, "column 65: nesting deeper than 64 levels");
    must_fail(expr_where_compile, s, NULL);
    free(s);
    s = repeat("-(", 500000, "1", ")", 500000);
    must_fail(expr_formula_compile, s, NULL);
    free(s);
    s = repeat("not (", 500000, "value > 1", ")", 500000);
    must_fail(expr_where_compile, s, NULL);
    free(s);
    s = repeat("(", 1000000, "", "", 0);
    must_fail(expr_where_compile, s, NULL);
    free(s);
}

/* The deepest evaluation stacks the nesting limit allows. */
static void test_limits_stack(void **state)
{
    (void)state;
    char err[256];
    double v;

    /* 1+(1+(1+...)): one pending operand per level */
    char *s = repeat("1+(", 64, "1", ")", 64);
    expr_t *e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_formula_eval(e, NULL, NULL, &v));
    assert_true(v == 65);
    expr_free(&e);
    free(s);

    /* 1+2*(1+2*(...)): two pending operands per level */
    s = repeat("1+2*(", 64, "1", ")", 64);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    double want = 1;
    for (int i = 0; i < 64; i++)
        want = 1 + 2 * want;
    assert_true(expr_formula_eval(e, NULL, NULL, &v));
    assert_true(v == want);
    expr_free(&e);
    free(s);

    /* the same with a unary minus at each level */
    s = repeat("1-2*-(", 32, "1", ")", 32);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    want = 1;
    for (int i = 0; i < 32; i++)
        want = 1 - 2 * -want;
    assert_true(expr_formula_eval(e, NULL, NULL, &v));
    assert_true(v == want);
    expr_free(&e);
    free(s);

    /* where: value>0 or (value>0 and (value>0 or (...))) */
    s = repeat("value > 0 or value > 0 and (", 64, "value > 0", ")", 64);
    e = expr_where_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_where_match(e, 1, NULL, 0));
    assert_false(expr_where_match(e, 0, NULL, 0));
    expr_free(&e);
    free(s);
}

static void test_limits_ops(void **state)
{
    (void)state;
    char err[256];
    double v;

    /* 1 + 255 * (NUM ADD) = 511 ops */
    char *s = repeat("1", 1, "", "+1", 255);
    expr_t *e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_formula_eval(e, NULL, NULL, &v) && v == 256);
    expr_free(&e);
    free(s);
    s = repeat("1", 1, "", "+1", 256);
    must_fail(expr_formula_compile, s, "column 512: formula too long (more than 512 operations)");
    free(s);
    s = repeat("1", 1, "", "+1", 100000);
    must_fail(expr_formula_compile, s, "column 512: formula too long (more than 512 operations)");
    free(s);
    /* a reference as the 513th op */
    s = repeat("1", 1, "", "+1", 255);
    char *t = repeat(s, 1, "+1*sum(a)", "", 0);
    must_fail(expr_formula_compile, t, "column 515: formula too long (more than 512 operations)");
    free(t);
    free(s);
    s = repeat("sum(a)", 1, "", "+sum(a)", 256);
    must_fail(expr_formula_compile, s, NULL);
    free(s);
    /* 512 distinct references can never fit: each takes an op, and + takes more */
    s = repeat("count(x)", 1, "", "+sum(x)", 255);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_int_equal(expr_nrefs(e), 2);
    expr_free(&e);
    free(s);

    /* where: 256 comparisons and 255 ors = 511 ops */
    s = repeat("value > 0", 1, "", " or value > 0", 255);
    e = expr_where_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_where_match(e, 1, NULL, 0));
    expr_free(&e);
    free(s);
    s = repeat("value > 0", 1, "", " or value > 0", 256);
    must_fail(expr_where_compile, s, NULL);
    assert_null(expr_where_compile(s, err, sizeof err));
    assert_non_null(strstr(err, ": filter too long (more than 512 operations)"));
    free(s);

    /* long whitespace and long numbers are fine */
    s = repeat(" ", 1000000, "1", " ", 1000000);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    expr_free(&e);
    free(s);
    s = repeat("0", 100000, "1.5", "0", 100000);
    e = expr_formula_compile(s, err, sizeof err);
    assert_non_null(e);
    assert_true(expr_formula_eval(e, NULL, NULL, &v) && v == 1.5);
    expr_free(&e);
    free(s);
}

/* ---- the API's edges ------------------------------------------------- */

static void test_api_edges(void **state)
{
    (void)state;
    /* no error buffer, or a tiny one */
    assert_null(expr_formula_compile("1 +", NULL, 0));
    assert_null(expr_where_compile("value >", NULL, 100));
    char tiny[8] = "xxxxxxx";
    assert_null(expr_formula_compile("1 +", tiny, sizeof tiny));
    assert_string_equal(tiny, "column ");
    char one[1] = {'x'};
    assert_null(expr_formula_compile("1 +", one, sizeof one));
    assert_int_equal(one[0], '\0');
    char err[256];
    assert_null(expr_formula_compile(NULL, err, sizeof err));
    assert_string_equal(err, "column 1: empty formula");
    assert_null(expr_where_compile(NULL, err, sizeof err));
    assert_string_equal(err, "column 1: empty filter");

    /* success clears the error buffer */
    strcpy(err, "stale");
    expr_t *f = expr_formula_compile("1", err, sizeof err);
    assert_non_null(f);
    assert_string_equal(err, "");
    expr_t *w = expr_where_compile("value > 1", err, sizeof err);
    assert_non_null(w);

    /* a filter is not a formula, nor the other way round */
    double v = 7;
    assert_false(expr_formula_eval(w, NULL, NULL, &v));
    assert_true(v == 7);
    assert_false(expr_where_match(f, 2, NULL, 0));
    assert_true(expr_formula_eval(f, NULL, NULL, &v) && v == 1);
    assert_false(expr_formula_eval(f, NULL, NULL, NULL));

    /* no filter passes everything; no formula has no value */
    assert_true(expr_where_match(NULL, 0, NULL, 0));
    assert_false(expr_formula_eval(NULL, NULL, NULL, &v));

    /* references without a callback: nil */
    expr_t *r = expr_formula_compile("sum(a)", err, sizeof err);
    assert_false(expr_formula_eval(r, NULL, NULL, &v));
    agg_spec_t a = expr_ref_agg(r, 0);
    assert_int_equal(a.kind, AGG_SUM);
    a = expr_ref_agg(r, 5);
    assert_int_equal(a.kind, AGG_COUNT);

    expr_free(&f);
    expr_free(&w);
    expr_free(&r);
    assert_null(f);
    expr_free(&f); /* twice: harmless */
    expr_free(NULL);
}

/* ---- random formulas against a tree evaluated directly --------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

enum { N_LEAF, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV };

typedef struct node {
    int kind;
    double v;
    struct node *l, *r;
} node_t;

static node_t pool_nodes[4096];
static int npool;

static node_t *gen(int depth)
{
    node_t *n = &pool_nodes[npool++];
    n->l = n->r = NULL;
    uint32_t k = next_rand() % 10;
    if (depth == 0 || k < 3) {
        n->kind = N_LEAF;
        n->v = (double)(next_rand() % 10);
        return n;
    }
    if (k == 3) {
        n->kind = N_NEG;
        n->l = gen(depth - 1);
        return n;
    }
    n->kind = N_ADD + (int)(next_rand() % 4);
    n->l = gen(depth - 1);
    n->r = gen(depth - 1);
    return n;
}

/* nil as NAN; every intermediate must be finite, like the evaluator's */
static double tree_eval(const node_t *n)
{
    if (n->kind == N_LEAF)
        return n->v;
    double l = tree_eval(n->l);
    if (isnan(l))
        return NAN;
    if (n->kind == N_NEG)
        return -l;
    double r = tree_eval(n->r), x;
    if (isnan(r))
        return NAN;
    switch (n->kind) {
    case N_ADD:
        x = l + r;
        break;
    case N_SUB:
        x = l - r;
        break;
    case N_MUL:
        x = l * r;
        break;
    default:
        if (r == 0)
            return NAN;
        x = l / r;
        break;
    }
    return isfinite(x) ? x : NAN;
}

static int prec(const node_t *n)
{
    switch (n->kind) {
    case N_ADD:
    case N_SUB:
        return 1;
    case N_MUL:
    case N_DIV:
        return 2;
    default:
        return 3;
    }
}

/* Render with as few parentheses as precedence and left associativity need
 * (a right operand of equal precedence keeps them: a-(b-c), a/(b*c)). */
static char *render(const node_t *n, char *p)
{
    static const char ops[] = "  +-*/";
    if (n->kind == N_LEAF)
        return p + sprintf(p, "%g", n->v);
    if (n->kind == N_NEG) {
        *p++ = '-';
        bool paren = prec(n->l) < 3;
        if (paren)
            *p++ = '(';
        p = render(n->l, p);
        if (paren)
            *p++ = ')';
        return p;
    }
    bool lp = prec(n->l) < prec(n), rp = prec(n->r) <= prec(n);
    if (lp)
        *p++ = '(';
    p = render(n->l, p);
    if (lp)
        *p++ = ')';
    *p++ = ' ';
    *p++ = ops[n->kind];
    *p++ = ' ';
    if (rp)
        *p++ = '(';
    p = render(n->r, p);
    if (rp)
        *p++ = ')';
    *p = '\0';
    return p;
}

static void test_random_formulas(void **state)
{
    (void)state;
    static char buf[65536];
    int nil = 0;
    for (int i = 0; i < 3000; i++) {
        npool = 0;
        node_t *t = gen(6);
        *render(t, buf) = '\0';
        double want = tree_eval(t), v;
        char err[256];
        expr_t *e = expr_formula_compile(buf, err, sizeof err);
        if (!e)
            fail_msg("'%s' does not compile: %s", buf, err);
        bool has = expr_formula_eval(e, NULL, NULL, &v);
        if (has != !isnan(want))
            fail_msg("'%s': nil mismatch", buf);
        if (has && !(v == want || (v == 0 && want == 0)))
            fail_msg("'%s': %.17g != %.17g", buf, v, want);
        nil += !has;
        expr_free(&e);
    }
    assert_true(nil > 0 && nil < 3000); /* both cases exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_where_must_parse),
        cmocka_unit_test(test_where_must_not_parse),
        cmocka_unit_test(test_where_lengths),
        cmocka_unit_test(test_where_eval),
        cmocka_unit_test(test_formula_must_parse),
        cmocka_unit_test(test_formula_must_not_parse),
        cmocka_unit_test(test_formula_kpi_name_length),
        cmocka_unit_test(test_formula_eval),
        cmocka_unit_test(test_formula_refs),
        cmocka_unit_test(test_enps),
        cmocka_unit_test(test_limits_nesting),
        cmocka_unit_test(test_limits_stack),
        cmocka_unit_test(test_limits_ops),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_random_formulas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
