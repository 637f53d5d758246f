/*
 * config_okr.c - objectives and key results in the configuration (SPEC
 * sections 3 and 5).
 *
 * config.c hands over the top-level `objectives` setting once the calendar
 * and the KPIs are validated.  Two passes:
 *
 *   1. each objective, in file order: its keys, their types and values, its
 *      period (in the configured calendar) and its key results, whose kpi
 *      names are resolved against config.kpis;
 *   2. parents: dangling references, objectives that are their own parent,
 *      cycles (one error per cycle); then, when the parents form a forest,
 *      the objectives are reordered so that every parent comes before its
 *      children.
 *
 * Like the rest of the loader, every check keeps going after an error, so
 * that one load reports every error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* "kr #3 of objective '<id>'" and the like fit in this. */
#define LABEL_MAX (2 * (SHOWN_MAX + 4) + 64)

/* ---- keys ------------------------------------------------------------- */

typedef enum ftype { F_STRING, F_NUMBER, F_BOOL, F_LIST, F_PERIOD } ftype_t;

typedef struct field {
    const char *key;
    ftype_t type;
} field_t;

enum {
    OF_ID,
    OF_TITLE,
    OF_PERIOD,
    OF_PARENT,
    OF_OWNER,
    OF_KIND,
    OF_COMMITMENT,
    OF_WEIGHT,
    OF_INCLUDE_CHILDREN,
    OF_KEY_RESULTS,
    OF_COUNT
};

static const field_t obj_fields[OF_COUNT] = {
    [OF_ID] = {"id", F_STRING},
    [OF_TITLE] = {"title", F_STRING},
    [OF_PERIOD] = {"period", F_PERIOD},
    [OF_PARENT] = {"parent", F_STRING},
    [OF_OWNER] = {"owner", F_STRING},
    [OF_KIND] = {"kind", F_STRING},
    [OF_COMMITMENT] = {"commitment", F_STRING},
    [OF_WEIGHT] = {"weight", F_NUMBER},
    [OF_INCLUDE_CHILDREN] = {"include_children", F_BOOL},
    [OF_KEY_RESULTS] = {"key_results", F_LIST},
};

enum {
    KF_ID,
    KF_TITLE,
    KF_WEIGHT,
    KF_TYPE,
    KF_KPI,
    KF_SOURCE,
    KF_AGGREGATE,
    KF_WINDOW,
    KF_START,
    KF_TARGET,
    KF_CHANGE,
    KF_SCORING,
    KF_CHECKIN_EVERY,
    KF_COUNT
};

static const field_t kr_fields[KF_COUNT] = {
    [KF_ID] = {"id", F_STRING},
    [KF_TITLE] = {"title", F_STRING},
    [KF_WEIGHT] = {"weight", F_NUMBER},
    [KF_TYPE] = {"type", F_STRING},
    [KF_KPI] = {"kpi", F_STRING},
    [KF_SOURCE] = {"source", F_STRING},
    [KF_AGGREGATE] = {"aggregate", F_STRING},
    [KF_WINDOW] = {"window", F_STRING},
    [KF_START] = {"start", F_NUMBER},
    [KF_TARGET] = {"target", F_NUMBER},
    [KF_CHANGE] = {"change", F_STRING},
    [KF_SCORING] = {"scoring", F_STRING},
    [KF_CHECKIN_EVERY] = {"checkin_every", F_STRING},
};

#define NELEM(a) (sizeof(a) / sizeof *(a))

static const char *const obj_kinds[] = {"top-down", "bottom-up", "learning", "personal", "company"};
static const char *const commitments[] = {"committed", "aspirational"};
static const char *const kr_types[] = {
    [KR_INCREASE] = "increase", [KR_DECREASE] = "decrease",   [KR_AT_LEAST] = "at_least",
    [KR_AT_MOST] = "at_most",   [KR_MILESTONE] = "milestone",
};
static const char *const scorings[] = {[SCORE_NOW] = "now", [SCORE_DAYS] = "days"};

/* ---- the state of one validation -------------------------------------- */

/* What pass 2 needs to know about an objective, by file position. */
typedef struct objw {
    const config_setting_t *group;
    const config_setting_t *f[OF_COUNT]; /* members of the right type, else NULL */
    const char *id; /* a valid id seen first here: parents may name it; else NULL */
    int id_line;
    int parent; /* file position of the parent; -1: none (or unresolved) */
} objw_t;

/* A key result id already taken, and where. */
typedef struct krid {
    const char *id;
    int line;
} krid_t;

