/*
 * config.c - okrd's configuration: defaults, parsing with libconfig 1.5,
 * validation (SPEC section 5).
 *
 * Three steps, each with one job:
 *
 *   1. defaults: the const table settings[] says, for every scalar or list
 *      setting, where it lives, its type and its default;
 *   2. parse: walk the libconfig tree, match every key against the table
 *      (unknown keys and wrong types are errors), and keep each value with
 *      the line it came from, still untranslated;
 *   3. validate: check ranges and cross-field rules, translate (durations,
 *      offsets, log levels, aggregates) and build the config_t.
 *
 * Every step keeps going after an error, so one load reports every error.
 * Errors are collected with their file and line and printed sorted by line.
 *
 * Objectives and key results live in config_okr.c: parse only keeps the
 * objectives setting, and validate hands it over last, once the calendar
 * and the KPIs they refer to are known.  config_int.h is what both share.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"
#include "expr.h"
#include "wire.h"

/* A config file larger than this is refused rather than read. */
#define CONFIG_MAX_FILE_BYTES (16 << 20)
/* map_size_mb is multiplied by 2^20 by its users: keep that in an int64. */
#define MAP_SIZE_MB_MAX (INT64_MAX >> 20)

/* ---- 1. defaults ------------------------------------------------------ */

typedef enum vtype { V_STRING, V_BOOL, V_INT, V_STRLIST } vtype_t;

typedef enum slot {
    S_STATE_DIR,
    S_MAP_SIZE_MB,
    S_COMMIT_INTERVAL_MS,
    S_SYNC,
    S_LOG_LEVEL,
    S_INGEST_BIND,
    S_INGEST_CONNECT,
    S_INGEST_TOPICS,
    S_MAX_MESSAGE_BYTES,
    S_RCVHWM,
    S_MAX_FUTURE_S,
    S_QUERY_BIND,
    S_CURVE,
    S_SECRET_KEY_FILE,
    S_AUTHORIZED_KEYS_DIR,
    S_CHECKIN_KEYS_DIR,
    S_RETENTION_MINUTE,
    S_RETENTION_HOUR,
    S_RETENTION_DAY,
    S_UTC_OFFSET,
    S_FISCAL_START_MONTH,
    S_COUNT
} slot_t;

typedef struct setting_def {
    const char *section;
    const char *key;
    vtype_t type;
    const char *s;           /* V_STRING default; NULL: not set */
    int64_t i;               /* V_INT default */
    bool b;                  /* V_BOOL default */
    const char *const *list; /* V_STRLIST default */
    int nlist;
} setting_def_t;

static const char *const default_ingest_bind[] = {"tcp://127.0.0.1:7401"};
static const char *const default_ingest_topics[] = {""};
static const char *const default_query_bind[] = {"tcp://127.0.0.1:7402"};

/* Every setting outside kpis, with its default (SPEC section 5). */
static const setting_def_t settings[S_COUNT] = {
    [S_STATE_DIR] = {"daemon", "state_dir", V_STRING, .s = "/var/lib/okrd"},
    [S_MAP_SIZE_MB] = {"daemon", "map_size_mb", V_INT, .i = 1024},
    [S_COMMIT_INTERVAL_MS] = {"daemon", "commit_interval_ms", V_INT, .i = 100},
    [S_SYNC] = {"daemon", "sync", V_BOOL, .b = true},
    [S_LOG_LEVEL] = {"daemon", "log_level", V_STRING, .s = "info"},
    [S_INGEST_BIND] = {"ingest", "bind", V_STRLIST, .list = default_ingest_bind, .nlist = 1},
    [S_INGEST_CONNECT] = {"ingest", "connect", V_STRLIST, .list = NULL, .nlist = 0},
    [S_INGEST_TOPICS] = {"ingest", "topics", V_STRLIST, .list = default_ingest_topics, .nlist = 1},
    [S_MAX_MESSAGE_BYTES] = {"ingest", "max_message_bytes", V_INT, .i = 1048576},
    [S_RCVHWM] = {"ingest", "rcvhwm", V_INT, .i = 1000000},
    [S_MAX_FUTURE_S] = {"ingest", "max_future_s", V_INT, .i = 300},
    [S_QUERY_BIND] = {"query", "bind", V_STRLIST, .list = default_query_bind, .nlist = 1},
    [S_CURVE] = {"security", "curve", V_BOOL, .b = false},
    [S_SECRET_KEY_FILE] = {"security", "secret_key_file", V_STRING, .s = NULL},
    [S_AUTHORIZED_KEYS_DIR] = {"security", "authorized_keys_dir", V_STRING, .s = NULL},
    [S_CHECKIN_KEYS_DIR] = {"security", "checkin_keys_dir", V_STRING, .s = NULL},
    [S_RETENTION_MINUTE] = {"retention", "minute", V_STRING, .s = "48h"},
    [S_RETENTION_HOUR] = {"retention", "hour", V_STRING, .s = "90d"},
    [S_RETENTION_DAY] = {"retention", "day", V_STRING, .s = "5y"},
    [S_UTC_OFFSET] = {"time", "utc_offset", V_STRING, .s = "+00:00"},
    [S_FISCAL_START_MONTH] = {"time", "fiscal_year_start_month", V_INT, .i = 1},
};

static const char *const sections[] = {"daemon",   "ingest",    "query",
                                       "security", "retention", "time"};

static const char *const kpi_kinds[] = {"leading", "lagging", "quantitative", "qualitative",
                                        "financial"};

/* KPI keys of the SPEC that this version does not implement (their sketches
 * are not wired yet). */

/* ---- the loader: what parse hands to validate ------------------------- */

/* A setting as found in the file (line > 0) or as defaulted (line 0). */
typedef struct value {
    int line;
    const char *file;
    const char *s;
    int64_t i;
    bool b;
    const config_setting_t *list; /* V_STRLIST read from the file */
} value_t;

/* One KPI group as found in the file; members NULL when absent. */
typedef struct kpi_raw {
    const config_setting_t *group;
    const config_setting_t *name, *source, *unit, *description, *kind, *aggregate;
    const config_setting_t *where, *formula, *thresholds, *distinct, *quantiles;
} kpi_raw_t;

