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

typedef struct kpi_def {
    char *name;           /* unique; [A-Za-z0-9_.:/-], 1..200 bytes */
    char *source;         /* the source (topic) it reads; default: name */
    char *unit;           /* "" when not set */
    char *description;    /* "" when not set */
    char *kind;           /* leading|lagging|quantitative|qualitative|financial; "" when not set */
    agg_spec_t aggregate; /* primary aggregate; default sum */
    int line;             /* where it is defined */
    uint32_t id;          /* storage id; 0 until the store assigns one */
} kpi_def_t;

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

/* Reference counting; the last unref frees.  Thread-safe. */
config_t *config_ref(config_t *c);
void config_unref(config_t **c);

#endif