typedef struct ctx {
    loader_t *ld;
    config_t *c;
    objw_t *w;
    krid_t *krids;
    int nkrids, capkrids;
} ctx_t;

/* ---- helpers ---------------------------------------------------------- */

static int line_of(const config_setting_t *s)
{
    return (int)config_setting_source_line(s);
}

static bool has(const config_setting_t *g, const char *key)
{
    return config_setting_get_member(g, key) != NULL;
}

/* An int or a finite float, as a double. */
static bool number_of(const config_setting_t *s, double *out)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(s);
        return true;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(s);
        return isfinite(*out);
    default:
        return false;
    }
}

/* Position of v in names[], or -1. */
static int find(const char *v, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return (int)i;
    return -1;
}

/* names[] as "a, b, c" into buf. */
static const char *joined(const char *const *names, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

/*
 * The value of string setting s checked against names[]: its position, or
 * -1 after an error "WHAT: KEY must be one of ... (got '...')".
 */
static int one_of(loader_t *ld, const config_setting_t *s, const char *const *names, size_t n,
                  const char *what)
{
    const char *v = config_setting_get_string(s);
    char list[128], buf[SHOWN_MAX + 4];
    int i = find(v, names, n);
    if (i < 0)
        err_at(ld, s, "%s: %s must be one of %s (got '%s')", what, config_setting_name(s),
               joined(names, n, list, sizeof list), cfg_shown(v, buf));
    return i;
}

/*
 * How an objective or a key result is called in messages: "objective 'x'"
 * when it has a string id, else by position ("objective #2", "kr #1 of
 * objective 'x'").
 */
static const char *label_of(const char *kind, const config_setting_t *g, int idx, const char *in,
                            char buf[LABEL_MAX])
{
    const config_setting_t *id = config_setting_get_member(g, "id");
    char tmp[SHOWN_MAX + 4];
    if (id && config_setting_type(id) == CONFIG_TYPE_STRING)
        snprintf(buf, LABEL_MAX, "%s '%s'", kind, cfg_shown(config_setting_get_string(id), tmp));
    else if (in)
        snprintf(buf, LABEL_MAX, "%s #%d of %.120s", kind, idx + 1, in);
    else
        snprintf(buf, LABEL_MAX, "%s #%d", kind, idx + 1);
    return buf;
}

/*
 * Match every member of group g against fields[]: found[i] gets the member
 * named fields[i].key when its type is right.  Unknown keys and wrong types
 * are errors about what.  An integer that libconfig wrapped (reported
 * already) is left out, so that no check is made with its mangled value.
 */
static void collect(loader_t *ld, const config_setting_t *g, const field_t *fields, int n,
                    const config_setting_t **found, const char *what)
{
    for (int j = 0; j < config_setting_length(g); j++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)j);
        const char *key = config_setting_name(s), *want = "";
        int t = config_setting_type(s), i;
        bool ok = false;
        double d;

        for (i = 0; i < n; i++)
            if (strcmp(fields[i].key, key) == 0)
                break;
        if (i == n) {
            err_at(ld, s, "unknown key '%s' in %s", key, what);
            continue;
        }
        switch (fields[i].type) {
        case F_STRING:
            ok = t == CONFIG_TYPE_STRING;
            want = "a string";
            break;
        case F_NUMBER:
            ok = number_of(s, &d);
            want = "a number";
            if (ok && t != CONFIG_TYPE_FLOAT && cfg_mangled(ld, s))
                continue;
            break;
        case F_BOOL:
            ok = t == CONFIG_TYPE_BOOL;
            want = "true or false";
            break;
        case F_LIST:
            ok = t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
            want = "a list of groups: ( { id = ...; }, ... )";
            break;
        case F_PERIOD:
            ok = t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_GROUP;
            want = "a calendar period such as \"2026-Q4\", or a group { start = \"2026-10-01\"; "
                   "end = \"2026-12-31\"; }";
            break;
        }
        if (ok)
            found[i] = s;
        else
            err_at(ld, s, "%s: '%s' must be %s", what, key, want);
    }
}

static char *string_or_empty(loader_t *ld, const config_setting_t *s)
{
    return cfg_strdup(ld, s ? config_setting_get_string(s) : "");
}

/* A weight: a number >= 0 (its type was checked by collect). */
static double weight_of(loader_t *ld, const config_setting_t *s, const char *what)
{
    double w = 1;
    number_of(s, &w);
    if (!(w >= 0)) {
        err_at(ld, s, "%s: weight must be at least 0 (got %g)", what, w);
        return 1;
    }
    return w;
}

