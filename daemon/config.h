/*
 * config.h - okrd's configuration (SPEC section 5): defaults, parsing with
 * libconfig, validation.
 *
 * config_load() applies the defaults, parses the file and then validates it
 * in one step that reports every error it finds, each as "FILE:LINE: message"
 * (unknown keys included).  A loaded config_t is immutable; a reload parses a
 * new one and swaps it in only when it loaded cleanly.  Threads share a
 * config through config_ref()/config_unref().
 */
#ifndef OKR_CONFIG_H
#define OKR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/calendar.h"
#include "../common/log.h"
#include "bucket.h"

#define CONFIG_DEFAULT_PATH "/etc/okrd/okrd.conf"

typedef struct strlist {
    char **v;
    int n;
} strlist_t;

struct expr;

/* A KPI's thresholds: the status green/amber/red of its value. */
typedef struct kpi_thresholds {
    bool set;
    bool higher;  /* direction = "higher": green at or above green, amber at or
                     above amber, else red; "lower": mirrored */
    double green; /* higher: green >= amber; lower: green <= amber */
    double amber;
} kpi_thresholds_t;

typedef struct kpi_def {
    char *name;           /* unique; [A-Za-z0-9_.:/-], 1..200 bytes */
    char *source;         /* the source (topic) it reads; default: name; NULL for
                             a derived KPI */
    char *unit;           /* "" when not set */
    char *description;    /* "" when not set */
    char *kind;           /* leading|lagging|quantitative|qualitative|financial; "" when not set */
    agg_spec_t aggregate; /* primary aggregate; default sum (raw KPIs) */
    struct expr *where;   /* raw KPIs: only the events that match count; NULL: all */
    char *where_src;      /* as written; NULL when not set */
    struct expr *formula; /* non-NULL: a derived KPI, whose value is the formula */
    char *formula_src;    /* as written; NULL for a raw KPI */
    int *refs;            /* derived: the config.kpis index of each formula
                             reference, in expr_ref_name() order */
    kpi_thresholds_t thresholds;
    bool distinct;  /* raw KPIs: keep a distinct-count sketch over event keys */
    bool quantiles; /* raw KPIs: keep a quantile sketch over values */
    int line;       /* where it is defined */
    uint32_t id;    /* storage id; 0 until the store assigns one */
} kpi_def_t;

/* ---- objectives and key results (SPEC section 3) ---------------------- */

typedef enum kr_type {
    KR_INCREASE = 0, /* move from start to target (target > start) */
    KR_DECREASE,     /* move from start to target (target < start) */
    KR_AT_LEAST,     /* keep the value >= target */
    KR_AT_MOST,      /* keep the value <= target */
    KR_MILESTONE,    /* done or not, by check-in */
} kr_type_t;

typedef enum kr_scoring {
    SCORE_NOW = 0, /* at_least/at_most: 1 when current is on the right side, else 0 */
    SCORE_DAYS,    /* the share of elapsed days whose daily value was on the right side */
} kr_scoring_t;

typedef enum kr_change {
    CHANGE_NONE = 0, /* start is given */
    CHANGE_PCT,      /* "+20%": start = baseline, target = baseline * (1 + amount / 100) */
    CHANGE_ABS,      /* "+500": start = baseline, target = baseline + amount */
} kr_change_t;

typedef struct kr_def {
    char *id;      /* unique among all key results of all objectives */
    char *title;   /* "" when not set */
    double weight; /* >= 0; default 1 */
    kr_type_t type;
    int kpi;              /* index into config.kpis; -1 when manual or a milestone */
    bool manual;          /* source = "manual": current is the latest check-in's value */
    agg_spec_t aggregate; /* default: the KPI's primary aggregate */
    bool has_window;
    window_t window;  /* default (has_window false): the objective's period up to at */
    char *window_str; /* as written; NULL when not set */
    bool has_start;   /* false for milestones and with a change */
    double start;
    bool has_target; /* false for milestones and with a change (the target then
                        follows from the baseline) */
    double target;
    kr_change_t change;
    double change_amount; /* signed: "-15%" is -15 */
    kr_scoring_t scoring;
    int64_t checkin_every_ms; /* 0: never stale */
    int objective;            /* index of its objective in config.objectives */
    int line;
} kr_def_t;

typedef struct objective_def {
    char *id;              /* unique among objectives */
    char *title;           /* "" when not set */
    char *owner;           /* "" when not set */
    char *kind;            /* top-down|bottom-up|learning|personal|company; "" when not set */
    char *commitment;      /* committed|aspirational; "" when not set */
    char *period;          /* as written: "2026-Q4", or "2026-10-01..2026-12-31" for {start; end} */
    int64_t from, to;      /* the period, [from, to): local midnight of the first day to that of
                              the day after the last */
    int parent;            /* index in config.objectives; -1 for a root */
    double weight;         /* in its parent, >= 0; default 1 */
    bool include_children; /* default true */
    kr_def_t *krs;
    int nkrs;
    int line;
} objective_def_t;

typedef struct config {
    char *path;
    struct {
        char *state_dir;        /* "/var/lib/okrd" */
        uint64_t map_size_mb;   /* 1024 */
        int commit_interval_ms; /* 100; 1..60000 */
        bool sync;              /* true */
        log_level_t log_level;  /* info */
    } daemon;
    struct {
        strlist_t bind;            /* [ "tcp://127.0.0.1:7401" ] */
        strlist_t connect;         /* [ ] */
        strlist_t topics;          /* [ "" ] */
        int64_t max_message_bytes; /* 1048576 */
        int rcvhwm;                /* 1000000 */
        int max_future_s;          /* 300 */
    } ingest;
    struct {
        strlist_t bind; /* [ "tcp://127.0.0.1:7402" ] */
    } query;
    struct {
        bool curve; /* false; true is refused for now */
        char *secret_key_file;
        char *authorized_keys_dir;
        char *checkin_keys_dir;
    } security;
    int64_t retention[RES_COUNT]; /* ms: 48h, 90d, 5y */
    cal_t cal;                    /* time.utc_offset, time.fiscal_year_start_month */
    kpi_def_t *kpis;
    int nkpis;
    /* Parents come before their children: for every objective, parent <
     * its own index, so one pass in order visits roots first. */
    objective_def_t *objectives;
    int nobjectives;
    int refs; /* see config_ref() */
} config_t;

/*
 * Load and validate path.  On success returns 0 and sets *out (refs = 1).
 * On failure returns -1 and sets *errors to a malloc'd text of one
 * "FILE:LINE: message\n" line per error (the caller frees it); a file that
 * cannot be read gives one line "FILE: cannot read: REASON".
 */
int config_load(const char *path, config_t **out, char **errors);

/* The KPI named name, or NULL. */
const kpi_def_t *config_kpi(const config_t *c, const char *name);

/* The objective with that id, or NULL. */
const objective_def_t *config_objective(const config_t *c, const char *id);

/* The key result with that id, or NULL. */
const kr_def_t *config_kr(const config_t *c, const char *id);

/* Reference counting; the last unref frees.  Thread-safe. */
config_t *config_ref(config_t *c);
void config_unref(config_t **c);

#endif