typedef struct cerr {
    const char *file; /* NULL: the main file */
    int line;         /* 0: no line */
    int seq;
    char *msg;
} cerr_t;

/* The state of one load (loader_t, declared in config_int.h). */
struct loader {
    const char *path;
    cerr_t *errs;
    int nerrs, cap;
    bool oom;
    value_t v[S_COUNT];
    kpi_raw_t *kpis;
    int nkpis;
    const config_setting_t *objectives; /* validated by config_okr.c */
    /* lines of the main file with an integer libconfig mangled: range
     * errors about them would only quote the mangled value */
    int mangled[32];
    int nmangled;
};

void cfg_error(loader_t *ld, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    if (ld->nerrs == ld->cap) {
        int cap = ld->cap ? 2 * ld->cap : 16;
        cerr_t *e = realloc(ld->errs, (size_t)cap * sizeof *e);
        if (!e) {
            ld->oom = true;
            return;
        }
        ld->errs = e;
        ld->cap = cap;
    }
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        ld->oom = true;
        va_end(ap);
        return;
    }
    va_end(ap);
    if (file && strcmp(file, ld->path) == 0)
        file = NULL;
    ld->errs[ld->nerrs] = (cerr_t){file, line, ld->nerrs, msg};
    ld->nerrs++;
}

/* An error about a value, at its line (or without one, for a default). */
#define err_val(ld, val, ...) cfg_error((ld), (val)->file, (val)->line, __VA_ARGS__)

void cfg_nomem(loader_t *ld)
{
    ld->oom = true;
}

const char *cfg_shown(const char *s, char buf[SHOWN_MAX + 4])
{
    size_t i = 0;
    if (!s)
        s = "";
    for (; s[i] && i < SHOWN_MAX; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (s[i]) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

char *cfg_strdup(loader_t *ld, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        ld->oom = true;
    return d;
}

/* ---- reading the file ------------------------------------------------- */

/*
 * Read the whole file, so that an unreadable file gets a clear message
 * (libconfig only says "file I/O error").  Returns the text or NULL with errno.
 */
static char *read_text(const char *path, size_t *len)
{
    struct stat st;
    char *text = NULL;
    size_t n = 0, cap = 0;
    int e;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    if (fstat(fileno(f), &st) != 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *t;
            if (cap >= CONFIG_MAX_FILE_BYTES) {
                errno = EFBIG;
                goto fail;
            }
            cap = cap ? 2 * cap : 4096;
            t = realloc(text, cap);
            if (!t)
                goto fail;
            text = t;
        }
        size_t r = fread(text + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                errno = EIO;
                goto fail;
            }
            break;
        }
    }
    text[n] = '\0';
    fclose(f);
    *len = n;
    return text;
fail:
    e = errno;
    free(text);
    fclose(f);
    errno = e;
    return NULL;
}

/*
 * libconfig 1.5 silently wraps an integer literal that does not fit in 32
 * bits unless it has the L suffix (3000000000 reads as -1294967296).  Find
 * such literals in the text, skipping comments, strings and names, so that
 * they are reported instead of used.
 */
static void scan_int_literals(loader_t *ld, const char *t, size_t len)
{
    int line = 1;
    size_t i = 0;
    while (i < len) {
        char ch = t[i];
        if (ch == '\n') {
            line++;
            i++;
        } else if (ch == '#' || (ch == '/' && i + 1 < len && t[i + 1] == '/')) {
            while (i < len && t[i] != '\n')
                i++;
        } else if (ch == '/' && i + 1 < len && t[i + 1] == '*') {
            for (i += 2; i < len && !(t[i] == '*' && i + 1 < len && t[i + 1] == '/'); i++)
                if (t[i] == '\n')
                    line++;
            i += 2;
        } else if (ch == '"') {
            for (i++; i < len && t[i] != '"'; i++) {
                if (t[i] == '\\' && i + 1 < len)
                    i++;
                if (t[i] == '\n')
                    line++;
            }
            i++;
        } else if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '*' || ch == '_') {
            while (i < len &&
                   (t[i] == '-' || t[i] == '_' || t[i] == '*' || (t[i] >= '0' && t[i] <= '9') ||
                    (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
                i++;
        } else if ((ch >= '0' && ch <= '9') || ((ch == '-' || ch == '+') && i + 1 < len &&
                                                t[i + 1] >= '0' && t[i + 1] <= '9')) {
            size_t start = i;
            bool neg = ch == '-', hex = false, over = false, is64;
            uint64_t acc = 0;
            if (ch == '-' || ch == '+')
                i++;
            if (t[i] == '0' && i + 2 < len && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
                hex = true;
                i += 2;
            }
            for (; i < len; i++) {
                int d;
                if (t[i] >= '0' && t[i] <= '9')
                    d = t[i] - '0';
                else if (hex && t[i] >= 'a' && t[i] <= 'f')
                    d = t[i] - 'a' + 10;
                else if (hex && t[i] >= 'A' && t[i] <= 'F')
                    d = t[i] - 'A' + 10;
                else
                    break;
                if (__builtin_mul_overflow(acc, hex ? 16u : 10u, &acc) ||
                    __builtin_add_overflow(acc, (uint64_t)d, &acc))
                    over = true;
            }
            if (!hex && i < len && (t[i] == '.' || t[i] == 'e' || t[i] == 'E')) {
                /* a float: never wrapped */
                for (; i < len; i++) {
                    if ((t[i] == '+' || t[i] == '-') && (t[i - 1] == 'e' || t[i - 1] == 'E'))
                        continue;
                    if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '.' || t[i] == 'e' ||
                          t[i] == 'E'))
                        break;
                }
                continue;
            }
            is64 = i < len && t[i] == 'L';
            if (over || acc > (uint64_t)INT64_MAX + neg ||
                (!is64 && acc > (uint64_t)INT32_MAX + neg)) {
                char lit[SHOWN_MAX + 4];
                size_t n = i - start < SHOWN_MAX ? i - start : SHOWN_MAX;
                memcpy(lit, t + start, n);
                lit[n] = '\0';
                if (ld->nmangled < (int)(sizeof ld->mangled / sizeof *ld->mangled))
                    ld->mangled[ld->nmangled++] = line;
                if (over || acc > (uint64_t)INT64_MAX + neg)
                    cfg_error(ld, NULL, line, "integer %s is out of range", lit);
                else
                    cfg_error(ld, NULL, line,
                              "integer %s is too large for 32 bits: write %sL for a 64-bit "
                              "integer",
                              lit, lit);
            }
        } else {
            i++;
        }
    }
}