/* ---- the period ------------------------------------------------------- */

/*
 * period = "2026-Q4" (any whole calendar period), or { start; end; } with
 * inclusive local dates: [midnight of start, midnight of the day after end).
 */
static void validate_period(ctx_t *x, objective_def_t *o, const config_setting_t *g,
                            const config_setting_t *s, const char *what)
{
    loader_t *ld = x->ld;
    const config_setting_t *m[2] = {NULL, NULL}; /* start, end */
    static const char *const keys[2] = {"start", "end"};
    int64_t t[2] = {0, 0};
    bool ok = true;
    char buf[SHOWN_MAX + 4], b2[SHOWN_MAX + 4];

    if (!s) {
        if (!has(g, "period"))
            err_at(ld, g, "%s has no period", what);
        return;
    }
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        const char *p = config_setting_get_string(s);
        o->period = cfg_strdup(ld, p);
        if (cal_parse_period(&x->c->cal, p, &o->from, &o->to, NULL) != 0)
            err_at(ld, s,
                   "%s: period '%s' is not a calendar period (e.g. 2026, 2026-Q4, 2026-11, "
                   "2026-W47, 2026-11-22)",
                   what, cfg_shown(p, buf));
        return;
    }

    for (int j = 0; j < config_setting_length(s); j++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
        const char *key = config_setting_name(e);
        int k = find(key, keys, 2);
        if (k < 0) {
            err_at(ld, e, "unknown key '%s' in the period of %s", key, what);
        } else if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            err_at(ld, e, "%s: period %s must be a date string \"YYYY-MM-DD\"", what, key);
            ok = false;
        } else {
            m[k] = e;
        }
    }
    if (ok && (!m[0] || !m[1])) {
        err_at(ld, s, "%s: period needs both start and end (\"YYYY-MM-DD\", inclusive)", what);
        ok = false;
    }
    for (int k = 0; k < 2; k++) {
        if (m[k] && cal_parse_date(&x->c->cal, config_setting_get_string(m[k]), &t[k]) != 0) {
            err_at(ld, m[k], "%s: period %s '%s' is not a date (YYYY-MM-DD)", what, keys[k],
                   cfg_shown(config_setting_get_string(m[k]), buf));
            ok = false;
        }
    }
    if (!ok)
        return;
    if (t[1] < t[0])
        err_at(ld, m[1], "%s: period end '%s' is before its start '%s'", what,
               cfg_shown(config_setting_get_string(m[1]), buf),
               cfg_shown(config_setting_get_string(m[0]), b2));
    o->from = t[0];
    o->to = t[1] + MS_DAY; /* a fixed offset: every local day is 24 h */
    if (asprintf(&o->period, "%s..%s", config_setting_get_string(m[0]),
                 config_setting_get_string(m[1])) < 0) {
        o->period = NULL;
        cfg_nomem(ld);
    }
}

/* ---- key results ------------------------------------------------------ */

/*
 * change = "+20%", "-15%", "+500", "-2.5": a sign, digits with an optional
 * fraction, an optional '%'.  Returns 0 or -1.
 */
static int parse_change(const char *s, kr_change_t *kind, double *amount)
{
    const char *p = s + 1;
    char *end;
    if (s[0] != '+' && s[0] != '-')
        return -1;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    *kind = *p == '%' ? CHANGE_PCT : CHANGE_ABS;
    if (*p == '%')
        p++;
    if (*p != '\0')
        return -1;
    *amount = strtod(s, &end);
    return isfinite(*amount) ? 0 : -1;
}

static void validate_kr_id(ctx_t *x, kr_def_t *k, const config_setting_t *g,
                           const config_setting_t *s, const char *what)
{
    loader_t *ld = x->ld;
    const char *id;

    k->id = string_or_empty(ld, s);
    if (!s) {
        if (!has(g, "id"))
            err_at(ld, g, "%s has no id", what);
        return;
    }
    id = config_setting_get_string(s);
    if (!cfg_valid_topic(id)) {
        err_at(ld, s, "%s: the id must be 1-200 bytes of [A-Za-z0-9_.:/-]", what);
        return;
    }
    for (int j = 0; j < x->nkrids; j++) {
        if (strcmp(x->krids[j].id, id) == 0) {
            err_at(ld, s, "%s is defined twice (first at line %d)", what, x->krids[j].line);
            return;
        }
    }
    if (x->nkrids == x->capkrids) {
        int cap = x->capkrids ? 2 * x->capkrids : 16;
        krid_t *n = realloc(x->krids, (size_t)cap * sizeof *n);
        if (!n) {
            cfg_nomem(ld);
            return;
        }
        x->krids = n;
        x->capkrids = cap;
    }
    x->krids[x->nkrids++] = (krid_t){id, line_of(s)};
}

