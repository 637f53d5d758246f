/*
 * config_int.h - what the two halves of the configuration loader share:
 * config.c (the file, the daemon settings, KPIs) and config_okr.c
 * (objectives and key results).  Internal to daemon/config*.c.
 *
 * A loader_t collects the errors of one config_load(); it is opaque here.
 * Every function reports problems through it and keeps going, so that one
 * load reports every error.
 */
#ifndef OKR_CONFIG_INT_H
#define OKR_CONFIG_INT_H

#include <stdbool.h>

/*
 * libconfig's own handle is called config_t too; rename it while its header
 * is read so that it does not clash with ours.
 */
#define config_t libconfig_t
#include <libconfig.h>
#undef config_t

#include "config.h"

/* How much of a user-provided string an error message quotes. */
#define SHOWN_MAX 64

typedef struct loader loader_t;

/* Record an error at file:line (file NULL or the main file: the main file;
 * line 0: no line).  Errors are printed sorted by file and line. */
void cfg_error(loader_t *ld, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * An error about setting s, at its file and line.  libconfig records a
 * setting's line when the parser reduces it, i.e. after reading the next
 * token: the last element of a list written over several lines gets the
 * line of the closing bracket.  A group's line is that of its '{'.
 */
#define err_at(ld, s, ...)                                                                         \
    cfg_error((ld), config_setting_source_file(s), (int)config_setting_source_line(s), __VA_ARGS__)

/* Note that an allocation failed: the load fails with "out of memory". */
void cfg_nomem(loader_t *ld);

/*
 * s made safe to quote in a one-line message: control characters become
 * '?', and it is cut to SHOWN_MAX bytes (then "..." is appended).  Returns
 * buf.  NULL shows as "".
 */
const char *cfg_shown(const char *s, char buf[SHOWN_MAX + 4]);

/* strdup(s ? s : ""), noting a failure in ld (then NULL). */
char *cfg_strdup(loader_t *ld, const char *s);

/* True if s is an integer that libconfig wrapped to 32 bits (reported
 * already): checks of its value would only quote the mangled number. */
bool cfg_mangled(const loader_t *ld, const config_setting_t *s);

/* A valid KPI name, source or id: 1..200 bytes of [A-Za-z0-9_.:/-]. */
bool cfg_valid_topic(const char *s);

/* ---- config_okr.c ----------------------------------------------------- */

/*
 * Validate the top-level objectives setting (list may be NULL: none) into
 * c->objectives.  Needs c->cal and c->kpis already validated.  On success
 * the objectives are ordered parents first (see config.h).
 */
void cfg_okr_validate(loader_t *ld, config_t *c, const config_setting_t *list);

/* Free c->objectives and everything they own. */
void cfg_okr_free(config_t *c);

#endif