/* ---- 2. parse --------------------------------------------------------- */

static const char *type_name(vtype_t t)
{
    switch (t) {
    case V_STRING:
        return "a string";
    case V_BOOL:
        return "true or false";
    case V_INT:
        return "an integer";
    case V_STRLIST:
        return "an array of strings";
    }
    return "?";
}

/* Read one table setting from s into ld->v[k], checking its type. */
static void parse_setting(loader_t *ld, slot_t k, const config_setting_t *s)
{
    const setting_def_t *d = &settings[k];
    value_t *v = &ld->v[k];
    int t = config_setting_type(s);
    bool ok = false;

    switch (d->type) {
    case V_STRING:
        if ((ok = t == CONFIG_TYPE_STRING))
            v->s = config_setting_get_string(s);
        break;
    case V_BOOL:
        if ((ok = t == CONFIG_TYPE_BOOL))
            v->b = config_setting_get_bool(s) != 0;
        break;
    case V_INT:
        if ((ok = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64))
            v->i = config_setting_get_int64(s);
        break;
    case V_STRLIST:
        ok = t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
        for (int j = 0; ok && j < config_setting_length(s); j++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                err_at(ld, e, "%s.%s must be an array of strings", d->section, d->key);
                return;
            }
        }
        if (ok)
            v->list = s;
        break;
    }
    if (!ok) {
        err_at(ld, s, "%s.%s must be %s", d->section, d->key, type_name(d->type));
        return;
    }
    v->line = (int)config_setting_source_line(s);
    v->file = config_setting_source_file(s);
}

static void parse_section(loader_t *ld, const char *section, const config_setting_t *grp)
{
    if (config_setting_type(grp) != CONFIG_TYPE_GROUP) {
        err_at(ld, grp, "%s must be a group ({ ... })", section);
        return;
    }
    for (int j = 0; j < config_setting_length(grp); j++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)j);
        const char *key = config_setting_name(s);
        int k;
        for (k = 0; k < S_COUNT; k++)
            if (strcmp(settings[k].section, section) == 0 && strcmp(settings[k].key, key) == 0)
                break;
        if (k == S_COUNT)
            err_at(ld, s, "unknown key '%s' in %s", key, section);
        else
            parse_setting(ld, (slot_t)k, s);
    }
}

/* A name for a KPI in messages: "kpi 'x'", or "kpi #3" before it has one. */
static const char *kpi_label(const config_setting_t *group, int idx, char *buf, size_t len)
{
    const config_setting_t *n = config_setting_get_member(group, "name");
    char tmp[SHOWN_MAX + 4];
    if (n && config_setting_type(n) == CONFIG_TYPE_STRING)
        snprintf(buf, len, "kpi '%s'", cfg_shown(config_setting_get_string(n), tmp));
    else
        snprintf(buf, len, "kpi #%d", idx + 1);
    return buf;
}

static void parse_kpi(loader_t *ld, const config_setting_t *g, int idx)
{
    kpi_raw_t *r = &ld->kpis[ld->nkpis++];
    char label[SHOWN_MAX + 32];

    *r = (kpi_raw_t){.group = g};
    kpi_label(g, idx, label, sizeof label);
    for (int j = 0; j < config_setting_length(g); j++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)j);
        const char *key = config_setting_name(s);
        const config_setting_t **slot = NULL;

        if (strcmp(key, "name") == 0)
            slot = &r->name;
        else if (strcmp(key, "source") == 0)
            slot = &r->source;
        else if (strcmp(key, "unit") == 0)
            slot = &r->unit;
        else if (strcmp(key, "description") == 0)
            slot = &r->description;
        else if (strcmp(key, "kind") == 0)
            slot = &r->kind;
        else if (strcmp(key, "aggregate") == 0)
            slot = &r->aggregate;
        else if (strcmp(key, "where") == 0)
            slot = &r->where;
        else if (strcmp(key, "formula") == 0)
            slot = &r->formula;
        else if (strcmp(key, "thresholds") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                err_at(ld, s,
                       "%s: thresholds must be a group: { direction = \"higher\"; green = ...; "
                       "amber = ...; }",
                       label);
            else
                r->thresholds = s;
            continue;
        }
        if (strcmp(key, "distinct") == 0 || strcmp(key, "quantiles") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                err_at(ld, s, "%s: %s must be true or false", label, key);
            else if (key[0] == 'd')
                r->distinct = s;
            else
                r->quantiles = s;
            continue;
        }

        if (slot) {
            if (config_setting_type(s) != CONFIG_TYPE_STRING)
                err_at(ld, s, "%s: '%s' must be a string", label, key);
            else
                *slot = s;
        } else {
            err_at(ld, s, "unknown key '%s' in %s", key, label);
        }
    }
}

static void parse_kpis(loader_t *ld, const config_setting_t *list)
{
    int t = config_setting_type(list), n = config_setting_length(list);
    if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
        err_at(ld, list, "kpis must be a list of groups: ( { name = ...; }, ... )");
        return;
    }
    if (n == 0)
        return;
    ld->kpis = calloc((size_t)n, sizeof *ld->kpis);
    if (!ld->kpis) {
        ld->oom = true;
        return;
    }
    for (int j = 0; j < n; j++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)j);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            err_at(ld, g, "kpis: element #%d must be a group ({ name = ...; })", j + 1);
        else
            parse_kpi(ld, g, j);
    }
}

static void parse(loader_t *ld, const config_setting_t *root)
{
    for (int j = 0; j < config_setting_length(root); j++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)j);
        const char *key = config_setting_name(s);
        size_t k;
        for (k = 0; k < sizeof sections / sizeof *sections; k++)
            if (strcmp(key, sections[k]) == 0)
                break;
        if (k < sizeof sections / sizeof *sections)
            parse_section(ld, sections[k], s);
        else if (strcmp(key, "kpis") == 0)
            parse_kpis(ld, s);
        else if (strcmp(key, "objectives") == 0)
            ld->objectives = s;
        else
            err_at(ld, s, "unknown key '%s' at top level", key);
    }
}