/* increase / decrease: start and target, or a change (the target follows from it). */
static void check_move(loader_t *ld, const kr_def_t *k, const config_setting_t *g,
                       const config_setting_t *const *f, const char *what)
{
    const char *tn = kr_types[k->type];
    if (has(g, "change")) {
        if (f[KF_CHANGE] && has(g, "start"))
            err_at(ld, f[KF_CHANGE], "%s: give start or change, not both", what);
        if (f[KF_CHANGE] && has(g, "target"))
            err_at(ld, f[KF_CHANGE],
                   "%s: give target or change, not both (change sets the target from the "
                   "baseline)",
                   what);
        return;
    }
    if (!has(g, "start"))
        err_at(ld, g, "%s: type '%s' needs start, or change", what, tn);
    if (!has(g, "target"))
        err_at(ld, g, "%s: type '%s' needs a target", what, tn);
    if (!f[KF_START] || !f[KF_TARGET])
        return;
    if (k->start == k->target)
        err_at(ld, f[KF_TARGET], "%s: start equals target", what);
    else if (k->type == KR_INCREASE && k->target < k->start)
        err_at(ld, f[KF_TARGET], "%s: type 'increase' needs target > start (start %g, target %g)",
               what, k->start, k->target);
    else if (k->type == KR_DECREASE && k->target > k->start)
        err_at(ld, f[KF_TARGET], "%s: type 'decrease' needs target < start (start %g, target %g)",
               what, k->start, k->target);
}

/* aggregate and window of a KPI-backed key result. */
static void check_kpi_options(ctx_t *x, kr_def_t *k, const config_setting_t *const *f,
                              const char *what)
{
    loader_t *ld = x->ld;
    char buf[SHOWN_MAX + 4];

    if (f[KF_AGGREGATE] && k->kpi >= 0 && x->c->kpis[k->kpi].formula_src) {
        /* a derived KPI has no aggregates of its own: its value is its formula */
        err_at(ld, f[KF_AGGREGATE],
               "%s: kpi '%s' is derived: its value is its formula; drop "
               "'aggregate'",
               what, cfg_shown(x->c->kpis[k->kpi].name, buf));
    } else if (f[KF_AGGREGATE]) {
        const char *agg = config_setting_get_string(f[KF_AGGREGATE]);
        agg_spec_t a;
        if (agg_parse(agg, &a) != 0)
            err_at(ld, f[KF_AGGREGATE],
                   "%s: unknown aggregate '%s' (count, sum, avg, min, max, last, stddev, rate)",
                   what, cfg_shown(agg, buf));
        else if (a.kind == AGG_DISTINCT && k->kpi >= 0 && !x->c->kpis[k->kpi].distinct)
            err_at(ld, f[KF_AGGREGATE],
                   "%s: aggregate 'distinct' needs distinct = true on kpi '%s'", what,
                   cfg_shown(x->c->kpis[k->kpi].name, buf));
        else if (a.kind == AGG_QUANTILE && k->kpi >= 0 && !x->c->kpis[k->kpi].quantiles)
            err_at(ld, f[KF_AGGREGATE], "%s: aggregate '%s' needs quantiles = true on kpi '%s'",
                   what, agg, x->c->kpis[k->kpi].name);
        else
            k->aggregate = a;
    }
    if (f[KF_WINDOW]) {
        const char *w = config_setting_get_string(f[KF_WINDOW]);
        if (window_parse(&x->c->cal, w, &k->window) != 0) {
            err_at(ld, f[KF_WINDOW],
                   "%s: window '%s' is not a window (e.g. 7d, 24h, mtd, qtd, 2026-Q4)", what,
                   cfg_shown(w, buf));
        } else {
            k->has_window = true;
            k->window_str = cfg_strdup(ld, w);
        }
    }
}

