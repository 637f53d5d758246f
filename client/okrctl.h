/*
 * okrctl.h - what okrctl's commands share: the exit codes, the parsed
 * command line and the error helpers.
 *
 * Source map of client/:
 *   okrctl.c     main: options, help, dispatch to the commands
 *   cmd_status.c ping, stats, source list
 *   cmd_kpi.c    kpi list, kpi get, kpi series
 *   cmd_okr.c    status (the OKR tree), objective, kr, checkin
 *   cmd_emit.c   emit (publish one event)
 *   cmd_demo.c   demo: a publisher of plausible events for the demo KPIs
 *   request.c    one query: pack, send with failover, decode, report errors
 *   rpc.c        the Lazy Pirate REQ round trip over several endpoints
 *   publish.c    XPUB delivery of events, waiting for okrd's subscription
 *   json.c       MessagePack -> JSON (the --json format)
 *   render.c     human output: numbers, times, tables
 *   okrview.c    human output of objectives and key results: progress bars,
 *                the tree, status words, sparklines
 */
#ifndef OKRCTL_H
#define OKRCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"

/* Exit codes: documented in --help; scripts rely on them. */
typedef enum ctl_exit {
    CTL_EXIT_OK = 0,          /* success */
    CTL_EXIT_DAEMON = 1,      /* okrd answered with an error */
    CTL_EXIT_USAGE = 2,       /* bad command line */
    CTL_EXIT_UNREACHABLE = 3, /* no endpoint answered / emit not delivered */
    CTL_EXIT_INTERNAL = 4,    /* undecodable reply, out of memory, output failed */
} ctl_exit_t;

/* Command options (the global ones are fields of ctl_t). */
typedef enum ctl_opt {
    CTL_OPT_WINDOW = 0,
    CTL_OPT_AT,
    CTL_OPT_AGGREGATE,
    CTL_OPT_FROM,
    CTL_OPT_TO,
    CTL_OPT_STEP,
    CTL_OPT_TAG,
    CTL_OPT_TS,
    CTL_OPT_KEY,
    CTL_OPT_SOURCE_ID,
    CTL_OPT_SEQ,
    CTL_OPT_PERIOD,
    CTL_OPT_OWNER,
    CTL_OPT_DONE,     /* a flag: "" when given */
    CTL_OPT_NOT_DONE, /* a flag */
    CTL_OPT_CONFIDENCE,
    CTL_OPT_NOTE,
    CTL_OPT_AUTHOR,
    CTL_OPT_DAYS,
    CTL_OPT_RATE,
    CTL_OPT_ONCE, /* a flag */
    CTL_OPT_SEED,
    CTL_OPT_COUNT
} ctl_opt_t;

#define CTL_OPT_BIT(o) (1u << (o))

typedef struct ctl {
    /* global options */
    const char **endpoints; /* query endpoints, tried in order */
    int nendpoints;
    char *env_endpoints; /* the split copy of $OKRCTL_ENDPOINT, or NULL */
    const char *ingest;  /* emit's endpoint */
    int timeout_ms;
    bool json;
    cal_t cal; /* --utc-offset; CAL_DEFAULT otherwise */
    int64_t now_ms;
    void *zctx; /* ZeroMQ context */

    /* the command: its operands and options (all point into argv) */
    const char *const *args;
    int nargs;
    const char *opt[CTL_OPT_COUNT]; /* last value given ("" for a flag), or NULL */
    const char **tags;              /* every --tag, in order */
    int ntags;
} ctl_t;

/* Print "okrctl: MESSAGE" and the --help hint to stderr; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "okrctl: MESSAGE" to stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a time argument (cal_parse_instant in c->cal); on failure reports
 * "invalid time 'S'" and returns CTL_EXIT_USAGE, else CTL_EXIT_OK. */
int ctl_time_arg(const ctl_t *c, const char *s, int64_t *t);

/* "UTC" or "UTC+05:30": the zone times are shown in. */
const char *ctl_zone(const ctl_t *c, char *buf, unsigned len);

/* The commands; each returns a ctl_exit_t. */
int cmd_ping(ctl_t *c);
int cmd_stats(ctl_t *c);
int cmd_source_list(ctl_t *c);
int cmd_kpi_list(ctl_t *c);
int cmd_kpi_get(ctl_t *c);
int cmd_kpi_series(ctl_t *c);
int cmd_emit(ctl_t *c);
int cmd_okr_status(ctl_t *c);
int cmd_objective(ctl_t *c);
int cmd_kr(ctl_t *c);
int cmd_checkin(ctl_t *c);
int cmd_demo(ctl_t *c);

#endif