/* ---- 3. validate ------------------------------------------------------ */

/* Copy a list value (from the file, or its default) into a strlist_t. */
static void copy_list(loader_t *ld, slot_t k, strlist_t *out)
{
    const value_t *v = &ld->v[k];
    int n = v->list ? config_setting_length(v->list) : settings[k].nlist;
    out->n = 0;
    out->v = NULL;
    if (n == 0)
        return;
    out->v = calloc((size_t)n, sizeof *out->v);
    if (!out->v) {
        ld->oom = true;
        return;
    }
    for (int j = 0; j < n; j++) {
        const char *s =
            v->list ? config_setting_get_string_elem(v->list, (unsigned)j) : settings[k].list[j];
        out->v[out->n++] = cfg_strdup(ld, s);
    }
}

/* The file and line of element j of a list value; the list's own for a default. */
static void elem_pos(const value_t *v, int j, const char **file, int *line)
{
    *file = v->file;
    *line = v->line;
    if (v->list) {
        const config_setting_t *e = config_setting_get_elem(v->list, (unsigned)j);
        if (e) {
            *file = config_setting_source_file(e);
            *line = (int)config_setting_source_line(e);
        }
    }
}

static void check_endpoints(loader_t *ld, slot_t k, const strlist_t *l)
{
    char buf[SHOWN_MAX + 4];
    for (int j = 0; j < l->n; j++) {
        const char *file;
        int line;
        if (l->v[j] && l->v[j][0] && strstr(l->v[j], "://"))
            continue;
        elem_pos(&ld->v[k], j, &file, &line);
        cfg_error(ld, file, line,
                  "%s.%s: '%s' is not an endpoint (expected e.g. tcp://127.0.0.1:7401)",
                  settings[k].section, settings[k].key, cfg_shown(l->v[j], buf));
    }
}

/* True if v was read from a line where an integer literal was mangled. */
static bool mangled(const loader_t *ld, const value_t *v)
{
    if (v->line == 0 || (v->file && strcmp(v->file, ld->path) != 0))
        return false;
    for (int j = 0; j < ld->nmangled; j++)
        if (ld->mangled[j] == v->line)
            return true;
    return false;
}

bool cfg_mangled(const loader_t *ld, const config_setting_t *s)
{
    const value_t v = {.line = (int)config_setting_source_line(s),
                       .file = config_setting_source_file(s)};
    return mangled(ld, &v);
}

/* Check an integer setting against [min, max] and return it. */
static int64_t int_in(loader_t *ld, slot_t k, int64_t min, int64_t max)
{
    const value_t *v = &ld->v[k];
    if (v->i < min || v->i > max) {
        if (mangled(ld, v))
            return min;
        if (max == INT64_MAX)
            err_val(ld, v, "%s.%s must be at least %" PRId64 " (got %" PRId64 ")",
                    settings[k].section, settings[k].key, min, v->i);
        else
            err_val(ld, v, "%s.%s must be between %" PRId64 " and %" PRId64 " (got %" PRId64 ")",
                    settings[k].section, settings[k].key, min, max, v->i);
        return min;
    }
    return v->i;
}

/* A string setting copied, or NULL when it is neither set nor defaulted. */
static char *copy_str(loader_t *ld, slot_t k)
{
    return ld->v[k].s ? cfg_strdup(ld, ld->v[k].s) : NULL;
}

static void validate_retention(loader_t *ld, config_t *c)
{
    static const char *const least[RES_COUNT] = {"1m", "1h", "1d"};
    char buf[SHOWN_MAX + 4];
    bool ok = true;
    for (int r = 0; r < RES_COUNT; r++) {
        const value_t *v = &ld->v[S_RETENTION_MINUTE + r];
        if (cal_parse_duration(v->s, &c->retention[r]) != 0) {
            err_val(ld, v, "retention.%s: '%s' is not a duration (expected e.g. 48h, 90d, 5y)",
                    res_name((res_t)r), cfg_shown(v->s, buf));
            ok = false;
        } else if (c->retention[r] < res_ms((res_t)r)) {
            err_val(ld, v, "retention.%s must be at least %s (got '%s')", res_name((res_t)r),
                    least[r], cfg_shown(v->s, buf));
            ok = false;
        }
    }
    for (int r = 0; ok && r + 1 < RES_COUNT; r++) {
        const value_t *a = &ld->v[S_RETENTION_MINUTE + r], *b = &ld->v[S_RETENTION_MINUTE + r + 1];
        char bufb[SHOWN_MAX + 4];
        if (c->retention[r] > c->retention[r + 1])
            /* report where the later of the two is set: at least one is */
            err_val(ld, a->line > b->line ? a : b,
                    "retention.%s ('%s') must not be longer than retention.%s ('%s')",
                    res_name((res_t)r), cfg_shown(a->s, buf), res_name((res_t)(r + 1)),
                    cfg_shown(b->s, bufb));
    }
}

bool cfg_valid_topic(const char *s)
{
    return s && wire_topic_valid(s, strlen(s));
}

/* A compiler's message made safe to quote: control characters become '?'. */
static const char *safe_msg(char *m)
{
    for (char *p = m; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return m;
}

/* An int or float setting as a double; false for anything else. */
static bool number_of(const config_setting_t *s, double *out)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(s);
        return true;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(s);
        return true;
    default:
        return false;
    }
}