static void check_change(loader_t *ld, kr_def_t *k, int type, const config_setting_t *s,
                         const char *what)
{
    const char *v = config_setting_get_string(s);
    char buf[SHOWN_MAX + 4];
    kr_change_t kind;
    double amount;

    if (parse_change(v, &kind, &amount) != 0)
        err_at(ld, s, "%s: change '%s' must be a signed amount such as +20%%, -15%%, +500, -2.5",
               what, cfg_shown(v, buf));
    else if (amount == 0)
        err_at(ld, s, "%s: change '%s' must not be zero", what, cfg_shown(v, buf));
    else if (type == KR_INCREASE && amount < 0)
        err_at(ld, s, "%s: type 'increase' needs a positive change (got '%s')", what,
               cfg_shown(v, buf));
    else if (type == KR_DECREASE && amount > 0)
        err_at(ld, s, "%s: type 'decrease' needs a negative change (got '%s')", what,
               cfg_shown(v, buf));
    else {
        k->change = kind;
        k->change_amount = amount;
    }
}

static void validate_kr(ctx_t *x, int oi, const config_setting_t *g, int idx, const char *olabel)
{
    loader_t *ld = x->ld;
    config_t *c = x->c;
    objective_def_t *o = &c->objectives[oi];
    kr_def_t *k = &o->krs[o->nkrs++];
    const config_setting_t *f[KF_COUNT] = {NULL};
    char what[LABEL_MAX], buf[SHOWN_MAX + 4];
    int type = -1;
    bool no_kpi = !has(g, "kpi");

    label_of("kr", g, idx, olabel, what);
    collect(ld, g, kr_fields, KF_COUNT, f, what);
    *k = (kr_def_t){
        .weight = 1, .kpi = -1, .aggregate = {AGG_SUM, 0}, .objective = oi, .line = line_of(g)};
    validate_kr_id(x, k, g, f[KF_ID], what);
    k->title = string_or_empty(ld, f[KF_TITLE]);
    if (f[KF_WEIGHT])
        k->weight = weight_of(ld, f[KF_WEIGHT], what);

    if (f[KF_TYPE]) {
        type = one_of(ld, f[KF_TYPE], kr_types, NELEM(kr_types), what);
        if (type >= 0)
            k->type = (kr_type_t)type;
    } else if (!has(g, "type")) {
        err_at(ld, g, "%s has no type (increase, decrease, at_least, at_most or milestone)", what);
    }

    if (type == KR_MILESTONE) {
        static const int none[] = {KF_KPI,   KF_SOURCE, KF_AGGREGATE, KF_WINDOW,
                                   KF_START, KF_TARGET, KF_CHANGE};
        for (size_t j = 0; j < NELEM(none); j++)
            if (f[none[j]])
                err_at(ld, f[none[j]], "%s: a milestone takes no %s", what, kr_fields[none[j]].key);
    } else {
        /* where current comes from: a KPI, or check-ins */
        if (f[KF_KPI]) {
            const char *name = config_setting_get_string(f[KF_KPI]);
            const kpi_def_t *kd = config_kpi(c, name);
            if (!kd) {
                err_at(ld, f[KF_KPI], "%s: unknown kpi '%s'", what, cfg_shown(name, buf));
            } else {
                k->kpi = (int)(kd - c->kpis);
                k->aggregate = kd->aggregate;
            }
        }
        if (f[KF_SOURCE]) {
            const char *src = config_setting_get_string(f[KF_SOURCE]);
            if (strcmp(src, "manual") != 0)
                err_at(ld, f[KF_SOURCE], "%s: source must be \"manual\" (got '%s')", what,
                       cfg_shown(src, buf));
            else if (!no_kpi)
                err_at(ld, f[KF_SOURCE], "%s: give kpi or source = \"manual\", not both", what);
            else
                k->manual = true;
        }
        if (type >= 0 && no_kpi && !has(g, "source"))
            err_at(ld, g, "%s: type '%s' needs kpi or source = \"manual\"", what, kr_types[type]);

        if (no_kpi) {
            static const int kpi_only[] = {KF_AGGREGATE, KF_WINDOW, KF_CHANGE};
            for (size_t j = 0; j < NELEM(kpi_only); j++)
                if (f[kpi_only[j]])
                    err_at(ld, f[kpi_only[j]], "%s: %s needs a kpi%s", what,
                           kr_fields[kpi_only[j]].key,
                           kpi_only[j] == KF_CHANGE ? " (the baseline is its previous period)"
                                                    : "");
        } else {
            check_kpi_options(x, k, f, what);
        }
    }

    if (type != KR_MILESTONE) {
        if (f[KF_START]) {
            number_of(f[KF_START], &k->start);
            k->has_start = true;
        }
        if (f[KF_TARGET]) {
            number_of(f[KF_TARGET], &k->target);
            k->has_target = true;
        }
    }
    switch (type) {
    case KR_INCREASE:
    case KR_DECREASE:
        if (f[KF_CHANGE] && !no_kpi)
            check_change(ld, k, type, f[KF_CHANGE], what);
        check_move(ld, k, g, f, what);
        break;
    case KR_AT_LEAST:
    case KR_AT_MOST:
        if (!has(g, "target"))
            err_at(ld, g, "%s: type '%s' needs a target", what, kr_types[type]);
        if (f[KF_START])
            err_at(ld, f[KF_START], "%s: type '%s' takes no start", what, kr_types[type]);
        if (f[KF_CHANGE] && !no_kpi)
            err_at(ld, f[KF_CHANGE], "%s: type '%s' takes no change", what, kr_types[type]);
        break;
    default: /* a milestone (checked above), or no valid type to check against */
        if (type < 0 && f[KF_CHANGE] && !no_kpi)
            check_change(ld, k, type, f[KF_CHANGE], what);
        break;
    }

    if (f[KF_SCORING]) {
        int sc = one_of(ld, f[KF_SCORING], scorings, NELEM(scorings), what);
        if (sc >= 0 && type >= 0 && type != KR_AT_LEAST && type != KR_AT_MOST)
            err_at(ld, f[KF_SCORING], "%s: scoring applies only to at_least and at_most", what);
        else if (sc >= 0)
            k->scoring = (kr_scoring_t)sc;
    }
    if (f[KF_CHECKIN_EVERY]) {
        const char *d = config_setting_get_string(f[KF_CHECKIN_EVERY]);
        if (cal_parse_duration(d, &k->checkin_every_ms) != 0) {
            err_at(ld, f[KF_CHECKIN_EVERY],
                   "%s: checkin_every '%s' is not a duration (e.g. 7d, 24h, 2w)", what,
                   cfg_shown(d, buf));
            k->checkin_every_ms = 0;
        }
    }
}

static void validate_krs(ctx_t *x, int oi, const config_setting_t *list, const char *olabel)
{
    objective_def_t *o = &x->c->objectives[oi];
    int n = config_setting_length(list);
    if (n == 0)
        return;
    o->krs = calloc((size_t)n, sizeof *o->krs);
    if (!o->krs) {
        cfg_nomem(x->ld);
        return;
    }
    for (int j = 0; j < n; j++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)j);
        if (config_setting_type(e) != CONFIG_TYPE_GROUP)
            err_at(x->ld, e, "%s: key_results element #%d must be a group ({ id = ...; })", olabel,
                   j + 1);
        else
            validate_kr(x, oi, e, j, olabel);
    }
}

/* ---- 1. each objective ------------------------------------------------ */

static void validate_objective(ctx_t *x, const config_setting_t *g, int idx)
{
    loader_t *ld = x->ld;
    config_t *c = x->c;
    int oi = c->nobjectives++;
    objective_def_t *o = &c->objectives[oi];
    objw_t *w = &x->w[oi];
    const config_setting_t *s;
    char what[LABEL_MAX];
    int i;

    *w = (objw_t){.group = g, .parent = -1};
    *o = (objective_def_t){.parent = -1, .weight = 1, .include_children = true, .line = line_of(g)};
    label_of("objective", g, idx, NULL, what);
    collect(ld, g, obj_fields, OF_COUNT, w->f, what);

    s = w->f[OF_ID];
    o->id = string_or_empty(ld, s);
    if (!s) {
        if (!has(g, "id"))
            err_at(ld, g, "%s has no id", what);
    } else if (!cfg_valid_topic(config_setting_get_string(s))) {
        err_at(ld, s, "%s: the id must be 1-200 bytes of [A-Za-z0-9_.:/-]", what);
    } else {
        const char *id = config_setting_get_string(s);
        for (i = 0; i < oi; i++)
            if (x->w[i].id && strcmp(x->w[i].id, id) == 0)
                break;
        if (i < oi) {
            err_at(ld, s, "%s is defined twice (first at line %d)", what, x->w[i].id_line);
        } else {
            w->id = id;
            w->id_line = line_of(s);
        }
    }

    o->title = string_or_empty(ld, w->f[OF_TITLE]);
    o->owner = string_or_empty(ld, w->f[OF_OWNER]);
    o->kind = string_or_empty(ld, w->f[OF_KIND]);
    if (w->f[OF_KIND])
        one_of(ld, w->f[OF_KIND], obj_kinds, NELEM(obj_kinds), what);
    o->commitment = string_or_empty(ld, w->f[OF_COMMITMENT]);
    if (w->f[OF_COMMITMENT])
        one_of(ld, w->f[OF_COMMITMENT], commitments, NELEM(commitments), what);
    validate_period(x, o, g, w->f[OF_PERIOD], what);
    if (w->f[OF_WEIGHT])
        o->weight = weight_of(ld, w->f[OF_WEIGHT], what);
    if (w->f[OF_INCLUDE_CHILDREN])
        o->include_children = config_setting_get_bool(w->f[OF_INCLUDE_CHILDREN]) != 0;
    if (w->f[OF_KEY_RESULTS])
        validate_krs(x, oi, w->f[OF_KEY_RESULTS], what);
}