/* thresholds = { direction = "higher"|"lower"; green = N; amber = N; } */
static void validate_thresholds(loader_t *ld, kpi_def_t *k, const config_setting_t *g)
{
    const config_setting_t *dir = NULL, *green = NULL, *amber = NULL;
    char buf[SHOWN_MAX + 4], b2[SHOWN_MAX + 4];
    bool ok = true, higher = true;
    double gv = 0, av = 0;

    cfg_shown(k->name, buf);
    for (int j = 0; j < config_setting_length(g); j++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)j);
        const char *key = config_setting_name(s);
        if (strcmp(key, "direction") == 0)
            dir = s;
        else if (strcmp(key, "green") == 0)
            green = s;
        else if (strcmp(key, "amber") == 0)
            amber = s;
        else
            err_at(ld, s, "unknown key '%s' in kpi '%s' thresholds", key, buf);
    }
    if (!dir) {
        err_at(ld, g, "kpi '%s': thresholds needs a direction (\"higher\" or \"lower\")", buf);
        ok = false;
    } else if (config_setting_type(dir) != CONFIG_TYPE_STRING) {
        err_at(ld, dir, "kpi '%s': thresholds.direction must be \"higher\" or \"lower\"", buf);
        ok = false;
    } else {
        const char *d = config_setting_get_string(dir);
        if (strcmp(d, "lower") == 0) {
            higher = false;
        } else if (strcmp(d, "higher") != 0) {
            err_at(ld, dir,
                   "kpi '%s': thresholds.direction must be \"higher\" or \"lower\" (got '%s')", buf,
                   cfg_shown(d, b2));
            ok = false;
        }
    }
    if (!green) {
        err_at(ld, g, "kpi '%s': thresholds needs green", buf);
        ok = false;
    } else if (!number_of(green, &gv)) {
        err_at(ld, green, "kpi '%s': thresholds.green must be a number", buf);
        ok = false;
    }
    if (!amber) {
        err_at(ld, g, "kpi '%s': thresholds needs amber", buf);
        ok = false;
    } else if (!number_of(amber, &av)) {
        err_at(ld, amber, "kpi '%s': thresholds.amber must be a number", buf);
        ok = false;
    }
    if (!ok || cfg_mangled(ld, green) || cfg_mangled(ld, amber))
        return;
    if (higher ? gv < av : gv > av) {
        /* report where the later of the two is set */
        const config_setting_t *at =
            config_setting_source_line(green) > config_setting_source_line(amber) ? green : amber;
        err_at(ld, at,
               "kpi '%s': thresholds: direction \"%s\" needs green %s amber (green %g, amber %g)",
               buf, higher ? "higher" : "lower", higher ? ">=" : "<=", gv, av);
        return;
    }
    k->thresholds = (kpi_thresholds_t){.set = true, .higher = higher, .green = gv, .amber = av};
}

/* The error for an aggregate that needs a sketch KPI k does not keep
 * (none when it does). */
static void err_sketch(loader_t *ld, const config_setting_t *s, const char *what, agg_spec_t a,
                       const char *written, const kpi_def_t *k)
{
    char an[16], b[SHOWN_MAX + 4], kn[SHOWN_MAX + 4];
    if (a.kind == AGG_DISTINCT && !k->distinct)
        err_at(ld, s, "%saggregate 'distinct' needs distinct = true on kpi '%s'", what,
               cfg_shown(k->name, kn));
    else if (a.kind == AGG_QUANTILE && !k->quantiles)
        err_at(ld, s, "%saggregate '%s' needs quantiles = true on kpi '%s'", what,
               written ? cfg_shown(written, b) : agg_name(a, an, sizeof an),
               cfg_shown(k->name, kn));
}

/* Append a formula cycle (kpis idx[0..n-1], back to idx[0]) to ld's errors. */
static void report_cycle(loader_t *ld, const config_t *c, const config_setting_t *const *fset,
                         const int *cyc, int n)
{
    char buf[SHOWN_MAX + 4], *text = NULL;
    size_t len = 0;
    int first = 0;
    FILE *f;

    for (int j = 1; j < n; j++)
        if (cyc[j] < cyc[first])
            first = j;
    f = open_memstream(&text, &len);
    if (!f) {
        ld->oom = true;
        return;
    }
    for (int j = 0; j <= n; j++)
        fprintf(f, "%s'%s'", j ? " -> " : "", cfg_shown(c->kpis[cyc[(first + j) % n]].name, buf));
    if (fclose(f) != 0) {
        free(text);
        ld->oom = true;
        return;
    }
    err_at(ld, fset[cyc[first]], "kpi '%s': formula cycle %s",
           cfg_shown(c->kpis[cyc[first]].name, buf), text);
    free(text);
}

/* The formula edges of kpi v: its references to derived KPIs. */
static int nedges(const config_t *c, int v)
{
    const kpi_def_t *k = &c->kpis[v];
    return k->formula && k->refs ? expr_nrefs(k->formula) : 0;
}

static int edge(const config_t *c, int v, int j)
{
    int w = c->kpis[v].refs[j];
    return w >= 0 && c->kpis[w].formula ? w : -1;
}

/*
 * Report the cycles among derived KPIs: strongly connected components
 * (Tarjan's, without recursion), then within each, one shortest cycle
 * through every member that no reported cycle covers yet, so that every
 * simple case (a -> b -> a, a -> a) gives exactly one error per cycle.
 */
static void check_cycles(loader_t *ld, const config_t *c, const config_setting_t *const *fset)
{
    int n = c->nkpis, idx = 0, sp = 0, csp = 0, ncomp = 0;
    int *index = malloc((size_t)n * sizeof *index), *low = malloc((size_t)n * sizeof *low);
    int *stk = malloc((size_t)n * sizeof *stk), *cs = malloc((size_t)n * sizeof *cs);
    int *ci = malloc((size_t)n * sizeof *ci), *comp = malloc((size_t)n * sizeof *comp);
    int *prev = malloc((size_t)n * sizeof *prev), *seen = malloc((size_t)n * sizeof *seen);
    int *queue = malloc((size_t)n * sizeof *queue), *cyc = malloc((size_t)n * sizeof *cyc);
    bool *onstk = calloc((size_t)n, sizeof *onstk), *covered = calloc((size_t)n, sizeof *covered);

    if (!index || !low || !stk || !cs || !ci || !comp || !prev || !seen || !queue || !cyc ||
        !onstk || !covered) {
        ld->oom = true;
        goto out;
    }
    for (int v = 0; v < n; v++) {
        index[v] = -1;
        seen[v] = -1;
    }
    for (int s = 0; s < n; s++) {
        if (index[s] != -1 || !c->kpis[s].formula)
            continue;
        index[s] = low[s] = idx++;
        stk[sp++] = s;
        onstk[s] = true;
        cs[csp] = s;
        ci[csp++] = 0;
        while (csp > 0) {
            int v = cs[csp - 1];
            if (ci[csp - 1] < nedges(c, v)) {
                int w = edge(c, v, ci[csp - 1]++);
                if (w < 0)
                    continue;
                if (index[w] == -1) {
                    index[w] = low[w] = idx++;
                    stk[sp++] = w;
                    onstk[w] = true;
                    cs[csp] = w;
                    ci[csp++] = 0;
                } else if (onstk[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                int x;
                do {
                    x = stk[--sp];
                    onstk[x] = false;
                    comp[x] = ncomp;
                } while (x != v);
                ncomp++;
            }
            if (--csp > 0 && low[v] < low[cs[csp - 1]])
                low[cs[csp - 1]] = low[v];
        }
    }

    for (int m = 0; m < n; m++) {
        int head = 0, tail = 0, last = -1;
        if (!c->kpis[m].formula || covered[m])
            continue;
        /* breadth first from m, within its component, back to m */
        queue[tail++] = m;
        seen[m] = m;
        while (head < tail && last < 0) {
            int v = queue[head++];
            for (int j = 0; j < nedges(c, v) && last < 0; j++) {
                int w = edge(c, v, j);
                if (w < 0 || comp[w] != comp[m])
                    continue;
                if (w == m)
                    last = v;
                else if (seen[w] != m) {
                    seen[w] = m;
                    prev[w] = v;
                    queue[tail++] = w;
                }
            }
        }
        if (last < 0)
            continue;
        int len = 0;
        for (int v = last; v != m; v = prev[v])
            cyc[len++] = v;
        cyc[len++] = m;
        /* reverse: m first, then in the direction of the references */
        for (int a = 0, b = len - 1; a < b; a++, b--) {
            int t = cyc[a];
            cyc[a] = cyc[b];
            cyc[b] = t;
        }
        for (int j = 0; j < len; j++)
            covered[cyc[j]] = true;
        report_cycle(ld, c, fset, cyc, len);
    }
out:
    free(index);
    free(low);
    free(stk);
    free(cs);
    free(ci);
    free(comp);
    free(prev);
    free(seen);
    free(queue);
    free(cyc);
    free(onstk);
    free(covered);
}

/* Resolve the references of every derived KPI, then look for cycles. */
static void resolve_formulas(loader_t *ld, config_t *c, const config_setting_t *const *fset)
{
    char buf[SHOWN_MAX + 4], b2[SHOWN_MAX + 4], what[SHOWN_MAX + 32];
    bool any = false;

    for (int i = 0; i < c->nkpis; i++) {
        kpi_def_t *k = &c->kpis[i];
        int n;
        if (!k->formula)
            continue;
        any = true;
        n = expr_nrefs(k->formula);
        if (n == 0)
            continue;
        k->refs = malloc((size_t)n * sizeof *k->refs);
        if (!k->refs) {
            ld->oom = true;
            continue;
        }
        cfg_shown(k->name, buf);
        for (int j = 0; j < n; j++) {
            const char *ref = expr_ref_name(k->formula, j);
            const kpi_def_t *kd = config_kpi(c, ref);
            agg_spec_t a = expr_ref_agg(k->formula, j);
            bool again = false;

            k->refs[j] = kd ? (int)(kd - c->kpis) : -1;
            for (int p = 0; p < j; p++)
                if (strcmp(expr_ref_name(k->formula, p), ref) == 0)
                    again = true;
            if (!kd) {
                if (!again)
                    err_at(ld, fset[i], "kpi '%s': formula references unknown kpi '%s'", buf,
                           cfg_shown(ref, b2));
            } else if (!kd->formula_src && (a.kind == AGG_DISTINCT || a.kind == AGG_QUANTILE)) {
                snprintf(what, sizeof what, "kpi '%s': formula: ", buf);
                err_sketch(ld, fset[i], what, a, NULL, kd);
            }
        }
    }
    if (any)
        check_cycles(ld, c, fset);
}

static void validate_kpis(loader_t *ld, config_t *c)
{
    char buf[SHOWN_MAX + 4], b2[SHOWN_MAX + 4], err[256];
    const config_setting_t **fset; /* per c->kpis index: its formula setting */
    if (ld->nkpis == 0)
        return;
    c->kpis = calloc((size_t)ld->nkpis, sizeof *c->kpis);
    fset = calloc((size_t)ld->nkpis, sizeof *fset);
    if (!c->kpis || !fset) {
        free(fset);
        ld->oom = true;
        return;
    }
    for (int j = 0; j < ld->nkpis; j++) {
        const kpi_raw_t *r = &ld->kpis[j];
        kpi_def_t *k;
        const char *name, *agg;
        bool derived = r->formula != NULL;

        if (!r->name) {
            /* a wrongly typed name was reported by parse already */
            if (!config_setting_get_member(r->group, "name"))
                err_at(ld, r->group, "kpi #%d has no name", config_setting_index(r->group) + 1);
            continue;
        }
        name = config_setting_get_string(r->name);
        if (!cfg_valid_topic(name)) {
            err_at(ld, r->name, "kpi '%s': the name must be 1-200 bytes of [A-Za-z0-9_.:/-]",
                   cfg_shown(name, buf));
            continue;
        }
        for (int i = 0; i < c->nkpis; i++) {
            if (c->kpis[i].name && strcmp(c->kpis[i].name, name) == 0) {
                err_at(ld, r->group, "kpi '%s' is defined twice (first at line %d)",
                       cfg_shown(name, buf), c->kpis[i].line);
                break;
            }
        }

        fset[c->nkpis] = r->formula;
        k = &c->kpis[c->nkpis++];
        k->line = (int)config_setting_source_line(r->group);
        k->name = cfg_strdup(ld, name);
        k->source = derived
                        ? NULL
                        : cfg_strdup(ld, r->source ? config_setting_get_string(r->source) : name);
        k->unit = cfg_strdup(ld, r->unit ? config_setting_get_string(r->unit) : "");
        k->description =
            cfg_strdup(ld, r->description ? config_setting_get_string(r->description) : "");
        k->kind = cfg_strdup(ld, r->kind ? config_setting_get_string(r->kind) : "");
        k->aggregate = (agg_spec_t){AGG_SUM, 0};
        cfg_shown(name, buf);

        if (derived) {
            const config_setting_t *no[] = {r->source, r->where, r->aggregate};
            const char *src = config_setting_get_string(r->formula);
            for (size_t i = 0; i < sizeof no / sizeof *no; i++)
                if (no[i])
                    err_at(ld, no[i], "kpi '%s': a derived KPI (formula) takes no '%s'", buf,
                           config_setting_name(no[i]));
            k->formula_src = cfg_strdup(ld, src);
            err[0] = '\0';
            k->formula = expr_formula_compile(src, err, sizeof err);
            if (!k->formula)
                err_at(ld, r->formula, "kpi '%s': formula: %s", buf, safe_msg(err));
        } else {
            if (r->source && !cfg_valid_topic(k->source))
                err_at(ld, r->source,
                       "kpi '%s': source '%s' is not a valid source name (1-200 bytes of "
                       "[A-Za-z0-9_.:/-])",
                       buf, cfg_shown(k->source, b2));
            if (r->where) {
                const char *src = config_setting_get_string(r->where);
                k->where_src = cfg_strdup(ld, src);
                err[0] = '\0';
                k->where = expr_where_compile(src, err, sizeof err);
                if (!k->where)
                    err_at(ld, r->where, "kpi '%s': where: %s", buf, safe_msg(err));
            }
        }
        if (r->kind && k->kind) {
            size_t i;
            for (i = 0; i < sizeof kpi_kinds / sizeof *kpi_kinds; i++)
                if (strcmp(k->kind, kpi_kinds[i]) == 0)
                    break;
            if (i == sizeof kpi_kinds / sizeof *kpi_kinds)
                err_at(ld, r->kind,
                       "kpi '%s': kind must be one of leading, lagging, quantitative, "
                       "qualitative, financial (got '%s')",
                       buf, cfg_shown(k->kind, b2));
        }
        if (r->thresholds)
            validate_thresholds(ld, k, r->thresholds);
        k->distinct = r->distinct && config_setting_get_bool(r->distinct);
        k->quantiles = r->quantiles && config_setting_get_bool(r->quantiles);
        if (derived && (k->distinct || k->quantiles))
            err_at(ld, k->distinct ? r->distinct : r->quantiles,
                   "kpi '%s': a derived KPI (formula) keeps no sketch: drop '%s'", buf,
                   k->distinct ? "distinct" : "quantiles");
        if (!r->aggregate || derived)
            continue;
        agg = config_setting_get_string(r->aggregate);
        snprintf(err, sizeof err, "kpi '%s': ", buf);
        if (agg_parse(agg, &k->aggregate) != 0)
            err_at(ld, r->aggregate,
                   "kpi '%s': unknown aggregate '%s' (count, sum, avg, min, max, last, stddev, "
                   "rate)",
                   buf, cfg_shown(agg, b2));
        else
            err_sketch(ld, r->aggregate, err, k->aggregate, agg, k);
    }
    resolve_formulas(ld, c, fset);
    free(fset);
}

static void validate(loader_t *ld, config_t *c)
{
    char buf[SHOWN_MAX + 4];
    const value_t *v;

    /* daemon */
    v = &ld->v[S_STATE_DIR];
    if (!v->s || !v->s[0])
        err_val(ld, v, "daemon.state_dir must not be empty");
    c->daemon.state_dir = copy_str(ld, S_STATE_DIR);
    c->daemon.map_size_mb = (uint64_t)int_in(ld, S_MAP_SIZE_MB, 1, MAP_SIZE_MB_MAX);
    c->daemon.commit_interval_ms = (int)int_in(ld, S_COMMIT_INTERVAL_MS, 1, 60000);
    c->daemon.sync = ld->v[S_SYNC].b;
    v = &ld->v[S_LOG_LEVEL];
    if (log_level_parse(v->s, &c->daemon.log_level) != 0)
        err_val(ld, v, "daemon.log_level must be one of error, warn, info, debug (got '%s')",
                cfg_shown(v->s, buf));

    /* ingest */
    copy_list(ld, S_INGEST_BIND, &c->ingest.bind);
    copy_list(ld, S_INGEST_CONNECT, &c->ingest.connect);
    copy_list(ld, S_INGEST_TOPICS, &c->ingest.topics);
    check_endpoints(ld, S_INGEST_BIND, &c->ingest.bind);
    check_endpoints(ld, S_INGEST_CONNECT, &c->ingest.connect);
    if (c->ingest.bind.n + c->ingest.connect.n == 0) {
        const value_t *b = &ld->v[S_INGEST_BIND], *cn = &ld->v[S_INGEST_CONNECT];
        err_val(ld, b->line > cn->line ? b : cn,
                "ingest needs at least one endpoint in ingest.bind or ingest.connect");
    }
    if (c->ingest.topics.n == 0)
        err_val(ld, &ld->v[S_INGEST_TOPICS],
                "ingest.topics must not be empty (use [ \"\" ] to subscribe to every source)");
    for (int j = 0; j < c->ingest.topics.n; j++) {
        const char *t = c->ingest.topics.v[j], *file;
        int line;
        if (!t || !t[0] || cfg_valid_topic(t))
            continue;
        elem_pos(&ld->v[S_INGEST_TOPICS], j, &file, &line);
        cfg_error(ld, file, line,
                  "ingest.topics: '%s' is not a source name prefix ([A-Za-z0-9_.:/-], at most "
                  "200 bytes)",
                  cfg_shown(t, buf));
    }
    v = &ld->v[S_MAX_MESSAGE_BYTES];
    c->ingest.max_message_bytes = v->i;
    if (v->i != -1 && v->i < 64 && !mangled(ld, v))
        err_val(ld, v,
                "ingest.max_message_bytes must be at least 64, or -1 for no limit (got %" PRId64
                ")",
                v->i);
    c->ingest.rcvhwm = (int)int_in(ld, S_RCVHWM, 0, INT_MAX);
    c->ingest.max_future_s = (int)int_in(ld, S_MAX_FUTURE_S, 0, INT_MAX);

    /* query */
    copy_list(ld, S_QUERY_BIND, &c->query.bind);
    check_endpoints(ld, S_QUERY_BIND, &c->query.bind);
    if (c->query.bind.n == 0)
        err_val(ld, &ld->v[S_QUERY_BIND], "query.bind needs at least one endpoint");

    /* security */
    c->security.curve = ld->v[S_CURVE].b;
    if (c->security.curve)
        err_val(ld, &ld->v[S_CURVE], "security.curve is not supported by this version of okrd");
    c->security.secret_key_file = copy_str(ld, S_SECRET_KEY_FILE);
    c->security.authorized_keys_dir = copy_str(ld, S_AUTHORIZED_KEYS_DIR);
    c->security.checkin_keys_dir = copy_str(ld, S_CHECKIN_KEYS_DIR);

    /* retention, time */
    validate_retention(ld, c);
    c->cal = CAL_DEFAULT;
    v = &ld->v[S_UTC_OFFSET];
    if (cal_parse_offset(v->s, &c->cal.utc_offset_s) != 0 || c->cal.utc_offset_s < -18 * 3600 ||
        c->cal.utc_offset_s > 18 * 3600) {
        err_val(ld, v,
                "time.utc_offset must be +HH:MM or -HH:MM within 18:00 of UTC, or Z (got '%s')",
                cfg_shown(v->s, buf));
        c->cal.utc_offset_s = 0;
    }
    c->cal.fiscal_start_month = (int)int_in(ld, S_FISCAL_START_MONTH, 1, 12);

    validate_kpis(ld, c);
    /* last: periods need the calendar, key results the KPIs */
    cfg_okr_validate(ld, c, ld->objectives);
}

/* ---- putting it together ---------------------------------------------- */

static void free_list(strlist_t *l)
{
    for (int j = 0; j < l->n; j++)
        free(l->v[j]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void config_free(config_t *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->daemon.state_dir);
    free_list(&c->ingest.bind);
    free_list(&c->ingest.connect);
    free_list(&c->ingest.topics);
    free_list(&c->query.bind);
    free(c->security.secret_key_file);
    free(c->security.authorized_keys_dir);
    free(c->security.checkin_keys_dir);
    for (int j = 0; j < c->nkpis; j++) {
        kpi_def_t *k = &c->kpis[j];
        free(k->name);
        free(k->source);
        free(k->unit);
        free(k->description);
        free(k->kind);
        expr_free(&k->where);
        free(k->where_src);
        expr_free(&k->formula);
        free(k->formula_src);
        free(k->refs);
    }
    free(c->kpis);
    cfg_okr_free(c);
    free(c);
}

static int cerr_cmp(const void *a, const void *b)
{
    const cerr_t *x = a, *y = b;
    /* the main file first, then included files by name; by line within a file */
    if (x->file != y->file) {
        if (!x->file || !y->file)
            return x->file ? 1 : -1;
        int s = strcmp(x->file, y->file);
        if (s)
            return s;
    }
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The collected errors as "FILE:LINE: message\n" lines; frees them. */
static char *format_errors(loader_t *ld)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    qsort(ld->errs, (size_t)ld->nerrs, sizeof *ld->errs, cerr_cmp);
    f = open_memstream(&text, &len);
    for (int j = 0; j < ld->nerrs; j++) {
        const cerr_t *e = &ld->errs[j];
        if (f) {
            if (e->line > 0)
                fprintf(f, "%s:%d: %s\n", e->file ? e->file : ld->path, e->line, e->msg);
            else
                fprintf(f, "%s: %s\n", e->file ? e->file : ld->path, e->msg);
        }
        free(e->msg);
    }
    if (f && ld->oom)
        fprintf(f, "%s: out of memory\n", ld->path);
    if (f && fclose(f) != 0) {
        free(text);
        text = NULL;
    }
    free(ld->errs);
    ld->errs = NULL;
    ld->nerrs = ld->cap = 0;
    return text;
}

int config_load(const char *path, config_t **out, char **errors)
{
    loader_t ld = {.path = path};
    libconfig_t lc;
    config_t *c = NULL;
    char *text;
    size_t len = 0;
    bool lc_ok;

    *out = NULL;
    if (errors)
        *errors = NULL;

    text = read_text(path, &len);
    if (!text) {
        if (errors && asprintf(errors, "%s: cannot read: %s\n", path, strerror(errno)) < 0)
            *errors = NULL;
        return -1;
    }

    for (int k = 0; k < S_COUNT; k++)
        ld.v[k] = (value_t){.s = settings[k].s, .i = settings[k].i, .b = settings[k].b};

    config_init(&lc);
    lc_ok = config_read_file(&lc, path) == CONFIG_TRUE;
    if (!lc_ok) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            cfg_error(&ld, NULL, 0, "cannot read: %s", config_error_text(&lc));
        else
            cfg_error(&ld, config_error_file(&lc), config_error_line(&lc), "%s",
                      config_error_text(&lc));
    } else {
        scan_int_literals(&ld, text, len);
        parse(&ld, config_root_setting(&lc));
        c = calloc(1, sizeof *c);
        if (c) {
            c->refs = 1;
            c->path = cfg_strdup(&ld, path);
            validate(&ld, c);
        } else {
            ld.oom = true;
        }
    }
    free(text);

    if (ld.nerrs > 0 || ld.oom) {
        char *msg = format_errors(&ld);
        if (errors)
            *errors = msg;
        else
            free(msg);
        config_free(c);
        c = NULL;
    }
    /* the error texts point into lc: destroy it only now */
    config_destroy(&lc);
    free(ld.kpis);
    if (!c)
        return -1;
    *out = c;
    return 0;
}

const kpi_def_t *config_kpi(const config_t *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (int j = 0; j < c->nkpis; j++)
        if (strcmp(c->kpis[j].name, name) == 0)
            return &c->kpis[j];
    return NULL;
}

config_t *config_ref(config_t *c)
{
    if (c)
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void config_unref(config_t **cp)
{
    if (!cp || !*cp)
        return;
    if (__atomic_sub_fetch(&(*cp)->refs, 1, __ATOMIC_ACQ_REL) == 0)
        config_free(*cp);
    *cp = NULL;
}