/* ---- 2. parents ------------------------------------------------------- */

/* Resolve every parent to a file position; report dangling and self references. */
static void resolve_parents(ctx_t *x)
{
    config_t *c = x->c;
    char what[LABEL_MAX], buf[SHOWN_MAX + 4];

    for (int i = 0; i < c->nobjectives; i++) {
        objw_t *w = &x->w[i];
        const config_setting_t *s = w->f[OF_PARENT];
        const char *p;
        int j;
        if (!s)
            continue;
        p = config_setting_get_string(s);
        label_of("objective", w->group, i, NULL, what);
        if (c->objectives[i].id && strcmp(p, c->objectives[i].id) == 0 &&
            w->f[OF_ID]) { /* not "" for a missing id */
            err_at(x->ld, s, "%s cannot be its own parent", what);
            continue;
        }
        for (j = 0; j < c->nobjectives; j++)
            if (x->w[j].id && strcmp(x->w[j].id, p) == 0)
                break;
        if (j == c->nobjectives)
            err_at(x->ld, s, "%s: parent '%s' is not an objective", what, cfg_shown(p, buf));
        else
            w->parent = j;
    }
}

/*
 * One error per parent cycle, at the parent setting of its member written
 * first, naming the members in parent order:
 * "objective 'a': parent cycle 'a' -> 'b' -> 'c' -> 'a'".  Returns true if
 * there is any.  Each objective has at most one parent, so following parents
 * from any objective ends at a root or runs into exactly one cycle.
 */
static bool report_cycles(ctx_t *x)
{
    int n = x->c->nobjectives;
    int *walk; /* 0: not seen; else 1 + the walk that saw it */
    bool any = false;

    if (n <= 0)
        return false;
    walk = calloc((size_t)n, sizeof *walk);
    if (!walk) {
        cfg_nomem(x->ld);
        return true; /* do not order: the load fails anyway */
    }
    for (int i = 0; i < n; i++) {
        int j = i, first;
        char what[LABEL_MAX], buf[SHOWN_MAX + 4], *msg = NULL;
        size_t len = 0;
        FILE *f;

        while (j >= 0 && walk[j] == 0) {
            walk[j] = i + 1;
            j = x->w[j].parent;
        }
        if (j < 0 || walk[j] != i + 1)
            continue; /* reached a root, or a path walked before */
        /* j is on a cycle first seen now: start at its member written first */
        any = true;
        first = j;
        for (int k = x->w[j].parent; k != j; k = x->w[k].parent)
            if (k < first)
                first = k;
        f = open_memstream(&msg, &len);
        if (!f) {
            cfg_nomem(x->ld);
            continue;
        }
        fprintf(f, "%s: parent cycle '%s'",
                label_of("objective", x->w[first].group, first, NULL, what),
                cfg_shown(x->w[first].id, buf));
        for (int k = x->w[first].parent; k != first; k = x->w[k].parent)
            fprintf(f, " -> '%s'", cfg_shown(x->w[k].id, buf));
        fprintf(f, " -> '%s'", cfg_shown(x->w[first].id, buf));
        if (fclose(f) != 0 || !msg)
            cfg_nomem(x->ld);
        else
            err_at(x->ld, x->w[first].f[OF_PARENT], "%s", msg);
        free(msg);
    }
    free(walk);
    return any;
}

/* A min-heap of file positions: the ready objective written first comes out first. */
static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--*n], i = 0;
    for (;;) {
        int ch = 2 * i + 1;
        if (ch >= *n)
            break;
        if (ch + 1 < *n && h[ch + 1] < h[ch])
            ch++;
        if (h[ch] >= v)
            break;
        h[i] = h[ch];
        i = ch;
    }
    if (*n > 0)
        h[i] = v;
    return top;
}

/*
 * Reorder c->objectives so that parents come first: of the objectives whose
 * parent is placed, the one written first goes next.  A file that already
 * lists parents first keeps its order; a child written before its parent
 * moves to just after it (with whatever was written in between).  The
 * parents must form a forest (no cycles).
 */
static void order_parents_first(ctx_t *x)
{
    config_t *c = x->c;
    int n = c->nobjectives, nh = 0, k = 0;
    int *mem, *heap, *order, *first, *next;
    objective_def_t *sorted;

    if (n <= 0)
        return;
    mem = malloc((size_t)n * 4 * sizeof *mem);
    sorted = malloc((size_t)n * sizeof *sorted);
    if (!mem || !sorted) {
        free(mem);
        free(sorted);
        cfg_nomem(x->ld);
        return;
    }
    heap = mem;
    order = mem + n; /* later: the new position of each file position */
    first = mem + 2 * n;
    next = mem + 3 * n;
    for (int i = 0; i < n; i++)
        first[i] = -1;
    for (int i = 0; i < n; i++) {
        int p = x->w[i].parent;
        if (p < 0) {
            heap_push(heap, &nh, i);
        } else {
            next[i] = first[p];
            first[p] = i;
        }
    }
    while (nh > 0) {
        int i = heap_pop(heap, &nh);
        order[k++] = i;
        for (int ch = first[i]; ch >= 0; ch = next[ch])
            heap_push(heap, &nh, ch);
    }
    /* k == n: every objective is a root or below one */
    for (k = 0; k < n; k++)
        sorted[k] = c->objectives[order[k]];
    for (k = 0; k < n; k++)
        first[order[k]] = k; /* reuse: file position -> new position */
    for (k = 0; k < n; k++) {
        int p = x->w[order[k]].parent;
        sorted[k].parent = p < 0 ? -1 : first[p];
        for (int j = 0; j < sorted[k].nkrs; j++)
            sorted[k].krs[j].objective = k;
    }
    free(c->objectives);
    c->objectives = sorted;
    free(mem);
}

/* ---- putting it together ---------------------------------------------- */

void cfg_okr_validate(loader_t *ld, config_t *c, const config_setting_t *list)
{
    ctx_t x = {.ld = ld, .c = c};
    int t, n;

    if (!list)
        return;
    t = config_setting_type(list);
    if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
        err_at(ld, list, "objectives must be a list of groups: ( { id = ...; }, ... )");
        return;
    }
    n = config_setting_length(list);
    if (n == 0)
        return;
    c->objectives = calloc((size_t)n, sizeof *c->objectives);
    x.w = calloc((size_t)n, sizeof *x.w);
    if (!c->objectives || !x.w) {
        cfg_nomem(ld);
        goto done;
    }
    for (int j = 0; j < n; j++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)j);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            err_at(ld, g, "objectives: element #%d must be a group ({ id = ...; })", j + 1);
        else
            validate_objective(&x, g, j);
    }
    resolve_parents(&x);
    for (int i = 0; i < c->nobjectives; i++)
        c->objectives[i].parent = x.w[i].parent;
    if (!report_cycles(&x))
        order_parents_first(&x);
done:
    free(x.w);
    free(x.krids);
}

void cfg_okr_free(config_t *c)
{
    for (int i = 0; i < c->nobjectives; i++) {
        objective_def_t *o = &c->objectives[i];
        for (int j = 0; j < o->nkrs; j++) {
            free(o->krs[j].id);
            free(o->krs[j].title);
            free(o->krs[j].window_str);
        }
        free(o->krs);
        free(o->id);
        free(o->title);
        free(o->owner);
        free(o->kind);
        free(o->commitment);
        free(o->period);
    }
    free(c->objectives);
    c->objectives = NULL;
    c->nobjectives = 0;
}

const objective_def_t *config_objective(const config_t *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (int i = 0; i < c->nobjectives; i++)
        if (c->objectives[i].id && strcmp(c->objectives[i].id, id) == 0)
            return &c->objectives[i];
    return NULL;
}

const kr_def_t *config_kr(const config_t *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (int i = 0; i < c->nobjectives; i++)
        for (int j = 0; j < c->objectives[i].nkrs; j++)
            if (c->objectives[i].krs[j].id && strcmp(c->objectives[i].krs[j].id, id) == 0)
                return &c->objectives[i].krs[j];
    return NULL;
}
